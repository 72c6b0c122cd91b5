/* The backup check: is there a recent, real backup of everything that matters.
 *
 * This header is the seam between who declares backup sources (the `--backup` option today,
 * the client profile loader of issue 7 later) and the readers and judgement that use them:
 *
 *   declare   struct backup_config, filled by backup_config_add_spec() from
 *             "TYPE:LOCATION[,key=value...]" or directly by a loader (see the fields below)
 *   read      backup_read(): one reader per type turns a source into a struct backup_listing
 *             (restore points with UTC times and sizes, or a precise unreadable state)
 *   judge     backup_judge_source() / backup_judge_site(): the only place that decides what
 *             a listing means (stale, ok, retention, empty, shrunk, future, unreadable,
 *             missing, offsite.missing); plain data out, so it is tested without a scan
 *
 * checks/backup.c turns verdicts into findings with facts and evidence.
 *
 * Times are UTC seconds since the epoch (int64_t). A time written with an explicit zone (Z,
 * +02:00) is converted; a time written without one is read in the zone named by the source's
 * `tz` (default: the local zone of the machine riskmap runs on, which is what borg writes).
 *
 * Ownership: a backup_config owns its sources and every string in them (backup_config_free);
 * a backup_listing owns its points and raw bytes (backup_listing_free).
 */
#ifndef RISKMAP_BACKUP_H
#define RISKMAP_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/err.h"

#define BACKUP_DEFAULT_RPO_S (24 * 3600) /* policy default: one day, CIS 11.2 asks weekly */
#define BACKUP_DEFAULT_TIMEOUT_S 120     /* a restic/borg listing over a slow share */
#define BACKUP_DEFAULT_SHRINK 0.5        /* latest below half the previous: something is gone */
#define BACKUP_FUTURE_SKEW_S 300         /* clocks of a NAS and this box differ by minutes */
#define BACKUP_MAX_OUTPUT (16u << 20)    /* bytes read from a tool or an export, at most */
#define BACKUP_MAX_POINTS 100000         /* restore points kept per source */

enum backup_type {
    BACKUP_RESTIC,
    BACKUP_BORG,
    BACKUP_DIRECTORY,
    BACKUP_JSON,
    BACKUP_CSV,
    BACKUP_MARKER,
};

/* "restic", "borg", "directory", "json", "csv", "marker". */
const char *backup_type_name(enum backup_type t);

/* Tri-state profile flags: a source says nothing, yes or no. */
enum backup_flag { BACKUP_FLAG_UNSET = 0, BACKUP_FLAG_NO, BACKUP_FLAG_YES };

/* One backup source. Every pointer may be NULL unless marked; strings are owned by the config.
 * Keys of the --backup spec are given in brackets. */
