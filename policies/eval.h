/* Evaluation: the findings of one scan result, against one or more policies, tailored by an
 * optional client profile, give each control a status with the findings behind it, and each
 * framework a summary (how many of its items were checked, how many pass).
 *
 * A control is:
 *   fail           a finding an enabled rule takes (conditions and thresholds met) is not
 *                  covered by an unexpired risk acceptance; or the profile answers "fail"
 *   pass           every enabled rule was assessed and none took a failing finding; or the
 *                  profile answers "pass"
 *   partial        some enabled rules were assessed and passed, others could not be; or the
 *                  profile answers "partial"
 *   not-applicable every rule is switched off by the profile, or the profile answers so
 *   not-checked    nothing could be assessed: a manual control nobody answered, kinds no
 *                  registered check emits, intrusive kinds in a scan without --intrusive, or an
 *                  incomplete scan. Never silently "pass".
 * Rules of severity "info" record their findings (an inventory) but never fail a control.
 *
 * Ownership: the evaluation borrows the scan, the policies and the profile (they must outlive
 * it) and owns its own arrays; evaluation_free() releases them.
 */
#ifndef RISKMAP_EVAL_H
#define RISKMAP_EVAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policies/policy.h"
#include "policies/profile.h"
#include "scanner/err.h"
#include "scanner/jsonw.h"
#include "scanner/model.h"

enum ctl_status {
    ST_FAIL = 0,
    ST_PARTIAL,
    ST_PASS,
    ST_NOT_CHECKED,
    ST_NOT_APPLICABLE,
};
#define ST_COUNT 5
/* "fail", "partial", "pass", "not-checked", "not-applicable". */
const char *ctl_status_name(enum ctl_status s);

enum accept_state {
    ACC_NONE = 0,
    ACC_ACCEPTED,
    ACC_EXPIRED, /* an acceptance exists but its date has passed: the finding fails again */
};

/* 32 bytes: an evaluation of 100,000 findings under six policies holds 600,000 of them. */
struct eval_hit {
    uint32_t finding;           /* index into scan->findings (evaluate refuses more) */
    uint32_t rule;              /* index into the policy's rules */
    enum criticality criticality;
    const struct prof_group *group; /* NULL: no group, default criticality */
    enum accept_state accepted;
    const struct prof_accept *accept; /* when accepted or expired */
};

struct eval_control {
    const struct policy *policy;
    size_t control;             /* index into policy->controls */
    enum ctl_status status;
    const char *reason;         /* static text: why this status */
    struct eval_hit *hits;
    size_t n_hits, cap_hits;
    size_t n_failing, n_accepted, n_info;
    const struct prof_answer *answer; /* the profile's answer, if any */
};

/* One framework item ("164.312(e)(1)") with the status of the controls that reference it
 * combined: any fail -> fail; else any partial, or pass mixed with not-checked -> partial;
 * all pass -> pass; all not-checked -> not-checked; not-applicable ones are left aside. */
struct eval_item {
    const char *id;      /* borrowed from the first policy that references it */
    const char *title;   /* may be NULL */
    int ig;
    enum ctl_status status;
    size_t *controls;    /* indices into evaluation.controls */
    size_t n_controls;
};

struct eval_framework {
    const char *id, *title, *version; /* borrowed from the first policy naming it */
    struct eval_item *items;
    size_t n_items;
    size_t count[ST_COUNT]; /* items per status */
};

struct evaluation {
    char date[11];             /* YYYY-MM-DD the acceptances were judged at */
    struct eval_control *controls;
    size_t n_controls;
    struct eval_framework *frameworks;
    size_t n_frameworks;
    size_t *unmapped;          /* findings no rule of any policy took */
    size_t n_unmapped;
    struct diags warnings;     /* tailoring that names no rule or control of the policies */
};

/* Evaluates scan against the n policies, tailored by prof (NULL: none). date is YYYY-MM-DD
 * to judge risk-acceptance expiry at; NULL takes the scan's start date (so re-evaluating an
 * old scan gives the same answer). On success *out is owned by the caller. */
int evaluate(const struct scan_result *scan, struct policy *const *pols, size_t n,
             const struct profile *prof, const char *date, struct evaluation **out,
             struct rm_err *e);
void evaluation_free(struct evaluation *ev);

/* Is rule r of policy p switched off by prof (NULL: no profile)? */
bool eval_rule_disabled(const struct profile *prof, const struct policy *p,
                        const struct pol_rule *r);
/* Can r be assessed from scan: a registered check emits a kind it matches, run by this scan
 * (intrusive kinds need --intrusive), and the scan is complete? */
bool eval_rule_assessable(const struct scan_result *scan, const struct pol_rule *r);

/* Whole-control and per-framework counts, for callers that only need the verdict. */
size_t evaluation_count(const struct evaluation *ev, enum ctl_status s);

/* The evaluation as a JSON document ("riskmap-policy-evaluation", version 1), streamed into
 * w (one root value); -1 on allocation failure (jw_finish also says so). */
int evaluation_write(struct jsonw *w, const struct evaluation *ev,
                     const struct scan_result *scan, const struct profile *prof,
                     struct policy *const *pols, size_t n);
/* The same document as a cJSON tree (to embed in another document). New tree owned by the
 * caller; NULL on allocation failure. */
cJSON *evaluation_json(const struct evaluation *ev, const struct scan_result *scan,
                       const struct profile *prof, struct policy *const *pols, size_t n);

#endif
