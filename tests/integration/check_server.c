/*
 * check_server.c - the server commands and the process end to end against
 * a real grove-server: INFO (sections, field names, counters, keyspace
 * lines), CONFIG GET/SET/RESETSTAT, DBSIZE, FLUSHDB, FLUSHALL, TIME,
 * COMMAND and its subcommands, the listeners (CONFIG SET port and bind at
 * run time, protected mode), and the process's life: SHUTDOWN, SIGTERM
 * and SIGINT exit 0, bad options refuse to start, a config file is read
 * and the command line overrides it.
 *
 * Expected texts were taken from redis-server 7.0.15.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixtures.h"
#include "exchange.h"
#include "../data/redis_command_docs.h"

#define SET_FAILED "ERR CONFIG SET failed (possibly related to argument "

/* ---- helpers -------------------------------------------------------------------- */

/* INFO's text (hiredis gives RESP2's bulk string); caller frees. */
static redisReply *info(const char *sections)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "INFO %s", sections ? sections : ""); /* words are arguments */
    redisReply *r = CMD(cmd);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    return r;
}

/* The "# Name" headers of an INFO text, space-separated. */
static void info_headers(const char *text, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = strstr(text, "# "); p; p = strstr(p + 1, "\r\n# ")) {
        if (p != text)
            p += 2;
        size_t n = strcspn(p + 2, "\r");
        used += (size_t)snprintf(out + used, cap - used, "%s%.*s", used ? " " : "", (int)n,
                                 p + 2);
    }
}

/* Every field of `section`, in order, and nothing in between but Grove's
 * own additions (grove_version, worker_threads). */
static void expect_fields(const char *section, const char *const *fields, size_t n)
{
    redisReply *r = info(section);
    const char *p = strstr(r->str, "\r\n") + 2;
    for (size_t i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof(key), "\r\n%s:", fields[i]);
        const char *at = strstr(p - 2, key);
        ck_assert_msg(at != NULL, "INFO %s: no %s (or out of order)", section, fields[i]);
        p = at + 2;
    }
    freeReplyObject(r);
}

/* Is (name, value) in a CONFIG GET reply (a flat array in RESP2)? */
static const char *config_value(redisReply *r, const char *name)
{
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    for (size_t i = 0; i + 1 < r->elements; i += 2)
        if (strcmp(r->element[i]->str, name) == 0)
            return r->element[i + 1]->str;
    return NULL;
}

static void expect_config(const char *name, const char *value)
{
    redisReply *r = CMD("CONFIG GET %s", name);
    ck_assert_uint_eq(r->elements, 2);
    const char *v = config_value(r, name);
    ck_assert_msg(v != NULL && strcmp(v, value) == 0, "%s = %s, expected %s", name,
                  v ? v : "(none)", value);
    freeReplyObject(r);
}

/* ---- INFO --------------------------------------------------------------------- */

START_TEST(info_default_sections_in_redis_order)
{
    char headers[512];
    redisReply *r = info(NULL);
    info_headers(r->str, headers, sizeof(headers));
    ck_assert_str_eq(headers, "Server Clients Memory Persistence Stats Replication CPU Modules "
                              "Errorstats Cluster Keyspace");
    /* Sections are separated by one empty line; the text ends in CRLF. */
    ck_assert_ptr_nonnull(strstr(r->str, "\r\n\r\n# Clients\r\n"));
    ck_assert_int_eq(r->str[r->len - 1], '\n');
    freeReplyObject(r);
    r = info("default");
    info_headers(r->str, headers, sizeof(headers));
    ck_assert_str_eq(headers, "Server Clients Memory Persistence Stats Replication CPU Modules "
                              "Errorstats Cluster Keyspace");
    freeReplyObject(r);
    r = info("all");
    info_headers(r->str, headers, sizeof(headers));
    ck_assert_str_eq(headers, "Server Clients Memory Persistence Stats Replication CPU Modules "
                              "Commandstats Errorstats Latencystats Cluster Keyspace");
    freeReplyObject(r);
}
END_TEST

START_TEST(info_with_sections_gives_just_those)
{
    char headers[512];
    redisReply *r = info("clients SERVER");
    info_headers(r->str, headers, sizeof(headers));
    ck_assert_str_eq(headers, "Server Clients"); /* Redis's order, not the request's */
    freeReplyObject(r);
    r = info("keyspace");
    ck_assert_str_eq(r->str, "# Keyspace\r\n");
    freeReplyObject(r);
    EXPECT_STR("", "INFO nosuch");
    r = info("commandstats errorstats");
    info_headers(r->str, headers, sizeof(headers));
    ck_assert_str_eq(headers, "Commandstats Errorstats");
    freeReplyObject(r);
}
END_TEST

START_TEST(info_sections_have_redis_field_names)
{
    static const char *const server_fields[] = {
        "redis_version", "redis_git_sha1", "redis_git_dirty", "redis_build_id", "redis_mode",
        "os", "arch_bits", "monotonic_clock", "multiplexing_api", "atomicvar_api",
        "gcc_version", "process_id", "process_supervised", "run_id", "tcp_port",
        "server_time_usec", "uptime_in_seconds", "uptime_in_days", "hz", "configured_hz",
        "lru_clock", "executable", "config_file", "io_threads_active"};
    static const char *const clients_fields[] = {
        "connected_clients", "cluster_connections", "maxclients",
        "client_recent_max_input_buffer", "client_recent_max_output_buffer", "blocked_clients",
        "tracking_clients", "clients_in_timeout_table"};
    static const char *const memory_fields[] = {
        "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
        "used_memory_peak", "used_memory_peak_human", "used_memory_peak_perc",
        "used_memory_overhead", "used_memory_startup", "used_memory_dataset",
        "used_memory_dataset_perc", "allocator_allocated", "allocator_active",
        "allocator_resident", "total_system_memory", "total_system_memory_human",
        "used_memory_lua", "used_memory_vm_eval", "used_memory_lua_human",
        "used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions",
        "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total",
        "used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts",
        "used_memory_scripts_human", "maxmemory", "maxmemory_human", "maxmemory_policy",
        "allocator_frag_ratio", "allocator_frag_bytes", "allocator_rss_ratio",
        "allocator_rss_bytes", "rss_overhead_ratio", "rss_overhead_bytes",
        "mem_fragmentation_ratio", "mem_fragmentation_bytes", "mem_not_counted_for_evict",
        "mem_replication_backlog", "mem_total_replication_buffers", "mem_clients_slaves",
        "mem_clients_normal", "mem_cluster_links", "mem_aof_buffer", "mem_allocator",
        "active_defrag_running", "lazyfree_pending_objects", "lazyfreed_objects"};
    static const char *const persistence_fields[] = {
        "loading", "async_loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
        "rdb_last_save_time", "rdb_last_bgsave_status", "aof_enabled",
        "aof_rewrite_in_progress", "aof_last_write_status"};
    static const char *const stats_fields[] = {
        "total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
        "total_net_input_bytes", "total_net_output_bytes", "total_net_repl_input_bytes",
        "total_net_repl_output_bytes", "instantaneous_input_kbps", "instantaneous_output_kbps",
        "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps",
        "rejected_connections", "sync_full", "sync_partial_ok", "sync_partial_err",
        "expired_keys", "expired_stale_perc", "expired_time_cap_reached_count",
        "expire_cycle_cpu_milliseconds", "evicted_keys", "evicted_clients",
        "total_eviction_exceeded_time", "current_eviction_exceeded_time", "keyspace_hits",
        "keyspace_misses", "pubsub_channels", "pubsub_patterns", "pubsubshard_channels",
        "latest_fork_usec", "total_forks", "migrate_cached_sockets",
        "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses",
        "active_defrag_key_hits", "active_defrag_key_misses", "total_active_defrag_time",
        "current_active_defrag_time", "tracking_total_keys", "tracking_total_items",
        "tracking_total_prefixes", "unexpected_error_replies", "total_error_replies",
        "dump_payload_sanitizations", "total_reads_processed", "total_writes_processed",
        "io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks",
        "reply_buffer_expands"};
    static const char *const replication_fields[] = {
        "role", "connected_slaves", "master_failover_state", "master_replid", "master_replid2",
        "master_repl_offset", "second_repl_offset", "repl_backlog_active",
        "repl_backlog_size", "repl_backlog_first_byte_offset", "repl_backlog_histlen"};
    static const char *const cpu_fields[] = {
        "used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children",
        "used_cpu_sys_main_thread", "used_cpu_user_main_thread"};
#define FIELDS(section, list) expect_fields(section, list, sizeof(list) / sizeof(list[0]))
    FIELDS("server", server_fields);
    FIELDS("clients", clients_fields);
    FIELDS("memory", memory_fields);
    FIELDS("persistence", persistence_fields);
    FIELDS("stats", stats_fields);
    FIELDS("replication", replication_fields);
    FIELDS("cpu", cpu_fields);
#undef FIELDS
}
END_TEST

