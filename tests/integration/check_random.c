/*
 * check_random.c - every random pick is uniform: SRANDMEMBER (without a
 * count, with a positive and a negative one), SPOP (with and without a
 * count), HRANDFIELD, ZRANDMEMBER, RANDOMKEY and allkeys-random eviction,
 * on 10 elements in their compact and their table forms.
 *
 * Each test draws 1,000 or more picks and applies Pearson's chi-square
 * test with 9 degrees of freedom: a statistic above 40 happens to a fair
 * pick about once in 100,000 runs, while a pick that favours some members
 * (Redis's bucket-then-chain walk on a hashtable, a shard drawn without
 * regard to its size) goes far past it. Picks without replacement (a
 * positive count) count how often each member is included: such counts
 * vary less than independent ones, so the same bound is conservative.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"

#define K 10          /* members m0..m9 (or 0..9, f0..f9, k0..k9) */
#define DRAWS 1000
#define CHI2_LIMIT 40 /* 9 degrees of freedom: p ~ 1e-5 for a fair pick */

struct tally {
    size_t n[K];
    size_t total;
};

/* Count one pick: the member's index is its trailing digit. */
static void tally_add(struct tally *t, const char *s, size_t len)
{
    ck_assert_uint_gt(len, 0);
    int i = s[len - 1] - '0';
    ck_assert_msg(i >= 0 && i < K, "unexpected pick %.*s", (int)len, s);
    t->n[i]++;
    t->total++;
}

/* Every string of an array reply (a pair reply's first of each two). */
static void tally_array(struct tally *t, redisReply *r, size_t step)
{
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < r->elements; i += step)
        tally_add(t, r->element[i]->str, r->element[i]->len);
}

static void expect_uniform(const struct tally *t, const char *what)
{
    double expected = (double)t->total / K, x = 0;
    for (int i = 0; i < K; i++)
        x += ((double)t->n[i] - expected) * ((double)t->n[i] - expected) / expected;
    ck_assert_msg(x < CHI2_LIMIT, "%s: chi-square %.1f over %zu picks (%zu %zu %zu %zu %zu %zu "
                                  "%zu %zu %zu %zu)",
                  what, x, t->total, t->n[0], t->n[1], t->n[2], t->n[3], t->n[4], t->n[5],
                  t->n[6], t->n[7], t->n[8], t->n[9]);
}

/* Send `cmd` n times at once, then tally each reply (a string, or an
 * array's strings). */
static void tally_pipelined(struct tally *t, const char *cmd, int n)
{
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(redisAppendCommand(harness_ctx, cmd), REDIS_OK);
    for (int i = 0; i < n; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(harness_ctx, (void **)&r), REDIS_OK);
        if (r->type == REDIS_REPLY_ARRAY)
            tally_array(t, r, 1);
        else
            tally_add(t, r->str, r->len);
        freeReplyObject(r);
    }
}

/* A single command's array reply, tallied (every `step`-th element). */
static void tally_reply(struct tally *t, size_t want, size_t step, const char *cmd)
{
    redisReply *r = CMD(cmd);
    ck_assert_uint_eq(r->elements, want);
    tally_array(t, r, step);
    freeReplyObject(r);
}

#define SET_MEMBERS "m0 m1 m2 m3 m4 m5 m6 m7 m8 m9"

/* ---- sets ---------------------------------------------------------------------------- */

static void srandmember_forms(const char *key, const char *encoding)
{
    struct tally one = {0}, neg = {0}, pos = {0};
    char cmd[64];
    EXPECT_ENCODING(key, encoding);
    snprintf(cmd, sizeof(cmd), "SRANDMEMBER %s", key);
    tally_pipelined(&one, cmd, DRAWS);
    expect_uniform(&one, "SRANDMEMBER");
    snprintf(cmd, sizeof(cmd), "SRANDMEMBER %s -%d", key, DRAWS);
    tally_reply(&neg, DRAWS, 1, cmd);
    expect_uniform(&neg, "SRANDMEMBER -count");
    snprintf(cmd, sizeof(cmd), "SRANDMEMBER %s 3", key);
    tally_pipelined(&pos, cmd, DRAWS / 2);
    expect_uniform(&pos, "SRANDMEMBER count");
}

START_TEST(srandmember_is_uniform_on_a_hashtable_set)
{
    EXPECT_INT(K, "SADD s " SET_MEMBERS);
    srandmember_forms("s", "hashtable");
}
END_TEST

START_TEST(srandmember_is_uniform_on_an_intset)
{
    EXPECT_INT(K, "SADD s 0 1 2 3 4 5 6 7 8 9");
    srandmember_forms("s", "intset");
}
END_TEST

/* Each round pops from the whole set, then puts the members back. */
START_TEST(spop_is_uniform_with_and_without_count)
{
    struct tally one = {0}, three = {0};
    EXPECT_INT(K, "SADD s " SET_MEMBERS);
    EXPECT_ENCODING("s", "hashtable");
    for (int i = 0; i < DRAWS; i++) {
        redisReply *r = CMD("SPOP s");
        tally_add(&one, r->str, r->len);
        freeReplyObject(r);
        EXPECT_INT(1, "SADD s " SET_MEMBERS);
    }
    expect_uniform(&one, "SPOP");
    for (int i = 0; i < DRAWS / 2; i++) {
        tally_reply(&three, 3, 1, "SPOP s 3");
        EXPECT_INT(3, "SADD s " SET_MEMBERS);
    }
    expect_uniform(&three, "SPOP count");
}
END_TEST

