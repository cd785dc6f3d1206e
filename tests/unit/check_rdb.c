/*
 * check_rdb.c - core/crc64, core/lzf and core/rdb: checksums, compression,
 * RDB primitives, every value type written and read back, payloads that
 * redis-server 7.0 wrote (or accepted) decoded, Grove's own DUMP bytes
 * compared with redis-server's, and hostile input refused without an
 * over-read (inputs are copied into exact-size allocations, so ASan sees
 * any byte read past the end).
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crc64.h"
#include "hash.h"
#include "list.h"
#include "lzf.h"
#include "rdb.h"
#include "set.h"
#include "zset.h"

#include "../data/redis_dump_payloads.h"

static const struct hashmap_seed seed = {1, 2};
static const struct hashmap_hasher hasher = {hashmap_siphash, &seed};
static struct object_limits limits = OBJECT_LIMITS_DEFAULT;

/* ---- helpers ------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A copy of the bytes in an allocation of exactly that size. */
static unsigned char *exact_copy(const void *p, size_t len)
{
    unsigned char *c = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(c);
    memcpy(c, p, len);
    return c;
}

/* An object holding v, in its own region (as a hashmap entry would). */
static struct object *make_object(struct object_value *v)
{
    struct object *o = malloc(object_size(v, false));
    ck_assert_ptr_nonnull(o);
    object_init(o, v, 0, 0, NULL);
    return o;
}

static void free_object(struct object *o)
{
    object_free_payload(o);
    free(o);
}

/* Read one value (type byte + value) from an exact-size copy of buf. */
static int read_value(const void *buf, size_t len, struct object **out, char *error, size_t cap)
{
    unsigned char *copy = exact_copy(buf, len);
    struct rdb_reader r;
    struct object_value v;
    unsigned type;
    rdb_reader_init(&r, copy, len, &hasher, &limits);
    int rc = rdb_read_type(&r, &type);
    if (rc == 0)
        rc = rdb_read_value(&r, type, &v);
    if (rc == 0)
        *out = make_object(&v); /* copies an EMBSTR before the buffers go */
    if (rc < 0 && error != NULL)
        snprintf(error, cap, "%s", r.error);
    rdb_reader_deinit(&r);
    free(copy);
    return rc;
}

/* A DUMP payload's value as an object (asserting the payload is sound). */
static struct object *decode_payload(const unsigned char *p, size_t len)
{
    size_t value_len;
    ck_assert(rdb_payload_verify(p, len, true, &value_len));
    struct object *o = NULL;
    char error[128] = "";
    int rc = read_value(p, value_len, &o, error, sizeof(error));
    ck_assert_msg(rc == 0, "read failed: %d %s", rc, error);
    return o;
}

/* "encoding:" then the elements, separated by commas from `start` on. */
struct text {
    char buf[1 << 18];
    size_t len, start;
};

static void text_add(struct text *t, const char *s, size_t len)
{
    ck_assert(t->len + len + 2 < sizeof(t->buf));
    if (t->len > t->start)
        t->buf[t->len++] = ',';
    memcpy(t->buf + t->len, s, len);
    t->len += len;
    t->buf[t->len] = '\0';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Elements gathered as C strings, sorted for the unordered forms. */
struct elems {
    char **v;
    size_t n;
};

static void elems_add(struct elems *e, const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    ck_assert_int_ge(vasprintf(&s, fmt, ap), 0);
    va_end(ap);
    e->v = realloc(e->v, sizeof(char *) * (e->n + 1));
    e->v[e->n++] = s;
}

static void gather(const struct object *o, struct elems *e)
{
    struct object_boxed *b = object_boxed(o);
    if (object_type(o) == OBJECT_LIST) {
        struct list_iter it;
        struct list_entry x;
        list_iter_init(&it, list_from_boxed(b), 0, false);
        while (list_iter_next(&it, &x))
            elems_add(e, "%.*s", (int)x.len, x.ptr);
    } else if (object_type(o) == OBJECT_SET) {
        struct set_iter it;
        struct set_member m;
        set_iter_init(&it, set_from_boxed(b));
        while (set_iter_next(&it, &m))
            elems_add(e, "%.*s", (int)m.len, m.ptr);
        set_iter_deinit(&it);
    } else if (object_type(o) == OBJECT_HASH) {
        struct hash_iter it;
        struct hash_pair p;
        hash_iter_init(&it, hash_from_boxed(b));
        while (hash_iter_next(&it, &p))
            elems_add(e, "%.*s=%.*s", (int)p.flen, p.field, (int)p.vlen, p.value);
        hash_iter_deinit(&it);
    } else {
        struct zset *z = zset_from_boxed(b);
        for (size_t i = 0; i < zset_len(z); i++) {
            struct zset_member m;
            zset_at(z, i, &m);
            elems_add(e, "%.*s=%.17g", (int)m.len, m.ptr, m.score);
        }
    }
}

/* A value as text: "encoding:" then a string's bytes, or the elements
 * joined by commas: a list's in order, a hash's "f=v" pairs (insertion
 * order while listpack), a zset's "m=score" by rank, sets and hashtable
 * hashes sorted (their order is the map's). */
static const char *describe(const struct object *o, struct text *t)
{
    enum object_encoding enc = object_encoding(o);
    t->len = t->start = (size_t)snprintf(t->buf, sizeof(t->buf), "%s:", object_encoding_name(enc));
    if (object_type(o) == OBJECT_STRING) {
        char scratch[OBJECT_INT_BUFSIZE];
        const char *p;
        size_t len;
        object_string_view(o, scratch, &p, &len);
        text_add(t, p, len < 1000 ? len : 1000);
        return t->buf;
    }
    struct elems e = {0};
    gather(o, &e);
    if (object_type(o) == OBJECT_SET || enc == OBJECT_ENC_HASHTABLE)
        qsort(e.v, e.n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < e.n; i++) {
        text_add(t, e.v[i], strlen(e.v[i]));
        free(e.v[i]);
    }
    free(e.v);
    return t->buf;
}

static struct lzf_state lzf;

static struct rdb_buf dump(const struct object *o)
{
    struct rdb_buf b = {0};
    ck_assert_int_eq(rdb_dump_payload(o, &lzf, &b), 0);
    return b;
}

/* ==== CRC64 ======================================================================= */

static uint64_t crc64_bitwise(uint64_t crc, const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
    }
    return crc;
}

