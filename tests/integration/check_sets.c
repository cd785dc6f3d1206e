/*
 * check_sets.c - the set commands end to end, against a real grove-server:
 * replies and error texts as redis-server 7.0.15 gives them, missing keys
 * as empty sets, the STORE forms (overwriting or deleting the
 * destination), SPOP/SRANDMEMBER counts, SMOVE, SINTERCARD LIMIT, SSCAN,
 * WRONGTYPE both ways, OBJECT ENCODING (intset up to 512 integers, else
 * hashtable: Redis 7.0 has no listpack sets), the key vanishing with its
 * last member, WATCH, and RESP3 shapes. Hashtable sets reply in map order,
 * so those replies are compared as sets.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"

/* ---- helpers ------------------------------------------------------------------- */

/* Every element of an array reply is a member of `key` (SISMEMBER). */
static void expect_members_of(redisReply *r, const char *key, size_t n)
{
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_STRING);
        EXPECT_INT(1, "SISMEMBER %s %b", key, r->element[i]->str, r->element[i]->len);
    }
    freeReplyObject(r);
}

/* ---- basics -------------------------------------------------------------------- */

START_TEST(sadd_srem_scard_sismember)
{
    EXPECT_INT(3, "SADD s a b c");
    EXPECT_INT(1, "SADD s a d a");
    EXPECT_INT(4, "SCARD s");
    EXPECT_INT(0, "SCARD nokey");
    EXPECT_INT(1, "SISMEMBER s a");
    EXPECT_INT(0, "SISMEMBER s zz");
    EXPECT_INT(0, "SISMEMBER nokey a");
    redisReply *r = CMD("SMISMEMBER s a zz d");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 3);
    ck_assert_int_eq(r->element[0]->integer, 1);
    ck_assert_int_eq(r->element[1]->integer, 0);
    ck_assert_int_eq(r->element[2]->integer, 1);
    freeReplyObject(r);
    r = CMD("SMISMEMBER nokey a b");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_int_eq(r->element[0]->integer, 0);
    ck_assert_int_eq(r->element[1]->integer, 0);
    freeReplyObject(r);
    EXPECT_SET(((const char *[]){"a", "b", "c", "d"}), "SMEMBERS s");
    EXPECT_EMPTY("SMEMBERS nokey");
    EXPECT_INT(2, "SREM s a b zz a");
    EXPECT_INT(0, "SREM s a");
    EXPECT_INT(0, "SREM nokey a");
    EXPECT_SET(((const char *[]){"c", "d"}), "SMEMBERS s");
    harness_expect_status(CMD("TYPE s"), "set");
}
END_TEST

START_TEST(empty_and_binary_members)
{
    EXPECT_INT(2, "SADD s %b %b", "", (size_t)0, "a\0b", (size_t)3);
    EXPECT_INT(1, "SISMEMBER s %b", "", (size_t)0);
    EXPECT_INT(1, "SISMEMBER s %b", "a\0b", (size_t)3);
    EXPECT_INT(0, "SISMEMBER s a");
    EXPECT_INT(2, "SCARD s");
}
END_TEST

START_TEST(last_member_gone_deletes_the_key)
{
    EXPECT_INT(2, "SADD s a b");
    EXPECT_INT(2, "SREM s a b");
    EXPECT_INT(0, "EXISTS s");
    EXPECT_INT(1, "SADD s x");
    EXPECT_STR("x", "SPOP s");
    EXPECT_INT(0, "EXISTS s");
    EXPECT_INT(2, "SADD s 1 2");
    EXPECT_ARRAY(((const char *[]){"1", "2"}), "SPOP s 5");
    EXPECT_INT(0, "EXISTS s");
    EXPECT_INT(1, "SADD s 1");
    EXPECT_INT(1, "SMOVE s d 1");
    EXPECT_INT(0, "EXISTS s");
    EXPECT_INT(1, "EXISTS d");
}
END_TEST

