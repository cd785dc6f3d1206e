/*
 * check_hashmap.c - unit tests for core/hashmap.
 *
 * Test cases by area: hash, basics, entries, trees, resizing, scan,
 * iteration, sampling, out of memory, and two model tests that run millions
 * of random operations against an obviously correct reference.
 *
 * Randomised tests print their seed. Replay a failure with
 *     GROVE_TEST_SEED=0x... ./check_hashmap
 * and run one test with CK_RUN_CASE / CK_RUN_SUITE or CK_FORK=no under gdb.
 *
 * Hot loops use REQUIRE instead of ck_assert: Check's ck_assert records a
 * "last passed" location through a pipe on every success, which would make
 * the model tests ten times slower.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"

/* ==========================================================================
 * Helpers
 * ========================================================================== */

#define REQUIRE(cond)                                                        \
    do {                                                                     \
        if (!(cond))                                                         \
            ck_abort_msg("%s:%d: requirement failed: %s", __FILE__, __LINE__, #cond); \
    } while (0)

static const struct hashmap_seed test_hash_seed = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

/* The seed of every randomised test: GROVE_TEST_SEED or a fixed default. */
static uint64_t test_seed(void)
{
    const char *env = getenv("GROVE_TEST_SEED");
    return env && *env ? strtoull(env, NULL, 0) : 0x6772306f76655eedULL;
}

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t test_rng_below(struct rng *r, uint64_t n)
{
    return rng_next(r) % n;
}

static uint64_t rng_cb(void *ud)
{
    return rng_next(ud);
}

static uint64_t load_le64(const void *p)
{
    const unsigned char *b = p;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

static void store_le64(void *p, uint64_t v)
{
    unsigned char *b = p;
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

static void *val(uint64_t x)
{
    return (void *)(uintptr_t)x;
}

static struct hashmap *map_siphash(void)
{
    struct hashmap_hasher h = {hashmap_siphash, &test_hash_seed};
    struct hashmap *m = hashmap_create(&h);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* A hasher that lets a test choose each key's hash: a key of 8 bytes or
 * more hashes to its first 8 bytes (little endian), shorter keys use
 * SipHash. */
static uint64_t chosen_hash(const void *key, size_t len, const void *ctx)
{
    return len >= 8 ? load_le64(key) : hashmap_siphash(key, len, ctx);
}

static struct hashmap *map_chosen(void)
{
    struct hashmap_hasher h = {chosen_hash, &test_hash_seed};
    struct hashmap *m = hashmap_create(&h);
    ck_assert_ptr_nonnull(m);
    return m;
}

#define CHOSEN_KEYLEN 12

/* A 12-byte key with the given hash, made unique by id. */
static const char *chosen_key(char buf[CHOSEN_KEYLEN], uint64_t hash, uint32_t id)
{
    store_le64(buf, hash);
    memcpy(buf + 8, &id, sizeof id);
    return buf;
}

/* Well spread hashes for filler keys that never land in bucket 7 of a
 * table of 32, 64 or 128 buckets (nor 71 of 128): tree tests own those. */
static uint64_t filler_hash(uint32_t i)
{
    struct rng r = {i};
    uint64_t h = rng_next(&r);
    return (h & 31) == 7 ? h ^ 8 : h;
}

static void put_chosen(struct hashmap *m, uint64_t hash, uint32_t id)
{
    char k[CHOSEN_KEYLEN];
    ck_assert_int_eq(hashmap_put(m, chosen_key(k, hash, id), CHOSEN_KEYLEN, val(id + 1), NULL),
                     HASHMAP_OK);
}

static bool has_chosen(struct hashmap *m, uint64_t hash, uint32_t id)
{
    char k[CHOSEN_KEYLEN];
    void *v = hashmap_get(m, chosen_key(k, hash, id), CHOSEN_KEYLEN);
    if (v)
        REQUIRE(v == val(id + 1));
    return v != NULL;
}

static void del_chosen(struct hashmap *m, uint64_t hash, uint32_t id)
{
    char k[CHOSEN_KEYLEN];
    void *v = NULL;
    ck_assert(hashmap_delete(m, chosen_key(k, hash, id), CHOSEN_KEYLEN, &v));
    ck_assert_ptr_eq(v, val(id + 1));
}

/* Tagged binary keys for scan and iteration tests: a tag byte and an id. */
#define TAGGED_KEYLEN 5

static const char *tagged_key(char buf[TAGGED_KEYLEN], char tag, uint32_t id)
{
    buf[0] = tag;
    memcpy(buf + 1, &id, sizeof id);
    return buf;
}

static uint32_t tagged_id(const struct hashmap_entry *e)
{
    uint32_t id;
    REQUIRE(hashmap_entry_keylen(e) == TAGGED_KEYLEN);
    memcpy(&id, hashmap_entry_key(e) + 1, sizeof id);
    return id;
}

static void put_tagged(struct hashmap *m, char tag, uint32_t id)
{
    char k[TAGGED_KEYLEN];
    ck_assert_int_eq(hashmap_put(m, tagged_key(k, tag, id), TAGGED_KEYLEN, val(id + 1), NULL),
                     HASHMAP_OK);
}

static void del_tagged(struct hashmap *m, char tag, uint32_t id)
{
    char k[TAGGED_KEYLEN];
    ck_assert(hashmap_delete(m, tagged_key(k, tag, id), TAGGED_KEYLEN, NULL));
}

static void finish_rehash(struct hashmap *m)
{
    while (hashmap_rehash_step(m, 64))
        ;
}

/* The AVL height bound for n nodes (leaf height 1). */
static int avl_height_bound(size_t n)
{
    return (int)floor(1.4405 * log2((double)n + 2) - 0.3277);
}

/* ==========================================================================
 * Hash
 * ========================================================================== */

/* SipHash-2-4 reference vectors (veorq/SipHash): key 00..0f, message
 * 00 01 02 ... of length i. */
static const uint64_t sip24_vectors[64] = {
    0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL, 0x85676696d7fb7e2dULL,
    0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL, 0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL,
    0x93f5f5799a932462ULL, 0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
    0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL, 0xa129ca6149be45e5ULL,
    0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL, 0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL,
    0xbed65cf21aa2ee98ULL, 0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
    0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL, 0x2f2e6163076bcfadULL,
    0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL, 0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL,
    0x7127512f72f27cceULL, 0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
    0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL, 0x9abfd8766a33735cULL,
    0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL, 0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL,
    0xf935451de4f21df2ULL, 0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
    0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL, 0xee64435a9752fe72ULL, 0xa192d576b245165aULL,
    0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL, 0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL,
    0xb78dbfaf3a8d83bdULL, 0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
    0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL, 0x958a324ceb064572ULL,
};

/* SipHash-1-3 vectors from the reference implementation with an all-zero
 * key, message 00 01 02 ... of length i (as published in OCaml's test
 * suite for its sip13 hash). */
static const uint64_t sip13_zero_key_vectors[24] = {
    0xd1fba762150c532cULL, 0x68a914128e01e473ULL, 0x010bac45c41e3669ULL, 0x4d4c9a4a8ef6e0adULL,
    0x7cc43f98813e4dbdULL, 0x5abe2169dff36275ULL, 0xe3c25f87624f1cdbULL, 0x2f098ab0c751325aULL,
    0xead411e67ebe2eeaULL, 0x75927f9d95124362ULL, 0xaf9f77a65ab51a1dULL, 0xfe64ce8b6617fcffULL,
    0xa6baf4fb0f9fe1c2ULL, 0xa0cf3211850f8e0dULL, 0x7f86049379fbfe67ULL, 0xf30eb725bb91c9eaULL,
    0x8972188433a5c5b7ULL, 0x4883c49a2c009c1dULL, 0xadc2c0b63044067dULL, 0x091f4a3329f87d19ULL,
    0x639e355ae68c0100ULL, 0xb17bef2cb5213239ULL, 0xf8aeb1066236ccfeULL, 0x37332b1389daa4ffULL,
};

START_TEST(siphash_2_4_matches_the_reference_vectors)
{
    unsigned char msg[64];
    for (int i = 0; i < 64; i++)
        msg[i] = (unsigned char)i;
    for (size_t len = 0; len < 64; len++)
        ck_assert_uint_eq(hashmap__siphash(msg, len, &test_hash_seed, 2, 4), sip24_vectors[len]);
}
END_TEST

START_TEST(siphash_1_3_matches_the_reference_vectors)
{
    const struct hashmap_seed zero = {0, 0};
    unsigned char msg[24];
    for (int i = 0; i < 24; i++)
        msg[i] = (unsigned char)i;
    for (size_t len = 0; len < 24; len++) {
        ck_assert_uint_eq(hashmap_siphash(msg, len, &zero), sip13_zero_key_vectors[len]);
        ck_assert_uint_eq(hashmap__siphash(msg, len, &zero, 1, 3), sip13_zero_key_vectors[len]);
    }
}
END_TEST

START_TEST(different_seeds_give_different_hashes)
{
    const struct hashmap_seed a = {1, 2}, b = {1, 3};
    ck_assert_uint_ne(hashmap_siphash("key", 3, &a), hashmap_siphash("key", 3, &b));
    ck_assert_uint_eq(hashmap_siphash("key", 3, &a), hashmap_siphash("key", 3, &a));
}
END_TEST

/* ==========================================================================
 * Basics: the value API
 * ========================================================================== */

static void count_scan_cb(struct hashmap_entry *e, void *ud)
{
    (void)e;
    (*(size_t *)ud)++;
}

START_TEST(empty_map_finds_nothing)
{
    struct hashmap *m = map_siphash();
    struct hashmap_iter it;
    struct rng r = {1};
    size_t visited = 0;

    ck_assert_uint_eq(hashmap_size(m), 0);
    ck_assert_ptr_null(hashmap_get(m, "a", 1));
    ck_assert(!hashmap_delete(m, "a", 1, NULL));
    ck_assert_uint_eq(hashmap_scan(m, 0, count_scan_cb, &visited), 0);
    ck_assert_uint_eq(visited, 0);
    ck_assert_ptr_null(hashmap_random(m, rng_cb, &r));
    hashmap_iter_init(&it, m);
    ck_assert_ptr_null(hashmap_iter_next(&it));
    hashmap_iter_deinit(&it);
    ck_assert(!hashmap_rehash_step(m, 10));
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

START_TEST(put_then_get_returns_the_value)
{
    struct hashmap *m = map_siphash();
    ck_assert_int_eq(hashmap_put(m, "alpha", 5, val(1), NULL), HASHMAP_OK);
    ck_assert_int_eq(hashmap_put(m, "beta", 4, val(2), NULL), HASHMAP_OK);
    ck_assert_ptr_eq(hashmap_get(m, "alpha", 5), val(1));
    ck_assert_ptr_eq(hashmap_get(m, "beta", 4), val(2));
    ck_assert_ptr_null(hashmap_get(m, "alph", 4));
    ck_assert_uint_eq(hashmap_size(m), 2);
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

START_TEST(put_replaces_and_returns_the_old_value)
{
    struct hashmap *m = map_siphash();
    void *old = val(99);
    ck_assert_int_eq(hashmap_put(m, "k", 1, val(1), &old), HASHMAP_OK);
    ck_assert_ptr_null(old);
    ck_assert_int_eq(hashmap_put(m, "k", 1, val(2), &old), HASHMAP_OK);
    ck_assert_ptr_eq(old, val(1));
    ck_assert_ptr_eq(hashmap_get(m, "k", 1), val(2));
    ck_assert_uint_eq(hashmap_size(m), 1);
    hashmap_destroy(m);
}
END_TEST

START_TEST(delete_returns_the_value_and_forgets_the_key)
{
    struct hashmap *m = map_siphash();
    void *v = NULL;
    hashmap_put(m, "k", 1, val(7), NULL);
    ck_assert(hashmap_delete(m, "k", 1, &v));
    ck_assert_ptr_eq(v, val(7));
    ck_assert(!hashmap_delete(m, "k", 1, &v));
    ck_assert_ptr_null(hashmap_get(m, "k", 1));
    ck_assert_uint_eq(hashmap_size(m), 0);
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

START_TEST(the_empty_key_is_a_key)
{
    struct hashmap *m = map_siphash();
    ck_assert_int_eq(hashmap_put(m, "", 0, val(1), NULL), HASHMAP_OK);
    ck_assert_ptr_eq(hashmap_get(m, "", 0), val(1));
    ck_assert_ptr_eq(hashmap_get(m, NULL, 0), val(1)); /* no bytes: pointer unused */
    ck_assert_ptr_null(hashmap_get(m, "\0", 1));
    struct hashmap_entry *e = hashmap_find(m, "", 0, hashmap_hash(m, "", 0));
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(hashmap_entry_keylen(e), 0);
    ck_assert(hashmap_delete(m, NULL, 0, NULL));
    ck_assert_uint_eq(hashmap_size(m), 0);
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

START_TEST(keys_with_nul_bytes_are_distinct)
{
    static const struct {
        const char *bytes;
        size_t len;
    } keys[] = {{"a", 1}, {"a\0", 2}, {"a\0b", 3}, {"a\0c", 3}, {"\0", 1}, {"\0\0", 2}, {"", 0}};
    const size_t n = sizeof keys / sizeof keys[0];
    struct hashmap *m = map_siphash();
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(hashmap_put(m, keys[i].bytes, keys[i].len, val(i + 1), NULL), 0);
    ck_assert_uint_eq(hashmap_size(m), n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_eq(hashmap_get(m, keys[i].bytes, keys[i].len), val(i + 1));
        struct hashmap_entry *e =
            hashmap_find(m, keys[i].bytes, keys[i].len, hashmap_hash(m, keys[i].bytes, keys[i].len));
        ck_assert_uint_eq(hashmap_entry_keylen(e), keys[i].len);
        ck_assert(memcmp(hashmap_entry_key(e), keys[i].bytes, keys[i].len) == 0);
    }
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

START_TEST(one_megabyte_keys_work)
{
    const size_t len = 1 << 20;
    char *a = malloc(len), *b = malloc(len), *c = malloc(len);
    ck_assert(a && b && c);
    memset(a, 'x', len);
    memcpy(b, a, len);
    b[len - 1] = 'y'; /* differs only in the last byte */
    memcpy(c, a, len);
    c[0] = '\0';      /* and only in the first */
    struct hashmap *m = map_siphash();
    ck_assert_int_eq(hashmap_put(m, a, len, val(1), NULL), 0);
    ck_assert_int_eq(hashmap_put(m, b, len, val(2), NULL), 0);
    ck_assert_int_eq(hashmap_put(m, c, len, val(3), NULL), 0);
    ck_assert_ptr_eq(hashmap_get(m, a, len), val(1));
    ck_assert_ptr_eq(hashmap_get(m, b, len), val(2));
    ck_assert_ptr_eq(hashmap_get(m, c, len), val(3));
    ck_assert_ptr_null(hashmap_get(m, a, len - 1));
    struct hashmap_entry *e = hashmap_find(m, b, len, hashmap_hash(m, b, len));
    ck_assert_uint_eq(hashmap_entry_keylen(e), len);
    ck_assert(memcmp(hashmap_entry_key(e), b, len) == 0);
    ck_assert_uint_ge(hashmap_bytes(m), 3 * len);
    ck_assert(hashmap_delete(m, b, len, NULL));
    ck_assert_ptr_null(hashmap_get(m, b, len));
    ck_assert_ptr_eq(hashmap_get(m, a, len), val(1));
    hashmap__check_invariants(m);
    hashmap_destroy(m);
    free(a);
    free(b);
    free(c);
}
END_TEST

static void count_free_cb(void *extra, void *ud)
{
    size_t *count = ud;
    void *v;
    memcpy(&v, extra, sizeof v);
    REQUIRE(v != NULL);
    (*count)++;
}

START_TEST(clear_calls_free_cb_for_every_entry_and_empties_the_map)
{
    struct hashmap *m = map_siphash();
    size_t freed = 0, empty_bytes = hashmap_bytes(m);
    for (uint32_t i = 0; i < 1000; i++)
        put_tagged(m, 'k', i);
    hashmap_clear(m, count_free_cb, &freed);
    ck_assert_uint_eq(freed, 1000);
    ck_assert_uint_eq(hashmap_size(m), 0);
    ck_assert_uint_eq(hashmap_bytes(m), empty_bytes);
    ck_assert(!hashmap_is_rehashing(m));
    hashmap__check_invariants(m);
    put_tagged(m, 'k', 1); /* still usable */
    ck_assert_uint_eq(hashmap_size(m), 1);
    hashmap_destroy(m);
    hashmap_destroy(NULL); /* accepts NULL */
}
END_TEST

START_TEST(bytes_count_tables_and_entries)
{
    struct hashmap *m = map_siphash();
    size_t empty = hashmap_bytes(m);
    ck_assert_uint_gt(empty, 0);
    for (uint32_t i = 0; i < 1000; i++)
        put_tagged(m, 'k', i);
    finish_rehash(m);
    /* Each entry: 16-byte header + 5-byte key + pad + 8-byte value = 32;
     * the table: 1024 slots of 8 bytes. */
    ck_assert_uint_ge(hashmap_bytes(m), empty + 1000 * 32 + 1024 * 8);
    ck_assert_uint_le(hashmap_bytes(m), empty + 1000 * 64 + 1024 * 8 + 64);
    for (uint32_t i = 0; i < 1000; i++)
        del_tagged(m, 'k', i);
    finish_rehash(m);
    ck_assert_uint_le(hashmap_bytes(m), empty + 8 * 8 + 32);
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

/* ==========================================================================
 * Entries: the entry API
 * ========================================================================== */

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

START_TEST(insert_gives_a_zeroed_aligned_extra_of_the_exact_size)
{
    static const size_t sizes[] = {0, 1, 7, 8, 9, 100, 65534, 65535, 65536, 200000};
    struct hashmap *m = map_siphash();
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char key[TAGGED_KEYLEN];
        tagged_key(key, 'e', (uint32_t)i);
        struct hashmap_entry *e =
            hashmap_insert(m, key, TAGGED_KEYLEN, hashmap_hash(m, key, TAGGED_KEYLEN), sizes[i]);
        ck_assert_ptr_nonnull(e);
        ck_assert_uint_eq(hashmap_entry_extra_size(e), sizes[i]);
        ck_assert_uint_eq((uintptr_t)hashmap_entry_extra(e) % 8, 0);
        ck_assert(all_zero(hashmap_entry_extra(e), sizes[i]));
        ck_assert(memcmp(hashmap_entry_key(e), key, TAGGED_KEYLEN) == 0);
        memset(hashmap_entry_extra(e), 0xab, sizes[i]); /* the whole region is ours */
    }
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

static bool has_pattern(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7))
            return false;
    return true;
}

START_TEST(entry_resize_keeps_the_key_and_the_data)
{
    /* Past extras of 128 and 16384 bytes the key moves inside the entry. */
    static const size_t steps[] = {16, 100, 70000, 80000, 65535, 65534, 4, 0, 24};
    struct hashmap *m = map_siphash();
    const char key[] = "resize\0me";
    const size_t len = sizeof key - 1;
    uint64_t h = hashmap_hash(m, key, len);
    for (uint32_t i = 0; i < 100; i++) /* neighbours in the table */
        put_tagged(m, 'n', i);
    struct hashmap_entry *e = hashmap_insert(m, key, len, h, 8);
    ck_assert_ptr_nonnull(e);
    size_t kept = 8;
    fill_pattern(hashmap_entry_extra(e), 8, 3);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        size_t size = steps[i];
        e = hashmap_entry_resize(m, e, size);
        ck_assert_ptr_nonnull(e);
        ck_assert_ptr_eq(hashmap_find(m, key, len, h), e);
        ck_assert_uint_eq(hashmap_entry_keylen(e), len);
        ck_assert(memcmp(hashmap_entry_key(e), key, len) == 0);
        ck_assert_uint_eq(hashmap_entry_extra_size(e), size);
        ck_assert_uint_eq((uintptr_t)hashmap_entry_extra(e) % 8, 0);
        kept = kept < size ? kept : size;
        ck_assert(has_pattern(hashmap_entry_extra(e), kept, 3));
        ck_assert(all_zero((unsigned char *)hashmap_entry_extra(e) + kept, size - kept));
        fill_pattern(hashmap_entry_extra(e), size, 3);
        kept = size;
        hashmap__check_invariants(m);
    }
    hashmap_remove(m, e);
    ck_assert_ptr_null(hashmap_find(m, key, len, h));
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

/* The header's varints change length at keys of 64 and 8192 bytes and
 * extras of 128 and 16384: every combination, in both kinds of map, keeps
 * its key and extra, and a resize across a boundary moves the key intact. */
START_TEST(entries_keep_key_and_extra_at_every_varint_length)
{
    static const size_t keylens[] = {0, 1, 63, 64, 127, 8191, 8192};
    static const size_t extras[] = {0, 1, 127, 128, 16383, 16384, 70000};
    static const size_t resizes[] = {128, 127, 16384, 3, 0, 70001};
    enum { NK = sizeof keylens / sizeof keylens[0], NX = sizeof extras / sizeof extras[0] };
    struct hashmap_hasher h = {hashmap_siphash, &test_hash_seed};
    for (int packed = 0; packed <= 1; packed++) {
        struct hashmap *m = hashmap_create_with(&h, packed ? HASHMAP_PACKED : 0);
        static char key[8192];
        for (size_t k = 0; k < NK; k++) {
            for (size_t x = 0; x < NX; x++) {
                size_t len = keylens[k];
                if (len == 0 && x > 0)
                    continue; /* one empty key */
                memset(key, 'k', len);
                if (len)
                    key[0] = (char)x; /* distinct keys per extra size */
                uint64_t hash = hashmap_hash(m, key, len);
                struct hashmap_entry *e = hashmap_insert(m, key, len, hash, extras[x]);
                ck_assert_ptr_nonnull(e);
                ck_assert(all_zero(hashmap_entry_extra(e), extras[x]));
                size_t kept = extras[x];
                fill_pattern(hashmap_entry_extra(e), kept, (unsigned)(k + x));
                for (size_t r = 0; r < sizeof resizes / sizeof resizes[0]; r++) {
                    e = hashmap_entry_resize(m, e, resizes[r]);
                    ck_assert_ptr_nonnull(e);
                    ck_assert_ptr_eq(hashmap_find(m, key, len, hash), e);
                    ck_assert_uint_eq(hashmap_entry_keylen(e), len);
                    ck_assert(len == 0 || memcmp(hashmap_entry_key(e), key, len) == 0);
                    ck_assert_uint_eq(hashmap_entry_extra_size(e), resizes[r]);
                    kept = kept < resizes[r] ? kept : resizes[r];
                    ck_assert(has_pattern(hashmap_entry_extra(e), kept, (unsigned)(k + x)));
                    if (!packed) {
                        size_t klen;
                        ck_assert_uint_eq((uintptr_t)hashmap_entry_extra(e) % 8, 0);
                        ck_assert_ptr_eq(hashmap_extra_key(hashmap_entry_extra(e), &klen),
                                         hashmap_entry_key(e));
                        ck_assert_uint_eq(klen, len);
                    }
                    fill_pattern(hashmap_entry_extra(e), resizes[r], (unsigned)(k + x));
                    kept = resizes[r];
                }
            }
        }
        hashmap__check_invariants(m);
        hashmap_destroy(m);
    }
}
END_TEST

/* A packed entry is its header, key and extra, nothing more: a 10-byte
 * field with a 10-byte value fits the allocator's 32-byte class. */
START_TEST(packed_entries_have_no_padding)
{
    struct hashmap_hasher h = {hashmap_siphash, &test_hash_seed};
    struct hashmap *m = hashmap_create_with(&h, HASHMAP_PACKED);
    struct hashmap_entry *e = hashmap_insert(m, "f:00000001", 10,
                                             hashmap_hash(m, "f:00000001", 10), 10);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_eq(hashmap_entry_extra(e), hashmap_entry_key(e) + 10);
    ck_assert_uint_le(hashmap_entry_bytes(e), 32);
    hashmap_destroy(m);
}
END_TEST

START_TEST(entry_resize_works_inside_a_tree_bucket)
{
    struct hashmap *m = map_chosen();
    char k[CHOSEN_KEYLEN];
    for (uint32_t i = 0; i < 100; i++)
        put_chosen(m, filler_hash(i), i);
    for (uint32_t i = 0; i < 12; i++)
        put_chosen(m, 7, 1000 + i);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1);
    chosen_key(k, 7, 1005);
    struct hashmap_entry *e = hashmap_find(m, k, CHOSEN_KEYLEN, 7);
    e = hashmap_entry_resize(m, e, 4096);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_eq(hashmap_get(m, k, CHOSEN_KEYLEN), val(1006));
    ck_assert_ptr_eq(hashmap_find(m, k, CHOSEN_KEYLEN, 7), e);
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

/* ==========================================================================
 * Trees
 * ========================================================================== */

/* 40 fillers and a finished rehash: a 64-bucket table, bucket 7 empty. */
static struct hashmap *map_with_64_buckets(void)
{
    struct hashmap *m = map_chosen();
    for (uint32_t i = 0; i < 40; i++)
        put_chosen(m, filler_hash(i), i);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 64);
    return m;
}

START_TEST(ninth_collision_in_a_bucket_makes_a_tree)
{
    struct hashmap *m = map_with_64_buckets();
    for (uint32_t i = 0; i < 8; i++) {
        put_chosen(m, 7, 1000 + i);
        ck_assert_uint_eq(hashmap__tree_buckets(m), 0);
    }
    put_chosen(m, 7, 1008);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1);
    ck_assert_uint_eq(hashmap__buckets(m), 64);
    ck_assert(!hashmap_is_rehashing(m));
    ck_assert_int_le(hashmap__max_tree_height(m), avl_height_bound(9));
    for (uint32_t i = 0; i < 9; i++)
        ck_assert(has_chosen(m, 7, 1000 + i));
    ck_assert(!has_chosen(m, 7, 1009));
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

/* Prefetch hints read the map and change nothing: before the first
 * table, in a chain, in a tree bucket and during a rehash. */
START_TEST(prefetch_hints_change_nothing)
{
    struct hashmap *m = map_chosen();
    hashmap_prefetch_bucket(m, 7);
    hashmap_prefetch_entry(m, 7);
    m = (hashmap_destroy(m), map_with_64_buckets());
    for (uint32_t i = 0; i < 9; i++)
        put_chosen(m, 7, 1000 + i);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1);
    for (uint32_t i = 100; !hashmap_is_rehashing(m); i++)
        put_chosen(m, filler_hash(i), i);
    size_t bytes = hashmap_bytes(m), size = hashmap_size(m);
    for (uint64_t h = 0; h < 256; h++) {
        hashmap_prefetch_bucket(m, h);
        hashmap_prefetch_entry(m, h);
    }
    ck_assert_uint_eq(hashmap_bytes(m), bytes);
    ck_assert_uint_eq(hashmap_size(m), size);
    ck_assert(hashmap_is_rehashing(m));
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

START_TEST(deletes_take_a_tree_back_to_a_chain_at_six)
{
    struct hashmap *m = map_with_64_buckets();
    for (uint32_t i = 0; i < 9; i++)
        put_chosen(m, 7, 1000 + i);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1);
    del_chosen(m, 7, 1004);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1); /* 8 */
    del_chosen(m, 7, 1000);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1); /* 7 */
    hashmap__check_invariants(m);
    del_chosen(m, 7, 1008);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 0); /* 6: a chain again */
    hashmap__check_invariants(m);
    for (uint32_t i = 1; i < 8; i++)
        ck_assert(has_chosen(m, 7, 1000 + i) == (i != 4));
    /* Back above 8 it becomes a tree again. */
    put_chosen(m, 7, 1000);
    put_chosen(m, 7, 1004);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 0); /* 8 */
    put_chosen(m, 7, 1008);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1); /* 9 */
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

/* While resizes are deferred (a fork child shares the pages) a table
 * grows only past 5 times its load and never shrinks; once allowed
 * again, the next insert grows it and the next delete shrinks it. */
START_TEST(deferred_resizes_wait_for_five_times_the_load)
{
    struct hashmap *m = map_siphash();
    ck_assert(hashmap_reserve(m, 64));
    ck_assert_uint_eq(hashmap__buckets(m), 64);
    hashmap_defer_resizes(true);
    for (uint32_t i = 0; i < 64 * HASHMAP_FORCE_GROW_RATIO; i++)
        put_tagged(m, 'd', i);
    ck_assert_uint_eq(hashmap__buckets(m), 64);
    ck_assert(!hashmap_is_rehashing(m));
    put_tagged(m, 'd', 64 * HASHMAP_FORCE_GROW_RATIO); /* past 5x: grows all the same */
    ck_assert(hashmap_is_rehashing(m));
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 128);
    for (uint32_t i = 0; i < 64 * HASHMAP_FORCE_GROW_RATIO; i++)
        del_tagged(m, 'd', i);
    ck_assert_uint_eq(hashmap__buckets(m), 128); /* one left: no shrink */
    ck_assert(!hashmap_is_rehashing(m));
    hashmap_defer_resizes(false);
    put_tagged(m, 'd', 0);
    del_tagged(m, 'd', 0);
    ck_assert(hashmap_is_rehashing(m));
    finish_rehash(m);
    ck_assert_uint_lt(hashmap__buckets(m), 128);
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

START_TEST(reserve_presizes_so_inserts_never_grow)
{
    struct hashmap *m = map_siphash();
    ck_assert(hashmap_reserve(m, 1000));
    ck_assert_uint_eq(hashmap__buckets(m), 1024);
    ck_assert(!hashmap_is_rehashing(m));
    for (uint32_t i = 0; i < 1000; i++) {
        put_tagged(m, 'r', i);
        ck_assert(!hashmap_is_rehashing(m));
    }
    ck_assert_uint_eq(hashmap__buckets(m), 1024);
    ck_assert(hashmap_reserve(m, 10)); /* never shrinks */
    ck_assert_uint_eq(hashmap__buckets(m), 1024);
    ck_assert(hashmap_reserve(m, 5000)); /* a filled map grows the usual way */
    ck_assert(hashmap_is_rehashing(m));
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 8192);
    ck_assert_uint_eq(hashmap_size(m), 1000);
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

START_TEST(long_chain_in_a_small_table_grows_the_table_instead)
{
    struct hashmap *m = map_chosen();
    for (uint32_t i = 0; i < 17; i++)
        put_chosen(m, filler_hash(i), i);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 32);
    for (uint32_t i = 0; i < 8; i++)
        put_chosen(m, 7, 1000 + i);
    ck_assert(!hashmap_is_rehashing(m));
    ck_assert_uint_eq(hashmap__buckets(m), 32);
    put_chosen(m, 7, 1008); /* 26 keys in 32 buckets: not a load-factor grow */
    ck_assert_uint_le(hashmap_size(m), 32);
    ck_assert(hashmap_is_rehashing(m));
    ck_assert_uint_eq(hashmap__buckets(m), 64);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 0); /* no tree in a small table */
    hashmap__check_invariants(m);
    finish_rehash(m);
    /* Moved into 64 buckets, the nine keys now form a tree. */
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1);
    for (uint32_t i = 0; i < 9; i++)
        ck_assert(has_chosen(m, 7, 1000 + i));
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

