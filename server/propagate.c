/*
 * propagate.c - the forms commands are appended to the AOF in; see
 * propagate.h.
 *
 * The rewrites read what they need from where the command left it, with
 * its shard locks still held: an absolute expiry from the key itself (so
 * the file holds exactly the deadline the key got), a new value or the
 * popped members from the reply the handler wrote. Every form was checked
 * against what redis-server 7.0 writes to its incr file.
 */
#include "propagate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "keyspace.h"
#include "server.h"

#define PROPAGATE_MAX_ARGS 8

/* An op waiting to be appended: its database and a copy of its line. */
struct op {
    int db;
    unsigned targets;  /* enum propagate_target */
    size_t argc;
    struct resp_arg *argv; /* argv and bytes in one allocation */
};

static _Thread_local struct {
    int depth;
    size_t events;   /* expiry/eviction deletions seen (they touch dirty counts) */
    size_t produced; /* ops produced by this outermost run so far */
    size_t answered; /* runs that produced an op or had it withheld (set_repl) */
    unsigned withheld; /* the targets set_repl took away (enum propagate_target) */
    bool wrapped;    /* MULTI already appended for it */
    struct op *ops;
    size_t nops, cap;
    int order;       /* the ordering lock mode held by this thread, 0 none */
    bool suspended;
    bool streamed;   /* the outermost run fed the replication stream */
} tl;

/* Writer-preferring: an EXEC or a FLUSHALL is not starved by a stream of readers. */
static pthread_rwlock_t order_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

typedef void (*rewrite_fn)(struct cmd_ctx *ctx, const char *reply, size_t len);
static rewrite_fn *rewrites; /* by command id */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* One line to where writes go, of `targets`. */
static void feed(int db, const struct resp_arg *argv, size_t argc, unsigned targets)
{
    if ((targets & PROPAGATE_AOF) && aof_on())
        aof_feed(db, argv, argc);
    if ((targets & PROPAGATE_REPLICAS) && repl_feeding()) {
        repl_feed(db, argv, argc);
        tl.streamed = true;
    }
}

void propagate_set_targets(unsigned targets)
{
    tl.withheld = PROPAGATE_ALL & ~targets;
}

/* ---- ops ------------------------------------------------------------------------ */

static void add_op(int db, unsigned wanted, const struct resp_arg *argv, size_t argc)
{
    unsigned targets = wanted & ~tl.withheld;
    tl.answered++; /* even withheld: the run does not propagate itself instead */
    if (targets == 0)
        return;
    size_t bytes = argc * sizeof(struct resp_arg);
    for (size_t i = 0; i < argc; i++)
        bytes += argv[i].len;
    if (tl.nops == tl.cap) {
        size_t cap = tl.cap ? tl.cap * 2 : 8;
        struct op *v = realloc(tl.ops, cap * sizeof(*v));
        if (!v)
            return;
        tl.ops = v;
        tl.cap = cap;
    }
    struct resp_arg *copy = malloc(bytes ? bytes : 1);
    if (!copy)
        return;
    char *p = (char *)(copy + argc);
    for (size_t i = 0; i < argc; i++) {
        memcpy(p, argv[i].ptr, argv[i].len);
        copy[i] = (struct resp_arg){p, argv[i].len};
        p += argv[i].len;
    }
    tl.ops[tl.nops++] = (struct op){db, targets, argc, copy};
    tl.produced++;
}

static void ctx_op(struct cmd_ctx *ctx, const struct resp_arg *argv, size_t argc)
{
    add_op((int)keyspace_db_index(ctx->db), PROPAGATE_ALL, argv, argc);
}

/* An op added inside the run counts as "a nested run propagated", so
 * propagate__call_end adds nothing of its own. Off the AOF (or suspended)
 * no run is open: depth is 0. */
void propagate_as(struct cmd_ctx *ctx, const struct resp_arg *argv, size_t argc)
{
    if (tl.depth > 0)
        ctx_op(ctx, argv, argc);
}

