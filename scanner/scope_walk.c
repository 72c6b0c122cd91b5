/* Raw indices -> addresses, and the walks over them: scope_at, the iterator, the count.
 *
 * An index is scanned unless its address is excluded or an earlier target spec also names
 * it, so duplicates cost no memory: each test is O(exclusions + earlier specs). When an index
 * is not scanned, the spec that blocked it usually blocks a long stretch after it too (an
 * excluded /16, an earlier /24), and spec_skip() says how far, so a walk over a /8 minus a /9
 * takes a handful of steps rather than millions. When only short steps are possible, the
 * union of all blockers over the current block of 256 addresses gives one step per block,
 * and when that block is covered whole, scope_union.c looks further: the rest of its /16
 * row by row, then whole /16s, /8s or the spec. */
#include "scope_impl.h"

#include <string.h>

/* The target spec holding raw index i (< raw_size): binary search on start. */
static const struct spec *spec_at(const struct scope *s, uint64_t i, size_t *k_out)
{
    size_t lo = 0, hi = s->targets.n; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->targets.v[mid].start <= i)
            lo = mid;
        else
            hi = mid;
    }
    *k_out = lo;
    return &s->targets.v[lo];
}

/* The first exclusion or earlier target (before target k) covering a, or NULL. */
static const struct spec *blocker(const struct scope *s, size_t k, const struct rm_addr *a)
{
    bool indexed;
    const struct spec *b = scope_index_blocker(s, k, a, &indexed);
    if (indexed)
        return b;
    for (size_t x = 0; x < scope_n_blockers(s, k); x++)
        if (spec_contains(scope_blocker(s, x), a))
            return scope_blocker(s, x);
    return NULL;
}

/* Fills *out with the address of index i (< raw_size). Returns 0 when it is to be scanned,
 * else how many indices from i on are certainly not (at least 1). */
static uint64_t probe(const struct scope *s, uint64_t i, struct rm_addr *out)
{
    size_t k;
    const struct spec *t = spec_at(s, i, &k);
    uint64_t j = i - t->start;
    spec_decode(t, j, out);
    const struct spec *b = blocker(s, k, out);
    if (!b)
        return 0;
    uint64_t skip = spec_skip(t, j, out, b);
    if (skip >= 256 || skip >= t->size - j)
        return skip;
    /* A short step: another blocker holding a may reach much further (a range excluded
     * besides a pattern that came first: one probe per /16 of 0.0.0.0/0 otherwise). */
    for (size_t x = 0; x < scope_n_blockers(s, k); x++) {
        const struct spec *o = scope_blocker(s, x);
        if (o != b && spec_contains(o, out)) {
            uint64_t further = spec_skip(t, j, out, o);
            if (further > skip)
                skip = further;
        }
    }
    if (skip >= 256 || skip >= t->size - j)
        return skip;
    /* Still short: maybe several blockers share the stretch between them. */
    uint64_t together = union_skip(s, k, t, j, out);
    return together > skip ? together : skip;
}

bool scope_at(const struct scope *s, uint64_t i, struct rm_addr *out)
{
    if (i >= s->raw_size) {
        memset(out, 0, sizeof *out);
        return false;
    }
    return probe(s, i, out) == 0;
}

bool scope_is_excluded(const struct scope *s, const struct rm_addr *a)
{
    for (size_t x = 0; x < s->excludes.n; x++)
        if (spec_contains(&s->excludes.v[x], a))
            return true;
    return false;
}

void scope_iter_init(struct scope_iter *it, const struct scope *s)
{
    it->s = s;
    it->next = 0;
}

bool scope_iter_next(struct scope_iter *it, struct rm_addr *out)
{
    while (it->next < it->s->raw_size) {
        uint64_t skip = probe(it->s, it->next, out);
        if (skip == 0) {
            it->next++;
            return true;
        }
        it->next += skip;
    }
    return false;
}

/* The biggest target spec: the likely reason a scope is too large. */
static const struct spec *largest(const struct scope *s)
{
    const struct spec *big = &s->targets.v[0];
    for (size_t k = 1; k < s->targets.n; k++)
        if (s->targets.v[k].size > big->size)
            big = &s->targets.v[k];
    return big;
}

int scope_finalize(struct scope *s, uint64_t limit, struct rm_err *e)
{
    s->finalized = false;
    s->count = 0;
    if (s->targets.n == 0)
        return rm_errf(e, "no targets given");
    scope_index_build(s);
    uint64_t count = 0;
    struct rm_addr a;
    for (uint64_t i = 0; i < s->raw_size;) {
        uint64_t skip = probe(s, i, &a);
        if (skip) {
            i += skip;
            continue;
        }
        count++;
        if (limit && count > limit) {
            const char *others = s->targets.n > 1 ? " and others" : "";
            /* One spec and no exclusions: its size is the count, so say it. */
            if (s->targets.n == 1 && s->excludes.n == 0)
                return rm_errf(e, "target scope has %llu addresses (%s); use --allow-large "
                                  "to scan it", (unsigned long long)s->raw_size,
                               s->targets.v[0].text);
            return rm_errf(e, "target scope has more than %llu addresses (%s%s); use "
                              "--allow-large to scan it", (unsigned long long)limit,
                           largest(s)->text, others);
        }
        i++;
    }
    if (count == 0)
        return rm_errf(e, "every target is excluded");
    s->count = count;
    s->finalized = true;
    return 0;
}