START_TEST(crc64_gives_redis_check_value)
{
    ck_assert_uint_eq(crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
    ck_assert_uint_eq(crc64(0, "", 0), 0);
}
END_TEST

START_TEST(crc64_sliced_matches_bitwise_at_any_length_and_split)
{
    unsigned char buf[300];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)rnd();
    for (size_t len = 0; len <= sizeof(buf); len += 7) {
        uint64_t want = crc64_bitwise(0, buf, len);
        ck_assert_uint_eq(crc64(0, buf, len), want);
        size_t cut = len / 3;
        ck_assert_uint_eq(crc64(crc64(0, buf, cut), buf + cut, len - cut), want);
        size_t rest = len ? len - 1 : 0; /* from an odd address */
        ck_assert_uint_eq(crc64(0, buf + 1, rest), crc64_bitwise(0, buf + 1, rest));
    }
}
END_TEST

/* Not a speed assertion: the figure is printed for the record. */
START_TEST(crc64_throughput_is_reported)
{
    size_t len = 64u << 20;
    unsigned char *buf = malloc(len);
    ck_assert_ptr_nonnull(buf);
    memset(buf, 0x5a, len);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint64_t crc = crc64(0, buf, len);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("crc64: %.0f MB/s over 64 MiB (crc %016llx)\n", 64.0 / s, (unsigned long long)crc);
    ck_assert_uint_eq(crc, crc64(crc64(0, buf, len / 2), buf + len / 2, len / 2));
    free(buf);
}
END_TEST

/* ==== LZF ======================================================================== */

static void lzf_round_trip(const unsigned char *in, size_t len)
{
    size_t cap = len + len / 16 + 64, clen;
    unsigned char *c = malloc(cap);
    ck_assert_ptr_nonnull(c);
    clen = lzf_compress(&lzf, in, len, c, cap);
    ck_assert_uint_gt(clen, 0);
    unsigned char *cc = exact_copy(c, clen), *out = malloc(len);
    size_t written = 0;
    ck_assert_int_eq(lzf_decompress(cc, clen, out, len, &written), LZF_OK);
    ck_assert_uint_eq(written, len);
    ck_assert_mem_eq(out, in, len);
    free(c);
    free(cc);
    free(out);
}

START_TEST(lzf_round_trips_any_input)
{
    lzf_state_init(&lzf);
    unsigned char *buf = malloc(200000);
    for (size_t len = 1; len < 400; len++) {
        for (size_t i = 0; i < len; i++)
            buf[i] = len % 3 == 0 ? (unsigned char)rnd() : (unsigned char)"abcabcabd"[i % 9];
        lzf_round_trip(buf, len);
    }
    for (size_t i = 0; i < 200000; i++)
        buf[i] = (unsigned char)(i % 1000 < 500 ? rnd() % 4 : i);
    lzf_round_trip(buf, 200000);
    free(buf);
}
END_TEST

/* Redis gives lzf_compress len - 4 bytes of room; whatever it writes
 * stays inside them (exact-size buffers: ASan would see more) and a
 * failed call leaves no trace in the table (the next output is the same
 * as from a fresh table). */
START_TEST(lzf_stays_inside_its_output_and_state)
{
    static struct lzf_state fresh;
    unsigned char in[600];
    for (int round = 0; round < 3000; round++) {
        size_t len = 8 + rnd() % 592;
        for (size_t i = 0; i < len; i++)
            in[i] = (unsigned char)("abcab"[rnd() % 5] + (round % 2 ? rnd() % 3 : 0));
        size_t room = len - 4 - rnd() % 4;
        unsigned char *out = malloc(room), *again = malloc(room);
        size_t clen = lzf_compress(&lzf, in, len, out, room);
        lzf_state_init(&fresh);
        ck_assert_uint_eq(lzf_compress(&fresh, in, len, again, room), clen);
        if (clen > 0) {
            ck_assert_mem_eq(out, again, clen);
            unsigned char *back = malloc(len);
            size_t written;
            ck_assert_int_eq(lzf_decompress(out, clen, back, len, &written), LZF_OK);
            ck_assert_uint_eq(written, len);
            ck_assert_mem_eq(back, in, len);
            free(back);
        }
        free(out);
        free(again);
    }
}
END_TEST

