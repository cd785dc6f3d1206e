/*
 * pubsub.c - the publish/subscribe registry and delivery; see pubsub.h.
 *
 * Design
 *
 *   registry (one mutex)                      client (its own thread)
 *   channels[CHANNEL]: hashmap name -> subs    pubsub->sets[kind]: hashmap
 *   channels[SHARD]:   hashmap name -> subs      name -> 1, one per kind
 *   patterns: array of {pattern, subs}
 *
 * A `struct subs` is the list of clients on one channel or pattern, in
 * subscription order. The registry holds plain client pointers: a client
 * leaves every list (under the mutex) before it is freed, so a pointer
 * found under the mutex is alive while the mutex is held. Only the
 * immutable `id` and `worker` of a foreign client are read there.
 *
 * PUBLISH takes the mutex once: it gathers the receivers, appends the
 * message straight to those on its own loop, and builds one batch per
 * other worker holding the channel, the payload and each receiver's id
 * and pattern (copied, since a pattern may be freed once the mutex is
 * released). After unlocking it posts the batches. The receiving worker
 * encodes for each client (RESP2 array or RESP3 push) and looks it up by
 * id: a client that disconnected meanwhile is simply not found.
 *
 * Ordering: messages from one publisher reach each subscriber in publish
 * order (the worker queue is FIFO). A message published while a client on
 * another loop was subscribed may arrive just after it unsubscribed; Redis,
 * being single-threaded, has no such window.
 *
 * Costs: PUBLISH is O(subscribers of the channel + patterns), one
 * allocation per destination worker. Unsubscribing is O(subscribers of
 * that channel) (the list is searched), as in Redis 7.0.
 */
#include "pubsub.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "glob.h"
#include "hashmap.h"
#include "resp.h"
#include "server.h"
#include "worker.h"

/* ---- the registry ------------------------------------------------------- */

struct subs {
    size_t n, cap;
    struct client **clients;
};

struct pattern_entry {
    char *pat;
    size_t len;
    struct subs subs;
};

struct pubsub_client {
    struct hashmap *sets[PUBSUB_KINDS]; /* name -> (void *)1, NULL until used */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
/* [PUBSUB_CHANNEL] and [PUBSUB_SHARD]; NULL while empty */
static struct hashmap *channels[PUBSUB_KINDS];
static struct pattern_entry *patterns;
static size_t npatterns, patterns_cap;

static struct hashmap *new_map(void)
{
    struct hashmap_hasher hasher = {hashmap_siphash, &server.seed};
    return hashmap_create(&hasher);
}

static int subs_add(struct subs *s, struct client *c)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        struct client **p = realloc(s->clients, cap * sizeof(*p));
        if (p == NULL)
            return -ENOMEM;
        s->clients = p;
        s->cap = cap;
    }
    s->clients[s->n++] = c;
    return 0;
}

static void subs_remove(struct subs *s, const struct client *c)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->clients[i] == c) {
            memmove(&s->clients[i], &s->clients[i + 1], (s->n - i - 1) * sizeof(*s->clients));
            s->n--;
            return;
        }
    }
}

static struct pattern_entry *find_pattern(const char *pat, size_t len)
{
    for (size_t i = 0; i < npatterns; i++)
        if (patterns[i].len == len && memcmp(patterns[i].pat, pat, len) == 0)
            return &patterns[i];
    return NULL;
}

