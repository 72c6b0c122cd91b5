/* The risk register (scanner/register*.c) on a real SQLite file in a temporary directory,
 * across a sequence of scored scans; its CSV export read back field for field; the diff of
 * two scans (reports/scan_diff.c); and one scan recorded through real evaluation and scoring
 * (scanner/cli_register_record.c). */
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

#include "reports/register_csv.h"
#include "reports/register_json.h"
#include "reports/scan_diff.h"
#include "scanner/register.h"
#include "scanner/register_record.h"

#define FIX "tests/fixtures/policies/"

static char tmpdir[] = "/tmp/riskmap-register-XXXXXX";
static char dbpath[256];

static void fp_of(char c, char out[FINGERPRINT_HEX_LEN + 1])
{
    memset(out, c, FINGERPRINT_HEX_LEN);
    out[FINGERPRINT_HEX_LEN] = 0;
}

/* A risk as risk_score_scan makes it: scores, one control and framework reference, status
 * open (or accepted by the profile when owner/expires are given). */
static void add_risk(struct risk_set *s, char fpc, const char *kind, const char *asset,
                     int lik, int imp, const char *prof_owner, const char *prof_expires)
{
    struct risk *r = risk_set_add(s);
    assert_non_null(r);
    fp_of(fpc, r->fingerprint);
    r->kind = strdup(kind);
    r->title = strdup(kind);
    r->asset = strdup(asset);
    r->address = strdup(asset);
    r->port = 23;
    r->severity = SEV_HIGH;
    r->policy_id = strdup("small");
    r->rule_id = strdup("telnet");
    const char *ctl = "small:secure-admin";
    const char *ref[2] = {fpc == 'e' ? "pci-dss" : "hipaa", "164.312(e)(1)"};
    assert_int_equal(risk_set_lists(r, &ctl, 1, ref, 1), 0);
    r->rule_likelihood = lik;
    r->rule_impact = imp;
    r->likelihood = lik;
    r->impact = imp;
    r->inherent = lik * imp;
    r->status = RISK_OPEN;
    if (prof_owner) {
        r->status = RISK_ACCEPTED;
        r->owner = strdup(prof_owner);
        r->accept_expires = strdup(prof_expires);
        r->treatment = strdup("accepted in the profile");
    }
    memcpy(r->first_seen, s->date, 11);
    memcpy(r->last_seen, s->date, 11);
    r->residual = risk_residual(r);
}

static void new_set(struct risk_set *s, const char *id, const char *date)
{
    memset(s, 0, sizeof *s);
    snprintf(s->scan_id, sizeof s->scan_id, "%s", id);
    snprintf(s->date, sizeof s->date, "%s", date);
}

static struct risk get(struct register_db *db, char fpc)
{
    char fp[FINGERPRINT_HEX_LEN + 1];
    fp_of(fpc, fp);
    struct register_filter f = {.fingerprint = fp};
    struct risk_set s = {0};
    struct rm_err e;
    assert_int_equal(register_load(db, &f, &s, &e), 0);
    assert_int_equal(s.n, 1);
    /* The register state moved out (the caller clears it); the scan fields are the pooled
     * set's, gone with it. */
    struct risk r = {0};
    memcpy(r.fingerprint, s.v[0].fingerprint, sizeof r.fingerprint);
    r.status = s.v[0].status;
    r.residual = s.v[0].residual;
    r.owner = s.v[0].owner;
    r.due = s.v[0].due;
    r.treatment = s.v[0].treatment;
    r.accept_expires = s.v[0].accept_expires;
    r.exception_kind = s.v[0].exception_kind;
    memcpy(r.first_seen, s.v[0].first_seen, sizeof r.first_seen);
    memcpy(r.last_seen, s.v[0].last_seen, sizeof r.last_seen);
    s.v[0].owner = s.v[0].due = s.v[0].treatment = s.v[0].accept_expires = NULL;
    s.v[0].exception_kind = NULL;
    risk_set_free(&s);
    return r;
}

static void expect(struct register_db *db, char fpc, enum risk_status st, int residual,
                   const char *owner, const char *first, const char *last)
{
    struct risk r = get(db, fpc);
    assert_int_equal(r.status, st);
    assert_int_equal(r.residual, residual);
    if (owner)
        assert_string_equal(r.owner, owner);
    else
        assert_null(r.owner);
    assert_string_equal(r.first_seen, first);
    assert_string_equal(r.last_seen, last);
    risk_clear(&r);
}

