/*
 * replication.c - the master side of replication: the stream and its
 * backlog, the replicas' records, full syncs and WAIT's acks; see
 * replication.h for the design.
 *
 * A replica's record goes through these states (Redis's SLAVE_STATE_*):
 *
 *   HANDSHAKE --PSYNC/SYNC--> WAIT_BGSAVE --cut--> WAIT_RDB --child done-->
 *   SEND_RDB --last RDB byte handed over--> ONLINE
 *   HANDSHAKE --PSYNC within the backlog--> ONLINE
 *   (diskless: WAIT_RDB --pipe's end--> WAIT_ACK --first ACK--> ONLINE)
 *   REPLCONF rdb-only: ... --RDB handed over--> RDB_DONE, closed once sent
 *
 * HANDSHAKE records only hold what REPLCONF said; from WAIT_RDB on the
 * record gets every byte of the stream after its cut. The record belongs
 * to the module (its lock) but is created, freed and read from the file
 * only by the replica's own loop, so that loop may use its pointer
 * without the lock; other threads reach it only under the lock.
 *
 * Offsets are Redis's: the stream's byte k (from 1) sits in the backlog's
 * ring at (k - 1) % size; a replica that asks to continue from k needs
 * bytes k..offset.
 */
#include "replication.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blocking.h"
#include "client.h"
#include "config.h"
#include "log.h"
#include "notify.h"
#include "repl_backlog.h"
#include "propagate.h"
#include "repl_replica.h"
#include "server.h"
#include "snapshot.h"
#include "worker.h"

#define REPL_FILL_SLICE (64 * 1024) /* a connection is topped up below this */
#define REPL_IP_LEN 46
#define OBUF_REPLICA_CLASS 1
#define REPL_BACKLOG_MIN_SIZE (16 * 1024) /* Redis's CONFIG_REPL_BACKLOG_MIN_SIZE */
#define REPL_PIPE_READ (64 * 1024)        /* a diskless RDB is read from the child so */
#define REPL_PIPE_AHEAD (1024 * 1024)     /* ...while no replica has this much not yet taken */

enum replica_state {
    REPLICA_HANDSHAKE,   /* REPLCONF seen, no sync asked yet */
    REPLICA_WAIT_BGSAVE, /* waits for the fork slot */
    REPLICA_WAIT_RDB,    /* cut taken, the child writes the RDB */
    REPLICA_SEND_RDB,    /* its loop sends the file */
    REPLICA_WAIT_ACK,    /* diskless: the RDB went; the stream waits for its first ACK */
    REPLICA_ONLINE,      /* streaming */
    REPLICA_RDB_DONE,    /* rdb-only: its RDB is out, it is closed once sent */
};

static const char *const state_names[] = {"handshake", "wait_bgsave", "wait_bgsave", "send_bulk",
                                          "online",    "online",      "rdb_transmitted"};

struct replica {
    uint64_t client_id;
    struct worker *worker;
    enum replica_state state;
    char addr[CLIENT_ADDR_LEN];     /* the client's ip:port, for the log */
    char peer_ip[REPL_IP_LEN];
    char announced_ip[REPL_HOST_LEN]; /* REPLCONF ip-address, "" when none */
    long long listening_port;
    bool capa_eof, capa_psync2;
    unsigned rdb_request;        /* REPL_RDB_* */
    bool rdb_complete;           /* all of its RDB is in head or handed over */
    bool old_sync;               /* SYNC: no +FULLRESYNC line */
    bool diskless;               /* its RDB comes down the child's pipe, into head */
    long long wait_since_ms;     /* WAIT_BGSAVE since (repl-diskless-sync-delay) */
    struct resp_out head;        /* what goes before the stream: the sync reply, $len */
    struct resp_out stream;      /* stream bytes not yet handed to the loop */
    unsigned gen;                /* the full sync (child) it waits for */
    int rdb_fd;                  /* SEND_RDB: the owner loop's */
    long long rdb_left;
    long long ack_off, ack_ms;
    size_t conn_pending;         /* its connection's unsent bytes, at the last fill */
    long long soft_since_ms;     /* over the soft limit since, 0: under it */
    bool closing, wake_posted;
};

struct wait_entry {
    uint64_t client_id;
    long long offset, numreplicas;
};

atomic_bool repl__feeding;
static atomic_llong good_replicas; /* online, acked within min-replicas-max-lag */
static atomic_llong syncs_full, syncs_partial_ok, syncs_partial_err; /* INFO stats */
static atomic_bool pings_held; /* repl_hold_pings */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drained = PTHREAD_COND_INITIALIZER; /* a diskless replica took its head */
static struct {
    /* the stream and its backlog */
    struct repl_backlog backlog; /* ring NULL until the first replica; offset: always */
    int stream_db;        /* the database the stream last SELECTed, -1: none */
    struct resp_out line; /* the command being fed, encoded */
    /* replicas */
    struct replica **v;
    size_t n, cap;
    unsigned gen;
    bool child;           /* a full sync's child runs (or is being started) */
    bool child_diskless;  /* ...writing to a pipe (the cut marks its replicas so) */
    unsigned child_filters; /* ...the REPL_RDB_FILTERS of its RDB and its replicas */
    char rdb_path[64];    /* its file, in `dir` */
    /* WAIT */
    struct wait_entry *waits;
    size_t nwaits, waits_cap;
    long long last_keepalive_ms;
    long long cron_seconds; /* one a second since start: PINGs fall on its multiples */
    /* The history before the last change of replid (promotion, a new
     * master): a replica of it may continue up to second_offset. */
    char replid2[41];
    long long second_offset;
} st = {.stream_db = -1, .replid2 = "0000000000000000000000000000000000000000",
        .second_offset = -1};

/* ---- the backlog -------------------------------------------------------------------- */

/* repl-backlog-size, as Redis bounds it. */
static size_t backlog_size(void)
{
    long long size = atomic_load(&server.cfg.repl_backlog_size);
    return size < REPL_BACKLOG_MIN_SIZE ? REPL_BACKLOG_MIN_SIZE : (size_t)size;
}

/* Lock held: the backlog exists (a replica synced once): writes are streamed. */
static bool active(void)
{
    return st.backlog.ring != NULL;
}

/* ---- records ------------------------------------------------------------------------ */

