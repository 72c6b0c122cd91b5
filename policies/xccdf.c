#include "policies/xccdf.h"

#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MESSAGES 50 /* failing findings listed per rule-result; more are counted */

static xmlNode *el(xmlNode *parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
}

static void at(xmlNode *n, const char *name, const char *value)
{
    xmlNewProp(n, (const xmlChar *)name, (const xmlChar *)value);
}

static const char *xccdf_severity(enum severity s)
{
    switch (s) {
    case SEV_INFO:
        return "info";
    case SEV_LOW:
        return "low";
    case SEV_MEDIUM:
        return "medium";
    case SEV_HIGH:
    case SEV_CRITICAL:
        return "high"; /* XCCDF has no "critical" */
    }
    return "unknown";
}

static void id_of(char *buf, size_t len, const char *type, const char *a, const char *b,
                  const char *c)
{
    snprintf(buf, len, "xccdf_" XCCDF_VENDOR "_%s_%s%s%s%s%s", type, a, b ? "." : "",
             b ? b : "", c ? "." : "", c ? c : "");
}

static void refs(xmlNode *n, const struct pol_control *c, const char *elem)
{
    for (size_t i = 0; i < c->n_refs; i++) {
        char sys[128];
        snprintf(sys, sizeof sys, "urn:riskmap:framework:%s", c->refs[i].framework);
        xmlNode *r = el(n, elem, c->refs[i].id);
        at(r, strcmp(elem, "ident") == 0 ? "system" : "href", sys);
    }
}

/* The link to what decided a result: the finding kinds a rule matches in the scan result, or
 * the client profile's answer for a manual control. */
static void check_ref(xmlNode *n, const struct pol_rule *r, const char *control)
{
    xmlNode *ck = xmlNewChild(n, NULL, (const xmlChar *)"check", NULL);
    at(ck, "system", r ? "urn:riskmap:check:finding-kind" : "urn:riskmap:check:manual-answer");
    for (size_t k = 0; r && k < r->n_kinds; k++) {
        xmlNode *ref = xmlNewChild(ck, NULL, (const xmlChar *)"check-content-ref", NULL);
        at(ref, "href", "urn:riskmap:scan-result");
        at(ref, "name", r->kinds[k]);
    }
    if (!r) {
        xmlNode *ref = xmlNewChild(ck, NULL, (const xmlChar *)"check-content-ref", NULL);
        at(ref, "href", "urn:riskmap:client-profile");
        at(ref, "name", control);
    }
}

/* The result of one rule and how many failing / accepted findings it has. */
struct rule_outcome {
    const char *result;
    size_t failing, accepted, info;
    const struct prof_accept *accept; /* one of the accepted risks, for the message */
};

static struct rule_outcome outcome(const struct eval_control *ec, size_t rule,
                                   const struct scan_result *scan, const struct profile *prof)
{
    const struct policy *p = ec->policy;
    const struct pol_rule *r = &p->rules[rule];
    struct rule_outcome o = {0};
    for (size_t i = 0; i < ec->n_hits; i++) {
        const struct eval_hit *h = &ec->hits[i];
        if (h->rule != rule)
            continue;
        if (r->severity == SEV_INFO)
            o.info++;
        else if (h->accepted == ACC_ACCEPTED) {
            o.accepted++;
            o.accept = h->accept;
        } else
            o.failing++;
    }
    if (eval_rule_disabled(prof, p, r))
        o.result = "notselected";
    else if (o.failing)
        o.result = "fail";
    else if (!eval_rule_assessable(scan, r))
        o.result = "notchecked";
    else if (o.info)
        o.result = "informational";
    else
        o.result = "pass";
    return o;
}

