/*
 * script.c - the script lock, the running script's shard locks, commands
 * run from scripts, and long-script handling (BUSY, KILL); see script.h.
 */
#include "script.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "aof.h"
#include "client.h"
#include "command.h"
#include "keyspace.h"
#include "latency.h"
#include "lifecycle.h"
#include "log.h"
#include "monitor.h"
#include "propagate.h"
#include "repl_replica.h"
#include "replication.h"
#include "server.h"
#include "slowlog.h"
#include "snapshot.h"
#include "stats.h"
#include "tracking.h"
#include "worker.h"

#define ERR_BUSY_EVAL                                                                    \
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
#define ERR_BUSY_FUNCTION                                                                \
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "   \
    "NOSAVE."

/* Recursive: EXEC holds it while a queued EVAL in another database goes
 * through the dispatcher's path, which takes it again. */
static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

/* Under `lock`, on the running script's thread. */
static struct {
    struct script_run *run;
    long long start_ns;
    bool wrote;
    bool oom;                /* over maxmemory when it started */
    unsigned char *held;     /* per shard id: locked by this script */
    struct keyspace_shard **order; /* the shards it locked, to unlock them */
    size_t nheld, cap;
} cur;

/* Read by other threads. A run has a generation number, so that a SCRIPT
 * KILL aimed at one run can never stop the next. */
static atomic_ullong running;    /* the run's generation, 0 when none runs */
static atomic_ullong kill_gen;   /* the generation SCRIPT KILL stopped */
static unsigned long long generation; /* under `lock` */
static atomic_bool busy;         /* running past busy-reply-threshold */
static atomic_bool busy_function;
static atomic_bool wrote_any;    /* cur.wrote, for SCRIPT KILL on other threads */
static _Thread_local bool running_here;
static _Thread_local unsigned lock_depth; /* this thread's holds of `lock` */

/* What FUNCTION STATS shows of a busy script, for other threads: set
 * before `busy` is, cleared when the run ends. One allocation holds the
 * argv array, then the name and the arguments' bytes. */
static pthread_mutex_t shown_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    struct resp_arg *argv; /* NULL when no script is busy */
    size_t argc;
    const char *name;
    bool is_function;
    long long start_ns;
} shown;

const struct script_flag_name script_flag_names[SCRIPT_FLAG_NAMES] = {
    {"no-writes", SCRIPT_NO_WRITES},     {"allow-oom", SCRIPT_ALLOW_OOM},
    {"allow-stale", SCRIPT_ALLOW_STALE}, {"no-cluster", SCRIPT_NO_CLUSTER},
    {"allow-cross-slot-keys", SCRIPT_ALLOW_CROSS_SLOT},
};

uint32_t script_command_flags(uint32_t cmd_flags, unsigned script_flags)
{
    if (script_flags & SCRIPT_LEGACY)
        return cmd_flags;
    /* The script's flags replace the command's; no-writes implies allow-oom. */
    cmd_flags &= ~(uint32_t)(CMD_STALE | CMD_DENYOOM | CMD_WRITE | CMD_MAY_REPLICATE);
    if (!(script_flags & (SCRIPT_ALLOW_OOM | SCRIPT_NO_WRITES)))
        cmd_flags |= CMD_DENYOOM;
    if (!(script_flags & SCRIPT_NO_WRITES))
        cmd_flags |= CMD_WRITE;
    if (script_flags & SCRIPT_ALLOW_STALE)
        cmd_flags |= CMD_STALE;
    return cmd_flags;
}

void script_lock(void)
{
    pthread_mutex_lock(&lock);
    lock_depth++;
}

void script_unlock(void)
{
    lock_depth--;
    pthread_mutex_unlock(&lock);
}

bool script_lock_held_here(void)
{
    return lock_depth > 0;
}

/* ---- a run -------------------------------------------------------------------------- */

void script_begin(struct script_run *run)
{
    run->repl = PROPAGATE_ALL;
    cur.run = run;
    cur.start_ns = server_monotonic_ns();
    cur.wrote = false;
    cur.oom = server_over_maxmemory();
    cur.nheld = 0;
    if (cur.held == NULL)
        cur.held = calloc(keyspace_shard_count(server.ks), 1);
    atomic_store(&wrote_any, false);
    atomic_store(&busy_function, run->is_function);
    atomic_store(&running, ++generation);
    running_here = true;
}

