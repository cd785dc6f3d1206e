/*
 * check_keyspace.c - sharded databases, expiry, scan (core/keyspace.c).
 *
 * The model test and the concurrency test use a random seed printed at
 * start; set GROVE_TEST_SEED=<n> to replay a run.
 */
#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyspace.h"

#define NOW 1700000000000LL

/* ==== fixtures ============================================================= */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* A fixed hash (FNV-1a, then mixed so the top bits spread over shards). */
static uint64_t test_hash(const void *key, size_t len, const void *ctx)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ull;

    (void)ctx;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return mix64(h);
}

static struct keyspace *ks_new(unsigned dbs, unsigned bits, uint64_t seed)
{
    struct keyspace_config cfg;
    struct keyspace *ks = NULL;

    keyspace_config_default(&cfg);
    cfg.databases = dbs;
    cfg.shard_bits = bits;
    cfg.hasher.fn = test_hash;
    cfg.seed = seed;
    ck_assert_int_eq(keyspace_create(&cfg, &ks), KEYSPACE_OK);
    return ks;
}

static struct keyspace *ks;
static struct keyspace_db *db0;

static void setup(void)
{
    ks = ks_new(16, 4, 42);
    db0 = keyspace_db(ks, 0);
}

static void teardown(void)
{
    keyspace__check_invariants(ks);
    keyspace_destroy(ks);
    ks = NULL;
}

static uint64_t seed_from_env(uint64_t fallback)
{
    const char *s = getenv("GROVE_TEST_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 0) : fallback;

    printf("%s: seed %" PRIu64 " (GROVE_TEST_SEED to replay)\n", __FILE__, seed);
    return seed;
}

static uint64_t rng_next(uint64_t *st)
{
    *st += 0x9e3779b97f4a7c15ull;
    return mix64(*st);
}

/* ---- one-key helpers: lock, act, unlock ---------------------------------- */

static struct keyspace_shard *key_of(struct keyspace_db *db, const char *k,
                                     struct keyspace_key *key)
{
    keyspace_key_init(ks, key, k, strlen(k));
    return keyspace_shard_of(db, key);
}

static void put_ttl(struct keyspace_db *db, const char *k, const char *v, int64_t at)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db, k, &key);

    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_set_string(sh, &key, v, strlen(v), OBJECT_STR_TRY, at, NOW, NULL),
                     KEYSPACE_OK);
    keyspace_shard_unlock(sh);
}

static void put(struct keyspace_db *db, const char *k, const char *v)
{
    put_ttl(db, k, v, KEYSPACE_TTL_NONE);
}

/* The value of k at time now into buf (NUL-terminated); false if absent. */
static bool get_at(struct keyspace_db *db, const char *k, int64_t now, char *buf, size_t cap)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db, k, &key);
    struct hashmap_entry *e;
    char scratch[OBJECT_INT_BUFSIZE];
    const char *p;
    size_t len = 0;

    keyspace_shard_lock(sh);
    e = keyspace_find(sh, &key, now, KEYSPACE_LOOKUP_COUNT);
    if (e) {
        object_string_view(keyspace_object(e), scratch, &p, &len);
        ck_assert_uint_lt(len, cap);
        memcpy(buf, p, len);
    }
    buf[len] = '\0';
    keyspace_shard_unlock(sh);
    return e != NULL;
}

static bool get(struct keyspace_db *db, const char *k, char *buf, size_t cap)
{
    return get_at(db, k, NOW, buf, cap);
}

static enum object_encoding encoding_of(struct keyspace_db *db, const char *k)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db, k, &key);
    struct hashmap_entry *e;
    enum object_encoding enc;

    keyspace_shard_lock(sh);
    e = keyspace_find(sh, &key, NOW, KEYSPACE_LOOKUP_NOTOUCH);
    ck_assert_ptr_nonnull(e);
    enc = object_encoding(keyspace_object(e));
    keyspace_shard_unlock(sh);
    return enc;
}

static bool del(struct keyspace_db *db, const char *k, int64_t now)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db, k, &key);
    bool deleted;

    keyspace_shard_lock(sh);
    deleted = keyspace_delete(sh, &key, now);
    keyspace_shard_unlock(sh);
    return deleted;
}

static void name(char *buf, size_t cap, const char *prefix, unsigned i)
{
    snprintf(buf, cap, "%s%u", prefix, i);
}

/* ==== basics =================================================================== */

START_TEST(set_get_and_delete_across_shards)
{
    char k[32], v[32], got[64];
    unsigned used = 0;

    for (unsigned i = 0; i < 10000; i++) {
        name(k, sizeof(k), "key:", i);
        name(v, sizeof(v), "value-", i);
        put(db0, k, v);
    }
    for (unsigned i = 0; i < keyspace_shards_per_db(ks); i++) {
        struct keyspace_shard *sh = keyspace_db_shard(db0, i);

        keyspace_shard_lock(sh);
        used += hashmap_size(keyspace__shard_map(sh)) > 0;
        keyspace_shard_unlock(sh);
    }
    ck_assert_uint_eq(used, 16); /* the top hash bits spread keys over every shard */
    ck_assert_uint_eq(keyspace_dbsize(db0), 10000);
    for (unsigned i = 0; i < 10000; i++) {
        name(k, sizeof(k), "key:", i);
        name(v, sizeof(v), "value-", i);
        ck_assert(get(db0, k, got, sizeof(got)));
        ck_assert_str_eq(got, v);
    }
    for (unsigned i = 0; i < 10000; i += 2) {
        name(k, sizeof(k), "key:", i);
        ck_assert(del(db0, k, NOW));
        ck_assert(!del(db0, k, NOW));
    }
    ck_assert_uint_eq(keyspace_dbsize(db0), 5000);
    ck_assert(!get(db0, "key:0", got, sizeof(got)));
    ck_assert(get(db0, "key:1", got, sizeof(got)));
    ck_assert_uint_eq(keyspace_dbsize(keyspace_db(ks, 1)), 0); /* dbs are separate */
}
END_TEST

START_TEST(databases_are_bounded_and_stable)
{
    ck_assert_uint_eq(keyspace_databases(ks), 16);
    ck_assert_ptr_null(keyspace_db(ks, 16));
    ck_assert_uint_eq(keyspace_db_index(keyspace_db(ks, 7)), 7);
    ck_assert_uint_eq(keyspace_shard_id(keyspace_db_shard(keyspace_db(ks, 2), 3)), 2 * 16 + 3);
    ck_assert_ptr_eq(keyspace_shard_by_id(ks, 35), keyspace_db_shard(keyspace_db(ks, 2), 3));
}
END_TEST

START_TEST(invalid_config_is_rejected)
{
    struct keyspace_config cfg;
    struct keyspace *bad = NULL;

    keyspace_config_default(&cfg);
    ck_assert_int_eq(keyspace_create(&cfg, &bad), KEYSPACE_EINVAL); /* no hasher */
    cfg.hasher.fn = test_hash;
    cfg.databases = 0;
    ck_assert_int_eq(keyspace_create(&cfg, &bad), KEYSPACE_EINVAL);
    cfg.databases = 1;
    cfg.shard_bits = KEYSPACE_MAX_SHARD_BITS + 1;
    ck_assert_int_eq(keyspace_create(&cfg, &bad), KEYSPACE_EINVAL);
    cfg.shard_bits = 0; /* one shard per db is fine */
    ck_assert_int_eq(keyspace_create(&cfg, &bad), KEYSPACE_OK);
    keyspace_destroy(bad);
    keyspace_destroy(NULL);
}
END_TEST

START_TEST(overwrite_changes_encoding_and_frees_old_value)
{
    const char *big = "a value that is definitely longer than forty-four bytes";
    char got[128];

    put(db0, "k", "123");
    ck_assert_int_eq(encoding_of(db0, "k"), OBJECT_ENC_INT);
    put(db0, "k", big);
    ck_assert_int_eq(encoding_of(db0, "k"), OBJECT_ENC_RAW);
    put(db0, "k", "short");
    ck_assert_int_eq(encoding_of(db0, "k"), OBJECT_ENC_EMBSTR);
    ck_assert(get(db0, "k", got, sizeof(got)));
    ck_assert_str_eq(got, "short");
    ck_assert_uint_eq(keyspace_dbsize(db0), 1);
}
END_TEST

START_TEST(set_int_updates_in_place_and_keeps_ttl)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db0, "n", &key);
    struct hashmap_entry *e1, *e2;
    int64_t v;

    put_ttl(db0, "n", "10", NOW + 5000);
    keyspace_shard_lock(sh);
    e1 = keyspace_find(sh, &key, NOW, 0);
    ck_assert_int_eq(keyspace_set_int(sh, &key, 11, KEYSPACE_TTL_KEEP, NOW, &e2), KEYSPACE_OK);
    ck_assert_ptr_eq(e1, e2);
    ck_assert(object_string_to_int(keyspace_object(e2), &v));
    ck_assert_int_eq(v, 11);
    ck_assert_int_eq(object_expire_at(keyspace_object(e2)), NOW + 5000);
    keyspace_shard_unlock(sh);

    put(db0, "s", "12"); /* INCR on an EMBSTR-looking int is also INT */
    sh = key_of(db0, "s", &key);
    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_set_int(sh, &key, 13, KEYSPACE_TTL_KEEP, NOW, &e2), KEYSPACE_OK);
    ck_assert_int_eq(object_encoding(keyspace_object(e2)), OBJECT_ENC_INT);
    keyspace_shard_unlock(sh);
}
END_TEST

START_TEST(hits_and_misses_count_only_when_asked)
{
    struct keyspace_stats st;
    char got[8];

    put(db0, "a", "1");
    ck_assert(get(db0, "a", got, sizeof(got)));
    ck_assert(!get(db0, "b", got, sizeof(got)));
    ck_assert_int_eq(encoding_of(db0, "a"), OBJECT_ENC_INT); /* NOTOUCH, not counted */
    keyspace_stats(ks, NOW, &st);
    ck_assert_uint_eq(st.hits, 1);
    ck_assert_uint_eq(st.misses, 1);
    keyspace_reset_stats(ks);
    keyspace_stats(ks, NOW, &st);
    ck_assert_uint_eq(st.hits + st.misses, 0);
}
END_TEST

/* ==== strings: append, setrange, reserve ======================================= */

static struct hashmap_entry *find_locked(struct keyspace_shard *sh, struct keyspace_key *key)
{
    return keyspace_find(sh, key, NOW, 0);
}

START_TEST(append_turns_value_into_raw)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db0, "k", &key);
    struct hashmap_entry *e;
    size_t len;
    char got[64];

    put(db0, "k", "12");
    keyspace_shard_lock(sh);
    e = find_locked(sh, &key);
    ck_assert_int_eq(keyspace_append(sh, &e, "34", 2, &len), KEYSPACE_OK);
    ck_assert_uint_eq(len, 4);
    ck_assert_int_eq(object_encoding(keyspace_object(e)), OBJECT_ENC_RAW);
    ck_assert_int_eq(keyspace_append(sh, &e, "", 0, &len), KEYSPACE_OK);
    keyspace__check_shard(sh);
    keyspace_shard_unlock(sh);
    ck_assert(get(db0, "k", got, sizeof(got)));
    ck_assert_str_eq(got, "1234");

    put(db0, "e", "abc"); /* even an empty APPEND makes it RAW (Redis) */
    sh = key_of(db0, "e", &key);
    keyspace_shard_lock(sh);
    e = find_locked(sh, &key);
    ck_assert_int_eq(keyspace_append(sh, &e, "", 0, &len), KEYSPACE_OK);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(object_encoding(keyspace_object(e)), OBJECT_ENC_RAW);
    keyspace_shard_unlock(sh);
}
END_TEST

START_TEST(append_keeps_ttl_and_grows_amortised)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db0, "log", &key);
    struct hashmap_entry *e;
    size_t len = 0, reallocs = 0;
    struct object_raw *last = NULL;

    put_ttl(db0, "log", "x", NOW + 100000);
    keyspace_shard_lock(sh);
    e = find_locked(sh, &key);
    for (int i = 0; i < 20000; i++) {
        ck_assert_int_eq(keyspace_append(sh, &e, "abcde", 5, &len), KEYSPACE_OK);
        if (object_raw(keyspace_object(e)) != last) {
            reallocs++;
            last = object_raw(keyspace_object(e));
        }
    }
    ck_assert_uint_eq(len, 1 + 5 * 20000);
    ck_assert_uint_le(reallocs, 40);
    ck_assert(object_has_ttl(keyspace_object(e)));
    ck_assert_int_eq(object_expire_at(keyspace_object(e)), NOW + 100000);
    keyspace__check_shard(sh);
    keyspace_shard_unlock(sh);
}
END_TEST

START_TEST(setrange_pads_with_zeros_and_creates_missing_keys)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db0, "r", &key);
    struct hashmap_entry *e = NULL;
    char scratch[OBJECT_INT_BUFSIZE];
    const char *p;
    size_t len;

    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_setrange(sh, &key, &e, 3, "", 0, NOW, &len), KEYSPACE_OK);
    ck_assert_ptr_null(e); /* an empty value creates nothing */
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(keyspace_setrange(sh, &key, &e, 3, "ab", 2, NOW, &len), KEYSPACE_OK);
    ck_assert_uint_eq(len, 5);
    ck_assert_int_eq(object_encoding(keyspace_object(e)), OBJECT_ENC_RAW);
    object_string_view(keyspace_object(e), scratch, &p, &len);
    ck_assert(memcmp(p, "\0\0\0ab", 5) == 0);
    ck_assert_int_eq(keyspace_setrange(sh, &key, &e, 1, "Z", 1, NOW, &len), KEYSPACE_OK);
    ck_assert_uint_eq(len, 5);
    object_string_view(keyspace_object(e), scratch, &p, &len);
    ck_assert(memcmp(p, "\0Z\0ab", 5) == 0);
    keyspace__check_shard(sh);
    keyspace_shard_unlock(sh);
}
END_TEST

