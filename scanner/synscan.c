#include "synscan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "scanner/byteorder.h"
#include "scanner/hosttab.h"
#include "scanner/permute.h"
#include "scanner/ratelimit.h"
#include "scanner/rawsock.h"
#include "scanner/rtt.h"

#define TRACK_HOSTS_MAX (4u << 20)
#define UNANSWERED_FLOOR_MS 100.0
#define MAX_WAIT_MS 50
#define SEND_BATCH 64
/* Packets sent between two looks at the capture. */
#define ISSUE_BUDGET 512
/* Hosts whose route is checked before the first packet: every one of them. */

/* ---- SipHash-2-4 ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                  \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                     \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                     \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                  \
    } while (0)

uint64_t syn_siphash(const struct syn_key *k, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t v0 = 0x736f6d6570736575ULL ^ k->k0, v1 = 0x646f72616e646f6dULL ^ k->k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k->k0, v3 = 0x7465646279746573ULL ^ k->k1;
    uint64_t b = (uint64_t)len << 56;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t m = 0;
        for (int j = 7; j >= 0; j--)
            m = m << 8 | p[i + (size_t)j];
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; i + j < len; j++)
        b |= (uint64_t)p[i + j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void syn_cookie(const struct syn_key *k, uint32_t src, uint32_t dst, uint16_t dport,
                uint16_t *sport, uint32_t *isn)
{
    uint8_t in[10] = {
        (uint8_t)(src >> 24), (uint8_t)(src >> 16), (uint8_t)(src >> 8), (uint8_t)src,
        (uint8_t)(dst >> 24), (uint8_t)(dst >> 16), (uint8_t)(dst >> 8), (uint8_t)dst,
        (uint8_t)(dport >> 8), (uint8_t)dport,
    };
    uint64_t h = syn_siphash(k, in, sizeof in);
    *isn = (uint32_t)h;
    *sport = (uint16_t)(SYN_SPORT_LO + (uint32_t)(h >> 32) % (SYN_SPORT_HI - SYN_SPORT_LO + 1));
}

/* ---- packets ---- */

uint32_t syn_csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (; len > 1; p += 2, len -= 2)
        sum += (uint32_t)p[0] << 8 | p[1];
    if (len)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

uint16_t syn_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

size_t syn_build(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                 uint32_t isn, uint16_t ip_id)
{
    uint8_t *ip = buf, *tcp = buf + 20;
    memset(buf, 0, SYN_PKT_LEN);
    ip[0] = 0x45;
    be_put16(ip + 2, SYN_PKT_LEN);
    be_put16(ip + 4, ip_id);
    be_put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 6; /* TCP */
    be_put32(ip + 12, src);
    be_put32(ip + 16, dst);
    be_put16(ip + 10, (uint16_t)~syn_csum_fold(syn_csum_add(0, ip, 20)));

    be_put16(tcp + 0, sport);
    be_put16(tcp + 2, dport);
    be_put32(tcp + 4, isn);
    tcp[12] = 6 << 4; /* data offset: 24 bytes */
    tcp[13] = 0x02;   /* SYN */
    be_put16(tcp + 14, 1024);
    tcp[20] = 2; /* MSS */
    tcp[21] = 4;
    be_put16(tcp + 22, 1460);
    uint8_t pseudo[12];
    be_put32(pseudo, src);
    be_put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = 6;
    be_put16(pseudo + 10, SYN_PKT_LEN - 20);
    uint32_t sum = syn_csum_add(syn_csum_add(0, pseudo, sizeof pseudo), tcp, SYN_PKT_LEN - 20);
    be_put16(tcp + 16, (uint16_t)~syn_csum_fold(sum));
    return SYN_PKT_LEN;
}

