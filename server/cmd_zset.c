/*
 * cmd_zset.c - the sorted set commands, after Redis 7.0's t_zset.c.
 *
 * ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
 * ZRANGE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX
 * ZREVRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZREMRANGEBYRANK
 * ZREMRANGEBYSCORE ZREMRANGEBYLEX ZSCAN.
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
#include <stdlib.h>
#include <string.h>

#include "collection.h"
#include "command.h"
#include "keyspace.h"
#include "zset.h"

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

/* The zset as a collection (collection.h): for the handlers all the types
 * share, and for stores and in-place changes. */
static size_t len_cb(struct object_boxed *b)
{
    return zset_len(zset_from_boxed(b));
}

static enum object_encoding encoding_cb(struct object_boxed *b)
{
    return zset_encoding(zset_from_boxed(b));
}

static bool remove_cb(struct object_boxed *b, const char *member, size_t len)
{
    return zset_remove(zset_from_boxed(b), member, len);
}

/* ZSCAN replies a member and its score, both as bulk strings (RESP3 too),
 * as Redis's scan: a listpack's integral scores in integer form, others
 * as "%.17g". */
static void scan_member_cb(const struct zset_member *m, void *ud)
{
    struct collection_scan *s = ud;
    if (!collection_scan_visit(s, m->ptr, m->len))
        return;
    char buf[64];
    long long ll;
    size_t len = s->compact && score_to_ll(m->score, &ll)
                     ? resp_ll_to_str(buf, ll)
                     : resp_double_to_str(buf, sizeof(buf), m->score);
    collection_scan_add(s, m->ptr, m->len);
    collection_scan_add(s, buf, len);
}

static uint64_t scan_cb(struct object_boxed *b, uint64_t cursor, struct collection_scan *s)
{
    return zset_scan(zset_from_boxed(b), cursor, scan_member_cb, s);
}

/* The lowest or highest scores first, each member with its score. */
static void pop_cb(struct resp_out *out, struct object_boxed *b, bool max, size_t n, bool pairs)
{
    struct zset *z = zset_from_boxed(b);
    struct zset_member m;
    for (size_t i = 0; i < n; i++) {
        zset_at(z, max ? zset_len(z) - 1 : 0, &m);
        if (pairs)
            resp_add_array_len(out, 2);
        resp_add_bulk(out, m.ptr, m.len);
        resp_add_double(out, m.score);
        zset_remove(z, m.ptr, m.len); /* m.ptr is the zset's own bytes: reply first */
    }
}

const struct collection_type zset_collection = {
    .type = OBJECT_ZSET, .len = len_cb, .encoding = encoding_cb, .remove = remove_cb,
    .scan = scan_cb, .compact = OBJECT_ENC_LISTPACK,
    /* Redis doubles COUNT for a skiplist zset as for a hash (member and
     * score); Grove's ZSCAN has kept the single budget so far. */
    .scan_count_scale = 1, .pop = pop_cb, .end_words = {"min", "max"},
};

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

/* The length of a reply of n members, WITHSCORES or not: RESP2 flattens
 * member and score into two items, RESP3 nests them in a pair. */
static void reply_members_len(struct cmd_ctx *ctx, size_t n, bool withscores)
{
    resp_add_array_len(ctx->out, withscores && ctx->out->proto == 2 ? n * 2 : n);
}

/* One member of such a reply. */
static void reply_member(struct cmd_ctx *ctx, const struct zset_member *m, bool withscores)
{
    if (withscores && ctx->out->proto > 2)
        resp_add_array_len(ctx->out, 2);
    resp_add_bulk(ctx->out, m->ptr, m->len);
    if (withscores)
        reply_double(ctx, m->score);
}

/* The member at rank r of such a reply. */
static void reply_rank_member(struct cmd_ctx *ctx, const struct zset *z, size_t r,
                              bool withscores)
{
    struct zset_member m;
    zset_at(z, r, &m);
    reply_member(ctx, &m, withscores);
}

/* ==== ranges ===================================================================== */

enum range_type { RANGE_AUTO, RANGE_RANK, RANGE_SCORE, RANGE_LEX };

/* A range's two ends, read as its type reads them. */
struct range {
    enum range_type type;
    long long start, end;      /* RANGE_RANK: indexes, negative from the end */
    struct score_range score;  /* RANGE_SCORE */
    struct lex_item min, max;  /* RANGE_LEX */
};

