/*
 * cmd_zset.c - the sorted set commands, after Redis 7.0's t_zset.c.
 *
 * ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
 * ZRANGE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX
 * ZREVRANGEBYLEX ZPOPMIN ZPOPMAX ZREMRANGEBYRANK ZREMRANGEBYSCORE
 * ZREMRANGEBYLEX ZSCAN.
 *
 * The value is a core/zset (zset.h) held boxed in the key's entry. Writes
 * change it in place under the shard lock and signal the key modified (for
 * WATCH); a new key's zset is built first and stored with
 * keyspace_set_value only when it has a member, and a zset whose last
 * member goes is deleted, so an empty zset never exists. The object's
 * reported encoding follows zset_encoding: "listpack" until the zset has
 * held more than 128 members or a member longer than 64 bytes, then
 * "skiplist" for good (as Redis 7.0, which converts back only in
 * ZUNIONSTORE and friends).
 *
 * Redis's order of checks is kept: options, then scores/ranges, then the
 * key lookup and WRONGTYPE. Read commands count keyspace hits/misses.
 *
 * Score and lex ranges become rank ranges: zset_count_below gives the
 * first rank in range and one past the last, so every range command is a
 * walk over consecutive ranks. Lex ranges assume, as Redis does, that all
 * members share one score; otherwise the result is unspecified (and may
 * differ from Redis's).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "glob.h"
#include "keyspace.h"
#include "server.h"
#include "zset.h"

#define ERR_OOM "ERR out of memory"
#define ERR_NOT_FLOAT "ERR value is not a valid float"
#define ERR_NAN "ERR resulting score is not a number (NaN)"
#define ERR_RANGE_FLOAT "ERR min or max is not a float"
#define ERR_RANGE_LEX "ERR min or max not valid string range item"

/* ==== shared helpers ========================================================== */

/* The zset at key k, or NULL when absent. False after replying WRONGTYPE.
 * `flags` is KEYSPACE_LOOKUP_COUNT for reads, 0 for writes. */
static bool find_zset(struct cmd_ctx *ctx, const struct cmd_key *k, unsigned flags,
                      struct hashmap_entry **entry, struct zset **z)
{
    struct object_boxed *boxed;
    bool ok = cmd_find_boxed(ctx, k, flags, OBJECT_ZSET, entry, &boxed);
    *z = boxed ? zset_from_boxed(boxed) : NULL;
    return ok;
}

/* After an in-place change to an existing key's zset: delete it if it is
 * empty, else bring the encoding up to date and tell WATCH. */
static void changed_in_place(struct cmd_key *k, struct hashmap_entry *e, struct zset *z)
{
    if (zset_len(z) == 0) {
        keyspace_delete_entry(k->shard, e); /* the deletion tells WATCH */
        return;
    }
    keyspace_object(e)->encoding = (uint8_t)zset_encoding(z);
    keyspace_signal_modified(k->shard, &k->key);
}

/* Store a new, non-empty zset at k. Takes ownership of z. False after an
 * out-of-memory reply. */
static bool store_zset(struct cmd_ctx *ctx, struct cmd_key *k, struct zset *z)
{
    struct object_value v;
    object_value_from_boxed(&v, OBJECT_ZSET, zset_encoding(z), zset_boxed(z));
    if (keyspace_set_value(k->shard, &k->key, &v, KEYSPACE_TTL_NONE, ctx->now_ms, NULL) < 0) {
        resp_add_error(ctx->out, ERR_OOM);
        return false;
    }
    return true;
}

/* A score argument as Redis's getDoubleFromObject reads it. */
static bool arg_to_score(const struct resp_arg *arg, double *out)
{
    return resp_str_to_double(arg->ptr, arg->len, out);
}

/* strtod over the argument's bytes up to the first NUL, as Redis's
 * zslParseRange: the whole C string must be consumed and not be NaN. */
static bool parse_range_number(const char *p, size_t len, double *out)
{
    char stack[128];
    char *buf = len < sizeof(stack) ? stack : malloc(len + 1);
    if (buf == NULL)
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    bool ok = end[0] == '\0' && !isnan(*out);
    if (buf != stack)
        free(buf);
    return ok;
}

struct score_range {
    double min, max;
    bool minex, maxex;
};

/* zslParseRange: "(x" exclusive, else inclusive; "inf", "-inf" work. */
static bool parse_score_range(const struct resp_arg *min, const struct resp_arg *max,
                              struct score_range *r)
{
    r->minex = min->len > 0 && min->ptr[0] == '(';
    r->maxex = max->len > 0 && max->ptr[0] == '(';
    return parse_range_number(min->ptr + r->minex, min->len - r->minex, &r->min) &&
           parse_range_number(max->ptr + r->maxex, max->len - r->maxex, &r->max);
}

