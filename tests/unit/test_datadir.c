/* Tests for scanner/datadir.c retention (--keep) on a real directory: scans of the same second
 * (their names differ only by a random suffix) are ordered by when scan.json was committed,
 * the scan being published always stays, a killed run's directory (no scan.json) goes first,
 * and nothing that is not a scan directory is touched. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/datadir.h"

struct dd {
    char dir[64];
    int fd;
};

static int dd_setup(void **state)
{
    struct dd *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->dir, sizeof d->dir, "/tmp/riskmap-unit-dd.XXXXXX");
    if (!mkdtemp(d->dir) || datadir_prepare(d->dir, NULL) < 0)
        return -1;
    d->fd = open(d->dir, O_RDONLY | O_DIRECTORY);
    *state = d;
    return d->fd < 0 ? -1 : 0;
}

static int dd_teardown(void **state)
{
    struct dd *d = *state;
    char cmd[128];
    close(d->fd);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->dir);
    int rc = system(cmd);
    free(d);
    return rc == 0 ? 0 : -1;
}

/* Makes scans/NAME; with committed_sec > 0 also scans/NAME/scan.json with that mtime. */
static void make_scan(struct dd *d, const char *name, time_t committed_sec)
{
    char p[256];
    snprintf(p, sizeof p, "%s/scans/%s", d->dir, name);
    assert_int_equal(mkdir(p, 0700), 0);
    if (committed_sec <= 0)
        return;
    strcat(p, "/scan.json");
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("{}\n", f);
    fclose(f);
    struct timespec ts[2] = {{committed_sec, 0}, {committed_sec, 0}};
    assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static bool scan_exists(struct dd *d, const char *name)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof p, "%s/scans/%s", d->dir, name);
    return stat(p, &st) == 0;
}

static void test_same_second_by_commit_time(void **state)
{
    struct dd *d = *state;
    /* Three scans of one second: the random suffixes sort opposite to their order. */
    make_scan(d, "20261122T101010Z-ffffffff", 1000); /* oldest */
    make_scan(d, "20261122T101010Z-88888888", 0);    /* killed: no scan.json */
    make_scan(d, "20261122T101010Z-44444444", 1002);
    make_scan(d, "20261122T101010Z-00000000", 1003); /* being published */
    make_scan(d, "20261122T090000Z-abcdef01", 900);  /* an earlier second */
    unsigned pruned = 9;
    int err = -1;
    assert_int_equal(datadir_publish(d->fd, "20261122T101010Z-00000000", 2, &pruned, &err, NULL),
                     0);
    assert_int_equal(err, 0);
    assert_int_equal(pruned, 3);
    assert_true(scan_exists(d, "20261122T101010Z-00000000"));
    assert_true(scan_exists(d, "20261122T101010Z-44444444"));
    assert_false(scan_exists(d, "20261122T101010Z-ffffffff"));
    assert_false(scan_exists(d, "20261122T101010Z-88888888"));
    assert_false(scan_exists(d, "20261122T090000Z-abcdef01"));
    char link[128];
    char p[128];
    snprintf(p, sizeof p, "%s/latest", d->dir);
    ssize_t n = readlink(p, link, sizeof link - 1);
    assert_true(n > 0);
    link[n] = '\0';
    assert_string_equal(link, "scans/20261122T101010Z-00000000");
}

/* The published scan stays even when it is not the newest by name (a clock stepped back). */
static void test_published_always_stays(void **state)
{
    struct dd *d = *state;
    make_scan(d, "20261122T120000Z-11111111", 2000);
    make_scan(d, "20261122T110000Z-22222222", 2001); /* published, older by name */
    unsigned pruned = 0;
    int err = 0;
    assert_int_equal(datadir_publish(d->fd, "20261122T110000Z-22222222", 1, &pruned, &err, NULL),
                     0);
    assert_int_equal(pruned, 1);
    assert_true(scan_exists(d, "20261122T110000Z-22222222"));
    assert_false(scan_exists(d, "20261122T120000Z-11111111"));
}

/* keep 0 prunes nothing; names that are not ours are never touched. */
static void test_keep_zero_and_foreign_names(void **state)
{
    struct dd *d = *state;
    make_scan(d, "20261122T120000Z-11111111", 2000);
    make_scan(d, "20261122T130000Z-22222222", 2001);
    make_scan(d, "notes", 0);
    make_scan(d, "20261122T100000Z-XYZ00000", 0); /* upper case: not a name we make */
    unsigned pruned = 7;
    int err = 0;
    assert_int_equal(datadir_publish(d->fd, "20261122T130000Z-22222222", 0, &pruned, &err, NULL),
                     0);
    assert_int_equal(pruned, 0);
    assert_true(scan_exists(d, "20261122T120000Z-11111111"));
    assert_int_equal(datadir_publish(d->fd, "20261122T130000Z-22222222", 1, &pruned, &err, NULL),
                     0);
    assert_int_equal(pruned, 1);
    assert_false(scan_exists(d, "20261122T120000Z-11111111"));
    assert_true(scan_exists(d, "notes"));
    assert_true(scan_exists(d, "20261122T100000Z-XYZ00000"));
}

/* A scan directory holding a subdirectory (someone's own files) is left alone. */
static void test_foreign_content_left(void **state)
{
    struct dd *d = *state;
    make_scan(d, "20261122T120000Z-11111111", 2000);
    char p[256];
    snprintf(p, sizeof p, "%s/scans/20261122T120000Z-11111111/mine", d->dir);
    assert_int_equal(mkdir(p, 0700), 0);
    make_scan(d, "20261122T130000Z-22222222", 2001);
    unsigned pruned = 7;
    int err = 0;
    assert_int_equal(datadir_publish(d->fd, "20261122T130000Z-22222222", 1, &pruned, &err, NULL),
                     0);
    assert_int_equal(pruned, 0);
    assert_true(scan_exists(d, "20261122T120000Z-11111111/mine"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_second_by_commit_time, dd_setup, dd_teardown),
        cmocka_unit_test_setup_teardown(test_published_always_stays, dd_setup, dd_teardown),
        cmocka_unit_test_setup_teardown(test_keep_zero_and_foreign_names, dd_setup, dd_teardown),
        cmocka_unit_test_setup_teardown(test_foreign_content_left, dd_setup, dd_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