static struct replica *find(uint64_t client_id)
{
    for (size_t i = 0; i < st.n; i++)
        if (st.v[i]->client_id == client_id)
            return st.v[i];
    return NULL;
}

static void client_ip(const struct client *c, char *out)
{
    const char *colon = strrchr(c->addr, ':');
    size_t len = colon ? (size_t)(colon - c->addr) : strlen(c->addr);
    if (len >= REPL_IP_LEN)
        len = REPL_IP_LEN - 1;
    memcpy(out, c->addr, len);
    out[len] = '\0';
}

/* The client's record, created on first use; NULL when out of memory. */
static struct replica *find_or_add(struct client *c)
{
    struct replica *r = find(c->id);
    if (r != NULL)
        return r;
    if (st.n == st.cap) {
        size_t cap = st.cap ? st.cap * 2 : 4;
        struct replica **v = realloc(st.v, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        st.v = v;
        st.cap = cap;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->client_id = c->id;
    r->worker = c->worker;
    r->rdb_fd = -1;
    memcpy(r->addr, c->addr, sizeof(r->addr));
    client_ip(c, r->peer_ip);
    resp_out_init(&r->head, 2);
    resp_out_init(&r->stream, 2);
    st.v[st.n++] = r;
    c->flags |= CLIENT_REPL_PEER;
    return r;
}

/* Past its handshake: a replica as INFO lists it (Redis's server.slaves). */
static bool listed(const struct replica *r)
{
    return r->state != REPLICA_HANDSHAKE && r->state != REPLICA_RDB_DONE;
}

static unsigned rdb_filters(const struct replica *r)
{
    return r->rdb_request & REPL_RDB_FILTERS;
}

static void record_free(struct replica *r)
{
    if (r->rdb_fd >= 0)
        close(r->rdb_fd);
    resp_out_deinit(&r->head);
    resp_out_deinit(&r->stream);
    free(r);
}

/* ---- waking a replica's loop -------------------------------------------------------- */

struct wake_msg {
    struct worker_msg msg; /* first: the worker frees the whole block */
    uint64_t client_id;
};

static void wake_deliver_cb(struct worker *w, struct worker_msg *m)
{
    struct client *c = worker_find_client(w, ((struct wake_msg *)m)->client_id);
    if (c != NULL && (c->flags & CLIENT_REPLICA))
        client_wake(c);
}

/* Lock held: have the replica's loop fill its connection (once until it does). */
static void wake(struct replica *r)
{
    if (r->wake_posted)
        return;
    struct wake_msg *m = malloc(sizeof(*m));
    if (m == NULL)
        return; /* the next cron tick wakes it */
    r->wake_posted = true;
    *m = (struct wake_msg){.msg = {.deliver_cb = wake_deliver_cb}, .client_id = r->client_id};
    worker_post(r->worker, &m->msg);
}

/* Lock held: the replica is to be closed by its loop. */
static void drop(struct replica *r)
{
    r->closing = true;
    resp_out_deinit(&r->stream);
    resp_out_init(&r->stream, 2);
    r->wake_posted = false; /* its connection may never finish a write again */
    wake(r);
}

/* ---- the stream --------------------------------------------------------------------- */

/* Lock held: the replica is over its output limit. */
static void drop_over_limit(struct replica *r)
{
    log_warning("Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of output "
                "buffer limits.", (unsigned long long)r->client_id, r->addr);
    drop(r);
}

/* Lock held: client-output-buffer-limit's replica class. */
static void check_limits(struct replica *r, long long now_ms)
{
    long long hard = atomic_load(&server.cfg.obuf_limits[OBUF_REPLICA_CLASS][0]);
    long long soft = atomic_load(&server.cfg.obuf_limits[OBUF_REPLICA_CLASS][1]);
    long long secs = atomic_load(&server.cfg.obuf_limits[OBUF_REPLICA_CLASS][2]);
    long long used = (long long)(r->stream.len + r->conn_pending);
    if (hard > 0 && used > hard) {
        drop_over_limit(r);
        return;
    }
    if (soft <= 0 || used <= soft) {
        r->soft_since_ms = 0;
        return;
    }
    if (now_ms == 0)
        now_ms = server_mstime();
    if (r->soft_since_ms == 0)
        r->soft_since_ms = now_ms;
    else if (now_ms - r->soft_since_ms > secs * 1000)
        drop_over_limit(r);
}

static bool streaming(const struct replica *r)
{
    return r->state >= REPLICA_WAIT_RDB && !r->closing && !(r->rdb_request & REPL_RDB_ONLY);
}

/* Lock held: st.line to the backlog and every replica past its cut. */
static void feed_line(void)
{
    repl_backlog_append(&st.backlog, st.line.data, st.line.len);
    for (size_t i = 0; i < st.n; i++) {
        struct replica *r = st.v[i];
        if (!streaming(r))
            continue;
        resp_add_raw(&r->stream, st.line.data, st.line.len);
        check_limits(r, 0);
        if (r->state == REPLICA_ONLINE)
            wake(r);
    }
    resp_out_reset(&st.line);
}

static void encode(const struct resp_arg *argv, size_t argc)
{
    resp_add_array_len(&st.line, argc);
    for (size_t i = 0; i < argc; i++)
        resp_add_bulk(&st.line, argv[i].ptr, argv[i].len);
}

void repl_feed(int db, const struct resp_arg *argv, size_t argc)
{
    /* A replica's stream is its master's, as received (repl_proxy): its
     * own writes (replica-read-only no) stay local, as in Redis. */
    if (repl_replica_on())
        return;
    pthread_mutex_lock(&lock);
    if (active()) {
        if (db >= 0 && db != st.stream_db) {
            char n[16];
            struct resp_arg sel[2] = {{"SELECT", 6}, {n, (size_t)snprintf(n, sizeof(n), "%d", db)}};
            encode(sel, 2);
            st.stream_db = db;
        }
        encode(argv, argc);
        feed_line();
    }
    pthread_mutex_unlock(&lock);
}

/* ---- min-replicas-to-write ----------------------------------------------------------- */

/* Lock held: count the good replicas again (Redis's refreshGoodSlavesCount). */
static void refresh_good_replicas(long long now_ms)
{
    long long max_lag = atomic_load(&server.cfg.min_replicas_max_lag), n = 0;
    for (size_t i = 0; i < st.n; i++)
        n += st.v[i]->state == REPLICA_ONLINE && (now_ms - st.v[i]->ack_ms) / 1000 <= max_lag;
    atomic_store_explicit(&good_replicas, n, memory_order_relaxed);
}

bool repl_writes_refused(void)
{
    if (repl_replica_on())
        return false; /* min-replicas is a master's: Redis checks masterhost */
    long long want = atomic_load_explicit(&server.cfg.min_replicas_to_write, memory_order_relaxed);
    return want > 0 && atomic_load_explicit(&server.cfg.min_replicas_max_lag,
                                            memory_order_relaxed) > 0 &&
           atomic_load_explicit(&good_replicas, memory_order_relaxed) < want;
}

/* ---- REPLCONF --------------------------------------------------------------------------- */

int repl_note_listening_port(struct client *c, long long port)
{
    pthread_mutex_lock(&lock);
    struct replica *r = find_or_add(c);
    if (r != NULL)
        r->listening_port = port;
    pthread_mutex_unlock(&lock);
    return r ? 0 : -ENOMEM;
}

int repl_note_ip_address(struct client *c, const char *ip, size_t len)
{
    pthread_mutex_lock(&lock);
    struct replica *r = find_or_add(c);
    if (r != NULL)
        snprintf(r->announced_ip, sizeof(r->announced_ip), "%.*s", (int)len, ip);
    pthread_mutex_unlock(&lock);
    return r ? 0 : -ENOMEM;
}

int repl_note_capa(struct client *c, bool eof, bool psync2)
{
    pthread_mutex_lock(&lock);
    struct replica *r = find_or_add(c);
    if (r != NULL) {
        r->capa_eof |= eof;
        r->capa_psync2 |= psync2;
    }
    pthread_mutex_unlock(&lock);
    return r ? 0 : -ENOMEM;
}

int repl_note_rdb_request(struct client *c, unsigned bits, unsigned mask)
{
    pthread_mutex_lock(&lock);
    struct replica *r = find_or_add(c);
    if (r != NULL)
        r->rdb_request = (r->rdb_request & ~mask) | (bits & mask);
    pthread_mutex_unlock(&lock);
    return r ? 0 : -ENOMEM;
}

/* Lock held: the online replicas that acknowledged `offset`. */
static long long count_acked(long long offset)
{
    long long n = 0;
    for (size_t i = 0; i < st.n; i++)
        n += st.v[i]->state == REPLICA_ONLINE && st.v[i]->ack_off >= offset;
    return n;
}

/* Lock held: take the WAITs the acks now satisfy out of the list, into ids. */
static size_t satisfied_waits(uint64_t *ids, size_t cap)
{
    size_t n = 0, kept = 0;
    for (size_t i = 0; i < st.nwaits; i++) {
        struct wait_entry *w = &st.waits[i];
        if (n < cap && count_acked(w->offset) >= w->numreplicas)
            ids[n++] = w->client_id;
        else
            st.waits[kept++] = *w;
    }
    st.nwaits = kept;
    return n;
}

void repl_ack(struct client *c, long long offset, long long now_ms)
{
    uint64_t ids[64];
    size_t n = 0;
    if (!(c->flags & CLIENT_REPLICA))
        return;
    pthread_mutex_lock(&lock);
    struct replica *r = find(c->id);
    if (r != NULL) {
        if (offset > r->ack_off)
            r->ack_off = offset;
        r->ack_ms = now_ms;
        /* Redis's replicaStartCommandStream. A replica acknowledges only
         * once it has read the RDB's end mark, which may come before the
         * pipe's EOF reaches us (WAIT_RDB still). */
        if (r->state == REPLICA_WAIT_ACK || (r->diskless && r->state == REPLICA_WAIT_RDB)) {
            r->state = REPLICA_ONLINE;
            log_notice("Synchronization with replica %s succeeded", r->addr);
            wake(r);
        }
        refresh_good_replicas(now_ms);
        n = satisfied_waits(ids, sizeof(ids) / sizeof(ids[0]));
    }
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < n; i++)
        blocking_wake_wait(ids[i]);
}

/* ---- a replica's stream and history ----------------------------------------------------- */

/* The backlog exists: writes are streamed from now on, expired and
 * evicted keys as DEL too. Holding no lock. */
static void start_feeding(void)
{
    if (repl_feeding())
        return;
    atomic_store(&repl__feeding, true);
    notify_refresh_events();
}

/* Lock held: every replica is closed (they must sync again, with the new
 * history), as Redis's disconnectSlaves; a client still in its handshake
 * stays, as the one whose PSYNC FAILOVER made us a master. */
static void drop_all(void)
{
    for (size_t i = 0; i < st.n; i++)
        if (!st.v[i]->closing && listed(st.v[i]))
            drop(st.v[i]);
}

void repl_proxy(const char *p, size_t n)
{
    pthread_mutex_lock(&lock);
    if (active()) {
        resp_add_raw(&st.line, p, n);
        feed_line();
    }
    pthread_mutex_unlock(&lock);
}

int repl_attach_to_master(const char *replid, long long offset)
{
    int rc;
    pthread_mutex_lock(&lock);
    drop_all();
    repl_backlog_deinit(&st.backlog);
    rc = repl_backlog_init(&st.backlog, backlog_size(), offset);
    if (rc < 0)
        st.backlog.offset = offset; /* no backlog: no sub-replica can continue */
    memcpy(st.replid2, "0000000000000000000000000000000000000000", 41);
    st.second_offset = -1;
    st.stream_db = -1;
    server_set_replid(replid);
    pthread_mutex_unlock(&lock);
    if (rc == 0)
        start_feeding();
    return rc;
}

/* Lock held: the old id stays master_replid2 up to the offset now. */
static void shift_history(const char *replid)
{
    server_replid(st.replid2);
    st.second_offset = st.backlog.offset + 1;
    if (replid != NULL)
        server_set_replid(replid);
    else
        server_change_replid();
    st.stream_db = -1; /* the new history starts with a SELECT */
    drop_all();
}

void repl_new_history(const char *replid)
{
    pthread_mutex_lock(&lock);
    shift_history(replid);
    pthread_mutex_unlock(&lock);
}

int repl_continue_with_master(const char *replid)
{
    char id[41];
    int rc = 0;
    server_replid(id);
    pthread_mutex_lock(&lock);
    if (!active())
        rc = repl_backlog_init(&st.backlog, backlog_size(), st.backlog.offset);
    if (replid != NULL && strncasecmp(replid, id, 40) != 0)
        shift_history(replid);
    pthread_mutex_unlock(&lock);
    if (rc == 0)
        start_feeding();
    return rc;
}

bool repl_rdb_info(struct repl_rdb_info *out)
{
    if (!repl_feeding())
        return false;
    server_replid(out->replid);
    pthread_mutex_lock(&lock);
    out->offset = st.backlog.offset;
    out->stream_db = st.stream_db < 0 ? 0 : st.stream_db;
    pthread_mutex_unlock(&lock);
    if (repl_replica_on()) /* the master's stream, as its client stands */
        out->stream_db = repl_replica_stream_db();
    return true;
}

void repl_restore_history(const struct repl_rdb_info *info, bool as_replica)
{
    int rc = 0;
    pthread_mutex_lock(&lock);
    if (as_replica) {
        repl_replica_restore_stream_db(info->stream_db);
        server_set_replid(info->replid);
        st.backlog.offset = info->offset;
    } else {
        memcpy(st.replid2, info->replid, 41);
        st.second_offset = info->offset + 1;
        rc = repl_backlog_init(&st.backlog, backlog_size(), info->offset);
        if (rc < 0)
            st.backlog.offset = info->offset;
    }
    pthread_mutex_unlock(&lock);
    if (rc == 0 && !as_replica)
        start_feeding();
}

/* ---- full sync -------------------------------------------------------------------------- */

/* Every shard held, just before fork(): the stream starts (the first
 * time), and each replica waiting gets its offset and every byte after. */
static int cut_cb(void *ud)
{
    unsigned gen = (unsigned)(uintptr_t)ud;
    char replid[41];
    bool first = false;

    server_replid(replid);
    pthread_mutex_lock(&lock);
    if (!active()) {
        if (repl_backlog_init(&st.backlog, backlog_size(), st.backlog.offset) < 0) {
            pthread_mutex_unlock(&lock);
            return -ENOMEM;
        }
        first = true;
    }
    st.stream_db = -1; /* the replica loads into database 0: the stream SELECTs first */
    for (size_t i = 0; i < st.n; i++) {
        struct replica *r = st.v[i];
        if (r->state != REPLICA_WAIT_BGSAVE || rdb_filters(r) != st.child_filters)
            continue;
        r->state = REPLICA_WAIT_RDB;
        r->gen = gen;
        r->diskless = st.child_diskless;
        if (!r->old_sync) {
            char line[96];
            int len = snprintf(line, sizeof(line), "+FULLRESYNC %s %lld\r\n", replid,
                               st.backlog.offset);
            resp_add_raw(&r->head, line, (size_t)len);
            wake(r);
        }
    }
    pthread_mutex_unlock(&lock);
    if (first)
        start_feeding();
    return 0;
}

/* Lock held: replica r waits for the RDB at path; it sends it from now on. */
static void start_sending(struct replica *r, const char *path)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) < 0) {
        log_warning("Can't open the RDB for replica %s: %s", r->peer_ip, strerror(errno));
        if (fd >= 0)
            close(fd);
        drop(r);
        return;
    }
    char len[32];
    resp_add_raw(&r->head, len, (size_t)snprintf(len, sizeof(len), "$%lld\r\n", (long long)sb.st_size));
    r->rdb_fd = fd;
    r->rdb_left = sb.st_size;
    r->state = REPLICA_SEND_RDB;
    wake(r);
}