/* Ranks [*lo, *hi) of the members inside r (empty when *hi <= *lo). */
static void score_range_ranks(const struct zset *z, const struct score_range *r, size_t *lo,
                              size_t *hi)
{
    *lo = zset_count_below(z, r->min, r->minex);
    *hi = zset_count_below(z, r->max, !r->maxex);
    if (*hi < *lo)
        *hi = *lo;
}

/* One end of a lex range: "-" (lowest), "+" (highest), "[x", "(x". */
struct lex_item {
    int inf; /* -1: "-", +1: "+", 0: a string */
    bool ex;
    const char *ptr;
    size_t len;
};

static bool parse_lex_item(const struct resp_arg *a, struct lex_item *it)
{
    it->inf = 0;
    it->ex = false;
    it->ptr = a->len ? a->ptr + 1 : a->ptr;
    it->len = a->len ? a->len - 1 : 0;
    if (a->len == 0)
        return false;
    switch (a->ptr[0]) {
    case '+':
    case '-':
        /* Redis tests c[1] != '\0' on the NUL-terminated argument. */
        if (a->len > 1 && a->ptr[1] != '\0')
            return false;
        it->inf = a->ptr[0] == '+' ? 1 : -1;
        it->ex = true;
        return true;
    case '(':
        it->ex = true;
        return true;
    case '[':
        return true;
    default:
        return false;
    }
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t min = alen < blen ? alen : blen;
    int c = min ? memcmp(a, b, min) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* How many members (in rank order, compared by bytes) sort below the item:
 * members < item, or <= item when `inclusive`. A binary search over ranks. */
static size_t lex_count_below(const struct zset *z, const struct lex_item *it, bool inclusive)
{
    size_t n = zset_len(z);
    if (it->inf < 0)
        return 0;
    if (it->inf > 0)
        return n;
    size_t lo = 0, hi = n;
    struct zset_member m;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        zset_at(z, mid, &m);
        int c = cmp_bytes(m.ptr, m.len, it->ptr, it->len);
        if (c < 0 || (inclusive && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void lex_range_ranks(const struct zset *z, const struct lex_item *min,
                            const struct lex_item *max, size_t *lo, size_t *hi)
{
    *lo = lex_count_below(z, min, min->ex);
    *hi = lex_count_below(z, max, !max->ex);
    if (*hi < *lo)
        *hi = *lo;
}

static void reply_double(struct cmd_ctx *ctx, double v)
{
    resp_add_double(ctx->out, v);
}

/* ==== ZADD, ZINCRBY ============================================================= */

#define ZADD_NX 1
#define ZADD_XX 2
#define ZADD_GT 4
#define ZADD_LT 8
#define ZADD_CH 16
#define ZADD_INCR 32

enum zadd_out { ZADD_OUT_NOP, ZADD_OUT_ADDED, ZADD_OUT_UPDATED, ZADD_OUT_SAME, ZADD_OUT_NAN,
                ZADD_OUT_OOM };

/* Redis's zsetAdd for one pair; *score becomes the new score. */
static enum zadd_out zadd_one(struct zset *z, int flags, double *score, const struct resp_arg *m)
{
    double cur;
    if (zset_score(z, m->ptr, m->len, &cur)) {
        if (flags & ZADD_NX)
            return ZADD_OUT_NOP;
        double s = *score;
        if (flags & ZADD_INCR) {
            s += cur;
            if (isnan(s))
                return ZADD_OUT_NAN;
        }
        if (((flags & ZADD_LT) && s >= cur) || ((flags & ZADD_GT) && s <= cur))
            return ZADD_OUT_NOP;
        *score = s;
        if (s == cur)
            return ZADD_OUT_SAME;
        if (zset_set(z, m->ptr, m->len, s, NULL) < 0)
            return ZADD_OUT_OOM;
        return ZADD_OUT_UPDATED;
    }
    if (flags & ZADD_XX)
        return ZADD_OUT_NOP;
    if (zset_set(z, m->ptr, m->len, *score, NULL) < 0)
        return ZADD_OUT_OOM;
    return ZADD_OUT_ADDED;
}

static void zadd_generic(struct cmd_ctx *ctx, int flags)
{
    size_t idx = 2;
    for (; idx < ctx->argc; idx++) {
        const struct resp_arg *a = &ctx->argv[idx];
        if (arg_is(a, "nx"))
            flags |= ZADD_NX;
        else if (arg_is(a, "xx"))
            flags |= ZADD_XX;
        else if (arg_is(a, "ch"))
            flags |= ZADD_CH;
        else if (arg_is(a, "incr"))
            flags |= ZADD_INCR;
        else if (arg_is(a, "gt"))
            flags |= ZADD_GT;
        else if (arg_is(a, "lt"))
            flags |= ZADD_LT;
        else
            break;
    }
    size_t elements = ctx->argc - idx;
    if (elements % 2 || elements == 0) {
        reply_syntax_error(ctx);
        return;
    }
    elements /= 2;
    if ((flags & ZADD_NX) && (flags & ZADD_XX)) {
        resp_add_error(ctx->out, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    if (((flags & ZADD_GT) && (flags & ZADD_NX)) || ((flags & ZADD_LT) && (flags & ZADD_NX)) ||
        ((flags & ZADD_GT) && (flags & ZADD_LT))) {
        resp_add_error(ctx->out,
                       "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if ((flags & ZADD_INCR) && elements > 1) {
        resp_add_error(ctx->out, "ERR INCR option supports a single increment-element pair");
        return;
    }
    double *scores = malloc(elements * sizeof(*scores));
    if (scores == NULL) {
        resp_add_error(ctx->out, ERR_OOM);
        return;
    }
    for (size_t j = 0; j < elements; j++) {
        if (!arg_to_score(&ctx->argv[idx + 2 * j], &scores[j])) {
            resp_add_error(ctx->out, ERR_NOT_FLOAT);
            free(scores);
            return;
        }
    }
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, 0, &e, &z)) {
        free(scores);
        return;
    }
    long long added = 0, updated = 0, processed = 0;
    double score = 0;
    bool fresh = false;
    enum zadd_out err = ZADD_OUT_NOP;
    if (z == NULL && !(flags & ZADD_XX)) {
        fresh = true;
        if ((z = zset_create(cmd_member_hasher())) == NULL) {
            free(scores);
            resp_add_error(ctx->out, ERR_OOM);
            return;
        }
    }
    for (size_t j = 0; z != NULL && j < elements; j++) {
        score = scores[j];
        enum zadd_out r = zadd_one(z, flags, &score, &ctx->argv[idx + 2 * j + 1]);
        if (r == ZADD_OUT_NAN || r == ZADD_OUT_OOM) {
            err = r;
            break;
        }
        added += r == ZADD_OUT_ADDED;
        updated += r == ZADD_OUT_UPDATED;
        processed += r != ZADD_OUT_NOP;
    }
    free(scores);
    if (fresh) {
        /* A new key holds at least the first pair (NX or no flag: added). */
        if (zset_len(z) == 0) {
            zset_destroy(z);
        } else if (!store_zset(ctx, &k, z)) {
            return;
        }
    } else if (z != NULL && (added || updated)) {
        changed_in_place(&k, e, z);
    }
    if (err == ZADD_OUT_NAN) {
        resp_add_error(ctx->out, ERR_NAN);
        return;
    }
    if (err == ZADD_OUT_OOM) {
        resp_add_error(ctx->out, ERR_OOM);
        return;
    }
    if (flags & ZADD_INCR) {
        if (processed)
            reply_double(ctx, score);
        else
            resp_add_null(ctx->out);
    } else {
        resp_add_integer(ctx->out, (flags & ZADD_CH) ? added + updated : added);
    }
}

static void zadd_command(struct cmd_ctx *ctx)
{
    zadd_generic(ctx, 0);
}

static void zincrby_command(struct cmd_ctx *ctx)
{
    zadd_generic(ctx, ZADD_INCR);
}

/* ==== ZREM ======================================================================= */

static void zrem_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    long long removed = 0;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, 0, &e, &z))
        return;
    for (size_t i = 2; z != NULL && i < ctx->argc && zset_len(z) > 0; i++)
        removed += zset_remove(z, ctx->argv[i].ptr, ctx->argv[i].len);
    if (removed > 0)
        changed_in_place(&k, e, z);
    resp_add_integer(ctx->out, removed);
}

/* ==== point reads ================================================================ */

static void zcard_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    cmd_key(ctx, 1, &k);
    if (find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        resp_add_integer(ctx->out, z ? (long long)zset_len(z) : 0);
}

static void zscore_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    double score;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    if (z != NULL && zset_score(z, ctx->argv[2].ptr, ctx->argv[2].len, &score))
        reply_double(ctx, score);
    else
        resp_add_null(ctx->out);
}

static void zmscore_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    double score;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    resp_add_array_len(ctx->out, ctx->argc - 2);
    for (size_t i = 2; i < ctx->argc; i++) {
        if (z != NULL && zset_score(z, ctx->argv[i].ptr, ctx->argv[i].len, &score))
            reply_double(ctx, score);
        else
            resp_add_null(ctx->out);
    }
}

