/* The connect-scan engine: non-blocking connects on epoll event loops, one per worker thread,
 * over a pseudo-random permutation of every (host, port) pair in scope.
 *
 * Each worker owns a share of the permutation (positions t, t+T, t+2T, ...), its own epoll
 * set, its own slice of --max-concurrency and of the --rate token bucket. Workers share only
 * the host table (under one lock) and the progress counters (atomics).
 *
 * Per-attempt timeouts adapt to measured round trips (RFC 6298 style: srtt + 4 * rttvar),
 * per host once the host has answered, otherwise from all answers so far, clamped to
 * [min_timeout, max_timeout]; before any answer the initial timeout applies. A timed-out
 * attempt is retried up to `retries` times before the port is called filtered.
 */
#ifndef RISKMAP_PORTSCAN_H
#define RISKMAP_PORTSCAN_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "scanner/addr.h"
#include "scanner/err.h"
#include "scanner/model.h"
#include "scanner/ports.h"
#include "scanner/scope.h"

struct portscan_progress {
    atomic_uint_fast64_t probes_sent;
    atomic_uint_fast64_t pairs_done;   /* (host, port) pairs with a final state, skipped ones too */
    atomic_uint_fast64_t open, closed, filtered;
    atomic_uint_fast64_t hosts_done;   /* hosts with every port decided (0 when not tracked) */
    atomic_uint_fast64_t hosts_up;
    uint64_t pairs_total;              /* raw pairs, including those skipped as excluded/dups */
    uint64_t hosts_total;
    int hosts_tracked;                 /* hosts_done is meaningful */
};

/* Called from worker threads, serialised by the engine's lock; must be quick. */
struct portscan_events {
    void (*host_up)(const struct host *h, void *arg);
    void (*port_open)(const struct host *h, const struct service *s, void *arg);
    /* Called about four times a second from the calling thread while the scan runs. */
    void (*tick)(const struct portscan_progress *p, void *arg);
    /* Verbose decisions ("adaptive timeout now 12.4 ms"); may be NULL. */
    void (*log)(const char *msg, void *arg);
    /* Engines that open raw sockets (synscan.h) call it once, right after opening them and
     * before any packet is sent or read: riskmap drops root there (scanner/privs.h). A
     * return below 0 aborts the scan with e's message. May be NULL; the connect engine
     * never calls it. */
    int (*opened)(void *arg, struct rm_err *e);
    void *arg;
};

struct portscan_cfg {
    const struct scope *scope;
    const struct portlist *ports;
    double rate;               /* connects per second over all workers; 0 = unlimited */
    unsigned max_concurrency;  /* connects in flight over all workers */
    unsigned retries;
    unsigned threads;
    double initial_timeout_ms;
    double min_timeout_ms;
    double max_timeout_ms;
    uint64_t seed;
    atomic_int *cancel;
};

/* Scans every in-scope (host, port) pair. Hosts that answered on any port (open, or closed
 * by a reset) are appended to out->hosts with their open ports as services; out->meta.stats
 * and out->meta.complete are filled in. Returns 0, or -1 with e set on a runtime failure (no
 * socket could be created at all, epoll failure): what was found is appended even then. A
 * cancelled scan returns 0 with what it found and complete = false. */
int portscan_run(const struct portscan_cfg *cfg, const struct portscan_events *ev,
                 struct portscan_progress *prog, struct scan_result *out, struct rm_err *e);

#endif
