/*
 * evict.h - maxmemory eviction by policy, after Redis 7's evict.c.
 *
 * Before running any command while maxmemory is set (Redis's
 * performEvictions in processCommand), the dispatcher calls
 * evict_perform(). Over the limit it deletes keys by maxmemory-policy until
 * the estimated usage is under it, nothing evictable is left, or its time
 * budget is spent; the caller then refuses CMD_DENYOOM commands only on
 * EVICT_FAIL.
 *
 * Errors: the outcome is the enum below; running out of memory while
 * evicting counts as EVICT_FAIL.
 * Threads: any worker, and the cron (evict_cron). One eviction run at a time (a mutex): a worker that
 * finds another evicting waits, then sees the lowered figure. The caller
 * must hold no shard lock (eviction locks shards one at a time).
 */
#ifndef GROVE_EVICT_H
#define GROVE_EVICT_H

#include <stdbool.h>

enum evict_result {
    EVICT_OK,      /* under maxmemory (or it is off) */
    EVICT_RUNNING, /* still over, but the run hit its time budget: go on */
    EVICT_FAIL,    /* over, and nothing evictable is left (or noeviction) */
};

/* Evict by policy while over maxmemory; see above. */
enum evict_result evict_perform(void);

/* While maxmemory is set: add what the calling thread allocated less what
 * it freed since its last note (alloc_thread_net) to the cached
 * used_memory. Worker loops note after every command and after writing
 * replies, so the next command evicts after a big write and a freed reply
 * stops counting at once, as with Redis's exact counter, without the
 * allocator's full measurement (too costly per command; it comes every
 * EVICT_REMEASURE_EVERY commands and corrects what other threads did). */
void evict_note_thread_memory(void);

/* After CONFIG SET maxmemory: measure now, warn when the new limit is
 * below the usage, and evict (not at the next command: a client may be
 * waiting for the evicted events without sending any): at once, or with
 * !now (inside EXEC, whose commands must see no eviction between them)
 * from the cron, as Redis's updateMaxmemory starts its eviction time
 * proc. */
void evict_for_new_maxmemory(bool now);
/* The cron: go on with an eviction that ran out of its time budget, or
 * that a CONFIG SET inside EXEC left for later. */
void evict_cron(void);

#endif
