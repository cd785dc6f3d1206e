/*
 * check_hash.c - the hash value type (core/hash.c): compact and table
 * forms, conversion thresholds, order, iteration, scan, random picks, and
 * the boxed ops (free, deep copy); and the head its compact buffer (and a
 * small sorted set's) starts with (core/bytes.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hash.h"

static const struct hashmap_seed seed = {0x1234, 0x5678};
static const struct hashmap_hasher hasher = {hashmap_siphash, &seed};
static struct object_limits limits = OBJECT_LIMITS_DEFAULT;
#define MAX_ENTRIES 512 /* hash-max-listpack-entries' default */

static struct hash *make(void)
{
    struct hash *h = hash_create(&hasher, &limits);
    ck_assert_ptr_nonnull(h);
    return h;
}

static void set(struct hash *h, const char *f, const char *v, bool want_created)
{
    bool created;
    ck_assert_int_eq(hash_set(h, f, strlen(f), v, strlen(v), &created), HASH_OK);
    ck_assert(created == want_created);
    hash__check_invariants(h);
}

static void assert_value(struct hash *h, const char *f, const char *want)
{
    const char *v;
    size_t vlen;
    if (want == NULL) {
        ck_assert(!hash_get(h, f, strlen(f), &v, &vlen));
        return;
    }
    ck_assert(hash_get(h, f, strlen(f), &v, &vlen));
    ck_assert_uint_eq(vlen, strlen(want));
    ck_assert(memcmp(v, want, vlen) == 0);
}

/* Fill with n pairs "f<i>" -> "v<i>". */
static void fill(struct hash *h, int from, int to)
{
    char f[32], v[32];
    for (int i = from; i < to; i++) {
        snprintf(f, sizeof(f), "f%d", i);
        snprintf(v, sizeof(v), "v%d", i);
        ck_assert_int_eq(hash_set(h, f, strlen(f), v, strlen(v), NULL), HASH_OK);
    }
    hash__check_invariants(h);
}

/* The number in a field "f<i>" (fields are not NUL-terminated). */
static int field_index(const char *f, size_t flen)
{
    int i = 0;
    ck_assert(flen >= 2 && f[0] == 'f');
    for (size_t k = 1; k < flen; k++)
        i = i * 10 + (f[k] - '0');
    return i;
}

static uint64_t test_rand(void *ud)
{
    uint64_t *s = ud;
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ==== basics ====================================================================== */

START_TEST(set_get_replace_and_delete)
{
    struct hash *h = make();
    set(h, "a", "1", true);
    set(h, "b", "2", true);
    set(h, "a", "one", false);
    ck_assert_uint_eq(hash_len(h), 2);
    assert_value(h, "a", "one");
    assert_value(h, "b", "2");
    assert_value(h, "c", NULL);
    ck_assert(hash_delete(h, "a", 1));
    ck_assert(!hash_delete(h, "a", 1));
    hash__check_invariants(h);
    ck_assert_uint_eq(hash_len(h), 1);
    assert_value(h, "a", NULL);
    hash_destroy(h);
}
END_TEST

START_TEST(empty_fields_and_values_are_allowed)
{
    struct hash *h = make();
    set(h, "", "v", true);
    set(h, "f", "", true);
    assert_value(h, "", "v");
    assert_value(h, "f", "");
    ck_assert(hash_exists(h, "", 0));
    hash_destroy(h);
}
END_TEST

START_TEST(binary_fields_with_nul_bytes)
{
    struct hash *h = make();
    ck_assert_int_eq(hash_set(h, "a\0b", 3, "x\0y", 3, NULL), HASH_OK);
    ck_assert(!hash_exists(h, "a", 1));
    const char *v;
    size_t vlen;
    ck_assert(hash_get(h, "a\0b", 3, &v, &vlen));
    ck_assert_uint_eq(vlen, 3);
    ck_assert(memcmp(v, "x\0y", 3) == 0);
    hash_destroy(h);
}
END_TEST

START_TEST(destroy_accepts_null)
{
    hash_destroy(NULL);
}
END_TEST

/* ==== encodings ==================================================================== */

START_TEST(small_hash_is_listpack)
{
    struct hash *h = make();
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_LISTPACK);
    fill(h, 0, MAX_ENTRIES);
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_LISTPACK);
    hash_destroy(h);
}
END_TEST

