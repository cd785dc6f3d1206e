/*
 * cmd_set.c - the set commands, after Redis 7.0's t_set.c.
 *
 * SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SPOP SRANDMEMBER SMOVE
 * SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
 *
 * The value is a core/set (set.h) held boxed in the key's entry. Writes
 * change it in place under the shard lock and signal the key modified (for
 * WATCH); a new key's set is built first and stored with keyspace_set_value
 * only when it has a member, and a set whose last member goes is deleted,
 * so an empty set never exists. The object's reported encoding follows the
 * set's form: "intset" while every member is an integer and there are at
 * most set-max-intset-entries (512), else "hashtable" (Redis 7.0 has no
 * listpack sets).
 *
 * The multi-key commands declare every argument from their first key on as
 * a key (SINTERCARD: from argument 2, so LIMIT and its value are locked
 * too, which is harmless), so the dispatcher holds every shard involved.
 * Every source is type-checked before any result is computed, and STORE
 * results are built in full before the destination is touched (it may be
 * one of the sources).
 *
 * Redis's order of checks is kept: counts are parsed before the key is
 * looked up (SPOP, SRANDMEMBER, SINTERCARD), SSCAN's cursor before the key
 * and its options after it. Read commands count keyspace hits/misses.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collection.h"
#include "command.h"
#include "keyspace.h"
#include "set.h"


/* ==== shared helpers ========================================================== */

/* The set at key k, or NULL when absent. False after replying WRONGTYPE.
 * `flags` is KEYSPACE_LOOKUP_COUNT for reads, 0 for writes. */
static bool find_set(struct cmd_ctx *ctx, const struct cmd_key *k, unsigned flags,
                     struct hashmap_entry **entry, struct set **s)
{
    struct object_boxed *boxed;
    bool ok = cmd_find_boxed(ctx, k, flags, OBJECT_SET, entry, &boxed);
    *s = boxed ? set_from_boxed(boxed) : NULL;
    return ok;
}

static void reply_member(struct resp_out *out, const struct set_member *m)
{
    resp_add_bulk(out, m->ptr, m->len);
}

/* The set as a collection (collection.h): for the handlers all the types
 * share, and for stores and in-place changes. */
static size_t len_cb(struct object_boxed *b)
{
    return set_len(set_from_boxed(b));
}

static enum object_encoding encoding_cb(struct object_boxed *b)
{
    return set_encoding(set_from_boxed(b));
}

static bool remove_cb(struct object_boxed *b, const char *member, size_t len)
{
    return set_remove(set_from_boxed(b), member, len);
}

static void scan_member_cb(const struct set_member *m, void *ud)
{
    if (collection_scan_visit(ud, m->ptr, m->len))
        collection_scan_add(ud, m->ptr, m->len);
}

static uint64_t scan_cb(struct object_boxed *b, uint64_t cursor, struct collection_scan *s)
{
    return set_scan(set_from_boxed(b), cursor, scan_member_cb, s);
}

static const struct collection_type set_collection = {
    .type = OBJECT_SET, .len = len_cb, .encoding = encoding_cb, .remove = remove_cb,
    .scan = scan_cb, .compact = OBJECT_ENC_INTSET, .scan_count_scale = 1,
    .notify_class = NOTIFY_SET, .remove_event = "srem",
};

/* Store a new set at k, named by argument `key` (replacing whatever is
 * there), then notify `event` (unless NULL); or delete k when the set is
 * empty (a STORE of an empty result: "del" if there was a key). Takes
 * ownership of s. False after an out-of-memory reply. */
static bool store_set(struct cmd_ctx *ctx, struct cmd_key *k, const struct resp_arg *key,
                      struct set *s, const char *event)
{
    if (set_len(s) == 0) {
        set_destroy(s);
        if (keyspace_delete(k->shard, &k->key, ctx->now_ms))
            cmd_notify(ctx, NOTIFY_GENERIC, "del", key);
        return true;
    }
    if (!collection_store(ctx, &set_collection, k, set_boxed(s)))
        return false;
    if (event != NULL)
        cmd_notify(ctx, NOTIFY_SET, event, key);
    return true;
}