static void zrank_generic(struct cmd_ctx *ctx, bool rev)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    size_t rank;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    if (z != NULL && zset_rank(z, ctx->argv[2].ptr, ctx->argv[2].len, &rank))
        resp_add_integer(ctx->out, (long long)(rev ? zset_len(z) - 1 - rank : rank));
    else
        resp_add_null(ctx->out);
}

static void zrank_command(struct cmd_ctx *ctx)
{
    zrank_generic(ctx, false);
}

static void zrevrank_command(struct cmd_ctx *ctx)
{
    zrank_generic(ctx, true);
}

static void zcount_command(struct cmd_ctx *ctx)
{
    struct score_range r;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    size_t lo, hi;
    if (!parse_score_range(&ctx->argv[2], &ctx->argv[3], &r)) {
        resp_add_error(ctx->out, ERR_RANGE_FLOAT);
        return;
    }
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    if (z == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    score_range_ranks(z, &r, &lo, &hi);
    resp_add_integer(ctx->out, (long long)(hi - lo));
}

static void zlexcount_command(struct cmd_ctx *ctx)
{
    struct lex_item min, max;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    size_t lo, hi;
    if (!parse_lex_item(&ctx->argv[2], &min) || !parse_lex_item(&ctx->argv[3], &max)) {
        resp_add_error(ctx->out, ERR_RANGE_LEX);
        return;
    }
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    if (z == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    lex_range_ranks(z, &min, &max, &lo, &hi);
    resp_add_integer(ctx->out, (long long)(hi - lo));
}

/* ==== ZRANGE and its older forms ================================================= */

enum range_type { RANGE_AUTO, RANGE_RANK, RANGE_SCORE, RANGE_LEX };
enum range_dir { DIR_AUTO, DIR_FORWARD, DIR_REVERSE };

/* Reply the members at ranks first, first±1, ... (count of them; reverse
 * walks downwards). RESP3 WITHSCORES: [member, score] pairs. */
static void reply_ranks(struct cmd_ctx *ctx, const struct zset *z, size_t first, size_t count,
                        bool reverse, bool withscores)
{
    bool pairs = withscores && ctx->out->proto >= 3;
    resp_add_array_len(ctx->out, withscores && !pairs ? count * 2 : count);
    struct zset_member m;
    for (size_t i = 0; i < count; i++) {
        zset_at(z, reverse ? first - i : first + i, &m);
        if (pairs)
            resp_add_array_len(ctx->out, 2);
        resp_add_bulk(ctx->out, m.ptr, m.len);
        if (withscores)
            reply_double(ctx, m.score);
    }
}

/* Ranks [lo, hi) in range, then LIMIT offset count as Redis applies it:
 * a negative offset skips everything, a negative count means all. */
static void reply_limited(struct cmd_ctx *ctx, const struct zset *z, size_t lo, size_t hi,
                          bool reverse, long long offset, long long limit, bool withscores)
{
    size_t avail = hi - lo;
    if (offset < 0 || (unsigned long long)offset >= avail) {
        resp_add_array_len(ctx->out, 0);
        return;
    }
    size_t count = avail - (size_t)offset;
    if (limit >= 0 && (unsigned long long)limit < count)
        count = (size_t)limit;
    if (count == 0) {
        resp_add_array_len(ctx->out, 0);
        return;
    }
    size_t first = reverse ? hi - 1 - (size_t)offset : lo + (size_t)offset;
    reply_ranks(ctx, z, first, count, reverse, withscores);
}

/* Redis's zrangeGenericCommand (without STORE): the key at argv[1], the
 * range at argv[2..3], options after. */
static void zrange_generic(struct cmd_ctx *ctx, enum range_type type, enum range_dir dir)
{
    bool withscores = false;
    long long offset = 0, limit = -1;
    for (size_t j = 4; j < ctx->argc; j++) {
        size_t left = ctx->argc - j - 1;
        const struct resp_arg *a = &ctx->argv[j];
        if (arg_is(a, "withscores")) {
            withscores = true;
        } else if (arg_is(a, "limit") && left >= 2) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[j + 1], &offset) ||
                !arg_to_ll_or_reply(ctx, &ctx->argv[j + 2], &limit))
                return;
            j += 2;
        } else if (dir == DIR_AUTO && arg_is(a, "rev")) {
            dir = DIR_REVERSE;
        } else if (type == RANGE_AUTO && arg_is(a, "bylex")) {
            type = RANGE_LEX;
        } else if (type == RANGE_AUTO && arg_is(a, "byscore")) {
            type = RANGE_SCORE;
        } else {
            reply_syntax_error(ctx);
            return;
        }
    }
    if (dir == DIR_AUTO)
        dir = DIR_FORWARD;
    if (type == RANGE_AUTO)
        type = RANGE_RANK;
    if (limit != -1 && type == RANGE_RANK) {
        resp_add_error(ctx->out, "ERR syntax error, LIMIT is only supported in combination "
                                 "with either BYSCORE or BYLEX");
        return;
    }
    if (withscores && type == RANGE_LEX) {
        resp_add_error(ctx->out,
                       "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    bool reverse = dir == DIR_REVERSE;
    const struct resp_arg *mina = &ctx->argv[2], *maxa = &ctx->argv[3];
    if (reverse && type != RANGE_RANK) {
        mina = &ctx->argv[3];
        maxa = &ctx->argv[2];
    }
    long long start = 0, end = 0;
    struct score_range sr;
    struct lex_item lmin, lmax;
    if (type == RANGE_RANK) {
        if (!arg_to_ll_or_reply(ctx, mina, &start) || !arg_to_ll_or_reply(ctx, maxa, &end))
            return;
    } else if (type == RANGE_SCORE) {
        if (!parse_score_range(mina, maxa, &sr)) {
            resp_add_error(ctx->out, ERR_RANGE_FLOAT);
            return;
        }
    } else if (!parse_lex_item(mina, &lmin) || !parse_lex_item(maxa, &lmax)) {
        resp_add_error(ctx->out, ERR_RANGE_LEX);
        return;
    }
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    if (z == NULL) {
        resp_add_array_len(ctx->out, 0);
        return;
    }
    size_t lo, hi;
    if (type == RANGE_RANK) {
        long long llen = (long long)zset_len(z);
        if (start < 0)
            start += llen;
        if (end < 0)
            end += llen;
        if (start < 0)
            start = 0;
        if (start > end || start >= llen) {
            resp_add_array_len(ctx->out, 0);
            return;
        }
        if (end >= llen)
            end = llen - 1;
        size_t count = (size_t)(end - start + 1);
        size_t first = reverse ? (size_t)(llen - 1 - start) : (size_t)start;
        reply_ranks(ctx, z, first, count, reverse, withscores);
        return;
    }
    if (type == RANGE_SCORE)
        score_range_ranks(z, &sr, &lo, &hi);
    else
        lex_range_ranks(z, &lmin, &lmax, &lo, &hi);
    reply_limited(ctx, z, lo, hi, reverse, offset, limit, withscores);
}

static void zrange_command(struct cmd_ctx *ctx)
{
    zrange_generic(ctx, RANGE_AUTO, DIR_AUTO);
}

static void zrevrange_command(struct cmd_ctx *ctx)
{
    zrange_generic(ctx, RANGE_RANK, DIR_REVERSE);
}

static void zrangebyscore_command(struct cmd_ctx *ctx)
{
    zrange_generic(ctx, RANGE_SCORE, DIR_FORWARD);
}

static void zrevrangebyscore_command(struct cmd_ctx *ctx)
{
    zrange_generic(ctx, RANGE_SCORE, DIR_REVERSE);
}

static void zrangebylex_command(struct cmd_ctx *ctx)
{
    zrange_generic(ctx, RANGE_LEX, DIR_FORWARD);
}

static void zrevrangebylex_command(struct cmd_ctx *ctx)
{
    zrange_generic(ctx, RANGE_LEX, DIR_REVERSE);
}

/* ==== ZPOPMIN, ZPOPMAX ============================================================ */

/* Redis's genericZpopCommand for one key: the count (when given) is
 * parsed before the key is looked up; RESP3 with a count replies
 * [member, score] pairs, without one a flat [member, score]. */
static void zpop_generic(struct cmd_ctx *ctx, bool max)
{
    long long count = 1;
    bool has_count = ctx->argc == 3;
    if (ctx->argc > 3) {
        reply_syntax_error(ctx);
        return;
    }
    if (has_count) {
        if (!arg_to_ll(&ctx->argv[2], &count) || count < 0) {
            resp_add_error(ctx->out, "ERR value is out of range, must be positive");
            return;
        }
    }
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, 0, &e, &z))
        return;
    if (z == NULL || count == 0) { /* count 0: after the type check, as Redis */
        resp_add_array_len(ctx->out, 0);
        return;
    }
    size_t n = zset_len(z);
    if ((unsigned long long)count < n)
        n = (size_t)count;
    bool pairs = has_count && ctx->out->proto >= 3;
    resp_add_array_len(ctx->out, pairs ? n : n * 2);
    struct zset_member m;
    for (size_t i = 0; i < n; i++) {
        zset_at(z, max ? zset_len(z) - 1 : 0, &m);
        if (pairs)
            resp_add_array_len(ctx->out, 2);
        resp_add_bulk(ctx->out, m.ptr, m.len);
        reply_double(ctx, m.score);
        zset_remove(z, m.ptr, m.len); /* m.ptr is the zset's own bytes: reply first */
    }
    changed_in_place(&k, e, z);
}