void script_end(struct script_run *run)
{
    propagate_commit(false); /* its writes reach the AOF while its shards are held */
    while (cur.nheld > 0) {
        struct keyspace_shard *sh = cur.order[--cur.nheld];
        cur.held[keyspace_shard_id(sh)] = 0;
        keyspace_shard_unlock(sh);
    }
    atomic_store(&running, 0);
    running_here = false;
    if (atomic_exchange(&busy, false)) {
        pthread_mutex_lock(&shown_lock);
        free(shown.argv);
        shown.argv = NULL;
        pthread_mutex_unlock(&shown_lock);
        log_warning("Slow script finished after %lld milliseconds.",
                    (server_monotonic_ns() - cur.start_ns) / 1000000);
        struct worker *w = run->caller->worker;
        if (w != NULL)
            w->busy_cb(w, run->caller, false);
    }
    cur.run = NULL;
}

/* Lock a shard for the rest of the run (the first time it is met). */
static bool hold(struct keyspace_shard *sh)
{
    unsigned id = keyspace_shard_id(sh);
    if (cur.held == NULL)
        return false;
    if (cur.held[id])
        return true;
    if (cur.nheld == cur.cap) {
        size_t cap = cur.cap ? cur.cap * 2 : 16;
        struct keyspace_shard **v = realloc(cur.order, cap * sizeof(*v));
        if (v == NULL)
            return false;
        cur.order = v;
        cur.cap = cap;
    }
    keyspace_shard_lock(sh); /* may wait while holding others: see script.h */
    cur.held[id] = 1;
    cur.order[cur.nheld++] = sh;
    return true;
}

/* The shards of every key of the command line, in the script's db (all of
 * them for a line that reads keys named by data: SORT BY/GET). */
static bool hold_keys(struct script_run *run, const struct command *cmd, struct resp_arg *argv,
                      size_t argc)
{
    struct keyspace_db *db = keyspace_db(server.ks, (unsigned)run->as->db);
    struct command_keys keys;
    size_t i;
    if (cmd->flags & CMD_SELF_LOCK)
        return true; /* it locks for itself: recursively where the script holds */
    command_keys_init(&keys, cmd, argv, argc);
    while (command_keys_next(&keys, &i)) {
        struct keyspace_key k;
        keyspace_key_init(server.ks, &k, argv[i].ptr, argv[i].len);
        if (!hold(keyspace_shard_of(db, &k)))
            return false;
    }
    for (unsigned s = 0; keys.whole_db && s < keyspace_shards_per_db(server.ks); s++)
        if (!hold(keyspace_db_shard(db, s)))
            return false;
    return true;
}

/* ---- commands from a script --------------------------------------------------------- */

static const struct command *lookup(struct resp_arg *argv, size_t argc)
{
    const struct command *cmd = command_lookup(argv[0].ptr, argv[0].len);
    if (cmd != NULL && cmd->subcommands != NULL && argc >= 2)
        return command_lookup_sub(cmd, argv[1].ptr, argv[1].len);
    return cmd;
}

static bool arity_ok(const struct command *cmd, size_t argc)
{
    return cmd->arity >= 0 ? argc == (size_t)cmd->arity : argc >= (size_t)-cmd->arity;
}

/* DEBUG SET-DISABLE-DENY-SCRIPTS: Redis's own tests let scripts run
 * noscript commands (DEBUG PROTOCOL) to check how replies convert. */
static atomic_bool deny_disabled;

void script_set_deny_disabled(bool disabled)
{
    atomic_store_explicit(&deny_disabled, disabled, memory_order_relaxed);
}

/* Redis's scriptCall checks before the ACL's, in its order; NULL when
 * the command passes them. */
static const char *refusal(const struct command *cmd, size_t argc)
{
    if (cmd == NULL)
        return "Unknown Redis command called from script";
    if (!arity_ok(cmd, argc))
        return "Wrong number of args calling Redis command from script";
    if ((cmd->flags & CMD_NOSCRIPT) && !atomic_load_explicit(&deny_disabled, memory_order_relaxed))
        return "This Redis command is not allowed from script";
    /* An allow-stale script runs on a stale replica; its commands without
     * the stale flag do not (Redis's scriptVerifyAllowStale). */
    if (!(cmd->flags & CMD_STALE) && repl_replica_stale())
        return "Can not execute the command on a stale replica";
    return NULL;
}

