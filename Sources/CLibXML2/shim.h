#ifndef NEWSD_CLIBXML2_SHIM_H
#define NEWSD_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU, so its headers pull in /usr/include/unicode, whose
   UErrorCode clashes with the ICU copy inside Foundation in any module that sees both. newsd
   never touches the ICU-specific encoding handler fields, so hide them. */
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

/* xmlFree is a global function pointer, which Swift 6 treats as shared mutable state. */
static inline void newsd_xml_free(void *p) { xmlFree(p); }

/* libxml2 prints parse and encoding errors to stderr unless told otherwise; newsd reports
   its own errors. The handlers are per thread, so this is called before every parse. */
static inline void newsd_xml_noop(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
static inline void newsd_xml_silence(void) {
    xmlSetGenericErrorFunc(NULL, newsd_xml_noop);
    xmlSetStructuredErrorFunc(NULL, NULL);
}
#endif
