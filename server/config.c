/*
 * config.c - the option table and its parsers; see config.h.
 *
 * Each option names its kind; the kind decides how a value is parsed and
 * printed. Parsing never half-applies: a value is checked in full before it
 * is stored.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acl.h"
#include "acl_file.h"
#include "alloc.h"
#include "command.h"
#include "crash.h"
#include "fsutil.h"
#include "glob.h"
#include "log.h"
#include "log_syslog.h"
#include "notify.h"
#include "process.h"
#include "proctitle.h"
#include "repr.h"
#include "resp.h"

enum option_kind {
    OPT_INT, OPT_MEMORY, OPT_STRING, OPT_BOOL, OPT_ENUM, OPT_OBUF_LIMIT, OPT_NOTIFY,
    OPT_PERCENTILES, /* a string of percentiles, shown as Redis formats them */
    OPT_FLAGS,       /* words naming bits: enum_names[0] is none, [i] is bit i-1 */
    OPT_OCTAL,       /* an integer written in octal (file modes), as Redis's OCTAL_CONFIG */
    OPT_MEMORY_PERCENT, /* bytes, or "N%" of maxmemory stored as -N (Redis's PERCENT_CONFIG) */
    OPT_BYTES,       /* any bytes, NUL included: a struct config_bytes (Redis's SDS_CONFIG) */
};

#define OPT_IMMUTABLE 1 /* start-up only: CONFIG SET refuses it */
#define OPT_PROTECTED 2 /* CONFIG SET needs enable-protected-configs, as in Redis */
#define OPT_NO_EFFECT 4 /* accepted, not acted on: a warning unless set to `follows` */
#define OPT_HIDDEN 8    /* CONFIG GET shows it only by its exact name, as Redis's test knobs */
#define OPT_MULTI_ARG 16 /* a config line may give it any number of words (Redis's MULTI_ARG) */
#define OPT_DENY_LOADING 32 /* CONFIG SET refuses it while the dataset loads (Redis's DENY_LOADING) */

struct option {
    const char *name;
    enum option_kind kind;
    size_t offset;
    long long min, max;
    int flags;
    const char *const *enum_names;
    const char *default_value;
    const char *alias;   /* Redis's older name (the -ziplist- ones), or NULL */
    const char *follows; /* OPT_NO_EFFECT: the value Grove behaves as (NULL: the default) */
};

const char *const config_maxmemory_policies[MAXMEMORY_POLICIES + 1] = {
#define CONFIG_POLICY_NAME(name, text) [MAXMEMORY_##name] = text,
    CONFIG_MAXMEMORY_POLICIES(CONFIG_POLICY_NAME)
#undef CONFIG_POLICY_NAME
    NULL};

static const char *const allow_names[] = {"no", "yes", "local", NULL};
static const char *const oom_score_adj_names[] = {"no", "yes", "relative", "absolute", NULL};
static const char *const acl_pubsub_names[] = {"allchannels", "resetchannels", NULL};
static const char *const supervised_names[] = {"no", "upstart", "systemd", "auto", NULL};
/* enum config_shutdown_flag's bits, after "default" (none of them). */
static const char *const shutdown_flag_names[] = {"default", "save", "nosave", "now", "force",
                                                  NULL};
/* In the order of enum config_tls_auth. */
static const char *const tls_auth_names[] = {"no", "yes", "optional", NULL};
/* In the order of aof.c's FSYNC_* values. */
static const char *const appendfsync_names[] = {"no", "always", "everysec", NULL};
static const char *const endpoint_type_names[] = {"ip", "hostname", "unknown-endpoint", NULL};
static const char *const propagation_error_names[] = {"ignore", "panic", "panic-on-replicas",
                                                      NULL};
static const char *const diskless_load_names[] = {"disabled", "on-empty-db", "swapdb", NULL};
static const char *const sanitize_dump_names[] = {"no", "yes", "clients", NULL};

#define FIELD(f) offsetof(struct config, f)
#define TLS_STRING(name, field) {name, OPT_STRING, FIELD(field), 0, 0, 0, NULL, "", NULL, NULL}
#define NO_EFFECT_INT(name, field, min, max, dflt)                                                 \
    {name, OPT_INT, FIELD(field), min, max, OPT_NO_EFFECT, NULL, dflt, NULL, NULL}
#define NO_EFFECT_MEMORY(name, field, dflt)                                                        \
    {name, OPT_MEMORY, FIELD(field), 0, LLONG_MAX, OPT_NO_EFFECT, NULL, dflt, NULL, NULL}
#define NO_EFFECT_BOOL(name, field, dflt)                                                          \
    {name, OPT_BOOL, FIELD(field), 0, 1, OPT_NO_EFFECT, NULL, dflt, NULL, NULL}
#define NO_EFFECT_STRING(name, field, flags)                                                       \
    {name, OPT_STRING, FIELD(field), 0, 0, OPT_NO_EFFECT | (flags), NULL, "", NULL, NULL}
