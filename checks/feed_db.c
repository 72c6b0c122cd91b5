/* The feed store: schema, opening, one-transaction imports, and what is loaded. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "feed_impl.h"
#include "scanner/atomic.h"

/* Version 1. Advisories are keyed by (source, name): the same CVE from OSV and from NVD is two
 * rows, each with its own ranges, and the matcher reads both. Times are normalised UTC text
 * (feed_time_norm), so they sort as text. */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS advisory("
    " id INTEGER PRIMARY KEY,"
    " source TEXT NOT NULL,"          /* osv | nvd */
    " name TEXT NOT NULL,"            /* CVE-2024-6387, DSA-5724-1, GHSA-... */
    " summary TEXT,"
    " published TEXT, modified TEXT, withdrawn TEXT,"
    " cvss3_score REAL, cvss3_vector TEXT,"
    " cvss4_score REAL, cvss4_vector TEXT,"
    " cve TEXT,"                      /* the CVE it is about: its name, or its first CVE alias */
    " UNIQUE(source, name));"
    "CREATE TABLE IF NOT EXISTS alias("
    " advisory INTEGER NOT NULL REFERENCES advisory(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, UNIQUE(advisory, name));"
    "CREATE INDEX IF NOT EXISTS alias_name ON alias(name);"
    "CREATE TABLE IF NOT EXISTS affected("
    " id INTEGER PRIMARY KEY,"
    " advisory INTEGER NOT NULL REFERENCES advisory(id) ON DELETE CASCADE,"
    " ecosystem TEXT, package TEXT,"  /* OSV: Debian:12 / openssh */
    " cpe TEXT, vendor TEXT, product TEXT, cpe_version TEXT," /* NVD criteria */
    " database_specific TEXT);"
    "CREATE INDEX IF NOT EXISTS affected_adv ON affected(advisory);"
    "CREATE INDEX IF NOT EXISTS affected_pkg ON affected(package, ecosystem);"
    "CREATE INDEX IF NOT EXISTS affected_prod ON affected(product, vendor);"

    /* One interval per row. OSV: introduced ('0' stored as NULL) up to fixed (excluded) or
     * last_affected (included), or open. NVD: versionStart* -> introduced (+ excl flag),
     * versionEndExcluding -> fixed, versionEndIncluding -> last_affected. */
    "CREATE TABLE IF NOT EXISTS affected_range("
    " affected INTEGER NOT NULL REFERENCES affected(id) ON DELETE CASCADE,"
    " type TEXT NOT NULL,"            /* SEMVER | ECOSYSTEM | GIT | NVD */
    " introduced TEXT, introduced_excl INTEGER NOT NULL DEFAULT 0,"
    " fixed TEXT, last_affected TEXT);"
    /* Covering: matching reads ranges through this index alone. */
    "CREATE INDEX IF NOT EXISTS range_aff ON affected_range(affected, type, introduced,"
    " introduced_excl, fixed, last_affected);"
    "CREATE TABLE IF NOT EXISTS affected_version("
    " affected INTEGER NOT NULL REFERENCES affected(id) ON DELETE CASCADE,"
    " version TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS version_aff ON affected_version(affected);"
    "CREATE TABLE IF NOT EXISTS kev("
    " cve TEXT PRIMARY KEY, vendor TEXT, product TEXT, name TEXT,"
    " date_added TEXT NOT NULL, due_date TEXT, ransomware TEXT) WITHOUT ROWID;"
    /* End of life, one row per release cycle of a product (endoflife.date). eol: the date
     * support ends, or NULL; eol_flag says what a missing date means (1: ended, date not
     * published; 0: no end announced; NULL: not said). */
    "CREATE TABLE IF NOT EXISTS eol("
    " product TEXT NOT NULL, cycle TEXT NOT NULL, release_date TEXT, eol TEXT,"
    " eol_flag INTEGER, latest TEXT, latest_date TEXT, lts TEXT, support TEXT,"
    " extended_support TEXT, PRIMARY KEY(product, cycle)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS feed_import("
    " id INTEGER PRIMARY KEY, source TEXT NOT NULL, file TEXT NOT NULL,"
    " imported TEXT NOT NULL, records INTEGER NOT NULL, newest TEXT);"
    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '1');";

