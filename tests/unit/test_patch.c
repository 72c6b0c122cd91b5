/* The patch check and the matcher: banner -> service detection (the embedded signatures) ->
 * patch.cve findings against the real-record feed of tests/fixtures/feeds/ (see the README
 * there), imported into a store in a temporary RISKMAP_DATA_DIR.
 *
 * Banners: tests/fixtures/banners/ holds ones captured from real servers (openssh-debian: the
 * Debian 12 sshd of the lab, nginx, redis, vsftpd). The others below are hand-written in the
 * exact shape of their product's banner, to reach versions the lab does not run (an upstream
 * OpenSSH 9.2p1, an older Debian revision, Apache 2.4.49); each says so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks/check.h"
#include "checks/feed.h"
#include "checks/feed_eol.h"
#include "checks/feed_match.h"
#include "scanner/checkrun.h"
#include "scanner/model.h"
#include "scanner/ntlm.h"
#include "scanner/probe_credssp.h"
#include "scanner/sigs.h"

#define PATCH_FIXTURE_DIR "/tmp/rm-patch-XXXXXX"
#include "patch_fixture.h"

static void import(const char *name)
{
    char db[128], path[200];
    snprintf(db, sizeof db, "%s/feed.db", datadir);
    snprintf(path, sizeof path, "tests/fixtures/feeds/%s", name);
    struct feed_db *f;
    struct rm_err e = {{0}};
    assert_int_equal(feed_open(db, true, &f, &e), 0);
    struct feed_import_result r;
    if (feed_import_file(f, path, time(NULL), &r, &e) < 0)
        fail_msg("%s", e.msg);
    feed_close(f);
}

static int with_feed(void **state)
{
    (void)state;
    static const char *const files[] = {"nvd-openssh.json", "nvd-httpd.json", "nvd-nginx.json",
                                        "nvd-vsftpd.json", "nvd-openssl.json",
                                        "nvd-redis-samba.json", "osv-debian.json", "kev.json"};
    char db[128];
    snprintf(db, sizeof db, "%s/feed.db", datadir);
    unlink(db);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        import(files[i]);
    return 0;
}

static int without_feed(void **state)
{
    (void)state;
    char db[128];
    snprintf(db, sizeof db, "%s/feed.db", datadir);
    unlink(db);
    return 0;
}

static size_t count_kind(const struct scan_result *r, const char *kind)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        n += strcmp(r->findings[i]->kind, kind) == 0;
    return n;
}

static void upstream_openssh_is_likely(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct host *h = one_host(r, "127.0.35.1");
    /* Hand-written: an OpenSSH 9.2p1 built from the upstream tarball (no distribution). */
    add_detected(r, h, 22, "banner", BANNER("SSH-2.0-OpenSSH_9.2p1\r\n"));
    run_patch(r);
    const struct finding *f = cve_finding(r, 22);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "confidence"), "likely");
    /* 9.2p1: regreSSHion (8.5p1..<9.8p1), the ssh-agent flaw (<9.3p2), Terrapin (<9.6); not
     * the user enumerations fixed in 7.3 and after 7.7. Worst first. */
    assert_string_equal(finding_fact(f, "cves"), "CVE-2023-38408,CVE-2024-6387,CVE-2023-48795");
    assert_string_equal(finding_fact(f, "cve_count"), "3");
    assert_string_equal(finding_fact(f, "cvss_max"), "9.8");
    assert_string_equal(finding_fact(f, "cvss_vector"),
                        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_string_equal(finding_fact(f, "kev"), "no");
    assert_string_equal(finding_fact(f, "fixed_version"), "9.8p1");
    assert_string_equal(finding_fact(f, "cpe_product"), "openbsd:openssh");
    assert_null(finding_fact(f, "distro"));
    assert_int_equal(f->severity, SEV_CRITICAL);
    assert_int_equal(f->n_refs, 3);
    assert_string_equal(f->refs[1], "CVE-2024-6387");
    assert_int_equal(f->n_evidence, 2);
    assert_string_equal(f->key_fact, "cpe_product");
    assert_int_equal(strlen(f->fingerprint), FINGERPRINT_HEX_LEN);
    /* The evidence names the range each CVE matched. */
    const struct evidence *ev = NULL;
    for (size_t i = 0; i < r->n_evidence; i++)
        if (strcmp(r->evidence[i]->id, f->evidence_ids[0]) == 0)
            ev = r->evidence[i];
    assert_non_null(ev);
    assert_non_null(strstr((const char *)ev->data,
                           "CVE-2024-6387 cvss 8.1: nvd CVE-2024-6387: 8.5p1 <= v < 9.8p1\n"));
    /* The feed's own findings: used, and stale (the fixtures are from July 2024). */
    assert_int_equal(count_kind(r, "patch.feed"), 1);
    assert_int_equal(count_kind(r, "patch.feed.stale"), 1);
    assert_int_equal(count_kind(r, "patch.feed.missing"), 0);
    scan_result_free(r);
}

