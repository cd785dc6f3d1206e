/*
 * check_strings.c - the string commands end to end, against a real
 * grove-server: replies and error texts as Redis 7.0 gives them (taken
 * from redis-server 7.0.15), TTL handling, RESP3 shapes, limits, and
 * MSET/MGET atomicity across worker threads.
 *
 * Each test case starts one server (an unchecked fixture, in the runner's
 * process) and every test gets a fresh connection on an empty keyspace.
 *
 * Not covered: WRONGTYPE replies (only strings exist in Grove so far, so
 * no key of another type can be made) and OBJECT ENCODING (another area).
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"

#define ERR_NOT_FLOAT "ERR value is not a valid float"
#define ERR_OVERFLOW "ERR increment or decrement would overflow"
#define ERR_TOO_BIG "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

/* ---- fixtures ------------------------------------------------------------------ */

static void start_server(void)
{
    static const char *const args[] = {"--threads", "2", "--proto-max-bulk-len", "1mb", NULL};
    harness_start(&harness_srv, args);
}

/* ---- helpers ------------------------------------------------------------------- */

/* Keys with a TTL in db 0, from INFO keyspace ("db0:keys=1,expires=1,..."). */
static long long db0_expires(void)
{
    char db0[256];
    if (!harness_info_field(harness_ctx, "keyspace", "db0", db0, sizeof(db0)))
        return 0;
    const char *p = strstr(db0, "expires=");
    ck_assert_ptr_nonnull(p);
    return strtoll(p + strlen("expires="), NULL, 10);
}

static void expect_exists(const char *key, long long n)
{
    EXPECT_INT(n, "EXISTS %s", key);
}

/* One key and whether it holds a TTL afterwards, alone in the keyspace. */
static void expect_only_key_with_ttl(const char *key, bool ttl)
{
    expect_exists(key, 1);
    ck_assert_int_eq(db0_expires(), ttl ? 1 : 0);
}

/* ---- GET and SET --------------------------------------------------------------- */

START_TEST(get_returns_what_set_stored)
{
    EXPECT_OK("SET k hello");
    EXPECT_STR("hello", "GET k");
    EXPECT_OK("SET k %b", "a\0b\r\nc", (size_t)6);
    redisReply *r = CMD("GET k");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_int_eq(r->len, 6);
    ck_assert_mem_eq(r->str, "a\0b\r\nc", 6);
    freeReplyObject(r);
    EXPECT_OK("SET k %s", "");
    EXPECT_STR("", "GET k");
    EXPECT_OK("SET n 12345");
    EXPECT_STR("12345", "GET n");
    EXPECT_OK("SET n -9223372036854775808");
    EXPECT_STR("-9223372036854775808", "GET n");
}
END_TEST

START_TEST(get_of_missing_key_is_nil)
{
    EXPECT_NIL("GET nokey");
    EXPECT_ERR("ERR wrong number of arguments for 'get' command", "GET");
    EXPECT_ERR("ERR wrong number of arguments for 'set' command", "SET k");
}
END_TEST

START_TEST(set_nx_and_xx_decide_on_existence)
{
    EXPECT_NIL("SET k v XX");
    expect_exists("k", 0);
    EXPECT_OK("SET k v NX");
    EXPECT_NIL("SET k w NX");
    EXPECT_STR("v", "GET k");
    EXPECT_OK("SET k w XX");
    EXPECT_STR("w", "GET k");
    EXPECT_OK("SET k2 x nx NX");
    EXPECT_OK("SET k x xx XX");
}
END_TEST

START_TEST(set_get_returns_the_old_value)
{
    EXPECT_NIL("SET k v GET");
    EXPECT_STR("v", "GET k");
    EXPECT_STR("v", "SET k w GET");
    EXPECT_STR("w", "SET k x GET GET");
    EXPECT_STR("x", "SET k y NX GET"); /* allowed together since 7.0; not set */
    EXPECT_STR("x", "GET k");
    EXPECT_NIL("SET k2 v XX GET"); /* missing: nil, and nothing created */
    expect_exists("k2", 0);
    EXPECT_NIL("SET k3 v NX GET");
    EXPECT_STR("v", "GET k3");
    EXPECT_STR("x", "SET k z XX GET");
    EXPECT_STR("z", "GET k");
}
END_TEST