START_TEST(one_entry_past_the_limit_becomes_hashtable)
{
    struct hash *h = make();
    fill(h, 0, MAX_ENTRIES);
    set(h, "f0", "updated", false); /* an update does not count */
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_LISTPACK);
    fill(h, MAX_ENTRIES, MAX_ENTRIES + 1);
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_HASHTABLE);
    ck_assert_uint_eq(hash_len(h), MAX_ENTRIES + 1);
    assert_value(h, "f0", "updated");
    assert_value(h, "f512", "v512");
    hash_destroy(h);
}
END_TEST

START_TEST(value_of_64_bytes_stays_listpack_65_converts)
{
    char v64[65], v65[66];
    memset(v64, 'x', 64);
    v64[64] = '\0';
    memset(v65, 'y', 65);
    v65[65] = '\0';
    struct hash *h = make();
    set(h, "a", v64, true);
    set(h, v64, "b", true);
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_LISTPACK);
    set(h, "c", v65, true);
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_HASHTABLE);
    assert_value(h, "a", v64);
    assert_value(h, v64, "b");
    assert_value(h, "c", v65);
    hash_destroy(h);

    h = make();
    set(h, v65, "1", true); /* a long field too */
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_HASHTABLE);
    hash_destroy(h);
}
END_TEST

START_TEST(note_length_converts_without_writing)
{
    struct hash *h = make();
    set(h, "a", "1", true);
    ck_assert_int_eq(hash_note_length(h, 64), HASH_OK);
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_LISTPACK);
    ck_assert_int_eq(hash_note_length(h, 65), HASH_OK);
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_HASHTABLE);
    ck_assert_uint_eq(hash_len(h), 1);
    hash__check_invariants(h);
    hash_destroy(h);
}
END_TEST

START_TEST(deleting_never_converts_back)
{
    struct hash *h = make();
    fill(h, 0, MAX_ENTRIES + 10);
    for (int i = 0; i < MAX_ENTRIES + 9; i++) {
        char f[32];
        snprintf(f, sizeof(f), "f%d", i);
        ck_assert(hash_delete(h, f, strlen(f)));
    }
    hash__check_invariants(h);
    ck_assert_uint_eq(hash_len(h), 1);
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_HASHTABLE);
    hash_destroy(h);
}
END_TEST

/* ==== order and iteration ============================================================= */

static void assert_order(struct hash *h, const char *const *want, size_t n)
{
    struct hash_iter it;
    struct hash_pair p;
    size_t i = 0;
    hash_iter_init(&it, h);
    while (hash_iter_next(&it, &p)) {
        ck_assert_uint_lt(i, n);
        ck_assert_uint_eq(p.flen, strlen(want[i]));
        ck_assert(memcmp(p.field, want[i], p.flen) == 0);
        i++;
    }
    hash_iter_deinit(&it);
    ck_assert_uint_eq(i, n);
}

START_TEST(listpack_keeps_insertion_order_and_updates_in_place)
{
    struct hash *h = make();
    set(h, "c", "1", true);
    set(h, "a", "2", true);
    set(h, "b", "3", true);
    set(h, "a", "a much longer value than before", false);
    set(h, "c", "", false);
    assert_order(h, (const char *const[]){"c", "a", "b"}, 3);
    ck_assert(hash_delete(h, "a", 1));
    set(h, "a", "4", true);
    assert_order(h, (const char *const[]){"c", "b", "a"}, 3);
    assert_value(h, "c", "");
    assert_value(h, "b", "3");
    hash_destroy(h);
}
END_TEST

