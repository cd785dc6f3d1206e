/*
 * cmd_zset.c - the sorted set commands, after Redis 7.0's t_zset.c.
 *
 * ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
 * ZRANGE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX
 * ZREVRANGEBYLEX ZRANGESTORE ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER
 * ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZUNION ZINTER ZDIFF
 * ZINTERCARD ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZSCAN.
 *
 * The value is a core/zset (zset.h) held boxed in the key's entry. Writes
 * change it in place under the shard lock and signal the key modified (for
 * WATCH); a new key's zset is built first and stored with
 * keyspace_set_value only when it has a member, and a zset whose last
 * member goes is deleted, so an empty zset never exists. The object's
 * reported encoding follows zset_encoding: "listpack" until a new member
 * would pass zset-max-listpack-entries (128) or is longer than
 * zset-max-listpack-value (64 bytes), then "skiplist" for good (as Redis
 * 7.0). The stored results of ZUNIONSTORE
 * and friends and of ZRANGESTORE start as Redis starts them (see
 * zset_from_items, copy_range), since that decides which -0 scores keep
 * their sign.
 *
 * ZUNION, ZINTER and ZDIFF gather the result in a hashmap (member ->
 * score in the entry), then sort it in zset order to reply or to build
 * the stored zset. They follow Redis's zunionInterDiffGenericCommand to
 * the last bit: inputs sorted by size (a sum's order of terms can change
 * its last bits, and decides an inf - inf), NaN products and sums read as
 * 0, plain sets scored 1.
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

#include "bytes.h"
#include "collection.h"
#include "command.h"
#include "keyspace.h"
#include "set.h"
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
    size_t len = s->compact && zset_score_to_ll(m->score, &ll)
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
    .notify_class = NOTIFY_ZSET, .remove_event = "zrem", .pop_events = {"zpopmin", "zpopmax"},
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
        int c = bytes_cmp(m.ptr, m.len, it->ptr, it->len);
        if (c < 0 || (inclusive && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Redis's zslLexValueGteMin and zslLexValueLteMax. */
static bool lex_gte_min(const struct zset_member *m, const struct lex_item *min)
{
    if (min->inf)
        return min->inf < 0;
    int c = bytes_cmp(m->ptr, m->len, min->ptr, min->len);
    return min->ex ? c > 0 : c >= 0;
}

static bool lex_lte_max(const struct zset_member *m, const struct lex_item *max)
{
    if (max->inf)
        return max->inf > 0;
    int c = bytes_cmp(m->ptr, m->len, max->ptr, max->len);
    return max->ex ? c < 0 : c <= 0;
}

/* A compact zset's range as Redis walks a listpack, which decides what a
 * lex range of members with different scores (unspecified, but what
 * clients see) holds: forwards, from the first member >= min while members
 * are <= max (zzlFirstInLexRange); reverse, from the last member <= max
 * while members are >= min (zzlLastInLexRange). */
static void lex_walk_ranks(const struct zset *z, const struct lex_item *min,
                           const struct lex_item *max, bool reverse, size_t *lo, size_t *hi)
{
    size_t n = zset_len(z), start = n, end = n;
    struct zset_iter it;
    struct zset_member m;
    zset_iter_init(&it, z, reverse && n > 0 ? n - 1 : 0, reverse);
    for (size_t rank = 0; zset_iter_next(&it, &m); rank++) { /* rank in walk order */
        bool in = reverse ? lex_gte_min(&m, min) : lex_lte_max(&m, max);
        if (start == n) {
            if (!(reverse ? lex_lte_max(&m, max) : lex_gte_min(&m, min)))
                continue;
            if (!in)
                break;
            start = rank;
        } else if (!in) {
            end = rank;
            break;
        }
    }
    if (start == n)
        end = start;
    *lo = reverse ? n - end : start; /* walk positions back to ranks */
    *hi = reverse ? n - start : end;
}

/* Redis's zslIsInLexRange / zzlIsInLexRange: false when the last member
 * is below min or the first above max, so nothing is in range (members of
 * different scores may still lie between). */
static bool lex_range_may_hold(const struct zset *z, const struct lex_item *min,
                               const struct lex_item *max)
{
    struct zset_member first, last;
    size_t n = zset_len(z);
    if (n == 0)
        return false;
    zset_at(z, 0, &first);
    zset_at(z, n - 1, &last);
    return lex_gte_min(&last, min) && lex_lte_max(&first, max);
}

