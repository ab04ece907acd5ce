#ifndef NEWSD_CLIBPQ_SHIM_H
#define NEWSD_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
