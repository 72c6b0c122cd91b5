/* The files riskmap carries inside its binary: the policy and profile schemas (the .xsd files
 * of policies/schema/) and the shipped policies (the .xml files of policies/), embedded at
 * build time by contrib/tools/embed-files.sh so that validation and `--policy hipaa` need no
 * data path. */
#ifndef RISKMAP_SHIPPED_H
#define RISKMAP_SHIPPED_H

#include <stddef.h>

struct embedded_file {
    const char *name;           /* path below policies/: "schema/policy.xsd", "hipaa.xml" */
    const unsigned char *data;  /* NUL-terminated for convenience; len excludes the NUL */
    size_t len;
};

extern const struct embedded_file policy_embedded[];
extern const size_t policy_n_embedded;

/* The embedded file with this name, or NULL. */
const struct embedded_file *shipped_file(const char *name);

/* The shipped policy with this id ("hipaa" -> "hipaa.xml"), or NULL. */
const struct embedded_file *shipped_policy(const char *id);

/* The i-th shipped policy (i from 0), or NULL past the last. */
const struct embedded_file *shipped_policy_at(size_t i);

#endif
