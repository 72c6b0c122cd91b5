/* The tls room: the suite table, the hand-built hellos, the server-flight parser fed with
 * answers recorded from real `openssl s_server` instances (tests/fuzz/corpus/tls_parse/),
 * certificate facts from certificates made here with OpenSSL, the grade and profile rules,
 * and the documentation of `riskmap tls`. Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks/tls.h"
#include "checks/tls_budget.h"
#include "checks/tls_cert.h"
#include "checks/tls_probe.h"
#include "checks/tls_conn.h"
#include "checks/tls_ocsp.h"
#include "checks/tls_rules.h"
#include "checks/tls_suites.h"
#include "checks/tls_wire.h"
#include "scanner/cli_tls.h"
#include "scanner/help.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static uint8_t *slurp(const char *name, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fuzz/corpus/tls_parse/%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run the tests from the repository root)", path);
    uint8_t *b = malloc(1 << 17);
    assert_non_null(b);
    *n = fread(b, 1, 1 << 17, f);
    fclose(f);
    return b;
}

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

/* The ClientHello body inside one record: returns a pointer to the extensions block (after
 * its length) and their length, or NULL when there are none. Also the suites. */
struct hello_view {
    uint16_t client_version;
    const uint8_t *suites;
    size_t n_suites;
    const uint8_t *comp;
    size_t n_comp;
    const uint8_t *ext;
    size_t ext_len;
    bool has_ext;
};

static void view_hello(const uint8_t *b, size_t n, struct hello_view *v)
{
    memset(v, 0, sizeof *v);
    assert_true(n > 5 + 4 + 2 + 32 + 1);
    assert_int_equal(b[0], 22);
    assert_int_equal(be16(b + 3), n - 5);
    const uint8_t *m = b + 5;
    assert_int_equal(m[0], 1);
    size_t len = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
    assert_int_equal(len, n - 9);
    const uint8_t *p = m + 4, *end = m + 4 + len;
    v->client_version = (uint16_t)be16(p);
    p += 2 + 32;
    p += 1 + p[0];
    v->n_suites = be16(p) / 2;
    v->suites = p + 2;
    p += 2 + 2 * v->n_suites;
    v->n_comp = p[0];
    v->comp = p + 1;
    p += 1 + v->n_comp;
    if (p == end)
        return;
    v->has_ext = true;
    v->ext_len = be16(p);
    v->ext = p + 2;
    assert_ptr_equal(v->ext + v->ext_len, end);
}

static const uint8_t *find_ext(const struct hello_view *v, uint16_t type, size_t *len)
{
    for (size_t at = 0; at + 4 <= v->ext_len;) {
        uint16_t t = (uint16_t)be16(v->ext + at);
        size_t l = be16(v->ext + at + 2);
        if (t == type) {
            *len = l;
            return v->ext + at + 4;
        }
        at += 4 + l;
    }
    return NULL;
}

static bool has_suite(const struct hello_view *v, uint16_t s)
{
    for (size_t i = 0; i < v->n_suites; i++)
        if (be16(v->suites + 2 * i) == s)
            return true;
    return false;
}

/* ---- suite table ------------------------------------------------------------------------- */