static const struct option options[] = {
    {"port", OPT_INT, FIELD(port), 0, 65535, 0, NULL, "6379", NULL, NULL},
    {"bind", OPT_STRING, FIELD(bind), 0, 0, OPT_MULTI_ARG, NULL, "* -::*", NULL, NULL},
    {"unixsocket", OPT_STRING, FIELD(unixsocket), 0, 0, OPT_IMMUTABLE, NULL, "", NULL, NULL},
    {"unixsocketperm", OPT_OCTAL, FIELD(unixsocketperm), 0, 0777, OPT_IMMUTABLE, NULL, "0", NULL,
     NULL},
    /* Grove's own: shown by exact name only, so that what iterates over
     * Redis's options (CONFIG GET *, Redis's test suite) meets Redis's. */
    {"threads", OPT_INT, FIELD(threads), 0, 128, OPT_IMMUTABLE | OPT_HIDDEN, NULL, "0", NULL,
     NULL},
    {"databases", OPT_INT, FIELD(databases), 1, 10000, OPT_IMMUTABLE, NULL, "16", NULL, NULL},
    {"shards", OPT_INT, FIELD(shards), 1, 1024, OPT_IMMUTABLE | OPT_HIDDEN, NULL, "16", NULL,
     NULL},
    {"requirepass", OPT_BYTES, FIELD(requirepass), 0, 0, 0, NULL, "", NULL, NULL},
    {"aclfile", OPT_STRING, FIELD(aclfile), 0, 0, OPT_IMMUTABLE, NULL, "", NULL, NULL},
    {"maxclients", OPT_INT, FIELD(maxclients), 1, UINT_MAX, 0, NULL, "10000", NULL, NULL},
    {"timeout", OPT_INT, FIELD(timeout), 0, INT_MAX, 0, NULL, "0", NULL, NULL},
    {"tcp-backlog", OPT_INT, FIELD(tcp_backlog), 0, INT_MAX, OPT_IMMUTABLE, NULL, "511", NULL, NULL},
    {"tcp-keepalive", OPT_INT, FIELD(tcp_keepalive), 0, INT_MAX, 0, NULL, "300", NULL, NULL},
    {"loglevel", OPT_ENUM, FIELD(loglevel), 0, 0, 0, log_level_names, "notice", NULL, NULL},
    {"logfile", OPT_STRING, FIELD(logfile), 0, 0, OPT_IMMUTABLE, NULL, "", NULL, NULL},
    {"proto-max-bulk-len", OPT_MEMORY, FIELD(proto_max_bulk_len), 1024 * 1024, LLONG_MAX, 0,
     NULL, "512mb", NULL, NULL},
    {"client-query-buffer-limit", OPT_MEMORY, FIELD(client_query_buffer_limit), 1024 * 1024,
     LLONG_MAX, 0, NULL, "1gb", NULL, NULL},
    {"client-output-buffer-limit", OPT_OBUF_LIMIT, FIELD(client_output_buffer_limit), 0,
     LLONG_MAX, OPT_MULTI_ARG, NULL, "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60", NULL, NULL},
    {"hz", OPT_INT, FIELD(hz), 0, INT_MAX, 0, NULL, "10", NULL, NULL},
    {"maxmemory", OPT_MEMORY, FIELD(maxmemory), 0, LLONG_MAX, 0, NULL, "0", NULL, NULL},
    {"maxmemory-policy", OPT_ENUM, FIELD(maxmemory_policy), 0, 0, 0, config_maxmemory_policies,
     "noeviction", NULL, NULL},
    {"maxmemory-clients", OPT_MEMORY_PERCENT, FIELD(maxmemory_clients), -100, LLONG_MAX, 0, NULL,
     "0", NULL, NULL},
    {"maxmemory-samples", OPT_INT, FIELD(maxmemory_samples), 1, 64, 0, NULL, "5", NULL, NULL},
    {"maxmemory-eviction-tenacity", OPT_INT, FIELD(maxmemory_eviction_tenacity), 0, 100, 0, NULL,
     "10", NULL, NULL},
    {"slowlog-log-slower-than", OPT_INT, FIELD(slowlog_log_slower_than), -1, LLONG_MAX, 0, NULL,
     "10000", NULL, NULL},
    {"slowlog-max-len", OPT_INT, FIELD(slowlog_max_len), 0, LONG_MAX, 0, NULL, "128", NULL, NULL},
    {"acllog-max-len", OPT_INT, FIELD(acllog_max_len), 0, LONG_MAX, 0, NULL, "128", NULL, NULL},
    {"acl-pubsub-default", OPT_ENUM, FIELD(acl_pubsub_default), 0, 0, 0, acl_pubsub_names,
     "resetchannels", NULL, NULL},
    {"tracking-table-max-keys", OPT_INT, FIELD(tracking_table_max_keys), 0, LONG_MAX, 0, NULL,
     "1000000", NULL, NULL},
    {"lfu-log-factor", OPT_INT, FIELD(lfu_log_factor), 0, INT_MAX, 0, NULL, "10", NULL, NULL},
    {"lfu-decay-time", OPT_INT, FIELD(lfu_decay_time), 0, INT_MAX, 0, NULL, "1", NULL, NULL},
    {"busy-reply-threshold", OPT_INT, FIELD(busy_reply_threshold), 0, LONG_MAX, 0, NULL, "5000",
     "lua-time-limit", NULL},
    {"hash-max-listpack-entries", OPT_INT, FIELD(limits.hash_max_listpack_entries), 0, LONG_MAX, 0,
     NULL, "512", "hash-max-ziplist-entries", NULL},
    {"hash-max-listpack-value", OPT_MEMORY, FIELD(limits.hash_max_listpack_value), 0, LONG_MAX, 0,
     NULL, "64", "hash-max-ziplist-value", NULL},
    {"set-max-intset-entries", OPT_INT, FIELD(limits.set_max_intset_entries), 0, LONG_MAX, 0, NULL,
     "512", NULL, NULL},
    {"zset-max-listpack-entries", OPT_INT, FIELD(limits.zset_max_listpack_entries), 0, LONG_MAX, 0,
     NULL, "128", "zset-max-ziplist-entries", NULL},
    {"zset-max-listpack-value", OPT_MEMORY, FIELD(limits.zset_max_listpack_value), 0, LONG_MAX, 0,
     NULL, "64", "zset-max-ziplist-value", NULL},
    {"hll-sparse-max-bytes", OPT_MEMORY, FIELD(hll_sparse_max_bytes), 0, LONG_MAX, 0, NULL,
     "3000", NULL, NULL},
    {"activerehashing", OPT_BOOL, FIELD(activerehashing), 0, 1, 0, NULL, "yes", NULL, NULL},
    {"lazyfree-lazy-user-flush", OPT_BOOL, FIELD(lazyfree_lazy_user_flush), 0, 1, 0, NULL, "no",
     NULL, NULL},
    {"enable-protected-configs", OPT_ENUM, FIELD(enable_protected_configs), 0, 0, OPT_IMMUTABLE,
     allow_names, "no", NULL, NULL},
    {"enable-debug-command", OPT_ENUM, FIELD(enable_debug_command), 0, 0, OPT_IMMUTABLE,
     allow_names, "no", NULL, NULL},
    {"key-load-delay", OPT_INT, FIELD(key_load_delay), INT_MIN, INT_MAX, OPT_HIDDEN, NULL, "0",
     NULL, NULL},
    {"list-max-listpack-size", OPT_INT, FIELD(limits.list_max_listpack_size), INT_MIN, INT_MAX, 0,
     NULL, "-2", "list-max-ziplist-size", NULL},
    {"list-compress-depth", OPT_INT, FIELD(limits.list_compress_depth), 0, INT_MAX, 0, NULL, "0",
     NULL, NULL},
    {"stream-node-max-bytes", OPT_MEMORY, FIELD(limits.stream_node_max_bytes), 0, LONG_MAX, 0,
     NULL, "4096", NULL, NULL},
    {"stream-node-max-entries", OPT_INT, FIELD(limits.stream_node_max_entries), 0, LLONG_MAX, 0,
     NULL, "100", NULL, NULL},
    {"lazyfree-lazy-eviction", OPT_BOOL, FIELD(lazyfree_lazy_eviction), 0, 1, 0, NULL, "no", NULL, NULL},
    {"lazyfree-lazy-expire", OPT_BOOL, FIELD(lazyfree_lazy_expire), 0, 1, 0, NULL, "no", NULL, NULL},
    {"lazyfree-lazy-server-del", OPT_BOOL, FIELD(lazyfree_lazy_server_del), 0, 1, 0, NULL, "no",
     NULL, NULL},
    {"lazyfree-lazy-user-del", OPT_BOOL, FIELD(lazyfree_lazy_user_del), 0, 1, 0, NULL, "no", NULL, NULL},
    {"latency-tracking", OPT_BOOL, FIELD(latency_tracking), 0, 1, 0, NULL, "yes", NULL, NULL},
    {"latency-tracking-info-percentiles", OPT_PERCENTILES,
     FIELD(latency_tracking_info_percentiles), 0, 0, OPT_MULTI_ARG, NULL, "50 99 99.9", NULL, NULL},
    {"latency-monitor-threshold", OPT_INT, FIELD(latency_monitor_threshold), 0, LLONG_MAX, 0, NULL,
     "0", NULL, NULL},
    {"set-proc-title", OPT_BOOL, FIELD(set_proc_title), 0, 1, OPT_IMMUTABLE, NULL, "yes", NULL,
     NULL},
    {"proc-title-template", OPT_STRING, FIELD(proc_title_template), 0, 0, 0, NULL,
     "{title} {listen-addr} {server-mode}", NULL, NULL},
    {"protected-mode", OPT_BOOL, FIELD(protected_mode), 0, 1, 0, NULL, "yes", NULL, NULL},
    {"active-expire-effort", OPT_INT, FIELD(active_expire_effort), 1, 10, OPT_NO_EFFECT, NULL, "1",
     NULL, NULL},
    {"save", OPT_STRING, FIELD(save), 0, 0, OPT_MULTI_ARG, NULL, "3600 1 300 100 60 10000", NULL, NULL},
    {"dbfilename", OPT_STRING, FIELD(dbfilename), 0, 0, OPT_PROTECTED, NULL, "dump.rdb", NULL,
     NULL},
    {"rdbcompression", OPT_BOOL, FIELD(rdbcompression), 0, 1, 0, NULL, "yes", NULL, NULL},
    {"rdbchecksum", OPT_BOOL, FIELD(rdbchecksum), 0, 1, OPT_IMMUTABLE, NULL, "yes", NULL, NULL},
    {"stop-writes-on-bgsave-error", OPT_BOOL, FIELD(stop_writes_on_bgsave_error), 0, 1, 0, NULL,
     "yes", NULL, NULL},
    {"rdb-del-sync-files", OPT_BOOL, FIELD(rdb_del_sync_files), 0, 1, 0, NULL, "no", NULL, NULL},
    {"rdb-key-save-delay", OPT_INT, FIELD(rdb_key_save_delay), INT_MIN, INT_MAX, OPT_HIDDEN, NULL,
     "0", NULL, NULL},
    {"repl-backlog-size", OPT_MEMORY, FIELD(repl_backlog_size), 1, LLONG_MAX, 0, NULL, "1mb", NULL,
     NULL},
    {"repl-diskless-sync", OPT_BOOL, FIELD(repl_diskless_sync), 0, 1, 0, NULL, "yes", NULL, NULL},
    {"repl-diskless-sync-delay", OPT_INT, FIELD(repl_diskless_sync_delay), 0, INT_MAX, 0, NULL,
     "5", NULL, NULL},
    {"repl-diskless-sync-max-replicas", OPT_INT, FIELD(repl_diskless_sync_max_replicas), 0,
     INT_MAX, 0, NULL, "0", NULL, NULL},
    {"repl-ping-replica-period", OPT_INT, FIELD(repl_ping_replica_period), 1, INT_MAX, 0, NULL,
     "10", "repl-ping-slave-period", NULL},
    {"min-replicas-to-write", OPT_INT, FIELD(min_replicas_to_write), 0, INT_MAX, 0, NULL, "0",
     "min-slaves-to-write", NULL},
    {"min-replicas-max-lag", OPT_INT, FIELD(min_replicas_max_lag), 0, INT_MAX, 0, NULL, "10",
     "min-slaves-max-lag", NULL},
    {"repl-timeout", OPT_INT, FIELD(repl_timeout), 1, INT_MAX, 0, NULL, "60", NULL, NULL},
    {"replicaof", OPT_STRING, FIELD(replicaof), 0, 0, OPT_IMMUTABLE, NULL, "", "slaveof", NULL},
    {"masterauth", OPT_BYTES, FIELD(masterauth), 0, 0, 0, NULL, "", NULL, NULL},
    {"masteruser", OPT_STRING, FIELD(masteruser), 0, 0, 0, NULL, "", NULL, NULL},
    {"replica-announce-ip", OPT_STRING, FIELD(replica_announce_ip), 0, 0, 0, NULL, "",
     "slave-announce-ip", NULL},
    {"replica-announce-port", OPT_INT, FIELD(replica_announce_port), 0, 65535, 0, NULL, "0",
     "slave-announce-port", NULL},
    {"replica-read-only", OPT_BOOL, FIELD(replica_read_only), 0, 1, 0, NULL, "yes",
     "slave-read-only", NULL},
    {"replica-serve-stale-data", OPT_BOOL, FIELD(replica_serve_stale_data), 0, 1, 0, NULL, "yes",
     "slave-serve-stale-data", NULL},
    {"replica-priority", OPT_INT, FIELD(replica_priority), 0, INT_MAX, 0, NULL, "100",
     "slave-priority", NULL},
    {"replica-announced", OPT_BOOL, FIELD(replica_announced), 0, 1, 0, NULL, "yes", NULL, NULL},
    {"replica-lazy-flush", OPT_BOOL, FIELD(replica_lazy_flush), 0, 1, 0, NULL, "no",
     "slave-lazy-flush", NULL},
    {"replica-ignore-disk-write-errors", OPT_BOOL, FIELD(replica_ignore_disk_write_errors), 0, 1,
     0, NULL, "no", NULL, NULL},
    {"replica-ignore-maxmemory", OPT_BOOL, FIELD(replica_ignore_maxmemory), 0, 1, 0, NULL, "yes",
     "slave-ignore-maxmemory", NULL},
    {"appendonly", OPT_BOOL, FIELD(appendonly), 0, 1, OPT_DENY_LOADING, NULL, "no", NULL, NULL},
    {"appendfilename", OPT_STRING, FIELD(appendfilename), 0, 0, OPT_IMMUTABLE, NULL,
     "appendonly.aof", NULL, NULL},
    {"appenddirname", OPT_STRING, FIELD(appenddirname), 0, 0, OPT_IMMUTABLE, NULL,
     "appendonlydir", NULL, NULL},
    {"appendfsync", OPT_ENUM, FIELD(appendfsync), 0, 0, 0, appendfsync_names, "everysec", NULL,
     NULL},
    {"auto-aof-rewrite-percentage", OPT_INT, FIELD(auto_aof_rewrite_percentage), 0, INT_MAX, 0,
     NULL, "100", NULL, NULL},
    {"auto-aof-rewrite-min-size", OPT_MEMORY, FIELD(auto_aof_rewrite_min_size), 0, LLONG_MAX, 0,
     NULL, "64mb", NULL, NULL},
    {"aof-disable-auto-gc", OPT_BOOL, FIELD(aof_disable_auto_gc), 0, 1, 0, NULL, "no", NULL,
     NULL},
    {"aof-load-truncated", OPT_BOOL, FIELD(aof_load_truncated), 0, 1, 0, NULL, "yes", NULL, NULL},
    {"aof-use-rdb-preamble", OPT_BOOL, FIELD(aof_use_rdb_preamble), 0, 1, 0, NULL, "yes", NULL,
     NULL},
    {"aof-timestamp-enabled", OPT_BOOL, FIELD(aof_timestamp_enabled), 0, 1, 0, NULL, "no", NULL,
     NULL},
    {"no-appendfsync-on-rewrite", OPT_BOOL, FIELD(no_appendfsync_on_rewrite), 0, 1,
     OPT_NO_EFFECT, NULL, "no", NULL, NULL},
    {"aof-rewrite-incremental-fsync", OPT_BOOL, FIELD(aof_rewrite_incremental_fsync), 0, 1,
     OPT_NO_EFFECT, NULL, "yes", NULL, NULL},
    {"daemonize", OPT_BOOL, FIELD(daemonize), 0, 1, OPT_IMMUTABLE, NULL, "no", NULL, NULL},
    {"pidfile", OPT_STRING, FIELD(pidfile), 0, 0, OPT_IMMUTABLE, NULL, "", NULL, NULL},
    {"supervised", OPT_ENUM, FIELD(supervised), 0, 0, OPT_IMMUTABLE, supervised_names, "no", NULL,
     NULL},
    {"syslog-enabled", OPT_BOOL, FIELD(syslog_enabled), 0, 1, OPT_IMMUTABLE, NULL, "no", NULL,
     NULL},
    {"syslog-ident", OPT_STRING, FIELD(syslog_ident), 0, 0, OPT_IMMUTABLE, NULL, "redis", NULL,
     NULL},
    {"syslog-facility", OPT_ENUM, FIELD(syslog_facility), 0, 0, OPT_IMMUTABLE,
     log_syslog_facilities, "local0", NULL, NULL},
    {"shutdown-on-sigint", OPT_FLAGS, FIELD(shutdown_on_sigint), 0, 15, OPT_MULTI_ARG,
     shutdown_flag_names, "default", NULL, NULL},
    {"shutdown-on-sigterm", OPT_FLAGS, FIELD(shutdown_on_sigterm), 0, 15, OPT_MULTI_ARG,
     shutdown_flag_names, "default", NULL, NULL},
    {"shutdown-timeout", OPT_INT, FIELD(shutdown_timeout), 0, INT_MAX, 0, NULL, "10", NULL,
     NULL},
    {"disable-thp", OPT_BOOL, FIELD(disable_thp), 0, 1, OPT_IMMUTABLE, NULL, "yes", NULL, NULL},
    {"crash-log-enabled", OPT_BOOL, FIELD(crash_log_enabled), 0, 1, 0, NULL, "yes", NULL, NULL},
    {"use-exit-on-panic", OPT_BOOL, FIELD(use_exit_on_panic), 0, 1, OPT_IMMUTABLE | OPT_HIDDEN,
     NULL, "no", NULL, NULL},
    {"crash-memcheck-enabled", OPT_BOOL, FIELD(crash_memcheck_enabled), 0, 1, OPT_NO_EFFECT, NULL,
     "no", NULL, NULL},
    {"oom-score-adj", OPT_ENUM, FIELD(oom_score_adj), 0, 0, 0, oom_score_adj_names, "no", NULL,
     NULL},
    {"oom-score-adj-values", OPT_STRING, FIELD(oom_score_adj_values), 0, 0, OPT_MULTI_ARG, NULL,
     "0 200 800", NULL, NULL},
    {"dir", OPT_STRING, FIELD(dir), 0, 0, OPT_PROTECTED | OPT_DENY_LOADING, NULL, ".", NULL, NULL},
    {"notify-keyspace-events", OPT_NOTIFY, FIELD(notify_keyspace_events), 0, LLONG_MAX, 0, NULL,
     "", NULL, NULL},
    {"enable-module-command", OPT_ENUM, FIELD(enable_module_command), 0, 0, OPT_IMMUTABLE,
     allow_names, "no", NULL, NULL},
    /* Accepted without effect (config.h says why); the value in `follows`
     * is what Grove does. */
    {"activedefrag", OPT_BOOL, FIELD(activedefrag), 0, 1, 0, NULL, "no", NULL, NULL},
    NO_EFFECT_MEMORY("active-defrag-ignore-bytes", active_defrag_ignore_bytes, "104857600"),
    NO_EFFECT_INT("active-defrag-threshold-lower", active_defrag_threshold_lower, 0, 1000, "10"),
    NO_EFFECT_INT("active-defrag-threshold-upper", active_defrag_threshold_upper, 0, 1000, "100"),
    NO_EFFECT_INT("active-defrag-cycle-min", active_defrag_cycle_min, 1, 99, "1"),
    NO_EFFECT_INT("active-defrag-cycle-max", active_defrag_cycle_max, 1, 99, "25"),
    NO_EFFECT_INT("active-defrag-max-scan-fields", active_defrag_max_scan_fields, 1, LONG_MAX,
                  "1000"),
    {"always-show-logo", OPT_BOOL, FIELD(always_show_logo), 0, 1, OPT_IMMUTABLE, NULL, "no", NULL,
     NULL},
    NO_EFFECT_STRING("server_cpulist", server_cpulist, OPT_IMMUTABLE),
    NO_EFFECT_STRING("bio_cpulist", bio_cpulist, OPT_IMMUTABLE),
    NO_EFFECT_STRING("aof_rewrite_cpulist", aof_rewrite_cpulist, OPT_IMMUTABLE),
    NO_EFFECT_STRING("bgsave_cpulist", bgsave_cpulist, OPT_IMMUTABLE),
    {"bind-source-addr", OPT_STRING, FIELD(bind_source_addr), 0, 0, 0, NULL, "", NULL, NULL},
    {"cluster-enabled", OPT_BOOL, FIELD(cluster_enabled), 0, 1, OPT_IMMUTABLE, NULL, "no", NULL,
     NULL},
    {"cluster-config-file", OPT_STRING, FIELD(cluster_config_file), 0, 0,
     OPT_IMMUTABLE | OPT_NO_EFFECT, NULL, "nodes.conf", NULL, NULL},
    {"cluster-port", OPT_INT, FIELD(cluster_port), 0, 65535, OPT_IMMUTABLE | OPT_NO_EFFECT, NULL,
     "0", NULL, NULL},
    NO_EFFECT_INT("cluster-node-timeout", cluster_node_timeout, 0, LONG_MAX, "15000"),
    NO_EFFECT_INT("cluster-migration-barrier", cluster_migration_barrier, 0, INT_MAX, "1"),
    {"cluster-replica-validity-factor", OPT_INT, FIELD(cluster_replica_validity_factor), 0,
     INT_MAX, OPT_NO_EFFECT, NULL, "10", "cluster-slave-validity-factor", NULL},
    NO_EFFECT_BOOL("cluster-require-full-coverage", cluster_require_full_coverage, "yes"),
    {"cluster-replica-no-failover", OPT_BOOL, FIELD(cluster_replica_no_failover), 0, 1,
     OPT_NO_EFFECT, NULL, "no", "cluster-slave-no-failover", NULL},
    NO_EFFECT_BOOL("cluster-allow-reads-when-down", cluster_allow_reads_when_down, "no"),
    NO_EFFECT_BOOL("cluster-allow-pubsubshard-when-down", cluster_allow_pubsubshard_when_down,
                   "yes"),
    NO_EFFECT_BOOL("cluster-allow-replica-migration", cluster_allow_replica_migration, "yes"),
    NO_EFFECT_MEMORY("cluster-link-sendbuf-limit", cluster_link_sendbuf_limit, "0"),
    {"cluster-preferred-endpoint-type", OPT_ENUM, FIELD(cluster_preferred_endpoint_type), 0, 0,
     OPT_NO_EFFECT, endpoint_type_names, "ip", NULL, NULL},
    NO_EFFECT_STRING("cluster-announce-ip", cluster_announce_ip, 0),
    NO_EFFECT_STRING("cluster-announce-hostname", cluster_announce_hostname, 0),
    NO_EFFECT_INT("cluster-announce-port", cluster_announce_port, 0, 65535, "0"),
    NO_EFFECT_INT("cluster-announce-tls-port", cluster_announce_tls_port, 0, 65535, "0"),
    NO_EFFECT_INT("cluster-announce-bus-port", cluster_announce_bus_port, 0, 65535, "0"),
    {"dynamic-hz", OPT_BOOL, FIELD(dynamic_hz), 0, 1, OPT_NO_EFFECT, NULL, "yes", NULL, "no"},
    {"watchdog-period", OPT_INT, FIELD(watchdog_period), 0, INT_MAX, OPT_HIDDEN | OPT_NO_EFFECT,
     NULL, "0", NULL, NULL},
    {"loading-process-events-interval-bytes", OPT_INT, FIELD(loading_events_bytes), 1024,
     INT_MAX, OPT_HIDDEN | OPT_NO_EFFECT, NULL, "2097152", NULL, NULL},
    {"ignore-warnings", OPT_STRING, FIELD(ignore_warnings), 0, 0, 0, NULL, "", NULL, NULL},
    {"io-threads", OPT_INT, FIELD(io_threads), 1, 128, OPT_IMMUTABLE | OPT_NO_EFFECT, NULL, "1",
     NULL, NULL},
    NO_EFFECT_BOOL("io-threads-do-reads", io_threads_do_reads, "no"),
    {"jemalloc-bg-thread", OPT_BOOL, FIELD(jemalloc_bg_thread), 0, 1, 0, NULL, "yes", NULL, NULL},
    {"propagation-error-behavior", OPT_ENUM, FIELD(propagation_error_behavior), 0, 0,
     OPT_NO_EFFECT, propagation_error_names, "ignore", NULL, NULL},
    {"rdb-save-incremental-fsync", OPT_BOOL, FIELD(rdb_save_incremental_fsync), 0, 1, 0, NULL,
     "yes", NULL, NULL},
    {"repl-backlog-ttl", OPT_INT, FIELD(repl_backlog_ttl), 0, LONG_MAX, OPT_NO_EFFECT, NULL,
     "3600", NULL, "0"},
    NO_EFFECT_BOOL("repl-disable-tcp-nodelay", repl_disable_tcp_nodelay, "no"),
    {"repl-diskless-load", OPT_ENUM, FIELD(repl_diskless_load), 0, 0,
     OPT_NO_EFFECT | OPT_DENY_LOADING,
     diskless_load_names, "disabled", NULL, NULL},
    {"sanitize-dump-payload", OPT_ENUM, FIELD(sanitize_dump_payload), 0, 0, OPT_NO_EFFECT,
     sanitize_dump_names, "no", NULL, "yes"},
    {"socket-mark-id", OPT_INT, FIELD(socket_mark_id), 0, UINT_MAX, OPT_IMMUTABLE | OPT_NO_EFFECT,
     NULL, "0", NULL, NULL},
    /* TLS (tls.h). tls-replication and tls-cluster refuse "yes": Grove
     * has neither replica links nor a cluster bus. */
    {"tls-port", OPT_INT, FIELD(tls_port), 0, 65535, 0, NULL, "0", NULL, NULL},
    TLS_STRING("tls-cert-file", tls_cert_file),
    TLS_STRING("tls-key-file", tls_key_file),
    TLS_STRING("tls-key-file-pass", tls_key_file_pass),
    TLS_STRING("tls-client-cert-file", tls_client_cert_file),
    TLS_STRING("tls-client-key-file", tls_client_key_file),
    TLS_STRING("tls-client-key-file-pass", tls_client_key_file_pass),
    TLS_STRING("tls-dh-params-file", tls_dh_params_file),
    TLS_STRING("tls-ca-cert-file", tls_ca_cert_file),
    TLS_STRING("tls-ca-cert-dir", tls_ca_cert_dir),
    TLS_STRING("tls-protocols", tls_protocols),
    TLS_STRING("tls-ciphers", tls_ciphers),
    TLS_STRING("tls-ciphersuites", tls_ciphersuites),
    {"tls-auth-clients", OPT_ENUM, FIELD(tls_auth_clients), 0, 0, 0, tls_auth_names, "yes", NULL,
     NULL},
    {"tls-prefer-server-ciphers", OPT_BOOL, FIELD(tls_prefer_server_ciphers), 0, 1, 0, NULL, "no",
     NULL, NULL},
    {"tls-session-caching", OPT_BOOL, FIELD(tls_session_caching), 0, 1, 0, NULL, "yes", NULL,
     NULL},
    {"tls-session-cache-size", OPT_INT, FIELD(tls_session_cache_size), 0, INT_MAX, 0, NULL,
     "20480", NULL, NULL},
    {"tls-session-cache-timeout", OPT_INT, FIELD(tls_session_cache_timeout), 0, INT_MAX, 0, NULL,
     "300", NULL, NULL},
    {"tls-replication", OPT_BOOL, FIELD(tls_replication), 0, 0, 0, NULL, "no", NULL, NULL},
    {"tls-cluster", OPT_BOOL, FIELD(tls_cluster), 0, 0, 0, NULL, "no", NULL, NULL},
};
#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

