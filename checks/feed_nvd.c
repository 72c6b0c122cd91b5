/* NVD CVE JSON 2.0 (the API's response shape, also used by the yearly feed files):
 * {"format": "NVD_CVE", "version": "2.0", "vulnerabilities": [{"cve": {...}}]}.
 *
 * Kept per CVE: id, the English description, published/lastModified, the primary CVSS v3.1
 * (else v3.0) and v4.0 metrics, and every cpeMatch marked vulnerable in configurations: its
 * criteria, vendor, product, an exact version when the criteria names one, and the
 * versionStart/End bounds as one interval. Rejected CVEs are counted and not stored.
 */
#include <stdio.h>
#include <string.h>

#include "feed_impl.h"
#include "scanner/json_stream.h"

/* The fields of a CPE 2.3 formatted string, unescaped (backslash-quoted characters kept as
 * themselves). Returns the number of fields (at most max), or -1 when it is not one. */
static int cpe_split(const char *cpe, char fields[][128], int max)
{
    if (strncmp(cpe, "cpe:2.3:", 8) != 0)
        return -1;
    int n = 0;
    size_t len = 0;
    for (const char *p = cpe;; p++) {
        if (*p == ':' || *p == '\0') {
            if (n == max)
                return -1;
            fields[n][len] = '\0';
            n++;
            len = 0;
            if (!*p)
                break;
            continue;
        }
        if (*p == '\\' && p[1])
            p++;
        if (n == max || len + 1 >= sizeof fields[0])
            return -1;
        fields[n][len++] = *p;
    }
    return n == 13 ? n : -1;
}

static bool any(const char *f)
{
    return strcmp(f, "*") == 0 || strcmp(f, "-") == 0 || !*f;
}

static int nvd_match(struct feed_writer *w, int64_t adv, const cJSON *m, const char *path)
{
    if (!cJSON_IsObject(m))
        return feed_bad(w, path, "not an object");
    const cJSON *vuln = cJSON_GetObjectItemCaseSensitive(m, "vulnerable");
    char p[400];
    json_path_join(p, sizeof p, path, "vulnerable", 0, false);
    if (!cJSON_IsBool(vuln))
        return feed_bad(w, p, "missing or not a boolean");
    const char *criteria, *si, *se, *ei, *ee;
    if (feed_str(w, m, path, "criteria", 512, true, &criteria) < 0 ||
        feed_str(w, m, path, "versionStartIncluding", FEED_MAX_VERSION, false, &si) < 0 ||
        feed_str(w, m, path, "versionStartExcluding", FEED_MAX_VERSION, false, &se) < 0 ||
        feed_str(w, m, path, "versionEndIncluding", FEED_MAX_VERSION, false, &ei) < 0 ||
        feed_str(w, m, path, "versionEndExcluding", FEED_MAX_VERSION, false, &ee) < 0)
        return -1;
    char f[13][128];
    json_path_join(p, sizeof p, path, "criteria", 0, false);
    if (cpe_split(criteria, f, 13) < 0)
        return feed_bad(w, p, "not a CPE 2.3 name: \"%.80s\"", criteria);
    if ((si && se) || (ei && ee))
        return feed_bad(w, path, "both the including and the excluding form of a bound");
    /* Platforms a vulnerable product runs on ("running on Debian") are not themselves
     * affected. */
    if (cJSON_IsFalse(vuln))
        return 0;
    /* An exact version, with NVD's split of "7.4p1" into version "7.4" and update "p1". */
    char version[260] = "";
    if (!any(f[5]))
        feed_pathf(version, sizeof version, "%s%s", f[5], any(f[6]) ? "" : f[6]);
    struct fw_affected a = {.cpe = criteria, .vendor = f[3], .product = f[4],
                            .cpe_version = version[0] ? version : NULL};
    int64_t aff;
    if (fw_affected(w, adv, &a, &aff, w->err) < 0)
        return -1;
    if (si || se || ei || ee)
        return fw_range(w, aff, "NVD", si ? si : se, se ? 1 : 0, ee, ei, w->err);
    if (version[0])
        return fw_version(w, aff, version, w->err);
    if (strcmp(f[5], "*") == 0)
        return fw_range(w, aff, "NVD", NULL, 0, NULL, NULL, w->err); /* every version */
    return 0;
}

