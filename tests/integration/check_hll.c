/*
 * check_hll.c - the HyperLogLog commands end to end: PFADD PFCOUNT PFMERGE
 * PFDEBUG PFSELFTEST (server/cmd_hll.c) and hll-sparse-max-bytes.
 *
 * Every expected reply, string and AOF line was taken from redis-server
 * 7.0.15 running the same commands: an HLL is a string, and the same
 * commands must leave the same bytes on both servers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "fixtures.h"

#define ERR_NOT_HLL "WRONGTYPE Key is not a valid HyperLogLog string value."
#define ERR_CORRUPT "INVALIDOBJ Corrupted HLL object detected"

/* Sparse headers: cached cardinality stale, or valid at 3. */
#define HDR_STALE "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80"
#define HDR_CARD3 "HYLL\x01\0\0\0\x03\0\0\0\0\0\0\0"
/* The opcodes of PFADD h a b c. */
#define OPS_ABC "\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a"

/* The value at key is exactly the bytes of a string literal. */
#define EXPECT_BYTES(key, lit) EXPECT_VALUE(key, lit, sizeof(lit) - 1)

static long long dirty(void)
{
    return harness_info_ll(harness_ctx, "persistence", "rdb_changes_since_last_save");
}

/* The top byte of the cached cardinality: 0x80 when stale. */
static unsigned cache_top_byte(const char *key)
{
    redisReply *r = CMD("GETRANGE %s 15 15", key);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 1);
    unsigned b = (unsigned char)r->str[0];
    freeReplyObject(r);
    return b;
}

static long long strlen_of(const char *key)
{
    return harness_cmd_int(harness_ctx, "STRLEN %s", key);
}

/* ---- PFADD and the bytes it leaves ---------------------------------------------------- */

START_TEST(pfadd_without_elements_creates_an_empty_hll)
{
    EXPECT_INT(1, "PFADD h");
    EXPECT_BYTES("h", HDR_STALE "\x7f\xff"); /* XZERO:16384; creating counts as a change */
    EXPECT_INT(0, "PFADD h");
    EXPECT_INT(0, "PFCOUNT h");
    EXPECT_BYTES("h", "HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff");
    EXPECT_INT(0, "PFCOUNT nokey");
    ck_assert_int_eq(harness_cmd_int(harness_ctx, "EXISTS nokey"), 0);
}
END_TEST

START_TEST(pfadd_leaves_redis_s_bytes_and_pfcount_caches)
{
    EXPECT_INT(1, "PFADD h a b c");
    EXPECT_INT(0, "PFADD h a b c");
    EXPECT_INT(1, "PFADD h2 %s", ""); /* the empty element counts (Redis's regression) */
    EXPECT_BYTES("h", HDR_STALE OPS_ABC);
    EXPECT_INT(3, "PFCOUNT h");
    EXPECT_BYTES("h", HDR_CARD3 OPS_ABC);
    EXPECT_INT(3, "PFCOUNT h");
    ck_assert_uint_eq(cache_top_byte("h"), 0);
    EXPECT_INT(1, "PFADD h 1 2 3");
    ck_assert_uint_eq(cache_top_byte("h"), 0x80); /* stale again */
    EXPECT_INT(6, "PFCOUNT h");
}
END_TEST

/* DUMP of PFADD h a b c then PFCOUNT h, from Redis 7.0.15. */
static const char redis_dump[] = "\x00\x1b" HDR_CARD3 OPS_ABC
                                 "\x0a\x00\xab\xfb\x2b\x7e\xa3\xb0\xef\xec";

START_TEST(hlls_move_between_redis_and_grove)
{
    redisReply *r = CMD("RESTORE r 0 %b", redis_dump, sizeof(redis_dump) - 1);
    harness_expect_status(r, "OK");
    EXPECT_INT(3, "PFCOUNT r");
    EXPECT_INT(0, "PFADD r a b c");
    EXPECT_INT(1, "PFADD h a b c");
    EXPECT_INT(3, "PFCOUNT h");
    r = CMD("DUMP h");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, sizeof(redis_dump) - 1);
    ck_assert_mem_eq(r->str, redis_dump, r->len);
    freeReplyObject(r);
    /* A small HLL set by SET is a short string (EMBSTR): PFADD and
     * PFCOUNT write to it all the same. */
    static const char empty[] = HDR_STALE "\x7f\xff";
    harness_expect_status(CMD("SET e %b", empty, sizeof(empty) - 1), "OK");
    EXPECT_INT(0, "PFADD e");
    EXPECT_INT(0, "PFCOUNT e");
    EXPECT_INT(1, "PFADD e a b c");
    EXPECT_BYTES("e", HDR_STALE OPS_ABC);
}
END_TEST

