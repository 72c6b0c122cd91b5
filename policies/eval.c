/* Findings -> rules -> controls -> framework items. See eval.h for the meaning of each status. */
#include "policies/eval.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/check.h"

const char *ctl_status_name(enum ctl_status s)
{
    static const char *const names[ST_COUNT] = {"fail", "partial", "pass", "not-checked",
                                                "not-applicable"};
    return (unsigned)s < ST_COUNT ? names[s] : "?";
}

/* ---- tailoring lookups ------------------------------------------------------------------ */

static bool policy_is(const char *want, const struct policy *p)
{
    return !want || strcmp(want, p->id) == 0;
}

static const struct prof_disable *disabled(const struct profile *prof, const struct policy *p,
                                           const struct pol_rule *r)
{
    for (size_t i = 0; prof && i < prof->n_disables; i++)
        if (strcmp(prof->disables[i].rule, r->id) == 0 && policy_is(prof->disables[i].policy, p))
            return &prof->disables[i];
    return NULL;
}

/* The threshold's value for this client: a rule-specific override beats a general one. */
static double threshold_value(const struct profile *prof, const struct policy *p,
                              const struct pol_rule *r, const struct pol_threshold *t)
{
    double v = t->value;
    int best = 0;
    for (size_t i = 0; prof && i < prof->n_thresholds; i++) {
        const struct prof_threshold *o = &prof->thresholds[i];
        if (strcmp(o->name, t->name) != 0 || !policy_is(o->policy, p))
            continue;
        int score = o->rule ? (strcmp(o->rule, r->id) == 0 ? 2 : -1) : 1;
        if (score > best) {
            best = score;
            v = o->value;
        }
    }
    return v;
}

static const struct prof_answer *answer_for(const struct profile *prof, const struct policy *p,
                                            const struct pol_control *c)
{
    for (size_t i = 0; prof && i < prof->n_answers; i++)
        if (strcmp(prof->answers[i].control, c->id) == 0 && policy_is(prof->answers[i].policy, p))
            return &prof->answers[i];
    return NULL;
}

static const struct prof_accept *acceptance(const struct profile *prof, const struct policy *p,
                                            const struct pol_rule *r, const struct finding *f)
{
    for (size_t i = 0; prof && i < prof->n_accepts; i++) {
        const struct prof_accept *a = &prof->accepts[i];
        if (strcmp(a->rule, r->id) != 0 || !policy_is(a->policy, p))
            continue;
        if (a->fingerprint && strcmp(a->fingerprint, f->fingerprint) != 0)
            continue;
        /* A site-wide finding (a backup's asset) is named, not addressed. */
        if (a->asset && (f->addr.family ? !profile_asset_matches(prof, a->asset, &f->addr, f->hostname)
                                        : !f->site_asset || strcmp(a->asset, f->site_asset) != 0))
            continue;
        return a;
    }
    return NULL;
}

/* ---- can a rule be assessed from this scan? --------------------------------------------- */

static bool scan_was_intrusive(const struct scan_result *scan)
{
    for (size_t i = 0; i < scan->meta.n_command_line; i++)
        if (strcmp(scan->meta.command_line[i], "--intrusive") == 0)
            return true;
    return false;
}

/* True when a registered check emits a kind the rule matches and the scan ran it (intrusive
 * kinds only count when the scan was run with --intrusive). */
static bool rule_assessable(const struct pol_rule *r, bool intrusive)
{
    for (size_t i = 0; check_registry[i]; i++)
        for (size_t k = 0; k < check_registry[i]->n_kinds; k++) {
            const struct finding_kind *fk = &check_registry[i]->kinds[k];
            if (fk->intrusive && !intrusive)
                continue;
            for (size_t m = 0; m < r->n_kinds; m++)
                if (kind_matches(r->kinds[m], fk->id))
                    return true;
        }
    return false;
}

