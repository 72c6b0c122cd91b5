/* The geometry of one spec: index -> address, containment, and how far a walk may jump when an
 * exclusion or an earlier target covers the address it is on. Nothing here allocates. */
#include "scope_impl.h"

#include <string.h>
#include <sys/socket.h>

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

/* Members of a set below v. */
static unsigned set_below(const uint64_t b[4], unsigned v)
{
    unsigned n = 0;
    for (unsigned w = 0; w < v / 64; w++)
        n += (unsigned)__builtin_popcountll(b[w]);
    if (v % 64)
        n += (unsigned)__builtin_popcountll(b[v / 64] & ((UINT64_C(1) << (v % 64)) - 1));
    return n;
}

/* How many addresses of an octet target lie below y (y <= 2^32): its rank in mixed radix. */
static uint64_t oct_rank(const struct spec *t, uint64_t y)
{
    if (y >> 32)
        return t->size;
    uint64_t r = 0, per = t->size;
    for (int m = 0; m < 4; m++) {
        unsigned v = (unsigned)(y >> (8 * (3 - m))) & 0xff;
        per /= t->u.oct.n[m];
        r += set_below(t->u.oct.bits[m], v) * per;
        if (!set_has(t->u.oct.bits[m], v))
            break;
    }
    return r;
}

/* An octet target against an octet blocker: in the levels below L, every value of the target
 * is one of b's, so each of the target's blocks there that b touches, b covers whole. From j,
 * that is the rest of the current block, then one block per following value of the target at
 * level L that b holds too. */
static uint64_t oct_covered(const struct spec *t, uint64_t j, const struct rm_addr *a,
                            const struct spec *b)
{
    const struct octsets *o = &t->u.oct;
    int L = 3;
    while (L >= 0 && set_subset(o->bits[L], b->u.oct.bits[L]))
        L--;
    if (L < 0)
        return t->size - j;
    uint64_t per = 1;
    for (int m = L + 1; m < 4; m++)
        per *= o->n[m];
    uint64_t run = per - j % per;
    unsigned v = a->bytes[L];
    for (unsigned w = v / 64; w < 4; w++) {
        /* the target's values above v (two shifts: v % 64 + 1 may be 64) */
        uint64_t above = w == v / 64 ? UINT64_MAX << (v % 64) << 1 : UINT64_MAX;
        uint64_t after = o->bits[L][w] & above;
        uint64_t missing = after & ~b->u.oct.bits[L][w];
        if (missing) {
            uint64_t held = after & ((UINT64_C(1) << __builtin_ctzll(missing)) - 1);
            return run + (uint64_t)__builtin_popcountll(held) * per;
        }
        run += (uint64_t)__builtin_popcountll(after) * per;
    }
    return run;
}

uint64_t spec_skip(const struct spec *t, uint64_t j, const struct rm_addr *a,
                   const struct spec *b)
{
    uint64_t left = t->size - j;
    uint64_t brun = run_from(b, a);
    uint64_t skip;
    if (t->kind == SPEC_OCT) {
        /* b covers the addresses [a, a + brun); the target's indices for those are the ones
         * from j up to the rank of a + brun, since it lists addresses in ascending order. */
        skip = oct_rank(t, addr_v4(a) + brun) - j;
        if (b->kind == SPEC_OCT) {
            uint64_t blocks = oct_covered(t, j, a, b);
            if (blocks > skip)
                skip = blocks;
        }
    } else {
        uint64_t trun = run_from(t, a); /* contiguous targets: addresses are indices */
        skip = trun < brun ? trun : brun;
    }
    if (skip > left)
        skip = left;
    return skip ? skip : 1;
}