START_TEST(arity_errors_follow_redis)
{
    EXPECT_ERR("ERR wrong number of arguments for 'sadd' command", "SADD s");
    EXPECT_ERR("ERR wrong number of arguments for 'srem' command", "SREM s");
    EXPECT_ERR("ERR wrong number of arguments for 'smove' command", "SMOVE a b");
    EXPECT_ERR("ERR wrong number of arguments for 'sintercard' command", "SINTERCARD 1");
    EXPECT_ERR("ERR wrong number of arguments for 'sinterstore' command", "SINTERSTORE d");
    EXPECT_ERR("ERR wrong number of arguments for 'sinter' command", "SINTER");
    EXPECT_ERR("ERR wrong number of arguments for 'sscan' command", "SSCAN s");
    EXPECT_ERR(ERR_SYNTAX, "SPOP s 1 2");
    EXPECT_ERR(ERR_SYNTAX, "SRANDMEMBER s 1 2");
}
END_TEST

/* ---- types and encodings ------------------------------------------------------------ */

START_TEST(wrongtype_both_ways)
{
    EXPECT_OK("SET str x");
    EXPECT_INT(1, "SADD s a");
    const char *const cmds[] = {
        "SADD str a", "SREM str a", "SCARD str", "SISMEMBER str a", "SMISMEMBER str a",
        "SMEMBERS str", "SPOP str", "SPOP str 0", "SRANDMEMBER str", "SRANDMEMBER str 0",
        "SINTER s str", "SINTER nokey str", "SUNION nokey str", "SDIFF nokey str",
        "SINTERSTORE d nokey str", "SUNIONSTORE d s str", "SDIFFSTORE d s str",
        "SINTERCARD 2 s str", "SMOVE str s a", "SMOVE s str a", "SMOVE str str a",
        "SSCAN str 0"};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        EXPECT_ERR(ERR_WRONGTYPE, cmds[i]);
    EXPECT_INT(0, "EXISTS d");
    EXPECT_INT(0, "SMOVE nokey str a"); /* a missing source wins over the type check */
    EXPECT_ERR(ERR_WRONGTYPE, "GET s");
    EXPECT_ERR(ERR_WRONGTYPE, "HSET s f v");
    EXPECT_ERR(ERR_WRONGTYPE, "INCR s");
}
END_TEST

START_TEST(encoding_intset_then_hashtable)
{
    EXPECT_INT(3, "SADD s 1 2 3");
    EXPECT_ENCODING("s", "intset");
    EXPECT_INT(1, "SADD s a");
    EXPECT_ENCODING("s", "hashtable");
    EXPECT_INT(1, "SREM s a");
    EXPECT_ENCODING("s", "hashtable"); /* never back */
    EXPECT_INT(1, "SADD t 01");
    EXPECT_ENCODING("t", "hashtable");
    EXPECT_INT(1, "SADD u -9223372036854775808");
    EXPECT_ENCODING("u", "intset");
    EXPECT_INT(1, "SADD v 9223372036854775808");
    EXPECT_ENCODING("v", "hashtable");
    for (int i = 0; i < 512; i++)
        EXPECT_INT(1, "SADD big %d", i);
    EXPECT_ENCODING("big", "intset");
    EXPECT_INT(0, "SADD big 0");
    EXPECT_ENCODING("big", "intset");
    EXPECT_INT(1, "SADD big 512");
    EXPECT_ENCODING("big", "hashtable");
    EXPECT_INT(513, "SCARD big");
    /* SMOVE to a new key creates it from the member; to an intset a
     * non-integer converts it */
    EXPECT_INT(2, "SADD a 1 x");
    EXPECT_INT(1, "SMOVE a n1 1");
    EXPECT_ENCODING("n1", "intset");
    EXPECT_INT(1, "SMOVE a n1 x");
    EXPECT_ENCODING("n1", "hashtable");
    /* STORE results pick their encoding from their members */
    EXPECT_INT(3, "SADD p 1 2 x");
    EXPECT_INT(3, "SADD q 1 2 y");
    EXPECT_INT(2, "SINTERSTORE d p q");
    EXPECT_ENCODING("d", "intset");
    EXPECT_INT(4, "SUNIONSTORE d p q");
    EXPECT_ENCODING("d", "hashtable");
}
END_TEST

