/*
 * check_zset_ops.c - the sorted set commands that work across keys, store
 * results or pick at random, end to end against a real grove-server:
 * ZMPOP, ZRANDMEMBER (its picks tested for uniformity with chi-square
 * statistics, in both encodings), ZUNION ZINTER ZDIFF ZINTERCARD and their
 * STORE forms (also against a model, with random inputs), ZRANGESTORE,
 * and the encodings and -0 scores of stored results and copies.
 *
 * Most tests are tables of exchanges (exchange.h): each command and the
 * exact bytes redis-server 7.0.15 replied, in RESP2 and RESP3, every table
 * checked against redis-server itself. COMMAND INFO and COMMAND GETKEYS of
 * these commands are checked by check_command_keys.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* ==== ZUNION ZINTER ZDIFF ZINTERCARD and the STORE forms =========================== */

#define LONG65 "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL"

/* numkeys, then every input's type (before any option), then the options each command takes,
 * with Redis's texts. */
START_TEST(zunion_zinter_zdiff_argument_errors)
{
    static const struct exchange ex[] = {
        {"ZUNION", "-ERR wrong number of arguments for 'zunion' command\r\n", SAME},
        {"ZUNION 1", "-ERR wrong number of arguments for 'zunion' command\r\n", SAME},
        {"ZUNIONSTORE d 1", "-ERR wrong number of arguments for 'zunionstore' command\r\n", SAME},
        {"ZDIFFSTORE d", "-ERR wrong number of arguments for 'zdiffstore' command\r\n", SAME},
        {"ZUNION 0 a", "-ERR at least 1 input key is needed for 'zunion' command\r\n", SAME},
        {"ZUNION -1 a", "-ERR at least 1 input key is needed for 'zunion' command\r\n", SAME},
        {"ZUNION abc a", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZUNION 2 a", "-ERR syntax error\r\n", SAME},
        {"ZUNION 9223372036854775807 a", "-ERR syntax error\r\n", SAME},
        {"ZUNIONSTORE d 0 a", "-ERR at least 1 input key is needed for 'zunionstore' command\r\n",
         SAME},
        {"ZUNIONSTORE d 2 a", "-ERR syntax error\r\n", SAME},
        {"ZUNIONSTORE d abc a", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZINTERSTORE d 0 a", "-ERR at least 1 input key is needed for 'zinterstore' command\r\n",
         SAME},
        {"ZDIFFSTORE d 0 a", "-ERR at least 1 input key is needed for 'zdiffstore' command\r\n",
         SAME},
        {"ZINTER 0 a", "-ERR at least 1 input key is needed for 'zinter' command\r\n", SAME},
        {"ZDIFF 0 a", "-ERR at least 1 input key is needed for 'zdiff' command\r\n", SAME},
        {"ZINTERCARD 0 a", "-ERR at least 1 input key is needed for 'zintercard' command\r\n",
         SAME},
        {"ZINTERCARD 2 a", "-ERR syntax error\r\n", SAME},
        {"ZINTERCARD abc a", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZUNION 1 a WEIGHTS", "-ERR syntax error\r\n", SAME},
        {"ZUNION 1 a WEIGHTS 1 2", "-ERR syntax error\r\n", SAME},
        {"ZUNION 1 a WEIGHTS x", "-ERR weight value is not a float\r\n", SAME},
        {"ZUNION 1 a WEIGHTS nan", "-ERR weight value is not a float\r\n", SAME},
        {"ZUNION 1 a WEIGHTS 1e400", "-ERR weight value is not a float\r\n", SAME},
        {"ZUNION 2 a b WEIGHTS 1", "-ERR syntax error\r\n", SAME},
        {"ZUNION 1 a AGGREGATE", "-ERR syntax error\r\n", SAME},
        {"ZUNION 1 a AGGREGATE foo", "-ERR syntax error\r\n", SAME},
        {"ZUNION 1 a AGGREGATE sum WITHSCORES", "*0\r\n", SAME},
        {"ZUNION 1 a FOO", "-ERR syntax error\r\n", SAME},
        {"ZUNIONSTORE d 1 a WITHSCORES", "-ERR syntax error\r\n", SAME},
        {"ZINTERSTORE d 1 a AGGREGATE MIN WEIGHTS 2 AGGREGATE MAX", ":0\r\n", SAME},
        {"ZDIFF 1 a WEIGHTS 1", "-ERR syntax error\r\n", SAME},
        {"ZDIFF 1 a AGGREGATE MIN", "-ERR syntax error\r\n", SAME},
        {"ZINTERCARD 1 a LIMIT", "-ERR syntax error\r\n", SAME},
        {"ZINTERCARD 1 a LIMIT -1", "-ERR LIMIT can't be negative\r\n", SAME},
        {"ZINTERCARD 1 a LIMIT x", "-ERR LIMIT can't be negative\r\n", SAME},
        {"ZINTERCARD 1 a WITHSCORES", "-ERR syntax error\r\n", SAME},
        {"ZINTERCARD 1 a WEIGHTS 1", "-ERR syntax error\r\n", SAME},
        {"ZINTER 1 a LIMIT 1", "-ERR syntax error\r\n", SAME},
        {"SET s x", "+OK\r\n", SAME},
        {"ZUNION 2 a s", WRONGTYPE, SAME},
        {"ZUNION 2 s a WEIGHTS x", WRONGTYPE, SAME},
        {"ZUNION 1 s FOO", WRONGTYPE, SAME},
        {"ZINTER 2 a s", WRONGTYPE, SAME},
        {"ZDIFF 2 a s", WRONGTYPE, SAME},
        {"ZINTERCARD 2 a s LIMIT -1", WRONGTYPE, SAME},
        {"ZUNIONSTORE d 1 s", WRONGTYPE, SAME},
        {"RPUSH l x", ":1\r\n", SAME},
        {"ZDIFFSTORE d 2 nosuch l", WRONGTYPE, SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* WEIGHTS multiply, AGGREGATE SUM/MIN/MAX combine, plain sets count as score 1, missing keys as
 * empty; ZDIFF keeps the first input's scores; ZINTERCARD counts up to LIMIT; a STORE replaces
 * its destination (even one of its inputs) or, for an empty result, deletes it. */
START_TEST(weights_aggregates_and_plain_sets)
{
    static const struct exchange ex[] = {
        {"ZADD a 1 x 2 y 3 z", ":3\r\n", SAME},
        {"ZADD b 10 y 20 z 30 w", ":3\r\n", SAME},
        {"SADD s z w v", ":3\r\n", SAME},
        {"ZUNION 2 a b", "*4\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nw\r\n", SAME},
        {"ZUNION 2 a b WITHSCORES",
         "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n"
         "$2\r\n30\r\n",
         "*4\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n*2\r\n"
         "$1\r\nw\r\n,30\r\n"},
        {"ZUNION 3 a b s WITHSCORES",
         "*10\r\n$1\r\nv\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n"
         "$2\r\n24\r\n$1\r\nw\r\n$2\r\n31\r\n",
         "*5\r\n*2\r\n$1\r\nv\r\n,1\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n"
         "$1\r\nz\r\n,24\r\n*2\r\n$1\r\nw\r\n,31\r\n"},
        {"ZUNION 3 a b s WEIGHTS 1 2 3 WITHSCORES",
         "*10\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nv\r\n$1\r\n3\r\n$1\r\ny\r\n$2\r\n22\r\n$1\r\nz\r\n"
         "$2\r\n46\r\n$1\r\nw\r\n$2\r\n63\r\n",
         "*5\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\nv\r\n,3\r\n*2\r\n$1\r\ny\r\n,22\r\n*2\r\n"
         "$1\r\nz\r\n,46\r\n*2\r\n$1\r\nw\r\n,63\r\n"},
        {"ZUNION 3 a b s WEIGHTS 1 2 3 AGGREGATE MIN WITHSCORES",
         "*10\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nv\r\n$1\r\n3\r\n$1\r\nw\r\n"
         "$1\r\n3\r\n$1\r\nz\r\n$1\r\n3\r\n",
         "*5\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,2\r\n*2\r\n$1\r\nv\r\n,3\r\n*2\r\n$1\r\n"
         "w\r\n,3\r\n*2\r\n$1\r\nz\r\n,3\r\n"},
        {"ZUNION 3 a b s AGGREGATE MAX WITHSCORES",
         "*10\r\n$1\r\nv\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n"
         "$2\r\n20\r\n$1\r\nw\r\n$2\r\n30\r\n",
         "*5\r\n*2\r\n$1\r\nv\r\n,1\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,10\r\n*2\r\n"
         "$1\r\nz\r\n,20\r\n*2\r\n$1\r\nw\r\n,30\r\n"},
        {"ZUNION 3 a b s AGGREGATE max WEIGHTS 2 -1 0.5 WITHSCORES",
         "*10\r\n$1\r\nv\r\n$3\r\n0.5\r\n$1\r\nw\r\n$3\r\n0.5\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\n"
         "y\r\n$1\r\n4\r\n$1\r\nz\r\n$1\r\n6\r\n",
         "*5\r\n*2\r\n$1\r\nv\r\n,0.5\r\n*2\r\n$1\r\nw\r\n,0.5\r\n*2\r\n$1\r\nx\r\n,2\r\n*2\r\n"
         "$1\r\ny\r\n,4\r\n*2\r\n$1\r\nz\r\n,6\r\n"},
        {"ZUNION 3 a nosuch s WITHSCORES",
         "*10\r\n$1\r\nv\r\n$1\r\n1\r\n$1\r\nw\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n"
         "$1\r\n2\r\n$1\r\nz\r\n$1\r\n4\r\n",
         "*5\r\n*2\r\n$1\r\nv\r\n,1\r\n*2\r\n$1\r\nw\r\n,1\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\n"
         "y\r\n,2\r\n*2\r\n$1\r\nz\r\n,4\r\n"},
        {"ZINTER 2 a b WITHSCORES", "*4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n",
         "*2\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n"},
        {"ZINTER 2 a b WEIGHTS 2 3", "*2\r\n$1\r\ny\r\n$1\r\nz\r\n", SAME},
        {"ZINTER 3 a b s WITHSCORES", "*2\r\n$1\r\nz\r\n$2\r\n24\r\n",
         "*1\r\n*2\r\n$1\r\nz\r\n,24\r\n"},
        {"ZINTER 3 a b s AGGREGATE MIN WITHSCORES", "*2\r\n$1\r\nz\r\n$1\r\n1\r\n",
         "*1\r\n*2\r\n$1\r\nz\r\n,1\r\n"},
        {"ZINTER 2 a nosuch WITHSCORES", "*0\r\n", SAME},
        {"ZINTER 1 s WITHSCORES",
         "*6\r\n$1\r\nv\r\n$1\r\n1\r\n$1\r\nw\r\n$1\r\n1\r\n$1\r\nz\r\n$1\r\n1\r\n",
         "*3\r\n*2\r\n$1\r\nv\r\n,1\r\n*2\r\n$1\r\nw\r\n,1\r\n*2\r\n$1\r\nz\r\n,1\r\n"},
        {"ZINTER 2 s s WITHSCORES",
         "*6\r\n$1\r\nv\r\n$1\r\n2\r\n$1\r\nw\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n2\r\n",
         "*3\r\n*2\r\n$1\r\nv\r\n,2\r\n*2\r\n$1\r\nw\r\n,2\r\n*2\r\n$1\r\nz\r\n,2\r\n"},
        {"ZINTER 2 a a WITHSCORES",
         "*6\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n4\r\n$1\r\nz\r\n$1\r\n6\r\n",
         "*3\r\n*2\r\n$1\r\nx\r\n,2\r\n*2\r\n$1\r\ny\r\n,4\r\n*2\r\n$1\r\nz\r\n,6\r\n"},
        {"ZDIFF 2 a b WITHSCORES", "*2\r\n$1\r\nx\r\n$1\r\n1\r\n", "*1\r\n*2\r\n$1\r\nx\r\n,1\r\n"},
        {"ZDIFF 3 b a s WITHSCORES", "*0\r\n", SAME},
        {"ZDIFF 2 s a WITHSCORES", "*4\r\n$1\r\nv\r\n$1\r\n1\r\n$1\r\nw\r\n$1\r\n1\r\n",
         "*2\r\n*2\r\n$1\r\nv\r\n,1\r\n*2\r\n$1\r\nw\r\n,1\r\n"},
        {"ZDIFF 2 nosuch a WITHSCORES", "*0\r\n", SAME},
        {"ZDIFF 1 a", "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n", SAME},
        {"ZINTERCARD 2 a b", ":2\r\n", SAME},
        {"ZINTERCARD 2 a b LIMIT 1", ":1\r\n", SAME},
        {"ZINTERCARD 2 a b LIMIT 0", ":2\r\n", SAME},
        {"ZINTERCARD 3 a b s", ":1\r\n", SAME},
        {"ZINTERCARD 2 a nosuch", ":0\r\n", SAME},
        {"ZINTERCARD 1 s LIMIT 2", ":2\r\n", SAME},
        {"ZUNIONSTORE d 3 a b s", ":5\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES",
         "*10\r\n$1\r\nv\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n"
         "$2\r\n24\r\n$1\r\nw\r\n$2\r\n31\r\n",
         "*5\r\n*2\r\n$1\r\nv\r\n,1\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n"
         "$1\r\nz\r\n,24\r\n*2\r\n$1\r\nw\r\n,31\r\n"},
        {"OBJECT ENCODING d", "$8\r\nlistpack\r\n", SAME},
        {"ZINTERSTORE d 2 a b AGGREGATE MAX", ":2\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES", "*4\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n",
         "*2\r\n*2\r\n$1\r\ny\r\n,10\r\n*2\r\n$1\r\nz\r\n,20\r\n"},
        {"ZDIFFSTORE d 2 b a", ":1\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES", "*2\r\n$1\r\nw\r\n$2\r\n30\r\n",
         "*1\r\n*2\r\n$1\r\nw\r\n,30\r\n"},
        {"ZINTERSTORE d 2 a nosuch", ":0\r\n", SAME},
        {"EXISTS d", ":0\r\n", SAME},
        {"ZUNIONSTORE a 2 a b WEIGHTS 1 1", ":4\r\n", SAME},
        {"ZRANGE a 0 -1 WITHSCORES",
         "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n"
         "$2\r\n30\r\n",
         "*4\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n*2\r\n"
         "$1\r\nw\r\n,30\r\n"},
        {"ZDIFFSTORE a 1 nosuch", ":0\r\n", SAME},
        {"EXISTS a", ":0\r\n", SAME},
        {"TYPE s", "+set\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* inf - inf sums to 0, inf times a weight of 0 is 0, a NaN term never wins MIN or MAX, -0
 * keeps its sign in a reply; weights parse as scores do. */
START_TEST(infinities_nan_and_minus_zero)
{
    static const struct exchange ex[] = {
        {"ZADD p inf a -inf b 0 c 1 d", ":4\r\n", SAME},
        {"ZADD n -inf a inf b -0 c", ":3\r\n", SAME},
        {"ZUNION 2 p n WITHSCORES",
         "*8\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n"
         "$1\r\n1\r\n",
         "*4\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,0\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\n"
         "d\r\n,1\r\n"},
        {"ZINTER 2 p n WITHSCORES",
         "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n",
         "*3\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,0\r\n*2\r\n$1\r\nc\r\n,0\r\n"},
        {"ZUNION 2 p n AGGREGATE MIN WITHSCORES",
         "*8\r\n$1\r\na\r\n$4\r\n-inf\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\n"
         "d\r\n$1\r\n1\r\n",
         "*4\r\n*2\r\n$1\r\na\r\n,-inf\r\n*2\r\n$1\r\nb\r\n,-inf\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n"
         "$1\r\nd\r\n,1\r\n"},
        {"ZUNION 2 p n AGGREGATE MAX WITHSCORES",
         "*8\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$1\r\n1\r\n$1\r\na\r\n$3\r\ninf\r\n$1\r\nb\r\n"
         "$3\r\ninf\r\n",
         "*4\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\nd\r\n,1\r\n*2\r\n$1\r\na\r\n,inf\r\n*2\r\n"
         "$1\r\nb\r\n,inf\r\n"},
        {"ZUNION 1 p WEIGHTS 0 WITHSCORES",
         "*8\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n"
         "$1\r\n0\r\n",
         "*4\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,0\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\n"
         "d\r\n,0\r\n"},
        {"ZINTER 2 p n WEIGHTS 1 0 WITHSCORES",
         "*6\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$3\r\ninf\r\n",
         "*3\r\n*2\r\n$1\r\nb\r\n,-inf\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\na\r\n,inf\r\n"},
        {"ZINTER 2 p n WEIGHTS 0 1 WITHSCORES",
         "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n",
         "*3\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,0\r\n*2\r\n$1\r\nc\r\n,0\r\n"},
        {"ZINTER 2 p n WEIGHTS 0 0 AGGREGATE MIN WITHSCORES",
         "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n",
         "*3\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,0\r\n*2\r\n$1\r\nc\r\n,0\r\n"},
        {"ZINTER 2 n p WEIGHTS 1 0 AGGREGATE MAX WITHSCORES",
         "*6\r\n$1\r\na\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nb\r\n$3\r\ninf\r\n",
         "*3\r\n*2\r\n$1\r\na\r\n,-inf\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\nb\r\n,inf\r\n"},
        {"ZUNION 1 p WEIGHTS -1 WITHSCORES",
         "*8\r\n$1\r\na\r\n$4\r\n-inf\r\n$1\r\nd\r\n$2\r\n-1\r\n$1\r\nc\r\n$2\r\n-0\r\n$1\r\n"
         "b\r\n$3\r\ninf\r\n",
         "*4\r\n*2\r\n$1\r\na\r\n,-inf\r\n*2\r\n$1\r\nd\r\n,-1\r\n*2\r\n$1\r\nc\r\n,-0\r\n*2\r\n"
         "$1\r\nb\r\n,inf\r\n"},
        {"ZUNION 1 p WEIGHTS -0 WITHSCORES",
         "*8\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$2\r\n-0\r\n$1\r\nd\r\n"
         "$2\r\n-0\r\n",
         "*4\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,0\r\n*2\r\n$1\r\nc\r\n,-0\r\n*2\r\n"
         "$1\r\nd\r\n,-0\r\n"},
        {"ZUNION 2 n n WITHSCORES",
         "*6\r\n$1\r\na\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nb\r\n$3\r\ninf\r\n",
         "*3\r\n*2\r\n$1\r\na\r\n,-inf\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\nb\r\n,inf\r\n"},
        {"ZUNION 1 n WEIGHTS -1 WITHSCORES",
         "*6\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n$2\r\n-0\r\n$1\r\na\r\n$3\r\ninf\r\n",
         "*3\r\n*2\r\n$1\r\nb\r\n,-inf\r\n*2\r\n$1\r\nc\r\n,-0\r\n*2\r\n$1\r\na\r\n,inf\r\n"},
        {"ZUNIONSTORE d 1 p WEIGHTS -1", ":4\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES",
         "*8\r\n$1\r\na\r\n$4\r\n-inf\r\n$1\r\nd\r\n$2\r\n-1\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nb\r\n"
         "$3\r\ninf\r\n",
         "*4\r\n*2\r\n$1\r\na\r\n,-inf\r\n*2\r\n$1\r\nd\r\n,-1\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n"
         "$1\r\nb\r\n,inf\r\n"},
        {"ZUNIONSTORE d 1 n", ":3\r\n", SAME},
        {"ZSCORE d c", "$1\r\n0\r\n", ",0\r\n"},
        {"ZUNION 1 p WEIGHTS inf WITHSCORES",
         "*8\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\na\r\n$3\r\ninf\r\n$1\r\n"
         "d\r\n$3\r\ninf\r\n",
         "*4\r\n*2\r\n$1\r\nb\r\n,-inf\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\na\r\n,inf\r\n*2\r\n"
         "$1\r\nd\r\n,inf\r\n"},
        {"ZUNION 1 p WEIGHTS -inf WITHSCORES",
         "*8\r\n$1\r\na\r\n$4\r\n-inf\r\n$1\r\nd\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\n"
         "b\r\n$3\r\ninf\r\n",
         "*4\r\n*2\r\n$1\r\na\r\n,-inf\r\n*2\r\n$1\r\nd\r\n,-inf\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n"
         "$1\r\nb\r\n,inf\r\n"},
        {"ZUNION 1 p WEIGHTS nan", "-ERR weight value is not a float\r\n", SAME},
        {"ZUNION 1 p WEIGHTS 1e400", "-ERR weight value is not a float\r\n", SAME},
        {"ZUNION 1 p WEIGHTS 1e-400", "-ERR weight value is not a float\r\n", SAME},
        {"ZUNION 1 p WEIGHTS \" 1\"", "-ERR weight value is not a float\r\n", SAME},
        {"ZUNION 1 p WEIGHTS 0x10 WITHSCORES",
         "*8\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$2\r\n16\r\n$1\r\na\r\n"
         "$3\r\ninf\r\n",
         "*4\r\n*2\r\n$1\r\nb\r\n,-inf\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\nd\r\n,16\r\n*2\r\n"
         "$1\r\na\r\n,inf\r\n"},
        {"ZUNION 1 p WEIGHTS 1.5e3 WITHSCORES",
         "*8\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$4\r\n1500\r\n$1\r\n"
         "a\r\n$3\r\ninf\r\n",
         "*4\r\n*2\r\n$1\r\nb\r\n,-inf\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\nd\r\n,1500\r\n*2\r\n"
         "$1\r\na\r\n,inf\r\n"},
        {"ZUNION 1 p WEIGHTS \"\"", "-ERR weight value is not a float\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A stored result is a listpack when it has at most 128 members of at most 64 bytes, else a
 * skiplist; the listpack stores -0 as 0. */
START_TEST(stored_results_take_redis_encodings)
{
    static const struct exchange ex[] = {
        {"ZADD big {0..129}", ":130\r\n", SAME},
        {"ZADD small {0..127}", ":128\r\n", SAME},
        {"ZUNIONSTORE d 1 small", ":128\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nlistpack\r\n", SAME},
        {"ZUNIONSTORE d 1 big", ":130\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nskiplist\r\n", SAME},
        {"ZUNIONSTORE d 2 small big", ":130\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nskiplist\r\n", SAME},
        {"ZINTERSTORE d 2 small big", ":128\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nlistpack\r\n", SAME},
        {"ZDIFFSTORE d 2 big small", ":2\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nlistpack\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES", "*4\r\n$4\r\nm128\r\n$3\r\n128\r\n$4\r\nm129\r\n$3\r\n129\r\n",
         "*2\r\n*2\r\n$4\r\nm128\r\n,128\r\n*2\r\n$4\r\nm129\r\n,129\r\n"},
        {"ZADD long 1 " LONG65 " 2 short", ":2\r\n", SAME},
        {"OBJECT ENCODING long", "$8\r\nskiplist\r\n", SAME},
        {"ZUNIONSTORE d 1 long", ":2\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nskiplist\r\n", SAME},
        {"ZDIFFSTORE d 2 long long", ":0\r\n", SAME},
        {"EXISTS d", ":0\r\n", SAME},
        {"ZINTERSTORE d 2 long small", ":0\r\n", SAME},
        {"OBJECT ENCODING d", "$-1\r\n", "_\r\n"},
        {"ZUNIONSTORE d 1 small WEIGHTS -1", ":128\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nlistpack\r\n", SAME},
        {"ZSCORE d m0", "$1\r\n0\r\n", ",0\r\n"},
        {"ZUNIONSTORE d 1 big WEIGHTS -1", ":130\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nskiplist\r\n", SAME},
        {"ZSCORE d m0", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZADD withneg 1 " LONG65 " -0 neg 2 x", ":3\r\n", SAME},
        {"ZUNIONSTORE d 1 withneg", ":3\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nskiplist\r\n", SAME},
        {"ZSCORE d neg", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZRANGESTORE d withneg 0 -1", ":3\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nskiplist\r\n", SAME},
        {"ZSCORE d neg", "$1\r\n0\r\n", ",0\r\n"},
        {"ZRANGESTORE d withneg 0 -1 REV", ":3\r\n", SAME},
        {"ZSCORE d neg", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZRANGESTORE d big 0 128", ":129\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nskiplist\r\n", SAME},
        {"ZRANGESTORE d big 0 127", ":128\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nlistpack\r\n", SAME},
        {"ZRANGESTORE d big 0 1000 BYSCORE", ":130\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nskiplist\r\n", SAME},
        {"ZRANGESTORE d big 0 1000 BYSCORE LIMIT 0 128", ":128\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nlistpack\r\n", SAME},
        {"SADD ints 1 2 3", ":3\r\n", SAME},
        {"SADD strs a b c", ":3\r\n", SAME},
        {"ZUNIONSTORE d 2 ints strs", ":6\r\n", SAME},
        {"OBJECT ENCODING d", "$8\r\nlistpack\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES",
         "*12\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\na\r\n"
         "$1\r\n1\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n1\r\n",
         "*6\r\n*2\r\n$1\r\n1\r\n,1\r\n*2\r\n$1\r\n2\r\n,1\r\n*2\r\n$1\r\n3\r\n,1\r\n*2\r\n$1\r\n"
         "a\r\n,1\r\n*2\r\n$1\r\nb\r\n,1\r\n*2\r\n$1\r\nc\r\n,1\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* A result past the listpack limits keeps -0; ZRANGESTORE of a long rank range starts as a
 * skiplist, of a score range as a listpack that converts on the way, as in Redis. */
START_TEST(minus_zero_survives_in_skiplist_results)
{
    static const struct exchange ex[] = {
        {"ZADD bigneg {0..129}", ":130\r\n", SAME},
        {"ZADD bigneg -0 neg", ":1\r\n", SAME},
        {"ZSCORE bigneg neg", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZRANGESTORE d bigneg 0 -1", ":131\r\n", SAME},
        {"ZSCORE d neg", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZRANGESTORE d bigneg 0 1000 BYSCORE", ":131\r\n", SAME},
        {"ZSCORE d neg", "$1\r\n0\r\n", ",0\r\n"},
        {"ZRANGESTORE d bigneg 1000 -1 BYSCORE REV", ":131\r\n", SAME},
        {"ZSCORE d neg", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZUNIONSTORE d 1 bigneg", ":131\r\n", SAME},
        {"ZSCORE d neg", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZUNIONSTORE d 1 bigneg WEIGHTS -1", ":131\r\n", SAME},
        {"ZSCORE d m0", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZSCORE d neg", "$1\r\n0\r\n", ",0\r\n"},
        {"ZINTERSTORE d 2 bigneg bigneg AGGREGATE MIN", ":131\r\n", SAME},
        {"ZSCORE d neg", "$2\r\n-0\r\n", ",-0\r\n"},
        {"ZDIFFSTORE d 1 bigneg", ":131\r\n", SAME},
        {"ZSCORE d neg", "$2\r\n-0\r\n", ",-0\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* COPY of a skiplist keeps its -0 scores (its copy is a skiplist from the start). */
START_TEST(copy_of_a_skiplist_keeps_minus_zero)
{
    static const struct exchange ex[] = {
        {"ZADD z -0 a", ":1\r\n", SAME},
        {"ZADD z 1 " LONG65, ":1\r\n", SAME},
        {"ZADD z -0 b", ":1\r\n", SAME},
        {"COPY z z2", ":1\r\n", SAME},
        {"OBJECT ENCODING z2", "$8\r\nskiplist\r\n", SAME},
        {"ZRANGE z2 0 -1 WITHSCORES",
         "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$2\r\n-0\r\n$65\r\n" LONG65 "\r\n$1\r\n1\r\n",
         "*3\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,-0\r\n*2\r\n$65\r\n" LONG65 "\r\n,1\r\n"},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ==== ZRANGESTORE =================================================================== */

#define ERR_LIMIT_BY                                                                            \
    "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"

/* Any ZRANGE form but WITHSCORES, stored at dst (whatever dst held); an empty range deletes
 * dst; dst may be the source. */
START_TEST(zrangestore_stores_any_zrange)
{
    static const struct exchange ex[] = {
        {"ZRANGESTORE d s 0 -1", ":0\r\n", SAME},
        {"SET d x", "+OK\r\n", SAME},
        {"ZRANGESTORE d s 0 -1", ":0\r\n", SAME},
        {"EXISTS d", ":0\r\n", SAME},
        {"SET str x", "+OK\r\n", SAME},
        {"ZRANGESTORE str nosuch 0 -1", ":0\r\n", SAME},
        {"EXISTS str", ":0\r\n", SAME},
        {"ZADD s 1 a 2 b 3 c 4 d", ":4\r\n", SAME},
        {"SET d x", "+OK\r\n", SAME},
        {"ZRANGESTORE d s 1 2", ":2\r\n", SAME},
        {"TYPE d", "+zset\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES", "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
         "*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
        {"ZRANGESTORE d s 5 10", ":0\r\n", SAME},
        {"EXISTS d", ":0\r\n", SAME},
        {"ZRANGESTORE d s (1 +inf BYSCORE LIMIT 1 1", ":1\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES", "*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
         "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
        {"ZRANGESTORE d s +inf (1 BYSCORE REV LIMIT 0 2", ":2\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES", "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n",
         "*2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"},
        {"ZRANGESTORE d s [b + BYLEX", ":3\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES",
         "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n",
         "*3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"},
        {"ZRANGESTORE d s 0 -1 REV", ":4\r\n", SAME},
        {"ZRANGE d 0 -1 WITHSCORES",
         "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n"
         "$1\r\n4\r\n",
         "*4\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\n"
         "d\r\n,4\r\n"},
        {"ZRANGESTORE s s 0 0", ":1\r\n", SAME},
        {"ZRANGE s 0 -1 WITHSCORES", "*2\r\n$1\r\na\r\n$1\r\n1\r\n",
         "*1\r\n*2\r\n$1\r\na\r\n,1\r\n"},
        {"OBJECT ENCODING s", "$8\r\nlistpack\r\n", SAME},
        {"ZRANGESTORE d s 0 -1 BYSCORE LIMIT 0 -1", ":0\r\n", SAME},
        {"ZRANGESTORE d str 5 0", ":0\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ZRANGE's checks and texts (WITHSCORES is a syntax error), then the source's type. */
START_TEST(zrangestore_argument_errors)
{
    static const struct exchange ex[] = {
        {"ZRANGESTORE", "-ERR wrong number of arguments for 'zrangestore' command\r\n", SAME},
        {"ZRANGESTORE d s 0", "-ERR wrong number of arguments for 'zrangestore' command\r\n", SAME},
        {"ZRANGESTORE d s 0 -1 WITHSCORES", "-ERR syntax error\r\n", SAME},
        {"ZRANGESTORE d s 0 -1 LIMIT 0 1", ERR_LIMIT_BY, SAME},
        {"ZRANGESTORE d s a b", "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZRANGESTORE d s a b BYSCORE", "-ERR min or max is not a float\r\n", SAME},
        {"ZRANGESTORE d s a b BYLEX", "-ERR min or max not valid string range item\r\n", SAME},
        {"ZRANGESTORE d s 0 1 BYSCORE LIMIT x 1",
         "-ERR value is not an integer or out of range\r\n", SAME},
        {"ZRANGESTORE d s 0 1 FOO", "-ERR syntax error\r\n", SAME},
        {"ZRANGESTORE d s 0 1 BYSCORE BYLEX", "-ERR syntax error\r\n", SAME},
        {"ZRANGESTORE d s 0 1 REV REV", "-ERR syntax error\r\n", SAME},
        {"SET str x", "+OK\r\n", SAME},
        {"ZRANGESTORE d str 0 -1", WRONGTYPE, SAME},
        {"ZRANGESTORE d str 0 -1 BYSCORE LIMIT 0", "-ERR syntax error\r\n", SAME},
        {"ZRANGESTORE d str a b", "-ERR value is not an integer or out of range\r\n", SAME},
    };
    RUN_EXCHANGES(ex);
}
END_TEST

/* ==== a model of ZUNION ZINTER ZDIFF ================================================ */

/* Random inputs (zsets, plain sets, missing keys; short, integer or long member names; small,
 * fractional and infinite scores), random weights and aggregates, against a reference written
 * from Redis's algorithm: inputs sorted by size (ties in the order given) for ZUNION and ZINTER,
 * a weighted score NaN read as 0, an inf - inf sum 0, a NaN term never winning MIN or MAX,
 * ZDIFF keeping the first input's scores; the result in (score, member) order, its scores
 * compared bit for bit (-0 too). STORE forms: the same members, -0 stored as 0 in a result that
 * fits a listpack (at most 128 members of at most 64 bytes), OBJECT ENCODING to match, an empty
 * result deleting the destination. The seed is printed; GROVE_TEST_SEED=<n> replays a run. */

#define MODEL_KEYS 4
#define MODEL_MAX_MEMBERS 150
#define MODEL_ROUNDS 300

struct model_member {
    char name[80];
    double score;
};

struct model_input {
    size_t n, pos;
    struct model_member m[MODEL_MAX_MEMBERS];
    double weight;
};

enum model_op { MODEL_UNION, MODEL_INTER, MODEL_DIFF };
enum model_agg { MODEL_SUM, MODEL_MIN, MODEL_MAX };
static const char *const model_op_names[] = {"zunion", "zinter", "zdiff"};
static const char *const model_agg_names[] = {"sum", "min", "max"};

static uint64_t model_state;

static uint64_t model_seed(void)
{
    const char *env = getenv("GROVE_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
    fprintf(stderr, "check_zset_ops: model seed %llu (GROVE_TEST_SEED=%llu to replay)\n",
            (unsigned long long)seed, (unsigned long long)seed);
    return seed ? seed : 1;
}

static size_t model_below(size_t n)
{
    model_state ^= model_state >> 12;
    model_state ^= model_state << 25;
    model_state ^= model_state >> 27;
    return (size_t)((model_state * 2685821657736338717ULL) >> 11) % n;
}

static bool same_double(double a, double b)
{
    return a == b ? signbit(a) == signbit(b) : isnan(a) && isnan(b);
}

static int model_cmp_names(const char *a, const char *b)
{
    return strcmp(a, b); /* names hold no NUL: byte order, shorter first */
}

static bool model_find(const struct model_input *in, const char *name, double *score)
{
    for (size_t i = 0; i < in->n; i++) {
        if (strcmp(in->m[i].name, name) == 0) {
            *score = in->m[i].score;
            return true;
        }
    }
    return false;
}

static void model_aggregate(double *target, double v, enum model_agg agg)
{
    if (agg == MODEL_SUM) {
        *target += v;
        if (isnan(*target))
            *target = 0;
    } else if (agg == MODEL_MIN) {
        *target = v < *target ? v : *target;
    } else {
        *target = v > *target ? v : *target;
    }
}

static double model_weigh(const struct model_input *in, double score)
{
    double w = in->weight * score;
    return isnan(w) ? 0 : w;
}

/* Add a member to the result or aggregate into it. */
static void model_add(struct model_member *out, size_t *n, const char *name, double score,
                      enum model_agg agg)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(out[i].name, name) == 0) {
            model_aggregate(&out[i].score, score, agg);
            return;
        }
    }
    snprintf(out[*n].name, sizeof(out[*n].name), "%s", name);
    out[(*n)++].score = score;
}

static int model_cmp_members(const void *a, const void *b)
{
    const struct model_member *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return model_cmp_names(x->name, y->name);
}

/* Inputs in[0..n) in argument order; the result into out, sorted; returns its size. */
static size_t model_compute(struct model_input *const *in, size_t n, enum model_op op,
                            enum model_agg agg, struct model_member *out)
{
    const struct model_input *ord[MODEL_KEYS];
    size_t count = 0;
    double v;
    memcpy(ord, in, n * sizeof(*ord));
    for (size_t i = 1; op != MODEL_DIFF && i < n; i++) /* stable insertion sort by size */
        for (size_t j = i; j > 0 && ord[j - 1]->n > ord[j]->n; j--) {
            const struct model_input *t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    for (size_t i = 0; i < (op == MODEL_UNION ? n : 1); i++) {
        for (size_t k = 0; k < ord[i]->n; k++) {
            const struct model_member *m = &ord[i]->m[k];
            double total = op == MODEL_DIFF ? m->score : model_weigh(ord[i], m->score);
            size_t j = 1;
            for (; op == MODEL_INTER && j < n && model_find(ord[j], m->name, &v); j++)
                model_aggregate(&total, v * ord[j]->weight, agg);
            for (; op == MODEL_DIFF && j < n && !model_find(ord[j], m->name, &v); j++)
                ;
            if (op == MODEL_UNION || j == n)
                model_add(out, &count, m->name, total, agg);
        }
    }
    qsort(out, count, sizeof(*out), model_cmp_members);
    return count;
}

/* A command from words, through hiredis (binary safe). */
static redisReply *model_cmd(size_t argc, const char **argv)
{
    redisReply *r = redisCommandArgv(harness_ctx, (int)argc, argv, NULL);
    ck_assert_ptr_nonnull(r);
    return r;
}

/* The universe of member names this round: short, integer (intsets for plain sets) or long. */
static void model_name(char *buf, size_t cap, size_t style, size_t i)
{
    if (style == 0)
        snprintf(buf, cap, "e%zu", i);
    else if (style == 1)
        snprintf(buf, cap, "%zu", i);
    else
        snprintf(buf, cap, "%065zu", i);
}

/* Key k<i>: missing, a plain set or a zset over a random part of the universe; then read back
 * into in (a listpack's -0 is 0 by then, so the model sees what the server holds). */
static void model_make_input(size_t i, size_t universe, size_t style, struct model_input *in)
{
    static const char *const scores[] = {"-2", "-1", "-0.5", "0", "-0", "0.25", "1", "1.5",
                                         "3", "7", "inf", "-inf"};
    static const double density[] = {0.3, 0.6, 0.9};
    char key[8], names[MODEL_MAX_MEMBERS][80];
    const char *argv[2 + 2 * MODEL_MAX_MEMBERS];
    size_t kind = model_below(6), argc = 2;
    double keep = density[model_below(3)];
    snprintf(key, sizeof(key), "k%zu", i);
    argv[0] = kind < 2 ? "SADD" : "ZADD";
    argv[1] = key;
    for (size_t u = 0; kind > 0 && u < universe; u++) {
        if ((double)model_below(1000) >= keep * 1000)
            continue;
        model_name(names[u], sizeof(names[u]), style, u);
        if (kind >= 2)
            argv[argc++] = scores[model_below(sizeof(scores) / sizeof(scores[0]))];
        argv[argc++] = names[u];
    }
    if (argc > 2)
        freeReplyObject(model_cmd(argc, argv));
    *in = (struct model_input){.weight = 1, .pos = i};
    redisReply *r = harness_cmd(harness_ctx, kind >= 2 ? "ZRANGE %s 0 -1 WITHSCORES"
                                                        : "SMEMBERS %s", key);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    size_t step = kind >= 2 ? 2 : 1;
    for (size_t e = 0; e < r->elements; e += step) {
        struct model_member *m = &in->m[in->n++];
        snprintf(m->name, sizeof(m->name), "%s", r->element[e]->str);
        m->score = step == 2 ? strtod(r->element[e + 1]->str, NULL) : 1.0;
    }
    freeReplyObject(r);
}

/* Check a WITHSCORES reply (RESP2: flat) or a ZRANGE of the stored result against want. */
static void model_expect(redisReply *r, const struct model_member *want, size_t n,
                         const char *what)
{
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 2 * n,
                  "%s: %zu members expected, reply type %d with %zu elements", what, n, r->type,
                  r->elements);
    for (size_t i = 0; i < n; i++) {
        double got = strtod(r->element[2 * i + 1]->str, NULL);
        ck_assert_msg(strcmp(r->element[2 * i]->str, want[i].name) == 0 &&
                          same_double(got, want[i].score),
                      "%s: member %zu is %s %s, expected %s %.17g", what, i,
                      r->element[2 * i]->str, r->element[2 * i + 1]->str, want[i].name,
                      want[i].score);
    }
    freeReplyObject(r);
}

/* A request's words after the command name (and destination): numkeys, keys, options. */
struct model_request {
    const char *argv[32];
    size_t argc;
    char numkeys[8], weights[MODEL_KEYS][32];
};

static void model_request(struct model_request *q, const char *cmd, const char *dst,
                          struct model_input *const *in, size_t n, bool weights)
{
    static const char *const keys[] = {"k0", "k1", "k2", "k3"};
    q->argc = 0;
    q->argv[q->argc++] = cmd;
    if (dst != NULL)
        q->argv[q->argc++] = dst;
    snprintf(q->numkeys, sizeof(q->numkeys), "%zu", n);
    q->argv[q->argc++] = q->numkeys;
    for (size_t i = 0; i < n; i++)
        q->argv[q->argc++] = keys[in[i]->pos];
    if (weights) {
        q->argv[q->argc++] = "WEIGHTS";
        for (size_t i = 0; i < n; i++) {
            snprintf(q->weights[i], sizeof(q->weights[i]), "%.17g", in[i]->weight);
            q->argv[q->argc++] = q->weights[i];
        }
    }
}

/* ZUNION and ZINTER (with or without STORE) take AGGREGATE, ZDIFF does not. */
static void model_request_op(struct model_request *q, const char *cmd, const char *dst,
                             struct model_input *const *in, size_t n, enum model_op op,
                             enum model_agg agg, bool weights)
{
    model_request(q, cmd, dst, in, n, weights);
    if (op != MODEL_DIFF) {
        q->argv[q->argc++] = "AGGREGATE";
        q->argv[q->argc++] = model_agg_names[agg];
    }
}

/* ZINTERCARD with a random LIMIT (0: none, or past the count). */
static void model_intercard(struct model_input *const *in, size_t n, size_t count)
{
    struct model_request q;
    char limit[24];
    size_t l = model_below(count + 2);
    model_request(&q, "zintercard", NULL, in, n, false);
    snprintf(limit, sizeof(limit), "%zu", l);
    q.argv[q.argc++] = "LIMIT";
    q.argv[q.argc++] = limit;
    harness_expect_int(model_cmd(q.argc, q.argv), (long long)(l == 0 || l > count ? count : l));
}

/* The STORE form's result: -0 stored as 0 when it fits a listpack. Returns whether it fits. */
static bool model_stored(struct model_member *want, size_t count)
{
    size_t maxlen = 0;
    for (size_t i = 0; i < count; i++)
        maxlen = strlen(want[i].name) > maxlen ? strlen(want[i].name) : maxlen;
    bool fits = count <= 128 && maxlen <= 64;
    for (size_t i = 0; fits && i < count; i++)
        if (want[i].score == 0)
            want[i].score = 0.0;
    return fits;
}

/* One random request over the inputs, replied, stored and (ZINTER) counted, against the
 * model. */
static void model_round(const struct model_input *inputs, size_t round)
{
    static const double weights[] = {1, 2, -1, 0.5, 0, 3, -0.25, INFINITY};
    static struct model_member want[MODEL_KEYS * MODEL_MAX_MEMBERS];
    static struct model_input args[MODEL_KEYS]; /* per position: a key may come twice */
    struct model_input *in[MODEL_KEYS];
    struct model_request q;
    char what[64], cmd[16];
    size_t n = 1 + model_below(MODEL_KEYS);
    enum model_op op = (enum model_op)model_below(3);
    enum model_agg agg = (enum model_agg)model_below(3);
    bool weighted = op != MODEL_DIFF && model_below(2);
    for (size_t i = 0; i < n; i++) {
        args[i] = inputs[model_below(MODEL_KEYS)];
        args[i].weight = weighted ? weights[model_below(sizeof(weights) / sizeof(weights[0]))] : 1;
        in[i] = &args[i];
    }
    size_t count = model_compute(in, n, op, agg, want);
    snprintf(what, sizeof(what), "round %zu %s", round, model_op_names[op]);
    model_request_op(&q, model_op_names[op], NULL, in, n, op, agg, weighted);
    q.argv[q.argc++] = "WITHSCORES";
    model_expect(model_cmd(q.argc, q.argv), want, count, what);
    if (op == MODEL_INTER)
        model_intercard(in, n, count);

    snprintf(cmd, sizeof(cmd), "%sstore", model_op_names[op]);
    model_request_op(&q, cmd, "dst", in, n, op, agg, weighted);
    harness_expect_int(model_cmd(q.argc, q.argv), (long long)count);
    bool fits = model_stored(want, count);
    snprintf(what, sizeof(what), "round %zu %s", round, cmd);
    model_expect(harness_cmd(harness_ctx, "ZRANGE dst 0 -1 WITHSCORES"), want, count, what);
    if (count > 0)
        harness_expect_str(harness_cmd(harness_ctx, "OBJECT ENCODING dst"),
                           fits ? "listpack" : "skiplist");
    else
        harness_expect_int(harness_cmd(harness_ctx, "EXISTS dst"), 0);
}

/* The model against the server, MODEL_ROUNDS times over fresh inputs. */
START_TEST(zunion_zinter_zdiff_match_a_model)
{
    static const size_t universes[] = {6, 12, MODEL_MAX_MEMBERS};
    static struct model_input inputs[MODEL_KEYS];
    model_state = model_seed();
    for (size_t round = 0; round < MODEL_ROUNDS; round++) {
        size_t universe = universes[model_below(3)], style = model_below(3);
        freeReplyObject(harness_cmd(harness_ctx, "DEL k0 k1 k2 k3 dst"));
        for (size_t i = 0; i < MODEL_KEYS; i++)
            model_make_input(i, universe, style, &inputs[i]);
        model_round(inputs, round);
    }
}
END_TEST

/* Lex ranges over members of different scores are unspecified, but a
 * small (listpack) sorted set answers them deterministically in Redis: the
 * range is empty unless the last member is >= min and the first <= max
 * (zzlIsInLexRange), a forward range runs from the first member >= min
 * while members are <= max, a reverse one from the last member <= max
 * while they are >= min. Replies recorded from redis-server 7.0.15. */
START_TEST(lex_ranges_of_mixed_scores_walk_as_a_listpack)
{
    static const struct exchange ex[] = {
        {"ZADD zl 1 b 2 a 3 c", ":3\r\n", SAME},
        {"ZRANGEBYLEX zl - [b", "*2\r\n$1\r\nb\r\n$1\r\na\r\n", SAME},
        {"ZREVRANGEBYLEX zl [b -", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", SAME},
        {"ZLEXCOUNT zl - [b", ":2\r\n", SAME},
        {"ZRANGE zl [b - BYLEX REV LIMIT 0 1", "*1\r\n$1\r\na\r\n", SAME},
        {"ZREMRANGEBYLEX zl - [b", ":2\r\n", SAME},
        {"ZRANGE zl 0 -1", "*1\r\n$1\r\nc\r\n", SAME},
        {"ZADD zm -2 b 1 2", ":2\r\n", SAME},
        {"ZRANGEBYLEX zm (a [c", "*0\r\n", SAME},
        {"ZREMRANGEBYLEX zm (a [c", ":0\r\n", SAME},
        {"ZADD zn -0.5 c 1 -3", ":2\r\n", SAME},
        {"ZLEXCOUNT zn - [b", ":0\r\n", SAME},
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

    tc = harness_server_case("zrandmember", NULL, NULL);
    tcase_add_loop_test(tc, zrandmember_replies_without_randomness, 2, 4);
    tcase_add_loop_test(tc, zrandmember_of_a_skiplist_without_randomness, 2, 4);
    tcase_add_loop_test(tc, zrandmember_of_a_missing_key_or_another_type, 2, 4);
    tcase_add_loop_test(tc, zrandmember_argument_errors, 2, 4);
    tcase_add_loop_test(tc, zrandmember_picks_are_uniform, 0, 2);
    suite_add_tcase(s, tc);

    tc = harness_server_case("zunion zinter zdiff", NULL, NULL);
    tcase_add_loop_test(tc, zunion_zinter_zdiff_argument_errors, 2, 4);
    tcase_add_loop_test(tc, weights_aggregates_and_plain_sets, 2, 4);
    tcase_add_loop_test(tc, infinities_nan_and_minus_zero, 2, 4);
    tcase_add_loop_test(tc, stored_results_take_redis_encodings, 2, 4);
    tcase_add_loop_test(tc, minus_zero_survives_in_skiplist_results, 2, 4);
    tcase_add_loop_test(tc, copy_of_a_skiplist_keeps_minus_zero, 2, 4);
    suite_add_tcase(s, tc);

    tc = harness_server_case("model", NULL, NULL);
    tcase_add_test(tc, zunion_zinter_zdiff_match_a_model);
    suite_add_tcase(s, tc);

    tc = harness_server_case("zrangestore", NULL, NULL);
    tcase_add_loop_test(tc, zrangestore_stores_any_zrange, 2, 4);
    tcase_add_loop_test(tc, zrangestore_argument_errors, 2, 4);
    tcase_add_loop_test(tc, lex_ranges_of_mixed_scores_walk_as_a_listpack, 2, 4);
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
