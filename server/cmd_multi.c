/*
 * cmd_multi.c - transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * Queuing
 *   MULTI sets CLIENT_MULTI; from then on the dispatcher (command.c,
 *   execute_in_multi) queues every command that passes its checks, copying
 *   its arguments (they point into the query buffer), and answers +QUEUED.
 *   A command refused while queuing (unknown, wrong arity, no-multi, OOM)
 *   is answered at once and sets CLIENT_DIRTY_EXEC: EXEC then answers
 *   EXECABORT and runs nothing. MULTI, EXEC, DISCARD, WATCH, QUIT and RESET
 *   are never queued (CMD_TX_CONTROL), as in Redis.
 *
 * Atomic EXEC
 *   EXEC plans first: it walks the queue tracking SELECT (so keys resolve
 *   in the database they will run in) and collects the shards of every
 *   queued command's declared keys, plus the shards of the watched keys,
 *   in one lockset. It locks them all once, in ascending shard order like
 *   any command, compares the watched versions, and runs every queued
 *   handler without re-locking; then unlocks. To other clients the whole
 *   transaction is one step, like a multi-key command.
 *
 *   Commands that lock shards by themselves (CMD_SELF_LOCK: KEYS, SCAN,
 *   DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, RANDOMKEY, INFO, CONFIG RESETSTAT,
 *   COPY and MOVE) would deadlock under the transaction's locks. EXEC releases the locks before such a command,
 *   runs it, and takes them again for the commands after it. A transaction
 *   that contains one is therefore atomic before it and after it, but not
 *   across it: another client may run between the two parts. So is a
 *   keyed command whose database was mispredicted (a SELECT whose outcome
 *   the plan could not know); it runs with its own locks. Everything else
 *   is atomic.
 *
 * WATCH
 *   Per key, not per shard: core/keyspace keeps a version for each watched
 *   key (see keyspace.h). WATCH records (db, key, hash, version) with the
 *   key's shard locked (the dispatcher locks WATCH's declared keys); EXEC
 *   compares under the transaction's locks and answers a null array if any
 *   version moved. EXEC, DISCARD, UNWATCH, RESET and disconnection release
 *   the watches, which shrinks the shards' tables back.
 *
 * Replies and texts follow Redis 7.0 (verified against redis-server 7.0.15).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "command.h"
#include "script.h"
#include "keyspace.h"
#include "propagate.h"
#include "server.h"

/* A queued command: its arguments live in one block after the argv. */
struct multi_cmd {
    const struct command *cmd;
    size_t argc;
    struct resp_arg *argv;
    unsigned db; /* the database EXEC's plan expects it to run in */
    /* EXEC's second ACL check (rules may change after queuing): why it
     * is now refused, and the key or channel refused */
    enum acl_denied denied;
    size_t denied_arg;
};

struct multi_watch {
    unsigned db;
    uint64_t hash;
    uint64_t version;
    size_t len;
    char key[];
};

/* ---- the queue --------------------------------------------------------------- */

int multi_queue(struct client *c, const struct command *cmd, const struct resp_arg *argv,
                size_t argc)
{
    if (c->mcount == c->mcap) {
        size_t cap = c->mcap ? c->mcap * 2 : 8;
        struct multi_cmd *q = realloc(c->mqueue, cap * sizeof(*q));
        if (q == NULL)
            return -ENOMEM;
        c->mqueue = q;
        c->mcap = cap;
    }
    struct resp_arg *copy = command_args_copy(argv, argc);
    if (copy == NULL)
        return -ENOMEM;
    c->mqueue[c->mcount++] = (struct multi_cmd){.cmd = cmd, .argc = argc, .argv = copy};
    c->mqueue_bytes += sizeof(struct multi_cmd) + argc * sizeof(*argv);
    for (size_t i = 0; i < argc; i++)
        c->mqueue_bytes += argv[i].len;
    return 0;
}

/* Leave MULTI: free the queue, clear the flags. */
static void discard_queue(struct client *c)
{
    for (size_t i = 0; i < c->mcount; i++)
        free(c->mqueue[i].argv);
    free(c->mqueue);
    c->mqueue = NULL;
    c->mcount = c->mcap = 0;
    c->mqueue_bytes = 0;
    c->flags &= ~(uint32_t)(CLIENT_MULTI | CLIENT_DIRTY_EXEC);
}

/* ---- watches ----------------------------------------------------------------- */

static struct keyspace_shard *watch_shard(const struct multi_watch *w, struct keyspace_key *key)
{
    key->ptr = w->key;
    key->len = w->len;
    key->hash = w->hash;
    return keyspace_shard_of(keyspace_db(server.ks, w->db), key);
}

