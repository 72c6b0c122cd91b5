/* The profile and policies a command evaluates with (scanner/cli_load.h). */
#include "scanner/cli_load.h"

#include <string.h>

int cli_load_policies(const char *cmd, const char *const *refs, size_t n_refs,
                      const char *profile_path, struct cli_policies *out, struct diags *d,
                      struct rm_err *e)
{
    memset(out, 0, sizeof *out);
    if (n_refs > CLI_MAX_POLICIES)
        return rm_errf(e, "%s: at most %d policies", cmd, CLI_MAX_POLICIES);
    if (profile_path && profile_load_file(profile_path, &out->prof, d) < 0)
        return rm_errf(e, "%s: %s is not a valid client profile", cmd, profile_path);
    char prof_refs[CLI_MAX_POLICIES][4096];
    const char *use[CLI_MAX_POLICIES];
    size_t n = 0;
    for (size_t i = 0; i < n_refs; i++)
        use[n++] = refs[i];
    if (!n && out->prof)
        for (size_t i = 0; i < out->prof->n_policies && n < CLI_MAX_POLICIES; i++, n++)
            use[n] = profile_policy_ref(out->prof, i, prof_refs[n], sizeof prof_refs[0]);
    if (!n)
        use[n++] = "baseline";
    for (size_t i = 0; i < n; i++) {
        if (policy_load_ref(use[i], &out->pols[out->n], d) < 0) {
            rm_errf(e, "%s: policy %s does not load", cmd, use[i]);
            cli_policies_free(out);
            return -1;
        }
        out->n++;
    }
    return 0;
}

void cli_policies_free(struct cli_policies *p)
{
    for (size_t i = 0; i < p->n; i++)
        policy_free(p->pols[i]);
    profile_free(p->prof);
    memset(p, 0, sizeof *p);
}