/* The primary metric of one CVSS array (type "Primary", else the first): score and vector. */
static int nvd_metric(const struct feed_writer *w, const cJSON *metrics, const char *path,
                      const char *name, const char *prefix, double *score, const char **vector)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(metrics, name);
    char p[400];
    feed_pathf(p, sizeof p, "%s.%s", path, name);
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return feed_bad(w, p, "not an array");
    const cJSON *pick = NULL, *m;
    int i = 0, at = 0;
    cJSON_ArrayForEach(m, arr) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
        if (!pick || (cJSON_IsString(type) && strcmp(type->valuestring, "Primary") == 0 &&
                      !(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(pick, "type")) &&
                        strcmp(cJSON_GetObjectItemCaseSensitive(pick, "type")->valuestring,
                               "Primary") == 0))) {
            pick = m;
            at = i;
        }
        i++;
    }
    if (!pick)
        return 0;
    char mp[420];
    feed_pathf(mp, sizeof mp, "%s[%d].cvssData", p, at);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(pick, "cvssData");
    if (!cJSON_IsObject(data))
        return feed_bad(w, mp, "missing or not an object");
    const cJSON *bs = cJSON_GetObjectItemCaseSensitive(data, "baseScore");
    if (!cJSON_IsNumber(bs) || bs->valuedouble < 0 || bs->valuedouble > 10) {
        char bp[440];
        json_path_join(bp, sizeof bp, mp, "baseScore", 0, false);
        return feed_bad(w, bp, "missing or not a number from 0 to 10");
    }
    if (feed_str(w, data, mp, "vectorString", FEED_MAX_VECTOR, true, vector) < 0)
        return -1;
    if (strncmp(*vector, prefix, strlen(prefix)) != 0) {
        char vp[440];
        json_path_join(vp, sizeof vp, mp, "vectorString", 0, false);
        return feed_bad(w, vp, "does not start with %s", prefix);
    }
    *score = bs->valuedouble;
    return 0;
}

static bool cve_id_ok(const char *s)
{
    if (strncmp(s, "CVE-", 4) != 0)
        return false;
    int d = 0;
    const char *p = s + 4;
    for (; *p >= '0' && *p <= '9'; p++)
        d++;
    if (d != 4 || *p != '-')
        return false;
    d = 0;
    for (p++; *p >= '0' && *p <= '9'; p++)
        d++;
    return d >= 4 && !*p;
}

