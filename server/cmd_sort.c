/*
 * cmd_sort.c - SORT and SORT_RO, after Redis 7.0's sort.c.
 *
 *   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 *            [ALPHA] [STORE destination]
 *
 * sorts the elements of a list, set or sorted set (a missing key is an
 * empty list) by their value as a double, or with ALPHA as strings, or by
 * the values of other keys that BY's pattern names after each element;
 * replies them, or what GET's patterns name after them, or stores that as
 * a list (SORT_RO has no STORE).
 *
 * Locking: who may read what
 *   The dispatcher locks the shards of the declared keys: the sorted key
 *   and, found by reading the line as Redis's sortGetKeys does
 *   (find_keys), STORE's destination. A line without BY or GET patterns
 *   needs nothing more: it runs on one or two shards, as fast as any
 *   two-key command. BY and GET patterns read keys named by the sorted
 *   elements, which are known only once the key is read. Locking those
 *   shards as they come would hold one shard while waiting for another,
 *   which only scripts may do (keyspace.h); releasing and retrying would
 *   let another client change the key in between. So find_keys marks such
 *   a line `whole_db` (command.h): the dispatcher, EXEC's plan and
 *   scripts then hold every shard of the database, taken the usual
 *   deadlock-free way, for the command's run. Like Redis's single thread,
 *   nothing can change any key between reading the elements and reading
 *   what their patterns name, or between the reads and the STORE; the
 *   price, paid only by pattern lines, is that other clients of that
 *   database wait for the sort (they wait in Redis too). Inside MULTI the
 *   transaction holds the database for its whole run; a script holds it
 *   from the SORT to its end. Patterns without a '*' read nothing (Redis's
 *   lookupKeyByPattern) and do not take the database.
 *
 * Order and comparison, as Redis
 *   Options are parsed first (syntax and LIMIT errors before WRONGTYPE).
 *   BY with no '*' (BY nosort) means "do not sort": a list or sorted set
 *   keeps its order (DESC walks it backwards, LIMIT takes the range
 *   directly), a set its iteration order - except when the result is
 *   STOREd or SORT runs from a script, where Redis sorts the set ALPHA so
 *   that replicas and AOF replays agree (not inside MULTI: Redis 7.0 does
 *   not). Numeric sorting parses with strtod and refuses a value it does
 *   not wholly consume, NaN or an overflow ("One or more scores can't be
 *   converted into double"); a missing BY value counts as 0; equal
 *   scores fall back to comparing the elements' bytes. ALPHA compares as
 *   strcoll in the C locale (byte order, up to a NUL byte), but as raw
 *   bytes when storing; a missing BY value sorts first. The sort is
 *   stable, as glibc's qsort (a merge sort) is for Redis, so ties keep the
 *   key's order. LIMIT clamps as Redis 7.0.15: a negative offset is 0, a
 *   negative count means all.
 *
 * STORE writes a list (deleting the destination, with "del", when the
 * result is empty), raises "sortstore", and is propagated as it was sent:
 * the same sort replays to the same list.
 *
 * ACL: the keys BY and GET patterns read are named by the data, so no
 * check of the line sees them; as Redis, such a pattern is refused unless
 * the user may read every key.
 *
 * Differences: Redis 7.0 converts a sorted set it sorts to the skiplist
 * encoding in place (OBJECT ENCODING then says so); Grove leaves the
 * value alone. Redis's SORT with BY and LIMIT sorts partially with an
 * unstable quicksort, so ALPHA ties between equal BY values may come in
 * another order than Grove's stable one; sets and sorted sets are walked
 * in another order than Redis's hash tables, which shows only in ties.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "bytes.h"
#include "collection.h"
#include "command.h"
#include "hash.h"
#include "keyspace.h"
#include "list.h"
#include "script.h"
#include "server.h"
#include "set.h"
#include "zset.h"

#define ERR_SORT_SCORE "ERR One or more scores can't be converted into double"

/* ==== patterns ===================================================================== */

/* Redis reads patterns as C strings (strchr, strstr): a NUL byte ends the
 * part searched for '*' and "->". */
