/*
 * repl_replica.c - the replica side of replication: the link to the
 * master, the full sync, the master client; see repl_replica.h.
 *
 * Who owns what: `shared` (what INFO, ROLE and REPLICAOF see) is under
 * `lock`; the link (struct link: the socket, the read buffer, the RDB
 * being received, the master client) and the once-a-second timer belong
 * to the link loop's thread, which alone creates, reads and frees them.
 * REPLICAOF changes `shared` and bumps `wanted_gen`, then posts a
 * message to the link loop; the loop (reconcile) closes a link made for
 * an older generation and starts one for the master now set. A link is
 * freed in its socket's close callback.
 */
#include "repl_replica.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "aof.h"
#include "blocking.h"
#include "client.h"
#include "command.h"
#include "config.h"
#include "conn.h"
#include "keyspace.h"
#include "log.h"
#include "notify.h"
#include "pause.h"
#include "process.h"
#include "replica_expire.h"
#include "replication.h"
#include "server.h"
#include "snapshot.h"
#include "worker.h"
#include "worker_loop.h"

#define LINK_READ_SIZE (64 * 1024)  /* bytes asked of each read */
#define LINK_LINE_MAX (64 * 1024)   /* a handshake line longer than this is an error */
#define EOF_MARK_LEN 40             /* Redis's RDB_EOF_MARK_SIZE */
#define CRON_MS 1000
#define PAUSE_CHECK_MS 10 /* while a client pause holds the stream: look again */

/* Redis's REPL_STATE_*, as ROLE names them. */
enum link_state {
    LINK_NONE,       /* not a replica */
    LINK_CONNECT,    /* to connect at the next tick */
    LINK_CONNECTING, /* connect() in flight */
    LINK_HANDSHAKE,  /* PING .. PSYNC */
    LINK_TRANSFER,   /* receiving the RDB */
    LINK_CONNECTED,  /* streaming */
};

static const char *const role_states[] = {"none", "connect", "connecting", "handshake", "sync",
                                          "connected"};

/* The handshake's replies, in the order the requests went. */
enum hs_step { HS_PONG, HS_AUTH, HS_PORT, HS_IP, HS_CAPA, HS_PSYNC, HS_DONE };

atomic_bool repl_replica__on, repl_replica__link_up;
static atomic_uint wanted_gen; /* bumped by every REPLICAOF */
static atomic_int stream_db;   /* repl_replica_stream_db */

static pthread_mutex_t apply_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char host[REPL_HOST_LEN]; /* "" when a master */
    int port;
    enum link_state state;
    long long last_io_ms;       /* the master client's last interaction */
    long long down_since_ms;    /* the link went down then; 0: it never was up */
    long long transfer_size;    /* -1: the $EOF form, size unknown */
    long long transfer_read, transfer_last_io_ms;
    long long reploff, read_reploff; /* the master client's; -1 without one */
    bool psync_possible;        /* the dataset is a copy worth continuing */
    repl_failover_done_cb failover_done; /* a FAILOVER hands over: our PSYNC says so */
} shared = {.reploff = -1, .read_reploff = -1, .psync_possible = true};

struct link {
    uv_tcp_t tcp;
    uv_connect_t connect_req;
    unsigned gen;
    char host[REPL_HOST_LEN];
    int port;
    enum link_state state;
    enum hs_step step;
    bool sent_ip;            /* REPLCONF ip-address went: its reply comes */
    bool closing, processing;
    char *buf; /* read and not yet used: [0, len) */
    size_t len, cap;
    long long last_io_ms;
    /* TRANSFER */
    char replid[41];    /* +FULLRESYNC's */
    long long offset;
    bool have_header, eof_form;
    char eof_mark[EOF_MARK_LEN];
    long long left;     /* the $<len> form's bytes still to come */
    long long received; /* payload bytes written to the file */
    int fd;
    char tmp_path[64];
    /* CONNECTED */
    struct client client;
    bool client_live, ack_asked;
    long long reploff;       /* whole commands run */
    struct resp_out held;    /* bytes of a MULTI block, proxied at its end */
};

static struct link *link_now; /* the link loop's */
/* The database the master's stream last selected, kept across a lost
 * link: a continued stream does not SELECT again (Redis's cached master). */
static int cached_db;
static uv_timer_t cron_timer;
static uv_timer_t pause_timer; /* started with cron_timer */
static bool cron_started;

static struct worker *link_worker(void)
{
    return worker_at(0);
}

/* ---- the shared state ------------------------------------------------------------ */

/* The link is for the master REPLICAOF set last: a link REPLICAOF has
 * replaced may still see a reply before the loop closes it, but must not
 * change what INFO shows nor the data (checked under the apply lock). */
static bool wanted(const struct link *l)
{
    return atomic_load(&wanted_gen) == l->gen;
}

static void publish_state(const struct link *l, enum link_state state)
{
    pthread_mutex_lock(&lock);
    if (wanted(l))
        shared.state = state;
    pthread_mutex_unlock(&lock);
}

static void publish_offsets(const struct link *l)
{
    pthread_mutex_lock(&lock);
    if (!wanted(l)) {
        pthread_mutex_unlock(&lock);
        return;
    }
    shared.reploff = l->reploff;
    shared.read_reploff = l->reploff + (long long)l->len;
    shared.last_io_ms = l->last_io_ms;
    pthread_mutex_unlock(&lock);
}

bool repl_replica_refuses_writes(const struct client *c)
{
    return repl_replica_on() && !(c->flags & (CLIENT_MASTER | CLIENT_REPLAY)) &&
           atomic_load_explicit(&server.cfg.replica_read_only, memory_order_relaxed);
}

