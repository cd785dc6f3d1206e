/*
 * cmd_bit.c - the bitmap commands, after Redis 7.0's bitops.c:
 * SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
 *
 * Bitmaps are plain strings read as bits (core/bitmap.h numbers them and
 * does the counting, searching and field arithmetic); this file parses
 * the arguments in Redis's order, looks the keys up and replies. A bit
 * command reads an INT-encoded value as its decimal text, as Redis does.
 *
 * Order of checks, which decides the error a client sees: GETBIT and
 * SETBIT check their arguments before the key; BITCOUNT looks the key up
 * first (a missing key answers 0 whatever the range says) and BITPOS
 * checks only its bit argument before the lookup; BITFIELD parses every
 * operation before it looks at the key, and BITFIELD_RO refuses a write
 * operation before a WRONGTYPE.
 *
 * Writes (SETBIT, BITFIELD) go through a "bit target", Redis's
 * lookupStringForBitCommand: the string is created zero-filled, grown or
 * re-encoded RAW first as Redis does, and a write counts as a change (for
 * WATCH, the AOF and save points) when it flips a bit or the string was
 * created or grown; an unchanged SETBIT or a failed BITFIELD overflow is
 * not propagated. One difference remains: Grove's keyspace counts
 * creating, growing or re-encoding a string as a change in itself, so a
 * BITFIELD that only does that (every write failed OVERFLOW FAIL) or a
 * SETBIT that re-encodes an INT/EMBSTR without flipping its bit is
 * propagated and fails a WATCH where Redis does neither; the data stay
 * the same either way.
 */
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "command.h"
#include "keyspace.h"
#include "server.h"

#define ERR_BIT_OFFSET "ERR bit offset is not an integer or out of range"

/* ==== arguments ================================================================= */

/* Redis's getBitOffsetFromArgument. With field_bits (BITFIELD), "#n"
 * means n fields of that width; Redis multiplies without an overflow
 * check, and the wrapped product is kept so the same offsets pass. An
 * offset whose byte is at or past proto-max-bulk-len is refused. */
