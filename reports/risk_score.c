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

/* Each host's address as text, written once (inet_ntop of every risk's address was a tenth
 * of scoring) and interned in the set: by address, open addressing. */
struct addr_slot {
    struct rm_addr a;
    const char *text; /* NULL: empty */
};

struct addr_memo {
    struct addr_slot *v;
    size_t n, cap; /* cap a power of two */
};

static struct addr_slot *addr_find(struct addr_memo *m, const struct rm_addr *a)
{
    for (size_t i = addr_hash(a) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
        if (!m->v[i].text || addr_eq(&m->v[i].a, a))
            return &m->v[i];
}

static int addr_grow(struct addr_memo *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    struct addr_slot *v = calloc(cap, sizeof *v), *old = m->v;
    if (!v)
        return -1;
    size_t oldcap = m->cap;
    m->v = v;
    m->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].text)
            *addr_find(m, &old[i].a) = old[i];
    free(old);
    return 0;
}

/* The set's text of address a; NULL on allocation failure. */
static const char *addr_text(struct risk_set *out, struct addr_memo *m, const struct rm_addr *a)
{
    struct addr_slot *s = addr_find(m, a);
    if (s->text)
        return s->text;
    if (2 * (m->n + 1) > m->cap) {
        if (addr_grow(m) < 0)
            return NULL;
        s = addr_find(m, a);
    }
    char buf[64];
    addr_str(a, buf, sizeof buf);
    if (!(s->text = risk_set_intern(out, buf)))
        return NULL;
    s->a = *a;
    m->n++;
    return s->text;
}

/* Fills what the finding itself says; its texts are the set's (out's pool). */
static int fill_from_finding(struct risk_set *out, struct risk *rk, const struct finding *f,
                             enum criticality c, struct addr_memo *am)
{
    const char *addr = "";
    if (f->addr.family && !(addr = addr_text(out, am, &f->addr))) /* site-wide findings */
        return -1;                                                 /* have no address */
    const char *named = finding_fact(f, "asset");
    memcpy(rk->fingerprint, f->fingerprint, sizeof rk->fingerprint);
    rk->kind = risk_set_intern(out, f->kind);
    rk->title = risk_set_intern(out, f->title ? f->title : f->kind);
    rk->address = risk_set_intern(out, addr);
    rk->asset = risk_set_intern(out, f->hostname     ? f->hostname
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

/* The texts of the scoring rules met so far, interned: a dozen rules score 80,000 risks. */
struct rule_memo {
    const struct pol_rule *r;
    char *policy_id, *rule_id, *remediation, *initiative_id, *initiative_title;
};
#define RULE_MEMO 64

struct rule_memos {
    struct rule_memo v[RULE_MEMO];
    size_t n;
};

/* The scoring rule's texts into the risk (the set's). */
static int rule_texts(struct risk_set *out, struct risk *rk, const struct pending *pd,
                      struct rule_memos *rm)
{
    const struct policy *p = pd->p;
    const struct pol_rule *r = pd->r;
    struct rule_memo *m = NULL;
    for (size_t i = 0; i < rm->n && !m; i++)
        if (rm->v[i].r == r)
            m = &rm->v[i];
    struct rule_memo fresh;
    if (!m) {
        const struct pol_initiative *in = NULL;
        if (r->has_remediation && r->remediation.initiative >= 0 &&
            (size_t)r->remediation.initiative < p->n_initiatives)
            in = &p->initiatives[r->remediation.initiative];
        const char *rem = r->has_remediation ? r->remediation.text : NULL;
        fresh = (struct rule_memo){
            r, risk_set_intern(out, p->id), risk_set_intern(out, r->id),
            risk_set_intern(out, rem), risk_set_intern(out, in ? in->id : NULL),
            risk_set_intern(out, in ? in->title : NULL)};
        if ((p->id && !fresh.policy_id) || (r->id && !fresh.rule_id) ||
            (rem && !fresh.remediation) ||
            (in && ((in->id && !fresh.initiative_id) || (in->title && !fresh.initiative_title))))
            return -1;
        m = rm->n < RULE_MEMO ? &rm->v[rm->n++] : &fresh;
        *m = fresh;
    }
    rk->policy_id = m->policy_id;
    rk->rule_id = m->rule_id;
    rk->remediation = m->remediation;
    rk->initiative_id = m->initiative_id;
    rk->initiative_title = m->initiative_title;
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

/* The lists made so far, by the risk's controls (sorted, unique indices into the
 * evaluation's controls): risks failing the same controls share one pair of lists in the
 * set's pool, made once. */
struct list_memo {
    uint64_t hash;
    size_t *ctl; /* owned; NULL: empty slot */
    size_t n;
    char **controls;
    size_t n_controls;
    struct risk_ref *refs;
    size_t n_refs;
};

struct list_memos {
    struct list_memo *v;
    size_t n, cap; /* cap a power of two */
};

static uint64_t hash_ctl(const size_t *ctl, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ ctl[i]) * 0xff51afd7ed558ccdu, h ^= h >> 32;
    return h;
}

static struct list_memo *memo_find(struct list_memos *m, uint64_t h, const size_t *ctl,
                                   size_t n)
{
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct list_memo *s = &m->v[i];
        if (!s->ctl || (s->hash == h && s->n == n && memcmp(s->ctl, ctl, n * sizeof *ctl) == 0))
            return s;
    }
}

static int memo_grow(struct list_memos *m)
{
    size_t cap = m->cap ? m->cap * 2 : 256;
    struct list_memo *v = calloc(cap, sizeof *v), *old = m->v;
    if (!v)
        return -1;
    size_t oldcap = m->cap;
    m->v = v;
    m->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].ctl)
            *memo_find(m, old[i].hash, old[i].ctl, old[i].n) = old[i];
    free(old);
    return 0;
}

