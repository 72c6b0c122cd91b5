/* End-of-life data in the shapes endoflife.date publishes (https://endoflife.date/docs/api/):
 *
 *   v0, GET /api/PRODUCT.json: a bare array of cycles
 *     [{"cycle": "1.24", "releaseDate": "2023-04-11", "eol": "2024-04-23" | false | true,
 *       "latest": "1.24.0", "latestReleaseDate": "...", "lts": bool|date,
 *       "support": bool|date, "extendedSupport": bool|date, "link": ...}, ...]
 *     The array does not name its product: the file does (nginx.json), see feed.h.
 *   v1, GET /api/v1/products/PRODUCT: {"result": {"name": "nginx", "releases": [{"name":
 *       "1.24", "releaseDate", "isEol", "eolFrom", "isLts", "eoasFrom", "eoesFrom",
 *       "latest": {"name", "date"}}, ...]}}
 *   riskmap's bundle, several v0 arrays in one file (the shipped data is one):
 *     {"endoflife.date": {"nginx": [...], "php": [...]}}
 *
 * Unknown members are ignored (the site adds some per product: codename, eoas, eoes...).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "feed_impl.h"

#define EOL_MAX_NAME 64

bool feed_eol_product_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > EOL_MAX_NAME || !isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-' &&
            s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/* A date member into out ("YYYY-MM-DD"), "" when absent or null. */
static int date_of(const struct feed_writer *w, const cJSON *obj, const char *path,
                   const char *name, char out[11])
{
    char t[FEED_TIME_LEN];
    out[0] = '\0';
    if (feed_time(w, obj, path, name, false, t) < 0)
        return -1;
    if (t[0])
        snprintf(out, 11, "%.10s", t);
    return 0;
}

/* A member that is a boolean or a date: "true", "false", "YYYY-MM-DD" into out, "" when
 * absent or null. */
static int flag_or_date(const struct feed_writer *w, const cJSON *obj, const char *path,
                        const char *name, char out[11])
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    out[0] = '\0';
    if (!v || cJSON_IsNull(v))
        return 0;
    if (cJSON_IsBool(v)) {
        snprintf(out, 11, "%s", cJSON_IsTrue(v) ? "true" : "false");
        return 0;
    }
    if (cJSON_IsString(v))
        return date_of(w, obj, path, name, out);
    char p[300];
    feed_pathf(p, sizeof p, "%s.%s", path, name);
    return feed_bad(w, p, "neither a date nor a boolean");
}

/* A version-like member that endoflife.date writes as a string, or for a few products as a
 * number (a cycle "8"): into out, "" when absent. Numbers must be integers: 3.10 as a JSON
 * number cannot be told from 3.1. */
static int name_of(const struct feed_writer *w, const cJSON *obj, const char *path,
                   const char *name, bool required, char *out, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    char p[300];
    feed_pathf(p, sizeof p, "%s.%s", path, name);
    out[0] = '\0';
    if (!v || cJSON_IsNull(v))
        return required ? feed_bad(w, p, "missing") : 0;
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d < 0 || d > 1e9 || d != (double)(long long)d)
            return feed_bad(w, p, "a number that is not a whole one (write it as a string)");
        snprintf(out, n, "%lld", (long long)d);
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return feed_bad(w, p, "not a string");
    size_t len = strlen(v->valuestring);
    if (len >= n)
        return feed_bad(w, p, "longer than %zu bytes", n - 1);
    /* Spaces do occur: Debian 1.3's latest release is "1.3.1 r.6". */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v->valuestring[i] < 0x20 || v->valuestring[i] == 0x7f)
            return feed_bad(w, p, "contains a control character");
    if (required && len == 0)
        return feed_bad(w, p, "empty");
    memcpy(out, v->valuestring, len + 1);
    return 0;
}

static int store(struct feed_writer *w, struct fw_eol *c, struct rm_err *e)
{
    if (fw_eol(w, c, e) < 0)
        return -1;
    char t[FEED_TIME_LEN];
    const char *d = c->latest_date ? c->latest_date : c->release_date;
    if (d && feed_time_norm(d, t) == 0)
        fw_newest(w, t);
    return 0;
}

/* One v0 array for product. */
static int import_v0(struct feed_writer *w, const char *product, const cJSON *arr,
                     const char *path, struct rm_err *e)
{
    if (!cJSON_IsArray(arr))
        return feed_bad(w, path, "not an array of release cycles");
    if (fw_eol_forget(w, product, e) < 0)
        return -1;
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, arr) {
        char p[200];
        feed_pathf(p, sizeof p, "%s[%d]", path, i++);
        if (!cJSON_IsObject(c))
            return feed_bad(w, p, "not an object");
        char cycle[EOL_MAX_NAME + 1], latest[FEED_MAX_VERSION + 1], rel[11], latest_d[11],
            eol[11], lts[11], sup[11], ext[11];
        if (name_of(w, c, p, "cycle", true, cycle, sizeof cycle) < 0 ||
            name_of(w, c, p, "latest", false, latest, sizeof latest) < 0 ||
            date_of(w, c, p, "releaseDate", rel) < 0 ||
            date_of(w, c, p, "latestReleaseDate", latest_d) < 0 ||
            flag_or_date(w, c, p, "eol", eol) < 0 || flag_or_date(w, c, p, "lts", lts) < 0 ||
            flag_or_date(w, c, p, "support", sup) < 0 ||
            flag_or_date(w, c, p, "extendedSupport", ext) < 0)
            return -1;
        struct fw_eol r = {
            .product = product, .cycle = cycle, .release_date = rel[0] ? rel : NULL,
            .eol_flag = !eol[0] ? -1 : strcmp(eol, "true") == 0 ? 1 : 0,
            .latest = latest[0] ? latest : NULL, .latest_date = latest_d[0] ? latest_d : NULL,
            .lts = lts[0] ? lts : NULL, .support = sup[0] ? sup : NULL,
            .extended = ext[0] ? ext : NULL,
        };
        if (eol[0] && strcmp(eol, "true") != 0 && strcmp(eol, "false") != 0) {
            r.eol_date = eol;
            r.eol_flag = 1;
        }
        if (store(w, &r, e) < 0)
            return -1;
    }
    return 0;
}

