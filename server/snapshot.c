/*
 * snapshot.c - SAVE, BGSAVE, save points and loading; see snapshot.h for
 * the mechanism.
 *
 * What the forked child may do: it is a copy of one thread of a
 * multi-threaded process, so any mutex another thread held at fork() stays
 * locked forever in it. Everything it needs (paths, options, the function
 * libraries serialised, the write buffer) is prepared before fork(); it
 * then only walks the keyspace (whose shard locks its own thread holds),
 * calls malloc (glibc resets its locks in the child) and makes system
 * calls. It resets the signals the parent's libuv handles, so a signal
 * meant for the child cannot reach the parent's loop through the shared
 * signal pipe, and is stopped with SIGUSR1, as Redis stops its children.
 */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "fault.h"
#include "fsutil.h"
#include "function.h"
#include "hashmap.h"
#include "keyspace.h"
#include "latency.h"
#include "lazyfree.h"
#include "loading.h"
#include "log.h"
#include "process.h"
#include "rdb_file.h"
#include "repl_replica.h"
#include "replica_expire.h"
#include "replication.h"
#include "script.h"
#include "server.h"
#include "tracking.h"

#define SNAPSHOT_RETRY_DELAY_MS 5000 /* Redis's CONFIG_BGSAVE_RETRY_DELAY */
#define SNAPSHOT_BUF_SIZE (64 * 1024)

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
#define COW_SAMPLE_MS 200 /* how often the cron reads a running child's copy-on-write */

static struct {
    pid_t child;                 /* 0: none */
    long long child_start_ms;
    uint64_t dirty_at_fork;
    uint64_t dirty_at_save;      /* keyspace_dirty() when the last save was taken */
    long long last_save_time;    /* seconds; the start counts, as in Redis */
    long long last_try_ms;       /* of the last bgsave start */
    long long last_bgsave_time_sec;
    long long saves;
    long long load_loaded, load_expired;
    long long latest_fork_usec, total_forks;
    bool last_bgsave_ok;
    bool scheduled;
    bool other;                  /* the child is other_child's, not a BGSAVE */
    struct snapshot_child other_child;
    struct snapshot_cow cow;     /* the running child's copy-on-write, and the last ones */
    long long cow_sampled_ms;
} st = {.last_bgsave_time_sec = -1, .last_bgsave_ok = true};
/* Read by every write command (MISCONF) without the lock. */
static atomic_bool bgsave_failed;
/* A FLUSHALL left its save to the cron (snapshot_flushall_later). */
static atomic_bool flushall_pending;

/* ---- paths and options ------------------------------------------------------ */

struct save_job {
    char dir[PATH_MAX - 64]; /* room for "/temp-<pid>.rdb" */
    char path[PATH_MAX];
    char tmp[PATH_MAX];
    bool compress, checksum;
    bool incremental_fsync; /* rdb-save-incremental-fsync */
    bool stall; /* fault injection: the child waits to be killed */
    long long used_mem;
    bool has_repl;            /* the replication's place (repl-stream-db, -id, -offset) */
    bool no_keys;             /* an RDB of the functions alone (or of nothing) */
    struct repl_rdb_info repl;
    struct rdb_buf functions; /* the libraries, already serialised */
    char oom_score[16];       /* what the child writes to its oom_score_adj */
};

/* dir/name, or dir/temp-<pid>.rdb when name is NULL. */
static void file_path(char *out, size_t cap, const char *dir, const char *name, pid_t pid)
{
    if (name)
        snprintf(out, cap, "%s/%s", dir, name);
    else
        snprintf(out, cap, "%s/temp-%d.rdb", dir, (int)pid);
}

/* Everything but the temporary name, which needs the writer's pid (the
 * child's own for BGSAVE: file_path(job->tmp, ..., NULL, getpid())). */
