#include "discover.h"

#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "scanner/discover_pkt.h"
#include "scanner/ratelimit.h"
#include "scanner/rawsock.h"
#include "scanner/rtt.h"

#define SEND_BATCH 64
#define UNANSWERED_FLOOR_MS 100.0
#define MAX_WAIT_MS 50
/* Connect pings: the hosts of one pass (bounds the address list handed to the scope). */
#define TICK_MS 250

struct dhost {
    uint32_t addr;
    bool alive;
    bool arp;        /* on a directly attached Ethernet segment: ask by ARP too */
    enum disc_kind kind;
    int tcp_flags;
    double sent_ms;  /* first probe of the current round */
    double rtt_ms;
    bool has_mac;
    uint8_t mac[6];
};

struct discover {
    const struct discover_cfg *cfg;
    /* raw part: IPv4 hosts routed through ifname from self */
    struct rawsock *rs;
    char ifname[IF_NAMESIZE];
    uint32_t self;
    bool ether;
    uint8_t our_mac[6];
    struct syn_key key;
    struct dhost *raw;    /* ascending by address */
    size_t n_raw;
    /* the rest: connect pings */
    struct rm_addr *other;
    size_t n_other, cap_other;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void dlog(const struct portscan_events *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void dlog(const struct portscan_events *ev, const char *fmt, ...)
{
    if (!ev || !ev->log)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ev->log(msg, ev->arg);
}

static bool is_cancelled(const struct discover_cfg *c)
{
    return c->cancel && atomic_load(c->cancel);
}

static int add_other(struct discover *d, const struct rm_addr *a)
{
    if (d->n_other == d->cap_other) {
        size_t cap = d->cap_other ? d->cap_other * 2 : 64;
        struct rm_addr *p = realloc(d->other, cap * sizeof *p);
        if (!p)
            return -1;
        d->other = p;
        d->cap_other = cap;
    }
    d->other[d->n_other++] = *a;
    return 0;
}

static int cmp_dhost(const void *a, const void *b)
{
    uint32_t x = ((const struct dhost *)a)->addr, y = ((const struct dhost *)b)->addr;
    return x < y ? -1 : x > y;
}

static struct dhost *find_raw(struct discover *d, uint32_t addr)
{
    size_t lo = 0, hi = d->n_raw;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->raw[mid].addr == addr)
            return &d->raw[mid];
        if (d->raw[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void discover_close(struct discover *d)
{
    if (!d)
        return;
    rawsock_close(d->rs);
    free(d->raw);
    free(d->other);
    free(d);
}

bool discover_is_raw(const struct discover *d)
{
    return d->rs != NULL;
}

/* The capture admits what our probes can draw: echo and timestamp replies, TCP answers to
 * our source ports, ARP replies (Ethernet only); the cookie decides the rest. */
static void capture_filter(const struct discover *d, char *buf, size_t len)
{
    char self[RM_ADDRSTRLEN];
    struct rm_addr sa = addr_from_v4(d->self);
    addr_str(&sa, self, sizeof self);
    snprintf(buf, len,
             "(ip and dst host %s and ((icmp and (icmp[icmptype] == icmp-echoreply or "
             "icmp[icmptype] == icmp-tstampreply)) or (tcp and dst portrange %u-%u and "
             "(tcp[tcpflags] & (tcp-syn|tcp-rst) != 0))))%s",
             self, DISC_SPORT_LO, DISC_SPORT_HI, d->ether ? " or (arp and arp[6:2] == 2)" : "");
}

struct discover *discover_open(const struct discover_cfg *cfg, const char **note,
                               struct rm_err *e)
{
    if (note)
        *note = NULL;
    struct discover *d = calloc(1, sizeof *d);
    if (!d) {
        rm_errf(e, "out of memory");
        return NULL;
    }
    d->cfg = cfg;
    size_t cap = 0;
    struct scope_iter it;
    struct rm_addr a;
    bool first = true;
    scope_iter_init(&it, cfg->scope);
    while (scope_iter_next(&it, &a)) {
        if (a.family != AF_INET || cfg->no_raw) {
            if (add_other(d, &a) < 0)
                goto oom;
            continue;
        }
        char ifn[IF_NAMESIZE];
        uint32_t src;
        bool gw;
        if (rawsock_route_ex(addr_v4(&a), ifn, &src, &gw, e) < 0)
            goto fail;
        if (first) {
            memcpy(d->ifname, ifn, IF_NAMESIZE);
            d->self = src;
            first = false;
        } else if (strcmp(ifn, d->ifname) != 0 || src != d->self) {
            if (add_other(d, &a) < 0)
                goto oom;
            continue;
        }
        if (d->n_raw == cap) {
            cap = cap ? cap * 2 : 256;
            struct dhost *p = realloc(d->raw, cap * sizeof *p);
            if (!p)
                goto oom;
            d->raw = p;
        }
        d->raw[d->n_raw++] = (struct dhost){.addr = addr_v4(&a), .arp = !gw};
    }
    if (d->n_raw == 0)
        return d;
    if (d->n_raw > 1)
        qsort(d->raw, d->n_raw, sizeof *d->raw, cmp_dhost);
    if (getrandom(&d->key, sizeof d->key, 0) != (ssize_t)sizeof d->key) {
        rm_errf(e, "no randomness for the discovery cookie key");
        goto fail;
    }
    /* Ethernet or not is known only once the capture is open: open it as if it were, then
     * narrow the filter when it is not (a non-Ethernet capture has no ARP to compile). */
    char filter[512];
    struct rm_err oe = {{0}};
    d->ether = false;
    capture_filter(d, filter, sizeof filter);
    d->rs = rawsock_open_filter(d->ifname, filter, &oe);
    if (d->rs && rawsock_ether_addr(d->rs, d->our_mac) == 0) {
        rawsock_close(d->rs);
        d->ether = true;
        capture_filter(d, filter, sizeof filter);
        d->rs = rawsock_open_filter(d->ifname, filter, &oe);
    }
    if (!d->rs) {
        /* No privilege (or no capture on this interface): every host gets connect pings. */
        for (size_t i = 0; i < d->n_raw; i++) {
            struct rm_addr v4 = addr_from_v4(d->raw[i].addr);
            if (add_other(d, &v4) < 0)
                goto oom;
        }
        free(d->raw);
        d->raw = NULL;
        d->n_raw = 0;
        if (note)
            *note = strstr(oe.msg, "root or CAP_NET_RAW") || strstr(oe.msg, "ermission")
                        ? "host discovery without root: raw sockets need root or CAP_NET_RAW, "
                          "so hosts are found by TCP connect pings (ICMP and ARP are not used; "
                          "-Pn skips discovery)"
                        : "host discovery: the raw socket or capture could not be opened, so "
                          "hosts are found by TCP connect pings";
        return d;
    }
    for (size_t i = 0; i < d->n_raw && !d->ether; i++)
        d->raw[i].arp = false;
    return d;
oom:
    rm_errf(e, "out of memory");
fail:
    discover_close(d);
    return NULL;
}

/* ---- raw probing ---- */

struct rawrun {
    struct discover *d;
    const struct portscan_events *ev;
    struct portscan_progress *prog;
    struct tokenbucket tb;
    struct rtt_est rtt;
    uint8_t pkts[SEND_BATCH][DISC_PKT_MAX];
    struct rawsock_pkt batch[SEND_BATCH];
    unsigned n_batch;
    uint16_t ip_id;
    size_t n_alive;
    bool fatal;
    struct rm_err err;
};

static void mark_alive(struct rawrun *w, struct dhost *h, const struct disc_answer *a)
{
    if (h->alive) {
        if (a->kind == DISC_ARP && !h->has_mac) {
            memcpy(h->mac, a->mac, 6);
            h->has_mac = true;
        }
        return;
    }
    h->alive = true;
    h->kind = a->kind;
    h->tcp_flags = a->tcp_flags;
    h->rtt_ms = now_ms() - h->sent_ms;
    if (a->kind == DISC_ARP) {
        memcpy(h->mac, a->mac, 6);
        h->has_mac = true;
    }
    rtt_sample(&w->rtt, h->rtt_ms);
    w->n_alive++;
    atomic_fetch_add(&w->prog->hosts_up, 1);
    atomic_fetch_add(&w->prog->pairs_done, 1);
}

static void on_frame(int dlt, const uint8_t *frame, size_t caplen, void *arg)
{
    struct rawrun *w = arg;
    struct discover *d = w->d;
    struct disc_answer a;
    enum disc_kind k = DISC_NONE;
    size_t len;
    const uint8_t *ip = rawsock_strip_link(dlt, frame, caplen, &len);
    if (ip)
        k = disc_classify(&d->key, d->self, ip, len, &a);
    else if (d->ether && dlt == rawsock_dlt(d->rs))
        k = disc_classify_arp(d->self, frame, caplen, &a);
    if (k == DISC_NONE)
        return;
    struct dhost *h = find_raw(d, a.from);
    /* An ARP reply from an address we never asked about (gratuitous, or another host's
     * traffic) is not evidence about the scope. */
    if (!h || (k == DISC_ARP && !h->arp) || h->sent_ms == 0)
        return;
    mark_alive(w, h, &a);
}

static void drain(struct rawrun *w)
{
    for (int k = 0; k < 64; k++) {
        int n = rawsock_recv_frames(w->d->rs, on_frame, w, 0, &w->err);
        if (n < 0) {
            w->fatal = true;
            return;
        }
        if (n == 0)
            return;
    }
}

static void flush(struct rawrun *w)
{
    unsigned off = 0;
    for (int spins = 0; off < w->n_batch && spins < 200; spins++) {
        int r = rawsock_send(w->d->rs, w->batch + off, w->n_batch - off, &w->err);
        if (r < 0) {
            w->fatal = true;
            break;
        }
        off += (unsigned)r;
        if (off < w->n_batch && r == 0) {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
    /* What the kernel would not take is covered by the next round. */
    w->n_batch = 0;
}

/* Waits for a token, reading answers meanwhile. False when cancelled or failed. */
static bool take_token(struct rawrun *w)
{
    for (;;) {
        double now = now_ms();
        if (tb_take(&w->tb, now))
            return true;
        if (w->n_batch)
            flush(w);
        double wait = tb_wait_ms(&w->tb, now);
        struct pollfd pf = {.fd = rawsock_fd(w->d->rs), .events = POLLIN};
        poll(&pf, 1, wait > MAX_WAIT_MS ? MAX_WAIT_MS : (int)ceil(wait));
        drain(w);
        if (w->fatal || is_cancelled(w->d->cfg))
            return false;
    }
}

static bool send_ip(struct rawrun *w, enum disc_kind kind, uint32_t dst, uint16_t port)
{
    if (!take_token(w))
        return false;
    if (w->n_batch == SEND_BATCH)
        flush(w);
    unsigned i = w->n_batch++;
    size_t len = disc_build(&w->d->key, kind, w->pkts[i], w->d->self, dst, port, w->ip_id++);
    w->batch[i] = (struct rawsock_pkt){w->pkts[i], len, dst};
    atomic_fetch_add(&w->prog->probes_sent, 1);
    return !w->fatal;
}

static bool send_arp(struct rawrun *w, uint32_t dst)
{
    if (!take_token(w))
        return false;
    uint8_t frame[DISC_ARP_LEN];
    disc_build_arp(frame, w->d->our_mac, w->d->self, dst);
    for (int spins = 0; spins < 200; spins++) {
        int r = rawsock_inject(w->d->rs, frame, sizeof frame, &w->err);
        if (r < 0) {
            w->fatal = true;
            return false;
        }
        if (r == 0)
            break;
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    atomic_fetch_add(&w->prog->probes_sent, 1);
    return true;
}

static bool probe_host(struct rawrun *w, struct dhost *h)
{
    const struct discover_cfg *c = w->d->cfg;
    h->sent_ms = now_ms();
    if (h->arp && !send_arp(w, h->addr))
        return false;
    if (!send_ip(w, DISC_ECHO, h->addr, 0) || !send_ip(w, DISC_TIMESTAMP, h->addr, 0) ||
        !send_ip(w, DISC_SYN, h->addr, DISC_SYN_PORT) || !send_ip(w, DISC_ACK, h->addr, DISC_ACK_PORT))
        return false;
    for (size_t i = 0; i < c->n_alive_ports; i++)
        if (c->alive_ports[i] != DISC_SYN_PORT && !send_ip(w, DISC_SYN, h->addr, c->alive_ports[i]))
            return false;
    return true;
}

static void tick(struct rawrun *w, double *last)
{
    double now = now_ms();
    if (w->ev && w->ev->tick && now - *last >= TICK_MS) {
        w->ev->tick(w->prog, w->ev->arg);
        *last = now;
    }
}

static int run_raw(struct discover *d, const struct portscan_events *ev,
                   struct portscan_progress *prog, struct rm_err *e)
{
    const struct discover_cfg *c = d->cfg;
    struct rawrun *w = calloc(1, sizeof *w);
    if (!w)
        return rm_errf(e, "out of memory");
    w->d = d;
    w->ev = ev;
    w->prog = prog;
    tb_init(&w->tb, c->rate, now_ms());
    size_t n_arp = 0;
    for (size_t i = 0; i < d->n_raw; i++)
        n_arp += d->raw[i].arp;
    char sbuf[RM_ADDRSTRLEN];
    struct rm_addr sa = addr_from_v4(d->self);
    dlog(ev, "host discovery on %s from %s: ICMP echo and timestamp, TCP SYN to %u%s, ACK to %u%s "
             "for %zu host(s)%s", d->ifname, addr_str(&sa, sbuf, sizeof sbuf), DISC_SYN_PORT,
         c->n_alive_ports ? " and the --alive-ports" : "", DISC_ACK_PORT,
         n_arp ? ", ARP on the local segment" : "", d->n_raw,
         d->n_other ? "; connect pings for the rest" : "");
    double last_tick = 0;
    for (unsigned round = 0; round <= c->retries && !w->fatal; round++) {
        if (w->n_alive == d->n_raw || is_cancelled(c))
            break;
        for (size_t i = 0; i < d->n_raw; i++) {
            if (d->raw[i].alive)
                continue;
            if (!probe_host(w, &d->raw[i]))
                break;
            tick(w, &last_tick);
        }
        if (w->n_batch)
            flush(w);
        /* Wait for the round's answers: the adaptive timeout once some came, else the
         * initial one, never less than the floor for hosts that have not answered. */
        double lo = fmax(c->min_timeout_ms, UNANSWERED_FLOOR_MS);
        double wait = rtt_timeout(&w->rtt, c->initial_timeout_ms, lo, c->max_timeout_ms);
        wait *= (double)(1u << (round < 4 ? round : 4));
        if (wait > c->max_timeout_ms)
            wait = c->max_timeout_ms;
        double until = now_ms() + wait;
        while (!w->fatal && !is_cancelled(c) && w->n_alive < d->n_raw) {
            double now = now_ms();
            if (now >= until)
                break;
            struct pollfd pf = {.fd = rawsock_fd(d->rs), .events = POLLIN};
            double left = until - now;
            poll(&pf, 1, left > MAX_WAIT_MS ? MAX_WAIT_MS : (int)ceil(left));
            drain(w);
            tick(w, &last_tick);
        }
    }
    drain(w);
    int rc = 0;
    if (w->fatal)
        rc = rm_errf(e, "host discovery failed: %s", w->err.msg);
    free(w);
    return rc;
}

/* ---- connect pings ---- */

static int run_connect(struct discover *d, const struct portscan_events *ev,
                       struct portscan_progress *prog, struct scan_result *found,
                       struct rm_err *e)
{
    const struct discover_cfg *c = d->cfg;
    struct discovery tmp = {0};
    tmp.hosts = calloc(d->n_other, sizeof *tmp.hosts);
    if (!tmp.hosts)
        return rm_errf(e, "out of memory");
    for (size_t i = 0; i < d->n_other; i++)
        tmp.hosts[i].addr = d->other[i];
    tmp.n_hosts = d->n_other;
    struct scope *s = discovery_scope(&tmp, e);
    free(tmp.hosts);
    if (!s)
        return -1;
    uint16_t ports[2 + DISC_MAX_ALIVE_PORTS];
    size_t np = 0;
    ports[np++] = DISC_ACK_PORT;
    ports[np++] = DISC_SYN_PORT;
    for (size_t i = 0; i < c->n_alive_ports && np < sizeof ports / sizeof *ports; i++)
        if (c->alive_ports[i] != DISC_ACK_PORT && c->alive_ports[i] != DISC_SYN_PORT)
            ports[np++] = c->alive_ports[i];
    struct portlist pl = {.ports = ports, .n = np};
    struct portscan_cfg pc = {
        .scope = s, .ports = &pl, .rate = c->rate, .max_concurrency = c->max_concurrency,
        .retries = c->retries, .threads = c->threads, .initial_timeout_ms = c->initial_timeout_ms,
        .min_timeout_ms = c->min_timeout_ms, .max_timeout_ms = c->max_timeout_ms,
        .seed = 0, .cancel = c->cancel,
    };
    struct portscan_events pev = {.log = ev ? ev->log : NULL, .arg = ev ? ev->arg : NULL};
    struct portscan_progress sub;
    memset(&sub, 0, sizeof sub);
    dlog(ev, "host discovery by TCP connect to ports 80, 443%s for %zu host(s)",
         np > 2 ? " and the --alive-ports" : "", d->n_other);
    int rc = portscan_run(&pc, &pev, &sub, found, e);
    atomic_fetch_add(&prog->probes_sent, atomic_load(&sub.probes_sent));
    atomic_fetch_add(&prog->hosts_up, found->n_hosts);
    atomic_fetch_add(&prog->pairs_done, found->n_hosts);
    scope_free(s);
    return rc;
}

static int cmp_found(const void *a, const void *b)
{
    return addr_cmp(&((const struct discovered *)a)->addr, &((const struct discovered *)b)->addr);
}

int discover_run(struct discover *d, const struct portscan_events *ev,
                 struct portscan_progress *prog, struct discovery *out, struct rm_err *e)
{
    memset(out, 0, sizeof *out);
    double t0 = now_ms();
    prog->pairs_total = d->n_raw + d->n_other;
    prog->hosts_total = d->n_raw + d->n_other;
    out->hosts_total = d->n_raw + d->n_other;
    out->method = d->rs ? (d->n_other ? "raw+connect" : "raw") : "connect";
    int rc = 0;
    if (d->n_raw)
        rc = run_raw(d, ev, prog, e);
    struct scan_result *found = scan_result_new();
    if (!found)
        return rm_errf(e, "out of memory");
    if (rc == 0 && d->n_other && !is_cancelled(d->cfg))
        rc = run_connect(d, ev, prog, found, e);
    size_t n = found->n_hosts;
    for (size_t i = 0; i < d->n_raw; i++)
        n += d->raw[i].alive;
    out->hosts = calloc(n ? n : 1, sizeof *out->hosts);
    if (!out->hosts) {
        scan_result_free(found);
        return rm_errf(e, "out of memory");
    }
    for (size_t i = 0; i < d->n_raw; i++) {
        const struct dhost *h = &d->raw[i];
        if (!h->alive)
            continue;
        struct discovered *x = &out->hosts[out->n_hosts++];
        x->addr = addr_from_v4(h->addr);
        x->reason = disc_reason(h->kind, h->tcp_flags);
        x->rtt_ms = h->rtt_ms;
        x->has_mac = h->has_mac;
        memcpy(x->mac, h->mac, 6);
    }
    for (size_t i = 0; i < found->n_hosts; i++) {
        struct discovered *x = &out->hosts[out->n_hosts++];
        x->addr = found->hosts[i].addr;
        x->reason = "tcp-connect-ping";
        x->rtt_ms = found->hosts[i].rtt_ms;
    }
    scan_result_free(found);
    if (out->n_hosts > 1)
        qsort(out->hosts, out->n_hosts, sizeof *out->hosts, cmp_found);
    out->probes_sent = atomic_load(&prog->probes_sent);
    out->duration_s = (now_ms() - t0) / 1000.0;
    if (ev && ev->tick)
        ev->tick(prog, ev->arg);
    return rc;
}

void discovery_free(struct discovery *d)
{
    free(d->hosts);
    memset(d, 0, sizeof *d);
}

const struct discovered *discovery_find(const struct discovery *d, const struct rm_addr *a)
{
    size_t lo = 0, hi = d->n_hosts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = addr_cmp(&d->hosts[mid].addr, a);
        if (c == 0)
            return &d->hosts[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

struct scope *discovery_scope(const struct discovery *d, struct rm_err *e)
{
    struct scope *s = scope_new();
    char *buf = malloc(d->n_hosts * (RM_ADDRSTRLEN + 1) + 1);
    if (!s || !buf) {
        scope_free(s);
        free(buf);
        rm_errf(e, "out of memory");
        return NULL;
    }
    size_t len = 0;
    for (size_t i = 0; i < d->n_hosts; i++) {
        addr_str(&d->hosts[i].addr, buf + len, RM_ADDRSTRLEN);
        len += strlen(buf + len);
        buf[len++] = '\n';
    }
    int rc = len ? scope_add_target_buffer(s, buf, len, "discovered hosts", e) : 0;
    free(buf);
    if (rc < 0 || scope_finalize(s, 0, e) < 0) {
        scope_free(s);
        return NULL;
    }
    return s;
}
