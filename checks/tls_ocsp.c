/* Stapled OCSP responses (tls_ocsp.h). OpenSSL decodes and verifies; this file decides which
 * certificate is asked about, which verdict follows, and keeps every failure a fact rather
 * than an error: a broken staple is a finding about the server, not a failure of the scan. */
#include "checks/tls_ocsp.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

const char *tls_ocsp_status_name(enum tls_ocsp_status s)
{
    switch (s) {
    case OCSP_ST_GOOD: return "good";
    case OCSP_ST_REVOKED: return "revoked";
    case OCSP_ST_UNKNOWN: return "unknown";
    case OCSP_ST_INVALID: break;
    }
    return "invalid";
}

static void iso_time(const ASN1_GENERALIZEDTIME *t, char *out, size_t cap)
{
    struct tm tm;
    out[0] = '\0';
    if (t && ASN1_TIME_to_tm(t, &tm) == 1)
        strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The issuer of leaf: the next certificate served, the leaf itself when self-signed, else
 * whatever the trust store holds. A new reference, or NULL. */
static X509 *find_issuer(X509 *leaf, STACK_OF(X509) *chain, X509_STORE *st)
{
    X509 *issuer = NULL;
    if (sk_X509_num(chain) > 1)
        issuer = sk_X509_value(chain, 1);
    else if (X509_check_issued(leaf, leaf) == X509_V_OK)
        issuer = leaf;
    if (issuer)
        return X509_up_ref(issuer) == 1 ? issuer : NULL;
    X509_STORE_CTX *ctx = st ? X509_STORE_CTX_new() : NULL;
    if (ctx && X509_STORE_CTX_init(ctx, st, leaf, NULL) == 1 &&
        X509_STORE_CTX_get1_issuer(&issuer, ctx, leaf) != 1)
        issuer = NULL;
    X509_STORE_CTX_free(ctx);
    return issuer;
}

static void judge(OCSP_RESPONSE *resp, STACK_OF(X509) *chain, X509_STORE *st, time_t now,
                  struct tls_ocsp_facts *f)
{
    int rs = OCSP_response_status(resp);
    if (rs != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        snprintf(f->error, sizeof f->error, "the responder answered %s", OCSP_response_status_str(rs));
        return;
    }
    OCSP_BASICRESP *bs = OCSP_response_get1_basic(resp);
    if (!bs) {
        snprintf(f->error, sizeof f->error, "no basic OCSP response in it");
        return;
    }
    X509 *leaf = sk_X509_value(chain, 0);
    X509 *issuer = find_issuer(leaf, chain, st);
    OCSP_CERTID *id = issuer ? OCSP_cert_to_id(NULL, leaf, issuer) : NULL;
    int status = -1, reason = -1;
    ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
    if (!issuer)
        snprintf(f->error, sizeof f->error, "the certificate's issuer is unknown");
    else if (!id || OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd) != 1)
        snprintf(f->error, sizeof f->error, "the response says nothing about the served certificate");
    if (status >= 0) {
        f->status = status == V_OCSP_CERTSTATUS_GOOD      ? OCSP_ST_GOOD
                    : status == V_OCSP_CERTSTATUS_REVOKED ? OCSP_ST_REVOKED
                                                          : OCSP_ST_UNKNOWN;
        iso_time(thisupd, f->this_update, sizeof f->this_update);
        iso_time(nextupd, f->next_update, sizeof f->next_update);
        if (f->status == OCSP_ST_REVOKED) {
            iso_time(rev, f->revoked_at, sizeof f->revoked_at);
            if (reason >= 0)
                snprintf(f->reason, sizeof f->reason, "%s", OCSP_crl_reason_str(reason));
        }
        /* Freshness at `now`, with the skew RFC 6960 implementations allow. */
        time_t late = now - TLS_OCSP_SKEW_SECONDS, early = now + TLS_OCSP_SKEW_SECONDS;
        f->stale = !thisupd || X509_cmp_time(thisupd, &early) > 0 ||
                   (nextupd && X509_cmp_time(nextupd, &late) < 0);
    }
    /* The signer: the issuer itself or a responder it certified for OCSP signing, its chain
     * verified against the trust store with the served certificates as helpers. */
    if (!st) {
        if (!f->error[0])
            snprintf(f->error, sizeof f->error, "no trust store to verify the response against");
    } else if (OCSP_basic_verify(bs, chain, st, 0) == 1) {
        f->signature_ok = true;
    } else if (!f->error[0]) {
        unsigned long err = ERR_peek_last_error();
        char buf[120];
        ERR_error_string_n(err, buf, sizeof buf);
        snprintf(f->error, sizeof f->error, "the signature does not verify: %s",
                 err ? ERR_reason_error_string(err) ? ERR_reason_error_string(err) : buf : "unknown reason");
    }
    if (!f->signature_ok)
        f->status = OCSP_ST_INVALID; /* what an unverified response claims counts for nothing */
    OCSP_CERTID_free(id);
    X509_free(issuer);
    OCSP_BASICRESP_free(bs);
}

int tls_ocsp_check(const unsigned char *resp, size_t len, const unsigned char *const *der,
                   const size_t *lens, size_t n, const struct tls_trust *trust, time_t now,
                   struct tls_ocsp_facts *f)
{
    memset(f, 0, sizeof *f);
    if (n == 0 || !der || !lens)
        return -1;
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (!chain)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = der[i];
        X509 *x = lens[i] <= 1 << 20 ? d2i_X509(NULL, &p, (long)lens[i]) : NULL;
        if (!x || !sk_X509_push(chain, x)) {
            X509_free(x);
            if (i == 0) {
                sk_X509_pop_free(chain, X509_free);
                ERR_clear_error();
                return -1;
            }
            break; /* keep what decodes, as the certificate facts do */
        }
    }
    const unsigned char *p = resp;
    OCSP_RESPONSE *r = resp && len > 0 && len <= 1 << 20 ? d2i_OCSP_RESPONSE(NULL, &p, (long)len) : NULL;
    if (!r)
        snprintf(f->error, sizeof f->error, "the stapled response does not decode");
    else
        judge(r, chain, tls_trust_store(trust), now, f);
    OCSP_RESPONSE_free(r);
    sk_X509_pop_free(chain, X509_free);
    ERR_clear_error();
    return 0;
}
