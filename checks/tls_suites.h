/* The TLS cipher suite table: every IANA-registered suite (two-byte ids) and the SSLv2 cipher
 * kinds (three-byte ids), with the OpenSSL spelling, key exchange, authentication, encryption,
 * strength, MAC and the flags the rules judge by. The rows are generated
 * (checks/tls_suites_data.c by contrib/tools/gen-tls-suites.sh); this header is the interface.
 */
#ifndef RISKMAP_TLS_SUITES_H
#define RISKMAP_TLS_SUITES_H

#include <stddef.h>
#include <stdint.h>

enum tls_suite_flag {
    TS_EXPORT = 1 << 0,       /* export-grade (40/56-bit, 512-bit key exchange): FREAK, Logjam */
    TS_NULL = 1 << 1,         /* no encryption at all */
    TS_ANON = 1 << 2,         /* no server authentication: anyone in the middle can answer */
    TS_RC4 = 1 << 3,          /* RC4 (RFC 7465 forbids it) */
    TS_3DES = 1 << 4,         /* 64-bit block: SWEET32 */
    TS_DES = 1 << 5,          /* single DES, 56 bits */
    TS_AEAD = 1 << 6,         /* GCM, CCM, ChaCha20-Poly1305 */
    TS_CBC = 1 << 7,          /* a block cipher in CBC mode with a separate MAC */
    TS_PFS = 1 << 8,          /* ephemeral key exchange: forward secrecy */
    TS_NEEDS_SECRET = 1 << 9, /* PSK, SRP, Kerberos: no handshake without a shared secret */
    TS_OBSOLETE = 1 << 10,    /* MD5 MAC, RC2, IDEA, GOST94: broken or withdrawn primitives */
};

struct tls_suite {
    uint32_t id;         /* 0xC02F; SSLv2 kinds are three bytes: 0x0700C0 */
    const char *iana;    /* "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" */
    const char *openssl; /* "ECDHE-RSA-AES128-GCM-SHA256", or NULL where OpenSSL has no name */
    uint16_t min_version; /* first protocol version that defines it (0x0002 = SSLv2) */
    const char *kex;     /* "RSA", "DHE", "ECDHE", "DH", "ECDH", "PSK", "any" (TLS 1.3), ... */
    const char *auth;    /* "RSA", "ECDSA", "DSS", "None", ... */
    const char *enc;     /* "AESGCM", "AES", "3DES", "RC4", "ChaCha20", "None", ... */
    uint16_t bits;       /* symmetric key bits */
    const char *mac;     /* "AEAD", "SHA1", "SHA256", "MD5", ... */
    uint32_t flags;      /* enum tls_suite_flag */
};

extern const struct tls_suite tls_suites[];
extern const size_t tls_n_suites;
extern const struct tls_suite tls_sslv2_suites[];
extern const size_t tls_n_sslv2_suites;

/* The row of a two-byte suite id, or NULL (binary search: the table is sorted). */
const struct tls_suite *tls_suite_find(uint16_t id);
/* The row of an SSLv2 cipher kind, or NULL. */
const struct tls_suite *tls_sslv2_suite_find(uint32_t id);
/* The OpenSSL name when there is one, else the IANA name; never NULL (a made-up
 * "0xC0FF" kept in buf for an unknown id). */
const char *tls_suite_name(uint16_t id, char *buf, size_t len);

#endif
