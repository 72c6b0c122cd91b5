/* The register's schema: a new file gets version 2; a version 1 file is migrated to it, in
 * one transaction, the first time this riskmap opens it.
 *
 * Version 1 kept every column of a risk in its row, and every history row named its risk by
 * fingerprint and its scan by "scan SCANID" and a time stamp: 1,160 bytes a risk (93 MB for
 * 80,000), most of it the rule's controls, references and remediation repeated in every row
 * and the 64-digit fingerprint stored four times. Version 2 stores what the risks of one rule
 * and kind share once (risk_detail), what is a risk's own in risk_row (the title too: a
 * check may name the host or version in it), and history rows
 * (risk_change) by row ids; the views risk and history read exactly as version 1's tables did,
 * for anyone who queries the file with sqlite3. */
#include <stdio.h>
#include <string.h>

#include "scanner/register_impl.h"

/* Text dates sort as dates (YYYY-MM-DD, and ISO 8601 UTC stamps for history). controls and
 * refs are JSON arrays (["POLICY:CONTROL"], [["framework","id"]]): the register reads them
 * back whole, and `--framework` filters with json_each. */
#define DETAIL_TABLE                                                                           \
    "CREATE TABLE risk_detail("                                                                \
    " id INTEGER PRIMARY KEY,"                                                                 \
    " kind TEXT NOT NULL, policy_id TEXT, rule_id TEXT,"                                       \
    " controls TEXT NOT NULL, refs TEXT NOT NULL,"                                             \
    " rule_likelihood INTEGER NOT NULL, rule_impact INTEGER NOT NULL,"                         \
    " remediation TEXT, initiative_id TEXT, initiative_title TEXT,"                            \
    " effort_hours REAL NOT NULL, cost TEXT NOT NULL);"
#define ROW_TABLE                                                                              \
    "CREATE TABLE risk_row("                                                                   \
    " id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE,"                               \
    " detail INTEGER NOT NULL REFERENCES risk_detail(id), title TEXT NOT NULL,"                \
    " asset TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,"                      \
    " likelihood INTEGER NOT NULL, impact INTEGER NOT NULL,"                                   \
    " inherent INTEGER NOT NULL, residual INTEGER NOT NULL,"                                   \
    " cvss REAL, kev INTEGER NOT NULL, severity TEXT NOT NULL, criticality TEXT NOT NULL,"     \
    " status TEXT NOT NULL, owner TEXT, due TEXT, treatment TEXT, accept_expires TEXT,"        \
    " exception_kind TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);"
/* A scan's rows name the scan (its applied time and id are their at and who); people's rows
 * carry their own at and who. */
#define CHANGE_TABLE                                                                           \
    "CREATE TABLE risk_change("                                                                \
    " id INTEGER PRIMARY KEY, risk INTEGER NOT NULL REFERENCES risk_row(id),"                  \
    " scan INTEGER REFERENCES scan(id), at TEXT, who TEXT, field TEXT NOT NULL,"               \
    " old TEXT, new TEXT, note TEXT,"                                                          \
    " CHECK (scan IS NOT NULL OR (at IS NOT NULL AND who IS NOT NULL)));"                      \
    "CREATE INDEX risk_change_risk ON risk_change(risk, id);"
#define VIEWS                                                                                  \
    "CREATE VIEW risk(" REG_COLUMNS ") AS SELECT " REG_EXPRS REG_FROM ";"                      \
    "CREATE VIEW history(id, fingerprint, at, who, field, old, new, note) AS"                  \
    " SELECT c.id, r.fingerprint, coalesce(c.at, s.applied), coalesce(c.who, 'scan ' ||"      \
    " s.scan_id), c.field, c.old, c.new, c.note FROM risk_change c"                            \
    " JOIN risk_row r ON r.id = c.risk LEFT JOIN scan s ON s.id = c.scan;"

/* One row per scan applied, in the order applied (which is date order: older scans are
 * refused). The same in both versions. */
#define SCAN_TABLES                                                                            \
    "CREATE TABLE IF NOT EXISTS scan("                                                         \
    " id INTEGER PRIMARY KEY, scan_id TEXT NOT NULL UNIQUE, date TEXT NOT NULL,"               \
    " applied TEXT NOT NULL, complete INTEGER NOT NULL,"                                       \
    " worst INTEGER NOT NULL, total INTEGER NOT NULL, counted INTEGER NOT NULL,"               \
    " new INTEGER NOT NULL, resolved INTEGER NOT NULL, reopened INTEGER NOT NULL);"            \
    "CREATE TABLE IF NOT EXISTS scan_framework("                                               \
    " scan INTEGER NOT NULL REFERENCES scan(id), framework TEXT NOT NULL,"                     \
    " pass INTEGER NOT NULL, fail INTEGER NOT NULL, partial INTEGER NOT NULL,"                 \
    " not_checked INTEGER NOT NULL, PRIMARY KEY(scan, framework));"

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    SCAN_TABLES DETAIL_TABLE ROW_TABLE CHANGE_TABLE VIEWS
    "INSERT INTO meta(key, value) VALUES('schema_version', '2');";

/* Each distinct set of shared columns becomes one risk_detail row, each risk a risk_row
 * pointing at its own (IS: the nullable columns match NULL to NULL), each history row a
 * risk_change row with its id, at and who as they were. */
