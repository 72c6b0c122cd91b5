/* The roadmap: grouping, figures and quarter placement. The method is documented in
 * docs/roadmap.md; keep the two in step. */
#include "reports/roadmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/risk.h"

#define EPS 1e-9
/* Effort assumed for a risk whose rule gives no remediation: an hour to assess it. */
#define ASSESS_HOURS 1.0

double cost_band_amount(enum cost_band c)
{
    /* One figure per band of policies/policy.h, near the middle of the band, so that a sum
     * over many remediations comes out near the sum of what they will cost. */
    switch (c) {
    case COST_MINIMAL: return 0;
    case COST_LOW: return 500;
    case COST_MEDIUM: return 5000;
    case COST_HIGH: return 25000;
    case COST_VERY_HIGH: return 75000;
    }
    return 0;
}

const char *rm_driver_name(enum rm_driver d)
{
    static const char *const n[] = {"priority", "urgent", "end-of-life", "objective"};
    return (unsigned)d <= DRIVER_OBJECTIVE ? n[d] : "?";
}

/* ---- calendar ---------------------------------------------------------------------------- */

static int parse_date(const char *s, int *y, int *m, int *d)
{
    char tail;
    if (!s || strlen(s) < 10 || sscanf(s, "%4d-%2d-%2d%c", y, m, d, &tail) < 3 || *m < 1 ||
        *m > 12 || *d < 1 || *d > 31)
        return -1;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's civil algorithm). */
static long days_of(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : n[m - 1];
}

/* Plan start: year and quarter (0..3) of the scan date. */
struct plan {
    int y0, q0;
};

/* Quarters from the plan's first (negative before it, ROADMAP_QUARTERS and up after it). */
static int quarter_index(const struct plan *p, int y, int q)
{
    return (y - p->y0) * 4 + (q - p->q0);
}

int roadmap_quarter_of(const struct roadmap *r, const char *date)
{
    int y, m, d, y0, m0, d0;
    if (parse_date(date, &y, &m, &d) < 0 || parse_date(r->date, &y0, &m0, &d0) < 0)
        return -1;
    struct plan p = {y0, (m0 - 1) / 3};
    int k = quarter_index(&p, y, (m - 1) / 3);
    return k < 0 ? -1 : k > ROADMAP_QUARTERS ? ROADMAP_QUARTERS : k;
}

/* "2027-Q3" or a date: the plan quarter it names; -2 when unreadable. */
static int target_quarter(const struct plan *p, const struct prof_objective *o)
{
    int y, q, m, d;
    char tail;
    if (o->target_quarter && sscanf(o->target_quarter, "%4d-Q%1d%c", &y, &q, &tail) == 2 &&
        q >= 1 && q <= 4)
        return quarter_index(p, y, q - 1);
    if (o->target_date[0] && parse_date(o->target_date, &y, &m, &d) == 0)
        return quarter_index(p, y, (m - 1) / 3);
    return -2;
}

struct rm_objective_status roadmap_objective(const struct roadmap *r,
                                             const struct prof_objective *o)
{
    struct rm_objective_status st = {-2, 0, -1};
    int y0, m0, d0;
    if (parse_date(r->date, &y0, &m0, &d0) == 0) {
        struct plan p = {y0, (m0 - 1) / 3};
        int k = target_quarter(&p, o);
        st.target = k == -2 ? -2 : k < 0 ? -1 : k > ROADMAP_QUARTERS ? ROADMAP_QUARTERS : k;
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct rm_initiative *in = &r->v[i];
        for (size_t j = 0; j < in->n_objectives; j++) {
            if (strcmp(in->objectives[j], o->id) != 0)
                continue;
            st.n_initiatives++;
            int done = in->later_hours > 0 ? ROADMAP_QUARTERS : in->last;
            if (done > st.done)
                st.done = done;
        }
    }
    return st;
}

static void fill_quarters(struct roadmap *r, const struct plan *p, int sd_y, int sd_m, int sd_d)
{
    for (int k = 0; k < ROADMAP_QUARTERS; k++) {
        struct rm_quarter *q = &r->q[k];
        int y = p->y0 + (p->q0 + k) / 4, qq = (p->q0 + k) % 4;
        int m1 = qq * 3 + 1, m3 = qq * 3 + 3;
        snprintf(q->label, sizeof q->label, "Q%d %d", qq + 1, y);
        snprintf(q->start, sizeof q->start, "%04d-%02d-01", y, m1);
        snprintf(q->end, sizeof q->end, "%04d-%02d-%02d", y, m3, month_days(y, m3));
        q->capacity = r->capacity;
        if (k == 0) {
            /* The quarter of the scan date is only partly left. */
            long all = days_of(y, m3, month_days(y, m3)) - days_of(y, m1, 1) + 1;
            long left = days_of(y, m3, month_days(y, m3)) - days_of(sd_y, sd_m, sd_d) + 1;
            q->capacity = floor(r->capacity * (double)left / (double)all + 0.5);
        }
    }
}

/* ---- grouping ---------------------------------------------------------------------------- */

struct group {
    struct rm_initiative in;
    size_t cap;
    int deadline_q;   /* plan quarter it must be done by; INT_MAX-ish when none */
    bool eol;         /* the deadline comes from an end-of-life date */
    int cls;          /* 0 urgent, 1 deadline, 2 ordinary */
};

#define NO_DEADLINE 1000

static char *dupstr(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The first sentence of a remediation text, at most 90 characters, as a title. */
static char *title_from(const char *text)
{
    size_t n = strcspn(text, ".;\n");
    if (n > 90) {
        n = 90;
        while (n > 40 && text[n] != ' ')
            n--;
    }
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, text, n);
        t[n] = '\0';
    }
    return t;
}

