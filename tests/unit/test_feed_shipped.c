/* The feed data built into riskmap (checks/data/, see the README there): every shipped record
 * parses (the count imported equals the count in the files, read here independently with
 * cJSON), the store records each import as shipped:checks/data/FILE, and the records answer
 * what they say: the CPE queries below give exactly the CVEs of the published ranges, the
 * end-of-life cycles the dates endoflife.date publishes for them, and the
 * patch check turns captured banners of Debian 12's servers (tests/fixtures/banners/, real)
 * and two hand-written upstream banners (said where) into the patch.cve findings the data
 * implies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check.h"
#include "checks/feed.h"
#include "checks/feed_eol.h"
#include "checks/feed_match.h"
#include "checks/feed_shipped.h"
#include "scanner/checkrun.h"
#include "scanner/model.h"
#include "scanner/sigs.h"

#define PATCH_FIXTURE_DIR "/tmp/rm-shipped-XXXXXX"
#include "patch_fixture.h"

static char dbpath[128];

static int group_setup(void **state)
{
    if (patch_group_setup(state) < 0)
        return -1;
    snprintf(dbpath, sizeof dbpath, "%s/feed.db", datadir);
    return 0;
}

/* The records a shipped file holds, counted from its JSON: the vulnerabilities of an NVD
 * document or a KEV catalog, the records of an OSV array, the cycles of an end-of-life
 * bundle. */
static size_t records_in(const struct feed_shipped *f, const char **format)
{
    cJSON *root = cJSON_ParseWithLength((const char *)f->data, f->len);
    assert_non_null(root);
    size_t n = 0;
    const cJSON *eol = cJSON_GetObjectItemCaseSensitive(root, "endoflife.date"), *p;
    if (cJSON_IsArray(root)) {
        *format = "osv"; /* an array of OSV records */
        n = (size_t)cJSON_GetArraySize(root);
    } else if (eol) {
        *format = "eol";
        cJSON_ArrayForEach(p, eol)
            n += (size_t)cJSON_GetArraySize(p);
    } else {
        const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
        *format = cJSON_IsString(fmt) && strcmp(fmt->valuestring, "NVD_CVE") == 0 ? "nvd" : "kev";
        n = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "vulnerabilities"));
    }
    cJSON_Delete(root);
    return n;
}

