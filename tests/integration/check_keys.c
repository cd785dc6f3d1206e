/*
 * check_keys.c - the generic key commands against a real grove-server:
 * DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX, COPY, MOVE, SWAPDB,
 * KEYS, SCAN, RANDOMKEY and OBJECT. Expected replies and error texts were
 * taken from redis-server 7.0.
 */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* ---- DEL, UNLINK, EXISTS, TYPE, TOUCH ------------------------------------------- */

START_TEST(del_counts_only_the_keys_it_removed)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    harness_cmd_ok(f.c, "SET b 2");
    harness_expect_int(harness_cmd(f.c, "DEL a b c a"), 2);
    harness_expect_int(harness_cmd(f.c, "EXISTS a b"), 0);
    harness_expect_int(harness_cmd(f.c, "DEL a"), 0);
    harness_expect_error(harness_cmd(f.c, "DEL"),
                         "ERR wrong number of arguments for 'del' command");
    harness_down(&f);
}
END_TEST

START_TEST(unlink_is_del)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    harness_cmd_ok(f.c, "SET b 2");
    harness_expect_int(harness_cmd(f.c, "UNLINK a nokey b b"), 2);
    harness_expect_int(harness_cmd(f.c, "EXISTS a b"), 0);
    harness_expect_error(harness_cmd(f.c, "UNLINK"),
                         "ERR wrong number of arguments for 'unlink' command");
    harness_down(&f);
}
END_TEST

/* Values dearer to free than Redis's LAZYFREE_THRESHOLD (64 steps) are
 * freed by the main loop after UNLINK, each counted once in
 * lazyfreed_objects; cheap ones in place, uncounted, as Redis counts. */
START_TEST(unlink_frees_big_values_elsewhere)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "CONFIG SET stream-node-max-entries 5");
    harness_pipeline_int(f.c, "SADD big %d", 0, 1000);
    harness_pipeline_int(f.c, "XADD stream * field %d", 0, 1000);
    harness_cmd_ok(f.c, "XGROUP CREATE stream group 0");
    harness_expect_int(harness_cmd(f.c, "RPUSH small a b c"), 3);
    harness_expect_int(harness_cmd(f.c, "UNLINK big stream small"), 3);
    harness_expect_int(harness_cmd(f.c, "EXISTS big stream small"), 0);
    harness_wait_info_ll(f.c, "memory", "lazyfree_pending_objects", 0);
    ck_assert_int_eq(harness_info_ll(f.c, "memory", "lazyfreed_objects"), 2);
    harness_cmd_ok(f.c, "CONFIG RESETSTAT");
    ck_assert_int_eq(harness_info_ll(f.c, "memory", "lazyfreed_objects"), 0);
    harness_down(&f);
}
END_TEST

/* DEL, an overwrite, an expiry and an eviction free big values in place
 * unless their lazyfree-lazy-* knob asks for UNLINK's way. */
START_TEST(lazyfree_knobs_choose_where_values_are_freed)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_pipeline_int(f.c, "SADD big %d", 0, 1000);
    harness_expect_int(harness_cmd(f.c, "DEL big"), 1);
    harness_pipeline_int(f.c, "SADD big %d", 0, 1000);
    harness_cmd_ok(f.c, "SET big overwritten");
    harness_expect_int(harness_cmd(f.c, "DEL big"), 1);
    harness_pipeline_int(f.c, "SADD big2 %d", 0, 1000);
    harness_expect_int(harness_cmd(f.c, "PEXPIRE big2 1"), 1);
    harness_sleep_ms(5);
    harness_expect_int(harness_cmd(f.c, "EXISTS big2"), 0);
    ck_assert_int_eq(harness_info_ll(f.c, "memory", "lazyfreed_objects"), 0);

    harness_cmd_ok(f.c, "CONFIG SET lazyfree-lazy-user-del yes lazyfree-lazy-server-del yes "
                        "lazyfree-lazy-expire yes lazyfree-lazy-eviction yes");
    harness_pipeline_int(f.c, "SADD big %d", 0, 1000);
    harness_expect_int(harness_cmd(f.c, "DEL big"), 1);
    harness_wait_info_ll(f.c, "memory", "lazyfreed_objects", 1);
    harness_pipeline_int(f.c, "SADD big %d", 0, 1000);
    harness_cmd_ok(f.c, "SET big overwritten");
    harness_wait_info_ll(f.c, "memory", "lazyfreed_objects", 2);
    harness_pipeline_int(f.c, "SADD big2 %d", 0, 1000);
    harness_expect_int(harness_cmd(f.c, "EXPIRE big2 -1"), 1);
    harness_wait_info_ll(f.c, "memory", "lazyfreed_objects", 3);
    harness_pipeline_int(f.c, "SADD big2 %d", 0, 1000);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy allkeys-random maxmemory 1");
    freeReplyObject(harness_cmd(f.c, "SET trigger eviction")); /* OOM once all are gone */
    harness_cmd_ok(f.c, "CONFIG SET maxmemory 0");
    harness_wait_info_ll(f.c, "memory", "lazyfreed_objects", 4);
    harness_down(&f);
}
END_TEST

START_TEST(exists_counts_every_repeat)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    harness_expect_int(harness_cmd(f.c, "EXISTS a a nokey a"), 3);
    harness_expect_int(harness_cmd(f.c, "EXISTS nokey"), 0);
    harness_expect_error(harness_cmd(f.c, "EXISTS"),
                         "ERR wrong number of arguments for 'exists' command");
    harness_down(&f);
}
END_TEST

