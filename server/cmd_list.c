/*
 * cmd_list.c - the list commands, after Redis 7.0's t_list.c (blocking
 * commands excepted).
 *
 * LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LMPOP LLEN LRANGE LINDEX LSET LINSERT
 * LREM LTRIM LPOS LMOVE RPOPLPUSH.
 *
 * The value is a core/list (list.h) held boxed in the key's entry. Writes
 * change it in place under the shard lock and then signal the key as
 * modified (WATCH); a new key's list is built first and stored with
 * keyspace_set_value only when it has an element, and a list whose last
 * element goes is deleted, so an empty list never exists. OBJECT ENCODING
 * reports "quicklist", as Redis 7.0 does for every list.
 *
 * Redis's order of checks is kept, command by command (which arguments
 * are parsed before the key is looked up and which after), as are its
 * error texts. Read commands count keyspace hits/misses, writes do not.
 * LMOVE and RPOPLPUSH declare keys 1..2, so both shards are held.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collection.h"
#include "command.h"
#include "keyspace.h"
#include "list.h"


/* ==== shared helpers ========================================================== */

/* The list at key k, or NULL when absent. False after replying WRONGTYPE.
 * `flags` is KEYSPACE_LOOKUP_COUNT for reads, 0 for writes. */
static bool find_list(struct cmd_ctx *ctx, const struct cmd_key *k, unsigned flags,
                      struct hashmap_entry **entry, struct list **l)
{
    struct object_boxed *boxed;
    bool ok = cmd_find_boxed(ctx, k, flags, OBJECT_LIST, entry, &boxed);
    *l = boxed ? list_from_boxed(boxed) : NULL;
    return ok;
}

/* The list as a collection (collection.h): for the handlers all the types
 * share, and for stores and in-place changes. */
static size_t len_cb(struct object_boxed *b)
{
    return list_len(list_from_boxed(b));
}

static enum object_encoding encoding_cb(struct object_boxed *b)
{
    return list_encoding(list_from_boxed(b));
}

/* Elements from the head, or from the tail, replied in the order taken. */
static void pop_cb(struct resp_out *out, struct object_boxed *b, bool tail, size_t n,
                   bool pairs)
{
    struct list *l = list_from_boxed(b);
    (void)pairs;
    enum list_where where = tail ? LIST_TAIL : LIST_HEAD;
    for (size_t i = 0; i < n; i++) {
        struct list_entry x;
        list_peek(l, where, &x);
        resp_add_bulk(out, x.ptr, x.len);
        list_pop(l, where);
    }
}

const struct collection_type list_collection = {
    .type = OBJECT_LIST, .len = len_cb, .encoding = encoding_cb, .pop = pop_cb,
    .end_words = {"left", "right"},
    .notify_class = NOTIFY_LIST, .pop_events = {"lpop", "rpop"},
};

/* The notifications of a push and a pop at each end. */
static const char *push_event(enum list_where w)
{
    return w == LIST_HEAD ? "lpush" : "rpush";
}

static const char *pop_event(enum list_where w)
{
    return list_collection.pop_events[w == LIST_TAIL];
}

static void reply_entry(struct cmd_ctx *ctx, const struct list_entry *e)
{
    resp_add_bulk(ctx->out, e->ptr, e->len);
}

/* LEFT or RIGHT; false after a syntax error reply. */
static bool parse_where(struct cmd_ctx *ctx, const struct resp_arg *arg, enum list_where *w)
{
    if (arg_is(arg, "left"))
        *w = LIST_HEAD;
    else if (arg_is(arg, "right"))
        *w = LIST_TAIL;
    else {
        reply_syntax_error(ctx);
        return false;
    }
    return true;
}

/* A Redis index (negative counts from the tail) as a position; false when
 * out of range. */
static bool normalize_index(long long index, size_t len, size_t *out)
{
    if (index < 0)
        index += (long long)len;
    if (index < 0 || (unsigned long long)index >= len)
        return false;
    *out = (size_t)index;
    return true;
}

/* ==== LPUSH RPUSH LPUSHX RPUSHX ================================================== */