static void zpopmin_command(struct cmd_ctx *ctx)
{
    zpop_generic(ctx, false);
}

static void zpopmax_command(struct cmd_ctx *ctx)
{
    zpop_generic(ctx, true);
}

/* ==== ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX ============================ */

/* Redis's zremrangeGenericCommand: the range is parsed first, then the key
 * looked up; ranks [lo, hi) go, and the key with them when it empties. */
static void zremrange_generic(struct cmd_ctx *ctx, enum range_type type)
{
    long long start = 0, end = 0;
    struct score_range sr;
    struct lex_item lmin, lmax;
    if (type == RANGE_RANK) {
        if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &start) ||
            !arg_to_ll_or_reply(ctx, &ctx->argv[3], &end))
            return;
    } else if (type == RANGE_SCORE) {
        if (!parse_score_range(&ctx->argv[2], &ctx->argv[3], &sr)) {
            resp_add_error(ctx->out, ERR_RANGE_FLOAT);
            return;
        }
    } else if (!parse_lex_item(&ctx->argv[2], &lmin) || !parse_lex_item(&ctx->argv[3], &lmax)) {
        resp_add_error(ctx->out, ERR_RANGE_LEX);
        return;
    }
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, 0, &e, &z))
        return;
    if (z == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    size_t lo, hi;
    if (type == RANGE_RANK) {
        long long llen = (long long)zset_len(z);
        if (start < 0)
            start += llen;
        if (end < 0)
            end += llen;
        if (start < 0)
            start = 0;
        if (start > end || start >= llen) {
            resp_add_integer(ctx->out, 0);
            return;
        }
        if (end >= llen)
            end = llen - 1;
        lo = (size_t)start;
        hi = (size_t)end + 1;
    } else if (type == RANGE_SCORE) {
        score_range_ranks(z, &sr, &lo, &hi);
    } else {
        lex_range_ranks(z, &lmin, &lmax, &lo, &hi);
    }
    struct zset_member m;
    for (size_t i = lo; i < hi; i++) {
        zset_at(z, lo, &m);
        zset_remove(z, m.ptr, m.len);
    }
    if (hi > lo)
        changed_in_place(&k, e, z);
    resp_add_integer(ctx->out, (long long)(hi - lo));
}