static long count(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

static void apply(struct register_db *db, struct risk_set *s, bool complete, const char *when,
                  struct register_delta *d)
{
    struct rm_err e = {{0}};
    struct trend_framework fw[2] = {{"cis-v8", 3, 1, 0, 0}, {"hipaa", 2, 5, 1, 4}};
    int rc = register_update(db, s, complete, fw, 2, when, d, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, 0);
    risk_set_free(s);
}

static void edit(struct register_db *db, enum register_action act, char fpc, const char *owner,
                 const char *due, const char *until, const char *reason, const char *note)
{
    char fp[FINGERPRINT_HEX_LEN + 1];
    fp_of(fpc, fp);
    struct register_edit ed = {.action = act, .fingerprint = fp, .who = "bob",
                               .when_utc = "2026-01-12T08:00:00Z", .owner = owner, .due = due,
                               .until = until, .reason = reason, .note = note};
    struct rm_err e = {{0}};
    int rc = register_edit(db, &ed, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, 0);
}

static void sequence(void **state)
{
    (void)state;
    struct rm_err e;
    struct register_db *db = NULL;
    assert_int_equal(register_open(dbpath, false, &db, &e), -1); /* no file, no create */
    assert_int_equal(register_open(dbpath, true, &db, &e), 0);
    struct stat st;
    assert_int_equal(stat(dbpath, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* Scan 1, complete: four new risks. */
    struct risk_set s;
    struct register_delta d;
    new_set(&s, "scan1", "2026-01-10");
    add_risk(&s, 'a', "svc.telnet.open", "192.0.2.10", 4, 4, NULL, NULL); /* 16 */
    add_risk(&s, 'b', "svc.telnet.open", "192.0.2.11", 3, 4, NULL, NULL); /* 12 */
    add_risk(&s, 'c', "svc.telnet.open", "192.0.2.12", 3, 3, NULL, NULL); /* 9 */
    add_risk(&s, 'd', "svc.telnet.open", "192.0.2.13", 4, 5, NULL, NULL); /* 20 */
    apply(db, &s, true, "2026-01-10T09:00:00Z", &d);
    assert_int_equal(d.n_new, 4);
    assert_int_equal(d.n_resolved, 0);
    assert_int_equal(d.point.worst, 20);
    assert_int_equal(d.point.total, 57);
    assert_int_equal(d.point.n_counted, 4);
    expect(db, 'a', RISK_OPEN, 16, NULL, "2026-01-10", "2026-01-10");
    assert_int_equal(count("SELECT count(*) FROM history WHERE fingerprint = '" 
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"), 1);
    struct register_history h;
    char fpa[65];
    fp_of('a', fpa);
    assert_int_equal(register_history(db, fpa, &h, &e), 0);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.v[0].at, "2026-01-10T09:00:00Z");
    assert_string_equal(h.v[0].who, "scan scan1");
    assert_string_equal(h.v[0].field, "status");
    assert_null(h.v[0].old_value);
    assert_string_equal(h.v[0].new_value, "open");
    assert_string_equal(h.v[0].note, "found by scan");
    register_history_free(&h);

    /* People: a gets an owner, b is accepted until mid-February, c is a false positive. */
    edit(db, REG_ASSIGN, 'a', "alice", "2026-02-01", NULL, NULL, NULL);
    edit(db, REG_ACCEPT, 'b', NULL, NULL, "2026-02-15", "vendor patch due", NULL);
    edit(db, REG_FALSE_POSITIVE, 'c', NULL, NULL, NULL, "lab honeypot", NULL);
    edit(db, REG_NOTE, 'a', NULL, NULL, NULL, NULL, "called the client");
    struct rm_err bad;
    char fpz[65];
    fp_of('a', fpz);
    struct register_edit noreason = {.action = REG_ACCEPT, .fingerprint = fpz, .who = "bob",
                                     .until = "2026-02-15"};
    assert_int_equal(register_edit(db, &noreason, &bad), -1);
    assert_int_equal(register_history(db, fpa, &h, &e), 0);
    assert_int_equal(h.n, 4); /* status, owner, due, note */
    assert_string_equal(h.v[1].who, "bob");
    assert_string_equal(h.v[1].at, "2026-01-12T08:00:00Z");
    assert_string_equal(h.v[1].field, "owner");
    assert_string_equal(h.v[1].new_value, "alice");
    assert_string_equal(h.v[2].field, "due");
    assert_string_equal(h.v[3].field, "note");
    assert_string_equal(h.v[3].note, "called the client");
    register_history_free(&h);
    struct risk rc = get(db, 'c');
    assert_int_equal(rc.status, RISK_EXCEPTION);
    assert_int_equal(rc.residual, 0);
    assert_string_equal(rc.exception_kind, "false-positive");
    assert_string_equal(rc.treatment, "lab honeypot");
    risk_clear(&rc);

    /* Scan 2, complete: d is gone, e is new; a keeps its owner; b stays accepted (expires
     * 2026-02-15, scan of 2026-02-01); the exception stays out of the headline. */
    new_set(&s, "scan2", "2026-02-01");
    add_risk(&s, 'a', "svc.telnet.open", "192.0.2.10", 4, 4, NULL, NULL);
    add_risk(&s, 'b', "svc.telnet.open", "192.0.2.11", 3, 4, NULL, NULL);
    add_risk(&s, 'c', "svc.telnet.open", "192.0.2.12", 3, 3, NULL, NULL);
    add_risk(&s, 'e', "tls.protocol.tls10", "192.0.2.14", 2, 3, NULL, NULL); /* 6 */
    apply(db, &s, true, "2026-02-01T09:00:00Z", &d);
    assert_int_equal(d.n_new, 1);
    assert_int_equal(d.n_resolved, 1);
    assert_int_equal(d.n_reopened, 0);
    assert_int_equal(d.n_still, 3);
    expect(db, 'a', RISK_OPEN, 16, "alice", "2026-01-10", "2026-02-01");
    expect(db, 'b', RISK_ACCEPTED, 12, NULL, "2026-01-10", "2026-02-01");
    expect(db, 'c', RISK_EXCEPTION, 0, NULL, "2026-01-10", "2026-02-01");
    expect(db, 'd', RISK_RESOLVED, 0, NULL, "2026-01-10", "2026-01-10");
    expect(db, 'e', RISK_OPEN, 6, NULL, "2026-02-01", "2026-02-01");
    assert_int_equal(d.point.worst, 16); /* a; b accepted, c exception, d resolved */
    assert_int_equal(d.point.total, 22);
    assert_int_equal(d.point.n_counted, 2);

    /* Scan 3, incomplete: only a and d seen. Nothing resolves (e stays open); d is back
     * (reopened); b's acceptance has expired (2026-02-15 < 2026-03-01): open again. */
    new_set(&s, "scan3", "2026-03-01");
    add_risk(&s, 'a', "svc.telnet.open", "192.0.2.10", 4, 4, NULL, NULL);
    add_risk(&s, 'd', "svc.telnet.open", "192.0.2.13", 4, 5, NULL, NULL);
    apply(db, &s, false, "2026-03-01T09:00:00Z", &d);
    assert_int_equal(d.n_new, 0);
    assert_int_equal(d.n_resolved, 0);
    assert_int_equal(d.n_reopened, 1);
    assert_int_equal(d.n_expired, 1);
    expect(db, 'b', RISK_OPEN, 12, NULL, "2026-01-10", "2026-02-01");
    expect(db, 'd', RISK_REOPENED, 20, NULL, "2026-01-10", "2026-03-01");
    expect(db, 'e', RISK_OPEN, 6, NULL, "2026-02-01", "2026-02-01");
    expect(db, 'c', RISK_EXCEPTION, 0, NULL, "2026-01-10", "2026-02-01");
    assert_int_equal(d.point.worst, 20);
    assert_int_equal(d.point.total, 16 + 12 + 20 + 6);

    /* Scan 4, complete: the profile accepts e (owner carol) and c (an exception: stays one);
     * a is rescored 16 -> 20; b is gone -> resolved. */
    new_set(&s, "scan4", "2026-03-05");
    add_risk(&s, 'a', "svc.telnet.open", "192.0.2.10", 4, 5, NULL, NULL);
    add_risk(&s, 'c', "svc.telnet.open", "192.0.2.12", 3, 3, "carol", "2026-06-30");
    add_risk(&s, 'd', "svc.telnet.open", "192.0.2.13", 4, 5, NULL, NULL);
    add_risk(&s, 'e', "tls.protocol.tls10", "192.0.2.14", 2, 3, "carol", "2026-06-30");
    apply(db, &s, true, "2026-03-05T09:00:00Z", &d);
    assert_int_equal(d.n_resolved, 1);
    assert_int_equal(d.n_accepted, 1);
    assert_int_equal(d.n_rescored, 1);
    expect(db, 'a', RISK_OPEN, 20, "alice", "2026-01-10", "2026-03-05");
    expect(db, 'b', RISK_RESOLVED, 0, NULL, "2026-01-10", "2026-02-01");
    expect(db, 'c', RISK_EXCEPTION, 0, NULL, "2026-01-10", "2026-03-05");
    expect(db, 'd', RISK_REOPENED, 20, NULL, "2026-01-10", "2026-03-05");
    expect(db, 'e', RISK_ACCEPTED, 6, "carol", "2026-02-01", "2026-03-05");
    assert_int_equal(d.point.worst, 20);
    assert_int_equal(d.point.total, 40);
    assert_int_equal(d.point.n_counted, 2);
    fp_of('a', fpa);
    assert_int_equal(register_history(db, fpa, &h, &e), 0);
    assert_string_equal(h.v[h.n - 1].field, "inherent");
    assert_string_equal(h.v[h.n - 1].old_value, "16");
    assert_string_equal(h.v[h.n - 1].new_value, "20");
    assert_string_equal(h.v[h.n - 1].who, "scan scan4");
    register_history_free(&h);

    /* The same scan again: nothing changes, not even the trend. */
    long hist = count("SELECT count(*) FROM history"), scans = count("SELECT count(*) FROM scan");
    new_set(&s, "scan4", "2026-03-05");
    add_risk(&s, 'a', "svc.telnet.open", "192.0.2.10", 4, 5, NULL, NULL);
    apply(db, &s, true, "2026-03-05T10:00:00Z", &d);
    assert_true(d.already);
    assert_int_equal(count("SELECT count(*) FROM history"), hist);
    assert_int_equal(count("SELECT count(*) FROM scan"), scans);
    expect(db, 'e', RISK_ACCEPTED, 6, "carol", "2026-02-01", "2026-03-05");
    /* The same content under another id: the rules themselves change nothing either (one
     * more trend point, no history). */
    new_set(&s, "scan4b", "2026-03-05");
    add_risk(&s, 'a', "svc.telnet.open", "192.0.2.10", 4, 5, NULL, NULL);
    add_risk(&s, 'c', "svc.telnet.open", "192.0.2.12", 3, 3, "carol", "2026-06-30");
    add_risk(&s, 'd', "svc.telnet.open", "192.0.2.13", 4, 5, NULL, NULL);
    add_risk(&s, 'e', "tls.protocol.tls10", "192.0.2.14", 2, 3, "carol", "2026-06-30");
    apply(db, &s, true, "2026-03-05T11:00:00Z", &d);
    assert_false(d.already);
    assert_int_equal(d.n_new + d.n_resolved + d.n_reopened + d.n_accepted + d.n_rescored, 0);
    assert_int_equal(count("SELECT count(*) FROM history"), hist);
    assert_int_equal(count("SELECT count(*) FROM scan"), scans + 1);

    /* An older scan is refused and changes nothing. */
    new_set(&s, "old", "2026-02-20");
    struct trend_framework fw0 = {"x", 0, 0, 0, 0};
    assert_int_equal(register_update(db, &s, true, &fw0, 1, NULL, &d, &e), -1);
    assert_non_null(strstr(e.msg, "older"));
    risk_set_free(&s);
    assert_int_equal(count("SELECT count(*) FROM history"), hist);

    /* Filters. */
    enum risk_status want = RISK_REOPENED;
    struct register_filter f = {.status = &want};
    struct risk_set got = {0};
    assert_int_equal(register_load(db, &f, &got, &e), 0);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.v[0].asset, "192.0.2.13");
    assert_string_equal(got.scan_id, "scan4b");
    risk_set_free(&got);
    f = (struct register_filter){.framework = "pci-dss"};
    assert_int_equal(register_load(db, &f, &got, &e), 0);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.v[0].fingerprint[0], 'e');
    risk_set_free(&got);
    f = (struct register_filter){.min_score = 20};
    assert_int_equal(register_load(db, &f, &got, &e), 0);
    assert_int_equal(got.n, 2); /* a and d */
    risk_set_free(&got);
    f = (struct register_filter){.owner = "alice", .kind = "svc."};
    assert_int_equal(register_load(db, &f, &got, &e), 0);
    assert_int_equal(got.n, 1);
    risk_set_free(&got);
    f = (struct register_filter){.kind = "tls.protocol.tls10", .asset = "192.0.2.14"};
    assert_int_equal(register_load(db, &f, &got, &e), 0);
    assert_int_equal(got.n, 1);
    risk_set_free(&got);
    assert_int_equal(register_load(db, NULL, &got, &e), 0);
    assert_int_equal(got.n, 5);
    struct risk_headline hl = risk_headline(&got);
    assert_int_equal(hl.worst, 20);
    assert_int_equal(hl.total, 40);
    risk_set_free(&got);

    /* The same figures from SQL, with the worst risk and the count per status. */
    struct register_figures fg;
    assert_int_equal(register_figures(db, &fg, &e), 0);
    assert_int_equal(fg.h.worst, 20);
    assert_int_equal(fg.h.total, 40);
    assert_int_equal(fg.h.n_counted, 2);
    assert_int_equal(fg.n_risks, 5);
    assert_int_equal(fg.by_status[RISK_OPEN], 1);
    assert_int_equal(fg.by_status[RISK_REOPENED], 1);
    assert_int_equal(fg.by_status[RISK_ACCEPTED], 1);
    assert_int_equal(fg.by_status[RISK_EXCEPTION], 1);
    assert_int_equal(fg.by_status[RISK_RESOLVED], 1);
    assert_int_equal(fg.worst_fp[0], 'a'); /* a and d tie at 20: fingerprint order */
    assert_string_equal(fg.worst_asset, "192.0.2.10");

    /* Trend: one point per scan applied, in order, with the framework counts. */
    struct trend t;
    assert_int_equal(register_trend(db, &t, &e), 0);
    assert_int_equal(t.n, 5);
    const int worst[] = {20, 16, 20, 20, 20};
    const long total[] = {57, 22, 54, 40, 40};
    for (size_t i = 0; i < t.n; i++) {
        assert_int_equal(t.v[i].worst, worst[i]);
        assert_int_equal(t.v[i].total, total[i]);
        assert_int_equal(t.v[i].n_fw, 2);
        assert_string_equal(t.v[i].fw[1].id, "hipaa");
        assert_int_equal(t.v[i].fw[1].fail, 5);
    }
    assert_string_equal(t.v[2].scan_id, "scan3");
    assert_int_equal(t.v[2].n_reopened, 1);
    trend_free(&t);

    /* Prefixes, like git: unique, ambiguous, unknown, malformed. */
    char fp[65];
    assert_int_equal(register_resolve_prefix(db, "aaaa", fp, &e), 0);
    assert_string_equal(fp, fpa);
    assert_int_equal(register_resolve_prefix(db, "ffff", fp, &e), -1);
    assert_int_equal(register_resolve_prefix(db, "aa", fp, &e), -1);
    assert_int_equal(register_resolve_prefix(db, "AAAA", fp, &e), -1);
    register_close(db);
}

/* Two risks share a prefix: the prefix is ambiguous. */
static void ambiguous_prefix(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/amb.db", tmpdir);
    struct register_db *db = NULL;
    struct rm_err e;
    assert_int_equal(register_open(path, true, &db, &e), 0);
    struct risk_set s;
    new_set(&s, "s1", "2026-01-01");
    add_risk(&s, 'a', "k", "192.0.2.1", 1, 1, NULL, NULL);
    add_risk(&s, 'b', "k", "192.0.2.2", 1, 1, NULL, NULL);
    memcpy(s.v[1].fingerprint, "aaaa", 4); /* aaaabbbb... */
    struct register_delta d;
    assert_int_equal(register_update(db, &s, true, NULL, 0, NULL, &d, &e), 0);
    risk_set_free(&s);
    char fp[65];
    assert_int_equal(register_resolve_prefix(db, "aaaa", fp, &e), -1);
    assert_non_null(strstr(e.msg, "ambiguous"));
    assert_int_equal(register_resolve_prefix(db, "aaaab", fp, &e), 0);
    assert_int_equal(fp[4], 'b');
    register_close(db);
}

/* Mitigating and compensating-control exceptions across a scan; treating a resolved risk is
 * refused. */
static void edits(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/edits.db", tmpdir);
    struct register_db *db = NULL;
    struct rm_err e;
    assert_int_equal(register_open(path, true, &db, &e), 0);
    struct risk_set s;
    struct register_delta d;
    new_set(&s, "e1", "2026-01-01");
    add_risk(&s, 'a', "svc.telnet.open", "192.0.2.1", 4, 5, NULL, NULL); /* 20 */
    add_risk(&s, 'b', "svc.telnet.open", "192.0.2.2", 3, 4, NULL, NULL); /* 12 */
    add_risk(&s, 'c', "svc.telnet.open", "192.0.2.3", 2, 2, NULL, NULL); /* 4 */
    apply(db, &s, true, "2026-01-01T00:00:00Z", &d);
    edit(db, REG_MITIGATE, 'a', NULL, NULL, NULL, NULL, "firewall rule in place, replacing");
    edit(db, REG_EXCEPTION, 'b', NULL, NULL, NULL, "jump host only, MFA in front", NULL);
    struct risk r = get(db, 'a');
    assert_int_equal(r.status, RISK_MITIGATING);
    assert_int_equal(r.residual, (4 - 2) * 5);
    assert_string_equal(r.treatment, "firewall rule in place, replacing");
    risk_clear(&r);
    r = get(db, 'b');
    assert_int_equal(r.status, RISK_EXCEPTION);
    assert_string_equal(r.exception_kind, "compensating-control");
    assert_int_equal(r.residual, 0);
    risk_clear(&r);

    /* Next complete scan: a still there (stays mitigating), b and c gone: c resolves, b stays
     * an exception. */
    new_set(&s, "e2", "2026-01-08");
    add_risk(&s, 'a', "svc.telnet.open", "192.0.2.1", 4, 5, NULL, NULL);
    apply(db, &s, true, "2026-01-08T00:00:00Z", &d);
    assert_int_equal(d.n_resolved, 1);
    expect(db, 'a', RISK_MITIGATING, 10, NULL, "2026-01-01", "2026-01-08");
    expect(db, 'b', RISK_EXCEPTION, 0, NULL, "2026-01-01", "2026-01-01");
    expect(db, 'c', RISK_RESOLVED, 0, NULL, "2026-01-01", "2026-01-01");
    assert_int_equal(d.point.worst, 10);
    assert_int_equal(d.point.total, 10);

    /* Nothing to treat in a resolved risk; an exception may still be accepted instead. */
    char fpc[65];
    fp_of('c', fpc);
    struct register_edit acc = {.action = REG_ACCEPT, .fingerprint = fpc, .who = "bob",
                                .until = "2026-06-30", .reason = "r"};
    assert_int_equal(register_edit(db, &acc, &e), -1);
    assert_non_null(strstr(e.msg, "resolved"));
    struct register_edit bad_date = {.action = REG_ASSIGN, .fingerprint = fpc, .who = "bob",
                                     .owner = "x", .due = "2026-13-01"};
    assert_int_equal(register_edit(db, &bad_date, &e), -1);
    edit(db, REG_ACCEPT, 'b', NULL, NULL, "2026-06-30", "accepted after all", NULL);
    r = get(db, 'b');
    assert_int_equal(r.status, RISK_ACCEPTED);
    assert_null(r.exception_kind);
    risk_clear(&r);
    register_close(db);
}

/* ---- CSV read back ------------------------------------------------------------------------ */

/* An RFC 4180 reader for the test: rows of fields, CRLF line ends required. */
struct csv_rows {
    char *f[64][40];
    int n_fields[64];
    int n;
};

static void csv_read(const char *p, struct csv_rows *rows)
{
    memset(rows, 0, sizeof *rows);
    char buf[4096];
    while (*p) {
        int r = rows->n, k = 0;
        for (;;) {
            size_t len = 0;
            if (*p == '"') {
                p++;
                for (;;) {
                    assert_true(*p != 0);
                    if (*p == '"' && p[1] == '"') {
                        buf[len++] = '"';
                        p += 2;
                    } else if (*p == '"') {
                        p++;
                        break;
                    } else {
                        buf[len++] = *p++;
                    }
                }
            } else {
                while (*p && *p != ',' && *p != '\r') {
                    assert_true(*p != '\n'); /* a bare LF would be a broken row */
                    buf[len++] = *p++;
                }
            }
            buf[len] = 0;
            rows->f[r][k++] = strdup(buf);
            if (*p == ',') {
                p++;
                continue;
            }
            assert_int_equal(p[0], '\r');
            assert_int_equal(p[1], '\n');
            p += 2;
            break;
        }
        rows->n_fields[r] = k;
        rows->n++;
    }
}

static void csv_free(struct csv_rows *rows)
{
    for (int r = 0; r < rows->n; r++)
        for (int k = 0; k < rows->n_fields[r]; k++)
            free(rows->f[r][k]);
}

static int col(const struct csv_rows *rows, const char *name)
{
    for (int k = 0; k < rows->n_fields[0]; k++)
        if (strcmp(rows->f[0][k], name) == 0)
            return k;
    fail_msg("no column %s", name);
    return -1;
}

static void csv_round_trip(void **state)
{
    (void)state;
    struct risk_set s;
    new_set(&s, "s1", "2026-01-01");
    add_risk(&s, 'a', "svc.telnet.open", "nas, the \"old\" one", 4, 4, NULL, NULL);
    free(s.v[0].title);
    s.v[0].title = strdup("Telnet, open\r\non \"NAS\"\nreally");
    s.v[0].owner = strdup("=HYPERLINK(\"http://x\")");
    s.v[0].treatment = strdup("plain");
    s.v[0].cvss = 9.8;
    s.v[0].kev = true;
    s.v[0].effort_hours = 2.5;
    add_risk(&s, 'b', "tls.protocol.tls10", "192.0.2.2", 2, 3, "carol", "2026-06-30");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    struct rm_err e;
    assert_int_equal(register_csv_write(&s, m, true, &e), 0);
    fclose(m);
    assert_memory_equal(buf, "\xEF\xBB\xBF" "fingerprint,status,", 22);
    struct csv_rows rows;
    csv_read(buf + 3, &rows);
    assert_int_equal(rows.n, 3);
    assert_int_equal(rows.n_fields[1], rows.n_fields[0]);
    assert_int_equal(rows.n_fields[2], rows.n_fields[0]);
    assert_string_equal(rows.f[1][col(&rows, "title")], "Telnet, open\r\non \"NAS\"\nreally");
    assert_string_equal(rows.f[1][col(&rows, "asset")], "nas, the \"old\" one");
    /* A formula from outside is defused with a leading quote. */
    assert_string_equal(rows.f[1][col(&rows, "owner")], "'=HYPERLINK(\"http://x\")");
    assert_string_equal(rows.f[1][col(&rows, "fingerprint")], s.v[0].fingerprint);
    assert_string_equal(rows.f[1][col(&rows, "status")], "open");
    assert_string_equal(rows.f[1][col(&rows, "residual")], "16");
    assert_string_equal(rows.f[1][col(&rows, "inherent_level")], "high");
    assert_string_equal(rows.f[1][col(&rows, "cvss")], "9.8");
    assert_string_equal(rows.f[1][col(&rows, "kev")], "yes");
    assert_string_equal(rows.f[1][col(&rows, "controls")], "small:secure-admin");
    assert_string_equal(rows.f[1][col(&rows, "frameworks")], "hipaa 164.312(e)(1)");
    assert_string_equal(rows.f[1][col(&rows, "effort_hours")], "2.5");
    assert_string_equal(rows.f[1][col(&rows, "port")], "23");
    assert_string_equal(rows.f[2][col(&rows, "status")], "accepted");
    assert_string_equal(rows.f[2][col(&rows, "owner")], "carol");
    assert_string_equal(rows.f[2][col(&rows, "accept_expires")], "2026-06-30");
    assert_string_equal(rows.f[2][col(&rows, "cvss")], "");
    assert_string_equal(rows.f[2][col(&rows, "treatment")], "accepted in the profile");
    csv_free(&rows);
    free(buf);

    /* Without a BOM the file starts with the header. */
    m = open_memstream(&buf, &len);
    assert_int_equal(register_csv_write(&s, m, false, &e), 0);
    fclose(m);
    assert_memory_equal(buf, "fingerprint,", 12);
    free(buf);

    cJSON *j = register_json(&s, NULL);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "format")->valuestring, "riskmap-register");
    cJSON *hd = cJSON_GetObjectItem(j, "headline");
    assert_int_equal(cJSON_GetObjectItem(hd, "worst")->valueint, 16);
    assert_int_equal(cJSON_GetObjectItem(hd, "total")->valueint, 16); /* b accepted */
    cJSON *risks = cJSON_GetObjectItem(j, "risks");
    assert_int_equal(cJSON_GetArraySize(risks), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(risks, 0), "title")->valuestring,
                        "Telnet, open\r\non \"NAS\"\nreally");
    cJSON_Delete(j);
    risk_set_free(&s);
}