static void suite_table_sorted_and_classified(void **state)
{
    (void)state;
    assert_true(tls_n_suites > 300);
    for (size_t i = 1; i < tls_n_suites; i++)
        assert_true(tls_suites[i - 1].id < tls_suites[i].id);
    for (size_t i = 1; i < tls_n_sslv2_suites; i++)
        assert_true(tls_sslv2_suites[i - 1].id < tls_sslv2_suites[i].id);
    const struct tls_suite *s = tls_suite_find(0xC02F);
    assert_non_null(s);
    assert_string_equal(s->iana, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_string_equal(s->openssl, "ECDHE-RSA-AES128-GCM-SHA256");
    assert_string_equal(s->kex, "ECDHE");
    assert_int_equal(s->bits, 128);
    assert_int_equal(s->flags, TS_AEAD | TS_PFS);
    assert_int_equal(s->min_version, TLS_V12);
    s = tls_suite_find(0x000A);
    assert_string_equal(s->openssl, "DES-CBC3-SHA");
    assert_int_equal(s->flags, TS_3DES | TS_CBC);
    assert_int_equal(tls_suite_find(0x0003)->flags, TS_EXPORT | TS_RC4 | TS_OBSOLETE);
    assert_true(tls_suite_find(0x0034)->flags & TS_ANON);  /* ADH-AES128-SHA */
    assert_true(tls_suite_find(0x0002)->flags & TS_NULL);  /* NULL-SHA */
    assert_true(tls_suite_find(0x008C)->flags & TS_NEEDS_SECRET); /* PSK-AES128-CBC-SHA */
    assert_int_equal(tls_suite_find(0x1301)->min_version, TLS_V13);
    assert_null(tls_suite_find(0x00FF));
    char b[16];
    assert_string_equal(tls_suite_name(0xC0FE, b, sizeof b), "0xC0FE");
    assert_string_equal(tls_sslv2_suite_find(0x0700C0)->openssl, "DES-CBC3-MD5");
}

/* ---- hellos ------------------------------------------------------------------------------ */

static void hello_tls12_carries_what_was_asked(void **state)
{
    (void)state;
    uint16_t suites[] = {0xC02F, 0x009E};
    struct tls_hello_opts h = {.version = TLS_V12, .suites = suites, .n_suites = 2, .sni = "good.test",
                               .scsv_reneg = true, .status_request = true};
    uint8_t b[4096];
    size_t n = tls_build_client_hello(&h, b, sizeof b);
    struct hello_view v;
    view_hello(b, n, &v);
    assert_int_equal(be16(b + 1), TLS_V10); /* record layer as browsers send it */
    assert_int_equal(v.client_version, TLS_V12);
    assert_int_equal(v.n_suites, 3);
    assert_int_equal(be16(v.suites), 0xC02F);
    assert_int_equal(be16(v.suites + 2), 0x009E);
    assert_int_equal(be16(v.suites + 4), TLS_SCSV_RENEG);
    assert_int_equal(v.n_comp, 1);
    size_t l;
    const uint8_t *e = find_ext(&v, 0x0000, &l);
    assert_non_null(e);
    assert_int_equal(l, 2 + 1 + 2 + 9);
    assert_memory_equal(e + 5, "good.test", 9);
    assert_non_null(find_ext(&v, 0x000A, &l)); /* supported_groups */
    assert_non_null(find_ext(&v, 0x000B, &l)); /* ec_point_formats */
    assert_non_null(find_ext(&v, 0x000D, &l)); /* signature_algorithms */
    assert_non_null(find_ext(&v, 0x0005, &l)); /* status_request */
    assert_null(find_ext(&v, 0x002B, &l));     /* no supported_versions below 1.3 */
    assert_null(find_ext(&v, 0x0033, &l));
    /* Too small a buffer is refused, never overrun. */
    assert_int_equal(tls_build_client_hello(&h, b, n - 1), 0);
    assert_int_equal(tls_build_client_hello(&h, b, n), n);
}

static void hello_tls13_has_versions_and_key_share(void **state)
{
    (void)state;
    uint16_t suites[] = {0x1301, 0x1302, 0x1303};
    struct tls_hello_opts h = {.version = TLS_V13, .suites = suites, .n_suites = 3, .sni = "192.0.2.1"};
    uint8_t b[4096];
    size_t n = tls_build_client_hello(&h, b, sizeof b);
    struct hello_view v;
    view_hello(b, n, &v);
    assert_int_equal(v.client_version, TLS_V12); /* legacy_version */
    size_t l;
    const uint8_t *e = find_ext(&v, 0x002B, &l);
    assert_non_null(e);
    assert_int_equal(l, 3);
    assert_int_equal(be16(e + 1), TLS_V13);
    e = find_ext(&v, 0x0033, &l);
    assert_non_null(e);
    assert_int_equal(l, 2 + 2 + 2 + 32);
    assert_int_equal(be16(e + 2), TLS_GROUP_X25519);
    assert_int_equal(be16(e + 4), 32);
    assert_null(find_ext(&v, 0x0000, &l)); /* an IP literal is never a server_name */
    /* Without a key share: the extension stays, its client_shares empty (RFC 8446, 4.2.8). */
    h.no_key_share = true;
    n = tls_build_client_hello(&h, b, sizeof b);
    view_hello(b, n, &v);
    e = find_ext(&v, 0x0033, &l);
    assert_non_null(e);
    assert_int_equal(l, 2);
    assert_int_equal(be16(e), 0);
    assert_non_null(find_ext(&v, 0x002B, &l));
}

static void hello_sslv3_fallback_deflate(void **state)
{
    (void)state;
    uint16_t suites[] = {0x000A, 0x0005};
    struct tls_hello_opts h = {.version = TLS_SSLV3, .suites = suites, .n_suites = 2, .sni = "x.test",
                               .fallback_scsv = true, .deflate = true};
    uint8_t b[4096];
    size_t n = tls_build_client_hello(&h, b, sizeof b);
    struct hello_view v;
    view_hello(b, n, &v);
    assert_int_equal(be16(b + 1), TLS_SSLV3);
    assert_int_equal(v.client_version, TLS_SSLV3);
    assert_false(v.has_ext); /* SSLv3 servers predate extensions */
    assert_true(has_suite(&v, TLS_SCSV_FALLBACK));
    assert_false(has_suite(&v, TLS_SCSV_RENEG));
    assert_int_equal(v.n_comp, 2);
    assert_int_equal(v.comp[0], 1); /* DEFLATE first */
    assert_int_equal(v.comp[1], 0);
    h.version = 0x0305;
    assert_int_equal(tls_build_client_hello(&h, b, sizeof b), 0);
}

/* No hello is 256 to 511 bytes long (without the record header): the padding extension lifts
 * those to 512. */
static void hello_avoids_the_f5_lengths(void **state)
{
    (void)state;
    static uint16_t suites[200];
    for (size_t i = 0; i < 200; i++)
        suites[i] = (uint16_t)(0xC000 + i);
    for (size_t n = 1; n <= 200; n++) {
        struct tls_hello_opts h = {.version = TLS_V12, .suites = suites, .n_suites = n, .sni = "a.test"};
        uint8_t b[4096];
        size_t len = tls_build_client_hello(&h, b, sizeof b);
        assert_true(len > 5);
        assert_false(len - 5 >= 256 && len - 5 < 512);
        struct hello_view v;
        view_hello(b, len, &v); /* still well-formed */
        assert_int_equal(v.n_suites, n);
    }
}

static void hello_long_offer_is_split_into_records(void **state)
{
    (void)state;
    static uint16_t suites[9000];
    for (size_t i = 0; i < 9000; i++)
        suites[i] = (uint16_t)(0x0100 + i);
    struct tls_hello_opts h = {.version = TLS_V12, .suites = suites, .n_suites = 9000};
    static uint8_t b[32768];
    size_t n = tls_build_client_hello(&h, b, sizeof b);
    assert_true(n > 16384 + 5);
    assert_int_equal(be16(b + 3), 16384);
    assert_int_equal(b[5 + 16384], 22);
    assert_int_equal(be16(b + 5 + 16384 + 3), n - 2 * 5 - 16384);
}

static void sslv2_hello_layout(void **state)
{
    (void)state;
    uint32_t kinds[] = {0x010080, 0x0700C0};
    uint8_t b[128];
    size_t n = tls_build_sslv2_hello(kinds, 2, b, sizeof b);
    assert_int_equal(n, 2 + 9 + 6 + 16);
    assert_int_equal(b[0], 0x80);
    assert_int_equal(b[1], n - 2);
    assert_int_equal(b[2], 1);              /* CLIENT-HELLO */
    assert_int_equal(be16(b + 3), 0x0002);  /* SSL 2.0 */
    assert_int_equal(be16(b + 5), 6);       /* cipher specs */
    assert_int_equal(be16(b + 7), 0);       /* session id */
    assert_int_equal(be16(b + 9), 16);      /* challenge */
    assert_memory_equal(b + 11, "\x01\x00\x80\x07\x00\xc0", 6);
    assert_int_equal(tls_build_sslv2_hello(kinds, 2, b, n - 1), 0);
}

/* ---- parser ------------------------------------------------------------------------------ */

static struct tls_flight *flight(void)
{
    struct tls_flight *f = malloc(sizeof *f);
    assert_non_null(f);
    return f;
}

/* Every proper prefix is "need more" (0), never an error; the whole is done (1). */
static void prefixes_wait(const uint8_t *b, size_t n, struct tls_flight *f)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(tls_parse_flight(b, i, f), 0);
    assert_int_equal(tls_parse_flight(b, n, f), 1);
}

/* The same handshake bytes re-cut into records of `step` bytes each. */
static size_t refragment(const uint8_t *in, size_t n, size_t step, uint8_t *out)
{
    static uint8_t hs[1 << 17];
    size_t h = 0, o = 0;
    for (size_t at = 0; at + 5 <= n;) {
        size_t len = be16(in + at + 3);
        assert_int_equal(in[at], 22);
        memcpy(hs + h, in + at + 5, len);
        h += len;
        at += 5 + len;
    }
    for (size_t at = 0; at < h; at += step) {
        size_t len = h - at < step ? h - at : step;
        out[o++] = 22;
        out[o++] = 3;
        out[o++] = 3;
        out[o++] = (uint8_t)(len >> 8);
        out[o++] = (uint8_t)len;
        memcpy(out + o, hs + at, len);
        o += len;
    }
    return o;
}

