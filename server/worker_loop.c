/*
 * worker_loop.c - the worker threads' libuv loops: listening, accepting,
 * running queued messages, the idle-timeout tick, stopping; see
 * worker_loop.h.
 *
 * Listening: the sockets come from listeners.c, bound and listening (libuv
 * 1.44 has no SO_REUSEPORT flag, so it makes them itself); a loop wraps
 * each in a handle, and on CONFIG SET takes the new ones before it closes
 * the old. Each listener is its own allocation, freed in its close
 * callback, since the set changes while the loop runs. The unix socket is
 * watched by a poll handle on loop 0 rather than a uv_pipe_t, because
 * libuv would accept into a pipe of the same loop, and the connection is
 * for whichever loop's turn it is: loop 0 accepts the plain descriptor and
 * posts it there.
 *
 * Stopping (worker_loop_pool_stop's flag): close the listeners and the
 * timer, ask every connection to flush and close, close the queue, and
 * close the wake-up handle last; the loop ends by itself once every
 * handle's close callback has run.
 *
 * Refusing (worker_loop_pool_refuse_connections): a shutdown that is going
 * ahead shuts every loop's listening sockets at once, from whichever thread
 * decided it, before any connection is closed: a client that sees its
 * connection end and dials again is refused, as by a Redis that has
 * exited, instead of being accepted by a loop that has not stopped yet and
 * dropped. Every change to a loop's listening sockets (opening, closing,
 * the busy pause) is made under listen_lock, so the refusing thread sees
 * only sockets that are still open, and none is reopened after.
 */
#include "worker_loop.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "blocking.h"
#include "conn.h"
#include "repl_replica.h"
#include "evict.h"
#include "log.h"
#include "migrate_sockets.h"
#include "pause.h"
#include "server.h"

#define WORKER_TICK_MS 1000

static struct worker_loop *loops;
static unsigned nloops;

static pthread_mutex_t listen_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool connections_refused; /* written under listen_lock */

/* ---- listening on port and tls-port -------------------------------------- */

static void accept_or_refuse(struct listener *l);
static void close_listener(struct listener *l);

/* A refused socket polls readable and fails every accept: libuv would
 * call back without end, so it is closed on the first failure. */
static void connection_cb(uv_stream_t *stream, int status)
{
    struct listener *l = stream->data;
    if (status < 0 && atomic_load(&connections_refused))
        close_listener(l);
    if (status < 0 || l->wl->stopping)
        return;
    accept_or_refuse(l);
}

static void listener_closed_cb(uv_handle_t *handle)
{
    free(handle->data);
}

/* Unlink a listener from its loop and close it, under listen_lock. */
static void close_listener(struct listener *l)
{
    pthread_mutex_lock(&listen_lock);
    for (struct listener **p = &l->wl->listeners; *p != NULL; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            break;
        }
    uv_close((uv_handle_t *)&l->tcp, listener_closed_cb);
    pthread_mutex_unlock(&listen_lock);
}

static void shut_listener(const struct listener *l)
{
    uv_os_fd_t fd;
    if (uv_fileno((const uv_handle_t *)&l->tcp, &fd) == 0)
        shutdown(fd, SHUT_RD);
}

/* Take a socket listeners.c opened (bound and listening) into a handle. */
static int add_listener(struct worker_loop *wl, const struct listen_addr *where)
{
    struct listener *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        close(where->fd);
        return -ENOMEM;
    }
    l->wl = wl;
    l->where = *where;
    uv_tcp_init(&wl->loop, &l->tcp);
    l->tcp.data = l;
    pthread_mutex_lock(&listen_lock);
    l->next = wl->listeners;
    wl->listeners = l;
    int rc = uv_tcp_open(&l->tcp, where->fd);
    if (rc != 0)
        close(where->fd);
    else
        rc = uv_listen((uv_stream_t *)&l->tcp, (int)server.cfg.tcp_backlog, connection_cb);
    if (rc == 0 && atomic_load(&connections_refused))
        shut_listener(l);
    pthread_mutex_unlock(&listen_lock);
    if (rc != 0) {
        log_warning("Warning: Could not create server TCP listening socket %s:%d: listen: %s",
                    where->addr, where->port, uv_strerror(rc));
        return -EADDRINUSE;
    }
    return 0;
}