static void every_shipped_record_parses(void **state)
{
    (void)state;
    static const char *const paths[] = {"checks/data/eol.json", "checks/data/nvd.json",
                                        "checks/data/osv.json", "checks/data/kev.json"};
    static const size_t want[] = {204, 34, 334, 6};
    assert_int_equal(feed_n_shipped, 4);
    struct feed_db *db;
    struct rm_err e = {{0}};
    assert_int_equal(feed_open(dbpath, true, &db, &e), 0);
    for (size_t i = 0; i < feed_n_shipped; i++) {
        const struct feed_shipped *f = &feed_shipped_files[i];
        assert_string_equal(f->path, paths[i]);
        assert_ptr_equal(feed_shipped_find(paths[i]), f);
        const char *format;
        size_t n = records_in(f, &format);
        assert_int_equal(n, want[i]);
        struct feed_import_result r;
        if (feed_import_shipped(db, f, time(NULL), &r, &e) < 0)
            fail_msg("%s: %s", f->path, e.msg);
        assert_string_equal(r.format, format);
        assert_int_equal(r.records, n);
        assert_int_equal(r.skipped, 0);
    }
    assert_null(feed_shipped_find("checks/data/osv-debian.json"));
    size_t ni;
    struct feed_source_info info[8];
    assert_int_equal(feed_info(db, info, 8, &ni, &e), 0);
    feed_close(db);
    /* nvd, osv, kev, eol: 34 records, 334, 6, 204 cycles, each imported once. */
    assert_int_equal(ni, 4);
    for (size_t i = 0; i < ni; i++) {
        long long w = strcmp(info[i].source, "nvd") == 0   ? 34
                      : strcmp(info[i].source, "osv") == 0 ? 334
                      : strcmp(info[i].source, "kev") == 0 ? 6
                      : strcmp(info[i].source, "eol") == 0 ? 204
                                                           : -1;
        assert_int_equal(info[i].records, w);
        assert_int_equal(info[i].imports, 1);
    }
    for (size_t i = 0; i < ni; i++) {
        if (strcmp(info[i].source, "nvd") == 0) /* CVE-2023-51713 */
            assert_string_equal(info[i].newest, "2026-06-17T06:41:31Z");
        if (strcmp(info[i].source, "osv") == 0) /* nginx 1.22.1-9+deb12u11's changelog entry */
            assert_string_equal(info[i].newest, "2026-11-19T21:02:23Z");
    }
    /* The store names the built-in copies. */
    sqlite3 *s;
    assert_int_equal(sqlite3_open_v2(dbpath, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s, "SELECT group_concat(file, ' ') FROM "
                                           "(SELECT file FROM feed_import ORDER BY id)",
                                        -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0),
                        "shipped:checks/data/eol.json shipped:checks/data/nvd.json "
                        "shipped:checks/data/osv.json shipped:checks/data/kev.json");
    sqlite3_finalize(st);
    sqlite3_close(s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The affected CVEs for vendor:product version, sorted, comma-separated ("-" for none). */
static const char *cves_for(struct feed_matcher *m, const char *vendor, const char *product,
                            const char *version)
{
    static char out[512];
    struct feed_hits h = {0};
    struct rm_err e = {{0}};
    if (feed_match_cpe(m, vendor, product, version, &h, &e) < 0)
        fail_msg("%s", e.msg);
    const char *v[32];
    size_t n = 0;
    for (size_t i = 0; i < h.n && n < 32; i++)
        if (h.v[i].affected)
            v[n++] = h.v[i].cve;
    qsort(v, n, sizeof v[0], cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "," : "", v[i]);
    if (!n)
        snprintf(out, sizeof out, "-");
    feed_hits_free(&h);
    return out;
}

/* Each answer follows from the published ranges (checks/data/README.md lists them). */
static void shipped_records_match_their_ranges(void **state)
{
    (void)state;
    static const struct {
        const char *vendor, *product, *version, *cves;
    } q[] = {
        /* Debian 12's OpenSSH: 8.6 <= v < 9.8, < 9.3 (and 9.3, 9.3p1), < 9.6, and
         * CVE-2025-26465's 6.9 <= v <= 9.8 with 6.8p1, 9.9 and 9.9p1 named. */
        {"openbsd", "openssh", "9.2p1",
         "CVE-2023-38408,CVE-2023-51385,CVE-2024-6387,CVE-2025-26465"},
        {"openbsd", "openssh", "8.5p1",
         "CVE-2021-41617,CVE-2023-38408,CVE-2023-51385,CVE-2024-6387,CVE-2025-26465"},
        {"openbsd", "openssh", "7.4p1",
         "CVE-2021-41617,CVE-2023-38408,CVE-2023-51385,CVE-2025-26465"},
        {"openbsd", "openssh", "6.8p1",
         "CVE-2021-41617,CVE-2023-38408,CVE-2023-51385,CVE-2025-26465"},
        {"openbsd", "openssh", "6.7p1", "CVE-2021-41617,CVE-2023-38408,CVE-2023-51385"},
        {"openbsd", "openssh", "9.6p1", "CVE-2024-6387,CVE-2025-26465"},
        {"openbsd", "openssh", "9.9p1", "CVE-2025-26465"},
        {"openbsd", "openssh", "9.9p2", "-"},
        /* NVD's "through 9.8" takes 9.8p1, the portable release of 9.8 (upstream_portable_of);
         * regreSSHion's fix, 9.8p1, is past. */
        {"openbsd", "openssh", "9.8p1", "CVE-2025-26465"},
        {"openbsd", "openssh", "9.8p2", "CVE-2025-26465"},
        {"apache", "http_server", "2.4.49",
         "CVE-2021-41773,CVE-2021-42013,CVE-2021-44790,CVE-2023-25690,CVE-2024-27316"},
        {"apache", "http_server", "2.4.50",
         "CVE-2021-42013,CVE-2021-44790,CVE-2023-25690,CVE-2024-27316"},
        {"apache", "http_server", "2.4.54", "CVE-2023-25690,CVE-2024-27316"},
        /* The HTTP/2 header flood: 2.4.17 <= v < 2.4.59. */
        {"apache", "http_server", "2.4.57", "CVE-2024-27316"},
        {"apache", "http_server", "2.4.59", "-"},
        {"apache", "http_server", "2.4.16", "CVE-2021-44790,CVE-2023-25690"},
        /* Debian 12's nginx 1.22.1 is the fix of CVE-2022-41741 (<= 1.22.0). */
        {"f5", "nginx", "1.22.1", "-"},
        {"f5", "nginx", "1.22.0", "CVE-2022-41741"},
        {"f5", "nginx", "1.20.0", "CVE-2021-23017,CVE-2022-41741"},
        {"openssl", "openssl", "3.0.5", "CVE-2022-3602,CVE-2023-0286"},
        {"openssl", "openssl", "3.0.2", "CVE-2022-1292,CVE-2022-3602,CVE-2023-0286"},
        {"openssl", "openssl", "1.1.1n", "CVE-2022-1292,CVE-2023-0286"},
        {"openssl", "openssl", "1.1.1s", "CVE-2023-0286"},
        {"openssl", "openssl", "1.1.1t", "-"},
        {"exim", "exim", "4.91", "CVE-2019-10149"},
        {"exim", "exim", "4.96", "-"},
        {"postfix", "postfix", "3.7.5", "CVE-2023-51764"},
        {"postfix", "postfix", "3.7.9", "-"},
        {"vsftpd_project", "vsftpd", "2.3.4", "CVE-2011-2523"},
        {"vsftpd_project", "vsftpd", "3.0.3", "CVE-2021-30047"},
        /* CVE-2023-51713: every ProFTPD before 1.3.8a (Debian 12 ships 1.3.8). */
        {"proftpd", "proftpd", "1.3.5b", "CVE-2019-12815,CVE-2023-51713"},
        {"proftpd", "proftpd", "1.3.6", "CVE-2023-51713"},
        {"proftpd", "proftpd", "1.3.7", "CVE-2020-9273,CVE-2023-51713"},
        {"proftpd", "proftpd", "1.3.8", "CVE-2023-51713"},
        {"proftpd", "proftpd", "1.3.8a", "-"},
        {"php", "php", "8.1.28", "CVE-2024-4577"},
        {"php", "php", "8.1.29", "-"},
        /* 8.2.0 <= v < 8.2.20 (Debian 12 ships 8.2, with its own patches). */
        {"php", "php", "8.2.19", "CVE-2024-4577"},
        {"php", "php", "8.2.20", "-"},
        {"postgresql", "postgresql", "15.4", "CVE-2023-5869"},
        {"oracle", "mysql", "5.7.15", "CVE-2016-6662,CVE-2023-22084"},
        {"oracle", "mysql", "8.0.34", "CVE-2023-22084"},
        {"oracle", "mysql", "8.1.0", "CVE-2023-22084"},
        {"oracle", "mysql", "8.0.35", "-"},
        {"mariadb", "mariadb", "10.1.16", "CVE-2016-6662"},
        {"mariadb", "mariadb", "10.11.6", "-"},
        /* Debian 12's Redis 7.0.15 is the fix of CVE-2023-41056 (7.0.9 <= v < 7.0.15) and
         * past the older ones, but inside CVE-2025-49844's 7.0 <= v < 7.2.11 (the Lua
         * use-after-free). CVE-2022-0543 names no upstream version ("redis:-"): Debian's
         * packaging, not Redis. */
        {"redis", "redis", "7.0.15", "CVE-2025-49844"},
        {"redis", "redis", "7.0.14", "CVE-2023-41056,CVE-2025-49844"},
        {"redis", "redis", "7.0.11", "CVE-2022-24834,CVE-2023-41056,CVE-2023-45145,CVE-2025-49844"},
        {"redis", "redis", "7.2.11", "-"},
        {"redis", "redis", "7.4.5", "CVE-2025-49844"},
        {"redis", "redis", "8.2.2", "-"},
        {"samba", "samba", "4.17.12", "-"},
        {"samba", "samba", "4.6.3", "CVE-2017-7494,CVE-2021-44142"},
        {"microsoft", "internet_information_services", "6.0", "CVE-2017-7269"},
        {"microsoft", "internet_information_services", "10.0", "-"},
    };
    struct feed_db *db;
    struct feed_matcher *m;
    struct rm_err e = {{0}};
    assert_int_equal(feed_open_ro(dbpath, &db, &e), 0);
    assert_int_equal(feed_matcher_new(db, &m, &e), 0);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        const char *got = cves_for(m, q[i].vendor, q[i].product, q[i].version);
        if (strcmp(got, q[i].cves) != 0)
            fail_msg("%s:%s %s: got %s, want %s", q[i].vendor, q[i].product, q[i].version, got,
                     q[i].cves);
    }
    /* Scores and the KEV flag come with the hit. */
    struct feed_hits h = {0};
    assert_int_equal(feed_match_cpe(m, "apache", "http_server", "2.4.49", &h, &e), 0);
    size_t kev = 0;
    for (size_t i = 0; i < h.n; i++) {
        if (strcmp(h.v[i].cve, "CVE-2021-41773") == 0) {
            assert_true(h.v[i].kev);
            assert_string_equal(h.v[i].kev_added, "2021-11-03");
            assert_true(h.v[i].cvss3 == 7.5);
            assert_string_equal(h.v[i].vector3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N");
        }
        kev += h.v[i].kev;
    }
    assert_int_equal(kev, 2); /* 41773 and 42013 */
    feed_hits_free(&h);
    /* IIS 6.0's WebDAV overflow is in the catalog too. */
    memset(&h, 0, sizeof h);
    assert_int_equal(feed_match_cpe(m, "microsoft", "internet_information_services", "6.0", &h, &e), 0);
    assert_int_equal(h.n, 1);
    assert_true(h.v[0].kev);
    assert_string_equal(h.v[0].kev_added, "2021-11-03");
    feed_hits_free(&h);
    feed_matcher_free(m);
    feed_close(db);
}

/* The shipped OSV records (Debian's own, through OSV's converter) answer a Debian package
 * version in their release only, by dpkg's order. */
static void shipped_osv_records(void **state)
{
    (void)state;
    static const struct {
        const char *ecosystem, *package, *version, *cve, *fixed;
        int affected; /* -1: no record at all */
    } q[] = {
        /* DLA-3008-1: Debian 9's openssl before 1.1.0l-1~deb9u6 (CVE-2022-1292, c_rehash).
         * A version the record lists (its `versions`) is affected as listed, and still gets
         * the fix from the range; one inside the range and not listed too. */
        {"Debian:9", "openssl", "1.1.0l-1~deb9u5", "CVE-2022-1292", "1.1.0l-1~deb9u6", 1},
        {"Debian:9", "openssl", "1.1.0f-3+deb9u2", "CVE-2022-1292", "1.1.0l-1~deb9u6", 1},
        {"Debian:9", "openssl", "1.1.0l-1~deb9u5+b1", "CVE-2022-1292", "1.1.0l-1~deb9u6", 1},
        {"Debian:9", "openssl", "1.1.0l-1~deb9u6", "CVE-2022-1292", "1.1.0l-1~deb9u6", 0},
        /* "Debian" alone matches every release's records. */
        {"Debian", "openssl", "1.1.0l-1~deb9u5+b1", "CVE-2022-1292", "1.1.0l-1~deb9u6", 1},
        /* DSA-3029-1: Debian 7's nginx before 1.2.1-2.2+wheezy3 (CVE-2014-3616). */
        {"Debian:7", "nginx", "1.2.1-2.2+wheezy2", "CVE-2014-3616", "1.2.1-2.2+wheezy3", 1},
        {"Debian:7", "nginx", "1.2.1-2.2+wheezy3", "CVE-2014-3616", "1.2.1-2.2+wheezy3", 0},
        /* Another release, or another package: no record. */
        {"Debian:11", "openssl", "1.1.1w-0+deb11u1", "", "", -1},
        {"Debian:9", "nginx", "1.10.3-1+deb9u7", "", "", -1},
        {"Debian:9", "openssh", "1:7.4p1-10+deb9u7", "", "", -1},
    };
    struct feed_db *db;
    struct feed_matcher *m;
    struct rm_err e = {{0}};
    assert_int_equal(feed_open_ro(dbpath, &db, &e), 0);
    assert_int_equal(feed_matcher_new(db, &m, &e), 0);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        struct feed_hits h = {0};
        if (feed_match_package(m, q[i].ecosystem, q[i].package, q[i].version, &h, &e) < 0)
            fail_msg("%s", e.msg);
        if (q[i].affected < 0) {
            if (h.n != 0)
                fail_msg("%s %s %s: %zu hits, want none", q[i].ecosystem, q[i].package,
                         q[i].version, h.n);
        } else if (h.n != 1 || strcmp(h.v[0].cve, q[i].cve) != 0 ||
                   h.v[0].affected != (q[i].affected == 1) ||
                   (q[i].fixed && strcmp(h.v[0].fixed, q[i].fixed) != 0)) {
            fail_msg("%s %s %s: %zu hits, first %s affected %d fixed %s", q[i].ecosystem,
                     q[i].package, q[i].version, h.n, h.n ? h.v[0].cve : "-",
                     h.n ? (int)h.v[0].affected : -1, h.n ? h.v[0].fixed : "-");
        }
        feed_hits_free(&h);
    }
    /* Debian 12's records, made from the packages' own changelogs (DEBIAN-CHANGELOG-*):
     * openssh at deb12u2 is past the fixes of deb12u1 and deb12u2 and before those of deb12u5
     * on; CVE-2024-6387 (deb12u3, whose entry names no CVE) is in no record. */
    static const struct {
        const char *cve, *fixed;
        bool affected;
    } ssh[] = {
        {"CVE-2023-38408", "1:9.2p1-2+deb12u1", false},
        {"CVE-2023-51385", "1:9.2p1-2+deb12u2", false},
        {"CVE-2023-48795", "1:9.2p1-2+deb12u2", false},
        {"CVE-2025-26465", "1:9.2p1-2+deb12u5", true},
        {"CVE-2026-35414", "1:9.2p1-2+deb12u10", true},
    };
    struct feed_hits h = {0};
    assert_int_equal(feed_match_package(m, "Debian:12", "openssh", "1:9.2p1-2+deb12u2", &h, &e), 0);
    assert_int_equal(h.n, 15);
    size_t affected = 0;
    for (size_t i = 0; i < h.n; i++) {
        affected += h.v[i].affected;
        assert_string_not_equal(h.v[i].cve, "CVE-2024-6387");
        for (size_t k = 0; k < sizeof ssh / sizeof ssh[0]; k++)
            if (strcmp(h.v[i].cve, ssh[k].cve) == 0) {
                assert_string_equal(h.v[i].fixed, ssh[k].fixed);
                assert_int_equal(h.v[i].affected, ssh[k].affected);
            }
    }
    assert_int_equal(affected, 10); /* 15 named, 5 fixed by deb12u1 and deb12u2 */
    feed_hits_free(&h);
    memset(&h, 0, sizeof h);
    assert_int_equal(feed_match_package(m, "Debian:12", "openssh", "1:9.2p1-2+deb12u10", &h, &e), 0);
    for (size_t i = 0; i < h.n; i++)
        assert_false(h.v[i].affected);
    feed_hits_free(&h);
    /* A build that names no release ("OpenSSH_9.2p1 Debian-2", bookworm as released) is
     * judged by the release whose fixes are of its upstream version, 9.2p1: Debian 12's. A
     * Debian 9 build (7.4p1) is judged by none: Debian 12's fixes say nothing about it. */
    memset(&h, 0, sizeof h);
    assert_int_equal(feed_match_package(m, "Debian", "openssh", "1:9.2p1-2", &h, &e), 0);
    assert_int_equal(h.n, 15);
    for (size_t i = 0; i < h.n; i++) {
        assert_true(h.v[i].affected);
        assert_string_equal(h.v[i].ecosystem, "Debian:12");
    }
    feed_hits_free(&h);
    memset(&h, 0, sizeof h);
    assert_int_equal(feed_match_package(m, "Debian", "openssh", "1:7.4p1-10", &h, &e), 0);
    assert_int_equal(h.n, 0);
    feed_hits_free(&h);
    feed_matcher_free(m);
    feed_close(db);
}

/* The end-of-life cycles a version falls in, and what the shipped dates say about it on a
 * given day (checks/data/README.md: endoflife.date's product files, commit per product). */
static void shipped_eol_cycles(void **state)
{
    (void)state;
    static const struct {
        const char *product, *version, *cycle, *eol, *support, *extended, *latest;
        int flag;
    } q[] = {
        /* Ubuntu: eol is the end of standard security maintenance, extendedSupport ESM's. */
        {"ubuntu", "18.04", "18.04", "2023-05-31", "2023-05-31", "2028-04-01", "18.04.6", 1},
        {"ubuntu", "20.04.6", "20.04", "2025-05-31", "2022-10-01", "2030-04-02", "20.04.6", 1},
        {"ubuntu", "22.04.5", "22.04", "2027-04-01", "2024-09-30", "2032-04-09", "22.04.5", 1},
        {"ubuntu", "24.04", "24.04", "2029-05-31", "2029-05-31", "2036-05-31", "24.04.4", 1},
        /* Postfix supports its last four stable cycles; 3.7 - 3.10 had no end announced in
         * the version read. 3.10.0 is in "3.10", never in "3.1". */
        {"postfix", "3.7.5", "3.7", "", "", "", "3.7.13", 0},
        {"postfix", "3.10.0", "3.10", "", "", "", "3.10.0", 0},
        {"postfix", "3.6.4", "3.6", "2025-02-16", "", "", "3.6.17", 1},
        {"postfix", "3.4.14", "3.4", "2023-04-17", "", "", "3.4.29", 1},
        {"postfix", "3.1.15", "3.1", "2020-03-15", "", "", "3.1.15", 1},
        /* ProFTPD's letter releases stay in their cycle. */
        {"proftpd", "1.3.5b", "1.3.5", "2020-07-20", "2017-04-09", "", "1.3.5e", 1},
        {"proftpd", "1.3.7a", "1.3.7", "2025-03-14", "2022-12-04", "", "1.3.7f", 1},
        {"proftpd", "1.3.8c", "1.3.8", "", "2025-03-14", "", "1.3.8d", 0},
        /* Windows Server, by endoflife.date's cycle names (riskmap maps no SMB/RDP build to
         * them yet). */
        {"windows-server", "2012-r2", "2012-r2", "2023-10-10", "2018-10-09", "2026-10-13",
         "6.3.9600", 1},
        {"windows-server", "2012", "2012", "2023-10-10", "2018-10-09", "2026-10-13", "6.2.9200", 1},
        {"windows-server", "2016", "2016", "2027-01-12", "2022-01-11", "2030-01-12", "10.0.14393", 1},
        {"windows-server", "2019", "2019", "2029-01-09", "2024-01-09", "", "10.0.17763", 1},
        {"php", "8.2.12", "8.2", "2026-12-31", "2024-12-31", "", "8.2.30", 1},
        /* OpenSSL, PostgreSQL and MariaDB from newer stored versions of their files (3.1 -
         * 3.4, 17, 11.x added); Debian 12 ships OpenSSL 3.0, PostgreSQL 15, MariaDB 10.11. */
        {"openssl", "3.0.15", "3.0", "2026-09-07", "", "false", "3.0.16", 1},
        {"openssl", "3.2.1", "3.2", "2025-11-23", "", "", "3.2.4", 1},
        {"openssl", "3.4.0", "3.4", "", "", "", "3.4.1", 0},
        {"openssl", "1.1.1w", "1.1.1", "2023-09-11", "", "false", "1.1.1w", 1},
        {"postgresql", "15.8", "15", "2027-11-11", "", "", "15.12", 1},
        {"postgresql", "17.2", "17", "2029-11-08", "", "", "17.4", 1},
        {"mariadb", "10.11.6", "10.11", "2028-02-16", "", "", "10.11.11", 1},
        {"mariadb", "11.4.3", "11.4", "2029-05-29", "", "", "11.4.5", 1},
        {"mariadb", "11.7.2", "11.7", "", "", "", "11.7.2", 0},
    };
    struct feed_db *db;
    struct rm_err e = {{0}};
    assert_int_equal(feed_open_ro(dbpath, &db, &e), 0);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        struct eol_cycle c;
        if (feed_eol_find(db, q[i].product, q[i].version, &c, &e) != 1)
            fail_msg("%s %s: no cycle", q[i].product, q[i].version);
        if (strcmp(c.cycle, q[i].cycle) != 0 || strcmp(c.eol_date, q[i].eol) != 0 ||
            strcmp(c.support, q[i].support) != 0 || strcmp(c.extended, q[i].extended) != 0 ||
            strcmp(c.latest, q[i].latest) != 0 || c.eol_flag != q[i].flag)
            fail_msg("%s %s: cycle %s eol %s (%d) support %s extended %s latest %s", q[i].product,
                     q[i].version, c.cycle, c.eol_date, c.eol_flag, c.support, c.extended,
                     c.latest);
    }
    struct eol_cycle c;
    assert_int_equal(feed_eol_find(db, "ubuntu", "18.04", &c, &e), 1);
    assert_string_equal(c.lts, "true");
    /* The boundary: Ubuntu 18.04's standard support ends on 2023-05-31 (0 days left that day:
     * the patch check counts it as ended), and was 1271 days past on 2026-11-22. */
    long long days;
    assert_true(eol_days_until(c.eol_date, (time_t)1685491200, &days)); /* 2023-05-31 00:00 */
    assert_int_equal(days, 0);
    assert_true(eol_days_until(c.eol_date, (time_t)1685491199, &days)); /* 2023-05-30 23:59:59 */
    assert_int_equal(days, 1);
    assert_true(eol_days_until(c.eol_date, (time_t)1795305600, &days)); /* 2026-11-22 */
    assert_int_equal(days, -1271);
    /* No product endoflife.date does not track, and no cycle it does not list. */
    assert_int_equal(feed_eol_find(db, "vsftpd", "3.0.3", &c, &e), 0);
    assert_int_equal(feed_eol_find(db, "ubuntu", "13.10", &c, &e), 0);
    assert_int_equal(feed_eol_find(db, "proftpd", "1.3.4d", &c, &e), 0);
    feed_close(db);
}

