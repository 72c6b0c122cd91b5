/* The register's readers: risks (filtered), figures, trend, a risk's history, fingerprint
 * prefixes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/model.h"
#include "scanner/register_impl.h"

static int latest_scan(struct register_db *db, struct risk_set *out, struct rm_err *e)
{
    sqlite3_stmt *s = NULL;
    if (reg_prepare(db, "SELECT scan_id, date FROM scan ORDER BY id DESC LIMIT 1", &s, e) < 0)
        return -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(out->scan_id, sizeof out->scan_id, "%s", sqlite3_column_text(s, 0));
        reg_copy_date(out->date, sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : reg_fail(db, "read", e);
}

/* Residual score, inherent score (both highest first), then fingerprint: the order
 * register_load promises, as SQL's ORDER BY residual DESC, inherent DESC, fingerprint
 * (fingerprints are lower-case hex, where strcmp and SQLite's BINARY collation agree). */
static int cmp_load_order(const void *x, const void *y)
{
    const struct risk *a = x, *b = y;
    if (a->residual != b->residual)
        return a->residual > b->residual ? -1 : 1;
    if (a->inherent != b->inherent)
        return a->inherent > b->inherent ? -1 : 1;
    return strcmp(a->fingerprint, b->fingerprint);
}

void reg_sort_load_order(struct risk_set *s)
{
    /* A scored set comes in this order already (reports/risk.h), and after an update that
     * changed no score it still is: one pass to tell, rather than a sort of 80,000 risks. */
    size_t i = 1;
    while (i < s->n && cmp_load_order(&s->v[i - 1], &s->v[i]) <= 0)
        i++;
    if (i < s->n)
        qsort(s->v, s->n, sizeof *s->v, cmp_load_order);
}

int register_load(struct register_db *db, const struct register_filter *f,
                  struct risk_set *out, struct rm_err *e)
{
    char sql[1024];
    int n = snprintf(sql, sizeof sql, REG_SELECT " WHERE 1");
    static const struct register_filter none = {0};
    if (!f)
        f = &none;
    /* Parameters are numbered by filter, so an unused one is simply never referenced. */
    if (f->fingerprint)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND r.fingerprint = ?1");
    if (f->status)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND r.status = ?2");
    if (f->min_score > 0)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND r.residual >= ?3");
    if (f->asset)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND (r.asset = ?4 OR r.address = ?4)");
    if (f->framework)
        n += snprintf(sql + n, sizeof sql - (size_t)n,
                      " AND EXISTS (SELECT 1 FROM json_each(d.refs) "
                      "WHERE json_extract(json_each.value, '$[0]') = ?5)");
    if (f->owner)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND r.owner = ?6");
    if (f->kind) {
        size_t kl = strlen(f->kind);
        if (kl && f->kind[kl - 1] == '.')
            n += snprintf(sql + n, sizeof sql - (size_t)n, " AND substr(d.kind, 1, %zu) = ?7",
                          kl);
        else
            n += snprintf(sql + n, sizeof sql - (size_t)n, " AND d.kind = ?7");
    }
    /* No ORDER BY: SQLite's sorter would copy every joined row, the detail's controls,
     * references and remediation with it, before the first came back (a third of the load
     * of 80,000 risks); the risks are sorted here once read. */

    sqlite3_stmt *s = NULL;
    /* The set is pooled, as a scored one: 80,000 risks of a dozen details share their
     * texts and lists. */
    if (risk_set_pool(out) < 0)
        return rm_errf(e, "register: out of memory");
    if (latest_scan(db, out, e) < 0 || reg_prepare(db, sql, &s, e) < 0) {
        risk_set_free(out);
        return -1;
    }
    if (f->fingerprint)
        reg_bind_text(s, 1, f->fingerprint);
    if (f->status)
        reg_bind_text(s, 2, risk_status_name(*f->status));
    if (f->min_score > 0)
        sqlite3_bind_int(s, 3, f->min_score);
    if (f->asset)
        reg_bind_text(s, 4, f->asset);
    if (f->framework)
        reg_bind_text(s, 5, f->framework);
    if (f->owner)
        reg_bind_text(s, 6, f->owner);
    if (f->kind)
        reg_bind_text(s, 7, f->kind);
    int rc;
    struct reg_lists *lists = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct risk *r = risk_set_add(out);
        if (!r || reg_row(s, r, &lists, out) < 0) {
            sqlite3_finalize(s);
            reg_lists_free(lists);
            risk_set_free(out);
            return rm_errf(e, "register: out of memory or a damaged row");
        }
    }
    sqlite3_finalize(s);
    reg_lists_free(lists);
    if (rc != SQLITE_DONE) {
        risk_set_free(out);
        return reg_fail(db, "read", e);
    }
    reg_sort_load_order(out);
    return 0;
}