START_TEST(set_option_conflicts_are_syntax_errors)
{
    static const char *const bad[] = {
        "SET k v NX XX",         "SET k v XX NX",           "SET k v EX 10 PX 100",
        "SET k v PX 100 EX 10",  "SET k v EX 10 EXAT 10",   "SET k v PXAT 10 PX 10",
        "SET k v KEEPTTL EX 10", "SET k v EX 10 KEEPTTL",   "SET k v EX",
        "SET k v PX",            "SET k v EX 10 foo",       "SET k v foo",
        "SET k v PERSIST",       "SET k v EX foo NX XX",    "SET k v KEEPTTL PXAT 10",
        "SET k v NX EX",         "SET k v EXAT 1 PXAT 1",   "SET k v GET EX",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        EXPECT_ERR(ERR_SYNTAX, bad[i]);
    expect_exists("k", 0);
    /* repeating one option is fine, the last value wins; options any case */
    EXPECT_OK("SET k v EX 10 EX 20");
    EXPECT_STR("v", "set k v ex 10 nX get");
    EXPECT_OK("SET k v KEEPTTL KEEPTTL");
    /* syntax errors come before expire-time errors */
    EXPECT_ERR(ERR_SYNTAX, "SET k v EX 0 foo");
}
END_TEST

START_TEST(set_rejects_bad_expire_times)
{
    static const char *const invalid[] = {
        "SET k v EX 0",    "SET k v EX -1",   "SET k v PX 0",   "SET k v PX -5",
        "SET k v EXAT 0",  "SET k v PXAT 0",  "SET k v EXAT -1",
        "SET k v EX 9223372036854775",          /* *1000 fits, + now overflows */
        "SET k v EX 9223372036854776",          /* *1000 overflows */
        "SET k v PX 9223372036854775807",       /* + now overflows */
        "SET k v EXAT 9223372036854776",        /* *1000 overflows */
        "SET k v NX EX 0",
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
        EXPECT_ERR("ERR invalid expire time in 'set' command", invalid[i]);
    EXPECT_ERR(ERR_NOT_INT, "SET k v EX abc");
    EXPECT_ERR(ERR_NOT_INT, "SET k v PX 1.5");
    EXPECT_ERR(ERR_NOT_INT, "SET k v EX 99999999999999999999");
    expect_exists("k", 0);
    /* the largest absolute times are accepted */
    EXPECT_OK("SET k v PXAT 9223372036854775807");
    expect_only_key_with_ttl("k", true);
    EXPECT_OK("SET k v EXAT 9223372036854775");
    expect_only_key_with_ttl("k", true);
    /* a bad time with GET fails before anything is read or written */
    EXPECT_ERR("ERR invalid expire time in 'set' command", "SET k w GET EX 0");
    EXPECT_STR("v", "GET k");
}
END_TEST

START_TEST(set_with_past_absolute_time_leaves_no_key)
{
    EXPECT_OK("SET k v PXAT 1");
    EXPECT_NIL("GET k");
    expect_exists("k", 0);
    EXPECT_OK("SET k v");
    EXPECT_STR("v", "SET k w EXAT 1 GET");
    expect_exists("k", 0);
    EXPECT_NIL("SET k w EXAT 1 GET");
}
END_TEST

/* The wait is a minimum: the 1 ms TTL ran out before it ended, however
 * long it lasts. */
START_TEST(key_with_short_ttl_expires)
{
    EXPECT_OK("SET k v PX 1");
    EXPECT_OK("SET k2 v");
    harness_sleep_ms(20);
    EXPECT_NIL("GET k");
    EXPECT_INT(0, "STRLEN k");
    EXPECT_STR("v", "GET k2");
}
END_TEST

START_TEST(set_drops_ttl_unless_keepttl)
{
    EXPECT_OK("SET k v EX 100");
    expect_only_key_with_ttl("k", true);
    EXPECT_OK("SET k w KEEPTTL");
    expect_only_key_with_ttl("k", true);
    EXPECT_STR("w", "GET k");
    EXPECT_STR("w", "SET k x KEEPTTL GET");
    expect_only_key_with_ttl("k", true);
    EXPECT_OK("SET k y");
    expect_only_key_with_ttl("k", false);
    EXPECT_OK("SET k v PX 100000");
    EXPECT_STR("v", "SET k w GET");
    expect_only_key_with_ttl("k", false);
    EXPECT_OK("SET k v KEEPTTL"); /* KEEPTTL without a TTL: none */
    expect_only_key_with_ttl("k", false);
}
END_TEST

START_TEST(ttl_survives_updates_in_place)
{
    /* INCR family, INCRBYFLOAT, APPEND, SETRANGE, SET KEEPTTL, plain GETEX
     * keep it; each on "10" with a TTL, with the reply it must give. */
    static const struct harness_step keep[] = {
        {"INCR k", ":11"},       {"DECR k", ":9"},          {"INCRBY k 5", ":15"},
        {"DECRBY k 5", ":5"},    {"INCRBYFLOAT k 1.5", "$11.5"}, {"APPEND k x", ":3"},
        {"SETRANGE k 0 y", ":2"}, {"SET k v KEEPTTL", "+OK"}, {"GETEX k", "$10"},
    };
    /* SET, GETSET, MSET drop it; GETEX PERSIST removes it */
    static const struct harness_step drop[] = {
        {"SET k 1", "+OK"}, {"GETSET k 1", "$10"}, {"MSET k 1", "+OK"}, {"GETEX k PERSIST", "$10"},
    };
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        EXPECT_OK("FLUSHALL");
        EXPECT_OK("SET k 10 EX 100");
        harness_expect_step(harness_ctx, &keep[i]);
        ck_assert_msg(db0_expires() == 1, "%s dropped the TTL", keep[i].cmd);
        expect_exists("k", 1);
    }
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
        EXPECT_OK("FLUSHALL");
        EXPECT_OK("SET k 10 EX 100");
        harness_expect_step(harness_ctx, &drop[i]);
        ck_assert_msg(db0_expires() == 0, "%s kept the TTL", drop[i].cmd);
        expect_exists("k", 1);
    }
}
END_TEST

/* ---- SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX --------------------------------- */

START_TEST(setnx_sets_only_missing_keys)
{
    EXPECT_INT(1, "SETNX k v");
    EXPECT_INT(0, "SETNX k w");
    EXPECT_STR("v", "GET k");
    EXPECT_OK("SET e v PXAT 1"); /* an expired key counts as missing */
    EXPECT_INT(1, "SETNX e w");
    EXPECT_STR("w", "GET e");
    EXPECT_ERR("ERR wrong number of arguments for 'setnx' command", "SETNX k");
}
END_TEST

START_TEST(setex_and_psetex_set_value_and_ttl)
{
    EXPECT_OK("SETEX k 100 v");
    EXPECT_STR("v", "GET k");
    expect_only_key_with_ttl("k", true);
    EXPECT_OK("SET k v");
    EXPECT_OK("PSETEX k 100000 w");
    EXPECT_STR("w", "GET k");
    expect_only_key_with_ttl("k", true);
    EXPECT_ERR("ERR invalid expire time in 'setex' command", "SETEX k 0 v");
    EXPECT_ERR("ERR invalid expire time in 'setex' command", "SETEX k -1 v");
    EXPECT_ERR("ERR invalid expire time in 'setex' command", "SETEX k 9223372036854775 v");
    EXPECT_ERR("ERR invalid expire time in 'psetex' command", "PSETEX k 0 v");
    EXPECT_ERR("ERR invalid expire time in 'psetex' command",
               "PSETEX k 9223372036854775807 v");
    EXPECT_ERR(ERR_NOT_INT, "SETEX k x v");
    EXPECT_ERR(ERR_NOT_INT, "PSETEX k 1.0 v");
    EXPECT_ERR("ERR wrong number of arguments for 'setex' command", "SETEX k 10");
    EXPECT_STR("w", "GET k");
}
END_TEST