static void debian_build_with_the_fixes_is_not_reported(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct host *h = one_host(r, "127.0.35.1");
    /* Captured: Debian 12's sshd, "OpenSSH_9.2p1 Debian-2+deb12u10" (past every fix). */
    add_fixture(r, h, 22, "banner", "openssh-debian.banner");
    run_patch(r);
    assert_null(cve_finding(r, 22));
    assert_int_equal(count_kind(r, "patch.cve"), 0);
    scan_result_free(r);
}

static void debian_build_before_a_fix_is_confirmed(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct host *h = one_host(r, "127.0.35.1");
    /* Hand-written: the same sshd one update older (DSA-5724-1 came as deb12u3). */
    add_detected(r, h, 22, "banner", BANNER("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n"));
    run_patch(r);
    const struct finding *f = cve_finding(r, 22);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2024-6387");
    assert_string_equal(finding_fact(f, "confidence"), "likely");
    assert_string_equal(finding_fact(f, "distro"), "Debian");
    assert_string_equal(finding_fact(f, "distro_revision"), "2+deb12u2");
    assert_string_equal(finding_fact(f, "distro_package_version"), "1:9.2p1-2+deb12u2");
    assert_string_equal(finding_fact(f, "distro_fixed"), "CVE-2024-6387 1:9.2p1-2+deb12u3");
    assert_string_equal(finding_fact(f, "fixed_by_distro"),
                        "CVE-2023-38408 (Debian:12 1:9.2p1-2+deb12u1),"
                        "CVE-2023-48795 (Debian:12 1:9.2p1-2+deb12u2)");
    assert_int_equal(f->severity, SEV_HIGH);
    scan_result_free(r);
}

static void distro_marker_without_revision_is_possible_backport(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct host *h = one_host(r, "127.0.35.2");
    /* Hand-written: Apache as Debian builds it announce themselves (no package revision). */
    add_detected(r, h, 80, "http",
                 BANNER("HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 (Debian)\r\n\r\n"));
    run_patch(r);
    const struct finding *f = cve_finding(r, 80);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2024-38476");
    assert_string_equal(finding_fact(f, "confidence"), "possible-backport");
    assert_string_equal(finding_fact(f, "distro"), "Debian");
    assert_null(finding_fact(f, "distro_revision"));
    /* 9.8 would be critical; one level lower for a build that may carry the fix. */
    assert_int_equal(f->severity, SEV_HIGH);
    assert_non_null(strstr(f->title, "may be patched by distribution backports"));
    scan_result_free(r);
}

static void ubuntu_build_without_ubuntu_records_is_possible_backport(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct host *h = one_host(r, "127.0.35.5");
    /* tests/fixtures/banners/synthetic-openssh-ubuntu.banner: "OpenSSH_8.9p1 Ubuntu-3ubuntu0.6"
     * (hand-written, see the README there). The feed has no Ubuntu records: the revision
     * cannot be judged, so every upstream match stays possible. */
    add_fixture(r, h, 22, "banner", "synthetic-openssh-ubuntu.banner");
    run_patch(r);
    const struct finding *f = cve_finding(r, 22);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2023-38408,CVE-2024-6387,CVE-2023-48795");
    assert_string_equal(finding_fact(f, "confidence"), "possible-backport");
    assert_string_equal(finding_fact(f, "distro"), "Ubuntu");
    assert_string_equal(finding_fact(f, "distro_revision"), "3ubuntu0.6");
    assert_string_equal(finding_fact(f, "distro_package_version"), "1:8.9p1-3ubuntu0.6");
    assert_null(finding_fact(f, "distro_fixed"));
    assert_int_equal(f->severity, SEV_HIGH); /* 9.8, one level down */
    scan_result_free(r);
}

static void kev_and_exact_versions(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct host *h = one_host(r, "127.0.35.2");
    /* Hand-written: the Apache 2.4.49 of the 2021 path traversal. */
    add_detected(r, h, 80, "http", BANNER("HTTP/1.1 200 OK\r\nServer: Apache/2.4.49\r\n\r\n"));
    run_patch(r);
    const struct finding *f = cve_finding(r, 80);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2021-42013,CVE-2021-44790,CVE-2023-25690,"
                                                 "CVE-2024-38476,CVE-2021-41773");
    assert_string_equal(finding_fact(f, "kev"), "yes");
    assert_string_equal(finding_fact(f, "kev_cves"), "CVE-2021-42013,CVE-2021-41773");
    assert_string_equal(finding_fact(f, "kev_added"), "2021-11-03");
    assert_string_equal(finding_fact(f, "fixed_version"), "2.4.60");
    assert_string_equal(finding_fact(f, "confidence"), "likely");
    assert_int_equal(f->severity, SEV_CRITICAL);
    scan_result_free(r);
}