static struct subs *registry_channel_get_or_add(enum pubsub_kind kind, const char *name,
                                               size_t len)
{
    struct hashmap **map = &channels[kind];
    if (*map == NULL && (*map = new_map()) == NULL)
        return NULL;
    struct subs *s = hashmap_get(*map, name, len);
    if (s != NULL)
        return s;
    s = calloc(1, sizeof(*s));
    if (s == NULL || hashmap_put(*map, name, len, s, NULL) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

static struct subs *registry_pattern_get_or_add(const char *pat, size_t len)
{
    struct pattern_entry *e = find_pattern(pat, len);
    if (e != NULL)
        return &e->subs;
    if (npatterns == patterns_cap) {
        size_t cap = patterns_cap ? patterns_cap * 2 : 8;
        struct pattern_entry *p = realloc(patterns, cap * sizeof(*p));
        if (p == NULL)
            return NULL;
        patterns = p;
        patterns_cap = cap;
    }
    e = &patterns[npatterns];
    memset(e, 0, sizeof(*e));
    e->pat = malloc(len ? len : 1);
    if (e->pat == NULL)
        return NULL;
    memcpy(e->pat, pat, len);
    e->len = len;
    npatterns++;
    return &e->subs;
}

/* Drop the registry's storage once nothing is left in it. */
static void registry_maybe_free(void)
{
    for (int k = 0; k < PUBSUB_KINDS; k++) {
        if (channels[k] != NULL && hashmap_size(channels[k]) == 0) {
            hashmap_destroy(channels[k]);
            channels[k] = NULL;
        }
    }
    if (npatterns == 0) {
        free(patterns);
        patterns = NULL;
        patterns_cap = 0;
    }
}

static void registry_remove(struct client *c, enum pubsub_kind kind, const char *name,
                            size_t len)
{
    if (kind == PUBSUB_PATTERN) {
        struct pattern_entry *e = find_pattern(name, len);
        if (e == NULL)
            return;
        subs_remove(&e->subs, c);
        if (e->subs.n == 0) {
            free(e->subs.clients);
            free(e->pat);
            size_t i = (size_t)(e - patterns);
            memmove(e, e + 1, (npatterns - i - 1) * sizeof(*e));
            npatterns--;
        }
    } else if (channels[kind] != NULL) {
        struct subs *s = hashmap_get(channels[kind], name, len);
        if (s == NULL)
            return;
        subs_remove(s, c);
        if (s->n == 0) {
            hashmap_delete(channels[kind], name, len, NULL);
            free(s->clients);
            free(s);
        }
    }
    registry_maybe_free();
}

/* ---- a client's subscriptions ------------------------------------------- */

static atomic_uint *kind_counter(struct client *c, enum pubsub_kind kind)
{
    return kind == PUBSUB_PATTERN ? &c->npsub : kind == PUBSUB_SHARD ? &c->nssub : &c->nsub;
}

static void count_add(struct client *c, enum pubsub_kind kind, int delta)
{
    atomic_uint *n = kind_counter(c, kind);
    atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) + (unsigned)delta,
                          memory_order_relaxed);
}

int pubsub_subscribe(struct client *c, enum pubsub_kind kind, const char *name, size_t len)
{
    if (c->pubsub == NULL && (c->pubsub = calloc(1, sizeof(*c->pubsub))) == NULL)
        return -ENOMEM;
    struct hashmap **set = &c->pubsub->sets[kind];
    if (*set == NULL && (*set = new_map()) == NULL)
        return -ENOMEM;
    if (hashmap_get(*set, name, len) != NULL)
        return 0;
    if (hashmap_put(*set, name, len, (void *)1, NULL) < 0)
        return -ENOMEM;
    pthread_mutex_lock(&registry_lock);
    struct subs *s = kind == PUBSUB_PATTERN ? registry_pattern_get_or_add(name, len)
                                            : registry_channel_get_or_add(kind, name, len);
    int rc = s == NULL ? -ENOMEM : subs_add(s, c);
    if (rc < 0)
        registry_remove(c, kind, name, len); /* drops an entry made empty */
    pthread_mutex_unlock(&registry_lock);
    if (rc < 0) {
        hashmap_delete(*set, name, len, NULL);
        return rc;
    }
    count_add(c, kind, 1);
    return 0;
}

bool pubsub_unsubscribe(struct client *c, enum pubsub_kind kind, const char *name, size_t len)
{
    struct hashmap *set = c->pubsub ? c->pubsub->sets[kind] : NULL;
    if (set == NULL || !hashmap_delete(set, name, len, NULL))
        return false;
    pthread_mutex_lock(&registry_lock);
    registry_remove(c, kind, name, len);
    pthread_mutex_unlock(&registry_lock);
    count_add(c, kind, -1);
    return true;
}

size_t pubsub_unsubscribe_all(struct client *c, enum pubsub_kind kind,
                              void (*fn)(struct client *c, const char *name, size_t len,
                                         void *ud),
                              void *ud)
{
    struct hashmap *set = c->pubsub ? c->pubsub->sets[kind] : NULL;
    if (set == NULL)
        return 0;
    struct hashmap_iter it;
    struct hashmap_entry *e;
    size_t n = 0;
    hashmap_iter_init(&it, set);
    while ((e = hashmap_iter_next(&it)) != NULL) {
        const char *name = hashmap_entry_key(e);
        size_t len = hashmap_entry_keylen(e);
        pthread_mutex_lock(&registry_lock);
        registry_remove(c, kind, name, len);
        pthread_mutex_unlock(&registry_lock);
        count_add(c, kind, -1);
        if (fn != NULL)
            fn(c, name, len, ud);
        hashmap_remove(set, e);
        n++;
    }
    hashmap_iter_deinit(&it);
    return n;
}

