/* A TCP relay that adds network latency, for bench/tls.sh: a stand-in for `tc qdisc netem`,
 * which this machine's kernel does not have. Not part of riskmap.
 *
 *   delay_proxy -d MS [-t SECONDS] [-m CONNS] LISTEN_IP:PORT=BACKEND_IP:PORT...
 *
 * Every chunk read on either side is written to the other side MS milliseconds later (one
 * way; a round trip costs 2 x MS), in order. The kernel completes the client's TCP handshake
 * before the relay sees the connection, so connect() returns at once; to charge the round trip
 * a real connect() costs, nothing the client sends is passed on before 2 x MS after the accept.
 * The relay connects to the backend 3 x MS after the accept, when the client's first bytes
 * are due there: over a real network the server accepts when the client's ACK arrives, with
 * its first bytes, and a server that serves one connection at a time (openssl s_server) is
 * not kept waiting for them longer than it would be. An end of stream (or a reset) is passed
 * on, delayed like data, as a shutdown of the other side; a connection ends when both
 * directions have ended.
 *
 * One process, one thread, poll(). Bounded: at most CONNS connections at once (default 512;
 * no accept beyond), at most SECONDS of life (default 900), at most HOLD bytes queued per
 * direction (reading stops until they are written), IPv4 loopback addresses only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_LISTEN 128
#define CHUNK 16384
#define HOLD (256 * 1024)

struct chunk {
    struct chunk *next;
    double due;   /* CLOCK_MONOTONIC ms */
    size_t len, off;
    bool eof;     /* no data: the sender ended its stream */
    unsigned char data[];
};

/* One direction: read from src, queued, written to dst. */
struct dir {
    int src, dst;
    struct chunk *head, *tail;
    size_t queued;
    bool read_done;  /* the end of stream is queued */
    bool done;       /* the end of stream is passed on */
};

struct conn {
    struct conn *next;
    int cfd, bfd;     /* bfd -1 until the backend connect is due */
    int backend;      /* which one */
    double connect_at; /* when the backend connect is due */
    bool connecting;  /* the backend connect is not done */
    double hold_until; /* client data waits for the emulated TCP handshake */
    struct dir up, down; /* client -> backend, backend -> client */
};

static double delay_ms;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int parse_addr(const char *s, struct sockaddr_in *a)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (*end || port < 1 || port > 65535 || inet_pton(AF_INET, host, &a->sin_addr) != 1)
        return -1;
    /* The bench network is loopback: refuse to relay anywhere else. */
    if ((ntohl(a->sin_addr.s_addr) >> 24) != 127)
        return -1;
    return 0;
}

static void push(struct dir *d, struct chunk *c)
{
    /* In order: a chunk is never due before the one queued ahead of it. */
    if (d->tail && c->due < d->tail->due)
        c->due = d->tail->due;
    c->next = NULL;
    if (d->tail)
        d->tail->next = c;
    else
        d->head = c;
    d->tail = c;
    d->queued += c->len;
}

/* Reads what src has into the queue. */
static void dir_read(struct dir *d, double hold_until)
{
    struct chunk *c = malloc(sizeof *c + CHUNK);
    if (!c)
        return;
    ssize_t r = recv(d->src, c->data, CHUNK, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
        free(c);
        return;
    }
    double t = now_ms();
    if (t < hold_until)
        t = hold_until;
    c->due = t + delay_ms;
    c->off = 0;
    c->eof = r <= 0;
    c->len = r > 0 ? (size_t)r : 0;
    if (c->eof)
        d->read_done = true;
    push(d, c);
}

