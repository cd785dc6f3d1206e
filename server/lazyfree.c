/*
 * lazyfree.c - a queue of flushed databases and big values, freed by the
 * main loop when its wake-up fires; see lazyfree.h.
 */
#include "lazyfree.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <uv.h>

#include "hash.h"
#include "list.h"
#include "object.h"
#include "server.h"
#include "set.h"
#include "stream.h"
#include "zset.h"

/* One submission: flushed contents or a value. */
struct lazyfree_item {
    struct keyspace_trash *trash;
    struct object_boxed *value;
    size_t objects; /* what it adds to lazyfree_pending_objects */
    struct lazyfree_item *next;
};

static pthread_mutex_t lazyfree_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lazyfree_item *queue;
static uv_async_t wakeup;
static bool running; /* under lazyfree_lock: wakeup is open */
static atomic_size_t pending;
static atomic_size_t freed;

static void free_item_contents(struct lazyfree_item *item)
{
    keyspace_trash_free(item->trash);
    if (item->value != NULL)
        item->value->ops->free_cb(item->value);
}

static void drain(void)
{
    pthread_mutex_lock(&lazyfree_lock);
    struct lazyfree_item *item = queue;
    queue = NULL;
    pthread_mutex_unlock(&lazyfree_lock);
    while (item != NULL) {
        struct lazyfree_item *next = item->next;
        free_item_contents(item);
        atomic_fetch_add(&freed, item->objects); /* first: not pending means counted */
        atomic_fetch_sub(&pending, item->objects);
        free(item);
        item = next;
    }
}

static void wakeup_cb(uv_async_t *handle)
{
    (void)handle;
    drain();
}

/* Queue what `proto` holds, or free it now when it cannot be queued. */
static void submit(struct lazyfree_item proto)
{
    struct lazyfree_item *item = malloc(sizeof(*item));
    if (item == NULL) {
        free_item_contents(&proto); /* no memory to defer it */
        return;
    }
    *item = proto;
    pthread_mutex_lock(&lazyfree_lock);
    bool queued = running;
    if (queued) {
        atomic_fetch_add(&pending, item->objects);
        item->next = queue;
        queue = item;
        uv_async_send(&wakeup); /* under the lock: stop cannot close it meanwhile */
    }
    pthread_mutex_unlock(&lazyfree_lock);
    if (!queued) {
        free_item_contents(item);
        free(item);
    }
}

void lazyfree_submit(struct keyspace_trash *trash)
{
    if (trash != NULL)
        submit((struct lazyfree_item){.trash = trash, .objects = keyspace_trash_keys(trash)});
}

static size_t stream_effort(const struct stream *s)
{
    size_t effort = stream_rax_nodes(s);
    const struct stream_group *first = stream_group_first(s);
    if (first != NULL) /* the first group's PEL stands for every group's */
        effort += stream_group_count(s) * (1 + stream_pel_count(first));
    return effort;
}

size_t lazyfree_effort(const struct object_value *v)
{
    switch ((enum object_type)v->type) {
    case OBJECT_STRING:
        return 1;
    case OBJECT_LIST:
        return list_node_count(list_from_boxed(v->u.boxed));
    case OBJECT_HASH: {
        const struct hash *h = hash_from_boxed(v->u.boxed);
        return hash_encoding(h) == OBJECT_ENC_HASHTABLE ? hash_len(h) : 1;
    }
    case OBJECT_SET: {
        const struct set *s = set_from_boxed(v->u.boxed);
        return set_encoding(s) == OBJECT_ENC_HASHTABLE ? set_len(s) : 1;
    }
    case OBJECT_ZSET: {
        const struct zset *z = zset_from_boxed(v->u.boxed);
        return zset_encoding(z) == OBJECT_ENC_SKIPLIST ? zset_len(z) : 1;
    }
    case OBJECT_STREAM:
        return stream_effort(stream_from_boxed(v->u.boxed));
    }
    return 1;
}

/* Whether the knob for `why` asks for values to be freed elsewhere. */
static bool lazy_for(enum keyspace_free_reason why)
{
    switch (why) {
    case KEYSPACE_FREE_UNLINK:
        return true;
    case KEYSPACE_FREE_DEL:
        return atomic_load(&server.cfg.lazyfree_lazy_user_del);
    case KEYSPACE_FREE_SERVER_DEL:
        return atomic_load(&server.cfg.lazyfree_lazy_server_del);
    case KEYSPACE_FREE_EXPIRED:
        return atomic_load(&server.cfg.lazyfree_lazy_expire);
    case KEYSPACE_FREE_EVICTED:
        return atomic_load(&server.cfg.lazyfree_lazy_eviction);
    }
    return false;
}

bool lazyfree_offer_cb(const struct object_value *v, enum keyspace_free_reason why, void *ud)
{
    (void)ud;
    if (!lazy_for(why) || lazyfree_effort(v) <= LAZYFREE_THRESHOLD)
        return false;
    submit((struct lazyfree_item){.value = v->u.boxed, .objects = 1});
    return true;
}

size_t lazyfree_pending_objects(void)
{
    return atomic_load(&pending);
}

size_t lazyfreed_objects(void)
{
    return atomic_load(&freed);
}

void lazyfree_reset_stats(void)
{
    atomic_store(&freed, 0);
}

int lazyfree_start(struct uv_loop_s *loop)
{
    int rc = uv_async_init(loop, &wakeup, wakeup_cb);
    if (rc == 0) {
        pthread_mutex_lock(&lazyfree_lock);
        running = true;
        pthread_mutex_unlock(&lazyfree_lock);
    }
    return rc;
}

void lazyfree_stop(void)
{
    pthread_mutex_lock(&lazyfree_lock);
    bool was_running = running;
    running = false;
    pthread_mutex_unlock(&lazyfree_lock);
    if (was_running)
        uv_close((uv_handle_t *)&wakeup, NULL);
    drain();
}
