/*
 * evict.c - maxmemory eviction by policy (see evict.h).
 *
 * A run, after Redis's performEvictions:
 *   1. Cheap check: the cached used_memory (server.used_memory, measured by
 *      the cron and lowered by earlier runs) is over maxmemory, else done.
 *   2. Measure once with the allocator (server_used_memory: alloc.h),
 *      which is too costly per key, and work out the bytes to free.
 *   3. List the shards holding candidates (every key, or keys with a TTL
 *      for volatile-*), each shard locked briefly.
 *   4. Repeat: sample maxmemory-samples keys of a random listed shard into
 *      the pool (keyspace_evict_sample; a shard found empty leaves the
 *      list), evict the pool's best (keyspace_evict_best), and subtract the
 *      bytes it reports from what is left to free. Stop once enough is
 *      freed (OK), nothing is left to evict (FAIL) or the time budget is
 *      spent (RUNNING: the next command goes on, as Redis's eviction
 *      time proc would).
 *   5. Store measured - freed as the cached figure; the next cron tick
 *      (or every EVICT_REMEASURE_EVERY commands, step 1) measures again.
 *      Meanwhile each worker adds what it allocated or freed since it
 *      last noted (evict_note_thread_memory), so a big write is seen by
 *      the next command.
 *
 * Differences from Redis: the pool lives for one run, not across runs;
 * samples come from one shard per step instead of every database. Every
 * pick is uniform over the candidates of all databases: the shard is
 * drawn in proportion to its candidates, then each sampled key uniformly
 * within it (keyspace_evict_sample). The random policies sample one key a
 * step, which the pool (empty again after each eviction) hands straight
 * back: a uniformly random key, where Redis's dictGetRandomKey favours
 * keys in short chains and goes round the databases in turn.
 */
#include "evict.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "alloc.h"
#include "keyspace.h"
#include "latency.h"
#include "log.h"
#include "pause.h"
#include "repl_replica.h"
#include "rng.h"
#include "server.h"

#define EVICT_CHECK_TIME_EVERY 16      /* evictions between clock reads */
#define EVICT_REMEASURE_EVERY 128      /* commands per worker between measurements */


struct evict_run {
    struct keyspace_evict_pool pool;
    unsigned *ids;  /* shards that held candidates, n of them */
    size_t *counts; /* scratch for pick_shard: their candidates */
    size_t n;
    size_t samples;
    int64_t now_ms;
};

static pthread_mutex_t evict_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t evict_rng = 0x9e3779b97f4a7c15ull; /* guarded by evict_lock */

