/* Importing the feed data built into riskmap (checks/feed_shipped.h). */
#include <stdio.h>
#include <string.h>

#include "feed_eol.h"
#include "feed_shipped.h"

const struct feed_shipped *feed_shipped_find(const char *path)
{
    for (size_t i = 0; i < feed_n_shipped; i++)
        if (strcmp(feed_shipped_files[i].path, path) == 0)
            return &feed_shipped_files[i];
    return NULL;
}

int feed_import_shipped(struct feed_db *db, const struct feed_shipped *f, time_t now,
                        struct feed_import_result *r, struct rm_err *e)
{
    /* The store records the import under this name: `feed info` and a scan's patch.feed say
     * the data is the built-in copy, not a file on disk. */
    char name[256];
    snprintf(name, sizeof name, "shipped:%s", f->path);
    return feed_import_buffer(db, name, NULL, (const char *)f->data, f->len, now, r, e);
}

int feed_import_shipped_eol(struct feed_db *db, time_t now, struct feed_import_result *r,
                            struct rm_err *e)
{
    const struct feed_shipped *f = feed_shipped_find("checks/data/eol.json");
    if (!f) {
        rm_errf(e, "no shipped end-of-life data in this build");
        return -1;
    }
    return feed_import_shipped(db, f, now, r, e);
}
