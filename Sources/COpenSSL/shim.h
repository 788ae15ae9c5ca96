#ifndef TRUSTD_COPENSSL_SHIM_H
#define TRUSTD_COPENSSL_SHIM_H

/* OpenSSL 3 headers used by TrustCrypto. Function-like macros and variadic functions are not
   visible to Swift; the static inline wrappers below expose exactly the ones we need. */
#include <openssl/opensslv.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>

/* EVP_PKEY_fromdata selections are composite macros. */
static const int trustd_EVP_PKEY_PUBLIC_KEY = EVP_PKEY_PUBLIC_KEY;
static const int trustd_EVP_PKEY_KEYPAIR = EVP_PKEY_KEYPAIR;

static inline void trustd_OPENSSL_free(void *p) { OPENSSL_free(p); }
static inline long trustd_BIO_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }

#endif
