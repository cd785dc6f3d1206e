/*
 * check_expire.c - the expiry commands against a real grove-server:
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX|XX|GT|LT), TTL, PTTL,
 * EXPIRETIME, PEXPIRETIME and PERSIST; that expired keys are invisible to
 * every command; that expired keys are reclaimed without being touched;
 * and INFO's expiry fields. Expected replies and error texts were taken
 * from redis-server 7.0.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* ---- helpers ------------------------------------------------------------------ */

/* The text of INFO `section` (caller frees with free()). */
static char *info_text(redisContext *c, const char *section)
{
    redisReply *r = harness_cmd(c, "INFO %s", section);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    char *text = strdup(r->str);
    freeReplyObject(r);
    return text;
}

/* ---- TTL family --------------------------------------------------------------- */

START_TEST(ttl_of_missing_and_persistent_keys)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_expect_int(harness_cmd(f.c, "TTL nokey"), -2);
    harness_expect_int(harness_cmd(f.c, "PTTL nokey"), -2);
    harness_expect_int(harness_cmd(f.c, "EXPIRETIME nokey"), -2);
    harness_expect_int(harness_cmd(f.c, "PEXPIRETIME nokey"), -2);
    harness_cmd_ok(f.c, "SET k v");
    harness_expect_int(harness_cmd(f.c, "TTL k"), -1);
    harness_expect_int(harness_cmd(f.c, "PTTL k"), -1);
    harness_expect_int(harness_cmd(f.c, "EXPIRETIME k"), -1);
    harness_expect_int(harness_cmd(f.c, "PEXPIRETIME k"), -1);
    harness_expect_error(harness_cmd(f.c, "TTL"),
                         "ERR wrong number of arguments for 'ttl' command");
    harness_expect_error(harness_cmd(f.c, "PTTL a b"),
                         "ERR wrong number of arguments for 'pttl' command");
    harness_down(&f);
}
END_TEST

START_TEST(expire_and_pexpire_set_a_relative_ttl)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET k v");
    long long since = harness_wall_ms();
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 100"), 1);
    harness_expect_ttl(f.c, "TTL", "k", 100000, since);
    harness_expect_ttl(f.c, "PTTL", "k", 100000, since);
    /* The absolute time: the server's clock when EXPIRE ran, plus 100 s. */
    long long at = harness_cmd_int(f.c, "PEXPIRETIME k");
    ck_assert_int_ge(at, since + 100000);
    ck_assert_int_le(at, harness_wall_ms() + 100000);

    since = harness_wall_ms();
    harness_expect_int(harness_cmd(f.c, "PEXPIRE k 5000"), 1);
    long long before = harness_expect_ttl(f.c, "PTTL", "k", 5000, since);
    /* TTL is PTTL rounded to the nearest second, read a moment apart. */
    long long ttl = harness_expect_ttl(f.c, "TTL", "k", 5000, since);
    long long after = harness_expect_ttl(f.c, "PTTL", "k", 5000, since);
    ck_assert_int_le(ttl, (before + 500) / 1000);
    ck_assert_int_ge(ttl, (after + 500) / 1000);
    harness_expect_str(harness_cmd(f.c, "GET k"), "v");

    harness_expect_int(harness_cmd(f.c, "EXPIRE nokey 100"), 0);
    harness_expect_int(harness_cmd(f.c, "PEXPIRE nokey 100"), 0);
    harness_expect_int(harness_cmd(f.c, "EXISTS nokey"), 0);
    harness_down(&f);
}
END_TEST