static void require_all_chosen(struct hashmap *m, const uint64_t *hashes, uint32_t n,
                               const bool *gone)
{
    for (uint32_t i = 0; i < n; i++)
        REQUIRE(has_chosen(m, hashes[i], i) == !(gone && gone[i]));
}

START_TEST(tree_buckets_split_when_growing_and_merge_when_shrinking)
{
    enum { N = 160 };
    uint64_t hashes[N];
    bool gone[N] = {0};
    struct hashmap *m = map_chosen();
    /* ids 0..8 hash to 7, 9..17 to 71: one tree of 18 in 64 buckets. */
    for (uint32_t i = 0; i < N; i++)
        hashes[i] = i < 9 ? 7 : i < 18 ? 71 : filler_hash(i);
    for (uint32_t i = 0; i < 64; i++)
        put_chosen(m, hashes[i], i);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 64);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1);
    put_chosen(m, hashes[64], 64); /* 65 > 64: grow */
    ck_assert(hashmap_is_rehashing(m));
    while (hashmap_rehash_step(m, 1)) { /* correct at every step */
        require_all_chosen(m, hashes, 65, NULL);
        hashmap__check_invariants(m);
    }
    ck_assert_uint_eq(hashmap__buckets(m), 128);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 2); /* 9 in bucket 7, 9 in 71 */
    require_all_chosen(m, hashes, 65, NULL);

    /* Shrink: delete fillers and three tree keys until size < 128/8. */
    uint32_t doomed[] = {0, 9, 10};
    for (size_t i = 0; i < 3; i++) {
        del_chosen(m, hashes[doomed[i]], doomed[i]);
        gone[doomed[i]] = true;
    }
    ck_assert_uint_eq(hashmap__tree_buckets(m), 2); /* 8 and 7 keys */
    for (uint32_t i = 18; i < 65; i++) {
        del_chosen(m, hashes[i], i);
        gone[i] = true;
        require_all_chosen(m, hashes, 65, gone);
        hashmap__check_invariants(m);
    }
    finish_rehash(m);
    ck_assert_uint_eq(hashmap_size(m), 15);
    ck_assert_uint_eq(hashmap__buckets(m), 32);
    /* In 32 buckets, 7 and 71 share bucket 7: a chain of 15, no tree. */
    ck_assert_uint_eq(hashmap__tree_buckets(m), 0);
    require_all_chosen(m, hashes, 65, gone);
    hashmap__check_invariants(m);
    /* One more collision: the long chain in a small table grows it. */
    put_chosen(m, 7, 500);
    ck_assert_uint_eq(hashmap__buckets(m), 64);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1);
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

