/*
 * check_aof_manifest.c - core/aof_manifest: Redis 7.0's manifest lines
 * parsed and written back byte for byte, Redis's refusals, and the file
 * rotation a rewrite does.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aof_manifest.h"

static int parse(struct aof_manifest *m, const char *text, char *err)
{
    return aof_manifest_parse(m, text, strlen(text), err, 256);
}

START_TEST(redis_manifest_round_trips_byte_for_byte)
{
    const char *text = "file appendonly.aof.2.base.rdb seq 2 type b\n"
                       "file appendonly.aof.1.base.rdb seq 1 type h\n"
                       "file appendonly.aof.3.incr.aof seq 3 type i\n"
                       "file appendonly.aof.4.incr.aof seq 4 type i\n";
    struct aof_manifest m;
    char err[256];
    ck_assert_int_eq(parse(&m, text, err), 0);
    ck_assert_str_eq(m.base->name, "appendonly.aof.2.base.rdb");
    ck_assert_int_eq(m.nhistory, 1);
    ck_assert_int_eq(m.nincr, 2);
    ck_assert_int_eq(m.incr_seq, 4);
    char *out = aof_manifest_format(&m);
    ck_assert_str_eq(out, text);
    free(out);
    aof_manifest_deinit(&m);
}
END_TEST

START_TEST(comments_unknown_keys_and_quotes_are_read_as_redis_does)
{
    struct aof_manifest m;
    char err[256];
    ck_assert_int_eq(parse(&m, "# comment\nfile \"a b.aof\" seq 1 type i future x\n", err), 0);
    ck_assert_str_eq(m.incr[0].name, "a b.aof");
    char *out = aof_manifest_format(&m);
    ck_assert_str_eq(out, "file \"a b.aof\" seq 1 type i\n");
    free(out);
    aof_manifest_deinit(&m);
}
END_TEST

START_TEST(bad_manifests_are_refused_with_redis_messages)
{
    static const struct { const char *text, *why; } bad[] = {
        {"", "Found an empty AOF manifest"},
        {"file a seq 1\n", "Invalid AOF manifest file format"},
        {"\n", "Invalid AOF manifest file format"},
        {"file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information"},
        {"file a seq 2 type i\nfile b seq 2 type i\n", "Found a non-monotonic sequence number"},
        {"file a/b seq 1 type i\n", "File can't be a path, just a filename"},
        {"file a seq 1 type x\n", "Unknown AOF file type"},
        {"file a seq 1 type i", "The AOF manifest file contains too long line"},
        {"file \"a seq 1 type i\n", "Invalid AOF manifest file format"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct aof_manifest m;
        char err[256];
        ck_assert_int_eq(parse(&m, bad[i].text, err), -1);
        ck_assert_msg(strstr(err, bad[i].why) != NULL, "%s: got %s", bad[i].text, err);
        ck_assert_ptr_null(m.base);
    }
}
END_TEST

START_TEST(a_rewrite_turns_old_files_into_history)
{
    struct aof_manifest m, copy;
    const char *name;
    aof_manifest_init(&m);
    ck_assert_int_eq(aof_manifest_new_base(&m, "appendonly.aof", true, &name), 0);
    ck_assert_str_eq(name, "appendonly.aof.1.base.rdb");
    ck_assert_int_eq(aof_manifest_new_incr(&m, "appendonly.aof", &name), 0);
    ck_assert_str_eq(name, "appendonly.aof.1.incr.aof");
    /* rewrite start: a new incr; end: a new base, the old files history */
    ck_assert_int_eq(aof_manifest_new_incr(&m, "appendonly.aof", &name), 0);
    ck_assert_int_eq(aof_manifest_copy(&copy, &m), 0);
    ck_assert_int_eq(aof_manifest_new_base(&copy, "appendonly.aof", false, &name), 0);
    ck_assert_str_eq(name, "appendonly.aof.2.base.aof");
    ck_assert_int_eq(aof_manifest_incr_to_history(&copy, 1), 0);
    char *out = aof_manifest_format(&copy);
    ck_assert_str_eq(out, "file appendonly.aof.2.base.aof seq 2 type b\n"
                          "file appendonly.aof.1.incr.aof seq 1 type h\n"
                          "file appendonly.aof.1.base.rdb seq 1 type h\n"
                          "file appendonly.aof.2.incr.aof seq 2 type i\n");
    free(out);
    aof_manifest_clear_history(&copy);
    ck_assert_int_eq(copy.nhistory, 0);
    ck_assert_int_eq(m.nincr, 2); /* the original is untouched */
    aof_manifest_deinit(&copy);
    aof_manifest_deinit(&m);
}
END_TEST

/* Failed rewrites leave several incr files; the next good one moves them
 * to the history in Redis's order (markRewrittenIncrAofAsHistory), and
 * keeps none when the AOF is off. */
START_TEST(several_incr_files_become_history_in_redis_order)
{
    struct aof_manifest m;
    const char *name;
    aof_manifest_init(&m);
    ck_assert_int_eq(aof_manifest_new_base(&m, "a", true, &name), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(aof_manifest_new_incr(&m, "a", &name), 0);
    ck_assert_int_eq(aof_manifest_new_base(&m, "a", true, &name), 0);
    ck_assert_int_eq(aof_manifest_incr_to_history(&m, 1), 0);
    char *out = aof_manifest_format(&m);
    ck_assert_str_eq(out, "file a.2.base.rdb seq 2 type b\n"
                          "file a.1.incr.aof seq 1 type h\n"
                          "file a.2.incr.aof seq 2 type h\n"
                          "file a.1.base.rdb seq 1 type h\n"
                          "file a.3.incr.aof seq 3 type i\n");
    free(out);
    ck_assert_int_eq(aof_manifest_incr_to_history(&m, 0), 0);
    ck_assert_int_eq(m.nincr, 0);
    ck_assert_str_eq(m.history[0].name, "a.3.incr.aof");
    aof_manifest_deinit(&m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("aof_manifest");
    TCase *tc = tcase_create("manifest");
    tcase_add_test(tc, redis_manifest_round_trips_byte_for_byte);
    tcase_add_test(tc, comments_unknown_keys_and_quotes_are_read_as_redis_does);
    tcase_add_test(tc, bad_manifests_are_refused_with_redis_messages);
    tcase_add_test(tc, a_rewrite_turns_old_files_into_history);
    tcase_add_test(tc, several_incr_files_become_history_in_redis_order);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
