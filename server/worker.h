/*
 * worker.h - a worker thread: one uv loop, its own listening sockets on the
 * shared port (SO_REUSEPORT, so the kernel spreads new connections over the
 * workers), and the connections accepted there, which stay on this loop
 * for life.
 *
 * Other threads never touch a worker's connections. They post a message
 * (worker_post) to the worker's queue and wake its loop with uv_async; the
 * worker acts on it in its own thread.
 */
#ifndef GROVE_WORKER_H
#define GROVE_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"

struct conn;
struct client;
struct hashmap;

enum worker_msg_type {
    WORKER_MSG_STOP,  /* stop accepting, flush, close every connection, end the loop */
    WORKER_MSG_KILL,  /* close the client with this id */
    WORKER_MSG_PUBSUB, /* a published message for clients of this loop (pubsub.c) */
};

/* A message is freed with free() once handled: a larger message (pubsub.c's
 * batch) starts with this struct and lives in the same allocation. */
struct worker_msg {
    enum worker_msg_type type;
    uint64_t client_id;
    struct worker_msg *next;
};

/* Counters with a single writer (the worker); other threads read them with
 * relaxed loads, so no locked instruction sits on the hot path. */
struct worker_stats {
    atomic_llong commands;
    atomic_llong net_input_bytes;
    atomic_llong net_output_bytes;
    atomic_llong reads_processed;   /* read callbacks with data */
    atomic_llong writes_processed;  /* writes handed to the kernel */
};

/* INFO commandstats, per command id (command.h), single writer as above. */
struct command_stat {
    atomic_llong calls;
    atomic_llong ns;        /* time spent running it */
    atomic_llong rejected;  /* refused before running: arity, NOAUTH */
    atomic_llong failed;    /* ran and replied an error */
};

struct worker {
    int id;
    pthread_t thread;
    uv_loop_t loop;
    uv_tcp_t listeners[CONFIG_MAX_BINDS];
    int nlisteners;
    uv_async_t wakeup;
    uv_timer_t tick;
    pthread_mutex_t queue_lock;
    struct worker_msg *queue_head, *queue_tail;
    bool queue_closed;    /* stopping: wakeup is closed, posts are refused */
    struct conn *conns;   /* this loop's connections */
    struct hashmap *conns_by_id; /* client id -> conn, for messages naming a client */
    struct conn *flush_queue; /* connections with replies to write this iteration */
    uv_check_t flush_check;
    bool stopping;
    struct worker_stats stats;
    struct command_stat *cmdstats; /* command_id_count() of them */
};

/* Bump a single-writer counter without a locked instruction. */
#define WORKER_STAT_ADD(w, field, n)                                                         \
    atomic_store_explicit(&(w)->stats.field,                                                 \
                          atomic_load_explicit(&(w)->stats.field, memory_order_relaxed) + (n), \
                          memory_order_relaxed)

#define WORKER_CMDSTAT_ADD(st, field, n)                                                   \
    atomic_store_explicit(&(st)->field,                                                    \
                          atomic_load_explicit(&(st)->field, memory_order_relaxed) + (n),  \
                          memory_order_relaxed)

/* Set up the loop and listeners (in the calling thread), 0 or -errno with
 * a logged message. */
int worker_init(struct worker *w, int id);
/* Start the thread that runs the loop. */
int worker_start(struct worker *w);
/* Wait for the thread to end and free what init made. */
void worker_join(struct worker *w);
/* Queue a message for the worker (any thread). Returns 0, -ENOMEM, or
 * -ESHUTDOWN once the worker is stopping. */
int worker_post(struct worker *w, enum worker_msg_type type, uint64_t client_id);
/* The same with a message the caller allocated (malloc), which the worker
 * takes ownership of, even when posting fails. */
int worker_post_msg(struct worker *w, struct worker_msg *m);
/* The client of this loop with that id, NULL if gone (worker's thread). */
struct client *worker_find_client(struct worker *w, uint64_t id);

/* Called by conn.c. */
void worker__conn_added(struct worker *w, struct conn *c);
void worker__conn_removed(struct worker *w, struct conn *c);

#endif
