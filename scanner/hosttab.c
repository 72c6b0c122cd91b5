#include "hosttab.h"

#include "scanner/portscan.h"
#include "scanner/ports.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

struct hrec *ht_find(struct hosttab *t, uint64_t raw)
{
    if (t->cap == 0)
        return NULL;
    for (size_t i = mix64(raw) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->slots[i].used)
            return NULL;
        if (t->slots[i].raw == raw)
            return &t->slots[i];
    }
}

struct hrec *ht_insert(struct hosttab *t, uint64_t raw, const struct rm_addr *addr)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 256;
        struct hrec *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i].used)
                continue;
            size_t j = mix64(t->slots[i].raw) & (ncap - 1);
            while (ns[j].used)
                j = (j + 1) & (ncap - 1);
            ns[j] = t->slots[i];
        }
        free(t->slots);
        t->slots = ns;
        t->cap = ncap;
    }
    size_t i = mix64(raw) & (t->cap - 1);
    while (t->slots[i].used)
        i = (i + 1) & (t->cap - 1);
    struct hrec *r = &t->slots[i];
    memset(r, 0, sizeof *r);
    r->used = true;
    r->raw = raw;
    r->h.addr = *addr;
    r->h.rtt_ms = -1;
    t->n++;
    return r;
}

void hosttab_free(struct hosttab *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].used)
            continue;
        struct host *h = &t->slots[i].h;
        free(h->reason);
        free(h->hostname);
        for (size_t k = 0; k < h->n_services; k++)
            service_clear(&h->services[k]);
        free(h->services);
    }
    free(t->slots);
}

int hosttab_answer(struct hosttab *t, struct rtt_est *all, uint64_t raw,
                   const struct rm_addr *addr, uint16_t port, bool open, double rtt,
                   const char *up_reason, const struct portscan_events *ev)
{
    struct hrec *r = ht_find(t, raw);
    bool fresh = false;
    if (!r) {
        if (!(r = ht_insert(t, raw, addr)))
            return -1;
        fresh = true;
    }
    rtt_sample(&r->rtt, rtt);
    rtt_sample(all, rtt);
    r->h.rtt_ms = r->rtt.srtt_ms;
    if (fresh) {
        r->h.reason = rm_strdup(up_reason);
        if (ev && ev->host_up)
            ev->host_up(&r->h, ev->arg);
    }
    if (!open) {
        r->h.n_closed++;
        return fresh;
    }
    r->h.n_open++;
    struct service *sv = host_add_service(&r->h, port, PORT_OPEN, ports_service_name(port),
                                          "syn-ack", rtt);
    if (!sv)
        return -1;
    if (ev && ev->port_open)
        ev->port_open(&r->h, sv, ev->arg);
    return fresh;
}

int hosttab_finish(struct hosttab *t, _Atomic uint16_t *done, const struct portscan_progress *prog,
                   double duration_s, struct scan_result *out)
{
    int rc = 0;
    for (size_t i = 0; i < t->cap && rc == 0; i++) {
        struct hrec *r = &t->slots[i];
        if (!r->used)
            continue;
        struct host *h = scan_add_host(out, &r->h.addr);
        if (!h) {
            rc = -1;
            break;
        }
        uint32_t answered = r->h.n_open + r->h.n_closed;
        *h = r->h;
        /* Filtered means decided without an answer; in a cancelled scan, ports never probed
         * are not filtered, they are unknown. */
        if (done)
            h->n_filtered = (uint32_t)atomic_load(&done[r->raw]) - answered;
        memset(&r->h, 0, sizeof r->h);
        r->used = false;
    }
    struct scan_stats *st = &out->meta.stats;
    st->probes_sent = atomic_load(&prog->probes_sent);
    st->ports_done = atomic_load(&prog->pairs_done);
    st->open = atomic_load(&prog->open);
    st->closed = atomic_load(&prog->closed);
    st->filtered = atomic_load(&prog->filtered);
    st->hosts_up = atomic_load(&prog->hosts_up);
    st->duration_s = duration_s;
    return rc;
}