static int job_prepare(struct save_job *job)
{
    struct rdb_writer w = {.sink_cb = rdb_buf_sink_cb, .ud = &job->functions};
    int rc;

    *job = (struct save_job){.compress = atomic_load(&server.cfg.rdbcompression) != 0,
                             .checksum = atomic_load(&server.cfg.rdbchecksum) != 0,
                             .incremental_fsync =
                                 atomic_load(&server.cfg.rdb_save_incremental_fsync) != 0,
                             .used_mem = server_used_memory()};
    config_lock();
    snprintf(job->dir, sizeof(job->dir), "%s", server.cfg.dir);
    file_path(job->path, sizeof(job->path), server.cfg.dir, server.cfg.dbfilename, 0);
    process_oom_score_child_text(&server.cfg, job->oom_score, sizeof(job->oom_score));
    config_unlock();
    script_lock();
    rc = function_rdb_write(&w);
    script_unlock();
    if (rc < 0) {
        rdb_buf_deinit(&job->functions);
        return -ENOMEM;
    }
    return 0;
}

/* Every shard held (and on a replica the apply lock): where the data
 * stands in the replication stream. */
static void job_cut(struct save_job *job)
{
    job->has_repl = repl_rdb_info(&job->repl);
}

/* ---- writing the file --------------------------------------------------------------- */

/* Redis's REDIS_AUTOSYNC_BYTES: with rdb-save-incremental-fsync, the
 * file is synced each time this much more was written, so the kernel
 * never holds a whole snapshot's dirty pages to flush at once. */
#define AUTOSYNC_BYTES (4 * 1024 * 1024)

struct file_sink {
    int fd;
    int err; /* the first write's -errno */
    bool autosync;
    size_t unsynced; /* bytes written since the last sync */
    size_t len;
    unsigned char buf[SNAPSHOT_BUF_SIZE];
};

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write `len` bytes to the file, syncing every AUTOSYNC_BYTES if asked. */
static int sink_write(struct file_sink *s, const unsigned char *p, size_t len)
{
    int rc = write_all(s->fd, p, len);
    s->unsynced += len;
    if (rc == 0 && s->autosync && s->unsynced >= AUTOSYNC_BYTES) {
        s->unsynced = 0;
        if (fdatasync(s->fd) < 0)
            rc = -errno;
    }
    return rc;
}

static int sink_flush(struct file_sink *s)
{
    int rc = sink_write(s, s->buf, s->len);
    s->len = 0;
    return rc;
}

static int file_sink_cb(void *ud, const void *buf, size_t len)
{
    struct file_sink *s = ud;

    if (s->len + len > sizeof(s->buf) && (s->err = sink_flush(s)) < 0)
        return RDB_EIO;
    if (len > sizeof(s->buf))
        return (s->err = sink_write(s, buf, len)) < 0 ? RDB_EIO : 0;
    memcpy(s->buf + s->len, buf, len);
    s->len += len;
    return 0;
}

/* rdb-key-save-delay, after each key saved (a test knob, as Redis's). */
static void key_save_delay_cb(void *ud)
{
    (void)ud;
    long long delay = atomic_load_explicit(&server.cfg.rdb_key_save_delay, memory_order_relaxed);
    if (delay != 0)
        server_debug_delay(delay);
}

/* The whole file through `sink` (every shard held). */
static int write_rdb(struct file_sink *sink, const struct save_job *job)
{
    struct lzf_state *lzf = job->compress ? malloc(sizeof(*lzf)) : NULL;
    struct rdb_file_writer fw;
    struct rdb_file_aux aux = {.redis_ver = GROVE_REDIS_VERSION,
                               .ctime = server_mstime() / 1000, .used_mem = job->used_mem,
                               .has_repl = job->has_repl,
                               .repl_stream_db = job->repl.stream_db,
                               .repl_offset = job->repl.offset};
    int rc;

    if (job->compress && !lzf)
        return RDB_ENOMEM;
    memcpy(aux.repl_id, job->repl.replid, sizeof(aux.repl_id));
    if (lzf)
        lzf_state_init(lzf);
    rdb_file_writer_init(&fw, file_sink_cb, sink, lzf, job->checksum);
    fw.key_written = key_save_delay_cb;
    rc = rdb_file_write_header(&fw, &aux);
    if (rc == 0 && job->functions.len > 0)
        rc = rdb_write_raw(&fw.w, job->functions.data, job->functions.len);
    for (unsigned db = 0; rc == 0 && !job->no_keys && db < keyspace_databases(server.ks); db++)
        rc = rdb_file_write_db(&fw, server.ks, db);
    if (rc == 0)
        rc = rdb_file_write_end(&fw);
    free(lzf);
    return rc;
}