START_TEST(lzf_gives_up_when_output_is_too_small)
{
    lzf_state_init(&lzf);
    unsigned char in[100], out[100];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)rnd();
    ck_assert_uint_eq(lzf_compress(&lzf, in, sizeof(in), out, 96), 0);
    ck_assert_uint_eq(lzf_compress(&lzf, in, 0, out, 96), 0);
}
END_TEST

static int decompress_exact(const unsigned char *in, size_t len, size_t out_len)
{
    unsigned char *c = exact_copy(in, len), *out = malloc(out_len ? out_len : 1);
    size_t written;
    int rc = lzf_decompress(c, len, out, out_len, &written);
    free(c);
    free(out);
    return rc;
}

START_TEST(lzf_decompression_refuses_hostile_input)
{
    static const unsigned char backref_before_start[] = {0x00, 'a', 0x20, 0x05};
    static const unsigned char truncated_literal[] = {0x05, 'a', 'b'};
    static const unsigned char truncated_backref[] = {0x00, 'a', 0xE0};
    static const unsigned char long_backref_cut[] = {0x00, 'a', 0xE0, 0x10};
    static const unsigned char expands[] = {0x00, 'a', 0xE0, 0xFF, 0x00};
    ck_assert_int_eq(decompress_exact(backref_before_start, 4, 100), LZF_EINVAL);
    ck_assert_int_eq(decompress_exact(truncated_literal, 3, 100), LZF_EINVAL);
    ck_assert_int_eq(decompress_exact(truncated_backref, 3, 100), LZF_EINVAL);
    ck_assert_int_eq(decompress_exact(long_backref_cut, 4, 100), LZF_EINVAL);
    ck_assert_int_eq(decompress_exact(expands, 5, 100), LZF_E2BIG);
    ck_assert_int_eq(decompress_exact(expands, 5, 1 + 264), LZF_OK);
    for (int round = 0; round < 20000; round++) {
        unsigned char junk[64];
        size_t len = rnd() % sizeof(junk);
        for (size_t i = 0; i < len; i++)
            junk[i] = (unsigned char)rnd();
        (void)decompress_exact(junk, len, rnd() % 300);
    }
}
END_TEST

/* ==== primitives ================================================================== */

static void write_len_expect(uint64_t len, size_t bytes)
{
    struct rdb_buf b = {0};
    struct rdb_writer w = {.sink_cb = rdb_buf_sink_cb, .ud = &b};
    ck_assert_int_eq(rdb_write_len(&w, len), 0);
    ck_assert_uint_eq(b.len, bytes);
    struct rdb_reader r;
    uint64_t got;
    bool encoded;
    rdb_reader_init(&r, b.data, b.len, &hasher, &limits);
    ck_assert_int_eq(rdb_read_len(&r, &got, &encoded), 0);
    ck_assert(!encoded);
    ck_assert_uint_eq(got, len);
    ck_assert_uint_eq(rdb_reader_remaining(&r), 0);
    rdb_reader_init(&r, b.data, b.len - 1, &hasher, &limits);
    ck_assert_int_eq(rdb_read_len(&r, &got, NULL), RDB_EFORMAT);
    rdb_buf_deinit(&b);
}

START_TEST(lengths_take_6_14_32_and_64_bits)
{
    write_len_expect(0, 1);
    write_len_expect(63, 1);
    write_len_expect(64, 2);
    write_len_expect(16383, 2);
    write_len_expect(16384, 5);
    write_len_expect(UINT32_MAX, 5);
    write_len_expect((uint64_t)UINT32_MAX + 1, 9);
    write_len_expect(UINT64_MAX, 9);
}
END_TEST

/* rdb_write_string's bytes for s, compared with `want`. */
static void string_expect(const char *s, size_t len, bool compress, const unsigned char *want,
                          size_t want_len)
{
    struct rdb_buf b = {0};
    struct rdb_writer w = {.sink_cb = rdb_buf_sink_cb, .ud = &b, .lzf = compress ? &lzf : NULL};
    ck_assert_int_eq(rdb_write_string(&w, s, len), 0);
    ck_assert_uint_eq(b.len, want_len);
    ck_assert_mem_eq(b.data, want, want_len);
    struct rdb_reader r;
    struct rdb_str got;
    rdb_reader_init(&r, b.data, b.len, &hasher, &limits);
    ck_assert_int_eq(rdb_read_string(&r, &got), 0);
    ck_assert_uint_eq(got.len, len);
    ck_assert_mem_eq(got.ptr, s, len);
    rdb_reader_deinit(&r);
    rdb_buf_deinit(&b);
}

