/*
 * check_object.c - values inline in entries (core/object.c).
 *
 * Objects are built in plain malloc'd regions here, standing in for a
 * hashmap entry's extra region (8-byte aligned, like malloc's).
 */
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"

#define NOW_MS 1700000000123LL

/* A region big enough for the value with or without TTL, plus room to
 * attach a TTL later. */
static struct object *make_policy(const char *s, size_t len, enum object_string_policy policy,
                                  size_t *size_out)
{
    struct object_value v;
    struct object *o;
    size_t size;

    ck_assert_int_eq(object_value_from_string(&v, s, len, policy), OBJECT_OK);
    size = object_size(&v, false);
    o = malloc(size + OBJECT_TTL_SIZE);
    object_init(o, &v, object_lru_clock(NOW_MS), OBJECT_LFU_INIT_VAL, NULL);
    object__check_invariants(o, size);
    if (size_out)
        *size_out = size;
    return o;
}

static struct object *make(const char *s)
{
    return make_policy(s, strlen(s), OBJECT_STR_TRY, NULL);
}

static void destroy(struct object *o)
{
    object_free_payload(o);
    free(o);
}

static enum object_encoding enc_of(const char *s)
{
    struct object *o = make(s);
    enum object_encoding e = object_encoding(o);

    destroy(o);
    return e;
}

static void assert_value(const struct object *o, const char *want)
{
    char scratch[OBJECT_INT_BUFSIZE];
    const char *p;
    size_t len;

    object_string_view(o, scratch, &p, &len);
    ck_assert_uint_eq(len, strlen(want));
    ck_assert(memcmp(p, want, len) == 0);
    ck_assert_uint_eq(object_string_len(o), strlen(want));
}

/* ---- encodings ---------------------------------------------------------- */

START_TEST(canonical_integers_are_encoded_int)
{
    ck_assert_int_eq(enc_of("123"), OBJECT_ENC_INT);
    ck_assert_int_eq(enc_of("0"), OBJECT_ENC_INT);
    ck_assert_int_eq(enc_of("-5"), OBJECT_ENC_INT);
    ck_assert_int_eq(enc_of("9223372036854775807"), OBJECT_ENC_INT);
    ck_assert_int_eq(enc_of("-9223372036854775808"), OBJECT_ENC_INT);
}
END_TEST

START_TEST(non_canonical_numbers_are_strings)
{
    ck_assert_int_eq(enc_of("007"), OBJECT_ENC_EMBSTR);
    ck_assert_int_eq(enc_of("-0"), OBJECT_ENC_EMBSTR); /* string2ll rejects it */
    ck_assert_int_eq(enc_of("+1"), OBJECT_ENC_EMBSTR);
    ck_assert_int_eq(enc_of(" 1"), OBJECT_ENC_EMBSTR);
    ck_assert_int_eq(enc_of("1 "), OBJECT_ENC_EMBSTR);
    ck_assert_int_eq(enc_of("-"), OBJECT_ENC_EMBSTR);
    ck_assert_int_eq(enc_of("1.5"), OBJECT_ENC_EMBSTR);
    ck_assert_int_eq(enc_of(""), OBJECT_ENC_EMBSTR);
    ck_assert_int_eq(enc_of("9223372036854775808"), OBJECT_ENC_EMBSTR);   /* overflow */
    ck_assert_int_eq(enc_of("-9223372036854775809"), OBJECT_ENC_EMBSTR);  /* overflow */
    ck_assert_int_eq(enc_of("12345678901234567890"), OBJECT_ENC_EMBSTR);  /* 20 digits */
    ck_assert_int_eq(enc_of("000000000000000000001"), OBJECT_ENC_EMBSTR); /* 21 chars */
}
END_TEST

START_TEST(strings_up_to_44_bytes_are_embstr_then_raw)
{
    char buf[46];

    memset(buf, 'x', sizeof(buf));
    buf[44] = '\0';
    ck_assert_int_eq(enc_of("abc"), OBJECT_ENC_EMBSTR);
    ck_assert_int_eq(enc_of(buf), OBJECT_ENC_EMBSTR);
    buf[44] = 'x';
    buf[45] = '\0';
    ck_assert_int_eq(enc_of(buf), OBJECT_ENC_RAW);
}
END_TEST

