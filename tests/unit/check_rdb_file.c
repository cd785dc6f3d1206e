/*
 * check_rdb_file.c - core/rdb_file and the keyspace's snapshot API: a
 * keyspace written as a file and loaded into another comes back with its
 * values, TTLs and databases; keys past their time and the checksum are
 * handled as Redis; truncated, corrupt and foreign files are refused
 * with Redis's messages; the dirty counter counts changes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"
#include "keyspace.h"
#include "keyspace_fixture.h"
#include "rdb.h"
#include "rdb_file.h"

static struct object_limits limits = OBJECT_LIMITS_DEFAULT;

static struct keyspace *make_keyspace(void)
{
    return make_keyspace_with(2);
}

/* key's value in db (NULL when absent) into buf, and its expire time. */
static const char *get(struct keyspace *ks, unsigned db, const char *key, char *buf, size_t cap,
                       int64_t *expire_at)
{
    struct keyspace_key k;
    const char *ptr = NULL;
    size_t len;
    char scratch[OBJECT_INT_BUFSIZE];
    keyspace_key_init(ks, &k, key, strlen(key));
    struct keyspace_shard *sh = keyspace_shard_of(keyspace_db(ks, db), &k);
    keyspace_shard_lock(sh);
    struct hashmap_entry *e = keyspace_find(sh, &k, NOW, 0);
    if (e) {
        const struct object *o = keyspace_object(e);
        object_string_view(o, scratch, &ptr, &len);
        snprintf(buf, cap, "%.*s", (int)len, ptr);
        *expire_at = object_has_ttl(o) ? object_expire_at(o) : KEYSPACE_TTL_NONE;
        ptr = buf;
    }
    keyspace_shard_unlock(sh);
    return ptr;
}

static int save_with(struct keyspace *ks, struct rdb_buf *out, bool checksum,
                     const struct rdb_file_aux *aux_in)
{
    struct lzf_state *lzf = malloc(sizeof(*lzf));
    struct rdb_file_writer fw;
    struct rdb_file_aux aux = *aux_in;
    lzf_state_init(lzf);
    rdb_file_writer_init(&fw, rdb_buf_sink_cb, out, lzf, checksum);
    keyspace_lock_all(ks);
    int rc = rdb_file_write_header(&fw, &aux);
    for (unsigned db = 0; rc == 0 && db < keyspace_databases(ks); db++)
        rc = rdb_file_write_db(&fw, ks, db);
    if (rc == 0)
        rc = rdb_file_write_end(&fw);
    keyspace_unlock_all(ks);
    free(lzf);
    return rc;
}

static int save(struct keyspace *ks, struct rdb_buf *out, bool checksum)
{
    struct rdb_file_aux aux = {.redis_ver = "7.0.15", .ctime = NOW / 1000, .used_mem = 1};
    return save_with(ks, out, checksum, &aux);
}

static int load(const void *buf, size_t len, struct keyspace **out,
                struct rdb_file_load_result *res)
{
    unsigned char *copy = malloc(len ? len : 1); /* exact size: ASan sees over-reads */
    memcpy(copy, buf, len);
    *out = make_keyspace();
    int rc = rdb_file_load(copy, len, *out, &hasher, &limits, NOW, true, NULL, NULL, res);
    free(copy);
    return rc;
}

static void fill(struct keyspace *ks)
{
    char key[32], val[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        snprintf(val, sizeof(val), i % 2 ? "%d" : "value-%d-long-enough-to-compress-%d", i, i);
        set(ks, (unsigned)(i % 3), key, val, i % 5 == 0 ? NOW + 1000 * i + 1 : KEYSPACE_TTL_NONE);
    }
    set(ks, 9, "gone", "v", NOW - 1); /* past: written, skipped on load */
}

START_TEST(file_round_trips_values_ttls_and_databases)
{
    struct keyspace *ks = make_keyspace(), *back;
    struct rdb_buf out = {0};
    struct rdb_file_load_result res;
    char key[32], buf[64], want[64];
    int64_t at;
    fill(ks);
    ck_assert_int_eq(save(ks, &out, true), 0);
    ck_assert(memcmp(out.data, "REDIS0010", 9) == 0);
    ck_assert_uint_eq(out.data[out.len - 9], RDB_OPCODE_EOF);
    uint64_t crc = 0;
    for (int i = 0; i < 8; i++)
        crc |= (uint64_t)out.data[out.len - 8 + i] << (8 * i);
    ck_assert_uint_eq(crc, crc64(0, out.data, out.len - 8));
    ck_assert_int_eq(load(out.data, out.len, &back, &res), 0);
    ck_assert_uint_eq(res.keys_loaded, 1000);
    ck_assert_uint_eq(res.keys_expired, 1);
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        snprintf(want, sizeof(want), i % 2 ? "%d" : "value-%d-long-enough-to-compress-%d", i, i);
        ck_assert_str_eq(get(back, (unsigned)(i % 3), key, buf, sizeof(buf), &at), want);
        ck_assert_int_eq(at, i % 5 == 0 ? NOW + 1000 * i + 1 : KEYSPACE_TTL_NONE);
    }
    ck_assert_ptr_null(get(back, 9, "gone", buf, sizeof(buf), &at));
    rdb_buf_deinit(&out);
    keyspace_destroy(ks);
    keyspace_destroy(back);
}
END_TEST