START_TEST(setrange_with_empty_value_leaves_int_alone)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db0, "n", &key);
    struct hashmap_entry *e;
    size_t len;

    put(db0, "n", "12345");
    keyspace_shard_lock(sh);
    e = find_locked(sh, &key);
    ck_assert_int_eq(keyspace_setrange(sh, &key, &e, 0, "", 0, NOW, &len), KEYSPACE_OK);
    ck_assert_uint_eq(len, 5);
    ck_assert_int_eq(object_encoding(keyspace_object(e)), OBJECT_ENC_INT);
    keyspace_shard_unlock(sh);
}
END_TEST

/* ==== expiry ==================================================================== */

START_TEST(lazy_expiry_hides_expired_keys)
{
    struct keyspace_stats st;
    char got[16];

    put_ttl(db0, "k", "v", NOW + 100);
    ck_assert(get_at(db0, "k", NOW + 100, got, sizeof(got))); /* expired only after */
    ck_assert_uint_eq(keyspace_dbsize(db0), 1);
    ck_assert(!get_at(db0, "k", NOW + 101, got, sizeof(got)));
    ck_assert_uint_eq(keyspace_dbsize(db0), 0); /* the lookup deleted it */
    keyspace_stats(ks, NOW, &st);
    ck_assert_uint_eq(st.expired_keys, 1);
    ck_assert_uint_eq(st.expires, 0);
}
END_TEST

static void *get_expired_cb(void *arg)
{
    char got[16];
    (void)arg;
    return get_at(db0, "k", NOW + 101, got, sizeof(got)) ? "found" : NULL;
}

START_TEST(an_obeying_thread_finds_expired_keys_live)
{
    char got[16];
    pthread_t other;
    void *res;

    put_ttl(db0, "k", "v", NOW + 100);
    keyspace_obey_begin(ks);
    ck_assert(get_at(db0, "k", NOW + 101, got, sizeof(got)));
    ck_assert_str_eq(got, "v");
    keyspace_obey_end(ks);
    /* Another thread never obeys for this one ... */
    put_ttl(db0, "k", "v", NOW + 100);
    keyspace_obey_begin(ks);
    ck_assert_int_eq(pthread_create(&other, NULL, get_expired_cb, NULL), 0);
    ck_assert_int_eq(pthread_join(other, &res), 0);
    keyspace_obey_end(ks);
    ck_assert_ptr_null(res);
    ck_assert_uint_eq(keyspace_dbsize(db0), 0);
    /* ... and once it ends, the key expires as usual. */
    put_ttl(db0, "k", "v", NOW + 100);
    ck_assert(!get_at(db0, "k", NOW + 101, got, sizeof(got)));
}
END_TEST

/* A replica's hold: reads miss the key and leave it, active expiry
 * leaves it, a write still replaces it. */
START_TEST(expiry_held_always_leaves_keys_to_writes)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db0, "k", &key);

    put_ttl(db0, "k", "v", NOW + 100);
    keyspace_hold_expired_always(ks, true);
    keyspace_shard_lock(sh);
    ck_assert_ptr_null(keyspace_find(sh, &key, NOW + 101, KEYSPACE_LOOKUP_READ));
    keyspace_shard_unlock(sh);
    keyspace_active_expire(ks, NOW + 101, 1000000, &(unsigned){0});
    ck_assert_uint_eq(keyspace_dbsize(db0), 1);
    keyspace_shard_lock(sh);
    ck_assert_ptr_null(keyspace_find(sh, &key, NOW + 101, 0)); /* a write's lookup */
    keyspace_shard_unlock(sh);
    ck_assert_uint_eq(keyspace_dbsize(db0), 0);
    put_ttl(db0, "k", "v", NOW + 100);
    keyspace_hold_expired_always(ks, false);
    keyspace_active_expire(ks, NOW + 101, 1000000, &(unsigned){0});
    ck_assert_uint_eq(keyspace_dbsize(db0), 0);
}
END_TEST

START_TEST(delete_of_expired_key_reports_not_deleted)
{
    put_ttl(db0, "k", "v", NOW + 10);
    ck_assert(!del(db0, "k", NOW + 11));
    ck_assert_uint_eq(keyspace_dbsize(db0), 0);
}
END_TEST

START_TEST(set_clears_ttl_unless_kept)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db0, "k", &key);
    struct hashmap_entry *e;
    struct keyspace_stats st;

    put_ttl(db0, "k", "v1", NOW + 1000);
    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_set_string(sh, &key, "v2", 2, OBJECT_STR_TRY, KEYSPACE_TTL_KEEP,
                                         NOW, &e), KEYSPACE_OK);
    ck_assert_int_eq(object_expire_at(keyspace_object(e)), NOW + 1000);
    ck_assert_int_eq(keyspace_set_string(sh, &key, "v3", 2, OBJECT_STR_TRY, NOW + 2000, NOW, &e),
                     KEYSPACE_OK);
    ck_assert_int_eq(object_expire_at(keyspace_object(e)), NOW + 2000);
    ck_assert_int_eq(keyspace_set_string(sh, &key, "v4", 2, OBJECT_STR_TRY, KEYSPACE_TTL_NONE,
                                         NOW, &e), KEYSPACE_OK);
    ck_assert(!object_has_ttl(keyspace_object(e)));
    keyspace__check_shard(sh);
    keyspace_shard_unlock(sh);
    keyspace_stats(ks, NOW, &st);
    ck_assert_uint_eq(st.expires, 0);
}
END_TEST

START_TEST(expire_and_persist_resize_entry_and_keep_value)
{
    static const char *values[] = { "42", "embedded",
                                    "a raw string that is longer than 44 bytes!!!" };

    for (size_t i = 0; i < 3; i++) {
        struct keyspace_key key;
        struct keyspace_shard *sh = key_of(db0, values[i], &key);
        struct hashmap_entry *e;
        size_t before;
        char got[64];

        put(db0, values[i], values[i]);
        keyspace_shard_lock(sh);
        e = find_locked(sh, &key);
        before = hashmap_entry_extra_size(e);
        ck_assert_int_eq(keyspace_set_expire(sh, &e, NOW + 500), KEYSPACE_OK);
        ck_assert_uint_eq(hashmap_entry_extra_size(e), before + OBJECT_TTL_SIZE);
        ck_assert_int_eq(keyspace_set_expire(sh, &e, NOW + 900), KEYSPACE_OK); /* update */
        ck_assert_int_eq(object_expire_at(keyspace_object(e)), NOW + 900);
        keyspace__check_shard(sh);
        ck_assert(keyspace_persist(sh, &e));
        ck_assert(!keyspace_persist(sh, &e));
        ck_assert_uint_eq(hashmap_entry_extra_size(e), before);
        keyspace__check_shard(sh);
        keyspace_shard_unlock(sh);
        ck_assert(get_at(db0, values[i], NOW + 10000, got, sizeof(got)));
        ck_assert_str_eq(got, values[i]);
    }
}
END_TEST

START_TEST(active_expiry_reclaims_100k_keys_without_lookups)
{
    char k[32];
    unsigned cursor = 0;
    size_t rounds = 0;
    struct keyspace_stats st;

    for (unsigned i = 0; i < 100000; i++) {
        name(k, sizeof(k), "ttl:", i);
        put_ttl(db0, k, "v", NOW + 1 + i % 1000);
    }
    for (unsigned i = 0; i < 1000; i++) {
        name(k, sizeof(k), "keep:", i);
        put_ttl(keyspace_db(ks, 3), k, "v", NOW + 3600 * 1000);
    }
    keyspace_stats(ks, NOW, &st);
    ck_assert_uint_eq(st.expires, 101000);
    while (keyspace_dbsize(db0) > 0) {
        ck_assert_uint_gt(keyspace_active_expire(ks, NOW + 5000, 10000, &cursor), 0);
        ck_assert_uint_lt(++rounds, 1000);
    }
    keyspace_stats(ks, NOW + 5000, &st);
    ck_assert_uint_eq(st.expired_keys, 100000);
    ck_assert_uint_eq(st.expires, 1000);
    ck_assert_uint_eq(keyspace_dbsize(keyspace_db(ks, 3)), 1000);
}
END_TEST

START_TEST(active_expiry_stops_early_when_few_keys_are_stale)
{
    char k[32];
    size_t expired = 0, samples;
    struct keyspace_shard *sh;
    struct keyspace_key key;

    /* Every key in one shard, none expired: one round of 20 and stop. */
    for (unsigned i = 0, n = 0; n < 500; i++) {
        name(k, sizeof(k), "k", i);
        if (keyspace_shard_id(key_of(db0, k, &key)) != 5)
            continue;
        put_ttl(db0, k, "v", NOW + 1000);
        n++;
    }
    sh = keyspace_db_shard(db0, 5);
    samples = keyspace_active_expire_shard(sh, NOW, 100000, &expired);
    ck_assert_uint_eq(samples, KEYSPACE_EXPIRE_KEYS_PER_LOOP);
    ck_assert_uint_eq(expired, 0);
    /* All expired: keeps going until the budget is spent. */
    samples = keyspace_active_expire_shard(sh, NOW + 2000, 100, &expired);
    ck_assert_uint_eq(samples, 100);
    ck_assert_uint_eq(expired, 100);
    ck_assert_uint_eq(keyspace_active_expire_shard(keyspace_db_shard(db0, 6), NOW, 100, NULL), 0);
}
END_TEST

START_TEST(avg_ttl_is_exact_mean_of_remaining_ttls)
{
    struct keyspace_stats st;

    put_ttl(db0, "a", "v", NOW + 1000);
    put_ttl(db0, "b", "v", NOW + 3000);
    put(db0, "c", "v");
    keyspace_db_stats(db0, NOW, &st);
    ck_assert_uint_eq(st.keys, 3);
    ck_assert_uint_eq(st.expires, 2);
    ck_assert_int_eq(st.avg_ttl_ms, 2000);
    keyspace_db_stats(db0, NOW + 500, &st);
    ck_assert_int_eq(st.avg_ttl_ms, 1500);
    keyspace_db_stats(keyspace_db(ks, 1), NOW, &st);
    ck_assert_int_eq(st.avg_ttl_ms, 0);
}
END_TEST

/* ==== rename and copy ============================================================ */

static void lock_two(struct keyspace_lockset *set, struct keyspace_shard *a,
                     struct keyspace_shard *b)
{
    keyspace_lockset_init(set);
    ck_assert_int_eq(keyspace_lockset_add(set, a), KEYSPACE_OK);
    ck_assert_int_eq(keyspace_lockset_add(set, b), KEYSPACE_OK);
    keyspace_lockset_lock(set);
}

static void unlock_two(struct keyspace_lockset *set)
{
    keyspace_lockset_unlock(set);
    keyspace_lockset_deinit(set);
}

START_TEST(rename_moves_value_and_ttl_across_dbs)
{
    struct keyspace_db *db1 = keyspace_db(ks, 1);
    const char *big = "a raw value that is longer than forty-four bytes....";
    struct keyspace_key src, dst;
    struct keyspace_shard *ssh = key_of(db0, "src", &src), *dsh = key_of(db1, "dst", &dst);
    struct keyspace_lockset set;
    struct hashmap_entry *e, *out;
    char got[64];

    put_ttl(db0, "src", big, NOW + 7000);
    put(db1, "dst", "old");
    lock_two(&set, ssh, dsh);
    e = keyspace_find(ssh, &src, NOW, 0);
    ck_assert_int_eq(keyspace_rename(ssh, e, dsh, &dst, NOW, &out), KEYSPACE_OK);
    ck_assert_int_eq(object_expire_at(keyspace_object(out)), NOW + 7000);
    ck_assert_ptr_null(keyspace_find(ssh, &src, NOW, 0));
    keyspace__check_shard(ssh);
    keyspace__check_shard(dsh);
    unlock_two(&set);
    ck_assert(get(db1, "dst", got, sizeof(got)));
    ck_assert_str_eq(got, big);
    ck_assert_uint_eq(keyspace_dbsize(db0), 0);
}
END_TEST

START_TEST(rename_within_one_shard_keeps_index_consistent)
{
    char a[32], b[32];
    struct keyspace_key ka, kb;
    struct keyspace_shard *sh;
    struct hashmap_entry *e;
    unsigned i = 0;

    /* Find two keys in the same shard, both with TTLs, plus filler TTLs. */
    name(a, sizeof(a), "a", 0);
    sh = key_of(db0, a, &ka);
    do {
        name(b, sizeof(b), "b", i++);
    } while (key_of(db0, b, &kb) != sh);
    for (unsigned j = 0; j < 50; j++) {
        char f[32];

        name(f, sizeof(f), "f", j);
        put_ttl(db0, f, "x", NOW + 100 + j);
    }
    put_ttl(db0, a, "A", NOW + 1000);
    put(db0, b, "B");
    keyspace_shard_lock(sh);
    e = keyspace_find(sh, &ka, NOW, 0);
    ck_assert_int_eq(keyspace_rename(sh, e, sh, &kb, NOW, &e), KEYSPACE_OK);
    keyspace__check_shard(sh);
    ck_assert_int_eq(object_expire_at(keyspace_object(e)), NOW + 1000);
    ck_assert_int_eq(keyspace_rename(sh, e, sh, &kb, NOW, &e), KEYSPACE_OK); /* onto itself */
    ck_assert_ptr_nonnull(keyspace_find(sh, &kb, NOW, 0));
    keyspace__check_shard(sh);
    keyspace_shard_unlock(sh);
}
END_TEST