static void parse_tls12_ecdhe_flight(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = slurp("s_server-tls12-ecdhe-rsa.bin", &n);
    struct tls_flight *f = flight();
    prefixes_wait(b, n, f);
    assert_int_equal(f->answer, TLS_A_HELLO);
    assert_int_equal(f->version, TLS_V12);
    assert_int_equal(f->suite, 0xC02F);
    assert_int_equal(f->compression, 0);
    assert_true(f->ext_reneg);
    assert_false(f->hrr);
    assert_int_equal(f->n_certs, 1);
    assert_int_equal(f->hs[f->certs[0].off], 0x30); /* a DER SEQUENCE */
    assert_int_equal(f->ske_group, TLS_GROUP_X25519);
    assert_int_equal(f->dh_bits, 0);
    /* The first record, the ServerHello's, kept as it came. */
    assert_int_equal(f->record_full_len, 5 + be16(b + 3));
    assert_int_equal(f->record_len, f->record_full_len);
    assert_memory_equal(f->record, b, f->record_len);
    assert_int_equal(f->record[5], 2);
    /* Across record fragmentation: 7-byte records give the same answer. */
    static uint8_t frag[1 << 17];
    size_t fn = refragment(b, n, 7, frag);
    uint32_t off = f->certs[0].off, len = f->certs[0].len;
    prefixes_wait(frag, fn, f);
    assert_int_equal(f->suite, 0xC02F);
    assert_int_equal(f->n_certs, 1);
    assert_int_equal(f->certs[0].off, off);
    assert_int_equal(f->certs[0].len, len);
    assert_int_equal(f->record_full_len, 5 + 7); /* the first 7-byte fragment, as received */
    assert_memory_equal(f->record, frag, 12);
    free(f);
    free(b);
}

/* A flight with a CertificateStatus (s_server -status_file): the staple cut out of it is,
 * byte for byte, the DER response `openssl ocsp -respout` wrote; without one there is none. */
static void parse_ocsp_staple(void **state)
{
    (void)state;
    size_t n, rn;
    uint8_t *b = slurp("s_server-tls12-ocsp-staple.bin", &n);
    uint8_t *resp = slurp("openssl-ocsp-good-response.der", &rn);
    struct tls_flight *f = flight();
    prefixes_wait(b, n, f);
    assert_int_equal(f->answer, TLS_A_HELLO);
    assert_true(f->cert_status);
    assert_int_equal(f->ocsp.len, rn);
    assert_memory_equal(f->hs + f->ocsp.off, resp, rn);
    static uint8_t frag[1 << 17];
    size_t fn = refragment(b, n, 7, frag);
    assert_int_equal(tls_parse_flight(frag, fn, f), 1);
    assert_int_equal(f->ocsp.len, rn);
    assert_memory_equal(f->hs + f->ocsp.off, resp, rn);
    free(b);
    b = slurp("s_server-tls12-ecdhe-rsa.bin", &n);
    assert_int_equal(tls_parse_flight(b, n, f), 1);
    assert_false(f->cert_status);
    assert_int_equal(f->ocsp.len, 0);
    free(f);
    free(b);
    free(resp);
}

static void parse_dhe_tls10_tls13(void **state)
{
    (void)state;
    size_t n;
    struct tls_flight *f = flight();
    uint8_t *b = slurp("s_server-tls12-dhe-rsa.bin", &n);
    assert_int_equal(tls_parse_flight(b, n, f), 1);
    assert_int_equal(f->suite, 0x009E);
    assert_int_equal(f->dh_bits, 2048);
    free(b);
    b = slurp("s_server-tls10-rsa.bin", &n);
    assert_int_equal(tls_parse_flight(b, n, f), 1);
    assert_int_equal(f->version, TLS_V10);
    assert_int_equal(f->suite, 0x002F);
    assert_int_equal(f->n_certs, 1);
    free(b);
    b = slurp("s_server-tls13-hello.bin", &n);
    assert_int_equal(tls_parse_flight(b, n, f), 1);
    assert_int_equal(f->version, TLS_V13);
    assert_int_equal(f->suite, 0x1301);
    assert_int_equal(f->key_share_group, TLS_GROUP_X25519);
    assert_int_equal(f->n_certs, 0); /* encrypted in TLS 1.3 */
    free(b);
    b = slurp("s_server-tls13-hrr.bin", &n);
    assert_int_equal(tls_parse_flight(b, n, f), 1);
    assert_true(f->hrr);
    assert_int_equal(f->version, TLS_V13);
    assert_int_equal(f->suite, 0x1302);
    assert_int_equal(f->key_share_group, 0x0017); /* the server wants P-256 */
    free(b);
    free(f);
}

static void parse_alerts(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        uint8_t desc;
    } cases[] = {
        {"s_server-alert-handshake-failure.bin", 40},
        {"s_server-alert-inappropriate-fallback.bin", 86},
        {"s_server-tls10-hello-to-tls12-only.bin", 80},
        {"s_server-answer-to-sslv2-hello.bin", 70},
    };
    struct tls_flight *f = flight();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        uint8_t *b = slurp(cases[i].file, &n);
        assert_int_equal(tls_parse_flight(b, n, f), 1);
        assert_int_equal(f->answer, TLS_A_ALERT);
        assert_int_equal(f->alert_level, 2);
        assert_int_equal(f->alert_desc, cases[i].desc);
        free(b);
    }
    assert_string_equal(tls_alert_name(86), "inappropriate_fallback");
    free(f);
}

/* No server that speaks SSLv2 can be had on Debian 12 (OpenSSL 3 removed it), so this
 * SERVER-HELLO is written here byte by byte after the SSLv2 specification. */
