/* Package inventory readers (checks/inventory.h), each fed output of the real tools:
 *   dpkg         lines of `dpkg-query -W` (and the six-column -f form with the status) from
 *                this Debian 12 machine;
 *   dpkg-status  stanzas copied from its /var/lib/dpkg/status (descriptions shortened), plus a
 *                removed package ("deinstall ok config-files") as dpkg writes it;
 *   rpm          `rpm -qa` lines as a RHEL 9 host prints them, and the --qf form with an epoch
 *                and with "(none)";
 *   hotfix       the shape `Get-HotFix | Export-Csv` writes in Windows PowerShell 5.1 (the
 *                #TYPE line and every Win32_QuickFixEngineering column), in UTF-8 with a BOM
 *                and converted to UTF-16LE as `ConvertTo-Csv > file` writes it. The KB
 *                numbers and dates are illustrative, not a claim about any real machine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checks/feed.h"
#include "checks/feed_match.h"
#include "checks/hotfix_lcu.h"
#include "checks/inventory.h"
#include "checks/patch_inventory.h"
#include "scanner/addr.h"

#define S(lit) lit, sizeof(lit) - 1

static void pkg_is(const struct inventory *inv, size_t i, const char *name, const char *version,
                   const char *arch, const char *source, const char *sver)
{
    assert_true(i < inv->n_pkgs);
    const struct inv_package *p = &inv->pkgs[i];
    assert_string_equal(p->name, name);
    assert_string_equal(p->version, version);
    assert_string_equal(p->arch, arch);
    if (source)
        assert_string_equal(p->source, source);
    else
        assert_null(p->source);
    if (sver)
        assert_string_equal(p->source_version, sver);
    else
        assert_null(p->source_version);
}

static void dpkg_query_default(void **state)
{
    (void)state;
    struct inventory inv = {0};
    struct rm_err e = {{0}};
    const char in[] = "adduser\t3.134\n"
                      "libssl3:amd64\t3.0.19-1~deb12u2\n"
                      "openssh-server\t1:9.2p1-2+deb12u10\n"
                      "removed-pkg\t\n"
                      "\n";
    assert_int_equal(inv_detect(S(in)), INV_DPKG);
    assert_int_equal(inv_parse(INV_AUTO, S(in), &inv, &e), 0);
    assert_int_equal(inv.format, INV_DPKG);
    assert_int_equal(inv.n_pkgs, 3);
    pkg_is(&inv, 0, "adduser", "3.134", "", NULL, NULL);
    pkg_is(&inv, 1, "libssl3", "3.0.19-1~deb12u2", "amd64", NULL, NULL);
    pkg_is(&inv, 2, "openssh-server", "1:9.2p1-2+deb12u10", "", NULL, NULL);
    assert_int_equal(inv.skipped, 1); /* removed-pkg: no version, not installed */
    char os[32];
    assert_true(inv_infer_debian(&inv, os, sizeof os));
    assert_string_equal(os, "Debian:12");
    inventory_free(&inv);
}

static void dpkg_query_five_columns(void **state)
{
    (void)state;
    struct inventory inv = {0};
    struct rm_err e = {{0}};
    const char in[] = "libc6:amd64\t2.36-9+deb12u14\tamd64\tglibc\t2.36-9+deb12u14\r\n"
                      "openssh-server\t1:9.2p1-2+deb12u10\tamd64\topenssh\t1:9.2p1-2+deb12u10\tii \r\n"
                      "systemd-timesyncd\t252.38-1~deb12u1\tamd64\tsystemd\t252.38-1~deb12u1\trc \n"
                      "bad name\t1.0\n";
    assert_int_equal(inv_parse_dpkg(S(in), &inv, &e), 0);
    assert_int_equal(inv.n_pkgs, 2);
    pkg_is(&inv, 0, "libc6", "2.36-9+deb12u14", "amd64", "glibc", "2.36-9+deb12u14");
    pkg_is(&inv, 1, "openssh-server", "1:9.2p1-2+deb12u10", "amd64", "openssh",
           "1:9.2p1-2+deb12u10");
    assert_int_equal(inv.skipped, 2); /* "rc": removed, configuration kept; "bad name" */
    inventory_free(&inv);
}

