/* The database and directory probes of service detection (scanner/probe_mssql.h,
 * probe_mongo.h, probe_ldap.h): requests byte for byte, the parsers against a real slapd
 * capture, the [MS-TDS] specification's own PRELOGIN example and the synthetic MS SQL and
 * MongoDB answers (tests/fixtures/banners/README), hostile input, and the signature lines
 * that turn the decoded answers into product, version and info. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/atomic.h"
#include "scanner/probe_ldap.h"
#include "scanner/probe_mongo.h"
#include "scanner/probe_mssql.h"
#include "scanner/sigs.h"

#include "sigs_fixture.h"

/* ---- MS SQL ---------------------------------------------------------------------------- */

static void mssql_request_well_formed(void **state)
{
    (void)state;
    unsigned char req[64];
    size_t n = mssql_prelogin_request(req, sizeof req);
    static const unsigned char want[] = {
        0x12, 0x01, 0x00, 0x2f, 0x00, 0x00, 0x01, 0x00,             /* PRELOGIN, EOM, 47 */
        0x00, 0x00, 0x1a, 0x00, 0x06, 0x01, 0x00, 0x20, 0x00, 0x01, /* VERSION, ENCRYPTION */
        0x02, 0x00, 0x21, 0x00, 0x01, 0x03, 0x00, 0x22, 0x00, 0x04, /* INSTOPT, THREADID */
        0x04, 0x00, 0x26, 0x00, 0x01, 0xff,                         /* MARS, terminator */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    assert_int_equal(n, sizeof want);
    assert_memory_equal(req, want, sizeof want);
    assert_int_equal(mssql_prelogin_request(req, 46), 0);
}

static void mssql_prelogin_parsed(void **state)
{
    (void)state;
    /* [MS-TDS] 4.1's example PRELOGIN (a client's, the same option format a server answers
     * with): version 9.0.0.0, ENCRYPT_ON, MARS on. */
    static const unsigned char spec[] = {
        0x00, 0x00, 0x1A, 0x00, 0x06, 0x01, 0x00, 0x20, 0x00, 0x01, 0x02, 0x00, 0x21, 0x00,
        0x01, 0x03, 0x00, 0x22, 0x00, 0x04, 0x04, 0x00, 0x26, 0x00, 0x01, 0xFF, 0x09, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xB8, 0x0D, 0x00, 0x00, 0x01};
    struct mssql_prelogin pl;
    assert_int_equal(mssql_parse_prelogin_payload(spec, sizeof spec, &pl), 1);
    assert_true(pl.have_version);
    assert_int_equal(pl.major, 9);
    assert_int_equal(pl.build, 0);
    assert_int_equal(pl.encryption, TDS_ENCRYPT_ON);

    size_t n;
    unsigned char *d = load("synthetic-mssql-2019.mssql", &n);
    assert_true(tds_complete(d, n));
    assert_false(tds_complete(d, n - 1));
    assert_int_equal(mssql_parse_prelogin(d, n, &pl), 1);
    char text[256];
    size_t tl = mssql_describe(&pl, text, sizeof text);
    assert_string_equal(text, "TDS PRELOGIN\nversion: 15.0.2000\nsubbuild: 0\nencryption: off\n");
    assert_int_equal(tl, strlen(text));
    expect_match("mssql", text, "ms-sql-s", "Microsoft SQL Server", "15.0.2000",
                 "SQL Server 2019; encryption off");
    /* Cut anywhere: never a version read past the bytes held. */
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(mssql_parse_prelogin(d, cut, &pl), 0);
    /* An option pointing past the payload. */
    d[10] = 0x7f;
    assert_int_equal(mssql_parse_prelogin(d, n, &pl), 0);
    free(d);

    d = load("synthetic-mssql-2022-forced.mssql", &n);
    assert_int_equal(mssql_parse_prelogin(d, n, &pl), 1);
    mssql_describe(&pl, text, sizeof text);
    expect_match("mssql", text, "ms-sql-s", "Microsoft SQL Server", "16.0.1000",
                 "SQL Server 2022; encryption required");
    free(d);
    /* A small buffer: cut, NUL-terminated. */
    assert_int_equal(mssql_describe(&pl, text, 8), 7);
    assert_string_equal(text, "TDS PRE");
}

/* ---- MongoDB --------------------------------------------------------------------------- */

static void mongo_requests_well_formed(void **state)
{
    (void)state;
    unsigned char req[128];
    size_t n = mongo_ismaster_request(1, req, sizeof req);
    static const unsigned char want[] = {
        58, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xd4, 0x07, 0, 0,  /* header: OP_QUERY 2004 */
        0, 0, 0, 0, 'a', 'd', 'm', 'i', 'n', '.', '$', 'c', 'm', 'd', 0,
        0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,                      /* skip 0, return -1 */
        19, 0, 0, 0, 0x10, 'i', 's', 'M', 'a', 's', 't', 'e', 'r', 0, 1, 0, 0, 0, 0};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(req, want, sizeof want);
    n = mongo_command_request(3, "listDatabases", true, req, sizeof req);
    /* OP_MSG 2013, flags 0, kind 0, {listDatabases: 1, nameOnly: true, $db: "admin"} */
    assert_int_equal(n, 16 + 5 + 4 + 19 + 11 + 15 + 1);
    assert_int_equal(req[0], n);
    assert_int_equal(req[12] | req[13] << 8, 2013);
    size_t dl;
    /* The request's own body reads back with the reader (an OP_MSG is an OP_MSG). */
    const unsigned char *doc = mongo_reply_doc(req, n, &dl);
    assert_non_null(doc);
    double v;
    char s[16];
    assert_int_equal(bson_number(doc, dl, "listDatabases", &v), 1);
    assert_true(v == 1);
    assert_int_equal(bson_number(doc, dl, "nameOnly", &v), 1);
    assert_int_equal(bson_string(doc, dl, "$db", s, sizeof s), 1);
    assert_string_equal(s, "admin");
    assert_int_equal(mongo_command_request(3, "listDatabases", true, req, 40), 0);
}

/* Splits a fixture of three answers by their length fields. */
static void three(const unsigned char *d, size_t n, size_t len[3])
{
    size_t off = 0;
    for (int i = 0; i < 3; i++) {
        assert_true(off + 4 <= n);
        len[i] = d[off] | d[off + 1] << 8 | d[off + 2] << 16;
        assert_true(mongo_complete(d + off, len[i]));
        assert_false(mongo_complete(d + off, len[i] - 1));
        off += len[i];
    }
    assert_int_equal(off, n);
}

static void mongo_answers_parsed(void **state)
{
    (void)state;
    static const struct {
        const char *file, *text, *info;
    } want[] = {
        {"synthetic-mongodb-auth.mongodb",
         "MongoDB\nmaxWireVersion: 17\nversion: 6.0.5\nauthentication: required\n",
         "wire version 17; authentication required"},
        {"synthetic-mongodb-noauth.mongodb",
         "MongoDB\nmaxWireVersion: 17\nversion: 6.0.5\nauthentication: none\n",
         "wire version 17; authentication none"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t n, l[3];
        unsigned char *d = load(want[i].file, &n);
        three(d, n, l);
        struct mongo_info mi;
        assert_int_equal(mongo_parse(d, l[0], d + l[0], l[1], d + l[0] + l[1], l[2], &mi), 1);
        char text[256];
        mongo_describe(&mi, text, sizeof text);
        assert_string_equal(text, want[i].text);
        expect_match("mongodb", text, "mongodb", "MongoDB", "6.0.5", want[i].info);
        /* The hello answer alone: no version, authentication unknown. */
        assert_int_equal(mongo_parse(d, l[0], NULL, 0, NULL, 0, &mi), 1);
        mongo_describe(&mi, text, sizeof text);
        assert_string_equal(text, "MongoDB\nmaxWireVersion: 17\nauthentication: unknown\n");
        expect_match("mongodb", text, "mongodb", "MongoDB", NULL,
                     "wire version 17; authentication unknown");
        for (size_t cut = 0; cut < l[0]; cut++)
            assert_int_equal(mongo_parse(d, cut, NULL, 0, NULL, 0, &mi), 0);
        free(d);
    }
    /* Not MongoDB: an HTTP answer on the port. */
    struct mongo_info mi;
    static const char http[] = "HTTP/1.0 200 OK\r\n\r\nIt looks like you are trying to access "
                               "MongoDB over HTTP on the native driver port.\n";
    assert_int_equal(mongo_parse((const unsigned char *)http, sizeof http - 1, NULL, 0, NULL, 0, &mi), 0);
}

static void bson_hostile(void **state)
{
    (void)state;
    /* A string whose length runs past the document; a document longer than the bytes. */
    static const unsigned char bad1[] = {17, 0, 0, 0, 0x02, 'v', 0, 0x7f, 0, 0, 0, 'x', 0, 0, 0, 0, 0};
    static const unsigned char bad2[] = {0xff, 0, 0, 0, 0x10, 'a', 0, 1, 0, 0, 0, 0};
    static const unsigned char good[] = {12, 0, 0, 0, 0x10, 'a', 0, 7, 0, 0, 0, 0};
    char s[8];
    double v;
    assert_int_equal(bson_string(bad1, sizeof bad1, "v", s, sizeof s), 0);
    assert_int_equal(bson_number(bad2, sizeof bad2, "a", &v), 0);
    assert_int_equal(bson_number(good, sizeof good, "a", &v), 1);
    assert_true(v == 7);
    assert_int_equal(bson_number(good, sizeof good - 1, "a", &v), 0);
}

/* ---- LDAP ------------------------------------------------------------------------------ */

static void ldap_requests_well_formed(void **state)
{
    (void)state;
    unsigned char req[512];
    size_t n = ldap_search_request(2, "dc=example,dc=org", req, sizeof req);
    static const unsigned char want[] = {
        0x30, 0x3b, 0x02, 0x01, 0x02, 0x63, 0x36,                 /* message 2, SearchRequest */
        0x04, 0x11, 'd', 'c', '=', 'e', 'x', 'a', 'm', 'p', 'l', 'e', ',', 'd', 'c', '=', 'o',
        'r', 'g', 0x0a, 0x01, 0x00, 0x0a, 0x01, 0x00,              /* base, never deref */
        0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00,      /* limits, typesOnly */
        0x87, 0x0b, 'o', 'b', 'j', 'e', 'c', 't', 'C', 'l', 'a', 's', 's',
        0x30, 0x05, 0x04, 0x03, '1', '.', '1'};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(req, want, sizeof want);
    n = ldap_search_request(1, "", req, sizeof req);
    assert_int_equal(n, 2 + 3 + 2 + 2 + 15 + 13 + 2 + 5 * 2 + 14 + 20 + 10 + 13 + 11);
    assert_int_equal(req[1], n - 2);
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(ldap_search_request(2, big, req, sizeof req), 0);
    assert_int_equal(ldap_search_request(1, "", req, 20), 0);
}

static void ldap_slapd_answer_parsed(void **state)
{
    (void)state;
    size_t n;
    unsigned char *d = load("slapd-rootdse.ldap", &n);
    struct ldap_search root, base;
    assert_true(ldap_complete(d, n, 1));
    assert_int_equal(ldap_parse_search(d, n, 1, &root), 1);
    assert_true(root.done);
    assert_int_equal(root.result, 0);
    assert_int_equal(root.entries, 1);
    assert_true(root.openldap);
    assert_int_equal(root.n_naming, 1);
    assert_string_equal(root.naming[0], "dc=example,dc=org");
    assert_string_equal(root.versions, "3");
    assert_int_equal(ldap_parse_search(d, n, 2, &base), 1);
    assert_int_equal(base.entries, 1);
    char text[512];
    ldap_describe(&root, &base, text, sizeof text);
    assert_string_equal(text, "LDAP rootDSE\nresult: 0\nentries: 1\nobjectClass: OpenLDAProotDSE\n"
                              "supportedLDAPVersion: 3\nnamingContexts: dc=example,dc=org\n"
                              "anonymousRead: yes\n");
    expect_match("ldap", text, "ldap", "OpenLDAP", NULL,
                 "LDAP versions 3; naming context dc=example,dc=org; anonymous read yes");
    /* Cut inside the first message: no SearchResultDone, nothing past the bytes. */
    for (size_t cut = 0; cut < 118; cut++) {
        ldap_parse_search(d, cut, 1, &root);
        assert_false(root.done);
        assert_false(ldap_complete(d, cut, 1) && cut > 0 && d[0] == 0x30);
    }
    free(d);
    /* A vendor that names itself (Active Directory does not; 389-ds and others do). */
    expect_match("ldap", "LDAP rootDSE\nresult: 0\nentries: 1\nsupportedLDAPVersion: 2,3\n"
                         "namingContexts: dc=corp\nvendorName: 389 Project\nvendorVersion: "
                         "389-Directory/2.3.4\nanonymousRead: no\n",
                 "ldap", "389 Project", "389-Directory/2.3.4", "anonymous read no");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mssql_request_well_formed),
        cmocka_unit_test(mssql_prelogin_parsed),
        cmocka_unit_test(mongo_requests_well_formed),
        cmocka_unit_test(mongo_answers_parsed),
        cmocka_unit_test(bson_hostile),
        cmocka_unit_test(ldap_requests_well_formed),
        cmocka_unit_test(ldap_slapd_answer_parsed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