void propagate_to_replicas(struct cmd_ctx *ctx, const struct resp_arg *argv, size_t argc)
{
    if (tl.depth > 0)
        add_op((int)keyspace_db_index(ctx->db), PROPAGATE_REPLICAS, argv, argc);
}

static const struct resp_arg multi_arg = {"MULTI", 5}, exec_arg = {"EXEC", 4};

void propagate_commit(bool more_may_follow)
{
    if (tl.nops == 0)
        return;
    if (!tl.wrapped && (tl.produced > 1 || more_may_follow)) {
        feed(tl.ops[0].db, &multi_arg, 1, PROPAGATE_ALL);
        tl.wrapped = true;
    }
    for (size_t i = 0; i < tl.nops; i++) {
        feed(tl.ops[i].db, tl.ops[i].argv, tl.ops[i].argc, tl.ops[i].targets);
        free(tl.ops[i].argv);
    }
    tl.nops = 0;
}

/* The outermost run ended. */
static void finish_run(void)
{
    propagate_commit(false);
    if (tl.wrapped)
        feed(-1, &exec_arg, 1, PROPAGATE_ALL);
    tl.wrapped = false;
    tl.produced = 0;
    tl.answered = 0;
    free(tl.ops); /* a thread's list must not outlive it (worker loops end) */
    tl.ops = NULL;
    tl.cap = 0;
}

/* ---- reading a reply ---------------------------------------------------------------- */

/* The bulk string at *p (advanced past it); false if it is not one. */
static bool reply_bulk(const char **p, const char *end, struct resp_arg *out)
{
    if (*p >= end || **p != '$')
        return false;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    long long n = nl ? strtoll(*p + 1, NULL, 10) : -1;
    if (n < 0 || nl + 1 + n > end)
        return false;
    *out = (struct resp_arg){nl + 1, (size_t)n};
    *p = nl + 1 + n + 2;
    return true;
}

/* An aggregate's header at *p: its count (-1 if not an array/set). */
static long long reply_array(const char **p, const char *end)
{
    if (*p >= end || (**p != '*' && **p != '~'))
        return -1;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl)
        return -1;
    long long n = strtoll(*p + 1, NULL, 10);
    *p = nl + 1;
    return n;
}

/* ---- the rewrites ------------------------------------------------------------------- */

/* The key at argv[1]: its absolute expiry (0: no TTL, -1: gone). */
static long long key_expire_at(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    cmd_key(ctx, 1, &k);
    struct hashmap_entry *e = keyspace_find(k.shard, &k.key, ctx->now_ms, KEYSPACE_LOOKUP_NOTOUCH);
    if (!e)
        return -1;
    struct object *o = keyspace_object(e);
    return object_has_ttl(o) ? object_expire_at(o) : 0;
}

static void op_del(struct cmd_ctx *ctx)
{
    struct resp_arg v[2] = {{"DEL", 3}, ctx->argv[1]};
    ctx_op(ctx, v, 2);
}

/* SET key value PXAT <ms>, or the line without GET when no expiry. */
static void set_with_deadline(struct cmd_ctx *ctx, const struct resp_arg *key,
                              const struct resp_arg *val)
{
    char ms[24];
    long long at = key_expire_at(ctx);
    if (at < 0) { /* a deadline already past: the key is gone */
        op_del(ctx);
        return;
    }
    struct resp_arg v[5] = {{"SET", 3}, *key, *val, {"PXAT", 4},
                            {ms, (size_t)snprintf(ms, sizeof(ms), "%lld", at)}};
    ctx_op(ctx, v, at > 0 ? 5 : 3);
}