static void parse_sslv2_server_hello(void **state)
{
    (void)state;
    uint8_t b[64] = {0};
    size_t n = 0;
    const uint8_t cert[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    const uint8_t kinds[] = {0x01, 0x00, 0x80, 0x07, 0x00, 0xC0};
    size_t len = 11 + sizeof cert + sizeof kinds + 16;
    b[n++] = 0x80 | (uint8_t)(len >> 8);
    b[n++] = (uint8_t)len;
    b[n++] = 4;    /* SERVER-HELLO */
    b[n++] = 0;    /* session id hit */
    b[n++] = 1;    /* X.509 */
    b[n++] = 0;
    b[n++] = 2;    /* version 0x0002 */
    b[n++] = 0;
    b[n++] = sizeof cert;
    b[n++] = 0;
    b[n++] = sizeof kinds;
    b[n++] = 0;
    b[n++] = 16;   /* connection id */
    memcpy(b + n, cert, sizeof cert);
    n += sizeof cert;
    memcpy(b + n, kinds, sizeof kinds);
    n += sizeof kinds + 16;
    struct tls_flight *f = flight();
    prefixes_wait(b, n, f);
    assert_int_equal(f->answer, TLS_A_SSLV2);
    assert_int_equal(f->n_v2_kinds, 2);
    assert_int_equal(f->v2_kinds[0], 0x010080);
    assert_int_equal(f->v2_kinds[1], 0x0700C0);
    assert_int_equal(f->n_certs, 1);
    assert_int_equal(f->certs[0].len, sizeof cert);
    /* Lengths that overrun the record are refused. */
    b[8] = 0xF0;
    assert_int_equal(tls_parse_flight(b, n, f), -1);
    free(f);
}

static void parse_junk_and_garbage(void **state)
{
    (void)state;
    struct tls_flight *f = flight();
    const char *http = "HTTP/1.1 400 Bad Request\r\n\r\n";
    assert_int_equal(tls_parse_flight((const uint8_t *)http, strlen(http), f), -1);
    assert_int_equal(f->answer, TLS_A_JUNK);
    assert_int_equal(tls_parse_flight(NULL, 0, f), 0);
    /* A ServerHello whose session id claims more than the message holds. */
    const uint8_t bad[] = {22, 3, 3, 0, 42, 2, 0, 0, 38, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 33, 0, 0, 0};
    assert_int_equal(tls_parse_flight(bad, sizeof bad, f), -1);
    free(f);
}

/* ---- certificates ------------------------------------------------------------------------ */

static EVP_PKEY *key_rsa(unsigned bits)
{
    EVP_PKEY *k = EVP_RSA_gen(bits);
    assert_non_null(k);
    return k;
}

/* A certificate for cn (and the SAN DNS:cn), valid from now+from_days to now+to_days, signed
 * by issuer/ikey (itself when NULL) with md. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, long from_days, long to_days, X509 *issuer,
                       EVP_PKEY *ikey, const EVP_MD *md, bool ca)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    static long serial = 1000;
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400);
    X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400);
    X509_set_pubkey(x, key);
    X509_NAME *nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    char san[300];
    snprintf(san, sizeof san, "DNS:%s", cn);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, ca ? NID_basic_constraints : NID_subject_alt_name,
                                              ca ? "critical,CA:TRUE" : san);
    assert_non_null(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (ca) {
        ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    assert_true(X509_sign(x, ikey ? ikey : key, md) > 0);
    return x;
}

static size_t der(X509 *x, unsigned char **out)
{
    *out = NULL;
    int n = i2d_X509(x, out);
    assert_true(n > 0);
    return (size_t)n;
}

/* An OCSP response about leaf, signed by its issuer with OpenSSL's OCSP API, thisUpdate and
 * nextUpdate this many seconds from now; DER in *out (OPENSSL_free). */
static size_t ocsp_response(X509 *leaf, X509 *issuer, EVP_PKEY *ikey, int status, long this_s,
                            long next_s, unsigned char **out)
{
    OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, leaf, issuer);
    ASN1_TIME *tu = X509_gmtime_adj(NULL, this_s), *nu = X509_gmtime_adj(NULL, next_s);
    ASN1_TIME *rev = X509_gmtime_adj(NULL, -86400);
    bool revoked = status == V_OCSP_CERTSTATUS_REVOKED;
    assert_non_null(OCSP_basic_add1_status(bs, id, status, revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
                                           revoked ? rev : NULL, tu, nu));
    assert_int_equal(OCSP_basic_sign(bs, issuer, ikey, EVP_sha256(), NULL, 0), 1);
    OCSP_RESPONSE *r = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
    *out = NULL;
    int n = i2d_OCSP_RESPONSE(r, out);
    assert_true(n > 0);
    OCSP_RESPONSE_free(r);
    OCSP_BASICRESP_free(bs);
    OCSP_CERTID_free(id);
    ASN1_TIME_free(tu);
    ASN1_TIME_free(nu);
    ASN1_TIME_free(rev);
    return (size_t)n;
}

static struct tls_report *report_with(const uint16_t *vers, size_t nv, const uint16_t *suites,
                                     size_t ns, X509 *leaf);

/* Stapled OCSP judged against the chain: good and fresh, stale by nextUpdate and by a
 * thisUpdate in the future, revoked with its reason, unverifiable without a trust store, and
 * bytes that are no response. The leaf is served alone: its issuer comes from the store. */