START_TEST(copy_duplicates_value_with_fresh_access_clock)
{
    const char *big = "a raw value that is longer than forty-four bytes....";
    struct keyspace_key src, dst;
    struct keyspace_shard *ssh = key_of(db0, "src", &src), *dsh = key_of(db0, "dst", &dst);
    struct keyspace_lockset set;
    struct hashmap_entry *e, *out;
    char got[64];

    put_ttl(db0, "src", big, NOW + 7000);
    lock_two(&set, ssh, dsh);
    e = keyspace_find(ssh, &src, NOW, 0);
    ck_assert_int_eq(keyspace_copy(e, dsh, &dst, NOW + 5, &out), KEYSPACE_OK);
    ck_assert_int_eq(object_encoding(keyspace_object(out)), OBJECT_ENC_RAW);
    ck_assert_ptr_ne(object_raw(keyspace_object(out)), object_raw(keyspace_object(e)));
    ck_assert_int_eq(object_expire_at(keyspace_object(out)), NOW + 7000);
    ck_assert_uint_eq(object_lfu(keyspace_object(out)), OBJECT_LFU_INIT_VAL);
    unlock_two(&set);
    ck_assert(get(db0, "src", got, sizeof(got)));
    ck_assert_str_eq(got, big);
    ck_assert(get(db0, "dst", got, sizeof(got)));
    ck_assert_str_eq(got, big);
}
END_TEST

/* ==== scan, keys, random key ======================================================= */

struct seen {
    unsigned char *hits; /* per stable key index */
    size_t total;
};

static void count_key(const char *key, size_t len, const struct object *o, void *ud)
{
    struct seen *s = ud;
    unsigned idx;
    char buf[32];

    (void)o;
    s->total++;
    if (len < 7 || memcmp(key, "stable:", 7) != 0)
        return;
    memcpy(buf, key + 7, len - 7);
    buf[len - 7] = '\0';
    idx = (unsigned)strtoul(buf, NULL, 10);
    if (s->hits[idx] < 255)
        s->hits[idx]++;
}

static size_t total_buckets(struct keyspace_db *db)
{
    size_t n = 0;

    for (unsigned i = 0; i < keyspace_shards_per_db(ks); i++) {
        struct keyspace_shard *sh = keyspace_db_shard(db, i);

        keyspace_shard_lock(sh);
        n += hashmap__buckets(keyspace__shard_map(sh));
        keyspace_shard_unlock(sh);
    }
    return n;
}

START_TEST(scan_reports_every_stable_key_across_grows_and_shrinks)
{
    enum { STABLE = 2000, EXTRA = 30000, DOOMED = 500 };
    struct seen s = { calloc(STABLE, 1), 0 };
    char k[32];
    uint64_t cursor = 0;
    unsigned calls = 0;
    size_t b0, bmax = 0, bmin = SIZE_MAX;

    for (unsigned i = 0; i < STABLE; i++) {
        name(k, sizeof(k), "stable:", i);
        put(db0, k, "v");
    }
    for (unsigned i = 0; i < DOOMED; i++) {
        name(k, sizeof(k), "doomed:", i);
        put(db0, k, "v");
    }
    b0 = total_buckets(db0);
    do {
        cursor = keyspace_scan(db0, cursor, 10, NOW, count_key, &s);
        calls++;
        if (calls == 20) /* grow every map */
            for (unsigned i = 0; i < EXTRA; i++) {
                name(k, sizeof(k), "extra:", i);
                put(db0, k, "v");
            }
        if (calls == 60) { /* shrink them again, and drop other keys */
            for (unsigned i = 0; i < EXTRA; i++) {
                name(k, sizeof(k), "extra:", i);
                ck_assert(del(db0, k, NOW));
            }
            for (unsigned i = 0; i < DOOMED; i++) {
                name(k, sizeof(k), "doomed:", i);
                ck_assert(del(db0, k, NOW));
            }
        }
        if (calls == 61)
            for (unsigned i = 0; i < 4; i++) /* let incremental shrinks finish */
                for (unsigned j = 0; j < keyspace_shards_per_db(ks); j++)
                    while (keyspace_rehash_step(keyspace_db_shard(db0, j), 1000))
                        ;
        size_t b = total_buckets(db0);
        bmax = b > bmax ? b : bmax;
        if (calls > 61)
            bmin = b < bmin ? b : bmin;
    } while (cursor != 0);
    ck_assert_uint_gt(bmax, b0); /* it grew… */
    ck_assert_uint_lt(bmin, bmax); /* …and shrank during the scan */
    for (unsigned i = 0; i < STABLE; i++)
        ck_assert_msg(s.hits[i] >= 1, "stable:%u never reported", i);
    free(s.hits);
}
END_TEST

START_TEST(scan_cursor_walks_shards_in_order_and_ends_at_zero)
{
    struct seen s = { calloc(100, 1), 0 };
    char k[32];
    uint64_t cursor = 0;
    unsigned last_shard = 0, calls = 0;

    for (unsigned i = 0; i < 100; i++) {
        name(k, sizeof(k), "stable:", i);
        put(db0, k, "v");
    }
    do {
        cursor = keyspace_scan(db0, cursor, 1, NOW, count_key, &s);
        if (cursor) {
            ck_assert_uint_ge(cursor & 15, last_shard);
            last_shard = cursor & 15;
        }
        calls++;
    } while (cursor);
    ck_assert_uint_gt(calls, 16);
    for (unsigned i = 0; i < 100; i++)
        ck_assert_uint_ge(s.hits[i], 1);
    s.total = 0;
    ck_assert_uint_eq(keyspace_scan(db0, 0, 1000000, NOW, count_key, &s), 0); /* one call */
    ck_assert_uint_eq(s.total, 100);
    free(s.hits);
}
END_TEST

START_TEST(scan_and_keys_skip_and_reclaim_expired_keys)
{
    struct seen s = { calloc(10, 1), 0 };
    char k[32];
    uint64_t cursor = 0;

    for (unsigned i = 0; i < 10; i++) {
        name(k, sizeof(k), "stable:", i);
        put(db0, k, "v");
        name(k, sizeof(k), "gone:", i);
        put_ttl(db0, k, "v", NOW + 1);
    }
    do
        cursor = keyspace_scan(db0, cursor, 100, NOW + 2, count_key, &s);
    while (cursor);
    ck_assert_uint_eq(s.total, 10);
    ck_assert_uint_eq(keyspace_dbsize(db0), 10);
    for (unsigned i = 0; i < 10; i++) {
        name(k, sizeof(k), "gone:", i);
        put_ttl(db0, k, "v", NOW + 1);
    }
    s.total = 0;
    ck_assert_uint_eq(keyspace_keys(db0, NOW + 2, count_key, &s), 10);
    ck_assert_uint_eq(s.total, 10);
    ck_assert_uint_eq(keyspace_dbsize(db0), 10);
    free(s.hits);
}
END_TEST

START_TEST(keys_reports_each_key_exactly_once)
{
    struct seen s = { calloc(5000, 1), 0 };
    char k[32];

    for (unsigned i = 0; i < 5000; i++) {
        name(k, sizeof(k), "stable:", i);
        put(db0, k, "v");
    }
    ck_assert_uint_eq(keyspace_keys(db0, NOW, count_key, &s), 5000);
    for (unsigned i = 0; i < 5000; i++)
        ck_assert_uint_eq(s.hits[i], 1);
    free(s.hits);
}
END_TEST

static void copy_key(const char *key, size_t len, const struct object *o, void *ud)
{
    (void)o;
    memcpy(ud, key, len);
    ((char *)ud)[len] = '\0';
}

START_TEST(random_key_returns_live_keys_and_fails_on_empty_db)
{
    char k[32], got[32];
    unsigned counts[20] = { 0 };

    ck_assert(!keyspace_random_key(db0, NOW, copy_key, got));
    for (unsigned i = 0; i < 20; i++) {
        name(k, sizeof(k), "r", i);
        put(db0, k, "v");
    }
    for (int i = 0; i < 4000; i++) {
        ck_assert(keyspace_random_key(db0, NOW, copy_key, got));
        ck_assert(got[0] == 'r');
        counts[strtoul(got + 1, NULL, 10)]++;
    }
    for (unsigned i = 0; i < 20; i++)
        ck_assert_uint_gt(counts[i], 50); /* about uniform: 200 expected each */
}
END_TEST

START_TEST(random_key_skips_and_deletes_expired_keys)
{
    char k[32], got[32];

    for (unsigned i = 0; i < 50; i++) {
        name(k, sizeof(k), "x", i);
        put_ttl(db0, k, "v", NOW + 1);
    }
    put(db0, "live", "v");
    ck_assert(keyspace_random_key(db0, NOW + 2, copy_key, got));
    ck_assert_str_eq(got, "live");
    put(db0, "live", "v");
    ck_assert(del(db0, "live", NOW));
    ck_assert(!keyspace_random_key(db0, NOW + 2, copy_key, got));
}
END_TEST

/* ==== flush and swapdb ============================================================= */

START_TEST(flushdb_empties_one_db_only)
{
    struct keyspace_db *db1 = keyspace_db(ks, 1);
    struct keyspace_stats st;
    char k[32], got[8];

    for (unsigned i = 0; i < 1000; i++) {
        name(k, sizeof(k), "k", i);
        put_ttl(db0, k, "a raw value that is longer than forty-four bytes....", NOW + 1000);
        put(db1, k, "v");
    }
    ck_assert_int_eq(keyspace_flushdb(db0, NULL), KEYSPACE_OK);
    ck_assert_uint_eq(keyspace_dbsize(db0), 0);
    ck_assert_uint_eq(keyspace_dbsize(db1), 1000);
    keyspace_db_stats(db0, NOW, &st);
    ck_assert_uint_eq(st.expires, 0);
    ck_assert(!get(db0, "k1", got, sizeof(got)));
    put(db0, "again", "v"); /* usable afterwards */
    ck_assert_uint_eq(keyspace_dbsize(db0), 1);
}
END_TEST

START_TEST(flushall_hands_old_contents_to_caller_when_asked)
{
    struct keyspace_trash *trash = NULL;
    char k[32];

    for (unsigned i = 0; i < 1000; i++) {
        name(k, sizeof(k), "k", i);
        put(keyspace_db(ks, i % 16), k, "a raw value that is longer than forty-four bytes....");
    }
    ck_assert_int_eq(keyspace_flushall(ks, &trash), KEYSPACE_OK);
    ck_assert_ptr_nonnull(trash);
    for (unsigned i = 0; i < 16; i++)
        ck_assert_uint_eq(keyspace_dbsize(keyspace_db(ks, i)), 0);
    keyspace_trash_free(trash); /* frees every RAW buffer: ASan checks */
    keyspace_trash_free(NULL);
}
END_TEST

START_TEST(swapdb_swaps_contents_behind_stable_pointers)
{
    struct keyspace_db *db1 = keyspace_db(ks, 1);
    struct keyspace_key key;
    struct keyspace_shard *resolved = key_of(db0, "k", &key); /* before the swap */
    struct keyspace_stats st;
    char got[64];

    put_ttl(db0, "k", "from-db0", NOW + 1000);
    put(db1, "k", "from-db1");
    put(db1, "only1", "x");
    keyspace_swapdb(ks, 0, 1, NOW);
    ck_assert_ptr_eq(keyspace_db(ks, 0), db0);
    keyspace_shard_lock(resolved); /* still db 0, now with db 1's keys */
    ck_assert(!object_has_ttl(keyspace_object(keyspace_find(resolved, &key, NOW, 0))));
    keyspace_shard_unlock(resolved);
    ck_assert(get(db0, "k", got, sizeof(got)));
    ck_assert_str_eq(got, "from-db1");
    ck_assert(get(db1, "k", got, sizeof(got)));
    ck_assert_str_eq(got, "from-db0");
    ck_assert_uint_eq(keyspace_dbsize(db0), 2);
    keyspace_db_stats(db1, NOW, &st);
    ck_assert_uint_eq(st.expires, 1);
    keyspace_swapdb(ks, 1, 0, NOW);
    keyspace_swapdb(ks, 3, 3, NOW);
    ck_assert(get(db0, "k", got, sizeof(got)));
    ck_assert_str_eq(got, "from-db0");
}
END_TEST

/* ==== lock ordering ================================================================ */

