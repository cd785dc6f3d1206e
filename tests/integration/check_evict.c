/*
 * check_evict.c - maxmemory eviction by policy, end to end.
 *
 * Tests set maxmemory at run time. "Nothing fits" cases use maxmemory 1,
 * which every build is over; the "a few MB above start-up" cases read
 * used_memory first. Assertions are about behaviour (which keys survive,
 * which writes fail), never about time.
 *
 * Under AddressSanitizer the server's used_memory is its RSS (mallinfo2
 * reports nothing), which freeing keys barely lowers, so the "writes keep
 * succeeding under the limit" cases are skipped there (with a message).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define OOM_ERROR "OOM command not allowed when used memory > 'maxmemory'."
#define VALUE_100                                                                              \
    "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" \
    "vvvvvvvvvvv"
#define SETTLE_TRIES 10000 /* commands sent at most while eviction catches up */

static const char *const volatile_policies[] = {"volatile-lru", "volatile-lfu", "volatile-random",
                                                "volatile-ttl", NULL};
static const char *const allkeys_policies[] = {"allkeys-lru", "allkeys-lfu", "allkeys-random",
                                               NULL};

static const char *const server_args[] = {"--threads", "2", NULL};

static long long evicted_keys(redisContext *c)
{
    return harness_info_ll(c, "stats", "evicted_keys");
}

/* A read is never refused, whatever was evicted. */
static void read_one(redisContext *c)
{
    redisReply *r = harness_cmd(c, "GET plain:0");
    if (r->type == REDIS_REPLY_NIL)
        freeReplyObject(r);
    else
        harness_expect_str(r, VALUE_100);
}

/* Send reads until DBSIZE reaches `want` (each command evicts first). */
static void settle_to(redisContext *c, long long want)
{
    long long n = -1;

    for (int i = 0; i < SETTLE_TRIES && (n = harness_cmd_int(c, "DBSIZE")) != want; i++)
        read_one(c);
    ck_assert_int_eq(n, want);
}

/* Start the server; true if it runs on jemalloc, else it is stopped again
 * and the test says it skipped (the allocator `lacks` what it needs). */
static bool up_with_jemalloc(struct harness_fixture *f, const char *lacks)
{
    char allocator[64] = "";

    harness_up(f, server_args);
    harness_info_field(f->c, "memory", "mem_allocator", allocator, sizeof(allocator));
    if (strncmp(allocator, "jemalloc", 8) == 0)
        return true;
    printf("skipped: %s %s\n", allocator, lacks);
    harness_down(f);
    return false;
}

/* ---- nothing evictable: OOM -------------------------------------------------------- */

START_TEST(noeviction_refuses_writes_but_serves_reads)
{
    struct harness_fixture f;

    harness_up(&f, server_args);
    harness_pipeline_int(f.c, "SET plain:%d " VALUE_100, 0, 100);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory %s", "1");
    harness_expect_error(harness_cmd(f.c, "SET k v"), OOM_ERROR);
    harness_expect_error(harness_cmd(f.c, "INCR plain:0"), OOM_ERROR);
    harness_expect_str(harness_cmd(f.c, "GET plain:7"), VALUE_100);
    ck_assert_int_eq(harness_cmd_int(f.c, "DEL plain:7"), 1); /* not DENYOOM */
    ck_assert_int_eq(harness_cmd_int(f.c, "DBSIZE"), 99);
    ck_assert_int_eq(evicted_keys(f.c), 0);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory %s", "0");
    harness_cmd_ok(f.c, "SET k %s", "v");
    harness_down(&f);
}
END_TEST

START_TEST(volatile_policies_without_ttl_keys_refuse_writes)
{
    struct harness_fixture f;

    harness_up(&f, server_args);
    harness_pipeline_int(f.c, "SET plain:%d " VALUE_100, 0, 100);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory %s", "1");
    for (int i = 0; volatile_policies[i]; i++) {
        harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy %s", volatile_policies[i]);
        harness_expect_error(harness_cmd(f.c, "SET k v"), OOM_ERROR);
        harness_expect_str(harness_cmd(f.c, "GET plain:3"), VALUE_100);
    }
    ck_assert_int_eq(harness_cmd_int(f.c, "DBSIZE"), 100);
    ck_assert_int_eq(evicted_keys(f.c), 0);
    harness_down(&f);
}
END_TEST

/* Each volatile policy evicts the keys with a TTL, never the others, then
 * refuses writes. */
