/* The policy model's small pieces: names, matching, lookup, release. */
#include <stdlib.h>
#include <string.h>

#include "policies/policy.h"

static const char *const crit_names[] = {"", "low", "medium", "high", "critical"};

const char *criticality_name(enum criticality c)
{
    return c >= CRIT_LOW && c <= CRIT_CRITICAL ? crit_names[c] : "unset";
}

int criticality_parse(const char *s, enum criticality *out)
{
    for (int i = CRIT_LOW; s && i <= CRIT_CRITICAL; i++)
        if (strcmp(s, crit_names[i]) == 0)
            return *out = (enum criticality)i, 0;
    return -1;
}

const char *cost_band_name(enum cost_band c)
{
    static const char *const names[] = {"minimal", "low", "medium", "high", "very-high"};
    return c <= COST_VERY_HIGH ? names[c] : "?";
}

bool kind_matches(const char *pattern, const char *kind)
{
    size_t n = strlen(pattern);
    if (n >= 2 && pattern[n - 1] == '*' && pattern[n - 2] == '.')
        return strncmp(pattern, kind, n - 1) == 0 && kind[n - 1] != '\0';
    return strcmp(pattern, kind) == 0;
}

bool policy_covers(const struct policy *p, const char *kind)
{
    for (size_t i = 0; i < p->n_rules; i++)
        for (size_t k = 0; k < p->rules[i].n_kinds; k++)
            if (kind_matches(p->rules[i].kinds[k], kind))
                return true;
    return false;
}

const struct pol_framework *policy_framework(const struct policy *p, const char *id)
{
    for (size_t i = 0; i < p->n_frameworks; i++)
        if (strcmp(p->frameworks[i].id, id) == 0)
            return &p->frameworks[i];
    return NULL;
}

const struct pol_control *policy_control(const struct policy *p, const char *id)
{
    for (size_t i = 0; i < p->n_controls; i++)
        if (strcmp(p->controls[i].id, id) == 0)
            return &p->controls[i];
    return NULL;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void policy_free(struct policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_frameworks; i++) {
        free(p->frameworks[i].id);
        free(p->frameworks[i].title);
        free(p->frameworks[i].version);
    }
    for (size_t i = 0; i < p->n_initiatives; i++) {
        free(p->initiatives[i].id);
        free(p->initiatives[i].title);
        free(p->initiatives[i].category);
        free(p->initiatives[i].rationale);
    }
    for (size_t i = 0; i < p->n_controls; i++) {
        struct pol_control *c = &p->controls[i];
        for (size_t k = 0; k < c->n_refs; k++) {
            free(c->refs[k].framework);
            free(c->refs[k].id);
            free(c->refs[k].title);
        }
        free(c->refs);
        free(c->id);
        free(c->title);
        free(c->description);
        free(c->manual_question);
    }
    for (size_t i = 0; i < p->n_rules; i++) {
        struct pol_rule *r = &p->rules[i];
        free(r->id);
        free_strv(r->kinds, r->n_kinds);
        free_strv(r->services, r->n_services);
        for (size_t k = 0; k < r->n_thresholds; k++) {
            free(r->thresholds[k].name);
            free(r->thresholds[k].fact);
            free(r->thresholds[k].unit);
        }
        free(r->thresholds);
        free(r->rationale);
        free(r->remediation.text);
    }
    free(p->frameworks);
    free(p->initiatives);
    free(p->controls);
    free(p->rules);
    free(p->id);
    free(p->version);
    free(p->title);
    free(p->description);
    free(p->source);
    free(p);
}
