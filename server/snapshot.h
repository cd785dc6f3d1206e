/*
 * snapshot.h - RDB snapshots: SAVE, BGSAVE, save points, loading at
 * start-up, the save at shutdown, and the state INFO persistence and
 * MISCONF report. The file format is core/rdb_file.h's.
 *
 * Mechanism: fork with copy-on-write, as Redis. The forking thread takes
 * every shard lock of every database (so no write is half done), forks,
 * and releases them at once in the parent: the pause clients see is the
 * lock round plus fork() (INFO stats latest_fork_usec). The child, which
 * holds the frozen copy and no other thread, writes temp-<pid>.rdb in
 * `dir`, fsyncs it, renames it onto `dbfilename`, fsyncs the directory and
 * _exit()s; it touches no lock, log or libuv handle. The main thread's
 * cron reaps it (waitpid WNOHANG) and records the outcome. SAVE writes the
 * same file in the calling thread with every shard held throughout.
 *
 * Threads: any thread may call these, except where said; the state is
 * under one mutex, taken before the script lock and the shard locks.
 * Errors: 0 or a negative errno (-EBUSY: a background save is running).
 */
#ifndef GROVE_SNAPSHOT_H
#define GROVE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

/* Start-up, whatever it loads from: the save points count their seconds
 * from the start, as if the data had been saved then (Redis's lastsave). */
void snapshot_count_start_as_save(void);
/* The dataset just loaded counts as unchanged since the last save (DEBUG
 * LOADAOF's, as Redis zeroes its dirty count there). */
void snapshot_forget_changes(void);
/* Start-up (loading.h's loader): load dir/dbfilename if it exists. 0
 * (also when there is no file), or -1 after logging why the server must
 * not start. A key the file holds twice keeps its last value. */
int snapshot_load(void);
/* Redis's "Done loading RDB" line for a load's result (the AOF's base too):
 * a warning when it skipped empty keys. */
struct rdb_file_load_result;
void snapshot_log_loaded(const struct rdb_file_load_result *res);
/* Load dir/dbfilename into the keyspace as it is, with the loading state
 * on (DEBUG RELOAD). merge false: a key already present fails the load
 * (Redis's default), and so does a library already present; true: the
 * file's replace them (MERGE). 0; -ENOENT when there is no file (nothing
 * logged); -1 after logging why. */
int snapshot_load_file(bool merge);

/* Empty every database and the function libraries (Redis's emptyData);
 * `async`: the old keys are freed by the main loop (lazyfree.h). */
void snapshot_empty_data(bool async);
/* A replica's full sync: empty everything and load the master's RDB at
 * path, keeping keys whose time is past (the master's DEL removes them),
 * with the loading state on throughout. *stream_db: the database the
 * stream has selected there (the file's repl-stream-db), -1 when the file
 * does not say. 0, or -1 after logging why. */
int snapshot_load_from_master(const char *path, int *stream_db);

/* SAVE. */
int snapshot_save(void);
/* The RDB of everything written at path in the calling thread, every
 * shard held, fsynced (the AOF's first base file). 0 or -errno, logged. */
int snapshot_write_rdb(const char *path);
/* BGSAVE: 0 when the child started; -EBUSY while a BGSAVE runs, -EAGAIN
 * while another child (an AOF rewrite) does. */
int snapshot_bgsave(void);

/* Another kind of background child (the AOF rewrite, aof.h) through the
 * same fork machinery and the same single child slot (Redis runs one
 * child at a time). With every shard held, at_fork (may be NULL) runs in
 * the parent just before fork(); its error cancels the fork. The child
 * runs `run`; or with eof_mark writes the RDB of everything to rdb_fd in
 * the EOF-marked form ($EOF:<mark>\r\n<rdb><mark>, a diskless full
 * sync's); or else writes it to rdb_path (fsynced, not renamed). It exits
 * 0 on success. The cron (or
 * a shutdown that kills it with SIGUSR1) calls done with state_lock held:
 * it must not call back into snapshot nor take a lock a caller of
 * snapshot_fork_child may hold. 0, -EBUSY (this kind of child is
 * already running), -EAGAIN (a BGSAVE is), or -errno. `ch` is copied. */
