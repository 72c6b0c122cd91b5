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

/* The adjusted likelihood and impact under rule r on an asset of criticality c; backport:
 * the finding's confidence is "possible-backport" (looked up once per finding, not per rule
 * that takes it). */
static void adjust(const struct pol_rule *r, enum criticality c, double cvss, bool kev,
                   bool backport, int *lik, int *imp)
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
    if (backport)
        l = clamp5(l - 1);
    *lik = l;
    *imp = i;
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
    rk->asset = rm_strdup(f->hostname     ? f->hostname
                          : addr[0]       ? addr
                          : f->site_asset ? f->site_asset
                          : named         ? named
                                          : "site");
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

/* What a risk collects while the hits are walked; turned into the risk's own strings and
 * arrays once at the end (copying the scoring rule's texts at every better rule, and growing
 * the control and reference lists one deduplicated string at a time, were most of the
 * scoring of 100,000 findings). */
struct pending {
    const struct policy *p;   /* the scoring rule and its policy; NULL until the first hit */
    const struct pol_rule *r;
    size_t first, last;       /* the risk's hits: a list through hit_next, by hit number */
    bool backport;            /* the finding's confidence is "possible-backport" */
};

/* The rule r (of policy p) scored higher than what rk had: it becomes the scoring rule. */
static void take_rule(struct risk *rk, struct pending *pd, const struct policy *p,
                      const struct pol_rule *r, int lik, int imp)
{
    rk->rule_likelihood = clamp5(r->likelihood);
    rk->rule_impact = clamp5(r->impact);
    rk->likelihood = lik;
    rk->impact = imp;
    rk->inherent = lik * imp;
    rk->effort_hours = r->has_remediation ? r->remediation.effort_hours : 0;
    rk->cost = r->has_remediation ? r->remediation.cost : COST_MINIMAL;
    pd->p = p;
    pd->r = r;
}

