/* libFuzzer target for archives of OSV records (checks/feed_archive.c): arbitrary bytes read
 * by libarchive as zip, tar or a compressed tar, each *.json entry stored through the OSV
 * importer. Besides the sanitizers it checks the import contract: a failure names the
 * archive first ("f: ...") and leaves no row behind; a success stored what it counted. */
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/feed.h"
#include "checks/feed_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long long advisories(struct feed_db *db)
{
    sqlite3_stmt *s;
    long long n = -1;
    if (sqlite3_prepare_v2(db->db, "SELECT count(*) FROM advisory", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct feed_db *db;
    struct rm_err e = {{0}};
    if (!db && feed_open(":memory:", true, &db, &e) < 0)
        abort();
    if (size > (1u << 20))
        return 0;
    if (sqlite3_exec(db->db, "DELETE FROM advisory; DELETE FROM feed_import;", NULL, NULL,
                     NULL) != SQLITE_OK)
        abort();
    struct feed_import_result r;
    int rc = feed_import_archive_buffer(db, "f", data, size, 0, &r, &e);
    long long n = advisories(db);
    if (rc < 0 ? strncmp(e.msg, "f: ", 3) != 0 || n != 0 || r.records != 0
               : n < 0 || (size_t)n > r.records)
        abort();
    return 0;
}
