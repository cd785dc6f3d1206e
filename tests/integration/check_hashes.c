/*
 * check_hashes.c - the hash commands end to end, against a real grove-server:
 * replies and error texts as redis-server 7.0.15 gives them, WRONGTYPE both
 * ways, OBJECT ENCODING thresholds (listpack up to 512 entries and 64-byte
 * fields/values, as Redis 7.0's defaults), RESP3 shapes, HSCAN coverage,
 * HRANDFIELD, COPY, TYPE and SCAN TYPE.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"

/* ---- helpers ------------------------------------------------------------------- */

/* HSET key f<from>..f<to-1> with values v<i>, in one command per field. */
static void fill(const char *key, int from, int to)
{
    for (int i = from; i < to; i++)
        EXPECT_INT(1, "HSET %s f%d v%d", key, i, i);
}

/* ---- basics -------------------------------------------------------------------- */

START_TEST(hset_hget_and_friends)
{
    EXPECT_INT(3, "HSET h a 1 b 2 c 3");
    EXPECT_INT(1, "HSET h a 10 d 4");
    EXPECT_STR("10", "HGET h a");
    EXPECT_NIL("HGET h zz");
    EXPECT_NIL("HGET nokey a");
    EXPECT_ARRAY(((const char *[]){"10", NULL, "2"}), "HMGET h a zz b");
    EXPECT_ARRAY(((const char *[]){NULL, NULL}), "HMGET nokey a b");
    EXPECT_INT(4, "HLEN h");
    EXPECT_INT(0, "HLEN nokey");
    EXPECT_INT(2, "HSTRLEN h a");
    EXPECT_INT(0, "HSTRLEN h zz");
    EXPECT_INT(0, "HSTRLEN nokey a");
    EXPECT_INT(1, "HEXISTS h a");
    EXPECT_INT(0, "HEXISTS h zz");
    EXPECT_INT(0, "HEXISTS nokey a");
    EXPECT_INT(0, "HSETNX h a 5");
    EXPECT_INT(1, "HSETNX h e 5");
    EXPECT_INT(1, "HSETNX new a 5");
    EXPECT_OK("HMSET h x 1 y 2");
    EXPECT_STR("1", "HGET h x");
    EXPECT_STATUS("hash", "TYPE h");
}
END_TEST

START_TEST(small_hashes_reply_in_insertion_order)
{
    EXPECT_INT(3, "HSET h c 1 a 2 b 3");
    EXPECT_INT(0, "HSET h a 20");
    EXPECT_ARRAY(((const char *[]){"c", "1", "a", "20", "b", "3"}), "HGETALL h");
    EXPECT_ARRAY(((const char *[]){"c", "a", "b"}), "HKEYS h");
    EXPECT_ARRAY(((const char *[]){"1", "20", "3"}), "HVALS h");
    EXPECT_INT(1, "HDEL h c");
    EXPECT_INT(1, "HSET h c 9");
    EXPECT_ARRAY(((const char *[]){"a", "b", "c"}), "HKEYS h");
    EXPECT_EMPTY("HGETALL nokey");
    EXPECT_EMPTY("HKEYS nokey");
    EXPECT_EMPTY("HVALS nokey");
}
END_TEST

START_TEST(empty_and_binary_fields)
{
    EXPECT_INT(2, "HSET h %b %b f %b", "", (size_t)0, "v", (size_t)1, "", (size_t)0);
    EXPECT_STR("v", "HGET h %b", "", (size_t)0);
    EXPECT_STR("", "HGET h f");
    EXPECT_INT(0, "HSTRLEN h f");
    EXPECT_INT(1, "HSET h %b x", "a\0b", (size_t)3);
    EXPECT_NIL("HGET h a");
    EXPECT_STR("x", "HGET h %b", "a\0b", (size_t)3);
}
END_TEST

