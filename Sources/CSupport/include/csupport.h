#ifndef PBCHECK_CSUPPORT_H
#define PBCHECK_CSUPPORT_H

#include <stddef.h>

/// Asks the CPU to start loading the cache line at `p`: the visited set
/// looks up a state's successors together, so their misses overlap.
static inline void pbcheck_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 1);
}

/// Zeroed memory for a table of `bytes`, or NULL. Tables of 2 MB or more
/// are mapped on a 2 MB boundary and advised to use huge pages: a lookup
/// in a table of gigabytes then costs one cache miss, not also a page walk
/// that misses. Free with `pbcheck_table_free` and the same size.
void *pbcheck_table_alloc(size_t bytes);
void pbcheck_table_free(void *p, size_t bytes);

#endif