static void add_rule(xmlNode *group, const struct policy *p, const struct pol_control *c,
                     const struct pol_rule *r, const struct profile *prof)
{
    char id[256], title[300];
    id_of(id, sizeof id, "rule", p->id, r->id, NULL);
    xmlNode *n = xmlNewChild(group, NULL, (const xmlChar *)"Rule", NULL);
    at(n, "id", id);
    at(n, "selected", eval_rule_disabled(prof, p, r) ? "false" : "true");
    at(n, "severity", xccdf_severity(r->severity));
    snprintf(title, sizeof title, "%s: ", c->title);
    for (size_t k = 0; k < r->n_kinds; k++)
        snprintf(title + strlen(title), sizeof title - strlen(title), "%s%s", k ? ", " : "",
                 r->kinds[k]);
    el(n, "title", title);
    char desc[200];
    snprintf(desc, sizeof desc, "Fails on findings of kind %s%s (likelihood %d, impact %d).",
             r->kinds[0], r->n_kinds > 1 ? " and others" : "", r->likelihood, r->impact);
    el(n, "description", desc);
    refs(n, c, "reference");
    if (r->rationale)
        el(n, "rationale", r->rationale);
    refs(n, c, "ident");
    if (r->has_remediation)
        el(n, "fixtext", r->remediation.text);
    check_ref(n, r, NULL);
}

static void add_manual_rule(xmlNode *group, const struct policy *p, const struct pol_control *c)
{
    char id[256];
    id_of(id, sizeof id, "rule", p->id, c->id, "manual");
    xmlNode *n = xmlNewChild(group, NULL, (const xmlChar *)"Rule", NULL);
    at(n, "id", id);
    at(n, "role", "unchecked");
    el(n, "title", c->title);
    el(n, "question", c->manual_question);
    refs(n, c, "reference");
    refs(n, c, "ident");
    check_ref(n, NULL, c->id);
}

static void add_result(xmlNode *tr, const char *rule_id, const char *severity,
                       const char *result, const struct pol_control *c)
{
    xmlNode *rr = xmlNewChild(tr, NULL, (const xmlChar *)"rule-result", NULL);
    at(rr, "idref", rule_id);
    if (severity)
        at(rr, "severity", severity);
    el(rr, "result", result);
    (void)c;
}