START_TEST(getset_swaps_values)
{
    EXPECT_NIL("GETSET k 1");
    EXPECT_STR("1", "GETSET k 2");
    EXPECT_STR("2", "GET k");
    EXPECT_STR("2", "GETSET k %b", "x\0y", (size_t)3);
    redisReply *r = CMD("GET k");
    ck_assert_int_eq(r->len, 3);
    ck_assert_mem_eq(r->str, "x\0y", 3);
    freeReplyObject(r);
}
END_TEST

START_TEST(getdel_returns_and_deletes)
{
    EXPECT_OK("SET k v");
    EXPECT_STR("v", "GETDEL k");
    expect_exists("k", 0);
    EXPECT_NIL("GETDEL k");
    EXPECT_OK("SET n 42 EX 100");
    EXPECT_STR("42", "GETDEL n");
    ck_assert_int_eq(db0_expires(), 0);
}
END_TEST

START_TEST(getex_reads_and_changes_ttl)
{
    EXPECT_OK("SET k v");
    EXPECT_STR("v", "GETEX k");
    expect_only_key_with_ttl("k", false);
    EXPECT_STR("v", "GETEX k EX 100");
    expect_only_key_with_ttl("k", true);
    EXPECT_STR("v", "GETEX k PERSIST");
    expect_only_key_with_ttl("k", false);
    EXPECT_STR("v", "GETEX k PX 100000");
    EXPECT_STR("v", "GETEX k EXAT 9223372036854775");
    EXPECT_STR("v", "GETEX k PXAT 9223372036854775807");
    EXPECT_STR("v", "GETEX k EX 10 EX 20");
    expect_only_key_with_ttl("k", true);
    EXPECT_STR("v", "GETEX k PERSIST PERSIST");
    expect_only_key_with_ttl("k", false);
    EXPECT_STR("v", "GETEX k PERSIST"); /* no TTL: nothing to do */
    EXPECT_NIL("GETEX nokey");
    EXPECT_NIL("GETEX nokey EX 100");
    expect_exists("nokey", 0);
}
END_TEST

START_TEST(getex_with_past_absolute_time_deletes)
{
    EXPECT_OK("SET k v");
    EXPECT_STR("v", "GETEX k EXAT 1");
    expect_exists("k", 0);
    EXPECT_OK("SET k v EX 100");
    EXPECT_STR("v", "GETEX k PXAT 1");
    expect_exists("k", 0);
    ck_assert_int_eq(db0_expires(), 0);
}
END_TEST

START_TEST(getex_option_errors)
{
    static const char *const bad[] = {
        "GETEX k EX 10 PX 10", "GETEX k PERSIST EX 10", "GETEX k EX 10 PERSIST",
        "GETEX k NX",          "GETEX k XX",            "GETEX k KEEPTTL",
        "GETEX k GET",         "GETEX k EX",            "GETEX k foo",
        "GETEX nokey foo",     "GETEX k PXAT 1 EXAT 1", "GETEX k PERSIST PXAT",
    };
    EXPECT_OK("SET k v");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        EXPECT_ERR(ERR_SYNTAX, bad[i]);
    EXPECT_ERR("ERR invalid expire time in 'getex' command", "GETEX k EX 0");
    EXPECT_ERR("ERR invalid expire time in 'getex' command", "GETEX k PX -1");
    EXPECT_ERR("ERR invalid expire time in 'getex' command", "GETEX k EX 9223372036854775");
    EXPECT_ERR(ERR_NOT_INT, "GETEX k EX abc");
    /* the key is looked up first: a missing key gives nil even so */
    EXPECT_NIL("GETEX nokey EX 0");
    EXPECT_NIL("GETEX nokey EX abc");
    expect_only_key_with_ttl("k", false);
    EXPECT_ERR("ERR wrong number of arguments for 'getex' command", "GETEX");
}
END_TEST

/* ---- MGET, MSET, MSETNX -------------------------------------------------------- */

START_TEST(mget_gives_nil_for_missing_keys)
{
    EXPECT_OK("MSET a 1 b 2");
    redisReply *r = CMD("MGET a nokey b a");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_int_eq(r->elements, 4);
    ck_assert_str_eq(r->element[0]->str, "1");
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_NIL);
    ck_assert_str_eq(r->element[2]->str, "2");
    ck_assert_str_eq(r->element[3]->str, "1");
    freeReplyObject(r);
    EXPECT_ERR("ERR wrong number of arguments for 'mget' command", "MGET");
}
END_TEST

START_TEST(mset_needs_pairs_and_sets_all)
{
    EXPECT_ERR("ERR wrong number of arguments for 'mset' command", "MSET a");
    EXPECT_ERR("ERR wrong number of arguments for 'mset' command", "MSET a 1 b");
    EXPECT_ERR("ERR wrong number of arguments for 'mset' command", "MSET a 1 b 2 c");
    expect_exists("a", 0);
    EXPECT_OK("SET a old EX 100");
    EXPECT_OK("MSET a 1 b 2 c 3 a 4");
    EXPECT_STR("4", "GET a");
    EXPECT_STR("2", "GET b");
    EXPECT_STR("3", "GET c");
    ck_assert_int_eq(db0_expires(), 0);
}
END_TEST