/* Lock held: an rdb-only replica whose RDB is all out is closed once its
 * connection has sent it (Redis's replicaPutOnline for RDB_ONLY). */
static void rdb_only_done(struct replica *r)
{
    r->state = REPLICA_RDB_DONE;
    log_notice("RDB transfer completed, rdb only replica (%s) should be disconnected asap",
               r->addr);
    wake(r);
}

/* Lock held: a diskless replica's RDB has all gone down the pipe; its
 * stream starts at its first REPLCONF ACK, as Redis's
 * repl_start_cmd_stream_on_ack (a replica reading the EOF-marked form
 * finds the mark only at the end of what it has read). */
static void rdb_streamed(struct replica *r)
{
    r->state = REPLICA_WAIT_ACK;
    log_notice("Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF "
               "ACK from replica to enable streaming", r->addr);
    if (r->rdb_request & REPL_RDB_ONLY)
        rdb_only_done(r);
}

/* The main thread's cron, snapshot's lock held: the RDB is ready (ok) or not. */
static void sync_done_cb(bool ok, bool killed_by_us, void *ud)
{
    unsigned gen = (unsigned)(uintptr_t)ud;
    (void)killed_by_us;
    pthread_mutex_lock(&lock);
    if (ok)
        log_notice("Background RDB transfer terminated with success");
    else
        log_warning("Background RDB transfer error");
    for (size_t i = 0; i < st.n; i++) {
        struct replica *r = st.v[i];
        bool streamed = r->diskless && /* the pipe's EOF came */
                        (r->state == REPLICA_WAIT_ACK || r->state == REPLICA_RDB_DONE);
        if (r->gen != gen || (r->state != REPLICA_WAIT_RDB && !streamed))
            continue;
        if (!ok)
            drop(r);
        else if (r->diskless && !streamed)
            rdb_streamed(r);
        else if (!r->diskless)
            start_sending(r, st.rdb_path);
    }
    if (!st.child_diskless)
        unlink(st.rdb_path); /* the senders hold it open */
    st.child = false;
    pthread_mutex_unlock(&lock);
}