START_TEST(arity_errors_follow_redis)
{
    EXPECT_ERR("ERR wrong number of arguments for 'hset' command", "HSET h a 1 b");
    EXPECT_ERR("ERR wrong number of arguments for 'hset' command", "HSET h a");
    EXPECT_ERR("ERR wrong number of arguments for 'hmset' command", "HMSET h a");
    EXPECT_ERR("ERR wrong number of arguments for 'hmset' command", "HMSET h a 1 b");
    EXPECT_ERR("ERR wrong number of arguments for 'hget' command", "HGET h");
    EXPECT_ERR("ERR wrong number of arguments for 'hdel' command", "HDEL h");
    EXPECT_ERR("ERR wrong number of arguments for 'hsetnx' command", "HSETNX h a");
    EXPECT_INT(0, "EXISTS h");
}
END_TEST

/* ---- deletion ------------------------------------------------------------------ */

START_TEST(deleting_the_last_field_deletes_the_key)
{
    EXPECT_INT(2, "HSET h a 1 b 2");
    EXPECT_INT(1, "HDEL h a zz");
    EXPECT_INT(1, "EXISTS h");
    EXPECT_INT(1, "HDEL h b a");
    EXPECT_INT(0, "EXISTS h");
    EXPECT_STATUS("none", "TYPE h");
    EXPECT_INT(0, "HDEL nokey a");
    EXPECT_INT(2, "HSET big f1 1 f2 2");
    fill("big", 3, 600);
    for (int i = 1; i < 600; i++)
        EXPECT_INT(1, "HDEL big f%d", i);
    EXPECT_INT(0, "EXISTS big");
    EXPECT_INT(0, "DBSIZE");
}
END_TEST

/* ---- types ----------------------------------------------------------------------- */

START_TEST(wrongtype_both_ways)
{
    EXPECT_OK("SET s v");
    EXPECT_ERR(ERR_WRONGTYPE, "HGET s a");
    EXPECT_ERR(ERR_WRONGTYPE, "HSET s a 1");
    EXPECT_ERR(ERR_WRONGTYPE, "HSETNX s a 1");
    EXPECT_ERR(ERR_WRONGTYPE, "HMSET s a 1");
    EXPECT_ERR(ERR_WRONGTYPE, "HMGET s a");
    EXPECT_ERR(ERR_WRONGTYPE, "HDEL s a");
    EXPECT_ERR(ERR_WRONGTYPE, "HLEN s");
    EXPECT_ERR(ERR_WRONGTYPE, "HSTRLEN s a");
    EXPECT_ERR(ERR_WRONGTYPE, "HEXISTS s a");
    EXPECT_ERR(ERR_WRONGTYPE, "HKEYS s");
    EXPECT_ERR(ERR_WRONGTYPE, "HVALS s");
    EXPECT_ERR(ERR_WRONGTYPE, "HGETALL s");
    EXPECT_ERR(ERR_WRONGTYPE, "HINCRBY s a 1");
    EXPECT_ERR(ERR_WRONGTYPE, "HINCRBYFLOAT s a 1");
    EXPECT_ERR(ERR_WRONGTYPE, "HRANDFIELD s");
    EXPECT_ERR(ERR_WRONGTYPE, "HRANDFIELD s 2");
    EXPECT_ERR(ERR_WRONGTYPE, "HSCAN s 0");
    EXPECT_STR("v", "GET s");

    EXPECT_INT(1, "HSET h a 1");
    EXPECT_ERR(ERR_WRONGTYPE, "GET h");
    EXPECT_ERR(ERR_WRONGTYPE, "INCR h");
    EXPECT_ERR(ERR_WRONGTYPE, "APPEND h x");
    EXPECT_ERR(ERR_WRONGTYPE, "STRLEN h");
    EXPECT_ERR(ERR_WRONGTYPE, "GETRANGE h 0 1");
    EXPECT_ERR(ERR_WRONGTYPE, "SETRANGE h 0 x");
    EXPECT_ERR(ERR_WRONGTYPE, "INCRBYFLOAT h 1");
    EXPECT_ARRAY(((const char *[]){NULL, "v"}), "MGET h s");
    EXPECT_OK("SET h x");
    EXPECT_STATUS("string", "TYPE h");
}
END_TEST

