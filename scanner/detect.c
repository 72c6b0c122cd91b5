/* Service detection engine: a bounded pool of workers, one conversation at a time each, every
 * socket non-blocking with a deadline, every read bounded. */
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "scanner/detect.h"
#include "scanner/ntlm.h"
#include "scanner/probe_credssp.h"
#include "scanner/probe_dns.h"
#include "scanner/probe_ldap.h"
#include "scanner/probe_mongo.h"
#include "scanner/probe_mssql.h"
#include "scanner/probe_proto.h"

/* ---- probe plans ------------------------------------------------------------------------- */

#define DNS_TCP_ID 0x524d /* "RM": the id of our version.bind query over TCP */

enum probe {
    P_BANNER, P_HTTP, P_REDIS, P_MEMCACHED, P_POSTGRES, P_SMB, P_RDP, P_MSSQL, P_MONGO, P_LDAP,
    P_SMB1, P_RDP_TLS, P_LDAP_BASE, P_DNS, P_HTTP_BARE, P_LINES, P_RDP_HELLO, P_RDP_CREDSSP,
};
/* P_SMB1, P_RDP_TLS, P_RDP_HELLO, P_RDP_CREDSSP and P_LDAP_BASE are further requests of the
 * smb, rdp and ldap probes, never plan steps. */
static const char *const probe_names[] = {"banner", "http", "redis", "memcached", "postgres",
                                          "smb", "rdp", "mssql", "mongodb", "ldap",
                                          "smb", "rdp", "ldap", "dns", "http", "lines", "rdp",
                                          "rdp"};

struct step {
    enum probe probe;
    bool tls;
};

#define MAX_STEPS 4
struct plan {
    const char *str;
    struct step steps[MAX_STEPS];
    unsigned n;
};

/* Ordered by what the port most likely speaks, then the cheapest useful fallbacks. */
static const struct plan plan_tls_http = {"tls:http,http", {{P_HTTP, true}, {P_HTTP, false}}, 2};
static const struct plan plan_tls_banner = {"tls:banner,banner",
                                            {{P_BANNER, true}, {P_BANNER, false}}, 2};
static const struct plan plan_http = {"http,banner,tls:http",
                                      {{P_HTTP, false}, {P_BANNER, false}, {P_HTTP, true}}, 3};
static const struct plan plan_banner = {"banner,http", {{P_BANNER, false}, {P_HTTP, false}}, 2};
static const struct plan plan_redis = {"redis,banner", {{P_REDIS, false}, {P_BANNER, false}}, 2};
static const struct plan plan_memcached = {"memcached", {{P_MEMCACHED, false}}, 1};
static const struct plan plan_postgres = {"postgres", {{P_POSTGRES, false}}, 1};
static const struct plan plan_smb = {"smb", {{P_SMB, false}}, 1};
static const struct plan plan_rdp = {"rdp", {{P_RDP, false}}, 1};
static const struct plan plan_mssql = {"mssql", {{P_MSSQL, false}}, 1};
static const struct plan plan_mongo = {"mongodb", {{P_MONGO, false}}, 1};
static const struct plan plan_ldap = {"ldap", {{P_LDAP, false}}, 1};
static const struct plan plan_ldaps = {"tls:ldap", {{P_LDAP, true}}, 1};
/* DNS over TCP: the UDP stage's version.bind query with the two-byte length in front. */
static const struct plan plan_dns = {"dns", {{P_DNS, false}}, 1};
/* On a port of no known use the HTTP request carries no Host header (as nmap's GetRequest):
 * Redis 7 drops a connection that sends one (its guard against cross-protocol attacks), and
 * what Redis or memcached answer to a bare GET names them; their own probe then follows. */
static const struct plan plan_unknown = {
    "banner,http,tls:http,lines",
    {{P_BANNER, false}, {P_HTTP_BARE, false}, {P_HTTP, true}, {P_LINES, false}}, 4};

static const uint16_t tls_http_ports[] = {443, 4443, 8443, 9443, 10443, 0};
static const uint16_t tls_banner_ports[] = {465, 563, 990, 992, 993, 995, 0};
static const uint16_t http_ports[] = {80,   81,   591,  3000, 5000, 5601, 7080, 8000, 8008,
                                      8080, 8081, 8088, 8888, 9000, 9090, 9200, 0};
/* Servers that speak first: their banner says who they are. */
static const uint16_t banner_ports[] = {21,  22,  23,  25,   110,  143,  220,  587,  2121,
                                        2222, 3306, 5900, 5901, 0};

static bool in_list(const uint16_t *l, uint16_t port)
{
    for (; *l; l++)
        if (*l == port)
            return true;
    return false;
}

static const struct plan *plan_for(uint16_t port)
{
    if (in_list(tls_http_ports, port))
        return &plan_tls_http;
    if (in_list(tls_banner_ports, port))
        return &plan_tls_banner;
    if (in_list(http_ports, port))
        return &plan_http;
    if (in_list(banner_ports, port))
        return &plan_banner;
    if (port == 6379)
        return &plan_redis;
    if (port == 11211)
        return &plan_memcached;
    if (port == 5432)
        return &plan_postgres;
    if (port == 445)
        return &plan_smb;
    if (port == 3389)
        return &plan_rdp;
    if (port == 1433)
        return &plan_mssql;
    if (port == 27017 || port == 27018 || port == 27019)
        return &plan_mongo;
    if (port == 389)
        return &plan_ldap;
    if (port == 53)
        return &plan_dns;
    if (port == 636)
        return &plan_ldaps;
    return &plan_unknown;
}

const char *detect_plan_str(uint16_t port)
{
    return plan_for(port)->str;
}

/* ---- time and cancellation --------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

struct ctx {
    const struct sig_table *sigs;
    SSL_CTX *ssl;
    double timeout_ms;
    size_t max_bytes;
    atomic_int *cancel;
};

static bool cancelled(const struct ctx *c)
{
    return c->cancel && *c->cancel;
}

/* Waits for events on fd until the deadline, in slices of at most 100 ms so that a
 * cancellation is seen. 1 ready, 0 deadline passed or cancelled, -1 poll error. */
