/*
 * check_tracking.c - client-side caching end to end against a real
 * grove-server: CLIENT TRACKING (standard, BCAST, OPTIN/OPTOUT, NOLOOP,
 * REDIRECT), CLIENT CACHING, GETREDIR, TRACKINGINFO, CLIENT LIST's flags,
 * INFO's figures, and the invalidations: RESP3 pushes after the reply of
 * the command that caused them (MULTI/EXEC, scripts), pub/sub messages to
 * a RESP2 redirect client, tracking-redir-broken, FLUSH nulls, expiry,
 * tracking-table-max-keys, writers on another worker loop, RESET.
 *
 * Expected bytes were taken from redis-server 7.0.15.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* The push [invalidate, [k]] for a one-character key k. */
#define PUSH_INVALIDATE(k) ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\n" k "\r\n"
#define ERR_SWITCH_BCAST                                                                     \
    "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, " \
    "and then re-enabling it with a different mode.\r\n"

/* ---- helpers ------------------------------------------------------------------ */

/* A push [invalidate, [key]] for one key. */
static const char *invalidate_push(const char *key)
{
    static char buf[256];
    snprintf(buf, sizeof(buf), ">2\r\n$10\r\ninvalidate\r\n*1\r\n$%zu\r\n%s\r\n", strlen(key),
             key);
    return buf;
}

/* The pub/sub message a RESP2 redirect client gets for one key. */
static const char *invalidate_message(const char *key)
{
    static char buf[256];
    snprintf(buf, sizeof(buf),
             "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$%zu\r\n%s\r\n",
             strlen(key), key);
    return buf;
}

static long long client_id(int fd)
{
    char buf[64];
    harness_raw_send_line(fd, "CLIENT ID");
    size_t got = harness_raw_recv(fd, buf, sizeof(buf), 3);
    while (got < sizeof(buf) - 1 && strstr(buf, "\r\n") == NULL)
        got += harness_raw_recv(fd, buf + got, sizeof(buf) - got, 1);
    return atoll(buf + 1);
}

/* A RESP2 connection subscribed to __redis__:invalidate; its id in *id. */
static int redirect_client(const struct grove_server *s, long long *id)
{
    int fd = harness_raw_connect(s);
    *id = client_id(fd);
    harness_raw_expect(fd, "SUBSCRIBE __redis__:invalidate",
                       "*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n");
    return fd;
}

/* CLIENT TRACKING on REDIRECT id, then `more` options; expect +OK. */
static void track_redirected(int fd, long long id, const char *more)
{
    char line[256];
    snprintf(line, sizeof(line), "CLIENT TRACKING on REDIRECT %lld %s", id, more);
    harness_raw_expect(fd, line, "+OK\r\n");
}

/* ---- options and introspection --------------------------------------------------- */

START_TEST(tracking_options_are_checked_as_redis)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int fd = harness_raw_connect(&s);
    harness_raw_expect(fd, "CLIENT TRACKING on REDIRECT 999999",
                       "-ERR The client ID you want redirect to does not exist\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on REDIRECT x",
                       "-ERR value is not an integer or out of range\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on PREFIX a",
                       "-ERR PREFIX option requires BCAST mode to be enabled\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on OPTIN OPTOUT",
                       "-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on BCAST OPTIN",
                       "-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING maybe", "-ERR syntax error\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on PREFIX", "-ERR syntax error\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING",
                       "-ERR wrong number of arguments for 'client|tracking' command\r\n");
    harness_raw_expect(fd, "CLIENT CACHING yes",
                       "-ERR CLIENT CACHING can be called only when the client is in tracking "
                       "mode with OPTIN or OPTOUT mode enabled\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on OPTIN", "+OK\r\n");
    harness_raw_expect(fd, "CLIENT CACHING no",
                       "-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT "
                       "mode.\r\n");
    harness_raw_expect(fd, "CLIENT CACHING maybe", "-ERR syntax error\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on OPTOUT",
                       "-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for "
                       "this client, and then re-enabling it with a different mode.\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on BCAST", ERR_SWITCH_BCAST);
    harness_raw_expect(fd, "CLIENT TRACKING off", "+OK\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on BCAST PREFIX a", "+OK\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on BCAST PREFIX ab",
                       "-ERR Prefix 'ab' overlaps with an existing prefix 'a'. Prefixes for a "
                       "single client must not overlap.\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on BCAST PREFIX x PREFIX xy",
                       "-ERR Prefix 'x' overlaps with another provided prefix 'xy'. Prefixes "
                       "for a single client must not overlap.\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on", ERR_SWITCH_BCAST);
    close(fd);
    harness_stop(&s);
}
END_TEST

