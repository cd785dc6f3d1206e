/*
 * cmd_server.c - server commands: INFO, CONFIG, DBSIZE, FLUSHDB, FLUSHALL,
 * TIME and SHUTDOWN. INFO keeps Redis's section and field names so that
 * monitoring tools and client libraries read it unchanged.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "command.h"
#include "aof.h"
#include "blocking.h"
#include "client_evict.h"
#include "evict.h"
#include "failover.h"
#include "glob.h"
#include "keyspace.h"
#include "latency_hist.h"
#include "lazyfree.h"
#include "lifecycle.h"
#include "listeners.h"
#include "loading.h"
#include "log.h"
#include "memory.h"
#include "migrate_sockets.h"
#include "pause.h"
#include "pubsub.h"
#include "repl_replica.h"
#include "replica_expire.h"
#include "replication.h"
#include "rlimit.h"
#include "script.h"
#include "function.h"
#include "script_lua.h"
#include "server.h"
#include "slowlog.h"
#include "snapshot.h"
#include "stats.h"
#include "tls.h"
#include "tracking.h"
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

static double percent(long long part, long long whole)
{
    return whole > 0 ? (double)part * 100 / (double)whole : 0.0;
}

static void info_server(struct resp_out *t, long long now_ms)
{
    struct utsname u;
    uname(&u);
    long long uptime = (now_ms - server.start_time_ms) / 1000;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    info_line(t, "# Server");
    info_line(t, "redis_version:%s", GROVE_REDIS_VERSION);
    info_line(t, "grove_version:%s", GROVE_VERSION);
    info_line(t, "redis_git_sha1:00000000");
    info_line(t, "redis_git_dirty:0");
    info_line(t, "redis_build_id:0");
    info_line(t, "redis_mode:standalone");
    info_line(t, "os:%s %s %s", u.sysname, u.release, u.machine);
    info_line(t, "arch_bits:%d", (int)sizeof(void *) * 8);
    info_line(t, "monotonic_clock:POSIX clock_gettime");
    info_line(t, "multiplexing_api:epoll");
    info_line(t, "atomicvar_api:c11-builtin");
    info_line(t, "gcc_version:%d.%d.%d", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
    info_line(t, "process_id:%d", (int)getpid());
    info_line(t, "process_supervised:no");
    info_line(t, "run_id:%s", server.run_id);
    /* Redis shows tls-port when port is 0 */
    info_line(t, "tcp_port:%lld", server.cfg.port != 0 ? server.cfg.port : server.cfg.tls_port);
    info_line(t, "server_time_usec:%lld", now_ms * 1000);
    info_line(t, "uptime_in_seconds:%lld", uptime);
    info_line(t, "uptime_in_days:%lld", uptime / 86400);
    info_line(t, "hz:%lld", server.cfg.hz);
    info_line(t, "configured_hz:%lld", server.cfg.hz);
    info_line(t, "lru_clock:%u", atomic_load(&server.lru_clock));
    info_line(t, "executable:%s", exe);
    info_line(t, "config_file:%s", server.config_file ? server.config_file : "");
    info_line(t, "io_threads_active:0");
    info_line(t, "worker_threads:%u", worker_count());
    long long shutdown_in = lifecycle_shutdown_in_ms(now_ms);
    if (shutdown_in >= 0)
        info_line(t, "shutdown_in_milliseconds:%lld", shutdown_in);
}

static void info_clients(struct resp_out *t)
{
    info_line(t, "# Clients");
    /* Redis's count leaves replicas out (they are connected_slaves) */
    long clients = client_connected_count() - (long)repl_replica_count();
    info_line(t, "connected_clients:%ld", clients > 0 ? clients : 0);
    info_line(t, "cluster_connections:0");
    info_line(t, "maxclients:%lld", server.cfg.maxclients);
    info_line(t, "client_recent_max_input_buffer:0");
    info_line(t, "client_recent_max_output_buffer:0");
    info_line(t, "blocked_clients:%lld", blocking_count() + (long long)pause_postponed_count());
    info_line(t, "tracking_clients:%u",
              atomic_load_explicit(&tracking__clients, memory_order_relaxed));
    info_line(t, "clients_in_timeout_table:0");
}

/* Name and value in Redis's "1.28M" form. */
static void info_bytes(struct resp_out *t, const char *name, long long n)
{
    char human[32];
    bytes_to_human(human, sizeof(human), n);
    info_line(t, "%s:%lld", name, n);
    info_line(t, "%s_human:%s", name, human);
}

/* "<name>_ratio:a/b" and "<name>_bytes:a-b", as Redis pairs them. */
static void info_ratio(struct resp_out *t, const char *name, long long a, long long b)
{
    info_line(t, "%s_ratio:%.2f", name, b > 0 ? (double)a / (double)b : 0.0);
    info_line(t, "%s_bytes:%lld", name, a - b);
}

/* Redis 7.0's fields and definitions (memory.h); Grove keeps no AOF
 * buffer or cluster links (0). */
