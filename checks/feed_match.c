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
    sqlite3_stmt *by_cpe, *by_pkg, *by_cve, *releases;
    bool in_txn;
};

/* One row per (affected entry, range), ordered by entry, with everything the evaluation needs:
 * the advisory, its CVE, its KEV date, the entry's exact versions (joined with \x1f) and the
 * range (NULL columns for an entry without ranges). One statement per lookup: matching many
 * products is dominated by statement executions, not by the comparisons. */
#define MATCH_COLUMNS                                                                            \
    "SELECT v.name, v.source, v.cvss3_score, v.cvss3_vector, v.cvss4_score, v.cvss4_vector,"    \
    " a.id, a.cpe_version, a.ecosystem,"                                                          \
    " (SELECT group_concat(x.version, char(31)) FROM affected_version x WHERE x.affected = a.id),"\
    " r.type, r.introduced, r.introduced_excl, r.fixed, r.last_affected,"                       \
    " v.cve, (SELECT k.date_added FROM kev k WHERE k.cve = v.cve)"                             \
    " FROM affected a JOIN advisory v ON v.id = a.advisory"                                      \
    " LEFT JOIN affected_range r ON r.affected = a.id"

enum { C_NAME, C_SOURCE, C_S3, C_V3, C_S4, C_V4, C_AFF, C_CPEVER, C_ECO, C_VERSIONS, C_TYPE,
       C_LO, C_LOEXCL, C_FIXED, C_LAST, C_CVE, C_KEV };

static const char *const matcher_sql[] = {
    MATCH_COLUMNS " WHERE a.product = ?1 AND a.vendor = ?2 AND v.withdrawn IS NULL"
                  " ORDER BY a.id",
    /* ecosystems "PREFIX" or "PREFIX:..." */
    MATCH_COLUMNS " WHERE a.package = ?1 AND (a.ecosystem = ?2 OR a.ecosystem GLOB ?3)"
                  " AND v.withdrawn IS NULL ORDER BY a.id",
    "SELECT v.cvss3_score, v.cvss3_vector, v.cvss4_score, v.cvss4_vector,"
    " (SELECT k.date_added FROM kev k WHERE k.cve = ?1)"
    " FROM advisory v WHERE (v.cve = ?1 OR v.name = ?1) AND v.withdrawn IS NULL",
    /* the releases ("Debian:12") with records for a package, and the fixes they name */
    "SELECT DISTINCT a.ecosystem, r.fixed FROM affected a JOIN advisory v ON v.id = a.advisory"
    " JOIN affected_range r ON r.affected = a.id WHERE a.package = ?1 AND a.ecosystem GLOB ?2"
    " AND r.fixed IS NOT NULL AND v.withdrawn IS NULL",
};

