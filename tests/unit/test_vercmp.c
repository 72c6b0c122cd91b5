/* Version comparison, each scheme against its reference algorithm's own test vectors:
 *   dpkg    lib/dpkg/t/t-version.c (compare and parse cases) and Debian policy 5.6.12's '~'
 *           example; and pseudo-random versions against `dpkg --compare-versions` itself.
 *   rpm     rpm's tests/rpmvercmp.at, caret cases included (rpm 4.17+); and 2,000 pseudo-random
 *           epoch:version-release pairs against rpm's own rpm.vercmp() (rpm 4.18).
 *   semver  semver.org: the precedence examples of item 11 and the valid/invalid example list
 *           published with the specification's regular expression.
 *   upstream  release histories of OpenSSH, OpenSSL, ProFTPD and PostgreSQL, in release order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks/vercmp.h"

extern char **environ;

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct triple {
    const char *a, *b;
    int want;
};

static void expect_cmp(int (*cmp)(const char *, const char *), const char *a, const char *b,
                       int want)
{
    int got = cmp(a, b);
    if (got != want)
        fail_msg("cmp(\"%s\", \"%s\") = %d, want %d", a, b, got, want);
    int back = cmp(b, a);
    if (back != -want)
        fail_msg("cmp(\"%s\", \"%s\") = %d, want %d (antisymmetry)", b, a, back, -want);
}

static void expect_table(int (*cmp)(const char *, const char *), const struct triple *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        expect_cmp(cmp, t[i].a, t[i].b, t[i].want);
}

/* Every earlier element of a release history sorts before every later one. */
static void expect_chain(int (*cmp)(const char *, const char *), const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            expect_cmp(cmp, v[i], v[j], i < j ? -1 : i > j ? 1 : 0);
}

/* ---- dpkg ----------------------------------------------------------------------------------- */

static void dpkg_compare_vectors(void **state)
{
    (void)state;
    /* t-version.c test_version_compare, the version objects written as strings. */
    static const struct triple t[] = {
        {"1:0", "2:0", -1},      {"1-1", "2-1", -1},      {"1-1", "1-2", -1},
        {"0-0", "0-0", 0},       {"0-00", "00-0", 0},     {"1:2-3", "1:2-3", 0},
        {"0:0-0", "1:0-0", -1},  {"a-0", "b-0", -1},      {"0-a", "0-b", -1},
        /* t-version.c test_version_relate */
        {"1-1", "1-1", 0},       {"1-1", "2-1", -1},      {"2-1", "1-1", 1},
        /* Policy 5.6.12: '~' sorts before anything, even the end of the part. */
        {"1.0~~", "1.0~~a", -1}, {"1.0~~a", "1.0~", -1},  {"1.0~", "1.0", -1},
        {"1.0", "1.0a", -1},     {"1.0~rc1", "1.0", -1},  {"1.0~rc1", "1.0~rc2", -1},
        /* Letters before other characters, numbers by value, leading zeros ignored. */
        {"1.0a", "1.0+", -1},    {"1.0+", "1.0.", -1},    {"1.10", "1.9", 1},
        {"1.001", "1.1", 0},     {"1.0", "1.0-0", 0},     {"1.0", "1.0.0", -1},
        /* Real Debian security updates. */
        {"1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3", -1},
        {"1:7.4p1-10+deb9u7", "1:7.4p1-10+deb9u6", 1},
        {"1:7.9p1-10+deb10u2", "1:7.4p1-10+deb9u7", 1},
        {"2.4.57-2", "2.4.59-1~deb12u1", -1},
        {"1.22.1-9", "1.22.1-9+deb12u1", -1},
        {"3.0.11-1~deb12u2", "3.0.11-1", -1},
        {"5:7.0.15-1~deb12u1", "7.0.15-1", 1},
        {"2:4.17.12+dfsg-0+deb12u1", "2:4.17.12+dfsg-0+deb12u1", 0},
    };
    expect_table(vercmp_dpkg, t, N(t));
}

