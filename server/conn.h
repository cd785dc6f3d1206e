/*
 * conn.h - the libuv side of a client connection: reading into the query
 * buffer, running the commands it holds, writing replies, closing.
 */
#ifndef GROVE_CONN_H
#define GROVE_CONN_H

#include <stdbool.h>
#include <uv.h>

#include "client.h"

struct worker;

struct conn {
    uv_tcp_t tcp;
    uv_write_t write_req;
    struct client client;
    struct resp_out writing;   /* the buffer uv_write owns while write_pending */
    size_t writing_offset;     /* bytes of `writing` the kernel already took */
    bool write_pending;
    bool reading;
    bool closing;
    bool mid_request;          /* the parser holds part of a request */
    bool limit_unauth;         /* the parser has the unauthenticated limits */
    uint64_t limit_bulk;       /* the parser's bulk limit */
    bool flush_queued;         /* on the worker's flush queue */
    struct conn *prev, *next;  /* the worker's list */
    struct conn *flush_prev, *flush_next; /* the worker's flush queue */
};

/* Accept a pending connection on `server_handle` into a new conn. */
void conn_accept(struct worker *w, uv_stream_t *server_handle);
/* Close now, dropping unsent replies. Safe to call twice. */
void conn_close(struct conn *c);
/* Stop reading, flush what is pending, then close. */
void conn_close_after_flush(struct conn *c);
/* Write the replies of every connection that read this loop iteration
 * (the worker's check handle calls it once I/O callbacks are done). */
void conn_flush_queued(struct worker *w);
/* Out-of-band replies (pub/sub messages) for a client of the calling
 * loop: whether it takes any now (not closing, killed, or under CLIENT
 * REPLY OFF, which drops them as Redis 7.0 does), and, once appended to
 * its buffer, queueing the write. */
bool conn_can_push(const struct client *cl);
void conn_pushed(struct client *cl);
/* Close if idle for longer than the configured timeout. */
void conn_check_timeout(struct conn *c, long long now_ms);

#endif
