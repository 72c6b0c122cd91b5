/* The TLS probe engine: for each endpoint, which protocol versions it accepts (SSLv2 to
 * TLS 1.3), which cipher suites per version and in what order, the key exchange it uses, the
 * features that matter to the rules (secure renegotiation, compression, TLS_FALLBACK_SCSV,
 * OCSP stapling, heartbeat) and its certificate chain as served.
 *
 * Cipher suites are enumerated by "offer a list, remove what the server picked, repeat", with
 * the offer cut into chunks (TLS_PROBE_CHUNK suites) so that every ClientHello stays small
 * enough for picky servers; a version costs (accepted suites + chunks) connections, not one
 * per suite. Each endpoint gets at most conns_per_host connections at once; many endpoints are
 * probed in parallel. Every connection has a connect and a read deadline.
 */
#ifndef RISKMAP_TLS_PROBE_H
#define RISKMAP_TLS_PROBE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/tls_conn.h"
#include "scanner/err.h"

#define TLS_NVERS 6 /* SSLv2, SSLv3, TLS 1.0, 1.1, 1.2, 1.3: index order */
#define TLS_PROBE_CHUNK 96u            /* suites per ClientHello (about 200 bytes of suites) */
#define TLS_DEF_CONNS_PER_HOST 4u      /* polite: a small office server is not a load test */
#define TLS_DEF_PARALLEL_HOSTS 16u     /* endpoints probed at once */
#define TLS_MAX_CONNS_TOTAL 24u        /* connections at once over all endpoints, beyond which
                                        * an endpoint needs extras from tls_budget.h */
#define TLS_DEF_CONNECT_MS 3000.0
#define TLS_DEF_READ_MS 5000.0
#define TLS_MAX_GROUPS 40u

extern const uint16_t tls_probe_versions[TLS_NVERS];

enum tls_depth {
    TLS_QUICK, /* protocols, one suite each, certificate: a handful of handshakes */
    TLS_FULL,  /* every suite, server order, key exchange groups, features */
};

/* Yes, no, or not known (not tested, or no answer that tells). */
enum tls_tri { TRI_UNKNOWN = 0, TRI_YES, TRI_NO };

struct tls_probe_opts {
    enum tls_depth depth;
    unsigned conns_per_host;  /* 0 = TLS_DEF_CONNS_PER_HOST */
    unsigned parallel_hosts;  /* 0 = TLS_DEF_PARALLEL_HOSTS */
    double connect_ms, read_ms; /* 0 = defaults */
    unsigned retries;         /* connects repeated after a refusal or timeout */
    atomic_int *cancel;       /* may be NULL */
};

struct tls_proto {
    bool tested;
    bool supported;
    bool complete;            /* every accepted suite is listed (TLS_FULL) */
    uint32_t suites[400];     /* accepted: server order when server_order is YES */
    size_t n_suites;
    enum tls_tri server_order; /* the server chooses the suite by its own preference */
};

struct tls_report {
    struct tls_endpoint ep;   /* ep.sni points at name */
    char *name;               /* the host name asked for (owned), or NULL */
    enum tls_depth depth;
    bool reachable;           /* some connection succeeded */
    bool speaks_tls;          /* some answer was TLS or SSLv2 */
    char error[160];          /* why nothing could be learnt, or "" */
    bool starttls_refused;    /* the plain-text service would not start TLS (not a finding:
                               * the exposure check reports mail without STARTTLS) */
    struct tls_proto proto[TLS_NVERS];
    enum tls_tri secure_reneg, compression, fallback_scsv, ocsp_stapling, heartbeat;
    enum tls_tri heartbleed;  /* CVE-2014-0160, asked only when the heartbeat extension is on */
    enum tls_tri hsts;        /* HTTP endpoints: a Strict-Transport-Security header */
    long hsts_max_age;        /* its max-age, -1 when none or unreadable */
    char hsts_value[256];
    int http_status;          /* of the GET / that asked, 0 when none */
    uint16_t dh_bits_min;     /* smallest DHE prime seen, 0 = no DHE */
    uint16_t ecdhe_groups[TLS_MAX_GROUPS]; /* TLS <= 1.2 ECDHE curves accepted (server order) */
    size_t n_ecdhe_groups;
    uint16_t tls13_groups[TLS_MAX_GROUPS]; /* TLS 1.3 groups accepted */
    size_t n_tls13_groups;
    /* The certificate chain as served (DER, leaf first), owned. */
    unsigned char **certs;
    size_t *cert_lens;
    size_t n_certs;
    uint16_t cert_version;    /* the version of the handshake it came from */
    /* A second chain with another leaf, served at that same version to other suites: a
     * server holding an RSA and an ECDSA certificate picks one by the suite (TLS_FULL only:
     * the quick depth makes one handshake per version). Owned; n_alt_certs 0 when none. */
    unsigned char **alt_certs;
    size_t *alt_cert_lens;
    size_t n_alt_certs;
    /* The ServerHello record of the highest version accepted, as it came off the wire (at
     * most TLS_KEEP_RECORD bytes, owned; hello_record_full the record's whole length), for
     * evidence; NULL when no hand-made hello was accepted. */
    uint8_t *hello_record;
    size_t hello_record_len, hello_record_full;
    uint16_t hello_record_version;
    /* The OCSP response stapled in that handshake (DER, owned), NULL when none. */
    unsigned char *ocsp;
    size_t ocsp_len;
    unsigned connections;     /* TCP connections opened */
    unsigned max_parallel;    /* the most open at once (at most conns_per_host) */
    unsigned conn_failures;   /* connects refused or timed out after the first answer: the
                               * sets may be incomplete when it is not 0 */
    double elapsed_ms;
};

/* Probes every endpoint (names are copied). *out is a new array of n reports, owned by the
 * caller (tls_reports_free). Returns 0 (unreachable endpoints are reports with an error), or
 * -1 with e set (out of memory, no thread could start). */
int tls_probe_all(const struct tls_endpoint *eps, size_t n, const struct tls_probe_opts *o,
                  struct tls_report **out, struct rm_err *e);
void tls_reports_free(struct tls_report *r, size_t n);

/* The max-age of a Strict-Transport-Security value ("max-age=31536000; includeSubDomains"),
 * or -1 when it has none. */
long tls_hsts_max_age(const char *value);

/* Index of a version in tls_probe_versions, or -1. */
int tls_version_index(uint16_t v);

#endif
