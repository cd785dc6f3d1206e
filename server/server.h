/*
 * server.h - the process-wide state of grove-server: configuration, the
 * keyspace, the worker loops, the client registry and the statistics INFO
 * reports. There is one `struct server`, the global `server`, as in Redis:
 * it is created in main() and torn down after every worker has stopped.
 *
 * Threads: the main thread owns start-up, signals, the cron timer (active
 * expiry, background rehash steps, stats sampling) and shutdown. Each worker
 * thread owns one uv loop and the connections accepted on it (worker.h).
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
struct worker;
struct client;

#define GROVE_REDIS_VERSION "7.0.15" /* the Redis whose behaviour Grove follows */

#define STATS_SAMPLES 16 /* instantaneous_ops_per_sec averages this many samples */

enum server_metric { SERVER_METRIC_COMMANDS, SERVER_METRIC_NET_INPUT, SERVER_METRIC_NET_OUTPUT,
                     SERVER_METRIC_COUNT };

struct server {
    struct config cfg;
    struct hashmap_seed seed;
    struct keyspace *ks;
    long long start_time_ms;
    char run_id[41];

    int nworkers;
    struct worker *workers;

    /* Every connected client, for CLIENT LIST / KILL / INFO. */
    pthread_mutex_t clients_lock;
    struct client *clients;
    atomic_uint_fast64_t next_client_id;
    atomic_long connected_clients;

    /* Counters updated off the hot path (per-command counters live in each
     * worker and are summed on demand). */
    atomic_llong total_connections_received;
    atomic_llong rejected_connections;
    atomic_llong expired_keys_active;
    atomic_llong evicted_keys;   /* by maxmemory (evict.c) */

    /* instantaneous_ops_per_sec and _kbps: per-second rates the cron
     * samples (commands, input bytes, output bytes), as Redis's trackInstantaneousMetric */
    struct {
        long long samples[STATS_SAMPLES];
        int idx;
        long long last_count;
    } metrics[SERVER_METRIC_COUNT];
    long long metrics_last_ms;

    char replid[41];             /* INFO replication's master_replid */
    char *config_file;           /* absolute path, NULL when started without one */
    long long startup_memory;    /* used_memory once started (used_memory_startup) */
    atomic_llong peak_memory;    /* used_memory_peak */
    atomic_llong used_memory;    /* used_memory as of the last cron tick (maxmemory checks) */

    atomic_bool shutdown_requested;
    atomic_uint lru_clock; /* seconds, 24 bits, as Redis's LRU clock */
};

extern struct server server;

/* Start the workers and run the main loop until shutdown; frees
 * everything before returning. Returns 0 or -1 when start-up failed. */
int server_run(void);

/* Wall-clock time in milliseconds. */
long long server_mstime(void);
/* Ask the main thread to shut the server down (any thread). */
void server_request_shutdown(void);

/* Raise the open-files limit for `maxclients` clients if need be (and
 * possible); returns how many clients fit (CONFIG SET maxclients). */
long long server_fit_maxclients(long long maxclients);

/* Free flushed databases on the main thread (FLUSHALL ASYNC; any thread). */
struct keyspace_trash;
void server_lazyfree(struct keyspace_trash *trash);

/* Registry of clients (any thread). */
void server_register_client(struct client *c);
void server_unregister_client(struct client *c);
/* A client another loop will close (CLIENT KILL): no longer counted or
 * listed. Called with clients_lock held. */
void server__mark_killed(struct client *c);

/* Sums over the workers, for INFO. */
long long server_total_commands(void);
long long server_net_input_bytes(void);
long long server_net_output_bytes(void);
long long server_reads_processed(void);
long long server_writes_processed(void);
/* The average per-second rate of a metric over the last samples. */
long long server_instantaneous(enum server_metric m);

/* Memory as INFO shows it: the allocator's live bytes, and the peak. */
long long server_used_memory(void);
long long server_resident_memory(void); /* used_memory_rss */
long long server_peak_memory(void);
/* maxmemory is set and the last measured used_memory is above it (any
 * thread; measured by the cron, so a burst can overshoot by one tick). */
bool server_over_maxmemory(void);

/* INFO errorstats: count an error reply (the bytes from its '-'), by its
 * code ("ERR", "WRONGTYPE"...) as Redis's afterErrorReply does. Any thread. */
void server_count_error(const char *reply, size_t len);
long long server_total_error_replies(void);
/* Calls fn for each code in name order; under a lock, so fn must not
 * count errors. */
void server_foreach_error(void (*fn)(const char *code, long long count, void *ud), void *ud);
/* CONFIG RESETSTAT: every counter INFO shows back to zero. */
void server_reset_stats(void);

#endif
