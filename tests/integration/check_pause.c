/*
 * check_pause.c - CLIENT PAUSE and CLIENT UNPAUSE against a real
 * grove-server on two worker loops: which commands wait under WRITE and
 * ALL (scripts and transactions by what they declare), that they run in
 * order once the pause is lifted or over, that expired keys stay while
 * paused, CLIENT UNBLOCK, disconnects, and the errors.
 *
 * The behaviour follows redis-server 7.0.15 (compared side by side).
 * A postponed command is seen by INFO's blocked_clients, as in Redis.
 */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"

/* A second connection that sends without waiting for the reply. */
static redisContext *deferred(void)
{
    return harness_connect(&harness_srv);
}

/* Nothing has arrived on c within ms milliseconds. */
static void expect_no_reply_within(redisContext *c, int ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, ms), 0);
}

static void wait_blocked(long long n)
{
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", n);
}

START_TEST(write_pause_holds_writes_and_lets_reads_run)
{
    EXPECT_OK("SET foo bar");
    EXPECT_OK("CLIENT PAUSE 100000 WRITE");
    redisContext *w = deferred();
    harness_expect_str(harness_cmd(w, "GET foo"), "bar");
    harness_expect_status(harness_cmd(w, "PING"), "PONG");
    wait_blocked(0);
    harness_send_only(w, "SET foo baz");
    harness_send_only(w, "GET foo"); /* waits behind the SET in the buffer */
    wait_blocked(1);
    redisReply *list = CMD("CLIENT LIST");
    ck_assert_ptr_nonnull(strstr(list->str, "flags=b db=0"));
    ck_assert_ptr_nonnull(strstr(list->str, "cmd=set "));
    freeReplyObject(list);
    EXPECT_STR("bar", "GET foo");
    EXPECT_OK("CLIENT UNPAUSE");
    harness_expect_status(harness_read_reply(w), "OK");
    harness_expect_str(harness_read_reply(w), "baz");
    wait_blocked(0);
    redisFree(w);
}
END_TEST

/* PUBLISH and PFCOUNT-like may-replicate commands wait too; a script waits
 * unless it declares no-writes (EVAL_RO, FCALL of a no-writes function). */
START_TEST(scripts_and_publish_wait_by_what_they_declare)
{
    EXPECT_STR("f1", "FUNCTION LOAD REPLACE %s",
               "#!lua name=f1\nredis.register_function{function_name='f1', callback=function() "
               "return 'hello' end, flags={'no-writes'}}");
    EXPECT_OK("CLIENT PAUSE 100000 WRITE");
    redisContext *ro = deferred();
    harness_expect_int(harness_cmd(ro, "EVAL %s 0", "#!lua flags=no-writes\nreturn 1"), 1);
    harness_expect_int(harness_cmd(ro, "EVAL_RO %s 0", "return 2"), 2);
    harness_expect_str(harness_cmd(ro, "FCALL f1 0"), "hello");
    redisContext *a = deferred(), *b = deferred(), *c = deferred();
    harness_send_only(a, "EVAL %s 0", "return 3");
    harness_send_only(b, "EVAL %s 0", "#!lua\nreturn 4");
    harness_send_only(c, "PUBLISH ch msg");
    wait_blocked(3);
    EXPECT_OK("CLIENT UNPAUSE");
    harness_expect_int(harness_read_reply(a), 3);
    harness_expect_int(harness_read_reply(b), 4);
    harness_expect_int(harness_read_reply(c), 0);
    redisFree(ro);
    redisFree(a);
    redisFree(b);
    redisFree(c);
}
END_TEST

/* Under WRITE even queuing a write waits, as in Redis; a read-only EXEC
 * runs, an EXEC of writes waits. */
