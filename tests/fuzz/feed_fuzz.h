/* The body the feed importers' libFuzzer targets share (fuzz_feed_osv.c, fuzz_feed_nvd.c,
 * fuzz_feed_kev.c): arbitrary bytes imported as one format into an in-memory store. Besides the
 * sanitizers, it checks the import contract: a failure says "file: ..." and leaves no
 * advisory, range or KEV row behind. Included by exactly one target per binary. */
#ifndef RISKMAP_FUZZ_FEED_H
#define RISKMAP_FUZZ_FEED_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/feed.h"
#include "checks/feed_impl.h"

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

/* Imports data as `format` into an in-memory store kept across inputs (emptied before each)
 * and aborts when the import contract breaks. */
static int feed_fuzz_one(const char *format, const uint8_t *data, size_t size)
{
    static struct feed_db *db;
    struct rm_err e = {{0}};
    if (!db && feed_open(":memory:", true, &db, &e) < 0)
        abort();
    if (size > (1u << 20))
        return 0;
    /* Empty the store, so each input starts from nothing. */
    if (sqlite3_exec(db->db, "DELETE FROM advisory; DELETE FROM kev; DELETE FROM feed_import;",
                     NULL, NULL, NULL) != SQLITE_OK)
        abort();
    struct feed_import_result r;
    if (feed_import_buffer(db, "f", format, (const char *)data, size, 0, &r, &e) < 0) {
        if (strncmp(e.msg, "f: ", 3) != 0 || rows(db) != 0 || r.records != 0)
            abort();
    } else if (rows(db) < 0) {
        abort();
    }
    return 0;
}

#endif