static void mark_seen_cb(struct hashmap_entry *e, void *ud)
{
    unsigned char *seen = ud;
    uint32_t id;
    memcpy(&id, hashmap_entry_key(e) + 8, sizeof id);
    REQUIRE(hashmap_entry_keylen(e) == CHOSEN_KEYLEN);
    seen[id]++;
}

START_TEST(hundred_thousand_colliding_keys_stay_correct_and_balanced)
{
    enum { N = 100000 };
    const uint64_t H = 0x1234; /* every key: one hash, one bucket */
    struct hashmap *m = map_chosen();
    unsigned char *seen = calloc(N, 1);
    char k[CHOSEN_KEYLEN];

    for (uint32_t i = 0; i < N; i++) {
        put_chosen(m, H, i);
        if ((i & (i + 1)) == 0) /* at 2^k - 1 */
            REQUIRE(hashmap__max_tree_height(m) <= avl_height_bound(i + 1));
    }
    finish_rehash(m);
    ck_assert_uint_eq(hashmap_size(m), N);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1);
    ck_assert_int_le(hashmap__max_tree_height(m), avl_height_bound(N));
    hashmap__check_invariants(m);

    for (uint32_t i = 0; i < N; i++)
        REQUIRE(has_chosen(m, H, i));
    REQUIRE(!has_chosen(m, H, N));
    REQUIRE(!has_chosen(m, H + 64, 1));

    /* Scan: every key, once (the table is stable). */
    uint64_t cursor = 0;
    do
        cursor = hashmap_scan(m, cursor, mark_seen_cb, seen);
    while (cursor);
    for (uint32_t i = 0; i < N; i++)
        REQUIRE(seen[i] == 1);

    /* Iterate, deleting every odd key on the way. */
    struct hashmap_iter it;
    struct hashmap_entry *e;
    size_t visited = 0;
    hashmap_iter_init(&it, m);
    while ((e = hashmap_iter_next(&it))) {
        uint32_t id;
        memcpy(&id, hashmap_entry_key(e) + 8, sizeof id);
        REQUIRE(seen[id] == 1);
        seen[id] = 2;
        visited++;
        if (id & 1)
            hashmap_remove(m, e);
    }
    hashmap_iter_deinit(&it);
    ck_assert_uint_eq(visited, N);
    ck_assert_uint_eq(hashmap_size(m), N / 2);
    finish_rehash(m);
    ck_assert_int_le(hashmap__max_tree_height(m), avl_height_bound(N / 2));
    hashmap__check_invariants(m);

    for (uint32_t i = 0; i < N; i++) {
        REQUIRE(has_chosen(m, H, i) == !(i & 1));
        if (!(i & 1))
            REQUIRE(hashmap_delete(m, chosen_key(k, H, i), CHOSEN_KEYLEN, NULL));
    }
    ck_assert_uint_eq(hashmap_size(m), 0);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 0);
    hashmap__check_invariants(m);
    free(seen);
    hashmap_destroy(m);
}
END_TEST

