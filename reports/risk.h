/* Risk scoring: failing findings of an evaluation become risks (scanner/risk_model.h),
 * scored once, the same way everywhere (register, roadmap, reports). The method is written
 * down in docs/risk-scoring.md and implemented only here (risk_score.c): likelihood x impact
 * on 1-5 scales from the policy rule, impact adjusted by the asset's criticality, CVE findings
 * raised by their CVSS score and the KEV flag.
 */
#ifndef RISKMAP_RISK_H
#define RISKMAP_RISK_H

#include "policies/eval.h"
#include "policies/profile.h"
#include "scanner/err.h"
#include "scanner/model.h"
#include "scanner/risk_model.h"

/* Qualitative level of a 1-25 score (NIST SP 800-30 style bands). */
enum risk_level {
    LEVEL_VERY_LOW = 0, /* 1-2 */
    LEVEL_LOW,          /* 3-5 */
    LEVEL_MODERATE,     /* 6-11 */
    LEVEL_HIGH,         /* 12-19 */
    LEVEL_VERY_HIGH,    /* 20-25 */
};
enum risk_level risk_level_of(int score);
/* "very low", "low", "moderate", "high", "very high". */
const char *risk_level_name(enum risk_level l);

/* Scores every finding that fails a control of ev (rules of severity "info" and expired
 * acceptances aside) into out, which must be zeroed; risks are sorted by residual score,
 * highest first, then fingerprint. prof may be NULL. out is a pooled set
 * (scanner/risk_model.h): drop a member with risk_set_clear(). On failure -1 with e set and
 * out emptied. */
int risk_score_scan(const struct scan_result *scan, const struct evaluation *ev,
                    const struct profile *prof, struct risk_set *out, struct rm_err *e);

#endif
