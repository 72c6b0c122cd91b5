/* The geometry of one spec: index -> address, containment, and how far a walk may jump when an
 * exclusion or an earlier target covers the address it is on. Nothing here allocates. */
#include "scope_impl.h"

#include <string.h>
#include <sys/socket.h>

static bool set_has(const uint64_t b[4], unsigned v)
{
    return b[v / 64] >> (v % 64) & 1;
}

/* The k-th (from 0) member of a set, k < its size. */
static unsigned set_kth(const uint64_t b[4], unsigned k)
{
    for (unsigned w = 0; w < 4; w++) {
        unsigned pc = (unsigned)__builtin_popcountll(b[w]);
        if (k < pc) {
            uint64_t x = b[w];
            while (k--)
                x &= x - 1; /* drop the lowest member */
            return w * 64 + (unsigned)__builtin_ctzll(x);
        }
        k -= pc;
    }
    return 255; /* not reached for k < size */
}

/* How many consecutive values from v (a member) are members. */
static unsigned set_run(const uint64_t b[4], unsigned v)
{
    unsigned w = v / 64, sh = v % 64;
    /* Inverted, so the run ends at the lowest set bit; the bits shifted in become ones and cap
     * the run at the end of the word. */
    uint64_t x = ~(b[w] >> sh);
    unsigned run = x ? (unsigned)__builtin_ctzll(x) : 64;
    if (sh + run < 64)
        return run;
    for (w++; w < 4; w++) {
        if (b[w] == UINT64_MAX) {
            run += 64;
            continue;
        }
        run += (unsigned)__builtin_ctzll(~b[w]);
        break;
    }
    return run;
}

static bool set_subset(const uint64_t a[4], const uint64_t b[4])
{
    for (int w = 0; w < 4; w++)
        if (a[w] & ~b[w])
            return false;
    return true;
}

static unsigned low16(const struct rm_addr *a)
{
    return (unsigned)a->bytes[14] << 8 | a->bytes[15];
}

void spec_decode(const struct spec *sp, uint64_t j, struct rm_addr *out)
{
    switch (sp->kind) {
    case SPEC_V4:
        *out = addr_from_v4(sp->u.v4.first + (uint32_t)j);
        return;
    case SPEC_OCT: {
        uint32_t v = 0, shift = 0;
        for (int k = 3; k >= 0; k--) {
            unsigned d = (unsigned)(j % sp->u.oct.n[k]);
            j /= sp->u.oct.n[k];
            v |= (uint32_t)set_kth(sp->u.oct.bits[k], d) << shift;
            shift += 8;
        }
        *out = addr_from_v4(v);
        return;
    }
    case SPEC_V6: {
        memset(out, 0, sizeof *out);
        out->family = AF_INET6;
        memcpy(out->bytes, sp->u.v6.base, 16);
        /* Targets are /112 or longer: j fits in the (zero) host bits of the last 16. */
        unsigned lo = low16(out) + (unsigned)j;
        out->bytes[14] = (uint8_t)(lo >> 8);
        out->bytes[15] = (uint8_t)lo;
        return;
    }
    }
}

bool spec_contains(const struct spec *sp, const struct rm_addr *a)
{
    switch (sp->kind) {
    case SPEC_V4: {
        if (a->family != AF_INET)
            return false;
        uint32_t x = addr_v4(a);
        return x >= sp->u.v4.first && x <= sp->u.v4.last;
    }
    case SPEC_OCT:
        if (a->family != AF_INET)
            return false;
        for (int k = 0; k < 4; k++)
            if (!set_has(sp->u.oct.bits[k], a->bytes[k]))
                return false;
        return true;
    case SPEC_V6: {
        if (a->family != AF_INET6)
            return false;
        unsigned p = sp->u.v6.prefix, full = p / 8, rest = p % 8;
        if (memcmp(a->bytes, sp->u.v6.base, full) != 0)
            return false;
        if (rest == 0)
            return true;
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        return (a->bytes[full] & mask) == sp->u.v6.base[full];
    }
    }
    return false;
}

/* Consecutive addresses from a (covered by sp) that sp covers too. May under-count, never
 * over-count: the walk then only takes a smaller step. */
static uint64_t run_from(const struct spec *sp, const struct rm_addr *a)
{
    switch (sp->kind) {
    case SPEC_V4:
        return (uint64_t)(sp->u.v4.last - addr_v4(a)) + 1;
    case SPEC_OCT: {
        /* Below the last octet set that is not full, every value is allowed: each allowed
         * value there is one whole aligned block. */
        int k = 3;
        while (k >= 0 && sp->u.oct.n[k] == 256)
            k--;
        uint64_t x = addr_v4(a);
        if (k < 0)
            return (UINT64_C(1) << 32) - x;
        uint64_t unit = UINT64_C(1) << (8 * (3 - k));
        return set_run(sp->u.oct.bits[k], a->bytes[k]) * unit - (x & (unit - 1));
    }
    case SPEC_V6: {
        unsigned host = 128u - sp->u.v6.prefix;
        if (host > 16) /* a big exclusion: count only to the end of this /112 */
            return 65536u - low16(a);
        return (UINT64_C(1) << host) - (low16(a) & ((1u << host) - 1));
    }
    }
    return 1;
}