int feed_nvd_record(struct feed_writer *w, const cJSON *item, const char *ipath)
{
    char path[300];
    json_path_join(path, sizeof path, ipath, "cve", 0, false);
    const cJSON *cve = cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, "cve") : NULL;
    if (!cJSON_IsObject(cve))
        return feed_bad(w, cJSON_IsObject(item) ? path : ipath, "missing or not an object");
    struct fw_advisory a = {.source = "nvd", .cvss3_score = -1, .cvss4_score = -1};
    char published[FEED_TIME_LEN], modified[FEED_TIME_LEN];
    const char *status;
    if (feed_str(w, cve, path, "id", FEED_MAX_ID, true, &a.name) < 0 ||
        feed_time(w, cve, path, "published", true, published) < 0 ||
        feed_time(w, cve, path, "lastModified", true, modified) < 0 ||
        feed_str(w, cve, path, "vulnStatus", 64, false, &status) < 0)
        return -1;
    if (!cve_id_ok(a.name)) {
        char p[320];
        json_path_join(p, sizeof p, path, "id", 0, false);
        return feed_bad(w, p, "not a CVE id: \"%.40s\"", a.name);
    }
    fw_newest(w, modified);
    if (status && strcmp(status, "Rejected") == 0) {
        w->res->skipped++;
        return fw_forget(w, "nvd", a.name, w->err); /* a copy imported before it was rejected */
    }
    a.published = published;
    a.modified = modified;

    const cJSON *descs = cJSON_GetObjectItemCaseSensitive(cve, "descriptions"), *d;
    if (!cJSON_IsArray(descs))
        descs = NULL;
    cJSON_ArrayForEach(d, descs) {
        const cJSON *lang = cJSON_GetObjectItemCaseSensitive(d, "lang");
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(d, "value");
        if (cJSON_IsString(lang) && strcmp(lang->valuestring, "en") == 0 && cJSON_IsString(val)) {
            a.summary = val->valuestring;
            break;
        }
    }
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(cve, "metrics");
    char mp[320];
    json_path_join(mp, sizeof mp, path, "metrics", 0, false);
    if (metrics && !cJSON_IsObject(metrics))
        return feed_bad(w, mp, "not an object");
    if (metrics) {
        if (nvd_metric(w, metrics, mp, "cvssMetricV31", "CVSS:3.1/", &a.cvss3_score,
                       &a.cvss3_vector) < 0 ||
            nvd_metric(w, metrics, mp, "cvssMetricV40", "CVSS:4.0/", &a.cvss4_score,
                       &a.cvss4_vector) < 0)
            return -1;
        if (a.cvss3_score < 0 && nvd_metric(w, metrics, mp, "cvssMetricV30", "CVSS:3.0/",
                                            &a.cvss3_score, &a.cvss3_vector) < 0)
            return -1;
    }
    int64_t adv;
    if (fw_advisory(w, &a, &adv, w->err) < 0)
        return -1;

    const cJSON *configs = cJSON_GetObjectItemCaseSensitive(cve, "configurations");
    char cp[320];
    json_path_join(cp, sizeof cp, path, "configurations", 0, false);
    if (configs && !cJSON_IsArray(configs))
        return feed_bad(w, cp, "not an array");
    int ci = 0;
    const cJSON *conf;
    cJSON_ArrayForEach(conf, configs) {
        char cfp[340];
        json_path_join(cfp, sizeof cfp, cp, "", ci++, true);
        const cJSON *nodes = cJSON_IsObject(conf) ? cJSON_GetObjectItemCaseSensitive(conf, "nodes")
                                                  : NULL;
        if (!cJSON_IsArray(nodes))
            return feed_bad(w, cfp, "nodes missing or not an array");
        int ni = 0;
        const cJSON *node;
        cJSON_ArrayForEach(node, nodes) {
            char np[360];
            json_path_join(np, sizeof np, cfp, "nodes", ni++, true);
            const cJSON *matches = cJSON_IsObject(node)
                                       ? cJSON_GetObjectItemCaseSensitive(node, "cpeMatch")
                                       : NULL;
            if (!cJSON_IsArray(matches))
                return feed_bad(w, np, "cpeMatch missing or not an array");
            /* A negated node ("not running on X") names what is not affected. */
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(node, "negate")))
                continue;
            int mi = 0;
            const cJSON *m;
            cJSON_ArrayForEach(m, matches) {
                char mmp[380];
                json_path_join(mmp, sizeof mmp, np, "cpeMatch", mi++, true);
                if (nvd_match(w, adv, m, mmp) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

int feed_nvd_header(struct feed_writer *w, const cJSON *root)
{
    if (!cJSON_IsObject(root))
        return feed_bad(w, "", "not an object");
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (fmt && (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "NVD_CVE") != 0))
        return feed_bad(w, "format", "not \"NVD_CVE\"");
    if (ver && (!cJSON_IsString(ver) || strncmp(ver->valuestring, "2.", 2) != 0))
        return feed_bad(w, "version", "not a 2.x version of the NVD CVE format");
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "vulnerabilities")))
        return feed_bad(w, "vulnerabilities", "missing or not an array");
    return 0;
}

int feed_nvd_import(struct feed_writer *w, const cJSON *root, struct rm_err *e)
{
    (void)e;
    if (feed_nvd_header(w, root) < 0)
        return -1;
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "vulnerabilities")) {
        char p[64];
        json_path_join(p, sizeof p, "", "vulnerabilities", i++, true);
        if (feed_nvd_record(w, item, p) < 0)
            return -1;
    }
    return 0;
}
