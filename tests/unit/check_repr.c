/*
 * check_repr.c - repr_write quotes bytes as Redis's sdscatrepr does.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "repr.h"

static void expect_repr(const char *in, size_t len, const char *want)
{
    char out[REPR_MAX(64)];
    ck_assert_uint_le(len, 64);
    size_t n = repr_write(out, in, len);
    ck_assert_uint_le(n, REPR_MAX(len));
    ck_assert_uint_eq(n, strlen(want));
    ck_assert_msg(memcmp(out, want, n) == 0, "got %.*s, want %s", (int)n, out, want);
}

START_TEST(quotes_as_sdscatrepr)
{
    expect_repr("", 0, "\"\"");
    expect_repr("a b", 3, "\"a b\"");
    expect_repr("\\\"\n\r\t\a\b", 7, "\"\\\\\\\"\\n\\r\\t\\a\\b\"");
    expect_repr("\x01\x7f\xc3\xa9", 4, "\"\\x01\\x7f\\xc3\\xa9\"");
    expect_repr("a\0b", 3, "\"a\\x00b\"");
}
END_TEST

START_TEST(the_bound_holds_for_the_worst_bytes)
{
    char in[64];
    memset(in, 0xff, sizeof(in));
    char out[REPR_MAX(64)];
    ck_assert_uint_eq(repr_write(out, in, sizeof(in)), REPR_MAX(64));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("repr");
    TCase *tc = tcase_create("repr");
    tcase_add_test(tc, quotes_as_sdscatrepr);
    tcase_add_test(tc, the_bound_holds_for_the_worst_bytes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
