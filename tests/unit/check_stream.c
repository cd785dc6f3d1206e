/*
 * check_stream.c - the stream value type (core/stream.c): appends across
 * blocks, field compression, walks both ways, deletion, trimming exact and
 * approximate, consumer groups and their two PELs, deep copy, and a model
 * test of append/delete/trim/range/last live ID against a plain array
 * under random operations; node limits (block boundaries, rax nodes and
 * trims as Redis's), and a model of Redis's nodes under several limits.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listpack.h"
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

/* ==== node limits ============================================================== */

/* n entries "f" "v" at IDs i-1, i = 1..n, under the given limits. */
static struct stream *filled(long long max_entries, long long max_bytes, uint64_t n)
{
    struct object_limits lim = OBJECT_LIMITS_DEFAULT;
    lim.stream_node_max_entries = max_entries;
    lim.stream_node_max_bytes = max_bytes;
    struct stream *s = stream_create();
    struct stream_str fv[2] = {{"f", 1}, {"v", 1}};
    for (uint64_t i = 1; i <= n; i++)
        ck_assert_int_eq(stream_append(s, &(struct stream_id){i, 1}, fv, 2, &lim), STREAM_OK);
    stream__check_invariants(s);
    return s;
}

/* Blocks and rax nodes as redis-server 7.0.15's XINFO STREAM counts its
 * nodes (radix-tree-keys, radix-tree-nodes) for the same appends. */
START_TEST(blocks_close_where_redis_closes_nodes)
{
    struct stream *s = filled(5, 4096, 23);
    ck_assert_uint_eq(stream_block_count(s), 5);
    ck_assert_uint_eq(stream_rax_nodes(s), 12);
    stream_destroy(s);
    s = filled(0, 100, 50); /* bytes only: 8 entries of 11 listpack bytes to a node */
    ck_assert_uint_eq(stream_block_count(s), 7);
    ck_assert_uint_eq(stream_rax_nodes(s), 16);
    stream_destroy(s);
    s = stream_create();
    char big[41], num[24];
    memset(big, 'x', 40);
    big[40] = 0;
    for (uint64_t i = 1; i <= 300; i++) { /* two fields, one an integer */
        snprintf(num, sizeof(num), "%llu", (unsigned long long)i * 1000);
        struct stream_str fv[4] = {{"field", 5}, {big, 40}, {"n", 1}, {num, strlen(num)}};
        ck_assert_int_eq(stream_append(s, &(struct stream_id){i, 1}, fv, 4, &limits), STREAM_OK);
    }
    stream__check_invariants(s);
    ck_assert_uint_eq(stream_block_count(s), 5);
    ck_assert_uint_eq(stream_rax_nodes(s), 13);
    stream_destroy(s);
    s = filled(0, 0, 3000); /* no limit */
    ck_assert_uint_eq(stream_block_count(s), 1);
    ck_assert_uint_eq(stream_rax_nodes(s), 2);
    stream_destroy(s);
    s = stream_create();
    ck_assert_uint_eq(stream_rax_nodes(s), 1);
    stream_destroy(s);
}
END_TEST

START_TEST(new_limits_apply_to_new_blocks_only)
{
    struct stream *s = filled(5, 4096, 10);
    struct object_limits lim = OBJECT_LIMITS_DEFAULT;
    struct stream_str fv[2] = {{"f", 1}, {"v", 1}};
    for (uint64_t i = 11; i <= 20; i++) /* the tail of 5 takes them: 100 now */
        ck_assert_int_eq(stream_append(s, &(struct stream_id){i, 1}, fv, 2, &lim), STREAM_OK);
    ck_assert_uint_eq(stream_block_count(s), 2);
    lim.stream_node_max_entries = 1;
    ck_assert_int_eq(stream_append(s, &(struct stream_id){21, 1}, fv, 2, &lim), STREAM_OK);
    ck_assert_int_eq(stream_append(s, &(struct stream_id){22, 1}, fv, 2, &lim), STREAM_OK);
    ck_assert_uint_eq(stream_block_count(s), 4);
    stream__check_invariants(s);
    stream_destroy(s);
}
END_TEST