START_TEST(transactions_wait_by_their_queue)
{
    EXPECT_OK("SET foo bar");
    redisContext *w = deferred();
    harness_expect_status(harness_cmd(w, "MULTI"), "OK");
    harness_expect_status(harness_cmd(w, "SET foo baz"), "QUEUED");
    EXPECT_OK("CLIENT PAUSE 100000 WRITE");
    redisContext *r = deferred();
    harness_expect_status(harness_cmd(r, "MULTI"), "OK");
    harness_expect_status(harness_cmd(r, "GET foo"), "QUEUED");
    harness_expect_status(harness_cmd(r, "EVAL %s 0", "#!lua flags=no-writes\nreturn 12"),
                          "QUEUED");
    redisReply *x = harness_cmd(r, "EXEC");
    harness_assert_array(x, 2);
    ck_assert_str_eq(x->element[0]->str, "bar");
    freeReplyObject(x);
    harness_send_only(w, "EXEC");
    harness_expect_status(harness_cmd(r, "MULTI"), "OK");
    harness_send_only(r, "SET other 1");
    wait_blocked(2);
    EXPECT_OK("CLIENT UNPAUSE");
    x = harness_read_reply(w);
    harness_assert_array(x, 1);
    freeReplyObject(x);
    harness_expect_status(harness_read_reply(r), "QUEUED");
    harness_expect_status(harness_cmd(r, "DISCARD"), "OK");
    EXPECT_STR("baz", "GET foo");
    redisFree(w);
    redisFree(r);
}
END_TEST

/* A pause set inside MULTI starts once EXEC is done. */
START_TEST(a_pause_starts_after_the_transaction)
{
    EXPECT_OK("MULTI");
    EXPECT_STATUS("QUEUED", "SET foo1 bar");
    EXPECT_STATUS("QUEUED", "CLIENT PAUSE 100000 WRITE");
    EXPECT_STATUS("QUEUED", "SET foo2 bar");
    freeReplyObject(CMD("EXEC"));
    redisContext *w = deferred();
    harness_send_only(w, "SET foo3 bar");
    wait_blocked(1);
    EXPECT_STR("bar", "GET foo1");
    EXPECT_STR("bar", "GET foo2");
    EXPECT_NIL("GET foo3");
    EXPECT_OK("CLIENT UNPAUSE");
    harness_expect_status(harness_read_reply(w), "OK");
    redisFree(w);
}
END_TEST

/* ALL holds every command until the end time; a later pause never makes
 * one shorter or less strict (both set in one EXEC: a command sent after
 * the first would wait for its end). */
START_TEST(all_holds_everything_until_its_end)
{
    EXPECT_OK("MULTI");
    EXPECT_STATUS("QUEUED", "CLIENT PAUSE 400 ALL");
    EXPECT_STATUS("QUEUED", "CLIENT PAUSE 10 WRITE");
    freeReplyObject(CMD("EXEC"));
    redisContext *w = deferred();
    harness_send_only(w, "PING");
    expect_no_reply_within(w, 100);
    harness_expect_status(harness_read_reply(w), "PONG");
    redisFree(w);
    wait_blocked(0);
}
END_TEST

START_TEST(a_shorter_pause_keeps_the_longer_end)
{
    EXPECT_OK("CLIENT PAUSE 100000 WRITE");
    EXPECT_OK("CLIENT PAUSE 10 WRITE");
    harness_sleep_ms(50);
    redisContext *w = deferred();
    harness_send_only(w, "SET foo bar");
    wait_blocked(1);
    EXPECT_OK("CLIENT UNPAUSE");
    harness_expect_status(harness_read_reply(w), "OK");
    redisFree(w);
}
END_TEST

START_TEST(the_pause_ends_by_itself)
{
    EXPECT_OK("CLIENT PAUSE 200 WRITE");
    redisContext *w = deferred();
    harness_send_only(w, "SET foo bar");
    harness_expect_status(harness_read_reply(w), "OK");
    redisFree(w);
}
END_TEST

/* Neither lazy nor active expiry deletes while paused: reads see the key
 * as gone, DBSIZE still counts it, and the first read after deletes it. */
START_TEST(expired_keys_stay_while_paused)
{
    EXPECT_OK("SET foo bar PX 10");
    EXPECT_OK("SET bar foo PX 10");
    long long expired = harness_info_ll(harness_ctx, "stats", "expired_keys");
    EXPECT_OK("CLIENT PAUSE 100000 WRITE");
    harness_sleep_ms(150); /* well past the TTL and a few active expiry cycles */
    EXPECT_NIL("GET foo");
    EXPECT_INT(0, "EXISTS bar");
    EXPECT_INT(-2, "TTL foo");
    EXPECT_INT(2, "DBSIZE");
    EXPECT_EMPTY("KEYS *");
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "expired_keys"), expired);
    EXPECT_OK("CLIENT UNPAUSE");
    EXPECT_NIL("GET foo");
    EXPECT_NIL("GET bar");
    ck_assert_int_eq(harness_info_ll(harness_ctx, "stats", "expired_keys"), expired + 2);
}
END_TEST

