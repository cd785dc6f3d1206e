/*
 * check_lists.c - the list commands end to end, against a real
 * grove-server: replies and error texts as redis-server 7.0.15 gives them
 * (and in its order of checks), negative and out-of-range indexes, COUNT
 * 0, LPOS options, LMOVE onto the same list, WRONGTYPE both ways, the key
 * vanishing with its last element, OBJECT ENCODING ("quicklist", as 7.0),
 * COPY, RESP3 shapes, and WATCH aborts on in-place changes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"

#define ERR_RANK_ZERO                                                                           \
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or "  \
    "use negative to start from the end of the list"

/* ---- push, pop, length ------------------------------------------------------------ */

START_TEST(push_and_pop_both_ends)
{
    EXPECT_INT(3, "RPUSH l a b c");
    EXPECT_INT(5, "LPUSH l y z");
    EXPECT_LIST("l", "z", "y", "a", "b", "c");
    EXPECT_INT(5, "LLEN l");
    EXPECT_INT(0, "LLEN nokey");
    EXPECT_STR("z", "LPOP l");
    EXPECT_STR("c", "RPOP l");
    EXPECT_ARRAY(((const char *[]){"y", "a"}), "LPOP l 2");
    EXPECT_ARRAY(((const char *[]){"b"}), "RPOP l 5");
    EXPECT_INT(0, "EXISTS l"); /* the last pop deletes the key */
    EXPECT_NIL("LPOP l");
    EXPECT_NIL("RPOP nokey");
    EXPECT_STATUS("none", "TYPE l");
    EXPECT_INT(1, "LPUSH e %b", "", (size_t)0);
    EXPECT_LIST("e", "");
    EXPECT_STATUS("list", "TYPE e");
}
END_TEST

START_TEST(pop_count_edge_cases)
{
    EXPECT_INT(2, "RPUSH l a b");
    EXPECT_EMPTY("LPOP l 0"); /* existing key, count 0: empty array */
    EXPECT_INT(2, "LLEN l");
    EXPECT_NIL("LPOP nokey 0"); /* missing key: null array, even for 0 */
    EXPECT_NIL("RPOP nokey 3");
    EXPECT_ERR(ERR_POSITIVE, "LPOP l -1");
    EXPECT_ERR(ERR_POSITIVE, "LPOP l x");
    EXPECT_ERR(ERR_POSITIVE, "RPOP nokey x");
    EXPECT_ERR("ERR wrong number of arguments for 'lpop' command", "LPOP l 1 2");
    EXPECT_ARRAY(((const char *[]){"b", "a"}), "RPOP l 100");
    EXPECT_INT(0, "EXISTS l");
}
END_TEST

START_TEST(pushx_only_on_existing_lists)
{
    EXPECT_INT(0, "LPUSHX nokey a");
    EXPECT_INT(0, "RPUSHX nokey a b");
    EXPECT_INT(0, "EXISTS nokey");
    EXPECT_INT(1, "RPUSH l m");
    EXPECT_INT(3, "LPUSHX l b a");
    EXPECT_INT(5, "RPUSHX l y z");
    EXPECT_LIST("l", "a", "b", "m", "y", "z");
}
END_TEST

START_TEST(arity_errors_follow_redis)
{
    EXPECT_ERR("ERR wrong number of arguments for 'lpush' command", "LPUSH k");
    EXPECT_ERR("ERR wrong number of arguments for 'rpushx' command", "RPUSHX k");
    EXPECT_ERR("ERR wrong number of arguments for 'lpop' command", "LPOP");
    EXPECT_ERR("ERR wrong number of arguments for 'lrange' command", "LRANGE k 0");
    EXPECT_ERR("ERR wrong number of arguments for 'lmove' command", "LMOVE a b left");
    EXPECT_ERR("ERR wrong number of arguments for 'rpoplpush' command", "RPOPLPUSH a");
    EXPECT_ERR("ERR wrong number of arguments for 'linsert' command", "LINSERT k before a");
    EXPECT_ERR("ERR wrong number of arguments for 'lpos' command", "LPOS k");
}
END_TEST

