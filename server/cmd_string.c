/*
 * cmd_string.c - the string commands, after Redis 7.0's t_string.c.
 *
 * GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND
 * STRLEN GETRANGE SUBSTR SETRANGE INCR DECR INCRBY DECRBY INCRBYFLOAT LCS.
 *
 * Every handler runs with the shards of its declared keys locked (see
 * command.h), so a multi-key command (MGET, MSET, MSETNX, LCS) sees and
 * changes its keys atomically.
 *
 * Redis's order of checks is kept, because it decides which error a client
 * sees first: SET parses all options, then validates the expire time, then
 * (with GET) checks the old value's type, then applies NX/XX; GETEX parses,
 * looks the key up, and only then validates the expire time (a missing key
 * gives nil even with a bad time). Lookups count keyspace hits/misses only
 * where Redis uses lookupKeyRead (GET, the GET of SET/GETSET/GETDEL, GETEX,
 * MGET, STRLEN, GETRANGE, LCS); writes look up without counting, as
 * lookupKeyWrite does.
 *
 * TTLs: SET, GETSET, SETEX, MSET drop the old TTL (SET ... KEEPTTL keeps
 * it); INCR and friends, INCRBYFLOAT, APPEND and SETRANGE keep it.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "keyspace.h"
#include "server.h"

/* ==== shared helpers ========================================================== */

/* Reply with a string object's bytes. */
static void reply_string(struct cmd_ctx *ctx, const struct object *o)
{
    char scratch[OBJECT_INT_BUFSIZE];
    const char *ptr;
    size_t len;
    object_string_view(o, scratch, &ptr, &len);
    resp_add_bulk(ctx->out, ptr, len);
}

static void reply_oom(struct cmd_ctx *ctx)
{
    resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
}

/* A reply already partly written (the old value of SET ... GET, GETEX) is
 * taken back before an out-of-memory error, so the client gets one reply. */
static void reply_oom_at(struct cmd_ctx *ctx, size_t mark)
{
    ctx->out->len = mark;
    reply_oom(ctx);
}

/* The live entry of a key, or NULL. `flags` is KEYSPACE_LOOKUP_COUNT for
 * Redis's lookupKeyRead, 0 for lookupKeyWrite. Returns false after replying
 * WRONGTYPE when the key holds another type. */
static bool find_string(struct cmd_ctx *ctx, const struct cmd_key *k, unsigned flags,
                        struct hashmap_entry **out)
{
    *out = cmd_find(ctx, k, flags);
    if (*out != NULL && object_type(keyspace_object(*out)) != OBJECT_STRING) {
        reply_wrongtype(ctx);
        return false;
    }
    return true;
}

/* Redis's getGenericCommand: reply with the value or nil; false after a
 * WRONGTYPE reply. *out (may be NULL) gets the entry. */
static bool get_generic(struct cmd_ctx *ctx, const struct cmd_key *k, struct hashmap_entry **out)
{
    struct hashmap_entry *e;
    if (!find_string(ctx, k, KEYSPACE_LOOKUP_COUNT, &e))
        return false;
    if (e == NULL)
        resp_add_null(ctx->out);
    else
        reply_string(ctx, keyspace_object(e));
    if (out)
        *out = e;
    return true;
}

/* Redis's checkStringLength: a string of size + append bytes must fit in
 * proto-max-bulk-len. False after replying. */
