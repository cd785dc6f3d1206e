/*
 * check_sort.c - SORT and SORT_RO end to end (server/cmd_sort.c): numeric
 * and ALPHA order, LIMIT, BY and GET patterns, BY nosort, STORE, and the
 * locking that keeps a pattern sort atomic against writers on other loops,
 * inside MULTI and from scripts.
 *
 * The recorded tables are redis-server 7.0.15's bytes for the same lines;
 * the other expectations were checked against it too. Redis never resets
 * errno before its strtod, so after one overflowing score every later
 * numeric sort of string-encoded values fails there until something else
 * clears errno: the tables keep their overflow case last.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

#define ERR_SCORE "ERR One or more scores can't be converted into double"

static void start_server(void)
{
    static const char *const args[] = {"--threads", "2", NULL};
    harness_start(&harness_srv, args);
}

/* ---- order, LIMIT and errors, byte for byte ------------------------------------------ */

static const struct recorded_reply numeric_and_alpha[] = {
        {"FLUSHALL",
         "+OK\r\n"},
        {"RPUSH l 3 1 2 10 -0 .5 +5 5. 1.5e3 inf -inf ' 4' ''",
         ":13\r\n"},
        {"SORT l",
         "*13\r\n$4\r\n-inf\r\n$0\r\n\r\n$2\r\n-0\r\n$2\r\n.5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n 4\r\n$2\r\n+5\r\n$2\r\n5.\r\n$2\r\n10\r\n$5\r\n1.5e3\r\n$3\r\ninf\r\n"},
        {"SORT l DESC",
         "*13\r\n$3\r\ninf\r\n$5\r\n1.5e3\r\n$2\r\n10\r\n$2\r\n5.\r\n$2\r\n+5\r\n$2\r\n 4\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$2\r\n.5\r\n$2\r\n-0\r\n$0\r\n\r\n$4\r\n-inf\r\n"},
        {"SORT l ALPHA",
         "*13\r\n$0\r\n\r\n$2\r\n 4\r\n$2\r\n+5\r\n$2\r\n-0\r\n$4\r\n-inf\r\n$2\r\n.5\r\n$1\r\n1\r\n$5\r\n1.5e3\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n5.\r\n$3\r\ninf\r\n"},
        {"SORT l LIMIT 2 3",
         "*3\r\n$2\r\n-0\r\n$2\r\n.5\r\n$1\r\n1\r\n"},
        {"SORT l LIMIT -5 3",
         "*3\r\n$4\r\n-inf\r\n$0\r\n\r\n$2\r\n-0\r\n"},
        {"SORT l LIMIT 2 -1",
         "*11\r\n$2\r\n-0\r\n$2\r\n.5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n 4\r\n$2\r\n+5\r\n$2\r\n5.\r\n$2\r\n10\r\n$5\r\n1.5e3\r\n$3\r\ninf\r\n"},
        {"SORT l LIMIT 11 9223372036854775807",
         "*2\r\n$5\r\n1.5e3\r\n$3\r\ninf\r\n"},
        {"SORT l LIMIT 13 1",
         "*0\r\n"},
        {"SORT l LIMIT 9223372036854775807 9223372036854775807",
         "*0\r\n"},
        {"SORT l LIMIT 0 0",
         "*0\r\n"},
        {"SORT_RO l DESC LIMIT 1 2",
         "*2\r\n$5\r\n1.5e3\r\n$2\r\n10\r\n"},
        {"RPUSH bad 1 '5 '",
         ":2\r\n"},
        {"SORT bad",
         "-ERR One or more scores can't be converted into double\r\n"},
        {"SORT bad ALPHA",
         "*2\r\n$1\r\n1\r\n$2\r\n5 \r\n"},
        {"RPUSH nan 1 nan",
         ":2\r\n"},
        {"SORT nan",
         "-ERR One or more scores can't be converted into double\r\n"},
        {"SADD s 5 3 9 1",
         ":4\r\n"},
        {"SORT s",
         "*4\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n"},
        {"SORT s DESC LIMIT 1 2",
         "*2\r\n$1\r\n5\r\n$1\r\n3\r\n"},
        {"ZADD z 1 c 2 b 3 a",
         ":3\r\n"},
        {"SORT z ALPHA",
         "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
        {"SORT z ALPHA DESC",
         "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
        {"SORT nokey",
         "*0\r\n"},
        {"SORT_RO nokey ALPHA",
         "*0\r\n"},
        {"RPUSH big 1 1e400",
         ":2\r\n"},
        {"SORT big",
         "-ERR One or more scores can't be converted into double\r\n"},
};

START_TEST(numbers_alpha_and_limit_reply_as_redis)
{
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, numeric_and_alpha);
    close(fd);
}
END_TEST

static const struct recorded_reply refusals[] = {
        {"FLUSHALL",
         "+OK\r\n"},
        {"SET str v",
         "+OK\r\n"},
        {"SORT str",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
        {"SORT str foo",
         "-ERR syntax error\r\n"},
        {"SORT str LIMIT a 1",
         "-ERR value is not an integer or out of range\r\n"},
        {"SORT str LIMIT 0",
         "-ERR syntax error\r\n"},
        {"SORT str LIMIT 0 1 2",
         "-ERR syntax error\r\n"},
        {"SORT str STORE",
         "-ERR syntax error\r\n"},
        {"SORT_RO str STORE d",
         "-ERR syntax error\r\n"},
        {"SORT_RO str",
         "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
        {"RPUSH l a",
         ":1\r\n"},
        {"SORT l LIMIT 0 x",
         "-ERR value is not an integer or out of range\r\n"},
        {"SORT l ASC DESC BY",
         "-ERR syntax error\r\n"},
        {"SORT",
         "-ERR wrong number of arguments for 'sort' command\r\n"},
};

/* Options are checked before the key's type; LIMIT's numbers as Redis. */
START_TEST(errors_come_in_redis_s_order)
{
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, refusals);
    close(fd);
}
END_TEST

/* Redis's strcoll in the C locale stops at a NUL byte (equal prefixes
 * keep the list's order); a STORE compares whole bytes. */
START_TEST(alpha_compares_c_strings_but_stores_by_bytes)
{
    freeReplyObject(CMD("RPUSH n %b %b %b %s %s %s", "a\0b", (size_t)3, "a\0a", (size_t)3, "a",
                        (size_t)1, "\xff", "\x80", "B"));
    redisReply *r = CMD("SORT n ALPHA");
    harness_assert_array(r, 6);
    ck_assert_str_eq(r->element[0]->str, "B");
    ck_assert_mem_eq(r->element[1]->str, "a\0b", 3);
    ck_assert_mem_eq(r->element[2]->str, "a\0a", 3);
    ck_assert_str_eq(r->element[3]->str, "a");
    ck_assert_str_eq(r->element[4]->str, "\x80");
    ck_assert_str_eq(r->element[5]->str, "\xff");
    freeReplyObject(r);
    EXPECT_INT(6, "SORT n ALPHA STORE d");
    r = CMD("LRANGE d 0 -1");
    harness_assert_array(r, 6);
    ck_assert_str_eq(r->element[1]->str, "a");
    ck_assert_mem_eq(r->element[2]->str, "a\0a", 3);
    ck_assert_mem_eq(r->element[3]->str, "a\0b", 3);
    freeReplyObject(r);
    /* strtod reads up to the NUL as well */
    freeReplyObject(CMD("RPUSH z %b 3", "4\0x", (size_t)3));
    r = CMD("SORT z");
    harness_assert_array(r, 2);
    ck_assert_str_eq(r->element[0]->str, "3");
    freeReplyObject(r);
}
END_TEST

/* ---- BY and GET patterns, BY nosort ---------------------------------------------------- */

static const struct recorded_reply patterns[] = {
        {"FLUSHALL",
         "+OK\r\n"},
        {"RPUSH l 3 1 2 4",
         ":4\r\n"},
        {"MSET w_1 10 w_2 5 w_3 abc",
         "+OK\r\n"},
        {"HSET h_1 f one",
         ":1\r\n"},
        {"HSET h_2 f two",
         ":1\r\n"},
        {"HSET h_3 g three",
         ":1\r\n"},
        {"SORT l BY w_*",
         "-ERR One or more scores can't be converted into double\r\n"},
        {"SORT l BY w_* ALPHA",
         "*4\r\n$1\r\n4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
        {"SORT l BY w_* ALPHA DESC",
         "*4\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n4\r\n"},
        {"SORT l BY w_* ALPHA LIMIT 0 2",
         "*2\r\n$1\r\n4\r\n$1\r\n1\r\n"},
        {"SET w_3 7",
         "+OK\r\n"},
        {"SORT l BY w_*",
         "*4\r\n$1\r\n4\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n"},
        {"SORT l BY w_* GET # GET w_* GET nokey_* GET nostar",
         "*16\r\n$1\r\n4\r\n$-1\r\n$-1\r\n$-1\r\n$1\r\n2\r\n$1\r\n5\r\n$-1\r\n$-1\r\n$1\r\n3\r\n$1\r\n7\r\n$-1\r\n$-1\r\n$1\r\n1\r\n$2\r\n10\r\n$-1\r\n$-1\r\n"},
        {"SORT l BY w_* GET h_*->f GET # GET h_*->",
         "*12\r\n$-1\r\n$1\r\n4\r\n$-1\r\n$3\r\ntwo\r\n$1\r\n2\r\n$-1\r\n$-1\r\n$1\r\n3\r\n$-1\r\n$3\r\none\r\n$1\r\n1\r\n$-1\r\n"},
        {"SORT l BY h_*->f ALPHA",
         "*4\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n1\r\n$1\r\n2\r\n"},
        {"SORT l BY h_*->f",
         "-ERR One or more scores can't be converted into double\r\n"},
        {"SORT l BY w_*->f",
         "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"},
        {"SORT l BY l GET h_*->f",
         "*4\r\n$-1\r\n$3\r\none\r\n$3\r\ntwo\r\n$-1\r\n"},
        {"SORT_RO l BY nosort GET # GET w_*",
         "*8\r\n$1\r\n3\r\n$1\r\n7\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n5\r\n$1\r\n4\r\n$-1\r\n"},
        {"SORT l BY nokey_* GET #",
         "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"},
        {"SORT l BY nokey_* ALPHA DESC",
         "*4\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n4\r\n"},
        {"SET w_4 notanumber",
         "+OK\r\n"},
        {"SORT l BY w_*",
         "-ERR One or more scores can't be converted into double\r\n"},
        {"SORT l BY w_* ALPHA",
         "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"},
        {"SORT l BY nosort",
         "*4\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n4\r\n"},
        {"SORT l BY nosort DESC",
         "*4\r\n$1\r\n4\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n"},
        {"SORT l BY nosort LIMIT 1 2",
         "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
        {"SORT l BY nosort DESC LIMIT 1 2",
         "*2\r\n$1\r\n2\r\n$1\r\n1\r\n"},
        {"SORT l BY nosort LIMIT 10 2",
         "*0\r\n"},
        {"SORT l BY nosort LIMIT -1 2",
         "*2\r\n$1\r\n3\r\n$1\r\n1\r\n"},
        {"SORT l BY nosort DESC LIMIT 3 9223372036854775807",
         "*1\r\n$1\r\n3\r\n"},
        {"ZADD z 1 a 5 b 2 c 10 d 3 e",
         ":5\r\n"},
        {"SORT z BY nosort",
         "*5\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\ne\r\n$1\r\nb\r\n$1\r\nd\r\n"},
        {"SORT z BY nosort DESC",
         "*5\r\n$1\r\nd\r\n$1\r\nb\r\n$1\r\ne\r\n$1\r\nc\r\n$1\r\na\r\n"},
        {"SORT z BY nosort LIMIT 1 2",
         "*2\r\n$1\r\nc\r\n$1\r\ne\r\n"},
        {"SORT z BY nosort DESC LIMIT 1 2",
         "*2\r\n$1\r\nb\r\n$1\r\ne\r\n"},
        {"SORT z BY nosort LIMIT 5 10",
         "*0\r\n"},
        {"SORT z BY nosort LIMIT -10 100",
         "*5\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\ne\r\n$1\r\nb\r\n$1\r\nd\r\n"},
};

START_TEST(patterns_and_nosort_reply_as_redis)
{
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, patterns);
    close(fd);
}
END_TEST

static const struct recorded_reply patterns_resp3[] = {
        {"FLUSHALL",
         "+OK\r\n"},
        {"RPUSH l 3 1 2",
         ":3\r\n"},
        {"MSET w_1 10 w_3 7",
         "+OK\r\n"},
        {"SORT l BY w_* GET # GET w_* GET nostar",
         "*9\r\n$1\r\n2\r\n_\r\n_\r\n$1\r\n3\r\n$1\r\n7\r\n_\r\n$1\r\n1\r\n$2\r\n10\r\n_\r\n"},
        {"SORT l BY nosort GET h_*->f",
         "*3\r\n_\r\n_\r\n_\r\n"},
        {"SORT nokey GET #",
         "*0\r\n"},
};

START_TEST(a_missing_get_value_is_resp3_null)
{
    int fd = harness_resp3_connect(&harness_srv);
    REPLAY_RECORDED(fd, patterns_resp3);
    close(fd);
}
END_TEST

/* BY weights that tie keep the list's order, ascending or descending. */
START_TEST(ties_keep_the_key_s_order)
{
    EXPECT_INT(5, "RPUSH l e d c b a");
    EXPECT_OK("MSET w_a x w_c x w_e y");
    EXPECT_ARRAY(((const char *[]){"d", "b", "c", "a", "e"}), "SORT l BY w_* ALPHA");
    EXPECT_ARRAY(((const char *[]){"e", "c", "a", "d", "b"}), "SORT l BY w_* ALPHA DESC");
    EXPECT_ARRAY(((const char *[]){"e", "d", "c", "b", "a"}), "SORT l BY nokey_* ALPHA");
    /* numeric ties fall back to the elements' bytes */
    EXPECT_ARRAY(((const char *[]){"a", "b", "c", "d", "e"}), "SORT l BY nokey_*");
}
END_TEST

/* A set is sorted ALPHA under BY nosort when the result is stored or SORT
 * runs in a script, so replicas and replays agree; inside MULTI it is not
 * (Redis 7.0's rule): it comes in the set's own order. */
START_TEST(nosort_set_is_sorted_when_stored_or_scripted)
{
    static const char *const sorted[] = {"aa", "bb", "cc", "dd", "ee", "ff", "gg", "hh", "ii",
                                         "jj", "kk", "ll", "mm", "nn", "oo", "pp", "zz"};
    EXPECT_INT(17, "SADD s zz pp oo nn mm ll kk jj ii hh gg ff ee dd cc bb aa");
    EXPECT_INT(17, "SORT s BY nosort STORE d");
    EXPECT_ARRAY(sorted, "LRANGE d 0 -1");
    EXPECT_ARRAY(sorted, "EVAL %s 1 s", "return redis.call('sort', KEYS[1], 'by', 'nosort')");
    EXPECT_ARRAY(((const char *[]){"pp", "oo"}),
                 "EVAL %s 1 s", "return redis.call('sort', KEYS[1], 'by', 'nosort', 'desc', "
                                "'limit', 1, 2)");
    redisReply *members = CMD("SMEMBERS s");
    EXPECT_OK("MULTI");
    EXPECT_STATUS("QUEUED", "SORT s BY nosort");
    redisReply *r = CMD("EXEC");
    harness_assert_array(r, 1);
    harness_assert_array(r->element[0], 17);
    for (size_t i = 0; i < 17; i++)
        ck_assert_str_eq(r->element[0]->element[i]->str, members->element[i]->str);
    freeReplyObject(r);
    freeReplyObject(members);
}
END_TEST

/* ---- STORE ---------------------------------------------------------------------------- */

START_TEST(store_writes_a_list_and_replies_its_length)
{
    EXPECT_INT(4, "RPUSH src 3 1 2 4");
    EXPECT_OK("MSET w_1 x w_2 y");
    EXPECT_INT(4, "SORT src STORE dst");
    EXPECT_LIST("dst", "1", "2", "3", "4");
    EXPECT_ENCODING("dst", "quicklist");
    EXPECT_STATUS("list", "TYPE dst");
    /* GET patterns store what they name, "" for nothing */
    EXPECT_INT(8, "SORT src GET # GET w_* STORE dst");
    EXPECT_LIST("dst", "1", "x", "2", "y", "3", "", "4", "");
    /* a destination of another type is replaced; the last STORE wins */
    EXPECT_OK("SET str v");
    EXPECT_INT(2, "SORT src LIMIT 0 2 STORE nowhere STORE str");
    EXPECT_LIST("str", "1", "2");
    EXPECT_INT(0, "EXISTS nowhere");
    /* the sorted key itself may be the destination */
    EXPECT_INT(4, "SORT src DESC STORE src");
    EXPECT_LIST("src", "4", "3", "2", "1");
    /* any key, whichever shard holds it */
    for (int i = 0; i < 32; i++)
        EXPECT_INT(4, "SORT src STORE dst:%d", i);
    for (int i = 0; i < 32; i++)
        EXPECT_ARRAY(((const char *[]){"1", "2", "3", "4"}), "LRANGE dst:%d 0 -1", i);
}
END_TEST

START_TEST(an_empty_result_deletes_the_destination)
{
    EXPECT_INT(1, "RPUSH src a");
    EXPECT_INT(1, "RPUSH dst x");
    EXPECT_INT(0, "SORT src ALPHA LIMIT 10 10 STORE dst");
    EXPECT_INT(0, "EXISTS dst");
    EXPECT_INT(0, "SORT nokey STORE src");
    EXPECT_INT(0, "EXISTS src");
    EXPECT_INT(0, "SORT nokey STORE src");
}
END_TEST

START_TEST(events_are_redis_s)
{
    redisContext *sub = harness_keyevent_subscriber("KEA");
    EXPECT_INT(3, "RPUSH l 3 1 2");
    EXPECT_INT(3, "SORT l STORE d");
    EXPECT_INT(3, "SORT l STORE d");
    EXPECT_INT(0, "SORT nokey STORE d");
    EXPECT_INT(0, "SORT nokey STORE d"); /* nothing to delete: no event */
    EXPECT_EMPTY("SORT nokey");
    EXPECT_OK("SET x 1");
    EXPECT_INT(3, "SORT l STORE x");
    harness_expect_events(sub, "rpush/l sortstore/d sortstore/d del/d set/x sortstore/x");
    redisFree(sub);
    EXPECT_OK("CONFIG SET notify-keyspace-events %s", "");
}
END_TEST

START_TEST(store_invalidates_watch_a_read_does_not)
{
    redisContext *other = harness_connect(&harness_srv);
    EXPECT_INT(2, "RPUSH l b a");
    EXPECT_OK("WATCH d");
    harness_expect_reply(harness_cmd(other, "SORT l ALPHA"), "*2");
    harness_expect_int(harness_cmd(other, "SORT l ALPHA STORE elsewhere"), 2);
    ck_assert(harness_watched_exec_runs(harness_ctx));
    EXPECT_OK("WATCH d");
    harness_expect_int(harness_cmd(other, "SORT l ALPHA STORE d"), 2);
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    EXPECT_OK("WATCH d");
    harness_expect_int(harness_cmd(other, "SORT nokey STORE d"), 0);
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    redisFree(other);
}
END_TEST

/* ---- keys: COMMAND GETKEYS and INFO ------------------------------------------------------ */

static void expect_getkeys(const char *line, size_t n, const char *const *want)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "COMMAND GETKEYS %s", line);
    harness_expect_array(harness_cmd(harness_ctx, cmd), n, want);
}

START_TEST(getkeys_finds_the_key_and_the_last_store)
{
    expect_getkeys("SORT abc STORE def", 2, (const char *[]){"abc", "def"});
    expect_getkeys("SORT abc STORE invalid STORE stillbad STORE def", 2,
                   (const char *[]){"abc", "def"});
    expect_getkeys("SORT a BY store GET store LIMIT store 1 STORE c", 2,
                   (const char *[]){"a", "c"});
    expect_getkeys("SORT abc STORE", 1, (const char *[]){"abc"});
    expect_getkeys("SORT abc BY w_* GET #", 1, (const char *[]){"abc"});
    expect_getkeys("SORT_RO abc", 1, (const char *[]){"abc"});
}
END_TEST

START_TEST(command_info_shows_redis_s_key_specs)
{
    redisReply *r = CMD("COMMAND INFO sort sort_ro");
    harness_assert_array(r, 2);
    static const char *const flags[2][3] = {{"write", "denyoom", "movablekeys"},
                                            {"readonly", "movablekeys", NULL}};
    static const size_t specs[2] = {3, 2};
    for (size_t i = 0; i < 2; i++) {
        redisReply *info = r->element[i];
        ck_assert_int_eq(info->element[1]->integer, -2);
        for (size_t f = 0; f < info->element[2]->elements; f++)
            ck_assert_str_eq(info->element[2]->element[f]->str, flags[i][f]);
        ck_assert_int_eq(info->element[3]->integer, 1);
        ck_assert_int_eq(info->element[4]->integer, 1);
        redisReply *acl = info->element[6];
        ck_assert_str_eq(acl->element[acl->elements - 1]->str, "@dangerous");
        harness_assert_array(info->element[8], specs[i]);
        redisReply *spec = info->element[8]->element[1]; /* BY/GET: unknown */
        ck_assert_str_eq(spec->element[0]->str, "notes");
        ck_assert_ptr_nonnull(strstr(spec->element[1]->str, "BY/GET"));
        ck_assert_str_eq(spec->element[5]->element[1]->str, "unknown");
    }
    redisReply *store = r->element[0]->element[8]->element[2];
    ck_assert_str_eq(store->element[3]->element[0]->str, "OW");
    ck_assert_str_eq(store->element[3]->element[1]->str, "update");
    freeReplyObject(r);
}
END_TEST

/* ---- atomicity, transactions and scripts -------------------------------------------------- */

#define WEIGHTS 24
#define WRITER_ROUNDS 1500

struct writer {
    pthread_t thread;
    redisContext *c;
    atomic_bool done;
};

/* Sets every w_<i> to the same round number at once (MSET is atomic). */
static void *writer_main(void *arg)
{
    struct writer *w = arg;
    char cmd[WEIGHTS * 16 + 8];
    for (int round = 1; round <= WRITER_ROUNDS; round++) {
        int n = snprintf(cmd, sizeof(cmd), "MSET");
        for (int i = 0; i < WEIGHTS; i++)
            n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " w_%d %d", i, round);
        redisReply *r = redisCommand(w->c, cmd);
        if (r == NULL)
            break;
        freeReplyObject(r);
    }
    atomic_store(&w->done, true);
    return NULL;
}

