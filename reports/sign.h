/* Ed25519 signing keys for evidence bundles (OpenSSL 3). A key lives in a PEM file (PKCS#8),
 * created 0600 inside a 0700 directory; its fingerprint is the SHA-256 of the 32-byte raw
 * public key, in hex, so an auditor can pin it. */
#ifndef RISKMAP_SIGN_H
#define RISKMAP_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/err.h"

#define SIGN_SIG_LEN 64
#define SIGN_FP_HEX_LEN 64

struct sign_key; /* a private key (signing) or a public key only (verifying) */

/* Loads the private key at path; when it does not exist and create is true, generates one
 * (the file 0600, missing parent directories 0700) and sets *created. NULL with e set. */
struct sign_key *sign_key_load(const char *path, bool create, bool *created, struct rm_err *e);
/* A public key from PEM text (SubjectPublicKeyInfo), bounded by len. NULL with e set. */
struct sign_key *sign_pubkey_parse(const char *pem, size_t len, struct rm_err *e);
void sign_key_free(struct sign_key *k);

/* The public key as PEM text (caller frees). NULL on failure. */
char *sign_pubkey_pem(const struct sign_key *k);
/* Fingerprint: hex SHA-256 of the raw public key, into out (SIGN_FP_HEX_LEN + 1 bytes). */
int sign_fingerprint(const struct sign_key *k, char out[SIGN_FP_HEX_LEN + 1]);

/* Ed25519 signature of msg (the whole message: Ed25519 hashes internally). 0 or -1. */
int sign_message(const struct sign_key *k, const void *msg, size_t len, uint8_t sig[SIGN_SIG_LEN],
                 struct rm_err *e);
/* 1 when sig is k's signature of msg, 0 when it is not, -1 with e set on failure. */
int sign_verify(const struct sign_key *k, const void *msg, size_t len,
                const uint8_t sig[SIGN_SIG_LEN], struct rm_err *e);

#endif
