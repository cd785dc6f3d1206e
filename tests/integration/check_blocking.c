/*
 * check_blocking.c - the blocking list and sorted-set commands against a
 * server with four worker loops, so that blocked clients and the clients
 * that wake them sit on different loops: FIFO wake order, several keys,
 * timeouts, disconnects, MULTI/EXEC, LMOVE chains, type changes, SWAPDB,
 * RENAME, CLIENT UNBLOCK, pipelined requests behind a blocked one, and
 * every pushed item delivered exactly once under load.
 *
 * Replies and error texts were taken from redis-server 7.0.15.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "fixtures.h"

static void start_four_loops(void)
{
    static const char *const args[] = {"--threads", "4", NULL};
    harness_start(&harness_srv, args);
}

/* ---- helpers ----------------------------------------------------------------- */

/* A new connection that sends `cmd` and is blocked by it once
 * blocked_clients reaches `blocked`. */
static redisContext *blocked_on(const char *cmd, long long blocked)
{
    redisContext *c = harness_connect(&harness_srv);
    harness_send_only(c, cmd);
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", blocked);
    return c;
}

static void expect_pair(redisContext *c, const char *key, const char *value)
{
    harness_expect_array(harness_read_reply(c), 2, (const char *[]){key, value});
}

/* ---- basics ----------------------------------------------------------------------- */

START_TEST(blpop_serves_at_once_when_a_key_has_data)
{
    EXPECT_INT(2, "RPUSH b x y");
    EXPECT_ARRAY(((const char *[]){"b", "x"}), "BLPOP a b 0");
    EXPECT_ARRAY(((const char *[]){"b", "y"}), "BRPOP a b 0");
    EXPECT_INT(0, "EXISTS b");
    EXPECT_INT(1, "ZADD z 1 m");
    EXPECT_ARRAY(((const char *[]){"z", "m", "1"}), "BZPOPMIN z 0");
    EXPECT_INT(1, "RPUSH src v");
    EXPECT_STR("v", "BLMOVE src dst LEFT RIGHT 0");
    EXPECT_LIST("dst", "v");
    EXPECT_STR("v", "BRPOPLPUSH dst src 0");
}
END_TEST

START_TEST(timeout_errors_are_redis_texts)
{
    EXPECT_ERR("ERR timeout is not a float or out of range", "BLPOP k x");
    EXPECT_ERR("ERR timeout is negative", "BLPOP k -1");
    EXPECT_ERR("ERR timeout is negative", "BLPOP k 1e400");
    EXPECT_ERR("ERR timeout is negative", "BZPOPMIN k -0.5");
    EXPECT_ERR("ERR timeout is not a float or out of range", "BLMOVE a b LEFT LEFT x");
    EXPECT_ERR(ERR_SYNTAX, "BLMOVE a b UP LEFT 0");
    EXPECT_OK("SET s v");
    EXPECT_ERR(ERR_WRONGTYPE, "BLPOP s 0");
    EXPECT_ERR(ERR_WRONGTYPE, "BZPOPMIN s 0");
    EXPECT_ERR(ERR_WRONGTYPE, "BLMOVE s d LEFT LEFT 0");
}
END_TEST

START_TEST(a_timeout_replies_null_after_the_time_has_passed)
{
    long long start = harness_now_ms();
    redisReply *r = CMD("BLPOP nothing 0.2");
    ck_assert_int_eq(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    ck_assert_int_ge(harness_now_ms() - start, 190);
    EXPECT_NIL("BLMOVE nothing dst LEFT LEFT 0.05");
    EXPECT_NIL("BZPOPMAX nothing 0.05");
    EXPECT_INT(0, "EXISTS dst");
}
END_TEST

/* 0.001 * 1000 is a hair under 1 as a long double: Redis rounds the
 * milliseconds up, so a timeout above 0 never means "forever". */
START_TEST(a_timeout_of_a_millisecond_or_less_still_times_out)
{
    EXPECT_NIL("BLPOP nothing 0.001");
    EXPECT_NIL("BRPOP nothing 0.001");
    EXPECT_NIL("BLPOP nothing 0.0001");
    EXPECT_NIL("BLMPOP 0.001 1 nothing LEFT");
    EXPECT_NIL("BZPOPMIN nothing 0.001");
    EXPECT_NIL("BZMPOP 0.001 1 nothing MIN");
    EXPECT_NIL("BLMOVE nothing dst LEFT LEFT 0.001");
    EXPECT_NIL("BRPOPLPUSH nothing dst 0.001");
    EXPECT_NIL("XREAD BLOCK 1 STREAMS nothing $");
}
END_TEST

/* ---- waking -------------------------------------------------------------------------- */

START_TEST(clients_are_served_in_the_order_they_blocked)
{
    redisContext *c1 = blocked_on("BLPOP q 0", 1);
    redisContext *c2 = blocked_on("BLPOP q 0", 2);
    redisContext *c3 = blocked_on("BLPOP q 0", 3);
    EXPECT_INT(3, "RPUSH q a b c");
    expect_pair(c1, "q", "a");
    expect_pair(c2, "q", "b");
    expect_pair(c3, "q", "c");
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 0);
    EXPECT_INT(0, "EXISTS q");
    redisFree(c1);
    redisFree(c2);
    redisFree(c3);
}
END_TEST