START_TEST(strings_take_integer_form_as_redis)
{
    string_expect("12", 2, true, (const unsigned char[]){0xC0, 12}, 2);
    string_expect("-128", 4, true, (const unsigned char[]){0xC0, 0x80}, 2);
    string_expect("12345", 5, true, (const unsigned char[]){0xC1, 0x39, 0x30}, 3);
    string_expect("-2147483648", 11, true, (const unsigned char[]){0xC2, 0, 0, 0, 0x80}, 5);
    string_expect("2147483648", 10, true, (const unsigned char *)"\x0a" "2147483648", 11);
    string_expect("007", 3, true, (const unsigned char *)"\x03" "007", 4);
    string_expect("-0", 2, true, (const unsigned char *)"\x02" "-0", 3);
    string_expect("", 0, true, (const unsigned char *)"\x00", 1);
}
END_TEST

START_TEST(long_strings_are_lzf_compressed_as_redis)
{
    /* payload_str_lzf without its type byte and trailer */
    const char *s = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789"
                    "abcdefghijklmnopqrstuvwxyz0123456789";
    string_expect(s, strlen(s), true, payload_str_lzf + 1, sizeof(payload_str_lzf) - 11);
    unsigned char plain[200] = {0x40, 108}; /* a 14-bit length, then the bytes */
    memcpy(plain + 2, s, strlen(s));
    string_expect(s, strlen(s), false, plain, strlen(s) + 2);
}
END_TEST

START_TEST(binary_doubles_round_trip)
{
    const double values[] = {0.0, -0.0, 1.5, -3.25e300, INFINITY, -INFINITY, 5e-324};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct rdb_buf b = {0};
        struct rdb_writer w = {.sink_cb = rdb_buf_sink_cb, .ud = &b};
        ck_assert_int_eq(rdb_write_binary_double(&w, values[i]), 0);
        ck_assert_uint_eq(b.len, 8);
        struct rdb_reader r;
        double d;
        rdb_reader_init(&r, b.data, b.len, &hasher, &limits);
        ck_assert_int_eq(rdb_read_binary_double(&r, &d), 0);
        ck_assert_mem_eq(&d, &values[i], 8);
        rdb_reader_init(&r, b.data, 7, &hasher, &limits);
        ck_assert_int_eq(rdb_read_binary_double(&r, &d), RDB_EFORMAT);
        rdb_buf_deinit(&b);
    }
}
END_TEST

/* ==== values written and read back ================================================= */

static void round_trip(struct object_value *v, const char *want_encoding)
{
    struct object *o = make_object(v);
    static struct text before, after;
    describe(o, &before);
    ck_assert_msg(strncmp(before.buf, want_encoding, strlen(want_encoding)) == 0, "%s", before.buf);
    struct rdb_buf b = dump(o);
    struct object *back = decode_payload(b.data, b.len);
    ck_assert_msg(strcmp(describe(back, &after), before.buf) == 0, "value changed: %.200s",
                  after.buf);
    free_object(back);
    free_object(o);
    rdb_buf_deinit(&b);
}

static void round_trip_string(const char *s, size_t len, const char *enc)
{
    struct object_value v;
    ck_assert_int_eq(object_value_from_string(&v, s, len, OBJECT_STR_TRY), 0);
    round_trip(&v, enc);
}

START_TEST(strings_round_trip)
{
    static char big[5000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)("xyz"[i % 3] + (i % 97 == 0));
    round_trip_string("hello", 5, "embstr");
    round_trip_string("-9223372036854775808", 20, "int");
    round_trip_string("", 0, "embstr");
    round_trip_string("a\0b\r\n", 5, "embstr");
    round_trip_string(big, sizeof(big), "raw");
}
END_TEST

START_TEST(lists_round_trip_across_nodes)
{
    char e[64];
    struct list *l = list_create(&limits);
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(e, sizeof(e), i % 5 ? "element-%d" : "%d", i * (i % 2 ? -7 : 7));
        ck_assert_int_eq(list_push(l, LIST_TAIL, e, (size_t)n), 0);
    }
    ck_assert_int_eq(list_push(l, LIST_TAIL, "", 0), 0);
    struct object_value v;
    object_value_from_boxed(&v, OBJECT_LIST, list_encoding(l), list_boxed(l));
    round_trip(&v, "quicklist");
}
END_TEST

static void round_trip_set(size_t n, bool ints, const char *enc)
{
    char m[32];
    struct set *s = set_create(&hasher, &limits);
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(m, sizeof(m), ints ? "%lld" : "m%lld", (long long)(i * 7919) - 100);
        ck_assert_int_eq(set_add(s, m, (size_t)len, NULL), 0);
    }
    struct object_value v;
    object_value_from_boxed(&v, OBJECT_SET, set_encoding(s), set_boxed(s));
    round_trip(&v, enc);
}

START_TEST(sets_round_trip_in_both_forms)
{
    round_trip_set(3, true, "intset");
    round_trip_set(500, true, "intset");
    round_trip_set(600, true, "hashtable");
    round_trip_set(50, false, "hashtable");
}
END_TEST

