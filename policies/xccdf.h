/* The evaluation as an XCCDF 1.2 document (NIST IR 7275r4), for SCAP tooling: a Benchmark
 * holding, per policy, a Group per control and a Rule per policy rule (manual controls get one
 * Rule carrying their question), with framework references and fix texts; then one
 * TestResult with a rule-result per Rule: result, risk acceptances as <override>, framework
 * idents and one message per failing finding; and a flat score. `oscap xccdf validate`
 * accepts it (tests/integration/test_policy.sh).
 *
 * Result mapping: failing findings -> fail; assessed, none failing -> pass (accepted risks
 * leave an override fail -> pass with owner and reason); info rules with findings ->
 * informational; switched off -> notselected; not assessable or incomplete scan ->
 * notchecked; manual answers pass/fail/not-applicable as given, partial -> fail with a message,
 * unanswered -> notchecked. */
#ifndef RISKMAP_XCCDF_H
#define RISKMAP_XCCDF_H

#include <stddef.h>

#include "policies/eval.h"

#define XCCDF_NS "http://checklists.nist.gov/xccdf/1.2"
#define XCCDF_VENDOR "local.riskmap" /* the reverse-DNS part of every XCCDF id */

/* Serialises; *out is a NUL-terminated UTF-8 document the caller frees with free(). */
int xccdf_export(const struct evaluation *ev, const struct scan_result *scan,
                 const struct profile *prof, struct policy *const *pols, size_t n, char **out,
                 size_t *len, struct rm_err *e);

/* The same TestResult in an ARF 1.1 asset-report-collection (NIST IR 7694): one asset
 * (ai:computing-device with its address) per host of the scan, the report isAbout each of
 * them. `oscap ds rds-validate` accepts it. */
int arf_export(const struct evaluation *ev, const struct scan_result *scan,
               const struct profile *prof, struct policy *const *pols, size_t n, char **out,
               size_t *len, struct rm_err *e);

#endif
