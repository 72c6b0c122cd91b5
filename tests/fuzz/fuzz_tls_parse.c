/* libFuzzer target for the TLS server-flight parser (checks/tls_wire.h): arbitrary bytes as a
 * server's answer to a ClientHello. The sanitizers watch every read; the contract checked
 * here: the result is -1, 0 or 1, every certificate span lies inside the kept handshake
 * bytes, the counts stay within their arrays, and a prefix of an answer is never "done" with
 * a different hello than the whole. The bytes are also read as the head of an HTTPS answer
 * (the HSTS header), and as a stapled OCSP response judged against a fixed certificate (the
 * staple the parser cuts out of a CertificateStatus message is judged the same way). Seeds:
 * answers recorded from openssl s_server. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "checks/tls_conn.h"
#include "checks/tls_ocsp.h"
#include "checks/tls_probe.h"
#include "checks/tls_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct tls_flight *f, int rc)
{
    if (rc < -1 || rc > 1 || (rc == 1) != f->done)
        abort();
    if (f->hs_len > TLS_MAX_HS || f->n_certs > TLS_MAX_CERTS || f->n_v2_kinds > TLS_MAX_V2_KINDS)
        abort();
    for (uint32_t i = 0; i < f->n_certs; i++)
        if (f->certs[i].len == 0 || f->certs[i].off > f->hs_len ||
            f->certs[i].len > f->hs_len - f->certs[i].off)
            abort();
    if (f->ocsp.len && (f->ocsp.off > f->hs_len || f->ocsp.len > f->hs_len - f->ocsp.off))
        abort();
    if (f->record_len > TLS_KEEP_RECORD || f->record_len > f->record_full_len ||
        (f->record_len && f->record[0] != 22))
        abort();
}

/* A self-signed certificate made once: what every response is asked about. */
static size_t fixed_cert(unsigned char **out)
{
    static unsigned char *d;
    static size_t n;
    if (!d) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        X509 *x = X509_new();
        if (!k || !x)
            abort();
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), 0);
        X509_gmtime_adj(X509_getm_notAfter(x), 86400);
        X509_set_pubkey(x, k);
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                                   (const unsigned char *)"fuzz", -1, -1, 0);
        X509_set_issuer_name(x, X509_get_subject_name(x));
        if (X509_sign(x, k, EVP_sha256()) <= 0)
            abort();
        int len = i2d_X509(x, &d);
        if (len <= 0)
            abort();
        n = (size_t)len;
        X509_free(x);
        EVP_PKEY_free(k);
    }
    *out = d;
    return n;
}

static void ocsp(const uint8_t *resp, size_t n)
{
    unsigned char *c;
    size_t cn = fixed_cert(&c);
    const unsigned char *cp = c;
    struct tls_ocsp_facts o;
    if (tls_ocsp_check(resp, n, &cp, &cn, 1, NULL, 0, &o) != 0)
        abort();
    /* With nothing trusted, nothing it claims may count. */
    if (o.status != OCSP_ST_INVALID || o.signature_ok || !o.error[0] ||
        strnlen(o.error, sizeof o.error) >= sizeof o.error)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tls_flight whole, part;
    int rc = tls_parse_flight(data, size, &whole);
    check(&whole, rc);
    int pr = tls_parse_flight(data, size / 2, &part);
    check(&part, pr);
    /* What a prefix calls a ServerHello, the whole stream calls the same one. */
    if (pr >= 0 && part.answer == TLS_A_HELLO && rc >= 0 &&
        (whole.answer != TLS_A_HELLO || whole.suite != part.suite || whole.version != part.version))
        abort();
    if (whole.ocsp.len)
        ocsp(whole.hs + whole.ocsp.off, whole.ocsp.len);
    ocsp(data, size);
    /* The same bytes as the head of an HTTPS answer (HSTS). */
    struct tls_http h;
    tls_parse_http_head((const char *)data, size, &h);
    if (h.hsts && (strnlen(h.hsts_value, sizeof h.hsts_value) >= sizeof h.hsts_value ||
                   tls_hsts_max_age(h.hsts_value) < -1))
        abort();
    return 0;
}
