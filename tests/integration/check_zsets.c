/*
 * check_zsets.c - the sorted set commands end to end, against a real
 * grove-server.
 *
 * Most tests are tables of exchanges (exchange.h): a command and the exact bytes
 * redis-server 7.0.15 replied, in RESP2 and, where they differ, RESP3
 * (scores as doubles, nulls, [member, score] pairs). Each such test runs
 * twice, once per protocol (Check's loop index _i is the protocol, 2 or
 * 3), on an empty database, and is named after the behaviour its table
 * shows: ZADD's options and every option error, NaN results, inf and -0
 * scores, score formatting, ZSCORE, ZMSCORE, ZINCRBY, ZCARD, ZREM, ZRANK,
 * ZREVRANK, ZCOUNT and ZLEXCOUNT (exclusive bounds, bad ranges), ZRANGE in
 * all its forms and the older ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE,
 * ZRANGEBYLEX and ZREVRANGEBYLEX, ZPOPMIN and ZPOPMAX, ZREMRANGEBYRANK,
 * SCORE and LEX, ZSCAN of a listpack, members of equal score ordered by
 * their bytes, missing keys, WRONGTYPE both ways, the key vanishing with
 * its last member and OBJECT ENCODING (listpack up to 128 members of at
 * most 64 bytes, then skiplist for good). Every table passes against
 * redis-server 7.0.15 itself.
 *
 * The rest: WATCH aborts on in-place changes made by another client, COPY
 * of a zset is deep, and ZSCAN of a skiplist visits every member.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "exchange.h"

/* ZADD replies with the members it added; with CH, the members it added or whose score changed. */
START_TEST(zadd_counts_new_members_or_with_ch_changed_ones)
{
    static const struct exchange ex[] = {
        {"ZADD z 1 a 2 b 3 c", ":3\r\n", SAME},
        {"ZADD z 1 a", ":0\r\n", SAME},
        {"ZADD z CH 5 a 2 b", ":1\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* NX only adds, XX only updates, GT and LT only move a score up or down (and add new members). */
START_TEST(zadd_nx_xx_gt_lt_choose_which_members_change)
{
    static const struct exchange ex[] = {
        {"ZADD z 5 a 2 b 3 c", ":3\r\n", SAME},
        {"ZADD z NX 10 a 11 d", ":1\r\n", SAME},
        {"ZADD z XX 20 a 30 e", ":0\r\n", SAME},
        {"ZADD z XX CH 21 a", ":1\r\n", SAME},
        {"ZADD z GT 1 a", ":0\r\n", SAME},
        {"ZADD z GT CH 100 a", ":1\r\n", SAME},
        {"ZADD z LT CH 1 a", ":1\r\n", SAME},
        {"ZADD z LT 1000 a", ":0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* Conflicting options, INCR with several pairs, odd pairs, NaN and non-numbers are refused with
 * Redis's texts. */
START_TEST(zadd_option_conflicts_and_bad_arguments_are_errors)
{
    static const struct exchange ex[] = {
        {"ZADD z 1 a", ":1\r\n", SAME},
        {"ZADD z NX XX 1 a",
         "-ERR XX and NX options at the same time are not compatible\r\n", SAME},
        {"ZADD z NX GT 1 a",
         "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", SAME},
        {"ZADD z NX LT 1 a",
         "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", SAME},
        {"ZADD z GT LT 1 a",
         "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", SAME},
        {"ZADD z INCR 1 a 2 b",
         "-ERR INCR option supports a single increment-element pair\r\n", SAME},
        {"ZADD z 1", "-ERR wrong number of arguments for 'zadd' command\r\n", SAME},
        {"ZADD z a b", "-ERR value is not a valid float\r\n", SAME},
        {"ZADD z 1 a 2", "-ERR syntax error\r\n", SAME},
        {"ZADD z nan a", "-ERR value is not a valid float\r\n", SAME},
        {"ZADD z foo a", "-ERR value is not a valid float\r\n", SAME},
        {"ZADD z CH", "-ERR wrong number of arguments for 'zadd' command\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZADD INCR replies with the new score (a double in RESP3), or nil when NX, XX, GT or LT stop
 * it. */
START_TEST(zadd_incr_replies_with_the_new_score_or_nil)
{
    static const struct exchange ex[] = {
        {"ZADD z 1 a", ":1\r\n", SAME},
        {"ZADD z INCR 5 a", "$1\r\n6\r\n", ",6\r\n"},
        {"ZADD z INCR 5 newm", "$1\r\n5\r\n", ",5\r\n"},
        {"ZADD z NX INCR 5 a", "$-1\r\n", "_\r\n"},
        {"ZADD z XX INCR 5 nosuch", "$-1\r\n", "_\r\n"},
        {"ZADD z GT INCR -5 a", "$-1\r\n", "_\r\n"},
        {"ZADD z LT INCR -5 a", "$1\r\n1\r\n", ",1\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* inf, +inf and -inf are scores; inf plus -inf would be NaN and is refused. */
START_TEST(infinite_scores_are_allowed_but_a_nan_result_is_refused)
{
    static const struct exchange ex[] = {
        {"ZADD z inf big -inf small", ":2\r\n", SAME},
        {"ZADD z +inf big2", ":1\r\n", SAME},
        {"ZADD z INCR -inf big", "-ERR resulting score is not a number (NaN)\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* Scores print as Redis prints doubles (%.17g, integral ones without a point, -0 as 0 in a
 * range), in score order. */
START_TEST(scores_are_formatted_as_redis_formats_doubles)
{
    static const struct exchange ex[] = {
        {"ZADD z 1 a 2 b 3 c 11 d 5 newm inf big -inf small inf big2", ":8\r\n", SAME},
        {"ZADD z 1.5 f 0.1 g 1e300 h -0 i 3.0 j 1e-7 k 123456789012345678 l", ":7\r\n", SAME},
        {"ZRANGE z 0 -1 WITHSCORES",
         "*30\r\n$5\r\nsmall\r\n$4\r\n-inf\r\n$1\r\ni\r\n$1\r\n0\r\n$1\r\nk\r\n"
         "$22\r\n9.9999999999999995e-08\r\n$1\r\ng\r\n$19\r\n0.10000000000000001\r\n"
         "$1\r\na\r\n$1\r\n1\r\n$1\r\nf\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n"
         "$1\r\n3\r\n$1\r\nj\r\n$1\r\n3\r\n$4\r\nnewm\r\n$1\r\n5\r\n$1\r\nd\r\n"
         "$2\r\n11\r\n$1\r\nl\r\n$22\r\n1.2345678901234568e+17\r\n$1\r\nh\r\n"
         "$23\r\n1.0000000000000001e+300\r\n$3\r\nbig\r\n$3\r\ninf\r\n$4\r\nbig2\r\n"
         "$3\r\ninf\r\n",
         "*15\r\n*2\r\n$5\r\nsmall\r\n,-inf\r\n*2\r\n$1\r\ni\r\n,0\r\n*2\r\n$1\r\nk\r\n"
         ",9.9999999999999995e-08\r\n*2\r\n$1\r\ng\r\n,0.10000000000000001\r\n"
         "*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nf\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,2\r\n"
         "*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nj\r\n,3\r\n*2\r\n$4\r\nnewm\r\n,5\r\n"
         "*2\r\n$1\r\nd\r\n,11\r\n*2\r\n$1\r\nl\r\n,1.2345678901234568e+17\r\n"
         "*2\r\n$1\r\nh\r\n,1.0000000000000001e+300\r\n*2\r\n$3\r\nbig\r\n,inf\r\n"
         "*2\r\n$4\r\nbig2\r\n,inf\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZSCORE and ZMSCORE give scores, nil for a missing member or key. */
START_TEST(zscore_and_zmscore_give_a_score_or_nil)
{
    static const struct exchange ex[] = {
        {"ZADD z 1 a 1e300 h inf big -inf small", ":4\r\n", SAME},
        {"ZSCORE z a", "$1\r\n1\r\n", ",1\r\n"},
        {"ZSCORE z h", "$23\r\n1.0000000000000001e+300\r\n", ",1.0000000000000001e+300\r\n"},
        {"ZSCORE z nosuch", "$-1\r\n", "_\r\n"},
        {"ZSCORE nokey a", "$-1\r\n", "_\r\n"},
        {"ZMSCORE z a nosuch big small",
         "*4\r\n$1\r\n1\r\n$-1\r\n$3\r\ninf\r\n$4\r\n-inf\r\n",
         "*4\r\n,1\r\n_\r\n,inf\r\n,-inf\r\n"},
        {"ZMSCORE nokey a b", "*2\r\n$-1\r\n$-1\r\n", "*2\r\n_\r\n_\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZINCRBY adds to a score (creating the member), refuses a non-number and a NaN result. */
START_TEST(zincrby_adds_to_the_score_and_refuses_a_nan_result)
{
    static const struct exchange ex[] = {
        {"ZADD z 1 a inf big", ":2\r\n", SAME},
        {"ZINCRBY z 2.5 a", "$3\r\n3.5\r\n", ",3.5\r\n"},
        {"ZINCRBY z 1 newone", "$1\r\n1\r\n", ",1\r\n"},
        {"ZINCRBY z abc a", "-ERR value is not a valid float\r\n", SAME},
        {"ZINCRBY z -inf big", "-ERR resulting score is not a number (NaN)\r\n", SAME},
        {"ZINCRBY z inf big", "$3\r\ninf\r\n", ",inf\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZCARD counts members; ZRANK and ZREVRANK give the position in score order (members with equal
 * scores by bytes), nil when missing. */
START_TEST(zcard_zrank_and_zrevrank_count_in_score_order)
{
    static const struct exchange ex[] = {
        {"ZADD z -inf small -0 i 1e-7 k 0.1 g 1 newone 1.5 f 2 b 3 c 3 j 3.5 a 5 newm 11 d "
         "123456789012345678 l 1e300 h inf big inf big2",
         ":16\r\n", SAME},
        {"ZCARD z", ":16\r\n", SAME},
        {"ZCARD nokey", ":0\r\n", SAME},
        {"ZRANK z a", ":9\r\n", SAME},
        {"ZRANK z small", ":0\r\n", SAME},
        {"ZRANK z big", ":14\r\n", SAME},
        {"ZRANK z nosuch", "$-1\r\n", "_\r\n"},
        {"ZRANK nokey a", "$-1\r\n", "_\r\n"},
        {"ZREVRANK z a", ":6\r\n", SAME},
        {"ZREVRANK z big", ":1\r\n", SAME},
        {"ZREVRANK z nosuch", "$-1\r\n", "_\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZCOUNT counts a score range: "(" excludes a bound, an empty bound reads as 0, a reversed range
 * is empty, a bad bound is an error. */
START_TEST(zcount_takes_inclusive_exclusive_and_infinite_bounds)
{
    static const struct exchange ex[] = {
        {"ZADD z -inf small -0 i 1e-7 k 0.1 g 1 newone 1.5 f 2 b 3 c 3 j 3.5 a 5 newm 11 d "
         "123456789012345678 l 1e300 h inf big inf big2",
         ":16\r\n", SAME},
        {"ZCOUNT z -inf +inf", ":16\r\n", SAME},
        {"ZCOUNT z 1 3", ":5\r\n", SAME},
        {"ZCOUNT z (1 3", ":4\r\n", SAME},
        {"ZCOUNT z (1 (3", ":2\r\n", SAME},
        {"ZCOUNT z 3 1", ":0\r\n", SAME},
        {"ZCOUNT z (1.5 1.5", ":0\r\n", SAME},
        {"ZCOUNT z a 1", "-ERR min or max is not a float\r\n", SAME},
        {"ZCOUNT z 1 b", "-ERR min or max is not a float\r\n", SAME},
        {"ZCOUNT z nan 1", "-ERR min or max is not a float\r\n", SAME},
        {"ZCOUNT z '' ''", ":1\r\n", SAME},
        {"ZCOUNT z ( (", ":0\r\n", SAME},
        {"ZCOUNT nokey 0 1", ":0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZREM counts the members it removed; removing the last one deletes the key. */
START_TEST(zrem_counts_removed_members_and_the_last_one_deletes_the_key)
{
    static const struct exchange ex[] = {
        {"ZADD z 1 a 2 b", ":2\r\n", SAME},
        {"ZREM z a nosuch b", ":2\r\n", SAME},
        {"ZREM nokey a", ":0\r\n", SAME},
        {"ZADD one 1 x", ":1\r\n", SAME},
        {"ZREM one x", ":1\r\n", SAME},
        {"EXISTS one", ":0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A sorted set command on a string, and a string, list or set command on a sorted set, get
 * WRONGTYPE; a bad argument is reported first. */
START_TEST(other_types_get_wrongtype_after_argument_errors)
{
    static const struct exchange ex[] = {
        {"SET s v", "+OK\r\n", SAME},
        {"ZADD s 1 a",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZSCORE s a",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZMSCORE s a",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZCARD s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZRANK s a",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZREVRANK s a",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZCOUNT s 0 1",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZCOUNT s x 1", "-ERR min or max is not a float\r\n", SAME},
        {"ZREM s a",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZINCRBY s 1 a",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZRANGE s 0 1",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZLEXCOUNT s - +",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZPOPMIN s",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZPOPMIN s 0",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZPOPMIN s -1", "-ERR value is out of range, must be positive\r\n", SAME},
        {"ZREMRANGEBYRANK s 0 1",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZREMRANGEBYSCORE s 0 1",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZREMRANGEBYLEX s - +",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZREMRANGEBYSCORE s x 1", "-ERR min or max is not a float\r\n", SAME},
        {"ZREMRANGEBYRANK s x 1", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZRANGEBYSCORE s 0 1",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZRANGE s 0 1 BYSCORE",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZRANGEBYLEX s - +",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZREVRANGE s 0 1",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZSCAN s 0",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"ZSCAN s x", "-ERR invalid cursor\r\n", SAME},
        {"ZADD s2 1 a", ":1\r\n", SAME},
        {"GET s2", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"LPUSH s2 x",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"SADD s2 x",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", SAME},
        {"OBJECT ENCODING s2", "$8\r\nlistpack\r\n", SAME},
        {"TYPE s2", "+zset\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZRANGEBYLEX: "[" includes, "(" excludes, "-" and "+" are the ends, a bare "[" or "(" is the
 * empty string. */
START_TEST(zrangebylex_takes_inclusive_exclusive_and_infinite_bounds)
{
    static const struct exchange ex[] = {
        {"ZADD e 0 a 0 b 0 c 0 d 0 e 0 f 0 g", ":7\r\n", SAME},
        {"ZRANGEBYLEX e - +",
         "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"
         "$1\r\ng\r\n", SAME},
        {"ZRANGEBYLEX e [b (e", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", SAME},
        {"ZRANGEBYLEX e (b [e", "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", SAME},
        {"ZRANGEBYLEX e [c +",
         "*5\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n", SAME},
        {"ZRANGEBYLEX e - (c", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", SAME},
        {"ZRANGEBYLEX e + -", "*0\r\n", SAME},
        {"ZRANGEBYLEX e [aa [dd", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", SAME},
        {"ZRANGEBYLEX e [ (", "*0\r\n", SAME},
        {"ZRANGEBYLEX e ( [", "*0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* LIMIT offset count: a negative offset gives nothing, a negative count everything after the
 * offset. */
START_TEST(zrangebylex_limit_takes_an_offset_and_a_count)
{
    static const struct exchange ex[] = {
        {"ZADD e 0 a 0 b 0 c 0 d 0 e 0 f 0 g", ":7\r\n", SAME},
        {"ZRANGEBYLEX e - + LIMIT 1 2", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", SAME},
        {"ZRANGEBYLEX e - + LIMIT -1 2", "*0\r\n", SAME},
        {"ZRANGEBYLEX e - + LIMIT 1 -1",
         "*6\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n", SAME},
        {"ZRANGEBYLEX e - + LIMIT 1 0", "*0\r\n", SAME},
        {"ZRANGEBYLEX e - + LIMIT 10 2", "*0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A lex bound must start with "[" or "(" or be "-" or "+"; WITHSCORES does not go with a lex
 * range. */
START_TEST(bad_lex_ranges_and_lex_withscores_are_errors)
{
    static const struct exchange ex[] = {
        {"ZADD e 0 a 0 b 0 c 0 d 0 e 0 f 0 g", ":7\r\n", SAME},
        {"ZRANGEBYLEX e a b", "-ERR min or max not valid string range item\r\n", SAME},
        {"ZRANGEBYLEX e [a +b", "-ERR min or max not valid string range item\r\n", SAME},
        {"ZRANGEBYLEX e -x +", "-ERR min or max not valid string range item\r\n", SAME},
        {"ZRANGEBYLEX e - + WITHSCORES",
         "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n", SAME},
        {"ZLEXCOUNT e x y", "-ERR min or max not valid string range item\r\n", SAME},
        {"ZRANGE e - + BYLEX WITHSCORES",
         "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZREVRANGEBYLEX takes max first and walks backwards. */
START_TEST(zrevrangebylex_walks_from_max_to_min)
{
    static const struct exchange ex[] = {
        {"ZADD e 0 a 0 b 0 c 0 d 0 e 0 f 0 g", ":7\r\n", SAME},
        {"ZREVRANGEBYLEX e + -",
         "*7\r\n$1\r\ng\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"
         "$1\r\na\r\n", SAME},
        {"ZREVRANGEBYLEX e [e (b", "*3\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n", SAME},
        {"ZREVRANGEBYLEX e - +", "*0\r\n", SAME},
        {"ZREVRANGEBYLEX e + - LIMIT 2 3", "*3\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZLEXCOUNT counts a lex range; a missing key counts 0. */
START_TEST(zlexcount_counts_a_lex_range)
{
    static const struct exchange ex[] = {
        {"ZADD e 0 a 0 b 0 c 0 d 0 e 0 f 0 g", ":7\r\n", SAME},
        {"ZLEXCOUNT e - +", ":7\r\n", SAME},
        {"ZLEXCOUNT e [b [d", ":3\r\n", SAME},
        {"ZLEXCOUNT e (b (d", ":1\r\n", SAME},
        {"ZLEXCOUNT e (d (b", ":0\r\n", SAME},
        {"ZLEXCOUNT nokey - +", ":0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZRANGE ... BYLEX [REV] [LIMIT] gives what ZRANGEBYLEX and ZREVRANGEBYLEX give. */
START_TEST(zrange_bylex_is_zrangebylex)
{
    static const struct exchange ex[] = {
        {"ZADD e 0 a 0 b 0 c 0 d 0 e 0 f 0 g", ":7\r\n", SAME},
        {"ZRANGE e - + BYLEX",
         "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"
         "$1\r\ng\r\n", SAME},
        {"ZRANGE e + - BYLEX REV LIMIT 1 2", "*2\r\n$1\r\nf\r\n$1\r\ne\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZRANGE by rank: negative ranks count from the end, ranges are clamped, a reversed range is
 * empty; WITHSCORES pairs (arrays of two in RESP3). */
START_TEST(zrange_by_rank_clamps_like_redis)
{
    static const struct exchange ex[] = {
        {"ZADD r 1 a 2 b 3 c 4 d 5 e 5 ee 5 eee 6 f", ":8\r\n", SAME},
        {"ZRANGE r 0 -1",
         "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n"
         "$3\r\neee\r\n$1\r\nf\r\n", SAME},
        {"ZRANGE r 0 -1 WITHSCORES",
         "*16\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
         "$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n"
         "$3\r\neee\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n6\r\n",
         "*8\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"
         "*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n"
         "*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$1\r\nf\r\n,6\r\n"},
        {"ZRANGE r 2 4", "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", SAME},
        {"ZRANGE r -3 -1 WITHSCORES",
         "*6\r\n$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n6\r\n",
         "*3\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$1\r\nf\r\n,6\r\n"},
        {"ZRANGE r -100 100",
         "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n"
         "$3\r\neee\r\n$1\r\nf\r\n", SAME},
        {"ZRANGE r 5 2", "*0\r\n", SAME},
        {"ZRANGE r 100 200", "*0\r\n", SAME},
        {"ZRANGE r 0 0", "*1\r\n$1\r\na\r\n", SAME},
        {"ZRANGE r -1 -1", "*1\r\n$1\r\nf\r\n", SAME},
        {"ZRANGE nokey 0 -1", "*0\r\n", SAME},
        {"ZRANGE nokey 0 -1 WITHSCORES", "*0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZRANGE REV reverses the order; LIMIT needs BYSCORE or BYLEX unless it is "0 -1". */
START_TEST(zrange_rev_and_limit)
{
    static const struct exchange ex[] = {
        {"ZADD r 1 a 2 b 3 c 4 d 5 e 5 ee 5 eee 6 f", ":8\r\n", SAME},
        {"ZRANGE r 0 -1 REV",
         "*8\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n"
         "$1\r\nb\r\n$1\r\na\r\n", SAME},
        {"ZRANGE r 0 2 REV WITHSCORES",
         "*6\r\n$1\r\nf\r\n$1\r\n6\r\n$3\r\neee\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n",
         "*3\r\n*2\r\n$1\r\nf\r\n,6\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n"},
        {"ZRANGE r 0 -1 LIMIT 0 1",
         "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
         "or BYLEX\r\n", SAME},
        {"ZRANGE r 0 -1 LIMIT 0 -1",
         "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n"
         "$3\r\neee\r\n$1\r\nf\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZRANGE BYSCORE takes score bounds ("(" excludes), REV takes them max first, LIMIT pages. */
START_TEST(zrange_byscore_takes_score_bounds)
{
    static const struct exchange ex[] = {
        {"ZADD r 1 a 2 b 3 c 4 d 5 e 5 ee 5 eee 6 f", ":8\r\n", SAME},
        {"ZRANGE r 0 -1 BYSCORE", "*0\r\n", SAME},
        {"ZRANGE r 2 5 BYSCORE WITHSCORES",
         "*12\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"
         "$1\r\ne\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n5\r\n",
         "*6\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"
         "*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$3\r\neee\r\n,5\r\n"},
        {"ZRANGE r (2 (5 BYSCORE", "*2\r\n$1\r\nc\r\n$1\r\nd\r\n", SAME},
        {"ZRANGE r -inf +inf BYSCORE LIMIT 2 3", "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", SAME},
        {"ZRANGE r -inf +inf BYSCORE LIMIT 2 -1 WITHSCORES",
         "*12\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"
         "$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n6\r\n",
         "*6\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"
         "*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$1\r\nf\r\n,6\r\n"},
        {"ZRANGE r 5 2 BYSCORE REV",
         "*6\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n", SAME},
        {"ZRANGE r 5 2 BYSCORE REV WITHSCORES LIMIT 1 2",
         "*4\r\n$2\r\nee\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n5\r\n",
         "*2\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
        {"ZRANGE r +inf -inf BYSCORE REV LIMIT 0 3",
         "*3\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n", SAME},
        {"ZRANGE r 2 5 BYSCORE REV", "*0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* Bad bounds, unknown or repeated options and a short LIMIT are errors, in Redis's order of
 * checks. */
START_TEST(zrange_option_errors)
{
    static const struct exchange ex[] = {
        {"ZADD r 1 a 2 b 3 c 4 d 5 e 5 ee 5 eee 6 f", ":8\r\n", SAME},
        {"ZRANGE r a b BYSCORE", "-ERR min or max is not a float\r\n", SAME},
        {"ZRANGE r a b", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZRANGE r 0 1 foo", "-ERR syntax error\r\n", SAME},
        {"ZRANGE r 0 1 BYSCORE BYLEX", "-ERR syntax error\r\n", SAME},
        {"ZRANGE r 0 1 REV REV", "-ERR syntax error\r\n", SAME},
        {"ZRANGE r 0 1 LIMIT 1", "-ERR syntax error\r\n", SAME},
        {"ZRANGE r 0 1 LIMIT a 1", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZRANGE r 0 1 BYSCORE LIMIT 1 b",
         "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZRANGE r 0", "-ERR wrong number of arguments for 'zrange' command\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZREVRANGE is ZRANGE REV by rank and takes no other option. */
START_TEST(zrevrange_is_zrange_rev)
{
    static const struct exchange ex[] = {
        {"ZADD r 1 a 2 b 3 c 4 d 5 e 5 ee 5 eee 6 f", ":8\r\n", SAME},
        {"ZREVRANGE r 0 -1",
         "*8\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n"
         "$1\r\nb\r\n$1\r\na\r\n", SAME},
        {"ZREVRANGE r 0 2 WITHSCORES",
         "*6\r\n$1\r\nf\r\n$1\r\n6\r\n$3\r\neee\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n",
         "*3\r\n*2\r\n$1\r\nf\r\n,6\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n"},
        {"ZREVRANGE r -2 -1", "*2\r\n$1\r\nb\r\n$1\r\na\r\n", SAME},
        {"ZREVRANGE r 0 1 LIMIT 0 1",
         "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
         "or BYLEX\r\n", SAME},
        {"ZREVRANGE r 0 1 REV", "-ERR syntax error\r\n", SAME},
        {"ZREVRANGE r 0 1 BYSCORE", "-ERR syntax error\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZRANGEBYSCORE: score bounds, WITHSCORES, LIMIT (a negative count is everything, a negative
 * offset nothing), no REV or BYSCORE. */
START_TEST(zrangebyscore_takes_bounds_and_limit)
{
    static const struct exchange ex[] = {
        {"ZADD r 1 a 2 b 3 c 4 d 5 e 5 ee 5 eee 6 f", ":8\r\n", SAME},
        {"ZRANGEBYSCORE r -inf +inf",
         "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n"
         "$3\r\neee\r\n$1\r\nf\r\n", SAME},
        {"ZRANGEBYSCORE r 2 5 WITHSCORES",
         "*12\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"
         "$1\r\ne\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n5\r\n",
         "*6\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"
         "*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$3\r\neee\r\n,5\r\n"},
        {"ZRANGEBYSCORE r (2 5 LIMIT 1 2", "*2\r\n$1\r\nd\r\n$1\r\ne\r\n", SAME},
        {"ZRANGEBYSCORE r (2 5 WITHSCORES LIMIT 1 2",
         "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n",
         "*2\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
        {"ZRANGEBYSCORE r 2 5 LIMIT 0 -5",
         "*6\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n", SAME},
        {"ZRANGEBYSCORE r 2 5 LIMIT -1 5", "*0\r\n", SAME},
        {"ZRANGEBYSCORE r 5 5", "*3\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n", SAME},
        {"ZRANGEBYSCORE r (5 5", "*0\r\n", SAME},
        {"ZRANGEBYSCORE r 5 (5", "*0\r\n", SAME},
        {"ZRANGEBYSCORE r 2 5 REV", "-ERR syntax error\r\n", SAME},
        {"ZRANGEBYSCORE r 2 5 BYSCORE", "-ERR syntax error\r\n", SAME},
        {"ZRANGEBYSCORE r x 5", "-ERR min or max is not a float\r\n", SAME},
        {"ZRANGEBYSCORE r 2 5 LIMIT 100 1", "*0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZREVRANGEBYSCORE takes max first; min first gives nothing. */
START_TEST(zrevrangebyscore_takes_max_first)
{
    static const struct exchange ex[] = {
        {"ZADD r 1 a 2 b 3 c 4 d 5 e 5 ee 5 eee 6 f", ":8\r\n", SAME},
        {"ZREVRANGEBYSCORE r +inf -inf",
         "*8\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n"
         "$1\r\nb\r\n$1\r\na\r\n", SAME},
        {"ZREVRANGEBYSCORE r 5 2 WITHSCORES",
         "*12\r\n$3\r\neee\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n5\r\n"
         "$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n",
         "*6\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$1\r\ne\r\n,5\r\n"
         "*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n"},
        {"ZREVRANGEBYSCORE r 5 (2 LIMIT 1 2", "*2\r\n$2\r\nee\r\n$1\r\ne\r\n", SAME},
        {"ZREVRANGEBYSCORE r 2 5", "*0\r\n", SAME},
        {"ZREVRANGEBYSCORE r (5 (2", "*2\r\n$1\r\nd\r\n$1\r\nc\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A member of 64 bytes keeps the listpack encoding, one of 65 makes a skiplist, which stays one
 * when that member goes. */
START_TEST(listpack_holds_members_up_to_64_bytes)
{
    static const struct exchange ex[] = {
        {"ZADD a 1 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
         ":1\r\n", SAME},
        {"OBJECT ENCODING a", "$8\r\nlistpack\r\n", SAME},
        {"ZADD b 1 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
         ":1\r\n", SAME},
        {"OBJECT ENCODING b", "$8\r\nskiplist\r\n", SAME},
        {"ZREM b mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
         ":1\r\n", SAME},
        {"EXISTS b", ":0\r\n", SAME},
        {"ZADD c 1 x 2 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
         ":2\r\n", SAME},
        {"OBJECT ENCODING c", "$8\r\nskiplist\r\n", SAME},
        {"ZREM c mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
         ":1\r\n", SAME},
        {"OBJECT ENCODING c", "$8\r\nskiplist\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* Up to 128 members stay a listpack (an update does not count), the 129th makes a skiplist,
 * which stays one below 128. */
START_TEST(listpack_becomes_a_skiplist_past_128_members_for_good)
{
    static const struct exchange ex[] = {
        {"ZADD d {0..127}", ":128\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nlistpack\r\n", SAME},
        {"ZADD d 5 m5", ":0\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nlistpack\r\n", SAME},
        {"ZADD d 500 extra", ":1\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nskiplist\r\n", SAME},
        {"ZREM d extra m1", ":2\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nskiplist\r\n", SAME},
        {"ZCARD d", ":127\r\n", SAME},
        {"ZADD e {0..128}", ":129\r\n", SAME},
        {"OBJECT ENCODING e", "$8\r\nskiplist\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* -0 is a score of its own in ZSCORE and ZADD INCR, and sorts as 0. */
START_TEST(minus_zero_scores_keep_their_sign)
{
    static const struct exchange ex[] = {
        {"ZADD c 1 x 2 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
         ":2\r\n", SAME},
        {"ZREM c mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
         ":1\r\n", SAME},
        {"ZADD c -0 y", ":1\r\n", SAME},
        {"ZSCORE c y", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZADD c INCR -0 y", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZRANGE c 0 -1 WITHSCORES",
         "*4\r\n$1\r\ny\r\n$2\r\n-0\r\n$1\r\nx\r\n$1\r\n1\r\n",
         "*2\r\n*2\r\n$1\r\ny\r\n,-0\r\n*2\r\n$1\r\nx\r\n,1\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* XX on a missing key adds nothing and creates no key; GT adds a new member. */
START_TEST(zadd_xx_and_gt_on_a_missing_key)
{
    static const struct exchange ex[] = {
        {"ZADD f XX 1 a", ":0\r\n", SAME},
        {"EXISTS f", ":0\r\n", SAME},
        {"ZADD f XX INCR 1 a", "$-1\r\n", "_\r\n"},
        {"ZADD f GT 1 a", ":1\r\n", SAME},
        {"ZSCORE f a", "$1\r\n1\r\n", ",1\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* Scores parse as strtod does (hex, infinities) but without spaces, overflow or underflow to 0. */
START_TEST(scores_parse_as_strtod_reads_them)
{
    static const struct exchange ex[] = {
        {"ZADD g 1 a", ":1\r\n", SAME},
        {"ZADD g CH INCR 1 a", "$1\r\n2\r\n", ",2\r\n"},
        {"ZADD g inf a", ":0\r\n", SAME},
        {"ZINCRBY g -inf a", "-ERR resulting score is not a number (NaN)\r\n", SAME},
        {"ZSCORE g a", "$3\r\ninf\r\n", ",inf\r\n"},
        {"ZADD g INCR -inf a", "-ERR resulting score is not a number (NaN)\r\n", SAME},
        {"ZADD g 1e400 b", "-ERR value is not a valid float\r\n", SAME},
        {"ZADD g 0x10 c", ":1\r\n", SAME},
        {"ZADD g ' 1' d", "-ERR value is not a valid float\r\n", SAME},
        {"ZADD g '1 ' d", "-ERR value is not a valid float\r\n", SAME},
        {"ZADD g 1e-400 e", "-ERR value is not a valid float\r\n", SAME},
        {"ZRANGE g 0 -1 WITHSCORES",
         "*4\r\n$1\r\nc\r\n$2\r\n16\r\n$1\r\na\r\n$3\r\ninf\r\n",
         "*2\r\n*2\r\n$1\r\nc\r\n,16\r\n*2\r\n$1\r\na\r\n,inf\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* Rank and score ranges on a skiplist; bounds parse as strtod does, leading space included. */
START_TEST(score_ranges_on_a_skiplist)
{
    static const struct exchange ex[] = {
        {"ZADD d {0..127}", ":128\r\n", SAME},
        {"ZADD d 500 extra", ":1\r\n", SAME},
        {"ZREM d extra m1", ":2\r\n", SAME},
        {"ZRANGE d 120 -1 WITHSCORES",
         "*14\r\n$4\r\nm121\r\n$3\r\n121\r\n$4\r\nm122\r\n$3\r\n122\r\n$4\r\nm123\r\n"
         "$3\r\n123\r\n$4\r\nm124\r\n$3\r\n124\r\n$4\r\nm125\r\n$3\r\n125\r\n"
         "$4\r\nm126\r\n$3\r\n126\r\n$4\r\nm127\r\n$3\r\n127\r\n",
         "*7\r\n*2\r\n$4\r\nm121\r\n,121\r\n*2\r\n$4\r\nm122\r\n,122\r\n*2\r\n$4\r\n"
         "m123\r\n,123\r\n*2\r\n$4\r\nm124\r\n,124\r\n*2\r\n$4\r\nm125\r\n,125\r\n"
         "*2\r\n$4\r\nm126\r\n,126\r\n*2\r\n$4\r\nm127\r\n,127\r\n"},
        {"ZRANGEBYSCORE d (100 +inf LIMIT 5 10",
         "*10\r\n$4\r\nm106\r\n$4\r\nm107\r\n$4\r\nm108\r\n$4\r\nm109\r\n$4\r\nm110\r\n"
         "$4\r\nm111\r\n$4\r\nm112\r\n$4\r\nm113\r\n$4\r\nm114\r\n$4\r\nm115\r\n", SAME},
        {"ZCOUNT d 10 1e1", ":1\r\n", SAME},
        {"ZCOUNT d ( 1", ":0\r\n", SAME},
        {"ZCOUNT d ' 1' 5", ":4\r\n", SAME},
        {"ZCOUNT d 0x10 20", ":5\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* Members with equal scores sort by their bytes (the empty one first, upper case before lower). */
START_TEST(equal_scores_order_by_member_bytes)
{
    static const struct exchange ex[] = {
        {"ZADD h 1 a 1 b 1 A 1 '' 1 aa", ":5\r\n", SAME},
        {"ZRANGE h 0 -1", "*5\r\n$0\r\n\r\n$1\r\nA\r\n$1\r\na\r\n$2\r\naa\r\n$1\r\nb\r\n", SAME},
        {"ZRANGEBYLEX h - [a", "*3\r\n$0\r\n\r\n$1\r\nA\r\n$1\r\na\r\n", SAME},
        {"ZRANGEBYLEX h [ [a", "*3\r\n$0\r\n\r\n$1\r\nA\r\n$1\r\na\r\n", SAME},
        {"ZRANGEBYLEX h ( +", "*4\r\n$1\r\nA\r\n$1\r\na\r\n$2\r\naa\r\n$1\r\nb\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZPOPMIN and ZPOPMAX pop one (a flat pair) or up to COUNT (pairs in RESP3) from either end; the
 * last pop deletes the key. */
START_TEST(zpopmin_and_zpopmax_take_an_optional_count)
{
    static const struct exchange ex[] = {
        {"ZADD p 1 a 2 b 3 c 4 d 5 e", ":5\r\n", SAME},
        {"ZPOPMIN p", "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "*2\r\n$1\r\na\r\n,1\r\n"},
        {"ZPOPMAX p", "*2\r\n$1\r\ne\r\n$1\r\n5\r\n", "*2\r\n$1\r\ne\r\n,5\r\n"},
        {"ZPOPMIN p 2",
         "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
         "*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
        {"ZPOPMIN p 0", "*0\r\n", SAME},
        {"ZPOPMIN p -1", "-ERR value is out of range, must be positive\r\n", SAME},
        {"ZPOPMIN p x", "-ERR value is out of range, must be positive\r\n", SAME},
        {"ZPOPMIN p 1 2", "-ERR syntax error\r\n", SAME},
        {"ZPOPMAX p 10", "*2\r\n$1\r\nd\r\n$1\r\n4\r\n", "*1\r\n*2\r\n$1\r\nd\r\n,4\r\n"},
        {"EXISTS p", ":0\r\n", SAME},
        {"ZPOPMIN p", "*0\r\n", SAME},
        {"ZPOPMIN p 3", "*0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* Popping a missing key gives an empty array, but a bad count is still an error. */
START_TEST(zpop_on_a_missing_key_is_an_empty_array)
{
    static const struct exchange ex[] = {
        {"ZPOPMAX nokey", "*0\r\n", SAME},
        {"ZPOPMAX nokey 0", "*0\r\n", SAME},
        {"ZPOPMAX nokey -1", "-ERR value is out of range, must be positive\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* Pops take -inf first and inf last; -0 pops as 0. */
START_TEST(zpop_orders_infinite_and_minus_zero_scores)
{
    static const struct exchange ex[] = {
        {"ZADD q -0 a inf b -inf c", ":3\r\n", SAME},
        {"ZPOPMAX q", "*2\r\n$1\r\nb\r\n$3\r\ninf\r\n", "*2\r\n$1\r\nb\r\n,inf\r\n"},
        {"ZPOPMIN q 5",
         "*4\r\n$1\r\nc\r\n$4\r\n-inf\r\n$1\r\na\r\n$1\r\n0\r\n",
         "*2\r\n*2\r\n$1\r\nc\r\n,-inf\r\n*2\r\n$1\r\na\r\n,0\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZREMRANGEBYRANK removes a rank range (negative from the end, clamped), deleting the key when
 * it empties. */
START_TEST(zremrangebyrank_removes_a_rank_range)
{
    static const struct exchange ex[] = {
        {"ZADD r 1 a 2 b 3 c 4 d 5 e 6 f 7 g", ":7\r\n", SAME},
        {"ZREMRANGEBYRANK r 0 0", ":1\r\n", SAME},
        {"ZREMRANGEBYRANK r -2 -1", ":2\r\n", SAME},
        {"ZREMRANGEBYRANK r 5 2", ":0\r\n", SAME},
        {"ZREMRANGEBYRANK r 100 200", ":0\r\n", SAME},
        {"ZREMRANGEBYRANK r a 1", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZREMRANGEBYRANK nokey 0 1", ":0\r\n", SAME},
        {"ZRANGE r 0 -1 WITHSCORES",
         "*8\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"
         "$1\r\ne\r\n$1\r\n5\r\n",
         "*4\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"
         "*2\r\n$1\r\ne\r\n,5\r\n"},
        {"ZREMRANGEBYRANK l 0 -1", ":0\r\n", SAME},
        {"ZADD m 1 a 2 b", ":2\r\n", SAME},
        {"ZREMRANGEBYRANK m -100 100", ":2\r\n", SAME},
        {"EXISTS m", ":0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZREMRANGEBYSCORE removes a score range, deleting the key when it empties. */
START_TEST(zremrangebyscore_removes_a_score_range)
{
    static const struct exchange ex[] = {
        {"ZADD r 2 b 3 c 4 d 5 e", ":4\r\n", SAME},
        {"ZREMRANGEBYSCORE r (2 3", ":1\r\n", SAME},
        {"ZREMRANGEBYSCORE r 10 1", ":0\r\n", SAME},
        {"ZREMRANGEBYSCORE r x y", "-ERR min or max is not a float\r\n", SAME},
        {"ZREMRANGEBYSCORE nokey 0 1", ":0\r\n", SAME},
        {"ZRANGE r 0 -1 WITHSCORES",
         "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n",
         "*3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
        {"ZREMRANGEBYSCORE r -inf +inf", ":3\r\n", SAME},
        {"EXISTS r", ":0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZREMRANGEBYLEX removes a lex range, deleting the key when it empties. */
START_TEST(zremrangebylex_removes_a_lex_range)
{
    static const struct exchange ex[] = {
        {"ZADD l 0 a 0 b 0 c 0 d 0 e", ":5\r\n", SAME},
        {"ZREMRANGEBYLEX l [b (d", ":2\r\n", SAME},
        {"ZREMRANGEBYLEX l x y", "-ERR min or max not valid string range item\r\n", SAME},
        {"ZREMRANGEBYLEX l + -", ":0\r\n", SAME},
        {"ZREMRANGEBYLEX nokey - +", ":0\r\n", SAME},
        {"ZRANGE l 0 -1", "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n", SAME},
        {"ZREMRANGEBYLEX l - +", ":3\r\n", SAME},
        {"EXISTS l", ":0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZSCAN of a listpack returns it whole in one call, in order, scores as Redis formats them
 * (large integral ones in full). */
START_TEST(zscan_of_a_listpack_returns_every_member_in_order)
{
    static const struct exchange ex[] = {
        {"ZADD z 3 c 1 a 2 b 1.5 x -0 n inf i 0.1 t 123456789012345678 l", ":8\r\n", SAME},
        {"ZSCAN z 0",
         "*2\r\n$1\r\n0\r\n*16\r\n$1\r\nn\r\n$1\r\n0\r\n$1\r\nt\r\n"
         "$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nx\r\n$3\r\n1.5\r\n"
         "$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nl\r\n"
         "$18\r\n123456789012345680\r\n$1\r\ni\r\n$3\r\ninf\r\n", SAME},
        {"ZSCAN z 0 MATCH a*", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", SAME},
        {"ZSCAN z 0 MATCH [ab] COUNT 1",
         "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n", SAME},
        {"ZSCAN z -1",
         "*2\r\n$1\r\n0\r\n*16\r\n$1\r\nn\r\n$1\r\n0\r\n$1\r\nt\r\n"
         "$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nx\r\n$3\r\n1.5\r\n"
         "$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nl\r\n"
         "$18\r\n123456789012345680\r\n$1\r\ni\r\n$3\r\ninf\r\n", SAME},
        {"ZSCAN nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n", SAME},
        {"ZADD z 5e18 big 4e18 b4 -4e18 n4 1e18 e18", ":4\r\n", SAME},
        {"ZSCAN z 0",
         "*2\r\n$1\r\n0\r\n*24\r\n$2\r\nn4\r\n$20\r\n-4000000000000000000\r\n$1\r\nn\r\n"
         "$1\r\n0\r\n$1\r\nt\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n"
         "$1\r\nx\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nl\r\n"
         "$18\r\n123456789012345680\r\n$3\r\ne18\r\n$19\r\n1000000000000000000\r\n"
         "$2\r\nb4\r\n$19\r\n4000000000000000000\r\n$3\r\nbig\r\n$5\r\n5e+18\r\n"
         "$1\r\ni\r\n$3\r\ninf\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A bad cursor is refused even for a missing key; bad options are syntax errors. */
START_TEST(zscan_argument_errors)
{
    static const struct exchange ex[] = {
        {"ZADD z 3 c 1 a 2 b 1.5 x -0 n inf i 0.1 t 123456789012345678 l", ":8\r\n", SAME},
        {"ZSCAN z 0 COUNT 0", "-ERR syntax error\r\n", SAME},
        {"ZSCAN z 0 COUNT x", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZSCAN z 0 FOO 1", "-ERR syntax error\r\n", SAME},
        {"ZSCAN z 0 MATCH", "-ERR syntax error\r\n", SAME},
        {"ZSCAN z x", "-ERR invalid cursor\r\n", SAME},
        {"ZSCAN nokey x", "-ERR invalid cursor\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A skiplist zset is scanned in map order: every member comes back (once
 * or more, with its score as "%.17g") by the time the cursor is 0. */
START_TEST(zscan_skiplist_covers_every_member)
{
    enum { N = 300 };
    static bool seen[N];
    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < N; i++)
        EXPECT_INT(1, "ZADD big %d.5 m%d", i, i);
    EXPECT_STR("skiplist", "OBJECT ENCODING big");
    char cursor[32] = "0";
    int rounds = 0;
    do {
        redisReply *r = CMD("ZSCAN big %s COUNT 7", cursor);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_uint_eq(r->elements, 2);
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        redisReply *items = r->element[1];
        ck_assert_uint_eq(items->elements % 2, 0);
        for (size_t j = 0; j < items->elements; j += 2) {
            int i = atoi(items->element[j]->str + 1);
            char want[32];
            snprintf(want, sizeof(want), "%d.5", i);
            ck_assert_str_eq(items->element[j + 1]->str, want);
            seen[i] = true;
        }
        freeReplyObject(r);
        ck_assert_int_lt(++rounds, 10000);
    } while (strcmp(cursor, "0") != 0);
    for (int i = 0; i < N; i++)
        ck_assert_msg(seen[i], "m%d not visited", i);
}
END_TEST

/* ---- WATCH ------------------------------------------------------------------------ */

START_TEST(watch_sees_in_place_changes)
{
    /* Each on z = {a: 1, b: 2}, with the reply it must give. */
    static const struct harness_step changes[] = {
        {"ZADD z 3 c", ":1"},        {"ZADD z 5 a", ":0"},         {"ZADD z XX CH 7 b", ":1"},
        {"ZADD z INCR 1 a", "$2"},   {"ZINCRBY z 2 b", "$4"},      {"ZREM z a", ":1"},
        {"ZREM z a b", ":2"},        {"ZPOPMIN z", "*2"},          {"ZPOPMAX z 5", "*4"},
        {"ZREMRANGEBYRANK z 0 0", ":1"}, {"ZREMRANGEBYSCORE z 2 2", ":1"},
        {"ZREMRANGEBYLEX z - +", ":2"},
    };
    redisContext *other = harness_connect(&harness_srv);
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        EXPECT_OK("FLUSHALL");
        EXPECT_INT(2, "ZADD z 1 a 2 b");
        EXPECT_OK("WATCH z");
        harness_expect_step(other, &changes[i]);
        ck_assert_msg(!harness_watched_exec_runs(harness_ctx), "EXEC ran after %s",
                      changes[i].cmd);
    }
    /* a new key made by ZADD aborts too */
    EXPECT_OK("FLUSHALL");
    harness_expect_status(harness_cmd(harness_ctx, "WATCH z"), "OK");
    harness_expect_int(harness_cmd(other, "ZADD z 1 a"), 1);
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    /* changes that change nothing do not abort */
    harness_expect_status(harness_cmd(harness_ctx, "WATCH z"), "OK");
    harness_expect_int(harness_cmd(other, "ZADD z 1 a"), 0);
    harness_expect_int(harness_cmd(other, "ZADD z NX 5 a"), 0);
    harness_expect_int(harness_cmd(other, "ZADD z GT 0 a"), 0);
    harness_expect_int(harness_cmd(other, "ZREM z zz"), 0);
    harness_expect_int(harness_cmd(other, "ZREMRANGEBYSCORE z 5 6"), 0);
    harness_expect_int(harness_cmd(other, "ZREMRANGEBYRANK z 5 6"), 0);
    ck_assert(harness_watched_exec_runs(harness_ctx));
    redisFree(other);
}
END_TEST

/* ---- COPY, key vanishing ------------------------------------------------------------ */

START_TEST(copy_is_deep_and_last_member_deletes)
{
    EXPECT_INT(2, "ZADD z 1 a 2 b");
    EXPECT_INT(1, "COPY z c");
    EXPECT_INT(1, "ZREM z a");
    EXPECT_INT(2, "ZCARD c");
    EXPECT_STR("listpack", "OBJECT ENCODING c");
    harness_expect_status(CMD("TYPE c"), "zset");
    EXPECT_INT(1, "ZREM z b");
    EXPECT_INT(0, "EXISTS z");
    EXPECT_INT(2, "ZREM c a b");
    EXPECT_INT(0, "EXISTS c");
    EXPECT_INT(0, "DBSIZE");
}
END_TEST

/* ---- suite ------------------------------------------------------------------------ */

static Suite *zset_suite(void)
{
    Suite *s = suite_create("zset");
    /* Each table runs in RESP2 and in RESP3: the loop index is the protocol. */
    TCase *tc = harness_server_case("commands", NULL, NULL);
    tcase_add_loop_test(tc, zadd_counts_new_members_or_with_ch_changed_ones, 2, 4);
    tcase_add_loop_test(tc, zadd_nx_xx_gt_lt_choose_which_members_change, 2, 4);
    tcase_add_loop_test(tc, zadd_option_conflicts_and_bad_arguments_are_errors, 2, 4);
    tcase_add_loop_test(tc, zadd_incr_replies_with_the_new_score_or_nil, 2, 4);
    tcase_add_loop_test(tc, infinite_scores_are_allowed_but_a_nan_result_is_refused, 2, 4);
    tcase_add_loop_test(tc, scores_are_formatted_as_redis_formats_doubles, 2, 4);
    tcase_add_loop_test(tc, zscore_and_zmscore_give_a_score_or_nil, 2, 4);
    tcase_add_loop_test(tc, zincrby_adds_to_the_score_and_refuses_a_nan_result, 2, 4);
    tcase_add_loop_test(tc, zcard_zrank_and_zrevrank_count_in_score_order, 2, 4);
    tcase_add_loop_test(tc, zcount_takes_inclusive_exclusive_and_infinite_bounds, 2, 4);
    tcase_add_loop_test(tc, zrem_counts_removed_members_and_the_last_one_deletes_the_key, 2, 4);
    tcase_add_loop_test(tc, other_types_get_wrongtype_after_argument_errors, 2, 4);
    tcase_add_loop_test(tc, zrangebylex_takes_inclusive_exclusive_and_infinite_bounds, 2, 4);
    tcase_add_loop_test(tc, zrangebylex_limit_takes_an_offset_and_a_count, 2, 4);
    tcase_add_loop_test(tc, bad_lex_ranges_and_lex_withscores_are_errors, 2, 4);
    tcase_add_loop_test(tc, zrevrangebylex_walks_from_max_to_min, 2, 4);
    tcase_add_loop_test(tc, zlexcount_counts_a_lex_range, 2, 4);
    tcase_add_loop_test(tc, zrange_bylex_is_zrangebylex, 2, 4);
    tcase_add_loop_test(tc, zrange_by_rank_clamps_like_redis, 2, 4);
    tcase_add_loop_test(tc, zrange_rev_and_limit, 2, 4);
    tcase_add_loop_test(tc, zrange_byscore_takes_score_bounds, 2, 4);
    tcase_add_loop_test(tc, zrange_option_errors, 2, 4);
    tcase_add_loop_test(tc, zrevrange_is_zrange_rev, 2, 4);
    tcase_add_loop_test(tc, zrangebyscore_takes_bounds_and_limit, 2, 4);
    tcase_add_loop_test(tc, zrevrangebyscore_takes_max_first, 2, 4);
    tcase_add_loop_test(tc, listpack_holds_members_up_to_64_bytes, 2, 4);
    tcase_add_loop_test(tc, listpack_becomes_a_skiplist_past_128_members_for_good, 2, 4);
    tcase_add_loop_test(tc, minus_zero_scores_keep_their_sign, 2, 4);
    tcase_add_loop_test(tc, zadd_xx_and_gt_on_a_missing_key, 2, 4);
    tcase_add_loop_test(tc, scores_parse_as_strtod_reads_them, 2, 4);
    tcase_add_loop_test(tc, score_ranges_on_a_skiplist, 2, 4);
    tcase_add_loop_test(tc, equal_scores_order_by_member_bytes, 2, 4);
    tcase_add_loop_test(tc, zpopmin_and_zpopmax_take_an_optional_count, 2, 4);
    tcase_add_loop_test(tc, zpop_on_a_missing_key_is_an_empty_array, 2, 4);
    tcase_add_loop_test(tc, zpop_orders_infinite_and_minus_zero_scores, 2, 4);
    tcase_add_loop_test(tc, zremrangebyrank_removes_a_rank_range, 2, 4);
    tcase_add_loop_test(tc, zremrangebyscore_removes_a_score_range, 2, 4);
    tcase_add_loop_test(tc, zremrangebylex_removes_a_lex_range, 2, 4);
    tcase_add_loop_test(tc, zscan_of_a_listpack_returns_every_member_in_order, 2, 4);
    tcase_add_loop_test(tc, zscan_argument_errors, 2, 4);
    tcase_add_test(tc, zscan_skiplist_covers_every_member);
    suite_add_tcase(s, tc);

    tc = harness_server_case("transactions and copies", NULL, NULL);
    tcase_add_test(tc, watch_sees_in_place_changes);
    tcase_add_test(tc, copy_is_deep_and_last_member_deletes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(zset_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