bool repl_replica_stale(void)
{
    return repl_replica_on() &&
           !atomic_load_explicit(&repl_replica__link_up, memory_order_relaxed) &&
           !atomic_load_explicit(&server.cfg.replica_serve_stale_data, memory_order_relaxed);
}

int repl_replica_stream_db(void)
{
    return atomic_load(&stream_db);
}

void repl_replica_apply_lock(void)
{
    pthread_mutex_lock(&apply_mutex);
}

void repl_replica_apply_unlock(void)
{
    pthread_mutex_unlock(&apply_mutex);
}

/* ---- writing to the master --------------------------------------------------------- */

struct link_write {
    uv_write_t req; /* first: the callback gets the block back */
    char data[];
};

static void drop_link(struct link *l, const char *why);

static void write_cb(uv_write_t *req, int status)
{
    struct link *l = req->handle->data;
    free(req);
    if (status < 0 && status != UV_ECANCELED && !l->closing)
        drop_link(l, uv_strerror(status));
}

/* What the kernel does not take at once waits in a uv_write of its own
 * copy: the handshake and the acks are small and rare. */
static void send_bytes(struct link *l, const char *p, size_t n)
{
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
    int w = uv_try_write((uv_stream_t *)&l->tcp, &b, 1);
    if (w == (int)n)
        return;
    if (w < 0 && w != UV_EAGAIN) {
        drop_link(l, uv_strerror(w));
        return;
    }
    size_t done = w > 0 ? (size_t)w : 0;
    struct link_write *lw = malloc(sizeof(*lw) + n - done);
    if (lw == NULL) {
        drop_link(l, "out of memory");
        return;
    }
    memcpy(lw->data, p + done, n - done);
    b = uv_buf_init(lw->data, (unsigned)(n - done));
    if (uv_write(&lw->req, (uv_stream_t *)&l->tcp, &b, 1, write_cb) < 0) {
        free(lw);
        drop_link(l, "write error");
    }
}

static void send_argv(struct link *l, const struct resp_arg *argv, size_t n)
{
    struct resp_out out;
    resp_out_init(&out, 2);
    resp_add_array_len(&out, n);
    for (size_t i = 0; i < n; i++)
        resp_add_bulk(&out, argv[i].ptr, argv[i].len);
    send_bytes(l, out.data, out.len);
    resp_out_deinit(&out);
}

#define SEND_MAX_WORDS 8

static void send_command(struct link *l, const char *const *words, size_t n)
{
    struct resp_arg argv[SEND_MAX_WORDS];
    assert(n <= SEND_MAX_WORDS);
    for (size_t i = 0; i < n; i++)
        argv[i] = (struct resp_arg){words[i], strlen(words[i])};
    send_argv(l, argv, n);
}

static void send_ack(struct link *l)
{
    char off[32];
    snprintf(off, sizeof(off), "%lld", l->reploff);
    send_command(l, (const char *const[]){"REPLCONF", "ACK", off}, 3);
}

/* ---- the master client --------------------------------------------------------------- */

static void master_wake_cb(struct client *c)
{
    struct link *l = link_now;
    if (l == NULL || !l->client_live || &l->client != c || !(c->flags & CLIENT_CLOSE_ASAP))
        return;
    if (!l->processing)
        drop_link(l, "killed");
}

static const struct client_io master_io = {.wake_cb = master_wake_cb};

/* The master's stream runs as this client from now on, from `reploff`,
 * in database `db`. */
static void master_client_create(struct link *l, long long reploff, int db)
{
    struct client *c = &l->client;
    struct worker *w = link_worker();
    struct resp_limits limits;

    client_init(c, w, w->stats, &master_io, server_mstime());
    c->authenticated = true;
    c->flags |= CLIENT_MASTER;
    c->db = db;
    atomic_store(&stream_db, db);
    conn_describe_peer(&l->tcp, c);
    resp_limits_default(&limits);
    limits.max_bulk_len = (uint64_t)atomic_load(&server.cfg.proto_max_bulk_len);
    resp_parser_init(&c->parser, &limits);
    /* Its view before anyone can find it: CLIENT KILL/LIST TYPE master must
     * see a master as soon as INFO says the link is up, not only after the
     * loop's first pass over the stream (a diskless link sends its ACK in
     * between, and a loaded machine may switch threads there). */
    client_publish(c, 0);
    client_register(c);
    worker_add_client(w, c);
    resp_out_init(&l->held, 2);
    l->client_live = true;
    l->reploff = reploff;
    l->last_io_ms = server_mstime(); /* as Redis's new master client: the load is not silence */
    l->state = LINK_CONNECTED;
    atomic_store(&repl_replica__link_up, wanted(l));
    publish_state(l, LINK_CONNECTED);
    publish_offsets(l);
}

static void master_client_free(struct link *l)
{
    struct client *c = &l->client;
    if (!l->client_live)
        return;
    l->client_live = false;
    cached_db = c->db;
    command_client_leave(c); /* a MULTI cut short is dropped: the master sends it again */
    worker_remove_client(link_worker(), c);
    client_unregister(c);
    client_deinit(c);
    resp_out_deinit(&l->held);
}

/* ---- closing ------------------------------------------------------------------------- */

static void close_cb(uv_handle_t *h)
{
    struct link *l = h->data;
    free(l->buf);
    free(l);
}

static void transfer_abort(struct link *l)
{
    if (l->fd < 0)
        return;
    close(l->fd);
    l->fd = -1;
    unlink(l->tmp_path);
}

/* Close the link; the next tick connects again if a master is still set. */
static void close_link(struct link *l)
{
    if (l->closing)
        return;
    l->closing = true;
    transfer_abort(l);
    master_client_free(l);
    if (link_now == l)
        link_now = NULL;
    atomic_store(&repl_replica__link_up, false);
    uv_close((uv_handle_t *)&l->tcp, close_cb);
}