/* Write job->tmp, fsync, rename onto job->path, fsync the directory:
 * 0 or -errno (the temporary file removed). Every shard is held. */
static int save_to_disk(const struct save_job *job)
{
    struct file_sink *sink = malloc(sizeof(*sink));
    int rc = 0;

    if (!sink)
        return -ENOMEM;
    sink->len = 0;
    sink->err = 0;
    sink->autosync = job->incremental_fsync;
    sink->unsynced = 0;
    sink->fd = open(job->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (sink->fd < 0) {
        rc = -errno;
        free(sink);
        return rc;
    }
    if (write_rdb(sink, job) != 0)
        rc = sink->err ? sink->err : -ENOMEM; /* a failed write, else RDB_ENOMEM */
    else if ((rc = sink_flush(sink)) == 0 && fsync(sink->fd) < 0)
        rc = -errno;
    if (close(sink->fd) < 0 && rc == 0)
        rc = -errno;
    free(sink);
    if (rc == 0 && rename(job->tmp, job->path) < 0)
        rc = -errno;
    if (rc == 0)
        rc = fsutil_fsync_dir_of(job->path);
    if (rc < 0)
        unlink(job->tmp);
    return rc;
}

/* The state lock for a save: on a replica a cut must fall between two
 * whole commands of the master's stream, each applied and proxied
 * together, so the apply lock comes first (repl_replica.h's order). */
static void lock_for_save(void)
{
    repl_replica_apply_lock();
    pthread_mutex_lock(&state_lock);
}

static void unlock_for_save(void)
{
    pthread_mutex_unlock(&state_lock);
    repl_replica_apply_unlock();
}

/* A full sync's RDB down a pipe, in the form diskless replicas read:
 * $EOF:<mark>\r\n<rdb><mark> (Redis's rdbSaveRioWithEOFMark). 0 or -errno. */
static int save_to_pipe(const struct save_job *job, int fd, const char *mark)
{
    struct file_sink *sink = malloc(sizeof(*sink));
    char head[8 + SNAPSHOT_EOF_MARK_LEN];
    int rc = 0;

    if (!sink)
        return -ENOMEM;
    *sink = (struct file_sink){.fd = fd};
    int n = snprintf(head, sizeof(head), "$EOF:%s\r\n", mark);
    if (file_sink_cb(sink, head, (size_t)n) != 0 || write_rdb(sink, job) != 0 ||
        file_sink_cb(sink, mark, SNAPSHOT_EOF_MARK_LEN) != 0)
        rc = sink->err ? sink->err : -ENOMEM;
    else
        rc = sink_flush(sink);
    free(sink);
    return rc;
}

/* ---- SAVE and BGSAVE --------------------------------------------------------------- */

static void note_saved(uint64_t dirty)
{
    st.dirty_at_save = dirty;
    st.last_save_time = server_mstime() / 1000;
    st.last_bgsave_ok = true;
    st.saves++;
    atomic_store(&bgsave_failed, false);
}

/* A foreground save, state_lock held. */
static int save_locked(void)
{
    struct save_job job;
    uint64_t dirty;
    int rc;

    if (st.child && !st.other)
        return -EBUSY;
    if ((rc = job_prepare(&job)) < 0)
        return rc;
    file_path(job.tmp, sizeof(job.tmp), job.dir, NULL, getpid());
    keyspace_lock_all(server.ks);
    job_cut(&job);
    dirty = keyspace_dirty(server.ks);
    rc = save_to_disk(&job);
    keyspace_unlock_all(server.ks);
    rdb_buf_deinit(&job.functions);
    if (rc < 0) {
        log_warning("Failed opening or writing the .rdb file %s: %s", job.tmp, strerror(-rc));
        return rc;
    }
    note_saved(dirty);
    log_notice("DB saved on disk");
    return 0;
}

int snapshot_write_rdb(const char *path)
{
    struct save_job job;
    int rc;

    if ((rc = job_prepare(&job)) < 0)
        return rc;
    snprintf(job.tmp, sizeof(job.tmp), "%s", path);
    snprintf(job.path, sizeof(job.path), "%s", path);
    keyspace_lock_all(server.ks);
    rc = save_to_disk(&job);
    keyspace_unlock_all(server.ks);
    rdb_buf_deinit(&job.functions);
    if (rc < 0)
        log_warning("Failed opening or writing the .rdb file %s: %s", path, strerror(-rc));
    return rc;
}

int snapshot_save(void)
{
    lock_for_save();
    int rc = save_locked();
    unlock_for_save();
    return rc;
}

/* The child's own settings: default signals, the bgchild oom score. */
static void child_setup(const struct save_job *job)
{
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    process_oom_score_child_write(job->oom_score);
}

static void child_main(struct save_job *job)
{
    child_setup(job);
    while (job->stall)
        pause();
    file_path(job->tmp, sizeof(job->tmp), job->dir, NULL, getpid());
    _exit(save_to_disk(job) == 0 ? 0 : 1);
}

/* The child's private dirty bytes, read by the parent from
 * /proc/<pid>/smaps_rollup: what its copy of the memory has cost so far
 * (Redis's child measures the same figure on itself); 0 if unreadable. */
static long long child_private_dirty(pid_t pid)
{
    char path[64], line[256];
    long long kb = 0, v;
    snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "Private_Dirty: %lld kB", &v) == 1)
            kb += v;
    fclose(f);
    return kb * 1024;
}

