/*
 * check_bits.c - the bitmap commands end to end: SETBIT GETBIT BITCOUNT
 * BITPOS BITOP BITFIELD BITFIELD_RO (server/cmd_bit.c).
 *
 * Every expected reply was taken from redis-server 7.0.15 running the same
 * commands, errors and their order included; where Redis's answer is
 * surprising the test says so.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

#define ERR_OFFSET "ERR bit offset is not an integer or out of range"
#define ERR_BIT "ERR bit is not an integer or out of range"
#define ERR_TYPE                                                                                \
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but " \
    "i64 is."
#define ERR_RO "ERR BITFIELD_RO only supports the GET subcommand"

static void start_server(void)
{
    static const char *const args[] = {"--threads", "2", "--proto-max-bulk-len", "1mb", NULL};
    harness_start(&harness_srv, args);
}

static long long dirty(void)
{
    return harness_info_ll(harness_ctx, "persistence", "rdb_changes_since_last_save");
}

/* ---- SETBIT and GETBIT ------------------------------------------------------------ */

START_TEST(setbit_returns_the_old_bit_and_pads_with_zeros)
{
    EXPECT_INT(0, "SETBIT k 7 1");
    EXPECT_VALUE("k", "\x01", 1);
    EXPECT_INT(1, "SETBIT k 7 0");
    EXPECT_INT(0, "SETBIT k 17 1");
    EXPECT_INT(3, "STRLEN k");
    EXPECT_INT(1, "GETBIT k 17");
    EXPECT_INT(0, "GETBIT k 16");
    EXPECT_INT(0, "GETBIT k 1000");
    EXPECT_INT(0, "GETBIT nokey 3");
    EXPECT_ENCODING("k", "raw");
}
END_TEST

START_TEST(bits_of_an_int_value_are_its_decimal_text)
{
    EXPECT_OK("SET i 255"); /* "255" = 0x32 0x35 0x35 */
    EXPECT_INT(1, "GETBIT i 2");
    EXPECT_INT(1, "GETBIT i 3");
    EXPECT_INT(11, "BITCOUNT i");
    EXPECT_ENCODING("i", "int");
    EXPECT_INT(0, "SETBIT i 7 1");
    EXPECT_STR("355", "GET i");
    EXPECT_ENCODING("i", "raw");
    EXPECT_OK("SET e abc");
    EXPECT_INT(1, "SETBIT e 1 1"); /* unchanged, and still made RAW as Redis */
    EXPECT_ENCODING("e", "raw");
}
END_TEST

START_TEST(setbit_and_getbit_reject_bad_arguments)
{
    EXPECT_ERR(ERR_OFFSET, "SETBIT k -1 1");
    EXPECT_ERR(ERR_OFFSET, "SETBIT k abc 1");
    EXPECT_ERR(ERR_OFFSET, "GETBIT k 1.5");
    EXPECT_ERR(ERR_BIT, "SETBIT k 1 2");
    EXPECT_ERR(ERR_BIT, "SETBIT k 1 -1");
    EXPECT_ERR(ERR_BIT, "SETBIT k 1 x");
    /* The offset is checked before the bit, both before the key's type. */
    EXPECT_INT(1, "RPUSH l x");
    EXPECT_ERR(ERR_OFFSET, "SETBIT l x y");
    EXPECT_ERR(ERR_WRONGTYPE, "SETBIT l 1 1");
    EXPECT_ERR(ERR_WRONGTYPE, "GETBIT l 1");
    EXPECT_ERR("ERR wrong number of arguments for 'setbit' command", "SETBIT k 1");
}
END_TEST

START_TEST(offsets_are_bounded_by_proto_max_bulk_len)
{
    /* 1 MB here: the last addressable bit is 8 * 1048576 - 1. */
    EXPECT_ERR(ERR_OFFSET, "SETBIT k 8388608 1");
    EXPECT_ERR(ERR_OFFSET, "GETBIT k 8388608");
    EXPECT_ERR(ERR_OFFSET, "BITFIELD k GET u8 8388608");
    EXPECT_INT(0, "SETBIT k 8388607 1");
    EXPECT_INT(1048576, "STRLEN k");
    EXPECT_INT(1, "BITCOUNT k");
    EXPECT_INT(8388607, "BITPOS k 1");
    EXPECT_INT(1, "DEL k");
}
END_TEST