START_TEST(scan_type_hash_finds_hashes)
{
    EXPECT_INT(1, "HSET h1 a 1");
    EXPECT_INT(1, "HSET h2 a 1");
    EXPECT_OK("SET s v");
    redisReply *r = CMD("SCAN 0 TYPE hash COUNT 1000");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_str_eq(r->element[0]->str, "0");
    ck_assert_uint_eq(r->element[1]->elements, 2);
    for (size_t i = 0; i < 2; i++)
        ck_assert(r->element[1]->element[i]->str[0] == 'h');
    freeReplyObject(r);
    r = CMD("SCAN 0 TYPE string COUNT 1000");
    ck_assert_uint_eq(r->element[1]->elements, 1);
    ck_assert_str_eq(r->element[1]->element[0]->str, "s");
    freeReplyObject(r);
}
END_TEST

/* ---- encodings ------------------------------------------------------------------- */

START_TEST(encoding_follows_listpack_thresholds)
{
    fill("h", 0, 512);
    EXPECT_ENCODING("h", "listpack");
    EXPECT_INT(0, "HSET h f0 updated");
    EXPECT_ENCODING("h", "listpack");
    fill("h", 512, 513);
    EXPECT_ENCODING("h", "hashtable");
    for (int i = 0; i < 500; i++)
        EXPECT_INT(1, "HDEL h f%d", i);
    EXPECT_ENCODING("h", "hashtable"); /* never converts back */

    char v64[65], v65[66];
    memset(v64, 'x', 64);
    v64[64] = '\0';
    memset(v65, 'y', 65);
    v65[65] = '\0';
    EXPECT_INT(2, "HSET v a %s %s b", v64, v64);
    EXPECT_ENCODING("v", "listpack");
    EXPECT_INT(1, "HSET v c %s", v65);
    EXPECT_ENCODING("v", "hashtable");
    EXPECT_INT(1, "HSET f %s 1", v65);
    EXPECT_ENCODING("f", "hashtable");
    EXPECT_INT(1, "HINCRBY i %s 1", v65);
    EXPECT_ENCODING("i", "hashtable");
    EXPECT_INT(1, "HSET n a 1");
    EXPECT_INT(0, "HSETNX n a %s", v65); /* nothing written: no conversion */
    EXPECT_ENCODING("n", "listpack");
    EXPECT_INT(1, "HSETNX n b %s", v65);
    EXPECT_ENCODING("n", "hashtable");
}
END_TEST

START_TEST(copy_of_a_hash_is_deep)
{
    EXPECT_INT(2, "HSET src a 1 b 2");
    EXPECT_INT(1, "COPY src dst");
    EXPECT_INT(0, "HSET dst a 9");
    EXPECT_INT(1, "HDEL dst b");
    EXPECT_STR("1", "HGET src a");
    EXPECT_STR("2", "HGET src b");
    EXPECT_ARRAY(((const char *[]){"a", "9"}), "HGETALL dst");
    EXPECT_STATUS("hash", "TYPE dst");
    EXPECT_ENCODING("dst", "listpack");

    fill("big", 0, 600);
    EXPECT_INT(1, "COPY big big2");
    EXPECT_ENCODING("big2", "hashtable");
    EXPECT_INT(600, "HLEN big2");
    EXPECT_INT(1, "HDEL big f0");
    EXPECT_STR("v0", "HGET big2 f0");
    EXPECT_INT(1, "COPY big2 other DB 1");
    EXPECT_OK("SELECT 1");
    EXPECT_INT(600, "HLEN other");
}
END_TEST

/* ---- HINCRBY, HINCRBYFLOAT --------------------------------------------------------- */

