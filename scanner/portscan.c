#include "portscan.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "scanner/hosttab.h"
#include "scanner/permute.h"
#include "scanner/ratelimit.h"
#include "scanner/rtt.h"

/* Above this many raw hosts, per-host completion is not tracked (2 bytes each). */
#define TRACK_HOSTS_MAX (4u << 20)
#define EVENTS_PER_WAIT 256
/* Attempts started between two looks at epoll. */
#define ISSUE_BATCH 64
/* The least timeout for a host with no round trip of its own yet. */
#define UNANSWERED_FLOOR_MS 100.0
/* Refused sockets kept for reuse, per worker and address family. */
#define SPARE_FDS 32
/* The longest a worker sleeps without looking at the cancel flag. */
#define MAX_WAIT_MS 50

enum outcome {
    OUT_OPEN,     /* connection completed */
    OUT_CLOSED,   /* RST (or ICMP port unreachable): the host is there */
    OUT_UNREACH,  /* host or network unreachable, or refused by a local firewall */
    OUT_TIMEOUT,  /* no answer within the timeout */
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- engine and workers ---- */

struct engine {
    const struct portscan_cfg *cfg;
    const struct portscan_events *ev;
    struct portscan_progress *prog;
    struct permute perm;
    uint64_t n_ports;
    uint64_t n_pairs;
    pthread_mutex_t lock;     /* host table, event callbacks, shared rtt */
    struct hosttab hosts;
    struct rtt_est rtt_all;   /* every answer from every host */
    _Atomic uint16_t *done;   /* per raw host: ports decided, when tracked */
    atomic_int workers_left;
    atomic_bool rtt_known;    /* rtt_all has a sample: provisional deadlines can be retimed */
    bool oom;                 /* under lock: a host record could not be stored */
};

struct slot {
    int fd;
    bool polled;    /* registered with epoll */
    bool provisional; /* deadline set from the initial timeout, before any round trip */
    uint32_t tries;
    uint64_t pair;
    uint64_t raw;
    struct rm_addr addr;
    uint16_t port;
    double start_ms, deadline_ms;
};

struct pending {
    uint64_t pair;
    uint32_t tries;
};

struct worker {
    struct engine *eng;
    pthread_t thread;
    unsigned id, stride;
    int ep;
    struct slot *slots;
    unsigned cap, inflight;
    unsigned *free_idx;
    unsigned n_free;
    struct pending *ring;     /* attempts to make again: retries and resource shortages */
    size_t ring_cap, ring_head, ring_n;
    uint64_t next_pos;
    /* Refused sockets, disconnected and kept for the next attempt: socket() and close() are
     * a third of the kernel's work per probe, and a TCP socket whose connect was refused can
     * connect again once disconnected (AF_UNSPEC). Index 0 IPv4, 1 IPv6. */
    int spare[2][SPARE_FDS];
    unsigned n_spare[2];
    unsigned n_provisional;
    struct tokenbucket tb;
    double next_deadline;
    unsigned starved;         /* consecutive socket() failures with nothing in flight */
    int fatal_errno;
};

static void engine_log(struct engine *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void engine_log(struct engine *g, const char *fmt, ...)
{
    if (!g->ev || !g->ev->log)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    g->ev->log(msg, g->ev->arg);
}

static bool ring_push(struct worker *w, uint64_t pair, uint32_t tries)
{
    if (w->ring_n == w->ring_cap)
        return false;
    w->ring[(w->ring_head + w->ring_n) % w->ring_cap] = (struct pending){pair, tries};
    w->ring_n++;
    return true;
}

/* The timeout of attempt number `tries` (1 = first) at this host: the host's own estimate
 * once it has answered, else the estimate over every host, else the initial timeout; each
 * retry waits twice as long as the attempt before it (RFC 6298, 5.5). *known says whether any
 * round trip was behind it. */
static double timeout_for(struct worker *w, uint64_t raw, uint32_t tries, bool *known)
{
    struct engine *g = w->eng;
    const struct portscan_cfg *c = g->cfg;
    pthread_mutex_lock(&g->lock);
    struct hrec *r = ht_find(&g->hosts, raw);
    bool own = r && r->rtt.samples;
    const struct rtt_est *est = own ? &r->rtt : &g->rtt_all;
    /* A host that has not answered yet may simply be slower than the others (Wi-Fi in power
     * save, a VPN site): never hold it to less than UNANSWERED_FLOOR_MS, or it could time out
     * before its first answer and never get an estimate of its own. */
    double lo = own ? c->min_timeout_ms : fmax(c->min_timeout_ms, UNANSWERED_FLOOR_MS);
    double t = rtt_timeout(est, c->initial_timeout_ms, lo, c->max_timeout_ms);
    *known = est->samples > 0;
    pthread_mutex_unlock(&g->lock);
    t *= (double)(1u << (tries - 1 < 4 ? tries - 1 : 4));
    return t < c->max_timeout_ms ? t : c->max_timeout_ms;
}

/* Attempts issued before any round trip was known got the initial timeout; once answers
 * arrive, they get the adaptive one too (never a later deadline than they had). */
static void retime_provisional(struct worker *w)
{
    if (w->n_provisional == 0 || !atomic_load(&w->eng->rtt_known))
        return;
    for (unsigned i = 0; i < w->cap; i++) {
        struct slot *s = &w->slots[i];
        if (s->fd < 0 || !s->provisional)
            continue;
        bool known;
        double t = timeout_for(w, s->raw, s->tries, &known);
        if (!known)
            continue;
        if (s->start_ms + t < s->deadline_ms)
            s->deadline_ms = s->start_ms + t;
        if (s->deadline_ms < w->next_deadline)
            w->next_deadline = s->deadline_ms;
        s->provisional = false;
        w->n_provisional--;
    }
}

static void host_port_decided(struct engine *g, uint64_t raw)
{
    if (g->done && atomic_fetch_add(&g->done[raw], 1) + 1u == g->n_ports)
        atomic_fetch_add(&g->prog->hosts_done, 1);
    atomic_fetch_add(&g->prog->pairs_done, 1);
}

/* Records the final state of one (host, port) pair. */
static void record(struct worker *w, const struct slot *s, enum outcome o, double rtt)
{
    struct engine *g = w->eng;
    struct portscan_progress *p = g->prog;
    if (o == OUT_OPEN)
        atomic_fetch_add(&p->open, 1);
    else if (o == OUT_CLOSED)
        atomic_fetch_add(&p->closed, 1);
    else
        atomic_fetch_add(&p->filtered, 1);

    if (o != OUT_OPEN && o != OUT_CLOSED && !g->done) {
        /* Without per-host completion counters, count filtered ports of hosts already up. */
        pthread_mutex_lock(&g->lock);
        struct hrec *r = ht_find(&g->hosts, s->raw);
        if (r)
            r->h.n_filtered++;
        pthread_mutex_unlock(&g->lock);
    }
    if (o == OUT_OPEN || o == OUT_CLOSED) {
        pthread_mutex_lock(&g->lock);
        int rc = hosttab_answer(&g->hosts, &g->rtt_all, s->raw, &s->addr, s->port,
                                o == OUT_OPEN, rtt, o == OUT_OPEN ? "syn-ack" : "conn-refused",
                                g->ev);
        atomic_store(&g->rtt_known, true);
        if (rc < 0)
            g->oom = true;
        else if (rc == 1)
            atomic_fetch_add(&p->hosts_up, 1);
        pthread_mutex_unlock(&g->lock);
    }
    host_port_decided(g, s->raw);
}

static void release(struct worker *w, struct slot *s)
{
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    if (s->provisional) {
        s->provisional = false;
        w->n_provisional--;
    }
    w->free_idx[w->n_free++] = (unsigned)(s - w->slots);
    w->inflight--;
}

/* Keeps a refused, never-polled socket for the next attempt instead of closing it. */
static void keep_spare(struct worker *w, struct slot *s)
{
    unsigned fam = s->addr.family == AF_INET6;
    if (s->polled || w->n_spare[fam] == SPARE_FDS)
        return;
    struct sockaddr un = {.sa_family = AF_UNSPEC};
    if (connect(s->fd, &un, sizeof un) == 0) {
        w->spare[fam][w->n_spare[fam]++] = s->fd;
        s->fd = -1;
    }
}

static int new_socket(struct worker *w, int family)
{
    unsigned fam = family == AF_INET6;
    if (w->n_spare[fam] > 0)
        return w->spare[fam][--w->n_spare[fam]];
    return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
}

/* A connect to a local address and a port in the ephemeral range can meet itself: the
 * kernel may pick the destination port as the source port, and the two ends of one socket
 * complete a simultaneous open. Nothing listens there, so it is not an open port. */
static bool self_connected(const struct slot *s)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    struct sockaddr_storage dest;
    socklen_t dlen = addr_sockaddr(&s->addr, s->port, &dest);
    if (getsockname(s->fd, (struct sockaddr *)&local, &len) < 0)
        return false;
    return len == dlen && memcmp(&local, &dest, len) == 0;
}

/* The attempt in slot s ended with outcome o. */
static void finish(struct worker *w, struct slot *s, enum outcome o, double now)
{
    const struct portscan_cfg *c = w->eng->cfg;
    if (o == OUT_TIMEOUT && s->tries <= c->retries && ring_push(w, s->pair, s->tries)) {
        release(w, s);
        return;
    }
    if (o == OUT_OPEN && self_connected(s))
        o = OUT_CLOSED;
    record(w, s, o, now - s->start_ms);
    if (o == OUT_CLOSED)
        keep_spare(w, s);
    if (o == OUT_OPEN) {
        /* Close with RST: no TIME_WAIT, so a scan never exhausts the ephemeral ports, and
         * the service is not left holding a conversation. */
        struct linger lg = {1, 0};
        setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    release(w, s);
}

static enum outcome outcome_of(int err)
{
    switch (err) {
    case 0:
        return OUT_OPEN;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
        /* Reset after the handshake completed (a service that accepts and drops at once):
         * a refusal during the handshake is ECONNREFUSED, so the port is open. */
        return OUT_OPEN;
    case ECONNREFUSED:
        return OUT_CLOSED;
    case ETIMEDOUT:
        return OUT_TIMEOUT;
    default: /* EHOSTUNREACH, ENETUNREACH, EACCES, EPERM, ... */
        return OUT_UNREACH;
    }
}

static bool resource_shortage(int err)
{
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM ||
           err == EADDRNOTAVAIL || err == EAGAIN;
}

/* Starts one attempt at an in-scope pair. Returns 1 when started or already decided, -1 on a
 * resource shortage (the pair is queued again) or a fatal error (w->fatal_errno set). */
static int start(struct worker *w, uint64_t pair, const struct rm_addr *addrp, uint32_t tries,
                 double now)
{
    struct engine *g = w->eng;
    uint64_t raw = pair / g->n_ports;
    uint16_t port = g->cfg->ports->ports[pair % g->n_ports];
    struct rm_addr addr = *addrp;
    struct slot *s = &w->slots[w->free_idx[--w->n_free]];
    w->inflight++;
    s->fd = -1;
    s->pair = pair;
    s->raw = raw;
    s->addr = addr;
    s->port = port;
    s->tries = tries + 1;
    s->start_ms = now;

    s->polled = false;
    int fd = new_socket(w, addr.family);
    if (fd < 0) {
        int err = errno;
        release(w, s);
        if (resource_shortage(err)) {
            ring_push(w, pair, tries);
            return -1;
        }
        w->fatal_errno = err;
        return -1;
    }
    s->fd = fd;
    if (addr.family == AF_INET6) {
        /* Never let an IPv6 socket reach an IPv4 host through a mapped address. */
        int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }

    struct sockaddr_storage ss;
    socklen_t sl = addr_sockaddr(&addr, port, &ss);
    atomic_fetch_add(&g->prog->probes_sent, 1);
    if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
        finish(w, s, OUT_OPEN, now_ms());
        return 1;
    }
    int err = errno;
    if (err == EINPROGRESS) {
        /* On loopback and fast LANs a refusal is often already there when connect()
         * returns: one getsockopt then saves registering with epoll and waiting. */
        int soerr = 0;
        socklen_t el = sizeof soerr;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) == 0 && soerr != 0) {
            finish(w, s, outcome_of(soerr), now_ms());
            return 1;
        }
        struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)(s - w->slots)};
        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            int e2 = errno;
            release(w, s);
            ring_push(w, pair, tries);
            if (!resource_shortage(e2))
                w->fatal_errno = e2;
            return -1;
        }
        bool known;
        s->deadline_ms = now + timeout_for(w, raw, s->tries, &known);
        s->polled = true;
        if (!known) {
            s->provisional = true;
            w->n_provisional++;
        }
        if (s->deadline_ms < w->next_deadline)
            w->next_deadline = s->deadline_ms;
        return 1;
    }
    if (resource_shortage(err)) {
        release(w, s);
        atomic_fetch_sub(&g->prog->probes_sent, 1);
        ring_push(w, pair, tries);
        return -1;
    }
    finish(w, s, outcome_of(err), now_ms());
    return 1;
}