static void rw_set(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    struct resp_arg v[PROPAGATE_MAX_ARGS];
    bool expire = false;
    size_t n = 0;
    (void)reply;
    (void)len;
    for (size_t i = 3; i < ctx->argc; i++)
        if (arg_is(&ctx->argv[i], "ex") || arg_is(&ctx->argv[i], "px") ||
            arg_is(&ctx->argv[i], "exat") || arg_is(&ctx->argv[i], "pxat"))
            expire = true; /* rewritten as Redis does even for PXAT: "SET k v PXAT ms" */
    if (expire) {
        set_with_deadline(ctx, &ctx->argv[1], &ctx->argv[2]);
        return;
    }
    for (size_t i = 0; i < ctx->argc && n < PROPAGATE_MAX_ARGS; i++)
        if (i < 3 || !arg_is(&ctx->argv[i], "get"))
            v[n++] = ctx->argv[i];
    ctx_op(ctx, v, n);
}

static void rw_setex(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    (void)reply;
    (void)len;
    set_with_deadline(ctx, &ctx->argv[1], &ctx->argv[3]);
}

/* GETSET: SET key value (Redis 6.2 on). */
static void rw_getset(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    (void)reply;
    (void)len;
    struct resp_arg v[3] = {{"SET", 3}, ctx->argv[1], ctx->argv[2]};
    ctx_op(ctx, v, 3);
}

static void rw_getdel(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    (void)reply;
    (void)len;
    op_del(ctx);
}

/* GETEX: PERSIST, PEXPIREAT <ms> or DEL, by what the key has now. */
static void rw_getex(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    char ms[24];
    long long at = key_expire_at(ctx);
    (void)reply;
    (void)len;
    if (at < 0) {
        op_del(ctx);
        return;
    }
    struct resp_arg v[3] = {{at ? "PEXPIREAT" : "PERSIST", at ? 9u : 7u}, ctx->argv[1],
                            {ms, (size_t)snprintf(ms, sizeof(ms), "%lld", at)}};
    ctx_op(ctx, v, at ? 3 : 2);
}

/* EXPIRE and family: PEXPIREAT key <ms> [flags], or DEL when past. */
static void rw_expire(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    struct resp_arg v[PROPAGATE_MAX_ARGS];
    char ms[24];
    long long at = key_expire_at(ctx);
    size_t n = 0;
    (void)reply;
    (void)len;
    if (at < 0) {
        op_del(ctx);
        return;
    }
    bool same = arg_is(&ctx->argv[0], "pexpireat");
    v[n++] = same ? ctx->argv[0] : (struct resp_arg){"PEXPIREAT", 9};
    v[n++] = ctx->argv[1];
    v[n++] = same ? ctx->argv[2] : (struct resp_arg){ms, (size_t)snprintf(ms, sizeof(ms), "%lld", at)};
    for (size_t i = 3; i < ctx->argc && n < PROPAGATE_MAX_ARGS; i++)
        v[n++] = ctx->argv[i];
    ctx_op(ctx, v, n);
}

/* INCRBYFLOAT: SET key <new value> KEEPTTL (the value is the reply). */
static void rw_incrbyfloat(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    struct resp_arg val;
    if (!reply_bulk(&reply, reply + len, &val))
        return;
    struct resp_arg v[4] = {{"SET", 3}, ctx->argv[1], val, {"KEEPTTL", 7}};
    ctx_op(ctx, v, 4);
}

static void rw_hincrbyfloat(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    struct resp_arg val;
    if (!reply_bulk(&reply, reply + len, &val))
        return;
    struct resp_arg v[4] = {{"HSET", 4}, ctx->argv[1], ctx->argv[2], val};
    ctx_op(ctx, v, 4);
}

/* SPOP: one SREM per member popped, or DEL once the set is gone. */
static void rw_spop(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    const char *end = reply + len;
    struct resp_arg m;
    if (ctx->argc > 2 && key_expire_at(ctx) < 0) {
        op_del(ctx);
        return;
    }
    long long n = ctx->argc > 2 ? reply_array(&reply, end) : 1;
    for (long long i = 0; i < n && reply_bulk(&reply, end, &m); i++) {
        struct resp_arg v[3] = {{"SREM", 4}, ctx->argv[1], m};
        ctx_op(ctx, v, 3);
    }
}