static void round_trip_hash(size_t n, size_t value_len, const char *enc)
{
    char f[32], val[200];
    memset(val, 'v', sizeof(val));
    struct hash *h = hash_create(&hasher, &limits);
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(f, sizeof(f), i % 2 ? "f%zu" : "%zu", i);
        ck_assert_int_eq(hash_set(h, f, (size_t)len, val, value_len, NULL), 0);
    }
    struct object_value v;
    object_value_from_boxed(&v, OBJECT_HASH, hash_encoding(h), hash_boxed(h));
    round_trip(&v, enc);
}

START_TEST(hashes_round_trip_in_both_forms)
{
    round_trip_hash(5, 3, "listpack");
    round_trip_hash(5, 100, "hashtable");
    round_trip_hash(1000, 1, "hashtable");
}
END_TEST

static void round_trip_zset(size_t n, const char *enc)
{
    char m[32];
    struct zset *z = zset_create(&hasher, &limits);
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(m, sizeof(m), "m%zu", i);
        double score = i % 3 == 0   ? (double)i
                       : i % 3 == 1 ? 1.0 / (double)(i + 1)
                                    : -1e10 * (double)i;
        ck_assert_int_eq(zset_set(z, m, (size_t)len, score, NULL), 0);
    }
    ck_assert_int_eq(zset_set(z, "inf", 3, INFINITY, NULL), 0);
    struct object_value v;
    object_value_from_boxed(&v, OBJECT_ZSET, zset_encoding(z), zset_boxed(z));
    round_trip(&v, enc);
}

START_TEST(zsets_round_trip_in_both_forms)
{
    round_trip_zset(10, "listpack");
    round_trip_zset(500, "skiplist");
}
END_TEST

/* ==== what redis-server wrote ====================================================== */

struct known_payload {
    const char *name;
    const unsigned char *bytes;
    size_t len;
    const char *value;    /* describe() of the value read */
    bool grove_writes_it; /* Grove's DUMP of the value is the same bytes */
};

#define PAYLOAD(n) #n, payload_##n, sizeof(payload_##n)

static const struct known_payload known[] = {
    {PAYLOAD(str_int), "int:12345", true},
    {PAYLOAD(str_bigint), "int:9223372036854775807", true},
    {PAYLOAD(str_embstr), "embstr:hello world", true},
    {PAYLOAD(str_lzf),
     "raw:abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789"
     "abcdefghijklmnopqrstuvwxyz0123456789",
     true},
    {PAYLOAD(str_raw), "embstr:the quick brown fox jumps over the lazy dog!", true},
    {PAYLOAD(str_lzf_tail), "raw:bbbaaaaabbbbbabaabaaababbbaaabbabbabbaababbbaaaaabbbbaaaaabbbbbab"
                            "aabaaababbbaaabbabbabbaababbbaaaaab",
     true},
    {PAYLOAD(list_plain), "quicklist:a,bb,123", false},
    {PAYLOAD(list_ziplist), "quicklist:a,7,-300,hello,100000,1099511627776", false},
    {PAYLOAD(list_quicklist), "quicklist:x,y,1,z", false},
    {PAYLOAD(list_quicklist2),
     "quicklist:a,b,1,2,-5000,"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
     true},
    {PAYLOAD(list_quicklist2_plain), "quicklist:plain-node,a,5", false},
    {PAYLOAD(set_intset16), "intset:-5,1,2,3", true},
    {PAYLOAD(set_intset32), "intset:1,100000", true},
    {PAYLOAD(set_intset64), "intset:1,10000000000", true},
    {PAYLOAD(set_hashtable), "hashtable:apple,banana,cherry", false},
    {PAYLOAD(set_listpack), "hashtable:3,a,b", false},
    {PAYLOAD(hash_listpack), "listpack:a=1,b=hello,c=-300,dd=100000000000", true},
    {PAYLOAD(hash_hashtable), "listpack:f1=v1,f2=v2", false},
    {PAYLOAD(hash_zipmap), "listpack:f1=v1,f2=value2", false},
    {PAYLOAD(hash_ziplist), "listpack:f1=v1,f2=42", false},
    {PAYLOAD(zset_listpack), "listpack:f=-inf,d=0,a=0.10000000000000001,b=1.5,c=3,e=inf", true},
    {PAYLOAD(zset_listpack_bigint),
     "listpack:e=-4.6116860184273879e+18,a=4503599627370496,b=5.3386955809297101e+17,"
     "c=4.6116860184273879e+18,d=4.6116860184273889e+18",
     true},
    {PAYLOAD(zset_skiplist), "listpack:c=-3,a=1,b=2.5", false},
    {PAYLOAD(zset_strings), "listpack:c=-inf,a=1.5,b=inf", false},
    {PAYLOAD(zset_ziplist), "listpack:a=1,b=2.5", false},
};
#define KNOWN (sizeof(known) / sizeof(known[0]))

START_TEST(every_redis_encoding_decodes)
{
    const struct known_payload *k = &known[_i];
    static struct text t;
    struct object *o = decode_payload(k->bytes, k->len);
    ck_assert_msg(strcmp(describe(o, &t), k->value) == 0, "%s: %s", k->name, t.buf);
    free_object(o);
}
END_TEST

