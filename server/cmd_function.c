/*
 * cmd_function.c - FUNCTION (LOAD, DELETE, LIST, FLUSH, DUMP, RESTORE,
 * STATS, KILL, HELP), FCALL and FCALL_RO, with Redis 7.0's replies and
 * texts; the work is in function.c.
 *
 * The dispatcher takes the script lock for the subcommands that touch the
 * libraries or run one (CMD_SCRIPT), and locks FCALL's declared keys
 * (numkeys_arg). STATS and KILL take no lock: they must answer while a
 * function holds it.
 */
#include <string.h>

#include "command.h"
#include "function.h"
#include "script.h"

static void fcall_command(struct cmd_ctx *ctx)
{
    function_call(ctx, false);
}

static void fcall_ro_command(struct cmd_ctx *ctx)
{
    function_call(ctx, true);
}

static uint32_t fcall_line_flags(const struct client *c, const struct resp_arg *argv, size_t argc,
                                 uint32_t flags)
{
    (void)c;
    (void)argc;
    return function_line_flags(&argv[1], flags);
}

/* FUNCTION LOAD [REPLACE] code: options before the last argument. */
static void function_load_command(struct cmd_ctx *ctx)
{
    bool replace = false;
    for (size_t i = 2; i < ctx->argc - 1; i++) {
        if (!arg_is(&ctx->argv[i], "replace")) {
            resp_add_errorf(ctx->out, "ERR Unknown option given: %.*s", (int)ctx->argv[i].len,
                            ctx->argv[i].ptr);
            return;
        }
        replace = true;
    }
    function_load(ctx, &ctx->argv[ctx->argc - 1], replace);
}

static void function_delete_command(struct cmd_ctx *ctx)
{
    function_delete(ctx, &ctx->argv[2]);
}

/* FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE], each at most once. */
static void function_list_command(struct cmd_ctx *ctx)
{
    bool with_code = false;
    const struct resp_arg *pattern = NULL;
    for (size_t i = 2; i < ctx->argc; i++) {
        if (!with_code && arg_is(&ctx->argv[i], "withcode")) {
            with_code = true;
        } else if (pattern == NULL && arg_is(&ctx->argv[i], "libraryname")) {
            if (i + 1 >= ctx->argc) {
                resp_add_error(ctx->out, "ERR library name argument was not given");
                return;
            }
            pattern = &ctx->argv[++i];
        } else {
            resp_add_errorf(ctx->out, "ERR Unknown argument %.*s", (int)ctx->argv[i].len,
                            ctx->argv[i].ptr);
            return;
        }
    }
    function_list(ctx, pattern, with_code);
}

/* FUNCTION FLUSH [ASYNC|SYNC]: both free at once (the libraries and their
 * Lua state are small next to a database). */