void pubsub_client_deinit(struct client *c)
{
    if (c->pubsub == NULL)
        return;
    for (int k = 0; k < PUBSUB_KINDS; k++) {
        pubsub_unsubscribe_all(c, (enum pubsub_kind)k, NULL, NULL);
        hashmap_destroy(c->pubsub->sets[k]);
    }
    free(c->pubsub);
    c->pubsub = NULL;
}

size_t pubsub_client_kind_count(const struct client *c, enum pubsub_kind kind)
{
    return atomic_load_explicit(kind_counter((struct client *)c, kind), memory_order_relaxed);
}

size_t pubsub_client_count(const struct client *c)
{
    return pubsub_client_kind_count(c, PUBSUB_CHANNEL) +
           pubsub_client_kind_count(c, PUBSUB_PATTERN);
}

bool pubsub_client_subscribed(const struct client *c)
{
    return pubsub_client_count(c) + pubsub_client_kind_count(c, PUBSUB_SHARD) > 0;
}

/* ---- delivery ------------------------------------------------------------- */

/* ["message", channel, payload], ["smessage", channel, payload] or
 * ["pmessage", pattern, channel, payload] in the client's protocol. */
static void push_message(struct client *c, bool shard, const char *pat, size_t plen,
                         const char *ch, size_t chlen, const char *msg, size_t msglen)
{
    if (!client_can_push(c))
        return;
    if (pat != NULL) {
        resp_add_push_len(&c->out, 4);
        resp_add_bulk(&c->out, "pmessage", 8);
        resp_add_bulk(&c->out, pat, plen);
    } else {
        resp_add_push_len(&c->out, 3);
        resp_add_bulk_cstr(&c->out, shard ? "smessage" : "message");
    }
    resp_add_bulk(&c->out, ch, chlen);
    resp_add_bulk(&c->out, msg, msglen);
    client_wake(c);
}

struct receiver {
    struct client *c;
    const struct pattern_entry *p; /* NULL for a channel subscription */
};

struct pubsub_target {
    uint64_t client_id;
    const char *pat; /* inside the batch, NULL for "message" */
    size_t plen;
};

/* A message to one worker: a single allocation, freed by the worker. */
struct pubsub_batch {
    struct worker_msg msg; /* first, so freeing the message frees the batch */
    bool shard;            /* smessage rather than message */
    const char *channel, *payload;
    size_t chlen, msglen;
    size_t n, cap;
    char *strings;          /* where the next pattern copy goes */
    struct pubsub_target targets[];
};

struct tally {
    size_t n, bytes;
    struct pubsub_batch *batch;
};

struct gather {
    struct receiver *r;
    size_t n, cap;
    struct receiver stack[32];
};

static int gather_add(struct gather *g, struct client *c, const struct pattern_entry *p)
{
    if (g->n == g->cap) {
        size_t cap = g->cap * 2;
        struct receiver *r = g->r == g->stack ? malloc(cap * sizeof(*r))
                                              : realloc(g->r, cap * sizeof(*r));
        if (r == NULL)
            return -ENOMEM;
        if (g->r == g->stack)
            memcpy(r, g->stack, sizeof(g->stack));
        g->r = r;
        g->cap = cap;
    }
    g->r[g->n++] = (struct receiver){c, p};
    return 0;
}

/* Every receiver of a message on `channel`, channel subscribers first,
 * then pattern matches in pattern order, as Redis delivers them (shard
 * channels have no patterns). */
static void gather_receivers(struct gather *g, enum pubsub_kind kind, const char *channel,
                             size_t chlen)
{
    struct subs *s = channels[kind] ? hashmap_get(channels[kind], channel, chlen) : NULL;
    for (size_t i = 0; s != NULL && i < s->n; i++)
        if (gather_add(g, s->clients[i], NULL) < 0)
            return;
    for (size_t j = 0; kind == PUBSUB_CHANNEL && j < npatterns; j++) {
        const struct pattern_entry *p = &patterns[j];
        if (!glob_match(p->pat, p->len, channel, chlen, false))
            continue;
        for (size_t i = 0; i < p->subs.n; i++)
            if (gather_add(g, p->subs.clients[i], p) < 0)
                return;
    }
}

static void batch_deliver_cb(struct worker *w, struct worker_msg *m);

