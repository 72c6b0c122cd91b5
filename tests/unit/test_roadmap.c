/* The roadmap (reports/roadmap.c) against docs/roadmap.md: grouping, figures, ordering and
 * quarter placement for a table of cases. Risk sets are built directly (the scoring has its
 * own test); end-of-life dates come from real findings of a scan, as in a report run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policies/profile.h"
#include "reports/roadmap.h"

struct rk {
    const char *initiative; /* NULL: grouped by rule */
    const char *rule, *asset;
    int residual;
    double effort;
    enum cost_band cost;
    bool kev;
    enum risk_status status;
    const char *eol;        /* eol_date fact of its finding, or NULL */
    const char *remediation;
};

static void build(const struct rk *t, size_t n, const char *date, struct risk_set *s,
                  struct scan_result *scan)
{
    memset(s, 0, sizeof *s);
    snprintf(s->date, sizeof s->date, "%s", date);
    snprintf(s->scan_id, sizeof s->scan_id, "test");
    for (size_t i = 0; i < n; i++) {
        struct risk *r = risk_set_add(s);
        assert_non_null(r);
        struct rm_addr a;
        assert_int_equal(addr_parse(t[i].asset, &a), 0);
        struct finding *f = finding_new("test.kind", "test", SEV_HIGH, "A test risk", &a,
                                        (uint16_t)(100 + i));
        assert_non_null(f);
        if (t[i].eol)
            assert_int_equal(finding_add_fact(f, "eol_date", t[i].eol), 0);
        finding_fingerprint(f);
        memcpy(r->fingerprint, f->fingerprint, sizeof r->fingerprint);
        assert_int_equal(scan_add_finding(scan, f), 0);
        r->kind = strdup("test.kind");
        r->title = strdup("A test risk");
        r->asset = strdup(t[i].asset);
        r->address = strdup(t[i].asset);
        r->policy_id = strdup("p");
        r->rule_id = strdup(t[i].rule);
        r->severity = SEV_HIGH;
        r->likelihood = 1;
        r->impact = t[i].residual <= 5 ? t[i].residual : 5;
        r->inherent = r->residual = t[i].residual;
        r->kev = t[i].kev;
        r->status = t[i].status;
        r->effort_hours = t[i].effort;
        r->cost = t[i].cost;
        r->remediation = t[i].remediation ? strdup(t[i].remediation) : NULL;
        if (t[i].initiative) {
            r->initiative_id = strdup(t[i].initiative);
            r->initiative_title = strdup(t[i].initiative);
        }
    }
}

static const struct rm_initiative *get(const struct roadmap *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].id, id) == 0)
            return &r->v[i];
    fail_msg("no initiative %s", id);
    return NULL;
}

static void near(double got, double want)
{
    if (fabs(got - want) > 1e-6)
        fail_msg("got %g, want %g", got, want);
}

