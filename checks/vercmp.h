/* Version comparison, one scheme per ecosystem.
 *
 * Every vercmp_* function is a total order on arbitrary NUL-terminated strings and returns
 * -1, 0 or 1: reflexive, antisymmetric (cmp(a,b) == -cmp(b,a)) and, except for rpm (whose
 * rpmvercmp is reproduced as it is, oddities included), transitive. A string the
 * scheme cannot read as a version ("not a version") sorts before every version, and such
 * strings sort among themselves byte by byte, so a sort never crashes or loops; callers that
 * must not guess (range matching) ask the *_valid / *_parse functions first.
 *
 *   dpkg      Debian policy 5.6.12: [epoch:]upstream[-revision], each part compared with
 *             dpkg's verrevcmp (letters before non-letters, '~' before everything, even the
 *             end of the string).
 *   rpm       rpmvercmp: alternating digit and letter segments, separators ignored, '~' sorts
 *             before everything, '^' after the end of the string but before anything else;
 *             vercmp_rpm_evr() adds [epoch:]version[-release].
 *   semver    SemVer 2.0.0 precedence: MAJOR.MINOR.PATCH numerically, a pre-release below its
 *             release, pre-release identifiers field by field (numeric < alphanumeric,
 *             numeric by value, alphanumeric in ASCII order, more fields win), build metadata
 *             ignored.
 *   upstream  what product banners print: numbers compared by value, missing trailing
 *             numbers are zero ("16" == "16.0"), the pre-release words dev (devel, snapshot)
 *             < alpha < beta < pre (preview) < rc before the release ("1.3.5rc1" < "1.3.5"),
 *             and any other letters after it: OpenSSH "7.4" < "7.4p1" < "7.4p2" < "7.5", OpenSSL "1.0.2" < "1.0.2k" <
 *             "1.0.2l" < "1.0.2za" < "1.1.0", ProFTPD "1.3.5" < "1.3.5a".
 */
#ifndef RISKMAP_VERCMP_H
#define RISKMAP_VERCMP_H

#include <stdbool.h>

#include "scanner/err.h"

enum vercmp_scheme {
    VERCMP_UPSTREAM = 0,
    VERCMP_DPKG,
    VERCMP_RPM,
    VERCMP_SEMVER,
};

/* "upstream", "dpkg", "rpm", "semver". */
const char *vercmp_scheme_name(enum vercmp_scheme s);
/* The scheme an OSV ecosystem's versions follow ("Debian:12" -> dpkg, "Red Hat" -> rpm,
 * "npm" -> semver); 0, or -1 when riskmap cannot order that ecosystem's versions. */
int vercmp_scheme_for_ecosystem(const char *ecosystem, enum vercmp_scheme *out);

/* Dispatches to the scheme's comparator. */
int vercmp(enum vercmp_scheme s, const char *a, const char *b);
/* Whether s is a version in that scheme (it would not sort among "not a version"). */
bool vercmp_valid(enum vercmp_scheme s, const char *v);

/* ---- dpkg --------------------------------------------------------------------------------- */

/* A parsed Debian version. Pointers borrow from the caller's buffer (see dpkg_version_parse). */
struct dpkg_version {
    unsigned long epoch;
    const char *upstream; /* NUL-terminated inside buf */
    const char *revision; /* "" when the version has none */
    char buf[256];        /* a copy of the version, split in place */
};

/* Parses s the way dpkg does: surrounding blanks ignored, epoch all digits and below 2^31,
 * upstream non-empty. Returns 0; 1 when dpkg would only warn (upstream not starting with a
 * digit, a character outside policy) and the version still compares; -1 on an error (empty,
 * embedded blank, bad epoch, empty upstream, longer than the buffer), with e set in both
 * non-zero cases. */
int dpkg_version_parse(const char *s, struct dpkg_version *v, struct rm_err *e);
/* verrevcmp on one part (upstream or revision): <0, 0, >0. Exposed for the tests. */
int dpkg_verrevcmp(const char *a, const char *b);
int vercmp_dpkg(const char *a, const char *b);

/* ---- rpm ---------------------------------------------------------------------------------- */

/* rpmvercmp on one version or release string. */
int vercmp_rpm(const char *a, const char *b);
/* [epoch:]version[-release]: epoch numerically (missing = 0), then version, then release;
 * a missing release sorts before any release (rpm's dependency rule, "compare the release
 * only when both have one", is not an order: 1.0 = 1.0-1 and 1.0 = 1.0-2 but 1.0-1 < 1.0-2).
 * An epoch that is not all digits makes the string "not a version". */
int vercmp_rpm_evr(const char *a, const char *b);
/* rpm orders any string: "not a version" is only an empty one or a non-numeric epoch. */
bool rpm_evr_valid(const char *s);

/* ---- semver ------------------------------------------------------------------------------- */

/* Strict SemVer 2.0.0 (no leading 'v', no leading zeros in numeric fields, non-empty
 * identifiers of [0-9A-Za-z-]). 0 or -1 with e set ("semver: ...: problem"). */
int semver_check(const char *s, struct rm_err *e);
int vercmp_semver(const char *a, const char *b);

/* ---- upstream ------------------------------------------------------------------------------ */

/* A product version as banners print it: optional leading 'v', a number first, at most 64
 * segments, each number at most 64 digits. */
bool upstream_valid(const char *s);
int vercmp_upstream(const char *a, const char *b);
/* Whether v is a portable release of release: release followed by "p" and a number, as
 * OpenSSH's portable "9.8p1" is its "9.8". The order keeps 9.8 < 9.8p1 (a banner's 9.8p1 is
 * past a fix in 9.8); advisories that say "through 9.8" mean 9.8p1 too. */
bool upstream_portable_of(const char *v, const char *release);

#endif