static void count_scan_cb(const struct hash_pair *p, void *ud)
{
    unsigned char *seen = ud;
    int i = field_index(p->field, p->flen);
    char want[32];
    snprintf(want, sizeof(want), "v%d", i);
    ck_assert_uint_eq(p->vlen, strlen(want));
    ck_assert(memcmp(p->value, want, p->vlen) == 0);
    seen[i] = 1;
}

START_TEST(scan_visits_every_pair_in_both_forms)
{
    for (int n = 10; n <= 3000; n += 2990) {
        struct hash *h = make();
        unsigned char *seen = calloc((size_t)n, 1);
        fill(h, 0, n);
        uint64_t cursor = 0;
        size_t calls = 0;
        do {
            cursor = hash_scan(h, cursor, count_scan_cb, seen);
            calls++;
        } while (cursor != 0);
        for (int i = 0; i < n; i++)
            ck_assert_msg(seen[i], "field %d not scanned", i);
        if (n == 10)
            ck_assert_uint_eq(calls, 1); /* a listpack goes in one call */
        free(seen);
        hash_destroy(h);
    }
}
END_TEST

START_TEST(iteration_of_a_table_sees_each_pair_once)
{
    struct hash *h = make();
    fill(h, 0, 2000);
    unsigned char *seen = calloc(2000, 1);
    struct hash_iter it;
    struct hash_pair p;
    size_t n = 0;
    hash_iter_init(&it, h);
    while (hash_iter_next(&it, &p)) {
        int i = field_index(p.field, p.flen);
        ck_assert(!seen[i]);
        seen[i] = 1;
        n++;
    }
    hash_iter_deinit(&it);
    ck_assert_uint_eq(n, 2000);
    free(seen);
    hash_destroy(h);
}
END_TEST

/* The limits are read at each write: lowered, they convert the next write
 * past them; raised, they let a compact hash hold long values (lengths
 * of 128 bytes and more need two-byte varints). */
START_TEST(limits_are_read_at_each_write)
{
    struct hash *h = make();
    limits.hash_max_listpack_entries = 2;
    set(h, "a", "1", true);
    set(h, "b", "2", true);
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_LISTPACK);
    set(h, "c", "3", true);
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_HASHTABLE);
    limits.hash_max_listpack_entries = 512;
    hash_destroy(h);

    h = make();
    limits.hash_max_listpack_value = 100000;
    char big[300];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    set(h, "f", big, true);
    set(h, big, "short", true);
    set(h, "g", "1", true);
    set(h, "f", "2", false); /* shrinks the value's length from 2 bytes to 1 */
    set(h, "g", big, false); /* and grows one */
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_LISTPACK);
    assert_value(h, "f", "2");
    assert_value(h, big, "short");
    assert_value(h, "g", big);
    limits.hash_max_listpack_value = 3;
    ck_assert_int_eq(hash_note_length(h, 4), HASH_OK);
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_HASHTABLE);
    assert_value(h, "g", big);
    limits.hash_max_listpack_value = 64;
    hash_destroy(h);
}
END_TEST

/* ==== random picks ===================================================================== */

START_TEST(random_reaches_every_field)
{
    for (int n = 5; n <= 1000; n += 995) {
        struct hash *h = make();
        fill(h, 0, n);
        unsigned char *seen = calloc((size_t)n, 1);
        uint64_t state = 88172645463325252ULL;
        for (int k = 0; k < n * 50; k++) {
            struct hash_pair p;
            hash_random(h, &p, test_rand, &state);
            seen[field_index(p.field, p.flen)] = 1;
        }
        for (int i = 0; i < n; i++)
            ck_assert_msg(seen[i], "field %d never picked", i);
        free(seen);
        hash_destroy(h);
    }
}
END_TEST

/* ==== boxed ops ========================================================================= */

