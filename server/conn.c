/*
 * conn.c - a client connection on a worker loop.
 *
 * State machine
 *
 *   accepted --read--> [parse requests, run commands, append replies]
 *       |                         |
 *       |            queued for flush; the worker's check handle, after
 *       |            the loop's I/O callbacks, writes every queued conn:
 *       |            uv_try_write, the rest by uv_write
 *       |                         |
 *       +--- QUIT / protocol error: CLOSE_AFTER_REPLY: stop reading,
 *       |    close once every reply is written
 *       +--- EOF, read or write error, CLIENT KILL, a limit: close now
 *
 * Buffers: replies go to client.out. When the kernel will not take them at
 * once, client.out is swapped into `writing`, which uv_write owns until its
 * callback, and new replies gather in a fresh client.out meanwhile. So a
 * pipelined batch leaves in one write, and at most one write is in flight.
 *
 * Fairness, a slice per turn: a loop turn (one uv_run iteration, ended by
 * the worker's check handle) gives each client at most CONN_TURN_INPUT
 * bytes of requests and CONN_TURN_OUTPUT bytes of replies, as Redis runs
 * what one 16 KB read brings and writes at most NET_MAX_WRITES_PER_EVENT
 * (64 KB) per client per event. Both are 16 KB, chosen with
 * bench_fairness: 64 KB of either kept the probe waiting several times
 * longer (p99) at no gain in the heavy client's rate. A client whose
 * slice runs out with whole requests left stops being read (its socket
 * holds the rest) and goes on the loop's ready list; an idle handle,
 * active while the list is not empty, runs its next slice at the start of
 * the next turn without letting the poll wait, so it streams at full speed
 * when alone and the others are served between its slices when not. A
 * request always runs whole. A big reply goes to uv_write a slice at a
 * time, the next from write_cb, which libuv runs in the next turn.
 * Without the slices, one client's
 * bulk load (redis-cli --pipe) ran what up to 32 reads brought (libuv's
 * loop in one read event) and a 19 MB LRANGE reply left in a few writes,
 * while everyone else on the loop waited (bench/bench_fairness; figures
 * in the README).
 *
 * Look-ahead: before running requests, process_input looks at the next
 * whole ones in the buffer (look_ahead): their keys' buckets and entries
 * are prefetched, so a pipelined batch overlaps its cache misses, and
 * each then runs from what the look found, parsed, its command found and
 * its key hashed once.
 *
 * Back-pressure: while more than CONN_PAUSE_OUTPUT bytes of replies wait,
 * the connection stops running requests (it goes on once the kernel has
 * taken the replies), so a client that pipelines without reading cannot
 * grow our reply buffers without bound. It never stops reading for that
 * (only while requests wait for the next turn's slice, which comes): clients
 * such as redis-py, redigo and hiredis write a whole pipeline before they
 * read a reply, and a server that stopped reading would leave both sides
 * waiting for ever. The requests wait in the query buffer instead, bounded
 * by client-query-buffer-limit. Redis has no such pause; it changes no
 * reply, only when requests run.
 *
 * Limits, read live so CONFIG SET reaches existing connections: the
 * parser's (proto-max-bulk-len, and Redis 7.0's 10 args / 16 KB bulks
 * before AUTH) are set between requests; the output buffer limits of the
 * client's class (obuf_limit.h: hard, and soft for so many seconds) count
 * every reply byte the kernel has not taken, including uv_write's queue.
 *
 * TLS (a connection accepted on tls-port): the same reads, writes, slices
 * and limits, with the session (tls.h) in between. A read lands in the
 * loop's raw buffer instead of the query buffer and is fed to the session,
 * which decrypts all of it into the query buffer at once (the handshake
 * runs inside the first reads). A reply slice is encrypted just before it
 * is written, so the records in flight are what uv_write owns and
 * `writing` still counts plain text; records OpenSSL makes on its own
 * (handshake, tickets, alerts) leave with the next write, and a direct
 * write that the kernel takes only part of leaves its rest through
 * uv_write as a slice of no plain text. Closing sends close_notify when
 * no write is in flight. A failed handshake is logged as Redis logs it.
 *
 * Unix socket: the same, on a pipe handle instead of a TCP one (loop 0
 * accepted it and dealt it to this loop, worker_loop.c); its addresses
 * are the socket's path, and TCP's options (nodelay, keepalive) do not
 * apply.
 *
 * Who frees what: the conn (and everything in its client) is freed only in
 * close_cb, after libuv has cancelled any pending write (whose callback runs
 * first and touches nothing once the client is CLIENT_CLOSED).
 */
#include "conn.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acl.h"
#include "aof.h"
#include "client_evict.h"
#include "command.h"
#include "fault.h"
#include "log.h"
#include "obuf_limit.h"
#include "pubsub.h"
#include "replication.h"
#include "server.h"
#include "stats.h"
#include "tls.h"
#include "worker_loop.h"

#define CONN_READ_CHUNK (16 * 1024)
#define CONN_SMALL_QBUF (64 * 1024)        /* shrink an idle query buffer above this */
#define CONN_IDLE_BUFFERS_MS 2000          /* idle this long, empty buffers are freed (Redis: 2 s) */
#define CONN_PAUSE_OUTPUT (64 * 1024 * 1024)
#define CONN_TURN_INPUT (16 * 1024)       /* request bytes run per client per turn */
#define CONN_TURN_OUTPUT (16 * 1024)      /* reply bytes written per client per turn */
#define CONN_LOOKAHEAD 16      /* requests looked at before they run (look_ahead) */
#define CONN_LOOKAHEAD_ARGS 8  /* ... each of at most this many args */

/* A TLS connection's reads land here, then go through its session into
 * the query buffer: each read is consumed before the next, so one buffer
 * per loop thread does. */
static _Thread_local char tls_raw[CONN_READ_CHUNK];

static void alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf);
static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void flush(struct conn *c);
static void after_write(struct conn *c);
static size_t pending_output(const struct conn *c);
static bool over_output_limits(struct conn *c);
static void close_over_output_limits(struct conn *c);
static void publish(struct conn *c);
static bool within_client_memory(struct conn *c);

/* ---- set-up and teardown ------------------------------------------------- */

static void format_addr(const struct sockaddr_storage *sa, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        uv_ip4_name(in, ip, sizeof(ip));
        port = ntohs(in->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        uv_ip6_name(in6, ip, sizeof(ip));
        port = ntohs(in6->sin6_port);
    }
    snprintf(out, cap, "%s:%d", ip, port);
}

static struct worker_loop *loop_of(const struct conn *c)
{
    return c->client.worker->loop;
}

