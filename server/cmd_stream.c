/*
 * cmd_stream.c - the stream commands, after Redis 7.0's t_stream.c.
 *
 * XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XREAD XREADGROUP XACK
 * XPENDING XCLAIM XAUTOCLAIM XGROUP (CREATE SETID DESTROY CREATECONSUMER
 * DELCONSUMER HELP) XINFO (STREAM GROUPS CONSUMERS HELP).
 *
 * The value is a core/stream (stream.h) held boxed in the key's entry.
 * Unlike the other collections an emptied stream stays (XDEL and XTRIM
 * leave an empty stream, XGROUP CREATE MKSTREAM makes one), as in Redis.
 *
 * Redis's order of checks and its texts are kept: options and IDs are
 * parsed before the key is looked up where Redis does so (XADD, XTRIM,
 * XRANGE, XPENDING, XAUTOCLAIM, XSETID), after it where Redis does
 * (XDEL, XACK, XCLAIM). Every write signals the key modified (WATCH) and
 * raises Redis's keyspace events ("xadd", "xtrim", "xdel", "xsetid",
 * "xgroup-create", "xgroup-setid", "xgroup-destroy",
 * "xgroup-createconsumer", "xgroup-delconsumer").
 *
 * XREAD and XREADGROUP with BLOCK wait through blocking.c: see the
 * "blocking" section.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "collection.h"
#include "command.h"
#include "keyspace.h"
#include "propagate.h"
#include "script.h"
#include "stream.h"

#define ERR_INVALID_ID "ERR Invalid stream ID specified as stream command argument"
#define ERR_NO_SUCH_KEY "ERR no such key"
#define ERR_TOO_LARGE "ERR Elements are too large to be stored"
#define STREAM_ID_STR_MAX 42 /* two uint64s, a dash, a NUL */
/* Redis's XREAD_BLOCKED_DEFAULT_COUNT: a blocked XREAD without COUNT is
 * served at most this many entries per stream. */
#define XREAD_BLOCKED_DEFAULT_COUNT 1000

static const struct stream_id ID_ZERO = {0, 0};
static const struct stream_id ID_MAX = {UINT64_MAX, UINT64_MAX};

/* ==== IDs ===================================================================== */

/* Redis's string2ull: string2ll's strict form when it fits (and is not
 * negative), else strtoull's looser one. */
static bool parse_ull(const char *s, size_t len, uint64_t *out)
{
    long long ll;
    char buf[128];
    if (resp_str_to_ll(s, len, &ll)) {
        if (ll < 0)
            return false;
        *out = (uint64_t)ll;
        return true;
    }
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (memchr(s, 0, len) != NULL)
        return false;
    char *end;
    errno = 0;
    *out = strtoull(buf, &end, 10);
    return errno != EINVAL && errno != ERANGE && *end == 0;
}

/* Redis's streamGenericParseIDOrReply: "ms-seq", "ms" (seq missing_seq),
 * "-" and "+" unless strict, "ms-*" when seq_given is not NULL (then
 * *seq_given says whether seq was given). False after nothing: the caller
 * replies ERR_INVALID_ID (or, for XCLAIM's options, goes on). */
static bool parse_id(const struct resp_arg *a, uint64_t missing_seq, bool strict,
                     bool *seq_given, struct stream_id *id)
{
    const char *p = a->ptr;
    size_t len = a->len;
    if (len > 127)
        return false;
    if (len == 1 && (p[0] == '-' || p[0] == '+')) {
        if (strict)
            return false;
        *id = p[0] == '-' ? ID_ZERO : ID_MAX;
        if (seq_given)
            *seq_given = true;
        return true;
    }
    if (seq_given)
        *seq_given = true;
    const char *dash = memchr(p, '-', len);
    size_t mslen = dash ? (size_t)(dash - p) : len;
    if (!parse_ull(p, mslen, &id->ms))
        return false;
    if (dash == NULL) {
        id->seq = missing_seq;
        return true;
    }
    const char *sp = dash + 1;
    size_t slen = len - mslen - 1;
    if (seq_given && slen == 1 && sp[0] == '*') {
        id->seq = 0;
        *seq_given = false;
        return true;
    }
    return parse_ull(sp, slen, &id->seq);
}

static bool parse_id_or_reply(struct cmd_ctx *ctx, const struct resp_arg *a, uint64_t missing_seq,
                              bool strict, struct stream_id *id)
{
    if (parse_id(a, missing_seq, strict, NULL, id))
        return true;
    resp_add_error(ctx->out, ERR_INVALID_ID);
    return false;
}

/* streamIncrID / streamDecrID: false at the ends. */
static bool id_incr(struct stream_id *id)
{
    if (id->seq == UINT64_MAX) {
        if (id->ms == UINT64_MAX)
            return false;
        id->ms++;
        id->seq = 0;
    } else {
        id->seq++;
    }
    return true;
}

static bool id_decr(struct stream_id *id)
{
    if (id->seq == 0) {
        if (id->ms == 0)
            return false;
        id->ms--;
        id->seq = UINT64_MAX;
    } else {
        id->seq--;
    }
    return true;
}

/* streamParseIntervalIDOrReply plus the exclusive bound's step: "(" ID
 * (strict) moves start up or end down by one. */
static bool parse_bound(struct cmd_ctx *ctx, const struct resp_arg *a, bool is_end,
                        struct stream_id *id)
{
    bool exclusive = a->len > 1 && a->ptr[0] == '(';
    if (exclusive) {
        struct resp_arg rest = {.ptr = a->ptr + 1, .len = a->len - 1};
        if (!parse_id_or_reply(ctx, &rest, is_end ? UINT64_MAX : 0, true, id))
            return false;
        if (!(is_end ? id_decr(id) : id_incr(id))) {
            resp_add_error(ctx->out, is_end ? "ERR invalid end ID for the interval"
                                            : "ERR invalid start ID for the interval");
            return false;
        }
        return true;
    }
    return parse_id_or_reply(ctx, a, is_end ? UINT64_MAX : 0, false, id);
}

static size_t format_id(char buf[STREAM_ID_STR_MAX], const struct stream_id *id)
{
    return (size_t)snprintf(buf, STREAM_ID_STR_MAX, "%llu-%llu", (unsigned long long)id->ms,
                            (unsigned long long)id->seq);
}

static void reply_id(struct cmd_ctx *ctx, const struct stream_id *id)
{
    char buf[STREAM_ID_STR_MAX];
    resp_add_bulk(ctx->out, buf, format_id(buf, id));
}

/* ==== shared helpers ========================================================== */

static size_t len_cb(struct object_boxed *b)
{
    return (size_t)stream_len(stream_from_boxed(b));
}

static enum object_encoding encoding_cb(struct object_boxed *b)
{
    (void)b;
    return OBJECT_ENC_STREAM;
}

static const struct collection_type stream_collection = {
    .type = OBJECT_STREAM, .len = len_cb, .encoding = encoding_cb,
    .notify_class = NOTIFY_STREAM,
};

/* The stream at key k, or NULL when absent. False after replying WRONGTYPE. */
static bool find_stream(struct cmd_ctx *ctx, const struct cmd_key *k, unsigned flags,
                        struct stream **s)
{
    struct hashmap_entry *e;
    struct object_boxed *boxed;
    bool ok = cmd_find_boxed(ctx, k, flags, OBJECT_STREAM, &e, &boxed);
    *s = boxed ? stream_from_boxed(boxed) : NULL;
    return ok;
}

/* Store a new empty stream at k. NULL after an out-of-memory reply. */
static struct stream *create_stream(struct cmd_ctx *ctx, const struct cmd_key *k)
{
    struct stream *s = stream_create();
    if (s == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return NULL;
    }
    return collection_store(ctx, &stream_collection, k, stream_boxed(s)) ? s : NULL;
}

/* After a write to the stream at k (named by `key`): WATCH and the event. */
static void changed(struct cmd_ctx *ctx, const struct cmd_key *k, const struct resp_arg *key,
                    const char *event)
{
    keyspace_signal_modified(k->shard, &k->key);
    cmd_notify(ctx, NOTIFY_STREAM, event, key);
}

/* The clients blocked on k may be served: an XADD, or a group destroyed
 * under an XREADGROUP (Redis's signalKeyAsReady). */
static void wake_waiters(const struct cmd_key *k)
{
    if (keyspace_waiters(k->shard, &k->key) != NULL)
        blocking_ready_cb(k->shard, k->key.ptr, k->key.len, NULL);
}

/* One entry as Redis replies it: [id, [field, value, ...]]. */
static void reply_entry(struct cmd_ctx *ctx, struct stream_iter *it, const struct stream_id *id,
                        size_t npairs)
{
    resp_add_array_len(ctx->out, 2);
    reply_id(ctx, id);
    resp_add_array_len(ctx->out, 2 * npairs);
    for (size_t i = 0; i < npairs; i++) {
        struct stream_str f, v;
        stream_iter_pair(it, &f, &v);
        resp_add_bulk(ctx->out, f.ptr, f.len);
        resp_add_bulk(ctx->out, v.ptr, v.len);
    }
}

/* The entry with this ID, replied as reply_entry; false (nothing replied)
 * when it is not in the stream. */
static bool reply_one(struct cmd_ctx *ctx, const struct stream *s, const struct stream_id *id)
{
    struct stream_iter it;
    struct stream_id got;
    size_t npairs;
    stream_iter_init(&it, s, id, id, false);
    if (!stream_iter_next(&it, &got, &npairs))
        return false;
    reply_entry(ctx, &it, &got, npairs);
    return true;
}

static void reply_nogroup(struct cmd_ctx *ctx, const struct resp_arg *key,
                          const struct resp_arg *group)
{
    resp_add_errorf(ctx->out, "NOGROUP No such key '%.*s' or consumer group '%.*s'",
                    (int)key->len, key->ptr, (int)group->len, group->ptr);
}

/* streamCreateConsumer: a new consumer, with its event. NULL after an
 * out-of-memory reply. */
static struct stream_consumer *create_consumer(struct cmd_ctx *ctx, struct stream_group *g,
                                               const struct resp_arg *name,
                                               const struct resp_arg *key)
{
    struct stream_consumer *c = stream_consumer_create(g, name->ptr, name->len, ctx->now_ms);
    if (c == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return NULL;
    }
    cmd_notify(ctx, NOTIFY_STREAM, "xgroup-createconsumer", key);
    return c;
}

/* streamLookupConsumer (refreshing its seen time) or create it. */
static struct stream_consumer *consumer_for(struct cmd_ctx *ctx, struct stream_group *g,
                                            const struct resp_arg *name,
                                            const struct resp_arg *key)
{
    struct stream_consumer *c = stream_consumer_find(g, name->ptr, name->len);
    if (c == NULL)
        return create_consumer(ctx, g, name, key);
    c->seen_time = ctx->now_ms;
    return c;
}

/* ==== XADD XTRIM ============================================================== */

struct add_trim_args {
    bool trim, approx, nomkstream, id_given, seq_given;
    size_t threshold_arg; /* where MAXLEN's count or MINID's ID is */
    struct stream_trim t;
    struct stream_id id;
};

/* An option's argument after MAXLEN or MINID: skip "~" or "=" when more
 * arguments follow, noting "~". */
static size_t skip_trim_operator(struct cmd_ctx *ctx, size_t i, size_t moreargs, bool *approx)
{
    const struct resp_arg *next = &ctx->argv[i + 1];
    *approx = false;
    if (moreargs >= 2 && next->len == 1 && (next->ptr[0] == '~' || next->ptr[0] == '=')) {
        *approx = next->ptr[0] == '~';
        return i + 1;
    }
    return i;
}