static bool check_string_length(struct cmd_ctx *ctx, uint64_t size, uint64_t append)
{
    uint64_t max = (uint64_t)server.cfg.proto_max_bulk_len;
    if (append > max || size > max - append) {
        resp_add_error(ctx->out, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return false;
    }
    return true;
}

/* ==== SET and GETEX options ===================================================== */

enum {
    EXT_NX = 1 << 0,
    EXT_XX = 1 << 1,
    EXT_GET = 1 << 2,
    EXT_KEEPTTL = 1 << 3,
    EXT_PERSIST = 1 << 4,
    EXT_EX = 1 << 5,
    EXT_PX = 1 << 6,
    EXT_EXAT = 1 << 7,
    EXT_PXAT = 1 << 8,
};
#define EXT_EXPIRES (EXT_EX | EXT_PX | EXT_EXAT | EXT_PXAT)

enum ext_command { EXT_FOR_SET = 1, EXT_FOR_GETEX = 2 };

/* One option of SET/GETEX. An option is a syntax error when any flag in
 * `excludes` was already seen, which reproduces the acceptance rules of
 * Redis 7.0's parseExtendedStringArgumentsOrReply: NX and XX exclude each
 * other; the expire options exclude each other, KEEPTTL and PERSIST; but
 * repeating one (EX 1 EX 2, GET GET) is accepted and the last one wins. */
struct ext_option {
    const char *name;
    unsigned flag;
    unsigned excludes;
    unsigned commands; /* enum ext_command bits */
};

/* What an expire option excludes: KEEPTTL, PERSIST and the other three. */
#define EXT_EXPIRE_EXCLUDES(self) (EXT_KEEPTTL | EXT_PERSIST | (EXT_EXPIRES & ~(self)))
#define EXT_FOR_BOTH (EXT_FOR_SET | EXT_FOR_GETEX)

static const struct ext_option ext_options[] = {
    {"nx", EXT_NX, EXT_XX, EXT_FOR_SET},
    {"xx", EXT_XX, EXT_NX, EXT_FOR_SET},
    {"get", EXT_GET, 0, EXT_FOR_SET},
    {"keepttl", EXT_KEEPTTL, EXT_PERSIST | EXT_EXPIRES, EXT_FOR_SET},
    {"persist", EXT_PERSIST, EXT_KEEPTTL | EXT_EXPIRES, EXT_FOR_GETEX},
    {"ex", EXT_EX, EXT_EXPIRE_EXCLUDES(EXT_EX), EXT_FOR_BOTH},
    {"px", EXT_PX, EXT_EXPIRE_EXCLUDES(EXT_PX), EXT_FOR_BOTH},
    {"exat", EXT_EXAT, EXT_EXPIRE_EXCLUDES(EXT_EXAT), EXT_FOR_BOTH},
    {"pxat", EXT_PXAT, EXT_EXPIRE_EXCLUDES(EXT_PXAT), EXT_FOR_BOTH},
};

struct ext_args {
    unsigned flags;
    const struct resp_arg *expire; /* the argument after EX/PX/EXAT/PXAT, or NULL */
};

/* Parse argv[first..] into *ea; false after replying "syntax error". An
 * expire option without a following argument is a syntax error too. */
static bool parse_ext_args(struct cmd_ctx *ctx, size_t first, enum ext_command command,
                           struct ext_args *ea)
{
    ea->flags = 0;
    ea->expire = NULL;
    for (size_t j = first; j < ctx->argc; j++) {
        const struct ext_option *opt = NULL;
        for (size_t i = 0; i < sizeof(ext_options) / sizeof(ext_options[0]); i++)
            if (arg_is(&ctx->argv[j], ext_options[i].name))
                opt = &ext_options[i];
        bool has_next = j + 1 < ctx->argc;
        if (opt == NULL || !(opt->commands & command) || (ea->flags & opt->excludes) ||
            ((opt->flag & EXT_EXPIRES) && !has_next)) {
            reply_syntax_error(ctx);
            return false;
        }
        ea->flags |= opt->flag;
        if (opt->flag & EXT_EXPIRES)
            ea->expire = &ctx->argv[++j];
    }
    return true;
}

static void reply_invalid_expire(struct cmd_ctx *ctx)
{
    resp_add_errorf(ctx->out, "ERR invalid expire time in '%s' command", ctx->cmd->fullname);
}

/* Redis 7.0's getExpireMillisecondsOrReply: the absolute expire time in ms
 * for an EX/PX/EXAT/PXAT argument (`unit` is the option's EXT_ flag), or
 * false after replying. Zero and negative times are invalid, and so is any
 * time whose conversion to ms, or whose sum with now, overflows. */
static bool expire_at_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, unsigned unit,
                               int64_t *at)
{
    long long v;
    if (!arg_to_ll_or_reply(ctx, arg, &v))
        return false;
    bool seconds = (unit & (EXT_EX | EXT_EXAT)) != 0;
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
        reply_invalid_expire(ctx);
        return false;
    }
    if (seconds)
        v *= 1000;
    if (unit & (EXT_EX | EXT_PX)) {
        if (v > LLONG_MAX - ctx->now_ms) {
            reply_invalid_expire(ctx);
            return false;
        }
        v += ctx->now_ms;
    }
    *at = v;
    return true;
}

/* ==== GET, SET and their variants =============================================== */

static void get_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    cmd_key(ctx, 1, &k);
    get_generic(ctx, &k, NULL);
}

/* Redis's setGenericCommand for SET, SETNX, SETEX and PSETEX. `expire_at`
 * is an absolute time, KEYSPACE_TTL_NONE or KEYSPACE_TTL_KEEP. SETNX
 * (`int_reply`) answers 1/0 instead of OK/nil. */
static void set_generic(struct cmd_ctx *ctx, unsigned flags, const struct resp_arg *val,
                        int64_t expire_at, bool int_reply)
{
    struct cmd_key k;
    struct hashmap_entry *e = NULL;
    size_t mark = ctx->out->len;
    cmd_key(ctx, 1, &k);
    if ((flags & EXT_GET) && !get_generic(ctx, &k, NULL))
        return;
    if (flags & (EXT_NX | EXT_XX)) {
        e = cmd_find(ctx, &k, 0);
        if (((flags & EXT_NX) && e != NULL) || ((flags & EXT_XX) && e == NULL)) {
            if (int_reply)
                resp_add_integer(ctx->out, 0);
            else if (!(flags & EXT_GET))
                resp_add_null(ctx->out);
            return;
        }
    }
    if (keyspace_set_string(k.shard, &k.key, val->ptr, val->len, OBJECT_STR_TRY, expire_at,
                            ctx->now_ms, NULL) < 0) {
        reply_oom_at(ctx, mark);
        return;
    }
    cmd_notify(ctx, NOTIFY_STRING, "set", &ctx->argv[1]);
    if (expire_at != KEYSPACE_TTL_NONE && expire_at != KEYSPACE_TTL_KEEP)
        cmd_notify(ctx, NOTIFY_GENERIC, "expire", &ctx->argv[1]);
    if (int_reply)
        resp_add_integer(ctx->out, 1);
    else if (!(flags & EXT_GET))
        resp_add_ok(ctx->out);
}

/* SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] */
static void set_command(struct cmd_ctx *ctx)
{
    struct ext_args ea;
    int64_t expire_at = KEYSPACE_TTL_NONE;
    if (!parse_ext_args(ctx, 3, EXT_FOR_SET, &ea))
        return;
    if (ea.expire != NULL &&
        !expire_at_or_reply(ctx, ea.expire, ea.flags & EXT_EXPIRES, &expire_at))
        return;
    if (ea.flags & EXT_KEEPTTL)
        expire_at = KEYSPACE_TTL_KEEP;
    set_generic(ctx, ea.flags, &ctx->argv[2], expire_at, false);
}

static void setnx_command(struct cmd_ctx *ctx)
{
    set_generic(ctx, EXT_NX, &ctx->argv[2], KEYSPACE_TTL_NONE, true);
}

/* SETEX / PSETEX key time value */
static void setex_generic(struct cmd_ctx *ctx, unsigned unit)
{
    int64_t expire_at;
    if (expire_at_or_reply(ctx, &ctx->argv[2], unit, &expire_at))
        set_generic(ctx, 0, &ctx->argv[3], expire_at, false);
}

static void setex_command(struct cmd_ctx *ctx)
{
    setex_generic(ctx, EXT_EX);
}

static void psetex_command(struct cmd_ctx *ctx)
{
    setex_generic(ctx, EXT_PX);
}

static void getset_command(struct cmd_ctx *ctx)
{
    set_generic(ctx, EXT_GET, &ctx->argv[2], KEYSPACE_TTL_NONE, false);
}

static void getdel_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    cmd_key(ctx, 1, &k);
    if (get_generic(ctx, &k, &e) && e != NULL) {
        keyspace_delete_entry(k.shard, e);
        cmd_notify(ctx, NOTIFY_GENERIC, "del", &ctx->argv[1]);
    }
}

/* GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST] */
static void getex_command(struct cmd_ctx *ctx)
{
    struct ext_args ea;
    struct cmd_key k;
    struct hashmap_entry *e;
    int64_t at = 0;
    if (!parse_ext_args(ctx, 2, EXT_FOR_GETEX, &ea))
        return;
    cmd_key(ctx, 1, &k);
    if (!find_string(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e))
        return;
    if (e == NULL) {
        resp_add_null(ctx->out);
        return;
    }
    if (ea.expire != NULL && !expire_at_or_reply(ctx, ea.expire, ea.flags & EXT_EXPIRES, &at))
        return;
    size_t mark = ctx->out->len;
    reply_string(ctx, keyspace_object(e));
    /* An absolute time already past deletes the key, as Redis does. */
    if ((ea.flags & (EXT_EXAT | EXT_PXAT)) && at <= ctx->now_ms) {
        keyspace_delete_entry(k.shard, e);
        cmd_notify(ctx, NOTIFY_GENERIC, "del", &ctx->argv[1]);
    } else if (ea.expire != NULL && keyspace_set_expire(k.shard, &e, at) < 0) {
        reply_oom_at(ctx, mark);
    } else if (ea.expire != NULL) {
        cmd_notify(ctx, NOTIFY_GENERIC, "expire", &ctx->argv[1]);
    } else if ((ea.flags & EXT_PERSIST) && keyspace_persist(k.shard, &e)) {
        cmd_notify(ctx, NOTIFY_GENERIC, "persist", &ctx->argv[1]);
    }
}

/* ==== many keys ================================================================= */

static void mget_command(struct cmd_ctx *ctx)
{
    resp_add_array_len(ctx->out, ctx->argc - 1);
    for (size_t i = 1; i < ctx->argc; i++) {
        struct cmd_key k;
        cmd_key(ctx, i, &k);
        struct hashmap_entry *e = cmd_find(ctx, &k, KEYSPACE_LOOKUP_COUNT);
        if (e == NULL || object_type(keyspace_object(e)) != OBJECT_STRING)
            resp_add_null(ctx->out);
        else
            reply_string(ctx, keyspace_object(e));
    }
}

/* MSET / MSETNX key value [key value ...]. MSETNX sets nothing and answers
 * 0 if any key exists. An out-of-memory error stops MSET part way. */