static void dpkg_status_stanzas(void **state)
{
    (void)state;
    struct inventory inv = {0};
    struct rm_err e = {{0}};
    const char in[] =
        "Package: openssh-server\n"
        "Status: install ok installed\n"
        "Priority: optional\n"
        "Section: net\n"
        "Installed-Size: 1796\n"
        "Maintainer: Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>\n"
        "Architecture: amd64\n"
        "Multi-Arch: foreign\n"
        "Source: openssh\n"
        "Version: 1:9.2p1-2+deb12u10\n"
        "Depends: adduser, libpam-modules (>= 0.72-9)\n"
        "Description: secure shell (SSH) server, for secure access from remote machines\n"
        " This is the portable version of OpenSSH.\n"
        " .\n"
        " Version: 0.0 in a description is not a field\n"
        "\n"
        "Package: libssl3\n"
        "Status: install ok installed\n"
        "Architecture: amd64\n"
        "Source: openssl\n"
        "Version: 3.0.19-1~deb12u2\n"
        "\n"
        "Package: old-thing\n"
        "Status: deinstall ok config-files\n"
        "Architecture: amd64\n"
        "Version: 1.0-1\n"
        "\n"
        "Package: libpython3.11-minimal\n"
        "Status: hold ok installed\n"
        "Architecture: amd64\n"
        "Source: python3.11 (3.11.2-6+deb12u6)\n"
        "Version: 3.11.2-6+deb12u6+b1\n";
    assert_int_equal(inv_detect(S(in)), INV_DPKG_STATUS);
    assert_int_equal(inv_parse(INV_AUTO, S(in), &inv, &e), 0);
    assert_int_equal(inv.n_pkgs, 3);
    pkg_is(&inv, 0, "openssh-server", "1:9.2p1-2+deb12u10", "amd64", "openssh", NULL);
    pkg_is(&inv, 1, "libssl3", "3.0.19-1~deb12u2", "amd64", "openssl", NULL);
    pkg_is(&inv, 2, "libpython3.11-minimal", "3.11.2-6+deb12u6+b1", "amd64", "python3.11",
           "3.11.2-6+deb12u6");
    assert_int_equal(inv.skipped, 1);
    inventory_free(&inv);
}

static void rpm_qa(void **state)
{
    (void)state;
    struct inventory inv = {0};
    struct rm_err e = {{0}};
    const char in[] = "openssl-libs-3.0.7-27.el9.x86_64\n"
                      "openssh-server-8.7p1-38.el9.x86_64\n"
                      "tzdata-2024a-1.el9.noarch\n"
                      "gpg-pubkey-fd431d51-4ae0493b\n"
                      "kernel-core-5.14.0-427.13.1.el9_4.x86_64\n"
                      "nodashes\n";
    assert_int_equal(inv_detect(S(in)), INV_RPM);
    assert_int_equal(inv_parse(INV_AUTO, S(in), &inv, &e), 0);
    assert_int_equal(inv.n_pkgs, 5);
    pkg_is(&inv, 0, "openssl-libs", "3.0.7-27.el9", "x86_64", NULL, NULL);
    pkg_is(&inv, 1, "openssh-server", "8.7p1-38.el9", "x86_64", NULL, NULL);
    pkg_is(&inv, 2, "tzdata", "2024a-1.el9", "noarch", NULL, NULL);
    pkg_is(&inv, 3, "gpg-pubkey", "fd431d51-4ae0493b", "", NULL, NULL);
    pkg_is(&inv, 4, "kernel-core", "5.14.0-427.13.1.el9_4", "x86_64", NULL, NULL);
    assert_int_equal(inv.skipped, 1);
    inventory_free(&inv);

    const char qf[] = "openssl-libs 1:3.0.7-27.el9\n"
                      "bash (none):5.1.8-9.el9\n"
                      "glibc (none):2.34-100.el9 x86_64\n";
    assert_int_equal(inv_detect(S(qf)), INV_RPM);
    assert_int_equal(inv_parse(INV_RPM, S(qf), &inv, &e), 0);
    assert_int_equal(inv.n_pkgs, 3);
    pkg_is(&inv, 0, "openssl-libs", "1:3.0.7-27.el9", "", NULL, NULL);
    pkg_is(&inv, 1, "bash", "5.1.8-9.el9", "", NULL, NULL);
    pkg_is(&inv, 2, "glibc", "2.34-100.el9", "x86_64", NULL, NULL);
    inventory_free(&inv);
}