static void unqueue_flush(struct conn *c)
{
    struct worker_loop *w = loop_of(c);
    if (!c->flush_queued)
        return;
    if (c->flush_prev)
        c->flush_prev->flush_next = c->flush_next;
    else
        w->flush_queue = c->flush_next;
    if (c->flush_next)
        c->flush_next->flush_prev = c->flush_prev;
    c->flush_queued = false;
}

static void queue_flush(struct conn *c)
{
    struct worker_loop *w = loop_of(c);
    if (c->flush_queued)
        return;
    c->flush_prev = NULL;
    c->flush_next = w->flush_queue;
    if (w->flush_queue)
        w->flush_queue->flush_prev = c;
    w->flush_queue = c;
    c->flush_queued = true;
}

/* The loop's ready list: connections whose slice ran out with whole
 * requests left. Short (the clients streaming right now), so a removal
 * may walk it. */
static void ready_remove(struct conn *c)
{
    if (!c->ready_queued)
        return;
    c->ready_queued = false;
    for (struct conn **p = &loop_of(c)->ready; *p != NULL; p = &(*p)->ready_next)
        if (*p == c) {
            *p = c->ready_next;
            return;
        }
}

/* The loop's list of its connections, and its index of their clients. */
static void list_add(struct worker_loop *wl, struct conn *c)
{
    worker_add_client(wl->w, &c->client);
    c->prev = NULL;
    c->next = wl->conns;
    if (wl->conns)
        wl->conns->prev = c;
    wl->conns = c;
}

static void list_remove(struct conn *c)
{
    struct worker_loop *wl = loop_of(c);
    worker_remove_client(wl->w, &c->client);
    if (c->prev)
        c->prev->next = c->next;
    else
        wl->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

static bool closing(const struct conn *c)
{
    return (c->client.flags & CLIENT_CLOSED) != 0;
}

static void close_cb(uv_handle_t *handle)
{
    struct conn *c = handle->data;
    unqueue_flush(c);
    ready_remove(c);
    client_unregister(&c->client);
    list_remove(c);
    command_client_leave(&c->client);
    client_deinit(&c->client);
    resp_out_deinit(&c->writing);
    tls_conn_destroy(c->tls);
    free(c);
}

/* A TLS connection's last words: close_notify once in session (Redis's
 * SSL_shutdown on close), or the alert a failed handshake left (which
 * Redis's socket BIO has sent already), so the client learns why. Best
 * effort, never waiting, and never behind a write in flight, whose
 * records must go first. */
static void send_last_records(struct conn *c)
{
    size_t len;
    int err;
    if (c->tls == NULL || c->write_pending)
        return;
    tls_conn_shutdown(c->tls);
    const char *records = tls_conn_take_records(c->tls, &len, &err);
    uv_buf_t buf = uv_buf_init((char *)records, (unsigned)len);
    if (len > 0)
        uv_try_write(&c->sock.stream, &buf, 1);
}

void conn_close(struct conn *c)
{
    if (closing(c))
        return;
    send_last_records(c);
    c->client.flags |= CLIENT_CLOSED;
    /* A replica leaves the master's count now, not in close_cb: a script
     * busy on this loop, watching INFO replication, sees it go (Redis
     * frees the client at once). */
    repl_client_leave(&c->client);
    /* CLIENT KILL on another thread half-closes a socket through client.fd
     * under the registry lock: once uv_close has closed the descriptor (and
     * the number may be reused), it must not find it there. */
    client_registry_lock();
    c->client.fd = -1;
    client_registry_unlock();
    uv_close(&c->sock.handle, close_cb);
}

static void stop_reading(struct conn *c)
{
    if (c->reading) {
        uv_read_stop(&c->sock.stream);
        c->reading = false;
    }
}

static void close_after_flush(struct conn *c)
{
    c->client.flags |= CLIENT_CLOSE_AFTER_REPLY;
    stop_reading(c);
    if (c->write_pending)
        return; /* write_cb flushes the rest, then closes */
    if (c->client.out.len > 0)
        queue_flush(c);
    else
        conn_close(c);
}

static struct conn *conn_of(const struct client *cl)
{
    return (struct conn *)((const char *)cl - offsetof(struct conn, client));
}

static void wake_cb(struct client *cl)
{
    queue_flush(conn_of(cl));
}

static const struct client_io conn_io = {.wake_cb = wake_cb};

/* Subscribers wait for messages, monitors for lines, blocked clients for
 * data and postponed ones for the pause's end, not for requests, and
 * replicas have repl-timeout: Redis's timeout exempts them. */
static bool timed_out(const struct conn *c, long long timeout, long long now_ms)
{
    return timeout > 0 && !pubsub_client_subscribed(&c->client) &&
           !(c->client.flags & (CLIENT_BLOCKED | CLIENT_MONITOR | CLIENT_POSTPONED |
                                CLIENT_REPLICA)) &&
           now_ms - c->client.last_interaction_ms > timeout * 1000;
}

/* An idle client's empty buffers go back to the allocator, as Redis's
 * clientsCron frees an idle query buffer and shrinks the reply buffer: a
 * pool of thousands of idle connections would otherwise hold a page or
 * more of each. The next read or reply allocates them again. */
static void release_idle_buffers(struct conn *c, long long now_ms)
{
    struct client *cl = &c->client;
    if (now_ms - cl->last_interaction_ms <= CONN_IDLE_BUFFERS_MS)
        return;
    if (cl->qbuf != NULL && cl->qlen == 0 && !c->mid_request) {
        free(cl->qbuf);
        cl->qbuf = NULL;
        cl->qcap = 0;
    }
    bool keep_replies = atomic_load(&server.reply_buffers_kept);
    if (cl->out.len == 0 && !keep_replies)
        resp_out_deinit(&cl->out);
    if (!c->write_pending && !keep_replies) {
        resp_out_deinit(&c->writing);
        if (c->tls != NULL)
            tls_conn_release_buffers(c->tls);
    }
    publish(c);
}

void conn_tick(struct worker_loop *w, long long now_ms)
{
    long long timeout = server.cfg.timeout;
    for (struct conn *c = w->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (closing(c))
            continue;
        if (timed_out(c, timeout, now_ms)) {
            log_verbose("Closing idle client");
            conn_close(c);
            continue;
        }
        if (over_output_limits(c)) {
            close_over_output_limits(c);
            continue;
        }
        release_idle_buffers(c, now_ms);
    }
}

void conn_close_all(struct worker_loop *w)
{
    for (struct conn *c = w->conns, *next; c != NULL; c = next) {
        next = c->next;
        close_after_flush(c);
    }
    conn_flush_queued(w);
    /* What a socket did not take at once is dropped, as Redis's exit drops
     * it: a peer that stopped reading (a paused replica) would otherwise
     * hold the loop, and the exit, for ever. */
    for (struct conn *c = w->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (c->write_pending)
            conn_close(c);
    }
}

/* Refuse a client with Redis's text (best effort, never waiting), counted
 * in rejected_connections. A TLS client is closed without it: it is not
 * in a session yet (Redis's write of it fails there too). */
static void reject_connection(struct conn *c, bool tls, const char *text)
{
    uv_buf_t buf = uv_buf_init((char *)text, (unsigned)strlen(text));
    if (!tls)
        uv_try_write(&c->sock.stream, &buf, 1);
    atomic_fetch_add(&server.rejected_connections, 1);
    conn_close(c);
}

static const char max_clients_text[] = "-ERR max number of clients reached\r\n";

/* Redis 7.0's text for a stranger refused by protected mode, word for word. */
static const char denied_text[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to Redis you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration "
    "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    "If you started the server manually just for testing, restart it with the "
    "'--protected-mode no' option. 4) Setup a an authentication password for the default "
    "user. NOTE: You only need to do one of the above things in order for the server to start "
    "accepting connections from the outside.\r\n";

void conn_describe_peer(uv_tcp_t *tcp, struct client *c)
{
    struct sockaddr_storage sa;
    int len = sizeof(sa);
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&sa, &len) == 0)
        format_addr(&sa, c->addr, sizeof(c->addr));
    len = sizeof(sa);
    if (uv_tcp_getsockname(tcp, (struct sockaddr *)&sa, &len) == 0)
        format_addr(&sa, c->laddr, sizeof(c->laddr));
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)tcp, &fd) == 0)
        c->fd = fd;
}

