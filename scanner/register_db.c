/* The register store: opening, one risk row in and out, history rows. The schema is
 * register_schema.c, the shared columns register_detail.c; the readers are register_read.c,
 * the scan update register_update.c, people's edits register_edit.c. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scanner/model.h"
#include "scanner/register_impl.h"
#include "scanner/atomic.h"

int register_default_path(const char *datadir, char *buf, size_t n, struct rm_err *e)
{
    if ((size_t)snprintf(buf, n, "%s/register.db", datadir) >= n)
        return rm_errf(e, "register: data directory path too long");
    return 0;
}

void register_now_utc(char out[21])
{
    time_t t = time(NULL);
    struct tm u;
    gmtime_r(&t, &u);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &u);
}

int reg_fail(struct register_db *db, const char *what, struct rm_err *e)
{
    return rm_errf(e, "register: %s: %s", what, sqlite3_errmsg(db->db));
}

int reg_exec(struct register_db *db, const char *sql, struct rm_err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    rm_errf(e, "register: %s", msg ? msg : sqlite3_errmsg(db->db));
    sqlite3_free(msg);
    return -1;
}

/* History rows waiting for their INSERT: their texts copied into one buffer (offsets, so
 * that it may grow), NO_TEXT for NULL. */
#define NO_TEXT SIZE_MAX
struct reg_pending {
    size_t n;
    sqlite3_int64 rid[REG_HIST_BATCH], scan[REG_HIST_BATCH];
    size_t text[REG_HIST_BATCH][6]; /* at, who, field, old, new, note */
    char *buf;
    size_t used, cap;
};

/* Risk rows waiting for their INSERT: shallow copies (strings borrowed), their details. */
struct reg_new_rows {
    size_t n;
    struct risk r[REG_ROW_BATCH];
    sqlite3_int64 id[REG_ROW_BATCH], detail[REG_ROW_BATCH];
};

static void pending_clear(struct register_db *db)
{
    if (db->pending) {
        db->pending->n = 0;
        db->pending->used = 0;
    }
    if (db->new_rows)
        db->new_rows->n = 0;
    db->next_id = 0;
}

static int flush_history(struct register_db *db, struct rm_err *e);
static void bind_row(sqlite3_stmt *s, int i, const struct risk *r, sqlite3_int64 detail);

int reg_begin(struct register_db *db, struct rm_err *e)
{
    /* The detail rows known are those of the file as this transaction sees it: a rolled back
     * one may have held rows that are gone. */
    reg_details_free(db->details);
    db->details = NULL;
    pending_clear(db);
    return reg_exec(db, "BEGIN IMMEDIATE", e);
}

int reg_commit(struct register_db *db, struct rm_err *e)
{
    if (reg_flush(db, e) < 0)
        return -1;
    return reg_exec(db, "COMMIT", e);
}

