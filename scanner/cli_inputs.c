/* The shared loader of the offline commands (see cli_inputs.h). */
#include "scanner/cli_inputs.h"

#include <string.h>
#include <time.h>

#include "scanner/cli.h"
#include "scanner/result.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int cli_load_inputs(const char *cmd, const char *scan_path, const char *const *refs,
                    size_t n_refs, const char *profile_path, const char *date,
                    struct cli_inputs *in, struct diags *d, struct rm_err *e)
{
    memset(in, 0, sizeof *in);
    char prof_refs[CLI_MAX_POLICIES][4096];
    const char *use[CLI_MAX_POLICIES];
    size_t n_use = 0;
    double t0 = now_ms();
    if (profile_path && profile_load_file(profile_path, &in->prof, d) < 0)
        return rm_errf(e, "%s: %s is not a valid client profile", cmd, profile_path), EXIT_USAGE;
    for (size_t i = 0; i < n_refs && n_use < CLI_MAX_POLICIES; i++)
        use[n_use++] = refs[i];
    /* Policies named on the command line win; else the profile's; else the baseline. */
    if (!n_use && in->prof)
        for (size_t i = 0; i < in->prof->n_policies && n_use < CLI_MAX_POLICIES; i++) {
            use[n_use] = profile_policy_ref(in->prof, i, prof_refs[n_use], sizeof prof_refs[0]);
            n_use++;
        }
    if (!n_use)
        use[n_use++] = "baseline";
    for (size_t i = 0; i < n_use; i++) {
        if (policy_load_ref(use[i], &in->pols[in->n_pols], d) < 0)
            return rm_errf(e, "%s: policy %s does not load", cmd, use[i]), EXIT_USAGE;
        in->n_pols++;
    }
    double t1 = now_ms();
    if (result_load(scan_path, &in->scan, e) < 0)
        return EXIT_USAGE;
    double t2 = now_ms();
    if (evaluate(in->scan, in->pols, in->n_pols, in->prof, date, &in->ev, e) < 0)
        return EXIT_RUNTIME;
    in->ms_policies = t1 - t0;
    in->ms_scan = t2 - t1;
    in->ms_eval = now_ms() - t2;
    return EXIT_DONE;
}

void cli_inputs_free(struct cli_inputs *in)
{
    evaluation_free(in->ev);
    scan_result_free(in->scan);
    for (size_t i = 0; i < in->n_pols; i++)
        policy_free(in->pols[i]);
    profile_free(in->prof);
    memset(in, 0, sizeof *in);
}
