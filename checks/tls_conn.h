/* One TLS probe conversation: connect with a deadline, send a hand-built hello, read the
 * server's answer with a deadline and a size bound, parse it (tls_wire.h), close. Also the one
 * full handshake riskmap leaves to OpenSSL (TLS 1.3 certificates are encrypted). Thread-safe:
 * callers share only the counters, which are atomics.
 */
#ifndef RISKMAP_TLS_CONN_H
#define RISKMAP_TLS_CONN_H

#include <openssl/x509.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/tls_wire.h"
#include "scanner/addr.h"

/* The plain-text exchange that comes before TLS on a STARTTLS service. */
enum tls_starttls {
    STARTTLS_NONE = 0, /* TLS from the first byte */
    STARTTLS_SMTP,     /* EHLO, STARTTLS (RFC 3207) */
    STARTTLS_IMAP,     /* a1 STARTTLS (RFC 3501) */
    STARTTLS_POP3,     /* STLS (RFC 2595) */
    STARTTLS_FTP,      /* AUTH TLS (RFC 4217) */
    STARTTLS_LDAP,     /* the StartTLS extended operation (RFC 4511) */
    STARTTLS_POSTGRES, /* SSLRequest */
};

/* "smtp", ... for a protocol; NULL for STARTTLS_NONE. */
const char *tls_starttls_name(enum tls_starttls p);
/* Parses "smtp", "imap", "pop3", "ftp", "ldap", "postgres" (or "none"); 0 or -1. */
int tls_starttls_parse(const char *s, enum tls_starttls *out);
/* The STARTTLS protocol usually spoken on a port (25, 587, 143, 110, 21, 389, 5432). */
enum tls_starttls tls_starttls_for_port(uint16_t port);

struct tls_endpoint {
    struct rm_addr addr;
    uint16_t port;
    const char *sni; /* name for server_name, or NULL; borrowed */
    enum tls_starttls starttls;
    bool http;       /* HTTP inside the TLS: worth asking for HSTS */
};

struct tls_net {
    double connect_ms;       /* per connect() */
    double read_ms;          /* from the hello sent to the answer complete */
    unsigned retries;        /* connects repeated after a refusal or timeout, backing off */
    atomic_int *cancel;      /* may be NULL */
    atomic_uint *connections; /* counts every TCP connection attempted; may be NULL */
    atomic_uint *in_flight;   /* sockets open now, and the most at once; both NULL or both set */
    atomic_uint *max_in_flight;
    /* Told, when not NULL, the milliseconds from the start of a connect to the server's
     * complete answer (not when it timed out): how long the round trip and the server took. */
    void (*answered)(void *ctx, double ms);
    void *answered_ctx;
};

enum tls_xres {
    TX_ANSWER = 0, /* the server answered: see the flight */
    TX_SILENT,     /* connected, but it closed or stayed silent without a TLS answer */
    TX_REFUSED,    /* connect refused (after the retries) */
    TX_TIMEOUT,    /* connect timed out (after the retries) */
    TX_ERROR,      /* no socket, or cancelled */
    TX_NO_STARTTLS, /* the plain-text service did not agree to start TLS */
};

/* Speaks the STARTTLS preamble of ep->starttls on a connected socket, each read bounded by
 * deadline (CLOCK_MONOTONIC milliseconds) and a few kilobytes. 0 when the server agreed to
 * start TLS, -1 otherwise. */
int tls_starttls_preamble(int fd, enum tls_starttls p, double deadline, atomic_int *cancel);

/* Sends hello (n bytes) and parses the answer into *f (caller-owned; it is large). */
enum tls_xres tls_exchange(const struct tls_endpoint *ep, const struct tls_net *net,
                           const uint8_t *hello, size_t n, struct tls_flight *f);

/* Heartbleed (CVE-2014-0160), asked the least harmful way: after the server's first flight,
 * one heartbeat request that claims 64 payload bytes but carries 16. A patched server drops
 * it (RFC 6520); a vulnerable one answers with the 64 bytes, 48 of them from its memory. The
 * answer's bytes are never kept, only its length. Returns TX_ANSWER with *vulnerable set when
 * the handshake got that far. */
enum tls_xres tls_heartbleed_probe(const struct tls_endpoint *ep, const struct tls_net *net,
                                   const uint8_t *hello, size_t n, struct tls_flight *f,
                                   bool *vulnerable);

/* What an HTTPS GET / said about HSTS. */
struct tls_http {
    bool answered;          /* an HTTP status line came back */
    int status;             /* 200, 301, ... */
    bool hsts;              /* a Strict-Transport-Security header */
    char hsts_value[256];   /* its value, printable ASCII */
};

/* A full handshake by OpenSSL (any version it will speak, no verification). With chain, the
 * certificate chain: a new stack owned by the caller (sk_X509_pop_free(chain, X509_free)),
 * *version the negotiated version and, when ocsp is not NULL, the stapled OCSP response
 * asked for with status_request (in TLS 1.3 it travels encrypted): a new malloc'd copy in
 * *ocsp (NULL, *ocsp_len 0 when none). With http, then a GET / (Host: ep->sni or the
 * address) and the response headers, read up to 16 KiB, for HSTS. Returns 0 when the
 * handshake (and what was asked) succeeded, -1 otherwise. */
int tls_openssl_visit(const struct tls_endpoint *ep, const struct tls_net *net,
                      STACK_OF(X509) **chain, uint16_t *version, unsigned char **ocsp,
                      size_t *ocsp_len, struct tls_http *http);

/* Parses an HTTP response head (bounded by n) into *h. Exposed for the tests. */
void tls_parse_http_head(const char *d, size_t n, struct tls_http *h);

#endif
