/*
 * tracking.c - client-side caching: records of who caches what, and the
 * invalidations; see tracking.h.
 *
 * Design
 *
 *   shard (core/keyspace, under its lock)    worker of each client
 *   tracked: key -> struct readers           clients_by_id, message queue
 *                {(client id, worker)...}
 *
 *   registry (trackers_lock)                 broadcast (bcast_lock)
 *   trackers: id -> worker, every tracking   prefixes, sorted: each with its
 *   client (FLUSH tells them all)            subscribers and the keys changed
 *                                            since its last broadcast
 *
 * Standard mode. A read command of a tracking client records the client
 * in each key's record while the dispatcher still holds the key's shard
 * (tracking_remember_keys), and every change to a key hands its record to
 * key_changed_cb under the same lock: a read and the write after it can
 * never miss each other, whatever loops they run on, and no lock is added
 * to either path. The record goes with the change, as Redis drops a key
 * once it has sent its invalidation; the next read records it again.
 *
 * Delivery. The writer's thread turns the record into invalidations: for
 * the current client (the one whose command runs on this thread) they wait
 * until its reply has been written (Redis 7.0 sends them after the reply,
 * a transaction's after EXEC's) unless NOLOOP drops them; for a client on
 * this thread's loop with nothing posted to it waiting, they are written
 * at once; for the others, one message per worker carries the key and the
 * ids of its readers there (worker.h's queue). A client's own thread
 * checks it still tracks in that mode, then writes the push, or passes it
 * to its REDIRECT client: directly when on the same loop, else by another
 * message to that client's worker, which answers "broken" back to the
 * tracking client's worker if the redirect client has gone (Redis's
 * tracking-redir-broken push).
 *
 * BCAST. While any client broadcasts, the keyspace reports every change
 * (keyspace_set_track_all); a changed key is added to each matching
 * prefix's set with the client that changed it (NOLOOP leaves a client's
 * own changes out). The sets go out when the command that made them ends
 * (and from the cron, for expiry): one array per prefix, keys sorted, as
 * Redis sends them before it sleeps.
 *
 * Bounds. Records hold at most tracking-table-max-keys keys: past it,
 * tracking_enforce_limit (before each command and from the cron) evicts
 * records at random, sending their invalidations, with an effort that
 * grows while it stays over, as Redis. A record is a sorted array of
 * readers, so a reader recording a key again finds itself in O(log n).
 *
 * Differences from Redis 7.0. Records are per database (Redis keeps one
 * table for all databases, so a write in one database invalidates a key of
 * the same name read in another); FLUSHDB drops the flushed database's
 * records only (every tracking client still gets the null); SWAPDB
 * invalidates the tracked keys of both databases (Redis sends nothing,
 * leaving caches stale); the null of a FLUSH is written in the protocol of
 * the client that receives it (Redis uses the tracking client's, so a RESP2
 * redirect client could get RESP3's "_").
 *
 * Locks: shard, then bcast_lock or trackers_lock, then a worker's queue.
 * Nothing here takes a shard lock while holding one of its own.
 */
#include "tracking.h"

#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "hashmap.h"
#include "keyspace.h"
#include "pubsub.h"
#include "resp.h"
#include "server.h"
#include "worker.h"

#define LIMIT_EFFORT 100 /* evictions per call, times the calls still over (Redis's) */

atomic_uint tracking__clients;
_Thread_local struct client *tracking__running;
_Thread_local size_t tracking__npending;

static atomic_llong total_keys, total_items;

/* ---- payloads ---------------------------------------------------------------
 * What an invalidation carries after its header: a RESP array of keys, or
 * NULL_PAYLOAD for "everything" (FLUSH), written as the receiver's null.
 * A batch holds several, each as its length (a size_t, unaligned) then
 * its bytes. */

#define NULL_PAYLOAD "_"

static bool is_null(const char *p, size_t len)
{
    return len == 1 && p[0] == NULL_PAYLOAD[0];
}

struct batch {
    char *data;
    size_t len, cap, count;
};

static int batch_reserve(struct batch *b, size_t more)
{
    if (b->cap - b->len >= more)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->len < more)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return -ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

static int batch_add(struct batch *b, const char *payload, size_t len)
{
    if (batch_reserve(b, sizeof(len) + len) < 0)
        return -ENOMEM;
    memcpy(b->data + b->len, &len, sizeof(len));
    memcpy(b->data + b->len + sizeof(len), payload, len);
    b->len += sizeof(len) + len;
    b->count++;
    return 0;
}

/* [key] as a one-element array. */
static int batch_add_key(struct batch *b, const char *key, size_t klen)
{
    char head[48];
    int n = snprintf(head, sizeof(head), "*1\r\n$%zu\r\n", klen);
    size_t len = (size_t)n + klen + 2;
    if (batch_reserve(b, sizeof(len) + len) < 0)
        return -ENOMEM;
    char *p = b->data + b->len;
    memcpy(p, &len, sizeof(len));
    memcpy(p + sizeof(len), head, (size_t)n);
    memcpy(p + sizeof(len) + (size_t)n, key, klen);
    memcpy(p + sizeof(len) + (size_t)n + klen, "\r\n", 2);
    b->len += sizeof(len) + len;
    b->count++;
    return 0;
}

