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

static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER; /* writers of the pair below */
static atomic_int kind;        /* enum pause_kind; PAUSE_NONE once lifted */
static atomic_llong end_ms;    /* when it ends by itself (wall clock) */
static atomic_size_t postponed; /* clients postponed, every loop */

enum pause_kind pause_in_effect(long long now_ms)
{
    enum pause_kind k = atomic_load_explicit(&kind, memory_order_acquire);
    if (k == PAUSE_NONE || now_ms >= atomic_load_explicit(&end_ms, memory_order_relaxed))
        return PAUSE_NONE;
    return k;
}

void pause_start(enum pause_kind new_kind, long long new_end_ms)
{
    pthread_mutex_lock(&set_lock);
    long long now = server_mstime();
    enum pause_kind k = pause_in_effect(now);
    long long end = k == PAUSE_NONE ? 0 : atomic_load_explicit(&end_ms, memory_order_relaxed);
    if (new_end_ms > end)
        end = new_end_ms;
    if (new_kind > k)
        k = new_kind;
    /* The end first: a reader that sees the new kind sees this end too. */
    atomic_store_explicit(&end_ms, end, memory_order_relaxed);
    atomic_store_explicit(&kind, k, memory_order_release);
    keyspace_hold_expired(server.ks, end);
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
    atomic_store_explicit(&c->view.flags, c->flags, memory_order_relaxed);
    atomic_fetch_sub_explicit(&postponed, 1, memory_order_relaxed);
}

bool pause_holds(const struct client *c, const struct command *cmd,
                 const struct resp_arg *argv, size_t argc, long long now_ms)
{
    if (atomic_load_explicit(&kind, memory_order_relaxed) == PAUSE_NONE)
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
    atomic_store_explicit(&c->view.flags, c->flags, memory_order_relaxed); /* CLIENT LIST's b */
    c->postponed_next = NULL;
    c->postponed_prev = w->postponed_tail;
    if (w->postponed_tail != NULL)
        w->postponed_tail->postponed_next = c;
    else
        w->postponed_head = c;
    w->postponed_tail = c;
    atomic_fetch_add_explicit(&postponed, 1, memory_order_relaxed);
    w->alarm_cb(w, atomic_load_explicit(&end_ms, memory_order_relaxed));
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
        return atomic_load_explicit(&end_ms, memory_order_relaxed);
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

void pause_lift(void)
{
    pthread_mutex_lock(&set_lock);
    atomic_store_explicit(&kind, PAUSE_NONE, memory_order_release);
    atomic_store_explicit(&end_ms, 0, memory_order_relaxed);
    keyspace_hold_expired(server.ks, 0);
    pthread_mutex_unlock(&set_lock);
    for (unsigned i = 0; i < worker_count(); i++) {
        struct worker_msg *m = calloc(1, sizeof(*m));
        if (m == NULL)
            continue; /* that loop resumes its clients at the pause's old end */
        m->deliver_cb = lift_deliver_cb;
        worker_post(worker_at(i), m);
    }
}
