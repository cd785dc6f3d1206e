/*
 * check_sha256.c - core/sha256: the FIPS 180-4 test vectors, feeding in
 * any split, and a password hash as Redis's ACL GETUSER shows it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static void expect(const char *input, size_t len, const char *hex)
{
    char got[SHA256_HEX_LEN + 1];
    sha256_hex(input, len, got);
    ck_assert_str_eq(got, hex);
}

START_TEST(fips_vectors_hash_as_published)
{
    expect("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = malloc(1000000);
    ck_assert_ptr_nonnull(million);
    memset(million, 'a', 1000000);
    expect(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}
END_TEST

START_TEST(a_password_hashes_as_redis_shows_it)
{
    /* ACL SETUSER u >p1 ; ACL GETUSER u, on Redis 7.0.15 */
    expect("p1", 2, "f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a");
}
END_TEST

START_TEST(feeding_in_pieces_gives_the_same_digest)
{
    const char *text = "The quick brown fox jumps over the lazy dog, 64 bytes and more...";
    size_t len = strlen(text);
    char whole[SHA256_HEX_LEN + 1];
    sha256_hex(text, len, whole);
    for (size_t cut = 0; cut <= len; cut++) {
        struct sha256 s;
        unsigned char d[32], w[32];
        sha256_init(&s);
        sha256_update(&s, text, cut);
        sha256_update(&s, text + cut, len - cut);
        sha256_final(&s, d);
        sha256_init(&s);
        sha256_update(&s, text, len);
        sha256_final(&s, w);
        ck_assert_mem_eq(d, w, 32);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("digest");
    tcase_add_test(tc, fips_vectors_hash_as_published);
    tcase_add_test(tc, a_password_hashes_as_redis_shows_it);
    tcase_add_test(tc, feeding_in_pieces_gives_the_same_digest);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