/* Every member of s as a RESP3 set (RESP2 array). */
static void reply_members(struct resp_out *out, struct set *s)
{
    struct set_iter it;
    struct set_member m;
    resp_add_set_len(out, set_len(s));
    set_iter_init(&it, s);
    while (set_iter_next(&it, &m))
        reply_member(out, &m);
    set_iter_deinit(&it);
}

/* ==== SADD, SREM ================================================================= */

static void sadd_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct set *s;
    long long added = 0;
    cmd_key(ctx, 1, &k);
    if (!find_set(ctx, &k, 0, &e, &s))
        return;
    bool fresh = s == NULL;
    if (fresh && (s = set_create(cmd_member_hasher(), cmd_object_limits())) == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    bool oom = false;
    for (size_t i = 2; i < ctx->argc && !oom; i++) {
        bool is_new;
        oom = set_add(s, ctx->argv[i].ptr, ctx->argv[i].len, &is_new) < 0;
        added += is_new;
    }
    if (fresh) {
        if (oom) {
            set_destroy(s);
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            return;
        }
        if (store_set(ctx, &k, &ctx->argv[1], s, "sadd"))
            resp_add_integer(ctx->out, added);
        return;
    }
    if (added > 0 || oom)
        collection_changed(&set_collection, &k, e);
    if (added > 0)
        cmd_notify(ctx, NOTIFY_SET, "sadd", &ctx->argv[1]);
    if (oom)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    else
        resp_add_integer(ctx->out, added);
}

static void srem_command(struct cmd_ctx *ctx)
{
    collection_remove_command(ctx, &set_collection);
}

/* ==== reads ======================================================================= */

static void scard_command(struct cmd_ctx *ctx)
{
    collection_len_command(ctx, &set_collection);
}

/* SISMEMBER and SMISMEMBER's reply about a member (b NULL: a missing key). */
static void reply_is_member(struct cmd_ctx *ctx, struct object_boxed *b,
                            const struct resp_arg *member)
{
    resp_add_integer(ctx->out, b && set_contains(set_from_boxed(b), member->ptr, member->len));
}

static void sismember_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &set_collection, reply_is_member, false);
}

static void smismember_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &set_collection, reply_is_member, true);
}

static void smembers_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct set *s;
    cmd_key(ctx, 1, &k);
    if (!find_set(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &s))
        return;
    if (s == NULL)
        resp_add_set_len(ctx->out, 0);
    else
        reply_members(ctx->out, s);
}

/* ==== SPOP, SRANDMEMBER ========================================================== */

static void spop_count(struct cmd_ctx *ctx)
{
    long long count;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct set *s;
    struct set_member m;
    if (!arg_to_ll(&ctx->argv[2], &count) || count < 0) {
        resp_add_error(ctx->out, "ERR value is out of range, must be positive");
        return;
    }
    cmd_key(ctx, 1, &k);
    if (!find_set(ctx, &k, 0, &e, &s))
        return;
    if (s == NULL || count == 0) {
        resp_add_set_len(ctx->out, 0);
        return;
    }
    cmd_notify(ctx, NOTIFY_SET, "spop", &ctx->argv[1]);
    if ((unsigned long long)count >= set_len(s)) {
        reply_members(ctx->out, s);
        keyspace_delete_entry(k.shard, e);
        cmd_notify(ctx, NOTIFY_GENERIC, "del", &ctx->argv[1]);
        return;
    }
    resp_add_set_len(ctx->out, (size_t)count);
    while (count-- > 0) {
        set_random(s, &m, collection_rand64_cb, NULL);
        reply_member(ctx->out, &m);
        set_remove(s, m.ptr, m.len); /* m.ptr is the set's own bytes: reply first */
    }
    collection_changed(&set_collection, &k, e);
}

/* Distinct members, count < size: a partial Fisher-Yates shuffle over the
 * members' positions (O(size); Redis samples instead for a small count). */
