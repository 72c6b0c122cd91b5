/* Skips past stretches that no single blocker covers but several do together. The walk
 * (scope_walk.c) turns to union_skip() when spec_skip() only allows a short step. */
#include "scope_impl.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* When several specs block a stretch between them (an exclusion of the even last octets and
 * another of the odd ones), no single one of them allows a big step. Within the aligned
 * block of 256 addresses holding a (its /24, or its /120), the union of what all blockers
 * cover is a 256-bit set over the last byte, and the walk can jump straight to the first
 * target address outside it: one step per block instead of one per address. */

/* Adds to u the last-byte values that b covers in the block holding a. */
static void block_cover(const struct spec *b, const struct rm_addr *a, uint64_t u[4])
{
    switch (b->kind) {
    case SPEC_V4: {
        if (a->family != AF_INET)
            return;
        uint32_t base = addr_v4(a) & ~UINT32_C(0xff);
        uint32_t lo = b->u.v4.first > base ? b->u.v4.first : base;
        uint32_t hi = b->u.v4.last < base + 255 ? b->u.v4.last : base + 255;
        if (lo <= hi)
            set_add_range(u, lo - base, hi - base);
        return;
    }
    case SPEC_OCT:
        if (a->family != AF_INET)
            return;
        for (int k = 0; k < 3; k++)
            if (!set_has(b->u.oct.bits[k], a->bytes[k]))
                return;
        for (int w = 0; w < 4; w++)
            u[w] |= b->u.oct.bits[3][w];
        return;
    case SPEC_V6: {
        if (a->family != AF_INET6)
            return;
        unsigned p = b->u.v6.prefix;
        if (p <= 120) { /* membership does not depend on the last byte */
            if (spec_contains(b, a))
                set_add_range(u, 0, 255);
            return;
        }
        if (memcmp(a->bytes, b->u.v6.base, 15) != 0)
            return;
        unsigned lo = b->u.v6.base[15];
        set_add_range(u, lo, lo + (1u << (128 - p)) - 1);
        return;
    }
    }
}

/* How many indices in a row from j (address a) hold addresses whose last byte is in u,
 * without leaving a's block: 0 when a's own is not. */
static uint64_t block_skip(const struct spec *t, uint64_t j, const struct rm_addr *a,
                           const uint64_t u[4])
{
    unsigned v = t->kind == SPEC_V6 ? a->bytes[15] : a->bytes[3];
    if (t->kind == SPEC_OCT) {
        /* Members of the target's last-octet set from v on, not covered by u. */
        const uint64_t *t3 = t->u.oct.bits[3];
        uint64_t steps = 0;
        for (unsigned w = v / 64; w < 4; w++) {
            uint64_t from = w == v / 64 ? UINT64_MAX << (v % 64) : UINT64_MAX;
            uint64_t mine = t3[w] & from;
            uint64_t free_ = mine & ~u[w];
            if (free_) {
                uint64_t below = mine & ((UINT64_C(1) << __builtin_ctzll(free_)) - 1);
                return steps + (uint64_t)__builtin_popcountll(below);
            }
            steps += (uint64_t)__builtin_popcountll(mine);
        }
        return steps; /* the rest of this block of the target */
    }
    /* Ranges: every value from v to the end of the target within the block is a target. */
    uint64_t in_block = 256 - v;
    uint64_t left = t->size - j;
    uint64_t span = in_block < left ? in_block : left;
    uint64_t run = set_has(u, v) ? set_run(u, v) : 0;
    return run < span ? run : span;
}

/* Index steps from j to the end of the target's current block. */
static uint64_t block_rest(const struct spec *t, uint64_t j, const struct rm_addr *a)
{
    if (t->kind == SPEC_OCT)
        return t->u.oct.n[3] - j % t->u.oct.n[3];
    uint64_t in_block = 256u - (t->kind == SPEC_V6 ? a->bytes[15] : a->bytes[3]);
    uint64_t left = t->size - j;
    return in_block < left ? in_block : left;
}

/* ---- the rest of the /16, row by row ----------------------------------------------------
 * When a's /24 is covered to its end, the same union over each following /24 of its /16
 * (a row, in the plane of the last two octets) finds the first one that is not covered. One
 * union per row, so a covered /16 costs 256 small steps rather than 256 probes. */

/* Index steps over one covered row of the target, or 0 for a row the target skips. */
static uint64_t row_steps(const struct spec *t, unsigned v2)
{
    if (t->kind == SPEC_OCT)
        return set_has(t->u.oct.bits[2], v2) ? t->u.oct.n[3] : 0;
    return 256;
}

static bool row_covered(const struct spec *t, const uint64_t u[4])
{
    static const uint64_t all[4] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
    return set_subset(t->kind == SPEC_OCT ? t->u.oct.bits[3] : all, u);
}