void reg_rollback(struct register_db *db)
{
    pending_clear(db);
    if (!sqlite3_get_autocommit(db->db))
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

int reg_set_str(char **field, const char *v)
{
    char *c = v ? rm_strdup(v) : NULL;
    if (v && !c)
        return -1;
    free(*field);
    *field = c;
    return 0;
}

int reg_streq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

int reg_prepare(struct register_db *db, const char *sql, sqlite3_stmt **s, struct rm_err *e)
{
    if (sqlite3_prepare_v2(db->db, sql, -1, s, NULL) != SQLITE_OK)
        return reg_fail(db, "prepare", e);
    return 0;
}

/* The columns of risk_row a writer binds, in parameter order: ?1 the row id (UPDATE), ?2 the
 * fingerprint (INSERT), then these from ?3 on. */
#define ROW_COLUMNS                                                                            \
    "detail, title, asset, address, port, likelihood, impact, inherent, residual, cvss, kev, "  \
    "severity, criticality, status, owner, due, treatment, accept_expires, exception_kind, "   \
    "first_seen, last_seen"
#define ROW_PARAMS "?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23"

/* UPDATE risk_row SET detail = ?3, title = ?4, ... WHERE id = ?1: one binding serves the
 * INSERT and the UPDATE (?2, the fingerprint, unused here: an UPDATE that sets an indexed
 * column rewrites its index entry even when the value is the same). An update rewrites the
 * row in place where INSERT OR REPLACE would delete it and insert it again. */
static int prepare_update(struct register_db *db, struct rm_err *e)
{
    char sql[2048];
    const char *cols = ROW_COLUMNS;
    int n = snprintf(sql, sizeof sql, "UPDATE risk_row SET ");
    int k = 3;
    for (const char *p = cols; *p;) {
        size_t len = strcspn(p, ",");
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s%.*s = ?%d", k > 3 ? ", " : "",
                      (int)len, p, k);
        k++;
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    snprintf(sql + n, sizeof sql - (size_t)n, " WHERE id = ?1");
    return reg_prepare(db, sql, &db->upd, e);
}

int register_open(const char *path, bool create, struct register_db **out, struct rm_err *e)
{
    *out = NULL;
    if (!create && access(path, F_OK) != 0)
        return rm_errf(e, "no register at %s (a scan with --data-dir, or riskmap register "
                          "update SCAN.json, makes one)", path);
    if (create && strcmp(path, ":memory:") != 0) {
        if (make_private_file(path, "register", e) < 0)
            return -1;
    }
    struct register_db *db = calloc(1, sizeof *db);
    if (!db)
        return rm_errf(e, "register: out of memory");
    if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rm_errf(e, "register: cannot open %s: %s", path,
                db->db ? sqlite3_errmsg(db->db) : "no memory");
        register_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db->db, 10000);
    /* WAL: `register list` reads while a cron scan writes; synchronous=FULL: a committed
     * scan survives a power cut, not only a killed process. */
    if (reg_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "PRAGMA foreign_keys=ON;", e) < 0 ||
        reg_schema(db, path, e) < 0)
        goto fail;
    if (reg_prepare(db, REG_SELECT " WHERE r.fingerprint = ?", &db->get, e) < 0 ||
        reg_prepare(db, "INSERT INTO risk_row(fingerprint, " ROW_COLUMNS ") VALUES(?2, " ROW_PARAMS
                    ")", &db->put, e) < 0 ||
        prepare_update(db, e) < 0 ||
        reg_prepare(db, "INSERT INTO risk_change(risk, scan, at, who, field, old, new, note) "
                    "VALUES(?,?,?,?,?,?,?,?)", &db->hist, e) < 0 ||
        reg_prepare(db, "SELECT status, inherent, severity, owner, due, treatment, accept_expires, "
                    "exception_kind, first_seen, id FROM risk_row WHERE fingerprint = ?",
                &db->state, e) < 0)
        goto fail;
    *out = db;
    return 0;
fail:
    register_close(db);
    return -1;
}

void register_close(struct register_db *db)
{
    if (!db)
        return;
    sqlite3_finalize(db->get);
    sqlite3_finalize(db->put);
    sqlite3_finalize(db->upd);
    sqlite3_finalize(db->hist);
    sqlite3_finalize(db->state);
    sqlite3_finalize(db->detail_put);
    sqlite3_finalize(db->put_id);
    sqlite3_finalize(db->hist_batch);
    sqlite3_finalize(db->row_batch);
    free(db->new_rows);
    reg_details_free(db->details);
    if (db->pending)
        free(db->pending->buf);
    free(db->pending);
    sqlite3_close(db->db);
    free(db);
}

/* ---- one row ----------------------------------------------------------------------------- */

void reg_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

char *reg_col_str(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? rm_strdup((const char *)t) : NULL;
}

char *reg_controls_json(const struct risk *r)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < r->n_controls; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(r->controls[i]));
    char *t = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    return t;
}

char *reg_refs_json(const struct risk *r)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < r->n_refs; i++) {
        cJSON *p = cJSON_CreateArray();
        cJSON_AddItemToArray(p, cJSON_CreateString(r->refs[i].framework));
        cJSON_AddItemToArray(p, cJSON_CreateString(r->refs[i].id));
        cJSON_AddItemToArray(a, p);
    }
    char *t = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    return t;
}

