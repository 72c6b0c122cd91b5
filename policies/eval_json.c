/* The evaluation as JSON: per framework the summary and each item's status; per control its
 * status, reason, references and rules with the findings each took (indices into the scan
 * result's findings); each such finding once, with fingerprint, asset and criticality, so every
 * figure traces back to evidence; and the risk acceptances that applied. Compact on purpose:
 * 100,000 findings meet several controls each. */
#include <stdio.h>
#include <stdlib.h>

#include "policies/eval.h"

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *finding_json(const struct eval_hit *h, const struct scan_result *scan)
{
    const struct finding *f = scan->findings[h->finding];
    char addr[RM_ADDRSTRLEN];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "index", (double)h->finding);
    cJSON_AddStringToObject(o, "fingerprint", f->fingerprint);
    cJSON_AddStringToObject(o, "kind", f->kind);
    cJSON_AddStringToObject(o, "asset", addr_str(&f->addr, addr, sizeof addr));
    cJSON_AddNumberToObject(o, "port", f->port);
    cJSON_AddStringToObject(o, "criticality", criticality_name(h->criticality));
    cJSON_AddItemToObject(o, "asset_group", str_or_null(h->group ? h->group->id : NULL));
    return o;
}

/* A rule of a control with the findings it took, by index into the scan result's findings:
 * failing, accepted (an unexpired risk acceptance) and informational (severity info). */
static cJSON *rule_json(const struct eval_control *ec, size_t rule)
{
    const struct policy *p = ec->policy;
    const struct pol_rule *r = &p->rules[rule];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", r->id);
    cJSON *k = cJSON_AddArrayToObject(o, "kinds");
    for (size_t i = 0; k && i < r->n_kinds; i++)
        cJSON_AddItemToArray(k, cJSON_CreateString(r->kinds[i]));
    cJSON_AddStringToObject(o, "severity", severity_name(r->severity));
    cJSON_AddNumberToObject(o, "likelihood", r->likelihood);
    cJSON_AddNumberToObject(o, "impact", r->impact);
    if (r->has_remediation) {
        cJSON *m = cJSON_AddObjectToObject(o, "remediation");
        if (m) {
            cJSON_AddStringToObject(m, "text", r->remediation.text);
            cJSON_AddNumberToObject(m, "effort_hours", r->remediation.effort_hours);
            cJSON_AddStringToObject(m, "cost", cost_band_name(r->remediation.cost));
            cJSON_AddItemToObject(m, "initiative",
                                  str_or_null(r->remediation.initiative >= 0
                                                  ? p->initiatives[r->remediation.initiative].id
                                                  : NULL));
        }
    }
    cJSON *fail = cJSON_AddArrayToObject(o, "failing");
    cJSON *acc = cJSON_AddArrayToObject(o, "accepted");
    cJSON *info = cJSON_AddArrayToObject(o, "informational");
    for (size_t i = 0; i < ec->n_hits; i++) {
        const struct eval_hit *h = &ec->hits[i];
        if (h->rule != rule)
            continue;
        cJSON *to = r->severity == SEV_INFO ? info : h->accepted == ACC_ACCEPTED ? acc : fail;
        cJSON_AddItemToArray(to, cJSON_CreateNumber((double)h->finding));
    }
    return o;
}

static cJSON *control_json(const struct eval_control *ec)
{
    const struct pol_control *c = &ec->policy->controls[ec->control];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "policy", ec->policy->id);
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddStringToObject(o, "title", c->title);
    cJSON_AddStringToObject(o, "status", ctl_status_name(ec->status));
    cJSON_AddStringToObject(o, "reason", ec->reason);
    cJSON_AddBoolToObject(o, "manual", c->manual_question != NULL);
    if (c->manual_question)
        cJSON_AddStringToObject(o, "question", c->manual_question);
    cJSON *refs = cJSON_AddArrayToObject(o, "refs");
    for (size_t i = 0; refs && i < c->n_refs; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "framework", c->refs[i].framework);
        cJSON_AddStringToObject(r, "id", c->refs[i].id);
        if (c->refs[i].ig)
            cJSON_AddNumberToObject(r, "ig", c->refs[i].ig);
        cJSON_AddItemToArray(refs, r);
    }
    cJSON_AddNumberToObject(o, "failing", (double)ec->n_failing);
    cJSON_AddNumberToObject(o, "accepted", (double)ec->n_accepted);
    cJSON_AddNumberToObject(o, "informational", (double)ec->n_info);
    cJSON *rules = cJSON_AddArrayToObject(o, "rules");
    for (size_t r = 0; rules && r < ec->policy->n_rules; r++)
        if (ec->policy->rules[r].control == ec->control)
            cJSON_AddItemToArray(rules, rule_json(ec, r));
    if (ec->answer) {
        const struct prof_answer *a = ec->answer;
        cJSON *ao = cJSON_AddObjectToObject(o, "answer");
        if (ao) {
            cJSON_AddStringToObject(ao, "result", a->result);
            cJSON_AddStringToObject(ao, "by", a->by);
            cJSON_AddStringToObject(ao, "date", a->date);
            cJSON_AddItemToObject(ao, "note", str_or_null(a->note));
            cJSON *evs = cJSON_AddArrayToObject(ao, "evidence");
            for (size_t i = 0; evs && i < a->n_evidence; i++) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddStringToObject(e, "path", a->evidence[i].path);
                cJSON_AddStringToObject(e, "sha256", a->evidence[i].sha256);
                cJSON_AddStringToObject(e, "state", evidence_state_name(a->evidence[i].state));
                cJSON_AddItemToArray(evs, e);
            }
        }
    }
    return o;
}

