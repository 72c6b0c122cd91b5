/* The indexes of an evidence bundle: finding -> evidence files, framework item -> findings. */
#include "reports/evidence_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/addr.h"

static const char *ext_for(const char *media_type)
{
    if (!media_type)
        return "bin";
    if (strcmp(media_type, "application/x-pem-file") == 0)
        return "pem";
    if (strncmp(media_type, "text/", 5) == 0)
        return "txt";
    if (strcmp(media_type, "application/json") == 0)
        return "json";
    return "bin";
}

int evidence_file_name(const struct evidence *ev, char *out, size_t cap)
{
    size_t n = strlen(ev->id);
    if (n == 0 || n > 64)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = ev->id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return -1;
    }
    snprintf(out, cap, "evidence/%s.%s", ev->id, ext_for(ev->media_type));
    return 0;
}

static int cmp_ev(const void *a, const void *b)
{
    return strcmp((*(struct evidence *const *)a)->id, (*(struct evidence *const *)b)->id);
}

/* The scan's evidence sorted by id, for lookups; NULL on allocation failure. */
static struct evidence **sorted_evidence(const struct scan_result *r)
{
    struct evidence **by_id = malloc((r->n_evidence ? r->n_evidence : 1) * sizeof *by_id);
    if (!by_id)
        return NULL;
    if (r->n_evidence) { /* a scan with no evidence has no array at all */
        memcpy(by_id, r->evidence, r->n_evidence * sizeof *by_id);
        qsort(by_id, r->n_evidence, sizeof *by_id, cmp_ev);
    }
    return by_id;
}

static const struct evidence *find_evidence(struct evidence **by_id, size_t n, const char *id)
{
    struct evidence key = {.id = (char *)id}, *kp = &key;
    struct evidence **hit = bsearch(&kp, by_id, n, sizeof *by_id, cmp_ev);
    return hit ? *hit : NULL;
}

/* Finding i as the indexes name it: id, kind, asset, fingerprint and its evidence files. */
static cJSON *finding_ref(const struct scan_result *r, struct evidence **by_id, size_t i,
                          int with_text)
{
    const struct finding *f = r->findings[i];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char id[32], addr[RM_ADDRSTRLEN], file[128];
    snprintf(id, sizeof id, "F%zu", i + 1);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "kind", f->kind);
    cJSON_AddStringToObject(o, "severity", severity_name(f->severity));
    if (with_text)
        cJSON_AddStringToObject(o, "title", f->title ? f->title : "");
    if (f->addr.family)
        cJSON_AddStringToObject(o, "address", addr_str(&f->addr, addr, sizeof addr));
    else /* site-wide: the asset's name instead */
        cJSON_AddStringToObject(o, "asset", finding_asset_label(f, addr, sizeof addr));
    if (f->port)
        cJSON_AddNumberToObject(o, "port", f->port);
    cJSON_AddStringToObject(o, "fingerprint", f->fingerprint);
    cJSON *evs = cJSON_AddArrayToObject(o, "evidence");
    for (size_t k = 0; evs && k < f->n_evidence; k++) {
        const struct evidence *ev = find_evidence(by_id, r->n_evidence, f->evidence_ids[k]);
        cJSON *x = cJSON_CreateObject();
        if (!x)
            break;
        cJSON_AddStringToObject(x, "id", f->evidence_ids[k]);
        if (ev && evidence_file_name(ev, file, sizeof file) == 0) {
            cJSON_AddStringToObject(x, "file", file);
            cJSON_AddStringToObject(x, "sha256", ev->sha256);
            if (with_text)
                cJSON_AddStringToObject(x, "description", ev->description ? ev->description : "");
        } else
            cJSON_AddStringToObject(x, "missing", "not in the scan result");
        cJSON_AddItemToArray(evs, x);
    }
    return o;
}

static char *print_and_free(cJSON *j)
{
    char *s = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    return s;
}

char *evidence_findings_index(const struct scan_result *r)
{
    struct evidence **by_id = sorted_evidence(r);
    if (!by_id)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < r->n_findings; i++) {
        cJSON *o = finding_ref(r, by_id, i, 1);
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    free(by_id);
    return print_and_free(arr);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The control "POLICY/CONTROL" of the evaluation, or NULL. */
static const cJSON *control_of(const cJSON *controls, const char *ref)
{
    const char *slash = strchr(ref, '/');
    if (!slash)
        return NULL;
    size_t pl = (size_t)(slash - ref);
    const cJSON *c;
    cJSON_ArrayForEach(c, controls) {
        const char *p = jstr(c, "policy"), *id = jstr(c, "id");
        if (p && id && strlen(p) == pl && strncmp(p, ref, pl) == 0 && strcmp(id, slash + 1) == 0)
            return c;
    }
    return NULL;
}

/* Adds the findings the list (indices into the scan) names to out, each once. */
static void add_findings(cJSON *out, const cJSON *list, const struct scan_result *r,
                         struct evidence **by_id, unsigned char *seen)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, list) {
        if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble >= (double)r->n_findings)
            continue;
        size_t i = (size_t)x->valuedouble;
        if (seen[i])
            continue;
        seen[i] = 1;
        cJSON_AddItemToArray(out, finding_ref(r, by_id, i, 0));
    }
}

