/*
 * notify.c - keyspace notifications; see notify.h.
 *
 * The channel names are built in a stack buffer when they fit (a key of up
 * to a few hundred bytes), in a heap one otherwise; out of memory drops
 * the event with a warning, as no command can fail for it.
 */
#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyspace.h"
#include "loading.h"
#include "log.h"
#include "propagate.h"
#include "pubsub.h"
#include "repl_replica.h"
#include "replica_expire.h"
#include "server.h"

atomic_uint notify__classes;
static struct keyspace *attached;

/* The letters in the order Redis prints them (A first when all are on). */
static const struct {
    char letter;
    unsigned cls;
} letters[] = {
    {'g', NOTIFY_GENERIC}, {'$', NOTIFY_STRING}, {'l', NOTIFY_LIST},   {'s', NOTIFY_SET},
    {'h', NOTIFY_HASH},    {'z', NOTIFY_ZSET},   {'x', NOTIFY_EXPIRED}, {'e', NOTIFY_EVICTED},
    {'t', NOTIFY_STREAM},  {'d', NOTIFY_MODULE}, {'n', NOTIFY_NEW},    {'K', NOTIFY_KEYSPACE},
    {'E', NOTIFY_KEYEVENT}, {'m', NOTIFY_KEY_MISS},
};
#define LETTERS (sizeof(letters) / sizeof(letters[0]))
#define FIRST_ALWAYS_SHOWN 11 /* K, E and m are printed even after 'A' */

int notify_parse_classes(const char *s, unsigned *out)
{
    unsigned classes = 0;
    for (; *s != '\0'; s++) {
        size_t i = 0;
        if (*s == 'A') {
            classes |= NOTIFY_ALL;
            continue;
        }
        while (i < LETTERS && letters[i].letter != *s)
            i++;
        if (i == LETTERS)
            return -EINVAL;
        classes |= letters[i].cls;
    }
    *out = classes;
    return 0;
}

void notify_format_classes(unsigned classes, char *buf, size_t cap)
{
    size_t n = 0, i = 0;
    if ((classes & NOTIFY_ALL) == NOTIFY_ALL) {
        buf[n++] = 'A';
        i = FIRST_ALWAYS_SHOWN; /* 'A' hides n, as in Redis */
    }
    for (; i < LETTERS && n + 1 < cap; i++)
        if (classes & letters[i].cls)
            buf[n++] = letters[i].letter;
    buf[n] = '\0';
}

/* What the keyspace's own events mean to notify-keyspace-events. */
static unsigned keyspace_mask(unsigned classes)
{
    /* The AOF records expired and evicted keys as DEL (propagate.h). */
    unsigned mask = propagate_on() ? KEYSPACE_EVENT_EXPIRED | KEYSPACE_EVENT_EVICTED : 0;
    if (repl_replica_on()) /* a writable replica expires its clients' keys */
        mask |= KEYSPACE_EVENT_TTL;
    if (!(classes & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT)))
        return mask;
    if (classes & NOTIFY_NEW)
        mask |= KEYSPACE_EVENT_NEW;
    if (classes & NOTIFY_EXPIRED)
        mask |= KEYSPACE_EVENT_EXPIRED;
    if (classes & NOTIFY_EVICTED)
        mask |= KEYSPACE_EVENT_EVICTED;
    return mask;
}

void notify_set_classes(unsigned classes)
{
    atomic_store_explicit(&notify__classes, classes, memory_order_relaxed);
    if (attached != NULL)
        keyspace_set_events(attached, keyspace_mask(classes));
}

void notify_keyspace_cb(struct keyspace_shard *sh, enum keyspace_event ev, const char *key,
                        size_t len, void *ud)
{
    unsigned db = keyspace_shard_id(sh) / keyspace_shards_per_db(attached);
    (void)ud;
    if (loading_in_progress())
        return; /* keys a load creates are not news, as in Redis (dbAddRDBLoad) */
    switch (ev) {
    case KEYSPACE_EVENT_NEW:
        notify_event(NOTIFY_NEW, "new", key, len, db);
        break;
    case KEYSPACE_EVENT_EXPIRED:
        notify_event(NOTIFY_EXPIRED, "expired", key, len, db);
        propagate_key_deleted(sh, key, len);
        break;
    case KEYSPACE_EVENT_EVICTED:
        notify_event(NOTIFY_EVICTED, "evicted", key, len, db);
        propagate_key_deleted(sh, key, len);
        break;
    case KEYSPACE_EVENT_TTL:
        if (atomic_load(&server.cfg.replica_read_only) == 0)
            replica_expire_note(db, key, len);
        break;
    }
}

void notify_refresh_events(void)
{
    notify_set_classes(atomic_load(&notify__classes));
}

void notify_attach(struct keyspace *ks)
{
    attached = ks;
    if (ks != NULL)
        notify_set_classes(atomic_load(&notify__classes));
}

/* "__<kind>@<db>__:<suffix>" into buf (cap bytes) or a heap copy when it
 * does not fit; NULL when out of memory. */
static char *channel_name(char *buf, size_t cap, const char *kind, unsigned db,
                          const char *suffix, size_t slen, size_t *len)
{
    char head[48];
    int hlen = snprintf(head, sizeof(head), "__%s@%u__:", kind, db);
    char *name = (size_t)hlen + slen <= cap ? buf : malloc((size_t)hlen + slen);
    if (name == NULL)
        return NULL;
    memcpy(name, head, (size_t)hlen);
    memcpy(name + hlen, suffix, slen);
    *len = (size_t)hlen + slen;
    return name;
}

static void publish(const char *kind, unsigned db, const char *suffix, size_t slen,
                    const char *msg, size_t msglen)
{
    char buf[256];
    size_t len;
    char *name = channel_name(buf, sizeof(buf), kind, db, suffix, slen, &len);
    if (name == NULL) {
        log_warning("keyspace notification dropped: out of memory");
        return;
    }
    pubsub_publish_here(name, len, msg, msglen);
    if (name != buf)
        free(name);
}

void notify__event(unsigned cls, const char *event, const char *key, size_t len, unsigned db)
{
    unsigned classes = atomic_load_explicit(&notify__classes, memory_order_relaxed);
    if (!(classes & cls))
        return;
    if (classes & NOTIFY_KEYSPACE)
        publish("keyspace", db, key, len, event, strlen(event));
    if (classes & NOTIFY_KEYEVENT)
        publish("keyevent", db, event, strlen(event), key, len);
}