/* ==========================================================================
 * Resizing
 * ========================================================================== */

START_TEST(grows_when_size_exceeds_the_bucket_count)
{
    struct hashmap *m = map_siphash();
    size_t grows = 0, last = 0;
    for (uint32_t i = 0; i < 10000; i++) {
        put_tagged(m, 'k', i);
        if (hashmap__buckets(m) != last) {
            if (last)
                ck_assert_uint_eq(hashmap__buckets(m), 2 * last);
            last = hashmap__buckets(m);
            grows++;
        }
        if (!hashmap_is_rehashing(m))
            ck_assert_uint_le(hashmap_size(m), hashmap__buckets(m));
    }
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 16384);
    ck_assert_uint_eq(grows, 12); /* 8, 16, ..., 16384 */
    for (uint32_t i = 0; i < 10000; i++) {
        char k[TAGGED_KEYLEN];
        REQUIRE(hashmap_get(m, tagged_key(k, 'k', i), TAGGED_KEYLEN) == val(i + 1));
    }
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

START_TEST(no_single_write_rehashes_the_whole_table)
{
    struct hashmap *m = map_siphash();
    uint32_t i = 0;
    for (; i < 4096; i++)
        put_tagged(m, 'k', i);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 4096);
    put_tagged(m, 'k', i++); /* starts the grow to 8192 */
    ck_assert(hashmap_is_rehashing(m));
    /* Each write moves 2 buckets: 800 writes later it is still going. */
    for (int w = 0; w < 800; w++) {
        put_tagged(m, 'k', i++);
        REQUIRE(hashmap_is_rehashing(m));
    }
    hashmap__check_invariants(m);
    /* ...and the owner's step finishes it in slices. */
    size_t calls = 0;
    while (hashmap_rehash_step(m, 100))
        calls++;
    ck_assert_uint_ge(calls, 5);
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

START_TEST(every_key_is_findable_at_every_step_of_a_resize)
{
    struct hashmap *m = map_siphash();
    char k[TAGGED_KEYLEN];
    for (uint32_t i = 0; i < 513; i++)
        put_tagged(m, 'k', i); /* 513 > 512: grow starts */
    ck_assert(hashmap_is_rehashing(m));
    do {
        for (uint32_t i = 0; i < 513; i++)
            REQUIRE(hashmap_get(m, tagged_key(k, 'k', i), TAGGED_KEYLEN) == val(i + 1));
        hashmap__check_invariants(m);
    } while (hashmap_rehash_step(m, 1));
    /* And the same through a shrink: delete until one starts. */
    uint32_t deleted = 0;
    while (!hashmap_is_rehashing(m))
        del_tagged(m, 'k', deleted++);
    ck_assert_uint_eq(hashmap_size(m), 1024 / 8 - 1);
    do {
        for (uint32_t i = 0; i < 513; i++)
            REQUIRE((hashmap_get(m, tagged_key(k, 'k', i), TAGGED_KEYLEN) != NULL) ==
                    (i >= deleted));
        hashmap__check_invariants(m);
    } while (hashmap_rehash_step(m, 1));
    ck_assert_uint_eq(hashmap__buckets(m), 256);
    hashmap_destroy(m);
}
END_TEST

START_TEST(shrinks_when_size_falls_below_an_eighth)
{
    struct hashmap *m = map_siphash();
    bool saw_shrink = false;
    for (uint32_t i = 0; i < 10000; i++)
        put_tagged(m, 'k', i);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 16384);
    for (uint32_t i = 0; i < 9000; i++) {
        del_tagged(m, 'k', i);
        size_t size = hashmap_size(m);
        if (size >= 16384 / 8)
            REQUIRE(hashmap__buckets(m) == 16384); /* not yet */
        else if (hashmap__buckets(m) < 16384)
            saw_shrink = true;
    }
    ck_assert(saw_shrink);
    finish_rehash(m);
    /* 2047 keys left when it started: to 4096 buckets (load 1/2); 1000 is
     * not below 4096/8, so it stays there. */
    ck_assert_uint_eq(hashmap__buckets(m), 4096);
    for (uint32_t i = 0; i < 10000; i++) {
        char k[TAGGED_KEYLEN];
        REQUIRE((hashmap_get(m, tagged_key(k, 'k', i), TAGGED_KEYLEN) != NULL) == (i >= 9000));
    }
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