START_TEST(intsets_reply_in_ascending_order)
{
    EXPECT_INT(4, "SADD i 5 3 -1 10");
    EXPECT_ARRAY(((const char *[]){"-1", "3", "5", "10"}), "SMEMBERS i");
    EXPECT_INT(2, "SADD j 10 -7");
    EXPECT_ARRAY(((const char *[]){"-7", "-1", "3", "5", "10"}), "SUNION i j");
    EXPECT_ARRAY(((const char *[]){"-1", "3", "5"}), "SDIFF i j");
    EXPECT_ARRAY(((const char *[]){"10"}), "SINTER i j");
    redisReply *r = CMD("SSCAN i 0");
    ck_assert_str_eq(r->element[0]->str, "0");
    harness_expect_array(r->element[1], 4, (const char *[]){"-1", "3", "5", "10"});
    r->element[1] = NULL; /* freed above */
    freeReplyObject(r);
    EXPECT_ARRAY(((const char *[]){"-1", "3", "5", "10"}), "SPOP i 10");
    EXPECT_INT(0, "EXISTS i");
}
END_TEST

START_TEST(copy_of_a_set_is_deep)
{
    EXPECT_INT(2, "SADD s a b");
    EXPECT_INT(1, "COPY s c");
    EXPECT_INT(1, "SADD s z");
    EXPECT_INT(2, "SCARD c");
    EXPECT_INT(0, "SISMEMBER c z");
    EXPECT_INT(3, "SADD n 1 2 3");
    EXPECT_INT(1, "COPY n m");
    EXPECT_ENCODING("m", "intset");
}
END_TEST

/* ---- SPOP, SRANDMEMBER ------------------------------------------------------------------ */

/* Pop `count` from `key`, whose members were names[0..n-1] of which
 * left[i] says which are still there, and check: as many as asked (or all
 * that are left), each one still there before (so distinct), gone after. */
static void pop_and_check(const char *key, long count, const char *const *names, bool *left,
                          size_t n)
{
    size_t still = 0;
    for (size_t i = 0; i < n; i++)
        still += left[i];
    redisReply *r = CMD("SPOP %s %ld", key, count);
    size_t want = (size_t)count < still ? (size_t)count : still;
    harness_assert_array(r, want);
    for (size_t i = 0; i < r->elements; i++) {
        size_t k = 0;
        while (k < n && strcmp(names[k], r->element[i]->str) != 0)
            k++;
        ck_assert_msg(k < n && left[k], "SPOP gave %s, not a member left", r->element[i]->str);
        left[k] = false; /* a second pop of it fails the check above */
        EXPECT_INT(0, "SISMEMBER %s %s", key, r->element[i]->str);
    }
    freeReplyObject(r);
}

START_TEST(spop_counts)
{
    static const char *const names[] = {"a", "b", "c", "d", "e"};
    bool left[5] = {true, true, true, true, true};
    EXPECT_ERR(ERR_POSITIVE, "SPOP s -1");
    EXPECT_ERR(ERR_POSITIVE, "SPOP s abc");
    EXPECT_NIL("SPOP nokey");
    EXPECT_EMPTY("SPOP nokey 2");
    EXPECT_INT(5, "SADD s a b c d e");
    EXPECT_EMPTY("SPOP s 0");
    EXPECT_INT(5, "SCARD s");
    pop_and_check("s", 2, names, left, 5);
    EXPECT_INT(3, "SCARD s");
    redisReply *r = CMD("SPOP s");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    size_t k = (size_t)(r->str[0] - 'a');
    ck_assert_msg(r->len == 1 && k < 5 && left[k], "SPOP gave %s", r->str);
    left[k] = false;
    EXPECT_INT(0, "SISMEMBER s %s", r->str);
    freeReplyObject(r);
    EXPECT_INT(2, "SCARD s");
    /* More than are left: exactly the two that remain. */
    pop_and_check("s", 3, names, left, 5);
    ck_assert(!left[0] && !left[1] && !left[2] && !left[3] && !left[4]);
    EXPECT_INT(0, "EXISTS s");
}
END_TEST

