/* libFuzzer target: the report of a scan result handed over from another machine (hostile
 * titles, facts, evidence, host names). Whatever parses is evaluated against the baseline
 * policy, scored, planned and rendered. Text is escaped, so every '<' in the HTML opens a tag
 * the writer made: there must be no script or img tag (no profile, no logo) and no event
 * handler attribute in any tag. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policies/eval.h"
#include "reports/report.h"
#include "reports/risk.h"
#include "scanner/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct policy *baseline;

/* Does any tag carry an attribute named on...= (outside quoted values)? */
static int has_handler(const char *h)
{
    int in_tag = 0;
    char quote = 0;
    for (const char *p = h; *p; p++) {
        if (!in_tag) {
            in_tag = *p == '<';
            continue;
        }
        if (quote) {
            quote = *p == quote ? 0 : quote;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '>') {
            in_tag = 0;
        } else if ((*p == ' ' || *p == '\n' || *p == '\t' || *p == '/') &&
                   (p[1] == 'o' || p[1] == 'O') && (p[2] == 'n' || p[2] == 'N')) {
            const char *q = p + 3;
            while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))
                q++;
            if (*q == '=' || *q == ' ')
                return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diags d = {0};
    if (!baseline && policy_load_ref("baseline", &baseline, &d) < 0)
        abort();
    diags_free(&d);
    struct scan_result *r = NULL;
    struct rm_err e;
    if (result_parse((const char *)data, size, "fuzz", &r, &e) < 0)
        return 0;
    struct evaluation *ev = NULL;
    struct risk_set s = {0};
    if (evaluate(r, &baseline, 1, NULL, "2026-11-22", &ev, &e) == 0 &&
        risk_score_scan(r, ev, NULL, &s, &e) == 0) {
        struct report_input in = {.scan = r, .ev = ev, .risks = &s, .pols = &baseline,
                                  .n_pols = 1, .generated = "fuzz"};
        char *html = NULL;
        size_t len = 0;
        if (report_html(&in, &html, &len, &e) == 0) {
            if (strlen(html) != len || strstr(html, "<script") || strstr(html, "<img") ||
                has_handler(html))
                abort();
            free(html);
        }
    }
    risk_set_free(&s);
    evaluation_free(ev);
    scan_result_free(r);
    return 0;
}
