/*
 * cmd_acl.c - the ACL command: SETUSER, GETUSER, DELUSER, USERS, LIST,
 * WHOAMI, CAT, GENPASS, DRYRUN, LOG, HELP, with Redis 7.0's replies and
 * error texts. The users and rules live in acl.c; this file parses the
 * arguments and replies; LOAD and SAVE use acl_file.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "acl.h"
#include "acl_file.h"
#include "command.h"
#include "log.h"
#include "pubsub.h"
#include "server.h"

static bool channel_allowed_cb(const char *name, size_t len, bool pattern, void *ud)
{
    return acl_user_channel_allowed(ud, name, len, pattern);
}

/* Redis 7.0 disconnects the user's clients subscribed to a channel,
 * pattern or shard channel its new rules no longer allow. */
static void kill_denied_subscribers(struct cmd_ctx *ctx, const struct resp_arg *name)
{
    struct acl_user *u = acl_user_find(name->ptr, name->len);
    uint64_t *ids;
    if (u == NULL)
        return;
    if (!acl_user_all_channels(u)) {
        long n = pubsub_denied_subscribers(channel_allowed_cb, u, &ids);
        if (n > 0)
            client_kill_user_ids(ctx, u, ids, (size_t)n);
        free(ids);
    }
    acl_user_release(u);
}