static int bool_member(const struct feed_writer *w, const cJSON *obj, const char *path,
                       const char *name, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    *out = -1;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsBool(v)) {
        char p[300];
        feed_pathf(p, sizeof p, "%s.%s", path, name);
        return feed_bad(w, p, "not a boolean");
    }
    *out = cJSON_IsTrue(v) ? 1 : 0;
    return 0;
}

static int import_v1(struct feed_writer *w, const cJSON *result, struct rm_err *e)
{
    if (!cJSON_IsObject(result))
        return feed_bad(w, "result", "not an object");
    char product[EOL_MAX_NAME + 1];
    if (name_of(w, result, "result", "name", true, product, sizeof product) < 0)
        return -1;
    if (!feed_eol_product_ok(product))
        return feed_bad(w, "result.name", "not an endoflife.date product name: \"%.40s\"",
                        product);
    const cJSON *rels = cJSON_GetObjectItemCaseSensitive(result, "releases");
    if (!cJSON_IsArray(rels))
        return feed_bad(w, "result.releases", "missing or not an array");
    if (fw_eol_forget(w, product, e) < 0)
        return -1;
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, rels) {
        char p[64];
        feed_pathf(p, sizeof p, "result.releases[%d]", i++);
        if (!cJSON_IsObject(c))
            return feed_bad(w, p, "not an object");
        char cycle[EOL_MAX_NAME + 1], latest[FEED_MAX_VERSION + 1] = "", rel[11], latest_d[11] = "",
            eol[11], eoas[11], eoes[11];
        int is_eol, is_lts;
        if (name_of(w, c, p, "name", true, cycle, sizeof cycle) < 0 ||
            date_of(w, c, p, "releaseDate", rel) < 0 || date_of(w, c, p, "eolFrom", eol) < 0 ||
            date_of(w, c, p, "eoasFrom", eoas) < 0 || date_of(w, c, p, "eoesFrom", eoes) < 0 ||
            bool_member(w, c, p, "isEol", &is_eol) < 0 ||
            bool_member(w, c, p, "isLts", &is_lts) < 0)
            return -1;
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(c, "latest");
        if (l && !cJSON_IsNull(l)) {
            char lp[100];
            feed_pathf(lp, sizeof lp, "%s.latest", p);
            if (!cJSON_IsObject(l))
                return feed_bad(w, lp, "not an object");
            if (name_of(w, l, lp, "name", false, latest, sizeof latest) < 0 ||
                date_of(w, l, lp, "date", latest_d) < 0)
                return -1;
        }
        struct fw_eol r = {
            .product = product, .cycle = cycle, .release_date = rel[0] ? rel : NULL,
            .eol_date = eol[0] ? eol : NULL,
            .eol_flag = eol[0] ? 1 : is_eol,
            .latest = latest[0] ? latest : NULL, .latest_date = latest_d[0] ? latest_d : NULL,
            .lts = is_lts < 0 ? NULL : is_lts ? "true" : "false",
            .support = eoas[0] ? eoas : NULL, .extended = eoes[0] ? eoes : NULL,
        };
        if (store(w, &r, e) < 0)
            return -1;
    }
    return 0;
}

int feed_eol_import(struct feed_writer *w, const cJSON *root, struct rm_err *e)
{
    if (cJSON_IsArray(root)) {
        if (!w->eol_product || !feed_eol_product_ok(w->eol_product))
            return feed_bad(w, "", "an endoflife.date cycle list does not name its product: "
                            "name the file PRODUCT.json (nginx.json), lower case");
        return import_v0(w, w->eol_product, root, "", e);
    }
    if (!cJSON_IsObject(root))
        return feed_bad(w, "", "not an endoflife.date cycle list, product or bundle");
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(root, "result");
    if (result)
        return import_v1(w, result, e);
    const cJSON *bundle = cJSON_GetObjectItemCaseSensitive(root, "endoflife.date");
    if (!cJSON_IsObject(bundle))
        return feed_bad(w, "", "neither \"result\" (API v1) nor \"endoflife.date\" (a bundle)");
    const cJSON *prod;
    cJSON_ArrayForEach(prod, bundle) {
        char p[120];
        feed_pathf(p, sizeof p, "endoflife.date.%.60s", prod->string ? prod->string : "");
        if (!prod->string || !feed_eol_product_ok(prod->string))
            return feed_bad(w, p, "not an endoflife.date product name");
        if (import_v0(w, prod->string, prod, p, e) < 0)
            return -1;
    }
    return 0;
}