START_TEST(type_names_the_value_or_none)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    harness_expect_status(harness_cmd(f.c, "TYPE a"), "string");
    harness_expect_status(harness_cmd(f.c, "TYPE nokey"), "none");
    harness_expect_error(harness_cmd(f.c, "TYPE a b"),
                         "ERR wrong number of arguments for 'type' command");
    harness_down(&f);
}
END_TEST

START_TEST(touch_counts_existing_keys)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    harness_expect_int(harness_cmd(f.c, "TOUCH a a nokey"), 2);
    harness_expect_int(harness_cmd(f.c, "TOUCH nokey"), 0);
    harness_down(&f);
}
END_TEST

/* ---- RENAME, RENAMENX --------------------------------------------------------------- */

START_TEST(rename_moves_the_value_and_its_ttl)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a v");
    long long since = harness_wall_ms();
    harness_expect_int(harness_cmd(f.c, "EXPIRE a 100"), 1);
    harness_cmd_ok(f.c, "RENAME a b");
    harness_expect_str(harness_cmd(f.c, "GET b"), "v");
    harness_expect_int(harness_cmd(f.c, "EXISTS a"), 0);
    harness_expect_ttl(f.c, "PTTL", "b", 100000, since);
    /* Without a TTL the destination keeps none, even over one that had. */
    harness_cmd_ok(f.c, "SET c w");
    harness_cmd_ok(f.c, "RENAME c b");
    harness_expect_int(harness_cmd(f.c, "TTL b"), -1);
    harness_expect_str(harness_cmd(f.c, "GET b"), "w");
    harness_down(&f);
}
END_TEST

START_TEST(rename_errors_and_same_key)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_expect_error(harness_cmd(f.c, "RENAME nokey b"), "ERR no such key");
    harness_expect_error(harness_cmd(f.c, "RENAME nokey nokey"), "ERR no such key");
    harness_expect_error(harness_cmd(f.c, "RENAMENX nokey b"), "ERR no such key");
    harness_cmd_ok(f.c, "SET a v");
    harness_cmd_ok(f.c, "RENAME a a");
    harness_expect_int(harness_cmd(f.c, "RENAMENX a a"), 0);
    harness_expect_str(harness_cmd(f.c, "GET a"), "v");
    harness_expect_error(harness_cmd(f.c, "RENAME a"),
                         "ERR wrong number of arguments for 'rename' command");
    harness_down(&f);
}
END_TEST

START_TEST(rename_overwrites_and_renamenx_does_not)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    harness_cmd_ok(f.c, "SET b 2");
    harness_expect_int(harness_cmd(f.c, "RENAMENX a b"), 0);
    harness_expect_str(harness_cmd(f.c, "GET a"), "1");
    harness_expect_str(harness_cmd(f.c, "GET b"), "2");
    harness_expect_int(harness_cmd(f.c, "RENAMENX a c"), 1);
    harness_expect_int(harness_cmd(f.c, "EXISTS a"), 0);
    harness_cmd_ok(f.c, "RENAME c b");
    harness_expect_str(harness_cmd(f.c, "GET b"), "1");
    harness_expect_int(harness_cmd(f.c, "EXISTS c"), 0);
    harness_down(&f);
}
END_TEST

/* Keys spread over every shard: renames across shards stay consistent. */
START_TEST(rename_across_many_keys)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_pipeline_int(f.c, "SET src:%d v", 0, 500);
    for (int i = 0; i < 500; i++)
        ck_assert_int_eq(redisAppendCommand(f.c, "RENAME src:%d dst:%d", i, i), REDIS_OK);
    for (int i = 0; i < 500; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(f.c, (void **)&r), REDIS_OK);
        harness_expect_status(r, "OK");
    }
    harness_expect_int(harness_cmd(f.c, "DBSIZE"), 500);
    harness_expect_str(harness_cmd(f.c, "GET dst:499"), "v");
    harness_expect_int(harness_cmd(f.c, "EXISTS src:0 src:499"), 0);
    harness_down(&f);
}
END_TEST

/* ---- COPY -------------------------------------------------------------------------- */

START_TEST(copy_duplicates_value_and_ttl)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a hello");
    long long since = harness_wall_ms();
    harness_expect_int(harness_cmd(f.c, "EXPIRE a 100"), 1);
    harness_expect_int(harness_cmd(f.c, "COPY a b"), 1);
    harness_expect_str(harness_cmd(f.c, "GET b"), "hello");
    harness_expect_str(harness_cmd(f.c, "GET a"), "hello");
    harness_expect_ttl(f.c, "PTTL", "b", 100000, since);
    /* The copy is independent of the source. */
    harness_expect_int(harness_cmd(f.c, "APPEND b !"), 6);
    harness_expect_str(harness_cmd(f.c, "GET a"), "hello");
    harness_expect_int(harness_cmd(f.c, "COPY nokey c"), 0);
    harness_expect_int(harness_cmd(f.c, "EXISTS c"), 0);
    harness_down(&f);
}
END_TEST

