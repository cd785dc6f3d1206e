/*
 * cmd_hll.c - the HyperLogLog commands, after Redis 7.0's hyperloglog.c:
 * PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST.
 *
 * An HLL is a string value in Redis's exact layout (core/hyperloglog.h
 * keeps the algorithms); this file finds the keys, checks that their
 * strings are HLLs, and writes the changes back into the keyspace.
 *
 * Writing in place
 *   PFADD changes the string where it lies, as Redis does: the value is
 *   RAW (a dense HLL always is; a small sparse one SET by a client may be
 *   EMBSTR, and is made RAW only once an element really changes it), a
 *   sparse update that grows the string asks the keyspace for room first,
 *   and a promotion swaps the value for its dense form, the TTL kept.
 *   PFMERGE builds its result apart and stores it whole.
 *
 * Changes, as Redis counts them (WATCH, the AOF, save points)
 *   PFADD: one per element that changed a register, plus one for creating
 *   the key, and the "pfadd" event. PFMERGE: one change and a "pfadd"
 *   event, always. PFCOUNT of one key whose cached cardinality was stale:
 *   one change and no event (Redis propagates that PFCOUNT, so a replica's
 *   or the AOF's copy of the string gets the same cache bytes). PFDEBUG
 *   GETREG and TODENSE: one change when they convert a sparse HLL. Redis
 *   counts that last one for the AOF without touching WATCH; Grove's
 *   keyspace cannot tell the two apart, so it fails a WATCH as well.
 */
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "collection.h"
#include "hyperloglog.h"
#include "keyspace.h"
#include "server.h"

#define ERR_NOT_HLL "WRONGTYPE Key is not a valid HyperLogLog string value."
#define ERR_CORRUPT_HLL "-INVALIDOBJ Corrupted HLL object detected" /* its own code */

static size_t sparse_max_bytes(void)
{
    return (size_t)server.cfg.hll_sparse_max_bytes;
}

static void reply_hll_error(struct cmd_ctx *ctx, int rc)
{
    resp_add_error(ctx->out, rc == HLL_ECORRUPT ? ERR_CORRUPT_HLL : ERR_OUT_OF_MEMORY);
}

/* ==== reading ================================================================== */

/* A key's HLL bytes, valid until the key next changes. */
struct hll_view {
    const uint8_t *p;
    size_t len;
};

/* The bytes of a string entry that is not INT-encoded (an INT's text
 * would live in a scratch buffer gone on return; it is never an HLL). */
static void entry_view(const struct hashmap_entry *e, struct hll_view *v)
{
    char scratch[OBJECT_INT_BUFSIZE];
    const char *p;
    object_string_view(keyspace_object(e), scratch, &p, &v->len);
    v->p = (const uint8_t *)p;
}

/* Redis's isHLLObjectOrReply: e's value read as an HLL; false after
 * replying WRONGTYPE (the plain one for another type). */
static bool view_or_reply(struct cmd_ctx *ctx, const struct hashmap_entry *e, struct hll_view *v)
{
    const struct object *o = keyspace_object(e);
    if (object_type(o) != OBJECT_STRING) {
        reply_wrongtype(ctx);
        return false;
    }
    bool is_int = object_encoding(o) == OBJECT_ENC_INT;
    if (!is_int)
        entry_view(e, v);
    if (is_int || !hll_is_valid(v->p, v->len)) {
        resp_add_error(ctx->out, ERR_NOT_HLL);
        return false;
    }
    return true;
}

/* ==== writing in place ============================================================ */

/* The key an HLL command writes. */
struct hll_target {
    struct cmd_key k;
    struct hashmap_entry *e;
    struct object_raw *raw; /* its bytes once writable (RAW), else NULL */
    size_t counted;         /* changes the keyspace counted on the way */
};

static struct object_raw *raw_of(const struct hll_target *t)
{
    return object_raw(keyspace_object(t->e));
}

/* Create k as an empty HLL (Redis's createHLLObject). */
static int target_create(struct cmd_ctx *ctx, struct hll_target *t)
{
    uint8_t empty[HLL_SPARSE_EMPTY_SIZE];
    struct object_value v;
    hll_init_empty(empty);
    struct object_raw *raw = object_raw_create(empty, sizeof(empty), sizeof(empty));
    if (raw == NULL)
        return HLL_ENOMEM;
    object_value_from_raw(&v, raw);
    if (keyspace_set_value(t->k.shard, &t->k.key, &v, KEYSPACE_TTL_NONE, ctx->now_ms, &t->e) < 0)
        return HLL_ENOMEM;
    t->raw = raw_of(t);
    t->counted++;
    return HLL_OK;
}