static void captured_banners(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct host *h = one_host(r, "127.0.35.3");
    add_fixture(r, h, 21, "banner", "vsftpd.banner"); /* vsftpd 3.0.3 */
    add_fixture(r, h, 80, "http", "nginx.http");      /* nginx 1.22.1 */
    add_fixture(r, h, 6379, "redis", "redis.redis");  /* Redis 7.0.15 */
    run_patch(r);
    /* None of these versions is inside a fixture range: vsftpd 3.0.3 > 3.0.2, nginx 1.22.1 >=
     * 1.20.1, Redis 7.0.15 >= 7.0.12. */
    assert_int_equal(count_kind(r, "patch.cve"), 0);
    assert_int_equal(count_kind(r, "patch.feed"), 1);
    scan_result_free(r);

    r = scan_result_new();
    h = one_host(r, "127.0.35.3");
    /* Hand-written, in the shapes of the captured ones: older releases. */
    add_detected(r, h, 21, "banner", BANNER("220 (vsFTPd 2.3.4)\r\n"));
    add_detected(r, h, 80, "http", BANNER("HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\n\r\n"));
    run_patch(r);
    const struct finding *f = cve_finding(r, 21);
    assert_non_null(f);
    /* Detection names vendor "beasts"; NVD files the backdoor under "vsftpd_project". */
    assert_string_equal(finding_fact(f, "cves"), "CVE-2011-2523,CVE-2015-1419");
    assert_string_equal(finding_fact(f, "cvss_max"), "9.8");
    assert_string_equal(finding_fact(f, "fixed_version"), "none known");
    f = cve_finding(r, 80);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2021-23017");
    assert_string_equal(finding_fact(f, "fixed_version"), "1.20.1");
    assert_int_equal(f->severity, SEV_HIGH);
    scan_result_free(r);
}

static void no_feed_is_one_info_finding(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct host *h = one_host(r, "127.0.35.4");
    add_detected(r, h, 22, "banner", BANNER("SSH-2.0-OpenSSH_9.2p1\r\n"));
    add_fixture(r, h, 80, "http", "nginx.http");
    run_patch(r);
    assert_int_equal(r->n_findings, 1);
    assert_string_equal(r->findings[0]->kind, "patch.feed.missing");
    assert_int_equal(r->findings[0]->severity, SEV_INFO);
    char want[160];
    snprintf(want, sizeof want, "%s/feed.db", datadir);
    assert_string_equal(finding_fact(r->findings[0], "feed"), want);
    scan_result_free(r);
}

static void matcher_directly(void **state)
{
    (void)state;
    char db[128];
    snprintf(db, sizeof db, "%s/feed.db", datadir);
    struct feed_db *f;
    struct feed_matcher *m;
    struct rm_err e = {{0}};
    assert_int_equal(feed_open(db, false, &f, &e), 0);
    assert_int_equal(feed_matcher_new(f, &m, &e), 0);
    static const struct {
        const char *vendor, *product, *version, *cves;
    } t[] = {
        /* Heartbleed: exact versions 1.0.1..1.0.1f; OpenSSL's letters decide. */
        {"openssl", "openssl", "1.0.1f", "CVE-2014-0160"},
        {"openssl", "openssl", "1.0.1g", ""},
        {"openssl", "openssl", "1.0.2zf", "CVE-2023-0286"},
        {"openssl", "openssl", "1.0.2zg", ""},
        {"openssl", "openssl", "3.0.6", "CVE-2022-3602,CVE-2023-0286"},
        {"openssl", "openssl", "3.0.7", "CVE-2023-0286"},
        /* "through 7.7" includes 7.7 and 7.7p1 (a later p-release of 7.7) is after it. */
        {"openbsd", "openssh", "7.7", "CVE-2018-15473,CVE-2023-38408,CVE-2023-48795"},
        {"openbsd", "openssh", "4.3p2", "CVE-2016-6210,CVE-2018-15473,CVE-2023-38408,"
                                        "CVE-2023-48795,CVE-2024-6387"},
        {"openbsd", "openssh", "9.8p1", ""},
        {"samba", "samba", "4.6.3", "CVE-2017-7494,CVE-2021-44142"},
        {"samba", "samba", "4.6.4", "CVE-2021-44142"},
        {"redis", "redis", "6.2.12", "CVE-2022-24834"},
        {"redis", "redis", "6.1.0", ""},
        {"openbsd", "openssh", "9.2p1 Debian", ""}, /* not a version: nothing, not a guess */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct feed_hits hits = {0};
        assert_int_equal(feed_match_cpe(m, t[i].vendor, t[i].product, t[i].version, &hits, &e), 0);
        char got[512] = "";
        /* Sorted by id for a stable comparison. */
        for (size_t a = 0; a < hits.n; a++)
            for (size_t b = a + 1; b < hits.n; b++)
                if (strcmp(hits.v[b].cve, hits.v[a].cve) < 0) {
                    struct feed_hit x = hits.v[a];
                    hits.v[a] = hits.v[b];
                    hits.v[b] = x;
                }
        for (size_t k = 0; k < hits.n; k++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", k ? "," : "",
                     hits.v[k].cve);
        if (strcmp(got, t[i].cves) != 0)
            fail_msg("%s %s: got \"%s\", want \"%s\"", t[i].product, t[i].version, got, t[i].cves);
        feed_hits_free(&hits);
    }
    /* Debian's records by package: every release, or one. */
    struct feed_hits hits = {0};
    assert_int_equal(feed_match_package(m, "Debian", "redis", "5:6.0.16-1+deb11u1", &hits, &e), 0);
    assert_int_equal(hits.n, 1);
    assert_string_equal(hits.v[0].cve, "CVE-2022-0543");
    assert_true(hits.v[0].affected);
    assert_true(hits.v[0].kev);
    assert_string_equal(hits.v[0].kev_added, "2022-03-28");
    feed_hits_free(&hits);
    assert_int_equal(feed_match_package(m, "Debian:11", "redis", "5:6.0.16-1+deb11u2", &hits, &e), 0);
    assert_int_equal(hits.n, 1);
    assert_false(hits.v[0].affected);
    assert_string_equal(hits.v[0].fixed, "5:6.0.16-1+deb11u2");
    feed_hits_free(&hits);
    assert_int_equal(feed_match_package(m, "Debian:12", "redis", "5:7.0.15-1", &hits, &e), 0);
    assert_int_equal(hits.n, 0);
    feed_hits_free(&hits);
    feed_matcher_free(m);
    feed_close(f);
}


