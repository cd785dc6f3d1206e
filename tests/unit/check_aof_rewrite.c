/*
 * check_aof_rewrite.c - core/aof_rewrite: a database written as the
 * commands Redis 7.0's rewrite writes (SELECT, SET, PEXPIREAT), keys past
 * their time left out, empty databases left out, and RESP lines as
 * aof_rewrite_command frames them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aof_rewrite.h"
#include "keyspace.h"
#include "keyspace_fixture.h"
#include "rdb.h"

static struct keyspace *make_keyspace(void)
{
    return make_keyspace_with(0); /* one shard: keys come out in one map's order */
}

/* Database db as text, NUL-terminated in out. */
static void dump(struct keyspace *ks, unsigned db, struct rdb_buf *out)
{
    keyspace_lock_all(ks);
    ck_assert_int_eq(aof_rewrite_db(ks, db, NOW, rdb_buf_sink_cb, out), 0);
    keyspace_unlock_all(ks);
    rdb_buf_sink_cb(out, "", 1);
}

START_TEST(strings_and_ttls_are_written_as_redis_rewrites_them)
{
    struct keyspace *ks = make_keyspace();
    struct rdb_buf out = {0};
    set(ks, 3, "k", "v", KEYSPACE_TTL_NONE);
    set(ks, 3, "t", "12345", NOW + 5000);
    set(ks, 3, "gone", "x", NOW - 1);
    dump(ks, 3, &out);
    const char *text = (const char *)out.data;
    ck_assert_ptr_eq(strstr(text, "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"), text);
    ck_assert_ptr_nonnull(strstr(text, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"));
    ck_assert_ptr_nonnull(strstr(text, "*3\r\n$3\r\nSET\r\n$1\r\nt\r\n$5\r\n12345\r\n"
                                       "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nt\r\n$13\r\n1700000005000\r\n"));
    ck_assert_ptr_null(strstr(text, "gone"));
    rdb_buf_deinit(&out);
    dump(ks, 0, &out); /* an empty database: not even SELECT */
    ck_assert_str_eq((const char *)out.data, "");
    rdb_buf_deinit(&out);
    keyspace_destroy(ks);
}
END_TEST

START_TEST(a_command_line_is_framed_in_resp)
{
    struct rdb_buf out = {0};
    const char *argv[] = {"FUNCTION", "LOAD", "code"};
    const size_t lens[] = {8, 4, 4};
    ck_assert_int_eq(aof_rewrite_command(rdb_buf_sink_cb, &out, argv, lens, 3), 0);
    rdb_buf_sink_cb(&out, "", 1);
    ck_assert_str_eq((const char *)out.data,
                     "*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$4\r\ncode\r\n");
    rdb_buf_deinit(&out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("aof_rewrite");
    TCase *tc = tcase_create("commands");
    tcase_add_test(tc, strings_and_ttls_are_written_as_redis_rewrites_them);
    tcase_add_test(tc, a_command_line_is_framed_in_resp);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
