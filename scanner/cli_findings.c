/* Findings and their evidence as one JSON object on standard output, for the commands that run
 * checks without a scan (riskmap backup, riskmap inventory). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/cli_findings.h"
#include "scanner/result.h"

int print_findings_json(const struct scan_result *r, const char *key, const char *value)
{
    cJSON *o = cJSON_CreateObject(), *fs = cJSON_CreateArray(), *es = cJSON_CreateArray();
    if (!o || !fs || !es) {
        cJSON_Delete(o);
        cJSON_Delete(fs);
        cJSON_Delete(es);
        return -1;
    }
    cJSON_AddItemToObject(o, "findings", fs);
    cJSON_AddItemToObject(o, "evidence", es);
    int bad = key && !cJSON_AddStringToObject(o, key, value);
    for (size_t i = 0; i < r->n_findings && !bad; i++) {
        cJSON *f = result_finding_json(r->findings[i], i);
        bad = !f || !cJSON_AddItemToArray(fs, f);
    }
    for (size_t i = 0; i < r->n_evidence && !bad; i++) {
        const struct evidence *ev = r->evidence[i];
        cJSON *e = cJSON_CreateObject();
        char *text = malloc(ev->len + 1);
        bad = !e || !text || !cJSON_AddItemToArray(es, e);
        if (!bad) {
            memcpy(text, ev->data, ev->len);
            text[ev->len] = '\0';
            bad = !cJSON_AddStringToObject(e, "id", ev->id) ||
                  !cJSON_AddStringToObject(e, "media_type", ev->media_type) ||
                  !cJSON_AddStringToObject(e, "description", ev->description) ||
                  !cJSON_AddStringToObject(e, "sha256", ev->sha256) ||
                  !cJSON_AddStringToObject(e, "data", text);
        } else if (e && !text) {
            cJSON_Delete(e);
        }
        free(text);
    }
    char *s = bad ? NULL : cJSON_Print(o);
    cJSON_Delete(o);
    if (!s)
        return -1;
    printf("%s\n", s);
    free(s);
    return 0;
}