static size_t c_length(const struct resp_arg *a)
{
    return strnlen(a->ptr, a->len);
}

/* The pattern's first '*', or NULL: a pattern without one names no key. */
static const char *pattern_star(const struct resp_arg *pattern)
{
    return memchr(pattern->ptr, '*', c_length(pattern));
}

/* "GET #": the element itself. */
static bool pattern_is_element(const struct resp_arg *pattern)
{
    return pattern->len > 0 && pattern->ptr[0] == '#' &&
           (pattern->len == 1 || pattern->ptr[1] == '\0');
}

/* Whether a BY or GET pattern reads keys (what find_keys and the handler
 * must agree on). */
static bool pattern_reads_keys(const struct resp_arg *pattern)
{
    return !pattern_is_element(pattern) && pattern_star(pattern) != NULL;
}

/* ==== keys: Redis's sortGetKeys ==================================================== */

/* The last STORE's destination, skipping LIMIT's two arguments and BY's
 * and GET's one, as Redis's sortGetKeys (which the handler's parser agrees
 * with on every line it accepts); and whether a BY or GET pattern reads
 * keys, so the line needs its whole database. */
static void sort_find_keys(struct command_keys *it, const struct resp_arg *argv, size_t argc)
{
    for (size_t i = 2; i < argc; i++) {
        if (arg_is(&argv[i], "limit")) {
            i += 2;
        } else if (arg_is(&argv[i], "store") && i + 1 < argc) {
            it->found = ++i;
        } else if ((arg_is(&argv[i], "by") || arg_is(&argv[i], "get")) && i + 1 < argc) {
            if (pattern_reads_keys(&argv[++i]))
                it->whole_db = true;
        }
    }
}

/* SORT_RO has no destination; its patterns read keys all the same. */
static void sort_ro_find_keys(struct command_keys *it, const struct resp_arg *argv, size_t argc)
{
    sort_find_keys(it, argv, argc);
    it->found = 0;
}

/* ==== options ====================================================================== */

struct sort_opts {
    bool desc, alpha;
    bool dontsort;                /* BY a pattern without '*' */
    long long limit_start, limit_count;
    const struct resp_arg *by;    /* NULL: by the elements themselves */
    const struct resp_arg *store; /* NULL: reply */
    const struct resp_arg **gets; /* GET patterns in order (argc-sized) */
    size_t ngets;
};

/* BY and GET patterns read keys named by the data, which the ACL check of
 * the line cannot see: Redis lets them through only for a user who may
 * read every key, and for the clients it trusts without a user (the
 * master's stream, an AOF replay). False after replying. */
static bool patterns_allowed(struct cmd_ctx *ctx, bool reads_every_key, const char *option)
{
    if (reads_every_key || (ctx->client->flags & (CLIENT_MASTER | CLIENT_REPLAY)))
        return true;
    resp_add_errorf(ctx->out, "ERR %s option of SORT denied due to insufficient ACL permissions.",
                    option);
    return false;
}