static void lab_banners_against_the_shipped_feed(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct host *h = one_host(r, "127.0.82.1");
    /* Captured from Debian 12's servers (tests/fixtures/banners/README). */
    add_fixture(r, h, 22, "banner", "openssh-debian.banner"); /* OpenSSH_9.2p1 Debian-2+deb12u10 */
    add_fixture(r, h, 21, "banner", "vsftpd.banner");         /* vsFTPd 3.0.3 */
    add_fixture(r, h, 80, "http", "nginx.http");              /* nginx/1.22.1 */
    add_fixture(r, h, 6379, "redis", "redis.redis");          /* 7.0.15 */
    /* Hand-written in Apache's own shape: an upstream 2.4.49 build, no distribution marker. */
    add_detected(r, h, 8080, "http",
                 BANNER("HTTP/1.1 200 OK\r\nServer: Apache/2.4.49 (Unix)\r\n\r\n"));
    /* Hand-written: Exim 4.91's greeting (the lab runs no Exim). */
    add_detected(r, h, 25, "banner",
                 BANNER("220 mail.example.test ESMTP Exim 4.91 Sun, 22 Nov 2026 12:00:00 +0000\r\n"));
    /* Hand-written in ProFTPD's own greeting shape (Debian's build hides the version). */
    add_detected(r, h, 2121, "banner",
                 BANNER("220 ProFTPD 1.3.5b Server (ProFTPD Default Installation) [127.0.0.1]\r\n"));
    /* Ubuntu 22.04's sshd before and at the fix of CVE-2024-6387 (1:8.9p1-3ubuntu0.10): the
     * banner names no release; Ubuntu's record fixes 8.9p1 only in 22.04's entry. */
    struct host *ub = one_host(r, "127.0.82.9");
    add_detected(r, ub, 2200, "banner", BANNER("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n"));
    add_detected(r, ub, 2201, "banner", BANNER("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.7\r\n"));
    run_patch(r);

    /* A Debian 12 build: the upstream version is inside four NVD ranges; Debian 12's records
     * (from openssh's changelog) fix three of them in revisions this one is past, and name
     * nothing for CVE-2024-6387 (deb12u3's entry names no CVE), which stays a possible
     * backport. */
    const struct finding *f = cve_finding(r, 22);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2024-6387");
    assert_string_equal(finding_fact(f, "fixed_by_distro"),
                        "CVE-2023-38408 (Debian:12 1:9.2p1-2+deb12u1),"
                        "CVE-2023-51385 (Debian:12 1:9.2p1-2+deb12u2),"
                        "CVE-2025-26465 (Debian:12 1:9.2p1-2+deb12u5)");
    assert_string_equal(finding_fact(f, "confidence"), "possible-backport");
    assert_string_equal(finding_fact(f, "distro"), "Debian");
    assert_string_equal(finding_fact(f, "cvss_max"), "8.1"); /* was 9.8, CVE-2023-38408's */
    assert_string_equal(finding_fact(f, "kev"), "no");
    assert_int_equal(f->severity, SEV_MEDIUM); /* high, one level lower for the backport */

    /* Ubuntu: the release is the one whose record fixes 8.9p1 (22.04; 24.04's fix is of
     * 9.6p1). At 3ubuntu0.10 CVE-2024-6387 is fixed by the build; at 3ubuntu0.7 Ubuntu's record
     * lists the version as affected and names the fix. The other three CVEs have no Ubuntu
     * record here: possible backports. */
    f = cve_finding(r, 2200);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2023-38408,CVE-2023-51385,CVE-2025-26465");
    assert_string_equal(finding_fact(f, "fixed_by_distro"),
                        "CVE-2024-6387 (Ubuntu:22.04:LTS 1:8.9p1-3ubuntu0.10)");
    assert_string_equal(finding_fact(f, "confidence"), "possible-backport");
    assert_string_equal(finding_fact(f, "distro"), "Ubuntu");
    f = cve_finding(r, 2201);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"),
                        "CVE-2023-38408,CVE-2023-51385,CVE-2024-6387,CVE-2025-26465");
    assert_string_equal(finding_fact(f, "distro_fixed"), "CVE-2024-6387 1:8.9p1-3ubuntu0.10");
    assert_null(finding_fact(f, "fixed_by_distro"));
    /* That release is the host's for end of life: Ubuntu 22.04's standard support ends on
     * 2027-04-01 (patch.eol.soon before, patch.eol from that day), said once for the host. */
    const struct finding *os = NULL;
    size_t n_os = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        const char *prod = finding_fact(r->findings[i], "eol_product");
        if (prod && strcmp(prod, "ubuntu") == 0) {
            os = r->findings[i];
            n_os++;
        }
    }
    assert_int_equal(n_os, 1);
    assert_string_equal(finding_fact(os, "cycle"), "22.04");
    assert_string_equal(finding_fact(os, "eol_date"), "2027-04-01");
    assert_string_equal(os->kind, time(NULL) < (time_t)1806537600 /* 2027-04-01 */
                                      ? "patch.eol.soon" : "patch.eol");
    assert_non_null(strstr(finding_fact(os, "seen_on"), "(the release whose records fix 8.9p1)"));

    f = cve_finding(r, 21);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2021-30047");
    assert_string_equal(finding_fact(f, "confidence"), "likely");
    assert_string_equal(finding_fact(f, "cvss_max"), "7.5");
    assert_int_equal(f->severity, SEV_HIGH);

    assert_null(cve_finding(r, 80));
    /* Redis 7.0.15: the Lua use-after-free, scored by NVD's primary metric (8.8; GitHub's
     * secondary says 9.9); its INFO names no distribution, so likely. */
    f = cve_finding(r, 6379);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2025-49844");
    assert_string_equal(finding_fact(f, "confidence"), "likely");
    assert_string_equal(finding_fact(f, "cvss_max"), "8.8");
    assert_int_equal(f->severity, SEV_HIGH);

    f = cve_finding(r, 8080);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2021-42013,CVE-2021-44790,CVE-2023-25690,"
                                                 "CVE-2021-41773,CVE-2024-27316");
    assert_string_equal(finding_fact(f, "confidence"), "likely");
    assert_string_equal(finding_fact(f, "kev"), "yes");
    assert_string_equal(finding_fact(f, "kev_cves"), "CVE-2021-42013,CVE-2021-41773");
    assert_int_equal(f->severity, SEV_CRITICAL);

    f = cve_finding(r, 25);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2019-10149");
    assert_string_equal(finding_fact(f, "kev"), "yes");
    assert_string_equal(finding_fact(f, "confidence"), "likely");

    /* ProFTPD 1.3.5b: mod_copy's CVE and the command parser's over-read, and a cycle past its
     * end of life since 2020-07-20 (more than two years: critical). */
    f = cve_finding(r, 2121);
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "cves"), "CVE-2019-12815,CVE-2023-51713");
    assert_string_equal(finding_fact(f, "confidence"), "likely");
    const struct finding *eol = NULL;
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i]->kind, "patch.eol") == 0 && r->findings[i]->port == 2121)
            eol = r->findings[i];
    assert_non_null(eol);
    assert_string_equal(finding_fact(eol, "eol_product"), "proftpd");
    assert_string_equal(finding_fact(eol, "cycle"), "1.3.5");
    assert_string_equal(finding_fact(eol, "eol_date"), "2020-07-20");
    assert_string_equal(finding_fact(eol, "latest"), "1.3.5e");
    assert_int_equal(eol->severity, SEV_CRITICAL);

    /* The shipped NVD records are months old: the feed says so. */
    size_t stale = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        stale += strcmp(r->findings[i]->kind, "patch.feed.stale") == 0;
    assert_int_equal(stale, 1);
    scan_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_shipped_record_parses),
        cmocka_unit_test(shipped_records_match_their_ranges),
        cmocka_unit_test(shipped_osv_records),
        cmocka_unit_test(shipped_eol_cycles),
        cmocka_unit_test(lab_banners_against_the_shipped_feed),
    };
    return cmocka_run_group_tests(tests, group_setup, patch_group_teardown);
}