START_TEST(dup_is_deep_in_both_forms)
{
    for (int n = 3; n <= 600; n += 597) {
        struct hash *h = make();
        fill(h, 0, n);
        struct object_boxed *b = hash_boxed(h);
        struct object_boxed *cb = b->ops->dup_cb(b);
        ck_assert_ptr_nonnull(cb);
        struct hash *copy = hash_from_boxed(cb);
        hash__check_invariants(copy);
        ck_assert_uint_eq(hash_len(copy), (size_t)n);
        ck_assert_int_eq(hash_encoding(copy), hash_encoding(h));
        set(h, "f0", "changed", false);
        set(h, "new", "x", true);
        assert_value(copy, "f0", "v0");
        assert_value(copy, "new", NULL);
        assert_value(copy, "f1", "v1");
        b->ops->free_cb(b);
        cb->ops->free_cb(cb);
    }
}
END_TEST

START_TEST(dup_of_listpack_keeps_order)
{
    struct hash *h = make();
    set(h, "z", "1", true);
    set(h, "y", "2", true);
    struct hash *copy = hash_dup(h);
    assert_order(copy, (const char *const[]){"z", "y"}, 2);
    hash_destroy(copy);
    hash_destroy(h);
}
END_TEST

/* The compact form's head (byte length, then count, as varints) changes
 * size as the pairs pass 127 and 16,383 bytes and 127 pairs, both ways,
 * while updates and deletes splice the middle of the buffer: against a
 * model kept in insertion order, every pair, its place, and the buffer
 * gone once the hash is empty. */
START_TEST(listpack_head_grows_and_shrinks_against_a_model)
{
    enum { NAMES = 220, OPS = 6000 };
    static struct object_limits wide = OBJECT_LIMITS_DEFAULT;
    wide.hash_max_listpack_entries = 1000000;
    wide.hash_max_listpack_value = 1000000;
    struct hash *h = hash_create(&hasher, &wide);
    ck_assert_ptr_nonnull(h);
    size_t empty_bytes = hash_bytes(h);
    static int order[NAMES];    /* field indexes in insertion order */
    static size_t vlens[NAMES]; /* value i is vlens[i] copies of 'a' + i % 26 */
    static char v[200];
    size_t n = 0;
    uint64_t rng = 0x4ead2026ULL;
    for (int op = 0; op < OPS; op++) {
        char f[16];
        int i = (int)(test_rand(&rng) % NAMES);
        snprintf(f, sizeof(f), "f%d", i);
        size_t at = 0;
        while (at < n && order[at] != i)
            at++;
        if (test_rand(&rng) % (op < OPS / 2 ? 4 : 2) == 0) { /* deletes: fewer, then as many */
            ck_assert(hash_delete(h, f, strlen(f)) == (at < n));
            if (at < n)
                memmove(&order[at], &order[at + 1], (--n - at) * sizeof(order[0]));
        } else {
            vlens[i] = (size_t)(test_rand(&rng) % sizeof(v));
            memset(v, 'a' + i % 26, vlens[i]);
            bool created;
            ck_assert_int_eq(hash_set(h, f, strlen(f), v, vlens[i], &created), HASH_OK);
            ck_assert(created == (at == n));
            if (at == n)
                order[n++] = i;
        }
        hash__check_invariants(h);
        ck_assert_uint_eq(hash_len(h), n);
    }
    ck_assert_int_eq(hash_encoding(h), OBJECT_ENC_LISTPACK);
    struct hash_iter it;
    struct hash_pair p;
    size_t k = 0;
    hash_iter_init(&it, h);
    for (; hash_iter_next(&it, &p); k++) {
        ck_assert_int_eq(field_index(p.field, p.flen), order[k]);
        ck_assert_uint_eq(p.vlen, vlens[order[k]]);
        for (size_t j = 0; j < p.vlen; j++)
            ck_assert_int_eq(p.value[j], 'a' + order[k] % 26);
    }
    hash_iter_deinit(&it);
    ck_assert_uint_eq(k, n);
    while (n > 0) {
        char f[16];
        snprintf(f, sizeof(f), "f%d", order[--n]);
        ck_assert(hash_delete(h, f, strlen(f)));
        hash__check_invariants(h);
    }
    ck_assert_uint_eq(hash_bytes(h), empty_bytes); /* no buffer left */
    hash_destroy(h);
}
END_TEST

