/*
 * client.c - client sessions and the registry of connected clients; see
 * client.h. Free of libuv: a session can run commands without a
 * connection (the command-level fuzzer does).
 */
#include "client.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "client_evict.h"
#include "log.h"
#include "server.h"
#include "tracking.h"
#include "worker.h"

/* What client_memory counts for each watched key, channel, pattern and
 * tracking prefix: a list node and the record it points to, as Redis
 * counts them (the names themselves are shared or small). */
#define CLIENT_ENTRY_OVERHEAD 48

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct client *registry, *registry_tail; /* under registry_lock, oldest first */
static atomic_uint_fast64_t next_id = 1;
static atomic_long connected;          /* registered and not killed */

void client_init(struct client *c, struct worker *w, struct stats_loop *stats,
                 const struct client_io *io, long long now_ms)
{
    memset(c, 0, sizeof(*c));
    c->id = atomic_fetch_add(&next_id, 1);
    c->worker = w;
    c->stats = stats;
    c->io = io;
    c->resp = 2;
    c->ctime_ms = now_ms;
    c->last_interaction_ms = now_ms;
    c->fd = -1;
    c->user = acl_default_user();
    c->authenticated = !acl_default_needs_auth();
    resp_parser_init(&c->parser, NULL); /* the connection sets limits per request */
    resp_out_init(&c->out, 2);
    client_publish(c, 0);
}

bool client_argv_reserve(struct client *c, size_t needed)
{
    size_t cap = c->argv_cap ? c->argv_cap : CLIENT_INITIAL_ARGV;
    while (cap < needed)
        cap *= 2;
    struct resp_arg *p = realloc(c->argv, cap * sizeof(*p));
    if (p == NULL)
        return false;
    c->argv = p;
    c->argv_cap = cap;
    return true;
}

void client_argv_trim(struct client *c)
{
    if (c->argv_cap <= CLIENT_ARGV_KEEP)
        return;
    free(c->argv);
    c->argv = NULL;
    c->argv_cap = 0;
}

void client_deinit(struct client *c)
{
    free(c->qbuf);
    free(c->argv);
    free(c->name);
    free(c->lib_name);
    free(c->lib_ver);
    acl_user_release(c->user);
    c->user = NULL;
    resp_out_deinit(&c->out);
}

bool client_auth_required(const struct client *c)
{
    return !c->authenticated && acl_default_needs_auth();
}

/* addr is "ip:port". */
bool client_is_local(const struct client *c)
{
    if (c->flags & CLIENT_UNIX_SOCKET)
        return true;
    const char *colon = strrchr(c->addr, ':');
    size_t iplen = colon ? (size_t)(colon - c->addr) : strlen(c->addr);
    return (iplen == 9 && memcmp(c->addr, "127.0.0.1", 9) == 0) ||
           (iplen == 3 && memcmp(c->addr, "::1", 3) == 0);
}

bool client_can_push(const struct client *c)
{
    /* Not CLIENT_REPLY_OFF: pushes go through it, as in Redis 7.0. */
    return !(c->flags & (CLIENT_CLOSED | CLIENT_CLOSE_ASAP)) &&
           !atomic_load(&c->killed);
}

size_t client_memory(const struct client *c)
{
    size_t entries = c->nwatched + atomic_load_explicit(&c->nsub, memory_order_relaxed) +
                     atomic_load_explicit(&c->npsub, memory_order_relaxed) +
                     atomic_load_explicit(&c->nssub, memory_order_relaxed) +
                     tracking_prefix_count(c);
    return sizeof(*c) + c->conn_bytes + c->qcap + c->out.cap + c->argv_cap * sizeof(*c->argv) +
           c->mqueue_bytes + entries * CLIENT_ENTRY_OVERHEAD;
}