static void drop_link(struct link *l, const char *why)
{
    if (l->closing)
        return;
    bool was_up = l->state == LINK_CONNECTED;
    if (was_up)
        log_notice("Connection with master lost (%s).", why);
    else
        log_warning("Error with the link to MASTER %s:%d: %s", l->host, l->port, why);
    close_link(l);
    pthread_mutex_lock(&lock);
    if (wanted(l)) {
        shared.state = LINK_CONNECT;
        if (was_up)
            shared.down_since_ms = server_mstime();
    }
    pthread_mutex_unlock(&lock);
}

/* ---- the stream ----------------------------------------------------------------------- */

/* Drop the first n bytes of the read buffer. */
static void consume(struct link *l, size_t n)
{
    memmove(l->buf, l->buf + n, l->len - n);
    l->len -= n;
}

/* Run one command of the stream (bytes: its n bytes) and proxy it; false
 * when the link is being closed (REPLICAOF changed, or killed). */
static bool apply(struct link *l, const char *bytes, size_t n, size_t argc)
{
    struct client *c = &l->client;
    repl_replica_apply_lock();
    if (!wanted(l)) {
        repl_replica_apply_unlock();
        close_link(l);
        return false;
    }
    if (argc > 0) {
        keyspace_obey_begin(server.ks); /* the master's key is live until its DEL */
        command_execute(c, c->argv, argc, server_mstime());
        keyspace_obey_end(server.ks);
    }
    if (c->out.len > 0 && c->out.data[0] == '-') /* as Redis: the copy may differ now */
        log_warning("== CRITICAL == This replica is sending an error to its master: '%.*s' "
                    "after processing the command '%.*s'", (int)(c->out.len - 3),
                    c->out.data + 1, (int)c->argv[0].len, c->argv[0].ptr);
    resp_out_reset(&c->out); /* a master gets no replies */
    atomic_store(&stream_db, c->db);
    if (l->ack_asked) {      /* its offset before GETACK, as Redis */
        l->ack_asked = false;
        send_ack(l);
    }
    l->reploff += (long long)n;
    if (c->flags & CLIENT_MULTI) {
        resp_add_raw(&l->held, bytes, n);
    } else {
        if (l->held.len > 0) {
            repl_proxy(l->held.data, l->held.len);
            resp_out_reset(&l->held);
        }
        repl_proxy(bytes, n);
    }
    repl_replica_apply_unlock();
    return !l->closing && !(c->flags & CLIENT_CLOSE_ASAP);
}

static void process(struct link *l);

static void pause_check_cb(uv_timer_t *t)
{
    (void)t;
    if (link_now != NULL && !link_now->closing)
        process(link_now);
}

/* CLIENT PAUSE holds the master's stream too, as in Redis (its offset
 * stops while what is read piles up): whether it holds the parsed command,
 * and if so a look again shortly, as nothing wakes the link when the pause
 * lifts. */
static bool held_by_pause(struct link *l, size_t argc)
{
    struct client *c = &l->client;
    long long now = server_mstime();
    if (pause_in_effect(now) == PAUSE_NONE) /* the usual case: no lookup per command */
        return false;
    const struct command *cmd = command_lookup(c->argv[0].ptr, c->argv[0].len);
    if (cmd == NULL || !pause_holds(c, cmd, c->argv, argc, now))
        return false;
    uv_timer_start(&pause_timer, pause_check_cb, PAUSE_CHECK_MS, 0);
    return true;
}

static void run_stream(struct link *l)
{
    struct client *c = &l->client;
    size_t pos = 0, argc, consumed;

    while (pos < l->len) {
        enum resp_parse_status st = resp_parse(&c->parser, l->buf + pos, l->len - pos, c->argv,
                                               c->argv_cap, &argc, &consumed);
        if (st == RESP_PARSE_MORE)
            break;
        if (st == RESP_PARSE_ARGV) {
            if (!client_argv_reserve(c, c->parser.argc_needed)) {
                drop_link(l, "out of memory");
                return;
            }
            continue;
        }
        if (st == RESP_PARSE_ERROR) {
            drop_link(l, c->parser.error);
            return;
        }
        if (argc > 0 && held_by_pause(l, argc))
            break;
        if (!apply(l, l->buf + pos, consumed, argc)) {
            if (!l->closing)
                drop_link(l, "killed");
            return;
        }
        pos += consumed;
    }
    consume(l, pos);
    c->last_interaction_ms = l->last_io_ms;
    client_publish(c, 0);
    publish_offsets(l);
}

void repl_replica_getack(struct client *c)
{
    if ((c->flags & CLIENT_MASTER) && link_now != NULL && &link_now->client == c)
        link_now->ack_asked = true;
}

/* ---- the full sync -------------------------------------------------------------------- */

static void publish_transfer(const struct link *l, long long read)
{
    pthread_mutex_lock(&lock);
    shared.transfer_read = read;
    shared.transfer_last_io_ms = l->last_io_ms;
    pthread_mutex_unlock(&lock);
}

/* The payload's header: "$<len>" or "$EOF:<40 bytes>" (after any newline
 * the master sends to keep the link alive while it prepares the RDB).
 * False when it needs more bytes or failed. */