/* The parsed lists of one detail: borrowed strings of the two cJSON trees, which it owns;
 * and, once a pooled set's risk took them, that set's copy, which every risk of the detail
 * shares (borrowed from the set). */
struct parsed {
    cJSON *c, *f;
    const char **vc, **vf;
    size_t nc, nf;
    bool pooled;
    struct risk pool_lists; /* controls, refs and their counts only */
};

static void parsed_free(struct parsed *p)
{
    if (!p)
        return;
    cJSON_Delete(p->c);
    cJSON_Delete(p->f);
    free(p->vc);
    free(p->vf);
    free(p);
}

static struct parsed *parse_lists(const char *controls, const char *refs)
{
    struct parsed *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->c = cJSON_Parse(controls ? controls : "[]");
    p->f = cJSON_Parse(refs ? refs : "[]");
    if (!cJSON_IsArray(p->c) || !cJSON_IsArray(p->f))
        goto bad;
    size_t nc = (size_t)cJSON_GetArraySize(p->c), nf = (size_t)cJSON_GetArraySize(p->f);
    p->vc = malloc((nc ? nc : 1) * sizeof *p->vc);
    p->vf = malloc((nf ? 2 * nf : 1) * sizeof *p->vf);
    if (!p->vc || !p->vf)
        goto bad;
    const cJSON *it;
    cJSON_ArrayForEach(it, p->c)
    {
        if (!cJSON_IsString(it))
            goto bad;
        p->vc[p->nc++] = it->valuestring;
    }
    cJSON_ArrayForEach(it, p->f)
    {
        const cJSON *fw = cJSON_GetArrayItem(it, 0), *id = cJSON_GetArrayItem(it, 1);
        if (!cJSON_IsString(fw) || !cJSON_IsString(id))
            goto bad;
        p->vf[2 * p->nf] = fw->valuestring;
        p->vf[2 * p->nf + 1] = id->valuestring;
        p->nf++;
    }
    return p;
bad:
    parsed_free(p);
    return NULL;
}

struct reg_lists {
    struct parsed **by_id; /* by risk_detail id */
    size_t cap;
};

void reg_lists_free(struct reg_lists *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->cap; i++)
        parsed_free(l->by_id[i]);
    free(l->by_id);
    free(l);
}

/* The lists of detail id (kept in *lp when given), parsed from the row's text once; into
 * pooled set in's pool when given (shared by the detail's risks), else r's own. */
static int set_lists(struct risk *r, sqlite3_stmt *s, int col_controls, int col_refs,
                     sqlite3_int64 id, struct reg_lists **lp, struct risk_set *in)
{
    const char *controls = (const char *)sqlite3_column_text(s, col_controls);
    const char *refs = (const char *)sqlite3_column_text(s, col_refs);
    /* Detail ids are small and dense (one per rule and kind seen); a damaged, huge one is
     * parsed every time rather than indexed. */
    if (!lp || id <= 0 || id > (1 << 24)) {
        struct parsed *p = parse_lists(controls, refs);
        int rc = !p  ? -1
                 : in ? risk_set_pool_lists(in, r, p->vc, p->nc, p->vf, p->nf)
                      : risk_set_lists(r, p->vc, p->nc, p->vf, p->nf);
        parsed_free(p);
        return rc;
    }
    if (!*lp && !(*lp = calloc(1, sizeof **lp)))
        return -1;
    struct reg_lists *l = *lp;
    size_t i = (size_t)id;
    if (i >= l->cap) {
        size_t cap = l->cap ? l->cap : 64;
        while (cap <= i)
            cap *= 2;
        struct parsed **v = realloc(l->by_id, cap * sizeof *v);
        if (!v)
            return -1;
        memset(v + l->cap, 0, (cap - l->cap) * sizeof *v);
        l->by_id = v;
        l->cap = cap;
    }
    if (!l->by_id[i] && !(l->by_id[i] = parse_lists(controls, refs)))
        return -1;
    struct parsed *p = l->by_id[i];
    if (!in)
        return risk_set_lists(r, p->vc, p->nc, p->vf, p->nf);
    if (!p->pooled) {
        if (risk_set_pool_lists(in, &p->pool_lists, p->vc, p->nc, p->vf, p->nf) < 0)
            return -1;
        p->pooled = true;
    }
    r->controls = p->pool_lists.controls;
    r->n_controls = p->pool_lists.n_controls;
    r->refs = p->pool_lists.refs;
    r->n_refs = p->pool_lists.n_refs;
    return 0;
}