/* Open the HLL at argv[argi] for writing, as Redis's lookupKeyWrite: a
 * missing key is created when `create`, else t->e stays NULL. False
 * after replying. */
static bool target_open(struct cmd_ctx *ctx, size_t argi, bool create, struct hll_target *t)
{
    struct hll_view v;
    *t = (struct hll_target){0};
    cmd_key(ctx, argi, &t->k);
    t->e = cmd_find(ctx, &t->k, 0);
    if (t->e == NULL) {
        int rc = create ? target_create(ctx, t) : HLL_OK;
        if (rc != HLL_OK)
            reply_hll_error(ctx, rc);
        return rc == HLL_OK;
    }
    if (!view_or_reply(ctx, t->e, &v))
        return false;
    if (object_encoding(keyspace_object(t->e)) == OBJECT_ENC_RAW)
        t->raw = raw_of(t);
    return true;
}

/* The value made RAW, so that its bytes can change in place. */
static int target_writable(struct hll_target *t)
{
    char *bytes;
    if (t->raw != NULL)
        return HLL_OK;
    size_t len = object_string_len(keyspace_object(t->e));
    if (keyspace_string_reserve(t->k.shard, &t->e, len, &bytes) != KEYSPACE_OK)
        return HLL_ENOMEM;
    t->counted++;
    t->raw = raw_of(t);
    return HLL_OK;
}

/* Room for `extra` more bytes past the HLL's length. */
static int target_grow(struct hll_target *t, size_t extra)
{
    char *bytes;
    size_t len = t->raw->len;
    if (keyspace_string_reserve(t->k.shard, &t->e, len + extra, &bytes) != KEYSPACE_OK)
        return HLL_ENOMEM;
    t->counted++;
    t->raw = raw_of(t);
    t->raw->len = len; /* the reserve zero-filled the room: it is not HLL bytes */
    return HLL_OK;
}

/* Replace a sparse HLL with its dense form, keeping the key's TTL. */
static int target_promote(struct cmd_ctx *ctx, struct hll_target *t)
{
    struct object_value v;
    struct hll_view now;
    struct object_raw *dense = object_raw_create(NULL, 0, HLL_DENSE_SIZE);
    if (dense == NULL)
        return HLL_ENOMEM;
    entry_view(t->e, &now);
    if (hll_to_dense(now.p, now.len, (uint8_t *)dense->buf) != HLL_OK) {
        object_raw_destroy(dense);
        return HLL_ECORRUPT;
    }
    dense->len = HLL_DENSE_SIZE;
    object_value_from_raw(&v, dense);
    if (keyspace_set_value(t->k.shard, &t->k.key, &v, KEYSPACE_TTL_KEEP, ctx->now_ms, &t->e) < 0)
        return HLL_ENOMEM;
    t->counted++;
    t->raw = raw_of(t);
    return HLL_OK;
}

/* Raise register `index` to `count`: 1 if it changed, 0 if not, or a
 * negative code. The value is made writable only for a real change. */
static int target_set(struct cmd_ctx *ctx, struct hll_target *t, unsigned index, unsigned count)
{
    if (t->raw == NULL) {
        struct hll_view v;
        entry_view(t->e, &v);
        int old = hll_register(v.p, v.len, index);
        if (old < 0 || (unsigned)old >= count)
            return old < 0 ? old : 0;
        int rc = target_writable(t);
        if (rc != HLL_OK)
            return rc;
    }
    for (;;) {
        int rc = hll_set((uint8_t *)t->raw->buf, &t->raw->len, t->raw->cap, index, count,
                         sparse_max_bytes());
        if (rc == HLL_ENOROOM)
            rc = target_grow(t, 3);
        else if (rc == HLL_EPROMOTE)
            rc = target_promote(ctx, t);
        else
            return rc;
        if (rc != HLL_OK)
            return rc;
    }
}

/* After `changes` changes (Redis's dirty count for the command): those
 * the keyspace did not count on the way are signalled now. */
static void target_changed(const struct hll_target *t, size_t changes)
{
    for (size_t i = t->counted; i < changes; i++)
        keyspace_signal_modified(t->k.shard, &t->k.key);
}

/* ==== PFADD ========================================================================= */