START_TEST(a_client_on_several_keys_is_served_from_the_first_that_gets_data)
{
    redisContext *c = blocked_on("BLPOP k1 k2 k3 0", 1);
    EXPECT_INT(1, "RPUSH k3 x");
    expect_pair(c, "k3", "x");
    redisFree(c);
    /* No longer waiting on k1 or k2: their data stays. */
    EXPECT_INT(1, "RPUSH k1 y");
    EXPECT_LIST("k1", "y");
}
END_TEST

START_TEST(sorted_set_waiters_get_key_member_and_score)
{
    redisContext *c = blocked_on("BZPOPMAX z1 z2 0", 1);
    EXPECT_INT(2, "ZADD z2 1 low 2 high");
    harness_expect_array(harness_read_reply(c), 3, (const char *[]){"z2", "high", "2"});
    EXPECT_ARRAY(((const char *[]){"low"}), "ZRANGE z2 0 -1");
    redisFree(c);
}
END_TEST

START_TEST(blmpop_and_bzmpop_wait_then_pop_up_to_count)
{
    redisContext *l = blocked_on("BLMPOP 0 2 q1 q2 RIGHT COUNT 3", 1);
    EXPECT_INT(4, "RPUSH q2 a b c d");
    redisReply *r = harness_read_reply(l);
    harness_assert_array(r, 2);
    ck_assert_str_eq(r->element[0]->str, "q2");
    harness_assert_array(r->element[1], 3);
    ck_assert_str_eq(r->element[1]->element[0]->str, "d");
    ck_assert_str_eq(r->element[1]->element[2]->str, "b");
    freeReplyObject(r);
    EXPECT_LIST("q2", "a");
    redisContext *z = blocked_on("BZMPOP 0 1 zz MIN", 1);
    EXPECT_INT(2, "ZADD zz 1 one 2 two");
    r = harness_read_reply(z);
    harness_assert_array(r, 2);
    ck_assert_str_eq(r->element[0]->str, "zz");
    harness_assert_array(r->element[1], 1);
    harness_assert_array(r->element[1]->element[0], 2);
    ck_assert_str_eq(r->element[1]->element[0]->element[0]->str, "one");
    ck_assert_str_eq(r->element[1]->element[0]->element[1]->str, "1");
    freeReplyObject(r);
    EXPECT_ERR("ERR numkeys should be greater than 0", "BLMPOP 0 0 a LEFT");
    EXPECT_ERR("ERR count should be greater than 0", "BZMPOP 0 1 a MIN COUNT 0");
    redisFree(l);
    redisFree(z);
}
END_TEST

START_TEST(a_list_push_does_not_wake_a_sorted_set_waiter)
{
    redisContext *z = blocked_on("BZPOPMIN k 0", 1);
    redisContext *l = blocked_on("BLPOP k 0", 2);
    EXPECT_INT(1, "RPUSH k v");
    expect_pair(l, "k", "v");
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1);
    EXPECT_INT(1, "ZADD k 3 m");
    harness_expect_array(harness_read_reply(z), 3, (const char *[]){"k", "m", "3"});
    redisFree(z);
    redisFree(l);
}
END_TEST