static bool parse_maxlen_minid(struct cmd_ctx *ctx, struct add_trim_args *a, size_t *i,
                               size_t moreargs, bool minid)
{
    if (a->trim) {
        resp_add_error(ctx->out, "ERR syntax error, MAXLEN and MINID options at the same "
                                 "time are not compatible");
        return false;
    }
    *i = skip_trim_operator(ctx, *i, moreargs, &a->approx);
    a->threshold_arg = *i + 1;
    const struct resp_arg *v = &ctx->argv[*i + 1];
    if (minid) {
        if (!parse_id_or_reply(ctx, v, 0, true, &a->t.min))
            return false;
    } else {
        long long maxlen;
        if (!arg_to_ll_or_reply(ctx, v, &maxlen))
            return false;
        if (maxlen < 0) {
            resp_add_error(ctx->out, "ERR The MAXLEN argument must be >= 0.");
            return false;
        }
        a->t.maxlen = (uint64_t)maxlen;
    }
    (*i)++;
    a->trim = true;
    a->t.minid = minid;
    return true;
}

/* LIMIT's default for `~`: 100 nodes' worth at stream-node-max-entries,
 * within Redis's bounds (10000 when that is 0, at most a million). */
static long long default_trim_limit(void)
{
    long long entries = cmd_object_limits()->stream_node_max_entries;
    if (entries <= 0)
        return 10000;
    return entries > 1000000 / 100 ? 1000000 : 100 * entries;
}

/* The checks after the options, and LIMIT's default (default_trim_limit
 * for `~`, none for exact trimming). A replayed AOF trims without limit,
 * LIMIT or not: Redis writes an approximate trim as the exact one it
 * came to, with its LIMIT kept (`MAXLEN = 7 LIMIT 10`). */
static bool finish_trim_args(struct cmd_ctx *ctx, struct add_trim_args *a, bool xadd,
                             bool limit_given)
{
    if (a->t.limit && !a->trim) {
        resp_add_error(ctx->out, "ERR syntax error, LIMIT cannot be used without specifying a "
                                 "trimming strategy");
        return false;
    }
    if (!xadd && !a->trim) {
        resp_add_error(ctx->out, "ERR syntax error, XTRIM must be called with a trimming "
                                 "strategy");
        return false;
    }
    a->t.approx = a->approx;
    if (ctx->client->flags & CLIENT_REPLAY) {
        a->t.limit = 0;
        return true;
    }
    if (limit_given && !a->approx) {
        resp_add_error(ctx->out, "ERR syntax error, LIMIT cannot be used without the special ~ "
                                 "option");
        return false;
    }
    if (!limit_given)
        a->t.limit = a->approx ? default_trim_limit() : 0;
    return true;
}

/* Redis's streamParseAddOrTrimArgsOrReply: the position of XADD's ID (of
 * the argument after the options for XTRIM), or 0 after replying. */
static size_t parse_add_trim(struct cmd_ctx *ctx, struct add_trim_args *a, bool xadd)
{
    memset(a, 0, sizeof(*a));
    bool limit_given = false;
    size_t i = 2;
    for (; i < ctx->argc; i++) {
        size_t moreargs = ctx->argc - 1 - i;
        const struct resp_arg *opt = &ctx->argv[i];
        if (xadd && opt->len == 1 && opt->ptr[0] == '*') {
            break;
        } else if (arg_is(opt, "maxlen") && moreargs) {
            if (!parse_maxlen_minid(ctx, a, &i, moreargs, false))
                return 0;
        } else if (arg_is(opt, "minid") && moreargs) {
            if (!parse_maxlen_minid(ctx, a, &i, moreargs, true))
                return 0;
        } else if (arg_is(opt, "limit") && moreargs) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[i + 1], &a->t.limit))
                return 0;
            if (a->t.limit < 0) {
                resp_add_error(ctx->out, "ERR The LIMIT argument must be >= 0.");
                return 0;
            }
            limit_given = true;
            i++;
        } else if (xadd && arg_is(opt, "nomkstream")) {
            a->nomkstream = true;
        } else if (xadd) {
            if (!parse_id(opt, 0, true, &a->seq_given, &a->id)) {
                resp_add_error(ctx->out, ERR_INVALID_ID);
                return 0;
            }
            a->id_given = true;
            break;
        } else {
            reply_syntax_error(ctx);
            return 0;
        }
    }
    return finish_trim_args(ctx, a, xadd, limit_given) ? i : 0;
}

/* streamAppendItem's choice of ID: 0, else ID_NOT_ABOVE when it would not
 * be above the last ID, or ID_SEQ_EXHAUSTED for "ms-*" when the last ID
 * is ms-18446744073709551615 (Redis 7.0 replies its "too large" text
 * there: that path leaves errno other than EDOM). */
enum { ID_NOT_ABOVE = 1, ID_SEQ_EXHAUSTED = 2 };
static int next_id(const struct stream_id *lastp, const struct add_trim_args *a, long long now_ms,
                   struct stream_id *id)
{
    struct stream_id last = *lastp;
    if (a->id_given && a->seq_given) {
        *id = a->id;
    } else if (a->id_given) {
        if (last.ms == a->id.ms) {
            if (last.seq == UINT64_MAX)
                return ID_SEQ_EXHAUSTED;
            *id = (struct stream_id){last.ms, last.seq + 1};
        } else {
            *id = a->id;
        }
    } else if ((uint64_t)now_ms > last.ms) {
        *id = (struct stream_id){(uint64_t)now_ms, 0};
    } else {
        *id = last;
        if (!id_incr(id))
            return ID_NOT_ABOVE;
    }
    return stream_id_cmp(id, &last) > 0 ? 0 : ID_NOT_ABOVE;
}

/* The pairs at argv[first..] as the stream's borrowed strings. */
static int append(struct cmd_ctx *ctx, struct stream *s, const struct stream_id *id, size_t first)
{
    size_t n = ctx->argc - first;
    struct stream_str small[16];
    struct stream_str *fv = n <= 16 ? small : malloc(n * sizeof(*fv));
    if (fv == NULL)
        return STREAM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        fv[i] = (struct stream_str){ctx->argv[first + i].ptr, ctx->argv[first + i].len};
    int rc = stream_append(s, id, fv, n, cmd_object_limits());
    if (fv != small)
        free(fv);
    return rc;
}

/* What an approximate trim came to, as Redis's streamRewriteTrimArgument
 * writes it: the length left (MAXLEN), or the first ID left, the greatest
 * ID when none is (MINID). Redis takes the first entry of the first node,
 * deleted or not; the first live one trims the same entries. */
static struct resp_arg trim_threshold(const struct stream *s, const struct add_trim_args *a,
                                      char buf[STREAM_ID_STR_MAX])
{
    if (!a->t.minid)
        return (struct resp_arg){buf, (size_t)snprintf(buf, STREAM_ID_STR_MAX, "%llu",
                                                       (unsigned long long)stream_len(s))};
    struct stream_id first = stream_len(s) ? stream_first_id(s) : ID_MAX;
    return (struct resp_arg){buf, format_id(buf, &first)};
}

/* The AOF line of an XADD (idpos > 0, `id` the one added) or of an XTRIM
 * that deleted entries, as Redis 7.0 propagates them: with the ID XADD
 * generated in place of `*` or `ms-*`, and `~ threshold` as `= what the
 * trim came to`; a replay must rebuild the IDs clients were given and
 * trim exactly what was trimmed, whatever the clock or node layout. */
static void propagate_add_trim(struct cmd_ctx *ctx, const struct add_trim_args *a,
                               const struct stream *s, size_t idpos, const struct stream_id *id)
{
    bool new_id = idpos > 0 && !(a->id_given && a->seq_given);
    bool exact_trim = a->trim && a->approx;
    if (!propagate_on() || (!new_id && !exact_trim))
        return; /* propagated as it was received */
    struct resp_arg small[16];
    struct resp_arg *v = ctx->argc <= 16 ? small : malloc(ctx->argc * sizeof(*v));
    char idbuf[STREAM_ID_STR_MAX], thbuf[STREAM_ID_STR_MAX];
    if (v == NULL)
        return;
    memcpy(v, ctx->argv, ctx->argc * sizeof(*v));
    if (exact_trim) {
        v[a->threshold_arg - 1] = (struct resp_arg){"=", 1};
        v[a->threshold_arg] = trim_threshold(s, a, thbuf);
    }
    if (new_id)
        v[idpos] = (struct resp_arg){idbuf, format_id(idbuf, id)};
    propagate_as(ctx, v, ctx->argc);
    if (v != small)
        free(v);
}

static void xadd_command(struct cmd_ctx *ctx)
{
    struct add_trim_args a;
    size_t idpos = parse_add_trim(ctx, &a, true);
    if (idpos == 0)
        return;
    size_t nfv = ctx->argc - idpos - 1;
    if (idpos + 1 > ctx->argc || nfv < 2 || nfv % 2) {
        reply_wrong_arity(ctx, ctx->cmd);
        return;
    }
    if (a.id_given && a.seq_given && stream_id_is_zero(&a.id)) {
        resp_add_error(ctx->out, "ERR The ID specified in XADD must be greater than 0-0");
        return;
    }
    struct cmd_key key, *k = &key;
    struct stream *s;
    cmd_key(ctx, 1, k);
    if (!find_stream(ctx, k, 0, &s))
        return;
    if (s == NULL && a.nomkstream) {
        resp_add_null(ctx->out);
        return;
    }
    struct stream_id last = s ? stream_last_id(s) : ID_ZERO, id;
    if (stream_id_cmp(&last, &ID_MAX) == 0) {
        resp_add_error(ctx->out, "ERR The stream has exhausted the last possible ID, unable to "
                                 "add more items");
        return;
    }
    int rc = next_id(&last, &a, ctx->now_ms, &id);
    if (rc != 0) {
        resp_add_error(ctx->out, rc == ID_SEQ_EXHAUSTED
                                     ? ERR_TOO_LARGE
                                     : "ERR The ID specified in XADD is equal or smaller than "
                                       "the target stream top item");
        return;
    }
    if (s == NULL && (s = create_stream(ctx, k)) == NULL)
        return;
    /* As Redis, a stream made for an entry too large to store stays. */
    if ((rc = append(ctx, s, &id, idpos + 1)) < 0) {
        resp_add_error(ctx->out, rc == STREAM_ETOOBIG ? ERR_TOO_LARGE : ERR_OUT_OF_MEMORY);
        return;
    }
    reply_id(ctx, &id);
    changed(ctx, k, &ctx->argv[1], "xadd");
    if (a.trim && stream_trim(s, &a.t))
        cmd_notify(ctx, NOTIFY_STREAM, "xtrim", &ctx->argv[1]);
    propagate_add_trim(ctx, &a, s, idpos, &id);
    wake_waiters(k);
}

static void xtrim_command(struct cmd_ctx *ctx)
{
    struct add_trim_args a;
    if (parse_add_trim(ctx, &a, false) == 0)
        return;
    struct cmd_key k;
    struct stream *s;
    cmd_key(ctx, 1, &k);
    if (!find_stream(ctx, &k, 0, &s))
        return;
    uint64_t deleted = s ? stream_trim(s, &a.t) : 0;
    if (deleted) {
        changed(ctx, &k, &ctx->argv[1], "xtrim");
        propagate_add_trim(ctx, &a, s, 0, NULL);
    }
    resp_add_integer(ctx->out, (long long)deleted);
}

/* ==== XLEN XRANGE XREVRANGE XDEL XSETID ======================================= */

static void xlen_command(struct cmd_ctx *ctx)
{
    collection_len_command(ctx, &stream_collection);
}

/* Entries of s in [start, end] (descending with rev), at most count (0:
 * all), as an array; returns how many. */
