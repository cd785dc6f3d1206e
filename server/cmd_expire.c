/*
 * cmd_expire.c - the expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT
 * (with Redis 7's NX|XX|GT|LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME and
 * PERSIST. Replies and error texts follow Redis 7.0 (expire.c), in the
 * order Redis checks them: options, then the number, then overflow, then
 * the key.
 *
 * Times are absolute milliseconds since the epoch; "now" is the
 * dispatcher's cached clock. A time at or before now deletes the key (and
 * counts as a deletion, not an expiry), as Redis's checkAlreadyExpired,
 * except while loading or on a replica, where the key keeps the past time
 * (an AOF's later commands found it live; a master's DEL decides).
 * An expired key is deleted by the lookup and never seen here.
 */
#include <limits.h>
#include <string.h>

#include "command.h"
#include "keyspace.h"
#include "loading.h"
#include "repl_replica.h"
#include "server.h"

enum expire_flag {
    EXPIRE_NX = 1 << 0,
    EXPIRE_XX = 1 << 1,
    EXPIRE_GT = 1 << 2,
    EXPIRE_LT = 1 << 3,
};

/* Flags for a write lookup: Redis's lookupKeyWrite records an access
 * unless the client asked for CLIENT NO-TOUCH. */
static unsigned write_lookup_flags(const struct cmd_ctx *ctx)
{
    if (ctx->client != NULL && (ctx->client->flags & CLIENT_NO_TOUCH))
        return KEYSPACE_LOOKUP_NOTOUCH;
    return 0;
}

/* ---- EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT --------------------------------------- */

/* Redis's parseExtendedExpireArgumentsOrReply: any mix of the four words,
 * repeated or not, then the incompatibility checks. */
static bool parse_expire_flags(struct cmd_ctx *ctx, unsigned *flags)
{
    *flags = 0;
    for (size_t j = 3; j < ctx->argc; j++) {
        const struct resp_arg *opt = &ctx->argv[j];
        if (arg_is(opt, "nx"))
            *flags |= EXPIRE_NX;
        else if (arg_is(opt, "xx"))
            *flags |= EXPIRE_XX;
        else if (arg_is(opt, "gt"))
            *flags |= EXPIRE_GT;
        else if (arg_is(opt, "lt"))
            *flags |= EXPIRE_LT;
        else {
            /* Redis prints the option as a C string: up to a NUL byte. */
            resp_add_errorf(ctx->out, "ERR Unsupported option %.*s",
                            (int)strnlen(opt->ptr, opt->len), opt->ptr);
            return false;
        }
    }
    if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        resp_add_error(ctx->out, "ERR NX and XX, GT or LT options at the same time are not "
                                 "compatible");
        return false;
    }
    if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
        resp_add_error(ctx->out, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

static void reply_invalid_expire(struct cmd_ctx *ctx)
{
    resp_add_errorf(ctx->out, "ERR invalid expire time in '%s' command", ctx->cmd->fullname);
}

/* The absolute time in ms of argv[2], in `unit_ms` (1 or 1000) from
 * `basetime`, with Redis's overflow checks. Negative times are allowed. */
static bool parse_when(struct cmd_ctx *ctx, long long basetime, long long unit_ms,
                       long long *when)
{
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], when))
        return false;
    if (unit_ms == 1000) {
        if (*when > LLONG_MAX / 1000 || *when < LLONG_MIN / 1000) {
            reply_invalid_expire(ctx);
            return false;
        }
        *when *= 1000;
    }
    if (*when > LLONG_MAX - basetime) {
        reply_invalid_expire(ctx);
        return false;
    }
    *when += basetime;
    return true;
}

/* NX/XX/GT/LT against the current expire time (-1: none, i.e. infinite). */
static bool condition_holds(unsigned flags, long long when, long long current)
{
    if ((flags & EXPIRE_NX) && current != -1)
        return false;
    if ((flags & EXPIRE_XX) && current == -1)
        return false;
    if ((flags & EXPIRE_GT) && (current == -1 || when <= current))
        return false;
    if ((flags & EXPIRE_LT) && current != -1 && when >= current)
        return false;
    return true;
}