static void dpkg_parse_vectors(void **state)
{
    (void)state;
    /* t-version.c test_version_parse: string -> (epoch, upstream, revision). */
    static const struct {
        const char *s;
        unsigned long epoch;
        const char *up, *rev;
    } ok[] = {
        {"0", 0, "0", ""},
        {"0:0", 0, "0", ""},
        {"0:0-0", 0, "0", "0"},
        {"0:0.0-0.0", 0, "0.0", "0.0"},
        {"1:0", 1, "0", ""},
        {"5:1", 5, "1", ""},
        {"0:0-0-0", 0, "0-0", "0"},
        {"0:0-0-0-0", 0, "0-0-0", "0"},
        {"0:0:0-0", 0, "0:0", "0"},
        {"0:0:0:0-0", 0, "0:0:0", "0"},
        {"0:0:0-0-0", 0, "0:0-0", "0"},
        {"0:0-0:0-0", 0, "0-0:0", "0"},
        {"0:09azAZ.-+~:-0", 0, "09azAZ.-+~:", "0"},
        {"0:0-azAZ09.+~", 0, "0", "azAZ09.+~"},
        {"  \t0:0-1", 0, "0", "1"},
        {"0:0-1\t  ", 0, "0", "1"},
        {"\t  0:0-1  \t", 0, "0", "1"},
    };
    for (size_t i = 0; i < N(ok); i++) {
        struct dpkg_version v;
        struct rm_err e = {{0}};
        int rc = dpkg_version_parse(ok[i].s, &v, &e);
        if (rc != 0)
            fail_msg("parse \"%s\": %d (%s)", ok[i].s, rc, e.msg);
        assert_int_equal(v.epoch, ok[i].epoch);
        assert_string_equal(v.upstream, ok[i].up);
        assert_string_equal(v.revision, ok[i].rev);
    }
    /* Errors (the version cannot be compared), with dpkg's wording. t-version.c of 2014
     * accepted "0:0-"; dpkg has refused an empty revision since, and 1.21 says so. */
    static const struct {
        const char *s, *msg;
    } bad[] = {
        {"", "version string is empty"},
        {"  ", "version string is empty"},
        {"0:", "nothing after colon in version number"},
        {"0:0 0-1", "version string has embedded spaces"},
        {"-1:0-1", "epoch in version is negative"},
        {"999999999999999999999999:0-1", "epoch in version is too big"},
        {"a:0-0", "epoch in version is not number"},
        {"A:0-0", "epoch in version is not number"},
        {"-0", "version number is empty"},
        {"0:-0", "version number is empty"},
        {"0:0-", "revision number is empty"},
    };
    for (size_t i = 0; i < N(bad); i++) {
        struct dpkg_version v;
        struct rm_err e = {{0}};
        if (dpkg_version_parse(bad[i].s, &v, &e) != -1)
            fail_msg("parse \"%s\" should fail", bad[i].s);
        assert_string_equal(e.msg, bad[i].msg);
        assert_false(vercmp_valid(VERCMP_DPKG, bad[i].s));
    }
    /* Warnings: dpkg complains but compares. */
    struct dpkg_version v;
    struct rm_err e = {{0}};
    assert_int_equal(dpkg_version_parse("0:abc3-0", &v, &e), 1);
    assert_string_equal(e.msg, "version number does not start with digit");
    char up[] = "0:0a-0";
    for (const char *p = "!#@$%&/|\\<>()[]{};,_=*^'"; *p; p++) {
        up[3] = *p;
        assert_int_equal(dpkg_version_parse(up, &v, &e), 1);
        assert_string_equal(e.msg, "invalid character in version number");
        assert_true(vercmp_valid(VERCMP_DPKG, up));
    }
    assert_int_equal(dpkg_version_parse("0:0-0:0", &v, &e), 1);
    assert_string_equal(e.msg, "invalid character in revision number");
    char rev[] = "0:0-0";
    for (const char *p = "!#@$%&/|\\<>()[]{}:;,_=*^'"; *p; p++) {
        rev[4] = *p;
        assert_int_equal(dpkg_version_parse(rev, &v, &e), 1);
        assert_string_equal(e.msg, "invalid character in revision number");
    }
}

static void dpkg_not_a_version_sorts_first(void **state)
{
    (void)state;
    expect_cmp(vercmp_dpkg, "1.0-", "0", -1);
    expect_cmp(vercmp_dpkg, "", "0~", -1);
    expect_cmp(vercmp_dpkg, "a:1", "b:1", -1); /* both invalid: bytewise */
    expect_cmp(vercmp_dpkg, "a:1", "a:1", 0);
}

/* ---- rpm ------------------------------------------------------------------------------------- */

