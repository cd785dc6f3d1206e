/*
 * aof.c - the append-only file: the buffer, the files, loading and the
 * rewrite; see aof.h for the design.
 *
 * Offsets: `appended` counts every byte ever put in the buffer (it never
 * goes back, across files), `written` those handed to write(), `synced`
 * those fsynced. Before any reply leaves (conn.c's write-out), `written`
 * (always: `synced`) is brought up to `appended` as it is then: every
 * write that happened before the reply, on any loop (a blocked client
 * served by another loop's write included), is on disk before it, as
 * Redis fsyncs before it writes replies. One thread at a time writes
 * (write_lock); it writes the whole buffer, so threads waiting behind it
 * usually find their bytes already out: that is the group commit.
 *
 * A failed write keeps the bytes not written at the head of the buffer:
 * the next attempt (the cron's, each tick) continues where it stopped, so
 * the file never holds a torn command followed by a whole one. While the
 * error lasts, writes are refused with MISCONF, as in Redis.
 *
 * Paths are relative to the working directory, which is `dir` (config.c
 * changes to it), as Redis builds them; appenddirname and appendfilename
 * are read once at start-up (Redis makes them immutable).
 */
#include "aof.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof_manifest.h"
#include "aof_rewrite.h"
#include "client.h"
#include "command.h"
#include "config.h"
#include "fault.h"
#include "latency.h"
#include "fsutil.h"
#include "function.h"
#include "keyspace.h"
#include "loading.h"
#include "log.h"
#include "notify.h"
#include "propagate.h"
#include "rdb_file.h"
#include "script.h"
#include "server.h"
#include "snapshot.h"
#include "stats.h"
#include "tracking.h"
#include "worker.h"

enum { FSYNC_NO, FSYNC_ALWAYS, FSYNC_EVERYSEC };

atomic_bool aof__on;

/* ---- state ------------------------------------------------------------------------ */

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char dirname[PATH_MAX / 2];
    char prefix[PATH_MAX / 4];     /* appendfilename */
    struct aof_manifest manifest;  /* the one on disk */
    bool rewriting, scheduled;
    bool base_rdb;                 /* the rewrite running writes an RDB base */
    struct rdb_buf functions;      /* its FUNCTION LOADs, for a command base */
    bool enabling;                 /* CONFIG SET appendonly yes: on once the rewrite ends */
    bool temp_incr;                /* the file appended to is the temporary incr (enabling) */
    struct aof_manifest pending;   /* the manifest of a rewrite in progress */
    char temp_base[PATH_MAX];
    long long rewrite_start_ms;
    long long last_rewrite_time_sec;
    long long rewrites, consecutive_failures;
    long long limit_minutes, limit_until_s; /* auto_rewrite_limited's back-off */
    bool last_bgrewrite_ok;
    long long base_size;           /* the base's size after the last load or rewrite */
    long long size_at_switch;      /* current_size of the files before the open incr */
} st = {.last_rewrite_time_sec = -1, .last_bgrewrite_ok = true};

static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t buf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *data;
    size_t len, cap;
    int db;              /* the database of the file's last SELECT, -1 none */
    long long appended;  /* offsets, see the top */
    int fd;              /* the incr file being appended to, -1 none */
    long long incr_size; /* bytes written to it */
    int write_errno;     /* the last write's error, 0 when fine */
    long long ts;        /* the second of the last "#TS:" annotation */
    bool oom;
} buf = {.db = -1, .fd = -1};
static atomic_llong appended, written, synced; /* appended: buf.appended, published */
static atomic_int write_errno_seen;
static long long last_fsync_ms; /* main thread */
static long long delayed_fsync;

static int fsync_policy(void)
{
    return (int)atomic_load(&server.cfg.appendfsync);
}

static void aof_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", st.dirname, name);
}

/* ---- the buffer ------------------------------------------------------------------- */

static bool buf_reserve(size_t more)
{
    if (buf.len + more <= buf.cap)
        return true;
    size_t cap = buf.cap ? buf.cap * 2 : 64 * 1024;
    while (cap < buf.len + more)
        cap *= 2;
    char *p = realloc(buf.data, cap);
    if (!p)
        return false;
    buf.data = p;
    buf.cap = cap;
    return true;
}

static void buf_add(const char *p, size_t n)
{
    if (!buf_reserve(n)) {
        buf.oom = true;
        return;
    }
    memcpy(buf.data + buf.len, p, n);
    buf.len += n;
    buf.appended += (long long)n;
}

static void buf_add_line(const struct resp_arg *argv, size_t argc)
{
    char head[32];
    buf_add(head, (size_t)snprintf(head, sizeof(head), "*%zu\r\n", argc));
    for (size_t i = 0; i < argc; i++) {
        buf_add(head, (size_t)snprintf(head, sizeof(head), "$%zu\r\n", argv[i].len));
        buf_add(argv[i].ptr, argv[i].len);
        buf_add("\r\n", 2);
    }
}

/* aof-timestamp-enabled: a "#TS:<unix time>" line before the first
 * command of each second, which redis-check-aof --truncate-to-timestamp
 * cuts at (Redis's genAofTimestampAnnotationIfNeeded). */
static int format_timestamp(char *out, size_t cap, long long now_s)
{
    return snprintf(out, cap, "#TS:%lld\r\n", now_s);
}

static void buf_add_timestamp(void)
{
    long long now = server_mstime() / 1000;
    if (now > buf.ts) {
        char line[32];
        buf.ts = now;
        buf_add(line, (size_t)format_timestamp(line, sizeof(line), now));
    }
}

void aof_feed(int db, const struct resp_arg *argv, size_t argc)
{
    pthread_mutex_lock(&buf_lock);
    if (atomic_load_explicit(&server.cfg.aof_timestamp_enabled, memory_order_relaxed))
        buf_add_timestamp();
    if (db >= 0 && db != buf.db) {
        char n[16];
        struct resp_arg sel[2] = {{"SELECT", 6}, {n, (size_t)snprintf(n, sizeof(n), "%d", db)}};
        buf_add_line(sel, 2);
        buf.db = db;
    }
    buf_add_line(argv, argc);
    atomic_store(&appended, buf.appended);
    pthread_mutex_unlock(&buf_lock);
}

/* ---- writing and fsync ------------------------------------------------------------ */