/* Redis's streamTrim leaves a node whose live entries an exact MINID
 * trim took when its last entry was deleted before; it still counts. */
START_TEST(exact_minid_trim_keeps_a_block_of_deleted_entries)
{
    struct stream *s = filled(5, 4096, 6);
    struct stream_trim t = {.minid = true, .min = {3, 1}};
    ck_assert_uint_eq(stream_trim(s, &t), 2);
    ck_assert(stream_delete(s, &(struct stream_id){5, 1}));
    t.min = (struct stream_id){5, 1};
    ck_assert_uint_eq(stream_trim(s, &t), 2);
    stream__check_invariants(s);
    ck_assert_uint_eq(stream_block_count(s), 2);
    ck_assert_uint_eq(stream_len(s), 1);
    ck_assert_uint_eq(stream_first_id(s).ms, 6);
    t = (struct stream_trim){.minid = true, .min = {6, 1}, .approx = true};
    ck_assert_uint_eq(stream_trim(s, &t), 0); /* the empty block goes, nothing live */
    ck_assert_uint_eq(stream_block_count(s), 1);
    ck_assert_uint_eq(stream_len(s), 1);
    stream_destroy(s);
}
END_TEST

/* A block far larger than the reverse walk's window of offsets. */
START_TEST(reverse_walks_cross_the_windows_of_a_large_block)
{
    struct stream *s = filled(0, 0, 1000);
    char want[8192], got[8192];
    size_t used = 0;
    for (uint64_t i = 1000; i >= 1; i--)
        if (i % 7 != 0 || !stream_delete(s, &(struct stream_id){i, 1}))
            used += (size_t)snprintf(want + used, sizeof(want) - used, "%s%llu-1",
                                     used ? " " : "", (unsigned long long)i);
    stream__check_invariants(s);
    ids(s, ID_MIN, ID_MAX, true, got, sizeof(got));
    ck_assert_str_eq(got, want);
    ids(s, (struct stream_id){256, 0}, (struct stream_id){258, 5}, true, got, sizeof(got));
    ck_assert_str_eq(got, "258-1 257-1 256-1");
    ck_assert_uint_eq(stream_last_valid_id(s).ms, 1000);
    stream_destroy(s);
}
END_TEST

START_TEST(entries_over_redis_listpack_cap_are_refused)
{
    struct stream *s = stream_create();
    static const char byte = 'x';
    /* Lengths only: the check comes before any byte is read. */
    struct stream_str fv[2] = {{&byte, STREAM_LISTPACK_MAX_SIZE / 2},
                               {&byte, STREAM_LISTPACK_MAX_SIZE / 2 + 1}};
    ck_assert_int_eq(stream_append(s, &(struct stream_id){1, 1}, fv, 2, &limits), STREAM_ETOOBIG);
    ck_assert_uint_eq(stream_len(s), 0);
    ck_assert_uint_eq(stream_block_count(s), 0);
    stream_destroy(s);
}
END_TEST

/* ---- the node model ----------------------------------------------------------
 * Redis's nodes kept plainly: each node lists its entries; its listpack
 * size is summed from scratch (listpack.h's sizes of every element) and
 * the node rules of streamAppendItem, streamTrim and XDEL applied to it.
 * Every trim must remove what the model removes, and the blocks must be
 * the model's nodes. */

struct node_model_entry {
    struct stream_id id;
    const char *field, *value;
    bool live;
    size_t node;
};

struct node_model {
    struct node_model_entry *e;
    size_t n, nodes;
    size_t *node_first;            /* each node's first entry */
    bool *node_gone;
    uint64_t live;
};

static size_t model_int(int64_t v)
{
    return listpack_int_size(v);
}