static bool offset_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, unsigned field_bits,
                            uint64_t *out)
{
    bool hash = field_bits > 0 && arg->len > 0 && arg->ptr[0] == '#';
    struct resp_arg digits = {arg->ptr + hash, arg->len - hash};
    long long v;
    if (!arg_to_ll(&digits, &v)) {
        resp_add_error(ctx->out, ERR_BIT_OFFSET);
        return false;
    }
    if (hash)
        v = (long long)((unsigned long long)v * field_bits);
    if (v < 0 || (v >> 3) >= (long long)server.cfg.proto_max_bulk_len) {
        resp_add_error(ctx->out, ERR_BIT_OFFSET);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

/* Redis's BYTE|BIT unit argument: true for BIT; false after replying. */
static bool unit_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, bool *bit)
{
    *bit = arg_is(arg, "bit");
    if (*bit || arg_is(arg, "byte"))
        return true;
    reply_syntax_error(ctx);
    return false;
}

/* BITCOUNT/BITPOS's start..end over `total` units, as Redis: negative
 * indexes count from the end, then both are clamped into the string.
 * False when nothing is left. */
static bool clamp_range(long long *start, long long *end, long long total)
{
    if (*start < 0)
        *start += total;
    if (*end < 0)
        *end += total;
    if (*start < 0)
        *start = 0;
    if (*end < 0)
        *end = 0;
    if (*end >= total)
        *end = total - 1;
    return *start <= *end;
}

/* ==== reading ==================================================================== */

/* A string's bytes for reading; len 0 for a missing key. */
struct bit_view {
    const unsigned char *p;
    size_t len;
    char scratch[OBJECT_INT_BUFSIZE]; /* an INT value's decimal text */
};

static void view_of(const struct hashmap_entry *e, struct bit_view *v)
{
    const char *p = "";
    v->len = 0;
    if (e != NULL)
        object_string_view(keyspace_object(e), v->scratch, &p, &v->len);
    v->p = (const unsigned char *)p;
}

/* The key's entry, read as Redis's lookupKeyRead (counted), and its
 * bytes; false after replying WRONGTYPE. */
static bool read_key(struct cmd_ctx *ctx, const struct cmd_key *k, struct hashmap_entry **e,
                     struct bit_view *v)
{
    *e = cmd_find(ctx, k, KEYSPACE_LOOKUP_COUNT);
    if (*e != NULL && object_type(keyspace_object(*e)) != OBJECT_STRING) {
        reply_wrongtype(ctx);
        return false;
    }
    view_of(*e, v);
    return true;
}

/* ==== writing ==================================================================== */

/* The string SETBIT or BITFIELD writes into. */
struct bit_target {
    struct hashmap_entry *e;
    unsigned char *bytes; /* valid until the key next changes */
    size_t len;
    bool grown;   /* created or lengthened: Redis counts every write as a change */
    bool counted; /* the keyspace already counted one change for it */
};

/* A new RAW string of `size` zero bytes at k. */
static int create_zeroed(struct cmd_ctx *ctx, const struct cmd_key *k, size_t size,
                         struct hashmap_entry **e)
{
    struct object_raw *raw = object_raw_create(NULL, 0, size);
    struct object_value v;
    if (raw == NULL)
        return KEYSPACE_ENOMEM;
    memset(raw->buf, 0, size);
    raw->len = size;
    object_value_from_raw(&v, raw);
    return keyspace_set_value(k->shard, &k->key, &v, KEYSPACE_TTL_NONE, ctx->now_ms, e);
}

/* Redis's lookupStringForBitCommand: k's string, RAW and at least `size`
 * bytes long (created when missing). False after replying. */
static bool target_open(struct cmd_ctx *ctx, const struct cmd_key *k, size_t size,
                        struct bit_target *t)
{
    char *bytes;
    int rc = KEYSPACE_OK;
    t->e = cmd_find(ctx, k, 0);
    if (t->e != NULL && object_type(keyspace_object(t->e)) != OBJECT_STRING) {
        reply_wrongtype(ctx);
        return false;
    }
    t->grown = t->e == NULL || object_string_len(keyspace_object(t->e)) < size;
    t->counted = t->grown || object_encoding(keyspace_object(t->e)) != OBJECT_ENC_RAW;
    if (t->e == NULL)
        rc = create_zeroed(ctx, k, size, &t->e);
    else if (t->counted)
        rc = keyspace_string_reserve(k->shard, &t->e, size, &bytes);
    if (rc != KEYSPACE_OK) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    struct object_raw *raw = object_raw(keyspace_object(t->e));
    t->bytes = (unsigned char *)raw->buf;
    t->len = raw->len;
    return true;
}

/* After `changes` writes that changed the string: WATCH, the AOF and the
 * save points hear of them and the "setbit" event goes out (BITFIELD's
 * too, as Redis). Redis counts one change per write. */
static void target_changed(struct cmd_ctx *ctx, const struct cmd_key *k,
                           const struct bit_target *t, size_t changes)
{
    if (changes == 0)
        return;
    for (size_t i = t->counted; i < changes; i++)
        keyspace_signal_modified(k->shard, &k->key);
    cmd_notify(ctx, NOTIFY_STRING, "setbit", &ctx->argv[1]);
}

/* ==== SETBIT, GETBIT ============================================================== */

/* SETBIT key offset value: the bit's old value. */
static void setbit_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct bit_target t;
    uint64_t offset;
    long long on;
    if (!offset_or_reply(ctx, &ctx->argv[2], 0, &offset))
        return;
    if (!arg_to_ll(&ctx->argv[3], &on) || (on & ~1LL)) {
        resp_add_error(ctx->out, "ERR bit is not an integer or out of range");
        return;
    }
    cmd_key(ctx, 1, &k);
    if (!target_open(ctx, &k, (size_t)(offset >> 3) + 1, &t))
        return;
    uint64_t old = bitmap_get(t.bytes, t.len, offset, 1);
    bool changed = t.grown || old != (uint64_t)on;
    if (changed)
        bitmap_set(t.bytes, offset, 1, (uint64_t)on);
    target_changed(ctx, &k, &t, changed);
    resp_add_integer(ctx->out, (long long)old);
}

