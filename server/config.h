/*
 * config.h - Grove's options, the Redis way: the same names in a config file
 * (`grove-server /path/grove.conf`) and on the command line (`--port 7000`),
 * later settings overriding earlier ones, and CONFIG GET/SET at run time.
 *
 * One table (config.c) describes every option: name, kind, bounds, where
 * its value lives in struct config, and whether CONFIG SET may change it.
 *
 * Thread safety: numeric options are C11 atomics, so a worker reading one
 * while CONFIG SET changes it on another thread sees the old or the new
 * value (a plain read of an atomic is a sequentially consistent load: one
 * plain move on x86-64). String options are read under config_lock(),
 * which CONFIG SET holds while it replaces them. Values are C strings,
 * except for the two Redis keeps binary-safe (passwords), which come and
 * go with their length and may hold NUL bytes; a NUL in any other value
 * is refused.
 *
 * Errors: config_load and config_set return 0 or a negative code with a
 * message (see each); getters return -1 for an unknown option.
 */
#ifndef GROVE_CONFIG_H
#define GROVE_CONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "object.h"

#define CONFIG_MAX_BINDS 16
#define CONFIG_MIN_HZ 1     /* hz is clamped to these, as in Redis */
#define CONFIG_MAX_HZ 500
#define CONFIG_OBUF_CLASSES 3 /* normal, replica, pubsub */

/* maxmemory-policy: the enum and its names come from this one list, so
 * they cannot get out of step. */
#define CONFIG_MAXMEMORY_POLICIES(X)                                                        \
    X(VOLATILE_LRU, "volatile-lru")                                                          \
    X(VOLATILE_LFU, "volatile-lfu")                                                          \
    X(VOLATILE_RANDOM, "volatile-random")                                                    \
    X(VOLATILE_TTL, "volatile-ttl")                                                          \
    X(ALLKEYS_LRU, "allkeys-lru")                                                            \
    X(ALLKEYS_LFU, "allkeys-lfu")                                                            \
    X(ALLKEYS_RANDOM, "allkeys-random")                                                      \
    X(NOEVICTION, "noeviction")

enum maxmemory_policy {
#define CONFIG_POLICY_ENUM(name, text) MAXMEMORY_##name,
    CONFIG_MAXMEMORY_POLICIES(CONFIG_POLICY_ENUM)
#undef CONFIG_POLICY_ENUM
    MAXMEMORY_POLICIES
};

/* A value that may hold any byte, NUL included (Redis's SDS options:
 * requirepass, masterauth): len bytes at ptr, and a NUL after them. */
struct config_bytes {
    char *ptr;
    size_t len;
};