/* Both ends are the socket's path, with port 0, as Redis shows them. */
static void describe_unix_peer(struct conn *c)
{
    snprintf(c->client.addr, sizeof(c->client.addr), "%s:0", server.cfg.unixsocket);
    memcpy(c->client.laddr, c->client.addr, sizeof(c->client.addr));
}

/* protected-mode, as Redis 7.0's clientAcceptHandler: while the default
 * user has no password, only 127.0.0.1, ::1 and the unix socket may
 * connect (an explicit bind does not lift it, since 7.0). */
static bool protected_refuses(const struct client *cl)
{
    return server.cfg.protected_mode && acl_default_nopass() && !client_is_local(cl);
}

/* A new conn on loop wl, its socket handle not yet initialised; NULL
 * without memory. */
static struct conn *conn_create(struct worker_loop *wl)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (c == NULL || fault_hit(FAULT_CONN_ALLOC)) {
        free(c);
        return NULL;
    }
    client_init(&c->client, wl->w, wl->w->stats, &conn_io, server_mstime());
    resp_out_init(&c->writing, 2);
    return c;
}

/* A socket accepted into c (whose handle is initialised) or not (`rc`):
 * make it known, refuse it if it may not stay (maxclients, protected
 * mode), else start reading. */
static int conn_start(struct worker_loop *wl, struct conn *c, int rc, bool tls)
{
    c->sock.handle.data = c;
    list_add(wl, c);
    uv_os_fd_t fd;
    if (rc == 0 && uv_fileno(&c->sock.handle, &fd) == 0)
        c->client.fd = fd;
    client_register(&c->client); /* after its address is known: others read it */
    if (rc != 0) {
        conn_close(c);
        return rc;
    }
    if (client_connected_count() > server.cfg.maxclients) {
        reject_connection(c, tls, max_clients_text);
        return 0;
    }
    if (protected_refuses(&c->client)) {
        if (!tls) {
            reject_connection(c, tls, denied_text);
            return 0;
        }
        c->deny_after_handshake = true; /* Redis checks once the session is up */
    }
    if (tls && (c->tls = tls_conn_create()) == NULL) {
        log_warning("Error accepting a client connection: cannot create a TLS session "
                    "(addr=%s)", c->client.addr);
        conn_close(c);
        return 0;
    }
    c->reading = true;
    uv_read_start(&c->sock.stream, alloc_cb, read_cb);
    return 0;
}

int conn_accept(struct worker_loop *wl, uv_stream_t *listener, bool tls)
{
    struct conn *c = conn_create(wl);
    if (c == NULL)
        return -ENOMEM;
    uv_tcp_init(&wl->loop, &c->sock.tcp);
    atomic_fetch_add(&server.total_connections_received, 1);
    int rc = uv_accept(listener, &c->sock.stream);
    if (rc == 0) {
        conn_describe_peer(&c->sock.tcp, &c->client);
        uv_tcp_nodelay(&c->sock.tcp, 1);
        if (server.cfg.tcp_keepalive > 0)
            uv_tcp_keepalive(&c->sock.tcp, 1, (unsigned)server.cfg.tcp_keepalive);
    }
    return conn_start(wl, c, rc, tls);
}

int conn_accept_unix(struct worker_loop *wl, int fd)
{
    struct conn *c = conn_create(wl);
    if (c == NULL)
        return -ENOMEM;
    uv_pipe_init(&wl->loop, &c->sock.pipe, 0);
    c->client.flags |= CLIENT_UNIX_SOCKET;
    describe_unix_peer(c);
    atomic_fetch_add(&server.total_connections_received, 1);
    int rc = uv_pipe_open(&c->sock.pipe, fd);
    if (rc != 0)
        close(fd); /* the handle never took it */
    return conn_start(wl, c, rc, false);
}

/* ---- the query buffer ------------------------------------------------------ */

/* Make room for at least `want` more bytes after qlen. */
static bool qbuf_reserve(struct client *cl, size_t want)
{
    if (cl->qcap - cl->qlen >= want)
        return true;
    size_t cap = cl->qcap ? cl->qcap : CONN_READ_CHUNK;
    while (cap - cl->qlen < want)
        cap *= 2;
    char *p = realloc(cl->qbuf, cap);
    if (p == NULL)
        return false;
    cl->qbuf = p;
    cl->qcap = cap;
    return true;
}

/* Room for exactly `want` more bytes: a big bulk argument's, as Redis
 * sizes the buffer of a big argument. Doubling would hold up to twice
 * the argument, which tot-mem and maxmemory-clients count. */
static bool qbuf_reserve_exact(struct client *cl, size_t want)
{
    if (cl->qcap - cl->qlen >= want)
        return true;
    char *p = realloc(cl->qbuf, cl->qlen + want);
    if (p == NULL)
        return false;
    cl->qbuf = p;
    cl->qcap = cl->qlen + want;
    return true;
}