/* Release every watch. With `held` the caller holds the shards (EXEC). */
static void unwatch_all(struct client *c, bool held)
{
    for (size_t i = 0; i < c->nwatched; i++) {
        struct keyspace_key key;
        struct keyspace_shard *sh = watch_shard(c->watched[i], &key);
        if (!held)
            keyspace_shard_lock(sh);
        keyspace_unwatch(sh, &key);
        if (!held)
            keyspace_shard_unlock(sh);
        free(c->watched[i]);
    }
    free(c->watched);
    c->watched = NULL;
    c->nwatched = c->watched_cap = 0;
}

void multi_client_reset(struct client *c)
{
    discard_queue(c);
    unwatch_all(c, false);
}

static bool is_watched(const struct client *c, unsigned db, const struct resp_arg *key)
{
    for (size_t i = 0; i < c->nwatched; i++) {
        const struct multi_watch *w = c->watched[i];
        if (w->db == db && w->len == key->len && memcmp(w->key, key->ptr, key->len) == 0)
            return true;
    }
    return false;
}

/* Watch one key; its shard is locked by the dispatcher. */
static int watch_key(struct cmd_ctx *ctx, size_t argi)
{
    struct client *c = ctx->client;
    unsigned db = keyspace_db_index(ctx->db);
    if (is_watched(c, db, &ctx->argv[argi]))
        return 0; /* Redis keeps one watch per key */
    if (c->nwatched == c->watched_cap) {
        size_t cap = c->watched_cap ? c->watched_cap * 2 : 4;
        struct multi_watch **v = realloc(c->watched, cap * sizeof(*v));
        if (v == NULL)
            return -ENOMEM;
        c->watched = v;
        c->watched_cap = cap;
    }
    struct cmd_key k;
    cmd_key(ctx, argi, &k);
    struct multi_watch *w = malloc(sizeof(*w) + k.key.len);
    if (w == NULL)
        return -ENOMEM;
    if (keyspace_watch(k.shard, &k.key, ctx->now_ms, &w->version) != KEYSPACE_OK) {
        free(w);
        return -ENOMEM;
    }
    w->db = db;
    w->hash = k.key.hash;
    w->len = k.key.len;
    memcpy(w->key, k.key.ptr, k.key.len);
    c->watched[c->nwatched++] = w;
    return 0;
}

/* Under the transaction's locks: did any watched key change? */
static bool watches_changed(const struct client *c, long long now_ms)
{
    for (size_t i = 0; i < c->nwatched; i++) {
        struct keyspace_key key;
        struct keyspace_shard *sh = watch_shard(c->watched[i], &key);
        if (keyspace_watch_version(sh, &key, now_ms) != c->watched[i]->version)
            return true;
    }
    return false;
}

/* ---- EXEC: plan, lock, check, run ---------------------------------------------- */

static bool is_valid_select(const struct multi_cmd *q, unsigned *db)
{
    long long idx;
    if (strcmp(q->cmd->name, "select") != 0 || !arg_to_ll(&q->argv[1], &idx))
        return false;
    if (idx < 0 || keyspace_db(server.ks, (unsigned)idx) == NULL)
        return false;
    *db = (unsigned)idx;
    return true;
}

static bool runs_unlocked(const struct multi_cmd *q)
{
    return (q->cmd->flags & CMD_SELF_LOCK) != 0;
}

/* Every shard the transaction will touch (the whole database of a command
 * that reads keys named by data: SORT BY/GET), with queued commands'
 * expected databases filled in. Returns 0 or -ENOMEM. */
