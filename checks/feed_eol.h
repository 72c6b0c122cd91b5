/* End-of-life data in the feed store (checks/feed_eol.c imports it; see feed.h): which release
 * cycle of a product a version belongs to, and when that cycle's support ends.
 *
 * Cycles are named as endoflife.date names them: "1.24" (nginx), "9" (OpenSSH), "1.0.2"
 * (OpenSSL), "12" (Debian), "10.11" (MariaDB). A version belongs to the longest cycle it
 * starts with, where the cycle ends at a component boundary: "1.24.0" and "1.24" are in
 * "1.24"; "1.0.2k" is in "1.0.2" (OpenSSL's letter releases); "9.2p1" in "9" (and in "9.2" if
 * a source names that cycle); "10.11.6" is in "10.11", never in "10.1".
 */
#ifndef RISKMAP_FEED_EOL_H
#define RISKMAP_FEED_EOL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "feed.h"

struct eol_cycle {
    char product[65], cycle[65];
    char release_date[11]; /* "YYYY-MM-DD" or "" */
    char eol_date[11];     /* when support ends, "" when no date is published */
    int eol_flag;          /* 1: ended (with or without a date); 0: no end announced;
                            * -1: the source does not say */
    char latest[256], latest_date[11];
    char lts[11], support[11], extended[11]; /* "true", "false", a date, or "" */
};

/* True when version belongs to cycle (the rule above, not yet "the longest"). */
bool eol_cycle_matches(const char *cycle, const char *version);

/* The cycle of product that version belongs to (the longest match): 1 found, 0 none (or no
 * such product), -1 a database error. */
int feed_eol_find(struct feed_db *db, const char *product, const char *version,
                  struct eol_cycle *out, struct rm_err *e);

/* The EOL products loaded, "apache (4), nginx (21)" into buf (cut with "..." when long);
 * *products and *cycles get the counts. */
int feed_eol_summary(struct feed_db *db, char *buf, size_t n, size_t *products, size_t *cycles,
                     struct rm_err *e);

/* Whole days from the UTC day of t to date ("YYYY-MM-DD"): 0 on that day, negative after it.
 * Returns false when date is not one. */
bool eol_days_until(const char *date, time_t t, long long *days);

/* Imports the end-of-life data built into riskmap (checks/data/eol.json, see the README
 * there) like a file named "shipped:checks/data/eol.json" (checks/feed_shipped.c). */
int feed_import_shipped_eol(struct feed_db *db, time_t now, struct feed_import_result *r,
                            struct rm_err *e);

#endif
