/*
 * server.h - the bottom layer of grove-server: the process-wide state (the
 * configuration, the keyspace, identity and counters INFO reports), the
 * clock, error statistics and the memory gauge. (The client registry is
 * client.h's: it needs the client.)
 * There is one `struct server`, the global `server`, as in Redis. Nothing
 * here starts or stops anything (lifecycle.h does), and nothing here sees
 * libuv or a client, so every other server/ file may include it.
 *
 * Threads: `cfg` follows config.h's rules (numeric options are atomics,
 * string options are read under config_lock); the counters are atomics;
 * the rest is set before the workers start and read-only afterwards.
 *
 * Errors, for all of server/ (each header says which applies to it):
 *   - actions return 0 or a negative errno (-ENOMEM, -EADDRINUSE...);
 *     libuv's codes, negative errno values on Unix, never leave
 *     worker_loop.c and conn.c;
 *   - predicates return bool; finders return a pointer or NULL;
 *   - code that answers a client (handlers, and the helpers they share)
 *     replies the error itself and returns false, true to carry on;
 *   - a failure no caller can act on (start-up, accepting) is logged
 *     where it is seen; broken invariants are asserts.
 * Nothing in this file fails.
 */
#ifndef GROVE_SERVER_H
#define GROVE_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "hashmap.h"

struct keyspace;

#define GROVE_REDIS_VERSION "7.0.15" /* the Redis whose behaviour Grove follows */

struct server {
    struct config cfg;
    struct hashmap_seed seed;
    struct keyspace *ks;
    long long start_time_ms;
    char run_id[41];

    /* Counters updated off the hot path with atomic read-modify-writes
     * (the per-loop ones are in stats.h). */
    atomic_llong total_connections_received;
    atomic_llong rejected_connections;
    atomic_llong evicted_keys;   /* by maxmemory (evict.c) */

    char replid[41];             /* INFO replication's master_replid: server_replid() */
    char *config_file;           /* absolute path, NULL when started without one */
    long long startup_memory;    /* used_memory once started (used_memory_startup) */
    atomic_llong peak_memory;    /* used_memory_peak */
    atomic_llong used_memory;    /* server_memory_for_maxmemory, as last measured */

    atomic_bool shutdown_requested;
    atomic_uint lru_clock; /* seconds, 24 bits, as Redis's LRU clock */
    atomic_bool skip_checksum_validation; /* DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE
                                             takes a payload whatever its CRC */
    atomic_bool reply_buffers_kept; /* DEBUG REPLYBUFFER RESIZING 0: idle connections keep
                                       their reply buffers (conn.c), so client memory holds */
};

extern struct server server;

/* Wall-clock time in milliseconds, and a monotonic clock in nanoseconds
 * for durations and deadlines. */
long long server_mstime(void);
long long server_monotonic_ns(void);
/* Redis's debugDelay, for the test knobs key-load-delay and
 * rdb-key-save-delay: sleep usec microseconds; a negative delay sleeps
 * 1 us with odds 1 in -usec, since even the shortest sleep costs a system
 * call. */
void server_debug_delay(long long usec);
/* A cheaper clock for timing commands, in ticks (see server.c): read
 * server_ticks() around the command, turn the sum into nanoseconds with
 * server_ns_per_tick() (two clock reads: once per report) when it is shown. server_ticks_init() at start-up,
 * before any thread times a command (until then a tick is a nanosecond). */
void server_ticks_init(void);
long long server_ticks(void);
double server_ns_per_tick(void);
/* `ticks` in nanoseconds at the rate server_ns_per_tick last measured (the
 * cron measures it every tick): no clock read, for the hot path. */
long long server_ticks_to_ns(long long ticks);

/* 40 random hex digits and a NUL (run_id, replid). */
void server_random_id(char out[41]);
/* INFO's master_replid, and DEBUG CHANGE-REPL-ID's new one (any thread). */
void server_replid(char out[41]);
void server_change_replid(void);
/* A replica takes its master's replication id (40 hex digits). */
void server_set_replid(const char *id);


/* Memory as INFO shows it: the allocator's live bytes, and the peak. */
long long server_used_memory(void);
long long server_resident_memory(void); /* used_memory_rss */
long long server_peak_memory(void);
/* What maxmemory compares: used_memory less what waits for the replicas
 * beyond the backlog, as Redis's mem_not_counted_for_evict (a replica
 * falling behind must not make the master evict, or refuse writes). */
long long server_memory_for_maxmemory(void);
/* maxmemory is set and the last measured figure for it is above it (any
 * thread; measured by the cron, so a burst can overshoot by one tick). */
bool server_over_maxmemory(void);

/* INFO errorstats: count an error reply (the bytes from its '-'), by its
 * code ("ERR", "WRONGTYPE"...) as Redis's afterErrorReply does. Any thread. */
void server_count_error(const char *reply, size_t len);
long long server_total_error_replies(void);
/* Calls fn for each code in name order; under a lock, so fn must not
 * count errors. */
void server_foreach_error(void (*fn)(const char *code, long long count, void *ud), void *ud);
/* CONFIG RESETSTAT: every counter INFO shows back to zero (these, the
 * per-loop ones of stats.h and the keyspace's). */
void server_reset_stats(void);

#endif