/* ---- sparse and dense ---------------------------------------------------------------- */

START_TEST(sparse_turns_dense_past_hll_sparse_max_bytes)
{
    static const char *const dflt[] = {"hll-sparse-max-bytes", "3000"};
    EXPECT_ARRAY(dflt, "CONFIG GET hll-sparse-max-bytes");
    EXPECT_INT(1, "PFADD h a b c d e d g h i j k");
    EXPECT_STATUS("sparse", "PFDEBUG ENCODING h");
    EXPECT_OK("CONFIG SET hll-sparse-max-bytes 30");
    EXPECT_INT(1, "PFADD h new_element");
    EXPECT_STATUS("dense", "PFDEBUG ENCODING h");
    ck_assert_int_eq(strlen_of("h"), 12304);
    /* Redis's loop: sparse while at most max bytes, dense right after. */
    EXPECT_OK("CONFIG SET hll-sparse-max-bytes 100");
    EXPECT_INT(1, "PFADD g");
    for (int i = 0; strlen_of("g") <= 100; i++) {
        EXPECT_STATUS("sparse", "PFDEBUG ENCODING g");
        freeReplyObject(CMD("PFADD g x%d y%d", i, i));
    }
    EXPECT_STATUS("dense", "PFDEBUG ENCODING g");
    EXPECT_OK("CONFIG SET hll-sparse-max-bytes 1kb");
    static const char *const kb[] = {"hll-sparse-max-bytes", "1024"};
    EXPECT_ARRAY(kb, "CONFIG GET hll-sparse-max-bytes");
    EXPECT_ERR("ERR CONFIG SET failed (possibly related to argument 'hll-sparse-max-bytes') - "
               "argument must be a memory value",
               "CONFIG SET hll-sparse-max-bytes -1");
    EXPECT_OK("CONFIG SET hll-sparse-max-bytes 3000");
}
END_TEST

/* PFADD n 0 .. PFADD n 9999, pipelined. */
static void add_numbers(int from, int to)
{
    for (int i = from; i < to; i++)
        ck_assert_int_eq(redisAppendCommand(harness_ctx, "PFADD n %d", i), REDIS_OK);
    for (int i = from; i < to; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(harness_ctx, (void **)&r), REDIS_OK);
        ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
        freeReplyObject(r);
    }
}

START_TEST(counts_are_redis_s)
{
    add_numbers(0, 1000);
    EXPECT_INT(1001, "PFCOUNT n");
    EXPECT_STATUS("sparse", "PFDEBUG ENCODING n");
    add_numbers(1000, 10000);
    EXPECT_INT(9987, "PFCOUNT n");
    EXPECT_STATUS("dense", "PFDEBUG ENCODING n");
}
END_TEST

START_TEST(promotion_keeps_the_ttl)
{
    EXPECT_INT(1, "PFADD h a b c");
    EXPECT_INT(1, "EXPIRE h 1000");
    EXPECT_INT(1, "PFDEBUG TODENSE h");
    EXPECT_INT(0, "PFDEBUG TODENSE h");
    ck_assert_int_gt(harness_cmd_int(harness_ctx, "TTL h"), 900);
    EXPECT_INT(1, "PFADD m x");
    EXPECT_INT(1, "EXPIRE m 1000");
    EXPECT_OK("PFMERGE m h");
    ck_assert_int_gt(harness_cmd_int(harness_ctx, "TTL m"), 900);
    EXPECT_STATUS("dense", "PFDEBUG ENCODING m");
}
END_TEST

/* ---- PFCOUNT of several keys, PFMERGE ------------------------------------------------- */

START_TEST(pfcount_of_several_keys_counts_the_union_without_caching)
{
    EXPECT_INT(1, "PFADD a 1 2 3");
    EXPECT_INT(1, "PFADD b 3 4 5");
    EXPECT_INT(5, "PFCOUNT a b nokey");
    EXPECT_INT(5, "PFCOUNT a b a");
    ck_assert_uint_eq(cache_top_byte("a"), 0x80); /* nothing cached */
    EXPECT_INT(1, "PFDEBUG TODENSE b");
    EXPECT_INT(5, "PFCOUNT a b");
    EXPECT_INT(0, "PFCOUNT nokey other");
}
END_TEST