START_TEST(info_server_describes_this_process)
{
    char buf[128];
    ck_assert(harness_info_field(harness_ctx, "server", "redis_version", buf, sizeof(buf)));
    ck_assert_str_eq(buf, "7.0.15");
    ck_assert(harness_info_field(harness_ctx, "server", "grove_version", buf, sizeof(buf)));
    ck_assert(harness_info_field(harness_ctx, "server", "redis_mode", buf, sizeof(buf)));
    ck_assert_str_eq(buf, "standalone");
    ck_assert_int_eq(harness_info_ll(harness_ctx, "server", "process_id"), harness_srv.pid);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "server", "tcp_port"), harness_srv.port);
    ck_assert(harness_info_field(harness_ctx, "server", "run_id", buf, sizeof(buf)));
    ck_assert_uint_eq(strlen(buf), 40);
    ck_assert_uint_eq(strspn(buf, "0123456789abcdef"), 40);
    ck_assert(harness_info_field(harness_ctx, "server", "executable", buf, sizeof(buf)));
    ck_assert_ptr_nonnull(strstr(buf, "grove-server"));
    ck_assert(harness_info_field(harness_ctx, "server", "config_file", buf, sizeof(buf)));
    ck_assert_str_eq(buf, "");
    ck_assert_int_ge(harness_info_ll(harness_ctx, "server", "uptime_in_seconds"), 0);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "server", "hz"), 10);
    long long usec = harness_info_ll(harness_ctx, "server", "server_time_usec");
    ck_assert_int_lt(llabs(usec / 1000000 - (long long)time(NULL)), 60);
}
END_TEST

START_TEST(info_counts_clients_commands_and_hits)
{
    redisContext *other = harness_connect(&harness_srv);
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", 2);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "clients", "maxclients"), 10000);
    long long conns = harness_info_ll(harness_ctx, "stats", "total_connections_received");
    redisContext *third = harness_connect(&harness_srv);
    harness_expect_status(harness_cmd(third, "PING"), "PONG");
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "total_connections_received"),
                     conns + 1);
    redisFree(third);
    redisFree(other);
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", 1);

    long long hits = harness_info_ll(harness_ctx, "stats", "keyspace_hits");
    long long misses = harness_info_ll(harness_ctx, "stats", "keyspace_misses");
    long long errors = harness_info_ll(harness_ctx, "stats", "total_error_replies");
    long long cmds = harness_info_ll(harness_ctx, "stats", "total_commands_processed");
    EXPECT_OK("SET k v");
    EXPECT_STR("v", "GET k");
    EXPECT_NIL("GET nokey");
    EXPECT_ERR("ERR unknown command 'nosuch', with args beginning with: ", "nosuch");
    EXPECT_ERR("ERR wrong number of arguments for 'get' command", "GET");
    /* The INFO that read `cmds` counts (once it is done, as in Redis); the
     * rejected commands do not. */
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "total_commands_processed"),
                     cmds + 1 + 3);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "keyspace_hits"), hits + 1);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "keyspace_misses"), misses + 1);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "total_error_replies"), errors + 2);
    ck_assert_int_gt(harness_info_ll(harness_ctx, "stats", "total_net_input_bytes"), 0);
    ck_assert_int_gt(harness_info_ll(harness_ctx, "stats", "total_net_output_bytes"), 0);
    ck_assert_int_gt(harness_info_ll(harness_ctx, "memory", "used_memory"), 0);
    ck_assert_int_ge(harness_info_ll(harness_ctx, "memory", "used_memory_peak"),
                     harness_info_ll(harness_ctx, "memory", "used_memory_startup"));
}
END_TEST

START_TEST(info_commandstats_and_errorstats)
{
    EXPECT_OK("CONFIG RESETSTAT");
    EXPECT_OK("SET k v");
    EXPECT_STR("v", "GET k");
    EXPECT_STR("v", "GET k");
    EXPECT_ERR("ERR wrong number of arguments for 'get' command", "GET");
    EXPECT_ERR("ERR unknown subcommand 'nosuch'. Try CLIENT HELP.", "CLIENT nosuch");
    EXPECT_ERR("ERR syntax error", "CLIENT REPLY maybe");
    harness_expect_cmdstat(harness_ctx, "get", 2, 1, 0);
    harness_expect_cmdstat(harness_ctx, "set", 1, 0, 0);
    harness_expect_cmdstat(harness_ctx, "config|resetstat", 1, 0, 0);
    harness_expect_cmdstat(harness_ctx, "client|reply", 1, 0, 1);
    redisReply *r = info("commandstats");
    ck_assert_ptr_null(strstr(r->str, "cmdstat_ping:")); /* unused: not listed */
    freeReplyObject(r);
    r = info("errorstats");
    ck_assert_str_eq(r->str, "# Errorstats\r\nerrorstat_ERR:count=3\r\n");
    freeReplyObject(r);
}
END_TEST

START_TEST(info_keyspace_lines_per_database)
{
    redisReply *r = info("keyspace");
    ck_assert_str_eq(r->str, "# Keyspace\r\n");
    freeReplyObject(r);
    EXPECT_OK("SET a 1");
    EXPECT_OK("SET b 2");
    EXPECT_OK("SET c 3 EX 100");
    EXPECT_OK("SELECT 5");
    EXPECT_OK("SET z 1");
    EXPECT_OK("SELECT 0");
    r = info("keyspace");
    long long avg = -1;
    ck_assert_msg(sscanf(r->str, "# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=%lld\r\n", &avg) == 1,
                  "%s", r->str);
    ck_assert_int_ge(avg, 0);
    ck_assert_int_le(avg, 100000);
    ck_assert_ptr_nonnull(strstr(r->str, "\r\ndb5:keys=1,expires=0,avg_ttl=0\r\n"));
    ck_assert(strstr(r->str, "db0:") < strstr(r->str, "db5:"));
    freeReplyObject(r);
}
END_TEST

START_TEST(config_resetstat_zeroes_the_counters)
{
    EXPECT_OK("SET k v");
    EXPECT_STR("v", "GET k");
    EXPECT_NIL("GET nokey");
    EXPECT_ERR("ERR wrong number of arguments for 'config|resetstat' command",
               "CONFIG RESETSTAT x");
    EXPECT_OK("CONFIG RESETSTAT");
    /* RESETSTAT itself counts, as in Redis. */
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "total_commands_processed"), 1);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "keyspace_hits"), 0);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "keyspace_misses"), 0);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "total_connections_received"), 0);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "rejected_connections"), 0);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "total_error_replies"), 0);
    redisReply *r = info("errorstats");
    ck_assert_str_eq(r->str, "# Errorstats\r\n");
    freeReplyObject(r);
    EXPECT_STR("v", "GET k"); /* the data stays */
}
END_TEST

/* ---- CONFIG ----------------------------------------------------------------------- */