START_TEST(lockset_sorts_and_dedups_shards)
{
    struct keyspace_lockset set;
    unsigned ids[] = { 40, 3, 17, 3, 255, 40, 0, 17, 128 };
    unsigned want[] = { 0, 3, 17, 40, 128, 255 };

    keyspace_lockset_init(&set);
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        ck_assert_int_eq(keyspace_lockset_add(&set, keyspace_shard_by_id(ks, ids[i])),
                         KEYSPACE_OK);
    ck_assert_uint_eq(keyspace_lockset_count(&set), 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_uint_eq(keyspace_shard_id(keyspace_lockset_at(&set, i)), want[i]);
    keyspace_lockset_lock(&set);
    keyspace_lockset_unlock(&set);
    keyspace_lockset_deinit(&set);
}
END_TEST

/* A whole database joins a set that already holds one of its shards and
 * one of another database's: each shard once, in id order. */
START_TEST(lockset_takes_a_whole_database)
{
    struct keyspace_lockset set;
    unsigned per_db = keyspace_shards_per_db(ks);
    struct keyspace_db *db1 = keyspace_db(ks, 1);

    keyspace_lockset_init(&set);
    ck_assert_int_eq(keyspace_lockset_add(&set, keyspace_db_shard(db1, 2)), KEYSPACE_OK);
    ck_assert_int_eq(keyspace_lockset_add(&set, keyspace_shard_by_id(ks, 0)), KEYSPACE_OK);
    ck_assert_int_eq(keyspace_lockset_add_db(&set, db1), KEYSPACE_OK);
    ck_assert_uint_eq(keyspace_lockset_count(&set), per_db + 1);
    ck_assert_uint_eq(keyspace_shard_id(keyspace_lockset_at(&set, 0)), 0);
    for (unsigned i = 0; i < per_db; i++)
        ck_assert_ptr_eq(keyspace_lockset_at(&set, i + 1), keyspace_db_shard(db1, i));
    keyspace_lockset_lock(&set);
    keyspace_lockset_unlock(&set);
    keyspace_lockset_deinit(&set);
}
END_TEST

/* A script holds shards while it waits for more, in any order; locksets
 * (and flush) never hold while they wait, so neither can deadlock. */
struct lock_race {
    struct keyspace *k;
    atomic_bool stop;
    atomic_long rounds;
};

static void *lockset_locker(void *arg)
{
    struct lock_race *r = arg;
    struct keyspace_lockset set;

    while (!atomic_load(&r->stop)) {
        keyspace_lockset_init(&set);
        keyspace_lockset_add(&set, keyspace_shard_by_id(r->k, 1));
        keyspace_lockset_add(&set, keyspace_shard_by_id(r->k, 2));
        keyspace_lockset_add(&set, keyspace_shard_by_id(r->k, 3));
        keyspace_lockset_lock(&set);
        keyspace_lockset_unlock(&set);
        keyspace_lockset_deinit(&set);
        atomic_fetch_add(&r->rounds, 1);
    }
    return NULL;
}

START_TEST(a_thread_holding_shards_may_wait_for_more_in_any_order)
{
    struct lock_race r = {.k = ks};
    pthread_t t[2];
    struct keyspace_shard *s1 = keyspace_shard_by_id(ks, 1), *s3 = keyspace_shard_by_id(ks, 3);

    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, lockset_locker, &r), 0);
    for (int i = 0; i < 20000; i++) {
        keyspace_shard_lock(s3); /* descending, holding while waiting */
        keyspace_shard_lock(s1);
        keyspace_shard_lock(s1); /* recursive */
        keyspace_shard_unlock(s1);
        keyspace_shard_unlock(s1);
        keyspace_shard_unlock(s3);
    }
    while (atomic_load(&r.rounds) < 1000)
        ;
    atomic_store(&r.stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
}
END_TEST

START_TEST(lockset_grows_past_inline_capacity_for_many_keys)
{
    struct keyspace_lockset set;
    uint64_t st = 7;
    char k[32];

    keyspace_lockset_init(&set);
    for (unsigned i = 0; i < 1000; i++) { /* MSET k0 .. k999 in db 0 and db 1 */
        struct keyspace_key key;

        name(k, sizeof(k), "k", i);
        ck_assert_int_eq(keyspace_lockset_add(&set, key_of(keyspace_db(ks, i & 1), k, &key)),
                         KEYSPACE_OK);
    }
    for (unsigned i = 0; i < 3000; i++) /* and random extra shards, all dbs */
        ck_assert_int_eq(keyspace_lockset_add(&set, keyspace_shard_by_id(
                                                        ks, (unsigned)(rng_next(&st) % 256))),
                         KEYSPACE_OK);
    ck_assert_uint_eq(keyspace_lockset_count(&set), 256);
    for (size_t i = 0; i < 256; i++)
        ck_assert_uint_eq(keyspace_shard_id(keyspace_lockset_at(&set, i)), i);
    keyspace_lockset_lock(&set);
    keyspace_lockset_unlock(&set);
    keyspace_lockset_deinit(&set);
}
END_TEST

/* ==== memory ======================================================================= */

START_TEST(million_small_keys_cost_less_than_redis)
{
    struct keyspace *big = ks_new(1, 4, 1);
    struct keyspace_db *db = keyspace_db(big, 0);
    struct keyspace_stats st;
    char k[17], v[17];

    for (unsigned i = 0; i < 1000000; i++) {
        struct keyspace_key key;
        struct keyspace_shard *sh;

        snprintf(k, sizeof(k), "key:%012u", i); /* 16 bytes */
        snprintf(v, sizeof(v), "val:%012u", i); /* 16 bytes, EMBSTR */
        keyspace_key_init(big, &key, k, 16);
        sh = keyspace_shard_of(db, &key);
        keyspace_shard_lock(sh);
        ck_assert_int_eq(keyspace_set_string(sh, &key, v, 16, OBJECT_STR_TRY, KEYSPACE_TTL_NONE,
                                             NOW, NULL), KEYSPACE_OK);
        keyspace_shard_unlock(sh);
    }
    keyspace_stats(big, NOW, &st);
    printf("1M keys (16 B key, 16 B value): %.1f bytes/key by hashmap_bytes\n",
           (double)st.bytes / 1e6);
    ck_assert_uint_lt(st.bytes / 1000000, 88); /* Redis 7: about 88 bytes/key */
    keyspace_destroy(big);
}
END_TEST

/* ==== model test =================================================================== */

#define M_KEYS 48
#define M_DBS 2

struct model_key {
    bool present;
    bool ttl;
    int64_t at;
    size_t len;
    char val[160];
};

struct model {
    struct keyspace *ks;
    struct model_key k[M_DBS][M_KEYS];
    int64_t now;
    uint64_t rng;
    uint64_t fail_every; /* allocation failure injection, 0: off */
    size_t enomem;       /* failures seen */
};

/* True if the action succeeded. ENOMEM is allowed only while failures are
 * injected, and then the model must not change (nor must the keyspace,
 * which the following checks verify). */
static bool m_ok(struct model *m, int rc)
{
    if (rc == KEYSPACE_ENOMEM && m->fail_every) {
        m->enomem++;
        return false;
    }
    ck_assert_int_eq(rc, KEYSPACE_OK);
    return true;
}

static void m_inject_failures(struct model *m)
{
    for (unsigned id = 0; id < keyspace_shard_count(m->ks); id++) {
        struct keyspace_shard *sh = keyspace_shard_by_id(m->ks, id);

        keyspace_shard_lock(sh);
        hashmap__fail_allocations(keyspace__shard_map(sh), m->fail_every);
        keyspace_shard_unlock(sh);
    }
}

static bool m_live(const struct model *m, unsigned db, unsigned i)
{
    const struct model_key *mk = &m->k[db][i];

    return mk->present && !(mk->ttl && m->now > mk->at);
}

static void m_name(char *buf, unsigned i)
{
    snprintf(buf, 16, "mk%u", i);
}

static struct keyspace_shard *m_lock(struct model *m, unsigned db, unsigned i,
                                     struct keyspace_key *key, char *buf)
{
    struct keyspace_shard *sh;

    m_name(buf, i);
    keyspace_key_init(m->ks, key, buf, strlen(buf));
    sh = keyspace_shard_of(keyspace_db(m->ks, db), key);
    keyspace_shard_lock(sh);
    return sh;
}

static size_t m_random_value(struct model *m, char *out)
{
    switch (rng_next(&m->rng) % 4) {
    case 0:
        return (size_t)snprintf(out, 32, "%" PRId64, (int64_t)rng_next(&m->rng));
    case 1:
        return (size_t)snprintf(out, 32, "%u", (unsigned)(rng_next(&m->rng) % 100));
    default: {
        size_t len = rng_next(&m->rng) % 70;

        for (size_t i = 0; i < len; i++)
            out[i] = (char)('a' + rng_next(&m->rng) % 26);
        return len;
    }
    }
}

static int64_t m_random_expire(struct model *m)
{
    switch (rng_next(&m->rng) % 4) {
    case 0: return KEYSPACE_TTL_NONE;
    case 1: return KEYSPACE_TTL_KEEP;
    default: return m->now + (int64_t)(rng_next(&m->rng) % 300);
    }
}

static void m_check_value(struct model *m, unsigned db, unsigned i)
{
    struct keyspace_key key;
    char buf[16], scratch[OBJECT_INT_BUFSIZE];
    struct keyspace_shard *sh = m_lock(m, db, i, &key, buf);
    struct hashmap_entry *e = keyspace_find(sh, &key, m->now, 0);
    const struct model_key *mk = &m->k[db][i];

    ck_assert_int_eq(e != NULL, m_live(m, db, i));
    if (e) {
        const char *p;
        size_t len;

        object_string_view(keyspace_object(e), scratch, &p, &len);
        ck_assert_uint_eq(len, mk->len);
        ck_assert(memcmp(p, mk->val, len) == 0);
        ck_assert_int_eq(object_has_ttl(keyspace_object(e)), mk->ttl);
        if (mk->ttl)
            ck_assert_int_eq(object_expire_at(keyspace_object(e)), mk->at);
    }
    keyspace_shard_unlock(sh);
}

static void m_set(struct model *m, unsigned db, unsigned i)
{
    struct keyspace_key key;
    char buf[16], val[80];
    size_t len = m_random_value(m, val);
    int64_t at = m_random_expire(m);
    enum object_string_policy pol = (enum object_string_policy)(rng_next(&m->rng) % 3);
    struct keyspace_shard *sh = m_lock(m, db, i, &key, buf);
    struct model_key *mk = &m->k[db][i];
    bool was_live = m_live(m, db, i);

    if (!m_ok(m, keyspace_set_string(sh, &key, val, len, pol, at, m->now, NULL))) {
        keyspace_shard_unlock(sh);
        return;
    }
    keyspace_shard_unlock(sh);
    if (at == KEYSPACE_TTL_KEEP) {
        mk->ttl = was_live && mk->ttl;
    } else {
        mk->ttl = at != KEYSPACE_TTL_NONE;
        mk->at = at;
    }
    mk->present = true;
    memcpy(mk->val, val, len);
    mk->len = len;
}

static void m_expire_or_persist(struct model *m, unsigned db, unsigned i)
{
    struct keyspace_key key;
    char buf[16];
    struct keyspace_shard *sh = m_lock(m, db, i, &key, buf);
    struct hashmap_entry *e = keyspace_find(sh, &key, m->now, 0);
    struct model_key *mk = &m->k[db][i];

    if (e && rng_next(&m->rng) % 2) {
        int64_t at = m->now + (int64_t)(rng_next(&m->rng) % 300);

        if (m_ok(m, keyspace_set_expire(sh, &e, at))) {
            mk->at = at;
            mk->ttl = true;
        }
    } else if (e) {
        ck_assert_int_eq(keyspace_persist(sh, &e), mk->ttl);
        mk->ttl = false;
    }
    keyspace_shard_unlock(sh);
}

static void m_append_or_setrange(struct model *m, unsigned db, unsigned i)
{
    struct keyspace_key key;
    char buf[16];
    struct keyspace_shard *sh = m_lock(m, db, i, &key, buf);
    struct hashmap_entry *e = keyspace_find(sh, &key, m->now, 0);
    struct model_key *mk = &m->k[db][i];
    size_t n = rng_next(&m->rng) % 8, newlen, off;

    if (!e) {
        mk->present = false;
        mk->ttl = false;
    }
    if (e && mk->len + n < sizeof(mk->val) && rng_next(&m->rng) % 2) {
        if (m_ok(m, keyspace_append(sh, &e, "APPENDED", n, &newlen))) {
            memcpy(mk->val + mk->len, "APPENDED", n);
            mk->len += n;
        }
    } else {
        off = rng_next(&m->rng) % 60;
        if (!m_ok(m, keyspace_setrange(sh, &key, &e, off, "RANGE!!", n, m->now, &newlen)))
            n = 0; /* nothing changed */
        if (n) {
            if (!mk->present)
                mk->len = 0;
            if (off + n > mk->len) {
                memset(mk->val + mk->len, 0, off + n - mk->len);
                mk->len = off + n;
            }
            memcpy(mk->val + off, "RANGE!!", n);
            mk->present = true;
        }
    }
    ck_assert_uint_eq(e ? object_string_len(keyspace_object(e)) : 0, mk->present ? mk->len : 0);
    keyspace_shard_unlock(sh);
}

static void m_incr(struct model *m, unsigned db, unsigned i)
{
    struct keyspace_key key;
    char buf[16];
    struct keyspace_shard *sh = m_lock(m, db, i, &key, buf);
    struct hashmap_entry *e = keyspace_find(sh, &key, m->now, 0);
    struct model_key *mk = &m->k[db][i];
    int64_t v = 0;

    if (e && !object_string_to_int(keyspace_object(e), &v)) {
        keyspace_shard_unlock(sh);
        return;
    }
    v = v == INT64_MAX ? 0 : v + 1;
    if (!m_ok(m, keyspace_set_int(sh, &key, v, KEYSPACE_TTL_KEEP, m->now, NULL))) {
        keyspace_shard_unlock(sh);
        return;
    }
    mk->ttl = e ? mk->ttl : false; /* a new key has no TTL to keep */
    mk->present = true;
    mk->len = (size_t)snprintf(mk->val, sizeof(mk->val), "%" PRId64, v);
    keyspace_shard_unlock(sh);
}

