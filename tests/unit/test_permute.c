/* Tests for scanner/permute.c: bijection on [0, n) for awkward and realistic n, key
 * dependence, scatter, and range safety near the top of the supported n. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "scanner/permute.h"

/* Every i in [0, n) maps into [0, n) and no value is hit twice: a bijection. */
static void assert_bijection(uint64_t n, uint64_t seed)
{
    struct permute p;
    permute_init(&p, n, seed);
    size_t words = (size_t)(n / 64 + 1);
    uint64_t *hit = calloc(words, sizeof *hit);
    assert_non_null(hit);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v = permute_at(&p, i);
        assert_true(v < n);
        uint64_t bit = UINT64_C(1) << (v % 64);
        assert_false(hit[v / 64] & bit);
        hit[v / 64] |= bit;
    }
    /* n values landed in n slots with no repeat, so every slot was hit; check anyway. */
    for (uint64_t v = 0; v < n; v++)
        assert_true(hit[v / 64] & (UINT64_C(1) << (v % 64)));
    free(hit);
}

static void test_bijection_many_n(void **state)
{
    (void)state;
    /* 256000 = a /24 times the top 1000 ports, the (host, port) space of a common scan. */
    static const uint64_t ns[] = {0, 1, 2, 3, 4, 5, 7, 15, 16, 17, 1000, 65535, 65536, 65537,
                                  100003, 256 * 1000};
    static const uint64_t seeds[] = {0, 1, 0xdeadbeef, UINT64_MAX};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++)
            assert_bijection(ns[i], seeds[s]);
}

static void test_domain_width(void **state)
{
    (void)state;
    /* The smallest even width 2k >= 2 with 2^(2k) >= n. */
    static const struct { uint64_t n; unsigned half; } cases[] = {
        {0, 1}, {1, 1}, {4, 1}, {5, 2}, {16, 2}, {17, 3}, {65536, 8}, {65537, 9},
        {UINT64_C(1) << 40, 20}, {(UINT64_C(1) << 40) + 1, 21}, {UINT64_C(1) << 62, 31},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct permute p;
        permute_init(&p, cases[i].n, 9);
        assert_int_equal(p.half_bits, cases[i].half);
        assert_int_equal(p.half_mask, (UINT64_C(1) << cases[i].half) - 1);
        assert_int_equal(p.n, cases[i].n);
    }
}

static void test_tiny_n(void **state)
{
    (void)state;
    struct permute p;
    permute_init(&p, 1, 123);
    assert_int_equal(permute_at(&p, 0), 0);
    /* n = 0 has no valid index; an out-of-range call must return, not walk forever. */
    permute_init(&p, 0, 123);
    assert_int_equal(permute_at(&p, 0), 0);
    assert_int_equal(permute_at(&p, 5), 5);
}

static void test_same_seed_same_order(void **state)
{
    (void)state;
    struct permute a, b;
    permute_init(&a, 100003, 77);
    permute_init(&b, 100003, 77);
    for (uint64_t i = 0; i < 100003; i++)
        assert_int_equal(permute_at(&a, i), permute_at(&b, i));
}

static void test_different_seeds_differ(void **state)
{
    (void)state;
    /* Two random orders of 1000 agree at about one position; allow a generous margin. */
    static const uint64_t seeds[] = {1, 2, 3, 0x8000000000000000u, UINT64_MAX};
    const uint64_t n = 1000;
    for (size_t x = 0; x < sizeof seeds / sizeof seeds[0]; x++) {
        for (size_t y = x + 1; y < sizeof seeds / sizeof seeds[0]; y++) {
            struct permute a, b;
            permute_init(&a, n, seeds[x]);
            permute_init(&b, n, seeds[y]);
            int same = 0;
            for (uint64_t i = 0; i < n; i++)
                same += permute_at(&a, i) == permute_at(&b, i);
            assert_true(same < 20);
        }
    }
}

