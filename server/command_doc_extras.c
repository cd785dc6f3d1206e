/*
 * command_doc_extras.c - the parts of Redis 7.0's COMMAND DOCS that say
 * where a command came from and where it is going rather than what it
 * does: its history (each version that changed it, and how), whether it
 * is deprecated (since when, and what replaces it) and Redis's doc flags
 * ("deprecated"; "syscmd" for the commands that are not for users:
 * REPLCONF, RESTORE-ASKING, DEBUG, PFDEBUG, PFSELFTEST).
 *
 * The table was taken from redis-server 7.0.15's COMMAND DOCS, word for
 * word. Grove keeps it apart from the area tables, as the tips and the
 * key flags are, so those stay about what each command does; only the
 * commands with one of these fields are listed. command_doc_extras_init
 * fails on a name that is not a command, so the table cannot drift from
 * the commands.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "command.h"
#include "log.h"

/* "version", "what changed" pairs, oldest first, NULL-terminated. */
#define HISTORY(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- commands ------------------------------------------------------------------ */

/* Histories more than one command shares. */
static const char *const timeout_double[] = {
    "6.0.0", "`timeout` is interpreted as a double instead of an integer.", NULL};
static const char *const expire_conditions[] = {
    "7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.", NULL};
static const char *const flush_modes[] = {"4.0.0", "Added the `ASYNC` flushing mode modifier.",
                                          "6.2.0", "Added the `SYNC` flushing mode modifier.",
                                          NULL};
static const char *const restore_options[] = {"3.0.0", "Added the `REPLACE` modifier.",
                                              "5.0.0", "Added the `ABSTTL` modifier.",
                                              "5.0.0", "Added the `IDLETIME` and `FREQ` options.",
                                              NULL};