/* ---- indexes ------------------------------------------------------------------------ */

START_TEST(lrange_clamps_like_redis)
{
    EXPECT_INT(5, "RPUSH l a b c d e");
    EXPECT_ARRAY(((const char *[]){"a", "b", "c", "d", "e"}), "LRANGE l -100 100");
    EXPECT_ARRAY(((const char *[]){"d", "e"}), "LRANGE l -2 -1");
    EXPECT_ARRAY(((const char *[]){"a"}), "LRANGE l 0 0");
    EXPECT_ARRAY(((const char *[]){"b", "c"}), "LRANGE l 1 2");
    EXPECT_EMPTY("LRANGE l 3 2");
    EXPECT_EMPTY("LRANGE l 100 200");
    EXPECT_EMPTY("LRANGE l -100 -50");
    EXPECT_EMPTY("LRANGE nokey 0 -1");
    EXPECT_ERR(ERR_NOT_INT, "LRANGE l x 1");
    EXPECT_ERR(ERR_NOT_INT, "LRANGE nokey 0 y"); /* parsed before the lookup */
}
END_TEST

START_TEST(lindex_and_lset)
{
    EXPECT_INT(3, "RPUSH l a b c");
    EXPECT_STR("a", "LINDEX l 0");
    EXPECT_STR("c", "LINDEX l -1");
    EXPECT_STR("a", "LINDEX l -3");
    EXPECT_NIL("LINDEX l 3");
    EXPECT_NIL("LINDEX l -4");
    EXPECT_NIL("LINDEX nokey 0");
    EXPECT_NIL("LINDEX nokey x"); /* the key is looked up first */
    EXPECT_ERR(ERR_NOT_INT, "LINDEX l x");
    EXPECT_OK("LSET l 1 B");
    EXPECT_OK("LSET l -1 C");
    EXPECT_OK("LSET l -3 A");
    EXPECT_LIST("l", "A", "B", "C");
    EXPECT_ERR("ERR index out of range", "LSET l 3 v");
    EXPECT_ERR("ERR index out of range", "LSET l -4 v");
    EXPECT_ERR("ERR no such key", "LSET nokey 0 v");
    EXPECT_ERR("ERR no such key", "LSET nokey x v");
    EXPECT_ERR(ERR_NOT_INT, "LSET l x v");
}
END_TEST

/* ---- LINSERT LREM LTRIM ------------------------------------------------------------------ */

START_TEST(linsert_before_and_after)
{
    EXPECT_INT(3, "RPUSH l a b c");
    EXPECT_INT(4, "LINSERT l BEFORE a first");
    EXPECT_INT(5, "LINSERT l after c last");
    EXPECT_INT(6, "LINSERT l Before c mid");
    EXPECT_LIST("l", "first", "a", "b", "mid", "c", "last");
    EXPECT_INT(-1, "LINSERT l before zz x");
    EXPECT_INT(0, "LINSERT nokey before a b");
    EXPECT_INT(0, "EXISTS nokey");
    EXPECT_ERR(ERR_SYNTAX, "LINSERT l middle a b");
    EXPECT_ERR(ERR_SYNTAX, "LINSERT nokey middle a b");
    /* The first match from the head is the pivot. */
    EXPECT_INT(3, "RPUSH d x y x");
    EXPECT_INT(4, "LINSERT d after x new");
    EXPECT_LIST("d", "x", "new", "y", "x");
}
END_TEST

