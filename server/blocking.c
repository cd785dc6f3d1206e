/*
 * blocking.c - blocked clients, their queues, serving and waking them
 * across loops; see blocking.h for the design.
 *
 * A waiter's life
 *
 *   WAITING --serving thread claims it--> SERVED --reply message--> done
 *      |
 *      +--timeout / disconnect (its loop), CLIENT UNBLOCK (any)--> CANCELLED
 *
 * Who frees a record: it is reference counted. The blocked client holds
 * one reference until it is detached (served, cancelled or gone); each
 * message in flight (a served reply, an unblock) holds one. The last
 * reference unlinks the record from every queue, under each shard's lock,
 * and frees it. So a record reachable through a queue is always alive, and
 * a thread holding a queue's shard lock may read any record it finds there.
 *
 * Lock order: shard locks are only ever taken in ascending id order (a
 * lockset), the registry lock (client.h) never while holding a shard lock
 * is needed after it, and nothing is posted to a loop while a shard lock
 * is held (a dropped message releases its reference, which takes locks).
 */
#include "blocking.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "command.h"
#include "keyspace.h"
#include "log.h"
#include "replication.h"
#include "propagate.h"
#include "script.h"
#include "server.h"
#include "slowlog.h"
#include "stats.h"
#include "tracking.h"
#include "worker.h"

#define SERVE_ARGS_MAX 8 /* the longest serving command: LMPOP 1 k LEFT COUNT n */

enum waiter_state { WAITER_WAITING, WAITER_SERVED, WAITER_CANCELLED };

struct blocked;

struct blocked_node {
    struct blocked *b;
    struct blocked_node *prev, *next;
    bool linked;
};

struct blocked_queue {
    struct blocked_node *head, *tail;
};

struct blocked_key {
    struct keyspace_key key; /* bytes inside the record */
    struct resp_arg extra;   /* its serving argument at extra_arg (bytes inside the record) */
    struct keyspace_shard *sh;
    struct blocked_node node;
};

struct blocked {
    atomic_int state;
    atomic_int refs;
    uint64_t client_id;
    struct worker *worker;
    unsigned db;
    int resp;
    uint32_t client_flags; /* CLIENT_NO_TOUCH for the serving command, _TRACKING_NOLOOP */
    enum object_type type;
    blocking_check_fn check;
    const struct command *serve;
    struct resp_arg argv[SERVE_ARGS_MAX];
    size_t argc, key_arg, extra_arg;
    enum blocking_reply reply;
    long long wait_offset; /* WAIT: the stream offset to be acknowledged */
    long long deadline_ms;
    /* SLOWLOG: the blocking command's entry, made and consumed by the
     * client's loop (slowlog.h), and its run's ticks; the ticks serving
     * it took, set by the serving thread before it posts the reply. */
    struct slowlog_entry *slowlog;
    long long ran_ticks, serve_ticks;
    size_t heap_index;     /* in its loop's deadline heap; SIZE_MAX: not there */
    size_t nkeys;
    struct blocked_key keys[];
};

/* A waiter's loop: its waiters with a deadline, earliest first. */
struct deadline_heap {
    struct blocked **v;
    size_t n, cap;
};

static struct deadline_heap *heaps; /* per worker id; each touched by its loop only */
static unsigned nheaps;
static atomic_llong blocked_clients;

/* ---- deadlines ------------------------------------------------------------------ */

static void heap_swap(struct deadline_heap *h, size_t i, size_t j)
{
    struct blocked *t = h->v[i];
    h->v[i] = h->v[j];
    h->v[j] = t;
    h->v[i]->heap_index = i;
    h->v[j]->heap_index = j;
}

static void heap_up(struct deadline_heap *h, size_t i)
{
    while (i > 0 && h->v[(i - 1) / 2]->deadline_ms > h->v[i]->deadline_ms) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(struct deadline_heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->v[l]->deadline_ms < h->v[m]->deadline_ms)
            m = l;
        if (r < h->n && h->v[r]->deadline_ms < h->v[m]->deadline_ms)
            m = r;
        if (m == i)
            return;
        heap_swap(h, i, m);
        i = m;
    }
}