START_TEST(grove_dumps_the_bytes_redis_dumps)
{
    const struct known_payload *k = &known[_i];
    if (!k->grove_writes_it)
        return;
    struct object *o = decode_payload(k->bytes, k->len);
    struct rdb_buf b = dump(o);
    ck_assert_uint_eq(b.len, k->len);
    ck_assert_msg(memcmp(b.data, k->bytes, k->len) == 0, "%s differs", k->name);
    rdb_buf_deinit(&b);
    free_object(o);
}
END_TEST

START_TEST(payload_checks_version_and_crc)
{
    unsigned char p[sizeof(payload_str_embstr)];
    size_t len = sizeof(p), value_len;
    memcpy(p, payload_str_embstr, len);
    ck_assert(rdb_payload_verify(p, len, true, &value_len));
    ck_assert_uint_eq(value_len, len - 10);
    p[len - 1] ^= 1;
    ck_assert(!rdb_payload_verify(p, len, true, &value_len));
    ck_assert(rdb_payload_verify(p, len, false, &value_len)); /* SET-SKIP-CHECKSUM-VALIDATION */
    p[len - 1] ^= 1;
    p[len - 10] = 11; /* a newer RDB version */
    ck_assert(!rdb_payload_verify(p, len, true, &value_len));
    ck_assert(!rdb_payload_verify(p, len, false, &value_len));
    ck_assert(!rdb_payload_verify(p, 9, true, &value_len));
}
END_TEST

/* ==== hostile input ================================================================ */

START_TEST(every_truncation_is_refused)
{
    const struct known_payload *k = &known[_i];
    size_t value_len = k->len - 10;
    for (size_t cut = 0; cut < value_len; cut++) {
        struct object *o = NULL;
        int rc = read_value(k->bytes, cut, &o, NULL, 0);
        ck_assert_msg(rc < 0, "%s cut at %zu read as a value", k->name, cut);
    }
}
END_TEST

START_TEST(bit_flips_never_over_read)
{
    const struct known_payload *k = &known[_i];
    size_t value_len = k->len - 10;
    unsigned char *p = exact_copy(k->bytes, value_len);
    for (size_t i = 0; i < value_len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            p[i] ^= (unsigned char)(1 << bit);
            struct object *o = NULL;
            if (read_value(p, value_len, &o, NULL, 0) == 0)
                free_object(o);
            p[i] ^= (unsigned char)(1 << bit);
        }
    }
    free(p);
}
END_TEST

/* A value built from RDB primitives: the type, then strings (a NULL
 * string writes the next argument's length instead). */
static struct rdb_buf build(enum rdb_type type, int n, const char *const *strings)
{
    struct rdb_buf b = {0};
    struct rdb_writer w = {.sink_cb = rdb_buf_sink_cb, .ud = &b};
    ck_assert_int_eq(rdb_write_type(&w, type), 0);
    ck_assert_int_eq(rdb_write_len(&w, (uint64_t)n), 0);
    for (int i = 0; strings[i] != NULL; i++)
        ck_assert_int_eq(rdb_write_string(&w, strings[i], strlen(strings[i])), 0);
    return b;
}

static int read_built(struct rdb_buf *b, char *error, size_t cap)
{
    struct object *o = NULL;
    int rc = read_value(b->data, b->len, &o, error, cap);
    if (rc == 0)
        free_object(o);
    rdb_buf_deinit(b);
    return rc;
}

/* Redis's rdbLoadObject: a listpack keeps members longer than
 * zset-max-listpack-value (only the count is checked), a skiplist's
 * members must fit both limits to become a listpack (where -0 is 0). */
START_TEST(loaded_zsets_take_the_encoding_redis_gives_them)
{
    static struct object_limits wide = OBJECT_LIMITS_DEFAULT;
    wide.zset_max_listpack_value = 1000;
    char longm[101];
    memset(longm, 'x', 100);
    longm[100] = '\0';
    struct zset *z = zset_create(&hasher, &wide);
    ck_assert_int_eq(zset_set(z, "a", 1, 1, NULL), 0);
    ck_assert_int_eq(zset_set(z, longm, 100, 2, NULL), 0);
    struct object_value v;
    object_value_from_boxed(&v, OBJECT_ZSET, zset_encoding(z), zset_boxed(z));
    struct object *o = make_object(&v);
    struct rdb_buf b = dump(o);
    struct object *back = decode_payload(b.data, b.len); /* default limits */
    ck_assert_int_eq(object_encoding(back), OBJECT_ENC_LISTPACK);
    zset__check_invariants(zset_from_boxed(object_boxed(back)));
    free_object(back);
    free_object(o);
    rdb_buf_deinit(&b);

    /* RDB_TYPE_ZSET: count, then member (an RDB string) and score (a
     * length byte and text) pairs. */
    char error[128] = "";
    unsigned char two[120] = {RDB_TYPE_ZSET, 2, 1, 'a', 1, '1', 0x40, 100};
    memcpy(two + 8, longm, 100);
    memcpy(two + 108, (const unsigned char[]){1, '2'}, 2);
    ck_assert_int_eq(read_value(two, 110, &back, error, sizeof(error)), 0);
    ck_assert_int_eq(object_encoding(back), OBJECT_ENC_SKIPLIST);
    free_object(back);

    static const unsigned char three[] = {RDB_TYPE_ZSET, 3, 1, 'c', 1, '1', 1, 'b', 2,
                                          '-', '0', 1, 'a', 1, '1'};
    ck_assert_int_eq(read_value(three, sizeof(three), &back, error, sizeof(error)), 0);
    ck_assert_int_eq(object_encoding(back), OBJECT_ENC_LISTPACK);
    struct zset *got = zset_from_boxed(object_boxed(back));
    struct zset_member m;
    zset_at(got, 0, &m);
    ck_assert(m.len == 1 && m.ptr[0] == 'b' && m.score == 0 && !signbit(m.score));
    zset_at(got, 2, &m);
    ck_assert(m.len == 1 && m.ptr[0] == 'c' && m.score == 1);
    zset__check_invariants(got);
    free_object(back);
}
END_TEST