static size_t reply_range(struct cmd_ctx *ctx, const struct stream *s,
                          const struct stream_id *start, const struct stream_id *end,
                          size_t count, bool rev)
{
    struct stream_iter it;
    struct stream_id id;
    size_t npairs, n = 0;
    size_t handle = resp_add_deferred_len(ctx->out);
    stream_iter_init(&it, s, start, end, rev);
    while ((count == 0 || n < count) && stream_iter_next(&it, &id, &npairs)) {
        reply_entry(ctx, &it, &id, npairs);
        n++;
    }
    resp_set_deferred_array_len(ctx->out, handle, n);
    return n;
}

static void xrange_generic(struct cmd_ctx *ctx, bool rev)
{
    const struct resp_arg *start_arg = &ctx->argv[rev ? 3 : 2], *end_arg = &ctx->argv[rev ? 2 : 3];
    struct stream_id start, end;
    long long count = -1;
    if (!parse_bound(ctx, start_arg, false, &start) || !parse_bound(ctx, end_arg, true, &end))
        return;
    for (size_t j = 4; j < ctx->argc; j++) {
        if (arg_is(&ctx->argv[j], "count") && j + 1 < ctx->argc) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[++j], &count))
                return;
            if (count < 0)
                count = 0;
        } else {
            reply_syntax_error(ctx);
            return;
        }
    }
    struct cmd_key k;
    struct stream *s;
    cmd_key(ctx, 1, &k);
    if (!find_stream(ctx, &k, KEYSPACE_LOOKUP_COUNT, &s))
        return;
    if (s == NULL)
        resp_add_array_len(ctx->out, 0);
    else if (count == 0)
        resp_add_null_array(ctx->out);
    else
        reply_range(ctx, s, &start, &end, count < 0 ? 0 : (size_t)count, rev);
}

static void xrange_command(struct cmd_ctx *ctx)
{
    xrange_generic(ctx, false);
}

static void xrevrange_command(struct cmd_ctx *ctx)
{
    xrange_generic(ctx, true);
}

static void xdel_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct stream *s;
    cmd_key(ctx, 1, &k);
    if (!find_stream(ctx, &k, 0, &s))
        return;
    if (s == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    size_t n = ctx->argc - 2;
    struct stream_id small[16], *ids = n <= 16 ? small : malloc(n * sizeof(*ids));
    if (ids == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    long long deleted = 0;
    size_t i = 0;
    for (; i < n; i++)
        if (!parse_id_or_reply(ctx, &ctx->argv[2 + i], 0, true, &ids[i]))
            break;
    if (i == n) {
        for (i = 0; i < n; i++)
            deleted += stream_delete(s, &ids[i]);
        if (deleted)
            changed(ctx, &k, &ctx->argv[1], "xdel");
        resp_add_integer(ctx->out, deleted);
    }
    if (ids != small)
        free(ids);
}

static bool parse_xsetid_options(struct cmd_ctx *ctx, const struct stream_id *id,
                                 long long *entries_added, struct stream_id *max_deleted)
{
    for (size_t i = 3; i < ctx->argc; i += 2) {
        bool more = i + 1 < ctx->argc;
        if (arg_is(&ctx->argv[i], "entriesadded") && more) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[i + 1], entries_added))
                return false;
            if (*entries_added < 0) {
                resp_add_error(ctx->out, "ERR entries_added must be positive");
                return false;
            }
        } else if (arg_is(&ctx->argv[i], "maxdeletedid") && more) {
            if (!parse_id_or_reply(ctx, &ctx->argv[i + 1], 0, true, max_deleted))
                return false;
            if (stream_id_cmp(id, max_deleted) < 0) {
                resp_add_error(ctx->out, "ERR The ID specified in XSETID is smaller than the "
                                         "provided max_deleted_entry_id");
                return false;
            }
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

static void xsetid_command(struct cmd_ctx *ctx)
{
    struct stream_id id, max_deleted = ID_ZERO;
    long long entries_added = -1;
    if (!parse_id_or_reply(ctx, &ctx->argv[2], 0, true, &id) ||
        !parse_xsetid_options(ctx, &id, &entries_added, &max_deleted))
        return;
    struct cmd_key k;
    struct stream *s;
    cmd_key(ctx, 1, &k);
    if (!find_stream(ctx, &k, 0, &s))
        return;
    if (s == NULL) {
        resp_add_error(ctx->out, ERR_NO_SUCH_KEY);
        return;
    }
    struct stream_id cur_max_deleted = stream_max_deleted_id(s);
    if (stream_len(s) > 0) {
        struct stream_id top = stream_last_valid_id(s);
        if (stream_id_cmp(&id, &top) < 0) {
            resp_add_error(ctx->out, "ERR The ID specified in XSETID is smaller than the target "
                                     "stream top item");
            return;
        }
        if (entries_added != -1 && stream_len(s) > (uint64_t)entries_added) {
            resp_add_error(ctx->out, "ERR The entries_added specified in XSETID is smaller than "
                                     "the target stream length");
            return;
        }
    }
    stream_set_meta(s, &id,
                    entries_added != -1 ? (uint64_t)entries_added : stream_entries_added(s),
                    stream_id_is_zero(&max_deleted) ? &cur_max_deleted : &max_deleted);
    resp_add_ok(ctx->out);
    changed(ctx, &k, &ctx->argv[1], "xsetid");
}

/* ==== XREAD XREADGROUP ======================================================== */

/* A parsed XREAD or XREADGROUP. `ids[i]` is what the i-th stream's entries
 * must be above; ID_MAX stands for XREADGROUP's ">" (new entries). */
struct xread_args {
    bool group_read;              /* XREADGROUP */
    long long timeout_ms;         /* -1: no BLOCK */
    long long count;              /* 0: no limit */
    bool noack;
    size_t streams_arg, nstreams; /* keys at argv[streams_arg..+nstreams), then the IDs */
    const struct resp_arg *group, *consumer;
    struct stream_id *ids;
    struct stream_id small[8];
};

static void xread_args_free(struct xread_args *a)
{
    if (a->ids != a->small)
        free(a->ids);
}

/* The options up to STREAMS, in Redis's order of checks. */
static bool parse_xread_options(struct cmd_ctx *ctx, struct xread_args *a)
{
    for (size_t i = 1; i < ctx->argc; i++) {
        size_t moreargs = ctx->argc - i - 1;
        const struct resp_arg *o = &ctx->argv[i];
        if (arg_is(o, "block") && moreargs) {
            if (script_running_here()) {
                resp_add_errorf(ctx->out, "ERR %.*s command is not allowed with BLOCK option "
                                          "from scripts",
                                (int)ctx->argv[0].len, ctx->argv[0].ptr);
                return false;
            }
            if (!arg_to_timeout_ms_or_reply(ctx, &ctx->argv[++i], &a->timeout_ms))
                return false;
        } else if (arg_is(o, "count") && moreargs) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[++i], &a->count))
                return false;
            if (a->count < 0)
                a->count = 0;
        } else if (arg_is(o, "streams") && moreargs) {
            a->streams_arg = i + 1;
            a->nstreams = ctx->argc - a->streams_arg;
            if (a->nstreams % 2) {
                resp_add_errorf(ctx->out,
                                "ERR Unbalanced '%s' list of streams: for each stream key an "
                                "ID or '%c' must be specified.",
                                ctx->cmd->name, a->group_read ? '>' : '$');
                return false;
            }
            a->nstreams /= 2;
            break;
        } else if (arg_is(o, "group") && moreargs >= 2) {
            if (!a->group_read) {
                resp_add_error(ctx->out, "ERR The GROUP option is only supported by XREADGROUP. "
                                         "You called XREAD instead.");
                return false;
            }
            a->group = &ctx->argv[i + 1];
            a->consumer = &ctx->argv[i + 2];
            i += 2;
        } else if (arg_is(o, "noack")) {
            if (!a->group_read) {
                resp_add_error(ctx->out, "ERR The NOACK option is only supported by XREADGROUP. "
                                         "You called XREAD instead.");
                return false;
            }
            a->noack = true;
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    if (a->streams_arg == 0) {
        reply_syntax_error(ctx);
        return false;
    }
    if (a->group_read && a->group == NULL) {
        resp_add_error(ctx->out, "ERR Missing GROUP option for XREADGROUP");
        return false;
    }
    return true;
}

/* The i-th stream's ID argument: "$", ">" or an ID; the stream (NULL
 * when absent) must hold the group for XREADGROUP. */
static bool parse_xread_id(struct cmd_ctx *ctx, struct xread_args *a, size_t i)
{
    const struct resp_arg *key = &ctx->argv[a->streams_arg + i];
    const struct resp_arg *arg = &ctx->argv[a->streams_arg + a->nstreams + i];
    struct cmd_key k;
    struct stream *s;
    cmd_key(ctx, a->streams_arg + i, &k);
    if (!find_stream(ctx, &k, KEYSPACE_LOOKUP_COUNT, &s))
        return false;
    if (a->group_read && (s == NULL || !stream_group_find(s, a->group->ptr, a->group->len))) {
        resp_add_errorf(ctx->out,
                        "NOGROUP No such key '%.*s' or consumer group '%.*s' in XREADGROUP "
                        "with GROUP option",
                        (int)key->len, key->ptr, (int)a->group->len, a->group->ptr);
        return false;
    }
    if (arg->len == 1 && arg->ptr[0] == '$') {
        if (a->group_read) {
            resp_add_error(ctx->out, "ERR The $ ID is meaningless in the context of XREADGROUP: "
                                     "you want to read the history of this consumer by "
                                     "specifying a proper ID, or use the > ID to get new "
                                     "messages. The $ ID would just return an empty result "
                                     "set.");
            return false;
        }
        a->ids[i] = s ? stream_last_id(s) : ID_ZERO;
        return true;
    }
    if (arg->len == 1 && arg->ptr[0] == '>') {
        if (!a->group_read) {
            resp_add_error(ctx->out, "ERR The > ID can be specified only when calling XREADGROUP "
                                     "using the GROUP <group> <consumer> option.");
            return false;
        }
        a->ids[i] = ID_MAX;
        return true;
    }
    return parse_id_or_reply(ctx, arg, 0, true, &a->ids[i]);
}