START_TEST(trackinginfo_getredir_and_client_list_show_the_state)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int fd = harness_raw_connect(&s);
    harness_raw_expect(fd, "CLIENT TRACKINGINFO",
                       "*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n"
                       "$8\r\nprefixes\r\n*0\r\n");
    harness_raw_expect(fd, "CLIENT GETREDIR", ":-1\r\n");
    harness_raw_expect(fd, "CLIENT TRACKING on BCAST PREFIX foo PREFIX bar NOLOOP", "+OK\r\n");
    harness_raw_expect(fd, "CLIENT TRACKINGINFO",
                       "*6\r\n$5\r\nflags\r\n*3\r\n$2\r\non\r\n$5\r\nbcast\r\n$6\r\nnoloop\r\n"
                       "$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*2\r\n$3\r\nbar\r\n"
                       "$3\r\nfoo\r\n");
    harness_raw_expect(fd, "CLIENT GETREDIR", ":0\r\n");
    redisContext *c = harness_connect(&s);
    redisReply *r = harness_cmd(c, "CLIENT LIST");
    ck_assert_ptr_nonnull(strstr(r->str, "flags=tB "));
    ck_assert_ptr_nonnull(strstr(r->str, "redir=0 "));
    freeReplyObject(r);
    ck_assert_int_eq(harness_info_ll(c, "stats", "tracking_total_prefixes"), 2);
    ck_assert_int_eq(harness_info_ll(c, "clients", "tracking_clients"), 1);
    harness_raw_expect(fd, "CLIENT TRACKING off", "+OK\r\n");
    close(fd);
    ck_assert_int_eq(harness_info_ll(c, "stats", "tracking_total_prefixes"), 0);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

START_TEST(optin_caches_only_after_caching_yes)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int fd = harness_resp3_connect(&s);
    redisContext *w = harness_connect(&s);
    harness_cmd_ok(w, "MSET a 1 b 2");
    harness_raw_expect(fd, "CLIENT TRACKING on OPTIN", "+OK\r\n");
    harness_raw_expect(fd, "GET a", "$1\r\n1\r\n");
    harness_raw_expect(fd, "CLIENT CACHING yes", "+OK\r\n");
    harness_raw_expect(fd, "GET b", "$1\r\n2\r\n");
    harness_cmd_ok(w, "MSET a 3 b 4");
    harness_raw_expect(fd, "PING", ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nb\r\n+PONG\r\n");
    ck_assert_int_eq(harness_info_ll(w, "stats", "tracking_total_keys"), 0);
    close(fd);
    redisFree(w);
    harness_stop(&s);
}
END_TEST

/* ---- invalidations ---------------------------------------------------------------- */

