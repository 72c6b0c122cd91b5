/* A stapled OCSP response (RFC 6960, stapled per RFC 6066) judged against the chain it came
 * with: does it decode, is it signed by the certificate's issuer or a responder the issuer
 * delegated to (OpenSSL's OCSP_basic_verify, the signer's chain verified against the trust
 * store), what does it say about the served certificate (good, revoked, unknown), and is it
 * fresh (thisUpdate not in the future, nextUpdate not passed). The input is untrusted DER.
 */
#ifndef RISKMAP_TLS_OCSP_H
#define RISKMAP_TLS_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "checks/tls_cert.h"

#define TLS_OCSP_SKEW_SECONDS 300 /* clock difference tolerated on thisUpdate/nextUpdate */

enum tls_ocsp_status {
    OCSP_ST_INVALID = 0, /* no usable answer about the certificate: see error */
    OCSP_ST_GOOD,
    OCSP_ST_REVOKED,
    OCSP_ST_UNKNOWN,     /* the responder does not know the certificate */
};

struct tls_ocsp_facts {
    enum tls_ocsp_status status;
    bool signature_ok;     /* the response verifies to the issuer (or its delegate) and a root */
    bool stale;            /* nextUpdate passed, or thisUpdate in the future */
    char this_update[32];  /* "2026-11-22T10:00:00Z", "" when unknown */
    char next_update[32];  /* "" when the response has none */
    char revoked_at[32];   /* OCSP_ST_REVOKED: the revocation time */
    char reason[40];       /* OCSP_ST_REVOKED: "keyCompromise", ... or "" */
    char error[160];       /* why the response is invalid or unverified, "" when neither */
};

/* Judges resp (len bytes) against the served chain (DER, leaf first) at time now. The
 * certificate's issuer is the chain's second certificate, else looked up in trust; trust NULL
 * means nothing is trusted (signature_ok false). Returns 0 (the facts say what is wrong), -1
 * when the leaf cannot be decoded or memory ran out. */
int tls_ocsp_check(const unsigned char *resp, size_t len, const unsigned char *const *der,
                   const size_t *lens, size_t n, const struct tls_trust *trust, time_t now,
                   struct tls_ocsp_facts *out);

/* "good", "revoked", "unknown" or "invalid". */
const char *tls_ocsp_status_name(enum tls_ocsp_status s);

#endif