enum syn_verdict syn_classify(const struct syn_key *k, uint32_t self, const uint8_t *ip,
                              size_t len, uint32_t *dst, uint16_t *dport)
{
    if (len < 20 || (ip[0] >> 4) != 4)
        return SYN_IGNORE;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ihl < 20 || len < ihl + 20 || ip[9] != 6)
        return SYN_IGNORE;
    if (be_get16(ip + 6) & 0x1fff) /* a later fragment */
        return SYN_IGNORE;
    uint32_t from = be_get32(ip + 12), to = be_get32(ip + 16);
    if (to != self)
        return SYN_IGNORE;
    const uint8_t *tcp = ip + ihl;
    uint16_t sp = be_get16(tcp), dp = be_get16(tcp + 2);
    uint32_t ack = be_get32(tcp + 8);
    uint8_t fl = tcp[13];
    if (!(fl & 0x10)) /* ACK: our kernel's RST for a SYN-ACK has none */
        return SYN_IGNORE;
    uint16_t want_sport;
    uint32_t isn;
    syn_cookie(k, self, from, sp, &want_sport, &isn);
    if (dp != want_sport || ack != isn + 1)
        return SYN_IGNORE;
    *dst = from;
    *dport = sp;
    if (fl & 0x04)
        return SYN_CLOSED;
    if ((fl & 0x12) == 0x12)
        return SYN_OPEN;
    return SYN_IGNORE;
}

/* ---- engine ---- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

struct probe {
    uint64_t pair;
    uint32_t dst;
    uint16_t dport, sport;
    uint32_t isn;
    uint32_t tries;  /* attempts sent */
    uint32_t gen;    /* bumped whenever the probe is re-sent or freed: stale ring entries */
    bool used;
    double sent_ms;  /* the latest attempt */
};

struct due {
    uint32_t idx, gen;
};

struct eng {
    const struct portscan_cfg *cfg;
    const struct portscan_events *ev;
    struct portscan_progress *prog;
    struct permute perm;
    uint64_t n_ports, n_pairs, next_pos;
    struct hosttab hosts;
    struct rtt_est rtt_all;
    _Atomic uint16_t *done;
    struct syn_key key;
    uint32_t self;
    struct rawsock *rs;
    struct tokenbucket tb;
    /* outstanding probes */
    struct probe *pr;
    uint32_t cap, inflight;
    uint32_t *free_idx;
    uint32_t n_free;
    uint32_t *index;   /* open addressing over (dst, dport): probe index + 1, 0 empty */
    uint32_t index_mask;
    struct due *ring;  /* attempts in the order sent, for deadlines */
    uint32_t ring_cap, ring_head, ring_n;
    /* the batch being built */
    uint8_t (*pkts)[SYN_PKT_LEN];
    struct rawsock_pkt batch[SEND_BATCH];
    unsigned n_batch;
    uint16_t ip_id;
    bool oom;
    bool fatal;
    struct rm_err err;
};

static void eng_log(struct eng *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void eng_log(struct eng *g, const char *fmt, ...)
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

static uint32_t key_slot(const struct eng *g, uint32_t dst, uint16_t port)
{
    uint64_t x = (uint64_t)dst << 16 | port;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (uint32_t)x & g->index_mask;
}

static struct probe *index_find(struct eng *g, uint32_t dst, uint16_t port, uint32_t *pos)
{
    for (uint32_t i = key_slot(g, dst, port);; i = (i + 1) & g->index_mask) {
        uint32_t v = g->index[i];
        if (v == 0)
            return NULL;
        struct probe *p = &g->pr[v - 1];
        if (p->dst == dst && p->dport == port) {
            *pos = i;
            return p;
        }
    }
}

static void index_add(struct eng *g, uint32_t idx)
{
    uint32_t i = key_slot(g, g->pr[idx].dst, g->pr[idx].dport);
    while (g->index[i])
        i = (i + 1) & g->index_mask;
    g->index[i] = idx + 1;
}

/* Backward-shift deletion: no tombstones. */
static void index_del(struct eng *g, uint32_t i)
{
    g->index[i] = 0;
    for (uint32_t j = (i + 1) & g->index_mask; g->index[j]; j = (j + 1) & g->index_mask) {
        const struct probe *p = &g->pr[g->index[j] - 1];
        uint32_t home = key_slot(g, p->dst, p->dport);
        /* Move j back to i when its home is not in the cyclic range (i, j]. */
        bool in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            g->index[i] = g->index[j];
            g->index[j] = 0;
            i = j;
        }
    }
}