START_TEST(config_get_with_globs_and_several_patterns)
{
    redisReply *r = CMD("CONFIG GET *max-*-len");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(config_value(r, "proto-max-bulk-len"), "536870912");
    freeReplyObject(r);
    r = CMD("CONFIG GET timeout hz timeout");
    ck_assert_uint_eq(r->elements, 4);
    ck_assert_str_eq(config_value(r, "timeout"), "0");
    ck_assert_str_eq(config_value(r, "hz"), "10");
    freeReplyObject(r);
    r = CMD("CONFIG GET maxmemory*");
    ck_assert_str_eq(config_value(r, "maxmemory"), "0");
    ck_assert_str_eq(config_value(r, "maxmemory-policy"), "noeviction");
    freeReplyObject(r);
    r = CMD("CONFIG GET tcp-* m?xclients [d]atabases");
    ck_assert_uint_eq(r->elements, 8);
    ck_assert_str_eq(config_value(r, "tcp-backlog"), "511");
    ck_assert_str_eq(config_value(r, "tcp-keepalive"), "300");
    ck_assert_str_eq(config_value(r, "maxclients"), "10000");
    ck_assert_str_eq(config_value(r, "databases"), "16");
    freeReplyObject(r);
    /* A plain name comes back as it was asked for; a pattern does not. */
    r = CMD("CONFIG GET PORT");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "PORT");
    freeReplyObject(r);
    r = CMD("CONFIG GET TIMEOUT time*");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "TIMEOUT");
    freeReplyObject(r);
    r = CMD("CONFIG GET time* TIMEOUT");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "timeout");
    freeReplyObject(r);
    r = CMD("CONFIG GET nosuch");
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
    r = CMD("CONFIG GET *");
    ck_assert_uint_ge(r->elements, 2 * 20);
    ck_assert_str_eq(config_value(r, "client-output-buffer-limit"),
                     "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    ck_assert_str_eq(config_value(r, "save"), ""); /* the harness's --save "" */
    ck_assert_str_eq(config_value(r, "appendonly"), "no");
    freeReplyObject(r);
    EXPECT_ERR("ERR wrong number of arguments for 'config|get' command", "CONFIG GET");
}
END_TEST

START_TEST(config_set_takes_several_pairs)
{
    EXPECT_OK("CONFIG SET timeout 5 hz 20 maxmemory 10kb");
    expect_config("timeout", "5");
    expect_config("hz", "20");
    expect_config("maxmemory", "10240");
    EXPECT_OK("CONFIG SET TIMEOUT 0 Hz 10 maxmemory 0");
    expect_config("timeout", "0");
    expect_config("hz", "10");
    /* Values are case-insensitive where Redis's are. */
    EXPECT_OK("CONFIG SET loglevel WARNING maxmemory-policy ALLKEYS-LRU rdbcompression NO");
    expect_config("loglevel", "warning");
    expect_config("maxmemory-policy", "allkeys-lru");
    EXPECT_OK("CONFIG SET loglevel notice maxmemory-policy noeviction rdbcompression yes");
    /* hz is clamped, not refused. */
    EXPECT_OK("CONFIG SET hz 0");
    expect_config("hz", "1");
    EXPECT_OK("CONFIG SET hz 100000");
    expect_config("hz", "500");
    EXPECT_OK("CONFIG SET hz 10");
    EXPECT_OK("CONFIG SET client-output-buffer-limit %s", "normal 1k 2kb 3 pubsub 1 2 3");
    expect_config("client-output-buffer-limit",
                  "normal 1000 2048 3 slave 268435456 67108864 60 pubsub 1 2 3");
    EXPECT_OK("CONFIG SET client-output-buffer-limit %s", "");
    EXPECT_OK("CONFIG SET client-output-buffer-limit %s", "normal 0 0 0 pubsub 32mb 8mb 60");
    EXPECT_OK("CONFIG SET save %s", "900 1 300 10");
    expect_config("save", "900 1 300 10");
    EXPECT_OK("CONFIG SET save %s", "");
}
END_TEST

START_TEST(config_set_errors_are_redis_texts)
{
    EXPECT_ERR("ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
               "CONFIG SET foo bar");
    EXPECT_ERR("ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
               "CONFIG SET timeout 5 foo 1");
    EXPECT_ERR(SET_FAILED "'databases') - can't set immutable config", "CONFIG SET databases 3");
    EXPECT_ERR(SET_FAILED "'DATABASES') - can't set immutable config", "CONFIG SET DATABASES 3");
    EXPECT_ERR(SET_FAILED "'daemonize') - can't set immutable config", "CONFIG SET daemonize no");
    EXPECT_ERR(SET_FAILED "'dir') - can't set protected config", "CONFIG SET dir /tmp");
    EXPECT_ERR(SET_FAILED "'hz') - duplicate parameter", "CONFIG SET hz 1 hz 2");
    EXPECT_ERR(SET_FAILED "'TIMEOUT') - duplicate parameter", "CONFIG SET timeout 0 TIMEOUT 0");
    EXPECT_ERR(SET_FAILED "'timeout') - argument couldn't be parsed into an integer",
               "CONFIG SET TIMEOUT x");
    EXPECT_ERR(SET_FAILED "'timeout') - argument couldn't be parsed into an integer",
               "CONFIG SET timeout 05");
    EXPECT_ERR(SET_FAILED "'timeout') - argument couldn't be parsed into an integer",
               "CONFIG SET timeout +5");
    EXPECT_ERR(SET_FAILED "'timeout') - argument couldn't be parsed into an integer",
               "CONFIG SET timeout 1.5");
    EXPECT_ERR(SET_FAILED "'timeout') - argument must be between 0 and 2147483647 inclusive",
               "CONFIG SET timeout -1");
    EXPECT_ERR(SET_FAILED "'maxclients') - argument must be between 1 and 4294967295 inclusive",
               "CONFIG SET maxclients 0");
    EXPECT_ERR(SET_FAILED "'proto-max-bulk-len') - argument must be between 1048576 and "
               "9223372036854775807 inclusive", "CONFIG SET proto-max-bulk-len 10");
    EXPECT_ERR(SET_FAILED "'maxmemory') - argument must be a memory value",
               "CONFIG SET maxmemory 1.5gb");
    EXPECT_ERR(SET_FAILED "'maxmemory') - argument must be a memory value",
               "CONFIG SET maxmemory -1");
    EXPECT_ERR(SET_FAILED "'maxmemory') - argument must be a memory value",
               "CONFIG SET maxmemory +5");
    EXPECT_ERR(SET_FAILED "'maxmemory-policy') - argument(s) must be one of the following: "
               "volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
               "allkeys-lfu, allkeys-random, noeviction", "CONFIG SET maxmemory-policy x");
    EXPECT_ERR(SET_FAILED "'loglevel') - argument(s) must be one of the following: debug, "
               "verbose, notice, warning", "CONFIG SET loglevel x");
    EXPECT_ERR(SET_FAILED "'appendonly') - argument must be 'yes' or 'no'",
               "CONFIG SET appendonly x");
    EXPECT_ERR(SET_FAILED "'client-output-buffer-limit') - Wrong number of arguments in buffer "
               "limit configuration.", "CONFIG SET client-output-buffer-limit %s", "normal 1");
    EXPECT_ERR(SET_FAILED "'client-output-buffer-limit') - Invalid client class specified in "
               "buffer limit configuration.", "CONFIG SET client-output-buffer-limit %s",
               "master 1 2 3");
    EXPECT_ERR(SET_FAILED "'client-output-buffer-limit') - Error in hard, soft or soft_seconds "
               "setting in buffer limit configuration.",
               "CONFIG SET client-output-buffer-limit %s", "normal 1 2 -3");
    EXPECT_ERR(SET_FAILED "'save') - Invalid save parameters", "CONFIG SET save %s", "1 2 3");
    EXPECT_ERR(SET_FAILED "'save') - Invalid save parameters", "CONFIG SET save %s", "-1 2");
    EXPECT_ERR(ERR_SYNTAX, "CONFIG SET timeout 1 hz");
    EXPECT_ERR("ERR wrong number of arguments for 'config|set' command", "CONFIG SET timeout");
    EXPECT_ERR("ERR unknown subcommand 'foo'. Try CONFIG HELP.", "CONFIG foo");
}
END_TEST

START_TEST(config_set_is_all_or_nothing)
{
    EXPECT_ERR(SET_FAILED "'maxmemory') - argument must be a memory value",
               "CONFIG SET timeout 5 maxmemory x");
    expect_config("timeout", "0");
    EXPECT_ERR(SET_FAILED "'maxmemory') - argument must be a memory value",
               "CONFIG SET maxmemory x timeout 5");
    expect_config("timeout", "0");
    EXPECT_ERR(SET_FAILED "'hz') - argument couldn't be parsed into an integer",
               "CONFIG SET loglevel debug maxmemory 1mb hz x");
    expect_config("loglevel", "notice");
    expect_config("maxmemory", "0");
}
END_TEST

/* CONFIG GET's value of `name` is these `len` bytes. */
static void expect_config_bytes(const char *name, const char *bytes, size_t len)
{
    redisReply *r = CMD("CONFIG GET %s", name);
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_uint_eq(r->element[1]->len, len);
    ck_assert(memcmp(r->element[1]->str, bytes, len) == 0);
    freeReplyObject(r);
}

/* requirepass and masterauth take any bytes, as Redis's SDS options: the
 * password "abc\0def" is all seven, not "abc", and CONFIG GET gives them
 * back. Other settings are C strings: a NUL byte is refused rather than
 * cutting the value short. */