static void rpm_rpmvercmp_vectors(void **state)
{
    (void)state;
    /* rpm tests/rpmvercmp.at, in its order. */
    static const struct triple t[] = {
        {"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"2.0", "1.0", 1},
        {"2.0.1", "2.0.1", 0}, {"2.0", "2.0.1", -1}, {"2.0.1", "2.0", 1},
        {"2.0.1a", "2.0.1a", 0}, {"2.0.1a", "2.0.1", 1}, {"2.0.1", "2.0.1a", -1},
        {"5.5p1", "5.5p1", 0}, {"5.5p1", "5.5p2", -1}, {"5.5p2", "5.5p1", 1},
        {"5.5p10", "5.5p10", 0}, {"5.5p1", "5.5p10", -1}, {"5.5p10", "5.5p1", 1},
        {"10xyz", "10.1xyz", -1}, {"10.1xyz", "10xyz", 1},
        {"xyz10", "xyz10", 0}, {"xyz10", "xyz10.1", -1}, {"xyz10.1", "xyz10", 1},
        {"xyz.4", "xyz.4", 0}, {"xyz.4", "8", -1}, {"8", "xyz.4", 1},
        {"xyz.4", "2", -1}, {"2", "xyz.4", 1},
        {"5.5p2", "5.6p1", -1}, {"5.6p1", "5.5p2", 1},
        {"5.6p1", "6.5p1", -1}, {"6.5p1", "5.6p1", 1},
        {"6.0.rc1", "6.0", 1}, {"6.0", "6.0.rc1", -1},
        {"10b2", "10a1", 1}, {"10a2", "10b2", -1},
        {"1.0aa", "1.0aa", 0}, {"1.0a", "1.0aa", -1}, {"1.0aa", "1.0a", 1},
        {"10.0001", "10.0001", 0}, {"10.0001", "10.1", 0}, {"10.1", "10.0001", 0},
        {"10.0001", "10.0039", -1}, {"10.0039", "10.0001", 1},
        {"4.999.9", "5.0", -1}, {"5.0", "4.999.9", 1},
        {"20101121", "20101121", 0}, {"20101121", "20101122", -1}, {"20101122", "20101121", 1},
        {"2_0", "2_0", 0}, {"2.0", "2_0", 0}, {"2_0", "2.0", 0},
        /* RhBug:178798 */
        {"a", "a", 0}, {"a+", "a+", 0}, {"a+", "a_", 0}, {"a_", "a+", 0},
        {"+a", "+a", 0}, {"+a", "_a", 0}, {"_a", "+a", 0}, {"+_", "+_", 0},
        {"_+", "+_", 0}, {"_+", "_+", 0}, {"+", "_", 0}, {"_", "+", 0},
        /* tilde */
        {"1.0~rc1", "1.0~rc1", 0}, {"1.0~rc1", "1.0", -1}, {"1.0", "1.0~rc1", 1},
        {"1.0~rc1", "1.0~rc2", -1}, {"1.0~rc2", "1.0~rc1", 1},
        {"1.0~rc1~git123", "1.0~rc1~git123", 0}, {"1.0~rc1~git123", "1.0~rc1", -1},
        {"1.0~rc1", "1.0~rc1~git123", 1},
        /* caret */
        {"1.0^", "1.0^", 0}, {"1.0^", "1.0", 1}, {"1.0", "1.0^", -1},
        {"1.0^git1", "1.0^git1", 0}, {"1.0^git1", "1.0", 1}, {"1.0", "1.0^git1", -1},
        {"1.0^git1", "1.0^git2", -1}, {"1.0^git2", "1.0^git1", 1},
        {"1.0^git1", "1.01", -1}, {"1.01", "1.0^git1", 1},
        {"1.0^20160101", "1.0^20160101", 0}, {"1.0^20160101", "1.0.1", -1},
        {"1.0.1", "1.0^20160101", 1},
        {"1.0^20160101^git1", "1.0^20160101^git1", 0},
        {"1.0^20160102", "1.0^20160101^git1", 1}, {"1.0^20160101^git1", "1.0^20160102", -1},
        /* tilde and caret */
        {"1.0~rc1^git1", "1.0~rc1^git1", 0}, {"1.0~rc1^git1", "1.0~rc1", 1},
        {"1.0~rc1", "1.0~rc1^git1", -1}, {"1.0^git1~pre", "1.0^git1~pre", 0},
        {"1.0^git1", "1.0^git1~pre", 1}, {"1.0^git1~pre", "1.0^git1", -1},
    };
    expect_table(vercmp_rpm, t, N(t));
}

static void rpm_evr(void **state)
{
    (void)state;
    /* Each checked against rpm 4.18's rpm.vercmp(). */
    static const struct triple t[] = {
        {"1.0", "1.0-1", -1},         {"0:1.0", "1.0", 0},
        {"1:1.0", "2.0", 1},          {"1.0-1", "1.0-1~", 1},
        {"7.4p1-21.el7", "7.4p1-22.el7_9", -1},
        {"1:1.0.2k-19.el7", "1:1.0.2k-25.el7_9", -1},
        {"2.4.6-97.el7", "2.4.6-97.el7.centos.5", -1},
        {"8.7p1-38.el9", "8.7p1-38.el9_4.1", -1},
    };
    expect_table(vercmp_rpm_evr, t, N(t));
    assert_true(rpm_evr_valid("1:2.3-4"));
    assert_false(rpm_evr_valid("x:2.3-4"));
    assert_false(rpm_evr_valid(""));
    expect_cmp(vercmp_rpm_evr, "x:1", "0", -1);
}

/* ---- semver ---------------------------------------------------------------------------------- */

static void semver_precedence(void **state)
{
    (void)state;
    /* semver.org item 11, both example chains, joined. */
    static const char *const chain[] = {
        "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
        "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1",
    };
    expect_chain(vercmp_semver, chain, N(chain));
    /* Build metadata does not take part (item 10). */
    static const struct triple t[] = {
        {"1.0.0-alpha+001", "1.0.0-alpha", 0},
        {"1.0.0+20130313144700", "1.0.0", 0},
        {"1.0.0-beta+exp.sha.5114f85", "1.0.0-beta+other", 0},
        {"1.0.0+21AF26D3----117B344092BD", "1.0.0", 0},
        {"99999999999999999999999.999999999999999999.99999999999999999",
         "9999999999999999999999.999999999999999999.99999999999999999", 1},
        {"1.0.0-0A.is.legal", "1.0.0-0A.is.legal.1", -1},
        {"1.0.0-1", "1.0.0-a", -1},    /* numeric identifiers below alphanumeric */
        {"1.0.0-A", "1.0.0-a", -1},    /* ASCII order */
        {"1.0.0-alpha.10", "1.0.0-alpha.9", 1},
        {"1.2.3", "v1.2.3", 1},        /* "v1.2.3" is not SemVer: sorts first */
    };
    expect_table(vercmp_semver, t, N(t));
}

static void semver_validity(void **state)
{
    (void)state;
    static const char *const valid[] = {
        "0.0.4", "1.2.3", "10.20.30", "1.1.2-prerelease+meta", "1.1.2+meta", "1.1.2+meta-valid",
        "1.0.0-alpha", "1.0.0-beta", "1.0.0-alpha.beta", "1.0.0-alpha.beta.1", "1.0.0-alpha.1",
        "1.0.0-alpha0.valid", "1.0.0-alpha.0valid",
        "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay", "1.0.0-rc.1+build.1",
        "2.0.0-rc.1+build.123", "1.2.3-beta", "10.2.3-DEV-SNAPSHOT", "1.2.3-SNAPSHOT-123",
        "1.0.0", "2.0.0", "1.1.7", "2.0.0+build.1848", "2.0.1-alpha.1227", "1.0.0-alpha+beta",
        "1.2.3----RC-SNAPSHOT.12.9.1--.12+788", "1.2.3----R-S.12.9.1--.12+meta",
        "1.2.3----RC-SNAPSHOT.12.9.1--.12", "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
        "99999999999999999999999.999999999999999999.99999999999999999", "1.0.0-0A.is.legal",
    };
    static const char *const invalid[] = {
        "1", "1.2", "1.2.3-0123", "1.2.3-0123.0123", "1.1.2+.123", "+invalid", "-invalid",
        "-invalid+invalid", "-invalid.01", "alpha", "alpha.beta", "alpha.beta.1", "alpha.1",
        "alpha+beta", "alpha_beta", "alpha.", "alpha..", "beta", "1.0.0-alpha_beta", "-alpha.",
        "1.0.0-alpha..", "1.0.0-alpha..1", "1.0.0-alpha...1", "1.0.0-alpha....1",
        "1.0.0-alpha.....1", "1.0.0-alpha......1", "1.0.0-alpha.......1", "01.1.1", "1.01.1",
        "1.1.01", "1.2.3.DEV", "1.2-SNAPSHOT", "1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788",
        "1.2-RC-SNAPSHOT", "-1.0.3-gamma+b7718", "+justmeta", "9.8.7+meta+meta",
        "9.8.7-whatever+meta+meta",
        "99999999999999999999999.999999999999999999.99999999999999999----RC-SNAPSHOT.12.09.1"
        "--------------------------------..12",
        "1.0.0-", "1.0.0+", "v1.2.3", " 1.2.3", "1.2.3 ",
    };
    for (size_t i = 0; i < N(valid); i++) {
        struct rm_err e = {{0}};
        if (semver_check(valid[i], &e) != 0)
            fail_msg("\"%s\" should be valid: %s", valid[i], e.msg);
    }
    for (size_t i = 0; i < N(invalid); i++) {
        struct rm_err e = {{0}};
        if (semver_check(invalid[i], &e) == 0)
            fail_msg("\"%s\" should be invalid", invalid[i]);
        assert_memory_equal(e.msg, "semver: ", 8);
        /* And it sorts before every version. */
        expect_cmp(vercmp_semver, invalid[i], "0.0.0-0", -1);
    }
}

/* ---- upstream ---------------------------------------------------------------------------------- */

static void upstream_release_histories(void **state)
{
    (void)state;
    static const char *const openssh[] = {
        "5.3p1", "6.6.1p1", "7.4", "7.4p1", "7.4p2", "7.5", "7.5p1", "8.9p1", "9.2p1", "9.3p2",
        "9.8p1", "10.0p1",
    };
    static const char *const openssl[] = {
        "0.9.8zh", "1.0.1", "1.0.1g", "1.0.2", "1.0.2a", "1.0.2k", "1.0.2l", "1.0.2z",
        "1.0.2za", "1.0.2zk", "1.1.0", "1.1.0l", "1.1.1", "1.1.1w", "3.0.0-alpha1",
        "3.0.0-beta1", "3.0.0", "3.0.13", "3.2.0",
    };
    static const char *const proftpd[] = {
        "1.3.3c", "1.3.5rc3", "1.3.5rc4", "1.3.5", "1.3.5a", "1.3.5e", "1.3.6rc1", "1.3.6",
        "1.3.8b",
    };
    static const char *const postgresql[] = {
        "9.6.24", "10.0", "16devel", "16alpha1", "16beta1", "16beta2", "16pre1", "16rc1", "16",
        "16.1", "16.10",
    };
    static const char *const httpd[] = {"2.2.34", "2.4.9", "2.4.29", "2.4.49", "2.4.58"};
    expect_chain(vercmp_upstream, openssh, N(openssh));
    expect_chain(vercmp_upstream, openssl, N(openssl));
    expect_chain(vercmp_upstream, proftpd, N(proftpd));
    expect_chain(vercmp_upstream, postgresql, N(postgresql));
    expect_chain(vercmp_upstream, httpd, N(httpd));
}

static void upstream_equal_spellings(void **state)
{
    (void)state;
    static const struct triple t[] = {
        {"16", "16.0", 0},          {"16.0", "16.0.0", 0},     {"v1.2", "1.2", 0},
        {"2.0rc1", "2.0.0-rc1", 0}, {"1.0.2K", "1.0.2k", 0},   {"1.3.5RC1", "1.3.5rc1", 0},
        {"1.0beta", "1.0.0.beta", 0}, {"4.96", "4.96.0", 0},
        {"1.0.0.1", "1", 1},        {"1.0.2", "1", 1},          {"7.4p1", "7.4.1", -1},
        {"0", "0.0", 0},
    };
    expect_table(vercmp_upstream, t, N(t));
}

/* OpenSSH's portable releases: 9.8p1 is "9.8" to an advisory's bound, and nothing else is. */
static void upstream_portable_releases(void **state)
{
    (void)state;
    assert_true(upstream_portable_of("9.8p1", "9.8"));
    assert_true(upstream_portable_of("9.8p2", "9.8"));
    assert_true(upstream_portable_of("10.0p1", "10"));
    assert_true(upstream_portable_of("10.0P12", "10.0"));
    assert_false(upstream_portable_of("9.8", "9.8"));    /* no suffix */
    assert_false(upstream_portable_of("9.8p1", "9.7"));  /* another release */
    assert_false(upstream_portable_of("9.8p1", "9.8p1")); /* the same, not a portable of it */
    assert_false(upstream_portable_of("9.8p", "9.8"));
    assert_false(upstream_portable_of("1.0.2k", "1.0.2")); /* OpenSSL's letters are releases */
    assert_false(upstream_portable_of("p1", ""));
    assert_false(upstream_portable_of("", "9.8"));
    assert_false(upstream_portable_of("9.8p1", "not a version"));
}

static void upstream_not_a_version(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "abc", "p1", "9.2p1 Debian-2+deb12u3", "2.4.29 (Ubuntu)", "1.2(x)", "v", ".1",
    };
    for (size_t i = 0; i < N(bad); i++) {
        if (upstream_valid(bad[i]))
            fail_msg("\"%s\" should not be a version", bad[i]);
        expect_cmp(vercmp_upstream, bad[i], "0", -1);
    }
    /* At most 64 digits a number, leading zeros not counted. */
    char digits[80] = "1.";
    memset(digits + 2, '7', 65);
    assert_false(upstream_valid(digits));
    digits[2 + 64] = '\0';
    assert_true(upstream_valid(digits));
    assert_true(upstream_valid("1.0000000000000000000000000000000000000000000000000000000000000000001"));
    char many[200];
    size_t n = 0;
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "%s1", i ? "." : "");
    assert_false(upstream_valid(many)); /* 65 items */
    many[n - 2] = '\0';
    assert_true(upstream_valid(many)); /* 64 */
}