/* ==== bytes.h: the head of a compact buffer ======================================= */

/* bytes_head_splice against a plain byte array: random cuts and rooms
 * anywhere, counts past 127 and lengths past 127 and 16,383 both ways, so
 * the head changes size under entries that move left and right. */
START_TEST(head_splice_keeps_the_entries_around_it)
{
    enum { MAX = 40000 };
    static unsigned char model[MAX];
    unsigned char *buf = NULL;
    struct bytes_head hd = {0};
    size_t used = 0;
    uint64_t rng = 0x5b11ce;
    for (int op = 0; op < 4000; op++) {
        size_t off = used ? (size_t)(test_rand(&rng) % (used + 1)) : 0;
        size_t cut = (size_t)(test_rand(&rng) % (used - off + 1));
        size_t room = (size_t)(test_rand(&rng) % (used > MAX / 2 ? 300 : 3000));
        size_t count = 1 + (size_t)(test_rand(&rng) % 300);
        if (test_rand(&rng) % 50 == 0) { /* empty it */
            off = 0, cut = used, room = 0, count = 0;
        }
        ck_assert_int_eq(bytes_head_splice(&buf, &hd, off, cut, room, count), 0);
        memmove(&model[off + room], &model[off + cut], used - off - cut);
        for (size_t i = 0; i < room; i++)
            model[off + i] = buf[hd.size + off + i] = (unsigned char)test_rand(&rng);
        used = used - cut + room;
        struct bytes_head read;
        ck_assert_uint_eq(bytes_head_get(buf, &read), hd.size);
        ck_assert(read.used == used && hd.used == used && read.count == count);
        if (count == 0) {
            ck_assert_ptr_null(buf);
            continue;
        }
        ck_assert_uint_eq(hd.size, bytes_head_size(&hd));
        ck_assert(memcmp(buf + hd.size, model, used) == 0);
    }
    free(buf);
}
END_TEST

static Suite *hash_suite(void)
{
    Suite *s = suite_create("hash");
    TCase *basic = tcase_create("basic");
    TCase *enc = tcase_create("encoding");
    TCase *order = tcase_create("order");
    TCase *rnd = tcase_create("random");
    TCase *ops = tcase_create("ops");
    TCase *head = tcase_create("bytes_head");
    tcase_add_test(basic, set_get_replace_and_delete);
    tcase_add_test(basic, empty_fields_and_values_are_allowed);
    tcase_add_test(basic, binary_fields_with_nul_bytes);
    tcase_add_test(basic, destroy_accepts_null);
    tcase_add_test(enc, small_hash_is_listpack);
    tcase_add_test(enc, one_entry_past_the_limit_becomes_hashtable);
    tcase_add_test(enc, limits_are_read_at_each_write);
    tcase_add_test(enc, value_of_64_bytes_stays_listpack_65_converts);
    tcase_add_test(enc, note_length_converts_without_writing);
    tcase_add_test(enc, deleting_never_converts_back);
    tcase_add_test(order, listpack_keeps_insertion_order_and_updates_in_place);
    tcase_add_test(order, scan_visits_every_pair_in_both_forms);
    tcase_add_test(order, iteration_of_a_table_sees_each_pair_once);
    tcase_add_test(order, listpack_head_grows_and_shrinks_against_a_model);
    tcase_add_test(rnd, random_reaches_every_field);
    tcase_add_test(ops, dup_is_deep_in_both_forms);
    tcase_add_test(ops, dup_of_listpack_keeps_order);
    suite_add_tcase(s, basic);
    suite_add_tcase(s, enc);
    suite_add_tcase(s, order);
    suite_add_tcase(s, rnd);
    tcase_add_test(head, head_splice_keeps_the_entries_around_it);
    suite_add_tcase(s, ops);
    suite_add_tcase(s, head);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hash_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
