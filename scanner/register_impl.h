/* Shared by the register's own files (register_db.c, register_update.c, register_edit.c):
 * the handle, one risk row in and out, history rows, transactions. Not an interface. */
#ifndef RISKMAP_REGISTER_IMPL_H
#define RISKMAP_REGISTER_IMPL_H

#include <sqlite3.h>

#include "scanner/register.h"

struct register_db {
    sqlite3 *db;
    sqlite3_stmt *get, *put, *upd, *hist; /* prepared once, reused for every row */
    sqlite3_stmt *state;            /* the register's own fields of one risk (update) */
};

int reg_fail(struct register_db *db, const char *what, struct rm_err *e);
int reg_exec(struct register_db *db, const char *sql, struct rm_err *e);
/* BEGIN IMMEDIATE: the write lock up front, so two writers wait (busy timeout) rather than
 * fail half-way. */
int reg_begin(struct register_db *db, struct rm_err *e);
int reg_commit(struct register_db *db, struct rm_err *e);
void reg_rollback(struct register_db *db);

/* The risk row of fp into r (zeroed by the caller, or cleared here): 0 found, 1 none, -1. */
int reg_get(struct register_db *db, const char *fp, struct risk *r, struct rm_err *e);
/* Writes r's row (its residual as given): held, an UPDATE of the row the register holds;
 * else an INSERT. */
int reg_put(struct register_db *db, const struct risk *r, bool held, struct rm_err *e);
/* Reads the row columns (REG_COLUMNS, starting at column 0) of a statement into r. */
int reg_row(sqlite3_stmt *s, struct risk *r);
#define REG_COLUMNS                                                                            \
    "fingerprint, kind, title, asset, address, port, policy_id, rule_id, controls, refs, "      \
    "rule_likelihood, rule_impact, likelihood, impact, inherent, residual, cvss, kev, "         \
    "severity, criticality, remediation, initiative_id, initiative_title, effort_hours, cost, " \
    "status, owner, due, treatment, accept_expires, exception_kind, first_seen, last_seen"

int reg_prepare(struct register_db *db, const char *sql, sqlite3_stmt **s, struct rm_err *e);
/* Binds v, or NULL when v is NULL. */
void reg_bind_text(sqlite3_stmt *s, int i, const char *v);
/* A copy of column i's text, NULL for NULL (and on ENOMEM). */
char *reg_col_str(sqlite3_stmt *s, int i);
/* Column text as a YYYY-MM-DD date into out ("" for NULL). */
void reg_copy_date(char out[11], const unsigned char *t);

int reg_history_add(struct register_db *db, const char *fp, const char *at, const char *who,
                    const char *field, const char *old_value, const char *new_value,
                    const char *note, struct rm_err *e);

/* Replaces *field with a copy of v (NULL clears); 0 or -1. */
int reg_set_str(char **field, const char *v);
/* NULL-safe string equality. */
int reg_streq(const char *a, const char *b);

#endif