static struct pubsub_batch *batch_create(const struct tally *t, bool shard, const char *channel,
                                         size_t chlen, const char *msg, size_t msglen)
{
    size_t size = sizeof(struct pubsub_batch) + t->n * sizeof(struct pubsub_target) + chlen +
                  msglen + t->bytes;
    struct pubsub_batch *b = malloc(size);
    if (b == NULL)
        return NULL;
    memset(&b->msg, 0, sizeof(b->msg));
    b->msg.deliver_cb = batch_deliver_cb;
    b->shard = shard;
    b->n = 0;
    b->cap = t->n;
    char *p = (char *)&b->targets[t->n];
    memcpy(p, channel, chlen);
    b->channel = p;
    b->chlen = chlen;
    p += chlen;
    memcpy(p, msg, msglen);
    b->payload = p;
    b->msglen = msglen;
    b->strings = p + msglen;
    return b;
}

static void batch_add(struct pubsub_batch *b, const struct receiver *r)
{
    struct pubsub_target *t = &b->targets[b->n++];
    t->client_id = r->c->id;
    t->pat = NULL;
    t->plen = 0;
    if (r->p != NULL) {
        memcpy(b->strings, r->p->pat, r->p->len);
        t->pat = b->strings;
        t->plen = r->p->len;
        b->strings += r->p->len;
    }
}

/* Under the registry lock: write to the receivers on `home`, batch the
 * others by worker (tallies[i] gets worker i's batch). */
static void dispatch(const struct gather *g, struct worker *home, struct tally *tallies,
                     bool shard, const char *channel, size_t chlen, const char *msg,
                     size_t msglen)
{
    for (size_t i = 0; i < g->n; i++) {
        const struct receiver *r = &g->r[i];
        if (r->c->worker == home) {
            push_message(r->c, shard, r->p ? r->p->pat : NULL, r->p ? r->p->len : 0, channel,
                         chlen, msg, msglen);
        } else if (tallies != NULL) {
            struct tally *t = &tallies[r->c->worker->id];
            t->n++;
            t->bytes += r->p ? r->p->len : 0;
        }
    }
    if (tallies == NULL)
        return;
    for (unsigned w = 0; w < worker_count(); w++)
        if (tallies[w].n > 0)
            tallies[w].batch = batch_create(&tallies[w], shard, channel, chlen, msg,
                                            msglen);
    for (size_t i = 0; i < g->n; i++) {
        const struct receiver *r = &g->r[i];
        struct tally *t = &tallies[r->c->worker->id];
        if (r->c->worker != home && t->batch != NULL)
            batch_add(t->batch, r);
    }
}

/* Deliver to the receivers on `home` (the calling thread's worker) at
 * once and to the others through their workers' queues; with home NULL
 * (a thread without a loop), or while messages posted to home wait to be
 * run, to every one through the queues, so that each receiver gets
 * messages in the order they were published. */
static long long publish(struct worker *home, enum pubsub_kind kind, const char *channel,
                         size_t chlen, const char *msg, size_t msglen)
{
    struct gather g = {.r = g.stack, .cap = sizeof(g.stack) / sizeof(g.stack[0])};
    struct tally *tallies = NULL;
    if (home != NULL && !worker_quiet(home))
        home = NULL;
    pthread_mutex_lock(&registry_lock);
    gather_receivers(&g, kind, channel, chlen);
    bool remote = false;
    for (size_t i = 0; i < g.n && !remote; i++)
        remote = g.r[i].c->worker != home;
    if (remote)
        tallies = calloc(worker_count(), sizeof(*tallies));
    dispatch(&g, home, tallies, kind == PUBSUB_SHARD, channel, chlen, msg, msglen);
    pthread_mutex_unlock(&registry_lock);
    for (unsigned w = 0; tallies != NULL && w < worker_count(); w++)
        if (tallies[w].batch != NULL)
            worker_post(worker_at(w), &tallies[w].batch->msg);
    free(tallies);
    if (g.r != g.stack)
        free(g.r);
    return (long long)g.n;
}

long long pubsub_publish(struct client *publisher, enum pubsub_kind kind, const char *channel,
                         size_t chlen, const char *msg, size_t msglen)
{
    return publish(publisher->worker, kind, channel, chlen, msg, msglen);
}

long long pubsub_publish_here(const char *channel, size_t chlen, const char *msg,
                              size_t msglen)
{
    return publish(worker_current(), PUBSUB_CHANNEL, channel, chlen, msg, msglen);
}

