/* Risk scoring (reports/risk_score.c) against the table in docs/risk-scoring.md: the test
 * policy and profile of tests/fixtures/policies, real evaluation, known scores. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "policies/eval.h"
#include "policies/policy.h"
#include "policies/profile.h"
#include "reports/risk.h"
#include "scanner/model.h"

#define FIX "tests/fixtures/policies/"

static void add(struct scan_result *r, const char *kind, const char *addr, uint16_t port,
                const char *k1, const char *v1, const char *k2, const char *v2)
{
    struct rm_addr a;
    assert_int_equal(addr_parse(addr, &a), 0);
    struct finding *f = finding_new(kind, "test", SEV_MEDIUM, kind, &a, port);
    assert_non_null(f);
    if (k1)
        assert_int_equal(finding_add_fact(f, k1, v1), 0);
    if (k2)
        assert_int_equal(finding_add_fact(f, k2, v2), 0);
    finding_fingerprint(f);
    assert_int_equal(scan_add_finding(r, f), 0);
}

static const struct risk *find(const struct risk_set *s, const char *kind, const char *addr)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].kind, kind) == 0 && strcmp(s->v[i].address, addr) == 0)
            return &s->v[i];
    return NULL;
}

struct want {
    const char *kind, *addr;
    int lik, imp, inherent, residual;
    enum risk_status status;
    enum criticality crit;
};

static void scores_table(void **state)
{
    (void)state;
    struct diags d = {0};
    struct policy *pol = NULL;
    struct profile *prof = NULL;
    assert_int_equal(policy_load_file(FIX "small.xml", &pol, &d), 0);
    assert_int_equal(profile_load_file(FIX "profile-small.xml", &prof, &d), 0);
    struct scan_result *r = scan_result_new();
    r->meta.complete = true;
    r->meta.started_utc = strdup("2026-11-22T10:00:00Z");
    r->meta.id = strdup("00112233445566778899aabbccddeeff");
    /* 192.0.2.10 is in "servers" (critical), .20/.21 in "office" (medium), .100 and .101 in
     * no group (the profile's default, low). */
    add(r, "svc.telnet.open", "192.0.2.10", 23, NULL, NULL, NULL, NULL);
    add(r, "svc.telnet.open", "192.0.2.20", 23, NULL, NULL, NULL, NULL);  /* accepted */
    add(r, "svc.telnet.open", "192.0.2.21", 23, NULL, NULL, NULL, NULL);  /* acceptance expired */
    add(r, "tls.protocol.tls10", "192.0.2.10", 443, NULL, NULL, NULL, NULL);
    add(r, "backup.stale", "192.0.2.10", 0, "age_s", "108000", NULL, NULL); /* 30 h > 24 */
    add(r, "backup.stale", "192.0.2.11", 0, "age_s", "43200", NULL, NULL);  /* 12 h: passes */
    add(r, "tls.hsts.missing", "192.0.2.100", 443, "cvss_max", "9.8", "kev", "yes");
    add(r, "tls.hsts.missing", "192.0.2.101", 443, "cvss_max", "7.5", "confidence",
        "possible-backport");
    add(r, "dns.zone-transfer", "192.0.2.53", 53, NULL, NULL, NULL, NULL); /* no rule */

    struct rm_err e;
    struct evaluation *ev = NULL;
    struct policy *pols[] = {pol};
    assert_int_equal(evaluate(r, pols, 1, prof, NULL, &ev, &e), 0);
    struct risk_set s = {0};
    assert_int_equal(risk_score_scan(r, ev, prof, &s, &e), 0);
    assert_int_equal(s.n, 7);
    assert_string_equal(s.date, "2026-11-22");
    assert_string_equal(s.scan_id, "00112233445566778899aabbccddeeff");

    const struct want w[] = {
        /* rule 4x4; critical asset +2 impact, capped at 5 */
        {"svc.telnet.open", "192.0.2.10", 4, 5, 20, 20, RISK_OPEN, CRIT_CRITICAL},
        {"svc.telnet.open", "192.0.2.20", 4, 4, 16, 16, RISK_ACCEPTED, CRIT_MEDIUM},
        {"svc.telnet.open", "192.0.2.21", 4, 4, 16, 16, RISK_OPEN, CRIT_MEDIUM},
        {"tls.protocol.tls10", "192.0.2.10", 3, 5, 15, 15, RISK_OPEN, CRIT_CRITICAL},
        {"backup.stale", "192.0.2.10", 3, 5, 15, 15, RISK_OPEN, CRIT_CRITICAL},
        /* fallback rule 2x3, low asset -1 impact; CVSS 9.8 lifts impact to 5, KEV likelihood
         * to 5 */
        {"tls.hsts.missing", "192.0.2.100", 5, 5, 25, 25, RISK_OPEN, CRIT_LOW},
        /* CVSS 7.5 lifts impact to 4; a possible backport lowers likelihood by one */
        {"tls.hsts.missing", "192.0.2.101", 1, 4, 4, 4, RISK_OPEN, CRIT_LOW},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        const struct risk *k = find(&s, w[i].kind, w[i].addr);
        assert_non_null(k);
        assert_int_equal(k->likelihood, w[i].lik);
        assert_int_equal(k->impact, w[i].imp);
        assert_int_equal(k->inherent, w[i].inherent);
        assert_int_equal(k->residual, w[i].residual);
        assert_int_equal(k->status, w[i].status);
        assert_int_equal(k->criticality, w[i].crit);
        assert_string_equal(k->first_seen, "2026-11-22");
        assert_string_equal(k->policy_id, "small");
    }
    /* Highest residual first. */
    assert_string_equal(s.v[0].address, "192.0.2.100");
    assert_true(s.v[0].kev);
    assert_true(s.v[0].cvss > 9.7 && s.v[0].cvss < 9.9);
    assert_null(find(&s, "backup.stale", "192.0.2.11"));
    assert_null(find(&s, "dns.zone-transfer", "192.0.2.53"));

    const struct risk *t = find(&s, "svc.telnet.open", "192.0.2.10");
    assert_string_equal(t->rule_id, "telnet");
    assert_int_equal(t->rule_likelihood, 4);
    assert_int_equal(t->rule_impact, 4);
    assert_int_equal(t->n_controls, 1);
    assert_string_equal(t->controls[0], "small:secure-admin");
    assert_int_equal(t->n_refs, 2);
    assert_string_equal(t->refs[0].framework, "cis-v8");
    assert_string_equal(t->refs[0].id, "4.6");
    assert_string_equal(t->refs[1].framework, "hipaa");
    assert_string_equal(t->refs[1].id, "164.312(e)(1)");
    assert_string_equal(t->initiative_id, "retire-cleartext");
    assert_string_equal(t->remediation, "Turn Telnet off; use SSH.");
    assert_true(t->effort_hours > 1.9 && t->effort_hours < 2.1);
    assert_int_equal(t->severity, SEV_HIGH);

    const struct risk *acc = find(&s, "svc.telnet.open", "192.0.2.20");
    assert_string_equal(acc->owner, "Alice");
    assert_string_equal(acc->accept_expires, "2026-12-31");
    assert_string_equal(acc->treatment, "Legacy lab switch, replaced in December.");

    const struct risk *b = find(&s, "backup.stale", "192.0.2.10");
    assert_null(b->initiative_id);
    assert_string_equal(b->remediation, "Find why the job fails; fix it; test a restore.");

    /* Headline: every counted risk, the accepted one aside. */
    struct risk_headline h = risk_headline(&s);
    assert_int_equal(h.n_counted, 6);
    assert_int_equal(h.worst, 25);
    assert_int_equal(h.total, 20 + 16 + 15 + 15 + 25 + 4);
    assert_string_equal(s.v[h.worst_index].address, "192.0.2.100");

    risk_set_free(&s);
    evaluation_free(ev);
    scan_result_free(r);
    profile_free(prof);
    policy_free(pol);
    diags_free(&d);
}