static void function_flush_command(struct cmd_ctx *ctx)
{
    if (ctx->argc > 3) {
        reply_subcommand_syntax_error(ctx);
        return;
    }
    if (ctx->argc == 3 && !arg_is(&ctx->argv[2], "sync") && !arg_is(&ctx->argv[2], "async")) {
        resp_add_error(ctx->out, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    function_flush();
    resp_add_ok(ctx->out);
}

static void function_dump_command(struct cmd_ctx *ctx)
{
    function_dump(ctx);
}

static void function_restore_command(struct cmd_ctx *ctx)
{
    enum function_restore_policy policy = FUNCTION_RESTORE_APPEND;
    if (ctx->argc > 4) {
        reply_subcommand_syntax_error(ctx);
        return;
    }
    if (ctx->argc == 4) {
        if (arg_is(&ctx->argv[3], "append")) {
            policy = FUNCTION_RESTORE_APPEND;
        } else if (arg_is(&ctx->argv[3], "replace")) {
            policy = FUNCTION_RESTORE_REPLACE;
        } else if (arg_is(&ctx->argv[3], "flush")) {
            policy = FUNCTION_RESTORE_FLUSH;
        } else {
            resp_add_error(ctx->out, "ERR Wrong restore policy given, value should be either "
                                     "FLUSH, APPEND or REPLACE.");
            return;
        }
    }
    function_restore(ctx, &ctx->argv[2], policy);
}

/* running_script: name, command (the caller's line), duration_ms. */
static void reply_running(const char *name, const struct resp_arg *argv, size_t argc,
                          long long duration_ms, void *ud)
{
    struct cmd_ctx *ctx = ud;
    resp_add_map_len(ctx->out, 3);
    resp_add_bulk_cstr(ctx->out, "name");
    resp_add_bulk_cstr(ctx->out, name);
    resp_add_bulk_cstr(ctx->out, "command");
    resp_add_array_len(ctx->out, argc);
    for (size_t i = 0; i < argc; i++)
        resp_add_bulk(ctx->out, argv[i].ptr, argv[i].len);
    resp_add_bulk_cstr(ctx->out, "duration_ms");
    resp_add_integer(ctx->out, duration_ms);
}

/* The running script's part is built first, in its own buffer, so that
 * an EVAL found running can still be answered with BUSY alone. */
static void function_stats_command(struct cmd_ctx *ctx)
{
    struct resp_out running;
    resp_out_init(&running, ctx->out->proto);
    struct cmd_ctx sub = *ctx;
    sub.out = &running;
    int found = script_running_info(reply_running, &sub);
    if (found < 0) {
        resp_add_error(ctx->out, script_busy_error());
    } else {
        resp_add_map_len(ctx->out, 2);
        resp_add_bulk_cstr(ctx->out, "running_script");
        if (found == 0)
            resp_add_null(ctx->out);
        else
            resp_add_raw(ctx->out, running.data, running.len);
        resp_add_bulk_cstr(ctx->out, "engines");
        resp_add_map_len(ctx->out, 1);
        resp_add_bulk_cstr(ctx->out, "LUA");
        resp_add_map_len(ctx->out, 2);
        resp_add_bulk_cstr(ctx->out, "libraries_count");
        resp_add_integer(ctx->out, (long long)function_library_count());
        resp_add_bulk_cstr(ctx->out, "functions_count");
        resp_add_integer(ctx->out, (long long)function_count());
    }
    resp_out_deinit(&running);
}

static void function_kill_command(struct cmd_ctx *ctx)
{
    const char *reply = script_kill(true);
    if (strcmp(reply, "OK") == 0)
        resp_add_ok(ctx->out);
    else
        resp_add_errorf(ctx->out, "-%s", reply);
}

static void function_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME "
        "argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored "
        "using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a "
        "restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
        "abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
        "replace the old",
        "      libraries with the new libraries (notice that even on this option there is a "
        "chance of failure",
        "      in case of functions name collision with another library).",
        NULL,
    };
    reply_help(ctx, lines);
}

/* ---- the table -------------------------------------------------------------------------- */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define FCALL_ARGS                                                                             \
    ARGS({"function", "string", NULL, 0, NULL}, {"numkeys", "integer", NULL, 0, NULL},         \
         {"key", "key", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},              \
         {"arg", "string", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL})
#define FCALL_FLAGS                                                                            \
    (CMD_NOSCRIPT | CMD_STALE | CMD_SKIP_MONITOR | CMD_NO_MANDATORY_KEYS | CMD_SCRIPT)
#define FCALL_CX "Depends on the function that is executed."
#define CHANGE_FLAGS (CMD_WRITE | CMD_NOSCRIPT | CMD_SCRIPT)