static void batch_free(struct batch *b)
{
    free(b->data);
    *b = (struct batch){0};
}

/* The next payload of data[0..len) from *off; false at the end. */
static bool next_payload(const char *data, size_t len, size_t *off, const char **p, size_t *plen)
{
    if (*off >= len)
        return false;
    memcpy(plen, data + *off, sizeof(*plen));
    *p = data + *off + sizeof(*plen);
    *off += sizeof(*plen) + *plen;
    return true;
}

/* ---- writing to a client (its own thread) -------------------------------------- */

/* Which tracking clients take an invalidation. */
enum accept {
    FOR_READERS, /* standard mode: a key it read changed */
    FOR_BCAST,   /* broadcast mode: keys under its prefixes changed */
    FOR_ALL,     /* FLUSH */
};

/* One invalidation to r, the tracking client itself or its redirect
 * client: a RESP3 push, or a pub/sub message for a subscribed RESP2
 * redirect client, else nothing (RESP2 has no pushes). */
static void write_invalidation(struct client *r, const char *p, size_t len, bool redirected)
{
    if (r->resp == 3) {
        resp_add_push_len(&r->out, 2);
        resp_add_bulk(&r->out, "invalidate", 10);
    } else if (redirected && pubsub_client_subscribed(r)) {
        resp_add_push_len(&r->out, 3);
        resp_add_bulk(&r->out, "message", 7);
        resp_add_bulk(&r->out, TRACKING_CHANNEL, sizeof(TRACKING_CHANNEL) - 1);
    } else {
        return;
    }
    if (is_null(p, len))
        resp_add_null(&r->out);
    else
        resp_add_raw(&r->out, p, len);
}

static void write_batch(struct client *r, const char *data, size_t len, bool redirected)
{
    const char *p;
    size_t plen, off = 0;
    if (!client_can_push(r))
        return;
    while (next_payload(data, len, &off, &p, &plen))
        write_invalidation(r, p, plen, redirected);
    client_wake(r);
}

/* Its redirect client has gone: Redis flags it and, in RESP3, says so
 * once per invalidation it could not pass on. */
static void redirect_broken(struct client *c, size_t times)
{
    c->flags |= CLIENT_TRACKING_BROKEN_REDIR;
    if (c->resp != 3 || !client_can_push(c))
        return;
    for (size_t i = 0; i < times; i++) {
        resp_add_push_len(&c->out, 2);
        resp_add_bulk(&c->out, "tracking-redir-broken", 21);
        resp_add_integer(&c->out, (long long)c->tracking_redir);
    }
    client_wake(c);
}

static void post_forward(struct client *c, const char *data, size_t len, size_t count);

/* Invalidations for tracking client c, on its thread. */
static void deliver(struct client *c, enum accept accept, const char *data, size_t len,
                    size_t count)
{
    if (!(c->flags & CLIENT_TRACKING))
        return;
    bool bcast = (c->flags & CLIENT_TRACKING_BCAST) != 0;
    if ((accept == FOR_READERS && bcast) || (accept == FOR_BCAST && !bcast))
        return;
    if (c->tracking_redir == 0) {
        write_batch(c, data, len, false);
    } else if (c->tracking_redir_worker == c->worker) {
        struct client *r = worker_find_client(c->worker, c->tracking_redir);
        if (r != NULL)
            write_batch(r, data, len, true);
        else
            redirect_broken(c, count);
    } else {
        post_forward(c, data, len, count);
    }
}

/* ---- messages between loops ------------------------------------------------------ */

enum msg_kind {
    MSG_DELIVER, /* to tracking clients on this worker */
    MSG_FORWARD, /* to a redirect client on this worker */
    MSG_BROKEN,  /* back to a tracking client: its redirect client has gone */
};

/* One allocation: the header, the target ids, the batch's bytes. */
struct tracking_msg {
    struct worker_msg msg; /* first: the worker frees the whole block */
    enum msg_kind kind;
    enum accept accept;
    uint64_t origin;       /* FORWARD, BROKEN: the tracking client */
    struct worker *origin_worker;
    uint64_t redirect;     /* FORWARD, BROKEN: the redirect client */
    size_t ntargets, len, count;
    alignas(uint64_t) char storage[];
};

static uint64_t *msg_targets(struct tracking_msg *m)
{
    return (uint64_t *)m->storage;
}

static char *msg_data(struct tracking_msg *m)
{
    return m->storage + m->ntargets * sizeof(uint64_t);
}

static void msg_deliver_cb(struct worker *w, struct worker_msg *wm);

static struct tracking_msg *msg_create(enum msg_kind kind, size_t ntargets, const char *data,
                                       size_t len, size_t count)
{
    struct tracking_msg *m = malloc(sizeof(*m) + ntargets * sizeof(uint64_t) + len);
    if (m == NULL)
        return NULL; /* lost like a slow reader's output in Redis: nothing to undo */
    memset(m, 0, sizeof(*m));
    m->msg.deliver_cb = msg_deliver_cb;
    m->kind = kind;
    m->ntargets = ntargets;
    m->len = len;
    m->count = count;
    if (len > 0) /* BROKEN carries no payload, and data may be NULL */
        memcpy(msg_data(m), data, len);
    return m;
}