/* ---- against the reference implementations themselves ---------------------------------------- */

/* Deterministic pseudo-random versions over the characters that matter to each algorithm. */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static unsigned next_rand(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void random_version(char *out, size_t n, const char *alphabet, bool epoch)
{
    size_t k = 0;
    if (epoch && next_rand(4) == 0)
        k += (size_t)snprintf(out, n, "%u:", next_rand(3));
    out[k++] = (char)('0' + next_rand(10));
    size_t len = 1 + next_rand(6), al = strlen(alphabet);
    for (size_t i = 0; i < len && k + 1 < n; i++)
        out[k++] = alphabet[next_rand((unsigned)al)];
    out[k] = '\0';
}

/* Exit status of a program run without a shell. */
static int run(const char *const argv[])
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0); /* O_WRONLY */
    /* posix_spawnp's argv is char *const[] for historical reasons; it does not write. */
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

/* dpkg --compare-versions (dpkg is part of every Debian system): the same answers, and the
 * same versions refused. */
static void dpkg_agrees_with_dpkg(void **state)
{
    (void)state;
    const char *probe[] = {"dpkg", "--compare-versions", "1", "lt", "2", NULL};
    if (run(probe) != 0)
        skip();
    int compared = 0;
    for (int i = 0; i < 150; i++) {
        char a[40], b[40];
        random_version(a, sizeof a, "019aZz.~+-", true);
        if (next_rand(3) == 0) {
            snprintf(b, sizeof b, "%s", a);
            b[strlen(b) - 1] = "09a~+."[next_rand(6)];
        } else {
            random_version(b, sizeof b, "019aZz.~+-", true);
        }
        const char *lt[] = {"dpkg", "--compare-versions", a, "lt", b, NULL};
        const char *eq[] = {"dpkg", "--compare-versions", a, "eq", b, NULL};
        int r = run(lt);
        int want = r == 0 ? -1 : r == 1 ? (run(eq) == 0 ? 0 : 1) : 2;
        if (want == 2) {
            /* dpkg refused one of them: so must we. */
            if (vercmp_valid(VERCMP_DPKG, a) && vercmp_valid(VERCMP_DPKG, b))
                fail_msg("dpkg refuses \"%s\" or \"%s\", riskmap accepts both", a, b);
            continue;
        }
        compared++;
        if (vercmp_dpkg(a, b) != want)
            fail_msg("vercmp_dpkg(\"%s\", \"%s\") = %d, dpkg says %d", a, b, vercmp_dpkg(a, b), want);
    }
    assert_true(compared > 50);
}

