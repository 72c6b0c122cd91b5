/* A bump allocator: many small allocations carved from a few large chunks and released
 * together. For short-lived data with one owner and one end of life, such as the cJSON tree of
 * one element of a scan result being read, where malloc and free of every node and string
 * were a third of the load.
 *
 * Ownership: the arena owns every block it hands out; blocks are never freed one by one.
 * arena_reset() ends the life of every block at once (keeping one chunk for reuse);
 * arena_release() frees everything. A zeroed struct arena is not ready: use arena_init().
 */
#ifndef RISKMAP_ARENA_H
#define RISKMAP_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *chunks; /* newest first */
    char *cur, *end;            /* free space in the newest chunk */
    size_t chunk_size;
    size_t limit;               /* most bytes held at once in chunks; 0: no limit */
    size_t held;                /* bytes held in chunks now */
};

/* chunk_size: the usual chunk (requests larger than a quarter of it get their own chunk);
 * limit: refuse (NULL) rather than hold more than this many bytes, 0 for no limit. */
void arena_init(struct arena *a, size_t chunk_size, size_t limit);

/* n bytes aligned for any type, valid until the next reset or release; NULL when out of
 * memory or over the limit. n may be 0 (a unique non-NULL block). */
void *arena_alloc(struct arena *a, size_t n);

/* Every block handed out so far is dead; keeps one chunk of chunk_size for what comes next. */
void arena_reset(struct arena *a);

/* Frees every chunk; the arena may be used again (it starts empty). */
void arena_release(struct arena *a);

#endif