static double timeout_for(struct eng *g, uint64_t raw, uint32_t tries)
{
    const struct portscan_cfg *c = g->cfg;
    struct hrec *r = ht_find(&g->hosts, raw);
    bool own = r && r->rtt.samples;
    const struct rtt_est *est = own ? &r->rtt : &g->rtt_all;
    double lo = own ? c->min_timeout_ms : fmax(c->min_timeout_ms, UNANSWERED_FLOOR_MS);
    double t = rtt_timeout(est, c->initial_timeout_ms, lo, c->max_timeout_ms);
    t *= (double)(1u << (tries - 1 < 4 ? tries - 1 : 4));
    return t < c->max_timeout_ms ? t : c->max_timeout_ms;
}

static void host_port_decided(struct eng *g, uint64_t raw)
{
    if (g->done && atomic_fetch_add(&g->done[raw], 1) + 1u == g->n_ports)
        atomic_fetch_add(&g->prog->hosts_done, 1);
    atomic_fetch_add(&g->prog->pairs_done, 1);
}

/* The final state of the probe's pair; as the connect engine's record(). */
static void record(struct eng *g, const struct probe *p, enum syn_verdict v, double rtt)
{
    struct portscan_progress *pg = g->prog;
    uint64_t raw = p->pair / g->n_ports;
    if (v == SYN_OPEN)
        atomic_fetch_add(&pg->open, 1);
    else if (v == SYN_CLOSED)
        atomic_fetch_add(&pg->closed, 1);
    else
        atomic_fetch_add(&pg->filtered, 1);
    if (v == SYN_IGNORE && !g->done) {
        struct hrec *r = ht_find(&g->hosts, raw);
        if (r)
            r->h.n_filtered++;
    }
    if (v != SYN_IGNORE) {
        struct rm_addr a = addr_from_v4(p->dst);
        int rc = hosttab_answer(&g->hosts, &g->rtt_all, raw, &a, p->dport, v == SYN_OPEN, rtt,
                                v == SYN_OPEN ? "syn-ack" : "reset", g->ev);
        if (rc < 0)
            g->oom = true;
        else if (rc == 1)
            atomic_fetch_add(&pg->hosts_up, 1);
    }
    host_port_decided(g, raw);
}

static void probe_free(struct eng *g, struct probe *p)
{
    p->used = false;
    p->gen++;
    g->free_idx[g->n_free++] = (uint32_t)(p - g->pr);
    g->inflight--;
}

static void on_packet(const uint8_t *ip, size_t len, void *arg)
{
    struct eng *g = arg;
    uint32_t dst;
    uint16_t dport;
    enum syn_verdict v = syn_classify(&g->key, g->self, ip, len, &dst, &dport);
    if (v == SYN_IGNORE)
        return;
    uint32_t pos;
    struct probe *p = index_find(g, dst, dport, &pos);
    if (!p) /* a duplicate, or an answer after the port was called filtered */
        return;
    index_del(g, pos);
    record(g, p, v, now_ms() - p->sent_ms);
    probe_free(g, p);
}