/* state_lock held: a child was just forked. */
static void cow_start(long long now_ms)
{
    st.cow.current = st.cow.peak = 0;
    st.cow_sampled_ms = now_ms;
}

/* state_lock held, a child running: sample its copy-on-write at most every
 * COW_SAMPLE_MS (reading smaps_rollup walks its page tables). The last
 * sample before it exits is what rdb_last_cow_size reports. */
static void cow_sample(long long now_ms)
{
    if (now_ms - st.cow_sampled_ms < COW_SAMPLE_MS && st.cow.current > 0)
        return;
    st.cow.current = child_private_dirty(st.child);
    if (st.cow.current > st.cow.peak)
        st.cow.peak = st.cow.current;
    st.cow_sampled_ms = now_ms;
}

/* state_lock held: the fork child now running (0: none). While one
 * shares our pages, maps defer their resizes (hashmap_defer_resizes). */
static void set_child(pid_t pid)
{
    st.child = pid;
    hashmap_defer_resizes(pid != 0);
}

/* state_lock held. */
static int bgsave_locked(void)
{
    struct save_job job;
    long long t0;
    pid_t pid;
    int rc;

    if (st.child)
        return st.other ? -EAGAIN : -EBUSY;
    if ((rc = job_prepare(&job)) < 0)
        return rc;
    job.stall = fault_hit(FAULT_BGSAVE_STALL);
    t0 = server_monotonic_ns();
    keyspace_lock_all(server.ks);
    job_cut(&job);
    st.dirty_at_fork = keyspace_dirty(server.ks);
    pid = fork();
    if (pid == 0)
        child_main(&job);
    keyspace_unlock_all(server.ks);
    st.latest_fork_usec = (server_monotonic_ns() - t0) / 1000;
    latency_add_sample_if_needed("fork", st.latest_fork_usec / 1000);
    rdb_buf_deinit(&job.functions);
    st.last_try_ms = server_mstime();
    if (pid < 0) {
        rc = -errno;
        st.last_bgsave_ok = false;
        log_warning("Can't save in background: fork: %s", strerror(-rc));
        return rc;
    }
    st.total_forks++;
    set_child(pid);
    st.child_start_ms = st.last_try_ms;
    cow_start(st.child_start_ms);
    st.scheduled = false;
    log_notice("Background saving started by pid %d (fork pause %lld us)", (int)pid,
               st.latest_fork_usec);
    return 0;
}

int snapshot_bgsave(void)
{
    lock_for_save();
    int rc = bgsave_locked();
    unlock_for_save();
    return rc;
}

/* The other child's work: its run callback, or the RDB at rdb_path. */
static void other_child_main(const struct snapshot_child *ch, struct save_job *job)
{
    child_setup(job);
    if (ch->run)
        _exit(ch->run(ch->ud) == 0 ? 0 : 1);
    if (ch->eof_mark)
        _exit(save_to_pipe(job, ch->rdb_fd, ch->eof_mark) == 0 ? 0 : 1);
    _exit(save_to_disk(job) == 0 ? 0 : 1);
}