/* ---- diff --------------------------------------------------------------------------------- */

static void add_finding(struct scan_result *r, const char *kind, const char *addr, uint16_t port,
                        enum severity sev)
{
    struct rm_addr a;
    assert_int_equal(addr_parse(addr, &a), 0);
    struct finding *f = finding_new(kind, "test", sev, kind, &a, port);
    finding_fingerprint(f);
    assert_int_equal(scan_add_finding(r, f), 0);
}

static void diff_two_scans(void **state)
{
    (void)state;
    struct scan_result *a = scan_result_new(), *b = scan_result_new();
    add_finding(a, "svc.telnet.open", "192.0.2.10", 23, SEV_HIGH);
    add_finding(a, "svc.db.exposed", "192.0.2.11", 1433, SEV_MEDIUM);
    add_finding(a, "svc.open", "192.0.2.12", 22, SEV_INFO);
    add_finding(a, "svc.open", "192.0.2.12", 22, SEV_INFO); /* twice: counted once */
    add_finding(b, "svc.open", "192.0.2.12", 22, SEV_INFO);
    add_finding(b, "svc.telnet.open", "192.0.2.10", 23, SEV_CRITICAL);
    add_finding(b, "tls.protocol.tls10", "192.0.2.13", 443, SEV_MEDIUM);
    add_finding(b, "svc.rdp.exposed", "192.0.2.14", 3389, SEV_HIGH);
    struct scan_diff d = {0};
    struct rm_err e;
    assert_int_equal(scan_diff(a, b, &d, &e), 0);
    assert_int_equal(d.n_added, 2);
    assert_int_equal(d.n_resolved, 1);
    assert_int_equal(d.n_changed, 1);
    assert_int_equal(d.n_unchanged, 1);
    /* Highest severity first. */
    assert_string_equal(d.added[0].b->kind, "svc.rdp.exposed");
    assert_string_equal(d.added[1].b->kind, "tls.protocol.tls10");
    assert_null(d.added[0].a);
    assert_string_equal(d.resolved[0].a->kind, "svc.db.exposed");
    assert_null(d.resolved[0].b);
    assert_string_equal(d.changed[0].a->kind, "svc.telnet.open");
    assert_int_equal(d.changed[0].a->severity, SEV_HIGH);
    assert_int_equal(d.changed[0].b->severity, SEV_CRITICAL);
    cJSON *j = scan_diff_json(&d, a, b);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "new")), 2);
    cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "changed"), 0);
    assert_string_equal(cJSON_GetObjectItem(c0, "severity_a")->valuestring, "high");
    assert_string_equal(cJSON_GetObjectItem(c0, "severity_b")->valuestring, "critical");
    cJSON_Delete(j);
    scan_diff_free(&d);
    scan_result_free(a);
    scan_result_free(b);
}

