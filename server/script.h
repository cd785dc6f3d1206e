/*
 * script.h - running scripts (EVAL, FCALL) atomically on a sharded,
 * multi-threaded keyspace; the engine-independent part (script_lua.h is
 * the Lua engine).
 *
 * Atomicity
 *   One script runs at a time, under the script lock. The dispatcher (and
 *   EXEC, for a queue holding a script) takes the script lock before the
 *   shard locks of the command's declared keys (KEYS), then the script
 *   locks the shard of every other key it touches as it meets it, and
 *   everything stays locked until the script ends (two-phase locking): no
 *   other client, on any loop, sees a half-run script, and clients working
 *   on other shards go on meanwhile. Locking in the order keys are met is
 *   safe because nothing else ever holds a shard while waiting for another
 *   (keyspace.h), and scripts never wait for each other's shards (the
 *   script lock). Shard mutexes are recursive, so KEYS or FLUSHALL from a
 *   script lock what the script already holds without harm.
 *
 * Long scripts
 *   Past busy-reply-threshold (lua-time-limit), other clients get -BUSY for
 *   every command not flagged allow-busy, as in Redis; SCRIPT KILL (and
 *   FUNCTION KILL) stop a script that has not written, a script that wrote
 *   is UNKILLABLE, and a shutdown stops any script. A script runs on the
 *   loop of the client that called it, so that loop's other clients wait
 *   rather than get -BUSY: clients on other loops are the ones answered.
 *
 * Errors: script_call replies into its output buffer like any command;
 * the rest cannot fail.
 */
#ifndef GROVE_SCRIPT_H
#define GROVE_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct client;
struct command;
struct resp_arg;
struct resp_out;

/* What a script may do (Redis's shebang flags, EVAL_RO, FCALL_RO). */
enum script_flag {
    SCRIPT_NO_WRITES = 1 << 0,
    SCRIPT_ALLOW_OOM = 1 << 1,
    SCRIPT_ALLOW_STALE = 1 << 2,
    SCRIPT_NO_CLUSTER = 1 << 3,
    SCRIPT_ALLOW_CROSS_SLOT = 1 << 4,
    SCRIPT_LEGACY = 1 << 5, /* no shebang: Redis's eval rules of before 7.0 */
};

/* Redis's names of those flags, in Redis's order (FUNCTION LIST). */
struct script_flag_name {
    const char *name;
    unsigned flag;
};
#define SCRIPT_FLAG_NAMES 5
extern const struct script_flag_name script_flag_names[SCRIPT_FLAG_NAMES];

/* Redis's scriptFlagsToCmdFlags: a command line's flags (command.h's
 * CMD_*) once its script's flags are known. A script without a shebang
 * (SCRIPT_LEGACY) keeps the command's. */
uint32_t script_command_flags(uint32_t cmd_flags, unsigned script_flags);

/* The dispatcher's side: take the script lock before any shard lock of a
 * CMD_SCRIPT command (or an EXEC that queued one), release it after. */
void script_lock(void);
void script_unlock(void);
/* Whether the calling thread holds it (a script, or an EXEC that queued
 * one): it must then take no lock that comes before it. */
bool script_lock_held_here(void);

/* The running script (under the script lock, on the caller's thread). */
struct script_run {
    struct client *caller;  /* who ran EVAL / FCALL */
    struct client *as;      /* the client its commands run as: db, protocol */
    unsigned flags;         /* enum script_flag */
    bool is_function;       /* FCALL: busy and kill texts say FUNCTION */
    long long now_ms;
    const char *name;       /* the function, or the script's digest */
    const struct resp_arg *argv; /* the caller's command line */
    size_t argc;
    unsigned repl;          /* where its writes go: redis.set_repl (propagate.h targets) */
};

/* Start and end a run: the end unlocks every shard the script locked. */
void script_begin(struct script_run *run);
void script_end(struct script_run *run);

/* Run one command line from the script (redis.call), checking what Redis
 * checks for scripts, locking the shards of its keys as they come, and
 * appending its reply (in the script's protocol) to `out`. Returns false
 * with an error reply when the command was refused before running. */
bool script_call(struct script_run *run, struct resp_arg *argv, size_t argc,
                 struct resp_out *out);

/* The engine's periodic check (every so many instructions): marks the
 * server busy past the threshold; true when the script must stop now
 * (SCRIPT KILL on a script that has not written, or a shutdown). */
bool script_check_busy(struct script_run *run);

/* DEBUG SET-DISABLE-DENY-SCRIPTS: let scripts run noscript commands too
 * (any thread; for Redis's tests). */
void script_set_deny_disabled(bool disabled);

/* Whether a script runs on the calling thread (blocked clients are not
 * served from inside a script: only once it is done). */
bool script_running_here(void);

/* Other clients, any thread. */
bool script_busy(void);            /* a script is past busy-reply-threshold */
const char *script_busy_error(void); /* the -BUSY text for the running kind */
/* FUNCTION STATS (any thread): a script past busy-reply-threshold is the
 * one other clients can see, as in Redis. 0 when none is; 1 after calling
 * `cb` with a function's name, command line and running time; -1 for an
 * EVAL (which FUNCTION STATS does not describe). */
typedef void (*script_info_cb)(const char *name, const struct resp_arg *argv, size_t argc,
                               long long duration_ms, void *ud);
int script_running_info(script_info_cb cb, void *ud);
/* SCRIPT KILL / FUNCTION KILL: "OK", or Redis's NOTBUSY / UNKILLABLE
 * text (without the leading '-'). */
const char *script_kill(bool function);

#endif