cJSON *evaluation_json(const struct evaluation *ev, const struct scan_result *scan,
                       const struct profile *prof, struct policy *const *pols, size_t n)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "format", "riskmap-policy-evaluation");
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddItemToObject(root, "scan_id", str_or_null(scan->meta.id));
    cJSON_AddBoolToObject(root, "scan_complete", scan->meta.complete);
    cJSON_AddStringToObject(root, "date", ev->date);
    if (prof) {
        cJSON *c = cJSON_AddObjectToObject(root, "client");
        cJSON_AddStringToObject(c, "id", prof->client_id);
        cJSON_AddStringToObject(c, "name", prof->client_name);
        cJSON_AddStringToObject(c, "profile", prof->source);
    } else {
        cJSON_AddNullToObject(root, "client");
    }
    cJSON *pa = cJSON_AddArrayToObject(root, "policies");
    for (size_t i = 0; pa && i < n; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "id", pols[i]->id);
        cJSON_AddStringToObject(p, "version", pols[i]->version);
        cJSON_AddStringToObject(p, "title", pols[i]->title);
        cJSON_AddStringToObject(p, "source", pols[i]->source);
        cJSON_AddItemToArray(pa, p);
    }
    cJSON *sum = cJSON_AddObjectToObject(root, "controls_summary");
    for (int s = 0; sum && s < ST_COUNT; s++)
        cJSON_AddNumberToObject(sum, ctl_status_name((enum ctl_status)s),
                                (double)evaluation_count(ev, (enum ctl_status)s));
    cJSON *fa = cJSON_AddArrayToObject(root, "frameworks");
    for (size_t f = 0; fa && f < ev->n_frameworks; f++) {
        const struct eval_framework *fw = &ev->frameworks[f];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", fw->id);
        cJSON_AddStringToObject(o, "title", fw->title);
        cJSON_AddItemToObject(o, "version", str_or_null(fw->version));
        cJSON_AddNumberToObject(o, "items", (double)fw->n_items);
        cJSON_AddNumberToObject(o, "checked", (double)(fw->count[ST_PASS] + fw->count[ST_FAIL] +
                                                       fw->count[ST_PARTIAL]));
        for (int s = 0; s < ST_COUNT; s++)
            cJSON_AddNumberToObject(o, ctl_status_name((enum ctl_status)s), (double)fw->count[s]);
        cJSON *items = cJSON_AddArrayToObject(o, "results");
        for (size_t i = 0; items && i < fw->n_items; i++) {
            const struct eval_item *it = &fw->items[i];
            cJSON *io = cJSON_CreateObject();
            cJSON_AddStringToObject(io, "id", it->id);
            cJSON_AddItemToObject(io, "title", str_or_null(it->title));
            if (it->ig)
                cJSON_AddNumberToObject(io, "ig", it->ig);
            cJSON_AddStringToObject(io, "status", ctl_status_name(it->status));
            cJSON *cs = cJSON_AddArrayToObject(io, "controls");
            for (size_t k = 0; cs && k < it->n_controls; k++) {
                const struct eval_control *ec = &ev->controls[it->controls[k]];
                char ref[160];
                snprintf(ref, sizeof ref, "%s/%s", ec->policy->id,
                         ec->policy->controls[ec->control].id);
                cJSON_AddItemToArray(cs, cJSON_CreateString(ref));
            }
            cJSON_AddItemToArray(items, io);
        }
        cJSON_AddItemToArray(fa, o);
    }
    cJSON *ca = cJSON_AddArrayToObject(root, "controls");
    for (size_t i = 0; ca && i < ev->n_controls; i++)
        cJSON_AddItemToArray(ca, control_json(&ev->controls[i]));
    /* Each finding a rule took, once, with what the evaluation knows of its asset; and every
     * risk acceptance that applied (or had expired). */
    cJSON *fa2 = cJSON_AddArrayToObject(root, "findings");
    cJSON *ra = cJSON_AddArrayToObject(root, "risk_acceptances");
    unsigned char *seen = calloc(scan->n_findings ? scan->n_findings : 1, 1);
    if (!seen) {
        cJSON_Delete(root);
        return NULL;
    }
    for (size_t i = 0; i < ev->n_controls; i++) {
        const struct eval_control *ec = &ev->controls[i];
        for (size_t h = 0; h < ec->n_hits; h++) {
            const struct eval_hit *hit = &ec->hits[h];
            if (!seen[hit->finding]) {
                seen[hit->finding] = 1;
                cJSON_AddItemToArray(fa2, finding_json(hit, scan));
            }
            if (!hit->accept)
                continue;
            cJSON *a = cJSON_CreateObject();
            cJSON_AddNumberToObject(a, "finding", (double)hit->finding);
            cJSON_AddStringToObject(a, "policy", ec->policy->id);
            cJSON_AddStringToObject(a, "rule", ec->policy->rules[hit->rule].id);
            cJSON_AddStringToObject(a, "owner", hit->accept->owner);
            cJSON_AddStringToObject(a, "expires", hit->accept->expires);
            cJSON_AddStringToObject(a, "reason", hit->accept->reason);
            cJSON_AddBoolToObject(a, "expired", hit->accepted == ACC_EXPIRED);
            cJSON_AddItemToArray(ra, a);
        }
    }
    free(seen);
    cJSON *um = cJSON_AddArrayToObject(root, "unmapped_findings");
    for (size_t i = 0; um && i < ev->n_unmapped; i++)
        cJSON_AddItemToArray(um, cJSON_CreateNumber((double)ev->unmapped[i]));
    cJSON *wa = cJSON_AddArrayToObject(root, "warnings");
    for (size_t i = 0; wa && i < ev->warnings.n; i++)
        cJSON_AddItemToArray(wa, cJSON_CreateString(ev->warnings.msg[i]));
    return root;
}
