/*
 * check_monitor.c - MONITOR end to end against a real grove-server: which
 * commands a monitor sees, in what order and how they are quoted, from
 * clients on every worker loop and from scripts; what a monitor may still
 * run; RESET and MULTI.
 *
 * Expected lines were taken from redis-server 7.0.15 running the same
 * commands (timestamps and client ports aside).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"

struct monitor {
    int fd;
    redisReader *reader;
};

static void monitor_start(struct monitor *m)
{
    m->fd = harness_raw_connect(&harness_srv);
    m->reader = redisReaderCreate();
    harness_raw_expect(m->fd, "MONITOR", "+OK\r\n");
}

static void monitor_stop(struct monitor *m)
{
    redisReaderFree(m->reader);
    close(m->fd);
}

/* The next line is `+<sec>.<usec> [<db> <who>] <args>`, `who` being "lua"
 * or, for "client", a 127.0.0.1 peer. */
static void expect_line(struct monitor *m, int db, const char *who, const char *args)
{
    redisReply *r = harness_raw_reply(m->fd, m->reader);
    ck_assert_msg(r != NULL, "no line for %s", args);
    ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
    long long sec;
    int usec, got_db, rest = 0;
    char got_who[64];
    ck_assert_msg(sscanf(r->str, "%lld.%6d [%d %63[^]]] %n", &sec, &usec, &got_db, got_who,
                         &rest) == 4 && rest > 0,
                  "malformed line %s", r->str);
    ck_assert_int_eq(got_db, db);
    if (strcmp(who, "lua") == 0)
        ck_assert_str_eq(got_who, "lua");
    else
        ck_assert_msg(strncmp(got_who, "127.0.0.1:", 10) == 0, "peer %s", got_who);
    ck_assert_str_eq(r->str + rest, args);
    freeReplyObject(r);
}

START_TEST(commands_of_every_loop_are_shown_once_they_ran)
{
    struct monitor m;
    monitor_start(&m);
    redisContext *other = harness_connect(&harness_srv);
    harness_cmd_ok(harness_ctx, "SET %s %s", "a b", "x\"y\n\x01\xc3\xa9");
    expect_line(&m, 0, "client", "\"SET\" \"a b\" \"x\\\"y\\n\\x01\\xc3\\xa9\"");
    harness_cmd_ok(other, "SELECT 3");
    freeReplyObject(harness_cmd(other, "GET z"));
    expect_line(&m, 3, "client", "\"SELECT\" \"3\"");
    expect_line(&m, 3, "client", "\"GET\" \"z\"");
    /* Administrative commands never show; a failed AUTH does, redacted. */
    freeReplyObject(harness_cmd(harness_ctx, "CONFIG GET maxmemory"));
    freeReplyObject(harness_cmd(harness_ctx, "AUTH secret"));
    freeReplyObject(harness_cmd(harness_ctx, "HELLO 2 AUTH default pw SETNAME n"));
    expect_line(&m, 0, "client", "\"AUTH\" \"(redacted)\"");
    expect_line(&m, 0, "client",
                "\"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\" \"SETNAME\" \"n\"");
    /* A script before its commands; a transaction's commands before EXEC. */
    freeReplyObject(harness_cmd(harness_ctx, "EVAL %s 0", "redis.call('set','k','v')"));
    expect_line(&m, 0, "client", "\"EVAL\" \"redis.call('set','k','v')\" \"0\"");
    expect_line(&m, 0, "lua", "\"set\" \"k\" \"v\"");
    harness_cmd_ok(other, "MULTI");
    harness_expect_status(harness_cmd(other, "INCR n"), "QUEUED");
    freeReplyObject(harness_cmd(other, "EXEC"));
    expect_line(&m, 3, "client", "\"MULTI\"");
    expect_line(&m, 3, "client", "\"INCR\" \"n\"");
    expect_line(&m, 3, "client", "\"EXEC\"");
    redisFree(other);
    monitor_stop(&m);
}
END_TEST

/* A blocking command shows when it blocks, not again when it is served. */
START_TEST(a_blocked_command_shows_once)
{
    struct monitor m;
    monitor_start(&m);
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_send_line(fd, "BLPOP q 0");
    expect_line(&m, 0, "client", "\"BLPOP\" \"q\" \"0\"");
    harness_expect_int(harness_cmd(harness_ctx, "RPUSH q x"), 1);
    expect_line(&m, 0, "client", "\"RPUSH\" \"q\" \"x\"");
    char buf[64];
    harness_raw_recv(fd, buf, sizeof(buf), strlen("*2\r\n$1\r\nq\r\n$1\r\nx\r\n"));
    freeReplyObject(harness_cmd(harness_ctx, "PING"));
    expect_line(&m, 0, "client", "\"PING\"");
    close(fd);
    monitor_stop(&m);
}
END_TEST

/* A monitor is a replica to Redis: no keyspace; a second MONITOR is
 * ignored without a reply; RESET ends it. */
START_TEST(a_monitor_may_not_touch_the_keyspace_until_reset)
{
    struct monitor m;
    monitor_start(&m);
    harness_raw_expect(m.fd, "GET k", "-ERR Replica can't interact with the keyspace\r\n");
    harness_raw_send_line(m.fd, "MONITOR");
    harness_raw_send_line(m.fd, "PING");
    redisReply *r = harness_raw_reply(m.fd, m.reader);
    harness_expect_status(r, "PONG");
    expect_line(&m, 0, "client", "\"PING\"");
    harness_raw_send_line(m.fd, "CLIENT INFO");
    r = harness_raw_reply(m.fd, m.reader);
    ck_assert_ptr_nonnull(strstr(r->str, " flags=O "));
    freeReplyObject(r);
    expect_line(&m, 0, "client", "\"CLIENT\" \"INFO\"");
    harness_raw_expect(m.fd, "RESET", "+RESET\r\n");
    harness_cmd_ok(harness_ctx, "SET k v");
    harness_raw_expect(m.fd, "GET k", "$1\r\nv\r\n");
    monitor_stop(&m);
}
END_TEST

START_TEST(monitor_inside_a_transaction_is_refused)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_expect(fd, "MULTI", "+OK\r\n");
    harness_raw_expect(fd, "MONITOR", "+QUEUED\r\n");
    harness_raw_expect(fd, "EXEC",
                       "*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n");
    harness_cmd_ok(harness_ctx, "SET k v"); /* nobody monitors: nothing is sent to fd */
    harness_raw_expect(fd, "PING", "+PONG\r\n");
    close(fd);
}
END_TEST

static Suite *monitor_suite(void)
{
    Suite *s = suite_create("monitor");
    TCase *tc = harness_server_case("monitor", NULL, NULL);
    tcase_add_test(tc, commands_of_every_loop_are_shown_once_they_ran);
    tcase_add_test(tc, a_blocked_command_shows_once);
    tcase_add_test(tc, a_monitor_may_not_touch_the_keyspace_until_reset);
    tcase_add_test(tc, monitor_inside_a_transaction_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(monitor_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