struct backup_source {
    enum backup_type type;
    char *location;      /* required: repository, directory, export or marker file */
    char *name;          /* [name=] shown in findings; default "TYPE:LOCATION" */
    char *asset;         /* [asset=] what it protects; default: the name */
    char *password_file; /* [password-file=] restic: RESTIC_PASSWORD_FILE; borg:
                          * BORG_PASSPHRASE_FD on the opened file. Unset: the environment, as
                          * the tool itself takes it (RESTIC_PASSWORD, BORG_PASSCOMMAND...) */
    char *saved;         /* [saved=] restic/borg: read this saved `snapshots --json` / `list
                          * --json` output instead of running the tool */
    char *pattern;       /* [pattern=] directory: fnmatch globs separated by '|' ("*.vbk|*.vib")
                          * on the file name, or on the path below LOCATION for a glob
                          * holding a '/'; default "*" */
    char *time_field;    /* [time-field=] json/csv: field of the run's end time; default
                          * the first of EndTime, end, time, date present */
    char *result_field;  /* [result-field=] json/csv: field of the outcome; default Result,
                          * result, status, state */
    char *size_field;    /* [size-field=] json/csv: bytes written; optional */
    char *ok_values;     /* [ok=] json/csv: '|'-separated results that count as success,
                          * case-insensitive; default "success|succeeded|ok|completed|warning" */
    char *records;       /* [records=] json: member holding the array of runs when the top
                          * level is an object; default: the first array member */
    char *tz;            /* [tz=] zone of times written without one: "local", "utc",
                          * "+HH:MM", "-HH:MM"; default local */
    char *tool;          /* [tool=] restic/borg binary; default "restic" / "borg" in PATH */
    char *host;          /* [host=] restic: only snapshots of this hostname (one repository
                          * shared by several machines) */
    char *tag;           /* [tag=] restic: only snapshots carrying this tag */
    char *archives;      /* [archives=] borg: only archives whose name matches this glob
                          * ("fs1-*") */
    char sep;            /* [sep=] csv field separator; default ',' */
    char date_order;     /* [date=mdy|dmy] json/csv: also read dates as a Windows culture writes
                          * them, "11/22/2026 10:00:15 PM" (m) or "22.11.2026 22:00:15" (d);
                          * 0: ISO 8601 only */
    int64_t rpo_s;       /* [rpo=] 90m, 24h, 7d...; 0: the config's default */
    unsigned retention;  /* [retention=] restore points required; 0: the config's default */
    unsigned timeout_s;  /* [timeout=] seconds for the tool; 0: BACKUP_DEFAULT_TIMEOUT_S */
    enum backup_flag offsite;   /* [offsite=yes|no] */
    enum backup_flag immutable; /* [immutable=yes|no] */
};

struct backup_listing;

struct backup_config {
    struct backup_source *sources;
    size_t n_sources;
    char **critical_assets; /* assets that must have a backup: backup.missing without one */
    size_t n_critical;
    int64_t default_rpo_s;      /* 0: BACKUP_DEFAULT_RPO_S */
    unsigned default_retention; /* 0: no retention minimum */
    double shrink_ratio;        /* 0: BACKUP_DEFAULT_SHRINK */
    int64_t now;                /* judge as of this UTC time; 0: the clock */
    struct backup_listing *read; /* n_sources listings read ahead (backup_config_read_ahead),
                                  * or NULL: the check reads each source itself */
};

void backup_config_free(struct backup_config *c);
/* For a loader (the client profile): appends a copy of *s (its strings are copied, the
 * caller keeps its own). Same checks and defaults as a --backup spec: a location is required,
 * tz must be valid, the name defaults to "TYPE:LOCATION" and must be unique. 0 or -1. */
int backup_config_add(struct backup_config *c, const struct backup_source *s, struct rm_err *e);
/* Parses "TYPE:LOCATION[,key=value...]" and appends the source. 0 or -1 with e set. */
int backup_config_add_spec(struct backup_config *c, const char *spec, struct rm_err *e);
/* Appends a critical asset (copied). 0 or -1. */
int backup_config_add_asset(struct backup_config *c, const char *asset, struct rm_err *e);

/* "90s", "45m", "24h", "7d", "2w" or plain seconds; 0 or -1. */
int backup_parse_duration(const char *s, int64_t *out);

/* ---- times ------------------------------------------------------------------------------ */

/* Parses an ISO 8601 / RFC 3339 time: "2026-11-20T10:00:00Z", "...T10:00:00.123456789+02:00",
 * a space instead of 'T', "2026-11-20 10:00:00 +0100", "/Date(1700000000000)/" (Veeam's
 * PowerShell JSON), or plain epoch seconds (milliseconds above 1e12). Without a zone the time
 * is read in tz (NULL or "local": the local zone). Fractions are dropped. 0 or -1. */
int backup_parse_time(const char *s, const char *tz, int64_t *out);
/* backup_parse_time, and with order 'm' or 'd' also "MM/DD/YYYY hh:mm[:ss] [AM|PM]" or
 * "DD.MM.YYYY HH:MM[:SS]" (separators '/', '.' or '-'), as Export-Csv writes them. */