START_TEST(pfmerge_keeps_a_sparse_union_sparse)
{
    EXPECT_INT(1, "PFADD a 1 2 3");
    EXPECT_INT(1, "PFADD b 3 4 5");
    EXPECT_OK("PFMERGE m a b");
    EXPECT_BYTES("m", HDR_STALE "A\xee\x84H#\x80SQ\x80Mt\x80Q,\x8c" "C\xf3");
    EXPECT_INT(5, "PFCOUNT m");
    EXPECT_INT(1, "PFDEBUG TODENSE b");
    EXPECT_OK("PFMERGE d a b");
    EXPECT_STATUS("dense", "PFDEBUG ENCODING d");
    EXPECT_INT(5, "PFCOUNT d");
}
END_TEST

START_TEST(pfmerge_of_missing_keys_creates_an_empty_destination)
{
    EXPECT_OK("PFMERGE dest nokey");
    EXPECT_INT(1, "EXISTS dest");
    EXPECT_INT(0, "PFCOUNT dest");
    EXPECT_OK("PFMERGE dest2");
    EXPECT_BYTES("dest2", HDR_STALE "\x7f\xff");
    EXPECT_INT(1, "PFADD self a b c");
    EXPECT_OK("PFMERGE self");
    EXPECT_INT(3, "PFCOUNT self");
}
END_TEST

/* ---- errors ---------------------------------------------------------------------------- */

START_TEST(errors_are_redis_s)
{
    static const struct harness_step steps[] = {
        {"SET s x", "+OK"},
        {"SET i 7", "+OK"},
        {"LPUSH l 1", ":1"},
        {"PFADD h a", ":1"},
        {"PFADD s 1", "-" ERR_NOT_HLL},
        {"PFCOUNT i", "-" ERR_NOT_HLL},
        {"PFADD l 1", "-" ERR_WRONGTYPE},
        {"PFCOUNT h l", "-" ERR_WRONGTYPE},
        {"PFCOUNT h s", "-" ERR_NOT_HLL},
        {"PFMERGE l h", "-" ERR_WRONGTYPE},
        {"PFMERGE h l", "-" ERR_WRONGTYPE},
        {"PFMERGE s h", "-" ERR_NOT_HLL},
        {"PFCOUNT", "-ERR wrong number of arguments for 'pfcount' command"},
        {"PFADD", "-ERR wrong number of arguments for 'pfadd' command"},
        {"PFMERGE", "-ERR wrong number of arguments for 'pfmerge' command"},
        {"PFDEBUG GETREG h x", "-ERR wrong number of arguments for 'pfdebug' command"},
        {"PFSELFTEST x", "-ERR wrong number of arguments for 'pfselftest' command"},
        {"PFDEBUG GETREG nokey", "-ERR The specified key does not exist"},
        {"PFDEBUG NOPE nokey", "-ERR The specified key does not exist"},
        {"PFDEBUG NOPE s", "-" ERR_NOT_HLL},
        {"PFDEBUG NOPE h", "-ERR Unknown PFDEBUG subcommand 'NOPE'"},
        {"PFDEBUG ENCODING i", "-" ERR_NOT_HLL},
        {"PFDEBUG TODENSE h", ":1"},
        {"PFDEBUG DECODE h", "-ERR HLL encoding is not sparse"},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        harness_expect_step(harness_ctx, &steps[i]);
}
END_TEST

/* Redis's own corruption tests (unit/hyperloglog.tcl). */
START_TEST(corrupt_hlls_are_detected)
{
    EXPECT_INT(1, "PFADD h a b c");
    EXPECT_INT(32, "APPEND h hello");
    EXPECT_ERR(ERR_CORRUPT, "PFCOUNT h");
    EXPECT_INT(1, "PFADD h x y z"); /* an update reads only up to its register */
    EXPECT_ERR(ERR_CORRUPT, "PFMERGE m h");
    EXPECT_INT(0, "EXISTS m");
    EXPECT_INT(1, "DEL h");
    EXPECT_INT(1, "PFADD h a b c");
    EXPECT_INT(27, "SETRANGE h 0 0123");
    EXPECT_ERR(ERR_NOT_HLL, "PFCOUNT h");
    EXPECT_INT(27, "SETRANGE h 0 HYLLx");
    EXPECT_ERR(ERR_NOT_HLL, "PFCOUNT h");
    EXPECT_INT(27, "SETRANGE h 4 %b", "\x00", (size_t)1); /* dense of the wrong length */
    EXPECT_ERR(ERR_NOT_HLL, "PFCOUNT h");
}
END_TEST

/* Redis's regression test for CVE-2025-32023: 2^17 + 1000 full XZEROs
 * (more registers than an int counts) then a VAL. */
START_TEST(huge_zero_runs_do_not_overflow)
{
    size_t n = 131072 + 1000, len = 16 + 2 * n + 1;
    char *p = malloc(len);
    memcpy(p, HDR_STALE, 16);
    for (size_t i = 0; i < n; i++)
        memcpy(p + 16 + 2 * i, "\x7f\xff", 2);
    p[len - 1] = (char)0xff;
    harness_expect_status(CMD("SET h %b", p, len), "OK");
    free(p);
    EXPECT_ERR(ERR_CORRUPT, "PFCOUNT h h");
    EXPECT_ERR(ERR_CORRUPT, "PFDEBUG GETREG h");
    EXPECT_ERR(ERR_CORRUPT, "PFCOUNT h");
    EXPECT_STATUS("PONG", "PING");
}
END_TEST

/* ---- PFDEBUG, PFSELFTEST ------------------------------------------------------------------ */

START_TEST(pfdebug_shows_and_converts_the_encoding)
{
    EXPECT_INT(1, "PFADD h a b c");
    EXPECT_STR("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603", "PFDEBUG DECODE h");
    EXPECT_STATUS("sparse", "PFDEBUG ENCODING h");
    redisReply *r = CMD("PFDEBUG GETREG h");
    harness_assert_array(r, 16384);
    long long sum = 0;
    for (size_t i = 0; i < r->elements; i++)
        sum += r->element[i]->integer;
    ck_assert_int_eq(r->element[8436]->integer, 1);
    ck_assert_int_eq(r->element[12711]->integer, 2);
    ck_assert_int_eq(sum, 4);
    freeReplyObject(r);
    EXPECT_STATUS("dense", "PFDEBUG ENCODING h"); /* GETREG converted it */
    EXPECT_INT(3, "PFCOUNT h");
    EXPECT_INT(1, "PFADD e");
    EXPECT_STR("Z:16384", "PFDEBUG DECODE e");
}
END_TEST

START_TEST(pfselftest_passes)
{
    EXPECT_OK("PFSELFTEST");
}
END_TEST

/* ---- changes: save points, WATCH, events, the AOF ----------------------------------------- */

START_TEST(changes_are_counted_as_redis_counts_them)
{
    static const struct {
        const char *cmd;
        long long changes;
    } steps[] = {{"PFADD h a b c", 4}, /* created, then one per register */
                 {"PFADD h a", 0},
                 {"PFADD h a zz", 1},
                 {"PFCOUNT h", 1}, /* the cache written */
                 {"PFCOUNT h", 0},
                 {"PFCOUNT h x", 0},
                 {"PFMERGE m h", 1},
                 {"PFMERGE m", 1},
                 {"PFDEBUG GETREG m", 1}, /* converted */
                 {"PFDEBUG GETREG m", 0},
                 {"PFDEBUG TODENSE h", 1},
                 {"PFADD q", 1},
                 {"PFADD q", 0}};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        long long before = dirty();
        freeReplyObject(CMD(steps[i].cmd));
        ck_assert_msg(dirty() - before == steps[i].changes, "%s: %lld changes", steps[i].cmd,
                      dirty() - before);
    }
}
END_TEST

