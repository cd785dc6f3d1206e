/*
 * worker.h - the worker loops as every layer sees them: how many there
 * are, the message queue through which other threads reach one, and the
 * index of the clients it carries. Free of libuv (worker_loop.h is the
 * libuv side), so command handlers, pub/sub and anything else that crosses
 * loops use it without seeing a loop, and the loop side depends on them,
 * never the other way round.
 *
 * Each worker thread runs one loop and owns the clients accepted on it for
 * their whole life. Other threads never touch those clients: they post a
 * message (worker_post), which wakes the loop; the worker runs the
 * message's deliver_cb in its own thread, in posting order.
 *
 * Threads: worker_post from any thread; worker_find_client and the
 * client index from the worker's own thread; the pool's set-up and
 * teardown from the main thread, before any loop runs and after every
 * loop has ended.
 * Errors: 0 or a negative errno; finders return NULL.
 */
#ifndef GROVE_WORKER_H
#define GROVE_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct client;
struct hashmap;
struct stats_loop;
struct worker;
struct worker_loop;

/* A message to a worker. A larger message (pub/sub's batch) starts with
 * this struct and lives in the same malloc'd block: the worker frees it
 * with free() once deliver_cb returns. A message that is never run (its
 * worker had stopped) gets drop_cb, if set, on the thread that finds
 * that out, holding no shard lock, before it is freed. */
struct worker_msg {
    void (*deliver_cb)(struct worker *w, struct worker_msg *m);
    void (*drop_cb)(struct worker_msg *m);
    struct worker_msg *next;
};

struct worker {
    unsigned id;
    struct stats_loop *stats;
    /* Wakes the loop (set by the loop side); called under queue_lock, so
     * once queue_closed is set no post can wake a closing loop. */
    void (*wake_cb)(struct worker *w);
    /* Call blocking_expire and pause_expire on this loop at `at_ms` (wall
     * clock) or earlier; set by the loop side, called from the loop's own
     * thread. */
    void (*alarm_cb)(struct worker *w, long long at_ms);
    /* A script called by `running` is past busy-reply-threshold on this
     * loop (busy) or has just ended so (!busy): let the loop's other
     * clients be answered meanwhile, and new connections go to the other
     * loops. Set by the loop side, called on the loop's own thread. */
    void (*busy_cb)(struct worker *w, struct client *running, bool busy);
    struct worker_loop *loop; /* the libuv side (worker_loop.h) */
    pthread_mutex_t queue_lock;
    struct worker_msg *queue_head, *queue_tail;
    /* Messages posted and not yet run (worker_run_message): while any
     * wait, what this worker's own thread delivers must queue behind them
     * (worker_quiet) to keep posting order. */
    atomic_uint unrun;
    bool queue_closed;
    struct hashmap *clients_by_id; /* id -> struct client *, the worker's thread only */
    /* Clients postponed by CLIENT PAUSE, oldest first (pause.c); the
     * worker's thread only. */
    struct client *postponed_head, *postponed_tail;
};

/* n workers with empty queues and indexes. 0 or -ENOMEM. */
int worker_pool_init(unsigned n);
/* Free every worker and the messages still queued (unrun): only once no
 * thread can post any more. */
void worker_pool_deinit(void);
unsigned worker_count(void);
/* Worker i (i < worker_count()). */
struct worker *worker_at(unsigned i);

/* Queue a message for the worker (any thread), taking ownership of m
 * (malloc'd) even when it fails: -ESHUTDOWN once the queue is closed,
 * after m's drop_cb ran. */
int worker_post(struct worker *w, struct worker_msg *m);
/* The loop side: take every queued message (in order, linked by next),
 * and close the queue for good; a message taken but not run is dropped
 * (drop_cb, then free). */
struct worker_msg *worker_take_messages(struct worker *w);
/* The loop side: run a taken message (deliver_cb) and free it. */
void worker_run_message(struct worker *w, struct worker_msg *m);
/* On w's own thread: no message posted to w waits to be run, so what the
 * thread delivers to its own clients now comes after everything posted
 * to them before (pub/sub's direct delivery relies on it). */
bool worker_quiet(struct worker *w);
void worker_drop_message(struct worker_msg *m);
void worker_close_queue(struct worker *w);

/* The worker whose loop runs on the calling thread, NULL elsewhere (the
 * main thread, tests). The loop side sets it when its thread starts. */
struct worker *worker_current(void);
void worker_set_current(struct worker *w);

/* The client of this worker with that id, NULL if gone. */
struct client *worker_find_client(struct worker *w, uint64_t id);
/* Index a client accepted on this worker / drop it. A client the index
 * could not take (no memory) only misses messages addressed to it by id. */
void worker_add_client(struct worker *w, struct client *c);
void worker_remove_client(struct worker *w, struct client *c);

#endif
