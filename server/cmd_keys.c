/*
 * cmd_keys.c - the generic key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH,
 * RENAME, RENAMENX, COPY, MOVE, SWAPDB, KEYS, SCAN, RANDOMKEY and OBJECT
 * with its subcommands. Replies and error texts follow Redis 7.0
 * (db.c, object.c), including the order in which errors are checked.
 *
 * Locking: the dispatcher holds the shards of every declared key while a
 * handler runs, except for
 *   - COPY and MOVE (CMD_SELF_LOCK): their destination may live in another
 *     database, so they build a lockset of both shards themselves;
 *   - KEYS, SCAN, RANDOMKEY and SWAPDB (no declared keys): the keyspace's
 *     [locks] functions take one shard at a time (SWAPDB: all of both dbs).
 *
 * Lookups follow Redis's: read lookups count keyspace hits/misses, and
 * every lookup that Redis does without LOOKUP_NOTOUCH records an access
 * (unless the client asked for CLIENT NO-TOUCH, which TOUCH ignores).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "glob.h"
#include "keyspace.h"
#include "server.h"

/* Redis's shared.sameobjecterr and the range text of MOVE, COPY and SWAPDB. */
#define ERR_SAME_OBJECT "ERR source and destination objects are the same"
#define ERR_DB_RANGE "ERR DB index is out of range"

/* OBJECT REFCOUNT of a shared integer (Redis's OBJ_SHARED_REFCOUNT). */
#define SHARED_REFCOUNT INT_MAX
/* Redis shares the integer objects 0..OBJ_SHARED_INTEGERS-1. */
#define SHARED_INTEGERS 10000

/* ---- helpers ------------------------------------------------------------------- */

static bool arg_equal(const struct resp_arg *a, const struct resp_arg *b)
{
    return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* A database index argument as SELECT-style commands take it: the int
 * parse errors, then "DB index is out of range". */
static struct keyspace_db *db_arg_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg)
{
    int id;
    if (!arg_to_int_or_reply(ctx, arg, &id, NULL))
        return NULL;
    if (id < 0 || id >= server.cfg.databases) {
        resp_add_error(ctx->out, ERR_DB_RANGE);
        return NULL;
    }
    return keyspace_db(server.ks, (unsigned)id);
}

static const char *maxmemory_policy(void)
{
    return config_maxmemory_policies[server.cfg.maxmemory_policy];
}

static bool policy_is_lfu(void)
{
    return strstr(maxmemory_policy(), "lfu") != NULL;
}

/* ---- DEL, UNLINK, EXISTS, TOUCH, TYPE -------------------------------------------- */

/* UNLINK frees values here too: Grove's values are a single allocation or
 * a flat buffer, so there is nothing worth handing to another thread. */
/* DEL and UNLINK (`why` tells the lazyfree callback which). */
static void delete_keys(struct cmd_ctx *ctx, enum keyspace_free_reason why)
{
    long long deleted = 0;
    for (size_t i = 1; i < ctx->argc; i++) {
        struct cmd_key k;
        cmd_key(ctx, i, &k);
        if (keyspace_delete_for(k.shard, &k.key, ctx->now_ms, why)) {
            deleted++;
            cmd_notify(ctx, NOTIFY_GENERIC, "del", &ctx->argv[i]);
        }
    }
    resp_add_integer(ctx->out, deleted);
}

static void del_command(struct cmd_ctx *ctx)
{
    delete_keys(ctx, KEYSPACE_FREE_DEL);
}

static void unlink_command(struct cmd_ctx *ctx)
{
    delete_keys(ctx, KEYSPACE_FREE_UNLINK);
}

/* Repeated keys count as many times as they are named. */
static void count_existing(struct cmd_ctx *ctx, unsigned flags)
{
    long long found = 0;
    for (size_t i = 1; i < ctx->argc; i++) {
        struct cmd_key k;
        cmd_key(ctx, i, &k);
        /* Not cmd_find: TOUCH touches even under CLIENT NO-TOUCH. */
        if (keyspace_find(k.shard, &k.key, ctx->now_ms, flags | KEYSPACE_LOOKUP_READ) != NULL)
            found++;
        else
            cmd_notify_miss(ctx, &k);
    }
    resp_add_integer(ctx->out, found);
}