/* GETBIT key offset: 0 past the end and for a missing key. */
static void getbit_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct bit_view v;
    uint64_t offset;
    if (!offset_or_reply(ctx, &ctx->argv[2], 0, &offset))
        return;
    cmd_key(ctx, 1, &k);
    if (read_key(ctx, &k, &e, &v))
        resp_add_integer(ctx->out, (long long)bitmap_get(v.p, v.len, offset, 1));
}

/* ==== BITCOUNT, BITPOS ============================================================ */

/* The bit range of start..end in bytes (or in bits with `bit`). */
static void bit_range(long long start, long long end, bool bit, uint64_t *first, uint64_t *last)
{
    *first = bit ? (uint64_t)start : (uint64_t)start * 8;
    *last = bit ? (uint64_t)end : (uint64_t)end * 8 + 7;
}

/* BITCOUNT key [start end [BYTE|BIT]] */
static void bitcount_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct bit_view v;
    long long start = 0, end = -1;
    bool bit = false;
    cmd_key(ctx, 1, &k);
    if (!read_key(ctx, &k, &e, &v))
        return;
    if (e == NULL) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    if (ctx->argc != 2 && ctx->argc != 4 && ctx->argc != 5) {
        reply_syntax_error(ctx);
        return;
    }
    if (ctx->argc > 2 && (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &start) ||
                          !arg_to_ll_or_reply(ctx, &ctx->argv[3], &end)))
        return;
    /* Two negative indexes in the wrong order count nothing, before the
     * unit is even looked at (BITPOS has no such rule). */
    if (start < 0 && end < 0 && start > end) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    if (ctx->argc == 5 && !unit_or_reply(ctx, &ctx->argv[4], &bit))
        return;
    if (!clamp_range(&start, &end, (long long)v.len * (bit ? 8 : 1))) {
        resp_add_integer(ctx->out, 0);
        return;
    }
    uint64_t first, last;
    bit_range(start, end, bit, &first, &last);
    resp_add_integer(ctx->out, (long long)bitmap_count(v.p, first, last));
}

/* BITPOS's range arguments after the bit: start, then the unit (Redis
 * checks it before end), then end. False after replying. */
static bool bitpos_parse(struct cmd_ctx *ctx, long long *start, long long *end, bool *bit)
{
    *bit = false;
    if (ctx->argc > 6) {
        reply_syntax_error(ctx);
        return false;
    }
    if (ctx->argc > 3 && !arg_to_ll_or_reply(ctx, &ctx->argv[3], start))
        return false;
    if (ctx->argc == 6 && !unit_or_reply(ctx, &ctx->argv[5], bit))
        return false;
    return ctx->argc < 5 || arg_to_ll_or_reply(ctx, &ctx->argv[4], end);
}

/* BITPOS key bit [start [end [BYTE|BIT]]]: the first bit with that value
 * in the range, or -1. Looking for a 0 without an end, the string reads
 * as padded with zeros: an all-ones range answers the bit after it. */
static void bitpos_command(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    struct hashmap_entry *e;
    struct bit_view v;
    long long want, start = 0, end = -1;
    bool bit;
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &want))
        return;
    if (want != 0 && want != 1) {
        resp_add_error(ctx->out, "ERR The bit argument must be 1 or 0.");
        return;
    }
    cmd_key(ctx, 1, &k);
    if (!read_key(ctx, &k, &e, &v))
        return;
    if (e == NULL) {
        resp_add_integer(ctx->out, want ? -1 : 0);
        return;
    }
    if (!bitpos_parse(ctx, &start, &end, &bit))
        return;
    if (!clamp_range(&start, &end, (long long)v.len * (bit ? 8 : 1))) {
        resp_add_integer(ctx->out, -1);
        return;
    }
    uint64_t first, last;
    bit_range(start, end, bit, &first, &last);
    int64_t pos = bitmap_find(v.p, first, last, want);
    if (pos < 0 && want == 0 && ctx->argc < 5)
        pos = (int64_t)last + 1;
    resp_add_integer(ctx->out, pos);
}

/* ==== BITOP ======================================================================= */

