/* The bundle's policy results, register snapshot and client report (cli_evidence_extras.h). */
#include "scanner/cli_evidence_extras.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policies/eval.h"
#include "policies/policy_set.h"
#include "reports/register_csv.h"
#include "reports/register_json.h"
#include "reports/report.h"
#include "reports/risk.h"
#include "reports/roadmap.h"
#include "scanner/register.h"
#include "scanner/result.h"

/* The policies (and profile) the scan's own evaluation names, as policy_set_load takes them. */
static size_t refs_of_scan(const cJSON *ev, const char **refs, size_t cap, const char **profile)
{
    size_t n = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(ev, "policies")) {
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(p, "source");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "id");
        if (n == cap || !cJSON_IsString(src))
            continue;
        /* "shipped:hipaa" loads by id; a file path only while the file is there. */
        if (strncmp(src->valuestring, "shipped:", 8) == 0 && cJSON_IsString(id))
            refs[n++] = id->valuestring;
        else if (access(src->valuestring, R_OK) == 0)
            refs[n++] = src->valuestring;
    }
    const cJSON *prof = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ev, "client"), "profile");
    if (cJSON_IsString(prof) && access(prof->valuestring, R_OK) == 0)
        *profile = prof->valuestring;
    return n;
}

static int load_risks(const char *data_dir, const struct scan_result *scan,
                      const struct evaluation *ev, const struct profile *prof,
                      struct risk_set *set, struct trend *trend, int *from_register,
                      struct rm_err *e)
{
    char db_path[4096];
    *from_register = 0;
    if (data_dir && (size_t)snprintf(db_path, sizeof db_path, "%s/register.db", data_dir) <
                        sizeof db_path && access(db_path, R_OK) == 0) {
        struct register_db *db = NULL;
        if (register_open(db_path, false, &db, e) < 0)
            return -1;
        int rc = register_load(db, NULL, set, e) < 0 || register_trend(db, trend, e) < 0 ? -1 : 0;
        register_close(db);
        *from_register = rc == 0;
        return rc;
    }
    return risk_score_scan(scan, ev, prof, set, e);
}

int export_extras_build(const char *scan_path, const char *const *refs, size_t n_refs,
                        const char *profile, const char *data_dir, struct export_extras *x,
                        struct diags *d, struct rm_err *e)
{
    memset(x, 0, sizeof *x);
    struct scan_result *scan = NULL;
    struct policy_set ps = {0};
    struct evaluation *ev = NULL;
    struct risk_set set = {0};
    struct trend trend = {0};
    struct roadmap *rm = NULL;
    const char *own[POLICY_SET_MAX];
    int rc = -1;
    if (result_load(scan_path, &scan, e) < 0)
        goto out;
    if (!n_refs && !profile && scan->evaluation) {
        n_refs = refs_of_scan(scan->evaluation, own, POLICY_SET_MAX, &profile);
        refs = own;
    }
    if (policy_set_load(&ps, refs, n_refs, profile, "evidence export", d, e) < 0 ||
        evaluate(scan, ps.pols, ps.n, ps.prof, NULL, &ev, e) < 0)
        goto out;
    if (!(x->evaluation = evaluation_json(ev, scan, ps.prof, ps.pols, ps.n)))
        goto oom;
    if (load_risks(data_dir, scan, ev, ps.prof, &set, &trend, &x->from_register, e) < 0 ||
        roadmap_build(&set, scan, ps.pols, ps.n, ps.prof, NULL, &rm, e) < 0)
        goto out;
    struct report_input in = {
        .scan = scan, .ev = ev, .risks = &set, .trend = trend.n ? &trend : NULL, .roadmap = rm,
        .pols = ps.pols, .n_pols = ps.n, .prof = ps.prof,
    };
    if (report_html(&in, &x->html, &x->html_len, e) < 0)
        goto out;
    FILE *m = open_memstream(&x->csv, &x->csv_len);
    if (!m)
        goto oom;
    int w = register_csv_write(&set, m, true, e);
    if (fclose(m) != 0 || w < 0)
        goto out;
    cJSON *j = register_json(&set, trend.n ? &trend : NULL);
    x->json = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    if (!x->json)
        goto oom;
    x->files[0] = (struct evidence_extra){"reports/report.html", x->html, x->html_len};
    x->files[1] = (struct evidence_extra){"register/register.csv", x->csv, x->csv_len};
    x->files[2] = (struct evidence_extra){"register/register.json", x->json, strlen(x->json)};
    x->n_files = 3;
    rc = 0;
    goto out;
oom:
    rm_errf(e, "evidence export: out of memory");
out:
    roadmap_free(rm);
    trend_free(&trend);
    risk_set_free(&set);
    evaluation_free(ev);
    policy_set_free(&ps);
    scan_result_free(scan);
    if (rc < 0)
        export_extras_free(x);
    return rc;
}

void export_extras_free(struct export_extras *x)
{
    cJSON_Delete(x->evaluation);
    free(x->html);
    free(x->csv);
    free(x->json);
    memset(x, 0, sizeof *x);
}