/* Both encodings: 300 integers (an intset) and 300 strings. */
START_TEST(spop_count_from_a_large_set_takes_distinct_members)
{
    static char storage[300][8];
    const char *names[300];
    bool left[300];
    for (int i = 0; i < 300; i++) {
        snprintf(storage[i], sizeof(storage[i]), "%d", i);
        names[i] = storage[i];
        left[i] = true;
    }
    harness_pipeline_int(harness_ctx, "SADD n %d", 0, 300);
    EXPECT_ENCODING("n", "intset");
    pop_and_check("n", 100, names, left, 300);
    EXPECT_INT(200, "SCARD n");
    for (int i = 0; i < 300; i++) {
        snprintf(storage[i], sizeof(storage[i]), "m%d", i);
        left[i] = true;
    }
    harness_pipeline_int(harness_ctx, "SADD h m%d", 0, 300);
    EXPECT_ENCODING("h", "hashtable");
    pop_and_check("h", 100, names, left, 300);
    EXPECT_INT(200, "SCARD h");
}
END_TEST

START_TEST(srandmember_counts)
{
    EXPECT_ERR(ERR_NOT_INT, "SRANDMEMBER s abc");
    EXPECT_ERR("ERR value is out of range, value must between -9223372036854775807 and "
               "9223372036854775807",
               "SRANDMEMBER s -9223372036854775808");
    EXPECT_NIL("SRANDMEMBER nokey");
    EXPECT_EMPTY("SRANDMEMBER nokey 3");
    EXPECT_EMPTY("SRANDMEMBER nokey -3");
    EXPECT_INT(3, "SADD s a b c");
    EXPECT_EMPTY("SRANDMEMBER s 0");
    EXPECT_SET(((const char *[]){"a", "b", "c"}), "SRANDMEMBER s 3");
    EXPECT_SET(((const char *[]){"a", "b", "c"}), "SRANDMEMBER s 9223372036854775807");
    expect_members_of(CMD("SRANDMEMBER s -10"), "s", 10);
    expect_members_of(CMD("SRANDMEMBER s 1"), "s", 1);
    harness_expect_reply(CMD("SRANDMEMBER s"), "$a|b|c");
    EXPECT_INT(3, "SCARD s");
    /* distinct picks from a larger set, both encodings */
    for (int i = 0; i < 300; i++)
        EXPECT_INT(1, "SADD n %d", i);
    for (int i = 0; i < 300; i++)
        EXPECT_INT(1, "SADD h m%d", i);
    const char *keys[] = {"n", "h"};
    for (int k = 0; k < 2; k++) {
        redisReply *r = CMD("SRANDMEMBER %s 100", keys[k]);
        ck_assert_uint_eq(r->elements, 100);
        for (size_t i = 0; i < 100; i++) {
            EXPECT_INT(1, "SISMEMBER %s %s", keys[k], r->element[i]->str);
            for (size_t j = 0; j < i; j++)
                ck_assert_str_ne(r->element[i]->str, r->element[j]->str);
        }
        freeReplyObject(r);
    }
}
END_TEST

/* ---- SMOVE -------------------------------------------------------------------------- */

START_TEST(smove_cases)
{
    EXPECT_INT(0, "SMOVE nokey d a");
    EXPECT_INT(2, "SADD s a b");
    EXPECT_INT(0, "SMOVE s d zz");
    EXPECT_INT(0, "EXISTS d");
    EXPECT_INT(1, "SMOVE s s a"); /* same key: membership, nothing moves */
    EXPECT_INT(0, "SMOVE s s zz");
    EXPECT_INT(2, "SCARD s");
    EXPECT_INT(1, "SMOVE s d a");
    EXPECT_INT(0, "SISMEMBER s a");
    EXPECT_INT(1, "SISMEMBER d a");
    EXPECT_INT(1, "SADD s a");
    EXPECT_INT(1, "SMOVE s d a"); /* already in the destination */
    EXPECT_INT(1, "SCARD d");
    EXPECT_INT(1, "SCARD s");
}
END_TEST

