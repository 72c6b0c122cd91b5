/* OSV JSON (ossf.github.io/osv-schema, schema 1.x): one record, or an array of records.
 *
 * Kept: id, aliases and upstream ids, summary (or the start of details), published/modified/
 * withdrawn, CVSS v3/v4 vectors from severity[] (the v3 score computed from its vector),
 * and per affected[] entry the package, each range's events as intervals, the explicit
 * versions and database_specific (as JSON text). Not kept: references, credits, related.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed_impl.h"
#include "scanner/json_stream.h"

#define OSV_MAX_DBSPEC 4096 /* bytes of database_specific JSON kept per affected entry */

static int is_array_or_absent(const struct feed_writer *w, const cJSON *v, const char *path)
{
    if (v && !cJSON_IsArray(v) && !cJSON_IsNull(v))
        return feed_bad(w, path, "not an array");
    return 0;
}

/* Reads one event: exactly one of introduced, fixed, last_affected, limit, a string. */
static int event_kind(const struct feed_writer *w, const cJSON *ev, const char *path,
                      const char **kind, const char **value)
{
    static const char *const kinds[] = {"introduced", "fixed", "last_affected", "limit"};
    if (!cJSON_IsObject(ev))
        return feed_bad(w, path, "not an object");
    *kind = *value = NULL;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, kinds[k]);
        if (!v)
            continue;
        if (*kind)
            return feed_bad(w, path, "more than one of introduced/fixed/last_affected/limit");
        if (!cJSON_IsString(v) || !v->valuestring[0])
            return feed_bad(w, path, "%s is not a non-empty string", kinds[k]);
        if (strlen(v->valuestring) > FEED_MAX_VERSION)
            return feed_bad(w, path, "%s is longer than %d bytes", kinds[k], FEED_MAX_VERSION);
        *kind = kinds[k];
        *value = v->valuestring;
    }
    if (!*kind)
        return feed_bad(w, path, "none of introduced/fixed/last_affected/limit");
    return 0;
}

/* Turns one range's events into intervals: each "introduced" opens one, the next "fixed" or
 * "last_affected" closes it; one left open runs to the end. An introduced of "0" means "from
 * the beginning" and is stored as no lower bound. */
static int osv_range(struct feed_writer *w, int64_t aff, const cJSON *range, const char *path)
{
    if (!cJSON_IsObject(range))
        return feed_bad(w, path, "not an object");
    const char *type;
    if (feed_str(w, range, path, "type", 32, true, &type) < 0)
        return -1;
    if (strcmp(type, "SEMVER") != 0 && strcmp(type, "ECOSYSTEM") != 0 && strcmp(type, "GIT") != 0) {
        char p[300];
        json_path_join(p, sizeof p, path, "type", 0, false);
        return feed_bad(w, p, "unknown range type \"%.32s\"", type);
    }
    const char *repo;
    if (feed_str(w, range, path, "repo", 1024, strcmp(type, "GIT") == 0, &repo) < 0)
        return -1;
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(range, "events");
    char p[300];
    json_path_join(p, sizeof p, path, "events", 0, false);
    if (!cJSON_IsArray(events) || cJSON_GetArraySize(events) == 0)
        return feed_bad(w, p, "missing or not a non-empty array");
    const char *open_from = NULL;
    bool open = false;
    int i = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events) {
        char ep[320];
        json_path_join(ep, sizeof ep, p, "", i++, true);
        const char *kind = NULL, *value = NULL;
        if (event_kind(w, ev, ep, &kind, &value) < 0)
            return -1;
        if (strcmp(kind, "introduced") == 0) {
            if (open && fw_range(w, aff, type, open_from, 0, NULL, NULL, w->err) < 0)
                return -1;
            open = true;
            open_from = strcmp(value, "0") == 0 ? NULL : value;
        } else if (strcmp(kind, "fixed") == 0 || strcmp(kind, "last_affected") == 0) {
            /* A bound without an introduced before it: OSV's evaluation starts from "0". */
            bool fixed = kind[0] == 'f';
            if (fw_range(w, aff, type, open ? open_from : NULL, 0, fixed ? value : NULL,
                         fixed ? NULL : value, w->err) < 0)
                return -1;
            open = false;
            open_from = NULL;
        }
        /* "limit" (GIT only) bounds the commit walk; it does not change version intervals. */
    }
    if (open && fw_range(w, aff, type, open_from, 0, NULL, NULL, w->err) < 0)
        return -1;
    return 0;
}

