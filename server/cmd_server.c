/*
 * cmd_server.c - server commands: INFO, CONFIG, DBSIZE, FLUSHDB, FLUSHALL,
 * TIME and SHUTDOWN. INFO keeps Redis's section and field names so that
 * monitoring tools and client libraries read it unchanged.
 */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "command.h"
#include "glob.h"
#include "keyspace.h"
#include "server.h"
#include "worker.h"

/* ---- INFO ------------------------------------------------------------------- */

static void info_line(struct resp_out *text, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void info_line(struct resp_out *text, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(line) - 2 ? (size_t)n : sizeof(line) - 3;
    line[len++] = '\r';
    line[len++] = '\n';
    resp_add_raw(text, line, len);
}

/* "1.28M" as Redis's bytesToHuman prints it. */
static void bytes_to_human(char *buf, size_t cap, long long n)
{
    double d = (double)n;
    if (n < 1024)
        snprintf(buf, cap, "%lldB", n);
    else if (n < 1024LL * 1024)
        snprintf(buf, cap, "%.2fK", d / 1024);
    else if (n < 1024LL * 1024 * 1024)
        snprintf(buf, cap, "%.2fM", d / (1024 * 1024));
    else if (n < 1024LL * 1024 * 1024 * 1024)
        snprintf(buf, cap, "%.2fG", d / (1024.0 * 1024 * 1024));
    else
        snprintf(buf, cap, "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
}

static long long used_memory(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
}

static long long resident_memory(void)
{
    long long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%lld %lld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static void info_server(struct resp_out *t, long long now_ms)
{
    struct utsname u;
    uname(&u);
    long long uptime = (now_ms - server.start_time_ms) / 1000;
    info_line(t, "# Server");
    info_line(t, "redis_version:%s", GROVE_REDIS_VERSION);
    info_line(t, "grove_version:%s", GROVE_VERSION);
    info_line(t, "redis_git_sha1:00000000");
    info_line(t, "redis_git_dirty:0");
    info_line(t, "redis_mode:standalone");
    info_line(t, "os:%s %s %s", u.sysname, u.release, u.machine);
    info_line(t, "arch_bits:%d", (int)sizeof(void *) * 8);
    info_line(t, "multiplexing_api:epoll");
    info_line(t, "gcc_version:%d.%d.%d", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
    info_line(t, "process_id:%d", (int)getpid());
    info_line(t, "run_id:%s", server.run_id);
    info_line(t, "tcp_port:%lld", server.cfg.port);
    info_line(t, "server_time_usec:%lld", now_ms * 1000);
    info_line(t, "uptime_in_seconds:%lld", uptime);
    info_line(t, "uptime_in_days:%lld", uptime / 86400);
    info_line(t, "hz:%lld", server.cfg.hz);
    info_line(t, "configured_hz:%lld", server.cfg.hz);
    info_line(t, "lru_clock:%u", atomic_load(&server.lru_clock));
    info_line(t, "io_threads_active:0");
    info_line(t, "worker_threads:%d", server.nworkers);
}

static void info_clients(struct resp_out *t)
{
    info_line(t, "# Clients");
    info_line(t, "connected_clients:%ld", atomic_load(&server.connected_clients));
    info_line(t, "cluster_connections:0");
    info_line(t, "maxclients:%lld", server.cfg.maxclients);
    info_line(t, "blocked_clients:0");
    info_line(t, "tracking_clients:0");
}

static void info_memory(struct resp_out *t, long long now_ms)
{
    struct keyspace_stats ks;
    keyspace_stats(server.ks, now_ms, &ks);
    char human[32], rss_human[32], max_human[32];
    long long used = used_memory(), rss = resident_memory();
    bytes_to_human(human, sizeof(human), used);
    bytes_to_human(rss_human, sizeof(rss_human), rss);
    bytes_to_human(max_human, sizeof(max_human), server.cfg.maxmemory);
    info_line(t, "# Memory");
    info_line(t, "used_memory:%lld", used);
    info_line(t, "used_memory_human:%s", human);
    info_line(t, "used_memory_rss:%lld", rss);
    info_line(t, "used_memory_rss_human:%s", rss_human);
    info_line(t, "used_memory_dataset:%zu", ks.bytes);
    info_line(t, "maxmemory:%lld", server.cfg.maxmemory);
    info_line(t, "maxmemory_human:%s", max_human);
    info_line(t, "maxmemory_policy:%s",
              config_maxmemory_policies[server.cfg.maxmemory_policy]);
    info_line(t, "mem_fragmentation_ratio:%.2f", used ? (double)rss / (double)used : 0.0);
    info_line(t, "mem_allocator:libc");
}

static void info_persistence(struct resp_out *t)
{
    info_line(t, "# Persistence");
    info_line(t, "loading:0");
    info_line(t, "async_loading:0");
    info_line(t, "rdb_changes_since_last_save:0");
    info_line(t, "rdb_bgsave_in_progress:0");
    info_line(t, "rdb_last_bgsave_status:ok");
    info_line(t, "aof_enabled:0");
    info_line(t, "aof_rewrite_in_progress:0");
}

static void info_stats(struct resp_out *t, long long now_ms)
{
    struct keyspace_stats ks;
    keyspace_stats(server.ks, now_ms, &ks);
    info_line(t, "# Stats");
    info_line(t, "total_connections_received:%lld",
              atomic_load(&server.total_connections_received));
    info_line(t, "total_commands_processed:%lld", server_total_commands());
    info_line(t, "instantaneous_ops_per_sec:%lld", server_instantaneous_ops());
    info_line(t, "total_net_input_bytes:%lld", server_net_input_bytes());
    info_line(t, "total_net_output_bytes:%lld", server_net_output_bytes());
    info_line(t, "rejected_connections:%lld", atomic_load(&server.rejected_connections));
    info_line(t, "expired_keys:%llu", (unsigned long long)ks.expired_keys);
    info_line(t, "evicted_keys:0");
    info_line(t, "keyspace_hits:%llu", (unsigned long long)ks.hits);
    info_line(t, "keyspace_misses:%llu", (unsigned long long)ks.misses);
    info_line(t, "pubsub_channels:0");
    info_line(t, "pubsub_patterns:0");
}

static void info_replication(struct resp_out *t)
{
    info_line(t, "# Replication");
    info_line(t, "role:master");
    info_line(t, "connected_slaves:0");
    info_line(t, "master_repl_offset:0");
}

static void info_cpu(struct resp_out *t)
{
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    info_line(t, "# CPU");
    info_line(t, "used_cpu_sys:%ld.%06ld", (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec);
    info_line(t, "used_cpu_user:%ld.%06ld", (long)self.ru_utime.tv_sec,
              (long)self.ru_utime.tv_usec);
}

static void info_cluster(struct resp_out *t)
{
    info_line(t, "# Cluster");
    info_line(t, "cluster_enabled:0");
}

static void info_keyspace(struct resp_out *t, long long now_ms)
{
    info_line(t, "# Keyspace");
    for (int i = 0; i < (int)server.cfg.databases; i++) {
        struct keyspace_stats st;
        keyspace_db_stats(keyspace_db(server.ks, (unsigned)i), now_ms, &st);
        if (st.keys == 0)
            continue;
        info_line(t, "db%d:keys=%llu,expires=%llu,avg_ttl=%lld", i,
                  (unsigned long long)st.keys, (unsigned long long)st.expires,
                  (long long)st.avg_ttl_ms);
    }
}

enum info_section {
    INFO_SERVER = 1 << 0, INFO_CLIENTS = 1 << 1, INFO_MEMORY = 1 << 2,
    INFO_PERSISTENCE = 1 << 3, INFO_STATS = 1 << 4, INFO_REPLICATION = 1 << 5,
    INFO_CPU = 1 << 6, INFO_MODULES = 1 << 7, INFO_ERRORSTATS = 1 << 8,
    INFO_CLUSTER = 1 << 9, INFO_KEYSPACE = 1 << 10,
};
#define INFO_DEFAULT 0x7ff

static const struct {
    const char *name;
    unsigned bit;
} info_sections[] = {
    {"server", INFO_SERVER},       {"clients", INFO_CLIENTS}, {"memory", INFO_MEMORY},
    {"persistence", INFO_PERSISTENCE}, {"stats", INFO_STATS},
    {"replication", INFO_REPLICATION}, {"cpu", INFO_CPU},     {"modules", INFO_MODULES},
    {"errorstats", INFO_ERRORSTATS}, {"cluster", INFO_CLUSTER}, {"keyspace", INFO_KEYSPACE},
};

static unsigned parse_sections(struct cmd_ctx *ctx)
{
    if (ctx->argc == 1)
        return INFO_DEFAULT;
    unsigned mask = 0;
    for (size_t i = 1; i < ctx->argc; i++) {
        const struct resp_arg *a = &ctx->argv[i];
        if (arg_is(a, "all") || arg_is(a, "everything") || arg_is(a, "default"))
            mask |= INFO_DEFAULT;
        for (size_t s = 0; s < sizeof(info_sections) / sizeof(info_sections[0]); s++)
            if (arg_is(a, info_sections[s].name))
                mask |= info_sections[s].bit;
    }
    return mask;
}

static void info_command(struct cmd_ctx *ctx)
{
    unsigned mask = parse_sections(ctx);
    struct resp_out t;
    resp_out_init(&t, 2);
    size_t sections = 0;
    for (size_t s = 0; s < sizeof(info_sections) / sizeof(info_sections[0]); s++) {
        unsigned bit = info_sections[s].bit;
        if (!(mask & bit))
            continue;
        if (sections++ > 0)
            resp_add_raw(&t, "\r\n", 2);
        switch (bit) {
        case INFO_SERVER: info_server(&t, ctx->now_ms); break;
        case INFO_CLIENTS: info_clients(&t); break;
        case INFO_MEMORY: info_memory(&t, ctx->now_ms); break;
        case INFO_PERSISTENCE: info_persistence(&t); break;
        case INFO_STATS: info_stats(&t, ctx->now_ms); break;
        case INFO_REPLICATION: info_replication(&t); break;
        case INFO_CPU: info_cpu(&t); break;
        case INFO_MODULES: info_line(&t, "# Modules"); break;
        case INFO_ERRORSTATS: info_line(&t, "# Errorstats"); break;
        case INFO_CLUSTER: info_cluster(&t); break;
        case INFO_KEYSPACE: info_keyspace(&t, ctx->now_ms); break;
        }
    }
    resp_add_verbatim(ctx->out, t.data ? t.data : "", t.len, "txt");
    resp_out_deinit(&t);
}

/* ---- CONFIG ----------------------------------------------------------------- */

struct config_reply {
    struct resp_out *out;
    const char **seen;   /* names already in the reply: patterns may overlap */
    size_t nseen, cap;
};

static void config_get_cb(const char *name, const char *value, void *ud)
{
    struct config_reply *r = ud;
    for (size_t i = 0; i < r->nseen; i++)
        if (r->seen[i] == name)
            return;
    if (r->nseen == r->cap)
        return;
    r->seen[r->nseen++] = name;
    resp_add_bulk_cstr(r->out, name);
    resp_add_bulk_cstr(r->out, value);
}

static void config_get_command(struct cmd_ctx *ctx)
{
    const char *seen[128];
    struct config_reply r = {.out = ctx->out, .seen = seen, .cap = 128};
    size_t handle = resp_add_deferred_len(ctx->out);
    config_lock();
    for (size_t i = 2; i < ctx->argc; i++)
        config_get(&server.cfg, ctx->argv[i].ptr, ctx->argv[i].len, config_get_cb, &r);
    config_unlock();
    resp_set_deferred_map_len(ctx->out, handle, r.nseen);
}

static void config_set_failed(struct cmd_ctx *ctx, const char *name, const char *reason)
{
    resp_add_errorf(ctx->out, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                    name, reason);
}

/* Checks every name before changing anything, so that an unknown or
 * immutable option leaves the configuration untouched. */
static void config_set_command(struct cmd_ctx *ctx)
{
    if ((ctx->argc - 2) % 2 != 0) {
        reply_wrong_arity(ctx, ctx->cmd);
        return;
    }
    char name[128], other[128], value[1024], reason[512];
    for (size_t i = 2; i < ctx->argc; i += 2) {
        arg_to_cstr(&ctx->argv[i], name, sizeof(name));
        int rc = config_check_settable(name, reason, sizeof(reason));
        if (rc == -2) {
            resp_add_errorf(ctx->out,
                            "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                            name);
            return;
        }
        if (rc < 0) {
            config_set_failed(ctx, name, reason);
            return;
        }
        for (size_t j = 2; j < i; j += 2) {
            arg_to_cstr(&ctx->argv[j], other, sizeof(other));
            if (strcasecmp(name, other) == 0) {
                config_set_failed(ctx, name, "duplicate parameter");
                return;
            }
        }
    }
    config_lock();
    for (size_t i = 2; i < ctx->argc; i += 2) {
        arg_to_cstr(&ctx->argv[i], name, sizeof(name));
        arg_to_cstr(&ctx->argv[i + 1], value, sizeof(value));
        if (config_set(&server.cfg, name, value, reason, sizeof(reason)) < 0) {
            config_unlock();
            config_set_failed(ctx, name, reason);
            return;
        }
    }
    config_unlock();
    resp_add_ok(ctx->out);
}

static void config_resetstat_command(struct cmd_ctx *ctx)
{
    for (int i = 0; i < server.nworkers; i++) {
        struct worker_stats *st = &server.workers[i].stats;
        atomic_store(&st->commands, 0);
        atomic_store(&st->net_input_bytes, 0);
        atomic_store(&st->net_output_bytes, 0);
    }
    atomic_store(&server.total_connections_received, 0);
    atomic_store(&server.rejected_connections, 0);
    keyspace_reset_stats(server.ks);
    resp_add_ok(ctx->out);
}

static void config_rewrite_command(struct cmd_ctx *ctx)
{
    resp_add_error(ctx->out, "ERR The server is running without a config file");
}

static void config_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof(lines) / sizeof(lines[0]);
    resp_add_array_len(ctx->out, n);
    for (size_t i = 0; i < n; i++)
        resp_add_simple(ctx->out, lines[i]);
}

/* ---- DBSIZE, FLUSHDB, FLUSHALL, TIME, SHUTDOWN ------------------------------- */

static void dbsize_command(struct cmd_ctx *ctx)
{
    resp_add_integer(ctx->out, (long long)keyspace_dbsize(ctx->db));
}

/* FLUSHDB / FLUSHALL [ASYNC|SYNC]. The keyspace empties the databases
 * atomically and hands back the old contents; SYNC frees them here, ASYNC
 * on the main thread (server_lazyfree), so the reply does not wait. */
static bool parse_flush_mode(struct cmd_ctx *ctx, bool *async)
{
    *async = false;
    if (ctx->argc == 1)
        return true;
    if (ctx->argc == 2 && arg_is(&ctx->argv[1], "sync"))
        return true;
    if (ctx->argc == 2 && arg_is(&ctx->argv[1], "async")) {
        *async = true;
        return true;
    }
    reply_syntax_error(ctx);
    return false;
}

static void finish_flush(struct cmd_ctx *ctx, int rc, struct keyspace_trash *trash, bool async)
{
    if (async)
        server_lazyfree(trash);
    else
        keyspace_trash_free(trash);
    if (rc < 0)
        resp_add_error(ctx->out, "ERR out of memory");
    else
        resp_add_ok(ctx->out);
}

static void flushdb_command(struct cmd_ctx *ctx)
{
    bool async;
    struct keyspace_trash *trash = NULL;
    if (parse_flush_mode(ctx, &async))
        finish_flush(ctx, keyspace_flushdb(ctx->db, &trash), trash, async);
}

static void flushall_command(struct cmd_ctx *ctx)
{
    bool async;
    struct keyspace_trash *trash = NULL;
    if (parse_flush_mode(ctx, &async))
        finish_flush(ctx, keyspace_flushall(server.ks, &trash), trash, async);
}

static void time_command(struct cmd_ctx *ctx)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    resp_add_array_len(ctx->out, 2);
    resp_add_bulk_ll(ctx->out, (long long)ts.tv_sec);
    resp_add_bulk_ll(ctx->out, (long long)(ts.tv_nsec / 1000));
}

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: Grove never persists, so the
 * save options change nothing; ABORT has nothing to abort. */
static void shutdown_command(struct cmd_ctx *ctx)
{
    for (size_t i = 1; i < ctx->argc; i++) {
        const struct resp_arg *a = &ctx->argv[i];
        if (arg_is(a, "abort")) {
            resp_add_error(ctx->out, "ERR No shutdown in progress.");
            return;
        }
        if (!arg_is(a, "nosave") && !arg_is(a, "save") && !arg_is(a, "now") &&
            !arg_is(a, "force")) {
            reply_syntax_error(ctx);
            return;
        }
    }
    ctx->client->flags |= CLIENT_CLOSE_AFTER_REPLY;
    server_request_shutdown();
}

/* ---- the table ---------------------------------------------------------------- */

static struct command config_subcommands[] = {
    {.name = "get", .arity = -3, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .proc = config_get_command, .group = "server",
     .summary = "Returns the effective values of configuration parameters.", .since = "2.0.0",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .args = (const struct command_arg[]){{"parameter", "string", NULL, COMMAND_ARG_MULTIPLE,
                                           NULL}, {0}}},
    {.name = "set", .arity = -4, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .proc = config_set_command, .group = "server",
     .summary = "Sets configuration parameters in-flight.", .since = "2.0.0",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .args = (const struct command_arg[]){{"data", "block", NULL, COMMAND_ARG_MULTIPLE,
         (const struct command_arg[]){{"parameter", "string", NULL, 0, NULL},
                                      {"value", "string", NULL, 0, NULL}, {0}}}, {0}}},
    {.name = "resetstat", .arity = 2, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .proc = config_resetstat_command, .group = "server",
     .summary = "Resets the server's statistics.", .since = "2.0.0"},
    {.name = "rewrite", .arity = 2, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .proc = config_rewrite_command, .group = "server",
     .summary = "Persists the effective configuration to file.", .since = "2.8.0"},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = config_help_command,
     .group = "server", .summary = "Returns helpful text about the different subcommands.",
     .since = "5.0.0"},
    {0},
};

struct command server_commands[] = {
    {.name = "info", .arity = -1, .flags = CMD_LOADING | CMD_STALE, .proc = info_command,
     .group = "server", .summary = "Returns information and statistics about the server.",
     .since = "1.0.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"section", "string", NULL,
                                           COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},
                                          {0}}},
    {.name = "config", .arity = -2, .flags = 0, .proc = NULL, .group = "server",
     .summary = "A container for server configuration commands.", .since = "2.0.0",
     .complexity = "Depends on subcommand.", .subcommands = config_subcommands},
    {.name = "dbsize", .arity = 1, .flags = CMD_READONLY | CMD_FAST, .proc = dbsize_command,
     .group = "server", .summary = "Returns the number of keys in the database.",
     .since = "1.0.0"},
    {.name = "flushdb", .arity = -1, .flags = CMD_WRITE, .proc = flushdb_command,
     .group = "server", .summary = "Removes all keys from the current database.",
     .since = "1.0.0", .complexity = "O(N) where N is the number of keys in the selected database",
     .args = (const struct command_arg[]){{"flush-type", "oneof", NULL, COMMAND_ARG_OPTIONAL,
         (const struct command_arg[]){{"async", "pure-token", "ASYNC", 0, NULL},
                                      {"sync", "pure-token", "SYNC", 0, NULL}, {0}}}, {0}}},
    {.name = "flushall", .arity = -1, .flags = CMD_WRITE, .proc = flushall_command,
     .group = "server", .summary = "Removes all keys from all databases.", .since = "1.0.0",
     .complexity = "O(N) where N is the total number of keys in all databases",
     .args = (const struct command_arg[]){{"flush-type", "oneof", NULL, COMMAND_ARG_OPTIONAL,
         (const struct command_arg[]){{"async", "pure-token", "ASYNC", 0, NULL},
                                      {"sync", "pure-token", "SYNC", 0, NULL}, {0}}}, {0}}},
    {.name = "time", .arity = 1, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .proc = time_command, .group = "server", .summary = "Returns the server time.",
     .since = "2.6.0"},
    {.name = "shutdown", .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_MULTI |
              CMD_ALLOW_BUSY,
     .proc = shutdown_command, .group = "server",
     .summary = "Synchronously saves the database(s) to disk and shuts down the Redis server.",
     .since = "1.0.0", .complexity = "O(N) when saving, where N is the total number of keys in "
                                     "all databases when saving data, otherwise O(1)",
     .args = (const struct command_arg[]){
         {"save-selector", "oneof", NULL, COMMAND_ARG_OPTIONAL, (const struct command_arg[]){
             {"nosave", "pure-token", "NOSAVE", 0, NULL},
             {"save", "pure-token", "SAVE", 0, NULL}, {0}}},
         {"now", "pure-token", "NOW", COMMAND_ARG_OPTIONAL, NULL},
         {"force", "pure-token", "FORCE", COMMAND_ARG_OPTIONAL, NULL},
         {"abort", "pure-token", "ABORT", COMMAND_ARG_OPTIONAL, NULL}, {0}}},
    {0},
};