static void zremrangebyrank_command(struct cmd_ctx *ctx)
{
    zremrange_generic(ctx, RANGE_RANK);
}

static void zremrangebyscore_command(struct cmd_ctx *ctx)
{
    zremrange_generic(ctx, RANGE_SCORE);
}

static void zremrangebylex_command(struct cmd_ctx *ctx)
{
    zremrange_generic(ctx, RANGE_LEX);
}

/* ==== ZSCAN ======================================================================== */

struct zscan_state {
    struct resp_out *out; /* side buffer: the cursor is replied first */
    const char *pattern;
    size_t plen;
    bool all;
    size_t visited;
    size_t n;
    bool listpack;
};

/* Redis's double2ll: an integral score within +-LLONG_MAX/2, which a
 * listpack stores (and ZSCAN then prints) as an integer. */
static bool score_to_ll(double d, long long *out)
{
    if (d < (double)(-LLONG_MAX / 2) || d > (double)(LLONG_MAX / 2))
        return false;
    long long ll = (long long)d;
    if ((double)ll != d)
        return false;
    *out = ll;
    return true;
}

/* Member and score, both as bulk strings (RESP3 too), as Redis's scan: a
 * listpack's integral scores in integer form, others as "%.17g". */
static void zscan_member_cb(const struct zset_member *m, void *ud)
{
    struct zscan_state *s = ud;
    s->visited++;
    if (!s->all && !glob_match(s->pattern, s->plen, m->ptr, m->len, false))
        return;
    char buf[64];
    long long ll;
    size_t len = s->listpack && score_to_ll(m->score, &ll) ? resp_ll_to_str(buf, ll)
                                                          : resp_double_to_str(buf, sizeof(buf), m->score);
    resp_add_bulk(s->out, m->ptr, m->len);
    resp_add_bulk(s->out, buf, len);
    s->n += 2;
}