/* ---- BITCOUNT ------------------------------------------------------------------- */

START_TEST(bitcount_counts_bytes_or_bits_with_negative_ranges)
{
    EXPECT_OK("SET s foobar");
    EXPECT_INT(26, "BITCOUNT s");
    EXPECT_INT(4, "BITCOUNT s 0 0");
    EXPECT_INT(6, "BITCOUNT s 1 1");
    EXPECT_INT(6, "BITCOUNT s 1 1 BYTE");
    EXPECT_INT(1, "BITCOUNT s 1 1 bit");
    EXPECT_INT(17, "BITCOUNT s 5 30 BIT");
    EXPECT_INT(7, "BITCOUNT s -2 -1");
    EXPECT_INT(0, "BITCOUNT s -1 -2");
    EXPECT_INT(26, "BITCOUNT s -100 100");
    EXPECT_INT(0, "BITCOUNT s 4 2");
    EXPECT_INT(0, "BITCOUNT nokey");
}
END_TEST

START_TEST(bitcount_looks_the_key_up_before_its_arguments)
{
    /* Redis 7.0: a missing key answers 0 whatever the range says. */
    EXPECT_INT(0, "BITCOUNT nokey a b");
    EXPECT_INT(0, "BITCOUNT nokey 0");
    EXPECT_OK("SET s foobar");
    EXPECT_ERR(ERR_NOT_INT, "BITCOUNT s a b");
    EXPECT_ERR(ERR_SYNTAX, "BITCOUNT s 0");
    EXPECT_ERR(ERR_SYNTAX, "BITCOUNT s 0 1 bits");
    EXPECT_ERR(ERR_SYNTAX, "BITCOUNT s 0 1 bit x");
    /* Two negative indexes in the wrong order answer 0 before the unit. */
    EXPECT_INT(0, "BITCOUNT s -9 -100 nonsense");
    EXPECT_INT(1, "RPUSH l x");
    EXPECT_ERR(ERR_WRONGTYPE, "BITCOUNT l");
}
END_TEST

START_TEST(bitcount_of_a_large_string_is_exact)
{
    static char buf[300001];
    memset(buf, 0xff, sizeof(buf));
    buf[1] = 0x0f; /* 4 bits fewer */
    harness_expect_status(CMD("SET big %b", buf, sizeof(buf)), "OK");
    EXPECT_INT(300001LL * 8 - 4, "BITCOUNT big");
    EXPECT_INT(300001LL * 8 - 4 - 8, "BITCOUNT big 0 -2");
    EXPECT_INT(5, "BITCOUNT big 7 15 BIT");
    EXPECT_INT(8, "BITPOS big 0");
    EXPECT_INT(300001LL * 8, "BITPOS big 0 2");
    EXPECT_INT(-1, "BITPOS big 0 2 -1");
}
END_TEST

/* ---- BITPOS --------------------------------------------------------------------- */

START_TEST(bitpos_finds_the_first_set_or_clear_bit)
{
    EXPECT_OK("SET s foobar");
    EXPECT_INT(1, "BITPOS s 1");
    EXPECT_INT(0, "BITPOS s 0");
    EXPECT_INT(17, "BITPOS s 1 2");
    EXPECT_INT(41, "BITPOS s 1 -1");
    EXPECT_INT(24, "BITPOS s 0 3 3");
    EXPECT_INT(9, "BITPOS s 1 7 15 bit");
    EXPECT_INT(0, "BITPOS s 0 0 -1 BIT");
    EXPECT_INT(-1, "BITPOS s 1 4 2");
    /* Unlike BITCOUNT, -100 -200 clamps to the first byte. */
    EXPECT_INT(1, "BITPOS s 1 -100 -200");
}
END_TEST

