/* The CISA Known Exploited Vulnerabilities catalog (known_exploited_vulnerabilities.json):
 * {"title", "catalogVersion", "dateReleased", "count", "vulnerabilities": [{"cveID",
 * "vendorProject", "product", "vulnerabilityName", "dateAdded", "dueDate",
 * "knownRansomwareCampaignUse", ...}]}. Each entry flags one CVE as exploited in the wild.
 */
#include <stdio.h>
#include <string.h>

#include "feed_impl.h"

int feed_kev_import(struct feed_writer *w, const cJSON *root, struct rm_err *e)
{
    (void)e;
    if (!cJSON_IsObject(root))
        return feed_bad(w, "", "not an object");
    char released[FEED_TIME_LEN];
    const char *version;
    if (feed_str(w, root, "", "catalogVersion", 64, true, &version) < 0 ||
        feed_time(w, root, "", "dateReleased", true, released) < 0)
        return -1;
    fw_newest(w, released);
    const cJSON *vulns = cJSON_GetObjectItemCaseSensitive(root, "vulnerabilities");
    if (!cJSON_IsArray(vulns))
        return feed_bad(w, "vulnerabilities", "missing or not an array");
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, vulns) {
        char p[64];
        feed_pathf(p, sizeof p, "vulnerabilities[%d]", i++);
        if (!cJSON_IsObject(v))
            return feed_bad(w, p, "not an object");
        struct fw_kev k = {0};
        char added[FEED_TIME_LEN], due[FEED_TIME_LEN];
        if (feed_str(w, v, p, "cveID", FEED_MAX_ID, true, &k.cve) < 0 ||
            feed_time(w, v, p, "dateAdded", true, added) < 0 ||
            feed_time(w, v, p, "dueDate", false, due) < 0 ||
            feed_str(w, v, p, "vendorProject", 256, false, &k.vendor) < 0 ||
            feed_str(w, v, p, "product", 256, false, &k.product) < 0 ||
            feed_str(w, v, p, "vulnerabilityName", 512, false, &k.name) < 0 ||
            feed_str(w, v, p, "knownRansomwareCampaignUse", 32, false, &k.ransomware) < 0)
            return -1;
        if (strncmp(k.cve, "CVE-", 4) != 0) {
            char cp[80];
            feed_pathf(cp, sizeof cp, "%s.cveID", p);
            return feed_bad(w, cp, "not a CVE id: \"%.40s\"", k.cve);
        }
        /* The date only: KEV dates are days. */
        added[10] = '\0';
        if (due[0])
            due[10] = '\0';
        k.date_added = added;
        k.due_date = due;
        if (fw_kev(w, &k, w->err) < 0)
            return -1;
    }
    return 0;
}
