#include "scanner/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

struct arena_chunk {
    struct arena_chunk *next;
    size_t size; /* bytes of data after the header */
    alignas(max_align_t) char data[];
};

#define ALIGN (alignof(max_align_t))

void arena_init(struct arena *a, size_t chunk_size, size_t limit)
{
    a->chunks = NULL;
    a->cur = a->end = NULL;
    a->chunk_size = chunk_size < 256 ? 256 : chunk_size;
    a->limit = limit;
    a->held = 0;
}

static struct arena_chunk *add_chunk(struct arena *a, size_t size)
{
    if (size > SIZE_MAX - sizeof(struct arena_chunk) ||
        (a->limit && (size > a->limit || a->held > a->limit - size)))
        return NULL;
    struct arena_chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->size = size;
    a->held += size;
    return c;
}

void *arena_alloc(struct arena *a, size_t n)
{
    if (n > SIZE_MAX - ALIGN)
        return NULL;
    n = (n + ALIGN - 1) & ~(ALIGN - 1);
    if (n == 0)
        n = ALIGN;
    if ((size_t)(a->end - a->cur) >= n) {
        void *p = a->cur;
        a->cur += n;
        return p;
    }
    /* A large block gets a chunk of its own behind the newest, so that the free space left
     * in the newest chunk is not wasted. */
    if (n > a->chunk_size / 4 && a->chunks) {
        struct arena_chunk *c = add_chunk(a, n);
        if (!c)
            return NULL;
        c->next = a->chunks->next;
        a->chunks->next = c;
        return c->data;
    }
    struct arena_chunk *c = add_chunk(a, n > a->chunk_size ? n : a->chunk_size);
    if (!c)
        return NULL;
    c->next = a->chunks;
    a->chunks = c;
    a->cur = c->data + n;
    a->end = c->data + c->size;
    return c->data;
}

void arena_reset(struct arena *a)
{
    struct arena_chunk *keep = NULL, *c = a->chunks;
    while (c) {
        struct arena_chunk *next = c->next;
        if (!keep && c->size == a->chunk_size) {
            keep = c;
        } else {
            a->held -= c->size;
            free(c);
        }
        c = next;
    }
    a->chunks = keep;
    if (keep) {
        keep->next = NULL;
        a->cur = keep->data;
        a->end = keep->data + keep->size;
    } else {
        a->cur = a->end = NULL;
    }
}

void arena_release(struct arena *a)
{
    while (a->chunks) {
        struct arena_chunk *next = a->chunks->next;
        free(a->chunks);
        a->chunks = next;
    }
    arena_init(a, a->chunk_size, a->limit);
}