static const struct command_doc_extras doc_extras_table[] = {
    {"acl|getuser", 0, NULL, NULL,
     HISTORY("6.2.0", "Added Pub/Sub channel patterns.",
             "7.0.0", "Added selectors and changed the format of key and channel patterns from a "
                      "list to their rule representation.")},
    {"acl|setuser", 0, NULL, NULL,
     HISTORY("6.2.0", "Added Pub/Sub channel patterns.",
             "7.0.0", "Added selectors and key based permissions.")},
    {"auth", 0, NULL, NULL, HISTORY("6.0.0", "Added ACL style (username and password).")},
    {"bgsave", 0, NULL, NULL, HISTORY("3.2.2", "Added the `SCHEDULE` option.")},
    {"bitcount", 0, NULL, NULL, HISTORY("7.0.0", "Added the `BYTE|BIT` option.")},
    {"bitpos", 0, NULL, NULL, HISTORY("7.0.0", "Added the `BYTE|BIT` option.")},
    {"blpop", 0, NULL, NULL, timeout_double},
    {"brpop", 0, NULL, NULL, timeout_double},
    {"brpoplpush", COMMAND_DOC_DEPRECATED, "6.2.0",
     "`BLMOVE` with the `RIGHT` and `LEFT` arguments", timeout_double},
    {"bzpopmax", 0, NULL, NULL, timeout_double},
    {"bzpopmin", 0, NULL, NULL, timeout_double},
    {"client|kill", 0, NULL, NULL,
     HISTORY("2.8.12", "Added new filter format.",
             "2.8.12", "`ID` option.",
             "3.2.0", "Added `master` type in for `TYPE` option.",
             "5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for "
                      "backward compatibility.",
             "6.2.0", "`LADDR` option.")},
    {"client|list", 0, NULL, NULL,
     HISTORY("2.8.12", "Added unique client `id` field.",
             "5.0.0", "Added optional `TYPE` filter.",
             "6.0.0", "Added `user` field.",
             "6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional "
                      "`ID` filter.",
             "7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields.",
             "7.0.3", "Added `ssub` field.")},
    {"client|pause", 0, NULL, NULL,
     HISTORY("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.")},
    {"cluster|meet", 0, NULL, NULL,
     HISTORY("4.0.0", "Added the optional `cluster_bus_port` argument.")},
    {"cluster|slaves", COMMAND_DOC_DEPRECATED, "5.0.0", "`CLUSTER REPLICAS`", NULL},
    {"cluster|slots", COMMAND_DOC_DEPRECATED, "7.0.0", "`CLUSTER SHARDS`",
     HISTORY("4.0.0", "Added node IDs.",
             "7.0.0", "Added additional networking metadata field.")},
    {"command|info", 0, NULL, NULL,
     HISTORY("7.0.0", "Allowed to be called with no argument to get info on all commands.")},
    {"config|get", 0, NULL, NULL,
     HISTORY("7.0.0", "Added the ability to pass multiple pattern parameters in one call")},
    {"config|set", 0, NULL, NULL,
     HISTORY("7.0.0", "Added the ability to set multiple parameters in one call.")},
    {"debug", COMMAND_DOC_SYSCMD, NULL, NULL, NULL},
    {"exists", 0, NULL, NULL, HISTORY("3.0.3", "Accepts multiple `key` arguments.")},
    {"expire", 0, NULL, NULL, expire_conditions},
    {"expireat", 0, NULL, NULL, expire_conditions},
    {"flushall", 0, NULL, NULL, flush_modes},
    {"flushdb", 0, NULL, NULL, flush_modes},
    {"geoadd", 0, NULL, NULL, HISTORY("6.2.0", "Added the `CH`, `NX` and `XX` options.")},
    {"georadius", COMMAND_DOC_DEPRECATED, "6.2.0",
     "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
     HISTORY("6.2.0", "Added the `ANY` option for `COUNT`.",
             "7.0.0", "Added support for uppercase unit names.")},
    {"georadius_ro", COMMAND_DOC_DEPRECATED, "6.2.0", "`GEOSEARCH` with the `BYRADIUS` argument",
     HISTORY("6.2.0", "Added the `ANY` option for `COUNT`.")},
    {"georadiusbymember", COMMAND_DOC_DEPRECATED, "6.2.0",
     "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
     HISTORY("7.0.0", "Added support for uppercase unit names.")},
    {"georadiusbymember_ro", COMMAND_DOC_DEPRECATED, "6.2.0",
     "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments", NULL},
    {"geosearch", 0, NULL, NULL, HISTORY("7.0.0", "Added support for uppercase unit names.")},
    {"geosearchstore", 0, NULL, NULL, HISTORY("7.0.0", "Added support for uppercase unit names.")},
    {"getset", COMMAND_DOC_DEPRECATED, "6.2.0", "`SET` with the `!GET` argument", NULL},
    {"hdel", 0, NULL, NULL, HISTORY("2.4.0", "Accepts multiple `field` arguments.")},
    {"hello", 0, NULL, NULL,
     HISTORY("6.2.0", "`protover` made optional; when called without arguments the command "
                      "reports the current connection's context.")},
    {"hmset", COMMAND_DOC_DEPRECATED, "4.0.0", "`HSET` with multiple field-value pairs", NULL},
    {"hset", 0, NULL, NULL, HISTORY("4.0.0", "Accepts multiple `field` and `value` arguments.")},
    {"info", 0, NULL, NULL,
     HISTORY("7.0.0", "Added support for taking multiple section arguments.")},
    {"lpop", 0, NULL, NULL, HISTORY("6.2.0", "Added the `count` argument.")},
    {"lpush", 0, NULL, NULL, HISTORY("2.4.0", "Accepts multiple `element` arguments.")},
    {"lpushx", 0, NULL, NULL, HISTORY("4.0.0", "Accepts multiple `element` arguments.")},
    {"migrate", 0, NULL, NULL,
     HISTORY("3.0.0", "Added the `COPY` and `REPLACE` options.",
             "3.0.6", "Added the `KEYS` option.",
             "4.0.7", "Added the `AUTH` option.",
             "6.0.0", "Added the `AUTH2` option.")},
    {"pexpire", 0, NULL, NULL, expire_conditions},
    {"pexpireat", 0, NULL, NULL, expire_conditions},
    {"pfdebug", COMMAND_DOC_SYSCMD, NULL, NULL, NULL},
    {"pfselftest", COMMAND_DOC_SYSCMD, NULL, NULL, NULL},
    {"pttl", 0, NULL, NULL, HISTORY("2.8.0", "Added the -2 reply.")},
    {"renamenx", 0, NULL, NULL,
     HISTORY("3.2.0", "The command no longer returns an error when source and destination names "
                      "are the same.")},
    {"replconf", COMMAND_DOC_SYSCMD, NULL, NULL, NULL},
    {"restore", 0, NULL, NULL, restore_options},
    {"restore-asking", COMMAND_DOC_SYSCMD, NULL, NULL, restore_options},
    {"rpop", 0, NULL, NULL, HISTORY("6.2.0", "Added the `count` argument.")},
    {"rpoplpush", COMMAND_DOC_DEPRECATED, "6.2.0",
     "`LMOVE` with the `RIGHT` and `LEFT` arguments", NULL},
    {"rpush", 0, NULL, NULL, HISTORY("2.4.0", "Accepts multiple `element` arguments.")},
    {"rpushx", 0, NULL, NULL, HISTORY("4.0.0", "Accepts multiple `element` arguments.")},
    {"sadd", 0, NULL, NULL, HISTORY("2.4.0", "Accepts multiple `member` arguments.")},
    {"scan", 0, NULL, NULL, HISTORY("6.0.0", "Added the `TYPE` subcommand.")},
    {"script|flush", 0, NULL, NULL,
     HISTORY("6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers.")},
    {"set", 0, NULL, NULL,
     HISTORY("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options.",
             "6.0.0", "Added the `KEEPTTL` option.",
             "6.2.0", "Added the `GET`, `EXAT` and `PXAT` option.",
             "7.0.0", "Allowed the `NX` and `GET` options to be used together.")},
    {"shutdown", 0, NULL, NULL,
     HISTORY("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")},
    {"slaveof", COMMAND_DOC_DEPRECATED, "5.0.0", "`REPLICAOF`", NULL},
    {"slowlog|get", 0, NULL, NULL,
     HISTORY("4.0.0", "Added client IP address, port and name to the reply.")},
    {"spop", 0, NULL, NULL, HISTORY("3.2.0", "Added the `count` argument.")},
    {"srandmember", 0, NULL, NULL, HISTORY("2.6.0", "Added the optional `count` argument.")},
    {"srem", 0, NULL, NULL, HISTORY("2.4.0", "Accepts multiple `member` arguments.")},
    {"substr", COMMAND_DOC_DEPRECATED, "2.0.0", "`GETRANGE`", NULL},
    {"ttl", 0, NULL, NULL, HISTORY("2.8.0", "Added the -2 reply.")},
    {"xadd", 0, NULL, NULL,
     HISTORY("6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` "
                      "option.",
             "7.0.0", "Added support for the `<ms>-*` explicit ID form.")},
    {"xautoclaim", 0, NULL, NULL,
     HISTORY("7.0.0", "Added an element to the reply array, containing deleted entries the "
                      "command cleared from the PEL")},
    {"xgroup|create", 0, NULL, NULL, HISTORY("7.0.0", "Added the `entries_read` named argument.")},
    {"xgroup|setid", 0, NULL, NULL,
     HISTORY("7.0.0", "Added the optional `entries_read` argument.")},
    {"xinfo|groups", 0, NULL, NULL, HISTORY("7.0.0", "Added the `entries-read` and `lag` fields")},
    {"xinfo|stream", 0, NULL, NULL,
     HISTORY("6.0.0", "Added the `FULL` modifier.",
             "7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, "
                      "`recorded-first-entry-id`, `entries-read` and `lag` fields")},
    {"xpending", 0, NULL, NULL,
     HISTORY("6.2.0", "Added the `IDLE` option and exclusive range intervals.")},
    {"xrange", 0, NULL, NULL, HISTORY("6.2.0", "Added exclusive ranges.")},
    {"xrevrange", 0, NULL, NULL, HISTORY("6.2.0", "Added exclusive ranges.")},
    {"xsetid", 0, NULL, NULL,
     HISTORY("7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments.")},
    {"xtrim", 0, NULL, NULL,
     HISTORY("6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option.")},
    {"zadd", 0, NULL, NULL,
     HISTORY("2.4.0", "Accepts multiple elements.",
             "3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options.",
             "6.2.0", "Added the `GT` and `LT` options.")},
    {"zrange", 0, NULL, NULL,
     HISTORY("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")},
    {"zrangebylex", COMMAND_DOC_DEPRECATED, "6.2.0", "`ZRANGE` with the `BYLEX` argument", NULL},
    {"zrangebyscore", COMMAND_DOC_DEPRECATED, "6.2.0", "`ZRANGE` with the `BYSCORE` argument",
     HISTORY("2.0.0", "Added the `WITHSCORES` modifier.")},
    {"zrem", 0, NULL, NULL, HISTORY("2.4.0", "Accepts multiple elements.")},
    {"zrevrange", COMMAND_DOC_DEPRECATED, "6.2.0", "`ZRANGE` with the `REV` argument", NULL},
    {"zrevrangebylex", COMMAND_DOC_DEPRECATED, "6.2.0",
     "`ZRANGE` with the `REV` and `BYLEX` arguments", NULL},
    {"zrevrangebyscore", COMMAND_DOC_DEPRECATED, "6.2.0",
     "`ZRANGE` with the `REV` and `BYSCORE` arguments",
     HISTORY("2.1.6", "`min` and `max` can be exclusive.")},
};