static void zscan_command(struct cmd_ctx *ctx)
{
    uint64_t cursor;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    long long count;
    if (!arg_to_scan_cursor(&ctx->argv[2], &cursor)) {
        resp_add_error(ctx->out, "ERR invalid cursor");
        return;
    }
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    if (z == NULL) {
        reply_empty_scan(ctx);
        return;
    }
    struct resp_out items;
    struct scan_opts opts;
    if (!scan_opts_parse(ctx, 3, &opts))
        return;
    struct zscan_state s = {
        .out = &items, .pattern = opts.pattern, .plen = opts.plen, .all = opts.match_all};
    count = opts.count;
    resp_out_init(&items, ctx->out->proto);
    if (zset_encoding(z) == OBJECT_ENC_LISTPACK) {
        s.listpack = true;
        cursor = zset_scan(z, 0, zscan_member_cb, &s); /* all at once, cursor 0 */
    } else {
        unsigned long long want = (unsigned long long)count, budget = want * 10;
        do
            cursor = zset_scan(z, cursor, zscan_member_cb, &s);
        while (cursor && budget-- && s.visited < want);
    }
    if (items.oom) {
        resp_out_deinit(&items);
        resp_add_error(ctx->out, ERR_OOM);
        return;
    }
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cursor);
    resp_add_array_len(ctx->out, 2);
    resp_add_bulk(ctx->out, buf, (size_t)n);
    resp_add_array_len(ctx->out, s.n);
    resp_add_raw(ctx->out, items.data, items.len);
    resp_out_deinit(&items);
}

/* ==== the table ===================================================================== */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define KEY_ARG {"key", "key", NULL, 0, NULL}
#define MEMBER_ARG {"member", "string", NULL, 0, NULL}
#define MEMBERS_ARG {"member", "string", NULL, COMMAND_ARG_MULTIPLE, NULL}
#define MIN_ARG(t) {"min", t, NULL, 0, NULL}
#define MAX_ARG(t) {"max", t, NULL, 0, NULL}
#define WITHSCORES_ARG {"withscores", "pure-token", "WITHSCORES", COMMAND_ARG_OPTIONAL, NULL}
#define LIMIT_ARG                                                                               \
    {"limit", "block", "LIMIT", COMMAND_ARG_OPTIONAL,                                           \
     ARGS({"offset", "integer", NULL, 0, NULL}, {"count", "integer", NULL, 0, NULL})}
