/* Shared by the register's own files (register_db.c, register_schema.c, register_detail.c,
 * register_update.c, register_edit.c, register_read.c): the handle, one risk row in and out,
 * history rows, transactions. Not an interface. */
#ifndef RISKMAP_REGISTER_IMPL_H
#define RISKMAP_REGISTER_IMPL_H

#include <sqlite3.h>

#include "scanner/register.h"

struct reg_details; /* register_detail.c */

struct register_db {
    sqlite3 *db;
    sqlite3_stmt *get, *put, *upd, *hist; /* prepared once, reused for every row */
    sqlite3_stmt *state;            /* the register's own fields of one risk (update) */
    sqlite3_stmt *detail_put;       /* a new risk_detail row */
    struct reg_details *details;    /* risk_detail rows by content, loaded on first write */
    struct reg_pending *pending;    /* history rows not yet inserted (reg_history_add) */
    sqlite3_stmt *hist_batch;       /* REG_HIST_BATCH history rows in one INSERT */
    struct reg_new_rows *new_rows;  /* risk rows not yet inserted (reg_put_new) */
    sqlite3_stmt *row_batch;        /* REG_ROW_BATCH risk rows in one INSERT */
    sqlite3_stmt *put_id;           /* one risk row with its id given */
    sqlite3_int64 next_id;          /* the id reg_put_new gives next; 0: not known yet */
};
#define REG_HIST_BATCH 32
#define REG_ROW_BATCH 32

/* Schema version 2 (register_schema.c). A risk is a risk_row (what is its own: fingerprint,
 * title, asset, scores, status, owner, dates) pointing at a risk_detail row (what every risk
 * of one rule and finding kind shares: kind, rule, controls, framework references,
 * remediation), and its history rows are risk_change rows; those a scan made point at the scan
 * row for their who and when. The views risk and history show both as version 1's tables. */
int reg_schema(struct register_db *db, const char *path, struct rm_err *e);

int reg_fail(struct register_db *db, const char *what, struct rm_err *e);
int reg_exec(struct register_db *db, const char *sql, struct rm_err *e);
/* BEGIN IMMEDIATE: the write lock up front, so two writers wait (busy timeout) rather than
 * fail half-way. */
int reg_begin(struct register_db *db, struct rm_err *e);
/* Inserts the pending history rows, then commits. */
int reg_commit(struct register_db *db, struct rm_err *e);
void reg_rollback(struct register_db *db);

/* The columns of a risk as version 1 named them, in REG_SELECT's order. */
#define REG_COLUMNS                                                                            \
    "fingerprint, kind, title, asset, address, port, policy_id, rule_id, controls, refs, "      \
    "rule_likelihood, rule_impact, likelihood, impact, inherent, residual, cvss, kev, "         \
    "severity, criticality, remediation, initiative_id, initiative_title, effort_hours, cost, " \
    "status, owner, due, treatment, accept_expires, exception_kind, first_seen, last_seen"
/* REG_COLUMNS as expressions over the two tables: r the risk_row, d its risk_detail. */
#define REG_EXPRS                                                                              \
    "r.fingerprint, d.kind, r.title, r.asset, r.address, r.port, d.policy_id, d.rule_id, "      \
    "d.controls, d.refs, d.rule_likelihood, d.rule_impact, r.likelihood, r.impact, "            \
    "r.inherent, r.residual, r.cvss, r.kev, r.severity, r.criticality, d.remediation, "         \
    "d.initiative_id, d.initiative_title, d.effort_hours, d.cost, r.status, r.owner, r.due, "   \
    "r.treatment, r.accept_expires, r.exception_kind, r.first_seen, r.last_seen"
#define REG_FROM " FROM risk_row r JOIN risk_detail d ON d.id = r.detail"
/* REG_COLUMNS, then r.detail (column REG_COL_DETAIL) and r.id (REG_COL_ID). */
#define REG_SELECT "SELECT " REG_EXPRS ", r.detail, r.id" REG_FROM
#define REG_COL_DETAIL 33
#define REG_COL_ID 34

