/* libFuzzer target: the policy and client profile loaders (XML from outside: a policy mailed
 * by a colleague, a profile edited by hand). Whatever loads must also evaluate: a loaded
 * policy against a small scan, a loaded profile tailoring the shipped baseline, and both
 * exported as JSON, XCCDF and ARF. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policies/eval.h"
#include "policies/policy.h"
#include "policies/profile.h"
#include "policies/xccdf.h"
#include "policies/xmlload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scan_result *scan;
static struct policy *baseline;

static void setup(void)
{
    struct diags d = {0};
    scan = scan_result_new();
    scan->meta.complete = true;
    static const char *const kinds[] = {"svc.telnet.open", "tls.protocol.tls10", "backup.stale",
                                        "patch.cve", "svc.open"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct rm_addr a;
        addr_parse(i & 1 ? "192.0.2.10" : "2001:db8::1", &a);
        struct finding *f = finding_new(kinds[i], "fuzz", SEV_HIGH, "t", &a, (uint16_t)(20 + i));
        finding_add_fact(f, "service", "smtp");
        finding_add_fact(f, "age_hours", "30");
        finding_add_fact(f, "cvss", "9.8");
        finding_set_hostname(f, "mail.example.com");
        finding_fingerprint(f);
        scan_add_finding(scan, f);
    }
    if (policy_load_ref("baseline", &baseline, &d) < 0)
        abort();
    diags_free(&d);
}

static void run_eval(struct policy *p, const struct profile *prof)
{
    struct evaluation *ev = NULL;
    struct rm_err e;
    struct policy *pols[] = {p};
    if (evaluate(scan, pols, 1, prof, NULL, &ev, &e) == 0) {
        cJSON *j = evaluation_json(ev, scan, prof, pols, 1);
        cJSON_Delete(j);
        char *x = NULL;
        size_t len;
        if (xccdf_export(ev, scan, prof, pols, 1, &x, &len, &e) == 0)
            free(x);
        if (arf_export(ev, scan, prof, pols, 1, &x, &len, &e) == 0)
            free(x);
        evaluation_free(ev);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scan)
        setup();
    struct diags d = {0};
    xmlDoc *doc = NULL;
    enum xml_kind kind = XML_ANY;
    if (xmlload_buffer((const char *)data, size, "fuzz", XML_ANY, &doc, &kind, &d) == 0) {
        xmlFreeDoc(doc);
        if (kind == XML_POLICY) {
            struct policy *p = NULL;
            if (policy_load_buffer((const char *)data, size, "fuzz", &p, &d) == 0) {
                run_eval(p, NULL);
                policy_free(p);
            }
        } else {
            struct profile *p = NULL;
            if (profile_load_buffer((const char *)data, size, "fuzz", &p, &d) == 0) {
                run_eval(baseline, p);
                profile_free(p);
            }
        }
    }
    diags_free(&d);
    return 0;
}
