/*
 * propagate.h - what a command appends to the AOF: the form Redis 7.0
 * propagates (relative expiries as absolute PXAT/PEXPIREAT, INCRBYFLOAT as
 * SET ... KEEPTTL, SPOP as SREM, a served blocking pop as its
 * non-blocking pop, the writes of a script or a transaction wrapped in
 * MULTI/EXEC when there is more than one, expired and evicted keys as
 * DEL).
 *
 * One hook wraps every run of a command handler (the dispatcher, EXEC's
 * queue, a script's redis.call, a blocking command served):
 * propagate_call_begin / propagate_call_end. A run propagates itself when
 * it changed something (the write counter of the shards of its keys
 * moved, beyond the keys expiry removed meanwhile; for commands without
 * keys or that lock for themselves: a write that did not answer an error
 * or 0) and no run nested in it propagated: so EVAL, EXEC and BLPOP
 * propagate what they ran inside, never themselves. A table, by command,
 * gives the rewritten form; the rest is propagated as it was received.
 *
 * Order: ops wait in a per-thread list until the outermost run ends (or a
 * commit point, before the run lets go of shard locks: end of a script,
 * EXEC's queue), then go to the AOF buffer while the shards are still held.
 *
 * Ordering against commands that lock for themselves (FLUSHALL, SWAPDB,
 * MOVE, COPY ... DB) and against runs that hold several shards for long
 * (EXEC, scripts): a reader-writer lock, taken only while the AOF is on:
 * shared by other commands and by blocked clients being served,
 * exclusive by those.
 *
 * The same lines go to the replicas (replication.h's stream) once one has
 * synced: "the AOF is on" below means either. PUBLISH goes to the
 * replicas alone.
 *
 * Threads: the per-thread state is the calling thread's; everything costs
 * two relaxed loads when neither the AOF nor replication is on.
 */
#ifndef GROVE_PROPAGATE_H
#define GROVE_PROPAGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "aof.h"
#include "replication.h"

struct cmd_ctx;
struct command;
struct keyspace_shard;

/* Writes are propagated: to the AOF, to replicas, or both. */
static inline bool propagate_on(void)
{
    return aof_on() || repl_feeding();
}

/* Where a write goes (a script's redis.set_repl chooses): its flags'
 * values are Lua's REPL_AOF, REPL_REPLICA and REPL_ALL. */
enum propagate_target { PROPAGATE_AOF = 1, PROPAGATE_REPLICAS = 2, PROPAGATE_ALL = 3 };
/* The targets of the writes this thread runs from now on (PROPAGATE_ALL
 * until set; 0: none). Expired and evicted keys' DELs go everywhere, and
 * a transaction's MULTI and EXEC wherever any of its writes go, as in
 * Redis. */
void propagate_set_targets(unsigned targets);

/* Build the rewrite table (once). */
void propagate_init(void);
/* This thread propagates nothing while suspended (DEBUG LOADAOF replays
 * the file through the dispatcher while other clients go on). */
void propagate_suspend_thread(bool suspended);

struct propagate_call {
    bool active;
    unsigned long long dirty;
    size_t events, nested;
};
void propagate__call_begin(struct propagate_call *pc, struct cmd_ctx *ctx);
void propagate__call_end(struct propagate_call *pc, struct cmd_ctx *ctx, size_t reply_mark);

/* Around a handler's run; `reply_mark` is where its reply starts in ctx->out. */
static inline void propagate_call_begin(struct propagate_call *pc, struct cmd_ctx *ctx)
{
    pc->active = propagate_on();
    if (__builtin_expect(pc->active, 0))
        propagate__call_begin(pc, ctx);
}
static inline void propagate_call_end(struct propagate_call *pc, struct cmd_ctx *ctx,
                                      size_t reply_mark)
{
    if (__builtin_expect(pc->active, 0))
        propagate__call_end(pc, ctx, reply_mark);
}

/* Inside a run (its handler), propagate this line in place of the run's
 * own: a served XREADGROUP as the XREADGROUP its blocked client sent.
 * Nothing when the AOF is off. */
void propagate_as(struct cmd_ctx *ctx, const struct resp_arg *argv, size_t argc);
/* Inside a run, send a line to the replicas only: the run's own (PUBLISH,
 * SPUBLISH: Redis's forceCommandPropagation(PROPAGATE_REPL)), so that a
 * replica's subscribers hear what is published on its master, or any
 * other (DEBUG REPLICATE). */
void propagate_to_replicas(struct cmd_ctx *ctx, const struct resp_arg *argv, size_t argc);

/* A commit point: the ops waiting go to the AOF now (the caller is about
 * to release shard locks); more_may_follow: further ops of the same run
 * may come (then a single op is already wrapped in MULTI). */
void propagate_commit(bool more_may_follow);

/* The ordering lock around a command (dispatcher) or a serve (blocking);
 * returns what to pass to propagate_order_end. */
int propagate_order_begin(const struct command *cmd);
void propagate_order_end(int how);

/* A key the keyspace expired or evicted (its event callback, shard held). */
void propagate_key_deleted(struct keyspace_shard *sh, const char *key, size_t len);

#endif
