#ifndef TRUSTD_CPCSCLITE_SHIM_H
#define TRUSTD_CPCSCLITE_SHIM_H
/* pkg-config libpcsclite puts /usr/include/PCSC on the include path. */
#include <winscard.h>
#include <pcsclite.h>
#include <reader.h>
#endif