/* ---- diskless: the child's pipe to the replicas' buffers ------------------------------ */

struct pipe_reader {
    int fd;
    unsigned gen;
};

/* Lock held: r gets the bytes of full sync `gen` down its pipe. */
static bool pipe_target(const struct replica *r, unsigned gen)
{
    return r->diskless && r->gen == gen && !r->closing &&
           (r->state == REPLICA_WAIT_RDB || r->state == REPLICA_WAIT_ACK ||
            r->state == REPLICA_RDB_DONE);
}

/* Lock held: some replica has not taken what it was given (the pipe
 * waits, and so does the child once the pipe is full: Redis's
 * rdbPipeReadHandler reads only when every replica's write is done). */
static bool pipe_ahead(unsigned gen)
{
    for (size_t i = 0; i < st.n; i++)
        if (pipe_target(st.v[i], gen) && st.v[i]->head.len >= REPL_PIPE_AHEAD)
            return true;
    return false;
}

/* Its own thread: the child's RDB, as it comes, to every replica of its
 * sync; at EOF (the child is gone) the thread ends. A replica dropped
 * meanwhile gets nothing more; with none left the bytes are read and
 * dropped, so the child still finishes. */
static void *pipe_reader_main(void *arg)
{
    struct pipe_reader *pr = arg;
    char *buf = malloc(REPL_PIPE_READ);
    ssize_t n = 1;
    while (buf != NULL && n != 0) {
        pthread_mutex_lock(&lock);
        while (pipe_ahead(pr->gen) && !atomic_load(&server.shutdown_requested)) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 100 * 1000 * 1000; /* a dropped replica wakes no one */
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&drained, &lock, &until);
        }
        pthread_mutex_unlock(&lock);
        n = read(pr->fd, buf, REPL_PIPE_READ);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break; /* the child fails on its next write: the cron drops the replicas */
        pthread_mutex_lock(&lock);
        for (size_t i = 0; i < st.n && n > 0; i++) {
            if (pipe_target(st.v[i], pr->gen)) {
                resp_add_raw(&st.v[i]->head, buf, (size_t)n);
                wake(st.v[i]);
            }
        }
        pthread_mutex_unlock(&lock);
    }
    /* All of it is in the replicas' buffers: the ACK that says it arrived
     * may come before the cron reaps the child. */
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < st.n && n == 0; i++) {
        struct replica *r = st.v[i];
        if (!pipe_target(r, pr->gen))
            continue;
        r->rdb_complete = true;
        if (r->state == REPLICA_WAIT_RDB)
            rdb_streamed(r);
        else
            wake(r); /* an rdb-only one the cron marked done: closed once it is sent */
    }
    pthread_mutex_unlock(&lock);
    free(buf);
    close(pr->fd);
    free(pr);
    return NULL;
}

