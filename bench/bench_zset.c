/*
 * bench_zset.c - throughput of core/zset, the sorted set behind ZADD.
 *
 * One zset of N members (default 1,000,000; the 16-byte keys of
 * bench_util.h as members, random scores), in this order:
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

#include "bench_util.h"
#include "zset.h"

#define RANGE 10

static const struct hashmap_seed bench_seed = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL};

static double rng_score(uint64_t *s)
{
    return (double)(bench_rng_next(s) >> 11) * 0x1p-53 * 1e6;
}

static void report(const char *what, size_t ops, double t0)
{
    printf("%-8s %8.3f Mops/s\n", what, (double)ops / (bench_cpu_s() - t0) / 1e6);
}

static int run(size_t n, const char *members, const uint32_t *order, uint64_t *s)
{
    static struct object_limits limits = OBJECT_LIMITS_DEFAULT;
    static const struct hashmap_hasher hasher = {hashmap_siphash, &bench_seed};
    struct zset *z = zset_create_skiplist(&hasher, &limits);
    struct zset_member m;
    size_t sink = 0;
    if (!z)
        return -1;

    double t0 = bench_cpu_s();
    for (size_t i = 0; i < n; i++)
        if (zset_set(z, members + i * BENCH_KEYLEN, BENCH_KEYLEN, rng_score(s), NULL) != 0)
            return -1;
    report("add", n, t0);

    t0 = bench_cpu_s();
    for (size_t i = 0; i < n; i++)
        if (zset_set(z, members + i * BENCH_KEYLEN, BENCH_KEYLEN, rng_score(s), NULL) != 0)
            return -1;
    report("update", n, t0);

    t0 = bench_cpu_s();
    for (size_t i = 0; i < n; i++) {
        size_t rank;
        if (zset_rank(z, members + (size_t)order[i] * BENCH_KEYLEN, BENCH_KEYLEN, &rank))
            sink += rank;
    }
    report("rank", n, t0);

    t0 = bench_cpu_s();
    for (size_t i = 0; i < n / RANGE; i++) {
        size_t start = bench_rng_next(s) % (n - RANGE);
        for (size_t r = start; r < start + RANGE; r++) {
            zset_at(z, r, &m);
            sink += m.len;
        }
    }
    report("range", n / RANGE, t0);

    t0 = bench_cpu_s();
    for (size_t i = 0; i < n; i++)
        sink += zset_count_below(z, rng_score(s), i & 1);
    report("count", n, t0);

    t0 = bench_cpu_s();
    for (size_t i = 0; i < n; i++)
        zset_remove(z, members + (size_t)order[i] * BENCH_KEYLEN, BENCH_KEYLEN);
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
    char *members = bench_make_keys(n);
    uint32_t *order = bench_make_order(n);
    printf("bench_zset: %zu members of %d bytes%s\n", n, BENCH_KEYLEN,
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
