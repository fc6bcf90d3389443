#ifndef PBCHECK_CSUPPORT_H
#define PBCHECK_CSUPPORT_H

/// Asks the CPU to start loading the cache line at `p`: the visited set
/// looks up a state's successors together, so their misses overlap.
static inline void pbcheck_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 1);
}

#endif
