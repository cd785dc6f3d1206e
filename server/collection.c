/*
 * collection.c - storing, changing, measuring, removing from and scanning
 * the collection types through their struct collection_type; see
 * collection.h.
 */
#include "collection.h"

#include <limits.h>

#include "glob.h"
#include "keyspace.h"
#include "rng.h"
#include "server.h"


/* ---- writing ------------------------------------------------------------- */

bool collection_store(struct cmd_ctx *ctx, const struct collection_type *t,
                      const struct cmd_key *k, struct object_boxed *b)
{
    struct object_value v;
    object_value_from_boxed(&v, t->type, t->encoding(b), b);
    if (keyspace_set_value(k->shard, &k->key, &v, KEYSPACE_TTL_NONE, ctx->now_ms, NULL) < 0) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    return true;
}

void collection_changed(const struct collection_type *t, const struct cmd_key *k,
                        struct hashmap_entry *e)
{
    struct object *o = keyspace_object(e);
    struct object_boxed *b = object_boxed(o);
    if (t->len(b) == 0) {
        keyspace_delete_entry(k->shard, e);
        if (__builtin_expect(notify_wanted(NOTIFY_GENERIC), 0))
            notify__event(NOTIFY_GENERIC, "del", k->key.ptr, k->key.len,
                          keyspace_shard_id(k->shard) / keyspace_shards_per_db(server.ks));
        return;
    }
    o->encoding = (uint8_t)t->encoding(b);
    keyspace_signal_modified(k->shard, &k->key);
}

/* ---- HLEN SCARD ZCARD LLEN, point reads, HDEL SREM ZREM ---------------------- */

void collection_len_command(struct cmd_ctx *ctx, const struct collection_type *t)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct object_boxed *b;
    cmd_key(ctx, 1, &k);
    if (cmd_find_boxed(ctx, &k, KEYSPACE_LOOKUP_COUNT, t->type, &e, &b))
        resp_add_integer(ctx->out, b ? (long long)t->len(b) : 0);
}

void collection_read_command(struct cmd_ctx *ctx, const struct collection_type *t,
                             collection_reply_fn reply, bool many)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct object_boxed *b;
    cmd_key(ctx, 1, &k);
    if (!cmd_find_boxed(ctx, &k, KEYSPACE_LOOKUP_COUNT, t->type, &e, &b))
        return;
    if (!many) {
        reply(ctx, b, &ctx->argv[2]);
        return;
    }
    resp_add_array_len(ctx->out, ctx->argc - 2);
    for (size_t i = 2; i < ctx->argc; i++)
        reply(ctx, b, &ctx->argv[i]);
}

/* The key goes with its last element: the loop stops there, as Redis's. */
void collection_remove_command(struct cmd_ctx *ctx, const struct collection_type *t)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct object_boxed *b;
    long long removed = 0;
    cmd_key(ctx, 1, &k);
    if (!cmd_find_boxed(ctx, &k, 0, t->type, &e, &b))
        return;
    for (size_t i = 2; b != NULL && i < ctx->argc && t->len(b) > 0; i++)
        removed += t->remove(b, ctx->argv[i].ptr, ctx->argv[i].len);
    if (removed > 0) {
        cmd_notify(ctx, t->notify_class, t->remove_event, &ctx->argv[1]);
        collection_changed(t, &k, e);
    }
    resp_add_integer(ctx->out, removed);
}

/* ---- HSCAN SSCAN ZSCAN ----------------------------------------------------- */

bool collection_scan_visit(struct collection_scan *s, const char *name, size_t len)
{
    s->visited++;
    return s->opts->match_all || glob_match(s->opts->pattern, s->opts->plen, name, len, false);
}

void collection_scan_add(struct collection_scan *s, const char *p, size_t len)
{
    resp_add_bulk(s->out, p, len);
    s->replied++;
}

/* Redis returns a compact value whole, with cursor 0 whatever cursor it
 * was given. A hash table is walked bucket by bucket until COUNT elements
 * are visited or the step budget runs out, so a sparse table (many empty
 * buckets after deletions) cannot make one call walk the whole table. */
static uint64_t scan_steps(const struct collection_type *t, struct object_boxed *b,
                           uint64_t cursor, struct collection_scan *s)
{
    if (s->compact)
        return t->scan(b, 0, s);
    unsigned long long want = (unsigned long long)s->opts->count;
    unsigned long long budget = want * t->scan_count_scale * 10;
    do
        cursor = t->scan(b, cursor, s);
    while (cursor && budget-- && s->visited < want);
    return cursor;
}

void collection_scan_command(struct cmd_ctx *ctx, const struct collection_type *t)
{
    uint64_t cursor;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct object_boxed *b;
    struct scan_opts opts;
    if (!arg_to_scan_cursor(&ctx->argv[2], &cursor)) {
        resp_add_error(ctx->out, "ERR invalid cursor");
        return;
    }
    cmd_key(ctx, 1, &k);
    if (!cmd_find_boxed(ctx, &k, KEYSPACE_LOOKUP_COUNT, t->type, &e, &b))
        return;
    if (b == NULL) {
        reply_empty_scan(ctx);
        return;
    }
    if (!scan_opts_parse(ctx, 3, &opts))
        return;
    struct resp_out items;
    resp_out_init(&items, ctx->out->proto);
    struct collection_scan s = {
        .out = &items, .opts = &opts, .compact = t->encoding(b) == t->compact};
    cursor = scan_steps(t, b, cursor, &s);
    reply_scan(ctx, cursor, &items, s.replied);
    resp_out_deinit(&items);
}

