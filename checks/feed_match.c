/* Matching a product version against the feed: which advisories' ranges include it.
 *
 * Upstream products are looked up by CPE vendor:product in NVD-style entries (and OSV entries
 * whose package is named like the product) and compared with the upstream comparator; distro
 * packages are looked up by OSV ecosystem and package name and compared with the ecosystem's
 * own comparator (dpkg for Debian and Ubuntu). A range whose bounds the comparator cannot read
 * is skipped, never guessed, and GIT ranges (commits) never match a version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed_impl.h"
#include "feed_match.h"
#include "vercmp.h"

struct feed_matcher {
    sqlite3 *db;
    sqlite3_stmt *by_cpe, *by_pkg, *versions, *ranges, *cve_alias, *kev;
};

static const char *const matcher_sql[] = {
    /* 0: entries for a CPE vendor:product */
    "SELECT v.id, v.name, v.source, v.cvss3_score, v.cvss3_vector, v.cvss4_score,"
    " v.cvss4_vector, a.id, a.cpe_version, NULL FROM affected a"
    " JOIN advisory v ON v.id = a.advisory"
    " WHERE a.product = ?1 AND a.vendor = ?2 AND v.withdrawn IS NULL",
    /* 1: entries for an OSV package in ecosystems "PREFIX" or "PREFIX:..." */
    "SELECT v.id, v.name, v.source, v.cvss3_score, v.cvss3_vector, v.cvss4_score,"
    " v.cvss4_vector, a.id, NULL, a.ecosystem FROM affected a"
    " JOIN advisory v ON v.id = a.advisory"
    " WHERE a.package = ?1 AND (a.ecosystem = ?2 OR a.ecosystem GLOB ?3)"
    " AND v.withdrawn IS NULL",
    "SELECT version FROM affected_version WHERE affected = ?1",
    "SELECT type, introduced, introduced_excl, fixed, last_affected FROM affected_range"
    " WHERE affected = ?1",
    "SELECT name FROM alias WHERE advisory = ?1 AND name GLOB 'CVE-*' ORDER BY name LIMIT 1",
    "SELECT date_added FROM kev WHERE cve = ?1",
};

int feed_matcher_new(struct feed_db *db, struct feed_matcher **out, struct rm_err *e)
{
    struct feed_matcher *m = calloc(1, sizeof *m);
    if (!m)
        return rm_errf(e, "feed: out of memory");
    m->db = db->db;
    sqlite3_stmt **dst[] = {&m->by_cpe, &m->by_pkg, &m->versions, &m->ranges, &m->cve_alias,
                            &m->kev};
    for (size_t i = 0; i < sizeof dst / sizeof dst[0]; i++)
        if (sqlite3_prepare_v2(m->db, matcher_sql[i], -1, dst[i], NULL) != SQLITE_OK) {
            rm_errf(e, "feed: %s", sqlite3_errmsg(m->db));
            feed_matcher_free(m);
            return -1;
        }
    *out = m;
    return 0;
}

void feed_matcher_free(struct feed_matcher *m)
{
    if (!m)
        return;
    sqlite3_stmt *all[] = {m->by_cpe, m->by_pkg, m->versions, m->ranges, m->cve_alias, m->kev};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    free(m);
}

void feed_hits_free(struct feed_hits *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

static const char *col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : NULL;
}

/* Is v inside one interval? 1 yes, 0 no, -1 undecidable (a bound the scheme cannot read). */
static int in_interval(enum vercmp_scheme sch, const char *v, const char *lo, bool lo_excl,
                       const char *fixed, const char *last)
{
    if ((lo && !vercmp_valid(sch, lo)) || (fixed && !vercmp_valid(sch, fixed)) ||
        (last && !vercmp_valid(sch, last)))
        return -1;
    if (lo) {
        int c = vercmp(sch, v, lo);
        if (c < 0 || (c == 0 && lo_excl))
            return 0;
    }
    if (fixed && vercmp(sch, v, fixed) >= 0)
        return 0;
    if (last && vercmp(sch, v, last) > 0)
        return 0;
    return 1;
}

