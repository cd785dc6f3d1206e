/*
 * bench_util.h - what the in-process benchmarks share: the thread's CPU
 * clock, a seeded random source, and the same keys in the same shuffled
 * order, so figures from different benchmarks describe the same workload.
 * Header-only: each benchmark is one translation unit.
 */
#ifndef GROVE_BENCH_UTIL_H
#define GROVE_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_KEYLEN 16

/* Seconds of this thread's CPU time: other processes on a shared machine
 * do not count. */
static inline double bench_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t bench_rng_next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* n keys "key:000000000042", back to back, BENCH_KEYLEN bytes each. */
static inline char *bench_make_keys(size_t n)
{
    char *keys = malloc(n * BENCH_KEYLEN), buf[32];
    if (!keys)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "key:%012zu", i);
        memcpy(keys + i * BENCH_KEYLEN, buf, BENCH_KEYLEN);
    }
    return keys;
}

/* A random permutation of 0..n-1 (Fisher-Yates), the same every run. */
static inline uint32_t *bench_make_order(size_t n)
{
    uint32_t *order = malloc(n * sizeof *order);
    uint64_t s = 42;
    if (!order)
        return NULL;
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = bench_rng_next(&s) % (i + 1);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    return order;
}

#endif
