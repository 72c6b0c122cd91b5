/* The engine's table of hosts that answered, keyed by raw host index (see scope.h). Internal
 * to the port scanner; not thread-safe: the engine guards it with its lock.
 *
 * Ownership: the table owns each record's host (strings, services) until the engine moves a
 * host into a scan_result and clears the record. */
#ifndef RISKMAP_HOSTTAB_H
#define RISKMAP_HOSTTAB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/model.h"
#include "scanner/rtt.h"

struct hrec {
    uint64_t raw;
    bool used;
    struct rtt_est rtt;
    struct host h;
};

struct hosttab {
    struct hrec *slots; /* open addressing, linear probing; cap is a power of two */
    size_t cap, n;
};

/* The record for raw index, or NULL. Borrowed until the next insert. */
struct hrec *ht_find(struct hosttab *t, uint64_t raw);
/* Adds a record (raw must not be present); NULL on allocation failure. */
struct hrec *ht_insert(struct hosttab *t, uint64_t raw, const struct rm_addr *addr);
struct portscan_events;
struct portscan_progress;

/* Records an answer from the host at raw index raw (address addr): a completed connection
 * or SYN-ACK (open) or a reset (closed) on port, after rtt milliseconds. Feeds the host's and
 * all hosts' round-trip estimates, creates the record on the host's first answer (reason
 * up_reason, then ev->host_up), adds an open port as a service named from the port table
 * (then ev->port_open). Shared by the connect and SYN engines, under their lock.
 * Returns 1 when the host was seen for the first time, 0 otherwise, -1 out of memory. */
int hosttab_answer(struct hosttab *t, struct rtt_est *all, uint64_t raw,
                   const struct rm_addr *addr, uint16_t port, bool open, double rtt,
                   const char *up_reason, const struct portscan_events *ev);

/* The end of a scan, for both engines: moves the answering hosts into out (the records'
 * host structs change owner; filtered counts come from the per-host decided counters `done`
 * when tracked, else from what was counted) and fills out->meta.stats from the progress
 * counters and the elapsed time. 0, or -1 out of memory (the stats are filled anyway). */
int hosttab_finish(struct hosttab *t, _Atomic uint16_t *done, const struct portscan_progress *prog,
                   double duration_s, struct scan_result *out);

/* Frees every record still in the table, and the table. */
void hosttab_free(struct hosttab *t);

#endif