static int flush(struct eng *g)
{
    unsigned off = 0;
    for (int spins = 0; off < g->n_batch && spins < 200; spins++) {
        int r = rawsock_send(g->rs, g->batch + off, g->n_batch - off, &g->err);
        if (r < 0) {
            g->fatal = true;
            return -1;
        }
        off += (unsigned)r;
        if (off < g->n_batch && r == 0) {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
    /* Anything the kernel would not take is left to the retransmission timer. */
    g->n_batch = 0;
    return 0;
}

/* Queues one attempt of probe p; takes no token (the caller did). */
static int emit(struct eng *g, struct probe *p, double now)
{
    if (g->n_batch == SEND_BATCH && flush(g) < 0)
        return -1;
    unsigned i = g->n_batch++;
    syn_build(g->pkts[i], g->self, p->dst, p->sport, p->dport, p->isn, g->ip_id++);
    g->batch[i] = (struct rawsock_pkt){g->pkts[i], SYN_PKT_LEN, p->dst};
    p->tries++;
    p->gen++;
    p->sent_ms = now;
    g->ring[(g->ring_head + g->ring_n) % g->ring_cap] = (struct due){(uint32_t)(p - g->pr), p->gen};
    g->ring_n++;
    atomic_fetch_add(&g->prog->probes_sent, 1);
    return 0;
}

/* Retransmits or gives up on attempts past their deadline, oldest first. The deadline is
 * worked out now, from the current estimate, so early attempts sent under the initial timeout
 * are held to the adaptive one as soon as answers arrive. Returns the next deadline. */
static double deadlines(struct eng *g, double now)
{
    const struct portscan_cfg *c = g->cfg;
    while (g->ring_n > 0) {
        struct due d = g->ring[g->ring_head];
        struct probe *p = &g->pr[d.idx];
        if (!p->used || p->gen != d.gen) {
            g->ring_head = (g->ring_head + 1) % g->ring_cap;
            g->ring_n--;
            continue;
        }
        double dl = p->sent_ms + timeout_for(g, p->pair / g->n_ports, p->tries);
        if (dl > now)
            return dl;
        if (p->tries <= c->retries) {
            if (!tb_take(&g->tb, now))
                return now + tb_wait_ms(&g->tb, now);
            g->ring_head = (g->ring_head + 1) % g->ring_cap;
            g->ring_n--;
            if (emit(g, p, now) < 0)
                return now;
            continue;
        }
        g->ring_head = (g->ring_head + 1) % g->ring_cap;
        g->ring_n--;
        uint32_t pos;
        if (index_find(g, p->dst, p->dport, &pos))
            index_del(g, pos);
        record(g, p, SYN_IGNORE, 0);
        probe_free(g, p);
    }
    return INFINITY;
}

static bool have_work(const struct eng *g)
{
    return g->next_pos < g->n_pairs;
}

/* Sends first attempts while there is room, work and budget. Returns true when it stopped on
 * the budget (more to send at once). */
static bool issue(struct eng *g, double now)
{
    unsigned budget = ISSUE_BUDGET;
    while (g->n_free > 0 && g->ring_n < g->ring_cap && have_work(g)) {
        if (budget-- == 0)
            return true;
        uint64_t pair = permute_at(&g->perm, g->next_pos);
        struct rm_addr addr;
        if (!scope_at(g->cfg->scope, pair / g->n_ports, &addr)) {
            g->next_pos++;
            atomic_fetch_add(&g->prog->pairs_done, 1);
            continue;
        }
        if (!tb_take(&g->tb, now))
            return false;
        g->next_pos++;
        struct probe *p = &g->pr[g->free_idx[--g->n_free]];
        g->inflight++;
        p->used = true;
        p->pair = pair;
        p->dst = addr_v4(&addr);
        p->dport = g->cfg->ports->ports[pair % g->n_ports];
        p->tries = 0;
        syn_cookie(&g->key, g->self, p->dst, p->dport, &p->sport, &p->isn);
        index_add(g, (uint32_t)(p - g->pr));
        if (emit(g, p, now) < 0)
            return false;
    }
    return false;
}

/* Every in-scope address must be IPv4 and route through one interface from one source. */
static int check_routes(const struct scope *s, char ifname[IF_NAMESIZE], uint32_t *src,
                        struct rm_err *e)
{
    struct scope_iter it;
    struct rm_addr a;
    bool first = true;
    char buf[RM_ADDRSTRLEN];
    scope_iter_init(&it, s);
    while (scope_iter_next(&it, &a)) {
        if (a.family != AF_INET)
            return rm_errf(e, "SYN scan is IPv4 only: %s is IPv6 (use -sT)",
                           addr_str(&a, buf, sizeof buf));
        char ifn[IF_NAMESIZE];
        uint32_t sa;
        if (rawsock_route(addr_v4(&a), ifn, &sa, e) < 0)
            return -1;
        if (first) {
            memcpy(ifname, ifn, IF_NAMESIZE);
            *src = sa;
            first = false;
        } else if (strcmp(ifn, ifname) != 0 || sa != *src) {
            char s1[RM_ADDRSTRLEN], s2[RM_ADDRSTRLEN];
            struct rm_addr a1 = addr_from_v4(*src), a2 = addr_from_v4(sa);
            return rm_errf(e, "SYN scan sends on one interface, but %s routes via %s from %s "
                              "while earlier targets route via %s from %s (split the scan or use -sT)",
                           addr_str(&a, buf, sizeof buf), ifn, addr_str(&a2, s2, sizeof s2), ifname,
                           addr_str(&a1, s1, sizeof s1));
        }
    }
    if (first)
        return rm_errf(e, "nothing to scan");
    return 0;
}

static void eng_free(struct eng *g)
{
    free(g->pr);
    free(g->free_idx);
    free(g->index);
    free(g->ring);
    free(g->pkts);
    hosttab_free(&g->hosts);
    free(g->done);
}

struct syn_prep {
    struct rawsock *rs;
    char ifname[IF_NAMESIZE];
    uint32_t self;
};

struct syn_prep *synscan_prepare(const struct scope *scope, struct rm_err *e)
{
    struct syn_prep *p = calloc(1, sizeof *p);
    if (!p) {
        rm_errf(e, "out of memory");
        return NULL;
    }
    if (check_routes(scope, p->ifname, &p->self, e) < 0 ||
        !(p->rs = rawsock_open(p->ifname, p->self, SYN_SPORT_LO, SYN_SPORT_HI, e))) {
        free(p);
        return NULL;
    }
    return p;
}

void synscan_prep_free(struct syn_prep *p)
{
    if (!p)
        return;
    rawsock_close(p->rs);
    free(p);
}

int synscan_run(const struct portscan_cfg *cfg, const struct portscan_events *ev,
                struct portscan_progress *prog, struct scan_result *out, struct rm_err *e)
{
    struct syn_prep *p = synscan_prepare(cfg->scope, e);
    if (!p)
        return -1;
    if (ev && ev->opened && ev->opened(ev->arg, e) < 0) {
        synscan_prep_free(p);
        return -1;
    }
    int rc = synscan_run_prepared(cfg, p, ev, prog, out, e);
    synscan_prep_free(p);
    return rc;
}

int synscan_run_prepared(const struct portscan_cfg *cfg, struct syn_prep *prep,
                         const struct portscan_events *ev, struct portscan_progress *prog,
                         struct scan_result *out, struct rm_err *e)
{
    struct eng g = {.cfg = cfg, .ev = ev, .prog = prog};
    uint64_t raw_hosts = scope_raw_size(cfg->scope);
    g.n_ports = cfg->ports->n;
    if (g.n_ports == 0 || raw_hosts == 0)
        return rm_errf(e, "nothing to scan");
    if (raw_hosts > UINT64_MAX / 4 / g.n_ports)
        return rm_errf(e, "scan space too large");
    g.n_pairs = raw_hosts * g.n_ports;

    const char *ifname = prep->ifname;
    g.self = prep->self;
    if (getrandom(&g.key, sizeof g.key, 0) != (ssize_t)sizeof g.key)
        return rm_errf(e, "no randomness for the SYN cookie key");
    permute_init(&g.perm, g.n_pairs, cfg->seed);
    prog->pairs_total = g.n_pairs;
    prog->hosts_total = scope_count(cfg->scope);
    if (raw_hosts <= TRACK_HOSTS_MAX && g.n_ports <= UINT16_MAX) {
        g.done = calloc(raw_hosts, sizeof *g.done);
        prog->hosts_tracked = g.done != NULL;
    }
    g.cap = SYN_MAX_OUTSTANDING;
    if (g.n_pairs < g.cap)
        g.cap = (uint32_t)g.n_pairs;
    uint32_t isz = 1;
    while (isz < g.cap * 2)
        isz <<= 1;
    g.index_mask = isz - 1;
    g.ring_cap = g.cap * 4;
    g.pr = calloc(g.cap, sizeof *g.pr);
    g.free_idx = calloc(g.cap, sizeof *g.free_idx);
    g.index = calloc(isz, sizeof *g.index);
    g.ring = calloc(g.ring_cap, sizeof *g.ring);
    g.pkts = calloc(SEND_BATCH, sizeof *g.pkts);
    if (!g.pr || !g.free_idx || !g.index || !g.ring || !g.pkts) {
        eng_free(&g);
        return rm_errf(e, "out of memory");
    }
    for (uint32_t i = 0; i < g.cap; i++)
        g.free_idx[i] = g.cap - 1 - i;
    g.n_free = g.cap;

    g.rs = prep->rs;
    char sbuf[RM_ADDRSTRLEN];
    struct rm_addr sa = addr_from_v4(g.self);
    eng_log(&g, "SYN scan on %s from %s, source ports %u-%u, %s", ifname,
            addr_str(&sa, sbuf, sizeof sbuf), SYN_SPORT_LO, SYN_SPORT_HI,
            cfg->rate > 0 ? "rate-limited" : "no rate limit");

    double t0 = now_ms(), last_tick = 0;
    tb_init(&g.tb, cfg->rate, t0);
    int fd = rawsock_fd(g.rs);
    int rc = 0;
    while (!(cfg->cancel && *cfg->cancel)) {
        /* Answers first, deadlines after (as in the connect engine). */
        for (int k = 0; k < 64; k++) {
            int n = rawsock_recv(g.rs, on_packet, &g, 0, &g.err);
            if (n < 0) {
                g.fatal = true;
                break;
            }
            if (n == 0)
                break;
        }
        if (g.fatal)
            break;
        double now = now_ms();
        double next = deadlines(&g, now);
        bool more = issue(&g, now);
        if (g.n_batch && flush(&g) < 0)
            break;
        if (g.fatal)
            break;
        if (!have_work(&g) && g.inflight == 0)
            break;
        now = now_ms();
        if (ev && ev->tick && now - last_tick >= 250) {
            ev->tick(prog, ev->arg);
            last_tick = now;
        }
        double wait = MAX_WAIT_MS;
        if (next - now < wait)
            wait = next - now;
        if (have_work(&g) && g.n_free > 0 && g.ring_n < g.ring_cap) {
            double tw = tb_wait_ms(&g.tb, now);
            if (tw < wait)
                wait = tw;
        }
        int ms = (more || wait <= 0) ? 0 : (int)ceil(wait);
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, ms) < 0 && errno != EINTR) {
            rm_errf(&g.err, "poll: %s", strerror(errno));
            g.fatal = true;
            break;
        }
    }
    if (ev && ev->tick)
        ev->tick(prog, ev->arg);
    if (g.fatal)
        rc = rm_errf(e, "SYN scan failed: %s", g.err.msg);
    if (rc == 0 && g.oom)
        rc = rm_errf(e, "out of memory while recording hosts");
    unsigned drops = rawsock_drops(g.rs);
    if (drops)
        eng_log(&g, "capture dropped %u packet(s) (retransmissions covered them)", drops);
    out->meta.complete = rc == 0 && !(cfg->cancel && *cfg->cancel) &&
                         atomic_load(&prog->pairs_done) == g.n_pairs;
    if (g.rtt_all.samples)
        eng_log(&g, "round trips: srtt %.3f ms, rttvar %.3f ms over %u answers; adaptive "
                    "timeout %.1f ms", g.rtt_all.srtt_ms, g.rtt_all.rttvar_ms, g.rtt_all.samples,
                rtt_timeout(&g.rtt_all, cfg->initial_timeout_ms, cfg->min_timeout_ms,
                            cfg->max_timeout_ms));
    else
        eng_log(&g, "no answers at all: every probe went unanswered");
    if (hosttab_finish(&g.hosts, g.done, prog, (now_ms() - t0) / 1000.0, out) < 0 && rc == 0)
        rc = rm_errf(e, "out of memory while recording hosts");
    eng_free(&g);
    return rc;
}
