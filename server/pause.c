/*
 * pause.c - CLIENT PAUSE's state and the clients it postpones (see
 * pause.h).
 *
 * A postponed client keeps a copy of the request it could not run (its
 * arguments pointed into the query buffer, which the requests after it
 * reuse) and stops running requests, the later ones waiting in its buffer
 * as behind a blocking command. When the pause is over, its loop runs the
 * copy, then the rest of the buffer, exactly as if the request had just
 * arrived: a new pause, or a stricter one, postpones it again.
 */
#include "pause.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "client.h"
#include "command.h"
#include "keyspace.h"
#include "server.h"
#include "worker.h"

/* One pause per purpose, as Redis's pause_reason: a CLIENT UNPAUSE does
 * not lift a shutdown's pause, nor the other way round. What is in
 * effect is the strictest of those not yet over. */
static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER; /* writers of the pairs below */
static atomic_int kind[PAUSE_PURPOSES];     /* enum pause_kind; PAUSE_NONE once lifted */
static atomic_llong end_ms[PAUSE_PURPOSES]; /* when it ends by itself (wall clock) */
static atomic_int any_kind;    /* the OR of kind[]: PAUSE_NONE when no pause is set */
static atomic_size_t postponed; /* clients postponed, every loop */

static enum pause_kind purpose_in_effect(enum pause_purpose p, long long now_ms)
{
    enum pause_kind k = atomic_load_explicit(&kind[p], memory_order_acquire);
    if (k == PAUSE_NONE || now_ms >= atomic_load_explicit(&end_ms[p], memory_order_relaxed))
        return PAUSE_NONE;
    return k;
}

enum pause_kind pause_in_effect(long long now_ms)
{
    enum pause_kind k = PAUSE_NONE;
    for (int p = 0; p < PAUSE_PURPOSES; p++) {
        enum pause_kind pk = purpose_in_effect((enum pause_purpose)p, now_ms);
        if (pk > k)
            k = pk;
    }
    return k;
}

/* When postponed clients must look again: the first end of a pause in
 * effect (0 when none is). */
static long long next_end(long long now_ms)
{
    long long next = 0;
    for (int p = 0; p < PAUSE_PURPOSES; p++) {
        long long e = atomic_load_explicit(&end_ms[p], memory_order_relaxed);
        if (purpose_in_effect((enum pause_purpose)p, now_ms) != PAUSE_NONE &&
            (next == 0 || e < next))
            next = e;
    }
    return next;
}

/* set_lock held: the summary readers test first, and expiry held until
 * the last pause ends. */
static void publish_locked(void)
{
    int any = PAUSE_NONE;
    long long last = 0;
    for (int p = 0; p < PAUSE_PURPOSES; p++) {
        any |= atomic_load_explicit(&kind[p], memory_order_relaxed);
        long long e = atomic_load_explicit(&end_ms[p], memory_order_relaxed);
        if (atomic_load_explicit(&kind[p], memory_order_relaxed) != PAUSE_NONE && e > last)
            last = e;
    }
    atomic_store_explicit(&any_kind, any, memory_order_release);
    keyspace_hold_expired(server.ks, last);
}

void pause_start(enum pause_purpose p, enum pause_kind new_kind, long long new_end_ms)
{
    pthread_mutex_lock(&set_lock);
    long long now = server_mstime();
    enum pause_kind k = purpose_in_effect(p, now);
    long long end = k == PAUSE_NONE ? 0 : atomic_load_explicit(&end_ms[p], memory_order_relaxed);
    if (new_end_ms > end)
        end = new_end_ms;
    if (new_kind > k)
        k = new_kind;
    /* The end first: a reader that sees the new kind sees this end too. */
    atomic_store_explicit(&end_ms[p], end, memory_order_relaxed);
    atomic_store_explicit(&kind[p], k, memory_order_release);
    publish_locked();
    pthread_mutex_unlock(&set_lock);
}

/* ---- postponed clients ------------------------------------------------------------------ */

static void unlink_postponed(struct client *c)
{
    struct worker *w = c->worker;
    if (c->postponed_prev != NULL)
        c->postponed_prev->postponed_next = c->postponed_next;
    else
        w->postponed_head = c->postponed_next;
    if (c->postponed_next != NULL)
        c->postponed_next->postponed_prev = c->postponed_prev;
    else
        w->postponed_tail = c->postponed_prev;
    c->postponed_prev = c->postponed_next = NULL;
    c->flags &= ~(uint32_t)CLIENT_POSTPONED;
    client_publish_flags(c);
    atomic_fetch_sub_explicit(&postponed, 1, memory_order_relaxed);
}

