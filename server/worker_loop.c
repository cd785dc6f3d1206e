/*
 * worker_loop.c - the worker threads' libuv loops: listening, accepting,
 * running queued messages, the idle-timeout tick, stopping; see
 * worker_loop.h.
 *
 * Listening: libuv 1.44 has no SO_REUSEPORT flag, so each loop makes its
 * own socket, binds it and hands the fd to uv_tcp_open. The first loop
 * binds without SO_REUSEPORT (the port must be free of every other
 * process), then sets it before listening so the others can join.
 *
 * Stopping (worker_loop_pool_stop's flag): close the listeners and the
 * timer, ask every connection to flush and close, close the queue, and
 * close the wake-up handle last; the loop ends by itself once every
 * handle's close callback has run.
 */
#include "worker_loop.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
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
#include "pause.h"
#include "server.h"

#define WORKER_TICK_MS 1000

static_assert(2 * CONFIG_MAX_BINDS <= sizeof(unsigned) * 8,
              "refuse_pending has a bit for every listener");

static struct worker_loop *loops;
static unsigned nloops;

/* ---- listening ----------------------------------------------------------- */

/* A socket bound to addr:port. `join` sets SO_REUSEPORT before binding
 * (the other loops joining the first one's port); otherwise the bind must
 * find the port free, and SO_REUSEPORT is set after it. On failure,
 * -errno and, in `why`, the failing step as Redis's anet words it. */
static int open_listen_socket(const char *addr, int port, bool join, char *why, size_t cap)
{
    struct sockaddr_storage sa;
    memset(&sa, 0, sizeof(sa));
    if (uv_ip4_addr(addr, port, (struct sockaddr_in *)&sa) != 0 &&
        uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&sa) != 0) {
        snprintf(why, cap, "%s", gai_strerror(EAI_NONAME));
        return -EADDRNOTAVAIL;
    }
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, cap, "socket: %s", strerror(errno));
        return -errno;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (join)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (sa.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    socklen_t len = sa.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                             : sizeof(struct sockaddr_in6);
    if (bind(fd, (struct sockaddr *)&sa, len) < 0 ||
        (!join && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)) {
        int err = errno;
        snprintf(why, cap, "bind: %s", strerror(err));
        close(fd);
        return -err;
    }
    return fd;
}

static void accept_or_refuse(struct worker_loop *wl, int listener);

static void connection_cb(uv_stream_t *listener, int status)
{
    struct worker_loop *wl = listener->data;
    if (status < 0 || wl->stopping)
        return;
    accept_or_refuse(wl, (int)((uv_tcp_t *)listener - wl->listeners));
}

/* Listen on one address of port or tls-port (`tls`). An optional one
 * ("-addr") that does not exist here is skipped; any other failure stops
 * start-up, as in Redis. */
static int listen_on(struct worker_loop *wl, const char *addr, bool optional, bool tls)
{
    int port = (int)(tls ? server.cfg.tls_port : server.cfg.port);
    char why[256];
    int fd = open_listen_socket(addr, port, wl->w->id > 0, why, sizeof(why));
    if (fd < 0) {
        if (wl->w->id == 0) /* the others would only repeat it */
            log_warning("Warning: Could not create server TCP listening socket %s:%d: %s", addr,
                        port, why);
        return optional && fd == -EADDRNOTAVAIL ? 0 : fd;
    }
    uv_tcp_t *l = &wl->listeners[wl->nlisteners];
    wl->listener_tls[wl->nlisteners] = tls;
    uv_tcp_init(&wl->loop, l);
    l->data = wl;
    int rc = uv_tcp_open(l, fd);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)l, (int)server.cfg.tcp_backlog, connection_cb);
    wl->nlisteners++; /* counted even on failure so the handle gets closed */
    if (rc != 0) {
        log_warning("Warning: Could not create server TCP listening socket %s:%d: listen: %s",
                    addr, port, uv_strerror(rc));
        return -EADDRINUSE;
    }
    return 0;
}