START_TEST(duplicates_are_refused)
{
    char error[128];
    struct rdb_buf b = build(RDB_TYPE_SET, 3, (const char *[]){"a", "b", "a", NULL});
    ck_assert_int_eq(read_built(&b, error, sizeof(error)), RDB_EFORMAT);
    ck_assert_str_eq(error, "duplicate set member");
    b = build(RDB_TYPE_SET, 2, (const char *[]){"7", "7", NULL});
    ck_assert_int_eq(read_built(&b, error, sizeof(error)), RDB_EFORMAT);
    b = build(RDB_TYPE_HASH, 2, (const char *[]){"f", "1", "f", "2", NULL});
    ck_assert_int_eq(read_built(&b, error, sizeof(error)), RDB_EFORMAT);
    ck_assert_str_eq(error, "duplicate hash field");
    /* ZSET (string scores): member "m" twice */
    static const unsigned char zset[] = {RDB_TYPE_ZSET, 2, 1, 'm', 1, '1', 1, 'm', 1, '2'};
    struct object *o;
    ck_assert_int_eq(read_value(zset, sizeof(zset), &o, error, sizeof(error)), RDB_EFORMAT);
    ck_assert_str_eq(error, "duplicate zset member");
    /* SET_INTSET whose values are not strictly ascending */
    static const unsigned char intset[] = {RDB_TYPE_SET_INTSET, 12, 2, 0, 0, 0, 2, 0, 0, 0,
                                           5, 0, 5, 0};
    ck_assert_int_eq(read_value(intset, sizeof(intset), &o, error, sizeof(error)), RDB_EFORMAT);
}
END_TEST

START_TEST(empty_collections_are_reported_as_empty)
{
    struct rdb_buf b = build(RDB_TYPE_LIST, 0, (const char *[]){NULL});
    ck_assert_int_eq(read_built(&b, NULL, 0), RDB_EEMPTY);
    /* HASH_LISTPACK holding an empty listpack */
    static const unsigned char lp[] = {RDB_TYPE_HASH_LISTPACK, 7, 7, 0, 0, 0, 0, 0, 0xFF};
    struct object *o;
    ck_assert_int_eq(read_value(lp, sizeof(lp), &o, NULL, 0), RDB_EEMPTY);
}
END_TEST

START_TEST(types_grove_lacks_are_refused_by_name)
{
    static const unsigned char stream[] = {RDB_TYPE_STREAM_LISTPACKS_3, 0}; /* Redis 7.2's */
    static const unsigned char module[] = {RDB_TYPE_MODULE_2, 0};
    static const unsigned char unknown[] = {8, 0};
    char error[128];
    struct object *o;
    ck_assert_int_eq(read_value(stream, 2, &o, error, sizeof(error)), RDB_ETYPE);
    ck_assert_str_eq(error, "RDB type 21 (stream-3) is not supported by Grove");
    ck_assert_int_eq(read_value(module, 2, &o, error, sizeof(error)), RDB_ETYPE);
    ck_assert_ptr_nonnull(strstr(error, "module"));
    ck_assert_int_eq(read_value(unknown, 2, &o, error, sizeof(error)), RDB_EFORMAT);
    ck_assert_str_eq(error, "unknown RDB type 8");
}
END_TEST

START_TEST(impossible_sizes_fail_before_allocating)
{
    static const unsigned char huge_count[] = {RDB_TYPE_SET, 0x81, 0x40, 0, 0, 0, 0, 0, 0, 0,
                                               1, 'a'};
    static const unsigned char huge_lzf[] = {RDB_TYPE_STRING, 0xC3, 2, 0x81, 0, 0, 1, 0, 0, 0,
                                             0, 0, 0x00, 'a'};
    static const unsigned char nan_score[] = {RDB_TYPE_ZSET, 1, 1, 'm', 253};
    char error[128];
    struct object *o;
    ck_assert_int_eq(read_value(huge_count, sizeof(huge_count), &o, error, sizeof(error)),
                     RDB_EFORMAT);
    ck_assert_int_eq(read_value(huge_lzf, sizeof(huge_lzf), &o, error, sizeof(error)),
                     RDB_EFORMAT);
    ck_assert_int_eq(read_value(nan_score, sizeof(nan_score), &o, error, sizeof(error)),
                     RDB_EFORMAT);
    ck_assert_str_eq(error, "zset score is NaN");
}
END_TEST