static int cost_parse(const char *s, enum cost_band *out)
{
    for (int i = COST_MINIMAL; i <= COST_VERY_HIGH; i++)
        if (s && strcmp(s, cost_band_name((enum cost_band)i)) == 0) {
            *out = (enum cost_band)i;
            return 0;
        }
    return -1;
}

/* Column text into a fixed buffer, cut to fit: what snprintf("%s") did, without its format
 * machinery, three times for each of 80,000 risks read. */
static void copy_text(char *out, size_t n, const unsigned char *t)
{
    size_t l = t ? strnlen((const char *)t, n - 1) : 0;
    if (l)
        memcpy(out, t, l);
    out[l] = 0;
}

void reg_copy_date(char out[11], const unsigned char *t)
{
    copy_text(out, 11, t);
}

int reg_detail_row(sqlite3_stmt *s, int col, struct risk *r)
{
    r->kind = reg_col_str(s, col);
    r->policy_id = reg_col_str(s, col + 1);
    r->rule_id = reg_col_str(s, col + 2);
    if (set_lists(r, s, col + 3, col + 4, 0, NULL, NULL) < 0)
        return -1;
    r->rule_likelihood = sqlite3_column_int(s, col + 5);
    r->rule_impact = sqlite3_column_int(s, col + 6);
    r->remediation = reg_col_str(s, col + 7);
    r->initiative_id = reg_col_str(s, col + 8);
    r->initiative_title = reg_col_str(s, col + 9);
    r->effort_hours = sqlite3_column_double(s, col + 10);
    if (cost_parse((const char *)sqlite3_column_text(s, col + 11), &r->cost) < 0)
        r->cost = COST_MINIMAL;
    return r->kind ? 0 : -1;
}

/* A column's text for a scan field: the set's when pooled, else a copy. */
static char *scan_str(sqlite3_stmt *s, int i, struct risk_set *in)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return !t ? NULL : in ? risk_set_intern(in, (const char *)t) : rm_strdup((const char *)t);
}

int reg_row(sqlite3_stmt *s, struct risk *r, struct reg_lists **lists, struct risk_set *in)
{
    copy_text(r->fingerprint, sizeof r->fingerprint, sqlite3_column_text(s, 0));
    r->kind = scan_str(s, 1, in);
    r->title = scan_str(s, 2, in);
    r->asset = scan_str(s, 3, in);
    r->address = scan_str(s, 4, in);
    r->port = (uint16_t)sqlite3_column_int(s, 5);
    r->policy_id = scan_str(s, 6, in);
    r->rule_id = scan_str(s, 7, in);
    if (set_lists(r, s, 8, 9, sqlite3_column_int64(s, REG_COL_DETAIL), lists, in) < 0)
        return -1;
    r->rule_likelihood = sqlite3_column_int(s, 10);
    r->rule_impact = sqlite3_column_int(s, 11);
    r->likelihood = sqlite3_column_int(s, 12);
    r->impact = sqlite3_column_int(s, 13);
    r->inherent = sqlite3_column_int(s, 14);
    r->residual = sqlite3_column_int(s, 15);
    r->cvss = sqlite3_column_type(s, 16) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 16);
    r->kev = sqlite3_column_int(s, 17) != 0;
    if (severity_parse((const char *)sqlite3_column_text(s, 18), &r->severity) < 0)
        r->severity = SEV_MEDIUM;
    if (criticality_parse((const char *)sqlite3_column_text(s, 19), &r->criticality) < 0)
        r->criticality = CRIT_MEDIUM;
    r->remediation = scan_str(s, 20, in);
    r->initiative_id = scan_str(s, 21, in);
    r->initiative_title = scan_str(s, 22, in);
    r->effort_hours = sqlite3_column_double(s, 23);
    if (cost_parse((const char *)sqlite3_column_text(s, 24), &r->cost) < 0)
        r->cost = COST_MINIMAL;
    if (risk_status_parse((const char *)sqlite3_column_text(s, 25), &r->status) < 0)
        r->status = RISK_OPEN;
    r->owner = reg_col_str(s, 26);
    r->due = reg_col_str(s, 27);
    r->treatment = reg_col_str(s, 28);
    r->accept_expires = reg_col_str(s, 29);
    r->exception_kind = reg_col_str(s, 30);
    reg_copy_date(r->first_seen, sqlite3_column_text(s, 31));
    reg_copy_date(r->last_seen, sqlite3_column_text(s, 32));
    return r->kind && r->title && r->asset && r->address ? 0 : -1;
}