static int heap_push(struct deadline_heap *h, struct blocked *b)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        struct blocked **v = realloc(h->v, cap * sizeof(*v));
        if (v == NULL)
            return -ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    b->heap_index = h->n;
    h->v[h->n++] = b;
    heap_up(h, b->heap_index);
    return 0;
}

static void heap_remove(struct deadline_heap *h, struct blocked *b)
{
    size_t i = b->heap_index;
    if (i == SIZE_MAX)
        return;
    b->heap_index = SIZE_MAX;
    if (i != --h->n) {
        h->v[i] = h->v[h->n];
        h->v[i]->heap_index = i;
        heap_down(h, i);
        heap_up(h, i);
    }
}

static struct deadline_heap *heap_of(const struct worker *w)
{
    return &heaps[w->id];
}

int blocking_init(unsigned nworkers)
{
    heaps = calloc(nworkers ? nworkers : 1, sizeof(*heaps));
    if (heaps == NULL)
        return -ENOMEM;
    nheaps = nworkers;
    return 0;
}

void blocking_deinit(void)
{
    for (unsigned i = 0; i < nheaps; i++)
        free(heaps[i].v);
    free(heaps);
    heaps = NULL;
    nheaps = 0;
}

long long blocking_count(void)
{
    return atomic_load(&blocked_clients);
}

/* ---- queues (the key's shard held) -------------------------------------------- */

static void node_link(struct blocked_queue *q, struct blocked_node *n)
{
    n->next = NULL;
    n->prev = q->tail;
    if (q->tail)
        q->tail->next = n;
    else
        q->head = n;
    q->tail = n;
    n->linked = true;
}

/* Unlink from its key's queue; the last node frees the queue. */
static void node_unlink(struct blocked_key *bk)
{
    struct blocked_node *n = &bk->node;
    struct blocked_queue *q = keyspace_waiters(bk->sh, &bk->key);
    if (!n->linked)
        return;
    n->linked = false;
    if (n->prev)
        n->prev->next = n->next;
    else
        q->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        q->tail = n->prev;
    if (q->head == NULL) {
        keyspace_waiters_drop(bk->sh, &bk->key);
        free(q);
    }
}

static struct blocked_key *key_of_node(struct blocked_node *n)
{
    return (struct blocked_key *)((char *)n - offsetof(struct blocked_key, node));
}

/* ---- the record --------------------------------------------------------------- */