/* Every value of one reply (GET w_*) is the same round: the sort read
 * them all at one moment. */
static void expect_one_round(const redisReply *r, size_t from, size_t n)
{
    harness_assert_array(r, from + n);
    for (size_t i = from + 1; i < from + n; i++)
        ck_assert_msg(r->element[i]->type == r->element[from]->type &&
                          (r->element[i]->type != REDIS_REPLY_STRING ||
                           strcmp(r->element[i]->str, r->element[from]->str) == 0),
                      "GET w_* read two rounds: element %zu", i);
}

/* SORT BY/GET patterns against a writer on the other loop: every sort
 * sees all its weights from one MSET, alone, in MULTI and in a script. */
START_TEST(pattern_reads_see_one_moment)
{
    for (int i = 0; i < WEIGHTS; i++) {
        EXPECT_INT(i + 1, "RPUSH l %d", i);
        EXPECT_OK("SET w_%d 0", i);
    }
    struct writer w = {.c = harness_connect(&harness_srv)};
    ck_assert_int_eq(pthread_create(&w.thread, NULL, writer_main, &w), 0);
    long sorts = 0;
    while (!atomic_load(&w.done)) {
        redisReply *r = CMD("SORT l BY w_* GET w_*");
        expect_one_round(r, 0, WEIGHTS);
        freeReplyObject(r);
        r = CMD("EVAL %s 1 l", "return redis.call('sort', KEYS[1], 'by', 'nosort', 'get', "
                               "'w_*')");
        expect_one_round(r, 0, WEIGHTS);
        freeReplyObject(r);
        EXPECT_OK("MULTI");
        EXPECT_STATUS("QUEUED", "SORT l BY nosort GET w_*");
        EXPECT_STATUS("QUEUED", "SORT l BY nosort GET w_* STORE copy");
        EXPECT_STATUS("QUEUED", "LRANGE copy 0 -1");
        r = CMD("EXEC");
        harness_assert_array(r, 3);
        expect_one_round(r->element[0], 0, WEIGHTS);
        expect_one_round(r->element[2], 0, WEIGHTS);
        ck_assert_str_eq(r->element[0]->element[0]->str, r->element[2]->element[0]->str);
        freeReplyObject(r);
        sorts++;
    }
    pthread_join(w.thread, NULL);
    redisFree(w.c);
    ck_assert_int_gt(sorts, 0);
}
END_TEST