static void m_delete(struct model *m, unsigned db, unsigned i)
{
    struct keyspace_key key;
    char buf[16];
    struct keyspace_shard *sh = m_lock(m, db, i, &key, buf);

    ck_assert_int_eq(keyspace_delete(sh, &key, m->now), m_live(m, db, i));
    keyspace_shard_unlock(sh);
    m->k[db][i].present = false;
}

/* RENAME (copy = false) or COPY between random keys of random dbs. */
static void m_move(struct model *m, unsigned sdb, unsigned si, bool copy)
{
    unsigned ddb = (unsigned)(rng_next(&m->rng) % M_DBS);
    unsigned di = (unsigned)(rng_next(&m->rng) % M_KEYS);
    struct keyspace_key skey, dkey;
    char sbuf[16], dbuf[16];
    struct keyspace_shard *ssh, *dsh;
    struct keyspace_lockset set;
    struct hashmap_entry *e;
    int rc = KEYSPACE_OK;

    m_name(sbuf, si);
    m_name(dbuf, di);
    keyspace_key_init(m->ks, &skey, sbuf, strlen(sbuf));
    keyspace_key_init(m->ks, &dkey, dbuf, strlen(dbuf));
    ssh = keyspace_shard_of(keyspace_db(m->ks, sdb), &skey);
    dsh = keyspace_shard_of(keyspace_db(m->ks, ddb), &dkey);
    lock_two(&set, ssh, dsh);
    e = keyspace_find(ssh, &skey, m->now, 0);
    if (e && copy)
        rc = keyspace_copy(e, dsh, &dkey, m->now, NULL);
    else if (e)
        rc = keyspace_rename(ssh, e, dsh, &dkey, m->now, NULL);
    unlock_two(&set);
    if (!e) {
        m->k[sdb][si].present = false;
        return;
    }
    if (!m_ok(m, rc) || (sdb == ddb && si == di))
        return;
    m->k[ddb][di] = m->k[sdb][si];
    if (!copy)
        m->k[sdb][si].present = false;
}

static void m_check_keys(struct model *m, unsigned db)
{
    struct seen s = { NULL, 0 };
    size_t live = 0;

    for (unsigned i = 0; i < M_KEYS; i++)
        live += m_live(m, db, i);
    ck_assert_uint_eq(keyspace_keys(keyspace_db(m->ks, db), m->now, count_key, &s), live);
    ck_assert_uint_eq(keyspace_dbsize(keyspace_db(m->ks, db)), live); /* KEYS reclaimed */
}

static void m_step(struct model *m)
{
    unsigned db = (unsigned)(rng_next(&m->rng) % M_DBS);
    unsigned i = (unsigned)(rng_next(&m->rng) % M_KEYS);
    unsigned op = (unsigned)(rng_next(&m->rng) % 100);
    unsigned cursor = 0;

    m->now += (int64_t)(rng_next(&m->rng) % 20);
    if (op < 30)
        m_set(m, db, i);
    else if (op < 45)
        m_expire_or_persist(m, db, i);
    else if (op < 55)
        m_append_or_setrange(m, db, i);
    else if (op < 62)
        m_incr(m, db, i);
    else if (op < 70)
        m_delete(m, db, i);
    else if (op < 76)
        m_move(m, db, i, op < 73);
    else if (op < 80)
        keyspace_active_expire(m->ks, m->now, 50, &cursor);
    else if (op < 81)
        m_check_keys(m, db);
    else if (op == 81 && rng_next(&m->rng) % 8 == 0) {
        ck_assert_int_eq(keyspace_flushdb(keyspace_db(m->ks, db), NULL), KEYSPACE_OK);
        for (unsigned j = 0; j < M_KEYS; j++)
            m->k[db][j].present = false;
        m_inject_failures(m); /* the new maps start without */
    } else if (op == 82) {
        struct model_key tmp[M_KEYS];

        keyspace_swapdb(m->ks, 0, 1, NOW);
        memcpy(tmp, m->k[0], sizeof(tmp));
        memcpy(m->k[0], m->k[1], sizeof(tmp));
        memcpy(m->k[1], tmp, sizeof(tmp));
    } else
        m_check_value(m, db, i);
}

static void run_model(uint64_t seed, uint64_t fail_every, int steps)
{
    struct model *m = calloc(1, sizeof(*m));

    m->rng = seed;
    m->ks = ks_new(M_DBS, 2, m->rng);
    m->now = NOW;
    m->fail_every = fail_every;
    m_inject_failures(m);
    for (int step = 0; step < steps; step++) {
        m_step(m);
        keyspace__check_invariants(m->ks);
    }
    for (unsigned db = 0; db < M_DBS; db++)
        for (unsigned i = 0; i < M_KEYS; i++)
            m_check_value(m, db, i);
    if (fail_every)
        ck_assert_uint_gt(m->enomem, 100); /* the failure paths did run */
    keyspace_destroy(m->ks);
    free(m);
}

START_TEST(expiry_index_stays_consistent_under_random_ops)
{
    run_model(seed_from_env(20240601), 0, 30000);
}
END_TEST

START_TEST(out_of_memory_leaves_keys_and_index_unchanged)
{
    run_model(seed_from_env(4242), 5, 30000);
}
END_TEST

/* ==== concurrency =================================================================== */

struct worker {
    struct keyspace *ks;
    uint64_t seed;
    int64_t now;
};

/* MSET-like batches over random keys of db 0 and 1, with TTLs. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    uint64_t st = w->seed;

    for (int op = 0; op < 3000; op++) {
        struct keyspace_lockset set;
        struct keyspace_key keys[8];
        struct keyspace_shard *shards[8];
        char names[8][16];
        struct keyspace_db *db = keyspace_db(w->ks, (unsigned)(rng_next(&st) % 2));

        keyspace_lockset_init(&set);
        for (int j = 0; j < 8; j++) {
            snprintf(names[j], sizeof(names[j]), "c%u", (unsigned)(rng_next(&st) % 2000));
            keyspace_key_init(w->ks, &keys[j], names[j], strlen(names[j]));
            shards[j] = keyspace_shard_of(db, &keys[j]);
            ck_assert_int_eq(keyspace_lockset_add(&set, shards[j]), KEYSPACE_OK);
        }
        keyspace_lockset_lock(&set);
        for (int j = 0; j < 8; j++) {
            int64_t at = rng_next(&st) % 2 ? w->now + (int64_t)(rng_next(&st) % 50)
                                            : KEYSPACE_TTL_NONE;

            if (rng_next(&st) % 4 == 0)
                keyspace_delete(shards[j], &keys[j], w->now);
            else
                ck_assert_int_eq(keyspace_set_string(shards[j], &keys[j], names[j],
                                                     strlen(names[j]), OBJECT_STR_TRY, at, w->now,
                                                     NULL), KEYSPACE_OK);
        }
        keyspace_lockset_unlock(&set);
        keyspace_lockset_deinit(&set);
        w->now++;
    }
    return NULL;
}

static void ignore_key(const char *key, size_t len, const struct object *o, void *ud)
{
    (void)key;
    (void)len;
    (void)o;
    (void)ud;
}

static void *janitor_main(void *arg)
{
    struct worker *w = arg;
    uint64_t cursor = 0;
    unsigned ecursor = 0;

    for (int op = 0; op < 400; op++) {
        cursor = keyspace_scan(keyspace_db(w->ks, op % 2), cursor, 20, w->now + op, ignore_key,
                               NULL);
        keyspace_active_expire(w->ks, w->now + op, 200, &ecursor);
        if (op % 50 == 0)
            keyspace_swapdb(w->ks, 0, 1, NOW);
        if (op % 97 == 0)
            ck_assert_int_eq(keyspace_flushdb(keyspace_db(w->ks, 1), NULL), KEYSPACE_OK);
        keyspace_random_key(keyspace_db(w->ks, 0), w->now + op, ignore_key, NULL);
    }
    return NULL;
}

START_TEST(concurrent_commands_and_background_work_stay_consistent)
{
    struct keyspace *cks = ks_new(2, 3, 5);
    struct worker w[5];
    pthread_t t[5];
    uint64_t seed = seed_from_env(777);

    for (int i = 0; i < 5; i++) {
        w[i].ks = cks;
        w[i].seed = seed + (uint64_t)i;
        w[i].now = NOW;
        ck_assert_int_eq(pthread_create(&t[i], NULL, i == 4 ? janitor_main : worker_main, &w[i]),
                         0);
    }
    for (int i = 0; i < 5; i++)
        pthread_join(t[i], NULL);
    keyspace__check_invariants(cks);
    keyspace_destroy(cks);
}
END_TEST

/* ==== suite ========================================================================= */


/* ==== WATCH: per-key versions ================================================= */

static uint64_t watch_at(struct keyspace_db *db, const char *k, int64_t now)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db, k, &key);
    uint64_t v;

    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_watch(sh, &key, now, &v), KEYSPACE_OK);
    keyspace_shard_unlock(sh);
    return v;
}

static uint64_t watch(struct keyspace_db *db, const char *k)
{
    return watch_at(db, k, NOW);
}

static uint64_t version_at(struct keyspace_db *db, const char *k, int64_t now)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db, k, &key);
    uint64_t v;

    keyspace_shard_lock(sh);
    v = keyspace_watch_version(sh, &key, now);
    keyspace_shard_unlock(sh);
    return v;
}

static uint64_t version(struct keyspace_db *db, const char *k)
{
    return version_at(db, k, NOW);
}

static void unwatch(struct keyspace_db *db, const char *k)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db, k, &key);

    keyspace_shard_lock(sh);
    keyspace_unwatch(sh, &key);
    keyspace_shard_unlock(sh);
}

static size_t watched_in_shard_of(struct keyspace_db *db, const char *k)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db, k, &key);
    size_t n;

    keyspace_shard_lock(sh);
    n = keyspace__watched_keys(sh);
    keyspace_shard_unlock(sh);
    return n;
}

START_TEST(watch_table_exists_only_while_a_key_is_watched)
{
    ck_assert_uint_eq(watched_in_shard_of(db0, "w"), 0);
    watch(db0, "w");
    watch(db0, "w");
    ck_assert_uint_eq(watched_in_shard_of(db0, "w"), 1);
    unwatch(db0, "w");
    ck_assert_uint_eq(watched_in_shard_of(db0, "w"), 1);
    unwatch(db0, "w");
    ck_assert_uint_eq(watched_in_shard_of(db0, "w"), 0);
}
END_TEST

/* One mutation of key "w" (and friends) with the shards locked. */
typedef void (*mutation_fn)(void);

static struct hashmap_entry *w_find(struct keyspace_shard *sh, struct keyspace_key *key)
{
    struct hashmap_entry *e = keyspace_find(sh, key, NOW, KEYSPACE_LOOKUP_NOTOUCH);

    ck_assert_ptr_nonnull(e);
    return e;
}

#define WITH_W(body)                                                                    \
    do {                                                                                \
        struct keyspace_key key;                                                        \
        struct keyspace_shard *sh = key_of(db0, "w", &key);                             \
        keyspace_shard_lock(sh);                                                        \
        body;                                                                           \
        keyspace_shard_unlock(sh);                                                      \
    } while (0)

static void wm_set_string(void) { put(db0, "w", "new"); }
static void wm_set_int(void)
{
    WITH_W(ck_assert_int_eq(keyspace_set_int(sh, &key, 7, KEYSPACE_TTL_KEEP, NOW, NULL), 0));
}
static void wm_append(void)
{
    size_t n;
    WITH_W(struct hashmap_entry *e = w_find(sh, &key);
           ck_assert_int_eq(keyspace_append(sh, &e, "x", 1, &n), 0));
}
static void wm_setrange(void)
{
    size_t n;
    WITH_W(struct hashmap_entry *e = w_find(sh, &key);
           ck_assert_int_eq(keyspace_setrange(sh, &key, &e, 0, "z", 1, NOW, &n), 0));
}
static void wm_reserve(void)
{
    char *b;
    WITH_W(struct hashmap_entry *e = w_find(sh, &key);
           ck_assert_int_eq(keyspace_string_reserve(sh, &e, 8, &b), 0));
}
static void wm_expire(void)
{
    WITH_W(struct hashmap_entry *e = w_find(sh, &key);
           ck_assert_int_eq(keyspace_set_expire(sh, &e, NOW + 100000), 0));
}
static void wm_persist(void)
{
    put_ttl(db0, "w", "1", NOW + 1000);
}
static void wm_persist2(void)
{
    WITH_W(struct hashmap_entry *e = w_find(sh, &key); ck_assert(keyspace_persist(sh, &e)));
}
static void wm_delete(void)
{
    WITH_W(ck_assert(keyspace_delete(sh, &key, NOW)));
}
static void wm_delete_entry(void)
{
    WITH_W(keyspace_delete_entry(sh, w_find(sh, &key)));
}

/* rename/copy between "w" and "src"/"dst" in db 0 and db 1 (locks both). */
static void move_key(const char *from, unsigned from_db, const char *to, unsigned to_db, bool copy)
{
    struct keyspace_key fk, tk;
    struct keyspace_shard *fs = key_of(keyspace_db(ks, from_db), from, &fk);
    struct keyspace_shard *ts = key_of(keyspace_db(ks, to_db), to, &tk);
    struct keyspace_lockset set;

    keyspace_lockset_init(&set);
    keyspace_lockset_add(&set, fs);
    keyspace_lockset_add(&set, ts);
    keyspace_lockset_lock(&set);
    if (copy)
        ck_assert_int_eq(keyspace_copy(w_find(fs, &fk), ts, &tk, NOW, NULL), 0);
    else
        ck_assert_int_eq(keyspace_rename(fs, w_find(fs, &fk), ts, &tk, NOW, NULL), 0);
    keyspace_lockset_unlock(&set);
    keyspace_lockset_deinit(&set);
}

