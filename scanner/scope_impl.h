/* Private to scanner/scope*.c: how a scope is stored. Nothing outside the scope room includes
 * this; everyone else goes through scope.h.
 *
 * A specification is one of three range shapes, each a few dozen bytes whatever its size:
 *   SPEC_V4   a contiguous IPv4 range [first, last] (an address, a CIDR block, and any octet
 *             range that happens to be contiguous, such as 10.*.*.* or 192.0.2.1-40)
 *   SPEC_OCT  IPv4 octet ranges that are not contiguous (192.0.2-3.1-254): a 256-bit set per
 *             octet. Index j decodes in mixed radix, last octet fastest, each digit picking
 *             the k-th member of its set, so addresses come out in ascending order.
 *   SPEC_V6   an IPv6 prefix: base (host bits zero) and prefix length. Targets are limited to
 *             /112../128; exclusions may be any prefix since they are only tested against. */
#ifndef RISKMAP_SCOPE_IMPL_H
#define RISKMAP_SCOPE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "scope.h"

enum spec_kind { SPEC_V4, SPEC_OCT, SPEC_V6 };

struct octsets {
    uint64_t bits[4][4]; /* bits[octet][v / 64] bit v % 64: value v allowed in that octet */
    uint16_t n[4];       /* members in each set, 1..256 */
};

struct spec {
    char *text;     /* the token as given; owned by the spec */
    uint64_t start; /* targets: raw index of this spec's first address */
    uint64_t size;  /* targets: number of addresses (1 .. 2^32); unused for exclusions */
    enum spec_kind kind;
    union {
        struct {
            uint32_t first, last;
        } v4;
        struct octsets oct;
        struct {
            uint8_t base[16];
            uint8_t prefix;
        } v6;
    } u;
};

/* A dynamic array of specs; the array and every spec's text are owned by it. */
struct specvec {
    struct spec *v;
    size_t n, cap;
};

struct scope_name {
    char *name; /* owned */
    struct rm_addr addr;
};

/* Built by scope_finalize so that a lookup does not test every spec: IPv4 single-address
 * specs in a hash (address -> lowest blocker position), the other blockers in a list. Valid
 * only while the spec counts are those it was built for. */
struct scope_index {
    uint32_t *keys;     /* open addressing; slot empty when pos is SIZE_MAX */
    size_t *pos;
    size_t cap;         /* power of two, or 0 when not built */
    size_t *ranges;     /* blocker positions of every spec that is not one IPv4 address */
    size_t n_ranges;
    size_t n_targets, n_excludes; /* what it was built for */
};

struct scope {
    struct specvec targets;
    struct specvec excludes;
    struct scope_index index;
    struct scope_name *names;
    size_t n_names, cap_names;
    uint64_t raw_size; /* sum of targets' sizes */
    uint64_t count;    /* unique in-scope addresses, valid when finalized */
    bool finalized;
    scope_resolve_fn *resolve; /* NULL: getaddrinfo */
    void *resolve_arg;
};

/* Longest token a file or list may hold. */
#define SCOPE_TOKEN_MAX 1024

/* Adds one token as a target or an exclusion, copying it. All or nothing. */
int scope_add_token(struct scope *s, bool target, const char *tok, size_t len,
                    struct rm_err *e);

/* A point to roll back to, so that adding a file or a list is all or nothing. */
struct scope_mark {
    size_t n_targets, n_excludes, n_names;
    uint64_t raw_size, count;
    bool finalized;
};
void scope_mark_take(const struct scope *s, struct scope_mark *m);
void scope_rollback(struct scope *s, const struct scope_mark *m);

/* What spec_parse found when the token was a hostname. */
struct spec_name {
    size_t len;          /* length of the name at the start of the token; 0: not a name */
    struct rm_addr addr; /* what it resolved to */
};

/* 256-bit sets of octet values, shared by the spec files. */
static inline bool set_has(const uint64_t b[4], unsigned v)
{
    return b[v / 64] >> (v % 64) & 1;
}

static inline bool set_subset(const uint64_t a[4], const uint64_t b[4])
{
    for (int w = 0; w < 4; w++)
        if (a[w] & ~b[w])
            return false;
    return true;
}

/* How many consecutive values from v (a member) are members. */
static inline unsigned set_run(const uint64_t b[4], unsigned v)
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

static inline void set_add_range(uint64_t u[4], unsigned lo, unsigned hi)
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

/* Parses one token tok[0..len) into *out (out->text, start are left for the caller). A
 * target and an exclusion differ in the IPv6 prefix limit and in the word that opens error
 * messages ("target", "exclude"). Hostnames go through s->resolve. Returns 0 or -1 with e
 * filled. */
int spec_parse(const struct scope *s, bool target, const char *tok, size_t len,
               struct spec *out, struct spec_name *name, struct rm_err *e);

/* Formats `role "token": reason` into e, quoting the token safely; returns -1. */
int spec_fail(struct rm_err *e, const char *role, const char *tok, size_t len, const char *fmt,
              ...) __attribute__((format(printf, 5, 6)));

/* Address j (< size) of a target spec. */
void spec_decode(const struct spec *sp, uint64_t j, struct rm_addr *out);
/* Whether the spec covers the address. */
bool spec_contains(const struct spec *sp, const struct rm_addr *a);
/* How many consecutive target indices, starting at j (whose address a is covered by
 * blocker b), are certainly covered by b too; at least 1, at most size - j. Lets a walk
 * over a target hop over a large exclusion or an earlier duplicate in one step. */
uint64_t spec_skip(const struct spec *target, uint64_t j, const struct rm_addr *a,
                   const struct spec *b);

/* Builds (or rebuilds) s->index; on allocation failure the index stays unbuilt and lookups
 * test every spec, as before. */
void scope_index_build(struct scope *s);
void scope_index_free(struct scope_index *ix);
/* Like testing every blocker of target k against a: some blocker covering a, or NULL. Sets
 * *used to false (and returns NULL) when the index does not match the scope. */
const struct spec *scope_index_blocker(const struct scope *s, size_t k, const struct rm_addr *a,
                                       bool *used);

/* The blockers of target k: every exclusion, then the targets before k. */
static inline size_t scope_n_blockers(const struct scope *s, size_t k)
{
    return s->excludes.n + k;
}

static inline const struct spec *scope_blocker(const struct scope *s, size_t x)
{
    return x < s->excludes.n ? &s->excludes.v[x] : &s->targets.v[x - s->excludes.n];
}

/* For target k at index j (address a), covered by some blocker: how many indices from j on
 * the blockers cover together (0 when it finds none). Looks at the 256-address block holding
 * a, then for IPv4 at the rest of its /16, then at bigger blocks (scope_union.c). */
uint64_t union_skip(const struct scope *s, size_t k, const struct spec *t, uint64_t j,
                    const struct rm_addr *a);

#endif