START_TEST(own_write_is_invalidated_after_its_reply)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int fd = harness_resp3_connect(&s);
    harness_raw_expect(fd, "CLIENT TRACKING on", "+OK\r\n");
    harness_raw_expect(fd, "SET k 1", "+OK\r\n");
    harness_raw_expect(fd, "GET k", "$1\r\n1\r\n");
    harness_raw_expect(fd, "SET k 2", "+OK\r\n" PUSH_INVALIDATE("k"));
    harness_raw_expect(fd, "GET k", "$1\r\n2\r\n");
    harness_raw_expect(fd, "MULTI", "+OK\r\n");
    harness_raw_expect(fd, "SET k 3", "+QUEUED\r\n");
    harness_raw_expect(fd, "GET k", "+QUEUED\r\n");
    harness_raw_expect(fd, "EXEC", "*2\r\n+OK\r\n$1\r\n3\r\n" PUSH_INVALIDATE("k"));
    harness_raw_expect(fd, "EVAL 'return redis.call(\"set\", KEYS[1], \"4\")' 1 k",
                       "+OK\r\n" PUSH_INVALIDATE("k"));
    harness_raw_expect(fd, "FLUSHALL", "+OK\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n");
    close(fd);
    harness_stop(&s);
}
END_TEST

/* One loop: another loop's invalidation travels through a queue and may
 * come after the PING's reply (writers_on_another_loop_invalidate_readers
 * covers that path). */
START_TEST(noloop_drops_own_writes_only)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "1", NULL});
    int fd = harness_resp3_connect(&s);
    redisContext *w = harness_connect(&s);
    harness_raw_expect(fd, "CLIENT TRACKING on NOLOOP", "+OK\r\n");
    harness_raw_expect(fd, "MGET a b", "*2\r\n_\r\n_\r\n");
    harness_raw_expect(fd, "SET a 1", "+OK\r\n");
    harness_cmd_ok(w, "SET b 1");
    harness_raw_expect(fd, "PING", ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nb\r\n+PONG\r\n");
    close(fd);
    redisFree(w);
    harness_stop(&s);
}
END_TEST

START_TEST(writers_on_another_loop_invalidate_readers)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    enum { READERS = 6 };
    int fds[READERS];
    for (int i = 0; i < READERS; i++) {
        fds[i] = harness_resp3_connect(&s);
        harness_raw_expect(fds[i], "CLIENT TRACKING on", "+OK\r\n");
        harness_raw_expect(fds[i], "GET shared", "_\r\n");
    }
    redisContext *w = harness_connect(&s);
    ck_assert_int_eq(harness_info_ll(w, "stats", "tracking_total_items"), READERS);
    harness_cmd_ok(w, "SET shared v");
    for (int i = 0; i < READERS; i++)
        harness_raw_expect_arrives(fds[i], invalidate_push("shared"));
    ck_assert_int_eq(harness_info_ll(w, "stats", "tracking_total_keys"), 0);
    for (int i = 0; i < READERS; i++)
        close(fds[i]);
    redisFree(w);
    harness_stop(&s);
}
END_TEST

/* A write on another loop posts its invalidations before its reply
 * leaves, so a reader's next request must find them first, even when the
 * poll reports the reader's socket before the loop's wakeup: here the
 * wakeups never come (GROVE_FAULTS), and the request alone must bring
 * them. With 8 readers on 2 loops, some are on the writer's other loop. */
START_TEST(invalidations_from_another_loop_precede_next_reply)
{
    struct grove_server s;
    setenv("GROVE_FAULTS", "wakeup-skip=1", 1);
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    unsetenv("GROVE_FAULTS");
    enum { READERS = 8 };
    int fds[READERS];
    for (int i = 0; i < READERS; i++) {
        fds[i] = harness_resp3_connect(&s);
        harness_raw_expect(fds[i], "CLIENT TRACKING on", "+OK\r\n");
        harness_raw_expect(fds[i], "GET k", "_\r\n");
    }
    redisContext *w = harness_connect(&s);
    harness_cmd_ok(w, "SET k v");
    for (int i = 0; i < READERS; i++) {
        harness_raw_expect(fds[i], "PING", PUSH_INVALIDATE("k") "+PONG\r\n");
        close(fds[i]);
    }
    redisFree(w);
    harness_stop(&s);
}
END_TEST