static void ocsp_staple_verdicts(void **state)
{
    (void)state;
    EVP_PKEY *ck = key_rsa(2048), *lk = key_rsa(2048);
    X509 *ca = make_cert(ck, "OCSP Test CA", -1, 3650, NULL, NULL, EVP_sha256(), true);
    X509 *leaf = make_cert(lk, "ocsp.test", -1, 90, ca, ck, EVP_sha256(), false);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, ca);
    char *pem = NULL;
    long pl = BIO_get_mem_data(b, &pem);
    char *capem = strndup(pem, (size_t)pl);
    BIO_free(b);
    struct tls_trust *trust = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(tls_trust_new(capem, &trust, &e), 0);
    unsigned char *ld;
    size_t ln = der(leaf, &ld);
    const unsigned char *lp = ld;
    time_t now = time(NULL);
    struct tls_ocsp_facts f;
    unsigned char *r;
    size_t rn = ocsp_response(leaf, ca, ck, V_OCSP_CERTSTATUS_GOOD, -3600, 7 * 86400, &r);

    assert_int_equal(tls_ocsp_check(r, rn, &lp, &ln, 1, trust, now, &f), 0);
    assert_int_equal(f.status, OCSP_ST_GOOD);
    assert_true(f.signature_ok);
    assert_false(f.stale);
    assert_string_equal(f.error, "");
    assert_int_equal(strlen(f.this_update), 20);
    assert_int_equal(strlen(f.next_update), 20);
    /* Eight days on, its nextUpdate has passed (the skew is five minutes). */
    assert_int_equal(tls_ocsp_check(r, rn, &lp, &ln, 1, trust, now + 8 * 86400, &f), 0);
    assert_int_equal(f.status, OCSP_ST_GOOD);
    assert_true(f.stale);
    assert_int_equal(tls_ocsp_check(r, rn, &lp, &ln, 1, trust, now + 7 * 86400 - 60, &f), 0);
    assert_false(f.stale);
    /* Without a trust store nothing it says counts. */
    assert_int_equal(tls_ocsp_check(r, rn, &lp, &ln, 1, NULL, now, &f), 0);
    assert_int_equal(f.status, OCSP_ST_INVALID);
    assert_false(f.signature_ok);
    assert_string_equal(f.error, "the certificate's issuer is unknown");
    OPENSSL_free(r);

    rn = ocsp_response(leaf, ca, ck, V_OCSP_CERTSTATUS_GOOD, 86400, 7 * 86400, &r);
    assert_int_equal(tls_ocsp_check(r, rn, &lp, &ln, 1, trust, now, &f), 0);
    assert_true(f.stale); /* thisUpdate a day in the future */
    OPENSSL_free(r);

    rn = ocsp_response(leaf, ca, ck, V_OCSP_CERTSTATUS_REVOKED, -3600, 86400, &r);
    /* The chain served in full this time: the issuer is its second certificate. */
    unsigned char *cd;
    size_t cn = der(ca, &cd);
    const unsigned char *both[2] = {ld, cd};
    size_t lens[2] = {ln, cn};
    assert_int_equal(tls_ocsp_check(r, rn, both, lens, 2, trust, now, &f), 0);
    assert_int_equal(f.status, OCSP_ST_REVOKED);
    assert_true(f.signature_ok);
    assert_string_equal(f.reason, "keyCompromise");
    assert_int_equal(strlen(f.revoked_at), 20);
    assert_string_equal(tls_ocsp_status_name(f.status), "revoked");
    /* The judge caps a revoked certificate at T. */
    uint16_t vers[] = {TLS_V12, TLS_V13}, suites[] = {0xC02F, 0x1301};
    struct tls_report *rep = report_with(vers, 2, suites, 2, leaf);
    rep->name = strdup("ocsp.test");
    rep->ocsp = malloc(rn);
    memcpy(rep->ocsp, r, rn);
    rep->ocsp_len = rn;
    struct tls_rules_opts ro = {.trust = trust, .expiry_days = 30, .now = now};
    struct tls_verdict v;
    tls_judge(rep, &ro, &v);
    assert_true(v.have_ocsp);
    assert_int_equal(v.ocsp.status, OCSP_ST_REVOKED);
    assert_string_equal(v.grade, "T");
    assert_string_equal(v.grade_if_trusted, "A");
    assert_string_equal(v.caps, "certificate revoked (stapled OCSP) (T)");
    tls_verdict_free(&v);
    tls_reports_free(rep, 1);
    OPENSSL_free(r);

    unsigned char junk[] = {0x30, 0x03, 0x0a, 0x01, 0x00};
    assert_int_equal(tls_ocsp_check(junk, 3, &lp, &ln, 1, trust, now, &f), 0);
    assert_int_equal(f.status, OCSP_ST_INVALID);
    assert_string_equal(f.error, "the stapled response does not decode");
    /* A well-formed "tryLater" answer is not a status either. */
    unsigned char later[] = {0x30, 0x03, 0x0a, 0x01, 0x03};
    assert_int_equal(tls_ocsp_check(later, sizeof later, &lp, &ln, 1, trust, now, &f), 0);
    assert_int_equal(f.status, OCSP_ST_INVALID);
    assert_string_equal(f.error, "the responder answered trylater");
    OPENSSL_free(ld);
    OPENSSL_free(cd);
    tls_trust_free(trust);
    free(capem);
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(ck);
    EVP_PKEY_free(lk);
}

