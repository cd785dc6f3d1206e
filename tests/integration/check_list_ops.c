/*
 * check_list_ops.c - LMPOP end to end, against a real grove-server.
 *
 * Tables of exchanges (exchange.h): each command and the exact bytes
 * redis-server 7.0.15 replied, in RESP2 and RESP3, every table checked
 * against redis-server itself. LMPOP pops from the first of its keys that
 * exists, up to COUNT elements, replies [key, [elements]] (a null array
 * when no key exists), deletes the key it empties, stops at a key of
 * another type with WRONGTYPE, and refuses bad numkeys, END words and
 * COUNTs with Redis's texts, in Redis's order of checks. COMMAND INFO and
 * COMMAND GETKEYS of LMPOP are checked by check_command_keys.
 */
#include <check.h>
#include <stdlib.h>

#include "harness.h"
#include "exchange.h"

/* The first key that exists gives up to COUNT elements from the end asked for; the emptied key
 * goes; no key at all is a null array. */
START_TEST(lmpop_pops_from_the_first_key_that_exists)
{
    static const struct exchange ex[] = {
        {"RPUSH l1 a b c d e", ":5\r\n", SAME},
        {"RPUSH l2 x", ":1\r\n", SAME},
        {"LMPOP 3 nosuch l1 l2 LEFT", "*2\r\n$2\r\nl1\r\n*1\r\n$1\r\na\r\n", SAME},
        {"LMPOP 2 nosuch l1 RIGHT COUNT 2", "*2\r\n$2\r\nl1\r\n*2\r\n$1\r\ne\r\n$1\r\nd\r\n",
         SAME},
        {"LMPOP 2 l1 l2 left count 10", "*2\r\n$2\r\nl1\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n", SAME},
        {"EXISTS l1", ":0\r\n", SAME},
        {"LMPOP 2 l1 l2 RIGHT", "*2\r\n$2\r\nl2\r\n*1\r\n$1\r\nx\r\n", SAME},
        {"EXISTS l2", ":0\r\n", SAME},
        {"LMPOP 2 l1 l2 LEFT", "*-1\r\n", "_\r\n"},
        {"LMPOP 1 nosuch RIGHT COUNT 3", "*-1\r\n", "_\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A key of another type before the first list is WRONGTYPE; one after it is never looked at. */
START_TEST(lmpop_stops_at_a_key_of_another_type)
{
    static const struct exchange ex[] = {
        {"SET s x", "+OK\r\n", SAME},
        {"RPUSH l a b", ":2\r\n", SAME},
        {"LMPOP 2 s l LEFT",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"LMPOP 2 nosuch s RIGHT",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"LMPOP 3 nosuch l s LEFT", "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n", SAME},
        {"LLEN l", ":1\r\n", SAME},
        {"ZADD z 1 a", ":1\r\n", SAME},
        {"LMPOP 1 z LEFT COUNT 2",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* numkeys, then END (where numkeys says it is: too large a numkeys is a syntax error), then
 * COUNT, all before any key is looked up. */
START_TEST(lmpop_argument_errors)
{
    static const struct exchange ex[] = {
        {"LMPOP", "-ERR wrong number of arguments for 'lmpop' command\r\n", SAME},
        {"LMPOP 1 a", "-ERR wrong number of arguments for 'lmpop' command\r\n", SAME},
        {"LMPOP 0 a LEFT", "-ERR numkeys should be greater than 0\r\n", SAME},
        {"LMPOP -1 a LEFT", "-ERR numkeys should be greater than 0\r\n", SAME},
        {"LMPOP abc a LEFT", "-ERR numkeys should be greater than 0\r\n", SAME},
        {"LMPOP 9223372036854775808 a LEFT", "-ERR numkeys should be greater than 0\r\n", SAME},
        {"LMPOP 2 a LEFT", "-ERR syntax error\r\n", SAME},
        {"LMPOP 9223372036854775807 a LEFT", "-ERR syntax error\r\n", SAME},
        {"LMPOP 1 a MIDDLE", "-ERR syntax error\r\n", SAME},
        {"LMPOP 1 a MIN", "-ERR syntax error\r\n", SAME},
        {"LMPOP 1 a LEFT COUNT", "-ERR syntax error\r\n", SAME},
        {"LMPOP 1 a LEFT COUNT 0", "-ERR count should be greater than 0\r\n", SAME},
        {"LMPOP 1 a LEFT COUNT -1", "-ERR count should be greater than 0\r\n", SAME},
        {"LMPOP 1 a LEFT COUNT abc", "-ERR count should be greater than 0\r\n", SAME},
        {"LMPOP 1 a LEFT COUNT 1 COUNT 2", "-ERR syntax error\r\n", SAME},
        {"LMPOP 1 a LEFT FOO", "-ERR syntax error\r\n", SAME},
        {"LMPOP 1 a LEFT FOO 1", "-ERR syntax error\r\n", SAME},
        {"SET s x", "+OK\r\n", SAME},
        {"LMPOP 1 s LEFT COUNT 0", "-ERR count should be greater than 0\r\n", SAME},
        {"LMPOP 1 s LEFT",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A pop that leaves elements tells WATCH, as one that empties the key does. */
START_TEST(lmpop_tells_watch)
{
    redisContext *other = harness_connect(&harness_srv);
    harness_expect_int(harness_cmd(harness_ctx, "RPUSH l a b c"), 3);
    harness_expect_status(harness_cmd(harness_ctx, "WATCH l"), "OK");
    redisReply *r = harness_cmd(other, "LMPOP 1 l LEFT");
    harness_assert_array(r, 2);
    freeReplyObject(r);
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    harness_expect_status(harness_cmd(harness_ctx, "WATCH l"), "OK");
    freeReplyObject(harness_cmd(other, "LMPOP 1 l RIGHT COUNT 5"));
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    harness_expect_int(harness_cmd(harness_ctx, "EXISTS l"), 0);
    redisFree(other);
}
END_TEST

static Suite *list_ops_suite(void)
{
    Suite *s = suite_create("list_ops");
    TCase *tc = harness_server_case("lmpop", NULL, NULL);
    tcase_add_loop_test(tc, lmpop_pops_from_the_first_key_that_exists, 2, 4);
    tcase_add_loop_test(tc, lmpop_stops_at_a_key_of_another_type, 2, 4);
    tcase_add_loop_test(tc, lmpop_argument_errors, 2, 4);
    tcase_add_test(tc, lmpop_tells_watch);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(list_ops_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