static bool transfer_header(struct link *l)
{
    char *nl = memchr(l->buf, '\n', l->len);
    if (nl == NULL) {
        if (l->len > LINK_LINE_MAX)
            drop_link(l, "the payload's header is too long");
        return false;
    }
    size_t n = (size_t)(nl - l->buf), used = n + 1;
    if (n > 0 && l->buf[n - 1] == '\r')
        n--;
    if (n == 0) { /* a keepalive */
        consume(l, used);
        return transfer_header(l);
    }
    if (l->buf[0] == '-') {
        log_warning("MASTER aborted replication with an error: %.*s", (int)n - 1, l->buf + 1);
        drop_link(l, "error from the master");
        return false;
    }
    if (l->buf[0] != '$') {
        log_warning("Bad protocol from MASTER, the first byte is not '$' (we received '%.*s'), "
                    "are you sure the host and port are right?", (int)n, l->buf);
        drop_link(l, "bad payload header");
        return false;
    }
    if (n == 5 + EOF_MARK_LEN && strncmp(l->buf + 1, "EOF:", 4) == 0) {
        l->eof_form = true;
        memcpy(l->eof_mark, l->buf + 5, EOF_MARK_LEN);
        log_notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to "
                   "disk");
    } else if (!resp_str_to_ll(l->buf + 1, n - 1, &l->left) || l->left < 0) {
        drop_link(l, "bad payload length");
        return false;
    } else {
        log_notice("MASTER <-> REPLICA sync: receiving %lld bytes from master to disk", l->left);
    }
    pthread_mutex_lock(&lock);
    shared.transfer_size = l->eof_form ? -1 : l->left;
    shared.transfer_read = 0;
    pthread_mutex_unlock(&lock);
    consume(l, used);
    l->have_header = true;
    return true;
}

static bool write_payload(struct link *l, size_t n)
{
    const char *p = l->buf;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(l->fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            log_warning("Write error or short write writing to the DB dump file needed for "
                        "MASTER <-> REPLICA synchronization: %s", strerror(errno));
            drop_link(l, "write error");
            return false;
        }
        p += w;
        left -= (size_t)w;
    }
    consume(l, n);
    return true;
}

static void transfer_done(struct link *l);

/* Move what the buffer holds of the payload to the file; at its end,
 * load it. The diskless form ends with the mark, after which the master
 * sends nothing until our first ACK, so the mark ends the data read. */
static void transfer_data(struct link *l)
{
    publish_transfer(l, l->received); /* a keepalive newline is I/O too */
    if (!l->have_header) {
        if (!transfer_header(l))
            return;
    }
    if (l->eof_form) {
        bool ended = l->len >= EOF_MARK_LEN &&
                     memcmp(l->buf + l->len - EOF_MARK_LEN, l->eof_mark, EOF_MARK_LEN) == 0;
        size_t keep = ended ? 0 : (l->len < EOF_MARK_LEN ? l->len : EOF_MARK_LEN);
        size_t n = l->len - keep - (ended ? EOF_MARK_LEN : 0);
        l->received += (long long)n;
        if (!write_payload(l, n))
            return;
        publish_transfer(l, l->received);
        if (ended) {
            consume(l, EOF_MARK_LEN);
            transfer_done(l);
        }
        return;
    }
    size_t n = (long long)l->len < l->left ? l->len : (size_t)l->left;
    l->received += (long long)n;
    l->left -= (long long)n;
    if (!write_payload(l, n))
        return;
    publish_transfer(l, l->received);
    if (l->left == 0)
        transfer_done(l);
}

/* Redis's readSyncBulkPayload once the payload is on disk: it becomes the
 * RDB file, the dataset is replaced by it (the AOF stopped meanwhile and
 * started again from the new data, as restartAOFAfterSYNC), and the
 * stream follows. */
static void transfer_done(struct link *l)
{
    char path[PATH_MAX], reason[256];
    bool aof = atomic_load(&server.cfg.appendonly) != 0;

    if (fsync(l->fd) < 0 || close(l->fd) < 0) {
        log_warning("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA "
                    "synchronization: %s", strerror(errno));
        drop_link(l, "fsync failed");
        return;
    }
    l->fd = -1;
    config_lock();
    snprintf(path, sizeof(path), "%s", server.cfg.dbfilename);
    config_unlock();
    if (rename(l->tmp_path, path) < 0) {
        log_warning("Failed trying to rename the temp DB into %s in MASTER <-> REPLICA "
                    "synchronization: %s", path, strerror(errno));
        unlink(l->tmp_path);
        drop_link(l, "rename failed");
        return;
    }
    log_notice("MASTER <-> REPLICA sync: Flushing old data");
    if (aof)
        aof_set_enabled(false, false, reason, sizeof(reason));
    log_notice("MASTER <-> REPLICA sync: Loading DB in memory");
    int db;
    repl_replica_apply_lock();
    if (!wanted(l)) { /* REPLICAOF changed meanwhile: this master's data is not wanted */
        repl_replica_apply_unlock();
        close_link(l);
        return;
    }
    int rc = snapshot_load_from_master(path, &db);
    if (rc == 0)
        repl_attach_to_master(l->replid, l->offset);
    repl_replica_apply_unlock();
    pthread_mutex_lock(&lock);
    shared.psync_possible = rc == 0;
    pthread_mutex_unlock(&lock);
    if (aof && aof_set_enabled(true, false, reason, sizeof(reason)) < 0)
        log_warning("Failed enabling the AOF after successful master synchronization! %s",
                    reason);
    if (rc < 0) {
        log_warning("Failed trying to load the MASTER synchronization DB from disk");
        drop_link(l, "load failed");
        return;
    }
    if (atomic_load(&server.cfg.rdb_del_sync_files) && !aof && !snapshot_save_points_set()) {
        log_notice("Removing the RDB file used for replication as persistence is disabled.");
        unlink(path);
    }
    /* A master's stream SELECTs first after its cut; a replica's goes on
     * in the database its RDB names. */
    master_client_create(l, l->offset, db >= 0 ? db : 0);
    log_notice("MASTER <-> REPLICA sync: Finished with success");
    if (l->eof_form)
        send_ack(l); /* the master streams only once it has our first ACK */
}

