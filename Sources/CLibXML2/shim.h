#ifndef NEWSD_CLIBXML2_SHIM_H
#define NEWSD_CLIBXML2_SHIM_H
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

/* xmlFree is a global function pointer, which Swift 6 treats as shared mutable state. */
static inline void newsd_xml_free(void *p) { xmlFree(p); }
#endif