/* The child forked: read its pipe on a thread of its own. 0 or -errno
 * (the read end closed). */
static int start_pipe_reader(int fd, unsigned gen)
{
    struct pipe_reader *pr = malloc(sizeof(*pr));
    pthread_t tid;
    pthread_attr_t attr;
    int rc = pr ? 0 : ENOMEM;
    if (rc == 0) {
        *pr = (struct pipe_reader){.fd = fd, .gen = gen};
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        rc = pthread_create(&tid, &attr, pipe_reader_main, pr);
        pthread_attr_destroy(&attr);
    }
    if (rc != 0) {
        free(pr);
        close(fd);
    }
    return -rc;
}

/* ---- starting a full sync ------------------------------------------------------------ */

/* Lock held: whether the replicas waiting may have their child now, and
 * whether it writes to a pipe (repl-diskless-sync, when every one of them
 * reads the EOF-marked form): Redis's shouldStartChildForReplication. The
 * child serves the first waiting replica's filters and the replicas that
 * ask for the same; the others wait for the next one. */
static bool sync_due(long long now_ms, bool *diskless, unsigned *filters)
{
    size_t waiting = 0;
    long long idle = 0;
    bool all_eof = true;
    for (size_t i = 0; i < st.n; i++) {
        const struct replica *r = st.v[i];
        if (r->state != REPLICA_WAIT_BGSAVE || r->closing)
            continue;
        if (waiting == 0)
            *filters = rdb_filters(r);
        else if (rdb_filters(r) != *filters)
            continue;
        waiting++;
        all_eof &= r->capa_eof;
        if (now_ms - r->wait_since_ms > idle)
            idle = now_ms - r->wait_since_ms;
    }
    *diskless = all_eof && atomic_load(&server.cfg.repl_diskless_sync);
    if (waiting == 0 || st.child)
        return false;
    long long max = atomic_load(&server.cfg.repl_diskless_sync_max_replicas);
    return !*diskless || (max > 0 && (long long)waiting >= max) ||
           idle >= atomic_load(&server.cfg.repl_diskless_sync_delay) * 1000;
}

/* Fork the child of full sync `gen`; 0 or -errno. */
static int fork_sync_child(unsigned gen, bool diskless, unsigned filters)
{
    char mark[SNAPSHOT_EOF_MARK_LEN + 1];
    int fds[2] = {-1, -1};
    struct snapshot_child ch = {.at_fork = cut_cb, .done = sync_done_cb,
                                .ud = (void *)(uintptr_t)gen, .rdb_path = st.rdb_path,
                                .repl_info = true,
                                .no_keys = (filters & REPL_RDB_NO_KEYS) != 0,
                                .no_functions = (filters & REPL_RDB_NO_FUNCTIONS) != 0};
    if (diskless) {
        if (pipe2(fds, O_CLOEXEC) < 0)
            return -errno;
        server_random_id(mark);
        ch.eof_mark = mark;
        ch.rdb_fd = fds[1];
    }
    /* A replica's cut falls between two whole commands of its master's
     * stream, each applied and proxied together (repl_replica.h). */
    repl_replica_apply_lock();
    int rc = snapshot_fork_child(&ch);
    repl_replica_apply_unlock();
    if (diskless) {
        close(fds[1]); /* the child's copy is the writer: its exit is the reader's EOF */
        if (rc == 0)
            return start_pipe_reader(fds[0], gen);
        close(fds[0]);
    }
    return rc;
}

/* Start the child of a full sync for the replicas waiting, when the fork
 * slot is free and repl-diskless-sync-delay has passed (otherwise the
 * cron tries again). Holding no lock. */