/* state_lock held. */
static int fork_other_locked(const struct snapshot_child *ch)
{
    struct save_job job;
    long long t0;
    pid_t pid;
    int rc;

    if (st.child)
        return st.other ? -EBUSY : -EAGAIN;
    if ((rc = job_prepare(&job)) < 0)
        return rc;
    if (ch->rdb_path) {
        snprintf(job.tmp, sizeof(job.tmp), "%s", ch->rdb_path);
        snprintf(job.path, sizeof(job.path), "%s", ch->rdb_path);
    }
    job.no_keys = ch->no_keys;
    if (ch->no_functions)
        rdb_buf_deinit(&job.functions);
    t0 = server_monotonic_ns();
    keyspace_lock_all(server.ks);
    rc = ch->at_fork ? ch->at_fork(ch->ud) : 0;
    if (rc == 0 && ch->repl_info) /* after at_fork: a full sync's starts the stream */
        job_cut(&job);
    pid = rc == 0 ? fork() : -1;
    if (pid == 0)
        other_child_main(ch, &job);
    if (rc == 0 && pid < 0)
        rc = -errno;
    keyspace_unlock_all(server.ks);
    rdb_buf_deinit(&job.functions);
    if (rc < 0)
        return rc;
    st.latest_fork_usec = (server_monotonic_ns() - t0) / 1000;
    latency_add_sample_if_needed("fork", st.latest_fork_usec / 1000);
    st.total_forks++;
    set_child(pid);
    st.other = true;
    st.other_child = *ch;
    st.child_start_ms = server_mstime();
    cow_start(st.child_start_ms);
    return 0;
}

int snapshot_fork_child(const struct snapshot_child *ch)
{
    pthread_mutex_lock(&state_lock);
    int rc = fork_other_locked(ch);
    pthread_mutex_unlock(&state_lock);
    return rc;
}

bool snapshot_child_running(void)
{
    pthread_mutex_lock(&state_lock);
    bool running = st.child != 0;
    pthread_mutex_unlock(&state_lock);
    return running;
}

void snapshot_schedule_bgsave(void)
{
    pthread_mutex_lock(&state_lock);
    st.scheduled = true;
    pthread_mutex_unlock(&state_lock);
}

/* ---- the child's end, save points ----------------------------------------------------- */

static void remove_child_file(pid_t pid)
{
    char path[PATH_MAX];

    config_lock();
    file_path(path, sizeof(path), server.cfg.dir, NULL, pid);
    config_unlock();
    unlink(path);
}

/* state_lock held; status from waitpid. */
static void child_done(int status, long long now_ms)
{
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

    *(st.other ? &st.cow.last_other : &st.cow.last_rdb) = st.cow.current;
    st.cow.current = st.cow.peak = 0;

    if (st.other) {
        set_child(0);
        st.other = false;
        st.other_child.done(ok, WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1,
                            st.other_child.ud);
        return;
    }
    if (ok) {
        log_notice("Background saving terminated with success");
        note_saved(st.dirty_at_fork);
    } else {
        if (WIFSIGNALED(status))
            log_warning("Background saving terminated by signal %d", WTERMSIG(status));
        else
            log_warning("Background saving error");
        remove_child_file(st.child);
        /* Killed by us (SIGUSR1) is not an error, as in Redis. */
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGUSR1) {
            st.last_bgsave_ok = false;
            atomic_store(&bgsave_failed, true);
        }
    }
    st.last_bgsave_time_sec = (now_ms - st.child_start_ms) / 1000;
    set_child(0);
}

/* Each "<seconds> <changes>" pair of `save`; true when one is met. */
static bool save_point_met(uint64_t changes, long long elapsed_s, long long *sec, long long *chg)
{
    char copy[1024], *save = NULL;
    bool met = false;

    config_lock();
    snprintf(copy, sizeof(copy), "%s", server.cfg.save);
    config_unlock();
    for (char *s = strtok_r(copy, " ", &save); s && !met; s = strtok_r(NULL, " ", &save)) {
        char *c = strtok_r(NULL, " ", &save);
        if (!c)
            break;
        *sec = atoll(s);
        *chg = atoll(c);
        met = changes >= (uint64_t)*chg && elapsed_s >= *sec;
    }
    return met;
}

