/* What a client profile says about a scan (`riskmap scan --client PROFILE`), merged under the
 * command line, and the policies the findings are evaluated against at the end of a scan.
 *
 * The profile gives the scope (every site's targets, unless targets were given) and always its
 * exclusions (the command line can only add to them), its backup sources (added to --backup),
 * its package inventories (added to --inventory),
 * the policies (unless --policy), the CA bundle and certificate horizon for the tls check, and
 * the data directory (SCAN_CLIENT_DATA_ROOT/CLIENT-ID unless --data-dir or -o;
 * $RISKMAP_DATA_ROOT replaces SCAN_CLIENT_DATA_ROOT).
 *
 * Ownership: a struct scan_client owns the policy set, the strings it lent to the options
 * (which must not outlive it) and the evaluation; scan_client_free() releases them.
 */
#ifndef RISKMAP_SCAN_CLIENT_H
#define RISKMAP_SCAN_CLIENT_H

#include <limits.h>
#include <stdbool.h>

#include "policies/eval.h"
#include "policies/policy_set.h"
#include "scanner/err.h"
#include "scanner/model.h"
#include "scanner/options.h"

#define SCAN_CLIENT_DATA_ROOT "/var/lib/riskmap"

struct scan_client {
    struct policy_set ps;      /* empty with --no-evaluate and no profile */
    char **specs;              /* backup specs made from the profile, lent to o->backups */
    size_t n_specs;
    char **inv_specs;          /* inventory specs made from the profile, lent to o->inventories */
    size_t n_inv_specs;
    const char **critical;     /* critical asset groups no backup source names (by group id or
                                * a member): each a backup.missing; borrowed from the profile */
    size_t n_critical;
    char data_dir[PATH_MAX];   /* the default data directory, lent to o->data_dir */
    char *ca_pem;              /* the profile's CA bundle (its path absolute or relative to
                                * the profile), read at load time */
    int expiry_days;           /* for the tls check; 0 = its default */
    bool evaluate;             /* not --no-evaluate */
};

/* Loads o->client (when given) and the policies, and fills what the profile says into o where
 * the command line left it open. d collects "file:line: message" diagnostics of the XML files.
 * 0, or -1 with e set (a usage problem: the caller exits with EXIT_USAGE). */
int scan_client_apply(struct scan_opts *o, struct scan_client *c, struct diags *d,
                      struct rm_err *e);

/* What `riskmap tls --client PROFILE` takes from a profile: its CA bundle (*ca_pem, a new
 * string owned by the caller, NULL when the profile names none) and the expiry horizon of its
 * cert-days thresholds (*expiry_days, 0 when none). Load problems go to d. 0 or -1 with e set. */
int scan_client_tls(const char *profile_file, char **ca_pem, int *expiry_days, struct diags *d,
                    struct rm_err *e);

/* Evaluates r against the loaded policies and stores the policy results in r->evaluation.
 * *out (may be NULL) receives the evaluation for a caller that reports it (owned by the
 * caller, borrowing c's policies and r). 0 when evaluated or nothing to do, -1 with e set. */
int scan_client_evaluate(const struct scan_client *c, struct scan_result *r,
                         struct evaluation **out, struct rm_err *e);

/* Records r in the risk register of data_dir (DIR/register.db): the scan, evaluated with c's
 * policies (ev when the caller has the evaluation, else evaluated here), scored and applied.
 * line (cap bytes) gets the register's one-line summary. 0, nothing to do (not evaluated),
 * or -1 with e set: the register is then as it was. */
int scan_client_record(const struct scan_client *c, const char *data_dir,
                       const struct scan_result *r, const struct evaluation *ev, char *line,
                       size_t cap, struct rm_err *e);

/* The same as root's after-commit step (scanner/privs.h), from the committed scan.json. */
struct scan_client_after {
    const struct scan_client *client;
    const char *data_dir;
};
void scan_client_record_after(const char *path, void *arg, char *msg, size_t cap);

void scan_client_free(struct scan_client *c);

#endif