static void post_forward(struct client *c, const char *data, size_t len, size_t count)
{
    struct tracking_msg *m = msg_create(MSG_FORWARD, 1, data, len, count);
    if (m == NULL)
        return;
    msg_targets(m)[0] = c->tracking_redir;
    m->origin = c->id;
    m->origin_worker = c->worker;
    m->redirect = c->tracking_redir;
    worker_post(c->tracking_redir_worker, &m->msg);
}

static void post_broken(const struct tracking_msg *f)
{
    struct tracking_msg *m = msg_create(MSG_BROKEN, 0, NULL, 0, f->count);
    if (m == NULL)
        return;
    m->origin = f->origin;
    m->redirect = f->redirect;
    worker_post(f->origin_worker, &m->msg);
}

static void msg_deliver_cb(struct worker *w, struct worker_msg *wm)
{
    struct tracking_msg *m = (struct tracking_msg *)wm;
    if (m->kind == MSG_DELIVER) {
        for (size_t i = 0; i < m->ntargets; i++) {
            struct client *c = worker_find_client(w, msg_targets(m)[i]);
            if (c != NULL)
                deliver(c, m->accept, msg_data(m), m->len, m->count);
        }
    } else if (m->kind == MSG_FORWARD) {
        struct client *r = worker_find_client(w, msg_targets(m)[0]);
        if (r != NULL)
            write_batch(r, msg_data(m), m->len, true);
        else
            post_broken(m);
    } else {
        struct client *c = worker_find_client(w, m->origin);
        if (c != NULL && (c->flags & CLIENT_TRACKING) && c->tracking_redir == m->redirect)
            redirect_broken(c, m->count);
    }
}

/* A tracking client somewhere: a reader in a record, a broadcast
 * subscriber, an entry of the registry. */
struct target {
    uint64_t id;
    unsigned worker;
};

static int by_worker(const void *a, const void *b)
{
    unsigned x = ((const struct target *)a)->worker, y = ((const struct target *)b)->worker;
    return (x > y) - (x < y);
}

/* Deliver at once when the target lives on this thread's loop and
 * nothing posted to that loop waits (so that each client gets everything
 * in order); false when it must be posted. */
static bool deliver_here(const struct target *t, enum accept accept, const char *data,
                         size_t len, size_t count)
{
    struct worker *home = worker_current();
    if (home == NULL || home->id != t->worker || !worker_quiet(home))
        return false;
    struct client *c = worker_find_client(home, t->id);
    if (c != NULL)
        deliver(c, accept, data, len, count);
    return true;
}

/* Post the batch to targets t[0..n) (reordered), one message per worker. */
static void post_targets(struct target *t, size_t n, enum accept accept, const char *data,
                         size_t len, size_t count)
{
    qsort(t, n, sizeof(*t), by_worker);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i; j < n && t[j].worker == t[i].worker; j++)
            ;
        struct tracking_msg *m = msg_create(MSG_DELIVER, j - i, data, len, count);
        if (m == NULL)
            continue;
        m->accept = accept;
        for (size_t k = i; k < j; k++)
            msg_targets(m)[k - i] = t[k].id;
        worker_post(worker_at(t[i].worker), &m->msg);
    }
}

/* Deliver here what can be, post the rest. */
static void send_to_targets(struct target *t, size_t n, enum accept accept, const char *data,
                            size_t len, size_t count)
{
    size_t remote = 0;
    for (size_t i = 0; i < n; i++)
        if (!deliver_here(&t[i], accept, data, len, count))
            t[remote++] = t[i];
    post_targets(t, remote, accept, data, len, count);
}

/* ---- the current client ----------------------------------------------------------
 * Invalidations for the client whose command runs on this thread wait in
 * `pending` until its reply is written. While a blocked client is served
 * from this thread, it is the current one (`serving`), living elsewhere. */

static _Thread_local struct batch pending;
static _Thread_local struct {
    uint64_t id; /* 0: none */
    struct worker *worker;
    bool noloop;
} serving;

static uint64_t current_id(void)
{
    if (serving.id != 0)
        return serving.id;
    return tracking__running != NULL ? tracking__running->id : 0;
}

static bool current_noloop(void)
{
    if (serving.id != 0)
        return serving.noloop;
    return (tracking__running->flags & CLIENT_TRACKING_NOLOOP) != 0;
}

static void pending_add(const char *key, size_t len, bool everything)
{
    int rc = everything ? batch_add(&pending, NULL_PAYLOAD, 1) : batch_add_key(&pending, key, len);
    if (rc == 0)
        tracking__npending++;
}

/* The pending invalidations from byte `mark` on go to the current client:
 * c on this thread, else the blocked client being served. */