static xmlDoc *build(const struct evaluation *ev, const struct scan_result *scan,
                     const struct profile *prof, struct policy *const *pols, size_t n)
{
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    if (!doc)
        return NULL;
    xmlNode *bm = xmlNewNode(NULL, (const xmlChar *)"Benchmark");
    xmlDocSetRootElement(doc, bm);
    xmlNs *ns = xmlNewNs(bm, (const xmlChar *)XCCDF_NS, NULL);
    xmlSetNs(bm, ns);
    char ids[200] = "", id[256];
    for (size_t i = 0; i < n; i++)
        snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%s", i ? "-" : "", pols[i]->id);
    id_of(id, sizeof id, "benchmark", ids, NULL, NULL);
    at(bm, "id", id);
    at(bm, "resolved", "true");
    xmlNodeSetLang(bm, (const xmlChar *)"en");
    xmlNode *st = el(bm, "status", "accepted");
    at(st, "date", ev->date);
    char title[300] = "riskmap policies:";
    for (size_t i = 0; i < n; i++)
        snprintf(title + strlen(title), sizeof title - strlen(title), "%s %s %s", i ? "," : "",
                 pols[i]->title, pols[i]->version);
    el(bm, "title", title);
    el(bm, "description", "Findings of a riskmap scan evaluated against riskmap policies "
                          "(controls with references into compliance frameworks).");
    el(bm, "version", RISKMAP_VERSION);
    xmlNode *md = xmlNewChild(bm, NULL, (const xmlChar *)"metadata", NULL);
    xmlNs *dc = xmlNewNs(md, (const xmlChar *)"http://purl.org/dc/elements/1.1/", (const xmlChar *)"dc");
    xmlNewTextChild(md, dc, (const xmlChar *)"creator", (const xmlChar *)"riskmap " RISKMAP_VERSION);

    for (size_t pi = 0; pi < n; pi++) {
        const struct policy *p = pols[pi];
        xmlNode *pg = xmlNewChild(bm, NULL, (const xmlChar *)"Group", NULL);
        id_of(id, sizeof id, "group", p->id, NULL, NULL);
        at(pg, "id", id);
        el(pg, "title", p->title);
        if (p->description)
            el(pg, "description", p->description);
        for (size_t ci = 0; ci < p->n_controls; ci++) {
            const struct pol_control *c = &p->controls[ci];
            xmlNode *cg = xmlNewChild(pg, NULL, (const xmlChar *)"Group", NULL);
            id_of(id, sizeof id, "group", p->id, c->id, NULL);
            at(cg, "id", id);
            el(cg, "title", c->title);
            if (c->description)
                el(cg, "description", c->description);
            refs(cg, c, "reference");
            if (c->manual_question)
                add_manual_rule(cg, p, c);
            for (size_t r = 0; r < p->n_rules; r++)
                if (p->rules[r].control == ci)
                    add_rule(cg, p, c, &p->rules[r], prof);
        }
    }

    xmlNode *tr = xmlNewChild(bm, NULL, (const xmlChar *)"TestResult", NULL);
    id_of(id, sizeof id, "testresult", scan->meta.id ? scan->meta.id : "scan", NULL, NULL);
    at(tr, "id", id);
    char when[40];
    snprintf(when, sizeof when, "%sT00:00:00Z", ev->date);
    if (scan->meta.started_utc)
        at(tr, "start-time", scan->meta.started_utc);
    at(tr, "end-time", scan->meta.finished_utc ? scan->meta.finished_utc
                       : scan->meta.started_utc ? scan->meta.started_utc : when);
    at(tr, "test-system", "riskmap " RISKMAP_VERSION);
    snprintf(title, sizeof title, "riskmap evaluation%s%s", prof ? " for " : "",
             prof ? prof->client_name : "");
    el(tr, "title", title);
    if (prof)
        el(tr, "organization", prof->client_name);
    xmlNode *idn = el(tr, "identity", scan->meta.operator_name ? scan->meta.operator_name
                                                                : "unknown");
    at(idn, "authenticated", "false");
    at(idn, "privileged", "false");
    for (size_t i = 0; i < scan->meta.n_targets; i++)
        el(tr, "target", scan->meta.targets[i]);
    if (!scan->meta.n_targets)
        el(tr, "target", scan->meta.scanner_host ? scan->meta.scanner_host : "unknown");
    for (size_t h = 0; h < scan->n_hosts; h++) {
        char a[RM_ADDRSTRLEN];
        el(tr, "target-address", addr_str(&scan->hosts[h].addr, a, sizeof a));
    }

    size_t scored = 0, passed = 0;
    for (size_t ci = 0; ci < ev->n_controls; ci++) {
        const struct eval_control *ec = &ev->controls[ci];
        const struct policy *p = ec->policy;
        const struct pol_control *c = &p->controls[ec->control];
        if (c->manual_question) {
            const char *res = "notchecked";
            if (ec->answer)
                res = strcmp(ec->answer->result, "pass") == 0             ? "pass"
                      : strcmp(ec->answer->result, "not-applicable") == 0 ? "notapplicable"
                                                                          : "fail";
            id_of(id, sizeof id, "rule", p->id, c->id, "manual");
            add_result(tr, id, NULL, res, c);
            xmlNode *rr = xmlGetLastChild(tr);
            refs(rr, c, "ident");
            if (ec->answer) {
                char msg[600];
                snprintf(msg, sizeof msg, "answered %s by %s on %s%s%s", ec->answer->result,
                         ec->answer->by, ec->answer->date, ec->answer->note ? ": " : "",
                         ec->answer->note ? ec->answer->note : "");
                at(el(rr, "message", msg), "severity", "info");
            }
            check_ref(rr, NULL, c->id);
            scored += strcmp(res, "pass") == 0 || strcmp(res, "fail") == 0;
            passed += strcmp(res, "pass") == 0;
        }
        for (size_t r = 0; r < p->n_rules; r++) {
            if (p->rules[r].control != ec->control)
                continue;
            const struct pol_rule *rule = &p->rules[r];
            struct rule_outcome o = outcome(ec, r, scan, prof);
            id_of(id, sizeof id, "rule", p->id, rule->id, NULL);
            add_result(tr, id, xccdf_severity(rule->severity), o.result, c);
            xmlNode *rr = xmlGetLastChild(tr);
            refs(rr, c, "ident");
            size_t shown = 0;
            for (size_t i = 0; i < ec->n_hits; i++) {
                const struct eval_hit *h = &ec->hits[i];
                if (h->rule != r || rule->severity == SEV_INFO || h->accepted == ACC_ACCEPTED)
                    continue;
                if (shown++ == MAX_MESSAGES)
                    break;
                const struct finding *f = scan->findings[h->finding];
                char a[RM_ADDRSTRLEN], msg[400];
                snprintf(msg, sizeof msg, "%s on %s port %u (%s asset%s), finding %zu, "
                         "fingerprint %s", f->kind, finding_asset_label(f, a, sizeof a),
                         (unsigned)f->port, criticality_name(h->criticality),
                         h->accepted == ACC_EXPIRED ? ", risk acceptance expired" : "",
                         (size_t)h->finding, f->fingerprint);
                at(el(rr, "message", msg), "severity", "error");
            }
            if (o.failing > MAX_MESSAGES) {
                char msg[80];
                snprintf(msg, sizeof msg, "and %zu more failing findings",
                         o.failing - MAX_MESSAGES);
                at(el(rr, "message", msg), "severity", "error");
            }
            /* Accepted risks are messages, not <override>: oscap 1.3.7's schematron rejects
             * every rule-result of a TestResult holding any override whose new-result differs
             * from that rule-result's own result. */
            if (o.accepted) {
                char msg[700];
                snprintf(msg, sizeof msg, "%zu finding%s covered by a risk accepted by %s until "
                         "%s: %s", o.accepted, o.accepted == 1 ? "" : "s", o.accept->owner,
                         o.accept->expires, o.accept->reason);
                at(el(rr, "message", msg), "severity", "warning");
            }
            check_ref(rr, rule, NULL);
            scored += strcmp(o.result, "pass") == 0 || strcmp(o.result, "fail") == 0;
            passed += strcmp(o.result, "pass") == 0;
        }
    }
    char num[32], max[32];
    snprintf(num, sizeof num, "%zu", passed);
    snprintf(max, sizeof max, "%zu", scored);
    xmlNode *sc = el(tr, "score", num);
    at(sc, "system", "urn:xccdf:scoring:flat-unweighted");
    at(sc, "maximum", max);
    return doc;
}