static pthread_mutex_t config_mutex = PTHREAD_MUTEX_INITIALIZER;

void config_lock(void)
{
    pthread_mutex_lock(&config_mutex);
}

void config_unlock(void)
{
    pthread_mutex_unlock(&config_mutex);
}

static atomic_llong *int_field(struct config *cfg, const struct option *opt)
{
    return (atomic_llong *)((char *)cfg + opt->offset);
}

/* The kinds kept as a string (read under config_lock). */
static bool string_kind(const struct option *opt)
{
    return opt->kind == OPT_STRING || opt->kind == OPT_PERCENTILES;
}

static char **string_field(struct config *cfg, const struct option *opt)
{
    return (char **)((char *)cfg + opt->offset);
}

static struct config_bytes *bytes_field(struct config *cfg, const struct option *opt)
{
    return (struct config_bytes *)((char *)cfg + opt->offset);
}

/* The option called `name` (or aliased so), with the name it goes by
 * there in *as (may be NULL). */
static const struct option *find_option_as(const char *name, const char **as)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const char *names[] = {options[i].name, options[i].alias};
        for (int j = 0; j < 2; j++) {
            if (names[j] == NULL || strcasecmp(names[j], name) != 0)
                continue;
            if (as != NULL)
                *as = names[j];
            return &options[i];
        }
    }
    return NULL;
}