/* ---- LMPOP ZMPOP, and BLMPOP BZMPOP ------------------------------------------ */

/* The options after END: COUNT once, nothing else; false after replying. */
static bool mpop_parse_count(struct cmd_ctx *ctx, size_t first, struct collection_mpop *q)
{
    bool has_count = false;
    for (size_t j = first; j < ctx->argc; j++) {
        if (has_count || !arg_is(&ctx->argv[j], "count") || j + 1 == ctx->argc) {
            reply_syntax_error(ctx);
            return false;
        }
        has_count = true;
        if (!arg_to_ll(&ctx->argv[++j], &q->count) || q->count < 1) {
            resp_add_error(ctx->out, "ERR count should be greater than 0");
            return false;
        }
    }
    return true;
}

/* Redis reads END at numkeys_arg + numkeys + 1, so too large a numkeys is
 * a syntax error there, not a count error. */
bool collection_mpop_parse(struct cmd_ctx *ctx, size_t numkeys_arg,
                           const struct collection_type *t, struct collection_mpop *q)
{
    long long numkeys;
    if (!arg_to_ll(&ctx->argv[numkeys_arg], &numkeys) || numkeys < 1) {
        resp_add_error(ctx->out, "ERR numkeys should be greater than 0");
        return false;
    }
    if ((unsigned long long)numkeys >= ctx->argc - numkeys_arg - 1) {
        reply_syntax_error(ctx);
        return false;
    }
    *q = (struct collection_mpop){
        .first_key = numkeys_arg + 1, .numkeys = (size_t)numkeys, .count = 1};
    const struct resp_arg *end = &ctx->argv[q->first_key + q->numkeys];
    if (arg_is(end, t->end_words[1]))
        q->second_end = true;
    else if (!arg_is(end, t->end_words[0])) {
        reply_syntax_error(ctx);
        return false;
    }
    return mpop_parse_count(ctx, q->first_key + q->numkeys + 1, q);
}

bool collection_mpop_serve(struct cmd_ctx *ctx, const struct collection_type *t,
                           const struct collection_mpop *q)
{
    for (size_t i = q->first_key; i < q->first_key + q->numkeys; i++) {
        struct cmd_key k;
        struct hashmap_entry *e;
        struct object_boxed *b;
        cmd_key(ctx, i, &k);
        if (!cmd_find_boxed(ctx, &k, 0, t->type, &e, &b))
            return true;
        if (b == NULL)
            continue;
        size_t n = t->len(b);
        if ((unsigned long long)q->count < n)
            n = (size_t)q->count;
        resp_add_array_len(ctx->out, 2);
        resp_add_bulk(ctx->out, ctx->argv[i].ptr, ctx->argv[i].len);
        resp_add_array_len(ctx->out, n);
        t->pop(ctx->out, b, q->second_end, n, true);
        cmd_notify(ctx, t->notify_class, t->pop_events[q->second_end], &ctx->argv[i]);
        collection_changed(t, &k, e);
        return true;
    }
    return false;
}

void collection_mpop_command(struct cmd_ctx *ctx, const struct collection_type *t)
{
    struct collection_mpop q;
    if (collection_mpop_parse(ctx, 1, t, &q) && !collection_mpop_serve(ctx, t, &q))
        resp_add_null_array(ctx->out);
}

/* ---- helpers ------------------------------------------------------------- */

bool collection_clamp_range(long long start, long long end, size_t len, size_t *first,
                            size_t *count)
{
    long long llen = (long long)len;
    if (start < 0)
        start += llen;
    if (end < 0)
        end += llen;
    if (start < 0)
        start = 0;
    if (start > end || start >= llen)
        return false;
    if (end >= llen)
        end = llen - 1;
    *first = (size_t)start;
    *count = (size_t)(end - start + 1);
    return true;
}

uint64_t collection_rand64_cb(void *ud)
{
    static _Thread_local uint64_t state;
    (void)ud;
    if (state == 0)
        state = (server.seed.k0 ^ (uint64_t)(uintptr_t)&state) | 1;
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
}

uint64_t collection_rand_below(uint64_t n)
{
    return rng_below(collection_rand64_cb, NULL, n);
}

bool collection_rand_parse(struct cmd_ctx *ctx, const char *with_word, long long *count,
                           bool *with)
{
    *with = ctx->argc == 4;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], count))
        return false;
    if (*count == LLONG_MIN) {
        resp_add_error(ctx->out, "ERR value is out of range, value must between "
                                 "-9223372036854775807 and 9223372036854775807");
        return false;
    }
    if (ctx->argc > 4 || (*with && !arg_is(&ctx->argv[3], with_word))) {
        reply_syntax_error(ctx);
        return false;
    }
    if (*with && (*count < -LLONG_MAX / 2 || *count > LLONG_MAX / 2)) {
        resp_add_error(ctx->out, "ERR value is out of range");
        return false;
    }
    return true;
}