/* The worked example of docs/roadmap.md: capacity 10 h, plan from 2027-01-01. */
static void placement_table(void **state)
{
    (void)state;
    const struct rk t[] = {
        {"patch", "r1", "192.0.2.1", 25, 4, COST_MINIMAL, true, RISK_OPEN, NULL, NULL},
        {"tls", "r2", "192.0.2.2", 12, 2, COST_LOW, false, RISK_OPEN, NULL, NULL},
        {"smb", "r3", "192.0.2.3", 15, 5, COST_MEDIUM, false, RISK_OPEN, NULL, NULL},
        {"eol", "r4", "192.0.2.4", 8, 6, COST_HIGH, false, RISK_OPEN, "2027-09-15", NULL},
        {NULL, "r5", "192.0.2.5", 6, 3, COST_MINIMAL, false, RISK_OPEN, NULL,
         "Disable the thing. Then more."},
        {"tls", "r2", "192.0.2.9", 16, 2, COST_LOW, false, RISK_ACCEPTED, NULL, NULL},
    };
    struct risk_set s;
    struct scan_result *scan = scan_result_new();
    build(t, sizeof t / sizeof t[0], "2027-01-01", &s, scan);
    struct roadmap_options o = {10};
    struct roadmap *r = NULL;
    struct rm_err e;
    assert_int_equal(roadmap_build(&s, scan, NULL, 0, NULL, &o, &r, &e), 0);

    assert_string_equal(r->q[0].label, "Q1 2027");
    assert_string_equal(r->q[0].start, "2027-01-01");
    assert_string_equal(r->q[0].end, "2027-03-31");
    assert_string_equal(r->q[3].label, "Q4 2027");
    assert_string_equal(r->q[3].end, "2027-12-31");
    near(r->q[0].capacity, 10);

    static const struct {
        const char *id;
        int first, last;
        enum rm_driver driver;
        long reduction;
        double hours, budget, priority;
    } want[] = {
        /* plan order: by first quarter, then urgent / deadline / ordinary, then priority */
        {"patch", 0, 0, DRIVER_URGENT, 25, 4, 0, 6.25},
        {"tls", 0, 0, DRIVER_PRIORITY, 12, 2, 500, 6},
        {"rule:p:r5", 0, 0, DRIVER_PRIORITY, 6, 3, 0, 2},
        /* end of life in Q3: just in time, in Q2 */
        {"eol", 1, 1, DRIVER_EOL, 8, 6, 25000, 8.0 / 6},
        /* 5 h fit neither Q1 (1 h left) nor Q2 (4 h left) */
        {"smb", 2, 2, DRIVER_PRIORITY, 15, 5, 5000, 3},
    };
    assert_int_equal(r->n, 5);
    for (size_t i = 0; i < r->n; i++) {
        const struct rm_initiative *in = &r->v[i];
        assert_string_equal(in->id, want[i].id);
        assert_int_equal(in->first, want[i].first);
        assert_int_equal(in->last, want[i].last);
        assert_int_equal(in->driver, want[i].driver);
        assert_int_equal(in->reduction, want[i].reduction);
        near(in->effort_hours, want[i].hours);
        near(in->budget, want[i].budget);
        near(in->priority, want[i].priority);
        near(in->q_hours[in->first], want[i].hours);
        assert_false(in->over_capacity);
    }
    assert_string_equal(get(r, "eol")->deadline, "2027-09-15");
    assert_true(get(r, "eol")->deadline_eol);
    assert_string_equal(get(r, "rule:p:r5")->title, "Disable the thing");
    assert_int_equal(r->n_not_planned, 1);
    /* Budget and effort per quarter. */
    near(r->q[0].hours, 9);
    near(r->q[0].budget, 500);
    near(r->q[1].budget, 25000);
    near(r->q[2].budget, 5000);
    near(r->q[3].budget, 0);
    assert_int_equal(r->q[0].reduction, 43);
    near(r->total_budget, 30500);
    assert_int_equal(r->total_reduction, 66);

    cJSON *j = roadmap_json(r, &s, NULL);
    assert_non_null(j);
    cJSON *ins = cJSON_GetObjectItem(j, "initiatives");
    assert_int_equal(cJSON_GetArraySize(ins), 5);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ins, 3), "first_quarter")->valuestring,
                        "Q2 2027");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ins, 3), "driver")->valuestring,
                        "end-of-life");
    cJSON_Delete(j);
    roadmap_free(r);
    risk_set_free(&s);
    scan_result_free(scan);
}

/* Effort counts a remediation once per asset: two CVEs of one rule on one host are one
 * update; the same rule on another host is another. */
static void effort_per_asset(void **state)
{
    (void)state;
    const struct rk t[] = {
        {"patch", "cve", "192.0.2.1", 20, 4, COST_LOW, false, RISK_OPEN, NULL, NULL},
        {"patch", "cve", "192.0.2.1", 16, 4, COST_LOW, false, RISK_OPEN, NULL, NULL},
        {"patch", "cve", "192.0.2.2", 9, 4, COST_LOW, false, RISK_OPEN, NULL, NULL},
        {"patch", "eol", "192.0.2.2", 4, 16, COST_MEDIUM, false, RISK_MITIGATING, NULL, NULL},
    };
    struct risk_set s;
    struct scan_result *scan = scan_result_new();
    build(t, 4, "2027-01-01", &s, scan);
    struct roadmap *r = NULL;
    struct rm_err e;
    assert_int_equal(roadmap_build(&s, scan, NULL, 0, NULL, NULL, &r, &e), 0);
    assert_int_equal(r->n, 1);
    const struct rm_initiative *in = &r->v[0];
    near(in->effort_hours, 4 + 4 + 16);
    near(in->budget, 500 + 500 + 5000);
    assert_int_equal(in->n_assets, 2);
    assert_int_equal(in->n_risks, 4);
    assert_int_equal(in->reduction, 49);
    assert_int_equal(in->worst, 20);
    assert_int_equal(in->driver, DRIVER_URGENT); /* 20 is "very high" */
    assert_int_equal(in->cost, COST_MEDIUM);
    /* Its risks, highest residual first. */
    assert_int_equal(s.v[in->risks[0]].residual, 20);
    assert_int_equal(s.v[in->risks[3]].residual, 4);
    near(r->capacity, ROADMAP_DEFAULT_CAPACITY_HOURS);
    roadmap_free(r);
    risk_set_free(&s);
    scan_result_free(scan);
}