static void memos_free(struct list_memos *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->v[i].ctl);
    free(m->v);
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
 * the controls of its hits (hit_ctl, chained from pd->first through hit_next); made in out's
 * pool, or those of an earlier risk with the same controls. */
static int lists(struct risk_set *out, struct risk *rk, const struct pending *pd,
                 const struct evaluation *ev, const size_t *hit_ctl, const size_t *hit_next,
                 struct scratch *sc, struct list_memos *lm)
{
    size_t n = 0, n_refs = 0, text = 0;
    for (size_t h = pd->first; h != SIZE_MAX; h = hit_next[h]) {
        if (reserve((void **)&sc->ctl, &sc->cap_ctl, n + 1, sizeof *sc->ctl) < 0)
            return -1;
        sc->ctl[n++] = hit_ctl[h];
    }
    if (!n)
        return 0;
    /* A risk has a handful of hits: an insertion sort, not qsort's set-up for each. */
    for (size_t i = 1; i < n; i++) {
        size_t v = sc->ctl[i], j = i;
        for (; j > 0 && sc->ctl[j - 1] > v; j--)
            sc->ctl[j] = sc->ctl[j - 1];
        sc->ctl[j] = v;
    }
    size_t u = 1;
    for (size_t i = 1; i < n; i++)
        if (sc->ctl[i] != sc->ctl[u - 1])
            sc->ctl[u++] = sc->ctl[i];
    n = u;
    const size_t n_ctl = n;
    const uint64_t key = hash_ctl(sc->ctl, n_ctl);
    struct list_memo *m = memo_find(lm, key, sc->ctl, n_ctl);
    if (m->ctl) {
        rk->controls = m->controls;
        rk->n_controls = m->n_controls;
        rk->refs = m->refs;
        rk->n_refs = m->n_refs;
        return 0;
    }
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
    if (risk_set_pool_lists(out, rk, sc->names, n, sc->refs, n_refs) < 0)
        return -1;
    if (2 * (lm->n + 1) > lm->cap) {
        if (memo_grow(lm) < 0)
            return -1;
    }
    m = memo_find(lm, key, sc->ctl, n_ctl);
    size_t *ctl = malloc(n_ctl * sizeof *ctl);
    if (!ctl)
        return -1;
    memcpy(ctl, sc->ctl, n_ctl * sizeof *ctl);
    *m = (struct list_memo){key, ctl, n_ctl, rk->controls, rk->n_controls, rk->refs,
                            rk->n_refs};
    lm->n++;
    return 0;
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
    struct addr_memo am = {0};
    struct rule_memos rm = {0};
    struct list_memos lm = {0};
    /* At most a risk a finding: room for them up front (untouched room costs no memory),
     * rather than an array of 80,000 risks copied at each doubling. */
    if (!slot || !tal || risk_set_pool(out) < 0 || memo_grow(&lm) < 0 || addr_grow(&am) < 0 ||
        risk_set_reserve(out, scan->n_findings) < 0)
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
                if (fill_from_finding(out, rk, f, h->criticality, &am) < 0)
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
        if (rule_texts(out, rk, pd, &rm) < 0 ||
            lists(out, rk, pd, ev, hit_ctl, hit_next, &sc, &lm) < 0)
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
    memos_free(&lm);
    free(am.v);
    return 0;
oom:
    free(slot);
    free(tal);
    free(pend);
    free(hit_ctl);
    free(hit_next);
    scratch_free(&sc);
    memos_free(&lm);
    free(am.v);
    risk_set_free(out);
    return rm_errf(e, "risk scoring: out of memory");
}
