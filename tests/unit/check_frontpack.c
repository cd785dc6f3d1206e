/*
 * check_frontpack.c - front-coded runs (core/frontpack.c): elements read
 * back as written (shared prefixes, empty, binary, integers stored as
 * differences and strings that only look like them, longer than
 * FRONTPACK_SHORT and than a list node), pushes and pops at both ends,
 * inserts, replacements and removals in the middle and across run
 * boundaries, split and append, the index rebuilt from the elements, and
 * random operations against an array model.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontpack.h"

/* ---- a model: an array of byte strings ----------------------------------------- */

struct str {
    char *p;
    size_t len;
};

struct model {
    struct str v[4096];
    size_t n;
};

static void model_insert(struct model *m, size_t at, const void *s, size_t len)
{
    ck_assert_uint_lt(m->n, sizeof(m->v) / sizeof(m->v[0]));
    memmove(&m->v[at + 1], &m->v[at], (m->n - at) * sizeof(m->v[0]));
    m->v[at].p = malloc(len ? len : 1);
    memcpy(m->v[at].p, s, len);
    m->v[at].len = len;
    m->n++;
}

static void model_delete(struct model *m, size_t at, size_t n)
{
    for (size_t i = at; i < at + n; i++)
        free(m->v[i].p);
    memmove(&m->v[at], &m->v[at + n], (m->n - at - n) * sizeof(m->v[0]));
    m->n -= n;
}

static void model_free(struct model *m)
{
    model_delete(m, 0, m->n);
}

/* fp holds exactly the model's strings: read in one pass from the start,
 * and each one from a reader put at its rank. */
static void same(const struct frontpack *fp, const struct model *m)
{
    struct frontpack_reader rd;
    const unsigned char *ptr;
    frontpack__check_invariants(fp);
    ck_assert_uint_eq(fp->count, m->n);
    if (m->n == 0)
        return;
    frontpack_reader_at_run(&rd, fp, 0);
    for (size_t i = 0; i < m->n; i++) {
        ck_assert_uint_eq(frontpack_read(&rd, &ptr), m->v[i].len);
        ck_assert(m->v[i].len == 0 || memcmp(ptr, m->v[i].p, m->v[i].len) == 0);
    }
    for (size_t i = 0; i < m->n; i++) {
        frontpack_reader_at(&rd, fp, i);
        ck_assert_uint_eq(frontpack_read(&rd, &ptr), m->v[i].len);
        ck_assert(m->v[i].len == 0 || memcmp(ptr, m->v[i].p, m->v[i].len) == 0);
    }
}

/* The last check of a test's frontpack and model, then both freed (fp
 * emptied for another use). */
static void same_then_free(struct frontpack *fp, struct model *m)
{
    same(fp, m);
    free(fp->buf);
    *fp = (struct frontpack){0};
    model_free(m);
}

static void insert(struct frontpack *fp, struct model *m, size_t at, const void *s, size_t len)
{
    ck_assert_int_eq(frontpack_insert(fp, at, s, len), FRONTPACK_OK);
    model_insert(m, at, s, len);
}

static void insert_str(struct frontpack *fp, struct model *m, size_t at, const char *s)
{
    insert(fp, m, at, s, strlen(s));
}

static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/* Mostly ids sharing prefixes, then decimal integers, binary bytes (NUL
 * and 0xFF among them), empty strings, and lengths either side of
 * FRONTPACK_SHORT. */
static size_t random_str(unsigned *seed, char *buf)
{
    unsigned kind = rnd(seed) % 10;
    if (kind < 4)
        return (size_t)sprintf(buf, "i:%08u", rnd(seed) % 2000);
    if (kind < 5)
        return (size_t)sprintf(buf, "%d", (int)(rnd(seed) % 100000) - 500);
    if (kind < 7) {
        size_t len = rnd(seed) % 12;
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)(rnd(seed) % 3 == 0 ? 0 : rnd(seed) % 3 == 0 ? 0xFF : 'a');
        return len;
    }
    if (kind < 8)
        return 0;
    size_t len = FRONTPACK_SHORT - 8 + rnd(seed) % 16;
    memset(buf, 'u', len);
    buf[len - 1] = (char)('0' + rnd(seed) % 10);
    return len;
}

/* One random write on fp and the model: inserts (more often), then at
 * the ends only pops, else also replacements and removals of up to 19
 * elements anywhere. */