static bool in_set(const struct listen_set *set, const struct listen_addr *where)
{
    for (int i = 0; i < set->n; i++)
        if (listen_addr_same(&set->a[i], where))
            return true;
    return false;
}

/* The set's new sockets first, then close what the set no longer has:
 * every address wanted is listened on throughout. */
static int listen_on_set(struct worker_loop *wl, const struct listen_set *set)
{
    int rc = 0;
    for (int i = 0; i < set->n; i++)
        if (set->a[i].fd >= 0 && add_listener(wl, &set->a[i]) < 0 && rc == 0)
            rc = -EADDRINUSE;
    for (struct listener *l = wl->listeners, *next; l != NULL; l = next) {
        next = l->next;
        if (!in_set(set, &l->where))
            close_listener(l);
    }
    return rc;
}

int worker_loop_set_listeners(unsigned i, const struct listen_set *set)
{
    assert(i < nloops);
    return listen_on_set(&loops[i], set);
}

/* A message carrying a loop's new listen set. */
struct listen_msg {
    struct worker_msg base;
    struct listen_set set;
};

static struct listen_msg *listen_msg_of(struct listen_set *set)
{
    return (struct listen_msg *)((char *)set - offsetof(struct listen_msg, set));
}

static void close_set_sockets(struct listen_set *set)
{
    for (int i = 0; i < set->n; i++)
        if (set->a[i].fd >= 0)
            close(set->a[i].fd);
}

static void listen_msg_deliver_cb(struct worker *w, struct worker_msg *m)
{
    struct worker_loop *wl = w->loop;
    struct listen_set *set = &((struct listen_msg *)m)->set;
    if (wl->stopping)
        close_set_sockets(set);
    else
        listen_on_set(wl, set);
}

static void listen_msg_drop_cb(struct worker_msg *m)
{
    close_set_sockets(&((struct listen_msg *)m)->set);
}

struct listen_set *worker_loop_listen_msg_create(void)
{
    struct listen_msg *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    m->base.deliver_cb = listen_msg_deliver_cb;
    m->base.drop_cb = listen_msg_drop_cb;
    return &m->set;
}

void worker_loop_listen_msg_post(unsigned i, struct listen_set *set)
{
    assert(i < nloops);
    worker_post(loops[i].w, &listen_msg_of(set)->base);
}

void worker_loop_listen_msg_destroy(struct listen_set *set)
{
    if (set != NULL)
        free(listen_msg_of(set));
}

/* ---- accepting on port and tls-port ----------------------------------------- */

static void refuse_closed_cb(uv_handle_t *handle)
{
    struct worker_loop *wl = handle->data;
    wl->refusing = false;
    for (struct listener *l = wl->listeners; l != NULL && !wl->stopping; l = l->next)
        if (l->refuse_pending) {
            l->refuse_pending = false;
            accept_or_refuse(l);
        }
}

/* No memory for the connection: libuv stops polling a listener until its
 * pending socket is accepted, so accept it into the spare handle and close
 * it at once (the client sees the connection end), or, while that handle
 * is still closing, leave the listener pending until it is free again. */
static void refuse(struct listener *l)
{
    struct worker_loop *wl = l->wl;
    if (wl->refusing) {
        l->refuse_pending = true;
        return;
    }
    log_warning("Out of memory accepting a connection: closing it");
    uv_tcp_init(&wl->loop, &wl->refuse);
    wl->refuse.data = wl;
    wl->refusing = true;
    uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&wl->refuse);
    uv_close((uv_handle_t *)&wl->refuse, refuse_closed_cb);
}

static void accept_or_refuse(struct listener *l)
{
    if (conn_accept(l->wl, (uv_stream_t *)&l->tcp, l->where.tls) == -ENOMEM)
        refuse(l);
}

/* ---- the unix socket ---------------------------------------------------------- */

