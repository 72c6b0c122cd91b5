/* Scoring: failing findings of an evaluation become risks. The method is documented in
 * docs/risk-scoring.md; keep the two in step. */
#include "reports/risk.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum risk_level risk_level_of(int score)
{
    return score >= 20 ? LEVEL_VERY_HIGH
           : score >= 12 ? LEVEL_HIGH
           : score >= 6  ? LEVEL_MODERATE
           : score >= 3  ? LEVEL_LOW
                         : LEVEL_VERY_LOW;
}

const char *risk_level_name(enum risk_level l)
{
    static const char *const n[] = {"very low", "low", "moderate", "high", "very high"};
    return (unsigned)l <= LEVEL_VERY_HIGH ? n[l] : "?";
}

static int clamp5(int v)
{
    return v < 1 ? 1 : v > 5 ? 5 : v;
}

/* The adjusted likelihood and impact of finding f under rule r on an asset of criticality c. */
static void adjust(const struct pol_rule *r, const struct finding *f, enum criticality c,
                   double cvss, bool kev, int *lik, int *imp)
{
    int l = clamp5(r->likelihood), i = clamp5(r->impact + ((int)c - (int)CRIT_MEDIUM));
    if (cvss > 0) {
        int ci = cvss >= 9.0 ? 5 : cvss >= 7.0 ? 4 : cvss >= 4.0 ? 3 : 2;
        if (ci > i)
            i = ci;
    }
    if (kev)
        l = 5;
    /* A distribution build may carry the fix: the advisory is less likely to apply. */
    const char *conf = finding_fact(f, "confidence");
    if (conf && strcmp(conf, "possible-backport") == 0)
        l = clamp5(l - 1);
    *lik = l;
    *imp = i;
}

static int add_control(struct risk *rk, const char *policy, const char *control)
{
    size_t len = strlen(policy) + strlen(control) + 2;
    char *s = malloc(len);
    if (!s)
        return -1;
    snprintf(s, len, "%s:%s", policy, control);
    for (size_t i = 0; i < rk->n_controls; i++)
        if (strcmp(rk->controls[i], s) == 0) {
            free(s);
            return 0;
        }
    char **v = realloc(rk->controls, (rk->n_controls + 1) * sizeof *v);
    if (!v) {
        free(s);
        return -1;
    }
    rk->controls = v;
    rk->controls[rk->n_controls++] = s;
    return 0;
}

static int add_ref(struct risk *rk, const char *fw, const char *id)
{
    for (size_t i = 0; i < rk->n_refs; i++)
        if (strcmp(rk->refs[i].framework, fw) == 0 && strcmp(rk->refs[i].id, id) == 0)
            return 0;
    struct risk_ref *v = realloc(rk->refs, (rk->n_refs + 1) * sizeof *v);
    if (!v)
        return -1;
    rk->refs = v;
    struct risk_ref *x = &v[rk->n_refs];
    x->framework = rm_strdup(fw);
    x->id = rm_strdup(id);
    if (!x->framework || !x->id) {
        free(x->framework);
        free(x->id);
        return -1;
    }
    rk->n_refs++;
    return 0;
}

static int replace(char **field, const char *value)
{
    char *c = value ? rm_strdup(value) : NULL;
    if (value && !c)
        return -1;
    free(*field);
    *field = c;
    return 0;
}

/* Fills what the finding itself says. */
static int fill_from_finding(struct risk *rk, const struct finding *f, enum criticality c)
{
    char addr[64] = "";
    if (f->addr.family) /* site-wide findings (backups) have no address */
        addr_str(&f->addr, addr, sizeof addr);
    const char *named = finding_fact(f, "asset");
    memcpy(rk->fingerprint, f->fingerprint, sizeof rk->fingerprint);
    rk->kind = rm_strdup(f->kind);
    rk->title = rm_strdup(f->title ? f->title : f->kind);
    rk->address = rm_strdup(addr);
    rk->asset = rm_strdup(f->hostname ? f->hostname : addr[0] ? addr : named ? named : "site");
    rk->port = f->port;
    rk->severity = f->severity;
    rk->criticality = c;
    const char *cv = finding_fact(f, "cvss_max"), *kev = finding_fact(f, "kev");
    if (cv) {
        char *end;
        double d = strtod(cv, &end);
        if (end != cv && d >= 0 && d <= 10)
            rk->cvss = d;
    }
    rk->kev = kev && strcmp(kev, "yes") == 0;
    return rk->kind && rk->title && rk->address && rk->asset ? 0 : -1;
}

/* The rule r (of policy p) scored higher than what rk had: it becomes the scoring rule. */
static int take_rule(struct risk *rk, const struct policy *p, const struct pol_rule *r,
                     int lik, int imp)
{
    rk->rule_likelihood = clamp5(r->likelihood);
    rk->rule_impact = clamp5(r->impact);
    rk->likelihood = lik;
    rk->impact = imp;
    rk->inherent = lik * imp;
    const struct pol_initiative *in = NULL;
    if (r->has_remediation && r->remediation.initiative >= 0 &&
        (size_t)r->remediation.initiative < p->n_initiatives)
        in = &p->initiatives[r->remediation.initiative];
    rk->effort_hours = r->has_remediation ? r->remediation.effort_hours : 0;
    rk->cost = r->has_remediation ? r->remediation.cost : COST_MINIMAL;
    if (replace(&rk->policy_id, p->id) < 0 || replace(&rk->rule_id, r->id) < 0 ||
        replace(&rk->remediation, r->has_remediation ? r->remediation.text : NULL) < 0 ||
        replace(&rk->initiative_id, in ? in->id : NULL) < 0 ||
        replace(&rk->initiative_title, in ? in->title : NULL) < 0)
        return -1;
    return 0;
}

