/* One import: the format recognised from the content, the records stored in one transaction.
 *
 * A list of OSV records and an NVD 2.0 file's vulnerabilities are read a record at a time
 * (scanner/json_stream.h): each record's cJSON tree is stored and freed before the next, and a
 * file is read through a window, so memory stays that of one record rather than some eight
 * times the file (a tree of 100,000 OSV records was 528 MiB). Everything else, and every
 * document the streaming reader does not accept, is parsed whole: that reader is the
 * reference. The two agree on what they accept, and on the message of what they refuse: a
 * record that fails a check is reported once the rest of the document has been read and found
 * to be JSON (else the whole-document reader says where it is not), and NVD's header checks,
 * which come first there, still win over a record's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "feed_impl.h"
#include "scanner/atomic.h"
#include "scanner/json_stream.h"

#define STREAM_WINDOW (256u * 1024) /* first window onto a file; grows for a larger record */

/* Depth: records nest a few levels; far below cJSON's limit of 1000, which each record's
 * parse counts afresh. No bound on the number of values: the tree never exists. */
static const struct json_limits stream_limits = {FEED_MAX_FILE, 0, 64};

/* The first element of a top-level array makes it an endoflife.date cycle list. */
static bool eol_cycle(const cJSON *first)
{
    return cJSON_IsObject(first) && cJSON_GetObjectItemCaseSensitive(first, "cycle") &&
           !cJSON_GetObjectItemCaseSensitive(first, "id");
}

/* endoflife.date's API v1 product or riskmap's bundle; the KEV catalog. Either wins over NVD
 * (the catalog has a vulnerabilities array too). */
static bool eol_object(const cJSON *root)
{
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(root, "result");
    return (cJSON_IsObject(result) && cJSON_GetObjectItemCaseSensitive(result, "releases")) ||
           cJSON_GetObjectItemCaseSensitive(root, "endoflife.date");
}

static bool kev_object(const cJSON *root)
{
    return cJSON_GetObjectItemCaseSensitive(root, "catalogVersion") != NULL;
}

static const char *detect(const cJSON *root)
{
    if (cJSON_IsArray(root)) /* endoflife.date's cycle list, or a list of OSV records */
        return eol_cycle(cJSON_GetArrayItem(root, 0)) ? "eol" : "osv";
    if (!cJSON_IsObject(root))
        return NULL;
    if (eol_object(root))
        return "eol";
    if (kev_object(root))
        return "kev";
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if ((cJSON_IsString(fmt) && strcmp(fmt->valuestring, "NVD_CVE") == 0) ||
        cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "vulnerabilities")))
        return "nvd";
    if (cJSON_GetObjectItemCaseSensitive(root, "id") &&
        (cJSON_GetObjectItemCaseSensitive(root, "modified") ||
         cJSON_GetObjectItemCaseSensitive(root, "affected")))
        return "osv";
    return NULL;
}

/* A bare endoflife.date cycle list is about the product its file is named for. */
static void file_product(const char *name, char product[72])
{
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    size_t blen = strlen(base);
    product[0] = '\0';
    if (blen > 5 && blen - 5 < 72 && strcmp(base + blen - 5, ".json") == 0)
        snprintf(product, 72, "%.*s", (int)(blen - 5), base);
    else if (blen < 72)
        snprintf(product, 72, "%s", base);
}

/* The whole document as one tree: the reference reader. */
static int import_tree(struct feed_db *db, const char *name, const char *format,
                       const cJSON *root, time_t now, struct feed_import_result *r,
                       struct rm_err *e)
{
    memset(r, 0, sizeof *r);
    const char *fmt = format ? format : detect(root);
    if (!fmt)
        return rm_errf(e, "%s: (top): neither an OSV record, an NVD CVE 2.0 feed, the KEV "
                       "catalog nor endoflife.date data", name);
    snprintf(r->format, sizeof r->format, "%s", fmt);
    char product[72];
    file_product(name, product);
    struct feed_writer w;
    if (fw_begin(&w, db, name, product, r, e) < 0)
        return -1;
    int rc;
    if (strcmp(fmt, "osv") == 0)
        rc = feed_osv_import(&w, root, e);
    else if (strcmp(fmt, "nvd") == 0)
        rc = feed_nvd_import(&w, root, e);
    else if (strcmp(fmt, "eol") == 0)
        rc = feed_eol_import(&w, root, e);
    else
        rc = feed_kev_import(&w, root, e);
    return fw_end(&w, fmt, now, rc == 0);
}

