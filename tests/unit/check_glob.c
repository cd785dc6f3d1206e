/*
 * check_glob.c - Redis-compatible glob matching (core/glob.c).
 *
 * Expected answers were checked against redis-server 7.0 (KEYS <pattern>
 * on a one-key database) where Redis's behaviour is surprising.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"

static bool m(const char *p, const char *s)
{
    return glob_match_cstr(p, s, false);
}

static bool mi(const char *p, const char *s)
{
    return glob_match_cstr(p, s, true);
}

/* ---- basics --------------------------------------------------------------- */

START_TEST(star_matches_any_run_of_bytes)
{
    ck_assert(m("*", "anything"));
    ck_assert(m("h*llo", "hllo"));
    ck_assert(m("h*llo", "heeeello"));
    ck_assert(m("a*", "a"));
    ck_assert(m("*a", "bba"));
    ck_assert(m("a**b", "ab"));
    ck_assert(!m("h*llo", "hlo"));
    ck_assert(!m("*a", "ab"));
}
END_TEST

START_TEST(empty_subject_matches_only_empty_pattern)
{
    /* Redis 7: KEYS ** does not return the empty key (KEYS * is special-
     * cased by the command, not the matcher). */
    ck_assert(m("", ""));
    ck_assert(!m("*", ""));
    ck_assert(!m("**", ""));
    ck_assert(!m("", "a"));
}
END_TEST

START_TEST(question_mark_matches_exactly_one_byte)
{
    ck_assert(m("h?llo", "hello"));
    ck_assert(m("h?llo", "hxllo"));
    ck_assert(!m("h?llo", "hllo"));
    ck_assert(!m("h?llo", "heello"));
    ck_assert(m("???", "abc"));
    ck_assert(!m("???", "ab"));
}
END_TEST

START_TEST(literal_bytes_must_match_exactly)
{
    ck_assert(m("hello", "hello"));
    ck_assert(!m("hello", "hellO"));
    ck_assert(!m("hello", "hell"));
    ck_assert(!m("hell", "hello"));
}
END_TEST

/* ---- classes ---------------------------------------------------------------- */

START_TEST(class_matches_one_listed_byte)
{
    ck_assert(m("h[ae]llo", "hello"));
    ck_assert(m("h[ae]llo", "hallo"));
    ck_assert(!m("h[ae]llo", "hillo"));
    ck_assert(!m("h[ae]llo", "hllo"));
}
END_TEST

START_TEST(negated_class_matches_unlisted_byte)
{
    ck_assert(m("h[^e]llo", "hallo"));
    ck_assert(!m("h[^e]llo", "hello"));
    ck_assert(m("[^abc]", "d"));
    ck_assert(!m("[^abc]", "b"));
}
END_TEST

START_TEST(ranges_match_and_reversed_ranges_are_swapped)
{
    ck_assert(m("h[a-b]llo", "hallo"));
    ck_assert(m("h[a-b]llo", "hbllo"));
    ck_assert(!m("h[a-b]llo", "hcllo"));
    ck_assert(m("[z-a]", "m"));
    ck_assert(m("[z-a]", "a"));
    ck_assert(m("[z-a]", "z"));
    ck_assert(!m("[z-a]", "A"));
    ck_assert(m("[0-9][0-9]", "42"));
    ck_assert(m("[^0-9]", "x"));
    ck_assert(!m("[^0-9]", "5"));
}
END_TEST

START_TEST(range_bounds_compare_as_signed_chars)
{
    /* [a-\xff]: \xff is -1, so the range is swapped to [-1, 'a']. */
    ck_assert(m("[a-\xff]", "0"));
    ck_assert(m("[a-\xff]", "\xff"));
    ck_assert(m("[a-\xff]", "a"));
    ck_assert(!m("[a-\xff]", "b"));
    ck_assert(!m("[a-\xff]", "\x80"));
}
END_TEST

START_TEST(unterminated_class_closes_at_pattern_end)
{
    ck_assert(m("[abc", "a"));
    ck_assert(m("[abc", "c"));
    ck_assert(!m("[abc", "d"));
    ck_assert(!m("[abc", "ab"));
    ck_assert(!m("[", "["));
    ck_assert(!m("[", "a"));
    ck_assert(m("[^", "x")); /* an empty negated set accepts anything */
    ck_assert(m("[a-", "a"));
    ck_assert(m("[a-", "-"));
    ck_assert(!m("[a-", "b"));
    ck_assert(m("x[", "x") == false);
}
END_TEST

START_TEST(close_bracket_first_in_class_ends_it)
{
    ck_assert(!m("[]", "]"));
    ck_assert(m("[]]", "]") == false); /* "[]" is an empty class, then "]" */
    ck_assert(m("[]]", "]]") == false);
    ck_assert(m("[\\]]", "]"));
}
END_TEST

/* ---- escapes ---------------------------------------------------------------- */

START_TEST(backslash_escapes_metacharacters)
{
    ck_assert(m("\\*", "*"));
    ck_assert(!m("\\*", "a"));
    ck_assert(m("a\\?", "a?"));
    ck_assert(!m("a\\?", "ab"));
    ck_assert(m("\\[a]", "[a]"));
    ck_assert(m("\\\\", "\\"));
    ck_assert(m("[\\-]", "-"));
    ck_assert(m("[\\^a]", "^"));
}
END_TEST