struct snapshot_child {
    int (*at_fork)(void *ud);
    int (*run)(void *ud);
    void (*done)(bool ok, bool killed_by_us, void *ud);
    void *ud;
    const char *rdb_path; /* the string must outlive the child */
    bool repl_info;       /* the RDB records the replication's place (a full sync's) */
    bool no_keys, no_functions; /* the RDB leaves them out (REPLCONF rdb-filter-only) */
    const char *eof_mark; /* SNAPSHOT_EOF_MARK_LEN characters, or NULL */
    int rdb_fd;           /* with eof_mark: where the child writes */
};
#define SNAPSHOT_EOF_MARK_LEN 40 /* Redis's RDB_EOF_MARK_SIZE */
int snapshot_fork_child(const struct snapshot_child *ch);
/* A child of either kind is running. */
bool snapshot_child_running(void);
/* The running child's pid, 0 when none (logs name it). */
long snapshot_child_pid(void);
/* BGSAVE inside EXEC: start it from the next cron tick, as Redis. */
void snapshot_schedule_bgsave(void);
/* Main thread, every cron tick: reap a finished child, start a scheduled
 * save or one a save point asks for. */
void snapshot_cron(long long now_ms);

/* `save` has at least one save point. */
bool snapshot_save_points_set(void);
/* The save before exiting (SHUTDOWN, SIGTERM): stop a running child, then
 * save in the foreground. force: the caller exits even if it fails (the
 * log says so). */
int snapshot_shutdown_save(bool force);
/* The file a save in the calling process writes before its rename
 * (dir/temp-<pid>.rdb), for a signal handler that removes it on its way
 * out without taking locks. */
void snapshot_temp_path(char *out, size_t cap);
/* Exiting without saving: stop a running child and remove its file. */
void snapshot_kill_child(void);
/* FLUSHALL's part, as Redis's flushAllDataAndResetRDB: stop a BGSAVE
 * (its file would bring the flushed keys back) and, with save points set,
 * save the emptied data in the foreground, so INFO's changes since the
 * last save read 0 again. The caller holds no shard lock, nor the script
 * lock (which comes after the state lock) nor the replica's apply lock
 * (which the save takes). */
void snapshot_flushall(void);
/* The same for a caller that holds them (a script's FLUSHALL, the master's
 * stream): the next cron tick does it. Lock-free. */
void snapshot_flushall_later(void);

/* The last bgsave failed and stop-writes-on-bgsave-error is on (with save
 * points set, as Redis): writes get MISCONF. */
bool snapshot_writes_refused(void);
#define SNAPSHOT_ERR_MISCONF                                                                  \
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist " \
    "to disk. Commands that may modify the data set are disabled, because this instance is "  \
    "configured to report errors during writes if RDB snapshotting fails "                   \
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "   \
    "the RDB error."

/* Copy-on-write bytes of fork children (INFO persistence's *_cow_*), as
 * the parent samples them while a child runs. */
struct snapshot_cow {
    long long current, peak;  /* the running child's, 0 when none */
    long long last_rdb;       /* the last BGSAVE child's, at its last sample */
    long long last_other;     /* the last other child's (the AOF rewrite) */
};

/* What INFO persistence and INFO stats show. */
struct snapshot_info {
    long long changes_since_last_save;
    bool bgsave_in_progress;
    long long last_save_time;       /* seconds since the epoch */
    bool last_bgsave_ok;
    long long last_bgsave_time_sec; /* -1: none yet */
    long long current_bgsave_time_sec;
    long long saves;
    long long last_load_keys_loaded, last_load_keys_expired;
    long long latest_fork_usec, total_forks;
    struct snapshot_cow cow;
    long long cow_age_sec;          /* since current was sampled */
};
void snapshot_get_info(struct snapshot_info *out);
/* LASTSAVE. */
long long snapshot_lastsave(void);

#endif