/* Parse the ends as r->type says; false after Redis's error for that type
 * (ranks: "not an integer"). */
static bool parse_range(struct cmd_ctx *ctx, const struct resp_arg *min,
                        const struct resp_arg *max, struct range *r)
{
    switch (r->type) {
    case RANGE_SCORE:
        if (parse_score_range(min, max, &r->score))
            return true;
        resp_add_error(ctx->out, ERR_RANGE_FLOAT);
        return false;
    case RANGE_LEX:
        if (parse_lex_item(min, &r->min) && parse_lex_item(max, &r->max))
            return true;
        resp_add_error(ctx->out, ERR_RANGE_LEX);
        return false;
    default: /* RANGE_RANK (ZRANGE resolves RANGE_AUTO before) */
        return arg_to_ll_or_reply(ctx, min, &r->start) && arg_to_ll_or_reply(ctx, max, &r->end);
    }
}

/* The ranks [*lo, *hi) the range covers in z (empty when equal). With
 * `reverse` a rank range counts from the highest score (ZREVRANGE), so
 * its indexes are mirrored into ranks. */
static void range_ranks(const struct zset *z, const struct range *r, bool reverse, size_t *lo,
                        size_t *hi)
{
    size_t len = zset_len(z), first, count;
    switch (r->type) {
    case RANGE_SCORE:
        score_range_ranks(z, &r->score, lo, hi);
        return;
    case RANGE_LEX:
        lex_range_ranks(z, &r->min, &r->max, lo, hi);
        return;
    default: /* RANGE_RANK */
        if (!collection_clamp_range(r->start, r->end, len, &first, &count))
            first = count = 0;
        *lo = reverse ? len - first - count : first;
        *hi = *lo + count;
    }
}

/* ==== ZADD, ZINCRBY ============================================================= */

#define ZADD_NX 1
#define ZADD_XX 2
#define ZADD_GT 4
#define ZADD_LT 8
#define ZADD_CH 16
#define ZADD_INCR 32

/* ZADD key [flags] score member [score member ...], parsed. */
struct zadd_req {
    int flags;      /* ZADD_* */
    size_t first;   /* argv index of the first score */
    size_t pairs;
    double *scores; /* one a pair, parsed before the key is looked up */
};

enum zadd_out { ZADD_OUT_NOP, ZADD_OUT_ADDED, ZADD_OUT_UPDATED, ZADD_OUT_SAME, ZADD_OUT_NAN,
                ZADD_OUT_OOM };

/* What the pairs did, for the reply. */
struct zadd_tally {
    long long added, updated, processed;
    double score;       /* the last pair's new score: ZADD INCR's reply */
    enum zadd_out stop; /* ZADD_OUT_NAN or ZADD_OUT_OOM when a pair failed */
};

/* The ZADD_* flag a word names, or 0. */
static int zadd_flag(const struct resp_arg *a)
{
    static const struct {
        const char *word;
        int flag;
    } flags[] = {{"nx", ZADD_NX},     {"xx", ZADD_XX}, {"ch", ZADD_CH},
                 {"incr", ZADD_INCR}, {"gt", ZADD_GT}, {"lt", ZADD_LT}};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (arg_is(a, flags[i].word))
            return flags[i].flag;
    return 0;
}

/* The flags from argv[2] on: the first word that is not one starts the
 * score-member pairs (a misspelt flag is then read as a score, or breaks
 * the pairing, as in Redis). */
static void zadd_parse_flags(struct cmd_ctx *ctx, struct zadd_req *q)
{
    int flag;
    for (q->first = 2; q->first < ctx->argc; q->first++) {
        if ((flag = zadd_flag(&ctx->argv[q->first])) == 0)
            return;
        q->flags |= flag;
    }
}

/* Redis's checks, in its order: whole pairs, then the flag combinations.
 * False after replying. */
static bool zadd_check(struct cmd_ctx *ctx, const struct zadd_req *q)
{
    int f = q->flags;
    if (q->pairs == 0 || (ctx->argc - q->first) % 2) {
        reply_syntax_error(ctx);
        return false;
    }
    if ((f & ZADD_NX) && (f & ZADD_XX)) {
        resp_add_error(ctx->out, "ERR XX and NX options at the same time are not compatible");
        return false;
    }
    if (((f & ZADD_GT) && (f & ZADD_NX)) || ((f & ZADD_LT) && (f & ZADD_NX)) ||
        ((f & ZADD_GT) && (f & ZADD_LT))) {
        resp_add_error(ctx->out,
                       "ERR GT, LT, and/or NX options at the same time are not compatible");
        return false;
    }
    if ((f & ZADD_INCR) && q->pairs > 1) {
        resp_add_error(ctx->out, "ERR INCR option supports a single increment-element pair");
        return false;
    }
    return true;
}

