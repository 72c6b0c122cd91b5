/* What the previous scan of a client found, to tell what is new: the fingerprints of its
 * findings (checks/finding.h: stable from scan to scan). */
#ifndef RISKMAP_HISTORY_H
#define RISKMAP_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "scanner/err.h"
#include "scanner/model.h"

struct history {
    bool have;     /* a previous scan was read */
    char *scan_id; /* its id */
    char **fps;    /* its findings' fingerprints, sorted */
    size_t n;
};

/* Reads the scan result at path. 0 (h->have set), or -1 with e set (h stays empty). */
int history_load(struct history *h, const char *path, struct rm_err *e);
/* Findings of r whose fingerprint the previous scan did not have. */
size_t history_count_new(const struct history *h, const struct scan_result *r);
void history_free(struct history *h);

#endif
