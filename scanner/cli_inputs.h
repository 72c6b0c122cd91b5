/* What the offline commands that read a scan result (roadmap, report) start from: the policy
 * set (policies/policy_set.h: profile and policies, loaded as scan and policy eval load them),
 * the scan result and its evaluation. */
#ifndef RISKMAP_CLI_INPUTS_H
#define RISKMAP_CLI_INPUTS_H

#include "policies/eval.h"
#include "policies/policy_set.h"
#include "scanner/err.h"
#include "scanner/model.h"

#define CLI_MAX_POLICIES POLICY_SET_MAX

struct cli_inputs {
    struct policy_set ps;
    struct scan_result *scan;
    struct evaluation *ev;
    double ms_policies, ms_scan, ms_eval; /* time per stage, for --stats */
};

/* Loads the policy set (profile_path may be NULL; no refs: the profile's policies, else
 * baseline), the scan result, and evaluates it at date (NULL: the scan's date). cmd names the
 * command in messages. Problems of the XML files go to d. Returns EXIT_DONE, or EXIT_USAGE /
 * EXIT_RUNTIME with e set; cli_inputs_free() in every case. */
int cli_load_inputs(const char *cmd, const char *scan_path, const char *const *refs,
                    size_t n_refs, const char *profile_path, const char *date,
                    struct cli_inputs *in, struct diags *d, struct rm_err *e);
void cli_inputs_free(struct cli_inputs *in);

#endif
