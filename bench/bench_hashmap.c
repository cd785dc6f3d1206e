/*
 * bench_hashmap.c - throughput, memory and worst pause of core/hashmap.
 *
 * For each size (default 1M and 10M keys of 16 bytes) and each of two
 * tables, a forked child (so RSS and the allocator start clean) measures:
 *
 *   insert/s   hashmap_put of every key into an empty map, plus finishing
 *              the incremental resize still running at the end (the work
 *              the owner's timer would do), so both tables pay for all
 *              their rehashing and the figures below are steady state
 *   hit/s      hashmap_get of every key, in random order
 *   miss/s     hashmap_get of as many absent keys (same length)
 *   delete/s   hashmap_delete of every key, in random order
 *   B/entry    hashmap_bytes() / n after the inserts
 *   RSS/key    growth of the process RSS over the inserts / n
 *   worst      the longest single insert while filling a second map from
 *              empty, timed with clock_gettime around each call: on the
 *              thread's CPU clock (the work the call did, page faults
 *              included) and on the wall clock (which also counts time
 *              the thread was preempted, so on a busy machine it shows the
 *              scheduler, not the map)
 *
 * Rates are operations per second of the thread's CPU time, so that other
 * processes on a shared machine do not halve them at random; --repeat R
 * runs everything R times and keeps the best of each figure.
 *
 * The second table, "plain", is the textbook alternative: a chained table
 * with the same load factor (1.0), the same hash (SipHash-1-3) and a cached
 * hash per entry, that doubles by rehashing everything at once. Its worst
 * insert is the stop-the-world resize that Grove's incremental resize
 * avoids.
 *
 * The third, "grove dense", is Grove's map as sets, hashes and sorted sets
 * use it (HASHMAP_DENSE, load up to 2): what its thinner table costs in
 * speed.
 *
 * The fourth, "grove trees", is Grove's map under a hash that sends every
 * key to one of 1024 buckets (see colliding_hash), so all lookups, inserts
 * and deletes go through the AVL tree bins.
 *
 * Usage: bench_hashmap [--keys N]... [--repeat R]
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "hashmap.h"

static const struct hashmap_seed bench_seed = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL};

/* ==========================================================================
 * Plumbing: clocks, RSS (the rest is in bench_util.h)
 * ========================================================================== */