static bool have_work(const struct worker *w)
{
    return w->ring_n > 0 || w->next_pos < w->eng->n_pairs;
}

/* Issues attempts while there is room, work and rate budget, but at most ISSUE_BATCH per
 * call: on loopback most attempts are decided inside connect() and free their slot at once,
 * so without a bound this loop would starve the answers waiting in epoll (and the deadline
 * checks) until the whole scan had been issued. Returns true when it stopped on the bound. */
static bool issue(struct worker *w)
{
    struct engine *g = w->eng;
    unsigned budget = ISSUE_BATCH;
    while (w->n_free > 0 && have_work(w)) {
        if (budget-- == 0)
            return true;
        double now = now_ms();
        uint64_t pair;
        uint32_t tries;
        struct rm_addr addr;
        bool from_ring = w->ring_n > 0;
        if (from_ring) {
            pair = w->ring[w->ring_head].pair;
            tries = w->ring[w->ring_head].tries;
            scope_at(g->cfg->scope, pair / g->n_ports, &addr);
        } else {
            pair = permute_at(&g->perm, w->next_pos);
            tries = 0;
            /* Excluded and duplicate addresses cost no token. */
            if (!scope_at(g->cfg->scope, pair / g->n_ports, &addr)) {
                w->next_pos += w->stride;
                atomic_fetch_add(&g->prog->pairs_done, 1);
                continue;
            }
        }
        if (!tb_take(&w->tb, now))
            return false;
        if (from_ring) {
            w->ring_head = (w->ring_head + 1) % w->ring_cap;
            w->ring_n--;
        } else {
            w->next_pos += w->stride;
        }
        int rc = start(w, pair, &addr, tries, now);
        if (rc < 0) {
            if (w->inflight == 0)
                w->starved++;
            return false; /* shortage: let something in flight finish first */
        }
        w->starved = 0;
    }
    return false;
}