START_TEST(expireat_and_pexpireat_set_an_absolute_time)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET k v");
    harness_expect_int(harness_cmd(f.c, "EXPIREAT k 4000000000"), 1);
    harness_expect_int(harness_cmd(f.c, "EXPIRETIME k"), 4000000000LL);
    harness_expect_int(harness_cmd(f.c, "PEXPIRETIME k"), 4000000000000LL);
    /* Seconds round to the nearest, as Redis's (ms + 500) / 1000. */
    harness_expect_int(harness_cmd(f.c, "PEXPIREAT k 4000000000499"), 1);
    harness_expect_int(harness_cmd(f.c, "EXPIRETIME k"), 4000000000LL);
    harness_expect_int(harness_cmd(f.c, "PEXPIREAT k 4000000000500"), 1);
    harness_expect_int(harness_cmd(f.c, "EXPIRETIME k"), 4000000001LL);
    harness_expect_int(harness_cmd(f.c, "PEXPIRETIME k"), 4000000000500LL);
    /* The largest times are accepted and round without overflowing. */
    harness_expect_int(harness_cmd(f.c, "PEXPIREAT k 9223372036854775807"), 1);
    harness_expect_int(harness_cmd(f.c, "PEXPIRETIME k"), 9223372036854775807LL);
    harness_expect_int(harness_cmd(f.c, "EXPIRETIME k"), 9223372036854776LL);
    harness_expect_int(harness_cmd(f.c, "EXPIREAT k 9223372036854775"), 1);
    harness_expect_int(harness_cmd(f.c, "EXPIRETIME k"), 9223372036854775LL);
    harness_expect_int(harness_cmd(f.c, "EXPIREAT nokey 4000000000"), 0);
    harness_down(&f);
}
END_TEST

/* A time at or before now deletes the key and answers 1; that is a
 * deletion, not an expiry (expired_keys does not move). */
START_TEST(a_time_in_the_past_deletes_the_key)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    const char *cmds[] = {"EXPIRE k 0", "EXPIRE k -10", "PEXPIRE k 0", "PEXPIRE k -1",
                          "EXPIREAT k 1", "PEXPIREAT k 0", "EXPIREAT k -100",
                          "PEXPIRE k -9223372036854775808", "EXPIRE k -9223372036854775"};
    long long expired_before = harness_info_ll(f.c, "stats", "expired_keys");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        harness_cmd_ok(f.c, "SET k v");
        harness_expect_int(harness_cmd(f.c, cmds[i]), 1);
        harness_expect_int(harness_cmd(f.c, "EXISTS k"), 0);
        harness_expect_int(harness_cmd(f.c, cmds[i]), 0);
    }
    ck_assert_int_eq(harness_info_ll(f.c, "stats", "expired_keys"), expired_before);
    harness_down(&f);
}
END_TEST

START_TEST(overflowing_times_are_rejected)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET k v");
    harness_expect_error(harness_cmd(f.c, "EXPIRE k 9223372036854775807"),
                         "ERR invalid expire time in 'expire' command");
    harness_expect_error(harness_cmd(f.c, "EXPIRE k 9223372036854776"),
                         "ERR invalid expire time in 'expire' command");
    harness_expect_error(harness_cmd(f.c, "EXPIRE k -9223372036854776"),
                         "ERR invalid expire time in 'expire' command");
    harness_expect_error(harness_cmd(f.c, "PEXPIRE k 9223372036854775807"),
                         "ERR invalid expire time in 'pexpire' command");
    harness_expect_error(harness_cmd(f.c, "EXPIREAT k 9223372036854776"),
                         "ERR invalid expire time in 'expireat' command");
    harness_expect_error(harness_cmd(f.c, "EXPIRE k 9223372036854775808"),
                         "ERR value is not an integer or out of range");
    harness_expect_error(harness_cmd(f.c, "PEXPIREAT k abc"),
                         "ERR value is not an integer or out of range");
    harness_expect_error(harness_cmd(f.c, "EXPIRE k 1.5"),
                         "ERR value is not an integer or out of range");
    /* Overflow is checked before the key: a missing key gets the error too. */
    harness_expect_error(harness_cmd(f.c, "EXPIRE nokey 9223372036854775807"),
                         "ERR invalid expire time in 'expire' command");
    harness_expect_int(harness_cmd(f.c, "TTL k"), -1);
    /* A very large relative TTL that fits is accepted. */
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 9223372036854"), 1);
    ck_assert_int_gt(harness_cmd_int(f.c, "TTL k"), 9223372036000LL);
    harness_expect_error(harness_cmd(f.c, "EXPIRE k"),
                         "ERR wrong number of arguments for 'expire' command");
    harness_down(&f);
}
END_TEST

