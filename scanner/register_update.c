/* A scored scan moves the register forward, in one transaction (rules in register.h and
 * docs/register.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/model.h"
#include "scanner/register_impl.h"

struct apply {
    struct register_db *db;
    sqlite3_stmt *state; /* the held state of one fingerprint */
    const struct risk_set *s;
    const char *at;
    sqlite3_int64 scan_row; /* this scan's row: the who and when of its history rows */
    sqlite3_int64 rid;      /* the risk row being changed */
    struct register_delta *d;
    struct rm_err *e;
};

static int hist(struct apply *a, const char *field, const char *old_value,
                const char *new_value, const char *note)
{
    return reg_history_add(a->db, a->rid, a->scan_row, NULL, NULL, field, old_value, new_value,
                           note, a->e);
}

static int set_status(struct apply *a, struct risk *r, enum risk_status to, const char *note)
{
    if (r->status == to)
        return 0;
    int rc = hist(a, "status", risk_status_name(r->status), risk_status_name(to), note);
    r->status = to;
    return rc;
}

/* A text field that may change automatically: set and recorded. */
static int set_field(struct apply *a, const char *field, char **slot,
                     const char *v, const char *note)
{
    if (reg_streq(*slot, v))
        return 0;
    if (hist(a, field, *slot, v, note) < 0)
        return -1;
    return reg_set_str(slot, v) < 0 ? rm_errf(a->e, "register: out of memory") : 0;
}

/* The client profile accepts the risk (scored status accepted): it is accepted, with the
 * profile's owner, reason and expiry, unless the register holds an exception. */
static int profile_accept(struct apply *a, struct risk *r, const struct risk *scored)
{
    if (scored->status != RISK_ACCEPTED || r->status == RISK_EXCEPTION)
        return 0;
    const char *note = "accepted by the client profile";
    bool changed = r->status != RISK_ACCEPTED ||
                   !reg_streq(r->accept_expires, scored->accept_expires);
    if (set_status(a, r, RISK_ACCEPTED, note) < 0 ||
        set_field(a, "owner", &r->owner, scored->owner, note) < 0 ||
        set_field(a, "accept_expires", &r->accept_expires, scored->accept_expires, note) < 0 ||
        set_field(a, "treatment", &r->treatment, scored->treatment, note) < 0)
        return -1;
    if (changed)
        a->d->n_accepted++;
    return 0;
}

/* The register's own state of a risk it holds: what a scan never overwrites, and what it
 * compares against. Strings owned. */
struct held {
    enum risk_status status;
    int inherent;
    enum severity severity;
    char *owner, *due, *treatment, *accept_expires, *exception_kind;
    char first_seen[11];
    sqlite3_int64 rid;
};

static void held_free(struct held *h)
{
    free(h->owner);
    free(h->due);
    free(h->treatment);
    free(h->accept_expires);
    free(h->exception_kind);
}

static char *col_dup(sqlite3_stmt *s, int i, bool *oom)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    char *c = t ? rm_strdup((const char *)t) : NULL;
    if (t && !c)
        *oom = true;
    return c;
}

