/* Inside the backup check: the readers behind backup_read(), and what they share (running a
 * tool, reading a bounded file). Not for use outside checks/backup*.c. */
#ifndef RISKMAP_BACKUP_READ_H
#define RISKMAP_BACKUP_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/backup.h"

int backup_restic_read(const struct backup_source *s, struct backup_listing *l, struct rm_err *e);
int backup_borg_read(const struct backup_source *s, struct backup_listing *l, struct rm_err *e);
int backup_dir_read(const struct backup_source *s, struct backup_listing *l, struct rm_err *e);
int backup_status_read(const struct backup_source *s, struct backup_listing *l, struct rm_err *e);
int backup_marker_read(const struct backup_source *s, struct backup_listing *l, struct rm_err *e);

/* A finished tool run. out and err are NUL-terminated and owned by the caller (free both). */
struct backup_run {
    char *out, *err;
    size_t out_len, err_len;
    int status;      /* exit status; 128+N for a signal; 127: could not be executed */
    bool timed_out;  /* killed at its deadline */
    bool too_big;    /* killed for writing more than BACKUP_MAX_OUTPUT */
};

/* Runs argv[0] (looked up in PATH) with fork/exec, no shell: standard input /dev/null, the
 * environment changed by env_add ("NAME=value" sets, "NAME" removes; NULL-terminated, may
 * be NULL), keep_fd (or -1) left
 * open in the child, stdout and stderr each read up to BACKUP_MAX_OUTPUT, and killed after
 * timeout_s. 0 (see r->status) or -1 with e set when it could not be started. */
int backup_run(char *const argv[], char *const env_add[], int keep_fd, unsigned timeout_s,
               struct backup_run *r, struct rm_err *e);
void backup_run_free(struct backup_run *r);

/* Reads a whole file of at most BACKUP_MAX_OUTPUT bytes; on failure sets l's state from errno
 * and returns 1; 0 when read (*out owned by the caller), -1 for allocation failure. */
int backup_slurp(const char *path, struct backup_listing *l, char **out, size_t *len);

/* The saved=FILE form of a tool source (restic, borg): reads FILE, keeps it as the listing's
 * raw evidence and parses it with parse. 0 (l's state says how it went) or -1 with e set. */
typedef int backup_parse_fn(const struct backup_source *s, const char *json, size_t len,
                            struct backup_listing *l);
int backup_read_saved(const struct backup_source *s, struct backup_listing *l,
                      backup_parse_fn *parse, struct rm_err *e);

/* 0 when the source names no password file or a readable one; otherwise 1 with l's state
 * set (the tool would only prompt, or say something vaguer). */
int backup_password_file_ok(const struct backup_source *s, struct backup_listing *l);

/* detail = prefix + the printable part of msg (first bytes that fit). */
void backup_detail_from(struct backup_listing *l, const char *prefix, const char *msg, size_t n);

#endif
