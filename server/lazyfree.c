/*
 * lazyfree.c - a queue of flushed databases, freed by the main loop when
 * its wake-up fires; see lazyfree.h.
 */
#include "lazyfree.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <uv.h>

#include "keyspace.h"

struct lazyfree_item {
    struct keyspace_trash *trash;
    struct lazyfree_item *next;
};

static pthread_mutex_t lazyfree_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lazyfree_item *queue;
static uv_async_t wakeup;
static bool running; /* under lazyfree_lock: wakeup is open */

static void drain(void)
{
    pthread_mutex_lock(&lazyfree_lock);
    struct lazyfree_item *item = queue;
    queue = NULL;
    pthread_mutex_unlock(&lazyfree_lock);
    while (item != NULL) {
        struct lazyfree_item *next = item->next;
        keyspace_trash_free(item->trash);
        free(item);
        item = next;
    }
}

static void wakeup_cb(uv_async_t *handle)
{
    (void)handle;
    drain();
}

void lazyfree_submit(struct keyspace_trash *trash)
{
    struct lazyfree_item *item = trash ? malloc(sizeof(*item)) : NULL;
    if (item == NULL) {
        keyspace_trash_free(trash); /* nothing to free, or no memory to defer it */
        return;
    }
    item->trash = trash;
    pthread_mutex_lock(&lazyfree_lock);
    bool queued = running;
    if (queued) {
        item->next = queue;
        queue = item;
        uv_async_send(&wakeup); /* under the lock: stop cannot close it meanwhile */
    }
    pthread_mutex_unlock(&lazyfree_lock);
    if (!queued) {
        keyspace_trash_free(trash);
        free(item);
    }
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