/* ---- hashes and sorted sets --------------------------------------------------------- */

static void hrandfield_forms(const char *encoding)
{
    struct tally one = {0}, neg = {0}, pos = {0};
    EXPECT_INT(K, "HSET h f0 v f1 v f2 v f3 v f4 v f5 v f6 v f7 v f8 v f9 v");
    EXPECT_ENCODING("h", encoding);
    tally_pipelined(&one, "HRANDFIELD h", DRAWS);
    expect_uniform(&one, "HRANDFIELD");
    tally_reply(&neg, 2 * DRAWS, 2, "HRANDFIELD h -1000 WITHVALUES");
    expect_uniform(&neg, "HRANDFIELD -count");
    tally_pipelined(&pos, "HRANDFIELD h 3", DRAWS / 2);
    expect_uniform(&pos, "HRANDFIELD count");
}

START_TEST(hrandfield_is_uniform_on_a_hashtable)
{
    EXPECT_OK("CONFIG SET hash-max-listpack-entries 0");
    hrandfield_forms("hashtable");
    EXPECT_OK("CONFIG SET hash-max-listpack-entries 512");
}
END_TEST

START_TEST(hrandfield_is_uniform_on_a_listpack)
{
    hrandfield_forms("listpack");
}
END_TEST

START_TEST(zrandmember_is_uniform)
{
    struct tally one = {0}, neg = {0}, pos = {0};
    EXPECT_INT(K, "ZADD z 0 m0 1 m1 2 m2 3 m3 4 m4 5 m5 6 m6 7 m7 8 m8 9 m9");
    tally_pipelined(&one, "ZRANDMEMBER z", DRAWS);
    expect_uniform(&one, "ZRANDMEMBER");
    tally_reply(&neg, DRAWS, 1, "ZRANDMEMBER z -1000");
    expect_uniform(&neg, "ZRANDMEMBER -count");
    tally_pipelined(&pos, "ZRANDMEMBER z 3", DRAWS / 2);
    expect_uniform(&pos, "ZRANDMEMBER count");
}
END_TEST

/* ---- keys ------------------------------------------------------------------------------ */

/* Ten keys land in the shards unevenly: a pick must weigh each shard by
 * its keys. */
START_TEST(randomkey_is_uniform)
{
    struct tally t = {0};
    EXPECT_OK("MSET k0 v k1 v k2 v k3 v k4 v k5 v k6 v k7 v k8 v k9 v");
    tally_pipelined(&t, "RANDOMKEY", DRAWS);
    expect_uniform(&t, "RANDOMKEY");
}
END_TEST

/* allkeys-random, one eviction at a time: with ten 20 KB keys, a limit
 * 2 KB under the memory in use makes the next command evict one key
 * (rarely two, or none when memory moved meanwhile: those rounds count
 * what they evicted). The evicted key is put back each round. */
START_TEST(allkeys_random_eviction_is_uniform)
{
    if (UNDER_ASAN) {
        fprintf(stderr, "check_random: skipped allkeys_random_eviction_is_uniform under "
                        "AddressSanitizer (used_memory is the RSS there)\n");
        return;
    }
    static char value[20001];
    memset(value, 'v', sizeof(value) - 1);
    struct tally t = {0};
    EXPECT_OK("CONFIG SET maxmemory-policy allkeys-random");
    for (int i = 0; i < K; i++)
        EXPECT_OK("SET k%d %s", i, value);
    long long deadline = harness_now_ms() + 60000;
    while (t.total < DRAWS && harness_now_ms() < deadline) {
        long long used = harness_info_ll(harness_ctx, "memory", "used_memory");
        EXPECT_OK("CONFIG SET maxmemory %lld", used - 2000);
        EXPECT_STATUS("PONG", "PING");
        EXPECT_OK("CONFIG SET maxmemory 0");
        for (int i = 0; i < K; i++) {
            if (harness_cmd_int(harness_ctx, "EXISTS k%d", i) == 1)
                continue;
            t.n[i]++;
            t.total++;
            EXPECT_OK("SET k%d %s", i, value);
        }
    }
    ck_assert_uint_ge(t.total, DRAWS);
    expect_uniform(&t, "allkeys-random eviction");
    EXPECT_OK("CONFIG SET maxmemory-policy noeviction");
}
END_TEST

static Suite *random_suite(void)
{
    Suite *s = suite_create("random");
    TCase *tc = harness_server_case("collections", NULL, NULL);
    tcase_add_test(tc, srandmember_is_uniform_on_a_hashtable_set);
    tcase_add_test(tc, srandmember_is_uniform_on_an_intset);
    tcase_add_test(tc, spop_is_uniform_with_and_without_count);
    tcase_add_test(tc, hrandfield_is_uniform_on_a_hashtable);
    tcase_add_test(tc, hrandfield_is_uniform_on_a_listpack);
    tcase_add_test(tc, zrandmember_is_uniform);
    suite_add_tcase(s, tc);
    tc = harness_server_case("keys", NULL, NULL);
    tcase_add_test(tc, randomkey_is_uniform);
    tcase_add_test(tc, allkeys_random_eviction_is_uniform);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(random_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