START_TEST(hincrby_counts_and_checks)
{
    EXPECT_INT(5, "HINCRBY h a 5");
    EXPECT_INT(-5, "HINCRBY h a -10");
    EXPECT_STR("-5", "HGET h a");
    EXPECT_ERR(ERR_NOT_INT, "HINCRBY h a x");
    EXPECT_ERR(ERR_NOT_INT, "HINCRBY nokey a x");
    EXPECT_INT(0, "EXISTS nokey");
    EXPECT_INT(1, "HSET h s abc");
    EXPECT_ERR("ERR hash value is not an integer", "HINCRBY h s 1");
    EXPECT_INT(1, "HSET h sp %s", " 1");
    EXPECT_ERR("ERR hash value is not an integer", "HINCRBY h sp 1");
    EXPECT_INT(1, "HSET h max 9223372036854775807");
    EXPECT_ERR("ERR increment or decrement would overflow", "HINCRBY h max 1");
    EXPECT_INT(1, "HSET h min -9223372036854775808");
    EXPECT_ERR("ERR increment or decrement would overflow", "HINCRBY h min -1");
    EXPECT_INT(-9223372036854775807LL - 1, "HINCRBY h min 0");
    EXPECT_STR("9223372036854775807", "HGET h max");
}
END_TEST

START_TEST(hincrbyfloat_formats_like_incrbyfloat)
{
    EXPECT_STR("10.5", "HINCRBYFLOAT h f 10.5");
    EXPECT_STR("10.6", "HINCRBYFLOAT h f 0.1");
    EXPECT_STR("-4989.39999999999999991", "HINCRBYFLOAT h f -5.0e3");
    EXPECT_STR("1.1", "HINCRBYFLOAT h x 1.10");
    EXPECT_STR("1.1025", "HINCRBYFLOAT h x 2.5e-3");
    EXPECT_STR("3", "HINCRBYFLOAT h y 3.0");
    EXPECT_STR("1500", "HINCRBYFLOAT h z 1.5e3");
    EXPECT_STR("1500.09999999999999998", "HINCRBYFLOAT h z 0.1");
    EXPECT_INT(1, "HSET h e 1e3");
    EXPECT_STR("1001", "HINCRBYFLOAT h e 1");
    EXPECT_INT(1002, "HINCRBY h e 1");
    EXPECT_ERR("ERR value is NaN or Infinity", "HINCRBYFLOAT h f inf");
    EXPECT_ERR("ERR value is not a valid float", "HINCRBYFLOAT h f abc");
    EXPECT_ERR("ERR value is not a valid float", "HINCRBYFLOAT h f nan");
    EXPECT_ERR("ERR value is not a valid float", "HINCRBYFLOAT h f 1e5000");
    EXPECT_INT(1, "HSET h s abc");
    EXPECT_ERR("ERR hash value is not a float", "HINCRBYFLOAT h s 1");
    EXPECT_INT(1, "HSET h big 1e5000");
    EXPECT_ERR("ERR hash value is not a float", "HINCRBYFLOAT h big 1");
    EXPECT_STR("-4989.39999999999999991", "HGET h f");
}
END_TEST

/* ---- HRANDFIELD -------------------------------------------------------------------- */

static bool is_field(const char *s)
{
    return strcmp(s, "a") == 0 || strcmp(s, "b") == 0 || strcmp(s, "c") == 0;
}

