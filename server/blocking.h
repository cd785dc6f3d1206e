/*
 * blocking.h - clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, BLMPOP...)
 * and the cross-loop machinery that wakes them.
 *
 * Glossary
 *   waiter    a blocked client's record (struct blocked, blocking.c): the
 *             keys it waits on, the non-blocking command that serves it
 *             (LPOP k, LMOVE k dst LEFT RIGHT, ZPOPMIN k, LMPOP 1 k ...),
 *             its deadline, and a state word.
 *   queue     per key, the waiters in blocking order (first blocked, first
 *             served). It hangs off the key's shard (keyspace_waiters) and
 *             is guarded by that shard's lock, like the key itself.
 *   ready     a key that got a value while some client waits on it. The
 *             keyspace reports it under the shard lock of the write
 *             (blocking_ready_cb); the thread that ran the write serves the
 *             waiters once the command (or the whole EXEC) is done and its
 *             locks are released (blocking_serve_ready), as Redis's
 *             handleClientsBlockedOnKeys does after each command.
 *
 * Serving (any thread): under the key's shard lock (and the shards of the
 * serving command's other keys), the first waiter waiting for the key's
 * type is claimed (state WAITING -> SERVED, an atomic exchange), its
 * serving command runs against the keyspace as if the waiter had sent it,
 * and the reply goes to the waiter's loop as a message. Nothing is popped
 * for a waiter that another thread has already timed out, unblocked or
 * disconnected: those move the state WAITING -> CANCELLED first, and only
 * one of the two moves succeeds.
 *
 * The waiter's own loop owns the record: it creates it, and once the state
 * has left WAITING (by its own timeout or disconnect, by CLIENT UNBLOCK, or
 * when the served reply arrives) it unlinks the record from every queue
 * (taking each shard lock) and frees it. A record stays linked, and so
 * alive, for as long as another thread can reach it through a queue.
 *
 * Timeouts: each loop keeps its waiters' deadlines in a heap and asks its
 * loop for an alarm at the earliest (worker.h's alarm_cb), so a timeout
 * fires within a millisecond or two of its deadline.
 *
 * Errors: blocking_block returns 0 or -ENOMEM (the caller replies);
 * blocking_init returns 0 or -ENOMEM; the rest cannot fail.
 */
#ifndef GROVE_BLOCKING_H
#define GROVE_BLOCKING_H

#include <stdbool.h>
#include <stddef.h>

#include "object.h"

struct client;
struct cmd_ctx;
struct hashmap_entry;
struct command;
struct keyspace_shard;
struct resp_arg;
struct worker;

/* How a served reply is wrapped, and what a timeout replies. */
enum blocking_reply {
    BLOCKING_REPLY_KEY_VALUE, /* BLPOP: [key, the serving command's bulk] */
    BLOCKING_REPLY_KEY_FLAT,  /* BZPOPMIN: [key, the serving command's array items...] */
    BLOCKING_REPLY_AS_IS,     /* BLMOVE, BLMPOP: the serving command's reply */
    BLOCKING_REPLY_ACKS,      /* WAIT: no keys, never served; its end (timeout, or
                                 enough acks) replies the replicas that acknowledged
                                 wait_offset */
    BLOCKING_REPLY_SHUTDOWN,  /* SHUTDOWN waiting for replicas: no keys, no deadline;
                                 the server exits, or blocking_fail_shutdown */
};

/* Whether a waiter can be served now by its serving command's arguments
 * (argv, with the ready key and its extra argument in place), given the
 * key's value (NULL when the key is absent): a stream waiter needs
 * entries above its ID, or must hear that its group or stream went. Its
 * shard is held. */
typedef bool (*blocking_check_fn)(struct hashmap_entry *e, const struct resp_arg *argv,
                                  size_t argc);

/* A blocking command's request to wait, filled by its handler. */
struct blocking_request {
    enum object_type type;          /* the type that serves it: list, zset or stream */
    blocking_check_fn check;        /* NULL: any value of `type` serves it */
    const struct command *serve;    /* the non-blocking command */
    const struct resp_arg *argv;    /* its arguments (copied); argv[key_arg] is */
    size_t argc, key_arg;           /* replaced by the key that got ready */
    enum blocking_reply reply;
    bool null_bulk;                 /* inside EXEC it replies a null bulk, not a null
                                       array (a timeout is always a null array) */
    const struct resp_arg *keys;    /* the keys to wait on */
    size_t nkeys;
    const struct resp_arg *extras;  /* with extra_arg > 0: the argument (copied) put at */
    size_t extra_arg;               /* argv[extra_arg] when keys[i] is ready (XREAD's IDs) */
    long long wait_offset;          /* WAIT: the stream offset to be acknowledged */
    long long deadline_ms;          /* 0: forever */
};

/* Counters for `nworkers` loops' deadline heaps. */
int blocking_init(unsigned nworkers);
void blocking_deinit(void);

/* The keyspace's ready_cb (keyspace_config): remember the key for this
 * thread's blocking_serve_ready. */
void blocking_ready_cb(struct keyspace_shard *sh, const char *key, size_t len, void *ud);

/* Handler side, with the keys' shards held: whether this client may block
 * (not inside EXEC, a script, or without a loop), and blocking it. */
bool blocking_allowed(const struct client *c);
int blocking_block(struct cmd_ctx *ctx, const struct blocking_request *req);
/* The command that left c blocked ran `ticks` with these arguments:
 * SLOWLOG considers it once it is served (slowlog.h). Owner thread. */
void blocking_keep_for_slowlog(struct client *c, const struct resp_arg *argv, size_t argc,
                               long long ticks);
/* Run `cmd` (non-blocking, its keys' shards held by the caller) for the
 * handler's client and wrap its reply as `how`, for the key at argv[key_arg]. */
void blocking_serve_now(struct cmd_ctx *ctx, const struct command *cmd, struct resp_arg *argv,
                        size_t argc, size_t key_arg, enum blocking_reply how);

/* A thread that ran commands is ending: free its ready-key list. */
void blocking_thread_done(void);

/* After a top-level command, holding no shard lock: serve the waiters of
 * every key this thread made ready. */
void blocking_serve_ready(void);

/* The client's own loop: it disconnects (forget its waiter), or its
 * deadline passed. blocking_expire returns the next deadline of the loop
 * (0: none). */
void blocking_client_leave(struct client *c);
long long blocking_expire(struct worker *w, long long now_ms);

/* CLIENT UNBLOCK from any thread: 1 if the client was blocked and is now
 * unblocked (its loop replies a timeout, or the -UNBLOCKED error). */
bool blocking_unblock(unsigned long long client_id, bool with_error);

/* REPLICAOF made this server a replica: every blocked client gets
 * Redis's -UNBLOCKED error for it and is closed once that is written
 * (disconnectAllBlockedClients). Any thread. */
void blocking_unblock_all_for_replica(void);

/* Replicas acknowledged what the WAIT of that client (any thread) waits
 * for: its loop replies their count. */
void blocking_wake_wait(unsigned long long client_id);

/* The shutdown that client's SHUTDOWN waits for was aborted or failed
 * (any thread): its loop replies Redis's error. */
void blocking_fail_shutdown(unsigned long long client_id);

/* INFO blocked_clients. */
long long blocking_count(void);

#endif