static bool parse_xread(struct cmd_ctx *ctx, struct xread_args *a, bool group_read)
{
    memset(a, 0, sizeof(*a));
    a->group_read = group_read;
    a->timeout_ms = -1;
    a->ids = a->small;
    if (!parse_xread_options(ctx, a))
        return false;
    if (a->nstreams > sizeof(a->small) / sizeof(a->small[0]) &&
        (a->ids = malloc(a->nstreams * sizeof(*a->ids))) == NULL) {
        a->ids = a->small;
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    for (size_t i = 0; i < a->nstreams; i++)
        if (!parse_xread_id(ctx, a, i))
            return false;
    return true;
}

/* streamReplyWithRangeFromConsumerPEL: the consumer's pending entries
 * from start on, each delivered again (a deleted one as [id, nil]). */
static void reply_consumer_history(struct cmd_ctx *ctx, const struct stream *s,
                                   struct stream_group *g, struct stream_consumer *c,
                                   const struct stream_id *start, size_t count)
{
    size_t handle = resp_add_deferred_len(ctx->out), n = 0;
    for (struct stream_nack *nack = stream_pel_seek(g, c, start); nack && (!count || n < count);
         nack = stream_pel_next(nack, true), n++) {
        if (reply_one(ctx, s, &nack->id)) {
            nack->delivery_time = ctx->now_ms;
            nack->delivery_count++;
        } else {
            resp_add_array_len(ctx->out, 2);
            reply_id(ctx, &nack->id);
            resp_add_null_array(ctx->out);
        }
    }
    resp_set_deferred_array_len(ctx->out, handle, n);
}

/* A new entry delivered to consumer c (Redis's streamReplyWithRange with a
 * group): the group's last ID and read counter move on, and unless NOACK
 * the entry joins c's PEL (taken from another consumer's if there). */
static bool deliver(struct cmd_ctx *ctx, struct stream *s, struct stream_group *g,
                    struct stream_consumer *c, const struct stream_id *id, bool noack)
{
    if (stream_id_cmp(id, &g->last_id) > 0) {
        if (g->entries_read != STREAM_ENTRIES_READ_UNKNOWN &&
            !stream_range_has_tombstones(s, id, NULL))
            g->entries_read++;
        else if (stream_entries_added(s))
            g->entries_read = stream_estimate_distance(s, id);
        g->last_id = *id;
    }
    if (noack)
        return true;
    struct stream_nack *nack = stream_nack_find(g, id);
    if (nack != NULL) {
        stream_nack_move(nack, c);
        nack->delivery_time = ctx->now_ms;
        nack->delivery_count = 1;
        return true;
    }
    return stream_nack_create(g, c, id, ctx->now_ms) != NULL;
}

/* New entries above `after` for a group's consumer, at most count. */
static void reply_group_new(struct cmd_ctx *ctx, struct stream *s, struct stream_group *g,
                            struct stream_consumer *c, const struct stream_id *after,
                            size_t count, bool noack)
{
    struct stream_id start = *after, id;
    struct stream_iter it;
    size_t npairs, n = 0;
    size_t handle = resp_add_deferred_len(ctx->out);
    id_incr(&start);
    stream_iter_init(&it, s, &start, &ID_MAX, false);
    while ((count == 0 || n < count) && stream_iter_next(&it, &id, &npairs)) {
        reply_entry(ctx, &it, &id, npairs);
        n++;
        if (!deliver(ctx, s, g, c, &id, noack)) {
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            break;
        }
    }
    resp_set_deferred_array_len(ctx->out, handle, n);
}

/* One stream of an XREAD/XREADGROUP that has something for the reader:
 * [key, entries] (a map entry in RESP3). */
static bool serve_stream(struct cmd_ctx *ctx, const struct xread_args *a, size_t i,
                         struct stream *s, size_t count)
{
    const struct resp_arg *key = &ctx->argv[a->streams_arg + i];
    struct stream_id gt = a->ids[i];
    if (ctx->out->proto == 2)
        resp_add_array_len(ctx->out, 2);
    resp_add_bulk(ctx->out, key->ptr, key->len);
    if (!a->group_read) {
        struct stream_id start = gt;
        id_incr(&start);
        reply_range(ctx, s, &start, &ID_MAX, count, false);
        return true;
    }
    struct stream_group *g = stream_group_find(s, a->group->ptr, a->group->len);
    struct stream_consumer *c = consumer_for(ctx, g, a->consumer, key);
    if (c == NULL)
        return false;
    if (stream_id_cmp(&gt, &ID_MAX) != 0) {
        struct stream_id start = gt;
        id_incr(&start);
        reply_consumer_history(ctx, s, g, c, &start, count);
    } else {
        reply_group_new(ctx, s, g, c, &g->last_id, count, a->noack);
    }
    return true;
}

/* Whether the i-th stream has something for the reader now (Redis's
 * serve_synchronously): any history for XREADGROUP with an ID, new
 * entries above the group's last ID for ">", or above the ID for XREAD. */
static bool stream_has_news(const struct xread_args *a, size_t i, struct stream *s)
{
    if (a->group_read && stream_id_cmp(&a->ids[i], &ID_MAX) != 0)
        return true;
    if (stream_len(s) == 0)
        return false;
    struct stream_id top = stream_last_valid_id(s);
    if (a->group_read) {
        struct stream_group *g = stream_group_find(s, a->group->ptr, a->group->len);
        return stream_id_cmp(&top, &g->last_id) > 0;
    }
    return stream_id_cmp(&top, &a->ids[i]) > 0;
}

/* Serve every stream that has something; returns how many did (0:
 * nothing replied). */
static size_t xread_serve(struct cmd_ctx *ctx, const struct xread_args *a, size_t count)
{
    size_t served = 0, handle = 0;
    for (size_t i = 0; i < a->nstreams; i++) {
        struct cmd_key k;
        struct stream *s;
        cmd_key(ctx, a->streams_arg + i, &k);
        find_stream(ctx, &k, 0, &s); /* the type was checked at parse time */
        if (s == NULL || !stream_has_news(a, i, s))
            continue;
        if (served++ == 0)
            handle = resp_add_deferred_len(ctx->out);
        if (!serve_stream(ctx, a, i, s, count))
            break;
        if (a->group_read)
            keyspace_signal_modified(k.shard, &k.key);
    }
    if (served) {
        if (ctx->out->proto == 2)
            resp_set_deferred_array_len(ctx->out, handle, served);
        else
            resp_set_deferred_map_len(ctx->out, handle, served);
    }
    return served;
}

/* ==== blocking =================================================================
 *
 * A reader that found nothing blocks on all its keys (blocking.c). Its
 * serving command is internal (xread_serve_cmd, not in the table): for
 * XREAD "XREAD key id count", the key's ID (the "$" resolved at block
 * time) put in as the key's extra argument; for XREADGROUP "XREADGROUP
 * key group consumer count noack", always for new entries (">"; history
 * never blocks). A waiter is served, as in Redis 7.0's
 * serveClientsBlockedOnKey, when the stream's last ID passes its ID (the
 * group's last delivered ID for XREADGROUP), with the entries of that one
 * key; an XREADGROUP waiter is also served an error when its group is
 * destroyed or its stream deleted.
 */

enum { SERVE_KEY = 1, SERVE_ID = 2, SERVE_GROUP = 2, SERVE_CONSUMER = 3 };

/* The stream in e, or NULL when e is absent or of another type. */
static struct stream *stream_of(struct hashmap_entry *e)
{
    if (e == NULL || object_type(keyspace_object(e)) != OBJECT_STREAM)
        return NULL;
    return stream_from_boxed(object_boxed(keyspace_object(e)));
}

static bool xread_check_cb(struct hashmap_entry *e, const struct resp_arg *argv, size_t argc)
{
    struct stream *s = stream_of(e);
    struct stream_id gt;
    if (argc == 6) { /* XREADGROUP */
        if (s == NULL)
            return true;
        struct stream_group *g =
            stream_group_find(s, argv[SERVE_GROUP].ptr, argv[SERVE_GROUP].len);
        if (g == NULL)
            return true;
        gt = g->last_id;
    } else {
        if (s == NULL || !parse_id(&argv[SERVE_ID], 0, true, NULL, &gt))
            return false;
    }
    struct stream_id last = stream_last_id(s);
    return stream_id_cmp(&last, &gt) > 0;
}

/* The AOF gets the XREADGROUP the blocked client sent, for the entries it
 * was just served: a replay knows nothing of the internal serving line. */
static void propagate_served_group_read(struct cmd_ctx *ctx, const struct xread_args *a)
{
    struct resp_arg v[10] = {{"XREADGROUP", 10}, {"GROUP", 5}, *a->group, *a->consumer,
                             {"COUNT", 5}, ctx->argv[4]};
    size_t n = 6;
    if (a->noack)
        v[n++] = (struct resp_arg){"NOACK", 5};
    v[n++] = (struct resp_arg){"STREAMS", 7};
    v[n++] = ctx->argv[SERVE_KEY];
    v[n++] = (struct resp_arg){">", 1};
    propagate_as(ctx, v, n);
}

/* Serve one blocked reader from the key at argv[1] (see above). */
static void xread_serve_command(struct cmd_ctx *ctx)
{
    bool group_read = ctx->argc == 6;
    struct cmd_key k;
    struct stream *s;
    long long count;
    cmd_key(ctx, SERVE_KEY, &k);
    struct hashmap_entry *e = cmd_find(ctx, &k, 0);
    s = stream_of(e);
    if (group_read && s == NULL) {
        resp_add_error(ctx->out, "UNBLOCKED the stream key no longer exists");
        return;
    }
    struct xread_args a = {.group_read = group_read, .streams_arg = SERVE_KEY, .nstreams = 1};
    a.ids = a.small;
    arg_to_ll(&ctx->argv[group_read ? 4 : 3], &count);
    if (group_read) {
        a.group = &ctx->argv[SERVE_GROUP];
        a.consumer = &ctx->argv[SERVE_CONSUMER];
        a.noack = arg_is(&ctx->argv[5], "1");
        if (stream_group_find(s, a.group->ptr, a.group->len) == NULL) {
            resp_add_error(ctx->out, "NOGROUP the consumer group this client was blocked on no "
                                     "longer exists");
            return;
        }
        a.ids[0] = ID_MAX;
    } else {
        parse_id(&ctx->argv[SERVE_ID], 0, true, NULL, &a.ids[0]);
    }
    if (ctx->out->proto == 2)
        resp_add_array_len(ctx->out, 1);
    else
        resp_add_map_len(ctx->out, 1);
    serve_stream(ctx, &a, 0, s, (size_t)count);
    if (group_read) {
        keyspace_signal_modified(k.shard, &k.key);
        propagate_served_group_read(ctx, &a);
    }
}

static const struct command xread_serve_cmd = {
    .name = "xread-serve", .arity = -4, .flags = CMD_WRITE, .first_key = SERVE_KEY,
    .last_key = SERVE_KEY, .key_step = 1, .proc = xread_serve_command, .group = "stream",
};

static void xread_block(struct cmd_ctx *ctx, const struct xread_args *a)
{
    char count[24], (*ids)[STREAM_ID_STR_MAX] = NULL;
    struct resp_arg argv[6], *extras = NULL;
    size_t argc = a->group_read ? 6 : 4;
    snprintf(count, sizeof(count), "%lld", a->count ? a->count : XREAD_BLOCKED_DEFAULT_COUNT);
    argv[0] = ctx->argv[0];
    argv[SERVE_KEY] = ctx->argv[a->streams_arg];
    if (a->group_read) {
        argv[SERVE_GROUP] = *a->group;
        argv[SERVE_CONSUMER] = *a->consumer;
        argv[4] = (struct resp_arg){count, strlen(count)};
        argv[5] = (struct resp_arg){a->noack ? "1" : "0", 1};
    } else {
        argv[SERVE_ID] = (struct resp_arg){"0-0", 3};
        argv[3] = (struct resp_arg){count, strlen(count)};
        extras = malloc(a->nstreams * (sizeof(*extras) + sizeof(*ids)));
        if (extras == NULL) {
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            return;
        }
        ids = (char (*)[STREAM_ID_STR_MAX])(void *)(extras + a->nstreams);
        for (size_t i = 0; i < a->nstreams; i++)
            extras[i] = (struct resp_arg){ids[i], format_id(ids[i], &a->ids[i])};
    }
    struct blocking_request req = {
        .type = OBJECT_STREAM, .check = xread_check_cb, .serve = &xread_serve_cmd,
        .argv = argv, .argc = argc, .key_arg = SERVE_KEY, .reply = BLOCKING_REPLY_AS_IS,
        .keys = &ctx->argv[a->streams_arg], .nkeys = a->nstreams,
        .extras = extras, .extra_arg = a->group_read ? 0 : SERVE_ID,
        .deadline_ms = a->timeout_ms ? ctx->now_ms + a->timeout_ms : 0,
    };
    if (blocking_block(ctx, &req) < 0)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    free(extras);
}

/* ==== XREAD XREADGROUP: the handlers =========================================== */

static void xread_generic(struct cmd_ctx *ctx, bool group_read)
{
    struct xread_args a;
    if (parse_xread(ctx, &a, group_read) && xread_serve(ctx, &a, (size_t)a.count) == 0) {
        if (a.timeout_ms >= 0 && blocking_allowed(ctx->client))
            xread_block(ctx, &a);
        else
            resp_add_null_array(ctx->out);
    }
    xread_args_free(&a);
}

static void xread_command(struct cmd_ctx *ctx)
{
    xread_generic(ctx, false);
}

static void xreadgroup_command(struct cmd_ctx *ctx)
{
    xread_generic(ctx, true);
}

/* ==== XACK XPENDING =========================================================== */

/* The IDs at argv[first..], all parsed before anything changes (an
 * all-or-nothing command). NULL after replying. */
static struct stream_id *parse_ids(struct cmd_ctx *ctx, size_t first, struct stream_id *small,
                                   size_t nsmall)
{
    size_t n = ctx->argc - first;
    struct stream_id *ids = n <= nsmall ? small : malloc(n * sizeof(*ids));
    if (ids == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!parse_id_or_reply(ctx, &ctx->argv[first + i], 0, true, &ids[i])) {
            if (ids != small)
                free(ids);
            return NULL;
        }
    }
    return ids;
}