/* An answer can land between epoll_wait returning and the deadline check (or sit in a
 * softirq backlog on a busy machine); look at the socket itself before calling it silent. */
static enum outcome last_look(const struct slot *s)
{
    struct pollfd p = {.fd = s->fd, .events = POLLOUT};
    if (poll(&p, 1, 0) <= 0)
        return OUT_TIMEOUT;
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
        return OUT_TIMEOUT;
    return outcome_of(err);
}

static void check_deadlines(struct worker *w, double now)
{
    double next = INFINITY;
    for (unsigned i = 0; i < w->cap; i++) {
        struct slot *s = &w->slots[i];
        if (s->fd < 0)
            continue;
        if (s->deadline_ms <= now)
            finish(w, s, last_look(s), now);
        else if (s->deadline_ms < next)
            next = s->deadline_ms;
    }
    w->next_deadline = next;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct engine *g = w->eng;
    struct epoll_event events[EVENTS_PER_WAIT];
    while (!(g->cfg->cancel && *g->cfg->cancel) && !w->fatal_errno) {
        bool more = issue(w);
        if (!have_work(w) && w->inflight == 0)
            break;
        if (w->starved > 200) {
            w->fatal_errno = EMFILE;
            break;
        }
        double now = now_ms();
        double wait = MAX_WAIT_MS;
        if (w->inflight > 0 && w->next_deadline - now < wait)
            wait = w->next_deadline - now;
        if (have_work(w) && w->n_free > 0) {
            double tw = w->starved ? 1 : tb_wait_ms(&w->tb, now);
            if (tw < wait)
                wait = tw;
        }
        int ms = (more || wait <= 0) ? 0 : (int)ceil(wait);
        int n = epoll_wait(w->ep, events, EVENTS_PER_WAIT, ms);
        if (n < 0 && errno != EINTR) {
            w->fatal_errno = errno;
            break;
        }
        /* Answers first, deadlines after: if this thread was descheduled, whatever arrived
         * meanwhile counts as an answer, not as a timeout. */
        now = now_ms();
        for (int i = 0; i < n; i++) {
            struct slot *s = &w->slots[events[i].data.u32];
            if (s->fd < 0)
                continue;
            int err = 0;
            socklen_t el = sizeof err;
            if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
                err = errno;
            finish(w, s, outcome_of(err), now);
        }
        retime_provisional(w);
        if (w->inflight > 0 && now_ms() >= w->next_deadline)
            check_deadlines(w, now_ms());
    }
    /* Cancelled or failed: close what is still open. */
    for (unsigned i = 0; i < w->cap; i++)
        if (w->slots[i].fd >= 0)
            release(w, &w->slots[i]);
    atomic_fetch_sub(&g->workers_left, 1);
    return NULL;
}

