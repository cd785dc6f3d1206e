/*
 * check_stream.c - the stream value type (core/stream.c): appends across
 * blocks, field compression, walks both ways, deletion, trimming exact and
 * approximate, consumer groups and their two PELs, deep copy, and a model
 * test of append/delete/trim/range/last live ID against a plain array
 * under random operations.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

static const struct stream_id ID_MIN = {0, 0}, ID_MAX = {UINT64_MAX, UINT64_MAX};
static struct object_limits limits = OBJECT_LIMITS_DEFAULT;

static void add(struct stream *s, uint64_t ms, uint64_t seq, const char *f, const char *v)
{
    struct stream_str fv[2] = {{f, strlen(f)}, {v, strlen(v)}};
    struct stream_id id = {ms, seq};
    ck_assert_int_eq(stream_append(s, &id, fv, 2, &limits), STREAM_OK);
    stream__check_invariants(s);
}

/* The IDs in [start, end], as "ms-seq" joined by spaces. */
static void ids(struct stream *s, struct stream_id start, struct stream_id end, bool rev,
                char *buf, size_t cap)
{
    struct stream_iter it;
    struct stream_id id;
    size_t npairs, used = 0;
    buf[0] = 0;
    stream_iter_init(&it, s, &start, &end, rev);
    while (stream_iter_next(&it, &id, &npairs)) {
        for (size_t i = 0; i < npairs; i++) {
            struct stream_str f, v;
            stream_iter_pair(&it, &f, &v);
        }
        used += (size_t)snprintf(buf + used, cap - used, "%s%llu-%llu", used ? " " : "",
                                 (unsigned long long)id.ms, (unsigned long long)id.seq);
    }
}