static void cert_facts_of_a_bad_self_signed(void **state)
{
    (void)state;
    EVP_PKEY *k = key_rsa(1024);
    X509 *x = make_cert(k, "old.test", -40, -5, NULL, NULL, EVP_sha1(), false);
    unsigned char *d;
    size_t n = der(x, &d);
    const unsigned char *dp = d;
    struct tls_cert_facts f;
    struct rm_err e = {{0}};
    struct tls_trust *sys = NULL;
    assert_int_equal(tls_trust_new(NULL, &sys, &e), 0);
    assert_int_equal(tls_cert_analyse(&dp, &n, 1, "other.test", sys, time(NULL), &f, &e), 0);
    assert_string_equal(f.subject, "CN=old.test");
    assert_string_equal(f.sans, "DNS:old.test");
    assert_true(f.expired);
    assert_false(f.not_yet_valid);
    assert_true(f.days_left == -5 || f.days_left == -6); /* a second may pass between the two */
    assert_string_equal(f.key_type, "RSA");
    assert_int_equal(f.key_bits, 1024);
    assert_true(f.sig_sha1);
    assert_false(f.sig_md5);
    assert_string_equal(f.sig_alg, "sha1WithRSAEncryption");
    assert_true(f.self_signed);
    assert_true(f.name_checked);
    assert_false(f.name_match);
    assert_false(f.verified);
    assert_false(f.incomplete_chain);
    assert_non_null(strstr(f.pem, "-----BEGIN CERTIFICATE-----"));
    tls_cert_facts_free(&f);
    /* The same certificate asked for under its own name matches, and garbage is refused. */
    assert_int_equal(tls_cert_analyse(&dp, &n, 1, "old.test", sys, time(NULL), &f, &e), 0);
    assert_true(f.name_match);
    assert_string_equal(f.verify_error, "self-signed certificate");
    tls_cert_facts_free(&f);
    /* Without a trust store nothing verifies, and the facts say why. */
    assert_int_equal(tls_cert_analyse(&dp, &n, 1, "old.test", NULL, time(NULL), &f, &e), 0);
    assert_false(f.verified);
    assert_string_equal(f.verify_error, "no trust store");
    tls_cert_facts_free(&f);
    tls_trust_free(sys);
    unsigned char junk[] = {0x30, 0x82, 0xff, 0xff, 0x00};
    const unsigned char *jp = junk;
    size_t jn = sizeof junk;
    assert_int_equal(tls_cert_analyse(&jp, &jn, 1, NULL, NULL, time(NULL), &f, &e), -1);
    OPENSSL_free(d);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* root -> intermediate -> leaf, with the root in a CA file: the full chain verifies; the leaf
 * alone is an incomplete chain; against the system store it is untrusted. */
static void cert_chain_verification(void **state)
{
    (void)state;
    EVP_PKEY *rk = key_rsa(2048), *ik = key_rsa(2048), *lk = key_rsa(2048);
    X509 *root = make_cert(rk, "Test Root", -1, 3650, NULL, NULL, EVP_sha256(), true);
    X509 *inter = make_cert(ik, "Test Intermediate", -1, 3650, root, rk, EVP_sha256(), true);
    X509 *leaf = make_cert(lk, "www.good.test", -1, 90, inter, ik, EVP_sha256(), false);
    char ca[] = "/tmp/riskmap-test-ca-XXXXXX";
    int fd = mkstemp(ca);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    PEM_write_X509(fp, root);
    fclose(fp);
    unsigned char *d[2];
    size_t n[2] = {der(leaf, &d[0]), der(inter, &d[1])};
    const unsigned char *dp[2] = {d[0], d[1]};
    struct tls_cert_facts f;
    struct rm_err e = {{0}};
    char *capem = NULL;
    assert_int_equal(tls_ca_load(ca, &capem, &e), 0);
    struct tls_trust *trust = NULL;
    assert_int_equal(tls_trust_new(capem, &trust, &e), 0);
    assert_int_equal(tls_cert_analyse(dp, n, 2, "www.good.test", trust, time(NULL), &f, &e), 0);
    assert_true(f.verified);
    assert_true(f.name_match);
    assert_false(f.self_signed);
    assert_int_equal(f.chain_len, 2);
    assert_true(f.days_left == 89 || f.days_left == 90); /* a second may pass between the two */
    tls_cert_facts_free(&f);
    assert_int_equal(tls_cert_analyse(dp, n, 1, "www.good.test", trust, time(NULL), &f, &e), 0);
    assert_false(f.verified);
    assert_true(f.incomplete_chain);
    tls_cert_facts_free(&f);
    tls_trust_free(trust);
    free(capem);
    /* A file with no certificate in it is refused when loaded, with its name. */
    fp = fopen(ca, "w");
    fputs("not a certificate\n", fp);
    fclose(fp);
    assert_int_equal(tls_ca_load(ca, &capem, &e), -1);
    assert_null(capem);
    assert_non_null(strstr(e.msg, "no PEM certificate"));
    assert_int_equal(tls_ca_load("/nonexistent/ca.pem", &capem, &e), -1);
    unlink(ca);
    for (int i = 0; i < 2; i++)
        OPENSSL_free(d[i]);
    X509_free(root);
    X509_free(inter);
    X509_free(leaf);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(ik);
    EVP_PKEY_free(lk);
}

/* ---- rules ------------------------------------------------------------------------------- */

static struct tls_report *report_with(const uint16_t *vers, size_t nv, const uint16_t *suites,
                                      size_t ns, X509 *leaf)
{
    struct tls_report *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->depth = TLS_FULL;
    for (size_t i = 0; i < nv; i++) {
        struct tls_proto *p = &r->proto[tls_version_index(vers[i])];
        p->tested = p->supported = p->complete = true;
        for (size_t k = 0; k < ns; k++) {
            const struct tls_suite *s = tls_suite_find(suites[k]);
            if ((vers[i] == TLS_V13) == (s->min_version == TLS_V13) && s->min_version <= vers[i])
                p->suites[p->n_suites++] = suites[k];
        }
        p->server_order = TRI_YES;
    }
    r->secure_reneg = TRI_YES;
    r->compression = TRI_NO;
    r->fallback_scsv = TRI_YES;
    if (leaf) {
        r->certs = calloc(1, sizeof *r->certs);
        r->cert_lens = calloc(1, sizeof *r->cert_lens);
        unsigned char *d;
        size_t n = der(leaf, &d);
        r->certs[0] = malloc(n);
        memcpy(r->certs[0], d, n);
        OPENSSL_free(d);
        r->cert_lens[0] = n;
        r->n_certs = 1;
        r->cert_version = TLS_V12;
    }
    return r;
}

static void grade_and_profile(void **state)
{
    (void)state;
    EVP_PKEY *ck = key_rsa(2048), *lk = key_rsa(2048);
    X509 *ca = make_cert(ck, "Grade CA", -1, 3650, NULL, NULL, EVP_sha256(), true);
    X509 *leaf = make_cert(lk, "grade.test", 0, 90, ca, ck, EVP_sha256(), false);
    char cafile[] = "/tmp/riskmap-test-ca-XXXXXX";
    FILE *fp = fdopen(mkstemp(cafile), "w");
    PEM_write_X509(fp, ca);
    fclose(fp);
    char *capem = NULL;
    struct rm_err cae;
    assert_int_equal(tls_ca_load(cafile, &capem, &cae), 0);
    struct tls_trust *trust = NULL;
    assert_int_equal(tls_trust_new(capem, &trust, &cae), 0);
    struct tls_rules_opts ro = {.trust = trust, .expiry_days = 30, .now = time(NULL)};

    /* TLS 1.2 + 1.3, ECDHE-GCM only, a trusted 2048-bit RSA certificate: A, intermediate. */
    uint16_t good_v[] = {TLS_V12, TLS_V13}, good_s[] = {0xC02F, 0xC030, 0x1301, 0x1302};
    struct tls_report *r = report_with(good_v, 2, good_s, 4, leaf);
    r->name = strdup("grade.test");
    struct tls_verdict v;
    tls_judge(r, &ro, &v);
    assert_true(v.have_cert);
    assert_string_equal(v.grade, "A");
    assert_string_equal(v.grade_if_trusted, "A");
    assert_string_equal(v.mozilla, "intermediate");
    assert_string_equal(v.mozilla_gaps, "modern: TLSv1.2 enabled; modern: certificate key is not ECDSA P-256/P-384");
    assert_int_equal(v.score, 93); /* protocol 100, key exchange 90 (RSA 2048), cipher (128+256) 90 */
    tls_verdict_free(&v);
    tls_reports_free(r, 1);

    /* TLS 1.0 too, with 3DES and static RSA, reached under another name: capped at C
     * (SWEET32), shown as M; every suite is on Mozilla's old list. */
    uint16_t old_v[] = {TLS_V10, TLS_V12}, old_s[] = {0xC02F, 0x002F, 0x000A};
    r = report_with(old_v, 2, old_s, 3, leaf);
    r->name = strdup("wrong.test");
    tls_judge(r, &ro, &v);
    assert_string_equal(v.grade, "M");
    assert_string_equal(v.grade_if_trusted, "C");
    assert_non_null(strstr(v.caps, "3DES suites (SWEET32) (C)"));
    assert_non_null(strstr(v.caps, "TLSv1.0/TLSv1.1 supported (B)"));
    assert_non_null(strstr(v.caps, "suites without forward secrecy (B)"));
    assert_non_null(strstr(v.caps, "certificate name mismatch (M)"));
    assert_string_equal(v.mozilla, "old");
    tls_verdict_free(&v);
    tls_reports_free(r, 1);

    /* SSLv2 and anonymous suites: F; no certificate at all: T. */
    uint16_t bad_v[] = {TLS_V12}, bad_s[] = {0x0034};
    r = report_with(bad_v, 1, bad_s, 1, NULL);
    r->proto[0].supported = true;
    r->proto[0].suites[r->proto[0].n_suites++] = 0x0700C0;
    tls_judge(r, &ro, &v);
    assert_string_equal(v.grade, "T");
    assert_string_equal(v.grade_if_trusted, "F");
    assert_non_null(strstr(v.caps, "SSLv2 supported (F)"));
    assert_non_null(strstr(v.caps, "anonymous suites (F)"));
    assert_string_equal(v.mozilla, "none");
    tls_verdict_free(&v);
    tls_reports_free(r, 1);
    unlink(cafile);
    tls_trust_free(trust);
    free(capem);
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(ck);
    EVP_PKEY_free(lk);
}

static void http_head_and_hsts(void **state)
{
    (void)state;
    struct tls_http h;
    const char *ok = "HTTP/1.1 301 Moved\r\nServer: x\r\nstrict-transport-security:  max-age=31536000 ; includeSubDomains\r\n\r\nStrict-Transport-Security: max-age=1\r\n";
    tls_parse_http_head(ok, strlen(ok), &h);
    assert_true(h.answered);
    assert_int_equal(h.status, 301);
    assert_true(h.hsts);
    assert_string_equal(h.hsts_value, "max-age=31536000 ; includeSubDomains");
    assert_int_equal(tls_hsts_max_age(h.hsts_value), 31536000);
    const char *none = "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n";
    tls_parse_http_head(none, strlen(none), &h);
    assert_true(h.answered);
    assert_false(h.hsts);
    tls_parse_http_head("SSH-2.0-x\r\n", 11, &h);
    assert_false(h.answered);
    assert_int_equal(tls_hsts_max_age("includeSubDomains; max-age=\"600\""), 600);
    assert_int_equal(tls_hsts_max_age("preload"), -1);
    assert_int_equal(tls_hsts_max_age("xmax-age=5"), -1);
    assert_int_equal(tls_hsts_max_age("max-age=abc"), -1);
}

/* The module talks only to services identified by their own answer: a port-table guess
 * ("https" on 443 with method "port") gets no connection and no finding. 127.0.31.250 port 1
 * is closed (this suite's loopback block), so the identified one is refused. */
static void module_probes_only_identified_services(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct rm_addr a;
    assert_int_equal(addr_parse("127.0.31.250", &a), 0);
    struct host *h = scan_add_host(r, &a);
    struct service *s = host_add_service(h, 1, PORT_OPEN, "https", "syn-ack", 0.1);
    assert_int_equal(service_set(&s->method, "port"), 0);
    struct check_ctx ctx = {.result = r};
    struct tls_check_opts o = {.depth = TLS_QUICK, .connect_ms = 500, .read_ms = 500};
    struct tls_run run;
    struct rm_err e = {{0}};
    assert_int_equal(tls_check_services(&ctx, &o, &run, &e), 0);
    assert_int_equal(run.n, 0);
    assert_int_equal(r->n_findings, 0);
    tls_run_free(&run);
    assert_int_equal(service_set(&h->services[0].method, "probe:http"), 0);
    assert_int_equal(tls_check_services(&ctx, &o, &run, &e), 0);
    assert_int_equal(run.n, 1);
    assert_int_equal(r->n_findings, 1);
    assert_string_equal(r->findings[0]->kind, "tls.unreachable");
    assert_string_equal(finding_fact(r->findings[0], "reason"), "connection refused");
    assert_int_equal(run.reports[0].connections, 2); /* one retry after a pause */
    tls_run_free(&run);
    scan_result_free(r);
}

static void starttls_names_and_ports(void **state)
{
    (void)state;
    static const char *const names[] = {"smtp", "imap", "pop3", "ftp", "ldap", "postgres"};
    for (size_t i = 0; i < 6; i++) {
        enum tls_starttls p;
        assert_int_equal(tls_starttls_parse(names[i], &p), 0);
        assert_string_equal(tls_starttls_name(p), names[i]);
    }
    enum tls_starttls p;
    assert_int_equal(tls_starttls_parse("none", &p), 0);
    assert_int_equal(p, STARTTLS_NONE);
    assert_null(tls_starttls_name(STARTTLS_NONE));
    assert_int_equal(tls_starttls_parse("smtps", &p), -1);
    assert_int_equal(tls_starttls_for_port(587), STARTTLS_SMTP);
    assert_int_equal(tls_starttls_for_port(143), STARTTLS_IMAP);
    assert_int_equal(tls_starttls_for_port(5432), STARTTLS_POSTGRES);
    assert_int_equal(tls_starttls_for_port(443), STARTTLS_NONE);
    assert_int_equal(tls_starttls_for_port(993), STARTTLS_NONE); /* IMAPS: TLS first */
}

/* ---- documentation ----------------------------------------------------------------------- */

static void every_tls_option_is_documented(void **state)
{
    (void)state;
    FILE *f = fopen("contrib/riskmap.1", "r");
    assert_non_null(f);
    static char man[1 << 20];
    size_t n = fread(man, 1, sizeof man - 1, f);
    man[n] = '\0';
    fclose(f);
    char *help = NULL;
    size_t hl = 0;
    FILE *m = open_memstream(&help, &hl);
    assert_int_equal(help_print(m, "tls"), 0);
    fclose(m);
    for (size_t i = 0; i < tls_n_optdefs; i++) {
        char want[64];
        snprintf(want, sizeof want, "\\-\\-%s", tls_optdefs[i].name);
        const char *p = man;
        bool found = false;
        while (!found && (p = strstr(p, want)) != NULL) {
            char next = p[strlen(want)];
            found = !(next == '-' || (next >= 'a' && next <= 'z'));
            p++;
        }
        if (!found)
            fail_msg("contrib/riskmap.1 does not document --%s", tls_optdefs[i].name);
        snprintf(want, sizeof want, "--%s", tls_optdefs[i].name);
        if (!strstr(help, want))
            fail_msg("riskmap help tls does not show --%s", tls_optdefs[i].name);
    }
    free(help);
}


/* ---- the budget of extra connections ------------------------------------------------------ */

/* A simulated run of 20 connections of fixed shares and the extras the budget allows. Bound
 * by round trips, an answer takes its round trip however many are open; bound by CPU, the
 * answers per second stay those of 20 connections, so each takes longer the more are open. */
struct sim {
    bool cpu_bound;
};

/* n answers for each endpoint in turn, answer k taking ms(k) milliseconds. */
static void answers(struct tls_budget *b, struct tls_budget_ep *eps, size_t n_eps, size_t n,
                    double (*ms)(size_t k), struct sim *s)
{
    for (size_t k = 0; k < n; k++) {
        double open = 20 + tls_budget_limit(b);
        tls_budget_answer(b, &eps[k % n_eps], ms(k) * (s->cpu_bound ? open / 20 : 1));
    }
}

/* A 40 ms round trip and a little jitter: time spent on the network. */
static double round_trip(size_t k)
{
    return 40.0 + (double)(k % 5) * 0.5;
}

/* As measured on loopback with twenty single-threaded servers on two cores: some answers as
 * fast as ever, most several times slower. */
static double queueing(size_t k)
{
    static const double t[8] = {0.4, 2.0, 0.5, 3.5, 1.2, 4.0, 0.4, 2.8};
    return t[k % 8];
}

/* Everything three times the round trip: the answers queue. */
static double congested(size_t k)
{
    return 120.0 + (double)(k % 3);
}

static void budget_grows_while_answers_wait_on_the_network(void **state)
{
    (void)state;
    struct tls_budget b;
    struct tls_budget_ep eps[4] = {{0}};
    struct sim s = {false};
    assert_int_equal(tls_budget_init(&b, 20, 60), 0);
    /* Three answers per endpoint only set its fastest. */
    answers(&b, eps, 4, 12, round_trip, &s);
    assert_int_equal(tls_budget_limit(&b), 0);
    /* Two windows of answers near the fastest add half the connections open; the next
     * window lets them settle, the one after checks that the answers did not slow down as
     * much as the connections grew, and steps again. */
    unsigned want[] = {0, 10, 10, 25, 25, 47, 47, 60, 60, 60};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        answers(&b, eps, 4, TLS_BUDGET_WINDOW, round_trip, &s);
        assert_int_equal(tls_budget_limit(&b), want[i]);
    }
    assert_int_equal(tls_budget_peak(&b), 60);
    /* Answers three times the fastest: the budget halves each window, down to none. */
    unsigned down[] = {30, 15, 7, 3, 1, 0, 0};
    for (size_t i = 0; i < sizeof down / sizeof down[0]; i++) {
        answers(&b, eps, 4, TLS_BUDGET_WINDOW, congested, &s);
        assert_int_equal(tls_budget_limit(&b), down[i]);
    }
    assert_int_equal(tls_budget_peak(&b), 60);
    tls_budget_destroy(&b);
}

