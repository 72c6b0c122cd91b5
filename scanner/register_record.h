/* Recording a scan in the register: evaluate (policies/eval.h), score (reports/risk.h) and
 * apply (scanner/register.h), as `riskmap register update` does and `riskmap scan` does at its
 * end. A command-line room (it joins policies/, reports/ and the store); the store itself,
 * scanner/register.h, knows nothing of reports/. */
#ifndef RISKMAP_REGISTER_RECORD_H
#define RISKMAP_REGISTER_RECORD_H

#include <stddef.h>

#include "policies/eval.h"
#include "policies/policy.h"
#include "policies/profile.h"
#include "scanner/err.h"
#include "scanner/model.h"
#include "scanner/register.h"

/* Evaluates scan against the n policies tailored by prof (NULL: none) at the scan's own date,
 * scores it and applies it to the register at db_path (made when missing, 0600). The scan's
 * meta.complete decides whether missing risks resolve. *out says what changed (out->already:
 * this scan id was recorded before, nothing changed). 0, or -1 with e set and the register
 * as it was. */
int register_record_scan(const char *db_path, const struct scan_result *scan,
                         struct policy *const *pols, size_t n, const struct profile *prof,
                         struct register_delta *out, struct rm_err *e);

/* The same with an evaluation the caller already has (of the same scan and profile). */
int register_record_evaluated(const char *db_path, const struct scan_result *scan,
                              const struct evaluation *ev, const struct profile *prof,
                              struct register_delta *out, struct rm_err *e);

/* register_record_evaluated, and then risks and trend hold the register as register_load
 * (every risk) and register_trend read it after the update, without reading every risk back
 * (register_update_load): what `riskmap report --record` writes its report from. Both the
 * caller's to free (risk_set_free, trend_free), also on failure (then empty). */
int register_record_load(const char *db_path, const struct scan_result *scan,
                         const struct evaluation *ev, const struct profile *prof,
                         struct register_delta *out, struct risk_set *risks,
                         struct trend *trend, struct rm_err *e);

/* One line for a terminal or log: "register: 3 new, 1 resolved, 0 reopened, 12 still open;
 * worst 20, total 87 (12 counted)". Into buf (n bytes). */
void register_delta_line(const struct register_delta *d, char *buf, size_t n);

#endif
