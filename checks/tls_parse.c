/* The server-side parser (tls_wire.h). It re-reads the whole stream a connection has received
 * each time more arrives: the stream is small (bounded by TLS_MAX_HS plus records), and a
 * parser without state between calls is one a fuzzer can cover completely. Every read is
 * checked against the length that bounds it. */
#include "checks/tls_wire.h"

#include <stddef.h>
#include <string.h>

#include "checks/tls_suites.h"

/* SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (RFC 8446, 4.1.3). */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* ServerHello or HelloRetryRequest body. 0, or -1 when malformed. */
static int server_hello(struct tls_flight *f, const uint8_t *p, uint32_t n)
{
    if (n < 2 + 32 + 1)
        return -1;
    f->version = (uint16_t)get16(p);
    f->hrr = memcmp(p + 2, hrr_random, 32) == 0;
    uint32_t at = 34;
    uint32_t sid = p[at++];
    if (sid > 32 || at + sid + 3 > n)
        return -1;
    f->session_id_len = (uint8_t)sid;
    at += sid;
    f->suite = (uint16_t)get16(p + at);
    at += 2;
    f->compression = p[at++];
    f->answer = TLS_A_HELLO;
    if (at == n)
        return 0; /* no extensions (SSLv3, old servers) */
    if (at + 2 > n)
        return -1;
    uint32_t elen = get16(p + at);
    at += 2;
    if (at + elen > n)
        return -1;
    uint32_t end = at + elen;
    while (at + 4 <= end) {
        uint32_t type = get16(p + at), len = get16(p + at + 2);
        at += 4;
        if (at + len > end)
            return -1;
        const uint8_t *e = p + at;
        switch (type) {
        case 0xFF01:
            f->ext_reneg = true;
            break;
        case 0x000F:
            f->ext_heartbeat = true;
            break;
        case 0x0005:
            f->ext_status_request = true;
            break;
        case 0x0017:
            f->ext_ems = true;
            break;
        case 0x002B:
            if (len != 2)
                return -1;
            f->version = (uint16_t)get16(e);
            break;
        case 0x0033:
            if (len < 2)
                return -1;
            f->key_share_group = (uint16_t)get16(e);
            break;
        default:
            break;
        }
        at += len;
    }
    return at == end ? 0 : -1;
}

static void certificate(struct tls_flight *f, uint32_t base, uint32_t n)
{
    const uint8_t *p = f->hs + base;
    if (n < 3)
        return;
    uint32_t total = get24(p);
    uint32_t at = 3, end = total + 3 < n ? total + 3 : n;
    while (at + 3 <= end) {
        uint32_t len = get24(p + at);
        at += 3;
        if (len == 0 || at + len > end)
            break;
        if (f->n_certs == TLS_MAX_CERTS) {
            f->certs_truncated = true;
            break;
        }
        f->certs[f->n_certs++] = (struct tls_span){base + at, len};
        at += len;
    }
}

static void key_exchange(struct tls_flight *f, const uint8_t *p, uint32_t n)
{
    const struct tls_suite *s = tls_suite_find(f->suite);
    if (!s)
        return;
    if (strcmp(s->kex, "ECDHE") == 0) {
        if (n >= 3 && p[0] == 3) /* named_curve */
            f->ske_group = (uint16_t)get16(p + 1);
    } else if (strcmp(s->kex, "DHE") == 0) {
        if (n < 2)
            return;
        uint32_t plen = get16(p);
        if (plen == 0 || plen > n - 2 || plen > 8192)
            return;
        const uint8_t *prime = p + 2;
        while (plen > 1 && *prime == 0) {
            prime++;
            plen--;
        }
        unsigned top = 0;
        for (uint8_t b = *prime; b; b >>= 1)
            top++;
        f->dh_bits = (uint16_t)((plen - 1) * 8 + top);
    }
}

/* The handshake messages complete in f->hs. -1 on a malformed ServerHello. */
static int messages(struct tls_flight *f)
{
    uint32_t at = 0;
    while (at + 4 <= f->hs_len) {
        uint8_t type = f->hs[at];
        uint32_t len = get24(f->hs + at + 1);
        if (at + 4 + len > f->hs_len) {
            /* Incomplete: and it never will be when the buffer is full. */
            if (f->hs_len == TLS_MAX_HS) {
                f->certs_truncated = true;
                f->done = f->answer == TLS_A_HELLO;
            }
            break;
        }
        const uint8_t *body = f->hs + at + 4;
        switch (type) {
        case 2:
            if (f->answer == TLS_A_HELLO)
                break; /* a second hello: ignore */
            if (server_hello(f, body, len) < 0) {
                f->answer = TLS_A_JUNK;
                return -1;
            }
            if (f->hrr || f->version >= TLS_V13)
                f->done = true; /* the rest is encrypted, or a new hello is asked for */
            break;
        case 11:
            if (f->answer == TLS_A_HELLO && f->n_certs == 0)
                certificate(f, at + 4, len);
            break;
        case 12:
            if (f->answer == TLS_A_HELLO)
                key_exchange(f, body, len);
            break;
        case 22:
            /* CertificateStatus (RFC 6066): status_type ocsp (1), then a 24-bit length and
             * the OCSPResponse. */
            f->cert_status = true;
            if (f->answer == TLS_A_HELLO && len >= 4 && body[0] == 1 && get24(body + 1) > 0 &&
                get24(body + 1) <= len - 4)
                f->ocsp = (struct tls_span){at + 8, get24(body + 1)};
            break;
        case 14:
            if (f->answer == TLS_A_HELLO)
                f->done = true;
            break;
        default:
            break;
        }
        at += 4 + len;
    }
    return 0;
}

