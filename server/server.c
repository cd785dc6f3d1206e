/*
 * server.c - the global server: start-up, the main loop (signals, cron,
 * shutdown), the client registry and the summed statistics.
 *
 * Shutdown: SIGTERM, SIGINT or SHUTDOWN set `shutdown_requested` and wake
 * the main loop, which posts STOP to every worker (each flushes its replies
 * and closes its connections), joins them, closes its own handles and frees
 * the keyspace. Nothing is left for the OS to clean up.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <uv.h>

#include "client.h"
#include "command.h"
#include "keyspace.h"
#include "log.h"
#include "worker.h"

struct server server;

/* Main-loop handles live here, not in struct server, so that server.h
 * stays free of libuv types. */
static uv_loop_t main_loop;
static uv_signal_t sigterm_handle, sigint_handle;
static uv_async_t shutdown_async;
static uv_timer_t cron_timer;
static uv_async_t lazyfree_async;

/* Flushed databases waiting to be freed by the main thread. */
struct lazyfree_item {
    struct keyspace_trash *trash;
    struct lazyfree_item *next;
};
static pthread_mutex_t lazyfree_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lazyfree_item *lazyfree_queue;
static bool lazyfree_closed;

long long server_mstime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void server_request_shutdown(void)
{
    atomic_store(&server.shutdown_requested, true);
    uv_async_send(&shutdown_async);
}

/* ---- lazy freeing ------------------------------------------------------------ */

static void lazyfree_drain(void)
{
    pthread_mutex_lock(&lazyfree_lock);
    struct lazyfree_item *item = lazyfree_queue;
    lazyfree_queue = NULL;
    pthread_mutex_unlock(&lazyfree_lock);
    while (item != NULL) {
        struct lazyfree_item *next = item->next;
        keyspace_trash_free(item->trash);
        free(item);
        item = next;
    }
}

static void lazyfree_cb(uv_async_t *handle)
{
    (void)handle;
    lazyfree_drain();
}

void server_lazyfree(struct keyspace_trash *trash)
{
    struct lazyfree_item *item = trash ? malloc(sizeof(*item)) : NULL;
    if (item == NULL) {
        keyspace_trash_free(trash); /* nothing to free, or no memory to defer it */
        return;
    }
    item->trash = trash;
    pthread_mutex_lock(&lazyfree_lock);
    item->next = lazyfree_queue;
    lazyfree_queue = item;
    if (!lazyfree_closed)
        uv_async_send(&lazyfree_async);
    pthread_mutex_unlock(&lazyfree_lock);
}

/* ---- client registry ------------------------------------------------------ */

void server_register_client(struct client *c)
{
    pthread_mutex_lock(&server.clients_lock);
    c->reg_prev = NULL;
    c->reg_next = server.clients;
    if (server.clients)
        server.clients->reg_prev = c;
    server.clients = c;
    pthread_mutex_unlock(&server.clients_lock);
    atomic_fetch_add(&server.connected_clients, 1);
}

void server_unregister_client(struct client *c)
{
    pthread_mutex_lock(&server.clients_lock);
    if (c->reg_prev)
        c->reg_prev->reg_next = c->reg_next;
    else
        server.clients = c->reg_next;
    if (c->reg_next)
        c->reg_next->reg_prev = c->reg_prev;
    pthread_mutex_unlock(&server.clients_lock);
    atomic_fetch_sub(&server.connected_clients, 1);
}

/* ---- statistics ----------------------------------------------------------- */

static long long sum_worker_stat(size_t offset)
{
    long long total = 0;
    for (int i = 0; i < server.nworkers; i++) {
        atomic_llong *field = (atomic_llong *)((char *)&server.workers[i].stats + offset);
        total += atomic_load_explicit(field, memory_order_relaxed);
    }
    return total;
}

long long server_total_commands(void)
{
    return sum_worker_stat(offsetof(struct worker_stats, commands));
}

long long server_net_input_bytes(void)
{
    return sum_worker_stat(offsetof(struct worker_stats, net_input_bytes));
}