/* ---- end of life -------------------------------------------------------------------------- */

/* The endoflife.date fixtures (tests/fixtures/feeds/eol/, real dates) in the store; no
 * advisories. */
static int with_eol(void **state)
{
    (void)state;
    char db[128];
    snprintf(db, sizeof db, "%s/feed.db", datadir);
    unlink(db);
    import("eol/nginx.json");
    import("eol/redis.json");
    import("eol/openssl.json");
    import("eol/openssh.json");
    return 0;
}

/* Which cycle a version belongs to: a prefix that ends where a number ends; the longest. */
static void eol_cycle_table(void **state)
{
    (void)state;
    static const struct {
        const char *cycle, *version;
        bool in;
    } t[] = {
        {"1.24", "1.24.0", true},   {"1.24", "1.24", true},     {"1.2", "1.24.0", false},
        {"1.2", "1.2.9", true},     {"1.22", "1.22.1", true},   {"9", "9.2p1", true},
        {"9", "92", false},         {"7", "7.4p1", true},       {"7.4", "7.4p1", true},
        {"1.0.2", "1.0.2k", true},  {"1.1.1", "1.1.1w", true},  {"1.1", "1.1.1w", true},
        {"1.1.0", "1.1.1w", false}, {"10.11", "10.11.6", true}, {"10.1", "10.11.6", false},
        {"7.0", "7.0.15", true},    {"4.1", "4.19.5", false},   {"12", "12", true},
        {"2.4", "2.4.57", true},    {"", "1.0", false},         {"1.24", "1.2", false},
        {"5.5", "5.5.5-10.11.6-MariaDB", true},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (eol_cycle_matches(t[i].cycle, t[i].version) != t[i].in)
            fail_msg("cycle %s, version %s: want %s", t[i].cycle, t[i].version,
                     t[i].in ? "in" : "out");

    /* Against the store: the longest cycle wins (nginx has 1.2 and 1.22, OpenSSL 1.1.0 and
     * 1.1.1); a version in no cycle, or a product not loaded, finds nothing. */
    char db[128];
    snprintf(db, sizeof db, "%s/feed.db", datadir);
    struct feed_db *f;
    struct rm_err e = {{0}};
    assert_int_equal(feed_open_ro(db, &f, &e), 0);
    static const struct {
        const char *product, *version, *cycle;
    } q[] = {
        {"nginx", "1.22.1", "1.22"}, {"nginx", "1.2.9", "1.2"},   {"nginx", "1.24.0", "1.24"},
        {"openssl", "1.1.1w", "1.1.1"}, {"openssl", "1.0.2k", "1.0.2"}, {"openssl", "3.0.13", "3.0"},
        {"openssh", "9.2p1", "9"},   {"openssh", "7.4p1", "7"},   {"redis", "7.0.15", "7.0"},
        {"nginx", "1.25.0", NULL},   {"openssl", "3.5.0", NULL},  {"mysql", "8.0.36", NULL},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        struct eol_cycle c;
        int rc = feed_eol_find(f, q[i].product, q[i].version, &c, &e);
        if (rc != (q[i].cycle ? 1 : 0) || (q[i].cycle && strcmp(c.cycle, q[i].cycle) != 0))
            fail_msg("%s %s: got %d %s, want %s", q[i].product, q[i].version, rc, c.cycle,
                     q[i].cycle ? q[i].cycle : "none");
    }
    feed_close(f);

    long long d;
    assert_true(eol_days_until("2024-04-23", 1713830400 /* 2024-04-23T00:00:00Z */, &d));
    assert_int_equal(d, 0);
    assert_true(eol_days_until("2024-04-23", 1713830399 /* 2024-04-22T23:59:59Z */, &d));
    assert_int_equal(d, 1);
    assert_true(eol_days_until("2023-04-11", 1795305600 /* 2026-11-22T00:00:00Z */, &d));
    assert_int_equal(d, -1321);
    assert_false(eol_days_until("2024-4-23", 0, &d));
}

/* One scan at time `started` of one service; the patch.eol / patch.eol.soon findings. */
static struct scan_result *eol_scan(const char *started, uint16_t port, const char *probe,
                                    const char *banner)
{
    struct scan_result *r = scan_result_new();
    assert_int_equal(service_set(&r->meta.started_utc, started), 0);
    struct host *h = one_host(r, "127.0.35.2");
    add_detected(r, h, port, probe, banner, strlen(banner));
    return run_patch(r);
}

static const struct finding *kind_finding(const struct scan_result *r, const char *kind)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i]->kind, kind) == 0)
            return r->findings[i];
    return NULL;
}