/* Every score, before the key is looked up (a bad one changes nothing).
 * False after replying; q->scores is the caller's to free either way. */
static bool zadd_parse_scores(struct cmd_ctx *ctx, struct zadd_req *q)
{
    if ((q->scores = malloc(q->pairs * sizeof(*q->scores))) == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    for (size_t j = 0; j < q->pairs; j++) {
        if (!arg_to_score(&ctx->argv[q->first + 2 * j], &q->scores[j])) {
            resp_add_error(ctx->out, ERR_NOT_FLOAT);
            return false;
        }
    }
    return true;
}

/* Flags, checks, scores; false after replying. `flags` are the command's
 * own (ZINCRBY: INCR). */
static bool zadd_parse(struct cmd_ctx *ctx, int flags, struct zadd_req *q)
{
    *q = (struct zadd_req){.flags = flags};
    zadd_parse_flags(ctx, q);
    q->pairs = (ctx->argc - q->first) / 2;
    return zadd_check(ctx, q) && zadd_parse_scores(ctx, q);
}

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

/* Every pair in order, up to the first that fails (NaN, out of memory):
 * the pairs before it stay applied, as in Redis. */
static void zadd_apply(struct cmd_ctx *ctx, const struct zadd_req *q, struct zset *z,
                       struct zadd_tally *t)
{
    for (size_t j = 0; j < q->pairs; j++) {
        t->score = q->scores[j];
        enum zadd_out r = zadd_one(z, q->flags, &t->score, &ctx->argv[q->first + 2 * j + 1]);
        if (r == ZADD_OUT_NAN || r == ZADD_OUT_OOM) {
            t->stop = r;
            return;
        }
        t->added += r == ZADD_OUT_ADDED;
        t->updated += r == ZADD_OUT_UPDATED;
        t->processed += r != ZADD_OUT_NOP;
    }
}

static void zadd_reply(struct cmd_ctx *ctx, const struct zadd_req *q, const struct zadd_tally *t)
{
    if (t->stop == ZADD_OUT_NAN)
        resp_add_error(ctx->out, ERR_NAN);
    else if (t->stop == ZADD_OUT_OOM)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    else if (!(q->flags & ZADD_INCR))
        resp_add_integer(ctx->out, (q->flags & ZADD_CH) ? t->added + t->updated : t->added);
    else if (t->processed)
        reply_double(ctx, t->score);
    else
        resp_add_null(ctx->out); /* INCR with NX/XX/GT/LT that did nothing */
}

/* Redis's zaddGenericCommand: parse and check everything, then look the
 * key up; a missing key is created unless XX, and stored only if a pair
 * went in. */
static void zadd_generic(struct cmd_ctx *ctx, int flags)
{
    struct zadd_req q;
    struct zadd_tally t = {0};
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    if (!zadd_parse(ctx, flags, &q))
        goto free_scores;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, 0, &e, &z))
        goto free_scores;
    if (z == NULL && !(q.flags & ZADD_XX)) {
        if ((z = zset_create(cmd_member_hasher())) == NULL) {
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            goto free_scores;
        }
        zadd_apply(ctx, &q, z, &t);
        if (zset_len(z) == 0)
            zset_destroy(z); /* the first pair failed */
        else if (!collection_store(ctx, &zset_collection, &k, zset_boxed(z)))
            goto free_scores;
    } else if (z != NULL) {
        zadd_apply(ctx, &q, z, &t);
        if (t.added || t.updated)
            collection_changed(&zset_collection, &k, e);
    }
    zadd_reply(ctx, &q, &t);
free_scores:
    free(q.scores);
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
    collection_remove_command(ctx, &zset_collection);
}

/* ==== point reads ================================================================ */

static void zcard_command(struct cmd_ctx *ctx)
{
    collection_len_command(ctx, &zset_collection);
}

/* The point reads' replies about a member (b NULL: a missing key). */
static void reply_score(struct cmd_ctx *ctx, struct object_boxed *b, const struct resp_arg *member)
{
    double score;
    if (b != NULL && zset_score(zset_from_boxed(b), member->ptr, member->len, &score))
        reply_double(ctx, score);
    else
        resp_add_null(ctx->out);
}