static cJSON *item_json(const cJSON *item, const cJSON *controls, const struct scan_result *r,
                        struct evidence **by_id, unsigned char *seen)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    const char *status = jstr(item, "status");
    cJSON_AddStringToObject(o, "id", jstr(item, "id") ? jstr(item, "id") : "?");
    if (jstr(item, "title"))
        cJSON_AddStringToObject(o, "title", jstr(item, "title"));
    cJSON_AddStringToObject(o, "status", status ? status : "?");
    cJSON *cs = cJSON_AddArrayToObject(o, "controls");
    cJSON *contra = cJSON_AddArrayToObject(o, "contradicting");
    cJSON *acc = cJSON_AddArrayToObject(o, "accepted");
    cJSON *sup = cJSON_AddArrayToObject(o, "supporting");
    cJSON *ans = cJSON_AddArrayToObject(o, "answers");
    if (!cs || !contra || !acc || !sup || !ans)
        return o;
    /* Each list names a finding once per item. */
    memset(seen, 0, r->n_findings ? r->n_findings : 1);
    unsigned char *seen_acc = seen + r->n_findings, *seen_sup = seen + 2 * r->n_findings;
    memset(seen_acc, 0, 2 * r->n_findings);
    const cJSON *ref;
    cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(item, "controls")) {
        if (!cJSON_IsString(ref))
            continue;
        const cJSON *c = control_of(controls, ref->valuestring);
        cJSON *co = cJSON_CreateObject();
        cJSON_AddStringToObject(co, "control", ref->valuestring);
        cJSON_AddStringToObject(co, "status", c && jstr(c, "status") ? jstr(c, "status") : "?");
        if (c && jstr(c, "reason"))
            cJSON_AddStringToObject(co, "reason", jstr(c, "reason"));
        cJSON_AddItemToArray(cs, co);
        if (!c)
            continue;
        const cJSON *rule;
        cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(c, "rules")) {
            add_findings(contra, cJSON_GetObjectItemCaseSensitive(rule, "failing"), r, by_id, seen);
            add_findings(acc, cJSON_GetObjectItemCaseSensitive(rule, "accepted"), r, by_id,
                         seen_acc);
            add_findings(sup, cJSON_GetObjectItemCaseSensitive(rule, "informational"), r, by_id,
                         seen_sup);
        }
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(c, "answer");
        if (cJSON_IsObject(a)) {
            cJSON *ac = cJSON_Duplicate(a, 1);
            if (ac) {
                cJSON_AddStringToObject(ac, "control", ref->valuestring);
                cJSON_AddItemToArray(ans, ac);
            }
        }
    }
    /* A pass rests on the scan that looked and found nothing failing. */
    if (status && strcmp(status, "pass") == 0 && cJSON_GetArraySize(ans) == 0) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "file", "scan.json");
        cJSON_AddStringToObject(s, "why", "assessed by this scan: no finding fails it");
        cJSON_AddItemToArray(sup, s);
    }
    return o;
}

char *evidence_framework_index(const struct scan_result *r, const cJSON *evaluation,
                               const char *framework, struct rm_err *e)
{
    const cJSON *fws = cJSON_GetObjectItemCaseSensitive(evaluation, "frameworks"), *fw = NULL, *x;
    cJSON_ArrayForEach(x, fws) {
        const char *id = jstr(x, "id");
        if (id && strcmp(id, framework) == 0)
            fw = x;
    }
    if (!fw) {
        rm_errf(e, "framework \"%s\" is not among the policy results (frameworks:", framework);
        size_t n = strlen(e->msg);
        cJSON_ArrayForEach(x, fws)
            if (jstr(x, "id") && n + 40 < sizeof e->msg)
                n += (size_t)snprintf(e->msg + n, sizeof e->msg - n, " %s", jstr(x, "id"));
        snprintf(e->msg + n, sizeof e->msg - n, ")");
        return NULL;
    }
    struct evidence **by_id = sorted_evidence(r);
    unsigned char *seen = calloc(3 * (r->n_findings ? r->n_findings : 1), 1);
    cJSON *root = by_id && seen ? cJSON_CreateObject() : NULL;
    if (root) {
        cJSON_AddStringToObject(root, "framework", framework);
        if (jstr(fw, "title"))
            cJSON_AddStringToObject(root, "title", jstr(fw, "title"));
        if (jstr(evaluation, "date"))
            cJSON_AddStringToObject(root, "evaluated_at", jstr(evaluation, "date"));
        static const char *const counts[] = {"items", "checked", "pass", "fail", "partial",
                                             "not-checked", "not-applicable"};
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(fw, counts[i]);
            if (cJSON_IsNumber(v))
                cJSON_AddNumberToObject(root, counts[i], v->valuedouble);
        }
        cJSON *items = cJSON_AddArrayToObject(root, "items");
        const cJSON *controls = cJSON_GetObjectItemCaseSensitive(evaluation, "controls");
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(fw, "results"))
            if (items)
                cJSON_AddItemToArray(items, item_json(x, controls, r, by_id, seen));
    }
    free(by_id);
    free(seen);
    char *s = print_and_free(root);
    if (!s)
        rm_errf(e, "out of memory");
    return s;
}