START_TEST(plain_policy_never_makes_int)
{
    struct object *o = make_policy("123", 3, OBJECT_STR_PLAIN, NULL);
    int64_t v;

    ck_assert_int_eq(object_encoding(o), OBJECT_ENC_EMBSTR); /* INCRBYFLOAT's result */
    ck_assert(object_string_to_int(o, &v));
    ck_assert_int_eq(v, 123);
    destroy(o);
}
END_TEST

START_TEST(raw_policy_always_makes_raw)
{
    struct object *o = make_policy("abc", 3, OBJECT_STR_RAW, NULL);

    ck_assert_int_eq(object_encoding(o), OBJECT_ENC_RAW);
    assert_value(o, "abc");
    ck_assert_uint_eq(object_heap_bytes(o), sizeof(struct object_raw) + 3);
    destroy(o);
}
END_TEST

START_TEST(encoding_and_type_names_match_redis)
{
    ck_assert_str_eq(object_encoding_name(OBJECT_ENC_INT), "int");
    ck_assert_str_eq(object_encoding_name(OBJECT_ENC_EMBSTR), "embstr");
    ck_assert_str_eq(object_encoding_name(OBJECT_ENC_RAW), "raw");
    ck_assert_str_eq(object_encoding_name(OBJECT_ENC_LISTPACK), "listpack");
    ck_assert_str_eq(object_type_name(OBJECT_STRING), "string");
    ck_assert_str_eq(object_type_name(OBJECT_ZSET), "zset");
}
END_TEST

/* ---- payloads ------------------------------------------------------------- */

START_TEST(int_payload_round_trips_through_view_and_parse)
{
    static const char *cases[] = { "0", "1", "-1", "42", "-9223372036854775808",
                                   "9223372036854775807", "1000000" };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct object *o = make(cases[i]);
        int64_t v;

        ck_assert_int_eq(object_encoding(o), OBJECT_ENC_INT);
        assert_value(o, cases[i]);
        ck_assert(object_string_to_int(o, &v));
        ck_assert_int_eq(v, strtoll(cases[i], NULL, 10));
        destroy(o);
    }
}
END_TEST

START_TEST(int_extremes_format_exactly)
{
    char buf[OBJECT_INT_BUFSIZE];

    ck_assert_uint_eq(object_format_int(buf, INT64_MIN), 20);
    ck_assert_str_eq(buf, "-9223372036854775808");
    ck_assert_uint_eq(object_format_int(buf, INT64_MAX), 19);
    ck_assert_str_eq(buf, "9223372036854775807");
    ck_assert_uint_eq(object_format_int(buf, 0), 1);
    ck_assert_str_eq(buf, "0");
}
END_TEST

START_TEST(int_value_can_be_updated_in_place)
{
    struct object *o = make("10");
    int64_t v;

    object_set_int(o, LLONG_MIN);
    ck_assert(object_string_to_int(o, &v));
    ck_assert_int_eq(v, LLONG_MIN);
    assert_value(o, "-9223372036854775808");
    destroy(o);
}
END_TEST

START_TEST(non_integer_strings_fail_int_conversion)
{
    static const char *cases[] = { "abc", "1.0", "007", "-0", "+5", "" };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct object *o = make(cases[i]);
        int64_t v;

        ck_assert(!object_string_to_int(o, &v));
        destroy(o);
    }
}
END_TEST

START_TEST(sizes_are_header_ttl_and_payload)
{
    struct object_value v;

    object_value_from_int(&v, 7);
    ck_assert_uint_eq(object_size(&v, false), 16);
    ck_assert_uint_eq(object_size(&v, true), 28);
    ck_assert_int_eq(object_value_from_string(&v, "0123456789abcdef", 16, OBJECT_STR_TRY),
                     OBJECT_OK);
    ck_assert_uint_eq(object_size(&v, false), 24); /* 16-byte value: header + bytes */
    ck_assert_uint_eq(object_size(&v, true), 36);
}
END_TEST

/* ---- TTL block -------------------------------------------------------------- */

