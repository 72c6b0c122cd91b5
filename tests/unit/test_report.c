/* The HTML report (reports/report_html.c and friends), parsed back with libxml2's HTML
 * parser: well-formed, every section in order and every chart present, no reference to
 * anything outside the file, hostile strings from the scanned servers escaped. The scan is
 * built in memory with hostile titles, facts, host names and evidence, evaluated against the
 * shipped baseline policy and scored for real. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policies/eval.h"
#include "reports/hbuf.h"
#include "reports/report.h"
#include "reports/risk.h"

#define HOSTILE "<script>alert(\"x\")</script>' onerror='alert(1)"

static void add(struct scan_result *r, const char *kind, const char *addr, uint16_t port,
                enum severity sev, const char *title)
{
    struct rm_addr a;
    assert_int_equal(addr_parse(addr, &a), 0);
    struct finding *f = finding_new(kind, "services", sev, title, &a, port);
    assert_non_null(f);
    assert_int_equal(finding_set_detail(f, "Banner: \"" HOSTILE "\" & more"), 0);
    assert_int_equal(finding_add_fact(f, "banner", HOSTILE), 0);
    assert_int_equal(finding_add_ref(f, "https://evil.example/\"><a href=\"http://x\">"), 0);
    finding_fingerprint(f);
    assert_int_equal(scan_add_finding(r, f), 0);
}

static struct scan_result *hostile_scan(void)
{
    struct scan_result *r = scan_result_new();
    assert_non_null(r);
    r->meta.complete = true;
    r->meta.id = strdup("0123456789abcdef0123456789abcdef");
    r->meta.started_utc = strdup("2026-11-22T10:00:00Z");
    const char *addrs[] = {"192.0.2.10", "192.0.2.20"};
    for (int i = 0; i < 2; i++) {
        struct rm_addr a;
        addr_parse(addrs[i], &a);
        struct host *h = scan_add_host(r, &a);
        assert_non_null(h);
        h->hostname = strdup(i ? "\"><img src=http://evil.example/x.png>" : "pms01");
        struct service *s = host_add_service(h, 23, PORT_OPEN, "telnet", "syn-ack", 1.0);
        assert_non_null(s);
        service_set(&s->product, "<b>BusyBox</b> telnetd");
    }
    add(r, "svc.telnet.open", "192.0.2.10", 23, SEV_HIGH, "Telnet open " HOSTILE);
    add(r, "svc.telnet.open", "192.0.2.20", 23, SEV_HIGH, "Telnet open");
    add(r, "svc.rdp.exposed", "192.0.2.10", 3389, SEV_HIGH, "RDP exposed");
    add(r, "svc.smb.v1", "192.0.2.20", 445, SEV_HIGH, "SMB1 enabled");
    /* About an address the scan holds no host for (a backup source's asset, say). */
    add(r, "svc.open", "192.0.2.99", 0, SEV_INFO, "Asset outside the scan");
    /* Evidence larger than shown, with bytes that are not text. */
    size_t big = REPORT_EVIDENCE_SHOWN * 3;
    unsigned char *data = malloc(big);
    assert_non_null(data);
    for (size_t i = 0; i < big; i++)
        data[i] = (unsigned char)(i % 7 == 0 ? 0x01 : i % 5 == 0 ? '<' : 'A' + i % 26);
    struct evidence *ev = scan_add_evidence(r, "application/octet-stream", HOSTILE, data, big);
    assert_non_null(ev);
    free(data);
    assert_int_equal(finding_add_evidence_id(r->findings[0], ev->id), 0);
    scan_sort_hosts(r);
    return r;
}

/* Errors of the HTML parser, apart from HTML5 tags its HTML 4 model does not know. */
static int n_errors;

static void on_error(void *ctx, const xmlError *err)
{
    (void)ctx;
    if (err->code == XML_HTML_UNKNOWN_TAG)
        return;
    fprintf(stderr, "html parse error %d line %d: %s", err->code, err->line, err->message);
    n_errors++;
}

struct walk {
    char ids[64][48];
    size_t n_ids;
    size_t n_svg, n_script, n_external;
    char svg_ids[8][32];
};

static bool local_ref(const char *v)
{
    while (*v == ' ' || *v == '\t' || *v == '\n')
        v++;
    return v[0] == '#' || strncmp(v, "data:", 5) == 0;
}

