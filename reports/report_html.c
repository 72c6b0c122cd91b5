/* The HTML report: document, style, branding and the executive summary. The other sections
 * are in report_sections.c and report_hosts.c. */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/report_html.h"
#include "reports/svg.h"
#include "scanner/atomic.h"

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1c2430;"
    "margin:0;background:#fff}"
    "header.brand{background:var(--brand);color:#fff;padding:18px 32px;display:flex;"
    "align-items:center;gap:20px}"
    "header.brand img{max-height:56px;max-width:200px;background:#fff;padding:4px;border-radius:4px}"
    "header.brand h1{margin:0;font-size:24px}header.brand p{margin:2px 0 0;opacity:.9}"
    "nav{padding:8px 32px;border-bottom:1px solid #dde3ea;font-size:13px}"
    "nav a{margin-right:16px;color:var(--brand);text-decoration:none}"
    "main{padding:0 32px 32px;max-width:1280px}"
    "section{margin-top:28px}h2{border-bottom:3px solid var(--brand);padding-bottom:4px}"
    "h3{margin:18px 0 6px}"
    ".figures{display:flex;flex-wrap:wrap;gap:16px}"
    ".fig{border:1px solid #dde3ea;border-radius:6px;padding:12px 16px;min-width:170px}"
    ".fig b{display:block;font-size:28px}.fig span{color:#56606b;font-size:12px}"
    ".charts{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}"
    ".chart{max-width:100%;height:auto;font-family:inherit}"
    ".charts .chart{width:430px}"
    "table{border-collapse:collapse;width:100%;font-size:12.5px;margin:6px 0 12px}"
    "th,td{border-bottom:1px solid #e3e8ee;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#f2f5f8}td.n,th.n{text-align:right}"
    "tbody.chunk{content-visibility:auto;contain-intrinsic-size:auto 11000px}"
    ".lv{display:inline-block;min-width:22px;text-align:center;color:#fff;border-radius:3px;"
    "padding:0 4px;font-weight:bold}"
    ".l0{background:#2e7d32}.l1{background:#7cb342}.l2{background:#f9a825;color:#222}"
    ".l3{background:#ef6c00}.l4{background:#c62828}"
    ".st-fail{color:#c62828;font-weight:bold}.st-pass{color:#2e7d32}.st-partial{color:#b26a00}"
    ".st-not-checked,.st-not-applicable{color:#78828c}"
    ".note{color:#56606b;font-style:italic}"
    "ol.top li{margin-bottom:6px}"
    "pre.ev{background:#f6f8fa;border:1px solid #e3e8ee;padding:6px;white-space:pre-wrap;"
    "word-break:break-all;font-size:11.5px;max-height:320px;overflow:auto}"
    ".host{border-top:1px solid #dde3ea;padding-top:6px}"
    "footer{padding:16px 32px;color:#56606b;font-size:12px;border-top:1px solid #dde3ea}"
    "@page{size:A4;margin:14mm}"
    "@media print{nav{display:none}header.brand{-webkit-print-color-adjust:exact;"
    "print-color-adjust:exact}.lv,rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "main{padding:0;max-width:none}section{break-before:page}section#summary{break-before:auto}"
    "tr,.fig,.chart,li{break-inside:avoid}thead{display:table-header-group}"
    "pre.ev{max-height:none;overflow:visible}a{color:inherit;text-decoration:none}"
    "tbody.chunk{content-visibility:visible}"
    "body{font-size:11px}table{font-size:10px}}";

void rh_badge(struct hbuf *b, int score)
{
    hb_put(b, "<span class=\"lv l");
    hb_dec(b, (int)risk_level_of(score));
    hb_put(b, "\">");
    hb_dec(b, score);
    hb_put(b, "</span>");
}

