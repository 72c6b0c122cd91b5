/* Certificate facts from the DER a server sent (the Certificate message, or OpenSSL's copy for
 * TLS 1.3): names, validity, key, signature, chain verification against the system CA store
 * or a given bundle, and the host name match. Uses OpenSSL 3; the input is untrusted DER.
 */
#ifndef RISKMAP_TLS_CERT_H
#define RISKMAP_TLS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "scanner/err.h"

struct tls_cert_facts {
    char subject[256];
    char issuer[256];
    char serial[96];       /* hex */
    char sans[1024];       /* "DNS:a.example, IP:192.0.2.1", "" when none (truncated with ...) */
    char not_before[32];   /* "2026-11-22T10:00:00Z" */
    char not_after[32];
    time_t nb, na;
    long days_left;        /* until not_after, negative once expired */
    bool expired, not_yet_valid;
    char key_type[16];     /* "RSA", "EC", "DSA", "ED25519", ... */
    int key_bits;
    char curve[32];        /* EC keys: "prime256v1" */
    char sig_alg[64];      /* "sha256WithRSAEncryption" */
    bool sig_md5, sig_sha1;   /* the leaf or an intermediate is signed with MD5 / SHA-1 */
    char weak_sig_subject[256]; /* which one, when not the leaf */
    bool self_signed;      /* the leaf is its own issuer */
    bool name_checked;     /* a name (or address) was given to match */
    bool name_match;
    char matched_name[256];
    bool verified;         /* the chain verifies to a trusted root (time not checked here) */
    bool incomplete_chain; /* the served chain stops short of a root and its issuer is unknown */
    int verify_code;       /* OpenSSL's X509_V_ERR_*, 0 when verified */
    char verify_error[160];
    size_t chain_len;      /* certificates served */
    char *pem;             /* the chain as served, PEM, owned (tls_cert_facts_free) */
    size_t pem_len;
};

/* The roots chains are verified against: the system CA store, plus ca_pem (the text of a PEM
 * bundle, tls_ca_load) when not NULL. Loading the system store costs tens of milliseconds of
 * CPU, so a run builds one and every verification shares it (read-only, thread-safe). A
 * store that cannot be loaded is still returned: every verification then fails with the
 * reason. 0, or -1 with e set (out of memory). */
struct tls_trust;
int tls_trust_new(const char *ca_pem, struct tls_trust **out, struct rm_err *e);
void tls_trust_free(struct tls_trust *t);
/* OpenSSL's X509_STORE inside, for other verifications (stapled OCSP); NULL when t is NULL or
 * could not be loaded. */
struct x509_store_st *tls_trust_store(const struct tls_trust *t);

/* Analyses a served chain (leaf first). name: the host name (or IP literal) the endpoint was
 * asked for, NULL when none; trust: what to verify against (NULL: nothing is trusted). now:
 * the time to judge validity at. Returns 0, or -1 with e set when the leaf cannot be
 * decoded. */
int tls_cert_analyse(const unsigned char *const *der, const size_t *lens, size_t n,
                     const char *name, const struct tls_trust *trust, time_t now,
                     struct tls_cert_facts *out, struct rm_err *e);
void tls_cert_facts_free(struct tls_cert_facts *f);

#define TLS_CA_MAX_BYTES (8u << 20)
/* Reads a CA bundle (PEM, at most TLS_CA_MAX_BYTES, at least one certificate) into *pem, a
 * NUL-terminated copy owned by the caller. Read once, up front: a root scan can still read a
 * root-only file then, and every endpoint checks against the same text. 0 or -1 with e set. */
int tls_ca_load(const char *path, char **pem, struct rm_err *e);

#endif