START_TEST(bitpos_treats_all_ones_as_zero_padded_without_an_end)
{
    harness_expect_status(CMD("SET ff %b", "\xff\xff", (size_t)2), "OK");
    EXPECT_INT(16, "BITPOS ff 0");
    EXPECT_INT(16, "BITPOS ff 0 1");
    EXPECT_INT(-1, "BITPOS ff 0 0 -1");
    EXPECT_INT(-1, "BITPOS ff 0 0 -1 bit");
    harness_expect_status(CMD("SET empty %s", ""), "OK");
    EXPECT_INT(-1, "BITPOS empty 0");
    EXPECT_INT(-1, "BITPOS empty 1");
    /* A missing key: no 1 anywhere, a 0 at once. */
    EXPECT_INT(-1, "BITPOS nokey 1");
    EXPECT_INT(0, "BITPOS nokey 0");
}
END_TEST

START_TEST(bitpos_checks_the_bit_then_the_key_then_the_range)
{
    EXPECT_ERR(ERR_NOT_INT, "BITPOS nokey x");
    EXPECT_ERR("ERR The bit argument must be 1 or 0.", "BITPOS nokey 2");
    EXPECT_INT(-1, "BITPOS nokey 1 a b c");
    EXPECT_OK("SET s foobar");
    EXPECT_ERR(ERR_NOT_INT, "BITPOS s 1 a");
    /* The unit is read before the end. */
    EXPECT_ERR(ERR_SYNTAX, "BITPOS s 1 0 abc foo");
    EXPECT_ERR(ERR_NOT_INT, "BITPOS s 1 0 abc bit");
    EXPECT_ERR(ERR_SYNTAX, "BITPOS s 1 0 1 bit x");
    EXPECT_INT(1, "RPUSH l x");
    EXPECT_ERR(ERR_WRONGTYPE, "BITPOS l 1");
}
END_TEST

/* ---- BITOP ---------------------------------------------------------------------- */

START_TEST(bitop_combines_zero_padded_sources)
{
    EXPECT_OK("MSET a abc b xyz12");
    EXPECT_INT(5, "BITOP AND d a b");
    EXPECT_VALUE("d", "``b\0\0", 5);
    EXPECT_INT(5, "BITOP or d a b");
    EXPECT_STR("y{{12", "GET d");
    EXPECT_INT(5, "BITOP XOR d a b");
    EXPECT_VALUE("d", "\x19\x1b\x19" "12", 5);
    EXPECT_INT(5, "BITOP NOT d b");
    EXPECT_VALUE("d", "\x87\x86\x85\xce\xcd", 5);
    EXPECT_ENCODING("d", "raw");
    EXPECT_INT(3, "BITOP NOT a a"); /* a source may be the destination */
    EXPECT_INT(3, "BITOP NOT a a");
    EXPECT_STR("abc", "GET a");
    EXPECT_INT(5, "BITOP AND d a nokey b");
    EXPECT_VALUE("d", "\0\0\0\0\0", 5);
}
END_TEST

START_TEST(bitop_of_empty_sources_deletes_the_destination)
{
    EXPECT_OK("SET d x");
    EXPECT_INT(1, "EXPIRE d 100");
    EXPECT_OK("SET a abc");
    EXPECT_INT(3, "BITOP OR d a nokey");
    EXPECT_INT(-1, "TTL d"); /* the result replaces the key and its TTL */
    EXPECT_INT(0, "BITOP OR d nokey nokey2");
    EXPECT_INT(0, "EXISTS d");
}
END_TEST

START_TEST(bitop_rejects_bad_operations_and_types)
{
    EXPECT_ERR(ERR_SYNTAX, "BITOP NAND d a");
    EXPECT_ERR("ERR BITOP NOT must be called with a single source key.", "BITOP NOT d a b");
    EXPECT_INT(1, "RPUSH l x");
    EXPECT_ERR(ERR_WRONGTYPE, "BITOP AND d nokey l");
    EXPECT_INT(0, "EXISTS d");
    EXPECT_ERR("ERR wrong number of arguments for 'bitop' command", "BITOP AND d");
}
END_TEST

