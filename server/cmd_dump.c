/*
 * cmd_dump.c - DUMP and RESTORE: a key's value serialised in Redis 7.0's
 * RDB format (core/rdb.h) with the RDB version and a CRC64, so values
 * move between redis-server and Grove in both directions.
 *
 * Replies, error texts and the order of checks follow Redis 7.0's
 * cluster.c (dumpCommand, restoreCommand): options first, then BUSYKEY,
 * the TTL, the payload's version and checksum, then its contents. A TTL
 * already in the past stores nothing and deletes the key REPLACE removed.
 * RESTORE builds a brand new object, as Redis does: REPLACE deletes the
 * old key first, so the LFU counter starts afresh.
 *
 * Strings are LZF-compressed in DUMP as redis-server does when
 * rdbcompression is yes (the default), with the thread's compressor table
 * (lzf_thread_state, core/lzf.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "keyspace.h"
#include "log.h"
#include "rdb.h"
#include "server.h"

#define ERR_BAD_PAYLOAD "ERR DUMP payload version or checksum are wrong"
#define ERR_BAD_FORMAT "ERR Bad data format"
#define ERR_BUSYKEY "BUSYKEY Target key name already exists."

/* ---- DUMP ---------------------------------------------------------------------- */

static void dump_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    cmd_key(ctx, 1, &k);
    struct hashmap_entry *e = cmd_find(ctx, &k, KEYSPACE_LOOKUP_COUNT);
    if (e == NULL) {
        resp_add_null(ctx->out);
        return;
    }
    /* rdbcompression no: Redis's DUMP writes strings plainly too */
    bool compress = atomic_load(&server.cfg.rdbcompression);
    struct lzf_state *lzf = compress ? lzf_thread_state() : NULL;
    struct rdb_buf payload = {0};
    if ((compress && lzf == NULL) || rdb_dump_payload(keyspace_object(e), lzf, &payload) < 0)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    else
        resp_add_bulk(ctx->out, payload.data, payload.len);
    rdb_buf_deinit(&payload);
}

/* ---- RESTORE ------------------------------------------------------------------- */

struct restore_opts {
    bool replace, absttl;
    long long idle; /* seconds, -1 unless IDLETIME */
    long long freq; /* -1 unless FREQ */
};

/* Options after the payload, in Redis's order of checks. IDLETIME and FREQ
 * exclude each other: the second one is a syntax error. */
static bool parse_restore_opts(struct cmd_ctx *ctx, struct restore_opts *o)
{
    *o = (struct restore_opts){.idle = -1, .freq = -1};
    for (size_t j = 4; j < ctx->argc; j++) {
        bool more = j + 1 < ctx->argc;
        const struct resp_arg *a = &ctx->argv[j];
        if (arg_is(a, "replace")) {
            o->replace = true;
        } else if (arg_is(a, "absttl")) {
            o->absttl = true;
        } else if (arg_is(a, "idletime") && more && o->freq == -1) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[++j], &o->idle))
                return false;
            if (o->idle < 0) {
                resp_add_error(ctx->out, "ERR Invalid IDLETIME value, must be >= 0");
                return false;
            }
        } else if (arg_is(a, "freq") && more && o->idle == -1) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[++j], &o->freq))
                return false;
            if (o->freq < 0 || o->freq > 255) {
                resp_add_error(ctx->out, "ERR Invalid FREQ value, must be >= 0 and <= 255");
                return false;
            }
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

/* The payload's value as a planned object, or false after replying. */
static bool decode_payload(struct cmd_ctx *ctx, struct object_value *v)
{
    const struct resp_arg *p = &ctx->argv[3];
    size_t value_len;
    if (!rdb_payload_verify(p->ptr, p->len, !atomic_load(&server.skip_checksum_validation),
                            &value_len)) {
        resp_add_error(ctx->out, ERR_BAD_PAYLOAD);
        return false;
    }
    struct rdb_reader r;
    unsigned type;
    rdb_reader_init(&r, p->ptr, value_len, cmd_member_hasher(), cmd_object_limits());
    int rc = rdb_read_type(&r, &type);
    if (rc == 0)
        rc = rdb_read_value(&r, type, v);
    if (rc == RDB_ETYPE)
        resp_add_errorf(ctx->out, "ERR Bad data format: %s", r.error);
    else if (rc == RDB_ENOMEM)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    else if (rc < 0)
        resp_add_error(ctx->out, ERR_BAD_FORMAT);
    if (rc < 0 && rc != RDB_ENOMEM) /* what was wrong, at Redis's level for RESTORE's */
        log_verbose("Internal error in RDB reading offset %zu -> %s", rdb_reader_offset(&r),
                    r.error ? r.error : "bad data");
    rdb_reader_deinit(&r);
    return rc == 0;
}

/* objectSetLRUOrLFU: FREQ counts under an LFU policy, IDLETIME under any
 * other (an idle time longer than the clock's age wraps as Redis's). */