/* ---- SINTER, SUNION, SDIFF, STORE forms, SINTERCARD ----------------------------------------- */

START_TEST(set_algebra)
{
    EXPECT_INT(4, "SADD a x y z 1");
    EXPECT_INT(3, "SADD b y z w");
    EXPECT_INT(2, "SADD c z q");
    EXPECT_SET(((const char *[]){"y", "z"}), "SINTER a b");
    EXPECT_SET(((const char *[]){"z"}), "SINTER a b c");
    EXPECT_SET(((const char *[]){"x", "y", "z", "1"}), "SINTER a");
    EXPECT_SET(((const char *[]){"x", "y", "z", "1"}), "SINTER a a");
    EXPECT_EMPTY("SINTER a nokey");
    EXPECT_EMPTY("SINTER nokey");
    EXPECT_SET(((const char *[]){"x", "y", "z", "1", "w", "q"}), "SUNION a b c nokey");
    EXPECT_EMPTY("SUNION nokey");
    EXPECT_SET(((const char *[]){"x", "1"}), "SDIFF a b c");
    EXPECT_SET(((const char *[]){"x", "y", "z", "1"}), "SDIFF a nokey");
    EXPECT_EMPTY("SDIFF nokey a");
    EXPECT_EMPTY("SDIFF a a");
}
END_TEST

START_TEST(store_forms_overwrite_or_delete)
{
    EXPECT_INT(3, "SADD a 1 2 x");
    EXPECT_INT(3, "SADD b 1 2 y");
    EXPECT_OK("SET d str");
    EXPECT_INT(1, "EXPIRE d 100");
    EXPECT_INT(2, "SINTERSTORE d a b");
    harness_expect_status(CMD("TYPE d"), "set");
    EXPECT_INT(-1, "TTL d");
    EXPECT_ARRAY(((const char *[]){"1", "2"}), "SMEMBERS d");
    EXPECT_INT(4, "SUNIONSTORE d a b");
    EXPECT_SET(((const char *[]){"1", "2", "x", "y"}), "SMEMBERS d");
    EXPECT_INT(1, "SDIFFSTORE d a b");
    EXPECT_SET(((const char *[]){"x"}), "SMEMBERS d");
    /* empty results delete the destination */
    EXPECT_INT(0, "SDIFFSTORE d a a");
    EXPECT_INT(0, "EXISTS d");
    EXPECT_OK("SET d str");
    EXPECT_INT(0, "SINTERSTORE d nokey");
    EXPECT_INT(0, "EXISTS d");
    EXPECT_OK("SET d str");
    EXPECT_INT(0, "SINTERSTORE d a nokey");
    EXPECT_INT(0, "EXISTS d");
    EXPECT_INT(0, "SUNIONSTORE d nokey");
    EXPECT_INT(0, "EXISTS d");
    EXPECT_INT(3, "SDIFFSTORE d a nokey");
    EXPECT_SET(((const char *[]){"1", "2", "x"}), "SMEMBERS d");
    /* the destination may be a source */
    EXPECT_INT(4, "SUNIONSTORE a a b");
    EXPECT_SET(((const char *[]){"1", "2", "x", "y"}), "SMEMBERS a");
    EXPECT_INT(3, "SINTERSTORE a a b");
    EXPECT_SET(((const char *[]){"1", "2", "y"}), "SMEMBERS a");
    EXPECT_INT(0, "SDIFFSTORE a a b");
    EXPECT_INT(0, "EXISTS a");
    /* a wrong-typed destination is simply replaced */
    EXPECT_OK("SET str v");
    EXPECT_INT(3, "SUNIONSTORE str b");
    harness_expect_status(CMD("TYPE str"), "set");
}
END_TEST