static const char hotfix_csv[] =
    "#TYPE System.Management.ManagementObject#root\\cimv2\\Win32_QuickFixEngineering\r\n"
    "\"PSComputerName\",\"InstalledOn\",\"__GENUS\",\"__CLASS\",\"__SUPERCLASS\",\"__DYNASTY\","
    "\"__RELPATH\",\"__PROPERTY_COUNT\",\"__DERIVATION\",\"__SERVER\",\"__NAMESPACE\",\"__PATH\","
    "\"Caption\",\"CSName\",\"Description\",\"FixComments\",\"HotFixID\",\"InstallDate\","
    "\"InstalledBy\",\"Name\",\"ServicePackInEffect\",\"Status\"\r\n"
    "\"FRONTDESK01\",\"2/14/2024 12:00:00 AM\",\"2\",\"Win32_QuickFixEngineering\",\"CIM_LogicalElement\","
    "\"CIM_ManagedSystemElement\",\"Win32_QuickFixEngineering.HotFixID=\"\"KB5034441\"\",ServicePackInEffect=\"\"\"\"\","
    "\"11\",\"System.String[]\",\"FRONTDESK01\",\"root\\cimv2\",\"\\\\FRONTDESK01\\root\\cimv2:x\","
    "\"http://support.microsoft.com/?kbid=5034441\",\"FRONTDESK01\",\"Security Update\",\"\","
    "\"KB5034441\",\"\",\"NT AUTHORITY\\SYSTEM\",\"\",\"\",\"\"\r\n"
    "\"FRONTDESK01\",\"3/12/2024 12:00:00 AM\",\"2\",\"Win32_QuickFixEngineering\",\"\",\"\",\"\",\"11\","
    "\"\",\"FRONTDESK01\",\"\",\"\",\"\",\"FRONTDESK01\",\"Update\",\"\",\"KB5035845\",\"\","
    "\"NT AUTHORITY\\SYSTEM\",\"\",\"\",\"\"\r\n"
    "\"FRONTDESK01\",\"\",\"2\",\"Win32_QuickFixEngineering\",\"\",\"\",\"\",\"11\",\"\",\"FRONTDESK01\","
    "\"\",\"\",\"\",\"FRONTDESK01\",\"Update\",\"a comment, with a comma\nand a newline\",\"KB5011048\",\"\","
    "\"\",\"\",\"\",\"\"\r\n"
    "\"FRONTDESK01\",\"\",\"2\",\"\",\"\",\"\",\"\",\"11\",\"\",\"FRONTDESK01\",\"\",\"\",\"\",\"FRONTDESK01\","
    "\"Update\",\"\",\"File 1\",\"\",\"\",\"\",\"\",\"\"\r\n";

static void hotfix_expect(const struct inventory *inv)
{
    assert_int_equal(inv->format, INV_HOTFIX);
    assert_int_equal(inv->n_fixes, 3);
    assert_string_equal(inv->fixes[0].id, "KB5034441");
    assert_string_equal(inv->fixes[0].installed, "2024-02-14");
    assert_string_equal(inv->fixes[0].description, "Security Update");
    assert_string_equal(inv->fixes[1].id, "KB5035845");
    assert_string_equal(inv->fixes[1].installed, "2024-03-12");
    assert_string_equal(inv->fixes[2].id, "KB5011048");
    assert_string_equal(inv->fixes[2].installed, "");
    assert_string_equal(inv->computer, "FRONTDESK01");
    assert_int_equal(inv->skipped, 1); /* "File 1": not a KB number */
}

static void hotfix_utf8_bom(void **state)
{
    (void)state;
    size_t n = sizeof hotfix_csv - 1 + 3;
    char *b = malloc(n);
    assert_non_null(b);
    memcpy(b, "\xef\xbb\xbf", 3);
    memcpy(b + 3, hotfix_csv, n - 3);
    assert_int_equal(inv_detect(b, n), INV_HOTFIX);
    struct inventory inv = {0};
    struct rm_err e = {{0}};
    assert_int_equal(inv_parse(INV_AUTO, b, n, &inv, &e), 0);
    hotfix_expect(&inv);
    inventory_free(&inv);
    free(b);
}