static int import_text(struct feed_db *db, const char *name, const char *format,
                       const char *data, size_t len, time_t now, struct feed_import_result *r,
                       struct rm_err *e)
{
    memset(r, 0, sizeof *r);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
    if (!root) {
        size_t off = end && end >= data && end <= data + len ? (size_t)(end - data) : 0;
        return rm_errf(e, "%s: not JSON (error near byte %zu)", name, off);
    }
    int rc = import_tree(db, name, format, root, now, r, e);
    cJSON_Delete(root);
    return rc;
}

/* ---- a record at a time -------------------------------------------------------------------- */

struct stream {
    struct feed_writer w;
    const char *format; /* as asked for; NULL: recognise it */
    cJSON *top;         /* the top-level object's members, but for a streamed list */
    bool refused;       /* a record failed a check (w.err says how): store no more */
    bool whole;         /* vulnerabilities was not NVD's: kept in top, top is the document */
};

static int osv_elem(void *ctx, const cJSON *item, size_t i)
{
    struct stream *st = ctx;
    if (i == 0 && !st->format && eol_cycle(item))
        return 1; /* an endoflife.date cycle list, small: read whole */
    if (st->refused)
        return 0; /* the rest only needs to be JSON */
    char p[32];
    json_path_join(p, sizeof p, "", "", i, true);
    if (feed_osv_record(&st->w, item, p) < 0)
        st->refused = true;
    return 0;
}

static int nvd_elem(void *ctx, const cJSON *item, size_t i)
{
    struct stream *st = ctx;
    if (st->refused)
        return 0;
    char p[64];
    json_path_join(p, sizeof p, "", "vulnerabilities", i, true);
    if (feed_nvd_record(&st->w, item, p) < 0)
        st->refused = true;
    return 0;
}

/* The value of the first "vulnerabilities" member: NVD's records, streamed, unless the members
 * before it made the document something else (then it joins top). */
static int vulnerabilities(void *ctx, size_t k, struct json_src *s)
{
    (void)k;
    struct stream *st = ctx;
    if (!st->format && (eol_object(st->top) || kev_object(st->top))) {
        cJSON *v = json_piece(s);
        if (!v || !cJSON_AddItemToObject(st->top, "vulnerabilities", v)) {
            cJSON_Delete(v);
            return 1;
        }
        st->whole = true;
        return 0;
    }
    return json_each(s, nvd_elem, st);
}

