/*
 * cmd_blocking.c - the blocking list and sorted-set commands: BLPOP,
 * BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP; and WAIT.
 *
 * Each is its non-blocking command plus waiting: when one of its keys
 * holds data the non-blocking command runs at once (LPOP, LMOVE, LMPOP,
 * ZPOPMIN, ZMPOP) and its reply is wrapped as Redis's blocking command
 * replies; otherwise the client blocks (blocking.h) until a write on any
 * loop gives one of the keys a value of the right type, the timeout
 * passes, or CLIENT UNBLOCK. Inside EXEC a blocking command never blocks:
 * it answers as if the timeout had passed at once, as Redis does.
 *
 * Replies, timeouts and error texts follow Redis 7.0.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "blocking.h"
#include "command.h"
#include "keyspace.h"
#include "repl_replica.h"
#include "replication.h"
#include "server.h"

/* ---- arguments ----------------------------------------------------------------- */

/* Redis 7.0's getTimeoutFromObjectOrReply in seconds: a long double,
 * times 1000 rounded up to whole milliseconds, so any timeout above 0
 * times out (0.001 is 1 ms even when 0.001 * 1000 comes out a hair under
 * 1, and 0.0001 is 1 ms too); a value out of range converts to a negative
 * number there, and is "negative" here too. A deadline past the end of
 * time never comes. */
static bool parse_timeout(struct cmd_ctx *ctx, const struct resp_arg *arg, long long *deadline)
{
    long double seconds;
    if (!resp_str_to_long_double(arg->ptr, arg->len, &seconds)) {
        resp_add_error(ctx->out, "ERR timeout is not a float or out of range");
        return false;
    }
    long double ms = ceill(seconds * 1000.0L);
    if (!(ms > -9.2e18L && ms < 9.2e18L) || (long long)ms < 0) {
        resp_add_error(ctx->out, "ERR timeout is negative");
        return false;
    }
    long long t = (long long)ms;
    *deadline = t == 0 ? 0 : t > LLONG_MAX - ctx->now_ms ? 0 : ctx->now_ms + t;
    return true;
}

static bool parse_side(struct cmd_ctx *ctx, const struct resp_arg *arg, const char **side)
{
    if (arg_is(arg, "left"))
        *side = "left";
    else if (arg_is(arg, "right"))
        *side = "right";
    else {
        reply_syntax_error(ctx);
        return false;
    }
    return true;
}

static const struct command *command_named(const char *name)
{
    return command_by_own_name(name, strlen(name));
}

/* Wait on `req`, or, where this client may not block, answer as a timeout. */
static void block_or_answer(struct cmd_ctx *ctx, const struct blocking_request *req)
{
    if (!blocking_allowed(ctx->client)) {
        if (req->null_bulk)
            resp_add_null(ctx->out);
        else
            resp_add_null_array(ctx->out);
        return;
    }
    if (blocking_block(ctx, req) < 0)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
}

/* ---- BLPOP BRPOP BZPOPMIN BZPOPMAX -------------------------------------------------- */

/* key [key ...] timeout: the first key holding a value is popped from
 * (by `pop`, e.g. LPOP) at once; a key of another type is WRONGTYPE. The
 * names are upper case: the AOF records the serving command as Redis
 * 7.0 does ("LPOP key"). */
static void pop_first(struct cmd_ctx *ctx, enum object_type type, const char *pop,
                      enum blocking_reply how)
{
    long long deadline;
    if (!parse_timeout(ctx, &ctx->argv[ctx->argc - 1], &deadline))
        return;
    const struct command *serve = command_named(pop);
    for (size_t i = 1; i < ctx->argc - 1; i++) {
        struct cmd_key k;
        cmd_key(ctx, i, &k);
        struct hashmap_entry *e = cmd_find(ctx, &k, 0);
        if (e == NULL)
            continue;
        if (object_type(keyspace_object(e)) != type) {
            reply_wrongtype(ctx);
            return;
        }
        struct resp_arg argv[2] = {{pop, strlen(pop)}, ctx->argv[i]};
        blocking_serve_now(ctx, serve, argv, 2, 1, how);
        return;
    }
    struct resp_arg argv[2] = {{pop, strlen(pop)}, ctx->argv[1]};
    struct blocking_request req = {
        .type = type, .serve = serve, .argv = argv, .argc = 2, .key_arg = 1, .reply = how,
        .keys = &ctx->argv[1], .nkeys = ctx->argc - 2, .deadline_ms = deadline,
    };
    block_or_answer(ctx, &req);
}