/* End of life at fixed scan dates, around nginx 1.24's (2024-04-23) and Redis 7.0's
 * (2024-07-29). Hand-written banners in the shape of the captured nginx one. */
static void eol_and_soon_at_fixed_dates(void **state)
{
    (void)state;
    static const char ngx124[] = "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\n\r\n";
    static const struct {
        const char *started;
        const char *kind; /* NULL: neither */
        const char *days; /* days_past or days_left */
        enum severity sev;
    } t[] = {
        {"2022-04-23T12:00:00Z", NULL, NULL, 0},               /* 731 days ahead: not yet */
        {"2022-04-24T00:00:00Z", "patch.eol.soon", "730", SEV_LOW},
        {"2024-04-22T23:59:59Z", "patch.eol.soon", "1", SEV_LOW},
        {"2024-04-23T00:00:00Z", "patch.eol", "0", SEV_MEDIUM}, /* the day support ends */
        {"2024-10-19T08:00:00Z", "patch.eol", "179", SEV_MEDIUM},
        {"2024-10-20T08:00:00Z", "patch.eol", "180", SEV_HIGH},
        {"2026-04-23T00:00:00Z", "patch.eol", "730", SEV_CRITICAL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct scan_result *r = eol_scan(t[i].started, 80, "http", ngx124);
        size_t n = count_kind(r, "patch.eol") + count_kind(r, "patch.eol.soon");
        if (!t[i].kind) {
            assert_int_equal(n, 0);
            scan_result_free(r);
            continue;
        }
        assert_int_equal(n, 1);
        const struct finding *f = kind_finding(r, t[i].kind);
        if (!f)
            fail_msg("%s: no %s", t[i].started, t[i].kind);
        bool past = strcmp(t[i].kind, "patch.eol") == 0;
        assert_string_equal(finding_fact(f, past ? "days_past" : "days_left"), t[i].days);
        assert_null(finding_fact(f, past ? "days_left" : "days_past"));
        assert_int_equal(f->severity, t[i].sev);
        assert_string_equal(finding_fact(f, "product"), "nginx");
        assert_string_equal(finding_fact(f, "version"), "1.24.0");
        assert_string_equal(finding_fact(f, "cycle"), "1.24");
        assert_string_equal(finding_fact(f, "eol_date"), "2024-04-23");
        assert_string_equal(finding_fact(f, "latest"), "1.24.0");
        assert_string_equal(finding_fact(f, "port"), "80");
        assert_string_equal(f->key_fact, "product_cycle");
        assert_string_equal(finding_fact(f, "product_cycle"), "nginx 1.24");
        assert_int_equal(f->port, 80);
        scan_result_free(r);
    }

    /* The captured Redis 7.0.15 banner, 180 days before 7.0's end; and after it. */
    FILE *fp = fopen("tests/fixtures/banners/redis.redis", "rb");
    assert_non_null(fp);
    char buf[4096];
    size_t len = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[len] = '\0';
    struct scan_result *r = scan_result_new();
    assert_int_equal(service_set(&r->meta.started_utc, "2024-01-31T09:00:00Z"), 0);
    add_detected(r, one_host(r, "127.0.35.3"), 6379, "redis", buf, len);
    run_patch(r);
    const struct finding *f = kind_finding(r, "patch.eol.soon");
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "version"), "7.0.15");
    assert_string_equal(finding_fact(f, "days_left"), "180");
    assert_string_equal(finding_fact(f, "eol_date"), "2024-07-29");
    scan_result_free(r);

    /* The captured nginx 1.22.1 at this repository's date: long past (2023-04-11). */
    r = scan_result_new();
    assert_int_equal(service_set(&r->meta.started_utc, "2026-11-22T00:00:00Z"), 0);
    add_fixture(r, one_host(r, "127.0.35.2"), 80, "http", "nginx.http");
    run_patch(r);
    f = kind_finding(r, "patch.eol");
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cycle"), "1.22");
    assert_string_equal(finding_fact(f, "days_past"), "1321");
    assert_int_equal(f->severity, SEV_CRITICAL);
    scan_result_free(r);

    /* OpenSSH's cycles have no end of life (the project publishes none); nginx 1.29 none yet;
     * an OpenSSL banner version in a cycle this data does not list: nothing said. */
    static const char *const quiet[][3] = {
        {"22", "banner", "SSH-2.0-OpenSSH_9.2p1\r\n"},
        {"22", "banner", "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n"},
        {"80", "http", "HTTP/1.1 200 OK\r\nServer: nginx/1.29.1\r\n\r\n"},
    };
    for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++) {
        r = eol_scan("2026-11-22T00:00:00Z", (uint16_t)atoi(quiet[i][0]), quiet[i][1], quiet[i][2]);
        assert_int_equal(count_kind(r, "patch.eol") + count_kind(r, "patch.eol.soon"), 0);
        scan_result_free(r);
    }
}

