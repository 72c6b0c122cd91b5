/* The risk model's small rules: status names, what a status leaves of a score, the headline
 * figures, and the set's memory. */
#include "scanner/risk_model.h"

#include <stdlib.h>
#include <string.h>

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
    free(r->owner);
    free(r->due);
    free(r->treatment);
    free(r->accept_expires);
    free(r->exception_kind);
    memset(r, 0, sizeof *r);
}

void risk_set_free(struct risk_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        risk_clear(&s->v[i]);
    free(s->v);
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
