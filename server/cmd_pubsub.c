/*
 * cmd_pubsub.c - SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH
 * and PUBSUB CHANNELS|NUMSUB|NUMPAT|HELP, replies as Redis 7.0 (RESP2
 * arrays, RESP3 push types). The registry and delivery are pubsub.c's;
 * the RESP2 subscribed-mode restriction is the dispatcher's (command.c).
 * Sharded pub/sub (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB SHARD*)
 * behaves as Redis 7.0 without a cluster: one more namespace.
 */
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "propagate.h"
#include "pubsub.h"

/* ---- subscribing ---------------------------------------------------------- */

/* [kind, name, count] - name NULL for the null of an UNSUBSCRIBE with
 * nothing to leave. */
static void reply_subscription(struct resp_out *out, const char *kind, const char *name,
                               size_t len, size_t count)
{
    resp_add_push_len(out, 3);
    resp_add_bulk_cstr(out, kind);
    if (name != NULL)
        resp_add_bulk(out, name, len);
    else
        resp_add_null(out);
    resp_add_integer(out, (long long)count);
}

/* The count in the replies: channels plus patterns, or shard channels
 * alone, as Redis 7.0 counts them. */
static size_t subscription_count(const struct client *c, enum pubsub_kind kind)
{
    return kind == PUBSUB_SHARD ? pubsub_client_kind_count(c, PUBSUB_SHARD)
                                : pubsub_client_count(c);
}

static const char *const subscribe_words[PUBSUB_KINDS] = {"subscribe", "psubscribe",
                                                           "ssubscribe"};
static const char *const unsubscribe_words[PUBSUB_KINDS] = {"unsubscribe", "punsubscribe",
                                                             "sunsubscribe"};

/* (Un)subscription confirmations are pushes in Redis 7.0: CLIENT REPLY
 * OFF and SKIP do not hold them back (its CLIENT_PUSHING), in RESP2 too,
 * so a subscriber that turned replies off still hears that it is
 * subscribed, and then its messages. */
static void subscribe_generic(struct cmd_ctx *ctx, enum pubsub_kind kind)
{
    ctx->client->flags |= CLIENT_PUSHING;
    for (size_t i = 1; i < ctx->argc; i++) {
        const struct resp_arg *a = &ctx->argv[i];
        if (pubsub_subscribe(ctx->client, kind, a->ptr, a->len) < 0) {
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            return;
        }
        reply_subscription(ctx->out, subscribe_words[kind], a->ptr, a->len,
                           subscription_count(ctx->client, kind));
    }
}

static void subscribe_command(struct cmd_ctx *ctx)
{
    subscribe_generic(ctx, PUBSUB_CHANNEL);
}

static void psubscribe_command(struct cmd_ctx *ctx)
{
    subscribe_generic(ctx, PUBSUB_PATTERN);
}

static void ssubscribe_command(struct cmd_ctx *ctx)
{
    subscribe_generic(ctx, PUBSUB_SHARD);
}

struct unsub_reply {
    struct resp_out *out;
    enum pubsub_kind kind;
};

static void reply_left_cb(struct client *c, const char *name, size_t len, void *ud)
{
    struct unsub_reply *r = ud;
    reply_subscription(r->out, unsubscribe_words[r->kind], name, len,
                       subscription_count(c, r->kind));
}

static void unsubscribe_generic(struct cmd_ctx *ctx, enum pubsub_kind kind)
{
    struct unsub_reply r = {ctx->out, kind};
    const char *word = unsubscribe_words[kind];
    ctx->client->flags |= CLIENT_PUSHING;
    if (ctx->argc == 1) {
        if (pubsub_unsubscribe_all(ctx->client, kind, reply_left_cb, &r) == 0)
            reply_subscription(ctx->out, word, NULL, 0, subscription_count(ctx->client, kind));
        return;
    }
    for (size_t i = 1; i < ctx->argc; i++) {
        const struct resp_arg *a = &ctx->argv[i];
        pubsub_unsubscribe(ctx->client, kind, a->ptr, a->len);
        reply_subscription(ctx->out, word, a->ptr, a->len, subscription_count(ctx->client, kind));
    }
}

static void unsubscribe_command(struct cmd_ctx *ctx)
{
    unsubscribe_generic(ctx, PUBSUB_CHANNEL);
}

static void punsubscribe_command(struct cmd_ctx *ctx)
{
    unsubscribe_generic(ctx, PUBSUB_PATTERN);
}

static void sunsubscribe_command(struct cmd_ctx *ctx)
{
    unsubscribe_generic(ctx, PUBSUB_SHARD);
}

/* ---- PUBLISH and PUBSUB ------------------------------------------------------- */

