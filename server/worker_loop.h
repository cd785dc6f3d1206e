/*
 * worker_loop.h - the libuv side of the worker loops (worker.h is the side
 * every layer sees): a thread per loop, its listeners on the shared port,
 * its connections, and the pool's life cycle. Only the connection code
 * (conn.c), the loops themselves (worker_loop.c) and start-up
 * (lifecycle.c) include it.
 *
 * Listening: on port and tls-port (0 turns either off; one must be on),
 * every bind address. The first loop binds each port without SO_REUSEPORT, so a port
 * that any other process holds fails start-up with "Address already in
 * use", as redis-server does; then it turns SO_REUSEPORT on before
 * listening, and the other loops join its port, the kernel spreading new
 * connections over them. A second grove-server fails at its first bind.
 *
 * Life cycle (main thread): worker_loop_pool_create binds and builds every
 * loop; worker_loop_pool_start runs a thread per loop; worker_loop_pool_stop
 * asks each to stop (it closes its listeners, flushes and closes its
 * connections, and closes its queue); worker_loop_pool_destroy joins every
 * thread before freeing any worker, because a running worker may still
 * post to one that has stopped (its queue then refuses the message, which
 * needs the queue's mutex to exist).
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
#include "worker.h"

struct conn;

struct worker_loop {
    struct worker *w;
    pthread_t thread;
    bool started;
    uv_loop_t loop;
    /* port's listeners, then tls-port's (one per bind address each) */
    uv_tcp_t listeners[2 * CONFIG_MAX_BINDS];
    bool listener_tls[2 * CONFIG_MAX_BINDS];
    int nlisteners;
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
    struct conn *ready;         /* connections with requests left for the next turn */
    /* Accepting when a connection cannot be allocated: the pending socket
     * is accepted into this handle and closed, so libuv keeps polling the
     * listener; listeners that hit the same while it was closing wait in
     * refuse_pending (a bit per listener) for its close callback. */
    uv_tcp_t refuse;
    bool refusing;
    unsigned refuse_pending;
};

int worker_loop_pool_create(unsigned n);
int worker_loop_pool_start(void);
/* Ask every loop to stop (main thread; returns at once). */
void worker_loop_pool_stop(void);
/* Join every thread, then free every loop and worker. */
void worker_loop_pool_destroy(void);

#endif
