/* A scan into the register: evaluate, score, apply (scanner/register_record.h). */
#include "scanner/register_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/risk.h"

/* Scores and applies; with trend, s is left holding the register's risks after the update
 * (register_update_load) and trend its trend points. s is the caller's, zeroed. */
static int record(const char *db_path, const struct scan_result *scan,
                  const struct evaluation *ev, const struct profile *prof, struct risk_set *s,
                  struct trend *trend, struct register_delta *out, struct rm_err *e)
{
    if (risk_score_scan(scan, ev, prof, s, e) < 0)
        return -1;
    struct trend_framework *fw = calloc(ev->n_frameworks ? ev->n_frameworks : 1, sizeof *fw);
    if (!fw)
        return rm_errf(e, "register: out of memory");
    for (size_t i = 0; i < ev->n_frameworks; i++) {
        const struct eval_framework *f = &ev->frameworks[i];
        snprintf(fw[i].id, sizeof fw[i].id, "%s", f->id);
        fw[i].pass = (unsigned)f->count[ST_PASS];
        fw[i].fail = (unsigned)f->count[ST_FAIL];
        fw[i].partial = (unsigned)f->count[ST_PARTIAL];
        fw[i].not_checked = (unsigned)f->count[ST_NOT_CHECKED];
    }
    struct register_db *db = NULL;
    int rc = register_open(db_path, true, &db, e);
    if (rc == 0)
        rc = trend ? register_update_load(db, s, scan->meta.complete, fw, ev->n_frameworks,
                                          NULL, out, e)
                   : register_update(db, s, scan->meta.complete, fw, ev->n_frameworks, NULL,
                                     out, e);
    if (rc == 0 && trend)
        rc = register_trend(db, trend, e);
    /* The trend point borrowed fw: it goes with it. */
    out->point.fw = NULL;
    out->point.n_fw = 0;
    register_close(db);
    free(fw);
    return rc;
}

int register_record_evaluated(const char *db_path, const struct scan_result *scan,
                              const struct evaluation *ev, const struct profile *prof,
                              struct register_delta *out, struct rm_err *e)
{
    struct risk_set s = {0};
    int rc = record(db_path, scan, ev, prof, &s, NULL, out, e);
    risk_set_free(&s);
    return rc;
}

int register_record_load(const char *db_path, const struct scan_result *scan,
                         const struct evaluation *ev, const struct profile *prof,
                         struct register_delta *out, struct risk_set *risks,
                         struct trend *trend, struct rm_err *e)
{
    memset(risks, 0, sizeof *risks);
    memset(trend, 0, sizeof *trend);
    int rc = record(db_path, scan, ev, prof, risks, trend, out, e);
    if (rc < 0) {
        risk_set_free(risks);
        trend_free(trend);
    }
    return rc;
}

int register_record_scan(const char *db_path, const struct scan_result *scan,
                         struct policy *const *pols, size_t n, const struct profile *prof,
                         struct register_delta *out, struct rm_err *e)
{
    struct evaluation *ev = NULL;
    if (evaluate(scan, pols, n, prof, NULL, &ev, e) < 0)
        return -1;
    int rc = register_record_evaluated(db_path, scan, ev, prof, out, e);
    evaluation_free(ev);
    return rc;
}

void register_delta_line(const struct register_delta *d, char *buf, size_t n)
{
    if (d->already) {
        snprintf(buf, n, "register: scan already recorded, nothing changed");
        return;
    }
    snprintf(buf, n, "register: %u new, %u resolved, %u reopened, %u still present; worst %d, "
                     "total %ld (%u risks counted)",
             d->n_new, d->n_resolved, d->n_reopened, d->n_still, d->point.worst, d->point.total,
             d->point.n_counted);
}