/* PUBLISH and SPUBLISH: the replicas publish it too (not the AOF). */
static void publish_generic(struct cmd_ctx *ctx, enum pubsub_kind kind)
{
    const struct resp_arg *ch = &ctx->argv[1], *msg = &ctx->argv[2];
    resp_add_integer(ctx->out, pubsub_publish(ctx->client, kind, ch->ptr, ch->len, msg->ptr,
                                              msg->len));
    propagate_to_replicas(ctx, ctx->argv, ctx->argc);
}

static void publish_command(struct cmd_ctx *ctx)
{
    publish_generic(ctx, PUBSUB_CHANNEL);
}

static void spublish_command(struct cmd_ctx *ctx)
{
    publish_generic(ctx, PUBSUB_SHARD);
}

static void channels_generic(struct cmd_ctx *ctx, enum pubsub_kind kind)
{
    if (ctx->argc > 3) {
        reply_subcommand_syntax_error(ctx);
        return;
    }
    if (ctx->argc == 3)
        pubsub_reply_channels(ctx->out, kind, ctx->argv[2].ptr, ctx->argv[2].len);
    else
        pubsub_reply_channels(ctx->out, kind, NULL, 0);
}

static void pubsub_channels_command(struct cmd_ctx *ctx)
{
    channels_generic(ctx, PUBSUB_CHANNEL);
}

static void pubsub_shardchannels_command(struct cmd_ctx *ctx)
{
    channels_generic(ctx, PUBSUB_SHARD);
}

static void numsub_generic(struct cmd_ctx *ctx, enum pubsub_kind kind)
{
    resp_add_array_len(ctx->out, (ctx->argc - 2) * 2);
    for (size_t i = 2; i < ctx->argc; i++) {
        const struct resp_arg *a = &ctx->argv[i];
        resp_add_bulk(ctx->out, a->ptr, a->len);
        resp_add_integer(ctx->out, (long long)pubsub_numsub(kind, a->ptr, a->len));
    }
}

static void pubsub_numsub_command(struct cmd_ctx *ctx)
{
    numsub_generic(ctx, PUBSUB_CHANNEL);
}

static void pubsub_shardnumsub_command(struct cmd_ctx *ctx)
{
    numsub_generic(ctx, PUBSUB_SHARD);
}

static void pubsub_numpat_command(struct cmd_ctx *ctx)
{
    resp_add_integer(ctx->out, (long long)pubsub_num(PUBSUB_PATTERN));
}

static void pubsub_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        NULL,
    };
    reply_help(ctx, lines);
}

static void pubsub_command(struct cmd_ctx *ctx)
{
    /* Reached only without a subcommand: the container's arity error. */
    reply_wrong_arity(ctx, ctx->cmd);
}

/* ---- the table -------------------------------------------------------------- */

#define SUB_FLAGS (CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static const struct command_arg channel_args[] = {
    {"channel", "string", NULL, COMMAND_ARG_MULTIPLE, NULL}, {0}};
static const struct command_arg opt_channel_args[] = {
    {"channel", "string", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL}, {0}};
static const struct command_arg pattern_block_args[] = {
    {"pattern", "block", NULL, COMMAND_ARG_MULTIPLE,
     (const struct command_arg[]){{"pattern", "pattern", NULL, 0, NULL}, {0}}},
    {0}};
static const struct command_arg opt_pattern_args[] = {
    {"pattern", "pattern", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL}, {0}};

static struct command pubsub_subcommands[] = {
    {.name = "channels", .arity = -2, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE,
     .proc = pubsub_channels_command, .group = "pubsub",
     .summary = "List active channels", .since = "2.8.0",
     .complexity = "O(N) where N is the number of active channels, and assuming constant time "
                   "pattern matching (relatively short channels and patterns)",
     .args = (const struct command_arg[]){{"pattern", "pattern", NULL, COMMAND_ARG_OPTIONAL,
                                          NULL}, {0}}},
    {.name = "numsub", .arity = -2, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE,
     .proc = pubsub_numsub_command, .group = "pubsub",
     .summary = "Get the count of subscribers for channels", .since = "2.8.0",
     .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
     .args = opt_channel_args},
    {.name = "numpat", .arity = 2, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE,
     .proc = pubsub_numpat_command, .group = "pubsub",
     .summary = "Get the count of unique patterns pattern subscriptions", .since = "2.8.0",
     .complexity = "O(1)"},
    {.name = "shardchannels", .arity = -2, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE,
     .proc = pubsub_shardchannels_command, .group = "pubsub",
     .summary = "List active shard channels", .since = "7.0.0",
     .complexity = "O(N) where N is the number of active shard channels, and assuming constant "
                   "time pattern matching (relatively short shard channels).",
     .args = (const struct command_arg[]){{"pattern", "pattern", NULL, COMMAND_ARG_OPTIONAL,
                                          NULL}, {0}}},
    {.name = "shardnumsub", .arity = -2, .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE,
     .proc = pubsub_shardnumsub_command, .group = "pubsub",
     .summary = "Get the count of subscribers for shard channels", .since = "7.0.0",
     .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
                   "shard channels",
     .args = (const struct command_arg[]){{"shardchannel", "string", NULL,
                                          COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},
                                         {0}}},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = pubsub_help_command,
     .group = "pubsub", .summary = "Show helpful text about the different subcommands",
     .since = "6.2.0", .complexity = "O(1)"},
    {0},
};

