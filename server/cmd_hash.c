/*
 * cmd_hash.c - the hash commands, after Redis 7.0's t_hash.c.
 *
 * HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS
 * HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
 *
 * The value is a core/hash (hash.h) held boxed in the key's entry. Writes
 * change it in place under the shard lock and signal the key modified (for
 * WATCH); a new key's hash is built first and stored only when it has a
 * field, and a hash whose last field goes is deleted, so an empty hash
 * never exists (collection.h does both for every collection type). After a
 * write the object's reported encoding follows the hash's form (listpack
 * while small, hashtable after the one-way conversion, as Redis 7.0).
 *
 * Redis's order of checks is kept: arguments that parse as numbers are
 * checked before the key is looked up (HINCRBY, HINCRBYFLOAT, HRANDFIELD),
 * HSCAN's cursor before the key and its options after it. Read commands
 * count keyspace hits/misses (lookupKeyRead), writes do not.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collection.h"
#include "command.h"
#include "hash.h"
#include "keyspace.h"


/* ==== shared helpers ========================================================== */

/* The hash at key k, or NULL when absent. False after replying WRONGTYPE.
 * `flags` is KEYSPACE_LOOKUP_COUNT for reads, 0 for writes. */
static bool find_hash(struct cmd_ctx *ctx, const struct cmd_key *k, unsigned flags,
                      struct hashmap_entry **entry, struct hash **h)
{
    struct object_boxed *boxed;
    bool ok = cmd_find_boxed(ctx, k, flags, OBJECT_HASH, entry, &boxed);
    *h = boxed ? hash_from_boxed(boxed) : NULL;
    return ok;
}

/* The hash as a collection (collection.h): for the handlers all the types
 * share, and for stores and in-place changes. */
static size_t len_cb(struct object_boxed *b)
{
    return hash_len(hash_from_boxed(b));
}

static enum object_encoding encoding_cb(struct object_boxed *b)
{
    return hash_encoding(hash_from_boxed(b));
}

static bool remove_cb(struct object_boxed *b, const char *field, size_t len)
{
    return hash_delete(hash_from_boxed(b), field, len);
}

/* HSCAN replies a field and its value, matching MATCH on the field. */
static void scan_pair_cb(const struct hash_pair *p, void *ud)
{
    if (!collection_scan_visit(ud, p->field, p->flen))
        return;
    collection_scan_add(ud, p->field, p->flen);
    collection_scan_add(ud, p->value, p->vlen);
}

static uint64_t scan_cb(struct object_boxed *b, uint64_t cursor, struct collection_scan *s)
{
    return hash_scan(hash_from_boxed(b), cursor, scan_pair_cb, s);
}

static const struct collection_type hash_collection = {
    .type = OBJECT_HASH, .len = len_cb, .encoding = encoding_cb, .remove = remove_cb,
    .scan = scan_cb, .compact = OBJECT_ENC_LISTPACK,
    .scan_count_scale = 2, /* Redis counts a field and its value as two */
    .notify_class = NOTIFY_HASH, .remove_event = "hdel",
};

/* A write in progress: the key's hash, or a new one not yet stored. */
struct hash_write {
    struct cmd_key k;
    struct hashmap_entry *entry; /* NULL: h is new */
    struct hash *h;
};