START_TEST(sintercard_and_limit)
{
    EXPECT_INT(4, "SADD a 1 2 3 4");
    EXPECT_INT(4, "SADD b 2 3 4 5");
    EXPECT_INT(3, "SINTERCARD 2 a b");
    EXPECT_INT(4, "SINTERCARD 1 a");
    EXPECT_INT(2, "SINTERCARD 2 a b LIMIT 2");
    EXPECT_INT(3, "SINTERCARD 2 a b LIMIT 0");
    EXPECT_INT(3, "SINTERCARD 2 a b limit 10");
    EXPECT_INT(2, "SINTERCARD 1 a LIMIT 1 LIMIT 2"); /* the last LIMIT wins */
    EXPECT_INT(0, "SINTERCARD 2 a nokey");
    EXPECT_ERR("ERR numkeys should be greater than 0", "SINTERCARD 0 a");
    EXPECT_ERR("ERR numkeys should be greater than 0", "SINTERCARD -1 a");
    EXPECT_ERR("ERR numkeys should be greater than 0", "SINTERCARD abc a");
    EXPECT_ERR("ERR Number of keys can't be greater than number of args", "SINTERCARD 3 a b");
    EXPECT_ERR("ERR LIMIT can't be negative", "SINTERCARD 1 a LIMIT -1");
    EXPECT_ERR("ERR LIMIT can't be negative", "SINTERCARD 1 a LIMIT abc");
    EXPECT_ERR(ERR_SYNTAX, "SINTERCARD 1 a LIMIT");
    EXPECT_ERR(ERR_SYNTAX, "SINTERCARD 1 a FOO 1");
}
END_TEST

/* ---- SSCAN -------------------------------------------------------------------------------- */