static int write_some(int fd, const char *p, size_t n, size_t *done)
{
    *done = 0;
    while (*done < n) {
        ssize_t w = write(fd, p + *done, n - *done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        *done += (size_t)w;
    }
    return 0;
}

static atomic_llong flush_sleep_us; /* DEBUG AOF-FLUSH-SLEEP */

void aof_set_flush_sleep(long long usec)
{
    atomic_store(&flush_sleep_us, usec);
}

/* write_lock held: the buffer to the file. 0 or -errno (the rest kept).
 * With DEBUG AOF-FLUSH-SLEEP, a write waits that long first, its writers
 * and their replies with it, as Redis's flushAppendOnlyFile sleeps. */
static int write_buffer(void)
{
    size_t done;
    int rc = 0;

    pthread_mutex_lock(&buf_lock);
    long long sleep_us = atomic_load(&flush_sleep_us);
    if (sleep_us > 0 && buf.fd >= 0 && buf.len > 0)
        usleep((useconds_t)sleep_us);
    if (buf.fd >= 0 && buf.len > 0) {
        rc = fault_hit(FAULT_AOF_WRITE) ? (done = 0, -ENOSPC)
                                        : write_some(buf.fd, buf.data, buf.len, &done);
        memmove(buf.data, buf.data + done, buf.len - done);
        buf.len -= done;
        buf.incr_size += (long long)done;
        atomic_fetch_add(&written, (long long)done);
    }
    if (rc < 0 && buf.write_errno == 0)
        log_warning("Error writing to the AOF file: %s", strerror(-rc));
    else if (rc == 0 && buf.write_errno != 0)
        log_warning("AOF write error looks solved, Redis can write again.");
    buf.write_errno = -rc;
    atomic_store(&write_errno_seen, -rc);
    pthread_mutex_unlock(&buf_lock);
    return rc;
}

/* write_lock held. synced only grows (a background fsync may finish late). */
static int sync_file(void)
{
    long long target = atomic_load(&written);
    if (atomic_load(&synced) >= target || buf.fd < 0)
        return 0;
    if (fdatasync(buf.fd) < 0) {
        int rc = -errno;
        log_warning("Can't persist the AOF to disk (fsync): %s", strerror(errno));
        return rc;
    }
    long long cur = atomic_load(&synced);
    while (cur < target && !atomic_compare_exchange_weak(&synced, &cur, target))
        ;
    return 0;
}

/* ---- latency events (latency.h) ------------------------------------------------------ */

static atomic_bool fsync_running; /* background_fsync is in fdatasync */

/* Milliseconds since `start_ns`, or -1 when the monitor was off (then
 * nothing read the clock: start_ns is 0). */
static long long elapsed_ms(long long start_ns)
{
    return start_ns ? (server_monotonic_ns() - start_ns) / 1000000 : -1;
}

static long long monitor_start(void)
{
    return latency_monitor_on() ? server_monotonic_ns() : 0;
}

/* Redis's flushAppendOnlyFile events: aof-write, and what else was going
 * on. Called holding no AOF lock: asking whether a fork child runs takes
 * snapshot.c's, which is taken before ours when a rewrite starts. */
static void note_write(long long ms)
{
    if (ms < 0)
        return;
    if (atomic_load(&fsync_running))
        latency_add_sample_if_needed("aof-write-pending-fsync", ms);
    else if (ms >= server.cfg.latency_monitor_threshold && snapshot_child_running())
        latency_add_sample_if_needed("aof-write-active-child", ms);
    else
        latency_add_sample_if_needed("aof-write-alone", ms);
    latency_add_sample_if_needed("aof-write", ms);
}

/* Write (and fsync when `sync`) at least up to `offset`. */
static void flush_to(long long offset, bool sync)
{
    long long write_ms = -1, fsync_ms = -1, t;
    if (atomic_load(&written) >= offset && (!sync || atomic_load(&synced) >= offset))
        return;
    pthread_mutex_lock(&write_lock);
    if (atomic_load(&written) < offset) {
        t = monitor_start();
        write_buffer();
        write_ms = elapsed_ms(t);
    }
    if (sync) {
        t = monitor_start();
        sync_file();
        fsync_ms = elapsed_ms(t);
    }
    pthread_mutex_unlock(&write_lock);
    note_write(write_ms);
    if (fsync_ms >= 0)
        latency_add_sample_if_needed("aof-fsync-always", fsync_ms);
}

bool aof_fsync_always(void)
{
    return fsync_policy() == FSYNC_ALWAYS;
}

void aof_before_replies(void)
{
    if (aof_on())
        flush_to(atomic_load(&appended), fsync_policy() == FSYNC_ALWAYS);
}

bool aof_writes_refused(void)
{
    return aof_on() && atomic_load_explicit(&write_errno_seen, memory_order_relaxed) != 0;
}

const char *aof_misconf_error(void)
{
    static _Thread_local char error[128];
    char text[64]; /* GNU strerror_r: the text is where it returns */
    const char *reason = strerror_r(atomic_load(&write_errno_seen), text, sizeof(text));
    snprintf(error, sizeof(error), "MISCONF Errors writing to the AOF file: %s", reason);
    return error;
}

/* ---- files ------------------------------------------------------------------------ */

/* The manifest m to disk: temporary name, fsync, rename, fsync of the dir. */
static int persist_manifest(const struct aof_manifest *m)
{
    char path[PATH_MAX], tmp[PATH_MAX], name[PATH_MAX / 4 + 16];
    char *text = aof_manifest_format(m);
    size_t done;
    int fd, rc;

    if (!text)
        return -ENOMEM;
    snprintf(name, sizeof(name), "%s.manifest", st.prefix);
    aof_path(path, sizeof(path), name);
    snprintf(tmp, sizeof(tmp), "%s/temp-%s", st.dirname, name);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    rc = fd < 0 ? -errno : write_some(fd, text, strlen(text), &done);
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (fd >= 0)
        close(fd);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc == 0)
        rc = fsutil_fsync_dir_of(path);
    if (rc < 0)
        log_warning("Can't write the AOF manifest file %s: %s", path, strerror(-rc));
    free(text);
    return rc;
}