/* ---- BITFIELD ------------------------------------------------------------------- */

START_TEST(bitfield_gets_sets_and_increments_fields)
{
    static const long long want[] = {0, 15, 143, 0, 15, 0, -1, 9223372036854775807LL};
    EXPECT_OK("SET bf \x80");
    EXPECT_INTS(want, "BITFIELD bf SET u4 #1 15 GET u4 #1 GET u8 0 INCRBY u4 #1 1 "
                      "OVERFLOW SAT INCRBY u4 #1 100 SET i64 8 -1 GET i64 8 GET u63 9");
    EXPECT_INT(9, "STRLEN bf");
    EXPECT_ENCODING("bf", "raw");
    EXPECT_EMPTY("BITFIELD bf");
}
END_TEST

START_TEST(bitfield_overflow_wraps_saturates_or_fails)
{
    redisReply *r = CMD("BITFIELD o SET i8 0 100 INCRBY i8 0 100 GET u8 0 OVERFLOW SAT "
                        "INCRBY i8 0 -300 OVERFLOW FAIL INCRBY i8 0 -1 GET i8 0");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 6);
    const long long want[] = {0, -56, 200, -128, 0, -128};
    for (size_t i = 0; i < 6; i++) {
        if (i == 4)
            ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_NIL);
        else
            ck_assert_int_eq(r->element[i]->integer, want[i]);
    }
    freeReplyObject(r);
    static const long long sat[] = {0, 255, 255, 7, 7};
    EXPECT_INTS(sat, "BITFIELD u OVERFLOW SAT SET u8 0 -1 GET u8 0 SET u8 0 7 GET i8 0 "
                     "OVERFLOW WRAP SET i8 0 200");
    /* Redis's quirk: a SET within 128 of INT64_MIN saturates to the top. */
    static const long long quirk[] = {0, 127};
    EXPECT_INTS(quirk, "BITFIELD q OVERFLOW SAT SET i8 0 -9223372036854775808 GET i8 0");
}
END_TEST

START_TEST(bitfield_rejects_bad_operations)
{
    EXPECT_ERR(ERR_TYPE, "BITFIELD k GET u64 0");
    EXPECT_ERR(ERR_TYPE, "BITFIELD k GET i65 0");
    EXPECT_ERR(ERR_TYPE, "BITFIELD k GET i0 0");
    EXPECT_ERR(ERR_TYPE, "BITFIELD k GET U8 0");
    EXPECT_ERR("ERR Invalid OVERFLOW type specified", "BITFIELD k OVERFLOW foo");
    EXPECT_ERR(ERR_SYNTAX, "BITFIELD k OVERFLOW");
    EXPECT_ERR(ERR_SYNTAX, "BITFIELD k GET u8");
    EXPECT_ERR(ERR_SYNTAX, "BITFIELD k bar");
    EXPECT_ERR(ERR_NOT_INT, "BITFIELD k SET u8 0 abc");
    EXPECT_ERR(ERR_OFFSET, "BITFIELD k GET u8 -1");
    EXPECT_ERR(ERR_OFFSET, "BITFIELD k GET u8 #-1");
    EXPECT_INT(0, "EXISTS k"); /* nothing ran: every operation is parsed first */
    EXPECT_INT(1, "RPUSH l x");
    EXPECT_ERR(ERR_WRONGTYPE, "BITFIELD l GET u8 0");
    EXPECT_ERR(ERR_WRONGTYPE, "BITFIELD l SET u8 0 1");
}
END_TEST