/* Redis's hashTypeLookupWriteOrCreate: false after replying. */
static bool write_open(struct cmd_ctx *ctx, struct hash_write *w)
{
    cmd_key(ctx, 1, &w->k);
    if (!find_hash(ctx, &w->k, 0, &w->entry, &w->h))
        return false;
    if (w->h == NULL && (w->h = hash_create(cmd_member_hasher(), cmd_object_limits())) == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    return true;
}

/* Finish a write: a new hash is stored if it got a field, an existing
 * key's goes through collection_changed; then the write's notification
 * (`event`). False after an out-of-memory reply; the caller replies
 * otherwise. */
static bool write_close(struct cmd_ctx *ctx, struct hash_write *w, const char *event)
{
    if (w->entry != NULL) {
        collection_changed(&hash_collection, &w->k, w->entry);
    } else if (hash_len(w->h) == 0) {
        hash_destroy(w->h);
        return true;
    } else if (!collection_store(ctx, &hash_collection, &w->k, hash_boxed(w->h))) {
        return false;
    }
    cmd_notify(ctx, NOTIFY_HASH, event, &ctx->argv[1]);
    return true;
}

/* An out-of-memory reply after a partial write: keep what was written
 * (an existing key), drop a new hash. */
static void write_fail(struct cmd_ctx *ctx, struct hash_write *w)
{
    if (w->entry == NULL)
        hash_destroy(w->h);
    else
        collection_changed(&hash_collection, &w->k, w->entry);
    resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
}

static void reply_pair(struct resp_out *out, const struct hash_pair *p, bool field, bool value)
{
    if (field)
        resp_add_bulk(out, p->field, p->flen);
    if (value)
        resp_add_bulk(out, p->value, p->vlen);
}

/* ==== HSET, HMSET, HSETNX ======================================================= */

/* HSET/HMSET: every argument's length is offered to the conversion check
 * first (hashTypeTryConversion), then the pairs are written. Returns the
 * number of new fields, or -1 after replying. */
static long long hset_generic(struct cmd_ctx *ctx)
{
    struct hash_write w;
    if (ctx->argc % 2 == 1) {
        reply_wrong_arity(ctx, ctx->cmd);
        return -1;
    }
    if (!write_open(ctx, &w))
        return -1;
    long long created = 0;
    for (size_t i = 2; i < ctx->argc; i++) {
        if (hash_note_length(w.h, ctx->argv[i].len) < 0)
            goto oom;
    }
    for (size_t i = 2; i < ctx->argc; i += 2) {
        bool is_new;
        if (hash_set(w.h, ctx->argv[i].ptr, ctx->argv[i].len, ctx->argv[i + 1].ptr,
                     ctx->argv[i + 1].len, &is_new) < 0)
            goto oom;
        created += is_new;
    }
    return write_close(ctx, &w, "hset") ? created : -1;
oom:
    write_fail(ctx, &w);
    return -1;
}

static void hset_command(struct cmd_ctx *ctx)
{
    long long created = hset_generic(ctx);
    if (created >= 0)
        resp_add_integer(ctx->out, created);
}

static void hmset_command(struct cmd_ctx *ctx)
{
    if (hset_generic(ctx) >= 0)
        resp_add_ok(ctx->out);
}

static void hsetnx_command(struct cmd_ctx *ctx)
{
    struct hash_write w;
    if (!write_open(ctx, &w))
        return;
    const struct resp_arg *f = &ctx->argv[2], *v = &ctx->argv[3];
    if (hash_exists(w.h, f->ptr, f->len)) {
        resp_add_integer(ctx->out, 0);
        return; /* an existing field: the hash exists, nothing to close */
    }
    if (hash_set(w.h, f->ptr, f->len, v->ptr, v->len, NULL) < 0) {
        write_fail(ctx, &w);
        return;
    }
    if (write_close(ctx, &w, "hset"))
        resp_add_integer(ctx->out, 1);
}

/* ==== reads ======================================================================= */

/* The point reads' replies about a field (b NULL: a missing key). */
static void reply_value(struct cmd_ctx *ctx, struct object_boxed *b, const struct resp_arg *field)
{
    const char *v;
    size_t vlen;
    if (b != NULL && hash_get(hash_from_boxed(b), field->ptr, field->len, &v, &vlen))
        resp_add_bulk(ctx->out, v, vlen);
    else
        resp_add_null(ctx->out);
}

static void reply_strlen(struct cmd_ctx *ctx, struct object_boxed *b, const struct resp_arg *field)
{
    const char *v;
    size_t vlen;
    if (b == NULL || !hash_get(hash_from_boxed(b), field->ptr, field->len, &v, &vlen))
        vlen = 0;
    resp_add_integer(ctx->out, (long long)vlen);
}

static void reply_exists(struct cmd_ctx *ctx, struct object_boxed *b, const struct resp_arg *field)
{
    resp_add_integer(ctx->out, b && hash_exists(hash_from_boxed(b), field->ptr, field->len));
}

static void hget_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &hash_collection, reply_value, false);
}

static void hmget_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &hash_collection, reply_value, true);
}

static void hstrlen_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &hash_collection, reply_strlen, false);
}

static void hexists_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &hash_collection, reply_exists, false);
}

static void hlen_command(struct cmd_ctx *ctx)
{
    collection_len_command(ctx, &hash_collection);
}

enum { GET_FIELDS = 1, GET_VALUES = 2 };

/* HKEYS, HVALS, HGETALL (Redis's genericHgetallCommand): an empty array
 * (HGETALL: map) for a missing key. */