START_TEST(config_set_keeps_a_binary_password_whole)
{
    EXPECT_OK("CONFIG SET requirepass %b", "abc\0def", (size_t)7);
    expect_config_bytes("requirepass", "abc\0def", 7);
    redisContext *c = harness_connect(&harness_srv);
    harness_expect_error(harness_cmd(c, "AUTH abc"),
                         "WRONGPASS invalid username-password pair or user is disabled.");
    harness_expect_status(harness_cmd(c, "AUTH %b", "abc\0def", (size_t)7), "OK");
    redisFree(c);
    EXPECT_OK("CONFIG SET requirepass %s", "");
    EXPECT_OK("CONFIG SET masterauth %b", "x\0y", (size_t)3);
    expect_config_bytes("masterauth", "x\0y", 3);
    EXPECT_OK("CONFIG SET masterauth %s", "");
    EXPECT_ERR(SET_FAILED "'masteruser') - Grove does not support NUL bytes in this setting",
               "CONFIG SET masteruser %b", "abc\0def", (size_t)7);
    expect_config("masteruser", "");
}
END_TEST

/* Like Redis, a maxclients the open-files limit cannot hold is refused,
 * with the number that would fit (the hard limit less 32 reserved). The
 * server gets a hard limit of its own, so the test does not depend on the
 * one it would inherit (which may be unlimited). */
#define FILES_HARD_LIMIT 4096

START_TEST(config_set_maxclients_beyond_the_files_limit_is_refused)
{
    static const char *const args[] = {"--maxclients", "100", NULL};
    struct harness_opts opts = {.nofile = FILES_HARD_LIMIT, .nofile_hard = FILES_HARD_LIMIT};
    struct grove_server s;
    harness_start_ex(&s, &opts, args);
    redisContext *shared = harness_ctx;
    harness_ctx = harness_connect(&s);
    char want[256];
    snprintf(want, sizeof(want),
             SET_FAILED "'maxclients') - The operating system is not able to handle the "
             "specified number of clients, try with %d", FILES_HARD_LIMIT - 32);
    EXPECT_ERR(want, "CONFIG SET timeout 7 maxclients %d", FILES_HARD_LIMIT + 1000);
    expect_config("maxclients", "100");
    expect_config("timeout", "0");
    EXPECT_OK("CONFIG SET maxclients 20");
    expect_config("maxclients", "20");
    EXPECT_OK("CONFIG SET maxclients %d", FILES_HARD_LIMIT - 32);
    expect_config("maxclients", "4064");
    redisFree(harness_ctx);
    harness_ctx = shared;
    harness_stop(&s);
}
END_TEST

/* proto-max-bulk-len applies to connections made before the change, from
 * their next request on. */
START_TEST(config_set_proto_max_bulk_len_reaches_existing_connections)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "PING\r\n", "+PONG\r\n");
    EXPECT_OK("CONFIG SET proto-max-bulk-len 1mb");
    harness_raw_roundtrip(fd, "*2\r\n$4\r\nECHO\r\n$1048577\r\n",
                          "-ERR Protocol error: invalid bulk length\r\n");
    ck_assert(harness_raw_closed(fd));
    close(fd);
    EXPECT_OK("CONFIG SET proto-max-bulk-len 512mb");
}
END_TEST

/* HELP replies end the way Redis's addReplyHelp ends them. */
START_TEST(container_help_ends_like_redis)
{
    static const char *const containers[] = {"CONFIG", "CLIENT", "COMMAND", "OBJECT"};
    for (size_t i = 0; i < sizeof(containers) / sizeof(containers[0]); i++) {
        redisReply *r = harness_cmd(harness_ctx, "%s HELP", containers[i]);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_uint_ge(r->elements, 3);
        char header[128];
        snprintf(header, sizeof(header),
                 "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", containers[i]);
        ck_assert_str_eq(r->element[0]->str, header);
        ck_assert_str_eq(r->element[r->elements - 2]->str, "HELP");
        ck_assert_str_eq(r->element[r->elements - 1]->str, "    Prints this help.");
        freeReplyObject(r);
    }
}
END_TEST

/* SET k v is answered with the OOM error (any other error fails the test). */
static bool set_is_refused(void)
{
    redisReply *r = CMD("SET k v");
    bool refused = r->type == REDIS_REPLY_ERROR;
    if (refused)
        harness_expect_error(r, "OOM command not allowed when used memory > 'maxmemory'.");
    else
        harness_expect_status(r, "OK");
    return refused;
}

/* Grove does not evict: over maxmemory, commands that may grow the data
 * are refused with Redis's OOM error, reads and deletes still work. */
START_TEST(over_maxmemory_write_commands_get_oom)
{
    EXPECT_OK("SET kept value");
    EXPECT_OK("CONFIG SET maxmemory 1");
    /* used_memory is measured by the cron: writes succeed until it has run */
    HARNESS_WAIT_FOR(set_is_refused(), "SET still accepted over maxmemory 1");
    harness_expect_str(harness_cmd(harness_ctx, "GET kept"), "value");
    harness_expect_int(harness_cmd(harness_ctx, "DEL kept"), 1);
    EXPECT_OK("CONFIG SET maxmemory 0");
    EXPECT_OK("SET k v");
}
END_TEST

/* ---- DBSIZE, FLUSHDB, FLUSHALL, TIME ------------------------------------------------ */

START_TEST(dbsize_counts_the_selected_database)
{
    EXPECT_INT(0, "DBSIZE");
    EXPECT_OK("SET a 1");
    EXPECT_OK("SET b 2");
    EXPECT_INT(2, "DBSIZE");
    EXPECT_OK("SELECT 1");
    EXPECT_INT(0, "DBSIZE");
    EXPECT_OK("SET c 3");
    EXPECT_INT(1, "DBSIZE");
    EXPECT_ERR("ERR wrong number of arguments for 'dbsize' command", "DBSIZE x");
}
END_TEST

START_TEST(flushdb_empties_only_the_selected_database)
{
    EXPECT_OK("SET a 1");
    EXPECT_OK("SELECT 1");
    EXPECT_OK("SET b 2");
    EXPECT_OK("FLUSHDB");
    EXPECT_INT(0, "DBSIZE");
    EXPECT_OK("SET b 2");
    EXPECT_OK("FLUSHDB ASYNC");
    EXPECT_INT(0, "DBSIZE");
    EXPECT_OK("SET b 2");
    EXPECT_OK("FLUSHDB sync");
    EXPECT_INT(0, "DBSIZE");
    EXPECT_OK("SELECT 0");
    EXPECT_STR("1", "GET a");
    EXPECT_ERR(ERR_SYNTAX, "FLUSHDB x");
    EXPECT_ERR(ERR_SYNTAX, "FLUSHDB ASYNC SYNC");
    EXPECT_STR("1", "GET a");
}
END_TEST

START_TEST(flushall_empties_every_database)
{
    for (int mode = 0; mode < 3; mode++) {
        for (int db = 0; db < 16; db += 5) {
            EXPECT_OK("SELECT %d", db);
            EXPECT_OK("SET k%d v", db);
        }
        EXPECT_OK("SELECT 0");
        if (mode == 0)
            EXPECT_OK("FLUSHALL");
        else
            EXPECT_OK("FLUSHALL %s", mode == 1 ? "ASYNC" : "sync");
        for (int db = 0; db < 16; db += 5) {
            EXPECT_OK("SELECT %d", db);
            EXPECT_INT(0, "DBSIZE");
        }
        EXPECT_OK("SELECT 0");
    }
    redisReply *r = info("keyspace");
    ck_assert_str_eq(r->str, "# Keyspace\r\n");
    freeReplyObject(r);
    EXPECT_OK("SET kept 1");
    EXPECT_ERR(ERR_SYNTAX, "FLUSHALL a b");
    EXPECT_ERR(ERR_SYNTAX, "FLUSHALL x");
    EXPECT_ERR(ERR_SYNTAX, "FLUSHALL ASYNC x");
    EXPECT_STR("1", "GET kept");
}
END_TEST

START_TEST(time_gives_seconds_and_microseconds)
{
    redisReply *r = CMD("TIME");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STRING);
    long long sec = strtoll(r->element[0]->str, NULL, 10);
    long long usec = strtoll(r->element[1]->str, NULL, 10);
    ck_assert_int_lt(llabs(sec - (long long)time(NULL)), 60);
    ck_assert_int_ge(usec, 0);
    ck_assert_int_lt(usec, 1000000);
    freeReplyObject(r);
    EXPECT_ERR("ERR wrong number of arguments for 'time' command", "TIME x");
}
END_TEST

