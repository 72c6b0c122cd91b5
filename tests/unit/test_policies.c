/* The policies room: the safe XML loader (every hostile input refused, with file:line), the
 * policy model read from XML, the shipped policies, client profiles and evaluation. */
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

#include "checks/check.h"
#include "policies/policy.h"
#include "policies/shipped.h"
#include "policies/xmlload.h"

#define FIX "tests/fixtures/policies/"

/* Loads path as a policy expecting failure; returns the diags for inspection. */
static struct diags must_fail(const char *path)
{
    struct diags d = {0};
    struct policy *p = NULL;
    assert_int_equal(policy_load_file(path, &p, &d), -1);
    assert_null(p);
    assert_true(d.n >= 1);
    return d;
}

static void assert_has(const struct diags *d, const char *needle)
{
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->msg[i], needle))
            return;
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "  diag: %s\n", d->msg[i]);
    fail_msg("no diagnostic contains \"%s\"", needle);
}

/* ---- hostile input ---------------------------------------------------------------------- */

static void billion_laughs_refused_fast(void **state)
{
    (void)state;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct diags d = must_fail(FIX "hostile/billion-laughs.xml");
    clock_gettime(CLOCK_MONOTONIC, &b);
    /* Refused at the DOCTYPE, line 2, before a single entity is declared. */
    assert_int_equal(d.n, 1);
    assert_string_equal(d.msg[0], FIX "hostile/billion-laughs.xml:2: DOCTYPE is not allowed "
                                      "(no DTDs, no entities)");
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    assert_true(ms < 200);
    diags_free(&d);
}

static void external_entity_refused(void **state)
{
    (void)state;
    struct diags d = must_fail(FIX "hostile/external-entity.xml");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.msg[0], FIX "hostile/external-entity.xml:3: DOCTYPE is not allowed "
                                      "(no DTDs, no entities)");
    diags_free(&d);
    d = must_fail(FIX "hostile/parameter-entity.xml");
    assert_int_equal(d.n, 1);
    assert_has(&d, "parameter-entity.xml:3: DOCTYPE is not allowed");
    diags_free(&d);
}

/* A DOCTYPE naming a DTD on the network is refused before the parser could fetch it; the
 * refusing entity loader and XML_PARSE_NONET stand behind that. The URL is loopback port 9,
 * where nothing listens: even a defect here sends nothing off the machine. */
static void external_dtd_refused(void **state)
{
    (void)state;
    struct diags d = must_fail(FIX "hostile/external-dtd.xml");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.msg[0], FIX "hostile/external-dtd.xml:3: DOCTYPE is not allowed "
                                      "(no DTDs, no entities)");
    diags_free(&d);
}

static void xinclude_not_processed(void **state)
{
    (void)state;
    struct diags d = must_fail(FIX "hostile/xinclude.xml");
    /* The include stays an element, which the schema refuses on its own line. */
    assert_has(&d, "hostile/xinclude.xml:5: Element '{http://www.w3.org/2001/XInclude}include'");
    for (size_t i = 0; i < d.n; i++)
        assert_null(strstr(d.msg[i], "root:"));
    diags_free(&d);
}

static void deep_nesting_refused(void **state)
{
    (void)state;
    struct diags d = must_fail(FIX "hostile/deep.xml");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.msg[0], FIX "hostile/deep.xml:5: elements nested deeper than 16");
    diags_free(&d);
}

static void oversize_refused(void **state)
{
    (void)state;
    char path[] = "/tmp/riskmap-policy-big-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("<policy xmlns=\"urn:riskmap:policy:1\" id=\"big\" version=\"1\"><title>", f);
    for (size_t i = 0; i < XMLLOAD_MAX_BYTES / 64 + 1; i++)
        fputs("0123456789012345678901234567890123456789012345678901234567890123", f);
    fputs("</title></policy>", f);
    fclose(f);
    struct diags d = must_fail(path);
    char want[256];
    snprintf(want, sizeof want, "%s:0: larger than %u bytes", path, XMLLOAD_MAX_BYTES);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.msg[0], want);
    diags_free(&d);
    /* The buffer entry point applies the same bound. */
    struct policy *p = NULL;
    char *buf = calloc(1, XMLLOAD_MAX_BYTES + 2);
    memset(buf, ' ', XMLLOAD_MAX_BYTES + 1);
    assert_int_equal(policy_load_buffer(buf, XMLLOAD_MAX_BYTES + 1, "mem", &p, &d), -1);
    assert_string_equal(d.msg[0], "mem:0: larger than 4194304 bytes");
    free(buf);
    diags_free(&d);
    unlink(path);
}