static void hotfix_utf16le(void **state)
{
    (void)state;
    size_t n8 = sizeof hotfix_csv - 1, n = 2 + 2 * n8;
    char *b = malloc(n);
    assert_non_null(b);
    b[0] = (char)0xff, b[1] = (char)0xfe;
    for (size_t i = 0; i < n8; i++)
        b[2 + 2 * i] = hotfix_csv[i], b[3 + 2 * i] = 0;
    assert_int_equal(inv_detect(b, n), INV_HOTFIX);
    struct inventory inv = {0};
    struct rm_err e = {{0}};
    assert_int_equal(inv_parse(INV_AUTO, b, n, &inv, &e), 0);
    hotfix_expect(&inv);
    inventory_free(&inv);
    /* Cut short by one byte: refused with the reason. */
    assert_int_equal(inv_parse(INV_AUTO, b, n - 1, &inv, &e), -1);
    assert_non_null(strstr(e.msg, "odd number of bytes"));
    inventory_free(&inv);
    /* Without its BOM: refused, saying what it looks like. */
    assert_int_equal(inv_parse(INV_HOTFIX, b + 2, n - 2, &inv, &e), -1);
    assert_non_null(strstr(e.msg, "UTF-16 without a byte order mark"));
    inventory_free(&inv);
    free(b);
}