/* A dense map grows past load 2, shrinks below 1/8 to a load in (1/2, 1],
 * and reserves at load 2. */
START_TEST(a_dense_map_holds_two_entries_per_bucket)
{
    struct hashmap_hasher h = {hashmap_siphash, &test_hash_seed};
    struct hashmap *m = hashmap_create_with(&h, HASHMAP_DENSE);
    ck_assert_ptr_nonnull(m);
    for (uint32_t i = 0; i < 2048; i++)
        put_tagged(m, 'd', i);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 1024);
    put_tagged(m, 'd', 2048);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 2048);
    for (uint32_t i = 0; i <= 2048 - 255; i++)
        del_tagged(m, 'd', i); /* 255 left: under 2048 / 8 */
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 256);
    for (uint32_t i = 2048 - 254; i <= 2048; i++) {
        char k[TAGGED_KEYLEN];
        REQUIRE(hashmap_get(m, tagged_key(k, 'd', i), TAGGED_KEYLEN) != NULL);
    }
    hashmap__check_invariants(m);
    hashmap_destroy(m);

    m = hashmap_create_with(&h, HASHMAP_DENSE);
    ck_assert_ptr_nonnull(m);
    ck_assert(hashmap_reserve(m, 1000));
    ck_assert_uint_eq(hashmap__buckets(m), 512);
    hashmap_destroy(m);
}
END_TEST

START_TEST(never_shrinks_below_the_minimum)
{
    struct hashmap *m = map_siphash();
    for (uint32_t i = 0; i < 1000; i++)
        put_tagged(m, 'k', i);
    for (uint32_t i = 0; i < 1000; i++) {
        del_tagged(m, 'k', i);
        hashmap_rehash_step(m, 1);
    }
    finish_rehash(m);
    ck_assert_uint_eq(hashmap_size(m), 0);
    ck_assert_uint_eq(hashmap__buckets(m), 8);
    hashmap_maybe_shrink(m);
    ck_assert(!hashmap_is_rehashing(m));
    ck_assert_uint_eq(hashmap__buckets(m), 8);
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

/* Old tables of 1 MB and more hand their moved pages back to the kernel
 * (this one, 2 MB, is on huge pages where THP allows, split by the release)
 * during the rehash; the released part must still read as empty. */
START_TEST(a_big_table_stays_correct_while_its_moved_part_is_released)
{
    enum { N = 140000 };
    struct hashmap *m = map_siphash();
    char k[TAGGED_KEYLEN];
    uint32_t i = 0;
    for (; i <= 131072; i++)
        put_tagged(m, 'k', i);
    ck_assert(hashmap_is_rehashing(m)); /* 131072 -> 262144 buckets */
    for (; i < N; i++)
        put_tagged(m, 'k', i);
    do {
        hashmap__check_invariants(m);
        for (uint32_t j = 0; j < N; j += 97)
            REQUIRE(hashmap_get(m, tagged_key(k, 'k', j), TAGGED_KEYLEN) == val(j + 1));
    } while (hashmap_rehash_step(m, 8192));
    ck_assert_uint_eq(hashmap__buckets(m), 262144);
    /* Shrink from 2 MB of table. */
    uint32_t deleted = 0;
    while (!hashmap_is_rehashing(m))
        del_tagged(m, 'k', deleted++);
    do {
        hashmap__check_invariants(m);
        for (uint32_t j = 0; j < N; j += 97)
            REQUIRE((hashmap_get(m, tagged_key(k, 'k', j), TAGGED_KEYLEN) != NULL) == (j >= deleted));
    } while (hashmap_rehash_step(m, 16384));
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

/* Deletes can empty the old table before the rehash gets to its buckets
 * (here under an iterator, which holds the rehash still). */
START_TEST(emptying_the_old_table_mid_rehash_is_consistent)
{
    struct hashmap *m = map_siphash();
    struct hashmap_iter it;
    struct hashmap_entry *e;
    size_t removed = 0;
    for (uint32_t i = 0; i < 600; i++)
        put_tagged(m, 'k', i);
    ck_assert(hashmap_is_rehashing(m));
    hashmap_iter_init(&it, m);
    while ((e = hashmap_iter_next(&it))) {
        hashmap_remove(m, e);
        if (++removed % 50 == 0)
            hashmap__check_invariants(m);
    }
    ck_assert_uint_eq(removed, 600);
    ck_assert_uint_eq(hashmap_size(m), 0);
    ck_assert(hashmap_is_rehashing(m)); /* both tables empty, still held */
    hashmap__check_invariants(m);
    hashmap_iter_deinit(&it);
    ck_assert(!hashmap_rehash_step(m, 1)); /* retired by the next step */
    hashmap__check_invariants(m);
    put_tagged(m, 'k', 1);
    ck_assert_uint_eq(hashmap_size(m), 1);
    hashmap_destroy(m);
}
END_TEST

START_TEST(a_live_iterator_pauses_resizing)
{
    struct hashmap *m = map_siphash();
    struct hashmap_iter it;
    for (uint32_t i = 0; i < 600; i++)
        put_tagged(m, 'k', i);
    ck_assert(hashmap_is_rehashing(m));
    size_t bytes = hashmap_bytes(m);
    hashmap_iter_init(&it, m);
    ck_assert(hashmap_rehash_step(m, 1000000)); /* paused: still going */
    ck_assert_uint_eq(hashmap_bytes(m), bytes); /* and nothing moved */
    hashmap_iter_deinit(&it);
    ck_assert(!hashmap_rehash_step(m, 1000000));
    hashmap__check_invariants(m);
    hashmap_destroy(m);
}
END_TEST

/* ==========================================================================
 * Scan
 * ========================================================================== */

struct scan_seen {
    unsigned char *keep; /* per 'K' id: times seen */
    size_t others;
};

static void scan_seen_cb(struct hashmap_entry *e, void *ud)
{
    struct scan_seen *s = ud;
    if (hashmap_entry_key(e)[0] == 'K')
        s->keep[tagged_id(e)]++;
    else
        s->others++;
}

START_TEST(a_scan_of_a_stable_map_visits_every_key_once)
{
    enum { N = 5000 };
    struct hashmap *m = map_siphash();
    struct scan_seen s = {calloc(N, 1), 0};
    for (uint32_t i = 0; i < N; i++)
        put_tagged(m, 'K', i);
    finish_rehash(m);
    uint64_t cursor = 0;
    size_t calls = 0;
    do {
        cursor = hashmap_scan(m, cursor, scan_seen_cb, &s);
        calls++;
    } while (cursor);
    ck_assert_uint_eq(calls, hashmap__buckets(m));
    for (uint32_t i = 0; i < N; i++)
        REQUIRE(s.keep[i] == 1);
    free(s.keep);
    hashmap_destroy(m);
}
END_TEST

START_TEST(a_scan_across_a_grow_sees_every_key_present_throughout)
{
    enum { KEEP = 300 };
    struct hashmap *m = map_siphash();
    struct scan_seen s = {calloc(KEEP, 1), 0};
    uint32_t more = 0;
    size_t calls = 0, calls_rehashing = 0;
    for (uint32_t i = 0; i < KEEP; i++)
        put_tagged(m, 'K', i);
    size_t start_buckets = hashmap__buckets(m);
    uint64_t cursor = 0;
    do {
        cursor = hashmap_scan(m, cursor, scan_seen_cb, &s);
        calls_rehashing += hashmap_is_rehashing(m);
        calls++;
        /* The map grows between calls (up to a point: a scan chasing a
         * table that grows forever would never end). */
        for (int j = 0; j < 40 && more < 30000; j++)
            put_tagged(m, 'M', more++);
        REQUIRE(calls < 10000000);
    } while (cursor);
    ck_assert_uint_ge(hashmap__buckets(m), 64 * start_buckets);
    ck_assert_uint_gt(calls_rehashing, 0);
    for (uint32_t i = 0; i < KEEP; i++)
        REQUIRE(s.keep[i] >= 1);
    hashmap__check_invariants(m);
    free(s.keep);
    hashmap_destroy(m);
}
END_TEST

START_TEST(a_scan_across_a_shrink_sees_every_key_present_throughout)
{
    enum { KEEP = 300, MORE = 40000 };
    struct hashmap *m = map_siphash();
    struct scan_seen s = {calloc(KEEP, 1), 0};
    uint32_t deleted = 0;
    size_t calls = 0, calls_rehashing = 0;
    for (uint32_t i = 0; i < MORE; i++)
        put_tagged(m, 'M', i);
    for (uint32_t i = 0; i < KEEP; i++)
        put_tagged(m, 'K', i);
    finish_rehash(m);
    size_t start_buckets = hashmap__buckets(m);
    uint64_t cursor = 0;
    do {
        cursor = hashmap_scan(m, cursor, scan_seen_cb, &s);
        calls_rehashing += hashmap_is_rehashing(m);
        calls++;
        for (int j = 0; j < 200 && deleted < MORE; j++) /* shrinks between calls */
            del_tagged(m, 'M', deleted++);
        REQUIRE(calls < 10000000);
    } while (cursor);
    ck_assert_uint_le(hashmap__buckets(m) * 16, start_buckets);
    ck_assert_uint_gt(calls_rehashing, 0);
    for (uint32_t i = 0; i < KEEP; i++)
        REQUIRE(s.keep[i] >= 1);
    hashmap__check_invariants(m);
    free(s.keep);
    hashmap_destroy(m);
}
END_TEST

/* ==========================================================================
 * Iteration
 * ========================================================================== */

START_TEST(iteration_visits_every_entry_exactly_once_mid_rehash)
{
    enum { N = 1100 };
    struct hashmap *m = map_chosen();
    unsigned char *seen = calloc(N, 1);
    struct hashmap_iter it;
    struct hashmap_entry *e;
    size_t visited = 0;
    for (uint32_t i = 0; i < N; i++) /* ids 0..29 make a tree */
        put_chosen(m, i < 30 ? 7 : filler_hash(i), i);
    ck_assert(hashmap_is_rehashing(m)); /* 1100 > 1024: growing */
    ck_assert_uint_ge(hashmap__tree_buckets(m), 1);
    hashmap_iter_init(&it, m);
    while ((e = hashmap_iter_next(&it))) {
        uint32_t id;
        memcpy(&id, hashmap_entry_key(e) + 8, sizeof id);
        REQUIRE(id < N && seen[id] == 0);
        seen[id] = 1;
        visited++;
    }
    ck_assert_ptr_null(hashmap_iter_next(&it)); /* stays finished */
    hashmap_iter_deinit(&it);
    ck_assert_uint_eq(visited, N);
    free(seen);
    hashmap_destroy(m);
}
END_TEST

START_TEST(deleting_the_current_entry_during_iteration_is_safe)
{
    enum { N = 3000 };
    struct hashmap *m = map_chosen();
    unsigned char *seen = calloc(N, 1);
    struct hashmap_iter it;
    struct hashmap_entry *e;
    size_t visited = 0;
    /* ids 0..17 in one tree bucket: deleting two in three of them
     * mid-iteration turns the tree into a chain under the iterator. */
    for (uint32_t i = 0; i < N; i++)
        put_chosen(m, i < 18 ? 7 : filler_hash(i), i);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1);
    hashmap_iter_init(&it, m);
    while ((e = hashmap_iter_next(&it))) {
        uint32_t id;
        memcpy(&id, hashmap_entry_key(e) + 8, sizeof id);
        REQUIRE(id < N && seen[id] == 0);
        seen[id] = 1;
        visited++;
        if (id % 3 != 0)
            hashmap_remove(m, e);
    }
    hashmap_iter_deinit(&it);
    ck_assert_uint_eq(visited, N);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 0); /* 6 of 18 left */
    for (uint32_t i = 0; i < N; i++)
        REQUIRE(has_chosen(m, i < 18 ? 7 : filler_hash(i), i) == (i % 3 == 0));
    hashmap__check_invariants(m);

    /* Deleting everything while iterating, then letting go, shrinks. */
    hashmap_iter_init(&it, m);
    while ((e = hashmap_iter_next(&it)))
        hashmap_remove(m, e);
    ck_assert_uint_eq(hashmap__buckets(m), 4096); /* paused */
    hashmap_iter_deinit(&it);
    ck_assert_uint_eq(hashmap_size(m), 0);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__buckets(m), 8);
    hashmap__check_invariants(m);
    free(seen);
    hashmap_destroy(m);
}
END_TEST