struct tally {
    size_t failing, accepted;
    const struct prof_accept *accept; /* the acceptance that expires first */
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_ref(const void *a, const void *b)
{
    const struct risk_ref *x = a, *y = b;
    int c = strcmp(x->framework, y->framework);
    return c ? c : strcmp(x->id, y->id);
}

static int cmp_risk(const void *a, const void *b)
{
    const struct risk *x = a, *y = b;
    if (x->residual != y->residual)
        return x->residual > y->residual ? -1 : 1;
    if (x->inherent != y->inherent)
        return x->inherent > y->inherent ? -1 : 1;
    return strcmp(x->fingerprint, y->fingerprint);
}

static void scan_date(const struct scan_result *scan, const struct evaluation *ev, char out[11])
{
    const char *s = scan->meta.started_utc;
    if (s && strlen(s) >= 10)
        memcpy(out, s, 10), out[10] = 0;
    else
        memcpy(out, ev->date, 11);
}

int risk_score_scan(const struct scan_result *scan, const struct evaluation *ev,
                    const struct profile *prof, struct risk_set *out, struct rm_err *e)
{
    (void)prof; /* criticality and acceptances arrive through the evaluation's hits */
    size_t *slot = malloc((scan->n_findings ? scan->n_findings : 1) * sizeof *slot);
    struct tally *tal = calloc(scan->n_findings ? scan->n_findings : 1, sizeof *tal);
    if (!slot || !tal)
        goto oom;
    for (size_t i = 0; i < scan->n_findings; i++)
        slot[i] = SIZE_MAX;
    snprintf(out->scan_id, sizeof out->scan_id, "%s", scan->meta.id ? scan->meta.id : "");
    scan_date(scan, ev, out->date);

    for (size_t ci = 0; ci < ev->n_controls; ci++) {
        const struct eval_control *c = &ev->controls[ci];
        const struct policy *p = c->policy;
        const struct pol_control *pc = &p->controls[c->control];
        for (size_t hi = 0; hi < c->n_hits; hi++) {
            const struct eval_hit *h = &c->hits[hi];
            const struct pol_rule *r = &p->rules[h->rule];
            if (r->severity == SEV_INFO || h->finding >= scan->n_findings)
                continue;
            const struct finding *f = scan->findings[h->finding];
            struct risk *rk;
            if (slot[h->finding] == SIZE_MAX) {
                if (!(rk = risk_set_add(out)))
                    goto oom;
                slot[h->finding] = out->n - 1;
                if (fill_from_finding(rk, f, h->criticality) < 0)
                    goto oom;
            } else {
                rk = &out->v[slot[h->finding]];
            }
            int lik, imp;
            adjust(r, f, h->criticality, rk->cvss, rk->kev, &lik, &imp);
            if (!rk->rule_id || lik * imp > rk->inherent ||
                (lik * imp == rk->inherent && r->severity > rk->severity)) {
                if (take_rule(rk, p, r, lik, imp) < 0)
                    goto oom;
            }
            if (r->severity > rk->severity)
                rk->severity = r->severity;
            if (add_control(rk, p->id, pc->id) < 0)
                goto oom;
            for (size_t k = 0; k < pc->n_refs; k++)
                if (add_ref(rk, pc->refs[k].framework, pc->refs[k].id) < 0)
                    goto oom;
            struct tally *t = &tal[h->finding];
            if (h->accepted == ACC_ACCEPTED) {
                t->accepted++;
                if (!t->accept || strcmp(h->accept->expires, t->accept->expires) < 0)
                    t->accept = h->accept;
            } else {
                t->failing++;
            }
        }
    }

    for (size_t fi = 0; fi < scan->n_findings; fi++) {
        if (slot[fi] == SIZE_MAX)
            continue;
        struct risk *rk = &out->v[slot[fi]];
        const struct tally *t = &tal[fi];
        rk->status = RISK_OPEN;
        if (!t->failing && t->accepted) {
            rk->status = RISK_ACCEPTED;
            if (replace(&rk->owner, t->accept->owner) < 0 ||
                replace(&rk->treatment, t->accept->reason) < 0 ||
                replace(&rk->accept_expires, t->accept->expires) < 0)
                goto oom;
        }
        memcpy(rk->first_seen, out->date, sizeof rk->first_seen);
        memcpy(rk->last_seen, out->date, sizeof rk->last_seen);
        rk->residual = risk_residual(rk);
        /* qsort with a NULL array is undefined even for 0 elements (UBSan, fuzz_report). */
        if (rk->n_controls)
            qsort(rk->controls, rk->n_controls, sizeof *rk->controls, cmp_str);
        if (rk->n_refs)
            qsort(rk->refs, rk->n_refs, sizeof *rk->refs, cmp_ref);
    }
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, cmp_risk);
    free(slot);
    free(tal);
    return 0;
oom:
    free(slot);
    free(tal);
    risk_set_free(out);
    return rm_errf(e, "risk scoring: out of memory");
}