/* ---- arguments --------------------------------------------------------------- */

/* The arguments younger than their command, or deprecated: the command,
 * the argument's path from the top by names (by token where two share a
 * name: CLIENT KILL's LADDR ip:port) and its versions. */
static const struct arg_extras {
    const char *command, *path;
    const char *since, *deprecated_since; /* NULL when Redis shows none */
} arg_extras_table[] = {
    {"auth", "username", "6.0.0", NULL},
    {"bgsave", "schedule", "3.2.2", NULL},
    {"bitcount", "index.index_unit", "7.0.0", NULL},
    {"bitpos", "index.end_index.index_unit", "7.0.0", NULL},
    {"client|kill", "filter.ip:port", NULL, "2.8.12"},
    {"client|kill", "filter.new-format.client-id", "2.8.12", NULL},
    {"client|kill", "filter.new-format.LADDR", "6.2.0", NULL},
    {"client|kill", "filter.new-format.normal_master_slave_pubsub", "2.8.12", NULL},
    {"client|kill", "filter.new-format.normal_master_slave_pubsub.master", "3.2.0", NULL},
    {"client|kill", "filter.new-format.normal_master_slave_pubsub.replica", "5.0.0", NULL},
    {"client|list", "id", "6.2.0", NULL},
    {"client|list", "normal_master_replica_pubsub", "5.0.0", NULL},
    {"client|pause", "mode", "6.2.0", NULL},
    {"cluster|meet", "cluster_bus_port", "4.0.0", NULL},
    {"expire", "condition", "7.0.0", NULL},
    {"expireat", "condition", "7.0.0", NULL},
    {"flushall", "async.async", "4.0.0", NULL},
    {"flushall", "async.sync", "6.2.0", NULL},
    {"flushdb", "async.async", "4.0.0", NULL},
    {"flushdb", "async.sync", "6.2.0", NULL},
    {"geoadd", "change", "6.2.0", NULL},
    {"geoadd", "condition", "6.2.0", NULL},
    {"georadius", "count.any", "6.2.0", NULL},
    {"georadius_ro", "count.any", "6.2.0", NULL},
    {"lpop", "count", "6.2.0", NULL},
    {"migrate", "authentication.password", "4.0.7", NULL},
    {"migrate", "authentication.username_password", "6.0.0", NULL},
    {"migrate", "copy", "3.0.0", NULL},
    {"migrate", "key", "3.0.6", NULL},
    {"migrate", "replace", "3.0.0", NULL},
    {"pexpire", "condition", "7.0.0", NULL},
    {"pexpireat", "condition", "7.0.0", NULL},
    {"restore", "absttl", "5.0.0", NULL},
    {"restore", "frequency", "5.0.0", NULL},
    {"restore", "replace", "3.0.0", NULL},
    {"restore", "seconds", "5.0.0", NULL},
    {"restore-asking", "absttl", "5.0.0", NULL},
    {"restore-asking", "frequency", "5.0.0", NULL},
    {"restore-asking", "replace", "3.0.0", NULL},
    {"restore-asking", "seconds", "5.0.0", NULL},
    {"rpop", "count", "6.2.0", NULL},
    {"scan", "type", "6.0.0", NULL},
    {"script|flush", "async", "6.2.0", NULL},
    {"set", "condition", "2.6.12", NULL},
    {"set", "expiration.keepttl", "6.0.0", NULL},
    {"set", "expiration.milliseconds", "2.6.12", NULL},
    {"set", "expiration.seconds", "2.6.12", NULL},
    {"set", "expiration.unix-time-milliseconds", "6.2.0", NULL},
    {"set", "expiration.unix-time-seconds", "6.2.0", NULL},
    {"set", "get", "6.2.0", NULL},
    {"shutdown", "abort", "7.0.0", NULL},
    {"shutdown", "force", "7.0.0", NULL},
    {"shutdown", "now", "7.0.0", NULL},
    {"spop", "count", "3.2.0", NULL},
    {"srandmember", "count", "2.6.0", NULL},
    {"xadd", "nomkstream", "6.2.0", NULL},
    {"xadd", "trim.count", "6.2.0", NULL},
    {"xadd", "trim.strategy.minid", "6.2.0", NULL},
    {"xpending", "filters.min-idle-time", "6.2.0", NULL},
    {"xsetid", "entries_added", "7.0.0", NULL},
    {"xsetid", "max_deleted_entry_id", "7.0.0", NULL},
    {"xtrim", "trim.count", "6.2.0", NULL},
    {"xtrim", "trim.strategy.minid", "6.2.0", NULL},
    {"zadd", "change", "3.0.2", NULL},
    {"zadd", "comparison", "6.2.0", NULL},
    {"zadd", "condition", "3.0.2", NULL},
    {"zadd", "increment", "3.0.2", NULL},
    {"zrange", "offset_count", "6.2.0", NULL},
    {"zrange", "rev", "6.2.0", NULL},
    {"zrange", "sortby", "6.2.0", NULL},
    {"zrangebyscore", "withscores", "2.0.0", NULL},
};
#define ARG_EXTRAS_COUNT (sizeof(arg_extras_table) / sizeof(arg_extras_table[0]))
/* Each one's argument, found at start-up (the area tables are constant). */
static const struct command_arg *arg_extras_found[ARG_EXTRAS_COUNT];