static void lex_range_ranks(const struct zset *z, const struct lex_item *min,
                            const struct lex_item *max, bool reverse, size_t *lo, size_t *hi)
{
    if (!lex_range_may_hold(z, min, max)) {
        *lo = *hi = 0;
        return;
    }
    if (zset_encoding(z) == OBJECT_ENC_LISTPACK) {
        lex_walk_ranks(z, min, max, reverse, lo, hi);
        return;
    }
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
        lex_range_ranks(z, &r->min, &r->max, reverse, lo, hi);
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
        if ((z = zset_create(cmd_member_hasher(), cmd_object_limits())) == NULL) {
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
    if (t.added || t.updated)
        cmd_notify(ctx, NOTIFY_ZSET, (q.flags & ZADD_INCR) ? "zincr" : "zadd", &ctx->argv[1]);
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
static const char *const remove_events[] = {
    [RANGE_RANK] = "zremrangebyrank", [RANGE_SCORE] = "zremrangebyscore",
    [RANGE_LEX] = "zremrangebylex"};

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
        cmd_notify(ctx, NOTIFY_ZSET, remove_events[type], &ctx->argv[1]);
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

/* ==== ZRANGE, its older forms, ZRANGESTORE ======================================= */

enum range_dir { DIR_AUTO, DIR_FORWARD, DIR_REVERSE };

/* ZRANGE's request once parsed. */
struct zrange_req {
    struct range r;
    size_t key_arg;  /* the source: argv[1], or ZRANGESTORE's argv[2] */
    bool store;      /* ZRANGESTORE: no WITHSCORES */
    bool reverse, withscores;
    long long offset, limit; /* LIMIT; a negative limit means all */
};

/* Redis's zrangeGenericCommand step 1: the options after the range. REV,
 * BYSCORE and BYLEX are ZRANGE's own: the older forms arrive with the type
 * and direction already set, and there those words are syntax errors. */
static bool zrange_parse_options(struct cmd_ctx *ctx, enum range_dir *dir, struct zrange_req *q)
{
    for (size_t j = q->key_arg + 3; j < ctx->argc; j++) {
        size_t left = ctx->argc - j - 1;
        const struct resp_arg *a = &ctx->argv[j];
        if (!q->store && arg_is(a, "withscores")) {
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

/* Options, checks, then the range (steps 1 and 2 of Redis's) of the key at
 * argv[key_arg]; false after replying. A reversed score or lex range is
 * written max first. */
static bool zrange_parse(struct cmd_ctx *ctx, enum range_type type, enum range_dir dir,
                         size_t key_arg, struct zrange_req *q)
{
    *q = (struct zrange_req){.r.type = type, .key_arg = key_arg, .store = key_arg == 2,
                             .limit = -1};
    if (!zrange_parse_options(ctx, &dir, q))
        return false;
    q->reverse = dir == DIR_REVERSE;
    if (q->r.type == RANGE_AUTO)
        q->r.type = RANGE_RANK;
    if (!zrange_check_options(ctx, q))
        return false;
    bool max_first = q->reverse && q->r.type != RANGE_RANK;
    size_t min = key_arg + 1 + max_first, max = key_arg + 2 - max_first;
    return parse_range(ctx, &ctx->argv[min], &ctx->argv[max], &q->r);
}

/* The ranks a range walks in z: how many, and the rank of the first (the
 * walk goes down from it when reversed). Ranks [lo, hi) are in range,
 * then LIMIT offset count applies as Redis applies it: a negative offset
 * skips everything, a negative count means all. */
static size_t zrange_window(const struct zset *z, const struct zrange_req *q, size_t *first)
{
    size_t lo, hi, count = 0;
    range_ranks(z, &q->r, q->reverse, &lo, &hi);
    if (q->offset >= 0 && (unsigned long long)q->offset < hi - lo) {
        count = hi - lo - (size_t)q->offset;
        if (q->limit >= 0 && (unsigned long long)q->limit < count)
            count = (size_t)q->limit;
    }
    *first = q->reverse ? hi - 1 - (size_t)q->offset : lo + (size_t)q->offset;
    return count;
}

/* Redis's zrangeGenericCommand (without STORE): the key at argv[1], the
 * range at argv[2..3], options after. RESP3 WITHSCORES: [member, score]
 * pairs. */
static void zrange_generic(struct cmd_ctx *ctx, enum range_type type, enum range_dir dir)
{
    struct zrange_req q;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct zset *z;
    size_t first = 0, count;
    if (!zrange_parse(ctx, type, dir, 1, &q))
        return;
    cmd_key(ctx, 1, &k);
    if (!find_zset(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    count = z ? zrange_window(z, &q, &first) : 0;
    reply_members_len(ctx, count, q.withscores);
    if (count == 0)
        return;
    struct zset_iter it;
    struct zset_member m;
    zset_iter_init(&it, z, first, q.reverse);
    for (size_t i = 0; i < count && zset_iter_next(&it, &m); i++)
        reply_member(ctx, &m, q.withscores);
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

/* Store an empty result: the destination (argv[1]) goes, the reply is 0. */
static void store_nothing(struct cmd_ctx *ctx, const struct cmd_key *dk)
{
    if (keyspace_delete(dk->shard, &dk->key, ctx->now_ms))
        cmd_notify(ctx, NOTIFY_GENERIC, "del", &ctx->argv[1]);
    resp_add_integer(ctx->out, 0);
}

/* Store a result zset at dk (argv[1], taking it), notify `event` and reply
 * its size. */
static void store_zset(struct cmd_ctx *ctx, const struct cmd_key *dk, struct zset *z,
                       const char *event)
{
    size_t n = zset_len(z);
    if (!collection_store(ctx, &zset_collection, dk, zset_boxed(z)))
        return;
    cmd_notify(ctx, NOTIFY_ZSET, event, &ctx->argv[1]);
    resp_add_integer(ctx->out, (long long)n);
}

/* The members at `count` ranks of z from `first` (downwards when
 * `reverse`) copied, in that order, into a new zset that starts as Redis's
 * ZRANGESTORE starts it: a skiplist for a rank range longer than the
 * listpack limit, else a listpack that turns into a skiplist on the way
 * (so the order of inserts decides which -0 scores keep their sign, as in
 * Redis). NULL when out of memory. */
static struct zset *copy_range(const struct zset *z, const struct zrange_req *q, size_t first,
                               size_t count)
{
    const struct object_limits *l = cmd_object_limits();
    bool skiplist = q->r.type == RANGE_RANK && count > (unsigned long long)l->zset_max_listpack_entries;
    struct zset *dst = skiplist ? zset_create_skiplist(cmd_member_hasher(), cmd_object_limits())
                                : zset_create(cmd_member_hasher(), cmd_object_limits());
    struct zset_iter it;
    struct zset_member m;
    zset_iter_init(&it, z, first, q->reverse);
    for (size_t i = 0; dst != NULL && i < count && zset_iter_next(&it, &m); i++) {
        if (zset_set(dst, m.ptr, m.len, m.score, NULL) < 0) {
            zset_destroy(dst);
            dst = NULL;
        }
    }
    return dst;
}

/* ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]:
 * ZRANGE's parsing and checks, then the range stored at dst (an empty one
 * deletes dst); replies how many members were stored. */
static void zrangestore_command(struct cmd_ctx *ctx)
{
    struct zrange_req q;
    struct cmd_key sk, dk;
    struct hashmap_entry *e;
    struct zset *z, *dst;
    size_t first = 0, count;
    if (!zrange_parse(ctx, RANGE_AUTO, DIR_AUTO, 2, &q))
        return;
    cmd_key(ctx, 2, &sk);
    if (!find_zset(ctx, &sk, KEYSPACE_LOOKUP_COUNT, &e, &z))
        return;
    count = z ? zrange_window(z, &q, &first) : 0;
    cmd_key(ctx, 1, &dk);
    if (count == 0)
        store_nothing(ctx, &dk);
    else if ((dst = copy_range(z, &q, first, count)) == NULL)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    else
        store_zset(ctx, &dk, dst, "zrangestore");
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
    cmd_notify(ctx, NOTIFY_ZSET, zset_collection.pop_events[max], &ctx->argv[1]);
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

/* ==== ZUNION ZINTER ZDIFF ZINTERCARD, ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ============ */

enum zop { ZOP_UNION, ZOP_INTER, ZOP_DIFF };
enum zop_agg { AGG_SUM, AGG_MIN, AGG_MAX };

/* One input: a zset, a set (its members score 1) or a missing key (an
 * empty input: neither). */
struct zop_src {
    struct zset *z;
    struct set *s;
    double weight;
    size_t pos; /* among the inputs as given: the tie-break of the size order */
};

/* A request once parsed, and its inputs. */
struct zop_req {
    enum zop op;
    enum zop_agg agg;
    bool store;      /* the *STORE forms: the destination at argv[1] */
    bool card;       /* ZINTERCARD: count only, up to limit (0: no limit) */
    bool withscores;
    long long limit;
    size_t n;
    struct zop_src *src;
};

static size_t src_len(const struct zop_src *s)
{
    return s->z ? zset_len(s->z) : s->s ? set_len(s->s) : 0;
}

/* The member's score in the input (before its weight); false if absent. */
static bool src_score(const struct zop_src *s, const char *p, size_t len, double *score)
{
    if (s->z)
        return zset_score(s->z, p, len, score);
    *score = 1.0;
    return s->s && set_contains(s->s, p, len);
}

/* fn for each member of the input and its score, until fn returns false. */
typedef bool (*zop_visit_fn)(const char *p, size_t len, double score, void *ud);
static void src_visit(const struct zop_src *s, zop_visit_fn fn, void *ud)
{
    bool go = true;
    if (s->z) {
        struct zset_iter it;
        struct zset_member m;
        zset_iter_init(&it, s->z, 0, false);
        while (go && zset_iter_next(&it, &m))
            go = fn(m.ptr, m.len, m.score, ud);
    } else if (s->s) {
        struct set_iter it;
        struct set_member m;
        set_iter_init(&it, s->s);
        while (go && set_iter_next(&it, &m))
            go = fn(m.ptr, m.len, 1.0, ud);
        set_iter_deinit(&it);
    }
}

/* Redis's zunionInterAggregate: an inf - inf sum is 0, and a NaN term
 * (an inf score times a weight of 0, in ZINTER) never wins MIN or MAX. */
static void aggregate(double *target, double v, enum zop_agg agg)
{
    if (agg == AGG_SUM) {
        *target += v;
        if (isnan(*target))
            *target = 0.0;
    } else if (agg == AGG_MIN) {
        *target = v < *target ? v : *target;
    } else {
        *target = v > *target ? v : *target;
    }
}

/* ---- parsing ---- */

/* numkeys at argv[store ? 2 : 1], as Redis checks it; false after replying. */
static bool zop_parse_numkeys(struct cmd_ctx *ctx, struct zop_req *q)
{
    size_t at = q->store ? 2 : 1;
    long long n;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[at], &n))
        return false;
    if (n < 1) {
        resp_add_errorf(ctx->out, "ERR at least 1 input key is needed for '%s' command",
                        ctx->cmd->fullname);
        return false;
    }
    if ((unsigned long long)n > ctx->argc - at - 1) {
        reply_syntax_error(ctx);
        return false;
    }
    q->n = (size_t)n;
    return true;
}

/* The inputs after numkeys, each looked up (counting hits and misses)
 * before any option is read, as Redis does: a key of another type than
 * zset or set is WRONGTYPE. False after replying. */
static bool zop_open(struct cmd_ctx *ctx, struct zop_req *q, size_t first)
{
    if ((q->src = calloc(q->n, sizeof(*q->src))) == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    for (size_t i = 0; i < q->n; i++) {
        struct cmd_key k;
        struct hashmap_entry *e;
        cmd_key(ctx, first + i, &k);
        q->src[i] = (struct zop_src){.weight = 1.0, .pos = i};
        if ((e = cmd_find(ctx, &k, KEYSPACE_LOOKUP_COUNT)) == NULL)
            continue;
        struct object *o = keyspace_object(e);
        if (object_type(o) == OBJECT_ZSET) {
            q->src[i].z = zset_from_boxed(object_boxed(o));
        } else if (object_type(o) == OBJECT_SET) {
            q->src[i].s = set_from_boxed(object_boxed(o));
        } else {
            reply_wrongtype(ctx);
            return false;
        }
    }
    return true;
}

/* WEIGHTS w... (one per input) at argv[*j]; false after replying. */
static bool zop_parse_weights(struct cmd_ctx *ctx, struct zop_req *q, size_t *j)
{
    for (size_t i = 0; i < q->n; i++) {
        if (!arg_to_score(&ctx->argv[++*j], &q->src[i].weight)) {
            resp_add_error(ctx->out, "ERR weight value is not a float");
            return false;
        }
    }
    return true;
}

/* One option at argv[*j] (moved past its arguments), as the command allows
 * it: WEIGHTS and AGGREGATE but for ZDIFF and ZINTERCARD, WITHSCORES for
 * the replying forms, LIMIT for ZINTERCARD. False after replying. */
static bool zop_parse_option(struct cmd_ctx *ctx, struct zop_req *q, size_t *j)
{
    const struct resp_arg *a = &ctx->argv[*j];
    size_t left = ctx->argc - *j;
    bool weighs = q->op != ZOP_DIFF && !q->card;
    if (weighs && left >= q->n + 1 && arg_is(a, "weights"))
        return zop_parse_weights(ctx, q, j);
    if (weighs && left >= 2 && arg_is(a, "aggregate")) {
        a = &ctx->argv[++*j];
        if (arg_is(a, "sum") || arg_is(a, "min") || arg_is(a, "max")) {
            q->agg = arg_is(a, "sum") ? AGG_SUM : arg_is(a, "min") ? AGG_MIN : AGG_MAX;
            return true;
        }
    } else if (!q->store && !q->card && arg_is(a, "withscores")) {
        q->withscores = true;
        return true;
    } else if (q->card && left >= 2 && arg_is(a, "limit")) {
        if (arg_to_ll(&ctx->argv[++*j], &q->limit) && q->limit >= 0)
            return true;
        resp_add_error(ctx->out, "ERR LIMIT can't be negative");
        return false;
    }
    reply_syntax_error(ctx);
    return false;
}

/* Redis's order: numkeys, every input, then the options. False after
 * replying; q->src is the caller's to free either way. */
static bool zop_parse(struct cmd_ctx *ctx, struct zop_req *q)
{
    if (!zop_parse_numkeys(ctx, q))
        return false;
    size_t first = q->store ? 3 : 2;
    if (!zop_open(ctx, q, first))
        return false;
    for (size_t j = first + q->n; j < ctx->argc; j++)
        if (!zop_parse_option(ctx, q, &j))
            return false;
    return true;
}

/* ---- computing ---- */

/* The result: member -> score in a map of the member hasher (entry API,
 * the score in the entry), and ZINTERCARD's count. */
struct zop_run {
    const struct zop_req *q;
    const struct zop_src *src; /* ZUNION: the input being visited */
    struct hashmap *acc;
    size_t count;
    bool oom;
};

/* Add a member to the result, or aggregate its score into it. */
static bool acc_add(struct zop_run *r, const char *p, size_t len, double score)
{
    uint64_t h = hashmap_hash(r->acc, p, len);
    struct hashmap_entry *e = hashmap_find(r->acc, p, len, h);
    if (e != NULL) {
        aggregate(hashmap_entry_extra(e), score, r->q->agg);
        return true;
    }
    if ((e = hashmap_insert(r->acc, p, len, h, sizeof(double))) == NULL) {
        r->oom = true;
        return false;
    }
    memcpy(hashmap_entry_extra(e), &score, sizeof(score));
    return true;
}

/* A weighted score, NaN (inf times 0) read as 0. */
static double weigh(const struct zop_src *s, double score)
{
    double w = s->weight * score;
    return isnan(w) ? 0.0 : w;
}

static bool union_cb(const char *p, size_t len, double score, void *ud)
{
    struct zop_run *r = ud;
    return acc_add(r, p, len, weigh(r->src, score));
}

/* A member of the smallest input, kept if every other input has it. */
static bool inter_cb(const char *p, size_t len, double score, void *ud)
{
    struct zop_run *r = ud;
    const struct zop_req *q = r->q;
    double total = weigh(&q->src[0], score), v;
    for (size_t j = 1; j < q->n; j++) {
        if (!src_score(&q->src[j], p, len, &v))
            return true;
        aggregate(&total, v * q->src[j].weight, q->agg);
    }
    if (!q->card)
        return acc_add(r, p, len, total);
    r->count++;
    return q->limit == 0 || r->count < (unsigned long long)q->limit;
}

/* A member of the first input, kept (with its own score: ZDIFF takes no
 * weights) if no other input has it. */
static bool diff_cb(const char *p, size_t len, double score, void *ud)
{
    struct zop_run *r = ud;
    double v;
    for (size_t j = 1; j < r->q->n; j++)
        if (src_score(&r->q->src[j], p, len, &v))
            return true;
    return acc_add(r, p, len, score);
}

/* Smallest input first, ties in the order given: Redis sorts the inputs
 * of ZUNION and ZINTER so (with a stable sort), and the order of a sum's
 * terms can change its last bits. */
static int by_len(const void *a, const void *b)
{
    const struct zop_src *x = a, *y = b;
    size_t lx = src_len(x), ly = src_len(y);
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Fill r->acc (or r->count) with the result; false when out of memory. */
static bool zop_compute(struct zop_req *q, struct zop_run *r)
{
    if (q->op == ZOP_DIFF) {
        src_visit(&q->src[0], diff_cb, r);
        return !r->oom;
    }
    qsort(q->src, q->n, sizeof(*q->src), by_len);
    if (q->op == ZOP_INTER)
        src_visit(&q->src[0], inter_cb, r);
    for (size_t i = 0; q->op == ZOP_UNION && i < q->n && !r->oom; i++) {
        r->src = &q->src[i];
        src_visit(r->src, union_cb, r);
    }
    return !r->oom;
}

/* ---- replying and storing ---- */

static int cmp_member_order(const void *a, const void *b)
{
    const struct zset_member *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return bytes_cmp(x->ptr, x->len, y->ptr, y->len);
}

/* The result's members (borrowed from the map) in zset order, their count
 * in *n and the longest's length in *maxlen; NULL when out of memory. */
static struct zset_member *acc_sorted(struct hashmap *acc, size_t *n, size_t *maxlen)
{
    struct zset_member *items = malloc((hashmap_size(acc) + 1) * sizeof(*items));
    struct hashmap_iter it;
    struct hashmap_entry *e;
    if (items == NULL)
        return NULL;
    *n = *maxlen = 0;
    hashmap_iter_init(&it, acc);
    while ((e = hashmap_iter_next(&it)) != NULL) {
        struct zset_member *m = &items[(*n)++];
        m->ptr = hashmap_entry_key(e);
        m->len = hashmap_entry_keylen(e);
        memcpy(&m->score, hashmap_entry_extra(e), sizeof(m->score));
        if (m->len > *maxlen)
            *maxlen = m->len;
    }
    hashmap_iter_deinit(&it);
    qsort(items, *n, sizeof(*items), cmp_member_order);
    return items;
}

/* Redis builds the result as a skiplist and converts it to a listpack
 * when it fits (zsetConvertToListpackIfNeeded), which stores -0 as 0;
 * a result that does not fit keeps its -0 scores. NULL when out of
 * memory. */
static struct zset *zset_from_items(const struct zset_member *items, size_t n, size_t maxlen)
{
    const struct object_limits *l = cmd_object_limits();
    bool fits = n <= (unsigned long long)l->zset_max_listpack_entries &&
                maxlen <= (unsigned long long)l->zset_max_listpack_value;
    struct zset *z = fits ? zset_create(cmd_member_hasher(), cmd_object_limits())
                          : zset_create_skiplist(cmd_member_hasher(), cmd_object_limits());
    for (size_t i = 0; z != NULL && i < n; i++) {
        if (zset_set(z, items[i].ptr, items[i].len, items[i].score, NULL) < 0) {
            zset_destroy(z);
            z = NULL;
        }
    }
    return z;
}

static const char *const zop_store_events[] = {
    [ZOP_UNION] = "zunionstore", [ZOP_INTER] = "zinterstore", [ZOP_DIFF] = "zdiffstore"};

/* The result replied (as ZRANGE replies) or stored at argv[1] (an empty
 * one deletes it). */
static void zop_finish(struct cmd_ctx *ctx, const struct zop_req *q, struct hashmap *acc)
{
    size_t n, maxlen;
    struct zset_member *items = acc_sorted(acc, &n, &maxlen);
    struct zset *z = NULL;
    struct cmd_key dk;
    if (items == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    if (!q->store) {
        reply_members_len(ctx, n, q->withscores);
        for (size_t i = 0; i < n; i++)
            reply_member(ctx, &items[i], q->withscores);
    } else {
        cmd_key(ctx, 1, &dk);
        if (n == 0)
            store_nothing(ctx, &dk);
        else if ((z = zset_from_items(items, n, maxlen)) == NULL)
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        else
            store_zset(ctx, &dk, z, zop_store_events[q->op]);
    }
    free(items);
}

/* Redis's zunionInterDiffGenericCommand. */
static void zop_generic(struct cmd_ctx *ctx, enum zop op, bool store, bool card)
{
    struct zop_req q = {.op = op, .store = store, .card = card};
    struct zop_run r = {.q = &q};
    if (!zop_parse(ctx, &q))
        goto free_src;
    if ((r.acc = hashmap_create(cmd_member_hasher())) == NULL || !zop_compute(&q, &r))
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    else if (card)
        resp_add_integer(ctx->out, (long long)r.count);
    else
        zop_finish(ctx, &q, r.acc);
    hashmap_destroy(r.acc);
free_src:
    free(q.src);
}

static void zunion_command(struct cmd_ctx *ctx)
{
    zop_generic(ctx, ZOP_UNION, false, false);
}

static void zinter_command(struct cmd_ctx *ctx)
{
    zop_generic(ctx, ZOP_INTER, false, false);
}

static void zdiff_command(struct cmd_ctx *ctx)
{
    zop_generic(ctx, ZOP_DIFF, false, false);
}

static void zintercard_command(struct cmd_ctx *ctx)
{
    zop_generic(ctx, ZOP_INTER, false, true);
}

static void zunionstore_command(struct cmd_ctx *ctx)
{
    zop_generic(ctx, ZOP_UNION, true, false);
}

static void zinterstore_command(struct cmd_ctx *ctx)
{
    zop_generic(ctx, ZOP_INTER, true, false);
}

static void zdiffstore_command(struct cmd_ctx *ctx)
{
    zop_generic(ctx, ZOP_DIFF, true, false);
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
    {"offset_count", "block", "LIMIT", COMMAND_ARG_OPTIONAL,                                    \
     ARGS({"offset", "integer", NULL, 0, NULL}, {"count", "integer", NULL, 0, NULL})}
/* A command whose keys are the fixed ones 1..last (none when last is 0),
 * then those counted by argv[numkeys] (none when numkeys is 0). */
#define ZSET_CMD_KEYS(n, ar, fl, last, numkeys, fn, sum, si, cx, ag)                           \
    {.name = n, .arity = ar, .flags = fl, .first_key = (last) > 0, .last_key = last,            \
     .key_step = (last) > 0, .numkeys_arg = numkeys, .proc = fn, .group = "sorted-set",         \
     .summary = sum, .since = si, .complexity = cx, .args = ag, .acl = ACL_SORTEDSET}
#define ZSET_CMD(n, ar, fl, fn, sum, si, cx, ag) ZSET_CMD_KEYS(n, ar, fl, 1, 0, fn, sum, si, cx, ag)
#define STORE_FLAGS (CMD_WRITE | CMD_DENYOOM)
#define DEST_ARG {"destination", "key", NULL, 0, NULL}
#define SORTBY_ARG                                                                              \
    {"sortby", "oneof", NULL, COMMAND_ARG_OPTIONAL,                                             \
     ARGS({"byscore", "pure-token", "BYSCORE", 0, NULL},                                        \
          {"bylex", "pure-token", "BYLEX", 0, NULL})}
#define WEIGHTS_AGG_ARGS                                                                        \
    {"weight", "integer", "WEIGHTS", COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},        \
        {"aggregate", "oneof", "AGGREGATE", COMMAND_ARG_OPTIONAL,                               \
         ARGS({"sum", "pure-token", "SUM", 0, NULL}, {"min", "pure-token", "MIN", 0, NULL},     \
              {"max", "pure-token", "MAX", 0, NULL})}
#define UNION_CX                                                                                \
    "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being " \
    "the number of elements in the resulting sorted set."
#define INTER_CX                                                                                \
    "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "    \
    "number of input sorted sets and M being the number of elements in the resulting sorted "  \
    "set."
#define DIFF_CX                                                                                 \
    "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N " \
    "is the size of the first set, and K is the size of the result set."
#define WRITE_FAST (CMD_WRITE | CMD_DENYOOM | CMD_FAST)
#define READ_FAST (CMD_READONLY | CMD_FAST)
#define LOG_N "O(log(N)) where N is the number of elements in the sorted set."
#define LOG_N_COUNT "O(log(N)) with N being the number of elements in the sorted set."
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
                  {"score_member", "block", NULL, COMMAND_ARG_MULTIPLE,
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
             LOG_N_COUNT, ARGS(KEY_ARG, MIN_ARG("double"), MAX_ARG("double"))),
    ZSET_CMD("zlexcount", 4, READ_FAST, zlexcount_command,
             "Count the number of members in a sorted set between a given lexicographical "
             "range",
             "2.8.9", LOG_N_COUNT, ARGS(KEY_ARG, MIN_ARG("string"), MAX_ARG("string"))),
    ZSET_CMD("zrange", -4, CMD_READONLY, zrange_command,
             "Return a range of members in a sorted set", "1.2.0",
             "O(log(N)+M) with N being the number of elements in the sorted set and M the "
             "number of elements returned.",
             ARGS(KEY_ARG, {"start", "string", NULL, 0, NULL}, {"stop", "string", NULL, 0, NULL},
                  SORTBY_ARG, {"rev", "pure-token", "REV", COMMAND_ARG_OPTIONAL, NULL}, LIMIT_ARG,
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
    ZSET_CMD_KEYS("zmpop", -4, CMD_WRITE, 0, 1, zmpop_command,
                  "Remove and return members with scores in a sorted set", "7.0.0",
                  "O(K) + O(M*log(N)) where K is the number of provided keys, N being the "
                  "number of elements in the sorted set, and M being the number of elements "
                  "popped.",
                  ARGS(NUMKEYS_ARG, KEYS_ARG,
                       {"where", "oneof", NULL, 0,
                        ARGS({"min", "pure-token", "MIN", 0, NULL},
                             {"max", "pure-token", "MAX", 0, NULL})},
                       {"count", "integer", "COUNT", COMMAND_ARG_OPTIONAL, NULL})),
    ZSET_CMD("zrandmember", -2, CMD_READONLY, zrandmember_command,
             "Get one or multiple random elements from a sorted set", "6.2.0",
             "O(N) where N is the number of elements returned",
             ARGS(KEY_ARG, {"options", "block", NULL, COMMAND_ARG_OPTIONAL,
                            ARGS({"count", "integer", NULL, 0, NULL},
                                 {"withscores", "pure-token", "WITHSCORES",
                                  COMMAND_ARG_OPTIONAL, NULL})})),
    ZSET_CMD_KEYS("zrangestore", -5, CMD_WRITE | CMD_DENYOOM, 2, 0, zrangestore_command,
                  "Store a range of members from sorted set into another key", "6.2.0",
                  "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                  "number of elements stored into the destination key.",
                  ARGS({"dst", "key", NULL, 0, NULL}, {"src", "key", NULL, 0, NULL},
                       MIN_ARG("string"), MAX_ARG("string"), SORTBY_ARG,
                       {"rev", "pure-token", "REV", COMMAND_ARG_OPTIONAL, NULL},
                       {"offset_count", "block", "LIMIT", COMMAND_ARG_OPTIONAL,
                        ARGS({"offset", "integer", NULL, 0, NULL},
                             {"count", "integer", NULL, 0, NULL})})),
    ZSET_CMD_KEYS("zunion", -3, CMD_READONLY, 0, 1, zunion_command, "Add multiple sorted sets",
                  "6.2.0", UNION_CX, ARGS(NUMKEYS_ARG, KEYS_ARG, WEIGHTS_AGG_ARGS,
                                          WITHSCORES_ARG)),
    ZSET_CMD_KEYS("zunionstore", -4, STORE_FLAGS, 1, 2, zunionstore_command,
                  "Add multiple sorted sets and store the resulting sorted set in a new key",
                  "2.0.0",
                  "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, "
                  "and M being the number of elements in the resulting sorted set.",
                  ARGS(DEST_ARG, NUMKEYS_ARG, KEYS_ARG, WEIGHTS_AGG_ARGS)),
    ZSET_CMD_KEYS("zinter", -3, CMD_READONLY, 0, 1, zinter_command,
                  "Intersect multiple sorted sets", "6.2.0", INTER_CX,
                  ARGS(NUMKEYS_ARG, KEYS_ARG, WEIGHTS_AGG_ARGS, WITHSCORES_ARG)),
    ZSET_CMD_KEYS("zinterstore", -4, STORE_FLAGS, 1, 2, zinterstore_command,
                  "Intersect multiple sorted sets and store the resulting sorted set in a new key",
                  "2.0.0", INTER_CX, ARGS(DEST_ARG, NUMKEYS_ARG, KEYS_ARG, WEIGHTS_AGG_ARGS)),
    ZSET_CMD_KEYS("zintercard", -3, CMD_READONLY, 0, 1, zintercard_command,
                  "Intersect multiple sorted sets and return the cardinality of the result",
                  "7.0.0",
                  "O(N*K) worst case with N being the smallest input sorted set, K being the "
                  "number of input sorted sets.",
                  ARGS(NUMKEYS_ARG, KEYS_ARG,
                       {"limit", "integer", "LIMIT", COMMAND_ARG_OPTIONAL, NULL})),
    ZSET_CMD_KEYS("zdiff", -3, CMD_READONLY, 0, 1, zdiff_command, "Subtract multiple sorted sets",
                  "6.2.0", DIFF_CX, ARGS(NUMKEYS_ARG, KEYS_ARG, WITHSCORES_ARG)),
    ZSET_CMD_KEYS("zdiffstore", -4, STORE_FLAGS, 1, 2, zdiffstore_command,
                  "Subtract multiple sorted sets and store the resulting sorted set in a new key",
                  "6.2.0", DIFF_CX, ARGS(DEST_ARG, NUMKEYS_ARG, KEYS_ARG)),
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
