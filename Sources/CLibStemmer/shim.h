#ifndef NEWSD_CLIBSTEMMER_SHIM_H
#define NEWSD_CLIBSTEMMER_SHIM_H
/* Snowball's C stemmers (Debian's libstemmer-dev; no pkg-config file). */
#include <libstemmer.h>
#endif
