/*
 * check_memory.c - MEMORY USAGE, STATS, DOCTOR, PURGE, MALLOC-STATS and
 * HELP against Redis 7.0's shapes and texts; INFO memory's fields
 * consistent with each other; and resident memory coming back after a
 * burst of large replies whose clients disconnect mid-reply (the cron
 * purges the allocator, memory.h).
 *
 * Under AddressSanitizer the allocator is ASan's: it keeps freed memory
 * in quarantine and tells nothing, so the burst test is skipped there.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

/* ---- MEMORY's replies ---------------------------------------------------------- */

START_TEST(help_is_redis_text)
{
    static const char *const want[] = {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    };
    redisReply *r = CMD("MEMORY HELP");
    harness_assert_array(r, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < r->elements; i++) {
        ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_STATUS);
        ck_assert_str_eq(r->element[i]->str, want[i]);
    }
    freeReplyObject(r);
}
END_TEST

START_TEST(usage_errors_as_redis)
{
    EXPECT_OK("SET foo bar");
    EXPECT_NIL("MEMORY USAGE nokey");
    EXPECT_ERR(ERR_SYNTAX, "MEMORY USAGE foo bar");
    EXPECT_ERR(ERR_SYNTAX, "MEMORY USAGE foo SAMPLES");
    EXPECT_ERR(ERR_SYNTAX, "MEMORY USAGE foo SAMPLES -1");
    EXPECT_ERR(ERR_NOT_INT, "MEMORY USAGE foo SAMPLES x");
    EXPECT_ERR("ERR unknown subcommand 'foo'. Try MEMORY HELP.", "MEMORY foo");
    EXPECT_ERR("ERR wrong number of arguments for 'memory' command", "MEMORY");
    EXPECT_ERR("ERR wrong number of arguments for 'memory|usage' command", "MEMORY USAGE");
    EXPECT_ERR("ERR wrong number of arguments for 'memory|purge' command", "MEMORY PURGE x");
    EXPECT_ERR("ERR wrong number of arguments for 'memory|doctor' command", "MEMORY DOCTOR x");
    EXPECT_OK("MEMORY PURGE");
}
END_TEST

/* MEMORY USAGE key, with SAMPLES when samples >= 0. */
static long long usage(const char *key, int samples)
{
    if (samples < 0)
        return harness_cmd_int(harness_ctx, "MEMORY USAGE %s", key);
    return harness_cmd_int(harness_ctx, "MEMORY USAGE %s SAMPLES %d", key, samples);
}

START_TEST(usage_counts_the_value)
{
    char big[1001];
    memset(big, 'x', 1000);
    big[1000] = '\0';
    EXPECT_OK("SET small v");
    EXPECT_OK("SET big %s", big);
    ck_assert_int_gt(usage("small", -1), 0);
    ck_assert_int_ge(usage("big", -1), 1000);
    ck_assert_int_lt(usage("big", -1), 1500);
    for (int i = 0; i < 1000; i++) {
        harness_cmd_int(harness_ctx, "HSET h f%d value-%d", i, i);
        harness_cmd_int(harness_ctx, "SADD s member-%d", i);
        harness_cmd_int(harness_ctx, "ZADD z %d member-%d", i, i);
        harness_cmd_int(harness_ctx, "RPUSH l item-%d", i);
    }
    harness_cmd_int(harness_ctx, "HSET h10 a 1 b 2");
    /* Each type: at least its payload, which 1,000 elements of ~8 bytes make
     * about 8,000 bytes, except the list, which keeps them front-coded
     * (3 to 5 bytes each for these); sampling agrees with counting all
     * for uniform elements. */
    static const char *const keys[] = {"h", "s", "z", "l"};
    static const long long floors[] = {8000, 8000, 8000, 3000};
    for (size_t i = 0; i < 4; i++) {
        long long sampled = usage(keys[i], -1), all = usage(keys[i], 0);
        ck_assert_int_ge(all, floors[i]);
        ck_assert_int_lt(all, 200000);
        ck_assert_int_ge(sampled, all * 9 / 10);
        ck_assert_int_le(sampled, all * 11 / 10);
    }
    ck_assert_int_gt(usage("h", -1), usage("h10", -1));
}
END_TEST

