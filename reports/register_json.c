/* The register as JSON (reports/register_json.h). */
#include <string.h>

#include "reports/register_json.h"
#include "reports/risk.h"

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *risk_json(const struct risk *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_str(o, "fingerprint", r->fingerprint);
    add_str(o, "status", risk_status_name(r->status));
    add_str(o, "title", r->title);
    add_str(o, "kind", r->kind);
    add_str(o, "asset", r->asset);
    add_str(o, "address", r->address);
    cJSON_AddNumberToObject(o, "port", r->port);
    add_str(o, "severity", severity_name(r->severity));
    add_str(o, "criticality", criticality_name(r->criticality));
    cJSON_AddNumberToObject(o, "likelihood", r->likelihood);
    cJSON_AddNumberToObject(o, "impact", r->impact);
    cJSON_AddNumberToObject(o, "inherent", r->inherent);
    cJSON_AddNumberToObject(o, "residual", r->residual);
    add_str(o, "level", risk_level_name(risk_level_of(r->inherent)));
    if (r->cvss >= 0)
        cJSON_AddNumberToObject(o, "cvss", r->cvss);
    else
        cJSON_AddNullToObject(o, "cvss");
    cJSON_AddBoolToObject(o, "kev", r->kev);
    add_str(o, "policy", r->policy_id);
    add_str(o, "rule", r->rule_id);
    cJSON *c = cJSON_AddArrayToObject(o, "controls");
    for (size_t i = 0; c && i < r->n_controls; i++)
        cJSON_AddItemToArray(c, cJSON_CreateString(r->controls[i]));
    cJSON *f = cJSON_AddArrayToObject(o, "frameworks");
    for (size_t i = 0; f && i < r->n_refs; i++) {
        cJSON *x = cJSON_CreateObject();
        add_str(x, "framework", r->refs[i].framework);
        add_str(x, "id", r->refs[i].id);
        cJSON_AddItemToArray(f, x);
    }
    cJSON *rem = cJSON_AddObjectToObject(o, "remediation");
    if (rem) {
        add_str(rem, "text", r->remediation);
        add_str(rem, "initiative", r->initiative_id);
        add_str(rem, "initiative_title", r->initiative_title);
        cJSON_AddNumberToObject(rem, "effort_hours", r->effort_hours);
        add_str(rem, "cost", cost_band_name(r->cost));
    }
    add_str(o, "owner", r->owner);
    add_str(o, "due", r->due);
    add_str(o, "treatment", r->treatment);
    add_str(o, "accept_expires", r->accept_expires);
    add_str(o, "exception", r->exception_kind);
    add_str(o, "first_seen", r->first_seen[0] ? r->first_seen : NULL);
    add_str(o, "last_seen", r->last_seen[0] ? r->last_seen : NULL);
    return o;
}

static cJSON *point_json(const struct trend_point *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_str(o, "scan_id", p->scan_id);
    add_str(o, "date", p->date);
    cJSON_AddNumberToObject(o, "worst", p->worst);
    cJSON_AddNumberToObject(o, "total", (double)p->total);
    cJSON_AddNumberToObject(o, "counted", p->n_counted);
    cJSON_AddNumberToObject(o, "new", p->n_new);
    cJSON_AddNumberToObject(o, "resolved", p->n_resolved);
    cJSON_AddNumberToObject(o, "reopened", p->n_reopened);
    cJSON *fw = cJSON_AddArrayToObject(o, "frameworks");
    for (size_t i = 0; fw && i < p->n_fw; i++) {
        cJSON *x = cJSON_CreateObject();
        add_str(x, "id", p->fw[i].id);
        cJSON_AddNumberToObject(x, "pass", p->fw[i].pass);
        cJSON_AddNumberToObject(x, "fail", p->fw[i].fail);
        cJSON_AddNumberToObject(x, "partial", p->fw[i].partial);
        cJSON_AddNumberToObject(x, "not_checked", p->fw[i].not_checked);
        cJSON_AddItemToArray(fw, x);
    }
    return o;
}

cJSON *register_json(const struct risk_set *s, const struct trend *t)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "format", "riskmap-register");
    cJSON_AddNumberToObject(doc, "format_version", 1);
    add_str(doc, "scan_id", s->scan_id[0] ? s->scan_id : NULL);
    add_str(doc, "date", s->date[0] ? s->date : NULL);
    struct risk_headline h = risk_headline(s);
    cJSON *hd = cJSON_AddObjectToObject(doc, "headline");
    if (hd) {
        cJSON_AddNumberToObject(hd, "worst", h.worst);
        cJSON_AddNumberToObject(hd, "total", (double)h.total);
        cJSON_AddNumberToObject(hd, "counted", (double)h.n_counted);
        add_str(hd, "worst_fingerprint", h.n_counted ? s->v[h.worst_index].fingerprint : NULL);
    }
    size_t by[RISK_STATUS_COUNT] = {0};
    for (size_t i = 0; i < s->n; i++)
        if ((unsigned)s->v[i].status < RISK_STATUS_COUNT)
            by[s->v[i].status]++;
    cJSON *st = cJSON_AddObjectToObject(doc, "by_status");
    for (int i = 0; st && i < RISK_STATUS_COUNT; i++)
        cJSON_AddNumberToObject(st, risk_status_name((enum risk_status)i), (double)by[i]);
    cJSON *risks = cJSON_AddArrayToObject(doc, "risks");
    for (size_t i = 0; risks && i < s->n; i++) {
        cJSON *r = risk_json(&s->v[i]);
        if (!r)
            goto oom;
        cJSON_AddItemToArray(risks, r);
    }
    cJSON *tr = cJSON_AddArrayToObject(doc, "trend");
    for (size_t i = 0; tr && t && i < t->n; i++) {
        cJSON *p = point_json(&t->v[i]);
        if (!p)
            goto oom;
        cJSON_AddItemToArray(tr, p);
    }
    if (!hd || !st || !risks || !tr)
        goto oom;
    return doc;
oom:
    cJSON_Delete(doc);
    return NULL;
}
