/*
 * cmd_script.c - EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (LOAD,
 * EXISTS, FLUSH, KILL, DEBUG, HELP), with Redis 7.0's replies and texts.
 *
 * The dispatcher takes the script lock for these (CMD_SCRIPT) before any
 * shard lock, and locks the shards of the declared keys (numkeys_arg), so
 * a handler here runs alone among scripts, with KEYS already held.
 * SCRIPT KILL is the exception: it must work while a script holds the
 * lock.
 */
#include <string.h>

#include "command.h"
#include "script.h"
#include "script_lua.h"

static void eval_command(struct cmd_ctx *ctx)
{
    script_lua_eval(ctx, false, false);
}

static void evalsha_command(struct cmd_ctx *ctx)
{
    script_lua_eval(ctx, true, false);
}

static void eval_ro_command(struct cmd_ctx *ctx)
{
    script_lua_eval(ctx, false, true);
}

static void evalsha_ro_command(struct cmd_ctx *ctx)
{
    script_lua_eval(ctx, true, true);
}

/* Redis's evalGetCommandFlags: the script's own flags decide. */
static uint32_t eval_line_flags(const struct client *c, const struct resp_arg *argv, size_t argc,
                                uint32_t flags)
{
    (void)c;
    (void)argc;
    return script_lua_line_flags(&argv[1], false, flags);
}

static uint32_t evalsha_line_flags(const struct client *c, const struct resp_arg *argv,
                                   size_t argc, uint32_t flags)
{
    (void)c;
    (void)argc;
    return script_lua_line_flags(&argv[1], true, flags);
}

/* ---- SCRIPT ------------------------------------------------------------------------ */

static void script_load_command(struct cmd_ctx *ctx)
{
    char sha[SHA1_HEX_LEN + 1];
    if (script_lua_load(ctx, &ctx->argv[2], sha))
        resp_add_bulk(ctx->out, sha, SHA1_HEX_LEN);
}

static void script_exists_command(struct cmd_ctx *ctx)
{
    resp_add_array_len(ctx->out, ctx->argc - 2);
    for (size_t i = 2; i < ctx->argc; i++)
        resp_add_integer(ctx->out, script_lua_exists(&ctx->argv[i]));
}

/* SCRIPT FLUSH [ASYNC|SYNC]: both free the Lua state at once (it is small
 * next to a database, and the next script needs a fresh one). */