START_TEST(copy_keeps_an_existing_destination_unless_replace)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    harness_cmd_ok(f.c, "SET b 2");
    harness_expect_int(harness_cmd(f.c, "COPY a b"), 0);
    harness_expect_str(harness_cmd(f.c, "GET b"), "2");
    harness_expect_int(harness_cmd(f.c, "COPY a b REPLACE"), 1);
    harness_expect_str(harness_cmd(f.c, "GET b"), "1");
    harness_expect_int(harness_cmd(f.c, "COPY a b replace REPLACE"), 1);
    harness_cmd_ok(f.c, "SET a hello");
    harness_cmd_ok(f.c, "SET b world");
    harness_expect_int(harness_cmd(f.c, "COPY a b REPLACE"), 1);
    harness_expect_str(harness_cmd(f.c, "GET b"), "hello");
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING b"), "embstr");
    harness_down(&f);
}
END_TEST

START_TEST(copy_to_another_database)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    harness_expect_int(harness_cmd(f.c, "COPY a a DB 1"), 1);
    harness_expect_int(harness_cmd(f.c, "COPY a a DB 1"), 0);
    harness_expect_int(harness_cmd(f.c, "COPY a z DB 3 DB 2"), 1);
    harness_cmd_ok(f.c, "SELECT 1");
    harness_expect_str(harness_cmd(f.c, "GET a"), "1");
    harness_cmd_ok(f.c, "SELECT 2");
    harness_expect_str(harness_cmd(f.c, "GET z"), "1");
    harness_cmd_ok(f.c, "SELECT 3");
    harness_expect_int(harness_cmd(f.c, "EXISTS z"), 0);
    harness_down(&f);
}
END_TEST

START_TEST(copy_errors)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    harness_expect_error(harness_cmd(f.c, "COPY a a"),
                         "ERR source and destination objects are the same");
    harness_expect_error(harness_cmd(f.c, "COPY a a DB 0"),
                         "ERR source and destination objects are the same");
    harness_expect_error(harness_cmd(f.c, "COPY nokey nokey"),
                         "ERR source and destination objects are the same");
    harness_expect_error(harness_cmd(f.c, "COPY a b DB 16"), "ERR DB index is out of range");
    harness_expect_error(harness_cmd(f.c, "COPY a b DB -1"), "ERR DB index is out of range");
    harness_expect_error(harness_cmd(f.c, "COPY a b DB x"),
                         "ERR value is not an integer or out of range");
    harness_expect_error(harness_cmd(f.c, "COPY a b DB 99999999999"),
                         "ERR value is out of range, value must between -2147483648 and "
                         "2147483647");
    harness_expect_error(harness_cmd(f.c, "COPY a b DB"), "ERR syntax error");
    harness_expect_error(harness_cmd(f.c, "COPY a b foo"), "ERR syntax error");
    harness_expect_error(harness_cmd(f.c, "COPY a"),
                         "ERR wrong number of arguments for 'copy' command");
    harness_expect_int(harness_cmd(f.c, "EXISTS b"), 0);
    harness_down(&f);
}
END_TEST

/* ---- MOVE -------------------------------------------------------------------------- */

START_TEST(move_transfers_a_key_between_databases)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    long long since = harness_wall_ms();
    harness_expect_int(harness_cmd(f.c, "PEXPIRE a 100000"), 1);
    harness_expect_int(harness_cmd(f.c, "MOVE a 1"), 1);
    harness_expect_int(harness_cmd(f.c, "EXISTS a"), 0);
    harness_expect_int(harness_cmd(f.c, "MOVE a 1"), 0);
    harness_cmd_ok(f.c, "SELECT 1");
    harness_expect_str(harness_cmd(f.c, "GET a"), "1");
    harness_expect_ttl(f.c, "PTTL", "a", 100000, since);
    /* An existing key in the destination blocks the move. */
    harness_cmd_ok(f.c, "SELECT 0");
    harness_cmd_ok(f.c, "SET a 0");
    harness_expect_int(harness_cmd(f.c, "MOVE a 1"), 0);
    harness_expect_str(harness_cmd(f.c, "GET a"), "0");
    harness_down(&f);
}
END_TEST

START_TEST(move_errors)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "SET a 1");
    harness_expect_error(harness_cmd(f.c, "MOVE a 0"),
                         "ERR source and destination objects are the same");
    harness_expect_error(harness_cmd(f.c, "MOVE a 16"), "ERR DB index is out of range");
    harness_expect_error(harness_cmd(f.c, "MOVE a -1"), "ERR DB index is out of range");
    harness_expect_error(harness_cmd(f.c, "MOVE a x"),
                         "ERR value is not an integer or out of range");
    harness_expect_error(harness_cmd(f.c, "MOVE a 99999999999"),
                         "ERR value is out of range, value must between -2147483648 and "
                         "2147483647");
    harness_expect_error(harness_cmd(f.c, "MOVE nokey 0"),
                         "ERR source and destination objects are the same");
    harness_expect_int(harness_cmd(f.c, "MOVE nokey 1"), 0);
    harness_expect_error(harness_cmd(f.c, "MOVE a"),
                         "ERR wrong number of arguments for 'move' command");
    harness_down(&f);
}
END_TEST

/* ---- SWAPDB ------------------------------------------------------------------------ */

START_TEST(swapdb_exchanges_contents)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    redisContext *other = harness_connect(&f.s);
    harness_cmd_ok(f.c, "SET a zero");
    harness_cmd_ok(other, "SELECT 1");
    harness_cmd_ok(other, "SET b one");
    harness_cmd_ok(f.c, "SWAPDB 0 1");
    harness_expect_str(harness_cmd(f.c, "GET b"), "one");
    harness_expect_int(harness_cmd(f.c, "EXISTS a"), 0);
    harness_expect_str(harness_cmd(other, "GET a"), "zero");
    harness_cmd_ok(f.c, "SWAPDB 1 1");
    harness_expect_str(harness_cmd(other, "GET a"), "zero");
    redisFree(other);
    harness_down(&f);
}
END_TEST