static void blpop_command(struct cmd_ctx *ctx)
{
    pop_first(ctx, OBJECT_LIST, "LPOP", BLOCKING_REPLY_KEY_VALUE);
}

static void brpop_command(struct cmd_ctx *ctx)
{
    pop_first(ctx, OBJECT_LIST, "RPOP", BLOCKING_REPLY_KEY_VALUE);
}

static void bzpopmin_command(struct cmd_ctx *ctx)
{
    pop_first(ctx, OBJECT_ZSET, "ZPOPMIN", BLOCKING_REPLY_KEY_FLAT);
}

static void bzpopmax_command(struct cmd_ctx *ctx)
{
    pop_first(ctx, OBJECT_ZSET, "ZPOPMAX", BLOCKING_REPLY_KEY_FLAT);
}

/* ---- BLMOVE BRPOPLPUSH ---------------------------------------------------------- */

/* `now` runs at once when the source holds a list, `later` serves the
 * client once it waits; each is what the AOF and the replicas get, as
 * Redis propagates them: BRPOPLPUSH as RPOPLPUSH, BLMOVE as LMOVE with
 * the client's own sides, or Redis's lower-case ones once it waited. */
static void move_generic(struct cmd_ctx *ctx, struct resp_arg *now, struct resp_arg *later,
                         size_t argc, const struct resp_arg *timeout)
{
    long long deadline;
    if (!parse_timeout(ctx, timeout, &deadline))
        return;
    const struct command *serve = command_named(now[0].ptr);
    struct cmd_key src;
    cmd_key(ctx, 1, &src);
    struct hashmap_entry *e = cmd_find(ctx, &src, 0);
    if (e != NULL && object_type(keyspace_object(e)) != OBJECT_LIST) {
        reply_wrongtype(ctx);
        return;
    }
    if (e != NULL) {
        blocking_serve_now(ctx, serve, now, argc, 1, BLOCKING_REPLY_AS_IS);
        return;
    }
    struct blocking_request req = {
        .type = OBJECT_LIST, .serve = serve, .argv = later, .argc = argc, .key_arg = 1,
        .reply = BLOCKING_REPLY_AS_IS, .null_bulk = true, .keys = &ctx->argv[1], .nkeys = 1,
        .deadline_ms = deadline,
    };
    block_or_answer(ctx, &req);
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
static void blmove_command(struct cmd_ctx *ctx)
{
    const char *from, *to;
    if (!parse_side(ctx, &ctx->argv[3], &from) || !parse_side(ctx, &ctx->argv[4], &to))
        return;
    struct resp_arg now[5] = {{"LMOVE", 5}, ctx->argv[1], ctx->argv[2], ctx->argv[3], ctx->argv[4]};
    struct resp_arg later[5] = {now[0], now[1], now[2], {from, strlen(from)}, {to, strlen(to)}};
    move_generic(ctx, now, later, 5, &ctx->argv[5]);
}

/* BRPOPLPUSH source destination timeout */
static void brpoplpush_command(struct cmd_ctx *ctx)
{
    struct resp_arg argv[3] = {{"RPOPLPUSH", 9}, ctx->argv[1], ctx->argv[2]};
    move_generic(ctx, argv, argv, 3, &ctx->argv[3]);
}

/* ---- BLMPOP BZMPOP -------------------------------------------------------------------- */

static bool is_null_array(const struct resp_out *o)
{
    return (o->len == 5 && memcmp(o->data, "*-1\r\n", 5) == 0) ||
           (o->len == 3 && memcmp(o->data, "_\r\n", 3) == 0);
}

/* timeout numkeys key [key ...] <side> [COUNT n]: the non-blocking form
 * (LMPOP, ZMPOP: these arguments from numkeys on) checks them all and
 * pops when it can. Its null array means every key was empty: then the
 * client waits, with `LMPOP 1 <key> <side> [COUNT n]` serving it. */
static void mpop_generic(struct cmd_ctx *ctx, enum object_type type, const char *mpop)
{
    long long deadline;
    if (!parse_timeout(ctx, &ctx->argv[1], &deadline))
        return;
    const struct command *serve = command_named(mpop);
    struct resp_arg timeout = ctx->argv[1];
    struct resp_out body;
    resp_out_init(&body, ctx->out->proto);
    ctx->argv[1] = (struct resp_arg){mpop, strlen(mpop)}; /* argv + 1 is the LMPOP line */
    command__run_held(ctx->client, &body, serve, ctx->argv + 1, ctx->argc - 1, ctx->now_ms);
    ctx->argv[1] = timeout;
    if (!is_null_array(&body)) {
        resp_add_raw(ctx->out, body.data, body.len);
        resp_out_deinit(&body);
        return;
    }
    resp_out_deinit(&body);
    long long numkeys;
    arg_to_ll(&ctx->argv[2], &numkeys); /* the non-blocking form accepted it */
    size_t tail = 3 + (size_t)numkeys, ntail = ctx->argc - tail;
    struct resp_arg argv[6] = {{mpop, strlen(mpop)}, {"1", 1}, ctx->argv[3]};
    for (size_t i = 0; i < ntail && i < 3; i++)
        argv[3 + i] = ctx->argv[tail + i];
    struct blocking_request req = {
        .type = type, .serve = serve, .argv = argv, .argc = 3 + ntail, .key_arg = 2,
        .reply = BLOCKING_REPLY_AS_IS, .keys = &ctx->argv[3], .nkeys = (size_t)numkeys,
        .deadline_ms = deadline,
    };
    block_or_answer(ctx, &req);
}

static void blmpop_command(struct cmd_ctx *ctx)
{
    mpop_generic(ctx, OBJECT_LIST, "lmpop");
}

static void bzmpop_command(struct cmd_ctx *ctx)
{
    mpop_generic(ctx, OBJECT_ZSET, "zmpop");
}

/* ---- WAIT -------------------------------------------------------------------------- */

/* WAIT numreplicas timeout: the replicas that acknowledged the stream up
 * to the client's own last write (all of them when it wrote nothing yet),
 * as Redis counts them. Enough already, or where it may not block:
 * their count at once; else it blocks, the replicas are asked for acks,
 * and it answers once enough came, at the timeout (0: never) or CLIENT
 * UNBLOCK. */
static void wait_command(struct cmd_ctx *ctx)
{
    long long numreplicas, ms;
    if (repl_replica_on()) {
        resp_add_error(ctx->out, "ERR WAIT cannot be used with replica instances. Please also "
                                 "note that since Redis 4.0 if a replica is configured to be "
                                 "writable (which is not the default) writes to replicas are "
                                 "just local and are not propagated.");
        return;
    }
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[1], &numreplicas) ||
        !arg_to_timeout_ms_or_reply(ctx, &ctx->argv[2], &ms))
        return;
    long long offset = ctx->client->woff;
    long long acked = repl_count_acked(offset);
    if (acked >= numreplicas || !blocking_allowed(ctx->client)) {
        resp_add_integer(ctx->out, acked);
        return;
    }
    struct blocking_request req = {.reply = BLOCKING_REPLY_ACKS, .wait_offset = offset,
                                   .deadline_ms = ms > 0 ? ctx->now_ms + ms : 0};
    if (blocking_block(ctx, &req) < 0 ||
        repl_wait_register(ctx->client, offset, numreplicas) < 0)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
}