/* Serialises doc (and frees it) into a new NUL-terminated buffer. */
static int dump(xmlDoc *doc, char **out, size_t *len, struct rm_err *e)
{
    xmlChar *buf = NULL;
    int blen = 0;
    *out = NULL;
    if (doc)
        xmlDocDumpFormatMemoryEnc(doc, &buf, &blen, "UTF-8", 1);
    xmlFreeDoc(doc);
    if (!buf || blen <= 0)
        return rm_errf(e, "xccdf: out of memory");
    *out = malloc((size_t)blen + 1);
    if (*out) {
        memcpy(*out, buf, (size_t)blen);
        (*out)[blen] = '\0';
        *len = (size_t)blen;
    }
    xmlFree(buf);
    return *out ? 0 : rm_errf(e, "xccdf: out of memory");
}

int xccdf_export(const struct evaluation *ev, const struct scan_result *scan,
                 const struct profile *prof, struct policy *const *pols, size_t n, char **out,
                 size_t *len, struct rm_err *e)
{
    return dump(build(ev, scan, prof, pols, n), out, len, e);
}

#define ARF_NS "http://scap.nist.gov/schema/asset-reporting-format/1.1"
#define CORE_NS "http://scap.nist.gov/schema/reporting-core/1.1"
#define AI_NS "http://scap.nist.gov/schema/asset-identification/1.1"