/* 0 imported; -1 refused, e set as the whole-document reader would; 1: read it whole. */
static int import_stream(struct feed_db *db, const char *name, const char *format,
                         struct json_src *s, time_t now, struct feed_import_result *r,
                         struct rm_err *e)
{
    memset(r, 0, sizeof *r);
    json_skip_start(s);
    int c = json_peek(s);
    bool osv = !format || strcmp(format, "osv") == 0, nvd = !format || strcmp(format, "nvd") == 0;
    if (!((c == '[' && osv) || c == '{'))
        return 1;
    char product[72];
    file_product(name, product);
    struct stream st = {.format = format};
    if (fw_begin(&st.w, db, name, product, r, e) < 0)
        return -1;
    int rc = 1;
    if (c == '[') {
        snprintf(r->format, sizeof r->format, "osv");
        if (json_each(s, osv_elem, &st) == 0 && json_at_end(s))
            rc = fw_end(&st.w, "osv", now, !st.refused);
    } else if ((st.top = cJSON_CreateObject())) {
        static const char *const keys[] = {"vulnerabilities"};
        bool seen[1];
        if (json_walk_object(s, st.top, keys, nvd ? 1 : 0, seen, vulnerabilities, &st) == 0 &&
            json_at_end(s)) {
            if (!nvd || !seen[0] || st.whole) {
                /* Nothing was stored; top is the whole document. */
                fw_end(&st.w, "", now, false);
                rc = import_tree(db, name, format, st.top, now, r, e);
                cJSON_Delete(st.top);
                return rc;
            }
            cJSON *placeholder = cJSON_CreateArray();
            if (placeholder && cJSON_AddItemToObject(st.top, "vulnerabilities", placeholder)) {
                const char *fmt = format ? format : detect(st.top);
                snprintf(r->format, sizeof r->format, "nvd");
                /* Its header is checked first by the whole-document reader too. */
                if (fmt && strcmp(fmt, "nvd") == 0)
                    rc = feed_nvd_header(&st.w, st.top) < 0
                             ? fw_end(&st.w, "nvd", now, false)
                             : fw_end(&st.w, "nvd", now, !st.refused);
            } else {
                cJSON_Delete(placeholder);
            }
        }
        cJSON_Delete(st.top);
    }
    if (rc == 1) {
        fw_end(&st.w, "", now, false);
        memset(r, 0, sizeof *r);
    }
    return rc;
}

int feed_import_buffer(struct feed_db *db, const char *name, const char *format, const char *data,
                       size_t len, time_t now, struct feed_import_result *r, struct rm_err *e)
{
    memset(r, 0, sizeof *r);
    if (len > FEED_MAX_FILE)
        return rm_errf(e, "%s: larger than %zu MiB", name, FEED_MAX_FILE >> 20);
    struct json_src s;
    json_src_mem(&s, data, len, &stream_limits);
    int rc = import_stream(db, name, format, &s, now, r, e);
    return rc != 1 ? rc : import_text(db, name, format, data, len, now, r, e);
}

int feed_import_buffer_whole(struct feed_db *db, const char *name, const char *format,
                             const char *data, size_t len, time_t now,
                             struct feed_import_result *r, struct rm_err *e)
{
    memset(r, 0, sizeof *r);
    if (len > FEED_MAX_FILE)
        return rm_errf(e, "%s: larger than %zu MiB", name, FEED_MAX_FILE >> 20);
    return import_text(db, name, format, data, len, now, r, e);
}

int feed_import_file(struct feed_db *db, const char *path, time_t now,
                     struct feed_import_result *r, struct rm_err *e)
{
    memset(r, 0, sizeof *r);
    int fd;
    size_t len;
    /* An archive may be larger than one feed file: its entries are bounded one by one. */
    unsigned char head[512];
    struct stat st;
    FILE *peek = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? fopen(path, "rb") : NULL;
    size_t nh = peek ? fread(head, 1, sizeof head, peek) : 0;
    if (peek)
        fclose(peek);
    if (feed_is_archive(head, nh))
        return feed_import_archive(db, path, now, r, e);
    if (open_regular_bounded(path, FEED_MAX_FILE, &fd, &len, e) < 0)
        return -1;
    struct json_src s;
    if (json_src_fd(&s, fd, STREAM_WINDOW, &stream_limits) < 0) {
        close(fd);
        return rm_errf(e, "%s: out of memory", path);
    }
    int rc = import_stream(db, path, NULL, &s, now, r, e);
    json_src_free(&s);
    if (rc != 1) {
        close(fd);
        return rc;
    }
    /* Not for the streaming reader: the whole file, as one tree. */
    char *buf = malloc(len + 1);
    if (!buf) {
        close(fd);
        return rm_errf(e, "%s: out of memory", path);
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != len) {
        free(buf);
        return rm_errf(e, "%s: short read", path);
    }
    buf[len] = '\0';
    rc = import_text(db, path, NULL, buf, len, now, r, e);
    free(buf);
    return rc;
}