static void push_generic(struct cmd_ctx *ctx, enum list_where where, bool only_existing)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct list *l;
    cmd_key(ctx, 1, &k);
    if (!find_list(ctx, &k, 0, &e, &l))
        return;
    if (l == NULL && only_existing) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    bool is_new = l == NULL;
    if (is_new && (l = list_create(cmd_object_limits())) == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    size_t n = ctx->argc - 2;
    size_t pushed = 0;
    for (size_t i = 2; i < ctx->argc; i++) {
        if (list_push(l, where, ctx->argv[i].ptr, ctx->argv[i].len) < 0)
            break;
        pushed++;
    }
    size_t len = list_len(l);
    if (is_new) {
        if (len == 0) {
            list_destroy(l);
        } else if (!collection_store(ctx, &list_collection, &k, list_boxed(l))) {
            return;
        }
    } else if (pushed) {
        collection_changed(&list_collection, &k, e);
    }
    if (pushed)
        cmd_notify(ctx, NOTIFY_LIST, push_event(where), &ctx->argv[1]);
    if (pushed < n)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    else
        resp_add_integer(ctx->out, (long long)len);
}

static void lpush_command(struct cmd_ctx *ctx) { push_generic(ctx, LIST_HEAD, false); }
static void rpush_command(struct cmd_ctx *ctx) { push_generic(ctx, LIST_TAIL, false); }
static void lpushx_command(struct cmd_ctx *ctx) { push_generic(ctx, LIST_HEAD, true); }
static void rpushx_command(struct cmd_ctx *ctx) { push_generic(ctx, LIST_TAIL, true); }

/* ==== LPOP RPOP ====================================================================== */

static void pop_generic(struct cmd_ctx *ctx, enum list_where where)
{
    long long count = 1;
    bool hascount = ctx->argc == 3;
    if (ctx->argc > 3) {
        reply_wrong_arity(ctx, ctx->cmd);
        return;
    }
    if (hascount && (!arg_to_ll(&ctx->argv[2], &count) || count < 0)) {
        resp_add_error(ctx->out, "ERR value is out of range, must be positive");
        return;
    }
    struct cmd_key k;
    struct hashmap_entry *e;
    struct list *l;
    cmd_key(ctx, 1, &k);
    if (!find_list(ctx, &k, 0, &e, &l))
        return;
    if (l == NULL) {
        if (hascount)
            resp_add_null_array(ctx->out);
        else
            resp_add_null(ctx->out);
        return;
    }
    if (count == 0) {
        resp_add_array_len(ctx->out, 0);
        return;
    }
    size_t n = 1;
    if (hascount) {
        n = list_len(l);
        if ((unsigned long long)count < n)
            n = (size_t)count;
        resp_add_array_len(ctx->out, n);
    }
    pop_cb(ctx->out, list_boxed(l), where == LIST_TAIL, n, false);
    cmd_notify(ctx, NOTIFY_LIST, pop_event(where), &ctx->argv[1]);
    collection_changed(&list_collection, &k, e);
}

static void lpop_command(struct cmd_ctx *ctx) { pop_generic(ctx, LIST_HEAD); }
static void rpop_command(struct cmd_ctx *ctx) { pop_generic(ctx, LIST_TAIL); }

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
static void lmpop_command(struct cmd_ctx *ctx)
{
    collection_mpop_command(ctx, &list_collection);
}

/* ==== LLEN LRANGE LINDEX ============================================================= */

static void llen_command(struct cmd_ctx *ctx)
{
    collection_len_command(ctx, &list_collection);
}

static void lrange_command(struct cmd_ctx *ctx)
{
    long long start, end;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &start) ||
        !arg_to_ll_or_reply(ctx, &ctx->argv[3], &end))
        return;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct list *l;
    size_t from, n;
    cmd_key(ctx, 1, &k);
    if (!find_list(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &l))
        return;
    if (l == NULL || !collection_clamp_range(start, end, list_len(l), &from, &n)) {
        resp_add_array_len(ctx->out, 0);
        return;
    }
    struct list_iter it;
    struct list_entry x;
    resp_add_array_len(ctx->out, n);
    list_iter_init(&it, l, from, false);
    for (size_t i = 0; i < n && list_iter_next(&it, &x); i++)
        reply_entry(ctx, &x);
    list_reads_done(l, from, from + n - 1);
}

