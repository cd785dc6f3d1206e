/*
 * alloc.h - the memory allocator grove-server was built with (CMake's
 * GROVE_ALLOCATOR: glibc, jemalloc or mimalloc; each replaces malloc for
 * the whole process, libuv and Lua included) and what it tells about the
 * memory it holds: INFO memory's used_memory and allocator_* fields,
 * MEMORY STATS, MALLOC-STATS and PURGE, and the cron's giving back.
 *
 * What each allocator tells (figures that are not known are -1):
 *   glibc     allocated = mallinfo2's in-use bytes (uordblks + hblkhd);
 *             active = allocated + free chunks still in the heap
 *             (fordblks); resident unknown.
 *   jemalloc  allocated = stats.allocated less what the thread caches
 *             hold for reuse (tcache_bytes); stats.active, stats.resident
 *             (after an epoch refresh), as Redis reads them.
 *   mimalloc  its release build counts no allocations: allocated and
 *             active are the committed bytes (an upper bound), resident
 *             unknown. (Measured and not chosen: see the README.)
 *
 * Errors: nothing here fails; alloc_malloc_stats returns NULL when out of
 * memory.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef GROVE_ALLOC_H
#define GROVE_ALLOC_H

#include <stdbool.h>

struct alloc_stats {
    long long allocated; /* bytes in live allocations */
    long long active;    /* bytes in the pages that hold them, free gaps included */
    long long resident;  /* the allocator's resident bytes, -1 when unknown */
};

/* INFO's mem_allocator: "libc", "jemalloc-5.3.0", "mimalloc-2.0.9". */
const char *alloc_name(void);
/* Bytes in live allocations (used_memory); a cheap call for glibc and
 * jemalloc, which the cron makes every tick. */
long long alloc_allocated(void);
void alloc_stats(struct alloc_stats *out);
/* Bytes the calling thread has allocated less those it freed, from the
 * allocator's per-thread counters (jemalloc's thread.allocated and
 * thread.deallocated: two loads); 0 where the allocator keeps none. Only
 * differences between two calls on one thread mean anything. */
long long alloc_thread_net(void);
/* Give the memory the allocator holds free back to the system (glibc
 * malloc_trim, jemalloc's purge of every arena, mimalloc's collect). */
void alloc_purge(void);
/* jemalloc-bg-thread: jemalloc's background threads purge dirty pages
 * as they decay, as Redis turns them on; other allocators have none (as
 * in Redis, the option then does nothing). */
void alloc_background_thread(bool on);
/* MEMORY MALLOC-STATS: the allocator's own report, or Redis's "Stats not
 * supported for the current allocator" when it has none. The caller
 * frees it; NULL when out of memory. */
char *alloc_malloc_stats(void);

#endif
