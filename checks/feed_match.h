/* Which advisories in the feed include a given version (checks/feed_match.c).
 *
 * A matcher holds prepared statements on an open feed; results accumulate in a caller-owned
 * struct feed_hits, one entry per CVE (an OSV record about a CVE counts as that CVE), released
 * with feed_hits_free().
 */
#ifndef RISKMAP_FEED_MATCH_H
#define RISKMAP_FEED_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "feed.h"

struct feed_matcher;

struct feed_hit {
    char cve[129];          /* "CVE-2024-6387", or the advisory's own id when it has no CVE */
    bool affected;          /* the version is inside a range (or listed) */
    bool unfixed;           /* ... in an open-ended range (no fix, no last affected version) */
    char fixed[256];        /* the highest fix among the matching ranges, "" when none known;
                             * with feed_match_package also the fix of a record the version
                             * has passed (affected = false) */
    char ecosystem[64];     /* the OSV ecosystem of a package match ("Debian:12"), or "" */
    double cvss3, cvss4;    /* the highest base scores seen, -1 when none */
    char vector3[257], vector4[257];
    bool kev;               /* in the CISA KEV catalog */
    char kev_added[16];
    char why[512];          /* the range that matched, for evidence: "nvd CVE-...: 8.5p1 <= v < 9.8p1" */
};

struct feed_hits {
    struct feed_hit *v;
    size_t n, cap;
};

int feed_matcher_new(struct feed_db *db, struct feed_matcher **out, struct rm_err *e);
void feed_matcher_free(struct feed_matcher *m);
void feed_hits_free(struct feed_hits *h);

/* Advisories whose CPE entries for vendor:product include version (an upstream product
 * version: "9.2p1", "2.4.49"); merged into out. A version the upstream comparator cannot read
 * matches nothing. 0 or -1. */
int feed_match_cpe(struct feed_matcher *m, const char *vendor, const char *product,
                   const char *version, struct feed_hits *out, struct rm_err *e);

/* OSV records for package in ecosystem with version in that ecosystem's scheme
 * ("1:9.2p1-2+deb12u3"). "Debian:12" is that release; "Debian" (a build that names no
 * release) is the release whose records name a fix of the same upstream version (9.2p1:
 * Debian 12's openssh), or none. Adds records that include the version (affected) and
 * records whose fix it has passed (affected = false, fixed set). */
int feed_match_package(struct feed_matcher *m, const char *ecosystem, const char *package,
                       const char *version, struct feed_hits *out, struct rm_err *e);

/* Completes h (by h->cve) with the highest CVSS scores and the KEV date any record in the feed
 * gives that CVE: a distribution's record usually carries no score, NVD's does. 0 or -1. */
int feed_cve_scores(struct feed_matcher *m, struct feed_hit *h, struct rm_err *e);

#endif