static int with_shipped_eol(void **state)
{
    (void)state;
    char db[128];
    snprintf(db, sizeof db, "%s/feed.db", datadir);
    unlink(db);
    struct feed_db *f;
    struct rm_err e = {{0}};
    assert_int_equal(feed_open(db, true, &f, &e), 0);
    struct feed_import_result r;
    if (feed_import_shipped_eol(f, time(NULL), &r, &e) < 0)
        fail_msg("%s", e.msg);
    feed_close(f);
    return 0;
}

/* The Debian release a banner names ("+deb12u3") against the shipped data: Debian 12's
 * security support ends 2026-06-10 (LTS until 2028-06-10). One finding per host, port 0, the
 * service that revealed it named; OpenSSH itself publishes no end of life. */
static void debian_release_from_banner(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    assert_int_equal(service_set(&r->meta.started_utc, "2026-11-22T10:00:00Z"), 0);
    struct host *h = one_host(r, "127.0.35.1");
    add_detected(r, h, 22, "banner", BANNER("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"));
    add_detected(r, h, 2222, "banner", BANNER("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"));
    run_patch(r);
    assert_int_equal(count_kind(r, "patch.eol"), 1);
    assert_int_equal(count_kind(r, "patch.eol.soon"), 0);
    const struct finding *f = kind_finding(r, "patch.eol");
    assert_int_equal(f->port, 0);
    assert_string_equal(finding_fact(f, "product"), "Debian");
    assert_string_equal(finding_fact(f, "version"), "12");
    assert_string_equal(finding_fact(f, "cycle"), "12");
    assert_string_equal(finding_fact(f, "eol_date"), "2026-06-10");
    assert_string_equal(finding_fact(f, "days_past"), "165");
    assert_string_equal(finding_fact(f, "extended_support"), "2028-06-10");
    assert_string_equal(finding_fact(f, "latest"), "12.11");
    assert_string_equal(finding_fact(f, "seen_on"), "22/tcp OpenSSH 9.2p1");
    assert_null(finding_fact(f, "port"));
    assert_int_equal(f->severity, SEV_MEDIUM);
    assert_non_null(strstr(f->detail, "runs until 2028-06-10."));
    scan_result_free(r);

    /* Earlier in the year: 160 days left. */
    r = eol_scan("2026-01-01T00:00:00Z", 22, "banner", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
    f = kind_finding(r, "patch.eol.soon");
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "days_left"), "160");
    assert_int_equal(count_kind(r, "patch.eol"), 0);
    scan_result_free(r);
}

/* IIS is part of Windows: its version names the Windows Server release (8.5: 2012 R2), whose
 * end of life the shipped windows-server data has. One finding per host, port 0, like a
 * Debian release; IIS 10.0 ships with 2016 to 2025 alike and names none. The banners are
 * hand-written in IIS's own Server header shape (no IIS in the lab). */
static void windows_release_from_iis(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    assert_int_equal(service_set(&r->meta.started_utc, "2026-11-22T10:00:00Z"), 0);
    struct host *h = one_host(r, "127.0.35.1");
    add_detected(r, h, 80, "http", BANNER("HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/8.5\r\n\r\n"));
    add_detected(r, h, 8080, "http", BANNER("HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/8.5\r\n\r\n"));
    struct host *h2 = one_host(r, "127.0.35.2");
    add_detected(r, h2, 80, "http", BANNER("HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/7.5\r\n\r\n"));
    struct host *h3 = one_host(r, "127.0.35.3");
    add_detected(r, h3, 80, "http", BANNER("HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\n\r\n"));
    run_patch(r);
    assert_int_equal(count_kind(r, "patch.eol"), 2);
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct finding *f = r->findings[i];
        if (strcmp(f->kind, "patch.eol") != 0)
            continue;
        assert_int_equal(f->port, 0);
        assert_string_equal(finding_fact(f, "product"), "Windows Server");
        assert_int_equal(f->severity, SEV_CRITICAL);
        char a[64];
        addr_str(&f->addr, a, sizeof a);
        if (strcmp(a, "127.0.35.1") == 0) {
            assert_string_equal(finding_fact(f, "version"), "2012 R2");
            assert_string_equal(finding_fact(f, "cycle"), "2012-r2");
            assert_string_equal(finding_fact(f, "eol_date"), "2023-10-10");
            assert_string_equal(finding_fact(f, "days_past"), "1139");
            assert_string_equal(finding_fact(f, "seen_on"), "80/tcp Microsoft IIS httpd 8.5");
        } else {
            assert_string_equal(a, "127.0.35.2");
            assert_string_equal(finding_fact(f, "version"), "2008 R2");
            assert_string_equal(finding_fact(f, "cycle"), "2008-r2-sp1");
            assert_string_equal(finding_fact(f, "eol_date"), "2020-01-14");
            assert_string_equal(finding_fact(f, "days_past"), "2504");
        }
    }
    scan_result_free(r);
}