static void mset_generic(struct cmd_ctx *ctx, bool nx)
{
    if (ctx->argc % 2 == 0) {
        reply_wrong_arity(ctx, ctx->cmd);
        return;
    }
    for (size_t i = 1; nx && i < ctx->argc; i += 2) {
        struct cmd_key k;
        cmd_key(ctx, i, &k);
        if (cmd_find(ctx, &k, 0) != NULL) {
            resp_add_integer(ctx->out, 0);
            return;
        }
    }
    for (size_t i = 1; i < ctx->argc; i += 2) {
        struct cmd_key k;
        const struct resp_arg *val = &ctx->argv[i + 1];
        cmd_key(ctx, i, &k);
        if (keyspace_set_string(k.shard, &k.key, val->ptr, val->len, OBJECT_STR_TRY,
                                KEYSPACE_TTL_NONE, ctx->now_ms, NULL) < 0) {
            reply_oom(ctx);
            return;
        }
        cmd_notify(ctx, NOTIFY_STRING, "set", &ctx->argv[i]);
    }
    if (nx)
        resp_add_integer(ctx->out, 1);
    else
        resp_add_ok(ctx->out);
}

static void mset_command(struct cmd_ctx *ctx)
{
    mset_generic(ctx, false);
}

static void msetnx_command(struct cmd_ctx *ctx)
{
    mset_generic(ctx, true);
}

/* ==== bytes and ranges ========================================================== */

static void append_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    const struct resp_arg *val = &ctx->argv[2];
    size_t len;
    cmd_key(ctx, 1, &k);
    if (!find_string(ctx, &k, 0, &e))
        return;
    if (e == NULL) {
        if (keyspace_set_string(k.shard, &k.key, val->ptr, val->len, OBJECT_STR_TRY,
                                KEYSPACE_TTL_NONE, ctx->now_ms, NULL) < 0) {
            reply_oom(ctx);
            return;
        }
        len = val->len;
    } else {
        if (!check_string_length(ctx, object_string_len(keyspace_object(e)), val->len))
            return;
        if (keyspace_append(k.shard, &e, val->ptr, val->len, &len) < 0) {
            reply_oom(ctx);
            return;
        }
    }
    cmd_notify(ctx, NOTIFY_STRING, "append", &ctx->argv[1]);
    resp_add_integer(ctx->out, (long long)len);
}

static void strlen_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    cmd_key(ctx, 1, &k);
    if (find_string(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e))
        resp_add_integer(ctx->out, e ? (long long)object_string_len(keyspace_object(e)) : 0);
}

/* GETRANGE / SUBSTR key start end: Redis 7.0.15's index arithmetic.
 * Negative indexes count from the end and both ends are clamped, end
 * inclusive; but two negative indexes in the wrong order give "" before
 * any clamping (so -100 -200 is "" while -200 -100 is the first byte). */
static void getrange_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    long long start, end;
    char scratch[OBJECT_INT_BUFSIZE];
    const char *str;
    size_t len;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &start) ||
        !arg_to_ll_or_reply(ctx, &ctx->argv[3], &end))
        return;
    cmd_key(ctx, 1, &k);
    if (!find_string(ctx, &k, KEYSPACE_LOOKUP_COUNT, &e))
        return;
    if (e == NULL) {
        resp_add_bulk(ctx->out, "", 0);
        return;
    }
    if (start < 0 && end < 0 && start > end) {
        resp_add_bulk(ctx->out, "", 0);
        return;
    }
    object_string_view(keyspace_object(e), scratch, &str, &len);
    long long slen = (long long)len;
    if (start < 0)
        start = slen + start;
    if (end < 0)
        end = slen + end;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= slen)
        end = slen - 1;
    if (start > end || len == 0)
        resp_add_bulk(ctx->out, "", 0);
    else
        resp_add_bulk(ctx->out, str + start, (size_t)(end - start + 1));
}

/* SETRANGE key offset value */
static void setrange_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    const struct resp_arg *val = &ctx->argv[3];
    long long offset;
    size_t len;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &offset))
        return;
    if (offset < 0) {
        resp_add_error(ctx->out, "ERR offset is out of range");
        return;
    }
    cmd_key(ctx, 1, &k);
    if (!find_string(ctx, &k, 0, &e))
        return;
    /* Setting nothing: 0 for a missing key (not created), else its length. */
    if (val->len == 0) {
        resp_add_integer(ctx->out, e ? (long long)object_string_len(keyspace_object(e)) : 0);
        return;
    }
    if (!check_string_length(ctx, (uint64_t)offset, val->len))
        return;
    if (keyspace_setrange(k.shard, &k.key, &e, (size_t)offset, val->ptr, val->len, ctx->now_ms,
                          &len) < 0) {
        reply_oom(ctx);
        return;
    }
    cmd_notify(ctx, NOTIFY_STRING, "setrange", &ctx->argv[1]);
    resp_add_integer(ctx->out, (long long)len);
}