static uint64_t ns_of(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* ==========================================================================
 * The reference: a plain chained table that resizes all at once
 * ========================================================================== */

struct plain_entry {
    struct plain_entry *next;
    uint64_t hash;
    void *value;
    uint32_t keylen;
    char key[];
};

struct plain {
    struct plain_entry **slots;
    size_t mask, size, bytes;
};

static struct plain *plain_create(void)
{
    struct plain *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->slots = calloc(8, sizeof *p->slots);
    p->mask = 7;
    p->bytes = malloc_usable_size(p) + malloc_usable_size(p->slots);
    return p;
}

static void plain_destroy(struct plain *p)
{
    for (size_t i = 0; i <= p->mask; i++) {
        for (struct plain_entry *e = p->slots[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(p->slots);
    free(p);
}

/* Stop the world: move every entry to a table twice the size. */
static void plain_grow(struct plain *p)
{
    size_t mask = p->mask * 2 + 1;
    struct plain_entry **slots = calloc(mask + 1, sizeof *slots);
    if (!slots)
        return;
    for (size_t i = 0; i <= p->mask; i++) {
        for (struct plain_entry *e = p->slots[i], *next; e; e = next) {
            next = e->next;
            e->next = slots[e->hash & mask];
            slots[e->hash & mask] = e;
        }
    }
    p->bytes += malloc_usable_size(slots) - malloc_usable_size(p->slots);
    free(p->slots);
    p->slots = slots;
    p->mask = mask;
}

static struct plain_entry **plain_link(struct plain *p, const void *key, size_t len, uint64_t h)
{
    struct plain_entry **link = &p->slots[h & p->mask];
    for (; *link; link = &(*link)->next)
        if ((*link)->hash == h && (*link)->keylen == len && memcmp((*link)->key, key, len) == 0)
            break;
    return link;
}

static int plain_put(struct plain *p, const void *key, size_t len, void *value)
{
    uint64_t h = hashmap_siphash(key, len, &bench_seed);
    struct plain_entry **link = plain_link(p, key, len, h);
    if (*link) {
        (*link)->value = value;
        return 0;
    }
    struct plain_entry *e = malloc(sizeof *e + len);
    if (!e)
        return -1;
    e->hash = h;
    e->value = value;
    e->keylen = (uint32_t)len;
    memcpy(e->key, key, len);
    e->next = p->slots[h & p->mask];
    p->slots[h & p->mask] = e;
    p->bytes += malloc_usable_size(e);
    if (++p->size > p->mask + 1)
        plain_grow(p);
    return 0;
}

static void *plain_get(struct plain *p, const void *key, size_t len)
{
    struct plain_entry *e = *plain_link(p, key, len, hashmap_siphash(key, len, &bench_seed));
    return e ? e->value : NULL;
}

static bool plain_delete(struct plain *p, const void *key, size_t len)
{
    struct plain_entry **link = plain_link(p, key, len, hashmap_siphash(key, len, &bench_seed));
    struct plain_entry *e = *link;
    if (!e)
        return false;
    *link = e->next;
    p->bytes -= malloc_usable_size(e);
    free(e);
    p->size--;
    return true;
}

/* ==========================================================================
 * One interface over both tables
 * ========================================================================== */

struct impl {
    const char *name;
    void *(*create)(void);
    void (*destroy)(void *);
    int (*put)(void *, const void *, size_t, void *);
    void *(*get)(void *, const void *, size_t);
    bool (*del)(void *, const void *, size_t);
    size_t (*bytes)(void *);
    void (*settle)(void *); /* finish a resize in progress, or NULL */
};

static void *grove_create(void)
{
    struct hashmap_hasher h = {hashmap_siphash, &bench_seed};
    return hashmap_create(&h);
}

static void *dense_create(void)
{
    struct hashmap_hasher h = {hashmap_siphash, &bench_seed};
    return hashmap_create_with(&h, HASHMAP_DENSE);
}

/* SipHash with the low TREE_BITS bits folded to 0..TREE_BUCKETS-1: every
 * key lands in one of TREE_BUCKETS buckets whatever the table size, so
 * with more than 8 * TREE_BUCKETS keys every entry lives in a tree bin
 * (n / TREE_BUCKETS entries each), the path an attacker forces. */
#define TREE_BITS 32
#define TREE_BUCKETS 1024

static uint64_t colliding_hash(const void *key, size_t len, const void *seed)
{
    uint64_t h = hashmap_siphash(key, len, seed);
    return (h & ~(((uint64_t)1 << TREE_BITS) - 1)) | ((h >> TREE_BITS) % TREE_BUCKETS);
}

static void *trees_create(void)
{
    struct hashmap_hasher h = {colliding_hash, &bench_seed};
    return hashmap_create(&h);
}
static void grove_destroy(void *m) { hashmap_destroy(m); }
static int grove_put(void *m, const void *k, size_t n, void *v) { return hashmap_put(m, k, n, v, NULL); }
static void *grove_get(void *m, const void *k, size_t n) { return hashmap_get(m, k, n); }
static bool grove_del(void *m, const void *k, size_t n) { return hashmap_delete(m, k, n, NULL); }
static size_t grove_bytes(void *m) { return hashmap_bytes(m); }
static void grove_settle(void *m) { hashmap_rehash_step(m, SIZE_MAX); }

static void *plain_create_v(void) { return plain_create(); }
static void plain_destroy_v(void *p) { plain_destroy(p); }
static int plain_put_v(void *p, const void *k, size_t n, void *v) { return plain_put(p, k, n, v); }
static void *plain_get_v(void *p, const void *k, size_t n) { return plain_get(p, k, n); }
static bool plain_del_v(void *p, const void *k, size_t n) { return plain_delete(p, k, n); }
static size_t plain_bytes_v(void *p) { return ((struct plain *)p)->bytes; }

static const struct impl impls[] = {
    {"grove", grove_create, grove_destroy, grove_put, grove_get, grove_del, grove_bytes,
     grove_settle},
    {"grove dense", dense_create, grove_destroy, grove_put, grove_get, grove_del, grove_bytes,
     grove_settle},
    {"plain (stw)", plain_create_v, plain_destroy_v, plain_put_v, plain_get_v, plain_del_v,
     plain_bytes_v, NULL},
    {"grove trees", trees_create, grove_destroy, grove_put, grove_get, grove_del, grove_bytes,
     grove_settle},
};

/* ==========================================================================
 * The workload (runs in a child process)
 * ========================================================================== */

struct result {
    int ok;
    double insert_s, hit_s, miss_s, delete_s; /* operations per CPU second */
    double bytes_per_entry, rss_per_key;
    double worst_cpu_us, worst_wall_us; /* longest single insert */
};

static void *value_of(size_t i)
{
    return (void *)(uintptr_t)(i + 1);
}

static int run_throughput(const struct impl *im, const char *keys, const uint32_t *order,
                          size_t n, struct result *r)
{
    void *m = im->create();
    size_t found = 0, rss0 = rss_bytes();
    double t = bench_cpu_s();
    for (size_t i = 0; i < n; i++)
        if (im->put(m, keys + i * BENCH_KEYLEN, BENCH_KEYLEN, value_of(i)) != 0)
            return -1;
    /* Inserts owe any resize still running (the owner's timer would finish
     * it): charge it to them, and measure the rest in the steady state. */
    if (im->settle)
        im->settle(m);
    r->insert_s = (double)n / (bench_cpu_s() - t);
    r->rss_per_key = (double)(rss_bytes() - rss0) / (double)n;
    r->bytes_per_entry = (double)im->bytes(m) / (double)n;

    t = bench_cpu_s();
    for (size_t i = 0; i < n; i++)
        found += im->get(m, keys + (size_t)order[i] * BENCH_KEYLEN, BENCH_KEYLEN) == value_of(order[i]);
    r->hit_s = (double)n / (bench_cpu_s() - t);

    t = bench_cpu_s();
    for (size_t i = 0; i < n; i++) {
        char miss[BENCH_KEYLEN];
        memcpy(miss, keys + (size_t)order[i] * BENCH_KEYLEN, BENCH_KEYLEN);
        miss[0] = 'm'; /* "mey:...": same length, never present */
        found += im->get(m, miss, BENCH_KEYLEN) != NULL;
    }
    r->miss_s = (double)n / (bench_cpu_s() - t);

    t = bench_cpu_s();
    for (size_t i = 0; i < n; i++)
        found += im->del(m, keys + (size_t)order[i] * BENCH_KEYLEN, BENCH_KEYLEN);
    r->delete_s = (double)n / (bench_cpu_s() - t);
    im->destroy(m);
    return found == 2 * n ? 0 : -1;
}

static int run_pauses(const struct impl *im, const char *keys, size_t n, struct result *r)
{
    void *m = im->create();
    uint64_t worst_cpu = 0, worst_wall = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t wall = ns_of(CLOCK_MONOTONIC), cpu = ns_of(CLOCK_THREAD_CPUTIME_ID);
        if (im->put(m, keys + i * BENCH_KEYLEN, BENCH_KEYLEN, value_of(i)) != 0)
            return -1;
        cpu = ns_of(CLOCK_THREAD_CPUTIME_ID) - cpu;
        wall = ns_of(CLOCK_MONOTONIC) - wall;
        worst_cpu = cpu > worst_cpu ? cpu : worst_cpu;
        worst_wall = wall > worst_wall ? wall : worst_wall;
    }
    r->worst_cpu_us = (double)worst_cpu / 1e3;
    r->worst_wall_us = (double)worst_wall / 1e3;
    im->destroy(m);
    return 0;
}

enum phase { THROUGHPUT, PAUSES };

static struct result run_child(const struct impl *im, size_t n, enum phase phase)
{
    struct result r = {0};
    char *keys = bench_make_keys(n);
    uint32_t *order = phase == THROUGHPUT ? bench_make_order(n) : NULL;
    if (keys && phase == THROUGHPUT && order)
        r.ok = run_throughput(im, keys, order, n, &r) == 0;
    if (keys && phase == PAUSES)
        r.ok = run_pauses(im, keys, n, &r) == 0;
    free(keys);
    free(order);
    return r;
}

static double max_d(double a, double b)
{
    return a > b ? a : b;
}

static double min_d(double a, double b)
{
    return a < b ? a : b;
}

/* Keep the best of each figure: noise only ever makes them worse. */
static void keep_best(struct result *best, const struct result *r)
{
    if (!r->ok)
        return;
    if (!best->ok) {
        *best = *r;
        return;
    }
    best->insert_s = max_d(best->insert_s, r->insert_s);
    best->hit_s = max_d(best->hit_s, r->hit_s);
    best->miss_s = max_d(best->miss_s, r->miss_s);
    best->delete_s = max_d(best->delete_s, r->delete_s);
    best->rss_per_key = min_d(best->rss_per_key, r->rss_per_key);
    best->worst_cpu_us = min_d(best->worst_cpu_us, r->worst_cpu_us);
    best->worst_wall_us = min_d(best->worst_wall_us, r->worst_wall_us);
}

/* Fork, run, and read the result back through a pipe. The pause run gets
 * a process of its own: after the throughput run has freed millions of
 * entries, glibc's next big allocation consolidates them all at once
 * (malloc_consolidate), a pause of the allocator's, not the table's. */
static struct result run_isolated(const struct impl *im, size_t n, enum phase phase)
{
    struct result r = {0};
    int fds[2];
    if (pipe(fds) != 0)
        return r;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        r = run_child(im, n, phase);
        ssize_t w = write(fds[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fds[1]);
    if (pid > 0 && read(fds[0], &r, sizeof r) != (ssize_t)sizeof r)
        r.ok = 0;
    close(fds[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    return r;
}

/* ==========================================================================
 * Main
 * ========================================================================== */

static double mops(double per_s)
{
    return per_s / 1e6;
}

static void print_header(void)
{
    printf("%-9s %-12s %7s %7s %7s %7s %8s %8s %12s %12s\n", "keys", "table", "insert", "hit",
           "miss", "delete", "B/entry", "RSS/key", "worst insert", "worst insert");
    printf("%-9s %-12s %7s %7s %7s %7s %8s %8s %12s %12s\n", "", "", "Mops/s", "Mops/s",
           "Mops/s", "Mops/s", "", "", "cpu us", "wall us");
}

static void print_row(size_t n, const struct impl *im, const struct result *r)
{
    if (!r->ok) {
        printf("%-9zu %-12s  failed (out of memory?)\n", n, im->name);
        return;
    }
    printf("%-9zu %-12s %7.2f %7.2f %7.2f %7.2f %8.1f %8.1f %12.1f %12.1f\n", n, im->name,
           mops(r->insert_s), mops(r->hit_s), mops(r->miss_s), mops(r->delete_s),
           r->bytes_per_entry, r->rss_per_key, r->worst_cpu_us, r->worst_wall_us);
    fflush(stdout);
}

static int parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno || *end || n == 0 || n > UINT32_MAX)
        return -1;
    *out = (size_t)n;
    return 0;
}

static int parse_args(int argc, char **argv, size_t *sizes, size_t *nsizes, size_t *repeat)
{
    *nsizes = 0;
    *repeat = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc && *nsizes < 16) {
            if (parse_count(argv[++i], &sizes[(*nsizes)++]) != 0)
                return -1;
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            if (parse_count(argv[++i], repeat) != 0)
                return -1;
        } else {
            return -1;
        }
    }
    if (*nsizes == 0) {
        sizes[0] = 1000000;
        sizes[1] = 10000000;
        *nsizes = 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t sizes[16], nsizes, repeat;
    if (parse_args(argc, argv, sizes, &nsizes, &repeat) != 0) {
        fprintf(stderr, "usage: %s [--keys N]... [--repeat R]\n", argv[0]);
        return 2;
    }
    printf("bench_hashmap: %d-byte keys, SipHash-1-3, load factor 1.0 (dense 2.0), best of %zu%s\n",
           BENCH_KEYLEN, repeat,
#ifdef NDEBUG
           ""
#else
           ", asserts on"
#endif
    );
    print_header();
    for (size_t s = 0; s < nsizes; s++)
        for (size_t i = 0; i < sizeof impls / sizeof impls[0]; i++) {
            struct result best = {0};
            for (size_t k = 0; k < repeat; k++) {
                struct result r = run_isolated(&impls[i], sizes[s], THROUGHPUT);
                struct result p = run_isolated(&impls[i], sizes[s], PAUSES);
                r.ok = r.ok && p.ok;
                r.worst_cpu_us = p.worst_cpu_us;
                r.worst_wall_us = p.worst_wall_us;
                keep_best(&best, &r);
            }
            print_row(sizes[s], &impls[i], &best);
        }
    return 0;
}