long long server_net_output_bytes(void)
{
    return sum_worker_stat(offsetof(struct worker_stats, net_output_bytes));
}

long long server_instantaneous_ops(void)
{
    long long sum = 0;
    for (int i = 0; i < STATS_SAMPLES; i++)
        sum += server.ops_samples[i];
    return sum / STATS_SAMPLES;
}

static void sample_ops(long long now_ms)
{
    long long count = server_total_commands();
    long long dt = now_ms - server.ops_last_ms;
    if (server.ops_last_ms != 0 && dt > 0) {
        server.ops_samples[server.ops_sample_idx] = (count - server.ops_last_count) * 1000 / dt;
        server.ops_sample_idx = (server.ops_sample_idx + 1) % STATS_SAMPLES;
    }
    server.ops_last_count = count;
    server.ops_last_ms = now_ms;
}

/* ---- cron ------------------------------------------------------------------- */

/* Active expiry: Redis samples 20 keys per database per round, and goes on
 * while many are stale; the budget here scales the same way with hz. */
#define CRON_EXPIRE_SAMPLES_PER_SHARD 20
#define CRON_REHASH_BUCKETS 100   /* per shard step */
#define CRON_REHASH_BUDGET_NS 1000000

static unsigned expire_cursor;

static void cron_expire(long long now)
{
    size_t budget = (size_t)keyspace_shard_count(server.ks) * CRON_EXPIRE_SAMPLES_PER_SHARD;
    keyspace_active_expire(server.ks, now, budget, &expire_cursor);
}

static long long monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Background rehashing: a step for every shard that is resizing, within a
 * millisecond per tick, as Redis's databasesCron does. */
static void cron_rehash(void)
{
    long long deadline = monotonic_ns() + CRON_REHASH_BUDGET_NS;
    unsigned n = keyspace_shard_count(server.ks);
    for (unsigned id = 0; id < n && monotonic_ns() < deadline; id++)
        while (keyspace_rehash_step(keyspace_shard_by_id(server.ks, id), CRON_REHASH_BUCKETS) &&
               monotonic_ns() < deadline)
            ;
}

static uint64_t cron_period_ms(void)
{
    uint64_t period = (uint64_t)(1000 / server.cfg.hz);
    return period ? period : 1;
}

static void cron_cb(uv_timer_t *timer)
{
    long long now = server_mstime();
    atomic_store(&server.lru_clock, (unsigned)((now / 1000) & ((1 << 24) - 1)));
    /* Each tick may spend a quarter of its period on expiry and a
     * millisecond on rehashing, as Redis's databasesCron does. */
    cron_expire(now);
    cron_rehash();
    if (server.ops_last_ms == 0 || now - server.ops_last_ms >= 100)
        sample_ops(now);
    if (uv_timer_get_repeat(timer) != cron_period_ms()) /* CONFIG SET hz */
        uv_timer_start(timer, cron_cb, cron_period_ms(), cron_period_ms());
}

/* ---- start-up and shutdown ------------------------------------------------ */

static void begin_shutdown(void)
{
    log_warning("User requested shutdown...");
    for (int i = 0; i < server.nworkers; i++)
        worker_post(&server.workers[i], WORKER_MSG_STOP, 0);
    uv_close((uv_handle_t *)&sigterm_handle, NULL);
    uv_close((uv_handle_t *)&sigint_handle, NULL);
    uv_close((uv_handle_t *)&shutdown_async, NULL);
    uv_close((uv_handle_t *)&cron_timer, NULL);
    pthread_mutex_lock(&lazyfree_lock);
    lazyfree_closed = true;
    pthread_mutex_unlock(&lazyfree_lock);
    uv_close((uv_handle_t *)&lazyfree_async, NULL);
}

static void signal_cb(uv_signal_t *handle, int signum)
{
    log_warning("Received %s scheduling shutdown...", signum == SIGINT ? "SIGINT" : "SIGTERM");
    (void)handle;
    server_request_shutdown();
}

static void shutdown_cb(uv_async_t *handle)
{
    (void)handle;
    if (atomic_load(&server.shutdown_requested))
        begin_shutdown();
}