static void acl_setuser_command(struct cmd_ctx *ctx)
{
    const struct resp_arg *name = &ctx->argv[2];
    for (size_t i = 0; i < name->len; i++) {
        if (name->ptr[i] == ' ' || name->ptr[i] == '\0') {
            resp_add_error(ctx->out, "ERR Usernames can't contain spaces or null characters");
            return;
        }
    }
    size_t nops = 0, bad = 0, unclosed = SIZE_MAX;
    struct resp_arg *ops =
        acl_merge_selectors(ctx->argv + 3, ctx->argc - 3, &nops, &unclosed);
    if (ops == NULL && unclosed != SIZE_MAX) {
        const struct resp_arg *op = &ctx->argv[3 + unclosed];
        resp_add_errorf(ctx->out, "ERR Unmatched parenthesis in acl selector starting at '%.*s'.",
                        (int)op->len, op->ptr);
        return;
    }
    if (ops == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    int rc = acl_setuser(name->ptr, name->len, ops, nops, &bad);
    if (rc < 0)
        resp_add_errorf(ctx->out, "ERR Error in ACL SETUSER modifier '%.*s': %s",
                        (int)ops[bad].len, ops[bad].ptr, acl_error_text(rc));
    else
        resp_add_ok(ctx->out);
    free(ops);
    if (rc == 0)
        kill_denied_subscribers(ctx, name);
}

static void acl_getuser_command(struct cmd_ctx *ctx)
{
    struct acl_user *u = acl_user_find(ctx->argv[2].ptr, ctx->argv[2].len);
    if (u == NULL) {
        resp_add_null(ctx->out);
        return;
    }
    acl_reply_getuser(ctx->out, u);
    acl_user_release(u);
}

/* Each user named goes, and every client running as it is closed. */
static void acl_deluser_command(struct cmd_ctx *ctx)
{
    long long deleted = 0;
    for (size_t i = 2; i < ctx->argc; i++) {
        if (ctx->argv[i].len == 7 && memcmp(ctx->argv[i].ptr, "default", 7) == 0) {
            resp_add_error(ctx->out, "ERR The 'default' user cannot be removed");
            return;
        }
    }
    for (size_t i = 2; i < ctx->argc; i++) {
        struct acl_user *gone;
        if (!acl_deluser(ctx->argv[i].ptr, ctx->argv[i].len, &gone))
            continue;
        deleted++;
        client_kill_user(ctx, gone);
        acl_user_release(gone);
    }
    resp_add_integer(ctx->out, deleted);
}

static void acl_users_command(struct cmd_ctx *ctx)
{
    acl_reply_users(ctx->out);
}

static void acl_list_command(struct cmd_ctx *ctx)
{
    acl_reply_list(ctx->out);
}

static void acl_whoami_command(struct cmd_ctx *ctx)
{
    resp_add_bulk_cstr(ctx->out, acl_user_name(ctx->client->user));
}

static void acl_cat_command(struct cmd_ctx *ctx)
{
    if (ctx->argc > 3) {
        reply_subcommand_syntax_error(ctx);
        return;
    }
    const struct resp_arg *cat = ctx->argc == 3 ? &ctx->argv[2] : NULL;
    if (!acl_reply_cat(ctx->out, cat ? cat->ptr : NULL, cat ? cat->len : 0))
        resp_add_errorf(ctx->out, "ERR Unknown category '%.*s'", (int)(cat->len > 128 ? 128 : cat->len),
                        cat->ptr);
}

/* GENPASS [bits]: bits/4 hex digits (rounded up) from the kernel's CSPRNG. */
static void acl_genpass_command(struct cmd_ctx *ctx)
{
    static const char digits[] = "0123456789abcdef";
    long long bits = 256;
    if (ctx->argc > 3) {
        reply_subcommand_syntax_error(ctx);
        return;
    }
    if (ctx->argc == 3 && !arg_to_ll_or_reply(ctx, &ctx->argv[2], &bits))
        return;
    if (bits <= 0 || bits > 4096) {
        resp_add_error(ctx->out, "ERR ACL GENPASS argument must be the number of bits for the "
                                 "output password, a positive number up to 4096");
        return;
    }
    unsigned char raw[512];
    char hex[1024];
    size_t chars = (size_t)(bits + 3) / 4, bytes = (chars + 1) / 2;
    for (size_t got = 0; got < bytes;) {
        ssize_t n = getrandom(raw + got, bytes - got, 0);
        if (n <= 0) {
            resp_add_error(ctx->out, "ERR Unable to read random bytes");
            return;
        }
        got += (size_t)n;
    }
    for (size_t i = 0; i < chars; i++)
        hex[i] = digits[(raw[i / 2] >> (i % 2 ? 0 : 4)) & 15];
    resp_add_bulk(ctx->out, hex, chars);
}

/* DRYRUN user command [arg...]: the check alone, its refusal as text. */
static void acl_dryrun_command(struct cmd_ctx *ctx)
{
    const struct resp_arg *argv = ctx->argv + 3;
    size_t argc = ctx->argc - 3;
    struct acl_user *u = acl_user_find(ctx->argv[2].ptr, ctx->argv[2].len);
    if (u == NULL) {
        resp_add_errorf(ctx->out, "ERR User '%.*s' not found", (int)ctx->argv[2].len,
                        ctx->argv[2].ptr);
        return;
    }
    const struct command *cmd = command_lookup(argv[0].ptr, argv[0].len);
    if (cmd != NULL && cmd->subcommands != NULL && argc >= 2)
        cmd = command_lookup_sub(cmd, argv[1].ptr, argv[1].len);
    if (cmd == NULL) {
        resp_add_errorf(ctx->out, "ERR Command '%.*s' not found", (int)argv[0].len, argv[0].ptr);
    } else if (cmd->arity >= 0 ? argc != (size_t)cmd->arity : argc < (size_t)-cmd->arity) {
        reply_wrong_arity(ctx, cmd);
    } else {
        size_t errpos;
        char text[768];
        enum acl_denied why = acl_check(u, cmd, argv, argc, &errpos);
        if (why == ACL_OK) {
            resp_add_ok(ctx->out);
        } else {
            acl_denied_text(why, cmd, &argv[errpos], text, sizeof(text));
            resp_add_bulk_cstr(ctx->out, text);
        }
    }
    acl_user_release(u);
}

/* LOG [count | RESET]: a count below 1 shows nothing, as in Redis. */
static void acl_log_command(struct cmd_ctx *ctx)
{
    long long count = 10;
    if (ctx->argc > 3) {
        reply_subcommand_syntax_error(ctx);
        return;
    }
    if (ctx->argc == 3 && arg_is(&ctx->argv[2], "reset")) {
        acl_log_reset();
        resp_add_ok(ctx->out);
        return;
    }
    if (ctx->argc == 3 && !arg_to_ll_or_reply(ctx, &ctx->argv[2], &count))
        return;
    acl_reply_log(ctx->out, count, ctx->now_ms);
}

/* LOAD and SAVE without an aclfile: Redis's refusal. */
static bool has_acl_file_or_reply(struct cmd_ctx *ctx)
{
    if (server.cfg.aclfile[0] != '\0')
        return true;
    resp_add_error(ctx->out,
                   "ERR This Redis instance is not configured to use an ACL file. You may want "
                   "to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "
                   "(assuming you have a Redis configuration file set) in order to store users "
                   "in the Redis configuration.");
    return false;
}

/* LOAD: the file's users replace all others, whose clients are closed
 * (the default user's stay), as in Redis 7.0; any error changes nothing. */
static void acl_load_command(struct cmd_ctx *ctx)
{
    struct acl_user **gone;
    size_t ngone;
    char *errors = NULL;
    if (!has_acl_file_or_reply(ctx))
        return;
    if (acl_file_load(server.cfg.aclfile, &gone, &ngone, &errors) < 0) {
        resp_add_errorf(ctx->out, "ERR %s", errors ? errors : "out of memory");
        free(errors);
        return;
    }
    resp_add_ok(ctx->out);
    for (size_t i = 0; i < ngone; i++) {
        client_kill_user(ctx, gone[i]);
        acl_user_release(gone[i]);
    }
    free(gone);
}

static void acl_save_command(struct cmd_ctx *ctx)
{
    if (!has_acl_file_or_reply(ctx))
        return;
    int rc = acl_file_save(server.cfg.aclfile);
    if (rc < 0) {
        log_warning("ACL SAVE to '%s' failed: %s", server.cfg.aclfile, strerror(-rc));
        resp_add_error(ctx->out, "ERR There was an error trying to save the ACLs. Please check "
                                 "the server logs for more information");
        return;
    }
    resp_add_ok(ctx->out);
}

static void acl_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the "
        "command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        NULL,
    };
    reply_help(ctx, lines);
}