static const struct pol_initiative *find_initiative(struct policy *const *pols, size_t n,
                                                    const char *id)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < pols[i]->n_initiatives; k++)
            if (strcmp(pols[i]->initiatives[k].id, id) == 0)
                return &pols[i]->initiatives[k];
    return NULL;
}

/* The group a risk goes into, written into buf: its initiative id, or "rule:POLICY:RULE". */
static const char *group_key(const struct risk *k, char *buf, size_t len)
{
    if (k->initiative_id)
        return k->initiative_id;
    snprintf(buf, len, "rule:%s:%s", k->policy_id ? k->policy_id : "",
             k->rule_id ? k->rule_id : k->kind);
    return buf;
}

static int new_group(struct group *g, char *key, const struct risk *k,
                     struct policy *const *pols, size_t n_pols)
{
    memset(g, 0, sizeof *g);
    g->in.id = key;
    g->deadline_q = NO_DEADLINE;
    g->in.first = g->in.last = -1;
    if (k->initiative_id) {
        const struct pol_initiative *pi = find_initiative(pols, n_pols, k->initiative_id);
        g->in.from_policy = true;
        g->in.title = dupstr(k->initiative_title ? k->initiative_title
                             : pi ? pi->title : k->initiative_id);
        if (pi && ((pi->category && !(g->in.category = strdup(pi->category))) ||
                   (pi->rationale && !(g->in.rationale = strdup(pi->rationale)))))
            return -1;
    } else if (k->remediation) {
        g->in.title = title_from(k->remediation);
    } else {
        size_t len = strlen(k->title) + 10;
        if ((g->in.title = malloc(len)))
            snprintf(g->in.title, len, "Resolve: %s", k->title);
    }
    return g->in.title ? 0 : -1;
}

static int add_index(struct rm_initiative *in, size_t *cap, size_t idx)
{
    if (in->n_risks == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        size_t *v = realloc(in->risks, nc * sizeof *v);
        if (!v)
            return -1;
        in->risks = v;
        *cap = nc;
    }
    in->risks[in->n_risks++] = idx;
    return 0;
}

/* Sorting the risks of one group by (asset, policy, rule) to count each remediation once per
 * asset; the set is reached through a file-scope pointer since qsort takes no context. */
static const struct risk_set *g_set;

