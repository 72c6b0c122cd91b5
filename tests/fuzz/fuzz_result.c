/* libFuzzer target: the scan result reader (a document handed over from another machine).
 * Whatever parses must also serialise and parse again to the same text; its policy results
 * (untrusted too) must index by framework without harm. The reader streams the lists of most
 * documents and reads the others as one tree (result_read.c): the same input with a member
 * nested too deep for streaming in front must be read alike, or refused alike. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/evidence_index.h"
#include "scanner/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DEEP 70 /* more than result_read.c's STREAM_MAX_DEPTH */

/* The input with "deep":[[[...]]], inserted after its first '{'; NULL when it has none. */
static char *with_deep_member(const uint8_t *data, size_t size, size_t *len)
{
    const uint8_t *brace = memchr(data, '{', size);
    if (!brace)
        return NULL;
    size_t at = (size_t)(brace - data) + 1, extra = 8 + 2 * DEEP + 1;
    char *out = malloc(size + extra);
    if (!out)
        return NULL;
    memcpy(out, data, at);
    memcpy(out + at, "\"deep\":", 7);
    memset(out + at + 7, '[', DEEP);
    memset(out + at + 7 + DEEP, ']', DEEP);
    out[at + 7 + 2 * DEEP] = ',';
    memcpy(out + at + 8 + 2 * DEEP, data + at, size - at);
    *len = size + 8 + 2 * DEEP;
    return out;
}

/* Same acceptance and the same model by either way of reading. */
static void both_ways_alike(const uint8_t *data, size_t size, const struct scan_result *r)
{
    size_t len = 0;
    char *deep = with_deep_member(data, size, &len);
    if (!deep)
        return;
    struct scan_result *t = NULL;
    struct rm_err e;
    int rc = result_parse(deep, len, "fuzz-tree", &t, &e);
    free(deep);
    if ((rc == 0) != (r != NULL))
        abort();
    if (rc == 0) {
        char *a = result_to_json(r), *b = result_to_json(t);
        if (a && b && strcmp(a, b) != 0)
            abort();
        free(a);
        free(b);
        scan_result_free(t);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scan_result *r = NULL;
    struct rm_err e;
    if (result_parse((const char *)data, size, "fuzz", &r, &e) < 0)
        r = NULL;
    both_ways_alike(data, size, r);
    if (!r)
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
