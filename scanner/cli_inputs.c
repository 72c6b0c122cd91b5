/* The loader of the offline report commands (see cli_inputs.h). */
#include "scanner/cli_inputs.h"

#include <string.h>
#include <time.h>

#include "scanner/cli.h"
#include "scanner/heap.h"
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
    heap_for_large_model(HEAP_MODEL_RESERVE);
    double t0 = now_ms();
    if (policy_set_load(&in->ps, refs, n_refs, profile_path, cmd, d, e) < 0)
        return EXIT_USAGE;
    double t1 = now_ms();
    if (result_load(scan_path, &in->scan, e) < 0)
        return EXIT_USAGE;
    double t2 = now_ms();
    if (evaluate(in->scan, in->ps.pols, in->ps.n, in->ps.prof, date, &in->ev, e) < 0)
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
    policy_set_free(&in->ps);
    memset(in, 0, sizeof *in);
}
