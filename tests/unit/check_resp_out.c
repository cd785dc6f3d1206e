/*
 * check_resp_out.c - the reply encoder, byte for byte in RESP2 and RESP3.
 *
 * Expected bytes follow what redis-server 7.0 sends for the same reply
 * (checked with raw sockets against HELLO 2 and HELLO 3 connections).
 */
#include "resp.h"

#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIT(s) (s), (sizeof(s) - 1)

static struct resp_out out;

static void setup2(void)
{
    resp_out_init(&out, 2);
}

static void setup3(void)
{
    resp_out_init(&out, 3);
}

static void teardown(void)
{
    resp_out_deinit(&out);
}

/* The buffer holds exactly `lit` (a string literal, NULs allowed). */
#define ck_out(lit)                                                   \
    do {                                                              \
        ck_assert_uint_eq(out.len, sizeof(lit) - 1);                  \
        ck_assert_mem_eq(out.data, (lit), sizeof(lit) - 1);           \
        ck_assert(!out.overflow && !out.oom);                         \
    } while (0)

/* ---- shared by both protocols ------------------------------------------- */

START_TEST(ok_is_plus_ok)
{
    resp_add_ok(&out);
    ck_out("+OK\r\n");
}
END_TEST

START_TEST(simple_string_is_a_plus_line)
{
    resp_add_simple(&out, "PONG");
    ck_out("+PONG\r\n");
}
END_TEST

START_TEST(integers_are_colon_lines)
{
    resp_add_integer(&out, 0);
    resp_add_integer(&out, 1);
    resp_add_integer(&out, -42);
    resp_add_integer(&out, LLONG_MAX);
    resp_add_integer(&out, LLONG_MIN);
    ck_out(":0\r\n:1\r\n:-42\r\n:9223372036854775807\r\n:-9223372036854775808\r\n");
}
END_TEST

START_TEST(bulk_has_a_length_header)
{
    resp_add_bulk(&out, "hello", 5);
    ck_out("$5\r\nhello\r\n");
}
END_TEST

START_TEST(empty_bulk_has_zero_length)
{
    resp_add_bulk(&out, NULL, 0);
    resp_add_bulk_cstr(&out, "");
    ck_out("$0\r\n\r\n$0\r\n\r\n");
}
END_TEST

START_TEST(bulk_is_binary_safe)
{
    resp_add_bulk(&out, "a\r\n\0b", 5);
    ck_out("$5\r\na\r\n\0b\r\n");
}
END_TEST

START_TEST(bulk_ll_is_the_decimal_text)
{
    resp_add_bulk_ll(&out, -1234567);
    resp_add_bulk_ll(&out, LLONG_MIN);
    ck_out("$8\r\n-1234567\r\n$20\r\n-9223372036854775808\r\n");
}
END_TEST

START_TEST(array_len_is_a_star_line)
{
    resp_add_array_len(&out, 0);
    resp_add_array_len(&out, 12345);
    ck_out("*0\r\n*12345\r\n");
}
END_TEST