START_TEST(checksum_off_writes_zero_and_loads)
{
    struct keyspace *ks = make_keyspace(), *back;
    struct rdb_buf out = {0};
    struct rdb_file_load_result res;
    set(ks, 0, "a", "b", KEYSPACE_TTL_NONE);
    ck_assert_int_eq(save(ks, &out, false), 0);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(out.data[out.len - 8 + i], 0);
    ck_assert_int_eq(load(out.data, out.len, &back, &res), 0);
    ck_assert_uint_eq(res.keys_loaded, 1);
    rdb_buf_deinit(&out);
    keyspace_destroy(ks);
    keyspace_destroy(back);
}
END_TEST

START_TEST(every_truncation_is_a_short_read)
{
    struct keyspace *ks = make_keyspace(), *back;
    struct rdb_buf out = {0};
    struct rdb_file_load_result res;
    fill(ks);
    ck_assert_int_eq(save(ks, &out, true), 0);
    for (size_t len = 9; len < out.len; len += 1 + len / 64) {
        ck_assert_int_lt(load(out.data, len, &back, &res), 0);
        ck_assert_msg(strstr(res.error, "Short read or OOM loading DB") != NULL, "%zu: %s", len,
                      res.error);
        keyspace_destroy(back);
    }
    rdb_buf_deinit(&out);
    keyspace_destroy(ks);
}
END_TEST

START_TEST(a_changed_byte_fails_the_checksum)
{
    struct keyspace *ks = make_keyspace(), *back;
    struct rdb_buf out = {0};
    struct rdb_file_load_result res;
    set(ks, 0, "key", "hello", KEYSPACE_TTL_NONE);
    ck_assert_int_eq(save(ks, &out, true), 0);
    unsigned char *h = memmem(out.data, out.len, "hello", 5);
    ck_assert_ptr_nonnull(h);
    h[0] = 'j';
    ck_assert_int_eq(load(out.data, out.len, &back, &res), RDB_EFORMAT);
    ck_assert_msg(strstr(res.error, "Wrong RDB checksum") != NULL, "%s", res.error);
    rdb_buf_deinit(&out);
    keyspace_destroy(ks);
    keyspace_destroy(back);
}
END_TEST

/* Files of version 4 and older (Redis 2.4) have no checksum after their
 * EOF opcode: Redis's tests/assets/encodings.rdb is one. */
START_TEST(old_versions_end_without_a_checksum)
{
    static const char v4[] = "REDIS0004\xfe\x00\x00\x01k\x01v\xff";
    struct keyspace *back;
    struct rdb_file_load_result res;
    ck_assert_int_eq(load(v4, sizeof(v4) - 1, &back, &res), 0);
    ck_assert_uint_eq(keyspace_dbsize(keyspace_db(back, 0)), 1);
    keyspace_destroy(back);
    static const char v5[] = "REDIS0005\xfe\x00\x00\x01k\x01v\xff";
    ck_assert_int_lt(load(v5, sizeof(v5) - 1, &back, &res), 0);
    ck_assert_msg(strstr(res.error, "missing checksum") != NULL, "%s", res.error);
    keyspace_destroy(back);
}
END_TEST

static void note_empty_key_cb(const char *key, size_t len, void *ud)
{
    snprintf(ud, 16, "%.*s", (int)len, key);
}

/* A key whose value is empty (older Redis versions wrote some) is skipped,
 * counted and named, as Redis skips it, and the load goes on. */
START_TEST(empty_keys_are_skipped_and_named)
{
    static const char file[] = "REDIS0010\xfe\x00\x02\x05" "empty\x00\x00\x01k\x01v\xff"
                               "\x00\x00\x00\x00\x00\x00\x00\x00";
    char named[16] = "";
    struct rdb_file_load_hooks hooks = {.empty_key_cb = note_empty_key_cb, .ud = named};
    struct rdb_file_load_result res;
    struct keyspace *back = make_keyspace();
    ck_assert_int_eq(rdb_file_load_with(file, sizeof(file) - 1, back, &hasher, &limits, NOW, true,
                                        &hooks, &res),
                     0);
    ck_assert_uint_eq(res.keys_empty, 1);
    ck_assert_uint_eq(res.keys_loaded, 1);
    ck_assert_str_eq(named, "empty");
    keyspace_destroy(back);
}
END_TEST

