/*
 * check_crc64.c - core/crc64: the published check value of CRC-64/Jones
 * as Redis uses it, continuing over pieces, and the checksum of a
 * FUNCTION DUMP payload recorded from redis-server 7.0.15.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"

START_TEST(the_check_value_is_redis_s)
{
    ck_assert_uint_eq(crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
    ck_assert_uint_eq(crc64(0, "", 0), 0);
}
END_TEST

START_TEST(pieces_continue_the_same_crc)
{
    const char *text = "Redis's DUMP payloads end with this CRC";
    size_t len = strlen(text);
    uint64_t whole = crc64(0, text, len);
    for (size_t cut = 0; cut <= len; cut++)
        ck_assert_uint_eq(crc64(crc64(0, text, cut), text + cut, len - cut), whole);
}
END_TEST

/* FUNCTION DUMP of an empty registry: the RDB version 10, then the CRC
 * of those two bytes, little-endian. */
START_TEST(an_empty_dump_from_redis_checks)
{
    static const unsigned char payload[] = {0x0a, 0x00, 0x5d, 0x9b, 0x5c,
                                            0x40, 0x0f, 0x7f, 0xa2, 0xda};
    uint64_t want = 0;
    for (int i = 7; i >= 0; i--)
        want = (want << 8) | payload[2 + i];
    ck_assert_uint_eq(crc64(0, payload, 2), want);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("crc64");
    TCase *tc = tcase_create("crc64");
    tcase_add_test(tc, the_check_value_is_redis_s);
    tcase_add_test(tc, pieces_continue_the_same_crc);
    tcase_add_test(tc, an_empty_dump_from_redis_checks);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