START_TEST(swapdb_errors)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_expect_error(harness_cmd(f.c, "SWAPDB x 1"), "ERR invalid first DB index");
    harness_expect_error(harness_cmd(f.c, "SWAPDB 1 x"), "ERR invalid second DB index");
    harness_expect_error(harness_cmd(f.c, "SWAPDB 99999999999 1"), "ERR invalid first DB index");
    harness_expect_error(harness_cmd(f.c, "SWAPDB 1 16"), "ERR DB index is out of range");
    harness_expect_error(harness_cmd(f.c, "SWAPDB -1 0"), "ERR DB index is out of range");
    harness_expect_error(harness_cmd(f.c, "SWAPDB 1"),
                         "ERR wrong number of arguments for 'swapdb' command");
    harness_down(&f);
}
END_TEST

/* ---- KEYS -------------------------------------------------------------------------- */

START_TEST(keys_matches_glob_patterns)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    const char *names[] = {"hello", "hallo", "hxllo", "heeeello", "a*b", "ab"};
    for (size_t i = 0; i < 6; i++)
        harness_expect_status(harness_cmd(f.c, "SET %s v", names[i]), "OK");
    harness_expect_status(harness_cmd(f.c, "SET %b v", "", (size_t)0), "OK");

    redisReply *r = harness_cmd(f.c, "KEYS *");
    harness_assert_array(r, 7);
    ck_assert(harness_array_has(r, "") && harness_array_has(r, "hello") &&
              harness_array_has(r, "a*b"));
    freeReplyObject(r);
    r = harness_cmd(f.c, "KEYS h?llo");
    harness_assert_array(r, 3);
    freeReplyObject(r);
    r = harness_cmd(f.c, "KEYS h[ae]llo");
    harness_assert_array(r, 2);
    ck_assert(harness_array_has(r, "hello") && harness_array_has(r, "hallo"));
    freeReplyObject(r);
    r = harness_cmd(f.c, "KEYS h*llo");
    harness_assert_array(r, 4);
    freeReplyObject(r);
    r = harness_cmd(f.c, "KEYS %s", "a\\*b");
    harness_assert_array(r, 1);
    ck_assert(harness_array_has(r, "a*b"));
    freeReplyObject(r);
    r = harness_cmd(f.c, "KEYS nothing*");
    harness_assert_array(r, 0);
    freeReplyObject(r);
    harness_cmd_ok(f.c, "SELECT 1");
    r = harness_cmd(f.c, "KEYS *");
    harness_assert_array(r, 0);
    freeReplyObject(r);
    harness_down(&f);
}
END_TEST

/* ---- SCAN -------------------------------------------------------------------------- */

START_TEST(scan_argument_errors)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_expect_error(harness_cmd(f.c, "SCAN abc"), "ERR invalid cursor");
    harness_expect_error(harness_cmd(f.c, "SCAN 0x10"), "ERR invalid cursor");
    harness_expect_error(harness_cmd(f.c, "SCAN %s", " 1"), "ERR invalid cursor");
    harness_expect_error(harness_cmd(f.c, "SCAN 18446744073709551616"), "ERR invalid cursor");
    harness_expect_error(harness_cmd(f.c, "SCAN x COUNT 0"), "ERR invalid cursor");
    harness_expect_error(harness_cmd(f.c, "SCAN 0 COUNT 0"), "ERR syntax error");
    harness_expect_error(harness_cmd(f.c, "SCAN 0 COUNT -1"), "ERR syntax error");
    harness_expect_error(harness_cmd(f.c, "SCAN 0 COUNT x"),
                         "ERR value is not an integer or out of range");
    harness_expect_error(harness_cmd(f.c, "SCAN 0 MATCH"), "ERR syntax error");
    harness_expect_error(harness_cmd(f.c, "SCAN 0 TYPE"), "ERR syntax error");
    harness_expect_error(harness_cmd(f.c, "SCAN 0 foo bar"), "ERR syntax error");
    harness_expect_error(harness_cmd(f.c, "SCAN"),
                         "ERR wrong number of arguments for 'scan' command");
    /* strtoul's forms that Redis accepts. */
    const char *ok[] = {"", "+0", "-1", "18446744073709551615", "000000000000000000000000"};
    for (size_t i = 0; i < 5; i++) {
        redisReply *r = harness_cmd(f.c, "SCAN %s", ok[i]);
        harness_assert_array(r, 2);
        freeReplyObject(r);
    }
    harness_down(&f);
}
END_TEST

/* The raw RESP2 shape: [cursor as a bulk string, [keys]]. */
START_TEST(scan_replies_cursor_then_keys)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    int fd = harness_raw_connect(&f.s);
    harness_raw_roundtrip(fd, "SCAN 0\r\n", "*2\r\n$1\r\n0\r\n*0\r\n");
    harness_raw_roundtrip(fd, "SET k v\r\n", "+OK\r\n");
    harness_raw_roundtrip(fd, "SCAN 0 COUNT 1000\r\n", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
    harness_raw_roundtrip(fd, "SCAN 0 TYPE string MATCH k\r\n",
                          "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
    close(fd);
    harness_down(&f);
}
END_TEST

/* Run a whole scan; return how many times each "key:%d" (0..n-1) was seen. */
static void scan_all(redisContext *c, const char *extra, int n, int *seen, long long *calls)
{
    char cursor[32] = "0", fmt[128];
    snprintf(fmt, sizeof(fmt), "SCAN %%s %s", extra); /* extra: words without '%' */
    *calls = 0;
    do {
        redisReply *r = harness_cmd(c, fmt, cursor);
        harness_assert_array(r, 2);
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        int strangers = 0;
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            int k = -1;
            if (sscanf(r->element[1]->element[i]->str, "key:%d", &k) == 1 && k >= 0 && k < n)
                seen[k]++;
            else
                strangers++;
        }
        ck_assert_int_eq(strangers, 0);
        freeReplyObject(r);
        (*calls)++;
    } while (strcmp(cursor, "0") != 0);
}