/* url(...) inside CSS text: only data: and #fragment allowed. */
static size_t external_urls(const char *css)
{
    size_t n = 0;
    for (const char *p = css; (p = strstr(p, "url(")); p += 4) {
        const char *v = p + 4;
        while (*v == '\'' || *v == '"' || *v == ' ')
            v++;
        if (!local_ref(v))
            n++;
    }
    return n + (strstr(css, "@import") != NULL);
}

static void walk(xmlNode *n, struct walk *w)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)n->name;
        if (strcmp(name, "script") == 0 || strcmp(name, "iframe") == 0 ||
            strcmp(name, "object") == 0 || strcmp(name, "embed") == 0)
            w->n_script++;
        if (strcmp(name, "style") == 0 && n->children && n->children->content)
            w->n_external += external_urls((const char *)n->children->content);
        for (xmlAttr *a = n->properties; a; a = a->next) {
            xmlChar *v = xmlNodeGetContent((xmlNode *)a);
            const char *an = (const char *)a->name;
            if (strcmp(an, "src") == 0 || strcmp(an, "href") == 0 ||
                strcmp(an, "action") == 0 || strcmp(an, "srcset") == 0 ||
                strcmp(an, "background") == 0 || strcmp(an, "poster") == 0)
                w->n_external += !local_ref((const char *)v);
            if (strcmp(an, "style") == 0)
                w->n_external += external_urls((const char *)v);
            if (strncmp(an, "on", 2) == 0)
                w->n_script++; /* an event handler attribute: an escaping failure */
            if (strcmp(an, "id") == 0) {
                if (strcmp(name, "svg") == 0 && w->n_svg < 8)
                    snprintf(w->svg_ids[w->n_svg++], 32, "%s", (const char *)v);
                if (strcmp(name, "section") == 0 && w->n_ids < 64)
                    snprintf(w->ids[w->n_ids++], 48, "%s", (const char *)v);
            }
            xmlFree(v);
        }
        walk(n->children, w);
    }
}

static xmlDoc *parse(const char *html, size_t len)
{
    n_errors = 0;
    xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc)on_error);
    xmlDoc *doc = htmlReadMemory(html, (int)len, "report.html", "UTF-8",
                                 HTML_PARSE_NONET | HTML_PARSE_NOWARNING);
    xmlSetStructuredErrorFunc(NULL, NULL);
    assert_non_null(doc);
    assert_int_equal(n_errors, 0);
    return doc;
}

static char *text_of(xmlDoc *doc)
{
    return (char *)xmlNodeGetContent(xmlDocGetRootElement(doc));
}

struct fixture {
    struct scan_result *scan;
    struct policy *pol;
    struct profile *prof;
    struct evaluation *ev;
    struct risk_set risks;
    char logo[64];
};

static const unsigned char png[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct diags d = {0};
    struct rm_err e;
    snprintf(fx->logo, sizeof fx->logo, "/tmp/riskmap-test-logo-%ld.png", (long)getpid());
    FILE *f = fopen(fx->logo, "wb");
    assert_non_null(f);
    fwrite(png, 1, sizeof png, f);
    fclose(f);
    char xml[2048];
    snprintf(xml, sizeof xml,
             "<?xml version=\"1.0\"?>\n<profile xmlns=\"urn:riskmap:profile:1\" version=\"1\">"
             "<client id=\"c\"><name>Harbor &lt;Dental&gt; &amp; Co</name></client>"
             "<branding msp-name=\"Northwind &quot;MSP&quot;\" logo=\"%s\" color=\"#123456\"/>"
             "<objective id=\"audit\"><title>Pass the HIPAA audit</title>"
             "<target quarter=\"2027-Q3\"/><serves initiative=\"retire-cleartext-admin\"/>"
             "<serves initiative=\"no-such-initiative\"/></objective></profile>\n", fx->logo);
    assert_int_equal(profile_load_buffer(xml, strlen(xml), "p.xml", &fx->prof, &d), 0);
    assert_int_equal(policy_load_ref("baseline", &fx->pol, &d), 0);
    diags_free(&d);
    fx->scan = hostile_scan();
    assert_int_equal(evaluate(fx->scan, &fx->pol, 1, fx->prof, NULL, &fx->ev, &e), 0);
    assert_int_equal(risk_score_scan(fx->scan, fx->ev, fx->prof, &fx->risks, &e), 0);
    assert_int_equal(fx->risks.n, 4);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    unlink(fx->logo);
    risk_set_free(&fx->risks);
    evaluation_free(fx->ev);
    scan_result_free(fx->scan);
    policy_free(fx->pol);
    profile_free(fx->prof);
    free(fx);
    return 0;
}