static int osv_affected(struct feed_writer *w, int64_t adv, const cJSON *a, const char *path)
{
    if (!cJSON_IsObject(a))
        return feed_bad(w, path, "not an object");
    struct fw_affected fa = {0};
    const cJSON *pkg = cJSON_GetObjectItemCaseSensitive(a, "package");
    char p[300];
    json_path_join(p, sizeof p, path, "package", 0, false);
    if (pkg) {
        if (!cJSON_IsObject(pkg))
            return feed_bad(w, p, "not an object");
        if (feed_str(w, pkg, p, "ecosystem", 128, true, &fa.ecosystem) < 0 ||
            feed_str(w, pkg, p, "name", 256, true, &fa.package) < 0)
            return -1;
    }
    char *dbspec = NULL;
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(a, "database_specific");
    if (ds && !cJSON_IsNull(ds)) {
        dbspec = cJSON_PrintUnformatted(ds);
        if (!dbspec)
            return rm_errf(w->err, "%s: out of memory", w->file);
        if (strlen(dbspec) > OSV_MAX_DBSPEC)
            dbspec[0] = '\0'; /* too large to be useful to keep; dropped, not an error */
        fa.database_specific = dbspec;
    }
    int64_t aff;
    int rc = fw_affected(w, adv, &fa, &aff, w->err);
    free(dbspec);
    if (rc < 0)
        return -1;

    const cJSON *ranges = cJSON_GetObjectItemCaseSensitive(a, "ranges");
    json_path_join(p, sizeof p, path, "ranges", 0, false);
    if (is_array_or_absent(w, ranges, p) < 0)
        return -1;
    int i = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, ranges) {
        char rp[320];
        json_path_join(rp, sizeof rp, p, "", i++, true);
        if (osv_range(w, aff, r, rp) < 0)
            return -1;
    }
    const cJSON *versions = cJSON_GetObjectItemCaseSensitive(a, "versions");
    json_path_join(p, sizeof p, path, "versions", 0, false);
    if (is_array_or_absent(w, versions, p) < 0)
        return -1;
    i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, versions) {
        char vp[320];
        json_path_join(vp, sizeof vp, p, "", i++, true);
        if (!cJSON_IsString(v) || !v->valuestring[0])
            return feed_bad(w, vp, "not a non-empty string");
        if (strlen(v->valuestring) > FEED_MAX_VERSION)
            return feed_bad(w, vp, "longer than %d bytes", FEED_MAX_VERSION);
        if (fw_version(w, aff, v->valuestring, w->err) < 0)
            return -1;
    }
    return 0;
}

/* Adds every string of the array member name as an alias. */
static int osv_aliases(struct feed_writer *w, int64_t adv, const cJSON *rec, const char *path,
                       const char *name)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rec, name);
    char p[300];
    json_path_join(p, sizeof p, path, name, 0, false);
    if (is_array_or_absent(w, arr, p) < 0)
        return -1;
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) {
        char ap[320];
        json_path_join(ap, sizeof ap, p, "", i++, true);
        if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) > FEED_MAX_ID)
            return feed_bad(w, ap, "not an id (a string of 1 to %d bytes)", FEED_MAX_ID);
        if (fw_alias(w, adv, v->valuestring, w->err) < 0)
            return -1;
    }
    return 0;
}

/* A distribution's record of one CVE, named for it ("UBUNTU-CVE-2024-6387"): the CVE, when
 * the record's related list names it too (Ubuntu puts the CVE there, not in aliases). */
static const char *cve_of_id(const cJSON *rec)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
    const char *at = cJSON_IsString(id) ? strstr(id->valuestring, "-CVE-") : NULL;
    /* CVE-YYYY-NNNN... and nothing after it */
    if (!at || strlen(at + 1) > FEED_MAX_ID || strspn(at + 5, "0123456789") != 4 || at[9] != '-' ||
        strspn(at + 10, "0123456789") < 4 || at[10 + strspn(at + 10, "0123456789")] != '\0')
        return NULL;
    const cJSON *rel = cJSON_GetObjectItemCaseSensitive(rec, "related"), *v;
    if (!cJSON_IsArray(rel))
        return NULL;
    cJSON_ArrayForEach(v, rel)
        if (cJSON_IsString(v) && strcmp(v->valuestring, at + 1) == 0)
            return at + 1;
    return NULL;
}

/* The CVE a record is about when its id is not one: the lowest CVE id among aliases and
 * upstream (validated later, when the aliases are stored), else the one its id names. */