START_TEST(resp2_redirect_client_gets_pubsub_messages)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    long long rid;
    int redir = redirect_client(&s, &rid);
    int fd = harness_raw_connect(&s);
    track_redirected(fd, rid, "");
    harness_raw_expect(fd, "GET k", "$-1\r\n");
    harness_raw_expect(fd, "SET k 1", "+OK\r\n");
    harness_raw_expect_arrives(redir, invalidate_message("k"));
    harness_raw_expect(fd, "GET k", "$1\r\n1\r\n");
    redisContext *w = harness_connect(&s);
    harness_cmd_ok(w, "FLUSHDB");
    harness_raw_expect_arrives(redir, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n");
    redisReply *r = harness_cmd(w, "CLIENT LIST");
    char want[64];
    snprintf(want, sizeof(want), "flags=t db=0");
    ck_assert_ptr_nonnull(strstr(r->str, want));
    snprintf(want, sizeof(want), "redir=%lld ", rid);
    ck_assert_ptr_nonnull(strstr(r->str, want));
    freeReplyObject(r);
    close(fd);
    close(redir);
    redisFree(w);
    harness_stop(&s);
}
END_TEST

START_TEST(gone_redirect_client_is_reported_broken)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    long long rid;
    int redir = redirect_client(&s, &rid);
    int fd = harness_resp3_connect(&s);
    track_redirected(fd, rid, "");
    harness_raw_expect(fd, "GET k", "_\r\n");
    close(redir);
    redisContext *w = harness_connect(&s);
    HARNESS_WAIT_FOR(harness_info_ll(w, "clients", "connected_clients") == 2,
                     "the redirect client is gone");
    harness_cmd_ok(w, "SET k 1");
    char want[128];
    snprintf(want, sizeof(want), ">2\r\n$21\r\ntracking-redir-broken\r\n:%lld\r\n", rid);
    harness_raw_expect_arrives(fd, want);
    snprintf(want, sizeof(want),
             "%%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n"
             "$8\r\nredirect\r\n:%lld\r\n$8\r\nprefixes\r\n*0\r\n",
             rid);
    harness_raw_expect(fd, "CLIENT TRACKINGINFO", want);
    close(fd);
    redisFree(w);
    harness_stop(&s);
}
END_TEST

START_TEST(bcast_sends_one_sorted_array_per_prefix)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    long long rid;
    int redir = redirect_client(&s, &rid);
    int fd = harness_raw_connect(&s);
    track_redirected(fd, rid, "BCAST PREFIX k PREFIX j");
    redisContext *w = harness_connect(&s);
    harness_cmd_ok(w, "MSET k2 1 j1 2 k1 3 x 1");
    harness_raw_expect_arrives(redir, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$2\r\nj1\r\n"
                          "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*2\r\n"
                          "$2\r\nk1\r\n$2\r\nk2\r\n");
    harness_cmd_ok(w, "SET kx 1 PX 1");
    harness_raw_expect_arrives(redir, invalidate_message("kx"));
    harness_raw_expect_arrives(redir, invalidate_message("kx")); /* and when it expires */
    close(fd);
    close(redir);
    redisFree(w);
    harness_stop(&s);
}
END_TEST

START_TEST(blocked_client_gets_its_invalidation_after_its_reply)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    int fd = harness_resp3_connect(&s);
    harness_raw_expect(fd, "CLIENT TRACKING on", "+OK\r\n");
    harness_raw_expect(fd, "RPUSH l2 a", ":1\r\n");
    harness_raw_expect(fd, "LRANGE l2 0 -1", "*1\r\n$1\r\na\r\n");
    harness_raw_send_line(fd, "BLMOVE l1 l2 LEFT LEFT 0");
    redisContext *w = harness_connect(&s);
    HARNESS_WAIT_FOR(harness_info_ll(w, "clients", "blocked_clients") == 1, "BLMOVE blocks");
    ck_assert_int_eq(harness_cmd_int(w, "RPUSH l1 foo"), 1);
    harness_raw_expect_arrives(fd, "$3\r\nfoo\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nl2\r\n");
    close(fd);
    redisFree(w);
    harness_stop(&s);
}
END_TEST