static void script_flush_command(struct cmd_ctx *ctx)
{
    if (ctx->argc == 3 && !arg_is(&ctx->argv[2], "sync") && !arg_is(&ctx->argv[2], "async")) {
        resp_add_error(ctx->out, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        return;
    }
    if (ctx->argc > 3) {
        reply_wrong_arity(ctx, ctx->cmd);
        return;
    }
    script_lua_flush();
    resp_add_ok(ctx->out);
}

static void script_kill_command(struct cmd_ctx *ctx)
{
    const char *reply = script_kill(false);
    if (strcmp(reply, "OK") == 0)
        resp_add_ok(ctx->out);
    else
        resp_add_errorf(ctx->out, "-%s", reply);
}

/* Grove offers no Lua debugger: turning it off is all SCRIPT DEBUG does. */
static void script_debug_command(struct cmd_ctx *ctx)
{
    if (arg_is(&ctx->argv[2], "no"))
        resp_add_ok(ctx->out);
    else if (arg_is(&ctx->argv[2], "yes") || arg_is(&ctx->argv[2], "sync"))
        resp_add_error(ctx->out, "ERR Grove has no Lua debugger: SCRIPT DEBUG YES and SYNC are "
                                 "not supported");
    else
        resp_add_error(ctx->out, "ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

static void script_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        NULL,
    };
    reply_help(ctx, lines);
}

/* ---- the table -------------------------------------------------------------------------- */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define EVAL_ARGS(...)                                                                         \
    ARGS(__VA_ARGS__, {"numkeys", "integer", NULL, 0, NULL},                                   \
         {"key", "key", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},              \
         {"arg", "string", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL})
#define EVAL_FLAGS \
    (CMD_NOSCRIPT | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_STALE | CMD_SCRIPT)
#define EVAL_CX "Depends on the script that is executed."
#define SCRIPT_FLAGS (CMD_NOSCRIPT | CMD_SCRIPT)

static struct command script_subcommands[] = {
    {.name = "debug", .arity = 3, .flags = SCRIPT_FLAGS, .proc = script_debug_command,
     .group = "scripting", .acl = ACL_SCRIPTING, .summary = "Set the debug mode for executed scripts.",
     .since = "3.2.0", .complexity = "O(1)",
     .args = ARGS({"mode", "oneof", NULL, 0, (const struct command_arg[]){
         {"yes", "pure-token", "YES", 0, NULL}, {"sync", "pure-token", "SYNC", 0, NULL},
         {"no", "pure-token", "NO", 0, NULL}, {0}}})},
    {.name = "exists", .arity = -3, .flags = SCRIPT_FLAGS, .proc = script_exists_command,
     .group = "scripting", .acl = ACL_SCRIPTING, .summary = "Check existence of scripts in the script cache.",
     .since = "2.6.0", .complexity = "O(N) with N being the number of scripts to check (so "
                                     "checking a single script is an O(1) operation).",
     .args = ARGS({"sha1", "string", NULL, COMMAND_ARG_MULTIPLE, NULL})},
    {.name = "flush", .arity = -2, .flags = SCRIPT_FLAGS | CMD_MAY_REPLICATE,
     .proc = script_flush_command, .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Remove all the scripts from the script cache.", .since = "2.6.0",
     .complexity = "O(N) with N being the number of scripts in cache",
     .args = ARGS({"async", "oneof", NULL, COMMAND_ARG_OPTIONAL,
                   (const struct command_arg[]){{"async", "pure-token", "ASYNC", 0, NULL},
                                                {"sync", "pure-token", "SYNC", 0, NULL},
                                                {0}}})},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = script_help_command,
     .group = "scripting", .acl = ACL_SCRIPTING, .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    {.name = "kill", .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .proc = script_kill_command, .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Kill the script currently in execution.", .since = "2.6.0",
     .complexity = "O(1)"},
    {.name = "load", .arity = 3, .flags = SCRIPT_FLAGS | CMD_STALE, .proc = script_load_command,
     .group = "scripting", .acl = ACL_SCRIPTING, .summary = "Load the specified Lua script into the script cache.",
     .since = "2.6.0", .complexity = "O(N) with N being the length in bytes of the script body.",
     .args = ARGS({"script", "string", NULL, 0, NULL})},
    {0},
};

struct command scripting_commands[] = {
    {.name = "eval", .arity = -3, .flags = EVAL_FLAGS | CMD_MAY_REPLICATE, .numkeys_arg = 2,
     .line_flags = eval_line_flags, .proc = eval_command,
     .group = "scripting", .acl = ACL_SCRIPTING, .summary = "Execute a Lua script server side", .since = "2.6.0",
     .complexity = EVAL_CX, .args = EVAL_ARGS({"script", "string", NULL, 0, NULL})},
    {.name = "evalsha", .arity = -3, .flags = EVAL_FLAGS | CMD_MAY_REPLICATE, .numkeys_arg = 2,
     .line_flags = evalsha_line_flags, .proc = evalsha_command,
     .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Execute a Lua script server side", .since = "2.6.0", .complexity = EVAL_CX,
     .args = EVAL_ARGS({"sha1", "string", NULL, 0, NULL})},
    {.name = "eval_ro", .arity = -3, .flags = EVAL_FLAGS | CMD_READONLY, .numkeys_arg = 2,
     .line_flags = eval_line_flags, .proc = eval_ro_command,
     .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Execute a read-only Lua script server side", .since = "7.0.0",
     .complexity = EVAL_CX, .args = EVAL_ARGS({"script", "string", NULL, 0, NULL})},
    {.name = "evalsha_ro", .arity = -3, .flags = EVAL_FLAGS | CMD_READONLY, .numkeys_arg = 2,
     .line_flags = evalsha_line_flags, .proc = evalsha_ro_command,
     .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Execute a read-only Lua script server side", .since = "7.0.0",
     .complexity = EVAL_CX, .args = EVAL_ARGS({"sha1", "string", NULL, 0, NULL})},
    {.name = "script", .arity = -2, .proc = NULL, .group = "scripting",
     .summary = "A container for Lua scripts management commands", .since = "2.6.0",
     .complexity = "Depends on subcommand.", .subcommands = script_subcommands},
    {0},
};
