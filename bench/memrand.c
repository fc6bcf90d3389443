/* This machine's ceiling for what bounds pbcheck's explicit search: random
 * reads and writes in a table far larger than the caches, each address known
 * 16 ahead and prefetched (as the search prefetches its lookups), on one
 * thread and then on two at once. Prints one line per thread count:
 * THREADS ACCESSES_PER_SECOND. Run by bench/run.py for the two-core table. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SLOTS (1u << 26) /* 256 MB of 4-byte slots, as the visited set's */
#define AHEAD 16
#define PER_THREAD 100000000L

static uint32_t *table;

static void *walk(void *seed) {
    uint64_t x = (uint64_t)(uintptr_t)seed * 0x9E3779B97F4A7C15ull + 1, sum = 0;
    for (long i = 0; i < PER_THREAD; i += AHEAD) {
        uint64_t at[AHEAD];
        for (int j = 0; j < AHEAD; j++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17; /* xorshift64 */
            at[j] = x & (SLOTS - 1);
            __builtin_prefetch(&table[at[j]]);
        }
        for (int j = 0; j < AHEAD; j++) sum += table[at[j]]++;
    }
    return (void *)(uintptr_t)sum;
}

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    table = malloc((size_t)SLOTS * sizeof *table);
    if (!table) return 1;
    for (uint32_t i = 0; i < SLOTS; i++) table[i] = i;
    for (int threads = 1; threads <= 2; threads++) {
        pthread_t t[2];
        double start = seconds();
        for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, walk, (void *)(uintptr_t)(i + 1));
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        printf("%d %.0f\n", threads, threads * PER_THREAD / (seconds() - start));
    }
    return 0;
}