bool eval_rule_disabled(const struct profile *prof, const struct policy *p,
                        const struct pol_rule *r)
{
    return disabled(prof, p, r) != NULL;
}

bool eval_rule_assessable(const struct scan_result *scan, const struct pol_rule *r)
{
    return scan->meta.complete && rule_assessable(r, scan_was_intrusive(scan));
}

/* ---- conditions ------------------------------------------------------------------------- */

static bool conditions_hold(const struct profile *prof, const struct policy *p,
                            const struct pol_rule *r, const struct finding *f,
                            enum criticality crit)
{
    if (r->criticality_min && crit < r->criticality_min)
        return false;
    if (r->n_services) {
        const char *svc = finding_fact(f, "service");
        bool any = false;
        for (size_t i = 0; svc && i < r->n_services; i++)
            any |= strcmp(svc, r->services[i]) == 0;
        if (!any)
            return false;
    }
    for (size_t i = 0; i < r->n_thresholds; i++) {
        const struct pol_threshold *t = &r->thresholds[i];
        const char *fv = finding_fact(f, t->fact);
        char *end;
        double x = fv ? strtod(fv, &end) : 0;
        if (!fv || end == fv)
            continue; /* no such fact: the check's own judgement stands */
        x /= t->scale;
        double v = threshold_value(prof, p, r, t);
        bool ok = t->op == OP_GT ? x > v : t->op == OP_GE ? x >= v : t->op == OP_LT ? x < v : x <= v;
        if (!ok)
            return false;
    }
    return true;
}

/* ---- the per-kind rule cache ------------------------------------------------------------ */

/* Findings of one scan have few distinct kinds; which rules of which policy take a kind is
 * worked out once per kind, not once per finding. */
struct kind_rules {
    const char *kind;
    size_t *rules;     /* for policy i: rules[off[i] .. off[i+1]) are indices into its rules */
    size_t *off;
};

static int rules_for_kind(struct policy *const *pols, size_t n, const char *kind,
                          struct kind_rules *kr)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += pols[i]->n_rules;
    kr->kind = kind;
    kr->rules = malloc((total ? total : 1) * sizeof *kr->rules);
    kr->off = malloc((n + 1) * sizeof *kr->off);
    if (!kr->rules || !kr->off)
        return -1;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const struct policy *p = pols[i];
        kr->off[i] = at;
        for (int pass = 0; pass < 2 && at == kr->off[i]; pass++) /* specific, then fallback */
            for (size_t r = 0; r < p->n_rules; r++) {
                if (p->rules[r].fallback != (pass == 1))
                    continue;
                for (size_t k = 0; k < p->rules[r].n_kinds; k++)
                    if (kind_matches(p->rules[r].kinds[k], kind)) {
                        kr->rules[at++] = r;
                        break;
                    }
            }
    }
    kr->off[n] = at;
    return 0;
}

/* ---- building --------------------------------------------------------------------------- */

static int add_hit(struct eval_control *c, const struct eval_hit *h)
{
    if (c->n_hits == c->cap_hits) {
        size_t cap = c->cap_hits ? c->cap_hits * 2 : 8;
        struct eval_hit *nh = realloc(c->hits, cap * sizeof *nh);
        if (!nh)
            return -1;
        c->hits = nh;
        c->cap_hits = cap;
    }
    c->hits[c->n_hits++] = *h;
    return 0;
}

static enum ctl_status combine(const size_t seen[ST_COUNT])
{
    if (seen[ST_FAIL])
        return ST_FAIL;
    if (seen[ST_PARTIAL] || (seen[ST_PASS] && seen[ST_NOT_CHECKED]))
        return ST_PARTIAL;
    if (seen[ST_PASS])
        return ST_PASS;
    if (seen[ST_NOT_CHECKED])
        return ST_NOT_CHECKED;
    return ST_NOT_APPLICABLE;
}