START_TEST(lrem_counts_and_directions)
{
    EXPECT_INT(7, "RPUSH l x a x b x c x");
    EXPECT_INT(2, "LREM l 2 x");
    EXPECT_LIST("l", "a", "b", "x", "c", "x");
    EXPECT_INT(1, "LREM l -1 x");
    EXPECT_LIST("l", "a", "b", "x", "c");
    EXPECT_INT(0, "LREM l 0 nothing");
    EXPECT_INT(1, "LREM l 0 x");
    EXPECT_INT(0, "LREM nokey 0 x");
    EXPECT_ERR(ERR_NOT_INT, "LREM l x a");
    EXPECT_ERR(ERR_NOT_INT, "LREM nokey x a");
    EXPECT_INT(1, "LREM l 0 a");
    EXPECT_INT(1, "LREM l 0 b");
    EXPECT_INT(1, "LREM l 0 c");
    EXPECT_INT(0, "EXISTS l");
}
END_TEST

START_TEST(ltrim_keeps_a_range_and_may_delete)
{
    EXPECT_INT(6, "RPUSH l a b c d e f");
    EXPECT_OK("LTRIM l 1 -2");
    EXPECT_LIST("l", "b", "c", "d", "e");
    EXPECT_OK("LTRIM l -100 100");
    EXPECT_LIST("l", "b", "c", "d", "e");
    EXPECT_OK("LTRIM l -3 -2");
    EXPECT_LIST("l", "c", "d");
    EXPECT_OK("LTRIM l 5 1");
    EXPECT_INT(0, "EXISTS l");
    EXPECT_OK("LTRIM nokey 0 1");
    EXPECT_ERR(ERR_NOT_INT, "LTRIM nokey x 1");
}
END_TEST

/* ---- LPOS ---------------------------------------------------------------------------------- */

START_TEST(lpos_rank_count_maxlen)
{
    EXPECT_INT(9, "RPUSH l a b a b c a a a a");
    EXPECT_INT(0, "LPOS l a");
    EXPECT_INT(4, "LPOS l c");
    EXPECT_NIL("LPOS l zz");
    EXPECT_INT(2, "LPOS l a RANK 2");
    EXPECT_INT(8, "LPOS l a RANK -1");
    EXPECT_INT(6, "LPOS l a RANK -3");
    EXPECT_NIL("LPOS l a RANK 100");
    EXPECT_INTS(((const long long[]){2, 5}), "LPOS l a RANK 2 COUNT 2 MAXLEN 6");
    EXPECT_INTS(((const long long[]){8, 7, 6, 5, 2, 0}), "LPOS l a RANK -1 COUNT 0");
    EXPECT_INTS(((const long long[]){0, 2, 5, 6, 7, 8}), "LPOS l a COUNT 0");
    EXPECT_INTS(((const long long[]){0}), "LPOS l a COUNT 0 MAXLEN 2");
    EXPECT_INTS(((const long long[]){0, 2}), "LPOS l a COUNT 2");
    EXPECT_NIL("LPOS l c MAXLEN 4");
    EXPECT_INT(4, "LPOS l c MAXLEN 5");
    EXPECT_NIL("LPOS l a RANK -2 MAXLEN 1");
    EXPECT_EMPTY("LPOS l zz COUNT 3");
    EXPECT_NIL("LPOS nokey a");
    EXPECT_EMPTY("LPOS nokey a COUNT 0");
    /* The last of repeated options wins. */
    EXPECT_INT(8, "LPOS l a RANK 1 RANK -1");
    /* Redis 7.0 negates LLONG_MIN into itself: the first match from the tail. */
    EXPECT_INT(8, "LPOS l a RANK -9223372036854775808");
}
END_TEST

