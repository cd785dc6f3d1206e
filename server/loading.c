/*
 * loading.c - the loading state and start-up's load; see loading.h.
 */
#include "loading.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "aof.h"
#include "log.h"
#include "notify.h"
#include "server.h"
#include "snapshot.h"

static atomic_bool loading;
static atomic_llong start_time, total_bytes, loaded_bytes;

int loading_load_from_disk(void)
{
    snapshot_count_start_as_save();
    if (!atomic_load(&server.cfg.appendonly))
        return aof_read_manifest_at_startup() < 0 ? -1 : snapshot_load();
    if (aof_load_at_startup() < 0)
        return -1;
    notify_refresh_events(); /* the keyspace events the AOF needs, now that it is on */
    return 0;
}

int loading_reload_aof(void)
{
    char err[256];
    loading_begin(0);
    int rc = aof_debug_loadaof(err, sizeof(err));
    loading_end();
    if (rc < 0) {
        log_warning("DEBUG LOADAOF failed: %s", err);
        return -1;
    }
    snapshot_forget_changes();
    log_warning("Append Only File loaded by DEBUG LOADAOF");
    return 0;
}

bool loading_in_progress(void)
{
    return atomic_load_explicit(&loading, memory_order_relaxed);
}

void loading_begin(size_t total)
{
    atomic_store(&start_time, server_mstime() / 1000);
    atomic_store(&total_bytes, (long long)total);
    atomic_store(&loaded_bytes, 0);
    atomic_store(&loading, true);
}

void loading_end(void)
{
    atomic_store(&loading, false);
}

bool loading_key_done(size_t offset)
{
    atomic_store_explicit(&loaded_bytes, (long long)offset, memory_order_relaxed);
    long long delay = atomic_load_explicit(&server.cfg.key_load_delay, memory_order_relaxed);
    if (delay != 0)
        server_debug_delay(delay);
    return atomic_load_explicit(&server.shutdown_requested, memory_order_relaxed);
}

/* Redis 7.0's genRedisInfoString: progress against the file's size, the
 * ETA from the rate so far (1 s when under a second has passed). */
void loading_get_info(struct loading_info *out)
{
    long long now = server_mstime() / 1000;
    *out = (struct loading_info){
        .loading = loading_in_progress(),
        .start_time = atomic_load(&start_time),
        .total_bytes = atomic_load(&total_bytes),
        .loaded_bytes = atomic_load(&loaded_bytes),
    };
    long long remaining = 1, elapsed = now - out->start_time;
    if (out->total_bytes > 0) {
        out->loaded_perc = (double)out->loaded_bytes / (double)out->total_bytes * 100;
        remaining = out->total_bytes - out->loaded_bytes;
    }
    out->eta_seconds = elapsed == 0 ? 1 : elapsed * remaining / (out->loaded_bytes + 1);
}
