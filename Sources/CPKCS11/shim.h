#ifndef TRUSTD_CPKCS11_SHIM_H
#define TRUSTD_CPKCS11_SHIM_H
/* PKCS#11 v2.40 types from p11-kit (compat names: CK_ATTRIBUTE, pValue, ...).
   Nothing is linked: modules are opened with dlopen from the path in the hsm/ config. */
#include <p11-kit/pkcs11.h>
#endif