START_TEST(a_push_inside_exec_serves_the_final_state_after_the_transaction)
{
    redisContext *c = blocked_on("BLPOP k 0", 1);
    EXPECT_OK("MULTI");
    EXPECT_STATUS("QUEUED", "LPUSH k a");
    EXPECT_STATUS("QUEUED", "LPUSH k b");
    EXPECT_STATUS("QUEUED", "LPUSH k c");
    freeReplyObject(CMD("EXEC"));
    expect_pair(c, "k", "c");
    EXPECT_LIST("k", "b", "a");
    redisFree(c);
}
END_TEST

START_TEST(inside_multi_a_blocking_command_answers_at_once)
{
    EXPECT_OK("MULTI");
    EXPECT_STATUS("QUEUED", "BLPOP empty 0");
    EXPECT_STATUS("QUEUED", "BLMOVE empty dst LEFT LEFT 0");
    EXPECT_STATUS("QUEUED", "BZPOPMIN empty 0");
    redisReply *r = CMD("EXEC");
    harness_assert_array(r, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "clients", "blocked_clients"), 0);
}
END_TEST

START_TEST(an_lmove_onto_a_waited_key_wakes_its_waiter)
{
    redisContext *first = blocked_on("BLMOVE a b LEFT LEFT 0", 1);
    redisContext *second = blocked_on("BLPOP b 0", 2);
    EXPECT_INT(1, "RPUSH a item");
    harness_expect_str(harness_read_reply(first), "item");
    expect_pair(second, "b", "item");
    EXPECT_INT(0, "EXISTS a");
    EXPECT_INT(0, "EXISTS b");
    redisFree(first);
    redisFree(second);
}
END_TEST

START_TEST(a_key_of_another_type_keeps_the_client_waiting)
{
    redisContext *c = blocked_on("BLPOP k 0", 1);
    EXPECT_OK("SET k text");
    EXPECT_INT(1, "DEL k");
    ck_assert_int_eq(harness_info_ll(harness_ctx, "clients", "blocked_clients"), 1);
    EXPECT_INT(1, "RPUSH k v");
    expect_pair(c, "k", "v");
    redisFree(c);
}
END_TEST

START_TEST(rename_onto_a_waited_key_wakes_its_waiter)
{
    redisContext *c = blocked_on("BLPOP target 0", 1);
    EXPECT_INT(1, "RPUSH source v");
    EXPECT_OK("RENAME source target");
    expect_pair(c, "target", "v");
    redisFree(c);
}
END_TEST

START_TEST(swapdb_wakes_clients_whose_key_now_has_data)
{
    redisContext *c = blocked_on("BLPOP k 0", 1);
    EXPECT_OK("SELECT 1");
    EXPECT_INT(1, "RPUSH k v");
    EXPECT_OK("SWAPDB 0 1");
    expect_pair(c, "k", "v");
    EXPECT_INT(0, "EXISTS k"); /* db 1 now holds db 0's old (empty) contents */
    EXPECT_OK("SELECT 0");
    EXPECT_INT(0, "EXISTS k");
    redisFree(c);
}
END_TEST

START_TEST(requests_pipelined_behind_a_blocked_one_wait_for_it)
{
    redisContext *c = harness_connect(&harness_srv);
    harness_send_only(c, "BLPOP k 0");
    harness_send_only(c, "PING");
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1);
    EXPECT_INT(1, "RPUSH k v");
    expect_pair(c, "k", "v");
    harness_expect_status(harness_read_reply(c), "PONG");
    redisFree(c);
}
END_TEST

/* ---- leaving ------------------------------------------------------------------------ */

START_TEST(a_client_that_disconnects_while_blocked_leaves_nothing_behind)
{
    redisContext *c = blocked_on("BLPOP k 0", 1);
    redisFree(c);
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 0);
    EXPECT_INT(1, "RPUSH k v");
    EXPECT_LIST("k", "v"); /* nobody took it */
}
END_TEST

/* The id of the client whose CLIENT LIST line holds `field`. */
static long long id_of_client_running(const char *field)
{
    redisReply *list = CMD("CLIENT LIST");
    const char *line = strstr(list->str, field);
    ck_assert_ptr_nonnull(line);
    while (line > list->str && line[-1] != '\n')
        line--;
    long long id = strtoll(line + 3, NULL, 10);
    freeReplyObject(list);
    return id;
}