struct command pubsub_commands[] = {
    {.name = "subscribe", .arity = -2, .flags = SUB_FLAGS, .proc = subscribe_command,
     .group = "pubsub", .summary = "Listen for messages published to the given channels",
     .since = "2.0.0", .complexity = "O(N) where N is the number of channels to subscribe to.",
     .args = channel_args},
    {.name = "unsubscribe", .arity = -1, .flags = SUB_FLAGS, .proc = unsubscribe_command,
     .group = "pubsub", .summary = "Stop listening for messages posted to the given channels",
     .since = "2.0.0", .complexity = "O(N) where N is the number of clients already subscribed "
                                     "to a channel.",
     .args = opt_channel_args},
    {.name = "psubscribe", .arity = -2, .flags = SUB_FLAGS, .proc = psubscribe_command,
     .group = "pubsub",
     .summary = "Listen for messages published to channels matching the given patterns",
     .since = "2.0.0",
     .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
     .args = pattern_block_args},
    {.name = "punsubscribe", .arity = -1, .flags = SUB_FLAGS, .proc = punsubscribe_command,
     .group = "pubsub",
     .summary = "Stop listening for messages posted to channels matching the given patterns",
     .since = "2.0.0",
     .complexity = "O(N+M) where N is the number of patterns the client is already subscribed and "
                   "M is the number of total patterns subscribed in the system (by any client).",
     .args = opt_pattern_args},
    {.name = "publish", .arity = 3,
     .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_MAY_REPLICATE,
     .proc = publish_command, .group = "pubsub", .summary = "Post a message to a channel",
     .since = "2.0.0", .complexity = "O(N+M) where N is the number of clients subscribed to the "
                                     "receiving channel and M is the total number of subscribed "
                                     "patterns (by any client).",
     .args = (const struct command_arg[]){{"channel", "string", NULL, 0, NULL},
                                          {"message", "string", NULL, 0, NULL}, {0}}},
    /* Shard channels are keys to a cluster, not to the keyspace: the
     * positions stay for COMMAND INFO, nothing locks them. */
    {.name = "ssubscribe", .arity = -2, .flags = SUB_FLAGS | CMD_NOT_KEYS, .first_key = 1,
     .last_key = -1, .key_step = 1, .proc = ssubscribe_command, .group = "pubsub",
     .summary = "Listen for messages published to the given shard channels", .since = "7.0.0",
     .complexity = "O(N) where N is the number of shard channels to subscribe to.",
     .args = (const struct command_arg[]){{"shardchannel", "string", NULL,
                                          COMMAND_ARG_MULTIPLE, NULL}, {0}}},
    {.name = "sunsubscribe", .arity = -1, .flags = SUB_FLAGS | CMD_NOT_KEYS, .first_key = 1,
     .last_key = -1, .key_step = 1, .proc = sunsubscribe_command, .group = "pubsub",
     .summary = "Stop listening for messages posted to the given shard channels", .since = "7.0.0",
     .complexity = "O(N) where N is the number of clients already subscribed to a shard "
                   "channel.",
     .args = (const struct command_arg[]){{"shardchannel", "string", NULL,
                                          COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},
                                         {0}}},
    {.name = "spublish", .arity = 3,
     .flags = CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOT_KEYS | CMD_MAY_REPLICATE, .first_key = 1,
     .last_key = 1, .key_step = 1, .proc = spublish_command, .group = "pubsub",
     .summary = "Post a message to a shard channel", .since = "7.0.0",
     .complexity = "O(N) where N is the number of clients subscribed to the receiving shard "
                   "channel.",
     .args = (const struct command_arg[]){{"shardchannel", "string", NULL, 0, NULL},
                                          {"message", "string", NULL, 0, NULL}, {0}}},
    {.name = "pubsub", .arity = -2, .flags = 0, .proc = pubsub_command, .group = "pubsub",
     .summary = "A container for Pub/Sub commands", .since = "2.8.0",
     .complexity = "Depends on subcommand.", .subcommands = pubsub_subcommands},
    {0},
};