int feed_default_path(char *buf, size_t n, struct rm_err *e)
{
    const char *dir = getenv("RISKMAP_DATA_DIR");
    if (!dir || !*dir)
        dir = "/var/lib/riskmap";
    if ((size_t)snprintf(buf, n, "%s/feed.db", dir) >= n)
        return rm_errf(e, "feed: RISKMAP_DATA_DIR is too long");
    return 0;
}

int feed_open(const char *path, bool create, struct feed_db **out, struct rm_err *e)
{
    *out = NULL;
    if (!create && access(path, F_OK) != 0)
        return rm_errf(e, "no feed at %s (import one with: riskmap feed import FILE)", path);
    if (create && strcmp(path, ":memory:") != 0) {
        if (make_private_file(path, "feed", e) < 0)
            return -1;
    }
    struct feed_db *f = calloc(1, sizeof *f);
    if (!f)
        return rm_errf(e, "feed: out of memory");
    int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(path, &f->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rm_errf(e, "feed: cannot open %s: %s", path, f->db ? sqlite3_errmsg(f->db) : "no memory");
        feed_close(f);
        return -1;
    }
    sqlite3_busy_timeout(f->db, 5000);
    char *msg = NULL;
    /* A rollback journal, not WAL: a scan that dropped root reads the store through the one
     * descriptor it opened before (WAL would need the -wal and -shm files reopened). */
    /* A large page cache: an import writes the whole file in one transaction, and spilling
     * pages to the file before the commit costs more than the memory (at most 64 MiB). */
    if (sqlite3_exec(f->db, "PRAGMA foreign_keys=ON; PRAGMA journal_mode=DELETE;"
                            "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
                     NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(f->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        rm_errf(e, "feed: %s: %s", path, msg ? msg : sqlite3_errmsg(f->db));
        sqlite3_free(msg);
        feed_close(f);
        return -1;
    }
    *out = f;
    return 0;
}

int feed_open_ro(const char *path, struct feed_db **out, struct rm_err *e)
{
    *out = NULL;
    if (access(path, R_OK) != 0) {
        if (errno == ENOENT)
            return rm_errf(e, "no feed at %s (import one with: riskmap feed import FILE)", path);
        /* There may be one this user cannot read (root's, 0600 in 0700): say so. */
        return rm_errf(e, "no feed readable at %s: %s", path, strerror(errno));
    }
    struct feed_db *f = calloc(1, sizeof *f);
    if (!f)
        return rm_errf(e, "feed: out of memory");
    sqlite3_stmt *s = NULL;
    /* Matching reads small rows all over the file: map it (read-only, so nothing is written
     * through the mapping) and cache generously. Plans do not depend on bound values (QPSG):
     * the matcher's GLOB on a bound pattern made SQLite compile its package query again at
     * every binding, a quarter of `feed match`'s time. */
    if (sqlite3_open_v2(path, &f->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(f->db, 5000) != SQLITE_OK ||
        sqlite3_db_config(f->db, SQLITE_DBCONFIG_ENABLE_QPSG, 1, (int *)NULL) != SQLITE_OK ||
        sqlite3_exec(f->db, "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536;", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(f->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &s,
                           NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        rm_errf(e, "feed: %s: not a riskmap feed (%s)", path,
                f->db ? sqlite3_errmsg(f->db) : "no memory");
        sqlite3_finalize(s);
        feed_close(f);
        return -1;
    }
    sqlite3_finalize(s);
    *out = f;
    return 0;
}

void feed_close(struct feed_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->db);
    free(db);
}

/* ---- the writer -------------------------------------------------------------------------- */

static int db_fail(struct feed_writer *w, struct rm_err *e)
{
    return rm_errf(e, "%s: database: %s", w->file, sqlite3_errmsg(w->db));
}

/* Static: every string bound lives until the statement has run (each fw_ call steps it before
 * it returns), so SQLite need not copy it. */
static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static int step_done(struct feed_writer *w, sqlite3_stmt *s, struct rm_err *e)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : db_fail(w, e);
}

int fw_forget(struct feed_writer *w, const char *source, const char *name, struct rm_err *e)
{
    bind_text(w->del_adv, 1, source);
    bind_text(w->del_adv, 2, name);
    return step_done(w, w->del_adv, e);
}

int fw_advisory(struct feed_writer *w, const struct fw_advisory *a, int64_t *id, struct rm_err *e)
{
    if (fw_forget(w, a->source, a->name, e) < 0)
        return -1;
    sqlite3_stmt *s = w->ins_adv;
    bind_text(s, 1, a->source);
    bind_text(s, 2, a->name);
    if (a->summary)
        sqlite3_bind_text(s, 3, a->summary,
                          (int)(strlen(a->summary) > FEED_MAX_TEXT ? FEED_MAX_TEXT : strlen(a->summary)),
                          SQLITE_STATIC);
    bind_text(s, 4, a->published);
    bind_text(s, 5, a->modified);
    bind_text(s, 6, a->withdrawn);
    if (a->cvss3_score >= 0)
        sqlite3_bind_double(s, 7, a->cvss3_score);
    bind_text(s, 8, a->cvss3_vector);
    if (a->cvss4_score >= 0)
        sqlite3_bind_double(s, 9, a->cvss4_score);
    bind_text(s, 10, a->cvss4_vector);
    bind_text(s, 11, a->cve ? a->cve : strncmp(a->name, "CVE-", 4) == 0 ? a->name : NULL);
    if (step_done(w, s, e) < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(w->db);
    w->res->records++;
    return 0;
}

int fw_alias(struct feed_writer *w, int64_t adv, const char *name, struct rm_err *e)
{
    sqlite3_bind_int64(w->ins_alias, 1, adv);
    bind_text(w->ins_alias, 2, name);
    return step_done(w, w->ins_alias, e);
}

int fw_affected(struct feed_writer *w, int64_t adv, const struct fw_affected *a, int64_t *id,
                struct rm_err *e)
{
    sqlite3_stmt *s = w->ins_aff;
    sqlite3_bind_int64(s, 1, adv);
    bind_text(s, 2, a->ecosystem);
    bind_text(s, 3, a->package);
    bind_text(s, 4, a->cpe);
    bind_text(s, 5, a->vendor);
    bind_text(s, 6, a->product);
    bind_text(s, 7, a->cpe_version);
    bind_text(s, 8, a->database_specific);
    if (step_done(w, s, e) < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(w->db);
    return 0;
}

int fw_range(struct feed_writer *w, int64_t aff, const char *type, const char *introduced,
             int introduced_excl, const char *fixed, const char *last_affected, struct rm_err *e)
{
    sqlite3_stmt *s = w->ins_range;
    sqlite3_bind_int64(s, 1, aff);
    bind_text(s, 2, type);
    bind_text(s, 3, introduced);
    sqlite3_bind_int(s, 4, introduced_excl);
    bind_text(s, 5, fixed);
    bind_text(s, 6, last_affected);
    return step_done(w, s, e);
}

int fw_version(struct feed_writer *w, int64_t aff, const char *version, struct rm_err *e)
{
    sqlite3_bind_int64(w->ins_ver, 1, aff);
    bind_text(w->ins_ver, 2, version);
    return step_done(w, w->ins_ver, e);
}

int fw_kev(struct feed_writer *w, const struct fw_kev *k, struct rm_err *e)
{
    sqlite3_stmt *s = w->ins_kev;
    bind_text(s, 1, k->cve);
    bind_text(s, 2, k->vendor);
    bind_text(s, 3, k->product);
    bind_text(s, 4, k->name);
    bind_text(s, 5, k->date_added);
    bind_text(s, 6, k->due_date);
    bind_text(s, 7, k->ransomware);
    if (step_done(w, s, e) < 0)
        return -1;
    w->res->records++;
    return 0;
}

int fw_eol_forget(struct feed_writer *w, const char *product, struct rm_err *e)
{
    bind_text(w->del_eol, 1, product);
    return step_done(w, w->del_eol, e);
}

int fw_eol(struct feed_writer *w, const struct fw_eol *c, struct rm_err *e)
{
    sqlite3_stmt *s = w->ins_eol;
    bind_text(s, 1, c->product);
    bind_text(s, 2, c->cycle);
    bind_text(s, 3, c->release_date);
    bind_text(s, 4, c->eol_date);
    if (c->eol_flag >= 0)
        sqlite3_bind_int(s, 5, c->eol_flag);
    bind_text(s, 6, c->latest);
    bind_text(s, 7, c->latest_date);
    bind_text(s, 8, c->lts);
    bind_text(s, 9, c->support);
    bind_text(s, 10, c->extended);
    if (step_done(w, s, e) < 0)
        return -1;
    w->res->records++;
    return 0;
}

void fw_newest(struct feed_writer *w, const char *norm)
{
    if (norm && *norm && strcmp(norm, w->res->newest) > 0)
        snprintf(w->res->newest, sizeof w->res->newest, "%s", norm);
}

void feed_pathf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

int feed_bad(const struct feed_writer *w, const char *path, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return rm_errf(w->err, "%s: %s: %s", w->file, path && *path ? path : "(top)", what);
}

/* The message about member name of the object at path, whose path is built only here: most
 * fields are read without one. */
static int bad_member(const struct feed_writer *w, const char *path, const char *name,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int bad_member(const struct feed_writer *w, const char *path, const char *name,
                      const char *fmt, ...)
{
    char p[300], what[400];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return feed_bad(w, p, "%s", what);
}

int feed_str(const struct feed_writer *w, const cJSON *obj, const char *path, const char *name,
             size_t max, bool required, const char **out)
{
    *out = NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return bad_member(w, path, name, "missing");
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return bad_member(w, path, name, "not a string");
    if (max && strlen(v->valuestring) > max)
        return bad_member(w, path, name, "longer than %zu bytes", max);
    if (required && !*v->valuestring)
        return bad_member(w, path, name, "empty");
    *out = v->valuestring;
    return 0;
}

int feed_time(const struct feed_writer *w, const cJSON *obj, const char *path, const char *name,
              bool required, char out[FEED_TIME_LEN])
{
    out[0] = '\0';
    const char *s;
    if (feed_str(w, obj, path, name, 64, required, &s) < 0)
        return -1;
    if (s && feed_time_norm(s, out) < 0)
        return bad_member(w, path, name, "not a date or RFC 3339 time: \"%.40s\"", s);
    return 0;
}

/* ---- one import's transaction ---------------------------------------------------------- */

static void writer_finalize(struct feed_writer *w)
{
    sqlite3_stmt **all[] = {&w->del_adv, &w->ins_adv, &w->ins_alias, &w->ins_aff,
                            &w->ins_range, &w->ins_ver, &w->ins_kev, &w->del_eol, &w->ins_eol};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        sqlite3_finalize(*all[i]);
        *all[i] = NULL;
    }
}

static int writer_prepare(struct feed_writer *w, struct rm_err *e)
{
    static const char *const sql[] = {
        "DELETE FROM advisory WHERE source = ?1 AND name = ?2",
        "INSERT INTO advisory(source, name, summary, published, modified, withdrawn,"
        " cvss3_score, cvss3_vector, cvss4_score, cvss4_vector, cve)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        "INSERT OR IGNORE INTO alias(advisory, name) VALUES(?1, ?2)",
        "INSERT INTO affected(advisory, ecosystem, package, cpe, vendor, product, cpe_version,"
        " database_specific) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        "INSERT INTO affected_range(affected, type, introduced, introduced_excl, fixed,"
        " last_affected) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
        "INSERT INTO affected_version(affected, version) VALUES(?1, ?2)",
        "INSERT OR REPLACE INTO kev(cve, vendor, product, name, date_added, due_date,"
        " ransomware) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        "DELETE FROM eol WHERE product = ?1",
        /* A cycle listed twice in one product: the later entry wins. */
        "INSERT OR REPLACE INTO eol(product, cycle, release_date, eol, eol_flag, latest,"
        " latest_date, lts, support, extended_support)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    };
    sqlite3_stmt **dst[] = {&w->del_adv, &w->ins_adv, &w->ins_alias, &w->ins_aff,
                            &w->ins_range, &w->ins_ver, &w->ins_kev, &w->del_eol, &w->ins_eol};
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (sqlite3_prepare_v2(w->db, sql[i], -1, dst[i], NULL) != SQLITE_OK)
            return db_fail(w, e);
    return 0;
}

int fw_begin(struct feed_writer *w, struct feed_db *db, const char *name,
             const char *eol_product, struct feed_import_result *r, struct rm_err *e)
{
    *w = (struct feed_writer){.db = db->db, .file = name, .err = e, .res = r,
                              .eol_product = eol_product};
    if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return rm_errf(e, "%s: database: %s", name, sqlite3_errmsg(db->db));
    if (writer_prepare(w, e) < 0) {
        writer_finalize(w);
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

int fw_end(struct feed_writer *w, const char *format, time_t now, bool keep)
{
    int rc = keep ? 0 : -1;
    if (keep) {
        char stamp[FEED_TIME_LEN];
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(w->db, "INSERT INTO feed_import(source, file, imported, records,"
                               " newest) VALUES(?1, ?2, ?3, ?4, ?5)", -1, &s, NULL) != SQLITE_OK) {
            rc = db_fail(w, w->err);
        } else {
            bind_text(s, 1, format);
            bind_text(s, 2, w->file);
            bind_text(s, 3, stamp);
            sqlite3_bind_int64(s, 4, (sqlite3_int64)w->res->records);
            bind_text(s, 5, w->res->newest);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = db_fail(w, w->err);
        }
        sqlite3_finalize(s);
    }
    writer_finalize(w);
    if (rc == 0 && sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = db_fail(w, w->err);
    if (rc != 0) {
        sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
        w->res->records = w->res->skipped = 0; /* nothing of it was kept */
        w->res->newest[0] = '\0';
    }
    return rc;
}

/* ---- what is loaded ------------------------------------------------------------------------ */

int feed_info(struct feed_db *db, struct feed_source_info *out, size_t max, size_t *n,
              struct rm_err *e)
{
    static const char sql[] =
        "WITH src(source) AS (VALUES('osv'), ('nvd'), ('kev'), ('eol')) "
        "SELECT src.source,"
        " CASE src.source WHEN 'kev' THEN (SELECT count(*) FROM kev)"
        "  WHEN 'eol' THEN (SELECT count(*) FROM eol)"
        "  ELSE (SELECT count(*) FROM advisory a WHERE a.source = src.source) END,"
        " CASE src.source WHEN 'kev' THEN (SELECT max(newest) FROM feed_import i"
        "   WHERE i.source = 'kev')"
        "  WHEN 'eol' THEN (SELECT max(newest) FROM feed_import i WHERE i.source = 'eol'"
        "   AND EXISTS (SELECT 1 FROM eol))"
        "  ELSE (SELECT max(modified) FROM advisory a WHERE a.source = src.source) END,"
        " (SELECT max(imported) FROM feed_import i WHERE i.source = src.source),"
        " (SELECT count(*) FROM feed_import i WHERE i.source = src.source)"
        " FROM src";
    *n = 0;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db->db, sql, -1, &s, NULL) != SQLITE_OK)
        return rm_errf(e, "feed: %s", sqlite3_errmsg(db->db));
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        long long records = sqlite3_column_int64(s, 1), imports = sqlite3_column_int64(s, 4);
        if ((records == 0 && imports == 0) || *n == max)
            continue;
        struct feed_source_info *i = &out[(*n)++];
        memset(i, 0, sizeof *i);
        snprintf(i->source, sizeof i->source, "%s", (const char *)sqlite3_column_text(s, 0));
        i->records = records;
        i->imports = imports;
        const unsigned char *t = sqlite3_column_text(s, 2);
        snprintf(i->newest, sizeof i->newest, "%s", t ? (const char *)t : "");
        t = sqlite3_column_text(s, 3);
        snprintf(i->imported, sizeof i->imported, "%s", t ? (const char *)t : "");
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return rm_errf(e, "feed: %s", sqlite3_errmsg(db->db));
    return 0;
}
