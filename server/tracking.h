/*
 * tracking.h - server-assisted client-side caching (CLIENT TRACKING), as
 * Redis 7.0's tracking.c: which clients may cache which keys, and the
 * invalidation messages they get when those keys change.
 *
 * Glossary
 *   tracking client  one that ran CLIENT TRACKING ON (CLIENT_TRACKING).
 *   reader       a tracking client recorded as caching a key: each read
 *                command it runs records its keys (standard mode).
 *   record       a key's readers, kept in the key's shard (keyspace.h,
 *                "keys clients cache") under the shard's lock.
 *   invalidation what a reader gets when its key changes: the RESP3 push
 *                [invalidate, [key]], or with REDIRECT the same sent to
 *                another client (a RESP2 one gets it as a pub/sub message
 *                on __redis__:invalidate, if it is subscribed to anything).
 *                A FLUSH sends [invalidate, null] to every tracking client.
 *   BCAST        broadcast mode: no records; the client gets every change
 *                of a key starting with one of its prefixes, batched per
 *                prefix once the command that made them has run.
 *   current      the client whose command this thread runs: invalidations
 *                for it wait until its reply is written (Redis 7.0's
 *                tracking_pending_keys), and NOLOOP drops them.
 *
 * Threads: see tracking.c's design. Everything here is called on the
 * client's own thread unless said otherwise.
 * Errors: actions return 0 or -ENOMEM.
 */
#ifndef GROVE_TRACKING_H
#define GROVE_TRACKING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"

struct command;
struct keyspace_config;
struct keyspace_db;
struct resp_arg;
struct resp_out;
struct worker;

#define TRACKING_CHANNEL "__redis__:invalidate"

/* Tracking clients, for the one load a command pays while nobody tracks. */
extern atomic_uint tracking__clients;
/* The client whose command this thread is running (tracking_command_*). */
extern _Thread_local struct client *tracking__running;
/* Invalidations for it that wait for its reply. */
extern _Thread_local size_t tracking__npending;

static inline bool tracking_active(void)
{
    return atomic_load_explicit(&tracking__clients, memory_order_relaxed) > 0;
}

/* Point the keyspace's tracked-key callbacks here (start-up). */
void tracking_keyspace_config(struct keyspace_config *kc);

/* ---- CLIENT TRACKING, CACHING, TRACKINGINFO ----------------------------------- */

/* CLIENT TRACKING ON's choices, checked by the caller (cmd_tracking.c). */
struct tracking_options {
    uint32_t flags;               /* CLIENT_TRACKING_BCAST, _OPTIN, _OPTOUT, _NOLOOP */
    uint64_t redirect;            /* 0: none */
    struct worker *redirect_worker; /* the redirect client's worker */
    const struct resp_arg *prefixes; /* BCAST; none means "" */
    size_t nprefixes;
};

/* Turn tracking on, or change its options (the prefixes add up); -ENOMEM
 * leaves the prefixes met so far. */
int tracking_enable(struct client *c, const struct tracking_options *o);
/* Turn it off (CLIENT TRACKING OFF, RESET, disconnect); no-op if off.
 * Its records go lazily, when their keys change, as in Redis. */
void tracking_disable(struct client *c);
/* A prefix of c's that overlaps `p` (one starts the other), or NULL. */
const char *tracking_overlapping_prefix(const struct client *c, const char *p, size_t len,
                                        size_t *found_len);
/* How many BCAST prefixes c has (client_memory counts them). */
size_t tracking_prefix_count(const struct client *c);
/* CLIENT TRACKINGINFO's prefixes: an array of c's, sorted. */
void tracking_reply_prefixes(struct resp_out *out, const struct client *c);

/* ---- the dispatcher's hooks ---------------------------------------------------- */

/* A read-only command of c ran: record c as a reader of its keys, held
 * in `db` by the caller (OPTIN/OPTOUT and CLIENT CACHING decide). */
void tracking_remember_keys(struct client *c, const struct command *cmd,
                            const struct resp_arg *argv, size_t argc, struct keyspace_db *db);

/* c's command starts running on this thread (nested calls: no-op). */
static inline void tracking_command_begin(struct client *c)
{
    if (tracking__running == NULL)
        tracking__running = c;
}

void tracking__command_end(struct client *c, const struct command *cmd);
/* c's command is done, its reply written (`cmd`: the command it named,
 * NULL if unknown): send what waited for it, the broadcasts it caused,
 * and forget CLIENT CACHING unless in MULTI or the command was CLIENT. */
static inline void tracking_command_end(struct client *c, const struct command *cmd)
{
    tracking__running = NULL;
    if (__builtin_expect(tracking__npending > 0 || tracking_active() ||
                             (c->flags & CLIENT_TRACKING_CACHING),
                         0))
        tracking__command_end(c, cmd);
}

/* Serving a blocked client (id, on worker w) from this thread: it is the
 * current client meanwhile; its invalidations are posted after its reply
 * at tracking_serve_end. */
struct tracking_serve {
    size_t mark; /* where its invalidations start among those waiting */
};
void tracking_serve_begin(struct tracking_serve *s, uint64_t id, struct worker *w, bool noloop);
void tracking_serve_end(struct tracking_serve *s);

/* FLUSHDB, FLUSHALL, DEBUG RELOAD: every tracking client hears that
 * everything changed. Any thread; takes no shard lock. */
void tracking_flushed(void);

/* tracking-table-max-keys: invalidate tracked keys at random until under
 * it (a bounded effort per call, growing while over it, as Redis). Takes
 * shard locks: call it holding none. */
void tracking_enforce_limit(void);
/* The cron: the limit, and broadcasts of changes it made (expiry). */
void tracking_cron(void);

/* INFO's figures. */
struct tracking_stats {
    unsigned long long clients, keys, items, prefixes;
};
void tracking_stats(struct tracking_stats *out);

#endif