/* ==== counters ================================================================== */

/* Redis's incrDecrCommand: a missing key counts as 0; the TTL is kept. */
static void incr_generic(struct cmd_ctx *ctx, long long incr)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    int64_t value = 0;
    cmd_key(ctx, 1, &k);
    if (!find_string(ctx, &k, 0, &e))
        return;
    if (e != NULL && !object_string_to_int(keyspace_object(e), &value)) {
        reply_not_integer(ctx);
        return;
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        resp_add_error(ctx->out, "ERR increment or decrement would overflow");
        return;
    }
    value += incr;
    if (keyspace_set_int(k.shard, &k.key, value, KEYSPACE_TTL_KEEP, ctx->now_ms, NULL) < 0) {
        reply_oom(ctx);
        return;
    }
    cmd_notify(ctx, NOTIFY_STRING, "incrby", &ctx->argv[1]);
    resp_add_integer(ctx->out, value);
}

static void incr_command(struct cmd_ctx *ctx)
{
    incr_generic(ctx, 1);
}

static void decr_command(struct cmd_ctx *ctx)
{
    incr_generic(ctx, -1);
}

static void incrby_command(struct cmd_ctx *ctx)
{
    long long incr;
    if (arg_to_ll_or_reply(ctx, &ctx->argv[2], &incr))
        incr_generic(ctx, incr);
}

static void decrby_command(struct cmd_ctx *ctx)
{
    long long decr;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &decr))
        return;
    if (decr == LLONG_MIN) { /* -decr would overflow */
        resp_add_error(ctx->out, "ERR decrement would overflow");
        return;
    }
    incr_generic(ctx, -decr);
}

static bool long_double_or_reply(struct cmd_ctx *ctx, const char *s, size_t len, long double *out)
{
    if (resp_str_to_long_double(s, len, out))
        return true;
    resp_add_error(ctx->out, "ERR value is not a valid float");
    return false;
}

/* The result is stored as text ("%.17Lf", trailing zeros trimmed), the TTL
 * kept. A text too long for Redis's 5 KB buffer is stored empty, as
 * Redis's createStringObjectFromLongDouble does. */
static void incrbyfloat_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    long double value = 0, incr;
    char buf[RESP_NUM_MAX_FLOAT_CHARS];
    cmd_key(ctx, 1, &k);
    if (!find_string(ctx, &k, 0, &e))
        return;
    if (e != NULL) {
        char scratch[OBJECT_INT_BUFSIZE];
        const char *ptr;
        size_t len;
        object_string_view(keyspace_object(e), scratch, &ptr, &len);
        if (!long_double_or_reply(ctx, ptr, len, &value))
            return;
    }
    if (!long_double_or_reply(ctx, ctx->argv[2].ptr, ctx->argv[2].len, &incr))
        return;
    value += incr;
    if (isnan(value) || isinf(value)) {
        resp_add_error(ctx->out, "ERR increment would produce NaN or Infinity");
        return;
    }
    size_t n = resp_long_double_to_str(buf, sizeof(buf), value);
    if (keyspace_set_string(k.shard, &k.key, buf, n, OBJECT_STR_PLAIN, KEYSPACE_TTL_KEEP,
                            ctx->now_ms, NULL) < 0) {
        reply_oom(ctx);
        return;
    }
    cmd_notify(ctx, NOTIFY_STRING, "incrbyfloat", &ctx->argv[1]);
    resp_add_bulk(ctx->out, buf, n);
}

/* ==== LCS ======================================================================== */

struct lcs_opts {
    bool len, idx, withmatchlen;
    long long minmatchlen;
};

/* The two strings and the dynamic-programming table: at(i, j) is the
 * length of the LCS of a[0..i) and b[0..j). */
struct lcs {
    const char *a, *b;
    uint32_t alen, blen;
    uint32_t *table;
};

static uint32_t *lcs_at(const struct lcs *l, uint32_t i, uint32_t j)
{
    return &l->table[(size_t)i * (l->blen + 1) + j];
}

static void lcs_fill(struct lcs *l)
{
    for (uint32_t i = 0; i <= l->alen; i++) {
        for (uint32_t j = 0; j <= l->blen; j++) {
            if (i == 0 || j == 0) {
                *lcs_at(l, i, j) = 0;
            } else if (l->a[i - 1] == l->b[j - 1]) {
                *lcs_at(l, i, j) = *lcs_at(l, i - 1, j - 1) + 1;
            } else {
                uint32_t up = *lcs_at(l, i - 1, j), left = *lcs_at(l, i, j - 1);
                *lcs_at(l, i, j) = up > left ? up : left;
            }
        }
    }
}

static void lcs_add_range(struct resp_out *out, const struct lcs_opts *o, uint32_t as, uint32_t ae,
                          uint32_t bs, uint32_t be)
{
    resp_add_array_len(out, 2 + o->withmatchlen);
    resp_add_array_len(out, 2);
    resp_add_integer(out, as);
    resp_add_integer(out, ae);
    resp_add_array_len(out, 2);
    resp_add_integer(out, bs);
    resp_add_integer(out, be);
    if (o->withmatchlen)
        resp_add_integer(out, (long long)ae - as + 1);
}