static void tick_sleep(void)
{
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
}

/* Makes room for the sockets in flight plus the process's own descriptors. */
static unsigned fit_fd_limit(unsigned want, struct engine *g)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return want;
    rlim_t need = (rlim_t)want + 64;
    if (rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < need) {
        unsigned fit = rl.rlim_cur > 128 ? (unsigned)(rl.rlim_cur - 64) : 64;
        engine_log(g, "open-file limit %llu: max concurrency lowered from %u to %u",
                    (unsigned long long)rl.rlim_cur, want, fit);
        return fit;
    }
    return want;
}

static void worker_free(struct worker *w)
{
    for (unsigned f = 0; f < 2; f++)
        for (unsigned i = 0; i < w->n_spare[f]; i++)
            close(w->spare[f][i]);
    if (w->ep >= 0)
        close(w->ep);
    free(w->slots);
    free(w->free_idx);
    free(w->ring);
}

static int worker_init(struct worker *w, struct engine *g, unsigned id, unsigned stride,
                       unsigned cap, double now)
{
    memset(w, 0, sizeof *w);
    w->eng = g;
    w->id = id;
    w->stride = stride;
    w->cap = cap;
    w->next_pos = id;
    w->next_deadline = INFINITY;
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    w->slots = calloc(cap, sizeof *w->slots);
    w->free_idx = calloc(cap, sizeof *w->free_idx);
    w->ring_cap = (size_t)cap * 2 + 16;
    w->ring = calloc(w->ring_cap, sizeof *w->ring);
    if (w->ep < 0 || !w->slots || !w->free_idx || !w->ring)
        return -1;
    for (unsigned i = 0; i < cap; i++) {
        w->slots[i].fd = -1;
        w->free_idx[i] = cap - 1 - i;
    }
    w->n_free = cap;
    tb_init(&w->tb, g->cfg->rate / stride, now);
    return 0;
}

