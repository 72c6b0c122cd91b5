#include "permute.h"

/* Four rounds: the fewest for which a Feistel network with good round functions behaves as a
 * pseudo-random permutation (Luby-Rackoff); three rounds leave visible structure. */
#define ROUNDS 4

/* splitmix64 (Steele, Lea, Flood 2014): the state step and the output finaliser. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t splitmix64_next(uint64_t *state)
{
    *state += UINT64_C(0x9e3779b97f4a7c15);
    return mix64(*state);
}

void permute_init(struct permute *p, uint64_t n, uint64_t seed)
{
    /* The domain is 2^(2k) >= n with k >= 1: halves of equal width keep the network a
     * balanced Feistel, and the domain is below 4n, so cycle-walking takes under four
     * steps on average. The header promises n <= 2^62, which keeps 2k <= 62; above that the
     * domain stops growing and the result would no longer be a bijection. */
    unsigned k = 1;
    while (k < 31 && (UINT64_C(1) << (2 * k)) < n)
        k++;
    p->n = n;
    p->half_bits = k;
    p->half_mask = (UINT64_C(1) << k) - 1;
    uint64_t state = seed;
    for (int r = 0; r < ROUNDS; r++)
        p->keys[r] = splitmix64_next(&state);
}

/* One pass of the network over the whole 2^(2k) domain: a bijection on that domain. */
static uint64_t feistel(const struct permute *p, uint64_t x)
{
    uint64_t left = (x >> p->half_bits) & p->half_mask;
    uint64_t right = x & p->half_mask;
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t next = left ^ (mix64(right ^ p->keys[r]) & p->half_mask);
        left = right;
        right = next;
    }
    return (left << p->half_bits) | right;
}

uint64_t permute_at(const struct permute *p, uint64_t i)
{
    /* Outside [0, n) there is no answer; returning i keeps a caller's bug from looping. */
    if (i >= p->n)
        return i;
    /* Cycle-walking: follow i's cycle of the domain permutation until it lands back in
     * [0, n). Each in-range element maps to the next in-range element of its cycle, so this
     * is a bijection on [0, n), and the walk ends at the latest when it returns to i. */
    uint64_t x = i;
    do
        x = feistel(p, x);
    while (x >= p->n);
    return x;
}