/* ---- through real evaluation and scoring -------------------------------------------------- */

static void record_real_scan(void **state)
{
    (void)state;
    struct diags dg = {0};
    struct policy *pol = NULL;
    struct profile *prof = NULL;
    assert_int_equal(policy_load_file(FIX "small.xml", &pol, &dg), 0);
    assert_int_equal(profile_load_file(FIX "profile-small.xml", &prof, &dg), 0);
    struct scan_result *r = scan_result_new();
    r->meta.complete = true;
    r->meta.started_utc = strdup("2026-11-22T10:00:00Z");
    r->meta.id = strdup("00112233445566778899aabbccddeeff");
    add_finding(r, "svc.telnet.open", "192.0.2.10", 23, SEV_MEDIUM); /* critical asset: 20 */
    add_finding(r, "svc.telnet.open", "192.0.2.20", 23, SEV_MEDIUM); /* accepted by profile */
    char path[300];
    snprintf(path, sizeof path, "%s/client/register.db", tmpdir);
    struct policy *pols[] = {pol};
    struct register_delta d;
    struct rm_err e = {{0}};
    int rc = register_record_scan(path, r, pols, 1, prof, &d, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(d.n_new, 2);
    assert_int_equal(d.point.worst, 20);
    assert_int_equal(d.point.total, 20);
    struct stat st;
    snprintf(path, sizeof path, "%s/client", tmpdir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/client/register.db", tmpdir);
    struct register_db *db = NULL;
    assert_int_equal(register_open(path, false, &db, &e), 0);
    struct risk_set s = {0};
    assert_int_equal(register_load(db, NULL, &s, &e), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0].address, "192.0.2.10");
    assert_int_equal(s.v[0].status, RISK_OPEN);
    assert_int_equal(s.v[1].status, RISK_ACCEPTED);
    assert_string_equal(s.v[1].owner, "Alice");
    assert_string_equal(s.v[1].accept_expires, "2026-12-31");
    assert_string_equal(s.v[1].treatment, "Legacy lab switch, replaced in December.");
    struct trend t;
    assert_int_equal(register_trend(db, &t, &e), 0);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.v[0].n_fw, 2); /* cis-v8, hipaa from small.xml's references */
    trend_free(&t);
    risk_set_free(&s);
    register_close(db);
    scan_result_free(r);
    policy_free(pol);
    profile_free(prof);
    diags_free(&dg);
}