int reg_get(struct register_db *db, const char *fp, struct risk *r, sqlite3_int64 *rid,
            struct rm_err *e)
{
    sqlite3_stmt *s = db->get;
    sqlite3_bind_text(s, 1, fp, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s), out;
    if (rc == SQLITE_ROW) {
        *rid = sqlite3_column_int64(s, REG_COL_ID);
        out = reg_row(s, r, NULL, NULL) < 0 ? rm_errf(e, "register: out of memory or a damaged row")
                                      : 0;
    } else if (rc == SQLITE_DONE) {
        out = 1;
    } else {
        out = reg_fail(db, "read", e);
    }
    sqlite3_reset(s);
    return out;
}

int reg_put(struct register_db *db, const struct risk *r, sqlite3_int64 *rid, struct rm_err *e)
{
    sqlite3_int64 detail;
    if (reg_detail_id(db, r, &detail, e) < 0)
        return -1;
    bool held = *rid > 0;
    /* An INSERT with its id chosen by SQLite: the queued rows, whose ids were counted from
     * the largest, go first, and the count starts again after it. */
    if (!held && reg_flush(db, e) < 0)
        return -1;
    if (!held)
        db->next_id = 0;
    sqlite3_stmt *s = held ? db->upd : db->put;
    /* Every parameter is bound on every call: no clear_bindings. Texts are r's, alive until
     * the reset below (SQLITE_STATIC, not copied). */
    if (held)
        sqlite3_bind_int64(s, 1, *rid);
    reg_bind_text(s, 2, r->fingerprint);
    bind_row(s, 3, r, detail);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE && held && sqlite3_changes(db->db) != 1)
        return rm_errf(e, "register: %.12s is not in the register", r->fingerprint);
    if (rc != SQLITE_DONE)
        return reg_fail(db, "write", e);
    if (!held)
        *rid = sqlite3_last_insert_rowid(db->db);
    return 0;
}

/* ROW_COLUMNS of r from parameter i on. */
static void bind_row(sqlite3_stmt *s, int i, const struct risk *r, sqlite3_int64 detail)
{
    sqlite3_bind_int64(s, i++, detail);
    reg_bind_text(s, i++, r->title);
    reg_bind_text(s, i++, r->asset);
    reg_bind_text(s, i++, r->address);
    sqlite3_bind_int(s, i++, r->port);
    sqlite3_bind_int(s, i++, r->likelihood);
    sqlite3_bind_int(s, i++, r->impact);
    sqlite3_bind_int(s, i++, r->inherent);
    sqlite3_bind_int(s, i++, r->residual);
    if (r->cvss >= 0)
        sqlite3_bind_double(s, i++, r->cvss);
    else
        sqlite3_bind_null(s, i++);
    sqlite3_bind_int(s, i++, r->kev);
    reg_bind_text(s, i++, severity_name(r->severity));
    reg_bind_text(s, i++, criticality_name(r->criticality));
    reg_bind_text(s, i++, risk_status_name(r->status));
    reg_bind_text(s, i++, r->owner);
    reg_bind_text(s, i++, r->due);
    reg_bind_text(s, i++, r->treatment);
    reg_bind_text(s, i++, r->accept_expires);
    reg_bind_text(s, i++, r->exception_kind);
    reg_bind_text(s, i++, r->first_seen);
    reg_bind_text(s, i, r->last_seen);
}