/* LMPOP / ZMPOP: [LR]POP or ZPOP{MIN,MAX} <key> <count popped>. */
static void rw_mpop(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    const char *end = reply + len;
    struct resp_arg key;
    long long numkeys;
    char cnt[24];
    if (reply_array(&reply, end) != 2 || !reply_bulk(&reply, end, &key) ||
        !arg_to_ll(&ctx->argv[1], &numkeys))
        return;
    long long popped = reply_array(&reply, end);
    const struct resp_arg *where = &ctx->argv[2 + numkeys];
    bool list = arg_is(&ctx->argv[0], "lmpop");
    const char *name = list ? (arg_is(where, "left") ? "LPOP" : "RPOP")
                            : (arg_is(where, "min") ? "ZPOPMIN" : "ZPOPMAX");
    struct resp_arg v[3] = {{name, strlen(name)}, key,
                            {cnt, (size_t)snprintf(cnt, sizeof(cnt), "%lld", popped)}};
    ctx_op(ctx, v, 3);
}

/* RESTORE key ttl payload ...: a relative TTL becomes absolute (ABSTTL). */
static void rw_restore(struct cmd_ctx *ctx, const char *reply, size_t len)
{
    struct resp_arg v[PROPAGATE_MAX_ARGS + 1];
    bool abs = false;
    char ms[24];
    size_t n = 0;
    (void)reply;
    (void)len;
    for (size_t i = 4; i < ctx->argc; i++)
        abs |= arg_is(&ctx->argv[i], "absttl");
    long long at = key_expire_at(ctx);
    for (size_t i = 0; i < ctx->argc && n < PROPAGATE_MAX_ARGS; i++)
        v[n++] = ctx->argv[i];
    if (!abs && at > 0) {
        v[2] = (struct resp_arg){ms, (size_t)snprintf(ms, sizeof(ms), "%lld", at)};
        v[n++] = (struct resp_arg){"ABSTTL", 6};
    }
    ctx_op(ctx, v, n);
}

static const struct { const char *name; rewrite_fn fn; } rewrite_table[] = {
    {"set", rw_set},           {"setex", rw_setex},       {"psetex", rw_setex},
    {"getex", rw_getex},       {"getdel", rw_getdel},     {"getset", rw_getset},
    {"expire", rw_expire},
    {"pexpire", rw_expire},    {"expireat", rw_expire},   {"pexpireat", rw_expire},
    {"incrbyfloat", rw_incrbyfloat}, {"hincrbyfloat", rw_hincrbyfloat},
    {"spop", rw_spop},         {"lmpop", rw_mpop},        {"zmpop", rw_mpop},
    {"restore", rw_restore},
};

static void build_table(void)
{
    rewrites = calloc(command_id_count(), sizeof(*rewrites));
    for (size_t i = 0; rewrites && i < sizeof(rewrite_table) / sizeof(rewrite_table[0]); i++) {
        const char *name = rewrite_table[i].name;
        const struct command *cmd = command_by_own_name(name, strlen(name));
        if (cmd)
            rewrites[cmd->id] = rewrite_table[i].fn;
    }
}

void propagate_init(void)
{
    pthread_once(&init_once, build_table);
}

void propagate_suspend_thread(bool suspended)
{
    tl.suspended = suspended;
}

/* ---- the hook -------------------------------------------------------------------------- */

/* The write counts of the shards of the command's keys (held). */
static unsigned long long keys_dirty(struct cmd_ctx *ctx)
{
    struct command_keys keys;
    unsigned long long n = 0;
    size_t i;

    if ((ctx->cmd->flags & CMD_SELF_LOCK) ||
        command_keys_init(&keys, ctx->cmd, ctx->argv, ctx->argc) <= 0)
        return 0;
    while (command_keys_next(&keys, &i)) {
        struct cmd_key k;
        cmd_key(ctx, i, &k);
        n += keyspace_shard_dirty(k.shard);
    }
    return n;
}