START_TEST(watch_fails_when_the_string_changes)
{
    static const struct {
        const char *cmd;
        bool changes;
    } steps[] = {{"PFADD w a", false},
                 {"PFCOUNT w", true}, /* writes the cache */
                 {"PFCOUNT w", false},
                 {"PFADD w d", true}};
    redisContext *other = harness_connect(&harness_srv);
    EXPECT_INT(1, "PFADD w a b c");
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        EXPECT_OK("WATCH w");
        freeReplyObject(harness_cmd(other, steps[i].cmd));
        ck_assert_msg(harness_watched_exec_runs(harness_ctx) == !steps[i].changes, "%s",
                      steps[i].cmd);
    }
    redisFree(other);
}
END_TEST

START_TEST(events_are_redis_s)
{
    redisContext *sub = harness_keyevent_subscriber("E$g");
    EXPECT_INT(1, "PFADD h a");
    EXPECT_INT(0, "PFADD h a");  /* unchanged: no event */
    EXPECT_INT(1, "PFCOUNT h");  /* caching: no event */
    EXPECT_OK("PFMERGE m h");    /* "pfadd" too, as Redis */
    EXPECT_INT(1, "PFDEBUG TODENSE m");
    EXPECT_INT(1, "DEL m");
    harness_expect_events(sub, "pfadd/h pfadd/m del/m");
    redisFree(sub);
    harness_expect_status(CMD("CONFIG SET notify-keyspace-events %s", ""), "OK");
}
END_TEST

/* Redis 7.0.15's AOF after the same commands, byte for byte: a PFCOUNT
 * that wrote the cache is propagated, as are conversions. */