/* The risk row of fp into r (zeroed by the caller, or cleared here) and its row id into *rid:
 * 0 found, 1 none, -1. */
int reg_get(struct register_db *db, const char *fp, struct risk *r, sqlite3_int64 *rid,
            struct rm_err *e);
/* Writes r's row (its residual as given): *rid > 0, an UPDATE of that row; 0, an INSERT, and
 * *rid is the new row's id. */
int reg_put(struct register_db *db, const struct risk *r, sqlite3_int64 *rid, struct rm_err *e);

/* A new risk row, inserted REG_ROW_BATCH at a time (the rest by reg_flush or reg_commit), with
 * the id it will have in *rid. r is copied shallowly: its strings are borrowed and must stay
 * valid until the row is inserted (register_update's scored set does). */
int reg_put_new(struct register_db *db, const struct risk *r, sqlite3_int64 *rid,
                struct rm_err *e);
/* Inserts every queued risk and history row: before the transaction reads risk_row or
 * risk_change. */
int reg_flush(struct register_db *db, struct rm_err *e);

/* Sorts s as register_load returns it: residual, inherent (highest first), fingerprint. */
void reg_sort_load_order(struct risk_set *s);

/* Parsed controls and refs of the risk_detail rows one reader has met, by detail id. */
struct reg_lists;
void reg_lists_free(struct reg_lists *l);
/* Reads a REG_SELECT row into r. lists (may be NULL) keeps each detail's parsed lists, so
 * that 80,000 risks of 30 details parse 30 JSON arrays, not 160,000; *lists is made on first
 * use and freed by reg_lists_free. in: r is (to be) a member of that pooled set, and its
 * scan fields are the set's (lists with it: one reader, one set), else its own. */
int reg_row(sqlite3_stmt *s, struct risk *r, struct reg_lists **lists, struct risk_set *in);

/* The risk_detail id of r's shared columns, a new row when the register has none alike. */
int reg_detail_id(struct register_db *db, const struct risk *r, sqlite3_int64 *id,
                  struct rm_err *e);
void reg_details_free(struct reg_details *d);
/* The shared columns of a risk_detail row, read from column col on in the table's order
 * (kind, policy_id, rule_id, controls, refs, rule_likelihood, rule_impact, remediation,
 * initiative_id, initiative_title, effort_hours, cost), into r. 0 or -1. */
int reg_detail_row(sqlite3_stmt *s, int col, struct risk *r);
/* JSON arrays of r's controls (["POLICY:CONTROL"]) and refs ([["framework","id"]]); NULL on
 * ENOMEM. Freed with free(). */
char *reg_controls_json(const struct risk *r);
char *reg_refs_json(const struct risk *r);

int reg_prepare(struct register_db *db, const char *sql, sqlite3_stmt **s, struct rm_err *e);
/* Binds v, or NULL when v is NULL. v must stay valid until the statement is reset. */
void reg_bind_text(sqlite3_stmt *s, int i, const char *v);
/* A copy of column i's text, NULL for NULL (and on ENOMEM). */
char *reg_col_str(sqlite3_stmt *s, int i);
/* Column text as a YYYY-MM-DD date into out ("" for NULL). */
void reg_copy_date(char out[11], const unsigned char *t);

/* A history row of risk row rid. Made by a scan: scan_row is that scan's row and at/who are
 * not stored (the history view takes them from the scan row); else scan_row is 0 and at/who
 * are stored. The row is copied and inserted REG_HIST_BATCH at a time, the rest by
 * reg_commit: nothing in a transaction reads the history it writes. */
int reg_history_add(struct register_db *db, sqlite3_int64 rid, sqlite3_int64 scan_row,
                    const char *at, const char *who, const char *field, const char *old_value,
                    const char *new_value, const char *note, struct rm_err *e);

/* Replaces *field with a copy of v (NULL clears); 0 or -1. */
int reg_set_str(char **field, const char *v);
/* NULL-safe string equality. */
int reg_streq(const char *a, const char *b);

#endif