static int open_incr(const char *name)
{
    char path[PATH_MAX];
    aof_path(path, sizeof(path), name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        log_warning("Can't open the append-only file %s: %s", name, strerror(errno));
    return fd;
}

static long long file_size(const char *name)
{
    char path[PATH_MAX];
    struct stat sb;
    aof_path(path, sizeof(path), name);
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

/* Every shard held (or no client yet): later appends go to fd, a file
 * that starts with no SELECT; the old one's bytes are written and synced. */
/* size_at_switch is read with buf.incr_size, under buf_lock. */
static void set_size_at_switch(long long bytes)
{
    pthread_mutex_lock(&buf_lock);
    st.size_at_switch = bytes;
    pthread_mutex_unlock(&buf_lock);
}

static void switch_fd(int fd)
{
    pthread_mutex_lock(&write_lock);
    write_buffer();
    sync_file();
    pthread_mutex_lock(&buf_lock);
    if (buf.fd >= 0)
        close(buf.fd);
    st.size_at_switch += buf.incr_size;
    buf.fd = fd;
    buf.incr_size = 0;
    buf.db = -1;
    if (buf.len > 0) { /* a failed write: those bytes belonged to the old file */
        log_warning("AOF: %zu bytes could not be written before the switch to a new file",
                    buf.len);
        buf.len = 0;
    }
    atomic_store(&written, buf.appended);
    atomic_store(&synced, buf.appended);
    pthread_mutex_unlock(&buf_lock);
    pthread_mutex_unlock(&write_lock);
}

static long long current_size(void)
{
    pthread_mutex_lock(&buf_lock);
    long long n = st.size_at_switch + buf.incr_size;
    pthread_mutex_unlock(&buf_lock);
    return n;
}

/* ---- loading ------------------------------------------------------------------------ */

struct loader {
    const char *name;
    const char *p;
    size_t len, pos;
    struct client c;
    size_t valid_up_to, valid_before_multi;
    size_t before; /* bytes of the files loaded before this one (progress) */
    struct resp_arg *argv;
    size_t argv_cap;
};

enum load_status { LOAD_OK, LOAD_TRUNCATED, LOAD_FAILED };

/* "<digits>\r\n" after a type byte at *pos; -1 truncated, -2 bad. */
static int read_count(struct loader *l, char type, long long *n)
{
    size_t i = l->pos;
    if (i >= l->len)
        return -1;
    if (l->p[i] != type)
        return -2;
    const char *nl = memchr(l->p + i, '\n', l->len - i);
    if (!nl)
        return -1;
    char tmp[24];
    size_t w = (size_t)(nl - (l->p + i + 1));
    if (w == 0 || w >= sizeof(tmp))
        return -2;
    memcpy(tmp, l->p + i + 1, w);
    tmp[w] = '\0';
    *n = strtoll(tmp, NULL, 10);
    l->pos = (size_t)(nl - l->p) + 1;
    return 0;
}

/* The next command's arguments into l->argv; 1 when one was read, 0 at
 * the end, -1 truncated, -2 bad format. */
static int read_command(struct loader *l, size_t *argc)
{
    long long n, blen;
    int rc;

    while (l->pos < l->len && l->p[l->pos] == '#') { /* annotations */
        const char *nl = memchr(l->p + l->pos, '\n', l->len - l->pos);
        if (!nl)
            return -1;
        l->pos = (size_t)(nl - l->p) + 1;
    }
    if (l->pos == l->len)
        return 0;
    if ((rc = read_count(l, '*', &n)) < 0)
        return rc;
    if (n < 1 || n > 1024 * 1024 * 1024)
        return -2;
    if ((size_t)n > l->argv_cap) {
        struct resp_arg *v = realloc(l->argv, (size_t)n * sizeof(*v));
        if (!v)
            return -2;
        l->argv = v;
        l->argv_cap = (size_t)n;
    }
    for (long long j = 0; j < n; j++) {
        if ((rc = read_count(l, '$', &blen)) < 0)
            return rc;
        if (blen < 0)
            return -2;
        if (l->len - l->pos < (size_t)blen + 2)
            return -1;
        l->argv[j] = (struct resp_arg){l->p + l->pos, (size_t)blen};
        l->pos += (size_t)blen + 2;
    }
    *argc = (size_t)n;
    return 1;
}

static void log_unexpected_eof(const char *name)
{
    log_warning("Unexpected end of file reading the append only file %s. You can: 1) Make a "
                "backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                "2) Alternatively you can set the 'aof-load-truncated' configuration option to "
                "yes and restart the server.", name);
}

/* A truncated tail: drop it (aof-load-truncated yes, last file only) or fail. */
static enum load_status truncated(struct loader *l, bool last)
{
    char path[PATH_MAX];
    if (!atomic_load(&server.cfg.aof_load_truncated) || !last) {
        log_unexpected_eof(l->name);
        return LOAD_FAILED;
    }
    aof_path(path, sizeof(path), l->name);
    log_warning("!!! Warning: short read while loading the AOF file %s!!!", l->name);
    log_warning("!!! Truncating the AOF %s at offset %zu !!!", l->name, l->valid_up_to);
    if (truncate(path, (off_t)l->valid_up_to) < 0) {
        log_warning("Error truncating the AOF file %s: %s", l->name, strerror(errno));
        return LOAD_FAILED;
    }
    log_warning("AOF %s loaded anyway because aof-load-truncated is enabled", l->name);
    return LOAD_TRUNCATED;
}

/* Run one command as the fake client; false (logged) if unknown. */
static bool replay(struct loader *l, size_t argc)
{
    if (!command_lookup(l->argv[0].ptr, l->argv[0].len)) {
        log_warning("Unknown command '%.*s' reading the append only file %s",
                    (int)(l->argv[0].len > 128 ? 128 : l->argv[0].len), l->argv[0].ptr, l->name);
        return false;
    }
    if (l->argv[0].len == 5 && strncasecmp(l->argv[0].ptr, "multi", 5) == 0)
        l->valid_before_multi = l->valid_up_to;
    command_execute(&l->c, l->argv, argc, server_mstime());
    resp_out_reset(&l->c.out);
    return true;
}

static enum load_status load_commands(struct loader *l, bool last)
{
    size_t argc;
    int rc;

    while ((rc = read_command(l, &argc)) == 1) {
        if (!replay(l, argc))
            return LOAD_FAILED;
        l->valid_up_to = l->pos;
        if (loading_key_done(l->before + l->pos)) { /* a shutdown: stop here */
            log_warning("AOF loading stopped at offset %zu of %s", l->pos, l->name);
            return LOAD_FAILED;
        }
    }
    if (rc == 0 && (l->c.flags & CLIENT_MULTI)) {
        log_warning("Revert incomplete MULTI/EXEC transaction in AOF file %s", l->name);
        l->valid_up_to = l->valid_before_multi;
        rc = -1;
    }
    if (rc == -1)
        return truncated(l, last);
    if (rc == -2) {
        log_warning("Bad file format reading the append only file %s (at offset %zu): make a "
                    "backup of your AOF file, then use ./redis-check-aof --fix "
                    "<filename.manifest>", l->name, l->valid_up_to);
        return LOAD_FAILED;
    }
    return LOAD_OK;
}

/* An RDB at the start of a file: the base, or an old-style AOF's preamble
 * (*consumed: where its commands start). */
static enum load_status load_rdb_base(const char *name, const void *data, size_t len,
                                      size_t *consumed)
{
    struct rdb_file_load_result res;
    bool old_style = strcmp(name, st.prefix) == 0;
    log_notice(old_style ? "Reading RDB preamble from AOF file..."
                         : "Reading RDB base file on AOF loading...");
    if (rdb_file_load(data, len, server.ks, cmd_member_hasher(), cmd_object_limits(),
                      server_mstime(), atomic_load(&server.cfg.rdbchecksum) != 0,
                      function_rdb_load_cb, NULL, &res) < 0) {
        log_warning("Error reading the RDB base file %s, AOF loading aborted: %s", name,
                    res.error);
        return LOAD_FAILED;
    }
    snapshot_log_loaded(&res);
    if (old_style)
        log_notice("Reading the remaining AOF tail...");
    *consumed = res.consumed;
    return LOAD_OK;
}

/* One file of the directory; `last`: a truncated tail may be dropped.
 * *before: the bytes of the files loaded before it (progress), to which
 * it adds its own. */
static enum load_status load_file(const char *name, bool last, size_t *before)
{
    char path[PATH_MAX];
    struct loader l = {.name = name, .valid_before_multi = 0, .before = *before};
    struct stat sb;
    enum load_status rc;
    long long t0 = server_monotonic_ns();
    void *data;
    int fd;

    aof_path(path, sizeof(path), name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) < 0) {
        log_warning("Fatal error: can't open the append log file %s for reading: %s", name,
                    strerror(errno));
        if (fd >= 0)
            close(fd);
        return LOAD_FAILED;
    }
    if (sb.st_size == 0) {
        close(fd);
        return LOAD_OK;
    }
    *before += (size_t)sb.st_size; /* the next file's progress starts past this one */
    data = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (data == MAP_FAILED) {
        log_warning("Unrecoverable error reading the append only file %s: %s", name,
                    strerror(errno));
        return LOAD_FAILED;
    }
    rc = LOAD_OK;
    if (sb.st_size >= 5 && memcmp(data, "REDIS", 5) == 0)
        rc = load_rdb_base(name, data, (size_t)sb.st_size, &l.pos);
    if (rc == LOAD_OK && l.pos < (size_t)sb.st_size) {
        l.p = data;
        l.len = (size_t)sb.st_size;
        l.valid_up_to = l.valid_before_multi = l.pos;
        struct worker *w = worker_current(); /* DEBUG LOADAOF: the caller's loop counts */
        client_init(&l.c, NULL, w ? w->stats : stats_of_loader(), NULL, server_mstime());
        l.c.authenticated = true;
        l.c.flags |= CLIENT_REPLAY;
        /* Nothing expires while loading, as in Redis: the commands after a
         * key's time passed found it live when they were written. */
        keyspace_obey_begin(server.ks);
        rc = load_commands(&l, last);
        keyspace_obey_end(server.ks);
        command_client_leave(&l.c);
        client_deinit(&l.c);
        free(l.argv);
    }
    munmap(data, (size_t)sb.st_size);
    if (rc != LOAD_FAILED)
        log_notice("DB loaded from %s file %s: %.3f seconds",
                   st.manifest.base && strcmp(name, st.manifest.base->name) == 0 ? "base"
                                                                                 : "incr",
                   name, (double)(server_monotonic_ns() - t0) / 1e9);
    return rc;
}