/* Writes the chunks that are due; returns the earliest due time still queued, or -1. */
static double dir_write(struct dir *d, double t)
{
    while (d->head && d->head->due <= t) {
        struct chunk *c = d->head;
        if (c->eof) {
            shutdown(d->dst, SHUT_WR);
            d->done = true;
        } else {
            ssize_t w = send(d->dst, c->data + c->off, c->len - c->off, MSG_NOSIGNAL);
            if (w < 0 && (errno == EAGAIN || errno == EINTR))
                return -1; /* wait for POLLOUT */
            if (w < 0) {
                /* The receiver is gone: drop the rest, end this direction. */
                while (d->head) {
                    struct chunk *n = d->head->next;
                    free(d->head);
                    d->head = n;
                }
                d->tail = NULL;
                d->queued = 0;
                d->read_done = d->done = true;
                return -1;
            }
            c->off += (size_t)w;
            d->queued -= (size_t)w;
            if (c->off < c->len)
                return -1;
        }
        d->head = c->next;
        if (!d->head)
            d->tail = NULL;
        free(c);
    }
    return d->head ? d->head->due : -1;
}

static void conn_free(struct conn *c)
{
    struct dir *ds[2] = {&c->up, &c->down};
    for (int i = 0; i < 2; i++)
        while (ds[i]->head) {
            struct chunk *n = ds[i]->head->next;
            free(ds[i]->head);
            ds[i]->head = n;
        }
    close(c->cfd);
    if (c->bfd >= 0)
        close(c->bfd);
    free(c);
}

static int usage(void)
{
    fprintf(stderr, "usage: delay_proxy -d MS [-t SECONDS] [-m CONNS] LISTEN_IP:PORT=BACKEND_IP:PORT...\n");
    return 2;
}

