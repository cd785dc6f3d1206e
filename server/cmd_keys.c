/*
 * cmd_keys.c - the generic key commands.
 */
#include "command.h"
#include "keyspace.h"

static void del_command(struct cmd_ctx *ctx)
{
    long long deleted = 0;
    for (size_t i = 1; i < ctx->argc; i++) {
        struct cmd_key k;
        cmd_key(ctx, i, &k);
        deleted += keyspace_delete(k.shard, &k.key, ctx->now_ms);
    }
    resp_add_integer(ctx->out, deleted);
}

static void exists_command(struct cmd_ctx *ctx)
{
    long long found = 0;
    for (size_t i = 1; i < ctx->argc; i++) {
        struct cmd_key k;
        cmd_key(ctx, i, &k);
        found += keyspace_find(k.shard, &k.key, ctx->now_ms, KEYSPACE_LOOKUP_NOTOUCH) != NULL;
    }
    resp_add_integer(ctx->out, found);
}

struct command keyspace_commands[] = {
    {.name = "del", .arity = -2, .flags = CMD_WRITE, .first_key = 1, .last_key = -1,
     .key_step = 1, .proc = del_command, .group = "generic", .summary = "Deletes one or more keys.",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys that will be removed.",
     .args = (const struct command_arg[]){{"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL}, {0}}},
    {.name = "exists", .arity = -2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1,
     .last_key = -1, .key_step = 1, .proc = exists_command, .group = "generic",
     .summary = "Determines whether one or more keys exist.", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to check.",
     .args = (const struct command_arg[]){{"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL}, {0}}},
    {0},
};