/* The scoring rule's texts into the risk. */
static int rule_texts(struct risk *rk, const struct pending *pd)
{
    const struct policy *p = pd->p;
    const struct pol_rule *r = pd->r;
    const struct pol_initiative *in = NULL;
    if (r->has_remediation && r->remediation.initiative >= 0 &&
        (size_t)r->remediation.initiative < p->n_initiatives)
        in = &p->initiatives[r->remediation.initiative];
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

/* Framework items as (framework, id) pairs of strings borrowed from the policies: by
 * framework, then id. */
static int cmp_ref(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    int c = strcmp(x[0], y[0]);
    return c ? c : strcmp(x[1], y[1]);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Room the lists of one risk are put together in, reused from risk to risk. */
struct scratch {
    size_t *ctl;            /* control indices */
    size_t cap_ctl;
    char *text;             /* the "POLICY:CONTROL" strings */
    size_t cap_text;
    const char **names;     /* pointers into text */
    size_t cap_names;
    const char **refs;      /* framework, id pairs */
    size_t cap_refs;
};

static void scratch_free(struct scratch *sc)
{
    free(sc->ctl);
    free(sc->text);
    free(sc->names);
    free(sc->refs);
}

static int reserve(void **v, size_t *cap, size_t want, size_t size)
{
    if (want <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 16;
    while (nc < want)
        nc *= 2;
    void *g = realloc(*v, nc * size);
    if (!g)
        return -1;
    *v = g;
    *cap = nc;
    return 0;
}

/* The risk's controls ("POLICY:CONTROL") and framework items, each sorted and unique, from
 * the controls of its hits (hit_ctl, chained from pd->first through hit_next). */
static int lists(struct risk *rk, const struct pending *pd, const struct evaluation *ev,
                 const size_t *hit_ctl, const size_t *hit_next, struct scratch *sc)
{
    size_t n = 0, n_refs = 0, text = 0;
    for (size_t h = pd->first; h != SIZE_MAX; h = hit_next[h]) {
        if (reserve((void **)&sc->ctl, &sc->cap_ctl, n + 1, sizeof *sc->ctl) < 0)
            return -1;
        sc->ctl[n++] = hit_ctl[h];
    }
    if (!n)
        return 0;
    qsort(sc->ctl, n, sizeof *sc->ctl, cmp_size);
    size_t u = 1;
    for (size_t i = 1; i < n; i++)
        if (sc->ctl[i] != sc->ctl[u - 1])
            sc->ctl[u++] = sc->ctl[i];
    n = u;
    for (size_t i = 0; i < n; i++) {
        const struct eval_control *c = &ev->controls[sc->ctl[i]];
        const struct pol_control *pc = &c->policy->controls[c->control];
        text += strlen(c->policy->id) + strlen(pc->id) + 2;
        n_refs += pc->n_refs;
    }
    if (reserve((void **)&sc->text, &sc->cap_text, text, 1) < 0 ||
        reserve((void **)&sc->names, &sc->cap_names, n, sizeof *sc->names) < 0 ||
        reserve((void **)&sc->refs, &sc->cap_refs, 2 * n_refs + 2, sizeof *sc->refs) < 0)
        return -1;
    char *at = sc->text;
    n_refs = 0;
    for (size_t i = 0; i < n; i++) {
        const struct eval_control *c = &ev->controls[sc->ctl[i]];
        const struct pol_control *pc = &c->policy->controls[c->control];
        size_t lp = strlen(c->policy->id), lc = strlen(pc->id);
        memcpy(at, c->policy->id, lp);
        at[lp] = ':';
        memcpy(at + lp + 1, pc->id, lc + 1);
        sc->names[i] = at;
        at += lp + lc + 2;
        for (size_t k = 0; k < pc->n_refs; k++, n_refs++) {
            sc->refs[2 * n_refs] = pc->refs[k].framework;
            sc->refs[2 * n_refs + 1] = pc->refs[k].id;
        }
    }
    /* Two policies may name a control alike: one entry, as for the framework items. */
    qsort(sc->names, n, sizeof *sc->names, cmp_str);
    u = 1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(sc->names[i], sc->names[u - 1]) != 0)
            sc->names[u++] = sc->names[i];
    n = u;
    if (n_refs) {
        qsort(sc->refs, n_refs, 2 * sizeof *sc->refs, cmp_ref);
        u = 1;
        for (size_t i = 1; i < n_refs; i++)
            if (cmp_ref(&sc->refs[2 * i], &sc->refs[2 * (u - 1)]) != 0) {
                sc->refs[2 * u] = sc->refs[2 * i];
                sc->refs[2 * u + 1] = sc->refs[2 * i + 1];
                u++;
            }
        n_refs = u;
    }
    return risk_set_lists(rk, sc->names, n, sc->refs, n_refs);
}

/* The order of the risks: residual score, highest first, then inherent, then fingerprint.
 * Sorted as small keys and the risks moved once: comparing 300-byte risks through qsort's
 * pointers, mostly down to the fingerprints (scores tie by the thousand), was a tenth of
 * scoring 80,000 risks. fp8 is the fingerprint's first eight bytes, big-endian, so it orders
 * as strcmp does (fingerprints are 64 hex digits); equal ones fall back to strcmp. */
struct risk_key {
    int residual, inherent;
    uint64_t fp8;
    const char *fp;
    size_t at;
};

static int cmp_key(const void *a, const void *b)
{
    const struct risk_key *x = a, *y = b;
    if (x->residual != y->residual)
        return x->residual > y->residual ? -1 : 1;
    if (x->inherent != y->inherent)
        return x->inherent > y->inherent ? -1 : 1;
    if (x->fp8 != y->fp8)
        return x->fp8 < y->fp8 ? -1 : 1;
    return strcmp(x->fp, y->fp);
}

static int sort_risks(struct risk_set *out)
{
    size_t n = out->n;
    struct risk_key *k = malloc(n * sizeof *k);
    if (!k)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct risk *r = &out->v[i];
        uint64_t p = 0;
        for (int b = 0; b < 8; b++)
            p = p << 8 | (unsigned char)r->fingerprint[b];
        k[i] = (struct risk_key){r->residual, r->inherent, p, r->fingerprint, i};
    }
    qsort(k, n, sizeof *k, cmp_key);
    /* Position i takes the risk at k[i].at: follow each cycle of that permutation once. */
    for (size_t i = 0; i < n; i++) {
        if (k[i].at == SIZE_MAX || k[i].at == i)
            continue;
        struct risk tmp = out->v[i];
        size_t j = i;
        while (k[j].at != i) {
            size_t from = k[j].at;
            out->v[j] = out->v[from];
            k[j].at = SIZE_MAX;
            j = from;
        }
        out->v[j] = tmp;
        k[j].at = SIZE_MAX;
    }
    free(k);
    return 0;
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
    size_t nf = scan->n_findings ? scan->n_findings : 1;
    size_t *slot = malloc(nf * sizeof *slot);
    struct tally *tal = calloc(nf, sizeof *tal);
    struct pending *pend = NULL;      /* by risk */
    size_t cap_pend = 0;
    size_t *hit_ctl = NULL, *hit_next = NULL; /* by hit taken: its control, the risk's next */
    size_t n_hit = 0, cap_hit = 0, cap_next = 0;
    struct scratch sc = {0};
    if (!slot || !tal)
        goto oom;
    for (size_t i = 0; i < scan->n_findings; i++)
        slot[i] = SIZE_MAX;
    snprintf(out->scan_id, sizeof out->scan_id, "%s", scan->meta.id ? scan->meta.id : "");
    scan_date(scan, ev, out->date);

    for (size_t ci = 0; ci < ev->n_controls; ci++) {
        const struct eval_control *c = &ev->controls[ci];
        const struct policy *p = c->policy;
        for (size_t hi = 0; hi < c->n_hits; hi++) {
            const struct eval_hit *h = &c->hits[hi];
            const struct pol_rule *r = &p->rules[h->rule];
            if (r->severity == SEV_INFO || h->finding >= scan->n_findings)
                continue;
            const struct finding *f = scan->findings[h->finding];
            struct risk *rk;
            if (slot[h->finding] == SIZE_MAX) {
                if (!(rk = risk_set_add(out)) ||
                    reserve((void **)&pend, &cap_pend, out->n, sizeof *pend) < 0)
                    goto oom;
                slot[h->finding] = out->n - 1;
                const char *conf = finding_fact(f, "confidence");
                pend[out->n - 1] = (struct pending){
                    .first = SIZE_MAX, .last = SIZE_MAX,
                    .backport = conf && strcmp(conf, "possible-backport") == 0};
                if (fill_from_finding(rk, f, h->criticality) < 0)
                    goto oom;
            } else {
                rk = &out->v[slot[h->finding]];
            }
            struct pending *pd = &pend[slot[h->finding]];
            int lik, imp;
            adjust(r, h->criticality, rk->cvss, rk->kev, pd->backport, &lik, &imp);
            if (!pd->r || lik * imp > rk->inherent ||
                (lik * imp == rk->inherent && r->severity > rk->severity))
                take_rule(rk, pd, p, r, lik, imp);
            if (r->severity > rk->severity)
                rk->severity = r->severity;
            if (reserve((void **)&hit_ctl, &cap_hit, n_hit + 1, sizeof *hit_ctl) < 0 ||
                reserve((void **)&hit_next, &cap_next, n_hit + 1, sizeof *hit_next) < 0)
                goto oom;
            hit_ctl[n_hit] = ci;
            hit_next[n_hit] = SIZE_MAX;
            if (pd->last == SIZE_MAX)
                pd->first = n_hit;
            else
                hit_next[pd->last] = n_hit;
            pd->last = n_hit++;
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
        const struct pending *pd = &pend[slot[fi]];
        const struct tally *t = &tal[fi];
        if (rule_texts(rk, pd) < 0 || lists(rk, pd, ev, hit_ctl, hit_next, &sc) < 0)
            goto oom;
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
    }
    if (out->n && sort_risks(out) < 0)
        goto oom;
    free(slot);
    free(tal);
    free(pend);
    free(hit_ctl);
    free(hit_next);
    scratch_free(&sc);
    return 0;
oom:
    free(slot);
    free(tal);
    free(pend);
    free(hit_ctl);
    free(hit_next);
    scratch_free(&sc);
    risk_set_free(out);
    return rm_errf(e, "risk scoring: out of memory");
}