static void wm_rename_src(void) { move_key("w", 0, "dst", 1, false); }
static void wm_rename_dst(void) { move_key("src", 1, "w", 0, false); }
static void wm_copy_dst(void) { move_key("src", 1, "w", 0, true); }
static void wm_flushdb(void) { ck_assert_int_eq(keyspace_flushdb(db0, NULL), 0); }
static void wm_flushall(void) { ck_assert_int_eq(keyspace_flushall(ks, NULL), 0); }
static void wm_swapdb(void) { keyspace_swapdb(ks, 0, 1, NOW); }

START_TEST(every_write_path_bumps_a_watched_key)
{
    static const struct { const char *name; mutation_fn pre, fn; } cases[] = {
        {"set_string", NULL, wm_set_string}, {"set_int in place", NULL, wm_set_int},
        {"append", NULL, wm_append},         {"setrange", NULL, wm_setrange},
        {"string_reserve", NULL, wm_reserve}, {"set_expire", NULL, wm_expire},
        {"persist", wm_persist, wm_persist2}, {"delete", NULL, wm_delete},
        {"delete_entry", NULL, wm_delete_entry}, {"rename source", NULL, wm_rename_src},
        {"rename destination", NULL, wm_rename_dst}, {"copy destination", NULL, wm_copy_dst},
        {"flushdb", NULL, wm_flushdb},       {"flushall", NULL, wm_flushall},
        {"swapdb", NULL, wm_swapdb},
    };
    struct keyspace_db *db1 = keyspace_db(ks, 1);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v;

        put(db0, "w", "1");
        put(db1, "src", "s");
        if (cases[i].pre)
            cases[i].pre();
        v = watch(db0, "w");
        cases[i].fn();
        ck_assert_msg(version(db0, "w") != v, "%s did not bump the version", cases[i].name);
        unwatch(db0, "w");
        ck_assert_uint_eq(watched_in_shard_of(db0, "w"), 0);
    }
}
END_TEST

START_TEST(creating_a_watched_key_bumps_it)
{
    uint64_t v = watch(db0, "new");

    put(db0, "new", "1");
    ck_assert_uint_ne(version(db0, "new"), v);
    unwatch(db0, "new");
}
END_TEST

START_TEST(reads_and_other_keys_of_the_same_shard_do_not_bump)
{
    /* One shard per db: every key shares it. */
    struct keyspace *one = ks_new(2, 0, 7);
    struct keyspace_db *d = keyspace_db(one, 0);
    struct keyspace_shard *sh = keyspace_db_shard(d, 0);
    struct keyspace_key w, o;
    struct hashmap_entry *e;
    uint64_t v;
    char name[32];

    keyspace_key_init(one, &w, "w", 1);
    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_set_string(sh, &w, "1", 1, OBJECT_STR_TRY, KEYSPACE_TTL_NONE, NOW,
                                         NULL), 0);
    ck_assert_int_eq(keyspace_watch(sh, &w, NOW, &v), 0);
    for (int i = 0; i < 1000; i++) { /* grows the map through resizes */
        snprintf(name, sizeof(name), "other:%d", i);
        keyspace_key_init(one, &o, name, strlen(name));
        ck_assert_int_eq(keyspace_set_string(sh, &o, "x", 1, OBJECT_STR_TRY, NOW + 5, NOW, NULL),
                         0);
    }
    keyspace_key_init(one, &o, "other:3", 7);
    ck_assert(keyspace_delete(sh, &o, NOW));
    e = keyspace_find(sh, &w, NOW, KEYSPACE_LOOKUP_COUNT); /* a read, with touch */
    ck_assert_ptr_nonnull(e);
    keyspace_touch(sh, e, NOW);
    keyspace_shard_unlock(sh);
    /* the others expire, lazily and actively */
    keyspace_active_expire(one, NOW + 10, 100000, &(unsigned){0});
    keyspace_shard_lock(sh);
    ck_assert_uint_eq(keyspace_watch_version(sh, &w, NOW + 10), v);
    keyspace_unwatch(sh, &w);
    ck_assert_uint_eq(keyspace__watched_keys(sh), 0);
    keyspace_shard_unlock(sh);
    keyspace__check_invariants(one);
    keyspace_destroy(one);
}
END_TEST

START_TEST(expiry_after_watch_is_a_change_but_a_stale_key_at_watch_is_not)
{
    uint64_t v;

    /* Live at WATCH, expired when checked (not yet reclaimed): changed. */
    put_ttl(db0, "e", "1", NOW + 100);
    v = watch(db0, "e");
    ck_assert_uint_ne(version_at(db0, "e", NOW + 200), v);
    unwatch(db0, "e");
    /* Live at WATCH, reclaimed by active expiry: changed. */
    put_ttl(db0, "e", "1", NOW + 100);
    v = watch(db0, "e");
    keyspace_active_expire(ks, NOW + 200, 1000000, &(unsigned){0});
    ck_assert_uint_ne(version_at(db0, "e", NOW + 200), v);
    unwatch(db0, "e");
    /* Already stale at WATCH (Redis's "WATCH stale keys should not fail
     * EXEC"): reclaiming it later changes nothing. */
    put_ttl(db0, "s", "1", NOW + 100);
    v = watch_at(db0, "s", NOW + 200);
    keyspace_active_expire(ks, NOW + 300, 1000000, &(unsigned){0});
    ck_assert_uint_eq(version_at(db0, "s", NOW + 300), v);
    unwatch(db0, "s");
}
END_TEST

START_TEST(flush_and_swapdb_bump_only_watched_keys_that_exist)
{
    struct keyspace_db *db1 = keyspace_db(ks, 1);
    uint64_t missing, present, incoming;

    put(db0, "present", "1");
    put(db1, "incoming", "1");
    missing = watch(db0, "missing");
    present = watch(db0, "present");
    incoming = watch(db0, "incoming");
    ck_assert_int_eq(keyspace_flushdb(db1, NULL), 0); /* another db: nothing */
    put(db1, "incoming", "1");
    ck_assert_uint_eq(version(db0, "present"), present);
    ck_assert_int_eq(keyspace_flushdb(db0, NULL), 0);
    ck_assert_uint_eq(version(db0, "missing"), missing);
    ck_assert_uint_ne(version(db0, "present"), present);
    ck_assert_uint_eq(version(db0, "incoming"), incoming);
    keyspace_swapdb(ks, 0, 1, NOW); /* brings "incoming" into db 0 */
    ck_assert_uint_eq(version(db0, "missing"), missing);
    ck_assert_uint_ne(version(db0, "incoming"), incoming);
    unwatch(db0, "missing");
    unwatch(db0, "present");
    unwatch(db0, "incoming");
}
END_TEST

/* Redis's "SWAPDB does not touch non-existing key replaced with stale key"
 * and "... stale key replaced with another stale key". */
START_TEST(swapdb_between_no_key_and_an_expired_one_is_no_change)
{
    struct keyspace_db *db1 = keyspace_db(ks, 1);
    const int64_t later = NOW + 200; /* past every TTL below */
    uint64_t v;

    put_ttl(db0, "k", "0", NOW + 100);
    put_ttl(db1, "k", "1", NOW + 100);
    v = watch_at(db0, "k", later); /* reclaims db 0's */
    keyspace_swapdb(ks, 0, 1, later); /* none -> expired */
    ck_assert_uint_eq(version_at(db0, "k", later), v); /* and reclaims it */
    put_ttl(db1, "k", "2", NOW + 100);
    keyspace_swapdb(ks, 0, 1, later); /* none -> expired */
    put_ttl(db1, "k", "3", NOW + 100);
    keyspace_swapdb(ks, 0, 1, later); /* expired -> expired */
    keyspace_swapdb(ks, 0, 1, later); /* and back */
    keyspace__check_invariants(ks);
    keyspace_active_expire(ks, later, 1000000, &(unsigned){0});
    ck_assert_uint_eq(version_at(db0, "k", later), v);
    put_ttl(db1, "k", "4", NOW + 100);
    keyspace_swapdb(ks, 0, 1, later); /* none -> expired */
    ck_assert_int_eq(keyspace_flushdb(db0, NULL), 0); /* expired -> none */
    keyspace_swapdb(ks, 0, 1, later); /* none -> none */
    ck_assert_uint_eq(version_at(db0, "k", later), v);
    /* A live key coming in, or one held before, is a change. */
    put(db1, "k", "5");
    keyspace_swapdb(ks, 0, 1, later);
    ck_assert_uint_ne(version_at(db0, "k", later), v);
    v = version_at(db0, "k", later);
    put_ttl(db1, "k", "6", NOW + 100);
    keyspace_swapdb(ks, 0, 1, later); /* live -> expired */
    ck_assert_uint_ne(version_at(db0, "k", later), v);
    unwatch(db0, "k");
    ck_assert_uint_eq(watched_in_shard_of(db0, "k"), 0);
}
END_TEST

/* ---- eviction ------------------------------------------------------------------ */

static void put_at(struct keyspace_db *db, const char *k, int64_t expire_at, int64_t now)
{
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db, k, &key);

    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_set_string(sh, &key, "v", 1, OBJECT_STR_TRY, expire_at, now, NULL),
                     KEYSPACE_OK);
    keyspace_shard_unlock(sh);
}

static bool exists_at(struct keyspace_db *db, const char *k, int64_t now)
{
    char buf[16];

    return get_at(db, k, now, buf, sizeof(buf));
}

/* Sample every shard of db a few times, so the pool has seen every key. */
static void sample_all(struct keyspace_evict_pool *pool, struct keyspace_db *db, int64_t now)
{
    for (int round = 0; round < 8; round++)
        for (unsigned i = 0; i < keyspace_shards_per_db(ks); i++)
            keyspace_evict_sample(pool, keyspace_db_shard(db, i), 5, now);
}

START_TEST(evict_lru_picks_idle_key_over_fresh_one)
{
    struct keyspace_evict_pool pool;
    int64_t later = NOW + 100000;
    size_t freed = 0;

    put_at(db0, "idle", KEYSPACE_TTL_NONE, NOW);
    put_at(db0, "fresh", KEYSPACE_TTL_NONE, later);
    keyspace_evict_pool_init(&pool, KEYSPACE_EVICT_LRU, false);
    sample_all(&pool, db0, later);
    ck_assert_uint_eq(pool.n, 2); /* each key pooled once, however often sampled */
    ck_assert(keyspace_evict_best(&pool, ks, later, &freed));
    ck_assert_uint_gt(freed, 0);
    ck_assert(!exists_at(db0, "idle", later));
    ck_assert(exists_at(db0, "fresh", later));
    keyspace_evict_pool_deinit(&pool);
}
END_TEST

START_TEST(evict_lfu_picks_rarely_used_key)
{
    struct keyspace_evict_pool pool;
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db0, "hot", &key);

    put_at(db0, "cold", KEYSPACE_TTL_NONE, NOW);
    put_at(db0, "hot", KEYSPACE_TTL_NONE, NOW);
    keyspace_shard_lock(sh);
    for (int i = 0; i < 2000; i++)
        keyspace_touch(sh, keyspace_find(sh, &key, NOW, KEYSPACE_LOOKUP_NOTOUCH), NOW);
    keyspace_shard_unlock(sh);
    keyspace_evict_pool_init(&pool, KEYSPACE_EVICT_LFU, false);
    sample_all(&pool, db0, NOW);
    ck_assert(keyspace_evict_best(&pool, ks, NOW, NULL));
    ck_assert(!exists_at(db0, "cold", NOW));
    ck_assert(exists_at(db0, "hot", NOW));
    keyspace_evict_pool_deinit(&pool);
}
END_TEST

START_TEST(evict_volatile_never_takes_keys_without_ttl)
{
    struct keyspace_evict_pool pool;
    struct keyspace_key key;

    put_at(db0, "plain", KEYSPACE_TTL_NONE, NOW);
    put_at(db0, "timed", NOW + 60000, NOW);
    ck_assert_uint_eq(keyspace_evict_candidates(key_of(db0, "plain", &key), true),
                      key_of(db0, "plain", &key) == key_of(db0, "timed", &key) ? 1 : 0);
    keyspace_evict_pool_init(&pool, KEYSPACE_EVICT_RANDOM, true);
    sample_all(&pool, db0, NOW);
    ck_assert(keyspace_evict_best(&pool, ks, NOW, NULL));
    ck_assert(!exists_at(db0, "timed", NOW));
    sample_all(&pool, db0, NOW);
    ck_assert(!keyspace_evict_best(&pool, ks, NOW, NULL));
    ck_assert(exists_at(db0, "plain", NOW));
    keyspace_evict_pool_deinit(&pool);
}
END_TEST

