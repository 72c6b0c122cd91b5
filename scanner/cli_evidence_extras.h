/* What `riskmap evidence export` puts in a bundle besides the scan and its raw evidence, made
 * at export time from the scan: the policy results, the risk register snapshot (the client's
 * register when the data directory has one, else the scan's own scored risks) and the client
 * report. A command-line room: it joins policies/, reports/ and the register store.
 *
 * Policies: those named (--policy, --client), else the ones the scan was evaluated with (its
 * evaluation names them, and the profile it used when that file is still there), else the
 * baseline.
 *
 * Ownership: struct export_extras owns its buffers and the evaluation; the files[] entries
 * point into them. export_extras_free() releases all.
 */
#ifndef RISKMAP_CLI_EVIDENCE_EXTRAS_H
#define RISKMAP_CLI_EVIDENCE_EXTRAS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "policies/xmlload.h"
#include "reports/evidence.h"
#include "scanner/err.h"

#define EXPORT_EXTRA_FILES 3

struct export_extras {
    cJSON *evaluation;             /* policy results for policy-results.json */
    char *html, *csv, *json;
    size_t html_len, csv_len;
    struct evidence_extra files[EXPORT_EXTRA_FILES];
    size_t n_files;
    int from_register;             /* the snapshot is the client's register */
};

/* profile may be NULL; data_dir may be NULL (no register). Messages about the XML files go to
 * standard error through the caller's diags d. 0, or -1 with e set. */
int export_extras_build(const char *scan_path, const char *const *refs, size_t n_refs,
                        const char *profile, const char *data_dir, struct export_extras *x,
                        struct diags *d, struct rm_err *e);
void export_extras_free(struct export_extras *x);

#endif
