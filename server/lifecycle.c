/*
 * lifecycle.c - start-up, the main loop and shutdown; see lifecycle.h.
 */
#include "lifecycle.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <uv.h>

#include "acl.h"
#include "alloc.h"
#include "acl_file.h"
#include "aof.h"
#include "blocking.h"
#include "command.h"
#include "crash.h"
#include "cron.h"
#include "keyspace.h"
#include "lazyfree.h"
#include "listeners.h"
#include "loading.h"
#include "log.h"
#include "repl_replica.h"
#include "replication.h"
#include "notify.h"
#include "pause.h"
#include "process.h"
#include "proctitle.h"
#include "rlimit.h"
#include "function.h"
#include "script_lua.h"
#include "server.h"
#include "snapshot.h"
#include "stats.h"
#include "tls.h"
#include "tracking.h"
#include "worker_loop.h"

/* The main loop's handles live here, so that server.h stays free of
 * libuv types. shutdown_async is open from init_main_loop until
 * begin_shutdown closes it, under shutdown_lock, which senders hold. */
static uv_loop_t main_loop;
static uv_signal_t sigterm_handle, sigint_handle;
static uv_async_t shutdown_async;
static uv_timer_t cron_timer;
static pthread_mutex_t shutdown_lock = PTHREAD_MUTEX_INITIALIZER;
static bool shutdown_open;

/* The start-up load runs on its own thread while the workers answer
 * -LOADING; loaded_async (open with shutdown_async, under the same lock)
 * tells the main loop it is over. */
static uv_thread_t loader_thread;
static bool loader_running; /* main thread only: the thread is to be joined */
static uv_async_t loaded_async;
static atomic_int load_rc;
static int run_rc; /* lifecycle_run's result: -1 once the load failed */

/* Connections are refused first, as by a Redis that has exited: a client
 * whose connection the shutdown closes must not get through again. */
void lifecycle_request_shutdown(void)
{
    worker_loop_pool_refuse_connections();
    atomic_store(&server.shutdown_requested, true);
    pthread_mutex_lock(&shutdown_lock);
    if (shutdown_open)
        uv_async_send(&shutdown_async);
    pthread_mutex_unlock(&shutdown_lock);
}

/* ---- the main loop ---------------------------------------------------------- */

static void shutdown_wait_check(long long now_ms);
static void signalled_shutdown_check(void);

static void cron_cb(uv_timer_t *timer)
{
    cron_tick(server_mstime());
    signalled_shutdown_check();
    shutdown_wait_check(server_mstime());
    if (uv_timer_get_repeat(timer) != cron_period_ms()) /* CONFIG SET hz */
        uv_timer_start(timer, cron_cb, cron_period_ms(), cron_period_ms());
}

static void close_main_handles(void)
{
    uv_close((uv_handle_t *)&sigterm_handle, NULL);
    uv_close((uv_handle_t *)&sigint_handle, NULL);
    uv_close((uv_handle_t *)&cron_timer, NULL);
    pthread_mutex_lock(&shutdown_lock);
    shutdown_open = false;
    pthread_mutex_unlock(&shutdown_lock);
    uv_close((uv_handle_t *)&shutdown_async, NULL);
    uv_close((uv_handle_t *)&loaded_async, NULL);
    lazyfree_stop();
}

static void begin_shutdown(void)
{
    process_notify_stopping();
    snapshot_kill_child();
    worker_loop_pool_stop();
    close_main_handles();
}

/* ---- a signal insisting ------------------------------------------------------- */

/* Redis's shutdown_asap: a SIGTERM or SIGINT asked for a shutdown that
 * has neither failed nor been aborted since. Another SIGINT then means
 * "exit now", without the save or the wait for replicas (Redis's
 * sigShutdownHandler). */
static atomic_bool signalled_asap;
/* The foreground save's temporary file, found before insist_exit may run. */
static char insist_temp[PATH_MAX];

/* Async-signal-safe: what a signal handler may do. */
static void insist_exit(void)
{
    log_from_handler("You insist... exiting now.");
    unlink(insist_temp);
    _exit(1); /* not a clean shutdown */
}

static void insist_handler(int signum)
{
    (void)signum;
    insist_exit();
}

/* The shutdown save, on whichever thread finishes the shutdown. A save
 * on the main thread keeps its loop from reading signals, so while a
 * signal's shutdown saves, SIGINT goes to insist_handler directly. */