static void unref(struct blocked *b)
{
    if (atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    for (size_t i = 0; i < b->nkeys; i++) {
        struct blocked_key *bk = &b->keys[i];
        keyspace_shard_lock(bk->sh);
        node_unlink(bk);
        keyspace_shard_unlock(bk->sh);
    }
    slowlog_drop_kept(b->slowlog); /* never served */
    free(b);
}

/* The bytes of the serving arguments and keys live after the keys array. */
static struct blocked *record_create(const struct cmd_ctx *ctx, const struct blocking_request *req)
{
    size_t bytes = 0;
    for (size_t i = 0; i < req->argc; i++)
        bytes += req->argv[i].len;
    for (size_t i = 0; i < req->nkeys; i++)
        bytes += req->keys[i].len + (req->extra_arg ? req->extras[i].len : 0);
    struct blocked *b = calloc(1, sizeof(*b) + req->nkeys * sizeof(b->keys[0]) + bytes);
    if (b == NULL || req->argc > SERVE_ARGS_MAX) {
        free(b);
        return NULL;
    }
    char *p = (char *)&b->keys[req->nkeys];
    for (size_t i = 0; i < req->argc; i++) {
        memcpy(p, req->argv[i].ptr, req->argv[i].len);
        b->argv[i] = (struct resp_arg){p, req->argv[i].len};
        p += req->argv[i].len;
    }
    for (size_t i = 0; i < req->nkeys; i++) {
        memcpy(p, req->keys[i].ptr, req->keys[i].len);
        keyspace_key_init(server.ks, &b->keys[i].key, p, req->keys[i].len);
        b->keys[i].sh = keyspace_shard_of(ctx->db, &b->keys[i].key);
        b->keys[i].node.b = b;
        p += req->keys[i].len;
        if (req->extra_arg) {
            memcpy(p, req->extras[i].ptr, req->extras[i].len);
            b->keys[i].extra = (struct resp_arg){p, req->extras[i].len};
            p += req->extras[i].len;
        }
    }
    atomic_init(&b->state, WAITER_WAITING);
    atomic_init(&b->refs, 1);
    b->client_id = ctx->client->id;
    b->worker = ctx->client->worker;
    b->db = keyspace_db_index(ctx->db);
    b->resp = ctx->client->resp;
    b->client_flags = ctx->client->flags & (CLIENT_NO_TOUCH | CLIENT_TRACKING_NOLOOP);
    b->type = req->type;
    b->check = req->check;
    b->serve = req->serve;
    b->argc = req->argc;
    b->key_arg = req->key_arg;
    b->extra_arg = req->extra_arg;
    b->reply = req->reply;
    b->wait_offset = req->wait_offset;
    b->deadline_ms = req->deadline_ms;
    b->heap_index = SIZE_MAX;
    b->nkeys = req->nkeys;
    return b;
}

/* ---- blocking ------------------------------------------------------------------ */

bool blocking_allowed(const struct client *c)
{
    return c->worker != NULL && !(c->flags & CLIENT_IN_EXEC);
}

/* Queue the record on every key; the shards are held by the dispatcher.
 * A key named twice is queued once. */
static int enqueue(struct blocked *b)
{
    for (size_t i = 0; i < b->nkeys; i++) {
        struct blocked_key *bk = &b->keys[i];
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = b->keys[j].key.len == bk->key.len &&
                   memcmp(b->keys[j].key.ptr, bk->key.ptr, bk->key.len) == 0;
        if (seen)
            continue;
        void **slot = keyspace_waiters_slot(bk->sh, &bk->key);
        if (slot != NULL && *slot == NULL)
            *slot = calloc(1, sizeof(struct blocked_queue));
        if (slot == NULL || *slot == NULL) {
            if (slot != NULL)
                keyspace_waiters_drop(bk->sh, &bk->key);
            for (size_t j = 0; j < i; j++)
                node_unlink(&b->keys[j]);
            return -ENOMEM;
        }
        node_link(*slot, &bk->node);
    }
    return 0;
}

static void set_blocked(struct client *c, struct blocked *b)
{
    client_registry_lock(); /* CLIENT UNBLOCK reads it there */
    c->blocked = b;
    client_registry_unlock();
    if (b != NULL)
        c->flags |= CLIENT_BLOCKED;
    else
        c->flags &= ~(uint32_t)CLIENT_BLOCKED;
}

int blocking_block(struct cmd_ctx *ctx, const struct blocking_request *req)
{
    struct client *c = ctx->client;
    struct blocked *b = record_create(ctx, req);
    if (b == NULL)
        return -ENOMEM;
    struct deadline_heap *h = heap_of(c->worker);
    if ((b->deadline_ms > 0 && heap_push(h, b) < 0) || enqueue(b) < 0) {
        heap_remove(h, b);
        free(b);
        return -ENOMEM;
    }
    if (b->heap_index == 0)
        c->worker->alarm_cb(c->worker, b->deadline_ms);
    set_blocked(c, b);
    atomic_fetch_add(&blocked_clients, 1);
    return 0;
}

void blocking_keep_for_slowlog(struct client *c, const struct resp_arg *argv, size_t argc,
                               long long ticks)
{
    struct blocked *b = c->blocked;
    if (b == NULL || b->slowlog != NULL)
        return;
    b->slowlog = slowlog_keep(c, argv, argc);
    b->ran_ticks = ticks;
}

/* The client is no longer blocked: out of the registry's view and its
 * loop's deadlines; the record keeps whatever other references hold it. */
static void detach(struct client *c, struct blocked *b)
{
    if (b->reply == BLOCKING_REPLY_ACKS)
        repl_wait_forget(c->id);
    set_blocked(c, NULL);
    heap_remove(heap_of(c->worker), b);
    atomic_fetch_sub(&blocked_clients, 1);
    unref(b);
}

/* What a blocked client gets when it stops waiting without data, as
 * Redis's replyToBlockedClientTimedOut: a null array, whatever the
 * command, but for WAIT the replicas that acknowledged its offset. */
/* How a wait is cancelled. */
enum cancel {
    CANCEL_TIMEOUT,     /* a timeout's reply (CLIENT UNBLOCK TIMEOUT too) */
    CANCEL_ERROR,       /* CLIENT UNBLOCK ERROR */
    CANCEL_ROLE_CHANGE, /* REPLICAOF: the error, then the client is closed */
    CANCEL_SHUTDOWN,    /* a SHUTDOWN that waited was aborted or failed */
};

static void reply_cancelled(struct client *c, const struct blocked *b, enum cancel how)
{
    if (how == CANCEL_SHUTDOWN) {
        resp_add_error(&c->out, "ERR Errors trying to SHUTDOWN. Check logs.");
    } else if (how == CANCEL_ERROR) {
        resp_add_error(&c->out, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    } else if (how == CANCEL_ROLE_CHANGE) {
        resp_add_error(&c->out, "UNBLOCKED force unblock from blocking operation, instance "
                                "state changed (master -> replica?)");
        c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    } else if (b->reply == BLOCKING_REPLY_ACKS)
        resp_add_integer(&c->out, repl_count_acked(b->wait_offset));
    else
        resp_add_null_array(&c->out);
}

/* ---- messages to the waiter's loop -------------------------------------------- */

struct waiter_msg {
    struct worker_msg msg; /* first: the worker frees the whole block */
    struct blocked *b;     /* the message's reference */
    enum cancel how;       /* an unblock: what it replies */
    bool acked;            /* a WAIT's replicas acknowledged: not an unblock */
    size_t len;            /* a served reply's bytes, or 0 for an unblock */
    char reply[];
};

/* As Redis 7.0's updateStatsOnUnblock: an error the waiter got (the
 * bytes after `mark`: -UNBLOCKED, -NOGROUP) counts in errorstats and as a
 * failure of its blocking command, and so does any CLIENT UNBLOCK, even
 * one that replies a timeout. The waiter's loop owns its counters. */
static void count_unblocked(struct client *c, size_t mark, bool by_client_unblock)
{
    bool error = c->out.len > mark && c->out.data[mark] == '-';
    if (error)
        server_count_error(c->out.data + mark, c->out.len - mark);
    if (error || by_client_unblock)
        stats_command_add(c->stats, c->last_cmd->id, STATS_CMD_FAILED, 1);
}

/* The waiter's loop delivers (the message's reference is released);
 * the caller holds no shard lock. */
static void deliver_here(struct worker *w, struct blocked *b, const char *reply, size_t len,
                         enum cancel how, bool acked)
{
    struct client *c = worker_find_client(w, b->client_id);
    if (c != NULL && c->blocked == b) {
        size_t mark = c->out.len;
        if (len > 0) {
            resp_add_raw(&c->out, reply, len);
            slowlog_consider_kept(b->slowlog, b->ran_ticks + b->serve_ticks);
            b->slowlog = NULL;
        } else {
            reply_cancelled(c, b, how);
        }
        count_unblocked(c, mark, len == 0 && !acked);
        detach(c, b);
        client_wake(c);
    }
    unref(b);
}

static void waiter_deliver_cb(struct worker *w, struct worker_msg *m)
{
    struct waiter_msg *wm = (struct waiter_msg *)m;
    deliver_here(w, wm->b, wm->reply, wm->len, wm->how, wm->acked);
}

static void waiter_drop_cb(struct worker_msg *m)
{
    unref(((struct waiter_msg *)m)->b);
}

/* Hand the reply to the waiter's loop, with the reference the caller took
 * for it; never under a shard lock. On the waiter's own loop that is a
 * call, elsewhere a message. */
static void post(struct blocked *b, const char *reply, size_t len, enum cancel how, bool acked)
{
    if (b->worker == worker_current()) {
        deliver_here(b->worker, b, reply, len, how, acked);
        return;
    }
    struct waiter_msg *m = malloc(sizeof(*m) + len);
    if (m == NULL) {
        log_warning("Out of memory waking blocked client id=%llu",
                    (unsigned long long)b->client_id);
        unref(b);
        return;
    }
    m->msg = (struct worker_msg){.deliver_cb = waiter_deliver_cb, .drop_cb = waiter_drop_cb};
    m->b = b;
    m->how = how;
    m->acked = acked;
    m->len = len;
    if (len > 0)
        memcpy(m->reply, reply, len);
    worker_post(b->worker, &m->msg);
}

/* Room for one more pointer in *v; false when out of memory. */
static bool grow_list(struct blocked ***v, size_t *cap)
{
    size_t want = *cap ? *cap * 2 : 16;
    struct blocked **p = realloc(*v, want * sizeof(*p));
    if (p == NULL)
        return false;
    *v = p;
    *cap = want;
    return true;
}

/* ---- the client's own loop ---------------------------------------------------- */

void blocking_client_leave(struct client *c)
{
    struct blocked *b = c->blocked;
    if (b == NULL)
        return;
    int waiting = WAITER_WAITING;
    atomic_compare_exchange_strong(&b->state, &waiting, WAITER_CANCELLED);
    detach(c, b);
}

long long blocking_expire(struct worker *w, long long now_ms)
{
    struct deadline_heap *h = heap_of(w);
    while (h->n > 0 && h->v[0]->deadline_ms <= now_ms) {
        struct blocked *b = h->v[0];
        int waiting = WAITER_WAITING;
        heap_remove(h, b);
        if (!atomic_compare_exchange_strong(&b->state, &waiting, WAITER_CANCELLED))
            continue; /* served or unblocked meanwhile: its message completes it */
        struct client *c = worker_find_client(w, b->client_id);
        assert(c != NULL && c->blocked == b); /* a client leaving takes its deadline away */
        reply_cancelled(c, b, CANCEL_TIMEOUT);
        detach(c, b);
        client_wake(c);
    }
    return h->n > 0 ? h->v[0]->deadline_ms : 0;
}

/* Whether `how` may end waiter b: a SHUTDOWN's wait ends only with its
 * shutdown (CLIENT UNBLOCK leaves it), acks end only a WAIT. */
static bool ends(const struct blocked *b, enum cancel how, bool acked)
{
    if ((b->reply == BLOCKING_REPLY_SHUTDOWN) != (how == CANCEL_SHUTDOWN))
        return false;
    return !acked || b->reply == BLOCKING_REPLY_ACKS;
}

/* Stop the wait of a client, if it is blocked (in a WAIT only, for
 * `acked`): its loop replies as for a timeout, or -UNBLOCKED. */
static bool end_wait(unsigned long long client_id, enum cancel how, bool acked)
{
    struct blocked *b = NULL;
    client_registry_lock();
    for (struct client *c = client_registry_first(); c != NULL; c = c->reg_next) {
        if (c->id == client_id) {
            b = c->blocked;
            break;
        }
    }
    int waiting = WAITER_WAITING;
    if (b != NULL && ends(b, how, acked) &&
        atomic_compare_exchange_strong(&b->state, &waiting, WAITER_CANCELLED))
        atomic_fetch_add(&b->refs, 1); /* alive: its client holds a reference */
    else
        b = NULL;
    client_registry_unlock();
    if (b != NULL)
        post(b, NULL, 0, how, acked);
    return b != NULL;
}

bool blocking_unblock(unsigned long long client_id, bool with_error)
{
    return end_wait(client_id, with_error ? CANCEL_ERROR : CANCEL_TIMEOUT, false);
}

void blocking_wake_wait(unsigned long long client_id)
{
    end_wait(client_id, CANCEL_TIMEOUT, true);
}

void blocking_fail_shutdown(unsigned long long client_id)
{
    end_wait(client_id, CANCEL_SHUTDOWN, false);
}

void blocking_unblock_all_for_replica(void)
{
    struct blocked **v = NULL;
    size_t n = 0, cap = 0;
    client_registry_lock();
    for (struct client *c = client_registry_first(); c != NULL; c = c->reg_next) {
        struct blocked *b = c->blocked;
        int waiting = WAITER_WAITING;
        if (b == NULL || (n == cap && !grow_list(&v, &cap)))
            continue;
        if (atomic_compare_exchange_strong(&b->state, &waiting, WAITER_CANCELLED)) {
            atomic_fetch_add(&b->refs, 1); /* alive: its client holds a reference */
            v[n++] = b;
        }
    }
    client_registry_unlock();
    for (size_t i = 0; i < n; i++)
        post(v[i], NULL, 0, CANCEL_ROLE_CHANGE, false);
    free(v);
}

/* ---- keys made ready ---------------------------------------------------------- */

struct ready_key {
    unsigned db;
    size_t len;
    char *key;
};

/* Per thread: what this thread's writes made ready since it last served. */
static _Thread_local struct {
    struct ready_key *v;
    size_t n, cap;
} ready;

void blocking_ready_cb(struct keyspace_shard *sh, const char *key, size_t len, void *ud)
{
    (void)ud;
    unsigned db = keyspace_shard_id(sh) / keyspace_shards_per_db(server.ks);
    for (size_t i = 0; i < ready.n; i++)
        if (ready.v[i].db == db && ready.v[i].len == len && memcmp(ready.v[i].key, key, len) == 0)
            return;
    if (ready.n == ready.cap) {
        size_t cap = ready.cap ? ready.cap * 2 : 8;
        struct ready_key *v = realloc(ready.v, cap * sizeof(*v));
        if (v == NULL)
            goto no_memory;
        ready.v = v;
        ready.cap = cap;
    }
    char *copy = malloc(len ? len : 1);
    if (copy == NULL)
        goto no_memory;
    memcpy(copy, key, len);
    ready.v[ready.n++] = (struct ready_key){db, len, copy};
    return;
no_memory:
    log_warning("Out of memory: clients blocked on a key may miss that it got a value");
}

/* ---- serving ---------------------------------------------------------------------- */

/* The serving command's arguments, with the ready key (and its extra
 * argument) in place, and the shards its keys fall in (at most
 * SERVE_ARGS_MAX). */
static size_t serve_args(const struct blocked_key *bk, struct keyspace_db *db,
                         struct resp_arg *argv, struct keyspace_shard **shards)
{
    const struct blocked *b = bk->node.b;
    struct command_keys keys;
    size_t n = 0, i;
    memcpy(argv, b->argv, b->argc * sizeof(*argv));
    argv[b->key_arg] = (struct resp_arg){bk->key.ptr, bk->key.len};
    if (b->extra_arg)
        argv[b->extra_arg] = bk->extra;
    command_keys_init(&keys, b->serve, argv, b->argc);
    while (command_keys_next(&keys, &i) && n < SERVE_ARGS_MAX) {
        struct keyspace_key k;
        keyspace_key_init(server.ks, &k, argv[i].ptr, argv[i].len);
        shards[n++] = keyspace_shard_of(db, &k);
    }
    return n;
}

/* Whether the key's value (e, NULL when absent) serves waiter b now. */
static bool serves(const struct blocked_key *bk, struct hashmap_entry *e, struct keyspace_db *db)
{
    const struct blocked *b = bk->node.b;
    if (b->check == NULL)
        return e != NULL && object_type(keyspace_object(e)) == b->type;
    struct resp_arg argv[SERVE_ARGS_MAX];
    struct keyspace_shard *shards[SERVE_ARGS_MAX];
    serve_args(bk, db, argv, shards);
    return b->check(e, argv, b->argc);
}

/* The first waiter of `k` that the key's value can serve, in blocking
 * order; records no longer waiting are unlinked on the way. NULL if
 * nobody waiting can be served. The shard is held. */
static struct blocked_key *first_servable(struct keyspace_shard *sh, const struct keyspace_key *k,
                                          struct keyspace_db *db, long long now_ms)
{
    struct blocked_queue *q = keyspace_waiters(sh, k);
    if (q == NULL)
        return NULL;
    struct hashmap_entry *e = keyspace_find(sh, k, now_ms, KEYSPACE_LOOKUP_NOTOUCH);
    for (struct blocked_node *n = q->head, *next; n != NULL; n = next) {
        next = n->next;
        struct blocked_key *bk = key_of_node(n);
        if (atomic_load(&n->b->state) != WAITER_WAITING) {
            bool last = next == NULL && n->prev == NULL;
            node_unlink(bk);
            if (last)
                return NULL; /* the queue is gone */
            continue;
        }
        if (serves(bk, e, db))
            return bk;
    }
    return NULL;
}

static bool all_held(const struct keyspace_lockset *locks, struct keyspace_shard **shards,
                     size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool held = false;
        for (size_t j = 0; j < keyspace_lockset_count(locks) && !held; j++)
            held = keyspace_lockset_at(locks, j) == shards[i];
        if (!held)
            return false;
    }
    return true;
}

/* Wrap the serving command's reply (`body`) as the blocking command
 * replies, for the ready key `key`. An error passes as it is. */
static void wrap_reply(struct resp_out *out, enum blocking_reply how, const struct resp_arg *key,
                       const struct resp_out *body)
{
    const char *p = body->data;
    size_t len = body->len;
    if (how == BLOCKING_REPLY_AS_IS || len == 0 || p[0] == '-') {
        resp_add_raw(out, p, len);
        return;
    }
    if (how == BLOCKING_REPLY_KEY_VALUE) {
        resp_add_array_len(out, 2);
    } else { /* the array's items after its header, one more for the key */
        const char *crlf = memchr(p, '\r', len);
        long long n = 0;
        resp_str_to_ll(p + 1, (size_t)(crlf - p - 1), &n);
        resp_add_array_len(out, (size_t)n + 1);
        len -= (size_t)(crlf + 2 - p);
        p = crlf + 2;
    }
    resp_add_bulk(out, key->ptr, key->len);
    resp_add_raw(out, p, len);
}

/* Run the serving command for the claimed waiter, as if it had sent it;
 * the shards of its keys are held. */
static void run_serving(const struct blocked *b, struct resp_arg *argv, struct resp_out *out,
                        long long now_ms)
{
    struct client as;
    struct resp_out body;
    memset(&as, 0, sizeof(as));
    as.id = b->client_id;
    as.db = (int)b->db;
    as.resp = b->resp;
    as.flags = b->client_flags & CLIENT_NO_TOUCH;
    as.authenticated = true;
    resp_out_init(&body, b->resp);
    command__run_held(&as, &body, b->serve, argv, b->argc, now_ms);
    wrap_reply(out, b->reply, &argv[b->key_arg], &body);
    resp_out_deinit(&body);
}

/* Lock what serving the key's first servable waiter needs: its shard, and
 * the shards of the serving command's other keys (a lockset, so always
 * ascending: when they were not held yet, everything is relocked and the
 * queue looked at again). The waiter found, or NULL with nothing held. */
static struct blocked_key *lock_first_servable(struct keyspace_lockset *locks,
                                               struct keyspace_shard *sh,
                                               const struct keyspace_key *k,
                                               struct keyspace_db *db, struct resp_arg *argv,
                                               long long now_ms)
{
    struct keyspace_shard *shards[SERVE_ARGS_MAX];
    keyspace_lockset_add(locks, sh); /* one shard: never allocates */
    for (;;) {
        keyspace_lockset_lock(locks);
        struct blocked_key *bk = first_servable(sh, k, db, now_ms);
        if (bk == NULL) {
            keyspace_lockset_unlock(locks);
            return NULL;
        }
        size_t n = serve_args(bk, db, argv, shards);
        if (all_held(locks, shards, n))
            return bk;
        keyspace_lockset_unlock(locks);
        for (size_t i = 0; i < n; i++)
            if (keyspace_lockset_add(locks, shards[i]) < 0)
                return NULL;
    }
}

/* Serve the waiters of one key while it has a value for them. */
static void serve_key(const struct ready_key *rk)
{
    struct keyspace_db *db = keyspace_db(server.ks, rk->db);
    struct keyspace_key k;
    keyspace_key_init(server.ks, &k, rk->key, rk->len);
    struct keyspace_shard *sh = keyspace_shard_of(db, &k);
    for (;;) {
        long long now_ms = server_mstime();
        struct keyspace_lockset locks;
        struct resp_arg argv[SERVE_ARGS_MAX];
        keyspace_lockset_init(&locks);
        struct blocked_key *bk = lock_first_servable(&locks, sh, &k, db, argv, now_ms);
        if (bk == NULL) {
            keyspace_lockset_deinit(&locks);
            return;
        }
        struct blocked *b = bk->node.b;
        int waiting = WAITER_WAITING;
        bool claimed = atomic_compare_exchange_strong(&b->state, &waiting, WAITER_SERVED);
        struct resp_out reply;
        struct tracking_serve ts;
        resp_out_init(&reply, b->resp);
        /* Its invalidations follow its reply, as Redis 7.0 sends them. */
        tracking_serve_begin(&ts, b->client_id, b->worker,
                             (b->client_flags & CLIENT_TRACKING_NOLOOP) != 0);
        if (claimed) {
            atomic_fetch_add(&b->refs, 1); /* the reply message's */
            node_unlink(bk);
            long long start = server_ticks();
            run_serving(b, argv, &reply, now_ms);
            b->serve_ticks = server_ticks() - start;
        }
        keyspace_lockset_unlock(&locks);
        keyspace_lockset_deinit(&locks);
        if (claimed) /* otherwise cancelled just now: the next one */
            post(b, reply.data, reply.len, false, false);
        tracking_serve_end(&ts);
        resp_out_deinit(&reply);
    }
}

void blocking_thread_done(void)
{
    free(ready.v);
    ready.v = NULL;
    ready.cap = 0;
}

void blocking_serve_ready(void)
{
    if (ready.n == 0)
        return; /* the usual case, after every command: nothing to check */
    if (script_running_here())
        return; /* a command answered while a script runs: serve after it */
    int order = ready.n > 0 ? propagate_order_begin(NULL) : 0;
    for (size_t i = 0; i < ready.n; i++) /* serving may add keys: ready.n grows */
        serve_key(&ready.v[i]);
    propagate_order_end(order);
    for (size_t i = 0; i < ready.n; i++)
        free(ready.v[i].key);
    ready.n = 0;
}

/* ---- serving at once, in the blocking command itself ----------------------------- */

void blocking_serve_now(struct cmd_ctx *ctx, const struct command *cmd, struct resp_arg *argv,
                        size_t argc, size_t key_arg, enum blocking_reply how)
{
    struct resp_out body;
    resp_out_init(&body, ctx->out->proto);
    command__run_held(ctx->client, &body, cmd, argv, argc, ctx->now_ms);
    wrap_reply(ctx->out, how, &argv[key_arg], &body);
    resp_out_deinit(&body);
}