START_TEST(lpos_errors)
{
    EXPECT_INT(1, "RPUSH l a");
    EXPECT_ERR(ERR_RANK_ZERO, "LPOS l a RANK 0");
    EXPECT_ERR(ERR_RANK_ZERO, "LPOS nokey a RANK 0"); /* options before the key */
    EXPECT_ERR(ERR_NOT_INT, "LPOS l a RANK x");
    EXPECT_ERR("ERR COUNT can't be negative", "LPOS l a COUNT -1");
    EXPECT_ERR("ERR COUNT can't be negative", "LPOS l a COUNT x");
    EXPECT_ERR("ERR MAXLEN can't be negative", "LPOS l a MAXLEN -1");
    EXPECT_ERR(ERR_SYNTAX, "LPOS l a foo");
    EXPECT_ERR(ERR_SYNTAX, "LPOS l a RANK");
    EXPECT_ERR(ERR_SYNTAX, "LPOS l a COUNT 1 MAXLEN");
}
END_TEST

/* ---- LMOVE RPOPLPUSH --------------------------------------------------------------------- */

START_TEST(lmove_between_lists)
{
    EXPECT_INT(3, "RPUSH src a b c");
    EXPECT_STR("a", "LMOVE src dst LEFT RIGHT");
    EXPECT_STR("c", "LMOVE src dst right left");
    EXPECT_LIST("dst", "c", "a");
    EXPECT_LIST("src", "b");
    EXPECT_STR("b", "RPOPLPUSH src dst");
    EXPECT_INT(0, "EXISTS src"); /* the source went with its last element */
    EXPECT_LIST("dst", "b", "c", "a");
    EXPECT_STR("a", "LMOVE dst dst2 RIGHT RIGHT"); /* creates the destination */
    EXPECT_STATUS("list", "TYPE dst2");
    EXPECT_NIL("LMOVE nokey dst LEFT LEFT");
    EXPECT_NIL("RPOPLPUSH nokey dst");
    EXPECT_INT(0, "EXISTS nokey");
    EXPECT_ERR(ERR_SYNTAX, "LMOVE dst dst up LEFT");
    EXPECT_ERR(ERR_SYNTAX, "LMOVE dst dst LEFT down");
    EXPECT_ERR(ERR_SYNTAX, "LMOVE nokey dst LEFT down");
}
END_TEST

START_TEST(lmove_onto_the_same_list_rotates)
{
    EXPECT_INT(3, "RPUSH l a b c");
    EXPECT_STR("c", "RPOPLPUSH l l");
    EXPECT_LIST("l", "c", "a", "b");
    EXPECT_STR("c", "LMOVE l l LEFT RIGHT");
    EXPECT_LIST("l", "a", "b", "c");
    EXPECT_STR("a", "LMOVE l l LEFT LEFT");
    EXPECT_LIST("l", "a", "b", "c");
    /* A one-element list survives moving onto itself. */
    EXPECT_INT(1, "RPUSH one x");
    EXPECT_STR("x", "LMOVE one one RIGHT LEFT");
    EXPECT_LIST("one", "x");
}
END_TEST

/* ---- types ------------------------------------------------------------------------------ */

START_TEST(wrongtype_both_ways)
{
    EXPECT_OK("SET s v");
    EXPECT_INT(1, "RPUSH l a");
    const char *on_string[] = {
        "LPUSH s a",    "RPUSH s a",         "LPUSHX s a",      "RPUSHX s a",
        "LPOP s",       "RPOP s 0",          "LLEN s",          "LRANGE s 0 -1",
        "LINDEX s x",   "LSET s x v",        "LINSERT s before a b", "LREM s 0 a",
        "LTRIM s 0 1",  "LPOS s a",          "LMOVE s l LEFT LEFT", "LMOVE l s LEFT LEFT",
        "RPOPLPUSH s l", "RPOPLPUSH l s",
    };
    for (size_t i = 0; i < sizeof(on_string) / sizeof(on_string[0]); i++)
        EXPECT_ERR(ERR_WRONGTYPE, on_string[i]);
    /* LMOVE from a missing source answers nil before looking at dst. */
    EXPECT_NIL("LMOVE nokey s LEFT LEFT");
    /* Argument errors come before the type check where Redis parses first. */
    EXPECT_ERR(ERR_SYNTAX, "LINSERT s middle a b");
    EXPECT_ERR(ERR_NOT_INT, "LREM s x a");
    EXPECT_ERR(ERR_RANK_ZERO, "LPOS s a RANK 0");
    EXPECT_ERR(ERR_POSITIVE, "LPOP s x");
    /* The failed LMOVE left both keys alone. */
    EXPECT_LIST("l", "a");
    EXPECT_STR("v", "GET s");
    EXPECT_ERR(ERR_WRONGTYPE, "GET l");
    EXPECT_ERR(ERR_WRONGTYPE, "HSET l f v");
    EXPECT_ERR(ERR_WRONGTYPE, "APPEND l x");
}
END_TEST

