/*
 * cron.h - the server's periodic work, run by the main loop's timer `hz`
 * times a second, as Redis's serverCron/databasesCron: active expiry,
 * background rehash steps, the LRU clock, the instantaneous rates, the
 * memory gauge, and passing CONFIG SET's LFU parameters to the keyspace.
 *
 * While the dataset loads (loading.h) a tick leaves the keyspace alone:
 * no active expiry, rehash step or save point.
 *
 * Errors: none reach the caller; a tick does what its time budget allows.
 * Threads: the main thread only. Shard locks are taken one at a time, for
 * a bounded slice of work each.
 */
#ifndef GROVE_CRON_H
#define GROVE_CRON_H

#include <stdbool.h>

/* One tick of periodic work. */
void cron_tick(long long now_ms);
/* The tick period for the configured hz, in milliseconds (at least 1). */
unsigned long long cron_period_ms(void);

/* DEBUG PAUSE-CRON 1|0: ticks do nothing while paused (any thread). */
void cron_set_paused(bool paused);
bool cron_paused(void);
/* DEBUG SET-ACTIVE-EXPIRE 0|1: whether ticks expire keys in the
 * background (any thread; lookups still expire keys lazily). */
void cron_set_active_expire(bool on);

#endif
