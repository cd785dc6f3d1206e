/*
 * cron.h - the server's periodic work, run by the main loop's timer `hz`
 * times a second, as Redis's serverCron/databasesCron: active expiry,
 * background rehash steps, the LRU clock, the instantaneous rates, the
 * memory gauge, and passing CONFIG SET's LFU parameters to the keyspace.
 *
 * Errors: none reach the caller; a tick does what its time budget allows.
 * Threads: the main thread only. Shard locks are taken one at a time, for
 * a bounded slice of work each.
 */
#ifndef GROVE_CRON_H
#define GROVE_CRON_H

/* One tick of periodic work. */
void cron_tick(long long now_ms);
/* The tick period for the configured hz, in milliseconds (at least 1). */
unsigned long long cron_period_ms(void);

#endif
