/* The backup room: time parsing, the --backup spec, the readers on fixtures
 * (tests/fixtures/backup/: restic and borg listings as the tools print them, Veeam-like CSV
 * and JSON exports), the judgement's rules at their boundaries, and the module end to end on
 * a real directory aged with utimensat. Real restic and borg repositories are exercised by
 * tests/integration/test_backup.sh. */
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
#include <time.h>
#include <unistd.h>

#include "checks/backup.h"
#include "checks/backup_read.h" /* backup_newest_two: which points get asked for sizes */
#include "checks/check.h"
#include "scanner/atomic.h"
#include "scanner/checkrun.h"
#include "scanner/model.h"
#include "scanner/result.h"

static int64_t T(const char *s)
{
    int64_t t = 0;
    assert_int_equal(backup_parse_time(s, "utc", &t), 0);
    return t;
}

static void times_parse_with_their_zones(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(T("2026-11-22T12:00:00Z"), 1795348800);
    assert_int_equal(T("2026-11-22T14:00:00+02:00"), 1795348800);
    assert_int_equal(T("2026-11-22T06:30:00-0530"), 1795348800);
    assert_int_equal(T("2026-11-22T13:00:00.907495964+01:00"), 1795348800); /* restic */
    assert_int_equal(T("2026-11-22 12:00:00"), 1795348800);                  /* naive, tz=utc */
    assert_int_equal(T("2026-11-22 13:00:00 +0100 CET"), 1795348800);
    assert_int_equal(T("2026-11-22T12:00:00 UTC"), 1795348800);
    assert_int_equal(T("2026-11-22T12:00"), 1795348800);
    assert_int_equal(T("2026-11-22"), 1795305600);
    assert_int_equal(T("/Date(1795348800000)/"), 1795348800);
    assert_int_equal(T("/Date(1795348800000+0100)/"), 1795348800); /* offset: display only */
    assert_int_equal(T("1795348800"), 1795348800);
    assert_int_equal(T("1795348800123"), 1795348800); /* milliseconds */
    assert_int_equal(T("2028-02-29T00:00:00Z"), 1835395200);
    assert_int_equal(T("2026-11-22T23:59:60Z"), 1795391999); /* leap second */
    /* A naive time in a named offset, and in the local zone. */
    assert_int_equal(backup_parse_time("2026-11-22 13:00:00", "+01:00", &t), 0);
    assert_int_equal(t, 1795348800);
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    assert_int_equal(backup_parse_time("2026-11-22T13:00:00.000000", "local", &t), 0);
    assert_int_equal(t, 1795348800); /* borg writes local times: CET is UTC+1 in November */
    assert_int_equal(backup_parse_time("2026-07-01T14:00:00", NULL, &t), 0);
    assert_int_equal(t, T("2026-07-01T12:00:00Z")); /* CEST */
    setenv("TZ", "UTC", 1);
    tzset();
    static const char *const bad[] = {"", "  ", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                                      "2026-11-31", "2026-11-22T24:00:00Z", "2026-11-22T12:60Z",
                                      "2026-11-22T12:00:00+25:00", "2026-11-22T12:00:00Zjunk",
                                      "yesterday", "2026-11-22T", "12:00", "1969-12-31T00:00:00Z",
                                      "/Date(abc)/", "2026-11-22T12:00:00.Z", "--1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (backup_parse_time(bad[i], "utc", &t) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(backup_parse_time("2026-11-22 12:00", "mars", &t), -1);
    /* Dates as Windows cultures write them (Export-Csv of a Veeam session). */
    assert_int_equal(backup_parse_time_ordered("11/22/2026 12:00:00 PM", "utc", 'm', &t), 0);
    assert_int_equal(t, 1795348800);
    assert_int_equal(backup_parse_time_ordered("11/22/2026 12:00 AM", "utc", 'm', &t), 0);
    assert_int_equal(t, 1795305600);
    assert_int_equal(backup_parse_time_ordered("1/2/2027 1:05:09 pm", "utc", 'm', &t), 0);
    assert_int_equal(t, T("2027-01-02T13:05:09Z"));
    assert_int_equal(backup_parse_time_ordered("22.11.2026 13:00:00", "+01:00", 'd', &t), 0);
    assert_int_equal(t, 1795348800);
    assert_int_equal(backup_parse_time_ordered("22/11/2026", "utc", 'd', &t), 0);
    assert_int_equal(t, 1795305600);
    assert_int_equal(backup_parse_time_ordered("2026-11-22T12:00:00Z", "utc", 'd', &t), 0); /* ISO still */
    assert_int_equal(t, 1795348800);
    assert_int_equal(backup_parse_time_ordered("22/11/2026", "utc", 'm', &t), -1); /* month 22 */
    assert_int_equal(backup_parse_time_ordered("11/22/2026 13:00 PM", "utc", 'm', &t), -1);
    assert_int_equal(backup_parse_time_ordered("11/22/26 10:00", "utc", 'm', &t), -1);
    assert_int_equal(backup_parse_time_ordered("11/22/2026 10:00", "utc", 0, &t), -1);
    char buf[32];
    backup_format_time(1795348800, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-22T12:00:00Z");
    backup_format_age(3 * 86400 + 4 * 3600 + 59, buf, sizeof buf);
    assert_string_equal(buf, "3d 4h");
    backup_format_age(25 * 60, buf, sizeof buf);
    assert_string_equal(buf, "25m");
    backup_format_age(-7200, buf, sizeof buf);
    assert_string_equal(buf, "-2h 0m");
}

static void specs_and_durations(void **state)
{
    (void)state;
    int64_t d;
    assert_int_equal(backup_parse_duration("24h", &d), 0);
    assert_int_equal(d, 86400);
    assert_int_equal(backup_parse_duration("90m", &d), 0);
    assert_int_equal(d, 5400);
    assert_int_equal(backup_parse_duration("2w", &d), 0);
    assert_int_equal(d, 14 * 86400);
    assert_int_equal(backup_parse_duration("3600", &d), 0);
    assert_int_equal(d, 3600);
    assert_int_equal(backup_parse_duration("0h", &d), -1);
    assert_int_equal(backup_parse_duration("1y", &d), -1);
    assert_int_equal(backup_parse_duration("-1h", &d), -1);
    assert_int_equal(backup_parse_duration("h", &d), -1);

    struct backup_config c = {0};
    struct rm_err e = {{0}};
    assert_int_equal(backup_config_add_spec(&c, "restic:/srv/restic,repo,rpo=36h,name=fs1,"
                                                "asset=file server,password-file=/etc/pw,"
                                                "retention=7,offsite=yes,immutable=no", &e), 0);
    const struct backup_source *s = &c.sources[0];
    assert_int_equal(s->type, BACKUP_RESTIC);
    assert_string_equal(s->location, "/srv/restic,repo"); /* a comma not before key= */
    assert_string_equal(s->name, "fs1");
    assert_string_equal(s->asset, "file server");
    assert_string_equal(s->password_file, "/etc/pw");
    assert_int_equal(s->rpo_s, 36 * 3600);
    assert_int_equal(s->retention, 7);
    assert_int_equal(s->offsite, BACKUP_FLAG_YES);
    assert_int_equal(s->immutable, BACKUP_FLAG_NO);
    assert_int_equal(backup_config_add_spec(&c, "csv:/x/veeam.csv,time-field=EndTime,"
                                                "result-field=Result,ok=Success|Warning,sep=;,tz=+01:00", &e), 0);
    s = &c.sources[1];
    assert_string_equal(s->name, "csv:/x/veeam.csv");
    assert_string_equal(backup_source_asset(s), "csv:/x/veeam.csv");
    assert_int_equal(s->sep, ';');
    assert_string_equal(s->ok_values, "Success|Warning");
    assert_int_equal(backup_source_rpo(&c, s), BACKUP_DEFAULT_RPO_S);
    static const char *const bad[] = {"tape:/dev/st0", "restic", "restic:", "restic:/r,rpo=soon",
                                      "restic:/r,color=blue", "dir:/d,offsite=maybe",
                                      "csv:/f,tz=mars", "restic:/r,name=fs1", "marker:/m,retention=-1",
                                      "json:/j,name="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (backup_config_add_spec(&c, bad[i], &e) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_non_null(strstr(e.msg, "json:/j,name="));
    assert_int_equal(c.n_sources, 2);

    /* What the profile loader will call: a filled struct, copied; the caller keeps its own. */
    char loc[] = "/srv/veeam";
    struct backup_source mine = {.type = BACKUP_DIRECTORY, .location = loc,
                                 .pattern = (char *)"*.vbk|*.vib", .rpo_s = 3600,
                                 .offsite = BACKUP_FLAG_YES};
    assert_int_equal(backup_config_add(&c, &mine, &e), 0);
    loc[1] = 'X'; /* the config holds its own copy */
    assert_string_equal(c.sources[2].location, "/srv/veeam");
    assert_string_equal(c.sources[2].name, "directory:/srv/veeam");
    assert_string_equal(c.sources[2].pattern, "*.vbk|*.vib");
    assert_int_equal(c.sources[2].offsite, BACKUP_FLAG_YES);
    mine.name = (char *)"fs1"; /* a name already declared */
    assert_int_equal(backup_config_add(&c, &mine, &e), -1);
    assert_non_null(strstr(e.msg, "already declared"));
    mine.name = NULL;
    mine.location = NULL;
    assert_int_equal(backup_config_add(&c, &mine, &e), -1);
    mine.location = loc;
    mine.name = (char *)"other";
    mine.tz = (char *)"mars";
    assert_int_equal(backup_config_add(&c, &mine, &e), -1);
    assert_int_equal(c.n_sources, 3);
    backup_config_free(&c);
}

static char *fixture(const char *name, size_t *len)
{
    char path[256], *d = NULL;
    struct rm_err e;
    snprintf(path, sizeof path, "tests/fixtures/backup/%s", name);
    assert_int_equal(read_file_bounded(path, 1 << 20, &d, len, &e), 0);
    return d;
}

static void restic_listing_and_states(void **state)
{
    (void)state;
    size_t len;
    char *d = fixture("restic-snapshots.json", &len);
    struct backup_listing l = {0};
    assert_int_equal(backup_restic_parse(NULL, d, len, &l), 0);
    assert_int_equal(l.state, BACKUP_READABLE);
    assert_int_equal(l.n_points, 2);
    assert_int_equal(l.n_skipped, 1); /* "not a time" */
    assert_int_equal(l.points[0].time, T("2026-11-20T10:00:00Z"));
    assert_int_equal(l.points[0].size, 1000000);
    assert_string_equal(l.points[0].id, "2f598f64");
    assert_int_equal(l.points[1].time, T("2026-11-21T22:30:00Z"));
    assert_int_equal(l.points[1].size, 400000);
    backup_listing_free(&l);
    /* One repository, several machines: host= and tag= pick this source's snapshots; the
     * others are neither counted nor skipped. */
    struct backup_source other = {.type = BACKUP_RESTIC, .host = (char *)"fs2"};
    assert_int_equal(backup_restic_parse(&other, d, len, &l), 0);
    assert_int_equal(l.n_points, 0);
    assert_int_equal(l.n_skipped, 0);
    backup_listing_free(&l);
    struct backup_source tagged = {.type = BACKUP_RESTIC, .host = (char *)"fs1", .tag = (char *)"nightly"};
    assert_int_equal(backup_restic_parse(&tagged, d, len, &l), 0);
    assert_int_equal(l.n_points, 1);
    assert_string_equal(l.points[0].id, "81cafe69");
    backup_listing_free(&l);
    free(d);
    assert_int_equal(backup_restic_parse(NULL, "{\"time\":1}", 10, &l), 0);
    assert_int_equal(l.state, BACKUP_FORMAT);
    backup_listing_free(&l);
    assert_int_equal(backup_restic_parse(NULL, "[]", 2, &l), 0);
    assert_int_equal(l.state, BACKUP_READABLE);
    assert_int_equal(l.n_points, 0);
    backup_listing_free(&l);

    /* restic stats --json --mode restore-size ID: a size only when it covers exactly one
     * snapshot (0.14 exits 0 with snapshots_count 0 for an unknown or ambiguous ID). */
    static const struct {
        const char *json;
        int64_t size;
    } stats[] = {
        {"{\"total_size\":205000,\"total_file_count\":3,\"snapshots_count\":1}\n", 205000},
        {"{\"total_size\":0,\"total_file_count\":1,\"snapshots_count\":1}", 0},
        {"{\"total_size\":0,\"total_file_count\":0,\"snapshots_count\":0}", -1},
        {"{\"total_size\":9000,\"snapshots_count\":2}", -1},
        {"{\"total_size\":-4,\"snapshots_count\":1}", -1},
        {"{\"total_size\":\"7\",\"snapshots_count\":1}", -1},
        {"[1]", -1},
        {"{\"total_size\":7,\"snapshots_count\":1", -1},
    };
    for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++)
        assert_int_equal(backup_restic_parse_stats(stats[i].json, strlen(stats[i].json)), stats[i].size);

    /* What restic 0.14 (Debian 12) writes on standard error, exit status 1. */
    static const struct {
        int status;
        const char *err;
        enum backup_state st;
    } cases[] = {
        {1, "Fatal: wrong password or no key found\n", BACKUP_WRONG_PASSWORD},
        {1, "Fatal: unable to open config file: stat /r/config: no such file or directory\n"
            "Is there a repository at the following location?\n/r\n", BACKUP_MISSING},
        {1, "unable to create lock in backend: repository is already locked exclusively by PID "
            "18013 on vm by root (UID 0, GID 0)\n", BACKUP_LOCKED},
        {1, "Fatal: unable to open config file: open /r/config: permission denied\n", BACKUP_PERMISSION},
        {1, "Fatal: config or key 5bd1 is damaged: ciphertext verification failed\n", BACKUP_CORRUPT},
        {1, "something new\n", BACKUP_FAILED},
        {10, "", BACKUP_MISSING}, /* restic 0.17 and later */
        {11, "", BACKUP_LOCKED},
        {12, "", BACKUP_WRONG_PASSWORD},
        {127, "", BACKUP_TOOL_MISSING},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(backup_restic_state(cases[i].status, cases[i].err, strlen(cases[i].err)),
                         cases[i].st);
}

static void borg_listing_and_states(void **state)
{
    (void)state;
    size_t len;
    char *d = fixture("borg-list.json", &len);
    struct backup_listing l = {0};
    struct backup_source plus1 = {.type = BACKUP_BORG, .tz = (char *)"+01:00"};
    struct backup_source utc = {.type = BACKUP_BORG, .tz = (char *)"utc"};
    assert_int_equal(backup_borg_parse(&plus1, d, len, &l), 0);
    assert_int_equal(l.state, BACKUP_READABLE);
    assert_int_equal(l.n_points, 2);
    assert_int_equal(l.n_skipped, 2); /* NAME.checkpoint and NAME.checkpoint.1 */
    assert_string_equal(l.points[1].id, "fs1-2026-11-21");
    assert_int_equal(l.points[1].time, T("2026-11-21T21:00:00Z"));
    assert_int_equal(l.points[1].size, -1);
    backup_listing_free(&l);
    struct backup_source glob = {.type = BACKUP_BORG, .tz = (char *)"utc", .archives = (char *)"fs1-*-21*"};
    assert_int_equal(backup_borg_parse(&glob, d, len, &l), 0);
    assert_int_equal(l.n_points, 1);
    assert_int_equal(l.n_skipped, 0);
    assert_string_equal(l.points[0].id, "fs1-2026-11-21");
    backup_listing_free(&l);
    free(d);
    /* A saved `borg info --json` brings sizes; a name merely containing "checkpoint" counts. */
    const char *info = "{\"archives\":[{\"name\":\"x.checkpointed\",\"start\":\"2026-11-22T01:00:00\","
                       "\"stats\":{\"original_size\":123456}}]}";
    assert_int_equal(backup_borg_parse(&utc, info, strlen(info), &l), 0);
    assert_int_equal(l.n_points, 1);
    assert_int_equal(l.points[0].size, 123456);
    backup_listing_free(&l);
    assert_int_equal(backup_borg_parse(NULL, "[1]", 3, &l), 0);
    assert_int_equal(l.state, BACKUP_FORMAT);
    backup_listing_free(&l);

    /* borg --log-json: the msgid names the error, even after a prompt on the same line. */
    const char *nopw =
        "{\"type\": \"log_message\", \"message\": \"GetPassWarning\", \"levelname\": \"WARNING\"}\n"
        "Enter passphrase for key /r: {\"type\": \"log_message\", \"message\": \"can not acquire "
        "a passphrase\", \"levelname\": \"ERROR\", \"msgid\": \"NoPassphraseFailure\"}\n";
    assert_int_equal(backup_borg_state(2, nopw, strlen(nopw)), BACKUP_WRONG_PASSWORD);
    static const struct {
        const char *msgid;
        enum backup_state st;
    } ids[] = {{"PassphraseWrong", BACKUP_WRONG_PASSWORD}, {"Repository.DoesNotExist", BACKUP_MISSING},
               {"Repository.InvalidRepository", BACKUP_CORRUPT}, {"LockTimeout", BACKUP_LOCKED},
               {"Something.New", BACKUP_FAILED}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char line[256];
        snprintf(line, sizeof line, "{\"type\": \"log_message\", \"levelname\": \"ERROR\", "
                 "\"msgid\": \"%s\"}\n", ids[i].msgid);
        assert_int_equal(backup_borg_state(2, line, strlen(line)), ids[i].st);
    }
    assert_int_equal(backup_borg_state(127, "", 0), BACKUP_TOOL_MISSING);
}

/* The two points whose sizes are asked for: the latest two not dated in the future. */
static void sizes_of_the_latest_two(void **state)
{
    (void)state;
    int64_t now = T("2026-11-22T12:00:00Z");
    struct backup_listing l = {0};
    backup_listing_add(&l, now - 3 * 86400, -1, "a");
    backup_listing_add(&l, now + 30 * 86400, -1, "future");
    backup_listing_add(&l, now - 3600, -1, "b");
    backup_listing_add(&l, now + 200, -1, "skewed"); /* within the 5 min skew: counted */
    backup_listing_add(&l, now - 86400, -1, "c");
    size_t idx[2];
    assert_int_equal(backup_newest_two(&l, now, idx), 2);
    assert_string_equal(l.points[idx[0]].id, "skewed");
    assert_string_equal(l.points[idx[1]].id, "b");
    backup_listing_free(&l);
    backup_listing_add(&l, now + 30 * 86400, -1, "future");
    assert_int_equal(backup_newest_two(&l, now, idx), 0);
    backup_listing_add(&l, now - 60, -1, "one");
    assert_int_equal(backup_newest_two(&l, now, idx), 1);
    assert_string_equal(l.points[idx[0]].id, "one");
    backup_listing_free(&l);
    /* borg info --json of one archive. */
    static const char one[] = "{\"archives\":[{\"name\":\"fs-2\",\"start\":\"2026-11-22T10:00:00.000000\","
                              "\"stats\":{\"original_size\":2000,\"deduplicated_size\":900}}]}";
    static const char two[] = "{\"archives\":[{\"name\":\"a\",\"start\":\"2026-11-22T10:00:00\","
                              "\"stats\":{\"original_size\":1}},{\"name\":\"b\",\"start\":"
                              "\"2026-11-22T11:00:00\",\"stats\":{\"original_size\":2}}]}";
    static const char nostats[] = "{\"archives\":[{\"name\":\"a\",\"start\":\"2026-11-22T10:00:00\"}]}";
    assert_int_equal(backup_borg_parse_info(one, strlen(one)), 2000);
    assert_int_equal(backup_borg_parse_info(two, strlen(two)), -1);
    assert_int_equal(backup_borg_parse_info(nostats, strlen(nostats)), -1);
    assert_int_equal(backup_borg_parse_info("{}", 2), -1);
}

static void status_exports(void **state)
{
    (void)state;
    struct backup_config c = {0};
    struct rm_err e;
    assert_int_equal(backup_config_add_spec(&c, "csv:x,size-field=TransferedSize,tz=utc", &e), 0);
    size_t len;
    char *d = fixture("veeam-sessions.csv", &len);
    struct backup_listing l = {0};
    assert_int_equal(backup_status_parse_csv(&c.sources[0], d, len, &l), 0);
    assert_int_equal(l.state, BACKUP_READABLE);
    /* Success and Warning count; Failed and the unparsable time do not. */
    assert_int_equal(l.n_points, 2);
    assert_int_equal(l.n_skipped, 2);
    assert_int_equal(l.points[0].time, T("2026-11-20T22:00:00Z"));
    assert_int_equal(l.points[0].size, 5000000);
    assert_string_equal(l.points[0].id, "row 2");
    assert_int_equal(l.points[1].time, T("2026-11-21T22:00:00Z"));
    assert_int_equal(l.points[1].size, 4900000);
    backup_listing_free(&l);
    free(d);

    /* Only Success counts when the profile says so; a missing column is a format state. */
    assert_int_equal(backup_config_add_spec(&c, "csv:y,ok=success,time-field=EndTime", &e), 0);
    d = fixture("veeam-sessions.csv", &len);
    assert_int_equal(backup_status_parse_csv(&c.sources[1], d, len, &l), 0);
    assert_int_equal(l.n_points, 1);
    backup_listing_free(&l);
    assert_int_equal(backup_config_add_spec(&c, "csv:z,time-field=Finished", &e), 0);
    assert_int_equal(backup_status_parse_csv(&c.sources[2], d, len, &l), 0);
    assert_int_equal(l.state, BACKUP_FORMAT);
    assert_non_null(strstr(l.detail, "Finished"));
    backup_listing_free(&l);
    free(d);
    const char *us = "Result,EndTime\nSuccess,11/21/2026 10:30:00 PM\n";
    assert_int_equal(backup_config_add_spec(&c, "csv:us,date=mdy,tz=utc", &e), 0);
    assert_int_equal(backup_status_parse_csv(&c.sources[3], us, strlen(us), &l), 0);
    assert_int_equal(l.n_points, 1);
    assert_int_equal(l.points[0].time, T("2026-11-21T22:30:00Z"));
    backup_listing_free(&l);
    c.sources[3].date_order = 0; /* without date=, that row's time is not understood */
    assert_int_equal(backup_status_parse_csv(&c.sources[3], us, strlen(us), &l), 0);
    assert_int_equal(l.n_points, 0);
    assert_int_equal(l.n_skipped, 1);
    backup_listing_free(&l);
    const char *semi = "when;state\n2026-11-22 10:00;OK\n\"2026-11-22 11:00\";\"o\"\"k\"\n";
    assert_int_equal(backup_config_add_spec(&c, "csv:s,sep=;,time-field=when,result-field=state,tz=utc", &e), 0);
    assert_int_equal(backup_status_parse_csv(&c.sources[4], semi, strlen(semi), &l), 0);
    assert_int_equal(l.n_points, 1);
    assert_int_equal(l.n_skipped, 1); /* o"k */
    backup_listing_free(&l);

    assert_int_equal(backup_config_add_spec(&c, "json:j,size-field=Size", &e), 0);
    d = fixture("veeam-sessions.json", &len);
    assert_int_equal(backup_status_parse_json(&c.sources[5], d, len, &l), 0);
    assert_int_equal(l.state, BACKUP_READABLE);
    assert_int_equal(l.n_points, 2);
    assert_int_equal(l.n_skipped, 1);
    assert_int_equal(l.points[0].time, T("2026-11-21T22:00:00Z"));
    assert_int_equal(l.points[0].size, 200000);
    assert_int_equal(l.points[1].time, 1795300000);
    assert_int_equal(l.points[1].size, 90000);
    backup_listing_free(&l);
    /* records= names a member that is not there. */
    assert_int_equal(backup_config_add_spec(&c, "json:k,records=Jobs", &e), 0);
    assert_int_equal(backup_status_parse_json(&c.sources[6], d, len, &l), 0);
    assert_int_equal(l.state, BACKUP_FORMAT);
    backup_listing_free(&l);
    free(d);
    const char *one = "{\"status\":\"completed\",\"end\":\"2026-11-22T10:00:00Z\"}";
    assert_int_equal(backup_status_parse_json(&c.sources[5], one, strlen(one), &l), 0);
    assert_int_equal(l.n_points, 1);
    assert_int_equal(l.points[0].time, T("2026-11-22T10:00:00Z"));
    backup_listing_free(&l);
    const char *noresult = "[{\"time\":\"2026-11-22T10:00:00Z\"}]";
    assert_int_equal(backup_status_parse_json(&c.sources[5], noresult, strlen(noresult), &l), 0);
    assert_int_equal(l.state, BACKUP_FORMAT);
    backup_listing_free(&l);
    backup_config_free(&c);
}

/* A listing from (time, size) pairs. */
static void mk(struct backup_listing *l, size_t n, const int64_t *t, const int64_t *sz)
{
    memset(l, 0, sizeof *l);
    for (size_t i = 0; i < n; i++) {
        char id[24];
        snprintf(id, sizeof id, "p%zu", i);
        assert_int_equal(backup_listing_add(l, t[i], sz[i], id), 0);
    }
}

static size_t judge(struct backup_config *c, struct backup_listing *l, int64_t now,
                    struct backup_verdict *v, char *kinds, size_t klen)
{
    size_t n = backup_judge_source(c, &c->sources[0], l, now, v);
    static const char *const names[] = {"ok", "stale", "none", "retention", "empty", "shrunk",
                                        "unreadable", "future", "missing", "offsite.missing"};
    kinds[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(kinds + strlen(kinds), klen - strlen(kinds), "%s%s", i ? "," : "", names[v[i].kind]);
    backup_listing_free(l);
    return n;
}

static void judgement_rules(void **state)
{
    (void)state;
    struct backup_config c = {0};
    struct rm_err e;
    assert_int_equal(backup_config_add_spec(&c, "directory:/d,name=nas,rpo=24h,retention=3", &e), 0);
    int64_t now = T("2026-11-22T12:00:00Z");
    struct backup_listing l;
    struct backup_verdict v[BACKUP_MAX_VERDICTS];
    char k[200];

    /* Exactly at the RPO is still within it; one second more is stale. */
    int64_t t1[] = {now - 3 * 86400, now - 2 * 86400, now - 86400};
    int64_t s1[] = {100, 100, 100};
    mk(&l, 3, t1, s1);
    judge(&c, &l, now, v, k, sizeof k);
    assert_string_equal(k, "ok");
    assert_int_equal(v[0].age_s, 86400);
    assert_int_equal(v[0].n_points, 3);
    t1[2] = now - 86401;
    mk(&l, 3, t1, s1);
    judge(&c, &l, now, v, k, sizeof k);
    assert_string_equal(k, "stale");
    assert_int_equal(v[0].age_s, 86401);
    assert_int_equal(v[0].latest, now - 86401);

    /* Retention counts restore points; shrunk compares the latest with the one before. */
    int64_t t2[] = {now - 7200, now - 3600};
    int64_t s2[] = {1000, 499};
    mk(&l, 2, t2, s2);
    judge(&c, &l, now, v, k, sizeof k);
    assert_string_equal(k, "ok,retention,shrunk");
    assert_int_equal(v[1].n_points, 2);
    assert_int_equal(v[1].retention, 3);
    assert_int_equal(v[2].latest_size, 499);
    assert_int_equal(v[2].previous_size, 1000);
    s2[1] = 500; /* exactly half: not shrunk */
    mk(&l, 2, t2, s2);
    judge(&c, &l, now, v, k, sizeof k);
    assert_string_equal(k, "ok,retention");

    /* A zero-byte latest is not a backup: the one before it decides recency. */
    int64_t t3[] = {now - 5 * 86400, now - 4 * 86400, now - 3 * 86400, now - 600};
    int64_t s3[] = {100, 100, 100, 0};
    mk(&l, 4, t3, s3);
    judge(&c, &l, now, v, k, sizeof k);
    assert_string_equal(k, "empty,stale");
    assert_int_equal(v[1].age_s, 3 * 86400);
    /* The empty finding names the zero-byte point; its latest is still the counted one. */
    assert_int_equal(v[0].empty_time, now - 600);
    assert_int_equal(v[0].latest, now - 3 * 86400);
    assert_int_equal(v[0].latest_size, 100);

    /* Future-dated points are a finding and never fresh; within the skew they are fine. */
    int64_t t4[] = {now - 2 * 86400, now - 86400 - 1, now + 30 * 86400, now + 200};
    int64_t s4[] = {100, 100, 100, 100};
    mk(&l, 4, t4, s4);
    judge(&c, &l, now, v, k, sizeof k);
    assert_string_equal(k, "future,ok");
    assert_int_equal(v[0].n_future, 1);
    assert_int_equal(v[0].future_time, now + 30 * 86400);
    assert_int_equal(v[1].age_s, -200); /* the one within the skew is the latest */

    /* Nothing at all; and an unreadable listing is only that. */
    mk(&l, 0, NULL, NULL);
    l.n_skipped = 2;
    judge(&c, &l, now, v, k, sizeof k);
    assert_string_equal(k, "none,retention");
    mk(&l, 0, NULL, NULL);
    backup_listing_fail(&l, BACKUP_WRONG_PASSWORD, "restic: Fatal: wrong password or no key found");
    judge(&c, &l, now, v, k, sizeof k);
    assert_string_equal(k, "unreadable");
    assert_int_equal(v[0].state, BACKUP_WRONG_PASSWORD);
    assert_string_equal(v[0].detail, "nas cannot be read (wrong-password): restic: Fatal: wrong "
                                     "password or no key found");
    backup_config_free(&c);
}

static void site_view(void **state)
{
    (void)state;
    struct backup_config c = {0};
    struct rm_err e;
    assert_int_equal(backup_config_add_spec(&c, "restic:/a,name=local,asset=fs1", &e), 0);
    assert_int_equal(backup_config_add_spec(&c, "restic:/b,name=cloud,asset=fs1,offsite=yes,immutable=yes", &e), 0);
    assert_int_equal(backup_config_add_spec(&c, "borg:/c,name=sql,asset=db1", &e), 0);
    assert_int_equal(backup_config_add_asset(&c, "fs1", &e), 0);
    assert_int_equal(backup_config_add_asset(&c, "erp", &e), 0);
    struct backup_verdict v[8];
    bool fresh[3] = {true, true, true};
    size_t n = backup_judge_site(&c, fresh, 0, v, 8);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].kind, BK_MISSING);
    assert_string_equal(v[0].asset, "erp");
    assert_int_equal(v[1].kind, BK_OFFSITE_MISSING); /* db1: no off-site source */
    assert_string_equal(v[1].asset, "db1");
    fresh[1] = false; /* the cloud copy is stale: fs1 has no off-site copy within RPO */
    n = backup_judge_site(&c, fresh, 0, v, 8);
    assert_int_equal(n, 3);
    assert_int_equal(v[1].kind, BK_OFFSITE_MISSING);
    assert_string_equal(v[1].asset, "fs1");
    assert_int_equal(v[1].n_offsite, 1);
    assert_int_equal(v[1].n_immutable, 1);
    /* Without offsite=/immutable= anywhere there is no 3-2-1 view. */
    c.sources[1].offsite = c.sources[1].immutable = BACKUP_FLAG_UNSET;
    n = backup_judge_site(&c, fresh, 0, v, 8);
    assert_int_equal(n, 1);
    backup_config_free(&c);
}

static void touch_at(const char *dir, const char *name, int64_t when, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    char buf[4096] = {0};
    for (size_t done = 0; done < size;) {
        size_t k = size - done < sizeof buf ? size - done : sizeof buf;
        assert_int_equal(write(fd, buf, k), (ssize_t)k);
        done += k;
    }
    struct timespec ts[2] = {{.tv_sec = (time_t)when}, {.tv_sec = (time_t)when}};
    assert_int_equal(futimens(fd, ts), 0);
    close(fd);
}

static const struct finding *find_kind(const struct scan_result *r, const char *kind, const char *src)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (!strcmp(r->findings[i]->kind, kind) &&
            (!src || !strcmp(finding_fact(r->findings[i], "source") ? finding_fact(r->findings[i], "source")
                                                                    : finding_fact(r->findings[i], "asset"), src)))
            return r->findings[i];
    return NULL;
}

static void module_on_a_real_directory(void **state)
{
    (void)state;
    char dir[] = "/tmp/riskmap-backup-unit.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[600];
    snprintf(sub, sizeof sub, "%s/2026", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    int64_t now = T("2026-11-22T12:00:00Z");
    touch_at(dir, "full-1.vbk", now - 3 * 86400, 8000);
    touch_at(sub, "incr-2.vib", now - 30 * 3600, 3000);
    touch_at(dir, "notes.txt", now - 60, 10); /* does not match the pattern */
    char marker[700];
    snprintf(marker, sizeof marker, "%s/last-success", dir);
    FILE *m = fopen(marker, "w");
    assert_non_null(m);
    fputs("2026-11-22T11:00:00+01:00\n", m);
    fclose(m);

    struct backup_config c = {.now = now};
    struct rm_err e = {{0}};
    char spec[1024];
    snprintf(spec, sizeof spec, "directory:%s,name=veeam,asset=fs1,pattern=*.vbk|*.vib,rpo=24h", dir);
    assert_int_equal(backup_config_add_spec(&c, spec, &e), 0);
    snprintf(spec, sizeof spec, "marker:%s,name=job,asset=fs1,rpo=2h,offsite=no", marker);
    assert_int_equal(backup_config_add_spec(&c, spec, &e), 0);
    snprintf(spec, sizeof spec, "directory:%s/gone,name=share", dir);
    assert_int_equal(backup_config_add_spec(&c, spec, &e), 0);
    assert_int_equal(backup_config_add_asset(&c, "crm", &e), 0);

    struct scan_result *r = scan_result_new();
    struct checkrun_opts co = {.only = "backup", .backup = &c};
    assert_int_equal(checkrun(r, &co, &e), 0);
    /* veeam: stale, shrunk; job: ok; share: unreadable; crm: missing; fs1 and share: no
     * off-site copy. */
    assert_int_equal(r->n_findings, 7);
    assert_non_null(find_kind(r, "backup.offsite.missing", "share"));
    const struct finding *f = find_kind(r, "backup.stale", "veeam");
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "latest_utc"), "2026-11-21T06:00:00Z");
    assert_string_equal(finding_fact(f, "age_s"), "108000");
    assert_string_equal(finding_fact(f, "age"), "1d 6h");
    assert_string_equal(finding_fact(f, "restore_points"), "2");
    assert_string_equal(finding_fact(f, "latest_size"), "3000");
    assert_string_equal(finding_fact(f, "older_than_7d"), "no");
    assert_int_equal(f->severity, SEV_HIGH);
    assert_int_equal(f->n_evidence, 1);
    /* The evidence is the listing: newest first, paths below the top. */
    const struct evidence *ev = r->evidence[0];
    assert_string_equal(ev->id, f->evidence_ids[0]);
    assert_non_null(strstr((const char *)ev->data, "2 matching files"));
    assert_non_null(strstr((const char *)ev->data, "2026-11-21T06:00:00Z 3000 2026/incr-2.vib\n"
                                                  "2026-11-19T12:00:00Z 8000 full-1.vbk\n"));
    assert_non_null(f = find_kind(r, "backup.shrunk", "veeam"));
    f = find_kind(r, "backup.ok", "job");
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "age_s"), "7200"); /* content, with its offset */
    assert_string_equal(finding_fact(f, "latest_utc"), "2026-11-22T10:00:00Z");
    f = find_kind(r, "backup.unreadable", "share");
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "state"), "missing");
    /* offsite=no on one source turns the 3-2-1 view on: fs1 has no off-site copy, and the
     * finding rests on the listings of both its sources. */
    f = find_kind(r, "backup.offsite.missing", "fs1");
    assert_non_null(f);
    assert_string_equal(finding_fact(f, "offsite_sources"), "0");
    assert_int_equal(f->n_evidence, 2);
    assert_string_equal(f->evidence_ids[0], "E1");
    assert_string_equal(f->evidence_ids[1], "E2");
    f = find_kind(r, "backup.missing", "crm");
    assert_non_null(f);
    assert_null(finding_fact(f, "source"));
    /* Site-wide: no address, the asset by name. */
    assert_int_equal(f->addr.family, 0);
    assert_string_equal(f->site_asset, "crm");
    assert_string_equal(find_kind(r, "backup.stale", "veeam")->site_asset, "fs1");
    /* Site findings survive the scan result document: written, read back, the same. */
    r->meta.riskmap_version = strdup("test");
    r->meta.started_utc = strdup("2026-11-22T12:00:00Z");
    char *json = result_to_json(r);
    assert_non_null(json);
    struct scan_result *back = NULL;
    if (result_parse(json, strlen(json), "backup", &back, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(back->n_findings, r->n_findings);
    assert_int_equal(back->n_evidence, r->n_evidence);
    for (size_t i = 0; i < r->n_findings; i++) {
        assert_string_equal(back->findings[i]->kind, r->findings[i]->kind);
        assert_string_equal(back->findings[i]->fingerprint, r->findings[i]->fingerprint);
        assert_int_equal(back->findings[i]->n_facts, r->findings[i]->n_facts);
        assert_int_equal(back->findings[i]->addr.family, 0);
        assert_string_equal(back->findings[i]->site_asset, r->findings[i]->site_asset);
    }
    assert_null(strstr(json, "0.0.0.0"));
    scan_result_free(back);
    free(json);
    /* Fingerprints: the same source and kind give the same one in the next run. */
    struct scan_result *r2 = scan_result_new();
    assert_int_equal(checkrun(r2, &co, &e), 0);
    for (size_t i = 0; i < r->n_findings; i++)
        assert_string_equal(r->findings[i]->fingerprint, r2->findings[i]->fingerprint);
    scan_result_free(r2);
    scan_result_free(r);
    /* An asset named by its address is that host: the finding carries the address. */
    struct backup_config byaddr = {.now = now};
    snprintf(spec, sizeof spec, "marker:%s,name=job,asset=192.0.2.10", marker);
    assert_int_equal(backup_config_add_spec(&byaddr, spec, &e), 0);
    r = scan_result_new();
    co.backup = &byaddr;
    assert_int_equal(checkrun(r, &co, &e), 0);
    assert_int_equal(r->n_findings, 1);
    char a[RM_ADDRSTRLEN];
    assert_string_equal(addr_str(&r->findings[0]->addr, a, sizeof a), "192.0.2.10");
    assert_null(r->findings[0]->site_asset);
    scan_result_free(r);
    backup_config_free(&byaddr);
    /* No sources, no assets: nothing at all. */
    struct backup_config none = {0};
    r = scan_result_new();
    co.backup = &none;
    assert_int_equal(checkrun(r, &co, &e), 0);
    assert_int_equal(r->n_findings, 0);
    scan_result_free(r);
    backup_config_free(&c);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(times_parse_with_their_zones),
        cmocka_unit_test(specs_and_durations),
        cmocka_unit_test(restic_listing_and_states),
        cmocka_unit_test(borg_listing_and_states),
        cmocka_unit_test(sizes_of_the_latest_two),
        cmocka_unit_test(status_exports),
        cmocka_unit_test(judgement_rules),
        cmocka_unit_test(site_view),
        cmocka_unit_test(module_on_a_real_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