START_TEST(client_unblock_replies_a_timeout_or_an_error)
{
    redisContext *c = blocked_on("BLPOP k 0", 1);
    long long blocked_id = id_of_client_running("flags=b");
    ck_assert_int_eq(blocked_id, id_of_client_running("cmd=blpop"));
    EXPECT_INT(1, "CLIENT UNBLOCK %lld", blocked_id);
    harness_expect_nil(harness_read_reply(c));
    EXPECT_INT(0, "CLIENT UNBLOCK %lld", blocked_id);
    harness_send_only(c, "BLMOVE k d LEFT LEFT 0");
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1);
    EXPECT_INT(1, "CLIENT UNBLOCK %lld ERROR", blocked_id);
    harness_expect_error(harness_read_reply(c), "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    EXPECT_ERR("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR", "CLIENT UNBLOCK 1 NOW");
    EXPECT_ERR(ERR_NOT_INT, "CLIENT UNBLOCK x");
    redisFree(c);
}
END_TEST

/* Grove has no replicas: WAIT answers 0 at once when 0 is enough, else
 * blocks like any waiter (timeout, CLIENT UNBLOCK) and answers 0. */
START_TEST(wait_counts_no_replicas)
{
    EXPECT_INT(0, "WAIT 0 0");
    EXPECT_INT(0, "WAIT -1 0");
    EXPECT_ERR(ERR_NOT_INT, "WAIT abc 0");
    EXPECT_ERR("ERR timeout is not an integer or out of range", "WAIT 0 abc");
    EXPECT_ERR("ERR timeout is negative", "WAIT 0 -5");
    long long start = harness_now_ms();
    EXPECT_INT(0, "WAIT 1 100");
    ck_assert_int_ge(harness_now_ms() - start, 90);
    EXPECT_OK("MULTI");
    EXPECT_STATUS("QUEUED", "WAIT 1 0");
    harness_expect_ints(CMD("EXEC"), 1, (const long long[]){0});
    redisContext *c = blocked_on("WAIT 2 0", 1);
    EXPECT_INT(1, "CLIENT UNBLOCK %lld", id_of_client_running("cmd=wait"));
    harness_expect_int(harness_read_reply(c), 0);
    redisFree(c);
}
END_TEST

static void expect_errorstat(const char *code, const char *count)
{
    char field[64], value[64];
    snprintf(field, sizeof(field), "errorstat_%s", code);
    ck_assert(harness_info_field(harness_ctx, "errorstats", field, value, sizeof(value)));
    ck_assert_str_eq(value, count);
}

/* As Redis 7.0.15: the -UNBLOCKED error counts in errorstats and as a
 * failed BLPOP; any CLIENT UNBLOCK counts as a failure, a timeout not. */
START_TEST(client_unblock_counts_as_a_failed_call)
{
    EXPECT_OK("CONFIG RESETSTAT");
    redisContext *c = harness_connect(&harness_srv);
    long long id = harness_cmd_int(c, "CLIENT ID");
    harness_send_only(c, "BLPOP k 0");
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1);
    EXPECT_INT(1, "CLIENT UNBLOCK %lld ERROR", id);
    harness_expect_error(harness_read_reply(c), "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    expect_errorstat("UNBLOCKED", "count=1");
    harness_expect_cmdstat(harness_ctx, "blpop", 1, 0, 1);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "total_error_replies"), 1);
    harness_send_only(c, "BLPOP k 0");
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1);
    EXPECT_INT(1, "CLIENT UNBLOCK %lld", id);
    harness_expect_nil(harness_read_reply(c));
    harness_expect_nil(harness_cmd(c, "BLPOP k 0.01"));
    harness_expect_cmdstat(harness_ctx, "blpop", 3, 0, 2);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "total_error_replies"), 1);
    redisFree(c);
}
END_TEST

/* ---- under load ----------------------------------------------------------------------- */

#define CONSUMERS 8
#define ITEMS 4000

struct consumer {
    atomic_long got;
    atomic_bool stop;
    char seen[ITEMS];
};