/* ---- COMMAND ---------------------------------------------------------------------- */

START_TEST(command_count_matches_command_and_list)
{
    redisReply *count = CMD("COMMAND COUNT");
    ck_assert_int_eq(count->type, REDIS_REPLY_INTEGER);
    redisReply *all = CMD("COMMAND");
    ck_assert_uint_eq(all->elements, (size_t)count->integer);
    redisReply *list = CMD("COMMAND LIST");
    size_t top = 0;
    bool has_get = false, has_kill = false;
    for (size_t i = 0; i < list->elements; i++) {
        top += strchr(list->element[i]->str, '|') == NULL;
        has_get |= strcmp(list->element[i]->str, "get") == 0;
        has_kill |= strcmp(list->element[i]->str, "client|kill") == 0;
    }
    ck_assert_uint_eq(top, (size_t)count->integer);
    ck_assert(has_get && has_kill);
    freeReplyObject(count);
    freeReplyObject(all);
    freeReplyObject(list);
}
END_TEST

START_TEST(command_info_describes_commands)
{
    redisReply *r = CMD("COMMAND INFO get client|id nosuch");
    ck_assert_uint_eq(r->elements, 3);
    redisReply *get = r->element[0];
    ck_assert_uint_eq(get->elements, 10);
    ck_assert_str_eq(get->element[0]->str, "get");
    ck_assert_int_eq(get->element[1]->integer, 2);
    ck_assert_uint_eq(get->element[2]->elements, 2);
    ck_assert_str_eq(get->element[2]->element[0]->str, "readonly");
    ck_assert_str_eq(get->element[2]->element[1]->str, "fast");
    ck_assert_int_eq(get->element[3]->integer, 1);
    ck_assert_int_eq(get->element[4]->integer, 1);
    ck_assert_int_eq(get->element[5]->integer, 1);
    /* ACL categories in Redis's order. */
    ck_assert_uint_eq(get->element[6]->elements, 3);
    ck_assert_str_eq(get->element[6]->element[0]->str, "@read");
    ck_assert_str_eq(get->element[6]->element[1]->str, "@string");
    ck_assert_str_eq(get->element[6]->element[2]->str, "@fast");
    ck_assert_str_eq(r->element[1]->element[0]->str, "client|id");
    ck_assert_int_eq(r->element[2]->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    r = CMD("COMMAND INFO flushall");
    redisReply *cats = r->element[0]->element[6];
    ck_assert_uint_eq(cats->elements, 4);
    ck_assert_str_eq(cats->element[0]->str, "@keyspace");
    ck_assert_str_eq(cats->element[1]->str, "@write");
    ck_assert_str_eq(cats->element[2]->str, "@slow");
    ck_assert_str_eq(cats->element[3]->str, "@dangerous");
    freeReplyObject(r);
    /* A container lists its subcommands. */
    r = CMD("COMMAND INFO config");
    ck_assert_int_eq(r->element[0]->element[1]->integer, -2);
    ck_assert_uint_ge(r->element[0]->element[9]->elements, 4);
    freeReplyObject(r);
}
END_TEST

/* One field of COMMAND INFO of one command, as "a b c" (its items). */
static void expect_info_field(const char *command, int field, const char *want)
{
    redisReply *r = CMD("COMMAND INFO %s", command);
    redisReply *f = r->element[0]->element[field];
    char got[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < f->elements && used < sizeof(got); i++)
        used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", i ? " " : "",
                                 f->element[i]->str);
    ck_assert_msg(strcmp(got, want) == 0, "%s field %d: '%s', not '%s'", command, field, got,
                  want);
    freeReplyObject(r);
}

/* Texts from redis-server 7.0.15's COMMAND INFO. */
START_TEST(command_info_has_redis_tips_flags_and_categories)
{
    expect_info_field("dbsize", 7, "request_policy:all_shards response_policy:agg_sum");
    expect_info_field("smembers", 7, "nondeterministic_output_order");
    expect_info_field("get", 7, "");
    expect_info_field("bgsave", 2, "admin noscript no_async_loading");
    expect_info_field("shutdown", 2, "admin noscript loading stale no_multi allow_busy");
    expect_info_field("eval_ro", 6, "@slow @scripting");
    expect_info_field("xinfo|help", 6, "@stream @slow");
    expect_info_field("readonly", 2, "loading stale fast");
    expect_info_field("readonly", 6, "@fast @connection");
    redisReply *r = CMD("COMMAND INFO pfselftest");
    ck_assert_int_eq(r->element[0]->element[5]->integer, 0); /* no keys, no step */
    freeReplyObject(r);
}
END_TEST