static void random_step(struct frontpack *fp, struct model *m, unsigned *seed, bool ends)
{
    char buf[128];
    size_t len = random_str(seed, buf);
    unsigned op = rnd(seed) % 5;
    bool head = rnd(seed) & 1;
    if (m->n == 0 || op < 3) {
        insert(fp, m, ends ? (head ? 0 : m->n) : rnd(seed) % (m->n + 1), buf, len);
    } else if (op == 3 && !ends) {
        size_t at = rnd(seed) % m->n;
        ck_assert_int_eq(frontpack_replace(fp, at, buf, len), FRONTPACK_OK);
        model_delete(m, at, 1);
        model_insert(m, at, buf, len);
    } else {
        size_t at = ends ? (head ? 0 : m->n - 1) : rnd(seed) % m->n;
        size_t n = ends ? 1 : rnd(seed) % (m->n - at < 20 ? m->n - at + 1 : 20);
        frontpack_delete(fp, at, n, NULL, NULL);
        model_delete(m, at, n);
    }
    frontpack__check_invariants(fp);
}

/* 3,000 random writes, compared with the model every 50; then removing
 * everything frees the buffer. */
static void run_random(unsigned seed, bool ends)
{
    struct frontpack fp = {0};
    struct model m = {0};
    for (int step = 0; step < 3000; step++) {
        random_step(&fp, &m, &seed, ends);
        if (step % 50 == 0)
            same(&fp, &m);
    }
    same(&fp, &m);
    frontpack_delete(&fp, 0, fp.count, NULL, NULL);
    ck_assert_ptr_null(fp.buf);
    model_free(&m);
}

/* ---- reading back -------------------------------------------------------------------- */

START_TEST(shared_prefixes_are_kept_once)
{
    struct frontpack fp = {0};
    struct model m = {0};
    char s[32];
    for (int i = 0; i < 1000; i++) {
        sprintf(s, "i:%08d", i);
        insert_str(&fp, &m, m.n, s);
    }
    same(&fp, &m);
    /* runs of 8: one whole (11 bytes), seven of 3 or 4; an index word */
    ck_assert_uint_le(fp.bytes, 1000 * 9 / 2);
    ck_assert_uint_eq(frontpack_runs(&fp), 125);
    free(fp.buf);
    model_free(&m);
}
END_TEST

START_TEST(empty_binary_and_integer_elements_read_back)
{
    struct frontpack fp = {0};
    struct model m = {0};
    const char bin[] = {0, 'a', (char)0xFF, 0, 0};
    insert_str(&fp, &m, 0, "");
    insert_str(&fp, &m, 1, "");
    insert(&fp, &m, 2, bin, sizeof(bin));
    insert(&fp, &m, 3, bin, 2); /* a prefix of the one before */
    insert_str(&fp, &m, 4, "12345");
    insert_str(&fp, &m, 5, "12346");
    insert_str(&fp, &m, 6, "-7");
    insert_str(&fp, &m, 0, "");
    insert_str(&fp, &m, 8, "");
    same_then_free(&fp, &m);
}
END_TEST

/* Canonical decimal integers are stored as the difference from the one
 * before: a counter takes a byte each; the extremes, their differences
 * past 64 bits, and strings that only look like integers read back as
 * they were. */
START_TEST(integers_are_stored_as_differences)
{
    struct frontpack fp = {0};
    struct model m = {0};
    char s[32];
    for (int i = 0; i < 1000; i++) {
        sprintf(s, "%d", 1000000000 + i);
        insert_str(&fp, &m, m.n, s);
    }
    ck_assert_uint_le(fp.bytes, 1000 + 125 * 5);
    same_then_free(&fp, &m);
    static const char *const odd[] = {
        "9223372036854775807", "-9223372036854775808", "9223372036854775807", "0", "-1",
        "-0", "007", "+5", "9223372036854775808", " 1", "1 ", "12a", "-", "", "31", "32",
        "-17", "123456789012345678901"};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
        insert_str(&fp, &m, m.n, odd[i]);
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
        insert_str(&fp, &m, i % 3, odd[i]);
    same_then_free(&fp, &m);
}
END_TEST

/* An element longer than FRONTPACK_SHORT is stored whole: a reader lends
 * its bytes in place, even right after one it shares a prefix with. */
START_TEST(long_elements_are_stored_whole)
{
    struct frontpack fp = {0};
    struct model m = {0};
    static char big[100000];
    memset(big, 'b', sizeof(big));
    insert(&fp, &m, 0, big, FRONTPACK_SHORT + 1);
    insert(&fp, &m, 1, big, FRONTPACK_SHORT + 2);
    insert(&fp, &m, 2, big, FRONTPACK_SHORT); /* short: after a shared prefix */
    insert(&fp, &m, 3, big, sizeof(big));      /* far past a node's 8 KB */
    same(&fp, &m);
    struct frontpack_reader rd;
    const unsigned char *ptr;
    frontpack_reader_at(&rd, &fp, 1);
    (void)frontpack_read(&rd, &ptr);
    ck_assert(ptr >= fp.buf && ptr < fp.buf + fp.bytes);
    (void)frontpack_read(&rd, &ptr);
    ck_assert(ptr == rd.buf);
    ck_assert_uint_lt(fp.bytes, 3 * FRONTPACK_SHORT + sizeof(big) + 16);
    free(fp.buf);
    model_free(&m);
}
END_TEST

