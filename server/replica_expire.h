/*
 * replica_expire.h - a writable replica expires the keys its own clients
 * gave a TTL, as Redis's slaveKeysWithExpire and expireSlaveKeys do.
 *
 * A replica leaves expiry to its master, whose DELs come in the stream
 * (keyspace_hold_expired_always). With replica-read-only no, though,
 * clients may write keys the master never heard of, and one with a TTL
 * would then outlive it for ever. So every key a client other than the
 * master gives a TTL on a replica is remembered, with the databases it got
 * one in (0 to 63, as in Redis), and the cron samples what is remembered:
 * it deletes the keys whose TTL has passed, as active expiry would, and
 * forgets those gone or no longer timed.
 *
 * Threads: replica_expire_note runs on the worker that set the TTL, with
 * that key's shard held; the cron and INFO on any thread. One mutex guards
 * the table. It ranks below the shard locks, so the cron never calls into
 * the keyspace while holding it.
 */
#ifndef GROVE_REPLICA_EXPIRE_H
#define GROVE_REPLICA_EXPIRE_H

#include <stddef.h>

/* Remember that a client (not the master) gave key a TTL in database db,
 * while this server replicates with replica-read-only no. */
void replica_expire_note(unsigned db, const char *key, size_t len);
/* The cron's turn on a replica: sample remembered keys, expiring those due,
 * until 3 are found whose TTL still runs or about 1 ms has passed. */
void replica_expire_cron(long long now_ms);
/* FLUSHALL, or a full sync's new data: nothing remembered is left. */
void replica_expire_forget_all(void);
/* INFO stats' slave_expires_tracked_keys. */
size_t replica_expire_tracked(void);

#endif
