/*
 * cmd_repl.c - the replication commands a master answers, after Redis
 * 7.0's replication.c: REPLCONF, PSYNC, SYNC and ROLE. What they start
 * (the full sync, the stream, the acks) is replication.h's.
 *
 * Grove is a master only: REPLICAOF and SLAVEOF are not in the table, so
 * they get the unknown-command error. REPLCONF refuses the options Grove
 * does not act on (rdb-only, rdb-filter-only) with its unrecognized-option
 * error; PSYNC's FAILOVER form gets a master's refusal.
 */
#include <errno.h>
#include <string.h>

#include "command.h"
#include "replication.h"

#define REPL_HOST_STR_LEN 256 /* Redis's NET_HOST_STR_LEN */

/* ---- REPLCONF ----------------------------------------------------------------------- */

/* One option and its value; false when it replied (an error, or nothing
 * at all for ACK and GETACK, which Redis never answers). */
static bool replconf_option(struct cmd_ctx *ctx, const struct resp_arg *opt,
                            const struct resp_arg *val)
{
    struct client *c = ctx->client;
    long long n;
    int rc = 0;

    if (arg_is(opt, "listening-port")) {
        if (!arg_to_ll_or_reply(ctx, val, &n))
            return false;
        rc = repl_note_listening_port(c, n);
    } else if (arg_is(opt, "ip-address")) {
        if (val->len >= REPL_HOST_STR_LEN) {
            resp_add_errorf(ctx->out, "ERR REPLCONF ip-address provided by replica instance "
                                      "is too long: %zu bytes", val->len);
            return false;
        }
        rc = repl_note_ip_address(c, val->ptr, val->len);
    } else if (arg_is(opt, "capa")) {
        rc = repl_note_capa(c, arg_is(val, "eof"), arg_is(val, "psync2"));
    } else if (arg_is(opt, "ack")) {
        if (arg_to_ll(val, &n))
            repl_ack(c, n, ctx->now_ms);
        return false;
    } else if (arg_is(opt, "getack")) {
        return false; /* a master has no master to acknowledge */
    } else {
        resp_add_errorf(ctx->out, "ERR Unrecognized REPLCONF option: %.*s", (int)opt->len,
                        opt->ptr);
        return false;
    }
    if (rc < 0) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    return true;
}

static void replconf_command(struct cmd_ctx *ctx)
{
    if (ctx->argc % 2 == 0) {
        reply_syntax_error(ctx);
        return;
    }
    for (size_t j = 1; j < ctx->argc; j += 2)
        if (!replconf_option(ctx, &ctx->argv[j], &ctx->argv[j + 1]))
            return;
    resp_add_ok(ctx->out);
}

/* ---- PSYNC and SYNC ----------------------------------------------------------------- */

static void sync_common(struct cmd_ctx *ctx, bool psync)
{
    struct client *c = ctx->client;
    long long offset = -1;

    if (c->flags & CLIENT_REPLICA)
        return; /* already one: ignored, as Redis does */
    if (psync && ctx->argc > 3 && arg_is(&ctx->argv[3], "failover")) {
        /* Grove is always a master: Redis's answer there */
        resp_add_error(ctx->out, "ERR PSYNC FAILOVER can't be sent to a master.");
        return;
    }
    if (c->out.len > 0) {
        resp_add_error(ctx->out, "ERR SYNC and PSYNC are invalid with pending output");
        return;
    }
    if (psync && !arg_to_ll_or_reply(ctx, &ctx->argv[2], &offset))
        return;
    int rc = repl_sync(c, psync, psync ? &ctx->argv[1] : NULL, offset);
    if (rc == -ENOTCONN)
        resp_add_error(ctx->out, "ERR SYNC needs a connection");
    else if (rc < 0)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
}

static void psync_command(struct cmd_ctx *ctx)
{
    sync_common(ctx, true);
}

static void sync_command(struct cmd_ctx *ctx)
{
    sync_common(ctx, false);
}

/* ---- ROLE ----------------------------------------------------------------------------- */

static void role_command(struct cmd_ctx *ctx)
{
    repl_role(ctx->out);
}

/* ---- the table ------------------------------------------------------------------------ */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define SYNC_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_MULTI | CMD_SELF_LOCK)

struct command repl_commands[] = {
    {.name = "replconf", .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY | CMD_SELF_LOCK,
     .proc = replconf_command, .group = "server",
     .summary = "An internal command for configuring the replication stream",
     .since = "3.0.0", .complexity = "O(1)"},
    {.name = "psync", .arity = -3, .flags = SYNC_FLAGS, .proc = psync_command,
     .group = "server", .summary = "Internal command used for replication",
     .since = "2.8.0",
     .args = ARGS({"replicationid", "string", NULL, 0, NULL},
                  {"offset", "integer", NULL, 0, NULL})},
    {.name = "sync", .arity = 1, .flags = SYNC_FLAGS, .proc = sync_command,
     .group = "server", .summary = "Internal command used for replication", .since = "1.0.0"},
    {.name = "role", .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_SENTINEL,
     .proc = role_command, .acl = ACL_ADMIN | ACL_DANGEROUS, .group = "server",
     .summary = "Return the role of the instance in the context of replication",
     .since = "2.8.12", .complexity = "O(1)"},
    {0},
};
