/* Runs the registered check modules over a finished port scan. */
#ifndef RISKMAP_CHECKRUN_H
#define RISKMAP_CHECKRUN_H

#include <stdatomic.h>

#include "checks/check.h"
#include "scanner/err.h"
#include "scanner/model.h"

/* Called after each finding is appended (for streaming), with its position in the result's
 * findings (the document's id is F<index + 1>); may be NULL. */
typedef void (*finding_cb)(const struct finding *f, size_t index, void *arg);

struct checkrun_opts {
    const char *only;      /* comma-separated check ids to run, NULL = all */
    double timeout_ms;
    atomic_int *cancel;
    bool intrusive;                /* --intrusive: let checks that change target state run */
    bool tls_quick;                /* --tls quick */
    const uint16_t *allowed_ports; /* --allowed-ports, borrowed; NULL = no allow-list */
    size_t n_allowed_ports;
    const struct backup_config *backup; /* borrowed; NULL = no backup sources */
    const struct inventory_set *inventories; /* borrowed; NULL = no package inventories */
    const char *tls_ca_pem;        /* borrowed PEM text; NULL = the system CA store only */
    int tls_expiry_days;           /* 0 = the tls module's default */
    finding_cb on_finding;
    void *cb_arg;
};

/* Runs the selected checks over r. A check that fails is reported in e (first failure) but
 * the others still run; returns 0 when all ran, -1 otherwise. */
int checkrun(struct scan_result *r, const struct checkrun_opts *o, struct rm_err *e);

/* Does the --checks list only (NULL: all) select the check with this id? */
bool checkrun_selected(const char *only, const char *id);

/* Validates a --checks list against the registry. */
int checkrun_validate(const char *only, struct rm_err *e);

#endif