START_TEST(volatile_policies_evict_only_keys_with_ttl)
{
    struct harness_fixture f;
    long long before = 0;

    harness_up(&f, server_args);
    harness_pipeline_int(f.c, "SET plain:%d " VALUE_100, 0, 50);
    for (int i = 0; volatile_policies[i]; i++) {
        harness_pipeline_int(f.c, "SET timed:%d " VALUE_100 " EX 100000", 0, 50);
        harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy %s", volatile_policies[i]);
        harness_cmd_ok(f.c, "CONFIG SET maxmemory %s", "1");
        settle_to(f.c, 50);
        harness_expect_error(harness_cmd(f.c, "SET k v"), OOM_ERROR);
        ck_assert_int_eq(harness_cmd_int(f.c, "EXISTS plain:0 plain:25 plain:49"), 3);
        ck_assert_int_ge(evicted_keys(f.c), before + 50);
        before = evicted_keys(f.c);
        harness_cmd_ok(f.c, "CONFIG SET maxmemory %s", "0");
    }
    harness_down(&f);
}
END_TEST

START_TEST(allkeys_policies_evict_everything_when_nothing_fits)
{
    struct harness_fixture f;

    harness_up(&f, server_args);
    for (int i = 0; allkeys_policies[i]; i++) {
        harness_pipeline_int(f.c, "SET plain:%d " VALUE_100, 0, 100);
        harness_pipeline_int(f.c, "SET timed:%d " VALUE_100 " EX 100000", 0, 100);
        harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy %s", allkeys_policies[i]);
        harness_cmd_ok(f.c, "CONFIG SET maxmemory %s", "1");
        settle_to(f.c, 0);
        harness_expect_error(harness_cmd(f.c, "SET k v"), OOM_ERROR);
        ck_assert_int_eq(evicted_keys(f.c), 200);
        harness_expect_status(harness_cmd(f.c, "CONFIG RESETSTAT"), "OK");
        harness_cmd_ok(f.c, "CONFIG SET maxmemory %s", "0");
    }
    harness_down(&f);
}
END_TEST

/* ---- under a real limit -------------------------------------------------------------- */

#define FILL_KEYS 5000 /* x 10 batches x ~200 B a key: well past the 3 MB of room */
#define ROOM (3LL << 20)

static void fill_under_limit(const char *policy, const char *fmt)
{
    struct harness_fixture f;
    long long used, max, dbsize;

    harness_up(&f, server_args);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy %s", policy);
    used = harness_info_ll(f.c, "memory", "used_memory");
    max = used + ROOM;
    harness_expect_status(harness_cmd(f.c, "CONFIG SET maxmemory %lld", max), "OK");
    /* Every write succeeds (harness_pipeline_int asserts no error). */
    for (int i = 0; i < 10; i++)
        harness_pipeline_int(f.c, fmt, i * FILL_KEYS, (i + 1) * FILL_KEYS);
    dbsize = harness_cmd_int(f.c, "DBSIZE");
    ck_assert_int_gt(evicted_keys(f.c), 0);
    ck_assert_int_lt(dbsize, 10 * FILL_KEYS);
    ck_assert_int_gt(dbsize, 0);
    /* DBSIZE stops growing: more writes replace, not add, memory. */
    harness_pipeline_int(f.c, fmt, 10 * FILL_KEYS, 11 * FILL_KEYS);
    ck_assert_int_lt(harness_cmd_int(f.c, "DBSIZE"), dbsize + FILL_KEYS);
    ck_assert_int_le(harness_info_ll(f.c, "memory", "used_memory"), max + ROOM);
    /* Reads are never refused. The key itself may be gone: eviction runs
     * before every command, the GET too, and any key is a candidate. */
    redisReply *r = harness_cmd(f.c, "GET key:%d", 11 * FILL_KEYS - 1);
    ck_assert_msg(r->type == REDIS_REPLY_NIL ||
                      (r->type == REDIS_REPLY_STRING && strcmp(r->str, VALUE_100) == 0),
                  "GET under eviction: type %d (%s)", r->type, r->str ? r->str : "");
    freeReplyObject(r);
    harness_down(&f);
}

START_TEST(allkeys_policies_keep_writes_succeeding)
{
    if (UNDER_ASAN) {
        fprintf(stderr, "check_evict: skipped allkeys_policies_keep_writes_succeeding under "
                        "AddressSanitizer (used_memory is the RSS there)\n");
        return;
    }
    for (int i = 0; allkeys_policies[i]; i++)
        fill_under_limit(allkeys_policies[i], "SET key:%d " VALUE_100);
}
END_TEST