static int parse_answer(const char *s, enum ctl_status *st)
{
    if (strcmp(s, "pass") == 0)
        *st = ST_PASS;
    else if (strcmp(s, "fail") == 0)
        *st = ST_FAIL;
    else if (strcmp(s, "partial") == 0)
        *st = ST_PARTIAL;
    else if (strcmp(s, "not-applicable") == 0)
        *st = ST_NOT_APPLICABLE;
    else
        return -1;
    return 0;
}

static void judge_control(struct eval_control *ec, const struct profile *prof, bool complete,
                          bool intrusive)
{
    const struct policy *p = ec->policy;
    const struct pol_control *c = &p->controls[ec->control];
    size_t enabled = 0, assessed = 0, emitted = 0;
    for (size_t r = 0; r < p->n_rules; r++) {
        if (p->rules[r].control != ec->control || disabled(prof, p, &p->rules[r]))
            continue;
        enabled++;
        assessed += complete && rule_assessable(&p->rules[r], intrusive);
        emitted += rule_assessable(&p->rules[r], true);
    }
    for (size_t i = 0; i < ec->n_hits; i++) {
        const struct eval_hit *h = &ec->hits[i];
        if (p->rules[h->rule].severity == SEV_INFO)
            ec->n_info++;
        else if (h->accepted == ACC_ACCEPTED)
            ec->n_accepted++;
        else
            ec->n_failing++;
    }
    ec->answer = answer_for(prof, p, c);
    enum ctl_status ans;
    if (ec->n_failing) {
        ec->status = ST_FAIL;
        ec->reason = "findings fail it";
    } else if (ec->answer && parse_answer(ec->answer->result, &ans) == 0) {
        ec->status = ans;
        ec->reason = "answered in the client profile";
    } else if (c->manual_question && !enabled) {
        ec->status = ST_NOT_CHECKED;
        ec->reason = "manual control not answered in the client profile";
    } else if (!enabled) {
        bool any = false;
        for (size_t r = 0; r < p->n_rules; r++)
            any |= p->rules[r].control == ec->control;
        ec->status = any ? ST_NOT_APPLICABLE : ST_NOT_CHECKED;
        ec->reason = any ? "every rule switched off by the client profile" : "no rule";
    } else if (!complete) {
        ec->status = ST_NOT_CHECKED;
        ec->reason = "the scan is incomplete";
    } else if (assessed == enabled && !c->manual_question) {
        ec->status = ST_PASS;
        ec->reason = ec->n_accepted ? "no failing findings (some risks accepted)"
                                    : "no failing findings";
    } else if (assessed) {
        ec->status = ST_PARTIAL;
        ec->reason = c->manual_question ? "no failing findings, manual part not answered"
                                        : "some rules cannot be assessed from this scan";
    } else {
        ec->status = ST_NOT_CHECKED;
        ec->reason = emitted ? "its kinds are found only by intrusive checks (scan --intrusive)"
                             : "no check in this build emits the kinds its rules match";
    }
}