static void info_memory(struct resp_out *t, long long now_ms)
{
    struct memory_report r;
    memory_report(&r, now_ms);
    long long system = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
    long long lua_bytes = (long long)script_lua_memory();
    long long vm_functions = (long long)function_vm_memory();
    char human[32];
    info_line(t, "# Memory");
    info_bytes(t, "used_memory", r.used);
    info_bytes(t, "used_memory_rss", r.rss);
    info_bytes(t, "used_memory_peak", r.peak);
    info_line(t, "used_memory_peak_perc:%.2f%%", percent(r.used, r.peak));
    info_line(t, "used_memory_overhead:%lld", r.overhead);
    info_line(t, "used_memory_startup:%lld", r.startup);
    info_line(t, "used_memory_dataset:%lld", r.dataset);
    info_line(t, "used_memory_dataset_perc:%.2f%%",
              percent(r.dataset, r.used > r.startup ? r.used - r.startup : 1));
    info_line(t, "allocator_allocated:%lld", r.alloc.allocated);
    info_line(t, "allocator_active:%lld", r.alloc.active);
    info_line(t, "allocator_resident:%lld", r.alloc.resident);
    info_bytes(t, "total_system_memory", system);
    info_line(t, "used_memory_lua:%lld", lua_bytes);
    info_line(t, "used_memory_vm_eval:%lld", lua_bytes);
    bytes_to_human(human, sizeof(human), lua_bytes);
    info_line(t, "used_memory_lua_human:%s", human);
    info_line(t, "used_memory_scripts_eval:%lld", r.lua_caches);
    info_line(t, "number_of_cached_scripts:%lld", r.scripts);
    info_line(t, "number_of_functions:%zu", function_count());
    info_line(t, "number_of_libraries:%zu", function_library_count());
    info_line(t, "used_memory_vm_functions:%lld", vm_functions);
    info_bytes(t, "used_memory_vm_total", lua_bytes + vm_functions);
    info_line(t, "used_memory_functions:%lld", r.functions_caches);
    info_bytes(t, "used_memory_scripts", r.lua_caches + r.functions_caches);
    bytes_to_human(human, sizeof(human), server.cfg.maxmemory);
    info_line(t, "maxmemory:%lld", server.cfg.maxmemory);
    info_line(t, "maxmemory_human:%s", human);
    info_line(t, "maxmemory_policy:%s", config_maxmemory_policies[server.cfg.maxmemory_policy]);
    info_ratio(t, "allocator_frag", r.alloc.active, r.alloc.allocated);
    info_ratio(t, "allocator_rss", r.alloc.resident, r.alloc.active);
    info_ratio(t, "rss_overhead", r.rss, r.alloc.resident);
    info_ratio(t, "mem_fragmentation", r.rss, r.used);
    info_line(t, "mem_not_counted_for_evict:%lld", r.clients_slaves);
    info_line(t, "mem_replication_backlog:%lld", r.repl_backlog);
    info_line(t, "mem_total_replication_buffers:%lld", r.repl_backlog + r.clients_slaves);
    info_line(t, "mem_clients_slaves:%lld", r.clients_slaves);
    info_line(t, "mem_clients_normal:%lld", r.clients_normal);
    info_line(t, "mem_cluster_links:0");
    info_line(t, "mem_aof_buffer:0");
    info_line(t, "mem_allocator:%s", alloc_name());
    info_line(t, "active_defrag_running:0");
    info_line(t, "lazyfree_pending_objects:%zu", lazyfree_pending_objects());
    info_line(t, "lazyfreed_objects:%zu", lazyfreed_objects());
}

/* Redis 7.0's AOF lines of INFO persistence. */
static void info_aof(struct resp_out *t, const struct snapshot_info *si)
{
    struct aof_info ai;
    aof_get_info(&ai);
    info_line(t, "aof_enabled:%d", ai.enabled);
    info_line(t, "aof_rewrite_in_progress:%d", ai.rewrite_in_progress);
    info_line(t, "aof_rewrite_scheduled:%d", ai.rewrite_scheduled);
    info_line(t, "aof_last_rewrite_time_sec:%lld", ai.last_rewrite_time_sec);
    info_line(t, "aof_current_rewrite_time_sec:%lld", ai.current_rewrite_time_sec);
    info_line(t, "aof_last_bgrewrite_status:%s", ai.last_bgrewrite_ok ? "ok" : "err");
    info_line(t, "aof_rewrites:%lld", ai.rewrites);
    info_line(t, "aof_rewrites_consecutive_failures:%lld", ai.rewrites_consecutive_failures);
    info_line(t, "aof_last_write_status:%s", ai.last_write_ok ? "ok" : "err");
    info_line(t, "aof_last_cow_size:%lld", si->cow.last_other);
    info_line(t, "module_fork_in_progress:0");
    info_line(t, "module_fork_last_cow_size:0");
    if (!ai.enabled)
        return;
    info_line(t, "aof_current_size:%lld", ai.current_size);
    info_line(t, "aof_base_size:%lld", ai.base_size);
    info_line(t, "aof_pending_rewrite:%d", ai.rewrite_scheduled);
    info_line(t, "aof_buffer_length:%lld", ai.buffer_length);
    info_line(t, "aof_pending_bio_fsync:%d", ai.pending_fsync);
    info_line(t, "aof_delayed_fsync:%lld", ai.delayed_fsync);
}

/* Redis 7.0's layout; save progress is not measured (0), copy-on-write is
 * sampled by the parent (snapshot.h), and Grove has no module forks. */
static void info_persistence(struct resp_out *t)
{
    static const char *const progress[] = {
        "current_fork_perc:0.00", "current_save_keys_processed:0",
        "current_save_keys_total:0",
    };
    struct snapshot_info si;
    struct loading_info li;
    snapshot_get_info(&si);
    loading_get_info(&li);
    info_line(t, "# Persistence");
    info_line(t, "loading:%d", li.loading);
    info_line(t, "async_loading:0");
    info_line(t, "current_cow_peak:%lld", si.cow.peak);
    info_line(t, "current_cow_size:%lld", si.cow.current);
    info_line(t, "current_cow_size_age:%lld", si.cow_age_sec);
    for (size_t i = 0; i < sizeof(progress) / sizeof(progress[0]); i++)
        info_line(t, "%s", progress[i]);
    info_line(t, "rdb_changes_since_last_save:%lld", si.changes_since_last_save);
    info_line(t, "rdb_bgsave_in_progress:%d", si.bgsave_in_progress);
    info_line(t, "rdb_last_save_time:%lld", si.last_save_time);
    info_line(t, "rdb_last_bgsave_status:%s", si.last_bgsave_ok ? "ok" : "err");
    info_line(t, "rdb_last_bgsave_time_sec:%lld", si.last_bgsave_time_sec);
    info_line(t, "rdb_current_bgsave_time_sec:%lld", si.current_bgsave_time_sec);
    info_line(t, "rdb_saves:%lld", si.saves);
    info_line(t, "rdb_last_cow_size:%lld", si.cow.last_rdb);
    info_line(t, "rdb_last_load_keys_expired:%lld", si.last_load_keys_expired);
    info_line(t, "rdb_last_load_keys_loaded:%lld", si.last_load_keys_loaded);
    info_aof(t, &si);
    if (!li.loading)
        return;
    info_line(t, "loading_start_time:%lld", li.start_time);
    info_line(t, "loading_total_bytes:%lld", li.total_bytes);
    info_line(t, "loading_rdb_used_mem:0"); /* only for a load of unknown size */
    info_line(t, "loading_loaded_bytes:%lld", li.loaded_bytes);
    info_line(t, "loading_loaded_perc:%.2f", li.loaded_perc);
    info_line(t, "loading_eta_seconds:%lld", li.eta_seconds);
}