/* Redis's checkAlreadyExpired. */
static bool already_expired(const struct cmd_ctx *ctx, long long when)
{
    return when <= ctx->now_ms && !loading_in_progress() && !repl_replica_on();
}

static void expire_generic(struct cmd_ctx *ctx, long long basetime, long long unit_ms)
{
    unsigned flags;
    long long when;
    if (!parse_expire_flags(ctx, &flags) || !parse_when(ctx, basetime, unit_ms, &when))
        return;
    struct cmd_key k;
    cmd_key(ctx, 1, &k);
    struct hashmap_entry *e = cmd_find(ctx, &k, write_lookup_flags(ctx));
    if (e == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    const struct object *o = keyspace_object(e);
    long long current = object_has_ttl(o) ? object_expire_at(o) : -1;
    if (!condition_holds(flags, when, current)) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    if (already_expired(ctx, when)) {
        keyspace_delete_entry_for(k.shard, e, KEYSPACE_FREE_EXPIRED);
        cmd_notify(ctx, NOTIFY_GENERIC, "del", &ctx->argv[1]);
        resp_add_integer(ctx->out, 1);
        return;
    }
    if (keyspace_set_expire(k.shard, &e, when) < 0) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    cmd_notify(ctx, NOTIFY_GENERIC, "expire", &ctx->argv[1]);
    resp_add_integer(ctx->out, 1);
}

static void expire_command(struct cmd_ctx *ctx)
{
    expire_generic(ctx, ctx->now_ms, 1000);
}

static void pexpire_command(struct cmd_ctx *ctx)
{
    expire_generic(ctx, ctx->now_ms, 1);
}

static void expireat_command(struct cmd_ctx *ctx)
{
    expire_generic(ctx, 0, 1000);
}

static void pexpireat_command(struct cmd_ctx *ctx)
{
    expire_generic(ctx, 0, 1);
}

/* ---- TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST ---------------------------------- */

/* -2 for a missing key, -1 without a TTL; else the remaining (or, with
 * `absolute`, the expire) time, never negative, in ms or in seconds
 * rounded to the nearest (Redis's (ttl+500)/1000, computed unsigned so
 * that the largest times round as Redis's build does instead of
 * overflowing). */
static void ttl_generic(struct cmd_ctx *ctx, bool in_ms, bool absolute)
{
    struct cmd_key k;
    cmd_key(ctx, 1, &k);
    struct hashmap_entry *e = cmd_find(ctx, &k, KEYSPACE_LOOKUP_NOTOUCH | KEYSPACE_LOOKUP_COUNT);
    if (e == NULL) {
        resp_add_integer(ctx->out, -2);
        return;
    }
    const struct object *o = keyspace_object(e);
    if (!object_has_ttl(o)) {
        resp_add_integer(ctx->out, -1);
        return;
    }
    long long ttl = object_expire_at(o);
    if (!absolute)
        ttl -= ctx->now_ms;
    if (ttl < 0)
        ttl = 0;
    if (!in_ms)
        ttl = (long long)(((unsigned long long)ttl + 500) / 1000);
    resp_add_integer(ctx->out, ttl);
}

static void ttl_command(struct cmd_ctx *ctx)
{
    ttl_generic(ctx, false, false);
}

static void pttl_command(struct cmd_ctx *ctx)
{
    ttl_generic(ctx, true, false);
}

static void expiretime_command(struct cmd_ctx *ctx)
{
    ttl_generic(ctx, false, true);
}

static void pexpiretime_command(struct cmd_ctx *ctx)
{
    ttl_generic(ctx, true, true);
}

static void persist_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    cmd_key(ctx, 1, &k);
    struct hashmap_entry *e = cmd_find(ctx, &k, write_lookup_flags(ctx));
    bool persisted = e != NULL && keyspace_persist(k.shard, &e);
    if (persisted)
        cmd_notify(ctx, NOTIFY_GENERIC, "persist", &ctx->argv[1]);
    resp_add_integer(ctx->out, persisted);
}