int register_figures(struct register_db *db, struct register_figures *out, struct rm_err *e)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    /* One pass over the rows, no sort: the counts, the sums and the worst risk in the order
     * of register_load (residual, inherent, then fingerprint), whose first counted risk is
     * the worst. A GROUP BY and an ORDER BY ... LIMIT 1 each sorted the register. */
    if (reg_prepare(db, "SELECT status, residual, inherent, fingerprint, id FROM risk_row", &s,
                    e) < 0)
        return -1;
    int rc, worst_inh = 0;
    sqlite3_int64 worst_id = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        enum risk_status st;
        if (risk_status_parse((const char *)sqlite3_column_text(s, 0), &st) < 0)
            continue;
        out->by_status[st]++;
        out->n_risks++;
        if (!risk_status_counts(st))
            continue;
        int res = sqlite3_column_int(s, 1), inh = sqlite3_column_int(s, 2);
        const char *fp = (const char *)sqlite3_column_text(s, 3);
        out->h.n_counted++;
        out->h.total += res;
        if (!fp)
            continue;
        if (!worst_id || res > out->h.worst || (res == out->h.worst && inh > worst_inh) ||
            (res == out->h.worst && inh == worst_inh && strcmp(fp, out->worst_fp) < 0)) {
            out->h.worst = res;
            worst_inh = inh;
            worst_id = sqlite3_column_int64(s, 4);
            snprintf(out->worst_fp, sizeof out->worst_fp, "%s", fp);
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return reg_fail(db, "read", e);
    if (!worst_id)
        return 0;
    if (reg_prepare(db, "SELECT d.kind, r.asset" REG_FROM " WHERE r.id = ?", &s, e) < 0)
        return -1;
    sqlite3_bind_int64(s, 1, worst_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(out->worst_kind, sizeof out->worst_kind, "%s", sqlite3_column_text(s, 0));
        snprintf(out->worst_asset, sizeof out->worst_asset, "%s", sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : reg_fail(db, "read", e);
}

int register_trend(struct register_db *db, struct trend *out, struct rm_err *e)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL, *f = NULL;
    if (reg_prepare(db, "SELECT id, scan_id, date, worst, total, counted, new, resolved, reopened "
                    "FROM scan ORDER BY id", &s, e) < 0 ||
        reg_prepare(db, "SELECT framework, pass, fail, partial, not_checked FROM scan_framework "
                    "WHERE scan = ? ORDER BY framework", &f, e) < 0) {
        sqlite3_finalize(s);
        return -1;
    }
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            struct trend_point *v = realloc(out->v, cap * sizeof *v);
            if (!v)
                goto oom;
            out->v = v;
        }
        struct trend_point *p = &out->v[out->n++];
        memset(p, 0, sizeof *p);
        snprintf(p->scan_id, sizeof p->scan_id, "%s", sqlite3_column_text(s, 1));
        reg_copy_date(p->date, sqlite3_column_text(s, 2));
        p->worst = sqlite3_column_int(s, 3);
        p->total = (long)sqlite3_column_int64(s, 4);
        p->n_counted = (unsigned)sqlite3_column_int(s, 5);
        p->n_new = (unsigned)sqlite3_column_int(s, 6);
        p->n_resolved = (unsigned)sqlite3_column_int(s, 7);
        p->n_reopened = (unsigned)sqlite3_column_int(s, 8);
        sqlite3_bind_int64(f, 1, sqlite3_column_int64(s, 0));
        size_t fcap = 0;
        while (sqlite3_step(f) == SQLITE_ROW) {
            if (p->n_fw == fcap) {
                fcap = fcap ? fcap * 2 : 8;
                struct trend_framework *v = realloc(p->fw, fcap * sizeof *v);
                if (!v) {
                    sqlite3_reset(f);
                    goto oom;
                }
                p->fw = v;
            }
            struct trend_framework *w = &p->fw[p->n_fw++];
            memset(w, 0, sizeof *w);
            snprintf(w->id, sizeof w->id, "%s", sqlite3_column_text(f, 0));
            w->pass = (unsigned)sqlite3_column_int(f, 1);
            w->fail = (unsigned)sqlite3_column_int(f, 2);
            w->partial = (unsigned)sqlite3_column_int(f, 3);
            w->not_checked = (unsigned)sqlite3_column_int(f, 4);
        }
        sqlite3_reset(f);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(f);
    if (rc != SQLITE_DONE) {
        trend_free(out);
        return reg_fail(db, "read", e);
    }
    return 0;
oom:
    sqlite3_finalize(s);
    sqlite3_finalize(f);
    trend_free(out);
    return rm_errf(e, "register: out of memory");
}