static const char *first_cve(const cJSON *rec)
{
    const char *best = NULL;
    static const char *const members[] = {"aliases", "upstream"};
    for (size_t m = 0; m < 2; m++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rec, members[m]), *v;
        if (!cJSON_IsArray(arr))
            continue;
        cJSON_ArrayForEach(v, arr) {
            if (cJSON_IsString(v) && strncmp(v->valuestring, "CVE-", 4) == 0 &&
                strlen(v->valuestring) <= FEED_MAX_ID && (!best || strcmp(v->valuestring, best) < 0))
                best = v->valuestring;
        }
    }
    return best ? best : cve_of_id(rec);
}

int feed_osv_record(struct feed_writer *w, const cJSON *rec, const char *path)
{
    if (!cJSON_IsObject(rec))
        return feed_bad(w, path, "not an object");
    struct fw_advisory a = {.source = "osv", .cvss3_score = -1, .cvss4_score = -1};
    char published[FEED_TIME_LEN], modified[FEED_TIME_LEN], withdrawn[FEED_TIME_LEN];
    if (feed_str(w, rec, path, "id", FEED_MAX_ID, true, &a.name) < 0 ||
        feed_time(w, rec, path, "modified", true, modified) < 0 ||
        feed_time(w, rec, path, "published", false, published) < 0 ||
        feed_time(w, rec, path, "withdrawn", false, withdrawn) < 0 ||
        feed_str(w, rec, path, "summary", 0, false, &a.summary) < 0)
        return -1;
    const char *details;
    if (feed_str(w, rec, path, "details", 0, false, &details) < 0)
        return -1;
    if (!a.summary || !*a.summary)
        a.summary = details;
    a.modified = modified;
    a.published = published;
    a.withdrawn = withdrawn;

    const cJSON *sev = cJSON_GetObjectItemCaseSensitive(rec, "severity");
    char p[300];
    json_path_join(p, sizeof p, path, "severity", 0, false);
    if (is_array_or_absent(w, sev, p) < 0)
        return -1;
    int i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, sev) {
        char sp[320];
        json_path_join(sp, sizeof sp, p, "", i++, true);
        if (!cJSON_IsObject(s))
            return feed_bad(w, sp, "not an object");
        const char *type, *score;
        if (feed_str(w, s, sp, "type", 32, true, &type) < 0 ||
            feed_str(w, s, sp, "score", FEED_MAX_VECTOR, true, &score) < 0)
            return -1;
        if (strcmp(type, "CVSS_V3") == 0) {
            double b = cvss3_base_score(score);
            if (b < 0)
                return feed_bad(w, sp, "score is not a CVSS v3 vector: \"%.60s\"", score);
            a.cvss3_vector = score;
            a.cvss3_score = b;
        } else if (strcmp(type, "CVSS_V4") == 0) {
            if (strncmp(score, "CVSS:4.0/", 9) != 0)
                return feed_bad(w, sp, "score is not a CVSS v4 vector: \"%.60s\"", score);
            a.cvss4_vector = score; /* v4 scores need FIRST's lookup tables: vector only */
        }
        /* CVSS_V2 and ecosystem ratings ("Ubuntu") are not kept. */
    }

    a.cve = first_cve(rec);
    int64_t adv;
    if (fw_advisory(w, &a, &adv, w->err) < 0)
        return -1;
    if (withdrawn[0])
        w->res->skipped++;
    fw_newest(w, modified);
    if (osv_aliases(w, adv, rec, path, "aliases") < 0 ||
        osv_aliases(w, adv, rec, path, "upstream") < 0)
        return -1;

    const cJSON *affected = cJSON_GetObjectItemCaseSensitive(rec, "affected");
    json_path_join(p, sizeof p, path, "affected", 0, false);
    if (is_array_or_absent(w, affected, p) < 0)
        return -1;
    i = 0;
    const cJSON *af;
    cJSON_ArrayForEach(af, affected) {
        char ap[320];
        json_path_join(ap, sizeof ap, p, "", i++, true);
        if (osv_affected(w, adv, af, ap) < 0)
            return -1;
    }
    return 0;
}

int feed_osv_import(struct feed_writer *w, const cJSON *root, struct rm_err *e)
{
    (void)e; /* the same as w->err */
    if (!cJSON_IsArray(root))
        return feed_osv_record(w, root, "");
    int i = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, root) {
        char p[32];
        json_path_join(p, sizeof p, "", "", i++, true);
        if (feed_osv_record(w, rec, p) < 0)
            return -1;
    }
    return 0;
}
