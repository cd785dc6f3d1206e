/*
 * loading.h - the dataset loading from disk, as Redis's server.loading:
 * the load at start-up, DEBUG RELOAD's, and (with the AOF) DEBUG LOADAOF's.
 *
 * While a load runs, loading_in_progress() is true and:
 *   - the dispatcher answers -LOADING to every command without Redis's
 *     `loading` flag (CMD_LOADING), so no client touches the keyspace;
 *   - the cron leaves the keyspace alone (no active expiry, no save
 *     point can start a BGSAVE of half a dataset);
 *   - a shutdown does not save (Redis turns SAVE into NOSAVE while
 *     loading) and stops the load at its next key;
 *   - INFO persistence shows loading:1 and the loading_* progress fields.
 * The loader calls loading_key_done() after each key: it records the
 * bytes read, sleeps key-load-delay (a test knob, as Redis's debugDelay),
 * and says whether to stop.
 *
 * loading_load_from_disk() is the one step "load the data from disk" that
 * start-up runs, as Redis's loadDataFromDisk: the AOF when appendonly is
 * yes, else the RDB. The AOF is replayed through the dispatcher by a
 * client flagged CLIENT_REPLAY, the one client -LOADING lets through.
 *
 * Threads: one load at a time, in one thread (start-up: the loader thread
 * lifecycle.c starts once the workers listen; DEBUG RELOAD: the worker
 * running it). Every field is an atomic any thread may read.
 * Errors: 0 or -1 (logged).
 */
#ifndef GROVE_LOADING_H
#define GROVE_LOADING_H

#include <stdbool.h>
#include <stddef.h>

#define LOADING_ERR "LOADING Redis is loading the dataset in memory"

/* Start-up's load: the AOF when enabled, else the RDB. */
int loading_load_from_disk(void);
/* DEBUG LOADAOF: empty the keyspace and load the AOF back, the other
 * clients getting -LOADING meanwhile. 0, or -1 after logging why the load
 * failed. */
int loading_reload_aof(void);

bool loading_in_progress(void);
/* A load of total_bytes begins / ends (the loaders call these). */
void loading_begin(size_t total_bytes);
void loading_end(void);
/* After each key: `offset` bytes read. True: stop now (shutdown asked). */
bool loading_key_done(size_t offset);

/* INFO persistence's loading_* lines, Redis 7.0's figures. */
struct loading_info {
    bool loading;
    long long start_time; /* seconds since the epoch */
    long long total_bytes, loaded_bytes;
    double loaded_perc;
    long long eta_seconds;
};
void loading_get_info(struct loading_info *out);

#endif