static void lindex_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct list *l;
    long long index;
    size_t i;
    cmd_key(ctx, 1, &k);
    if (!find_list(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &l))
        return;
    if (l == NULL) {
        resp_add_null(ctx->out);
        return;
    }
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &index))
        return;
    struct list_entry x;
    if (!normalize_index(index, list_len(l), &i)) {
        resp_add_null(ctx->out);
        return;
    }
    list_get(l, i, &x);
    reply_entry(ctx, &x);
    list_reads_done(l, i, i);
}

/* ==== LSET LINSERT LREM LTRIM ========================================================= */

static void lset_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct list *l;
    long long index;
    size_t i;
    cmd_key(ctx, 1, &k);
    if (!find_list(ctx, &k, 0, &e, &l))
        return;
    if (l == NULL) {
        resp_add_error(ctx->out, "ERR no such key");
        return;
    }
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &index))
        return;
    if (!normalize_index(index, list_len(l), &i)) {
        resp_add_error(ctx->out, "ERR index out of range");
        return;
    }
    if (list_set(l, i, ctx->argv[3].ptr, ctx->argv[3].len) < 0) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    collection_changed(&list_collection, &k, e);
    cmd_notify(ctx, NOTIFY_LIST, "lset", &ctx->argv[1]);
    resp_add_ok(ctx->out);
}

static void linsert_command(struct cmd_ctx *ctx)
{
    bool after;
    if (arg_is(&ctx->argv[2], "after"))
        after = true;
    else if (arg_is(&ctx->argv[2], "before"))
        after = false;
    else {
        reply_syntax_error(ctx);
        return;
    }
    struct cmd_key k;
    struct hashmap_entry *e;
    struct list *l;
    cmd_key(ctx, 1, &k);
    if (!find_list(ctx, &k, 0, &e, &l))
        return;
    if (l == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    struct list_iter it;
    struct list_entry x;
    list_iter_init(&it, l, 0, false);
    for (size_t i = 0; list_iter_next(&it, &x); i++) {
        if (!list_entry_equals(&x, ctx->argv[3].ptr, ctx->argv[3].len))
            continue;
        if (list_insert(l, i, after, ctx->argv[4].ptr, ctx->argv[4].len) < 0) {
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            return;
        }
        collection_changed(&list_collection, &k, e);
        cmd_notify(ctx, NOTIFY_LIST, "linsert", &ctx->argv[1]);
        resp_add_integer(ctx->out, (long long)list_len(l));
        return;
    }
    resp_add_integer(ctx->out, -1);
}

static void lrem_command(struct cmd_ctx *ctx)
{
    long long count;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &count))
        return;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct list *l;
    cmd_key(ctx, 1, &k);
    if (!find_list(ctx, &k, 0, &e, &l))
        return;
    if (l == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    size_t removed = list_remove_matching(l, ctx->argv[3].ptr, ctx->argv[3].len, count);
    if (removed) {
        cmd_notify(ctx, NOTIFY_LIST, "lrem", &ctx->argv[1]);
        collection_changed(&list_collection, &k, e);
    }
    resp_add_integer(ctx->out, (long long)removed);
}

static void ltrim_command(struct cmd_ctx *ctx)
{
    long long start, end;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &start) ||
        !arg_to_ll_or_reply(ctx, &ctx->argv[3], &end))
        return;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct list *l;
    size_t from = 0, n = 0;
    cmd_key(ctx, 1, &k);
    if (!find_list(ctx, &k, 0, &e, &l))
        return;
    if (l != NULL) {
        if (!collection_clamp_range(start, end, list_len(l), &from, &n))
            from = n = 0;
        list_keep_range(l, from, n);
        cmd_notify(ctx, NOTIFY_LIST, "ltrim", &ctx->argv[1]);
        collection_changed(&list_collection, &k, e); /* Redis signals even when nothing went */
    }
    resp_add_ok(ctx->out);
}

