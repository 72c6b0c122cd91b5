/* Shared by the feed store (feed_db.c) and the format importers (feed_osv.c, feed_nvd.c,
 * feed_kev.c): the writer they store through and the error helpers. Not for other rooms. */
#ifndef RISKMAP_FEED_IMPL_H
#define RISKMAP_FEED_IMPL_H

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "feed.h"

/* Bounds on single values; longer ones are rejected (ids, versions, vectors) or cut (text). */
#define FEED_MAX_ID 128
#define FEED_MAX_VERSION 255
#define FEED_MAX_VECTOR 256
#define FEED_MAX_TEXT 2048

struct feed_db {
    sqlite3 *db;
};

/* Prepared statements for one import, inside its transaction. */
struct feed_writer {
    sqlite3 *db;
    sqlite3_stmt *del_adv, *ins_adv, *ins_alias, *ins_aff, *ins_range, *ins_ver, *ins_kev,
        *del_eol, *ins_eol;
    const char *file; /* for messages */
    const char *eol_product; /* the product a bare endoflife.date array is about (from the
                              * file name), or NULL */
    struct rm_err *err; /* where feed_bad() writes */
    struct feed_import_result *res;
};

struct fw_advisory {
    const char *source; /* "osv", "nvd" */
    const char *name;
    const char *summary;                    /* may be NULL; cut to FEED_MAX_TEXT */
    const char *published, *modified, *withdrawn; /* normalised or NULL */
    double cvss3_score, cvss4_score;        /* < 0: none */
    const char *cvss3_vector, *cvss4_vector;
    const char *cve; /* the CVE it is about when name is not one (an alias); may be NULL */
};

struct fw_affected {
    const char *ecosystem, *package;          /* OSV */
    const char *cpe, *vendor, *product, *cpe_version; /* NVD */
    const char *database_specific;            /* JSON text or NULL */
};

struct fw_kev {
    const char *cve, *vendor, *product, *name, *date_added, *due_date, *ransomware;
};

/* One release cycle of a product (endoflife.date). Dates are "YYYY-MM-DD" or NULL. */
struct fw_eol {
    const char *product, *cycle;
    const char *release_date;
    const char *eol_date;  /* the end of (security) support, when the source gives a date */
    int eol_flag;          /* without a date: 1 "eol": true, 0 "eol": false, -1 not said */
    const char *latest, *latest_date;
    const char *lts, *support, *extended; /* "true", "false", a date, or NULL */
};

/* Archives of OSV records (feed_archive.c): does a file starting with head look like one
 * (zip, tar, gzip, xz, bzip2, zstd)? And their import, every *.json entry in one transaction,
 * with feed_import_file's contract; the buffer form is for the fuzz target. */
bool feed_is_archive(const unsigned char *head, size_t n);
int feed_import_archive(struct feed_db *db, const char *path, time_t now,
                        struct feed_import_result *r, struct rm_err *e);
int feed_import_archive_buffer(struct feed_db *db, const char *name, const void *data,
                               size_t len, time_t now, struct feed_import_result *r,
                               struct rm_err *e);

/* One import is one transaction: fw_begin opens it and prepares w's statements (0, or -1 with
 * e set); fw_end records the import of format at now and commits when keep, else (or when that
 * fails: -1, w->err set) rolls back and zeroes the counts in w->res. */
int fw_begin(struct feed_writer *w, struct feed_db *db, const char *name,
             const char *eol_product, struct feed_import_result *r, struct rm_err *e);
int fw_end(struct feed_writer *w, const char *format, time_t now, bool keep);

/* Each returns 0 or -1 with e set (a database error). */
int fw_advisory(struct feed_writer *w, const struct fw_advisory *a, int64_t *id, struct rm_err *e);
/* Removes an advisory (and what hangs off it) if stored. */
int fw_forget(struct feed_writer *w, const char *source, const char *name, struct rm_err *e);
int fw_alias(struct feed_writer *w, int64_t adv, const char *name, struct rm_err *e);
int fw_affected(struct feed_writer *w, int64_t adv, const struct fw_affected *a, int64_t *id,
                struct rm_err *e);
int fw_range(struct feed_writer *w, int64_t aff, const char *type, const char *introduced,
             int introduced_excl, const char *fixed, const char *last_affected, struct rm_err *e);
int fw_version(struct feed_writer *w, int64_t aff, const char *version, struct rm_err *e);
int fw_kev(struct feed_writer *w, const struct fw_kev *k, struct rm_err *e);
/* Removes every cycle stored for product (a product imported again replaces its cycles). */
int fw_eol_forget(struct feed_writer *w, const char *product, struct rm_err *e);
int fw_eol(struct feed_writer *w, const struct fw_eol *c, struct rm_err *e);
/* Keeps the newest normalised time seen in the file. */
void fw_newest(struct feed_writer *w, const char *norm);

/* The importers: root is the parsed file; 0 or -1 with e = "file: path: problem". */
int feed_osv_import(struct feed_writer *w, const cJSON *root, struct rm_err *e);
int feed_nvd_import(struct feed_writer *w, const cJSON *root, struct rm_err *e);
/* Their parts, for reading a file a record at a time (checks/feed_import.c): one OSV record;
 * the NVD file's members other than its records (root's vulnerabilities only needs to be an
 * array), then one element of vulnerabilities. path is the record's JSON path. */
int feed_osv_record(struct feed_writer *w, const cJSON *rec, const char *path);
int feed_nvd_header(struct feed_writer *w, const cJSON *root);
int feed_nvd_record(struct feed_writer *w, const cJSON *item, const char *path);
int feed_kev_import(struct feed_writer *w, const cJSON *root, struct rm_err *e);
/* feed_import_buffer without the record-at-a-time reader: the document as one cJSON tree, the
 * reference the fuzz targets and tests compare the streaming reader with. */
int feed_import_buffer_whole(struct feed_db *db, const char *name, const char *format,
                             const char *data, size_t len, time_t now,
                             struct feed_import_result *r, struct rm_err *e);
/* endoflife.date (checks/feed_eol.c); the product of a bare cycle array is w->eol_product. */
int feed_eol_import(struct feed_writer *w, const cJSON *root, struct rm_err *e);
/* An endoflife.date product name: 1-64 of [a-z0-9._-], starting with a letter or digit. */
bool feed_eol_product_ok(const char *s);

/* "file: path: problem" into w->err; returns -1. */
int feed_bad(const struct feed_writer *w, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* snprintf for JSON paths (truncation is harmless there: a long path is cut in the message). */
void feed_pathf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A string member: NULL when absent; -1 (e set) when present and not a string, or longer than
 * max. path is the object's path, name the member. */
int feed_str(const struct feed_writer *w, const cJSON *obj, const char *path, const char *name,
             size_t max, bool required, const char **out);
/* A time member, normalised into out ("" when absent); -1 when present and malformed. */
int feed_time(const struct feed_writer *w, const cJSON *obj, const char *path, const char *name,
              bool required, char out[FEED_TIME_LEN]);

/* CVSS v3.0/3.1 base score from a vector ("CVSS:3.1/AV:N/..."); -1 when it is not one. */
double cvss3_base_score(const char *vector);

#endif