static int plan_locks(struct client *c, struct keyspace_lockset *locks)
{
    unsigned db = (unsigned)c->db;
    for (size_t i = 0; i < c->nwatched; i++) {
        struct keyspace_key key;
        if (keyspace_lockset_add(locks, watch_shard(c->watched[i], &key)) < 0)
            return -ENOMEM;
    }
    for (size_t i = 0; i < c->mcount; i++) {
        struct multi_cmd *q = &c->mqueue[i];
        struct command_keys keys;
        size_t a;
        if (is_valid_select(q, &db))
            continue;
        q->db = db;
        if (runs_unlocked(q) || command_keys_init(&keys, q->cmd, q->argv, q->argc) <= 0)
            continue;
        struct keyspace_db *kdb = keyspace_db(server.ks, db);
        while (command_keys_next(&keys, &a)) {
            struct keyspace_key key;
            keyspace_key_init(server.ks, &key, q->argv[a].ptr, q->argv[a].len);
            if (keyspace_lockset_add(locks, keyspace_shard_of(kdb, &key)) < 0)
                return -ENOMEM;
        }
        if (keys.whole_db && keyspace_lockset_add_db(locks, kdb) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* Run the queue; the lockset is locked on entry and unlocked on return. */
static void run_queue(struct cmd_ctx *ctx, struct keyspace_lockset *locks)
{
    struct client *c = ctx->client;
    bool held = true;
    resp_add_array_len(ctx->out, c->mcount);
    c->flags |= CLIENT_IN_EXEC; /* a blocking command answers at once */
    for (size_t i = 0; i < c->mcount; i++) {
        struct multi_cmd *q = &c->mqueue[i];
        struct command_keys keys;
        bool keyed = command_keys_init(&keys, q->cmd, q->argv, q->argc) > 0;
        bool unlocked = runs_unlocked(q) || (keyed && q->db != (unsigned)c->db);
        if (unlocked && held) {
            propagate_commit(true); /* its writes reach the AOF while held */
            keyspace_lockset_unlock(locks);
        }
        else if (!unlocked && !held)
            keyspace_lockset_lock(locks);
        held = !unlocked;
        if (__builtin_expect(q->denied != ACL_OK, 0)) {
            acl_reply_queued_denied(ctx->out, q->denied);
            continue;
        }
        command__run_queued(c, q->cmd, q->argv, q->argc, ctx->now_ms, held);
    }
    c->flags &= ~(uint32_t)CLIENT_IN_EXEC;
    propagate_commit(false);
    if (held)
        keyspace_lockset_unlock(locks);
}

static bool queue_has_scripts(const struct client *c)
{
    for (size_t i = 0; i < c->mcount; i++)
        if (c->mqueue[i].cmd->flags & CMD_SCRIPT)
            return true;
    return false;
}

/* The queued command lines' flags together (Redis's mstate.cmd_flags):
 * a script's by what it declares. CMD_STALE only if every line has it
 * (Redis's cmd_inv_flags): one line a stale replica refuses is enough. */
static uint32_t queue_flags(const struct client *c)
{
    uint32_t any = 0, all = CMD_STALE;
    for (size_t i = 0; i < c->mcount; i++) {
        const struct multi_cmd *q = &c->mqueue[i];
        uint32_t f = command_line_flags(c, q->cmd, q->argv, q->argc);
        any |= f;
        all &= f;
    }
    return (any & ~(uint32_t)CMD_STALE) | all;
}

/* EXEC's line_flags (command.h): its own and its queue's, but stale-safe
 * only as its queue is, so that a replica whose link went down after the
 * queuing refuses it (EXECABORT ... MASTERDOWN), as Redis's processCommand. */
static uint32_t exec_line_flags(const struct client *c, const struct resp_arg *argv, size_t argc,
                                uint32_t flags)
{
    (void)argv;
    (void)argc;
    return (flags & ~(uint32_t)CMD_STALE) | queue_flags(c);
}

/* Refuse EXEC before running anything: reply, drop queue and watches. */
static void exec_abort(struct cmd_ctx *ctx, const char *error)
{
    if (error)
        resp_add_error(ctx->out, error);
    else
        resp_add_null_array(ctx->out);
    multi_client_reset(ctx->client);
}

/* Check each queued command again, as Redis's EXEC does: the user's
 * rules may have changed since it was queued. Before any shard lock; the
 * refusals are logged once the queue has run (recheck_log). A command
 * queued after an ACL SETUSER in the same transaction is checked against
 * the rules from before it, where Redis checks it after. */
static bool recheck_permissions(struct client *c)
{
    bool any = false;
    bool unrestricted = acl_user_unrestricted(c->user);
    for (size_t i = 0; i < c->mcount; i++) {
        struct multi_cmd *q = &c->mqueue[i];
        q->denied = unrestricted ? ACL_OK
                                 : acl_check(c->user, q->cmd, q->argv, q->argc, &q->denied_arg);
        any |= q->denied != ACL_OK;
    }
    return any;
}

static void recheck_log(struct client *c, long long now_ms)
{
    for (size_t i = 0; i < c->mcount; i++) {
        const struct multi_cmd *q = &c->mqueue[i];
        if (q->denied != ACL_OK)
            acl_log_denied(c, q->denied, q->cmd, q->argv, q->denied_arg, ACL_CONTEXT_MULTI,
                           now_ms);
    }
}

static void exec_command(struct cmd_ctx *ctx)
{
    struct client *c = ctx->client;
    if (!(c->flags & CLIENT_MULTI)) {
        resp_add_error(ctx->out, "ERR EXEC without MULTI");
        return;
    }
    if (c->flags & CLIENT_DIRTY_EXEC) {
        exec_abort(ctx, "EXECABORT Transaction discarded because of previous errors.");
        return;
    }
    if ((queue_flags(c) & CMD_DENYOOM) && server_over_maxmemory()) {
        exec_abort(ctx, "EXECABORT Transaction discarded because of: " ERR_MAXMEMORY_OOM);
        return;
    }
    bool refused = recheck_permissions(c);
    struct keyspace_lockset locks;
    keyspace_lockset_init(&locks);
    if (plan_locks(c, &locks) < 0) {
        keyspace_lockset_deinit(&locks);
        exec_abort(ctx, ERR_OUT_OF_MEMORY);
        return;
    }
    bool scripts = queue_has_scripts(c);
    if (scripts)
        script_lock(); /* before any shard, as the dispatcher does */
    keyspace_lockset_lock(&locks);
    bool changed = watches_changed(c, ctx->now_ms);
    unwatch_all(c, true); /* as Redis: unwatch before running */
    if (changed) {
        keyspace_lockset_unlock(&locks);
    } else {
        /* Out of MULTI while the queue runs (a queued MULTI must not
         * nest); the queue itself is freed afterwards. */
        c->flags &= ~(uint32_t)CLIENT_MULTI;
        run_queue(ctx, &locks);
    }
    if (scripts)
        script_unlock();
    keyspace_lockset_deinit(&locks);
    if (changed) {
        exec_abort(ctx, NULL);
        return;
    }
    if (refused)
        recheck_log(c, ctx->now_ms);
    discard_queue(c);
}

/* ---- MULTI, DISCARD, WATCH, UNWATCH -------------------------------------------- */

static void multi_command(struct cmd_ctx *ctx)
{
    if (ctx->client->flags & CLIENT_MULTI) {
        resp_add_error(ctx->out, "ERR MULTI calls can not be nested");
        return;
    }
    ctx->client->flags |= CLIENT_MULTI;
    resp_add_ok(ctx->out);
}

static void discard_command(struct cmd_ctx *ctx)
{
    if (!(ctx->client->flags & CLIENT_MULTI)) {
        resp_add_error(ctx->out, "ERR DISCARD without MULTI");
        return;
    }
    multi_client_reset(ctx->client);
    resp_add_ok(ctx->out);
}

static void watch_command(struct cmd_ctx *ctx)
{
    if (ctx->client->flags & CLIENT_MULTI) {
        resp_add_error(ctx->out, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    for (size_t i = 1; i < ctx->argc; i++) {
        if (watch_key(ctx, i) < 0) {
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            return;
        }
    }
    resp_add_ok(ctx->out);
}

static void unwatch_command(struct cmd_ctx *ctx)
{
    unwatch_all(ctx->client, false);
    resp_add_ok(ctx->out);
}

/* ---- the table ------------------------------------------------------------------- */

#define TX_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

struct command transaction_commands[] = {
    {.name = "multi", .arity = 1, .flags = TX_FLAGS | CMD_TX_CONTROL | CMD_FAST | CMD_ALLOW_BUSY,
     .proc = multi_command, .group = "transactions", .acl = ACL_TRANSACTION,
     .summary = "Mark the start of a transaction block", .since = "1.2.0", .complexity = "O(1)"},
    {.name = "exec", .arity = 1, .flags = TX_FLAGS | CMD_TX_CONTROL | CMD_SKIP_SLOWLOG,
     .line_flags = exec_line_flags, .proc = exec_command,
     .group = "transactions", .acl = ACL_TRANSACTION,
     .summary = "Execute all commands issued after MULTI", .since = "1.2.0",
     .complexity = "Depends on commands in the transaction"},
    {.name = "discard", .arity = 1, .flags = TX_FLAGS | CMD_TX_CONTROL | CMD_FAST | CMD_ALLOW_BUSY,
     .proc = discard_command, .group = "transactions", .acl = ACL_TRANSACTION,
     .summary = "Discard all commands issued after MULTI", .since = "2.0.0",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch", .arity = -2, .flags = TX_FLAGS | CMD_TX_CONTROL | CMD_FAST | CMD_ALLOW_BUSY, .first_key = 1,
     .last_key = -1, .key_step = 1, .proc = watch_command, .group = "transactions",
     .acl = ACL_TRANSACTION,
     .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
     .since = "2.2.0", .complexity = "O(1) for every key.",
     .args = (const struct command_arg[]){{"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL},
                                          {NULL, NULL, NULL, 0, NULL}}},
    {.name = "unwatch", .arity = 1, .flags = TX_FLAGS | CMD_FAST | CMD_ALLOW_BUSY,
     .proc = unwatch_command, .group = "transactions", .acl = ACL_TRANSACTION,
     .summary = "Forget about all watched keys", .since = "2.2.0",
     .complexity = "O(1)"},
    {.name = NULL},
};