/* MEMORY STATS: Redis 7.0's names in its order (db.0 after functions.caches
 * when db 0 holds keys), figures that agree with each other. */
START_TEST(stats_has_redis_fields)
{
    static const char *const names[] = {
        "peak.allocated", "total.allocated", "startup.allocated", "replication.backlog",
        "clients.slaves", "clients.normal", "cluster.links", "aof.buffer", "lua.caches",
        "functions.caches", "db.0", "overhead.total", "keys.count", "keys.bytes-per-key",
        "dataset.bytes", "dataset.percentage", "peak.percentage", "allocator.allocated",
        "allocator.active", "allocator.resident", "allocator-fragmentation.ratio",
        "allocator-fragmentation.bytes", "allocator-rss.ratio", "allocator-rss.bytes",
        "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation", "fragmentation.bytes",
    };
    harness_pipeline_int(harness_ctx, "SADD key:%d x", 0, 10);
    redisReply *r = CMD("MEMORY STATS");
    size_t n = sizeof(names) / sizeof(names[0]);
    harness_assert_array(r, 2 * n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(r->element[2 * i]->str, names[i]);
    ck_assert_int_eq(r->element[2 * 12 + 1]->integer, 10); /* keys.count */
    const redisReply *db = r->element[2 * 10 + 1];
    harness_assert_array(db, 6);
    ck_assert_str_eq(db->element[0]->str, "overhead.hashtable.main");
    ck_assert_int_gt(db->element[1]->integer, 0);
    long long total = r->element[3]->integer, overhead = r->element[2 * 11 + 1]->integer;
    long long dataset = r->element[2 * 14 + 1]->integer;
    ck_assert_int_gt(total, 0);
    ck_assert_int_eq(overhead + dataset, total);
    freeReplyObject(r);
}
END_TEST

START_TEST(doctor_and_malloc_stats_answer_text)
{
    redisReply *r = CMD("MEMORY DOCTOR");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_msg(strncmp(r->str, "Hi Sam", 6) == 0 || strncmp(r->str, "Sam,", 4) == 0, "%s",
                  r->str);
    freeReplyObject(r);
    r = CMD("MEMORY MALLOC-STATS");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_int_gt((long long)r->len, 0);
    freeReplyObject(r);
}
END_TEST

/* On RESP3 DOCTOR is a verbatim string and STATS a map, as in Redis. */
START_TEST(resp3_shapes)
{
    int fd = harness_resp3_connect(&harness_srv);
    char buf[64];
    harness_raw_send_line(fd, "MEMORY DOCTOR");
    harness_raw_recv(fd, buf, sizeof(buf), 1);
    ck_assert_int_eq(buf[0], '=');
    close(fd);
    fd = harness_resp3_connect(&harness_srv);
    harness_raw_send_line(fd, "MEMORY STATS");
    harness_raw_recv(fd, buf, sizeof(buf), 5);
    ck_assert_msg(strncmp(buf, "%27\r\n", 5) == 0 || strncmp(buf, "%28\r\n", 5) == 0, "%s", buf);
    close(fd);
}
END_TEST

/* ---- INFO memory ------------------------------------------------------------------ */

static double info_double(redisContext *c, const char *field)
{
    char buf[64];
    ck_assert(harness_info_field(c, "memory", field, buf, sizeof(buf)));
    return atof(buf);
}

START_TEST(info_memory_is_consistent)
{
    harness_pipeline_int(harness_ctx, "SET key:%d value", 0, 1000);
    long long used = harness_info_ll(harness_ctx, "memory", "used_memory");
    long long rss = harness_info_ll(harness_ctx, "memory", "used_memory_rss");
    long long overhead = harness_info_ll(harness_ctx, "memory", "used_memory_overhead");
    long long allocated = harness_info_ll(harness_ctx, "memory", "allocator_allocated");
    long long active = harness_info_ll(harness_ctx, "memory", "allocator_active");
    ck_assert_int_gt(used, 0);
    ck_assert_int_gt(rss, 0);
    ck_assert_int_gt(overhead, 0);
    ck_assert_int_le(allocated, active);
    double frag = info_double(harness_ctx, "mem_fragmentation_ratio");
    ck_assert_msg(frag > 0.2 && frag < 50, "mem_fragmentation_ratio %f", frag);
    char alloc[64];
    ck_assert(harness_info_field(harness_ctx, "memory", "mem_allocator", alloc, sizeof(alloc)));
    ck_assert_msg(strcmp(alloc, "libc") == 0 || strncmp(alloc, "jemalloc-", 9) == 0 ||
                      strncmp(alloc, "mimalloc-", 9) == 0,
                  "%s", alloc);
}
END_TEST

/* ---- giving memory back ------------------------------------------------------------ */

#define BURST_CLIENTS 100
#define BURST_VALUE (1024 * 1024)
#define COME_BACK_TRIES 150 /* INFO polls, 100 ms apart */

static long long rss_of(redisContext *c)
{
    return harness_info_ll(c, "memory", "used_memory_rss");
}

/* 100 clients each ask for a 1 MB value and read none of it, so ~100 MB of
 * replies pile up in the server; all disconnect. The resident size must
 * come back to within a quarter of the growth (and at most 32 MB) above
 * where it started: before the cron purged, glibc kept all of it. */
START_TEST(rss_comes_back_after_a_burst)
{
    if (UNDER_ASAN) {
        fprintf(stderr, "rss_comes_back_after_a_burst: skipped under ASan (its allocator)\n");
        return;
    }
    struct harness_fixture f;
    static const char *const args[] = {"--threads", "1", NULL};
    harness_up(&f, args);
    char *big = malloc(BURST_VALUE + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, 'x', BURST_VALUE);
    big[BURST_VALUE] = '\0';
    harness_cmd_ok(f.c, "SET big %s", big);
    free(big);
    long long start = rss_of(f.c);
    int fds[BURST_CLIENTS];
    for (int i = 0; i < BURST_CLIENTS; i++) {
        fds[i] = harness_raw_connect(&f.s);
        harness_raw_send_line(fds[i], "GET big");
    }
    long long peak = start;
    for (int i = 0; i < COME_BACK_TRIES && peak < start + BURST_CLIENTS * (BURST_VALUE / 2); i++) {
        harness_sleep_ms(100);
        peak = rss_of(f.c);
    }
    ck_assert_int_ge(peak, start + BURST_CLIENTS * (BURST_VALUE / 2));
    for (int i = 0; i < BURST_CLIENTS; i++)
        close(fds[i]);
    long long bound = start + (peak - start) / 4, now = peak;
    if (bound > start + 32 * 1024 * 1024)
        bound = start + 32 * 1024 * 1024;
    for (int i = 0; i < COME_BACK_TRIES && now > bound; i++) {
        harness_sleep_ms(100);
        now = rss_of(f.c);
    }
    ck_assert_msg(now <= bound, "RSS %lld, started at %lld, peaked at %lld", now, start, peak);
    harness_down(&f);
}
END_TEST

static Suite *memory_suite(void)
{
    Suite *s = suite_create("memory");
    TCase *cmds = harness_server_case("commands", NULL, NULL);
    TCase *back = tcase_create("giving_back");

    tcase_add_test(cmds, help_is_redis_text);
    tcase_add_test(cmds, usage_errors_as_redis);
    tcase_add_test(cmds, usage_counts_the_value);
    tcase_add_test(cmds, stats_has_redis_fields);
    tcase_add_test(cmds, doctor_and_malloc_stats_answer_text);
    tcase_add_test(cmds, resp3_shapes);
    tcase_add_test(cmds, info_memory_is_consistent);
    tcase_set_timeout(back, 60);
    tcase_add_test(back, rss_comes_back_after_a_burst);
    suite_add_tcase(s, cmds);
    suite_add_tcase(s, back);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(memory_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
