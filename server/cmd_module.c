/*
 * cmd_module.c - MODULE: Grove loads no modules. It answers as a Redis
 * 7.0 with no module loaded and its default `enable-module-command no`:
 * MODULE LIST is empty (clients probing for RedisJSON or RediSearch learn
 * they are absent), LOAD, LOADEX and UNLOAD are refused with Redis's text,
 * and HELP is Redis's. Grove has no enable-module-command option to lift
 * that: starting with one is refused as an unknown option.
 */
#include "command.h"

#define ERR_MODULE_NOT_ALLOWED                                                                 \
    "ERR MODULE command not allowed. If the enable-module-command option is set to "          \
    "\"local\", you can run it from a local connection, otherwise you need to set this "      \
    "option in the configuration file, and then restart the server."

static void module_list_command(struct cmd_ctx *ctx)
{
    resp_add_array_len(ctx->out, 0);
}

static void module_refused_command(struct cmd_ctx *ctx)
{
    resp_add_error(ctx->out, ERR_MODULE_NOT_ALLOWED);
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

static struct command module_subcommands[] = {
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = module_help_command,
     .group = "server", .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    {.name = "list", .arity = 2, .flags = MODULE_FLAGS, .proc = module_list_command,
     .group = "server", .summary = "List all modules loaded by the server", .since = "4.0.0",
     .complexity = "O(N) where N is the number of loaded modules."},
    {.name = "load", .arity = -3, .flags = MODULE_FLAGS | CMD_NO_ASYNC_LOADING, .proc = module_refused_command,
     .group = "server", .summary = "Load a module", .since = "4.0.0", .complexity = "O(1)",
     .args = ARGS({"path", "string", NULL, 0, NULL},
                  {"arg", "string", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL})},
    {.name = "loadex", .arity = -3, .flags = MODULE_FLAGS | CMD_NO_ASYNC_LOADING, .proc = module_refused_command,
     .group = "server", .summary = "Load a module with extended parameters", .since = "7.0.0",
     .complexity = "O(1)",
     .args = ARGS({"path", "string", NULL, 0, NULL},
                  {"configs", "block", "CONFIG",
                   COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE | COMMAND_ARG_MULTIPLE_TOKEN,
                   ARGS({"name", "string", NULL, 0, NULL}, {"value", "string", NULL, 0, NULL})},
                  {"args", "block", "ARGS", COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE,
                   ARGS({"arg", "string", NULL, 0, NULL})})},
    {.name = "unload", .arity = 3, .flags = MODULE_FLAGS | CMD_NO_ASYNC_LOADING, .proc = module_refused_command,
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
