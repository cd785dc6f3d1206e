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
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
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
    bool counted = !c->killed;
    pthread_mutex_unlock(&server.clients_lock);
    if (counted)
        atomic_fetch_sub(&server.connected_clients, 1);
}

void server__mark_killed(struct client *c)
{
    if (!c->killed) {
        c->killed = true;
        atomic_fetch_sub(&server.connected_clients, 1);
    }
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

long long server_reads_processed(void)
{
    return sum_worker_stat(offsetof(struct worker_stats, reads_processed));
}

long long server_writes_processed(void)
{
    return sum_worker_stat(offsetof(struct worker_stats, writes_processed));
}

long long server_instantaneous(enum server_metric m)
{
    long long sum = 0;
    for (int i = 0; i < STATS_SAMPLES; i++)
        sum += server.metrics[m].samples[i];
    return sum / STATS_SAMPLES;
}

static void sample_metrics(long long now_ms)
{
    long long counts[SERVER_METRIC_COUNT] = {server_total_commands(), server_net_input_bytes(),
                                             server_net_output_bytes()};
    long long dt = now_ms - server.metrics_last_ms;
    for (int m = 0; m < SERVER_METRIC_COUNT; m++) {
        if (server.metrics_last_ms != 0 && dt > 0) {
            long long rate = (counts[m] - server.metrics[m].last_count) * 1000 / dt;
            server.metrics[m].samples[server.metrics[m].idx] = rate > 0 ? rate : 0;
            server.metrics[m].idx = (server.metrics[m].idx + 1) % STATS_SAMPLES;
        }
        server.metrics[m].last_count = counts[m];
    }
    server.metrics_last_ms = now_ms;
}

/* ---- memory ------------------------------------------------------------------ */

static long long resident_bytes(void)
{
    long long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%lld %lld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

long long server_used_memory(void)
{
    struct mallinfo2 mi = mallinfo2();
    long long used = (long long)(mi.uordblks + mi.hblkhd);
    /* An allocator that does not report to mallinfo (a sanitizer's): the
     * resident size is the nearest figure. */
    return used > 0 ? used : resident_bytes();
}

long long server_resident_memory(void)
{
    return resident_bytes();
}

bool server_over_maxmemory(void)
{
    long long max = server.cfg.maxmemory;
    return max > 0 && atomic_load_explicit(&server.used_memory, memory_order_relaxed) > max;
}

long long server_peak_memory(void)
{
    long long used = server_used_memory();
    atomic_store_explicit(&server.used_memory, used, memory_order_relaxed);
    long long peak = atomic_load(&server.peak_memory);
    while (used > peak && !atomic_compare_exchange_weak(&server.peak_memory, &peak, used))
        ;
    return used > peak ? used : peak;
}

/* ---- error statistics ------------------------------------------------------ */

#define ERROR_STATS_MAX 128 /* distinct codes, as Redis's ERROR_STATS_NUMBER */
#define ERROR_CODE_MAX 32

static pthread_mutex_t errors_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char code[ERROR_CODE_MAX];
    long long count;
} error_stats[ERROR_STATS_MAX];
static size_t error_stats_len;
static atomic_llong total_error_replies;

void server_count_error(const char *reply, size_t len)
{
    /* "-CODE text": the code ends at the first space in the first 32
     * bytes; without one Redis falls back to ERR. */
    const char *code = "ERR";
    size_t n = 3;
    const char *space = len > 1 ? memchr(reply + 1, ' ', (len < 32 ? len : 32) - 1) : NULL;
    if (space != NULL && space > reply + 1) {
        code = reply + 1;
        n = (size_t)(space - code);
    }
    atomic_fetch_add(&total_error_replies, 1);
    pthread_mutex_lock(&errors_lock);
    size_t i = 0;
    while (i < error_stats_len && !(strlen(error_stats[i].code) == n &&
                                     memcmp(error_stats[i].code, code, n) == 0))
        i++;
    if (i == error_stats_len && i < ERROR_STATS_MAX) {
        memcpy(error_stats[i].code, code, n);
        error_stats[i].code[n] = '\0';
        error_stats[i].count = 0;
        error_stats_len++;
    }
    if (i < error_stats_len)
        error_stats[i].count++;
    pthread_mutex_unlock(&errors_lock);
}

long long server_total_error_replies(void)
{
    return atomic_load(&total_error_replies);
}

static int compare_codes(const void *a, const void *b)
{
    return strcmp(a, b);
}

void server_foreach_error(void (*fn)(const char *code, long long count, void *ud), void *ud)
{
    pthread_mutex_lock(&errors_lock);
    /* Kept sorted for the reader, as Redis's rax lists them. */
    qsort(error_stats, error_stats_len, sizeof(error_stats[0]), compare_codes);
    for (size_t i = 0; i < error_stats_len; i++)
        fn(error_stats[i].code, error_stats[i].count, ud);
    pthread_mutex_unlock(&errors_lock);
}

void server_reset_stats(void)
{
    atomic_store(&server.evicted_keys, 0);
    for (int i = 0; i < server.nworkers; i++) {
        struct worker *w = &server.workers[i];
        atomic_store(&w->stats.commands, 0);
        atomic_store(&w->stats.net_input_bytes, 0);
        atomic_store(&w->stats.net_output_bytes, 0);
        atomic_store(&w->stats.reads_processed, 0);
        atomic_store(&w->stats.writes_processed, 0);
        for (size_t id = 0; id < command_id_count(); id++) {
            atomic_store(&w->cmdstats[id].calls, 0);
            atomic_store(&w->cmdstats[id].ns, 0);
            atomic_store(&w->cmdstats[id].rejected, 0);
            atomic_store(&w->cmdstats[id].failed, 0);
        }
    }
    atomic_store(&server.total_connections_received, 0);
    atomic_store(&server.rejected_connections, 0);
    atomic_store(&server.peak_memory, server_used_memory());
    atomic_store(&total_error_replies, 0);
    pthread_mutex_lock(&errors_lock);
    error_stats_len = 0;
    pthread_mutex_unlock(&errors_lock);
    keyspace_reset_stats(server.ks);
}

/* ---- cron ------------------------------------------------------------------- */

/* Active expiry, after Redis's activeExpireCycle: go round the shards from
 * where the last tick stopped; each shard samples its TTL keys in rounds of
 * 20 and goes on while more than 10% of a round had expired (up to
 * CRON_EXPIRE_SHARD_SAMPLES, so one shard lock is never held long). The
 * tick stops after a quarter of its period, as Redis's does. */
#define CRON_EXPIRE_SHARD_SAMPLES 1000
#define CRON_REHASH_BUCKETS 100   /* per shard step */
#define CRON_REHASH_BUDGET_NS 1000000

static unsigned expire_cursor;

static long long monotonic_ns(void);

static void cron_expire(long long now)
{
    long long deadline = monotonic_ns() + 250000000LL / server.cfg.hz;
    unsigned n = keyspace_shard_count(server.ks);
    for (unsigned visited = 0; visited < n && monotonic_ns() < deadline; visited++) {
        struct keyspace_shard *sh = keyspace_shard_by_id(server.ks, expire_cursor);
        keyspace_active_expire_shard(sh, now, CRON_EXPIRE_SHARD_SAMPLES, NULL);
        expire_cursor = (expire_cursor + 1) % n;
    }
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
    if (server.metrics_last_ms == 0 || now - server.metrics_last_ms >= 100)
        sample_metrics(now);
    server_peak_memory();
    /* CONFIG SET lfu-log-factor / lfu-decay-time reach the keyspace here. */
    keyspace_set_lfu_params(server.ks, (uint32_t)server.cfg.lfu_log_factor,
                            (uint32_t)server.cfg.lfu_decay_time);
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

static void make_random_id(char out[41])
{
    unsigned char raw[20];
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        memset(raw, 0, sizeof(raw));
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
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
    kc.lfu_log_factor = (uint32_t)server.cfg.lfu_log_factor;
    kc.lfu_decay_time = (uint32_t)server.cfg.lfu_decay_time;
    return keyspace_create(&kc, &server.ks);
}

/* File descriptors kept for everything but clients: Redis reserves 32,
 * enough for a few workers (each has an epoll, a wake-up and listening
 * sockets); more workers need a few more each. */
static rlim_t reserved_fds(long long nworkers)
{
    return 32 + (rlim_t)(nworkers > 4 ? (nworkers - 4) * 4 : 0);
}

/* Raise the soft RLIMIT_NOFILE towards what `maxclients` needs, as far as
 * the hard limit allows; returns how many clients fit now. */
static long long fit_open_files(long long maxclients, long long nworkers, rlim_t *old_limit)
{
    rlim_t reserved = reserved_fds(nworkers);
    rlim_t want = (rlim_t)maxclients + reserved;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return maxclients; /* cannot tell: trust the user */
    *old_limit = rl.rlim_cur;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return maxclients;
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want) ? want : rl.rlim_max;
    if (rl.rlim_cur > old && setrlimit(RLIMIT_NOFILE, &rl) < 0)
        rl.rlim_cur = old;
    if (rl.rlim_cur >= want)
        return maxclients;
    return rl.rlim_cur > reserved ? (long long)(rl.rlim_cur - reserved) : 0;
}

long long server_fit_maxclients(long long maxclients)
{
    rlim_t old;
    return fit_open_files(maxclients, server.nworkers, &old);
}

/* As Redis's adjustOpenFilesLimit: make room for maxclients connections;
 * if the hard limit does not allow it, lower maxclients to what fits (and
 * refuse to start when nothing does), so that extra clients get "max
 * number of clients reached" instead of failing accept() calls. */
static int adjust_open_files_limit(long long nworkers)
{
    rlim_t old = 0;
    long long want = server.cfg.maxclients;
    long long fit = fit_open_files(want, nworkers, &old);
    unsigned long long need = (unsigned long long)want + reserved_fds(nworkers);
    if (fit == want) {
        if (old < need)
            log_notice("Increased maximum number of open files to %llu (it was originally "
                       "set to %llu).", need, (unsigned long long)old);
        return 0;
    }
    if (fit <= 0) {
        log_warning("Your current 'ulimit -n' of %llu is not enough for the server to start. "
                    "Please increase your open file limit to at least %llu. Exiting.",
                    (unsigned long long)old, need);
        return -1;
    }
    server.cfg.maxclients = fit;
    log_warning("You requested maxclients of %lld requiring at least %llu max file "
                "descriptors. maxclients has been reduced to %lld to compensate for low "
                "ulimit. If you need higher maxclients increase 'ulimit -n'.",
                want, need, fit);
    return 0;
}

static int start_workers(void)
{
    long long n = server.cfg.threads;
    if (n <= 0)
        n = (long long)uv_available_parallelism();
    if (adjust_open_files_limit(n) < 0)
        return -1;
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
    make_random_id(server.run_id);
    make_random_id(server.replid);
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
    server.startup_memory = server_used_memory();
    atomic_store(&server.peak_memory, server.startup_memory);
    atomic_store(&server.used_memory, server.startup_memory);
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