static const struct option *find_option(const char *name)
{
    return find_option_as(name, NULL);
}

/* ---- value parsing ------------------------------------------------------ */

/* Integers as Redis's string2ll reads them: no sign but '-', no spaces,
 * no leading zeros. */
static bool parse_ll(const char *s, long long *out)
{
    return resp_str_to_ll(s, strlen(s), out);
}

bool config_parse_memory(const char *s, long long *out)
{
    static const struct { const char *suffix; long long mul; } units[] = {
        {"b", 1},          {"k", 1000},       {"kb", 1024},
        {"m", 1000000},    {"mb", 1 << 20},   {"g", 1000000000LL},
        {"gb", 1LL << 30},
    };
    size_t len = strlen(s);
    size_t digits = len;
    while (digits > 0 && isalpha((unsigned char)s[digits - 1]))
        digits--;
    long long mul = 1;
    if (digits < len) {
        bool known = false;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strcasecmp(s + digits, units[i].suffix) == 0) {
                mul = units[i].mul;
                known = true;
            }
        }
        if (!known)
            return false;
    }
    char number[32];
    if (digits == 0 || digits >= sizeof(number))
        return false;
    memcpy(number, s, digits);
    number[digits] = '\0';
    /* Digits only (Redis's memtoull takes no sign), leading zeros allowed. */
    for (size_t i = 0; i < digits; i++)
        if (!isdigit((unsigned char)number[i]))
            return false;
    errno = 0;
    long long v = strtoll(number, NULL, 10);
    if (errno != 0 || (mul > 1 && v > LLONG_MAX / mul))
        return false;
    *out = v * mul;
    return true;
}

static int parse_enum(const struct option *opt, const char *value, long long *out)
{
    for (int i = 0; opt->enum_names[i] != NULL; i++) {
        if (strcasecmp(opt->enum_names[i], value) == 0) {
            *out = i;
            return 0;
        }
    }
    return -EINVAL;
}

/* "class hard soft seconds [class ...]", as redis.conf writes it; classes
 * normal, replica (or slave) and pubsub. The whole value is checked before
 * any class changes, as in Redis. Only the normal class's hard limit means
 * something to conn.c; replication.c reads the replica class; the pubsub
 * class is kept for CONFIG GET. */
static int parse_obuf_limit(struct config *cfg, const char *value, char *reason, size_t cap)
{
    static const char *const classes[] = {"normal", "slave", "replica", "pubsub"};
    static const int class_slot[] = {0, 1, 1, 2};
    char copy[1024], *save = NULL, *words[64];
    snprintf(copy, sizeof(copy), "%s", value);
    int n = 0;
    for (char *w = strtok_r(copy, " ", &save); w != NULL && n < 64; w = strtok_r(NULL, " ", &save))
        words[n++] = w;
    if (n == 0)
        return 0; /* "": Redis accepts it and changes nothing */
    if (n % 4 != 0) {
        snprintf(reason, cap, "Wrong number of arguments in buffer limit configuration.");
        return -EINVAL;
    }
    long long limits[CONFIG_OBUF_CLASSES][3];
    for (int c = 0; c < CONFIG_OBUF_CLASSES; c++)
        for (int k = 0; k < 3; k++)
            limits[c][k] = cfg->obuf_limits[c][k];
    for (int j = 0; j < n; j += 4) {
        int slot = -1;
        for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++)
            if (strcasecmp(words[j], classes[c]) == 0)
                slot = class_slot[c];
        if (slot < 0) {
            snprintf(reason, cap,
                     "Invalid client class specified in buffer limit configuration.");
            return -EINVAL;
        }
        char *end;
        long long hard, soft, seconds;
        errno = 0;
        seconds = strtoll(words[j + 3], &end, 10);
        if (!config_parse_memory(words[j + 1], &hard) ||
            !config_parse_memory(words[j + 2], &soft) || errno != 0 || *end != '\0' ||
            seconds < 0) {
            snprintf(reason, cap, "Error in hard, soft or soft_seconds setting in buffer "
                                  "limit configuration.");
            return -EINVAL;
        }
        limits[slot][0] = hard;
        limits[slot][1] = soft;
        limits[slot][2] = seconds;
    }
    for (int c = 0; c < CONFIG_OBUF_CLASSES; c++)
        for (int k = 0; k < 3; k++)
            cfg->obuf_limits[c][k] = limits[c][k];
    cfg->client_output_buffer_limit = limits[0][0];
    return 0;
}

/* save "<seconds> <changes> ...": checked as Redis does (snapshot.c reads it). */
static bool valid_save(const char *value)
{
    char copy[1024], *save = NULL;
    snprintf(copy, sizeof(copy), "%s", value);
    int n = 0;
    for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save), n++) {
        char *end;
        long long v = strtoll(w, &end, 10);
        if (*end != '\0' || (n % 2 == 0 && v < 1) || (n % 2 == 1 && v < 0))
            return false;
    }
    return n % 2 == 0;
}

/* latency-tracking-info-percentiles: numbers from 0 to 100 separated by
 * single spaces, each read as Redis's string2d reads it; "" is none.
 * Fills out[cap]; returns how many, or -EINVAL with Redis's reason (and
 * for more than `cap` of them, which Redis would take). */