/* The first of keys 0..n-1 never seen, or -1. */
static int first_unseen(const int *seen, int n)
{
    for (int i = 0; i < n; i++)
        if (seen[i] == 0)
            return i;
    return -1;
}

START_TEST(scan_returns_every_key_with_match_count_and_type)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    enum { N = 1000 };
    static int seen[N];
    long long calls;
    harness_pipeline_int(f.c, "SET key:%d v", 0, N);

    memset(seen, 0, sizeof(seen));
    scan_all(f.c, "COUNT 10", N, seen, &calls);
    ck_assert_int_eq(first_unseen(seen, N), -1);
    ck_assert_int_gt(calls, 1);

    memset(seen, 0, sizeof(seen));
    scan_all(f.c, "MATCH key:1?? COUNT 50", N, seen, &calls);
    int wrong = 0;
    for (int i = 0; i < N; i++)
        wrong += (seen[i] >= 1) != (i >= 100 && i < 200);
    ck_assert_int_eq(wrong, 0);

    memset(seen, 0, sizeof(seen));
    scan_all(f.c, "TYPE STRING COUNT 100000", N, seen, &calls);
    ck_assert_int_eq(calls, 1);
    ck_assert_int_eq(first_unseen(seen, N), -1);

    memset(seen, 0, sizeof(seen));
    scan_all(f.c, "TYPE list", N, seen, &calls);
    for (int i = 0; i < N; i++)
        wrong += seen[i] != 0;
    ck_assert_int_eq(wrong, 0);
    harness_down(&f);
}
END_TEST

/* Keys present for the whole scan are returned although the maps grow
 * (50,000 keys added) and then shrink (most of them deleted) between
 * calls. */
START_TEST(scan_survives_growth_and_shrinking)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    enum { N = 1000, ADD = 50000, BATCH = 2500 };
    static int seen[N];
    memset(seen, 0, sizeof(seen));
    harness_pipeline_int(f.c, "SET key:%d v", 0, N);

    char cursor[32] = "0";
    int added = 0, deleted = 0;
    long long calls = 0;
    do {
        redisReply *r = harness_cmd(f.c, "SCAN %s COUNT 10", cursor);
        harness_assert_array(r, 2);
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        int strangers = 0;
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const char *k = r->element[1]->element[i]->str;
            int n = -1;
            if (sscanf(k, "key:%d", &n) == 1 && n >= 0 && n < N)
                seen[n]++;
            else if (strncmp(k, "tmp:", 4) != 0)
                strangers++;
        }
        ck_assert_int_eq(strangers, 0);
        freeReplyObject(r);
        calls++;
        if (added < ADD) {
            harness_pipeline_int(f.c, "SET tmp:%d v", added, added + BATCH);
            added += BATCH;
        } else if (deleted < ADD - 500) {
            harness_pipeline_int(f.c, "DEL tmp:%d", deleted, deleted + BATCH);
            deleted += BATCH;
        }
    } while (strcmp(cursor, "0") != 0);
    ck_assert_int_eq(first_unseen(seen, N), -1);
    ck_assert_int_gt(calls, 20);
    harness_down(&f);
}
END_TEST

/* ---- RANDOMKEY --------------------------------------------------------------------- */

START_TEST(randomkey_picks_an_existing_key)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_expect_nil(harness_cmd(f.c, "RANDOMKEY"));
    harness_cmd_ok(f.c, "SET only v");
    harness_expect_str(harness_cmd(f.c, "RANDOMKEY"), "only");
    harness_pipeline_int(f.c, "SET key:%d v", 0, 100);
    /* Each pick is one of the 101 keys, exactly, and stays; 100 picks that
     * are all the same key would mean it is not random (odds 101^-99). */
    char first[32] = "";
    bool several = false;
    for (int i = 0; i < 100; i++) {
        redisReply *r = harness_cmd(f.c, "RANDOMKEY");
        ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
        int n = -1, end = 0;
        ck_assert_msg(strcmp(r->str, "only") == 0 ||
                          (sscanf(r->str, "key:%d%n", &n, &end) == 1 && r->str[end] == '\0' &&
                           n >= 0 && n < 100),
                      "RANDOMKEY gave %s", r->str);
        several |= first[0] != '\0' && strcmp(first, r->str) != 0;
        snprintf(first, sizeof(first), "%s", first[0] ? first : r->str);
        freeReplyObject(r);
    }
    ck_assert_msg(several, "100 RANDOMKEYs all gave %s", first);
    harness_expect_int(harness_cmd(f.c, "DBSIZE"), 101);
    harness_expect_error(harness_cmd(f.c, "RANDOMKEY x"),
                         "ERR wrong number of arguments for 'randomkey' command");
    harness_cmd_ok(f.c, "SELECT 5");
    harness_expect_nil(harness_cmd(f.c, "RANDOMKEY"));
    harness_down(&f);
}
END_TEST