static int build_frameworks(struct evaluation *ev)
{
    for (size_t ci = 0; ci < ev->n_controls; ci++) {
        const struct eval_control *ec = &ev->controls[ci];
        const struct policy *p = ec->policy;
        const struct pol_control *c = &p->controls[ec->control];
        for (size_t r = 0; r < c->n_refs; r++) {
            const struct pol_ref *ref = &c->refs[r];
            struct eval_framework *fw = NULL;
            for (size_t f = 0; f < ev->n_frameworks && !fw; f++)
                if (strcmp(ev->frameworks[f].id, ref->framework) == 0)
                    fw = &ev->frameworks[f];
            if (!fw) {
                struct eval_framework *nf =
                    realloc(ev->frameworks, (ev->n_frameworks + 1) * sizeof *nf);
                if (!nf)
                    return -1;
                ev->frameworks = nf;
                fw = &nf[ev->n_frameworks++];
                memset(fw, 0, sizeof *fw);
                const struct pol_framework *pf = policy_framework(p, ref->framework);
                fw->id = ref->framework;
                fw->title = pf ? pf->title : ref->framework;
                fw->version = pf ? pf->version : NULL;
            }
            struct eval_item *it = NULL;
            for (size_t i = 0; i < fw->n_items && !it; i++)
                if (strcmp(fw->items[i].id, ref->id) == 0)
                    it = &fw->items[i];
            if (!it) {
                struct eval_item *ni = realloc(fw->items, (fw->n_items + 1) * sizeof *ni);
                if (!ni)
                    return -1;
                fw->items = ni;
                it = &ni[fw->n_items++];
                memset(it, 0, sizeof *it);
                it->id = ref->id;
            }
            if (!it->title)
                it->title = ref->title ? ref->title : NULL;
            if (ref->ig && (!it->ig || ref->ig < it->ig))
                it->ig = ref->ig;
            bool dup = false;
            for (size_t k = 0; k < it->n_controls; k++)
                dup |= it->controls[k] == ci;
            if (dup)
                continue;
            size_t *nc = realloc(it->controls, (it->n_controls + 1) * sizeof *nc);
            if (!nc)
                return -1;
            it->controls = nc;
            it->controls[it->n_controls++] = ci;
        }
    }
    for (size_t f = 0; f < ev->n_frameworks; f++) {
        struct eval_framework *fw = &ev->frameworks[f];
        for (size_t i = 0; i < fw->n_items; i++) {
            size_t seen[ST_COUNT] = {0};
            for (size_t k = 0; k < fw->items[i].n_controls; k++)
                seen[ev->controls[fw->items[i].controls[k]].status]++;
            fw->items[i].status = combine(seen);
            fw->count[fw->items[i].status]++;
        }
    }
    return 0;
}

static void warn_unused_tailoring(struct evaluation *ev, const struct profile *prof,
                                  struct policy *const *pols, size_t n)
{
    for (size_t i = 0; prof && i < prof->n_disables + prof->n_accepts + prof->n_thresholds; i++) {
        const char *rule, *pol, *what;
        if (i < prof->n_disables) {
            rule = prof->disables[i].rule, pol = prof->disables[i].policy, what = "disable";
        } else if (i < prof->n_disables + prof->n_accepts) {
            const struct prof_accept *a = &prof->accepts[i - prof->n_disables];
            rule = a->rule, pol = a->policy, what = "accept";
        } else {
            const struct prof_threshold *t = &prof->thresholds[i - prof->n_disables - prof->n_accepts];
            bool found = false;
            for (size_t k = 0; k < n && !found; k++)
                for (size_t r = 0; r < pols[k]->n_rules && !found; r++)
                    for (size_t x = 0; x < pols[k]->rules[r].n_thresholds && !found; x++)
                        found = policy_is(t->policy, pols[k]) &&
                                strcmp(pols[k]->rules[r].thresholds[x].name, t->name) == 0 &&
                                (!t->rule || strcmp(t->rule, pols[k]->rules[r].id) == 0);
            if (!found)
                diags_addf(&ev->warnings, "%s: threshold \"%s\" is used by no rule of the policies "
                                          "evaluated", prof->source, t->name);
            continue;
        }
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
            for (size_t r = 0; r < pols[k]->n_rules && !found; r++)
                found = policy_is(pol, pols[k]) && strcmp(pols[k]->rules[r].id, rule) == 0;
        if (!found)
            diags_addf(&ev->warnings, "%s: %s names rule \"%s\"%s%s, which no policy evaluated has",
                       prof->source, what, rule, pol ? " of policy " : "", pol ? pol : "");
    }
    for (size_t i = 0; prof && i < prof->n_answers; i++) {
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
            found = policy_is(prof->answers[i].policy, pols[k]) &&
                    policy_control(pols[k], prof->answers[i].control) != NULL;
        if (!found)
            diags_addf(&ev->warnings, "%s: answer names control \"%s\", which no policy evaluated "
                                      "has", prof->source, prof->answers[i].control);
    }
}