/* More new risks than one batch of rows or history rows (32): rows and history go in
 * batches, a history batch that names rows still queued inserts them first, and every risk
 * reads back with its history in order. */
static void many_new(void **state)
{
    (void)state;
    char path[200];
    snprintf(path, sizeof path, "%s/many.db", tmpdir);
    struct register_db *db = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(register_open(path, true, &db, &e), 0);
    struct risk_set s;
    new_set(&s, "m1", "2026-04-01");
    for (int i = 0; i < 70; i++) {
        struct risk *r = NULL;
        add_risk(&s, 'a', "svc.telnet.open", "192.0.2.1", 2 + i % 3, 4, i % 3 ? NULL : "carol",
                 i % 3 ? NULL : "2026-12-31");
        r = &s.v[s.n - 1];
        snprintf(r->fingerprint, sizeof r->fingerprint, "%064x", i + 1);
    }
    struct register_delta d;
    apply(db, &s, true, "2026-04-01T09:00:00Z", &d);
    assert_int_equal(d.n_new, 70);
    char saved[256];
    memcpy(saved, dbpath, sizeof saved);
    snprintf(dbpath, sizeof dbpath, "%s", path);
    assert_int_equal(count("SELECT count(*) FROM risk_row"), 70);
    assert_int_equal(count("SELECT count(*) FROM history"), 70 + 3 * 24);
    assert_int_equal(count("SELECT count(*) FROM risk WHERE status = 'accepted' AND owner = "
                           "'carol'"), 24);
    memcpy(dbpath, saved, sizeof saved);
    char fp[65];
    snprintf(fp, sizeof fp, "%064x", 64); /* i = 63: accepted by the profile */
    struct register_history h;
    assert_int_equal(register_history(db, fp, &h, &e), 0);
    assert_int_equal(h.n, 4);
    assert_string_equal(h.v[0].field, "status");
    assert_string_equal(h.v[0].new_value, "accepted");
    assert_string_equal(h.v[0].who, "scan m1");
    assert_string_equal(h.v[1].field, "owner");
    assert_string_equal(h.v[2].field, "accept_expires");
    assert_string_equal(h.v[3].field, "treatment");
    register_history_free(&h);
    struct risk_set got = {0};
    assert_int_equal(register_load(db, NULL, &got, &e), 0);
    assert_int_equal(got.n, 70);
    assert_int_equal(got.v[0].residual, 16); /* 4 x 4, open or accepted alike */
    risk_set_free(&got);
    register_close(db);
}