/* SMB's NTLM answer names the Windows build (detect.c writes "Windows 6.3 build 9600" into the
 * service's info; Samba's 6.1 build 0 never gets there): 6.3.9600 is Server 2012 R2 (or 8.1,
 * ended earlier), judged against the shipped windows-server cycles once per host; 10.0.17763
 * is Server 2019 or Windows 10 1809 and judged not at all. The services are written here as
 * detection records them (no Windows in the lab). */
static void windows_release_from_smb_ntlm(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    assert_int_equal(service_set(&r->meta.started_utc, "2026-11-22T10:00:00Z"), 0);
    struct host *h = one_host(r, "127.0.35.1");
    struct service *s = host_add_service(h, 445, PORT_OPEN, "microsoft-ds", "syn-ack", 0.1);
    assert_non_null(s);
    assert_int_equal(service_set(&s->method, "probe:smb"), 0);
    assert_int_equal(service_set(&s->info, "SMB 3.1.1; signing not required; SMB1 refused; "
                                           "Windows 6.3 build 9600"), 0);
    /* The same host's IIS names the same release: still one finding. */
    add_detected(r, h, 80, "http", BANNER("HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/8.5\r\n\r\n"));
    struct host *h2 = one_host(r, "127.0.35.2");
    s = host_add_service(h2, 445, PORT_OPEN, "microsoft-ds", "syn-ack", 0.1);
    assert_non_null(s);
    assert_int_equal(service_set(&s->info, "SMB 3.1.1; signing required; SMB1 refused; "
                                           "Windows 10.0 build 17763"), 0);
    run_patch(r);
    assert_int_equal(count_kind(r, "patch.eol"), 1);
    const struct finding *f = kind_finding(r, "patch.eol");
    char a[64];
    addr_str(&f->addr, a, sizeof a);
    assert_string_equal(a, "127.0.35.1");
    assert_int_equal(f->port, 0);
    assert_string_equal(finding_fact(f, "product"), "Windows Server");
    assert_string_equal(finding_fact(f, "version"), "2012 R2");
    assert_string_equal(finding_fact(f, "cycle"), "2012-r2");
    assert_string_equal(finding_fact(f, "eol_date"), "2023-10-10");
    assert_string_equal(finding_fact(f, "seen_on"), "445/tcp microsoft-ds Windows 6.3 build 9600");
    assert_int_equal(f->severity, SEV_CRITICAL);
    scan_result_free(r);
}

/* RDP's CredSSP answer names the build as SMB's does, in the same words, and the patch check
 * judges it the same way, once per host whichever service named it. The info is made from
 * bytes as detection makes it: FreeRDP's captured TSRequest (winpr's 6.1.7601 without a target
 * type: not Windows, judged not at all) and that answer with a Windows server's target type and
 * version written in (no Windows in the lab): 6.3.9600 is Server 2012 R2, judged; 10.0.17763
 * is Server 2019 or Windows 10 1809, not judged. */
static void rdp_service(struct host *h, unsigned char major, unsigned char minor, unsigned build,
                        bool windows)
{
    FILE *f = fopen("tests/fixtures/banners/freerdp-credssp-challenge.credssp", "rb");
    assert_non_null(f);
    unsigned char d[512];
    size_t n = fread(d, 1, sizeof d, f);
    fclose(f);
    unsigned char *m = memmem(d, n, "NTLMSSP\0\2\0\0\0", 12);
    assert_non_null(m);
    if (windows) {
        m[22] |= 0x02; /* NTLMSSP_TARGET_TYPE_SERVER */
        m[48] = major, m[49] = minor, m[50] = (unsigned char)build, m[51] = (unsigned char)(build >> 8);
    }
    struct credssp_answer a;
    struct ntlm_challenge ch;
    assert_int_equal(credssp_parse(d, n, &a), 1);
    assert_int_equal(ntlm_find_challenge(a.token, a.token_len, &ch), 1);
    char text[96], info[160];
    assert_true(ntlm_describe(&ch, text, sizeof text) > 0);
    snprintf(info, sizeof info, "RDP; NLA required; %s", text);
    struct service *s = host_add_service(h, 3389, PORT_OPEN, "ms-wbt-server", "syn-ack", 0.1);
    assert_non_null(s);
    assert_int_equal(service_set(&s->method, "probe:rdp"), 0);
    assert_int_equal(service_set(&s->info, info), 0);
}