static void pending_flush(size_t mark, struct client *c)
{
    const char *data = pending.data + mark;
    size_t len = pending.len - mark, off = 0, plen, count = 0;
    const char *p;
    while (next_payload(data, len, &off, &p, &plen)) {
        const char *rec = p - sizeof(size_t);
        size_t rlen = sizeof(size_t) + plen;
        enum accept accept = is_null(p, plen) ? FOR_ALL : FOR_READERS;
        struct target t = {serving.id, serving.worker ? serving.worker->id : 0};
        if (c != NULL)
            deliver(c, accept, rec, rlen, 1);
        else
            post_targets(&t, 1, accept, rec, rlen, 1);
        count++;
    }
    pending.len = mark;
    pending.count -= count;
    tracking__npending -= count;
    if (pending.count == 0)
        batch_free(&pending);
}

void tracking_serve_begin(struct tracking_serve *s, uint64_t id, struct worker *w, bool noloop)
{
    s->mark = pending.len;
    serving.id = id;
    serving.worker = w;
    serving.noloop = noloop;
}

void tracking_serve_end(struct tracking_serve *s)
{
    pending_flush(s->mark, NULL);
    serving.id = 0;
    serving.worker = NULL;
}

/* ---- records ------------------------------------------------------------------------ */

/* The readers of one key, sorted by id. */
struct readers {
    size_t n, cap;
    struct target v[];
};

/* Where id is, or would go, in r. */
static size_t readers_find(const struct readers *r, uint64_t id)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Add c to the record in *slot (created if NULL). */
static int readers_add(void **slot, const struct client *c)
{
    struct readers *r = *slot;
    size_t at = r ? readers_find(r, c->id) : 0;
    if (r != NULL && at < r->n && r->v[at].id == c->id)
        return 0;
    if (r == NULL || r->n == r->cap) {
        size_t cap = r ? r->cap * 2 : 1;
        struct readers *g = realloc(r, sizeof(*g) + cap * sizeof(g->v[0]));
        if (g == NULL)
            return -ENOMEM;
        if (r == NULL) {
            g->n = 0;
            atomic_fetch_add_explicit(&total_keys, 1, memory_order_relaxed);
        }
        g->cap = cap;
        *slot = r = g;
    }
    memmove(&r->v[at + 1], &r->v[at], (r->n - at) * sizeof(r->v[0]));
    r->v[at] = (struct target){c->id, c->worker->id};
    r->n++;
    atomic_fetch_add_explicit(&total_items, 1, memory_order_relaxed);
    return 0;
}

static void readers_free(struct readers *r)
{
    atomic_fetch_sub_explicit(&total_keys, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&total_items, (long long)r->n, memory_order_relaxed);
    free(r);
}

/* keyspace_tracked_free_cb */
static void record_free_cb(void *rec, void *ud)
{
    (void)ud;
    readers_free(rec);
}

/* OPTIN reads are cached only after CLIENT CACHING YES, OPTOUT ones
 * unless after CLIENT CACHING NO. */
static bool caches_this_read(const struct client *c)
{
    bool given = (c->flags & CLIENT_TRACKING_CACHING) != 0;
    if (c->flags & CLIENT_TRACKING_OPTIN)
        return given;
    if (c->flags & CLIENT_TRACKING_OPTOUT)
        return !given;
    return true;
}

void tracking_remember_keys(struct client *c, const struct command *cmd,
                            const struct resp_arg *argv, size_t argc, struct keyspace_db *db)
{
    struct command_keys keys;
    size_t i;
    if ((c->flags & CLIENT_TRACKING_BCAST) || !caches_this_read(c) || c->worker == NULL)
        return;
    if (command_keys_init(&keys, cmd, argv, argc) <= 0)
        return;
    while (command_keys_next(&keys, &i)) {
        struct keyspace_key k;
        keyspace_key_init(server.ks, &k, argv[i].ptr, argv[i].len);
        struct keyspace_shard *sh = keyspace_shard_of(db, &k);
        void **slot = keyspace_tracked_slot(sh, &k);
        if (slot == NULL)
            continue; /* out of memory: the key is not cached, nothing is lost */
        if (readers_add(slot, c) < 0 && *slot == NULL)
            keyspace_tracked_drop(sh, &k);
    }
}

/* ---- broadcast --------------------------------------------------------------------- */

struct bcast_sub {
    uint64_t id;
    unsigned worker;
    bool noloop;
};

struct bcast_prefix {
    char *bytes;
    size_t len;
    struct bcast_sub *subs;
    size_t nsubs, cap;
    struct hashmap *changed; /* key -> id of the client that changed it last (0: none) */
};

static pthread_mutex_t bcast_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bcast_prefix *prefixes; /* sorted by bytes, under bcast_lock */
static size_t nprefixes, prefixes_cap;
static atomic_uint nprefixes_shown;   /* INFO, without the lock */
static atomic_bool bcast_pending;     /* some prefix has changed keys */

/* Byte order, a shorter string first on a tie: Redis's rax order. */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c != 0 ? c : (alen > blen) - (alen < blen);
}

static bool starts_with(const char *s, size_t slen, const char *p, size_t plen)
{
    return plen <= slen && memcmp(s, p, plen) == 0;
}