#define ROW_NCOLS 21 /* in ROW_COLUMNS */

/* A full batch is one statement, as for history rows; fewer go one by one. */
static int flush_rows(struct register_db *db, struct rm_err *e)
{
    struct reg_new_rows *q = db->new_rows;
    if (!q || !q->n)
        return 0;
    int rc = SQLITE_DONE;
    if (q->n == REG_ROW_BATCH) {
        if (!db->row_batch) {
            char sql[256 + REG_ROW_BATCH * (4 * (ROW_NCOLS + 2) + 4)];
            int n = snprintf(sql, sizeof sql, "INSERT INTO risk_row(id, fingerprint, "
                             ROW_COLUMNS ") VALUES");
            for (int k = 0; k < REG_ROW_BATCH; k++) {
                n += snprintf(sql + n, sizeof sql - (size_t)n, "%s(?", k ? "," : "");
                for (int c = 1; c < ROW_NCOLS + 2; c++)
                    n += snprintf(sql + n, sizeof sql - (size_t)n, ",?");
                n += snprintf(sql + n, sizeof sql - (size_t)n, ")");
            }
            if (reg_prepare(db, sql, &db->row_batch, e) < 0)
                return -1;
        }
        sqlite3_stmt *s = db->row_batch;
        for (size_t k = 0; k < q->n; k++) {
            int base = 1 + (int)k * (ROW_NCOLS + 2);
            sqlite3_bind_int64(s, base, q->id[k]);
            reg_bind_text(s, base + 1, q->r[k].fingerprint);
            bind_row(s, base + 2, &q->r[k], q->detail[k]);
        }
        rc = sqlite3_step(s);
        sqlite3_reset(s);
    } else {
        if (!db->put_id &&
            reg_prepare(db, "INSERT INTO risk_row(id, fingerprint, " ROW_COLUMNS ") VALUES(?1, "
                        "?2, " ROW_PARAMS ")", &db->put_id, e) < 0)
            return -1;
        for (size_t k = 0; k < q->n && rc == SQLITE_DONE; k++) {
            sqlite3_bind_int64(db->put_id, 1, q->id[k]);
            reg_bind_text(db->put_id, 2, q->r[k].fingerprint);
            bind_row(db->put_id, 3, &q->r[k], q->detail[k]);
            rc = sqlite3_step(db->put_id);
            sqlite3_reset(db->put_id);
        }
    }
    q->n = 0;
    return rc == SQLITE_DONE ? 0 : reg_fail(db, "write", e);
}

int reg_put_new(struct register_db *db, const struct risk *r, sqlite3_int64 *rid,
                struct rm_err *e)
{
    sqlite3_int64 detail;
    if (reg_detail_id(db, r, &detail, e) < 0)
        return -1;
    if (!db->new_rows && !(db->new_rows = calloc(1, sizeof *db->new_rows)))
        return rm_errf(e, "register: out of memory");
    if (!db->next_id) {
        sqlite3_stmt *s = NULL;
        if (reg_prepare(db, "SELECT coalesce(max(id), 0) + 1 FROM risk_row", &s, e) < 0)
            return -1;
        int rc = sqlite3_step(s);
        db->next_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_finalize(s);
        if (!db->next_id)
            return reg_fail(db, "read", e);
    }
    struct reg_new_rows *q = db->new_rows;
    q->r[q->n] = *r;
    q->detail[q->n] = detail;
    q->id[q->n] = *rid = db->next_id++;
    q->n++;
    return q->n == REG_ROW_BATCH ? flush_rows(db, e) : 0;
}