/* "" or "host port", the port a number from 0 to 65535. */
static bool valid_replicaof(const char *value)
{
    const char *space = strchr(value, ' ');
    long long port;
    if (*value == '\0')
        return true;
    return space != NULL && space != value && parse_ll(space + 1, &port) && port >= 0 &&
           port <= 65535;
}

static int parse_percentiles(const char *text, double *out, size_t cap, char *reason,
                             size_t rcap)
{
    size_t n = 0;
    for (const char *p = text; *text != '\0'; p++) {
        const char *space = strchr(p, ' ');
        size_t len = space ? (size_t)(space - p) : strlen(p);
        double v;
        if (n == cap || !resp_str_to_double(p, len, &v)) {
            snprintf(reason, rcap, "Invalid latency-tracking-info-percentiles parameters");
            return -EINVAL;
        }
        if (v > 100.0 || v < 0.0) {
            snprintf(reason, rcap, "latency-tracking-info-percentiles parameters should sit "
                                   "between [0.0,100.0]");
            return -EINVAL;
        }
        out[n++] = v;
        if (space == NULL)
            break;
        p = space;
    }
    return (int)n;
}

size_t config_latency_percentiles(struct config *cfg, double out[CONFIG_MAX_PERCENTILES])
{
    char reason[128];
    config_lock();
    int n = parse_percentiles(cfg->latency_tracking_info_percentiles, out,
                              CONFIG_MAX_PERCENTILES, reason, sizeof(reason));
    config_unlock();
    return n > 0 ? (size_t)n : 0;
}

/* CONFIG GET's text: each as "%f" with its trailing zeros trimmed. */
static void format_percentiles(const char *text, char *buf, size_t len)
{
    double p[CONFIG_MAX_PERCENTILES];
    char reason[128];
    int n = parse_percentiles(text, p, CONFIG_MAX_PERCENTILES, reason, sizeof(reason));
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used + 1 < len; i++) {
        char one[64];
        resp_double_to_fixed_str(one, sizeof(one), p[i]);
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "", one);
    }
}

static void describe_enum(const struct option *opt, char *reason, size_t cap)
{
    size_t used = (size_t)snprintf(reason, cap, "argument(s) must be one of the following: ");
    for (int i = 0; opt->enum_names[i] != NULL && used < cap; i++)
        used += (size_t)snprintf(reason + used, cap - used, "%s%s", i ? ", " : "",
                                 opt->enum_names[i]);
}

/* Each kind's parser: 0 with the value in *v, or -EINVAL with Redis's
 * reason. */
typedef int (*parse_fn)(const struct option *opt, const char *value, long long *v,
                        char *reason, size_t cap);

static int reason_for(char *reason, size_t cap, const char *text)
{
    snprintf(reason, cap, "%s", text);
    return -EINVAL;
}

static int parse_bool_value(const struct option *opt, const char *value, long long *v,
                            char *reason, size_t cap)
{
    if (strcasecmp(value, "yes") == 0)
        *v = 1;
    else if (strcasecmp(value, "no") == 0)
        *v = 0;
    else
        return reason_for(reason, cap, "argument must be 'yes' or 'no'");
    return *v > opt->max ? reason_for(reason, cap, "Grove does not support this value") : 0;
}

static int parse_enum_value(const struct option *opt, const char *value, long long *v,
                            char *reason, size_t cap)
{
    if (parse_enum(opt, value, v) == 0)
        return 0;
    describe_enum(opt, reason, cap);
    return -EINVAL;
}

/* Words naming flags, any order, at least one ("default" alone: none).
 * SHUTDOWN's rule holds: SAVE and NOSAVE exclude each other. */
static int parse_flags_value(const struct option *opt, const char *value, long long *v,
                             char *reason, size_t cap)
{
    char words[CONFIG_VALUE_MAX];
    snprintf(words, sizeof(words), "%s", value);
    long long bits = 0;
    int n = 0;
    for (char *save, *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save), n++) {
        long long i;
        if (parse_enum(opt, w, &i) < 0) {
            describe_enum(opt, reason, cap);
            return -EINVAL;
        }
        bits |= i > 0 ? 1LL << (i - 1) : 0;
    }
    if (n == 0) {
        describe_enum(opt, reason, cap);
        return -EINVAL;
    }
    if ((bits & CONFIG_SHUTDOWN_SAVE) && (bits & CONFIG_SHUTDOWN_NOSAVE))
        return reason_for(reason, cap,
                          "shutdown options SAVE and NOSAVE can't be used simultaneously");
    *v = bits;
    return 0;
}

static void format_flags(const struct option *opt, long long bits, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 1; opt->enum_names[i] != NULL && used < len; i++)
        if (bits & (1LL << (i - 1)))
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "",
                                     opt->enum_names[i]);
    if (used == 0)
        snprintf(buf, len, "%s", opt->enum_names[0]);
}