/* ==========================================================================
 * Random picks: every entry equally likely, whatever its bucket
 * ========================================================================== */

/* Pearson's statistic of `draws` picks over k equally likely outcomes
 * that came out counts[0..k). */
static double chi_square(const size_t *counts, size_t k, size_t draws)
{
    double expected = (double)draws / (double)k, x = 0;
    for (size_t i = 0; i < k; i++)
        x += ((double)counts[i] - expected) * ((double)counts[i] - expected) / expected;
    return x;
}

/* Draw 200 picks per key of ids 0..k-1 (the id after the 8 hash bytes)
 * and fail when the statistic passes dof + 7 standard deviations (about
 * 40 for 9 degrees of freedom: well under a 1-in-100,000 event for a fair
 * pick; Redis's bucket-then-chain pick fails any of these by far). */
static void require_uniform(struct hashmap *m, uint32_t k)
{
    size_t *counts = calloc(k, sizeof(*counts)), draws = 200 * (size_t)k;
    struct rng r = {test_seed()};
    for (size_t i = 0; i < draws; i++) {
        struct hashmap_entry *e = hashmap_random(m, rng_cb, &r);
        uint32_t id;
        REQUIRE(e != NULL && hashmap_entry_keylen(e) == CHOSEN_KEYLEN);
        memcpy(&id, hashmap_entry_key(e) + 8, sizeof id);
        REQUIRE(id < k);
        counts[id]++;
    }
    double dof = (double)k - 1, x = chi_square(counts, k, draws);
    ck_assert_msg(x < dof + 7 * sqrt(2 * dof), "chi-square %.1f over %u keys", x, k);
    free(counts);
}

START_TEST(random_is_uniform_over_a_long_chain_and_singletons)
{
    struct hashmap *m = map_chosen();
    /* 8 buckets: six keys share bucket 7, four have one each. */
    for (uint32_t id = 0; id < 6; id++)
        put_chosen(m, 7, id);
    for (uint32_t id = 6; id < 8; id++)
        put_chosen(m, id - 6, id);
    ck_assert(!hashmap_is_rehashing(m));
    require_uniform(m, 8);
    hashmap_destroy(m);
}
END_TEST

START_TEST(random_is_uniform_while_two_tables_are_live)
{
    struct hashmap *m = map_chosen();
    for (uint32_t id = 0; id < 9; id++) /* the 9th starts a grow to 16 */
        put_chosen(m, id < 5 ? 3 : id, id);
    ck_assert(hashmap_is_rehashing(m));
    require_uniform(m, 9);
    hashmap_rehash_step(m, 4); /* part moved, part not */
    require_uniform(m, 9);
    hashmap_destroy(m);
}
END_TEST

START_TEST(random_is_uniform_over_a_tree_bucket_and_chains)
{
    struct hashmap *m = map_chosen();
    /* 20 keys in one tree bucket of a 128-bucket table, 80 elsewhere. */
    for (uint32_t id = 0; id < 100; id++)
        put_chosen(m, id < 20 ? 7 : filler_hash(id), id);
    finish_rehash(m);
    ck_assert_uint_eq(hashmap__tree_buckets(m), 1);
    require_uniform(m, 100);
    hashmap_destroy(m);
}
END_TEST

/* Samples of at least `want` (the eviction pool's default is 5) and at
 * most `cap` over ids 0..k-1, 200 inclusions per key expected: every key
 * equally likely to be in one, by the same chi-square bound as
 * require_uniform. */
static void require_fair_samples(struct hashmap *m, uint32_t k, size_t want, size_t cap)
{
    size_t *counts = calloc(k, sizeof(*counts)), seen = 0;
    struct hashmap_entry *got[64];
    struct rng r = {test_seed()};
    while (seen < 200 * (size_t)k) {
        size_t n = hashmap_sample(m, rng_cb, &r, got, want, cap);
        REQUIRE(n >= 1 && n <= cap);
        for (size_t i = 0; i < n; i++) {
            uint32_t id;
            REQUIRE(hashmap_entry_keylen(got[i]) == CHOSEN_KEYLEN);
            memcpy(&id, hashmap_entry_key(got[i]) + 8, sizeof id);
            REQUIRE(id < k);
            counts[id]++;
        }
        seen += n;
    }
    double dof = (double)k - 1, x = chi_square(counts, k, seen);
    ck_assert_msg(x < dof + 7 * sqrt(2 * dof), "chi-square %.1f over %u keys", x, k);
    free(counts);
}

START_TEST(samples_favour_no_key)
{
    struct hashmap *m = map_chosen();
    struct hashmap_entry *got[4];
    struct rng r = {test_seed()};
    ck_assert_uint_eq(hashmap_sample(m, rng_cb, &r, got, 4, 4), 0);
    /* 20 keys in one tree bucket of a 128-bucket table, 80 elsewhere in
     * chains of one to three. */
    for (uint32_t id = 0; id < 100; id++)
        put_chosen(m, id < 20 ? 7 : filler_hash(id) % 40, id);
    finish_rehash(m);
    require_fair_samples(m, 100, 1, 20);
    require_fair_samples(m, 100, 5, 64);
    hashmap_destroy(m);
}
END_TEST

/* ==========================================================================
 * The model: random operations against an obviously correct reference.
 *
 * Keys are small integer ids (a small key space, so operations hit the
 * same keys again and again): id 0 is the empty key, id i is its 4 bytes
 * little endian followed by i % 11 NUL bytes. The reference is a plain
 * array indexed by id. Every entry has an extra region of at least 8
 * bytes; the first 8 hold the value pointer (so the value API and the
 * entry API agree on one map), the rest a pattern up to fill_len and
 * zeroes after it.
 * ========================================================================== */

#define MODEL_KEYS 4096
#define MODEL_KEYMAX 16

struct model {
    struct hashmap *map;
    bool packed; /* HASHMAP_PACKED | HASHMAP_DENSE: extras at any byte */
    struct rng rng;
    uint64_t seed;
    size_t step;
    bool oom; /* allocations are failing: adds and resizes may fail */
    size_t size, key_space;
    unsigned add_percent;      /* of mutations */
    unsigned mutate_permille;  /* of steps: few writes keep a rehash going */
    bool present[MODEL_KEYS];
    uint64_t value[MODEL_KEYS];
    size_t extra_size[MODEL_KEYS];
    size_t fill_len[MODEL_KEYS];
    /* the running scan */
    bool scanning;
    uint64_t cursor;
    bool throughout[MODEL_KEYS];
    bool seen[MODEL_KEYS];
    /* coverage, printed at the end so a reader can see what was exercised */
    size_t scans_done, iterations, samples_checked, steps_rehashing, checks_with_trees;
};