int backup_parse_time_ordered(const char *s, const char *tz, char order, int64_t *out);
/* Formats t as "2026-11-20T10:00:00Z" into buf (at least 21 bytes). */
void backup_format_time(int64_t t, char *buf, size_t len);
/* "3d 4h", "25h 0m", "12m", "40s" for an age. */
void backup_format_age(int64_t s, char *buf, size_t len);

/* ---- listings --------------------------------------------------------------------------- */

/* Why a source could not be read: each a backup.unreadable finding with this as its state. */
enum backup_state {
    BACKUP_READABLE = 0,
    BACKUP_MISSING,        /* no repository / directory / file there */
    BACKUP_LOCKED,         /* repository locked by another process */
    BACKUP_WRONG_PASSWORD, /* wrong password or no key */
    BACKUP_CORRUPT,        /* the tool says the repository is damaged or not a repository */
    BACKUP_PERMISSION,     /* permission denied */
    BACKUP_TIMEOUT,        /* the tool ran out of time or wrote more than the bound */
    BACKUP_TOOL_MISSING,   /* restic/borg not installed */
    BACKUP_FORMAT,         /* output or export not understood (bad JSON, missing field) */
    BACKUP_FAILED,         /* any other failure of the tool */
};
/* "readable", "missing", "locked", "wrong-password", "corrupt", "permission", "timeout",
 * "tool-missing", "format", "failed". */
const char *backup_state_name(enum backup_state s);

/* A restore point: one successful backup. */
struct backup_point {
    int64_t time; /* UTC */
    int64_t size; /* bytes, -1 when the source does not say */
    char *id;     /* snapshot id, archive name, file path, row number */
};

struct backup_listing {
    enum backup_state state;
    char detail[384];          /* the tool's own words when unreadable */
    struct backup_point *points; /* successful runs only, in the order read */
    size_t n_points, cap_points;
    size_t n_skipped;          /* runs that do not count: failed, checkpoint, unparsable time */
    char *raw;                 /* the listing as read (tool output, export, file list): evidence */
    size_t raw_len;
    char *raw_type;            /* media type of raw: "application/json", "text/csv", "text/plain" */
    int exit_status;           /* the tool's, -1 when none ran */
    char *sizes_raw;           /* restic/borg: the runs that asked for the sizes of the latest
                                * and previous points (application/json), or NULL */
    size_t sizes_len;
    char sizes_note[160];      /* restic/borg: where the sizes came from, or why they are not
                                * known; "" when not applicable */
};