static void start_full_sync(void)
{
    bool diskless;
    unsigned filters = 0;
    pthread_mutex_lock(&lock);
    if (!sync_due(server_mstime(), &diskless, &filters)) {
        pthread_mutex_unlock(&lock);
        return;
    }
    st.child = true;
    st.child_diskless = diskless;
    st.child_filters = filters;
    unsigned gen = ++st.gen;
    snprintf(st.rdb_path, sizeof(st.rdb_path), "temp-repl-%d-%u.rdb", (int)getpid(), gen);
    pthread_mutex_unlock(&lock);

    propagate_init(); /* the forms writes take in the stream, as in the AOF */
    int rc = fork_sync_child(gen, diskless, filters);
    if (rc == 0) {
        log_notice("Starting BGSAVE for SYNC with target: %s",
                   diskless ? "replicas sockets" : "disk");
        return;
    }
    pthread_mutex_lock(&lock);
    st.child = false;
    if (rc != -EBUSY && rc != -EAGAIN) {
        log_warning("BGSAVE for replication failed: %s", strerror(-rc));
        for (size_t i = 0; i < st.n; i++)
            if (st.v[i]->state == REPLICA_WAIT_BGSAVE || st.v[i]->gen == gen)
                drop(st.v[i]);
    }
    pthread_mutex_unlock(&lock);
}

/* Lock held: Redis's masterTryPartialResynchronization test. */
static bool can_continue(const struct resp_arg *replid, long long offset)
{
    char id[41];
    server_replid(id);
    bool ours = replid->len == 40 && strncasecmp(replid->ptr, id, 40) == 0;
    bool before_change = replid->len == 40 && strncasecmp(replid->ptr, st.replid2, 40) == 0 &&
                         offset <= st.second_offset;
    return active() && (ours || before_change) && repl_backlog_holds(&st.backlog, offset);
}

int repl_sync(struct client *c, bool psync, const struct resp_arg *replid, long long offset)
{
    if (c->worker == NULL)
        return -ENOTCONN;
    pthread_mutex_lock(&lock);
    struct replica *r = find_or_add(c);
    if (r == NULL) {
        pthread_mutex_unlock(&lock);
        return -ENOMEM;
    }
    c->flags |= CLIENT_REPLICA;
    /* Before the sync is counted: whoever sees sync_full or
     * sync_partial_ok move sees a replica in CLIENT LIST too. */
    client_publish_flags(c);
    r->ack_ms = server_mstime();
    if (psync && can_continue(replid, offset)) {
        atomic_fetch_add(&syncs_partial_ok, 1);
        char id[41], line[64];
        server_replid(id);
        int len = r->capa_psync2 ? snprintf(line, sizeof(line), "+CONTINUE %s\r\n", id)
                                 : snprintf(line, sizeof(line), "+CONTINUE\r\n");
        resp_add_raw(&r->head, line, (size_t)len);
        struct repl_backlog_slice slices[2];
        size_t n = repl_backlog_read(&st.backlog, offset, slices);
        for (size_t i = 0; i < n; i++)
            resp_add_raw(&r->stream, slices[i].p, slices[i].len);
        r->state = REPLICA_ONLINE;
        refresh_good_replicas(r->ack_ms);
        log_notice("Partial resynchronization request from %s accepted. Sending %lld bytes of "
                   "backlog starting from offset %lld.", c->addr, st.backlog.offset - offset + 1, offset);
        pthread_mutex_unlock(&lock);
        return 0;
    }
    bool first = !active();
    /* Redis counts a refused PSYNC unless it asked for no continuation ("?"). */
    if (psync && !(replid->len == 1 && replid->ptr[0] == '?'))
        atomic_fetch_add(&syncs_partial_err, 1);
    atomic_fetch_add(&syncs_full, 1);
    r->state = REPLICA_WAIT_BGSAVE;
    r->old_sync = !psync;
    r->wait_since_ms = r->ack_ms;
    bool delayed = r->capa_eof && atomic_load(&server.cfg.repl_diskless_sync) &&
                   atomic_load(&server.cfg.repl_diskless_sync_delay) > 0;
    pthread_mutex_unlock(&lock);
    if (first)
        server_change_replid(); /* Redis: a new history starts with the first replica */
    log_notice("Replica %s asks for synchronization", c->addr);
    if (delayed)
        log_notice("Delay next BGSAVE for diskless SYNC");
    start_full_sync();
    return 0;
}

/* ---- the replica's loop --------------------------------------------------------------- */

/* Read the next slice of the RDB into c's replies; false on a read error. */
static bool send_rdb_slice(struct client *c, struct replica *r)
{
    char buf[16 * 1024];
    size_t sent = 0;
    while (r->rdb_left > 0 && sent < REPL_FILL_SLICE) {
        size_t want = r->rdb_left < (long long)sizeof(buf) ? (size_t)r->rdb_left : sizeof(buf);
        ssize_t n = read(r->rdb_fd, buf, want);
        if (n <= 0) {
            log_warning("Read error sending DB to replica: %s", n < 0 ? strerror(errno) : "EOF");
            return false;
        }
        resp_add_raw(&c->out, buf, (size_t)n);
        r->rdb_left -= n;
        sent += (size_t)n;
    }
    return true;
}

/* Lock held: the RDB has been handed over; the stream follows. */
static void rdb_sent(struct replica *r, const struct client *c)
{
    close(r->rdb_fd);
    r->rdb_fd = -1;
    r->rdb_complete = true;
    if (r->rdb_request & REPL_RDB_ONLY) {
        rdb_only_done(r);
        return;
    }
    r->state = REPLICA_ONLINE;
    r->ack_ms = server_mstime();
    refresh_good_replicas(r->ack_ms);
    log_notice("Synchronization with replica %s succeeded", c->addr);
}

bool repl_replica_fill(struct client *c, size_t pending)
{
    struct resp_out stream;
    bool added = false;

    pthread_mutex_lock(&lock);
    struct replica *r = find(c->id);
    if (r == NULL) {
        pthread_mutex_unlock(&lock);
        return false;
    }
    r->conn_pending = pending;
    if (r->closing) {
        pthread_mutex_unlock(&lock);
        c->flags |= CLIENT_CLOSE_ASAP;
        return true;
    }
    /* Full enough: the end of its write fills it again, no wake-up needed. */
    r->wake_posted = pending >= REPL_FILL_SLICE;
    if (r->wake_posted) {
        pthread_mutex_unlock(&lock);
        return false;
    }
    if (r->head.len > 0) {
        resp_add_raw(&c->out, r->head.data, r->head.len);
        resp_out_reset(&r->head);
        added = true;
        if (r->diskless)
            pthread_cond_signal(&drained);
    }
    bool sending = r->state == REPLICA_SEND_RDB;
    pthread_mutex_unlock(&lock);
    /* The file and the record's fd are this loop's alone. */
    if (sending) {
        if (!send_rdb_slice(c, r)) {
            c->flags |= CLIENT_CLOSE_ASAP;
            return true;
        }
        added = true;
    }
    pthread_mutex_lock(&lock);
    if (r->state == REPLICA_SEND_RDB && r->rdb_left == 0)
        rdb_sent(r, c);
    if (r->state == REPLICA_RDB_DONE && r->rdb_complete && r->head.len == 0) {
        pthread_mutex_unlock(&lock);
        c->flags |= CLIENT_CLOSE_AFTER_REPLY; /* closed once what it holds is written */
        return added;
    }
    stream = r->stream;
    if (r->state == REPLICA_ONLINE && stream.len > 0) {
        resp_out_init(&r->stream, 2);
        r->conn_pending += stream.len; /* the connection holds it now */
    } else {
        stream.len = 0;
    }
    pthread_mutex_unlock(&lock);
    if (stream.len > 0) {
        resp_add_raw(&c->out, stream.data, stream.len);
        resp_out_deinit(&stream);
        added = true;
    }
    return added;
}

