/*
 * cmd_module.c - MODULE: Grove loads no modules. It answers as a Redis
 * 7.0 with no module loaded: MODULE LIST is empty (clients probing for
 * RedisJSON or RediSearch learn they are absent) and HELP is Redis's.
 * LOAD, LOADEX and UNLOAD are protected as Redis's (enable-module-command:
 * the dispatcher refuses them with Redis's text unless it allows them);
 * when allowed, a load fails as a Redis load of a library that cannot be
 * opened does, the reason in the log, and an unload finds no module.
 */
#include "command.h"
#include "log.h"

static void module_list_command(struct cmd_ctx *ctx)
{
    resp_add_array_len(ctx->out, 0);
}

static void module_load_command(struct cmd_ctx *ctx)
{
    log_warning("Module %.*s failed to load: Grove does not load modules",
                (int)ctx->argv[2].len, ctx->argv[2].ptr);
    resp_add_error(ctx->out, "ERR Error loading the extension. Please check the server logs.");
}

static void module_unload_command(struct cmd_ctx *ctx)
{
    resp_add_error(ctx->out, "ERR Error unloading module: no such module with that name");
}

static void module_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "LIST",
        "    Return a list of loaded modules.",
        "LOAD <path> [<arg> ...]",
        "    Load a module library from <path>, passing to it any optional arguments.",
        "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
        "    Load a module library from <path>, while passing it module configurations and "
        "optional arguments.",
        "UNLOAD <name>",
        "    Unload a module.",
        NULL,
    };
    reply_help(ctx, lines);
}

static void module_command(struct cmd_ctx *ctx)
{
    /* Only reached without a subcommand: the container's arity error. */
    reply_wrong_arity(ctx, ctx->cmd);
}

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define MODULE_FLAGS (CMD_ADMIN | CMD_NOSCRIPT)
#define MODULE_CHANGE_FLAGS (MODULE_FLAGS | CMD_NO_ASYNC_LOADING | CMD_PROTECTED)

static struct command module_subcommands[] = {
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = module_help_command,
     .group = "server", .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    {.name = "list", .arity = 2, .flags = MODULE_FLAGS, .proc = module_list_command,
     .group = "server", .summary = "List all modules loaded by the server", .since = "4.0.0",
     .complexity = "O(N) where N is the number of loaded modules."},
    {.name = "load", .arity = -3, .flags = MODULE_CHANGE_FLAGS, .proc = module_load_command,
     .group = "server", .summary = "Load a module", .since = "4.0.0", .complexity = "O(1)",
     .args = ARGS({"path", "string", NULL, 0, NULL},
                  {"arg", "string", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL})},
    {.name = "loadex", .arity = -3, .flags = MODULE_CHANGE_FLAGS, .proc = module_load_command,
     .group = "server", .summary = "Load a module with extended parameters", .since = "7.0.0",
     .complexity = "O(1)",
     .args = ARGS({"path", "string", NULL, 0, NULL},
                  {"configs", "block", "CONFIG",
                   COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE | COMMAND_ARG_MULTIPLE_TOKEN,
                   ARGS({"name", "string", NULL, 0, NULL}, {"value", "string", NULL, 0, NULL})},
                  {"args", "block", "ARGS", COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE,
                   ARGS({"arg", "string", NULL, 0, NULL})})},
    {.name = "unload", .arity = 3, .flags = MODULE_CHANGE_FLAGS, .proc = module_unload_command,
     .group = "server", .summary = "Unload a module", .since = "4.0.0", .complexity = "O(1)",
     .args = ARGS({"name", "string", NULL, 0, NULL})},
    {0},
};

struct command module_commands[] = {
    {.name = "module", .arity = -2, .proc = module_command, .group = "server",
     .summary = "A container for module commands", .since = "4.0.0",
     .complexity = "Depends on subcommand.", .subcommands = module_subcommands},
    {0},
};