/* ==== LPOS ============================================================================== */

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len], parsed. */
struct lpos_opts {
    long long rank;   /* report from the rank'th match on; negative: from the tail */
    long long count;  /* matches to report, 0 all; -1 (not given): one, not an array */
    long long maxlen; /* elements compared at most, 0 all */
};

/* One option and its value; false after replying. */
static bool lpos_parse_option(struct cmd_ctx *ctx, const struct resp_arg *opt,
                              const struct resp_arg *value, struct lpos_opts *o)
{
    if (arg_is(opt, "rank")) {
        if (!arg_to_ll_or_reply(ctx, value, &o->rank))
            return false;
        if (o->rank != 0)
            return true;
        resp_add_error(ctx->out, "ERR RANK can't be zero: use 1 to start from the first match, "
                                 "2 from the second ... or use negative to start from the end "
                                 "of the list");
    } else if (arg_is(opt, "count")) {
        if (arg_to_ll(value, &o->count) && o->count >= 0)
            return true;
        resp_add_error(ctx->out, "ERR COUNT can't be negative");
    } else if (arg_is(opt, "maxlen")) {
        if (arg_to_ll(value, &o->maxlen) && o->maxlen >= 0)
            return true;
        resp_add_error(ctx->out, "ERR MAXLEN can't be negative");
    } else {
        reply_syntax_error(ctx);
    }
    return false;
}

/* The options from argv[3] on, each followed by its value (an option
 * without one is a syntax error, whatever its name); false after
 * replying. */
static bool lpos_parse(struct cmd_ctx *ctx, struct lpos_opts *o)
{
    *o = (struct lpos_opts){.rank = 1, .count = -1, .maxlen = 0};
    for (size_t j = 3; j < ctx->argc; j += 2) {
        if (j + 1 == ctx->argc) {
            reply_syntax_error(ctx);
            return false;
        }
        if (!lpos_parse_option(ctx, &ctx->argv[j], &ctx->argv[j + 1], o))
            return false;
    }
    return true;
}

/* A walk over the list's positions, from the head or from the tail,
 * comparing at most `limit` elements. */
struct lpos_walk {
    struct list_iter it;
    const struct resp_arg *elem;
    bool from_tail;
    size_t len, limit, compared;
};

/* The walk the options ask for: from the tail for a negative RANK, at
 * most MAXLEN elements compared. */
static void lpos_walk_init(struct lpos_walk *w, struct list *l, const struct resp_arg *elem,
                           const struct lpos_opts *o)
{
    size_t len = list_len(l);
    *w = (struct lpos_walk){.elem = elem, .from_tail = o->rank < 0, .len = len, .limit = len};
    if (o->maxlen > 0 && (unsigned long long)o->maxlen < len)
        w->limit = (size_t)o->maxlen;
    list_iter_init(&w->it, l, w->from_tail ? len - 1 : 0, w->from_tail);
}

/* The next position holding the element; false when the walk is over. */
static bool lpos_next(struct lpos_walk *w, size_t *pos)
{
    struct list_entry x;
    while (w->compared < w->limit && list_iter_next(&w->it, &x)) {
        size_t i = w->compared++;
        *pos = w->from_tail ? w->len - 1 - i : i;
        if (list_entry_equals(&x, w->elem->ptr, w->elem->len))
            return true;
    }
    return false;
}

/* Redis's LPOS loop asks its iterator for the next element before it
 * checks MAXLEN, so it reads one more than it compares when MAXLEN
 * stops it: the nodes it read are packed as its iterator lets go. */
static void lpos_walk_done(struct lpos_walk *w, struct list *l)
{
    size_t read = w->compared + (w->compared == w->limit && w->limit < w->len);
    if (read == 0)
        return;
    if (w->from_tail)
        list_reads_done(l, w->len - read, w->len - 1);
    else
        list_reads_done(l, 0, read - 1);
}

/* Skip the matches before the RANK'th, then reply one position (or null)
 * without COUNT, else an array of up to COUNT positions (0: all). */