static void transfer_begin(struct link *l)
{
    snprintf(l->tmp_path, sizeof(l->tmp_path), "temp-%lld.%ld.rdb", server_mstime() / 1000,
             (long)getpid());
    l->fd = open(l->tmp_path, O_CREAT | O_WRONLY | O_EXCL | O_TRUNC | O_CLOEXEC, 0644);
    if (l->fd < 0) {
        log_warning("Opening the temp file needed for MASTER <-> REPLICA synchronization: %s",
                    strerror(errno));
        drop_link(l, "temp file");
        return;
    }
    l->state = LINK_TRANSFER;
    l->have_header = false;
    l->received = 0;
    pthread_mutex_lock(&lock);
    shared.state = LINK_TRANSFER;
    shared.transfer_size = -1;
    shared.transfer_read = 0;
    shared.transfer_last_io_ms = l->last_io_ms;
    pthread_mutex_unlock(&lock);
}

/* ---- the handshake ---------------------------------------------------------------------- */

static const char *cfg_string(char *const *field, char *buf, size_t cap)
{
    config_lock();
    snprintf(buf, cap, "%s", *field);
    config_unlock();
    return buf;
}

/* A binary-safe option's bytes (masterauth: a password may hold NUL
 * bytes, as Redis's), cut to cap: their length. */
static size_t cfg_bytes(const struct config_bytes *field, char *buf, size_t cap)
{
    config_lock();
    size_t n = field->len < cap ? field->len : cap;
    memcpy(buf, field->ptr, n);
    config_unlock();
    return n;
}

/* After +PONG: AUTH, REPLCONF listening-port, ip-address, capa, sent
 * together; their replies come in order. */
static void send_replconf(struct link *l)
{
    char pass[512], user[256], ip[REPL_HOST_LEN], port[16];
    long long announce = atomic_load(&server.cfg.replica_announce_port);

    size_t passlen = cfg_bytes(&server.cfg.masterauth, pass, sizeof(pass));
    cfg_string(&server.cfg.masteruser, user, sizeof(user));
    cfg_string(&server.cfg.replica_announce_ip, ip, sizeof(ip));
    if (passlen > 0 && user[0] != '\0')
        send_argv(l, (const struct resp_arg[]){{"AUTH", 4}, {user, strlen(user)}, {pass, passlen}},
                  3);
    else if (passlen > 0)
        send_argv(l, (const struct resp_arg[]){{"AUTH", 4}, {pass, passlen}}, 2);
    snprintf(port, sizeof(port), "%lld", announce ? announce : atomic_load(&server.cfg.port));
    send_command(l, (const char *const[]){"REPLCONF", "listening-port", port}, 3);
    l->sent_ip = ip[0] != '\0';
    if (l->sent_ip)
        send_command(l, (const char *const[]){"REPLCONF", "ip-address", ip}, 3);
    send_command(l, (const char *const[]){"REPLCONF", "capa", "eof", "capa", "psync2"}, 5);
    l->step = passlen > 0 ? HS_AUTH : HS_PORT;
}

/* The PSYNC was answered (refused: why the failover fails; NULL: the
 * master took it): a FAILOVER handing over to this master hears it, once. */
static void failover_answered(const struct link *l, const char *refused)
{
    repl_failover_done_cb done = NULL;
    pthread_mutex_lock(&lock);
    if (wanted(l)) {
        done = shared.failover_done;
        shared.failover_done = NULL;
    }
    pthread_mutex_unlock(&lock);
    if (done != NULL)
        done(refused);
}

/* PSYNC <replid> <offset+1>, with FAILOVER while a FAILOVER hands over
 * (the master takes over our history: Redis's syncWithMaster). */
static void send_psync(struct link *l)
{
    char replid[41], off[32];
    bool possible, failover;
    pthread_mutex_lock(&lock);
    possible = shared.psync_possible;
    failover = shared.failover_done != NULL;
    pthread_mutex_unlock(&lock);
    server_replid(replid);
    snprintf(off, sizeof(off), "%lld", repl_offset() + 1);
    if (possible)
        log_notice("Trying a partial resynchronization (request %s:%s).", replid, off);
    else
        log_notice("Partial resynchronization not possible (no cached master)");
    send_command(l, (const char *const[]){"PSYNC", possible ? replid : "?", possible ? off : "-1",
                                          "FAILOVER"}, failover ? 4 : 3);
    l->step = HS_PSYNC;
    if (l->closing && failover)
        failover_answered(l, "Write error to failover target");
}

/* +FULLRESYNC <replid> <offset> or +CONTINUE [<replid>]. */
static void psync_reply(struct link *l, const char *line, size_t n)
{
    if (n >= 11 && strncmp(line, "+FULLRESYNC", 11) == 0) {
        long long off;
        if (n < 12 + 40 + 2 || !resp_str_to_ll(line + 53, n - 53, &off)) {
            drop_link(l, "bad +FULLRESYNC reply");
            return;
        }
        memcpy(l->replid, line + 12, 40);
        l->replid[40] = '\0';
        l->offset = off;
        log_notice("Full resync from master: %s:%lld", l->replid, off);
        l->step = HS_DONE;
        transfer_begin(l);
        failover_answered(l, NULL);
        return;
    }
    if (n >= 9 && strncmp(line, "+CONTINUE", 9) == 0) {
        char id[41] = "";
        if (n >= 10 + 40) {
            memcpy(id, line + 10, 40);
            id[40] = '\0';
        }
        repl_replica_apply_lock();
        if (!wanted(l)) {
            repl_replica_apply_unlock();
            close_link(l);
            return;
        }
        log_notice("Successful partial resynchronization with master.");
        repl_continue_with_master(id[0] ? id : NULL);
        repl_replica_apply_unlock();
        log_notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        l->step = HS_DONE;
        master_client_create(l, repl_offset(), cached_db);
        failover_answered(l, NULL);
        return;
    }
    log_warning("Unexpected reply to PSYNC from master: %.*s", (int)n, line);
    drop_link(l, "PSYNC refused");
    failover_answered(l, "Failover target rejected psync request");
}