static bool keyed(const struct cmd_ctx *ctx)
{
    struct command_keys keys;
    return !(ctx->cmd->flags & CMD_SELF_LOCK) &&
           command_keys_init(&keys, ctx->cmd, ctx->argv, ctx->argc) > 0;
}

void propagate__call_begin(struct propagate_call *pc, struct cmd_ctx *ctx)
{
    if (tl.suspended) {
        pc->active = false;
        return;
    }
    tl.depth++;
    pc->dirty = keys_dirty(ctx);
    pc->events = tl.events;
    pc->nested = tl.answered;
}

/* Did the run change the data? */
static bool wrote(struct propagate_call *pc, struct cmd_ctx *ctx, const char *reply, size_t len)
{
    if (keyed(ctx))
        return keys_dirty(ctx) - pc->dirty > tl.events - pc->events;
    if (!(ctx->cmd->flags & CMD_WRITE))
        return false;
    return len > 0 && reply[0] != '-' && !(len == 4 && memcmp(reply, ":0\r\n", 4) == 0);
}

void propagate__call_end(struct propagate_call *pc, struct cmd_ctx *ctx, size_t reply_mark)
{
    const char *reply = ctx->out->data + reply_mark;
    size_t len = ctx->out->len - reply_mark;

    if (tl.answered == pc->nested && wrote(pc, ctx, reply, len)) {
        rewrite_fn fn = rewrites ? rewrites[ctx->cmd->id] : NULL;
        if (fn)
            fn(ctx, reply, len);
        else
            ctx_op(ctx, ctx->argv, ctx->argc);
    }
    if (--tl.depth == 0) {
        finish_run();
        /* As Redis's c->woff: the offset right after the client's last
         * write (other loops' writes may be in it too: WAIT waits a
         * little longer, never too little). */
        if (tl.streamed)
            ctx->client->woff = repl_offset();
        tl.streamed = false;
    }
}

void propagate_key_deleted(struct keyspace_shard *sh, const char *key, size_t len)
{
    if (!propagate_on() || tl.suspended)
        return;
    struct resp_arg v[2] = {{"DEL", 3}, {key, len}};
    tl.events++;
    feed((int)(keyspace_shard_id(sh) / keyspace_shards_per_db(server.ks)), v, 2, PROPAGATE_ALL);
}

/* ---- the ordering lock ------------------------------------------------------------------ */

enum { ORDER_NONE, ORDER_SHARED, ORDER_EXCLUSIVE };

/* Exclusive: the writers that lock for themselves, scripts, EXEC. Shared:
 * any other command that writes or names keys (a read may expire one).
 * None for the rest (PING, SCRIPT KILL, SHUTDOWN...): they never wait
 * behind a long script. */
static int order_mode(const struct command *cmd)
{
    if (!cmd)
        return ORDER_SHARED;
    if (((cmd->flags & CMD_SELF_LOCK) && (cmd->flags & CMD_WRITE)) ||
        ((cmd->flags & CMD_SCRIPT) && cmd->numkeys_arg > 0) || strcmp(cmd->name, "exec") == 0)
        return ORDER_EXCLUSIVE;
    if ((cmd->flags & CMD_WRITE) || cmd->first_key > 0 || cmd->numkeys_arg > 0)
        return ORDER_SHARED;
    return ORDER_NONE;
}

int propagate_order_begin(const struct command *cmd)
{
    if (!propagate_on() || tl.order != ORDER_NONE)
        return ORDER_NONE;
    int mode = order_mode(cmd);
    if (mode == ORDER_NONE)
        return ORDER_NONE;
    bool exclusive = mode == ORDER_EXCLUSIVE;
    if (exclusive)
        pthread_rwlock_wrlock(&order_lock);
    else
        pthread_rwlock_rdlock(&order_lock);
    tl.order = exclusive ? ORDER_EXCLUSIVE : ORDER_SHARED;
    return tl.order;
}

void propagate_order_end(int how)
{
    if (how == ORDER_NONE)
        return;
    tl.order = ORDER_NONE;
    pthread_rwlock_unlock(&order_lock);
}
