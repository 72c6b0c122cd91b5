/* The scope object: its lists of specs and resolved names, adding to them all or nothing,
 * and the accessors. The rest of the room:
 *   scope_parse.c   one token -> one spec (and the error messages)
 *   scope_file.c    target and exclusion files, buffers, the --exclude list
 *   scope_spec.c    one spec's geometry: index -> address, containment, single-blocker skips
 *   scope_union.c   skips over stretches that several blockers cover together
 *   scope_walk.c    scope_at, the iterator, scope_finalize */
#include "scope_impl.h"

#include <stdlib.h>
#include <string.h>

struct scope *scope_new(void)
{
    return calloc(1, sizeof(struct scope));
}

static void specvec_truncate(struct specvec *v, size_t n)
{
    while (v->n > n) {
        v->n--;
        free(v->v[v->n].text);
        v->v[v->n].text = NULL;
    }
}

void scope_free(struct scope *s)
{
    if (!s)
        return;
    specvec_truncate(&s->targets, 0);
    specvec_truncate(&s->excludes, 0);
    scope_index_free(&s->index);
    free(s->targets.v);
    free(s->excludes.v);
    for (size_t i = 0; i < s->n_names; i++)
        free(s->names[i].name);
    free(s->names);
    free(s);
}

void scope_set_resolver(struct scope *s, scope_resolve_fn *resolve, void *arg)
{
    s->resolve = resolve;
    s->resolve_arg = arg;
}

/* The array with room for one more of its `size`-byte elements: the same pointer, a bigger
 * copy, or NULL when out of memory (then the old array is untouched and still owned). */
static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return arr;
    size_t nc = *cap ? *cap * 2 : 8;
    if (nc > SIZE_MAX / size)
        return NULL;
    void *p = realloc(arr, nc * size);
    if (p)
        *cap = nc;
    return p;
}

static bool name_known(const struct scope *s, const char *name, size_t len,
                       const struct rm_addr *a)
{
    for (size_t i = 0; i < s->n_names; i++)
        if (strlen(s->names[i].name) == len && memcmp(s->names[i].name, name, len) == 0 &&
            addr_eq(&s->names[i].addr, a))
            return true;
    return false;
}

int scope_add_token(struct scope *s, bool target, const char *tok, size_t len, struct rm_err *e)
{
    struct spec sp;
    struct spec_name nm;
    if (spec_parse(s, target, tok, len, &sp, &nm, e) < 0)
        return -1;
    struct specvec *v = target ? &s->targets : &s->excludes;
    /* A scope this big is nonsense, but the sum must not wrap: raw indices would alias. */
    if (target && s->raw_size > UINT64_MAX / 2)
        return spec_fail(e, "target", tok, len, "too many addresses in total");
    bool record = target && nm.len > 0 && !name_known(s, tok, nm.len, &nm.addr);

    /* Everything that can fail happens before the scope changes. */
    struct spec *nv = grow(v->v, &v->cap, v->n, sizeof *v->v);
    if (!nv)
        return rm_errf(e, "out of memory");
    v->v = nv;
    if (record) {
        struct scope_name *nn = grow(s->names, &s->cap_names, s->n_names, sizeof *s->names);
        if (!nn)
            return rm_errf(e, "out of memory");
        s->names = nn;
    }
    char *text = strndup(tok, len);
    char *name = record ? strndup(tok, nm.len) : NULL;
    if (!text || (record && !name)) {
        free(text);
        free(name);
        return rm_errf(e, "out of memory");
    }
    sp.text = text;
    if (target) {
        sp.start = s->raw_size;
        s->raw_size += sp.size;
    }
    v->v[v->n++] = sp;
    if (record) {
        s->names[s->n_names].name = name;
        s->names[s->n_names].addr = nm.addr;
        s->n_names++;
    }
    s->finalized = false;
    s->count = 0;
    return 0;
}

void scope_mark_take(const struct scope *s, struct scope_mark *m)
{
    m->n_targets = s->targets.n;
    m->n_excludes = s->excludes.n;
    m->n_names = s->n_names;
    m->raw_size = s->raw_size;
    m->count = s->count;
    m->finalized = s->finalized;
}

void scope_rollback(struct scope *s, const struct scope_mark *m)
{
    specvec_truncate(&s->targets, m->n_targets);
    specvec_truncate(&s->excludes, m->n_excludes);
    while (s->n_names > m->n_names) {
        s->n_names--;
        free(s->names[s->n_names].name);
        s->names[s->n_names].name = NULL;
    }
    s->raw_size = m->raw_size;
    s->count = m->count;
    s->finalized = m->finalized;
}

int scope_add_target(struct scope *s, const char *spec, struct rm_err *e)
{
    return scope_add_token(s, true, spec ? spec : "", spec ? strlen(spec) : 0, e);
}

int scope_add_exclude(struct scope *s, const char *spec, struct rm_err *e)
{
    return scope_add_token(s, false, spec ? spec : "", spec ? strlen(spec) : 0, e);
}

uint64_t scope_count(const struct scope *s)
{
    return s->finalized ? s->count : 0;
}

uint64_t scope_raw_size(const struct scope *s)
{
    return s->raw_size;
}

size_t scope_n_targets(const struct scope *s)
{
    return s->targets.n;
}

const char *scope_target(const struct scope *s, size_t i)
{
    return i < s->targets.n ? s->targets.v[i].text : NULL;
}

size_t scope_n_excludes(const struct scope *s)
{
    return s->excludes.n;
}

const char *scope_exclude(const struct scope *s, size_t i)
{
    return i < s->excludes.n ? s->excludes.v[i].text : NULL;
}

size_t scope_n_names(const struct scope *s)
{
    return s->n_names;
}

const char *scope_name(const struct scope *s, size_t i, struct rm_addr *addr)
{
    if (i >= s->n_names)
        return NULL;
    if (addr)
        *addr = s->names[i].addr;
    return s->names[i].name;
}

const char *scope_name_for(const struct scope *s, const struct rm_addr *a)
{
    for (size_t i = 0; i < s->n_names; i++)
        if (addr_eq(&s->names[i].addr, a))
            return s->names[i].name;
    return NULL;
}