static void info_stats(struct resp_out *t, long long now_ms)
{
    struct keyspace_stats ks;
    keyspace_stats(server.ks, now_ms, &ks);
    info_line(t, "# Stats");
    info_line(t, "total_connections_received:%lld",
              atomic_load(&server.total_connections_received));
    info_line(t, "total_commands_processed:%lld", stats_total(STATS_COMMANDS));
    info_line(t, "instantaneous_ops_per_sec:%lld", stats_instantaneous(STATS_METRIC_COMMANDS));
    info_line(t, "total_net_input_bytes:%lld", stats_total(STATS_NET_INPUT_BYTES));
    info_line(t, "total_net_output_bytes:%lld", stats_total(STATS_NET_OUTPUT_BYTES));
    info_line(t, "total_net_repl_input_bytes:0");
    info_line(t, "total_net_repl_output_bytes:0");
    info_line(t, "instantaneous_input_kbps:%.2f",
              (double)stats_instantaneous(STATS_METRIC_NET_INPUT) / 1024);
    info_line(t, "instantaneous_output_kbps:%.2f",
              (double)stats_instantaneous(STATS_METRIC_NET_OUTPUT) / 1024);
    info_line(t, "instantaneous_input_repl_kbps:0.00");
    info_line(t, "instantaneous_output_repl_kbps:0.00");
    info_line(t, "rejected_connections:%lld", atomic_load(&server.rejected_connections));
    long long full, partial_ok, partial_err;
    repl_sync_counts(&full, &partial_ok, &partial_err);
    info_line(t, "sync_full:%lld", full);
    info_line(t, "sync_partial_ok:%lld", partial_ok);
    info_line(t, "sync_partial_err:%lld", partial_err);
    info_line(t, "expired_keys:%llu", (unsigned long long)ks.expired_keys);
    info_line(t, "expired_stale_perc:0.00");
    info_line(t, "expired_time_cap_reached_count:0");
    info_line(t, "expire_cycle_cpu_milliseconds:0");
    info_line(t, "evicted_keys:%lld", (long long)atomic_load(&server.evicted_keys));
    info_line(t, "evicted_clients:%lld", client_evict_count());
    info_line(t, "total_eviction_exceeded_time:0");
    info_line(t, "current_eviction_exceeded_time:0");
    info_line(t, "keyspace_hits:%llu", (unsigned long long)ks.hits);
    info_line(t, "keyspace_misses:%llu", (unsigned long long)ks.misses);
    info_line(t, "pubsub_channels:%zu", pubsub_num(PUBSUB_CHANNEL));
    info_line(t, "pubsub_patterns:%zu", pubsub_num(PUBSUB_PATTERN));
    info_line(t, "pubsubshard_channels:%zu", pubsub_num(PUBSUB_SHARD));
    struct snapshot_info si;
    snapshot_get_info(&si);
    info_line(t, "latest_fork_usec:%lld", si.latest_fork_usec);
    info_line(t, "total_forks:%lld", si.total_forks);
    info_line(t, "migrate_cached_sockets:%lld", migrate_sockets_open());
    info_line(t, "slave_expires_tracked_keys:%zu", replica_expire_tracked());
    static const char *const idle[] = {
        "active_defrag_hits:0", "active_defrag_misses:0",
        "active_defrag_key_hits:0", "active_defrag_key_misses:0", "total_active_defrag_time:0",
        "current_active_defrag_time:0",
    };
    for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
        info_line(t, "%s", idle[i]);
    struct tracking_stats tr;
    tracking_stats(&tr);
    info_line(t, "tracking_total_keys:%llu", tr.keys);
    info_line(t, "tracking_total_items:%llu", tr.items);
    info_line(t, "tracking_total_prefixes:%llu", tr.prefixes);
    info_line(t, "unexpected_error_replies:0");
    info_line(t, "total_error_replies:%lld", server_total_error_replies());
    info_line(t, "dump_payload_sanitizations:0");
    info_line(t, "total_reads_processed:%lld", stats_total(STATS_READS_PROCESSED));
    info_line(t, "total_writes_processed:%lld", stats_total(STATS_WRITES_PROCESSED));
    info_line(t, "io_threaded_reads_processed:0");
    info_line(t, "io_threaded_writes_processed:0");
    info_line(t, "reply_buffer_shrinks:0");
    info_line(t, "reply_buffer_expands:0");
}

static void info_replication(struct resp_out *t)
{
    long long now_ms = server_mstime();
    info_line(t, "# Replication");
    if (repl_replica_on()) {
        info_line(t, "role:slave");
        repl_replica_info(t, now_ms);
    } else {
        info_line(t, "role:master");
    }
    repl_info(t, now_ms, failover_state_name());
}

static void info_cpu(struct resp_out *t)
{
    struct rusage self, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_THREAD, &thread); /* the worker running this INFO */
    info_line(t, "# CPU");
    info_line(t, "used_cpu_sys:%ld.%06ld", (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec);
    info_line(t, "used_cpu_user:%ld.%06ld", (long)self.ru_utime.tv_sec,
              (long)self.ru_utime.tv_usec);
    info_line(t, "used_cpu_sys_children:0.000000");
    info_line(t, "used_cpu_user_children:0.000000");
    info_line(t, "used_cpu_sys_main_thread:%ld.%06ld", (long)thread.ru_stime.tv_sec,
              (long)thread.ru_stime.tv_usec);
    info_line(t, "used_cpu_user_main_thread:%ld.%06ld", (long)thread.ru_utime.tv_sec,
              (long)thread.ru_utime.tv_usec);
}

/* Summed over the loops: "cmdstat_get:calls=2,usec=5,usec_per_call=2.50,
 * rejected_calls=0,failed_calls=0" for every command used since RESETSTAT. */
