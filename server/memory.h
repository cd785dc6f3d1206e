/*
 * memory.h - where the memory goes, as INFO memory, MEMORY STATS and
 * MEMORY DOCTOR report it (Redis's getMemoryOverheadData), and the cron's
 * giving back of freed memory.
 *
 * Definitions, as Redis's: used is the allocator's live bytes; overhead
 * is what the server spends beside the data (used at start-up, client
 * buffers, script and function caches, the keyspace's per-key
 * bookkeeping); dataset = used - overhead. The ratios compare, each with
 * the next: allocated < active (the allocator's pages, free gaps inside)
 * < the allocator's resident bytes < the process's RSS. When the
 * allocator does not tell its resident bytes (glibc), the process's RSS
 * stands in: all the heap is the allocator's.
 *
 * Giving back (memory_cron): each cron tick, at most once a second,
 * memory_cron purges the allocator (alloc_purge) when the gap between RSS
 * and used memory has grown by more than max(8 MB, used/8) since the last
 * purge: after a burst of big replies or deletions. A gap that purging
 * cannot close (pages still partly in use) raises the mark instead of
 * purging every second.
 *
 * Errors: nothing here fails. Thread safety: the report functions take
 * shard and registry locks (call them holding none); memory_cron runs on
 * the cron's thread only.
 */
#ifndef GROVE_MEMORY_H
#define GROVE_MEMORY_H

#include <stdbool.h>

#include "alloc.h"

struct memory_report {
    long long used, peak, startup, rss;
    struct alloc_stats alloc; /* resident: the RSS when the allocator does not tell */
    long long clients_normal; /* query and reply buffers of every client */
    long long repl_backlog;   /* the replication backlog's ring */
    long long clients_slaves; /* what waits for the replicas, besides the backlog */
    long long clients;
    long long lua_caches, functions_caches;
    long long keys_overhead; /* the keyspace's bookkeeping, every db */
    long long overhead, dataset, keys;
    long long scripts; /* cached EVAL scripts */
};

/* One database's bookkeeping (MEMORY STATS db.N); false when it holds no
 * key. `main`: per-key headers and table slots; `expires`: TTL blocks and
 * the expiry index, estimated from the layout (core/hashmap.h, object.h). */
struct memory_db {
    long long keys, main, expires;
};
bool memory_db_overhead(unsigned index, long long now_ms, struct memory_db *out);

void memory_report(struct memory_report *r, long long now_ms);

/* MEMORY DOCTOR's report (Redis's texts, Grove's figures); the caller
 * frees it. NULL when out of memory. */
char *memory_doctor(long long now_ms);

/* The cron's giving back; see above. */
void memory_cron(long long now_ms);

#endif
