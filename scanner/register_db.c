/* The register store: schema, opening, one risk row in and out, history rows. The readers
 * are register_read.c, the scan update register_update.c, people's edits register_edit.c. */
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

/* Version 1. Text dates sort as dates (YYYY-MM-DD, and ISO 8601 UTC stamps for history).
 * controls and refs are JSON arrays (["POLICY:CONTROL"], [["framework","id"]]): the register
 * reads them back whole, and `--framework` filters with json_each. */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS risk("
    " fingerprint TEXT PRIMARY KEY,"
    " kind TEXT NOT NULL, title TEXT NOT NULL, asset TEXT NOT NULL, address TEXT NOT NULL,"
    " port INTEGER NOT NULL, policy_id TEXT, rule_id TEXT,"
    " controls TEXT NOT NULL, refs TEXT NOT NULL,"
    " rule_likelihood INTEGER NOT NULL, rule_impact INTEGER NOT NULL,"
    " likelihood INTEGER NOT NULL, impact INTEGER NOT NULL,"
    " inherent INTEGER NOT NULL, residual INTEGER NOT NULL,"
    " cvss REAL, kev INTEGER NOT NULL,"
    " severity TEXT NOT NULL, criticality TEXT NOT NULL,"
    " remediation TEXT, initiative_id TEXT, initiative_title TEXT,"
    " effort_hours REAL NOT NULL, cost TEXT NOT NULL,"
    " status TEXT NOT NULL, owner TEXT, due TEXT, treatment TEXT, accept_expires TEXT,"
    " exception_kind TEXT,"
    " first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS risk_status ON risk(status);"
    "CREATE TABLE IF NOT EXISTS history("
    " id INTEGER PRIMARY KEY,"
    " fingerprint TEXT NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL, field TEXT NOT NULL,"
    " old TEXT, new TEXT, note TEXT);"
    "CREATE INDEX IF NOT EXISTS history_fp ON history(fingerprint, id);"
    /* One row per scan applied, in the order applied (which is date order: older scans are
     * refused). */
    "CREATE TABLE IF NOT EXISTS scan("
    " id INTEGER PRIMARY KEY, scan_id TEXT NOT NULL UNIQUE, date TEXT NOT NULL,"
    " applied TEXT NOT NULL, complete INTEGER NOT NULL,"
    " worst INTEGER NOT NULL, total INTEGER NOT NULL, counted INTEGER NOT NULL,"
    " new INTEGER NOT NULL, resolved INTEGER NOT NULL, reopened INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS scan_framework("
    " scan INTEGER NOT NULL REFERENCES scan(id), framework TEXT NOT NULL,"
    " pass INTEGER NOT NULL, fail INTEGER NOT NULL, partial INTEGER NOT NULL,"
    " not_checked INTEGER NOT NULL, PRIMARY KEY(scan, framework));"
    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '1');";

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

int reg_begin(struct register_db *db, struct rm_err *e)
{
    return reg_exec(db, "BEGIN IMMEDIATE", e);
}

int reg_commit(struct register_db *db, struct rm_err *e)
{
    return reg_exec(db, "COMMIT", e);
}