/* A plain quicklist node of no bytes is refused, as Redis refuses it. */
START_TEST(an_empty_plain_quicklist_node_is_refused)
{
    static const unsigned char empty_plain[] = {RDB_TYPE_LIST_QUICKLIST_2, 1, 1, 0};
    struct object *o;
    char error[128];
    ck_assert_int_eq(read_value(empty_plain, sizeof(empty_plain), &o, error, sizeof(error)),
                     RDB_EFORMAT);
}
END_TEST

START_TEST(malformed_blobs_are_refused_in_redis_s_words)
{
    /* listpack declaring 2 elements but holding 1 */
    static const unsigned char lp_count[] = {RDB_TYPE_HASH_LISTPACK, 9, 9, 0, 0, 0, 2, 0,
                                             0x01, 0x01, 0xFF};
    /* ziplist whose second entry's prevlen is wrong */
    static const unsigned char zl_prev[] = {RDB_TYPE_LIST_ZIPLIST, 15, 15, 0, 0, 0, 12, 0, 0,
                                            0, 2, 0, 0, 0xF2, 5, 0xF3, 0xFF};
    /* zipmap declaring 2 pairs but holding 1 */
    static const unsigned char zm_count[] = {RDB_TYPE_HASH_ZIPMAP, 7, 2, 1, 'k', 1, 0, 'v', 0xFF};
    /* listpack entry whose back-length is wrong */
    static const unsigned char lp_back[] = {RDB_TYPE_SET_LISTPACK, 9, 9, 0, 0, 0, 1, 0,
                                            0x01, 0x02, 0xFF};
    const struct {
        const unsigned char *p;
        size_t len;
    } cases[] = {{lp_count, sizeof(lp_count)},
                 {zl_prev, sizeof(zl_prev)},
                 {zm_count, sizeof(zm_count)},
                 {lp_back, sizeof(lp_back)}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct object *o;
        char error[128];
        ck_assert_int_eq(read_value(cases[i].p, cases[i].len, &o, error, sizeof(error)),
                         RDB_EFORMAT);
        ck_assert_msg(strstr(error, " integrity check failed.") != NULL, "case %zu: %s", i,
                      error); /* Redis's words, which its corrupt-dump tests look for */
    }
}
END_TEST

static Suite *rdb_suite(void)
{
    Suite *s = suite_create("rdb");
    TCase *tc = tcase_create("crc64");
    tcase_add_test(tc, crc64_gives_redis_check_value);
    tcase_add_test(tc, crc64_sliced_matches_bitwise_at_any_length_and_split);
    tcase_add_test(tc, crc64_throughput_is_reported);
    suite_add_tcase(s, tc);

    tc = tcase_create("lzf");
    tcase_add_test(tc, lzf_round_trips_any_input);
    tcase_add_test(tc, lzf_stays_inside_its_output_and_state);
    tcase_add_test(tc, lzf_gives_up_when_output_is_too_small);
    tcase_add_test(tc, lzf_decompression_refuses_hostile_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("primitives");
    tcase_add_test(tc, lengths_take_6_14_32_and_64_bits);
    tcase_add_test(tc, strings_take_integer_form_as_redis);
    tcase_add_test(tc, long_strings_are_lzf_compressed_as_redis);
    tcase_add_test(tc, binary_doubles_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("round_trips");
    tcase_add_test(tc, strings_round_trip);
    tcase_add_test(tc, lists_round_trip_across_nodes);
    tcase_add_test(tc, sets_round_trip_in_both_forms);
    tcase_add_test(tc, hashes_round_trip_in_both_forms);
    tcase_add_test(tc, zsets_round_trip_in_both_forms);
    tcase_add_test(tc, loaded_zsets_take_the_encoding_redis_gives_them);
    suite_add_tcase(s, tc);

    tc = tcase_create("redis_payloads");
    tcase_add_loop_test(tc, every_redis_encoding_decodes, 0, KNOWN);
    tcase_add_loop_test(tc, grove_dumps_the_bytes_redis_dumps, 0, KNOWN);
    tcase_add_test(tc, payload_checks_version_and_crc);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, every_truncation_is_refused, 0, KNOWN);
    tcase_add_loop_test(tc, bit_flips_never_over_read, 0, KNOWN);
    tcase_add_test(tc, duplicates_are_refused);
    tcase_add_test(tc, empty_collections_are_reported_as_empty);
    tcase_add_test(tc, types_grove_lacks_are_refused_by_name);
    tcase_add_test(tc, impossible_sizes_fail_before_allocating);
    tcase_add_test(tc, malformed_blobs_are_refused_in_redis_s_words);
    tcase_add_test(tc, an_empty_plain_quicklist_node_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rdb_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