/* 0 held (h filled), 1 not in the register, -1 error. */
static int read_held(struct apply *a, const char *fp, struct held *h)
{
    sqlite3_stmt *s = a->state;
    memset(h, 0, sizeof *h);
    sqlite3_bind_text(s, 1, fp, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s), out = 1;
    if (rc == SQLITE_ROW) {
        bool oom = false;
        if (risk_status_parse((const char *)sqlite3_column_text(s, 0), &h->status) < 0)
            h->status = RISK_OPEN;
        h->inherent = sqlite3_column_int(s, 1);
        if (severity_parse((const char *)sqlite3_column_text(s, 2), &h->severity) < 0)
            h->severity = SEV_MEDIUM;
        h->owner = col_dup(s, 3, &oom);
        h->due = col_dup(s, 4, &oom);
        h->treatment = col_dup(s, 5, &oom);
        h->accept_expires = col_dup(s, 6, &oom);
        h->exception_kind = col_dup(s, 7, &oom);
        const unsigned char *fs = sqlite3_column_text(s, 8);
        snprintf(h->first_seen, sizeof h->first_seen, "%s", fs ? (const char *)fs : "");
        h->rid = sqlite3_column_int64(s, 9);
        out = oom ? rm_errf(a->e, "register: out of memory") : 0;
    } else if (rc != SQLITE_DONE) {
        out = reg_fail(a->db, "read", a->e);
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (out < 0)
        held_free(h);
    return out;
}

/* A risk the scan found that the register already holds: r is the scored risk (its scan
 * fields borrowed from the scored set) carrying the held state, which the rules change. */
static int apply_present(struct apply *a, struct risk *r, const struct held *h,
                         const struct risk *scored)
{
    const char *date = a->s->date;
    if (h->inherent != scored->inherent) {
        char old_inh[16], new_inh[16];
        snprintf(old_inh, sizeof old_inh, "%d", h->inherent);
        snprintf(new_inh, sizeof new_inh, "%d", scored->inherent);
        if (hist(a, "inherent", old_inh, new_inh, "rescored by scan") < 0)
            return -1;
        a->d->n_rescored++;
    }
    if (h->severity != scored->severity &&
        hist(a, "severity", severity_name(h->severity),
             severity_name(scored->severity), "rescored by scan") < 0)
        return -1;
    switch (r->status) {
    case RISK_RESOLVED:
        if (set_status(a, r, RISK_REOPENED, "found again by scan") < 0)
            return -1;
        a->d->n_reopened++;
        break;
    case RISK_ACCEPTED:
        if (r->accept_expires && strcmp(r->accept_expires, date) < 0) {
            char note[64];
            snprintf(note, sizeof note, "acceptance expired on %s", r->accept_expires);
            if (set_status(a, r, RISK_OPEN, note) < 0)
                return -1;
            a->d->n_expired++;
        }
        break;
    default:
        break;
    }
    return profile_accept(a, r, scored);
}

static int apply_new(struct apply *a, const struct risk *scored)
{
    /* The row is written from a copy of the scored risk: status as scored (open, or accepted
     * by the profile); its history rows follow, naming the new row. */
    struct risk r = *scored;
    memcpy(r.first_seen, a->s->date, sizeof r.first_seen);
    memcpy(r.last_seen, a->s->date, sizeof r.last_seen);
    r.residual = risk_residual(&r);
    /* Queued: r is copied (its dates with it); its strings are scored's, valid until
     * register_update returns, after the commit. */
    if (reg_put_new(a->db, &r, &a->rid, a->e) < 0)
        return -1;
    a->d->n_new++;
    const char *note = scored->status == RISK_ACCEPTED ? "found by scan; accepted by the client "
                                                         "profile"
                                                       : "found by scan";
    if (hist(a, "status", NULL, risk_status_name(scored->status), note) < 0)
        return -1;
    if (scored->status == RISK_ACCEPTED &&
        (hist(a, "owner", NULL, scored->owner, note) < 0 ||
         hist(a, "accept_expires", NULL, scored->accept_expires, note) < 0 ||
         hist(a, "treatment", NULL, scored->treatment, note) < 0))
        return -1;
    return 0;
}

static int cmp_fp(const void *k, const void *b)
{
    return strcmp(k, (*(const struct risk *const *)b)->fingerprint);
}

static int cmp_risk_fp(const void *x, const void *y)
{
    return strcmp((*(const struct risk *const *)x)->fingerprint,
                  (*(const struct risk *const *)y)->fingerprint);
}

/* The fingerprints of query s's rows (the first column) that are not among the scan's n
 * risks fps (sorted by fingerprint), copied into *out (*n_out of them; freed with
 * free_fps). Finalizes s. */
static int not_scanned(struct apply *a, sqlite3_stmt *s, struct risk *const *fps, size_t n,
                       char ***out, size_t *n_out)
{
    char **gone = NULL;
    size_t n_gone = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *fp = (const char *)sqlite3_column_text(s, 0);
        if (bsearch(fp, fps, n, sizeof *fps, cmp_fp))
            continue;
        if (n_gone == cap) {
            cap = cap ? cap * 2 : 64;
            char **v = realloc(gone, cap * sizeof *v);
            if (!v)
                break;
            gone = v;
        }
        if (!(gone[n_gone] = rm_strdup(fp)))
            break;
        n_gone++;
    }
    sqlite3_finalize(s);
    *out = gone;
    *n_out = n_gone;
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? rm_errf(a->e, "register: out of memory")
                                : reg_fail(a->db, "read", a->e);
    return 0;
}