static void render(struct fixture *fx, const struct trend *t, struct diags *warn, char **html,
                   size_t *len)
{
    struct rm_err e;
    struct report_input in = {
        .scan = fx->scan, .ev = fx->ev, .risks = &fx->risks, .trend = t, .pols = &fx->pol,
        .n_pols = 1, .prof = fx->prof, .generated = "2026-11-22 12:00 UTC", .warnings = warn,
    };
    assert_int_equal(report_html(&in, html, len, &e), 0);
    assert_int_equal(strlen(*html), *len);
}

static void structure_and_escaping(void **state)
{
    struct fixture *fx = *state;
    struct trend_framework fw = {.id = "cis-v8", .pass = 3, .fail = 2};
    struct trend_point pts[2] = {
        {.scan_id = "a", .date = "2026-10-01", .worst = 25, .total = 80, .n_counted = 6,
         .fw = &fw, .n_fw = 1},
        {.scan_id = "b", .date = "2026-11-22", .worst = 20, .total = 62, .n_counted = 4,
         .n_new = 1, .n_resolved = 3},
    };
    struct trend t = {pts, 2};
    struct diags warn = {0};
    char *html;
    size_t len;
    render(fx, &t, &warn, &html, &len);
    assert_int_equal(warn.n, 0);
    xmlDoc *doc = parse(html, len);
    struct walk w = {0};
    walk(xmlDocGetRootElement(doc), &w);

    static const char *const sections[] = {"summary", "register", "roadmap", "controls", "hosts"};
    assert_int_equal(w.n_ids, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(w.ids[i], sections[i]);
    static const char *const charts[] = {"chart-heatmap", "chart-severity", "chart-trend",
                                         "chart-compliance", "chart-roadmap"};
    assert_int_equal(w.n_svg, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(w.svg_ids[i], charts[i]);
    assert_int_equal(w.n_script, 0);
    assert_int_equal(w.n_external, 0);

    /* The hostile strings are there, as text. */
    char *text = text_of(doc);
    assert_non_null(strstr(text, "Telnet open <script>alert(\"x\")</script>' onerror='alert(1)"));
    assert_non_null(strstr(text, "\"><img src=http://evil.example/x.png>"));
    assert_non_null(strstr(text, "https://evil.example/\"><a href=\"http://x\">"));
    assert_non_null(strstr(text, "<b>BusyBox</b> telnetd"));
    assert_non_null(strstr(text, "Harbor <Dental> & Co"));
    assert_non_null(strstr(text, "Prepared by Northwind \"MSP\""));
    /* Executive summary figures: total risk and what changed since the last scan. */
    assert_non_null(strstr(text, "Since the scan of 2026-10-01: total risk 80"));
    assert_non_null(strstr(text, "1 new, 3 resolved, 0 reopened"));
    /* Headline deltas against the previous scan: worst 25 -> 20 (this scan's own worst),
     * total 80 -> this scan's total. */
    char want[64];
    struct risk_headline hl = risk_headline(&fx->risks);
    snprintf(want, sizeof want, "\xe2\x96\xbc %d since 2026-10-01", hl.worst - 25);
    assert_non_null(strstr(text, want));
    /* Compliance per framework against the previous scan's counts (cis-v8: 3 pass, 2 fail). */
    const struct eval_framework *cis = NULL;
    for (size_t i = 0; i < fx->ev->n_frameworks; i++)
        if (strcmp(fx->ev->frameworks[i].id, "cis-v8") == 0)
            cis = &fx->ev->frameworks[i];
    assert_non_null(cis);
    long dp = (long)cis->count[ST_PASS] - 3, df = (long)cis->count[ST_FAIL] - 2;
    snprintf(want, sizeof want, "%s%ld pass, %s%ld fail", dp > 0 ? "+" : "", dp,
             df > 0 ? "+" : "", df);
    assert_non_null(strstr(text, want));
    assert_non_null(strstr(text, "Since 2026-10-01"));
    /* Scoring alone marks every risk first seen today: all are new, the biggest named. */
    snprintf(want, sizeof want, " new: %s on %s", fx->risks.v[0].title, fx->risks.v[0].asset);
    assert_non_null(strstr(text, want));
    assert_null(strstr(text, "single scan"));
    /* The objective the cleartext initiative serves; the unknown initiative noted. */
    assert_non_null(strstr(text, "Pass the HIPAA audit"));
    assert_non_null(strstr(text, "\"no-such-initiative\", which none of the applied policies"));
    /* Large evidence cut, with its size and digest; non-text bytes shown as \x01. */
    const struct evidence *ev = fx->scan->evidence[0];
    assert_non_null(strstr(text, ev->sha256));
    assert_non_null(strstr(text, "Truncated: the first 2,048 of 6,144 bytes"));
    assert_non_null(strstr(text, "\\x01"));
    assert_non_null(strstr(text, "Findings about assets that are not scanned hosts"));
    assert_non_null(strstr(text, "192.0.2.99: Asset outside the scan"));
    xmlFree(text);

    /* The raw text holds no tag from the findings. */
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<img src=http"));
    assert_null(strstr(html, "<b>BusyBox"));
    /* Branding: colour and the logo as a data: URI. */
    assert_non_null(strstr(html, ":root{--brand:#123456}"));
    assert_non_null(strstr(html, "src=\"data:image/png;base64,iVBORw0KGgo"));
    assert_non_null(strstr(html, "@media print"));
    xmlFreeDoc(doc);
    free(html);
    diags_free(&warn);
}

static void single_scan(void **state)
{
    struct fixture *fx = *state;
    /* A logo that is not an image is left out, with a warning. */
    FILE *f = fopen(fx->logo, "w");
    assert_non_null(f);
    fputs("<html><script>x</script></html>", f);
    fclose(f);
    struct diags warn = {0};
    char *html;
    size_t len;
    render(fx, NULL, &warn, &html, &len);
    assert_int_equal(warn.n, 1);
    assert_non_null(strstr(warn.msg[0], "neither PNG nor SVG"));
    xmlDoc *doc = parse(html, len);
    struct walk w = {0};
    walk(xmlDocGetRootElement(doc), &w);
    assert_int_equal(w.n_ids, 5);
    assert_int_equal(w.n_svg, 4); /* no trend chart for one scan */
    assert_int_equal(w.n_external, 0);
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "chart-trend"));
    assert_non_null(strstr(html, "id=\"single-scan\""));
    xmlFreeDoc(doc);
    free(html);
    diags_free(&warn);
}