/* ZREVRANK counts from the highest score. */
static void reply_rank_generic(struct cmd_ctx *ctx, struct object_boxed *b,
                               const struct resp_arg *member, bool rev)
{
    struct zset *z = b ? zset_from_boxed(b) : NULL;
    size_t rank;
    if (z != NULL && zset_rank(z, member->ptr, member->len, &rank))
        resp_add_integer(ctx->out, (long long)(rev ? zset_len(z) - 1 - rank : rank));
    else
        resp_add_null(ctx->out);
}

static void reply_rank(struct cmd_ctx *ctx, struct object_boxed *b, const struct resp_arg *member)
{
    reply_rank_generic(ctx, b, member, false);
}

static void reply_revrank(struct cmd_ctx *ctx, struct object_boxed *b,
                          const struct resp_arg *member)
{
    reply_rank_generic(ctx, b, member, true);
}

static void zscore_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &zset_collection, reply_score, false);
}

static void zmscore_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &zset_collection, reply_score, true);
}

static void zrank_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &zset_collection, reply_rank, false);
}

static void zrevrank_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &zset_collection, reply_revrank, false);
}

/* ==== ZCOUNT, ZLEXCOUNT, ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX ======== */

/* Redis's zcountCommand, zlexcountCommand and zremrangeGenericCommand:
 * the range at argv[2..3] is parsed before the key is looked up; the reply
 * is how many members it holds, which the ZREMRANGEBY* forms (`remove`)
 * remove, the key with them when it empties. */