bool snapshot_save_points_set(void)
{
    config_lock();
    bool set = strspn(server.cfg.save, " ") != strlen(server.cfg.save);
    config_unlock();
    return set;
}

/* state_lock held. */
static void kill_child_locked(void)
{
    int status;

    if (!st.child)
        return;
    kill(st.child, SIGUSR1);
    waitpid(st.child, &status, 0);
    if (st.other) {
        child_done(status, server_mstime());
        return;
    }
    remove_child_file(st.child);
    set_child(0);
}

long snapshot_child_pid(void)
{
    pthread_mutex_lock(&state_lock);
    long pid = (long)st.child;
    pthread_mutex_unlock(&state_lock);
    return pid;
}

/* state_lock held (and the apply lock): snapshot_flushall's work. */
static void flushall_locked(void)
{
    if (st.child && !st.other)
        kill_child_locked();
    if (snapshot_save_points_set())
        save_locked();
}

void snapshot_flushall(void)
{
    lock_for_save();
    flushall_locked();
    unlock_for_save();
}

void snapshot_flushall_later(void)
{
    atomic_store(&flushall_pending, true);
}

void snapshot_cron(long long now_ms)
{
    long long sec, chg;
    int status;

    lock_for_save();
    if (st.child)
        cow_sample(now_ms);
    if (st.child && waitpid(st.child, &status, WNOHANG) == st.child)
        child_done(status, now_ms);
    if (atomic_exchange(&flushall_pending, false))
        flushall_locked();
    uint64_t changes = keyspace_dirty(server.ks) - st.dirty_at_save;
    if (!st.child && st.scheduled) {
        bgsave_locked();
    } else if (!st.child && changes > 0 &&
               (st.last_bgsave_ok || now_ms - st.last_try_ms > SNAPSHOT_RETRY_DELAY_MS) &&
               save_point_met(changes, now_ms / 1000 - st.last_save_time, &sec, &chg)) {
        log_notice("%lld changes in %lld seconds. Saving...", (long long)changes, sec);
        bgsave_locked();
    }
    unlock_for_save();
}

void snapshot_kill_child(void)
{
    pthread_mutex_lock(&state_lock);
    if (st.child && !st.other)
        log_warning("There is a child saving an .rdb. Killing it!");
    kill_child_locked();
    pthread_mutex_unlock(&state_lock);
}

void snapshot_temp_path(char *out, size_t cap)
{
    config_lock();
    file_path(out, cap, server.cfg.dir, NULL, getpid());
    config_unlock();
}

int snapshot_shutdown_save(bool force)
{
    lock_for_save();
    if (st.child && !st.other)
        log_warning("There is a child saving an .rdb. Killing it!");
    kill_child_locked();
    log_notice("Saving the final RDB snapshot before exiting.");
    int rc = save_locked();
    if (rc < 0)
        log_warning(force ? "Error trying to save the DB. Exit anyway."
                          : "Error trying to save the DB, can't exit.");
    unlock_for_save();
    return rc;
}

bool snapshot_writes_refused(void)
{
    return atomic_load_explicit(&bgsave_failed, memory_order_relaxed) &&
           atomic_load(&server.cfg.stop_writes_on_bgsave_error) && snapshot_save_points_set();
}

void snapshot_get_info(struct snapshot_info *out)
{
    long long now_ms = server_mstime();

    pthread_mutex_lock(&state_lock);
    *out = (struct snapshot_info){
        .changes_since_last_save = (long long)(keyspace_dirty(server.ks) - st.dirty_at_save),
        .bgsave_in_progress = st.child != 0 && !st.other,
        .last_save_time = st.last_save_time,
        .last_bgsave_ok = st.last_bgsave_ok,
        .last_bgsave_time_sec = st.last_bgsave_time_sec,
        .current_bgsave_time_sec = st.child && !st.other ? (now_ms - st.child_start_ms) / 1000 : -1,
        .saves = st.saves,
        .last_load_keys_loaded = st.load_loaded,
        .last_load_keys_expired = st.load_expired,
        .latest_fork_usec = st.latest_fork_usec,
        .total_forks = st.total_forks,
        .cow = st.cow,
        .cow_age_sec = st.child ? (now_ms - st.cow_sampled_ms) / 1000 : 0,
    };
    pthread_mutex_unlock(&state_lock);
}