START_TEST(encoding_and_copy)
{
    EXPECT_INT(2, "RPUSH l a b");
    EXPECT_STR("quicklist", "OBJECT ENCODING l"); /* Redis 7.0: every list */
    char big[10001];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    EXPECT_INT(3, "RPUSH l %s", big);
    EXPECT_STR("quicklist", "OBJECT ENCODING l");
    EXPECT_INT(1, "COPY l c");
    EXPECT_OK("LSET l 0 changed");
    EXPECT_STR("a", "LINDEX c 0");
    EXPECT_STR(big, "LINDEX c 2");
    EXPECT_STR("quicklist", "OBJECT ENCODING c");
    EXPECT_STATUS("list", "TYPE c");
    EXPECT_OK("RENAME c r");
    EXPECT_INT(3, "LLEN r");
}
END_TEST

START_TEST(large_list_round_trip)
{
    for (int i = 0; i < 2000; i++)
        harness_expect_int(CMD(i % 2 ? "LPUSH big %d" : "RPUSH big %d", i), i + 1);
    EXPECT_INT(2000, "LLEN big");
    EXPECT_STR("1999", "LINDEX big 0");
    EXPECT_STR("1998", "LINDEX big -1");
    EXPECT_STR("0", "LINDEX big 1000");
    EXPECT_INT(1000, "LPOS big 0");
    EXPECT_OK("LTRIM big 990 1009");
    EXPECT_INT(20, "LLEN big");
    redisReply *r = CMD("LPOP big 25");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 20);
    freeReplyObject(r);
    EXPECT_INT(0, "EXISTS big");
}
END_TEST

/* ---- WATCH --------------------------------------------------------------------------------- */

START_TEST(watch_aborts_when_a_watched_list_changes)
{
    redisContext *other = harness_connect(&harness_srv);
    /* Each on l = [a, b, c] and other = [o], with the reply it must give. */
    static const struct harness_step changes[] = {
        {"LPUSH l x", ":4"},         {"RPUSH l x", ":4"},          {"LPUSHX l x", ":4"},
        {"RPUSHX l x", ":4"},        {"LPOP l", "$a"},             {"RPOP l 2", "*2"},
        {"LSET l 0 z", "+OK"},       {"LINSERT l before a z", ":4"}, {"LREM l 0 a", ":1"},
        {"LTRIM l 0 0", "+OK"},      {"LMOVE l l LEFT RIGHT", "$a"}, {"RPOPLPUSH l other", "$c"},
        {"RPOPLPUSH other l", "$o"}, {"LPUSH fresh x", ":1"},
    };
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        harness_cmd_ok(other, "FLUSHALL");
        harness_expect_int(harness_cmd(other, "RPUSH l a b c"), 3);
        harness_expect_int(harness_cmd(other, "RPUSH other o"), 1);
        EXPECT_OK(strstr(changes[i].cmd, "fresh") ? "WATCH fresh" : "WATCH l");
        harness_expect_step(other, &changes[i]);
        ck_assert_msg(!harness_watched_exec_runs(harness_ctx), "%s did not abort",
                      changes[i].cmd);
    }
    /* Commands that change nothing leave the transaction alone. */
    harness_expect_status(harness_cmd(harness_ctx, "WATCH l"), "OK");
    harness_expect_int(harness_cmd(other, "LREM l 0 missing"), 0);
    harness_expect_int(harness_cmd(other, "LINSERT l before missing x"), -1);
    harness_expect_int(harness_cmd(other, "LPUSHX nokey x"), 0);
    harness_expect_array(harness_cmd(other, "LPOP l 0"), 0, NULL);
    harness_expect_array(harness_cmd(other, "LRANGE l 0 -1"), 3, (const char *[]){"a", "b", "c"});
    ck_assert(harness_watched_exec_runs(harness_ctx));
    /* The key vanishing with its last element is a change too. */
    harness_expect_int(harness_cmd(other, "DEL l"), 1);
    harness_expect_int(harness_cmd(other, "RPUSH l only"), 1);
    harness_expect_status(harness_cmd(harness_ctx, "WATCH l"), "OK");
    harness_expect_str(harness_cmd(other, "RPOP l"), "only");
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    redisFree(other);
}
END_TEST