/* The source strings of a BITOP, as bytes. */
struct bitop_sources {
    size_t n, maxlen;
    const unsigned char **p;
    size_t *len;
    struct bit_view *views;
};

static void sources_free(struct bitop_sources *s)
{
    free(s->p);
    free(s->len);
    free(s->views);
}

/* Look the sources (argv[3..]) up in order, as Redis: a missing key is
 * an empty string. False after replying (WRONGTYPE, out of memory). */
static bool sources_read(struct cmd_ctx *ctx, struct bitop_sources *s)
{
    s->n = ctx->argc - 3;
    s->maxlen = 0;
    s->p = calloc(s->n, sizeof(*s->p));
    s->len = calloc(s->n, sizeof(*s->len));
    s->views = calloc(s->n, sizeof(*s->views));
    if (s->p == NULL || s->len == NULL || s->views == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    for (size_t i = 0; i < s->n; i++) {
        struct cmd_key k;
        struct hashmap_entry *e;
        cmd_key(ctx, 3 + i, &k);
        if (!read_key(ctx, &k, &e, &s->views[i]))
            return false;
        s->p[i] = s->views[i].p;
        s->len[i] = s->views[i].len;
        if (s->len[i] > s->maxlen)
            s->maxlen = s->len[i];
    }
    return true;
}

/* Store the result at destkey (a RAW string, its TTL gone, as Redis's
 * setKey), or delete destkey when every source was empty. */
static bool bitop_store(struct cmd_ctx *ctx, enum bitmap_op op, const struct bitop_sources *s)
{
    struct cmd_key k;
    cmd_key(ctx, 2, &k);
    if (s->maxlen == 0) {
        if (keyspace_delete(k.shard, &k.key, ctx->now_ms))
            cmd_notify(ctx, NOTIFY_GENERIC, "del", &ctx->argv[2]);
        return true;
    }
    struct object_raw *raw = object_raw_create(NULL, 0, s->maxlen);
    struct object_value v;
    if (raw == NULL)
        return false;
    bitmap_op(op, s->p, s->len, s->n, (unsigned char *)raw->buf, s->maxlen);
    raw->len = s->maxlen;
    object_value_from_raw(&v, raw);
    if (keyspace_set_value(k.shard, &k.key, &v, KEYSPACE_TTL_NONE, ctx->now_ms, NULL) < 0)
        return false;
    cmd_notify(ctx, NOTIFY_STRING, "set", &ctx->argv[2]);
    return true;
}

/* BITOP AND|OR|XOR|NOT destkey key [key ...]: the result's length. */
static void bitop_command(struct cmd_ctx *ctx)
{
    static const char *const names[] = {"and", "or", "xor", "not"};
    struct bitop_sources s = {0};
    enum bitmap_op op = BITMAP_AND;
    while (op <= BITMAP_NOT && !arg_is(&ctx->argv[1], names[op]))
        op++;
    if (op > BITMAP_NOT) {
        reply_syntax_error(ctx);
        return;
    }
    if (op == BITMAP_NOT && ctx->argc != 4) {
        resp_add_error(ctx->out, "ERR BITOP NOT must be called with a single source key.");
        return;
    }
    if (sources_read(ctx, &s)) {
        if (bitop_store(ctx, op, &s))
            resp_add_integer(ctx->out, (long long)s.maxlen);
        else
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    }
    sources_free(&s);
}

/* ==== BITFIELD ==================================================================== */

enum bf_kind { BF_GET, BF_SET, BF_INCRBY };

struct bf_op {
    enum bf_kind kind;
    bool sign;
    unsigned bits;
    enum bitmap_overflow how; /* the OVERFLOW in force where it appears */
    uint64_t offset;
    int64_t value; /* SET's value, INCRBY's increment */
};

struct bf_ops {
    struct bf_op *v;
    size_t n;
    bool writes;
    uint64_t last_bit; /* the highest bit a write reaches */
};

/* Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63. */
static bool type_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, struct bf_op *op)
{
    long long bits = 0;
    struct resp_arg digits = {arg->ptr + 1, arg->len ? arg->len - 1 : 0};
    op->sign = arg->len > 0 && arg->ptr[0] == 'i';
    bool ok = arg->len > 0 && (op->sign || arg->ptr[0] == 'u') && arg_to_ll(&digits, &bits) &&
              bits >= 1 && bits <= (op->sign ? 64 : 63);
    if (!ok) {
        resp_add_error(ctx->out, "ERR Invalid bitfield type. Use something like i16 u8. "
                                 "Note that u64 is not supported but i64 is.");
        return false;
    }
    op->bits = (unsigned)bits;
    return true;
}