/* Drop consumed bytes; give back a big buffer once it is empty. */
static void qbuf_compact(struct client *cl)
{
    if (cl->qpos == cl->qlen) {
        cl->qpos = cl->qlen = 0;
        if (cl->qcap > CONN_SMALL_QBUF) {
            free(cl->qbuf);
            cl->qbuf = NULL;
            cl->qcap = 0;
        }
    } else if (cl->qpos > 0) {
        memmove(cl->qbuf, cl->qbuf + cl->qpos, cl->qlen - cl->qpos);
        cl->qlen -= cl->qpos;
        cl->qpos = 0;
    }
}

/* Room for the next read's bytes: what the parser waits for (a big bulk
 * is read in place, its buffer never more than it needs) or a chunk, or
 * at least one byte when memory is short. */
static bool qbuf_reserve_read(struct client *cl)
{
    size_t want = resp_parser_bytes_wanted(&cl->parser);
    if (want > CONN_READ_CHUNK)
        return qbuf_reserve_exact(cl, want) || qbuf_reserve(cl, 1);
    if (want > 0 && cl->qcap - cl->qlen >= want)
        return true; /* the rest of the bulk fits: doubling for a chunk would double a big one */
    return qbuf_reserve(cl, CONN_READ_CHUNK) || qbuf_reserve(cl, 1);
}

static void alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = handle->data;
    struct client *cl = &c->client;
    if (c->tls != NULL)
        *buf = uv_buf_init(tls_raw, sizeof(tls_raw));
    else if (qbuf_reserve_read(cl))
        *buf = uv_buf_init(cl->qbuf + cl->qlen, (unsigned)(cl->qcap - cl->qlen));
    else
        *buf = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS */
}

/* ---- request limits ---------------------------------------------------------- */

#define CONN_UNAUTH_MAX_ARGS 10       /* Redis 7.0, before AUTH */
#define CONN_UNAUTH_MAX_BULK 16384

/* The parser's limits for the request about to start: proto-max-bulk-len
 * as it is now (CONFIG SET applies from the next request on), and while
 * the client has not authenticated, the small bounds Redis 7.0 sets so
 * that a stranger cannot make the server allocate. Changing limits resets
 * the parser, so this is only called between requests. */
static bool set_request_limits(struct conn *c)
{
    uint64_t bulk = (uint64_t)server.cfg.proto_max_bulk_len;
    bool unauth = client_auth_required(&c->client);
    if (unauth && bulk > CONN_UNAUTH_MAX_BULK)
        bulk = CONN_UNAUTH_MAX_BULK;
    if (bulk == c->limit_bulk && unauth == c->limit_unauth)
        return false;
    struct resp_limits limits;
    resp_limits_default(&limits);
    limits.max_bulk_len = bulk;
    if (unauth)
        limits.max_multibulk_len = CONN_UNAUTH_MAX_ARGS;
    resp_parser_init(&c->client.parser, &limits);
    c->limit_bulk = bulk;
    c->limit_unauth = unauth;
    return true;
}

/* A number from a header line ("*12\r" or "$5\r") starting at p. */
static bool header_number(const char *p, const char *end, long long *v)
{
    const char *cr = memchr(p, '\r', (size_t)(end - p));
    return cr != NULL && resp_str_to_ll(p + 1, (size_t)(cr - p - 1), v);
}

/* Skip a header line; NULL if it is not all there. */
static const char *after_header(const char *p, const char *end)
{
    const char *cr = memchr(p, '\r', (size_t)(end - p));
    return cr != NULL && end - cr >= 2 ? cr + 2 : NULL;
}

/* Under the unauthenticated limits the parser calls a count over 10 or a
 * bulk over 16 KB "invalid", where Redis says "unauthenticated" if the
 * number itself is fine. The request's headers up to the failing one are
 * complete in the buffer (the parser went past them), so read them again
 * to tell which. Returns the text to send. */
static const char *unauth_error(const struct client *cl)
{
    const char *error = cl->parser.error;
    const char *p = cl->qbuf + cl->qpos, *end = cl->qbuf + cl->qlen;
    long long v;
    if (cl->parser.error_code == RESP_ERR_INVALID_MBULK)
        return header_number(p, end, &v) && v <= INT_MAX
                   ? "Protocol error: unauthenticated multibulk length"
                   : error;
    if (cl->parser.error_code != RESP_ERR_INVALID_BULK)
        return error;
    for (p = after_header(p, end); p != NULL && p < end && *p == '$';) {
        if (!header_number(p, end, &v) || v < 0)
            return error;
        if (v > CONN_UNAUTH_MAX_BULK)
            return v <= server.cfg.proto_max_bulk_len
                       ? "Protocol error: unauthenticated bulk length"
                       : error;
        p = after_header(p, end);
        if (p == NULL || end - p < v + 2)
            return error;
        p += v + 2;
    }
    return error;
}

/* ---- running requests ---------------------------------------------------- */

/* Reply Redis's text and close once it is written. Under CLIENT REPLY
 * OFF or SKIP the text is dropped, as in Redis (which then never closes:
 * Grove does, there being nothing left to flush). */
static void protocol_error(struct conn *c, const char *text)
{
    size_t mark = c->client.out.len;
    resp_add_errorf(&c->client.out, "ERR %s", text);
    if (c->client.out.len > mark)
        server_count_error(c->client.out.data + mark, c->client.out.len - mark);
    if (c->client.flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP))
        c->client.out.len = mark;
    log_verbose("Protocol error (%s) from client: id=%llu addr=%s", text,
                (unsigned long long)c->client.id, c->client.addr);
    resp_parser_reset(&c->client.parser);
    c->client.qpos = c->client.qlen;
    close_after_flush(c);
}

/* Whether the client's next request may run now: not closing, killed,
 * blocked or postponed. */
static bool runs_requests(const struct client *cl)
{
    return !(cl->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED |
                          CLIENT_POSTPONED)) &&
           !atomic_load(&cl->killed);
}

/* Bytes of `writing` the kernel has not taken: the slices not yet handed
 * to uv_write and what uv_write still holds of the one in flight. */
static size_t writing_left(const struct conn *c)
{
    if (!c->write_pending)
        return 0;
    return c->writing.len - c->writing_offset - c->writing_slice +
           uv_stream_get_write_queue_size(&c->sock.stream);
}

/* Reply bytes the kernel has not taken yet. */
static size_t pending_output(const struct conn *c)
{
    return c->client.out.len + writing_left(c);
}