static void handshake_reply(struct link *l, const char *line, size_t n)
{
    bool error = n > 0 && line[0] == '-';
    switch (l->step) {
    case HS_PONG:
        /* Redis accepts these errors: the master needs AUTH, which comes next. */
        if (error && strncmp(line, "-NOAUTH", 7) != 0 && strncmp(line, "-NOPERM", 7) != 0 &&
            strncmp(line, "-ERR operation not permitted", 28) != 0) {
            log_warning("Error reply to PING from master: '%.*s'", (int)n, line);
            drop_link(l, "PING refused");
            return;
        }
        log_notice("Master replied to PING, replication can continue...");
        send_replconf(l);
        return;
    case HS_AUTH:
        if (error) {
            log_warning("Unable to AUTH to MASTER: %.*s", (int)n, line);
            drop_link(l, "AUTH refused");
            return;
        }
        l->step = HS_PORT;
        return;
    case HS_PORT:
        if (error)
            log_notice("(Non critical) Master does not understand REPLCONF listening-port: %.*s",
                       (int)n, line);
        l->step = l->sent_ip ? HS_IP : HS_CAPA;
        return;
    case HS_IP:
        if (error)
            log_notice("(Non critical) Master does not understand REPLCONF ip-address: %.*s",
                       (int)n, line);
        l->step = HS_CAPA;
        return;
    case HS_CAPA:
        if (error)
            log_notice("(Non critical) Master does not understand REPLCONF capa: %.*s", (int)n,
                       line);
        send_psync(l);
        return;
    case HS_PSYNC:
        if (n == 0)
            return; /* a newline keeping the link alive before the reply */
        psync_reply(l, line, n);
        return;
    case HS_DONE:
        return;
    }
}

/* ---- reading ---------------------------------------------------------------------------- */

/* Handshake replies, one line each, while the handshake runs. */
static void handshake_lines(struct link *l)
{
    while (!l->closing && l->state == LINK_HANDSHAKE && l->step != HS_DONE) {
        char *nl = memchr(l->buf, '\n', l->len);
        if (nl == NULL) {
            if (l->len > LINK_LINE_MAX)
                drop_link(l, "reply line too long");
            return;
        }
        size_t n = (size_t)(nl - l->buf);
        size_t used = n + 1;
        if (n > 0 && l->buf[n - 1] == '\r')
            n--;
        l->buf[n] = '\0';
        handshake_reply(l, l->buf, n);
        if (!l->closing)
            consume(l, used);
    }
}

/* Whatever the buffer holds, for the state the link is in (a state may
 * hand the rest to the next: the stream follows +CONTINUE or the RDB). */
static void process(struct link *l)
{
    l->processing = true;
    if (l->state == LINK_HANDSHAKE)
        handshake_lines(l);
    if (!l->closing && l->state == LINK_TRANSFER)
        transfer_data(l);
    if (!l->closing && l->state == LINK_CONNECTED)
        run_stream(l);
    l->processing = false;
    if (!l->closing && l->client_live && (l->client.flags & CLIENT_CLOSE_ASAP))
        drop_link(l, "killed");
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct link *l = h->data;
    (void)suggested;
    if (l->cap - l->len < LINK_READ_SIZE) {
        size_t cap = l->len + LINK_READ_SIZE;
        char *p = realloc(l->buf, cap);
        if (p == NULL) {
            *buf = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS */
            return;
        }
        l->buf = p;
        l->cap = cap;
    }
    *buf = uv_buf_init(l->buf + l->len, LINK_READ_SIZE);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct link *l = s->data;
    (void)buf;
    if (l->closing)
        return;
    if (nread < 0) {
        drop_link(l, nread == UV_EOF ? "connection closed" : uv_strerror((int)nread));
        return;
    }
    if (nread == 0)
        return;
    l->len += (size_t)nread;
    l->last_io_ms = server_mstime();
    process(l);
}

/* ---- connecting ------------------------------------------------------------------------- */

static void connect_cb(uv_connect_t *req, int status)
{
    struct link *l = req->handle->data;
    if (status == UV_ECANCELED || l->closing)
        return;
    if (status < 0) {
        drop_link(l, uv_strerror(status));
        return;
    }
    log_notice("MASTER <-> REPLICA sync started");
    uv_tcp_nodelay(&l->tcp, 1);
    l->state = LINK_HANDSHAKE;
    l->step = HS_PONG;
    l->last_io_ms = server_mstime();
    publish_state(l, LINK_HANDSHAKE);
    uv_read_start((uv_stream_t *)&l->tcp, alloc_cb, read_cb);
    send_command(l, (const char *const[]){"PING"}, 1);
}

/* Redis resolves the master's name in the event loop too (anetResolve):
 * an address needs no lookup, a name is looked up once per attempt. */