START_TEST(evict_volatile_ttl_picks_soonest_expiry)
{
    struct keyspace_evict_pool pool;

    put_at(db0, "late", NOW + 1000000, NOW);
    put_at(db0, "soon", NOW + 10000, NOW);
    put_at(db0, "middle", NOW + 500000, NOW);
    put_at(db0, "forever", KEYSPACE_TTL_NONE, NOW);
    keyspace_evict_pool_init(&pool, KEYSPACE_EVICT_TTL, true);
    sample_all(&pool, db0, NOW);
    ck_assert(keyspace_evict_best(&pool, ks, NOW, NULL));
    ck_assert(!exists_at(db0, "soon", NOW));
    ck_assert(exists_at(db0, "middle", NOW));
    ck_assert(keyspace_evict_best(&pool, ks, NOW, NULL));
    ck_assert(!exists_at(db0, "middle", NOW));
    ck_assert(exists_at(db0, "late", NOW));
    ck_assert(exists_at(db0, "forever", NOW));
    keyspace_evict_pool_deinit(&pool);
}
END_TEST

START_TEST(evict_skips_candidates_deleted_meanwhile)
{
    struct keyspace_evict_pool pool;
    char longkey[200];

    memset(longkey, 'k', sizeof(longkey) - 1); /* a heap-copied candidate */
    longkey[sizeof(longkey) - 1] = '\0';
    put_at(db0, "gone", KEYSPACE_TTL_NONE, NOW);
    put_at(db0, longkey, KEYSPACE_TTL_NONE, NOW);
    keyspace_evict_pool_init(&pool, KEYSPACE_EVICT_LRU, false);
    sample_all(&pool, db0, NOW);
    ck_assert_uint_eq(pool.n, 2);
    ck_assert(del(db0, "gone", NOW));
    ck_assert(del(db0, longkey, NOW));
    ck_assert(!keyspace_evict_best(&pool, ks, NOW, NULL));
    ck_assert_uint_eq(pool.n, 0);
    put_at(db0, longkey, KEYSPACE_TTL_NONE, NOW);
    sample_all(&pool, db0, NOW);
    keyspace_evict_pool_deinit(&pool); /* frees the heap copy left */
}
END_TEST

START_TEST(evict_pool_keeps_only_the_best_candidates)
{
    struct keyspace_evict_pool pool;
    char k[32];

    for (unsigned i = 0; i < 100; i++) {
        name(k, sizeof(k), "key", i);
        put_at(db0, k, KEYSPACE_TTL_NONE, NOW + (int64_t)i * 1000);
    }
    keyspace_evict_pool_init(&pool, KEYSPACE_EVICT_LRU, false);
    sample_all(&pool, db0, NOW + 100000);
    ck_assert_uint_eq(pool.n, KEYSPACE_EVPOOL_SIZE);
    for (size_t i = 1; i < pool.n; i++)
        ck_assert_uint_le(pool.c[i - 1].score, pool.c[i].score);
    for (unsigned evicted = 0; evicted < 100; evicted++) {
        if (!keyspace_evict_best(&pool, ks, NOW + 100000, NULL)) {
            sample_all(&pool, db0, NOW + 100000);
            ck_assert(keyspace_evict_best(&pool, ks, NOW + 100000, NULL));
        }
    }
    ck_assert_uint_eq(keyspace_dbsize(db0), 0);
    sample_all(&pool, db0, NOW);
    ck_assert(!keyspace_evict_best(&pool, ks, NOW, NULL));
    keyspace_evict_pool_deinit(&pool);
}
END_TEST

/* ---- keys clients wait on ------------------------------------------------- */

struct readiness {
    int calls;
    char last[32];
};

static void ready_cb(struct keyspace_shard *sh, const char *key, size_t len, void *ud)
{
    struct readiness *r = ud;
    (void)sh;
    r->calls++;
    snprintf(r->last, sizeof(r->last), "%.*s", (int)len, key);
}

static struct keyspace *ks_with_ready(struct readiness *r)
{
    struct keyspace_config cfg;
    struct keyspace *k = NULL;

    keyspace_config_default(&cfg);
    cfg.hasher.fn = test_hash;
    cfg.ready_cb = ready_cb;
    cfg.ready_ud = r;
    ck_assert_int_eq(keyspace_create(&cfg, &k), KEYSPACE_OK);
    return k;
}

static void wait_on(struct keyspace *k, unsigned dbi, const char *name, void *queue)
{
    struct keyspace_key key;
    struct keyspace_db *db = keyspace_db(k, dbi);
    keyspace_key_init(k, &key, name, strlen(name));
    struct keyspace_shard *sh = keyspace_shard_of(db, &key);
    keyspace_shard_lock(sh);
    void **slot = keyspace_waiters_slot(sh, &key);
    ck_assert_ptr_nonnull(slot);
    *slot = queue;
    keyspace_shard_unlock(sh);
}

START_TEST(creating_a_waited_key_signals_it_and_only_it)
{
    struct readiness r = {0};
    struct keyspace *k = ks_with_ready(&r);
    struct keyspace_db *db = keyspace_db(k, 0);
    int queue;
    struct keyspace_key key;

    wait_on(k, 0, "jobs", &queue);
    keyspace_key_init(k, &key, "jobs", 4);
    struct keyspace_shard *sh = keyspace_shard_of(db, &key);
    keyspace_shard_lock(sh);
    ck_assert_ptr_eq(keyspace_waiters(sh, &key), &queue);
    keyspace_shard_unlock(sh);
    struct keyspace_key other;
    keyspace_key_init(k, &other, "other", 5);
    struct keyspace_shard *osh = keyspace_shard_of(db, &other);
    keyspace_shard_lock(osh);
    ck_assert_int_eq(keyspace_set_string(osh, &other, "v", 1, OBJECT_STR_TRY, KEYSPACE_TTL_NONE,
                                         NOW, NULL), KEYSPACE_OK);
    keyspace_shard_unlock(osh);
    ck_assert_int_eq(r.calls, 0);
    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_set_string(sh, &key, "v", 1, OBJECT_STR_TRY, KEYSPACE_TTL_NONE,
                                         NOW, NULL), KEYSPACE_OK);
    ck_assert_int_eq(r.calls, 1);
    ck_assert_str_eq(r.last, "jobs");
    /* A new value for the existing key is a new chance too (RENAME onto it). */
    ck_assert_int_eq(keyspace_set_string(sh, &key, "w", 1, OBJECT_STR_TRY, KEYSPACE_TTL_NONE,
                                         NOW, NULL), KEYSPACE_OK);
    ck_assert_int_eq(r.calls, 2);
    keyspace_waiters_drop(sh, &key);
    ck_assert_ptr_null(keyspace_waiters(sh, &key));
    keyspace_delete(sh, &key, NOW);
    ck_assert_int_eq(keyspace_set_string(sh, &key, "v", 1, OBJECT_STR_TRY, KEYSPACE_TTL_NONE,
                                         NOW, NULL), KEYSPACE_OK);
    ck_assert_int_eq(r.calls, 2);
    keyspace_shard_unlock(sh);
    keyspace__check_invariants(k);
    keyspace_destroy(k);
}
END_TEST

/* ---- keys clients cache ---------------------------------------------------------- */

struct tracked_log {
    int changed, implicit, freed, untracked; /* untracked: NULL records under track_all */
    char last[32];
};

static void tracked_cb(struct keyspace_shard *sh, const char *key, size_t len, void *rec,
                       bool implicit, void *ud)
{
    struct tracked_log *t = ud;
    (void)sh;
    if (rec == NULL) {
        t->untracked++;
        return;
    }
    free(rec);
    t->changed++;
    t->implicit += implicit;
    snprintf(t->last, sizeof(t->last), "%.*s", (int)len, key);
}

static void tracked_free(void *rec, void *ud)
{
    struct tracked_log *t = ud;
    free(rec);
    t->freed++;
}

static struct keyspace *ks_with_tracking(struct tracked_log *t)
{
    struct keyspace_config cfg;
    struct keyspace *k = NULL;

    keyspace_config_default(&cfg);
    cfg.hasher.fn = test_hash;
    cfg.tracked_cb = tracked_cb;
    cfg.tracked_free = tracked_free;
    cfg.tracked_ud = t;
    ck_assert_int_eq(keyspace_create(&cfg, &k), KEYSPACE_OK);
    return k;
}

/* Record key in database dbi (a malloc'd record, as the server's). */
static void track(struct keyspace *k, unsigned dbi, const char *name)
{
    struct keyspace_key key;
    keyspace_key_init(k, &key, name, strlen(name));
    struct keyspace_shard *sh = keyspace_shard_of(keyspace_db(k, dbi), &key);
    keyspace_shard_lock(sh);
    void **slot = keyspace_tracked_slot(sh, &key);
    ck_assert_ptr_nonnull(slot);
    ck_assert_ptr_null(*slot);
    *slot = malloc(8);
    keyspace_shard_unlock(sh);
}

static void write_key(struct keyspace *k, unsigned dbi, const char *name, int64_t expire_at)
{
    struct keyspace_key key;
    keyspace_key_init(k, &key, name, strlen(name));
    struct keyspace_shard *sh = keyspace_shard_of(keyspace_db(k, dbi), &key);
    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_set_string(sh, &key, "v", 1, OBJECT_STR_TRY, expire_at, NOW,
                                         NULL), KEYSPACE_OK);
    keyspace_shard_unlock(sh);
}

START_TEST(a_tracked_key_hands_its_record_over_once_on_change)
{
    struct tracked_log t = {0};
    struct keyspace *k = ks_with_tracking(&t);
    track(k, 0, "cached");
    write_key(k, 0, "other", KEYSPACE_TTL_NONE);
    write_key(k, 1, "cached", KEYSPACE_TTL_NONE); /* records are per database */
    ck_assert_int_eq(t.changed, 0);
    write_key(k, 0, "cached", KEYSPACE_TTL_NONE);
    ck_assert_int_eq(t.changed, 1);
    ck_assert_int_eq(t.implicit, 0);
    ck_assert_str_eq(t.last, "cached");
    write_key(k, 0, "cached", KEYSPACE_TTL_NONE); /* the record went with the change */
    ck_assert_int_eq(t.changed, 1);
    keyspace_destroy(k);
}
END_TEST

START_TEST(expiry_hands_the_record_over_as_implicit)
{
    struct tracked_log t = {0};
    struct keyspace *k = ks_with_tracking(&t);
    write_key(k, 0, "short", NOW + 10);
    track(k, 0, "short");
    struct keyspace_key key;
    keyspace_key_init(k, &key, "short", 5);
    struct keyspace_shard *sh = keyspace_shard_of(keyspace_db(k, 0), &key);
    keyspace_shard_lock(sh);
    ck_assert_ptr_null(keyspace_find(sh, &key, NOW + 11, 0));
    keyspace_shard_unlock(sh);
    ck_assert_int_eq(t.changed, 1);
    ck_assert_int_eq(t.implicit, 1);
    keyspace_destroy(k);
}
END_TEST

START_TEST(flush_drops_records_swapdb_changes_them)
{
    struct tracked_log t = {0};
    struct keyspace *k = ks_with_tracking(&t);
    track(k, 0, "a");
    track(k, 0, "b");
    write_key(k, 1, "a", KEYSPACE_TTL_NONE);
    keyspace_swapdb(k, 0, 1, NOW);
    ck_assert_int_eq(t.changed, 1); /* a got db 1's value; b held none in either */
    ck_assert_str_eq(t.last, "a");
    ck_assert_int_eq(keyspace_flushall(k, NULL), KEYSPACE_OK);
    ck_assert_int_eq(t.freed, 1);
    ck_assert_int_eq(t.changed, 1);
    track(k, 2, "c");
    keyspace_destroy(k);
    ck_assert_int_eq(t.freed, 2);
}
END_TEST

START_TEST(evicting_a_record_and_tracking_every_change)
{
    struct tracked_log t = {0};
    struct keyspace *k = ks_with_tracking(&t);
    track(k, 0, "only");
    struct keyspace_key key;
    keyspace_key_init(k, &key, "only", 4);
    struct keyspace_shard *sh = keyspace_shard_of(keyspace_db(k, 0), &key);
    keyspace_shard_lock(sh);
    ck_assert_uint_eq(keyspace_tracked_keys(sh), 1);
    ck_assert(keyspace_tracked_evict(sh, tracked_cb, &t));
    ck_assert(!keyspace_tracked_evict(sh, tracked_cb, &t));
    ck_assert_uint_eq(keyspace_tracked_keys(sh), 0);
    keyspace_shard_unlock(sh);
    ck_assert_int_eq(t.changed, 1);
    ck_assert_int_eq(t.implicit, 1);
    keyspace_set_track_all(k, true);
    write_key(k, 3, "anything", KEYSPACE_TTL_NONE);
    ck_assert_int_eq(t.untracked, 1);
    keyspace_set_track_all(k, false);
    write_key(k, 3, "anything", KEYSPACE_TTL_NONE);
    ck_assert_int_eq(t.untracked, 1);
    keyspace_destroy(k);
}
END_TEST

/* Give key a string value in database dbi. */
static void set_in(struct keyspace *k, unsigned dbi, const struct keyspace_key *key)
{
    struct keyspace_shard *sh = keyspace_shard_of(keyspace_db(k, dbi), key);
    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_set_string(sh, key, "v", 1, OBJECT_STR_TRY, KEYSPACE_TTL_NONE,
                                         NOW, NULL), KEYSPACE_OK);
    keyspace_shard_unlock(sh);
}

/* Whole-database changes signal the waited keys they give or take a
 * value (a blocked XREADGROUP must hear that its stream went). */