/* For an octet target: the index step that skips every later index in the largest block of
 * the target (addresses sharing the first L octets with a) that b covers whole, or 0. Indices
 * in such a block are contiguous and, past j, hold addresses >= a in that block. */
static uint64_t skip_blocks(const struct spec *t, uint64_t j, const struct rm_addr *a,
                            const struct spec *b, uint64_t brun)
{
    const struct octsets *o = &t->u.oct;
    for (int L = 0; L < 4; L++) {
        bool covered;
        if (b->kind == SPEC_OCT) {
            covered = true;
            for (int m = L; m < 4 && covered; m++)
                covered = set_subset(o->bits[m], b->u.oct.bits[m]);
        } else {
            uint64_t x = addr_v4(a);
            uint64_t end = x | ((UINT64_C(1) << (32 - 8 * L)) - 1);
            covered = brun >= end - x + 1;
        }
        if (covered) {
            uint64_t per = 1;
            for (int m = L; m < 4; m++)
                per *= o->n[m];
            return per - j % per;
        }
    }
    return 0;
}

uint64_t spec_skip(const struct spec *t, uint64_t j, const struct rm_addr *a,
                   const struct spec *b)
{
    uint64_t left = t->size - j;
    uint64_t brun = run_from(b, a);
    /* Targets list addresses in ascending order, so addresses that are consecutive in both
     * are consecutive indices too. */
    uint64_t trun = run_from(t, a);
    uint64_t skip = trun < brun ? trun : brun;
    if (t->kind == SPEC_OCT && b->kind != SPEC_V6) {
        uint64_t blk = skip_blocks(t, j, a, b, brun);
        if (blk > skip)
            skip = blk;
    }
    if (skip > left)
        skip = left;
    return skip ? skip : 1;
}

/* ---- one 256-address block at a time ----------------------------------------------------
 * When several specs block a stretch between them (an exclusion of the even last octets and
 * another of the odd ones), no single one of them allows a big step. Within the aligned
 * block of 256 addresses holding a (its /24, or its /120), the union of what all blockers
 * cover is a 256-bit set over the last byte, and the walk can jump straight to the first
 * target address outside it: one step per block instead of one per address. */

static void set_add_range(uint64_t u[4], unsigned lo, unsigned hi)
{
    for (unsigned v = lo; v <= hi;) {
        if (v % 64 == 0 && hi - v >= 63) {
            u[v / 64] = UINT64_MAX;
            v += 64;
        } else {
            u[v / 64] |= UINT64_C(1) << (v % 64);
            v++;
        }
    }
}

void spec_block_cover(const struct spec *b, const struct rm_addr *a, uint64_t u[4])
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

uint64_t spec_block_skip(const struct spec *t, uint64_t j, const struct rm_addr *a,
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

/* ---- bigger blocks, when octet blockers share them out by the last octet only -----------
 * Exclusions such as *.*.*.0-127 and *.*.*.128-255 cover everything together, yet each
 * /24 would still cost one step. When blockers hold every value of the target (or every
 * value, for a range target) in the octets between L and the last one, and agree with a on
 * the octets before L, their last-octet sets apply to every /24 of a's L-block alike: if
 * together they hold the target's last octet, that whole block is covered. */

void spec_level_cover(const struct spec *t, const struct spec *b, const struct rm_addr *a,
                      uint64_t u[3][4])
{
    if (b->kind != SPEC_OCT || a->family != AF_INET || t->kind == SPEC_V6)
        return;
    for (int L = 0; L < 3; L++) {
        bool ok = true;
        for (int m = 0; m < L && ok; m++)
            ok = set_has(b->u.oct.bits[m], a->bytes[m]);
        for (int m = L; m < 3 && ok; m++)
            ok = t->kind == SPEC_OCT ? set_subset(t->u.oct.bits[m], b->u.oct.bits[m])
                                     : b->u.oct.n[m] == 256;
        if (ok)
            for (int w = 0; w < 4; w++)
                u[L][w] |= b->u.oct.bits[3][w];
    }
}

uint64_t spec_level_skip(const struct spec *t, uint64_t j, const struct rm_addr *a,
                         uint64_t u[3][4])
{
    static const uint64_t all[4] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
    if (t->kind == SPEC_V6)
        return 0;
    const uint64_t *need = t->kind == SPEC_OCT ? t->u.oct.bits[3] : all;
    for (int L = 0; L < 3; L++) {
        if (!set_subset(need, u[L]))
            continue;
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
    return 0;
}