static void free_fps(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Risks the register holds (any status but resolved and exception) that the scan did not
 * find: a complete scan resolves them; an incomplete one only lets acceptances whose date
 * has passed expire (it cannot tell the risk is gone, but the date has passed all the same). */
static int handle_missing(struct apply *a, struct risk *const *fps, size_t n, bool complete)
{
    sqlite3_stmt *s = NULL;
    const char *sql = complete ? "SELECT fingerprint FROM risk_row WHERE status NOT IN "
                                 "('resolved', 'exception') ORDER BY fingerprint"
                               : "SELECT fingerprint FROM risk_row WHERE status = 'accepted' "
                                 "AND accept_expires < ?1 ORDER BY fingerprint";
    if (sqlite3_prepare_v2(a->db->db, sql, -1, &s, NULL) != SQLITE_OK)
        return reg_fail(a->db, "prepare", a->e);
    if (!complete)
        sqlite3_bind_text(s, 1, a->s->date, -1, SQLITE_TRANSIENT);
    char **gone = NULL;
    size_t n_gone = 0;
    int out = not_scanned(a, s, fps, n, &gone, &n_gone);
    for (size_t i = 0; out == 0 && i < n_gone; i++) {
        struct risk r = {0};
        int g = reg_get(a->db, gone[i], &r, &a->rid, a->e);
        if (g != 0) {
            out = g < 0 ? -1 : rm_errf(a->e, "register: %s vanished mid-update", gone[i]);
        } else if (complete) {
            out = set_status(a, &r, RISK_RESOLVED, "not found by scan");
            a->d->n_resolved++;
        } else {
            char note[64];
            snprintf(note, sizeof note, "acceptance expired on %s", r.accept_expires);
            out = set_status(a, &r, RISK_OPEN, note);
            a->d->n_expired++;
        }
        if (out == 0) {
            r.residual = risk_residual(&r);
            out = reg_put(a->db, &r, &a->rid, a->e);
        }
        risk_clear(&r);
    }
    free_fps(gone, n_gone);
    return out;
}

/* The view (register_update_load), once every row is written and before the commit: the
 * scan's risks already carry the state the update gave them; what is left is to drop the
 * scan's second findings of one fingerprint (only the first was applied), to add the rows
 * the scan did not name (none when the register was empty), and to sort as register_load
 * does. fps (s's risks by fingerprint) is stale once s is changed. */
static int build_view(struct apply *a, struct risk_set *s, struct risk **fps, bool was_empty)
{
    char **rest = NULL;
    size_t n_rest = 0;
    if (!was_empty) {
        sqlite3_stmt *q = NULL;
        if (reg_prepare(a->db, "SELECT fingerprint FROM risk_row", &q, a->e) < 0 ||
            not_scanned(a, q, fps, s->n, &rest, &n_rest) < 0) {
            free_fps(rest, n_rest);
            return -1;
        }
    }
    /* Marked by a cleared kind (every applied risk has one), then squeezed out. */
    for (size_t i = 1, first = 0; i < s->n; i++) {
        if (strcmp(fps[i]->fingerprint, fps[first]->fingerprint) == 0)
            risk_set_clear(s, fps[i]);
        else
            first = i;
    }
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].kind)
            s->v[kept++] = s->v[i];
    s->n = kept;
    int out = 0;
    for (size_t i = 0; out == 0 && i < n_rest; i++) {
        struct risk r = {0};
        sqlite3_int64 rid;
        int g = reg_get(a->db, rest[i], &r, &rid, a->e);
        if (g > 0)
            out = rm_errf(a->e, "register: %s vanished mid-update", rest[i]);
        else if (g < 0)
            out = -1;
        else if (risk_set_adopt(s, &r) < 0)
            out = rm_errf(a->e, "register: out of memory");
        if (out < 0)
            risk_clear(&r);
    }
    free_fps(rest, n_rest);
    if (out == 0)
        reg_sort_load_order(s);
    return out;
}

static int scan_known(struct register_db *db, const char *scan_id, char newest[11],
                      struct rm_err *e)
{
    sqlite3_stmt *s = NULL;
    newest[0] = 0;
    if (sqlite3_prepare_v2(db->db, "SELECT (SELECT count(*) FROM scan WHERE scan_id = ?), "
                                   "(SELECT max(date) FROM scan)", -1, &s, NULL) != SQLITE_OK)
        return reg_fail(db, "prepare", e);
    sqlite3_bind_text(s, 1, scan_id, -1, SQLITE_TRANSIENT);
    int rc = -1;
    if (sqlite3_step(s) == SQLITE_ROW) {
        rc = sqlite3_column_int(s, 0) > 0;
        const unsigned char *d = sqlite3_column_text(s, 1);
        snprintf(newest, 11, "%s", d ? (const char *)d : "");
    } else {
        reg_fail(db, "read", e);
    }
    sqlite3_finalize(s);
    return rc;
}

/* The scan's row, first: its history rows name it. Its figures are filled in at the end
 * (finish_point); the whole is one transaction, so no reader sees the zeros. */
