/*
 * aof.h - the append-only file, in Redis 7.0's multi-part layout: the
 * directory `appenddirname` (inside `dir`) holds a manifest
 * (core/aof_manifest.h), one base file (an RDB) and the incr files of
 * commands in RESP appended since. What each command appends is
 * propagate.h's business; this module owns the files.
 *
 * Writing: propagated commands are appended to one buffer (aof_feed,
 * under the command's shard locks, so two writes to a key are in the
 * buffer in execution order). Before a connection hands replies to the
 * kernel, the buffer is written up to what was appended so far and, with
 * appendfsync always, fsynced (aof_before_replies: group commit, one
 * write and one fsync serve every loop waiting meanwhile). With everysec
 * the cron fsyncs once a second; with no, the kernel decides.
 *
 * Rewriting (BGREWRITEAOF, auto-aof-rewrite-*): through snapshot.h's fork
 * machinery. With every shard held the current incr file is closed (its
 * bytes written and fsynced) and a new one opened, recorded in the
 * manifest; the child writes the dataset (an RDB, or commands with
 * aof-use-rdb-preamble no: core/aof_rewrite.h); once it exits the
 * parent renames it to the new base, writes the manifest (temporary name,
 * fsync, rename, fsync of the directory) and deletes the files that made
 * up the old state. Clients are never blocked by it beyond the fork.
 *
 * Threads: aof_feed and aof_before_replies from any worker (an atomic
 * test when the AOF is off), the rest from the main thread or a command.
 * Lock order: this module's state lock, snapshot's state lock, shard
 * locks, the write lock, the buffer lock. The rewrite child's end is
 * noted by snapshot's cron and acted on by aof_cron.
 * Errors: 0 or a negative errno; start-up failures are logged here.
 */
#ifndef GROVE_AOF_H
#define GROVE_AOF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "resp.h"

/* Appending is on: every write is propagated (read by the dispatcher,
 * stable while a command holds any shard lock: it changes under every
 * shard lock). */
extern atomic_bool aof__on;
static inline bool aof_on(void)
{
    return atomic_load_explicit(&aof__on, memory_order_relaxed);
}

/* Start-up with appendonly yes, instead of snapshot_load: load the
 * directory (manifest, base, incr files), or create it as Redis 7.0 does
 * when there is none; then appending starts. 0, or -1 after logging why
 * the server must not start. */
int aof_load_at_startup(void);
/* Start-up with appendonly no: the directory's manifest, if there is one,
 * is read (not loaded), as Redis 7.0 does, so that turning the AOF on
 * later numbers its files after the ones there and deletes the old ones.
 * 0, or -1 (a manifest that cannot be read: logged). */
int aof_read_manifest_at_startup(void);
/* aof-disable-auto-gc is no: the history files are deleted now. */
void aof_collect_history(void);

/* Append one command line in database db (a SELECT first when the file's
 * current database differs; db < 0: any). Shard locks of its keys held. */
void aof_feed(int db, const struct resp_arg *argv, size_t argc);
/* Before replies are handed to the kernel: everything appended so far is
 * written (and with appendfsync always, fsynced). */
void aof_before_replies(void);
/* DEBUG AOF-FLUSH-SLEEP: every write of the buffer to the file first
 * sleeps usec microseconds (0: never). */
void aof_set_flush_sleep(long long usec);

/* Main thread, every cron tick, after snapshot_cron: finish a rewrite
 * whose child exited (install its base), fsync once a second (everysec),
 * retry a failed write, start a scheduled or automatic rewrite. */
void aof_cron(long long now_ms);

/* BGREWRITEAOF: 0 started; -EBUSY a rewrite runs; -EAGAIN another child
 * runs (the rewrite is then scheduled); -errno. */
int aof_rewrite_background(void);
/* BGREWRITEAOF inside EXEC: start it from the next cron tick. */
void aof_schedule_rewrite(void);
/* CONFIG SET appendonly: start the AOF from a rewrite (in_exec: from the
 * next cron tick, as Redis inside a transaction), or stop it. 0 or -errno
 * with a reason. */
int aof_set_enabled(bool on, bool in_exec, char *reason, size_t cap);
/* appendonly was turned on and its first rewrite has not finished: the
 * AOF holds no dataset yet (Redis's AOF_WAIT_REWRITE). */
bool aof_writing_initial(void);
/* SHUTDOWN, SIGTERM: write and fsync everything; stop a rewrite. 0 or -errno. */
int aof_shutdown_flush(void);
/* DEBUG LOADAOF: flush and fsync the AOF (when on), empty the dataset and
 * load the directory again (with the AOF off: what a BGREWRITEAOF wrote
 * there; none leaves the dataset alone). 0, or -1 with the reason in err. */
int aof_debug_loadaof(char *err, size_t cap);

/* The last write failed: writes get aof_misconf_error's error. */
bool aof_writes_refused(void);
/* appendfsync is always (any thread). */
bool aof_fsync_always(void);
/* "MISCONF Errors writing to the AOF file: <reason>", in a buffer of the
 * calling thread's, valid until its next call. */
const char *aof_misconf_error(void);

/* What INFO persistence shows. */
struct aof_info {
    bool enabled, rewrite_in_progress, rewrite_scheduled;
    long long last_rewrite_time_sec, current_rewrite_time_sec;
    bool last_bgrewrite_ok, last_write_ok;
    long long rewrites, rewrites_consecutive_failures;
    long long current_size, base_size, buffer_length;
    bool pending_fsync;
    long long delayed_fsync;
};
void aof_get_info(struct aof_info *out);

#endif