/* ---- the table ------------------------------------------------------------------- */

#define EXPIRE_CONDITION_ARG                                                                   \
    {"condition", "oneof", NULL, COMMAND_ARG_OPTIONAL,                                         \
     (const struct command_arg[]){{"nx", "pure-token", "NX", 0, NULL},                         \
                                  {"xx", "pure-token", "XX", 0, NULL},                         \
                                  {"gt", "pure-token", "GT", 0, NULL},                         \
                                  {"lt", "pure-token", "LT", 0, NULL}, {0}}}
#define EXPIRE_ARGS(time_name, time_type)                                                      \
    (const struct command_arg[]){{"key", "key", NULL, 0, NULL},                                \
                                 {time_name, time_type, NULL, 0, NULL}, EXPIRE_CONDITION_ARG,  \
                                 {0}}
#define KEY_ONLY_ARGS (const struct command_arg[]){{"key", "key", NULL, 0, NULL}, {0}}
#define EXPIRE_FLAGS (CMD_WRITE | CMD_FAST)
#define TTL_FLAGS (CMD_READONLY | CMD_FAST)

struct command expire_commands[] = {
    {.name = "expire", .arity = -3, .flags = EXPIRE_FLAGS, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = expire_command, .group = "generic",
     .summary = "Set a key's time to live in seconds", .since = "1.0.0",
     .complexity = "O(1)", .args = EXPIRE_ARGS("seconds", "integer")},
    {.name = "pexpire", .arity = -3, .flags = EXPIRE_FLAGS, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = pexpire_command, .group = "generic",
     .summary = "Set a key's time to live in milliseconds", .since = "2.6.0",
     .complexity = "O(1)", .args = EXPIRE_ARGS("milliseconds", "integer")},
    {.name = "expireat", .arity = -3, .flags = EXPIRE_FLAGS, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = expireat_command, .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp", .since = "1.2.0",
     .complexity = "O(1)", .args = EXPIRE_ARGS("unix-time-seconds", "unix-time")},
    {.name = "pexpireat", .arity = -3, .flags = EXPIRE_FLAGS, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = pexpireat_command, .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
     .since = "2.6.0", .complexity = "O(1)",
     .args = EXPIRE_ARGS("unix-time-milliseconds", "unix-time")},
    {.name = "ttl", .arity = 2, .flags = TTL_FLAGS, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = ttl_command, .group = "generic",
     .summary = "Get the time to live for a key in seconds", .since = "1.0.0",
     .complexity = "O(1)", .args = KEY_ONLY_ARGS},
    {.name = "pttl", .arity = 2, .flags = TTL_FLAGS, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = pttl_command, .group = "generic",
     .summary = "Get the time to live for a key in milliseconds", .since = "2.6.0",
     .complexity = "O(1)", .args = KEY_ONLY_ARGS},
    {.name = "expiretime", .arity = 2, .flags = TTL_FLAGS, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = expiretime_command, .group = "generic",
     .summary = "Get the expiration Unix timestamp for a key", .since = "7.0.0",
     .complexity = "O(1)", .args = KEY_ONLY_ARGS},
    {.name = "pexpiretime", .arity = 2, .flags = TTL_FLAGS, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = pexpiretime_command, .group = "generic",
     .summary = "Get the expiration Unix timestamp for a key in milliseconds",
     .since = "7.0.0", .complexity = "O(1)", .args = KEY_ONLY_ARGS},
    {.name = "persist", .arity = 2, .flags = EXPIRE_FLAGS, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = persist_command, .group = "generic",
     .summary = "Remove the expiration from a key", .since = "2.2.0",
     .complexity = "O(1)", .args = KEY_ONLY_ARGS},
    {0},
};