START_TEST(volatile_policies_keep_writes_with_ttl_succeeding)
{
    if (UNDER_ASAN) {
        fprintf(stderr, "check_evict: skipped volatile_policies_keep_writes_with_ttl_succeeding "
                        "under AddressSanitizer (used_memory is the RSS there)\n");
        return;
    }
    for (int i = 0; volatile_policies[i]; i++)
        fill_under_limit(volatile_policies[i], "SET key:%d " VALUE_100 " EX 100000");
}
END_TEST

/* Redis's "is the memory limit honoured?": with 100 KB of room, writes
 * that would double the data set leave used_memory within 4 KB of the
 * limit. That takes a used_memory that follows the data: jemalloc's thread
 * caches of freed blocks, which come and go with the workers' traffic, are
 * not in it (only jemalloc tells them apart: skipped elsewhere). */
START_TEST(a_tight_limit_is_honoured)
{
    struct harness_fixture f;
    static const char *const policies[] = {"allkeys-random", "allkeys-lru", "volatile-lru",
                                           "volatile-ttl", NULL};

    if (!up_with_jemalloc(&f, "does not tell its caches apart"))
        return;
    for (int p = 0; policies[p]; p++) {
        harness_cmd_ok(f.c, "FLUSHALL");
        long long limit = harness_info_ll(f.c, "memory", "used_memory") + 100 * 1024;
        harness_cmd_ok(f.c, "CONFIG SET maxmemory %lld", limit);
        harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy %s", policies[p]);
        int keys = 0;
        while (harness_info_ll(f.c, "memory", "used_memory") + 4096 <= limit)
            harness_cmd_ok(f.c, "SETEX key:%d 10000 x", keys++);
        ck_assert_int_gt(keys, 10);
        for (int i = 0; i < keys; i++)
            harness_cmd_ok(f.c, "SETEX more:%d 10000 x", i);
        /* A run that spent its time budget (a busy machine) leaves the
         * rest to the cron, as Redis's eviction time proc: wait for it. */
        HARNESS_WAIT_FOR(harness_info_ll(f.c, "memory", "used_memory") < limit + 4096,
                         "%s: used_memory %lld, limit %lld", policies[p],
                         harness_info_ll(f.c, "memory", "used_memory"), limit);
        harness_cmd_ok(f.c, "CONFIG SET maxmemory 0");
    }
    harness_down(&f);
}
END_TEST

START_TEST(eviction_options_are_config_settable)
{
    struct harness_fixture f;

    harness_up(&f, server_args);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory-samples %s", "10");
    harness_cmd_ok(f.c, "CONFIG SET lfu-log-factor %s", "5");
    harness_cmd_ok(f.c, "CONFIG SET lfu-decay-time %s", "2");
    {
        redisReply *r = harness_cmd(f.c, "CONFIG GET maxmemory-samples");
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_uint_eq(r->elements, 2);
        ck_assert_str_eq(r->element[1]->str, "10");
        freeReplyObject(r);
    }
    harness_expect_error(harness_cmd(f.c, "CONFIG SET maxmemory-samples 0"),
                         "ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples')"
                         " - argument must be between 1 and 64 inclusive");
    harness_down(&f);
}
END_TEST

/* maxmemory-eviction-tenacity bounds each eviction run's time as in
 * Redis: at 0 a run stops after its first few keys (the command goes on,
 * the next ones evict more), at 100 it evicts all that is needed. */
START_TEST(eviction_tenacity_bounds_each_run)
{
    struct harness_fixture f;

    harness_up(&f, server_args);
    redisReply *r = harness_cmd(f.c, "CONFIG GET maxmemory-eviction-tenacity");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[1]->str, "10");
    freeReplyObject(r);
    harness_expect_error(harness_cmd(f.c, "CONFIG SET maxmemory-eviction-tenacity 101"),
                         "ERR CONFIG SET failed (possibly related to argument "
                         "'maxmemory-eviction-tenacity') - argument must be between 0 and 100 "
                         "inclusive");
    harness_pipeline_int(f.c, "SET plain:%d " VALUE_100, 0, 20000);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory-eviction-tenacity 0");
    harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy allkeys-random");
    harness_cmd_ok(f.c, "CONFIG SET maxmemory 1");
    read_one(f.c);
    ck_assert_int_gt(harness_cmd_int(f.c, "DBSIZE"), 19000);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory-eviction-tenacity 100");
    read_one(f.c);
    ck_assert_int_eq(harness_cmd_int(f.c, "DBSIZE"), 0);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory 0");
    harness_down(&f);
}
END_TEST