/* ... and after the ACL's. A read-only script takes a may-replicate
 * command (PUBLISH, PFCOUNT) for a write, as Redis does, so that CLIENT
 * PAUSE WRITE can let such scripts run. */
static const char *late_refusal(struct script_run *run, const struct command *cmd)
{
    if ((cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE)) && (run->flags & SCRIPT_NO_WRITES))
        return "Write commands are not allowed from read-only scripts.";
    /* A script that has written is not failed halfway on the server's
     * state (Redis's SCRIPT_WRITE_DIRTY): its later writes pass even if a
     * replica dropped or a save failed since. */
    if (cur.wrote)
        return NULL;
    if ((cmd->flags & CMD_WRITE) && repl_replica_refuses_writes(run->caller))
        return REPL_ERR_READONLY;
    /* A script without a shebang runs with writes refused after a failed
     * save: its writes are refused one by one, as Redis's. */
    if ((cmd->flags & CMD_WRITE) && snapshot_writes_refused())
        return SNAPSHOT_ERR_MISCONF;
    if ((cmd->flags & CMD_WRITE) && aof_writes_refused())
        return aof_misconf_error();
    if ((cmd->flags & CMD_WRITE) && repl_writes_refused())
        return REPL_ERR_NOREPLICAS; /* a script without a shebang: checked per write */
    if (!(run->flags & SCRIPT_ALLOW_OOM) && server.cfg.maxmemory > 0 && cur.oom &&
        (cmd->flags & CMD_DENYOOM))
        return ERR_MAXMEMORY_OOM;
    return NULL;
}

/* A command of the script counts as a client's would (Redis's call() with
 * CMD_CALL_STATS): in INFO commandstats - calls and time, or a rejection -
 * and in total_commands_processed; an error reply in INFO errorstats at
 * once, even one redis.pcall hands the script, and never again when the
 * script replies it (script_lua.c). `out` holds its reply alone. */
static void count(struct script_run *run, const struct command *cmd, bool rejected,
                  long long ticks, const struct resp_out *out)
{
    struct stats_loop *stats = run->caller->stats;
    bool error = out->len > 0 && out->data[0] == '-';
    if (error)
        server_count_error(out->data, out->len);
    if (stats == NULL || cmd == NULL)
        return;
    if (rejected) {
        stats_command_add(stats, cmd->id, STATS_CMD_REJECTED, 1);
        return;
    }
    stats_command_add(stats, cmd->id, STATS_CMD_CALLS, 1);
    stats_command_add(stats, cmd->id, STATS_CMD_TICKS, ticks);
    latency_command_ran(run->caller, cmd, ticks);
    if (error)
        stats_command_add(stats, cmd->id, STATS_CMD_FAILED, 1);
    stats_add(stats, STATS_COMMANDS, 1);
}

/* A read from the script makes a tracking caller a reader of the keys
 * the script declared (KEYS), as Redis 7.0 records them; the dispatcher
 * holds their shards for the whole run. */
static void track_declared_keys(const struct script_run *run)
{
    struct client *c = run->caller;
    const struct command *cmd = command_lookup(run->argv[0].ptr, run->argv[0].len);
    if (cmd != NULL)
        tracking_remember_keys(c, cmd, run->argv, run->argc,
                               keyspace_db(server.ks, (unsigned)c->db));
}

