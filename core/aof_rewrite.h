/*
 * aof_rewrite.h - a database written as the commands that rebuild it, the
 * base file of an AOF rewrite with aof-use-rdb-preamble no (Redis 7.0's
 * rewriteAppendOnlyFileRio): SELECT, then per key SET, RPUSH, SADD, ZADD
 * or HMSET (at most 64 elements per command, as Redis's
 * AOF_REWRITE_ITEMS_PER_CMD) and PEXPIREAT for a key with a TTL. Keys
 * already past their time are left out.
 *
 * Errors: 0, or the sink's non-zero return. No I/O, no global state: the
 * caller's sink gets the bytes.
 */
#ifndef GROVE_AOF_REWRITE_H
#define GROVE_AOF_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "keyspace.h"

#define AOF_REWRITE_ITEMS_PER_CMD 64

/* Takes the bytes; non-zero stops the writing. */
typedef int (*aof_rewrite_sink_cb)(void *ud, const void *buf, size_t len);

/* [held: every shard of database `index`] its keys as commands, preceded
 * by SELECT; nothing when it has none. */
int aof_rewrite_db(struct keyspace *ks, unsigned index, int64_t now_ms, aof_rewrite_sink_cb sink,
                   void *ud);
/* One command line in RESP, for what the caller adds (FUNCTION LOAD). */
int aof_rewrite_command(aof_rewrite_sink_cb sink, void *ud, const char *const *argv,
                        const size_t *lens, size_t argc);

#endif