/* ---- NX, XX, GT, LT ------------------------------------------------------------- */

START_TEST(nx_and_xx_look_at_whether_a_ttl_exists)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET k v");
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 100 XX"), 0);
    harness_expect_int(harness_cmd(f.c, "TTL k"), -1);
    long long since = harness_wall_ms();
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 100 NX"), 1);
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 200 nx"), 0);
    harness_expect_ttl(f.c, "TTL", "k", 100000, since);
    since = harness_wall_ms();
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 200 xx"), 1);
    harness_expect_ttl(f.c, "TTL", "k", 200000, since);
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 300 NX NX"), 0);
    harness_expect_int(harness_cmd(f.c, "EXPIRE nokey 100 NX"), 0);
    harness_down(&f);
}
END_TEST

START_TEST(gt_and_lt_compare_with_the_current_ttl)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET k v");
    /* No TTL counts as infinite: GT always fails, LT always succeeds. */
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 100 GT"), 0);
    harness_expect_int(harness_cmd(f.c, "TTL k"), -1);
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 100 LT"), 1);
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 200 LT"), 0);
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 50 LT"), 1);
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 10 GT"), 0);
    long long since = harness_wall_ms();
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 500 GT"), 1);
    harness_expect_ttl(f.c, "TTL", "k", 500000, since);
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 600 XX GT"), 1);
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 700 xx lt"), 0);
    harness_expect_int(harness_cmd(f.c, "PEXPIREAT k 1 GT"), 0);
    harness_expect_int(harness_cmd(f.c, "EXISTS k"), 1);
    harness_expect_int(harness_cmd(f.c, "EXPIRE k -5 LT"), 1);
    harness_expect_int(harness_cmd(f.c, "EXISTS k"), 0);
    /* Same time: neither greater nor less. */
    harness_cmd_ok(f.c, "SET k v");
    harness_expect_int(harness_cmd(f.c, "PEXPIREAT k 4000000000000"), 1);
    harness_expect_int(harness_cmd(f.c, "PEXPIREAT k 4000000000000 GT"), 0);
    harness_expect_int(harness_cmd(f.c, "PEXPIREAT k 4000000000000 LT"), 0);
    harness_expect_int(harness_cmd(f.c, "PEXPIREAT k 4000000000000"), 1);
    harness_down(&f);
}
END_TEST

START_TEST(option_errors_come_first)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    const char *nx_err = "ERR NX and XX, GT or LT options at the same time are not compatible";
    const char *gtlt_err = "ERR GT and LT options at the same time are not compatible";
    harness_cmd_ok(f.c, "SET k v");
    harness_expect_error(harness_cmd(f.c, "EXPIRE k 100 NX XX"), nx_err);
    harness_expect_error(harness_cmd(f.c, "EXPIRE k 100 nx gt"), nx_err);
    harness_expect_error(harness_cmd(f.c, "PEXPIRE k 100 LT NX"), nx_err);
    harness_expect_error(harness_cmd(f.c, "EXPIREAT k 100 GT LT"), gtlt_err);
    harness_expect_error(harness_cmd(f.c, "PEXPIREAT k 100 xx gt lt"), gtlt_err);
    harness_expect_error(harness_cmd(f.c, "EXPIRE k 100 foo"), "ERR Unsupported option foo");
    harness_expect_error(harness_cmd(f.c, "EXPIRE k 100 NX foo"), "ERR Unsupported option foo");
    /* Options are checked before the number and the key. */
    harness_expect_error(harness_cmd(f.c, "EXPIRE k abc NX XX"), nx_err);
    harness_expect_error(harness_cmd(f.c, "EXPIRE nokey abc bar"), "ERR Unsupported option bar");
    harness_expect_int(harness_cmd(f.c, "TTL k"), -1);
    harness_down(&f);
}
END_TEST

/* ---- PERSIST ---------------------------------------------------------------------- */