/* Schema version 1 as riskmap wrote it before version 2, to make an old register from. */
static const char v1_schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE risk(fingerprint TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,"
    " asset TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL, policy_id TEXT,"
    " rule_id TEXT, controls TEXT NOT NULL, refs TEXT NOT NULL,"
    " rule_likelihood INTEGER NOT NULL, rule_impact INTEGER NOT NULL,"
    " likelihood INTEGER NOT NULL, impact INTEGER NOT NULL,"
    " inherent INTEGER NOT NULL, residual INTEGER NOT NULL, cvss REAL, kev INTEGER NOT NULL,"
    " severity TEXT NOT NULL, criticality TEXT NOT NULL, remediation TEXT, initiative_id TEXT,"
    " initiative_title TEXT, effort_hours REAL NOT NULL, cost TEXT NOT NULL,"
    " status TEXT NOT NULL, owner TEXT, due TEXT, treatment TEXT, accept_expires TEXT,"
    " exception_kind TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);"
    "CREATE INDEX risk_status ON risk(status);"
    "CREATE TABLE history(id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, at TEXT NOT NULL,"
    " who TEXT NOT NULL, field TEXT NOT NULL, old TEXT, new TEXT, note TEXT);"
    "CREATE INDEX history_fp ON history(fingerprint, id);"
    "CREATE TABLE scan(id INTEGER PRIMARY KEY, scan_id TEXT NOT NULL UNIQUE, date TEXT NOT NULL,"
    " applied TEXT NOT NULL, complete INTEGER NOT NULL, worst INTEGER NOT NULL,"
    " total INTEGER NOT NULL, counted INTEGER NOT NULL, new INTEGER NOT NULL,"
    " resolved INTEGER NOT NULL, reopened INTEGER NOT NULL);"
    "CREATE TABLE scan_framework(scan INTEGER NOT NULL REFERENCES scan(id),"
    " framework TEXT NOT NULL, pass INTEGER NOT NULL, fail INTEGER NOT NULL,"
    " partial INTEGER NOT NULL, not_checked INTEGER NOT NULL, PRIMARY KEY(scan, framework));"
    "INSERT INTO meta VALUES('schema_version', '1');"
    "INSERT INTO scan VALUES(1, 's1', '2026-01-10', '2026-01-10T09:00:00Z', 1, 16, 28, 2, 3, 0, 0);"
    "INSERT INTO scan_framework VALUES(1, 'hipaa', 2, 5, 1, 4);";

/* A version 1 register: a and b share every rule column (as add_risk makes them), c has its
 * own title and a remediation; a has a person's change. */
#define V1_ROW                                                                                 \
    "INSERT INTO risk VALUES('%s', 'svc.telnet.open', '%s', '%s', '%s', 23, 'small', "          \
    "'telnet', '[\"small:secure-admin\"]', '[[\"hipaa\",\"164.312(e)(1)\"]]', 4, 4, 4, 4, "     \
    "16, 16, %s, 0, 'high', 'medium', %s, NULL, NULL, 0.0, 'minimal', 'open', %s, NULL, "      \
    "NULL, NULL, NULL, '2026-01-10', '2026-01-10');"

static void make_v1(const char *path, bool orphan)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[4096];
    char fa[65], fb[65], fc[65];
    fp_of('a', fa);
    fp_of('b', fb);
    fp_of('c', fc);
    assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, V1_ROW, fa, "svc.telnet.open", "192.0.2.10", "192.0.2.10", "NULL",
             "NULL", "'alice'");
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, V1_ROW, fb, "svc.telnet.open", "192.0.2.11", "192.0.2.11", "7.5",
             "NULL", "NULL");
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, V1_ROW, fc, "Telnet is open", "192.0.2.12", "192.0.2.12", "NULL",
             "'Turn telnet off.'", "NULL");
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "INSERT INTO history(fingerprint, at, who, field, old, new, note) VALUES"
             "('%s', '2026-01-10T09:00:00Z', 'scan s1', 'status', NULL, 'open', 'found by scan'),"
             "('%s', '2026-01-10T09:00:00Z', 'scan s1', 'status', NULL, 'open', 'found by scan'),"
             "('%s', '2026-01-10T09:00:00Z', 'scan s1', 'status', NULL, 'open', 'found by scan'),"
             "('%s', '2026-01-11T10:00:00Z', 'bob', 'owner', NULL, 'alice', NULL)%s;",
             fa, fb, fc, fa, orphan ? ", ('dddd', '2026-01-11T10:00:00Z', 'bob', 'note', NULL, "
                                      "NULL, 'no such risk')" : "");
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* A version 1 register opens as version 2 with every risk, detail and history row as it was
 * (through the API and through the risk and history views), and takes new scans; one that
 * would lose a row is left as it was. */
