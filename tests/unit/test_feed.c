/* The advisory feed store: the real records in tests/fixtures/feeds/ (see the README there)
 * imported end to end and read back row by row; malformed files rejected with the JSON path
 * and nothing half-imported; times and CVSS v3 scores. The store is a real SQLite file in a
 * temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/feed.h"
#include "checks/feed_eol.h"
#include "checks/feed_impl.h"
#include "scanner/atomic.h"
#include "tests/unit/feed_rows.h"

#define NOW ((time_t)1720656000) /* 2024-07-11T00:00:00Z */

struct fx {
    char dir[64];
    char path[128];
    struct feed_db *db;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/rm-feed-XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    /* A directory that does not exist yet: feed_open creates it 0700. */
    snprintf(f->path, sizeof f->path, "%s/data/feed.db", f->dir);
    struct rm_err e = {{0}};
    if (feed_open(f->path, true, &f->db, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    feed_close(f->db);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void import_ok(struct fx *f, const char *name, const char *format, size_t records)
{
    char path[200];
    snprintf(path, sizeof path, "tests/fixtures/feeds/%s", name);
    struct feed_import_result r;
    struct rm_err e = {{0}};
    if (feed_import_file(f->db, path, NOW, &r, &e) != 0)
        fail_msg("import %s: %s", name, e.msg);
    assert_string_equal(r.format, format);
    assert_int_equal(r.records, records);
}

/* One value of a query with one text parameter (or none), as text; "" for NULL. */
static const char *q1(struct fx *f, const char *sql, const char *arg)
{
    static char out[512];
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (arg)
        sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
    out[0] = '\0';
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

static void file_modes(void **state)
{
    struct fx *f = *state;
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char dir[160];
    snprintf(dir, sizeof dir, "%s/data", f->dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    /* Without create, a missing store is "no feed", not an empty one. */
    struct feed_db *db;
    struct rm_err e = {{0}};
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none/feed.db", f->dir);
    assert_int_equal(feed_open(missing, false, &db, &e), -1);
    assert_memory_equal(e.msg, "no feed at ", 11);
}

static void nvd_records(void **state)
{
    struct fx *f = *state;
    import_ok(f, "nvd-openssh.json", "nvd", 5);
    import_ok(f, "nvd-httpd.json", "nvd", 5);
    import_ok(f, "nvd-nginx.json", "nvd", 2);
    import_ok(f, "nvd-vsftpd.json", "nvd", 2);
    import_ok(f, "nvd-openssl.json", "nvd", 3);
    import_ok(f, "nvd-redis-samba.json", "nvd", 3);
    assert_string_equal(q1(f, "SELECT count(*) FROM advisory WHERE source='nvd'", NULL), "20");

    /* regreSSHion: two intervals, times normalised, the secondary metric taken when it is the
     * only one. */
    assert_string_equal(q1(f, "SELECT group_concat(coalesce(r.introduced,'-') || '..' ||"
                              " coalesce(r.fixed,'') || '|' || coalesce(r.last_affected,''), ' ')"
                              " FROM affected_range r JOIN affected a ON a.id = r.affected"
                              " JOIN advisory v ON v.id = a.advisory WHERE v.name = ?"
                              " ORDER BY r.rowid", "CVE-2024-6387"),
                        "-..4.4p1| 8.5p1..9.8p1|");
    assert_string_equal(q1(f, "SELECT published || ' ' || modified || ' ' || cvss3_score || ' '"
                              " || cvss3_vector FROM advisory WHERE name = ?", "CVE-2024-6387"),
                        "2024-07-01T13:15:06Z 2024-07-01T13:15:06Z 8.1 "
                        "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_string_equal(q1(f, "SELECT vendor || ':' || product FROM affected a JOIN advisory v"
                              " ON v.id = a.advisory WHERE v.name = ?", "CVE-2024-6387"),
                        "openbsd:openssh");
    /* "through 7.7": last_affected. */
    assert_string_equal(q1(f, "SELECT coalesce(r.introduced,'-') || '..' || coalesce(r.fixed,'-')"
                              " || '|' || r.last_affected FROM affected_range r JOIN affected a"
                              " ON a.id = r.affected JOIN advisory v ON v.id = a.advisory"
                              " WHERE v.name = ?", "CVE-2018-15473"),
                        "-..-|7.7");
    /* Heartbleed: seven exact versions, no interval. */
    assert_string_equal(q1(f, "SELECT group_concat(x.version, ',') FROM affected_version x"
                              " JOIN affected a ON a.id = x.affected JOIN advisory v"
                              " ON v.id = a.advisory WHERE v.name = ?", "CVE-2014-0160"),
                        "1.0.1,1.0.1a,1.0.1b,1.0.1c,1.0.1d,1.0.1e,1.0.1f");
    assert_string_equal(q1(f, "SELECT count(*) FROM affected_range r JOIN affected a"
                              " ON a.id = r.affected JOIN advisory v ON v.id = a.advisory"
                              " WHERE v.name = ?", "CVE-2014-0160"), "0");
    /* vsftpd 2.3.4: the exact version of the criteria. */
    assert_string_equal(q1(f, "SELECT a.cpe_version FROM affected a JOIN advisory v"
                              " ON v.id = a.advisory WHERE v.name = ?", "CVE-2011-2523"), "2.3.4");
    /* CVSS v2 only: no v3 score. */
    assert_string_equal(q1(f, "SELECT coalesce(cvss3_score, 'none') FROM advisory WHERE name = ?",
                           "CVE-2015-1419"), "none");
    /* OpenSSL's letter releases, and Redis's three branches. */
    assert_string_equal(q1(f, "SELECT group_concat(r.introduced || '..' || r.fixed, ' ')"
                              " FROM affected_range r JOIN affected a ON a.id = r.affected"
                              " JOIN advisory v ON v.id = a.advisory WHERE v.name = ?",
                           "CVE-2023-0286"), "1.0.2..1.0.2zg 1.1.1..1.1.1t 3.0.0..3.0.8");
    assert_string_equal(q1(f, "SELECT count(*) FROM affected a JOIN advisory v"
                              " ON v.id = a.advisory WHERE v.name = ?", "CVE-2022-24834"), "3");
}

static void osv_and_kev_records(void **state)
{
    struct fx *f = *state;
    import_ok(f, "osv-debian.json", "osv", 7);
    import_ok(f, "kev.json", "kev", 5);
    assert_string_equal(q1(f, "SELECT a.ecosystem || ' ' || a.package || ' ' || r.type || ' ' ||"
                              " coalesce(r.introduced, '0') || ' ' || r.fixed FROM affected_range r"
                              " JOIN affected a ON a.id = r.affected JOIN advisory v"
                              " ON v.id = a.advisory WHERE v.name = ?", "DEBIAN-CVE-2024-6387"),
                        "Debian:12 openssh ECOSYSTEM 0 1:9.2p1-2+deb12u3");
    /* upstream[] is kept as an alias: the CVE the Debian record is about. */
    assert_string_equal(q1(f, "SELECT v.name FROM alias l JOIN advisory v ON v.id = l.advisory"
                              " WHERE l.name = ?", "CVE-2022-0543"), "DEBIAN-CVE-2022-0543");
    /* The v3 score computed from the OSV vector (S:C, all high: 10.0). */
    assert_string_equal(q1(f, "SELECT cvss3_score FROM advisory WHERE name = ?",
                           "DEBIAN-CVE-2022-0543"), "10.0");
    assert_string_equal(q1(f, "SELECT database_specific FROM affected a JOIN advisory v"
                              " ON v.id = a.advisory WHERE v.name = ? LIMIT 1",
                           "DEBIAN-CVE-2021-44142"),
                        "{\"source\":\"https://security-tracker.debian.org/tracker/\"}");
    assert_string_equal(q1(f, "SELECT date_added || ' ' || due_date || ' ' || vendor || '/' ||"
                              " product FROM kev WHERE cve = ?", "CVE-2021-41773"),
                        "2021-11-03 2021-11-17 Apache/HTTP Server");

    struct feed_source_info info[4];
    size_t n;
    struct rm_err e = {{0}};
    assert_int_equal(feed_info(f->db, info, 4, &n, &e), 0);
    assert_int_equal(n, 2); /* nothing from NVD in this store */
    assert_string_equal(info[0].source, "osv");
    assert_int_equal(info[0].records, 7);
    assert_string_equal(info[0].newest, "2024-07-01T19:15:04Z");
    assert_string_equal(info[0].imported, "2024-07-11T00:00:00Z");
    assert_string_equal(info[1].source, "kev");
    assert_int_equal(info[1].records, 5);
    assert_string_equal(info[1].newest, "2024-07-10T17:00:00Z");
}

/* Ubuntu's records are named for their CVE and list it in related, not in aliases: the id
 * gives the CVE only when related names it too, and only a well-formed one. */
static void cve_from_record_id(void **state)
{
    struct fx *f = *state;
    char path[300];
    snprintf(path, sizeof path, "%s/ubuntu.json", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("[{\"id\": \"UBUNTU-CVE-2024-6387\", \"modified\": \"2024-07-01T00:00:00Z\","
          " \"aliases\": [], \"related\": [\"CVE-2024-6387\", \"USN-6859-1\"]},"
          " {\"id\": \"UBUNTU-CVE-2024-6388\", \"modified\": \"2024-07-01T00:00:00Z\","
          " \"related\": [\"USN-6859-1\"]},"
          " {\"id\": \"UBUNTU-CVE-2024-63x\", \"modified\": \"2024-07-01T00:00:00Z\","
          " \"related\": [\"CVE-2024-63x\"]}]", fp);
    assert_int_equal(fclose(fp), 0);
    struct feed_import_result r;
    struct rm_err e = {{0}};
    if (feed_import_file(f->db, path, NOW, &r, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(r.records, 3);
    const char *sql = "SELECT coalesce(cve, 'none') FROM advisory WHERE name = ?";
    assert_string_equal(q1(f, sql, "UBUNTU-CVE-2024-6387"), "CVE-2024-6387");
    assert_string_equal(q1(f, sql, "UBUNTU-CVE-2024-6388"), "none");
    assert_string_equal(q1(f, sql, "UBUNTU-CVE-2024-63x"), "none");
}

static void reimport_replaces(void **state)
{
    struct fx *f = *state;
    import_ok(f, "nvd-httpd.json", "nvd", 5);
    import_ok(f, "nvd-httpd.json", "nvd", 5);
    assert_string_equal(q1(f, "SELECT count(*) FROM advisory", NULL), "5");
    assert_string_equal(q1(f, "SELECT count(*) FROM affected", NULL), "6");
    assert_string_equal(q1(f, "SELECT count(*) FROM feed_import", NULL), "2");
    struct feed_source_info info[4];
    size_t n;
    struct rm_err e = {{0}};
    assert_int_equal(feed_info(f->db, info, 4, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(info[0].imports, 2);
    assert_string_equal(info[0].newest, "2024-07-01T19:15:04Z");
}

/* Each malformed input (hand-written, not real records) and the exact message. */
static void malformed_rejected_whole(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *json, *msg;
    } bad[] = {
        {"{\"id\": \"X-1\"", "t.json: not JSON (error near byte 11)"},
        {"{\"hello\": 1}", "t.json: (top): neither an OSV record, an NVD CVE 2.0 feed, the KEV "
                              "catalog nor endoflife.date data"},
        {"[{\"id\": \"OSV-1\", \"modified\": \"2024-01-01T00:00:00Z\"}, {\"id\": 7}]",
         "t.json: [1].id: not a string"},
        {"{\"id\": \"OSV-1\", \"modified\": \"yesterday\"}",
         "t.json: modified: not a date or RFC 3339 time: \"yesterday\""},
        {"{\"id\": \"OSV-1\", \"modified\": \"2024-01-01T00:00:00Z\", \"affected\": [{\"package\":"
         " {\"ecosystem\": \"npm\", \"name\": \"x\"}, \"ranges\": [{\"type\": \"SEMVER\", \"events\":"
         " [{\"introduced\": \"0\"}]}, {\"type\": \"FOO\", \"events\": []}]}]}",
         "t.json: affected[0].ranges[1].type: unknown range type \"FOO\""},
        {"{\"id\": \"OSV-1\", \"modified\": \"2024-01-01T00:00:00Z\", \"affected\": [{\"ranges\":"
         " [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\", \"fixed\": \"1\"}]}]}]}",
         "t.json: affected[0].ranges[0].events[0]: more than one of "
         "introduced/fixed/last_affected/limit"},
        {"{\"id\": \"OSV-1\", \"modified\": \"2024-01-01T00:00:00Z\", \"affected\": [{\"ranges\":"
         " [{\"type\": \"GIT\", \"events\": [{\"introduced\": \"0\"}]}]}]}",
         "t.json: affected[0].ranges[0].repo: missing"},
        {"{\"id\": \"OSV-1\", \"modified\": \"2024-01-01T00:00:00Z\", \"severity\": [{\"type\":"
         " \"CVSS_V3\", \"score\": \"CVSS:3.1/AV:N\"}]}",
         "t.json: severity[0]: score is not a CVSS v3 vector: \"CVSS:3.1/AV:N\""},
        {"{\"format\": \"NVD_CVE\", \"version\": \"2.0\", \"vulnerabilities\": [{\"cve\": {\"id\":"
         " \"CVE-2024-0001\", \"published\": \"2024-01-01T00:00:00.000\", \"lastModified\":"
         " \"2024-01-01T00:00:00.000\", \"configurations\": [{\"nodes\": [{\"cpeMatch\":"
         " [{\"vulnerable\": true, \"criteria\": \"cpe:2.3:a:x\"}]}]}]}}]}",
         "t.json: vulnerabilities[0].cve.configurations[0].nodes[0].cpeMatch[0].criteria: not a "
         "CPE 2.3 name: \"cpe:2.3:a:x\""},
        {"{\"format\": \"NVD_CVE\", \"version\": \"2.0\", \"vulnerabilities\": [{\"cve\": {\"id\":"
         " \"CVE-24-1\", \"published\": \"2024-01-01T00:00:00.000\", \"lastModified\":"
         " \"2024-01-01T00:00:00.000\"}}]}",
         "t.json: vulnerabilities[0].cve.id: not a CVE id: \"CVE-24-1\""},
        {"{\"format\": \"NVD_CVE\", \"version\": \"2.0\", \"vulnerabilities\": [{\"cve\": {\"id\":"
         " \"CVE-2024-0001\", \"published\": \"2024-01-01T00:00:00.000\", \"lastModified\":"
         " \"2024-01-01T00:00:00.000\", \"metrics\": {\"cvssMetricV31\": [{\"type\": \"Primary\","
         " \"cvssData\": {\"baseScore\": 11, \"vectorString\": \"CVSS:3.1/AV:N\"}}]}}}]}",
         "t.json: vulnerabilities[0].cve.metrics.cvssMetricV31[0].cvssData.baseScore: missing or "
         "not a number from 0 to 10"},
        {"{\"catalogVersion\": \"1\", \"dateReleased\": \"2024-01-01T00:00:00Z\","
         " \"vulnerabilities\": [{\"cveID\": \"CVE-2024-0001\"}]}",
         "t.json: vulnerabilities[0].dateAdded: missing"},
    };
    /* A good import first, to see that failed ones leave it alone. */
    import_ok(f, "kev.json", "kev", 5);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct feed_import_result r;
        struct rm_err e = {{0}};
        if (feed_import_buffer(f->db, "t.json", NULL, bad[i].json, strlen(bad[i].json), NOW, &r, &e) != -1)
            fail_msg("case %zu imported", i);
        assert_string_equal(e.msg, bad[i].msg);
        assert_int_equal(r.records, 0);
    }
    /* The first record of the OSV list was valid and stored before the second failed: rolled
     * back with the rest. */
    assert_string_equal(q1(f, "SELECT count(*) FROM advisory", NULL), "0");
    assert_string_equal(q1(f, "SELECT count(*) FROM kev", NULL), "5");
    assert_string_equal(q1(f, "SELECT count(*) FROM feed_import", NULL), "1");
}

/* A document imported three ways, each into a fresh store: from memory a record at a time,
 * from a file through the reader's window, and as one cJSON tree (the reference). All three
 * must agree: result, message, counts and every row. Returns the result; msg gets the
 * message. */
static int three_ways(struct fx *f, const char *base, const char *json, size_t len, char *msg)
{
    char path[200];
    snprintf(path, sizeof path, "%s/%s", f->dir, base);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(json, 1, len, out), len);
    assert_int_equal(fclose(out), 0);
    int rc[3];
    struct feed_import_result r[3];
    struct rm_err e[3] = {{{0}}};
    char *rows[3];
    for (int way = 0; way < 3; way++) {
        struct feed_db *db;
        assert_int_equal(feed_open(":memory:", true, &db, &e[way]), 0);
        rc[way] = way == 0   ? feed_import_buffer(db, path, NULL, json, len, NOW, &r[way], &e[way])
                  : way == 1 ? feed_import_file(db, path, NOW, &r[way], &e[way])
                             : feed_import_buffer_whole(db, path, NULL, json, len, NOW, &r[way],
                                                        &e[way]);
        rows[way] = feed_rows_text(db->db);
        assert_non_null(rows[way]);
        feed_close(db);
    }
    for (int way = 0; way < 2; way++) {
        if (rc[way] != rc[2] || (rc[2] < 0 && strcmp(e[way].msg, e[2].msg) != 0))
            fail_msg("%s, way %d: %d \"%s\", whole: %d \"%s\"", base, way, rc[way], e[way].msg,
                     rc[2], e[2].msg);
        assert_string_equal(r[way].format, r[2].format);
        assert_int_equal(r[way].records, r[2].records);
        assert_int_equal(r[way].skipped, r[2].skipped);
        assert_string_equal(r[way].newest, r[2].newest);
        assert_string_equal(rows[way], rows[2]);
    }
    for (int way = 0; way < 3; way++)
        free(rows[way]);
    snprintf(msg, 512, "%s", rc[2] < 0 ? e[2].msg + strlen(path) : "");
    return rc[2];
}

#define OSV_OK(id) "{\"id\": \"" id "\", \"modified\": \"2024-01-01T00:00:00Z\", \"upstream\": " \
    "[\"CVE-2024-0001\"], \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\", \"name\": " \
    "\"p\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"}, " \
    "{\"fixed\": \"1.2-1\"}]}], \"database_specific\": {\"urgency\": \"low\"}}]}"
#define NVD_OK(id) "{\"cve\": {\"id\": \"" id "\", \"published\": \"2024-01-01T00:00:00.000\", " \
    "\"lastModified\": \"2024-01-02T00:00:00.000\", \"configurations\": [{\"nodes\": " \
    "[{\"cpeMatch\": [{\"vulnerable\": true, \"criteria\": " \
    "\"cpe:2.3:a:v:p:*:*:*:*:*:*:*:*\", \"versionEndExcluding\": \"2.0\"}]}]}]}}"

/* The record-at-a-time reader against the whole-document one, on documents that take each of
 * its turns: lists of OSV records good and bad, NVD files whose header comes after the
 * records or is wrong, the KEV catalog (also a vulnerabilities array), endoflife.date data,
 * and what it leaves to the whole-document reader (syntax errors after a refused record,
 * trailing data, deep nesting). */
static void streamed_like_whole(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *name, *json;
        int rc;
        const char *msg; /* after the file name */
    } cases[] = {
        {"list.json", "\xEF\xBB\xBF [" OSV_OK("A-1") ",\n" OSV_OK("A-2") "] \n", 0, ""},
        {"empty.json", "[]", 0, ""},
        {"one.json", OSV_OK("A-1"), 0, ""},
        {"bad2.json", "[" OSV_OK("A-1") ", {\"id\": 7}, " OSV_OK("A-3") "]", -1,
         ": [1].id: not a string"},
        {"bad2-then-syntax.json", "[" OSV_OK("A-1") ", {\"id\": 7}, {\"id\": ]", -1,
         ": not JSON (error near byte 298)"},
        {"trailing.json", "[" OSV_OK("A-1") "] x", 0, ""},
        {"deep.json", "[" OSV_OK("A-1") ", {\"id\": \"A-2\", \"modified\": "
         "\"2024-01-01T00:00:00Z\", \"database_specific\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
         "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
         "]]]]]]]]]]]]]]]]]]]]}]", 0, ""},
        {"nvd.json", "{\"format\": \"NVD_CVE\", \"version\": \"2.0\", \"vulnerabilities\": ["
         NVD_OK("CVE-2024-0001") ", " NVD_OK("CVE-2024-0002") "], \"vulnerabilities\": 1}", 0, ""},
        {"nvd-late-header.json", "{\"vulnerabilities\": [" NVD_OK("CVE-2024-0001") "],"
         " \"version\": \"2.0\"}", 0, ""},
        {"nvd-bad-format.json", "{\"vulnerabilities\": [" NVD_OK("CVE-2024-0001") ", {}],"
         " \"format\": \"NVD_CVE\", \"version\": \"3.0\"}", -1,
         ": version: not a 2.x version of the NVD CVE format"},
        {"nvd-bad-record.json", "{\"vulnerabilities\": [" NVD_OK("CVE-2024-0001") ", {}]}", -1,
         ": vulnerabilities[1].cve: missing or not an object"},
        {"nvd-not-array.json", "{\"format\": \"NVD_CVE\", \"vulnerabilities\": {}}", -1,
         ": vulnerabilities: missing or not an array"},
        {"kev.json", "{\"catalogVersion\": \"1\", \"dateReleased\": \"2024-01-01T00:00:00Z\","
         " \"vulnerabilities\": [{\"cveID\": \"CVE-2024-0001\", \"dateAdded\": \"2024-01-01\"}]}",
         0, ""},
        {"kev-late.json", "{\"dateReleased\": \"2024-01-01T00:00:00Z\", \"vulnerabilities\":"
         " [{\"cveID\": \"CVE-2024-0001\", \"dateAdded\": \"2024-01-01\"}],"
         " \"catalogVersion\": \"1\"}", 0, ""},
        {"nginx.json", "[{\"cycle\": \"1.26\", \"releaseDate\": \"2024-04-23\", \"eol\": false}]",
         0, ""},
        {"neither.json", "{\"hello\": [1, 2]}", -1,
         ": (top): neither an OSV record, an NVD CVE 2.0 feed, the KEV catalog nor "
         "endoflife.date data"},
        {"blank.json", " \n", -1, ": not JSON (error near byte 1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[512];
        int rc = three_ways(f, cases[i].name, cases[i].json, strlen(cases[i].json), msg);
        if (rc != cases[i].rc || strcmp(msg, cases[i].msg) != 0)
            fail_msg("%s: %d \"%s\"", cases[i].name, rc, msg);
    }
    /* The real fixtures. */
    static const char *const fixtures[] = {"osv-debian.json", "nvd-openssh.json", "kev.json",
                                           "nvd-openssl.json", "eol/php-v1.json"};
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        char path[200], *data = NULL, msg[512];
        size_t len = 0;
        struct rm_err e = {{0}};
        snprintf(path, sizeof path, "tests/fixtures/feeds/%s", fixtures[i]);
        assert_int_equal(read_file_bounded(path, FEED_MAX_FILE, &data, &len, &e), 0);
        assert_int_equal(three_ways(f, strchr(fixtures[i], '/') ? "php-v1.json" : fixtures[i],
                                    data, len, msg), 0);
        free(data);
    }
}

/* Records larger than the first window onto a file (256 KiB), and many records: the window
 * slides and grows, and a value cut at its edge is read again whole. */
static void streamed_through_window(void **state)
{
    struct fx *f = *state;
    size_t cap = 3u << 20, len = 0;
    char *doc = malloc(cap);
    assert_non_null(doc);
    len += (size_t)snprintf(doc + len, cap - len, "[");
    for (int i = 0; i < 2000; i++)
        len += (size_t)snprintf(doc + len, cap - len, "%s{\"id\": \"W-%d\", \"modified\": "
                                "\"2024-01-01T00:00:00Z\", \"summary\": \"%0*d\"}",
                                i ? ",  " : "", i, i % 500 == 7 ? 300000 : 1 + i % 40, i);
    len += (size_t)snprintf(doc + len, cap - len, "]");
    assert_true(len < cap);
    char msg[512];
    assert_int_equal(three_ways(f, "window.json", doc, len, msg), 0);
    free(doc);
}

/* OSV event lists turned into intervals (hand-written records exercising the schema). */
static void osv_events_to_intervals(void **state)
{
    struct fx *f = *state;
    static const char rec[] =
        "{\"id\": \"OSV-TEST-1\", \"modified\": \"2024-03-01T10:00:00+02:00\","
        " \"withdrawn\": \"2024-03-02T00:00:00Z\","
        " \"severity\": [{\"type\": \"CVSS_V4\", \"score\": \"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/"
        "VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\"}],"
        " \"affected\": [{\"package\": {\"ecosystem\": \"npm\", \"name\": \"p\"},"
        "  \"ranges\": [{\"type\": \"SEMVER\", \"events\": [{\"introduced\": \"0\"},"
        "   {\"fixed\": \"1.0.1\"}, {\"introduced\": \"2.0.0\"}, {\"last_affected\": \"2.3.0\"},"
        "   {\"introduced\": \"3.0.0\"}]},"
        "   {\"type\": \"GIT\", \"repo\": \"https://example.org/r\", \"events\": [{\"introduced\":"
        "   \"a1\"}, {\"limit\": \"b2\"}]}],"
        "  \"versions\": [\"1.0.0\", \"2.1.0\"]}]}";
    struct feed_import_result r;
    struct rm_err e = {{0}};
    assert_int_equal(feed_import_buffer(f->db, "t.json", NULL, rec, strlen(rec), NOW, &r, &e), 0);
    assert_int_equal(r.records, 1);
    assert_int_equal(r.skipped, 1); /* withdrawn */
    assert_string_equal(r.newest, "2024-03-01T08:00:00Z");
    assert_string_equal(q1(f, "SELECT group_concat(type || ':' || coalesce(introduced, '-') || '..'"
                              " || coalesce(fixed, '') || '|' || coalesce(last_affected, ''), ' ')"
                              " FROM (SELECT * FROM affected_range ORDER BY rowid)", NULL),
                        "SEMVER:-..1.0.1| SEMVER:2.0.0..|2.3.0 SEMVER:3.0.0..| GIT:a1..|");
    assert_string_equal(q1(f, "SELECT coalesce(cvss4_score, 'none') || ' ' || withdrawn FROM"
                              " advisory", NULL), "none 2024-03-02T00:00:00Z");
}

static void times(void **state)
{
    (void)state;
    static const char *const ok[][2] = {
        {"2024-07-01", "2024-07-01T00:00:00Z"},
        {"2024-07-01T13:15:06.467", "2024-07-01T13:15:06Z"},
        {"2024-07-09T18:47:00.123456Z", "2024-07-09T18:47:00Z"},
        {"2024-01-01T01:30:00+02:00", "2023-12-31T23:30:00Z"},
        {"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char out[FEED_TIME_LEN];
        assert_int_equal(feed_time_norm(ok[i][0], out), 0);
        assert_string_equal(out, ok[i][1]);
    }
    static const char *const bad[] = {"", "2024", "2024-13-01", "2023-02-29", "2024-07-01T25:00:00",
                                      "2024-07-01T10:00:00X", "2024-07-01 junk", "24-07-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[FEED_TIME_LEN];
        if (feed_time_norm(bad[i], out) == 0)
            fail_msg("\"%s\" accepted", bad[i]);
    }
    assert_int_equal(feed_time_parse("2024-07-11T00:00:00Z"), NOW);
    assert_int_equal(feed_time_parse("2024-07-11"), -1);
    /* UTC times are written without the C library (a leap second kept as :59); times with an
     * offset go through it: both agree with gmtime + strftime from 1970 to 9999. */
    for (time_t t = 0; t < (time_t)253402300799; t += 86400 * 97 + 3607 * 13 + 61) {
        struct tm u;
        char in[40], want[FEED_TIME_LEN], out[FEED_TIME_LEN], shifted[40];
        assert_non_null(gmtime_r(&t, &u));
        strftime(in, sizeof in, "%Y-%m-%dT%H:%M:%S", &u);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &u);
        assert_int_equal(feed_time_norm(in, out), 0);
        assert_string_equal(out, want);
        time_t later = t + 5400;
        assert_non_null(gmtime_r(&later, &u));
        if (u.tm_year + 1900 > 9999)
            continue;
        strftime(shifted, sizeof shifted, "%Y-%m-%dT%H:%M:%S+01:30", &u);
        assert_int_equal(feed_time_norm(shifted, out), 0);
        assert_string_equal(out, want);
    }
    char out[FEED_TIME_LEN];
    assert_int_equal(feed_time_norm("2016-12-31T23:59:60Z", out), 0);
    assert_string_equal(out, "2016-12-31T23:59:59Z");
}

static void cvss3_scores(void **state)
{
    (void)state;
    /* Scores as NVD publishes them for these vectors (the fixtures' records). */
    static const struct {
        const char *v;
        double s;
    } t[] = {
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
        {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1},
        {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N", 5.9},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3},
        {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:L/A:H", 7.7},
        {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H", 7.4},
        {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
        {"CVSS:3.0/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.0},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O", 9.8},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        double s = cvss3_base_score(t[i].v);
        if (s < t[i].s - 1e-9 || s > t[i].s + 1e-9)
            fail_msg("%s: %.1f, want %.1f", t[i].v, s, t[i].s);
    }
    static const char *const bad[] = {"", "CVSS:2.0/AV:N", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
                                      "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                      "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_true(cvss3_base_score(bad[i]) < 0);
}


/* ---- end of life (endoflife.date) ------------------------------------------------------- */

/* The v0 cycle lists (product from the file name) and a v1 product, read back row by row. */
static void eol_formats(void **state)
{
    struct fx *f = *state;
    import_ok(f, "eol/nginx.json", "eol", 7);
    import_ok(f, "eol/redis.json", "eol", 4);
    import_ok(f, "eol/openssl.json", "eol", 4);
    import_ok(f, "eol/php-v1.json", "eol", 3);
    assert_string_equal(q1(f, "SELECT group_concat(product || ':' || n, ' ') FROM (SELECT product,"
                              " count(*) n FROM eol GROUP BY product ORDER BY product)", NULL),
                        "nginx:7 openssl:4 php:3 redis:4");
    /* A date, false, and the fields kept. */
    assert_string_equal(q1(f, "SELECT release_date || '|' || eol || '|' || eol_flag || '|' ||"
                              " latest || '|' || latest_date || '|' || lts FROM eol WHERE product ="
                              " 'nginx' AND cycle = ?1", "1.24"),
                        "2023-04-11|2024-04-23|1|1.24.0|2023-04-11|false");
    assert_string_equal(q1(f, "SELECT ifnull(eol, '-') || '|' || eol_flag FROM eol WHERE product ="
                              " 'nginx' AND cycle = ?1", "1.29"), "-|0");
    assert_string_equal(q1(f, "SELECT support FROM eol WHERE product = 'redis' AND cycle = ?1", "7.0"),
                        "2023-08-15");
    assert_string_equal(q1(f, "SELECT lts || '|' || latest FROM eol WHERE product = 'openssl' AND"
                              " cycle = ?1", "1.0.2"), "true|1.0.2u");
    /* v1: eolFrom is the date, eoasFrom the end of active support, latest.name/date. */
    assert_string_equal(q1(f, "SELECT eol || '|' || support || '|' || latest || '|' || latest_date"
                              " || '|' || lts FROM eol WHERE product = 'php' AND cycle = ?1", "7.4"),
                        "2022-11-28|2021-11-28|7.4.33|2022-11-03|false");
    /* What is loaded: the eol source, newest = the newest cycle release in the files. */
    struct feed_source_info info[8];
    size_t n;
    struct rm_err e = {{0}};
    assert_int_equal(feed_info(f->db, info, 8, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(info[0].source, "eol");
    assert_int_equal(info[0].records, 18);
    assert_int_equal(info[0].imports, 4);
    assert_string_equal(info[0].newest, "2026-02-22T00:00:00Z"); /* redis 7.4.8 */
    char sum[200];
    size_t np, nc;
    assert_int_equal(feed_eol_summary(f->db, sum, sizeof sum, &np, &nc, &e), 0);
    assert_string_equal(sum, "nginx (7), openssl (4), php (3), redis (4)");
    assert_int_equal(np, 4);
    assert_int_equal(nc, 18);
    /* Real values with a space: Debian 1.3 "Bo", latest "1.3.1 r.6". */
    static const char bo[] = "[{\"cycle\": \"1.3\", \"codename\": \"Bo\", \"releaseDate\":"
                             " \"1997-07-02\", \"eol\": \"1998-12-08\", \"latest\": \"1.3.1 r.6\"}]";
    struct feed_import_result rb;
    assert_int_equal(feed_import_buffer(f->db, "debian.json", NULL, bo, strlen(bo), NOW, &rb, &e), 0);
    assert_string_equal(q1(f, "SELECT latest FROM eol WHERE product = 'debian' AND cycle = ?1", "1.3"),
                        "1.3.1 r.6");
    /* Imported again, a product's cycles are replaced, not added to. */
    static const char again[] = "[{\"cycle\": \"1.28\", \"eol\": false}]";
    struct feed_import_result r;
    assert_int_equal(feed_import_buffer(f->db, "x/nginx.json", NULL, again, strlen(again), NOW, &r,
                                        &e), 0);
    assert_string_equal(r.format, "eol");
    assert_string_equal(q1(f, "SELECT count(*) FROM eol WHERE product = ?1", "nginx"), "1");
    assert_string_equal(q1(f, "SELECT count(*) FROM eol WHERE product = ?1", "redis"), "4");
}

/* The bundle built into the binary: every product the check maps, real dates. */
static void eol_shipped(void **state)
{
    struct fx *f = *state;
    struct feed_import_result r;
    struct rm_err e = {{0}};
    if (feed_import_shipped_eol(f->db, NOW, &r, &e) < 0)
        fail_msg("%s", e.msg);
    assert_string_equal(r.format, "eol");
    assert_int_equal(r.records, 204);
    char sum[400];
    size_t np, nc;
    assert_int_equal(feed_eol_summary(f->db, sum, sizeof sum, &np, &nc, &e), 0);
    assert_string_equal(sum, "apache (4), debian (6), exim (11), mariadb (21), mysql (16), nginx (16), "
                             "openssh (5), openssl (8), php (12), postfix (17), postgresql (11), "
                             "proftpd (5), redis (10), samba (17), ubuntu (25), windows-server (20)");
    struct eol_cycle c;
    assert_int_equal(feed_eol_find(f->db, "nginx", "1.22.1", &c, &e), 1);
    assert_string_equal(c.eol_date, "2023-04-11");
    assert_int_equal(feed_eol_find(f->db, "apache", "2.2.34", &c, &e), 1);
    assert_string_equal(c.eol_date, "2017-07-11");
    assert_int_equal(feed_eol_find(f->db, "debian", "11", &c, &e), 1);
    assert_string_equal(c.eol_date, "2024-08-14");
    assert_string_equal(c.extended, "2026-08-31");
    assert_int_equal(feed_eol_find(f->db, "redis", "7.0.15", &c, &e), 1);
    assert_string_equal(c.eol_date, "2024-07-29");
    /* endoflife.date has no IIS product (it tracks Windows Server, which ships it). */
    assert_int_equal(feed_eol_find(f->db, "iis", "10.0", &c, &e), 0);
}

static void eol_malformed(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *name, *json, *msg;
    } bad[] = {
        {"Nginx.json", "[{\"cycle\": \"1.24\", \"eol\": \"2024-04-23\"}]",
         "Nginx.json: (top): an endoflife.date cycle list does not name its product: name the "
         "file PRODUCT.json (nginx.json), lower case"},
        {"nginx.json", "[{\"cycle\": \"1.24\", \"eol\": \"2024-04-23\"}, {\"eol\": false}]",
         "nginx.json: [1].cycle: missing"},
        {"nginx.json", "[{\"cycle\": \"1.24\", \"eol\": \"April 2024\"}]",
         "nginx.json: [0].eol: not a date or RFC 3339 time: \"April 2024\""},
        {"nginx.json", "[{\"cycle\": \"1.24\", \"eol\": 2024}]",
         "nginx.json: [0].eol: neither a date nor a boolean"},
        {"nginx.json", "[{\"cycle\": 3.1, \"eol\": false}]",
         "nginx.json: [0].cycle: a number that is not a whole one (write it as a string)"},
        {"nginx.json", "[{\"cycle\": \"1\\t24\", \"eol\": false}]",
         "nginx.json: [0].cycle: contains a control character"},
        {"p.json", "{\"result\": {\"name\": \"PHP\", \"releases\": []}}",
         "p.json: result.name: not an endoflife.date product name: \"PHP\""},
        {"p.json", "{\"result\": {\"name\": \"php\", \"releases\": [{\"name\": \"8.4\", \"isEol\": 1}]}}",
         "p.json: result.releases[0].isEol: not a boolean"},
        {"b.json", "{\"endoflife.date\": {\"nginx\": [{\"cycle\": \"1.24\"}], \"../x\": []}}",
         "b.json: endoflife.date.../x: not an endoflife.date product name"},
    };
    import_ok(f, "eol/redis.json", "eol", 4);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct feed_import_result r;
        struct rm_err e = {{0}};
        if (feed_import_buffer(f->db, bad[i].name, NULL, bad[i].json, strlen(bad[i].json), NOW, &r,
                               &e) != -1)
            fail_msg("case %zu imported", i);
        assert_string_equal(e.msg, bad[i].msg);
        assert_int_equal(r.records, 0);
    }
    /* Nothing half-imported: the bundle's nginx cycle was rolled back with the rest. */
    assert_string_equal(q1(f, "SELECT group_concat(product) FROM (SELECT DISTINCT product FROM eol)",
                           NULL), "redis");
    assert_string_equal(q1(f, "SELECT count(*) FROM eol", NULL), "4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(file_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(nvd_records, setup, teardown),
        cmocka_unit_test_setup_teardown(osv_and_kev_records, setup, teardown),
        cmocka_unit_test_setup_teardown(cve_from_record_id, setup, teardown),
        cmocka_unit_test_setup_teardown(reimport_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_rejected_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(streamed_like_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(streamed_through_window, setup, teardown),
        cmocka_unit_test_setup_teardown(osv_events_to_intervals, setup, teardown),
        cmocka_unit_test_setup_teardown(eol_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(eol_shipped, setup, teardown),
        cmocka_unit_test_setup_teardown(eol_malformed, setup, teardown),
        cmocka_unit_test(times),
        cmocka_unit_test(cvss3_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
