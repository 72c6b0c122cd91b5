/* Probe conversations (tls_conn.h). Every socket is non-blocking and every wait is a poll()
 * bounded by a deadline, in slices of at most 100 ms so that cancellation is seen. */
#include "checks/tls_conn.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_CAP (TLS_MAX_HS + 32768u) /* the handshake bound plus record headers and alerts */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static bool cancelled(const struct tls_net *net)
{
    return net->cancel && atomic_load(net->cancel);
}

/* 1 ready, 0 deadline or cancelled, -1 error. */
static int wait_fd(const struct tls_net *net, int fd, short ev, double deadline)
{
    for (;;) {
        if (cancelled(net))
            return 0;
        double left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = ev};
        int r = poll(&p, 1, left > 100 ? 100 : (int)left + 1);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

static void pause_ms(const struct tls_net *net, double ms)
{
    double until = now_ms() + ms;
    while (!cancelled(net) && now_ms() < until) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Sockets open at once, and the most ever, for the politeness report. */
static void track_open(const struct tls_net *net)
{
    if (!net->in_flight)
        return;
    unsigned now = atomic_fetch_add(net->in_flight, 1) + 1;
    unsigned most = atomic_load(net->max_in_flight);
    while (now > most && !atomic_compare_exchange_weak(net->max_in_flight, &most, now))
        ;
}

static void close_sock(const struct tls_net *net, int fd)
{
    close(fd);
    if (net->in_flight)
        atomic_fetch_sub(net->in_flight, 1);
}

/* A connected socket, or -1 with *why set to TX_REFUSED, TX_TIMEOUT or TX_ERROR. */
static int connect_once(const struct tls_endpoint *ep, const struct tls_net *net,
                        enum tls_xres *why)
{
    struct sockaddr_storage ss;
    socklen_t sl = addr_sockaddr(&ep->addr, ep->port, &ss);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *why = TX_ERROR;
        return -1;
    }
    if (net->connections)
        atomic_fetch_add(net->connections, 1);
    track_open(net);
    if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
        return fd;
    int err = errno;
    if (err == EINPROGRESS) {
        int w = wait_fd(net, fd, POLLOUT, now_ms() + net->connect_ms);
        if (w != 1) {
            close_sock(net, fd);
            *why = w == 0 && !cancelled(net) ? TX_TIMEOUT : TX_ERROR;
            return -1;
        }
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
            err = EIO;
        if (err == 0)
            return fd;
    }
    close_sock(net, fd);
    *why = err == ECONNREFUSED || err == ECONNRESET ? TX_REFUSED
           : err == ETIMEDOUT || err == EHOSTUNREACH ? TX_TIMEOUT : TX_ERROR;
    return -1;
}

/* Connects, repeating after a refusal or a timeout with a doubling pause: a server that
 * refuses under load (a connection limit, a SYN backlog) gets room to breathe. */
static int connect_polite(const struct tls_endpoint *ep, const struct tls_net *net,
                          enum tls_xres *why)
{
    double backoff = 250;
    for (unsigned attempt = 0;; attempt++) {
        int fd = connect_once(ep, net, why);
        if (fd >= 0 || *why == TX_ERROR || attempt >= net->retries || cancelled(net))
            return fd;
        pause_ms(net, backoff);
        backoff *= 2;
    }
}

static bool send_all(const struct tls_net *net, int fd, const uint8_t *d, size_t n, double deadline)
{
    while (n) {
        ssize_t w = send(fd, d, n, MSG_NOSIGNAL);
        if (w > 0) {
            d += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        if (wait_fd(net, fd, POLLOUT, deadline) != 1)
            return false;
    }
    return true;
}

/* Sends hello and reads the answer into f; with after (n_after bytes), sends those once the
 * server's flight is done and reads up to cap_reply bytes of what follows into reply. */
static enum tls_xres converse(const struct tls_endpoint *ep, const struct tls_net *net,
                              const uint8_t *hello, size_t n, struct tls_flight *f,
                              const uint8_t *after, size_t n_after, uint8_t *reply,
                              size_t cap_reply, size_t *n_reply)
{
    tls_parse_flight(NULL, 0, f);
    enum tls_xres why = TX_ERROR;
    double began = now_ms();
    int fd = connect_polite(ep, net, &why);
    if (fd < 0)
        return why;
    /* On the stack, not malloc: a heap block this size per connection, freed from many
     * threads, made glibc trim its arenas (madvise, a TLB shootdown on every core) once per
     * connection. */
    uint8_t buf[READ_CAP];
    double deadline = now_ms() + net->read_ms;
    size_t got = 0;
    int pr = 0;
    bool waited_out = false;
    if (tls_starttls_preamble(fd, ep->starttls, deadline, net->cancel) < 0) {
        close_sock(net, fd);
        return cancelled(net) ? TX_ERROR : TX_NO_STARTTLS;
    }
    if (send_all(net, fd, hello, n, deadline)) {
        while (got < READ_CAP && pr == 0) {
            ssize_t r = recv(fd, buf + got, READ_CAP - got, 0);
            if (r > 0) {
                got += (size_t)r;
                pr = tls_parse_flight(buf, got, f);
                continue;
            }
            if (r == 0 || (errno != EAGAIN && errno != EINTR))
                break; /* closed or reset: what arrived is the answer */
            if (wait_fd(net, fd, POLLIN, deadline) != 1) {
                waited_out = true;
                break;
            }
        }
    } else {
        waited_out = true;
    }
    if (net->answered && !waited_out && f->answer != TLS_A_NONE)
        net->answered(net->answered_ctx, now_ms() - began);
    uint8_t late[64];
    if (after && n_after <= sizeof late) {
        /* A record sent after the server's flight carries the version the server chose. */
        memcpy(late, after, n_after);
        late[1] = (uint8_t)(f->version >> 8);
        late[2] = (uint8_t)f->version;
    }
    if (after && n_after <= sizeof late && pr == 1 && f->answer == TLS_A_HELLO &&
        send_all(net, fd, late, n_after, deadline)) {
        /* A server that drops the record says nothing: do not wait the whole deadline. */
        double quiet = now_ms() + (net->read_ms < 1500 ? net->read_ms : 1500);
        if (quiet < deadline)
            deadline = quiet;
        while (*n_reply < cap_reply) {
            ssize_t r = recv(fd, reply + *n_reply, cap_reply - *n_reply, 0);
            if (r > 0) {
                *n_reply += (size_t)r;
                continue;
            }
            if (r == 0 || (errno != EAGAIN && errno != EINTR))
                break;
            if (wait_fd(net, fd, POLLIN, deadline) != 1)
                break;
        }
    }
    close_sock(net, fd);
    if (cancelled(net))
        return TX_ERROR;
    return f->answer == TLS_A_NONE ? TX_SILENT : TX_ANSWER;
}

enum tls_xres tls_exchange(const struct tls_endpoint *ep, const struct tls_net *net,
                           const uint8_t *hello, size_t n, struct tls_flight *f)
{
    return converse(ep, net, hello, n, f, NULL, 0, NULL, 0, NULL);
}

enum tls_xres tls_heartbleed_probe(const struct tls_endpoint *ep, const struct tls_net *net,
                                   const uint8_t *hello, size_t n, struct tls_flight *f,
                                   bool *vulnerable)
{
    *vulnerable = false;
    /* Record: heartbeat (24), the version the server chose, 3 + 16 + 16 bytes. Message:
     * heartbeat_request (1), payload_length 64, 16 payload bytes, 16 padding bytes. */
    uint8_t hb[5 + 35] = {24, 3, 1, 0, 35, 1, 0, 64};
    memset(hb + 8, 'r', 16);
    memset(hb + 24, 0, 16);
    uint8_t reply[512];
    size_t got = 0;
    enum tls_xres x = converse(ep, net, hello, n, f, hb, sizeof hb, reply, sizeof reply, &got);
    /* A heartbeat_response (type 2) longer than what was sent means memory came back. */
    for (size_t at = 0; at + 5 <= got;) {
        size_t len = (size_t)reply[at + 3] << 8 | reply[at + 4];
        if (reply[at] == 24 && len > 35 && at + 6 <= got && reply[at + 5] == 2)
            *vulnerable = true;
        at += 5 + len;
    }
    return x;
}

void tls_parse_http_head(const char *d, size_t n, struct tls_http *h)
{
    memset(h, 0, sizeof *h);
    if (n < 12 || strncmp(d, "HTTP/1.", 7) != 0 || d[8] != ' ')
        return;
    int st = 0;
    for (size_t i = 9; i < 12; i++) {
        if (d[i] < '0' || d[i] > '9')
            return;
        st = st * 10 + (d[i] - '0');
    }
    h->answered = true;
    h->status = st;
    static const char name[] = "strict-transport-security:";
    for (size_t at = 0; at < n;) {
        const char *nl = memchr(d + at, '\n', n - at);
        size_t len = nl ? (size_t)(nl - (d + at)) : n - at;
        if (len == 0 || (len == 1 && d[at] == '\r'))
            break; /* end of the head */
        if (len > sizeof name - 1 && strncasecmp(d + at, name, sizeof name - 1) == 0 && !h->hsts) {
            const char *v = d + at + sizeof name - 1;
            size_t vl = len - (sizeof name - 1);
            while (vl && (*v == ' ' || *v == '\t')) {
                v++;
                vl--;
            }
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                vl--;
            size_t k = 0;
            for (size_t i = 0; i < vl && k + 1 < sizeof h->hsts_value; i++)
                h->hsts_value[k++] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
            h->hsts_value[k] = '\0';
            h->hsts = true;
        }
        at += len + 1;
    }
}

/* Waits for what OpenSSL asked for; false on deadline, cancel or a fatal error. */
static bool ossl_wait(const struct tls_net *net, SSL *ssl, int fd, int r, double deadline)
{
    int err = SSL_get_error(ssl, r);
    short ev = err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    return ev && wait_fd(net, fd, ev, deadline) == 1;
}

static int http_get(const struct tls_endpoint *ep, const struct tls_net *net, SSL *ssl, int fd,
                    double deadline, struct tls_http *http)
{
    char req[512], host[RM_ADDRSTRLEN + 2];
    if (ep->sni) {
        snprintf(host, sizeof host, "%s", ep->sni);
    } else {
        char a[RM_ADDRSTRLEN];
        addr_str(&ep->addr, a, sizeof a);
        snprintf(host, sizeof host, ep->addr.family == AF_INET6 ? "[%s]" : "%s", a);
    }
    int n = snprintf(req, sizeof req,
                     "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: riskmap\r\nAccept: */*\r\n"
                     "Connection: close\r\n\r\n", host);
    if (n <= 0 || (size_t)n >= sizeof req)
        return -1;
    for (;;) {
        int w = SSL_write(ssl, req, n);
        if (w == n)
            break;
        if (w > 0 || !ossl_wait(net, ssl, fd, w, deadline))
            return -1;
    }
    char head[16384 + 1];
    size_t got = 0;
    while (got < sizeof head - 1) {
        int r = SSL_read(ssl, head + got, (int)(sizeof head - 1 - got));
        if (r > 0) {
            got += (size_t)r;
            head[got] = '\0';
            if (strstr(head, "\r\n\r\n") || strstr(head, "\n\n"))
                break;
            continue;
        }
        if (!ossl_wait(net, ssl, fd, r, deadline))
            break;
    }
    tls_parse_http_head(head, got, http);
    return http->answered ? 0 : -1;
}

int tls_openssl_visit(const struct tls_endpoint *ep, const struct tls_net *net,
                      STACK_OF(X509) **chain, uint16_t *version, unsigned char **ocsp,
                      size_t *ocsp_len, struct tls_http *http)
{
    if (chain)
        *chain = NULL;
    if (ocsp) {
        *ocsp = NULL;
        *ocsp_len = 0;
    }
    if (http)
        memset(http, 0, sizeof *http);
    enum tls_xres why;
    int fd = connect_polite(ep, net, &why);
    if (fd < 0)
        return -1;
    int rc = -1;
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    double deadline = now_ms() + net->read_ms;
    if (tls_starttls_preamble(fd, ep->starttls, deadline, net->cancel) < 0)
        goto out;
    if (!(ctx = SSL_CTX_new(TLS_client_method())))
        goto out;
    /* Reading what is served, not trusting it: every version and key size OpenSSL has. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (!(ssl = SSL_new(ctx)) || SSL_set_fd(ssl, fd) != 1)
        goto out;
    if (ep->sni)
        SSL_set_tlsext_host_name(ssl, ep->sni);
    if (chain && ocsp)
        SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
    for (;;) {
        int r = SSL_connect(ssl);
        if (r == 1)
            break;
        if (!ossl_wait(net, ssl, fd, r, deadline))
            goto out;
    }
    if (chain) {
        STACK_OF(X509) *peer = SSL_get_peer_cert_chain(ssl);
        if (!peer || sk_X509_num(peer) == 0)
            goto out;
        STACK_OF(X509) *copy = sk_X509_new_null();
        for (int i = 0; copy && i < sk_X509_num(peer); i++) {
            X509 *x = sk_X509_value(peer, i);
            if (X509_up_ref(x) != 1)
                x = NULL;
            if (!x || !sk_X509_push(copy, x)) {
                X509_free(x);
                sk_X509_pop_free(copy, X509_free);
                copy = NULL;
            }
        }
        if (!copy)
            goto out;
        *chain = copy;
        *version = (uint16_t)SSL_version(ssl);
        const unsigned char *staple = NULL;
        long sl = ocsp ? SSL_get_tlsext_status_ocsp_resp(ssl, &staple) : -1;
        if (sl > 0 && staple && (*ocsp = malloc((size_t)sl))) {
            memcpy(*ocsp, staple, (size_t)sl);
            *ocsp_len = (size_t)sl;
        }
    }
    rc = http ? http_get(ep, net, ssl, fd, deadline, http) : 0;
    if (rc < 0 && chain) {
        rc = 0; /* the chain stands even when the HTTP part failed */
    }
out:
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close_sock(net, fd);
    return rc;
}