/* Fills why with a readable statement of what matched. */
static void describe(char *why, size_t n, const char *where, const char *lo, bool lo_excl,
                     const char *fixed, const char *last)
{
    char l[300] = "", h[300] = "";
    if (lo)
        snprintf(l, sizeof l, "%s %s ", lo, lo_excl ? "<" : "<=");
    if (fixed)
        snprintf(h, sizeof h, " < %s", fixed);
    else if (last)
        snprintf(h, sizeof h, " <= %s", last);
    else
        snprintf(h, sizeof h, "%s", lo ? "" : " (all versions)");
    snprintf(why, n, "%.150s: %.170sv%.170s", where, l, h);
}

/* Evaluates one affected entry against version; fills the hit's match fields. Returns 1 when
 * the version is affected, 0 when not (hit->fixed may still name the fix), -1 on a database
 * error. */
static int eval_entry(struct feed_matcher *m, int64_t aff, const char *cpe_version,
                      const char *ecosystem, enum vercmp_scheme sch, const char *version,
                      const char *where, struct feed_hit *hit)
{
    if (cpe_version && vercmp_valid(sch, cpe_version) && vercmp(sch, version, cpe_version) == 0) {
        snprintf(hit->why, sizeof hit->why, "%s: v = %s", where, cpe_version);
        return 1;
    }
    int affected = 0;
    sqlite3_bind_int64(m->versions, 1, aff);
    int rc;
    while ((rc = sqlite3_step(m->versions)) == SQLITE_ROW) {
        const char *x = col(m->versions, 0);
        if (x && vercmp_valid(sch, x) && vercmp(sch, version, x) == 0) {
            snprintf(hit->why, sizeof hit->why, "%s: v = %s (listed)", where, x);
            affected = 1;
            break;
        }
    }
    sqlite3_reset(m->versions);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    if (affected)
        return 1;
    sqlite3_bind_int64(m->ranges, 1, aff);
    while ((rc = sqlite3_step(m->ranges)) == SQLITE_ROW) {
        const char *type = col(m->ranges, 0), *lo = col(m->ranges, 1);
        bool lo_excl = sqlite3_column_int(m->ranges, 2) != 0;
        const char *fixed = col(m->ranges, 3), *last = col(m->ranges, 4);
        enum vercmp_scheme rs = sch;
        if (type && strcmp(type, "GIT") == 0)
            continue;
        if (type && strcmp(type, "SEMVER") == 0)
            rs = VERCMP_SEMVER;
        else if (type && strcmp(type, "ECOSYSTEM") == 0 &&
                 (!ecosystem || vercmp_scheme_for_ecosystem(ecosystem, &rs) < 0))
            continue;
        int in = in_interval(rs, version, lo, lo_excl, fixed, last);
        /* Remember the fix of the interval the version is in, or of one it has passed. */
        if (in == 1 || (in == 0 && fixed && vercmp(rs, version, fixed) >= 0 &&
                        (!lo || vercmp(rs, version, lo) >= 0)))
            snprintf(hit->fixed, sizeof hit->fixed, "%s", fixed ? fixed : "");
        if (in == 1) {
            describe(hit->why, sizeof hit->why, where, lo, lo_excl, fixed, last);
            hit->unfixed = !fixed && !last; /* open-ended: affected up to today */
            affected = 1;
            break;
        }
    }
    sqlite3_reset(m->ranges);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    return affected;
}

/* The CVE an advisory is about: its own name when it is one, else its first CVE alias. */
static int cve_of(struct feed_matcher *m, int64_t adv, const char *name, char *out, size_t n)
{
    if (strncmp(name, "CVE-", 4) == 0) {
        snprintf(out, n, "%s", name);
        return 0;
    }
    snprintf(out, n, "%s", name);
    sqlite3_bind_int64(m->cve_alias, 1, adv);
    int rc = sqlite3_step(m->cve_alias);
    if (rc == SQLITE_ROW && col(m->cve_alias, 0))
        snprintf(out, n, "%s", col(m->cve_alias, 0));
    sqlite3_reset(m->cve_alias);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static struct feed_hit *hit_for(struct feed_hits *h, const char *cve)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->v[i].cve, cve) == 0)
            return &h->v[i];
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        struct feed_hit *v = realloc(h->v, cap * sizeof *v);
        if (!v)
            return NULL;
        h->v = v;
        h->cap = cap;
    }
    struct feed_hit *x = &h->v[h->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->cve, sizeof x->cve, "%s", cve);
    x->cvss3 = x->cvss4 = -1;
    return x;
}

/* Runs stmt (bound by the caller) and merges its entries into out. all: also entries that do
 * not include the version (with affected = false), so that a distro's fix can be reported. */
