/*
 * check_stream_blocking.c - XREAD BLOCK and XREADGROUP BLOCK against a
 * server with four worker loops, so that blocked readers and the clients
 * that wake them sit on different loops: served in the order they
 * blocked, several streams, "$" and explicit IDs, a consumer group's
 * readers sharing new entries, the group destroyed or the stream deleted
 * while they wait (Redis 7.0.15's errors), timeouts, BLOCK 0, MULTI, RESP3, and
 * every entry delivered exactly once to a group's readers under load.
 *
 * Replies and error texts were taken from redis-server 7.0.15.
 */
#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

static void start_four_loops(void)
{
    static const char *const args[] = {"--threads", "4", NULL};
    harness_start(&harness_srv, args);
}

/* A new connection that sends `cmd` (raw RESP2) and is blocked by it once
 * blocked_clients reaches `blocked`. */
static int blocked_on(const char *cmd, long long blocked)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_send_line(fd, cmd);
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", blocked);
    return fd;
}

static void expect_reply(int fd, const char *bytes)
{
    char got[4096];
    harness_raw_recv(fd, got, sizeof(got), strlen(bytes));
    ck_assert_str_eq(got, bytes);
}

/* [[key, [[id, [f, v]]]]] in RESP2. */
static void expect_one_entry(int fd, const char *key, const char *id, const char *f,
                             const char *v)
{
    char want[512];
    snprintf(want, sizeof(want),
             "*1\r\n*2\r\n$%zu\r\n%s\r\n*1\r\n*2\r\n$%zu\r\n%s\r\n*2\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n",
             strlen(key), key, strlen(id), id, strlen(f), f, strlen(v), v);
    expect_reply(fd, want);
}

START_TEST(readers_are_served_in_the_order_they_blocked)
{
    int a = blocked_on("XREAD BLOCK 0 STREAMS s $", 1);
    int b = blocked_on("XREAD BLOCK 0 STREAMS s $", 2);
    EXPECT_STR("1-0", "XADD s 1-0 f v");
    expect_one_entry(a, "s", "1-0", "f", "v");
    expect_one_entry(b, "s", "1-0", "f", "v");
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 0);
    close(a);
    close(b);
}
END_TEST

START_TEST(a_reader_of_several_streams_gets_the_one_that_grew)
{
    EXPECT_STR("5-0", "XADD s2 5-0 old v");
    int fd = blocked_on("XREAD BLOCK 0 COUNT 5 STREAMS s1 s2 s3 $ $ 0", 1);
    EXPECT_STR("6-0", "XADD s2 6-0 new v");
    expect_one_entry(fd, "s2", "6-0", "new", "v");
    close(fd);
}
END_TEST

START_TEST(an_id_above_the_top_waits_for_an_entry_above_it)
{
    EXPECT_STR("1-0", "XADD s 1-0 f v");
    int fd = blocked_on("XREAD BLOCK 0 STREAMS s 5-0", 1);
    EXPECT_STR("3-0", "XADD s 3-0 f v");
    harness_sleep_ms(50);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "clients", "blocked_clients"), 1);
    EXPECT_STR("6-0", "XADD s 6-0 g w");
    expect_one_entry(fd, "s", "6-0", "g", "w");
    close(fd);
}
END_TEST

START_TEST(group_readers_share_new_entries)
{
    EXPECT_OK("XGROUP CREATE s g $ MKSTREAM");
    int a = blocked_on("XREADGROUP GROUP g alice BLOCK 0 STREAMS s >", 1);
    int b = blocked_on("XREADGROUP GROUP g bob BLOCK 0 STREAMS s >", 2);
    EXPECT_STR("1-0", "XADD s 1-0 f v1");
    expect_one_entry(a, "s", "1-0", "f", "v1");
    EXPECT_STR("2-0", "XADD s 2-0 f v2");
    expect_one_entry(b, "s", "2-0", "f", "v2");
    redisReply *r = CMD("XPENDING s g");
    ck_assert_int_eq(r->element[0]->integer, 2);
    freeReplyObject(r);
    EXPECT_INT(1, "XACK s g 1-0");
    close(a);
    close(b);
}
END_TEST