static int parse_notify_value(const struct option *opt, const char *value, long long *v,
                              char *reason, size_t cap)
{
    unsigned classes;
    (void)opt;
    if (notify_parse_classes(value, &classes) < 0)
        return reason_for(reason, cap,
                          "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    *v = classes;
    return 0;
}

static int parse_int_value(const struct option *opt, const char *value, long long *v,
                           char *reason, size_t cap)
{
    (void)opt;
    return parse_ll(value, v) ? 0
                              : reason_for(reason, cap, "argument couldn't be parsed into an integer");
}

static int parse_octal_value(const struct option *opt, const char *value, long long *v,
                             char *reason, size_t cap)
{
    char *end;
    (void)opt;
    errno = 0;
    *v = strtoll(value, &end, 8);
    return value[0] != '\0' && *end == '\0' && errno == 0
               ? 0
               : reason_for(reason, cap, "argument couldn't be parsed into an integer");
}

static int parse_memory_value(const struct option *opt, const char *value, long long *v,
                              char *reason, size_t cap)
{
    (void)opt;
    return config_parse_memory(value, v) ? 0
                                         : reason_for(reason, cap, "argument must be a memory value");
}

/* "N%" (N a whole number up to 100) as -N, as Redis keeps a percentage;
 * anything else as a memory value. */
static int parse_memory_percent_value(const struct option *opt, const char *value, long long *v,
                                      char *reason, size_t cap)
{
    (void)opt;
    size_t len = strlen(value);
    char digits[32];
    long long pct;
    if (len < 2 || value[len - 1] != '%' || len > sizeof(digits)) {
        return config_parse_memory(value, v)
                   ? 0
                   : reason_for(reason, cap, "argument must be a memory or percent value");
    }
    memcpy(digits, value, len - 1);
    digits[len - 1] = '\0';
    if (!parse_ll(digits, &pct) || pct < 0)
        return reason_for(reason, cap, "argument must be a memory or percent value");
    if (pct > 100)
        return reason_for(reason, cap, "percentage argument must be less or equal to 100");
    *v = -pct;
    return 0;
}

/* Bounds, and the rules particular options add to them. */
static int check_number(const struct option *opt, long long *v, char *reason, size_t cap)
{
    if (opt->kind != OPT_ENUM && opt->kind != OPT_FLAGS && (*v < opt->min || *v > opt->max)) {
        snprintf(reason, cap, "argument must be between %lld and %lld inclusive", opt->min,
                 opt->max);
        return -EINVAL;
    }
    if (opt->offset == FIELD(shards) && (*v & (*v - 1)) != 0)
        return reason_for(reason, cap, "argument must be a power of two");
    if (opt->offset == FIELD(activedefrag) && *v != 0) /* Debian's Redis answers so too */
        return reason_for(reason, cap,
                          "Active defragmentation cannot be enabled: it requires a Redis server "
                          "compiled with a modified Jemalloc like the one shipped by default "
                          "with the Redis source distribution");
    if (opt->offset == FIELD(cluster_enabled) && *v != 0)
        return reason_for(reason, cap, "Grove has no cluster mode");
    if (opt->offset == FIELD(hz)) /* Redis clamps instead of refusing */
        *v = *v < CONFIG_MIN_HZ ? CONFIG_MIN_HZ : *v > CONFIG_MAX_HZ ? CONFIG_MAX_HZ : *v;
    return 0;
}

/* At most CONFIG_MAX_BINDS addresses, as Redis's CONFIG_BINDADDR_MAX. */
static bool valid_bind(const char *value)
{
    int words = 0;
    for (const char *p = value; *p != '\0'; p++)
        if (*p != ' ' && (p == value || p[-1] == ' '))
            words++;
    return words <= CONFIG_MAX_BINDS;
}

/* dir, as Redis: the process changes to it (so CONFIG GET dir is always
 * the absolute path getcwd gives back); *copy is that path. */
static int change_dir(const char *value, char **copy, char *reason, size_t cap)
{
    char cwd[PATH_MAX];
    if (chdir(value) != 0 || getcwd(cwd, sizeof(cwd)) == NULL)
        return reason_for(reason, cap, strerror(errno));
    *copy = strdup(cwd);
    return 0;
}

static int apply_string(struct config *cfg, const struct option *opt, const char *value,
                        char *reason, size_t cap)
{
    double percentiles[CONFIG_MAX_PERCENTILES];
    int oom_values[PROCESS_OOM_CLASSES];
    if (opt->offset == FIELD(save) && !valid_save(value))
        return reason_for(reason, cap, "Invalid save parameters");
    if (opt->offset == FIELD(proc_title_template) && !proctitle_template_valid(value))
        return reason_for(reason, cap,
                          "template format is invalid or contains unknown variables");
    if (opt->offset == FIELD(oom_score_adj_values)) {
        if (!process_oom_values_parse(value, oom_values, reason, cap))
            return -EINVAL;
        if (oom_values[PROCESS_OOM_REPLICA] < oom_values[PROCESS_OOM_MASTER] ||
            oom_values[PROCESS_OOM_BGCHILD] < oom_values[PROCESS_OOM_REPLICA])
            log_warning("The oom-score-adj-values configuration may not work for "
                        "non-privileged processes! Please consult the documentation.");
    }
    if (opt->offset == FIELD(replicaof) && !valid_replicaof(value))
        return reason_for(reason, cap, "Invalid master address");
    if (opt->offset == FIELD(bind) && !valid_bind(value))
        return reason_for(reason, cap, "Too many bind addresses specified.");
    if (opt->kind == OPT_PERCENTILES &&
        parse_percentiles(value, percentiles, CONFIG_MAX_PERCENTILES, reason, cap) < 0)
        return -EINVAL;
    char *copy = NULL;
    if (opt->offset == FIELD(dir)) {
        if (change_dir(value, &copy, reason, cap) < 0)
            return -EINVAL;
    } else {
        copy = strdup(value);
    }
    if (copy == NULL)
        return reason_for(reason, cap, "out of memory");
    char **field = string_field(cfg, opt);
    free(*field);
    *field = copy;
    return 0;
}

/* Any bytes, kept with their length and a NUL after them. */
static int apply_bytes(struct config *cfg, const struct option *opt, const char *value,
                       size_t len, char *reason, size_t cap)
{
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return reason_for(reason, cap, "out of memory");
    memcpy(copy, value, len);
    copy[len] = '\0';
    struct config_bytes *field = bytes_field(cfg, opt);
    free(field->ptr);
    *field = (struct config_bytes){copy, len};
    return 0;
}

/* The numeric kinds' parsers, by kind. */
static const parse_fn parsers[] = {
    [OPT_INT] = parse_int_value, [OPT_MEMORY] = parse_memory_value,
    [OPT_OCTAL] = parse_octal_value,
    [OPT_BOOL] = parse_bool_value, [OPT_ENUM] = parse_enum_value,
    [OPT_NOTIFY] = parse_notify_value, [OPT_FLAGS] = parse_flags_value,
    [OPT_MEMORY_PERCENT] = parse_memory_percent_value,
};

/* A numeric option's value `text` parsed, or false if it does not parse. */
static bool parse_number(const struct option *opt, const char *text, long long *v)
{
    char reason[256];
    return parsers[opt->kind](opt, text, v, reason, sizeof(reason)) == 0;
}

/* Check and store value[0..len) (NUL-terminated): 0, or -EINVAL with
 * Redis's reason. Nothing is stored unless the whole value is good. */
static int apply(struct config *cfg, const struct option *opt, const char *value, size_t len,
                 char *reason, size_t cap)
{
    if (opt->kind == OPT_BYTES)
        return apply_bytes(cfg, opt, value, len, reason, cap);
    /* A C string would end at the NUL: "ab\0c" would mean "ab". */
    if (strlen(value) != len)
        return reason_for(reason, cap, "Grove does not support NUL bytes in this setting");
    if (string_kind(opt))
        return apply_string(cfg, opt, value, reason, cap);
    if (opt->kind == OPT_OBUF_LIMIT)
        return parse_obuf_limit(cfg, value, reason, cap);
    long long v = 0;
    int rc = parsers[opt->kind](opt, value, &v, reason, cap);
    if (rc == 0)
        rc = check_number(opt, &v, reason, cap);
    if (rc == 0)
        atomic_store(int_field(cfg, opt), v);
    return rc;
}

/* The value an OPT_NO_EFFECT option's behaviour matches. */
static const char *no_effect_value(const struct option *opt)
{
    return opt->follows ? opt->follows : opt->default_value;
}

/* Does the option hold the value `text` stands for? */
static bool holds(struct config *cfg, const struct option *opt, const char *text)
{
    long long v;
    if (opt->kind == OPT_STRING)
        return strcmp(*string_field(cfg, opt), text) == 0;
    return parse_number(opt, text, &v) && v == *int_field(cfg, opt);
}

static size_t format_value(struct config *cfg, const struct option *opt, char *buf, size_t len);

static bool is_oom_option(const struct option *opt)
{
    return opt->offset == FIELD(oom_score_adj) || opt->offset == FIELD(oom_score_adj_values);
}

/* oom-score-adj and its values act at once; what the kernel refuses is
 * taken back, with Redis's error. */
static int apply_oom_score(struct config *cfg, const struct option *opt, const char *old,
                           char *reason, size_t cap)
{
    if (process_oom_score_update(cfg) == 0)
        return 0;
    char ignored[256];
    apply(cfg, opt, old, strlen(old), ignored, sizeof(ignored));
    process_oom_score_update(cfg);
    return reason_for(reason, cap, "Failed to set current oom_score_adj. Check server logs.");
}

/* apply, plus what a new value sets in motion beyond the struct: the
 * loader's and CONFIG SET's path (not config_init's, which also builds
 * scratch configurations of defaults). */
static int apply_live(struct config *cfg, const struct option *opt, const char *value,
                      size_t len, char *reason, size_t cap)
{
    char old[CONFIG_VALUE_MAX];
    format_value(cfg, opt, old, sizeof(old));
    int rc = apply(cfg, opt, value, len, reason, cap);
    if (rc == 0 && is_oom_option(opt))
        rc = apply_oom_score(cfg, opt, old, reason, cap);
    if (rc == 0 && opt->offset == FIELD(loglevel))
        log_set_level((enum log_level)cfg->loglevel);
    if (rc == 0 && (opt->flags & OPT_NO_EFFECT) && !holds(cfg, opt, no_effect_value(opt)))
        log_warning("%s is set to '%s', which Grove accepts but does not act on: it behaves "
                    "as with '%s'", opt->name, value, no_effect_value(opt));
    if (rc == 0 && opt->offset == FIELD(proc_title_template))
        proctitle_update(cfg);
    if (rc == 0 && opt->offset == FIELD(crash_log_enabled))
        crash_handlers_update(cfg->crash_log_enabled != 0);
    if (rc == 0 && opt->offset == FIELD(jemalloc_bg_thread))
        alloc_background_thread(cfg->jemalloc_bg_thread != 0);
    if (rc == 0 && opt->offset == FIELD(requirepass))
        acl_set_default_password(value, len); /* as Redis's default user */
    if (rc == 0 && opt->offset == FIELD(notify_keyspace_events))
        notify_set_classes((unsigned)cfg->notify_keyspace_events);
    return rc;
}

/* ---- defaults and teardown ---------------------------------------------- */

void config_init(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        char reason[256];
        const char *dflt = options[i].default_value;
        int rc = apply(cfg, &options[i], dflt, strlen(dflt), reason, sizeof(reason));
        (void)rc;
    }
}

void config_deinit(struct config *cfg)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        if (string_kind(&options[i])) {
            free(*string_field(cfg, &options[i]));
            *string_field(cfg, &options[i]) = NULL;
        } else if (options[i].kind == OPT_BYTES) {
            free(bytes_field(cfg, &options[i])->ptr);
            *bytes_field(cfg, &options[i]) = (struct config_bytes){0};
        }
    }
}

/* ---- the config file and the command line ------------------------------- */

#define CONFIG_MAX_WORDS 64

/* Split a config line (NUL-terminated, writable) into words as Redis's
 * loader does: a line starting with '#' is a comment; the rest is split
 * as sdssplitargs (resp_split_line), so quotes group words and in double
 * quotes \xHH and the like stand for any byte. The words are unquoted in
 * place and NUL-terminated after their bytes (a \x00 inside one shows in
 * lens only). '#' elsewhere is an ordinary character, as in Redis (a
 * password hash in a `user` line, requirepass a#b). Returns the word
 * count, or -EINVAL on unbalanced quotes or too many words. */
static int split_words(char *line, char **words, size_t *lens)
{
    struct resp_arg args[CONFIG_MAX_WORDS];
    line += strspn(line, " \t\r\n");
    if (*line == '#')
        return 0;
    int n = resp_split_line(line, strlen(line), args, CONFIG_MAX_WORDS);
    for (int i = 0; i < n; i++) {
        words[i] = line + (args[i].ptr - line); /* args point into line */
        lens[i] = args[i].len;
        words[i][lens[i]] = '\0'; /* a quote or a blank this word was written with */
    }
    return n < 0 ? -EINVAL : n;
}

/* A file's (or the command line's) rename-command: the command table is
 * built now for it, as Redis's exists before its config is read. */
static int rename_command(const char *name, const char *to, char *err, size_t errlen)
{
    const char *reason = "Out of memory";
    if (command_table_init() == 0 && command_rename(name, to, &reason) == 0)
        return 0;
    snprintf(err, errlen, "%s", reason);
    return -EINVAL;
}

/* What reading the configuration (the file, then the command line)
 * remembers from line to line: as in Redis, the first "save" replaces the
 * default save points and each later one adds its own ("save ''" still
 * clears them). */
struct reading {
    bool save_seen;
};

/* A later "save" line's points after those read so far, in value. */
static int append_save_points(struct config *cfg, struct reading *rd, char *value, size_t cap)
{
    bool append = rd->save_seen && value[0] != '\0' && cfg->save != NULL && cfg->save[0] != '\0';
    rd->save_seen = true;
    if (!append)
        return 0;
    char joined[1024];
    int w = snprintf(joined, sizeof(joined), "%s %s", cfg->save, value);
    if (w < 0 || (size_t)w >= cap)
        return -1;
    memcpy(value, joined, (size_t)w + 1);
    return 0;
}

/* A binary-safe option's value is its one word, whatever bytes it holds. */
static int set_bytes_word(struct config *cfg, const struct option *opt, char **words,
                          const size_t *lens, int n, char *err, size_t errlen)
{
    if (n != 2) {
        snprintf(err, errlen, "wrong number of arguments");
        return -EINVAL;
    }
    return apply_live(cfg, opt, words[1], lens[1], err, errlen);
}

/* "replicaof host port" (or "no one"), checked as Redis's loader does. */
static int replicaof_value(char **words, int n, char *value, size_t cap, char *err,
                           size_t errlen)
{
    long long port;
    if (n != 3) {
        snprintf(err, errlen, "Bad directive or wrong number of arguments");
        return -EINVAL;
    }
    if (strcasecmp(words[1], "no") == 0 && strcasecmp(words[2], "one") == 0) {
        value[0] = '\0';
        return 0;
    }
    if (!parse_ll(words[2], &port) || port < 0 || port > 65535) {
        snprintf(err, errlen, "Invalid master port");
        return -EINVAL;
    }
    snprintf(value, cap, "%s %s", words[1], words[2]);
    return 0;
}