START_TEST(table_over_max_keys_evicts_with_invalidations)
{
    struct grove_server s;
    harness_start(&s, NULL);
    long long rid;
    int redir = redirect_client(&s, &rid);
    int fd = harness_raw_connect(&s);
    track_redirected(fd, rid, "");
    harness_raw_expect(fd, "MGET a b c", "*3\r\n$-1\r\n$-1\r\n$-1\r\n");
    redisContext *w = harness_connect(&s);
    ck_assert_int_eq(harness_info_ll(w, "stats", "tracking_total_keys"), 3);
    harness_cmd_ok(w, "CONFIG SET tracking-table-max-keys 1");
    redisReader *reader = redisReaderCreate();
    for (int i = 0; i < 2; i++) {
        redisReply *m = harness_raw_reply(redir, reader);
        ck_assert_ptr_nonnull(m);
        ck_assert_str_eq(m->element[1]->str, "__redis__:invalidate");
        freeReplyObject(m);
    }
    redisReaderFree(reader);
    ck_assert_int_eq(harness_info_ll(w, "stats", "tracking_total_keys"), 1);
    close(fd);
    close(redir);
    redisFree(w);
    harness_stop(&s);
}
END_TEST

START_TEST(reset_and_disconnect_turn_tracking_off)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int fd = harness_resp3_connect(&s);
    redisContext *w = harness_connect(&s);
    harness_raw_expect(fd, "CLIENT TRACKING on BCAST", "+OK\r\n");
    harness_raw_send_line(fd, "HELLO 2"); /* keeps tracking on, as Redis 7.0 */
    redisReader *reader = redisReaderCreate();
    redisReply *hello = harness_raw_reply(fd, reader);
    ck_assert_ptr_nonnull(hello);
    freeReplyObject(hello);
    redisReaderFree(reader);
    ck_assert_int_eq(harness_info_ll(w, "clients", "tracking_clients"), 1);
    harness_raw_expect(fd, "RESET", "+RESET\r\n");
    ck_assert_int_eq(harness_info_ll(w, "clients", "tracking_clients"), 0);
    ck_assert_int_eq(harness_info_ll(w, "stats", "tracking_total_prefixes"), 0);
    harness_raw_expect(fd, "CLIENT TRACKING on", "+OK\r\n");
    close(fd);
    harness_wait_info_ll(w, "clients", "tracking_clients", 0);
    redisFree(w);
    harness_stop(&s);
}
END_TEST

static Suite *tracking_suite(void)
{
    Suite *s = suite_create("tracking");
    TCase *options = tcase_create("options");
    tcase_add_test(options, tracking_options_are_checked_as_redis);
    tcase_add_test(options, trackinginfo_getredir_and_client_list_show_the_state);
    tcase_add_test(options, optin_caches_only_after_caching_yes);
    tcase_add_test(options, reset_and_disconnect_turn_tracking_off);
    suite_add_tcase(s, options);
    TCase *invalidation = tcase_create("invalidation");
    tcase_set_timeout(invalidation, 30);
    tcase_add_test(invalidation, own_write_is_invalidated_after_its_reply);
    tcase_add_test(invalidation, noloop_drops_own_writes_only);
    tcase_add_test(invalidation, writers_on_another_loop_invalidate_readers);
    tcase_add_test(invalidation, invalidations_from_another_loop_precede_next_reply);
    tcase_add_test(invalidation, resp2_redirect_client_gets_pubsub_messages);
    tcase_add_test(invalidation, gone_redirect_client_is_reported_broken);
    tcase_add_test(invalidation, bcast_sends_one_sorted_array_per_prefix);
    tcase_add_test(invalidation, blocked_client_gets_its_invalidation_after_its_reply);
    tcase_add_test(invalidation, table_over_max_keys_evicts_with_invalidations);
    suite_add_tcase(s, invalidation);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tracking_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