static void exists_command(struct cmd_ctx *ctx)
{
    count_existing(ctx, KEYSPACE_LOOKUP_NOTOUCH | KEYSPACE_LOOKUP_COUNT);
}

/* TOUCH records an access even for a CLIENT NO-TOUCH client (Redis 7.2). */
static void touch_command(struct cmd_ctx *ctx)
{
    count_existing(ctx, KEYSPACE_LOOKUP_COUNT);
}

static void type_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    cmd_key(ctx, 1, &k);
    struct hashmap_entry *e = cmd_find(ctx, &k, KEYSPACE_LOOKUP_NOTOUCH | KEYSPACE_LOOKUP_COUNT);
    if (e == NULL)
        resp_add_simple(ctx->out, "none");
    else
        resp_add_simple(ctx->out, object_type_name(object_type(keyspace_object(e))));
}

/* ---- RENAME, RENAMENX -------------------------------------------------------------- */

/* The value moves with its TTL, LRU and LFU, as Redis moves the object.
 * The destination is looked up first (it may expire and be deleted) so
 * that the source entry stays valid until the rename. */
static void rename_generic(struct cmd_ctx *ctx, bool nx)
{
    struct cmd_key src, dst;
    cmd_key(ctx, 1, &src);
    cmd_key(ctx, 2, &dst);
    bool same = arg_equal(&ctx->argv[1], &ctx->argv[2]);
    bool dst_exists =
        !same && cmd_find(ctx, &dst, KEYSPACE_LOOKUP_NOTOUCH);
    struct hashmap_entry *e = cmd_find(ctx, &src, 0);
    if (e == NULL) {
        resp_add_error(ctx->out, "ERR no such key");
        return;
    }
    if (same || (nx && dst_exists)) {
        if (nx)
            resp_add_integer(ctx->out, 0);
        else
            resp_add_ok(ctx->out);
        return;
    }
    if (keyspace_rename(src.shard, e, dst.shard, &dst.key, ctx->now_ms, NULL) < 0) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    if (dst_exists) /* Redis deletes it and adds the key anew */
        cmd_notify(ctx, NOTIFY_NEW, "new", &ctx->argv[2]);
    cmd_notify(ctx, NOTIFY_GENERIC, "rename_from", &ctx->argv[1]);
    cmd_notify(ctx, NOTIFY_GENERIC, "rename_to", &ctx->argv[2]);
    if (nx)
        resp_add_integer(ctx->out, 1);
    else
        resp_add_ok(ctx->out);
}

static void rename_command(struct cmd_ctx *ctx)
{
    rename_generic(ctx, false);
}

static void renamenx_command(struct cmd_ctx *ctx)
{
    rename_generic(ctx, true);
}

/* ---- COPY, MOVE ------------------------------------------------------------------- */

/* Both commands may reach into a second database, so they lock the two
 * shards themselves (ascending order, in one lockset). */