static void lpos_reply(struct cmd_ctx *ctx, struct list *l, const struct lpos_opts *o)
{
    struct lpos_walk w;
    size_t pos, replied = 0;
    unsigned long long skip = 0, most = 0; /* most 0: no limit */
    /* Redis 7.0 negates LLONG_MIN into itself: every match then qualifies
     * and COUNT never stops the walk; mirrored here. */
    if (o->rank != LLONG_MIN) {
        skip = (unsigned long long)(o->rank < 0 ? -o->rank : o->rank) - 1;
        most = (unsigned long long)o->count;
    }
    lpos_walk_init(&w, l, &ctx->argv[2], o);
    while (skip > 0 && lpos_next(&w, &pos))
        skip--;
    if (o->count == -1) {
        if (lpos_next(&w, &pos))
            resp_add_integer(ctx->out, (long long)pos);
        else
            resp_add_null(ctx->out);
        lpos_walk_done(&w, l);
        return;
    }
    size_t handle = resp_add_deferred_len(ctx->out);
    while ((most == 0 || replied < most) && lpos_next(&w, &pos)) {
        resp_add_integer(ctx->out, (long long)pos);
        replied++;
    }
    resp_set_deferred_array_len(ctx->out, handle, replied);
    lpos_walk_done(&w, l);
}

/* Redis's lposCommand: options first, then the key. */
static void lpos_command(struct cmd_ctx *ctx)
{
    struct lpos_opts o;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct list *l;
    if (!lpos_parse(ctx, &o))
        return;
    cmd_key(ctx, 1, &k);
    if (!find_list(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e, &l))
        return;
    if (l != NULL)
        lpos_reply(ctx, l, &o);
    else if (o.count != -1)
        resp_add_array_len(ctx->out, 0);
    else
        resp_add_null(ctx->out);
}

/* ==== LMOVE RPOPLPUSH ===================================================================== */

/* Redis's order: the push on the destination, then the pop on the source
 * (then the source's "del" if it emptied). */
static void lmove_notify(struct cmd_ctx *ctx, enum list_where from, enum list_where to)
{
    cmd_notify(ctx, NOTIFY_LIST, push_event(to), &ctx->argv[2]);
    cmd_notify(ctx, NOTIFY_LIST, pop_event(from), &ctx->argv[1]);
}

static void lmove_generic(struct cmd_ctx *ctx, enum list_where from, enum list_where to)
{
    struct cmd_key sk, dk;
    struct hashmap_entry *se, *de;
    struct list *sl, *dl;
    cmd_key(ctx, 1, &sk);
    cmd_key(ctx, 2, &dk);
    if (!find_list(ctx, &sk, 0, &se, &sl))
        return;
    if (sl == NULL) {
        resp_add_null(ctx->out);
        return;
    }
    if (!find_list(ctx, &dk, 0, &de, &dl))
        return;
    struct list_entry x;
    if (dl == sl) { /* the same key: rotate in place */
        if (list_move(sl, from, sl, to) < 0) {
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            return;
        }
        collection_changed(&list_collection, &sk, se);
        lmove_notify(ctx, from, to);
        list_peek(sl, to, &x);
        reply_entry(ctx, &x);
        return;
    }
    if (dl == NULL) {
        /* Build and store the destination from a copy first: storing may
         * fail (nothing changed then) and may move entries of the shard,
         * so the source is looked up again afterwards. */
        struct list *nl = list_create(cmd_object_limits());
        list_peek(sl, from, &x);
        if (nl == NULL || list_push(nl, to, x.ptr, x.len) < 0) {
            list_destroy(nl);
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            return;
        }
        if (!collection_store(ctx, &list_collection, &dk, list_boxed(nl)))
            return;
        se = cmd_find(ctx, &sk, 0);
        sl = list_from_boxed(object_boxed(keyspace_object(se)));
        list_peek(sl, from, &x);
        reply_entry(ctx, &x);
        list_pop(sl, from);
        lmove_notify(ctx, from, to);
        collection_changed(&list_collection, &sk, se);
        return;
    }
    if (list_move(sl, from, dl, to) < 0) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    list_peek(dl, to, &x);
    reply_entry(ctx, &x);
    collection_changed(&list_collection, &dk, de);
    lmove_notify(ctx, from, to);
    collection_changed(&list_collection, &sk, se); /* may delete the source: last */
}