/* The argument at path ("expiration.keepttl") below args, or NULL. */
static const struct command_arg *arg_at(const struct command_arg *args, const char *path)
{
    size_t len = strcspn(path, ".");
    for (; args != NULL && args->name != NULL; args++) {
        bool named = strlen(args->name) == len && memcmp(args->name, path, len) == 0;
        bool tokened = args->token && strlen(args->token) == len &&
                       memcmp(args->token, path, len) == 0;
        if (named || tokened)
            return path[len] == '\0' ? args : arg_at(args->subargs, path + len + 1);
    }
    return NULL;
}

void command_arg_versions(const struct command_arg *arg, const char **since,
                          const char **deprecated_since)
{
    *since = *deprecated_since = NULL;
    for (size_t i = 0; i < ARG_EXTRAS_COUNT; i++) {
        if (arg_extras_found[i] == arg) {
            *since = arg_extras_table[i].since;
            *deprecated_since = arg_extras_table[i].deprecated_since;
            return;
        }
    }
}

/* Find each argument of the table. Two commands may share an argument
 * (RESTORE and RESTORE-ASKING): then they must agree on its versions. */
static int arg_extras_init(void)
{
    int rc = 0;
    for (size_t i = 0; i < ARG_EXTRAS_COUNT; i++) {
        const struct arg_extras *x = &arg_extras_table[i];
        const struct command *cmd = command__by_fullname(x->command, "Docs");
        arg_extras_found[i] = cmd ? arg_at(cmd->args, x->path) : NULL;
        const char *since, *deprecated_since;
        command_arg_versions(arg_extras_found[i], &since, &deprecated_since);
        if (arg_extras_found[i] == NULL || since != x->since ||
            deprecated_since != x->deprecated_since) {
            log_warning("Docs for argument '%s' of '%s': it has none such, or shares it "
                        "with a command whose versions differ", x->path, x->command);
            rc = -EINVAL; /* going on, to name every one */
        }
    }
    return rc;
}

/* ---- start-up ------------------------------------------------------------------ */

int command_doc_extras_init(void)
{
    for (size_t i = 0; i < sizeof(doc_extras_table) / sizeof(doc_extras_table[0]); i++) {
        struct command *cmd = command__by_fullname(doc_extras_table[i].name, "Docs");
        if (cmd == NULL)
            return -EINVAL;
        cmd->doc_extras = &doc_extras_table[i];
    }
    return arg_extras_init();
}