static void *consume(void *arg)
{
    struct consumer *k = arg;
    redisContext *c = harness_connect(&harness_srv);
    while (!atomic_load(&k->stop)) {
        redisReply *r = redisCommand(c, "BLPOP jobs:1 jobs:2 0.05");
        ck_assert_ptr_nonnull(r);
        if (r->type == REDIS_REPLY_ARRAY) {
            long item = strtol(r->element[1]->str, NULL, 10);
            ck_assert(item >= 0 && item < ITEMS);
            k->seen[item]++;
            atomic_fetch_add(&k->got, 1);
        }
        freeReplyObject(r);
    }
    redisFree(c);
    return NULL;
}

START_TEST(every_item_is_delivered_exactly_once)
{
    static struct consumer k[CONSUMERS];
    pthread_t t[CONSUMERS];
    memset(k, 0, sizeof(k));
    for (int i = 0; i < CONSUMERS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, consume, &k[i]), 0);
    for (int i = 0; i < ITEMS; i += 100) {
        char cmd[4096];
        int n = snprintf(cmd, sizeof(cmd), "RPUSH jobs:%d", 1 + (i / 100) % 2);
        for (int j = i; j < i + 100; j++)
            n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " %d", j);
        freeReplyObject(CMD(cmd));
    }
    long long deadline = harness_now_ms() + 60000;
    long total = 0;
    while (total < ITEMS && harness_now_ms() < deadline) {
        total = 0;
        for (int i = 0; i < CONSUMERS; i++)
            total += atomic_load(&k[i].got);
        harness_sleep_ms(10);
    }
    for (int i = 0; i < CONSUMERS; i++)
        atomic_store(&k[i].stop, true);
    for (int i = 0; i < CONSUMERS; i++)
        pthread_join(t[i], NULL);
    for (int item = 0; item < ITEMS; item++) {
        int times = 0;
        for (int i = 0; i < CONSUMERS; i++)
            times += k[i].seen[item];
        ck_assert_msg(times == 1, "item %d delivered %d times", item, times);
    }
    EXPECT_INT(0, "EXISTS jobs:1");
    EXPECT_INT(0, "EXISTS jobs:2");
}
END_TEST

static Suite *blocking_suite(void)
{
    Suite *s = suite_create("blocking");
    TCase *basics = harness_server_case("basics", start_four_loops, NULL);
    tcase_add_test(basics, blpop_serves_at_once_when_a_key_has_data);
    tcase_add_test(basics, timeout_errors_are_redis_texts);
    tcase_add_test(basics, a_timeout_replies_null_after_the_time_has_passed);
    tcase_add_test(basics, a_timeout_of_a_millisecond_or_less_still_times_out);
    suite_add_tcase(s, basics);
    TCase *waking = harness_server_case("waking", start_four_loops, NULL);
    tcase_add_test(waking, clients_are_served_in_the_order_they_blocked);
    tcase_add_test(waking, a_client_on_several_keys_is_served_from_the_first_that_gets_data);
    tcase_add_test(waking, sorted_set_waiters_get_key_member_and_score);
    tcase_add_test(waking, blmpop_and_bzmpop_wait_then_pop_up_to_count);
    tcase_add_test(waking, a_list_push_does_not_wake_a_sorted_set_waiter);
    tcase_add_test(waking, a_push_inside_exec_serves_the_final_state_after_the_transaction);
    tcase_add_test(waking, inside_multi_a_blocking_command_answers_at_once);
    tcase_add_test(waking, an_lmove_onto_a_waited_key_wakes_its_waiter);
    tcase_add_test(waking, a_key_of_another_type_keeps_the_client_waiting);
    tcase_add_test(waking, rename_onto_a_waited_key_wakes_its_waiter);
    tcase_add_test(waking, swapdb_wakes_clients_whose_key_now_has_data);
    tcase_add_test(waking, requests_pipelined_behind_a_blocked_one_wait_for_it);
    suite_add_tcase(s, waking);
    TCase *leaving = harness_server_case("leaving", start_four_loops, NULL);
    tcase_add_test(leaving, a_client_that_disconnects_while_blocked_leaves_nothing_behind);
    tcase_add_test(leaving, client_unblock_replies_a_timeout_or_an_error);
    tcase_add_test(leaving, client_unblock_counts_as_a_failed_call);
    tcase_add_test(leaving, wait_counts_no_replicas);
    suite_add_tcase(s, leaving);
    TCase *load = harness_server_case("load", start_four_loops, NULL);
    tcase_add_test(load, every_item_is_delivered_exactly_once);
    suite_add_tcase(s, load);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(blocking_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
