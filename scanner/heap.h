/* The heap of a command that builds one large model in memory (a whole scan result, its
 * evaluation, 80,000 risks, a 25 MiB report): made up front, in transparent huge pages.
 *
 * Such a model is 150 MiB of small blocks; touched 4 KiB at a time that is 40,000 page
 * faults, a fifth of `riskmap report --record`'s time on 100,000 findings (bench/report.sh).
 * In 2 MiB pages it is a few hundred. The kernel gives huge pages to memory marked
 * MADV_HUGEPAGE (its default "madvise" mode), and a mark holds for the mapping it was made
 * on: so the heap is grown once, by the reserve, marked, and kept (not trimmed). Address
 * space only: pages are committed when first touched. glibc-specific, like main's mmap
 * threshold; where the kernel has no huge pages it is a plain heap.
 */
#ifndef RISKMAP_HEAP_H
#define RISKMAP_HEAP_H

#include <stddef.h>

/* What the offline commands reserve: the model of 100,000 findings and their report fits. */
#define HEAP_MODEL_RESERVE ((size_t)256 << 20)

/* Grows the heap by reserve bytes at once and asks for huge pages on it. Call before the
 * model is built; once per process (later calls do nothing). */
void heap_for_large_model(size_t reserve);

#endif
