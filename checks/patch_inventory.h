/* The patch check's view of a host's package inventories (checks/inventory.h): each source
 * package judged against the feed's records for the inventory's ecosystem. Used by
 * checks/patch.c only.
 *
 * Ownership: struct inv_host owns its judged packages and their hits and borrows the
 * inventory; inv_host_free() releases what it owns. */
#ifndef RISKMAP_PATCH_INVENTORY_H
#define RISKMAP_PATCH_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "feed_match.h"
#include "inventory.h"

/* One source package of an inventory and what the feed says about its installed version. */
struct inv_judged {
    char source[128];      /* Debian source package ("openssh"), or the RPM package name */
    char version[256];     /* the installed version compared: the source's version, the
                            * oldest when its binaries differ (an upgrade half done) */
    char binaries[512];    /* the installed packages that carry it: "openssh-client,openssh-server" */
    struct feed_hits hits; /* records that include the version (affected) or that it passed */
    size_t n_affected;
    bool consumed;         /* a service's banner finding on the host reported it */
};

struct inv_host {
    const struct inventory *inv; /* borrowed */
    const char *ecosystem;       /* the OSV ecosystem matched against ("Debian:12"), or NULL
                                  * when none could be decided (nothing was matched) */
    struct inv_judged *v;
    size_t n;
    char *banner_fixed;          /* "22/tcp openssh: CVE-... (Debian:12 1:9.2p1-2+deb12u3),..."
                                  * banner matches the inventory shows fixed; "" when none */
};

/* The Debian source package of a binary package riskmap's products ship in, for inventories
 * that do not name sources (plain `dpkg-query -W`); the binary's own name otherwise. */
const char *inv_debian_source_of(const char *binary);

/* Judges every package of inv against the feed (m may be NULL: nothing is matched, the
 * packages are still counted). 0 or -1 with e set. */
int inv_judge(struct feed_matcher *m, const struct inventory *inv, struct inv_host *out,
              struct rm_err *e);
/* The judged source package named source, or NULL. */
struct inv_judged *inv_judged_find(struct inv_host *h, const char *source);
void inv_host_free(struct inv_host *h);

#endif
