/* The risk register: one SQLite file per client (DIR/register.db in its data directory, or a
 * path of the operator's choosing) that keeps every risk across scans, keyed by the finding's
 * fingerprint, with its owner, due date, treatment and the history of every change.
 *
 * A scored scan (scanner/risk_model.h: a risk_set from reports/risk.h) moves the register
 * forward in one transaction (register_update); people change it one risk at a time
 * (register_edit). Readers get risk_sets and trends back in the same vocabulary.
 *
 * Ownership: a struct register_db is the open file; register_close() releases it. Sets,
 * trends and histories filled by the readers belong to the caller.
 */
#ifndef RISKMAP_REGISTER_H
#define RISKMAP_REGISTER_H

#include <stdbool.h>
#include <stddef.h>

#include "scanner/err.h"
#include "scanner/risk_model.h"

struct register_db;

/* DIR/register.db into buf (n bytes). */
int register_default_path(const char *datadir, char *buf, size_t n, struct rm_err *e);

/* Opens the register at path. With create, a missing file is made (0600, its directory 0700
 * when that last component is missing) and the schema laid down; without, a missing file is
 * an error that says how to make one. */
int register_open(const char *path, bool create, struct register_db **out, struct rm_err *e);
void register_close(struct register_db *db);

/* What one scan did to the register. */
struct register_delta {
    bool already;        /* this scan id was applied before: nothing was changed */
    unsigned n_new, n_still, n_resolved, n_reopened, n_expired, n_accepted, n_rescored;
    struct trend_point point; /* the trend point written (fw borrowed from the caller) */
};

/* Applies one scored scan: s->scan_id, s->date and its risks (as risk_score_scan made them:
 * status open, or accepted by the client profile with owner/treatment/accept_expires).
 * complete is the scan's meta.complete: an incomplete scan resolves nothing. fw/n_fw are
 * the scan's per-framework compliance counts for its trend point. when_utc stamps the
 * history rows ("2026-11-22T10:00:00Z"; NULL: now). All in one transaction: on failure the
 * register is as it was. Rules (docs/register.md):
 *   new fingerprint                    -> open (accepted when the profile accepts it)
 *   present, open/reopened/mitigating  -> keeps status, owner; scores and last_seen refreshed
 *   present, accepted, expiry < date   -> open again (unless the profile accepts it anew)
 *   present, resolved                  -> reopened
 *   present or not, exception          -> stays an exception
 *   missing, complete scan             -> resolved
 *   missing, incomplete scan           -> unchanged, but for acceptances whose date passed
 * A scan older than the newest one recorded is refused. Every change is a history row by
 * "scan SCANID". */
int register_update(struct register_db *db, const struct risk_set *s, bool complete,
                    const struct trend_framework *fw, size_t n_fw, const char *when_utc,
                    struct register_delta *out, struct rm_err *e);

/* register_update, after which s holds the register's risks as register_load(db, NULL, s)
 * would read them: the scan's risks with the state the update gave them, the rows the scan
 * did not name read back, in register_load's order, all inside the update's transaction. A
 * report written right after an update needs no second read of the whole register (a
 * third of a report's time at 80,000 risks). A scan applied before: s is the register as it
 * stands. On failure s is partly changed, fit only for risk_set_free(). */
int register_update_load(struct register_db *db, struct risk_set *s, bool complete,
                         const struct trend_framework *fw, size_t n_fw, const char *when_utc,
                         struct register_delta *out, struct rm_err *e);

/* What people do to one risk. */
enum register_action {
    REG_ASSIGN,         /* owner (required), due (optional, YYYY-MM-DD) */
    REG_ACCEPT,         /* until (YYYY-MM-DD, required), reason (required) */
    REG_MITIGATE,       /* note (required): status mitigating, the note its treatment */
    REG_NOTE,           /* note (required): a history row only */
    REG_FALSE_POSITIVE, /* reason (required): exception "false-positive" */
    REG_EXCEPTION,      /* reason (required): exception "compensating-control" */
};

struct register_edit {
    enum register_action action;
    const char *fingerprint; /* full, 64 hex (register_resolve_prefix) */
    const char *who;         /* required */
    const char *when_utc;    /* NULL: now */
    const char *owner, *due, *until, *reason, *note;
};

/* Applies one edit in one transaction, each field it changes a history row. */
int register_edit(struct register_db *db, const struct register_edit *ed, struct rm_err *e);

/* The one fingerprint that starts with prefix (at least 4 hex digits) into fp: 0; -1 with e
 * naming the candidates when none or several match. */
int register_resolve_prefix(struct register_db *db, const char *prefix,
                            char fp[FINGERPRINT_HEX_LEN + 1], struct rm_err *e);

/* Which risks register_load returns; NULL/0 fields do not filter. */
struct register_filter {
    const char *fingerprint;
    const enum risk_status *status; /* one status */
    int min_score;                  /* residual >= */
    const char *asset;              /* asset name or address, exact */
    const char *framework;          /* a framework id among the risk's references */
    const char *owner;
    const char *kind;               /* exact, or a prefix ending in '.' ("tls.") */
};

/* The register's risks matching f (NULL: all) into out (zeroed), sorted by residual score,
 * inherent score, then fingerprint; out->scan_id/date name the newest scan applied. out is
 * a pooled set (scanner/risk_model.h). */
int register_load(struct register_db *db, const struct register_filter *f,
                  struct risk_set *out, struct rm_err *e);

/* The register as it stands, in figures: the headline (worst and total residual score of the
 * counted risks: open, reopened, mitigating), the worst one, and the count per status.
 * Computed by SQLite, without reading every risk. */
struct register_figures {
    struct risk_headline h; /* worst_index unused */
    size_t n_risks;
    size_t by_status[RISK_STATUS_COUNT];
    char worst_fp[FINGERPRINT_HEX_LEN + 1]; /* "" when nothing counts */
    char worst_kind[64], worst_asset[256];
};
int register_figures(struct register_db *db, struct register_figures *out, struct rm_err *e);

/* Every recorded scan, oldest first. */
int register_trend(struct register_db *db, struct trend *out, struct rm_err *e);

/* One row of a risk's history. */
struct register_change {
    char *at, *who, *field, *old_value, *new_value, *note; /* old/new/note may be NULL */
};
struct register_history {
    struct register_change *v;
    size_t n;
};
/* A risk's history, oldest first. */
int register_history(struct register_db *db, const char *fingerprint,
                     struct register_history *out, struct rm_err *e);
void register_history_free(struct register_history *h);

/* Now, UTC, "YYYY-MM-DDTHH:MM:SSZ" (21 bytes). */
void register_now_utc(char out[21]);

#endif
