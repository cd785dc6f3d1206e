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

    /* instantaneous_ops_per_sec: samples taken by the cron */
    long long ops_samples[STATS_SAMPLES];
    int ops_sample_idx;
    long long ops_last_count, ops_last_ms;

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

/* Free flushed databases on the main thread (FLUSHALL ASYNC; any thread). */
struct keyspace_trash;
void server_lazyfree(struct keyspace_trash *trash);

/* Registry of clients (any thread). */
void server_register_client(struct client *c);
void server_unregister_client(struct client *c);

/* Sums over the workers, for INFO. */
long long server_total_commands(void);
long long server_instantaneous_ops(void);
long long server_net_input_bytes(void);
long long server_net_output_bytes(void);

#endif