START_TEST(persist_removes_the_ttl)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET k v");
    harness_expect_int(harness_cmd(f.c, "PERSIST k"), 0);
    harness_expect_int(harness_cmd(f.c, "EXPIRE k 100"), 1);
    harness_expect_int(harness_cmd(f.c, "PERSIST k"), 1);
    harness_expect_int(harness_cmd(f.c, "TTL k"), -1);
    harness_expect_int(harness_cmd(f.c, "PERSIST k"), 0);
    harness_expect_str(harness_cmd(f.c, "GET k"), "v");
    harness_expect_int(harness_cmd(f.c, "PERSIST nokey"), 0);
    /* A TTL can be added again after PERSIST. */
    long long since = harness_wall_ms();
    harness_expect_int(harness_cmd(f.c, "PEXPIRE k 100000"), 1);
    harness_expect_ttl(f.c, "PTTL", "k", 100000, since);
    harness_expect_error(harness_cmd(f.c, "PERSIST"),
                         "ERR wrong number of arguments for 'persist' command");
    harness_down(&f);
}
END_TEST

/* ---- expired keys ------------------------------------------------------------------ */

/* Keys given a 1 ms TTL, then left to expire: whether the background has
 * reclaimed them yet or not, no command may see them. The wait is a
 * minimum: the TTLs ran out before it ended, however long it lasts. */
START_TEST(expired_keys_are_invisible_to_every_command)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET live v");
    harness_pipeline_int(f.c, "SET gone:%d v", 0, 20);
    harness_pipeline_int(f.c, "PEXPIRE gone:%d 1", 0, 20);
    harness_sleep_ms(50);

    harness_expect_nil(harness_cmd(f.c, "GET gone:0"));
    harness_expect_int(harness_cmd(f.c, "EXISTS gone:1 gone:1"), 0);
    harness_expect_int(harness_cmd(f.c, "TTL gone:2"), -2);
    harness_expect_int(harness_cmd(f.c, "PTTL gone:3"), -2);
    harness_expect_int(harness_cmd(f.c, "EXPIRETIME gone:4"), -2);
    harness_expect_status(harness_cmd(f.c, "TYPE gone:5"), "none");
    harness_expect_nil(harness_cmd(f.c, "OBJECT ENCODING gone:6"));
    harness_expect_error(harness_cmd(f.c, "RENAME gone:7 x"), "ERR no such key");
    harness_expect_int(harness_cmd(f.c, "COPY gone:8 x"), 0);
    harness_expect_int(harness_cmd(f.c, "MOVE gone:9 1"), 0);
    harness_expect_int(harness_cmd(f.c, "EXPIRE gone:10 100"), 0);
    harness_expect_int(harness_cmd(f.c, "PERSIST gone:11"), 0);
    harness_expect_int(harness_cmd(f.c, "TOUCH gone:12"), 0);
    harness_expect_int(harness_cmd(f.c, "DEL gone:13"), 0);
    /* An expired destination does not block RENAMENX. */
    harness_expect_int(harness_cmd(f.c, "RENAMENX live gone:14"), 1);
    harness_expect_int(harness_cmd(f.c, "RENAMENX gone:14 live"), 1);

    redisReply *r = harness_cmd(f.c, "KEYS *");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_str_eq(r->element[0]->str, "live");
    freeReplyObject(r);
    r = harness_cmd(f.c, "SCAN 0 COUNT 1000");
    ck_assert_uint_eq(r->element[1]->elements, 1);
    ck_assert_str_eq(r->element[1]->element[0]->str, "live");
    freeReplyObject(r);
    for (int i = 0; i < 20; i++)
        harness_expect_str(harness_cmd(f.c, "RANDOMKEY"), "live");
    harness_expect_int(harness_cmd(f.c, "DBSIZE"), 1);
    harness_down(&f);
}
END_TEST

/* 100,000 keys with a 100 ms TTL that nobody reads again are reclaimed by
 * the server on its own. This checks reclamation, not speed: the bound is
 * generous, and --hz 100 only keeps the test short. */
