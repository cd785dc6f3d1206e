/*
 * bench_list.c - cost of core/list, the packed list behind LPUSH.
 *
 * One list of N elements (default 1,000,000; the 16-byte keys of
 * bench_util.h as elements), at the default list-max-listpack-size (-2),
 * in this order:
 *
 *   lpush    list_push at the head, N times (LPUSH)
 *   rpush    list_push at the tail, N times, onto a second list (RPUSH)
 *   lrange   100 elements through an iterator from the head, N/100 times
 *            (LRANGE 0 99), ns per element
 *   lindex   list_get of a random index, N/100 times (LINDEX)
 *   lpop     list_peek and list_pop at the head, N times (LPOP)
 *   rpop     the same at the tail of the second list (RPOP)
 *
 * Times are nanoseconds of the thread's CPU time per operation, so that
 * other processes on a shared machine disturb them less. Run it several
 * times and take the median.
 *
 * Usage: bench_list [--elements N]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "list.h"

static void report(const char *what, size_t ops, double t0)
{
    printf("%-8s %8.1f ns\n", what, (bench_cpu_s() - t0) / (double)ops * 1e9);
}

static int fill(struct list *l, enum list_where where, const char *elems, size_t n,
                const char *what)
{
    double t0 = bench_cpu_s();
    for (size_t i = 0; i < n; i++)
        if (list_push(l, where, elems + i * BENCH_KEYLEN, BENCH_KEYLEN) != LIST_OK)
            return -1;
    report(what, n, t0);
    return 0;
}

static size_t drain(struct list *l, enum list_where where, size_t n, const char *what)
{
    struct list_entry e;
    size_t sink = 0;
    double t0 = bench_cpu_s();
    for (size_t i = 0; i < n; i++) {
        list_peek(l, where, &e);
        sink += e.len;
        list_pop(l, where);
    }
    report(what, n, t0);
    return sink;
}

static size_t read_some(const struct list *l, size_t n)
{
    struct list_iter it;
    struct list_entry e;
    size_t sink = 0, rounds = n / 100 ? n / 100 : 1;
    uint64_t s = 7;
    double t0 = bench_cpu_s();
    for (size_t r = 0; r < rounds; r++) {
        list_iter_init(&it, l, 0, false);
        for (int k = 0; k < 100 && list_iter_next(&it, &e); k++)
            sink += e.len;
    }
    report("lrange", rounds * 100, t0);
    t0 = bench_cpu_s();
    for (size_t r = 0; r < rounds; r++) {
        list_get(l, bench_rng_next(&s) % n, &e);
        sink += e.len;
    }
    report("lindex", rounds, t0);
    return sink;
}

static int run(size_t n, const char *elems)
{
    static struct object_limits limits = OBJECT_LIMITS_DEFAULT;
    struct list *a = list_create(&limits), *b = list_create(&limits);
    int rc = -1;
    if (a && b && fill(a, LIST_HEAD, elems, n, "lpush") == 0 &&
        fill(b, LIST_TAIL, elems, n, "rpush") == 0) {
        size_t sink = read_some(a, n) + drain(a, LIST_HEAD, n, "lpop") + drain(b, LIST_TAIL, n, "rpop");
        rc = sink == 0 ? -1 : 0;
    }
    list_destroy(a);
    list_destroy(b);
    return rc;
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--elements") == 0 && i + 1 < argc) {
            errno = 0;
            n = strtoull(argv[++i], NULL, 10);
            if (errno || n == 0) {
                fprintf(stderr, "bad --elements\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: bench_list [--elements N]\n");
            return 2;
        }
    }
    char *elems = bench_make_keys(n);
    if (!elems || run(n, elems) < 0) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    free(elems);
    return 0;
}