static void ttl_round_trip(const char *s, size_t len, enum object_string_policy policy)
{
    size_t size;
    struct object *o = make_policy(s, len, policy, &size);
    char want[64];

    memcpy(want, s, len);
    want[len] = '\0';
    object_ttl_attach(o, NOW_MS + 5000, 77);
    ck_assert(object_has_ttl(o));
    ck_assert_int_eq(object_expire_at(o), NOW_MS + 5000);
    ck_assert_uint_eq(object_expire_slot(o), 77);
    ck_assert_uint_eq(object_used_size(o), size + OBJECT_TTL_SIZE);
    object__check_invariants(o, size + OBJECT_TTL_SIZE);
    assert_value(o, want);
    ck_assert(!object_is_expired(o, NOW_MS + 5000)); /* expired only when now > at */
    ck_assert(object_is_expired(o, NOW_MS + 5001));
    object_ttl_detach(o);
    ck_assert(!object_has_ttl(o));
    ck_assert(!object_is_expired(o, INT64_MAX));
    ck_assert_uint_eq(object_used_size(o), size);
    assert_value(o, want);
    destroy(o);
}

START_TEST(ttl_attach_and_detach_keep_every_encoding)
{
    const char *big = "this string is longer than forty-four bytes, so RAW";

    ttl_round_trip("12345", 5, OBJECT_STR_TRY);
    ttl_round_trip("-9223372036854775808", 20, OBJECT_STR_TRY);
    ttl_round_trip("", 0, OBJECT_STR_TRY);
    ttl_round_trip("hello", 5, OBJECT_STR_TRY);
    ttl_round_trip("0123456789012345678901234567890123456789abcd", 44, OBJECT_STR_TRY);
    ttl_round_trip(big, strlen(big), OBJECT_STR_TRY);
}
END_TEST

START_TEST(object_init_with_ttl_places_payload_after_ttl_block)
{
    struct object_value v;
    struct object_ttl t = { NOW_MS + 1, 3 };
    struct object *o;

    ck_assert_int_eq(object_value_from_string(&v, "abc", 3, OBJECT_STR_TRY), OBJECT_OK);
    o = malloc(object_size(&v, true));
    object_init(o, &v, 0, OBJECT_LFU_INIT_VAL, &t);
    object__check_invariants(o, object_size(&v, true));
    ck_assert_int_eq(object_expire_at(o), NOW_MS + 1);
    ck_assert_uint_eq(object_expire_slot(o), 3);
    assert_value(o, "abc");
    destroy(o);
}
END_TEST

/* ---- RAW buffers --------------------------------------------------------------- */

START_TEST(raw_reserve_grows_greedily_and_zero_fills)
{
    struct object_raw *raw = object_raw_create("ab", 2, 2);

    ck_assert_int_eq(object_raw_reserve(&raw, 10), OBJECT_OK);
    ck_assert_uint_eq(raw->len, 10);
    ck_assert_uint_eq(raw->cap, 20); /* doubled below 1 MiB, like sds */
    ck_assert(memcmp(raw->buf, "ab\0\0\0\0\0\0\0\0", 10) == 0);
    ck_assert_int_eq(object_raw_reserve(&raw, 5), OBJECT_OK); /* never shrinks */
    ck_assert_uint_eq(raw->len, 10);
    ck_assert_int_eq(object_raw_reserve(&raw, 2 * 1024 * 1024), OBJECT_OK);
    ck_assert_uint_eq(raw->cap, 3 * 1024 * 1024); /* +1 MiB above */
    object_raw_destroy(raw);
}
END_TEST

START_TEST(appending_many_times_reallocates_logarithmically)
{
    struct object_raw *raw = object_raw_create(NULL, 0, 0);
    size_t reallocs = 0, cap = raw->cap;

    for (size_t i = 1; i <= 100000; i++) {
        ck_assert_int_eq(object_raw_reserve(&raw, i), OBJECT_OK);
        raw->buf[i - 1] = 'x';
        if (raw->cap != cap) {
            reallocs++;
            cap = raw->cap;
        }
    }
    ck_assert_uint_le(reallocs, 20);
    object_raw_destroy(raw);
}
END_TEST

START_TEST(dup_copies_raw_and_keeps_encoding)
{
    const char *big = "this string is longer than forty-four bytes, so RAW";
    struct object *o = make(big);
    struct object_value v;
    struct object *copy;

    ck_assert_int_eq(object_value_dup(&v, o), OBJECT_OK);
    ck_assert_int_eq(v.encoding, OBJECT_ENC_RAW);
    ck_assert_ptr_ne(v.u.raw, object_raw(o));
    copy = malloc(object_size(&v, false));
    object_init(copy, &v, 0, OBJECT_LFU_INIT_VAL, NULL);
    destroy(o);
    assert_value(copy, big);
    destroy(copy);
}
END_TEST

