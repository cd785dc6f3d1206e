/*
 * check_timeout.c - the idle-client timeout (`timeout N`) against a real
 * grove-server: a client idle for more than N seconds is closed, one that
 * keeps talking is not, CONFIG SET timeout reaches the connections already
 * open, `timeout 0` never closes anyone, and (as in Redis, whose
 * clientsCronHandleTimeout skips CLIENT_PUBSUB) a subscribed client, which
 * only listens, is never closed for being idle.
 *
 * Time: the server sweeps idle clients about once a second, so these tests
 * wait on conditions with generous deadlines and never assert that
 * something happened quickly; the only bounds asserted are lower ones (a
 * client is not closed before it was idle long enough), which a slow
 * machine cannot break. Behaviour checked against redis-server 7.0.15.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define CLOSE_DEADLINE_MS 30000 /* a slow machine's sweep, many times over */
#define PING_EVERY_US 50000
#define QUIET_MS 2500 /* more than two sweeps: long enough to be closed if it were */

/* ---- helpers -------------------------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Has the server closed `fd` (EOF or reset) within `ms`? Bytes that arrive
 * meanwhile are read and dropped. 0 ms asks whether it is closed now. */
static bool closed_within(int fd, long long ms)
{
    long long deadline = now_ms() + ms;
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left > 0 ? (int)left : 0) <= 0)
            return false;
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return true;
        if (n < 0 && errno != EINTR)
            return false;
    }
}

/* Keep `active` talking until the server closes `idle` (the test fails if
 * `active` is closed meanwhile, or if `idle` is still open at the deadline). */
static void ping_until_closed(redisContext *active, int idle)
{
    long long start = now_ms();
    while (!closed_within(idle, 0)) {
        ck_assert_msg(now_ms() - start < CLOSE_DEADLINE_MS, "the idle client was never closed");
        harness_expect_status(harness_cmd(active, "PING"), "PONG");
        usleep(PING_EVERY_US);
    }
}

static int subscribe(const struct grove_server *s, const char *channel)
{
    int fd = harness_raw_connect(s);
    char cmd[128], reply[128];
    snprintf(cmd, sizeof(cmd), "SUBSCRIBE %s\r\n", channel);
    snprintf(reply, sizeof(reply), "*3\r\n$9\r\nsubscribe\r\n$%zu\r\n%s\r\n:1\r\n",
             strlen(channel), channel);
    harness_raw_roundtrip(fd, cmd, reply);
    return fd;
}

/* ---- tests -------------------------------------------------------------------------- */

START_TEST(idle_client_is_closed_and_active_one_is_not)
{
    static const char *const args[] = {"--timeout", "2", "--threads", "2", NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *active = harness_connect(&s);
    long long connected = now_ms(); /* no later than the server's accept */
    int idle = harness_raw_connect(&s);
    harness_wait_info_ll(active, "clients", "connected_clients", 2);
    ping_until_closed(active, idle);
    /* Not before it had been idle for the whole timeout (less a margin:
     * the server reads another clock). */
    long long took = now_ms() - connected;
    ck_assert_msg(took >= 1500, "closed after %lld ms of a 2 s timeout", took);
    /* The active client talked for longer than the timeout and is served. */
    harness_expect_status(harness_cmd(active, "PING"), "PONG");
    harness_wait_info_ll(active, "clients", "connected_clients", 1);
    close(idle);
    redisFree(active);
    harness_stop(&s);
}
END_TEST

/* One server for both: CONFIG SET timeout 1 closes a client that was
 * already idle, and setting it back to 0 leaves idle clients alone. */
START_TEST(config_set_timeout_reaches_open_connections_and_0_never_closes)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int early = harness_raw_connect(&s);
    redisContext *ctl = harness_connect(&s);
    harness_expect_status(harness_cmd(ctl, "CONFIG SET timeout 1"), "OK");
    ping_until_closed(ctl, early);
    close(early);

    harness_expect_status(harness_cmd(ctl, "CONFIG SET timeout 0"), "OK");
    int idle = harness_raw_connect(&s);
    ck_assert_msg(!closed_within(idle, QUIET_MS), "closed with timeout 0");
    harness_raw_roundtrip(idle, "PING\r\n", "+PONG\r\n");
    harness_expect_status(harness_cmd(ctl, "PING"), "PONG"); /* idle too, and kept */
    close(idle);
    redisFree(ctl);
    harness_stop(&s);
}
END_TEST

/* One worker, so one sweep looks at both clients. The subscriber has been
 * idle longer than the client that gets closed, yet stays, and still
 * receives what is published. */
START_TEST(subscribed_client_is_not_closed_for_being_idle)
{
    static const char *const args[] = {"--timeout", "1", "--threads", "1", NULL};
    struct grove_server s;
    harness_start(&s, args);
    int sub = subscribe(&s, "news");
    int idle = harness_raw_connect(&s);
    ck_assert_msg(closed_within(idle, CLOSE_DEADLINE_MS), "the idle client was never closed");
    ck_assert_msg(!closed_within(sub, 0), "the subscriber was closed for being idle");
    redisContext *c = harness_connect(&s);
    redisReply *r = harness_cmd(c, "PUBLISH news hello");
    ck_assert_msg(r->type == REDIS_REPLY_INTEGER && r->integer == 1,
                  "no subscriber left: it was closed for being idle");
    freeReplyObject(r);
    char buf[128];
    const char *msg = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n";
    harness_raw_recv(sub, buf, sizeof(buf), strlen(msg));
    ck_assert_str_eq(buf, msg);
    redisFree(c);
    close(idle);
    close(sub);
    harness_stop(&s);
}
END_TEST

/* ---- the suite ---------------------------------------------------------------------- */

static Suite *timeout_suite(void)
{
    Suite *s = suite_create("timeout");
    TCase *tc = tcase_create("idle");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, idle_client_is_closed_and_active_one_is_not);
    tcase_add_test(tc, config_set_timeout_reaches_open_connections_and_0_never_closes);
    tcase_add_test(tc, subscribed_client_is_not_closed_for_being_idle);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(timeout_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
