/* The policies that apply to one run, with the client profile that tailors them: what
 * `riskmap scan`, `policy eval`, `register update` and `report` all load the same way.
 * Policies named by the caller win; else the profile's; else the shipped baseline.
 *
 * Ownership: a struct policy_set owns its policies and profile; policy_set_free() releases
 * them. It is zeroed before policy_set_load().
 */
#ifndef RISKMAP_POLICY_SET_H
#define RISKMAP_POLICY_SET_H

#include <stddef.h>

#include "policies/policy.h"
#include "policies/profile.h"
#include "policies/xmlload.h"
#include "scanner/err.h"

#define POLICY_SET_MAX 32

struct policy_set {
    struct policy *pols[POLICY_SET_MAX];
    size_t n;
    struct profile *prof; /* NULL without a profile */
};

/* Loads the profile at profile_path (NULL: none) and the n_refs policies (shipped ids or
 * paths; none: the profile's, else "baseline"). On failure -1, e names what failed and d holds
 * every "file:line: message"; the set is left empty. who prefixes e ("policy eval"). */
int policy_set_load(struct policy_set *ps, const char *const *refs, size_t n_refs,
                    const char *profile_path, const char *who, struct diags *d,
                    struct rm_err *e);
void policy_set_free(struct policy_set *ps);

#endif
