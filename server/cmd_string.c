/*
 * cmd_string.c - the string commands.
 */
#include <string.h>

#include "command.h"
#include "keyspace.h"
#include "server.h"

/* Reply with a string object's bytes. */
static void reply_string(struct cmd_ctx *ctx, const struct object *o)
{
    char scratch[OBJECT_INT_BUFSIZE];
    const char *ptr;
    size_t len;
    object_string_view(o, scratch, &ptr, &len);
    resp_add_bulk(ctx->out, ptr, len);
}

static void get_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    cmd_key(ctx, 1, &k);
    struct hashmap_entry *e = keyspace_find(k.shard, &k.key, ctx->now_ms, KEYSPACE_LOOKUP_COUNT);
    if (e == NULL) {
        resp_add_null(ctx->out);
        return;
    }
    const struct object *o = keyspace_object(e);
    if (object_type(o) != OBJECT_STRING) {
        reply_wrongtype(ctx);
        return;
    }
    reply_string(ctx, o);
}

static void set_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    cmd_key(ctx, 1, &k);
    if (ctx->argc != 3) {
        reply_syntax_error(ctx);
        return;
    }
    int rc = keyspace_set_string(k.shard, &k.key, ctx->argv[2].ptr, ctx->argv[2].len,
                                 OBJECT_STR_TRY, KEYSPACE_TTL_NONE, ctx->now_ms, NULL);
    if (rc < 0)
        resp_add_error(ctx->out, "ERR out of memory");
    else
        resp_add_ok(ctx->out);
}

struct command string_commands[] = {
    {.name = "get", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = get_command, .group = "string",
     .summary = "Returns the string value of a key.", .since = "1.0.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"key", "key", NULL, 0, NULL}, {0}}},
    {.name = "set", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = set_command, .group = "string",
     .summary = "Sets the string value of a key, ignoring its type. The key is created if it "
                "doesn't exist.",
     .since = "1.0.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"key", "key", NULL, 0, NULL},
                                          {"value", "string", NULL, 0, NULL}, {0}}},
    {0},
};