/* A reply was cut at the hard limit (out.overflow), or the replies the
 * kernel has not taken are past a limit of the client's class now: on
 * every write, and on the loop's tick for a client nobody writes to, as
 * Redis's clientsCron checks them. Replicas: replication.c. */
static bool over_output_limits(struct conn *c)
{
    struct client *cl = &c->client;
    if (cl->out.overflow)
        return true;
    return !(cl->flags & CLIENT_REPLICA) &&
           obuf_limit_reached(cl, pending_output(c), &c->obuf_soft_since_ms);
}

static void close_over_output_limits(struct conn *c)
{
    log_warning("Client id=%llu addr=%s closed for overcoming of output buffer limits.",
                (unsigned long long)c->client.id, c->client.addr);
    conn_close(c);
}

/* Request bytes this connection may still run in the loop's turn. */
static size_t slice_left(struct conn *c)
{
    uint64_t turn = loop_of(c)->turn;
    if (c->slice_turn != turn) {
        c->slice_turn = turn;
        c->slice_used = 0;
    }
    return c->slice_used < CONN_TURN_INPUT ? CONN_TURN_INPUT - c->slice_used : 0;
}

/* The slice ran out with whole requests left: stop reading (the socket
 * holds the rest, and the client's own sends wait, as with Redis's one
 * read per turn) and wait on the ready list for the next turn. */
static void throttle(struct conn *c)
{
    if (!c->ready_queued) {
        c->ready_queued = true;
        c->ready_next = loop_of(c)->ready;
        loop_of(c)->ready = c;
    }
    if (!c->throttled && c->reading)
        uv_read_stop(&c->sock.stream);
    c->throttled = true;
}

/* Requests stopped for another reason (none left, a partial one, the
 * output pause, a block): read again. Reading never stops for those, so a
 * client that writes a whole pipeline before it reads cannot deadlock us. */
static void unthrottle(struct conn *c)
{
    ready_remove(c);
    if (!c->throttled)
        return;
    c->throttled = false;
    if (c->reading)
        uv_read_start(&c->sock.stream, alloc_cb, read_cb);
}

/* A request process_input has looked at before running it: where it
 * is, what the parser made of it and what command_peek found. */
struct peeked {
    size_t offset, argc, consumed;
    struct resp_arg argv[CONN_LOOKAHEAD_ARGS];
    struct command_peek peek;
};

struct lookahead {
    struct peeked req[CONN_LOOKAHEAD];
    size_t n, next; /* looked at; the next one to run */
    size_t end;     /* where the look stopped: look again from here */
};

/* Look at the next whole requests in the buffer, from `at`, before running
 * them: at most CONN_LOOKAHEAD, stopping at one the parser's fast path
 * does not take. The requests then run from what the look found, without
 * parsing them, finding their command or hashing their key again. And a
 * pipelined GET or SET spends most of its time waiting for two cache
 * misses (its bucket slot, then the entry that slot points to): hinting
 * every slot of the batch, then every entry, lets those misses overlap
 * instead of being paid one request at a time. A lone request gets no
 * hints: nothing would overlap; nor does a key that the request before
 * named too. */
static void look_ahead(const struct client *cl, size_t at, struct lookahead *la)
{
    struct keyspace_shard *shard[CONN_LOOKAHEAD]; /* NULL: no hint for that request */
    la->n = la->next = 0;
    la->end = at + 1; /* nothing seen: look again at the next request */
    while (la->n < CONN_LOOKAHEAD) {
        struct peeked *r = &la->req[la->n];
        if (!resp_parse_peek(&cl->parser, cl->qbuf + at, cl->qlen - at, r->argv,
                             CONN_LOOKAHEAD_ARGS, &r->argc, &r->consumed))
            break;
        bool keyed = command_peek(r->argv, r->argc, &r->peek);
        const struct command_peek *before = la->n > 0 ? &la->req[la->n - 1].peek : NULL;
        bool again = keyed && before != NULL && before->key_arg != 0 &&
                     before->key.hash == r->peek.key.hash; /* LPUSH onto one list */
        shard[la->n] = keyed && !again ? command_peek_shard(cl, &r->peek) : NULL;
        if (la->n == 1 && shard[0] != NULL) /* not alone after all */
            keyspace_prefetch(shard[0], &la->req[0].peek.key, false);
        if (la->n >= 1 && shard[la->n] != NULL)
            keyspace_prefetch(shard[la->n], &r->peek.key, false);
        r->offset = at;
        at += r->consumed;
        la->end = at;
        la->n++;
    }
    for (size_t i = 0; la->n > 1 && i < la->n; i++)
        if (shard[i] != NULL)
            keyspace_prefetch(shard[i], &la->req[i].peek.key, true);
}

/* What look_ahead found for the request at `offset`, if it looked. */
static struct peeked *looked_at(struct lookahead *la, size_t offset)
{
    while (la->next < la->n && la->req[la->next].offset < offset)
        la->next++;
    return la->next < la->n && la->req[la->next].offset == offset ? &la->req[la->next] : NULL;
}

/* Parse and run the complete requests in the buffer, until the replies
 * waiting reach CONN_PAUSE_OUTPUT, a command blocks (the rest runs once
 * they drain, or once it is unblocked: blocking.c wakes the client) or
 * the turn's slice runs out (the rest runs in the next turns). A request
 * always runs whole: the slice is checked between requests. */
static void process_input(struct conn *c, long long now_ms)
{
    struct client *cl = &c->client;
    bool out_of_slice = false;
    struct lookahead la = {.end = 0};
    while (cl->qpos < cl->qlen && runs_requests(cl) && pending_output(c) <= CONN_PAUSE_OUTPUT) {
        size_t argc = 0, consumed = 0;
        struct peeked *pk = NULL;
        if (!c->mid_request) {
            if (slice_left(c) == 0) {
                out_of_slice = true;
                break;
            }
            if (set_request_limits(c))
                la.n = la.end = 0; /* looked at under the old limits */
            if (cl->qpos >= la.end)
                look_ahead(cl, cl->qpos, &la);
            pk = looked_at(&la, cl->qpos);
        }
        if (pk != NULL) {
            command_execute_peeked(cl, pk->argv, pk->argc, now_ms, &pk->peek);
            cl->qpos += pk->consumed;
            c->slice_used += pk->consumed;
            continue;
        }
        enum resp_parse_status st = resp_parse(&cl->parser, cl->qbuf + cl->qpos,
                                               cl->qlen - cl->qpos, cl->argv, cl->argv_cap,
                                               &argc, &consumed);
        c->mid_request = st == RESP_PARSE_MORE || st == RESP_PARSE_ARGV;
        if (st == RESP_PARSE_MORE)
            break;
        if (st == RESP_PARSE_ARGV) {
            if (!client_argv_reserve(cl, cl->parser.argc_needed)) {
                protocol_error(c, "out of memory");
                break;
            }
            continue;
        }
        if (st == RESP_PARSE_ERROR) {
            protocol_error(c, c->limit_unauth ? unauth_error(cl) : cl->parser.error);
            break;
        }
        if (argc > 0)
            command_execute(cl, cl->argv, argc, now_ms);
        cl->qpos += consumed;
        c->slice_used += consumed;
    }
    if (!c->mid_request)
        client_argv_trim(cl);
    if (out_of_slice) {
        throttle(c); /* no compaction: the next slices would move the rest again and again */
    } else {
        qbuf_compact(cl);
        unthrottle(c);
    }
}