static int save_for_shutdown(bool force)
{
    struct sigaction insist = {.sa_handler = insist_handler}, libuv_s;
    bool catching = atomic_load(&signalled_asap);
    if (catching) {
        snapshot_temp_path(insist_temp, sizeof(insist_temp));
        sigemptyset(&insist.sa_mask);
        sigaction(SIGINT, &insist, &libuv_s);
    }
    int rc = snapshot_shutdown_save(force);
    if (catching)
        sigaction(SIGINT, &libuv_s, NULL);
    return rc;
}

int lifecycle_shutdown_save(unsigned flags)
{
    if (loading_in_progress())
        return 0;
    bool force = flags & CONFIG_SHUTDOWN_FORCE;
    /* Exiting now would lose the dataset the first AOF is still writing */
    if (aof_writing_initial()) {
        if (!force) {
            log_warning("Writing initial AOF, can't exit.");
            return -1;
        }
        log_warning("Writing initial AOF. Exit anyway.");
    }
    bool save = (flags & CONFIG_SHUTDOWN_SAVE) ||
                (!(flags & CONFIG_SHUTDOWN_NOSAVE) && snapshot_save_points_set());
    if (!save) {
        /* Now, as Redis's finishShutdown: once connections are refused
         * the child's temporary file must be gone already. */
        snapshot_kill_child();
        return 0;
    }
    return save_for_shutdown(force) == 0 || force ? 0 : -1;
}

/* ---- a shutdown waiting for its replicas --------------------------------------- */

/* Redis's shutdown_mstime: set while a shutdown waits for lagging
 * replicas. SHUTDOWN and SHUTDOWN ABORT come from any loop, the cron that
 * finishes it runs on the main thread: all under wait_lock, which comes
 * before the locks a save takes and the client registry's. */
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    bool on;                      /* waiting (or finished: the exit is under way) */
    unsigned flags;
    long long deadline_ms;
    unsigned long long *callers;  /* the blocked SHUTDOWN clients */
    size_t n, cap;
} wait_st;

/* wait_lock held: remember a blocked caller (0: a signal, none). */
static bool add_caller(unsigned long long id)
{
    if (id == 0)
        return true;
    if (wait_st.n == wait_st.cap) {
        size_t cap = wait_st.cap ? wait_st.cap * 2 : 4;
        unsigned long long *v = realloc(wait_st.callers, cap * sizeof(*v));
        if (v == NULL)
            return false;
        wait_st.callers = v;
        wait_st.cap = cap;
    }
    wait_st.callers[wait_st.n++] = id;
    return true;
}

/* wait_lock held: Redis's cancelShutdown. */
static void cancel_locked(void)
{
    atomic_store(&signalled_asap, false);
    for (size_t i = 0; i < wait_st.n; i++)
        blocking_fail_shutdown(wait_st.callers[i]);
    free(wait_st.callers);
    wait_st.callers = NULL;
    wait_st.n = wait_st.cap = 0;
    if (wait_st.on)
        pause_lift(PAUSE_FOR_SHUTDOWN);
    wait_st.on = false;
}

/* wait_lock held: Redis's finishShutdown. */
static enum lifecycle_shutdown_result finish_locked(unsigned flags)
{
    repl_log_shutdown(server_mstime());
    if (lifecycle_shutdown_save(flags) < 0) {
        log_warning("Errors trying to shut down the server. Check the logs for more "
                    "information.");
        cancel_locked();
        return LIFECYCLE_SHUTDOWN_FAILED;
    }
    lifecycle_request_shutdown();
    return LIFECYCLE_SHUTDOWN_EXITING;
}

enum lifecycle_shutdown_result lifecycle_shutdown(unsigned flags, unsigned long long caller)
{
    enum lifecycle_shutdown_result rc = LIFECYCLE_SHUTDOWN_WAITING;
    long long timeout = atomic_load(&server.cfg.shutdown_timeout), now = server_mstime();
    pthread_mutex_lock(&wait_lock);
    if (wait_st.on) { /* one in progress: this caller waits for it too */
        rc = add_caller(caller) ? LIFECYCLE_SHUTDOWN_WAITING : LIFECYCLE_SHUTDOWN_FAILED;
        pthread_mutex_unlock(&wait_lock);
        return rc;
    }
    log_warning("User requested shutdown...");
    if ((flags & CONFIG_SHUTDOWN_NOW) || timeout == 0 || loading_in_progress() ||
        repl_replicas_in_sync() || !add_caller(caller)) {
        rc = finish_locked(flags);
        pthread_mutex_unlock(&wait_lock);
        return rc;
    }
    wait_st.on = true;
    wait_st.flags = flags;
    wait_st.deadline_ms = now + timeout * 1000;
    if (pause_in_effect(now) == PAUSE_NONE) /* a paused GETACK would wait too, as in Redis */
        repl_request_acks();
    pause_start(PAUSE_FOR_SHUTDOWN, PAUSE_WRITE, LLONG_MAX);
    log_notice("Waiting for replicas before shutting down.");
    pthread_mutex_unlock(&wait_lock);
    return rc;
}

