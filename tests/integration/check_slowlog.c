/*
 * check_slowlog.c - SLOWLOG against a real grove-server: what is logged
 * at which threshold, how entries look (cut arguments, redacted
 * passwords, script commands), the length bound, RESET and the errors.
 *
 * Expected entries were taken from redis-server 7.0.15.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"

/* SLOWLOG GET -1 (newest first), which the caller frees. */
static redisReply *slowlog_all(void)
{
    redisReply *r = CMD("SLOWLOG GET -1");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    return r;
}

static void expect_args(const redisReply *entry, const char *const *want)
{
    const redisReply *args = entry->element[3];
    size_t n = 0;
    while (want[n] != NULL)
        n++;
    ck_assert_uint_eq(args->elements, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(args->element[i]->str, want[i]);
}

START_TEST(entries_look_as_in_redis)
{
    EXPECT_OK("CONFIG SET slowlog-log-slower-than 0");
    EXPECT_OK("SLOWLOG RESET");
    char big[201];
    memset(big, 'a', 200);
    big[200] = '\0';
    EXPECT_OK("SET k %s", big);
    freeReplyObject(CMD("AUTH secret"));
    freeReplyObject(CMD("EVAL %s 0", "redis.call('set','z','1')"));
    redisReply *r = slowlog_all();
    ck_assert_uint_ge(r->elements, 5);
    /* newest first: EVAL, its SET, AUTH, SET k, SLOWLOG RESET */
    expect_args(r->element[0], (const char *const[]){"EVAL", "redis.call('set','z','1')", "0",
                                                      NULL});
    expect_args(r->element[1], (const char *const[]){"set", "z", "1", NULL});
    ck_assert_str_eq(r->element[1]->element[4]->str, "?:0");
    expect_args(r->element[2], (const char *const[]){"AUTH", "(redacted)", NULL});
    char cut[160];
    snprintf(cut, sizeof(cut), "%.128s... (72 more bytes)", big);
    expect_args(r->element[3], (const char *const[]){"SET", "k", cut, NULL});
    ck_assert_int_eq(r->element[3]->element[0]->integer + 1, r->element[2]->element[0]->integer);
    ck_assert(strncmp(r->element[3]->element[4]->str, "127.0.0.1:", 10) == 0);
    ck_assert_int_ge(r->element[3]->element[2]->integer, 0);
    freeReplyObject(r);
    EXPECT_OK("CONFIG SET slowlog-log-slower-than 10000");
}
END_TEST

/* What redis-server 7.0.15 redacts besides AUTH: everything after ACL
 * SETUSER, even a rule it refuses; CONFIG SET's masteruser, masterauth
 * and requirepass values, not the others; HELLO's AUTH pair. An AUTH of
 * too many arguments fails before redacting anything. */
START_TEST(sensitive_arguments_are_redacted)
{
    EXPECT_OK("CONFIG SET slowlog-log-slower-than 0");
    EXPECT_OK("SLOWLOG RESET");
    harness_expect_error(CMD("ACL SETUSER %s on", "bad user"),
                         "ERR Usernames can't contain spaces or null characters");
    EXPECT_OK("ACL SETUSER slowlog-user on >pw +get");
    EXPECT_OK("CONFIG SET maxmemory 0 masterauth secret");
    EXPECT_OK("CONFIG SET masteruser someone");
    freeReplyObject(CMD("HELLO 2 AUTH default wrong"));
    harness_expect_error(CMD("AUTH a b c"), "ERR syntax error");
    harness_expect_status(CMD("MIGRATE 127.0.0.1 1 nokey 0 10 AUTH secret"), "NOKEY");
    harness_expect_status(CMD("MIGRATE 127.0.0.1 1 %s 0 10 COPY AUTH2 u p KEYS nokey", ""),
                          "NOKEY");
    harness_expect_error(CMD("MIGRATE 127.0.0.1 1 nokey 0 10 AUTH2 u p FOO AUTH x"),
                         "ERR syntax error");
    redisReply *r = slowlog_all();
    ck_assert_uint_eq(r->elements, 10);
    expect_args(r->element[0],
                (const char *const[]){"MIGRATE", "127.0.0.1", "1", "nokey", "0", "10", "AUTH2",
                                      "(redacted)", "(redacted)", "FOO", "AUTH", "x", NULL});
    expect_args(r->element[1],
                (const char *const[]){"MIGRATE", "127.0.0.1", "1", "", "0", "10", "COPY", "AUTH2",
                                      "(redacted)", "(redacted)", "KEYS", "nokey", NULL});
    expect_args(r->element[2], (const char *const[]){"MIGRATE", "127.0.0.1", "1", "nokey", "0",
                                                      "10", "AUTH", "(redacted)", NULL});
    expect_args(r->element[3], (const char *const[]){"AUTH", "a", "b", "c", NULL});
    expect_args(r->element[4],
                (const char *const[]){"HELLO", "2", "AUTH", "(redacted)", "(redacted)", NULL});
    expect_args(r->element[5],
                (const char *const[]){"CONFIG", "SET", "masteruser", "(redacted)", NULL});
    expect_args(r->element[6], (const char *const[]){"CONFIG", "SET", "maxmemory", "0",
                                                      "masterauth", "(redacted)", NULL});
    expect_args(r->element[7], (const char *const[]){"ACL", "SETUSER", "(redacted)", "(redacted)",
                                                      "(redacted)", "(redacted)", NULL});
    expect_args(r->element[8],
                (const char *const[]){"ACL", "SETUSER", "(redacted)", "(redacted)", NULL});
    freeReplyObject(r);
    EXPECT_OK("CONFIG SET masteruser %s masterauth %s", "", "");
    EXPECT_OK("CONFIG SET slowlog-log-slower-than 10000");
}
END_TEST

/* A command that blocked is logged once it is served, after the command
 * that served it and with its own arguments (as Redis's
 * updateStatsOnUnblock logs it); one that times out is not logged. */
START_TEST(a_blocked_command_is_logged_when_served)
{
    EXPECT_OK("CONFIG SET slowlog-log-slower-than 0");
    redisContext *waiter = harness_connect(&harness_srv);
    EXPECT_OK("SLOWLOG RESET");
    harness_send_only(waiter, "BLPOP l 0");
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1);
    harness_expect_int(CMD("RPUSH l x"), 1);
    redisReply *r = harness_read_reply(waiter);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    r = slowlog_all(); /* newest first: BLPOP, RPUSH, the INFOs that waited, RESET */
    ck_assert_uint_ge(r->elements, 3);
    expect_args(r->element[0], (const char *const[]){"BLPOP", "l", "0", NULL});
    expect_args(r->element[1], (const char *const[]){"RPUSH", "l", "x", NULL});
    freeReplyObject(r);
    EXPECT_OK("SLOWLOG RESET");
    r = harness_cmd(waiter, "BLPOP l 0.01");
    ck_assert_int_eq(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    harness_expect_int(CMD("SLOWLOG LEN"), 1); /* the RESET */
    redisFree(waiter);
    EXPECT_OK("CONFIG SET slowlog-log-slower-than 10000");
}
END_TEST

START_TEST(more_than_32_arguments_end_with_a_count)
{
    EXPECT_OK("CONFIG SET slowlog-log-slower-than 0");
    EXPECT_OK("SLOWLOG RESET");
    harness_expect_int(CMD("RPUSH l 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 "
                           "24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40"),
                       40);
    redisReply *r = CMD("SLOWLOG GET 1");
    const redisReply *args = r->element[0]->element[3];
    ck_assert_uint_eq(args->elements, 32);
    ck_assert_str_eq(args->element[30]->str, "29");
    ck_assert_str_eq(args->element[31]->str, "... (11 more arguments)");
    freeReplyObject(r);
    EXPECT_OK("CONFIG SET slowlog-log-slower-than 10000");
}
END_TEST

/* EXEC is not logged, the commands it ran are; the length is bounded. */
START_TEST(exec_length_bound_and_reset)
{
    EXPECT_OK("CONFIG SET slowlog-log-slower-than 0");
    EXPECT_OK("SLOWLOG RESET");
    EXPECT_OK("MULTI");
    EXPECT_STATUS("QUEUED", "SET a 1");
    freeReplyObject(CMD("EXEC"));
    redisReply *r = CMD("SLOWLOG GET 2");
    expect_args(r->element[0], (const char *const[]){"SET", "a", "1", NULL});
    expect_args(r->element[1], (const char *const[]){"MULTI", NULL});
    freeReplyObject(r);
    /* Past the ring's first allocation: every entry kept, newest first. */
    EXPECT_OK("SLOWLOG RESET");
    for (int i = 0; i < 40; i++)
        EXPECT_STATUS("PONG", "PING");
    redisReply *all = slowlog_all();
    ck_assert_uint_eq(all->elements, 41); /* the RESET, then 40 PINGs */
    for (size_t i = 1; i < all->elements; i++)
        ck_assert_int_eq(all->element[i - 1]->element[0]->integer,
                         all->element[i]->element[0]->integer + 1);
    freeReplyObject(all);
    EXPECT_OK("CONFIG SET slowlog-max-len 3");
    for (int i = 0; i < 5; i++)
        EXPECT_STATUS("PONG", "PING");
    harness_expect_int(CMD("SLOWLOG LEN"), 3);
    EXPECT_OK("SLOWLOG RESET");
    harness_expect_int(CMD("SLOWLOG LEN"), 1); /* the RESET itself, once it ran */
    harness_expect_error(CMD("SLOWLOG GET -2"), "ERR count should be greater than or equal to -1");
    EXPECT_OK("CONFIG SET slowlog-log-slower-than -1");
    EXPECT_OK("SLOWLOG RESET");
    EXPECT_STATUS("PONG", "PING");
    harness_expect_int(CMD("SLOWLOG LEN"), 0);
    EXPECT_OK("CONFIG SET slowlog-log-slower-than 10000");
    EXPECT_OK("CONFIG SET slowlog-max-len 128");
}
END_TEST

/* At the default threshold only what ran 10 ms or more is logged. */
START_TEST(the_threshold_is_in_microseconds)
{
    EXPECT_OK("SLOWLOG RESET");
    EXPECT_STATUS("PONG", "PING");
    EXPECT_OK("DEBUG SLEEP 0.02");
    redisReply *r = slowlog_all();
    ck_assert_uint_eq(r->elements, 1);
    expect_args(r->element[0], (const char *const[]){"DEBUG", "SLEEP", "0.02", NULL});
    ck_assert_int_ge(r->element[0]->element[2]->integer, 20000);
    freeReplyObject(r);
}
END_TEST

static void start_with_debug(void)
{
    static const char *const args[] = {"--enable-debug-command", "yes", NULL};
    harness_start(&harness_srv, args);
}

int main(void)
{
    Suite *s = suite_create("slowlog");
    TCase *tc = harness_server_case("slowlog", start_with_debug, NULL);
    tcase_add_test(tc, entries_look_as_in_redis);
    tcase_add_test(tc, sensitive_arguments_are_redacted);
    tcase_add_test(tc, a_blocked_command_is_logged_when_served);
    tcase_add_test(tc, more_than_32_arguments_end_with_a_count);
    tcase_add_test(tc, exec_length_bound_and_reset);
    tcase_add_test(tc, the_threshold_is_in_microseconds);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