int arf_export(const struct evaluation *ev, const struct scan_result *scan,
               const struct profile *prof, struct policy *const *pols, size_t n, char **out,
               size_t *len, struct rm_err *e)
{
    xmlDoc *x = build(ev, scan, prof, pols, n);
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    if (!x || !doc) {
        xmlFreeDoc(x);
        xmlFreeDoc(doc);
        return rm_errf(e, "arf: out of memory");
    }
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"asset-report-collection");
    xmlDocSetRootElement(doc, root);
    xmlNs *arf = xmlNewNs(root, (const xmlChar *)ARF_NS, (const xmlChar *)"arf");
    xmlNs *core = xmlNewNs(root, (const xmlChar *)CORE_NS, (const xmlChar *)"core");
    xmlNs *ai = xmlNewNs(root, (const xmlChar *)AI_NS, (const xmlChar *)"ai");
    xmlNewNs(root, (const xmlChar *)"http://scap.nist.gov/specifications/arf/vocabulary/relationships/1.0#",
             (const xmlChar *)"arfvocab");
    xmlSetNs(root, arf);

    /* The report is about every host the scan found up. */
    char aid[32];
    if (scan->n_hosts) {
        xmlNode *rels = xmlNewChild(root, core, (const xmlChar *)"relationships", NULL);
        xmlNode *rel = xmlNewChild(rels, core, (const xmlChar *)"relationship", NULL);
        at(rel, "type", "arfvocab:isAbout");
        at(rel, "subject", "xccdf1");
        for (size_t h = 0; h < scan->n_hosts; h++) {
            snprintf(aid, sizeof aid, "asset%zu", h);
            xmlNewTextChild(rel, core, (const xmlChar *)"ref", (const xmlChar *)aid);
        }
        xmlNode *assets = xmlNewChild(root, arf, (const xmlChar *)"assets", NULL);
        for (size_t h = 0; h < scan->n_hosts; h++) {
            char a[RM_ADDRSTRLEN];
            snprintf(aid, sizeof aid, "asset%zu", h);
            xmlNode *as = xmlNewChild(assets, arf, (const xmlChar *)"asset", NULL);
            at(as, "id", aid);
            xmlNode *cd = xmlNewChild(as, ai, (const xmlChar *)"computing-device", NULL);
            xmlNode *cs = xmlNewChild(cd, ai, (const xmlChar *)"connections", NULL);
            xmlNode *c = xmlNewChild(cs, ai, (const xmlChar *)"connection", NULL);
            xmlNode *ip = xmlNewChild(c, ai, (const xmlChar *)"ip-address", NULL);
            xmlNewTextChild(ip, ai,
                            (const xmlChar *)(scan->hosts[h].addr.family == AF_INET6 ? "ip-v6"
                                                                                      : "ip-v4"),
                            (const xmlChar *)addr_str(&scan->hosts[h].addr, a, sizeof a));
        }
    }
    xmlNode *reports = xmlNewChild(root, arf, (const xmlChar *)"reports", NULL);
    xmlNode *rep = xmlNewChild(reports, arf, (const xmlChar *)"report", NULL);
    at(rep, "id", "xccdf1");
    xmlNode *content = xmlNewChild(rep, arf, (const xmlChar *)"content", NULL);
    xmlNode *tr = NULL;
    for (xmlNode *c = xmlDocGetRootElement(x)->children; c && !tr; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "TestResult") == 0)
            tr = c;
    xmlNode *copy = tr ? xmlDocCopyNode(tr, doc, 1) : NULL;
    xmlFreeDoc(x);
    if (!copy) {
        xmlFreeDoc(doc);
        return rm_errf(e, "arf: out of memory");
    }
    xmlAddChild(content, copy);
    xmlReconciliateNs(doc, copy);
    return dump(doc, out, len, e);
}