/* A SIGTERM or SIGINT not acted on yet, as Redis's shutdown_asap: the
 * cron starts the shutdown, at once unless DEBUG PAUSE-CRON holds it;
 * SHUTDOWN ABORT may cancel it before. 0, or SIGNALLED | its flags, with
 * BY_SIGINT when SIGINT sent it. */
#define SIGNALLED (1LL << 40)
#define BY_SIGINT (1LL << 41)
static atomic_llong signalled_shutdown;

/* Main thread: start the shutdown a signal asked for, unless the cron is
 * paused. */
static void signalled_shutdown_check(void)
{
    if (atomic_load(&signalled_shutdown) == 0 || cron_paused())
        return;
    long long pending = atomic_exchange(&signalled_shutdown, 0);
    if (pending != 0 && lifecycle_shutdown((unsigned)(pending & ~(SIGNALLED | BY_SIGINT)), 0) ==
                            LIFECYCLE_SHUTDOWN_FAILED)
        log_warning("%s received but errors trying to shut down the server, check the logs "
                    "for more information", pending & BY_SIGINT ? "SIGINT" : "SIGTERM");
}

long long lifecycle_shutdown_in_ms(long long now_ms)
{
    pthread_mutex_lock(&wait_lock);
    long long left = wait_st.on ? wait_st.deadline_ms - now_ms : -1;
    pthread_mutex_unlock(&wait_lock);
    return left < -1 ? 0 : left;
}

int lifecycle_shutdown_abort(void)
{
    bool signalled = atomic_exchange(&signalled_shutdown, 0) != 0;
    if (signalled)
        atomic_store(&signalled_asap, false);
    pthread_mutex_lock(&wait_lock);
    /* Once finished (saved, the exit asked for) there is nothing to abort. */
    bool waiting = wait_st.on && !atomic_load(&server.shutdown_requested);
    if (waiting)
        cancel_locked();
    if (waiting || signalled)
        log_warning("Shutdown manually aborted.");
    pthread_mutex_unlock(&wait_lock);
    return waiting || signalled ? 0 : -1;
}

/* The main thread's cron: finish a waiting shutdown once every replica
 * caught up or shutdown-timeout passed. */
static void shutdown_wait_check(long long now_ms)
{
    pthread_mutex_lock(&wait_lock);
    if (wait_st.on && !atomic_load(&server.shutdown_requested) &&
        (now_ms >= wait_st.deadline_ms || repl_replicas_in_sync()))
        finish_locked(wait_st.flags);
    pthread_mutex_unlock(&wait_lock);
}

/* SIGTERM and SIGINT shut down as SHUTDOWN with shutdown-on-sigterm's or
 * shutdown-on-sigint's modifiers would. */
static void signal_cb(uv_signal_t *handle, int signum)
{
    (void)handle;
    bool again = atomic_exchange(&signalled_asap, true);
    if (signum == SIGINT && again) {
        snapshot_temp_path(insist_temp, sizeof(insist_temp));
        insist_exit();
    }
    const char *name = signum == SIGINT ? "SIGINT" : "SIGTERM";
    if (loading_in_progress())
        log_warning("Received shutdown signal during loading, scheduling shutdown.");
    else
        log_warning("Received %s scheduling shutdown...", name);
    long long flags = signum == SIGINT ? server.cfg.shutdown_on_sigint
                                       : server.cfg.shutdown_on_sigterm;
    atomic_store(&signalled_shutdown, SIGNALLED | (signum == SIGINT ? BY_SIGINT : 0) | flags);
    signalled_shutdown_check();
}

static void shutdown_cb(uv_async_t *handle)
{
    (void)handle;
    if (atomic_load(&server.shutdown_requested))
        begin_shutdown();
}

