/* What changed between two scans of a client, by finding fingerprint (stable from scan to
 * scan): findings new in B, findings of A that B did not find (resolved, when B is complete),
 * and findings in both whose severity changed. Pure: two scan results in, a diff out. */
#ifndef RISKMAP_SCAN_DIFF_H
#define RISKMAP_SCAN_DIFF_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "scanner/err.h"
#include "scanner/model.h"

/* a: the finding in scan A (NULL for a new one); b: in scan B (NULL for a resolved one).
 * Both borrowed from the scans, which must outlive the diff. */
struct diff_item {
    const struct finding *a, *b;
};

struct scan_diff {
    struct diff_item *added, *resolved, *changed; /* each sorted by severity (B's, else A's),
                                                   * highest first, then kind, address, port */
    size_t n_added, n_resolved, n_changed;
    size_t n_unchanged;
};

/* Diffs scan a (older) against scan b (newer) into out (zeroed). A fingerprint found twice in
 * one scan counts once (its first finding). 0, or -1 (out of memory) with e set. */
int scan_diff(const struct scan_result *a, const struct scan_result *b, struct scan_diff *out,
              struct rm_err *e);
void scan_diff_free(struct scan_diff *d);

/* The diff as JSON ("riskmap-scan-diff", version 1) with both scans' ids, dates and
 * completeness. New tree owned by the caller; NULL on allocation failure. */
cJSON *scan_diff_json(const struct scan_diff *d, const struct scan_result *a,
                      const struct scan_result *b);

#endif
