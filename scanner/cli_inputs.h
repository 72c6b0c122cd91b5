/* What every offline command (policy eval, roadmap, report) starts from: a client profile,
 * the policies (named on the command line, else the profile's, else the baseline), a scan
 * result and its evaluation. One loader so the commands cannot drift apart. */
#ifndef RISKMAP_CLI_INPUTS_H
#define RISKMAP_CLI_INPUTS_H

#include "policies/eval.h"
#include "policies/policy.h"
#include "policies/profile.h"
#include "scanner/err.h"
#include "scanner/model.h"

#define CLI_MAX_POLICIES 32

struct cli_inputs {
    struct profile *prof; /* NULL without --client */
    struct policy *pols[CLI_MAX_POLICIES];
    size_t n_pols;
    struct scan_result *scan;
    struct evaluation *ev;
    double ms_policies, ms_scan, ms_eval; /* time per stage, for --stats */
};

/* Loads profile_path (may be NULL), the n_refs policies (none: the profile's, else
 * "baseline"), the scan result and evaluates it at date (NULL: the scan's date). cmd names
 * the command in messages. Problems of the XML files go to d. Returns EXIT_DONE, or
 * EXIT_USAGE / EXIT_RUNTIME with e set; cli_inputs_free() in every case. */
int cli_load_inputs(const char *cmd, const char *scan_path, const char *const *refs,
                    size_t n_refs, const char *profile_path, const char *date,
                    struct cli_inputs *in, struct diags *d, struct rm_err *e);
void cli_inputs_free(struct cli_inputs *in);

#endif