/* ---- writing at the ends ----------------------------------------------------------- */

START_TEST(push_and_pop_at_both_ends)
{
    run_random(7, true);
}
END_TEST

/* A push before a full first run starts a run of its own; popping the
 * head of a run makes the next element its start. */
START_TEST(head_pushes_fill_the_first_run_then_open_one)
{
    struct frontpack fp = {0};
    struct model m = {0};
    char s[16];
    for (int i = 0; i < 8; i++) {
        sprintf(s, "k%02d", i);
        insert_str(&fp, &m, 0, s);
    }
    ck_assert_uint_eq(frontpack_runs(&fp), 1);
    insert_str(&fp, &m, 0, "k99");
    ck_assert_uint_eq(frontpack_runs(&fp), 2);
    ck_assert_uint_eq(frontpack_run_count(&fp, 0), 1);
    same(&fp, &m);
    frontpack_delete(&fp, 0, 2, NULL, NULL);
    model_delete(&m, 0, 2);
    ck_assert_uint_eq(frontpack_run_count(&fp, 0), 7);
    same_then_free(&fp, &m);
}
END_TEST

/* ---- writing inside ---------------------------------------------------------------- */

START_TEST(insert_replace_and_delete_in_the_middle)
{
    run_random(11, false);
}
END_TEST

/* Removals that start, end or span run boundaries, and whole runs. */
START_TEST(removals_cross_run_boundaries)
{
    static const size_t cases[][2] = {{0, 8}, {7, 2}, {8, 8}, {3, 20}, {5, 3}, {0, 40}, {39, 1}};
    char s[16];
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct frontpack fp = {0};
        struct model m = {0};
        for (int i = 0; i < 40; i++) {
            sprintf(s, "x:%04d", i * 7);
            insert_str(&fp, &m, m.n, s);
        }
        frontpack_delete(&fp, cases[c][0], cases[c][1], NULL, NULL);
        model_delete(&m, cases[c][0], cases[c][1]);
        same_then_free(&fp, &m);
    }
}
END_TEST

/* Splitting at every rank and appending the tail back gives the same
 * elements; the index rebuilt from the elements alone is the one kept. */
START_TEST(split_append_and_index_rebuild)
{
    struct frontpack fp = {0};
    struct model m = {0};
    unsigned seed = 5;
    while (m.n < 37)
        random_step(&fp, &m, &seed, false);
    for (size_t at = 1; at < m.n; at++) {
        struct frontpack tail = {0};
        ck_assert_int_eq(frontpack_split(&fp, at, &tail), FRONTPACK_OK);
        frontpack__check_invariants(&fp);
        frontpack__check_invariants(&tail);
        ck_assert_uint_eq(fp.count, at);
        ck_assert_uint_eq(fp.count + tail.count, m.n);
        ck_assert_int_eq(frontpack_append(&fp, &tail), FRONTPACK_OK);
        free(tail.buf);
        same(&fp, &m);
    }
    size_t size = fp.bytes + frontpack_index_max(fp.count);
    unsigned char *copy = malloc(size);
    memcpy(copy, fp.buf, fp.bytes);
    frontpack_index_rebuild(copy, fp.bytes, fp.count);
    ck_assert_int_eq(memcmp(copy, fp.buf, fp.bytes + 4 + 4 * frontpack_runs(&fp)), 0);
    free(copy);
    free(fp.buf);
    model_free(&m);
}
END_TEST

static Suite *frontpack_suite(void)
{
    Suite *s = suite_create("frontpack");
    TCase *read = tcase_create("reading");
    tcase_add_test(read, shared_prefixes_are_kept_once);
    tcase_add_test(read, empty_binary_and_integer_elements_read_back);
    tcase_add_test(read, integers_are_stored_as_differences);
    tcase_add_test(read, long_elements_are_stored_whole);
    suite_add_tcase(s, read);
    TCase *ends = tcase_create("ends");
    tcase_add_test(ends, push_and_pop_at_both_ends);
    tcase_add_test(ends, head_pushes_fill_the_first_run_then_open_one);
    suite_add_tcase(s, ends);
    TCase *inside = tcase_create("inside");
    tcase_add_test(inside, insert_replace_and_delete_in_the_middle);
    tcase_add_test(inside, removals_cross_run_boundaries);
    tcase_add_test(inside, split_append_and_index_rebuild);
    tcase_set_timeout(inside, 60);
    suite_add_tcase(s, inside);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(frontpack_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