static int start_point(struct apply *a, bool complete)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(a->db->db, "INSERT INTO scan(scan_id, date, applied, complete, worst,"
                                      " total, counted, new, resolved, reopened) "
                                      "VALUES(?,?,?,?,0,0,0,0,0,0)", -1, &s, NULL) != SQLITE_OK)
        return reg_fail(a->db, "trend", a->e);
    sqlite3_bind_text(s, 1, a->s->scan_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, a->s->date, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, a->at, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, complete);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : reg_fail(a->db, "trend", a->e);
    a->scan_row = sqlite3_last_insert_rowid(a->db->db);
    sqlite3_finalize(s);
    return rc;
}

static int finish_point(struct apply *a, const struct trend_framework *fw, size_t n_fw)
{
    struct trend_point *p = &a->d->point;
    sqlite3_stmt *s = NULL;
    int rc = -1;
    if (reg_flush(a->db, a->e) < 0) /* the figures read every risk row */
        return -1;
    if (sqlite3_prepare_v2(a->db->db, "SELECT coalesce(max(residual), 0), "
                                      "coalesce(sum(residual), 0), count(*) FROM risk_row WHERE "
                                      "status IN ('open', 'reopened', 'mitigating')",
                           -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW)
        goto db;
    snprintf(p->scan_id, sizeof p->scan_id, "%s", a->s->scan_id);
    memcpy(p->date, a->s->date, sizeof p->date);
    p->worst = sqlite3_column_int(s, 0);
    p->total = (long)sqlite3_column_int64(s, 1);
    p->n_counted = (unsigned)sqlite3_column_int(s, 2);
    p->n_new = a->d->n_new;
    p->n_resolved = a->d->n_resolved;
    p->n_reopened = a->d->n_reopened;
    p->fw = (struct trend_framework *)fw;
    p->n_fw = n_fw;
    sqlite3_finalize(s);
    s = NULL;
    if (sqlite3_prepare_v2(a->db->db, "UPDATE scan SET worst = ?2, total = ?3, counted = ?4, "
                                      "new = ?5, resolved = ?6, reopened = ?7 WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        goto db;
    sqlite3_bind_int64(s, 1, a->scan_row);
    sqlite3_bind_int(s, 2, p->worst);
    sqlite3_bind_int64(s, 3, p->total);
    sqlite3_bind_int(s, 4, (int)p->n_counted);
    sqlite3_bind_int(s, 5, (int)p->n_new);
    sqlite3_bind_int(s, 6, (int)p->n_resolved);
    sqlite3_bind_int(s, 7, (int)p->n_reopened);
    if (sqlite3_step(s) != SQLITE_DONE || sqlite3_changes(a->db->db) != 1)
        goto db;
    sqlite3_finalize(s);
    s = NULL;
    if (sqlite3_prepare_v2(a->db->db, "INSERT INTO scan_framework(scan, framework, pass, fail, "
                                      "partial, not_checked) VALUES(?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        goto db;
    for (size_t i = 0; i < n_fw; i++) {
        sqlite3_bind_int64(s, 1, a->scan_row);
        sqlite3_bind_text(s, 2, fw[i].id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 3, (int)fw[i].pass);
        sqlite3_bind_int(s, 4, (int)fw[i].fail);
        sqlite3_bind_int(s, 5, (int)fw[i].partial);
        sqlite3_bind_int(s, 6, (int)fw[i].not_checked);
        if (sqlite3_step(s) != SQLITE_DONE)
            goto db;
        sqlite3_reset(s);
    }
    rc = 0;
    goto out;
db:
    reg_fail(a->db, "trend", a->e);
out:
    sqlite3_finalize(s);
    return rc;
}

/* 1 when the register holds no risk at all (a new one): nothing to look up. */
static int register_empty(struct register_db *db, struct rm_err *e)
{
    sqlite3_stmt *s = NULL;
    if (reg_prepare(db, "SELECT NOT EXISTS (SELECT 1 FROM risk_row)", &s, e) < 0)
        return -1;
    int rc = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : reg_fail(db, "read", e);
    sqlite3_finalize(s);
    return rc;
}

/* register_update, and with view register_update_load: s is changed only with view. */
static int update(struct register_db *db, struct risk_set *s, bool view, bool complete,
                  const struct trend_framework *fw, size_t n_fw, const char *when_utc,
                  struct register_delta *out, struct rm_err *e)
{
    memset(out, 0, sizeof *out);
    if (!s->scan_id[0] || strlen(s->date) != 10)
        return rm_errf(e, "register: the scan has no id or no date");
    char now[21], newest[11];
    if (!when_utc) {
        register_now_utc(now);
        when_utc = now;
    }
    /* The history rows' who, "scan SCANID", is the scan row's (the history view). */
    struct apply a = {.db = db, .state = db->state, .s = s, .at = when_utc, .d = out, .e = e};
    /* The scan's risks by fingerprint: to tell what is missing, and to apply each
     * fingerprint once (two findings of one scan may share one). */
    struct risk **fps = malloc((s->n ? s->n : 1) * sizeof *fps);
    if (!fps)
        return rm_errf(e, "register: out of memory");
    for (size_t i = 0; i < s->n; i++)
        fps[i] = &s->v[i];
    if (s->n > 1)
        qsort(fps, s->n, sizeof *fps, cmp_risk_fp);

    if (reg_begin(db, e) < 0) {
        free(fps);
        return -1;
    }
    int known = scan_known(db, s->scan_id, newest, e);
    if (known < 0)
        goto fail;
    if (known) {
        out->already = true;
        reg_rollback(db);
        free(fps);
        if (!view)
            return 0;
        /* Nothing changed: the view is the register as it stands. */
        risk_set_free(s);
        return register_load(db, NULL, s, e) < 0 ? (memset(out, 0, sizeof *out), -1) : 0;
    }
    if (newest[0] && strcmp(s->date, newest) < 0) {
        rm_errf(e, "register: scan %s of %s is older than the newest scan applied (%s); the "
                   "register only moves forward", s->scan_id, s->date, newest);
        goto fail;
    }
    int empty = register_empty(db, e);
    if (empty < 0 || start_point(&a, complete) < 0 || handle_missing(&a, fps, s->n, complete) < 0)
        goto fail;
    for (size_t i = 0; i < s->n; i++) {
        struct risk *scored = fps[i];
        if (i && strcmp(scored->fingerprint, fps[i - 1]->fingerprint) == 0)
            continue;
        struct held h;
        int g = empty ? 1 : read_held(&a, scored->fingerprint, &h);
        if (g < 0)
            goto fail;
        if (g == 1) {
            if (apply_new(&a, scored) < 0)
                goto fail;
            if (view) { /* as apply_new wrote the row */
                memcpy(scored->first_seen, s->date, sizeof scored->first_seen);
                memcpy(scored->last_seen, s->date, sizeof scored->last_seen);
                scored->residual = risk_residual(scored);
            }
            continue;
        }
        out->n_still++;
        /* The scan's view of the risk with the register's state: the scan fields are
         * borrowed from the scored set, the state fields are h's (moved in: freed below, or
         * with view kept in the scored risk instead of the profile's). */
        struct risk r = *scored;
        r.status = h.status;
        r.owner = h.owner;
        r.due = h.due;
        r.treatment = h.treatment;
        r.accept_expires = h.accept_expires;
        r.exception_kind = h.exception_kind;
        memcpy(r.first_seen, h.first_seen, sizeof r.first_seen);
        memcpy(r.last_seen, s->date, sizeof r.last_seen);
        a.rid = h.rid;
        int rc = apply_present(&a, &r, &h, scored);
        if (rc == 0) {
            r.residual = risk_residual(&r);
            rc = reg_put(db, &r, &a.rid, e);
        }
        struct risk *drop = view ? scored : &r;
        free(drop->owner);
        free(drop->due);
        free(drop->treatment);
        free(drop->accept_expires);
        free(drop->exception_kind);
        if (view)
            *scored = r;
        if (rc < 0)
            goto fail;
    }
    if (finish_point(&a, fw, n_fw) < 0 || (view && build_view(&a, s, fps, empty) < 0) ||
        reg_commit(db, e) < 0)
        goto fail;
    free(fps);
    return 0;
fail:
    reg_rollback(db);
    free(fps);
    memset(out, 0, sizeof *out);
    return -1;
}

int register_update(struct register_db *db, const struct risk_set *s, bool complete,
                    const struct trend_framework *fw, size_t n_fw, const char *when_utc,
                    struct register_delta *out, struct rm_err *e)
{
    /* Without view, update only reads s. */
    return update(db, (struct risk_set *)s, false, complete, fw, n_fw, when_utc, out, e);
}

int register_update_load(struct register_db *db, struct risk_set *s, bool complete,
                         const struct trend_framework *fw, size_t n_fw, const char *when_utc,
                         struct register_delta *out, struct rm_err *e)
{
    return update(db, s, true, complete, fw, n_fw, when_utc, out, e);
}
