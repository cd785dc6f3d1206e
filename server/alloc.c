/*
 * alloc.c - the allocator's figures and controls; see alloc.h. One section
 * per allocator, chosen at build time by GROVE_ALLOC_JEMALLOC or
 * GROVE_ALLOC_MIMALLOC (glibc otherwise).
 */
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(GROVE_ALLOC_JEMALLOC) || defined(GROVE_ALLOC_MIMALLOC)
/* A report written piece by piece into a growing string (the jemalloc
 * and mimalloc print callbacks). */
struct report {
    char *s;
    size_t len, cap;
    bool oom;
};

static void report_add(void *ud, const char *piece)
{
    struct report *r = ud;
    size_t n = strlen(piece);
    if (r->oom)
        return;
    if (r->len + n + 1 > r->cap) {
        size_t cap = (r->len + n + 1) * 2;
        char *s = realloc(r->s, cap);
        if (s == NULL) {
            r->oom = true;
            return;
        }
        r->s = s;
        r->cap = cap;
    }
    memcpy(r->s + r->len, piece, n + 1);
    r->len += n;
}

static char *report_finish(struct report *r)
{
    if (r->oom || r->s == NULL) {
        free(r->s);
        return r->oom ? NULL : strdup("");
    }
    return r->s;
}
#endif

#if defined(GROVE_ALLOC_JEMALLOC)
/* ==== jemalloc =============================================================== */

#include <jemalloc/jemalloc.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

const char *alloc_name(void)
{
    static char name[64];
    if (name[0] == '\0') {
        /* "5.3.0-0-g54eaed1d..." -> "jemalloc-5.3.0", as Redis names it */
        const char *version = JEMALLOC_VERSION;
        snprintf(name, sizeof(name), "jemalloc-%.*s", (int)strcspn(version, "-"), version);
    }
    return name;
}

/* One of jemalloc's size_t statistics, after the epoch refresh that makes
 * them current. */
static long long stat(const char *name)
{
    size_t v = 0, len = sizeof(v);
    return mallctl(name, &v, &len, NULL, 0) == 0 ? (long long)v : -1;
}

static void refresh(void)
{
    uint64_t epoch = 1;
    size_t len = sizeof(epoch);
    mallctl("epoch", &epoch, &len, &epoch, len);
}

/* The bytes live allocations hold. jemalloc counts what its thread caches
 * keep for reuse as allocated, so each worker's cache (up to some hundred
 * KB) would come and go in used_memory as it fills and drains, whatever
 * the data set does; Redis's used_memory counts only what it allocated.
 * Refreshed by the caller. */
static long long live_bytes(void)
{
    long long allocated = stat("stats.allocated");
    long long cached = stat("stats.arenas." STRINGIFY(MALLCTL_ARENAS_ALL) ".tcache_bytes");
    return cached > 0 && cached < allocated ? allocated - cached : allocated;
}

long long alloc_allocated(void)
{
    refresh();
    return live_bytes();
}

void alloc_stats(struct alloc_stats *out)
{
    refresh();
    out->allocated = live_bytes();
    out->active = stat("stats.active");
    out->resident = stat("stats.resident");
}

long long alloc_thread_net(void)
{
    static const uint64_t none;
    static _Thread_local const uint64_t *allocated, *deallocated;
    if (allocated == NULL) {
        size_t len = sizeof(allocated);
        if (mallctl("thread.allocatedp", &allocated, &len, NULL, 0) != 0 ||
            mallctl("thread.deallocatedp", &deallocated, &len, NULL, 0) != 0)
            allocated = deallocated = &none;
    }
    return (long long)(*allocated - *deallocated);
}

void alloc_purge(void)
{
    mallctl("arena." STRINGIFY(MALLCTL_ARENAS_ALL) ".purge", NULL, NULL, NULL, 0);
}

void alloc_background_thread(bool on)
{
    mallctl("background_thread", NULL, NULL, &on, sizeof(on));
}

static void print_cb(void *ud, const char *piece)
{
    report_add(ud, piece);
}

char *alloc_malloc_stats(void)
{
    struct report r = {0};
    malloc_stats_print(print_cb, &r, NULL);
    return report_finish(&r);
}

#elif defined(GROVE_ALLOC_MIMALLOC)
/* ==== mimalloc =============================================================== */

#include <mimalloc.h>

const char *alloc_name(void)
{
    static char name[32];
    if (name[0] == '\0') {
        int v = mi_version(); /* 209: 2.0.9 */
        snprintf(name, sizeof(name), "mimalloc-%d.%d.%d", v / 100, v / 10 % 10, v % 10);
    }
    return name;
}

long long alloc_thread_net(void)
{
    return 0; /* no per-thread counters */
}

long long alloc_allocated(void)
{
    size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
    mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
    return (long long)commit;
}

void alloc_stats(struct alloc_stats *out)
{
    out->allocated = alloc_allocated();
    out->active = out->allocated;
    out->resident = -1;
}

void alloc_purge(void)
{
    mi_collect(true);
}

void alloc_background_thread(bool on)
{
    (void)on;
}

static void print_cb(const char *piece, void *ud)
{
    report_add(ud, piece);
}

char *alloc_malloc_stats(void)
{
    struct report r = {0};
    mi_stats_print_out(print_cb, &r);
    return report_finish(&r);
}

#else
/* ==== glibc ================================================================== */

#include <malloc.h>

const char *alloc_name(void)
{
    return "libc";
}

long long alloc_thread_net(void)
{
    return 0; /* no per-thread counters */
}

long long alloc_allocated(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
}

void alloc_stats(struct alloc_stats *out)
{
    struct mallinfo2 mi = mallinfo2();
    out->allocated = (long long)(mi.uordblks + mi.hblkhd);
    out->active = out->allocated + (long long)mi.fordblks;
    out->resident = -1;
}

void alloc_purge(void)
{
    malloc_trim(0);
}

void alloc_background_thread(bool on)
{
    (void)on;
}

/* glibc's report is malloc_info's XML (per arena: free chunks by size,
 * totals), which says more than Redis's "not supported" for libc. */
char *alloc_malloc_stats(void)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (f == NULL)
        return NULL;
    malloc_info(0, f);
    if (fclose(f) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

#endif
