/* Every row an import stores, as one text, for tests that compare two ways of importing the
 * same document (tests/unit/test_feed.c, tests/fuzz/feed_fuzz.h). */
#ifndef RISKMAP_TEST_FEED_ROWS_H
#define RISKMAP_TEST_FEED_ROWS_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

/* NULL when out of memory or on a database error; the caller frees it. */
static inline char *feed_rows_text(sqlite3 *db)
{
    static const char *const sql[] = {
        "SELECT * FROM advisory ORDER BY id", "SELECT * FROM alias ORDER BY advisory, name",
        "SELECT * FROM affected ORDER BY id", "SELECT * FROM affected_range ORDER BY rowid",
        "SELECT * FROM affected_version ORDER BY rowid", "SELECT * FROM kev ORDER BY cve",
        "SELECT * FROM eol ORDER BY product, cycle",
        "SELECT source, file, records, newest FROM feed_import ORDER BY id"};
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    int ok = 1;
    for (size_t q = 0; q < sizeof sql / sizeof sql[0] && ok; q++) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(db, sql[q], -1, &s, NULL) != SQLITE_OK) {
            ok = 0;
            break;
        }
        while (sqlite3_step(s) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(s); c++) {
                const unsigned char *t = sqlite3_column_text(s, c);
                fprintf(f, "%s\x1f", t ? (const char *)t : "(null)");
            }
            fputc('\n', f);
        }
        sqlite3_finalize(s);
        fputc('\x1e', f);
    }
    fclose(f);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

#endif
