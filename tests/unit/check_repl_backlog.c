/*
 * check_repl_backlog.c - the replication backlog's ring (core/repl_backlog.c):
 * offsets as Redis numbers them, wrap-around, what a reader may continue
 * from, and resizing. Every read is checked against the whole stream kept
 * aside.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "repl_backlog.h"

/* The stream: byte k (from 1) is 'a' + k % 26. */
static char stream_byte(long long k)
{
    return (char)('a' + k % 26);
}

static void append_stream(struct repl_backlog *b, size_t n)
{
    char buf[256];
    for (size_t i = 0; i < n; i++)
        buf[i] = stream_byte(b->offset + 1 + (long long)i);
    repl_backlog_append(b, buf, n);
}

/* What a reader from `from` gets is exactly bytes from..offset. */
static void expect_read_from(const struct repl_backlog *b, long long from)
{
    struct repl_backlog_slice s[2];
    size_t n = repl_backlog_read(b, from, s);
    ck_assert_uint_le(n, 2);
    long long k = from;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < s[i].len; j++, k++)
            ck_assert_int_eq(s[i].p[j], stream_byte(k));
    ck_assert_int_eq(k, b->offset + 1);
}

START_TEST(a_new_backlog_continues_the_stream_offset)
{
    struct repl_backlog b;
    ck_assert_int_eq(repl_backlog_init(&b, 16, 100), 0);
    ck_assert_int_eq(repl_backlog_first(&b), 101);
    ck_assert_int_eq(b.histlen, 0);
    ck_assert(repl_backlog_holds(&b, 101)); /* a reader that needs nothing */
    ck_assert(!repl_backlog_holds(&b, 100));
    ck_assert(!repl_backlog_holds(&b, 102));
    append_stream(&b, 5);
    ck_assert_int_eq(b.offset, 105);
    ck_assert_int_eq(repl_backlog_first(&b), 101);
    expect_read_from(&b, 101);
    expect_read_from(&b, 106);
    repl_backlog_deinit(&b);
}
END_TEST

START_TEST(wrapping_keeps_the_newest_size_bytes)
{
    struct repl_backlog b;
    ck_assert_int_eq(repl_backlog_init(&b, 16, 0), 0);
    for (int i = 0; i < 40; i++) {
        append_stream(&b, (size_t)(i % 7));
        long long held = b.offset < 16 ? b.offset : 16;
        ck_assert_int_eq(b.histlen, held);
        ck_assert_int_eq(repl_backlog_first(&b), b.offset - held + 1);
        ck_assert(!repl_backlog_holds(&b, repl_backlog_first(&b) - 1));
        for (long long from = repl_backlog_first(&b); from <= b.offset + 1; from++)
            expect_read_from(&b, from);
    }
    repl_backlog_deinit(&b);
}
END_TEST

START_TEST(an_append_larger_than_the_ring_keeps_its_tail)
{
    struct repl_backlog b;
    ck_assert_int_eq(repl_backlog_init(&b, 16, 3), 0);
    append_stream(&b, 100);
    ck_assert_int_eq(b.offset, 103);
    ck_assert_int_eq(b.histlen, 16);
    expect_read_from(&b, 88);
    repl_backlog_deinit(&b);
}
END_TEST

START_TEST(resizing_keeps_what_fits_newest_first)
{
    struct repl_backlog b;
    ck_assert_int_eq(repl_backlog_init(&b, 16, 0), 0);
    append_stream(&b, 37); /* wrapped twice */
    ck_assert_int_eq(repl_backlog_resize(&b, 8), 0);
    ck_assert_int_eq(b.offset, 37);
    ck_assert_int_eq(b.histlen, 8);
    expect_read_from(&b, 30);
    ck_assert_int_eq(repl_backlog_resize(&b, 64), 0);
    ck_assert_int_eq(b.histlen, 8);
    append_stream(&b, 50);
    ck_assert_int_eq(b.histlen, 58);
    expect_read_from(&b, 30);
    repl_backlog_deinit(&b);
}
END_TEST

static Suite *repl_backlog_suite(void)
{
    Suite *s = suite_create("repl_backlog");
    TCase *tc = tcase_create("ring");
    tcase_add_test(tc, a_new_backlog_continues_the_stream_offset);
    tcase_add_test(tc, wrapping_keeps_the_newest_size_bytes);
    tcase_add_test(tc, an_append_larger_than_the_ring_keeps_its_tail);
    tcase_add_test(tc, resizing_keeps_what_fits_newest_first);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(repl_backlog_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