/* Redis's option loop, with its texts; false after replying. */
static bool parse_opts(struct cmd_ctx *ctx, bool readonly, struct sort_opts *o)
{
    bool all_keys =
        acl_user_line_reads_every_key(ctx->client->user, ctx->cmd, ctx->argv, ctx->argc);
    for (size_t j = 2; j < ctx->argc; j++) {
        size_t left = ctx->argc - j - 1;
        const struct resp_arg *a = &ctx->argv[j];
        if (arg_is(a, "asc")) {
            o->desc = false;
        } else if (arg_is(a, "desc")) {
            o->desc = true;
        } else if (arg_is(a, "alpha")) {
            o->alpha = true;
        } else if (arg_is(a, "limit") && left >= 2) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[j + 1], &o->limit_start) ||
                !arg_to_ll_or_reply(ctx, &ctx->argv[j + 2], &o->limit_count))
                return false;
            j += 2;
        } else if (!readonly && arg_is(a, "store") && left >= 1) {
            o->store = &ctx->argv[++j];
        } else if (arg_is(a, "by") && left >= 1) {
            o->by = &ctx->argv[++j];
            o->dontsort = pattern_star(o->by) == NULL;
            if (!o->dontsort && !patterns_allowed(ctx, all_keys, "BY"))
                return false;
        } else if (arg_is(a, "get") && left >= 1) {
            if (!patterns_allowed(ctx, all_keys, "GET"))
                return false;
            o->gets[o->ngets++] = &ctx->argv[++j];
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

/* ==== the run: elements, lookups, scratch ========================================= */

/* One element to sort. Its bytes live in the run's arena (NUL-terminated,
 * so ALPHA can compare them as C strings), named by offset because the
 * arena grows; by_off is SIZE_MAX when an ALPHA sort's BY value is
 * missing. */
struct sort_item {
    size_t off, len;
    size_t by_off, by_len;
    double score;
};

/* The arena and the key a pattern names are plain growable byte buffers:
 * resp_out's raw appends, whose failures set `oom`. */
struct sort_run {
    struct cmd_ctx *ctx;
    const struct sort_opts *o;
    struct sort_item *items; /* room for `cap`, allocated once */
    size_t n, cap;
    struct resp_out arena;
    struct resp_out key;
};

static bool run_oom(const struct sort_run *r)
{
    return r->arena.oom || r->key.oom;
}

/* Copy bytes into the arena, NUL-terminated; their offset. */
static size_t arena_copy(struct sort_run *r, const char *p, size_t len)
{
    size_t off = r->arena.len;
    resp_add_raw(&r->arena, p, len);
    resp_add_raw(&r->arena, "", 1);
    return off;
}

static void add_item(struct sort_run *r, const char *p, size_t len)
{
    assert(r->n < r->cap);
    size_t off = arena_copy(r, p, len);
    r->items[r->n++] = (struct sort_item){.off = off, .len = len, .by_off = SIZE_MAX};
}

static const char *item_bytes(const struct sort_run *r, const struct sort_item *it)
{
    return r->arena.data + it->off;
}

/* A value a pattern named: borrowed from the keyspace (or the element)
 * until the next lookup; an INT string is formatted into buf. */
struct sort_value {
    const char *ptr;
    size_t len;
    char buf[OBJECT_INT_BUFSIZE];
};

/* The hash field named after "->" in the pattern, if any: Redis looks for
 * the arrow after the '*' and needs a field name after it. */
static const char *pattern_arrow(const struct resp_arg *pattern, const char *star)
{
    const char *end = pattern->ptr + c_length(pattern);
    for (const char *p = star + 1; p + 1 < end; p++)
        if (p[0] == '-' && p[1] == '>')
            return p + 2 < end ? p : NULL;
    return NULL;
}

/* Redis's lookupKeyByPattern: the pattern with its first '*' replaced by
 * the element names a string key, or with "->field" a hash's field; a
 * key of another type, or none, gives nothing (false). */
static bool lookup_pattern(struct sort_run *r, const struct resp_arg *pattern, const char *elem,
                           size_t elen, struct sort_value *v)
{
    if (pattern_is_element(pattern)) {
        *v = (struct sort_value){.ptr = elem, .len = elen};
        return true;
    }
    const char *star = pattern_star(pattern);
    if (star == NULL)
        return false;
    const char *arrow = pattern_arrow(pattern, star);
    const char *end = pattern->ptr + pattern->len;
    size_t prefix = (size_t)(star - pattern->ptr);
    size_t postfix = (size_t)((arrow ? arrow : end) - (star + 1));
    resp_out_reset(&r->key);
    resp_add_raw(&r->key, pattern->ptr, prefix);
    resp_add_raw(&r->key, elem, elen);
    resp_add_raw(&r->key, star + 1, postfix);
    if (r->key.oom)
        return false;

    struct cmd_key k;
    keyspace_key_init(server.ks, &k.key, r->key.len ? r->key.data : "", r->key.len);
    k.shard = keyspace_shard_of(r->ctx->db, &k.key);
    struct hashmap_entry *e = cmd_find(r->ctx, &k, KEYSPACE_LOOKUP_COUNT);
    if (e == NULL)
        return false;
    const struct object *obj = keyspace_object(e);
    if (arrow != NULL) {
        if (object_type(obj) != OBJECT_HASH)
            return false;
        return hash_get(hash_from_boxed(object_boxed(obj)), arrow + 2,
                        (size_t)(end - (arrow + 2)), &v->ptr, &v->len);
    }
    if (object_type(obj) != OBJECT_STRING)
        return false;
    object_string_view(obj, v->buf, &v->ptr, &v->len);
    return true;
}

/* ==== loading the elements ========================================================= */

/* Loaders fill the vector to its capacity, from `from` on. */
static void load_list(struct sort_run *r, const struct list *l, size_t from, bool backward)
{
    struct list_iter it;
    struct list_entry e;
    list_iter_init(&it, l, from, backward);
    while (r->n < r->cap && list_iter_next(&it, &e))
        add_item(r, e.ptr, e.len);
}

static void load_set(struct sort_run *r, struct set *s)
{
    struct set_iter it;
    struct set_member m;
    set_iter_init(&it, s);
    while (r->n < r->cap && set_iter_next(&it, &m))
        add_item(r, m.ptr, m.len);
    set_iter_deinit(&it);
}

static void load_zset(struct sort_run *r, const struct zset *z, size_t from, bool reverse)
{
    struct zset_iter it;
    struct zset_member m;
    zset_iter_init(&it, z, from, reverse);
    while (r->n < r->cap && zset_iter_next(&it, &m))
        add_item(r, m.ptr, m.len);
}

/* The range [*start, *end] of `len` elements LIMIT selects, as Redis
 * 7.0.15 clamps it (empty when *end < *start). */
static void limit_range(const struct sort_opts *o, long long len, long long *start,
                        long long *end)
{
    long long count = o->limit_count < -1 ? -1 : o->limit_count > len ? len : o->limit_count;
    *start = o->limit_start < 0 ? 0 : o->limit_start > len ? len : o->limit_start;
    *end = count < 0 ? len - 1 : *start + count - 1;
    if (*start >= len) {
        *start = len - 1;
        *end = len - 2;
    }
    if (*end >= len)
        *end = len - 1;
}

/* The elements of a list, set or sorted set; 0 for a missing key. */
static size_t value_len(const struct object *obj)
{
    if (obj == NULL)
        return 0;
    struct object_boxed *b = object_boxed(obj);
    switch (object_type(obj)) {
    case OBJECT_SET: return set_len(set_from_boxed(b));
    case OBJECT_ZSET: return zset_len(zset_from_boxed(b));
    default: return list_len(list_from_boxed(b));
    }
}

/* Fill the vector, allocated for exactly what it takes: a list or sorted
 * set left unsorted takes just LIMIT's range in its own order (backwards
 * for DESC), and the range then starts at 0; anything else is loaded
 * whole. False when out of memory. */
static bool load(struct sort_run *r, const struct object *obj, bool dontsort, long long *start,
                 long long *end)
{
    size_t len = value_len(obj);
    bool ranged = obj != NULL && object_type(obj) != OBJECT_SET && dontsort;
    r->cap = !ranged ? len : *end < *start ? 0 : (size_t)(*end - *start + 1);
    r->items = malloc((r->cap ? r->cap : 1) * sizeof(*r->items));
    if (r->items == NULL)
        return false;
    if (r->cap == 0)
        return true; /* nothing to load (a missing key is an empty list) */
    struct object_boxed *b = object_boxed(obj);
    bool desc = r->o->desc;
    size_t first = !ranged ? 0 : desc ? len - 1 - (size_t)*start : (size_t)*start;
    switch (object_type(obj)) {
    case OBJECT_SET: load_set(r, set_from_boxed(b)); break;
    case OBJECT_ZSET: load_zset(r, zset_from_boxed(b), first, ranged && desc); break;
    default: load_list(r, list_from_boxed(b), first, ranged && desc); break;
    }
    if (ranged) {
        *end -= *start;
        *start = 0;
    }
    return !r->arena.oom;
}

/* ==== sorting ====================================================================== */

/* Redis's numeric parse of a sort weight: strtod over the C string must
 * consume it whole, without overflow or NaN. */
static bool parse_score(const char *cstr, double *score)
{
    char *eptr;
    errno = 0;
    *score = strtod(cstr, &eptr);
    return eptr[0] == '\0' && errno != ERANGE && !isnan(*score);
}

/* The BY value (or the element) of every item, as a score or an ALPHA
 * comparand; false when a score cannot be parsed (all are looked up
 * regardless, as Redis does). */
static bool load_weights(struct sort_run *r)
{
    const struct resp_arg *by = r->o->by;
    bool parsed = true;
    for (size_t i = 0; i < r->n && !run_oom(r); i++) {
        struct sort_item *it = &r->items[i];
        struct sort_value v;
        if (by == NULL) {
            if (!r->o->alpha && !parse_score(item_bytes(r, it), &it->score))
                parsed = false;
            continue;
        }
        if (!lookup_pattern(r, by, item_bytes(r, it), it->len, &v))
            continue; /* missing: score 0, or first in ALPHA */
        size_t off = arena_copy(r, v.ptr, v.len); /* v is a key's value, not in the arena */
        if (r->arena.oom)
            break;
        if (r->o->alpha) {
            it->by_off = off;
            it->by_len = v.len;
        } else {
            if (!parse_score(r->arena.data + off, &it->score))
                parsed = false;
            r->arena.len = off; /* the copy was only for strtod */
        }
    }
    return parsed;
}

/* ALPHA: as strcoll in the C locale when replying, raw bytes (Redis's
 * compareStringObjects) when storing. */
static int compare_alpha(const struct sort_run *r, const char *a, size_t alen, const char *b,
                         size_t blen)
{
    return r->o->store ? bytes_cmp(a, alen, b, blen) : strcmp(a, b);
}

/* Redis's sortCompare. */
static int compare_items(const struct sort_run *r, const struct sort_item *a,
                         const struct sort_item *b)
{
    int cmp;
    if (!r->o->alpha) {
        cmp = a->score > b->score ? 1 : a->score < b->score ? -1 : 0;
        if (cmp == 0)
            cmp = bytes_cmp(item_bytes(r, a), a->len, item_bytes(r, b), b->len);
    } else if (r->o->by != NULL) {
        if (a->by_off == SIZE_MAX || b->by_off == SIZE_MAX)
            cmp = (a->by_off != SIZE_MAX) - (b->by_off != SIZE_MAX); /* missing first */
        else
            cmp = compare_alpha(r, r->arena.data + a->by_off, a->by_len,
                                r->arena.data + b->by_off, b->by_len);
    } else {
        cmp = compare_alpha(r, item_bytes(r, a), a->len, item_bytes(r, b), b->len);
    }
    return r->o->desc ? -cmp : cmp;
}

/* A stable merge sort of v[0..n) using tmp (n items). */
static void merge_sort(const struct sort_run *r, struct sort_item *v, struct sort_item *tmp,
                       size_t n)
{
    if (n < 2)
        return;
    size_t half = n / 2, i = 0, j = half, k = 0;
    merge_sort(r, v, tmp, half);
    merge_sort(r, v + half, tmp, n - half);
    if (compare_items(r, &v[half - 1], &v[half]) <= 0)
        return; /* already in order */
    while (i < half && j < n)
        tmp[k++] = compare_items(r, &v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < half)
        tmp[k++] = v[i++];
    memcpy(v, tmp, k * sizeof(*v)); /* v[j..n) is already in place */
}

/* False when out of memory. */
static bool sort_items(struct sort_run *r)
{
    struct sort_item *tmp = malloc((r->n ? r->n : 1) * sizeof(*tmp));
    if (tmp == NULL)
        return false;
    merge_sort(r, r->items, tmp, r->n);
    free(tmp);
    return true;
}

/* ==== output ======================================================================= */

static void reply_sorted(struct sort_run *r, long long start, long long end)
{
    const struct sort_opts *o = r->o;
    struct resp_out *out = r->ctx->out;
    size_t n = (size_t)(end - start + 1);
    resp_add_array_len(out, o->ngets ? o->ngets * n : n);
    for (long long j = start; j <= end; j++) {
        const struct sort_item *it = &r->items[j];
        if (o->ngets == 0)
            resp_add_bulk(out, item_bytes(r, it), it->len);
        for (size_t g = 0; g < o->ngets; g++) {
            struct sort_value v;
            if (lookup_pattern(r, o->gets[g], item_bytes(r, it), it->len, &v))
                resp_add_bulk(out, v.ptr, v.len);
            else
                resp_add_null(out);
        }
    }
}

/* The list STORE writes: the elements, or what GET names (an empty string
 * for nothing). NULL when out of memory. */
static struct list *build_list(struct sort_run *r, long long start, long long end)
{
    const struct sort_opts *o = r->o;
    struct list *l = list_create(cmd_object_limits());
    bool failed = l == NULL;
    for (long long j = start; j <= end && !failed; j++) {
        const struct sort_item *it = &r->items[j];
        if (o->ngets == 0)
            failed = list_push(l, LIST_TAIL, item_bytes(r, it), it->len) != LIST_OK;
        for (size_t g = 0; g < o->ngets && !failed; g++) {
            struct sort_value v = {.ptr = "", .len = 0};
            lookup_pattern(r, o->gets[g], item_bytes(r, it), it->len, &v);
            failed = run_oom(r) || list_push(l, LIST_TAIL, v.ptr, v.len) != LIST_OK;
        }
    }
    if (failed) {
        list_destroy(l);
        return NULL;
    }
    return l;
}

/* STORE: the list at the destination, or no key when it is empty. */
static void store_sorted(struct sort_run *r, long long start, long long end)
{
    struct cmd_ctx *ctx = r->ctx;
    const struct resp_arg *dst = r->o->store;
    struct cmd_key dk;
    struct list *l = build_list(r, start, end);
    if (l == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    size_t n = list_len(l);
    cmd_key(ctx, (size_t)(dst - ctx->argv), &dk);
    if (n == 0) {
        list_destroy(l);
        if (keyspace_delete(dk.shard, &dk.key, ctx->now_ms))
            cmd_notify(ctx, NOTIFY_GENERIC, "del", dst);
    } else {
        if (!collection_store(ctx, &list_collection, &dk, list_boxed(l)))
            return;
        cmd_notify(ctx, NOTIFY_LIST, "sortstore", dst);
    }
    resp_add_integer(ctx->out, (long long)n);
}

/* ==== the commands ================================================================= */

/* The sorted key's value (NULL when missing); false after WRONGTYPE. */
static bool find_sortable(struct cmd_ctx *ctx, const struct object **obj)
{
    struct cmd_key k;
    cmd_key(ctx, 1, &k);
    struct hashmap_entry *e = cmd_find(ctx, &k, KEYSPACE_LOOKUP_COUNT);
    *obj = e ? keyspace_object(e) : NULL;
    enum object_type t = *obj ? object_type(*obj) : OBJECT_LIST;
    if (t == OBJECT_LIST || t == OBJECT_SET || t == OBJECT_ZSET)
        return true;
    reply_wrongtype(ctx);
    return false;
}

/* Sort what obj holds and reply or store, once the options are parsed. */
static void sort_value(struct sort_run *r, const struct object *obj, struct sort_opts *o)
{
    bool set = obj != NULL && object_type(obj) == OBJECT_SET;
    if (o->dontsort && set && (o->store != NULL || script_running_here())) {
        o->dontsort = false; /* replicas and replays must see one order */
        o->alpha = true;
        o->by = NULL;
    }
    long long start, end;
    limit_range(o, (long long)value_len(obj), &start, &end);
    bool ok = load(r, obj, o->dontsort, &start, &end), parsed = true;
    if (ok && !o->dontsort) {
        parsed = load_weights(r);
        ok = !run_oom(r) && (!parsed || sort_items(r));
    }
    if (!ok)
        resp_add_error(r->ctx->out, ERR_OUT_OF_MEMORY);
    else if (!parsed)
        resp_add_error(r->ctx->out, ERR_SORT_SCORE);
    else if (o->store == NULL)
        reply_sorted(r, start, end);
    else
        store_sorted(r, start, end);
}

static void sort_generic(struct cmd_ctx *ctx, bool readonly)
{
    struct sort_opts o = {.limit_count = -1};
    struct sort_run r = {.ctx = ctx, .o = &o};
    const struct object *obj;
    resp_out_init(&r.arena, 2);
    resp_out_init(&r.key, 2);
    o.gets = malloc(ctx->argc * sizeof(*o.gets));
    if (o.gets == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    if (parse_opts(ctx, readonly, &o) && find_sortable(ctx, &obj))
        sort_value(&r, obj, &o);
    free(o.gets);
    free(r.items);
    resp_out_deinit(&r.arena);
    resp_out_deinit(&r.key);
}

static void sort_command(struct cmd_ctx *ctx)
{
    sort_generic(ctx, false);
}

static void sort_ro_command(struct cmd_ctx *ctx)
{
    sort_generic(ctx, true);
}

/* ==== the table ==================================================================== */

#define SORT_COMPLEXITY                                                                       \
    "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the " \
    "number of returned elements. When the elements are not sorted, complexity is O(N)."
#define SORT_ACL (ACL_SET | ACL_SORTEDSET | ACL_LIST | ACL_DANGEROUS)
#define PATTERN_NOTE                                                                          \
    {"For the optional BY/GET keyword. It is marked 'unknown' because the key names derive " \
     "from the content of the key we sort",                                                   \
     {"RO", "access"}}

static const struct command_key_note sort_notes[] = {
    PATTERN_NOTE,
    {"For the optional STORE keyword. It is marked 'unknown' because the keyword can appear "
     "anywhere in the argument array",
     {"OW", "update"}},
    {0},
};
static const struct command_key_note sort_ro_notes[] = {PATTERN_NOTE, {0}};

static const struct command_arg offset_count[] = {
    {"offset", "integer", NULL, 0, NULL}, {"count", "integer", NULL, 0, NULL}, {0}};
static const struct command_arg order[] = {
    {"asc", "pure-token", "ASC", 0, NULL}, {"desc", "pure-token", "DESC", 0, NULL}, {0}};
#define SORT_ARGS                                                                              \
    {"key", "key", NULL, 0, NULL},                                                             \
        {"pattern", "pattern", "BY", COMMAND_ARG_OPTIONAL | COMMAND_ARG_KEY_SPEC, NULL},       \
        {"offset_count", "block", "LIMIT", COMMAND_ARG_OPTIONAL, offset_count},                \
        {"pattern", "pattern", "GET",                                                          \
         COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE | COMMAND_ARG_MULTIPLE_TOKEN |            \
             COMMAND_ARG_KEY_SPEC | COMMAND_ARG_SAME_KEY_SPEC,                                 \
         NULL},                                                                                \
        {"order", "oneof", NULL, COMMAND_ARG_OPTIONAL, order},                                 \
        {"sorting", "pure-token", "ALPHA", COMMAND_ARG_OPTIONAL, NULL}

struct command sort_commands[] = {
    {.name = "sort", .arity = -2, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1,
     .last_key = 1, .key_step = 1, .find_keys = sort_find_keys, .unknown_keys = sort_notes,
     .proc = sort_command, .group = "generic", .acl = SORT_ACL,
     .summary = "Sort the elements in a list, set or sorted set", .since = "1.0.0",
     .complexity = SORT_COMPLEXITY,
     .args = (const struct command_arg[]){
         SORT_ARGS,
         {"destination", "key", "STORE", COMMAND_ARG_OPTIONAL, NULL},
         {0}}},
    {.name = "sort_ro", .arity = -2, .flags = CMD_READONLY, .first_key = 1, .last_key = 1,
     .key_step = 1, .find_keys = sort_ro_find_keys, .unknown_keys = sort_ro_notes,
     .proc = sort_ro_command, .group = "generic", .acl = SORT_ACL,
     .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
     .since = "7.0.0", .complexity = SORT_COMPLEXITY,
     .args = (const struct command_arg[]){SORT_ARGS, {0}}},
    {0},
};