#define MREQUIRE(m, cond)                                                           \
    do {                                                                            \
        if (!(cond))                                                                \
            ck_abort_msg("model: %s (line %d) failed at step %zu, GROVE_TEST_SEED=0x%llx", \
                         #cond, __LINE__, (m)->step, (unsigned long long)(m)->seed);       \
    } while (0)

static size_t model_key(uint32_t id, char *buf)
{
    if (id == 0)
        return 0;
    memcpy(buf, &id, 4);
    memset(buf + 4, 0, id % 11);
    return 4 + id % 11;
}

static uint32_t model_id(const char *key, size_t len)
{
    uint32_t id = 0;
    if (len)
        memcpy(&id, key, 4);
    return id;
}

/* Weak hashes: 97 distinct values for 4096 keys, so trees form. The plain
 * one keeps every key in buckets 0..96; the spread one scatters the 97
 * classes over the table so tree buckets move when it resizes. */
static uint64_t weak_hash(const void *key, size_t len, const void *ctx)
{
    (void)ctx;
    return model_id(key, len) % 97;
}

static uint64_t weak_spread_hash(const void *key, size_t len, const void *ctx)
{
    (void)ctx;
    return (model_id(key, len) % 97 + 1) * 0x9e3779b97f4a7c15ULL;
}

static unsigned char pattern_byte(uint32_t id, size_t i)
{
    return (unsigned char)(id * 31 + i * 7 + 1);
}

static size_t pick_extra_size(struct model *m)
{
    static const size_t sizes[] = {8, 9, 16, 24, 31, 40, 64, 100, 256};
    if (test_rng_below(&m->rng, 2000) == 0)
        return test_rng_below(&m->rng, 2) ? 65535 : 70001; /* the large layout */
    return sizes[test_rng_below(&m->rng, sizeof sizes / sizeof sizes[0])];
}

static void model_verify_entry(struct model *m, uint32_t id, const struct hashmap_entry *e)
{
    char key[MODEL_KEYMAX];
    size_t len = model_key(id, key);
    const unsigned char *x = hashmap_entry_extra(e);
    MREQUIRE(m, m->present[id]);
    MREQUIRE(m, hashmap_entry_keylen(e) == len);
    MREQUIRE(m, len == 0 || memcmp(hashmap_entry_key(e), key, len) == 0);
    MREQUIRE(m, hashmap_entry_extra_size(e) == m->extra_size[id]);
    MREQUIRE(m, m->packed || (uintptr_t)x % 8 == 0);
    if (!m->packed) {
        size_t klen;
        MREQUIRE(m, hashmap_extra_key(x, &klen) == hashmap_entry_key(e) && klen == len);
    }
    MREQUIRE(m, hashmap_entry_value(e) == val(m->value[id]));
    for (size_t i = 8; i < m->fill_len[id]; i++)
        MREQUIRE(m, x[i] == pattern_byte(id, i));
    MREQUIRE(m, all_zero(x + m->fill_len[id], m->extra_size[id] - m->fill_len[id]));
}

static void model_forget(struct model *m, uint32_t id)
{
    m->present[id] = false;
    m->throughout[id] = false;
    m->size--;
}

static struct hashmap_entry *model_find(struct model *m, uint32_t id)
{
    char key[MODEL_KEYMAX];
    size_t len = model_key(id, key);
    struct hashmap_entry *e = hashmap_find(m->map, key, len, hashmap_hash(m->map, key, len));
    MREQUIRE(m, (e != NULL) == m->present[id]);
    if (e)
        model_verify_entry(m, id, e);
    return e;
}

static void op_put(struct model *m, uint32_t id)
{
    char key[MODEL_KEYMAX];
    size_t len = model_key(id, key);
    uint64_t v = rng_next(&m->rng) | 1;
    void *old = val(0xbad);
    int rc = hashmap_put(m->map, key, len, val(v), &old);
    if (rc == HASHMAP_ENOMEM && m->oom && !m->present[id]) {
        MREQUIRE(m, old == NULL);
        return;
    }
    MREQUIRE(m, rc == HASHMAP_OK);
    if (m->present[id]) {
        MREQUIRE(m, old == val(m->value[id]));
    } else {
        MREQUIRE(m, old == NULL);
        m->present[id] = true;
        m->size++;
        m->extra_size[id] = m->fill_len[id] = sizeof(void *);
    }
    m->value[id] = v;
}

static void op_insert(struct model *m, uint32_t id)
{
    char key[MODEL_KEYMAX];
    size_t len = model_key(id, key);
    uint64_t h = hashmap_hash(m->map, key, len);
    if (model_find(m, id))
        return;
    size_t extra = pick_extra_size(m);
    struct hashmap_entry *e = hashmap_insert(m->map, key, len, h, extra);
    if (!e) {
        MREQUIRE(m, m->oom);
        return;
    }
    unsigned char *x = hashmap_entry_extra(e);
    MREQUIRE(m, hashmap_entry_extra_size(e) == extra && all_zero(x, extra));
    m->value[id] = rng_next(&m->rng) | 1;
    memcpy(x, &(void *){val(m->value[id])}, sizeof(void *));
    for (size_t i = 8; i < extra; i++)
        x[i] = pattern_byte(id, i);
    m->present[id] = true;
    m->size++;
    m->extra_size[id] = m->fill_len[id] = extra;
}

static void op_delete(struct model *m, uint32_t id)
{
    char key[MODEL_KEYMAX];
    size_t len = model_key(id, key);
    void *v = NULL;
    MREQUIRE(m, hashmap_delete(m->map, key, len, &v) == m->present[id]);
    if (m->present[id]) {
        MREQUIRE(m, v == val(m->value[id]));
        model_forget(m, id);
    }
}

static void op_remove(struct model *m, uint32_t id)
{
    struct hashmap_entry *e = model_find(m, id);
    if (!e)
        return;
    hashmap_remove(m->map, e);
    model_forget(m, id);
}

static void op_get(struct model *m, uint32_t id)
{
    char key[MODEL_KEYMAX];
    size_t len = model_key(id, key);
    void *v = hashmap_get(m->map, key, len);
    MREQUIRE(m, v == (m->present[id] ? val(m->value[id]) : NULL));
}

static void op_resize(struct model *m, uint32_t id)
{
    struct hashmap_entry *e = model_find(m, id);
    if (!e)
        return;
    size_t size = pick_extra_size(m);
    struct hashmap_entry *ne = hashmap_entry_resize(m->map, e, size);
    if (!ne) {
        MREQUIRE(m, m->oom);
        model_verify_entry(m, id, e); /* the old one stays valid */
        return;
    }
    m->extra_size[id] = size;
    if (m->fill_len[id] > size)
        m->fill_len[id] = size;
    model_verify_entry(m, id, ne);
}

static void model_scan_cb(struct hashmap_entry *e, void *ud)
{
    struct model *m = ud;
    uint32_t id = model_id(hashmap_entry_key(e), hashmap_entry_keylen(e));
    MREQUIRE(m, id < MODEL_KEYS && m->present[id]);
    model_verify_entry(m, id, e);
    m->seen[id] = true;
}

static void op_scan(struct model *m)
{
    if (!m->scanning) {
        m->scanning = true;
        m->cursor = 0;
        memcpy(m->throughout, m->present, sizeof m->present);
        memset(m->seen, 0, sizeof m->seen);
    }
    for (int calls = 1 + (int)test_rng_below(&m->rng, 16); calls > 0 && m->scanning; calls--) {
        m->cursor = hashmap_scan(m->map, m->cursor, model_scan_cb, m);
        if (m->cursor != 0)
            continue;
        for (uint32_t id = 0; id < MODEL_KEYS; id++)
            MREQUIRE(m, !m->throughout[id] || m->seen[id]);
        m->scanning = false;
        m->scans_done++;
    }
}

static void op_random(struct model *m)
{
    struct hashmap_entry *e = hashmap_random(m->map, rng_cb, &m->rng);
    MREQUIRE(m, (e == NULL) == (m->size == 0));
    if (e == NULL)
        return;
    model_verify_entry(m, model_id(hashmap_entry_key(e), hashmap_entry_keylen(e)), e);
    m->samples_checked++;
}

/* Walk everything, removing some current entries: exactly once each. */
static void op_iterate(struct model *m)
{
    static bool visited[MODEL_KEYS];
    struct hashmap_iter it;
    struct hashmap_entry *e;
    size_t count = 0, size = m->size;
    memset(visited, 0, sizeof visited);
    hashmap_iter_init(&it, m->map);
    while ((e = hashmap_iter_next(&it))) {
        uint32_t id = model_id(hashmap_entry_key(e), hashmap_entry_keylen(e));
        MREQUIRE(m, id < MODEL_KEYS && !visited[id]);
        model_verify_entry(m, id, e);
        visited[id] = true;
        count++;
        if (test_rng_below(&m->rng, 4) == 0) {
            hashmap_remove(m->map, e);
            model_forget(m, id);
        }
        if (test_rng_below(&m->rng, 16) == 0)
            hashmap_rehash_step(m->map, 4); /* paused: must not move anything */
        if (test_rng_below(&m->rng, 256) == 0)
            hashmap__check_invariants(m->map); /* mid-iteration states too */
    }
    hashmap_iter_deinit(&it);
    MREQUIRE(m, count == size);
    m->iterations++;
}

static void model_compare_all(struct model *m)
{
    for (uint32_t id = 0; id < MODEL_KEYS; id++)
        model_find(m, id);
    MREQUIRE(m, hashmap_size(m->map) == m->size);
    hashmap__check_invariants(m->map);
    m->checks_with_trees += hashmap__tree_buckets(m->map) > 0;
}

static void model_mutate(struct model *m, uint32_t id)
{
    bool add = test_rng_below(&m->rng, 100) < m->add_percent;
    bool value_api = test_rng_below(&m->rng, 2);
    if (add)
        value_api ? op_put(m, id) : op_insert(m, id);
    else
        value_api ? op_delete(m, id) : op_remove(m, id);
}

static void model_step(struct model *m)
{
    uint32_t id = (uint32_t)test_rng_below(&m->rng, m->key_space);
    if (test_rng_below(&m->rng, 1000) < m->mutate_permille) {
        model_mutate(m, id);
    } else {
        unsigned r = (unsigned)test_rng_below(&m->rng, 100);
        if (r < 25)
            op_get(m, id);
        else if (r < 40)
            model_find(m, id);
        else if (r < 55)
            op_resize(m, id);
        else if (r < 75)
            op_scan(m);
        else if (r < 76)
            hashmap_rehash_step(m->map, 1 + test_rng_below(&m->rng, 4));
        else if (r < 92)
            op_random(m);
        else if (r < 99)
            hashmap_maybe_shrink(m->map);
        else if (test_rng_below(&m->rng, 50) == 0)
            op_iterate(m);
    }
    MREQUIRE(m, hashmap_size(m->map) == m->size);
    m->steps_rehashing += hashmap_is_rehashing(m->map);
}

/* Phases push the size up and down so the table grows and shrinks, and
 * read-mostly phases keep a resize in progress for many steps (writes and
 * rehash steps are what move buckets). */
static void model_new_phase(struct model *m)
{
    static const size_t spaces[] = {16, 200, 1000, MODEL_KEYS};
    static const unsigned adds[] = {10, 50, 90};
    static const unsigned mutates[] = {30, 300, 700};
    m->key_space = spaces[test_rng_below(&m->rng, 4)];
    m->add_percent = adds[test_rng_below(&m->rng, 3)];
    m->mutate_permille = mutates[test_rng_below(&m->rng, 3)];
}

static void model_run(const struct hashmap_hasher *hasher, size_t steps, uint64_t seed,
                      uint64_t fail_every, bool packed)
{
    struct model *m = calloc(1, sizeof *m);
    ck_assert_ptr_nonnull(m);
    /* Packed runs are dense too, as a set's or a hash's map is. */
    m->map = hashmap_create_with(hasher, packed ? HASHMAP_PACKED | HASHMAP_DENSE : 0);
    m->packed = packed;
    m->seed = seed;
    m->rng.s = seed;
    fprintf(stderr, "model: %zu steps, GROVE_TEST_SEED=0x%llx%s%s\n", steps,
            (unsigned long long)seed, fail_every ? " (failing allocations)" : "",
            packed ? " (packed)" : "");
    for (m->step = 0; m->step < steps; m->step++) {
        if (m->step % 5000 == 0)
            model_new_phase(m);
        if (fail_every && m->step % 5000 == 0) {
            /* Alternate failing and healthy stretches. */
            static const uint64_t everys[] = {2, 3, 7, 31, 0};
            m->oom = true; /* failures may still be pending from the last */
            hashmap__fail_allocations(m->map, everys[test_rng_below(&m->rng, 5)]);
        }
        model_step(m);
        if (m->step % 1000 == 999)
            model_compare_all(m);
    }
    hashmap__fail_allocations(m->map, 0);
    model_compare_all(m);
    fprintf(stderr,
            "model: done: %zu scans completed, %zu iterations, %zu samples, %zu steps "
            "mid-rehash, %zu of %zu full checks saw tree buckets\n",
            m->scans_done, m->iterations, m->samples_checked, m->steps_rehashing,
            m->checks_with_trees, steps / 1000 + 1);
    hashmap_destroy(m->map);
    free(m);
}

/* The long model runs take a minute under AddressSanitizer, where what it
 * adds (bad accesses, leaks) shows within a quarter of the steps; the
 * normal build runs them all. */
#if defined(__SANITIZE_ADDRESS__)
#define MODEL_SCALE 4
#else
#define MODEL_SCALE 1
#endif

START_TEST(random_operations_match_the_model)
{
    struct hashmap_hasher h = {hashmap_siphash, &test_hash_seed};
    model_run(&h, 2000000 / MODEL_SCALE, test_seed(), 0, false);
    model_run(&h, 2000000 / MODEL_SCALE, test_seed() ^ 0x3c3c3c3c, 0, true);
}
END_TEST

START_TEST(random_operations_with_a_weak_hash_match_the_model)
{
    struct hashmap_hasher plain = {weak_hash, NULL}, spread = {weak_spread_hash, NULL};
    model_run(&plain, 1000000 / MODEL_SCALE, test_seed() ^ 0x5a5a5a5a, 0, false);
    model_run(&spread, 2000000 / MODEL_SCALE, test_seed() ^ 0xa5a5a5a5, 0, true);
}
END_TEST

/* ==========================================================================
 * Out of memory
 * ========================================================================== */

START_TEST(allocation_failures_leave_the_map_consistent)
{
    struct hashmap_hasher weak = {weak_spread_hash, NULL};
    struct hashmap_hasher sip = {hashmap_siphash, &test_hash_seed};
    model_run(&sip, 200000, test_seed() ^ 0x00f00f00, 1, false);
    model_run(&weak, 200000, test_seed() ^ 0x0ff0, 1, true);
}
END_TEST

START_TEST(a_failed_put_changes_nothing)
{
    struct hashmap *m = map_siphash();
    for (uint32_t i = 0; i < 100; i++)
        put_tagged(m, 'k', i);
    size_t bytes = hashmap_bytes(m), size = hashmap_size(m);
    hashmap__fail_allocations(m, 1); /* every allocation fails */
    char k[TAGGED_KEYLEN];
    ck_assert_int_eq(hashmap_put(m, tagged_key(k, 'x', 1), TAGGED_KEYLEN, val(1), NULL),
                     HASHMAP_ENOMEM);
    ck_assert_ptr_null(hashmap_insert(m, k, TAGGED_KEYLEN, hashmap_hash(m, k, TAGGED_KEYLEN), 8));
    tagged_key(k, 'k', 5);
    struct hashmap_entry *e = hashmap_find(m, k, TAGGED_KEYLEN, hashmap_hash(m, k, TAGGED_KEYLEN));
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_null(hashmap_entry_resize(m, e, 1000));
    ck_assert_ptr_eq(hashmap_entry_value(e), val(6));
    ck_assert_uint_eq(hashmap_size(m), size);
    finish_rehash(m);
    ck_assert_uint_le(hashmap_bytes(m), bytes); /* no leak */
    /* Replacing needs no memory. */
    ck_assert_int_eq(hashmap_put(m, tagged_key(k, 'k', 5), TAGGED_KEYLEN, val(50), NULL), 0);
    ck_assert_ptr_eq(hashmap_get(m, k, TAGGED_KEYLEN), val(50));
    hashmap__check_invariants(m);
    hashmap__fail_allocations(m, 0);
    hashmap_destroy(m);
}
END_TEST

/* ==========================================================================
 * Suite
 * ========================================================================== */

static TCase *tcase(Suite *s, const char *name, double timeout)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, timeout);
    suite_add_tcase(s, tc);
    return tc;
}