int portscan_run(const struct portscan_cfg *cfg, const struct portscan_events *ev,
                 struct portscan_progress *prog, struct scan_result *out, struct rm_err *e)
{
    struct engine g = {.cfg = cfg, .ev = ev, .prog = prog};
    uint64_t raw_hosts = scope_raw_size(cfg->scope);
    g.n_ports = cfg->ports->n;
    if (g.n_ports == 0 || raw_hosts == 0)
        return rm_errf(e, "nothing to scan");
    if (raw_hosts > UINT64_MAX / 4 / g.n_ports)
        return rm_errf(e, "scan space too large");
    g.n_pairs = raw_hosts * g.n_ports;
    permute_init(&g.perm, g.n_pairs, cfg->seed);
    pthread_mutex_init(&g.lock, NULL);

    prog->pairs_total = g.n_pairs;
    prog->hosts_total = scope_count(cfg->scope);
    if (raw_hosts <= TRACK_HOSTS_MAX && g.n_ports <= UINT16_MAX) {
        g.done = calloc(raw_hosts, sizeof *g.done);
        prog->hosts_tracked = g.done != NULL;
    }

    unsigned want = cfg->max_concurrency ? cfg->max_concurrency : 1;
    unsigned threads = cfg->threads ? cfg->threads : 1;
    if (threads > g.n_pairs)
        threads = (unsigned)g.n_pairs;
    if (threads > want)
        threads = want;
    /* Room for the kept spare sockets too; if the limit is tight, socket() failures are
     * handled as a shortage anyway. */
    unsigned margin = 2 * SPARE_FDS * threads;
    unsigned fit = fit_fd_limit(want + margin, &g);
    unsigned conc = fit > margin ? fit - margin : 1;
    if (conc > want)
        conc = want;
    if (threads > conc)
        threads = conc;
    unsigned per = conc / threads;

