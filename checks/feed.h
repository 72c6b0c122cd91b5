/* The advisory feed: a SQLite file filled from the public formats (OSV JSON 1.x, NVD CVE JSON
 * 2.0, the CISA Known Exploited Vulnerabilities catalog, endoflife.date's product data) and
 * read by the patch check.
 *
 * endoflife.date data (checks/feed_eol.c, docs/feed.md) is recognised from its content: the
 * API v0 cycle list (a bare array, about the product its file is named for: nginx.json), the
 * API v1 product object ({"result": {"name": ..., "releases": [...]}}), or riskmap's bundle
 * ({"endoflife.date": {"PRODUCT": [cycles...], ...}}). A product imported again replaces
 * its cycles.
 *
 * Every import is one transaction: a file that fails validation anywhere leaves the store as it
 * was, and the error names the file and the JSON path ("f.json: affected[0].ranges[1].type:
 * unknown range type \"FOO\""). An advisory imported again from the same source replaces the
 * earlier copy.
 *
 * Ownership: feed_open() returns a handle the caller releases with feed_close(); everything
 * else is filled into caller-owned structs.
 */
#ifndef RISKMAP_FEED_H
#define RISKMAP_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "scanner/err.h"

#define FEED_MAX_FILE ((size_t)512 << 20) /* bytes; NVD's yearly 2.0 files are ~100 MiB */
#define FEED_TIME_LEN 21                  /* "2024-07-01T13:15:06Z" + NUL */

struct feed_db;

/* The default store: $RISKMAP_DATA_DIR/feed.db, else /var/lib/riskmap/feed.db. */
int feed_default_path(char *buf, size_t n, struct rm_err *e);

/* Opens (create: creating the file 0600, and its directory 0700 when missing) and brings the
 * schema up to date. ":memory:" is a store that lives as long as the handle. Without create, a missing file is an error whose message starts with
 * "no feed". 0 or -1. */
int feed_open(const char *path, bool create, struct feed_db **out, struct rm_err *e);
/* Read-only, for the checks: the file is read through the descriptor opened here (it stays
 * usable after the process gives up the rights it opened it with). Same "no feed" message. */
int feed_open_ro(const char *path, struct feed_db **out, struct rm_err *e);
void feed_close(struct feed_db *db);

struct feed_import_result {
    char format[8];              /* "osv", "nvd", "kev", "eol" */
    size_t records;              /* advisories (or catalog entries) stored */
    size_t skipped;              /* records the format marks as withdrawn/rejected */
    char newest[FEED_TIME_LEN];  /* the newest record time in the file, "" when none */
};

/* Imports one file (the format is recognised from its content), recording the import at time
 * now. 0, or -1 with e = "path: json.path: problem" and nothing stored. A list of OSV records
 * and an NVD file's vulnerabilities are read a record at a time, the file through a window:
 * memory is that of one record, not of the file's cJSON tree (checks/feed_import.c). */
int feed_import_file(struct feed_db *db, const char *path, time_t now,
                     struct feed_import_result *r, struct rm_err *e);
/* The same for bytes in memory; name stands for the file in messages and in the record.
 * format ("osv", "nvd", "kev", "eol") skips recognition; NULL recognises it. */
int feed_import_buffer(struct feed_db *db, const char *name, const char *format, const char *data,
                       size_t len, time_t now, struct feed_import_result *r, struct rm_err *e);

/* What is loaded, per source ("osv", "nvd", "kev", "eol": release cycles). */
struct feed_source_info {
    char source[8];
    long long records;
    char newest[FEED_TIME_LEN];   /* newest record (modified / date added), "" when none */
    char imported[FEED_TIME_LEN]; /* last import, "" when never */
    long long imports;
};

/* Fills up to max entries (sources with nothing loaded are left out); *n gets the count. */
int feed_info(struct feed_db *db, struct feed_source_info *out, size_t max, size_t *n,
              struct rm_err *e);

/* "2024-07-01", "2024-07-01T13:15:06.467", "2024-07-09T18:47:00.123456Z", "...+02:00" ->
 * "2024-07-01T13:15:06Z" (UTC; no zone means UTC, as NVD writes it). 0 or -1. */
int feed_time_norm(const char *in, char out[FEED_TIME_LEN]);
/* A normalised time as seconds since the epoch; -1 when it is not one. */
time_t feed_time_parse(const char *norm);

#endif