static void windows_release_from_rdp_credssp(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    assert_int_equal(service_set(&r->meta.started_utc, "2026-11-22T10:00:00Z"), 0);
    struct host *h1 = one_host(r, "127.0.35.1"), *h2 = one_host(r, "127.0.35.2"),
                *h3 = one_host(r, "127.0.35.3"), *h4 = one_host(r, "127.0.35.4");
    rdp_service(h1, 6, 3, 9600, true);
    assert_string_equal(h1->services[0].info, "RDP; NLA required; Windows 6.3 build 9600");
    rdp_service(h2, 10, 0, 17763, true);
    assert_string_equal(h2->services[0].info, "RDP; NLA required; Windows 10.0 build 17763");
    rdp_service(h3, 0, 0, 0, false);
    assert_string_equal(h3->services[0].info,
                        "RDP; NLA required; NTLM 6.1 build 7601, no target type (not Windows)");
    /* SMB and RDP naming the same release on one host: one finding, from the first. */
    struct service *s = host_add_service(h4, 445, PORT_OPEN, "microsoft-ds", "syn-ack", 0.1);
    assert_non_null(s);
    assert_int_equal(service_set(&s->info, "SMB 3.1.1; signing not required; SMB1 refused; "
                                           "Windows 6.3 build 9600"), 0);
    rdp_service(h4, 6, 3, 9600, true);
    run_patch(r);
    assert_int_equal(count_kind(r, "patch.eol"), 2);
    const char *const want_addr[] = {"127.0.35.1", "127.0.35.4"};
    const char *const want_seen[] = {"3389/tcp ms-wbt-server Windows 6.3 build 9600",
                                     "445/tcp microsoft-ds Windows 6.3 build 9600"};
    size_t k = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct finding *f = r->findings[i];
        if (strcmp(f->kind, "patch.eol") != 0)
            continue;
        char a[64];
        addr_str(&f->addr, a, sizeof a);
        assert_string_equal(a, want_addr[k]);
        assert_int_equal(f->port, 0);
        assert_string_equal(finding_fact(f, "product"), "Windows Server");
        assert_string_equal(finding_fact(f, "version"), "2012 R2");
        assert_string_equal(finding_fact(f, "cycle"), "2012-r2");
        assert_string_equal(finding_fact(f, "eol_date"), "2023-10-10");
        assert_string_equal(finding_fact(f, "seen_on"), want_seen[k]);
        assert_int_equal(f->severity, SEV_CRITICAL);
        k++;
    }
    scan_result_free(r);
}

/* "eol": true without a date (endoflife.date writes that where the end is known but not
 * dated): past its end of life, high, no eol_date or days_past. Hand-written data and banner:
 * exim's real 4.96 cycle ended on a known date, so the undated case has no real instance here. */
static void eol_true_without_date(void **state)
{
    (void)state;
    char db[128];
    snprintf(db, sizeof db, "%s/feed.db", datadir);
    unlink(db);
    struct feed_db *f;
    struct rm_err e = {{0}};
    assert_int_equal(feed_open(db, true, &f, &e), 0);
    static const char data[] = "[{\"cycle\": \"4.96\", \"eol\": true, \"latest\": \"4.96.2\"}]";
    struct feed_import_result r;
    assert_int_equal(feed_import_buffer(f, "exim.json", NULL, data, strlen(data), 0, &r, &e), 0);
    feed_close(f);
    struct scan_result *res = eol_scan("2026-11-22T00:00:00Z", 25, "banner",
                                       "220 mail.example.test ESMTP Exim 4.96 Sun, 22 Nov 2026 "
                                       "12:00:00 +0000\r\n");
    const struct finding *x = kind_finding(res, "patch.eol");
    assert_non_null(x);
    assert_int_equal(x->severity, SEV_HIGH);
    assert_string_equal(finding_fact(x, "cycle"), "4.96");
    assert_null(finding_fact(x, "eol_date"));
    assert_null(finding_fact(x, "days_past"));
    assert_non_null(strstr(x->detail, "(its end date is not published)"));
    scan_result_free(res);
}

/* Without end-of-life data in the store the check says nothing about it. */
static void no_eol_data_no_eol_findings(void **state)
{
    (void)state;
    struct scan_result *r = eol_scan("2026-11-22T00:00:00Z", 80, "http",
                                     "HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\n\r\n");
    assert_int_equal(count_kind(r, "patch.eol") + count_kind(r, "patch.eol.soon"), 0);
    assert_int_equal(count_kind(r, "patch.cve"), 1);
    scan_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(upstream_openssh_is_likely, with_feed),
        cmocka_unit_test_setup(debian_build_with_the_fixes_is_not_reported, with_feed),
        cmocka_unit_test_setup(debian_build_before_a_fix_is_confirmed, with_feed),
        cmocka_unit_test_setup(distro_marker_without_revision_is_possible_backport, with_feed),
        cmocka_unit_test_setup(ubuntu_build_without_ubuntu_records_is_possible_backport, with_feed),
        cmocka_unit_test_setup(kev_and_exact_versions, with_feed),
        cmocka_unit_test_setup(captured_banners, with_feed),
        cmocka_unit_test_setup(matcher_directly, with_feed),
        cmocka_unit_test_setup(no_feed_is_one_info_finding, without_feed),
        cmocka_unit_test_setup(eol_cycle_table, with_eol),
        cmocka_unit_test_setup(eol_and_soon_at_fixed_dates, with_eol),
        cmocka_unit_test_setup(no_eol_data_no_eol_findings, with_feed),
        cmocka_unit_test_setup(debian_release_from_banner, with_shipped_eol),
        cmocka_unit_test_setup(windows_release_from_iis, with_shipped_eol),
        cmocka_unit_test_setup(windows_release_from_smb_ntlm, with_shipped_eol),
        cmocka_unit_test_setup(windows_release_from_rdp_credssp, with_shipped_eol),
        cmocka_unit_test(eol_true_without_date),
    };
    return cmocka_run_group_tests(tests, patch_group_setup, patch_group_teardown);
}