static void set_access(struct object *o, const struct restore_opts *opts, int64_t now_ms)
{
    long long policy = server.cfg.maxmemory_policy;
    if (policy == MAXMEMORY_VOLATILE_LFU || policy == MAXMEMORY_ALLKEYS_LFU) {
        if (opts->freq >= 0)
            object_set_lfu(o, (uint8_t)opts->freq);
        return;
    }
    if (opts->idle < 0)
        return;
    long long clock = object_lru_clock(now_ms), abs = clock - opts->idle;
    if (abs < 0)
        abs = (clock + OBJECT_LRU_CLOCK_MAX / 2) % OBJECT_LRU_CLOCK_MAX;
    object_set_lru(o, (uint32_t)abs);
}

static void restore_command(struct cmd_ctx *ctx)
{
    struct restore_opts opts;
    struct cmd_key k;
    long long ttl;
    if (!parse_restore_opts(ctx, &opts))
        return;
    cmd_key(ctx, 1, &k);
    if (!opts.replace && cmd_find(ctx, &k, 0) != NULL) {
        resp_add_error(ctx->out, ERR_BUSYKEY);
        return;
    }
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &ttl))
        return;
    if (ttl < 0) {
        resp_add_error(ctx->out, "ERR Invalid TTL value, must be >= 0");
        return;
    }
    struct object_value v;
    if (!decode_payload(ctx, &v))
        return;
    bool deleted = opts.replace && keyspace_delete(k.shard, &k.key, ctx->now_ms);
    if (ttl > 0 && !opts.absttl)
        ttl = ttl > INT64_MAX - ctx->now_ms ? INT64_MAX : ttl + ctx->now_ms;
    if (ttl > 0 && ttl <= ctx->now_ms) {
        /* Already expired: as Redis, the key is only deleted. */
        if (deleted)
            cmd_notify(ctx, NOTIFY_GENERIC, "del", &ctx->argv[1]);
        object_value_discard(&v);
        resp_add_ok(ctx->out);
        return;
    }
    struct hashmap_entry *e;
    if (keyspace_set_value(k.shard, &k.key, &v, ttl > 0 ? ttl : KEYSPACE_TTL_NONE, ctx->now_ms,
                           &e) < 0) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    set_access(keyspace_object(e), &opts, ctx->now_ms);
    cmd_notify(ctx, NOTIFY_GENERIC, "restore", &ctx->argv[1]);
    resp_add_ok(ctx->out);
}

/* ---- the table ----------------------------------------------------------------- */

#define RESTORE_COMPLEXITY                                                                         \
    "O(1) to create the new key and additional O(N*M) to reconstruct the "                         \
    "serialized value, where N is the number of Redis objects composing the value "                \
    "and M their average size. For small string values the time complexity is "                    \
    "thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set "                   \
    "values the complexity is O(N*M*log(N)) because inserting values into sorted "                 \
    "sets is O(log(N))."

static const struct command_arg restore_args[] = {
    {"key", "key", NULL, 0, NULL},
    {"ttl", "integer", NULL, 0, NULL},
    {"serialized-value", "string", NULL, 0, NULL},
    {"replace", "pure-token", "REPLACE", COMMAND_ARG_OPTIONAL, NULL},
    {"absttl", "pure-token", "ABSTTL", COMMAND_ARG_OPTIONAL, NULL},
    {"seconds", "integer", "IDLETIME", COMMAND_ARG_OPTIONAL, NULL},
    {"frequency", "integer", "FREQ", COMMAND_ARG_OPTIONAL, NULL},
    {0}};

struct command dump_commands[] = {
    {.name = "dump", .arity = 2, .flags = CMD_READONLY, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = dump_command, .group = "generic",
     .summary = "Return a serialized version of the value stored at the specified key.",
     .since = "2.6.0",
     .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is "
                   "the number of Redis objects composing the value and M their average size. "
                   "For small string values the time complexity is thus O(1)+O(1*M) where M is "
                   "small, so simply O(1).",
     .args = (const struct command_arg[]){{"key", "key", NULL, 0, NULL}, {0}}},
    {.name = "restore", .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1,
     .last_key = 1, .key_step = 1, .proc = restore_command, .acl = ACL_KEYSPACE | ACL_DANGEROUS,
     .group = "generic",
     .summary = "Create a key using the provided serialized value, previously obtained using DUMP.",
     .since = "2.6.0", .complexity = RESTORE_COMPLEXITY, .args = restore_args},
    /* What a cluster's MIGRATE sends to a node importing the slot; Redis
     * runs it as RESTORE in any mode. */
    {.name = "restore-asking", .arity = -4, .flags = CMD_WRITE | CMD_DENYOOM | CMD_ASKING,
     .first_key = 1, .last_key = 1, .key_step = 1, .proc = restore_command,
     .acl = ACL_KEYSPACE | ACL_DANGEROUS, .group = "server",
     .summary = "An internal command for migrating keys in a cluster", .since = "3.0.0",
     .complexity = RESTORE_COMPLEXITY, .args = restore_args},
    {0},
};