void repl_client_leave(struct client *c)
{
    if (!(c->flags & CLIENT_REPL_PEER))
        return;
    c->flags &= ~(uint32_t)(CLIENT_REPL_PEER | CLIENT_REPLICA);
    pthread_mutex_lock(&lock);
    struct replica *r = NULL;
    for (size_t i = 0; i < st.n; i++) {
        if (st.v[i]->client_id == c->id) {
            r = st.v[i];
            st.v[i] = st.v[--st.n];
            break;
        }
    }
    if (r != NULL && r->state != REPLICA_HANDSHAKE)
        log_notice("Connection with replica %s lost.", c->addr);
    refresh_good_replicas(server_mstime());
    pthread_mutex_unlock(&lock);
    if (r != NULL)
        record_free(r);
}

/* ---- WAIT ------------------------------------------------------------------------------ */

long long repl_offset(void)
{
    pthread_mutex_lock(&lock);
    long long off = st.backlog.offset;
    pthread_mutex_unlock(&lock);
    return off;
}

long long repl_count_acked(long long offset)
{
    pthread_mutex_lock(&lock);
    long long n = count_acked(offset);
    pthread_mutex_unlock(&lock);
    return n;
}

static const struct resp_arg getack[3] = {{"REPLCONF", 8}, {"GETACK", 6}, {"*", 1}};

int repl_wait_register(struct client *c, long long offset, long long numreplicas)
{
    pthread_mutex_lock(&lock);
    if (st.nwaits == st.waits_cap) {
        size_t cap = st.waits_cap ? st.waits_cap * 2 : 8;
        struct wait_entry *v = realloc(st.waits, cap * sizeof(*v));
        if (v == NULL) {
            pthread_mutex_unlock(&lock);
            return -ENOMEM;
        }
        st.waits = v;
        st.waits_cap = cap;
    }
    st.waits[st.nwaits++] = (struct wait_entry){c->id, offset, numreplicas};
    pthread_mutex_unlock(&lock);
    repl_feed(-1, getack, 3);
    return 0;
}

void repl_wait_forget(uint64_t client_id)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < st.nwaits; i++) {
        if (st.waits[i].client_id == client_id) {
            st.waits[i] = st.waits[--st.nwaits];
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}

/* ---- the replicas as INFO, SHUTDOWN and FAILOVER see them ------------------------------- */

static const char *shown_ip(const struct replica *r)
{
    return r->announced_ip[0] ? r->announced_ip : r->peer_ip;
}

/* Lock held. */
static size_t count_listed(void)
{
    size_t n = 0;
    for (size_t i = 0; i < st.n; i++)
        n += listed(st.v[i]);
    return n;
}

size_t repl_replica_count(void)
{
    pthread_mutex_lock(&lock);
    size_t n = count_listed();
    pthread_mutex_unlock(&lock);
    return n;
}

/* ---- SHUTDOWN ------------------------------------------------------------------------ */

/* Lock held: r has acknowledged the whole stream (Redis compares the ack
 * with master_repl_offset exactly). */
static bool in_sync(const struct replica *r)
{
    return r->ack_off == st.backlog.offset;
}

bool repl_replicas_in_sync(void)
{
    bool all = true;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < st.n && all; i++)
        all = !listed(st.v[i]) || in_sync(st.v[i]);
    pthread_mutex_unlock(&lock);
    return all;
}

void repl_request_acks(void)
{
    repl_feed(-1, getack, 3);
}

void repl_log_shutdown(long long now_ms)
{
    int replicas = 0, lagging = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < st.n; i++) {
        const struct replica *r = st.v[i];
        if (!listed(r))
            continue;
        replicas++;
        if (in_sync(r))
            continue;
        lagging++;
        log_warning("Lagging replica %s:%lld reported offset %lld behind master, lag=%lld, "
                    "state=%s.", shown_ip(r), r->listening_port, st.backlog.offset - r->ack_off,
                    r->state == REPLICA_ONLINE ? (now_ms - r->ack_ms) / 1000 : 0,
                    state_names[r->state]);
    }
    pthread_mutex_unlock(&lock);
    if (replicas > 0)
        log_notice("%d of %d replicas are in sync when shutting down.", replicas - lagging,
                   replicas);
}

/* ---- FAILOVER ----------------------------------------------------------------------- */

/* Lock held: r is the replica listed at host:port (Redis's findReplica). */
static bool listed_at(const struct replica *r, const char *host, size_t len, long long port)
{
    const char *ip = shown_ip(r);
    return listed(r) && r->listening_port == port && strlen(ip) == len &&
           strncasecmp(ip, host, len) == 0;
}

/* Lock held: r streams and has acknowledged all of it. */
static bool caught_up(const struct replica *r)
{
    return r->state == REPLICA_ONLINE && in_sync(r);
}

size_t repl_count_replicas(void)
{
    pthread_mutex_lock(&lock);
    size_t n = count_listed();
    pthread_mutex_unlock(&lock);
    return n;
}