/* rpm's own rpm.vercmp() (epoch:version-release), 2000 pairs in one rpm process. Skipped
 * when rpm is not installed (contrib/install-deps.sh installs it). */
static void rpm_agrees_with_rpm(void **state)
{
    (void)state;
    const char *probe[] = {"rpm", "--version", NULL};
    if (run(probe) != 0)
        skip();
    char path[] = "/tmp/rm-vercmp-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    enum { NPAIRS = 2000 };
    static char pa[NPAIRS][48], pb[NPAIRS][48];
    for (int i = 0; i < NPAIRS; i++) {
        random_version(pa[i], sizeof pa[i], "0129abzZ.~^_+", true);
        if (next_rand(3) == 0) {
            memcpy(pb[i], pa[i], sizeof pb[i]);
            pb[i][strlen(pb[i]) - 1] = "09a~^_."[next_rand(7)];
        } else {
            random_version(pb[i], sizeof pb[i], "0129abzZ.~^_+", true);
        }
        if (next_rand(2))
            snprintf(pa[i] + strlen(pa[i]), sizeof pa[i] - strlen(pa[i]), "-%u", next_rand(3));
        if (next_rand(2))
            snprintf(pb[i] + strlen(pb[i]), sizeof pb[i] - strlen(pb[i]), "-%u", next_rand(3));
        fprintf(f, "%s\t%s\n", pa[i], pb[i]);
    }
    fclose(f);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rpm --eval '%%{lua: for l in io.lines(\"%s\") do local a, b = "
             "l:match(\"^(.-)\\t(.*)$\"); print(rpm.vercmp(a, b) .. \"\\n\") end}'", path);
    FILE *p = popen(cmd, "r");
    static int want[NPAIRS];
    int i = 0;
    char line[32];
    while (p && i < NPAIRS && fgets(line, sizeof line, p))
        if (line[0] != '\n')
            want[i++] = atoi(line);
    if (p)
        pclose(p);
    unlink(path); /* before any assertion can end the test */
    assert_int_equal(i, NPAIRS);
    for (i = 0; i < NPAIRS; i++)
        if (vercmp_rpm_evr(pa[i], pb[i]) != want[i])
            fail_msg("vercmp_rpm_evr(\"%s\", \"%s\") = %d, rpm says %d", pa[i], pb[i],
                     vercmp_rpm_evr(pa[i], pb[i]), want[i]);
}