START_TEST(append_walk_both_ways)
{
    struct stream *s = stream_create();
    char buf[256];
    add(s, 1, 0, "a", "1");
    add(s, 1, 5, "a", "2");
    add(s, 3, 0, "b", "3");
    ids(s, ID_MIN, ID_MAX, false, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1-0 1-5 3-0");
    ids(s, ID_MIN, ID_MAX, true, buf, sizeof(buf));
    ck_assert_str_eq(buf, "3-0 1-5 1-0");
    ids(s, (struct stream_id){1, 1}, (struct stream_id){3, 0}, false, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1-5 3-0");
    ids(s, (struct stream_id){1, 1}, (struct stream_id){2, 0}, true, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1-5");
    ck_assert_uint_eq(stream_len(s), 3);
    ck_assert_uint_eq(stream_last_id(s).ms, 3);
    stream_destroy(s);
}
END_TEST

START_TEST(fields_come_back_with_or_without_master)
{
    struct stream *s = stream_create();
    add(s, 1, 0, "f", "v1");
    add(s, 2, 0, "f", "v2");
    add(s, 3, 0, "g", "v3");
    struct stream_iter it;
    struct stream_id id;
    size_t npairs;
    const char *want[3][2] = {{"f", "v1"}, {"f", "v2"}, {"g", "v3"}};
    stream_iter_init(&it, s, &ID_MIN, &ID_MAX, false);
    for (int i = 0; i < 3; i++) {
        struct stream_str f, v;
        ck_assert(stream_iter_next(&it, &id, &npairs));
        ck_assert_uint_eq(npairs, 1);
        stream_iter_pair(&it, &f, &v);
        ck_assert_int_eq((int)f.len, (int)strlen(want[i][0]));
        ck_assert(memcmp(f.ptr, want[i][0], f.len) == 0);
        ck_assert(memcmp(v.ptr, want[i][1], v.len) == 0);
    }
    ck_assert(!stream_iter_next(&it, &id, &npairs));
    stream_destroy(s);
}
END_TEST

START_TEST(blocks_hold_a_hundred_and_approx_trim_takes_whole_blocks)
{
    struct stream *s = stream_create();
    for (uint64_t i = 1; i <= 250; i++)
        add(s, i, 0, "f", "v");
    ck_assert_uint_eq(stream_block_count(s), 3);
    struct stream_trim t = {.maxlen = 120, .approx = true};
    ck_assert_uint_eq(stream_trim(s, &t), 100);
    ck_assert_uint_eq(stream_len(s), 150);
    ck_assert_uint_eq(stream_first_id(s).ms, 101);
    t.approx = false;
    ck_assert_uint_eq(stream_trim(s, &t), 30);
    stream__check_invariants(s);
    ck_assert_uint_eq(stream_first_id(s).ms, 131);
    t = (struct stream_trim){.minid = true, .min = {200, 0}};
    ck_assert_uint_eq(stream_trim(s, &t), 69);
    ck_assert_uint_eq(stream_first_id(s).ms, 200);
    stream__check_invariants(s);
    stream_destroy(s);
}
END_TEST

START_TEST(ms_deltas_too_wide_for_the_flags_open_a_block)
{
    struct stream *s = stream_create();
    char buf[256];
    add(s, 1, 0, "f", "v");
    add(s, 1ULL << 61, 0, "f", "v"); /* fits: the same block */
    add(s, (1ULL << 62) + 5, 0, "f", "v");
    add(s, UINT64_MAX, UINT64_MAX, "f", "v");
    ck_assert_uint_eq(stream_block_count(s), 3);
    ids(s, ID_MIN, ID_MAX, true, buf, sizeof(buf));
    ck_assert_str_eq(buf, "18446744073709551615-18446744073709551615 4611686018427387909-0 "
                          "2305843009213693952-0 1-0");
    ck_assert(stream_delete(s, &(struct stream_id){(1ULL << 62) + 5, 0}));
    ck_assert(stream_delete(s, &(struct stream_id){1ULL << 61, 0}));
    stream__check_invariants(s);
    ids(s, ID_MIN, ID_MAX, false, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1-0 18446744073709551615-18446744073709551615");
    stream_destroy(s);
}
END_TEST

START_TEST(delete_tracks_first_and_max_deleted)
{
    struct stream *s = stream_create();
    add(s, 1, 0, "f", "v");
    add(s, 2, 0, "f", "v");
    add(s, 3, 0, "f", "v");
    ck_assert(stream_delete(s, &(struct stream_id){2, 0}));
    ck_assert(!stream_delete(s, &(struct stream_id){2, 0}));
    ck_assert_uint_eq(stream_max_deleted_id(s).ms, 2);
    ck_assert(stream_delete(s, &(struct stream_id){1, 0}));
    ck_assert_uint_eq(stream_first_id(s).ms, 3);
    ck_assert_uint_eq(stream_max_deleted_id(s).ms, 2);
    ck_assert(stream_delete(s, &(struct stream_id){3, 0}));
    ck_assert_uint_eq(stream_len(s), 0);
    ck_assert_uint_eq(stream_block_count(s), 0);
    ck_assert_uint_eq(stream_entries_added(s), 3);
    stream__check_invariants(s);
    stream_destroy(s);
}
END_TEST

START_TEST(groups_consumers_and_both_pels)
{
    struct stream *s = stream_create();
    struct stream_id zero = {0, 0};
    struct stream_group *g = stream_group_create(s, "g", 1, &zero, 0);
    stream_group_create(s, "a", 1, &zero, 0);
    ck_assert_ptr_eq(stream_group_find(s, "g", 1), g);
    ck_assert_uint_eq(stream_group_first(s)->len, 1); /* names are not NUL-terminated */
    ck_assert_int_eq(stream_group_first(s)->name[0], 'a');
    struct stream_consumer *c1 = stream_consumer_create(g, "c1", 2, 10);
    struct stream_consumer *c2 = stream_consumer_create(g, "c2", 2, 10);
    for (uint64_t i = 1; i <= 5; i++)
        ck_assert_ptr_nonnull(stream_nack_create(g, i % 2 ? c1 : c2, &(struct stream_id){i, 0}, 5));
    ck_assert_uint_eq(stream_pel_count(g), 5);
    ck_assert_uint_eq(stream_consumer_pel_count(c1), 3);
    struct stream_nack *n = stream_pel_seek(g, NULL, &(struct stream_id){2, 1});
    ck_assert_uint_eq(n->id.ms, 3);
    stream_nack_move(n, c2);
    ck_assert_uint_eq(stream_consumer_pel_count(c2), 3);
    n = stream_pel_seek(g, c2, &zero);
    ck_assert_uint_eq(n->id.ms, 2);
    ck_assert_uint_eq(stream_pel_next(n, true)->id.ms, 3);
    ck_assert_uint_eq(stream_pel_last(g)->id.ms, 5);
    struct stream *copy = stream_dup(s);
    stream__check_invariants(copy);
    stream_consumer_destroy(g, c2);
    ck_assert_uint_eq(stream_pel_count(g), 2);
    stream__check_invariants(s);
    struct stream_group *cg = stream_group_find(copy, "g", 1);
    ck_assert_uint_eq(stream_pel_count(cg), 5);
    ck_assert_uint_eq(stream_consumer_count(cg), 2);
    stream_group_destroy(s, g);
    ck_assert_uint_eq(stream_group_count(s), 1);
    stream_destroy(s);
    stream_destroy(copy);
}
END_TEST

/* ==== the model =============================================================== */

/* Check logs every ck_assert through a pipe: a million of them take
 * seconds of system time, so the model's hot loops only fail through it. */
#define EXPECT(c)                                                                   \
    do {                                                                            \
        if (!(c))                                                                   \
            ck_abort_msg("failed: %s", #c);                                         \
    } while (0)

struct model_entry {
    struct stream_id id;
    char value[16];
    bool live;
};

static void check_against_model(struct stream *s, struct model_entry *m, size_t n, uint64_t rnd)
{
    struct stream_id lo = {rnd % (n + 3), 0}, hi = {lo.ms + (rnd >> 8) % 300, UINT64_MAX};
    bool rev = rnd & 1;
    struct stream_iter it;
    struct stream_id id;
    size_t npairs, k = rev ? n : 0;
    stream_iter_init(&it, s, &lo, &hi, rev);
    while (stream_iter_next(&it, &id, &npairs)) {
        for (;;) { /* the next live model entry in range */
            EXPECT(rev ? k > 0 : k < n);
            struct model_entry *e = rev ? &m[--k] : &m[k++];
            if (e->live && stream_id_cmp(&e->id, &lo) >= 0 && stream_id_cmp(&e->id, &hi) <= 0) {
                struct stream_str f, v;
                EXPECT(stream_id_cmp(&e->id, &id) == 0);
                ck_assert_uint_eq(npairs, 1);
                stream_iter_pair(&it, &f, &v);
                EXPECT(v.len == strlen(e->value) && memcmp(v.ptr, e->value, v.len) == 0);
                break;
            }
        }
    }
    for (; rev ? k > 0 : k < n;) {
        struct model_entry *e = rev ? &m[--k] : &m[k++];
        EXPECT(!(e->live && stream_id_cmp(&e->id, &lo) >= 0 &&
                    stream_id_cmp(&e->id, &hi) <= 0));
    }
}

/* Drop the first `count` live model entries (what a trim removed). */
static void model_trim(struct model_entry *m, size_t n, uint64_t count)
{
    for (size_t i = 0; i < n && count; i++) {
        if (m[i].live) {
            m[i].live = false;
            count--;
        }
    }
}

START_TEST(random_against_model)
{
    enum { N = 6000 };
    struct model_entry *m = calloc(N, sizeof(*m));
    struct stream *s = stream_create();
    uint64_t rnd = 88172645463325252ULL, live = 0;
    size_t n = 0;
    for (int step = 0; step < 20000; step++) {
        rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
        unsigned op = rnd % 100;
        if (op < 60 && n < N) {
            struct stream_id id = stream_last_id(s);
            id = (rnd >> 8) % 3 ? (struct stream_id){id.ms + 1, (rnd >> 12) % 4}
                                : (struct stream_id){id.ms, id.seq + 1};
            snprintf(m[n].value, sizeof(m[n].value), "v%llu", (unsigned long long)(rnd % 997));
            const char *field = (rnd >> 20) % 4 ? "field" : "other";
            struct stream_str fv[2] = {{field, strlen(field)}, {m[n].value, strlen(m[n].value)}};
            ck_assert_int_eq(stream_append(s, &id, fv, 2, &limits), STREAM_OK);
            m[n].id = id;
            m[n++].live = true;
            live++;
        } else if (op < 80 && n) {
            size_t i = (rnd >> 8) % n;
            EXPECT(stream_delete(s, &m[i].id) == m[i].live);
            live -= m[i].live;
            m[i].live = false;
        } else if (op < 85) {
            struct stream_trim t = {.maxlen = (rnd >> 8) % (live + 50), .approx = (rnd >> 16) & 1,
                                    .limit = (rnd >> 17) & 1 ? (long long)((rnd >> 20) % 300) : 0};
            if (!t.approx)
                t.limit = 0;
            uint64_t gone = stream_trim(s, &t);
            if (!t.approx)
                ck_assert_uint_eq(stream_len(s), live - gone);
            if (gone)
                ck_assert_uint_ge(stream_len(s), t.maxlen);
            model_trim(m, n, gone);
            live -= gone;
        } else if (op < 88 && n) {
            struct stream_trim t = {.minid = true, .min = m[(rnd >> 8) % n].id,
                                    .approx = (rnd >> 16) & 1};
            uint64_t gone = stream_trim(s, &t);
            model_trim(m, n, gone);
            live -= gone;
            if (!t.approx)
                for (size_t i = 0; i < n; i++)
                    EXPECT(!m[i].live || stream_id_cmp(&m[i].id, &t.min) >= 0);
        } else {
            check_against_model(s, m, n, rnd >> 8);
            struct stream_id top = {0, 0}, got = stream_last_valid_id(s);
            for (size_t i = n; i-- > 0;)
                if (m[i].live) {
                    top = m[i].id;
                    break;
                }
            EXPECT(stream_id_cmp(&top, &got) == 0);
        }
        EXPECT(stream_len(s) == live);
        if (step % 500 == 0)
            stream__check_invariants(s);
    }
    stream__check_invariants(s);
    stream_destroy(s);
    free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, append_walk_both_ways);
    tcase_add_test(tc, fields_come_back_with_or_without_master);
    tcase_add_test(tc, blocks_hold_a_hundred_and_approx_trim_takes_whole_blocks);
    tcase_add_test(tc, ms_deltas_too_wide_for_the_flags_open_a_block);
    tcase_add_test(tc, delete_tracks_first_and_max_deleted);
    tcase_add_test(tc, groups_consumers_and_both_pels);
    tcase_add_test(tc, random_against_model);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