/* client-query-buffer-limit bounds the bytes not yet parsed into
 * arguments: a request of many small arguments may be larger, as in Redis
 * (proto-max-bulk-len and the argument count bound it). */
static bool over_query_limit(struct client *cl)
{
    size_t unparsed = cl->qlen - cl->qpos - resp_parser_parsed_bytes(&cl->parser);
    return unparsed > (size_t)server.cfg.client_query_buffer_limit;
}

/* client-output-buffer-limit's hard limit for the client's class
 * (obuf_limit.h), as it is now: like Redis, it bounds every reply byte not
 * yet handed to the kernel, so what uv_write still holds counts against
 * it too. The reply buffer drops appends past the rest of the allowance
 * and flags overflow, and flush() then closes the connection. A replica
 * has its own class, which replication.c applies. */
static void set_output_limit(struct conn *c)
{
    size_t limit = (c->client.flags & CLIENT_REPLICA) ? 0 : obuf_limit_hard(&c->client);
    size_t queued = writing_left(c);
    c->client.out.limit = limit == 0 ? 0 : queued < limit ? limit - queued : 1;
}

/* A TLS session failed: a handshake as Redis's acceptCommonHandler logs
 * it, an established session as its readQueryFromClient does. */
static void log_tls_failure(struct conn *c)
{
    if (tls_conn_established(c->tls))
        log_verbose("Reading from client: %s", tls_conn_error(c->tls));
    else
        log_warning("Error accepting a client connection: %s (conn: fd=%d)",
                    tls_conn_error(c->tls), c->client.fd);
}

/* Cipher text read from a TLS client: all of it decrypted into the query
 * buffer. False if it closed the connection (a failed handshake, a bad
 * record, the peer's close_notify, no memory). */
static bool tls_input(struct conn *c, const char *raw, size_t len)
{
    struct client *cl = &c->client;
    if (tls_conn_feed(c->tls, raw, len) < 0) {
        conn_close(c);
        return false;
    }
    for (;;) {
        if (!qbuf_reserve_read(cl)) {
            conn_close(c);
            return false;
        }
        ssize_t n = tls_conn_read(c->tls, cl->qbuf + cl->qlen, cl->qcap - cl->qlen);
        if (n == TLS_AGAIN)
            return true;
        if (n < 0) {
            if (n == TLS_ERROR)
                log_tls_failure(c);
            conn_close(c);
            return false;
        }
        cl->qlen += (size_t)n;
        stats_add(cl->stats, STATS_NET_INPUT_BYTES, n);
    }
}

/* `len` bytes the socket gave: in the query buffer already for a plain
 * connection, in tls_raw for a TLS one. False if it closed. */
static bool take_input(struct conn *c, size_t len)
{
    if (c->tls != NULL)
        return tls_input(c, tls_raw, len);
    c->client.qlen += len;
    stats_add(c->client.stats, STATS_NET_INPUT_BYTES, (long long)len);
    return true;
}

/* protected-mode refused a TLS client: its handshake is done, so the
 * text can go through the session, as Redis's clientAcceptHandler sends
 * it; nothing it sent runs. */
static void deny_in_session(struct conn *c)
{
    c->deny_after_handshake = false;
    c->client.qpos = c->client.qlen;
    resp_add_raw(&c->client.out, denied_text, sizeof(denied_text) - 1);
    atomic_fetch_add(&server.rejected_connections, 1);
    close_after_flush(c);
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = stream->data;
    struct client *cl = &c->client;
    if (nread == 0)
        return; /* EAGAIN: not EOF */
    if (nread < 0) {
        conn_close(c);
        return;
    }
    if (!take_input(c, (size_t)nread))
        return;
    if (c->deny_after_handshake && tls_conn_established(c->tls)) {
        deny_in_session(c);
        return;
    }
    stats_add(cl->stats, STATS_READS_PROCESSED, 1);
    /* What other loops posted before these requests were sent (an
     * invalidation a write caused before its reply left, say) comes
     * first, as it would in one thread: the poll may have reported this
     * socket before the loop's wakeup. */
    if (!worker_quiet(cl->worker)) {
        worker_loop_run_messages(loop_of(c));
        if (closing(c))
            return;
    }
    long long now_ms = server_mstime();
    cl->last_interaction_ms = now_ms;
    set_output_limit(c);
    process_input(c, now_ms);
    if (over_query_limit(cl)) {
        log_warning("Closing client that reached max query buffer length: id=%llu addr=%s",
                    (unsigned long long)cl->id, cl->addr);
        conn_close(c);
        return;
    }
    if (within_client_memory(c))
        queue_flush(c);
}

/* ---- writing replies ----------------------------------------------------- */

static bool write_slice(struct conn *c);
static void write_cb(uv_write_t *req, int status);

/* The replies become what the writes in flight own; new ones gather in
 * the (empty) buffer `writing` was. */
static void swap_into_writing(struct conn *c)
{
    struct client *cl = &c->client;
    struct resp_out tmp = c->writing;
    c->writing = cl->out;
    cl->out = tmp;
    cl->out.proto = c->writing.proto;
    cl->out.limit = c->writing.limit;
}

/* Hand uv_write `buf` (a slice of `writing`, or a TLS connection's
 * records), which it owns until write_cb. False if it closed the
 * connection. */
static bool submit(struct conn *c, uv_buf_t buf)
{
    c->write_req.data = c;
    stats_add(c->client.stats, STATS_WRITES_PROCESSED, 1);
    if (uv_write(&c->write_req, &c->sock.stream, &buf, 1, write_cb) != 0) {
        conn_close(c);
        return false;
    }
    c->write_pending = true;
    return true;
}