/* Walk the table back from (alen, blen) as Redis does, writing the LCS
 * backwards into result (lcs length bytes) and, for IDX, emitting each
 * maximal matching range (last ones first) of at least minmatchlen bytes.
 * Returns the number of ranges emitted. */
static size_t lcs_walk(const struct lcs *l, const struct lcs_opts *o, struct resp_out *out,
                       char *result)
{
    uint32_t i = l->alen, j = l->blen, idx = *lcs_at(l, i, j);
    uint32_t as = l->alen, ae = 0, bs = 0, be = 0; /* as == alen: no open range */
    size_t ranges = 0;
    while (i > 0 && j > 0) {
        bool emit = false;
        if (l->a[i - 1] == l->b[j - 1]) {
            result[--idx] = l->a[i - 1];
            if (as == l->alen) {
                as = ae = i - 1;
                bs = be = j - 1;
            } else if (as == i && bs == j) {
                as--; /* the range extends backwards */
                bs--;
            } else {
                emit = true;
            }
            emit = emit || as == 0 || bs == 0;
            i--;
            j--;
        } else {
            if (*lcs_at(l, i - 1, j) > *lcs_at(l, i, j - 1))
                i--;
            else
                j--;
            emit = as != l->alen;
        }
        if (emit) {
            uint32_t match_len = ae - as + 1;
            if (o->idx && (o->minmatchlen == 0 || match_len >= o->minmatchlen)) {
                lcs_add_range(out, o, as, ae, bs, be);
                ranges++;
            }
            as = l->alen;
        }
    }
    return ranges;
}

/* Options after the two keys; false after replying. */
static bool lcs_parse(struct cmd_ctx *ctx, struct lcs_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (size_t j = 3; j < ctx->argc; j++) {
        const struct resp_arg *opt = &ctx->argv[j];
        if (arg_is(opt, "idx")) {
            o->idx = true;
        } else if (arg_is(opt, "len")) {
            o->len = true;
        } else if (arg_is(opt, "withmatchlen")) {
            o->withmatchlen = true;
        } else if (arg_is(opt, "minmatchlen") && j + 1 < ctx->argc) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[++j], &o->minmatchlen))
                return false;
            if (o->minmatchlen < 0)
                o->minmatchlen = 0;
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    if (o->len && o->idx) {
        resp_add_error(ctx->out,
                       "ERR If you want both the length and indexes, please just use IDX.");
        return false;
    }
    return true;
}

/* Allocate the table within Redis's limits; false after replying. */
static bool lcs_alloc(struct cmd_ctx *ctx, struct lcs *l, size_t alen, size_t blen)
{
    if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) {
        resp_add_error(ctx->out, "ERR String too long for LCS");
        return false;
    }
    l->alen = (uint32_t)alen;
    l->blen = (uint32_t)blen;
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    unsigned long long bytes = cells * sizeof(uint32_t);
    l->table = NULL;
    if (bytes < SIZE_MAX && bytes / cells == sizeof(uint32_t)) {
        if (bytes > (unsigned long long)server.cfg.proto_max_bulk_len) {
            resp_add_error(ctx->out, "ERR Insufficient memory, transient memory for LCS exceeds "
                                     "proto-max-bulk-len");
            return false;
        }
        l->table = malloc((size_t)bytes);
    }
    if (l->table == NULL) {
        resp_add_error(ctx->out, "ERR Insufficient memory, failed allocating transient memory "
                                 "for LCS");
        return false;
    }
    return true;
}

static void lcs_reply(struct cmd_ctx *ctx, struct lcs *l, const struct lcs_opts *o)
{
    uint32_t total = *lcs_at(l, l->alen, l->blen);
    if (o->len && !o->idx) {
        resp_add_integer(ctx->out, total);
        return;
    }
    char *result = malloc(total ? total : 1);
    if (result == NULL) {
        reply_oom(ctx);
        return;
    }
    if (o->idx) {
        resp_add_map_len(ctx->out, 2);
        resp_add_bulk_cstr(ctx->out, "matches");
        size_t handle = resp_add_deferred_len(ctx->out);
        size_t ranges = lcs_walk(l, o, ctx->out, result);
        resp_add_bulk_cstr(ctx->out, "len");
        resp_add_integer(ctx->out, total);
        resp_set_deferred_array_len(ctx->out, handle, ranges);
    } else {
        lcs_walk(l, o, ctx->out, result);
        resp_add_bulk(ctx->out, result, total);
    }
    free(result);
}

/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]. Missing keys
 * are empty strings. */