START_TEST(msetnx_is_all_or_nothing)
{
    EXPECT_OK("SET a 1");
    EXPECT_INT(0, "MSETNX b 2 a 3 c 4");
    expect_exists("b", 0);
    expect_exists("c", 0);
    EXPECT_STR("1", "GET a");
    EXPECT_INT(1, "MSETNX b 2 c 4");
    EXPECT_STR("2", "GET b");
    EXPECT_INT(1, "MSETNX x 1 x 2"); /* the same key twice: the last wins */
    EXPECT_STR("2", "GET x");
    EXPECT_ERR("ERR wrong number of arguments for 'msetnx' command", "MSETNX d");
    EXPECT_ERR("ERR wrong number of arguments for 'msetnx' command", "MSETNX d 1 e");
    expect_exists("d", 0);
}
END_TEST

/* ---- APPEND, STRLEN, GETRANGE, SETRANGE ---------------------------------------- */

START_TEST(append_creates_and_extends)
{
    EXPECT_INT(0, "APPEND e %s", "");
    expect_exists("e", 1); /* even an empty append creates the key */
    EXPECT_STR("", "GET e");
    EXPECT_INT(3, "APPEND k abc");
    EXPECT_INT(6, "APPEND k def");
    EXPECT_INT(6, "APPEND k %s", "");
    EXPECT_STR("abcdef", "GET k");
    EXPECT_OK("SET n 123");
    EXPECT_INT(4, "APPEND n 4");
    EXPECT_STR("1234", "GET n");
    EXPECT_INT(1235, "INCR n");
    EXPECT_INT(4, "APPEND b %b", "\0\r\n\0", (size_t)4);
    EXPECT_INT(3, "APPEND b2 %b", "x\0y", (size_t)3);
}
END_TEST

START_TEST(strlen_counts_bytes)
{
    EXPECT_INT(0, "STRLEN nokey");
    EXPECT_OK("SET k hello");
    EXPECT_INT(5, "STRLEN k");
    EXPECT_OK("SET n -12345");
    EXPECT_INT(6, "STRLEN n");
    EXPECT_OK("SET z %b", "\0\0\0", (size_t)3);
    EXPECT_INT(3, "STRLEN z");
}
END_TEST

START_TEST(getrange_follows_redis_index_rules)
{
    /* every pair answered by redis-server 7.0.15 for "hello" */
    static const struct { const char *range, *want; } cases[] = {
        {"0 -1", "hello"},   {"-1 -5", ""},    {"-5 -1", "hello"},
        {"-100 -200", ""},   {"-200 -100", "h"}, {"3 2", ""},
        {"0 100", "hello"},  {"-100 100", "hello"}, {"100 200", ""},
        {"0 0", "h"},        {"5 5", ""},      {"4 4", "o"},
        {"-1 -1", "o"},      {"1 3", "ell"},
        {"9223372036854775807 -9223372036854775808", ""},
        {"-9223372036854775808 9223372036854775807", "hello"},
    };
    EXPECT_OK("SET s hello");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "GETRANGE s %s", cases[i].range);
        redisReply *r = CMD(cmd);
        ck_assert_msg(r->type == REDIS_REPLY_STRING && strcmp(r->str, cases[i].want) == 0,
                      "%s: want \"%s\", got \"%s\"", cmd, cases[i].want, r->str ? r->str : "");
        freeReplyObject(r);
        snprintf(cmd, sizeof(cmd), "SUBSTR s %s", cases[i].range);
        EXPECT_STR(cases[i].want, cmd);
    }
    EXPECT_STR("", "GETRANGE nokey 0 -1");
    EXPECT_OK("SET e %s", "");
    EXPECT_STR("", "GETRANGE e 0 -1");
    EXPECT_STR("", "GETRANGE e -1 -1");
    EXPECT_OK("SET n 1234");
    EXPECT_STR("23", "GETRANGE n 1 2");
    EXPECT_STR("4", "GETRANGE n -1 -1");
    EXPECT_ERR(ERR_NOT_INT, "GETRANGE s a 1");
    EXPECT_ERR(ERR_NOT_INT, "GETRANGE s 0 1.5");
    EXPECT_ERR(ERR_NOT_INT, "GETRANGE nokey 0 x");
    EXPECT_ERR("ERR wrong number of arguments for 'getrange' command", "GETRANGE s 0");
}
END_TEST

START_TEST(setrange_pads_and_overwrites)
{
    EXPECT_INT(5, "SETRANGE k 3 ab");
    redisReply *r = CMD("GET k");
    ck_assert_int_eq(r->len, 5);
    ck_assert_mem_eq(r->str, "\0\0\0ab", 5);
    freeReplyObject(r);
    EXPECT_INT(5, "SETRANGE k 0 xyz");
    r = CMD("GET k");
    ck_assert_mem_eq(r->str, "xyzab", 5);
    freeReplyObject(r);
    EXPECT_INT(7, "SETRANGE k 4 XYZ");
    EXPECT_STR("xyzaXYZ", "GET k");
    EXPECT_OK("SET n 1234");
    EXPECT_INT(4, "SETRANGE n 1 x");
    EXPECT_STR("1x34", "GET n");
    EXPECT_ERR(ERR_NOT_INT, "INCR n");
}
END_TEST

START_TEST(setrange_edge_cases)
{
    EXPECT_INT(0, "SETRANGE k 0 %s", "");
    EXPECT_INT(0, "SETRANGE k 5 %s", "");
    expect_exists("k", 0);
    EXPECT_ERR("ERR offset is out of range", "SETRANGE k -1 x");
    EXPECT_ERR("ERR offset is out of range", "SETRANGE k -1 %s", "");
    EXPECT_ERR(ERR_NOT_INT, "SETRANGE k abc x");
    EXPECT_ERR(ERR_NOT_INT, "SETRANGE k 99999999999999999999 x");
    EXPECT_OK("SET s hello");
    EXPECT_INT(5, "SETRANGE s 100 %s", ""); /* nothing to write: length, unchanged */
    EXPECT_INT(5, "SETRANGE s 9223372036854775807 %s", "");
    EXPECT_STR("hello", "GET s");
    EXPECT_INT(5, "SETRANGE s 5 %s", "");
}
END_TEST