static void random_distinct(struct cmd_ctx *ctx, struct set *s, size_t count)
{
    size_t size = set_len(s);
    struct set_member *all = malloc(size * sizeof(*all));
    size_t *idx = malloc(size * sizeof(*idx));
    if (all == NULL || idx == NULL) {
        free(all);
        free(idx);
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    struct set_iter it;
    size_t n = 0;
    set_iter_init(&it, s);
    while (n < size && set_iter_next(&it, &all[n])) {
        idx[n] = n;
        n++;
    }
    set_iter_deinit(&it);
    resp_add_array_len(ctx->out, count);
    for (size_t i = 0; i < count; i++) {
        size_t j = i + (size_t)collection_rand_below(n - i);
        size_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        reply_member(ctx->out, &all[idx[i]]); /* all[x].ptr may point at all[x].buf */
    }
    free(idx);
    free(all);
}

static void srandmember_count(struct cmd_ctx *ctx)
{
    long long l;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct set *s;
    struct set_member m;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &l))
        return;
    if (l == LLONG_MIN) {
        resp_add_error(ctx->out, "ERR value is out of range, value must between "
                                 "-9223372036854775807 and 9223372036854775807");
        return;
    }
    cmd_key(ctx, 1, &k);
    if (!find_set(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &s))
        return;
    if (s == NULL || l == 0) {
        resp_add_array_len(ctx->out, 0);
        return;
    }
    size_t count = (size_t)(l > 0 ? l : -l), size = set_len(s);
    if (l < 0 || count == 1) {
        resp_add_array_len(ctx->out, count);
        while (count-- && !ctx->out->overflow && !ctx->out->oom) {
            set_random(s, &m, collection_rand64_cb, NULL);
            reply_member(ctx->out, &m);
        }
    } else if (count >= size) {
        struct set_iter it;
        resp_add_array_len(ctx->out, size);
        set_iter_init(&it, s);
        while (set_iter_next(&it, &m))
            reply_member(ctx->out, &m);
        set_iter_deinit(&it);
    } else {
        random_distinct(ctx, s, count);
    }
}

/* SPOP and SRANDMEMBER: with a count each goes its own way; without one,
 * a random member, which SPOP removes. */
static void random_member_generic(struct cmd_ctx *ctx, bool pop)
{
    if (ctx->argc == 3) {
        if (pop)
            spop_count(ctx);
        else
            srandmember_count(ctx);
        return;
    }
    if (ctx->argc > 3) {
        reply_syntax_error(ctx);
        return;
    }
    struct cmd_key k;
    struct hashmap_entry *e;
    struct set *s;
    struct set_member m;
    cmd_key(ctx, 1, &k);
    if (!find_set(ctx, &k, pop ? 0 : KEYSPACE_LOOKUP_COUNT, &e, &s))
        return;
    if (s == NULL) {
        resp_add_null(ctx->out);
        return;
    }
    set_random(s, &m, collection_rand64_cb, NULL);
    reply_member(ctx->out, &m);
    if (pop) {
        set_remove(s, m.ptr, m.len); /* m.ptr is the set's own bytes: reply first */
        cmd_notify(ctx, NOTIFY_SET, "spop", &ctx->argv[1]);
        collection_changed(&set_collection, &k, e);
    }
}

static void spop_command(struct cmd_ctx *ctx)
{
    random_member_generic(ctx, true);
}

static void srandmember_command(struct cmd_ctx *ctx)
{
    random_member_generic(ctx, false);
}

/* ==== SMOVE ======================================================================= */

