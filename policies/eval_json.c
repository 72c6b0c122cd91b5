/* The evaluation as JSON: per framework the summary and each item's status; per control its
 * status, reason, references and rules with the findings each took (indices into the scan
 * result's findings); each such finding once, with fingerprint, asset and criticality, so every
 * figure traces back to evidence; and the risk acceptances that applied. Compact on purpose:
 * 100,000 findings meet several controls each.
 *
 * Written by the streaming writer (scanner/jsonw.h): as a cJSON tree the document for such a
 * scan was millions of nodes, most of `riskmap evaluate`'s time and memory. The tree form
 * (evaluation_json) is that text read back, so the two can never differ. */
#include <stdio.h>
#include <stdlib.h>

#include "policies/eval.h"

static void finding_write(struct jsonw *w, const struct eval_hit *h,
                          const struct scan_result *scan)
{
    const struct finding *f = scan->findings[h->finding];
    char addr[RM_ADDRSTRLEN];
    jw_object(w, NULL);
    jw_int(w, "index", (long long)h->finding);
    jw_str(w, "fingerprint", f->fingerprint);
    jw_str(w, "kind", f->kind);
    jw_str(w, "asset", finding_asset_label(f, addr, sizeof addr));
    jw_int(w, "port", f->port);
    jw_str(w, "criticality", criticality_name(h->criticality));
    jw_str_or_null(w, "asset_group", h->group ? h->group->id : NULL);
    jw_end(w);
}

/* A rule of a control with the findings it took, by index into the scan result's findings:
 * failing, accepted (an unexpired risk acceptance) and informational (severity info). The
 * hits are walked once per list, which keeps each list in hit order. */
static void rule_write(struct jsonw *w, const struct eval_control *ec, size_t rule)
{
    const struct policy *p = ec->policy;
    const struct pol_rule *r = &p->rules[rule];
    jw_object(w, NULL);
    jw_str(w, "id", r->id);
    jw_array(w, "kinds");
    for (size_t i = 0; i < r->n_kinds; i++)
        jw_str(w, NULL, r->kinds[i]);
    jw_end(w);
    jw_str(w, "severity", severity_name(r->severity));
    jw_int(w, "likelihood", r->likelihood);
    jw_int(w, "impact", r->impact);
    if (r->has_remediation) {
        jw_object(w, "remediation");
        jw_str(w, "text", r->remediation.text);
        jw_num(w, "effort_hours", r->remediation.effort_hours);
        jw_str(w, "cost", cost_band_name(r->remediation.cost));
        jw_str_or_null(w, "initiative", r->remediation.initiative >= 0
                                            ? p->initiatives[r->remediation.initiative].id
                                            : NULL);
        jw_end(w);
    }
    static const char *const lists[] = {"failing", "accepted", "informational"};
    for (int l = 0; l < 3; l++) {
        jw_array(w, lists[l]);
        for (size_t i = 0; i < ec->n_hits; i++) {
            const struct eval_hit *h = &ec->hits[i];
            if (h->rule != rule)
                continue;
            int to = r->severity == SEV_INFO ? 2 : h->accepted == ACC_ACCEPTED ? 1 : 0;
            if (to == l)
                jw_int(w, NULL, (long long)h->finding);
        }
        jw_end(w);
    }
    jw_end(w);
}

