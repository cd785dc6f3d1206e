/*
 * check_zset_ops.c - the sorted set commands that work across keys or
 * pick at random, end to end against a real grove-server: ZMPOP and
 * ZRANDMEMBER (whose picks are tested for uniformity with chi-square
 * statistics, in both encodings).
 *
 * Most tests are tables of exchanges (exchange.h): each command and the
 * exact bytes redis-server 7.0.15 replied, in RESP2 and RESP3, every table
 * checked against redis-server itself. COMMAND INFO and COMMAND GETKEYS of
 * these commands are checked by check_command_keys.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ==== ZRANDMEMBER ================================================================== */

#define ERR_RANGE_LL                                                                            \
    "-ERR value is out of range, value must between -9223372036854775807 and "                  \
    "9223372036854775807\r\n"

/* A count of at least the size gives the whole zset, highest score first (as Redis 7.0 does);
 * 0 gives nothing; WITHSCORES adds scores, nested in RESP3; a negative count repeats. */
START_TEST(zrandmember_replies_without_randomness)
{
    static const struct exchange ex[] = {
        {"ZADD z 1 a 2.5 b -0 c", ":3\r\n", SAME},
        {"ZRANDMEMBER z 0", "*0\r\n", SAME},
        {"ZRANDMEMBER z 0 WITHSCORES", "*0\r\n", SAME},
        {"ZRANDMEMBER z 3", "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n", SAME},
        {"ZRANDMEMBER z 10 WITHSCORES",
         "*6\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n0\r\n",
         "*3\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nc\r\n,0\r\n"},
        {"ZRANDMEMBER z 100 withscores",
         "*6\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n0\r\n",
         "*3\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nc\r\n,0\r\n"},
        {"ZADD one 7 only", ":1\r\n", SAME},
        {"ZRANDMEMBER one", "$4\r\nonly\r\n", SAME},
        {"ZRANDMEMBER one 1", "*1\r\n$4\r\nonly\r\n", SAME},
        {"ZRANDMEMBER one 1 WITHSCORES", "*2\r\n$4\r\nonly\r\n$1\r\n7\r\n",
         "*1\r\n*2\r\n$4\r\nonly\r\n,7\r\n"},
        {"ZRANDMEMBER one -3", "*3\r\n$4\r\nonly\r\n$4\r\nonly\r\n$4\r\nonly\r\n", SAME},
        {"ZRANDMEMBER one -3 WITHSCORES",
         "*6\r\n$4\r\nonly\r\n$1\r\n7\r\n$4\r\nonly\r\n$1\r\n7\r\n$4\r\nonly\r\n$1\r\n7\r\n",
         "*3\r\n*2\r\n$4\r\nonly\r\n,7\r\n*2\r\n$4\r\nonly\r\n,7\r\n*2\r\n$4\r\nonly\r\n,7\r\n"},
        {"ZRANDMEMBER one 5 WITHSCORES", "*2\r\n$4\r\nonly\r\n$1\r\n7\r\n",
         "*1\r\n*2\r\n$4\r\nonly\r\n,7\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* The same from a skiplist. */
START_TEST(zrandmember_of_a_skiplist_without_randomness)
{
    static const struct exchange ex[] = {
        {"ZADD big {0..129}", ":130\r\n", SAME},
        {"ZREMRANGEBYRANK big 2 -1", ":128\r\n", SAME},
        {"OBJECT ENCODING big", "$8\r\nskiplist\r\n", SAME},
        {"ZRANDMEMBER big 5 WITHSCORES", "*4\r\n$2\r\nm1\r\n$1\r\n1\r\n$2\r\nm0\r\n$1\r\n0\r\n",
         "*2\r\n*2\r\n$2\r\nm1\r\n,1\r\n*2\r\n$2\r\nm0\r\n,0\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A missing key is nil without a count, else an empty array; another type is WRONGTYPE, even for
 * a count of 0. */
START_TEST(zrandmember_of_a_missing_key_or_another_type)
{
    static const struct exchange ex[] = {
        {"ZRANDMEMBER nosuch", "$-1\r\n", "_\r\n"},
        {"ZRANDMEMBER nosuch 5", "*0\r\n", SAME},
        {"ZRANDMEMBER nosuch -5", "*0\r\n", SAME},
        {"ZRANDMEMBER nosuch 0", "*0\r\n", SAME},
        {"ZRANDMEMBER nosuch 5 WITHSCORES", "*0\r\n", SAME},
        {"SET s x", "+OK\r\n", SAME},
        {"ZRANDMEMBER s", WRONGTYPE, SAME},
        {"ZRANDMEMBER s 1", WRONGTYPE, SAME},
        {"ZRANDMEMBER s 0", WRONGTYPE, SAME},
        {"ZRANDMEMBER s -1 WITHSCORES", WRONGTYPE, SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* The count, then the option, then the count's range with WITHSCORES, before the key. */
START_TEST(zrandmember_argument_errors)
{
    static const struct exchange ex[] = {
        {"ZRANDMEMBER", "-ERR wrong number of arguments for 'zrandmember' command\r\n", SAME},
        {"ZRANDMEMBER nosuch abc", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZRANDMEMBER nosuch 1.5", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZRANDMEMBER nosuch 5 FOO", "-ERR syntax error\r\n", SAME},
        {"ZRANDMEMBER nosuch 5 WITHSCORES x", "-ERR syntax error\r\n", SAME},
        {"ZRANDMEMBER nosuch -9223372036854775808",
         ERR_RANGE_LL,
         SAME},
        {"ZRANDMEMBER nosuch -9223372036854775808 FOO",
         ERR_RANGE_LL,
         SAME},
        {"ZRANDMEMBER nosuch -9223372036854775807", "*0\r\n", SAME},
        {"ZRANDMEMBER nosuch 9223372036854775807 WITHSCORES", "-ERR value is out of range\r\n",
         SAME},
        {"ZRANDMEMBER nosuch 9223372036854775807 FOO", "-ERR syntax error\r\n", SAME},
        {"ZRANDMEMBER nosuch 4611686018427387903 WITHSCORES", "*0\r\n", SAME},
        {"ZRANDMEMBER nosuch 4611686018427387904 WITHSCORES", "-ERR value is out of range\r\n",
         SAME},
        {"ZRANDMEMBER nosuch -4611686018427387903 WITHSCORES", "*0\r\n", SAME},
        {"ZRANDMEMBER nosuch -4611686018427387904 WITHSCORES", "-ERR value is out of range\r\n",
         SAME},
        {"SET s x", "+OK\r\n", SAME},
        {"ZRANDMEMBER s abc", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZRANDMEMBER s 5 FOO", "-ERR syntax error\r\n", SAME},
        {"ZRANDMEMBER s 9223372036854775807 WITHSCORES", "-ERR value is out of range\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* Chi-square critical values that a fair pick passes 99,999 times in 100,000, by degrees of
 * freedom (computed from the regularized incomplete gamma function). */
#define CHI2_9_P1E5 39.34   /* 10 members */
#define CHI2_119_P1E5 196.56 /* the 120 sets of 3 (or 7) members of 10 */
#define PICKS 6000

/* z: members m0..m9, scores 0..9, reported as `encoding` (a skiplist once a long member has come
 * and gone: the encoding never goes back). */
static void make_ten(const char *encoding)
{
    harness_expect_int(harness_cmd(harness_ctx, "ZADD z 0 m0 1 m1 2 m2 3 m3 4 m4 5 m5 6 m6 7 m7 "
                                                "8 m8 9 m9"),
                       10);
    if (strcmp(encoding, "skiplist") == 0) {
        char long_member[66];
        memset(long_member, 'x', 65);
        long_member[65] = '\0';
        harness_expect_int(harness_cmd(harness_ctx, "ZADD z 0 %s", long_member), 1);
        harness_expect_int(harness_cmd(harness_ctx, "ZREM z %s", long_member), 1);
    }
    harness_expect_str(harness_cmd(harness_ctx, "OBJECT ENCODING z"), encoding);
}

/* Which of m0..m9 a reply element names. */
static unsigned member_index(const redisReply *r)
{
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert(r->len == 2 && r->str[0] == 'm' && r->str[1] >= '0' && r->str[1] <= '9');
    return (unsigned)(r->str[1] - '0');
}

/* Pearson's statistic of counts[i] for i in [0, n) where keep(i), each expected `expected`
 * times. */
static double chi_square(const long *counts, size_t n, bool (*keep)(size_t), double expected)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (keep != NULL && !keep(i))
            continue;
        double d = (double)counts[i] - expected;
        sum += d * d / expected;
    }
    return sum;
}

/* Send `n` copies of the command before reading a reply; then hand each reply to fn. */
static void pipeline(const char *cmd, size_t n, void (*fn)(redisReply *r, void *ud), void *ud)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(redisAppendCommand(harness_ctx, cmd), REDIS_OK);
    for (size_t i = 0; i < n; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(harness_ctx, (void **)&r), REDIS_OK);
        fn(r, ud);
        freeReplyObject(r);
    }
}

static void count_single_cb(redisReply *r, void *ud)
{
    ((long *)ud)[member_index(r)]++;
}

/* A distinct pick of `size` members, counted by the set it is (a bit per member). */
struct subsets {
    size_t size;
    long counts[1 << 10];
};

static void count_subset_cb(redisReply *r, void *ud)
{
    struct subsets *s = ud;
    unsigned set = 0;
    harness_assert_array(r, s->size);
    for (size_t i = 0; i < r->elements; i++) {
        unsigned bit = 1u << member_index(r->element[i]);
        ck_assert_msg(!(set & bit), "a distinct pick repeats %s", r->element[i]->str);
        set |= bit;
    }
    s->counts[set]++;
}

static size_t subset_size;

static bool has_subset_size(size_t set)
{
    return (size_t)__builtin_popcount((unsigned)set) == subset_size;
}

/* Every member as likely, with or without repeats, in both encodings; every set of 3 members as
 * likely, and every set of 7 (the two ways distinct picks are drawn). Each statistic fails a fair
 * pick once in 100,000 runs. */
START_TEST(zrandmember_picks_are_uniform)
{
    static const char *const encodings[] = {"listpack", "skiplist"};
    make_ten(encodings[_i]);

    long singles[10] = {0};
    pipeline("ZRANDMEMBER z", PICKS, count_single_cb, singles);
    double chi = chi_square(singles, 10, NULL, PICKS / 10.0);
    ck_assert_msg(chi < CHI2_9_P1E5, "single picks: chi-square %.1f", chi);

    long repeats[10] = {0};
    redisReply *r = harness_cmd(harness_ctx, "ZRANDMEMBER z -%d", PICKS);
    harness_assert_array(r, PICKS);
    for (size_t i = 0; i < r->elements; i++)
        repeats[member_index(r->element[i])]++;
    freeReplyObject(r);
    chi = chi_square(repeats, 10, NULL, PICKS / 10.0);
    ck_assert_msg(chi < CHI2_9_P1E5, "picks with repeats: chi-square %.1f", chi);

    static const size_t sizes[] = {3, 7};
    for (size_t k = 0; k < 2; k++) {
        static struct subsets s;
        char cmd[32];
        memset(&s, 0, sizeof(s));
        s.size = subset_size = sizes[k];
        snprintf(cmd, sizeof(cmd), "ZRANDMEMBER z %zu", s.size);
        pipeline(cmd, PICKS, count_subset_cb, &s);
        chi = chi_square(s.counts, 1 << 10, has_subset_size, PICKS / 120.0);
        ck_assert_msg(chi < CHI2_119_P1E5, "distinct picks of %zu: chi-square %.1f", s.size, chi);
    }
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

    tc = harness_server_case("zrandmember", NULL, NULL);
    tcase_add_loop_test(tc, zrandmember_replies_without_randomness, 2, 4);
    tcase_add_loop_test(tc, zrandmember_of_a_skiplist_without_randomness, 2, 4);
    tcase_add_loop_test(tc, zrandmember_of_a_missing_key_or_another_type, 2, 4);
    tcase_add_loop_test(tc, zrandmember_argument_errors, 2, 4);
    tcase_add_loop_test(tc, zrandmember_picks_are_uniform, 0, 2);
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