/* TLS: encrypt the plain text in *buf (which may be empty) and make *buf
 * the records to write: these, after any OpenSSL made since the last
 * write. False if it closed the connection. */
static bool seal(struct conn *c, uv_buf_t *buf)
{
    size_t len = 0;
    int err = 0;
    const char *records = NULL;
    if (tls_conn_write(c->tls, buf->base, buf->len) == 0)
        records = tls_conn_take_records(c->tls, &len, &err);
    if (err < 0 || (records == NULL && buf->len > 0)) {
        log_verbose("Error writing to client: %s", err < 0 ? strerror(-err)
                                                           : tls_conn_error(c->tls));
        conn_close(c);
        return false;
    }
    *buf = uv_buf_init((char *)records, (unsigned)len);
    return true;
}

/* TLS, replies that fit in one slice (or none, with records OpenSSL made
 * waiting): encrypt them and write the records directly; what the kernel
 * does not take goes to uv_write, carrying no plain text (all of it is in
 * the records already). False if it closed the connection. */
static bool write_sealed(struct conn *c)
{
    struct client *cl = &c->client;
    uv_buf_t buf = uv_buf_init(cl->out.data, (unsigned)cl->out.len);
    if (!seal(c, &buf))
        return false;
    stats_add(cl->stats, STATS_NET_OUTPUT_BYTES, (long long)cl->out.len);
    int n = buf.len > 0 ? uv_try_write(&c->sock.stream, &buf, 1) : 0;
    if (buf.len > 0)
        stats_add(cl->stats, STATS_WRITES_PROCESSED, 1);
    if (n < 0 && n != UV_EAGAIN) {
        conn_close(c);
        return false;
    }
    size_t sent = n > 0 ? (size_t)n : 0;
    if (sent == buf.len) {
        resp_out_reset(&cl->out);
        return true;
    }
    swap_into_writing(c);
    c->writing_offset = c->writing.len;
    c->writing_slice = 0;
    return submit(c, uv_buf_init(buf.base + sent, (unsigned)(buf.len - sent)));
}

static void write_cb(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    c->write_pending = false;
    if (closing(c))
        return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    stats_add(c->client.stats, STATS_NET_OUTPUT_BYTES, c->writing_slice);
    c->writing_offset += c->writing_slice;
    if (c->writing_offset < c->writing.len) {
        if (!write_slice(c))
            return;
    } else {
        resp_out_reset(&c->writing);
    }
    flush(c);
}

/* Whole requests that the output pause left in the query buffer (it only
 * ever stops between requests, so no partial one is open); not those
 * waiting for the next turn's slice. */
static bool requests_waiting(const struct conn *c)
{
    const struct client *cl = &c->client;
    return cl->qpos < cl->qlen && !c->mid_request && runs_requests(cl) && !c->ready_queued;
}

/* Hand uv_write the next slice of `writing`, at most CONN_TURN_OUTPUT
 * bytes: libuv writes it at once, and write_cb, which libuv runs in the
 * next loop iteration, hands over the one after. So a big reply leaves a
 * slice per turn and the loop's other clients are served in between, as
 * Redis writes at most NET_MAX_WRITES_PER_EVENT per client per event.
 * False if it closed the connection. */
static bool write_slice(struct conn *c)
{
    size_t left = c->writing.len - c->writing_offset;
    c->writing_slice = left < CONN_TURN_OUTPUT ? left : CONN_TURN_OUTPUT;
    uv_buf_t buf = uv_buf_init(c->writing.data + c->writing_offset, (unsigned)c->writing_slice);
    if (c->tls != NULL && !seal(c, &buf))
        return false;
    return submit(c, buf);
}

/* What write_out does with the pending replies. */
enum write_plan {
    WRITE_CLOSED, /* a limit or a kill closed the connection */
    WRITE_NONE,   /* none, or a write is in flight (write_cb goes on) */
    WRITE_DIRECT, /* plain, within one slice: one send of them all */
    WRITE_QUEUED, /* TLS, or more than a slice: by uv_write (write_queued) */
};

static enum write_plan plan_write(struct conn *c)
{
    struct client *cl = &c->client;
    if (over_output_limits(c)) {
        close_over_output_limits(c);
        return WRITE_CLOSED;
    }
    if (cl->flags & CLIENT_CLOSE_ASAP || cl->out.oom || atomic_load(&cl->killed)) {
        conn_close(c);
        return WRITE_CLOSED;
    }
    bool records = c->tls != NULL && tls_conn_has_records(c->tls);
    if (c->write_pending || (cl->out.len == 0 && !records))
        return WRITE_NONE;
    aof_before_replies(); /* appendfsync always: no reply acknowledges a write not on disk */
    return c->tls == NULL && cl->out.len <= CONN_TURN_OUTPUT ? WRITE_DIRECT : WRITE_QUEUED;
}

/* A direct send of the replies took `n` bytes, or failed (-errno): what
 * it left goes to uv_write. False if it closed the connection. */
static bool direct_written(struct conn *c, ssize_t n)
{
    struct client *cl = &c->client;
    stats_add(cl->stats, STATS_WRITES_PROCESSED, 1);
    if (n < 0 && n != -EAGAIN) {
        conn_close(c);
        return false;
    }
    size_t sent = n > 0 ? (size_t)n : 0;
    stats_add(cl->stats, STATS_NET_OUTPUT_BYTES, (long long)sent);
    if (sent == cl->out.len) {
        resp_out_reset(&cl->out);
        return true;
    }
    swap_into_writing(c);
    c->writing_offset = sent;
    return write_slice(c);
}

/* The replies plan_write left to uv_write: a TLS connection's within a
 * slice, sealed and written directly first; the rest slice by slice.
 * False if it closed the connection. */
static bool write_queued(struct conn *c)
{
    if (c->tls != NULL && c->client.out.len <= CONN_TURN_OUTPUT)
        return write_sealed(c);
    swap_into_writing(c);
    c->writing_offset = 0;
    return write_slice(c);
}

static int conn_fd(const struct conn *c)
{
    uv_os_fd_t fd;
    return uv_fileno(&c->sock.handle, &fd) == 0 ? fd : -1;
}

/* Hand pending replies to the kernel: a direct write first when they fit
 * in one slice, the rest to uv_write slice by slice. Returns false if it
 * closed the connection. */
static bool write_out(struct conn *c)
{
    switch (plan_write(c)) {
    case WRITE_CLOSED:
        return false;
    case WRITE_NONE:
        return true;
    case WRITE_DIRECT: {
        struct send_item it = {.fd = conn_fd(c), .buf = c->client.out.data,
                               .len = c->client.out.len};
        send_batch_send_one(&it);
        return direct_written(c, it.result);
    }
    case WRITE_QUEUED:
        return write_queued(c);
    }
    return true;
}

