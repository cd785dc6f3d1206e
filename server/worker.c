/*
 * worker.c - the workers' queues and client indexes; see worker.h.
 */
#include "worker.h"

#include <errno.h>
#include <stdlib.h>

#include "client.h"
#include "fault.h"
#include "hashmap.h"
#include "log.h"
#include "server.h"
#include "stats.h"

static struct worker *workers;
static unsigned nworkers;
static _Thread_local struct worker *current;

struct worker *worker_current(void)
{
    return current;
}

void worker_set_current(struct worker *w)
{
    current = w;
}

int worker_pool_init(unsigned n)
{
    workers = calloc(n, sizeof(*workers));
    if (workers == NULL)
        return -ENOMEM;
    nworkers = n;
    struct hashmap_hasher hasher = {hashmap_siphash, &server.seed};
    int rc = 0;
    for (unsigned i = 0; i < n; i++) {
        struct worker *w = &workers[i];
        w->id = i;
        w->stats = stats_of_loop(i);
        pthread_mutex_init(&w->queue_lock, NULL);
        w->clients_by_id = hashmap_create(&hasher);
        if (w->clients_by_id == NULL)
            rc = -ENOMEM;
    }
    return rc;
}

void worker_pool_deinit(void)
{
    for (unsigned i = 0; i < nworkers; i++) {
        struct worker *w = &workers[i];
        for (struct worker_msg *m = worker_take_messages(w), *next; m != NULL; m = next) {
            next = m->next;
            worker_drop_message(m);
        }
        pthread_mutex_destroy(&w->queue_lock);
        hashmap_destroy(w->clients_by_id);
    }
    free(workers);
    workers = NULL;
    nworkers = 0;
}

unsigned worker_count(void)
{
    return nworkers;
}

struct worker *worker_at(unsigned i)
{
    return i < nworkers ? &workers[i] : NULL;
}

/* ---- the queue ---------------------------------------------------------------- */

int worker_post(struct worker *w, struct worker_msg *m)
{
    m->next = NULL;
    pthread_mutex_lock(&w->queue_lock);
    if (w->queue_closed) {
        pthread_mutex_unlock(&w->queue_lock);
        worker_drop_message(m);
        return -ESHUTDOWN;
    }
    if (w->queue_tail)
        w->queue_tail->next = m;
    else
        w->queue_head = m;
    w->queue_tail = m;
    atomic_fetch_add_explicit(&w->unrun, 1, memory_order_relaxed);
    if (!fault_hit(FAULT_WAKEUP_SKIP))
        w->wake_cb(w);
    pthread_mutex_unlock(&w->queue_lock);
    return 0;
}

void worker_drop_message(struct worker_msg *m)
{
    if (m->drop_cb != NULL)
        m->drop_cb(m);
    free(m);
}

struct worker_msg *worker_take_messages(struct worker *w)
{
    pthread_mutex_lock(&w->queue_lock);
    struct worker_msg *m = w->queue_head;
    w->queue_head = w->queue_tail = NULL;
    pthread_mutex_unlock(&w->queue_lock);
    return m;
}

void worker_run_message(struct worker *w, struct worker_msg *m)
{
    m->deliver_cb(w, m);
    free(m);
    atomic_fetch_sub_explicit(&w->unrun, 1, memory_order_relaxed);
}

bool worker_quiet(struct worker *w)
{
    return atomic_load_explicit(&w->unrun, memory_order_relaxed) == 0;
}

void worker_close_queue(struct worker *w)
{
    pthread_mutex_lock(&w->queue_lock);
    w->queue_closed = true;
    pthread_mutex_unlock(&w->queue_lock);
}

/* ---- the client index -------------------------------------------------------- */

struct client *worker_find_client(struct worker *w, uint64_t id)
{
    return hashmap_get(w->clients_by_id, &id, sizeof(id));
}

void worker_add_client(struct worker *w, struct client *c)
{
    if (hashmap_put(w->clients_by_id, &c->id, sizeof(c->id), c, NULL) < 0)
        log_warning("Out of memory indexing client id=%llu", (unsigned long long)c->id);
}

void worker_remove_client(struct worker *w, struct client *c)
{
    hashmap_delete(w->clients_by_id, &c->id, sizeof(c->id), NULL);
}