struct config {
    atomic_llong port;
    char *bind;                           /* space-separated addresses (listeners.h) */
    char *unixsocket;                     /* "" when off (listeners.h); start-up only */
    atomic_llong unixsocketperm;          /* the socket file's mode; 0 leaves the umask's */
    atomic_llong threads;                 /* 0: one per CPU */
    atomic_llong databases;
    atomic_llong shards;                  /* per database, a power of two */
    struct config_bytes requirepass;      /* empty when off */
    char *aclfile;                        /* "" when users are not kept in a file */
    atomic_llong maxclients;
    atomic_llong timeout;                 /* seconds idle before a client is closed, 0 = never */
    atomic_llong tcp_backlog;
    atomic_llong tcp_keepalive;
    atomic_llong loglevel;
    char *logfile;
    atomic_llong proto_max_bulk_len;
    atomic_llong client_query_buffer_limit;
    atomic_llong client_output_buffer_limit; /* hard limit of the normal class, 0 = none */
    atomic_llong obuf_limits[CONFIG_OBUF_CLASSES][3]; /* hard, soft, seconds per class */
    atomic_llong hz;
    atomic_llong maxmemory;
    atomic_llong maxmemory_policy;        /* enum maxmemory_policy */
    atomic_llong maxmemory_samples;
    atomic_llong maxmemory_eviction_tenacity; /* 0..100: an eviction run's time budget (evict.c) */
    atomic_llong maxmemory_clients;       /* bytes, or -N for N% of maxmemory; 0: off (client_evict.h) */
    atomic_llong lfu_log_factor;
    atomic_llong lfu_decay_time;          /* minutes */
    atomic_llong busy_reply_threshold;    /* ms a script runs before others get -BUSY */
    atomic_llong slowlog_log_slower_than; /* us; -1: log nothing */
    atomic_llong slowlog_max_len;
    atomic_llong acllog_max_len;          /* ACL LOG entries kept */
    atomic_llong acl_pubsub_default;      /* enum config_acl_pubsub: new users' channels */
    atomic_llong tracking_table_max_keys; /* client-side caching's keys, 0: no limit */
    atomic_llong latency_tracking;        /* per-command histograms (stats.h) */
    char *latency_tracking_info_percentiles; /* INFO latencystats: config_latency_percentiles */
    atomic_llong latency_monitor_threshold;  /* ms; 0: the monitor is off (latency.h) */
    struct object_limits limits;          /* hash-max-listpack-entries and kin */
    atomic_llong hll_sparse_max_bytes;    /* a longer sparse HyperLogLog turns dense */
    atomic_llong activerehashing;         /* the cron's rehash steps */
    atomic_llong lazyfree_lazy_user_flush; /* FLUSHALL/FLUSHDB without a mode: ASYNC */
    atomic_llong enable_protected_configs; /* enum config_allow */
    atomic_llong enable_debug_command;     /* enum config_allow: who may run DEBUG */
    atomic_llong key_load_delay;           /* test knob: us slept per key loaded (<0: 1/-n odds) */
    atomic_llong rdb_key_save_delay;       /* test knob: us slept per key saved (<0: 1/-n odds) */
    /* Where big values are freed (lazyfree.h). */
    atomic_llong lazyfree_lazy_eviction;
    atomic_llong lazyfree_lazy_expire;
    atomic_llong lazyfree_lazy_server_del;
    atomic_llong lazyfree_lazy_user_del;
    atomic_llong replica_lazy_flush;              /* a full sync's old keys */
    atomic_llong replica_ignore_disk_write_errors; /* no: a replica that cannot persist stops */
    atomic_llong set_proc_title;
    char *proc_title_template;            /* proctitle.c's variables */
    atomic_llong protected_mode;
    atomic_llong active_expire_effort;
    char *save;                           /* save points "<seconds> <changes> ..." */
    char *dbfilename;
    atomic_llong rdbcompression;
    atomic_llong rdbchecksum;
    atomic_llong rdb_save_incremental_fsync; /* sync a snapshot every 4 MB written */
    atomic_llong stop_writes_on_bgsave_error;
    atomic_llong rdb_del_sync_files;      /* a replica deletes the RDB a full sync loaded */
    atomic_llong repl_backlog_size;       /* replication.c's backlog */
    atomic_llong repl_diskless_sync;      /* full syncs stream the RDB, no file */
    atomic_llong repl_diskless_sync_delay; /* seconds to wait for more replicas first */
    atomic_llong repl_diskless_sync_max_replicas; /* ...unless this many wait (0: no limit) */
    atomic_llong repl_ping_replica_period; /* seconds between PINGs in the stream */
    atomic_llong repl_timeout;            /* seconds a replica may stay silent */
    atomic_llong min_replicas_to_write;   /* writes need this many good replicas (0: none) */
    atomic_llong min_replicas_max_lag;    /* a good replica acked within these seconds */
    /* The replica side (repl_replica.h). replicaof is "host port" or "":
     * start-up's master, and what REPLICAOF set since (config_store). */
    char *replicaof;
    struct config_bytes masterauth;       /* AUTH to the master, empty for none */
    char *masteruser;                     /* its user name, "" for the default user */
    char *replica_announce_ip;            /* REPLCONF ip-address, "" for none */
    atomic_llong replica_announce_port;   /* REPLCONF listening-port, 0: port */
    atomic_llong replica_read_only;
    atomic_llong replica_serve_stale_data;
    atomic_llong replica_priority;
    atomic_llong replica_announced;
    atomic_llong replica_ignore_maxmemory;
    atomic_llong appendonly;
    char *appendfilename;                 /* the AOF files' prefix (start-up only) */
    char *appenddirname;                  /* the AOF directory inside dir (start-up only) */
    atomic_llong appendfsync;             /* 0 no, 1 always, 2 everysec (aof.c) */
    atomic_llong auto_aof_rewrite_percentage;
    atomic_llong auto_aof_rewrite_min_size;
    atomic_llong aof_load_truncated;
    atomic_llong aof_disable_auto_gc;     /* history files are kept (listed in the manifest) */
    atomic_llong aof_use_rdb_preamble;    /* the rewrite's base: an RDB, or commands */
    atomic_llong aof_timestamp_enabled;   /* "#TS:" lines in the incr files and command bases */
    atomic_llong no_appendfsync_on_rewrite; /* not acted on: "yes" is warned about */
    atomic_llong aof_rewrite_incremental_fsync;
    atomic_llong daemonize;
    char *pidfile;                        /* "" unless set (or written by a daemon) */
    atomic_llong supervised;              /* enum config_supervised */
    atomic_llong syslog_enabled;          /* log to syslog as well (start-up only) */
    char *syslog_ident;
    atomic_llong syslog_facility;         /* index into log_syslog_facilities */
    atomic_llong shutdown_on_sigint;      /* CONFIG_SHUTDOWN_* bits */
    atomic_llong shutdown_on_sigterm;
    atomic_llong shutdown_timeout;        /* seconds a shutdown waits for lagging replicas */
    atomic_llong disable_thp;
    atomic_llong jemalloc_bg_thread;      /* jemalloc's purging threads (alloc.h) */
    atomic_llong crash_log_enabled;       /* crash.c's bug report on a fatal signal */
    atomic_llong use_exit_on_panic;       /* crash.c ends with _exit(1), not the signal */
    atomic_llong crash_memcheck_enabled;  /* not acted on: Grove has no memory test */
    atomic_llong oom_score_adj;           /* enum config_oom_score_adj */
    char *oom_score_adj_values;           /* "master replica bgchild" */
    char *dir;
    atomic_llong notify_keyspace_events;  /* enum notify_class bits (notify.h) */
    /* TLS (tls.h), Redis 7.0's tls-* options. Strings are "" when unset;
     * the context is rebuilt from them (tls_configure) at start-up and by
     * CONFIG SET, and tls-auth-clients is read at each accept. */
    atomic_llong tls_port;                /* 0: no TLS listener */
    char *tls_cert_file, *tls_key_file, *tls_key_file_pass;
    char *tls_client_cert_file, *tls_client_key_file, *tls_client_key_file_pass;
    char *tls_dh_params_file, *tls_ca_cert_file, *tls_ca_cert_dir;
    char *tls_protocols, *tls_ciphers, *tls_ciphersuites;
    atomic_llong tls_auth_clients;        /* enum config_tls_auth */
    atomic_llong tls_prefer_server_ciphers;
    atomic_llong tls_session_caching;
    atomic_llong tls_session_cache_size;
    atomic_llong tls_session_cache_timeout;
    atomic_llong tls_replication;         /* "yes" refused: Grove has no replica side */
    atomic_llong tls_cluster;             /* "yes" refused: Grove has no cluster */
    atomic_llong enable_module_command;   /* enum config_allow: MODULE LOAD fails either way */
    atomic_llong always_show_logo;        /* the start-up logo even off a terminal */
    /* Redis 7.0 options for what Grove does not have (a cluster, active
     * defragmentation, Redis's I/O threads beside its worker loops,
     * diskless load, CPU pinning...): accepted so that redis.conf files
     * and test harnesses start it; a warning names one set to a value
     * Grove does not follow, and cluster-enabled and activedefrag refuse
     * "yes" (Debian's Redis refuses activedefrag the same way). */
    atomic_llong activedefrag;
    atomic_llong active_defrag_ignore_bytes, active_defrag_threshold_lower;
    atomic_llong active_defrag_threshold_upper, active_defrag_cycle_min;
    atomic_llong active_defrag_cycle_max, active_defrag_max_scan_fields;
    char *server_cpulist, *bio_cpulist, *aof_rewrite_cpulist, *bgsave_cpulist;
    char *bind_source_addr;
    atomic_llong cluster_enabled;
    char *cluster_config_file;
    atomic_llong cluster_port, cluster_node_timeout, cluster_migration_barrier;
    atomic_llong cluster_replica_validity_factor, cluster_require_full_coverage;
    atomic_llong cluster_replica_no_failover, cluster_allow_reads_when_down;
    atomic_llong cluster_allow_pubsubshard_when_down, cluster_allow_replica_migration;
    atomic_llong cluster_link_sendbuf_limit, cluster_preferred_endpoint_type;
    char *cluster_announce_ip, *cluster_announce_hostname;
    atomic_llong cluster_announce_port, cluster_announce_tls_port, cluster_announce_bus_port;
    atomic_llong dynamic_hz;
    char *ignore_warnings;
    atomic_llong io_threads, io_threads_do_reads;
    atomic_llong propagation_error_behavior;
    atomic_llong repl_backlog_ttl;
    atomic_llong repl_disable_tcp_nodelay;
    atomic_llong repl_diskless_load;
    atomic_llong sanitize_dump_payload;
    atomic_llong socket_mark_id;
    atomic_llong watchdog_period;         /* Redis's hidden debug option: no watchdog */
    atomic_llong loading_events_bytes;    /* Redis's hidden loading-process-events-interval-
                                             bytes: Grove loads off the loops, which never wait */
};

