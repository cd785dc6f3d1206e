/*
 * check_lzf.c - core/lzf: literals and back references (overlapping ones
 * too), a string redis-server 7.0.15 compressed into a FUNCTION DUMP, and
 * corrupt input refused without reading or writing out of bounds.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lzf.h"

START_TEST(a_back_reference_may_overlap_its_output)
{
    static const char in[] = "\x00" "a\xe0\x00\x00"; /* 'a', then 9 more from 1 back */
    char out[16];
    ck_assert_uint_eq(lzf_decompress(in, sizeof(in) - 1, out, sizeof(out)), 10);
    ck_assert(memcmp(out, "aaaaaaaaaa", 10) == 0);
}
END_TEST

/* The code of a library, as redis-server 7.0.15 wrote it in FUNCTION DUMP. */
static const char from_redis[] =
    "\x14#!lua name=fromredis\n`\x05\x1b.register_function(\"greet\", \xe0\x00\x11"
    "\x1akeys, args) return \"hello, \xe0\x03\x06\x04 \" ..`&\x07[1] end)\xe0\x0f"
    "c\x00{\xc0Z\x00_`\x93\x04\"coun@q\x08""callback=\xc0\x1f\xe0\x0bz\x00#@\x8e"
    "@^ \xa1\x12lags={\"no-writes\"}}";
static const char from_redis_plain[] =
    "#!lua name=fromredis\n"
    "redis.register_function(\"greet\", function(keys, args) return \"hello, hello, hello \" .. "
    "args[1] end)\n"
    "redis.register_function{function_name=\"count\", callback=function(keys, args) return "
    "#keys end, flags={\"no-writes\"}}";

START_TEST(what_redis_compressed_decompresses)
{
    char out[sizeof(from_redis_plain) - 1];
    ck_assert_uint_eq(lzf_decompress(from_redis, sizeof(from_redis) - 1, out, sizeof(out)),
                      sizeof(out));
    ck_assert(memcmp(out, from_redis_plain, sizeof(out)) == 0);
}
END_TEST

START_TEST(corrupt_input_is_refused)
{
    char out[16];
    /* a reference before the start of the output */
    ck_assert_uint_eq(lzf_decompress("\x20\x05", 2, out, sizeof(out)), 0);
    /* a literal longer than the input left */
    ck_assert_uint_eq(lzf_decompress("\x05" "ab", 3, out, sizeof(out)), 0);
    /* output that does not fit */
    ck_assert_uint_eq(lzf_decompress(from_redis, sizeof(from_redis) - 1, out, sizeof(out)), 0);
    /* a reference cut short */
    ck_assert_uint_eq(lzf_decompress("\x00" "a\xe0", 3, out, sizeof(out)), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lzf");
    TCase *tc = tcase_create("decompress");
    tcase_add_test(tc, a_back_reference_may_overlap_its_output);
    tcase_add_test(tc, what_redis_compressed_decompresses);
    tcase_add_test(tc, corrupt_input_is_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
