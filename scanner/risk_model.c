/* The risk model's small rules: status names, what a status leaves of a score, the headline
 * figures, and the set's memory. */
#include "scanner/risk_model.h"

#include <stdlib.h>
#include <string.h>

#include "scanner/arena.h"
#include "scanner/model.h"

static const char *const status_names[RISK_STATUS_COUNT] = {
    "open", "reopened", "mitigating", "accepted", "exception", "resolved",
};

const char *risk_status_name(enum risk_status s)
{
    return (unsigned)s < RISK_STATUS_COUNT ? status_names[s] : "?";
}

int risk_status_parse(const char *s, enum risk_status *out)
{
    for (int i = 0; s && i < RISK_STATUS_COUNT; i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum risk_status)i;
            return 0;
        }
    return -1;
}

bool risk_status_counts(enum risk_status s)
{
    return s == RISK_OPEN || s == RISK_REOPENED || s == RISK_MITIGATING;
}

static int clamp5(int v)
{
    return v < 1 ? 1 : v > 5 ? 5 : v;
}

int risk_residual(const struct risk *r)
{
    switch (r->status) {
    case RISK_OPEN:
    case RISK_REOPENED:
    case RISK_ACCEPTED:
        return r->inherent;
    case RISK_MITIGATING:
        return clamp5(r->likelihood - 2) * r->impact;
    case RISK_EXCEPTION:
    case RISK_RESOLVED:
        break;
    }
    return 0;
}

struct risk_headline risk_headline(const struct risk_set *s)
{
    struct risk_headline h = {0};
    for (size_t i = 0; i < s->n; i++) {
        const struct risk *r = &s->v[i];
        if (!risk_status_counts(r->status))
            continue;
        h.total += r->residual;
        if (!h.n_counted || r->residual > h.worst) {
            h.worst = r->residual;
            h.worst_index = i;
        }
        h.n_counted++;
    }
    return h;
}

int risk_set_reserve(struct risk_set *s, size_t n)
{
    if (n <= s->cap)
        return 0;
    struct risk *v = realloc(s->v, n * sizeof *v);
    if (!v)
        return -1;
    s->v = v;
    s->cap = n;
    return 0;
}

struct risk *risk_set_add(struct risk_set *s)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        struct risk *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return NULL;
        s->v = v;
        s->cap = cap;
    }
    struct risk *r = &s->v[s->n++];
    memset(r, 0, sizeof *r);
    r->cvss = -1;
    r->criticality = CRIT_MEDIUM;
    return r;
}

/* Copies s to *at, returns the copy and moves *at past it. */
static char *put_str(char **at, const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = memcpy(*at, s, n);
    *at += n;
    return c;
}

int risk_set_lists(struct risk *r, const char *const *controls, size_t n_controls,
                   const char *const *refs, size_t n_refs)
{
    free(r->controls);
    free(r->refs);
    r->controls = NULL;
    r->refs = NULL;
    r->n_controls = r->n_refs = 0;
    size_t tc = n_controls * sizeof *r->controls, tr = n_refs * sizeof *r->refs;
    for (size_t i = 0; i < n_controls; i++)
        tc += strlen(controls[i]) + 1;
    for (size_t i = 0; i < 2 * n_refs; i++)
        tr += strlen(refs[i]) + 1;
    char **c = n_controls ? malloc(tc) : NULL;
    struct risk_ref *f = n_refs ? malloc(tr) : NULL;
    if ((n_controls && !c) || (n_refs && !f)) {
        free(c);
        free(f);
        return -1;
    }
    char *at = (char *)(c + n_controls);
    for (size_t i = 0; i < n_controls; i++)
        c[i] = put_str(&at, controls[i]);
    at = (char *)(f + n_refs);
    for (size_t i = 0; i < n_refs; i++) {
        f[i].framework = put_str(&at, refs[2 * i]);
        f[i].id = put_str(&at, refs[2 * i + 1]);
    }
    r->controls = c;
    r->n_controls = n_controls;
    r->refs = f;
    r->n_refs = n_refs;
    return 0;
}

/* Every distinct string once, in an arena; found by an open-addressing table of (hash,
 * string). */
struct pool_slot {
    uint64_t hash;
    char *s; /* NULL: empty */
};

struct risk_pool {
    struct arena a;
    struct pool_slot *v;
    size_t n, cap; /* cap a power of two */
};

static uint64_t hash_str(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h ^ (h >> 32);
}

static struct pool_slot *pool_find(struct risk_pool *p, uint64_t h, const char *s)
{
    for (size_t i = h & (p->cap - 1);; i = (i + 1) & (p->cap - 1))
        if (!p->v[i].s || (p->v[i].hash == h && strcmp(p->v[i].s, s) == 0))
            return &p->v[i];
}

static int pool_grow(struct risk_pool *p)
{
    size_t cap = p->cap ? p->cap * 2 : 1024;
    struct pool_slot *v = calloc(cap, sizeof *v), *old = p->v;
    if (!v)
        return -1;
    size_t oldcap = p->cap;
    p->v = v;
    p->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].s)
            *pool_find(p, old[i].hash, old[i].s) = old[i];
    free(old);
    return 0;
}