/* One configuration line's words: an option and its value, or one of the
 * directives that are not options. Errors in Redis's words, for
 * config_load to show with the line. */
static int set_from_words(struct config *cfg, char **words, const size_t *lens, int n,
                          struct reading *rd, char *err, size_t errlen)
{
    const struct option *opt = find_option(words[0]);
    if (opt == NULL && strcasecmp(words[0], "rename-command") == 0 && n == 3)
        return rename_command(words[1], words[2], err, errlen);
    if (opt == NULL && strcasecmp(words[0], "user") == 0 && n >= 2)
        return acl_file_config_user(words + 1, n - 1, err, errlen) == 0 ? 0 : -EINVAL;
    if (opt == NULL) {
        snprintf(err, errlen, "Bad directive or wrong number of arguments");
        return -EINVAL;
    }
    if (opt->kind == OPT_BYTES)
        return set_bytes_word(cfg, opt, words, lens, n, err, errlen);
    if (!(opt->flags & OPT_MULTI_ARG) && opt->offset != FIELD(replicaof) && n != 2) {
        snprintf(err, errlen, "wrong number of arguments");
        return -EINVAL;
    }
    /* Multi-word values (bind 127.0.0.1 ::1, save 900 1) are kept joined. */
    char value[1024] = "";
    size_t used = 0;
    for (int i = 1; i < n; i++) {
        if (strlen(words[i]) != lens[i]) {
            snprintf(err, errlen, "Grove does not support NUL bytes in '%s'", opt->name);
            return -EINVAL;
        }
        int w = snprintf(value + used, sizeof(value) - used, "%s%s", i > 1 ? " " : "", words[i]);
        if (w < 0 || (size_t)w >= sizeof(value) - used) {
            snprintf(err, errlen, "value of '%s' is too long", opt->name);
            return -EINVAL;
        }
        used += (size_t)w;
    }
    if (opt->offset == FIELD(replicaof) &&
        replicaof_value(words, n, value, sizeof(value), err, errlen) < 0)
        return -EINVAL;
    if (opt->offset == FIELD(save) && append_save_points(cfg, rd, value, sizeof(value)) < 0) {
        snprintf(err, errlen, "value of 'save' is too long");
        return -EINVAL;
    }
    return apply_live(cfg, opt, value, strlen(value), err, errlen);
}

/* A growing text: the configuration as Redis assembles it. */
struct text {
    char *data;
    size_t len, cap;
};

static bool text_add(struct text *t, const void *bytes, size_t len)
{
    if (t->len + len + 1 > t->cap) {
        size_t cap = (t->len + len + 1) * 2;
        char *grown = realloc(t->data, cap);
        if (grown == NULL)
            return false;
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->len, bytes, len);
    t->len += len;
    t->data[t->len] = '\0';
    return true;
}

static bool text_add_str(struct text *t, const char *s)
{
    return text_add(t, s, strlen(s));
}

static bool text_add_repr(struct text *t, const char *s)
{
    size_t len = strlen(s);
    char *quoted = malloc(REPR_MAX(len));
    bool ok = quoted != NULL && text_add(t, quoted, repr_write(quoted, s, len));
    free(quoted);
    return ok;
}

/* All of a stream, added to t. */
static bool text_add_stream(struct text *t, FILE *f)
{
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (!text_add(t, buf, n))
            return false;
    return !ferror(f);
}

/* Whether arg, split as a config line, is one word: "--port" but not
 * "--port 6380". */
static bool one_word(const char *arg)
{
    struct resp_arg words[2];
    char *copy = strdup(arg);
    int n = copy != NULL ? resp_split_line(copy, strlen(copy), words, 2) : -1;
    free(copy);
    return n == 1;
}

/* The command line's options as configuration lines, by Redis's rules:
 * "--name" starts a line and the arguments after it are its values,
 * quoted; "--name value" in one argument is a whole line, as written; an
 * argument starting with "--" right after a lone "--name" is its value,
 * not an option ("--proc-title-template --my--title"); a lone "--save"
 * followed by an option, or last, means save "". "-" first or last reads
 * the configuration from standard input (*from_stdin). */
static bool options_text(int argc, char **argv, int from, struct text *t, bool *from_stdin)
{
    bool had_value = true; /* the last option has its value: "--" starts another */
    for (int j = from; j < argc; j++) {
        const char *arg = argv[j];
        bool ok = true;
        if (strcmp(arg, "-") == 0 && (j == 0 || j == argc - 1)) {
            *from_stdin = true;
        } else if (had_value && strncmp(arg, "--", 2) == 0) {
            ok = (t->len == 0 || text_add_str(t, "\n")) && text_add_str(t, arg + 2) &&
                 text_add_str(t, " ");
            had_value = !one_word(arg);
            bool next_is_option = j + 1 < argc && strncmp(argv[j + 1], "--", 2) == 0;
            if (!had_value && strcasecmp(arg, "--save") == 0 && (next_is_option || j == argc - 1)) {
                ok = ok && text_add_str(t, "\"\"");
                had_value = true;
            }
        } else {
            ok = text_add_repr(t, arg) && text_add_str(t, " ");
            had_value = true;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* Apply every line of text, as Redis's loadServerConfigFromString: the
 * first error stops it, described with its line. */
static int load_text(struct config *cfg, char *text, char *err, size_t errlen)
{
    struct reading rd = {0};
    char *words[CONFIG_MAX_WORDS];
    size_t lens[CONFIG_MAX_WORDS];
    char reason[1024];
    int lineno = 0;
    for (char *line = text, *next; line != NULL; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        line += strspn(line, " \t\r");
        size_t len = strlen(line);
        while (len > 0 && strchr(" \t\r", line[len - 1]) != NULL)
            line[--len] = '\0';
        char *shown = strdup(line); /* split_words unquotes the line in place */
        if (shown == NULL) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        int n = split_words(line, words, lens), rc = 0;
        if (n < 0) {
            snprintf(reason, sizeof(reason), "Unbalanced quotes in configuration line");
            rc = -EINVAL;
        } else if (n > 0) {
            rc = set_from_words(cfg, words, lens, n, &rd, reason, sizeof(reason));
        }
        if (rc < 0)
            snprintf(err, errlen, "Reading the configuration file, at line %d\n>>> '%s'\n%s",
                     lineno, shown, reason);
        free(shown);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int config_load(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
    struct text t = {0};
    bool from_stdin = false;
    int first_option = argc > 0 && argv[0][0] != '-' ? 1 : 0, rc = -ENOMEM;
    struct text args = {0};
    snprintf(err, errlen, "out of memory");
    if (!text_add_str(&t, "") || !text_add_str(&args, "") ||
        !options_text(argc, argv, first_option, &args, &from_stdin))
        goto out;
    if (first_option == 1) {
        FILE *f = fopen(argv[0], "r");
        if (f == NULL) {
            snprintf(err, errlen, "Fatal error, can't open config file '%s': %s", argv[0],
                     strerror(errno));
            rc = -EINVAL;
            goto out;
        }
        bool read = text_add_stream(&t, f);
        fclose(f);
        if (!read)
            goto out;
    }
    if (from_stdin && !text_add_stream(&t, stdin))
        goto out;
    if (!text_add_str(&t, "\n") || !text_add(&t, args.data, args.len))
        goto out;
    rc = load_text(cfg, t.data, err, errlen);
out:
    free(t.data);
    free(args.data);
    return rc < 0 ? -EINVAL : 0;
}

/* ---- CONFIG GET / SET ----------------------------------------------------- */

/* Unknown (-ENOENT) or start-up only (-EPERM, with Redis's reason). */
static int check_mutable(const struct option *opt, char *reason, size_t cap)
{
    if (opt == NULL)
        return -ENOENT;
    if (opt->flags & OPT_IMMUTABLE) {
        snprintf(reason, cap, "can't set immutable config");
        return -EPERM;
    }
    return 0;
}

int config_check_settable(struct config *cfg, const char *name, bool local_client, char *reason,
                          size_t cap)
{
    const struct option *opt = find_option(name);
    int rc = check_mutable(opt, reason, cap);
    if (rc < 0)
        return rc;
    long long allow = cfg->enable_protected_configs;
    if ((opt->flags & OPT_PROTECTED) && allow != CONFIG_ALLOW_YES &&
        !(allow == CONFIG_ALLOW_LOCAL && local_client)) {
        snprintf(reason, cap, "can't set protected config");
        return -EPERM;
    }
    return 0;
}

bool config_denied_while_loading(const char *name)
{
    const struct option *opt = find_option(name);
    return opt != NULL && (opt->flags & OPT_DENY_LOADING);
}

bool config_rebuilds_tls(const char *name)
{
    const struct option *opt = find_option(name);
    return opt != NULL && strncmp(opt->name, "tls-", 4) == 0 && opt->offset != FIELD(tls_port) &&
           opt->offset != FIELD(tls_auth_clients);
}

int config_set(struct config *cfg, const char *name, const char *value, size_t len,
               char *reason, size_t cap)
{
    const struct option *opt = find_option(name);
    int rc = check_mutable(opt, reason, cap);
    return rc < 0 ? rc : apply_live(cfg, opt, value, len, reason, cap);
}

int config_store(struct config *cfg, const char *name, const char *value)
{
    char reason[256];
    const struct option *opt = find_option(name);
    return opt == NULL ? -ENOENT
                       : apply_live(cfg, opt, value, strlen(value), reason, sizeof(reason));
}

/* Bytes as they are, cut to fit; NUL-terminated. Their length. */
static size_t format_bytes(const struct config_bytes *b, char *buf, size_t len)
{
    size_t n = b->len < len ? b->len : len - 1;
    memcpy(buf, b->ptr, n);
    buf[n] = '\0';
    return n;
}

/* The option's value as CONFIG GET shows it, NUL-terminated: its length. */
static size_t format_value(struct config *cfg, const struct option *opt, char *buf, size_t len)
{
    long long v = *int_field(cfg, opt);
    switch (opt->kind) {
    case OPT_BYTES:
        return format_bytes(bytes_field(cfg, opt), buf, len);
    case OPT_STRING:
        snprintf(buf, len, "%s", *string_field(cfg, opt));
        break;
    case OPT_BOOL:
        snprintf(buf, len, "%s", v ? "yes" : "no");
        break;
    case OPT_ENUM:
        snprintf(buf, len, "%s", opt->enum_names[v]);
        break;
    case OPT_FLAGS:
        format_flags(opt, v, buf, len);
        break;
    case OPT_NOTIFY:
        notify_format_classes((unsigned)v, buf, len);
        break;
    case OPT_PERCENTILES:
        format_percentiles(*string_field(cfg, opt), buf, len);
        break;
    case OPT_OBUF_LIMIT: {
        atomic_llong(*l)[3] = cfg->obuf_limits;
        snprintf(buf, len, "normal %lld %lld %lld slave %lld %lld %lld pubsub %lld %lld %lld",
                 l[0][0], l[0][1], l[0][2], l[1][0], l[1][1], l[1][2], l[2][0], l[2][1],
                 l[2][2]);
        break;
    }
    case OPT_MEMORY_PERCENT:
        snprintf(buf, len, v < 0 ? "%lld%%" : "%lld", v < 0 ? -v : v);
        break;
    case OPT_INT:
    case OPT_MEMORY:
        snprintf(buf, len, "%lld", v);
        break;
    case OPT_OCTAL:
        snprintf(buf, len, "%llo", (unsigned long long)v);
        break;
    }
    return strlen(buf);
}

const char *config_option_name(const char *name)
{
    const char *as = NULL;
    find_option_as(name, &as);
    return as;
}

int config_get_value(struct config *cfg, const char *name, char *buf, size_t len)
{
    const struct option *opt = find_option(name);
    return opt == NULL ? -ENOENT : (int)format_value(cfg, opt, buf, len);
}

void config_get(struct config *cfg, const char *pattern, size_t patlen,
                void (*fn)(const char *name, const char *shown, size_t shown_len,
                           const char *value, size_t value_len, void *ud),
                void *ud)
{
    char value[CONFIG_VALUE_MAX];
    /* A plain name is looked up, and Redis then shows it as it was asked
     * for ("PORT"); a pattern shows the option's own name. */
    bool plain = memchr(pattern, '*', patlen) == NULL && memchr(pattern, '?', patlen) == NULL &&
                 memchr(pattern, '[', patlen) == NULL;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option *opt = &options[i];
        if (!plain && (opt->flags & OPT_HIDDEN))
            continue;
        /* Redis 7.0 lists an alias as an option of its own. */
        const char *names[] = {opt->name, opt->alias};
        for (int j = 0; j < 2 && names[j] != NULL; j++) {
            size_t len = strlen(names[j]);
            if (plain ? len != patlen || strncasecmp(pattern, names[j], len) != 0
                      : !glob_match(pattern, patlen, names[j], len, true))
                continue;
            size_t vlen = format_value(cfg, opt, value, sizeof(value));
            fn(names[j], plain ? pattern : names[j], len, value, vlen, ud);
        }
    }
}

size_t config_name_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < OPTION_COUNT; i++)
        n += 1 + (options[i].alias != NULL);
    return n;
}

/* ---- CONFIG REWRITE ------------------------------------------------------------ */

/*
 * As Redis's rewriteConfig: the file keeps its comments, blank lines and
 * order. An option's first line in the file is replaced by its current
 * value (even when that is the default); its later lines are dropped. An
 * option the file does not name is appended, after a signature line, only
 * if its value differs from the default. Everything after an earlier
 * rewrite's signature counts as the tail, where new options go.
 */
#define REWRITE_SIGNATURE "# Generated by CONFIG REWRITE"

struct rewrite {
    char **lines;  /* NULL: a line dropped */
    int *option;   /* per line: index into options[], or -1 */
    size_t n, cap;
    bool has_tail;
};

static int rewrite_add(struct rewrite *r, char *line, int option)
{
    if (line == NULL)
        return -EINVAL;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        char **lines = realloc(r->lines, cap * sizeof(*lines));
        if (lines != NULL)
            r->lines = lines;
        int *option_of = realloc(r->option, cap * sizeof(*option_of));
        if (option_of != NULL)
            r->option = option_of;
        if (lines == NULL || option_of == NULL) {
            free(line);
            return -EINVAL;
        }
        r->cap = cap;
    }
    r->lines[r->n] = line;
    r->option[r->n++] = option;
    return 0;
}

static void rewrite_free(struct rewrite *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->lines[i]);
    free(r->lines);
    free(r->option);
}