static int collect(struct feed_matcher *m, sqlite3_stmt *stmt, enum vercmp_scheme sch,
                   const char *version, bool all, struct feed_hits *out, struct rm_err *e)
{
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t adv = sqlite3_column_int64(stmt, 0);
        const char *name = col(stmt, 1), *source = col(stmt, 2);
        int64_t aff = sqlite3_column_int64(stmt, 7);
        const char *cpe_version = col(stmt, 8), *eco = col(stmt, 9);
        struct feed_hit probe;
        memset(&probe, 0, sizeof probe);
        char where[160];
        snprintf(where, sizeof where, "%s %s", source ? source : "?", name ? name : "?");
        int in = eval_entry(m, aff, cpe_version, eco, sch, version, where, &probe);
        if (in < 0)
            break;
        if (in == 0 && !(all && probe.fixed[0]))
            continue;
        char cve[FEED_MAX_ID + 1];
        if (cve_of(m, adv, name ? name : "?", cve, sizeof cve) < 0) {
            rc = SQLITE_ERROR;
            break;
        }
        struct feed_hit *h = hit_for(out, cve);
        if (!h) {
            sqlite3_reset(stmt);
            return rm_errf(e, "feed: out of memory");
        }
        if (in == 1 && !h->affected) {
            h->affected = true;
            snprintf(h->why, sizeof h->why, "%s", probe.why);
        }
        if (probe.fixed[0] && (!h->fixed[0] || vercmp(sch, h->fixed, probe.fixed) < 0))
            snprintf(h->fixed, sizeof h->fixed, "%s", probe.fixed);
        if (in == 1 && probe.unfixed)
            h->unfixed = true;
        if (eco && !h->ecosystem[0])
            snprintf(h->ecosystem, sizeof h->ecosystem, "%s", eco);
        double s3 = sqlite3_column_type(stmt, 3) == SQLITE_NULL ? -1 : sqlite3_column_double(stmt, 3);
        double s4 = sqlite3_column_type(stmt, 5) == SQLITE_NULL ? -1 : sqlite3_column_double(stmt, 5);
        if (s3 > h->cvss3) {
            h->cvss3 = s3;
            snprintf(h->vector3, sizeof h->vector3, "%s", col(stmt, 4) ? col(stmt, 4) : "");
        }
        if (s4 > h->cvss4) {
            h->cvss4 = s4;
            snprintf(h->vector4, sizeof h->vector4, "%s", col(stmt, 6) ? col(stmt, 6) : "");
        }
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return rm_errf(e, "feed: %s", sqlite3_errmsg(m->db));
    /* KEV flags, once per CVE. */
    for (size_t i = 0; i < out->n; i++) {
        struct feed_hit *h = &out->v[i];
        sqlite3_bind_text(m->kev, 1, h->cve, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(m->kev) == SQLITE_ROW && col(m->kev, 0)) {
            h->kev = true;
            snprintf(h->kev_added, sizeof h->kev_added, "%s", col(m->kev, 0));
        }
        sqlite3_reset(m->kev);
    }
    return 0;
}

int feed_match_cpe(struct feed_matcher *m, const char *vendor, const char *product,
                   const char *version, struct feed_hits *out, struct rm_err *e)
{
    if (!upstream_valid(version))
        return 0;
    sqlite3_bind_text(m->by_cpe, 1, product, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(m->by_cpe, 2, vendor, -1, SQLITE_TRANSIENT);
    return collect(m, m->by_cpe, VERCMP_UPSTREAM, version, false, out, e);
}

int feed_match_package(struct feed_matcher *m, const char *ecosystem, const char *package,
                       const char *version, struct feed_hits *out, struct rm_err *e)
{
    enum vercmp_scheme sch;
    if (vercmp_scheme_for_ecosystem(ecosystem, &sch) < 0 || !vercmp_valid(sch, version))
        return 0;
    char glob[160];
    /* "Debian" matches every Debian release; "Debian:12" that release only. */
    snprintf(glob, sizeof glob, "%s:*", ecosystem);
    sqlite3_bind_text(m->by_pkg, 1, package, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(m->by_pkg, 2, ecosystem, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(m->by_pkg, 3, strchr(ecosystem, ':') ? ecosystem : glob, -1,
                      SQLITE_TRANSIENT);
    return collect(m, m->by_pkg, sch, version, true, out, e);
}
