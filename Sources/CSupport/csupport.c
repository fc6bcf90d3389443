#include "csupport.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

static size_t mapped_size(size_t bytes) { return (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1); }

void *pbcheck_table_alloc(size_t bytes) {
    if (bytes < HUGE_PAGE) return calloc(1, bytes ? bytes : 1);
    size_t size = mapped_size(bytes);
    /* Map one huge page more than needed, then unmap what lies before the
       first 2 MB boundary and after the table. */
    uint8_t *raw = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    uint8_t *start = (uint8_t *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (start > raw) munmap(raw, (size_t)(start - raw));
    size_t tail = (size_t)(raw + size + HUGE_PAGE - (start + size));
    if (tail > 0) munmap(start + size, tail);
#ifdef MADV_HUGEPAGE
    madvise(start, size, MADV_HUGEPAGE); /* advice only: without it, 4 KB pages */
#endif
    return start;
}

void pbcheck_table_free(void *p, size_t bytes) {
    if (!p) return;
    if (bytes < HUGE_PAGE) { free(p); return; }
    munmap(p, mapped_size(bytes));
}