/* ---- the start-up load ------------------------------------------------------- */

static void loader_main(void *arg)
{
    (void)arg;
    int rc = loading_load_from_disk();
    loading_end(); /* also when there was no file to load */
    if (rc == 0)
        repl_replica_start(); /* replicaof: the link starts once the data is loaded */
    atomic_store(&load_rc, rc);
    pthread_mutex_lock(&shutdown_lock);
    if (shutdown_open)
        uv_async_send(&loaded_async);
    pthread_mutex_unlock(&shutdown_lock);
}

static void join_loader(void)
{
    if (loader_running)
        uv_thread_join(&loader_thread);
    loader_running = false;
}

static void loaded_cb(uv_async_t *handle)
{
    (void)handle;
    join_loader();
    if (atomic_load(&server.shutdown_requested))
        return;
    if (atomic_load(&load_rc) < 0) {
        run_rc = -1;
        begin_shutdown();
        return;
    }
    if (server.cfg.port != 0 || server.cfg.tls_port != 0)
        log_notice("Ready to accept connections tcp");
    if (server.cfg.unixsocket[0] != '\0')
        log_notice("The server is now ready to accept connections at %s", server.cfg.unixsocket);
    process_notify_ready();
}

/* The workers already listen: until the load is over they answer
 * -LOADING (loading_begin before they start). */
static int start_loader(void)
{
    if (uv_thread_create(&loader_thread, loader_main, NULL) != 0) {
        log_warning("Could not start the loading thread");
        return -1;
    }
    loader_running = true;
    return 0;
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
    uv_async_init(&main_loop, &loaded_async, loaded_cb);
    pthread_mutex_lock(&shutdown_lock);
    shutdown_open = true;
    pthread_mutex_unlock(&shutdown_lock);
    uv_timer_init(&main_loop, &cron_timer);
    uv_timer_start(&cron_timer, cron_cb, cron_period_ms(), cron_period_ms());
    return lazyfree_start(&main_loop) == 0 ? 0 : -1;
}

/* ---- start-up --------------------------------------------------------------- */