static void lmove_command(struct cmd_ctx *ctx)
{
    enum list_where from, to;
    if (!parse_where(ctx, &ctx->argv[3], &from) || !parse_where(ctx, &ctx->argv[4], &to))
        return;
    lmove_generic(ctx, from, to);
}

static void rpoplpush_command(struct cmd_ctx *ctx)
{
    lmove_generic(ctx, LIST_TAIL, LIST_HEAD);
}

/* ==== the table ===================================================================== */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define KEY_ARG {"key", "key", NULL, 0, NULL}
#define ELEMENT_ARG {"element", "string", NULL, 0, NULL}
#define ELEMENTS_ARG {"element", "string", NULL, COMMAND_ARG_MULTIPLE, NULL}
#define LIST_CMD_KEYS(n, ar, fl, fn, sum, si, cx, ag, lk)                                      \
    {.name = n, .arity = ar, .flags = fl, .first_key = 1, .last_key = lk, .key_step = 1,        \
     .proc = fn, .group = "list", .summary = sum, .since = si, .complexity = cx, .args = ag,    \
     .acl = ACL_LIST}
#define LIST_CMD(n, ar, fl, fn, sum, si, cx, ag) LIST_CMD_KEYS(n, ar, fl, fn, sum, si, cx, ag, 1)
#define WRITE_FAST (CMD_WRITE | CMD_DENYOOM | CMD_FAST)
#define READ_FAST (CMD_READONLY | CMD_FAST)
#define PUSH_CX                                                                                 \
    "O(1) for each element added, so O(N) to add N elements when the command is called with "  \
    "multiple arguments."
#define POP_CX "O(N) where N is the number of elements returned"

static const struct command_arg where_oneof[] = {
    {"before", "pure-token", "BEFORE", 0, NULL}, {"after", "pure-token", "AFTER", 0, NULL}, {0}};
static const struct command_arg wherefrom_oneof[] = {
    {"left", "pure-token", "LEFT", 0, NULL}, {"right", "pure-token", "RIGHT", 0, NULL}, {0}};