#define UNIX_ACCEPTS_PER_CALL 1000 /* Redis's MAX_ACCEPTS_PER_CALL */

/* A unix connection accepted on loop 0, for another loop. */
struct unix_conn_msg {
    struct worker_msg base;
    int fd;
};

static void unix_conn_deliver_cb(struct worker *w, struct worker_msg *m)
{
    struct worker_loop *wl = w->loop;
    int fd = ((struct unix_conn_msg *)m)->fd;
    if (wl->stopping || conn_accept_unix(wl, fd) == -ENOMEM)
        close(fd);
}

static void unix_conn_drop_cb(struct worker_msg *m)
{
    close(((struct unix_conn_msg *)m)->fd);
}

/* Give an accepted unix connection to the next loop in turn. */
static void deal_unix_conn(struct worker_loop *wl, int fd)
{
    struct worker_loop *to = &loops[wl->unix_next++ % nloops];
    if (to == wl) {
        if (conn_accept_unix(wl, fd) == -ENOMEM)
            close(fd);
        return;
    }
    struct unix_conn_msg *m = malloc(sizeof(*m));
    if (m == NULL) {
        log_warning("Out of memory accepting a connection: closing it");
        close(fd);
        return;
    }
    *m = (struct unix_conn_msg){.base = {.deliver_cb = unix_conn_deliver_cb,
                                         .drop_cb = unix_conn_drop_cb},
                                .fd = fd};
    worker_post(to->w, &m->base);
}

static void unix_readable_cb(uv_poll_t *handle, int status, int events)
{
    struct worker_loop *wl = handle->data;
    uv_os_fd_t lfd;
    (void)events;
    if (status < 0 || wl->stopping || uv_fileno((uv_handle_t *)handle, &lfd) != 0)
        return;
    for (int i = 0; i < UNIX_ACCEPTS_PER_CALL; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && atomic_load(&connections_refused)) {
            uv_poll_stop(handle); /* refused: it would poll readable for ever */
            return;
        }
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                log_warning("Accepting client connection: %s", strerror(errno));
            return;
        }
        deal_unix_conn(wl, fd);
    }
}

int worker_loop_set_unix_listener(int fd)
{
    struct worker_loop *wl = &loops[0];
    int rc = uv_poll_init(&wl->loop, &wl->unix_poll, fd);
    if (rc != 0) {
        log_warning("Failed opening Unix socket: %s", uv_strerror(rc));
        return -EINVAL;
    }
    wl->unix_poll.data = wl;
    pthread_mutex_lock(&listen_lock);
    wl->unix_listening = true;
    pthread_mutex_unlock(&listen_lock);
    uv_poll_start(&wl->unix_poll, UV_READABLE, unix_readable_cb);
    return 0;
}

/* ---- running ---------------------------------------------------------------- */

static void close_handle_cb(uv_handle_t *h)
{
    (void)h;
}

static void stop(struct worker_loop *wl)
{
    if (wl->stopping)
        return;
    wl->stopping = true;
    while (wl->listeners != NULL)
        close_listener(wl->listeners);
    pthread_mutex_lock(&listen_lock);
    if (wl->unix_listening)
        uv_close((uv_handle_t *)&wl->unix_poll, close_handle_cb);
    wl->unix_listening = false;
    pthread_mutex_unlock(&listen_lock);
    uv_close((uv_handle_t *)&wl->tick, close_handle_cb);
    uv_close((uv_handle_t *)&wl->alarm, close_handle_cb);
    repl_replica_loop_stop(wl->w);
    conn_close_all(wl);
    uv_close((uv_handle_t *)&wl->flush_check, close_handle_cb);
    uv_close((uv_handle_t *)&wl->ready_idle, close_handle_cb);
    worker_close_queue(wl->w);
    uv_close((uv_handle_t *)&wl->wakeup, close_handle_cb);
}

/* worker.h's wake_cb: under the queue lock, while the queue is open. */
static void wake_cb(struct worker *w)
{
    uv_async_send(&w->loop->wakeup);
}

