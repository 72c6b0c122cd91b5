/* The body the feed importers' libFuzzer targets share (fuzz_feed_osv.c, fuzz_feed_nvd.c,
 * fuzz_feed_kev.c): arbitrary bytes imported as one format, and again with the format
 * recognised, into an in-memory store. Besides the sanitizers, it checks the import contract:
 * a failure says "file: ..." and leaves no advisory, range or KEV row behind; and that the
 * record-at-a-time reader (checks/feed_import.c) and the whole-document one agree: the same
 * acceptance, message, counts and rows. Included by exactly one target per binary. */
#ifndef RISKMAP_FUZZ_FEED_H
#define RISKMAP_FUZZ_FEED_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/feed.h"
#include "checks/feed_impl.h"
#include "tests/unit/feed_rows.h"

static long long rows(struct feed_db *db)
{
    sqlite3_stmt *s;
    long long n = -1;
    if (sqlite3_prepare_v2(db->db, "SELECT (SELECT count(*) FROM advisory) + (SELECT count(*)"
                           " FROM affected_range) + (SELECT count(*) FROM kev)", -1, &s,
                           NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* Empties the store, so each input starts from nothing. */
static void empty(struct feed_db *db)
{
    if (sqlite3_exec(db->db, "DELETE FROM advisory; DELETE FROM kev; DELETE FROM eol;"
                     " DELETE FROM feed_import;",
                     NULL, NULL, NULL) != SQLITE_OK)
        abort();
}

static void one_way(struct feed_db *db, bool whole, const char *format, const uint8_t *data,
                    size_t size, int *rc, struct feed_import_result *r, struct rm_err *e)
{
    empty(db);
    *rc = (whole ? feed_import_buffer_whole : feed_import_buffer)(db, "f", format,
                                                                 (const char *)data, size, 0,
                                                                 r, e);
    if (*rc < 0) {
        if (strncmp(e->msg, "f: ", 3) != 0 || rows(db) != 0 || r->records != 0)
            abort();
    } else if (rows(db) < 0) {
        abort();
    }
}

/* Imports data as `format`, then as whatever it is recognised as, both ways, into in-memory
 * stores kept across inputs, and aborts when the import contract breaks or the ways differ. */
static int feed_fuzz_one(const char *format, const uint8_t *data, size_t size)
{
    static struct feed_db *db, *ref;
    struct rm_err e = {{0}}, re = {{0}};
    if (!db && (feed_open(":memory:", true, &db, &e) < 0 ||
                feed_open(":memory:", true, &ref, &e) < 0))
        abort();
    if (size > (1u << 20))
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *fmt = pass == 0 ? format : NULL;
        struct feed_import_result r, rr;
        int rc, rrc;
        one_way(db, false, fmt, data, size, &rc, &r, &e);
        one_way(ref, true, fmt, data, size, &rrc, &rr, &re);
        if (rc != rrc || r.records != rr.records || r.skipped != rr.skipped ||
            strcmp(r.newest, rr.newest) != 0 || strcmp(r.format, rr.format) != 0 ||
            (rc < 0 && strcmp(e.msg, re.msg) != 0))
            abort();
        char *a = feed_rows_text(db->db), *b = feed_rows_text(ref->db);
        if (a && b && strcmp(a, b) != 0)
            abort();
        free(a);
        free(b);
    }
    return 0;
}

#endif