/* The i-th file of st.manifest, base first. */
static const char *manifest_file(size_t i)
{
    if (st.manifest.base && i-- == 0)
        return st.manifest.base->name;
    return st.manifest.incr[i].name;
}

/* Every file of st.manifest, base first, as one load for INFO's loading_*
 * fields (and key-load-delay per command, as Redis's debugDelay). 0 or -1
 * (logged). */
static int load_files(void)
{
    size_t files = (st.manifest.base ? 1 : 0) + st.manifest.nincr, bytes = 0, done = 0;
    for (size_t i = 0; i < files; i++)
        bytes += (size_t)file_size(manifest_file(i));
    loading_begin(bytes);
    for (size_t i = 0; i < files; i++)
        if (load_file(manifest_file(i), i + 1 == files, &done) == LOAD_FAILED)
            return -1;
    return 0;
}

/* st.manifest from the directory; 1 loaded, 0 none there, -1 bad (logged). */
static int read_manifest(void)
{
    char path[PATH_MAX], name[PATH_MAX / 4 + 16], err[512];
    struct stat sb;
    int fd, rc;

    snprintf(name, sizeof(name), "%s.manifest", st.prefix);
    aof_path(path, sizeof(path), name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0;
    if (fd < 0 || fstat(fd, &sb) < 0) {
        log_warning("Fatal error: can't open the AOF manifest file %s for reading: %s", path,
                    strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char *text = malloc((size_t)sb.st_size + 1);
    ssize_t got = text ? read(fd, text, (size_t)sb.st_size) : -1;
    close(fd);
    rc = got == sb.st_size ? aof_manifest_parse(&st.manifest, text, (size_t)got, err, sizeof(err))
                           : -1;
    free(text);
    if (rc < 0) {
        log_warning("*** FATAL AOF MANIFEST FILE ERROR *** %s: %s", path,
                    got == sb.st_size ? err : "Read AOF manifest failed");
        return -1;
    }
    return 1;
}

static void cache_names(void)
{
    config_lock();
    snprintf(st.dirname, sizeof(st.dirname), "%s", server.cfg.appenddirname);
    snprintf(st.prefix, sizeof(st.prefix), "%s", server.cfg.appendfilename);
    config_unlock();
}

/* An empty command base (the dataset is empty at start-up), fsynced. */
static int write_empty(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 || fsync(fd) < 0 ? -errno : 0;
    if (fd >= 0)
        close(fd);
    if (rc == 0)
        rc = fsutil_fsync_dir_of(path);
    return rc;
}

/* The base of the (empty) dataset, written in the foreground, and a first
 * incr file: Redis 7.0's start without an AOF. */
static int create_first_files(void)
{
    const char *base, *incr;
    char path[PATH_MAX];
    struct aof_manifest m;

    bool rdb = atomic_load(&server.cfg.aof_use_rdb_preamble) != 0;
    aof_manifest_init(&m);
    if (aof_manifest_new_base(&m, st.prefix, rdb, &base) < 0 ||
        aof_manifest_new_incr(&m, st.prefix, &incr) < 0)
        goto fail;
    aof_path(path, sizeof(path), base);
    if (rdb ? snapshot_write_rdb(path) < 0 : write_empty(path) < 0)
        goto fail;
    log_notice("Creating AOF base file %s on server start", base);
    int fd = open_incr(incr);
    if (fd < 0)
        goto fail;
    log_notice("Creating AOF incr file %s on server start", incr);
    if (persist_manifest(&m) < 0) {
        close(fd);
        goto fail;
    }
    aof_manifest_deinit(&st.manifest);
    st.manifest = m;
    st.base_size = file_size(base);
    set_size_at_switch(st.base_size);
    switch_fd(fd);
    return 0;
fail:
    aof_manifest_deinit(&m);
    return -1;
}

/* After loading: append to the last incr file (a new one if none). */
static int open_for_append(void)
{
    const char *name;
    bool fresh = st.manifest.nincr == 0;

    if (fresh && aof_manifest_new_incr(&st.manifest, st.prefix, &name) < 0)
        return -1;
    name = st.manifest.incr[st.manifest.nincr - 1].name;
    int fd = open_incr(name);
    if (fd >= 0)
        log_notice("%s AOF incr file %s on server start", fresh ? "Creating" : "Opening", name);
    if (fd < 0 || (fresh && persist_manifest(&st.manifest) < 0)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    st.base_size = st.manifest.base ? file_size(st.manifest.base->name) : 0;
    long long before = st.base_size;
    for (size_t i = 0; i + 1 < st.manifest.nincr; i++)
        before += file_size(st.manifest.incr[i].name);
    set_size_at_switch(before);
    switch_fd(fd);
    pthread_mutex_lock(&buf_lock);
    buf.incr_size = file_size(name);
    pthread_mutex_unlock(&buf_lock);
    return 0;
}

/* Redis 7.0's aofUpgradePrepare: an AOF of an older Redis, a single file
 * `appendfilename` in dir, becomes the base of a new directory (the
 * manifest first, then the file moved in: a crash between the two only
 * repeats the upgrade). */
static int upgrade_old_aof(void)
{
    char path[PATH_MAX];
    struct aof_manifest m;
    const char *name;

    if (fsutil_mkdir(st.dirname) < 0) {
        log_warning("Can't open or create append-only dir %s: %s", st.dirname, strerror(errno));
        return -1;
    }
    aof_manifest_init(&m);
    if (aof_manifest_new_base(&m, st.prefix, true, &name) < 0) {
        aof_manifest_deinit(&m);
        return -1;
    }
    free(m.base->name);
    if (!(m.base->name = strdup(st.prefix)) || persist_manifest(&m) < 0) {
        aof_manifest_deinit(&m);
        return -1;
    }
    aof_path(path, sizeof(path), st.prefix);
    if (rename(st.prefix, path) < 0) {
        log_warning("Error trying to rename the old AOF file %s into dir %s: %s", st.prefix,
                    st.dirname, strerror(errno));
        aof_manifest_deinit(&m);
        return -1;
    }
    fsutil_fsync_dir_of(path);
    log_notice("Successfully migrated an old-style AOF into the AOF directory %s.", st.dirname);
    aof_manifest_deinit(&st.manifest);
    st.manifest = m;
    return 1;
}

/* The old single file exists and the directory does not describe it yet. */
static bool old_aof_present(int have_manifest)
{
    char path[PATH_MAX];
    struct stat sb;

    if (stat(st.prefix, &sb) < 0 || !S_ISREG(sb.st_mode))
        return false;
    if (have_manifest <= 0 || (!st.manifest.base && st.manifest.nincr == 0))
        return true;
    aof_path(path, sizeof(path), st.prefix);
    return st.manifest.base && st.manifest.nincr == 0 &&
           strcmp(st.manifest.base->name, st.prefix) == 0 && stat(path, &sb) < 0;
}

/* Open the file to append to, under state_lock: the start-up load runs on
 * the loader thread while the loops answer INFO (aof_get_info). */
static int locked(int (*open_files)(void))
{
    pthread_mutex_lock(&state_lock);
    int rc = open_files();
    pthread_mutex_unlock(&state_lock);
    return rc;
}

static int load_and_open(void)
{
    long long t0 = server_monotonic_ns();
    int rc = read_manifest();

    if (rc < 0)
        return -1;
    if (old_aof_present(rc) && (rc = upgrade_old_aof()) < 0)
        return -1;
    if (rc == 1 && (st.manifest.base || st.manifest.nincr > 0)) {
        if (load_files() < 0)
            return -1;
        log_notice("DB loaded from append only file: %.3f seconds",
                   (double)(server_monotonic_ns() - t0) / 1e9);
        return locked(open_for_append);
    }
    if (fsutil_mkdir(st.dirname) < 0) {
        log_warning("Can't open or create append-only dir %s: %s", st.dirname,
                    strerror(errno));
        return -1;
    }
    return locked(create_first_files);
}

int aof_load_at_startup(void)
{
    cache_names();
    propagate_init();
    if (load_and_open() < 0)
        return -1;
    aof_collect_history();
    atomic_store(&aof__on, true);
    last_fsync_ms = server_mstime();
    return 0;
}

int aof_read_manifest_at_startup(void)
{
    cache_names();
    pthread_mutex_lock(&state_lock);
    int rc = read_manifest();
    pthread_mutex_unlock(&state_lock);
    if (rc > 0)
        aof_collect_history();
    return rc < 0 ? -1 : 0;
}

/* ---- rewriting ------------------------------------------------------------------------ */

/* Redis's getTempIncrAofName. */
static void temp_incr_name(char *out, size_t cap)
{
    snprintf(out, cap, "temp-%s.incr", st.prefix);
}

/* The rewrite that turns the AOF on appends to a temporary incr file,
 * which joins the manifest only when the rewrite succeeds (Redis's
 * AOF_WAIT_REWRITE): until then the directory describes what it did
 * before, and a crash restarts from that. */
static int open_temp_incr(void)
{
    char name[PATH_MAX / 4 + 16], path[PATH_MAX];
    temp_incr_name(name, sizeof(name));
    aof_path(path, sizeof(path), name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int rc = -errno;
        log_warning("Can't open the append-only file %s: %s", name, strerror(errno));
        return rc;
    }
    log_notice("Creating AOF incr file %s on background rewrite", name);
    st.temp_incr = true;
    switch_fd(fd);
    atomic_store(&aof__on, true);
    notify_refresh_events();
    return 0;
}

/* Every shard held, just before fork: open the next incr file, recorded in
 * the manifest on disk at once (Redis's openNewIncrAofForAppend), and
 * append there from now on. With the AOF off the rewrite writes only a
 * base; the one that turns it on, a temporary incr. */
static int rewrite_at_fork(void *ud)
{
    const char *name;
    struct aof_manifest m;
    int fd;

    (void)ud;
    if (st.enabling)
        return open_temp_incr();
    if (!aof_on())
        return 0;
    if (aof_manifest_copy(&m, &st.manifest) < 0 ||
        aof_manifest_new_incr(&m, st.prefix, &name) < 0)
        return -ENOMEM;
    fd = open_incr(name);
    if (fd < 0 || persist_manifest(&m) < 0) {
        int rc = fd < 0 ? -errno : -EIO;
        if (fd >= 0)
            close(fd);
        aof_manifest_deinit(&m);
        return rc;
    }
    log_notice("Creating AOF incr file %s on background rewrite", name);
    aof_manifest_deinit(&st.manifest);
    st.manifest = m;
    switch_fd(fd);
    return 0;
}

static void delete_history(const struct aof_manifest *m)
{
    for (size_t i = 0; i < m->nhistory; i++) {
        char path[PATH_MAX];
        aof_path(path, sizeof(path), m->history[i].name);
        if (unlink(path) == 0)
            log_notice("Removing the history file %s in the background", m->history[i].name);
    }
}

/* Redis's aofDelHistoryFiles: unless aof-disable-auto-gc, the history
 * files go and the manifest forgets them. */
static void collect_history(void)
{
    if (st.manifest.nhistory == 0 || atomic_load(&server.cfg.aof_disable_auto_gc))
        return;
    delete_history(&st.manifest);
    aof_manifest_clear_history(&st.manifest);
    persist_manifest(&st.manifest);
}

void aof_collect_history(void)
{
    pthread_mutex_lock(&state_lock);
    collect_history();
    pthread_mutex_unlock(&state_lock);
}

static void rename_failed(const char *what, const char *from, const char *to)
{
    log_warning("Error trying to rename the temporary AOF %s file %s into %s: %s", what, from, to,
                strerror(errno));
}

/* The child's base is complete: make it the base, and the temporary incr
 * (if the rewrite turns the AOF on) the incr after it; the older files
 * become history, all of them when the AOF is off. */
static int install_base(void)
{
    char base_path[PATH_MAX], temp_incr[PATH_MAX / 4 + 16], temp_path[PATH_MAX],
        incr_path[PATH_MAX];
    const char *base, *incr = NULL, *temp_base = strrchr(st.temp_base, '/') + 1;
    struct aof_manifest m;
    int rc = -ENOMEM;

    if (aof_manifest_copy(&m, &st.manifest) < 0)
        return -ENOMEM;
    if (aof_manifest_new_base(&m, st.prefix, st.base_rdb, &base) < 0 ||
        (st.temp_incr && aof_manifest_new_incr(&m, st.prefix, &incr) < 0) ||
        aof_manifest_incr_to_history(&m, aof_on() ? 1 : 0) < 0)
        goto fail;
    aof_path(base_path, sizeof(base_path), base);
    if (rename(st.temp_base, base_path) < 0) {
        rc = -errno;
        rename_failed("base", temp_base, base);
        goto fail;
    }
    log_notice("Successfully renamed the temporary AOF base file %s into %s", temp_base, base);
    if (incr) {
        temp_incr_name(temp_incr, sizeof(temp_incr));
        aof_path(temp_path, sizeof(temp_path), temp_incr);
        aof_path(incr_path, sizeof(incr_path), incr);
        if (rename(temp_path, incr_path) < 0) {
            rc = -errno;
            rename_failed("incr", temp_incr, incr);
            unlink(base_path);
            goto fail;
        }
        log_notice("Successfully renamed the temporary AOF incr file %s into %s", temp_incr,
                   incr);
    }
    if ((rc = persist_manifest(&m)) < 0) {
        unlink(base_path);
        if (incr && rename(incr_path, temp_path) < 0) /* the failure path removes it */
            unlink(incr_path);
        goto fail;
    }
    st.temp_incr = false;
    aof_manifest_deinit(&st.manifest);
    st.manifest = m;
    collect_history();
    st.base_size = file_size(base);
    set_size_at_switch(st.base_size);
    return 0;
fail:
    aof_manifest_deinit(&m);
    return rc;
}

/* Appends stop; every shard is held while the switch happens, so no
 * command is half in the file. */
static void stop_appending(void)
{
    keyspace_lock_all(server.ks);
    atomic_store(&aof__on, false);
    notify_refresh_events();
    keyspace_unlock_all(server.ks);
    switch_fd(-1);
}

/* A rewrite that was to turn the AOF on failed: what it appended goes,
 * and nothing is appended until the next try forks (Redis keeps no buffer
 * while no rewrite child runs: the child's snapshot will hold the data). */
static void drop_temp_incr(void)
{
    char name[PATH_MAX / 4 + 16], path[PATH_MAX];
    temp_incr_name(name, sizeof(name));
    log_notice("Removing the temp incr aof file %s in the background", name);
    stop_appending();
    aof_path(path, sizeof(path), name);
    unlink(path);
    st.temp_incr = false;
}

enum { OUTCOME_NONE, OUTCOME_OK, OUTCOME_FAILED, OUTCOME_KILLED };
static atomic_int rewrite_outcome;

/* snapshot's cron or kill, with snapshot's state lock held: only noted
 * here, since this module's lock comes before snapshot's (a BGREWRITEAOF
 * holds it while it forks); reap_rewrite acts on it. */
static void rewrite_done(bool ok, bool killed, void *ud)
{
    (void)ud;
    atomic_store(&rewrite_outcome, ok ? OUTCOME_OK : killed ? OUTCOME_KILLED : OUTCOME_FAILED);
}

/* state_lock held: a finished rewrite's outcome, if there is one. */
static void reap_rewrite(void)
{
    int outcome = atomic_exchange(&rewrite_outcome, OUTCOME_NONE);
    bool killed = outcome == OUTCOME_KILLED;

    if (outcome == OUTCOME_NONE)
        return;
    if (outcome == OUTCOME_OK && install_base() == 0) {
        log_notice("Background AOF rewrite terminated with success");
        log_notice("Background AOF rewrite finished successfully");
        st.last_bgrewrite_ok = true;
        st.consecutive_failures = 0;
        st.enabling = false;
    } else {
        unlink(st.temp_base);
        if (st.temp_incr)
            drop_temp_incr();
        if (killed) {
            log_warning("Background AOF rewrite terminated by signal");
        } else {
            log_warning("Background AOF rewrite terminated with error");
            st.last_bgrewrite_ok = false;
            st.consecutive_failures++;
        }
        st.scheduled = st.enabling && !killed; /* CONFIG SET appendonly yes tries again */
    }
    st.last_rewrite_time_sec = (server_mstime() - st.rewrite_start_ms) / 1000;
    st.rewriting = false;
}

/* state_lock held. */
/* ---- a base of commands (aof-use-rdb-preamble no) ---------------------------------------- */

struct base_sink {
    int fd, err;
    size_t len;
    char buf[64 * 1024];
};

static int base_sink_cb(void *ud, const void *p, size_t n)
{
    struct base_sink *s = ud;
    size_t done;
    if (s->len + n > sizeof(s->buf)) {
        if ((s->err = write_some(s->fd, s->buf, s->len, &done)) < 0)
            return -1;
        s->len = 0;
    }
    if (n > sizeof(s->buf))
        return (s->err = write_some(s->fd, p, n, &done)) < 0 ? -1 : 0;
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

/* The rewrite child (every shard its own): the libraries, then every
 * database as commands, fsynced. 0 or -1. */
static int write_command_base(void *ud)
{
    struct base_sink *s = malloc(sizeof(*s));
    size_t done;
    int rc = 0;

    (void)ud;
    if (!s || (s->fd = open(st.temp_base, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        return -1;
    s->len = 0;
    if (atomic_load(&server.cfg.aof_timestamp_enabled)) {
        char line[32];
        int n = format_timestamp(line, sizeof(line), server_mstime() / 1000);
        rc = base_sink_cb(s, line, (size_t)n);
    }
    if (rc == 0 && st.functions.len > 0)
        rc = base_sink_cb(s, st.functions.data, st.functions.len);
    for (unsigned db = 0; rc == 0 && db < keyspace_databases(server.ks); db++)
        rc = aof_rewrite_db(server.ks, db, server_mstime(), base_sink_cb, s);
    if (rc == 0 && write_some(s->fd, s->buf, s->len, &done) < 0)
        rc = -1;
    if (rc == 0 && fsync(s->fd) < 0)
        rc = -1;
    close(s->fd);
    free(s);
    return rc;
}

static void add_function_load(const char *code, size_t len, void *ud)
{
    const char *argv[] = {"FUNCTION", "LOAD", code};
    const size_t lens[] = {8, 4, len};
    aof_rewrite_command(rdb_buf_sink_cb, ud, argv, lens, 3);
}

/* state_lock held. */
static int start_rewrite_locked(void)
{
    struct snapshot_child ch = {.at_fork = rewrite_at_fork, .done = rewrite_done,
                                .rdb_path = st.temp_base};
    int rc;

    if (st.rewriting)
        return -EBUSY;
    if (st.dirname[0] == '\0') /* the AOF was never on: nothing read them yet */
        cache_names();
    if (fsutil_mkdir(st.dirname) < 0)
        return -errno;
    snprintf(st.temp_base, sizeof(st.temp_base), "%s/temp-rewriteaof-bg-%d.aof", st.dirname,
             (int)getpid());
    st.base_rdb = atomic_load(&server.cfg.aof_use_rdb_preamble) != 0;
    if (!st.base_rdb) {
        ch.run = write_command_base;
        script_lock();
        function_foreach_code(add_function_load, &st.functions);
        script_unlock();
    }
    st.rewriting = true; /* before the fork: its done may come at once */
    st.rewrite_start_ms = server_mstime();
    rc = snapshot_fork_child(&ch);
    rdb_buf_deinit(&st.functions); /* the child has its copy */
    if (rc == 0) {
        st.rewrites++;
        st.scheduled = false;
        log_notice("Background append only file rewriting started");
        return 0;
    }
    st.rewriting = false;
    if (rc == -EAGAIN)
        st.scheduled = true;
    else
        log_warning("Can't rewrite append only file in background: %s", strerror(-rc));
    return rc;
}

void aof_schedule_rewrite(void)
{
    pthread_mutex_lock(&state_lock);
    st.scheduled = true;
    pthread_mutex_unlock(&state_lock);
}

int aof_rewrite_background(void)
{
    pthread_mutex_lock(&state_lock);
    int rc = start_rewrite_locked();
    pthread_mutex_unlock(&state_lock);
    return rc;
}

/* Redis's aofRewriteLimited: after 3 failed rewrites in a row, automatic
 * ones wait 1, 2, 4... minutes (at most an hour) between tries, so a disk
 * that fails does not get a fork a second. BGREWRITEAOF is not held. */
static bool auto_rewrite_limited(long long now_s)
{
    if (st.consecutive_failures < 3) {
        st.limit_minutes = 0;
        st.limit_until_s = 0;
        return false;
    }
    if (st.limit_until_s != 0) {
        if (now_s < st.limit_until_s)
            return true;
        st.limit_until_s = 0;
        return false;
    }
    st.limit_minutes = st.limit_minutes == 0 ? 1 : st.limit_minutes * 2;
    if (st.limit_minutes > 60)
        st.limit_minutes = 60;
    st.limit_until_s = now_s + st.limit_minutes * 60;
    log_warning("Background AOF rewrite has repeatedly failed and triggered the limit, will "
                "retry in %lld minutes",
                st.limit_minutes);
    return true;
}

static bool auto_rewrite_due(void)
{
    long long perc = atomic_load(&server.cfg.auto_aof_rewrite_percentage);
    long long min = atomic_load(&server.cfg.auto_aof_rewrite_min_size);
    long long size = current_size(), base = st.base_size ? st.base_size : 1;

    if (!aof_on() || st.enabling || perc == 0 || size <= min)
        return false;
    long long growth = (size * 100 / base) - 100;
    if (growth < perc || auto_rewrite_limited(server_mstime() / 1000))
        return false;
    log_notice("Starting automatic rewriting of AOF on %lld%% growth", growth);
    return true;
}

/* everysec: fsync a duplicate of the descriptor outside write_lock, so
 * the loops' writes do not wait for the disk (Redis's background fsync). */
static void background_fsync(void)
{
    pthread_mutex_lock(&write_lock);
    long long target = atomic_load(&written);
    int fd = atomic_load(&synced) < target && buf.fd >= 0 ? dup(buf.fd) : -1;
    pthread_mutex_unlock(&write_lock);
    if (fd < 0)
        return;
    atomic_store(&fsync_running, true);
    int rc = fdatasync(fd);
    atomic_store(&fsync_running, false);
    if (rc == 0) {
        long long cur = atomic_load(&synced);
        while (cur < target && !atomic_compare_exchange_weak(&synced, &cur, target))
            ;
    } else {
        log_warning("Can't persist the AOF to disk (fsync): %s", strerror(errno));
    }
    close(fd);
}

void aof_cron(long long now_ms)
{
    if (aof_on()) {
        long long t = monitor_start();
        pthread_mutex_lock(&write_lock);
        write_buffer();
        pthread_mutex_unlock(&write_lock);
        note_write(elapsed_ms(t));
        if (fsync_policy() == FSYNC_EVERYSEC && now_ms - last_fsync_ms >= 1000) {
            background_fsync();
            last_fsync_ms = now_ms;
        }
    }
    pthread_mutex_lock(&state_lock);
    reap_rewrite();
    if (!st.rewriting && !snapshot_child_running() && (st.scheduled || auto_rewrite_due()))
        start_rewrite_locked();
    pthread_mutex_unlock(&state_lock);
}

/* ---- switching on and off, shutdown ------------------------------------------------------ */

/* state_lock held, let go while the rewrite child is killed (SIGUSR1:
 * not a failure) and its outcome taken. */
static void kill_rewrite_locked(void)
{
    pthread_mutex_unlock(&state_lock);
    snapshot_kill_child();
    pthread_mutex_lock(&state_lock);
    reap_rewrite();
}

/* state_lock held. The rewrite that turns the AOF on; with another child
 * running, or inside EXEC (no fork in the middle of a transaction), the
 * cron starts it later, as Redis's startAppendOnly. */
static int start_enabling_locked(bool in_exec, char *reason, size_t cap)
{
    st.enabling = true;
    int rc = snapshot_child_running() && !st.rewriting ? -EAGAIN : 0;
    if (rc == 0 && in_exec) {
        st.scheduled = true;
        log_warning("AOF was enabled during a transaction. An AOF background was scheduled "
                    "to start when possible.");
        return 0;
    }
    if (rc == 0)
        rc = start_rewrite_locked();
    if (rc == -EAGAIN) {
        st.scheduled = true;
        log_warning("AOF was enabled but there is already another background operation. "
                    "An AOF background was scheduled to start when possible.");
        return 0;
    }
    if (rc < 0) {
        st.enabling = false;
        snprintf(reason, cap, "Failed to start the AOF: %s", strerror(-rc));
    }
    return rc;
}

int aof_set_enabled(bool on, bool in_exec, char *reason, size_t cap)
{
    int rc = 0;

    pthread_mutex_lock(&state_lock);
    propagate_init();
    if (on && !aof_on() && !st.enabling) {
        if (st.rewriting && !in_exec) { /* a BGREWRITEAOF with the AOF off: start over */
            log_warning("AOF was enabled but there is already an AOF rewriting in background. "
                        "Stopping background AOF and starting a rewrite now.");
            kill_rewrite_locked();
        }
        rc = start_enabling_locked(in_exec, reason, cap);
    } else if (!on && (aof_on() || st.enabling)) {
        st.enabling = false;
        st.scheduled = false;
        if (st.rewriting) { /* the one child is ours: stop it (a BGSAVE is left alone) */
            log_notice("Killing running AOF rewrite child: %ld", snapshot_child_pid());
            kill_rewrite_locked();
        }
        stop_appending();
    }
    pthread_mutex_unlock(&state_lock);
    return rc;
}

bool aof_writing_initial(void)
{
    pthread_mutex_lock(&state_lock);
    bool enabling = st.enabling;
    pthread_mutex_unlock(&state_lock);
    return enabling;
}

int aof_shutdown_flush(void)
{
    int rc;

    pthread_mutex_lock(&state_lock);
    reap_rewrite(); /* a rewrite the shutdown stopped leaves no temporary file */
    pthread_mutex_unlock(&state_lock);
    if (!aof_on())
        return 0;
    log_notice("Calling fsync() on the AOF file.");
    pthread_mutex_lock(&write_lock);
    rc = write_buffer();
    if (rc == 0)
        rc = sync_file();
    pthread_mutex_unlock(&write_lock);
    return rc;
}

/* With the AOF off, DEBUG LOADAOF loads what a BGREWRITEAOF left in the
 * directory, as Redis does: the manifest is read again from disk. Where
 * there is none Redis exits; Grove keeps its data and says so. */
static int manifest_from_disk(char *err, size_t cap)
{
    cache_names();
    pthread_mutex_lock(&state_lock);
    aof_manifest_deinit(&st.manifest);
    int rc = read_manifest();
    bool found = rc == 1 && (st.manifest.base || st.manifest.nincr > 0);
    if (!found)
        snprintf(err, cap, rc < 0 ? "the AOF manifest in %s is unreadable" : "no AOF files in %s",
                 st.dirname);
    pthread_mutex_unlock(&state_lock);
    return found ? 0 : -1;
}

int aof_debug_loadaof(char *err, size_t cap)
{
    int rc;

    if (!aof_on() && manifest_from_disk(err, cap) < 0)
        return -1;
    if (aof_on() && aof_shutdown_flush() < 0) {
        snprintf(err, cap, "Error flushing the AOF");
        return -1;
    }
    keyspace_flushall(server.ks, NULL);
    tracking_flushed();
    function_flush();
    propagate_suspend_thread(true);
    pthread_mutex_lock(&state_lock);
    rc = load_files();
    pthread_mutex_unlock(&state_lock);
    propagate_suspend_thread(false);
    if (rc < 0)
        snprintf(err, cap, "Error loading the AOF (see the log)");
    return rc;
}

void aof_get_info(struct aof_info *out)
{
    long long now = server_mstime();

    pthread_mutex_lock(&state_lock);
    *out = (struct aof_info){
        .enabled = aof_on() || st.enabling,
        .rewrite_in_progress = st.rewriting,
        .rewrite_scheduled = st.scheduled,
        .last_rewrite_time_sec = st.last_rewrite_time_sec,
        .current_rewrite_time_sec = st.rewriting ? (now - st.rewrite_start_ms) / 1000 : -1,
        .last_bgrewrite_ok = st.last_bgrewrite_ok,
        .last_write_ok = atomic_load(&write_errno_seen) == 0,
        .rewrites = st.rewrites,
        .rewrites_consecutive_failures = st.consecutive_failures,
        .base_size = st.base_size,
        .delayed_fsync = delayed_fsync,
    };
    pthread_mutex_unlock(&state_lock);
    pthread_mutex_lock(&buf_lock);
    out->current_size = st.size_at_switch + buf.incr_size;
    out->buffer_length = (long long)buf.len;
    pthread_mutex_unlock(&buf_lock);
    out->pending_fsync = atomic_load(&synced) < atomic_load(&written);
}