static void residual_by_status(void **state)
{
    (void)state;
    struct risk k = {.likelihood = 4, .impact = 4, .inherent = 16};
    const int want[RISK_STATUS_COUNT] = {16, 16, 8, 16, 0, 0};
    for (int st = 0; st < RISK_STATUS_COUNT; st++) {
        k.status = (enum risk_status)st;
        assert_int_equal(risk_residual(&k), want[st]);
        enum risk_status back;
        assert_int_equal(risk_status_parse(risk_status_name(k.status), &back), 0);
        assert_int_equal(back, k.status);
    }
    k.likelihood = 2; /* mitigating never goes below likelihood 1 */
    k.status = RISK_MITIGATING;
    assert_int_equal(risk_residual(&k), 4);
    enum risk_status x;
    assert_int_equal(risk_status_parse("closed", &x), -1);
    assert_false(risk_status_counts(RISK_ACCEPTED));
    assert_false(risk_status_counts(RISK_EXCEPTION));
    assert_true(risk_status_counts(RISK_MITIGATING));
}

static void levels(void **state)
{
    (void)state;
    const struct {
        int score;
        enum risk_level l;
    } t[] = {{1, LEVEL_VERY_LOW},  {2, LEVEL_VERY_LOW}, {3, LEVEL_LOW},   {5, LEVEL_LOW},
             {6, LEVEL_MODERATE},  {11, LEVEL_MODERATE}, {12, LEVEL_HIGH}, {19, LEVEL_HIGH},
             {20, LEVEL_VERY_HIGH}, {25, LEVEL_VERY_HIGH}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(risk_level_of(t[i].score), t[i].l);
    assert_string_equal(risk_level_name(LEVEL_MODERATE), "moderate");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scores_table),
        cmocka_unit_test(residual_by_status),
        cmocka_unit_test(levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
