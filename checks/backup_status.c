/* json / csv: a status export from another backup product (a Veeam session export, a NAS
 * job log), one record per run. The source names the fields: when the run ended, its result,
 * and optionally its size. Only runs whose result is a success count as restore points;
 * failed runs are counted as skipped. Field names match case-insensitively. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backup_read.h"

#define CSV_MAX_FIELDS 256
#define CSV_MAX_FIELD 4096

static const char *const time_defaults[] = {"EndTime", "end", "end_time", "time", "date", NULL};
static const char *const result_defaults[] = {"Result", "status", "state", NULL};
static const char default_ok[] = "success|succeeded|ok|completed|warning";

/* Whether value is one of the '|'-separated ok values, case-insensitively. */
static bool is_ok(const struct backup_source *s, const char *value)
{
    const char *list = s->ok_values ? s->ok_values : default_ok;
    size_t vl = strlen(value);
    while (vl && isspace((unsigned char)value[vl - 1]))
        vl--;
    while (isspace((unsigned char)*value))
        value++, vl--;
    for (const char *p = list;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == vl && n && strncasecmp(p, value, n) == 0)
            return true;
        if (!bar)
            return false;
        p = bar + 1;
    }
}

static int64_t size_of(const char *v)
{
    char *end;
    errno = 0;
    while (isspace((unsigned char)*v))
        v++;
    if (!isdigit((unsigned char)*v))
        return -1;
    unsigned long long n = strtoull(v, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end || n > 9000000000000000000ULL)
        return -1;
    return (int64_t)n;
}

/* ---- JSON ------------------------------------------------------------------------------- */

static const cJSON *field(const cJSON *rec, const char *name)
{
    return cJSON_GetObjectItem(rec, name); /* case-insensitive */
}

/* The configured field, or the first default present in any record. NULL when none. */
static const char *pick_json(const cJSON *arr, const char *configured, const char *const *defs)
{
    if (configured)
        return configured;
    for (size_t i = 0; defs[i]; i++) {
        const cJSON *rec;
        cJSON_ArrayForEach(rec, arr)
            if (field(rec, defs[i]))
                return defs[i];
    }
    return NULL;
}

int backup_status_parse_json(const struct backup_source *s, const char *d, size_t len,
                             struct backup_listing *l)
{
    cJSON *root = cJSON_ParseWithLength(d, len);
    if (!root)
        return backup_listing_fail(l, BACKUP_FORMAT, "status export is not JSON");
    const cJSON *arr = root;
    cJSON *one = NULL;
    if (cJSON_IsObject(root)) {
        const cJSON *m = NULL;
        if (s->records) {
            m = cJSON_GetObjectItem(root, s->records);
        } else {
            const cJSON *c;
            cJSON_ArrayForEach(c, root) if (cJSON_IsArray(c)) {
                m = c;
                break;
            }
        }
        if (cJSON_IsArray(m)) {
            arr = m;
        } else if (!s->records) {
            /* One run as one object (a "last session" export). */
            if (!(one = cJSON_CreateArray()) ||
                !cJSON_AddItemReferenceToArray(one, root)) {
                cJSON_Delete(one);
                cJSON_Delete(root);
                return -1;
            }
            arr = one;
        }
    }
    int rc = 0;
    if (!cJSON_IsArray(arr)) {
        backup_listing_fail(l, BACKUP_FORMAT, "status export holds no array of runs%s%s",
                            s->records ? " in " : "", s->records ? s->records : "");
        goto out;
    }
    const char *tf = pick_json(arr, s->time_field, time_defaults);
    const char *rf = pick_json(arr, s->result_field, result_defaults);
    if (!tf || !rf) {
        backup_listing_fail(l, BACKUP_FORMAT, "status export: no %s field (name it with %s)",
                            !tf ? "time" : "result", !tf ? "time-field=" : "result-field=");
        goto out;
    }
    size_t i = 0;
    const cJSON *rec;
    bool seen_t = false, seen_r = false;
    cJSON_ArrayForEach(rec, arr) {
        i++;
        const cJSON *t = field(rec, tf), *r = field(rec, rf);
        seen_t |= t != NULL;
        seen_r |= r != NULL;
        const char *rv = cJSON_IsString(r) ? r->valuestring : cJSON_IsTrue(r) ? "true" : NULL;
        int64_t when;
        bool tok = false;
        if (cJSON_IsString(t)) {
            tok = backup_parse_time_ordered(t->valuestring, s->tz, s->date_order, &when) == 0;
        } else if (cJSON_IsNumber(t) && t->valuedouble >= 0 && t->valuedouble < 1e15) {
            when = (int64_t)t->valuedouble;
            if (when > 100000000000LL) /* milliseconds, as backup_parse_time reads them */
                when /= 1000;
            tok = true;
        }
        if (!rv || !is_ok(s, rv) || !tok) {
            l->n_skipped++;
            continue;
        }
        int64_t size = -1;
        if (s->size_field) {
            const cJSON *z = field(rec, s->size_field);
            if (cJSON_IsNumber(z) && z->valuedouble >= 0 && z->valuedouble < 9e18)
                size = (int64_t)z->valuedouble;
            else if (cJSON_IsString(z))
                size = size_of(z->valuestring);
        }
        char id[32];
        snprintf(id, sizeof id, "record %zu", i);
        if (backup_listing_add(l, when, size, id) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && i > 0 && (!seen_t || !seen_r))
        backup_listing_fail(l, BACKUP_FORMAT, "status export: no record has the field \"%s\"",
                            !seen_t ? tf : rf);
out:
    cJSON_Delete(one);
    cJSON_Delete(root);
    return rc;
}

/* ---- CSV -------------------------------------------------------------------------------- */

struct row {
    char buf[CSV_MAX_FIELDS * 64 + CSV_MAX_FIELD];
    size_t used;
    const char *f[CSV_MAX_FIELDS];
    size_t n;
};

/* Reads one record (RFC 4180: quoted fields may hold separators, quotes doubled, newlines).
 * Fields beyond the bounds are cut. Returns false at the end of input. */
static bool csv_row(const char *d, size_t len, size_t *pos, char sep, struct row *r)
{
    size_t p = *pos;
    if (p >= len)
        return false;
    r->used = 0;
    r->n = 0;
    for (;;) {
        size_t start = r->used, flen = 0;
        bool quoted = p < len && d[p] == '"';
        if (quoted)
            p++;
        while (p < len) {
            char c = d[p];
            if (quoted) {
                if (c == '"') {
                    if (p + 1 < len && d[p + 1] == '"') {
                        p++;
                    } else {
                        quoted = false;
                        p++;
                        continue;
                    }
                }
            } else if (c == sep || c == '\n' || c == '\r') {
                break;
            }
            if (flen < CSV_MAX_FIELD && r->used + 1 < sizeof r->buf) {
                r->buf[r->used++] = c;
                flen++;
            }
            p++;
        }
        if (r->used < sizeof r->buf)
            r->buf[r->used++] = '\0';
        else
            r->buf[sizeof r->buf - 1] = '\0';
        if (r->n < CSV_MAX_FIELDS)
            r->f[r->n++] = r->buf + (start < sizeof r->buf ? start : sizeof r->buf - 1);
        if (p < len && d[p] == sep) {
            p++;
            continue;
        }
        if (p < len && d[p] == '\r')
            p++;
        if (p < len && d[p] == '\n')
            p++;
        break;
    }
    *pos = p;
    return true;
}

static int col(const struct row *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++) {
        const char *f = h->f[i];
        while (isspace((unsigned char)*f))
            f++;
        size_t n = strlen(f);
        while (n && isspace((unsigned char)f[n - 1]))
            n--;
        if (n == strlen(name) && strncasecmp(f, name, n) == 0)
            return (int)i;
    }
    return -1;
}

