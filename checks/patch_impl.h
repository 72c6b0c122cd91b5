/* Shared by the patch check's files (checks/patch.c, checks/patch_inventory.c). Not for
 * other rooms. */
#ifndef RISKMAP_PATCH_IMPL_H
#define RISKMAP_PATCH_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "hotfix_lcu.h"
#include "patch_inventory.h"

#define PATCH_MAX_LIST 4096 /* bytes of a list fact (CVE ids); longer lists end with "..." */

/* Indexes into patch_kinds. */
enum { K_CVE, K_FEED, K_FEED_MISSING, K_FEED_STALE, K_EOL, K_EOL_SOON, K_INVENTORY, K_HOTFIX };

extern const struct check check_patch;
extern const struct finding_kind patch_kinds[];

/* A CVSS base score's severity (no score: medium). */
enum severity patch_severity_of(double cvss);
/* Appends s to a comma list in buf (bounded; the list ends with ",..." when cut). */
void patch_list_add(char *buf, size_t n, const char *s);
/* What many CVEs of one finding add up to: the worst score and its vector, whether any is
 * known exploited (KEV) and since when. */
struct patch_rollup {
    double max;          /* -1 until a hit with a score */
    const char *vector;  /* of the worst score, borrowed from its hit; NULL when none */
    bool kev;
    char kev_first[16];  /* the earliest KEV dateAdded */
};
struct feed_hit;
/* Adds hit h: its CVE id to the cves list, and to kevs when exploited. Returns its score
 * (CVSS v3, else v4; negative when it has none). */
double patch_rollup_add(struct patch_rollup *r, const struct feed_hit *h, char *cves, char *kevs);
/* The finding's severity: from the worst score, at least high when any CVE is exploited. */
enum severity patch_rollup_severity(const struct patch_rollup *r);
/* Orders feed hits worst first (score, then CVE id); qsort-style. */
int patch_cmp_hit(const void *a, const void *b);

/* The inventories' findings (checks/patch_inventory.c); each 0 or -1 with e set (ENOMEM).
 * One patch.cve (port 0, confirmed) for source package j of ih; the feed's newest record and
 * age go into its facts. */
int patch_emit_inventory_cves(struct check_ctx *ctx, const char *feed_newest,
                              long long feed_age_days, const struct host *host,
                              const struct inv_host *ih, const struct inv_judged *j,
                              struct rm_err *e);
/* The patch.inventory record of ih; hv for a hotfix list, else NULL. */
int patch_emit_inventory_info(struct check_ctx *ctx, bool have_feed, const struct host *host,
                              const struct inv_host *ih, const struct hotfix_verdict *hv,
                              struct rm_err *e);
/* patch.hotfix.missing for a verdict HOTFIX_MISSING. */
int patch_emit_hotfix(struct check_ctx *ctx, const struct host *host, const struct inv_host *ih,
                      const struct hotfix_verdict *hv, struct rm_err *e);

#endif