static void test_scattered(void **state)
{
    (void)state;
    /* A random permutation of n has about one fixed point and one ascending step
     * p(i+1) == p(i)+1; the identity, or anything nearly sorted, has ~n of them. */
    static const uint64_t ns[] = {1000, 65536, 256 * 1000};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        uint64_t n = ns[k];
        struct permute p;
        permute_init(&p, n, 2024);
        uint64_t fixed = 0, steps = 0, ascending = 0, prev = permute_at(&p, 0);
        fixed += prev == 0;
        for (uint64_t i = 1; i < n; i++) {
            uint64_t v = permute_at(&p, i);
            fixed += v == i;
            steps += v == prev + 1;
            ascending += v > prev;
            prev = v;
        }
        assert_true(fixed < 10);
        assert_true(steps < 10);
        /* About half the neighbours ascend in a random order. */
        assert_true(ascending > n * 45 / 100 && ascending < n * 55 / 100);
    }
}

static void test_spreads_hosts(void **state)
{
    (void)state;
    /* The point of the permutation: with index = host * 1000 + port over a /24, the first
     * 2560 probes should touch nearly every host, about 10 probes each, none hammered. */
    const uint64_t hosts = 256, ports = 1000;
    struct permute p;
    permute_init(&p, hosts * ports, 31337);
    unsigned per_host[256] = {0};
    for (uint64_t i = 0; i < 2560; i++)
        per_host[permute_at(&p, i) / ports]++;
    unsigned touched = 0, most = 0;
    for (unsigned h = 0; h < hosts; h++) {
        touched += per_host[h] > 0;
        if (per_host[h] > most)
            most = per_host[h];
    }
    assert_true(touched >= 250);
    assert_true(most <= 30);
}

static void test_known_values(void **state)
{
    (void)state;
    /* Pinned from an independent Python model of the documented construction (splitmix64
     * keys, 4 rounds of L,R = R, L ^ (mix64(R ^ key) & mask)). A change here changes every
     * scan order for a given seed. */
    static const uint64_t want1000[] = {38, 460, 729, 632, 631, 484, 308, 383};
    static const uint64_t want256k[] = {46905, 119268, 170727, 21293,
                                        165602, 69274, 119082, 209293};
    struct permute p;
    permute_init(&p, 1000, 42);
    for (uint64_t i = 0; i < 8; i++)
        assert_int_equal(permute_at(&p, i), want1000[i]);
    permute_init(&p, 256000, 0xdeadbeef);
    for (uint64_t i = 0; i < 8; i++)
        assert_int_equal(permute_at(&p, i), want256k[i]);
    permute_init(&p, UINT64_C(1) << 40, 7);
    assert_int_equal(permute_at(&p, 0), UINT64_C(0x12c750a055));
    assert_int_equal(permute_at(&p, 1), UINT64_C(0x358b7832b1));
    assert_int_equal(permute_at(&p, (UINT64_C(1) << 40) - 1), UINT64_C(0xf1de7f43a0));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Large n cannot be checked exhaustively: sample indices spread over the whole range,
 * check every image is in range, and that the images of distinct indices are distinct. */
static void check_large(uint64_t n, uint64_t seed)
{
    enum { SAMPLE = 20000 };
    struct permute p;
    permute_init(&p, n, seed);
    uint64_t *img = malloc(SAMPLE * sizeof *img);
    assert_non_null(img);
    uint64_t stride = n / SAMPLE;
    for (uint64_t s = 0; s < SAMPLE; s++) {
        /* The stride hits low, middle and top indices, including n - 1. */
        uint64_t i = s == SAMPLE - 1 ? n - 1 : s * stride;
        img[s] = permute_at(&p, i);
        assert_true(img[s] < n);
    }
    qsort(img, SAMPLE, sizeof *img, cmp_u64);
    for (size_t s = 1; s < SAMPLE; s++)
        assert_true(img[s] != img[s - 1]);
    /* The images are not confined to the bottom of the range. */
    assert_true(img[SAMPLE - 1] > n / 2);
    free(img);
}

static void test_large_n(void **state)
{
    (void)state;
    check_large(UINT64_C(1) << 40, 5);
    check_large((UINT64_C(1) << 40) + 12345, 6); /* odd width: cycle-walks often */
    check_large(UINT64_C(1) << 62, 7);
    check_large((UINT64_C(1) << 62) - 1, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bijection_many_n),
        cmocka_unit_test(test_domain_width),
        cmocka_unit_test(test_tiny_n),
        cmocka_unit_test(test_same_seed_same_order),
        cmocka_unit_test(test_different_seeds_differ),
        cmocka_unit_test(test_scattered),
        cmocka_unit_test(test_spreads_hosts),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_large_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