void reg_rollback(struct register_db *db)
{
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

/* UPDATE risk SET kind = ?2, title = ?3, ... WHERE fingerprint = ?1: the parameters in
 * REG_COLUMNS order, as for the INSERT, so one binding serves both. An update rewrites the
 * row in place where INSERT OR REPLACE would delete it and insert it again. */
static int prepare_update(struct register_db *db, struct rm_err *e)
{
    char sql[2048];
    const char *cols = REG_COLUMNS;
    int n = snprintf(sql, sizeof sql, "UPDATE risk SET ");
    int k = 1;
    for (const char *p = cols; *p;) {
        size_t len = strcspn(p, ",");
        if (k > 1)
            n += snprintf(sql + n, sizeof sql - (size_t)n, "%s%.*s = ?%d", k > 2 ? ", " : "",
                          (int)len, p, k);
        k++;
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    snprintf(sql + n, sizeof sql - (size_t)n, " WHERE fingerprint = ?1");
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
        reg_exec(db, schema_sql, e) < 0)
        goto fail;
    sqlite3_stmt *v = NULL;
    if (reg_prepare(db, "SELECT value FROM meta WHERE key = 'schema_version'", &v, e) < 0)
        goto fail;
    int ok = sqlite3_step(v) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(v, 0), "1") == 0;
    sqlite3_finalize(v);
    if (!ok) {
        rm_errf(e, "register: %s has a schema version this riskmap does not know", path);
        goto fail;
    }
    if (reg_prepare(db, "SELECT " REG_COLUMNS " FROM risk WHERE fingerprint = ?", &db->get,
                    e) < 0 ||
        reg_prepare(db, "INSERT INTO risk(" REG_COLUMNS ") VALUES(?,?,?,?,?,?,?,?,?,?,"
                    "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &db->put, e) < 0 ||
        prepare_update(db, e) < 0 ||
        reg_prepare(db, "INSERT INTO history(fingerprint, at, who, field, old, new, note) "
                    "VALUES(?,?,?,?,?,?,?)", &db->hist, e) < 0 ||
        reg_prepare(db, "SELECT status, inherent, severity, owner, due, treatment, accept_expires, "
                    "exception_kind, first_seen FROM risk WHERE fingerprint = ?",
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
    sqlite3_close(db->db);
    free(db);
}

/* ---- one row ----------------------------------------------------------------------------- */

void reg_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

char *reg_col_str(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? rm_strdup((const char *)t) : NULL;
}

static char *controls_json(const struct risk *r)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < r->n_controls; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(r->controls[i]));
    char *t = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    return t;
}

static char *refs_json(const struct risk *r)
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

static int parse_lists(struct risk *r, const char *controls, const char *refs)
{
    int rc = -1;
    cJSON *c = cJSON_Parse(controls ? controls : "[]"), *f = cJSON_Parse(refs ? refs : "[]");
    const char **vc = NULL, **vf = NULL; /* borrowed from the trees */
    if (!cJSON_IsArray(c) || !cJSON_IsArray(f))
        goto out;
    size_t nc = (size_t)cJSON_GetArraySize(c), nf = (size_t)cJSON_GetArraySize(f), i = 0;
    vc = malloc((nc ? nc : 1) * sizeof *vc);
    vf = malloc((nf ? 2 * nf : 1) * sizeof *vf);
    if (!vc || !vf)
        goto out;
    const cJSON *it;
    cJSON_ArrayForEach(it, c)
    {
        if (!cJSON_IsString(it))
            goto out;
        vc[i++] = it->valuestring;
    }
    i = 0;
    cJSON_ArrayForEach(it, f)
    {
        const cJSON *fw = cJSON_GetArrayItem(it, 0), *id = cJSON_GetArrayItem(it, 1);
        if (!cJSON_IsString(fw) || !cJSON_IsString(id))
            goto out;
        vf[i++] = fw->valuestring;
        vf[i++] = id->valuestring;
    }
    rc = risk_set_lists(r, vc, nc, vf, nf);
out:
    free(vc);
    free(vf);
    cJSON_Delete(c);
    cJSON_Delete(f);
    return rc;
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

void reg_copy_date(char out[11], const unsigned char *t)
{
    snprintf(out, 11, "%s", t ? (const char *)t : "");
}

int reg_row(sqlite3_stmt *s, struct risk *r)
{
    const unsigned char *fp = sqlite3_column_text(s, 0);
    snprintf(r->fingerprint, sizeof r->fingerprint, "%s", fp ? (const char *)fp : "");
    r->kind = reg_col_str(s, 1);
    r->title = reg_col_str(s, 2);
    r->asset = reg_col_str(s, 3);
    r->address = reg_col_str(s, 4);
    r->port = (uint16_t)sqlite3_column_int(s, 5);
    r->policy_id = reg_col_str(s, 6);
    r->rule_id = reg_col_str(s, 7);
    if (parse_lists(r, (const char *)sqlite3_column_text(s, 8),
                    (const char *)sqlite3_column_text(s, 9)) < 0)
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
    r->remediation = reg_col_str(s, 20);
    r->initiative_id = reg_col_str(s, 21);
    r->initiative_title = reg_col_str(s, 22);
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

int reg_get(struct register_db *db, const char *fp, struct risk *r, struct rm_err *e)
{
    sqlite3_stmt *s = db->get;
    sqlite3_bind_text(s, 1, fp, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s), out;
    if (rc == SQLITE_ROW) {
        out = reg_row(s, r) < 0 ? rm_errf(e, "register: out of memory or a damaged row") : 0;
    } else if (rc == SQLITE_DONE) {
        out = 1;
    } else {
        out = reg_fail(db, "read", e);
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return out;
}

int reg_put(struct register_db *db, const struct risk *r, bool held, struct rm_err *e)
{
    sqlite3_stmt *s = held ? db->upd : db->put;
    char *controls = controls_json(r), *refs = refs_json(r);
    if (!controls || !refs) {
        free(controls);
        free(refs);
        return rm_errf(e, "register: out of memory");
    }
    int i = 1;
    reg_bind_text(s, i++, r->fingerprint);
    reg_bind_text(s, i++, r->kind);
    reg_bind_text(s, i++, r->title);
    reg_bind_text(s, i++, r->asset);
    reg_bind_text(s, i++, r->address);
    sqlite3_bind_int(s, i++, r->port);
    reg_bind_text(s, i++, r->policy_id);
    reg_bind_text(s, i++, r->rule_id);
    reg_bind_text(s, i++, controls);
    reg_bind_text(s, i++, refs);
    sqlite3_bind_int(s, i++, r->rule_likelihood);
    sqlite3_bind_int(s, i++, r->rule_impact);
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
    reg_bind_text(s, i++, r->remediation);
    reg_bind_text(s, i++, r->initiative_id);
    reg_bind_text(s, i++, r->initiative_title);
    sqlite3_bind_double(s, i++, r->effort_hours);
    reg_bind_text(s, i++, cost_band_name(r->cost));
    reg_bind_text(s, i++, risk_status_name(r->status));
    reg_bind_text(s, i++, r->owner);
    reg_bind_text(s, i++, r->due);
    reg_bind_text(s, i++, r->treatment);
    reg_bind_text(s, i++, r->accept_expires);
    reg_bind_text(s, i++, r->exception_kind);
    reg_bind_text(s, i++, r->first_seen);
    reg_bind_text(s, i++, r->last_seen);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    free(controls);
    free(refs);
    if (rc == SQLITE_DONE && held && sqlite3_changes(db->db) != 1)
        return rm_errf(e, "register: %.12s is not in the register", r->fingerprint);
    return rc == SQLITE_DONE ? 0 : reg_fail(db, "write", e);
}

int reg_history_add(struct register_db *db, const char *fp, const char *at, const char *who,
                    const char *field, const char *old_value, const char *new_value,
                    const char *note, struct rm_err *e)
{
    sqlite3_stmt *s = db->hist;
    reg_bind_text(s, 1, fp);
    reg_bind_text(s, 2, at);
    reg_bind_text(s, 3, who);
    reg_bind_text(s, 4, field);
    reg_bind_text(s, 5, old_value);
    reg_bind_text(s, 6, new_value);
    reg_bind_text(s, 7, note);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : reg_fail(db, "history", e);
}