START_TEST(foreign_files_are_refused_by_name)
{
    static const struct {
        const char *bytes;
        size_t len;
        int rc;
        const char *msg;
    } cases[] = {
        {"RDB0010\xff", 8, RDB_EFORMAT, "Wrong signature"},
        {"REDIS0011\xff", 10, RDB_EFORMAT, "Can't handle RDB format version 11"},
        {"REDIS0010\x15\x01s\x00", 13, RDB_ETYPE, "stream"},
        {"REDIS0010\xf7\x00", 11, RDB_ETYPE, "module aux"},
        {"REDIS0010\xfe\x40\x10", 12, RDB_EFORMAT, "more databases"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct keyspace *back;
        struct rdb_file_load_result res;
        ck_assert_int_eq(load(cases[i].bytes, cases[i].len, &back, &res), cases[i].rc);
        ck_assert_msg(strstr(res.error, cases[i].msg) != NULL, "%zu: %s", i, res.error);
        keyspace_destroy(back);
    }
}
END_TEST

START_TEST(dirty_counts_writes_deletes_and_flushes)
{
    struct keyspace *ks = make_keyspace();
    struct keyspace_key k;
    ck_assert_uint_eq(keyspace_dirty(ks), 0);
    set(ks, 0, "a", "1", KEYSPACE_TTL_NONE);
    set(ks, 0, "b", "1", KEYSPACE_TTL_NONE);
    set(ks, 1, "a", "2", KEYSPACE_TTL_NONE);
    ck_assert_uint_eq(keyspace_dirty(ks), 3);
    keyspace_key_init(ks, &k, "a", 1);
    struct keyspace_shard *sh = keyspace_shard_of(keyspace_db(ks, 0), &k);
    keyspace_shard_lock(sh);
    ck_assert(keyspace_delete(sh, &k, NOW));
    keyspace_shard_unlock(sh);
    ck_assert_uint_eq(keyspace_dirty(ks), 4);
    ck_assert_int_eq(keyspace_flushall(ks, NULL), 0);
    ck_assert_uint_eq(keyspace_dirty(ks), 6);
    keyspace_destroy(ks);
}
END_TEST

#define REPL_ID "0123456789abcdef0123456789abcdef01234567"

START_TEST(replication_info_is_written_when_given_and_read_back)
{
    struct keyspace *ks = make_keyspace(), *back;
    struct rdb_buf out = {0};
    struct rdb_file_load_result res;
    struct rdb_file_aux aux = {.redis_ver = "7.0.15", .ctime = NOW / 1000, .used_mem = 1,
                               .has_repl = true, .repl_stream_db = 7, .repl_id = REPL_ID,
                               .repl_offset = 123456789012LL};
    ck_assert_int_eq(save_with(ks, &out, true, &aux), 0);
    /* In Redis's order, the offset in the string writer's integer form. */
    const char *db = memmem(out.data, out.len, "repl-stream-db", 14);
    const char *id = memmem(out.data, out.len, "repl-id", 7);
    const char *off = memmem(out.data, out.len, "repl-offset", 11);
    const char *base = memmem(out.data, out.len, "aof-base", 8);
    ck_assert(db && id && off && base && db < id && id < off && off < base);
    ck_assert_int_eq(load(out.data, out.len, &back, &res), 0);
    ck_assert_int_eq(res.repl_stream_db, 7);
    ck_assert_str_eq(res.repl_id, REPL_ID);
    ck_assert_int_eq(res.repl_offset, 123456789012LL);
    keyspace_destroy(back);
    rdb_buf_deinit(&out);
    ck_assert_int_eq(save(ks, &out, true), 0); /* none: the load says so */
    ck_assert_ptr_null(memmem(out.data, out.len, "repl-", 5));
    ck_assert_int_eq(load(out.data, out.len, &back, &res), 0);
    ck_assert_int_eq(res.repl_stream_db, -1);
    ck_assert_str_eq(res.repl_id, "");
    ck_assert_int_eq(res.repl_offset, -1);
    keyspace_destroy(back);
    rdb_buf_deinit(&out);
    keyspace_destroy(ks);
}
END_TEST

static Suite *rdb_file_suite(void)
{
    Suite *s = suite_create("rdb_file");
    TCase *tc = tcase_create("file");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, file_round_trips_values_ttls_and_databases);
    tcase_add_test(tc, checksum_off_writes_zero_and_loads);
    tcase_add_test(tc, replication_info_is_written_when_given_and_read_back);
    tcase_add_test(tc, every_truncation_is_a_short_read);
    tcase_add_test(tc, a_changed_byte_fails_the_checksum);
    tcase_add_test(tc, old_versions_end_without_a_checksum);
    tcase_add_test(tc, empty_keys_are_skipped_and_named);
    tcase_add_test(tc, foreign_files_are_refused_by_name);
    tcase_add_test(tc, dirty_counts_writes_deletes_and_flushes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rdb_file_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