/* A `user` directive's line (not an option: acl_file.c's). */
#define LINE_USER (-2)

/* The option a config line sets, LINE_USER, or -1 (comment, blank, not
 * an option). */
static int line_option(const char *line)
{
    char copy[4096], *words[CONFIG_MAX_WORDS];
    size_t lens[CONFIG_MAX_WORDS];
    snprintf(copy, sizeof(copy), "%s", line);
    if (split_words(copy, words, lens) <= 0)
        return -EINVAL;
    if (strcasecmp(words[0], "user") == 0)
        return LINE_USER;
    const struct option *opt = find_option(words[0]);
    return opt ? (int)(opt - options) : -1;
}

static int read_old_file(struct rewrite *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? 0 : -errno; /* Redis rewrites a file deleted meanwhile */
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (strcmp(line, REWRITE_SIGNATURE) == 0)
            r->has_tail = true;
        rc = rewrite_add(r, strdup(line), line_option(line)) < 0 ? -ENOMEM : 0;
    }
    free(line);
    fclose(f);
    return rc;
}

/* "name value", strings quoted as Redis's sdscatrepr (spaces, quotes and
 * any byte survive a load); NULL when out of memory. */
static char *option_line(struct config *cfg, const struct option *opt)
{
    char value[CONFIG_VALUE_MAX], quoted[REPR_MAX(CONFIG_VALUE_MAX) + 1], *line;
    size_t len = format_value(cfg, opt, value, sizeof(value));
    /* replicaof is two words, as Redis writes it; an empty value of another
     * kind (notify-keyspace-events "") must still be there to read back. */
    bool plain = opt->kind != OPT_STRING && opt->kind != OPT_BYTES;
    if ((plain && len > 0) || opt->offset == FIELD(replicaof))
        return asprintf(&line, "%s %s", opt->name, value) < 0 ? NULL : line;
    quoted[repr_write(quoted, value, len)] = '\0';
    return asprintf(&line, "%s %s", opt->name, quoted) < 0 ? NULL : line;
}

/* dir never is: Redis writes it whatever it is (rewriteConfigDirOption). */
static bool at_default(struct config *cfg, struct config *defaults, const struct option *opt)
{
    char now[CONFIG_VALUE_MAX], dflt[CONFIG_VALUE_MAX];
    if (opt->offset == FIELD(dir))
        return false;
    size_t len = format_value(cfg, opt, now, sizeof(now));
    return format_value(defaults, opt, dflt, sizeof(dflt)) == len && memcmp(now, dflt, len) == 0;
}

/* A line for the tail, after the signature (written first if need be). */
static int rewrite_append(struct rewrite *r, char *line, int option)
{
    if (!r->has_tail) {
        r->has_tail = true;
        if (rewrite_add(r, strdup(REWRITE_SIGNATURE), -1) < 0) {
            free(line);
            return -ENOMEM;
        }
    }
    return rewrite_add(r, line, option) < 0 ? -ENOMEM : 0;
}

/* Replace the option's first line and drop its others, or append it. */
static int rewrite_option(struct rewrite *r, struct config *cfg, struct config *defaults,
                          int opt_index, bool force_all)
{
    const struct option *opt = &options[opt_index];
    size_t first = r->n;
    for (size_t i = 0; i < r->n; i++) {
        if (r->option[i] != opt_index)
            continue;
        free(r->lines[i]);
        r->lines[i] = NULL;
        if (first == r->n)
            first = i;
    }
    if (first == r->n && !force_all && at_default(cfg, defaults, opt))
        return 0;
    /* A master has no replicaof line at all (Redis's rewriteConfigReplicaOfOption). */
    if (opt->offset == FIELD(replicaof) && cfg->replicaof[0] == '\0')
        return 0;
    char *line = option_line(cfg, opt);
    if (line == NULL)
        return -ENOMEM;
    if (first < r->n) {
        r->lines[first] = line;
        return 0;
    }
    return rewrite_append(r, line, opt_index);
}

/* Redis's rewriteConfigUserOption: with no ACL file, every user as a
 * `user` line, in the places of the old ones, the others appended; with
 * one, the old lines are dropped (the file keeps the users). */
static int rewrite_users(struct rewrite *r, struct config *cfg)
{
    char **lines = NULL;
    size_t n = 0, next = 0;
    if (cfg->aclfile[0] == '\0' && acl_file_config_lines(&lines, &n) < 0)
        return -ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->option[i] != LINE_USER)
            continue;
        free(r->lines[i]);
        r->lines[i] = next < n ? lines[next++] : NULL;
    }
    while (rc == 0 && next < n)
        rc = rewrite_append(r, lines[next++], LINE_USER);
    while (next < n)
        free(lines[next++]);
    free(lines);
    return rc;
}

static int write_lines(FILE *f, void *ud)
{
    const struct rewrite *r = ud;
    for (size_t i = 0; i < r->n; i++)
        if (r->lines[i] != NULL && fprintf(f, "%s\n", r->lines[i]) < 0)
            return -EIO;
    return 0;
}

int config_rewrite(struct config *cfg, const char *path, bool force_all)
{
    struct rewrite r = {0};
    struct config defaults;
    config_init(&defaults);
    int rc = read_old_file(&r, path);
    for (size_t i = 0; rc == 0 && i < OPTION_COUNT; i++)
        rc = rewrite_option(&r, cfg, &defaults, (int)i, force_all);
    if (rc == 0)
        rc = rewrite_users(&r, cfg);
    if (rc == 0)
        rc = fsutil_write_atomically(path, write_lines, &r);
    rewrite_free(&r);
    config_deinit(&defaults);
    return rc;
}