/* A KEV risk goes first even at a low priority; capacity pushes the rest to the next
 * quarter; work larger than a quarter spills across quarters and beyond the plan. */
static void kev_first_and_spill(void **state)
{
    (void)state;
    const struct rk t[] = {
        {"fast", "a", "192.0.2.1", 18, 2, COST_MINIMAL, false, RISK_OPEN, NULL, NULL},
        {"kev", "b", "192.0.2.2", 9, 9, COST_MINIMAL, true, RISK_OPEN, NULL, NULL},
        {"big", "c", "192.0.2.3", 10, 25, COST_HIGH, false, RISK_OPEN, NULL, NULL},
        {"huge", "d", "192.0.2.4", 5, 50, COST_MINIMAL, false, RISK_OPEN, NULL, NULL},
    };
    struct risk_set s;
    struct scan_result *scan = scan_result_new();
    build(t, 4, "2027-01-01", &s, scan);
    struct roadmap_options o = {10};
    struct roadmap *r = NULL;
    struct rm_err e;
    assert_int_equal(roadmap_build(&s, scan, NULL, 0, NULL, &o, &r, &e), 0);
    const struct rm_initiative *kev = get(r, "kev"), *fast = get(r, "fast");
    const struct rm_initiative *big = get(r, "big"), *huge = get(r, "huge");
    assert_int_equal(kev->first, 0);
    assert_int_equal(kev->driver, DRIVER_URGENT);
    /* 9 h priority 9 beats nothing: "fast" (priority 9 too, but ordinary) finds 1 h left */
    assert_int_equal(fast->first, 1);
    /* 25 h: Q1's last hour, Q2's 8 h left, all 10 h of Q3, 6 h of Q4 */
    near(big->q_hours[0], 1);
    near(big->q_hours[1], 8);
    near(big->q_hours[2], 10);
    near(big->q_hours[3], 6);
    assert_int_equal(big->first, 0);
    assert_int_equal(big->last, 3);
    near(big->later_hours, 0);
    near(r->q[3].budget, 25000.0 * 6 / 25);
    /* 50 h: the 4 h left in Q4, 46 h beyond the plan */
    near(huge->q_hours[3], 4);
    near(huge->later_hours, 46);
    near(r->later_hours, 46);
    assert_int_equal(r->q[3].reduction, 10); /* only "big" finishes in Q4 */
    roadmap_free(r);
    risk_set_free(&s);
    scan_result_free(scan);
}

/* End-of-life dates: past or within the first quarter is urgent; in the plan, the quarter
 * before; a full quarter does not stop it (over capacity). */
static void end_of_life(void **state)
{
    (void)state;
    const struct rk t[] = {
        {"filler", "a", "192.0.2.1", 18, 10, COST_MINIMAL, true, RISK_OPEN, NULL, NULL},
        {"filler2", "b", "192.0.2.2", 19, 8, COST_MINIMAL, true, RISK_OPEN, NULL, NULL},
        {"gone", "c", "192.0.2.3", 4, 2, COST_MINIMAL, false, RISK_OPEN, "2026-12-31", NULL},
        {"soon", "d", "192.0.2.4", 4, 3, COST_MEDIUM, false, RISK_OPEN, "2027-06-01", NULL},
        {"far", "e", "192.0.2.5", 4, 3, COST_MEDIUM, false, RISK_OPEN, "2029-01-01", NULL},
    };
    struct risk_set s;
    struct scan_result *scan = scan_result_new();
    build(t, 5, "2027-01-01", &s, scan);
    struct roadmap_options o = {10};
    struct roadmap *r = NULL;
    struct rm_err e;
    assert_int_equal(roadmap_build(&s, scan, NULL, 0, NULL, &o, &r, &e), 0);
    /* Urgent, by priority: filler2 (19/8) and gone (2.0, urgent as past its end of life)
     * fill Q1; filler (1.8) takes Q2. */
    assert_int_equal(get(r, "gone")->driver, DRIVER_URGENT);
    assert_int_equal(get(r, "gone")->first, 0);
    assert_int_equal(get(r, "filler2")->first, 0);
    assert_int_equal(get(r, "filler")->first, 1);
    /* End of life in Q2: due in Q1, which is full: forced there, flagged. */
    const struct rm_initiative *soon = get(r, "soon");
    assert_int_equal(soon->driver, DRIVER_EOL);
    assert_int_equal(soon->first, 0);
    assert_true(soon->over_capacity);
    /* 2029 is beyond the plan: an ordinary initiative, in the first quarter with room. */
    const struct rm_initiative *far = get(r, "far");
    assert_int_equal(far->driver, DRIVER_PRIORITY);
    assert_int_equal(far->first, 2);
    assert_false(far->over_capacity);
    roadmap_free(r);
    risk_set_free(&s);
    scan_result_free(scan);
}

