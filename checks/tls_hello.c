/* ClientHello builders (tls_wire.h). The hello is written as a byte stream with a cursor that
 * refuses to run past cap; lengths are patched in once their contents are written. */
#include "checks/tls_wire.h"

#include <arpa/inet.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

struct out {
    uint8_t *p;
    size_t n, cap;
    bool bad;
};

static void put(struct out *o, const void *d, size_t n)
{
    if (o->bad || n > o->cap - o->n) {
        o->bad = true;
        return;
    }
    memcpy(o->p + o->n, d, n);
    o->n += n;
}

static void u8(struct out *o, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(o, &b, 1);
}

static void u16(struct out *o, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(o, b, 2);
}

/* Reserves a length field of w bytes; returns its position. */
static size_t len_open(struct out *o, unsigned w)
{
    size_t at = o->n;
    for (unsigned i = 0; i < w; i++)
        u8(o, 0);
    return at;
}

/* Fills the field opened at `at` with the bytes written after it. */
static void len_close(struct out *o, size_t at, unsigned w)
{
    if (o->bad)
        return;
    size_t len = o->n - at - w;
    if (len >> (8 * w)) {
        o->bad = true;
        return;
    }
    for (unsigned i = 0; i < w; i++)
        o->p[at + i] = (uint8_t)(len >> (8 * (w - 1 - i)));
}

static void fill_random(uint8_t *b, size_t n)
{
    if (RAND_bytes(b, (int)n) != 1)
        memset(b, 0x5a, n); /* only a nonce: a fixed one still makes a valid probe */
}

const char *tls_version_name(uint16_t v, char *buf, size_t len)
{
    switch (v) {
    case TLS_SSLV2:
        return "SSLv2";
    case TLS_SSLV3:
        return "SSLv3";
    case TLS_V10:
        return "TLSv1.0";
    case TLS_V11:
        return "TLSv1.1";
    case TLS_V12:
        return "TLSv1.2";
    case TLS_V13:
        return "TLSv1.3";
    }
    snprintf(buf, len, "0x%04X", (unsigned)v);
    return buf;
}

/* Every named group riskmap offers by default: the modern ones first, then the FFDHE groups,
 * brainpool and the old binary and prime curves, so that a server's choice shows its own
 * preference among everything it accepts. */
static const uint16_t default_groups[] = {
    0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
    0x001A, 0x001B, 0x001C, 0x0016, 0x0015, 0x0014, 0x0013, 0x0012, 0x0011, 0x0010,
    0x000F, 0x000E, 0x000D, 0x000C, 0x000B, 0x000A, 0x0009, 0x0008, 0x0007, 0x0006,
    0x0005, 0x0004, 0x0003, 0x0002, 0x0001,
};

/* Signature algorithms, strong first, SHA-1 and MD5 last so that a server able to use better
 * ones does. */
static const uint16_t sigalgs[] = {
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080A,
    0x080B, 0x0401, 0x0501, 0x0601, 0x0402, 0x0502, 0x0602, 0x0303, 0x0301, 0x0302,
    0x0203, 0x0201, 0x0202, 0x0101,
};