/* lpBytes of node k, from scratch. */
static size_t model_lp_bytes(const struct node_model *m, size_t k)
{
    const struct node_model_entry *first = &m->e[m->node_first[k]];
    size_t live = 0, dead = 0, lp = LISTPACK_EMPTY + model_int(1) + model_int(0) +
                                   listpack_entry_size(first->field, strlen(first->field));
    for (size_t i = m->node_first[k]; i < m->n; i++) {
        const struct node_model_entry *e = &m->e[i];
        if (e->node != k)
            continue;
        bool same = strcmp(e->field, first->field) == 0;
        lp += model_int(e->live ? 0 : 1) + model_int((int64_t)(e->id.ms - first->id.ms)) +
              model_int((int64_t)(e->id.seq - first->id.seq)) + model_int(same ? 4 : 6) +
              (same ? 0 : model_int(1) + listpack_entry_size(e->field, strlen(e->field))) +
              listpack_entry_size(e->value, strlen(e->value));
        live += e->live;
        dead += !e->live;
    }
    return lp + model_int((int64_t)live) + model_int((int64_t)dead);
}

/* The last node left (the tail), or m->nodes when none is. */
static size_t model_tail(const struct node_model *m)
{
    for (size_t k = m->nodes; k-- > 0;)
        if (!m->node_gone[k])
            return k;
    return m->nodes;
}

static void model_append(struct node_model *m, const struct object_limits *lim,
                         struct node_model_entry e)
{
    size_t k = model_tail(m), count = 0;
    bool open = k < m->nodes;
    for (size_t i = open ? m->node_first[k] : m->n; i < m->n; i++)
        count += m->e[i].node == k;
    size_t max_bytes = lim->stream_node_max_bytes ? (size_t)lim->stream_node_max_bytes
                                                  : STREAM_LISTPACK_MAX_SIZE;
    if (open && (model_lp_bytes(m, k) + strlen(e.field) + strlen(e.value) >= max_bytes ||
                 (lim->stream_node_max_entries &&
                  count >= (size_t)lim->stream_node_max_entries)))
        open = false;
    if (!open) {
        m->node_first[m->nodes] = m->n;
        m->node_gone[m->nodes++] = false;
    }
    e.node = open ? k : m->nodes - 1;
    e.live = true;
    m->e[m->n++] = e;
    m->live++;
}

static uint64_t model_node_live(const struct node_model *m, size_t k)
{
    uint64_t live = 0;
    for (size_t i = m->node_first[k]; i < m->n; i++)
        live += m->e[i].node == k && m->e[i].live;
    return live;
}

static void model_drop_node(struct node_model *m, size_t k)
{
    for (size_t i = m->node_first[k]; i < m->n; i++)
        if (m->e[i].node == k)
            m->e[i].live = false;
    m->node_gone[k] = true;
}

static void model_delete(struct node_model *m, size_t i)
{
    m->e[i].live = false;
    m->live--;
    if (model_node_live(m, m->e[i].node) == 0)
        model_drop_node(m, m->e[i].node);
}

/* streamTrim on the model: how many entries go. */
static uint64_t node_model_trim(struct node_model *m, const struct stream_trim *t)
{
    uint64_t deleted = 0;
    for (size_t k = 0; k < m->nodes; k++) {
        if (m->node_gone[k])
            continue;
        if (!t->minid && m->live <= t->maxlen)
            break;
        uint64_t live = model_node_live(m, k);
        if (t->limit && deleted + live > (uint64_t)t->limit)
            break;
        size_t last = m->node_first[k];
        for (size_t i = last; i < m->n; i++)
            if (m->e[i].node == k)
                last = i;
        if (t->minid ? stream_id_cmp(&m->e[last].id, &t->min) < 0 : m->live - live >= t->maxlen) {
            model_drop_node(m, k);
            m->live -= live;
            deleted += live;
            continue;
        }
        for (size_t i = m->node_first[k]; !t->approx && i <= last; i++) {
            if (m->e[i].node != k)
                continue;
            if (t->minid ? stream_id_cmp(&m->e[i].id, &t->min) >= 0 : m->live <= t->maxlen)
                break;
            if (m->e[i].live) {
                m->e[i].live = false;
                m->live--;
                deleted++;
            }
        }
        break;
    }
    return deleted;
}

