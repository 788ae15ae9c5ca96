#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU; its headers would pull in the system ICU, which clashes with Foundation's copy.
// trustd never touches the encoding handler structs that depend on it, so ICU is left out of this view.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlmemory.h>

// `xmlFree` is a global function pointer (a macro in threaded builds); Swift calls it through this wrapper.
static inline void trustd_xml_free(void *pointer) { xmlFree(pointer); }