static const char migrate_sql[] =
    DETAIL_TABLE ROW_TABLE CHANGE_TABLE
    "INSERT INTO risk_detail(kind, policy_id, rule_id, controls, refs, rule_likelihood,"
    " rule_impact, remediation, initiative_id, initiative_title, effort_hours, cost)"
    " SELECT DISTINCT kind, policy_id, rule_id, controls, refs, rule_likelihood,"
    " rule_impact, remediation, initiative_id, initiative_title, effort_hours, cost FROM risk"
    " ORDER BY rowid;"
    "INSERT INTO risk_row(fingerprint, detail, title, asset, address, port, likelihood, impact,"
    " inherent, residual, cvss, kev, severity, criticality, status, owner, due, treatment,"
    " accept_expires, exception_kind, first_seen, last_seen)"
    " SELECT o.fingerprint, d.id, o.title, o.asset, o.address, o.port, o.likelihood, o.impact,"
    " o.inherent, o.residual, o.cvss, o.kev, o.severity, o.criticality, o.status, o.owner,"
    " o.due, o.treatment, o.accept_expires, o.exception_kind, o.first_seen, o.last_seen"
    " FROM risk o JOIN risk_detail d ON d.kind = o.kind"
    " AND d.policy_id IS o.policy_id AND d.rule_id IS o.rule_id AND d.controls = o.controls"
    " AND d.refs = o.refs AND d.rule_likelihood = o.rule_likelihood"
    " AND d.rule_impact = o.rule_impact AND d.remediation IS o.remediation"
    " AND d.initiative_id IS o.initiative_id AND d.initiative_title IS o.initiative_title"
    " AND d.effort_hours = o.effort_hours AND d.cost = o.cost ORDER BY o.fingerprint;"
    "INSERT INTO risk_change(id, risk, scan, at, who, field, old, new, note)"
    " SELECT h.id, r.id, NULL, h.at, h.who, h.field, h.old, h.new, h.note"
    " FROM history h JOIN risk_row r ON r.fingerprint = h.fingerprint ORDER BY h.id;";

static const char migrate_done_sql[] =
    "DROP TABLE history; DROP TABLE risk;" VIEWS
    "UPDATE meta SET value = '2' WHERE key = 'schema_version';";

/* The schema version: 0 for a file without one (new), -1 on error. */
static int version(struct register_db *db, struct rm_err *e)
{
    sqlite3_stmt *s = NULL;
    if (reg_prepare(db, "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                    "name = 'meta')", &s, e) < 0)
        return -1;
    int has_meta = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0;
    sqlite3_finalize(s);
    if (!has_meta)
        return 0;
    if (reg_prepare(db, "SELECT value FROM meta WHERE key = 'schema_version'", &s, e) < 0)
        return -1;
    int v = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(s, 0);
        v = t && strcmp(t, "1") == 0 ? 1 : t && strcmp(t, "2") == 0 ? 2 : 99;
    }
    sqlite3_finalize(s);
    return v;
}

/* Nothing lost: as many risks and history rows as version 1 held. */
static int migrated_whole(struct register_db *db, struct rm_err *e)
{
    sqlite3_stmt *s = NULL;
    if (reg_prepare(db, "SELECT (SELECT count(*) FROM risk) = (SELECT count(*) FROM risk_row) "
                    "AND (SELECT count(*) FROM history) = (SELECT count(*) FROM risk_change)",
                    &s, e) < 0)
        return -1;
    int ok = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 1;
    sqlite3_finalize(s);
    return ok ? 0 : rm_errf(e, "register: migrating to schema version 2 would lose rows "
                               "(a history row of no risk?); the register is left as it was");
}

int reg_schema(struct register_db *db, const char *path, struct rm_err *e)
{
    /* Read without a lock first: a reader (`register list`) must not wait for a scan's
     * update to finish only to learn that the schema is current. */
    int v = version(db, e);
    if (v == 2)
        return 0;
    if (v < 0)
        return -1;
    if (v > 2)
        return rm_errf(e, "register: %s has a schema version this riskmap does not know", path);
    if (reg_begin(db, e) < 0)
        return -1;
    v = version(db, e); /* another process may have laid it down meanwhile */
    int rc = v < 0 ? -1 : 0;
    if (v == 0)
        rc = reg_exec(db, create_sql, e);
    else if (v == 1)
        rc = reg_exec(db, migrate_sql, e) < 0 || migrated_whole(db, e) < 0 ||
                     reg_exec(db, migrate_done_sql, e) < 0
                 ? -1
                 : 0;
    else if (v > 2)
        rc = rm_errf(e, "register: %s has a schema version this riskmap does not know", path);
    if (rc < 0 || reg_commit(db, e) < 0) {
        reg_rollback(db);
        return -1;
    }
    /* The version 1 tables' pages are free now (93 MB of an 80,000-risk register): give them
     * back. Outside the transaction, as VACUUM must be; the migrated register is whole
     * whether or not this succeeds (a busy reader, a full disk), so its failure is not one. */
    if (v == 1)
        sqlite3_exec(db->db, "VACUUM", NULL, NULL, NULL);
    return 0;
}