struct command list_commands[] = {
    LIST_CMD("lpush", -3, WRITE_FAST, lpush_command, "Prepend one or multiple elements to a list",
             "1.0.0", PUSH_CX, ARGS(KEY_ARG, ELEMENTS_ARG)),
    LIST_CMD("rpush", -3, WRITE_FAST, rpush_command, "Append one or multiple elements to a list",
             "1.0.0", PUSH_CX, ARGS(KEY_ARG, ELEMENTS_ARG)),
    LIST_CMD("lpushx", -3, WRITE_FAST, lpushx_command,
             "Prepend an element to a list, only if the list exists", "2.2.0", PUSH_CX,
             ARGS(KEY_ARG, ELEMENTS_ARG)),
    LIST_CMD("rpushx", -3, WRITE_FAST, rpushx_command,
             "Append an element to a list, only if the list exists", "2.2.0", PUSH_CX,
             ARGS(KEY_ARG, ELEMENTS_ARG)),
    LIST_CMD("lpop", -2, CMD_WRITE | CMD_FAST, lpop_command,
             "Remove and get the first elements in a list", "1.0.0", POP_CX,
             ARGS(KEY_ARG, {"count", "integer", NULL, COMMAND_ARG_OPTIONAL, NULL})),
    LIST_CMD("rpop", -2, CMD_WRITE | CMD_FAST, rpop_command,
             "Remove and get the last elements in a list", "1.0.0", POP_CX,
             ARGS(KEY_ARG, {"count", "integer", NULL, COMMAND_ARG_OPTIONAL, NULL})),
    {.name = "lmpop", .arity = -4, .flags = CMD_WRITE, .numkeys_arg = 1, .proc = lmpop_command,
     .group = "list", .summary = "Pop elements from a list", .since = "7.0.0",
     .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                   "elements returned.",
     .args = ARGS({"numkeys", "integer", NULL, 0, NULL},
                  {"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL},
                  {"where", "oneof", NULL, 0, wherefrom_oneof},
                  {"count", "integer", "COUNT", COMMAND_ARG_OPTIONAL, NULL}),
     .acl = ACL_LIST},
    LIST_CMD("llen", 2, READ_FAST, llen_command, "Get the length of a list", "1.0.0", "O(1)",
             ARGS(KEY_ARG)),
    LIST_CMD("lrange", 4, CMD_READONLY, lrange_command, "Get a range of elements from a list",
             "1.0.0",
             "O(S+N) where S is the distance of start offset from HEAD for small lists, from "
             "nearest end (HEAD or TAIL) for large lists; and N is the number of elements in "
             "the specified range.",
             ARGS(KEY_ARG, {"start", "integer", NULL, 0, NULL},
                  {"stop", "integer", NULL, 0, NULL})),
    LIST_CMD("lindex", 3, CMD_READONLY, lindex_command, "Get an element from a list by its index",
             "1.0.0",
             "O(N) where N is the number of elements to traverse to get to the element at "
             "index. This makes asking for the first or the last element of the list O(1).",
             ARGS(KEY_ARG, {"index", "integer", NULL, 0, NULL})),
    LIST_CMD("lset", 4, CMD_WRITE | CMD_DENYOOM, lset_command,
             "Set the value of an element in a list by its index", "1.0.0",
             "O(N) where N is the length of the list. Setting either the first or the last "
             "element of the list is O(1).",
             ARGS(KEY_ARG, {"index", "integer", NULL, 0, NULL}, ELEMENT_ARG)),
    LIST_CMD("linsert", 5, CMD_WRITE | CMD_DENYOOM, linsert_command,
             "Insert an element before or after another element in a list", "2.2.0",
             "O(N) where N is the number of elements to traverse before seeing the value "
             "pivot. This means that inserting somewhere on the left end on the list (head) "
             "can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
             ARGS(KEY_ARG, {"where", "oneof", NULL, 0, where_oneof},
                  {"pivot", "string", NULL, 0, NULL}, ELEMENT_ARG)),
    LIST_CMD("lrem", 4, CMD_WRITE, lrem_command, "Remove elements from a list", "1.0.0",
             "O(N+M) where N is the length of the list and M is the number of elements "
             "removed.",
             ARGS(KEY_ARG, {"count", "integer", NULL, 0, NULL}, ELEMENT_ARG)),
    LIST_CMD("ltrim", 4, CMD_WRITE, ltrim_command, "Trim a list to the specified range",
             "1.0.0", "O(N) where N is the number of elements to be removed by the operation.",
             ARGS(KEY_ARG, {"start", "integer", NULL, 0, NULL},
                  {"stop", "integer", NULL, 0, NULL})),
    LIST_CMD("lpos", -3, CMD_READONLY, lpos_command,
             "Return the index of matching elements on a list", "6.0.6",
             "O(N) where N is the number of elements in the list, for the average case. When "
             "searching for elements near the head or the tail of the list, or when the MAXLEN "
             "option is provided, the command may run in constant time.",
             ARGS(KEY_ARG, ELEMENT_ARG,
                  {"rank", "integer", "RANK", COMMAND_ARG_OPTIONAL, NULL},
                  {"num-matches", "integer", "COUNT", COMMAND_ARG_OPTIONAL, NULL},
                  {"len", "integer", "MAXLEN", COMMAND_ARG_OPTIONAL, NULL})),
    LIST_CMD_KEYS("lmove", 5, CMD_WRITE | CMD_DENYOOM, lmove_command,
                  "Pop an element from a list, push it to another list and return it", "6.2.0",
                  "O(1)",
                  ARGS({"source", "key", NULL, 0, NULL}, {"destination", "key", NULL, 0, NULL},
                       {"wherefrom", "oneof", NULL, 0, wherefrom_oneof},
                       {"whereto", "oneof", NULL, 0, wherefrom_oneof}),
                  2),
    LIST_CMD_KEYS("rpoplpush", 3, CMD_WRITE | CMD_DENYOOM, rpoplpush_command,
                  "Remove the last element in a list, prepend it to another list and return it",
                  "1.2.0", "O(1)",
                  ARGS({"source", "key", NULL, 0, NULL}, {"destination", "key", NULL, 0, NULL}),
                  2),
    {0},
};