START_TEST(the_aof_gets_redis_s_lines)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    char path[128], buf[1024];
    harness_tmpdir_make(&d);
    const char *args[] = {"--dir", d.path, "--appendonly", "yes", "--appendfsync", "always", NULL};
    harness_up(&f, args);
    static const char *const cmds[] = {"pfadd h a b c",     "pfadd h a",       "pfcount h",
                                       "pfcount h",         "pfcount h nokey", "pfmerge d h",
                                       "pfdebug todense h", "pfdebug getreg d", "pfdebug encoding d",
                                       "pfmerge d",         "pfadd e",         "pfadd e"};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        freeReplyObject(harness_cmd(f.c, cmds[i]));
    snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.incr.aof", d.path);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    ck_assert_str_eq(buf, "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
                          "*5\r\n$5\r\npfadd\r\n$1\r\nh\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
                          "*2\r\n$7\r\npfcount\r\n$1\r\nh\r\n"
                          "*3\r\n$7\r\npfmerge\r\n$1\r\nd\r\n$1\r\nh\r\n"
                          "*3\r\n$7\r\npfdebug\r\n$7\r\ntodense\r\n$1\r\nh\r\n"
                          "*3\r\n$7\r\npfdebug\r\n$6\r\ngetreg\r\n$1\r\nd\r\n"
                          "*2\r\n$7\r\npfmerge\r\n$1\r\nd\r\n"
                          "*2\r\n$5\r\npfadd\r\n$1\r\ne\r\n");
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

START_TEST(command_info_lists_the_hyperloglog_commands)
{
    static const struct {
        const char *name;
        int arity, first, last;
    } cmds[] = {{"pfadd", -2, 1, 1},   {"pfcount", -2, 1, -1},  {"pfmerge", -2, 1, -1},
                {"pfdebug", 3, 2, 2}, {"pfselftest", 1, 0, 0}};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        redisReply *r = CMD("COMMAND INFO %s", cmds[i].name);
        redisReply *info = r->element[0];
        ck_assert_int_eq(info->type, REDIS_REPLY_ARRAY);
        ck_assert_str_eq(info->element[0]->str, cmds[i].name);
        ck_assert_int_eq(info->element[1]->integer, cmds[i].arity);
        ck_assert_int_eq(info->element[3]->integer, cmds[i].first);
        ck_assert_int_eq(info->element[4]->integer, cmds[i].last);
        bool listed = false;
        for (size_t j = 0; j < info->element[6]->elements; j++)
            listed |= strcmp(info->element[6]->element[j]->str, "@hyperloglog") == 0;
        ck_assert(listed);
        freeReplyObject(r);
    }
}
END_TEST

static Suite *hll_suite(void)
{
    Suite *s = suite_create("hll");
    TCase *tc = harness_server_case("pfadd", NULL, NULL);
    tcase_add_test(tc, pfadd_without_elements_creates_an_empty_hll);
    tcase_add_test(tc, pfadd_leaves_redis_s_bytes_and_pfcount_caches);
    tcase_add_test(tc, hlls_move_between_redis_and_grove);
    tcase_add_test(tc, sparse_turns_dense_past_hll_sparse_max_bytes);
    tcase_add_test(tc, counts_are_redis_s);
    tcase_add_test(tc, promotion_keeps_the_ttl);
    suite_add_tcase(s, tc);

    tc = harness_server_case("union", NULL, NULL);
    tcase_add_test(tc, pfcount_of_several_keys_counts_the_union_without_caching);
    tcase_add_test(tc, pfmerge_keeps_a_sparse_union_sparse);
    tcase_add_test(tc, pfmerge_of_missing_keys_creates_an_empty_destination);
    suite_add_tcase(s, tc);

    tc = harness_server_case("errors", NULL, NULL);
    tcase_add_test(tc, errors_are_redis_s);
    tcase_add_test(tc, corrupt_hlls_are_detected);
    tcase_add_test(tc, huge_zero_runs_do_not_overflow);
    tcase_add_test(tc, pfdebug_shows_and_converts_the_encoding);
    tcase_add_test(tc, pfselftest_passes);
    suite_add_tcase(s, tc);

    tc = harness_server_case("changes", NULL, NULL);
    tcase_add_test(tc, changes_are_counted_as_redis_counts_them);
    tcase_add_test(tc, watch_fails_when_the_string_changes);
    tcase_add_test(tc, events_are_redis_s);
    tcase_add_test(tc, command_info_lists_the_hyperloglog_commands);
    suite_add_tcase(s, tc);

    tc = tcase_create("aof");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_aof_gets_redis_s_lines);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hll_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
