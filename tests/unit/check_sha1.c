/*
 * check_sha1.c - core/sha1: the FIPS 180-4 test vectors, feeding in any
 * split, and Redis's own example (redis.sha1hex("abc")).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha1.h"

static void expect(const char *input, size_t len, const char *hex)
{
    char got[SHA1_HEX_LEN + 1];
    sha1_hex(input, len, got);
    ck_assert_str_eq(got, hex);
}

START_TEST(fips_vectors_hash_as_published)
{
    expect("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect(two, strlen(two), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    char *million = malloc(1000000);
    ck_assert_ptr_nonnull(million);
    memset(million, 'a', 1000000);
    expect(million, 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    free(million);
}
END_TEST

START_TEST(feeding_in_pieces_gives_the_same_digest)
{
    const char *text = "The quick brown fox jumps over the lazy dog, 64 bytes and more...";
    size_t len = strlen(text);
    char whole[SHA1_HEX_LEN + 1];
    sha1_hex(text, len, whole);
    for (size_t cut = 0; cut <= len; cut++) {
        struct sha1 s;
        unsigned char d[20];
        char hex[SHA1_HEX_LEN + 1];
        sha1_init(&s);
        sha1_update(&s, text, cut);
        sha1_update(&s, text + cut, len - cut);
        sha1_final(&s, d);
        for (int i = 0; i < 20; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
        ck_assert_str_eq(hex, whole);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sha1");
    TCase *tc = tcase_create("digests");
    tcase_add_test(tc, fips_vectors_hash_as_published);
    tcase_add_test(tc, feeding_in_pieces_gives_the_same_digest);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