/* ---- OBJECT ------------------------------------------------------------------------ */

START_TEST(object_encoding_follows_redis_rules)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    char v44[45], v45[46];
    memset(v44, 'x', 44);
    v44[44] = '\0';
    memset(v45, 'x', 45);
    v45[45] = '\0';
    harness_cmd_ok(f.c, "SET n 123");
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING n"), "int");
    harness_cmd_ok(f.c, "SET n -9223372036854775808");
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING n"), "int");
    harness_cmd_ok(f.c, "SET n 9223372036854775808");
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING n"), "embstr");
    harness_cmd_ok(f.c, "SET n 0123");
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING n"), "embstr");
    harness_cmd_ok(f.c, "SET s abc");
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING s"), "embstr");
    harness_expect_status(harness_cmd(f.c, "SET s %s", v44), "OK");
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING s"), "embstr");
    harness_expect_status(harness_cmd(f.c, "SET s %s", v45), "OK");
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING s"), "raw");
    harness_cmd_ok(f.c, "SET a abc");
    harness_expect_int(harness_cmd(f.c, "APPEND a d"), 4);
    harness_expect_str(harness_cmd(f.c, "OBJECT encoding a"), "raw");
    harness_cmd_ok(f.c, "SET i 1");
    harness_expect_int(harness_cmd(f.c, "APPEND i 2"), 2);
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING i"), "raw");
    harness_expect_nil(harness_cmd(f.c, "OBJECT ENCODING nokey"));
    /* COPY keeps the encoding. */
    harness_expect_int(harness_cmd(f.c, "COPY a a2"), 1);
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING a2"), "raw");
    harness_cmd_ok(f.c, "SET n 5");
    harness_expect_int(harness_cmd(f.c, "COPY n n2"), 1);
    harness_expect_str(harness_cmd(f.c, "OBJECT ENCODING n2"), "int");
    harness_down(&f);
}
END_TEST

START_TEST(object_refcount_reports_shared_integers)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    const struct { const char *value; long long refcount; } cases[] = {
        {"0", 2147483647}, {"123", 2147483647}, {"9999", 2147483647}, {"10000", 1},
        {"-1", 1}, {"abc", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        harness_expect_status(harness_cmd(f.c, "SET k %s", cases[i].value), "OK");
        harness_expect_int(harness_cmd(f.c, "OBJECT REFCOUNT k"), cases[i].refcount);
    }
    harness_expect_nil(harness_cmd(f.c, "OBJECT REFCOUNT nokey"));
    /* An LRU/LFU policy with maxmemory set gives every key its own object. */
    harness_cmd_ok(f.c, "CONFIG SET maxmemory 1gb");
    harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy allkeys-lru");
    harness_cmd_ok(f.c, "SET k 5");
    harness_expect_int(harness_cmd(f.c, "OBJECT REFCOUNT k"), 1);
    harness_down(&f);
}
END_TEST

START_TEST(object_idletime_and_freq_depend_on_the_policy)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    const char *lfu_err = "ERR An LFU maxmemory policy is not selected, access frequency not "
                          "tracked. Please note that when switching between policies at runtime "
                          "LRU and LFU data will take some time to adjust.";
    const char *lru_err = "ERR An LFU maxmemory policy is selected, idle time not tracked. "
                          "Please note that when switching between policies at runtime LRU and "
                          "LFU data will take some time to adjust.";
    harness_cmd_ok(f.c, "SET k v");
    redisReply *r = harness_cmd(f.c, "OBJECT IDLETIME k");
    ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
    ck_assert_int_ge(r->integer, 0);
    ck_assert_int_le(r->integer, 5);
    freeReplyObject(r);
    harness_expect_error(harness_cmd(f.c, "OBJECT FREQ k"), lfu_err);
    harness_expect_nil(harness_cmd(f.c, "OBJECT FREQ nokey"));
    harness_expect_nil(harness_cmd(f.c, "OBJECT IDLETIME nokey"));

    harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy allkeys-lfu");
    harness_cmd_ok(f.c, "SET k v");
    r = harness_cmd(f.c, "OBJECT FREQ k");
    ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
    ck_assert_int_ge(r->integer, 0);
    ck_assert_int_le(r->integer, 255);
    freeReplyObject(r);
    harness_expect_error(harness_cmd(f.c, "OBJECT IDLETIME k"), lru_err);
    harness_expect_nil(harness_cmd(f.c, "OBJECT IDLETIME nokey"));
    harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy volatile-lfu");
    harness_expect_error(harness_cmd(f.c, "OBJECT IDLETIME k"), lru_err);
    harness_down(&f);
}
END_TEST

START_TEST(object_help_and_errors)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    redisReply *r = harness_cmd(f.c, "OBJECT HELP");
    harness_assert_array(r, 15);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r->element[0]->str,
                     "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    ck_assert_str_eq(r->element[14]->str, "    Prints this help.");
    freeReplyObject(r);
    harness_expect_error(harness_cmd(f.c, "OBJECT"),
                         "ERR wrong number of arguments for 'object' command");
    harness_expect_error(harness_cmd(f.c, "OBJECT foo k"),
                         "ERR unknown subcommand 'foo'. Try OBJECT HELP.");
    harness_expect_error(harness_cmd(f.c, "OBJECT ENCODING"),
                         "ERR wrong number of arguments for 'object|encoding' command");
    harness_expect_error(harness_cmd(f.c, "OBJECT REFCOUNT a b"),
                         "ERR wrong number of arguments for 'object|refcount' command");
    harness_expect_error(harness_cmd(f.c, "OBJECT HELP x"),
                         "ERR wrong number of arguments for 'object|help' command");
    harness_down(&f);
}
END_TEST

