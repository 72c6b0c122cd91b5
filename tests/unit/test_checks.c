/* The check room: findings, fingerprints, the registry and the services module. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "checks/check.h"
#include "checks/finding.h"
#include "scanner/checkrun.h"
#include "scanner/model.h"

static struct finding *mk(const char *kind, const char *addr, uint16_t port, const char *key,
                          const char *val)
{
    struct rm_addr a;
    assert_int_equal(addr_parse(addr, &a), 0);
    struct finding *f = finding_new(kind, "test", SEV_LOW, "title", &a, port);
    assert_non_null(f);
    if (key) {
        assert_int_equal(finding_add_fact(f, key, val), 0);
        assert_int_equal(finding_set_key_fact(f, key), 0);
    }
    finding_fingerprint(f);
    return f;
}

static void fingerprint_is_stable_and_known(void **state)
{
    (void)state;
    struct finding *f = mk("svc.open", "127.0.20.1", 22, NULL, NULL);
    /* Pinned: a change here changes every fingerprint in every client's register. The value
     * is SHA-256 of "v1\x1fsvc.open\x1f127.0.20.1\x1ftcp\x1f22\x1f\x1f" (sha256sum agrees). */
    assert_string_equal(f->fingerprint,
                        "36db7a0a25eb08e1dca46049b142c19901acf1367638f4af099578f8f703fb6f");
    finding_free(f);
}

static void fingerprint_depends_on_identity_only(void **state)
{
    (void)state;
    struct finding *a = mk("tls.protocol", "192.0.2.1", 443, "version", "TLSv1.0");
    struct finding *b = mk("tls.protocol", "192.0.2.1", 443, "version", "TLSv1.0");
    /* Title, severity, detail and other facts are not identity. */
    finding_set_detail(b, "different words");
    finding_add_fact(b, "note", "x");
    b->severity = SEV_CRITICAL;
    finding_fingerprint(b);
    assert_string_equal(a->fingerprint, b->fingerprint);

    const struct {
        const char *kind, *addr;
        uint16_t port;
        const char *val;
    } other[] = {
        {"tls.protocolx", "192.0.2.1", 443, "TLSv1.0"},
        {"tls.protocol", "192.0.2.2", 443, "TLSv1.0"},
        {"tls.protocol", "192.0.2.1", 444, "TLSv1.0"},
        {"tls.protocol", "192.0.2.1", 443, "TLSv1.1"},
        {"tls.protocol", "2001:db8::1", 443, "TLSv1.0"},
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        struct finding *c = mk(other[i].kind, other[i].addr, other[i].port, "version", other[i].val);
        assert_string_not_equal(a->fingerprint, c->fingerprint);
        finding_free(c);
    }
    finding_free(a);
    finding_free(b);
}

static void severity_names_round_trip(void **state)
{
    (void)state;
    for (int s = SEV_INFO; s <= SEV_CRITICAL; s++) {
        enum severity back;
        assert_int_equal(severity_parse(severity_name((enum severity)s), &back), 0);
        assert_int_equal(back, s);
    }
    enum severity x;
    assert_int_equal(severity_parse("HIGH", &x), 0);
    assert_int_equal(x, SEV_HIGH);
    assert_int_equal(severity_parse("severe", &x), -1);
}

static void registry_is_well_formed(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t i = 0; check_registry[i]; i++, n++) {
        const struct check *c = check_registry[i];
        assert_non_null(c->id);
        assert_non_null(c->summary);
        assert_non_null(c->run);
        assert_true(c->n_kinds > 0);
        assert_ptr_equal(check_find(c->id), c);
        for (size_t k = 0; k < c->n_kinds; k++) {
            /* Kind ids are dotted lower-case, and unique across modules. */
            assert_non_null(strchr(c->kinds[k].id, '.'));
            for (size_t j = 0; check_registry[j]; j++)
                for (size_t m = 0; m < check_registry[j]->n_kinds; m++)
                    if (j != i || m != k)
                        assert_string_not_equal(c->kinds[k].id, check_registry[j]->kinds[m].id);
        }
    }
    assert_true(n >= 1);
    assert_non_null(check_find("services"));
    assert_null(check_find("nope"));
}

static void services_check_records_each_open_port(void **state)
{
    (void)state;
    struct scan_result *r = scan_result_new();
    struct rm_addr a;
    addr_parse("127.0.20.5", &a);
    struct host *h = scan_add_host(r, &a);
    h->hostname = strdup("lab5");
    host_add_service(h, 22, PORT_OPEN, "ssh", "syn-ack", 0.1);
    host_add_service(h, 8081, PORT_OPEN, NULL, "syn-ack", 0.1);
    host_add_service(h, 25, PORT_CLOSED, "smtp", "conn-refused", 0.1);

    struct checkrun_opts o = {.only = "services"};
    struct rm_err e = {{0}};
    assert_int_equal(checkrun(r, &o, &e), 0);
    assert_int_equal(r->n_findings, 2); /* the closed port is not a finding */
    const struct finding *f = r->findings[0];
    assert_string_equal(f->kind, "svc.open");
    assert_string_equal(f->check, "services");
    assert_int_equal(f->severity, SEV_INFO);
    assert_int_equal(f->port, 22);
    assert_string_equal(f->hostname, "lab5");
    assert_string_equal(finding_fact(f, "service"), "ssh");
    assert_string_equal(finding_fact(r->findings[1], "service"), "unknown");
    assert_int_equal(f->n_evidence, 1);
    assert_int_equal(r->n_evidence, 2);
    assert_string_equal(f->evidence_ids[0], r->evidence[0]->id);
    assert_non_null(strstr((const char *)r->evidence[0]->data, "tcp connect to 127.0.20.5 port 22"));
    assert_int_equal(strlen(f->fingerprint), FINGERPRINT_HEX_LEN);

    /* The same observation in another scan gives the same fingerprint. */
    char fp[FINGERPRINT_HEX_LEN + 1];
    memcpy(fp, f->fingerprint, sizeof fp);
    struct scan_result *r2 = scan_result_new();
    struct host *h2 = scan_add_host(r2, &a);
    host_add_service(h2, 22, PORT_OPEN, "ssh", "syn-ack", 9.9);
    assert_int_equal(checkrun(r2, &o, &e), 0);
    assert_string_equal(r2->findings[0]->fingerprint, fp);
    scan_result_free(r2);
    scan_result_free(r);
}

static void checks_list_is_validated(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    assert_int_equal(checkrun_validate(NULL, &e), 0);
    assert_int_equal(checkrun_validate("services", &e), 0);
    assert_int_equal(checkrun_validate("services,bogus", &e), -1);
    assert_string_equal(e.msg, "checks \"services,bogus\": no check named \"bogus\" (see riskmap checks)");
    assert_int_equal(checkrun_validate("services,", &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fingerprint_is_stable_and_known),
        cmocka_unit_test(fingerprint_depends_on_identity_only),
        cmocka_unit_test(severity_names_round_trip),
        cmocka_unit_test(registry_is_well_formed),
        cmocka_unit_test(services_check_records_each_open_port),
        cmocka_unit_test(checks_list_is_validated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
