/*
 * conn.h - the libuv side of a client connection: reading into the query
 * buffer, running the commands it holds, writing replies, closing. Only
 * the worker loops (worker_loop.c) use it; the layers above see the client
 * (client.h) and reach its connection through client_io.
 *
 * Threads: a connection belongs to its worker's thread.
 * Errors: conn_accept returns 0 or a negative libuv/errno code; the other
 * calls cannot fail (a failing socket is closed).
 */
#ifndef GROVE_CONN_H
#define GROVE_CONN_H

#include <stdbool.h>
#include <uv.h>

#include "client.h"

struct tls_conn;
struct worker_loop;

struct conn {
    union {                    /* a TCP socket, or a unix one (CLIENT_UNIX_SOCKET) */
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } sock;
    uv_write_t write_req;
    struct client client;
    struct resp_out writing;   /* the buffer uv_write owns while write_pending */
    size_t writing_offset;     /* bytes of `writing` before the slice in flight */
    size_t writing_slice;      /* bytes of `writing` in the uv_write in flight */
    bool write_pending;
    bool reading;
    bool mid_request;          /* the parser holds part of a request */
    bool limit_unauth;         /* the parser has the unauthenticated limits */
    uint64_t limit_bulk;       /* the parser's bulk limit */
    bool flush_queued;         /* on the worker's flush queue */
    struct conn *prev, *next;  /* the worker's list */
    struct conn *flush_prev, *flush_next; /* the worker's flush queue */
    uint64_t slice_turn;       /* the loop turn slice_used counts in */
    size_t slice_used;         /* request bytes run in that turn */
    bool throttled;            /* reading stopped: requests left for later turns */
    bool ready_queued;         /* on the worker's ready list */
    struct conn *ready_next;   /* the worker's ready list */
    struct tls_conn *tls;      /* accepted on tls-port: the TLS session (tls.h); NULL for plain */
    bool deny_after_handshake; /* TLS: protected-mode refuses it once its session is up */
    long long obuf_soft_since_ms; /* over client-output-buffer-limit's soft limit since (0: not) */
};

/* Accept the listener's pending connection into a new conn, a TLS one
 * for a tls-port listener (`tls`). -ENOMEM when
 * there is no memory for one: the pending socket is then NOT accepted
 * (the caller must, or libuv stops polling the listener). Any other error
 * means it was accepted and is closing. */
int conn_accept(struct worker_loop *wl, uv_stream_t *listener, bool tls);
/* The client's addr, laddr and fd from its socket (also the replica's
 * link to its master, repl_replica.c). */
void conn_describe_peer(uv_tcp_t *tcp, struct client *c);
/* A connection accepted on the unix socket (fd, on any loop's thread),
 * served by this loop from now on. -ENOMEM when there is no memory for
 * one: fd is then still the caller's to close. Any other error means it
 * was taken and is closing. */
int conn_accept_unix(struct worker_loop *wl, int fd);
/* Close now, dropping unsent replies. Safe to call twice. */
void conn_close(struct conn *c);
/* Stop reading, write what the sockets take at once, then close: every
 * connection of the worker (stopping). */
void conn_close_all(struct worker_loop *w);
/* Write the replies of every connection that read this loop iteration
 * (the worker's check handle calls it once I/O callbacks are done). */
void conn_flush_queued(struct worker_loop *w);
/* Run one more slice of the requests of every connection whose slice ran
 * out in an earlier turn (the worker's idle handle calls it while any
 * wait, at the start of each loop iteration). */
void conn_run_ready(struct worker_loop *w);
/* A script has been running past busy-reply-threshold on this loop (for
 * `running`): answer the loop's other clients now, as Redis's
 * processEventsWhileBlocked does - the dispatcher gives them -BUSY,
 * SCRIPT KILL and SHUTDOWN run. Reads the sockets directly, since the
 * loop is inside the script. */
void conn_answer_while_busy(struct worker_loop *wl, const struct client *running);
/* Once a second: close the worker's connections idle for longer than
 * `timeout`, and free the empty buffers of those idle for 2 s. */
void conn_tick(struct worker_loop *w, long long now_ms);

#endif