static struct command function_subcommands[] = {
    {.name = "delete", .arity = 3, .flags = CHANGE_FLAGS, .proc = function_delete_command,
     .group = "scripting", .acl = ACL_SCRIPTING, .summary = "Delete a function by name",
     .since = "7.0.0", .complexity = "O(1)",
     .args = ARGS({"library-name", "string", NULL, 0, NULL})},
    {.name = "dump", .arity = 2, .flags = CMD_NOSCRIPT | CMD_SCRIPT,
     .proc = function_dump_command, .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Dump all functions into a serialized binary payload", .since = "7.0.0",
     .complexity = "O(N) where N is the number of functions"},
    {.name = "flush", .arity = -2, .flags = CHANGE_FLAGS, .proc = function_flush_command,
     .group = "scripting", .acl = ACL_SCRIPTING, .summary = "Deleting all functions",
     .since = "7.0.0", .complexity = "O(N) where N is the number of functions deleted",
     .args = ARGS({"async", "oneof", NULL, COMMAND_ARG_OPTIONAL,
                   (const struct command_arg[]){{"async", "pure-token", "ASYNC", 0, NULL},
                                                {"sync", "pure-token", "SYNC", 0, NULL},
                                                {0}}})},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = function_help_command,
     .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Show helpful text about the different subcommands", .since = "7.0.0",
     .complexity = "O(1)"},
    {.name = "kill", .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .proc = function_kill_command, .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Kill the function currently in execution.", .since = "7.0.0",
     .complexity = "O(1)"},
    {.name = "list", .arity = -2, .flags = CMD_NOSCRIPT | CMD_SCRIPT,
     .proc = function_list_command, .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "List information about all the functions", .since = "7.0.0",
     .complexity = "O(N) where N is the number of functions",
     .args = ARGS({"library-name-pattern", "string", "LIBRARYNAME", COMMAND_ARG_OPTIONAL, NULL},
                  {"withcode", "pure-token", "WITHCODE", COMMAND_ARG_OPTIONAL, NULL})},
    {.name = "load", .arity = -3, .flags = CHANGE_FLAGS | CMD_DENYOOM,
     .proc = function_load_command, .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Create a function with the given arguments (name, code, description)",
     .since = "7.0.0", .complexity = "O(1) (considering compilation time is redundant)",
     .args = ARGS({"replace", "pure-token", "REPLACE", COMMAND_ARG_OPTIONAL, NULL},
                  {"function-code", "string", NULL, 0, NULL})},
    {.name = "restore", .arity = -3, .flags = CHANGE_FLAGS | CMD_DENYOOM,
     .proc = function_restore_command, .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Restore all the functions on the given payload", .since = "7.0.0",
     .complexity = "O(N) where N is the number of functions on the payload",
     .args = ARGS({"serialized-value", "string", NULL, 0, NULL},
                  {"policy", "oneof", NULL, COMMAND_ARG_OPTIONAL,
                   (const struct command_arg[]){{"flush", "pure-token", "FLUSH", 0, NULL},
                                                {"append", "pure-token", "APPEND", 0, NULL},
                                                {"replace", "pure-token", "REPLACE", 0, NULL},
                                                {0}}})},
    {.name = "stats", .arity = 2, .flags = CMD_NOSCRIPT | CMD_ALLOW_BUSY,
     .proc = function_stats_command, .group = "scripting", .acl = ACL_SCRIPTING,
     .summary = "Return information about the function currently running (name, description, "
                "duration)",
     .since = "7.0.0", .complexity = "O(1)"},
    {0},
};

struct command function_commands[] = {
    {.name = "fcall", .arity = -3, .flags = FCALL_FLAGS | CMD_MAY_REPLICATE, .numkeys_arg = 2,
     .line_flags = fcall_line_flags, .proc = fcall_command,
     .group = "scripting", .acl = ACL_SCRIPTING, .summary = "Invoke a function",
     .since = "7.0.0", .complexity = FCALL_CX, .args = FCALL_ARGS},
    {.name = "fcall_ro", .arity = -3, .flags = FCALL_FLAGS | CMD_READONLY, .numkeys_arg = 2,
     .line_flags = fcall_line_flags, .proc = fcall_ro_command, .group = "scripting",
     .acl = ACL_SCRIPTING,
     .summary = "Invoke a read-only function", .since = "7.0.0", .complexity = FCALL_CX,
     .args = FCALL_ARGS},
    {.name = "function", .arity = -2, .proc = NULL, .group = "scripting",
     .summary = "A container for function commands", .since = "7.0.0",
     .complexity = "Depends on subcommand.", .subcommands = function_subcommands},
    {0},
};