enum repl_peer repl_peer_at(const char *host, size_t len, long long port)
{
    enum repl_peer peer = REPL_PEER_NONE;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < st.n && peer == REPL_PEER_NONE; i++) {
        const struct replica *r = st.v[i];
        if (!listed_at(r, host, len, port))
            continue;
        /* A diskless replica's RDB went: Redis shows it online already. */
        bool online = r->state == REPLICA_ONLINE || r->state == REPLICA_WAIT_ACK;
        peer = caught_up(r) ? REPL_PEER_CAUGHT_UP : online ? REPL_PEER_ONLINE : REPL_PEER_SYNCING;
    }
    pthread_mutex_unlock(&lock);
    return peer;
}

bool repl_caught_up_peer(char *host, size_t cap, long long *port)
{
    bool found = false;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < st.n && !found; i++) {
        const struct replica *r = st.v[i];
        found = caught_up(r);
        if (found) {
            snprintf(host, cap, "%s", shown_ip(r));
            *port = r->listening_port;
        }
    }
    pthread_mutex_unlock(&lock);
    return found;
}

void repl_hold_pings(bool held)
{
    atomic_store(&pings_held, held);
}

/* ---- INFO and ROLE ------------------------------------------------------------------- */

void repl_info(struct resp_out *t, long long now_ms, const char *failover_state)
{
    char replid[41];
    char line[256];
    size_t k = 0;
    server_replid(replid);
    pthread_mutex_lock(&lock);
#define LINE(...) resp_add_raw(t, line, (size_t)snprintf(line, sizeof(line), __VA_ARGS__))
    LINE("connected_slaves:%zu\r\n", count_listed());
    for (size_t i = 0; i < st.n; i++) {
        const struct replica *r = st.v[i];
        if (!listed(r))
            continue;
        LINE("slave%zu:ip=%s,port=%lld,state=%s,offset=%lld,lag=%lld\r\n", k++, shown_ip(r),
             r->listening_port, state_names[r->state], r->ack_off, (now_ms - r->ack_ms) / 1000);
    }
    LINE("master_failover_state:%s\r\n", failover_state);
    LINE("master_replid:%s\r\n", replid);
    LINE("master_replid2:%s\r\n", st.replid2);
    LINE("master_repl_offset:%lld\r\n", st.backlog.offset);
    LINE("second_repl_offset:%lld\r\n", st.second_offset);
    LINE("repl_backlog_active:%d\r\n", active());
    LINE("repl_backlog_size:%zu\r\n", backlog_size());
    LINE("repl_backlog_first_byte_offset:%lld\r\n", active() ? repl_backlog_first(&st.backlog) : 0);
    LINE("repl_backlog_histlen:%lld\r\n", active() ? st.backlog.histlen : 0);
#undef LINE
    pthread_mutex_unlock(&lock);
}

void repl_role(struct resp_out *out)
{
    size_t n = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < st.n; i++)
        n += st.v[i]->state == REPLICA_ONLINE;
    resp_add_array_len(out, 3);
    resp_add_bulk_cstr(out, "master");
    resp_add_integer(out, st.backlog.offset);
    resp_add_array_len(out, n);
    for (size_t i = 0; i < st.n; i++) {
        const struct replica *r = st.v[i];
        if (r->state != REPLICA_ONLINE)
            continue;
        resp_add_array_len(out, 3);
        resp_add_bulk_cstr(out, shown_ip(r));
        resp_add_bulk_ll(out, r->listening_port);
        resp_add_bulk_ll(out, r->ack_off);
    }
    pthread_mutex_unlock(&lock);
}

void repl_sync_counts(long long *full, long long *partial_ok, long long *partial_err)
{
    *full = atomic_load(&syncs_full);
    *partial_ok = atomic_load(&syncs_partial_ok);
    *partial_err = atomic_load(&syncs_partial_err);
}

void repl_reset_sync_counts(void)
{
    atomic_store(&syncs_full, 0);
    atomic_store(&syncs_partial_ok, 0);
    atomic_store(&syncs_partial_err, 0);
}

void repl_memory(long long *backlog, long long *total)
{
    pthread_mutex_lock(&lock);
    *backlog = active() ? (long long)st.backlog.size : 0;
    *total = *backlog;
    for (size_t i = 0; i < st.n; i++)
        *total += (long long)(st.v[i]->stream.cap + st.v[i]->head.cap + st.v[i]->conn_pending);
    pthread_mutex_unlock(&lock);
}

/* ---- cron ------------------------------------------------------------------------------- */

static const struct resp_arg ping[1] = {{"PING", 4}};

/* Lock held, once a second: replicas waiting for their RDB get a newline
 * (Redis's keepalive before the payload); silent ones past repl-timeout
 * and those over the soft limit too long are closed. */
static void check_replicas(long long now_ms)
{
    long long timeout_ms = atomic_load(&server.cfg.repl_timeout) * 1000;
    for (size_t i = 0; i < st.n; i++) {
        struct replica *r = st.v[i];
        if (r->closing || r->state == REPLICA_HANDSHAKE)
            continue;
        if (r->state == REPLICA_WAIT_RDB && !r->diskless) { /* the pipe's bytes are in head */
            resp_add_raw(&r->head, "\n", 1);
            wake(r);
        } else if (r->state == REPLICA_ONLINE && now_ms - r->ack_ms > timeout_ms) {
            log_warning("Disconnecting timedout replica (streaming sync): %s", shown_ip(r));
            drop(r);
        } else {
            check_limits(r, now_ms);
            if (r->stream.len > 0 && r->state == REPLICA_ONLINE)
                wake(r);
        }
    }
}

void repl_cron(long long now_ms)
{
    bool ping_due = false;
    start_full_sync();
    pthread_mutex_lock(&lock);
    if (active() && backlog_size() != st.backlog.size)
        repl_backlog_resize(&st.backlog, backlog_size());
    if (now_ms - st.last_keepalive_ms >= 1000) {
        st.last_keepalive_ms = now_ms;
        check_replicas(now_ms);
        refresh_good_replicas(now_ms);
        /* As Redis's cron loop count: a replica that attached just now
         * waits for the period's next multiple, which a long period
         * (tests set 3600 s) puts far away. A replica's sub-replicas get
         * its master's PINGs. */
        long long period = atomic_load(&server.cfg.repl_ping_replica_period);
        ping_due = period > 0 && st.cron_seconds++ % period == 0 && st.n > 0 && active() &&
                   !repl_replica_on() && !atomic_load(&pings_held);
    }
    pthread_mutex_unlock(&lock);
    if (ping_due)
        repl_feed(-1, ping, 1);
}