/* acl-pubsub-default: in the order of its names, Redis's. */
enum config_acl_pubsub { ACL_PUBSUB_ALLCHANNELS, ACL_PUBSUB_RESETCHANNELS };

/* supervised: in the order of its names. */
enum config_supervised { SUPERVISED_NO, SUPERVISED_UPSTART, SUPERVISED_SYSTEMD, SUPERVISED_AUTO };

/* oom-score-adj: in the order of its names (yes is relative). */
enum config_oom_score_adj {
    OOM_SCORE_ADJ_NO,
    OOM_SCORE_ADJ_YES,
    OOM_SCORE_ADJ_RELATIVE,
    OOM_SCORE_ADJ_ABSOLUTE
};

/* shutdown-on-sigint / shutdown-on-sigterm: SHUTDOWN's modifiers a signal
 * implies, as bits ("default" is none). */
enum config_shutdown_flag {
    CONFIG_SHUTDOWN_SAVE = 1,
    CONFIG_SHUTDOWN_NOSAVE = 2,
    CONFIG_SHUTDOWN_NOW = 4,
    CONFIG_SHUTDOWN_FORCE = 8,
};

/* tls-auth-clients, in Redis's order of names. */
enum config_tls_auth { CONFIG_TLS_AUTH_NO, CONFIG_TLS_AUTH_YES, CONFIG_TLS_AUTH_OPTIONAL };