int register_history(struct register_db *db, const char *fingerprint,
                     struct register_history *out, struct rm_err *e)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    if (reg_prepare(db, "SELECT coalesce(c.at, s.applied), coalesce(c.who, 'scan ' || s.scan_id),"
                    " c.field, c.old, c.new, c.note FROM risk_change c JOIN risk_row r ON r.id = "
                    "c.risk LEFT JOIN scan s ON s.id = c.scan WHERE r.fingerprint = ? ORDER BY "
                    "c.id", &s, e) < 0)
        return -1;
    reg_bind_text(s, 1, fingerprint);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            struct register_change *v = realloc(out->v, cap * sizeof *v);
            if (!v)
                goto oom;
            out->v = v;
        }
        struct register_change *c = &out->v[out->n++];
        c->at = reg_col_str(s, 0);
        c->who = reg_col_str(s, 1);
        c->field = reg_col_str(s, 2);
        c->old_value = reg_col_str(s, 3);
        c->new_value = reg_col_str(s, 4);
        c->note = reg_col_str(s, 5);
        if (!c->at || !c->who || !c->field)
            goto oom;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        register_history_free(out);
        return reg_fail(db, "read", e);
    }
    return 0;
oom:
    sqlite3_finalize(s);
    register_history_free(out);
    return rm_errf(e, "register: out of memory");
}

void register_history_free(struct register_history *h)
{
    for (size_t i = 0; i < h->n; i++) {
        struct register_change *c = &h->v[i];
        free(c->at);
        free(c->who);
        free(c->field);
        free(c->old_value);
        free(c->new_value);
        free(c->note);
    }
    free(h->v);
    h->v = NULL;
    h->n = 0;
}

int register_resolve_prefix(struct register_db *db, const char *prefix,
                            char fp[FINGERPRINT_HEX_LEN + 1], struct rm_err *e)
{
    size_t n = strlen(prefix);
    if (n < 4 || n > FINGERPRINT_HEX_LEN || strspn(prefix, "0123456789abcdef") != n)
        return rm_errf(e, "register: \"%s\" is not a fingerprint prefix (4 to 64 lower-case hex "
                          "digits)", prefix);
    sqlite3_stmt *s = NULL;
    /* The range lets SQLite walk the fingerprint index from the prefix on (hex digits sort
     * below 'g'). */
    if (reg_prepare(db, "SELECT fingerprint FROM risk_row WHERE fingerprint >= ?1 AND "
                    "fingerprint < ?1 || 'g' AND substr(fingerprint, 1, ?2) = ?1 "
                    "ORDER BY fingerprint LIMIT 4", &s, e) < 0)
        return -1;
    reg_bind_text(s, 1, prefix);
    sqlite3_bind_int(s, 2, (int)n);
    char found[4][FINGERPRINT_HEX_LEN + 1];
    int k = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && k < 4)
        snprintf(found[k++], sizeof found[0], "%s", sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return reg_fail(db, "read", e);
    if (k == 0)
        return rm_errf(e, "register: no risk with fingerprint %s...", prefix);
    if (k > 1)
        return rm_errf(e, "register: %s... is ambiguous: %.12s, %.12s%s (give more digits)",
                       prefix, found[0], found[1], k > 2 ? ", ..." : "");
    memcpy(fp, found[0], FINGERPRINT_HEX_LEN + 1);
    return 0;
}
