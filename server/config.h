/*
 * config.h - Grove's options, the Redis way: the same names in a config file
 * (`grove-server /path/grove.conf`) and on the command line (`--port 7000`),
 * later settings overriding earlier ones, and CONFIG GET/SET at run time.
 *
 * One table (config.c) describes every option: name, kind, bounds, where
 * its value lives in struct config, and whether CONFIG SET may change it.
 *
 * Thread safety: the server reads numeric fields without locking (aligned
 * word-sized values; a reader sees the old or the new value). CONFIG SET
 * and any reader of a string option hold config_lock().
 */
#ifndef GROVE_CONFIG_H
#define GROVE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_BINDS 16
#define CONFIG_MIN_HZ 1     /* hz is clamped to these, as in Redis */
#define CONFIG_MAX_HZ 500
#define CONFIG_OBUF_CLASSES 3 /* normal, replica, pubsub */

struct config {
    long long port;
    char *bind;                  /* space-separated addresses */
    long long threads;           /* 0: one per CPU */
    long long databases;
    long long shards;            /* per database, a power of two */
    char *requirepass;           /* "" when off */
    long long maxclients;
    long long timeout;           /* seconds idle before a client is closed, 0 = never */
    long long tcp_backlog;
    long long tcp_keepalive;
    long long loglevel;
    char *logfile;
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    long long client_output_buffer_limit; /* hard limit of the normal class, 0 = none */
    long long obuf_limits[CONFIG_OBUF_CLASSES][3]; /* hard, soft, seconds per class */
    long long hz;
    long long maxmemory;
    long long maxmemory_policy;  /* index into config_maxmemory_policies (evict.c relies on the order) */
    long long maxmemory_samples;
    long long lfu_log_factor;
    long long lfu_decay_time;    /* minutes */
    char *save;                  /* accepted for compatibility; Grove never persists */
    long long appendonly;
    long long daemonize;
    char *dir;
};

/* Fill in the defaults. */
void config_init(struct config *cfg);
void config_deinit(struct config *cfg);

/* Apply a config file then the command line (argv[0] excluded). On error
 * writes a message naming the option into err and returns -1. */
int config_load(struct config *cfg, int argc, char **argv, char *err, size_t errlen);

/* CONFIG SET of one option. Returns 0, or -1 with Redis's reason text
 * (e.g. "argument couldn't be parsed into an integer") in reason, or -2
 * when the option is unknown. */
int config_set(struct config *cfg, const char *name, const char *value, char *reason,
               size_t cap);
/* The checks config_set makes before parsing: -2 unknown, -1 immutable. */
int config_check_settable(const char *name, char *reason, size_t cap);

/* The option's own (lower-case) name; NULL if unknown. */
const char *config_option_name(const char *name);
/* The value of one option as CONFIG GET shows it (config_set takes it
 * back unchanged); -1 if the option is unknown. */
int config_get_value(struct config *cfg, const char *name, char *buf, size_t len);
#define CONFIG_VALUE_MAX 1100

/* CONFIG GET: calls fn for every option whose name matches the glob, with
 * the option's name and the name to show (the pattern itself when it has
 * no glob characters, as Redis echoes "CONFIG GET PORT"). */
void config_get(struct config *cfg, const char *pattern, size_t patlen,
                void (*fn)(const char *name, const char *shown, size_t shown_len,
                           const char *value, void *ud),
                void *ud);

void config_lock(void);
void config_unlock(void);

/* Parse a Redis memory amount ("1gb", "512mb", "100k", "42"). */
bool config_parse_memory(const char *s, long long *out);

extern const char *const config_maxmemory_policies[];

#endif