void worker_loop_run_messages(struct worker_loop *wl)
{
    for (struct worker_msg *m = worker_take_messages(wl->w), *next; m != NULL; m = next) {
        next = m->next;
        worker_run_message(wl->w, m);
    }
}

/* Messages first, in posting order; then a stop, if asked for. */
static void wakeup_cb(uv_async_t *handle)
{
    struct worker_loop *wl = handle->data;
    worker_loop_run_messages(wl);
    if (atomic_load(&wl->stop_requested))
        stop(wl);
}

static void alarm_fired_cb(uv_timer_t *timer)
{
    struct worker_loop *wl = timer->data;
    long long now = server_mstime(), next = blocking_expire(wl->w, now);
    long long resume = pause_expire(wl->w, now);
    if (resume > 0 && (next == 0 || resume < next))
        next = resume;
    if (next > 0)
        uv_timer_start(&wl->alarm, alarm_fired_cb, (uint64_t)(next > now ? next - now : 0), 0);
    conn_flush_queued(wl); /* now: the check handle would wait for the next poll */
}

/* worker.h's alarm_cb: fire at `at_ms` unless the alarm is due earlier. */
static void alarm_cb(struct worker *w, long long at_ms)
{
    struct worker_loop *wl = w->loop;
    long long now = server_mstime();
    uint64_t in = (uint64_t)(at_ms > now ? at_ms - now : 0);
    if (!uv_is_active((uv_handle_t *)&wl->alarm) || uv_timer_get_due_in(&wl->alarm) > in)
        uv_timer_start(&wl->alarm, alarm_fired_cb, in, 0);
}

/* Shutting a listening socket takes it out of the port's SO_REUSEPORT
 * group (new connections go to the other loops); listen() puts it back,
 * unless a shutdown refuses connections by now. */
static void pause_listeners(struct worker_loop *wl, bool pause)
{
    pthread_mutex_lock(&listen_lock);
    for (struct listener *l = wl->listeners; l != NULL; l = l->next) {
        uv_os_fd_t fd;
        if (pause)
            shut_listener(l);
        else if (!atomic_load(&connections_refused) && uv_fileno((uv_handle_t *)&l->tcp, &fd) == 0)
            listen(fd, (int)server.cfg.tcp_backlog);
    }
    wl->listeners_paused = pause;
    pthread_mutex_unlock(&listen_lock);
}

/* worker.h's busy_cb. With one loop the listeners stay: new clients wait
 * rather than find nothing. */
static void busy_cb(struct worker *w, struct client *running, bool busy)
{
    struct worker_loop *wl = w->loop;
    if (busy != wl->listeners_paused && (!busy || worker_count() > 1))
        pause_listeners(wl, busy);
    if (busy)
        conn_answer_while_busy(wl, running);
}

static void tick_cb(uv_timer_t *timer)
{
    long long now = server_mstime();
    conn_tick(timer->data, now);
    migrate_sockets_close_idle(now);
}

/* Before the poll: the connections whose slice ran out last turn get the
 * next one. An active idle handle makes that poll not wait, so they go on
 * at once when nothing else is ready, and after one round of the others'
 * I/O when something is. It stays active until the check handle has
 * written this turn's replies: stopped here, after the last slice, it
 * would let the poll sleep with those replies unwritten until some timer
 * fired (up to WORKER_TICK_MS). */
static void ready_idle_cb(uv_idle_t *handle)
{
    conn_run_ready(handle->data);
}

/* After the loop's I/O callbacks: write every reply produced this
 * iteration, as Redis does before it sleeps, so a burst of readable clients
 * is answered together and the peer wakes once for all of them. Then the
 * turn ends (every connection's slice is whole again), and connections
 * that still hold requests keep the next poll from waiting. */
static void flush_check_cb(uv_check_t *handle)
{
    struct worker_loop *wl = handle->data;
    conn_flush_queued(wl);
    evict_note_thread_memory(); /* the replies just written were freed */
    wl->turn++;
    if (wl->ready != NULL)
        uv_idle_start(&wl->ready_idle, ready_idle_cb);
    else
        uv_idle_stop(&wl->ready_idle);
}