static int resolve(const char *host, int port, struct sockaddr_storage *out)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0)
        return -EHOSTUNREACH;
    memcpy(out, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

/* bind-source-addr: the link leaves from that address, on a best-effort
 * basis as in Redis (anetTcpNonBlockBestEffortBindConnect): one that
 * cannot be bound (not this host's, or of the other family) is logged
 * and the link leaves from wherever the kernel picks. */
static void bind_source(uv_tcp_t *tcp, const struct sockaddr_storage *to)
{
    char source[REPL_HOST_LEN];
    if (cfg_string(&server.cfg.bind_source_addr, source, sizeof(source))[0] == '\0')
        return;
    struct addrinfo hints = {.ai_family = to->ss_family, .ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(source, NULL, &hints, &res);
    if (rc != 0) {
        log_warning("Can't bind the link to the master to %s: %s", source, gai_strerror(rc));
        return;
    }
    rc = uv_tcp_bind(tcp, res->ai_addr, 0);
    freeaddrinfo(res);
    if (rc < 0)
        log_warning("Can't bind the link to the master to %s: %s", source, uv_strerror(rc));
}

static void connect_master(uv_loop_t *loop, unsigned gen)
{
    struct sockaddr_storage sa;
    struct link *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return; /* the next tick tries again */
    pthread_mutex_lock(&lock);
    snprintf(l->host, sizeof(l->host), "%s", shared.host);
    l->port = shared.port;
    shared.state = LINK_CONNECTING;
    pthread_mutex_unlock(&lock);
    l->gen = gen;
    l->fd = -1;
    l->state = LINK_CONNECTING;
    l->last_io_ms = server_mstime();
    uv_tcp_init(loop, &l->tcp);
    l->tcp.data = l;
    link_now = l;
    log_notice("Connecting to MASTER %s:%d", l->host, l->port);
    int rc = resolve(l->host, l->port, &sa);
    if (rc == 0)
        bind_source(&l->tcp, &sa);
    if (rc == 0)
        rc = uv_tcp_connect(&l->connect_req, &l->tcp, (struct sockaddr *)&sa, connect_cb);
    if (rc < 0)
        drop_link(l, rc == -EHOSTUNREACH ? "can't resolve the master's address" : uv_strerror(rc));
}

/* ---- the link loop's tick --------------------------------------------------------------- */

/* Redis's replicationCron checks: a link silent past repl-timeout is
 * closed; a streaming one acknowledges its offset. */
static void check_link(struct link *l, long long now_ms)
{
    long long timeout_ms = atomic_load(&server.cfg.repl_timeout) * 1000;
    if (now_ms - l->last_io_ms > timeout_ms) {
        if (l->state == LINK_TRANSFER)
            log_warning("Timeout receiving bulk data from MASTER... If the problem persists try "
                        "to set the 'repl-timeout' parameter in redis.conf to a larger value.");
        else if (l->state == LINK_CONNECTED)
            log_warning("MASTER timeout: no data nor PING received...");
        else
            log_warning("Timeout connecting to the MASTER...");
        drop_link(l, "timeout");
        return;
    }
    if (l->state == LINK_CONNECTED)
        send_ack(l);
}

/* Bring the link in line with what REPLICAOF asked last. */
static void reconcile(uv_loop_t *loop)
{
    unsigned gen = atomic_load(&wanted_gen);
    if (link_now != NULL && !wanted(link_now))
        close_link(link_now);
    if (link_now == NULL && repl_replica_on())
        connect_master(loop, gen);
}

static void cron_cb(uv_timer_t *t)
{
    if (link_now != NULL && !link_now->closing)
        check_link(link_now, server_mstime());
    reconcile(t->loop);
}

struct reconcile_msg {
    struct worker_msg msg; /* first: the worker frees the whole block */
};

static void reconcile_deliver_cb(struct worker *w, struct worker_msg *m)
{
    (void)m;
    uv_loop_t *loop = &w->loop->loop;
    if (!cron_started) {
        uv_timer_init(loop, &cron_timer);
        uv_timer_start(&cron_timer, cron_cb, CRON_MS, CRON_MS);
        uv_timer_init(loop, &pause_timer);
        cron_started = true;
    }
    reconcile(loop);
}

static void post_reconcile(void)
{
    if (worker_count() == 0)
        return; /* no loop runs (the command fuzzer): nothing to connect from */
    struct reconcile_msg *m = malloc(sizeof(*m));
    if (m == NULL)
        return; /* the tick catches up, if it runs */
    m->msg = (struct worker_msg){.deliver_cb = reconcile_deliver_cb};
    worker_post(link_worker(), &m->msg);
}

static void timer_closed_cb(uv_handle_t *h)
{
    (void)h;
}

void repl_replica_loop_stop(struct worker *w)
{
    if (w != link_worker())
        return;
    if (link_now != NULL)
        close_link(link_now);
    if (cron_started) {
        uv_close((uv_handle_t *)&cron_timer, timer_closed_cb);
        uv_close((uv_handle_t *)&pause_timer, timer_closed_cb);
        cron_started = false;
    }
}

/* ---- REPLICAOF ---------------------------------------------------------------------------- */

static void store_replicaof(const char *host, int port)
{
    char value[REPL_HOST_LEN + 16] = "";
    if (host != NULL)
        snprintf(value, sizeof(value), "%s %d", host, port);
    config_lock(); /* string options change under it: readers take it */
    config_store(&server.cfg, "replicaof", value);
    process_oom_score_update(&server.cfg); /* a replica's score, or a master's again */
    config_unlock();
}

/* The apply lock held: host:port is the master from now on (Redis's
 * replicationSetMaster). A FAILOVER's PSYNC says so, and `failover_done`
 * hears the answer. Our replicas stay: they may continue with us. */
static void become_replica(const char *host, int port, repl_failover_done_cb failover_done)
{
    pthread_mutex_lock(&lock);
    /* Redis's cached master: the old link's offset, or ours as a master. */
    if (shared.state == LINK_CONNECTED)
        shared.down_since_ms = server_mstime();
    if (!repl_replica_on())
        shared.reploff = shared.read_reploff = repl_offset();
    snprintf(shared.host, sizeof(shared.host), "%s", host);
    shared.port = port;
    shared.state = LINK_CONNECT;
    shared.failover_done = failover_done;
    pthread_mutex_unlock(&lock);
    atomic_store(&repl_replica__link_up, false);
    atomic_fetch_add(&wanted_gen, 1);
    atomic_store(&repl_replica__on, true);
    keyspace_hold_expired_always(server.ks, true);
    notify_refresh_events(); /* the TTLs its clients set, when writable */
    blocking_unblock_all_for_replica(); /* their writes would not be the master's */
    store_replicaof(host, port);
}

int repl_replica_set_master(const char *host, int port, const char *who)
{
    repl_replica_apply_lock();
    pthread_mutex_lock(&lock);
    bool same = repl_replica_on() && strcasecmp(shared.host, host) == 0 && shared.port == port;
    pthread_mutex_unlock(&lock);
    if (same) {
        repl_replica_apply_unlock();
        log_notice("REPLICAOF would result into synchronization with the master we are already "
                   "connected with. No operation performed.");
        return 1;
    }
    become_replica(host, port, NULL);
    repl_replica_apply_unlock();
    log_notice("REPLICAOF %s:%d enabled (user request from '%s')", host, port, who);
    post_reconcile();
    return 0;
}

void repl_replica_failover_to(const char *host, int port, repl_failover_done_cb done)
{
    repl_replica_apply_lock();
    become_replica(host, port, done);
    repl_replica_apply_unlock();
    post_reconcile();
}

bool repl_replica_unset_master(void)
{
    repl_replica_apply_lock();
    if (!repl_replica_on()) {
        repl_replica_apply_unlock();
        return false;
    }
    atomic_store(&repl_replica__on, false);
    atomic_store(&repl_replica__link_up, false);
    atomic_fetch_add(&wanted_gen, 1);
    pthread_mutex_lock(&lock);
    shared.host[0] = '\0';
    shared.state = LINK_NONE;
    shared.down_since_ms = 0;
    shared.reploff = shared.read_reploff = -1;
    shared.failover_done = NULL;
    pthread_mutex_unlock(&lock);
    keyspace_hold_expired_always(server.ks, false);
    notify_refresh_events();
    repl_new_history(NULL);
    store_replicaof(NULL, 0);
    repl_replica_apply_unlock();
    post_reconcile();
    return true;
}

void repl_replica_restore_stream_db(int db)
{
    cached_db = db; /* before the link loop exists: its start message publishes it */
}

void repl_replica_start(void)
{
    char value[REPL_HOST_LEN + 16];
    config_lock();
    snprintf(value, sizeof(value), "%s", server.cfg.replicaof);
    config_unlock();
    char *space = strrchr(value, ' ');
    if (space == NULL)
        return;
    *space = '\0';
    repl_replica_set_master(value, atoi(space + 1), "config");
}

/* ---- INFO and ROLE ------------------------------------------------------------------------ */

void repl_replica_info(struct resp_out *t, long long now_ms)
{
    char line[512];
    long long now_s = now_ms / 1000;
    pthread_mutex_lock(&lock);
    bool up = shared.state == LINK_CONNECTED;
#define LINE(...) resp_add_raw(t, line, (size_t)snprintf(line, sizeof(line), __VA_ARGS__))
    LINE("master_host:%s\r\n", shared.host);
    LINE("master_port:%d\r\n", shared.port);
    LINE("master_link_status:%s\r\n", up ? "up" : "down");
    LINE("master_last_io_seconds_ago:%d\r\n", up ? (int)(now_s - shared.last_io_ms / 1000) : -1);
    LINE("master_sync_in_progress:%d\r\n", shared.state == LINK_TRANSFER);
    LINE("slave_read_repl_offset:%lld\r\n", shared.read_reploff >= 0 ? shared.read_reploff : 1);
    LINE("slave_repl_offset:%lld\r\n", shared.reploff >= 0 ? shared.reploff : 1);
    if (shared.state == LINK_TRANSFER) {
        long long size = shared.transfer_size, read = shared.transfer_read;
        LINE("master_sync_total_bytes:%lld\r\n", size);
        LINE("master_sync_read_bytes:%lld\r\n", read);
        LINE("master_sync_left_bytes:%lld\r\n", size - read);
        /* As Redis: the size is -1 until the diskless form's end is seen. */
        LINE("master_sync_perc:%.2f\r\n", size != 0 ? (double)read / (double)size * 100 : 0.0);
        LINE("master_sync_last_io_seconds_ago:%d\r\n",
             (int)(now_s - shared.transfer_last_io_ms / 1000));
    }
    if (!up)
        LINE("master_link_down_since_seconds:%lld\r\n",
             shared.down_since_ms ? now_s - shared.down_since_ms / 1000 : -1);
    pthread_mutex_unlock(&lock);
    LINE("slave_priority:%lld\r\n", atomic_load(&server.cfg.replica_priority));
    LINE("slave_read_only:%lld\r\n", atomic_load(&server.cfg.replica_read_only));
    LINE("replica_announced:%lld\r\n", atomic_load(&server.cfg.replica_announced));
#undef LINE
}

void repl_replica_role(struct resp_out *out)
{
    pthread_mutex_lock(&lock);
    resp_add_array_len(out, 5);
    resp_add_bulk_cstr(out, "slave");
    resp_add_bulk_cstr(out, shared.host);
    resp_add_integer(out, shared.port);
    resp_add_bulk_cstr(out, role_states[shared.state]);
    resp_add_integer(out, shared.state == LINK_CONNECTED ? shared.reploff : -1);
    pthread_mutex_unlock(&lock);
}