/* Under bcast_lock: key changed (by client `by`, 0 for none). */
static void remember_change(const char *key, size_t len, uint64_t by)
{
    struct hashmap_hasher hasher = {hashmap_siphash, &server.seed};
    for (size_t i = 0; i < nprefixes; i++) {
        struct bcast_prefix *p = &prefixes[i];
        if (!starts_with(key, len, p->bytes, p->len))
            continue;
        if (p->changed == NULL && (p->changed = hashmap_create(&hasher)) == NULL)
            continue;
        uint64_t h = hashmap_hash(p->changed, key, len);
        struct hashmap_entry *e = hashmap_find(p->changed, key, len, h);
        if (e == NULL)
            e = hashmap_insert(p->changed, key, len, h, sizeof(uint64_t));
        if (e != NULL) {
            memcpy(hashmap_entry_extra(e), &by, sizeof(by));
            atomic_store_explicit(&bcast_pending, true, memory_order_relaxed);
        }
    }
}

struct changed_key {
    const char *key;
    size_t len;
    uint64_t by;
};

static int changed_key_cmp(const void *a, const void *b)
{
    const struct changed_key *x = a, *y = b;
    return bytes_cmp(x->key, x->len, y->key, y->len);
}

/* "<type><n>\r\n" at p (the caller reserved 32 bytes for it); past it. */
static char *put_header(char *p, char type, size_t n)
{
    *p++ = type;
    p += resp_ll_to_str(p, (long long)n);
    memcpy(p, "\r\n", 2);
    return p + 2;
}

/* The array of keys for a subscriber: all of them, or (`skip` != 0) those
 * another client changed. Empty: nothing to send. */
static int keys_payload(struct batch *b, const struct changed_key *k, size_t n, uint64_t skip)
{
    size_t count = 0, bytes = 32;
    for (size_t i = 0; i < n; i++)
        if (skip == 0 || k[i].by != skip) {
            count++;
            bytes += k[i].len + 32;
        }
    *b = (struct batch){.cap = sizeof(size_t) + bytes};
    if (count == 0 || (b->data = malloc(b->cap)) == NULL)
        return -ENOMEM;
    char *p = b->data + sizeof(size_t);
    p = put_header(p, '*', count);
    for (size_t i = 0; i < n; i++) {
        if (skip != 0 && k[i].by == skip)
            continue;
        p = put_header(p, '$', k[i].len);
        memcpy(p, k[i].key, k[i].len);
        memcpy(p + k[i].len, "\r\n", 2);
        p += k[i].len + 2;
    }
    size_t len = (size_t)(p - b->data) - sizeof(size_t);
    memcpy(b->data, &len, sizeof(len));
    b->len = sizeof(size_t) + len;
    b->count = 1;
    return 0;
}

static void send_keys(struct target *t, size_t n, const struct changed_key *k, size_t nk,
                      uint64_t skip)
{
    struct batch b;
    if (keys_payload(&b, k, nk, skip) == 0)
        send_to_targets(t, n, FOR_BCAST, b.data, b.len, 1);
    batch_free(&b);
}

/* Under bcast_lock: one prefix's changed keys to its subscribers. */
static void broadcast_prefix(struct bcast_prefix *p)
{
    size_t n = hashmap_size(p->changed), i = 0;
    struct changed_key *k = malloc(n * sizeof(*k));
    struct target *t = malloc(p->nsubs * sizeof(*t));
    if (k != NULL && t != NULL) {
        struct hashmap_iter it;
        struct hashmap_entry *e;
        hashmap_iter_init(&it, p->changed);
        while ((e = hashmap_iter_next(&it)) != NULL) {
            k[i] = (struct changed_key){hashmap_entry_key(e), hashmap_entry_keylen(e), 0};
            memcpy(&k[i++].by, hashmap_entry_extra(e), sizeof(uint64_t));
        }
        hashmap_iter_deinit(&it);
        qsort(k, n, sizeof(*k), changed_key_cmp);
        size_t nt = 0;
        for (size_t s = 0; s < p->nsubs; s++) {
            struct target one = {p->subs[s].id, p->subs[s].worker};
            if (p->subs[s].noloop)
                send_keys(&one, 1, k, n, one.id);
            else
                t[nt++] = one;
        }
        send_keys(t, nt, k, n, 0);
    }
    free(k);
    free(t);
    hashmap_destroy(p->changed);
    p->changed = NULL;
}

static void broadcast(void)
{
    if (!atomic_exchange_explicit(&bcast_pending, false, memory_order_relaxed))
        return;
    pthread_mutex_lock(&bcast_lock);
    for (size_t i = 0; i < nprefixes; i++)
        if (prefixes[i].changed != NULL)
            broadcast_prefix(&prefixes[i]);
    pthread_mutex_unlock(&bcast_lock);
}