void client_publish(struct client *c, size_t pending_output)
{
    struct client_view *v = &c->view;
    size_t mem = client_memory(c);
    atomic_store_explicit(&v->db, c->db, memory_order_relaxed);
    atomic_store_explicit(&v->resp, c->resp, memory_order_relaxed);
    atomic_store_explicit(&v->flags, c->flags, memory_order_relaxed);
    atomic_store_explicit(&v->last_interaction_ms, c->last_interaction_ms, memory_order_relaxed);
    atomic_store_explicit(&v->last_cmd, c->last_cmd, memory_order_relaxed);
    /* As Redis: the arguments of a request in progress that are parsed
     * already are no longer query buffer. */
    atomic_store_explicit(&v->qbuf, c->qlen - c->qpos - resp_parser_parsed_bytes(&c->parser),
                          memory_order_relaxed);
    atomic_store_explicit(&v->qbuf_free, c->qcap - c->qlen, memory_order_relaxed);
    atomic_store_explicit(&v->obuf, pending_output, memory_order_relaxed);
    atomic_store_explicit(&v->obuf_cap, c->out.cap, memory_order_relaxed);
    atomic_store_explicit(&v->redir,
                          c->flags & CLIENT_TRACKING ? (long long)c->tracking_redir : -1,
                          memory_order_relaxed);
    atomic_store_explicit(&v->tot_mem, mem, memory_order_relaxed);
    client_evict_account(c, mem);
}

void client_publish_flags(struct client *c)
{
    atomic_store_explicit(&c->view.flags, c->flags, memory_order_relaxed);
}

/* ---- the registry ------------------------------------------------------------ */

void client_registry_lock(void)
{
    pthread_mutex_lock(&registry_lock);
}

void client_registry_unlock(void)
{
    pthread_mutex_unlock(&registry_lock);
}

struct client *client_registry_first(void)
{
    return registry;
}

void client_register(struct client *c)
{
    pthread_mutex_lock(&registry_lock);
    c->reg_next = NULL;
    c->reg_prev = registry_tail;
    if (registry_tail)
        registry_tail->reg_next = c;
    else
        registry = c;
    registry_tail = c;
    pthread_mutex_unlock(&registry_lock);
    atomic_fetch_add(&connected, 1);
}

void client_unregister(struct client *c)
{
    pthread_mutex_lock(&registry_lock);
    if (c->reg_prev)
        c->reg_prev->reg_next = c->reg_next;
    else
        registry = c->reg_next;
    if (c->reg_next)
        c->reg_next->reg_prev = c->reg_prev;
    else
        registry_tail = c->reg_prev;
    bool counted = !c->killed;
    client_evict_forget(c); /* under the lock, so no evictor counts it afterwards */
    pthread_mutex_unlock(&registry_lock);
    if (counted)
        atomic_fetch_sub(&connected, 1);
}

void client_mark_killed(struct client *c)
{
    if (!c->killed) {
        c->killed = true;
        atomic_fetch_sub(&connected, 1);
    }
}

/* client_kill's message to the victim's worker: close it there. */
struct kill_msg {
    struct worker_msg msg; /* first: the worker frees the whole message */
    uint64_t client_id;
};

static void kill_deliver_cb(struct worker *w, struct worker_msg *m)
{
    struct client *c = worker_find_client(w, ((struct kill_msg *)m)->client_id);
    if (c != NULL) {
        c->flags |= CLIENT_CLOSE_ASAP;
        client_wake(c);
    }
}

void client_kill(struct client *c)
{
    client_mark_killed(c); /* its loop runs nothing more for it */
    client_evict_forget(c);
    struct kill_msg *m = malloc(sizeof(*m));
    if (m == NULL) {
        /* Marked killed, so its loop runs and sends nothing more for it;
         * the socket closes when its peer does, or at the idle timeout. */
        log_warning("Out of memory killing client id=%llu", (unsigned long long)c->id);
        return;
    }
    m->msg = (struct worker_msg){.deliver_cb = kill_deliver_cb};
    m->client_id = c->id;
    worker_post(c->worker, &m->msg);
}

long client_connected_count(void)
{
    return atomic_load(&connected);
}
