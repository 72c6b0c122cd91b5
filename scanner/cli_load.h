/* What `riskmap policy eval`, `riskmap register update` (and `riskmap scan` when it records
 * into the register) load before evaluating: a client profile and the policies to judge by.
 * One rule for which policies: those named on the command line, else the profile's, else
 * the shipped baseline. */
#ifndef RISKMAP_CLI_LOAD_H
#define RISKMAP_CLI_LOAD_H

#include <stddef.h>

#include "policies/policy.h"
#include "policies/profile.h"
#include "scanner/err.h"

#define CLI_MAX_POLICIES 32

struct cli_policies {
    struct profile *prof; /* NULL without --client */
    struct policy *pols[CLI_MAX_POLICIES];
    size_t n;
};

/* Loads the profile at profile_path (may be NULL) and the n_refs policies refs (shipped ids
 * or files; none: the profile's, else "baseline") into out (zeroed). Parse problems go to d
 * (for the caller to print), the verdict to e ("CMD: ..."). On failure out is emptied. */
int cli_load_policies(const char *cmd, const char *const *refs, size_t n_refs,
                      const char *profile_path, struct cli_policies *out, struct diags *d,
                      struct rm_err *e);
void cli_policies_free(struct cli_policies *p);

#endif