int reg_flush(struct register_db *db, struct rm_err *e)
{
    return flush_rows(db, e) < 0 || flush_history(db, e) < 0 ? -1 : 0;
}

/* Binds pending row k to parameters from i on (8 of them, as db->hist takes them). */
static void bind_pending(sqlite3_stmt *s, int i, const struct reg_pending *p, size_t k)
{
    sqlite3_bind_int64(s, i, p->rid[k]);
    if (p->scan[k] > 0)
        sqlite3_bind_int64(s, i + 1, p->scan[k]);
    else
        sqlite3_bind_null(s, i + 1);
    for (int f = 0; f < 6; f++)
        reg_bind_text(s, i + 2 + f, p->text[k][f] == NO_TEXT ? NULL : p->buf + p->text[k][f]);
}

/* A full batch is one statement: a statement's own cost (its start, its end, its undo
 * bookkeeping) was a third of a history row's. Fewer rows go one by one. */
static int flush_history(struct register_db *db, struct rm_err *e)
{
    struct reg_pending *p = db->pending;
    if (!p || !p->n)
        return 0;
    int rc = SQLITE_DONE;
    if (p->n == REG_HIST_BATCH) {
        if (!db->hist_batch) {
            char sql[128 + REG_HIST_BATCH * 20];
            int n = snprintf(sql, sizeof sql, "INSERT INTO risk_change(risk, scan, at, who, "
                             "field, old, new, note) VALUES");
            for (int k = 0; k < REG_HIST_BATCH; k++)
                n += snprintf(sql + n, sizeof sql - (size_t)n, "%s(?,?,?,?,?,?,?,?)",
                              k ? "," : "");
            if (reg_prepare(db, sql, &db->hist_batch, e) < 0)
                return -1;
        }
        for (size_t k = 0; k < p->n; k++)
            bind_pending(db->hist_batch, 1 + 8 * (int)k, p, k);
        rc = sqlite3_step(db->hist_batch);
        sqlite3_reset(db->hist_batch);
    } else {
        for (size_t k = 0; k < p->n && rc == SQLITE_DONE; k++) {
            bind_pending(db->hist, 1, p, k);
            rc = sqlite3_step(db->hist);
            sqlite3_reset(db->hist);
        }
    }
    pending_clear(db);
    return rc == SQLITE_DONE ? 0 : reg_fail(db, "history", e);
}

static int pending_text(struct reg_pending *p, const char *v, size_t *off)
{
    if (!v) {
        *off = NO_TEXT;
        return 0;
    }
    size_t len = strlen(v) + 1;
    if (p->used + len > p->cap) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap < p->used + len)
            cap *= 2;
        char *b = realloc(p->buf, cap);
        if (!b)
            return -1;
        p->buf = b;
        p->cap = cap;
    }
    memcpy(p->buf + p->used, v, len);
    *off = p->used;
    p->used += len;
    return 0;
}

int reg_history_add(struct register_db *db, sqlite3_int64 rid, sqlite3_int64 scan_row,
                    const char *at, const char *who, const char *field, const char *old_value,
                    const char *new_value, const char *note, struct rm_err *e)
{
    if (!db->pending && !(db->pending = calloc(1, sizeof *db->pending)))
        return rm_errf(e, "register: out of memory");
    struct reg_pending *p = db->pending;
    size_t k = p->n;
    const char *v[6] = {scan_row > 0 ? NULL : at, scan_row > 0 ? NULL : who, field, old_value,
                        new_value, note};
    for (int f = 0; f < 6; f++)
        if (pending_text(p, v[f], &p->text[k][f]) < 0)
            return rm_errf(e, "register: out of memory");
    p->rid[k] = rid;
    p->scan[k] = scan_row;
    p->n++;
    /* The rows it names first: the foreign key is checked as each row goes in. */
    return p->n == REG_HIST_BATCH ? reg_flush(db, e) : 0;
}