START_TEST(untouched_expired_keys_are_reclaimed)
{
    static const char *const args[] = {"--hz", "100", NULL};
    struct harness_fixture f;
    harness_up(&f, args);
    enum { N = 100000, BATCH = 10000 };
    long long expired_before = harness_info_ll(f.c, "stats", "expired_keys");
    for (int i = 0; i < N; i += BATCH) {
        harness_pipeline_int(f.c, "SET key:%d v", i, i + BATCH);
        harness_pipeline_int(f.c, "PEXPIRE key:%d 100", i, i + BATCH);
    }
    long long deadline = harness_now_ms() + 60000, size;
    while ((size = harness_cmd_int(f.c, "DBSIZE")) > 0 && harness_now_ms() < deadline)
        harness_sleep_ms(20);
    ck_assert_int_eq(size, 0);
    ck_assert_int_ge(harness_info_ll(f.c, "stats", "expired_keys") - expired_before, N);
    harness_down(&f);
}
END_TEST

/* ---- INFO ------------------------------------------------------------------------- */

START_TEST(info_keyspace_reports_expires_and_avg_ttl)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_pipeline_int(f.c, "SET key:%d v", 0, 10);
    long long since = harness_wall_ms();
    harness_pipeline_int(f.c, "EXPIRE key:%d 1000", 0, 4);
    char *text = info_text(f.c, "keyspace");
    char *line = strstr(text, "db0:");
    ck_assert_ptr_nonnull(line);
    unsigned long long keys, expires;
    long long avg;
    ck_assert_int_eq(sscanf(line, "db0:keys=%llu,expires=%llu,avg_ttl=%lld", &keys, &expires,
                            &avg), 3);
    ck_assert_uint_eq(keys, 10);
    ck_assert_uint_eq(expires, 4);
    ck_assert_int_le(avg, 1000000);
    ck_assert_int_ge(avg, 1000000 - (harness_wall_ms() - since));
    ck_assert_ptr_null(strstr(text, "db1:"));
    free(text);

    harness_expect_int(harness_cmd(f.c, "PERSIST key:0"), 1);
    text = info_text(f.c, "keyspace");
    ck_assert_ptr_nonnull(strstr(text, "db0:keys=10,expires=3,avg_ttl="));
    free(text);
    harness_pipeline_int(f.c, "PERSIST key:%d", 1, 4);
    text = info_text(f.c, "keyspace");
    ck_assert_ptr_nonnull(strstr(text, "db0:keys=10,expires=0,avg_ttl=0\r\n"));
    free(text);
    harness_down(&f);
}
END_TEST

/* ---- the suite ------------------------------------------------------------------------ */

static Suite *expire_suite(void)
{
    Suite *s = suite_create("expire");
    TCase *ttl = tcase_create("ttl");
    tcase_add_test(ttl, ttl_of_missing_and_persistent_keys);
    tcase_add_test(ttl, expire_and_pexpire_set_a_relative_ttl);
    tcase_add_test(ttl, expireat_and_pexpireat_set_an_absolute_time);
    tcase_add_test(ttl, a_time_in_the_past_deletes_the_key);
    tcase_add_test(ttl, overflowing_times_are_rejected);
    tcase_add_test(ttl, persist_removes_the_ttl);
    suite_add_tcase(s, ttl);

    TCase *opts = tcase_create("options");
    tcase_add_test(opts, nx_and_xx_look_at_whether_a_ttl_exists);
    tcase_add_test(opts, gt_and_lt_compare_with_the_current_ttl);
    tcase_add_test(opts, option_errors_come_first);
    suite_add_tcase(s, opts);

    TCase *expiry = tcase_create("expiry");
    tcase_set_timeout(expiry, 90);
    tcase_add_test(expiry, expired_keys_are_invisible_to_every_command);
    tcase_add_test(expiry, untouched_expired_keys_are_reclaimed);
    tcase_add_test(expiry, info_keyspace_reports_expires_and_avg_ttl);
    suite_add_tcase(s, expiry);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(expire_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