START_TEST(trailing_backslash_matches_itself)
{
    ck_assert(m("a\\", "a\\"));
    ck_assert(!m("a\\", "a"));
    ck_assert(m("[\\", "\\"));
}
END_TEST

/* ---- nocase ------------------------------------------------------------------- */

START_TEST(nocase_folds_ascii_letters)
{
    ck_assert(mi("HELLO", "hello"));
    ck_assert(mi("h*O", "HellO"));
    ck_assert(!m("HELLO", "hello"));
    ck_assert(mi("[A-Z]", "q"));
    ck_assert(mi("[abc]", "B"));
    ck_assert(!m("[abc]", "B"));
    ck_assert(mi("[^abc]", "d"));
    ck_assert(!mi("[^abc]", "B"));
    ck_assert(mi("\xc3\xa9", "\xc3\xa9"));
    ck_assert(!mi("\xc3\xa9", "\xc3\x89")); /* no folding beyond ASCII */
}
END_TEST

START_TEST(nocase_range_is_swapped_before_folding)
{
    /* [Z-a] spans 'Z'..'a' (includes '_'); folded it becomes 'z'..'a',
     * which is empty. */
    ck_assert(m("[Z-a]", "_"));
    ck_assert(!mi("[Z-a]", "_"));
    ck_assert(!mi("[Z-a]", "z"));
}
END_TEST

START_TEST(nocase_does_not_apply_to_escapes_inside_class)
{
    ck_assert(mi("[\\A]", "A"));
    ck_assert(!mi("[\\A]", "a"));
    ck_assert(mi("\\A", "a")); /* outside a class it does */
}
END_TEST

/* ---- binary safety and cost ---------------------------------------------------- */

START_TEST(patterns_and_subjects_are_binary_safe)
{
    ck_assert(glob_match("a\0b", 3, "a\0b", 3, false));
    ck_assert(!glob_match("a\0b", 3, "a\0c", 3, false));
    ck_assert(glob_match("a?b", 3, "a\0b", 3, false));
    ck_assert(glob_match("*\0", 2, "xyz\0", 4, false));
    ck_assert(glob_match("[\0]", 3, "\0", 1, false));
    /* The length bounds the pattern: nothing past it is read. */
    ck_assert(glob_match("ab*", 2, "ab", 2, false));
    ck_assert(!glob_match("ab*", 2, "abc", 3, false));
}
END_TEST

static char *repeat(const char *unit, size_t times)
{
    size_t n = strlen(unit);
    char *s = malloc(n * times + 1);

    for (size_t i = 0; i < times; i++)
        memcpy(s + i * n, unit, n);
    s[n * times] = '\0';
    return s;
}

START_TEST(many_stars_against_long_subject_fail_without_blowup)
{
    char *subject = repeat("a", 10000);

    /* Exponential without the skip-longer-matches cut. */
    ck_assert(!m("a*a*a*a*a*a*a*a*a*b", subject));
    ck_assert(!m("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", subject));
    ck_assert(m("a*a*a*a*a*a*a*a*a*a", subject));
    ck_assert(!m("*?*?*?*?*?*?*?*?*?*?b", subject));
    free(subject);
}
END_TEST

START_TEST(nesting_deeper_than_limit_never_matches)
{
    char *subject = repeat("a", GLOB_MAX_NESTING + 1);
    char *at_limit = repeat("*a", GLOB_MAX_NESTING);
    char *past_limit = repeat("*a", GLOB_MAX_NESTING + 1);

    ck_assert(m(at_limit, subject));
    ck_assert(!m(past_limit, subject));
    free(subject);
    free(at_limit);
    free(past_limit);
}
END_TEST

static Suite *glob_suite(void)
{
    Suite *s = suite_create("glob");
    TCase *basics = tcase_create("basics");
    TCase *classes = tcase_create("classes");
    TCase *escapes = tcase_create("escapes");
    TCase *nocase = tcase_create("nocase");
    TCase *robust = tcase_create("robustness");

    tcase_add_test(basics, star_matches_any_run_of_bytes);
    tcase_add_test(basics, empty_subject_matches_only_empty_pattern);
    tcase_add_test(basics, question_mark_matches_exactly_one_byte);
    tcase_add_test(basics, literal_bytes_must_match_exactly);
    tcase_add_test(classes, class_matches_one_listed_byte);
    tcase_add_test(classes, negated_class_matches_unlisted_byte);
    tcase_add_test(classes, ranges_match_and_reversed_ranges_are_swapped);
    tcase_add_test(classes, range_bounds_compare_as_signed_chars);
    tcase_add_test(classes, unterminated_class_closes_at_pattern_end);
    tcase_add_test(classes, close_bracket_first_in_class_ends_it);
    tcase_add_test(escapes, backslash_escapes_metacharacters);
    tcase_add_test(escapes, trailing_backslash_matches_itself);
    tcase_add_test(nocase, nocase_folds_ascii_letters);
    tcase_add_test(nocase, nocase_range_is_swapped_before_folding);
    tcase_add_test(nocase, nocase_does_not_apply_to_escapes_inside_class);
    tcase_add_test(robust, patterns_and_subjects_are_binary_safe);
    tcase_add_test(robust, many_stars_against_long_subject_fail_without_blowup);
    tcase_add_test(robust, nesting_deeper_than_limit_never_matches);
    suite_add_tcase(s, basics);
    suite_add_tcase(s, classes);
    suite_add_tcase(s, escapes);
    suite_add_tcase(s, nocase);
    suite_add_tcase(s, robust);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(glob_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
