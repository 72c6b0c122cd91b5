/* The bump allocator behind the scan result reader: blocks are aligned, distinct and keep
 * their contents until reset; reset keeps one chunk and hands out the same memory again;
 * large blocks get chunks of their own; the limit refuses instead of growing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdalign.h>
#include <string.h>

#include "scanner/arena.h"

static void blocks_are_aligned_and_distinct(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1024, 0);
    char *prev = NULL;
    /* 200 blocks of 1..200 bytes span several 1 KiB chunks; each keeps its own pattern. */
    char *blocks[200];
    for (size_t i = 0; i < 200; i++) {
        blocks[i] = arena_alloc(&a, i + 1);
        assert_non_null(blocks[i]);
        assert_int_equal((uintptr_t)blocks[i] % alignof(max_align_t), 0);
        assert_ptr_not_equal(blocks[i], prev);
        memset(blocks[i], (int)(i & 0xff), i + 1);
        prev = blocks[i];
    }
    for (size_t i = 0; i < 200; i++)
        for (size_t j = 0; j <= i; j++)
            assert_int_equal((unsigned char)blocks[i][j], i & 0xff);
    void *z1 = arena_alloc(&a, 0), *z2 = arena_alloc(&a, 0);
    assert_non_null(z1);
    assert_ptr_not_equal(z1, z2);
    arena_release(&a);
    assert_null(a.chunks);
    assert_int_equal(a.held, 0);
}

static void reset_reuses_one_chunk(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096, 0);
    void *first = arena_alloc(&a, 100);
    for (int i = 0; i < 100; i++)
        assert_non_null(arena_alloc(&a, 100)); /* about 3 chunks */
    assert_true(a.held >= 3 * 4096);
    arena_reset(&a);
    assert_int_equal(a.held, 4096);
    /* The kept chunk is handed out from its start after every reset. */
    void *again = arena_alloc(&a, 100);
    assert_non_null(again);
    arena_reset(&a);
    assert_ptr_equal(arena_alloc(&a, 100), again);
    assert_int_equal(a.held, 4096);
    (void)first;
    arena_release(&a);
}

static void large_blocks_get_their_own_chunk(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096, 0);
    char *small = arena_alloc(&a, 16);
    char *big = arena_alloc(&a, 10000);
    assert_non_null(big);
    memset(big, 0xab, 10000);
    assert_int_equal(a.held, 4096 + 10000 + (alignof(max_align_t) - 10000 % alignof(max_align_t)) % alignof(max_align_t));
    /* The small chunk's free space was not given up for the big block. */
    char *next = arena_alloc(&a, 16);
    assert_int_equal(next - small, 16);
    arena_reset(&a);
    assert_int_equal(a.held, 4096);
    arena_release(&a);
}

static void limit_refuses(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1024, 3000);
    /* 200-byte blocks (208 aligned): four to a 1 KiB chunk, two chunks under the limit. */
    for (int i = 0; i < 8; i++)
        assert_non_null(arena_alloc(&a, 200));
    assert_int_equal(a.held, 2048);
    assert_null(arena_alloc(&a, 200)); /* a third chunk would hold 3072 */
    assert_null(arena_alloc(&a, 1000)); /* so would a chunk of its own */
    assert_null(arena_alloc(&a, 5000));
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_null(arena_alloc(&a, SIZE_MAX - 8));
    assert_int_equal(a.held, 2048);
    arena_reset(&a);
    assert_int_equal(a.held, 1024);
    assert_non_null(arena_alloc(&a, 1000));
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_are_aligned_and_distinct),
        cmocka_unit_test(reset_reuses_one_chunk),
        cmocka_unit_test(large_blocks_get_their_own_chunk),
        cmocka_unit_test(limit_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