static const char profile_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<profile xmlns=\"urn:riskmap:profile:1\" version=\"1\"><client id=\"c\"><name>C</name>"
    "</client><objective id=\"audit\"><title>Pass the audit</title><target quarter=\"2027-Q2\"/>"
    "<serves initiative=\"slow\"/><serves initiative=\"nowhere\"/></objective>"
    "<objective id=\"later\"><title>Later</title><target date=\"2027-11-30\"/>"
    "<serves initiative=\"slow\"/></objective>"
    "<roadmap quarter-capacity-hours=\"12\"/></profile>\n";

/* An objective's target pulls the initiatives serving it before ordinary work; the profile
 * sets the capacity; the first quarter is pro rata; unknown initiatives are a warning. */
static void objectives_and_capacity(void **state)
{
    (void)state;
    struct diags d = {0};
    struct profile *prof = NULL;
    assert_int_equal(profile_load_buffer(profile_xml, strlen(profile_xml), "p.xml", &prof, &d), 0);
    assert_int_equal(prof->n_objectives, 2);
    assert_string_equal(prof->objectives[0].target_quarter, "2027-Q2");
    assert_string_equal(prof->objectives[1].target_date, "2027-11-30");
    assert_int_equal(prof->objectives[0].n_serves, 2);
    near(prof->quarter_capacity_hours, 12);

    const struct rk t[] = {
        {"quick", "a", "192.0.2.1", 15, 5, COST_MINIMAL, false, RISK_OPEN, NULL, NULL},
        {"slow", "b", "192.0.2.2", 3, 10, COST_MINIMAL, false, RISK_OPEN, NULL, NULL},
    };
    struct risk_set s;
    struct scan_result *scan = scan_result_new();
    /* 2027-02-15: 45 of Q1's 90 days left, so 6 of 12 hours. */
    build(t, 2, "2027-02-15", &s, scan);
    struct roadmap *r = NULL;
    struct rm_err e;
    assert_int_equal(roadmap_build(&s, scan, NULL, 0, prof, NULL, &r, &e), 0);
    near(r->capacity, 12);
    near(r->q[0].capacity, 6);
    near(r->q[1].capacity, 12);
    const struct rm_initiative *slow = get(r, "slow"), *quick = get(r, "quick");
    assert_int_equal(slow->driver, DRIVER_OBJECTIVE);
    assert_string_equal(slow->deadline, "2027-Q2");
    assert_false(slow->deadline_eol);
    assert_int_equal(slow->n_objectives, 2);
    assert_string_equal(slow->objectives[0], "audit");
    assert_string_equal(slow->objectives[1], "later");
    /* 10 h do not fit Q1's 6: Q2, its target; "quick" (priority 3) then fits Q1. */
    assert_int_equal(slow->first, 1);
    assert_int_equal(quick->first, 0);
    assert_int_equal(quick->n_objectives, 0);
    /* "nowhere" is an initiative no applied policy defines. */
    /* No policies are given here, so every served initiative is unknown; with the shipped
     * policies only "nowhere" would be (test_report). */
    assert_int_equal(r->warnings.n, 3);
    assert_non_null(strstr(r->warnings.msg[1], "\"nowhere\""));
    struct rm_objective_status st = roadmap_objective(r, &prof->objectives[0]);
    assert_int_equal(st.target, 1);
    assert_int_equal(st.n_initiatives, 1);
    assert_int_equal(st.done, 1);
    st = roadmap_objective(r, &prof->objectives[1]);
    assert_int_equal(st.target, 3);
    assert_int_equal(st.done, 1);
    assert_int_equal(roadmap_quarter_of(r, "2027-02-15"), 0);
    assert_int_equal(roadmap_quarter_of(r, "2027-12-31"), 3);
    assert_int_equal(roadmap_quarter_of(r, "2028-01-01"), 4);
    assert_int_equal(roadmap_quarter_of(r, "2026-12-31"), -1);
    roadmap_free(r);
    risk_set_free(&s);
    scan_result_free(scan);
    profile_free(prof);
    diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(placement_table),
        cmocka_unit_test(effort_per_asset),
        cmocka_unit_test(kev_first_and_spill),
        cmocka_unit_test(end_of_life),
        cmocka_unit_test(objectives_and_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