START_TEST(bitfield_ro_takes_gets_only)
{
    static const long long want[] = {97, 1, -2};
    EXPECT_OK("SET k a");
    EXPECT_INTS(want, "BITFIELD_RO k GET u8 0 GET i3 5 GET i3 1");
    EXPECT_ERR(ERR_RO, "BITFIELD_RO k GET u8 0 SET u8 0 1");
    EXPECT_ERR(ERR_TYPE, "BITFIELD_RO k GET x8 0 SET u8 0 1");
    EXPECT_INT(1, "RPUSH l x");
    EXPECT_ERR(ERR_RO, "BITFIELD_RO l SET u8 0 1"); /* before WRONGTYPE, as Redis */
    EXPECT_ERR(ERR_WRONGTYPE, "BITFIELD_RO l GET u8 0");
    static const long long zero[] = {0};
    EXPECT_INTS(zero, "BITFIELD_RO nokey GET i64 100");
    EXPECT_INT(0, "EXISTS nokey");
}
END_TEST

START_TEST(bitfield_fail_answers_null_in_resp3)
{
    int fd = harness_resp3_connect(&harness_srv);
    harness_raw_roundtrip(fd, "BITFIELD z OVERFLOW FAIL INCRBY u2 0 9 GET u2 0\r\n",
                          "*2\r\n_\r\n:0\r\n");
    close(fd);
}
END_TEST

/* ---- changes: WATCH, save points, events ------------------------------------------ */

START_TEST(only_writes_that_change_bits_count_as_changes)
{
    static const long long old[] = {16}, two[] = {16, 18};
    EXPECT_INT(0, "SETBIT k 3 1"); /* k is 0x10 */
    long long before = dirty();
    EXPECT_INT(1, "SETBIT k 3 1");
    EXPECT_INT(0, "SETBIT k 2 0");
    EXPECT_INTS(old, "BITFIELD k SET u8 0 16");
    freeReplyObject(CMD("BITFIELD k OVERFLOW FAIL INCRBY u8 0 1000"));
    ck_assert_int_eq(dirty(), before);
    EXPECT_INTS(two, "BITFIELD k SET u8 0 17 INCRBY u8 0 1");
    ck_assert_int_eq(dirty(), before + 2); /* one per field written, as Redis */
}
END_TEST

START_TEST(watch_fails_only_when_a_bit_changes)
{
    redisContext *other = harness_connect(&harness_srv);
    EXPECT_INT(0, "SETBIT w 3 1");
    EXPECT_OK("WATCH w");
    harness_expect_int(harness_cmd(other, "SETBIT w 3 1"), 1);
    harness_expect_int(harness_cmd(other, "GETBIT w 3"), 1);
    ck_assert(harness_watched_exec_runs(harness_ctx));
    EXPECT_OK("WATCH w");
    harness_expect_int(harness_cmd(other, "SETBIT w 3 0"), 1);
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    EXPECT_OK("WATCH w");
    freeReplyObject(harness_cmd(other, "BITFIELD w INCRBY u8 0 1"));
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    redisFree(other);
}
END_TEST

START_TEST(events_are_redis_s)
{
    redisContext *sub = harness_keyevent_subscriber("E$g");
    EXPECT_INT(0, "SETBIT k 1 1");
    EXPECT_INT(1, "SETBIT k 1 1");     /* unchanged: no event */
    freeReplyObject(CMD("BITFIELD k SET u8 0 5"));
    freeReplyObject(CMD("BITFIELD k OVERFLOW FAIL INCRBY u2 0 9"));
    EXPECT_INT(1, "BITOP NOT d k");
    EXPECT_INT(0, "BITOP AND d nokey");
    EXPECT_INT(0, "BITOP AND d nokey");  /* nothing to delete: no event */
    EXPECT_INT(0, "SETBIT last 0 1");
    harness_expect_events(sub, "setbit/k setbit/k set/d del/d setbit/last");
    redisFree(sub);
    harness_expect_status(CMD("CONFIG SET notify-keyspace-events %s", ""), "OK");
}
END_TEST

/* ---- the command table ------------------------------------------------------------ */