/* The server runs with proto-max-bulk-len 1mb (1048576 bytes). */
START_TEST(string_growth_is_capped_by_proto_max_bulk_len)
{
    EXPECT_ERR(ERR_TOO_BIG, "SETRANGE k 1048575 xy");
    expect_exists("k", 0);
    EXPECT_ERR(ERR_TOO_BIG, "SETRANGE k 9223372036854775807 x");
    EXPECT_INT(0, "SETRANGE k 1048577 %s", ""); /* empty: no check, no key */
    EXPECT_INT(1048576, "SETRANGE k 1048574 xy");
    EXPECT_ERR(ERR_TOO_BIG, "SETRANGE k 1048576 x");
    EXPECT_ERR(ERR_TOO_BIG, "APPEND k x");
    EXPECT_INT(1048576, "APPEND k %s", "");
    EXPECT_INT(1048576, "STRLEN k");
    EXPECT_OK("SET a x");
    EXPECT_ERR(ERR_TOO_BIG, "SETRANGE a 9223372036854775807 x");
    EXPECT_STR("x", "GET a");
}
END_TEST

/* ---- counters ------------------------------------------------------------------- */

START_TEST(incr_family_counts)
{
    EXPECT_INT(1, "INCR n");
    EXPECT_INT(0, "DECR n");
    EXPECT_INT(-1, "DECR n");
    EXPECT_INT(9, "INCRBY n 10");
    EXPECT_INT(-1, "DECRBY n 10");
    EXPECT_INT(-6, "INCRBY n -5");
    EXPECT_INT(-1, "DECRBY n -5");
    EXPECT_STR("-1", "GET n");
    EXPECT_INT(-1, "DECR m");
    EXPECT_OK("SET r 10");
    EXPECT_INT(11, "INCR r");
}
END_TEST

START_TEST(incr_family_rejects_non_integers)
{
    static const char *const values[] = {
        " 1", "1 ", "01", "+1", "-0", "abc", "1.0", "", "9223372036854775808",
        "-9223372036854775809", "0x10",
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        EXPECT_OK("SET s %s", values[i]);
        EXPECT_ERR(ERR_NOT_INT, "INCR s");
        EXPECT_ERR(ERR_NOT_INT, "DECRBY s 1");
    }
    EXPECT_ERR(ERR_NOT_INT, "INCRBY k abc");
    EXPECT_ERR(ERR_NOT_INT, "INCRBY k 1.5");
    EXPECT_ERR(ERR_NOT_INT, "DECRBY k abc");
    EXPECT_ERR(ERR_NOT_INT, "INCRBY k 9223372036854775808");
    expect_exists("k", 0);
    EXPECT_OK("SET raw %s", "12"); /* made RAW by APPEND, still a number */
    EXPECT_INT(3, "APPEND raw 3");
    EXPECT_INT(124, "INCR raw");
}
END_TEST

START_TEST(incr_family_detects_overflow)
{
    EXPECT_INT(9223372036854775807LL, "INCRBY n 9223372036854775807");
    EXPECT_ERR(ERR_OVERFLOW, "INCR n");
    EXPECT_ERR(ERR_OVERFLOW, "INCRBY n 1");
    EXPECT_ERR(ERR_OVERFLOW, "DECRBY n -1");
    EXPECT_STR("9223372036854775807", "GET n");
    EXPECT_OK("SET m -9223372036854775808");
    EXPECT_ERR(ERR_OVERFLOW, "DECR m");
    EXPECT_ERR(ERR_OVERFLOW, "INCRBY m -1");
    EXPECT_ERR(ERR_OVERFLOW, "DECRBY m 9223372036854775807");
    EXPECT_INT(-1, "INCRBY m 9223372036854775807");
    EXPECT_ERR("ERR decrement would overflow", "DECRBY x -9223372036854775808");
    expect_exists("x", 0);
    EXPECT_INT(-9223372036854775807LL - 1, "INCRBY x -9223372036854775808");
    EXPECT_INT(-9223372036854775807LL, "INCR x");
}
END_TEST