void backup_listing_free(struct backup_listing *l);
/* Appends a point (id copied). 0 or -1 (allocation, or BACKUP_MAX_POINTS reached). */
int backup_listing_add(struct backup_listing *l, int64_t time, int64_t size, const char *id);
/* Sets state and detail (printf-style); always returns 0: unreadable is a result, not an error. */
int backup_listing_fail(struct backup_listing *l, enum backup_state st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Keeps a copy of the listing as evidence (truncated at BACKUP_MAX_OUTPUT). 0 or -1. */
int backup_listing_keep_raw(struct backup_listing *l, const char *type, const void *d, size_t n);

/* Parsers of outside input, each bounded by len and safe on any bytes (libFuzzer targets).
 * They fill l->points / l->n_skipped, or set l->state = BACKUP_FORMAT; -1 only for allocation
 * failure. */
/* s (may be NULL) filters: host, tag (restic), archives and tz (borg). Snapshots and archives
 * the filter leaves out belong to other sources: neither counted nor skipped. */
int backup_restic_parse(const struct backup_source *s, const char *json, size_t len,
                        struct backup_listing *l);
int backup_borg_parse(const struct backup_source *s, const char *json, size_t len,
                      struct backup_listing *l);
int backup_status_parse_json(const struct backup_source *s, const char *d, size_t len,
                             struct backup_listing *l);
int backup_status_parse_csv(const struct backup_source *s, const char *d, size_t len,
                            struct backup_listing *l);
/* The total_size of `restic stats --json --mode restore-size ID` when it covers exactly one
 * snapshot (restic 0.14 exits 0 with snapshots_count 0 for an unknown ID), else -1. */
int64_t backup_restic_parse_stats(const char *json, size_t len);
/* stats.original_size of `borg info --json REPO::ARCHIVE` when it names exactly one archive,
 * else -1. */
int64_t backup_borg_parse_info(const char *json, size_t len);
/* Classifies a failed restic run from its exit status and standard error. */
enum backup_state backup_restic_state(int exit_status, const char *err, size_t len);
/* Classifies a failed borg run from its --log-json standard error (msgid) and exit status. */
enum backup_state backup_borg_state(int exit_status, const char *err, size_t len);

/* Reads one source with its reader (runs the tool, walks the directory, reads the file).
 * A source that cannot be read is a listing with a state, not an error: -1 only for
 * allocation failure. */
int backup_read(const struct backup_source *s, int64_t now, struct backup_listing *l,
                struct rm_err *e);
/* Reads every source now, while the process still has the rights to (a root scan drops to
 * an unprivileged user before its checks run, and backup repositories, exports and password
 * files are usually root's). The check then judges these listings. 0, or -1 (allocation). */
int backup_config_read_ahead(struct backup_config *c, struct rm_err *e);

/* ---- judgement -------------------------------------------------------------------------- */

enum backup_kind {
    BK_OK,
    BK_STALE,
    BK_NONE,
    BK_RETENTION,
    BK_EMPTY,
    BK_SHRUNK,
    BK_UNREADABLE,
    BK_FUTURE,
    BK_MISSING,
    BK_OFFSITE_MISSING,
    BK_N_KINDS,
};

/* One conclusion about a source or an asset, with the figures it rests on (-1: not known). */
struct backup_verdict {
    enum backup_kind kind;
    const char *source; /* borrowed from the config: NULL for asset-level verdicts */
    const char *asset;  /* borrowed from the config */
    int64_t rpo_s;
    int64_t latest;        /* time of the latest counted success */
    int64_t age_s;         /* now - latest */
    int64_t latest_size, previous_size;
    int64_t previous;      /* time of the one before it */
    size_t n_points;       /* counted restore points */
    unsigned retention;    /* the minimum asked */
    int64_t future_time;   /* BK_FUTURE: the furthest future time; BK_UNREADABLE: unused */
    int64_t empty_time;    /* BK_EMPTY: the time of the zero-byte point */
    size_t n_future;
    enum backup_state state; /* BK_UNREADABLE */
    size_t n_offsite, n_immutable; /* BK_OFFSITE_MISSING: the asset's sources so flagged */
    char detail[640];      /* one sentence for the finding */
};

#define BACKUP_MAX_VERDICTS 8 /* per source */

/* Judges one source's listing as of now. Writes at most BACKUP_MAX_VERDICTS to out and
 * returns how many. */
size_t backup_judge_source(const struct backup_config *c, const struct backup_source *s,
                           const struct backup_listing *l, int64_t now,
                           struct backup_verdict *out);

/* Asset-level view once every source is judged: backup.missing for critical assets without a
 * source, and (when any source says offsite= or immutable=) backup.offsite.missing for each
 * asset without an off-site source whose latest success is within its RPO. fresh[i] says
 * whether source i had one. Returns how many verdicts were written (at most max). */
size_t backup_judge_site(const struct backup_config *c, const bool *fresh, int64_t now,
                         struct backup_verdict *out, size_t max);

/* The source's effective name and asset (never NULL; borrowed, or a static "?"). */
const char *backup_source_name(const struct backup_source *s);
const char *backup_source_asset(const struct backup_source *s);
int64_t backup_source_rpo(const struct backup_config *c, const struct backup_source *s);

#endif