START_TEST(hrandfield_single_and_counts)
{
    EXPECT_NIL("HRANDFIELD nokey");
    EXPECT_EMPTY("HRANDFIELD nokey 5");
    EXPECT_EMPTY("HRANDFIELD nokey -5 WITHVALUES");
    EXPECT_INT(3, "HSET h a 1 b 2 c 3");
    redisReply *r = CMD("HRANDFIELD h");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert(is_field(r->str));
    freeReplyObject(r);
    EXPECT_EMPTY("HRANDFIELD h 0");

    /* A positive count gives distinct fields, at most the hash's size. */
    EXPECT_SET(((const char *[]){"a", "b", "c"}), "HRANDFIELD h 10");
    r = CMD("HRANDFIELD h 2");
    harness_assert_array(r, 2);
    ck_assert(is_field(r->element[0]->str) && is_field(r->element[1]->str));
    ck_assert_str_ne(r->element[0]->str, r->element[1]->str);
    freeReplyObject(r);

    /* A negative count repeats: 100 picks of 3 fields must repeat. */
    r = CMD("HRANDFIELD h -100");
    ck_assert_uint_eq(r->elements, 100);
    for (size_t i = 0; i < r->elements; i++)
        ck_assert(is_field(r->element[i]->str));
    freeReplyObject(r);

    /* RESP2 WITHVALUES is flat: field, value, field, value... */
    r = CMD("HRANDFIELD h -7 WITHVALUES");
    ck_assert_uint_eq(r->elements, 14);
    for (size_t i = 0; i < 14; i += 2) {
        ck_assert(is_field(r->element[i]->str));
        ck_assert_int_eq(r->element[i + 1]->str[0] - '0', r->element[i]->str[0] - 'a' + 1);
    }
    freeReplyObject(r);
}
END_TEST

START_TEST(hrandfield_argument_errors)
{
    EXPECT_INT(1, "HSET h a 1");
    EXPECT_ERR(ERR_NOT_INT, "HRANDFIELD h x");
    EXPECT_ERR("ERR value is out of range, value must between -9223372036854775807 and "
               "9223372036854775807",
               "HRANDFIELD h -9223372036854775808");
    EXPECT_ERR("ERR value is out of range", "HRANDFIELD h 9223372036854775807 WITHVALUES");
    EXPECT_ERR(ERR_SYNTAX, "HRANDFIELD h 1 WITHVALUE");
    EXPECT_ERR(ERR_SYNTAX, "HRANDFIELD h 1 WITHVALUES x");
}
END_TEST

START_TEST(hrandfield_distinct_from_a_large_hash)
{
    fill("h", 0, 1000);
    redisReply *r = CMD("HRANDFIELD h 300 WITHVALUES");
    ck_assert_uint_eq(r->elements, 600);
    unsigned char *seen = calloc(1000, 1);
    for (size_t i = 0; i < 600; i += 2) {
        int f = atoi(r->element[i]->str + 1);
        ck_assert(!seen[f]);
        seen[f] = 1;
        ck_assert_int_eq(atoi(r->element[i + 1]->str + 1), f);
    }
    free(seen);
    freeReplyObject(r);
}
END_TEST

/* ---- HSCAN ------------------------------------------------------------------------ */

/* HSCAN from 0 until the cursor comes back, marking fields "f<i>" seen
 * (pattern NULL: no MATCH). Returns the number of calls. */
static size_t hscan_all(const char *key, const char *pattern, int count, unsigned char *seen,
                        int n)
{
    char cursor[32] = "0";
    size_t calls = 0;
    do {
        redisReply *r = pattern ? CMD("HSCAN %s %s MATCH %s COUNT %d", key, cursor, pattern, count)
                                : CMD("HSCAN %s %s COUNT %d", key, cursor, count);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_uint_eq(r->elements, 2);
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        redisReply *items = r->element[1];
        ck_assert_uint_eq(items->elements % 2, 0);
        for (size_t i = 0; i < items->elements; i += 2) {
            int f = atoi(items->element[i]->str + 1);
            ck_assert_int_lt(f, n);
            ck_assert_int_eq(atoi(items->element[i + 1]->str + 1), f);
            seen[f] = 1;
        }
        freeReplyObject(r);
        calls++;
    } while (strcmp(cursor, "0") != 0);
    return calls;
}

