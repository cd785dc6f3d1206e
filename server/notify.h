/*
 * notify.h - keyspace notifications (Redis's notify.c): what commands,
 * expiry and eviction do to keys, published as pub/sub messages on
 * __keyspace@<db>__:<key> (payload: the event) and __keyevent@<db>__:<event>
 * (payload: the key) for the classes notify-keyspace-events enables.
 *
 * Glossary
 *   class    one letter of notify-keyspace-events: K (keyspace channel),
 *            E (keyevent channel), g (generic), $ (string), l (list),
 *            s (set), h (hash), z (zset), x (expired), e (evicted),
 *            t (stream), m (key miss), d (module), n (new key); A stands
 *            for g$lshzxetd. An event is published when its class is on,
 *            on each channel kind (K, E) that is on.
 *   event    the name Redis gives what happened ("set", "lpush", "del",
 *            "expired"...), emitted where Redis's commands emit it.
 *
 * Design: an event is published synchronously where it happens, as in
 * Redis, with the shard locks of the write still held, through
 * pubsub_publish_here, which keeps each receiver's messages in publishing
 * order: so for the writes of one key (serialised by its shard lock) every
 * subscriber sees the events in write order, whichever loops wrote, and
 * before any message the writer publishes afterwards.
 * Lock order: script lock, shard locks, the pub/sub registry, worker
 * queues; pub/sub never takes a shard lock.
 *
 * Cost while off: notify_wanted is one relaxed atomic load and a branch;
 * nothing else runs (the keyspace's own events are masked in core/).
 */
#ifndef GROVE_NOTIFY_H
#define GROVE_NOTIFY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "keyspace.h"

/* Redis's NOTIFY_* values. */
enum notify_class {
    NOTIFY_KEYSPACE = 1 << 0, /* K */
    NOTIFY_KEYEVENT = 1 << 1, /* E */
    NOTIFY_GENERIC = 1 << 2,  /* g */
    NOTIFY_STRING = 1 << 3,   /* $ */
    NOTIFY_LIST = 1 << 4,     /* l */
    NOTIFY_SET = 1 << 5,      /* s */
    NOTIFY_HASH = 1 << 6,     /* h */
    NOTIFY_ZSET = 1 << 7,     /* z */
    NOTIFY_EXPIRED = 1 << 8,  /* x */
    NOTIFY_EVICTED = 1 << 9,  /* e */
    NOTIFY_STREAM = 1 << 10,  /* t */
    NOTIFY_KEY_MISS = 1 << 11, /* m */
    NOTIFY_MODULE = 1 << 13,  /* d */
    NOTIFY_NEW = 1 << 14,     /* n */
};
/* 'A': everything but key misses and new keys. */
#define NOTIFY_ALL                                                                         \
    (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET | \
     NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

/* The enabled classes (notify_set_classes writes them). */
extern atomic_uint notify__classes;

/* Is the class enabled (with K or E: both are needed to publish)? */
static inline bool notify_wanted(unsigned cls)
{
    return (atomic_load_explicit(&notify__classes, memory_order_relaxed) & cls) != 0;
}

/* notify-keyspace-events: parse a class string (Redis's
 * keyspaceEventsStringToFlags); -EINVAL on a character that is no class. */
int notify_parse_classes(const char *s, unsigned *out);
/* Write the classes as CONFIG GET shows them (Redis's canonical order:
 * "A" or the class letters, then K, E, m), NUL-terminated. */
void notify_format_classes(unsigned classes, char *buf, size_t cap);
/* Enable these classes (config.c, on every change of the option). */
void notify_set_classes(unsigned classes);
/* The keyspace whose expired, evicted and new-key events are published
 * (start-up, before any thread uses it; NULL at shutdown). Its config's
 * event_cb must be notify_keyspace_cb. */
void notify_attach(struct keyspace *ks);
/* The keyspace events wanted changed for another reason than the classes
 * (the AOF, which records expired and evicted keys, went on or off). */
void notify_refresh_events(void);
void notify_keyspace_cb(struct keyspace_shard *sh, enum keyspace_event ev, const char *key,
                        size_t len, void *ud);

/* Publish an event of class cls on key in database db, if wanted. */
void notify__event(unsigned cls, const char *event, const char *key, size_t len, unsigned db);
static inline void notify_event(unsigned cls, const char *event, const char *key, size_t len,
                                unsigned db)
{
    if (__builtin_expect(notify_wanted(cls), 0))
        notify__event(cls, event, key, len, db);
}

#endif