START_TEST(raw_bytes_are_copied_as_they_are)
{
    resp_add_raw(&out, "abc", 3);
    resp_add_raw(&out, NULL, 0);
    ck_out("abc");
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

START_TEST(error_without_code_gets_err)
{
    resp_add_error(&out, "syntax error");
    ck_out("-ERR syntax error\r\n");
}
END_TEST

START_TEST(error_with_a_redis_code_keeps_it)
{
    resp_add_error(&out, "ERR syntax error");
    resp_add_error(&out, "WRONGTYPE Operation against a key holding the wrong kind of value");
    resp_add_error(&out, "NOAUTH Authentication required.");
    ck_out("-ERR syntax error\r\n"
           "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
           "-NOAUTH Authentication required.\r\n");
}
END_TEST

START_TEST(error_starting_with_a_command_name_still_gets_err)
{
    /* Redis: addReplyError(c,"EXEC without MULTI") -> -ERR EXEC without MULTI */
    resp_add_error(&out, "EXEC without MULTI");
    resp_add_error(&out, "ERRORS happen");
    ck_out("-ERR EXEC without MULTI\r\n-ERR ERRORS happen\r\n");
}
END_TEST

START_TEST(error_with_a_dash_brings_its_own_code)
{
    resp_add_error(&out, "-CUSTOMCODE something");
    ck_out("-CUSTOMCODE something\r\n");
}
END_TEST

START_TEST(protocol_error_text_gets_err)
{
    resp_add_error(&out, "Protocol error: invalid bulk length");
    ck_out("-ERR Protocol error: invalid bulk length\r\n");
}
END_TEST

START_TEST(error_newlines_become_spaces)
{
    resp_add_error(&out, "\r\nbad\r\nthing\n\r\n");
    ck_out("-ERR bad  thing\r\n");
}
END_TEST

START_TEST(errorf_formats_then_follows_the_same_rules)
{
    resp_add_errorf(&out, "unknown command '%s', with args beginning with: ", "foo");
    resp_add_errorf(&out, "WRONGTYPE %d\n", 7);
    ck_out("-ERR unknown command 'foo', with args beginning with: \r\n"
           "-WRONGTYPE 7\r\n");
}
END_TEST

START_TEST(errorf_handles_long_messages)
{
    char want[1100];

    resp_add_errorf(&out, "%01000d", 5);
    memcpy(want, "-ERR ", 5);
    memset(want + 5, '0', 999);
    want[1004] = '5';
    memcpy(want + 1005, "\r\n", 2);
    ck_assert_uint_eq(out.len, 1007);
    ck_assert_mem_eq(out.data, want, 1007);
}
END_TEST

START_TEST(rawf_appends_formatted_bytes_as_they_are)
{
    char want[1100];

    resp_add_rawf(&out, "a:%d\n", 1);
    resp_add_rawf(&out, "%01000d", 5);
    memcpy(want, "a:1\n", 4);
    memset(want + 4, '0', 999);
    want[1003] = '5';
    ck_assert_uint_eq(out.len, 1004);
    ck_assert_mem_eq(out.data, want, 1004);
}
END_TEST

/* ---- RESP2 -------------------------------------------------------------- */

START_TEST(resp2_null_is_dollar_minus_one)
{
    resp_add_null(&out);
    resp_add_bulk_cstr(&out, NULL);
    ck_out("$-1\r\n$-1\r\n");
}
END_TEST

START_TEST(resp2_null_array_is_star_minus_one)
{
    resp_add_null_array(&out);
    ck_out("*-1\r\n");
}
END_TEST

START_TEST(resp2_map_is_a_flat_array)
{
    resp_add_map_len(&out, 3);
    ck_out("*6\r\n");
}
END_TEST

START_TEST(resp2_set_and_push_are_arrays)
{
    resp_add_set_len(&out, 2);
    resp_add_push_len(&out, 3);
    ck_out("*2\r\n*3\r\n");
}
END_TEST

START_TEST(resp2_double_is_a_bulk_string)
{
    resp_add_double(&out, 1.1);
    resp_add_double(&out, 1);
    resp_add_double(&out, INFINITY);
    resp_add_double(&out, -INFINITY);
    resp_add_double(&out, -0.0);
    ck_out("$18\r\n1.1000000000000001\r\n$1\r\n1\r\n$3\r\ninf\r\n$4\r\n-inf\r\n$2\r\n-0\r\n");
}
END_TEST

START_TEST(resp2_bool_is_an_integer)
{
    resp_add_bool(&out, true);
    resp_add_bool(&out, false);
    ck_out(":1\r\n:0\r\n");
}
END_TEST

START_TEST(resp2_bignum_is_a_bulk_string)
{
    resp_add_bignum(&out, LIT("1234567890123456789012345678901234567890"));
    ck_out("$40\r\n1234567890123456789012345678901234567890\r\n");
}
END_TEST

START_TEST(resp2_verbatim_is_a_plain_bulk_string)
{
    resp_add_verbatim(&out, LIT("Some string"), "txt");
    ck_out("$11\r\nSome string\r\n");
}
END_TEST

/* ---- RESP3 -------------------------------------------------------------- */

START_TEST(resp3_null_is_underscore)
{
    resp_add_null(&out);
    resp_add_null_array(&out);
    resp_add_bulk_cstr(&out, NULL);
    ck_out("_\r\n_\r\n_\r\n");
}
END_TEST

START_TEST(resp3_aggregates_have_their_own_types)
{
    resp_add_array_len(&out, 1);
    resp_add_map_len(&out, 3);
    resp_add_set_len(&out, 2);
    resp_add_push_len(&out, 3);
    resp_add_attribute_len(&out, 1);
    ck_out("*1\r\n%3\r\n~2\r\n>3\r\n|1\r\n");
}
END_TEST

START_TEST(resp3_double_is_a_comma_line)
{
    resp_add_double(&out, 1.1);
    resp_add_double(&out, 1);
    resp_add_double(&out, INFINITY);
    resp_add_double(&out, -INFINITY);
    resp_add_double(&out, -0.0);
    resp_add_double(&out, 1e300);
    ck_out(",1.1000000000000001\r\n,1\r\n,inf\r\n,-inf\r\n,-0\r\n,1.0000000000000001e+300\r\n");
}
END_TEST

START_TEST(resp3_bool_is_hash_t_or_f)
{
    resp_add_bool(&out, true);
    resp_add_bool(&out, false);
    ck_out("#t\r\n#f\r\n");
}
END_TEST

START_TEST(resp3_bignum_is_a_paren_line)
{
    resp_add_bignum(&out, LIT("-3492890328409238509324850943850943825024385"));
    ck_out("(-3492890328409238509324850943850943825024385\r\n");
}
END_TEST

START_TEST(resp3_verbatim_carries_its_format)
{
    resp_add_verbatim(&out, LIT("Some string"), "txt");
    ck_out("=15\r\ntxt:Some string\r\n");
}
END_TEST

START_TEST(resp3_verbatim_format_is_padded_or_cut_to_three)
{
    resp_add_verbatim(&out, LIT("x"), "md");
    resp_add_verbatim(&out, LIT("y"), "markdown");
    ck_out("=5\r\nmd :x\r\n=5\r\nmar:y\r\n");
}
END_TEST

/* ---- deferred lengths --------------------------------------------------- */

START_TEST(deferred_array_len_is_filled_in)
{
    size_t h = resp_add_deferred_len(&out);

    resp_add_bulk(&out, "a", 1);
    resp_add_integer(&out, 2);
    resp_set_deferred_array_len(&out, h, 2);
    ck_out("*2\r\n$1\r\na\r\n:2\r\n");
}
END_TEST

START_TEST(deferred_len_may_follow_earlier_replies)
{
    size_t h;

    resp_add_ok(&out);
    h = resp_add_deferred_len(&out);
    resp_set_deferred_array_len(&out, h, 0);
    resp_add_ok(&out);
    ck_out("+OK\r\n*0\r\n+OK\r\n");
}
END_TEST

START_TEST(nested_deferred_lens_are_set_innermost_first)
{
    size_t outer = resp_add_deferred_len(&out), inner;

    resp_add_integer(&out, 1);
    inner = resp_add_deferred_len(&out);
    resp_add_integer(&out, 2);
    resp_add_integer(&out, 3);
    resp_set_deferred_array_len(&out, inner, 2);
    resp_set_deferred_array_len(&out, outer, 2);
    ck_out("*2\r\n:1\r\n*2\r\n:2\r\n:3\r\n");
}
END_TEST

START_TEST(sibling_deferred_lens_work_one_after_another)
{
    size_t a = resp_add_deferred_len(&out), b;

    resp_add_integer(&out, 1);
    resp_set_deferred_array_len(&out, a, 1);
    b = resp_add_deferred_len(&out);
    resp_add_integer(&out, 2);
    resp_set_deferred_set_len(&out, b, 1);
    ck_out("*1\r\n:1\r\n*1\r\n:2\r\n");
}
END_TEST

START_TEST(resp2_deferred_map_counts_keys_and_values)
{
    size_t h = resp_add_deferred_len(&out);

    resp_add_bulk(&out, "k", 1);
    resp_add_bulk(&out, "v", 1);
    resp_set_deferred_map_len(&out, h, 1);
    ck_out("*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
}
END_TEST

START_TEST(resp3_deferred_map_and_set_use_their_types)
{
    size_t m = resp_add_deferred_len(&out), s;

    resp_add_bulk(&out, "k", 1);
    s = resp_add_deferred_len(&out);
    resp_set_deferred_set_len(&out, s, 0);
    resp_set_deferred_map_len(&out, m, 1);
    ck_out("%1\r\n$1\r\nk\r\n~0\r\n");
}
END_TEST

START_TEST(deferred_len_takes_big_counts)
{
    size_t h = resp_add_deferred_len(&out);

    resp_set_deferred_array_len(&out, h, (size_t)LLONG_MAX);
    ck_out("*9223372036854775807\r\n");
}
END_TEST

START_TEST(deferred_len_fix_up_moves_a_long_tail)
{
    size_t h = resp_add_deferred_len(&out);
    char *want = malloc(200000);
    size_t n = 0;

    n += (size_t)sprintf(want, "*10000\r\n");
    for (int i = 0; i < 10000; i++) {
        resp_add_integer(&out, i);
        n += (size_t)sprintf(want + n, ":%d\r\n", i);
    }
    resp_set_deferred_array_len(&out, h, 10000);
    ck_assert_uint_eq(out.len, n);
    ck_assert_mem_eq(out.data, want, n);
    free(want);
}
END_TEST

/* ---- limits and memory -------------------------------------------------- */

START_TEST(append_past_the_limit_sets_overflow_and_is_dropped)
{
    out.limit = 10;
    resp_add_ok(&out);           /* 5 */
    resp_add_bulk(&out, "x", 1); /* 7 more: would pass 10 */
    ck_assert(out.overflow);
    ck_assert_uint_eq(out.len, 5);
    ck_assert_mem_eq(out.data, "+OK\r\n", 5);
}
END_TEST

START_TEST(appends_after_overflow_are_dropped_too)
{
    out.limit = 6;
    resp_add_bulk(&out, "x", 1);
    ck_assert(out.overflow);
    resp_add_ok(&out); /* would fit, but the reply stream is already cut */
    ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(append_up_to_the_limit_is_fine)
{
    out.limit = 10;
    resp_add_ok(&out);
    resp_add_ok(&out);
    ck_assert(!out.overflow);
    ck_assert_uint_eq(out.len, 10);
}
END_TEST

START_TEST(deferred_len_dropped_by_the_limit_is_ignored)
{
    size_t h;

    out.limit = 8;
    resp_add_ok(&out);
    h = resp_add_deferred_len(&out);
    ck_assert(out.overflow);
    resp_set_deferred_array_len(&out, h, 3);
    ck_assert_uint_eq(out.len, 5);
}
END_TEST

START_TEST(reset_clears_contents_and_flags)
{
    out.limit = 4;
    resp_add_ok(&out);
    ck_assert(out.overflow);
    out.limit = 0;
    resp_out_reset(&out);
    ck_assert(!out.overflow && !out.oom);
    resp_add_ok(&out);
    ck_out("+OK\r\n");
}
END_TEST

START_TEST(buffer_grows_for_big_replies)
{
    size_t n = 3 * 1024 * 1024;
    char *big = malloc(n);

    memset(big, 'z', n);
    resp_add_ok(&out);
    resp_add_bulk(&out, big, n);
    ck_assert_uint_eq(out.len, 5 + 10 + n + 2);
    ck_assert_mem_eq(out.data + 5, "$3145728\r\n", 10);
    ck_assert_mem_eq(out.data + 15, big, n);
    ck_assert_mem_eq(out.data + 15 + n, "\r\n", 2);
    free(big);
}
END_TEST

/* A bulk bigger than twice the buffer takes exactly its size: no chain of
 * doublings that copies it again and leaves up to twice the memory. */
START_TEST(big_bulk_grows_the_buffer_to_its_size)
{
    size_t n = 3 * 1024 * 1024 + 1;
    char *big = calloc(1, n);

    resp_add_ok(&out);
    resp_add_bulk(&out, big, n);
    ck_assert_uint_eq(out.cap, out.len);
    resp_add_ok(&out);
    ck_assert_uint_eq(out.cap, 2 * (5 + 10 + n + 2));
    free(big);
}
END_TEST

START_TEST(reset_shrinks_a_buffer_that_grew_large)
{
    char big[100000] = { 0 };

    resp_add_raw(&out, big, sizeof(big));
    ck_assert_uint_ge(out.cap, sizeof(big));
    resp_out_reset(&out);
    ck_assert_uint_eq(out.len, 0);
    ck_assert_uint_le(out.cap, 64 * 1024);
    resp_add_ok(&out);
    ck_out("+OK\r\n");
}
END_TEST

START_TEST(reset_keeps_a_small_buffer)
{
    char *data;

    resp_add_ok(&out);
    data = out.data;
    resp_out_reset(&out);
    ck_assert_ptr_eq(out.data, data);
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static void add_common(TCase *tc)
{
    tcase_add_test(tc, ok_is_plus_ok);
    tcase_add_test(tc, simple_string_is_a_plus_line);
    tcase_add_test(tc, integers_are_colon_lines);
    tcase_add_test(tc, bulk_has_a_length_header);
    tcase_add_test(tc, empty_bulk_has_zero_length);
    tcase_add_test(tc, bulk_is_binary_safe);
    tcase_add_test(tc, bulk_ll_is_the_decimal_text);
    tcase_add_test(tc, array_len_is_a_star_line);
    tcase_add_test(tc, raw_bytes_are_copied_as_they_are);
    tcase_add_test(tc, error_without_code_gets_err);
    tcase_add_test(tc, error_with_a_redis_code_keeps_it);
    tcase_add_test(tc, error_starting_with_a_command_name_still_gets_err);
    tcase_add_test(tc, error_with_a_dash_brings_its_own_code);
    tcase_add_test(tc, protocol_error_text_gets_err);
    tcase_add_test(tc, error_newlines_become_spaces);
    tcase_add_test(tc, errorf_formats_then_follows_the_same_rules);
    tcase_add_test(tc, errorf_handles_long_messages);
    tcase_add_test(tc, rawf_appends_formatted_bytes_as_they_are);
    tcase_add_test(tc, deferred_array_len_is_filled_in);
    tcase_add_test(tc, deferred_len_may_follow_earlier_replies);
    tcase_add_test(tc, nested_deferred_lens_are_set_innermost_first);
    tcase_add_test(tc, deferred_len_takes_big_counts);
    tcase_add_test(tc, deferred_len_fix_up_moves_a_long_tail);
    tcase_add_test(tc, append_past_the_limit_sets_overflow_and_is_dropped);
    tcase_add_test(tc, appends_after_overflow_are_dropped_too);
    tcase_add_test(tc, append_up_to_the_limit_is_fine);
    tcase_add_test(tc, deferred_len_dropped_by_the_limit_is_ignored);
    tcase_add_test(tc, reset_clears_contents_and_flags);
    tcase_add_test(tc, buffer_grows_for_big_replies);
    tcase_add_test(tc, big_bulk_grows_the_buffer_to_its_size);
    tcase_add_test(tc, reset_shrinks_a_buffer_that_grew_large);
    tcase_add_test(tc, reset_keeps_a_small_buffer);
}

static Suite *resp_out_suite(void)
{
    Suite *s = suite_create("resp_out");
    TCase *tc;

    /* The protocol-neutral tests run under both protocols. */
    tc = tcase_create("resp2");
    tcase_add_checked_fixture(tc, setup2, teardown);
    add_common(tc);
    tcase_add_test(tc, resp2_null_is_dollar_minus_one);
    tcase_add_test(tc, resp2_null_array_is_star_minus_one);
    tcase_add_test(tc, resp2_map_is_a_flat_array);
    tcase_add_test(tc, resp2_set_and_push_are_arrays);
    tcase_add_test(tc, resp2_double_is_a_bulk_string);
    tcase_add_test(tc, resp2_bool_is_an_integer);
    tcase_add_test(tc, resp2_bignum_is_a_bulk_string);
    tcase_add_test(tc, resp2_verbatim_is_a_plain_bulk_string);
    tcase_add_test(tc, sibling_deferred_lens_work_one_after_another);
    tcase_add_test(tc, resp2_deferred_map_counts_keys_and_values);
    suite_add_tcase(s, tc);

    tc = tcase_create("resp3");
    tcase_add_checked_fixture(tc, setup3, teardown);
    add_common(tc);
    tcase_add_test(tc, resp3_null_is_underscore);
    tcase_add_test(tc, resp3_aggregates_have_their_own_types);
    tcase_add_test(tc, resp3_double_is_a_comma_line);
    tcase_add_test(tc, resp3_bool_is_hash_t_or_f);
    tcase_add_test(tc, resp3_bignum_is_a_paren_line);
    tcase_add_test(tc, resp3_verbatim_carries_its_format);
    tcase_add_test(tc, resp3_verbatim_format_is_padded_or_cut_to_three);
    tcase_add_test(tc, resp3_deferred_map_and_set_use_their_types);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(resp_out_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