/* enable-protected-configs: who may CONFIG SET a protected option (dir). */
enum config_allow { CONFIG_ALLOW_NO, CONFIG_ALLOW_YES, CONFIG_ALLOW_LOCAL };

/* Fill in the defaults. */
void config_init(struct config *cfg);
void config_deinit(struct config *cfg);

/* Apply a config file then the command line (argv[0] excluded). On error
 * writes a message naming the option into err and returns -EINVAL. */
int config_load(struct config *cfg, int argc, char **argv, char *err, size_t errlen);

/* CONFIG SET of one option to value[0..len), which is NUL-terminated.
 * Returns 0, or -EINVAL with Redis's reason text (e.g. "argument couldn't
 * be parsed into an integer") in reason, -EPERM (with the reason) for a
 * start-up-only option, -ENOENT for an unknown one. */
int config_set(struct config *cfg, const char *name, const char *value, size_t len,
               char *reason, size_t cap);
/* Store a value the server itself changed (REPLICAOF's replicaof), even
 * for an option CONFIG SET may not change: 0 or -EINVAL/-ENOENT. */
int config_store(struct config *cfg, const char *name, const char *value);
/* The checks config_set makes before parsing: -ENOENT unknown, -EPERM
 * not settable at run time (a protected option is, when
 * enable-protected-configs is yes, or local and `local_client`). */
int config_check_settable(struct config *cfg, const char *name, bool local_client, char *reason,
                          size_t cap);

/* The option's own (lower-case) name, or its alias's when `name` is the
 * alias (Redis names the one asked for); NULL if unknown. */
const char *config_option_name(const char *name);
/* The value of one option as CONFIG GET shows it (config_set takes it
 * back unchanged), NUL-terminated: its length, or -ENOENT if the option
 * is unknown. */
int config_get_value(struct config *cfg, const char *name, char *buf, size_t len);
#define CONFIG_VALUE_MAX 1100

/* CONFIG GET: calls fn for every option whose name matches the glob, with
 * the option's name, the name to show (the pattern itself when it has no
 * glob characters, as Redis echoes "CONFIG GET PORT") and the value. */
void config_get(struct config *cfg, const char *pattern, size_t patlen,
                void (*fn)(const char *name, const char *shown, size_t shown_len,
                           const char *value, size_t value_len, void *ud),
                void *ud);
/* How many names config_get can show: every option's and alias's. */
size_t config_name_count(void);

/* CONFIG REWRITE: write the current options into the config file at
 * `path` as Redis does (comments and order kept, changed options
 * rewritten in place, the others that differ from their defaults
 * appended; strings quoted as Redis's sdscatrepr, which the loader reads
 * back byte for byte). Atomic: a temporary file fsynced and renamed over.
 * `force_all` (DEBUG CONFIG-REWRITE-FORCE-ALL) writes the options at their
 * defaults too. 0, or a negative errno. */
int config_rewrite(struct config *cfg, const char *path, bool force_all);

void config_lock(void);
void config_unlock(void);

/* latency-tracking-info-percentiles as numbers, in the order given (any
 * thread). At most CONFIG_MAX_PERCENTILES: config_set refuses more. */
#define CONFIG_MAX_PERCENTILES 128
size_t config_latency_percentiles(struct config *cfg, double out[CONFIG_MAX_PERCENTILES]);

/* Whether CONFIG SET refuses `name` while the dataset loads (dir,
 * appendonly, repl-diskless-load: Redis's DENY_LOADING_CONFIG). */
bool config_denied_while_loading(const char *name);
/* Whether `name` is an option whose change rebuilds the TLS context
 * (every tls-* option but tls-port and tls-auth-clients, as Redis's
 * applyTlsCfg). */
bool config_rebuilds_tls(const char *name);

/* Parse a Redis memory amount ("1gb", "512mb", "100k", "42"). */
bool config_parse_memory(const char *s, long long *out);

/* The names of enum maxmemory_policy, NULL-terminated. */
extern const char *const config_maxmemory_policies[MAXMEMORY_POLICIES + 1];

#endif