static bool ip_literal(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static void extensions(struct out *o, const struct tls_hello_opts *h)
{
    size_t all = len_open(o, 2);
    if (h->sni && *h->sni && !ip_literal(h->sni) && strlen(h->sni) < 256) {
        u16(o, 0x0000);
        size_t e = len_open(o, 2);
        size_t l = len_open(o, 2);
        u8(o, 0); /* host_name */
        u16(o, (unsigned)strlen(h->sni));
        put(o, h->sni, strlen(h->sni));
        len_close(o, l, 2);
        len_close(o, e, 2);
    }
    const uint16_t *g = h->groups ? h->groups : default_groups;
    size_t ng = h->groups ? h->n_groups : sizeof default_groups / sizeof default_groups[0];
    if (ng) {
        u16(o, 0x000A);
        size_t e = len_open(o, 2);
        size_t l = len_open(o, 2);
        for (size_t i = 0; i < ng; i++)
            u16(o, g[i]);
        len_close(o, l, 2);
        len_close(o, e, 2);
    }
    /* ec_point_formats: uncompressed, ansiX962_compressed_prime, ..._char2 */
    put(o, "\x00\x0b\x00\x04\x03\x00\x01\x02", 8);
    if (h->version >= TLS_V12) {
        u16(o, 0x000D);
        size_t e = len_open(o, 2);
        size_t l = len_open(o, 2);
        for (size_t i = 0; i < sizeof sigalgs / sizeof sigalgs[0]; i++)
            u16(o, sigalgs[i]);
        len_close(o, l, 2);
        len_close(o, e, 2);
    }
    if (h->status_request)
        put(o, "\x00\x05\x00\x05\x01\x00\x00\x00\x00", 9);
    if (h->heartbeat)
        put(o, "\x00\x0f\x00\x01\x01", 5);
    put(o, "\x00\x17\x00\x00", 4); /* extended_master_secret */
    if (h->version >= TLS_V13) {
        put(o, "\x00\x2b\x00\x03\x02\x03\x04", 7); /* supported_versions: TLS 1.3 only */
        put(o, "\x00\x2d\x00\x02\x01\x01", 6);     /* psk_key_exchange_modes: psk_dhe_ke */
        /* key_share: one x25519 share. Any 32 bytes are a valid X25519 public value; the
         * handshake never goes far enough to need the private half. A server preferring
         * another group answers with a HelloRetryRequest, which names the suite as well. */
        u16(o, 0x0033);
        size_t e = len_open(o, 2);
        size_t l = len_open(o, 2);
        if (!h->no_key_share) {
            uint8_t key[32];
            fill_random(key, sizeof key);
            u16(o, TLS_GROUP_X25519);
            u16(o, sizeof key);
            put(o, key, sizeof key);
        }
        len_close(o, l, 2);
        len_close(o, e, 2);
    }
    /* Some load balancers (F5 BIG-IP among them) hang on a ClientHello of 256 to 511 bytes;
     * the padding extension (RFC 7685) lifts it to 512, as browsers do. The message starts at
     * offset 0 of o. */
    if (!o->bad && o->n >= 256 && o->n < 512) {
        size_t pad = o->n + 4 < 512 ? 512 - o->n - 4 : 0; /* the header alone may be enough */
        u16(o, 0x0015);
        u16(o, (unsigned)pad);
        for (size_t i = 0; i < pad; i++)
            u8(o, 0);
    }
    len_close(o, all, 2);
}

size_t tls_build_client_hello(const struct tls_hello_opts *h, uint8_t *out, size_t cap)
{
    if (!h || h->version < TLS_SSLV3 || h->version > TLS_V13 || h->n_suites > 32000 ||
        (h->n_suites && !h->suites))
        return 0;
    /* The handshake message first, in a scratch buffer, then cut into records. */
    uint8_t msg[16384 + 4096];
    struct out o = {.p = msg, .cap = sizeof msg};
    u8(&o, 1); /* client_hello */
    size_t body = len_open(&o, 3);
    u16(&o, h->version >= TLS_V13 ? TLS_V12 : h->version);
    uint8_t rnd[32];
    if (h->random)
        memcpy(rnd, h->random, sizeof rnd);
    else
        fill_random(rnd, sizeof rnd);
    put(&o, rnd, sizeof rnd);
    u8(&o, 0); /* no session to resume */
    size_t cs = len_open(&o, 2);
    for (size_t i = 0; i < h->n_suites; i++)
        u16(&o, h->suites[i]);
    if (h->scsv_reneg)
        u16(&o, TLS_SCSV_RENEG);
    if (h->fallback_scsv)
        u16(&o, TLS_SCSV_FALLBACK);
    len_close(&o, cs, 2);
    if (h->deflate)
        put(&o, "\x02\x01\x00", 3);
    else
        put(&o, "\x01\x00", 2);
    if (!h->no_extensions && h->version > TLS_SSLV3)
        extensions(&o, h);
    len_close(&o, body, 3);
    if (o.bad || o.n <= 4 + 2 + 32 + 1 + 2)
        return 0;

    struct out r = {.p = out, .cap = cap};
    uint16_t rv = h->version == TLS_SSLV3 ? TLS_SSLV3 : TLS_V10;
    for (size_t at = 0; at < o.n;) {
        size_t chunk = o.n - at > 16384 ? 16384 : o.n - at;
        u8(&r, 22);
        u16(&r, rv);
        u16(&r, (unsigned)chunk);
        put(&r, msg + at, chunk);
        at += chunk;
    }
    return r.bad ? 0 : r.n;
}

size_t tls_build_sslv2_hello(const uint32_t *kinds, size_t n, uint8_t *out, size_t cap)
{
    if (n == 0 || n > 1000 || !kinds)
        return 0;
    size_t len = 9 + 3 * n + 16;
    struct out o = {.p = out, .cap = cap};
    u8(&o, 0x80 | (unsigned)(len >> 8));
    u8(&o, (unsigned)len & 0xff);
    u8(&o, 1); /* CLIENT-HELLO */
    u16(&o, TLS_SSLV2);
    u16(&o, (unsigned)(3 * n));
    u16(&o, 0);  /* session id */
    u16(&o, 16); /* challenge */
    for (size_t i = 0; i < n; i++) {
        u8(&o, kinds[i] >> 16);
        u8(&o, kinds[i] >> 8);
        u8(&o, kinds[i]);
    }
    uint8_t ch[16];
    fill_random(ch, sizeof ch);
    put(&o, ch, sizeof ch);
    return o.bad ? 0 : o.n;
}