START_TEST(sscan_covers_every_member)
{
    for (int i = 0; i < 1000; i++)
        EXPECT_INT(1, "SADD s m%d", i);
    unsigned char seen[1000] = {0};
    char cursor[32] = "0";
    do {
        redisReply *r = CMD("SSCAN s %s COUNT 50", cursor);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_uint_eq(r->elements, 2);
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        redisReply *items = r->element[1];
        for (size_t i = 0; i < items->elements; i++) {
            int k = atoi(items->element[i]->str + 1);
            ck_assert(k >= 0 && k < 1000);
            seen[k] = 1;
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    for (int i = 0; i < 1000; i++)
        ck_assert_msg(seen[i], "m%d never returned", i);
    /* MATCH filters */
    redisReply *r = CMD("SSCAN s 0 MATCH m99* COUNT 100000");
    ck_assert_str_eq(r->element[0]->str, "0");
    ck_assert_uint_eq(r->element[1]->elements, 11); /* m99, m990..m999 */
    freeReplyObject(r);
}
END_TEST

START_TEST(sscan_errors_and_missing_key)
{
    EXPECT_INT(2, "SADD s 1 2");
    EXPECT_ERR("ERR invalid cursor", "SSCAN s abc");
    EXPECT_ERR(ERR_SYNTAX, "SSCAN s 0 COUNT 0");
    EXPECT_ERR(ERR_SYNTAX, "SSCAN s 0 COUNT -1");
    EXPECT_ERR(ERR_NOT_INT, "SSCAN s 0 COUNT abc");
    EXPECT_ERR(ERR_SYNTAX, "SSCAN s 0 FOO");
    EXPECT_ERR(ERR_SYNTAX, "SSCAN s 0 MATCH");
    redisReply *r = CMD("SSCAN nokey 0 COUNT 0"); /* options are not read for a missing key */
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_str_eq(r->element[0]->str, "0");
    ck_assert_uint_eq(r->element[1]->elements, 0);
    freeReplyObject(r);
}
END_TEST

/* ---- WATCH ------------------------------------------------------------------------------ */

START_TEST(watch_sees_in_place_changes)
{
    /* Each on s = {a, b} and other = {q}, with the reply it must give. */
    static const struct harness_step changes[] = {
        {"SADD s c", ":1"},         {"SREM s a", ":1"},          {"SPOP s", "$a|b"},
        {"SPOP s 1", "*1"},         {"SMOVE s other a", ":1"},   {"SMOVE other s q", ":1"},
        {"SINTERSTORE s s", ":2"},  {"SUNIONSTORE s other", ":1"},
    };
    redisContext *other = harness_connect(&harness_srv);
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        EXPECT_OK("FLUSHALL");
        EXPECT_INT(2, "SADD s a b");
        EXPECT_INT(1, "SADD other q");
        EXPECT_OK("WATCH s");
        harness_expect_step(other, &changes[i]);
        ck_assert_msg(!harness_watched_exec_runs(harness_ctx), "EXEC ran after %s",
                      changes[i].cmd);
    }
    /* a change that changes nothing does not abort */
    EXPECT_INT(1, "SADD s a");
    harness_expect_status(harness_cmd(harness_ctx, "WATCH s"), "OK");
    harness_expect_int(harness_cmd(other, "SADD s a"), 0);
    harness_expect_int(harness_cmd(other, "SREM s zz"), 0);
    ck_assert(harness_watched_exec_runs(harness_ctx));
    redisFree(other);
}
END_TEST

/* ---- RESP3 ---------------------------------------------------------------------------- */

START_TEST(resp3_shapes)
{
    EXPECT_INT(2, "SADD s 1 2");
    int fd = harness_resp3_connect(&harness_srv);
    harness_raw_roundtrip(fd, "SMEMBERS s\r\n", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    harness_raw_roundtrip(fd, "SMEMBERS nokey\r\n", "~0\r\n");
    harness_raw_roundtrip(fd, "SUNION s\r\n", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    harness_raw_roundtrip(fd, "SINTER s nokey\r\n", "~0\r\n");
    harness_raw_roundtrip(fd, "SDIFF nokey\r\n", "~0\r\n");
    harness_raw_roundtrip(fd, "SMISMEMBER s 1 x\r\n", "*2\r\n:1\r\n:0\r\n");
    harness_raw_roundtrip(fd, "SRANDMEMBER s 5\r\n", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    harness_raw_roundtrip(fd, "SRANDMEMBER nokey 2\r\n", "*0\r\n");
    harness_raw_roundtrip(fd, "SRANDMEMBER nokey\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "SPOP nokey\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "SPOP nokey 2\r\n", "~0\r\n");
    harness_raw_roundtrip(fd, "SPOP s 0\r\n", "~0\r\n");
    harness_raw_roundtrip(fd, "SSCAN s 0\r\n", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    harness_raw_roundtrip(fd, "SPOP s 5\r\n", "~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    close(fd);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *set_suite(void)
{
    Suite *s = suite_create("set");
    TCase *tc = harness_server_case("commands", NULL, NULL);
    tcase_add_test(tc, sadd_srem_scard_sismember);
    tcase_add_test(tc, empty_and_binary_members);
    tcase_add_test(tc, last_member_gone_deletes_the_key);
    tcase_add_test(tc, arity_errors_follow_redis);
    tcase_add_test(tc, smove_cases);
    tcase_add_test(tc, set_algebra);
    tcase_add_test(tc, store_forms_overwrite_or_delete);
    tcase_add_test(tc, sintercard_and_limit);
    suite_add_tcase(s, tc);

    tc = harness_server_case("types", NULL, NULL);
    tcase_add_test(tc, wrongtype_both_ways);
    tcase_add_test(tc, encoding_intset_then_hashtable);
    tcase_add_test(tc, intsets_reply_in_ascending_order);
    tcase_add_test(tc, copy_of_a_set_is_deep);
    suite_add_tcase(s, tc);

    tc = harness_server_case("random and scan", NULL, NULL);
    tcase_add_test(tc, spop_counts);
    tcase_add_test(tc, spop_count_from_a_large_set_takes_distinct_members);
    tcase_add_test(tc, srandmember_counts);
    tcase_add_test(tc, sscan_covers_every_member);
    tcase_add_test(tc, sscan_errors_and_missing_key);
    suite_add_tcase(s, tc);

    tc = harness_server_case("transactions and protocol", NULL, NULL);
    tcase_add_test(tc, watch_sees_in_place_changes);
    tcase_add_test(tc, resp3_shapes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(set_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