static void range_count_generic(struct cmd_ctx *ctx, enum range_type type, bool remove)
{
    struct range r = {.type = type};
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    size_t lo, hi;
    if (!parse_range(ctx, &ctx->argv[2], &ctx->argv[3], &r))
        return;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, remove ? 0 : KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    if (z == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    range_ranks(z, &r, false, &lo, &hi);
    if (remove && hi > lo) {
        struct zset_member m;
        for (size_t i = lo; i < hi; i++) {
            zset_at(z, lo, &m);
            zset_remove(z, m.ptr, m.len);
        }
        collection_changed(&zset_collection, &k, e);
    }
    resp_add_integer(ctx->out, (long long)(hi - lo));
}

static void zcount_command(struct cmd_ctx *ctx)
{
    range_count_generic(ctx, RANGE_SCORE, false);
}

static void zlexcount_command(struct cmd_ctx *ctx)
{
    range_count_generic(ctx, RANGE_LEX, false);
}

static void zremrangebyrank_command(struct cmd_ctx *ctx)
{
    range_count_generic(ctx, RANGE_RANK, true);
}

static void zremrangebyscore_command(struct cmd_ctx *ctx)
{
    range_count_generic(ctx, RANGE_SCORE, true);
}

static void zremrangebylex_command(struct cmd_ctx *ctx)
{
    range_count_generic(ctx, RANGE_LEX, true);
}

/* ==== ZRANGE and its older forms ================================================= */

enum range_dir { DIR_AUTO, DIR_FORWARD, DIR_REVERSE };

/* ZRANGE's request once parsed. */
struct zrange_req {
    struct range r;
    bool reverse, withscores;
    long long offset, limit; /* LIMIT; a negative limit means all */
};

/* Redis's zrangeGenericCommand step 1: the options after the range. REV,
 * BYSCORE and BYLEX are ZRANGE's own: the older forms arrive with the type
 * and direction already set, and there those words are syntax errors. */
static bool zrange_parse_options(struct cmd_ctx *ctx, enum range_dir *dir, struct zrange_req *q)
{
    for (size_t j = 4; j < ctx->argc; j++) {
        size_t left = ctx->argc - j - 1;
        const struct resp_arg *a = &ctx->argv[j];
        if (arg_is(a, "withscores")) {
            q->withscores = true;
        } else if (arg_is(a, "limit") && left >= 2) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[j + 1], &q->offset) ||
                !arg_to_ll_or_reply(ctx, &ctx->argv[j + 2], &q->limit))
                return false;
            j += 2;
        } else if (*dir == DIR_AUTO && arg_is(a, "rev")) {
            *dir = DIR_REVERSE;
        } else if (q->r.type == RANGE_AUTO && arg_is(a, "bylex")) {
            q->r.type = RANGE_LEX;
        } else if (q->r.type == RANGE_AUTO && arg_is(a, "byscore")) {
            q->r.type = RANGE_SCORE;
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

/* Options that do not go together, once the defaults are in. Redis tests
 * LIMIT by its count, so "LIMIT n -1" passes on a rank range: ignored
 * there, whatever the offset. False after replying. */
static bool zrange_check_options(struct cmd_ctx *ctx, struct zrange_req *q)
{
    if (q->limit != -1 && q->r.type == RANGE_RANK) {
        resp_add_error(ctx->out, "ERR syntax error, LIMIT is only supported in combination "
                                 "with either BYSCORE or BYLEX");
        return false;
    }
    if (q->withscores && q->r.type == RANGE_LEX) {
        resp_add_error(ctx->out,
                       "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return false;
    }
    if (q->r.type == RANGE_RANK)
        q->offset = 0;
    return true;
}

/* Options, checks, then the range (steps 1 and 2 of Redis's); false after
 * replying. A reversed score or lex range is written max first. */
static bool zrange_parse(struct cmd_ctx *ctx, enum range_type type, enum range_dir dir,
                         struct zrange_req *q)
{
    *q = (struct zrange_req){.r.type = type, .limit = -1};
    if (!zrange_parse_options(ctx, &dir, q))
        return false;
    q->reverse = dir == DIR_REVERSE;
    if (q->r.type == RANGE_AUTO)
        q->r.type = RANGE_RANK;
    if (!zrange_check_options(ctx, q))
        return false;
    bool max_first = q->reverse && q->r.type != RANGE_RANK;
    return parse_range(ctx, &ctx->argv[max_first ? 3 : 2], &ctx->argv[max_first ? 2 : 3], &q->r);
}

/* Ranks [lo, hi) in range, then LIMIT offset count as Redis applies it: a
 * negative offset skips everything, a negative count means all. Walks
 * down from hi when reversed. RESP3 WITHSCORES: [member, score] pairs. */
static void zrange_reply(struct cmd_ctx *ctx, const struct zset *z, size_t lo, size_t hi,
                         const struct zrange_req *q)
{
    size_t avail = hi - lo, count = 0;
    if (q->offset >= 0 && (unsigned long long)q->offset < avail) {
        count = avail - (size_t)q->offset;
        if (q->limit >= 0 && (unsigned long long)q->limit < count)
            count = (size_t)q->limit;
    }
    reply_members_len(ctx, count, q->withscores);
    size_t first = q->reverse ? hi - 1 - (size_t)q->offset : lo + (size_t)q->offset;
    for (size_t i = 0; i < count; i++)
        reply_rank_member(ctx, z, q->reverse ? first - i : first + i, q->withscores);
}

/* Redis's zrangeGenericCommand (without STORE): the key at argv[1], the
 * range at argv[2..3], options after. */
static void zrange_generic(struct cmd_ctx *ctx, enum range_type type, enum range_dir dir)
{
    struct zrange_req q;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    size_t lo, hi;
    if (!zrange_parse(ctx, type, dir, &q))
        return;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    if (z == NULL) {
        resp_add_array_len(ctx->out, 0);
        return;
    }
    range_ranks(z, &q.r, q.reverse, &lo, &hi);
    zrange_reply(ctx, z, lo, hi, &q);
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

/* ==== ZPOPMIN, ZPOPMAX, ZMPOP ===================================================== */

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
    pop_cb(ctx->out, zset_boxed(z), max, n, pairs);
    collection_changed(&zset_collection, &k, e);
}

static void zpopmin_command(struct cmd_ctx *ctx)
{
    zpop_generic(ctx, false);
}

static void zpopmax_command(struct cmd_ctx *ctx)
{
    zpop_generic(ctx, true);
}

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
static void zmpop_command(struct cmd_ctx *ctx)
{
    collection_mpop_command(ctx, &zset_collection);
}

/* ==== ZRANDMEMBER ================================================================== */

static int cmp_rank(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorted ranks[0..n) without repeats; returns how many remain. */
static size_t dedupe_ranks(size_t *ranks, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (kept == 0 || ranks[kept - 1] != ranks[i])
            ranks[kept++] = ranks[i];
    return kept;
}

/* `count` distinct ranks of [0, size) (count < size), ascending, every set
 * of them equally likely. For a large share of the zset, selection
 * sampling (O(size)). Otherwise uniform draws, sorted and deduplicated,
 * then more draws for the ones lost, until count remain: a draw repeats
 * with probability below 1/3, so few rounds. Each round depends on the
 * set drawn so far only, never on which ranks it holds, so no set is
 * favoured. */
static void random_ranks(size_t *ranks, size_t count, size_t size)
{
    size_t have = 0;
    if (count > size / 3) {
        for (size_t r = 0; have < count; r++)
            if (collection_rand_below(size - r) < count - have)
                ranks[have++] = r;
        return;
    }
    while (have < count) {
        for (size_t i = have; i < count; i++)
            ranks[i] = (size_t)collection_rand_below(size);
        qsort(ranks, count, sizeof(*ranks), cmp_rank);
        have = dedupe_ranks(ranks, count);
    }
}

/* Redis's zrandmemberWithCountCommand. A negative count picks with
 * repeats (stopping early if the reply outgrows the output limit); a
 * count of at least the size replies the whole zset, highest score first
 * as Redis 7.0 does; a smaller one distinct members, in score order. */
static void zrandmember_count(struct cmd_ctx *ctx, long long l, bool withscores)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    if (z == NULL || l == 0) {
        resp_add_array_len(ctx->out, 0);
        return;
    }
    size_t count = (size_t)(l > 0 ? l : -l), size = zset_len(z);
    if (l < 0 || count == 1) {
        reply_members_len(ctx, count, withscores);
        while (count-- && !ctx->out->overflow && !ctx->out->oom)
            reply_rank_member(ctx, z, (size_t)collection_rand_below(size), withscores);
        return;
    }
    if (count >= size) {
        reply_members_len(ctx, size, withscores);
        while (size--)
            reply_rank_member(ctx, z, size, withscores);
        return;
    }
    size_t *ranks = malloc(count * sizeof(*ranks));
    if (ranks == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    random_ranks(ranks, count, size);
    reply_members_len(ctx, count, withscores);
    for (size_t i = 0; i < count; i++)
        reply_rank_member(ctx, z, ranks[i], withscores);
    free(ranks);
}

/* ZRANDMEMBER key [count [WITHSCORES]]: without a count, one member (nil
 * for a missing key). */
static void zrandmember_command(struct cmd_ctx *ctx)
{
    if (ctx->argc >= 3) {
        long long count;
        bool withscores;
        if (collection_rand_parse(ctx, "withscores", &count, &withscores))
            zrandmember_count(ctx, count, withscores);
        return;
    }
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    struct zset_member m;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    if (z == NULL) {
        resp_add_null(ctx->out);
        return;
    }
    zset_at(z, (size_t)collection_rand_below(zset_len(z)), &m);
    resp_add_bulk(ctx->out, m.ptr, m.len);
}

/* ==== ZSCAN ======================================================================== */

static void zscan_command(struct cmd_ctx *ctx)
{
    collection_scan_command(ctx, &zset_collection);
}

/* ==== the table ===================================================================== */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define KEY_ARG {"key", "key", NULL, 0, NULL}
#define KEYS_ARG {"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL}
#define NUMKEYS_ARG {"numkeys", "integer", NULL, 0, NULL}
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
    {.name = "zmpop", .arity = -4, .flags = CMD_WRITE, .numkeys_arg = 1, .proc = zmpop_command,
     .group = "sorted-set", .summary = "Remove and return members with scores in a sorted set",
     .since = "7.0.0",
     .complexity = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the "
                   "number of elements in the sorted set, and M being the number of elements "
                   "popped.",
     .args = ARGS(NUMKEYS_ARG, KEYS_ARG,
                  {"where", "oneof", NULL, 0,
                   ARGS({"min", "pure-token", "MIN", 0, NULL},
                        {"max", "pure-token", "MAX", 0, NULL})},
                  {"count", "integer", "COUNT", COMMAND_ARG_OPTIONAL, NULL}),
     .acl = ACL_SORTEDSET},
    ZSET_CMD("zrandmember", -2, CMD_READONLY, zrandmember_command,
             "Get one or multiple random elements from a sorted set", "6.2.0",
             "O(N) where N is the number of elements returned",
             ARGS(KEY_ARG, {"options", "block", NULL, COMMAND_ARG_OPTIONAL,
                            ARGS({"count", "integer", NULL, 0, NULL},
                                 {"withscores", "pure-token", "WITHSCORES",
                                  COMMAND_ARG_OPTIONAL, NULL})})),
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