static void malformed_and_wrong_root(void **state)
{
    (void)state;
    struct diags d = {0};
    struct policy *p = NULL;
    const char *bad = "<policy xmlns=\"urn:riskmap:policy:1\">\n<title>x</titel>\n</policy>";
    assert_int_equal(policy_load_buffer(bad, strlen(bad), "m.xml", &p, &d), -1);
    assert_has(&d, "m.xml:2: Opening and ending tag mismatch: title line 2 and titel");
    diags_free(&d);
    const char *wrong = "<?xml version=\"1.0\"?>\n<profile xmlns=\"urn:riskmap:profile:1\" version=\"1\"/>";
    assert_int_equal(policy_load_buffer(wrong, strlen(wrong), "w.xml", &p, &d), -1);
    assert_string_equal(d.msg[0], "w.xml:2: root element <profile xmlns=urn:riskmap:profile:1> is "
                                  "not <policy xmlns=\"urn:riskmap:policy:1\">");
    diags_free(&d);
    assert_int_equal(policy_load_buffer("", 0, "empty.xml", &p, &d), -1);
    assert_has(&d, "empty.xml:");
    diags_free(&d);
}

/* Schema errors: every one reported, each with its line. */
static void schema_errors_have_lines(void **state)
{
    (void)state;
    struct diags d = must_fail(FIX "bad-refs.xml");
    assert_int_equal(d.n, 4);
    assert_has(&d, FIX "bad-refs.xml:9: Element '{urn:riskmap:policy:1}rule', attribute "
                      "'likelihood': [facet 'maxInclusive'] The value '9' is greater than the "
                      "maximum value allowed ('5').");
    assert_has(&d, FIX "bad-refs.xml:10: Element '{urn:riskmap:policy:1}match', attribute 'kind'");
    assert_has(&d, FIX "bad-refs.xml:7: Element '{urn:riskmap:policy:1}ref': No match found for "
                      "key-sequence ['nist-csf'] of keyref");
    assert_has(&d, FIX "bad-refs.xml:9: Element '{urn:riskmap:policy:1}rule': No match found for "
                      "key-sequence ['missing'] of keyref");
    diags_free(&d);
}

static void missing_file(void **state)
{
    (void)state;
    struct diags d = must_fail(FIX "does-not-exist.xml");
    assert_string_equal(d.msg[0], FIX "does-not-exist.xml:0: No such file or directory");
    diags_free(&d);
}

/* ---- the model -------------------------------------------------------------------------- */

static void small_policy_model(void **state)
{
    (void)state;
    struct diags d = {0};
    struct policy *p = NULL;
    assert_int_equal(policy_load_file(FIX "small.xml", &p, &d), 0);
    assert_int_equal(d.n, 0);
    assert_string_equal(p->id, "small");
    assert_string_equal(p->version, "1.2");
    assert_string_equal(p->title, "Small test policy");
    assert_int_equal(p->n_frameworks, 2);
    assert_string_equal(p->frameworks[1].id, "hipaa");
    assert_string_equal(p->frameworks[1].version, "45 CFR 164 Subpart C");
    assert_int_equal(p->n_initiatives, 1);
    assert_string_equal(p->initiatives[0].category, "network");
    assert_int_equal(p->n_controls, 4);
    const struct pol_control *c = policy_control(p, "secure-admin");
    assert_non_null(c);
    assert_int_equal(c->n_refs, 2);
    assert_string_equal(c->refs[0].framework, "cis-v8");
    assert_string_equal(c->refs[0].id, "4.6");
    assert_int_equal(c->refs[0].ig, 1);
    assert_string_equal(c->refs[1].id, "164.312(e)(1)");
    assert_string_equal(c->refs[1].title, "Transmission security");
    assert_int_equal(c->refs[1].ig, 0);
    assert_null(c->manual_question);
    assert_string_equal(policy_control(p, "training")->manual_question,
                        "Did every employee complete security awareness training in the last 12 "
                        "months?");
    assert_int_equal(p->n_rules, 6);
    const struct pol_rule *r = &p->rules[0];
    assert_string_equal(r->id, "telnet");
    assert_string_equal(p->controls[r->control].id, "secure-admin");
    assert_int_equal(r->severity, SEV_HIGH);
    assert_int_equal(r->likelihood, 4);
    assert_int_equal(r->impact, 4);
    assert_false(r->fallback);
    assert_true(r->has_remediation);
    assert_string_equal(r->remediation.text, "Turn Telnet off; use SSH.");
    assert_true(r->remediation.effort_hours == 2.0);
    assert_int_equal(r->remediation.cost, COST_MINIMAL);
    assert_int_equal(r->remediation.initiative, 0);
    assert_string_equal(r->rationale, "Telnet sends the password in cleartext.");
    r = &p->rules[1];
    assert_int_equal(r->criticality_min, CRIT_HIGH);
    assert_int_equal(r->n_services, 1);
    assert_string_equal(r->services[0], "smtp");
    assert_false(r->has_remediation);
    assert_true(p->rules[3].fallback);
    r = &p->rules[5];
    assert_int_equal(r->n_thresholds, 1);
    assert_string_equal(r->thresholds[0].name, "rpo-hours");
    assert_string_equal(r->thresholds[0].fact, "age_hours");
    assert_int_equal(r->thresholds[0].op, OP_GT);
    assert_true(r->thresholds[0].value == 24.0);
    assert_string_equal(r->thresholds[0].unit, "hours");
    assert_int_equal(r->remediation.cost, COST_LOW);
    assert_int_equal(r->remediation.initiative, -1);
    policy_free(p);
}

