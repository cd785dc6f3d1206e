/*
 * cron.c - the periodic work of cron.h.
 *
 * Active expiry, after Redis's activeExpireCycle: go round the shards from
 * where the last tick stopped; each shard samples its TTL keys in rounds of
 * 20 and goes on while more than 10% of a round had expired (up to
 * CRON_EXPIRE_SHARD_SAMPLES, so one shard lock is never held long). The
 * expiry part of a tick stops after a quarter of the tick's period, as
 * Redis's does; rehashing gets a millisecond per tick, as in Redis's
 * databasesCron. Keys it expired that clients wait on are served after
 * (an XREADGROUP on an expired stream gets its error).
 */
#include "cron.h"

#include <stdatomic.h>

#include "aof.h"
#include "blocking.h"
#include "client_evict.h"
#include "evict.h"
#include "failover.h"
#include "keyspace.h"
#include "latency.h"
#include "memory.h"
#include "repl_replica.h"
#include "replica_expire.h"
#include "replication.h"
#include "loading.h"
#include "server.h"
#include "snapshot.h"
#include "stats.h"
#include "tracking.h"

#define CRON_EXPIRE_SHARD_SAMPLES 1000
#define CRON_REHASH_BUCKETS 100 /* per shard step */
#define CRON_REHASH_BUDGET_NS 1000000LL
#define CRON_SAMPLE_EVERY_MS 100

static unsigned expire_cursor;
static long long last_sample_ms;
static atomic_bool paused;
static atomic_bool active_expire = true;

void cron_set_paused(bool on)
{
    atomic_store(&paused, on);
}

bool cron_paused(void)
{
    return atomic_load(&paused);
}

void cron_set_active_expire(bool on)
{
    atomic_store(&active_expire, on);
}

unsigned long long cron_period_ms(void)
{
    unsigned long long period = (unsigned long long)(1000 / server.cfg.hz);
    return period ? period : 1;
}

/* The latency monitor's expire-cycle is the time of the shard passes
 * that expired keys: a pass that only waited for a shard lock a command
 * held (DEBUG SLEEP, a long script) held no client up itself, where in
 * Redis the cycle and the command cannot overlap. */
static void expire_keys(long long now_ms)
{
    long long now = server_monotonic_ns(), busy = 0;
    long long deadline = now + (long long)cron_period_ms() * 250000LL;
    unsigned n = keyspace_shard_count(server.ks);
    for (unsigned visited = 0; visited < n && now < deadline; visited++) {
        struct keyspace_shard *sh = keyspace_shard_by_id(server.ks, expire_cursor);
        size_t expired = 0;
        long long start = now;
        keyspace_active_expire_shard(sh, now_ms, CRON_EXPIRE_SHARD_SAMPLES, &expired);
        now = server_monotonic_ns();
        busy += expired ? now - start : 0;
        expire_cursor = (expire_cursor + 1) % n;
    }
    latency_add_sample_if_needed("expire-cycle", busy / 1000000);
}

static void rehash_steps(void)
{
    long long deadline = server_monotonic_ns() + CRON_REHASH_BUDGET_NS;
    unsigned n = keyspace_shard_count(server.ks);
    for (unsigned id = 0; id < n && server_monotonic_ns() < deadline; id++)
        while (keyspace_rehash_step(keyspace_shard_by_id(server.ks, id), CRON_REHASH_BUCKETS) &&
               server_monotonic_ns() < deadline)
            ;
}

void cron_tick(long long now_ms)
{
    if (atomic_load(&paused))
        return;
    atomic_store(&server.lru_clock, (unsigned)((now_ms / 1000) & ((1 << 24) - 1)));
    bool loading = loading_in_progress();
    if (!loading && atomic_load(&active_expire)) {
        expire_keys(now_ms); /* nothing on a replica: its master's DELs expire keys */
        if (repl_replica_on())
            replica_expire_cron(now_ms);
        blocking_serve_ready(); /* a stream expired under a blocked XREADGROUP */
    }
    tracking_cron(); /* the limit, and the broadcasts of what expired */
    if (!loading && server.cfg.activerehashing)
        rehash_steps();
    if (last_sample_ms == 0 || now_ms - last_sample_ms >= CRON_SAMPLE_EVERY_MS) {
        stats_sample(now_ms);
        server_ns_per_tick(); /* sharpens server_ticks_to_ns's rate */
        last_sample_ms = now_ms;
    }
    server_peak_memory(); /* also refreshes the used_memory maxmemory checks read */
    evict_cron();
    client_evict_cron();
    memory_cron(now_ms);
    if (!loading) {
        snapshot_cron(now_ms);
        aof_cron(now_ms);
        failover_cron(now_ms); /* first, as Redis's replicationCron */
        repl_cron(now_ms);
    }
    keyspace_set_lfu_params(server.ks, (uint32_t)server.cfg.lfu_log_factor,
                            (uint32_t)server.cfg.lfu_decay_time);
}
