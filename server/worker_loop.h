/*
 * worker_loop.h - the libuv side of the worker loops (worker.h is the side
 * every layer sees): a thread per loop, its listeners, its connections,
 * and the pool's life cycle. Only the connection code (conn.c), the loops
 * themselves (worker_loop.c), the listeners (listeners.c) and start-up
 * (lifecycle.c) include it.
 *
 * Listening: listeners.c opens the sockets (bound and listening) and
 * gives each loop its set; the loop wraps each in a libuv handle and
 * accepts on it. On port and tls-port every loop has its own socket per
 * address: the first loop's is bound without SO_REUSEPORT, so a port that
 * any other process holds fails with "Address already in use", as
 * redis-server does; it turns SO_REUSEPORT on before listening, and the
 * other loops join its port, the kernel spreading new connections over
 * them. On unixsocket only loop 0 accepts, and deals the connections out
 * to every loop in turn by message.
 *
 * Life cycle (main thread): worker_loop_pool_create builds every loop;
 * listeners.c gives them their sockets; worker_loop_pool_start runs a
 * thread per loop; worker_loop_pool_stop asks each to stop (it closes its
 * listeners, flushes and closes its connections, and closes its queue);
 * worker_loop_pool_destroy joins every thread before freeing any worker,
 * because a running worker may still post to one that has stopped (its
 * queue then refuses the message, which needs the queue's mutex to
 * exist).
 *
 * Errors: 0 or a negative errno, with the reason logged.
 */
#ifndef GROVE_WORKER_LOOP_H
#define GROVE_WORKER_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <uv.h>

#include "config.h"
#include "listeners.h"
#include "send_batch.h"
#include "worker.h"

struct conn;

/* A listening socket on port or tls-port; freed in its close callback. */
struct listener {
    uv_tcp_t tcp;
    struct worker_loop *wl;
    struct listen_addr where;   /* fd unused */
    bool refuse_pending;        /* waits for the refuse handle (worker_loop.c) */
    struct listener *next;
};

struct worker_loop {
    struct worker *w;
    pthread_t thread;
    bool started;
    uv_loop_t loop;
    struct listener *listeners; /* port's and tls-port's, one per bind address each */
    uv_poll_t unix_poll;        /* loop 0: the unix socket, when there is one */
    bool unix_listening;
    unsigned unix_next;         /* loop 0: the loop the next unix connection goes to */
    uv_async_t wakeup;
    uv_timer_t tick;
    uv_timer_t alarm;           /* the earliest blocked client's deadline */
    bool listeners_paused;      /* shut while a long script runs here */
    uv_check_t flush_check;
    uv_idle_t ready_idle;       /* active while `ready` holds a connection */
    uint64_t turn;              /* loop iterations, for per-turn slices */
    atomic_bool stop_requested; /* worker_loop_pool_stop, from the main thread */
    bool stopping;
    struct conn *conns;         /* this loop's connections (conn.c keeps the list) */
    struct conn *flush_queue;   /* connections with replies to write this iteration */
    struct send_batch sends;    /* conn.c's, for the flush queue's writes */
    struct conn *ready;         /* connections with requests left for the next turn */
    /* Accepting when a connection cannot be allocated: the pending socket
     * is accepted into this handle and closed, so libuv keeps polling the
     * listener; listeners that hit the same while it was closing wait
     * (refuse_pending) for its close callback. */
    uv_tcp_t refuse;
    bool refusing;
};

int worker_loop_pool_create(unsigned n);
/* Start-up, before the loops run: loop i listens on `set`'s new sockets
 * (taking them). */
int worker_loop_set_listeners(unsigned i, const struct listen_set *set);
/* Start-up, before the loops run: loop 0 accepts on the unix socket fd
 * (borrowed: listeners.c closes it once the loops have ended). */
int worker_loop_set_unix_listener(int fd);
/* While the loops run: a message that will make loop i listen on a new
 * set (what it has and the set has not is closed). Made before any
 * socket is opened, so that sending cannot fail for want of memory;
 * NULL without memory. _post takes the message and the set's new
 * sockets (closed if the loop has stopped); _destroy frees an unsent
 * one. */
struct listen_set *worker_loop_listen_msg_create(void);
void worker_loop_listen_msg_post(unsigned i, struct listen_set *set);
void worker_loop_listen_msg_destroy(struct listen_set *set);
int worker_loop_pool_start(void);
/* On the loop's thread: run the messages posted to it so far, in posting
 * order (its wakeup does the same when the loop comes to it). */
void worker_loop_run_messages(struct worker_loop *wl);
/* A shutdown is going ahead: every loop's listening sockets refuse new
 * connections from now on (shut, still open until each loop stops).
 * Any thread. */
void worker_loop_pool_refuse_connections(void);
/* Ask every loop to stop (main thread; returns at once). */
void worker_loop_pool_stop(void);
/* Join every thread, then free every loop and worker. */
void worker_loop_pool_destroy(void);

#endif