int feed_matcher_new(struct feed_db *db, struct feed_matcher **out, struct rm_err *e)
{
    struct feed_matcher *m = calloc(1, sizeof *m);
    if (!m)
        return rm_errf(e, "feed: out of memory");
    m->db = db->db;
    /* One read transaction for the matcher's life: without it every lookup takes and drops
     * the file lock and looks for a hot journal (two system calls each). An import waits
     * for it (busy timeout) and then sees nothing half-done either way. */
    if (sqlite3_exec(m->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rm_errf(e, "feed: %s", sqlite3_errmsg(m->db));
        free(m);
        return -1;
    }
    m->in_txn = true;
    sqlite3_stmt **dst[] = {&m->by_cpe, &m->by_pkg, &m->by_cve, &m->releases};
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
    sqlite3_finalize(m->by_cpe);
    sqlite3_finalize(m->by_pkg);
    sqlite3_finalize(m->by_cve);
    sqlite3_finalize(m->releases);
    if (m->in_txn)
        sqlite3_exec(m->db, "COMMIT", NULL, NULL, NULL);
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
    /* A bound written as a release takes its portable releases along ("through 9.8" takes
     * OpenSSH 9.8p1, "after 9.8" does not); a fix in 9.8 is still a fix for 9.8p1. */
    bool up = sch == VERCMP_UPSTREAM;
    if (lo) {
        int c = vercmp(sch, v, lo);
        if (c < 0 || (c == 0 && lo_excl) || (lo_excl && up && upstream_portable_of(v, lo)))
            return 0;
    }
    if (fixed && vercmp(sch, v, fixed) >= 0)
        return 0;
    if (last && vercmp(sch, v, last) > 0 && !(up && upstream_portable_of(v, last)))
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

/* One affected entry being evaluated: the advisory's fields copied out of the row (SQLite's
 * column pointers do not outlive the next step) and the verdict so far. */
struct entry {
    int64_t aff;
    int state;       /* 1 affected, 0 not (yet), -1 done: affected, later ranges skipped */
    bool listed;     /* affected as one of the entry's listed versions */
    bool unfixed;
    char fixed[256];
    char why[512];
    struct feed_hit adv; /* cve, scores, vectors, kev, ecosystem */
};

static void entry_start(struct entry *en, sqlite3_stmt *s, enum vercmp_scheme sch,
                        const char *version)
{
    memset(en, 0, sizeof *en);
    en->aff = sqlite3_column_int64(s, C_AFF);
    const char *name = col(s, C_NAME), *cve = col(s, C_CVE), *kev = col(s, C_KEV);
    snprintf(en->adv.cve, sizeof en->adv.cve, "%s", cve ? cve : name ? name : "?");
    en->adv.cvss3 = sqlite3_column_type(s, C_S3) == SQLITE_NULL ? -1 : sqlite3_column_double(s, C_S3);
    en->adv.cvss4 = sqlite3_column_type(s, C_S4) == SQLITE_NULL ? -1 : sqlite3_column_double(s, C_S4);
    snprintf(en->adv.vector3, sizeof en->adv.vector3, "%s", col(s, C_V3) ? col(s, C_V3) : "");
    snprintf(en->adv.vector4, sizeof en->adv.vector4, "%s", col(s, C_V4) ? col(s, C_V4) : "");
    snprintf(en->adv.ecosystem, sizeof en->adv.ecosystem, "%s", col(s, C_ECO) ? col(s, C_ECO) : "");
    if (kev) {
        en->adv.kev = true;
        snprintf(en->adv.kev_added, sizeof en->adv.kev_added, "%s", kev);
    }
    char where[160];
    snprintf(where, sizeof where, "%s %s", col(s, C_SOURCE) ? col(s, C_SOURCE) : "?",
             name ? name : "?");
    /* An exact version of the CPE criteria, or one of the entry's listed versions. */
    const char *cv = col(s, C_CPEVER);
    if (cv && vercmp_valid(sch, cv) && vercmp(sch, version, cv) == 0) {
        snprintf(en->why, sizeof en->why, "%s: v = %s", where, cv);
        en->state = -1;
        return;
    }
    const char *list = col(s, C_VERSIONS);
    while (list && *list) {
        const char *end = strchr(list, '\x1f');
        size_t n = end ? (size_t)(end - list) : strlen(list);
        char one[256];
        if (n < sizeof one) {
            memcpy(one, list, n);
            one[n] = '\0';
            if (vercmp_valid(sch, one) && vercmp(sch, version, one) == 0) {
                snprintf(en->why, sizeof en->why, "%s: v = %s (listed)", where, one);
                en->state = -1;
                en->listed = true;
                return;
            }
        }
        list = end ? end + 1 : NULL;
    }
    snprintf(en->why, sizeof en->why, "%s", where); /* completed by the matching range */
}

/* The range on this row, for an entry not yet known to be affected, or affected as a listed
 * version whose fix is not known yet: Debian's records list the affected versions beside the
 * range, and only the range has the fix. */
static void entry_range(struct entry *en, sqlite3_stmt *s, enum vercmp_scheme sch,
                        const char *version)
{
    const char *type = col(s, C_TYPE);
    if ((en->state != 0 && !(en->listed && !en->fixed[0])) || !type || strcmp(type, "GIT") == 0)
        return; /* decided, no range on this row, or commits: never a version match */
    enum vercmp_scheme rs = sch;
    if (strcmp(type, "SEMVER") == 0)
        rs = VERCMP_SEMVER;
    else if (strcmp(type, "ECOSYSTEM") == 0 &&
             (!en->adv.ecosystem[0] || vercmp_scheme_for_ecosystem(en->adv.ecosystem, &rs) < 0))
        return;
    const char *lo = col(s, C_LO), *fixed = col(s, C_FIXED), *last = col(s, C_LAST);
    bool lo_excl = sqlite3_column_int(s, C_LOEXCL) != 0;
    int in = in_interval(rs, version, lo, lo_excl, fixed, last);
    /* Remember the fix of the interval the version is in, or of one it has passed. */
    if (in == 1 || (!en->listed && in == 0 && fixed && vercmp(rs, version, fixed) >= 0 &&
                    (!lo || vercmp(rs, version, lo) >= 0)))
        snprintf(en->fixed, sizeof en->fixed, "%s", fixed ? fixed : "");
    if (in == 1 && !en->listed) {
        char where[160];
        snprintf(where, sizeof where, "%.150s", en->why);
        describe(en->why, sizeof en->why, where, lo, lo_excl, fixed, last);
        en->unfixed = !fixed && !last; /* open-ended: affected up to today */
        en->state = -1;
    }
}

/* Merges a finished entry into out. all: also entries the version is past (with their fix). */
static int entry_finish(const struct entry *en, enum vercmp_scheme sch, bool all,
                        struct feed_hits *out)
{
    bool affected = en->state != 0;
    if (!affected && !(all && en->fixed[0]))
        return 0;
    struct feed_hit *h = hit_for(out, en->adv.cve);
    if (!h)
        return -1;
    if (affected && !h->affected) {
        h->affected = true;
        snprintf(h->why, sizeof h->why, "%s", en->why);
    }
    if (en->fixed[0] && (!h->fixed[0] || vercmp(sch, h->fixed, en->fixed) < 0))
        snprintf(h->fixed, sizeof h->fixed, "%s", en->fixed);
    if (affected && en->unfixed)
        h->unfixed = true;
    if (en->adv.ecosystem[0] && !h->ecosystem[0])
        snprintf(h->ecosystem, sizeof h->ecosystem, "%s", en->adv.ecosystem);
    if (en->adv.cvss3 > h->cvss3) {
        h->cvss3 = en->adv.cvss3;
        snprintf(h->vector3, sizeof h->vector3, "%s", en->adv.vector3);
    }
    if (en->adv.cvss4 > h->cvss4) {
        h->cvss4 = en->adv.cvss4;
        snprintf(h->vector4, sizeof h->vector4, "%s", en->adv.vector4);
    }
    if (en->adv.kev && !h->kev) {
        h->kev = true;
        snprintf(h->kev_added, sizeof h->kev_added, "%s", en->adv.kev_added);
    }
    return 0;
}

/* Runs stmt (bound by the caller) and merges its entries into out. */
static int collect(struct feed_matcher *m, sqlite3_stmt *stmt, enum vercmp_scheme sch,
                   const char *version, bool all, struct feed_hits *out, struct rm_err *e)
{
    struct entry *en = malloc(sizeof *en);
    if (!en) {
        sqlite3_reset(stmt);
        return rm_errf(e, "feed: out of memory");
    }
    bool open = false;
    int rc, oom = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && !oom) {
        int64_t aff = sqlite3_column_int64(stmt, C_AFF);
        if (!open || aff != en->aff) {
            if (open && entry_finish(en, sch, all, out) < 0)
                oom = 1;
            entry_start(en, stmt, sch, version);
            open = true;
        }
        entry_range(en, stmt, sch, version);
    }
    if (open && !oom && rc == SQLITE_DONE && entry_finish(en, sch, all, out) < 0)
        oom = 1;
    free(en);
    sqlite3_reset(stmt);
    if (oom)
        return rm_errf(e, "feed: out of memory");
    if (rc != SQLITE_DONE)
        return rm_errf(e, "feed: %s", sqlite3_errmsg(m->db));
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

/* The upstream part of a dpkg version: no epoch, no revision ("1:9.2p1-2+deb12u3" 9.2p1). */
static void dpkg_upstream(const char *v, char *out, size_t cap)
{
    const char *colon = strchr(v, ':');
    if (colon && colon > v && strspn(v, "0123456789") == (size_t)(colon - v))
        v = colon + 1;
    const char *dash = strrchr(v, '-');
    size_t n = dash ? (size_t)(dash - v) : strlen(v);
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), v);
}