/* Every address of `bind` on port or tls-port; "-addr" is optional. */
static int listen_port(struct worker_loop *wl, bool tls)
{
    char binds[1024];
    snprintf(binds, sizeof(binds), "%s", server.cfg.bind); /* start-up only: no lock */
    char *save = NULL;
    int first = wl->nlisteners;
    for (char *a = strtok_r(binds, " ", &save); a != NULL; a = strtok_r(NULL, " ", &save)) {
        if (wl->nlisteners - first == CONFIG_MAX_BINDS)
            break;
        bool optional = a[0] == '-';
        int rc = listen_on(wl, optional ? a + 1 : a, optional, tls);
        if (rc < 0) {
            log_warning("Failed listening on port %lld (%s), aborting.",
                        (long long)(tls ? server.cfg.tls_port : server.cfg.port),
                        tls ? "TLS" : "TCP");
            return rc;
        }
    }
    return 0;
}

/* port, then tls-port; 0 turns either off, as in Redis. */
static int listen_all(struct worker_loop *wl)
{
    if (server.cfg.port == 0 && server.cfg.tls_port == 0) {
        if (wl->w->id == 0)
            log_warning("Configured to not listen anywhere, exiting.");
        return -EINVAL;
    }
    int rc = server.cfg.port != 0 ? listen_port(wl, false) : 0;
    if (rc == 0 && server.cfg.tls_port != 0)
        rc = listen_port(wl, true);
    return rc;
}

/* ---- accepting --------------------------------------------------------------- */

static void refuse_closed_cb(uv_handle_t *handle)
{
    struct worker_loop *wl = handle->data;
    wl->refusing = false;
    unsigned pending = wl->refuse_pending;
    wl->refuse_pending = 0;
    for (int i = 0; i < wl->nlisteners && !wl->stopping; i++)
        if (pending & (1u << i))
            accept_or_refuse(wl, i);
}

/* No memory for the connection: libuv stops polling a listener until its
 * pending socket is accepted, so accept it into the spare handle and close
 * it at once (the client sees the connection end), or, while that handle
 * is still closing, leave the listener pending until it is free again. */
static void refuse(struct worker_loop *wl, int listener)
{
    if (wl->refusing) {
        wl->refuse_pending |= 1u << listener;
        return;
    }
    log_warning("Out of memory accepting a connection: closing it");
    uv_tcp_init(&wl->loop, &wl->refuse);
    wl->refuse.data = wl;
    wl->refusing = true;
    uv_accept((uv_stream_t *)&wl->listeners[listener], (uv_stream_t *)&wl->refuse);
    uv_close((uv_handle_t *)&wl->refuse, refuse_closed_cb);
}

static void accept_or_refuse(struct worker_loop *wl, int listener)
{
    if (conn_accept(wl, (uv_stream_t *)&wl->listeners[listener], wl->listener_tls[listener]) ==
        -ENOMEM)
        refuse(wl, listener);
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
    for (int i = 0; i < wl->nlisteners; i++)
        uv_close((uv_handle_t *)&wl->listeners[i], close_handle_cb);
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

/* Messages first, in posting order; then a stop, if asked for. */
static void wakeup_cb(uv_async_t *handle)
{
    struct worker_loop *wl = handle->data;
    for (struct worker_msg *m = worker_take_messages(wl->w), *next; m != NULL; m = next) {
        next = m->next;
        worker_run_message(wl->w, m);
    }
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
 * group (new connections go to the other loops); listen() puts it back. */
static void pause_listeners(struct worker_loop *wl, bool pause)
{
    for (int i = 0; i < wl->nlisteners; i++) {
        uv_os_fd_t fd;
        if (uv_fileno((uv_handle_t *)&wl->listeners[i], &fd) != 0)
            continue;
        if (pause)
            shutdown(fd, SHUT_RD);
        else
            listen(fd, (int)server.cfg.tcp_backlog);
    }
    wl->listeners_paused = pause;
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
    conn_tick(timer->data, server_mstime());
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

/* The handles of a loop whose uv_loop is initialised, and its listeners. */
static int loop_init(struct worker_loop *wl, struct worker *w)
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
    int rc = listen_all(wl);
    if (rc < 0)
        stop(wl);
    return rc;
}

static void *loop_main(void *arg)
{
    struct worker_loop *wl = arg;
    worker_set_current(wl->w);
    uv_run(&wl->loop, UV_RUN_DEFAULT);
    blocking_thread_done();
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
        rc = loop_init(&loops[i], worker_at(i));
        if (rc < 0)
            return rc;
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
    }
    worker_pool_deinit(); /* every thread has ended: nothing can post now */
    free(loops);
    loops = NULL;
    nloops = 0;
}
