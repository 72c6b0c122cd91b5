/* Inside the backup check: the readers behind backup_read(), and what they share (running a
 * tool, reading a bounded file). Not for use outside checks/backup*.c. */
#ifndef RISKMAP_BACKUP_READ_H
#define RISKMAP_BACKUP_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/backup.h"

/* now: the time the listing will be judged at (sizes are asked only of points not in the
 * future). */
int backup_restic_read(const struct backup_source *s, int64_t now, struct backup_listing *l,
                       struct rm_err *e);
int backup_borg_read(const struct backup_source *s, int64_t now, struct backup_listing *l,
                     struct rm_err *e);
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

/* How a tool is asked for one restore point's size (restic stats, borg info). */
struct backup_size_tool {
    const char *what; /* the command, for the listing's sizes_note */
    /* Fills argv (at most 15 entries and the NULL) for point p, strings in buf. 0 or -1. */
    int (*argv)(const struct backup_source *s, const struct backup_point *p, char **argv,
                char *buf, size_t len);
    /* Runs it as the listing run was run (password, environment, timeout). */
    int (*run)(const struct backup_source *s, char **argv, struct backup_run *r, struct rm_err *e);
    /* The size from its output, or -1. */
    int64_t (*parse)(const char *out, size_t len);
};
/* The latest and the previous point not dated after now + BACKUP_FUTURE_SKEW_S, newest
 * first; how many (0-2). */
size_t backup_newest_two(const struct backup_listing *l, int64_t now, size_t idx[2]);
/* Asks the tool for the sizes of those two points where the listing has none, sets
 * l->sizes_note and keeps the runs as l->sizes_raw. 0, or -1 with e set (allocation). */
int backup_fetch_sizes(const struct backup_source *s, int64_t now, struct backup_listing *l,
                       const struct backup_size_tool *tool, struct rm_err *e);

/* For a saved listing: sizes_note says whether the compared points have sizes, and if not,
 * why (the tool is not run for a saved copy). */
void backup_saved_sizes_note(struct backup_listing *l, int64_t now, const char *why);

/* detail = prefix + the printable part of msg (first bytes that fit). */
void backup_detail_from(struct backup_listing *l, const char *prefix, const char *msg, size_t n);

#endif