static void migrate_v1(void **state)
{
    (void)state;
    char path[200];
    snprintf(path, sizeof path, "%s/v1.db", tmpdir);
    make_v1(path, false);
    char saved[256];
    memcpy(saved, dbpath, sizeof saved);
    snprintf(dbpath, sizeof dbpath, "%s", path); /* count() reads dbpath */
    struct register_db *db = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(register_open(path, false, &db, &e), 0);
    assert_int_equal(count("SELECT value FROM meta WHERE key = 'schema_version'"), 2);
    assert_int_equal(count("SELECT count(*) FROM risk_detail"), 2);
    assert_int_equal(count("SELECT count(*) FROM risk_row"), 3);
    assert_int_equal(count("SELECT count(*) FROM history"), 4);
    assert_int_equal(count("SELECT count(*) FROM history WHERE who = 'scan s1' AND at = "
                           "'2026-01-10T09:00:00Z' AND field = 'status' AND old IS NULL"), 3);
    assert_int_equal(count("SELECT count(*) FROM risk WHERE owner = 'alice' AND cvss IS NULL "
                           "AND controls = '[\"small:secure-admin\"]'"), 1);

    struct risk_set got = {0};
    assert_int_equal(register_load(db, NULL, &got, &e), 0);
    assert_int_equal(got.n, 3);
    for (size_t i = 0; i < got.n; i++) {
        const struct risk *r = &got.v[i];
        assert_string_equal(r->kind, "svc.telnet.open");
        assert_int_equal(r->n_controls, 1);
        assert_string_equal(r->controls[0], "small:secure-admin");
        assert_int_equal(r->n_refs, 1);
        assert_string_equal(r->refs[0].framework, "hipaa");
        assert_string_equal(r->refs[0].id, "164.312(e)(1)");
        assert_int_equal(r->residual, 16);
        assert_string_equal(r->first_seen, "2026-01-10");
        if (r->fingerprint[0] == 'a')
            assert_string_equal(r->owner, "alice");
        if (r->fingerprint[0] == 'b')
            assert_true(r->cvss > 7.4 && r->cvss < 7.6);
        if (r->fingerprint[0] == 'c') {
            assert_string_equal(r->title, "Telnet is open");
            assert_string_equal(r->remediation, "Turn telnet off.");
        } else {
            assert_string_equal(r->title, "svc.telnet.open");
            assert_null(r->remediation);
        }
    }
    risk_set_free(&got);
    char fa[65];
    fp_of('a', fa);
    struct register_history h;
    assert_int_equal(register_history(db, fa, &h, &e), 0);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[0].who, "scan s1");
    assert_string_equal(h.v[0].at, "2026-01-10T09:00:00Z");
    assert_string_equal(h.v[0].note, "found by scan");
    assert_string_equal(h.v[1].who, "bob");
    assert_string_equal(h.v[1].at, "2026-01-11T10:00:00Z");
    assert_string_equal(h.v[1].new_value, "alice");
    register_history_free(&h);

    /* A later scan: a and b again, c gone, d new with a's rule columns (no new detail row). */
    struct risk_set s;
    struct register_delta d;
    new_set(&s, "s2", "2026-02-01");
    add_risk(&s, 'a', "svc.telnet.open", "192.0.2.10", 4, 4, NULL, NULL);
    add_risk(&s, 'b', "svc.telnet.open", "192.0.2.11", 4, 4, NULL, NULL);
    add_risk(&s, 'd', "svc.telnet.open", "192.0.2.13", 4, 4, NULL, NULL);
    apply(db, &s, true, "2026-02-01T09:00:00Z", &d);
    assert_int_equal(d.n_new, 1);
    assert_int_equal(d.n_still, 2);
    assert_int_equal(d.n_resolved, 1);
    assert_int_equal(count("SELECT count(*) FROM risk_detail"), 2);
    assert_int_equal(count("SELECT count(*) FROM history WHERE who = 'scan s2' AND at = "
                           "'2026-02-01T09:00:00Z'"), 2); /* d found, c resolved */
    expect(db, 'a', RISK_OPEN, 16, "alice", "2026-01-10", "2026-02-01");
    expect(db, 'c', RISK_RESOLVED, 0, NULL, "2026-01-10", "2026-01-10");
    expect(db, 'd', RISK_OPEN, 16, NULL, "2026-02-01", "2026-02-01");
    struct trend t;
    assert_int_equal(register_trend(db, &t, &e), 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.v[0].total, 28);
    assert_int_equal(t.v[1].total, 48);
    assert_int_equal(t.v[1].n_new, 1);
    trend_free(&t);
    register_close(db);
    assert_int_equal(register_open(path, false, &db, &e), 0); /* version 2: opens as is */
    register_close(db);

    snprintf(path, sizeof path, "%s/v1-orphan.db", tmpdir);
    snprintf(dbpath, sizeof dbpath, "%s", path);
    make_v1(path, true);
    assert_int_equal(register_open(path, false, &db, &e), -1);
    assert_non_null(strstr(e.msg, "lose rows"));
    assert_int_equal(count("SELECT value FROM meta WHERE key = 'schema_version'"), 1);
    assert_int_equal(count("SELECT count(*) FROM history"), 5);
    assert_int_equal(count("SELECT count(*) FROM sqlite_master WHERE name = 'risk_row'"), 0);
    memcpy(dbpath, saved, sizeof saved);
}