START_TEST(hscan_covers_every_field)
{
    unsigned char seen[2000] = {0};
    fill("small", 0, 10);
    ck_assert_uint_eq(hscan_all("small", NULL, 1, seen, 10), 1); /* listpack: one go */
    for (int i = 0; i < 10; i++)
        ck_assert(seen[i]);

    memset(seen, 0, sizeof(seen));
    fill("big", 0, 2000);
    ck_assert_uint_gt(hscan_all("big", NULL, 10, seen, 2000), 1);
    for (int i = 0; i < 2000; i++)
        ck_assert_msg(seen[i], "f%d not returned", i);

    memset(seen, 0, sizeof(seen));
    hscan_all("big", "f1??", 100, seen, 2000);
    for (int i = 0; i < 2000; i++)
        ck_assert_int_eq(seen[i], i >= 100 && i <= 199);
}
END_TEST

START_TEST(hscan_errors_and_missing_key)
{
    redisReply *r = CMD("HSCAN nokey 0 COUNT 0");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[0]->str, "0");
    ck_assert_uint_eq(r->element[1]->elements, 0);
    freeReplyObject(r);
    EXPECT_ERR("ERR invalid cursor", "HSCAN nokey x");
    EXPECT_INT(1, "HSET h a 1");
    EXPECT_ERR("ERR invalid cursor", "HSCAN h 1x");
    EXPECT_ERR(ERR_SYNTAX, "HSCAN h 0 COUNT 0");
    EXPECT_ERR(ERR_NOT_INT, "HSCAN h 0 COUNT x");
    EXPECT_ERR(ERR_SYNTAX, "HSCAN h 0 TYPE string");
    EXPECT_ERR(ERR_SYNTAX, "HSCAN h 0 MATCH");
}
END_TEST

/* ---- RESP3 ------------------------------------------------------------------------- */

START_TEST(resp3_shapes)
{
    EXPECT_INT(2, "HSET h a 1 b 2");
    int fd = harness_resp3_connect(&harness_srv);
    harness_raw_roundtrip(fd, "HGETALL h\r\n",
                          "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    harness_raw_roundtrip(fd, "HGETALL nokey\r\n", "%0\r\n");
    harness_raw_roundtrip(fd, "HGET h zz\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "HMGET h a zz\r\n", "*2\r\n$1\r\n1\r\n_\r\n");
    harness_raw_roundtrip(fd, "HRANDFIELD nokey\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "HRANDFIELD h 5 WITHVALUES\r\n",
                          "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    harness_raw_roundtrip(fd, "HSCAN h 0\r\n",
                          "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    harness_raw_roundtrip(fd, "HINCRBYFLOAT h c 1.5\r\n", "$3\r\n1.5\r\n");
    close(fd);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *hash_suite(void)
{
    Suite *s = suite_create("hash");
    TCase *tc = harness_server_case("commands", NULL, NULL);
    tcase_add_test(tc, hset_hget_and_friends);
    tcase_add_test(tc, small_hashes_reply_in_insertion_order);
    tcase_add_test(tc, empty_and_binary_fields);
    tcase_add_test(tc, arity_errors_follow_redis);
    tcase_add_test(tc, deleting_the_last_field_deletes_the_key);
    tcase_add_test(tc, hincrby_counts_and_checks);
    tcase_add_test(tc, hincrbyfloat_formats_like_incrbyfloat);
    suite_add_tcase(s, tc);

    tc = harness_server_case("types", NULL, NULL);
    tcase_add_test(tc, wrongtype_both_ways);
    tcase_add_test(tc, scan_type_hash_finds_hashes);
    tcase_add_test(tc, encoding_follows_listpack_thresholds);
    tcase_add_test(tc, copy_of_a_hash_is_deep);
    suite_add_tcase(s, tc);

    tc = harness_server_case("random and scan", NULL, NULL);
    tcase_add_test(tc, hrandfield_single_and_counts);
    tcase_add_test(tc, hrandfield_argument_errors);
    tcase_add_test(tc, hrandfield_distinct_from_a_large_hash);
    tcase_add_test(tc, hscan_covers_every_field);
    tcase_add_test(tc, hscan_errors_and_missing_key);
    suite_add_tcase(s, tc);

    tc = harness_server_case("protocol", NULL, NULL);
    tcase_add_test(tc, resp3_shapes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hash_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