long long snapshot_lastsave(void)
{
    pthread_mutex_lock(&state_lock);
    long long t = st.last_save_time;
    pthread_mutex_unlock(&state_lock);
    return t;
}

/* ---- loading ------------------------------------------------------------------------ */

/* How a load treats what is already there: keys (no_dup: refuse one
 * present, else replace it) and libraries (replace or refuse). */
struct load_ctx {
    bool no_dup;
    bool replace_functions;
    bool keep_expired; /* a replica's: the master's DEL removes them */
    int repl_stream_db; /* out: the file's repl-stream-db, -1 if none */
    char repl_id[41];   /* out: its repl-id, "" if none */
    long long repl_offset; /* out: its repl-offset, -1 if none */
    unsigned empty_keys_named; /* empty keys skipped so far (the log names ten) */
    bool corrupt;              /* out: the load failed on corrupt data */
};

/* Functions register under the script lock: clients on the loops may
 * read the libraries (FUNCTION LIST answers while loading). */
static int load_function_cb(const char *code, size_t len, char *err, size_t cap, void *ud)
{
    struct load_ctx *lc = ud;
    script_lock();
    int rc = function_rdb_load_cb(code, len, err, cap, &lc->replace_functions);
    script_unlock();
    return rc;
}

static int progress_cb(size_t offset, void *ud)
{
    (void)ud;
    return loading_key_done(offset) ? 1 : 0;
}

#define EMPTY_KEYS_NAMED 10 /* Redis names the first ten it skips */

static void empty_key_cb(const char *key, size_t len, void *ud)
{
    struct load_ctx *lc = ud;
    if (lc->empty_keys_named++ < EMPTY_KEYS_NAMED)
        log_warning("rdbLoadObject skipping empty key: %.*s", (int)(len > 256 ? 256 : len), key);
}

void snapshot_log_loaded(const struct rdb_file_load_result *res)
{
    if (res->keys_empty > 0)
        log_warning("Done loading RDB, keys loaded: %llu, keys expired: %llu, empty keys "
                    "skipped: %llu.", (unsigned long long)res->keys_loaded,
                    (unsigned long long)res->keys_expired, (unsigned long long)res->keys_empty);
    else
        log_notice("Done loading RDB, keys loaded: %llu, keys expired: %llu.",
                   (unsigned long long)res->keys_loaded, (unsigned long long)res->keys_expired);
}

static int load_mapped(const char *path, const void *data, size_t len, struct load_ctx *lc)
{
    struct rdb_file_load_result res;
    struct rdb_file_load_hooks hooks = {.function_cb = load_function_cb,
                                        .progress_cb = progress_cb,
                                        .empty_key_cb = empty_key_cb,
                                        .no_dup = lc->no_dup,
                                        .ud = lc};
    long long t0 = server_monotonic_ns();
    int rc = rdb_file_load_with(data, len, server.ks, cmd_member_hasher(), cmd_object_limits(),
                                lc->keep_expired ? 0 : server_mstime(),
                                atomic_load(&server.cfg.rdbchecksum) != 0,
                                &hooks, &res);

    if (rc == RDB_ESTOP) {
        log_warning("Loading of %s stopped: shutting down", path);
        return -1;
    }
    if (rc < 0) {
        log_warning("Fatal error loading the DB %s: %s", path, res.error);
        lc->corrupt = strncmp(res.error, "Internal error in RDB reading", 29) == 0;
        return -1;
    }
    lc->repl_stream_db = res.repl_stream_db;
    memcpy(lc->repl_id, res.repl_id, sizeof(lc->repl_id));
    lc->repl_offset = res.repl_offset;
    pthread_mutex_lock(&state_lock);
    st.load_loaded = (long long)res.keys_loaded;
    st.load_expired = (long long)res.keys_expired;
    st.dirty_at_save = keyspace_dirty(server.ks);
    pthread_mutex_unlock(&state_lock);
    snapshot_log_loaded(&res);
    log_notice("DB loaded from disk: %.3f seconds", (double)(server_monotonic_ns() - t0) / 1e9);
    return 0;
}