static void kind_patterns(void **state)
{
    (void)state;
    assert_true(kind_matches("svc.telnet.open", "svc.telnet.open"));
    assert_false(kind_matches("svc.telnet.open", "svc.telnet.open2"));
    assert_false(kind_matches("svc.telnet", "svc.telnet.open"));
    assert_true(kind_matches("tls.protocol.*", "tls.protocol.tls10"));
    assert_true(kind_matches("tls.*", "tls.protocol.tls10"));
    assert_false(kind_matches("tls.protocol.*", "tls.protocol"));
    assert_false(kind_matches("tls.protocol.*", "tls.protocolx.a"));
    assert_false(kind_matches("tls.*", "tlsx.a"));
}

/* ---- shipped policies ------------------------------------------------------------------- */

static void shipped_policies_load(void **state)
{
    (void)state;
    static const char *const want[] = {"baseline", "cis-v8", "hipaa", "iso27001", "nist-csf",
                                       "pci-dss"};
    size_t n = 0;
    for (const struct embedded_file *f; (f = shipped_policy_at(n)); n++) {
        struct diags d = {0};
        struct policy *p = NULL;
        char label[128];
        snprintf(label, sizeof label, "shipped:%s", f->name);
        if (policy_load_buffer((const char *)f->data, f->len, label, &p, &d) < 0) {
            for (size_t i = 0; i < d.n; i++)
                fprintf(stderr, "  %s\n", d.msg[i]);
            fail_msg("shipped policy %s does not load", f->name);
        }
        assert_string_equal(p->id, want[n]);
        assert_true(p->n_controls > 0 && p->n_rules > 0);
        /* Every control either has a rule or is manual: none can silently pass. */
        for (size_t c = 0; c < p->n_controls; c++) {
            bool ruled = false;
            for (size_t r = 0; r < p->n_rules; r++)
                ruled |= p->rules[r].control == c;
            if (!ruled && !p->controls[c].manual_question)
                fail_msg("%s: control %s has no rule and no question", f->name,
                         p->controls[c].id);
        }
        policy_free(p);
    }
    assert_int_equal(n, sizeof want / sizeof want[0]);
    struct diags d = {0};
    struct policy *p = NULL;
    assert_int_equal(policy_load_ref("no-such-policy", &p, &d), -1);
    assert_string_equal(d.msg[0], "no-such-policy:0: no shipped policy of that name (riskmap "
                                  "policy list) and not a file path");
    diags_free(&d);
}

/* Every finding kind any registered check can emit is covered by the baseline, and so are the
 * kinds the TLS, patch and backup checks are being built to emit. */
static void baseline_covers_every_kind(void **state)
{
    (void)state;
    struct diags d = {0};
    struct policy *p = NULL;
    assert_int_equal(policy_load_ref("baseline", &p, &d), 0);
    size_t n = 0;
    for (size_t i = 0; check_registry[i]; i++)
        for (size_t k = 0; k < check_registry[i]->n_kinds; k++, n++)
            if (!policy_covers(p, check_registry[i]->kinds[k].id))
                fail_msg("finding kind %s (check %s) is not covered by the baseline policy",
                         check_registry[i]->kinds[k].id, check_registry[i]->id);
    assert_true(n >= 16);
    static const char *const planned[] = {
        "tls.protocol.ssl3", "tls.protocol.tls10", "tls.protocol.tls11", "tls.cipher.rc4",
        "tls.cert.expired", "tls.cert.expiring", "tls.cert.self-signed", "tls.hsts.missing",
        "patch.cve", "patch.eol", "patch.eol.soon", "patch.unknown-version", "backup.stale",
        "backup.missing", "backup.unreadable",
    };
    for (size_t i = 0; i < sizeof planned / sizeof planned[0]; i++)
        if (!policy_covers(p, planned[i]))
            fail_msg("planned kind %s is not covered by the baseline policy", planned[i]);
    assert_false(policy_covers(p, "dns.zone-transfer"));
    policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(billion_laughs_refused_fast),
        cmocka_unit_test(external_entity_refused),
        cmocka_unit_test(external_dtd_refused),
        cmocka_unit_test(xinclude_not_processed),
        cmocka_unit_test(deep_nesting_refused),
        cmocka_unit_test(oversize_refused),
        cmocka_unit_test(malformed_and_wrong_root),
        cmocka_unit_test(schema_errors_have_lines),
        cmocka_unit_test(missing_file),
        cmocka_unit_test(small_policy_model),
        cmocka_unit_test(kind_patterns),
        cmocka_unit_test(shipped_policies_load),
        cmocka_unit_test(baseline_covers_every_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
