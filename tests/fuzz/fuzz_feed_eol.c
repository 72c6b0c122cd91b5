/* libFuzzer target for the endoflife.date importer (checks/feed_eol.c): arbitrary bytes
 * imported as end-of-life data (as a file named nginx.json, so a bare cycle list has a
 * product) into an in-memory store. Besides the sanitizers it checks the import contract: a
 * failure says "nginx.json: ..." and leaves no cycle behind; a success leaves cycles whose
 * product names are ones the importer accepts, and every stored cycle can be looked up. */
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/feed.h"
#include "checks/feed_eol.h"
#include "checks/feed_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long long count(struct feed_db *db, const char *sql)
{
    sqlite3_stmt *s;
    long long n = -1;
    if (sqlite3_prepare_v2(db->db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
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
    if (sqlite3_exec(db->db, "DELETE FROM eol; DELETE FROM feed_import;", NULL, NULL, NULL) !=
        SQLITE_OK)
        abort();
    struct feed_import_result r;
    if (feed_import_buffer(db, "nginx.json", "eol", (const char *)data, size, 0, &r, &e) < 0) {
        if (strncmp(e.msg, "nginx.json: ", 12) != 0 || count(db, "SELECT count(*) FROM eol") != 0 ||
            r.records != 0)
            abort();
        return 0;
    }
    long long n = count(db, "SELECT count(*) FROM eol");
    if (n < 0 || n > (long long)r.records)
        abort();
    /* Every stored cycle is found for its own name as a version. */
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->db, "SELECT product, cycle FROM eol LIMIT 64", -1, &s, NULL) !=
        SQLITE_OK)
        abort();
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(s, 0),
                   *c = (const char *)sqlite3_column_text(s, 1);
        struct eol_cycle cyc;
        if (!p || !c || !feed_eol_product_ok(p))
            abort();
        /* A cycle ending in '.' names no version boundary; the others must be found. */
        if (c[0] && c[strlen(c) - 1] != '.' && feed_eol_find(db, p, c, &cyc, &e) != 1)
            abort();
    }
    sqlite3_finalize(s);
    return 0;
}
