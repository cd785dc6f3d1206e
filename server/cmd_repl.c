/*
 * cmd_repl.c - the replication commands, after Redis 7.0's replication.c:
 * REPLCONF, PSYNC, SYNC and ROLE as a master answers them (what they start
 * is replication.h's), REPLICAOF / SLAVEOF, which make this server a
 * replica or a master again (repl_replica.h), and FAILOVER (failover.h).
 *
 * REPLCONF rdb-only and rdb-filter-only are what redis-cli --rdb and
 * --functions-rdb send: an RDB and no stream, and an RDB of the functions
 * alone. PSYNC's FAILOVER
 * form comes from a master that hands over to this replica: it becomes a
 * master, then answers the PSYNC as one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "failover.h"
#include "log.h"
#include "repl_replica.h"
#include "replication.h"
#include "server.h"

/* ---- REPLCONF ----------------------------------------------------------------------- */

/* REPLCONF rdb-filter-only's value: words, each what the RDB is to
 * include; "functions" is the only one (Redis 7.0), and none at all
 * leaves the RDB empty. False when it replied with the error. */
static bool rdb_filter(struct cmd_ctx *ctx, const struct resp_arg *val, bool *functions)
{
    char line[256];
    struct resp_arg words[8];
    int n = -1;
    if (val->len < sizeof(line)) {
        memcpy(line, val->ptr, val->len);
        n = resp_split_line(line, val->len, words, sizeof(words) / sizeof(words[0]));
    }
    if (n < 0) {
        resp_add_error(ctx->out, "ERR Missing rdb-filter-only values");
        return false;
    }
    for (int i = 0; i < n; i++) {
        if (!arg_is(&words[i], "functions")) {
            resp_add_errorf(ctx->out, "ERR Unsupported rdb-filter-only option: %.*s",
                            (int)words[i].len, words[i].ptr);
            return false;
        }
    }
    *functions = n > 0;
    return true;
}

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
    } else if (arg_is(opt, "rdb-only")) {
        if (!arg_to_ll_or_reply(ctx, val, &n))
            return false;
        if (n < 0 || n > 1) {
            resp_add_error(ctx->out, "ERR value is out of range, value must between 0 and 1");
            return false;
        }
        rc = repl_note_rdb_request(c, n == 1 ? REPL_RDB_ONLY : 0, REPL_RDB_ONLY);
    } else if (arg_is(opt, "rdb-filter-only")) {
        bool functions;
        if (!rdb_filter(ctx, val, &functions))
            return false;
        rc = repl_note_rdb_request(c, REPL_RDB_NO_KEYS | (functions ? 0 : REPL_RDB_NO_FUNCTIONS),
                                   REPL_RDB_FILTERS);
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

/* The client, as the log names who asked. */
static void describe_client(const struct cmd_ctx *ctx, char *buf, size_t cap)
{
    snprintf(buf, cap, "id=%llu addr=%s", (unsigned long long)ctx->client->id, ctx->client->addr);
}

/* PSYNC <replid> <offset> FAILOVER: our master hands over to us. With our
 * history (its replid is ours) we become a master, which the PSYNC then
 * continues: Redis's syncCommand. False when it replied an error. */
static bool take_over(struct cmd_ctx *ctx)
{
    const struct resp_arg *replid = &ctx->argv[1];
    char id[41], who[CLIENT_ADDR_LEN + 32];

    log_warning("Failover request received for replid %.*s.", (int)replid->len, replid->ptr);
    if (!repl_replica_on()) {
        resp_add_error(ctx->out, "ERR PSYNC FAILOVER can't be sent to a master.");
        return false;
    }
    server_replid(id);
    if (replid->len != 40 || strncasecmp(replid->ptr, id, 40) != 0) {
        resp_add_error(ctx->out, "ERR PSYNC FAILOVER replid must match my replid.");
        return false;
    }
    describe_client(ctx, who, sizeof(who));
    if (repl_replica_unset_master())
        log_notice("MASTER MODE enabled (failover request from '%s')", who);
    return true;
}

static void sync_common(struct cmd_ctx *ctx, bool psync)
{
    struct client *c = ctx->client;
    long long offset = -1;

    if (c->flags & CLIENT_REPLICA)
        return; /* already one: ignored, as Redis does */
    if (psync && ctx->argc > 3 && arg_is(&ctx->argv[3], "failover") && !take_over(ctx))
        return;
    if (failover_state() != FAILOVER_NONE) {
        resp_add_error(ctx->out, "-NOMASTERLINK Can't SYNC while failing over");
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

/* Redis's replicaofCommand, with no failover running (one could not
 * start meanwhile). */
static void replicaof(struct cmd_ctx *ctx)
{
    char who[CLIENT_ADDR_LEN + 32], host[REPL_HOST_LEN];
    long long port;

    describe_client(ctx, who, sizeof(who));
    if (arg_is(&ctx->argv[1], "no") && arg_is(&ctx->argv[2], "one")) {
        if (repl_replica_unset_master())
            log_notice("MASTER MODE enabled (user request from '%s')", who);
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

static void replicaof_command(struct cmd_ctx *ctx)
{
    if (!failover_prevent()) {
        resp_add_error(ctx->out, "ERR REPLICAOF not allowed while failing over.");
        return;
    }
    replicaof(ctx);
    failover_allow();
}

/* ---- FAILOVER --------------------------------------------------------------------------- */

static const char *failover_error(int rc)
{
    switch (rc) {
    case FAILOVER_ERR_RUNNING:
        return "ERR FAILOVER already in progress.";
    case FAILOVER_ERR_REPLICA:
        return "ERR FAILOVER is not valid when server is a replica.";
    case FAILOVER_ERR_NO_REPLICAS:
        return "ERR FAILOVER requires connected replicas.";
    case FAILOVER_ERR_FORCE:
        return "ERR FAILOVER with force option requires both a timeout and target HOST and IP.";
    case FAILOVER_ERR_NOT_REPLICA:
        return "ERR FAILOVER target HOST and PORT is not a replica.";
    case FAILOVER_ERR_NOT_ONLINE:
        return "ERR FAILOVER target replica is not online.";
    default:
        return "ERR No failover in progress.";
    }
}

/* [TO host port] [FORCE] [TIMEOUT ms], each once, in any order (Redis's
 * failoverCommand: FORCE is not tied to TO). False when it replied. */
static bool failover_parse(struct cmd_ctx *ctx, struct failover_request *req)
{
    for (size_t j = 1; j < ctx->argc; j++) {
        const struct resp_arg *a = &ctx->argv[j];
        if (arg_is(a, "timeout") && j + 1 < ctx->argc && req->timeout_ms == 0) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[j + 1], &req->timeout_ms))
                return false;
            if (req->timeout_ms <= 0) {
                resp_add_error(ctx->out, "ERR FAILOVER timeout must be greater than 0");
                return false;
            }
            j++;
        } else if (arg_is(a, "to") && j + 2 < ctx->argc && req->host == NULL) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[j + 2], &req->port))
                return false;
            req->host = ctx->argv[j + 1].ptr;
            req->host_len = ctx->argv[j + 1].len;
            j += 2;
        } else if (arg_is(a, "force") && !req->force) {
            req->force = true;
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

static void failover_command(struct cmd_ctx *ctx)
{
    struct failover_request req = {0};
    int rc;

    if (ctx->argc == 2 && arg_is(&ctx->argv[1], "abort"))
        rc = failover_abort();
    else if (failover_parse(ctx, &req))
        rc = failover_start(&req);
    else
        return;
    if (rc < 0)
        resp_add_error(ctx->out, failover_error(rc));
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
static const struct command_arg failover_target[] = {
    {"host", "string", NULL, 0, NULL},
    {"port", "integer", NULL, 0, NULL},
    {"force", "pure-token", "FORCE", COMMAND_ARG_OPTIONAL, NULL},
    {0}};

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
    /* SELF_LOCK: ABORT may make a replica a master, under the apply lock,
     * which EXEC must not take inside the shard locks it holds. */
    {.name = "failover", .arity = -1, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE | CMD_SELF_LOCK,
     .proc = failover_command, .group = "server",
     .summary = "Start a coordinated failover between this server and one of its replicas.",
     .since = "6.2.0", .complexity = "O(1)",
     .args = ARGS({"target", "block", "TO", COMMAND_ARG_OPTIONAL, failover_target},
                  {"abort", "pure-token", "ABORT", COMMAND_ARG_OPTIONAL, NULL},
                  {"milliseconds", "integer", "TIMEOUT", COMMAND_ARG_OPTIONAL, NULL})},
    {0},
};
