/* The check interface. A check module is one constant `struct check`, built with designated
 * initialisers at the end of its own file and listed once in checks/registry.c: adding a check
 * is one new file plus one line.
 *
 * Checks see the scan model (hosts, services) and this interface, nothing else of the engine.
 * They produce data — findings and evidence appended through the context — and never print,
 * exit, or write reports.
 */
#ifndef RISKMAP_CHECK_H
#define RISKMAP_CHECK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/finding.h"
#include "scanner/err.h"
#include "scanner/model.h"

/* What a check's run function is called for. */
enum check_target {
    CHECK_SITE,    /* once per scan */
    CHECK_HOST,    /* once per live host */
    CHECK_SERVICE, /* once per open service */
};

/* A finding kind a check may emit, declared as data so that `riskmap checks --kinds` and the
 * policy tests know every kind without running a scan. */
struct finding_kind {
    const char *id;      /* "svc.open" */
    enum severity severity; /* the default severity this kind is emitted with */
    const char *summary; /* one line */
    bool intrusive;      /* found by changing state on the target (a log-in attempt...): the
                          * module looks for it only when check_ctx.intrusive is set */
};

struct backup_config; /* checks/backup.h */
struct inventory_set; /* checks/inventory.h */

/* Handed to every call. The check may read cfg-like fields and must honour `cancel`. */
struct check_ctx {
    struct scan_result *result;     /* append findings and evidence here */
    double timeout_ms;              /* per-conversation deadline for checks that talk */
    atomic_int *cancel;             /* non-zero: stop as soon as possible (set from a signal
                                     * handler and read by worker threads: an atomic, not
                                     * a volatile sig_atomic_t, which threads may not share) */
    bool intrusive;                 /* --intrusive: checks that change state on the target
                                     * (log-in attempts, anonymous FTP) may run */
    bool tls_quick;                 /* --tls quick: the tls module's monitoring depth */
    const uint16_t *allowed_ports;  /* --allowed-ports, ascending; NULL = no allow-list given.
                                     * Borrowed from the caller for the whole run. */
    size_t n_allowed_ports;
    const struct backup_config *backup; /* backup sources and critical assets (--backup, later
                                         * the client profile); NULL = none. Borrowed. */
    const struct inventory_set *inventories; /* package inventories by host (--inventory,
                                              * the profile), read before root was dropped;
                                              * NULL = none. Borrowed. */
    const char *tls_ca_pem;         /* the client's CA bundle (profile), PEM text trusted
                                     * besides the system store; NULL = none */
    int tls_expiry_days;            /* "expiring soon" horizon (profile's cert-days); 0 =
                                     * the tls module's default */
    void *state;                    /* the module's own, set by init, freed by cleanup */
};

struct check {
    const char *id;      /* short, stable: "services", "tls", "patch", "backup" */
    const char *summary; /* one line for `riskmap checks` */
    enum check_target applies_to;
    const struct finding_kind *kinds;
    size_t n_kinds;
    /* Optional. Called once before any run; may set ctx->state. 0 or -1 with e set. */
    int (*init)(struct check_ctx *ctx, struct rm_err *e);
    /* Called per site, host or service as applies_to says; host and svc are NULL where they do
     * not apply and are borrowed for the call. Appends findings through ctx->result.
     * Returns 0, or -1 with e set for a failure of the check itself (not a finding). */
    int (*run)(struct check_ctx *ctx, const struct host *host, const struct service *svc,
               struct rm_err *e);
    /* Optional. Releases ctx->state. */
    void (*cleanup)(struct check_ctx *ctx);
};

/* The registry: every module, in the order they run. NULL-terminated. */
extern const struct check *const check_registry[];

/* The module with this id, or NULL. */
const struct check *check_find(const char *id);

/* Helper for modules: a new finding of a declared kind about host (and port), with the host's
 * name filled in, already appended to ctx->result (which owns it; the pointer is borrowed).
 * The module then adds facts and evidence ids and calls finding_fingerprint(). NULL on
 * allocation failure. */
struct finding *check_emit(struct check_ctx *ctx, const struct check *chk,
                           const struct finding_kind *kind, const struct host *host,
                           uint16_t port, const char *title);

#endif
