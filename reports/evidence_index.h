/* Inside an evidence bundle (evidence.h): the file name each raw evidence item gets, and the
 * indexes that lead an auditor from a finding, or from a framework's control, to those files.
 * The scan result is untrusted input: ids that cannot be a safe file name are refused. */
#ifndef RISKMAP_EVIDENCE_INDEX_H
#define RISKMAP_EVIDENCE_INDEX_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "checks/finding.h"
#include "scanner/err.h"
#include "scanner/model.h"

/* "evidence/ID.EXT" into out; -1 when the id is not [A-Za-z0-9_-]{1,64}. */
int evidence_file_name(const struct evidence *ev, char *out, size_t cap);

/* index/findings.json: every finding (F1, F2... in scan order) with its evidence files and
 * their SHA-256. JSON text owned by the caller; NULL on allocation failure. */
char *evidence_findings_index(const struct scan_result *r);

/* index/framework-ID.json: each item of the framework, its status and controls, and the
 * findings (with their evidence files) that contradict it (failing), that it was accepted
 * despite, and that support it (informational rules; for an item that passes, the scan that
 * assessed it), and the profile's answers with their evidence files. From the policy results
 * (evaluation_json() form). NULL with e set when the framework is not in them. */
char *evidence_framework_index(const struct scan_result *r, const cJSON *evaluation,
                               const char *framework, struct rm_err *e);

#endif