static void make_run_id(void)
{
    unsigned char raw[20];
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        memset(raw, 0, sizeof(raw));
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(server.run_id + 2 * i, 3, "%02x", raw[i]);
}

static int make_seed(void)
{
    if (getrandom(&server.seed, sizeof(server.seed), 0) != (ssize_t)sizeof(server.seed)) {
        log_warning("getrandom failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int create_keyspace(const struct hashmap_hasher *hasher)
{
    struct keyspace_config kc;
    keyspace_config_default(&kc);
    kc.databases = (unsigned)server.cfg.databases;
    kc.shard_bits = 0;
    while ((1LL << kc.shard_bits) < server.cfg.shards)
        kc.shard_bits++;
    kc.hasher = *hasher;
    kc.seed = server.seed.k0 ^ (server.seed.k1 << 1);
    return keyspace_create(&kc, &server.ks);
}

static int start_workers(void)
{
    long long n = server.cfg.threads;
    if (n <= 0)
        n = (long long)uv_available_parallelism();
    server.workers = calloc((size_t)n, sizeof(*server.workers));
    if (server.workers == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        server.nworkers = i + 1;
        if (worker_init(&server.workers[i], i) < 0)
            return -1;
    }
    for (int i = 0; i < n; i++)
        if (worker_start(&server.workers[i]) < 0)
            return -1;
    return 0;
}

static void stop_workers(void)
{
    for (int i = 0; i < server.nworkers; i++)
        worker_post(&server.workers[i], WORKER_MSG_STOP, 0);
    for (int i = 0; i < server.nworkers; i++)
        worker_join(&server.workers[i]);
    free(server.workers);
    server.workers = NULL;
    server.nworkers = 0;
}

static int init_main_loop(void)
{
    if (uv_loop_init(&main_loop) != 0)
        return -1;
    uv_signal_init(&main_loop, &sigterm_handle);
    uv_signal_start(&sigterm_handle, signal_cb, SIGTERM);
    uv_signal_init(&main_loop, &sigint_handle);
    uv_signal_start(&sigint_handle, signal_cb, SIGINT);
    uv_async_init(&main_loop, &shutdown_async, shutdown_cb);
    uv_async_init(&main_loop, &lazyfree_async, lazyfree_cb);
    uv_timer_init(&main_loop, &cron_timer);
    uv_timer_start(&cron_timer, cron_cb, cron_period_ms(), cron_period_ms());
    return 0;
}

int server_run(void)
{
    int rc = -1;
    pthread_mutex_init(&server.clients_lock, NULL);
    atomic_store(&server.next_client_id, 1);
    server.start_time_ms = server_mstime();
    make_run_id();
    struct hashmap_hasher hasher = {hashmap_siphash, &server.seed};
    if (make_seed() < 0 || command_table_init() < 0)
        goto out_commands;
    if (create_keyspace(&hasher) < 0) {
        log_warning("Out of memory creating the keyspace");
        goto out_commands;
    }
    if (init_main_loop() < 0)
        goto out_keyspace;
    if (start_workers() < 0) {
        begin_shutdown();
        stop_workers();
        uv_run(&main_loop, UV_RUN_DEFAULT);
        goto out_loop;
    }
    log_notice("Grove %s (Redis %s compatible) started, %d worker thread%s, port %lld",
               GROVE_VERSION, GROVE_REDIS_VERSION, server.nworkers,
               server.nworkers == 1 ? "" : "s", server.cfg.port);
    log_notice("Ready to accept connections tcp");
    uv_run(&main_loop, UV_RUN_DEFAULT);
    stop_workers();
    uv_run(&main_loop, UV_RUN_DEFAULT); /* the close callbacks */
    log_warning("Grove is now ready to exit, bye bye...");
    rc = 0;
out_loop:
    uv_loop_close(&main_loop);
    lazyfree_drain();
out_keyspace:
    keyspace_destroy(server.ks);
out_commands:
    command_table_deinit();
    config_deinit(&server.cfg);
    pthread_mutex_destroy(&server.clients_lock);
    return rc;
}