/* Every key expired and paused: RANDOMKEY still answers (Redis 7.0.15
 * looped for ever here). */
START_TEST(randomkey_answers_when_every_key_is_expired)
{
    EXPECT_OK("SET key value PX 3");
    EXPECT_OK("CLIENT PAUSE 100000 WRITE");
    harness_sleep_ms(20);
    EXPECT_STR("key", "RANDOMKEY");
    EXPECT_OK("CLIENT UNPAUSE");
    EXPECT_NIL("RANDOMKEY");
}
END_TEST

START_TEST(client_unblock_leaves_postponed_clients_alone)
{
    redisContext *w = deferred();
    long long id = harness_cmd_int(w, "CLIENT ID");
    EXPECT_OK("CLIENT PAUSE 100000 WRITE");
    harness_send_only(w, "BLPOP mylist 0");
    wait_blocked(1);
    EXPECT_INT(0, "CLIENT UNBLOCK %lld TIMEOUT", id);
    EXPECT_OK("CLIENT UNPAUSE");
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1); /* blocked for real now */
    for (int tries = 0; harness_cmd_int(harness_ctx, "CLIENT UNBLOCK %lld TIMEOUT", id) == 0;
         tries++) {
        ck_assert_int_lt(tries, 1000);
        harness_sleep_ms(1);
    }
    harness_expect_nil(harness_read_reply(w));
    redisFree(w);
}
END_TEST

START_TEST(a_postponed_client_may_leave)
{
    redisContext *w = deferred();
    EXPECT_OK("CLIENT PAUSE 100000 WRITE");
    harness_send_only(w, "SET foo bar");
    wait_blocked(1);
    redisFree(w);
    wait_blocked(0);
    EXPECT_OK("CLIENT UNPAUSE");
    EXPECT_NIL("GET foo");
}
END_TEST

START_TEST(errors_are_answered_at_once)
{
    EXPECT_OK("CLIENT PAUSE 100000 WRITE");
    EXPECT_ERR("ERR wrong number of arguments for 'set' command", "SET foo");
    EXPECT_ERR("ERR timeout is not an integer or out of range", "CLIENT PAUSE abc");
    EXPECT_ERR("ERR timeout is negative", "CLIENT PAUSE -1");
    EXPECT_ERR("ERR CLIENT PAUSE mode must be WRITE or ALL", "CLIENT PAUSE abc foo");
    EXPECT_ERR("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT "
               "HELP.",
               "CLIENT PAUSE 10 WRITE x");
    EXPECT_ERR("ERR wrong number of arguments for 'client|unpause' command", "CLIENT UNPAUSE x");
    EXPECT_OK("CLIENT UNPAUSE");
    redisReply *r = CMD("EVAL %s 0", "return redis.call('client','pause','10')");
    ck_assert_int_eq(r->type, REDIS_REPLY_ERROR);
    ck_assert_ptr_nonnull(strstr(r->str, "This Redis command is not allowed from script"));
    freeReplyObject(r);
}
END_TEST

/* A test that failed may have left a pause: lift it before FLUSHALL. */
static void connect_unpaused(void)
{
    harness_ctx = harness_connect(&harness_srv);
    EXPECT_OK("CLIENT UNPAUSE");
    EXPECT_OK("FLUSHALL");
}

int main(void)
{
    Suite *s = suite_create("pause");
    TCase *tc = harness_server_case("pause", NULL, connect_unpaused);
    tcase_add_test(tc, write_pause_holds_writes_and_lets_reads_run);
    tcase_add_test(tc, scripts_and_publish_wait_by_what_they_declare);
    tcase_add_test(tc, transactions_wait_by_their_queue);
    tcase_add_test(tc, a_pause_starts_after_the_transaction);
    tcase_add_test(tc, all_holds_everything_until_its_end);
    tcase_add_test(tc, a_shorter_pause_keeps_the_longer_end);
    tcase_add_test(tc, the_pause_ends_by_itself);
    tcase_add_test(tc, expired_keys_stay_while_paused);
    tcase_add_test(tc, randomkey_answers_when_every_key_is_expired);
    tcase_add_test(tc, client_unblock_leaves_postponed_clients_alone);
    tcase_add_test(tc, a_postponed_client_may_leave);
    tcase_add_test(tc, errors_are_answered_at_once);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