/* Where the prefix is, or would go. */
static size_t prefix_find(const char *p, size_t len, bool *found)
{
    size_t lo = 0, hi = nprefixes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = bytes_cmp(prefixes[mid].bytes, prefixes[mid].len, p, len);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* Under bcast_lock: the prefix's entry, made if new; NULL if no memory. */
static struct bcast_prefix *prefix_get_or_add(const char *p, size_t len)
{
    bool found;
    size_t at = prefix_find(p, len, &found);
    if (found)
        return &prefixes[at];
    if (nprefixes == prefixes_cap) {
        size_t cap = prefixes_cap ? prefixes_cap * 2 : 8;
        struct bcast_prefix *g = realloc(prefixes, cap * sizeof(*g));
        if (g == NULL)
            return NULL;
        prefixes = g;
        prefixes_cap = cap;
    }
    char *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, p, len);
    memmove(&prefixes[at + 1], &prefixes[at], (nprefixes - at) * sizeof(*prefixes));
    prefixes[at] = (struct bcast_prefix){.bytes = copy, .len = len};
    nprefixes++;
    return &prefixes[at];
}

/* Under bcast_lock. */
static void prefix_remove_sub(size_t at, uint64_t id)
{
    struct bcast_prefix *p = &prefixes[at];
    for (size_t i = 0; i < p->nsubs; i++)
        if (p->subs[i].id == id)
            p->subs[i--] = p->subs[--p->nsubs];
    if (p->nsubs > 0)
        return;
    free(p->bytes);
    free(p->subs);
    hashmap_destroy(p->changed);
    memmove(p, p + 1, (nprefixes - at - 1) * sizeof(*p));
    if (--nprefixes == 0) {
        free(prefixes);
        prefixes = NULL;
        prefixes_cap = 0;
    }
}

static void prefixes_changed(void)
{
    atomic_store_explicit(&nprefixes_shown, (unsigned)nprefixes, memory_order_relaxed);
    keyspace_set_track_all(server.ks, nprefixes > 0);
}

/* ---- a client's prefixes (its thread) ---------------------------------------------- */

struct tracking_prefixes {
    size_t n, cap;
    struct resp_arg v[]; /* each one's bytes malloc'd */
};

const char *tracking_overlapping_prefix(const struct client *c, const char *p, size_t len,
                                        size_t *found_len)
{
    const struct tracking_prefixes *tp = c->tracking_prefixes;
    for (size_t i = 0; tp != NULL && i < tp->n; i++) {
        size_t n = tp->v[i].len < len ? tp->v[i].len : len;
        if (memcmp(tp->v[i].ptr, p, n) == 0) {
            *found_len = tp->v[i].len;
            return tp->v[i].ptr;
        }
    }
    return NULL;
}

size_t tracking_prefix_count(const struct client *c)
{
    return c->tracking_prefixes != NULL ? c->tracking_prefixes->n : 0;
}

static bool client_has_prefix(const struct client *c, const char *p, size_t len)
{
    const struct tracking_prefixes *tp = c->tracking_prefixes;
    for (size_t i = 0; tp != NULL && i < tp->n; i++)
        if (tp->v[i].len == len && memcmp(tp->v[i].ptr, p, len) == 0)
            return true;
    return false;
}

static int client_add_prefix(struct client *c, const char *p, size_t len)
{
    struct tracking_prefixes *tp = c->tracking_prefixes;
    if (tp == NULL || tp->n == tp->cap) {
        size_t cap = tp ? tp->cap * 2 : 4;
        struct tracking_prefixes *g = realloc(tp, sizeof(*g) + cap * sizeof(g->v[0]));
        if (g == NULL)
            return -ENOMEM;
        if (tp == NULL)
            g->n = 0;
        g->cap = cap;
        c->tracking_prefixes = tp = g;
    }
    char *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return -ENOMEM;
    memcpy(copy, p, len);
    tp->v[tp->n++] = (struct resp_arg){copy, len};
    return 0;
}

static int arg_cmp(const void *a, const void *b)
{
    const struct resp_arg *x = a, *y = b;
    return bytes_cmp(x->ptr, x->len, y->ptr, y->len);
}

void tracking_reply_prefixes(struct resp_out *out, const struct client *c)
{
    struct tracking_prefixes *tp = c->tracking_prefixes;
    size_t n = tp ? tp->n : 0;
    if (n > 1)
        qsort(tp->v, n, sizeof(tp->v[0]), arg_cmp);
    resp_add_array_len(out, n);
    for (size_t i = 0; i < n; i++)
        resp_add_bulk(out, tp->v[i].ptr, tp->v[i].len);
}

/* Subscribe c to one more prefix (no-op when it has it). */
static int subscribe_prefix(struct client *c, const char *p, size_t len, bool noloop)
{
    if (client_has_prefix(c, p, len))
        return 0;
    if (client_add_prefix(c, p, len) < 0)
        return -ENOMEM;
    pthread_mutex_lock(&bcast_lock);
    struct bcast_prefix *e = prefix_get_or_add(p, len);
    int rc = e == NULL ? -ENOMEM : 0;
    if (e != NULL && e->nsubs == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4;
        struct bcast_sub *g = realloc(e->subs, cap * sizeof(*g));
        if (g == NULL)
            rc = -ENOMEM;
        else {
            e->subs = g;
            e->cap = cap;
        }
    }
    if (rc == 0)
        e->subs[e->nsubs++] = (struct bcast_sub){c->id, c->worker->id, noloop};
    else if (e != NULL && e->nsubs == 0)
        prefix_remove_sub((size_t)(e - prefixes), c->id);
    prefixes_changed();
    pthread_mutex_unlock(&bcast_lock);
    if (rc < 0) {
        struct tracking_prefixes *tp = c->tracking_prefixes;
        free((void *)tp->v[--tp->n].ptr);
    }
    return rc;
}

