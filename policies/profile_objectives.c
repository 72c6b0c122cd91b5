/* Business objectives of a client profile checked against the policies applied to it. */
#include <string.h>

#include "policies/profile.h"

static bool defined(struct policy *const *pols, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < pols[i]->n_initiatives; k++)
            if (strcmp(pols[i]->initiatives[k].id, id) == 0)
                return true;
    return false;
}

size_t profile_check_objectives(const struct profile *p, struct policy *const *pols, size_t n,
                                struct diags *warn)
{
    size_t bad = 0;
    for (size_t i = 0; p && i < p->n_objectives; i++) {
        const struct prof_objective *o = &p->objectives[i];
        for (size_t k = 0; k < o->n_serves; k++)
            if (!defined(pols, n, o->serves[k])) {
                diags_addf(warn, "%s: objective \"%s\" serves initiative \"%s\", which none of "
                                 "the applied policies defines", p->source, o->id, o->serves[k]);
                bad++;
            }
    }
    return bad;
}