/* PFADD key [element ...]: 1 if a register changed (or the key was
 * created), else 0. */
static void pfadd_command(struct cmd_ctx *ctx)
{
    struct hll_target t;
    if (!target_open(ctx, 1, true, &t))
        return;
    size_t updated = t.counted; /* creating the key is a change */
    for (size_t j = 2; j < ctx->argc; j++) {
        unsigned index, count = hll_pattern(ctx->argv[j].ptr, ctx->argv[j].len, &index);
        int rc = target_set(ctx, &t, index, count);
        if (rc < 0) {
            reply_hll_error(ctx, rc);
            return;
        }
        updated += (size_t)rc;
    }
    if (updated) {
        hll_cache_invalidate((uint8_t *)t.raw->buf);
        target_changed(&t, updated);
        cmd_notify(ctx, NOTIFY_STRING, "pfadd", &ctx->argv[1]);
    }
    resp_add_integer(ctx->out, updated ? 1 : 0);
}

/* ==== PFCOUNT ======================================================================= */

/* The cardinality of one key, from its cache or counted and cached. */
static void pfcount_one(struct cmd_ctx *ctx)
{
    struct hll_target t = {0};
    struct hll_view v;
    uint64_t card;
    cmd_key(ctx, 1, &t.k);
    t.e = cmd_find(ctx, &t.k, KEYSPACE_LOOKUP_COUNT);
    if (t.e == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    if (!view_or_reply(ctx, t.e, &v))
        return;
    if (!hll_cached(v.p, &card)) {
        int rc = hll_count(v.p, v.len, &card);
        if (rc == HLL_OK && object_encoding(keyspace_object(t.e)) == OBJECT_ENC_RAW)
            t.raw = raw_of(&t);
        if (rc == HLL_OK)
            rc = target_writable(&t);
        if (rc != HLL_OK) {
            reply_hll_error(ctx, rc);
            return;
        }
        hll_cache_store((uint8_t *)t.raw->buf, card);
        target_changed(&t, 1);
    }
    resp_add_integer(ctx->out, (long long)card);
}

/* Merge the HLLs at argv[from..] into max (missing keys are empty), as
 * Redis reads them (lookupKeyRead). False after replying; *any_dense
 * tells whether one of them was dense. */
static bool merge_sources(struct cmd_ctx *ctx, size_t from, uint8_t *max, bool *any_dense)
{
    *any_dense = false;
    for (size_t j = from; j < ctx->argc; j++) {
        struct cmd_key k;
        struct hll_view v;
        cmd_key(ctx, j, &k);
        struct hashmap_entry *e = cmd_find(ctx, &k, KEYSPACE_LOOKUP_COUNT);
        if (e == NULL)
            continue;
        if (!view_or_reply(ctx, e, &v))
            return false;
        *any_dense |= hll_encoding_of(v.p) == HLL_DENSE;
        if (hll_merge(max, v.p, v.len) != HLL_OK) {
            reply_hll_error(ctx, HLL_ECORRUPT);
            return false;
        }
    }
    return true;
}

/* PFCOUNT key [key ...]: one key's cardinality (cached), or that of the
 * union of several (merged on the fly, nothing cached). */
static void pfcount_command(struct cmd_ctx *ctx)
{
    bool any_dense;
    if (ctx->argc == 2) {
        pfcount_one(ctx);
        return;
    }
    uint8_t *max = calloc(HLL_REGISTERS, 1);
    if (max == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    if (merge_sources(ctx, 1, max, &any_dense))
        resp_add_integer(ctx->out, (long long)hll_count_registers(max));
    free(max);
}

/* ==== PFMERGE ======================================================================= */

/* The merged HLL PFMERGE stores, built apart from the keyspace. */
struct merge_result {
    struct object_raw *raw;
};

/* Start from destkey's bytes, or an empty HLL; dense when `dense`. */
static int result_init(struct merge_result *r, const struct hll_view *dest, bool dense)
{
    uint8_t empty[HLL_SPARSE_EMPTY_SIZE];
    struct hll_view from = {empty, sizeof(empty)};
    if (dest != NULL)
        from = *dest;
    else
        hll_init_empty(empty);
    if (dense && hll_encoding_of(from.p) == HLL_SPARSE) {
        r->raw = object_raw_create(NULL, 0, HLL_DENSE_SIZE);
        if (r->raw == NULL)
            return HLL_ENOMEM;
        r->raw->len = HLL_DENSE_SIZE;
        return hll_to_dense(from.p, from.len, (uint8_t *)r->raw->buf);
    }
    r->raw = object_raw_create(from.p, from.len, from.len + 3);
    return r->raw != NULL ? HLL_OK : HLL_ENOMEM;
}

/* Raise register i of the result to v, growing or promoting it. */
static int result_set(struct merge_result *r, unsigned i, unsigned v)
{
    for (;;) {
        int rc = hll_set((uint8_t *)r->raw->buf, &r->raw->len, r->raw->cap, i, v,
                         sparse_max_bytes());
        if (rc == HLL_ENOROOM) {
            size_t len = r->raw->len;
            if (object_raw_reserve(&r->raw, len + 3) != OBJECT_OK)
                return HLL_ENOMEM;
            r->raw->len = len;
        } else if (rc == HLL_EPROMOTE) {
            struct object_raw *dense = object_raw_create(NULL, 0, HLL_DENSE_SIZE);
            if (dense == NULL)
                return HLL_ENOMEM;
            dense->len = HLL_DENSE_SIZE;
            rc = hll_to_dense((uint8_t *)r->raw->buf, r->raw->len, (uint8_t *)dense->buf);
            object_raw_destroy(r->raw);
            r->raw = dense;
            if (rc != HLL_OK)
                return rc;
        } else {
            return rc < 0 ? rc : HLL_OK;
        }
    }
}

/* Write the registers of max into destkey's HLL as Redis does: register
 * by register, so a sparse destination stays sparse while it can. */
static int merge_into_dest(struct cmd_ctx *ctx, const uint8_t *max, bool dense)
{
    struct cmd_key k;
    struct hll_view dest;
    struct merge_result r = {0};
    struct object_value v;
    cmd_key(ctx, 1, &k);
    struct hashmap_entry *e = cmd_find(ctx, &k, 0);
    if (e != NULL)
        entry_view(e, &dest); /* checked as a source already */
    int rc = result_init(&r, e != NULL ? &dest : NULL, dense);
    for (unsigned i = 0; rc == HLL_OK && i < HLL_REGISTERS; i++)
        if (max[i] != 0)
            rc = result_set(&r, i, max[i]);
    if (rc != HLL_OK) {
        object_raw_destroy(r.raw);
        return rc;
    }
    hll_cache_invalidate((uint8_t *)r.raw->buf);
    object_value_from_raw(&v, r.raw);
    if (keyspace_set_value(k.shard, &k.key, &v, KEYSPACE_TTL_KEEP, ctx->now_ms, NULL) < 0)
        return HLL_ENOMEM;
    return HLL_OK;
}

/* PFMERGE destkey [sourcekey ...]: destkey (itself one of the inputs)
 * becomes the union; dense if any input was. */
static void pfmerge_command(struct cmd_ctx *ctx)
{
    bool any_dense;
    uint8_t *max = calloc(HLL_REGISTERS, 1);
    if (max == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    if (merge_sources(ctx, 1, max, &any_dense)) {
        int rc = merge_into_dest(ctx, max, any_dense);
        if (rc == HLL_OK) {
            cmd_notify(ctx, NOTIFY_STRING, "pfadd", &ctx->argv[1]);
            resp_add_ok(ctx->out);
        } else {
            reply_hll_error(ctx, rc);
        }
    }
    free(max);
}

/* ==== PFDEBUG, PFSELFTEST =============================================================== */

/* Make the target dense (a change when it was sparse): 1 if it was
 * converted, 0 if already dense, or a negative code. */
static int target_to_dense(struct cmd_ctx *ctx, struct hll_target *t)
{
    struct hll_view v;
    entry_view(t->e, &v);
    if (hll_encoding_of(v.p) == HLL_DENSE)
        return 0;
    int rc = target_promote(ctx, t);
    return rc == HLL_OK ? 1 : rc;
}

static void pfdebug_getreg(struct cmd_ctx *ctx, struct hll_target *t)
{
    struct hll_view v;
    int rc = target_to_dense(ctx, t);
    if (rc < 0) {
        reply_hll_error(ctx, rc);
        return;
    }
    entry_view(t->e, &v);
    resp_add_array_len(ctx->out, HLL_REGISTERS);
    for (unsigned i = 0; i < HLL_REGISTERS; i++)
        resp_add_integer(ctx->out, hll_register(v.p, v.len, i));
}

static void pfdebug_decode(struct cmd_ctx *ctx, struct hll_target *t)
{
    struct hll_view v;
    entry_view(t->e, &v);
    if (hll_encoding_of(v.p) != HLL_SPARSE) {
        resp_add_error(ctx->out, "ERR HLL encoding is not sparse");
        return;
    }
    size_t n = hll_decode(v.p, v.len, NULL, 0);
    char *text = malloc(n + 1);
    if (text == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    hll_decode(v.p, v.len, text, n);
    resp_add_bulk(ctx->out, text, n);
    free(text);
}

/* PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. Redis looks the key up
 * before it reads the subcommand. */
static void pfdebug_command(struct cmd_ctx *ctx)
{
    struct hll_target t;
    struct hll_view v;
    const struct resp_arg *sub = &ctx->argv[1];
    if (!target_open(ctx, 2, false, &t))
        return;
    if (t.e == NULL) {
        resp_add_error(ctx->out, "ERR The specified key does not exist");
        return;
    }
    if (arg_is(sub, "getreg")) {
        pfdebug_getreg(ctx, &t);
    } else if (arg_is(sub, "decode")) {
        pfdebug_decode(ctx, &t);
    } else if (arg_is(sub, "encoding")) {
        entry_view(t.e, &v);
        resp_add_simple(ctx->out, hll_encoding_of(v.p) == HLL_DENSE ? "dense" : "sparse");
    } else if (arg_is(sub, "todense")) {
        int rc = target_to_dense(ctx, &t);
        if (rc < 0)
            reply_hll_error(ctx, rc);
        else
            resp_add_integer(ctx->out, rc);
    } else {
        resp_add_errorf(ctx->out, "ERR Unknown PFDEBUG subcommand '%.*s'", (int)sub->len,
                        sub->ptr);
    }
}

/* PFSELFTEST: the register and estimate self test (about a second). */
static void pfselftest_command(struct cmd_ctx *ctx)
{
    char err[128];
    int rc = hll_selftest(collection_rand64_cb, NULL, sparse_max_bytes(), err, sizeof(err));
    if (rc == HLL_OK)
        resp_add_ok(ctx->out);
    else
        resp_add_error(ctx->out, rc == HLL_EFAILED ? err : ERR_OUT_OF_MEMORY);
}

/* ==== the table ======================================================================== */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define HLL_CMD(n, ar, fl, fk, lk, fn, sum, si, cx, ag)                                          \
    {.name = n, .arity = ar, .flags = fl, .first_key = fk, .last_key = lk, .key_step = (fk) > 0, \
     .proc = fn, .group = "hyperloglog", .acl = ACL_HYPERLOGLOG, .summary = sum, .since = si,   \
     .complexity = cx, .args = ag}

struct command hll_commands[] = {
    HLL_CMD("pfadd", -2, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, pfadd_command,
            "Adds the specified elements to the specified HyperLogLog.", "2.8.9",
            "O(1) to add every element.",
            ARGS({"key", "key", NULL, 0, NULL},
                 {"element", "string", NULL, COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE,
                  NULL})),
    HLL_CMD("pfcount", -2, CMD_READONLY | CMD_MAY_REPLICATE, 1, -1, pfcount_command,
            "Return the approximated cardinality of the set(s) observed by the HyperLogLog at "
            "key(s).",
            "2.8.9",
            "O(1) with a very small average constant time when called with a single key. O(N) "
            "with N being the number of keys, and much bigger constant times, when called with "
            "multiple keys.",
            ARGS({"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL})),
    HLL_CMD("pfmerge", -2, CMD_WRITE | CMD_DENYOOM, 1, -1, pfmerge_command,
            "Merge N different HyperLogLogs into a single one.", "2.8.9",
            "O(N) to merge N HyperLogLogs, but with high constant times.",
            ARGS({"destkey", "key", NULL, 0, NULL},
                 {"sourcekey", "key", NULL, COMMAND_ARG_MULTIPLE, NULL})),
    HLL_CMD("pfdebug", 3, CMD_WRITE | CMD_DENYOOM | CMD_ADMIN, 2, 2, pfdebug_command,
            "Internal commands for debugging HyperLogLog values", "2.8.9", "N/A",
            ARGS({"subcommand", "string", NULL, 0, NULL}, {"key", "key", NULL, 0, NULL})),
    HLL_CMD("pfselftest", 1, CMD_ADMIN, 0, 0, pfselftest_command,
            "An internal command for testing HyperLogLog values", "2.8.9", "N/A", NULL),
    {0},
};
