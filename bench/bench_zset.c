/*
 * bench_zset.c - throughput of core/zset, the sorted set behind ZADD.
 *
 * One zset of N members (default 1,000,000; 16-byte members, random
 * scores), in this order:
 *
 *   add      zset_set of every member (ZADD of a new member)
 *   update   zset_set of every member with a new score (ZADD XX: the
 *            node leaves the tree and goes back in)
 *   rank     zset_rank of every member, in random order (ZRANK)
 *   range    zset_at of 10 consecutive ranks from a random start, N/10
 *            times (ZRANGE start start+9)
 *   count    zset_count_below of a random score, N times (ZCOUNT)
 *   remove   zset_remove of every member, in random order (ZREM)
 *
 * Rates are operations per second of the thread's CPU time, so that other
 * processes on a shared machine disturb them less. Run it several times
 * and take the median.
 *
 * Usage: bench_zset [--members N]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zset.h"

#define MEMBERLEN 16
#define RANGE 10

static const struct hashmap_seed bench_seed = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL};

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng_next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rng_score(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1p-53 * 1e6;
}

/* n members "mem:000000000042", back to back. */
static char *make_members(size_t n)
{
    char *m = malloc(n * MEMBERLEN), buf[32];
    if (!m)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "mem:%012zu", i);
        memcpy(m + i * MEMBERLEN, buf, MEMBERLEN);
    }
    return m;
}

/* A random permutation of 0..n-1 (Fisher-Yates). */
static uint32_t *make_order(size_t n, uint64_t *s)
{
    uint32_t *order = malloc(n * sizeof *order);
    if (!order)
        return NULL;
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = rng_next(s) % (i + 1);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    return order;
}

static void report(const char *what, size_t ops, double t0)
{
    printf("%-8s %8.3f Mops/s\n", what, (double)ops / (cpu_s() - t0) / 1e6);
}

static int run(size_t n, const char *members, const uint32_t *order, uint64_t *s)
{
    struct hashmap_hasher hasher = {hashmap_siphash, &bench_seed};
    struct zset *z = zset_create_skiplist(&hasher);
    struct zset_member m;
    size_t sink = 0;
    if (!z)
        return -1;

    double t0 = cpu_s();
    for (size_t i = 0; i < n; i++)
        if (zset_set(z, members + i * MEMBERLEN, MEMBERLEN, rng_score(s), NULL) != 0)
            return -1;
    report("add", n, t0);

    t0 = cpu_s();
    for (size_t i = 0; i < n; i++)
        if (zset_set(z, members + i * MEMBERLEN, MEMBERLEN, rng_score(s), NULL) != 0)
            return -1;
    report("update", n, t0);

    t0 = cpu_s();
    for (size_t i = 0; i < n; i++) {
        size_t rank;
        if (zset_rank(z, members + (size_t)order[i] * MEMBERLEN, MEMBERLEN, &rank))
            sink += rank;
    }
    report("rank", n, t0);

    t0 = cpu_s();
    for (size_t i = 0; i < n / RANGE; i++) {
        size_t start = rng_next(s) % (n - RANGE);
        for (size_t r = start; r < start + RANGE; r++) {
            zset_at(z, r, &m);
            sink += m.len;
        }
    }
    report("range", n / RANGE, t0);

    t0 = cpu_s();
    for (size_t i = 0; i < n; i++)
        sink += zset_count_below(z, rng_score(s), i & 1);
    report("count", n, t0);

    t0 = cpu_s();
    for (size_t i = 0; i < n; i++)
        zset_remove(z, members + (size_t)order[i] * MEMBERLEN, MEMBERLEN);
    report("remove", n, t0);

    zset_destroy(z);
    return sink == 0 ? -1 : 0; /* keeps the reads from being optimised away */
}

static int parse_args(int argc, char **argv, size_t *n)
{
    *n = 1000000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--members") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (errno || *end || v <= RANGE || v > UINT32_MAX)
                return -1;
            *n = (size_t)v;
        } else {
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t n;
    if (parse_args(argc, argv, &n) != 0) {
        fprintf(stderr, "usage: %s [--members N]\n", argv[0]);
        return 2;
    }
    uint64_t s = 42;
    char *members = make_members(n);
    uint32_t *order = make_order(n, &s);
    printf("bench_zset: %zu members of %d bytes%s\n", n, MEMBERLEN,
#ifdef NDEBUG
           ""
#else
           ", asserts on"
#endif
    );
    int rc = members && order ? run(n, members, order, &s) : -1;
    free(members);
    free(order);
    if (rc != 0)
        fprintf(stderr, "bench_zset: out of memory\n");
    return rc == 0 ? 0 : 1;
}