static int nz(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int by_asset_rule(const void *a, const void *b)
{
    const struct risk *x = &g_set->v[*(const size_t *)a], *y = &g_set->v[*(const size_t *)b];
    int c = nz(x->asset, y->asset);
    if (!c)
        c = nz(x->policy_id, y->policy_id);
    if (!c)
        c = nz(x->rule_id, y->rule_id);
    return c;
}

static int by_residual(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const struct risk *x = &g_set->v[i], *y = &g_set->v[j];
    if (x->residual != y->residual)
        return y->residual - x->residual;
    return i < j ? -1 : i > j;
}

static void figures(struct rm_initiative *in, const struct risk_set *s)
{
    g_set = s;
    qsort(in->risks, in->n_risks, sizeof *in->risks, by_asset_rule);
    const char *last_asset = NULL;
    for (size_t i = 0; i < in->n_risks; i++) {
        const struct risk *k = &s->v[in->risks[i]];
        in->reduction += k->residual;
        if (k->residual > in->worst)
            in->worst = k->residual;
        in->kev |= k->kev;
        if (k->cost > in->cost)
            in->cost = k->cost;
        if (!last_asset || nz(last_asset, k->asset) != 0)
            in->n_assets++;
        last_asset = k->asset;
        if (i && by_asset_rule(&in->risks[i - 1], &in->risks[i]) == 0)
            continue; /* one remediation of one rule fixes the asset once */
        in->effort_hours += k->effort_hours > 0 ? k->effort_hours : ASSESS_HOURS;
        in->budget += cost_band_amount(k->cost);
    }
    in->priority = in->effort_hours > 0 ? (double)in->reduction / in->effort_hours : 0;
    qsort(in->risks, in->n_risks, sizeof *in->risks, by_residual);
}

/* ---- the end-of-life facts of the findings, by fingerprint ------------------------------- */

static int by_fp(const void *a, const void *b)
{
    return strcmp((*(const struct finding *const *)a)->fingerprint,
                  (*(const struct finding *const *)b)->fingerprint);
}

static const char *eol_fact(const struct finding *f)
{
    const char *v = finding_fact(f, "eol_date");
    if (!v)
        v = finding_fact(f, "eol");
    int y, m, d;
    return v && parse_date(v, &y, &m, &d) == 0 ? v : NULL;
}

static const char *eol_of(struct finding **idx, size_t n, const char *fp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(idx[mid]->fingerprint, fp);
        if (c == 0)
            return eol_fact(idx[mid]);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- placement --------------------------------------------------------------------------- */

static double room(const struct roadmap *r, int k)
{
    double x = r->q[k].capacity - r->q[k].hours;
    return x > 0 ? x : 0;
}

static void put(struct roadmap *r, struct rm_initiative *in, int k, double h)
{
    if (h <= EPS)
        return;
    in->q_hours[k] += h;
    r->q[k].hours += h;
}

/* Earliest quarter with room for the whole; work larger than a quarter's capacity runs from
 * the first quarter with room through the following ones. What does not fit is "later". */
static void place_forward(struct roadmap *r, struct rm_initiative *in, int limit)
{
    double left = in->effort_hours;
    if (left <= r->capacity + EPS) {
        for (int k = 0; k < ROADMAP_QUARTERS && k <= limit; k++)
            if (room(r, k) + EPS >= left) {
                put(r, in, k, left);
                return;
            }
        if (limit < ROADMAP_QUARTERS) { /* a deadline in the plan: it goes there anyway */
            put(r, in, limit, left);
            in->over_capacity = true;
            return;
        }
        in->later_hours = left;
        return;
    }
    for (int k = 0; k < ROADMAP_QUARTERS && left > EPS; k++) {
        double h = room(r, k) < left ? room(r, k) : left;
        put(r, in, k, h);
        left -= h;
    }
    in->later_hours = left > EPS ? left : 0;
}

/* Just in time: the latest quarter up to the deadline with room for the whole; else the
 * rooms from the deadline backwards, the rest forced into the deadline quarter. */
static void place_backward(struct roadmap *r, struct rm_initiative *in, int dq)
{
    double left = in->effort_hours;
    for (int k = dq; k >= 0; k--)
        if (room(r, k) + EPS >= left) {
            put(r, in, k, left);
            return;
        }
    for (int k = dq; k >= 0 && left > EPS; k--) {
        double h = room(r, k) < left ? room(r, k) : left;
        put(r, in, k, h);
        left -= h;
    }
    if (left > EPS) {
        put(r, in, dq, left);
        in->over_capacity = true;
    }
}

static int by_plan_class(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    if (x->cls != y->cls)
        return x->cls - y->cls;
    if (x->cls == 1 && x->deadline_q != y->deadline_q)
        return x->deadline_q - y->deadline_q;
    if (fabs(x->in.priority - y->in.priority) > EPS)
        return x->in.priority > y->in.priority ? -1 : 1;
    if (x->in.reduction != y->in.reduction)
        return x->in.reduction > y->in.reduction ? -1 : 1;
    return strcmp(x->in.id, y->in.id);
}

static int by_plan_order(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    int fx = x->in.first < 0 ? 99 : x->in.first, fy = y->in.first < 0 ? 99 : y->in.first;
    if (fx != fy)
        return fx - fy;
    return by_plan_class(a, b);
}

/* ---- building ---------------------------------------------------------------------------- */

static void free_initiative(struct rm_initiative *in)
{
    free(in->id);
    free(in->title);
    free(in->category);
    free(in->rationale);
    free(in->risks);
    for (size_t i = 0; i < in->n_objectives; i++)
        free(in->objectives[i]);
    free(in->objectives);
}

void roadmap_free(struct roadmap *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free_initiative(&r->v[i]);
    free(r->v);
    diags_free(&r->warnings);
    free(r);
}

static int link_objectives(struct group *g, const struct profile *prof, const struct plan *p)
{
    for (size_t i = 0; prof && i < prof->n_objectives; i++) {
        const struct prof_objective *o = &prof->objectives[i];
        for (size_t k = 0; k < o->n_serves; k++) {
            if (strcmp(o->serves[k], g->in.id) != 0)
                continue;
            char **v = realloc(g->in.objectives, (g->in.n_objectives + 1) * sizeof *v);
            if (!v)
                return -1;
            g->in.objectives = v;
            if (!(v[g->in.n_objectives] = strdup(o->id)))
                return -1;
            g->in.n_objectives++;
            int tq = target_quarter(p, o);
            if (tq < -1)
                break;
            if (tq < 0)
                tq = 0; /* the target has passed: as soon as possible */
            if (tq < ROADMAP_QUARTERS && tq < g->deadline_q) {
                g->deadline_q = tq;
                g->eol = false;
                snprintf(g->in.deadline, sizeof g->in.deadline, "%s",
                         o->target_date[0] ? o->target_date : o->target_quarter);
            }
            break;
        }
    }
    return 0;
}

int roadmap_build(const struct risk_set *s, const struct scan_result *scan,
                  struct policy *const *pols, size_t n_pols, const struct profile *prof,
                  const struct roadmap_options *opts, struct roadmap **out, struct rm_err *e)
{
    *out = NULL;
    int sy, sm, sd;
    if (parse_date(s->date, &sy, &sm, &sd) < 0)
        return rm_errf(e, "roadmap: the risk set has no scan date (\"%s\")", s->date);
    struct roadmap *r = calloc(1, sizeof *r);
    struct finding **idx = NULL;
    struct group *g = NULL;
    size_t ng = 0, capg = 0;
    if (!r)
        return rm_errf(e, "roadmap: out of memory");
    snprintf(r->date, sizeof r->date, "%s", s->date);
    r->capacity = opts && opts->capacity_hours > 0 ? opts->capacity_hours
                  : prof && prof->quarter_capacity_hours > 0 ? prof->quarter_capacity_hours
                                                             : ROADMAP_DEFAULT_CAPACITY_HOURS;
    struct plan plan = {sy, (sm - 1) / 3};
    fill_quarters(r, &plan, sy, sm, sd);
    if (prof)
        profile_check_objectives(prof, pols, n_pols, &r->warnings);

    /* Only findings with an end-of-life date matter here: index those by fingerprint. */
    size_t n_idx = 0;
    if (scan && scan->n_findings) {
        if (!(idx = malloc(scan->n_findings * sizeof *idx)))
            goto oom;
        for (size_t i = 0; i < scan->n_findings; i++)
            if (eol_fact(scan->findings[i]))
                idx[n_idx++] = scan->findings[i];
        qsort(idx, n_idx, sizeof *idx, by_fp);
    }

    size_t last = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct risk *k = &s->v[i];
        if (!risk_status_counts(k->status)) {
            r->n_not_planned++;
            continue;
        }
        char kb[512];
        const char *key = group_key(k, kb, sizeof kb);
        size_t j = last < ng && strcmp(g[last].in.id, key) == 0 ? last : 0;
        while (j < ng && strcmp(g[j].in.id, key) != 0)
            j++;
        if (j == ng) {
            if (ng == capg) {
                size_t nc = capg ? capg * 2 : 16;
                struct group *v = realloc(g, nc * sizeof *v);
                if (!v)
                    goto oom;
                g = v;
                capg = nc;
            }
            char *id = strdup(key);
            if (!id)
                goto oom;
            if (new_group(&g[ng++], id, k, pols, n_pols) < 0)
                goto oom; /* the group owns id now */
        }
        last = j;
        struct group *gr = &g[j];
        if (add_index(&gr->in, &gr->cap, i) < 0)
            goto oom;
        if (k->residual >= 20 || k->severity == SEV_CRITICAL || k->kev)
            gr->cls = -1; /* marks urgent until classes are set below */
        const char *eol = n_idx ? eol_of(idx, n_idx, k->fingerprint) : NULL;
        if (eol) {
            int ey, em, ed;
            parse_date(eol, &ey, &em, &ed);
            int dq = quarter_index(&plan, ey, (em - 1) / 3) - 1;
            if (dq < 0)
                gr->cls = -1; /* out of support already, or before the quarter ends */
            else if (dq < ROADMAP_QUARTERS && dq < gr->deadline_q) {
                gr->deadline_q = dq;
                gr->eol = true;
                snprintf(gr->in.deadline, sizeof gr->in.deadline, "%.10s", eol);
            }
        }
    }

    for (size_t j = 0; j < ng; j++) {
        struct group *gr = &g[j];
        figures(&gr->in, s);
        if (link_objectives(gr, prof, &plan) < 0)
            goto oom;
        gr->in.deadline_eol = gr->eol && gr->in.deadline[0];
        if (gr->cls == -1) {
            gr->cls = 0;
            gr->in.driver = DRIVER_URGENT;
        } else if (gr->deadline_q < ROADMAP_QUARTERS) {
            gr->cls = 1;
            gr->in.driver = gr->eol ? DRIVER_EOL : DRIVER_OBJECTIVE;
        } else {
            gr->cls = 2;
            gr->in.driver = DRIVER_PRIORITY;
        }
    }
    if (ng) /* qsort of a NULL array is undefined, even of 0 elements */
        qsort(g, ng, sizeof *g, by_plan_class);
    for (size_t j = 0; j < ng; j++) {
        struct group *gr = &g[j];
        if (gr->cls == 1 && gr->eol)
            place_backward(r, &gr->in, gr->deadline_q);
        else
            place_forward(r, &gr->in, gr->deadline_q < ROADMAP_QUARTERS ? gr->deadline_q
                                                                         : ROADMAP_QUARTERS);
        struct rm_initiative *in = &gr->in;
        for (int k = 0; k < ROADMAP_QUARTERS; k++)
            if (in->q_hours[k] > EPS) {
                if (in->first < 0)
                    in->first = k;
                in->last = k;
                r->q[k].n_initiatives++;
                r->q[k].budget += in->budget * in->q_hours[k] / in->effort_hours;
            }
        if (in->later_hours > EPS) {
            r->later_hours += in->later_hours;
            r->later_budget += in->budget * in->later_hours / in->effort_hours;
        } else if (in->last >= 0) {
            r->q[in->last].reduction += in->reduction;
        }
        r->total_reduction += in->reduction;
        r->total_hours += in->effort_hours;
        r->total_budget += in->budget;
    }
    if (ng)
        qsort(g, ng, sizeof *g, by_plan_order);
    if (ng && !(r->v = calloc(ng, sizeof *r->v)))
        goto oom;
    for (size_t j = 0; j < ng; j++)
        r->v[j] = g[j].in;
    r->n = ng;
    free(g);
    free(idx);
    *out = r;
    return 0;
oom:
    for (size_t j = 0; j < ng; j++)
        free_initiative(&g[j].in);
    free(g);
    free(idx);
    roadmap_free(r);
    return rm_errf(e, "roadmap: out of memory");
}