static size_t model_nodes(const struct node_model *m)
{
    size_t n = 0;
    for (size_t k = 0; k < m->nodes; k++)
        n += !m->node_gone[k];
    return n;
}

/* Limits to run the model under: entries, bytes. */
static const long long node_limits[][2] = {
    {100, 4096}, {1, 4096}, {2, 0}, {5, 60}, {0, 120}, {0, 1}, {7, 300}, {0, 0},
};

START_TEST(random_against_node_model)
{
    enum { N = 4000 };
    static const char *const fields[] = {"f", "f", "f", "g", "123", "-4096"};
    static const char *const values[] = {"", "v", "127", "128", "-1", "40000", "xxxxxxxxxxxx",
                                         "12345678901234567890", "9223372036854775807",
                                         "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                                         "yyyyyyyyyyyyyyyyyy"};
    struct object_limits lim = OBJECT_LIMITS_DEFAULT;
    lim.stream_node_max_entries = node_limits[_i][0];
    lim.stream_node_max_bytes = node_limits[_i][1];
    struct node_model m = {.e = calloc(N, sizeof(*m.e)), .node_first = calloc(N, sizeof(size_t)),
                           .node_gone = calloc(N, sizeof(bool))};
    struct stream *s = stream_create();
    uint64_t rnd = 0x9E3779B97F4A7C15ULL * (uint64_t)(_i + 1);
    for (int step = 0; step < 12000 && m.n < N; step++) {
        rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
        unsigned op = rnd % 100;
        if (op < 65) {
            struct stream_id id = stream_last_id(s);
            id = (rnd >> 8) % 3 ? (struct stream_id){id.ms + 1 + (rnd >> 40) % 3, (rnd >> 12) % 4}
                                : (struct stream_id){id.ms, id.seq + 1};
            struct node_model_entry e = {id, fields[(rnd >> 20) % 6], values[(rnd >> 24) % 10], true, 0};
            struct stream_str fv[2] = {{e.field, strlen(e.field)}, {e.value, strlen(e.value)}};
            EXPECT(stream_append(s, &id, fv, 2, &lim) == STREAM_OK);
            model_append(&m, &lim, e);
        } else if (op < 80 && m.n) {
            size_t i = (rnd >> 8) % m.n;
            EXPECT(stream_delete(s, &m.e[i].id) == m.e[i].live);
            if (m.e[i].live)
                model_delete(&m, i);
        } else if (op < 97) {
            struct stream_trim t = {.minid = (rnd >> 8) & 1, .approx = (rnd >> 9) & 1};
            t.maxlen = (rnd >> 12) % (m.live + 20);
            t.min = m.n ? m.e[(rnd >> 12) % m.n].id : (struct stream_id){0, 0};
            if (t.approx && (rnd >> 30) & 1)
                t.limit = (long long)((rnd >> 32) % 60);
            uint64_t want = node_model_trim(&m, &t);
            EXPECT(stream_trim(s, &t) == want);
        } else {
            struct stream_id top = stream_last_valid_id(s);
            size_t i = m.n;
            while (i > 0 && !m.e[i - 1].live)
                i--;
            EXPECT(stream_id_cmp(&top, i ? &m.e[i - 1].id : &ID_MIN) == 0);
        }
        EXPECT(stream_len(s) == m.live);
        EXPECT(stream_block_count(s) == model_nodes(&m));
        if (step % 300 == 0)
            stream__check_invariants(s);
    }
    stream__check_invariants(s);
    stream_destroy(s);
    free(m.e);
    free(m.node_first);
    free(m.node_gone);
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
    tcase_add_test(tc, blocks_close_where_redis_closes_nodes);
    tcase_add_test(tc, new_limits_apply_to_new_blocks_only);
    tcase_add_test(tc, exact_minid_trim_keeps_a_block_of_deleted_entries);
    tcase_add_test(tc, reverse_walks_cross_the_windows_of_a_large_block);
    tcase_add_test(tc, entries_over_redis_listpack_cap_are_refused);
    tcase_add_loop_test(tc, random_against_node_model, 0,
                        (int)(sizeof(node_limits) / sizeof(node_limits[0])));
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