    int rc = 0;
    double t0 = now_ms();
    struct worker *ws = calloc(threads, sizeof *ws);
    unsigned started = 0;
    if (!ws) {
        rc = rm_errf(e, "out of memory");
        goto out;
    }
    for (unsigned i = 0; i < threads; i++)
        ws[i].ep = -1;
    for (unsigned i = 0; i < threads; i++) {
        if (worker_init(&ws[i], &g, i, threads, per, t0) < 0) {
            rc = rm_errf(e, "cannot set up worker %u: %s", i, strerror(errno));
            goto out;
        }
    }
    engine_log(&g, "%u worker(s), %u connects in flight each, %s", threads, per,
                cfg->rate > 0 ? "rate-limited" : "no rate limit");
    atomic_store(&g.workers_left, (int)threads);
    for (; started < threads; started++) {
        if (pthread_create(&ws[started].thread, NULL, worker_main, &ws[started]) != 0) {
            atomic_fetch_sub(&g.workers_left, (int)(threads - started));
            rc = rm_errf(e, "cannot start worker threads");
            break;
        }
    }
    double last_tick = 0;
    while (atomic_load(&g.workers_left) > 0) {
        tick_sleep();
        double now = now_ms();
        if (ev && ev->tick && now - last_tick >= 250) {
            ev->tick(prog, ev->arg);
            last_tick = now;
        }
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(ws[i].thread, NULL);
    if (ev && ev->tick)
        ev->tick(prog, ev->arg);

    for (unsigned i = 0; i < started && rc == 0; i++)
        if (ws[i].fatal_errno)
            rc = rm_errf(e, "port scan failed: %s", strerror(ws[i].fatal_errno));
    if (rc == 0 && g.oom)
        rc = rm_errf(e, "out of memory while recording hosts");
    out->meta.complete = rc == 0 && !(cfg->cancel && *cfg->cancel) &&
                         atomic_load(&prog->pairs_done) == g.n_pairs;
    if (g.rtt_all.samples)
        engine_log(&g, "round trips: srtt %.3f ms, rttvar %.3f ms over %u answers; adaptive "
                    "timeout %.1f ms", g.rtt_all.srtt_ms, g.rtt_all.rttvar_ms, g.rtt_all.samples,
                    rtt_timeout(&g.rtt_all, cfg->initial_timeout_ms, cfg->min_timeout_ms,
                                cfg->max_timeout_ms));
    else
        engine_log(&g, "no answers at all: every attempt timed out or was unreachable");
    /* What was found is kept even when the scan failed part-way: the caller records the
     * document as incomplete rather than losing it. */
    if (hosttab_finish(&g.hosts, g.done, prog, (now_ms() - t0) / 1000.0, out) < 0 && rc == 0)
        rc = rm_errf(e, "out of memory while recording hosts");
out:
    if (ws)
        for (unsigned i = 0; i < threads; i++)
            worker_free(&ws[i]);
    free(ws);
    hosttab_free(&g.hosts);
    free(g.done);
    pthread_mutex_destroy(&g.lock);
    return rc;
}
