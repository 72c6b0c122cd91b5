/* Loading the policies of one run and the profile that tailors them. */
#include "policies/policy_set.h"

#include <string.h>

int policy_set_load(struct policy_set *ps, const char *const *refs, size_t n_refs,
                    const char *profile_path, const char *who, struct diags *d,
                    struct rm_err *e)
{
    memset(ps, 0, sizeof *ps);
    if (n_refs > POLICY_SET_MAX)
        return rm_errf(e, "%s: at most %d policies", who, POLICY_SET_MAX);
    if (profile_path && profile_load_file(profile_path, &ps->prof, d) < 0)
        return diags_take_one(d, e) < 0 ? -1
                                        : rm_errf(e, "%s: %s is not a valid client profile", who, profile_path);
    char buf[4096];
    size_t want = n_refs ? n_refs : ps->prof && ps->prof->n_policies ? ps->prof->n_policies : 1;
    if (want > POLICY_SET_MAX) {
        rm_errf(e, "%s: the profile names %zu policies, at most %d apply", who, want,
                POLICY_SET_MAX);
        policy_set_free(ps);
        return -1;
    }
    for (size_t i = 0; i < want; i++) {
        const char *ref = n_refs ? refs[i]
                          : ps->prof && ps->prof->n_policies
                              ? profile_policy_ref(ps->prof, i, buf, sizeof buf)
                              : "baseline";
        if (policy_load_ref(ref, &ps->pols[ps->n], d) < 0) {
            if (diags_take_one(d, e) == 0)
                rm_errf(e, "%s: policy %s does not load", who, ref);
            policy_set_free(ps);
            return -1;
        }
        ps->n++;
    }
    return 0;
}

void policy_set_free(struct policy_set *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        policy_free(ps->pols[i]);
    profile_free(ps->prof);
    memset(ps, 0, sizeof *ps);
}