static int sslv2(const uint8_t *in, size_t n, struct tls_flight *f)
{
    if (n < 2)
        return 0;
    uint32_t len = (uint32_t)(in[0] & 0x7f) << 8 | in[1];
    if (len < 1) {
        f->answer = TLS_A_JUNK;
        return -1;
    }
    if (n < 2 + (size_t)len)
        return 0;
    const uint8_t *m = in + 2;
    f->record_version = TLS_SSLV2;
    if (m[0] == 0 && len >= 3) { /* ERROR */
        f->answer = TLS_A_SSLV2_ERROR;
        f->v2_error = (uint16_t)get16(m + 1);
        f->done = true;
        return 1;
    }
    if (m[0] != 4 || len < 11) {
        f->answer = TLS_A_JUNK;
        return -1;
    }
    uint32_t cert = get16(m + 5), specs = get16(m + 7), conn = get16(m + 9);
    if (11 + cert + specs + conn > len || specs % 3) {
        f->answer = TLS_A_JUNK;
        return -1;
    }
    f->answer = TLS_A_SSLV2;
    f->version = (uint16_t)get16(m + 3);
    if (cert && cert <= TLS_MAX_HS) {
        memcpy(f->hs, m + 11, cert);
        f->hs_len = cert;
        f->certs[0] = (struct tls_span){0, cert};
        f->n_certs = 1;
    }
    for (uint32_t i = 0; i < specs / 3; i++) {
        if (f->n_v2_kinds == TLS_MAX_V2_KINDS)
            break;
        f->v2_kinds[f->n_v2_kinds++] = get24(m + 11 + cert + 3 * i);
    }
    f->done = true;
    return 1;
}

int tls_parse_flight(const uint8_t *in, size_t n, struct tls_flight *f)
{
    memset(f, 0, offsetof(struct tls_flight, hs));
    f->hs_len = 0;
    if (n == 0)
        return 0;
    if (in[0] & 0x80)
        return sslv2(in, n, f);
    size_t pos = 0;
    bool seen_ccs = false, seen_app = false;
    while (pos + 5 <= n) {
        uint8_t type = in[pos];
        uint32_t ver = get16(in + pos + 1), len = get16(in + pos + 3);
        if (type < 20 || type > 24 || (ver >> 8) != 3 || len > 16384 + 2048) {
            if (f->answer == TLS_A_NONE && f->hs_len == 0 && !f->alert_seen) {
                f->answer = TLS_A_JUNK;
                return -1;
            }
            break; /* garbage after an answer: what came before stands */
        }
        if (pos + 5 + len > n)
            break;
        if (!f->record_version)
            f->record_version = (uint16_t)ver;
        const uint8_t *rec = in + pos + 5;
        if (type == 21 && len >= 2 && !f->alert_seen) {
            f->alert_seen = true;
            f->alert_level = rec[0];
            f->alert_desc = rec[1];
        } else if (type == 22) {
            if (!f->record_full_len) {
                f->record_full_len = 5 + len;
                f->record_len = 5 + len < TLS_KEEP_RECORD ? 5 + len : TLS_KEEP_RECORD;
                memcpy(f->record, in + pos, f->record_len);
            }
            uint32_t room = TLS_MAX_HS - f->hs_len;
            uint32_t take = len < room ? len : room;
            memcpy(f->hs + f->hs_len, rec, take);
            f->hs_len += take;
        } else if (type == 20) {
            seen_ccs = true;
        } else if (type == 23) {
            seen_app = true;
        }
        pos += 5 + len;
    }
    if (messages(f) < 0)
        return -1;
    if (f->answer == TLS_A_NONE && f->alert_seen)
        f->answer = TLS_A_ALERT;
    if (f->alert_seen || ((seen_ccs || seen_app) && f->answer == TLS_A_HELLO))
        f->done = true;
    if (f->answer == TLS_A_NONE && (seen_ccs || seen_app)) {
        f->answer = TLS_A_JUNK;
        return -1;
    }
    return f->done ? 1 : 0;
}

const char *tls_alert_name(uint8_t d)
{
    switch (d) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 120: return "no_application_protocol";
    }
    return "unknown";
}
