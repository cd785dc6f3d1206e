/*
 * worker.c - a worker loop; see worker.h.
 *
 * Listening: libuv 1.44 has no SO_REUSEPORT flag, so each worker makes its
 * own socket, sets SO_REUSEADDR and SO_REUSEPORT, binds and hands the fd to
 * uv_tcp_open. The kernel then balances new connections over the workers.
 *
 * Stopping (WORKER_MSG_STOP): close the listeners and the timer, ask every
 * connection to flush and close, and close the wake-up handle last; the
 * loop ends by itself once every handle's close callback has run.
 */
#include "worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "command.h"
#include "conn.h"
#include "log.h"
#include "pubsub.h"
#include "server.h"

#define WORKER_TICK_MS 1000

/* ---- listening ----------------------------------------------------------- */

static int open_listen_socket(const char *addr, int port, struct sockaddr_storage *sa)
{
    memset(sa, 0, sizeof(*sa));
    if (uv_ip4_addr(addr, port, (struct sockaddr_in *)sa) != 0 &&
        uv_ip6_addr(addr, port, (struct sockaddr_in6 *)sa) != 0)
        return -EINVAL;
    int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (sa->ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    socklen_t len = sa->ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                              : sizeof(struct sockaddr_in6);
    if (bind(fd, (struct sockaddr *)sa, len) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

static void connection_cb(uv_stream_t *listener, int status)
{
    struct worker *w = listener->data;
    if (status < 0 || w->stopping)
        return;
    conn_accept(w, listener);
}

static int listen_on(struct worker *w, const char *addr)
{
    struct sockaddr_storage sa;
    int fd = open_listen_socket(addr, (int)server.cfg.port, &sa);
    if (fd < 0) {
        log_warning("Could not create server TCP listening socket %s:%lld: %s", addr,
                    server.cfg.port, strerror(-fd));
        return fd;
    }
    uv_tcp_t *l = &w->listeners[w->nlisteners];
    uv_tcp_init(&w->loop, l);
    l->data = w;
    int rc = uv_tcp_open(l, fd);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)l, (int)server.cfg.tcp_backlog, connection_cb);
    w->nlisteners++; /* counted even on failure so the handle gets closed */
    if (rc != 0) {
        log_warning("Could not listen on %s:%lld: %s", addr, server.cfg.port, uv_strerror(rc));
        return -EADDRINUSE;
    }
    return 0;
}

static int listen_all(struct worker *w)
{
    char binds[1024];
    snprintf(binds, sizeof(binds), "%s", server.cfg.bind);
    char *save = NULL;
    for (char *a = strtok_r(binds, " ", &save); a != NULL; a = strtok_r(NULL, " ", &save)) {
        if (w->nlisteners == CONFIG_MAX_BINDS)
            break;
        const char *addr = a[0] == '-' ? a + 1 : a; /* "-::1": optional address */
        int rc = listen_on(w, addr);
        if (rc < 0 && a[0] != '-')
            return rc;
    }
    return 0;
}

/* ---- messages from other threads ------------------------------------------ */

int worker_post(struct worker *w, enum worker_msg_type type, uint64_t client_id)
{
    struct worker_msg *m = malloc(sizeof(*m));
    if (m == NULL)
        return -ENOMEM;
    m->type = type;
    m->client_id = client_id;
    return worker_post_msg(w, m);
}

int worker_post_msg(struct worker *w, struct worker_msg *m)
{
    m->next = NULL;
    pthread_mutex_lock(&w->queue_lock);
    if (w->queue_closed) {
        pthread_mutex_unlock(&w->queue_lock);
        free(m);
        return -ESHUTDOWN;
    }
    if (w->queue_tail)
        w->queue_tail->next = m;
    else
        w->queue_head = m;
    w->queue_tail = m;
    pthread_mutex_unlock(&w->queue_lock);
    uv_async_send(&w->wakeup);
    return 0;
}

static void close_handle_cb(uv_handle_t *h)
{
    (void)h;
}

static void stop(struct worker *w)
{
    if (w->stopping)
        return;
    w->stopping = true;
    for (int i = 0; i < w->nlisteners; i++)
        uv_close((uv_handle_t *)&w->listeners[i], close_handle_cb);
    uv_close((uv_handle_t *)&w->tick, close_handle_cb);
    for (struct conn *c = w->conns, *next; c != NULL; c = next) {
        next = c->next;
        conn_close_after_flush(c);
    }
    conn_flush_queued(w); /* the check handle that would do it closes now */
    uv_close((uv_handle_t *)&w->flush_check, close_handle_cb);
    pthread_mutex_lock(&w->queue_lock);
    w->queue_closed = true;
    pthread_mutex_unlock(&w->queue_lock);
    uv_close((uv_handle_t *)&w->wakeup, close_handle_cb);
}

static void kill_client(struct worker *w, uint64_t id)
{
    for (struct conn *c = w->conns; c != NULL; c = c->next) {
        if (c->client.id == id) {
            conn_close(c);
            return;
        }
    }
}

static void wakeup_cb(uv_async_t *handle)
{
    struct worker *w = handle->data;
    pthread_mutex_lock(&w->queue_lock);
    struct worker_msg *m = w->queue_head;
    w->queue_head = w->queue_tail = NULL;
    pthread_mutex_unlock(&w->queue_lock);
    while (m != NULL) {
        struct worker_msg *next = m->next;
        if (m->type == WORKER_MSG_STOP)
            stop(w);
        else if (m->type == WORKER_MSG_KILL)
            kill_client(w, m->client_id);
        else if (m->type == WORKER_MSG_PUBSUB)
            pubsub_deliver(w, m);
        free(m);
        m = next;
    }
}

static void tick_cb(uv_timer_t *timer)
{
    struct worker *w = timer->data;
    if (server.cfg.timeout <= 0)
        return;
    long long now = server_mstime();
    for (struct conn *c = w->conns, *next; c != NULL; c = next) {
        next = c->next;
        conn_check_timeout(c, now);
    }
}

/* After the loop's I/O callbacks: write every reply produced this
 * iteration, as Redis does before it sleeps, so a burst of readable clients
 * is answered together and the peer wakes once for all of them. */
static void flush_check_cb(uv_check_t *handle)
{
    conn_flush_queued(handle->data);
}

/* ---- lifecycle ------------------------------------------------------------ */

struct client *worker_find_client(struct worker *w, uint64_t id)
{
    struct conn *c = w->conns_by_id ? hashmap_get(w->conns_by_id, &id, sizeof(id)) : NULL;
    return c != NULL ? &c->client : NULL;
}

/* A connection the id map could not take (out of memory) only misses
 * messages addressed by id (pub/sub). */
void worker__conn_added(struct worker *w, struct conn *c)
{
    if (w->conns_by_id != NULL &&
        hashmap_put(w->conns_by_id, &c->client.id, sizeof(c->client.id), c, NULL) < 0)
        log_warning("Out of memory indexing client id=%llu",
                    (unsigned long long)c->client.id);
    c->prev = NULL;
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
}

void worker__conn_removed(struct worker *w, struct conn *c)
{
    if (w->conns_by_id != NULL)
        hashmap_delete(w->conns_by_id, &c->client.id, sizeof(c->client.id), NULL);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

int worker_init(struct worker *w, int id)
{
    memset(w, 0, sizeof(*w));
    w->id = id;
    pthread_mutex_init(&w->queue_lock, NULL);
    int rc = uv_loop_init(&w->loop);
    if (rc != 0)
        return rc;
    uv_async_init(&w->loop, &w->wakeup, wakeup_cb);
    w->wakeup.data = w;
    uv_check_init(&w->loop, &w->flush_check);
    w->flush_check.data = w;
    uv_check_start(&w->flush_check, flush_check_cb);
    uv_timer_init(&w->loop, &w->tick);
    w->tick.data = w;
    uv_timer_start(&w->tick, tick_cb, WORKER_TICK_MS, WORKER_TICK_MS);
    w->cmdstats = calloc(command_id_count(), sizeof(*w->cmdstats));
    struct hashmap_hasher hasher = {hashmap_siphash, &server.seed};
    w->conns_by_id = hashmap_create(&hasher);
    rc = w->cmdstats == NULL || w->conns_by_id == NULL ? -ENOMEM : listen_all(w);
    if (rc < 0)
        stop(w);
    return rc;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    uv_run(&w->loop, UV_RUN_DEFAULT);
    return NULL;
}

int worker_start(struct worker *w)
{
    return -pthread_create(&w->thread, NULL, worker_main, w);
}

void worker_join(struct worker *w)
{
    if (w->thread)
        pthread_join(w->thread, NULL);
    else
        uv_run(&w->loop, UV_RUN_DEFAULT); /* never started: let close callbacks run */
    wakeup_cb(&w->wakeup); /* free messages posted after the stop */
    uv_loop_close(&w->loop);
    pthread_mutex_destroy(&w->queue_lock);
    free(w->cmdstats);
    w->cmdstats = NULL;
    hashmap_destroy(w->conns_by_id);
    w->conns_by_id = NULL;
}