static void info_commandstats(struct resp_out *t)
{
    info_line(t, "# Commandstats");
    double ns_per_tick = server_ns_per_tick();
    for (unsigned id = 0; id < command_id_count(); id++) {
        long long calls = stats_command_total(id, STATS_CMD_CALLS);
        long long ns = (long long)((double)stats_command_total(id, STATS_CMD_TICKS) * ns_per_tick);
        long long rejected = stats_command_total(id, STATS_CMD_REJECTED);
        long long failed = stats_command_total(id, STATS_CMD_FAILED);
        if (calls == 0 && rejected == 0 && failed == 0)
            continue;
        long long usec = ns / 1000;
        info_line(t, "cmdstat_%s:calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,"
                  "failed_calls=%lld", command_by_id(id)->fullname, calls, usec,
                  calls ? (double)usec / (double)calls : 0.0, rejected, failed);
    }
}

static void errorstat_line(const char *code, long long count, void *ud)
{
    info_line(ud, "errorstat_%s:count=%lld", code, count);
}

static void info_errorstats(struct resp_out *t)
{
    info_line(t, "# Errorstats");
    server_foreach_error(errorstat_line, t);
}

/* One command's percentiles: "latency_percentiles_usec_get:p50=1.003,
 * p99=1.003,p99.9=1.003" (Redis's fillPercentileDistributionLatencies). */
static void latency_line(struct resp_out *t, const char *name, const struct latency_hist *h,
                         const double *p, size_t np)
{
    char piece[128];
    int n = snprintf(piece, sizeof(piece), "latency_percentiles_usec_%s:", name);
    resp_add_raw(t, piece, (size_t)n);
    for (size_t i = 0; i < np; i++) {
        char label[32];
        resp_double_to_fixed_str(label, sizeof(label), p[i]);
        n = snprintf(piece, sizeof(piece), "%sp%s=%.3f", i ? "," : "", label,
                     (double)latency_hist_percentile(h, p[i]) / 1000.0);
        resp_add_raw(t, piece, (size_t)n);
    }
    resp_add_raw(t, "\r\n", 2);
}

/* Every command with latencies since RESETSTAT, summed over the loops, at
 * the percentiles of latency-tracking-info-percentiles. */
static void info_latencystats(struct resp_out *t)
{
    double p[CONFIG_MAX_PERCENTILES];
    size_t np = config_latency_percentiles(&server.cfg, p);
    struct latency_hist *sum = latency_hist_create();
    info_line(t, "# Latencystats");
    for (unsigned id = 0; sum != NULL && id < command_id_count(); id++) {
        latency_hist_clear(sum);
        if (stats_command_latency_sum(id, sum) == 0 && latency_hist_count(sum) > 0)
            latency_line(t, command_by_id(id)->fullname, sum, p, np);
    }
    latency_hist_destroy(sum);
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
    INFO_CPU = 1 << 6, INFO_MODULES = 1 << 7, INFO_COMMANDSTATS = 1 << 8,
    INFO_ERRORSTATS = 1 << 9, INFO_CLUSTER = 1 << 10, INFO_KEYSPACE = 1 << 11,
    INFO_LATENCYSTATS = 1 << 12,
};
#define INFO_ALL 0x1fff
#define INFO_DEFAULT (INFO_ALL & ~(INFO_COMMANDSTATS | INFO_LATENCYSTATS))

/* In Redis's order. */
static const struct {
    const char *name;
    unsigned bit;
} info_sections[] = {
    {"server", INFO_SERVER},       {"clients", INFO_CLIENTS}, {"memory", INFO_MEMORY},
    {"persistence", INFO_PERSISTENCE}, {"stats", INFO_STATS},
    {"replication", INFO_REPLICATION}, {"cpu", INFO_CPU},     {"modules", INFO_MODULES},
    {"commandstats", INFO_COMMANDSTATS}, {"errorstats", INFO_ERRORSTATS},
    {"latencystats", INFO_LATENCYSTATS}, {"cluster", INFO_CLUSTER}, {"keyspace", INFO_KEYSPACE},
};