/* NOLOOP may change while the prefixes stay. */
static void set_noloop_everywhere(struct client *c, bool noloop)
{
    pthread_mutex_lock(&bcast_lock);
    for (size_t i = 0; i < nprefixes; i++)
        for (size_t s = 0; s < prefixes[i].nsubs; s++)
            if (prefixes[i].subs[s].id == c->id)
                prefixes[i].subs[s].noloop = noloop;
    pthread_mutex_unlock(&bcast_lock);
}

static void unsubscribe_all(struct client *c)
{
    struct tracking_prefixes *tp = c->tracking_prefixes;
    if (tp == NULL)
        return;
    pthread_mutex_lock(&bcast_lock);
    for (size_t i = 0; i < tp->n; i++) {
        bool found;
        size_t at = prefix_find(tp->v[i].ptr, tp->v[i].len, &found);
        if (found)
            prefix_remove_sub(at, c->id);
        free((void *)tp->v[i].ptr);
    }
    prefixes_changed();
    pthread_mutex_unlock(&bcast_lock);
    free(tp);
    c->tracking_prefixes = NULL;
}

/* ---- the registry of tracking clients ------------------------------------------------ */

static pthread_mutex_t trackers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hashmap *trackers; /* id -> (void *)(worker id + 1), under trackers_lock */

static void trackers_add(const struct client *c)
{
    struct hashmap_hasher hasher = {hashmap_siphash, &server.seed};
    pthread_mutex_lock(&trackers_lock);
    if (trackers == NULL)
        trackers = hashmap_create(&hasher);
    if (trackers != NULL)
        hashmap_put(trackers, &c->id, sizeof(c->id), (void *)(uintptr_t)(c->worker->id + 1),
                    NULL);
    pthread_mutex_unlock(&trackers_lock);
}

static void trackers_remove(const struct client *c)
{
    pthread_mutex_lock(&trackers_lock);
    if (trackers != NULL) {
        hashmap_delete(trackers, &c->id, sizeof(c->id), NULL);
        if (hashmap_size(trackers) == 0) {
            hashmap_destroy(trackers);
            trackers = NULL;
        }
    }
    pthread_mutex_unlock(&trackers_lock);
}

/* Every tracking client, malloc'd (NULL when none or out of memory). */
static struct target *trackers_list(size_t *n)
{
    struct target *t = NULL;
    *n = 0;
    pthread_mutex_lock(&trackers_lock);
    size_t size = trackers ? hashmap_size(trackers) : 0;
    if (size > 0 && (t = malloc(size * sizeof(*t))) != NULL) {
        struct hashmap_iter it;
        struct hashmap_entry *e;
        hashmap_iter_init(&it, trackers);
        while ((e = hashmap_iter_next(&it)) != NULL) {
            memcpy(&t[*n].id, hashmap_entry_key(e), sizeof(uint64_t));
            t[(*n)++].worker = (unsigned)((uintptr_t)hashmap_entry_value(e) - 1);
        }
        hashmap_iter_deinit(&it);
    }
    pthread_mutex_unlock(&trackers_lock);
    return t;
}

/* ---- turning it on and off --------------------------------------------------------- */

int tracking_enable(struct client *c, const struct tracking_options *o)
{
    if (!(c->flags & CLIENT_TRACKING)) {
        atomic_fetch_add_explicit(&tracking__clients, 1, memory_order_relaxed);
        trackers_add(c);
    }
    c->flags &= ~(uint32_t)(CLIENT_TRACKING_BROKEN_REDIR | CLIENT_TRACKING_BCAST |
                            CLIENT_TRACKING_OPTIN | CLIENT_TRACKING_OPTOUT |
                            CLIENT_TRACKING_NOLOOP);
    c->flags |= CLIENT_TRACKING | o->flags;
    c->tracking_redir = o->redirect;
    c->tracking_redir_worker = o->redirect_worker;
    if (!(o->flags & CLIENT_TRACKING_BCAST))
        return 0;
    bool noloop = (o->flags & CLIENT_TRACKING_NOLOOP) != 0;
    set_noloop_everywhere(c, noloop);
    if (o->nprefixes == 0)
        return subscribe_prefix(c, "", 0, noloop);
    for (size_t i = 0; i < o->nprefixes; i++)
        if (subscribe_prefix(c, o->prefixes[i].ptr, o->prefixes[i].len, noloop) < 0)
            return -ENOMEM;
    return 0;
}