/* ---- life cycle ------------------------------------------------------------ */

/* The handles of a loop whose uv_loop is initialised (listeners.c gives
 * it its listeners). */
static void loop_init(struct worker_loop *wl, struct worker *w)
{
    wl->w = w;
    w->loop = wl;
    w->wake_cb = wake_cb;
    w->alarm_cb = alarm_cb;
    w->busy_cb = busy_cb;
    uv_async_init(&wl->loop, &wl->wakeup, wakeup_cb);
    wl->wakeup.data = wl;
    uv_check_init(&wl->loop, &wl->flush_check);
    wl->flush_check.data = wl;
    uv_check_start(&wl->flush_check, flush_check_cb);
    uv_idle_init(&wl->loop, &wl->ready_idle);
    wl->ready_idle.data = wl;
    uv_timer_init(&wl->loop, &wl->tick);
    wl->tick.data = wl;
    uv_timer_start(&wl->tick, tick_cb, WORKER_TICK_MS, WORKER_TICK_MS);
    uv_timer_init(&wl->loop, &wl->alarm);
    wl->alarm.data = wl;
}

static void *loop_main(void *arg)
{
    struct worker_loop *wl = arg;
    worker_set_current(wl->w);
    uv_run(&wl->loop, UV_RUN_DEFAULT);
    blocking_thread_done();
    migrate_sockets_close_all();
    return NULL;
}

int worker_loop_pool_create(unsigned n)
{
    int rc = worker_pool_init(n);
    if (rc < 0)
        return rc;
    loops = calloc(n, sizeof(*loops));
    if (loops == NULL)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        rc = uv_loop_init(&loops[i].loop);
        if (rc != 0)
            return rc;
        nloops = i + 1;
        loop_init(&loops[i], worker_at(i));
        /* Here, before any thread runs: the ring's descriptor and mappings
         * come from a system call ThreadSanitizer does not see, and a
         * loop's thread making them could reuse the number of a socket
         * another loop just closed, which it would take for a race. */
        send_batch_init(&loops[i].sends, true);
    }
    return 0;
}

int worker_loop_pool_start(void)
{
    for (unsigned i = 0; i < nloops; i++) {
        int rc = pthread_create(&loops[i].thread, NULL, loop_main, &loops[i]);
        if (rc != 0)
            return -rc;
        loops[i].started = true;
    }
    return 0;
}

void worker_loop_pool_refuse_connections(void)
{
    pthread_mutex_lock(&listen_lock);
    atomic_store(&connections_refused, true);
    for (unsigned i = 0; i < nloops; i++) {
        for (struct listener *l = loops[i].listeners; l != NULL; l = l->next)
            shut_listener(l);
        uv_os_fd_t fd;
        if (loops[i].unix_listening && uv_fileno((uv_handle_t *)&loops[i].unix_poll, &fd) == 0)
            shutdown(fd, SHUT_RD);
    }
    pthread_mutex_unlock(&listen_lock);
}

/* A flag and a wake-up rather than a message: stopping needs no memory. */
void worker_loop_pool_stop(void)
{
    for (unsigned i = 0; i < nloops; i++) {
        struct worker *w = loops[i].w;
        atomic_store(&loops[i].stop_requested, true);
        pthread_mutex_lock(&w->queue_lock);
        if (!w->queue_closed)
            wake_cb(w);
        pthread_mutex_unlock(&w->queue_lock);
    }
}

void worker_loop_pool_destroy(void)
{
    for (unsigned i = 0; i < nloops; i++) {
        struct worker_loop *wl = &loops[i];
        if (wl->started)
            pthread_join(wl->thread, NULL);
        else
            uv_run(&wl->loop, UV_RUN_DEFAULT); /* never started: let close callbacks run */
        uv_loop_close(&wl->loop);
        send_batch_fini(&wl->sends);
    }
    worker_pool_deinit(); /* every thread has ended: nothing can post now */
    free(loops);
    loops = NULL;
    nloops = 0;
}