static void same_str(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

/* Every field of two risks, as a report would read them. */
static void same_risk(const struct risk *a, const struct risk *b)
{
    assert_string_equal(a->fingerprint, b->fingerprint);
    same_str(a->kind, b->kind);
    same_str(a->title, b->title);
    same_str(a->asset, b->asset);
    same_str(a->address, b->address);
    same_str(a->policy_id, b->policy_id);
    same_str(a->rule_id, b->rule_id);
    same_str(a->remediation, b->remediation);
    same_str(a->initiative_id, b->initiative_id);
    same_str(a->initiative_title, b->initiative_title);
    same_str(a->owner, b->owner);
    same_str(a->due, b->due);
    same_str(a->treatment, b->treatment);
    same_str(a->accept_expires, b->accept_expires);
    same_str(a->exception_kind, b->exception_kind);
    assert_int_equal(a->port, b->port);
    assert_int_equal(a->severity, b->severity);
    assert_int_equal(a->criticality, b->criticality);
    assert_int_equal(a->n_controls, b->n_controls);
    for (size_t i = 0; i < a->n_controls; i++)
        assert_string_equal(a->controls[i], b->controls[i]);
    assert_int_equal(a->n_refs, b->n_refs);
    for (size_t i = 0; i < a->n_refs; i++) {
        assert_string_equal(a->refs[i].framework, b->refs[i].framework);
        assert_string_equal(a->refs[i].id, b->refs[i].id);
    }
    assert_int_equal(a->rule_likelihood, b->rule_likelihood);
    assert_int_equal(a->rule_impact, b->rule_impact);
    assert_int_equal(a->likelihood, b->likelihood);
    assert_int_equal(a->impact, b->impact);
    assert_int_equal(a->inherent, b->inherent);
    assert_int_equal(a->residual, b->residual);
    assert_true(a->cvss == b->cvss);
    assert_int_equal(a->kev, b->kev);
    assert_true(a->effort_hours == b->effort_hours);
    assert_int_equal(a->cost, b->cost);
    assert_int_equal(a->status, b->status);
    assert_string_equal(a->first_seen, b->first_seen);
    assert_string_equal(a->last_seen, b->last_seen);
}

/* register_update_load leaves in the scored set what register_load reads after the update:
 * new, held (with a person's owner), a fingerprint found twice, rescored, reopened, resolved
 * by a complete scan, and a scan applied twice. */
static void update_load_is_load(void **state)
{
    (void)state;
    char saved[sizeof dbpath];
    memcpy(saved, dbpath, sizeof saved);
    snprintf(dbpath, sizeof dbpath, "%s/view.db", tmpdir);
    struct rm_err e = {{0}};
    struct register_db *db = NULL;
    assert_int_equal(register_open(dbpath, true, &db, &e), 0);
    struct risk_set s, loaded = {0};
    struct register_delta d;
    const char *ids[] = {"v1", "v2", "v3", "v3"};
    const char *dates[] = {"2026-02-01", "2026-02-08", "2026-02-15", "2026-02-15"};
    for (int k = 0; k < 4; k++) {
        new_set(&s, ids[k], dates[k]);
        if (k != 1)
            add_risk(&s, 'a', "svc.telnet.open", "192.0.2.10", 4, 4, NULL, NULL);
        add_risk(&s, 'b', "svc.telnet.open", "192.0.2.11", k ? 4 : 3, 4, NULL, NULL);
        add_risk(&s, 'b', "svc.telnet.open", "192.0.2.11", k ? 4 : 3, 4, NULL, NULL);
        add_risk(&s, 'c', "svc.telnet.open", "192.0.2.12", 3, 3, "Alice", "2026-12-31");
        if (k >= 1)
            add_risk(&s, 'd', "svc.telnet.open", "192.0.2.13", 4, 5, NULL, NULL);
        if (k == 0)
            add_risk(&s, 'e', "svc.telnet.open", "192.0.2.14", 2, 2, NULL, NULL);
        struct trend_framework fw = {"hipaa", 1, 2, 0, 0};
        assert_int_equal(register_update_load(db, &s, true, &fw, 1, "2026-02-01T09:00:00Z",
                                              &d, &e), 0);
        assert_int_equal(d.already, k == 3);
        assert_int_equal(register_load(db, NULL, &loaded, &e), 0);
        assert_int_equal(s.n, loaded.n);
        assert_string_equal(s.scan_id, loaded.scan_id);
        assert_string_equal(s.date, loaded.date);
        for (size_t i = 0; i < s.n; i++)
            same_risk(&s.v[i], &loaded.v[i]);
        risk_set_free(&s);
        risk_set_free(&loaded);
        if (k == 0) { /* a person's owner, which scans keep */
            char fp[FINGERPRINT_HEX_LEN + 1];
            fp_of('b', fp);
            struct register_edit ed = {.action = REG_ASSIGN, .fingerprint = fp, .who = "sam",
                                       .owner = "bob", .due = "2026-03-01"};
            assert_int_equal(register_edit(db, &ed, &e), 0);
        }
    }
    expect(db, 'a', RISK_REOPENED, 16, NULL, "2026-02-01", "2026-02-15");
    expect(db, 'b', RISK_OPEN, 16, "bob", "2026-02-01", "2026-02-15");
    expect(db, 'e', RISK_RESOLVED, 0, NULL, "2026-02-01", "2026-02-01");
    register_close(db);
    memcpy(dbpath, saved, sizeof saved);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(dbpath, sizeof dbpath, "%s/register.db", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sequence),
        cmocka_unit_test(ambiguous_prefix),
        cmocka_unit_test(edits),
        cmocka_unit_test(csv_round_trip),
        cmocka_unit_test(diff_two_scans),
        cmocka_unit_test(record_real_scan),
        cmocka_unit_test(migrate_v1),
        cmocka_unit_test(many_new),
        cmocka_unit_test(update_load_is_load),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