static bool lock_two(struct cmd_ctx *ctx, struct keyspace_lockset *set, struct keyspace_shard *a,
                     struct keyspace_shard *b)
{
    keyspace_lockset_init(set);
    if (keyspace_lockset_add(set, a) < 0 || keyspace_lockset_add(set, b) < 0) {
        keyspace_lockset_deinit(set);
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    keyspace_lockset_lock(set);
    return true;
}

static void unlock_two(struct keyspace_lockset *set)
{
    keyspace_lockset_unlock(set);
    keyspace_lockset_deinit(set);
}

/* COPY source destination [DB destination-db] [REPLACE]: options parsed
 * left to right as Redis does (a later DB wins; errors as they come). */
static bool parse_copy_options(struct cmd_ctx *ctx, struct keyspace_db **dst_db, bool *replace)
{
    *dst_db = ctx->db;
    *replace = false;
    for (size_t j = 3; j < ctx->argc; j++) {
        size_t additional = ctx->argc - j - 1;
        if (arg_is(&ctx->argv[j], "replace")) {
            *replace = true;
        } else if (arg_is(&ctx->argv[j], "db") && additional >= 1) {
            *dst_db = db_arg_or_reply(ctx, &ctx->argv[j + 1]);
            if (*dst_db == NULL)
                return false;
            j++;
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

/* Lookups in Redis's order of effects: the source (a read: counted and
 * touched), then the destination. The destination is probed first here
 * only so that its expiry cannot disturb the source entry; a missing
 * source still answers 0 whatever the destination holds. */
static void copy_command(struct cmd_ctx *ctx)
{
    struct keyspace_db *dst_db;
    bool replace;
    if (!parse_copy_options(ctx, &dst_db, &replace))
        return;
    if (dst_db == ctx->db && arg_equal(&ctx->argv[1], &ctx->argv[2])) {
        resp_add_error(ctx->out, ERR_SAME_OBJECT);
        return;
    }
    struct cmd_key src, dst;
    cmd_key(ctx, 1, &src);
    keyspace_key_init(server.ks, &dst.key, ctx->argv[2].ptr, ctx->argv[2].len);
    dst.shard = keyspace_shard_of(dst_db, &dst.key);

    struct keyspace_lockset locks;
    if (!lock_two(ctx, &locks, src.shard, dst.shard))
        return;
    bool dst_exists = cmd_find(ctx, &dst, KEYSPACE_LOOKUP_NOTOUCH);
    struct hashmap_entry *e = cmd_find(ctx, &src, KEYSPACE_LOOKUP_COUNT);
    if (e == NULL || (dst_exists && !replace)) {
        resp_add_integer(ctx->out, 0);
    } else if (keyspace_copy(e, dst.shard, &dst.key, ctx->now_ms, NULL) < 0) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    } else {
        unsigned db = keyspace_db_index(dst_db);
        if (dst_exists) /* Redis deletes it and adds the key anew */
            notify_event(NOTIFY_NEW, "new", ctx->argv[2].ptr, ctx->argv[2].len, db);
        notify_event(NOTIFY_GENERIC, "copy_to", ctx->argv[2].ptr, ctx->argv[2].len, db);
        resp_add_integer(ctx->out, 1);
    }
    unlock_two(&locks);
}

static void move_command(struct cmd_ctx *ctx)
{
    struct keyspace_db *dst_db = db_arg_or_reply(ctx, &ctx->argv[2]);
    if (dst_db == NULL)
        return;
    if (dst_db == ctx->db) {
        resp_add_error(ctx->out, ERR_SAME_OBJECT);
        return;
    }
    struct cmd_key src;
    cmd_key(ctx, 1, &src);
    struct keyspace_shard *dst_shard = keyspace_shard_of(dst_db, &src.key);

    struct keyspace_lockset locks;
    if (!lock_two(ctx, &locks, src.shard, dst_shard))
        return;
    bool dst_exists = keyspace_find(dst_shard, &src.key, ctx->now_ms, KEYSPACE_LOOKUP_NOTOUCH);
    struct hashmap_entry *e = cmd_find(ctx, &src, 0);
    if (e == NULL || dst_exists) {
        resp_add_integer(ctx->out, 0);
    } else if (keyspace_rename(src.shard, e, dst_shard, &src.key, ctx->now_ms, NULL) < 0) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    } else {
        cmd_notify(ctx, NOTIFY_GENERIC, "move_from", &ctx->argv[1]);
        notify_event(NOTIFY_GENERIC, "move_to", ctx->argv[1].ptr, ctx->argv[1].len,
                     keyspace_db_index(dst_db));
        resp_add_integer(ctx->out, 1);
    }
    unlock_two(&locks);
}

/* ---- SWAPDB ----------------------------------------------------------------------- */

static void swapdb_command(struct cmd_ctx *ctx)
{
    int a, b;
    if (!arg_to_int_or_reply(ctx, &ctx->argv[1], &a, "ERR invalid first DB index") ||
        !arg_to_int_or_reply(ctx, &ctx->argv[2], &b, "ERR invalid second DB index"))
        return;
    if (a < 0 || a >= server.cfg.databases || b < 0 || b >= server.cfg.databases) {
        resp_add_error(ctx->out, ERR_DB_RANGE);
        return;
    }
    keyspace_swapdb(server.ks, (unsigned)a, (unsigned)b, ctx->now_ms);
    resp_add_ok(ctx->out);
}

/* ---- KEYS, SCAN, RANDOMKEY ---------------------------------------------------------- */

/* What SCAN and KEYS filter by. The one-byte pattern "*" matches every key,
 * the empty one included (Redis skips the matcher for it). */
struct key_filter {
    const char *pattern;
    size_t plen;
    bool all;
    const struct resp_arg *type; /* SCAN TYPE, NULL when absent */
    struct resp_out *out;
    size_t n;
};

static void filter_init(struct key_filter *f, const struct resp_arg *pattern,
                        const struct resp_arg *type, struct resp_out *out)
{
    f->pattern = pattern ? pattern->ptr : "*";
    f->plen = pattern ? pattern->len : 1;
    f->all = f->plen == 1 && f->pattern[0] == '*';
    f->type = type;
    f->out = out;
    f->n = 0;
}

/* Called with the key's shard locked: only the reply buffer is touched. */
static void filter_key_cb(const char *key, size_t len, const struct object *obj, void *ud)
{
    struct key_filter *f = ud;
    if (!f->all && !glob_match(f->pattern, f->plen, key, len, false))
        return;
    if (f->type != NULL && !arg_is(f->type, object_type_name(object_type(obj))))
        return;
    resp_add_bulk(f->out, key, len);
    f->n++;
}

static void keys_command(struct cmd_ctx *ctx)
{
    struct key_filter f;
    filter_init(&f, &ctx->argv[1], NULL, ctx->out);
    size_t handle = resp_add_deferred_len(ctx->out);
    keyspace_keys(ctx->db, ctx->now_ms, filter_key_cb, &f);
    resp_set_deferred_array_len(ctx->out, handle, f.n);
}

struct scan_args {
    uint64_t cursor;
    long long count;
    const struct resp_arg *pattern, *type;
};

static bool parse_scan_args(struct cmd_ctx *ctx, struct scan_args *a)
{
    if (!arg_to_scan_cursor(&ctx->argv[1], &a->cursor)) {
        resp_add_error(ctx->out, "ERR invalid cursor");
        return false;
    }
    a->count = 10;
    a->pattern = a->type = NULL;
    for (size_t i = 2; i < ctx->argc; i += 2) {
        const struct resp_arg *opt = &ctx->argv[i];
        bool has_value = ctx->argc - i >= 2;
        if (has_value && arg_is(opt, "count")) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[i + 1], &a->count))
                return false;
            if (a->count < 1) {
                reply_syntax_error(ctx);
                return false;
            }
        } else if (has_value && arg_is(opt, "match")) {
            a->pattern = &ctx->argv[i + 1];
        } else if (has_value && arg_is(opt, "type")) {
            a->type = &ctx->argv[i + 1];
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

/* SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. COUNT bounds the
 * keys visited, before MATCH and TYPE filter them, as in Redis. The keys
 * go to a side buffer because the next cursor is replied first. */
static void scan_command(struct cmd_ctx *ctx)
{
    struct scan_args a;
    if (!parse_scan_args(ctx, &a))
        return;
    struct resp_out keys;
    resp_out_init(&keys, ctx->out->proto);
    struct key_filter f;
    filter_init(&f, a.pattern, a.type, &keys);
    uint64_t next = keyspace_scan(ctx->db, a.cursor, (size_t)a.count, ctx->now_ms,
                                  filter_key_cb, &f);
    if (keys.oom) {
        resp_out_deinit(&keys);
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    char cursor[24];
    int n = snprintf(cursor, sizeof(cursor), "%llu", (unsigned long long)next);
    resp_add_array_len(ctx->out, 2);
    resp_add_bulk(ctx->out, cursor, (size_t)n);
    resp_add_array_len(ctx->out, f.n);
    resp_add_raw(ctx->out, keys.data, keys.len);
    resp_out_deinit(&keys);
}

struct random_key {
    char *key;
    size_t len;
};

/* Called with the shard locked: copy the name out. */
static void random_key_cb(const char *key, size_t len, const struct object *obj, void *ud)
{
    struct random_key *r = ud;
    (void)obj;
    r->key = malloc(len ? len : 1);
    if (r->key != NULL) {
        memcpy(r->key, key, len);
        r->len = len;
    }
}

static void randomkey_command(struct cmd_ctx *ctx)
{
    struct random_key r = {NULL, 0};
    if (!keyspace_random_key(ctx->db, ctx->now_ms, random_key_cb, &r)) {
        resp_add_null(ctx->out);
        return;
    }
    if (r.key == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    resp_add_bulk(ctx->out, r.key, r.len);
    free(r.key);
}

/* ---- OBJECT ----------------------------------------------------------------------- */

/* The key of OBJECT <sub> key, or a null reply. Redis looks it up with
 * LOOKUP_NOTOUCH, counting hits and misses, and LOOKUP_NONOTIFY: not
 * cmd_find, which would raise "keymiss". */
static const struct object *object_lookup_or_reply(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    cmd_key(ctx, 2, &k);
    struct hashmap_entry *e =
        keyspace_find(k.shard, &k.key, ctx->now_ms,
                      KEYSPACE_LOOKUP_NOTOUCH | KEYSPACE_LOOKUP_COUNT | KEYSPACE_LOOKUP_READ);
    if (e == NULL) {
        resp_add_null(ctx->out);
        return NULL;
    }
    return keyspace_object(e);
}

static void object_encoding_command(struct cmd_ctx *ctx)
{
    const struct object *o = object_lookup_or_reply(ctx);
    if (o != NULL)
        resp_add_bulk_cstr(ctx->out, object_encoding_name(object_encoding(o)));
}

/* Redis shares the objects of the integers 0..9999 (refcount INT_MAX)
 * unless maxmemory is set with an LRU or LFU policy, which needs a clock
 * per object. Grove stores every integer inline and reports what Redis
 * would for a value created under the current settings. */
static bool shares_integers(void)
{
    const char *policy = maxmemory_policy();
    return server.cfg.maxmemory == 0 ||
           (strstr(policy, "lru") == NULL && strstr(policy, "lfu") == NULL);
}

static void object_refcount_command(struct cmd_ctx *ctx)
{
    const struct object *o = object_lookup_or_reply(ctx);
    if (o == NULL)
        return;
    int64_t v;
    bool shared = object_type(o) == OBJECT_STRING && object_encoding(o) == OBJECT_ENC_INT &&
                  object_string_to_int(o, &v) && v >= 0 && v < SHARED_INTEGERS &&
                  shares_integers();
    resp_add_integer(ctx->out, shared ? SHARED_REFCOUNT : 1);
}

static void object_idletime_command(struct cmd_ctx *ctx)
{
    const struct object *o = object_lookup_or_reply(ctx);
    if (o == NULL)
        return;
    if (policy_is_lfu()) {
        resp_add_error(ctx->out, "ERR An LFU maxmemory policy is selected, idle time not "
                                 "tracked. Please note that when switching between policies at "
                                 "runtime LRU and LFU data will take some time to adjust.");
        return;
    }
    resp_add_integer(ctx->out, (long long)(object_idle_ms(o, ctx->now_ms) / 1000));
}

static void object_freq_command(struct cmd_ctx *ctx)
{
    const struct object *o = object_lookup_or_reply(ctx);
    if (o == NULL)
        return;
    if (!policy_is_lfu()) {
        resp_add_error(ctx->out, "ERR An LFU maxmemory policy is not selected, access frequency "
                                 "not tracked. Please note that when switching between policies "
                                 "at runtime LRU and LFU data will take some time to adjust.");
        return;
    }
    resp_add_integer(ctx->out, object_lfu_decayed(o, ctx->now_ms, (uint32_t)server.cfg.lfu_decay_time));
}

static void object_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        NULL,
    };
    reply_help(ctx, lines);
}

static void object_command(struct cmd_ctx *ctx)
{
    /* Only reached without a subcommand: the container's arity error. */
    reply_wrong_arity(ctx, ctx->cmd);
}

/* ---- the table ------------------------------------------------------------------- */

#define KEY_ARG(name) {name, "key", NULL, 0, NULL}
#define KEYS_ARG {"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL}
#define ONE_KEY_ARGS (const struct command_arg[]){KEY_ARG("key"), {0}}

static struct command object_subcommands[] = {
    {.name = "encoding", .arity = 3, .flags = CMD_READONLY, .first_key = 2, .last_key = 2,
     .key_step = 1, .proc = object_encoding_command, .group = "generic",
     .summary = "Inspect the internal encoding of a Redis object", .since = "2.2.3",
     .complexity = "O(1)", .args = ONE_KEY_ARGS},
    {.name = "freq", .arity = 3, .flags = CMD_READONLY, .first_key = 2, .last_key = 2,
     .key_step = 1, .proc = object_freq_command, .group = "generic",
     .summary = "Get the logarithmic access frequency counter of a Redis object",
     .since = "4.0.0", .complexity = "O(1)", .args = ONE_KEY_ARGS},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = object_help_command,
     .group = "generic", .summary = "Show helpful text about the different subcommands",
     .since = "6.2.0", .complexity = "O(1)"},
    {.name = "idletime", .arity = 3, .flags = CMD_READONLY, .first_key = 2, .last_key = 2,
     .key_step = 1, .proc = object_idletime_command, .group = "generic",
     .summary = "Get the time since a Redis object was last accessed", .since = "2.2.3",
     .complexity = "O(1)", .args = ONE_KEY_ARGS},
    {.name = "refcount", .arity = 3, .flags = CMD_READONLY, .first_key = 2, .last_key = 2,
     .key_step = 1, .proc = object_refcount_command, .group = "generic",
     .summary = "Get the number of references to the value of the key", .since = "2.2.3",
     .complexity = "O(1)", .args = ONE_KEY_ARGS},
    {0},
};

struct command keyspace_commands[] = {
    {.name = "del", .arity = -2, .flags = CMD_WRITE, .first_key = 1, .last_key = -1,
     .key_step = 1, .proc = del_command, .group = "generic", .summary = "Delete a key",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys that will be removed. When a key to "
                   "remove holds a value other than a string, the individual complexity for this "
                   "key is O(M) where M is the number of elements in the list, set, sorted set or "
                   "hash. Removing a single key that holds a string value is O(1).",
     .args = (const struct command_arg[]){KEYS_ARG, {0}}},
    {.name = "unlink", .arity = -2, .flags = CMD_WRITE | CMD_FAST, .first_key = 1,
     .last_key = -1, .key_step = 1, .proc = unlink_command, .group = "generic",
     .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but "
                "non blocking.",
     .since = "4.0.0",
     .complexity = "O(1) for each key removed regardless of its size. Then the command does O(N) "
                   "work in a different thread in order to reclaim memory, where N is the number "
                   "of allocations the deleted objects where composed of.",
     .args = (const struct command_arg[]){KEYS_ARG, {0}}},
    {.name = "exists", .arity = -2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1,
     .last_key = -1, .key_step = 1, .proc = exists_command, .group = "generic",
     .summary = "Determine if a key exists", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to check.",
     .args = (const struct command_arg[]){KEYS_ARG, {0}}},
    {.name = "type", .arity = 2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1, .last_key = 1,
     .key_step = 1, .proc = type_command, .group = "generic",
     .summary = "Determine the type stored at key", .since = "1.0.0",
     .complexity = "O(1)", .args = ONE_KEY_ARGS},
    {.name = "touch", .arity = -2, .flags = CMD_READONLY | CMD_FAST, .first_key = 1,
     .last_key = -1, .key_step = 1, .proc = touch_command, .group = "generic",
     .summary = "Alters the last access time of a key(s). Returns the number of existing keys "
                "specified.",
     .since = "3.2.1", .complexity = "O(N) where N is the number of keys that will be touched.",
     .args = (const struct command_arg[]){KEYS_ARG, {0}}},
    {.name = "rename", .arity = 3, .flags = CMD_WRITE, .first_key = 1, .last_key = 2,
     .key_step = 1, .proc = rename_command, .group = "generic",
     .summary = "Rename a key", .since = "1.0.0",
     .complexity = "O(1)",
     .args = (const struct command_arg[]){KEY_ARG("key"), KEY_ARG("newkey"), {0}}},
    {.name = "renamenx", .arity = 3, .flags = CMD_WRITE | CMD_FAST, .first_key = 1,
     .last_key = 2, .key_step = 1, .proc = renamenx_command, .group = "generic",
     .summary = "Rename a key, only if the new key does not exist", .since = "1.0.0",
     .complexity = "O(1)",
     .args = (const struct command_arg[]){KEY_ARG("key"), KEY_ARG("newkey"), {0}}},
    {.name = "copy", .arity = -3, .flags = CMD_WRITE | CMD_DENYOOM | CMD_SELF_LOCK,
     .first_key = 1, .last_key = 2, .key_step = 1, .proc = copy_command, .group = "generic",
     .summary = "Copy a key", .since = "6.2.0",
     .complexity = "O(N) worst case for collections, where N is the number of nested items. "
                   "O(1) for string values.",
     .args = (const struct command_arg[]){
         KEY_ARG("source"), KEY_ARG("destination"),
         {"destination-db", "integer", "DB", COMMAND_ARG_OPTIONAL, NULL},
         {"replace", "pure-token", "REPLACE", COMMAND_ARG_OPTIONAL, NULL}, {0}}},
    {.name = "move", .arity = 3, .flags = CMD_WRITE | CMD_FAST | CMD_SELF_LOCK, .first_key = 1,
     .last_key = 1, .key_step = 1, .proc = move_command, .group = "generic",
     .summary = "Move a key to another database", .since = "1.0.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){KEY_ARG("key"), {"db", "integer", NULL, 0, NULL},
                                          {0}}},
    {.name = "swapdb", .arity = 3, .flags = CMD_SELF_LOCK | CMD_WRITE | CMD_FAST, .proc = swapdb_command,
     .acl = ACL_KEYSPACE | ACL_DANGEROUS, .group = "server",
     .summary = "Swaps two Redis databases", .since = "4.0.0",
     .complexity = "O(N) where N is the count of clients watching or blocking on keys from both "
                   "databases.",
     .args = (const struct command_arg[]){{"index1", "integer", NULL, 0, NULL},
                                          {"index2", "integer", NULL, 0, NULL}, {0}}},
    {.name = "keys", .arity = 2, .flags = CMD_SELF_LOCK | CMD_READONLY, .proc = keys_command,
     .acl = ACL_KEYSPACE | ACL_DANGEROUS, .group = "generic",
     .summary = "Find all keys matching the given pattern", .since = "1.0.0",
     .complexity = "O(N) with N being the number of keys in the database, under the assumption "
                   "that the key names in the database and the given pattern have limited "
                   "length.",
     .args = (const struct command_arg[]){{"pattern", "pattern", NULL, 0, NULL}, {0}}},
    {.name = "scan", .arity = -2, .flags = CMD_SELF_LOCK | CMD_READONLY, .proc = scan_command,
     .group = "generic", .summary = "Incrementally iterate the keys space",
     .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command "
                   "calls for the cursor to return back to 0. N is the number of elements inside "
                   "the collection.",
     .args = (const struct command_arg[]){
         {"cursor", "integer", NULL, 0, NULL},
         {"pattern", "pattern", "MATCH", COMMAND_ARG_OPTIONAL, NULL},
         {"count", "integer", "COUNT", COMMAND_ARG_OPTIONAL, NULL},
         {"type", "string", "TYPE", COMMAND_ARG_OPTIONAL, NULL}, {0}}},
    {.name = "randomkey", .arity = 1, .flags = CMD_SELF_LOCK | CMD_READONLY, .proc = randomkey_command,
     .group = "generic", .summary = "Return a random key from the keyspace",
     .since = "1.0.0", .complexity = "O(1)"},
    {.name = "object", .arity = -2, .flags = 0, .proc = object_command, .group = "generic",
     .summary = "A container for object introspection commands", .since = "2.2.3",
     .complexity = "Depends on subcommand.", .subcommands = object_subcommands},
    {0},
};