/* Without cluster support, as Redis 7.0 with cluster-enabled no. */
START_TEST(cluster_commands_say_cluster_support_is_disabled)
{
    static const struct harness_step steps[] = {
        {"CLUSTER INFO", "-ERR This instance has cluster support disabled"},
        {"CLUSTER HELP", "-ERR This instance has cluster support disabled"},
        {"CLUSTER SLOTS", "-ERR This instance has cluster support disabled"},
        {"READONLY", "-ERR This instance has cluster support disabled"},
        {"READWRITE", "-ERR This instance has cluster support disabled"},
        {"ASKING", "-ERR This instance has cluster support disabled"},
        {"CLUSTER", "-ERR wrong number of arguments for 'cluster' command"},
        {"CLUSTER MEET 1", "-ERR wrong number of arguments for 'cluster|meet' command"},
        {"CLUSTER NOSUCH", "-ERR unknown subcommand 'NOSUCH'. Try CLUSTER HELP."},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        harness_expect_step(harness_ctx, &steps[i]);
    redisReply *r = CMD("COMMAND LIST FILTERBY PATTERN *|help");
    bool cluster_help = false;
    for (size_t i = 0; i < r->elements; i++)
        cluster_help |= strcmp(r->element[i]->str, "cluster|help") == 0;
    ck_assert(cluster_help);
    freeReplyObject(r);
}
END_TEST

START_TEST(command_docs_describe_arguments)
{
    redisReply *r = CMD("COMMAND DOCS get nosuch");
    ck_assert_uint_eq(r->elements, 2); /* nosuch is left out */
    ck_assert_str_eq(r->element[0]->str, "get");
    redisReply *doc = r->element[1];
    const char *keys[] = {"summary", "since", "group", "complexity", "arguments"};
    ck_assert_uint_eq(doc->elements, 10);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(doc->element[2 * i]->str, keys[i]);
    ck_assert_str_eq(doc->element[3]->str, "1.0.0");
    ck_assert_str_eq(doc->element[5]->str, "string");
    redisReply *arg = doc->element[9]->element[0];
    ck_assert_str_eq(arg->element[0]->str, "name");
    ck_assert_str_eq(arg->element[1]->str, "key");
    ck_assert_str_eq(arg->element[2]->str, "type");
    ck_assert_str_eq(arg->element[3]->str, "key");
    freeReplyObject(r);
    r = CMD("COMMAND DOCS nosuch");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
}
END_TEST

/* COMMAND DOCS is redis-server 7.0.15's byte for byte: history, doc flags,
 * deprecation, key_spec_index, nested blocks and oneofs, the since of
 * arguments, in RESP2 and RESP3 (tests/data/redis_command_docs.h). */
START_TEST(command_docs_are_redis_byte_for_byte)
{
    RUN_EXCHANGES(redis_command_docs);
}
END_TEST

START_TEST(command_list_filters)
{
    redisReply *r = CMD("COMMAND LIST FILTERBY PATTERN client|s*");
    ck_assert_uint_ge(r->elements, 1);
    for (size_t i = 0; i < r->elements; i++)
        ck_assert_int_eq(strncmp(r->element[i]->str, "client|s", 8), 0);
    freeReplyObject(r);
    r = CMD("COMMAND LIST FILTERBY ACLCAT dangerous");
    bool has_flushall = false;
    for (size_t i = 0; i < r->elements; i++)
        has_flushall |= strcmp(r->element[i]->str, "flushall") == 0;
    ck_assert(has_flushall);
    freeReplyObject(r);
    r = CMD("COMMAND LIST FILTERBY ACLCAT nosuch");
    ck_assert_uint_eq(r->elements, 0);
    freeReplyObject(r);
    EXPECT_ERR(ERR_SYNTAX, "COMMAND LIST FILTERBY foo x");
    EXPECT_ERR(ERR_SYNTAX, "COMMAND LIST x");
}
END_TEST

START_TEST(command_getkeys_finds_the_keys)
{
    redisReply *r = CMD("COMMAND GETKEYS SET k v");
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_str_eq(r->element[0]->str, "k");
    freeReplyObject(r);
    EXPECT_ERR("ERR Invalid command specified", "COMMAND GETKEYS nosuch a");
    EXPECT_ERR("ERR Invalid number of arguments specified for command",
               "COMMAND GETKEYS get a b");
    EXPECT_ERR("ERR The command has no key arguments", "COMMAND GETKEYS ping a");
    /* Redis 7.0's arity for GETKEYS is -4: a command and one argument. */
    EXPECT_ERR("ERR wrong number of arguments for 'command|getkeys' command",
               "COMMAND GETKEYS get");
}
END_TEST

/* ---- the process ------------------------------------------------------------------ */

START_TEST(shutdown_exits_cleanly)
{
    struct grove_server s;
    harness_start(&s, NULL);
    redisContext *c = harness_connect(&s);
    harness_expect_status(harness_cmd(c, "SET k v"), "OK");
    harness_expect_error(harness_cmd(c, "SHUTDOWN foo"), ERR_SYNTAX);
    harness_expect_error(harness_cmd(c, "SHUTDOWN ABORT"), "ERR No shutdown in progress.");
    harness_expect_status(harness_cmd(c, "PING"), "PONG"); /* still up */
    int idle = harness_raw_connect(&s);
    /* No reply: the connection just closes, as with Redis. */
    int fd = harness_raw_connect(&s);
    harness_raw_send(fd, "SHUTDOWN NOSAVE NOW FORCE\r\n", 27);
    char buf[64];
    ck_assert_uint_eq(harness_raw_recv(fd, buf, sizeof(buf), 1), 0);
    ck_assert(harness_raw_closed(fd));
    ck_assert(harness_raw_closed(idle));
    harness_wait_exit(&s);
    close(fd);
    close(idle);
    redisFree(c);
}
END_TEST

static void stop_busy_server_with(int signum)
{
    struct grove_server s;
    harness_start(&s, NULL);
    redisContext *c = harness_connect(&s);
    harness_expect_status(harness_cmd(c, "SET k v"), "OK");
    int fd = harness_raw_connect(&s);
    const char *half = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nhalf"; /* mid-request */
    harness_raw_send(fd, half, strlen(half));
    harness_stop_with(&s, signum);
    ck_assert(harness_raw_closed(fd));
    close(fd);
    redisFree(c);
}

START_TEST(sigterm_exits_zero)
{
    stop_busy_server_with(SIGTERM);
}
END_TEST

START_TEST(sigint_exits_zero)
{
    stop_busy_server_with(SIGINT);
}
END_TEST

/* A signal's shutdown waits for the cron, as Redis's: while DEBUG
 * PAUSE-CRON holds it, SHUTDOWN ABORT cancels it (Redis's shutdown unit). */
START_TEST(shutdown_abort_cancels_a_pending_sigterm)
{
    const char *args[] = {"--enable-debug-command", "yes", NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    harness_cmd_ok(c, "DEBUG PAUSE-CRON 1");
    ck_assert_int_eq(kill(s.pid, SIGTERM), 0);
    harness_sleep_ms(50);
    harness_cmd_ok(c, "SHUTDOWN ABORT");
    harness_expect_error(harness_cmd(c, "SHUTDOWN ABORT"), "ERR No shutdown in progress.");
    harness_cmd_ok(c, "DEBUG PAUSE-CRON 0");
    harness_sleep_ms(250); /* a few cron ticks: nothing left to act on */
    harness_expect_status(harness_cmd(c, "PING"), "PONG");
    redisFree(c);
    harness_stop(&s);
}
END_TEST

struct bad_start {
    const char *args[6];
    const char *mentions; /* the message must name it */
};

static const struct bad_start bad_starts[] = {
    {{"--nosuch", "1"}, "nosuch"},
    {{"--maxclients", "lots"}, "maxclients"},
    {{"--maxclients", "0"}, "maxclients"},
    {{"--port", "70000"}, "port"},
    {{"--loglevel", "loud"}, "loglevel"},
    {{"--maxmemory", "1zb"}, "maxmemory"},
    {{"--timeout"}, "timeout"},
    {{"--appendonly", "maybe"}, "appendonly"},
    {{"--save", "1 2 3"}, "save"},
    {{"/nonexistent/grove.conf"}, "/nonexistent/grove.conf"},
    {{"--port", "1", "stray"}, "port"},
    {{"--rename-command", "nosuch", "x"}, "No such command in rename-command"},
    {{"--rename-command", "get", "set"}, "Target command name already exists"},
};

START_TEST(bad_options_refuse_to_start)
{
    const struct bad_start *b = &bad_starts[_i];
    char out[4096];
    int status = harness_run_to_exit(b->args, out, sizeof(out));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0, "%s: status %d", b->args[0],
                  status);
    ck_assert_msg(strstr(out, b->mentions) != NULL, "%s: message does not name %s: %s",
                  b->args[0], b->mentions, out);
}
END_TEST

static char *write_config(const char *text)
{
    char *path = strdup("/tmp/grove-check-server-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

START_TEST(config_file_is_read_and_the_command_line_wins)
{
    char *path = write_config("# a comment, then a blank line\n"
                              "\n"
                              "maxclients 50\n"
                              "timeout \"7\"\n"
                              "requirepass \"pass word\"\n"
                              "  hz   20  \n"
                              "save 900 1 300 10\n"
                              "client-output-buffer-limit normal 0 0 0 pubsub 1mb 1mb 0\n");
    static const char *const args[] = {"--maxclients", "60", "--hz", "30", NULL};
    struct harness_opts opts = {.config_file = path};
    struct grove_server s;
    harness_start_ex(&s, &opts, args);
    redisContext *c = harness_connect(&s);
    harness_expect_error(harness_cmd(c, "PING"), "NOAUTH Authentication required.");
    harness_expect_status(harness_cmd(c, "AUTH %s", "pass word"), "OK");
    redisContext *saved = harness_ctx;
    harness_ctx = c;
    expect_config("maxclients", "60");
    expect_config("hz", "30");
    expect_config("timeout", "7");
    expect_config("save", "900 1 300 10");
    expect_config("client-output-buffer-limit",
                  "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 1048576 0");
    char file[512];
    ck_assert(harness_info_field(c, "server", "config_file", file, sizeof(file)));
    ck_assert_str_eq(file, path);
    EXPECT_OK("CONFIG SET save %s", ""); /* no dump.rdb in the working directory */
    harness_ctx = saved;
    redisFree(c);
    harness_stop(&s);
    unlink(path);
    free(path);
}
END_TEST

/* Redis's save special case: the first "save" read replaces the default
 * points, every later one (in the file or on the command line) adds its
 * own, and an empty one clears them. */
START_TEST(later_save_lines_add_save_points)
{
    char *path = write_config("save 900 1\nsave 300 10\n");
    static const char *const more[] = {"--save", "60", "100", NULL};
    static const char *const cleared[] = {"--save", "", NULL};
    static const char *const *const args[] = {more, cleared};
    static const char *const want[] = {"900 1 300 10 60 100", ""};
    struct harness_opts opts = {.config_file = path};
    for (int i = 0; i < 2; i++) {
        struct grove_server s;
        harness_start_ex(&s, &opts, args[i]);
        redisContext *saved = harness_ctx;
        harness_ctx = harness_connect(&s);
        expect_config("save", want[i]);
        EXPECT_OK("CONFIG SET save %s", ""); /* no dump.rdb in the working directory */
        redisFree(harness_ctx);
        harness_ctx = saved;
        harness_stop(&s);
    }
    unlink(path);
    free(path);
}
END_TEST

START_TEST(config_file_errors_name_the_line)
{
    char *path = write_config("maxclients 50\nnosuchdirective 1\n");
    const char *args[] = {path, NULL};
    char out[4096];
    int status = harness_run_to_exit(args, out, sizeof(out));
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    ck_assert_msg(strstr(out, "*** FATAL CONFIG FILE ERROR") != NULL &&
                      strstr(out, "Reading the configuration file, at line 2\n"
                                  ">>> 'nosuchdirective 1'\n"
                                  "Bad directive or wrong number of arguments\n") != NULL,
                  "%s", out);
    unlink(path);
    free(path);
}
END_TEST

/* The command line becomes config lines by Redis's rules (its
 * introspection tests): the arguments after "--name" are its values, a
 * value may start with "--" right after a lone name, "--name value" in one
 * argument is a whole line, a lone "--save" means save "", and an error
 * shows the line as Redis quotes it. */
START_TEST(command_line_options_follow_redis_s_rules)
{
    static const struct {
        const char *args[6];
        const char *text;
    } refused[] = {
        {{"--port", "6379", "6380"}, ">>> 'port \"6379\" \"6380\"'\nwrong number of arguments\n"},
        {{"--port", "--bla", "--loglevel", "verbose"},
         ">>> 'port \"--bla\"'\nargument couldn't be parsed into an integer\n"},
        {{"--replicaof", "127.0.0.1", "abc"},
         ">>> 'replicaof \"127.0.0.1\" \"abc\"'\nInvalid master port\n"},
        {{"--replicaof", "--127.0.0.1", "--abc"},
         ">>> 'replicaof \"--127.0.0.1\"'\nBad directive or wrong number of arguments\n"},
        {{"--shutdown-on-sigint"}, ">>> 'shutdown-on-sigint'\nargument(s) must be one of"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char out[4096];
        int status = harness_run_to_exit(refused[i].args, out, sizeof(out));
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0);
        ck_assert_msg(strstr(out, "at line 2\n") && strstr(out, refused[i].text), "%s", out);
    }
    static const char *const args[] = {"--proc-title-template", "--my--title", "--maxmemory 700mb",
                                       "--save", "--loglevel", "verbose", NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *saved = harness_ctx;
    harness_ctx = harness_connect(&s);
    expect_config("proc-title-template", "--my--title");
    expect_config("maxmemory", "734003200");
    expect_config("save", "");
    expect_config("loglevel", "verbose");
    redisFree(harness_ctx);
    harness_ctx = saved;
    harness_stop(&s);
}
END_TEST

/* rename-command, as Redis 7.0: clients use the new name (or none), the
 * command keeps its own everywhere else (COMMAND INFO, commandstats, ACL
 * rules), and Grove's own uses of it (serving BLPOP with LPOP) go on. */
START_TEST(rename_command_renames_for_clients_only)
{
    char *path = write_config("rename-command config MyConfig\n"
                              "rename-command lpop \"\"\n");
    static const char *const args[] = {"--rename-command", "flushall", "", NULL};
    struct harness_opts opts = {.config_file = path};
    struct grove_server s;
    harness_start_ex(&s, &opts, args);
    redisContext *c = harness_connect(&s);
    harness_expect_error(harness_cmd(c, "FLUSHALL"),
                         "ERR unknown command 'FLUSHALL', with args beginning with: ");
    harness_expect_error(harness_cmd(c, "CONFIG GET port"),
                         "ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' ");
    redisReply *r = harness_cmd(c, "MYCONFIG GET maxclients");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2);
    freeReplyObject(r);
    harness_expect_cmdstat(c, "config|get", 1, 0, 0);
    r = harness_cmd(c, "COMMAND INFO config myconfig flushall");
    ck_assert_uint_eq(r->elements, 3);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_NIL);
    ck_assert_str_eq(r->element[1]->element[0]->str, "config");
    ck_assert_int_eq(r->element[2]->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    long long listed = 0;
    r = harness_cmd(c, "COMMAND LIST");
    for (size_t i = 0; i < r->elements; i++)
        listed += strcmp(r->element[i]->str, "flushall") == 0 ? 1000
                  : strchr(r->element[i]->str, '|') == NULL ? 1
                                                            : 0;
    freeReplyObject(r);
    ck_assert_int_eq(harness_cmd_int(c, "COMMAND COUNT"), listed); /* flushall is not listed */
    harness_expect_status(harness_cmd(c, "ACL SETUSER u +config +flushall"), "OK");
    harness_expect_error(harness_cmd(c, "ACL SETUSER u +myconfig"),
                         "ERR Error in ACL SETUSER modifier '+myconfig': Unknown command or "
                         "category name in ACL");
    redisContext *blocked = harness_connect(&s);
    harness_send_only(blocked, "BLPOP q 0");
    HARNESS_WAIT_FOR(harness_info_ll(c, "clients", "blocked_clients") == 1, "not blocked");
    harness_expect_int(harness_cmd(c, "RPUSH q item"), 1);
    r = harness_read_reply(blocked);
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[1]->str, "item");
    freeReplyObject(r);
    redisFree(blocked);
    redisFree(c);
    harness_stop(&s);
    unlink(path);
    free(path);
}
END_TEST

/* Grove loads no modules: as Redis 7.0 without any and with its default
 * enable-module-command no (check_knobs allows them). */
START_TEST(module_lists_none_and_refuses_loading)
{
    EXPECT_EMPTY("MODULE LIST");
    static const char refused[] =
        "ERR MODULE command not allowed. If the enable-module-command option is set to "
        "\"local\", you can run it from a local connection, otherwise you need to set this "
        "option in the configuration file, and then restart the server.";
    EXPECT_ERR(refused, "MODULE LOAD /tmp/x.so");
    EXPECT_ERR(refused, "MODULE LOADEX /tmp/x.so");
    EXPECT_ERR(refused, "MODULE UNLOAD x");
    EXPECT_ERR("ERR unknown subcommand 'foo'. Try MODULE HELP.", "MODULE foo");
    redisReply *r = CMD("MODULE HELP");
    harness_assert_array(r, 11);
    ck_assert_str_eq(r->element[0]->str,
                     "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    freeReplyObject(r);
}
END_TEST

/* ---- listeners: CONFIG SET port, bind, tls-port; protected mode ------------------------- */

/* Whether something accepts TCP connections on 127.0.0.1 (or ::1) at port. */
static bool listens(const char *ip, int port)
{
    struct sockaddr_storage sa = {0};
    socklen_t len = sizeof(struct sockaddr_in);
    struct sockaddr_in *in = (struct sockaddr_in *)&sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
    if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
    } else {
        ck_assert_int_eq(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        len = sizeof(*in6);
    }
    int fd = socket(sa.ss_family, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    bool ok = connect(fd, (struct sockaddr *)&sa, len) == 0;
    close(fd);
    return ok;
}

/* A loopback port another process (this test) holds. */
static int hold_a_port(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(fd, 1), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void expect_port(redisContext *c, int port)
{
    char want[32];
    snprintf(want, sizeof(want), "%d", port);
    redisReply *r = harness_cmd(c, "CONFIG GET port");
    harness_assert_array(r, 2);
    ck_assert_str_eq(r->element[1]->str, want);
    freeReplyObject(r);
    ck_assert_int_eq(harness_info_ll(c, "server", "tcp_port"), port);
}

/* The new port listens on every loop before the old one closes; the
 * connections made before stay; CONFIG GET and INFO follow. */
START_TEST(config_set_port_moves_the_listener_and_keeps_connections)
{
    struct harness_fixture f;
    const char *const args[] = {"--threads", "2", NULL};
    harness_up(&f, args);
    int old = f.s.port, moved = harness_free_port();
    harness_cmd_ok(f.c, "CONFIG SET port %d", moved);
    f.s.port = moved;
    HARNESS_WAIT_FOR(!listens("127.0.0.1", old), "port %d still listens", old);
    expect_port(f.c, moved);
    for (int i = 0; i < 8; i++) { /* a fresh connection on each loop, whichever gets it */
        redisContext *c = harness_connect(&f.s);
        harness_expect_status(harness_cmd(c, "PING"), "PONG");
        redisFree(c);
    }
    harness_cmd_ok(f.c, "CONFIG SET port %d", moved); /* the same port: nothing to do */
    harness_cmd_ok(f.c, "CONFIG SET port 0");          /* no TCP at all, as Redis allows */
    HARNESS_WAIT_FOR(!listens("127.0.0.1", moved), "port %d still listens", moved);
    harness_cmd_ok(f.c, "CONFIG SET port %d", moved);
    harness_down(&f);
}
END_TEST

/* Redis's text, and nothing changes: still listening where it was. */
START_TEST(config_set_port_in_use_changes_nothing)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    int taken, fd = hold_a_port(&taken);
    harness_expect_error(harness_cmd(f.c, "CONFIG SET port %d", taken),
                         SET_FAILED "'port') - Unable to listen on this port. Check server logs.");
    expect_port(f.c, f.s.port);
    ck_assert(listens("127.0.0.1", f.s.port));
    /* Redis blames the first of port and bind in the command */
    harness_expect_error(harness_cmd(f.c, "CONFIG SET port %d bind 999.9.9.9", harness_free_port()),
                         SET_FAILED "'port') - Unable to listen on this port. Check server logs.");
    expect_port(f.c, f.s.port);
    close(fd);
    harness_down(&f);
}
END_TEST

START_TEST(config_set_bind_is_all_or_nothing)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    const char *fail = SET_FAILED "'bind') - Failed to bind to specified addresses.";
    harness_expect_error(harness_cmd(f.c, "CONFIG SET bind 999.999.999.999"), fail);
    harness_expect_error(harness_cmd(f.c, "CONFIG SET bind %s", "127.0.0.1 127.0.0.1"), fail);
    harness_expect_error(harness_cmd(f.c, "CONFIG SET bind %s",
                                     "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"),
                         SET_FAILED "'bind') - Too many bind addresses specified.");
    redisReply *r = harness_cmd(f.c, "CONFIG GET bind");
    ck_assert_str_eq(r->element[1]->str, "127.0.0.1");
    freeReplyObject(r);
    ck_assert(listens("127.0.0.1", f.s.port));
    /* an optional address this machine lacks is skipped, as at start-up */
    harness_cmd_ok(f.c, "CONFIG SET bind %s", "127.0.0.1 -192.0.2.1");
    ck_assert(listens("127.0.0.1", f.s.port));
    harness_down(&f);
}
END_TEST

static bool has_ipv6_loopback(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* Addresses come and go; the connections made before stay. */
START_TEST(config_set_bind_adds_and_drops_addresses)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "CONFIG SET bind %s", "127.0.0.1 -::1");
    ck_assert(listens("127.0.0.1", f.s.port));
    if (has_ipv6_loopback())
        ck_assert(listens("::1", f.s.port));
    harness_cmd_ok(f.c, "CONFIG SET bind %s", "");
    HARNESS_WAIT_FOR(!listens("127.0.0.1", f.s.port), "127.0.0.1 still listens");
    harness_expect_status(harness_cmd(f.c, "PING"), "PONG");
    harness_cmd_ok(f.c, "CONFIG SET bind 127.0.0.1");
    ck_assert(listens("127.0.0.1", f.s.port));
    harness_down(&f);
}
END_TEST

#define DENIED_START "-DENIED Redis is running in protected mode because protected mode is enabled"
#define DENIED_END "in order for the server to start accepting connections from the outside.\r\n"

/* Redis 7.0's rule: while protected-mode is yes and the default user has
 * no password, a peer other than 127.0.0.1 and ::1 gets -DENIED and is
 * closed, whatever bind says. Needs an address of this machine that is
 * not loopback to connect from (the server still listens on 127.0.0.1). */
START_TEST(protected_mode_denies_strangers_while_default_has_no_password)
{
    char ip[64];
    if (!harness_non_loopback_address(ip, sizeof(ip)))
        return; /* nothing to connect from */
    struct harness_fixture f;
    harness_up(&f, NULL);
    int fd = harness_connect_from(ip, f.s.port);
    char buf[2048];
    size_t n = harness_raw_recv(fd, buf, sizeof(buf), sizeof(buf) - 1);
    ck_assert_uint_eq(n, 1067); /* the whole of Redis's text, then EOF */
    ck_assert(strncmp(buf, DENIED_START, strlen(DENIED_START)) == 0);
    ck_assert_str_eq(buf + n - strlen(DENIED_END), DENIED_END);
    close(fd);
    ck_assert_int_eq(harness_info_ll(f.c, "stats", "rejected_connections"), 1);
    /* a password for the default user lets strangers in (to AUTH) */
    harness_cmd_ok(f.c, "CONFIG SET requirepass secret");
    fd = harness_connect_from(ip, f.s.port);
    harness_raw_expect(fd, "PING", "-NOAUTH Authentication required.\r\n");
    close(fd);
    harness_cmd_ok(f.c, "CONFIG SET requirepass %s", "");
    /* and so does protected-mode no */
    harness_cmd_ok(f.c, "CONFIG SET protected-mode no");
    fd = harness_connect_from(ip, f.s.port);
    harness_raw_expect(fd, "PING", "+PONG\r\n");
    close(fd);
    harness_down(&f);
}
END_TEST

/* ---- the suite ------------------------------------------------------------------------ */

static Suite *server_suite(void)
{
    Suite *s = suite_create("server");
    TCase *tc = harness_server_case("info", NULL, NULL);
    tcase_add_test(tc, info_default_sections_in_redis_order);
    tcase_add_test(tc, module_lists_none_and_refuses_loading);
    tcase_add_test(tc, rename_command_renames_for_clients_only);
    tcase_add_test(tc, command_info_has_redis_tips_flags_and_categories);
    tcase_add_test(tc, cluster_commands_say_cluster_support_is_disabled);
    tcase_add_test(tc, info_with_sections_gives_just_those);
    tcase_add_test(tc, info_sections_have_redis_field_names);
    tcase_add_test(tc, info_server_describes_this_process);
    tcase_add_test(tc, info_counts_clients_commands_and_hits);
    tcase_add_test(tc, info_commandstats_and_errorstats);
    tcase_add_test(tc, info_keyspace_lines_per_database);
    tcase_add_test(tc, config_resetstat_zeroes_the_counters);
    suite_add_tcase(s, tc);

    tc = harness_server_case("config", NULL, NULL);
    tcase_add_test(tc, config_get_with_globs_and_several_patterns);
    tcase_add_test(tc, config_set_takes_several_pairs);
    tcase_add_test(tc, config_set_errors_are_redis_texts);
    tcase_add_test(tc, config_set_is_all_or_nothing);
    tcase_add_test(tc, config_set_keeps_a_binary_password_whole);
    tcase_add_test(tc, config_set_maxclients_beyond_the_files_limit_is_refused);
    tcase_add_test(tc, config_set_proto_max_bulk_len_reaches_existing_connections);
    tcase_add_test(tc, over_maxmemory_write_commands_get_oom);
    tcase_add_test(tc, container_help_ends_like_redis);
    suite_add_tcase(s, tc);

    tc = tcase_create("listeners");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, config_set_port_moves_the_listener_and_keeps_connections);
    tcase_add_test(tc, config_set_port_in_use_changes_nothing);
    tcase_add_test(tc, config_set_bind_is_all_or_nothing);
    tcase_add_test(tc, config_set_bind_adds_and_drops_addresses);
    tcase_add_test(tc, protected_mode_denies_strangers_while_default_has_no_password);
    suite_add_tcase(s, tc);

    tc = harness_server_case("data", NULL, NULL);
    tcase_add_test(tc, dbsize_counts_the_selected_database);
    tcase_add_test(tc, flushdb_empties_only_the_selected_database);
    tcase_add_test(tc, flushall_empties_every_database);
    tcase_add_test(tc, time_gives_seconds_and_microseconds);
    suite_add_tcase(s, tc);

    tc = harness_server_case("command", NULL, NULL);
    tcase_add_test(tc, command_count_matches_command_and_list);
    tcase_add_test(tc, command_info_describes_commands);
    tcase_add_test(tc, command_docs_describe_arguments);
    tcase_add_loop_test(tc, command_docs_are_redis_byte_for_byte, 2, 4);
    tcase_add_test(tc, command_list_filters);
    tcase_add_test(tc, command_getkeys_finds_the_keys);
    suite_add_tcase(s, tc);

    tc = tcase_create("process");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, shutdown_exits_cleanly);
    tcase_add_test(tc, sigterm_exits_zero);
    tcase_add_test(tc, sigint_exits_zero);
    tcase_add_test(tc, shutdown_abort_cancels_a_pending_sigterm);
    tcase_add_loop_test(tc, bad_options_refuse_to_start, 0,
                        (int)(sizeof(bad_starts) / sizeof(bad_starts[0])));
    tcase_add_test(tc, config_file_is_read_and_the_command_line_wins);
    tcase_add_test(tc, later_save_lines_add_save_points);
    tcase_add_test(tc, config_file_errors_name_the_line);
    tcase_add_test(tc, command_line_options_follow_redis_s_rules);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(server_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