/* A write that takes the server over the limit is seen by the very next
 * command, which evicts first (Redis counts every allocation; Grove adds
 * what each command's thread allocated, from jemalloc's per-thread
 * counters: the glibc of sanitizer builds has none, so it is skipped
 * there). */
START_TEST(the_next_command_evicts_after_a_big_write)
{
    struct harness_fixture f;

    if (!up_with_jemalloc(&f, "keeps no per-thread counters"))
        return;
    long long used = harness_info_ll(f.c, "memory", "used_memory");
    harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy volatile-random");
    harness_cmd_ok(f.c, "CONFIG SET maxmemory %lld", used + 100 * 1024);
    harness_cmd_ok(f.c, "SETEX volatile-key 10000 x");
    harness_expect_int(harness_cmd(f.c, "SETBIT big-key 1600000 0"), 0); /* 200 KB */
    harness_expect_int(harness_cmd(f.c, "EXISTS volatile-key"), 0);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory 0");
    harness_down(&f);
}
END_TEST

/* CONFIG SET maxmemory inside EXEC evicts nothing between the
 * transaction's commands (as Redis, whose eviction time proc starts
 * after them); the cron evicts once EXEC is done, with no other command. */
START_TEST(a_limit_lowered_inside_exec_evicts_after_it)
{
    struct harness_fixture f;

    harness_up(&f, server_args);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory-policy allkeys-lru");
    harness_cmd_ok(f.c, "CONFIG SET notify-keyspace-events Ee");
    int sub = harness_raw_connect(&f.s);
    harness_raw_send_line(sub, "SUBSCRIBE __keyevent@0__:evicted");
    harness_raw_expect_arrives(sub, "*3\r\n$9\r\nsubscribe\r\n$22\r\n__keyevent@0__:evicted\r\n"
                                    ":1\r\n");
    harness_cmd_ok(f.c, "MULTI");
    harness_expect_status(harness_cmd(f.c, "INCR x"), "QUEUED");
    harness_expect_status(harness_cmd(f.c, "CONFIG SET maxmemory 1"), "QUEUED");
    harness_expect_status(harness_cmd(f.c, "INCR x"), "QUEUED");
    redisReply *r = harness_cmd(f.c, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 3);
    ck_assert_int_eq(r->element[0]->integer, 1);
    ck_assert_str_eq(r->element[1]->str, "OK");
    ck_assert_int_eq(r->element[2]->integer, 2);
    freeReplyObject(r);
    /* no command comes: the cron evicts */
    harness_raw_expect_arrives(sub, "*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n"
                                    "$1\r\nx\r\n");
    close(sub);
    harness_cmd_ok(f.c, "CONFIG SET maxmemory 0");
    ck_assert_int_eq(harness_cmd_int(f.c, "DBSIZE"), 0);
    harness_down(&f);
}
END_TEST

static Suite *evict_suite(void)
{
    Suite *s = suite_create("evict");
    TCase *oom = tcase_create("oom");
    TCase *evicting = tcase_create("evicting");
    TCase *config = tcase_create("config");

    tcase_set_timeout(oom, 120);
    tcase_set_timeout(evicting, 300);
    tcase_add_test(oom, noeviction_refuses_writes_but_serves_reads);
    tcase_add_test(oom, volatile_policies_without_ttl_keys_refuse_writes);
    tcase_add_test(evicting, volatile_policies_evict_only_keys_with_ttl);
    tcase_add_test(evicting, allkeys_policies_evict_everything_when_nothing_fits);
    tcase_add_test(evicting, allkeys_policies_keep_writes_succeeding);
    tcase_add_test(evicting, volatile_policies_keep_writes_with_ttl_succeeding);
    tcase_add_test(evicting, the_next_command_evicts_after_a_big_write);
    tcase_add_test(evicting, a_tight_limit_is_honoured);
    tcase_add_test(evicting, a_limit_lowered_inside_exec_evicts_after_it);
    tcase_add_test(config, eviction_options_are_config_settable);
    tcase_add_test(config, eviction_tenacity_bounds_each_run);
    suite_add_tcase(s, oom);
    suite_add_tcase(s, evicting);
    suite_add_tcase(s, config);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(evict_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