static void getall_generic(struct cmd_ctx *ctx, unsigned what)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct hash *h;
    cmd_key(ctx, 1, &k);
    if (!find_hash(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &h))
        return;
    size_t n = h ? hash_len(h) : 0;
    if (what == (GET_FIELDS | GET_VALUES))
        resp_add_map_len(ctx->out, n);
    else
        resp_add_array_len(ctx->out, n);
    if (h == NULL)
        return;
    struct hash_iter it;
    struct hash_pair p;
    hash_iter_init(&it, h);
    while (hash_iter_next(&it, &p))
        reply_pair(ctx->out, &p, what & GET_FIELDS, what & GET_VALUES);
    hash_iter_deinit(&it);
}

static void hkeys_command(struct cmd_ctx *ctx)
{
    getall_generic(ctx, GET_FIELDS);
}

static void hvals_command(struct cmd_ctx *ctx)
{
    getall_generic(ctx, GET_VALUES);
}

static void hgetall_command(struct cmd_ctx *ctx)
{
    getall_generic(ctx, GET_FIELDS | GET_VALUES);
}

/* ==== HDEL ======================================================================== */

static void hdel_command(struct cmd_ctx *ctx)
{
    collection_remove_command(ctx, &hash_collection);
}

/* ==== HINCRBY, HINCRBYFLOAT ======================================================== */

static void hincrby_command(struct cmd_ctx *ctx)
{
    long long incr;
    int64_t value = 0;
    struct hash_write w;
    const struct resp_arg *f = &ctx->argv[2];
    const char *old;
    size_t oldlen;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[3], &incr) || !write_open(ctx, &w))
        return;
    if (hash_get(w.h, f->ptr, f->len, &old, &oldlen) && !object_parse_int(old, oldlen, &value)) {
        resp_add_error(ctx->out, "ERR hash value is not an integer");
        return; /* the field exists: the hash is stored already */
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        resp_add_error(ctx->out, "ERR increment or decrement would overflow");
        return;
    }
    value += incr;
    char buf[OBJECT_INT_BUFSIZE];
    size_t n = object_format_int(buf, value);
    if (hash_set(w.h, f->ptr, f->len, buf, n, NULL) < 0) {
        write_fail(ctx, &w);
        return;
    }
    if (write_close(ctx, &w, "hincrby"))
        resp_add_integer(ctx->out, value);
}

static void hincrbyfloat_command(struct cmd_ctx *ctx)
{
    long double value = 0, incr;
    struct hash_write w;
    const struct resp_arg *f = &ctx->argv[2];
    const char *old;
    size_t oldlen;
    if (!resp_str_to_long_double(ctx->argv[3].ptr, ctx->argv[3].len, &incr)) {
        resp_add_error(ctx->out, "ERR value is not a valid float");
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        resp_add_error(ctx->out, "ERR value is NaN or Infinity");
        return;
    }
    if (!write_open(ctx, &w))
        return;
    if (hash_get(w.h, f->ptr, f->len, &old, &oldlen) &&
        !resp_str_to_long_double(old, oldlen, &value)) {
        resp_add_error(ctx->out, "ERR hash value is not a float");
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        resp_add_error(ctx->out, "ERR increment would produce NaN or Infinity");
        return; /* only reachable with an existing (stored) field */
    }
    char buf[RESP_NUM_MAX_FLOAT_CHARS];
    size_t n = resp_long_double_to_str(buf, sizeof(buf), value);
    if (hash_set(w.h, f->ptr, f->len, buf, n, NULL) < 0) {
        write_fail(ctx, &w);
        return;
    }
    if (write_close(ctx, &w, "hincrbyfloat"))
        resp_add_bulk(ctx->out, buf, n);
}

/* ==== HRANDFIELD =================================================================== */

/* One pick, as the reply wants it: RESP3 WITHVALUES nests each pair. */
static void reply_random_pair(struct cmd_ctx *ctx, const struct hash_pair *p, bool withvalues)
{
    if (withvalues && ctx->out->proto > 2)
        resp_add_array_len(ctx->out, 2);
    reply_pair(ctx->out, p, true, withvalues);
}

static void reply_random_len(struct cmd_ctx *ctx, size_t n, bool withvalues)
{
    resp_add_array_len(ctx->out, withvalues && ctx->out->proto == 2 ? n * 2 : n);
}

/* Distinct fields, count < size: a partial Fisher-Yates shuffle over the
 * pairs (O(size); Redis samples instead for a small count). */