static int pick_col(const struct row *h, const char *configured, const char *const *defs)
{
    if (configured)
        return col(h, configured);
    for (size_t i = 0; defs[i]; i++) {
        int c = col(h, defs[i]);
        if (c >= 0)
            return c;
    }
    return -1;
}

int backup_status_parse_csv(const struct backup_source *s, const char *d, size_t len,
                            struct backup_listing *l)
{
    struct row *h = malloc(sizeof *h), *r = malloc(sizeof *r);
    int rc = 0;
    if (!h || !r) {
        rc = -1;
        goto out;
    }
    size_t pos = 0;
    if (len >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0) /* Excel's byte order mark */
        pos = 3;
    char sep = s->sep ? s->sep : ',';
    if (!csv_row(d, len, &pos, sep, h)) {
        backup_listing_fail(l, BACKUP_FORMAT, "status export is empty");
        goto out;
    }
    int tc = pick_col(h, s->time_field, time_defaults);
    int rcol = pick_col(h, s->result_field, result_defaults);
    int zc = s->size_field ? col(h, s->size_field) : -1;
    if (tc < 0 || rcol < 0) {
        const char *want = tc < 0 ? (s->time_field ? s->time_field : "time")
                                  : (s->result_field ? s->result_field : "result");
        backup_listing_fail(l, BACKUP_FORMAT, "status export: no column \"%s\" in the header%s",
                            want, (tc < 0 ? s->time_field : s->result_field) ? ""
                                  : tc < 0 ? " (name it with time-field=)"
                                           : " (name it with result-field=)");
        goto out;
    }
    if (s->size_field && zc < 0) {
        backup_listing_fail(l, BACKUP_FORMAT, "status export: no column \"%s\" in the header",
                            s->size_field);
        goto out;
    }
    size_t line = 1;
    while (csv_row(d, len, &pos, sep, r)) {
        line++;
        if (r->n == 1 && !r->f[0][0])
            continue; /* blank line */
        int64_t when;
        if ((size_t)tc >= r->n || (size_t)rcol >= r->n || !is_ok(s, r->f[rcol]) ||
            backup_parse_time_ordered(r->f[tc], s->tz, s->date_order, &when) < 0) {
            l->n_skipped++;
            continue;
        }
        int64_t size = zc >= 0 && (size_t)zc < r->n ? size_of(r->f[zc]) : -1;
        char id[32];
        snprintf(id, sizeof id, "row %zu", line);
        if (backup_listing_add(l, when, size, id) < 0) {
            rc = -1;
            break;
        }
    }
out:
    free(h);
    free(r);
    return rc;
}

int backup_status_read(const struct backup_source *s, struct backup_listing *l, struct rm_err *e)
{
    char *buf;
    size_t len;
    int r = backup_slurp(s->location, l, &buf, &len);
    if (r != 0)
        return r < 0 ? rm_errf(e, "out of memory") : 0;
    bool json = s->type == BACKUP_JSON;
    int rc = backup_listing_keep_raw(l, json ? "application/json" : "text/csv", buf, len);
    if (rc == 0)
        rc = json ? backup_status_parse_json(s, buf, len, l) : backup_status_parse_csv(s, buf, len, l);
    free(buf);
    return rc < 0 ? rm_errf(e, "out of memory") : 0;
}
