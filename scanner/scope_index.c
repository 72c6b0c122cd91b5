/* The lookup index of a finalized scope: a target list of thousands of single addresses
 * (-iL with a client's asset list) would otherwise cost, for every probe, a test against
 * every exclusion and every earlier target. */
#include "scope_impl.h"

#include <stdlib.h>
#include <string.h>

static bool is_single_v4(const struct spec *sp)
{
    return sp->kind == SPEC_V4 && sp->u.v4.first == sp->u.v4.last;
}

static size_t slot_of(uint32_t key, size_t cap)
{
    uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ULL;
    return (size_t)(h >> 32) & (cap - 1);
}

void scope_index_free(struct scope_index *ix)
{
    free(ix->keys);
    free(ix->pos);
    free(ix->ranges);
    memset(ix, 0, sizeof *ix);
}

void scope_index_build(struct scope *s)
{
    struct scope_index *ix = &s->index;
    scope_index_free(ix);
    size_t n = scope_n_blockers(s, s->targets.n);
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    ix->keys = malloc(cap * sizeof *ix->keys);
    ix->pos = malloc(cap * sizeof *ix->pos);
    ix->ranges = malloc((n ? n : 1) * sizeof *ix->ranges);
    if (!ix->keys || !ix->pos || !ix->ranges) {
        scope_index_free(ix);
        return;
    }
    for (size_t i = 0; i < cap; i++)
        ix->pos[i] = SIZE_MAX;
    for (size_t x = 0; x < n; x++) {
        const struct spec *sp = scope_blocker(s, x);
        if (!is_single_v4(sp)) {
            ix->ranges[ix->n_ranges++] = x;
            continue;
        }
        /* Positions ascend, so the first one stored for an address is its lowest. */
        size_t i = slot_of(sp->u.v4.first, cap);
        while (ix->pos[i] != SIZE_MAX && ix->keys[i] != sp->u.v4.first)
            i = (i + 1) & (cap - 1);
        if (ix->pos[i] == SIZE_MAX) {
            ix->keys[i] = sp->u.v4.first;
            ix->pos[i] = x;
        }
    }
    ix->cap = cap;
    ix->n_targets = s->targets.n;
    ix->n_excludes = s->excludes.n;
}

const struct spec *scope_index_blocker(const struct scope *s, size_t k, const struct rm_addr *a,
                                       bool *used)
{
    const struct scope_index *ix = &s->index;
    *used = ix->cap && ix->n_targets == s->targets.n && ix->n_excludes == s->excludes.n;
    if (!*used)
        return NULL;
    size_t limit = scope_n_blockers(s, k);
    /* Ranges first: a range blocker lets the walk skip further than a single address. */
    for (size_t r = 0; r < ix->n_ranges && ix->ranges[r] < limit; r++)
        if (spec_contains(scope_blocker(s, ix->ranges[r]), a))
            return scope_blocker(s, ix->ranges[r]);
    if (a->family != AF_INET)
        return NULL;
    uint32_t key = addr_v4(a);
    for (size_t i = slot_of(key, ix->cap); ix->pos[i] != SIZE_MAX; i = (i + 1) & (ix->cap - 1))
        if (ix->keys[i] == key)
            return ix->pos[i] < limit ? scope_blocker(s, ix->pos[i]) : NULL;
    return NULL;
}