static void lcs_command(struct cmd_ctx *ctx)
{
    struct cmd_key ka, kb;
    struct hashmap_entry *ea, *eb;
    char sa[OBJECT_INT_BUFSIZE], sb[OBJECT_INT_BUFSIZE];
    const char *a = "", *b = "";
    size_t alen = 0, blen = 0;
    struct lcs_opts o;
    struct lcs l;
    cmd_key(ctx, 1, &ka);
    cmd_key(ctx, 2, &kb);
    ea = cmd_find(ctx, &ka, KEYSPACE_LOOKUP_COUNT);
    eb = cmd_find(ctx, &kb, KEYSPACE_LOOKUP_COUNT);
    if ((ea && object_type(keyspace_object(ea)) != OBJECT_STRING) ||
        (eb && object_type(keyspace_object(eb)) != OBJECT_STRING)) {
        resp_add_error(ctx->out, "ERR The specified keys must contain string values");
        return;
    }
    if (!lcs_parse(ctx, &o))
        return;
    if (ea)
        object_string_view(keyspace_object(ea), sa, &a, &alen);
    if (eb)
        object_string_view(keyspace_object(eb), sb, &b, &blen);
    if (!lcs_alloc(ctx, &l, alen, blen))
        return;
    l.a = a;
    l.b = b;
    lcs_fill(&l);
    lcs_reply(ctx, &l, &o);
    free(l.table);
}

/* ==== the table ================================================================== */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define KEY_ARG {"key", "key", NULL, 0, NULL}
#define VALUE_ARG {"value", "string", NULL, 0, NULL}
#define STRING_CMD(n, ar, fl, fk, lk, st, fn, sum, si, cx, ag)                                  \
    {.name = n, .arity = ar, .flags = fl, .first_key = fk, .last_key = lk, .key_step = st,      \
     .proc = fn, .group = "string", .summary = sum, .since = si, .complexity = cx, .args = ag}
#define RANGE_COMPLEXITY                                                                        \
    "O(N) where N is the length of the returned string. The complexity is ultimately "          \
    "determined by the returned length, but because creating a substring from an existing "     \
    "string is very cheap, it can be considered O(1) for small strings."

static const struct command_arg set_condition[] = {
    {"nx", "pure-token", "NX", 0, NULL}, {"xx", "pure-token", "XX", 0, NULL}, {0}};
/* The expire-time choices SET and GETEX share; each adds one more. */
#define EXPIRE_TIME_ARGS                                                                        \
    {"seconds", "integer", "EX", 0, NULL}, {"milliseconds", "integer", "PX", 0, NULL},          \
        {"unix-time-seconds", "unix-time", "EXAT", 0, NULL},                                    \
        {"unix-time-milliseconds", "unix-time", "PXAT", 0, NULL}
static const struct command_arg set_expiration[] = {
    EXPIRE_TIME_ARGS, {"keepttl", "pure-token", "KEEPTTL", 0, NULL}, {0}};
static const struct command_arg getex_expiration[] = {
    EXPIRE_TIME_ARGS, {"persist", "pure-token", "PERSIST", 0, NULL}, {0}};
static const struct command_arg key_value_block[] = {KEY_ARG, VALUE_ARG, {0}};

