/* A keyed pseudo-random permutation of [0, n), evaluated one element at a time with no memory
 * per element: a small Feistel network over the next power of two, cycle-walking back into
 * range. Used to spread (host, port) probes so that no host sees a burst. */
#ifndef RISKMAP_PERMUTE_H
#define RISKMAP_PERMUTE_H

#include <stdint.h>

struct permute {
    uint64_t n;
    unsigned half_bits; /* bits per Feistel half */
    uint64_t half_mask;
    uint64_t keys[4];
};

/* n may be 0 (nothing to permute) up to 2^62. Same n and seed give the same order. */
void permute_init(struct permute *p, uint64_t n, uint64_t seed);

/* The i-th element of the permutation, i < n. A bijection on [0, n). */
uint64_t permute_at(const struct permute *p, uint64_t i);

#endif
