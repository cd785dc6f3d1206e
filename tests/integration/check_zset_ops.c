/*
 * check_zset_ops.c - the sorted set commands that work across keys or
 * pick at random, end to end against a real grove-server: ZMPOP.
 *
 * Most tests are tables of exchanges (exchange.h): each command and the
 * exact bytes redis-server 7.0.15 replied, in RESP2 and RESP3, every table
 * checked against redis-server itself. COMMAND INFO and COMMAND GETKEYS of
 * these commands are checked by check_command_keys.
 */
#include <check.h>
#include <stdlib.h>

#include "harness.h"
#include "exchange.h"

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

/* ==== ZMPOP ======================================================================== */

/* The first key that exists gives up to COUNT members from the end asked for, as [member, score]
 * pairs in both protocols; the emptied key goes; no key at all is a null array. */
START_TEST(zmpop_pops_from_the_first_key_that_exists)
{
    static const struct exchange ex[] = {
        {"ZADD z1 1 a 2 b 3 c -0 d inf e", ":5\r\n", SAME},
        {"ZADD z2 1.5 x", ":1\r\n", SAME},
        {"ZMPOP 3 nosuch z1 z2 MIN", "*2\r\n$2\r\nz1\r\n*1\r\n*2\r\n$1\r\nd\r\n$1\r\n0\r\n",
         "*2\r\n$2\r\nz1\r\n*1\r\n*2\r\n$1\r\nd\r\n,0\r\n"},
        {"ZMPOP 2 nosuch z1 MAX COUNT 2",
         "*2\r\n$2\r\nz1\r\n*2\r\n*2\r\n$1\r\ne\r\n$3\r\ninf\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
         "*2\r\n$2\r\nz1\r\n*2\r\n*2\r\n$1\r\ne\r\n,inf\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
        {"ZMPOP 2 z1 z2 min count 100",
         "*2\r\n$2\r\nz1\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
         "*2\r\n$2\r\nz1\r\n*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n"},
        {"EXISTS z1", ":0\r\n", SAME},
        {"ZMPOP 2 z1 z2 MAX COUNT 3", "*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\nx\r\n$3\r\n1.5\r\n",
         "*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\nx\r\n,1.5\r\n"},
        {"EXISTS z2", ":0\r\n", SAME},
        {"ZMPOP 2 z1 z2 MIN", "*-1\r\n", "_\r\n"},
        {"ZMPOP 1 nosuch MAX COUNT 3", "*-1\r\n", "_\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A skiplist keeps its encoding and its -0 scores through pops. */
START_TEST(zmpop_on_a_skiplist)
{
    static const struct exchange ex[] = {
        {"ZADD big {0..129}", ":130\r\n", SAME},
        {"ZADD big -0 neg", ":1\r\n", SAME},
        {"OBJECT ENCODING big", "$8\r\nskiplist\r\n", SAME},
        {"ZMPOP 1 big MAX COUNT 2",
         "*2\r\n$3\r\nbig\r\n*2\r\n*2\r\n$4\r\nm129\r\n$3\r\n129\r\n*2\r\n$4\r\nm128\r\n$3\r\n"
         "128\r\n",
         "*2\r\n$3\r\nbig\r\n*2\r\n*2\r\n$4\r\nm129\r\n,129\r\n*2\r\n$4\r\nm128\r\n,128\r\n"},
        {"ZMPOP 1 big MIN COUNT 2",
         "*2\r\n$3\r\nbig\r\n*2\r\n*2\r\n$2\r\nm0\r\n$1\r\n0\r\n*2\r\n$3\r\nneg\r\n$2\r\n-0\r\n",
         "*2\r\n$3\r\nbig\r\n*2\r\n*2\r\n$2\r\nm0\r\n,0\r\n*2\r\n$3\r\nneg\r\n,-0\r\n"},
        {"ZCARD big", ":127\r\n", SAME},
        {"OBJECT ENCODING big", "$8\r\nskiplist\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A key of another type before the first zset is WRONGTYPE; one after it is never looked at. */
START_TEST(zmpop_stops_at_a_key_of_another_type)
{
    static const struct exchange ex[] = {
        {"SET s x", "+OK\r\n", SAME},
        {"ZADD z 1 a 2 b", ":2\r\n", SAME},
        {"ZMPOP 2 s z MIN", WRONGTYPE, SAME},
        {"ZMPOP 2 nosuch s MAX", WRONGTYPE, SAME},
        {"ZMPOP 3 nosuch z s MIN", "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
         "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n"},
        {"ZCARD z", ":1\r\n", SAME},
        {"RPUSH l a", ":1\r\n", SAME},
        {"ZMPOP 1 l MAX COUNT 2", WRONGTYPE, SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* numkeys, then MIN or MAX (where numkeys says it is), then COUNT, all before any key is looked
 * up. */
START_TEST(zmpop_argument_errors)
{
    static const struct exchange ex[] = {
        {"ZMPOP", "-ERR wrong number of arguments for 'zmpop' command\r\n", SAME},
        {"ZMPOP 1 a", "-ERR wrong number of arguments for 'zmpop' command\r\n", SAME},
        {"ZMPOP 0 a MIN", "-ERR numkeys should be greater than 0\r\n", SAME},
        {"ZMPOP -1 a MIN", "-ERR numkeys should be greater than 0\r\n", SAME},
        {"ZMPOP abc a MIN", "-ERR numkeys should be greater than 0\r\n", SAME},
        {"ZMPOP 2 a MIN", "-ERR syntax error\r\n", SAME},
        {"ZMPOP 9223372036854775807 a MIN", "-ERR syntax error\r\n", SAME},
        {"ZMPOP 1 a LEFT", "-ERR syntax error\r\n", SAME},
        {"ZMPOP 1 a MIN COUNT", "-ERR syntax error\r\n", SAME},
        {"ZMPOP 1 a MIN COUNT 0", "-ERR count should be greater than 0\r\n", SAME},
        {"ZMPOP 1 a MIN COUNT -5", "-ERR count should be greater than 0\r\n", SAME},
        {"ZMPOP 1 a MIN COUNT x", "-ERR count should be greater than 0\r\n", SAME},
        {"ZMPOP 1 a MIN COUNT 1 COUNT 1", "-ERR syntax error\r\n", SAME},
        {"ZMPOP 1 a max WITHSCORES", "-ERR syntax error\r\n", SAME},
        {"SET s x", "+OK\r\n", SAME},
        {"ZMPOP 1 s MIN COUNT 0", "-ERR count should be greater than 0\r\n", SAME},
        {"ZMPOP 1 s MIN COUNT 3", WRONGTYPE, SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

static Suite *zset_ops_suite(void)
{
    Suite *s = suite_create("zset_ops");
    TCase *tc = harness_server_case("zmpop", NULL, NULL);
    tcase_add_loop_test(tc, zmpop_pops_from_the_first_key_that_exists, 2, 4);
    tcase_add_loop_test(tc, zmpop_on_a_skiplist, 2, 4);
    tcase_add_loop_test(tc, zmpop_stops_at_a_key_of_another_type, 2, 4);
    tcase_add_loop_test(tc, zmpop_argument_errors, 2, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(zset_ops_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