static uint64_t next_rand(void)
{
    uint64_t x = evict_rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    evict_rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

static enum keyspace_evict_by policy_by(long long policy)
{
    switch (policy) {
    case MAXMEMORY_VOLATILE_LRU:
    case MAXMEMORY_ALLKEYS_LRU:
        return KEYSPACE_EVICT_LRU;
    case MAXMEMORY_VOLATILE_LFU:
    case MAXMEMORY_ALLKEYS_LFU:
        return KEYSPACE_EVICT_LFU;
    case MAXMEMORY_VOLATILE_TTL:
        return KEYSPACE_EVICT_TTL;
    default:
        return KEYSPACE_EVICT_RANDOM;
    }
}

static bool volatile_only_policy(long long policy)
{
    return policy == MAXMEMORY_VOLATILE_LRU || policy == MAXMEMORY_VOLATILE_LFU ||
           policy == MAXMEMORY_VOLATILE_RANDOM || policy == MAXMEMORY_VOLATILE_TTL;
}

/* Step 3: the shards worth sampling. -1 when out of memory. */
static int run_init(struct evict_run *r, long long policy)
{
    bool volatile_only = volatile_only_policy(policy);
    unsigned total = keyspace_shard_count(server.ks);

    keyspace_evict_pool_init(&r->pool, policy_by(policy), volatile_only);
    r->ids = malloc((size_t)total * sizeof(*r->ids));
    r->counts = malloc((size_t)total * sizeof(*r->counts));
    if (r->ids == NULL || r->counts == NULL)
        return -1;
    r->n = 0;
    for (unsigned id = 0; id < total; id++)
        if (keyspace_evict_candidates(keyspace_shard_by_id(server.ks, id), volatile_only))
            r->ids[r->n++] = id;
    r->samples = policy_by(policy) == KEYSPACE_EVICT_RANDOM ? 1
                                                            : (size_t)server.cfg.maxmemory_samples;
    r->now_ms = server_mstime();
    return 0;
}

static void run_deinit(struct evict_run *r)
{
    keyspace_evict_pool_deinit(&r->pool);
    free(r->ids);
    free(r->counts);
}

static uint64_t next_rand_cb(void *ud)
{
    (void)ud;
    return next_rand();
}

/* A listed shard drawn in proportion to its candidates now; shards found
 * empty leave the list. False when none has any left. */
static bool pick_shard(struct evict_run *r, size_t *pick)
{
    bool volatile_only = r->pool.volatile_only;
    size_t total = 0, i = 0;

    while (i < r->n) {
        size_t n = keyspace_evict_candidates(keyspace_shard_by_id(server.ks, r->ids[i]),
                                             volatile_only);
        if (n == 0) {
            r->ids[i] = r->ids[--r->n];
            continue;
        }
        r->counts[i++] = n;
        total += n;
    }
    if (total == 0)
        return false;
    uint64_t x = rng_below(next_rand_cb, NULL, total);
    for (i = 0; x >= r->counts[i]; i++)
        x -= r->counts[i];
    *pick = i;
    return true;
}

/* Step 4, once: evict one key. False when nothing evictable is left. */
static bool evict_one(struct evict_run *r, size_t *freed)
{
    while (r->n > 0 || r->pool.n > 0) {
        size_t i;

        if (pick_shard(r, &i)) {
            struct keyspace_shard *sh = keyspace_shard_by_id(server.ks, r->ids[i]);

            if (keyspace_evict_sample(&r->pool, sh, r->samples, r->now_ms) == 0) {
                r->ids[i] = r->ids[--r->n]; /* emptied meanwhile */
                continue;
            }
        }
        if (keyspace_evict_best(&r->pool, server.ks, r->now_ms, freed))
            return true;
    }
    return false;
}

/* A run's time budget from maxmemory-eviction-tenacity, as Redis's
 * evictionTimeLimitUs: 50 us a step up to 10 (the default, 500 us), then
 * 15% more a step (about 2 minutes at 99), and no limit at 100. */
static long long time_budget_ns(void)
{
    long long tenacity = server.cfg.maxmemory_eviction_tenacity;
    if (tenacity <= 10)
        return 50000LL * tenacity;
    if (tenacity < 100)
        return (long long)(500000.0 * pow(1.15, (double)(tenacity - 10)));
    return LLONG_MAX / 2; /* added to a clock reading */
}

static enum evict_result evict_locked(long long max)
{
    struct evict_run r;
    enum evict_result rc = EVICT_OK;
    long long used, freed = 0, evicted = 0;
    long long deadline = server_monotonic_ns() + time_budget_ns();

    if (!server_over_maxmemory()) /* another worker's run got us under */
        return EVICT_OK;
    used = server_memory_for_maxmemory();
    atomic_store_explicit(&server.used_memory, used, memory_order_relaxed);
    if (used <= max)
        return EVICT_OK;
    long long start = server_monotonic_ns();
    if (run_init(&r, server.cfg.maxmemory_policy) < 0) {
        run_deinit(&r);
        return EVICT_FAIL;
    }
    while (freed < used - max) {
        size_t bytes = 0;

        if (!evict_one(&r, &bytes)) {
            rc = EVICT_FAIL;
            break;
        }
        freed += (long long)bytes;
        evicted++;
        if (evicted % EVICT_CHECK_TIME_EVERY == 0 && server_monotonic_ns() > deadline) {
            rc = EVICT_RUNNING;
            break;
        }
    }
    run_deinit(&r);
    latency_add_sample_if_needed("eviction-cycle", (server_monotonic_ns() - start) / 1000000);
    atomic_fetch_add(&server.evicted_keys, evicted);
    atomic_store_explicit(&server.used_memory, used - freed, memory_order_relaxed);
    return rc;
}

/* The cached figure only rises when the cron measures (hz times a
 * second), so a write burst could overshoot maxmemory by a whole tick;
 * every EVICT_REMEASURE_EVERY commands of a worker measure again (the allocator
 * costs microseconds; amortised it is a few nanoseconds a command). */
static bool remeasure_due(void)
{
    static _Thread_local unsigned calls;

    if (++calls % EVICT_REMEASURE_EVERY != 0)
        return false;
    atomic_store_explicit(&server.used_memory, server_memory_for_maxmemory(),
                          memory_order_relaxed);
    return server_over_maxmemory();
}

void evict_note_thread_memory(void)
{
    static _Thread_local long long noted = LLONG_MIN; /* none yet on this thread */
    if (server.cfg.maxmemory <= 0)
        return;
    long long net = alloc_thread_net();
    if (noted != LLONG_MIN && net != noted)
        atomic_fetch_add_explicit(&server.used_memory, net - noted, memory_order_relaxed);
    noted = net;
}

/* noeviction, over maxmemory by the cached figure: measure before refusing
 * a write, since the figure grows with every allocation a worker notes,
 * the replicas' copies of the stream among them, which do not count. */
static enum evict_result refuse_unless_measured_under(long long max)
{
    long long used = server_memory_for_maxmemory();
    atomic_store_explicit(&server.used_memory, used, memory_order_relaxed);
    return used > max ? EVICT_FAIL : EVICT_OK;
}

/* Redis's eviction time proc: a run that stopped at its time budget, or
 * a limit lowered inside EXEC, goes on from the cron until done. */
static atomic_bool evicting_in_background;

enum evict_result evict_perform(void)
{
    long long max = server.cfg.maxmemory;
    enum evict_result rc;

    if (max <= 0)
        return EVICT_OK;
    if (!server_over_maxmemory() && !remeasure_due())
        return EVICT_OK;
    /* Paused clients must find the dataset as they left it (pause.h). */
    if (pause_in_effect(server_mstime()) != PAUSE_NONE)
        return EVICT_OK;
    /* A replica's master evicts for it: its DELs come in the stream. */
    if (repl_replica_on() && atomic_load(&server.cfg.replica_ignore_maxmemory))
        return EVICT_OK;
    if (server.cfg.maxmemory_policy == MAXMEMORY_NOEVICTION)
        return refuse_unless_measured_under(max);
    pthread_mutex_lock(&evict_lock);
    rc = evict_locked(max);
    pthread_mutex_unlock(&evict_lock);
    if (rc == EVICT_RUNNING)
        atomic_store(&evicting_in_background, true);
    return rc;
}

void evict_cron(void)
{
    if (atomic_load(&evicting_in_background) && evict_perform() != EVICT_RUNNING)
        atomic_store(&evicting_in_background, false);
}

void evict_for_new_maxmemory(bool now)
{
    long long max = server.cfg.maxmemory, used;

    if (max <= 0)
        return;
    used = server_memory_for_maxmemory();
    atomic_store_explicit(&server.used_memory, used, memory_order_relaxed);
    if (max < used)
        log_warning("WARNING: the new maxmemory value set via CONFIG SET (%lld) is smaller "
                    "than the current memory usage (%lld). This will result in key eviction "
                    "and/or the inability to accept new write commands depending on the "
                    "maxmemory-policy.",
                    max, used);
    if (now)
        evict_perform();
    else
        atomic_store(&evicting_in_background, true);
}