bool pause_holds(const struct client *c, const struct command *cmd,
                 const struct resp_arg *argv, size_t argc, long long now_ms)
{
    if (atomic_load_explicit(&any_kind, memory_order_relaxed) == PAUSE_NONE)
        return false;
    /* A client without a loop (the fuzzer's) could never be woken; the
     * AOF's replay is Redis's master link and a replica's REPLCONF ACK is
     * how WAIT learns its offset: a pause holds neither, as in Redis. */
    if (c->worker == NULL || (c->flags & (CLIENT_REPLAY | CLIENT_REPLICA)))
        return false;
    enum pause_kind k = pause_in_effect(now_ms);
    return k == PAUSE_ALL ||
           (k == PAUSE_WRITE &&
            (command_line_flags(c, cmd, argv, argc) & (CMD_WRITE | CMD_MAY_REPLICATE)));
}

int pause_postpone(struct client *c, const struct resp_arg *argv, size_t argc)
{
    struct worker *w = c->worker;
    struct resp_arg *copy = command_args_copy(argv, argc);
    if (copy == NULL)
        return -ENOMEM;
    c->postponed_argv = copy;
    c->postponed_argc = argc;
    c->flags |= CLIENT_POSTPONED;
    client_publish_flags(c); /* CLIENT LIST's b */
    c->postponed_next = NULL;
    c->postponed_prev = w->postponed_tail;
    if (w->postponed_tail != NULL)
        w->postponed_tail->postponed_next = c;
    else
        w->postponed_head = c;
    w->postponed_tail = c;
    atomic_fetch_add_explicit(&postponed, 1, memory_order_relaxed);
    w->alarm_cb(w, next_end(server_mstime()));
    return 0;
}

/* Run a postponed client's request now, then the ones behind it; not for
 * a client CLIENT KILL has taken (its loop closes it next). */
static void resume(struct client *c, long long now_ms)
{
    struct resp_arg *argv = c->postponed_argv;
    size_t argc = c->postponed_argc;
    unlink_postponed(c);
    c->postponed_argv = NULL;
    if (!atomic_load(&c->killed))
        command_execute(c, argv, argc, now_ms);
    free(argv);
    client_wake(c);
}

/* The clients this loop postponed, oldest first. Each is taken off the
 * head as it runs (a request may make another client leave the list, or
 * start a new pause that postpones the next ones again, at the tail): as
 * many runs as there were clients, so those go round once at most. */
static void resume_all(struct worker *w, long long now_ms)
{
    size_t n = 0;
    for (const struct client *c = w->postponed_head; c != NULL; c = c->postponed_next)
        n++;
    while (n-- > 0 && w->postponed_head != NULL)
        resume(w->postponed_head, now_ms);
}

long long pause_expire(struct worker *w, long long now_ms)
{
    if (w->postponed_head == NULL)
        return 0;
    if (pause_in_effect(now_ms) != PAUSE_NONE)
        return next_end(now_ms);
    resume_all(w, now_ms);
    return 0;
}

void pause_client_leave(struct client *c)
{
    if (!(c->flags & CLIENT_POSTPONED))
        return;
    unlink_postponed(c);
    free(c->postponed_argv);
    c->postponed_argv = NULL;
}

size_t pause_postponed_count(void)
{
    return atomic_load_explicit(&postponed, memory_order_relaxed);
}

/* ---- lifting ---------------------------------------------------------------------------- */

static void lift_deliver_cb(struct worker *w, struct worker_msg *m)
{
    (void)m;
    pause_expire(w, server_mstime());
}

void pause_lift(enum pause_purpose p)
{
    pthread_mutex_lock(&set_lock);
    atomic_store_explicit(&kind[p], PAUSE_NONE, memory_order_release);
    atomic_store_explicit(&end_ms[p], 0, memory_order_relaxed);
    publish_locked();
    pthread_mutex_unlock(&set_lock);
    for (unsigned i = 0; i < worker_count(); i++) {
        struct worker_msg *m = calloc(1, sizeof(*m));
        if (m == NULL)
            continue; /* that loop resumes its clients at the pause's old end */
        m->deliver_cb = lift_deliver_cb;
        worker_post(worker_at(i), m);
    }
}