/* Escaping of the buffer itself: markup, quotes, control bytes and broken UTF-8. */
static void escaping(void **state)
{
    (void)state;
    struct hbuf b = {0};
    hb_esc(&b, "a<b>&\"'\x01\x7f\xc3\xa9\xff\xe2\x82");
    assert_string_equal(b.p, "a&lt;b&gt;&amp;&quot;&#39;\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9"
                             "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    b.n = 0;
    hb_bytes(&b, (const unsigned char *)"ok\n\x00\x80<", 6);
    assert_string_equal(b.p, "ok\n\\x00\\x80&lt;");
    b.n = 0;
    hb_esc_trunc(&b, "ab\xc3\xa9<d", 3); /* a cut inside \xc3\xa9 backs up before it */
    assert_string_equal(b.p, "ab\xe2\x80\xa6");
    b.n = 0;
    hb_esc_trunc(&b, "a<b", 3);
    assert_string_equal(b.p, "a&lt;b");
    b.n = 0;
    hb_int(&b, 1234567);
    hb_put(&b, " ");
    hb_int(&b, -999);
    assert_string_equal(b.p, "1,234,567 -999");
    hbuf_free(&b);
    unsigned f;
    assert_int_equal(report_formats_parse("html,json", &f), 0);
    assert_int_equal(f, REPORT_HTML | REPORT_JSON);
    assert_int_equal(report_formats_parse("pdf", &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(structure_and_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(single_scan, setup, teardown),
        cmocka_unit_test(escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