int main(int argc, char **argv)
{
    double life_s = 900;
    long max_conns = 512;
    int opt;
    while ((opt = getopt(argc, argv, "d:t:m:")) != -1) {
        if (opt == 'd')
            delay_ms = atof(optarg);
        else if (opt == 't')
            life_s = atof(optarg);
        else if (opt == 'm')
            max_conns = atol(optarg);
        else
            return usage();
    }
    if (delay_ms < 0 || delay_ms > 10000 || life_s <= 0 || life_s > 86400 || max_conns < 1 ||
        max_conns > 4096 || optind >= argc || argc - optind > MAX_LISTEN)
        return usage();
    signal(SIGPIPE, SIG_IGN);
    int lfd[MAX_LISTEN];
    struct sockaddr_in back[MAX_LISTEN];
    int nl = 0;
    for (int i = optind; i < argc; i++, nl++) {
        char spec[128];
        struct sockaddr_in la;
        if (strlen(argv[i]) >= sizeof spec)
            return usage();
        strcpy(spec, argv[i]);
        char *eq = strchr(spec, '=');
        if (!eq)
            return usage();
        *eq = 0;
        if (parse_addr(spec, &la) < 0 || parse_addr(eq + 1, &back[nl]) < 0)
            return usage();
        lfd[nl] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(lfd[nl], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (lfd[nl] < 0 || bind(lfd[nl], (struct sockaddr *)&la, sizeof la) < 0 ||
            listen(lfd[nl], 256) < 0) {
            fprintf(stderr, "delay_proxy: cannot listen on %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
    }

    struct conn *conns = NULL;
    long n_conns = 0;
    double end = now_ms() + life_s * 1e3;
    struct pollfd *pf = calloc((size_t)(MAX_LISTEN + 2 * max_conns), sizeof *pf);
    struct conn **owner = calloc((size_t)(MAX_LISTEN + 2 * max_conns), sizeof *owner);
    if (!pf || !owner)
        return 1;
    for (;;) {
        double t = now_ms();
        if (t >= end)
            break;
        double next = end;
        /* Write what is due, drop finished connections, build the poll set. */
        int np = 0;
        for (struct conn **pp = &conns; *pp;) {
            struct conn *c = *pp;
            if (c->bfd < 0 && !c->up.done && t >= c->connect_at) {
                c->bfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                int one = 1, cr = -1;
                if (c->bfd >= 0) {
                    setsockopt(c->bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    cr = connect(c->bfd, (struct sockaddr *)&back[c->backend], sizeof back[c->backend]);
                }
                c->up.dst = c->down.src = c->bfd;
                c->connecting = cr < 0 && errno == EINPROGRESS;
                if (cr < 0 && errno != EINPROGRESS)
                    c->up.read_done = c->up.done = c->down.read_done = c->down.done = true;
            } else if (c->bfd < 0 && c->connect_at < next) {
                next = c->connect_at;
            }
            if (c->bfd >= 0 && !c->connecting) {
                double a = dir_write(&c->up, t), b = dir_write(&c->down, t);
                if (a >= 0 && a < next)
                    next = a;
                if (b >= 0 && b < next)
                    next = b;
            }
            if (c->up.done && c->down.done) {
                *pp = c->next;
                conn_free(c);
                n_conns--;
                continue;
            }
            short ce = 0, be = 0;
            if (c->bfd < 0) {
                if (!c->up.read_done && c->up.queued < HOLD)
                    ce |= POLLIN;
            } else if (c->connecting) {
                be = POLLOUT;
            } else {
                if (!c->up.read_done && c->up.queued < HOLD)
                    ce |= POLLIN;
                if (!c->down.read_done && c->down.queued < HOLD)
                    be |= POLLIN;
                if (c->up.head && c->up.head->due <= t)
                    be |= POLLOUT;
                if (c->down.head && c->down.head->due <= t)
                    ce |= POLLOUT;
            }
            /* A socket with nothing to wait for stays out: a hung-up one would wake poll()
             * at once, again and again, until its queue is due. */
            pf[np] = (struct pollfd){.fd = ce ? c->cfd : -1, .events = ce};
            owner[np++] = c;
            pf[np] = (struct pollfd){.fd = be ? c->bfd : -1, .events = be};
            owner[np++] = c;
            pp = &c->next;
        }
        int first_listen = np;
        for (int i = 0; i < nl; i++) {
            pf[np] = (struct pollfd){.fd = lfd[i], .events = n_conns < max_conns ? POLLIN : 0};
            owner[np++] = NULL;
        }
        double wait = next - now_ms();
        int timeout = wait <= 0 ? 0 : wait >= 1000 ? 1000 : (int)wait + (wait > (int)wait);
        int r = poll(pf, (nfds_t)np, timeout);
        if (r < 0 && errno != EINTR)
            return 1;
        if (r <= 0)
            continue;
        for (int i = 0; i < first_listen; i += 2) {
            struct conn *c = owner[i];
            short cr = pf[i].revents, br = pf[i + 1].revents;
            if (c->bfd < 0) {
                if (cr & (POLLIN | POLLHUP | POLLERR) && !c->up.read_done && c->up.queued < HOLD)
                    dir_read(&c->up, c->hold_until);
                continue;
            }
            if (c->connecting) {
                if (!br)
                    continue;
                int err = 0;
                socklen_t el = sizeof err;
                getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &err, &el);
                c->connecting = false;
                if (err) {
                    /* Backend refused: the client sees its connection closed. */
                    c->up.read_done = c->up.done = c->down.read_done = c->down.done = true;
                }
                continue;
            }
            if (cr & (POLLIN | POLLHUP | POLLERR) && !c->up.read_done && c->up.queued < HOLD)
                dir_read(&c->up, c->hold_until);
            if (br & (POLLIN | POLLHUP | POLLERR) && !c->down.read_done && c->down.queued < HOLD)
                dir_read(&c->down, 0);
        }
        for (int i = 0; i < nl; i++) {
            if (!(pf[first_listen + i].revents & POLLIN))
                continue;
            while (n_conns < max_conns) {
                int cfd = accept4(lfd[i], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0)
                    break;
                struct conn *c = calloc(1, sizeof *c);
                if (!c) {
                    close(cfd);
                    break;
                }
                int one = 1;
                setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                double at = now_ms();
                c->cfd = cfd;
                c->bfd = -1;
                c->backend = i;
                c->up = (struct dir){.src = cfd, .dst = -1};
                c->down = (struct dir){.src = -1, .dst = cfd};
                c->hold_until = at + 2 * delay_ms;
                c->connect_at = at + 3 * delay_ms;
                c->next = conns;
                conns = c;
                n_conns++;
            }
        }
    }
    while (conns) {
        struct conn *n = conns->next;
        conn_free(conns);
        conns = n;
    }
    free(pf);
    free(owner);
    return 0;
}