static void utf16_conversion(void **state)
{
    (void)state;
    /* "é€😀" little-endian, and big-endian; a lone high surrogate is refused. */
    const char le[] = "\xff\xfe\xe9\x00\xac\x20\x3d\xd8\x00\xde";
    const char be[] = "\xfe\xff\x00\xe9\x20\xac\xd8\x3d\xde\x00";
    char *o;
    size_t n;
    struct rm_err e = {{0}};
    assert_int_equal(inv_utf16_to_utf8(le, sizeof le - 1, &o, &n, &e), 0);
    assert_string_equal(o, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    assert_int_equal(n, 9);
    free(o);
    assert_int_equal(inv_utf16_to_utf8(be, sizeof be - 1, &o, &n, &e), 0);
    assert_string_equal(o, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    free(o);
    assert_int_equal(inv_utf16_to_utf8("\xff\xfe\x3d\xd8\x41\x00", 6, &o, &n, &e), -1);
}

static void errors_and_empties(void **state)
{
    (void)state;
    struct inventory inv = {0};
    struct rm_err e = {{0}};
    assert_int_equal(inv_parse(INV_AUTO, S(""), &inv, &e), -1);
    assert_int_equal(inv_parse(INV_DPKG, S("gone\t\n"), &inv, &e), -1);
    assert_non_null(strstr(e.msg, "no installed package found (read as dpkg; 1 line(s) skipped)"));
    inventory_free(&inv);
    assert_int_equal(inv_parse(INV_HOTFIX, S("\"Name\",\"Value\"\n\"a\",\"b\"\n"), &inv, &e), -1);
    assert_non_null(strstr(e.msg, "no HotFixID column"));
    inventory_free(&inv);
    /* A 5000-byte name: skipped, bounded. */
    char *big = malloc(6000);
    assert_non_null(big);
    memset(big, 'a', 5000);
    memcpy(big + 5000, "\t1.0\nok\t2.0\n", 12);
    assert_int_equal(inv_parse(INV_DPKG, big, 5012, &inv, &e), 0);
    assert_int_equal(inv.n_pkgs, 1);
    assert_int_equal(inv.skipped, 1);
    inventory_free(&inv);
    free(big);
}

static void specs(void **state)
{
    (void)state;
    struct inv_spec s;
    struct rm_err e = {{0}};
    assert_int_equal(inv_spec_parse("10.0.0.5=/srv/inv/pkgs.txt", &s, &e), 0);
    assert_string_equal(s.host, "10.0.0.5");
    assert_string_equal(s.path, "/srv/inv/pkgs.txt");
    assert_int_equal(s.format, INV_AUTO);
    inv_spec_free(&s);
    assert_int_equal(inv_spec_parse("web1=st,format=dpkg-status,os=debian:12", &s, &e), 0);
    assert_int_equal(s.format, INV_DPKG_STATUS);
    assert_string_equal(s.os, "Debian:12");
    inv_spec_free(&s);
    assert_int_equal(inv_spec_parse("pc=h.csv,build=19045", &s, &e), 0);
    assert_string_equal(s.build, "19045");
    inv_spec_free(&s);
    assert_int_equal(inv_spec_parse("nohost", &s, &e), -1);
    assert_int_equal(inv_spec_parse("=f", &s, &e), -1);
    assert_int_equal(inv_spec_parse("h=f,format=deb", &s, &e), -1);
    assert_int_equal(inv_spec_parse("h=f,os=windows:10", &s, &e), -1);
    assert_int_equal(inv_spec_parse("h=f,build=19045a", &s, &e), -1);
    assert_int_equal(inv_spec_parse("h=f,colour=red", &s, &e), -1);
}

static void set_loads_and_finds(void **state)
{
    (void)state;
    char path[] = "/tmp/riskmap-unit-inv.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char body[] = "openssh-server\t1:9.2p1-2+deb12u2\n";
    assert_int_equal(write(fd, body, sizeof body - 1), (ssize_t)(sizeof body - 1));
    close(fd);
    char spec[128];
    snprintf(spec, sizeof spec, "127.0.80.9=%s", path);
    struct inv_spec s;
    struct rm_err e = {{0}};
    assert_int_equal(inv_spec_parse(spec, &s, &e), 0);
    struct inventory_set set = {0};
    assert_int_equal(inventory_set_load(&set, &s, &e), 0);
    inv_spec_free(&s);
    unlink(path);
    assert_int_equal(set.n, 1);
    /* As sha256sum prints it for the 33 bytes above. */
    assert_string_equal(set.v[0].sha256,
                        "18b32a48d963e4a9f17cd2605248ab13ba247245aa7e907e74d9e1d6173fa2b6");
    assert_string_equal(set.v[0].os, "Debian:12");
    assert_true(set.v[0].os_inferred);
    struct host h = {0}, other = {0};
    assert_int_equal(addr_parse("127.0.80.9", &h.addr), 0);
    assert_int_equal(addr_parse("127.0.80.10", &other.addr), 0);
    assert_ptr_equal(inventory_set_for(&set, &h), &set.v[0]);
    assert_null(inventory_set_for(&set, &other));
    assert_null(inventory_set_next(&set, &set.v[0], &h));
    inventory_set_free(&set);
    /* A missing file names itself. */
    assert_int_equal(inv_spec_parse("h=/nonexistent/riskmap-inv", &s, &e), 0);
    assert_int_equal(inventory_set_load(&set, &s, &e), -1);
    assert_string_equal(e.msg, "/nonexistent/riskmap-inv: No such file or directory");
    inv_spec_free(&s);
}

static void hotfix_judgements(void **state)
{
    (void)state;
    struct inventory inv = {0};
    struct rm_err e = {{0}};
    struct hotfix_verdict v;
    const char feb[] = "HotFixID,InstalledOn\nKB5075912,2/11/2026\nKB5034441,1/20/2024\n";
    assert_int_equal(inv_parse(INV_HOTFIX, S(feb), &inv, &e), 0);
    hotfix_judge(&inv, &v);
    assert_int_equal(v.state, HOTFIX_NO_BUILD);
    snprintf(inv.os_build, sizeof inv.os_build, "19045");
    hotfix_judge(&inv, &v);
    assert_int_equal(v.state, HOTFIX_MISSING);
    assert_string_equal(v.required->kb, "KB5078885");
    assert_string_equal(v.required->date, "2026-03-10");
    assert_string_equal(v.installed->kb, "KB5075912");
    snprintf(inv.os_build, sizeof inv.os_build, "9600");
    hotfix_judge(&inv, &v);
    assert_int_equal(v.state, HOTFIX_UNKNOWN_BUILD);
    inventory_free(&inv);

    const char mar[] = "HotFixID,InstalledOn\nKB5078885,3/11/2026\n";
    assert_int_equal(inv_parse(INV_HOTFIX, S(mar), &inv, &e), 0);
    snprintf(inv.os_build, sizeof inv.os_build, "19044");
    hotfix_judge(&inv, &v);
    assert_int_equal(v.state, HOTFIX_CURRENT);
    inventory_free(&inv);

    /* An update riskmap does not know, installed after March's: maybe a later cumulative
     * update; not reported. */
    const char later[] = "HotFixID,InstalledOn\nKB5075912,2/11/2026\nKB5099999,4/15/2026\n";
    assert_int_equal(inv_parse(INV_HOTFIX, S(later), &inv, &e), 0);
    snprintf(inv.os_build, sizeof inv.os_build, "19045");
    hotfix_judge(&inv, &v);
    assert_int_equal(v.state, HOTFIX_UNDECIDED);
    assert_string_equal(v.unknown->id, "KB5099999");
    inventory_free(&inv);

    /* Every listed entry is well formed and the list's date is its newest. */
    char newest[11] = "";
    for (size_t i = 0; i < hotfix_n_lcus; i++) {
        assert_int_equal(strlen(hotfix_lcus[i].date), 10);
        assert_int_equal(strncmp(hotfix_lcus[i].kb, "KB50", 4), 0);
        if (strcmp(hotfix_lcus[i].date, newest) > 0)
            snprintf(newest, sizeof newest, "%s", hotfix_lcus[i].date);
    }
    assert_string_equal(newest, HOTFIX_LCU_AS_OF);
}

/* An inventory judged against the real Debian records of tests/fixtures/feeds/osv-debian.json:
 * openssh-server at deb12u2 (an edited version: past the fixes of CVE-2023-38408 and -48795,
 * below that of CVE-2024-6387) with openssh-client at deb12u3 (a half-done upgrade: the
 * older binary decides), apache2 at 2.4.57-2 (Debian 12.0's, below the fix of
 * CVE-2024-38476), redis at Debian 12's 7.0.15 (the fixture's redis records are for Debian 10
 * and 11 only). */
static void judged_against_debian_records(void **state)
{
    (void)state;
    struct feed_db *db;
    struct rm_err e = {{0}};
    struct feed_import_result ir;
    assert_int_equal(feed_open(":memory:", true, &db, &e), 0);
    assert_int_equal(feed_import_file(db, "tests/fixtures/feeds/osv-debian.json", time(NULL), &ir, &e), 0);
    struct feed_matcher *m;
    assert_int_equal(feed_matcher_new(db, &m, &e), 0);
    const char in[] = "openssh-client\t1:9.2p1-2+deb12u3\n"
                      "openssh-server\t1:9.2p1-2+deb12u2\n"
                      "apache2-bin\t2.4.57-2\n"
                      "redis-server\t5:7.0.15-1~deb12u1\n";
    struct inventory inv = {0};
    assert_int_equal(inv_parse(INV_AUTO, S(in), &inv, &e), 0);
    assert_true(inv_infer_debian(&inv, inv.os, sizeof inv.os));
    assert_string_equal(inv.os, "Debian:12");
    struct inv_host h;
    assert_int_equal(inv_judge(m, &inv, &h, &e), 0);
    assert_string_equal(h.ecosystem, "Debian:12");
    assert_int_equal(h.n, 3);
    struct inv_judged *j = inv_judged_find(&h, "openssh");
    assert_non_null(j);
    assert_string_equal(j->version, "1:9.2p1-2+deb12u2");
    assert_string_equal(j->binaries, "openssh-client,openssh-server");
    assert_int_equal(j->n_affected, 1);
    assert_int_equal(j->hits.n, 3);
    for (size_t i = 0; i < j->hits.n; i++) {
        const struct feed_hit *x = &j->hits.v[i];
        if (strcmp(x->cve, "CVE-2024-6387") == 0) {
            assert_true(x->affected);
            assert_string_equal(x->fixed, "1:9.2p1-2+deb12u3");
        } else if (strcmp(x->cve, "CVE-2023-38408") == 0) {
            assert_false(x->affected);
            assert_string_equal(x->fixed, "1:9.2p1-2+deb12u1");
        } else {
            assert_string_equal(x->cve, "CVE-2023-48795");
            assert_false(x->affected);
            assert_string_equal(x->fixed, "1:9.2p1-2+deb12u2");
        }
    }
    j = inv_judged_find(&h, "apache2");
    assert_non_null(j);
    assert_int_equal(j->n_affected, 1);
    assert_string_equal(j->hits.v[0].cve, "CVE-2024-38476");
    assert_string_equal(j->hits.v[0].fixed, "2.4.61-1~deb12u1");
    j = inv_judged_find(&h, "redis");
    assert_non_null(j);
    assert_int_equal(j->n_affected, 0);
    assert_int_equal(j->hits.n, 0);
    inv_host_free(&h);

    /* Without an ecosystem nothing is matched, the packages are still counted. */
    inv.os[0] = '\0';
    assert_int_equal(inv_judge(m, &inv, &h, &e), 0);
    assert_null(h.ecosystem);
    assert_int_equal(h.n, 3);
    assert_int_equal(inv_judged_find(&h, "openssh")->hits.n, 0);
    inv_host_free(&h);
    inventory_free(&inv);
    feed_matcher_free(m);
    feed_close(db);

    assert_string_equal(inv_debian_source_of("libssl3"), "openssl");
    assert_string_equal(inv_debian_source_of("nginx-core"), "nginx");
    assert_string_equal(inv_debian_source_of("libnginx-mod-http-geoip"), "nginx");
    assert_string_equal(inv_debian_source_of("vsftpd"), "vsftpd");
}

/* RPM matching mechanics: a hand-written OSV record, NOT a real advisory and named so (the
 * fixture feeds hold no RPM-ecosystem record), against an rpm -qa inventory: matched by
 * package name in the ecosystem given as os=, with rpm's version order (epoch included). */
static void rpm_judged_in_given_ecosystem(void **state)
{
    (void)state;
    static const char rec[] =
        "{\"id\": \"RPM-TEST-NOT-A-REAL-ADVISORY\", \"modified\": \"2024-07-01T00:00:00Z\","
        " \"upstream\": [\"CVE-2024-6387\"],"
        " \"affected\": [{\"package\": {\"ecosystem\": \"AlmaLinux:9\", \"name\": \"openssh-server\"},"
        "   \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"},"
        "     {\"fixed\": \"8.7p1-38.el9_4.1\"}]}]}]}";
    struct feed_db *db;
    struct rm_err e = {{0}};
    struct feed_import_result ir;
    assert_int_equal(feed_open(":memory:", true, &db, &e), 0);
    assert_int_equal(feed_import_buffer(db, "rpm-test.json", "osv", rec, sizeof rec - 1,
                                        time(NULL), &ir, &e), 0);
    struct feed_matcher *m;
    assert_int_equal(feed_matcher_new(db, &m, &e), 0);
    const char in[] = "openssh-server-8.7p1-38.el9.x86_64\nopenssh-8.7p1-38.el9_4.1.x86_64\n";
    struct inventory inv = {0};
    assert_int_equal(inv_parse(INV_AUTO, S(in), &inv, &e), 0);
    struct inv_host h;
    /* Without os= an rpm inventory is recorded, not matched. */
    assert_int_equal(inv_judge(m, &inv, &h, &e), 0);
    assert_null(h.ecosystem);
    assert_int_equal(h.n, 2);
    inv_host_free(&h);
    snprintf(inv.os, sizeof inv.os, "AlmaLinux:9");
    assert_int_equal(inv_judge(m, &inv, &h, &e), 0);
    struct inv_judged *j = inv_judged_find(&h, "openssh-server");
    assert_non_null(j);
    assert_int_equal(j->n_affected, 1);
    assert_string_equal(j->hits.v[0].cve, "CVE-2024-6387");
    assert_string_equal(j->hits.v[0].fixed, "8.7p1-38.el9_4.1");
    assert_int_equal(inv_judged_find(&h, "openssh")->n_affected, 0);
    inv_host_free(&h);
    inventory_free(&inv);
    feed_matcher_free(m);
    feed_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dpkg_query_default),
        cmocka_unit_test(dpkg_query_five_columns),
        cmocka_unit_test(dpkg_status_stanzas),
        cmocka_unit_test(rpm_qa),
        cmocka_unit_test(hotfix_utf8_bom),
        cmocka_unit_test(hotfix_utf16le),
        cmocka_unit_test(utf16_conversion),
        cmocka_unit_test(errors_and_empties),
        cmocka_unit_test(specs),
        cmocka_unit_test(set_loads_and_finds),
        cmocka_unit_test(hotfix_judgements),
        cmocka_unit_test(judged_against_debian_records),
        cmocka_unit_test(rpm_judged_in_given_ecosystem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