static int wait_fd(const struct ctx *c, int fd, short events, double deadline)
{
    for (;;) {
        if (cancelled(c))
            return 0;
        double left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, left > 100 ? 100 : (int)left + 1);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* ---- connections ------------------------------------------------------------------------- */

struct conn {
    int fd;
    SSL *ssl;
    bool eof;
    bool reset; /* the peer reset the connection (or the TLS layer failed) */
};

enum { C_OK = 0, C_REFUSED = -2, C_FAIL = -1, C_SILENT = -3 /* connected, asked, no word */ };

static int conn_open(const struct ctx *c, const struct rm_addr *addr, uint16_t port,
                     double deadline, struct conn *cn)
{
    struct sockaddr_storage ss;
    socklen_t sl = addr_sockaddr(addr, port, &ss);
    cn->ssl = NULL;
    cn->eof = false;
    cn->reset = false;
    cn->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (cn->fd < 0)
        return C_FAIL;
    if (connect(cn->fd, (struct sockaddr *)&ss, sl) == 0)
        return C_OK;
    if (errno == ECONNREFUSED)
        goto refused;
    if (errno != EINPROGRESS)
        goto fail;
    if (wait_fd(c, cn->fd, POLLOUT, deadline) != 1)
        goto fail;
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(cn->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
        goto fail;
    if (err == 0)
        return C_OK;
    if (err == ECONNREFUSED)
        goto refused;
fail:
    close(cn->fd);
    cn->fd = -1;
    return C_FAIL;
refused:
    close(cn->fd);
    cn->fd = -1;
    return C_REFUSED;
}

static void conn_close(struct conn *cn)
{
    if (cn->ssl) {
        SSL_free(cn->ssl);
        cn->ssl = NULL;
    }
    if (cn->fd >= 0)
        close(cn->fd);
    cn->fd = -1;
}

/* Waits for what OpenSSL asked for after a WANT_READ/WANT_WRITE. */
static int ssl_wait(const struct ctx *c, struct conn *cn, int rc, double deadline)
{
    int err = SSL_get_error(cn->ssl, rc);
    if (err == SSL_ERROR_WANT_READ)
        return wait_fd(c, cn->fd, POLLIN, deadline);
    if (err == SSL_ERROR_WANT_WRITE)
        return wait_fd(c, cn->fd, POLLOUT, deadline);
    return -1;
}

static int conn_tls(const struct ctx *c, struct conn *cn, const char *sni, double deadline)
{
    if (!c->ssl || !(cn->ssl = SSL_new(c->ssl)))
        return C_FAIL;
    SSL_set_fd(cn->ssl, cn->fd);
    if (sni)
        SSL_set_tlsext_host_name(cn->ssl, sni);
    for (;;) {
        ERR_clear_error();
        int rc = SSL_connect(cn->ssl);
        if (rc == 1)
            return C_OK;
        if (ssl_wait(c, cn, rc, deadline) != 1) {
            ERR_clear_error();
            return C_FAIL;
        }
    }
}

static int conn_write(const struct ctx *c, struct conn *cn, const void *buf, size_t len,
                      double deadline)
{
    const char *p = buf;
    while (len > 0) {
        if (cn->ssl) {
            ERR_clear_error();
            int rc = SSL_write(cn->ssl, p, (int)len);
            if (rc > 0) {
                p += rc;
                len -= (size_t)rc;
            } else if (ssl_wait(c, cn, rc, deadline) != 1) {
                ERR_clear_error();
                return C_FAIL;
            }
            continue;
        }
        ssize_t n = send(cn->fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(c, cn->fd, POLLOUT, deadline) != 1)
                return C_FAIL;
        } else {
            return C_FAIL;
        }
    }
    return C_OK;
}

/* One non-blocking read: >0 bytes, 0 would block, -1 EOF or error (cn->eof set). */
static ssize_t conn_read_some(struct conn *cn, unsigned char *buf, size_t cap, int *want_write)
{
    *want_write = 0;
    if (cn->ssl) {
        ERR_clear_error();
        int rc = SSL_read(cn->ssl, buf, (int)cap);
        if (rc > 0)
            return rc;
        int err = SSL_get_error(cn->ssl, rc);
        ERR_clear_error();
        if (err == SSL_ERROR_WANT_READ)
            return 0;
        if (err == SSL_ERROR_WANT_WRITE) {
            *want_write = 1;
            return 0;
        }
        cn->eof = true;
        cn->reset = err != SSL_ERROR_ZERO_RETURN;
        return -1;
    }
    ssize_t n = recv(cn->fd, buf, cap, 0);
    if (n > 0)
        return n;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    cn->eof = true;
    cn->reset = n < 0;
    return -1;
}

/* Is the response complete for its probe, so that waiting longer would add nothing? */
static bool complete(enum probe p, const unsigned char *d, size_t n)
{
    if (n == 0)
        return false;
    switch (p) {
    case P_POSTGRES:
        return true;
    case P_SMB:
    case P_SMB1:
        return nbss_complete(d, n);
    case P_RDP:
    case P_RDP_TLS:
    case P_RDP_HELLO:
        return tpkt_complete(d, n);
    case P_RDP_CREDSSP:
        return credssp_complete(d, n);
    case P_MEMCACHED:
        return n >= 2 && d[n - 2] == '\r' && d[n - 1] == '\n';
    case P_MSSQL:
        return tds_complete(d, n);
    case P_MONGO:
        return mongo_complete(d, n);
    case P_LDAP:
        return ldap_complete(d, n, 1);
    case P_LDAP_BASE:
        return ldap_complete(d, n, 2);
    case P_DNS:
        return n >= 2 && n >= 2 + ((size_t)d[0] << 8 | d[1]);
    case P_REDIS: {
        if (n < 2 || d[n - 2] != '\r' || d[n - 1] != '\n')
            return false;
        if (d[0] == '-') { /* two error lines, one per command */
            size_t lines = 0;
            for (size_t i = 0; i + 1 < n; i++)
                lines += d[i] == '\r' && d[i + 1] == '\n';
            return lines >= 2;
        }
        static const char pong[] = "+PONG\r\n$";
        if (n < sizeof pong || memcmp(d, pong, sizeof pong - 1) != 0)
            return d[0] != '+'; /* something else entirely: nothing more to wait for */
        size_t i = sizeof pong - 1, len = 0;
        while (i < n && d[i] >= '0' && d[i] <= '9' && len < 100000000)
            len = len * 10 + (size_t)(d[i++] - '0');
        return i + 2 + len + 2 <= n;
    }
    case P_HTTP:
    case P_HTTP_BARE:
    case P_LINES:
        return false; /* Connection: close: the server ends it */
    case P_BANNER:
        /* MySQL-style binary packet: 3-byte length, sequence number, payload. */
        if (n >= 4 && d[3] == 0 && d[0] + (d[1] << 8) + (d[2] << 16) + 4 == (int)n)
            return true;
        if (d[n - 1] != '\n')
            return false;
        /* A last line of "NNN-..." announces more lines (FTP, SMTP). */
        size_t start = n - 1;
        while (start > 0 && d[start - 1] != '\n')
            start--;
        return !(n - start >= 4 && d[start] >= '0' && d[start] <= '9' && d[start + 3] == '-');
    }
    return false;
}

/* A text banner cut mid-line (printable bytes, no line end yet): a server that trickles its
 * greeting is still talking, so a quiet gap must not end the read; the deadline does. */
static bool text_unfinished(const unsigned char *d, size_t n)
{
    if (n == 0 || d[n - 1] == '\n')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((d[i] < 0x20 && d[i] != '\r' && d[i] != '\t') || d[i] >= 0x7f)
            return false; /* binary: no line to wait for */
    return true;
}

/* Reads into buf (cap bytes) until the response is complete, the peer closes, the buffer is
 * full, the deadline passes, or, once some bytes came, a quiet gap of `grace` ms (not while a
 * banner's text line is unfinished). */
static size_t conn_read(const struct ctx *c, struct conn *cn, enum probe p, unsigned char *buf,
                        size_t cap, size_t have, double deadline, double grace)
{
    size_t n = have;
    while (n < cap && !cn->eof && !cancelled(c)) {
        int ww;
        ssize_t got = conn_read_some(cn, buf + n, cap - n, &ww);
        if (got > 0) {
            n += (size_t)got;
            if (complete(p, buf, n))
                break;
            continue;
        }
        if (got < 0)
            break;
        if (cn->ssl && SSL_pending(cn->ssl) > 0)
            continue;
        double until = deadline;
        if (n > have && now_ms() + grace < until &&
            !(p == P_BANNER && text_unfinished(buf + have, n - have)))
            until = now_ms() + grace;
        if (wait_fd(c, cn->fd, ww ? POLLOUT : POLLIN, until) != 1)
            break;
    }
    return n;
}

/* ---- jobs -------------------------------------------------------------------------------- */

struct job {
    /* in */
    size_t host, svc;
    struct rm_addr addr;
    uint16_t port;
    const char *sni;
    /* out */
    struct sig_match m;
    bool matched;
    bool tls;          /* the matching (or last) conversation ran over TLS */
    char tls_version[16];
    enum probe probe;  /* of the evidence */
    unsigned char *ev; /* malloc'd response bytes, or NULL */
    size_t ev_len;
    bool oom;
    char outcome[160]; /* why no step named it: for an unidentified service */
    int outcome_rank;  /* how telling that reason is; a step keeps the most telling one */
};

/* Reasons, least telling first: a later step's silence must not hide an earlier reset. */
enum { O_NOCONN = 1, O_SILENT, O_TLS, O_CLOSED, O_RESET, O_BYTES, O_REFUSED };

static void set_outcome(struct job *j, int rank, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_outcome(struct job *j, int rank, const char *fmt, ...)
{
    if (rank < j->outcome_rank)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->outcome, sizeof j->outcome, fmt, ap);
    va_end(ap);
    j->outcome_rank = rank;
}

static size_t build_probe(enum probe p, const struct job *j, char *out, size_t cap)
{
    char addr[RM_ADDRSTRLEN];
    int n = 0;
    switch (p) {
    case P_BANNER:
        return 0;
    case P_HTTP:
        addr_str(&j->addr, addr, sizeof addr);
        n = snprintf(out, cap,
                     "GET / HTTP/1.0\r\nHost: %s%s%s:%u\r\nUser-Agent: riskmap/%s\r\n"
                     "Accept: */*\r\nConnection: close\r\n\r\n",
                     j->sni ? "" : (j->addr.family == AF_INET6 ? "[" : ""),
                     j->sni ? j->sni : addr,
                     j->sni ? "" : (j->addr.family == AF_INET6 ? "]" : ""), (unsigned)j->port,
                     RISKMAP_VERSION);
        break;
    case P_HTTP_BARE:
        n = snprintf(out, cap, "GET / HTTP/1.0\r\n\r\n");
        break;
    case P_LINES: /* two empty lines: text protocols answer with an error that names them */
        n = snprintf(out, cap, "\r\n\r\n");
        break;
    case P_REDIS:
        n = snprintf(out, cap, "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n");
        break;
    case P_MEMCACHED:
        n = snprintf(out, cap, "version\r\n");
        break;
    case P_POSTGRES: /* SSLRequest: length 8, code 80877103 */
        if (cap < 8)
            return 0;
        memcpy(out, "\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);
        return 8;
    case P_SMB:
        return smb2_negotiate_request((unsigned char *)out, cap);
    case P_SMB1:
        return smb1_negotiate_request((unsigned char *)out, cap);
    case P_RDP:
        return rdp_request(RDP_PROTO_SSL | RDP_PROTO_HYBRID, (unsigned char *)out, cap);
    case P_RDP_TLS:
        return rdp_request(RDP_PROTO_SSL, (unsigned char *)out, cap);
    case P_RDP_HELLO:
        return rdp_tls_hello((unsigned char *)out, cap);
    case P_RDP_CREDSSP:
        return credssp_request((unsigned char *)out, cap);
    case P_MSSQL:
        return mssql_prelogin_request((unsigned char *)out, cap);
    case P_MONGO:
        return mongo_ismaster_request(1, (unsigned char *)out, cap);
    case P_LDAP:
        return ldap_search_request(1, "", (unsigned char *)out, cap);
    case P_LDAP_BASE:
        return 0; /* built by ldap_talk: its base comes from the first answer */
    case P_DNS: {
        size_t q = cap > 2 ? dns_version_query(DNS_TCP_ID, (unsigned char *)out + 2, cap - 2) : 0;
        if (q == 0 || q > 0xffff)
            return 0;
        out[0] = (char)(q >> 8);
        out[1] = (char)q;
        return q + 2;
    }
    }
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* Keeps bytes as the job's evidence (replacing older ones). */
static void keep_evidence(struct job *j, enum probe p, bool tls, const unsigned char *d, size_t n)
{
    if (n == 0)
        return;
    unsigned char *copy = malloc(n);
    if (!copy) {
        j->oom = true;
        return;
    }
    memcpy(copy, d, n);
    free(j->ev);
    j->ev = copy;
    j->ev_len = n;
    j->probe = p;
    j->tls = tls;
}

/* SMTP after a banner: EHLO, to see the extensions (STARTTLS offered or not). Appends the
 * answer to buf; returns the new length. */
static size_t smtp_ehlo(const struct ctx *c, struct conn *cn, unsigned char *buf, size_t n,
                        size_t cap, double deadline, double grace)
{
    static const char ehlo[] = "EHLO riskmap.invalid\r\n";
    if (n >= cap || conn_write(c, cn, ehlo, sizeof ehlo - 1, deadline) != C_OK)
        return n;
    return conn_read(c, cn, P_BANNER, buf, cap, n, deadline, grace);
}

static bool contains(const unsigned char *d, size_t n, const char *s)
{
    size_t l = strlen(s);
    for (size_t i = 0; l <= n && i <= n - l; i++)
        if (memcmp(d + i, s, l) == 0)
            return true;
    return false;
}

/* Appends "; text" (or text) to m->info; -1 on ENOMEM. */
static int add_info(struct sig_match *m, const char *text)
{
    char info[SIGS_MAX_FIELD + 64];
    snprintf(info, sizeof info, "%s%s%s", m->info ? m->info : "", m->info ? "; " : "", text);
    char *d = strdup(info);
    if (!d)
        return -1;
    free(m->info);
    m->info = d;
    return 0;
}

/* A later answer named by sigs probe `name` (d, n): when the first match named no product,
 * its product, version and CPE are taken from this one; its info is appended either way. */
static void adopt_match(const struct ctx *c, struct job *j, struct sig_match *m,
                        const char *name, const unsigned char *d, size_t n)
{
    struct sig_match x;
    int found = n ? sigs_match(c->sigs, name, d, n, &x) : 0;
    if (found < 0)
        j->oom = true;
    if (found <= 0)
        return;
    if (!m->product && x.product) {
        m->product = x.product;
        x.product = NULL;
        free(m->version);
        m->version = x.version;
        x.version = NULL;
        free(m->cpe);
        m->cpe = x.cpe;
        x.cpe = NULL;
    }
    if (x.info && add_info(m, x.info) < 0)
        j->oom = true;
    sig_match_clear(&x);
}

/* A second, short conversation on the same port with probe p (its own deadline); its answer
 * is appended to buf after n (bounded by cap; its completeness judged on its own bytes).
 * Returns the new length; *sent tells whether the request went out. */
static size_t second_talk(const struct ctx *c, const struct job *j, enum probe p,
                          unsigned char *buf, size_t n, size_t cap, bool *sent)
{
    *sent = false;
    if (n >= cap || cancelled(c))
        return n;
    double deadline = now_ms() + c->timeout_ms;
    struct conn cn;
    if (conn_open(c, &j->addr, j->port, deadline, &cn) != C_OK)
        return n;
    char req[512];
    size_t rl = build_probe(p, j, req, sizeof req);
    if (rl && conn_write(c, &cn, req, rl, deadline) == C_OK) {
        *sent = true;
        n += conn_read(c, &cn, p, buf + n, cap - n, 0, deadline, c->timeout_ms);
    }
    conn_close(&cn);
    return n;
}

/* What an NTLM CHALLENGE says of the server's build, into info (SMB's and RDP's alike, so that
 * the patch check reads both). */
static void ntlm_info(struct job *j, struct sig_match *m, const struct ntlm_challenge *ch)
{
    char text[96];
    if (ntlm_describe(ch, text, sizeof text) && add_info(m, text) < 0)
        j->oom = true;
}

/* SMB: the NTLM CHALLENGE a server sends before any credential (a third connection: SMB2
 * NEGOTIATE, then a SESSION_SETUP starting NTLM) carries its build. Windows sends its own
 * (6.3.9600: Server 2012 R2 or Windows 8.1); Samba sends 6.1 build 0, which names nothing and
 * is not reported. The answer joins buf as evidence. */
static size_t smb_ntlm(const struct ctx *c, struct job *j, struct sig_match *m, unsigned char *buf,
                       size_t n)
{
    if (n >= c->max_bytes || cancelled(c))
        return n;
    double deadline = now_ms() + c->timeout_ms;
    struct conn cn;
    if (conn_open(c, &j->addr, j->port, deadline, &cn) != C_OK)
        return n;
    unsigned char req[512], neg[2048];
    size_t rl = smb2_negotiate_request(req, sizeof req);
    size_t before = n;
    if (rl && conn_write(c, &cn, (char *)req, rl, deadline) == C_OK &&
        conn_read(c, &cn, P_SMB, neg, sizeof neg, 0, deadline, c->timeout_ms) > 0 &&
        (rl = smb2_session_setup_request(req, sizeof req)) &&
        conn_write(c, &cn, (char *)req, rl, deadline) == C_OK)
        n += conn_read(c, &cn, P_SMB, buf + n, c->max_bytes - n, 0, deadline, c->timeout_ms);
    conn_close(&cn);
    struct ntlm_challenge ch;
    if (n > before && smb2_parse_ntlm_challenge(buf + before, n - before, &ch))
        ntlm_info(j, m, &ch);
    return n;
}

/* SMB: the dialect and signing of the SMB2 answer, then whether SMB1 is accepted (a second
 * connection offering only NT LM 0.12), then the build NTLM names. The answers stay in buf as
 * evidence. */
static size_t smb_details(const struct ctx *c, struct job *j, struct sig_match *m,
                          unsigned char *buf, size_t n)
{
    struct smb2_neg neg;
    char text[96];
    bool smb2 = smb2_parse_negotiate(buf, n, &neg);
    if (smb2) {
        snprintf(text, sizeof text, "SMB %s; signing %s", smb2_dialect_str(neg.dialect),
                 neg.security_mode & SMB2_SIGNING_REQUIRED ? "required" : "not required");
        if (add_info(m, text) < 0)
            j->oom = true;
    }
    size_t before = n;
    bool sent;
    n = second_talk(c, j, P_SMB1, buf, n, c->max_bytes, &sent);
    bool v1 = n > before && smb1_parse_negotiate(buf + before, n - before);
    /* Refused: the SMB1 NEGOTIATE went out and got no acceptance (an error, no dialect, or
     * the connection closed, as Samba and Windows do with SMB1 off). */
    if (sent && add_info(m, v1 ? "SMB1 accepted" : "SMB1 refused") < 0)
        j->oom = true;
    /* Who answered SMB1, and how, names the product (Samba's flags; its workgroup and host
     * name in the answer without extended security, which is what riskmap asks for). */
    adopt_match(c, j, m, "smb1", buf + before, n - before);
    if (smb2)
        n = smb_ntlm(c, j, m, buf, n);
    return n;
}

/* RDP with CredSSP: the NTLM CHALLENGE a server sends before any credential carries its build,
 * as over SMB. A further connection: the Connection Request for SSL|HYBRID again, TLS once the
 * server selected HYBRID, then a TSRequest carrying an NTLM NEGOTIATE. The server's TSRequest
 * (decrypted) joins buf as evidence; the Connection Confirm is already there. */
static size_t rdp_credssp(const struct ctx *c, struct job *j, struct sig_match *m,
                          unsigned char *buf, size_t n)
{
    if (n >= c->max_bytes || cancelled(c))
        return n;
    double deadline = now_ms() + c->timeout_ms;
    struct conn cn;
    if (conn_open(c, &j->addr, j->port, deadline, &cn) != C_OK)
        return n;
    char req[512];
    unsigned char cc_buf[256];
    size_t rl = build_probe(P_RDP, j, req, sizeof req), got, before = n;
    struct rdp_cc cc;
    if (rl && conn_write(c, &cn, req, rl, deadline) == C_OK &&
        (got = conn_read(c, &cn, P_RDP, cc_buf, sizeof cc_buf, 0, deadline, c->timeout_ms)) &&
        rdp_parse_cc(cc_buf, got, &cc) && cc.kind == RDP_CC_SELECTED &&
        cc.value == RDP_PROTO_HYBRID && conn_tls(c, &cn, NULL, deadline) == C_OK &&
        (rl = build_probe(P_RDP_CREDSSP, j, req, sizeof req)) &&
        conn_write(c, &cn, req, rl, deadline) == C_OK)
        n += conn_read(c, &cn, P_RDP_CREDSSP, buf + n, c->max_bytes - n, 0, deadline,
                       c->timeout_ms);
    conn_close(&cn);
    struct credssp_answer a;
    struct ntlm_challenge ch;
    if (n > before && credssp_parse(buf + before, n - before, &a)) {
        if (a.token && ntlm_find_challenge(a.token, a.token_len, &ch)) {
            ntlm_info(j, m, &ch);
        } else if (a.have_error) {
            char text[48];
            snprintf(text, sizeof text, "CredSSP error 0x%08x", (unsigned)a.error);
            if (add_info(m, text) < 0)
                j->oom = true;
        }
    }
    return n;
}

/* RDP: the security protocol the server selected for SSL|HYBRID; when it chose CredSSP, a
 * second request offering TLS alone tells whether NLA is required, and CredSSP's NTLM names
 * the build (rdp_credssp). When the Connection Confirm named no product (xrdp's is the one
 * Windows sends), a TLS ClientHello without X.224 does: each server refuses it in its own
 * way. */
static size_t rdp_details(const struct ctx *c, struct job *j, struct sig_match *m,
                          unsigned char *buf, size_t n)
{
    struct rdp_cc cc;
    char text[96];
    bool credssp = false;
    if (!rdp_parse_cc(buf, n, &cc))
        return n;
    if (cc.kind == RDP_CC_NONE) {
        snprintf(text, sizeof text, "RDP; standard RDP security only (no negotiation)");
    } else if (cc.kind == RDP_CC_FAILURE) {
        static const char *const why[] = {NULL, "TLS required", "standard RDP security only",
                                          "no TLS certificate", "inconsistent flags",
                                          "NLA required", "TLS with user authentication required"};
        if (cc.value < sizeof why / sizeof why[0] && why[cc.value])
            snprintf(text, sizeof text, "RDP; %s", why[cc.value]);
        else
            snprintf(text, sizeof text, "RDP; negotiation failure %u", (unsigned)cc.value);
    } else if (cc.value == RDP_PROTO_SSL) {
        snprintf(text, sizeof text, "RDP; TLS; NLA not required");
    } else if (cc.value == RDP_PROTO_RDP) {
        snprintf(text, sizeof text, "RDP; standard RDP security; NLA not required");
    } else if (cc.value & (RDP_PROTO_HYBRID | RDP_PROTO_HYBRID_EX)) {
        size_t before = n;
        bool sent;
        n = second_talk(c, j, P_RDP_TLS, buf, n, c->max_bytes, &sent);
        struct rdp_cc cc2;
        bool got = n > before && rdp_parse_cc(buf + before, n - before, &cc2);
        if (got && cc2.kind == RDP_CC_FAILURE && cc2.value == 5)
            snprintf(text, sizeof text, "RDP; NLA required");
        else if (got && cc2.kind == RDP_CC_SELECTED)
            snprintf(text, sizeof text, "RDP; NLA supported, not required");
        else
            snprintf(text, sizeof text, "RDP; NLA selected");
        credssp = cc.value & RDP_PROTO_HYBRID;
    } else {
        snprintf(text, sizeof text, "RDP; protocol 0x%x selected", (unsigned)cc.value);
    }
    if (add_info(m, text) < 0)
        j->oom = true;
    if (credssp)
        n = rdp_credssp(c, j, m, buf, n);
    if (!m->product) {
        size_t before = n;
        bool sent;
        n = second_talk(c, j, P_RDP_HELLO, buf, n, c->max_bytes, &sent);
        adopt_match(c, j, m, "rdp-hello", buf + before, n - before);
    }
    return n;
}

/* HTTP: the page title and a redirect's target, bounded, into info. */
static void http_details(struct job *j, struct sig_match *m, const unsigned char *buf, size_t n)
{
    char t[81], l[121], text[220];
    if (http_title(buf, n, t, sizeof t)) {
        snprintf(text, sizeof text, "title: %s", t);
        if (add_info(m, text) < 0)
            j->oom = true;
    }
    if (http_location(buf, n, l, sizeof l)) {
        snprintf(text, sizeof text, "redirect: %s", l);
        if (add_info(m, text) < 0)
            j->oom = true;
    }
}

/* Telnet: a banner that starts with IAC. Every option is refused (DONT/WONT) so that the
 * server goes on to its greeting, which is read too; buf keeps every byte seen. Returns the
 * new length; *text (*tn bytes) the greeting with the IAC sequences stripped, *iac how many. */
static size_t telnet_talk(const struct ctx *c, struct conn *cn, unsigned char *buf, size_t n,
                          double deadline, double grace, unsigned char *text, size_t *tn,
                          unsigned *iac)
{
    unsigned char reply[192];
    size_t rlen = 0;
    for (int round = 0; round < 3 && n < c->max_bytes; round++) {
        telnet_strip(buf, n, text, c->max_bytes, iac, reply, sizeof reply, &rlen);
        if (rlen == 0 || conn_write(c, cn, reply, rlen, deadline) != C_OK)
            break;
        size_t before = n;
        /* A server that says nothing more after the refusals costs at most 2 grace periods. */
        double until = now_ms() + 2 * grace;
        if (until > deadline)
            until = deadline;
        n = conn_read(c, cn, P_HTTP /* read until quiet */, buf, c->max_bytes, n, until, grace);
        if (n == before)
            break;
    }
    *tn = telnet_strip(buf, n, text, c->max_bytes, iac, NULL, 0, NULL);
    return n;
}

/* VNC: the version sent back, then the security types the server offers (read, never
 * chosen: the conversation ends before any authentication). Appends to buf. */
static size_t vnc_details(const struct ctx *c, struct job *j, struct conn *cn,
                          struct sig_match *m, unsigned char *buf, size_t n, double deadline,
                          double grace)
{
    const char *ver = rfb_client_version(buf, n);
    if (!ver || n != 12 || n >= c->max_bytes || conn_write(c, cn, ver, 12, deadline) != C_OK)
        return n;
    double until = now_ms() + 2 * grace;
    if (until > deadline)
        until = deadline;
    n = conn_read(c, cn, P_HTTP /* read until quiet */, buf, c->max_bytes, n, until, grace);
    char types[120], text[140];
    if (rfb_security_types(buf + 12, n - 12, (unsigned)(ver[10] - '0'), types, sizeof types)) {
        snprintf(text, sizeof text, "security: %s", types);
        if (add_info(m, text) < 0)
            j->oom = true;
    }
    return n;
}

/* One more request on the same connection; its answer is appended to buf after n (its
 * completeness judged on its own bytes). Returns the new length. */
static size_t ask(const struct ctx *c, struct conn *cn, enum probe p, const unsigned char *req,
                  size_t rl, unsigned char *buf, size_t n, double deadline, double grace)
{
    if (rl == 0 || n >= c->max_bytes || conn_write(c, cn, req, rl, deadline) != C_OK)
        return n;
    return n + conn_read(c, cn, p, buf + n, c->max_bytes - n, 0, deadline, grace);
}

/* MongoDB: after the isMaster answer (buf[0, n)), buildInfo for the version and
 * listDatabases, whose refusal for want of authentication (or answer) says whether the
 * server lets anyone in. OP_MSG for wire version 6 (3.6) and up, which 6.0 and later
 * require; OP_QUERY below. Read-only commands: nothing changes on the server. */
static size_t mongo_talk(const struct ctx *c, struct conn *cn, unsigned char *buf, size_t n,
                         double deadline, double grace, char *text, size_t cap, size_t *tl)
{
    struct mongo_info mi;
    *tl = 0;
    if (!mongo_parse(buf, n, NULL, 0, NULL, 0, &mi))
        return n;
    bool op_msg = mi.max_wire >= 6;
    unsigned char req[128];
    size_t hn = n;
    n = ask(c, cn, P_MONGO, req, mongo_command_request(2, "buildInfo", op_msg, req, sizeof req),
            buf, n, deadline, grace);
    size_t bn = n - hn;
    n = ask(c, cn, P_MONGO, req,
            mongo_command_request(3, "listDatabases", op_msg, req, sizeof req), buf, n,
            deadline, grace);
    size_t dn = n - hn - bn;
    mongo_parse(buf, hn, buf + hn, bn, buf + hn + bn, dn, &mi);
    *tl = mongo_describe(&mi, text, cap);
    return n;
}

/* LDAP: the root DSE answer is in buf[0, n); when it names a naming context, a base search of
 * that entry (no attributes) tells whether anonymous clients can read the directory. */
static size_t ldap_talk(const struct ctx *c, struct conn *cn, unsigned char *buf, size_t n,
                        double deadline, double grace, char *text, size_t cap, size_t *tl)
{
    struct ldap_search root, base;
    *tl = 0;
    if (!ldap_parse_search(buf, n, 1, &root))
        return n;
    bool asked = false;
    if (root.done && root.n_naming > 0) {
        unsigned char req[400];
        size_t before = n;
        n = ask(c, cn, P_LDAP_BASE, req, ldap_search_request(2, root.naming[0], req, sizeof req),
                buf, n, deadline, grace);
        asked = n > before && ldap_parse_search(buf + before, n - before, 2, &base);
    }
    *tl = ldap_describe(&root, asked ? &base : NULL, text, cap);
    return n;
}

/* The binary protocols whose answers are parsed, then described as "key: value" text that the
 * signature table matches (see the top of service-signatures.txt). Returns the new length of
 * buf; *tl the length of the text (0: not that protocol). */
static size_t decode_talk(const struct ctx *c, struct conn *cn, enum probe p, unsigned char *buf,
                          size_t n, double deadline, double grace, char *text, size_t cap,
                          size_t *tl)
{
    *tl = 0;
    if (p == P_MSSQL) {
        struct mssql_prelogin pl;
        if (mssql_parse_prelogin(buf, n, &pl))
            *tl = mssql_describe(&pl, text, cap);
        return n;
    }
    if (p == P_MONGO)
        return mongo_talk(c, cn, buf, n, deadline, grace, text, cap, tl);
    if (p == P_LDAP)
        return ldap_talk(c, cn, buf, n, deadline, grace, text, cap, tl);
    if (p == P_DNS) {
        struct dns_reply r;
        if (n >= 2 && dns_parse_reply(buf + 2, n - 2, DNS_TCP_ID, &r) == 1)
            *tl = dns_describe(&r, text, cap);
        return n;
    }
    return n;
}

/* One conversation. Returns C_OK (done with it, matched or not), C_REFUSED, C_SILENT (the
 * probe went out and nothing came back, not even a close), or C_FAIL. */
static int run_step(const struct ctx *c, struct job *j, const struct step *st, bool known_port,
                    bool speaks_first, unsigned char *buf)
{
    double start = now_ms();
    /* A port whose server speaks first may greet late on purpose (sendmail's greet_pause):
     * its banner gets a longer wait, which costs only this worker's time. */
    bool slow_ok = st->probe == P_BANNER && speaks_first;
    double deadline = start + c->timeout_ms * (slow_ok ? DETECT_BANNER_WAIT_FACTOR : 1.0);
    double grace = c->timeout_ms / 10;
    if (grace < 50)
        grace = 50;
    if (grace > 500)
        grace = 500;
    struct conn cn;
    const char *pname = probe_names[st->probe];
    const char *over = st->tls ? " over TLS" : "";
    int rc = conn_open(c, &j->addr, j->port, deadline, &cn);
    if (rc != C_OK) {
        if (rc == C_REFUSED)
            set_outcome(j, O_REFUSED, "connection refused (the port closed after the port scan)");
        else
            set_outcome(j, O_NOCONN, "no connection within %.0f ms", c->timeout_ms);
        return rc;
    }
    if (st->tls) {
        if (conn_tls(c, &cn, j->sni, deadline) != C_OK) {
            set_outcome(j, O_TLS, "TLS handshake failed or did not finish within %.0f ms",
                        c->timeout_ms);
            conn_close(&cn);
            return C_FAIL;
        }
        snprintf(j->tls_version, sizeof j->tls_version, "%s", SSL_get_version(cn.ssl));
    }
    char req[512];
    size_t rl = build_probe(st->probe, j, req, sizeof req);
    if (rl && conn_write(c, &cn, req, rl, deadline) != C_OK) {
        set_outcome(j, O_RESET, "connection closed or reset while sending the %s probe%s", pname,
                    over);
        conn_close(&cn);
        return C_FAIL;
    }
    double read_deadline = deadline;
    /* A port not known to speak first gets half the time to say something unasked. */
    if (st->probe == P_BANNER && !known_port)
        read_deadline = start + c->timeout_ms / 2;
    size_t n = conn_read(c, &cn, st->probe, buf, c->max_bytes, 0, read_deadline, grace);
    if (slow_ok && n > 0 && deadline - now_ms() < c->timeout_ms / 2)
        deadline = now_ms() + c->timeout_ms / 2; /* a late greeting still gets its EHLO */
    if (n == 0) {
        if (cancelled(c))
            set_outcome(j, O_REFUSED, "interrupted");
        else if (cn.reset)
            set_outcome(j, O_RESET, "connection reset before any answer to the %s probe%s", pname,
                        over);
        else if (cn.eof)
            set_outcome(j, O_CLOSED, "connection closed without an answer to the %s probe%s",
                        pname, over);
        else
            set_outcome(j, O_SILENT, "no answer to the %s probe%s within %.0f ms", pname, over,
                        read_deadline - start);
        bool silent = !cancelled(c) && !cn.reset && !cn.eof;
        conn_close(&cn);
        return silent ? C_SILENT : C_FAIL;
    }
    struct sig_match m;
    int found = 0;
    unsigned iac = 0;
    /* Telnet only when the first bytes are a negotiation (IAC WILL/WONT/DO/DONT): a server
     * sending random bytes starts with 0xff one time in 256, and was taken for telnet then. */
    if (st->probe == P_BANNER && n >= 2 && buf[0] == 0xff && buf[1] >= 0xfb && buf[1] <= 0xfe) {
        unsigned char *text = malloc(c->max_bytes);
        if (!text) {
            j->oom = true;
            conn_close(&cn);
            return C_FAIL;
        }
        size_t tn = 0;
        n = telnet_talk(c, &cn, buf, n, deadline, grace, text, &tn, &iac);
        found = tn ? sigs_match(c->sigs, "telnet", text, tn, &m) : 0;
        free(text);
    }
    if (st->probe == P_MSSQL || st->probe == P_MONGO || st->probe == P_LDAP || st->probe == P_DNS) {
        char text[1024];
        size_t tl = 0;
        n = decode_talk(c, &cn, st->probe, buf, n, deadline, grace, text, sizeof text, &tl);
        found = tl ? sigs_match(c->sigs, pname, (const unsigned char *)text, tl, &m) : 0;
    }
    if (found == 0)
        found = sigs_match(c->sigs, pname, buf, n, &m);
    if (found < 0) {
        j->oom = true;
        conn_close(&cn);
        return C_FAIL;
    }
    if (found > 0 && st->probe == P_BANNER && strcmp(m.service, "vnc") == 0)
        n = vnc_details(c, j, &cn, &m, buf, n, deadline, grace);
    if (found && st->probe == P_BANNER && strcmp(m.service, "smtp") == 0) {
        n = smtp_ehlo(c, &cn, buf, n, c->max_bytes, deadline, grace);
        if (contains(buf, n, "\n250-STARTTLS") || contains(buf, n, "\n250 STARTTLS")) {
            char info[SIGS_MAX_FIELD];
            snprintf(info, sizeof info, "%s%sSTARTTLS offered", m.info ? m.info : "",
                     m.info ? "; " : "");
            free(m.info);
            if (!(m.info = strdup(info)))
                j->oom = true;
        }
    }
    conn_close(&cn);
    if (found > 0) {
        if (iac && strcmp(m.service, "telnet") == 0 && add_info(&m, "IAC negotiation seen") < 0)
            j->oom = true;
        if (st->probe == P_SMB && strcmp(m.service, "microsoft-ds") == 0)
            n = smb_details(c, j, &m, buf, n);
        else if (st->probe == P_RDP && strcmp(m.service, "ms-wbt-server") == 0)
            n = rdp_details(c, j, &m, buf, n);
        else if ((st->probe == P_HTTP || st->probe == P_HTTP_BARE) && strcmp(m.service, "http") == 0)
            http_details(j, &m, buf, n);
    }
    if (found) {
        sig_match_clear(&j->m);
        j->m = m;
        j->matched = true;
        keep_evidence(j, st->probe, st->tls, buf, n);
    } else {
        if (!j->ev)
            keep_evidence(j, st->probe, st->tls, buf, n);
        set_outcome(j, O_BYTES, "%zu byte(s)%s in answer to the %s probe%s match no signature%s",
                    n, n >= c->max_bytes ? " (the bound; more was sent)" : "", pname, over,
                    cn.reset ? "; then the connection was reset" : "");
    }
    return C_OK;
}

static void run_job(const struct ctx *c, struct job *j, unsigned char *buf)
{
    const struct plan *pl = plan_for(j->port);
    bool known = pl != &plan_unknown;
    bool speaks_first = pl == &plan_banner || pl == &plan_tls_banner;
    for (unsigned i = 0; i < pl->n && !j->matched && !j->oom && !cancelled(c); i++) {
        int rc = run_step(c, j, &pl->steps[i], known, speaks_first, buf);
        if (rc == C_REFUSED)
            break; /* the port closed since the port scan: nothing more to learn */
        /* Silent to its banner wait and to a plain GET for a whole timeout: a TLS server
         * answers plain text at once (an alert, a close), and a text protocol that ignores
         * a request line ignores empty lines too. The rest of the plan would only wait. */
        if (rc == C_SILENT && pl->steps[i].probe == P_HTTP_BARE)
            break;
    }
    /* Named by another probe's answer on an unusual port: ask it in its own protocol too, for
     * the version and for what the checks read (Redis INFO tells whether it needs a password).
     * A match replaces the first; no match keeps it. */
    static const struct step redis_step = {P_REDIS, false}, memcached_step = {P_MEMCACHED, false};
    if (j->matched && !j->oom && !cancelled(c) && j->probe != P_REDIS && j->probe != P_MEMCACHED) {
        if (strcmp(j->m.service, "redis") == 0)
            run_step(c, j, &redis_step, true, false, buf);
        else if (strcmp(j->m.service, "memcached") == 0)
            run_step(c, j, &memcached_step, true, false, buf);
    }
}

struct pool {
    const struct ctx *c;
    struct job *jobs;
    size_t n;
    atomic_size_t next;
};

static void *worker(void *arg)
{
    struct pool *p = arg;
    /* OpenSSL writes with write(2): a peer that resets must not kill the scanner. SIGPIPE is
     * synchronous, so blocking it in this thread is enough. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    unsigned char *buf = malloc(p->c->max_bytes);
    if (!buf)
        return (void *)1;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n || cancelled(p->c))
            break;
        run_job(p->c, &p->jobs[i], buf);
    }
    free(buf);
    return NULL;
}

/* ---- applying results -------------------------------------------------------------------- */

static const char *tls_name(const char *name, char *buf, size_t len)
{
    static const char *const pairs[][2] = {
        {"http", "https"}, {"imap", "imaps"}, {"pop3", "pop3s"}, {"smtp", "smtps"},
        {"ftp", "ftps"},   {"ldap", "ldaps"}, {"nntp", "nntps"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(name, pairs[i][0]) == 0)
            return pairs[i][1];
    snprintf(buf, len, "ssl/%s", name);
    return buf;
}

static bool printable(const unsigned char *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((d[i] < 0x20 && d[i] != '\r' && d[i] != '\n' && d[i] != '\t') || d[i] == 0x7f)
            return false;
    return true;
}

static int apply(struct scan_result *r, struct job *j)
{
    struct service *s = &r->hosts[j->host].services[j->svc];
    char addr[RM_ADDRSTRLEN], desc[160], namebuf[48], method[32], info[SIGS_MAX_FIELD + 32];
    if (j->ev) {
        addr_str(&j->addr, addr, sizeof addr);
        if (j->probe == P_BANNER)
            snprintf(desc, sizeof desc, "service detection: banner of %s port %u%s%s", addr,
                     (unsigned)j->port, j->tls ? " over " : "", j->tls ? j->tls_version : "");
        else
            snprintf(desc, sizeof desc, "service detection: answer of %s port %u to probe %s%s%s",
                     addr, (unsigned)j->port, probe_names[j->probe], j->tls ? " over " : "",
                     j->tls ? j->tls_version : "");
        struct evidence *ev = scan_add_evidence(
            r, printable(j->ev, j->ev_len) ? "text/plain" : "application/octet-stream", desc,
            j->ev, j->ev_len);
        if (!ev || service_set(&s->evidence_id, ev->id) < 0)
            return -1;
    }
    if (!j->matched) {
        if (s->name && !s->method && service_set(&s->method, "port") < 0)
            return -1;
        if (j->outcome[0] && service_set(&s->detect_note, j->outcome) < 0)
            return -1;
        return 0;
    }
    const char *name = j->m.service;
    if (j->tls)
        name = tls_name(name, namebuf, sizeof namebuf);
    if (j->probe == P_BANNER)
        snprintf(method, sizeof method, "banner");
    else
        snprintf(method, sizeof method, "probe:%s", probe_names[j->probe]);
    const char *inf = j->m.info;
    if (j->tls) {
        snprintf(info, sizeof info, "%s%s%s", j->m.info ? j->m.info : "", j->m.info ? "; " : "",
                 j->tls_version);
        inf = info;
    }
    if (service_set(&s->name, name) < 0 || service_set(&s->method, method) < 0 ||
        service_set(&s->product, j->m.product) < 0 ||
        service_set(&s->version, j->m.version) < 0 || service_set(&s->info, inf) < 0 ||
        service_set(&s->cpe, j->m.cpe) < 0)
        return -1;
    return 0;
}

int detect_services(struct scan_result *r, const struct detect_opts *o, struct rm_err *e)
{
    struct ctx c = {
        .timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : DETECT_DEF_TIMEOUT_MS,
        .max_bytes = o && o->max_bytes ? o->max_bytes : DETECT_DEF_MAX_BYTES,
        .cancel = o ? o->cancel : NULL,
    };
    if (c.max_bytes > DETECT_MAX_BYTES)
        c.max_bytes = DETECT_MAX_BYTES;
    unsigned conc = o && o->max_concurrency ? o->max_concurrency : DETECT_DEF_CONCURRENCY;
    if (conc > DETECT_MAX_CONCURRENCY)
        conc = DETECT_MAX_CONCURRENCY;

    size_t n = 0;
    for (size_t h = 0; h < r->n_hosts; h++)
        for (size_t k = 0; k < r->hosts[h].n_services; k++)
            n += r->hosts[h].services[k].state == PORT_OPEN &&
                 r->hosts[h].services[k].proto == SVC_TCP;
    if (n == 0)
        return 0;

    struct sig_table *sigs = NULL;
    if (sigs_load_builtin(&sigs, e) < 0)
        return -1;
    c.sigs = sigs;
    int rc = -1;
    struct job *jobs = calloc(n, sizeof *jobs);
    pthread_t *tids = NULL;
    if (!jobs) {
        rm_errf(e, "service detection: out of memory");
        goto out;
    }
    size_t i = 0;
    for (size_t h = 0; h < r->n_hosts; h++)
        for (size_t k = 0; k < r->hosts[h].n_services; k++) {
            if (r->hosts[h].services[k].state != PORT_OPEN ||
                r->hosts[h].services[k].proto != SVC_TCP)
                continue; /* UDP services are identified by their own stage (udpprobe.h) */
            jobs[i] = (struct job){.host = h, .svc = k, .addr = r->hosts[h].addr,
                                   .port = r->hosts[h].services[k].port,
                                   .sni = r->hosts[h].hostname};
            i++;
        }

    c.ssl = SSL_CTX_new(TLS_client_method());
    if (!c.ssl) {
        ERR_clear_error();
        rm_errf(e, "service detection: cannot create a TLS context");
        goto out;
    }
    /* Identification, not trust: talk to anything, old protocols and weak keys included. */
    SSL_CTX_set_verify(c.ssl, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_security_level(c.ssl, 0);
    SSL_CTX_set_min_proto_version(c.ssl, TLS1_VERSION);
    SSL_CTX_set_options(c.ssl, SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_IGNORE_UNEXPECTED_EOF);

    struct pool p = {.c = &c, .jobs = jobs, .n = n};
    atomic_init(&p.next, 0);
    size_t nt = n < conc ? n : conc;
    tids = calloc(nt, sizeof *tids);
    if (!tids) {
        rm_errf(e, "service detection: out of memory");
        goto out;
    }
    size_t started = 0;
    for (; started < nt; started++)
        if (pthread_create(&tids[started], NULL, worker, &p) != 0)
            break;
    if (started == 0) {
        rm_errf(e, "service detection: cannot start a worker thread");
        goto out;
    }
    bool oom = false;
    for (size_t t = 0; t < started; t++) {
        void *ret = NULL;
        pthread_join(tids[t], &ret);
        oom |= ret != NULL;
    }
    for (size_t t = 0; t < n; t++)
        oom |= jobs[t].oom || apply(r, &jobs[t]) < 0;
    if (oom) {
        rm_errf(e, "service detection: out of memory");
        goto out;
    }
    rc = 0;
out:
    if (jobs)
        for (size_t t = 0; t < n; t++) {
            sig_match_clear(&jobs[t].m);
            free(jobs[t].ev);
        }
    free(jobs);
    free(tids);
    SSL_CTX_free(c.ssl);
    sigs_free(sigs);
    return rc;
}