/* Scripts hold the shards they touch until they end: a script sorting by
 * patterns after writing a key elsewhere, EXECs mixing SORT with
 * multi-key writes, and plain pattern sorts, all at once, finish. */
struct mixer {
    pthread_t thread;
    redisContext *c;
    int kind;
};

static void *mixer_main(void *arg)
{
    struct mixer *m = arg;
    for (int i = 0; i < 300; i++) {
        redisReply *r;
        if (m->kind == 0) {
            r = redisCommand(m->c, "EVAL %s 2 x%d l",
                             "redis.call('set', KEYS[1], '1') "
                             "return redis.call('sort', KEYS[2], 'by', 'w_*', 'store', 'o1')",
                             i);
        } else if (m->kind == 1) {
            freeReplyObject(redisCommand(m->c, "MULTI"));
            freeReplyObject(redisCommand(m->c, "MSET w_1 %d y%d 1", i, i));
            freeReplyObject(redisCommand(m->c, "SORT l BY w_* GET # STORE o2"));
            r = redisCommand(m->c, "EXEC");
        } else {
            r = redisCommand(m->c, "SORT l BY w_* GET w_* STORE o%d", i);
        }
        ck_assert_ptr_nonnull(r);
        ck_assert_int_ne(r->type, REDIS_REPLY_ERROR);
        freeReplyObject(r);
    }
    return NULL;
}

