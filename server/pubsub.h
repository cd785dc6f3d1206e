/*
 * pubsub.h - the server-wide publish/subscribe registry: which clients
 * listen on which channels and patterns, and PUBLISH's delivery to them
 * across worker loops.
 *
 * Glossary
 *   channel     a byte string a client SUBSCRIBEs to; messages published
 *               there reach it as ["message", channel, payload].
 *   pattern     a glob (core/glob.h) a client PSUBSCRIBEs to; messages on
 *               every matching channel reach it as
 *               ["pmessage", pattern, channel, payload].
 *   shard channel  SSUBSCRIBE / SPUBLISH: a namespace of its own (without a
 *               cluster there is one shard), delivered as ["smessage",
 *               channel, payload] and counted apart from the others.
 *   subscribed  a client with at least one channel, pattern or shard
 *               channel. In RESP2 it may only run (P|S)SUBSCRIBE,
 *               (P|S)UNSUBSCRIBE, PING, QUIT and RESET (command.c checks).
 *   batch       what PUBLISH sends to one other worker: the channel, the
 *               payload, and every receiver on that worker (client id and
 *               pattern), in one allocation, as one worker message.
 *
 * Threads: the registry is shared by every worker and guarded by one
 * mutex. A client's own subscription sets (struct pubsub_client) belong to
 * its thread; the counts CLIENT LIST reads from other threads are atomic.
 * Delivery never touches another loop's connection: receivers on the
 * publisher's loop get the message appended directly (unless messages
 * posted to that loop wait: then it queues behind them, keeping each
 * receiver's order), the others through their worker's queue
 * (worker_post), where the worker looks each receiver up by id and drops
 * the message if the client has gone.
 *
 * Errors: actions return 0 or -ENOMEM.
 */
#ifndef GROVE_PUBSUB_H
#define GROVE_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct client;
struct resp_out;

enum pubsub_kind {
    PUBSUB_CHANNEL,
    PUBSUB_PATTERN,
    PUBSUB_SHARD,
    PUBSUB_KINDS,
};

/* The registry needs no set-up: it is created by the first subscription
 * and freed when the last one goes (so it is gone once every client has
 * disconnected at shutdown). */

/* Subscribe the client to a channel, pattern or shard channel.
 * Subscribing twice is a no-op. 0 or -ENOMEM. Owner thread. */
int pubsub_subscribe(struct client *c, enum pubsub_kind kind, const char *name, size_t len);
/* Leave one; returns whether the client was on it. */
bool pubsub_unsubscribe(struct client *c, enum pubsub_kind kind, const char *name, size_t len);
/* Leave every one of a kind, calling fn (if non-NULL) with each name
 * after leaving it; returns how many were left. */
size_t pubsub_unsubscribe_all(struct client *c, enum pubsub_kind kind,
                              void (*fn)(struct client *c, const char *name, size_t len,
                                         void *ud),
                              void *ud);
/* Free the client's subscription state, leaving everything (disconnect). */
void pubsub_client_deinit(struct client *c);

/* Channels plus patterns of this client (the count (P)SUBSCRIBE reply). */
size_t pubsub_client_count(const struct client *c);
/* How many of a kind the client has; readable from any thread (CLIENT LIST). */
size_t pubsub_client_kind_count(const struct client *c, enum pubsub_kind kind);
/* Any subscription at all (RESP2 subscribed mode). */
bool pubsub_client_subscribed(const struct client *c);

/* PUBLISH (kind PUBSUB_CHANNEL: channel subscribers and pattern matches)
 * or SPUBLISH (PUBSUB_SHARD) from `publisher`, on its own thread: deliver
 * to every receiver, return how many there were. */
long long pubsub_publish(struct client *publisher, enum pubsub_kind kind, const char *channel,
                         size_t chlen, const char *msg, size_t msglen);
/* PUBLISH from whatever thread calls it (a worker's, or one without a
 * loop, as the cron's): keyspace notifications. Each receiver gets the
 * messages of every publisher in the order they were published (a
 * receiver on the calling thread's loop gets it at once only when nothing
 * posted to that loop waits), so messages published while holding a shard
 * lock reach everyone in the order of the writes to that shard. Takes the
 * registry lock then queue locks, never a shard lock, so callers may hold
 * shard locks (the lock order is shards, registry, queues). */
long long pubsub_publish_here(const char *channel, size_t chlen, const char *msg,
                              size_t msglen);

/* PUBSUB CHANNELS / SHARDCHANNELS (kind CHANNEL or SHARD): append every
 * active channel matching the pattern (NULL: all) as an array. */
void pubsub_reply_channels(struct resp_out *out, enum pubsub_kind kind, const char *pat,
                           size_t patlen);
/* PUBSUB NUMSUB / SHARDNUMSUB's count for one channel. */
size_t pubsub_numsub(enum pubsub_kind kind, const char *channel, size_t len);
/* Distinct channels, patterns or shard channels with subscribers (INFO,
 * PUBSUB NUMPAT). */
size_t pubsub_num(enum pubsub_kind kind);

/* The ids of the clients subscribed to a channel, pattern or shard
 * channel that `allowed` refuses (ACL SETUSER revoking channels): a
 * malloc'd array in *ids (NULL when none; a client may appear twice),
 * its length returned, or -ENOMEM. `allowed` runs under the registry
 * lock and must take no lock but the ACL's. Any thread. */
long pubsub_denied_subscribers(bool (*allowed)(const char *name, size_t len, bool pattern,
                                               void *ud),
                               void *ud, uint64_t **ids);

#endif