static void control_write(struct jsonw *w, const struct eval_control *ec)
{
    const struct pol_control *c = &ec->policy->controls[ec->control];
    jw_object(w, NULL);
    jw_str(w, "policy", ec->policy->id);
    jw_str(w, "id", c->id);
    jw_str(w, "title", c->title);
    jw_str(w, "status", ctl_status_name(ec->status));
    jw_str(w, "reason", ec->reason);
    jw_bool(w, "manual", c->manual_question != NULL);
    jw_str(w, "question", c->manual_question);
    jw_array(w, "refs");
    for (size_t i = 0; i < c->n_refs; i++) {
        jw_object(w, NULL);
        jw_str(w, "framework", c->refs[i].framework);
        jw_str(w, "id", c->refs[i].id);
        if (c->refs[i].ig)
            jw_int(w, "ig", c->refs[i].ig);
        jw_end(w);
    }
    jw_end(w);
    jw_int(w, "failing", (long long)ec->n_failing);
    jw_int(w, "accepted", (long long)ec->n_accepted);
    jw_int(w, "informational", (long long)ec->n_info);
    jw_array(w, "rules");
    for (size_t r = 0; r < ec->policy->n_rules; r++)
        if (ec->policy->rules[r].control == ec->control)
            rule_write(w, ec, r);
    jw_end(w);
    if (ec->answer) {
        const struct prof_answer *a = ec->answer;
        jw_object(w, "answer");
        jw_str(w, "result", a->result);
        jw_str(w, "by", a->by);
        jw_str(w, "date", a->date);
        jw_str_or_null(w, "note", a->note);
        jw_array(w, "evidence");
        for (size_t i = 0; i < a->n_evidence; i++) {
            jw_object(w, NULL);
            jw_str(w, "path", a->evidence[i].path);
            jw_str(w, "sha256", a->evidence[i].sha256);
            jw_str(w, "state", evidence_state_name(a->evidence[i].state));
            jw_end(w);
        }
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
}

static void frameworks_write(struct jsonw *w, const struct evaluation *ev)
{
    jw_array(w, "frameworks");
    for (size_t f = 0; f < ev->n_frameworks; f++) {
        const struct eval_framework *fw = &ev->frameworks[f];
        jw_object(w, NULL);
        jw_str(w, "id", fw->id);
        jw_str(w, "title", fw->title);
        jw_str_or_null(w, "version", fw->version);
        jw_int(w, "items", (long long)fw->n_items);
        jw_int(w, "checked",
               (long long)(fw->count[ST_PASS] + fw->count[ST_FAIL] + fw->count[ST_PARTIAL]));
        for (int s = 0; s < ST_COUNT; s++)
            jw_int(w, ctl_status_name((enum ctl_status)s), (long long)fw->count[s]);
        jw_array(w, "results");
        for (size_t i = 0; i < fw->n_items; i++) {
            const struct eval_item *it = &fw->items[i];
            jw_object(w, NULL);
            jw_str(w, "id", it->id);
            jw_str_or_null(w, "title", it->title);
            if (it->ig)
                jw_int(w, "ig", it->ig);
            jw_str(w, "status", ctl_status_name(it->status));
            jw_array(w, "controls");
            for (size_t k = 0; k < it->n_controls; k++) {
                const struct eval_control *ec = &ev->controls[it->controls[k]];
                char ref[160];
                snprintf(ref, sizeof ref, "%s/%s", ec->policy->id,
                         ec->policy->controls[ec->control].id);
                jw_str(w, NULL, ref);
            }
            jw_end(w);
            jw_end(w);
        }
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
}

/* Each finding a rule took, once, with what the evaluation knows of its asset; then every
 * risk acceptance that applied (or had expired), in the same walk's order. */
static int findings_write(struct jsonw *w, const struct evaluation *ev,
                          const struct scan_result *scan)
{
    unsigned char *seen = calloc(scan->n_findings ? scan->n_findings : 1, 1);
    if (!seen)
        return -1;
    jw_array(w, "findings");
    for (size_t i = 0; i < ev->n_controls; i++) {
        const struct eval_control *ec = &ev->controls[i];
        for (size_t h = 0; h < ec->n_hits; h++) {
            const struct eval_hit *hit = &ec->hits[h];
            if (!seen[hit->finding]) {
                seen[hit->finding] = 1;
                finding_write(w, hit, scan);
            }
        }
    }
    jw_end(w);
    free(seen);
    jw_array(w, "risk_acceptances");
    for (size_t i = 0; i < ev->n_controls; i++) {
        const struct eval_control *ec = &ev->controls[i];
        for (size_t h = 0; h < ec->n_hits; h++) {
            const struct eval_hit *hit = &ec->hits[h];
            if (!hit->accept)
                continue;
            jw_object(w, NULL);
            jw_int(w, "finding", (long long)hit->finding);
            jw_str(w, "policy", ec->policy->id);
            jw_str(w, "rule", ec->policy->rules[hit->rule].id);
            jw_str(w, "owner", hit->accept->owner);
            jw_str(w, "expires", hit->accept->expires);
            jw_str(w, "reason", hit->accept->reason);
            jw_bool(w, "expired", hit->accepted == ACC_EXPIRED);
            jw_end(w);
        }
    }
    jw_end(w);
    return 0;
}

int evaluation_write(struct jsonw *w, const struct evaluation *ev,
                     const struct scan_result *scan, const struct profile *prof,
                     struct policy *const *pols, size_t n)
{
    jw_object(w, NULL);
    jw_str(w, "format", "riskmap-policy-evaluation");
    jw_int(w, "version", 1);
    jw_str_or_null(w, "scan_id", scan->meta.id);
    jw_bool(w, "scan_complete", scan->meta.complete);
    jw_str(w, "date", ev->date);
    if (prof) {
        jw_object(w, "client");
        jw_str(w, "id", prof->client_id);
        jw_str(w, "name", prof->client_name);
        jw_str(w, "profile", prof->source);
        jw_end(w);
    } else {
        jw_null(w, "client");
    }
    jw_array(w, "policies");
    for (size_t i = 0; i < n; i++) {
        jw_object(w, NULL);
        jw_str(w, "id", pols[i]->id);
        jw_str(w, "version", pols[i]->version);
        jw_str(w, "title", pols[i]->title);
        jw_str(w, "source", pols[i]->source);
        jw_end(w);
    }
    jw_end(w);
    jw_object(w, "controls_summary");
    for (int s = 0; s < ST_COUNT; s++)
        jw_int(w, ctl_status_name((enum ctl_status)s),
               (long long)evaluation_count(ev, (enum ctl_status)s));
    jw_end(w);
    frameworks_write(w, ev);
    jw_array(w, "controls");
    for (size_t i = 0; i < ev->n_controls; i++)
        control_write(w, &ev->controls[i]);
    jw_end(w);
    if (findings_write(w, ev, scan) < 0)
        return -1;
    jw_array(w, "unmapped_findings");
    for (size_t i = 0; i < ev->n_unmapped; i++)
        jw_int(w, NULL, (long long)ev->unmapped[i]);
    jw_end(w);
    jw_array(w, "warnings");
    for (size_t i = 0; i < ev->warnings.n; i++)
        jw_str(w, NULL, ev->warnings.msg[i]);
    jw_end(w);
    jw_end(w);
    return 0;
}

cJSON *evaluation_json(const struct evaluation *ev, const struct scan_result *scan,
                       const struct profile *prof, struct policy *const *pols, size_t n)
{
    struct jsonw w;
    jw_init(&w, false);
    size_t len = 0;
    char *txt = evaluation_write(&w, ev, scan, prof, pols, n) == 0 ? jw_finish(&w, &len) : NULL;
    jw_free(&w);
    cJSON *j = txt ? cJSON_ParseWithLength(txt, len) : NULL;
    free(txt);
    return j;
}
