/* The feed data built into riskmap: the files of checks/data/ (end-of-life cycles, NVD CVE
 * records, OSV records, CISA KEV entries; checks/data/README.md says where every record comes
 * from), embedded at build time by contrib/tools/embed-files.sh. `riskmap feed import
 * --shipped` imports them, in the table's order, each like a file named
 * "shipped:checks/data/NAME". */
#ifndef RISKMAP_FEED_SHIPPED_H
#define RISKMAP_FEED_SHIPPED_H

#include <stddef.h>
#include <time.h>

#include "feed.h"

struct feed_shipped {
    const char *path;          /* "checks/data/nvd.json" */
    const unsigned char *data; /* NUL-terminated; len excludes the NUL */
    size_t len;
};

extern const struct feed_shipped feed_shipped_files[];
extern const size_t feed_n_shipped;

/* The shipped file with this path ("checks/data/eol.json"), or NULL. */
const struct feed_shipped *feed_shipped_find(const char *path);

/* Imports one shipped file (recognised from its content like any file); r->format says which
 * format it was. 0, or -1 with e set and nothing stored. */
int feed_import_shipped(struct feed_db *db, const struct feed_shipped *f, time_t now,
                        struct feed_import_result *r, struct rm_err *e);

#endif