/* OVERFLOW's argument; false after replying. */
static bool overflow_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg,
                              enum bitmap_overflow *how)
{
    static const char *const names[] = {"wrap", "sat", "fail"};
    for (enum bitmap_overflow i = BITMAP_WRAP; i <= BITMAP_FAIL; i++) {
        if (arg_is(arg, names[i])) {
            *how = i;
            return true;
        }
    }
    resp_add_error(ctx->out, "ERR Invalid OVERFLOW type specified");
    return false;
}

/* The operation word at argv[j], if it has its arguments after it. */
static bool op_word(const struct cmd_ctx *ctx, size_t j, enum bf_kind *kind)
{
    size_t rest = ctx->argc - j - 1;
    if (arg_is(&ctx->argv[j], "get") && rest >= 2)
        *kind = BF_GET;
    else if (arg_is(&ctx->argv[j], "set") && rest >= 3)
        *kind = BF_SET;
    else if (arg_is(&ctx->argv[j], "incrby") && rest >= 3)
        *kind = BF_INCRBY;
    else
        return false;
    return true;
}

/* One GET/SET/INCRBY at argv[j] into ops; returns the arguments it took,
 * 0 after replying. */
static size_t parse_op(struct cmd_ctx *ctx, size_t j, enum bitmap_overflow how, struct bf_ops *ops)
{
    struct bf_op *op = &ops->v[ops->n];
    if (!op_word(ctx, j, &op->kind)) {
        reply_syntax_error(ctx);
        return 0;
    }
    op->how = how;
    if (!type_or_reply(ctx, &ctx->argv[j + 1], op) ||
        !offset_or_reply(ctx, &ctx->argv[j + 2], op->bits, &op->offset))
        return 0;
    if (op->kind != BF_GET) {
        long long v;
        if (!arg_to_ll_or_reply(ctx, &ctx->argv[j + 3], &v))
            return 0;
        op->value = v;
        ops->writes = true;
        if (op->offset + op->bits - 1 > ops->last_bit)
            ops->last_bit = op->offset + op->bits - 1;
    }
    ops->n++;
    return op->kind == BF_GET ? 3 : 4;
}