/* Index steps from j to the end of a's L-block of the target (L leading octets fixed). */
static uint64_t rest_of_level(const struct spec *t, uint64_t j, const struct rm_addr *a, int L)
{
    if (t->kind == SPEC_OCT) {
        uint64_t per = 1;
        for (int m = L; m < 4; m++)
            per *= t->u.oct.n[m];
        return per - j % per;
    }
    uint64_t x = addr_v4(a);
    uint64_t end = x | ((UINT64_C(1) << (32 - 8 * L)) - 1);
    uint64_t left = t->size - j;
    return end - x + 1 < left ? end - x + 1 : left;
}

/* ---- whole /16s and beyond: the plane shared by many /16s --------------------------------
 * Exclusions such as *.*.0-127.0-254, *.*.128-255.* and *.*.*.255 cover everything together.
 * A blocker that agrees with a on the octets before level L (0 or 1) and holds all of the
 * target's values in octets L..1 covers the same rows in every /16 of a's L-block, so the
 * union per row of such blockers says whether that whole L-block is covered.
 * plane[L][v2] gathers the last-octet sets of the blockers whose lowest such level is L. */

static void plane_add(const struct spec *t, const struct spec *b, const struct rm_addr *a,
                      uint64_t plane[2][256][4])
{
    if (b->kind != SPEC_OCT)
        return; /* a range is the same in no two /16s */
    for (int L = 0; L < 2; L++) {
        bool ok = true;
        for (int m = 0; m < L && ok; m++)
            ok = set_has(b->u.oct.bits[m], a->bytes[m]);
        for (int m = L; m < 2 && ok; m++)
            ok = t->kind == SPEC_OCT ? set_subset(t->u.oct.bits[m], b->u.oct.bits[m])
                                     : b->u.oct.n[m] == 256;
        if (!ok)
            continue;
        for (unsigned v2 = 0; v2 < 256; v2++)
            if (set_has(b->u.oct.bits[2], v2))
                for (int w = 0; w < 4; w++)
                    plane[L][v2][w] |= b->u.oct.bits[3][w];
        return;
    }
}

/* The step over a's whole L-block (L = 0, then 1) when the plane covers it, else 0. */
static uint64_t plane_skip(const struct scope *s, size_t k, const struct spec *t, uint64_t j,
                           const struct rm_addr *a)
{
    /* 16 KiB, needed at most once per fully covered /16: the heap, not every probe's stack.
     * Without it the walk is only slower. */
    uint64_t(*plane)[256][4] = calloc(2, sizeof *plane);
    if (!plane)
        return 0;
    for (size_t x = 0; x < scope_n_blockers(s, k); x++)
        plane_add(t, scope_blocker(s, x), a, plane);
    uint64_t skip = 0;
    for (int L = 0; L < 2 && !skip; L++) {
        bool all = true;
        for (unsigned v2 = 0; v2 < 256 && all; v2++) {
            if (!row_steps(t, v2))
                continue;
            uint64_t u[4];
            for (int w = 0; w < 4; w++)
                u[w] = plane[0][v2][w] | (L ? plane[1][v2][w] : 0);
            all = row_covered(t, u);
        }
        if (all)
            skip = rest_of_level(t, j, a, L);
    }
    free(plane);
    return skip;
}

uint64_t union_skip(const struct scope *s, size_t k, const struct spec *t, uint64_t j,
                    const struct rm_addr *a)
{
    uint64_t u[4] = {0, 0, 0, 0};
    for (size_t x = 0; x < scope_n_blockers(s, k); x++)
        block_cover(scope_blocker(s, x), a, u);
    uint64_t steps = block_skip(t, j, a, u);
    uint64_t left = t->size - j;
    if (t->kind == SPEC_V6 || steps < block_rest(t, j, a) || steps >= left)
        return steps;

    /* a's /24 is covered to its end: walk the rows of its /16. */
    uint32_t base = addr_v4(a) & ~UINT32_C(0xffff);
    for (unsigned v2 = a->bytes[2] + 1u; v2 < 256; v2++) {
        uint64_t per = row_steps(t, v2);
        if (!per)
            continue;
        struct rm_addr r = addr_from_v4(base | v2 << 8);
        memset(u, 0, sizeof u);
        for (size_t x = 0; x < scope_n_blockers(s, k); x++)
            block_cover(scope_blocker(s, x), &r, u);
        if (!row_covered(t, u))
            return steps < left ? steps : left;
        steps += per;
        if (steps >= left)
            return left; /* a range target ended inside the /16 */
    }
    uint64_t big = plane_skip(s, k, t, j, a);
    uint64_t rest = rest_of_level(t, j, a, 2);
    return big > rest ? big : rest;
}