#define MAX_RELEASES 8

/* The releases of prefix ("Debian") whose records for package name a fix with the same
 * upstream version as version: the release that ships that upstream version. Each release
 * packages one upstream version (and its point updates), so a Debian 9 build is not judged
 * by Debian 12's records. */
static int releases_of(struct feed_matcher *m, const char *prefix, const char *package,
                       const char *version, char rel[][64], size_t *n, struct rm_err *e)
{
    char glob[160], want[256], got[256];
    snprintf(glob, sizeof glob, "%s:*", prefix);
    dpkg_upstream(version, want, sizeof want);
    sqlite3_bind_text(m->releases, 1, package, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(m->releases, 2, glob, -1, SQLITE_TRANSIENT);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(m->releases)) == SQLITE_ROW) {
        const char *eco = col(m->releases, 0), *fixed = col(m->releases, 1);
        if (!eco || !fixed || strlen(eco) >= 64)
            continue;
        dpkg_upstream(fixed, got, sizeof got);
        if (strcmp(got, want) != 0)
            continue;
        bool seen = false;
        for (size_t i = 0; i < *n; i++)
            seen |= strcmp(rel[i], eco) == 0;
        if (!seen && *n < MAX_RELEASES)
            snprintf(rel[(*n)++], 64, "%s", eco);
    }
    sqlite3_reset(m->releases);
    if (rc != SQLITE_DONE)
        return rm_errf(e, "feed: %s", sqlite3_errmsg(m->db));
    return 0;
}