/* ---- the table ------------------------------------------------------------------------ */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define KEYS_ARG {"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL}
#define TIMEOUT_ARG {"timeout", "double", NULL, 0, NULL}
#define COUNT_ARG {"count", "integer", "COUNT", COMMAND_ARG_OPTIONAL, NULL}
#define BLOCKING_FLAGS (CMD_WRITE | CMD_NOSCRIPT | CMD_BLOCKING)

static const struct command_arg side_oneof[] = {
    {"left", "pure-token", "LEFT", 0, NULL}, {"right", "pure-token", "RIGHT", 0, NULL}, {0}};
static const struct command_arg minmax_oneof[] = {
    {"min", "pure-token", "MIN", 0, NULL}, {"max", "pure-token", "MAX", 0, NULL}, {0}};

struct command blocking_commands[] = {
    {.name = "wait", .arity = 3, .flags = CMD_NOSCRIPT, .proc = wait_command,
     .group = "generic", .acl = ACL_CONNECTION,
     .summary = "Wait for the synchronous replication of all the write commands sent in the "
                "context of the current connection",
     .since = "3.0.0", .complexity = "O(1)",
     .args = ARGS({"numreplicas", "integer", NULL, 0, NULL},
                  {"timeout", "integer", NULL, 0, NULL})},
    {.name = "blpop", .arity = -3, .flags = BLOCKING_FLAGS, .first_key = 1, .last_key = -2,
     .key_step = 1, .proc = blpop_command, .group = "list", .acl = ACL_LIST,
     .summary = "Remove and get the first element in a list, or block until one is available",
     .since = "2.0.0", .complexity = "O(N) where N is the number of provided keys.",
     .args = ARGS(KEYS_ARG, TIMEOUT_ARG)},
    {.name = "brpop", .arity = -3, .flags = BLOCKING_FLAGS, .first_key = 1, .last_key = -2,
     .key_step = 1, .proc = brpop_command, .group = "list", .acl = ACL_LIST,
     .summary = "Remove and get the last element in a list, or block until one is available",
     .since = "2.0.0", .complexity = "O(N) where N is the number of provided keys.",
     .args = ARGS(KEYS_ARG, TIMEOUT_ARG)},
    {.name = "brpoplpush", .arity = 4, .flags = BLOCKING_FLAGS | CMD_DENYOOM, .first_key = 1,
     .last_key = 2, .key_step = 1, .proc = brpoplpush_command, .group = "list",
     .acl = ACL_LIST,
     .summary = "Pop an element from a list, push it to another list and return it; or block "
                "until one is available",
     .since = "2.2.0", .complexity = "O(1)",
     .args = ARGS({"source", "key", NULL, 0, NULL}, {"destination", "key", NULL, 0, NULL},
                  TIMEOUT_ARG)},
    {.name = "blmove", .arity = 6, .flags = BLOCKING_FLAGS | CMD_DENYOOM, .first_key = 1,
     .last_key = 2, .key_step = 1, .proc = blmove_command, .group = "list", .acl = ACL_LIST,
     .summary = "Pop an element from a list, push it to another list and return it; or block "
                "until one is available",
     .since = "6.2.0", .complexity = "O(1)",
     .args = ARGS({"source", "key", NULL, 0, NULL}, {"destination", "key", NULL, 0, NULL},
                  {"wherefrom", "oneof", NULL, 0, side_oneof},
                  {"whereto", "oneof", NULL, 0, side_oneof}, TIMEOUT_ARG)},
    {.name = "blmpop", .arity = -5, .flags = CMD_WRITE | CMD_BLOCKING, .numkeys_arg = 2,
     .proc = blmpop_command, .group = "list", .acl = ACL_LIST,
     .summary = "Pop elements from a list, or block until one is available", .since = "7.0.0",
     .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                   "elements returned.",
     .args = ARGS(TIMEOUT_ARG, {"numkeys", "integer", NULL, 0, NULL}, KEYS_ARG,
                  {"where", "oneof", NULL, 0, side_oneof}, COUNT_ARG)},
    {.name = "bzpopmin", .arity = -3, .flags = BLOCKING_FLAGS | CMD_FAST, .first_key = 1,
     .last_key = -2, .key_step = 1, .proc = bzpopmin_command, .group = "sorted-set",
     .acl = ACL_SORTEDSET,
     .summary = "Remove and return the member with the lowest score from one or more sorted "
                "sets, or block until one is available",
     .since = "5.0.0", .complexity = "O(log(N)) with N being the number of elements in the "
                                     "sorted set.",
     .args = ARGS(KEYS_ARG, TIMEOUT_ARG)},
    {.name = "bzpopmax", .arity = -3, .flags = BLOCKING_FLAGS | CMD_FAST, .first_key = 1,
     .last_key = -2, .key_step = 1, .proc = bzpopmax_command, .group = "sorted-set",
     .acl = ACL_SORTEDSET,
     .summary = "Remove and return the member with the highest score from one or more sorted "
                "sets, or block until one is available",
     .since = "5.0.0", .complexity = "O(log(N)) with N being the number of elements in the "
                                     "sorted set.",
     .args = ARGS(KEYS_ARG, TIMEOUT_ARG)},
    {.name = "bzmpop", .arity = -5, .flags = CMD_WRITE | CMD_BLOCKING, .numkeys_arg = 2,
     .proc = bzmpop_command, .group = "sorted-set", .acl = ACL_SORTEDSET,
     .summary = "Remove and return members with scores in a sorted set or block until one is "
                "available",
     .since = "7.0.0", .complexity = "O(K) + O(M*log(N)) where K is the number of provided "
                                     "keys, N being the number of elements in the sorted set, "
                                     "and M being the number of elements popped.",
     .args = ARGS(TIMEOUT_ARG, {"numkeys", "integer", NULL, 0, NULL}, KEYS_ARG,
                  {"where", "oneof", NULL, 0, minmax_oneof}, COUNT_ARG)},
    {0},
};