static void budget_takes_back_a_step_that_does_not_pay(void **state)
{
    (void)state;
    struct tls_budget b;
    struct tls_budget_ep eps[4] = {{0}};
    /* Answers as fast as the fastest, but slower as soon as more connections are open: the
     * servers' CPU, not the network, sets the pace. */
    struct sim s = {true};
    assert_int_equal(tls_budget_init(&b, 20, 60), 0);
    answers(&b, eps, 4, 12 + TLS_BUDGET_WINDOW, round_trip, &s);
    assert_int_equal(tls_budget_limit(&b), 0);
    answers(&b, eps, 4, TLS_BUDGET_WINDOW, round_trip, &s);
    assert_int_equal(tls_budget_limit(&b), 10);
    answers(&b, eps, 4, TLS_BUDGET_WINDOW, round_trip, &s);
    assert_int_equal(tls_budget_limit(&b), 10);
    answers(&b, eps, 4, TLS_BUDGET_WINDOW, round_trip, &s);
    assert_int_equal(tls_budget_limit(&b), 0);
    /* Not tried again for eight windows, then tried and taken back again. */
    for (int i = 0; i < 8; i++) {
        answers(&b, eps, 4, TLS_BUDGET_WINDOW, round_trip, &s);
        assert_int_equal(tls_budget_limit(&b), 0);
    }
    answers(&b, eps, 4, TLS_BUDGET_WINDOW, round_trip, &s);
    assert_int_equal(tls_budget_limit(&b), 10);
    answers(&b, eps, 4, 2 * TLS_BUDGET_WINDOW, round_trip, &s);
    assert_int_equal(tls_budget_limit(&b), 0);
    assert_int_equal(tls_budget_peak(&b), 10);
    tls_budget_destroy(&b);
}