static void smove_command(struct cmd_ctx *ctx)
{
    struct cmd_key sk, dk;
    const struct resp_arg *member = &ctx->argv[3];
    cmd_key(ctx, 1, &sk);
    cmd_key(ctx, 2, &dk);
    struct hashmap_entry *se = cmd_find(ctx, &sk, 0);
    struct hashmap_entry *de = cmd_find(ctx, &dk, 0);
    if (se == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    if (object_type(keyspace_object(se)) != OBJECT_SET ||
        (de != NULL && object_type(keyspace_object(de)) != OBJECT_SET)) {
        reply_wrongtype(ctx);
        return;
    }
    struct set *src = set_from_boxed(object_boxed(keyspace_object(se)));
    bool present = set_contains(src, member->ptr, member->len);
    if (se == de || !present) {
        resp_add_integer(ctx->out, present);
        return;
    }
    /* Add first, so running out of memory changes nothing (so a new
     * destination's "new" comes before the source's events, unlike Redis). */
    bool added = true;
    if (de == NULL) {
        struct set *dst = set_create(cmd_member_hasher(), cmd_object_limits());
        if (dst == NULL || set_add(dst, member->ptr, member->len, NULL) < 0) {
            set_destroy(dst);
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            return;
        }
        if (!store_set(ctx, &dk, &ctx->argv[2], dst, NULL))
            return;
    } else {
        struct set *dst = set_from_boxed(object_boxed(keyspace_object(de)));
        if (set_add(dst, member->ptr, member->len, &added) < 0) {
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            return;
        }
        if (added) /* a member the destination held already changes nothing there (WATCH) */
            collection_changed(&set_collection, &dk, de);
    }
    set_remove(src, member->ptr, member->len);
    cmd_notify(ctx, NOTIFY_SET, "srem", &ctx->argv[1]);
    collection_changed(&set_collection, &sk, se);
    if (added)
        cmd_notify(ctx, NOTIFY_SET, "sadd", &ctx->argv[2]);
    resp_add_integer(ctx->out, 1);
}

/* ==== SINTER, SUNION, SDIFF and their STORE forms, SINTERCARD ======================= */

/* The sets at argv[first .. first+n), NULL for missing keys, in sets[]
 * (caller-freed). False after replying (WRONGTYPE, out of memory). */
static bool open_sources(struct cmd_ctx *ctx, size_t first, size_t n, struct set ***out)
{
    struct set **sets = calloc(n ? n : 1, sizeof(*sets));
    if (sets == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct cmd_key k;
        struct hashmap_entry *e;
        cmd_key(ctx, first + i, &k);
        if (!find_set(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &sets[i])) {
            free(sets);
            return false;
        }
    }
    *out = sets;
    return true;
}

static int by_size(const void *a, const void *b)
{
    size_t x = set_len(*(struct set *const *)a), y = set_len(*(struct set *const *)b);
    return x < y ? -1 : x > y;
}

enum set_op { OP_INTER, OP_UNION, OP_DIFF };

/* Members of the intersection of sets[0..n) (none NULL), smallest set
 * first: fn for each, until it returns false. */
static void intersect(struct set **sets, size_t n, bool (*fn)(const struct set_member *, void *),
                      void *ud)
{
    qsort(sets, n, sizeof(*sets), by_size);
    struct set_iter it;
    struct set_member m;
    set_iter_init(&it, sets[0]);
    while (set_iter_next(&it, &m)) {
        size_t j = 1;
        while (j < n && (sets[j] == sets[0] || set_contains(sets[j], m.ptr, m.len)))
            j++;
        if (j == n && !fn(&m, ud))
            break;
    }
    set_iter_deinit(&it);
}

struct inter_acc {
    struct resp_out *out; /* SINTER: members replied here */
    struct set *dst;      /* SINTERSTORE: members added here */
    size_t n, limit;      /* SINTERCARD: counted up to limit (0: no limit) */
    bool oom;
};

static bool inter_member_cb(const struct set_member *m, void *ud)
{
    struct inter_acc *a = ud;
    a->n++;
    if (a->out)
        reply_member(a->out, m);
    if (a->dst && set_add(a->dst, m->ptr, m->len, NULL) < 0) {
        a->oom = true;
        return false;
    }
    return a->limit == 0 || a->n < a->limit;
}

/* The union or difference of sets[0..n) (NULL: empty) as a new set, or
 * NULL when out of memory. */
static struct set *union_diff(struct set **sets, size_t n, enum set_op op)
{
    struct set *dst = set_create(cmd_member_hasher(), cmd_object_limits());
    if (dst == NULL)
        return NULL;
    if (op == OP_DIFF && sets[0] == NULL)
        return dst;
    struct set_iter it;
    struct set_member m;
    int rc = SET_OK;
    for (size_t i = 0; i < n && rc == SET_OK; i++) {
        if (sets[i] == NULL)
            continue;
        if (op == OP_DIFF && i > 0)
            break;
        set_iter_init(&it, sets[i]);
        while (rc == SET_OK && set_iter_next(&it, &m)) {
            if (op == OP_DIFF) {
                size_t j = 1;
                while (j < n && (sets[j] == NULL || !set_contains(sets[j], m.ptr, m.len)))
                    j++;
                if (j < n)
                    continue;
            }
            rc = set_add(dst, m.ptr, m.len, NULL);
        }
        set_iter_deinit(&it);
    }
    if (rc < 0) {
        set_destroy(dst);
        return NULL;
    }
    return dst;
}

/* SINTER/SUNION/SDIFF (store false: sources from argv[1]) and their STORE
 * forms (destination argv[1], sources from argv[2]). */
static const char *const store_events[] = {
    [OP_INTER] = "sinterstore", [OP_UNION] = "sunionstore", [OP_DIFF] = "sdiffstore"};

static void set_op_generic(struct cmd_ctx *ctx, enum set_op op, bool store)
{
    size_t first = store ? 2 : 1, n = ctx->argc - first;
    struct set **sets;
    struct set *dst = NULL;
    if (!open_sources(ctx, first, n, &sets))
        return;
    if (op == OP_INTER) {
        bool empty = false;
        for (size_t i = 0; i < n; i++)
            empty |= sets[i] == NULL;
        if (empty && !store) {
            resp_add_set_len(ctx->out, 0);
            goto done;
        }
        if ((dst = set_create(cmd_member_hasher(), cmd_object_limits())) == NULL)
            goto oom;
        if (!empty) {
            struct inter_acc a = {.dst = dst};
            if (!store) {
                /* Reply straight from the smallest set, in its order. */
                struct resp_out items;
                resp_out_init(&items, ctx->out->proto);
                a.out = &items;
                a.dst = NULL;
                intersect(sets, n, inter_member_cb, &a);
                if (items.oom) {
                    resp_out_deinit(&items);
                    goto oom;
                }
                resp_add_set_len(ctx->out, a.n);
                resp_add_raw(ctx->out, items.data, items.len);
                resp_out_deinit(&items);
                goto done;
            }
            intersect(sets, n, inter_member_cb, &a);
            if (a.oom)
                goto oom;
        }
    } else if ((dst = union_diff(sets, n, op)) == NULL) {
        goto oom;
    }
    if (store) {
        struct cmd_key dk;
        size_t len = set_len(dst);
        cmd_key(ctx, 1, &dk);
        struct set *owned = dst;
        dst = NULL;
        if (store_set(ctx, &dk, &ctx->argv[1], owned, store_events[op]))
            resp_add_integer(ctx->out, (long long)len);
    } else {
        reply_members(ctx->out, dst);
    }
    goto done;
oom:
    resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
done:
    set_destroy(dst);
    free(sets);
}

static void sinter_command(struct cmd_ctx *ctx)
{
    set_op_generic(ctx, OP_INTER, false);
}

static void sinterstore_command(struct cmd_ctx *ctx)
{
    set_op_generic(ctx, OP_INTER, true);
}

static void sunion_command(struct cmd_ctx *ctx)
{
    set_op_generic(ctx, OP_UNION, false);
}

static void sunionstore_command(struct cmd_ctx *ctx)
{
    set_op_generic(ctx, OP_UNION, true);
}

static void sdiff_command(struct cmd_ctx *ctx)
{
    set_op_generic(ctx, OP_DIFF, false);
}

static void sdiffstore_command(struct cmd_ctx *ctx)
{
    set_op_generic(ctx, OP_DIFF, true);
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
static void sintercard_command(struct cmd_ctx *ctx)
{
    long long numkeys, limit = 0;
    if (!arg_to_ll(&ctx->argv[1], &numkeys) || numkeys < 1) {
        resp_add_error(ctx->out, "ERR numkeys should be greater than 0");
        return;
    }
    if ((unsigned long long)numkeys > ctx->argc - 2) {
        resp_add_error(ctx->out, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (size_t j = 2 + (size_t)numkeys; j < ctx->argc; j++) {
        if (arg_is(&ctx->argv[j], "limit") && j + 1 < ctx->argc) {
            j++;
            if (!arg_to_ll(&ctx->argv[j], &limit) || limit < 0) {
                resp_add_error(ctx->out, "ERR LIMIT can't be negative");
                return;
            }
        } else {
            reply_syntax_error(ctx);
            return;
        }
    }
    struct set **sets;
    size_t n = (size_t)numkeys;
    if (!open_sources(ctx, 2, n, &sets))
        return;
    struct inter_acc a = {.limit = (size_t)limit};
    bool empty = false;
    for (size_t i = 0; i < n; i++)
        empty |= sets[i] == NULL;
    if (!empty)
        intersect(sets, n, inter_member_cb, &a);
    resp_add_integer(ctx->out, (long long)a.n);
    free(sets);
}

/* ==== SSCAN ======================================================================== */

static void sscan_command(struct cmd_ctx *ctx)
{
    collection_scan_command(ctx, &set_collection);
}

/* ==== the table ===================================================================== */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define KEY_ARG {"key", "key", NULL, 0, NULL}
#define KEYS_ARG {"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL}
#define DEST_ARG {"destination", "key", NULL, 0, NULL}
#define MEMBER_ARG {"member", "string", NULL, 0, NULL}
#define MEMBERS_ARG {"member", "string", NULL, COMMAND_ARG_MULTIPLE, NULL}
#define COUNT_ARG(fl) {"count", "integer", NULL, fl, NULL}
#define SET_CMD(n, ar, fl, fk, lk, fn, sum, si, cx, ag)                                         \
    {.name = n, .arity = ar, .flags = fl, .first_key = fk, .last_key = lk, .key_step = 1,       \
     .proc = fn, .group = "set", .summary = sum, .since = si, .complexity = cx, .args = ag,     \
     .acl = ACL_SET}
#define WRITE_FAST (CMD_WRITE | CMD_DENYOOM | CMD_FAST)
#define READ_FAST (CMD_READONLY | CMD_FAST)
#define STORE_FLAGS (CMD_WRITE | CMD_DENYOOM)
#define TOTAL_COMPLEXITY "O(N) where N is the total number of elements in all given sets."

struct command set_commands[] = {
    SET_CMD("sadd", -3, WRITE_FAST, 1, 1, sadd_command, "Add one or more members to a set",
            "1.0.0",
            "O(1) for each element added, so O(N) to add N elements when the command is "
            "called with multiple arguments.",
            ARGS(KEY_ARG, MEMBERS_ARG)),
    SET_CMD("srem", -3, CMD_WRITE | CMD_FAST, 1, 1, srem_command,
            "Remove one or more members from a set", "1.0.0",
            "O(N) where N is the number of members to be removed.", ARGS(KEY_ARG, MEMBERS_ARG)),
    SET_CMD("scard", 2, READ_FAST, 1, 1, scard_command, "Get the number of members in a set",
            "1.0.0", "O(1)", ARGS(KEY_ARG)),
    SET_CMD("sismember", 3, READ_FAST, 1, 1, sismember_command,
            "Determine if a given value is a member of a set", "1.0.0", "O(1)",
            ARGS(KEY_ARG, MEMBER_ARG)),
    SET_CMD("smismember", -3, READ_FAST, 1, 1, smismember_command,
            "Returns the membership associated with the given elements for a set", "6.2.0",
            "O(N) where N is the number of elements being checked for membership",
            ARGS(KEY_ARG, MEMBERS_ARG)),
    SET_CMD("smembers", 2, CMD_READONLY, 1, 1, smembers_command, "Get all the members in a set",
            "1.0.0", "O(N) where N is the set cardinality.", ARGS(KEY_ARG)),
    SET_CMD("spop", -2, CMD_WRITE | CMD_FAST, 1, 1, spop_command,
            "Remove and return one or multiple random members from a set", "1.0.0",
            "Without the count argument O(1), otherwise O(N) where N is the value of the "
            "passed count.",
            ARGS(KEY_ARG, COUNT_ARG(COMMAND_ARG_OPTIONAL))),
    SET_CMD("srandmember", -2, CMD_READONLY, 1, 1, srandmember_command,
            "Get one or multiple random members from a set", "1.0.0",
            "Without the count argument O(1), otherwise O(N) where N is the absolute value "
            "of the passed count.",
            ARGS(KEY_ARG, COUNT_ARG(COMMAND_ARG_OPTIONAL))),
    SET_CMD("smove", 4, CMD_WRITE | CMD_FAST, 1, 2, smove_command,
            "Move a member from one set to another", "1.0.0", "O(1)",
            ARGS({"source", "key", NULL, 0, NULL}, DEST_ARG, MEMBER_ARG)),
    SET_CMD("sinter", -2, CMD_READONLY, 1, -1, sinter_command, "Intersect multiple sets",
            "1.0.0",
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the "
            "number of sets.",
            ARGS(KEYS_ARG)),
    {.name = "sintercard", .arity = -3, .flags = CMD_READONLY, .numkeys_arg = 1,
     .proc = sintercard_command, .group = "set",
     .summary = "Intersect multiple sets and return the cardinality of the result",
     .since = "7.0.0",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is "
                   "the number of sets.",
     .args = ARGS({"numkeys", "integer", NULL, 0, NULL}, KEYS_ARG,
                  {"limit", "integer", "LIMIT", COMMAND_ARG_OPTIONAL, NULL}),
     .acl = ACL_SET},
    SET_CMD("sinterstore", -3, STORE_FLAGS, 1, -1, sinterstore_command,
            "Intersect multiple sets and store the resulting set in a key", "1.0.0",
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the "
            "number of sets.",
            ARGS(DEST_ARG, KEYS_ARG)),
    SET_CMD("sunion", -2, CMD_READONLY, 1, -1, sunion_command, "Add multiple sets", "1.0.0",
            TOTAL_COMPLEXITY, ARGS(KEYS_ARG)),
    SET_CMD("sunionstore", -3, STORE_FLAGS, 1, -1, sunionstore_command,
            "Add multiple sets and store the resulting set in a key", "1.0.0", TOTAL_COMPLEXITY,
            ARGS(DEST_ARG, KEYS_ARG)),
    SET_CMD("sdiff", -2, CMD_READONLY, 1, -1, sdiff_command, "Subtract multiple sets", "1.0.0",
            TOTAL_COMPLEXITY, ARGS(KEYS_ARG)),
    SET_CMD("sdiffstore", -3, STORE_FLAGS, 1, -1, sdiffstore_command,
            "Subtract multiple sets and store the resulting set in a key", "1.0.0",
            TOTAL_COMPLEXITY, ARGS(DEST_ARG, KEYS_ARG)),
    SET_CMD("sscan", -3, CMD_READONLY, 1, 1, sscan_command, "Incrementally iterate Set elements",
            "2.8.0",
            "O(1) for every call. O(N) for a complete iteration, including enough command "
            "calls for the cursor to return back to 0. N is the number of elements inside the "
            "collection..",
            ARGS(KEY_ARG, {"cursor", "integer", NULL, 0, NULL},
                 {"pattern", "pattern", "MATCH", COMMAND_ARG_OPTIONAL, NULL},
                 {"count", "integer", "COUNT", COMMAND_ARG_OPTIONAL, NULL})),
    {0},
};