/* ---- the command table ------------------------------------------------------------- */

static void expect_info(redisContext *c, const char *name, long long arity, long long first,
                        long long last, long long step)
{
    redisReply *r = harness_cmd(c, "COMMAND INFO %s", name);
    harness_assert_array(r, 1);
    redisReply *info = r->element[0];
    ck_assert_msg(info->type == REDIS_REPLY_ARRAY, "no COMMAND INFO for %s", name);
    ck_assert_str_eq(info->element[0]->str, name);
    ck_assert_int_eq(info->element[1]->integer, arity);
    ck_assert_int_eq(info->element[3]->integer, first);
    ck_assert_int_eq(info->element[4]->integer, last);
    ck_assert_int_eq(info->element[5]->integer, step);
    freeReplyObject(r);
}

START_TEST(command_info_matches_redis_key_positions)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    expect_info(f.c, "del", -2, 1, -1, 1);
    expect_info(f.c, "unlink", -2, 1, -1, 1);
    expect_info(f.c, "exists", -2, 1, -1, 1);
    expect_info(f.c, "touch", -2, 1, -1, 1);
    expect_info(f.c, "type", 2, 1, 1, 1);
    expect_info(f.c, "rename", 3, 1, 2, 1);
    expect_info(f.c, "renamenx", 3, 1, 2, 1);
    expect_info(f.c, "copy", -3, 1, 2, 1);
    expect_info(f.c, "move", 3, 1, 1, 1);
    expect_info(f.c, "swapdb", 3, 0, 0, 0);
    expect_info(f.c, "keys", 2, 0, 0, 0);
    expect_info(f.c, "scan", -2, 0, 0, 0);
    expect_info(f.c, "randomkey", 1, 0, 0, 0);
    expect_info(f.c, "object", -2, 0, 0, 0);
    expect_info(f.c, "object|encoding", 3, 2, 2, 1);
    expect_info(f.c, "object|help", 2, 0, 0, 0);
    harness_down(&f);
}
END_TEST

/* ---- long commands do not stall other clients ------------------------------------- */

static void load_keys(redisContext *c, int n)
{
    for (int i = 0; i < n; i += 10000)
        harness_pipeline_int(c, "SET key:%d v", i, i + 10000 < n ? i + 10000 : n);
    harness_expect_int(harness_cmd(c, "DBSIZE"), n);
}

/* Proving that a PING was answered while a long command ran, without
 * trusting timing: the long command runs on a fresh connection `busy`,
 * and an observer connection sees, in order,
 *   1. CLIENT LIST showing busy's last command is it: it has started
 *      (busy sent nothing else after CLIENT ID);
 *   2. its own PING answered;
 *   3. INFO commandstats not counting the long command's call yet: a call
 *      is counted when it returns, so it was still running after 2.
 * An observer on busy's own worker loop cannot answer while the command
 * runs: one that does not answer CLIENT LIST within PATIENCE_MS is left
 * and the next of OBSERVERS is tried (the patience only saves time; the
 * proof is step 3). An attempt that proves nothing (every observer on
 * busy's loop, or the command done before step 3) is repeated with new
 * connections; one of PROOF_ATTEMPTS must prove it. */
#define PROOF_ATTEMPTS 20
#define OBSERVERS 6
#define PATIENCE_MS 50
#define BUSY_KEYS 300000

enum observation { LEFT, TOO_LATE, PROVED };

/* Completed calls of `name` in INFO commandstats (0 before the first). */
static long long calls_of(redisContext *c, const char *name)
{
    char field[64], value[256];
    snprintf(field, sizeof(field), "cmdstat_%s", name);
    if (!harness_info_field(c, "commandstats", field, value, sizeof(value)))
        return 0;
    ck_assert_msg(strncmp(value, "calls=", 6) == 0, "%s: %s", field, value);
    return strtoll(value + 6, NULL, 10);
}

/* CLIENT LIST ID `id` on the observer; false if it did not answer within
 * PATIENCE_MS, else whether `name` is that client's last command. */
static bool client_list_answered(redisContext *o, long long id, const char *name, bool *ran)
{
    harness_send_only(o, "CLIENT LIST ID %lld", id);
    struct pollfd p = {.fd = o->fd, .events = POLLIN};
    if (poll(&p, 1, PATIENCE_MS) != 1)
        return false;
    redisReply *r;
    ck_assert_int_eq(redisGetReply(o, (void **)&r), REDIS_OK);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    char want[64];
    snprintf(want, sizeof(want), " cmd=%s ", name);
    *ran = strstr(r->str, want) != NULL;
    freeReplyObject(r);
    return true;
}

/* Steps 1 to 3 on one observer. */
static enum observation observe(redisContext *o, long long id, const char *name, long long done)
{
    long long deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    bool started = false;
    while (!started) {
        if (!client_list_answered(o, id, name, &started))
            return LEFT; /* on busy's loop */
        ck_assert_msg(harness_now_ms() < deadline, "%s did not start", name);
    }
    harness_expect_status(harness_cmd(o, "PING"), "PONG");
    return calls_of(o, name) == done ? PROVED : TOO_LATE;
}

