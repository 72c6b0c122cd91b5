/* The TLS wire layer: ClientHello messages built by hand (any version from SSLv3 to TLS 1.3,
 * and the SSLv2 CLIENT-HELLO), so that riskmap can ask for what OpenSSL 3 no longer speaks,
 * and a bounded parser of what a server answers (ServerHello, HelloRetryRequest, Certificate,
 * ServerKeyExchange, CertificateStatus, ServerHelloDone, alerts, the SSLv2 SERVER-HELLO),
 * across record fragmentation. Nothing here touches a socket.
 */
#ifndef RISKMAP_TLS_WIRE_H
#define RISKMAP_TLS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_SSLV2 0x0002u
#define TLS_SSLV3 0x0300u
#define TLS_V10 0x0301u
#define TLS_V11 0x0302u
#define TLS_V12 0x0303u
#define TLS_V13 0x0304u

#define TLS_SCSV_RENEG 0x00FFu    /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
#define TLS_SCSV_FALLBACK 0x5600u /* TLS_FALLBACK_SCSV */

#define TLS_GROUP_X25519 0x001Du

/* "SSLv2", "SSLv3", "TLSv1.0", ... "TLSv1.3"; "0xXXXX" in buf otherwise. */
const char *tls_version_name(uint16_t v, char *buf, size_t len);

struct tls_hello_opts {
    uint16_t version;        /* highest version offered, TLS_SSLV3..TLS_V13 */
    const uint16_t *suites;  /* offered in this order */
    size_t n_suites;
    const char *sni;         /* host name for server_name; NULL (or an IP literal) for none */
    const uint16_t *groups;  /* supported_groups; NULL = every group riskmap knows */
    size_t n_groups;
    bool no_key_share;       /* TLS 1.3: an empty key_share list (RFC 8446, 4.2.8) instead of
                              * one x25519 share: the server answers with a HelloRetryRequest
                              * naming its suite and group, and computes neither a key share
                              * nor a signature for it */
    bool no_extensions;      /* a hello without extensions (SSLv3-era clients) */
    bool scsv_reneg;         /* append TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
    bool fallback_scsv;      /* append TLS_FALLBACK_SCSV: "this is a downgraded retry" */
    bool deflate;            /* offer DEFLATE compression before null */
    bool status_request;     /* ask for a stapled OCSP response */
    bool heartbeat;          /* heartbeat extension, peer allowed to send */
    const uint8_t *random;   /* 32 bytes, or NULL for fresh random bytes */
};

/* Writes the records of a ClientHello into out. The record layer says TLS 1.0 (SSLv3 for an
 * SSLv3 hello), as browsers do; a hello longer than one record is split. Returns the length,
 * or 0 when cap is too small or the options make no sense. */
size_t tls_build_client_hello(const struct tls_hello_opts *o, uint8_t *out, size_t cap);

/* An SSLv2 CLIENT-HELLO (version 0x0002) offering the given three-byte cipher kinds.
 * Returns the length, or 0 when cap is too small. */
size_t tls_build_sslv2_hello(const uint32_t *kinds, size_t n, uint8_t *out, size_t cap);

/* ---- parsing --------------------------------------------------------------------------- */

#define TLS_MAX_HS 65536u    /* handshake bytes kept per connection (a long chain fits) */
#define TLS_MAX_CERTS 10u    /* certificates kept from one Certificate message */
#define TLS_MAX_V2_KINDS 32u /* SSLv2 cipher kinds kept */
#define TLS_KEEP_RECORD 1024u /* bytes kept of the first handshake record, as evidence */

enum tls_answer {
    TLS_A_NONE = 0,    /* nothing decisive yet */
    TLS_A_HELLO,       /* a ServerHello (or HelloRetryRequest) */
    TLS_A_ALERT,       /* an alert before any ServerHello */
    TLS_A_SSLV2,       /* an SSLv2 SERVER-HELLO */
    TLS_A_SSLV2_ERROR, /* an SSLv2 ERROR message */
    TLS_A_JUNK,        /* not TLS: the server speaks something else */
};

struct tls_span {
    uint32_t off, len; /* into tls_flight.hs */
};

struct tls_flight {
    enum tls_answer answer;
    bool done;             /* nothing more to wait for: ServerHelloDone, a TLS 1.3 hello, an
                            * HRR, an alert, an SSLv2 answer, or junk */
    uint16_t record_version;
    uint16_t version;      /* negotiated (supported_versions when present) */
    uint16_t suite;
    uint8_t compression;
    bool hrr;              /* the hello was a HelloRetryRequest */
    bool ext_reneg;        /* renegotiation_info in the ServerHello: secure renegotiation */
    bool ext_heartbeat;
    bool ext_status_request;
    bool ext_ems;          /* extended_master_secret */
    uint16_t key_share_group; /* TLS 1.3: the group of the server's key share or HRR */
    uint8_t session_id_len;
    uint8_t alert_level, alert_desc; /* the first alert seen */
    bool alert_seen;
    /* Certificate (TLS <= 1.2 and SSLv2): DER, in the order sent, leaf first. */
    struct tls_span certs[TLS_MAX_CERTS];
    uint32_t n_certs;
    bool certs_truncated;  /* more certificates, or bytes, than kept */
    bool cert_status;      /* a CertificateStatus message (stapled OCSP) */
    struct tls_span ocsp;  /* its OCSPResponse (DER), len 0 when none or not of type ocsp */
    uint16_t ske_group;    /* ECDHE: the named curve of the ServerKeyExchange */
    uint16_t dh_bits;      /* DHE: the size of the prime p in bits */
    /* SSLv2 SERVER-HELLO */
    uint32_t v2_kinds[TLS_MAX_V2_KINDS];
    uint32_t n_v2_kinds;
    uint16_t v2_error;
    /* The first handshake record as it came off the wire (header included), its first
     * TLS_KEEP_RECORD bytes: the ServerHello record, kept as evidence. record_full_len is the
     * whole record's length. */
    uint8_t record[TLS_KEEP_RECORD];
    uint32_t record_len, record_full_len;
    /* The handshake stream so far (records of type 22 concatenated), bounded. */
    uint8_t hs[TLS_MAX_HS];
    uint32_t hs_len;
};

/* Parses everything a server has sent on one connection so far (in, n: the whole stream
 * from its first byte) into *f, which it overwrites. Reads only inside in[0..n). Returns 1
 * when f->done, 0 when more bytes may complete the answer, -1 when the bytes cannot be a TLS
 * or SSLv2 answer (f->answer = TLS_A_JUNK, or a malformed message). */
int tls_parse_flight(const uint8_t *in, size_t n, struct tls_flight *f);

/* The TLS alert description's name ("handshake_failure"), or "unknown". */
const char *tls_alert_name(uint8_t desc);

#endif