char *rh_base64(const unsigned char *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* A #rrggbb colour, or the default: the profile is validated, but a colour goes into CSS. */
static const char *brand_color(const struct profile *p)
{
    const char *c = p ? p->color : NULL;
    if (!c || strlen(c) != 7 || c[0] != '#')
        return "#1f5fa8";
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)c[i]))
            return "#1f5fa8";
    return c;
}

/* The logo as an <img> with a data: URI when it is a readable PNG or SVG file under the size
 * bound; otherwise nothing, with a warning. */
static void logo(struct rctx *c)
{
    const struct profile *p = c->in->prof;
    if (!p || !p->logo)
        return;
    char *data = NULL;
    size_t len = 0;
    struct rm_err e;
    /* A relative path is relative to the profile's directory, as its policy paths are. */
    char path[4096];
    const char *slash = p->source ? strrchr(p->source, '/') : NULL;
    if (p->logo[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - p->source), p->source, p->logo);
    else
        snprintf(path, sizeof path, "%s", p->logo);
    if (read_file_bounded(path, REPORT_LOGO_MAX, &data, &len, &e) < 0) {
        if (c->in->warnings)
            diags_addf(c->in->warnings, "logo %s not embedded: %s", p->logo, e.msg);
        return;
    }
    const char *type = NULL;
    if (len > 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
        type = "image/png";
    else if (strstr(data, "<svg") && strlen(data) == len)
        type = "image/svg+xml";
    if (!type) {
        if (c->in->warnings)
            diags_addf(c->in->warnings, "logo %s not embedded: neither PNG nor SVG", p->logo);
        free(data);
        return;
    }
    char *b64 = rh_base64((const unsigned char *)data, len);
    free(data);
    if (!b64) {
        c->b->oom = true;
        return;
    }
    hb_printf(c->b, "<img alt=\"logo\" src=\"data:%s;base64,", type);
    hb_put(c->b, b64);
    hb_put(c->b, "\">");
    free(b64);
}

static void level_word(struct hbuf *b, int score)
{
    hb_put(b, risk_level_name(risk_level_of(score)));
}

static const struct risk *worst_risk(const struct rctx *c)
{
    return c->hl.n_counted ? &c->in->risks->v[c->hl.worst_index] : NULL;
}

/* "+5 since 2026-10-01" under a headline figure, when the trend has an earlier scan. */
static void since(struct rctx *c, bool worst)
{
    const struct trend *t = c->in->trend;
    if (!t || t->n < 2)
        return;
    const struct trend_point *prev = &t->v[t->n - 2];
    long d = worst ? (long)c->hl.worst - prev->worst : c->hl.total - prev->total;
    hb_printf(c->b, "<br>%s%ld since ", d > 0 ? "&#9650; +" : d < 0 ? "&#9660; " : "= ", d);
    hb_esc(c->b, prev->date);
}

static void figures(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct risk *w = worst_risk(c);
    hb_put(b, "<div class=\"figures\">");
    hb_put(b, "<div class=\"fig\"><span>Worst single risk</span><b>");
    if (w) {
        rh_badge(b, w->residual);
        hb_put(b, "</b><span>");
        level_word(b, w->residual);
        hb_printf(b, " (%d of 25): ", w->residual);
        hb_esc(b, w->title);
        hb_put(b, " on ");
        hb_esc(b, w->asset);
    } else {
        hb_put(b, "0</b><span>no open risk");
    }
    since(c, true);
    hb_put(b, "</span></div><div class=\"fig\"><span>Total risk</span><b>");
    hb_int(b, c->hl.total);
    hb_put(b, "</b><span>sum of ");
    hb_int(b, (long long)c->hl.n_counted);
    hb_put(b, " open risks' scores");
    since(c, false);
    hb_put(b, "</span></div>");
    hb_put(b, "<div class=\"fig\"><span>Plan: effort</span><b>");
    hb_int(b, (long long)(c->rm->total_hours + 0.5));
    hb_put(b, " h</b><span>over ");
    hb_int(b, (long long)c->rm->n);
    hb_put(b, " initiatives</span></div><div class=\"fig\"><span>Plan: budget</span><b>");
    hb_int(b, (long long)(c->rm->total_budget + 0.5));
    hb_put(b, "</b><span>besides staff time (cost bands, see roadmap)</span></div></div>");
}

/* The scoring rule's rationale: why the risk matters, in the policy's plain words. */
static const char *rationale(const struct rctx *c, const struct risk *k)
{
    for (size_t i = 0; k->policy_id && k->rule_id && i < c->in->n_pols; i++) {
        const struct policy *p = c->in->pols[i];
        if (strcmp(p->id, k->policy_id) != 0)
            continue;
        for (size_t r = 0; r < p->n_rules; r++)
            if (strcmp(p->rules[r].id, k->rule_id) == 0)
                return p->rules[r].rationale;
    }
    return NULL;
}

static void top_risks(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct risk_set *s = c->in->risks;
    hb_put(b, "<h3>The five biggest risks</h3>");
    size_t shown = 0;
    for (size_t i = 0; i < s->n && shown < 5; i++) {
        const struct risk *k = &s->v[i];
        if (!risk_status_counts(k->status))
            continue;
        if (!shown)
            hb_put(b, "<ol class=\"top\">");
        shown++;
        hb_put(b, "<li>");
        rh_badge(b, k->residual);
        hb_put(b, " <b>");
        hb_esc(b, k->title);
        hb_put(b, "</b> on ");
        hb_esc(b, k->asset);
        if (k->port)
            hb_printf(b, " (port %u)", (unsigned)k->port);
        hb_put(b, ": a ");
        level_word(b, k->residual);
        hb_printf(b, " risk (likelihood %d of 5, impact %d of 5", k->likelihood, k->impact);
        if (k->criticality >= CRIT_HIGH)
            hb_printf(b, ", on a %s asset", criticality_name(k->criticality));
        hb_put(b, ").");
        if (k->kev)
            hb_put(b, " <b>Attackers are exploiting this weakness now</b> (CISA KEV).");
        const char *why = rationale(c, k);
        if (why) {
            hb_put(b, " Why it matters: ");
            hb_esc(b, why);
        }
        if (k->remediation) {
            hb_put(b, " What to do: ");
            hb_esc(b, k->remediation);
        }
        hb_put(b, "</li>");
    }
    if (shown)
        hb_put(b, "</ol>");
    else
        hb_put(b, "<p>No open risk: nothing the policies check for failed.</p>");
}

static void changes(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct trend *t = c->in->trend;
    hb_put(b, "<h3>What changed</h3>");
    if (!t || t->n < 2) {
        hb_put(b, "<p class=\"note\" id=\"single-scan\">This report covers a single scan: there "
                  "is no earlier scan of this client to compare with. Changes and the trend "
                  "appear from the second scan the register records.</p>");
        return;
    }
    const struct trend_point *now = &t->v[t->n - 1], *prev = &t->v[t->n - 2];
    hb_put(b, "<p>Since the scan of ");
    hb_esc(b, prev->date);
    hb_put(b, ": total risk ");
    hb_int(b, prev->total);
    hb_put(b, " &#8594; ");
    hb_int(b, now->total);
    long d = now->total - prev->total;
    hb_printf(b, " (%s%ld), worst single risk %d &#8594; %d; %u new, %u resolved, %u reopened "
                 "risks.</p>", d > 0 ? "+" : "", d, prev->worst, now->worst, now->n_new,
              now->n_resolved, now->n_reopened);
    /* The new and reopened ones by name, biggest first (the register's first-seen date is
     * this scan's for a new risk). */
    const struct risk_set *rs = c->in->risks;
    size_t shown = 0;
    for (size_t i = 0; i < rs->n && shown < 5; i++) {
        const struct risk *k = &rs->v[i];
        bool fresh = strcmp(k->first_seen, rs->date) == 0, back = k->status == RISK_REOPENED;
        if (!risk_status_counts(k->status) || (!fresh && !back))
            continue;
        hb_put(b, shown++ ? "" : "<ul class=\"changes\">");
        hb_put(b, "<li>");
        rh_badge(b, k->residual);
        hb_put(b, back ? " reopened: " : " new: ");
        hb_esc(b, k->title);
        hb_put(b, " on ");
        hb_esc(b, k->asset);
        hb_put(b, "</li>");
    }
    if (shown)
        hb_put(b, "</ul>");
    hb_put(b, "<div class=\"charts\">");
    svg_trend(b, t);
    hb_put(b, "</div>");
}

static void costs(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct roadmap *r = c->rm;
    hb_put(b, "<h3>What it costs</h3><p>Fixing every open risk takes about ");
    hb_int(b, (long long)(r->total_hours + 0.5));
    hb_put(b, " hours of work and a budget of about ");
    hb_int(b, (long long)(r->total_budget + 0.5));
    hb_put(b, " for purchases and services, planned as:</p><table><thead><tr><th>Quarter</th>"
              "<th class=\"n\">Effort (h)</th><th class=\"n\">Budget</th>"
              "<th class=\"n\">Risk reduced</th></tr></thead><tbody>");
    for (int k = 0; k < ROADMAP_QUARTERS; k++) {
        hb_printf(b, "<tr><td>%s</td><td class=\"n\">", r->q[k].label);
        hb_int(b, (long long)(r->q[k].hours + 0.5));
        hb_put(b, "</td><td class=\"n\">");
        hb_int(b, (long long)(r->q[k].budget + 0.5));
        hb_put(b, "</td><td class=\"n\">");
        hb_int(b, r->q[k].reduction);
        hb_put(b, "</td></tr>");
    }
    if (r->later_hours > 0) {
        hb_put(b, "<tr><td>later (beyond capacity)</td><td class=\"n\">");
        hb_int(b, (long long)(r->later_hours + 0.5));
        hb_put(b, "</td><td class=\"n\">");
        hb_int(b, (long long)(r->later_budget + 0.5));
        hb_put(b, "</td><td class=\"n\"></td></tr>");
    }
    hb_put(b, "<tr><th>Total</th><th class=\"n\">");
    hb_int(b, (long long)(r->total_hours + 0.5));
    hb_put(b, "</th><th class=\"n\">");
    hb_int(b, (long long)(r->total_budget + 0.5));
    hb_put(b, "</th><th class=\"n\">");
    hb_int(b, r->total_reduction);
    hb_put(b, "</th></tr></tbody></table>");
}

/* The business objectives and whether the plan meets their targets. */
static void objectives(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct profile *p = c->in->prof;
    if (!p || !p->n_objectives)
        return;
    hb_put(b, "<h3>What it does for the business</h3><ul class=\"objectives\">");
    for (size_t i = 0; i < p->n_objectives; i++) {
        const struct prof_objective *o = &p->objectives[i];
        struct rm_objective_status st = roadmap_objective(c->rm, o);
        hb_put(b, "<li><b>");
        hb_esc(b, o->title);
        hb_put(b, "</b>");
        if (o->target_quarter || o->target_date[0]) {
            hb_put(b, " (target ");
            hb_esc(b, o->target_date[0] ? o->target_date : o->target_quarter);
            hb_put(b, ")");
        }
        hb_put(b, ": ");
        if (!st.n_initiatives) {
            hb_put(b, "no open risk stands in its way.</li>");
            continue;
        }
        hb_printf(b, "%zu initiative%s serve%s it, ", st.n_initiatives,
                  st.n_initiatives == 1 ? "" : "s", st.n_initiatives == 1 ? "s" : "");
        if (st.done >= ROADMAP_QUARTERS)
            hb_put(b, "not all of it within the next four quarters");
        else
            hb_printf(b, "done by the end of %s", c->rm->q[st.done].label);
        if (st.target >= -1 && st.done > st.target && st.target < ROADMAP_QUARTERS)
            hb_put(b, " &#8212; <b class=\"st-fail\">later than the target</b>: more capacity "
                      "or budget would bring it forward");
        else if (st.target >= -1)
            hb_put(b, " &#8212; on track");
        hb_put(b, ".</li>");
    }
    hb_put(b, "</ul>");
}

/* Change of one framework's pass and fail counts since the previous scan of the trend. */
static void since_fw(struct hbuf *b, const struct trend_point *prev,
                     const struct eval_framework *fw)
{
    hb_put(b, "<td>");
    for (size_t i = 0; i < prev->n_fw; i++) {
        const struct trend_framework *tf = &prev->fw[i];
        if (strcmp(tf->id, fw->id) != 0)
            continue;
        long dp = (long)fw->count[ST_PASS] - tf->pass, df = (long)fw->count[ST_FAIL] - tf->fail;
        hb_printf(b, "%s%ld pass, %s%ld fail", dp > 0 ? "+" : "", dp, df > 0 ? "+" : "", df);
        break;
    }
    hb_put(b, "</td>");
}

static void glance(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct evaluation *ev = c->in->ev;
    const struct trend *t = c->in->trend;
    const struct trend_point *prev = t && t->n >= 2 ? &t->v[t->n - 2] : NULL;
    hb_put(b, "<h3>Compliance at a glance</h3><table><thead><tr><th>Framework</th>"
              "<th class=\"n\">Items</th><th class=\"n\">Pass</th><th class=\"n\">Partial</th>"
              "<th class=\"n\">Fail</th><th class=\"n\">Not checked</th>"
              "<th class=\"n\">Passing of checked</th>");
    if (prev) {
        hb_put(b, "<th>Since ");
        hb_esc(b, prev->date);
        hb_put(b, "</th>");
    }
    hb_put(b, "</tr></thead><tbody>");
    for (size_t f = 0; f < ev->n_frameworks; f++) {
        const struct eval_framework *fw = &ev->frameworks[f];
        size_t checked = fw->count[ST_PASS] + fw->count[ST_PARTIAL] + fw->count[ST_FAIL];
        hb_put(b, "<tr><td>");
        hb_esc(b, fw->title);
        if (fw->version) {
            hb_put(b, " ");
            hb_esc(b, fw->version);
        }
        hb_printf(b, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%zu"
                     "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">",
                  fw->n_items, fw->count[ST_PASS], fw->count[ST_PARTIAL], fw->count[ST_FAIL],
                  fw->count[ST_NOT_CHECKED]);
        if (checked)
            hb_printf(b, "%.0f%%", 100.0 * (double)fw->count[ST_PASS] / (double)checked);
        else
            hb_put(b, "&#8212;");
        hb_put(b, "</td>");
        if (prev)
            since_fw(b, prev, fw);
        hb_put(b, "</tr>");
    }
    hb_put(b, "</tbody></table>");
}

static void summary(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct scan_result *scan = c->in->scan;
    hb_put(b, "<section id=\"summary\"><h2>Executive summary</h2><p>");
    hb_put(b, "riskmap scanned ");
    hb_int(b, (long long)scan->n_hosts);
    hb_put(b, " systems and found ");
    hb_int(b, (long long)scan->n_findings);
    hb_put(b, " findings; ");
    hb_int(b, (long long)c->hl.n_counted);
    hb_put(b, " of them are open risks under the policies applied (");
    for (size_t i = 0; i < c->in->n_pols; i++) {
        hb_put(b, i ? ", " : "");
        hb_esc(b, c->in->pols[i]->title);
    }
    hb_put(b, ").");
    if (!scan->meta.complete)
        hb_put(b, " <b>The scan did not complete</b>: controls it could not assess are shown "
                  "as not checked, never as passing.");
    hb_put(b, "</p>");
    figures(c);
    top_risks(c);
    hb_put(b, "<div class=\"charts\">");
    svg_heatmap(b, c->in->risks);
    svg_severity(b, scan);
    hb_put(b, "</div>");
    changes(c);
    costs(c);
    objectives(c);
    glance(c);
    hb_put(b, "<div class=\"charts\">");
    svg_compliance(b, c->in->ev);
    hb_put(b, "</div></section>");
}

static void head(struct rctx *c, const char *generated)
{
    struct hbuf *b = c->b;
    const struct profile *p = c->in->prof;
    const struct scan_result *scan = c->in->scan;
    hb_put(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
              "<meta name=\"generator\" content=\"riskmap " RISKMAP_VERSION "\"><title>");
    hb_put(b, "Security risk report");
    if (p) {
        hb_put(b, ": ");
        hb_esc(b, p->client_name);
    }
    hb_put(b, "</title><style>");
    hb_printf(b, ":root{--brand:%s}", brand_color(p));
    hb_put(b, css);
    hb_put(b, "</style></head><body><header class=\"brand\">");
    logo(c);
    hb_put(b, "<div><h1>Security risk report");
    if (p) {
        hb_put(b, ": ");
        hb_esc(b, p->client_name);
    }
    hb_put(b, "</h1><p>");
    if (p && p->msp_name) {
        hb_put(b, "Prepared by ");
        hb_esc(b, p->msp_name);
        hb_put(b, " &#183; ");
    }
    hb_put(b, "scan of ");
    hb_esc(b, c->in->risks->date);
    hb_put(b, " &#183; generated ");
    hb_esc(b, generated);
    hb_put(b, " &#183; scan ");
    hb_esc(b, scan->meta.id ? scan->meta.id : "(no id)");
    hb_put(b, "</p></div></header><nav><a href=\"#summary\">Summary</a><a href=\"#register\">"
              "Risk register</a><a href=\"#roadmap\">Roadmap</a><a href=\"#controls\">Controls"
              "</a><a href=\"#hosts\">Technical detail</a></nav><main>");
}

int report_html(const struct report_input *in, char **out, size_t *len, struct rm_err *e)
{
    *out = NULL;
    *len = 0;
    struct roadmap *own = NULL;
    if (!in->roadmap && roadmap_build(in->risks, in->scan, in->pols, in->n_pols, in->prof, NULL,
                                      &own, e) < 0)
        return -1;
    struct hbuf b = {0};
    /* A register row is some 300 bytes (80,000 risks: a 25 MiB report): room for all up
     * front, not a buffer copied at each doubling. */
    hb_reserve(&b, 65536 + 384 * in->risks->n);
    struct rctx c = {&b, in, in->roadmap ? in->roadmap : own, risk_headline(in->risks)};
    char gen[32];
    if (in->generated) {
        snprintf(gen, sizeof gen, "%s", in->generated);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(gen, sizeof gen, "%Y-%m-%d %H:%M UTC", &tm);
    }
    head(&c, gen);
    summary(&c);
    rh_register(&c);
    rh_roadmap(&c);
    rh_controls(&c);
    rh_hosts(&c);
    hb_put(&b, "</main><footer>Scores follow riskmap's documented method (likelihood &#215; "
               "impact on 1&#8211;5 scales, adjusted by asset criticality, CVSS and the KEV "
               "catalog; docs/risk-scoring.md); the roadmap's method is in docs/roadmap.md. "
               "Every figure traces back to the findings and evidence of the scan result.");
    if (in->prof && in->prof->msp_name) {
        hb_put(&b, " Prepared by ");
        hb_esc(&b, in->prof->msp_name);
        hb_put(&b, ".");
    }
    hb_put(&b, "</footer></body></html>\n");
    roadmap_free(own);
    if (hbuf_failed(&b)) {
        hbuf_free(&b);
        return rm_errf(e, "report: out of memory");
    }
    *out = b.p;
    *len = b.n;
    return 0;
}