static int make_seed(void)
{
    if (getrandom(&server.seed, sizeof(server.seed), 0) != (ssize_t)sizeof(server.seed)) {
        log_warning("getrandom failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int create_keyspace(void)
{
    struct keyspace_config kc;
    keyspace_config_default(&kc);
    kc.databases = (unsigned)server.cfg.databases;
    kc.shard_bits = 0;
    while ((1LL << kc.shard_bits) < server.cfg.shards)
        kc.shard_bits++;
    kc.hasher = (struct hashmap_hasher){hashmap_siphash, &server.seed};
    kc.seed = server.seed.k0 ^ (server.seed.k1 << 1);
    kc.lfu_log_factor = (uint32_t)server.cfg.lfu_log_factor;
    kc.lfu_decay_time = (uint32_t)server.cfg.lfu_decay_time;
    kc.ready_cb = blocking_ready_cb;
    kc.event_cb = notify_keyspace_cb;
    kc.lazyfree_cb = lazyfree_offer_cb;
    tracking_keyspace_config(&kc);
    if (keyspace_create(&kc, &server.ks) < 0) {
        log_warning("Out of memory creating the keyspace");
        return -1;
    }
    notify_attach(server.ks);
    return 0;
}

static unsigned worker_threads(void)
{
    long long n = server.cfg.threads;
    return n > 0 ? (unsigned)n : uv_available_parallelism();
}

int lifecycle_state_init(unsigned nloops)
{
    server.start_time_ms = server_mstime();
    server_ticks_init();
    server_random_id(server.run_id);
    server_random_id(server.replid);
    char err[1024];
    if (make_seed() < 0 || command_table_init() < 0 || acl_init() < 0 || create_keyspace() < 0)
        return -1;
    if (acl_file_startup(server.cfg.aclfile, err, sizeof(err)) < 0) {
        log_warning("%s", err);
        return -1;
    }
    if (stats_init(nloops, command_id_count()) < 0 || blocking_init(nloops) < 0) {
        log_warning("Out of memory creating the statistics");
        return -1;
    }
    return 0;
}

void lifecycle_state_deinit(void)
{
    free(wait_st.callers); /* the exit a waiting shutdown finished: its callers are closed */
    wait_st.callers = NULL;
    notify_attach(NULL);
    keyspace_destroy(server.ks);
    server.ks = NULL;
    stats_deinit();
    blocking_deinit();
    script_lua_deinit();
    function_deinit();
    acl_deinit();
    command_table_deinit();
}

static int start_workers(unsigned n)
{
    if (rlimit_adjust_maxclients(n) < 0)
        return -1;
    if (worker_loop_pool_create(n) < 0 || listeners_open(n) < 0)
        return -1;
    /* Before any loop runs: INFO reads it from the loops' threads. */
    server.startup_memory = server_used_memory();
    atomic_store(&server.peak_memory, server.startup_memory);
    atomic_store(&server.used_memory, server.startup_memory);
    return worker_loop_pool_start();
}

/* The TLS context, before any listener: a bad certificate or key stops
 * start-up with Redis's words. */
static int configure_tls(void)
{
    tls_init();
    if (!tls_wanted())
        return 0;
    config_lock();
    int rc = tls_configure();
    config_unlock();
    if (rc < 0)
        log_warning("Failed to configure TLS. Check logs for more info.");
    return rc;
}

/* The start-up logo, as Redis shows its own: on a terminal, or always
 * with always-show-logo (harnesses such as Redis's test suite read the
 * server's pid from its " PID: " line). */
static void show_logo(void)
{
    long long port = server.cfg.port ? server.cfg.port : server.cfg.tls_port;
    if (!server.cfg.always_show_logo &&
        (server.cfg.syslog_enabled || server.cfg.logfile[0] != '\0' || !log_to_tty())) {
        log_notice("Running mode=standalone, port=%lld.", port);
        return;
    }
    char logo[1024];
    snprintf(logo, sizeof(logo),
             "\n"
             "        .-~~~-.          Grove %s (Redis %s compatible) %d bit\n"
             "     .-(  .-.  )-.\n"
             "    (  (  (   )  )  )    Running in standalone mode\n"
             "     '-.(  '-'  ).-'     Port: %lld\n"
             "        '-.|.-'          PID: %ld\n"
             "           |\n"
             "         __|__\n\n",
             GROVE_VERSION, GROVE_REDIS_VERSION, (int)(sizeof(long) * 8), port, (long)getpid());
    log_raw(logo);
}

static void note_started(void)
{
    show_logo();
    log_notice("Grove %s (Redis %s compatible) started, %u worker thread%s, port %lld, "
               "tls-port %lld", GROVE_VERSION, GROVE_REDIS_VERSION, worker_count(),
               worker_count() == 1 ? "" : "s", (long long)server.cfg.port,
               (long long)server.cfg.tls_port);
}

/* Run the main loop until it has nothing left (every handle closed),
 * then the workers' teardown and the loop's last close callbacks. */
static void run_until_stopped(void)
{
    uv_run(&main_loop, UV_RUN_DEFAULT);
    worker_loop_pool_destroy();
    listeners_close(run_rc == 0);
    uv_run(&main_loop, UV_RUN_DEFAULT);
    uv_loop_close(&main_loop);
}

int lifecycle_run(void)
{
    int rc = -1;
    unsigned nloops = worker_threads();
    server.cfg.threads = nloops; /* CONFIG GET threads shows what runs */
    if (lifecycle_state_init(nloops) < 0)
        goto out;
    if (init_main_loop() < 0) {
        log_warning("Could not set up the main loop");
        goto out;
    }
    loading_begin(0);
    process_check_memory_settings(&server.cfg);
    proctitle_update(&server.cfg);
    crash_handlers_update(server.cfg.crash_log_enabled != 0);
    alloc_background_thread(server.cfg.jemalloc_bg_thread != 0);
    /* Started (and the pid file written) before the load begins, as Redis:
     * a load that fails at once must still be the last thing logged. */
    bool started = configure_tls() == 0 && start_workers(nloops) == 0;
    if (started) {
        note_started();
        process_pidfile_create(&server.cfg);
    }
    if (started && start_loader() == 0)
        rc = 0;
    else
        begin_shutdown();
    run_until_stopped();
    join_loader();
    if (run_rc < 0)
        rc = -1;
    if (aof_shutdown_flush() < 0)
        log_warning("Error flushing the AOF before exiting");
    process_pidfile_remove(&server.cfg, run_rc == 0);
    if (rc == 0)
        log_warning("Grove is now ready to exit, bye bye...");
out:
    lifecycle_state_deinit();
    tls_deinit();
    config_deinit(&server.cfg);
    return rc;
}