void tracking_disable(struct client *c)
{
    unsubscribe_all(c);
    if (!(c->flags & CLIENT_TRACKING))
        return;
    trackers_remove(c);
    atomic_fetch_sub_explicit(&tracking__clients, 1, memory_order_relaxed);
    c->flags &= ~(uint32_t)(CLIENT_TRACKING | CLIENT_TRACKING_BROKEN_REDIR |
                            CLIENT_TRACKING_BCAST | CLIENT_TRACKING_OPTIN |
                            CLIENT_TRACKING_OPTOUT | CLIENT_TRACKING_CACHING |
                            CLIENT_TRACKING_NOLOOP);
}

/* ---- changes --------------------------------------------------------------------------- */

/* Invalidate key for its readers and free their record (shard held). */
static void invalidate_readers(struct readers *r, const char *key, size_t len)
{
    uint64_t current = current_id();
    size_t others = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].id == current && current != 0) {
            if (!current_noloop())
                pending_add(key, len, false);
        } else {
            r->v[others++] = r->v[i];
        }
    }
    struct batch b = {0};
    if (others > 0 && batch_add_key(&b, key, len) == 0)
        send_to_targets(r->v, others, FOR_READERS, b.data, b.len, 1);
    batch_free(&b);
    readers_free(r);
}

/* keyspace_tracked_cb: under the shard's lock, on the writer's thread. */
static void key_changed_cb(struct keyspace_shard *sh, const char *key, size_t len, void *rec,
                           bool implicit, void *ud)
{
    (void)sh;
    (void)ud;
    if (rec != NULL)
        invalidate_readers(rec, key, len);
    if (atomic_load_explicit(&nprefixes_shown, memory_order_relaxed) > 0) {
        uint64_t current = current_id();
        pthread_mutex_lock(&bcast_lock);
        remember_change(key, len, implicit ? 0 : current);
        pthread_mutex_unlock(&bcast_lock);
    }
}

/* The limit's eviction of a record: its key did not change, so no
 * broadcast (Redis's trackingInvalidateKey with bcast 0). */
static void record_evicted_cb(struct keyspace_shard *sh, const char *key, size_t len, void *rec,
                              bool implicit, void *ud)
{
    (void)sh;
    (void)implicit;
    (void)ud;
    invalidate_readers(rec, key, len);
}

void tracking_keyspace_config(struct keyspace_config *kc)
{
    kc->tracked_cb = key_changed_cb;
    kc->tracked_free = record_free_cb;
    kc->tracked_ud = NULL;
}

void tracking__command_end(struct client *c, const struct command *cmd)
{
    if (tracking__npending > 0)
        pending_flush(0, c);
    broadcast();
    const struct command *top = cmd != NULL && cmd->parent != NULL ? cmd->parent : cmd;
    if (!(c->flags & CLIENT_MULTI) && (top == NULL || strcmp(top->name, "client") != 0))
        c->flags &= ~(uint32_t)CLIENT_TRACKING_CACHING;
}

void tracking_flushed(void)
{
    size_t n;
    struct target *t = trackers_list(&n);
    uint64_t current = current_id();
    size_t others = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].id == current)
            pending_add(NULL, 0, true);
        else
            t[others++] = t[i];
    }
    struct batch b = {0};
    if (others > 0 && batch_add(&b, NULL_PAYLOAD, 1) == 0)
        send_to_targets(t, others, FOR_ALL, b.data, b.len, 1);
    batch_free(&b);
    free(t);
}

/* ---- the limit --------------------------------------------------------------------------- */

void tracking_enforce_limit(void)
{
    static _Thread_local unsigned over_calls; /* calls that ended still over */
    static atomic_uint cursor;
    long long max = server.cfg.tracking_table_max_keys;
    if (max == 0 || atomic_load_explicit(&total_keys, memory_order_relaxed) <= max) {
        over_calls = 0;
        return;
    }
    unsigned nshards = keyspace_shard_count(server.ks);
    long long effort = LIMIT_EFFORT * (long long)(over_calls + 1);
    unsigned empty_run = 0;
    while (effort > 0 && empty_run < nshards) {
        unsigned id = atomic_fetch_add_explicit(&cursor, 1, memory_order_relaxed) % nshards;
        struct keyspace_shard *sh = keyspace_shard_by_id(server.ks, id);
        keyspace_shard_lock(sh);
        bool evicted = keyspace_tracked_evict(sh, record_evicted_cb, NULL);
        keyspace_shard_unlock(sh);
        empty_run = evicted ? 0 : empty_run + 1;
        effort -= evicted;
        if (atomic_load_explicit(&total_keys, memory_order_relaxed) <= max) {
            over_calls = 0;
            return;
        }
    }
    over_calls++;
}

void tracking_cron(void)
{
    if (!tracking_active())
        return;
    tracking_enforce_limit();
    broadcast();
}

void tracking_stats(struct tracking_stats *out)
{
    long long keys = atomic_load_explicit(&total_keys, memory_order_relaxed);
    long long items = atomic_load_explicit(&total_items, memory_order_relaxed);
    out->clients = atomic_load_explicit(&tracking__clients, memory_order_relaxed);
    out->keys = keys > 0 ? (unsigned long long)keys : 0;
    out->items = items > 0 ? (unsigned long long)items : 0;
    out->prefixes = atomic_load_explicit(&nprefixes_shown, memory_order_relaxed);
}