START_TEST(incrbyfloat_formats_as_redis)
{
    /* (start value or NULL for none, increment, reply) from redis-server 7.0.15 */
    static const struct { const char *start, *incr, *want; } cases[] = {
        {"10.5", "0.1", "10.6"},
        {"10.6", "-5", "5.6"},
        {"5.6", "5.0e3", "5005.60000000000000009"},
        {NULL, "3", "3"},
        {NULL, "3.0e3", "3000"},
        {NULL, "-0", "0"},
        {NULL, "-0.0000000000000000001", "0"},
        {"5", "0", "5"},
        {"5", "1.23456789012345678901234", "6.23456789012345679"},
        {"0.1", "0.2", "0.3"},
        {"1", "1e-20", "1"},
        {NULL, "1.5e+1", "15"},
        {"1e2", ".5", "100.5"},
        {"10", "1.", "11"},
        {"-9223372036854775808", "0", "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        EXPECT_OK("FLUSHALL");
        if (cases[i].start)
            EXPECT_OK("SET f %s", cases[i].start);
        redisReply *r = CMD("INCRBYFLOAT f %s", cases[i].incr);
        ck_assert_msg(r->type == REDIS_REPLY_STRING && strcmp(r->str, cases[i].want) == 0,
                      "INCRBYFLOAT %s by %s: want %s, got %s",
                      cases[i].start ? cases[i].start : "(none)", cases[i].incr, cases[i].want,
                      r->str ? r->str : "");
        freeReplyObject(r);
        EXPECT_STR(cases[i].want, "GET f");
    }
}
END_TEST

START_TEST(incrbyfloat_errors)
{
    EXPECT_OK("SET f 10");
    static const char *const bad[] = {"abc", " 1", "1 ", "nan", "1e", "", "0x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        EXPECT_ERR(ERR_NOT_FLOAT, "INCRBYFLOAT f %s", bad[i]);
    EXPECT_ERR("ERR increment would produce NaN or Infinity", "INCRBYFLOAT f inf");
    EXPECT_ERR("ERR increment would produce NaN or Infinity", "INCRBYFLOAT f -inf");
    EXPECT_STR("10", "GET f");
    EXPECT_OK("SET g 1e308");
    EXPECT_OK("SET h abc");
    EXPECT_ERR(ERR_NOT_FLOAT, "INCRBYFLOAT h 1");
    EXPECT_OK("SET h %s", "");
    EXPECT_ERR(ERR_NOT_FLOAT, "INCRBYFLOAT h 1");
    EXPECT_ERR(ERR_NOT_FLOAT, "INCRBYFLOAT nokey abc");
    expect_exists("nokey", 0);
}
END_TEST

/* ---- LCS ------------------------------------------------------------------------ */

/* One IDX match: [[a0, a1], [b0, b1]], plus its length unless len < 0. */
struct lcs_match {
    long long a0, a1, b0, b1, len;
};

/* The IDX reply in RESP2: ["matches", [match...], "len", len]. */
static void expect_lcs_idx(const char *cmd, long long len, const struct lcs_match *want, size_t n)
{
    redisReply *r = CMD(cmd);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_int_eq(r->elements, 4);
    ck_assert_str_eq(r->element[0]->str, "matches");
    ck_assert_str_eq(r->element[2]->str, "len");
    ck_assert_int_eq(r->element[3]->integer, len);
    const redisReply *matches = r->element[1];
    ck_assert_msg(matches->elements == n, "%s: %zu matches", cmd, matches->elements);
    for (size_t i = 0; i < n; i++) {
        const redisReply *m = matches->element[i];
        ck_assert_int_eq(m->elements, want[i].len >= 0 ? 3 : 2);
        ck_assert_int_eq(m->element[0]->element[0]->integer, want[i].a0);
        ck_assert_int_eq(m->element[0]->element[1]->integer, want[i].a1);
        ck_assert_int_eq(m->element[1]->element[0]->integer, want[i].b0);
        ck_assert_int_eq(m->element[1]->element[1]->integer, want[i].b1);
        if (want[i].len >= 0)
            ck_assert_int_eq(m->element[2]->integer, want[i].len);
    }
    freeReplyObject(r);
}

START_TEST(lcs_finds_the_common_subsequence)
{
    EXPECT_OK("MSET key1 ohmytext key2 mynewtext");
    EXPECT_STR("mytext", "LCS key1 key2");
    EXPECT_STR("mytext", "LCS key1 key2 WITHMATCHLEN");
    EXPECT_INT(6, "LCS key1 key2 LEN");
    EXPECT_INT(6, "LCS key1 key2 MINMATCHLEN 3 len");
    EXPECT_STR("", "LCS nokey key2");
    EXPECT_INT(0, "LCS nokey nokey2 LEN");
    EXPECT_STR("ohmytext", "LCS key1 key1");
    EXPECT_OK("MSET n1 12345 n2 2x4");
    EXPECT_STR("24", "LCS n1 n2");

    static const struct lcs_match both[] = {{4, 7, 5, 8, -1}, {2, 3, 0, 1, -1}};
    static const struct lcs_match both_len[] = {{4, 7, 5, 8, 4}, {2, 3, 0, 1, 2}};
    static const struct lcs_match whole[] = {{0, 7, 0, 7, 8}};
    expect_lcs_idx("LCS key1 key2 IDX", 6, both, 2);
    expect_lcs_idx("LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN", 6, both_len, 1);
    expect_lcs_idx("LCS key1 key2 IDX MINMATCHLEN -5 WITHMATCHLEN", 6, both_len, 2);
    expect_lcs_idx("LCS key1 key1 IDX WITHMATCHLEN", 8, whole, 1);
    expect_lcs_idx("LCS nokey key2 IDX", 0, NULL, 0);
}
END_TEST

START_TEST(lcs_option_errors)
{
    EXPECT_OK("MSET key1 ohmytext key2 mynewtext");
    EXPECT_ERR("ERR If you want both the length and indexes, please just use IDX.",
               "LCS key1 key2 LEN IDX");
    EXPECT_ERR(ERR_SYNTAX, "LCS key1 key2 foo");
    EXPECT_ERR(ERR_SYNTAX, "LCS key1 key2 LEN IDX foo");
    EXPECT_ERR(ERR_SYNTAX, "LCS key1 key2 MINMATCHLEN");
    EXPECT_ERR(ERR_NOT_INT, "LCS key1 key2 MINMATCHLEN x");
    EXPECT_ERR("ERR wrong number of arguments for 'lcs' command", "LCS key1");
}
END_TEST

/* proto-max-bulk-len is 1mb: a 601 x 601 table of 4-byte cells is over it. */
START_TEST(lcs_table_is_capped_by_proto_max_bulk_len)
{
    char big[601];
    memset(big, 'a', 600);
    big[600] = '\0';
    EXPECT_OK("MSET la %s lb %s", big, big);
    EXPECT_ERR("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
               "LCS la lb LEN");
    big[400] = '\0';
    EXPECT_OK("SET lb %s", big);
    EXPECT_INT(400, "LCS la lb LEN");
}
END_TEST

/* ---- RESP3 and command metadata -------------------------------------------------- */

START_TEST(resp3_replies_use_null_and_map)
{
    EXPECT_OK("MSET key1 ohmytext key2 mynewtext");
    int fd = harness_resp3_connect(&harness_srv);
    harness_raw_roundtrip(fd, "LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN\r\n",
                          "%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
                          ":4\r\n$3\r\nlen\r\n:6\r\n");
    harness_raw_roundtrip(fd, "LCS nokey key2 IDX\r\n",
                          "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
    harness_raw_roundtrip(fd, "GET nokey\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "MGET key1 nokey\r\n", "*2\r\n$8\r\nohmytext\r\n_\r\n");
    harness_raw_roundtrip(fd, "SET nokey v GET\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "SET nokey2 v XX\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "GETEX nokey3\r\n", "_\r\n");
    harness_raw_roundtrip(fd, "INCRBYFLOAT f 1.5\r\n", "$3\r\n1.5\r\n");
    harness_raw_roundtrip(fd, "LCS key1 key2 LEN\r\n", ":6\r\n");
    close(fd);
}
END_TEST

START_TEST(command_info_declares_key_positions)
{
    static const struct { const char *name; long long arity, first, last, step; } cmds[] = {
        {"get", 2, 1, 1, 1},     {"set", -3, 1, 1, 1},     {"mset", -3, 1, -1, 2},
        {"msetnx", -3, 1, -1, 2}, {"mget", -2, 1, -1, 1},  {"lcs", -3, 1, 2, 1},
        {"getex", -2, 1, 1, 1},  {"incrbyfloat", 3, 1, 1, 1}, {"substr", 4, 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        redisReply *r = CMD("COMMAND INFO %s", cmds[i].name);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_int_eq(r->elements, 1);
        const redisReply *info = r->element[0];
        ck_assert_msg(info->type == REDIS_REPLY_ARRAY, "%s is unknown", cmds[i].name);
        ck_assert_str_eq(info->element[0]->str, cmds[i].name);
        ck_assert_int_eq(info->element[1]->integer, cmds[i].arity);
        ck_assert_int_eq(info->element[3]->integer, cmds[i].first);
        ck_assert_int_eq(info->element[4]->integer, cmds[i].last);
        ck_assert_int_eq(info->element[5]->integer, cmds[i].step);
        freeReplyObject(r);
    }
}
END_TEST

/* ---- concurrency ----------------------------------------------------------------- */

#define MSET_ITERATIONS 20000
#define MGET_READERS 3
#define INCR_THREADS 4
#define INCR_ITERATIONS 5000
#define MIN_CHANGES 20 /* value changes each reader must see */
#define RACE_DEADLINE_MS 60000

/* A client thread: its own connection, commands each sent and judged by
 * `step`. Failures are counted, not asserted, off the main thread. A
 * writer runs `iterations` steps, and more while a reader has not yet
 * seen MIN_CHANGES changes of the value (until the deadline); a reader
 * runs while any writer does. So a reader's checks cannot pass vacuously:
 * it must have read while the writes went on. */
struct client_thread {
    void (*step)(redisContext *c, int i, struct client_thread *t);
    int iterations;
    bool reader;
    long long done;    /* steps taken */
    long long mixed;   /* MGET replies mixing two MSETs */
    long long errors;  /* unexpected replies */
    long long changes; /* reader: replies with another value than the last */
    char last[16];     /* reader: the last value seen */
    pthread_t tid;
};

static struct {
    atomic_int writers_running;
    atomic_int readers_waiting; /* readers that have not seen MIN_CHANGES */
    long long deadline;
} race;

static bool go_on(const struct client_thread *t, int i)
{
    if (t->reader)
        return atomic_load(&race.writers_running) > 0;
    return i < t->iterations ||
           (atomic_load(&race.readers_waiting) > 0 && harness_now_ms() < race.deadline);
}

static void *client_thread_main(void *ud)
{
    struct client_thread *t = ud;
    redisContext *c = redisConnect("127.0.0.1", harness_srv.port);
    if (c == NULL || c->err)
        t->errors++;
    for (int i = 0; t->errors == 0 && go_on(t, i); i++, t->done++)
        t->step(c, i, t);
    redisFree(c);
    if (!t->reader)
        atomic_fetch_sub(&race.writers_running, 1);
    return NULL;
}

/* Run the threads to completion and assert none saw an error or a mix,
 * and every reader saw the writes happen. */
static void run_client_threads(struct client_thread *ts, size_t n)
{
    int readers = 0;
    for (size_t i = 0; i < n; i++)
        readers += ts[i].reader;
    atomic_init(&race.writers_running, (int)n - readers);
    atomic_init(&race.readers_waiting, readers);
    race.deadline = harness_now_ms() + RACE_DEADLINE_MS;
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(pthread_create(&ts[i].tid, NULL, client_thread_main, &ts[i]), 0);
    for (size_t i = 0; i < n; i++)
        pthread_join(ts[i].tid, NULL);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(ts[i].errors == 0, "thread %zu got %lld bad replies", i, ts[i].errors);
        ck_assert_msg(ts[i].mixed == 0, "thread %zu saw %lld mixed replies", i, ts[i].mixed);
        ck_assert_msg(!ts[i].reader || ts[i].changes >= MIN_CHANGES,
                      "reader %zu saw %lld changes in %lld reads: it did not read alongside "
                      "the writer", i, ts[i].changes, ts[i].done);
        ck_assert_msg(ts[i].reader || ts[i].done >= ts[i].iterations, "writer %zu stopped at %lld",
                      i, ts[i].done);
    }
}

static void expect_reply_type(struct client_thread *t, redisReply *r, int type)
{
    if (r == NULL || r->type != type)
        t->errors++;
    if (r)
        freeReplyObject(r);
}

/* Writes a, b, c, d with one value per MSET, alternating between two
 * values, so a reader seeing two different values saw half an MSET. Four
 * keys make it near certain they span several shards. */
static const char *mset_value(long long i)
{
    return (i & 1) ? "odd-value" : "even";
}

static void mset_step(redisContext *c, int i, struct client_thread *t)
{
    const char *v = mset_value(i);
    expect_reply_type(t, redisCommand(c, "MSET a %s b %s c %s d %s", v, v, v, v),
                      REDIS_REPLY_STATUS);
}

/* A new value of a: the writer's work seen in progress. */
static void note_value(struct client_thread *t, const char *value)
{
    if (strcmp(value, t->last) == 0)
        return;
    snprintf(t->last, sizeof(t->last), "%s", value);
    if (++t->changes == MIN_CHANGES)
        atomic_fetch_sub(&race.readers_waiting, 1);
}

/* All four values equal, or all nil before the first MSET. */
static void mget_step(redisContext *c, int i, struct client_thread *t)
{
    redisReply *r = redisCommand(c, "MGET a b c d");
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
        t->errors++;
    } else {
        const redisReply *first = r->element[0];
        for (size_t j = 1; j < 4; j++) {
            const redisReply *e = r->element[j];
            if (e->type != first->type ||
                (e->type == REDIS_REPLY_STRING && strcmp(e->str, first->str) != 0))
                t->mixed++;
        }
        note_value(t, first->str ? first->str : "");
    }
    if (r)
        freeReplyObject(r);
}

static void incr_step(redisContext *c, int i, struct client_thread *t)
{
    expect_reply_type(t, redisCommand(c, "INCR counter"), REDIS_REPLY_INTEGER);
}

START_TEST(mget_never_sees_half_an_mset)
{
    struct client_thread ts[1 + MGET_READERS] = {
        {.step = mset_step, .iterations = MSET_ITERATIONS},
    };
    for (size_t i = 1; i <= MGET_READERS; i++)
        ts[i] = (struct client_thread){.step = mget_step, .reader = true};
    run_client_threads(ts, 1 + MGET_READERS);
    EXPECT_STR(mset_value(ts[0].done - 1), "GET d");
}
END_TEST

START_TEST(concurrent_incr_loses_no_update)
{
    struct client_thread ts[INCR_THREADS];
    for (size_t i = 0; i < INCR_THREADS; i++)
        ts[i] = (struct client_thread){.step = incr_step, .iterations = INCR_ITERATIONS};
    run_client_threads(ts, INCR_THREADS);
    EXPECT_INT(INCR_THREADS * INCR_ITERATIONS, "INCRBY counter 0");
}
END_TEST

/* ---- the suite ------------------------------------------------------------------- */

static Suite *strings_suite(void)
{
    Suite *s = suite_create("strings");
    TCase *tc = harness_server_case("get_set", start_server, NULL);
    tcase_add_test(tc, get_returns_what_set_stored);
    tcase_add_test(tc, get_of_missing_key_is_nil);
    tcase_add_test(tc, set_nx_and_xx_decide_on_existence);
    tcase_add_test(tc, set_get_returns_the_old_value);
    tcase_add_test(tc, set_option_conflicts_are_syntax_errors);
    tcase_add_test(tc, set_rejects_bad_expire_times);
    tcase_add_test(tc, set_with_past_absolute_time_leaves_no_key);
    tcase_add_test(tc, key_with_short_ttl_expires);
    tcase_add_test(tc, set_drops_ttl_unless_keepttl);
    tcase_add_test(tc, ttl_survives_updates_in_place);
    tcase_add_test(tc, setnx_sets_only_missing_keys);
    tcase_add_test(tc, setex_and_psetex_set_value_and_ttl);
    tcase_add_test(tc, getset_swaps_values);
    tcase_add_test(tc, getdel_returns_and_deletes);
    tcase_add_test(tc, getex_reads_and_changes_ttl);
    tcase_add_test(tc, getex_with_past_absolute_time_deletes);
    tcase_add_test(tc, getex_option_errors);
    suite_add_tcase(s, tc);

    tc = harness_server_case("multi_key", start_server, NULL);
    tcase_add_test(tc, mget_gives_nil_for_missing_keys);
    tcase_add_test(tc, mset_needs_pairs_and_sets_all);
    tcase_add_test(tc, msetnx_is_all_or_nothing);
    suite_add_tcase(s, tc);

    tc = harness_server_case("bytes", start_server, NULL);
    tcase_add_test(tc, append_creates_and_extends);
    tcase_add_test(tc, strlen_counts_bytes);
    tcase_add_test(tc, getrange_follows_redis_index_rules);
    tcase_add_test(tc, setrange_pads_and_overwrites);
    tcase_add_test(tc, setrange_edge_cases);
    tcase_add_test(tc, string_growth_is_capped_by_proto_max_bulk_len);
    suite_add_tcase(s, tc);

    tc = harness_server_case("counters", start_server, NULL);
    tcase_add_test(tc, incr_family_counts);
    tcase_add_test(tc, incr_family_rejects_non_integers);
    tcase_add_test(tc, incr_family_detects_overflow);
    tcase_add_test(tc, incrbyfloat_formats_as_redis);
    tcase_add_test(tc, incrbyfloat_errors);
    suite_add_tcase(s, tc);

    tc = harness_server_case("lcs", start_server, NULL);
    tcase_add_test(tc, lcs_finds_the_common_subsequence);
    tcase_add_test(tc, lcs_option_errors);
    tcase_add_test(tc, lcs_table_is_capped_by_proto_max_bulk_len);
    suite_add_tcase(s, tc);

    tc = harness_server_case("protocol", start_server, NULL);
    tcase_add_test(tc, resp3_replies_use_null_and_map);
    tcase_add_test(tc, command_info_declares_key_positions);
    suite_add_tcase(s, tc);

    tc = harness_server_case("concurrency", start_server, NULL);
    tcase_add_test(tc, mget_never_sees_half_an_mset);
    tcase_add_test(tc, concurrent_incr_loses_no_update);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(strings_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