static Suite *hashmap_suite(void)
{
    Suite *s = suite_create("hashmap");
    TCase *tc;

    tc = tcase(s, "hash", 30);
    tcase_add_test(tc, siphash_2_4_matches_the_reference_vectors);
    tcase_add_test(tc, siphash_1_3_matches_the_reference_vectors);
    tcase_add_test(tc, different_seeds_give_different_hashes);

    tc = tcase(s, "basics", 60);
    tcase_add_test(tc, empty_map_finds_nothing);
    tcase_add_test(tc, put_then_get_returns_the_value);
    tcase_add_test(tc, put_replaces_and_returns_the_old_value);
    tcase_add_test(tc, delete_returns_the_value_and_forgets_the_key);
    tcase_add_test(tc, the_empty_key_is_a_key);
    tcase_add_test(tc, keys_with_nul_bytes_are_distinct);
    tcase_add_test(tc, one_megabyte_keys_work);
    tcase_add_test(tc, clear_calls_free_cb_for_every_entry_and_empties_the_map);
    tcase_add_test(tc, bytes_count_tables_and_entries);

    tc = tcase(s, "entries", 60);
    tcase_add_test(tc, insert_gives_a_zeroed_aligned_extra_of_the_exact_size);
    tcase_add_test(tc, entry_resize_keeps_the_key_and_the_data);
    tcase_add_test(tc, entry_resize_works_inside_a_tree_bucket);
    tcase_add_test(tc, entries_keep_key_and_extra_at_every_varint_length);
    tcase_add_test(tc, packed_entries_have_no_padding);

    tc = tcase(s, "trees", 300);
    tcase_add_test(tc, ninth_collision_in_a_bucket_makes_a_tree);
    tcase_add_test(tc, deletes_take_a_tree_back_to_a_chain_at_six);
    tcase_add_test(tc, prefetch_hints_change_nothing);
    tcase_add_test(tc, long_chain_in_a_small_table_grows_the_table_instead);
    tcase_add_test(tc, tree_buckets_split_when_growing_and_merge_when_shrinking);
    tcase_add_test(tc, hundred_thousand_colliding_keys_stay_correct_and_balanced);

    tc = tcase(s, "resize", 300);
    tcase_add_test(tc, reserve_presizes_so_inserts_never_grow);
    tcase_add_test(tc, deferred_resizes_wait_for_five_times_the_load);
    tcase_add_test(tc, grows_when_size_exceeds_the_bucket_count);
    tcase_add_test(tc, no_single_write_rehashes_the_whole_table);
    tcase_add_test(tc, every_key_is_findable_at_every_step_of_a_resize);
    tcase_add_test(tc, shrinks_when_size_falls_below_an_eighth);
    tcase_add_test(tc, a_dense_map_holds_two_entries_per_bucket);
    tcase_add_test(tc, never_shrinks_below_the_minimum);
    tcase_add_test(tc, a_big_table_stays_correct_while_its_moved_part_is_released);
    tcase_add_test(tc, emptying_the_old_table_mid_rehash_is_consistent);
    tcase_add_test(tc, a_live_iterator_pauses_resizing);

    tc = tcase(s, "scan", 300);
    tcase_add_test(tc, a_scan_of_a_stable_map_visits_every_key_once);
    tcase_add_test(tc, a_scan_across_a_grow_sees_every_key_present_throughout);
    tcase_add_test(tc, a_scan_across_a_shrink_sees_every_key_present_throughout);

    tc = tcase(s, "iteration", 300);
    tcase_add_test(tc, iteration_visits_every_entry_exactly_once_mid_rehash);
    tcase_add_test(tc, deleting_the_current_entry_during_iteration_is_safe);

    tc = tcase(s, "random", 300);
    tcase_add_test(tc, random_is_uniform_over_a_long_chain_and_singletons);
    tcase_add_test(tc, random_is_uniform_while_two_tables_are_live);
    tcase_add_test(tc, random_is_uniform_over_a_tree_bucket_and_chains);
    tcase_add_test(tc, samples_favour_no_key);

    tc = tcase(s, "oom", 600);
    tcase_add_test(tc, a_failed_put_changes_nothing);
    tcase_add_test(tc, allocation_failures_leave_the_map_consistent);

    tc = tcase(s, "model", 900);
    tcase_add_test(tc, random_operations_match_the_model);
    tcase_add_test(tc, random_operations_with_a_weak_hash_match_the_model);
    return s;
}

int main(void)
{
    fprintf(stderr, "check_hashmap: GROVE_TEST_SEED=0x%llx\n", (unsigned long long)test_seed());
    SRunner *sr = srunner_create(hashmap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