static void ecosystems(void **state)
{
    (void)state;
    enum vercmp_scheme s;
    assert_int_equal(vercmp_scheme_for_ecosystem("Debian:12", &s), 0);
    assert_int_equal(s, VERCMP_DPKG);
    assert_int_equal(vercmp_scheme_for_ecosystem("Ubuntu:22.04:LTS", &s), 0);
    assert_int_equal(s, VERCMP_DPKG);
    assert_int_equal(vercmp_scheme_for_ecosystem("Red Hat", &s), 0);
    assert_int_equal(s, VERCMP_RPM);
    assert_int_equal(vercmp_scheme_for_ecosystem("npm", &s), 0);
    assert_int_equal(s, VERCMP_SEMVER);
    assert_int_equal(vercmp_scheme_for_ecosystem("PyPI", &s), -1);
    assert_int_equal(vercmp_scheme_for_ecosystem("Alpine:v3.18", &s), -1);
    assert_int_equal(vercmp_scheme_for_ecosystem("Debianish", &s), -1);
    assert_int_equal(vercmp(VERCMP_DPKG, "1.0~rc1", "1.0"), -1);
    assert_int_equal(vercmp(VERCMP_UPSTREAM, "7.4p1", "7.4p2"), -1);
    assert_string_equal(vercmp_scheme_name(VERCMP_RPM), "rpm");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dpkg_compare_vectors),
        cmocka_unit_test(dpkg_parse_vectors),
        cmocka_unit_test(dpkg_not_a_version_sorts_first),
        cmocka_unit_test(rpm_rpmvercmp_vectors),
        cmocka_unit_test(rpm_evr),
        cmocka_unit_test(semver_precedence),
        cmocka_unit_test(semver_validity),
        cmocka_unit_test(upstream_release_histories),
        cmocka_unit_test(upstream_equal_spellings),
        cmocka_unit_test(upstream_not_a_version),
        cmocka_unit_test(upstream_portable_releases),
        cmocka_unit_test(ecosystems),
        cmocka_unit_test(dpkg_agrees_with_dpkg),
        cmocka_unit_test(rpm_agrees_with_rpm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