/* The stream at argv[1] and its group named at argv[2] (either may be
 * NULL). False after replying WRONGTYPE. */
static bool find_group(struct cmd_ctx *ctx, unsigned flags, struct cmd_key *k,
                       struct stream **s, struct stream_group **g)
{
    cmd_key(ctx, 1, k);
    *g = NULL;
    if (!find_stream(ctx, k, flags, s))
        return false;
    if (*s)
        *g = stream_group_find(*s, ctx->argv[2].ptr, ctx->argv[2].len);
    return true;
}

static void xack_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct stream *s;
    struct stream_group *g;
    struct stream_id small[16], *ids;
    if (!find_group(ctx, KEYSPACE_LOOKUP_COUNT, &k, &s, &g))
        return;
    if (g == NULL) { /* no key or group: nothing to ack, whatever the IDs (as Redis) */
        resp_add_integer(ctx->out, 0);
        return;
    }
    if ((ids = parse_ids(ctx, 3, small, 16)) == NULL)
        return;
    long long acked = 0;
    for (size_t i = 0; i < ctx->argc - 3; i++) {
        struct stream_nack *nack = stream_nack_find(g, &ids[i]);
        if (nack) {
            stream_nack_destroy(g, nack);
            acked++;
        }
    }
    if (acked)
        keyspace_signal_modified(k.shard, &k.key);
    resp_add_integer(ctx->out, acked);
    if (ids != small)
        free(ids);
}

static void reply_pending_summary(struct cmd_ctx *ctx, const struct stream_group *g)
{
    resp_add_array_len(ctx->out, 4);
    resp_add_integer(ctx->out, (long long)stream_pel_count(g));
    if (stream_pel_count(g) == 0) {
        resp_add_null(ctx->out);
        resp_add_null(ctx->out);
        resp_add_null_array(ctx->out);
        return;
    }
    reply_id(ctx, &stream_pel_seek(g, NULL, &ID_ZERO)->id);
    reply_id(ctx, &stream_pel_last(g)->id);
    size_t handle = resp_add_deferred_len(ctx->out), n = 0;
    for (struct stream_consumer *c = stream_consumer_first(g); c; c = stream_consumer_next(c)) {
        if (stream_consumer_pel_count(c) == 0)
            continue;
        resp_add_array_len(ctx->out, 2);
        resp_add_bulk(ctx->out, c->name, c->len);
        resp_add_bulk_ll(ctx->out, (long long)stream_consumer_pel_count(c));
        n++;
    }
    resp_set_deferred_array_len(ctx->out, handle, n);
}

struct pending_range {
    struct stream_id start, end;
    long long count, min_idle;
    const struct resp_arg *consumer;
};

static void reply_pending_range(struct cmd_ctx *ctx, const struct stream_group *g,
                                struct pending_range *r)
{
    struct stream_consumer *c = NULL;
    if (r->consumer) {
        c = stream_consumer_find(g, r->consumer->ptr, r->consumer->len);
        if (c == NULL) {
            resp_add_array_len(ctx->out, 0);
            return;
        }
    }
    size_t handle = resp_add_deferred_len(ctx->out), n = 0;
    for (struct stream_nack *nack = stream_pel_seek(g, c, &r->start);
         r->count && nack && stream_id_cmp(&nack->id, &r->end) <= 0;
         nack = stream_pel_next(nack, c != NULL)) {
        long long idle = ctx->now_ms - nack->delivery_time;
        if (r->min_idle && idle < r->min_idle)
            continue;
        n++;
        r->count--;
        resp_add_array_len(ctx->out, 4);
        reply_id(ctx, &nack->id);
        resp_add_bulk(ctx->out, nack->consumer->name, nack->consumer->len);
        resp_add_integer(ctx->out, idle < 0 ? 0 : idle);
        resp_add_integer(ctx->out, (long long)nack->delivery_count);
    }
    resp_set_deferred_array_len(ctx->out, handle, n);
}

static bool parse_pending_range(struct cmd_ctx *ctx, struct pending_range *r)
{
    size_t first = 3;
    if (arg_is(&ctx->argv[3], "idle")) {
        if (!arg_to_ll_or_reply(ctx, &ctx->argv[4], &r->min_idle))
            return false;
        if (ctx->argc < 8) {
            reply_syntax_error(ctx);
            return false;
        }
        first += 2;
    }
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[first + 2], &r->count))
        return false;
    if (r->count < 0)
        r->count = 0;
    if (!parse_bound(ctx, &ctx->argv[first], false, &r->start) ||
        !parse_bound(ctx, &ctx->argv[first + 1], true, &r->end))
        return false;
    if (first + 3 < ctx->argc)
        r->consumer = &ctx->argv[first + 3];
    return true;
}

static void xpending_command(struct cmd_ctx *ctx)
{
    struct pending_range r = {0};
    bool summary = ctx->argc == 3;
    if (!summary && (ctx->argc < 6 || ctx->argc > 9)) {
        reply_syntax_error(ctx);
        return;
    }
    if (!summary && !parse_pending_range(ctx, &r))
        return;
    struct cmd_key k;
    struct stream *s;
    struct stream_group *g;
    if (!find_group(ctx, KEYSPACE_LOOKUP_COUNT, &k, &s, &g))
        return;
    if (g == NULL)
        reply_nogroup(ctx, &ctx->argv[1], &ctx->argv[2]);
    else if (summary)
        reply_pending_summary(ctx, g);
    else
        reply_pending_range(ctx, g, &r);
}

/* ==== XCLAIM XAUTOCLAIM ======================================================= */

struct claim_opts {
    long long min_idle;
    long long retrycount;   /* -1: not given */
    long long delivery_time; /* -1: not given */
    bool force, justid;
    struct stream_id last_id;
};

/* XCLAIM's options after its IDs (argv[first..]). */
static bool parse_claim_opts(struct cmd_ctx *ctx, size_t first, struct claim_opts *o)
{
    for (size_t j = first; j < ctx->argc; j++) {
        bool more = j + 1 < ctx->argc;
        const struct resp_arg *opt = &ctx->argv[j];
        long long v;
        if (arg_is(opt, "force")) {
            o->force = true;
        } else if (arg_is(opt, "justid")) {
            o->justid = true;
        } else if (arg_is(opt, "idle") && more) {
            if (!arg_to_ll(&ctx->argv[++j], &v)) {
                resp_add_error(ctx->out, "ERR Invalid IDLE option argument for XCLAIM");
                return false;
            }
            o->delivery_time = ctx->now_ms - v;
        } else if (arg_is(opt, "time") && more) {
            if (!arg_to_ll(&ctx->argv[++j], &o->delivery_time)) {
                resp_add_error(ctx->out, "ERR Invalid TIME option argument for XCLAIM");
                return false;
            }
        } else if (arg_is(opt, "retrycount") && more) {
            if (!arg_to_ll(&ctx->argv[++j], &o->retrycount)) {
                resp_add_error(ctx->out, "ERR Invalid RETRYCOUNT option argument for XCLAIM");
                return false;
            }
        } else if (arg_is(opt, "lastid") && more) {
            if (!parse_id_or_reply(ctx, &ctx->argv[++j], 0, true, &o->last_id))
                return false;
        } else {
            resp_add_errorf(ctx->out, "ERR Unrecognized XCLAIM option '%.*s'", (int)opt->len,
                            opt->ptr);
            return false;
        }
    }
    return true;
}

/* Claim one pending entry for consumer name (created on first need), as
 * XCLAIM and XAUTOCLAIM do; replies it (ID alone with JUSTID). */
static bool claim_one(struct cmd_ctx *ctx, struct stream *s, struct stream_group *g,
                      struct stream_consumer **c, struct stream_nack *nack,
                      const struct claim_opts *o)
{
    if (*c == NULL && (*c = consumer_for(ctx, g, &ctx->argv[3], &ctx->argv[1])) == NULL)
        return false;
    stream_nack_move(nack, *c);
    nack->delivery_time = o->delivery_time;
    if (o->retrycount >= 0)
        nack->delivery_count = (uint64_t)o->retrycount;
    else if (!o->justid)
        nack->delivery_count++;
    if (o->justid)
        reply_id(ctx, &nack->id);
    else if (!reply_one(ctx, s, &nack->id))
        resp_add_null(ctx->out);
    return true;
}

static void xclaim_run(struct cmd_ctx *ctx, struct stream *s, struct stream_group *g,
                       const struct stream_id *ids, size_t nids, const struct claim_opts *o)
{
    struct stream_consumer *c = NULL;
    size_t handle = resp_add_deferred_len(ctx->out), n = 0;
    for (size_t i = 0; i < nids; i++) {
        struct stream_nack *nack = stream_nack_find(g, &ids[i]);
        if (!stream_has(s, &ids[i])) {
            if (nack)
                stream_nack_destroy(g, nack);
            continue;
        }
        bool created = false;
        if (o->force && nack == NULL) {
            if (c == NULL && (c = consumer_for(ctx, g, &ctx->argv[3], &ctx->argv[1])) == NULL)
                break;
            if ((nack = stream_nack_create(g, c, &ids[i], ctx->now_ms)) == NULL) {
                resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
                n++;
                break;
            }
            created = true;
        }
        if (nack == NULL)
            continue;
        if (!created && o->min_idle && ctx->now_ms - nack->delivery_time < o->min_idle)
            continue;
        if (!claim_one(ctx, s, g, &c, nack, o))
            break;
        n++;
    }
    resp_set_deferred_array_len(ctx->out, handle, n);
}

static void xclaim_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct stream *s;
    struct stream_group *g;
    if (!find_group(ctx, KEYSPACE_LOOKUP_COUNT, &k, &s, &g))
        return;
    if (g == NULL) {
        reply_nogroup(ctx, &ctx->argv[1], &ctx->argv[2]);
        return;
    }
    struct claim_opts o = {.retrycount = -1, .delivery_time = -1};
    if (!arg_to_ll(&ctx->argv[4], &o.min_idle)) {
        resp_add_error(ctx->out, "ERR Invalid min-idle-time argument for XCLAIM");
        return;
    }
    if (o.min_idle < 0)
        o.min_idle = 0;
    size_t j = 5;
    struct stream_id probe;
    while (j < ctx->argc && parse_id(&ctx->argv[j], 0, true, NULL, &probe))
        j++;
    if (!parse_claim_opts(ctx, j, &o))
        return;
    if (stream_id_cmp(&o.last_id, &g->last_id) > 0)
        g->last_id = o.last_id;
    if (o.delivery_time < 0 || o.delivery_time > ctx->now_ms)
        o.delivery_time = ctx->now_ms;
    size_t nids = j - 5;
    struct stream_id small[16], *ids = nids <= 16 ? small : malloc(nids * sizeof(*ids));
    if (ids == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    for (size_t i = 0; i < nids; i++)
        parse_id(&ctx->argv[5 + i], 0, true, NULL, &ids[i]);
    xclaim_run(ctx, s, g, ids, nids, &o);
    keyspace_signal_modified(k.shard, &k.key);
    if (ids != small)
        free(ids);
}