static unsigned parse_sections(struct cmd_ctx *ctx)
{
    if (ctx->argc == 1)
        return INFO_DEFAULT;
    unsigned mask = 0;
    for (size_t i = 1; i < ctx->argc; i++) {
        const struct resp_arg *a = &ctx->argv[i];
        if (arg_is(a, "all") || arg_is(a, "everything"))
            mask |= INFO_ALL;
        if (arg_is(a, "default"))
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
        case INFO_COMMANDSTATS: info_commandstats(&t); break;
        case INFO_ERRORSTATS: info_errorstats(&t); break;
        case INFO_LATENCYSTATS: info_latencystats(&t); break;
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

static void config_get_cb(const char *name, const char *shown, size_t shown_len,
                          const char *value, size_t value_len, void *ud)
{
    struct config_reply *r = ud;
    for (size_t i = 0; i < r->nseen; i++)
        if (r->seen[i] == name)
            return;
    assert(r->nseen < r->cap);
    r->seen[r->nseen++] = name;
    resp_add_bulk(r->out, shown, shown_len);
    resp_add_bulk(r->out, value, value_len);
}

static void config_get_command(struct cmd_ctx *ctx)
{
    size_t cap = config_name_count();
    const char **seen = malloc(cap * sizeof(*seen));
    if (seen == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    struct config_reply r = {.out = ctx->out, .seen = seen, .cap = cap};
    size_t handle = resp_add_deferred_len(ctx->out);
    config_lock();
    for (size_t i = 2; i < ctx->argc; i++)
        config_get(&server.cfg, ctx->argv[i].ptr, ctx->argv[i].len, config_get_cb, &r);
    config_unlock();
    resp_set_deferred_map_len(ctx->out, handle, r.nseen);
    free(seen);
}

static void config_set_failed(struct cmd_ctx *ctx, const char *name, const char *reason)
{
    resp_add_errorf(ctx->out, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                    name, reason);
}

/* An option's value before CONFIG SET changed it. */
struct old_value {
    char text[CONFIG_VALUE_MAX];
    size_t len;
};

/* Put back the first `n` options of a CONFIG SET as they were. */
static void restore_config(struct cmd_ctx *ctx, const struct old_value *old, size_t n)
{
    char name[128], reason[512];
    while (n-- > 0) {
        arg_to_cstr(&ctx->argv[2 + 2 * n], name, sizeof(name));
        config_set(&server.cfg, name, old[n].text, old[n].len, reason, sizeof(reason));
    }
}

/* Maxclients needs file descriptors: like Redis, raise the limit or refuse. */
static bool maxclients_fit(char *reason, size_t cap)
{
    long long fit = rlimit_fit_maxclients(server.cfg.maxclients, worker_count());
    if (fit >= server.cfg.maxclients)
        return true;
    snprintf(reason, cap, "The operating system is not able to handle the specified number of "
                          "clients, try with %lld", fit);
    return false;
}

/* A tls-* option changed: rebuild the TLS context from the new values,
 * as Redis's applyTlsCfg (only while TLS is wanted: tls-port set). The
 * name of the first such option if that failed (the old context stays),
 * else NULL. Called under config_lock. */
static const char *rebuild_tls(struct cmd_ctx *ctx, char *reason, size_t cap)
{
    const char *first = NULL;
    for (size_t i = 2; i < ctx->argc && first == NULL; i += 2) {
        char name[128];
        arg_to_cstr(&ctx->argv[i], name, sizeof(name));
        if (config_rebuilds_tls(name))
            first = config_option_name(name);
    }
    if (first == NULL || !tls_wanted() || tls_configure() == 0)
        return NULL;
    log_warning("Failed applying new configuration. Possibly related to new %s setting. "
                "Restoring previous settings.", first);
    snprintf(reason, cap, "Unable to update TLS configuration. Check server logs.");
    return first;
}

static bool sets_option(const struct cmd_ctx *ctx, const char *name)
{
    for (size_t i = 2; i < ctx->argc; i += 2)
        if (arg_is(&ctx->argv[i], name))
            return true;
    return false;
}

/* port, bind or tls-port changed: listen on the new values (listeners.h),
 * as Redis's updatePort, applyBind and applyTLSPort, with their texts;
 * a tls-port turned on needs the TLS context first. Redis blames the
 * first of them in the command (its apply function runs first). The
 * option to blame if that failed (nothing changed: the caller puts the
 * values back), else NULL. Called under config_lock. */
static const char *rebind(struct cmd_ctx *ctx, char *reason, size_t cap)
{
    static const char *const names[] = {"port", "bind", "tls-port"};
    const char *first = NULL;
    for (size_t i = 2; i < ctx->argc && first == NULL; i += 2)
        for (size_t n = 0; n < 3 && first == NULL; n++)
            if (arg_is(&ctx->argv[i], names[n]))
                first = names[n];
    if (first == NULL)
        return NULL;
    if (sets_option(ctx, "tls-port") && server.cfg.tls_port != 0 && tls_configure() < 0) {
        snprintf(reason, cap, "Unable to update TLS configuration. Check server logs.");
        first = "tls-port";
    } else if (listeners_apply() < 0) {
        snprintf(reason, cap, "%s", strcmp(first, "bind") == 0
                                        ? "Failed to bind to specified addresses."
                                        : "Unable to listen on this port. Check server logs.");
    } else {
        return NULL;
    }
    log_warning("Failed applying new configuration. Possibly related to new %s setting. "
                "Restoring previous settings.", first);
    return first;
}

/* config_set from an argument: its bytes (NUL bytes and all, which only
 * the binary-safe options take) NUL-terminated in a copy. */
static int set_from_arg(const char *name, const struct resp_arg *v, char *reason, size_t cap)
{
    char *value = malloc(v->len + 1);
    if (value == NULL) {
        snprintf(reason, cap, "out of memory");
        return -ENOMEM;
    }
    memcpy(value, v->ptr, v->len);
    value[v->len] = '\0';
    int rc = config_set(&server.cfg, name, value, v->len, reason, cap);
    free(value);
    return rc;
}

/* All or nothing, as in Redis: on any failure every option of the command
 * is put back. Errors name the option as Grove spells it. Called under
 * config_lock; true when everything was set (nothing replied yet). */
static bool apply_config_set(struct cmd_ctx *ctx)
{
    size_t pairs = (ctx->argc - 2) / 2, done = 0;
    struct old_value *old = malloc(pairs * sizeof(*old));
    char name[128], reason[512];
    const char *failed = NULL;
    if (old == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    for (; done < pairs && failed == NULL; done++) {
        arg_to_cstr(&ctx->argv[2 + 2 * done], name, sizeof(name));
        old[done].len = (size_t)config_get_value(&server.cfg, name, old[done].text,
                                                 sizeof(old[done].text));
        if (set_from_arg(name, &ctx->argv[3 + 2 * done], reason, sizeof(reason)) < 0)
            failed = config_option_name(name);
    }
    for (size_t i = 0; i < pairs && failed == NULL; i++)
        if (arg_is(&ctx->argv[2 + 2 * i], "maxclients") && !maxclients_fit(reason, sizeof(reason)))
            failed = "maxclients";
    if (failed == NULL)
        failed = rebuild_tls(ctx, reason, sizeof(reason));
    if (failed == NULL)
        failed = rebind(ctx, reason, sizeof(reason));
    if (failed != NULL) {
        restore_config(ctx, old, done);
        config_set_failed(ctx, failed, reason);
    }
    free(old);
    return failed == NULL;
}

/* appendonly starts or stops the AOF (a rewrite, a fork: outside
 * config_lock, which the fork's preparation takes; inside EXEC, left to
 * the cron). A failure puts the old value back. */
static bool apply_appendonly(struct cmd_ctx *ctx)
{
    char reason[256], ignored[256];
    bool in_exec = (ctx->client->flags & CLIENT_IN_EXEC) != 0;
    for (size_t i = 2; i < ctx->argc; i += 2) {
        if (!arg_is(&ctx->argv[i], "appendonly"))
            continue;
        bool on = atomic_load(&server.cfg.appendonly) != 0;
        if (aof_set_enabled(on, in_exec, reason, sizeof(reason)) == 0)
            return true;
        config_lock();
        const char *back = on ? "no" : "yes";
        config_set(&server.cfg, "appendonly", back, strlen(back), ignored, sizeof(ignored));
        config_unlock();
        config_set_failed(ctx, "appendonly", reason);
        return false;
    }
    return true;
}

/* Checks every name before changing anything, so that an unknown or
 * immutable option leaves the configuration untouched. */
static void config_set_command(struct cmd_ctx *ctx)
{
    if ((ctx->argc - 2) % 2 != 0) {
        reply_syntax_error(ctx);
        return;
    }
    char name[128], other[128], reason[512];
    for (size_t i = 2; i < ctx->argc && loading_in_progress(); i += 2) {
        arg_to_cstr(&ctx->argv[i], name, sizeof(name)); /* Redis gives this error precedence */
        if (config_check_settable(&server.cfg, name, client_is_local(ctx->client), reason,
                                  sizeof(reason)) == 0 &&
            config_denied_while_loading(name)) {
            resp_add_error(ctx->out, LOADING_ERR);
            return;
        }
    }
    for (size_t i = 2; i < ctx->argc; i += 2) {
        arg_to_cstr(&ctx->argv[i], name, sizeof(name));
        int rc = config_check_settable(&server.cfg, name, client_is_local(ctx->client), reason,
                                       sizeof(reason));
        if (rc == -ENOENT) {
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
    bool ok = apply_config_set(ctx);
    config_unlock();
    if (!ok || !apply_appendonly(ctx))
        return;
    if (sets_option(ctx, "maxmemory"))
        evict_for_new_maxmemory(!(ctx->client->flags & CLIENT_IN_EXEC));
    if (sets_option(ctx, "aof-disable-auto-gc"))
        aof_collect_history();
    resp_add_ok(ctx->out);
}

static void config_resetstat_command(struct cmd_ctx *ctx)
{
    server_reset_stats();
    repl_reset_sync_counts();
    lazyfree_reset_stats();
    resp_add_ok(ctx->out);
}

static void config_rewrite_command(struct cmd_ctx *ctx)
{
    if (server.config_file == NULL) {
        resp_add_error(ctx->out, "ERR The server is running without a config file");
        return;
    }
    config_lock();
    int rc = config_rewrite(&server.cfg, server.config_file, false);
    config_unlock();
    if (rc < 0) {
        log_warning("CONFIG REWRITE failed: %s", strerror(-rc));
        resp_add_errorf(ctx->out, "ERR Rewriting config file: %s", strerror(-rc));
        return;
    }
    log_notice("CONFIG REWRITE executed with success.");
    resp_add_ok(ctx->out);
}

static void config_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL,
    };
    reply_help(ctx, lines);
}

/* ---- SLOWLOG ----------------------------------------------------------------- */

static void slowlog_get_command(struct cmd_ctx *ctx)
{
    long long count = 10;
    if (ctx->argc == 3 &&
        (!arg_to_ll(&ctx->argv[2], &count) || count < -1)) {
        resp_add_error(ctx->out, "ERR count should be greater than or equal to -1");
        return;
    }
    slowlog_reply(ctx->out, count);
}

static void slowlog_len_command(struct cmd_ctx *ctx)
{
    resp_add_integer(ctx->out, (long long)slowlog_len());
}

static void slowlog_reset_command(struct cmd_ctx *ctx)
{
    slowlog_reset();
    resp_add_ok(ctx->out);
}

static void slowlog_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        NULL,
    };
    reply_help(ctx, lines);
}

/* ---- DBSIZE, FLUSHDB, FLUSHALL, TIME, SHUTDOWN ------------------------------- */

static void dbsize_command(struct cmd_ctx *ctx)
{
    resp_add_integer(ctx->out, (long long)keyspace_dbsize(ctx->db));
}

/* FLUSHDB / FLUSHALL [ASYNC|SYNC]. The keyspace empties the databases
 * atomically and hands back the old contents; SYNC frees them here, ASYNC
 * on the main thread (lazyfree.h), so the reply does not wait. */
static bool parse_flush_mode(struct cmd_ctx *ctx, bool *async)
{
    *async = server.cfg.lazyfree_lazy_user_flush; /* Redis's default mode */
    if (ctx->argc == 1)
        return true;
    *async = false;
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
    if (rc == 0)
        tracking_flushed();
    if (async)
        lazyfree_submit(trash);
    else
        keyspace_trash_free(trash);
    if (rc < 0)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    else
        resp_add_ok(ctx->out);
}

static void flushdb_command(struct cmd_ctx *ctx)
{
    bool async;
    struct keyspace_trash *trash = NULL;
    if (!parse_flush_mode(ctx, &async))
        return;
    int rc = keyspace_flushdb(ctx->db, &trash);
    finish_flush(ctx, rc, trash, async);
}

/* After FLUSHALL, as Redis: a BGSAVE stopped, the emptied data saved when
 * save points are set (snapshot_flushall). A script or the master's stream
 * holds locks the save must take first, so it comes from the cron; an AOF
 * replay, which rebuilds what the AOF holds, saves nothing. */
static void flushall_persist(struct cmd_ctx *ctx)
{
    if (ctx->client->flags & CLIENT_REPLAY)
        return;
    if (script_lock_held_here() || (ctx->client->flags & CLIENT_MASTER))
        snapshot_flushall_later();
    else
        snapshot_flushall();
}

static void flushall_command(struct cmd_ctx *ctx)
{
    bool async;
    struct keyspace_trash *trash = NULL;
    if (!parse_flush_mode(ctx, &async))
        return;
    int rc = keyspace_flushall(server.ks, &trash);
    replica_expire_forget_all();
    if (rc == 0)
        flushall_persist(ctx);
    finish_flush(ctx, rc, trash, async);
}

static void time_command(struct cmd_ctx *ctx)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    resp_add_array_len(ctx->out, 2);
    resp_add_bulk_ll(ctx->out, (long long)ts.tv_sec);
    resp_add_bulk_ll(ctx->out, (long long)(ts.tv_nsec / 1000));
}

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7.0's
 * shutdownCommand: lifecycle_shutdown may wait for lagging replicas (not
 * with NOW), then decides about saving; a failed save keeps the server
 * running unless FORCE. ABORT cancels a shutdown that waits. */
static bool parse_shutdown(struct cmd_ctx *ctx, unsigned *flags, bool *abort)
{
    static const struct {
        const char *word;
        unsigned flag;
    } modifiers[] = {{"nosave", CONFIG_SHUTDOWN_NOSAVE}, {"save", CONFIG_SHUTDOWN_SAVE},
                     {"now", CONFIG_SHUTDOWN_NOW},       {"force", CONFIG_SHUTDOWN_FORCE}};
    *flags = 0;
    *abort = false;
    size_t i = 1;
    for (; i < ctx->argc; i++) {
        const struct resp_arg *a = &ctx->argv[i];
        size_t m = 0;
        while (m < sizeof(modifiers) / sizeof(modifiers[0]) && !arg_is(a, modifiers[m].word))
            m++;
        if (m < sizeof(modifiers) / sizeof(modifiers[0]))
            *flags |= modifiers[m].flag;
        else if (arg_is(a, "abort"))
            *abort = true;
        else
            break;
    }
    const unsigned both = CONFIG_SHUTDOWN_SAVE | CONFIG_SHUTDOWN_NOSAVE;
    if (i < ctx->argc || (*abort && *flags != 0) || (*flags & both) == both) {
        reply_syntax_error(ctx);
        return false;
    }
    return true;
}

/* The caller blocks before the shutdown may wait, so that an abort on
 * another loop always finds it blocked; it is let go when the shutdown
 * did not wait. A client that may not block (MULTI, a script) shuts down
 * at once, as Redis. */
static void shutdown_command(struct cmd_ctx *ctx)
{
    unsigned flags;
    bool abort;
    if (!parse_shutdown(ctx, &flags, &abort))
        return;
    if (abort) {
        if (lifecycle_shutdown_abort() == 0)
            resp_add_ok(ctx->out);
        else
            resp_add_error(ctx->out, "ERR No shutdown in progress.");
        return;
    }
    if (!(flags & CONFIG_SHUTDOWN_NOSAVE) && script_busy()) {
        resp_add_error(ctx->out, script_busy_error());
        return;
    }
    if (!blocking_allowed(ctx->client))
        flags |= CONFIG_SHUTDOWN_NOW;
    bool blocked = !(flags & CONFIG_SHUTDOWN_NOW);
    struct blocking_request wait = {.reply = BLOCKING_REPLY_SHUTDOWN};
    if (blocked && blocking_block(ctx, &wait) < 0) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    enum lifecycle_shutdown_result rc = lifecycle_shutdown(flags, blocked ? ctx->client->id : 0);
    if (rc == LIFECYCLE_SHUTDOWN_WAITING)
        return;
    if (blocked)
        blocking_client_leave(ctx->client);
    if (rc == LIFECYCLE_SHUTDOWN_FAILED) {
        resp_add_error(ctx->out, "ERR Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    ctx->client->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

/* SAVE: the snapshot written in this thread, every shard held. */
static void save_command(struct cmd_ctx *ctx)
{
    int rc = snapshot_save();
    if (rc == -EBUSY)
        resp_add_error(ctx->out, "ERR Background save already in progress");
    else if (rc < 0)
        resp_add_error(ctx->out, "-ERR"); /* Redis's shared.err */
    else
        resp_add_simple(ctx->out, "OK");
}

/* BGSAVE [SCHEDULE]: inside EXEC it waits for the cron, as Redis, and
 * so does BGSAVE SCHEDULE while an AOF rewrite runs. */
static void bgsave_command(struct cmd_ctx *ctx)
{
    bool schedule = ctx->argc > 1;
    if (schedule && !arg_is(&ctx->argv[1], "schedule")) {
        reply_syntax_error(ctx);
        return;
    }
    if (ctx->client->flags & CLIENT_IN_EXEC) {
        snapshot_schedule_bgsave();
        resp_add_simple(ctx->out, "Background saving scheduled");
        return;
    }
    int rc = snapshot_bgsave();
    if (rc == -EAGAIN && schedule) {
        snapshot_schedule_bgsave();
        resp_add_simple(ctx->out, "Background saving scheduled");
    } else if (rc == -EAGAIN) {
        resp_add_error(ctx->out, "ERR Another child process is active (AOF?): can't BGSAVE "
                                 "right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE "
                                 "whenever possible.");
    } else if (rc == -EBUSY)
        resp_add_error(ctx->out, "ERR Background save already in progress");
    else if (rc < 0)
        resp_add_error(ctx->out, "-ERR"); /* Redis's shared.err */
    else
        resp_add_simple(ctx->out, "Background saving started");
}

/* BGREWRITEAOF: Redis's replies; inside EXEC or while a BGSAVE runs it
 * is scheduled for the cron. */
static void bgrewriteaof_command(struct cmd_ctx *ctx)
{
    int rc = ctx->client->flags & CLIENT_IN_EXEC ? -EAGAIN : aof_rewrite_background();
    if (rc == -EAGAIN && (ctx->client->flags & CLIENT_IN_EXEC))
        aof_schedule_rewrite();
    if (rc == -EBUSY)
        resp_add_error(ctx->out, "ERR Background append only file rewriting already in progress");
    else if (rc == -EAGAIN)
        resp_add_simple(ctx->out, "Background append only file rewriting scheduled");
    else if (rc < 0)
        resp_add_error(ctx->out, "ERR Can't execute an AOF background rewriting. Please check "
                                 "the server logs for more information.");
    else
        resp_add_simple(ctx->out, "Background append only file rewriting started");
}

static void lastsave_command(struct cmd_ctx *ctx)
{
    resp_add_integer(ctx->out, snapshot_lastsave());
}

/* ---- the table ---------------------------------------------------------------- */

static struct command config_subcommands[] = {
    {.name = "get", .arity = -3, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .proc = config_get_command, .group = "server",
     .summary = "Get the values of configuration parameters", .since = "2.0.0",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .args = (const struct command_arg[]){{"parameter", "block", NULL, COMMAND_ARG_MULTIPLE,
         (const struct command_arg[]){{"parameter", "string", NULL, 0, NULL}, {0}}}, {0}}},
    {.name = "set", .arity = -4, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .proc = config_set_command, .group = "server",
     .summary = "Set configuration parameters to the given values", .since = "2.0.0",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .args = (const struct command_arg[]){{"parameter_value", "block", NULL, COMMAND_ARG_MULTIPLE,
         (const struct command_arg[]){{"parameter", "string", NULL, 0, NULL},
                                      {"value", "string", NULL, 0, NULL}, {0}}}, {0}}},
    {.name = "resetstat", .arity = 2, .flags = CMD_SELF_LOCK | CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .proc = config_resetstat_command, .group = "server",
     .summary = "Reset the stats returned by INFO", .since = "2.0.0", .complexity = "O(1)"},
    {.name = "rewrite", .arity = 2, .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .proc = config_rewrite_command, .group = "server",
     .summary = "Rewrite the configuration file with the in memory configuration",
     .since = "2.8.0", .complexity = "O(1)"},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = config_help_command,
     .group = "server", .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    {0},
};

static struct command slowlog_subcommands[] = {
    {.name = "get", .arity = -2, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE,
     .proc = slowlog_get_command, .group = "server", .summary = "Get the slow log's entries",
     .since = "2.2.12", .complexity = "O(N) where N is the number of entries returned",
     .args = (const struct command_arg[]){{"count", "integer", NULL, COMMAND_ARG_OPTIONAL, NULL},
                                          {0}}},
    {.name = "len", .arity = 2, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE,
     .proc = slowlog_len_command, .group = "server", .summary = "Get the slow log's length",
     .since = "2.2.12", .complexity = "O(1)"},
    {.name = "reset", .arity = 2, .flags = CMD_ADMIN | CMD_LOADING | CMD_STALE,
     .proc = slowlog_reset_command, .group = "server", .summary = "Clear all entries from the slow log",
     .since = "2.2.12", .complexity = "O(N) where N is the number of entries in the slowlog"},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = slowlog_help_command,
     .group = "server", .summary = "Show helpful text about the different subcommands",
     .since = "6.2.0", .complexity = "O(1)"},
    {0},
};

struct command server_commands[] = {
    {.name = "info", .arity = -1, .flags = CMD_SELF_LOCK | CMD_LOADING | CMD_STALE, .proc = info_command,
     .acl = ACL_DANGEROUS, .group = "server",
     .summary = "Get information and statistics about the server",
     .since = "1.0.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"section", "string", NULL,
                                           COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},
                                          {0}}},
    {.name = "config", .arity = -2, .flags = 0, .proc = NULL, .group = "server",
     .summary = "A container for server configuration commands", .since = "2.0.0",
     .complexity = "Depends on subcommand.", .subcommands = config_subcommands},
    {.name = "slowlog", .arity = -2, .group = "server",
     .summary = "A container for slow log commands", .since = "2.2.12",
     .complexity = "Depends on subcommand.", .subcommands = slowlog_subcommands},
    {.name = "dbsize", .arity = 1, .flags = CMD_SELF_LOCK | CMD_READONLY | CMD_FAST, .proc = dbsize_command,
     .acl = ACL_KEYSPACE, .group = "server",
     .summary = "Return the number of keys in the selected database",
     .since = "1.0.0", .complexity = "O(1)"},
    {.name = "flushdb", .arity = -1, .flags = CMD_SELF_LOCK | CMD_WRITE, .proc = flushdb_command,
     .acl = ACL_KEYSPACE | ACL_DANGEROUS, .group = "server",
     .summary = "Remove all keys from the current database",
     .since = "1.0.0", .complexity = "O(N) where N is the number of keys in the selected database",
     .args = (const struct command_arg[]){{"async", "oneof", NULL, COMMAND_ARG_OPTIONAL,
         (const struct command_arg[]){{"async", "pure-token", "ASYNC", 0, NULL},
                                      {"sync", "pure-token", "SYNC", 0, NULL}, {0}}}, {0}}},
    {.name = "flushall", .arity = -1, .flags = CMD_SELF_LOCK | CMD_WRITE, .proc = flushall_command,
     .acl = ACL_KEYSPACE | ACL_DANGEROUS, .group = "server",
     .summary = "Remove all keys from all databases", .since = "1.0.0",
     .complexity = "O(N) where N is the total number of keys in all databases",
     .args = (const struct command_arg[]){{"async", "oneof", NULL, COMMAND_ARG_OPTIONAL,
         (const struct command_arg[]){{"async", "pure-token", "ASYNC", 0, NULL},
                                      {"sync", "pure-token", "SYNC", 0, NULL}, {0}}}, {0}}},
    {.name = "time", .arity = 1, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .proc = time_command, .group = "server", .summary = "Return the current server time",
     .since = "2.6.0", .complexity = "O(1)"},
    {.name = "save", .arity = 1,
     .flags = CMD_SELF_LOCK | CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_MULTI | CMD_NO_ASYNC_LOADING,
     .proc = save_command,
     .group = "server", .summary = "Synchronously save the dataset to disk",
     .since = "1.0.0", .complexity = "O(N) where N is the total number of keys in all databases"},
    {.name = "bgrewriteaof", .arity = 1,
     .flags = CMD_SELF_LOCK | CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING,
     .proc = bgrewriteaof_command, .group = "server",
     .summary = "Asynchronously rewrite the append-only file", .since = "1.0.0",
     .complexity = "O(1)"},
    {.name = "bgsave", .arity = -1,
     .flags = CMD_SELF_LOCK | CMD_ADMIN | CMD_NOSCRIPT | CMD_NO_ASYNC_LOADING,
     .proc = bgsave_command, .group = "server",
     .summary = "Asynchronously save the dataset to disk", .since = "1.0.0",
     .complexity = "O(1)",
     .args = (const struct command_arg[]){{"schedule", "pure-token", "SCHEDULE",
                                           COMMAND_ARG_OPTIONAL, NULL}, {0}}},
    {.name = "lastsave", .arity = 1, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .proc = lastsave_command, .acl = ACL_ADMIN | ACL_DANGEROUS, .group = "server",
     .summary = "Get the UNIX time stamp of the last successful save to disk",
     .since = "1.0.0", .complexity = "O(1)"},
    {.name = "shutdown", .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NO_MULTI |
              CMD_ALLOW_BUSY,
     .proc = shutdown_command, .group = "server",
     .summary = "Synchronously save the dataset to disk and then shut down the server",
     .since = "1.0.0", .complexity = "O(N) when saving, where N is the total number of keys in "
                                     "all databases when saving data, otherwise O(1)",
     .args = (const struct command_arg[]){
         {"nosave_save", "oneof", NULL, COMMAND_ARG_OPTIONAL, (const struct command_arg[]){
             {"nosave", "pure-token", "NOSAVE", 0, NULL},
             {"save", "pure-token", "SAVE", 0, NULL}, {0}}},
         {"now", "pure-token", "NOW", COMMAND_ARG_OPTIONAL, NULL},
         {"force", "pure-token", "FORCE", COMMAND_ARG_OPTIONAL, NULL},
         {"abort", "pure-token", "ABORT", COMMAND_ARG_OPTIONAL, NULL}, {0}}},
    {0},
};
