/* An archive of OSV records as one import: osv.dev publishes an ecosystem's records as
 * all.zip, one JSON file per record (Debian's some 50,000). Read with libarchive (zip, tar,
 * tar.gz...), each *.json entry (a record or a list of records) is stored through the same
 * OSV importer as a file, all of them in one transaction: a malformed entry rejects the whole
 * archive, named "ARCHIVE: ENTRY: json.path: problem", and nothing is stored. Other entries
 * (directories, README files) are skipped. */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "feed_impl.h"
#include "scanner/atomic.h"

/* Bounds: an entry as large as a feed file, and no more entries than a real export holds
 * many times over (a hostile archive of empty entries stays bounded in time). */
#define ARCHIVE_MAX_ENTRIES 2000000u
#define ARCHIVE_MAX_TOTAL ((size_t)8 << 30) /* uncompressed bytes read in all */

static bool is_json_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* The entry's bytes, NUL-terminated, in *buf (grown as needed; the caller frees it). */
static int read_entry(struct archive *a, const char *name, const char *entry, char **buf,
                      size_t *cap, size_t *len, size_t *total, struct rm_err *e)
{
    *len = 0;
    for (;;) {
        if (*len + 65536 + 1 > *cap) {
            size_t ncap = *cap ? *cap * 2 : 1u << 20;
            while (ncap < *len + 65536 + 1)
                ncap *= 2;
            char *nb = realloc(*buf, ncap);
            if (!nb)
                return rm_errf(e, "%s: %s: out of memory", name, entry);
            *buf = nb;
            *cap = ncap;
        }
        la_ssize_t n = archive_read_data(a, *buf + *len, 65536);
        if (n < 0)
            return rm_errf(e, "%s: %s: %s", name, entry, archive_error_string(a));
        if (n == 0)
            break;
        *len += (size_t)n;
        *total += (size_t)n;
        if (*len > FEED_MAX_FILE)
            return rm_errf(e, "%s: %s: larger than %zu MiB", name, entry, FEED_MAX_FILE >> 20);
        if (*total > ARCHIVE_MAX_TOTAL)
            return rm_errf(e, "%s: more than %zu GiB uncompressed", name, ARCHIVE_MAX_TOTAL >> 30);
    }
    (*buf)[*len] = '\0';
    return 0;
}

/* One entry: an OSV record or a list of them, stored through w. */
static int store_entry(struct feed_writer *w, const char *name, const char *entry,
                       const char *data, size_t len, struct rm_err *e)
{
    cJSON *root = cJSON_ParseWithLength(data, len);
    if (!root)
        return rm_errf(e, "%s: %s: not JSON", name, entry);
    int rc = 0;
    if (!cJSON_IsObject(root) && !cJSON_IsArray(root)) {
        rc = rm_errf(e, "%s: %s: (top): not an OSV record", name, entry);
    } else {
        /* The importer names the file; inside an archive that is ARCHIVE: ENTRY. */
        char label[1100];
        snprintf(label, sizeof label, "%s: %.1000s", name, entry);
        const char *file = w->file;
        w->file = label;
        rc = feed_osv_import(w, root, e);
        w->file = file;
    }
    cJSON_Delete(root);
    return rc;
}

static int import_open(struct feed_db *db, const char *name, struct archive *a, time_t now,
                       struct feed_import_result *r, struct rm_err *e)
{
    struct feed_writer w;
    if (fw_begin(&w, db, name, NULL, r, e) < 0)
        return -1;
    snprintf(r->format, sizeof r->format, "osv");
    char *buf = NULL;
    size_t cap = 0, len = 0, total = 0, entries = 0, json = 0;
    int rc = 0;
    struct archive_entry *ent;
    int st;
    while (rc == 0 && (st = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
        if (++entries > ARCHIVE_MAX_ENTRIES) {
            rc = rm_errf(e, "%s: more than %u entries", name, ARCHIVE_MAX_ENTRIES);
            break;
        }
        const char *entry = archive_entry_pathname(ent);
        if (archive_entry_filetype(ent) != AE_IFREG || !is_json_name(entry))
            continue;
        json++;
        if (read_entry(a, name, entry, &buf, &cap, &len, &total, e) < 0 ||
            store_entry(&w, name, entry, buf, len, e) < 0)
            rc = -1;
    }
    if (rc == 0 && st != ARCHIVE_EOF)
        rc = rm_errf(e, "%s: %s", name, archive_error_string(a));
    if (rc == 0 && json == 0)
        rc = rm_errf(e, "%s: no *.json entry: not an archive of OSV records", name);
    free(buf);
    int end = fw_end(&w, "osv", now, rc == 0);
    return rc < 0 ? -1 : end;
}

/* libarchive reading every format and filter it knows: zip, tar, cpio and their
 * compressions, but never a bare stream ("raw"): a JSON file is not an archive. */
static struct archive *reader(void)
{
    struct archive *a = archive_read_new();
    if (a && (archive_read_support_filter_all(a) != ARCHIVE_OK ||
              archive_read_support_format_all(a) != ARCHIVE_OK)) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

bool feed_is_archive(const unsigned char *head, size_t n)
{
    static const struct {
        const char *magic;
        size_t len, at;
    } known[] = {
        {"PK\x03\x04", 4, 0},      /* zip */
        {"PK\x05\x06", 4, 0},      /* empty zip */
        {"\x1f\x8b", 2, 0},        /* gzip (tar.gz) */
        {"\xfd" "7zXZ", 5, 0},     /* xz */
        {"BZh", 3, 0},             /* bzip2 */
        {"\x28\xb5\x2f\xfd", 4, 0}, /* zstd */
        {"ustar", 5, 257},         /* tar */
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (n >= known[i].at + known[i].len &&
            memcmp(head + known[i].at, known[i].magic, known[i].len) == 0)
            return true;
    return false;
}

int feed_import_archive(struct feed_db *db, const char *path, time_t now,
                        struct feed_import_result *r, struct rm_err *e)
{
    memset(r, 0, sizeof *r);
    struct archive *a = reader();
    if (!a)
        return rm_errf(e, "%s: out of memory", path);
    int rc;
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK)
        rc = rm_errf(e, "%s: %s", path, archive_error_string(a));
    else
        rc = import_open(db, path, a, now, r, e);
    archive_read_free(a);
    return rc;
}

int feed_import_archive_buffer(struct feed_db *db, const char *name, const void *data,
                               size_t len, time_t now, struct feed_import_result *r,
                               struct rm_err *e)
{
    memset(r, 0, sizeof *r);
    struct archive *a = reader();
    if (!a)
        return rm_errf(e, "%s: out of memory", name);
    int rc;
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK)
        rc = rm_errf(e, "%s: %s", name, archive_error_string(a));
    else
        rc = import_open(db, name, a, now, r, e);
    archive_read_free(a);
    return rc;
}