bool script_call(struct script_run *run, struct resp_arg *argv, size_t argc,
                 struct resp_out *out)
{
    const struct command *cmd = lookup(argv, argc);
    const char *why = refusal(cmd, argc);
    if (why == NULL && !acl_user_unrestricted(run->caller->user) &&
        !acl_check_or_reply(run->caller, cmd, argv, argc, ACL_CONTEXT_LUA, out, run->now_ms)) {
        count(run, cmd, true, 0, out);
        return false;
    }
    if (why == NULL)
        why = late_refusal(run, cmd);
    if (why == NULL && !hold_keys(run, cmd, argv, argc))
        why = ERR_OUT_OF_MEMORY;
    if (why != NULL) {
        resp_add_error(out, why);
        count(run, cmd, true, 0, out);
        return false;
    }
    if (cmd->flags & CMD_WRITE) {
        cur.wrote = true;
        atomic_store(&wrote_any, true);
    }
    run->as->last_cmd = cmd;
    long long start = server_ticks();
    propagate_set_targets(run->repl);
    command__run_held(run->as, out, cmd, argv, argc, run->now_ms);
    propagate_set_targets(PROPAGATE_ALL);
    long long ticks = server_ticks() - start;
    if ((cmd->flags & CMD_READONLY) && (run->caller->flags & CLIENT_TRACKING))
        track_declared_keys(run);
    count(run, cmd, false, ticks, out);
    if (monitor_active() && !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN)))
        monitor_feed(run->as, run->as->db, true, argv, argc);
    if (!(cmd->flags & CMD_SKIP_SLOWLOG))
        slowlog_consider(run->as, true, argv, argc, ticks);
    return true;
}

/* ---- long scripts ------------------------------------------------------------------ */

/* Copy what FUNCTION STATS shows of the run (when it turns busy). */
static void show(struct script_run *run)
{
    const char *name = run->name ? run->name : "";
    size_t bytes = run->argc * sizeof(struct resp_arg) + strlen(name) + 1;
    for (size_t i = 0; i < run->argc; i++)
        bytes += run->argv[i].len;
    struct resp_arg *argv = malloc(bytes);
    if (argv == NULL)
        return; /* STATS then shows no running script: nothing else is lost */
    char *p = (char *)(argv + run->argc);
    for (size_t i = 0; i < run->argc; i++) {
        memcpy(p, run->argv[i].ptr, run->argv[i].len);
        argv[i] = (struct resp_arg){p, run->argv[i].len};
        p += run->argv[i].len;
    }
    memcpy(p, name, strlen(name) + 1);
    pthread_mutex_lock(&shown_lock);
    shown.argv = argv;
    shown.argc = run->argc;
    shown.name = p;
    shown.is_function = run->is_function;
    shown.start_ns = cur.start_ns;
    pthread_mutex_unlock(&shown_lock);
}

int script_running_info(script_info_cb cb, void *ud)
{
    int found = 0;
    pthread_mutex_lock(&shown_lock);
    if (shown.argv != NULL && !shown.is_function) {
        found = -1;
    } else if (shown.argv != NULL) {
        found = 1;
        cb(shown.name, shown.argv, shown.argc,
           (server_monotonic_ns() - shown.start_ns) / 1000000, ud);
    }
    pthread_mutex_unlock(&shown_lock);
    return found;
}

bool script_check_busy(struct script_run *run)
{
    long long elapsed = (server_monotonic_ns() - cur.start_ns) / 1000000;
    if (!atomic_load(&busy) && elapsed >= server.cfg.busy_reply_threshold) {
        log_warning("Slow script detected: still in execution after %lld milliseconds. You "
                    "can try killing the script using the %s command.",
                    elapsed, run->is_function ? "FUNCTION KILL" : "SCRIPT KILL");
        show(run);
        atomic_store(&busy, true);
    }
    struct worker *w = run->caller->worker;
    if (atomic_load(&busy) && w != NULL)
        w->busy_cb(w, run->caller, true);
    return atomic_load(&kill_gen) == generation || atomic_load(&server.shutdown_requested);
}

bool script_running_here(void)
{
    return running_here;
}

bool script_busy(void)
{
    return atomic_load_explicit(&busy, memory_order_relaxed);
}

const char *script_busy_error(void)
{
    return atomic_load(&busy_function) ? ERR_BUSY_FUNCTION : ERR_BUSY_EVAL;
}

const char *script_kill(bool function)
{
    unsigned long long gen = atomic_load(&running);
    if (gen == 0)
        return "NOTBUSY No scripts in execution right now.";
    if (atomic_load(&wrote_any))
        return "UNKILLABLE Sorry the script already executed write commands against the "
               "dataset. You can either wait the script termination or kill the server in a "
               "hard way using the SHUTDOWN NOSAVE command.";
    if (function != atomic_load(&busy_function))
        return function ? ERR_BUSY_EVAL : ERR_BUSY_FUNCTION;
    atomic_store(&kill_gen, gen);
    return "OK";
}