enum { RULE_OFF = 1, RULE_ACCEPTS = 2 }; /* switched off; some acceptance names it */

int evaluate(const struct scan_result *scan, struct policy *const *pols, size_t n,
             const struct profile *prof, const char *date, struct evaluation **out,
             struct rm_err *e)
{
    *out = NULL;
    struct evaluation *ev = calloc(1, sizeof *ev);
    struct kind_rules *cache = NULL;
    size_t n_cache = 0, cap_cache = 0;
    size_t *first = NULL; /* first control index of each policy */
    size_t *rfirst = NULL; /* first index of each policy's rules in rflags */
    unsigned char *rflags = NULL; /* per rule: RULE_OFF, RULE_ACCEPTS */
    if (!ev)
        goto oom;
    if (date)
        snprintf(ev->date, sizeof ev->date, "%s", date);
    else if (scan->meta.started_utc && strlen(scan->meta.started_utc) >= 10)
        snprintf(ev->date, sizeof ev->date, "%.10s", scan->meta.started_utc);
    else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ev->date, sizeof ev->date, "%Y-%m-%d", &tm);
    }

    if (scan->n_findings > UINT32_MAX) {
        evaluation_free(ev);
        return rm_errf(e, "evaluate: more than %lu findings", (unsigned long)UINT32_MAX);
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += pols[i]->n_controls;
    if (!(first = malloc((n + 1) * sizeof *first)) ||
        (total && !(ev->controls = calloc(total, sizeof *ev->controls))))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        first[i] = ev->n_controls;
        for (size_t c = 0; c < pols[i]->n_controls; c++) {
            ev->controls[ev->n_controls].policy = pols[i];
            ev->controls[ev->n_controls++].control = c;
        }
    }
    if (scan->n_findings && !(ev->unmapped = malloc(scan->n_findings * sizeof *ev->unmapped)))
        goto oom;
    /* The profile's switches and acceptances are looked up once per rule, not per hit
     * (600,000 hits for 100,000 findings under six policies). */
    size_t total_rules = 0;
    if (!(rfirst = malloc((n + 1) * sizeof *rfirst)))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        rfirst[i] = total_rules;
        total_rules += pols[i]->n_rules;
    }
    if (!(rflags = calloc(total_rules ? total_rules : 1, 1)))
        goto oom;
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < pols[i]->n_rules; r++) {
            const struct pol_rule *ru = &pols[i]->rules[r];
            unsigned char fl = disabled(prof, pols[i], ru) ? RULE_OFF : 0;
            for (size_t a = 0; prof && a < prof->n_accepts && !(fl & RULE_ACCEPTS); a++)
                if (strcmp(prof->accepts[a].rule, ru->id) == 0 &&
                    policy_is(prof->accepts[a].policy, pols[i]))
                    fl |= RULE_ACCEPTS;
            rflags[rfirst[i] + r] = fl;
        }
    struct rm_addr last_addr;
    const char *last_host = NULL;
    const struct prof_group *last_group = NULL;
    bool have_last = false;

    for (size_t fi = 0; fi < scan->n_findings; fi++) {
        const struct finding *f = scan->findings[fi];
        struct kind_rules *kr = NULL;
        for (size_t i = 0; i < n_cache && !kr; i++)
            if (strcmp(cache[i].kind, f->kind) == 0)
                kr = &cache[i];
        if (!kr) {
            if (n_cache == cap_cache) {
                size_t cap = cap_cache ? cap_cache * 2 : 16;
                struct kind_rules *nc = realloc(cache, cap * sizeof *nc);
                if (!nc)
                    goto oom;
                cache = nc;
                cap_cache = cap;
            }
            kr = &cache[n_cache++];
            memset(kr, 0, sizeof *kr);
            if (rules_for_kind(pols, n, f->kind, kr) < 0)
                goto oom;
        }
        if (kr->off[n] == 0) {
            ev->unmapped[ev->n_unmapped++] = fi;
            continue;
        }
        /* A site-wide finding's asset is a profile asset group by its id (the critical groups
         * are the backup check's assets), or a member of one by name. Findings come host by host: look the group up once
         * per run of the same asset. */
        if (!f->addr.family) {
            last_group = NULL;
            for (size_t g = 0; prof && f->site_asset && g < prof->n_groups && !last_group; g++)
                if (strcmp(prof->groups[g].id, f->site_asset) == 0)
                    last_group = &prof->groups[g];
            /* Else a group that lists the asset's name as a member host name. */
            if (!last_group && f->site_asset)
                last_group = profile_group_of(prof, &f->addr, f->site_asset);
            have_last = false;
        } else if (!have_last || !addr_eq(&last_addr, &f->addr) ||
            (last_host != f->hostname &&
             (!last_host || !f->hostname || strcmp(last_host, f->hostname) != 0))) {
            last_group = profile_group_of(prof, &f->addr, f->hostname);
            last_addr = f->addr;
            last_host = f->hostname;
            have_last = true;
        }
        const struct prof_group *g = last_group;
        enum criticality crit = g ? g->criticality : prof ? prof->default_criticality : CRIT_MEDIUM;
        for (size_t pi = 0; pi < n; pi++) {
            const struct policy *p = pols[pi];
            for (size_t k = kr->off[pi]; k < kr->off[pi + 1]; k++) {
                const struct pol_rule *r = &p->rules[kr->rules[k]];
                unsigned char fl = rflags[rfirst[pi] + kr->rules[k]];
                if ((fl & RULE_OFF) || !conditions_hold(prof, p, r, f, crit))
                    continue;
                struct eval_hit h = {.finding = (uint32_t)fi, .rule = (uint32_t)kr->rules[k],
                                     .criticality = crit, .group = g};
                if ((fl & RULE_ACCEPTS) && (h.accept = acceptance(prof, p, r, f)))
                    h.accepted = strcmp(ev->date, h.accept->expires) <= 0 ? ACC_ACCEPTED
                                                                          : ACC_EXPIRED;
                if (add_hit(&ev->controls[first[pi] + r->control], &h) < 0)
                    goto oom;
            }
        }
    }

    bool intrusive = scan_was_intrusive(scan);
    for (size_t i = 0; i < ev->n_controls; i++)
        judge_control(&ev->controls[i], prof, scan->meta.complete, intrusive);
    if (build_frameworks(ev) < 0)
        goto oom;
    warn_unused_tailoring(ev, prof, pols, n);

    for (size_t i = 0; i < n_cache; i++) {
        free(cache[i].rules);
        free(cache[i].off);
    }
    free(cache);
    free(first);
    free(rfirst);
    free(rflags);
    *out = ev;
    return 0;
oom:
    for (size_t i = 0; i < n_cache; i++) {
        free(cache[i].rules);
        free(cache[i].off);
    }
    free(cache);
    free(first);
    free(rfirst);
    free(rflags);
    evaluation_free(ev);
    return rm_errf(e, "evaluate: out of memory");
}

size_t evaluation_count(const struct evaluation *ev, enum ctl_status s)
{
    size_t n = 0;
    for (size_t i = 0; i < ev->n_controls; i++)
        n += ev->controls[i].status == s;
    return n;
}

void evaluation_free(struct evaluation *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->n_controls; i++)
        free(ev->controls[i].hits);
    for (size_t f = 0; f < ev->n_frameworks; f++) {
        for (size_t i = 0; i < ev->frameworks[f].n_items; i++)
            free(ev->frameworks[f].items[i].controls);
        free(ev->frameworks[f].items);
    }
    free(ev->frameworks);
    free(ev->controls);
    free(ev->unmapped);
    diags_free(&ev->warnings);
    free(ev);
}