START_TEST(waiters_stay_with_their_database_and_hear_of_swapdb_and_flush)
{
    struct readiness r = {0};
    struct keyspace *k = ks_with_ready(&r);
    int queue;
    struct keyspace_key key;

    wait_on(k, 0, "jobs", &queue);
    wait_on(k, 0, "never", &queue);
    keyspace_key_init(k, &key, "jobs", 4);
    set_in(k, 1, &key);
    ck_assert_int_eq(r.calls, 0); /* db 1 has no waiters */
    keyspace_swapdb(k, 0, 1, NOW);
    ck_assert_int_eq(r.calls, 1); /* db 0's waited key got a value */
    keyspace_swapdb(k, 0, 1, NOW);
    ck_assert_int_eq(r.calls, 2); /* and lost it */
    keyspace_swapdb(k, 0, 1, NOW);
    ck_assert_int_eq(keyspace_flushall(k, NULL), KEYSPACE_OK);
    ck_assert_int_eq(r.calls, 4);
    ck_assert_str_eq(r.last, "jobs");
    ck_assert_int_eq(keyspace_flushdb(keyspace_db(k, 0), NULL), KEYSPACE_OK);
    ck_assert_int_eq(r.calls, 4); /* nothing held a value */
    struct keyspace_shard *sh0 = keyspace_shard_of(keyspace_db(k, 0), &key);
    keyspace_shard_lock(sh0);
    ck_assert_ptr_eq(keyspace_waiters(sh0, &key), &queue);
    keyspace_waiters_drop(sh0, &key);
    keyspace_shard_unlock(sh0);
    keyspace_destroy(k);
}
END_TEST

/* ---- events (keyspace notifications) ------------------------------------- */

struct event_log {
    char text[16][32]; /* "new k", "expired k"... */
    size_t n;
};

static void log_event_cb(struct keyspace_shard *sh, enum keyspace_event ev, const char *key,
                         size_t len, void *ud)
{
    struct event_log *log = ud;
    const char *name = ev == KEYSPACE_EVENT_NEW       ? "new"
                       : ev == KEYSPACE_EVENT_EXPIRED ? "expired"
                       : ev == KEYSPACE_EVENT_TTL     ? "ttl"
                                                      : "evicted";
    (void)sh;
    ck_assert_uint_lt(log->n, 16);
    snprintf(log->text[log->n++], sizeof(log->text[0]), "%s %.*s", name, (int)len, key);
}

static struct event_log events;

static void events_setup(void)
{
    struct keyspace_config cfg;

    keyspace_config_default(&cfg);
    cfg.shard_bits = 2;
    cfg.hasher.fn = test_hash;
    cfg.event_cb = log_event_cb;
    cfg.event_ud = &events;
    ck_assert_int_eq(keyspace_create(&cfg, &ks), KEYSPACE_OK);
    db0 = keyspace_db(ks, 0);
    memset(&events, 0, sizeof(events));
}

START_TEST(events_are_reported_only_when_asked_for)
{
    char got[16];

    put_ttl(db0, "quiet", "v", NOW + 10);
    ck_assert(!get_at(db0, "quiet", NOW + 11, got, sizeof(got)));
    ck_assert_uint_eq(events.n, 0); /* mask 0: nothing */
    keyspace_set_events(ks, KEYSPACE_EVENT_NEW | KEYSPACE_EVENT_EXPIRED);
    put_ttl(db0, "k", "v", NOW + 10);
    put_ttl(db0, "k", "w", NOW + 10); /* an overwrite is no new key */
    ck_assert(!get_at(db0, "k", NOW + 11, got, sizeof(got)));
    put(db0, "k", "again");
    put_ttl(db0, "a", "v", NOW + 10);
    keyspace_active_expire(ks, NOW + 11, 1000, &(unsigned){0});
    keyspace_set_events(ks, KEYSPACE_EVENT_EXPIRED);
    put(db0, "b", "v");
    ck_assert_uint_eq(events.n, 5);
    ck_assert_str_eq(events.text[0], "new k");
    ck_assert_str_eq(events.text[1], "expired k");
    ck_assert_str_eq(events.text[2], "new k");
    ck_assert_str_eq(events.text[3], "new a");
    ck_assert_str_eq(events.text[4], "expired a");
}
END_TEST

START_TEST(eviction_reports_evicted)
{
    struct keyspace_evict_pool pool;

    keyspace_set_events(ks, KEYSPACE_EVENT_EVICTED);
    put(db0, "victim", "v");
    keyspace_evict_pool_init(&pool, KEYSPACE_EVICT_LRU, false);
    sample_all(&pool, db0, NOW);
    ck_assert(keyspace_evict_best(&pool, ks, NOW, NULL));
    keyspace_evict_pool_deinit(&pool);
    ck_assert_uint_eq(events.n, 1);
    ck_assert_str_eq(events.text[0], "evicted victim");
}
END_TEST

/* A writable replica's own timed keys: every write that gives a key a TTL
 * says so, except the master's stream; keyspace_expire_own_key deletes
 * them when due even while expiry is held. */
START_TEST(ttl_events_and_own_key_expiry)
{
    keyspace_set_events(ks, KEYSPACE_EVENT_TTL | KEYSPACE_EVENT_EXPIRED);
    put_ttl(db0, "a", "v", NOW + 10);
    put_ttl(db0, "a", "w", NOW + 20); /* a new TTL on an overwrite */
    put_ttl(db0, "a", "x", KEYSPACE_TTL_KEEP); /* kept: no news */
    put(db0, "b", "v");
    struct keyspace_key key;
    struct keyspace_shard *sh = key_of(db0, "b", &key);
    keyspace_shard_lock(sh);
    struct hashmap_entry *e = keyspace_find(sh, &key, NOW, 0);
    ck_assert_int_eq(keyspace_set_expire(sh, &e, NOW + 30), KEYSPACE_OK);
    keyspace_shard_unlock(sh);
    keyspace_obey_begin(ks);
    put_ttl(db0, "m", "v", NOW + 10); /* the master's */
    keyspace_obey_end(ks);
    ck_assert_uint_eq(events.n, 3);
    ck_assert_str_eq(events.text[0], "ttl a");
    ck_assert_str_eq(events.text[1], "ttl a");
    ck_assert_str_eq(events.text[2], "ttl b");

    keyspace_hold_expired_always(ks, true);
    ck_assert_int_eq(keyspace_expire_own_key(db0, "a", 1, NOW + 15), KEYSPACE_OWN_PENDING);
    ck_assert_int_eq(keyspace_expire_own_key(db0, "a", 1, NOW + 21), KEYSPACE_OWN_EXPIRED);
    ck_assert_int_eq(keyspace_expire_own_key(db0, "a", 1, NOW + 21), KEYSPACE_OWN_UNTIMED);
    put(db0, "c", "v");
    ck_assert_int_eq(keyspace_expire_own_key(db0, "c", 1, NOW), KEYSPACE_OWN_UNTIMED);
    ck_assert_uint_eq(events.n, 4);
    ck_assert_str_eq(events.text[3], "expired a");
    keyspace_hold_expired_always(ks, false);
}
END_TEST

static Suite *keyspace_suite(void)
{
    Suite *s = suite_create("keyspace");
    TCase *basics = tcase_create("basics");
    TCase *strings = tcase_create("strings");
    TCase *expiry = tcase_create("expiry");
    TCase *moves = tcase_create("rename_copy");
    TCase *iter = tcase_create("scan_keys_random");
    TCase *whole = tcase_create("flush_swapdb");
    TCase *locks = tcase_create("locking");
    TCase *heavy = tcase_create("model_memory_threads");
    TCase *watching = tcase_create("watch");
    TCase *evict = tcase_create("evict");

    tcase_add_checked_fixture(evict, setup, teardown);
    tcase_add_test(evict, evict_lru_picks_idle_key_over_fresh_one);
    tcase_add_test(evict, evict_lfu_picks_rarely_used_key);
    tcase_add_test(evict, evict_volatile_never_takes_keys_without_ttl);
    tcase_add_test(evict, evict_volatile_ttl_picks_soonest_expiry);
    tcase_add_test(evict, evict_skips_candidates_deleted_meanwhile);
    tcase_add_test(evict, evict_pool_keeps_only_the_best_candidates);
    suite_add_tcase(s, evict);

    TCase *notify = tcase_create("events");
    tcase_add_checked_fixture(notify, events_setup, teardown);
    tcase_add_test(notify, events_are_reported_only_when_asked_for);
    tcase_add_test(notify, eviction_reports_evicted);
    tcase_add_test(notify, ttl_events_and_own_key_expiry);
    suite_add_tcase(s, notify);

    tcase_add_checked_fixture(basics, setup, teardown);
    tcase_add_checked_fixture(strings, setup, teardown);
    tcase_add_checked_fixture(expiry, setup, teardown);
    tcase_add_checked_fixture(moves, setup, teardown);
    tcase_add_checked_fixture(iter, setup, teardown);
    tcase_add_checked_fixture(whole, setup, teardown);
    tcase_add_checked_fixture(locks, setup, teardown);
    tcase_add_checked_fixture(watching, setup, teardown);
    tcase_add_test(watching, watch_table_exists_only_while_a_key_is_watched);
    tcase_add_test(watching, every_write_path_bumps_a_watched_key);
    tcase_add_test(watching, creating_a_watched_key_bumps_it);
    tcase_add_test(watching, reads_and_other_keys_of_the_same_shard_do_not_bump);
    tcase_add_test(watching, expiry_after_watch_is_a_change_but_a_stale_key_at_watch_is_not);
    tcase_add_test(watching, flush_and_swapdb_bump_only_watched_keys_that_exist);
    tcase_add_test(watching, swapdb_between_no_key_and_an_expired_one_is_no_change);
    tcase_add_test(watching, creating_a_waited_key_signals_it_and_only_it);
    tcase_add_test(watching, waiters_stay_with_their_database_and_hear_of_swapdb_and_flush);
    tcase_add_test(watching, a_tracked_key_hands_its_record_over_once_on_change);
    tcase_add_test(watching, expiry_hands_the_record_over_as_implicit);
    tcase_add_test(watching, flush_drops_records_swapdb_changes_them);
    tcase_add_test(watching, evicting_a_record_and_tracking_every_change);
    suite_add_tcase(s, watching);
    tcase_set_timeout(expiry, 120);
    tcase_set_timeout(iter, 120);
    tcase_set_timeout(heavy, 600);

    tcase_add_test(basics, set_get_and_delete_across_shards);
    tcase_add_test(basics, databases_are_bounded_and_stable);
    tcase_add_test(basics, invalid_config_is_rejected);
    tcase_add_test(basics, overwrite_changes_encoding_and_frees_old_value);
    tcase_add_test(basics, set_int_updates_in_place_and_keeps_ttl);
    tcase_add_test(basics, hits_and_misses_count_only_when_asked);
    tcase_add_test(strings, append_turns_value_into_raw);
    tcase_add_test(strings, append_keeps_ttl_and_grows_amortised);
    tcase_add_test(strings, setrange_pads_with_zeros_and_creates_missing_keys);
    tcase_add_test(strings, setrange_with_empty_value_leaves_int_alone);
    tcase_add_test(expiry, lazy_expiry_hides_expired_keys);
    tcase_add_test(expiry, an_obeying_thread_finds_expired_keys_live);
    tcase_add_test(expiry, expiry_held_always_leaves_keys_to_writes);
    tcase_add_test(expiry, delete_of_expired_key_reports_not_deleted);
    tcase_add_test(expiry, set_clears_ttl_unless_kept);
    tcase_add_test(expiry, expire_and_persist_resize_entry_and_keep_value);
    tcase_add_test(expiry, active_expiry_reclaims_100k_keys_without_lookups);
    tcase_add_test(expiry, active_expiry_stops_early_when_few_keys_are_stale);
    tcase_add_test(expiry, avg_ttl_is_exact_mean_of_remaining_ttls);
    tcase_add_test(moves, rename_moves_value_and_ttl_across_dbs);
    tcase_add_test(moves, rename_within_one_shard_keeps_index_consistent);
    tcase_add_test(moves, copy_duplicates_value_with_fresh_access_clock);
    tcase_add_test(iter, scan_reports_every_stable_key_across_grows_and_shrinks);
    tcase_add_test(iter, scan_cursor_walks_shards_in_order_and_ends_at_zero);
    tcase_add_test(iter, scan_and_keys_skip_and_reclaim_expired_keys);
    tcase_add_test(iter, keys_reports_each_key_exactly_once);
    tcase_add_test(iter, random_key_returns_live_keys_and_fails_on_empty_db);
    tcase_add_test(iter, random_key_skips_and_deletes_expired_keys);
    tcase_add_test(whole, flushdb_empties_one_db_only);
    tcase_add_test(whole, flushall_hands_old_contents_to_caller_when_asked);
    tcase_add_test(whole, swapdb_swaps_contents_behind_stable_pointers);
    tcase_add_test(locks, lockset_sorts_and_dedups_shards);
    tcase_add_test(locks, lockset_takes_a_whole_database);
    tcase_add_test(locks, lockset_grows_past_inline_capacity_for_many_keys);
    tcase_add_test(locks, a_thread_holding_shards_may_wait_for_more_in_any_order);
    tcase_add_test(heavy, expiry_index_stays_consistent_under_random_ops);
    tcase_add_test(heavy, out_of_memory_leaves_keys_and_index_unchanged);
    tcase_add_test(heavy, million_small_keys_cost_less_than_redis);
    tcase_add_test(heavy, concurrent_commands_and_background_work_stay_consistent);

    suite_add_tcase(s, basics);
    suite_add_tcase(s, strings);
    suite_add_tcase(s, expiry);
    suite_add_tcase(s, moves);
    suite_add_tcase(s, iter);
    suite_add_tcase(s, whole);
    suite_add_tcase(s, locks);
    suite_add_tcase(s, heavy);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(keyspace_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