static void random_distinct(struct cmd_ctx *ctx, struct hash *h, size_t count, bool withvalues)
{
    size_t size = hash_len(h);
    struct hash_pair *pairs = malloc(size * sizeof(*pairs));
    if (pairs == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    struct hash_iter it;
    size_t n = 0;
    hash_iter_init(&it, h);
    while (n < size && hash_iter_next(&it, &pairs[n]))
        n++;
    hash_iter_deinit(&it);
    reply_random_len(ctx, count, withvalues);
    for (size_t i = 0; i < count; i++) {
        size_t j = i + (size_t)collection_rand_below(n - i);
        struct hash_pair t = pairs[i];
        pairs[i] = pairs[j];
        pairs[j] = t;
        reply_random_pair(ctx, &pairs[i], withvalues);
    }
    free(pairs);
}

/* Redis's hrandfieldWithCountCommand: a negative count may repeat fields. */
static void hrandfield_count(struct cmd_ctx *ctx, long long l, bool withvalues)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct hash *h;
    struct hash_pair p;
    cmd_key(ctx, 1, &k);
    if (!find_hash(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &h))
        return;
    if (h == NULL || l == 0) {
        resp_add_array_len(ctx->out, 0);
        return;
    }
    bool unique = l > 0;
    size_t count = (size_t)(unique ? l : -l), size = hash_len(h);
    if (!unique || count == 1) {
        reply_random_len(ctx, count, withvalues);
        while (count-- && !ctx->out->overflow && !ctx->out->oom) {
            hash_random(h, &p, collection_rand64_cb, NULL);
            reply_random_pair(ctx, &p, withvalues);
        }
    } else if (count >= size) {
        struct hash_iter it;
        reply_random_len(ctx, size, withvalues);
        hash_iter_init(&it, h);
        while (hash_iter_next(&it, &p))
            reply_random_pair(ctx, &p, withvalues);
        hash_iter_deinit(&it);
    } else {
        random_distinct(ctx, h, count, withvalues);
    }
}

static void hrandfield_command(struct cmd_ctx *ctx)
{
    if (ctx->argc >= 3) {
        long long l;
        bool withvalues = ctx->argc == 4;
        if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &l))
            return;
        if (l == LLONG_MIN) {
            resp_add_error(ctx->out, "ERR value is out of range, value must between "
                                     "-9223372036854775807 and 9223372036854775807");
            return;
        }
        if (ctx->argc > 4 || (withvalues && !arg_is(&ctx->argv[3], "withvalues"))) {
            reply_syntax_error(ctx);
            return;
        }
        if (withvalues && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
            resp_add_error(ctx->out, "ERR value is out of range");
            return;
        }
        hrandfield_count(ctx, l, withvalues);
        return;
    }
    struct cmd_key k;
    struct hashmap_entry *e;
    struct hash *h;
    struct hash_pair p;
    cmd_key(ctx, 1, &k);
    if (!find_hash(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &h))
        return;
    if (h == NULL) {
        resp_add_null(ctx->out);
        return;
    }
    hash_random(h, &p, collection_rand64_cb, NULL);
    resp_add_bulk(ctx->out, p.field, p.flen);
}

/* ==== HSCAN ======================================================================== */

static void hscan_command(struct cmd_ctx *ctx)
{
    collection_scan_command(ctx, &hash_collection);
}

/* ==== the table ===================================================================== */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define KEY_ARG {"key", "key", NULL, 0, NULL}
#define FIELD_ARG {"field", "string", NULL, 0, NULL}
#define FIELDS_ARG {"field", "string", NULL, COMMAND_ARG_MULTIPLE, NULL}
#define HASH_CMD(n, ar, fl, fn, sum, si, cx, ag)                                                \
    {.name = n, .arity = ar, .flags = fl, .first_key = 1, .last_key = 1, .key_step = 1,         \
     .proc = fn, .group = "hash", .summary = sum, .since = si, .complexity = cx, .args = ag,    \
     .acl = ACL_HASH}
#define WRITE_FAST (CMD_WRITE | CMD_DENYOOM | CMD_FAST)
#define READ_FAST (CMD_READONLY | CMD_FAST)
#define SIZE_COMPLEXITY "O(N) where N is the size of the hash."

static const struct command_arg field_value_block[] = {
    FIELD_ARG, {"value", "string", NULL, 0, NULL}, {0}};
static const struct command_arg hrandfield_options[] = {
    {"count", "integer", NULL, 0, NULL},
    {"withvalues", "pure-token", "WITHVALUES", COMMAND_ARG_OPTIONAL, NULL}, {0}};