START_TEST(scripts_transactions_and_sorts_do_not_deadlock)
{
    struct mixer m[3];
    for (int i = 0; i < 8; i++)
        EXPECT_INT(i + 1, "RPUSH l %d", i);
    for (int i = 0; i < 3; i++) {
        m[i] = (struct mixer){.c = harness_connect(&harness_srv), .kind = i};
        ck_assert_int_eq(pthread_create(&m[i].thread, NULL, mixer_main, &m[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(m[i].thread, NULL);
        redisFree(m[i].c);
    }
    EXPECT_INT(8, "LLEN o1");
}
END_TEST

/* ---- the AOF ------------------------------------------------------------------------------ */

/* Redis propagates a SORT that stored (or deleted) as it was sent, and
 * nothing for one that only read or changed nothing. */
START_TEST(store_is_propagated_as_sent)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    char path[128], text[4096];
    harness_tmpdir_make(&d);
    const char *args[] = {"--dir", d.path, "--appendonly", "yes", "--appendfsync", "always",
                          NULL};
    harness_up(&f, args);
    harness_cmd_int(f.c, "RPUSH l 3 1 2");
    harness_cmd_ok(f.c, "SET w_1 5");
    harness_cmd_int(f.c, "SORT l BY w_* GET # STORE dst");
    harness_cmd_int(f.c, "SORT l LIMIT 0 0 STORE none");
    harness_cmd_int(f.c, "SORT l LIMIT 0 0 STORE dst");
    freeReplyObject(harness_cmd(f.c, "SORT_RO l BY w_*"));
    harness_cmd_int(f.c, "SORT l BY w_* STORE kept");
    harness_down(&f);
    snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.incr.aof", d.path);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    text[fread(text, 1, sizeof(text) - 1, fp)] = '\0';
    fclose(fp);
    ck_assert_ptr_nonnull(strstr(text, "*8\r\n$4\r\nSORT\r\n$1\r\nl\r\n$2\r\nBY\r\n$3\r\nw_*\r\n"
                                       "$3\r\nGET\r\n$1\r\n#\r\n$5\r\nSTORE\r\n$3\r\ndst\r\n"));
    ck_assert_ptr_nonnull(strstr(text, "STORE\r\n$3\r\ndst\r\n*7\r\n$4\r\nSORT\r\n$1\r\nl\r\n"
                                       "$5\r\nLIMIT\r\n$1\r\n0\r\n$1\r\n0\r\n$5\r\nSTORE\r\n"
                                       "$3\r\ndst\r\n"));
    ck_assert_ptr_null(strstr(text, "none"));
    ck_assert_ptr_null(strstr(text, "SORT_RO"));
    /* and it replays to the same lists */
    harness_up(&f, args);
    harness_expect_int(harness_cmd(f.c, "EXISTS dst"), 0);
    harness_expect_array(harness_cmd(f.c, "LRANGE kept 0 -1"), 3,
                         (const char *[]){"2", "3", "1"});
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

static Suite *sort_suite(void)
{
    Suite *s = suite_create("sort");
    TCase *tc = harness_server_case("order", start_server, NULL);
    tcase_add_test(tc, numbers_alpha_and_limit_reply_as_redis);
    tcase_add_test(tc, errors_come_in_redis_s_order);
    tcase_add_test(tc, alpha_compares_c_strings_but_stores_by_bytes);
    suite_add_tcase(s, tc);

    tc = harness_server_case("patterns", start_server, NULL);
    tcase_add_test(tc, patterns_and_nosort_reply_as_redis);
    tcase_add_test(tc, a_missing_get_value_is_resp3_null);
    tcase_add_test(tc, ties_keep_the_key_s_order);
    tcase_add_test(tc, nosort_set_is_sorted_when_stored_or_scripted);
    suite_add_tcase(s, tc);

    tc = harness_server_case("store", start_server, NULL);
    tcase_add_test(tc, store_writes_a_list_and_replies_its_length);
    tcase_add_test(tc, an_empty_result_deletes_the_destination);
    tcase_add_test(tc, events_are_redis_s);
    tcase_add_test(tc, store_invalidates_watch_a_read_does_not);
    suite_add_tcase(s, tc);

    tc = harness_server_case("keys", start_server, NULL);
    tcase_add_test(tc, getkeys_finds_the_key_and_the_last_store);
    tcase_add_test(tc, command_info_shows_redis_s_key_specs);
    suite_add_tcase(s, tc);

    tc = harness_server_case("atomicity", start_server, NULL);
    tcase_add_test(tc, pattern_reads_see_one_moment);
    tcase_add_test(tc, scripts_transactions_and_sorts_do_not_deadlock);
    suite_add_tcase(s, tc);

    tc = tcase_create("aof");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, store_is_propagated_as_sent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sort_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
