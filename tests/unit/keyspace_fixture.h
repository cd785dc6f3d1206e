/*
 * keyspace_fixture.h - a keyspace for the unit tests of what reads or
 * writes whole databases (RDB files, AOF rewrites): a fixed hasher, so the
 * order keys come out in is the same every run, and string keys set with
 * an optional TTL at a fixed NOW. Header-only: each test binary is one
 * file.
 */
#ifndef GROVE_TEST_KEYSPACE_FIXTURE_H
#define GROVE_TEST_KEYSPACE_FIXTURE_H

#include <check.h>
#include <string.h>

#include "keyspace.h"

#define NOW 1700000000000LL

static const struct hashmap_seed fixture_seed = {3, 4};
static const struct hashmap_hasher hasher = {hashmap_siphash, &fixture_seed};

/* 2^shard_bits shards (0: one map, so keys come out in one map's order). */
static inline struct keyspace *make_keyspace_with(unsigned shard_bits)
{
    struct keyspace_config cfg;
    struct keyspace *ks;
    keyspace_config_default(&cfg);
    cfg.hasher = hasher;
    cfg.shard_bits = shard_bits;
    ck_assert_int_eq(keyspace_create(&cfg, &ks), KEYSPACE_OK);
    return ks;
}

/* SET key val in database db, expiring at expire_at (KEYSPACE_TTL_NONE:
 * never). */
static inline void set(struct keyspace *ks, unsigned db, const char *key, const char *val,
                       int64_t expire_at)
{
    struct keyspace_key k;
    keyspace_key_init(ks, &k, key, strlen(key));
    struct keyspace_shard *sh = keyspace_shard_of(keyspace_db(ks, db), &k);
    keyspace_shard_lock(sh);
    ck_assert_int_eq(keyspace_set_string(sh, &k, val, strlen(val), OBJECT_STR_TRY, expire_at,
                                         NOW, NULL), KEYSPACE_OK);
    keyspace_shard_unlock(sh);
}

#endif