int feed_match_package(struct feed_matcher *m, const char *ecosystem, const char *package,
                       const char *version, struct feed_hits *out, struct rm_err *e)
{
    enum vercmp_scheme sch;
    if (vercmp_scheme_for_ecosystem(ecosystem, &sch) < 0 || !vercmp_valid(sch, version))
        return 0;
    /* "Debian:12" is that release's records. "Debian" is the records without a release, and
     * those of the releases releases_of() names. ?3 is a GLOB: "" matches no ecosystem. */
    sqlite3_bind_text(m->by_pkg, 1, package, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(m->by_pkg, 2, ecosystem, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(m->by_pkg, 3, strchr(ecosystem, ':') ? ecosystem : "", -1, SQLITE_TRANSIENT);
    if (collect(m, m->by_pkg, sch, version, true, out, e) < 0)
        return -1;
    if (strchr(ecosystem, ':'))
        return 0;
    char rel[MAX_RELEASES][64];
    size_t n;
    if (releases_of(m, ecosystem, package, version, rel, &n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(m->by_pkg, 1, package, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(m->by_pkg, 2, rel[i], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(m->by_pkg, 3, rel[i], -1, SQLITE_TRANSIENT);
        if (collect(m, m->by_pkg, sch, version, true, out, e) < 0)
            return -1;
    }
    return 0;
}

int feed_cve_scores(struct feed_matcher *m, struct feed_hit *h, struct rm_err *e)
{
    sqlite3_stmt *s = m->by_cve;
    sqlite3_bind_text(s, 1, h->cve, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_type(s, 0) != SQLITE_NULL && sqlite3_column_double(s, 0) > h->cvss3) {
            h->cvss3 = sqlite3_column_double(s, 0);
            snprintf(h->vector3, sizeof h->vector3, "%s", col(s, 1) ? col(s, 1) : "");
        }
        if (sqlite3_column_type(s, 2) != SQLITE_NULL && sqlite3_column_double(s, 2) > h->cvss4) {
            h->cvss4 = sqlite3_column_double(s, 2);
            snprintf(h->vector4, sizeof h->vector4, "%s", col(s, 3) ? col(s, 3) : "");
        }
        if (col(s, 4) && !h->kev) {
            h->kev = true;
            snprintf(h->kev_added, sizeof h->kev_added, "%s", col(s, 4));
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return rm_errf(e, "feed: %s", sqlite3_errmsg(m->db));
    return 0;
}
