/*
 * cmd_repl.c - the replication commands, after Redis 7.0's replication.c:
 * REPLCONF, PSYNC, SYNC and ROLE as a master answers them (what they start
 * is replication.h's), and REPLICAOF / SLAVEOF, which make this server a
 * replica or a master again (repl_replica.h).
 *
 * REPLCONF refuses the options Grove does not act on (rdb-only,
 * rdb-filter-only) with its unrecognized-option error; PSYNC's FAILOVER
 * form (FAILOVER, which Grove lacks, sends it) is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "repl_replica.h"
#include "replication.h"

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
        if (val->len >= REPL_HOST_LEN) {
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
        repl_replica_getack(c); /* from our master: REPLCONF ACK once it has run */
        return false;
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
        /* Redis's answers; Grove has no FAILOVER to accept it from */
        resp_add_error(ctx->out, repl_replica_on() ? "ERR PSYNC FAILOVER replid must match my replid."
                                                   : "ERR PSYNC FAILOVER can't be sent to a master.");
        return;
    }
    if (repl_replica_on() && !atomic_load(&repl_replica__link_up)) {
        resp_add_error(ctx->out, "-NOMASTERLINK Can't SYNC while not connected with my master");
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
    if (repl_replica_on())
        repl_replica_role(ctx->out);
    else
        repl_role(ctx->out);
}

/* ---- REPLICAOF and SLAVEOF ---------------------------------------------------------- */

/* Redis's replicaofCommand. */
static void replicaof_command(struct cmd_ctx *ctx)
{
    char who[CLIENT_ADDR_LEN + 16], host[REPL_HOST_LEN];
    long long port;

    snprintf(who, sizeof(who), "id=%llu addr=%s", (unsigned long long)ctx->client->id,
             ctx->client->addr);
    if (arg_is(&ctx->argv[1], "no") && arg_is(&ctx->argv[2], "one")) {
        repl_replica_unset_master(who);
        resp_add_ok(ctx->out);
        return;
    }
    if (ctx->client->flags & CLIENT_REPLICA) {
        resp_add_error(ctx->out, "ERR Command is not valid when client is a replica.");
        return;
    }
    if (!arg_to_ll(&ctx->argv[2], &port) || port < 0 || port > 65535) {
        resp_add_error(ctx->out, "ERR Invalid master port");
        return;
    }
    if (ctx->argv[1].len >= sizeof(host)) {
        resp_add_error(ctx->out, "ERR Invalid master address");
        return;
    }
    arg_to_cstr(&ctx->argv[1], host, sizeof(host));
    if (repl_replica_set_master(host, (int)port, who) == 1)
        resp_add_simple(ctx->out, "OK Already connected to specified master");
    else
        resp_add_ok(ctx->out);
}

/* ---- the table ------------------------------------------------------------------------ */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define SYNC_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_MULTI | CMD_SELF_LOCK | CMD_NO_ASYNC_LOADING)

/* REPLICAOF's arguments as Redis 7.0.15's COMMAND DOCS gives them. */
static const struct command_arg host_port[] = {
    {"host", "string", NULL, 0, NULL}, {"port", "integer", NULL, 0, NULL}, {0}};
static const struct command_arg no_one[] = {
    {"no", "pure-token", "NO", 0, NULL}, {"one", "pure-token", "ONE", 0, NULL}, {0}};
static const struct command_arg replicaof_oneof[] = {
    {"host-port", "block", NULL, 0, host_port}, {"no-one", "block", NULL, 0, no_one}, {0}};
#define REPLICAOF_ARGS ARGS({"args", "oneof", NULL, 0, replicaof_oneof})

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
    {.name = "replicaof", .arity = 3, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_SELF_LOCK | CMD_NO_ASYNC_LOADING,
     .proc = replicaof_command, .group = "server",
     .summary = "Make the server a replica of another instance, or promote it as master.",
     .since = "5.0.0", .complexity = "O(1)",
     .args = REPLICAOF_ARGS},
    {.name = "slaveof", .arity = 3, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_SELF_LOCK | CMD_NO_ASYNC_LOADING,
     .proc = replicaof_command, .group = "server",
     .summary = "Make the server a replica of another instance, or promote it as master.",
     .since = "1.0.0", .complexity = "O(1)", .args = REPLICAOF_ARGS},
    {0},
};