/* ---- access clock --------------------------------------------------------------- */

START_TEST(new_objects_start_with_lfu_init_val_and_zero_idle)
{
    struct object *o = make("v");

    ck_assert_uint_eq(object_lfu(o), OBJECT_LFU_INIT_VAL);
    ck_assert_uint_eq(object_idle_ms(o, NOW_MS), 0);
    ck_assert_uint_eq(object_idle_ms(o, NOW_MS + 10000), 10000);
    destroy(o);
}
END_TEST

START_TEST(lfu_counter_decays_one_per_decay_period)
{
    struct object *o = make("v");

    for (int i = 0; i < 5; i++)
        object_touch(o, NOW_MS, 0, 10, 1); /* rnd 0 always increments */
    ck_assert_uint_eq(object_lfu(o), 10);
    ck_assert_uint_eq(object_lfu_decayed(o, NOW_MS + 5 * 60 * 1000, 1), 5);
    ck_assert_uint_eq(object_lfu_decayed(o, NOW_MS + 5 * 60 * 1000, 0), 10); /* no decay */
    ck_assert_uint_eq(object_lfu_decayed(o, NOW_MS + 500LL * 60 * 1000, 1), 0);
    destroy(o);
}
END_TEST

START_TEST(lfu_increment_gets_rarer_as_counter_grows)
{
    struct object *o = make("v");

    /* rnd near 1.0: only counters at or below LFU_INIT_VAL (p = 1) grow. */
    object_touch(o, NOW_MS, UINT64_MAX, 10, 1);
    ck_assert_uint_eq(object_lfu(o), OBJECT_LFU_INIT_VAL + 1);
    object_touch(o, NOW_MS, UINT64_MAX, 10, 1);
    ck_assert_uint_eq(object_lfu(o), OBJECT_LFU_INIT_VAL + 1);
    destroy(o);
}
END_TEST

START_TEST(touch_resets_idle_time)
{
    struct object *o = make("v");

    object_touch(o, NOW_MS + 60000, 0, 10, 1);
    ck_assert_uint_eq(object_idle_ms(o, NOW_MS + 61000), 1000);
    assert_value(o, "v"); /* the clock does not disturb the EMBSTR length */
    destroy(o);
}
END_TEST

START_TEST(lru_clock_wraps_at_24_bits)
{
    int64_t wrap_ms = (int64_t)(OBJECT_LRU_CLOCK_MAX + 1) * 1000;

    ck_assert_uint_eq(object_lru_clock(wrap_ms), 0);
    ck_assert_uint_eq(object_lru_clock(wrap_ms - 1000), OBJECT_LRU_CLOCK_MAX);
}
END_TEST

/* ---- envs ---------------------------------------------------------------- */

static void env_free_cb(struct object_boxed *b)
{
    (void)b;
}

static void free_cb_other(struct object_boxed *b)
{
    (void)b;
}

START_TEST(envs_are_shared_per_ops_hasher_and_limits)
{
    static const struct object_boxed_ops ops = {.free_cb = env_free_cb};
    static const struct object_boxed_ops other_ops = {.free_cb = free_cb_other};
    static struct object_limits limits = OBJECT_LIMITS_DEFAULT, other_limits;
    static const int hashers[OBJECT_ENV_MAX + 1]; /* only their addresses matter */
    const struct hashmap_hasher *h = (const void *)&hashers[0];
    const struct object_env *e = object_env(&ops, h, &limits);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_eq(object_env(&ops, h, &limits), e);
    ck_assert(e->hasher == h && e->limits == &limits && e->ops.free_cb == env_free_cb);
    ck_assert_ptr_ne(object_env(&ops, h, &other_limits), e);
    ck_assert_ptr_ne(object_env(&other_ops, h, &limits), e);
    /* Two made, three in all: the table fills up at OBJECT_ENV_MAX. */
    for (int i = 1; i <= OBJECT_ENV_MAX - 3; i++)
        ck_assert_ptr_nonnull(object_env(&ops, (const void *)&hashers[i], &limits));
    ck_assert_ptr_null(object_env(&ops, (const void *)&hashers[OBJECT_ENV_MAX], &limits));
    ck_assert_ptr_eq(object_env(&ops, h, &limits), e); /* the old ones still answer */
}
END_TEST