static void acl_command(struct cmd_ctx *ctx)
{
    /* Reached only when the subcommand is missing. */
    reply_wrong_arity(ctx, ctx->cmd);
}

#define ACL_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define ACL_ADMIN_FLAGS (CMD_ADMIN | ACL_FLAGS)
#define USERS_COMPLEXITY "O(N). Where N is the number of configured users."

static const struct command_arg username_arg[] = {{"username", "string", NULL, 0, NULL}, {0}};

static struct command acl_subcommands[] = {
    {.name = "cat", .arity = -2, .flags = ACL_FLAGS, .proc = acl_cat_command, .group = "server",
     .summary = "List the ACL categories or the commands inside a category", .since = "6.0.0",
     .complexity = "O(1) since the categories and commands are a fixed set.",
     .args = (const struct command_arg[]){
         {"categoryname", "string", NULL, COMMAND_ARG_OPTIONAL, NULL}, {0}}},
    {.name = "deluser", .arity = -3, .flags = ACL_ADMIN_FLAGS, .proc = acl_deluser_command,
     .group = "server", .summary = "Remove the specified ACL users and the associated rules",
     .since = "6.0.0", .complexity = "O(1) amortized time considering the typical user.",
     .args = (const struct command_arg[]){
         {"username", "string", NULL, COMMAND_ARG_MULTIPLE, NULL}, {0}}},
    {.name = "dryrun", .arity = -4, .flags = ACL_ADMIN_FLAGS, .proc = acl_dryrun_command,
     .group = "server",
     .summary = "Returns whether the user can execute the given command without executing the "
                "command.",
     .since = "7.0.0", .complexity = "O(1).",
     .args = (const struct command_arg[]){
         {"username", "string", NULL, 0, NULL}, {"command", "string", NULL, 0, NULL},
         {"arg", "string", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL}, {0}}},
    {.name = "genpass", .arity = -2, .flags = ACL_FLAGS, .proc = acl_genpass_command,
     .group = "server", .summary = "Generate a pseudorandom secure password to use for ACL users",
     .since = "6.0.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){
         {"bits", "integer", NULL, COMMAND_ARG_OPTIONAL, NULL}, {0}}},
    {.name = "getuser", .arity = 3, .flags = ACL_ADMIN_FLAGS, .proc = acl_getuser_command,
     .group = "server", .summary = "Get the rules for a specific ACL user", .since = "6.0.0",
     .complexity = "O(N). Where N is the number of password, command and pattern rules that the "
                   "user has.",
     .args = username_arg},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = acl_help_command,
     .group = "server", .summary = "Show helpful text about the different subcommands",
     .since = "6.0.0", .complexity = "O(1)"},
    {.name = "list", .arity = 2, .flags = ACL_ADMIN_FLAGS, .proc = acl_list_command,
     .group = "server", .summary = "List the current ACL rules in ACL config file format",
     .since = "6.0.0", .complexity = USERS_COMPLEXITY},
    {.name = "load", .arity = 2, .flags = ACL_ADMIN_FLAGS, .proc = acl_load_command,
     .group = "server", .summary = "Reload the ACLs from the configured ACL file",
     .since = "6.0.0", .complexity = USERS_COMPLEXITY},
    {.name = "log", .arity = -2, .flags = ACL_ADMIN_FLAGS, .proc = acl_log_command,
     .group = "server", .summary = "List latest events denied because of ACLs in place",
     .since = "6.0.0", .complexity = "O(N) with N being the number of entries shown.",
     .args = (const struct command_arg[]){
         {"operation", "oneof", NULL, COMMAND_ARG_OPTIONAL,
          (const struct command_arg[]){{"count", "integer", NULL, 0, NULL},
                                       {"reset", "pure-token", "RESET", 0, NULL}, {0}}},
         {0}}},
    {.name = "save", .arity = 2, .flags = ACL_ADMIN_FLAGS, .proc = acl_save_command,
     .group = "server", .summary = "Save the current ACL rules in the configured ACL file",
     .since = "6.0.0", .complexity = USERS_COMPLEXITY},
    {.name = "setuser", .arity = -3, .flags = ACL_ADMIN_FLAGS, .proc = acl_setuser_command,
     .group = "server", .summary = "Modify or create the rules for a specific ACL user",
     .since = "6.0.0", .complexity = "O(N). Where N is the number of rules provided.",
     .args = (const struct command_arg[]){
         {"username", "string", NULL, 0, NULL},
         {"rule", "string", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL}, {0}}},
    {.name = "users", .arity = 2, .flags = ACL_ADMIN_FLAGS, .proc = acl_users_command,
     .group = "server", .summary = "List the username of all the configured ACL rules",
     .since = "6.0.0", .complexity = USERS_COMPLEXITY},
    {.name = "whoami", .arity = 2, .flags = ACL_FLAGS, .proc = acl_whoami_command,
     .group = "server", .summary = "Return the name of the user associated to the current "
                                   "connection",
     .since = "6.0.0", .complexity = "O(1)"},
    {0},
};

struct command acl_commands[] = {
    {.name = "acl", .arity = -2, .flags = 0, .proc = acl_command, .group = "server",
     .summary = "A container for Access List Control commands ", .since = "6.0.0",
     .complexity = "Depends on subcommand.", .subcommands = acl_subcommands},
    {0},
};