void conn_run_ready(struct worker_loop *w)
{
    struct conn *c = w->ready;
    w->ready = NULL;
    while (c != NULL) {
        struct conn *next = c->ready_next;
        c->ready_queued = false;
        if (!closing(c)) {
            set_output_limit(c);
            process_input(c, server_mstime());
            queue_flush(c);
        }
        c = next;
    }
}

/* The queued connections, a batch at a time (w->sends, send_batch.h):
 * first every plan_write, so each one's direct send joins the batch (or
 * its uv_write starts); then the batch is sent, in one system call;
 * then each finishes its flush (after_write), which may run requests.
 * No request runs before the batch is sent, so none can close a
 * connection in it, whose descriptor might then be reused. */
void conn_flush_queued(struct worker_loop *w)
{
    struct send_batch *batch = &w->sends;
    struct conn *round[SEND_BATCH_MAX];
    int sends[SEND_BATCH_MAX]; /* round[i]'s send in the batch, or -1 */
    while (w->flush_queue != NULL) {
        unsigned n = 0;
        send_batch_clear(batch);
        while (w->flush_queue != NULL && n < SEND_BATCH_MAX) {
            struct conn *c = w->flush_queue;
            unqueue_flush(c);
            if (closing(c))
                continue;
            sends[n] = -1;
            switch (plan_write(c)) {
            case WRITE_CLOSED:
                continue;
            case WRITE_NONE:
                break;
            case WRITE_DIRECT:
                sends[n] = (int)send_batch_add(batch, conn_fd(c), c->client.out.data,
                                               c->client.out.len);
                break;
            case WRITE_QUEUED:
                if (!write_queued(c))
                    continue;
                break;
            }
            round[n++] = c;
        }
        send_batch_run(batch);
        for (unsigned i = 0; i < n; i++) {
            struct conn *c = round[i];
            if (closing(c))
                continue;
            if (sends[i] < 0 || direct_written(c, batch->items[sends[i]].result))
                after_write(c);
        }
    }
}

static void count_conn_bytes(struct conn *c)
{
    c->client.conn_bytes = sizeof(*c) - sizeof(c->client) + c->writing.cap;
}

/* Make the client's view current, with what the connection holds
 * besides it: its own struct and the buffer a write in flight owns. */
static void publish(struct conn *c)
{
    count_conn_bytes(c);
    client_publish(&c->client, pending_output(c));
}

/* An evicted client's last replies: Redis writes every client's replies
 * before it evicts (beforeSleep), so those of the requests it ran last
 * leave first, as much as the kernel takes at once. Plain connections
 * only: a TLS session's close is enough to say it ended. */
static void write_last_replies(struct conn *c)
{
    struct client *cl = &c->client;
    if (c->tls != NULL || c->write_pending || cl->out.len == 0)
        return;
    uv_buf_t buf = uv_buf_init(cl->out.data, (unsigned)cl->out.len);
    int n = uv_try_write(&c->sock.stream, &buf, 1);
    if (n > 0)
        stats_add(cl->stats, STATS_NET_OUTPUT_BYTES, n);
}

/* maxmemory-clients, after a read or a write changed what the client
 * holds (no command runs here): its loop's total follows, and if the
 * clients' total has reached the limit, the biggest are evicted. This one,
 * if evicted, is closed now, after its last replies and with its input
 * unread, as Redis frees it (so a peer still sending gets a reset); and
 * before its new size is published, so CLIENT LIST never shows it over
 * the limit. False if it closed. */
static bool within_client_memory(struct conn *c)
{
    struct client *cl = &c->client;
    count_conn_bytes(c);
    client_evict_account(cl, client_memory(cl));
    client_evict_check();
    if (!atomic_load(&cl->killed))
        return true;
    write_last_replies(c);
    conn_close(c);
    return false;
}

/* After a write: while the replies are under the pause mark, run the
 * requests the pause kept waiting (the client may have sent its last
 * bytes long ago and be waiting for their replies), writing theirs; then
 * close when the connection has to. */
static void after_write(struct conn *c)
{
    struct client *cl = &c->client;
    while (requests_waiting(c) && pending_output(c) <= CONN_PAUSE_OUTPUT) {
        set_output_limit(c);
        process_input(c, server_mstime());
        if (!write_out(c))
            return;
    }
    if (!within_client_memory(c))
        return;
    publish(c);
    /* A replica's fill may flag it to close (an rdb-only one that has had
     * its RDB): the check after it sees that. */
    if (!(cl->flags & CLIENT_CLOSE_AFTER_REPLY) && (cl->flags & CLIENT_REPLICA) &&
        repl_replica_fill(cl, pending_output(c)))
        queue_flush(c); /* the next slice of its RDB or stream: written in this turn */
    else if ((cl->flags & CLIENT_CLOSE_AFTER_REPLY) && !c->write_pending && cl->out.len == 0)
        conn_close(c);
}

/* Write what is pending, and what follows (after_write). Called after
 * reading and after every write. */
static void flush(struct conn *c)
{
    if (!closing(c) && write_out(c))
        after_write(c);
}

/* ---- a script running long on this loop ------------------------------------------ */

/* Whatever the socket holds now, read without the loop (which is busy);
 * false if the connection ended. */
static bool read_now(struct conn *c)
{
    struct client *cl = &c->client;
    uv_os_fd_t fd;
    if (uv_fileno(&c->sock.handle, &fd) != 0)
        return false;
    while (!over_query_limit(cl) && qbuf_reserve(cl, CONN_READ_CHUNK)) {
        char *into = c->tls != NULL ? tls_raw : cl->qbuf + cl->qlen;
        size_t cap = c->tls != NULL ? sizeof(tls_raw) : cl->qcap - cl->qlen;
        ssize_t n = recv(fd, into, cap, MSG_DONTWAIT);
        if (n > 0) {
            if (!take_input(c, (size_t)n))
                return false;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return true;
        conn_close(c);
        return false;
    }
    return true;
}

void conn_answer_while_busy(struct worker_loop *wl, const struct client *running)
{
    wl->turn++; /* each visit is a turn: every client gets a slice */
    for (struct conn *c = wl->conns; c != NULL; c = c->next) {
        if (&c->client == running || closing(c) || !c->reading || !read_now(c))
            continue;
        c->client.last_interaction_ms = server_mstime();
        set_output_limit(c);
        process_input(c, c->client.last_interaction_ms);
        flush(c);
    }
}