/* The file mapped, between loading_begin and loading_end. */
static int load_fd(const char *path, int fd, struct load_ctx *lc)
{
    struct stat sb;
    void *data;
    int rc;

    if (fstat(fd, &sb) < 0) {
        log_warning("Fatal error loading the DB %s: %s. Exiting.", path, strerror(errno));
        return -1;
    }
    if (sb.st_size == 0) {
        log_warning("Fatal error loading the DB %s: Short read or OOM loading DB. "
                    "Unrecoverable error, aborting now. (empty file)", path);
        return -1;
    }
    data = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
        log_warning("Fatal error loading the DB %s: %s. Exiting.", path, strerror(errno));
        return -1;
    }
    loading_begin((size_t)sb.st_size);
    rc = load_mapped(path, data, (size_t)sb.st_size, lc);
    loading_end();
    munmap(data, (size_t)sb.st_size);
    return rc;
}

static int load_file(struct load_ctx *lc)
{
    char path[PATH_MAX];
    int fd, rc;

    config_lock();
    file_path(path, sizeof(path), server.cfg.dir, server.cfg.dbfilename, 0);
    config_unlock();
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return -ENOENT;
    if (fd < 0) {
        log_warning("Fatal error loading the DB %s: %s. Exiting.", path, strerror(errno));
        return -1;
    }
    rc = load_fd(path, fd, lc);
    close(fd);
    return rc;
}

void snapshot_empty_data(bool async)
{
    struct keyspace_trash *trash = NULL;
    keyspace_flushall(server.ks, &trash);
    replica_expire_forget_all();
    if (async)
        lazyfree_submit(trash);
    else
        keyspace_trash_free(trash);
    tracking_flushed();
    script_lock();
    function_flush();
    script_unlock();
}

int snapshot_load_from_master(const char *path, int *stream_db)
{
    struct load_ctx lc = {.no_dup = false, .replace_functions = true, .keep_expired = true};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        log_warning("Fatal error loading the DB %s: %s.", path, strerror(errno));
        return -1;
    }
    loading_begin(0); /* from here: nobody sees the data between the flush and the load */
    snapshot_empty_data(atomic_load(&server.cfg.replica_lazy_flush));
    int rc = load_fd(path, fd, &lc);
    loading_end();
    close(fd);
    *stream_db = lc.repl_stream_db;
    return rc;
}

int snapshot_load_file(bool merge)
{
    struct load_ctx lc = {.no_dup = !merge, .replace_functions = merge};
    return load_file(&lc);
}

/* Redis 7.0's loadDataFromDisk: the history the file names (all three
 * fields present) is continued, as a replica's or a master's. */
static void restore_history(const struct load_ctx *lc)
{
    struct repl_rdb_info info = {.stream_db = lc->repl_stream_db, .offset = lc->repl_offset};

    if (lc->repl_id[0] == '\0' || lc->repl_offset < 0 || lc->repl_stream_db < 0)
        return;
    memcpy(info.replid, lc->repl_id, sizeof(info.replid));
    config_lock();
    bool replica = server.cfg.replicaof[0] != '\0';
    config_unlock();
    repl_restore_history(&info, replica);
}

void snapshot_count_start_as_save(void)
{
    pthread_mutex_lock(&state_lock);
    st.last_save_time = server.start_time_ms / 1000;
    pthread_mutex_unlock(&state_lock);
}

void snapshot_forget_changes(void)
{
    pthread_mutex_lock(&state_lock);
    st.dirty_at_save = keyspace_dirty(server.ks);
    pthread_mutex_unlock(&state_lock);
}

int snapshot_load(void)
{
    struct load_ctx lc = {.no_dup = false, .replace_functions = false};
    int rc = load_file(&lc);
    if (rc == 0)
        restore_history(&lc);
    if (lc.corrupt) /* Redis's rdbReportError's last words before it exits */
        log_warning("Terminating server after rdb file reading failure.");
    return rc == -ENOENT ? 0 : rc;
}
