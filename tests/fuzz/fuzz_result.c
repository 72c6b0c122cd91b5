/* libFuzzer target: the scan result reader (a document handed over from another machine).
 * Whatever parses must also serialise and parse again to the same text; its policy results
 * (untrusted too) must index by framework without harm. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/evidence_index.h"
#include "scanner/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scan_result *r = NULL;
    struct rm_err e;
    if (result_parse((const char *)data, size, "fuzz", &r, &e) < 0)
        return 0;
    char *one = result_to_json(r);
    if (one) {
        struct scan_result *again = NULL;
        if (result_parse(one, strlen(one), "fuzz2", &again, &e) < 0)
            abort();
        char *two = result_to_json(again);
        if (!two || strcmp(one, two) != 0)
            abort();
        free(two);
        scan_result_free(again);
    }
    free(one);
    if (r->evaluation) {
        const cJSON *fws = cJSON_GetObjectItemCaseSensitive(r->evaluation, "frameworks");
        const cJSON *fw = cJSON_GetArrayItem(fws, 0);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(fw, "id");
        free(evidence_framework_index(r, r->evaluation, cJSON_IsString(id) ? id->valuestring : "x",
                                      &e));
    }
    scan_result_free(r);
    return 0;
}