static void budget_stays_empty_while_answers_queue(void **state)
{
    (void)state;
    struct tls_budget b;
    struct tls_budget_ep eps[3] = {{0}};
    struct sim s = {false};
    assert_int_equal(tls_budget_init(&b, 20, 60), 0);
    answers(&b, eps, 3, 40 * TLS_BUDGET_WINDOW, queueing, &s);
    assert_int_equal(tls_budget_limit(&b), 0);
    assert_int_equal(tls_budget_peak(&b), 0);
    tls_budget_destroy(&b);
    /* With no extras allowed at all (one endpoint: its share is all it may have), nothing. */
    assert_int_equal(tls_budget_init(&b, 4, 0), 0);
    answers(&b, eps, 3, 10 * TLS_BUDGET_WINDOW, round_trip, &s);
    assert_int_equal(tls_budget_limit(&b), 0);
    tls_budget_destroy(&b);
}

static int stop_calls;
static bool stop_after_three(void *arg)
{
    (void)arg;
    return ++stop_calls > 3;
}

static bool never_stop(void *arg)
{
    (void)arg;
    return false;
}

static void budget_take_and_give(void **state)
{
    (void)state;
    struct tls_budget b;
    struct tls_budget_ep ep = {0};
    assert_int_equal(tls_budget_init(&b, 1, 4), 0);
    /* None allowed: a waiter gives up when its stop says so (checked every 100 ms). */
    stop_calls = 0;
    assert_false(tls_budget_take(&b, stop_after_three, NULL, NULL));
    assert_int_equal(stop_calls, 4);
    /* Nor when cancelled. */
    atomic_int cancel = 1;
    assert_false(tls_budget_take(&b, never_stop, NULL, &cancel));
    /* Two windows near the fastest allow 4 (at least a few): four takes, then a wait. */
    struct sim s = {false};
    answers(&b, &ep, 1, 3 + 2 * TLS_BUDGET_WINDOW, round_trip, &s);
    assert_int_equal(tls_budget_limit(&b), 4);
    for (int i = 0; i < 4; i++)
        assert_true(tls_budget_take(&b, never_stop, NULL, NULL));
    stop_calls = 0;
    assert_false(tls_budget_take(&b, stop_after_three, NULL, NULL));
    tls_budget_give(&b);
    assert_true(tls_budget_take(&b, never_stop, NULL, NULL));
    for (int i = 0; i < 4; i++)
        tls_budget_give(&b);
    tls_budget_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(suite_table_sorted_and_classified),
        cmocka_unit_test(hello_tls12_carries_what_was_asked),
        cmocka_unit_test(hello_tls13_has_versions_and_key_share),
        cmocka_unit_test(hello_sslv3_fallback_deflate),
        cmocka_unit_test(hello_avoids_the_f5_lengths),
        cmocka_unit_test(hello_long_offer_is_split_into_records),
        cmocka_unit_test(sslv2_hello_layout),
        cmocka_unit_test(parse_tls12_ecdhe_flight),
        cmocka_unit_test(parse_dhe_tls10_tls13),
        cmocka_unit_test(parse_alerts),
        cmocka_unit_test(parse_sslv2_server_hello),
        cmocka_unit_test(parse_junk_and_garbage),
        cmocka_unit_test(cert_facts_of_a_bad_self_signed),
        cmocka_unit_test(cert_chain_verification),
        cmocka_unit_test(ocsp_staple_verdicts),
        cmocka_unit_test(parse_ocsp_staple),
        cmocka_unit_test(grade_and_profile),
        cmocka_unit_test(http_head_and_hsts),
        cmocka_unit_test(module_probes_only_identified_services),
        cmocka_unit_test(starttls_names_and_ports),
        cmocka_unit_test(every_tls_option_is_documented),
        cmocka_unit_test(budget_grows_while_answers_wait_on_the_network),
        cmocka_unit_test(budget_takes_back_a_step_that_does_not_pay),
        cmocka_unit_test(budget_stays_empty_while_answers_queue),
        cmocka_unit_test(budget_take_and_give),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