/* ---- protocol ----------------------------------------------------------------------------- */

START_TEST(resp3_shapes)
{
    EXPECT_INT(2, "RPUSH l a b");
    int fd = harness_resp3_connect(&harness_srv);
    harness_raw_roundtrip(fd, "LRANGE l 0 -1\r\n", "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    harness_raw_roundtrip(fd, "LPOP nokey\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "LPOP nokey 2\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "LPOP l 0\r\n", "*0\r\n");
    harness_raw_roundtrip(fd, "LINDEX l 5\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "LPOS l zz\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "LPOS nokey a COUNT 1\r\n", "*0\r\n");
    harness_raw_roundtrip(fd, "LPOS l b COUNT 0\r\n", "*1\r\n:1\r\n");
    harness_raw_roundtrip(fd, "LMOVE nokey l LEFT LEFT\r\n", "_\r\n");
    close(fd);
    /* RESP2: a null bulk without COUNT, a null array with it. */
    fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "LPOP nokey\r\n", "$-1\r\n");
    harness_raw_roundtrip(fd, "LPOP nokey 0\r\n", "*-1\r\n");
    harness_raw_roundtrip(fd, "LPOS nokey a\r\n", "$-1\r\n");
    harness_raw_roundtrip(fd, "RPOPLPUSH nokey l\r\n", "$-1\r\n");
    close(fd);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *list_suite(void)
{
    Suite *s = suite_create("list");
    TCase *tc = harness_server_case("commands", NULL, NULL);
    tcase_add_test(tc, push_and_pop_both_ends);
    tcase_add_test(tc, pop_count_edge_cases);
    tcase_add_test(tc, pushx_only_on_existing_lists);
    tcase_add_test(tc, arity_errors_follow_redis);
    tcase_add_test(tc, lrange_clamps_like_redis);
    tcase_add_test(tc, lindex_and_lset);
    tcase_add_test(tc, linsert_before_and_after);
    tcase_add_test(tc, lrem_counts_and_directions);
    tcase_add_test(tc, ltrim_keeps_a_range_and_may_delete);
    tcase_add_test(tc, lpos_rank_count_maxlen);
    tcase_add_test(tc, lpos_errors);
    tcase_add_test(tc, lmove_between_lists);
    tcase_add_test(tc, lmove_onto_the_same_list_rotates);
    suite_add_tcase(s, tc);

    tc = harness_server_case("types", NULL, NULL);
    tcase_add_test(tc, wrongtype_both_ways);
    tcase_add_test(tc, encoding_and_copy);
    tcase_add_test(tc, large_list_round_trip);
    suite_add_tcase(s, tc);

    tc = harness_server_case("transactions and protocol", NULL, NULL);
    tcase_add_test(tc, watch_aborts_when_a_watched_list_changes);
    tcase_add_test(tc, resp3_shapes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(list_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