/* Every operation, before any is run (Redis's order); false after replying. */
static bool parse_ops(struct cmd_ctx *ctx, struct bf_ops *ops)
{
    enum bitmap_overflow how = BITMAP_WRAP;
    *ops = (struct bf_ops){0};
    ops->v = malloc(((ctx->argc - 2) / 3 + 1) * sizeof(*ops->v));
    if (ops->v == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    for (size_t j = 2; j < ctx->argc;) {
        if (arg_is(&ctx->argv[j], "overflow") && j + 1 < ctx->argc) {
            if (!overflow_or_reply(ctx, &ctx->argv[j + 1], &how))
                return false;
            j += 2;
            continue;
        }
        size_t took = parse_op(ctx, j, how, ops);
        if (took == 0)
            return false;
        j += took;
    }
    return true;
}

static int64_t field_get(const struct bf_op *op, const unsigned char *p, size_t len)
{
    if (op->sign)
        return bitmap_get_signed(p, len, op->offset, op->bits);
    return (int64_t)bitmap_get(p, len, op->offset, op->bits);
}

/* value + incr in the op's field type (see bitmap_add_signed). */
static int field_add(const struct bf_op *op, int64_t value, int64_t incr, int64_t *out)
{
    uint64_t u = 0;
    if (op->sign)
        return bitmap_add_signed(value, incr, op->bits, op->how, out);
    int dir = bitmap_add_unsigned((uint64_t)value, incr, op->bits, op->how, &u);
    *out = (int64_t)u;
    return dir;
}

/* Run a SET or INCRBY, replying the old (SET) or new (INCRBY) value, or
 * nil when it overflows under FAIL. True when it changed the string. */
static bool run_write(struct cmd_ctx *ctx, const struct bf_op *op, const struct bit_target *t)
{
    int64_t old = field_get(op, t->bytes, t->len), now;
    int dir = op->kind == BF_SET ? field_add(op, op->value, 0, &now)
                                 : field_add(op, old, op->value, &now);
    if (dir != 0 && op->how == BITMAP_FAIL) {
        resp_add_null(ctx->out);
        return false;
    }
    bitmap_set(t->bytes, op->offset, op->bits, (uint64_t)now);
    resp_add_integer(ctx->out, op->kind == BF_SET ? old : now);
    return t->grown || old != now;
}

/* With writes: the string made big enough for them first, as Redis. */
static void run_writes(struct cmd_ctx *ctx, const struct cmd_key *k, const struct bf_ops *ops)
{
    struct bit_target t;
    size_t changes = 0;
    if (!target_open(ctx, k, (size_t)(ops->last_bit >> 3) + 1, &t))
        return;
    resp_add_array_len(ctx->out, ops->n);
    for (size_t i = 0; i < ops->n; i++) {
        if (ops->v[i].kind == BF_GET)
            resp_add_integer(ctx->out, field_get(&ops->v[i], t.bytes, t.len));
        else
            changes += run_write(ctx, &ops->v[i], &t);
    }
    target_changed(ctx, k, &t, changes);
}

/* Only GETs: a read (a missing key reads as zeros). */
static void run_reads(struct cmd_ctx *ctx, const struct cmd_key *k, const struct bf_ops *ops)
{
    struct hashmap_entry *e;
    struct bit_view v;
    if (!read_key(ctx, k, &e, &v))
        return;
    resp_add_array_len(ctx->out, ops->n);
    for (size_t i = 0; i < ops->n; i++)
        resp_add_integer(ctx->out, field_get(&ops->v[i], v.p, v.len));
}

/* BITFIELD key [GET type offset | [OVERFLOW WRAP|SAT|FAIL] SET type offset
 * value | INCRBY type offset increment ...]; BITFIELD_RO (`read_only`)
 * takes GETs only. */
static void bitfield_generic(struct cmd_ctx *ctx, bool read_only)
{
    struct bf_ops ops;
    struct cmd_key k;
    if (parse_ops(ctx, &ops)) {
        cmd_key(ctx, 1, &k);
        if (!ops.writes)
            run_reads(ctx, &k, &ops);
        else if (read_only)
            resp_add_error(ctx->out, "ERR BITFIELD_RO only supports the GET subcommand");
        else
            run_writes(ctx, &k, &ops);
    }
    free(ops.v);
}

static void bitfield_command(struct cmd_ctx *ctx)
{
    bitfield_generic(ctx, false);
}

static void bitfield_ro_command(struct cmd_ctx *ctx)
{
    bitfield_generic(ctx, true);
}

/* ==== the table =================================================================== */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define KEY_ARG {"key", "key", NULL, 0, NULL}
#define INT_ARG(n) {n, "integer", NULL, 0, NULL}
#define BIT_CMD(n, ar, fl, fk, lk, fn, sum, si, cx, ag)                                          \
    {.name = n, .arity = ar, .flags = fl, .first_key = fk, .last_key = lk, .key_step = 1,        \
     .proc = fn, .group = "bitmap", .acl = ACL_BITMAP, .summary = sum, .since = si,             \
     .complexity = cx, .args = ag}

static const struct command_arg index_unit[] = {
    {"byte", "pure-token", "BYTE", 0, NULL}, {"bit", "pure-token", "BIT", 0, NULL}, {0}};
#define UNIT_ARG {"index_unit", "oneof", NULL, COMMAND_ARG_OPTIONAL, index_unit}
static const struct command_arg bitcount_index[] = {INT_ARG("start"), INT_ARG("end"), UNIT_ARG,
                                                    {0}};
static const struct command_arg bitpos_end[] = {INT_ARG("end"), UNIT_ARG, {0}};
static const struct command_arg bitpos_index[] = {
    INT_ARG("start"), {"end_index", "block", NULL, COMMAND_ARG_OPTIONAL, bitpos_end}, {0}};

static const struct command_arg encoding_offset[] = {
    {"encoding", "string", NULL, 0, NULL}, INT_ARG("offset"), {0}};
static const struct command_arg overflow_kinds[] = {{"wrap", "pure-token", "WRAP", 0, NULL},
                                                    {"sat", "pure-token", "SAT", 0, NULL},
                                                    {"fail", "pure-token", "FAIL", 0, NULL},
                                                    {0}};
static const struct command_arg set_field[] = {
    {"encoding", "string", NULL, 0, NULL}, INT_ARG("offset"), INT_ARG("value"), {0}};
static const struct command_arg incrby_field[] = {
    {"encoding", "string", NULL, 0, NULL}, INT_ARG("offset"), INT_ARG("increment"), {0}};
static const struct command_arg write_operation[] = {
    {"encoding_offset_value", "block", "SET", 0, set_field},
    {"encoding_offset_increment", "block", "INCRBY", 0, incrby_field},
    {0}};
static const struct command_arg bitfield_write[] = {
    {"wrap_sat_fail", "oneof", "OVERFLOW", COMMAND_ARG_OPTIONAL, overflow_kinds},
    {"write_operation", "oneof", NULL, 0, write_operation},
    {0}};
static const struct command_arg bitfield_operation[] = {
    {"encoding_offset", "block", "GET", 0, encoding_offset},
    {"write", "block", NULL, 0, bitfield_write},
    {0}};

struct command bit_commands[] = {
    BIT_CMD("setbit", 4, CMD_WRITE | CMD_DENYOOM, 1, 1, setbit_command,
            "Sets or clears the bit at offset in the string value stored at key", "2.2.0",
            "O(1)", ARGS(KEY_ARG, INT_ARG("offset"), INT_ARG("value"))),
    BIT_CMD("getbit", 3, CMD_READONLY | CMD_FAST, 1, 1, getbit_command,
            "Returns the bit value at offset in the string value stored at key", "2.2.0", "O(1)",
            ARGS(KEY_ARG, INT_ARG("offset"))),
    BIT_CMD("bitcount", -2, CMD_READONLY, 1, 1, bitcount_command, "Count set bits in a string",
            "2.6.0", "O(N)",
            ARGS(KEY_ARG, {"index", "block", NULL, COMMAND_ARG_OPTIONAL, bitcount_index})),
    BIT_CMD("bitpos", -3, CMD_READONLY, 1, 1, bitpos_command,
            "Find first bit set or clear in a string", "2.8.7", "O(N)",
            ARGS(KEY_ARG, INT_ARG("bit"),
                 {"index", "block", NULL, COMMAND_ARG_OPTIONAL, bitpos_index})),
    BIT_CMD("bitop", -4, CMD_WRITE | CMD_DENYOOM, 2, -1, bitop_command,
            "Perform bitwise operations between strings", "2.6.0", "O(N)",
            ARGS({"operation", "string", NULL, 0, NULL}, {"destkey", "key", NULL, 0, NULL},
                 {"key", "key", NULL, COMMAND_ARG_MULTIPLE, NULL})),
    BIT_CMD("bitfield", -2, CMD_WRITE | CMD_DENYOOM, 1, 1, bitfield_command,
            "Perform arbitrary bitfield integer operations on strings", "3.2.0",
            "O(1) for each subcommand specified",
            ARGS(KEY_ARG, {"operation", "oneof", NULL,
                           COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, bitfield_operation})),
    BIT_CMD("bitfield_ro", -2, CMD_READONLY | CMD_FAST, 1, 1, bitfield_ro_command,
            "Perform arbitrary bitfield integer operations on strings. Read-only variant of "
            "BITFIELD",
            "6.0.0", "O(1) for each subcommand specified",
            ARGS(KEY_ARG, {"encoding_offset", "block", "GET",
                           COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE |
                               COMMAND_ARG_MULTIPLE_TOKEN,
                           encoding_offset})),
    {0},
};