struct command hash_commands[] = {
    HASH_CMD("hset", -4, WRITE_FAST, hset_command, "Set the string value of a hash field",
             "2.0.0",
             "O(1) for each field/value pair added, so O(N) to add N field/value pairs when "
             "the command is called with multiple field/value pairs.",
             ARGS(KEY_ARG, {"field_value", "block", NULL, COMMAND_ARG_MULTIPLE,
                            field_value_block})),
    HASH_CMD("hsetnx", 4, WRITE_FAST, hsetnx_command,
             "Set the value of a hash field, only if the field does not exist", "2.0.0", "O(1)",
             ARGS(KEY_ARG, FIELD_ARG, {"value", "string", NULL, 0, NULL})),
    HASH_CMD("hget", 3, READ_FAST, hget_command, "Get the value of a hash field", "2.0.0",
             "O(1)", ARGS(KEY_ARG, FIELD_ARG)),
    HASH_CMD("hmget", -3, READ_FAST, hmget_command, "Get the values of all the given hash fields",
             "2.0.0", "O(N) where N is the number of fields being requested.",
             ARGS(KEY_ARG, FIELDS_ARG)),
    HASH_CMD("hmset", -4, WRITE_FAST, hmset_command, "Set multiple hash fields to multiple values",
             "2.0.0", "O(N) where N is the number of fields being set.",
             ARGS(KEY_ARG, {"field_value", "block", NULL, COMMAND_ARG_MULTIPLE,
                            field_value_block})),
    HASH_CMD("hdel", -3, CMD_WRITE | CMD_FAST, hdel_command, "Delete one or more hash fields",
             "2.0.0", "O(N) where N is the number of fields to be removed.",
             ARGS(KEY_ARG, FIELDS_ARG)),
    HASH_CMD("hlen", 2, READ_FAST, hlen_command, "Get the number of fields in a hash", "2.0.0",
             "O(1)", ARGS(KEY_ARG)),
    HASH_CMD("hstrlen", 3, READ_FAST, hstrlen_command,
             "Get the length of the value of a hash field", "3.2.0", "O(1)",
             ARGS(KEY_ARG, FIELD_ARG)),
    HASH_CMD("hexists", 3, READ_FAST, hexists_command, "Determine if a hash field exists",
             "2.0.0", "O(1)", ARGS(KEY_ARG, FIELD_ARG)),
    HASH_CMD("hkeys", 2, CMD_READONLY, hkeys_command, "Get all the fields in a hash", "2.0.0",
             SIZE_COMPLEXITY, ARGS(KEY_ARG)),
    HASH_CMD("hvals", 2, CMD_READONLY, hvals_command, "Get all the values in a hash", "2.0.0",
             SIZE_COMPLEXITY, ARGS(KEY_ARG)),
    HASH_CMD("hgetall", 2, CMD_READONLY, hgetall_command, "Get all the fields and values in a hash",
             "2.0.0", SIZE_COMPLEXITY, ARGS(KEY_ARG)),
    HASH_CMD("hincrby", 4, WRITE_FAST, hincrby_command,
             "Increment the integer value of a hash field by the given number", "2.0.0", "O(1)",
             ARGS(KEY_ARG, FIELD_ARG, {"increment", "integer", NULL, 0, NULL})),
    HASH_CMD("hincrbyfloat", 4, WRITE_FAST, hincrbyfloat_command,
             "Increment the float value of a hash field by the given amount", "2.6.0", "O(1)",
             ARGS(KEY_ARG, FIELD_ARG, {"increment", "double", NULL, 0, NULL})),
    HASH_CMD("hrandfield", -2, CMD_READONLY, hrandfield_command,
             "Get one or multiple random fields from a hash", "6.2.0",
             "O(N) where N is the number of fields returned",
             ARGS(KEY_ARG, {"options", "block", NULL, COMMAND_ARG_OPTIONAL, hrandfield_options})),
    HASH_CMD("hscan", -3, CMD_READONLY, hscan_command, "Incrementally iterate hash fields and "
             "associated values", "2.8.0",
             "O(1) for every call. O(N) for a complete iteration, including enough command "
             "calls for the cursor to return back to 0. N is the number of elements inside the "
             "collection..",
             ARGS(KEY_ARG, {"cursor", "integer", NULL, 0, NULL},
                  {"pattern", "pattern", "MATCH", COMMAND_ARG_OPTIONAL, NULL},
                  {"count", "integer", "COUNT", COMMAND_ARG_OPTIONAL, NULL})),
    {0},
};
