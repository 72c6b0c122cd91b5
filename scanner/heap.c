/* See heap.h. */
#include "scanner/heap.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void heap_for_large_model(size_t reserve)
{
    static int done;
    if (done++ || reserve > (size_t)INT32_MAX)
        return;
    /* Every growth of the heap takes reserve more than it needs; freed memory at its top is
     * kept rather than given back (a new mapping after a trim would be unmarked). */
    mallopt(M_TOP_PAD, (int)reserve);
    mallopt(M_TRIM_THRESHOLD, (int)reserve);
    /* A block the heap's free top cannot hold, under main's mmap threshold (1 MiB): the heap
     * grows now, by the reserve. */
    void *p = malloc(768 * 1024);
    if (!p)
        return;
    char *top = sbrk(0);
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    char *from = (char *)((uintptr_t)p & ~(page - 1));
    if (top != (char *)-1 && top > from)
        (void)madvise(from, (size_t)(top - from), MADV_HUGEPAGE); /* a hint: may fail */
    free(p);
}