START_TEST(command_info_lists_the_bitmap_commands)
{
    static const struct {
        const char *name;
        long long arity, first, last;
    } cmds[] = {{"setbit", 4, 1, 1},  {"getbit", 3, 1, 1},   {"bitcount", -2, 1, 1},
                {"bitpos", -3, 1, 1}, {"bitop", -4, 2, -1},  {"bitfield", -2, 1, 1},
                {"bitfield_ro", -2, 1, 1}};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        redisReply *r = CMD("COMMAND INFO %s", cmds[i].name);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        redisReply *info = r->element[0];
        ck_assert_int_eq(info->type, REDIS_REPLY_ARRAY);
        ck_assert_str_eq(info->element[0]->str, cmds[i].name);
        ck_assert_int_eq(info->element[1]->integer, cmds[i].arity);
        ck_assert_int_eq(info->element[3]->integer, cmds[i].first);
        ck_assert_int_eq(info->element[4]->integer, cmds[i].last);
        ck_assert_str_eq(info->element[6]->element[1]->str, "@bitmap");
        freeReplyObject(r);
        if (strncmp(cmds[i].name, "bit", 3) == 0 && strcmp(cmds[i].name, "bitop") != 0)
            continue; /* argument trees deeper than hiredis reads */
        r = CMD("COMMAND DOCS %s", cmds[i].name);
        ck_assert_uint_eq(r->elements, 2);
        ck_assert_str_eq(r->element[1]->element[4]->str, "group");
        ck_assert_str_eq(r->element[1]->element[5]->str, "bitmap");
        freeReplyObject(r);
    }
}
END_TEST

static Suite *bits_suite(void)
{
    Suite *s = suite_create("bits");
    TCase *tc = harness_server_case("setbit_getbit", start_server, NULL);
    tcase_add_test(tc, setbit_returns_the_old_bit_and_pads_with_zeros);
    tcase_add_test(tc, bits_of_an_int_value_are_its_decimal_text);
    tcase_add_test(tc, setbit_and_getbit_reject_bad_arguments);
    tcase_add_test(tc, offsets_are_bounded_by_proto_max_bulk_len);
    suite_add_tcase(s, tc);

    tc = harness_server_case("bitcount_bitpos", start_server, NULL);
    tcase_add_test(tc, bitcount_counts_bytes_or_bits_with_negative_ranges);
    tcase_add_test(tc, bitcount_looks_the_key_up_before_its_arguments);
    tcase_add_test(tc, bitcount_of_a_large_string_is_exact);
    tcase_add_test(tc, bitpos_finds_the_first_set_or_clear_bit);
    tcase_add_test(tc, bitpos_treats_all_ones_as_zero_padded_without_an_end);
    tcase_add_test(tc, bitpos_checks_the_bit_then_the_key_then_the_range);
    suite_add_tcase(s, tc);

    tc = harness_server_case("bitop", start_server, NULL);
    tcase_add_test(tc, bitop_combines_zero_padded_sources);
    tcase_add_test(tc, bitop_of_empty_sources_deletes_the_destination);
    tcase_add_test(tc, bitop_rejects_bad_operations_and_types);
    suite_add_tcase(s, tc);

    tc = harness_server_case("bitfield", start_server, NULL);
    tcase_add_test(tc, bitfield_gets_sets_and_increments_fields);
    tcase_add_test(tc, bitfield_overflow_wraps_saturates_or_fails);
    tcase_add_test(tc, bitfield_rejects_bad_operations);
    tcase_add_test(tc, bitfield_ro_takes_gets_only);
    tcase_add_test(tc, bitfield_fail_answers_null_in_resp3);
    suite_add_tcase(s, tc);

    tc = harness_server_case("changes", start_server, NULL);
    tcase_add_test(tc, only_writes_that_change_bits_count_as_changes);
    tcase_add_test(tc, watch_fails_only_when_a_bit_changes);
    tcase_add_test(tc, events_are_redis_s);
    tcase_add_test(tc, command_info_lists_the_bitmap_commands);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bits_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