START_TEST(a_destroyed_group_or_deleted_stream_ends_the_wait_with_an_error)
{
    EXPECT_OK("XGROUP CREATE s g $ MKSTREAM");
    int a = blocked_on("XREADGROUP GROUP g c BLOCK 0 STREAMS s >", 1);
    EXPECT_INT(1, "XGROUP DESTROY s g");
    expect_reply(a, "-NOGROUP the consumer group this client was blocked on no longer exists\r\n");
    EXPECT_OK("XGROUP CREATE s g $");
    int b = blocked_on("XREADGROUP GROUP g c BLOCK 0 STREAMS s >", 1);
    int x = blocked_on("XREAD BLOCK 0 STREAMS s $", 2);
    EXPECT_INT(1, "DEL s");
    expect_reply(b, "-UNBLOCKED the stream key no longer exists\r\n");
    /* Expired by the active cycle, with nobody touching it. */
    EXPECT_OK("XGROUP CREATE e g $ MKSTREAM");
    int y = blocked_on("XREADGROUP GROUP g c BLOCK 0 STREAMS e >", 2);
    EXPECT_INT(1, "PEXPIRE e 50");
    expect_reply(y, "-UNBLOCKED the stream key no longer exists\r\n");
    close(y);
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1);
    EXPECT_STR("1-0", "XADD s 1-0 f v");
    expect_one_entry(x, "s", "1-0", "f", "v");
    close(a);
    close(b);
    close(x);
}
END_TEST

/* Redis 7.0 unblocks group readers when FLUSHALL, FLUSHDB or SWAPDB
 * takes their stream away, as after a DEL; plain readers keep waiting. */
START_TEST(a_flush_or_swapdb_ends_a_group_readers_wait)
{
    static const char *const takers[] = {"FLUSHALL", "FLUSHDB", "SWAPDB 0 1"};
    for (size_t i = 0; i < sizeof(takers) / sizeof(takers[0]); i++) {
        EXPECT_OK("XGROUP CREATE s g $ MKSTREAM");
        int fd = blocked_on("XREADGROUP GROUP g c BLOCK 0 STREAMS s >", 1);
        EXPECT_OK(takers[i]);
        expect_reply(fd, "-UNBLOCKED the stream key no longer exists\r\n");
        close(fd);
        EXPECT_OK("FLUSHALL");
    }
    /* Another stream swapped in has no such group. */
    EXPECT_STR("5-0", "XADD s 5-0 f v");
    EXPECT_OK("SWAPDB 0 1");
    EXPECT_OK("XGROUP CREATE s g $ MKSTREAM");
    int fd = blocked_on("XREADGROUP GROUP g c BLOCK 0 STREAMS s >", 1);
    EXPECT_OK("SWAPDB 0 1");
    expect_reply(fd, "-NOGROUP the consumer group this client was blocked on no longer exists\r\n");
    close(fd);
    EXPECT_OK("FLUSHALL");
    int x = blocked_on("XREAD BLOCK 0 STREAMS s $", 1);
    EXPECT_OK("FLUSHALL");
    EXPECT_STR("1-0", "XADD s 1-0 f v");
    expect_one_entry(x, "s", "1-0", "f", "v");
    close(x);
}
END_TEST

/* As Redis 7.0.15: the error that ends a group reader's wait counts in
 * errorstats and as a failed XREADGROUP. */
START_TEST(an_error_ending_a_wait_counts_as_a_failed_call)
{
    EXPECT_OK("CONFIG RESETSTAT");
    EXPECT_OK("XGROUP CREATE s g $ MKSTREAM");
    int fd = blocked_on("XREADGROUP GROUP g c BLOCK 0 STREAMS s >", 1);
    EXPECT_INT(1, "XGROUP DESTROY s g");
    expect_reply(fd, "-NOGROUP the consumer group this client was blocked on no longer exists\r\n");
    char count[32];
    ck_assert(harness_info_field(harness_ctx, "errorstats", "errorstat_NOGROUP", count,
                                 sizeof(count)));
    ck_assert_str_eq(count, "count=1");
    harness_expect_cmdstat(harness_ctx, "xreadgroup", 1, 0, 1);
    harness_expect_cmdstat(harness_ctx, "xgroup|destroy", 1, 0, 0);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "total_error_replies"), 1);
    close(fd);
}
END_TEST

START_TEST(timeouts_and_multi_reply_null)
{
    long long start = harness_now_ms();
    EXPECT_NIL("XREAD BLOCK 100 STREAMS s $");
    ck_assert_int_ge(harness_now_ms() - start, 90);
    EXPECT_OK("XGROUP CREATE s g $ MKSTREAM");
    EXPECT_NIL("XREADGROUP GROUP g c BLOCK 50 STREAMS s >");
    EXPECT_ERR("ERR timeout is negative", "XREAD BLOCK -1 STREAMS s $");
    EXPECT_ERR("ERR timeout is not an integer or out of range", "XREAD BLOCK x STREAMS s $");
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_expect(fd, "MULTI", "+OK\r\n");
    harness_raw_expect(fd, "XREAD BLOCK 0 STREAMS s $", "+QUEUED\r\n");
    harness_raw_expect(fd, "EXEC", "*1\r\n*-1\r\n");
    close(fd);
    /* A reader blocked with a timeout is still served before it. */
    fd = blocked_on("XREAD BLOCK 10000 STREAMS s $", 1);
    EXPECT_STR("1-0", "XADD s 1-0 f v");
    expect_one_entry(fd, "s", "1-0", "f", "v");
    close(fd);
}
END_TEST