int risk_set_pool(struct risk_set *s)
{
    if (s->pool)
        return 0;
    struct risk_pool *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    arena_init(&p->a, 256 * 1024, 0);
    if (pool_grow(p) < 0) {
        free(p);
        return -1;
    }
    s->pool = p;
    return 0;
}

char *risk_set_intern(struct risk_set *s, const char *str)
{
    struct risk_pool *p = s->pool;
    if (!str)
        return NULL;
    size_t n = strlen(str);
    uint64_t h = hash_str(str, n);
    struct pool_slot *slot = pool_find(p, h, str);
    if (slot->s)
        return slot->s;
    if (2 * (p->n + 1) > p->cap) {
        if (pool_grow(p) < 0)
            return NULL;
        slot = pool_find(p, h, str);
    }
    char *c = arena_alloc(&p->a, n + 1);
    if (!c)
        return NULL;
    memcpy(c, str, n + 1);
    slot->hash = h;
    slot->s = c;
    p->n++;
    return c;
}

int risk_set_pool_lists(struct risk_set *s, struct risk *r, const char *const *controls,
                        size_t n_controls, const char *const *refs, size_t n_refs)
{
    char **c = n_controls ? arena_alloc(&s->pool->a, n_controls * sizeof *c) : NULL;
    struct risk_ref *f = n_refs ? arena_alloc(&s->pool->a, n_refs * sizeof *f) : NULL;
    if ((n_controls && !c) || (n_refs && !f))
        return -1;
    for (size_t i = 0; i < n_controls; i++)
        if (!(c[i] = risk_set_intern(s, controls[i])))
            return -1;
    for (size_t i = 0; i < n_refs; i++)
        if (!(f[i].framework = risk_set_intern(s, refs[2 * i])) ||
            !(f[i].id = risk_set_intern(s, refs[2 * i + 1])))
            return -1;
    r->controls = c;
    r->n_controls = n_controls;
    r->refs = f;
    r->n_refs = n_refs;
    return 0;
}

/* The register state: what a risk owns itself in a pooled set. */
static void clear_state(struct risk *r)
{
    free(r->owner);
    free(r->due);
    free(r->treatment);
    free(r->accept_expires);
    free(r->exception_kind);
}

void risk_clear(struct risk *r)
{
    free(r->kind);
    free(r->title);
    free(r->asset);
    free(r->address);
    free(r->policy_id);
    free(r->rule_id);
    free(r->controls); /* each list holds its strings (risk_set_lists) */
    free(r->refs);
    free(r->remediation);
    free(r->initiative_id);
    free(r->initiative_title);
    clear_state(r);
    memset(r, 0, sizeof *r);
}

void risk_set_clear(struct risk_set *s, struct risk *r)
{
    if (!s->pool) {
        risk_clear(r);
        return;
    }
    clear_state(r);
    memset(r, 0, sizeof *r);
}

int risk_set_adopt(struct risk_set *s, struct risk *r)
{
    struct risk *m = risk_set_add(s);
    if (!m) {
        risk_clear(r);
        return -1;
    }
    *m = *r;
    if (!s->pool) {
        memset(r, 0, sizeof *r);
        return 0;
    }
    char **fields[] = {&m->kind, &m->title, &m->asset, &m->address, &m->policy_id,
                       &m->rule_id, &m->remediation, &m->initiative_id, &m->initiative_title};
    int rc = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *own = *fields[i];
        *fields[i] = risk_set_intern(s, own);
        if (own && !*fields[i])
            rc = -1;
        free(own);
    }
    const char **names = calloc(r->n_controls + 1, sizeof *names);
    const char **refs = calloc(2 * r->n_refs + 1, sizeof *refs);
    if (names && refs) {
        for (size_t i = 0; i < r->n_controls; i++)
            names[i] = r->controls[i];
        for (size_t i = 0; i < r->n_refs; i++) {
            refs[2 * i] = r->refs[i].framework;
            refs[2 * i + 1] = r->refs[i].id;
        }
    }
    if (!names || !refs ||
        risk_set_pool_lists(s, m, names, r->n_controls, refs, r->n_refs) < 0)
        rc = -1;
    free(names);
    free(refs);
    free(r->controls);
    free(r->refs);
    memset(r, 0, sizeof *r);
    if (rc < 0) { /* m's scan fields are the pool's or NULL: only its state is its own */
        s->n--;
        clear_state(m);
    }
    return rc;
}

void risk_set_free(struct risk_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        risk_set_clear(s, &s->v[i]);
    free(s->v);
    if (s->pool) {
        arena_release(&s->pool->a);
        free(s->pool->v);
        free(s->pool);
    }
    memset(s, 0, sizeof *s);
}


void trend_free(struct trend *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].fw);
    free(t->v);
    t->v = NULL;
    t->n = 0;
}