#define ZSET_CMD(n, ar, fl, fn, sum, si, cx, ag)                                                \
    {.name = n, .arity = ar, .flags = fl, .first_key = 1, .last_key = 1, .key_step = 1,         \
     .proc = fn, .group = "sorted-set", .summary = sum, .since = si, .complexity = cx,          \
     .args = ag, .acl = ACL_SORTEDSET}
#define WRITE_FAST (CMD_WRITE | CMD_DENYOOM | CMD_FAST)
#define READ_FAST (CMD_READONLY | CMD_FAST)
#define LOG_N "O(log(N)) where N is the number of elements in the sorted set."
#define LOG_N_M                                                                                 \
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "   \
    "elements being returned. If M is constant (e.g. always asking for the first 10 elements " \
    "with LIMIT), you can consider it O(log(N))."

#define REM_CX                                                                                  \
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "   \
    "elements removed by the operation."

struct command zset_commands[] = {
    ZSET_CMD("zadd", -4, WRITE_FAST, zadd_command,
             "Add one or more members to a sorted set, or update its score if it already "
             "exists",
             "1.2.0",
             "O(log(N)) for each item added, where N is the number of elements in the sorted "
             "set.",
             ARGS(KEY_ARG,
                  {"condition", "oneof", NULL, COMMAND_ARG_OPTIONAL,
                   ARGS({"nx", "pure-token", "NX", 0, NULL}, {"xx", "pure-token", "XX", 0, NULL})},
                  {"comparison", "oneof", NULL, COMMAND_ARG_OPTIONAL,
                   ARGS({"gt", "pure-token", "GT", 0, NULL}, {"lt", "pure-token", "LT", 0, NULL})},
                  {"change", "pure-token", "CH", COMMAND_ARG_OPTIONAL, NULL},
                  {"increment", "pure-token", "INCR", COMMAND_ARG_OPTIONAL, NULL},
                  {"data", "block", NULL, COMMAND_ARG_MULTIPLE,
                   ARGS({"score", "double", NULL, 0, NULL}, MEMBER_ARG)})),
    ZSET_CMD("zincrby", 4, WRITE_FAST, zincrby_command,
             "Increment the score of a member in a sorted set", "1.2.0", LOG_N,
             ARGS(KEY_ARG, {"increment", "integer", NULL, 0, NULL}, MEMBER_ARG)),
    ZSET_CMD("zrem", -3, CMD_WRITE | CMD_FAST, zrem_command,
             "Remove one or more members from a sorted set", "1.2.0",
             "O(M*log(N)) with N being the number of elements in the sorted set and M the "
             "number of elements to be removed.",
             ARGS(KEY_ARG, MEMBERS_ARG)),
    ZSET_CMD("zcard", 2, READ_FAST, zcard_command, "Get the number of members in a sorted set",
             "1.2.0", "O(1)", ARGS(KEY_ARG)),
    ZSET_CMD("zscore", 3, READ_FAST, zscore_command,
             "Get the score associated with the given member in a sorted set", "1.2.0", "O(1)",
             ARGS(KEY_ARG, MEMBER_ARG)),
    ZSET_CMD("zmscore", -3, READ_FAST, zmscore_command,
             "Get the score associated with the given members in a sorted set", "6.2.0",
             "O(N) where N is the number of members being requested.",
             ARGS(KEY_ARG, MEMBERS_ARG)),
    ZSET_CMD("zrank", 3, READ_FAST, zrank_command,
             "Determine the index of a member in a sorted set", "2.0.0", "O(log(N))",
             ARGS(KEY_ARG, MEMBER_ARG)),
    ZSET_CMD("zrevrank", 3, READ_FAST, zrevrank_command,
             "Determine the index of a member in a sorted set, with scores ordered from high "
             "to low",
             "2.0.0", "O(log(N))", ARGS(KEY_ARG, MEMBER_ARG)),
    ZSET_CMD("zcount", 4, READ_FAST, zcount_command,
             "Count the members in a sorted set with scores within the given values", "2.0.0",
             LOG_N, ARGS(KEY_ARG, MIN_ARG("double"), MAX_ARG("double"))),
    ZSET_CMD("zlexcount", 4, READ_FAST, zlexcount_command,
             "Count the number of members in a sorted set between a given lexicographical "
             "range",
             "2.8.9", LOG_N, ARGS(KEY_ARG, MIN_ARG("string"), MAX_ARG("string"))),
    ZSET_CMD("zrange", -4, CMD_READONLY, zrange_command,
             "Return a range of members in a sorted set", "1.2.0",
             "O(log(N)+M) with N being the number of elements in the sorted set and M the "
             "number of elements returned.",
             ARGS(KEY_ARG, {"start", "string", NULL, 0, NULL}, {"stop", "string", NULL, 0, NULL},
                  {"sortby", "oneof", NULL, COMMAND_ARG_OPTIONAL,
                   ARGS({"byscore", "pure-token", "BYSCORE", 0, NULL},
                        {"bylex", "pure-token", "BYLEX", 0, NULL})},
                  {"rev", "pure-token", "REV", COMMAND_ARG_OPTIONAL, NULL}, LIMIT_ARG,
                  WITHSCORES_ARG)),
    ZSET_CMD("zrevrange", -4, CMD_READONLY, zrevrange_command,
             "Return a range of members in a sorted set, by index, with scores ordered from "
             "high to low",
             "1.2.0",
             "O(log(N)+M) with N being the number of elements in the sorted set and M the "
             "number of elements returned.",
             ARGS(KEY_ARG, {"start", "integer", NULL, 0, NULL},
                  {"stop", "integer", NULL, 0, NULL}, WITHSCORES_ARG)),
    ZSET_CMD("zrangebyscore", -4, CMD_READONLY, zrangebyscore_command,
             "Return a range of members in a sorted set, by score", "1.0.5", LOG_N_M,
             ARGS(KEY_ARG, MIN_ARG("double"), MAX_ARG("double"), WITHSCORES_ARG, LIMIT_ARG)),
    ZSET_CMD("zrevrangebyscore", -4, CMD_READONLY, zrevrangebyscore_command,
             "Return a range of members in a sorted set, by score, with scores ordered from "
             "high to low",
             "2.2.0", LOG_N_M,
             ARGS(KEY_ARG, MAX_ARG("double"), MIN_ARG("double"), WITHSCORES_ARG, LIMIT_ARG)),
    ZSET_CMD("zrangebylex", -4, CMD_READONLY, zrangebylex_command,
             "Return a range of members in a sorted set, by lexicographical range", "2.8.9",
             LOG_N_M, ARGS(KEY_ARG, MIN_ARG("string"), MAX_ARG("string"), LIMIT_ARG)),
    ZSET_CMD("zrevrangebylex", -4, CMD_READONLY, zrevrangebylex_command,
             "Return a range of members in a sorted set, by lexicographical range, ordered "
             "from higher to lower strings.",
             "2.8.9", LOG_N_M, ARGS(KEY_ARG, MAX_ARG("string"), MIN_ARG("string"), LIMIT_ARG)),
    ZSET_CMD("zpopmin", -2, CMD_WRITE | CMD_FAST, zpopmin_command,
             "Remove and return members with the lowest scores in a sorted set", "5.0.0",
             "O(log(N)*M) with N being the number of elements in the sorted set, and M being "
             "the number of elements popped.",
             ARGS(KEY_ARG, {"count", "integer", NULL, COMMAND_ARG_OPTIONAL, NULL})),
    ZSET_CMD("zpopmax", -2, CMD_WRITE | CMD_FAST, zpopmax_command,
             "Remove and return members with the highest scores in a sorted set", "5.0.0",
             "O(log(N)*M) with N being the number of elements in the sorted set, and M being "
             "the number of elements popped.",
             ARGS(KEY_ARG, {"count", "integer", NULL, COMMAND_ARG_OPTIONAL, NULL})),
    ZSET_CMD("zremrangebyrank", 4, CMD_WRITE, zremrangebyrank_command,
             "Remove all members in a sorted set within the given indexes", "2.0.0", REM_CX,
             ARGS(KEY_ARG, {"start", "integer", NULL, 0, NULL},
                  {"stop", "integer", NULL, 0, NULL})),
    ZSET_CMD("zremrangebyscore", 4, CMD_WRITE, zremrangebyscore_command,
             "Remove all members in a sorted set within the given scores", "1.2.0", REM_CX,
             ARGS(KEY_ARG, MIN_ARG("double"), MAX_ARG("double"))),
    ZSET_CMD("zremrangebylex", 4, CMD_WRITE, zremrangebylex_command,
             "Remove all members in a sorted set between the given lexicographical range",
             "2.8.9", REM_CX, ARGS(KEY_ARG, MIN_ARG("string"), MAX_ARG("string"))),
    ZSET_CMD("zscan", -3, CMD_READONLY, zscan_command,
             "Incrementally iterate sorted sets elements and associated scores", "2.8.0",
             "O(1) for every call. O(N) for a complete iteration, including enough command "
             "calls for the cursor to return back to 0. N is the number of elements inside the "
             "collection..",
             ARGS(KEY_ARG, {"cursor", "integer", NULL, 0, NULL},
                  {"pattern", "pattern", "MATCH", COMMAND_ARG_OPTIONAL, NULL},
                  {"count", "integer", "COUNT", COMMAND_ARG_OPTIONAL, NULL})),
    {0},
};