struct autoclaim_args {
    long long min_idle, count;
    struct stream_id start;
    bool justid;
};

static bool parse_autoclaim(struct cmd_ctx *ctx, struct autoclaim_args *a)
{
    if (!arg_to_ll(&ctx->argv[4], &a->min_idle)) {
        resp_add_error(ctx->out, "ERR Invalid min-idle-time argument for XAUTOCLAIM");
        return false;
    }
    if (a->min_idle < 0)
        a->min_idle = 0;
    if (!parse_bound(ctx, &ctx->argv[5], false, &a->start))
        return false;
    a->count = 100;
    for (size_t j = 6; j < ctx->argc; j++) {
        if (arg_is(&ctx->argv[j], "count") && j + 1 < ctx->argc) {
            long long max_count = LONG_MAX / 16; /* Redis: LONG_MAX / max(sizeof(streamID), 10) */
            if (!arg_to_ll(&ctx->argv[j + 1], &a->count) || a->count < 1 ||
                a->count > max_count) {
                resp_add_error(ctx->out, "ERR COUNT must be > 0");
                return false;
            }
            j++;
        } else if (arg_is(&ctx->argv[j], "justid")) {
            a->justid = true;
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

/* Redis's xautoclaimCommand loop: at most count entries claimed or found
 * deleted, and 10 x count PEL entries looked at. Returns the cursor: the
 * next PEL entry, 0-0 at the end. */
static struct stream_id autoclaim_run(struct cmd_ctx *ctx, struct stream *s,
                                      struct stream_group *g, const struct autoclaim_args *a,
                                      struct stream_id *deleted, size_t *ndeleted)
{
    struct claim_opts o = {.retrycount = -1, .delivery_time = ctx->now_ms, .justid = a->justid};
    struct stream_consumer *c = NULL;
    long long count = a->count, attempts = a->count * 10;
    size_t handle = resp_add_deferred_len(ctx->out), n = 0;
    struct stream_nack *nack = stream_pel_seek(g, NULL, &a->start);
    for (; attempts-- && count && nack;) {
        struct stream_nack *next = stream_pel_next(nack, false);
        if (!stream_has(s, &nack->id)) {
            deleted[(*ndeleted)++] = nack->id;
            stream_nack_destroy(g, nack);
            count--;
        } else if (!a->min_idle || ctx->now_ms - nack->delivery_time >= a->min_idle) {
            if (!claim_one(ctx, s, g, &c, nack, &o))
                break;
            n++;
            count--;
        }
        nack = next;
    }
    resp_set_deferred_array_len(ctx->out, handle, n);
    return nack ? nack->id : ID_ZERO;
}

static void xautoclaim_command(struct cmd_ctx *ctx)
{
    struct autoclaim_args a = {0};
    if (!parse_autoclaim(ctx, &a))
        return;
    struct cmd_key k;
    struct stream *s;
    struct stream_group *g;
    if (!find_group(ctx, KEYSPACE_LOOKUP_COUNT, &k, &s, &g))
        return;
    if (g == NULL) {
        reply_nogroup(ctx, &ctx->argv[1], &ctx->argv[2]);
        return;
    }
    size_t cap = (size_t)a.count < stream_pel_count(g) ? (size_t)a.count : stream_pel_count(g);
    struct stream_id *deleted = malloc((cap ? cap : 1) * sizeof(*deleted));
    if (deleted == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    size_t ndeleted = 0;
    struct resp_out claimed, *out = ctx->out;
    resp_out_init(&claimed, out->proto);
    ctx->out = &claimed;
    struct stream_id cursor = autoclaim_run(ctx, s, g, &a, deleted, &ndeleted);
    ctx->out = out;
    resp_add_array_len(out, 3);
    reply_id(ctx, &cursor);
    resp_add_raw(out, claimed.data, claimed.len);
    resp_add_array_len(out, ndeleted);
    for (size_t i = 0; i < ndeleted; i++)
        reply_id(ctx, &deleted[i]);
    resp_out_deinit(&claimed);
    free(deleted);
    keyspace_signal_modified(k.shard, &k.key);
}

/* ==== XGROUP ================================================================== */

/* CREATE's and SETID's options from argv[5]: MKSTREAM (CREATE only) and
 * ENTRIESREAD. False after replying. */
static bool parse_xgroup_options(struct cmd_ctx *ctx, bool create, bool *mkstream,
                                 long long *entries_read)
{
    for (size_t i = 5; i < ctx->argc;) {
        if (create && arg_is(&ctx->argv[i], "mkstream")) {
            *mkstream = true;
            i++;
        } else if (arg_is(&ctx->argv[i], "entriesread") && i + 1 < ctx->argc) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[i + 1], entries_read))
                return false;
            if (*entries_read < 0 && *entries_read != STREAM_ENTRIES_READ_UNKNOWN) {
                resp_add_error(ctx->out, "ERR value for ENTRIESREAD must be positive or -1");
                return false;
            }
            i += 2;
        } else {
            reply_subcommand_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

static void xgroup_create(struct cmd_ctx *ctx, const struct cmd_key *k, struct stream *s,
                          long long entries_read)
{
    struct stream_id id;
    const struct resp_arg *arg = &ctx->argv[4], *name = &ctx->argv[3];
    if (arg->len == 1 && arg->ptr[0] == '$')
        id = s ? stream_last_id(s) : ID_ZERO;
    else if (!parse_id_or_reply(ctx, arg, 0, true, &id))
        return;
    if (s && stream_group_find(s, name->ptr, name->len)) {
        resp_add_error(ctx->out, "BUSYGROUP Consumer Group name already exists");
        return;
    }
    if (s == NULL && (s = create_stream(ctx, k)) == NULL)
        return;
    if (stream_group_create(s, name->ptr, name->len, &id, entries_read) == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    resp_add_ok(ctx->out);
    changed(ctx, k, &ctx->argv[2], "xgroup-create");
}

static void xgroup_setid(struct cmd_ctx *ctx, const struct cmd_key *k, struct stream *s,
                         struct stream_group *g, long long entries_read)
{
    struct stream_id id;
    const struct resp_arg *arg = &ctx->argv[4];
    if (arg->len == 1 && arg->ptr[0] == '$')
        id = stream_last_id(s);
    else if (!parse_id_or_reply(ctx, arg, 0, false, &id))
        return;
    g->last_id = id;
    g->entries_read = entries_read;
    resp_add_ok(ctx->out);
    changed(ctx, k, &ctx->argv[2], "xgroup-setid");
}

static void xgroup_destroy(struct cmd_ctx *ctx, const struct cmd_key *k, struct stream *s,
                           struct stream_group *g)
{
    if (g == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    stream_group_destroy(s, g);
    resp_add_integer(ctx->out, 1);
    changed(ctx, k, &ctx->argv[2], "xgroup-destroy");
    wake_waiters(k); /* its blocked XREADGROUP readers get -NOGROUP */
}

static void xgroup_createconsumer(struct cmd_ctx *ctx, const struct cmd_key *k,
                                  struct stream_group *g)
{
    const struct resp_arg *name = &ctx->argv[4];
    if (stream_consumer_find(g, name->ptr, name->len)) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    if (create_consumer(ctx, g, name, &ctx->argv[2]) == NULL)
        return;
    keyspace_signal_modified(k->shard, &k->key);
    resp_add_integer(ctx->out, 1);
}

static void xgroup_delconsumer(struct cmd_ctx *ctx, const struct cmd_key *k,
                               struct stream_group *g)
{
    const struct resp_arg *name = &ctx->argv[4];
    struct stream_consumer *c = stream_consumer_find(g, name->ptr, name->len);
    long long pending = 0;
    if (c) {
        pending = (long long)stream_consumer_pel_count(c);
        stream_consumer_destroy(g, c);
        changed(ctx, k, &ctx->argv[2], "xgroup-delconsumer");
    }
    resp_add_integer(ctx->out, pending);
}

/* Every XGROUP subcommand but HELP, as Redis's xgroupCommand: options,
 * then the key (which must exist unless MKSTREAM), then the group (which
 * SETID, CREATECONSUMER and DELCONSUMER need). */
static void xgroup_command(struct cmd_ctx *ctx)
{
    const struct resp_arg *sub = &ctx->argv[1];
    bool create = arg_is(sub, "create"), setid = arg_is(sub, "setid"), mkstream = false;
    long long entries_read = STREAM_ENTRIES_READ_UNKNOWN;
    if ((create || setid) && !parse_xgroup_options(ctx, create, &mkstream, &entries_read))
        return;
    struct cmd_key k;
    struct stream *s;
    cmd_key(ctx, 2, &k);
    if (!find_stream(ctx, &k, 0, &s))
        return;
    struct stream_group *g = s ? stream_group_find(s, ctx->argv[3].ptr, ctx->argv[3].len) : NULL;
    if (!mkstream && s == NULL) {
        resp_add_error(ctx->out, "ERR The XGROUP subcommand requires the key to exist. Note that "
                                 "for CREATE you may want to use the MKSTREAM option to create "
                                 "an empty stream automatically.");
        return;
    }
    if (!mkstream && g == NULL && !create && !arg_is(sub, "destroy")) {
        resp_add_errorf(ctx->out, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                        (int)ctx->argv[3].len, ctx->argv[3].ptr, (int)ctx->argv[2].len,
                        ctx->argv[2].ptr);
        return;
    }
    if (create && ctx->argc <= 8)
        xgroup_create(ctx, &k, s, entries_read);
    else if (setid && (ctx->argc == 5 || ctx->argc == 7))
        xgroup_setid(ctx, &k, s, g, entries_read);
    else if (arg_is(sub, "destroy"))
        xgroup_destroy(ctx, &k, s, g);
    else if (arg_is(sub, "createconsumer"))
        xgroup_createconsumer(ctx, &k, g);
    else if (arg_is(sub, "delconsumer"))
        xgroup_delconsumer(ctx, &k, g);
    else
        reply_subcommand_syntax_error(ctx);
}

static void xgroup_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
        NULL,
    };
    reply_help(ctx, lines);
}

/* ==== XINFO =================================================================== */

static void reply_entry_or_null(struct cmd_ctx *ctx, const struct stream *s, bool last)
{
    struct stream_iter it;
    struct stream_id id;
    size_t npairs;
    stream_iter_init(&it, s, &ID_ZERO, &ID_MAX, last);
    if (stream_iter_next(&it, &id, &npairs))
        reply_entry(ctx, &it, &id, npairs);
    else
        resp_add_null(ctx->out);
}

/* streamReplyWithCGLag: the entries not yet delivered to the group, or
 * null when deletions make it unknowable. */
static void reply_lag(struct cmd_ctx *ctx, const struct stream *s, const struct stream_group *g)
{
    uint64_t added = stream_entries_added(s);
    if (added == 0) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    long long read = g->entries_read;
    if (read == STREAM_ENTRIES_READ_UNKNOWN || stream_range_has_tombstones(s, &g->last_id, NULL))
        read = stream_estimate_distance(s, &g->last_id);
    if (read == STREAM_ENTRIES_READ_UNKNOWN)
        resp_add_null(ctx->out);
    else
        resp_add_integer(ctx->out, (long long)added - read);
}

static void reply_entries_read(struct cmd_ctx *ctx, const struct stream_group *g)
{
    if (g->entries_read == STREAM_ENTRIES_READ_UNKNOWN)
        resp_add_null(ctx->out);
    else
        resp_add_integer(ctx->out, g->entries_read);
}

/* The fields XINFO STREAM shows in both forms, up to recorded-first-entry-id. */
static void reply_stream_head(struct cmd_ctx *ctx, const struct stream *s)
{
    struct stream_id last = stream_last_id(s), maxdel = stream_max_deleted_id(s),
                     first = stream_first_id(s);
    resp_add_bulk_cstr(ctx->out, "length");
    resp_add_integer(ctx->out, (long long)stream_len(s));
    resp_add_bulk_cstr(ctx->out, "radix-tree-keys");
    resp_add_integer(ctx->out, (long long)stream_block_count(s));
    resp_add_bulk_cstr(ctx->out, "radix-tree-nodes");
    resp_add_integer(ctx->out, (long long)stream_rax_nodes(s));
    resp_add_bulk_cstr(ctx->out, "last-generated-id");
    reply_id(ctx, &last);
    resp_add_bulk_cstr(ctx->out, "max-deleted-entry-id");
    reply_id(ctx, &maxdel);
    resp_add_bulk_cstr(ctx->out, "entries-added");
    resp_add_integer(ctx->out, (long long)stream_entries_added(s));
    resp_add_bulk_cstr(ctx->out, "recorded-first-entry-id");
    reply_id(ctx, &first);
}

static void reply_full_consumers(struct cmd_ctx *ctx, const struct stream_group *g, size_t count)
{
    resp_add_array_len(ctx->out, stream_consumer_count(g));
    for (struct stream_consumer *c = stream_consumer_first(g); c; c = stream_consumer_next(c)) {
        resp_add_map_len(ctx->out, 4);
        resp_add_bulk_cstr(ctx->out, "name");
        resp_add_bulk(ctx->out, c->name, c->len);
        resp_add_bulk_cstr(ctx->out, "seen-time");
        resp_add_integer(ctx->out, c->seen_time);
        resp_add_bulk_cstr(ctx->out, "pel-count");
        resp_add_integer(ctx->out, (long long)stream_consumer_pel_count(c));
        resp_add_bulk_cstr(ctx->out, "pending");
        size_t handle = resp_add_deferred_len(ctx->out), n = 0;
        for (struct stream_nack *nack = stream_pel_seek(g, c, &ID_ZERO);
             nack && (!count || n < count); nack = stream_pel_next(nack, true), n++) {
            resp_add_array_len(ctx->out, 3);
            reply_id(ctx, &nack->id);
            resp_add_integer(ctx->out, nack->delivery_time);
            resp_add_integer(ctx->out, (long long)nack->delivery_count);
        }
        resp_set_deferred_array_len(ctx->out, handle, n);
    }
}

static void reply_full_groups(struct cmd_ctx *ctx, const struct stream *s, size_t count)
{
    resp_add_array_len(ctx->out, stream_group_count(s));
    for (struct stream_group *g = stream_group_first(s); g; g = stream_group_next(g)) {
        resp_add_map_len(ctx->out, 7);
        resp_add_bulk_cstr(ctx->out, "name");
        resp_add_bulk(ctx->out, g->name, g->len);
        resp_add_bulk_cstr(ctx->out, "last-delivered-id");
        reply_id(ctx, &g->last_id);
        resp_add_bulk_cstr(ctx->out, "entries-read");
        reply_entries_read(ctx, g);
        resp_add_bulk_cstr(ctx->out, "lag");
        reply_lag(ctx, s, g);
        resp_add_bulk_cstr(ctx->out, "pel-count");
        resp_add_integer(ctx->out, (long long)stream_pel_count(g));
        resp_add_bulk_cstr(ctx->out, "pending");
        size_t handle = resp_add_deferred_len(ctx->out), n = 0;
        for (struct stream_nack *nack = stream_pel_seek(g, NULL, &ID_ZERO);
             nack && (!count || n < count); nack = stream_pel_next(nack, false), n++) {
            resp_add_array_len(ctx->out, 4);
            reply_id(ctx, &nack->id);
            resp_add_bulk(ctx->out, nack->consumer->name, nack->consumer->len);
            resp_add_integer(ctx->out, nack->delivery_time);
            resp_add_integer(ctx->out, (long long)nack->delivery_count);
        }
        resp_set_deferred_array_len(ctx->out, handle, n);
        resp_add_bulk_cstr(ctx->out, "consumers");
        reply_full_consumers(ctx, g, count);
    }
}

/* The stream at argv[2] for XINFO: "no such key" when absent. */
static bool xinfo_find(struct cmd_ctx *ctx, struct stream **s)
{
    struct cmd_key k;
    cmd_key(ctx, 2, &k);
    if (!find_stream(ctx, &k, KEYSPACE_LOOKUP_COUNT, s))
        return false;
    if (*s == NULL) {
        resp_add_error(ctx->out, ERR_NO_SUCH_KEY);
        return false;
    }
    return true;
}

static void xinfo_stream_command(struct cmd_ctx *ctx)
{
    struct stream *s;
    long long count = 10;
    if (!xinfo_find(ctx, &s))
        return;
    bool full = ctx->argc > 3;
    if ((full && !arg_is(&ctx->argv[3], "full")) ||
        (ctx->argc > 4 && (ctx->argc != 6 || !arg_is(&ctx->argv[4], "count")))) {
        reply_subcommand_syntax_error(ctx);
        return;
    }
    if (ctx->argc > 4) {
        if (!arg_to_ll_or_reply(ctx, &ctx->argv[5], &count))
            return;
        if (count < 0)
            count = 0;
    }
    resp_add_map_len(ctx->out, full ? 9 : 10);
    reply_stream_head(ctx, s);
    if (full) {
        resp_add_bulk_cstr(ctx->out, "entries");
        reply_range(ctx, s, &ID_ZERO, &ID_MAX, (size_t)count, false);
        resp_add_bulk_cstr(ctx->out, "groups");
        reply_full_groups(ctx, s, (size_t)count);
        return;
    }
    resp_add_bulk_cstr(ctx->out, "groups");
    resp_add_integer(ctx->out, (long long)stream_group_count(s));
    resp_add_bulk_cstr(ctx->out, "first-entry");
    reply_entry_or_null(ctx, s, false);
    resp_add_bulk_cstr(ctx->out, "last-entry");
    reply_entry_or_null(ctx, s, true);
}

static void xinfo_groups_command(struct cmd_ctx *ctx)
{
    struct stream *s;
    if (!xinfo_find(ctx, &s))
        return;
    resp_add_array_len(ctx->out, stream_group_count(s));
    for (struct stream_group *g = stream_group_first(s); g; g = stream_group_next(g)) {
        resp_add_map_len(ctx->out, 6);
        resp_add_bulk_cstr(ctx->out, "name");
        resp_add_bulk(ctx->out, g->name, g->len);
        resp_add_bulk_cstr(ctx->out, "consumers");
        resp_add_integer(ctx->out, (long long)stream_consumer_count(g));
        resp_add_bulk_cstr(ctx->out, "pending");
        resp_add_integer(ctx->out, (long long)stream_pel_count(g));
        resp_add_bulk_cstr(ctx->out, "last-delivered-id");
        reply_id(ctx, &g->last_id);
        resp_add_bulk_cstr(ctx->out, "entries-read");
        reply_entries_read(ctx, g);
        resp_add_bulk_cstr(ctx->out, "lag");
        reply_lag(ctx, s, g);
    }
}

static void xinfo_consumers_command(struct cmd_ctx *ctx)
{
    struct stream *s;
    if (!xinfo_find(ctx, &s))
        return;
    const struct resp_arg *name = &ctx->argv[3];
    struct stream_group *g = stream_group_find(s, name->ptr, name->len);
    if (g == NULL) {
        resp_add_errorf(ctx->out, "NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                        (int)name->len, name->ptr, (int)ctx->argv[2].len, ctx->argv[2].ptr);
        return;
    }
    resp_add_array_len(ctx->out, stream_consumer_count(g));
    for (struct stream_consumer *c = stream_consumer_first(g); c; c = stream_consumer_next(c)) {
        long long idle = ctx->now_ms - c->seen_time;
        resp_add_map_len(ctx->out, 3);
        resp_add_bulk_cstr(ctx->out, "name");
        resp_add_bulk(ctx->out, c->name, c->len);
        resp_add_bulk_cstr(ctx->out, "pending");
        resp_add_integer(ctx->out, (long long)stream_consumer_pel_count(c));
        resp_add_bulk_cstr(ctx->out, "idle");
        resp_add_integer(ctx->out, idle < 0 ? 0 : idle);
    }
}

static void xinfo_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
        NULL,
    };
    reply_help(ctx, lines);
}

/* ==== the table =============================================================== */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define KEY_ARG {"key", "key", NULL, 0, NULL}
#define GROUP_ARG {"group", "string", NULL, 0, NULL}
#define CONSUMER_ARG {"consumer", "string", NULL, 0, NULL}
/* XGROUP and XINFO CONSUMERS name them so in Redis's docs */
#define GROUPNAME_ARG {"groupname", "string", NULL, 0, NULL}
#define CONSUMERNAME_ARG {"consumername", "string", NULL, 0, NULL}
#define GROUP_ID_ARG                                                                           \
    {"id", "oneof", NULL, 0,                                                                   \
     ARGS({"id", "string", NULL, 0, NULL}, {"new_id", "pure-token", "$", 0, NULL})}
#define ID_ARG(name) {name, "string", NULL, 0, NULL}
#define IDS_ARG {"id", "string", NULL, COMMAND_ARG_MULTIPLE, NULL}
#define COUNT_ARG {"count", "integer", "COUNT", COMMAND_ARG_OPTIONAL, NULL}
#define STREAM_CMD_KEY(n, ar, fl, key, fn, sum, si, cx, ag)                                     \
    {.name = n, .arity = ar, .flags = fl, .first_key = key, .last_key = key, .key_step = 1,     \
     .proc = fn, .group = "stream", .summary = sum, .since = si, .complexity = cx, .args = ag, \
     .acl = ACL_STREAM}
#define STREAM_CMD(n, ar, fl, fn, sum, si, cx, ag) STREAM_CMD_KEY(n, ar, fl, 1, fn, sum, si, cx, ag)
#define STREAM_READ_CMD(n, ar, fl, from, fn, sum, cx, ag)                                      \
    {.name = n, .arity = ar, .flags = fl, .key_keyword = "streams", .keyword_from = from,     \
     .proc = fn, .group = "stream", .summary = sum, .since = "5.0.0", .complexity = cx,       \
     .args = ag, .acl = ACL_STREAM}
#define HELP_CMD(fn)                                                                           \
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = fn,               \
     .group = "stream", .summary = "Show helpful text about the different subcommands",      \
     .since = "5.0.0", .complexity = "O(1)", .acl = ACL_STREAM}
#define TRIM_ARG(flags)                                                                        \
    {"trim", "block", NULL, flags,                                                             \
     ARGS({"strategy", "oneof", NULL, 0,                                                       \
           ARGS({"maxlen", "pure-token", "MAXLEN", 0, NULL},                                   \
                {"minid", "pure-token", "MINID", 0, NULL})},                                   \
          {"operator", "oneof", NULL, COMMAND_ARG_OPTIONAL,                                    \
           ARGS({"equal", "pure-token", "=", 0, NULL},                                         \
                {"approximately", "pure-token", "~", 0, NULL})},                               \
          {"threshold", "string", NULL, 0, NULL},                                              \
          {"count", "integer", "LIMIT", COMMAND_ARG_OPTIONAL, NULL})}
#define RANGE_CX                                                                               \
    "O(N) with N being the number of elements being returned. If N is constant (e.g. always "  \
    "asking for the first 10 elements with COUNT), you can consider it O(1)."
#define REVRANGE_CX                                                                            \
    "O(N) with N being the number of elements returned. If N is constant (e.g. always asking " \
    "for the first 10 elements with COUNT), you can consider it O(1)."

static struct command xgroup_subcommands[] = {
    STREAM_CMD_KEY("create", -5, CMD_WRITE | CMD_DENYOOM, 2, xgroup_command,
                   "Create a consumer group.", "5.0.0", "O(1)",
                   ARGS(KEY_ARG, GROUPNAME_ARG, GROUP_ID_ARG,
                        {"mkstream", "pure-token", "MKSTREAM", COMMAND_ARG_OPTIONAL, NULL},
                        {"entries_read", "integer", "ENTRIESREAD", COMMAND_ARG_OPTIONAL, NULL})),
    STREAM_CMD_KEY("createconsumer", 5, CMD_WRITE | CMD_DENYOOM, 2, xgroup_command,
                   "Create a consumer in a consumer group.", "6.2.0", "O(1)",
                   ARGS(KEY_ARG, GROUPNAME_ARG, CONSUMERNAME_ARG)),
    STREAM_CMD_KEY("delconsumer", 5, CMD_WRITE, 2, xgroup_command,
                   "Delete a consumer from a consumer group.", "5.0.0", "O(1)",
                   ARGS(KEY_ARG, GROUPNAME_ARG, CONSUMERNAME_ARG)),
    STREAM_CMD_KEY("destroy", 4, CMD_WRITE, 2, xgroup_command, "Destroy a consumer group.",
                   "5.0.0",
                   "O(N) where N is the number of entries in the group's pending entries list "
                   "(PEL).",
                   ARGS(KEY_ARG, GROUPNAME_ARG)),
    HELP_CMD(xgroup_help_command),
    STREAM_CMD_KEY("setid", -5, CMD_WRITE, 2, xgroup_command,
                   "Set a consumer group to an arbitrary last delivered ID value.", "5.0.0",
                   "O(1)",
                   ARGS(KEY_ARG, GROUPNAME_ARG, GROUP_ID_ARG,
                        {"entries_read", "integer", "ENTRIESREAD", COMMAND_ARG_OPTIONAL, NULL})),
    {0},
};

static struct command xinfo_subcommands[] = {
    STREAM_CMD_KEY("consumers", 4, CMD_READONLY, 2, xinfo_consumers_command,
                   "List the consumers in a consumer group", "5.0.0", "O(1)",
                   ARGS(KEY_ARG, GROUPNAME_ARG)),
    STREAM_CMD_KEY("groups", 3, CMD_READONLY, 2, xinfo_groups_command,
                   "List the consumer groups of a stream", "5.0.0", "O(1)", ARGS(KEY_ARG)),
    HELP_CMD(xinfo_help_command),
    STREAM_CMD_KEY("stream", -3, CMD_READONLY, 2, xinfo_stream_command,
                   "Get information about a stream", "5.0.0", "O(1)",
                   ARGS(KEY_ARG, {"full", "block", "FULL", COMMAND_ARG_OPTIONAL,
                                  ARGS(COUNT_ARG)})),
    {0},
};

struct command stream_commands[] = {
    STREAM_CMD("xadd", -5, CMD_WRITE | CMD_DENYOOM | CMD_FAST, xadd_command,
               "Appends a new entry to a stream", "5.0.0",
               "O(1) when adding a new entry, O(N) when trimming where N being the number of "
               "entries evicted.",
               ARGS(KEY_ARG, {"nomkstream", "pure-token", "NOMKSTREAM", COMMAND_ARG_OPTIONAL, NULL},
                    TRIM_ARG(COMMAND_ARG_OPTIONAL),
                    {"id_or_auto", "oneof", NULL, 0,
                     ARGS({"auto_id", "pure-token", "*", 0, NULL}, ID_ARG("id"))},
                    {"field_value", "block", NULL, COMMAND_ARG_MULTIPLE,
                     ARGS({"field", "string", NULL, 0, NULL},
                          {"value", "string", NULL, 0, NULL})})),
    STREAM_CMD("xlen", 2, CMD_READONLY | CMD_FAST, xlen_command,
               "Return the number of entries in a stream", "5.0.0", "O(1)", ARGS(KEY_ARG)),
    STREAM_CMD("xrange", -4, CMD_READONLY, xrange_command,
               "Return a range of elements in a stream, with IDs matching the specified IDs "
               "interval",
               "5.0.0", RANGE_CX, ARGS(KEY_ARG, ID_ARG("start"), ID_ARG("end"), COUNT_ARG)),
    STREAM_CMD("xrevrange", -4, CMD_READONLY, xrevrange_command,
               "Return a range of elements in a stream, with IDs matching the specified IDs "
               "interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
               "5.0.0", REVRANGE_CX, ARGS(KEY_ARG, ID_ARG("end"), ID_ARG("start"), COUNT_ARG)),
    STREAM_CMD("xdel", -3, CMD_WRITE | CMD_FAST, xdel_command,
               "Removes the specified entries from the stream. Returns the number of items "
               "actually deleted, that may be different from the number of IDs passed in case "
               "certain IDs do not exist.",
               "5.0.0", "O(1) for each single item to delete in the stream, regardless of the "
               "stream size.",
               ARGS(KEY_ARG, IDS_ARG)),
    STREAM_CMD("xtrim", -4, CMD_WRITE, xtrim_command,
               "Trims the stream to (approximately if '~' is passed) a certain size", "5.0.0",
               "O(N), with N being the number of evicted entries. Constant times are very "
               "small however, since entries are organized in macro nodes containing multiple "
               "entries that can be released with a single deallocation.",
               ARGS(KEY_ARG, TRIM_ARG(0))),
    STREAM_READ_CMD("xread", -4, CMD_READONLY | CMD_BLOCKING, 1, xread_command,
                    "Return never seen elements in multiple streams, with IDs greater than the "
                    "ones reported by the caller for each stream. Can block.",
                    "For each stream mentioned: O(N) with N being the number of elements being "
                    "returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that "
                    "when the BLOCK option is used, XADD will pay O(M) time in order to serve "
                    "the M clients blocked on the stream getting new data.",
                    ARGS(COUNT_ARG,
                         {"milliseconds", "integer", "BLOCK", COMMAND_ARG_OPTIONAL, NULL},
                         {"streams", "block", "STREAMS", 0,
                          ARGS({"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL},
                               {"id", "string", NULL, COMMAND_ARG_MULTIPLE, NULL})})),
    STREAM_READ_CMD("xreadgroup", -7, CMD_WRITE | CMD_BLOCKING, 4, xreadgroup_command,
                    "Return new entries from a stream using a consumer group, or access the "
                    "history of the pending entries for a given consumer. Can block.",
                    "For each stream mentioned: O(M) with M being the number of elements "
                    "returned. If M is constant (e.g. always asking for the first 10 elements "
                    "with COUNT), you can consider it O(1). On the other side when XREADGROUP "
                    "blocks, XADD will pay the O(N) time in order to serve the N clients "
                    "blocked on the stream getting new data.",
                    ARGS({"group_consumer", "block", "GROUP", 0, ARGS(GROUP_ARG, CONSUMER_ARG)},
                         COUNT_ARG,
                         {"milliseconds", "integer", "BLOCK", COMMAND_ARG_OPTIONAL, NULL},
                         {"noack", "pure-token", "NOACK", COMMAND_ARG_OPTIONAL, NULL},
                         {"streams", "block", "STREAMS", 0,
                          ARGS({"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL},
                               {"id", "string", NULL, COMMAND_ARG_MULTIPLE, NULL})})),
    STREAM_CMD("xsetid", -3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, xsetid_command,
               "An internal command for replicating stream values", "5.0.0", "O(1)",
               ARGS(KEY_ARG, ID_ARG("last-id"),
                    {"entries_added", "integer", "ENTRIESADDED", COMMAND_ARG_OPTIONAL, NULL},
                    {"max_deleted_entry_id", "string", "MAXDELETEDID", COMMAND_ARG_OPTIONAL,
                     NULL})),
    STREAM_CMD("xack", -4, CMD_WRITE | CMD_FAST, xack_command,
               "Marks a pending message as correctly processed, effectively removing it from "
               "the pending entries list of the consumer group. Return value of the command is "
               "the number of messages successfully acknowledged, that is, the IDs we were "
               "actually able to resolve in the PEL.",
               "5.0.0", "O(1) for each message ID processed.",
               ARGS(KEY_ARG, GROUP_ARG, IDS_ARG)),
    STREAM_CMD("xpending", -3, CMD_READONLY, xpending_command,
               "Return information and entries from a stream consumer group pending entries "
               "list, that are messages fetched but never acknowledged.",
               "5.0.0",
               "O(N) with N being the number of elements returned, so asking for a small fixed "
               "number of entries per call is O(1). O(M), where M is the total number of "
               "entries scanned when used with the IDLE filter. When the command returns just "
               "the summary and the list of consumers is small, it runs in O(1) time; "
               "otherwise, an additional O(N) time for iterating every consumer.",
               ARGS(KEY_ARG, GROUP_ARG,
                    {"filters", "block", NULL, COMMAND_ARG_OPTIONAL,
                     ARGS({"min-idle-time", "integer", "IDLE", COMMAND_ARG_OPTIONAL, NULL},
                          ID_ARG("start"), ID_ARG("end"), {"count", "integer", NULL, 0, NULL},
                          {"consumer", "string", NULL, COMMAND_ARG_OPTIONAL, NULL})})),
    STREAM_CMD("xclaim", -6, CMD_WRITE | CMD_FAST, xclaim_command,
               "Changes (or acquires) ownership of a message in a consumer group, as if the "
               "message was delivered to the specified consumer.",
               "5.0.0", "O(log N) with N being the number of messages in the PEL of the consumer "
               "group.",
               ARGS(KEY_ARG, GROUP_ARG, CONSUMER_ARG, {"min-idle-time", "string", NULL, 0, NULL},
                    IDS_ARG, {"ms", "integer", "IDLE", COMMAND_ARG_OPTIONAL, NULL},
                    {"unix-time-milliseconds", "unix-time", "TIME", COMMAND_ARG_OPTIONAL, NULL},
                    {"count", "integer", "RETRYCOUNT", COMMAND_ARG_OPTIONAL, NULL},
                    {"force", "pure-token", "FORCE", COMMAND_ARG_OPTIONAL, NULL},
                    {"justid", "pure-token", "JUSTID", COMMAND_ARG_OPTIONAL, NULL},
                    {"id", "string", "LASTID", COMMAND_ARG_OPTIONAL, NULL})),
    STREAM_CMD("xautoclaim", -6, CMD_WRITE | CMD_FAST, xautoclaim_command,
               "Changes (or acquires) ownership of messages in a consumer group, as if the "
               "messages were delivered to the specified consumer.",
               "6.2.0", "O(1) if COUNT is small.",
               ARGS(KEY_ARG, GROUP_ARG, CONSUMER_ARG, {"min-idle-time", "string", NULL, 0, NULL},
                    ID_ARG("start"), COUNT_ARG,
                    {"justid", "pure-token", "JUSTID", COMMAND_ARG_OPTIONAL, NULL})),
    {.name = "xgroup", .arity = -2, .group = "stream",
     .summary = "A container for consumer groups commands", .since = "5.0.0",
     .complexity = "Depends on subcommand.", .subcommands = xgroup_subcommands},
    {.name = "xinfo", .arity = -2, .group = "stream",
     .summary = "A container for stream introspection commands", .since = "5.0.0",
     .complexity = "Depends on subcommand.", .subcommands = xinfo_subcommands},
    {0},
};