/* Threads racing to make the same envs all get the same ones. */
enum { RACERS = 4, RACE_ENVS = 16 };
static const int race_hashers[RACE_ENVS];
static const struct object_env *race_got[RACERS][RACE_ENVS];

static void *race_cb(void *arg)
{
    static const struct object_boxed_ops ops = {.free_cb = env_free_cb};
    static struct object_limits limits = OBJECT_LIMITS_DEFAULT;
    size_t t = (size_t)(uintptr_t)arg;
    for (size_t i = 0; i < RACE_ENVS; i++) {
        size_t k = (i * 7 + t * 5) % RACE_ENVS; /* a different order per thread */
        race_got[t][k] = object_env(&ops, (const void *)&race_hashers[k], &limits);
    }
    return NULL;
}

START_TEST(envs_made_by_racing_threads_are_one)
{
    pthread_t th[RACERS];
    for (size_t t = 0; t < RACERS; t++)
        ck_assert_int_eq(pthread_create(&th[t], NULL, race_cb, (void *)(uintptr_t)t), 0);
    for (size_t t = 0; t < RACERS; t++)
        pthread_join(th[t], NULL);
    for (size_t k = 0; k < RACE_ENVS; k++) {
        ck_assert_ptr_nonnull(race_got[0][k]);
        ck_assert(race_got[0][k]->hasher == (const void *)&race_hashers[k]);
        for (size_t t = 1; t < RACERS; t++)
            ck_assert_ptr_eq(race_got[t][k], race_got[0][k]);
    }
}
END_TEST

static Suite *object_suite(void)
{
    Suite *s = suite_create("object");
    TCase *enc = tcase_create("encodings");
    TCase *pay = tcase_create("payloads");
    TCase *ttl = tcase_create("ttl");
    TCase *raw = tcase_create("raw");
    TCase *clk = tcase_create("clock");
    TCase *env = tcase_create("env");
    TCase *env_threads = tcase_create("env_threads");

    tcase_add_test(enc, canonical_integers_are_encoded_int);
    tcase_add_test(enc, non_canonical_numbers_are_strings);
    tcase_add_test(enc, strings_up_to_44_bytes_are_embstr_then_raw);
    tcase_add_test(enc, plain_policy_never_makes_int);
    tcase_add_test(enc, raw_policy_always_makes_raw);
    tcase_add_test(enc, encoding_and_type_names_match_redis);
    tcase_add_test(pay, int_payload_round_trips_through_view_and_parse);
    tcase_add_test(pay, int_extremes_format_exactly);
    tcase_add_test(pay, int_value_can_be_updated_in_place);
    tcase_add_test(pay, non_integer_strings_fail_int_conversion);
    tcase_add_test(pay, sizes_are_header_ttl_and_payload);
    tcase_add_test(ttl, ttl_attach_and_detach_keep_every_encoding);
    tcase_add_test(ttl, object_init_with_ttl_places_payload_after_ttl_block);
    tcase_add_test(raw, raw_reserve_grows_greedily_and_zero_fills);
    tcase_add_test(raw, appending_many_times_reallocates_logarithmically);
    tcase_add_test(raw, dup_copies_raw_and_keeps_encoding);
    tcase_add_test(clk, new_objects_start_with_lfu_init_val_and_zero_idle);
    tcase_add_test(clk, lfu_counter_decays_one_per_decay_period);
    tcase_add_test(clk, lfu_increment_gets_rarer_as_counter_grows);
    tcase_add_test(clk, touch_resets_idle_time);
    tcase_add_test(clk, lru_clock_wraps_at_24_bits);
    suite_add_tcase(s, enc);
    suite_add_tcase(s, pay);
    suite_add_tcase(s, ttl);
    suite_add_tcase(s, raw);
    tcase_add_test(env, envs_are_shared_per_ops_hasher_and_limits);
    suite_add_tcase(s, clk);
    tcase_add_test(env_threads, envs_made_by_racing_threads_are_one);
    suite_add_tcase(s, env);
    suite_add_tcase(s, env_threads);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(object_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