/* One attempt; true if it proves a PONG came while `cmd` (named `name` in
 * CLIENT LIST and commandstats) ran. Busy's reply goes to `reply`. */
static bool ping_answered_while_running(const struct grove_server *s, const char *cmd,
                                        const char *name, redisReply **reply)
{
    redisContext *busy = harness_connect(s), *obs[OBSERVERS];
    for (int i = 0; i < OBSERVERS; i++)
        obs[i] = harness_connect(s);
    long long id = harness_cmd_int(busy, "CLIENT ID");
    long long done = calls_of(obs[0], name);
    harness_send_only(busy, cmd);
    enum observation seen = LEFT;
    for (int i = 0; i < OBSERVERS && seen == LEFT; i++)
        seen = observe(obs[i], id, name, done);
    ck_assert_int_eq(redisGetReply(busy, (void **)reply), REDIS_OK);
    redisFree(busy);
    for (int i = 0; i < OBSERVERS; i++)
        redisFree(obs[i]);
    return seen == PROVED;
}

START_TEST(ping_is_answered_while_keys_runs)
{
    static const char *const args[] = {"--threads", "2", NULL};
    struct harness_fixture f;
    harness_up(&f, args);
    load_keys(f.c, BUSY_KEYS);
    bool proved = false;
    for (int attempt = 0; attempt < PROOF_ATTEMPTS && !proved; attempt++) {
        redisReply *r;
        proved = ping_answered_while_running(&f.s, "KEYS *", "keys", &r);
        harness_assert_array(r, BUSY_KEYS);
        freeReplyObject(r);
    }
    ck_assert_msg(proved, "in %d attempts KEYS always finished before PING was answered",
                  PROOF_ATTEMPTS);
    harness_down(&f);
}
END_TEST

START_TEST(ping_is_answered_while_flushall_runs)
{
    static const char *const args[] = {"--threads", "2", NULL};
    struct harness_fixture f;
    harness_up(&f, args);
    bool proved = false;
    for (int attempt = 0; attempt < PROOF_ATTEMPTS && !proved; attempt++) {
        load_keys(f.c, BUSY_KEYS);
        redisReply *r;
        proved = ping_answered_while_running(&f.s, "FLUSHALL", "flushall", &r);
        harness_expect_status(r, "OK");
        harness_expect_int(harness_cmd(f.c, "DBSIZE"), 0);
    }
    ck_assert_msg(proved, "in %d attempts FLUSHALL always finished before PING was answered",
                  PROOF_ATTEMPTS);
    harness_down(&f);
}
END_TEST

/* ---- the suite ------------------------------------------------------------------------ */

static Suite *keys_suite(void)
{
    Suite *s = suite_create("keys");
    TCase *basic = tcase_create("del_exists_type_touch");
    tcase_add_test(basic, del_counts_only_the_keys_it_removed);
    tcase_add_test(basic, unlink_is_del);
    tcase_add_test(basic, unlink_frees_big_values_elsewhere);
    tcase_add_test(basic, lazyfree_knobs_choose_where_values_are_freed);
    tcase_add_test(basic, exists_counts_every_repeat);
    tcase_add_test(basic, type_names_the_value_or_none);
    tcase_add_test(basic, touch_counts_existing_keys);
    suite_add_tcase(s, basic);

    TCase *ren = tcase_create("rename_copy_move_swapdb");
    tcase_add_test(ren, rename_moves_the_value_and_its_ttl);
    tcase_add_test(ren, rename_errors_and_same_key);
    tcase_add_test(ren, rename_overwrites_and_renamenx_does_not);
    tcase_add_test(ren, rename_across_many_keys);
    tcase_add_test(ren, copy_duplicates_value_and_ttl);
    tcase_add_test(ren, copy_keeps_an_existing_destination_unless_replace);
    tcase_add_test(ren, copy_to_another_database);
    tcase_add_test(ren, copy_errors);
    tcase_add_test(ren, move_transfers_a_key_between_databases);
    tcase_add_test(ren, move_errors);
    tcase_add_test(ren, swapdb_exchanges_contents);
    tcase_add_test(ren, swapdb_errors);
    suite_add_tcase(s, ren);

    TCase *iter = tcase_create("keys_scan_randomkey");
    tcase_set_timeout(iter, 60);
    tcase_add_test(iter, keys_matches_glob_patterns);
    tcase_add_test(iter, scan_argument_errors);
    tcase_add_test(iter, scan_replies_cursor_then_keys);
    tcase_add_test(iter, scan_returns_every_key_with_match_count_and_type);
    tcase_add_test(iter, scan_survives_growth_and_shrinking);
    tcase_add_test(iter, randomkey_picks_an_existing_key);
    suite_add_tcase(s, iter);

    TCase *obj = tcase_create("object");
    tcase_add_test(obj, object_encoding_follows_redis_rules);
    tcase_add_test(obj, object_refcount_reports_shared_integers);
    tcase_add_test(obj, object_idletime_and_freq_depend_on_the_policy);
    tcase_add_test(obj, object_help_and_errors);
    tcase_add_test(obj, command_info_matches_redis_key_positions);
    suite_add_tcase(s, obj);

    TCase *busy = tcase_create("busy");
    tcase_set_timeout(busy, 180); /* loading 300,000 keys per attempt under ASan */
    tcase_add_test(busy, ping_is_answered_while_keys_runs);
    tcase_add_test(busy, ping_is_answered_while_flushall_runs);
    suite_add_tcase(s, busy);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(keys_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