/* On the receiving worker's thread: each receiver by id, if still there. */
static void batch_deliver_cb(struct worker *w, struct worker_msg *m)
{
    struct pubsub_batch *b = (struct pubsub_batch *)m;
    for (size_t i = 0; i < b->n; i++) {
        const struct pubsub_target *t = &b->targets[i];
        struct client *c = worker_find_client(w, t->client_id);
        if (c != NULL)
            push_message(c, b->shard, t->pat, t->plen, b->channel, b->chlen, b->payload, b->msglen);
    }
}

/* ---- introspection --------------------------------------------------------- */

void pubsub_reply_channels(struct resp_out *out, enum pubsub_kind kind, const char *pat,
                           size_t patlen)
{
    size_t handle = resp_add_deferred_len(out);
    size_t n = 0;
    pthread_mutex_lock(&registry_lock);
    if (channels[kind] != NULL) {
        struct hashmap_iter it;
        struct hashmap_entry *e;
        hashmap_iter_init(&it, channels[kind]);
        while ((e = hashmap_iter_next(&it)) != NULL) {
            const char *name = hashmap_entry_key(e);
            size_t len = hashmap_entry_keylen(e);
            if (pat != NULL && !glob_match(pat, patlen, name, len, false))
                continue;
            resp_add_bulk(out, name, len);
            n++;
        }
        hashmap_iter_deinit(&it);
    }
    pthread_mutex_unlock(&registry_lock);
    resp_set_deferred_array_len(out, handle, n);
}

size_t pubsub_numsub(enum pubsub_kind kind, const char *channel, size_t len)
{
    pthread_mutex_lock(&registry_lock);
    struct subs *s = channels[kind] ? hashmap_get(channels[kind], channel, len) : NULL;
    size_t n = s ? s->n : 0;
    pthread_mutex_unlock(&registry_lock);
    return n;
}

size_t pubsub_num(enum pubsub_kind kind)
{
    pthread_mutex_lock(&registry_lock);
    size_t n = kind == PUBSUB_PATTERN ? npatterns
               : channels[kind] != NULL ? hashmap_size(channels[kind])
                                        : 0;
    pthread_mutex_unlock(&registry_lock);
    return n;
}

/* ---- ACL: subscribers a rule change leaves without permission ---------------- */

struct id_list {
    uint64_t *ids;
    size_t n, cap;
};

static int ids_add_subs(struct id_list *l, const struct subs *s)
{
    if (l->n + s->n > l->cap) {
        size_t cap = l->cap ? l->cap : 8;
        while (cap < l->n + s->n)
            cap *= 2;
        uint64_t *grown = realloc(l->ids, cap * sizeof(*grown));
        if (grown == NULL)
            return -ENOMEM;
        l->ids = grown;
        l->cap = cap;
    }
    for (size_t i = 0; i < s->n; i++)
        l->ids[l->n++] = s->clients[i]->id;
    return 0;
}

static int denied_channels(struct id_list *l, enum pubsub_kind kind,
                           bool (*allowed)(const char *, size_t, bool, void *), void *ud)
{
    struct hashmap_iter it;
    struct hashmap_entry *e;
    int rc = 0;
    if (channels[kind] == NULL)
        return 0;
    hashmap_iter_init(&it, channels[kind]);
    while (rc == 0 && (e = hashmap_iter_next(&it)) != NULL)
        if (!allowed(hashmap_entry_key(e), hashmap_entry_keylen(e), false, ud))
            rc = ids_add_subs(l, hashmap_entry_value(e));
    hashmap_iter_deinit(&it);
    return rc;
}

long pubsub_denied_subscribers(bool (*allowed)(const char *name, size_t len, bool pattern,
                                               void *ud),
                               void *ud, uint64_t **ids)
{
    struct id_list l = {0};
    pthread_mutex_lock(&registry_lock);
    int rc = denied_channels(&l, PUBSUB_CHANNEL, allowed, ud);
    if (rc == 0)
        rc = denied_channels(&l, PUBSUB_SHARD, allowed, ud);
    for (size_t i = 0; rc == 0 && i < npatterns; i++)
        if (!allowed(patterns[i].pat, patterns[i].len, true, ud))
            rc = ids_add_subs(&l, &patterns[i].subs);
    pthread_mutex_unlock(&registry_lock);
    if (rc < 0) {
        free(l.ids);
        *ids = NULL;
        return rc;
    }
    *ids = l.ids;
    return (long)l.n;
}