struct command string_commands[] = {
    STRING_CMD("get", 2, CMD_READONLY | CMD_FAST, 1, 1, 1, get_command,
               "Get the value of a key", "1.0.0", "O(1)", ARGS(KEY_ARG)),
    STRING_CMD("set", -3, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, set_command,
               "Set the string value of a key", "1.0.0", "O(1)",
               ARGS(KEY_ARG, VALUE_ARG,
                    {"condition", "oneof", NULL, COMMAND_ARG_OPTIONAL, set_condition},
                    {"get", "pure-token", "GET", COMMAND_ARG_OPTIONAL, NULL},
                    {"expiration", "oneof", NULL, COMMAND_ARG_OPTIONAL, set_expiration})),
    STRING_CMD("setnx", 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, setnx_command,
               "Set the value of a key, only if the key does not exist", "1.0.0", "O(1)",
               ARGS(KEY_ARG, VALUE_ARG)),
    STRING_CMD("setex", 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, setex_command,
               "Set the value and expiration of a key", "2.0.0", "O(1)",
               ARGS(KEY_ARG, {"seconds", "integer", NULL, 0, NULL}, VALUE_ARG)),
    STRING_CMD("psetex", 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, psetex_command,
               "Set the value and expiration in milliseconds of a key", "2.6.0", "O(1)",
               ARGS(KEY_ARG, {"milliseconds", "integer", NULL, 0, NULL}, VALUE_ARG)),
    STRING_CMD("getset", 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, getset_command,
               "Set the string value of a key and return its old value", "1.0.0", "O(1)",
               ARGS(KEY_ARG, VALUE_ARG)),
    STRING_CMD("getdel", 2, CMD_WRITE | CMD_FAST, 1, 1, 1, getdel_command,
               "Get the value of a key and delete the key", "6.2.0", "O(1)", ARGS(KEY_ARG)),
    STRING_CMD("getex", -2, CMD_WRITE | CMD_FAST, 1, 1, 1, getex_command,
               "Get the value of a key and optionally set its expiration", "6.2.0", "O(1)",
               ARGS(KEY_ARG,
                    {"expiration", "oneof", NULL, COMMAND_ARG_OPTIONAL, getex_expiration})),
    STRING_CMD("mget", -2, CMD_READONLY | CMD_FAST, 1, -1, 1, mget_command,
               "Get the values of all the given keys", "1.0.0",
               "O(N) where N is the number of keys to retrieve.",
               ARGS({"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL})),
    STRING_CMD("mset", -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 2, mset_command,
               "Set multiple keys to multiple values", "1.0.1",
               "O(N) where N is the number of keys to set.",
               ARGS({"key_value", "block", NULL, COMMAND_ARG_MULTIPLE, key_value_block})),
    STRING_CMD("msetnx", -3, CMD_WRITE | CMD_DENYOOM, 1, -1, 2, msetnx_command,
               "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1",
               "O(N) where N is the number of keys to set.",
               ARGS({"key_value", "block", NULL, COMMAND_ARG_MULTIPLE, key_value_block})),
    STRING_CMD("append", 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, append_command,
               "Append a value to a key", "2.0.0",
               "O(1). The amortized time complexity is O(1) assuming the appended value is "
               "small and the already present value is of any size, since the dynamic string "
               "library used by Redis will double the free space available on every "
               "reallocation.",
               ARGS(KEY_ARG, VALUE_ARG)),
    STRING_CMD("strlen", 2, CMD_READONLY | CMD_FAST, 1, 1, 1, strlen_command,
               "Get the length of the value stored in a key", "2.2.0", "O(1)", ARGS(KEY_ARG)),
    STRING_CMD("getrange", 4, CMD_READONLY, 1, 1, 1, getrange_command,
               "Get a substring of the string stored at a key", "2.4.0", RANGE_COMPLEXITY,
               ARGS(KEY_ARG, {"start", "integer", NULL, 0, NULL},
                    {"end", "integer", NULL, 0, NULL})),
    STRING_CMD("substr", 4, CMD_READONLY, 1, 1, 1, getrange_command,
               "Get a substring of the string stored at a key", "1.0.0", RANGE_COMPLEXITY,
               ARGS(KEY_ARG, {"start", "integer", NULL, 0, NULL},
                    {"end", "integer", NULL, 0, NULL})),
    STRING_CMD("setrange", 4, CMD_WRITE | CMD_DENYOOM, 1, 1, 1, setrange_command,
               "Overwrite part of a string at key starting at the specified offset", "2.2.0",
               "O(1), not counting the time taken to copy the new string in place. Usually, "
               "this string is very small so the amortized complexity is O(1). Otherwise, "
               "complexity is O(M) with M being the length of the value argument.",
               ARGS(KEY_ARG, {"offset", "integer", NULL, 0, NULL}, VALUE_ARG)),
    STRING_CMD("incr", 2, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, incr_command,
               "Increment the integer value of a key by one", "1.0.0", "O(1)", ARGS(KEY_ARG)),
    STRING_CMD("decr", 2, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, decr_command,
               "Decrement the integer value of a key by one", "1.0.0", "O(1)", ARGS(KEY_ARG)),
    STRING_CMD("incrby", 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, incrby_command,
               "Increment the integer value of a key by the given amount", "1.0.0", "O(1)",
               ARGS(KEY_ARG, {"increment", "integer", NULL, 0, NULL})),
    STRING_CMD("decrby", 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1, decrby_command,
               "Decrement the integer value of a key by the given number", "1.0.0", "O(1)",
               ARGS(KEY_ARG, {"decrement", "integer", NULL, 0, NULL})),
    STRING_CMD("incrbyfloat", 3, CMD_WRITE | CMD_DENYOOM | CMD_FAST, 1, 1, 1,
               incrbyfloat_command, "Increment the float value of a key by the given amount",
               "2.6.0", "O(1)", ARGS(KEY_ARG, {"increment", "double", NULL, 0, NULL})),
    STRING_CMD("lcs", -3, CMD_READONLY, 1, 2, 1, lcs_command, "Find longest common substring",
               "7.0.0", "O(N*M) where N and M are the lengths of s1 and s2, respectively",
               ARGS({"key1", "key", NULL, 0, NULL},
                    {"key2", "key", NULL, COMMAND_ARG_SAME_KEY_SPEC, NULL},
                    {"len", "pure-token", "LEN", COMMAND_ARG_OPTIONAL, NULL},
                    {"idx", "pure-token", "IDX", COMMAND_ARG_OPTIONAL, NULL},
                    {"len", "integer", "MINMATCHLEN", COMMAND_ARG_OPTIONAL, NULL},
                    {"withmatchlen", "pure-token", "WITHMATCHLEN", COMMAND_ARG_OPTIONAL, NULL})),
    {0},
};