START_TEST(resp3_readers_get_a_map_or_a_null)
{
    int fd = harness_resp3_connect(&harness_srv);
    harness_raw_expect(fd, "XREAD BLOCK 50 STREAMS r3 $", "_\r\n");
    harness_raw_send_line(fd, "XREAD BLOCK 0 STREAMS r3 $");
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1);
    EXPECT_STR("1-0", "XADD r3 1-0 f v");
    expect_reply(fd, "%1\r\n$2\r\nr3\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    close(fd);
}
END_TEST

/* ---- under load ----------------------------------------------------------------- */

#define READERS 4
#define ENTRIES 2000

struct reader {
    atomic_bool stop;
    atomic_long got;
    char name[16];
    unsigned char seen[ENTRIES];
};

static void *read_group(void *arg)
{
    struct reader *k = arg;
    redisContext *c = harness_connect(&harness_srv);
    while (!atomic_load(&k->stop)) {
        redisReply *r = redisCommand(c, "XREADGROUP GROUP g %s COUNT 7 BLOCK 50 STREAMS jobs >",
                                     k->name);
        ck_assert_ptr_nonnull(r);
        if (r->type == REDIS_REPLY_ARRAY) {
            redisReply *entries = r->element[0]->element[1];
            for (size_t i = 0; i < entries->elements; i++) {
                long item = strtol(entries->element[i]->element[1]->element[1]->str, NULL, 10);
                ck_assert(item >= 0 && item < ENTRIES);
                k->seen[item]++;
                freeReplyObject(redisCommand(c, "XACK jobs g %s",
                                             entries->element[i]->element[0]->str));
            }
            atomic_fetch_add(&k->got, (long)entries->elements);
        }
        freeReplyObject(r);
    }
    redisFree(c);
    return NULL;
}

START_TEST(every_entry_goes_to_exactly_one_group_reader)
{
    static struct reader k[READERS];
    pthread_t t[READERS];
    memset(k, 0, sizeof(k));
    EXPECT_OK("XGROUP CREATE jobs g $ MKSTREAM");
    for (int i = 0; i < READERS; i++) {
        snprintf(k[i].name, sizeof(k[i].name), "r%d", i);
        ck_assert_int_eq(pthread_create(&t[i], NULL, read_group, &k[i]), 0);
    }
    for (int i = 0; i < ENTRIES; i++)
        redisAppendCommand(harness_ctx, "XADD jobs * item %d", i);
    for (int i = 0; i < ENTRIES; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(harness_ctx, (void **)&r), REDIS_OK);
        freeReplyObject(r);
    }
    long long deadline = harness_now_ms() + 60000;
    long total = 0;
    while (total < ENTRIES && harness_now_ms() < deadline) {
        total = 0;
        for (int i = 0; i < READERS; i++)
            total += atomic_load(&k[i].got);
        harness_sleep_ms(10);
    }
    for (int i = 0; i < READERS; i++)
        atomic_store(&k[i].stop, true);
    for (int i = 0; i < READERS; i++)
        pthread_join(t[i], NULL);
    for (int item = 0; item < ENTRIES; item++) {
        int times = 0;
        for (int i = 0; i < READERS; i++)
            times += k[i].seen[item];
        ck_assert_msg(times == 1, "entry %d delivered %d times", item, times);
    }
    redisReply *r = CMD("XPENDING jobs g");
    ck_assert_int_eq(r->element[0]->integer, 0);
    freeReplyObject(r);
}
END_TEST

static Suite *stream_blocking_suite(void)
{
    Suite *s = suite_create("stream_blocking");
    TCase *waking = harness_server_case("waking", start_four_loops, NULL);
    tcase_add_test(waking, readers_are_served_in_the_order_they_blocked);
    tcase_add_test(waking, a_reader_of_several_streams_gets_the_one_that_grew);
    tcase_add_test(waking, an_id_above_the_top_waits_for_an_entry_above_it);
    tcase_add_test(waking, group_readers_share_new_entries);
    tcase_add_test(waking, a_destroyed_group_or_deleted_stream_ends_the_wait_with_an_error);
    tcase_add_test(waking, a_flush_or_swapdb_ends_a_group_readers_wait);
    tcase_add_test(waking, an_error_ending_a_wait_counts_as_a_failed_call);
    tcase_add_test(waking, timeouts_and_multi_reply_null);
    tcase_add_test(waking, resp3_readers_get_a_map_or_a_null);
    suite_add_tcase(s, waking);
    TCase *load = harness_server_case("load", start_four_loops, NULL);
    tcase_add_test(load, every_entry_goes_to_exactly_one_group_reader);
    suite_add_tcase(s, load);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stream_blocking_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
