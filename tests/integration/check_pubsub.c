/*
 * check_pubsub.c - publish/subscribe end to end against a real
 * grove-server: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH
 * and PUBSUB (and the sharded SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH), their
 * RESP2 and RESP3 bytes, the RESP2 subscribed mode,
 * delivery to subscribers on other worker loops, subscribers that vanish
 * while messages are on their way, RESET, INFO and CLIENT LIST counts.
 *
 * Expected bytes were taken from redis-server 7.0.15.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define ERR_SUBSCRIBED(cmd)                                                                  \
    "-ERR Can't execute '" cmd "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / " \
    "RESET are allowed in this context\r\n"

/* ---- helpers ------------------------------------------------------------------ */

/* Switch a raw connection to RESP3, consuming HELLO's reply. */
static void hello3(int fd)
{
    char buf[1024], expected[1024];
    harness_raw_send_line(fd, "CLIENT ID");
    size_t got = harness_raw_recv(fd, buf, sizeof(buf), 3);
    while (got < sizeof(buf) - 1 && strstr(buf, "\r\n") == NULL)
        got += harness_raw_recv(fd, buf + got, sizeof(buf) - got, 1);
    long long id = atoll(buf + 1);
    snprintf(expected, sizeof(expected),
             "%%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
             "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:%lld\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
             "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
             id);
    harness_raw_expect(fd, "HELLO 3", expected);
}

static long long numsub(redisContext *c, const char *channel)
{
    redisReply *r = harness_cmd(c, "PUBSUB NUMSUB %s", channel);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2);
    long long n = r->element[1]->integer;
    freeReplyObject(r);
    return n;
}

/* ---- RESP2 replies -------------------------------------------------------------- */

START_TEST(subscribe_and_unsubscribe_reply_as_redis_in_resp2)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int fd = harness_raw_connect(&s);
    harness_raw_expect(fd, "SUBSCRIBE a b",
           "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n");
    harness_raw_expect(fd, "SUBSCRIBE a", "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
    harness_raw_expect(fd, "PSUBSCRIBE x*", "*3\r\n$10\r\npsubscribe\r\n$2\r\nx*\r\n:3\r\n");
    harness_raw_expect(fd, "UNSUBSCRIBE a", "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n");
    harness_raw_expect(fd, "UNSUBSCRIBE", "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n");
    harness_raw_expect(fd, "UNSUBSCRIBE nope", "*3\r\n$11\r\nunsubscribe\r\n$4\r\nnope\r\n:1\r\n");
    harness_raw_expect(fd, "PUNSUBSCRIBE", "*3\r\n$12\r\npunsubscribe\r\n$2\r\nx*\r\n:0\r\n");
    harness_raw_expect(fd, "UNSUBSCRIBE", "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
    harness_raw_expect(fd, "PUNSUBSCRIBE", "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
    harness_raw_expect(fd, "PUNSUBSCRIBE z", "*3\r\n$12\r\npunsubscribe\r\n$1\r\nz\r\n:0\r\n");
    harness_raw_expect(fd, "PING", "+PONG\r\n"); /* no longer subscribed */
    close(fd);
    harness_stop(&s);
}
END_TEST

START_TEST(subscribed_resp2_client_may_only_run_pubsub_ping_quit_reset)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int fd = harness_raw_connect(&s);
    harness_raw_expect(fd, "SUBSCRIBE a", "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    harness_raw_expect(fd, "GET k", ERR_SUBSCRIBED("get"));
    harness_raw_expect(fd, "CLIENT LIST", ERR_SUBSCRIBED("client|list"));
    harness_raw_expect(fd, "MULTI", ERR_SUBSCRIBED("multi"));
    harness_raw_expect(fd, "PING", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    harness_raw_expect(fd, "PING hi", "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
    harness_raw_expect(fd, "PSUBSCRIBE *", "*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:2\r\n");
    harness_raw_expect(fd, "QUIT", "+OK\r\n");
    ck_assert(harness_raw_closed(fd));
    close(fd);
    harness_stop(&s);
}
END_TEST

START_TEST(reset_leaves_every_channel_and_pattern)
{
    struct grove_server s;
    harness_start(&s, NULL);
    redisContext *c = harness_connect(&s);
    int fd = harness_raw_connect(&s);
    harness_raw_expect(fd, "SUBSCRIBE a", "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    harness_raw_expect(fd, "PSUBSCRIBE a*", "*3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:2\r\n");
    harness_raw_expect(fd, "RESET", "+RESET\r\n");
    harness_raw_expect(fd, "GET k", "$-1\r\n");
    ck_assert_int_eq(numsub(c, "a"), 0);
    harness_expect_int(harness_cmd(c, "PUBSUB NUMPAT"), 0);
    harness_expect_int(harness_cmd(c, "PUBLISH a m"), 0);
    harness_raw_expect(fd, "SUBSCRIBE a", "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    close(fd);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* ---- RESP3 ------------------------------------------------------------------------ */

START_TEST(resp3_replies_and_messages_are_pushes)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int fd = harness_raw_connect(&s);
    hello3(fd);
    harness_raw_expect(fd, "SUBSCRIBE a", ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    harness_raw_expect(fd, "PSUBSCRIBE a*", ">3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:2\r\n");
    harness_raw_expect(fd, "GET k", "_\r\n"); /* RESP3 has no subscribed mode */
    harness_raw_expect(fd, "PING", "+PONG\r\n");
    harness_raw_expect(fd, "PUBLISH a m",
           ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nm\r\n"
           ">4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$1\r\nm\r\n:2\r\n");
    harness_raw_expect(fd, "UNSUBSCRIBE", ">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n");
    harness_raw_expect(fd, "PUNSUBSCRIBE", ">3\r\n$12\r\npunsubscribe\r\n$2\r\na*\r\n:0\r\n");
    harness_raw_expect(fd, "UNSUBSCRIBE", ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
    harness_raw_expect(fd, "PUBSUB NUMSUB a b", "*4\r\n$1\r\na\r\n:0\r\n$1\r\nb\r\n:0\r\n");
    close(fd);
    harness_stop(&s);
}
END_TEST

START_TEST(resp3_subscriber_on_another_connection_gets_pushes)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    int sub = harness_raw_connect(&s), pub = harness_raw_connect(&s);
    hello3(sub);
    harness_raw_expect(sub, "PSUBSCRIBE n?ws", ">3\r\n$10\r\npsubscribe\r\n$4\r\nn?ws\r\n:1\r\n");
    harness_raw_expect(pub, "PUBLISH news hi", ":1\r\n");
    harness_raw_expect_arrives(sub, ">4\r\n$8\r\npmessage\r\n$4\r\nn?ws\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
    close(sub);
    close(pub);
    harness_stop(&s);
}
END_TEST

/* CLIENT REPLY OFF holds back replies but not pushes: a subscriber still
 * gets its confirmations and messages, in RESP2 as in RESP3, and its other
 * replies stay dropped (redis-server 7.0.15 does the same). Each reply
 * expected first proves that nothing came before it. */
static void reply_off_subscriber(bool resp3)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    int sub = harness_raw_connect(&s), pub = harness_raw_connect(&s);
    const char *push = resp3 ? ">" : "*";
    char want[256];
    if (resp3)
        hello3(sub);
    harness_raw_send_line(sub, "CLIENT REPLY OFF");
    snprintf(want, sizeof(want), "%s3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", push);
    harness_raw_expect(sub, "SUBSCRIBE ch", want);
    harness_raw_send_line(sub, "PING");
    harness_raw_expect(pub, "PUBLISH ch hi", ":1\r\n");
    snprintf(want, sizeof(want), "%s3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", push);
    harness_raw_expect_arrives(sub, want);
    harness_raw_send_line(sub, "CLIENT REPLY SKIP"); /* refused in RESP2 subscribed mode */
    snprintf(want, sizeof(want), "%s3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n", push);
    harness_raw_expect(sub, "UNSUBSCRIBE", want);
    harness_raw_send_line(sub, "GET k");
    harness_raw_expect(sub, "CLIENT REPLY ON", "+OK\r\n");
    harness_raw_expect(sub, "PING", "+PONG\r\n");
    close(sub);
    close(pub);
    harness_stop(&s);
}

START_TEST(reply_off_subscriber_still_gets_pushes_resp2)
{
    reply_off_subscriber(false);
}
END_TEST

START_TEST(reply_off_subscriber_still_gets_pushes_resp3)
{
    reply_off_subscriber(true);
}
END_TEST

/* ---- PUBSUB ------------------------------------------------------------------------ */

START_TEST(pubsub_introspection_replies_as_redis)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int fd = harness_raw_connect(&s);
    harness_raw_expect(fd, "PUBSUB HELP",
           "*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
           "+CHANNELS [<pattern>]\r\n"
           "+    Return the currently active channels matching a <pattern> (default: '*').\r\n"
           "+NUMPAT\r\n+    Return number of subscriptions to patterns.\r\n"
           "+NUMSUB [<channel> ...]\r\n"
           "+    Return the number of subscribers for the specified channels, excluding\r\n"
           "+    pattern subscriptions(default: no channels).\r\n"
           "+SHARDCHANNELS [<pattern>]\r\n"
           "+    Return the currently active shard level channels matching a <pattern> "
           "(default: '*').\r\n"
           "+SHARDNUMSUB [<shardchannel> ...]\r\n"
           "+    Return the number of subscribers for the specified shard level channel(s)\r\n"
           "+HELP\r\n+    Prints this help.\r\n");
    harness_raw_expect(fd, "PUBSUB NUMPAT", ":0\r\n");
    harness_raw_expect(fd, "PUBSUB NUMSUB", "*0\r\n");
    harness_raw_expect(fd, "PUBSUB NUMSUB a b", "*4\r\n$1\r\na\r\n:0\r\n$1\r\nb\r\n:0\r\n");
    harness_raw_expect(fd, "PUBSUB CHANNELS", "*0\r\n");
    harness_raw_expect(fd, "PUBSUB", "-ERR wrong number of arguments for 'pubsub' command\r\n");
    harness_raw_expect(fd, "PUBSUB foo", "-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n");
    harness_raw_expect(fd, "SUBSCRIBE",
                       "-ERR wrong number of arguments for 'subscribe' command\r\n");
    harness_raw_expect(fd, "PUBLISH a", "-ERR wrong number of arguments for 'publish' command\r\n");
    harness_raw_expect(fd, "PUBSUB NUMPAT x",
                       "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n");
    harness_raw_expect(fd, "PUBSUB HELP x",
                       "-ERR wrong number of arguments for 'pubsub|help' command\r\n");
    harness_raw_expect(fd, "PUBSUB CHANNELS a b",
           "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. "
           "Try PUBSUB HELP.\r\n");
    harness_raw_expect(fd, "PUBLISH a b", ":0\r\n");
    close(fd);
    harness_stop(&s);
}
END_TEST

START_TEST(pubsub_counts_channels_subscribers_and_patterns)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    redisContext *c = harness_connect(&s);
    int a = harness_raw_connect(&s), b = harness_raw_connect(&s);
    harness_raw_expect(a, "SUBSCRIBE news sport",
           "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
           "*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n");
    harness_raw_expect(b, "SUBSCRIBE news", "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
    harness_raw_expect(b, "PSUBSCRIBE n* s*",
           "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:2\r\n"
           "*3\r\n$10\r\npsubscribe\r\n$2\r\ns*\r\n:3\r\n");
    harness_raw_expect(a, "PSUBSCRIBE n*", "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:3\r\n");

    ck_assert_int_eq(numsub(c, "news"), 2);
    ck_assert_int_eq(numsub(c, "sport"), 1);
    ck_assert_int_eq(numsub(c, "none"), 0);
    harness_expect_int(harness_cmd(c, "PUBSUB NUMPAT"), 2);
    redisReply *r = harness_cmd(c, "PUBSUB CHANNELS");
    ck_assert_uint_eq(r->elements, 2);
    freeReplyObject(r);
    r = harness_cmd(c, "PUBSUB CHANNELS n*");
    ck_assert_uint_eq(r->elements, 1);
    ck_assert_str_eq(r->element[0]->str, "news");
    freeReplyObject(r);
    ck_assert_int_eq(harness_info_ll(c, "stats", "pubsub_channels"), 2);
    ck_assert_int_eq(harness_info_ll(c, "stats", "pubsub_patterns"), 2);

    /* news: two channel subscribers and two n* subscriptions */
    harness_expect_int(harness_cmd(c, "PUBLISH news x"), 4);
    harness_expect_int(harness_cmd(c, "PUBLISH sport x"), 2);
    harness_expect_int(harness_cmd(c, "PUBLISH other x"), 0);
    close(a);
    close(b);
    harness_wait_info_ll(c, "stats", "pubsub_channels", 0);
    harness_wait_info_ll(c, "stats", "pubsub_patterns", 0);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

START_TEST(client_list_shows_subscription_counts)
{
    struct grove_server s;
    harness_start(&s, NULL);
    redisContext *c = harness_connect(&s);
    int fd = harness_raw_connect(&s);
    harness_raw_expect(fd, "SUBSCRIBE a b",
           "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n");
    harness_raw_expect(fd, "PSUBSCRIBE p*", "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n");
    redisReply *r = harness_cmd(c, "CLIENT LIST");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_ptr_nonnull(strstr(r->str, " flags=P db=0 sub=2 psub=1 ssub=0 "));
    ck_assert_ptr_nonnull(strstr(r->str, " flags=N db=0 sub=0 psub=0 ssub=0 "));
    freeReplyObject(r);
    close(fd);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* ---- delivery across loops ------------------------------------------------------------ */

#define NSUBS 16

START_TEST(messages_reach_subscribers_on_every_worker_loop)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    int subs[NSUBS];
    for (int i = 0; i < NSUBS; i++) {
        subs[i] = harness_raw_connect(&s);
        if (i % 2)
            harness_raw_expect(subs[i], "SUBSCRIBE ch",
                               "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
        else
            harness_raw_expect(subs[i], "PSUBSCRIBE c*",
                               "*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:1\r\n");
    }
    int pub = harness_raw_connect(&s);
    char buf[64];
    snprintf(buf, sizeof(buf), ":%d\r\n", NSUBS);
    for (int m = 0; m < 20; m++) /* several, to check they arrive in order */
        harness_raw_expect(pub, m % 2 ? "PUBLISH ch one" : "PUBLISH ch two", buf);
    for (int i = 0; i < NSUBS; i++) {
        char want[20 * 64];
        size_t used = 0;
        for (int m = 0; m < 20; m++) {
            const char *word = m % 2 ? "one" : "two";
            if (i % 2)
                used += (size_t)snprintf(want + used, sizeof(want) - used,
                                         "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\n%s\r\n", word);
            else
                used += (size_t)snprintf(want + used, sizeof(want) - used,
                                         "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n"
                                         "$3\r\n%s\r\n", word);
        }
        harness_raw_expect_arrives(subs[i], want);
        close(subs[i]);
    }
    close(pub);
    harness_stop(&s);
}
END_TEST

/* Subscribers disconnect while a stream of messages is addressed to them
 * (some of them already in another loop's queue): the server drops what
 * it cannot deliver and carries on. */
START_TEST(subscribers_that_disconnect_mid_stream_are_dropped_cleanly)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    redisContext *c = harness_connect(&s);
    int subs[NSUBS];
    for (int i = 0; i < NSUBS; i++) {
        subs[i] = harness_raw_connect(&s);
        harness_raw_expect(subs[i], "SUBSCRIBE ch",
                           "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    }
    int pub = harness_raw_connect(&s);
    for (int round = 0; round < 4; round++) {
        for (int m = 0; m < 500; m++)
            harness_raw_send_line(pub, "PUBLISH ch hello");
        for (int i = round * 4; i < round * 4 + 4; i++)
            close(subs[i]); /* unread messages pending, more on the way */
    }
    /* the publisher gets a reply (an integer line) for each of its 2000 */
    char buf[4096];
    int lines = 0;
    while (lines < 2000) {
        size_t got = harness_raw_recv(pub, buf, sizeof(buf), 1);
        ck_assert_uint_gt(got, 0);
        for (size_t i = 0; i < got; i++)
            lines += buf[i] == '\n';
    }
    ck_assert_int_eq(lines, 2000);
    harness_wait_info_ll(c, "stats", "pubsub_channels", 0);
    harness_expect_int(harness_cmd(c, "PUBLISH ch x"), 0);
    harness_expect_status(harness_cmd(c, "PING"), "PONG");
    close(pub);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* ---- sharded pub/sub ------------------------------------------------------------ */

START_TEST(shard_channels_are_a_namespace_of_their_own)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--threads", "2", NULL});
    redisContext *c = harness_connect(&s);
    int fd = harness_raw_connect(&s), other = harness_raw_connect(&s);
    harness_raw_expect(fd, "SSUBSCRIBE a b",
           "*3\r\n$10\r\nssubscribe\r\n$1\r\na\r\n:1\r\n"
           "*3\r\n$10\r\nssubscribe\r\n$1\r\nb\r\n:2\r\n");
    /* SUBSCRIBE counts channels and patterns only, SSUBSCRIBE shard channels only */
    harness_raw_expect(fd, "SUBSCRIBE a", "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    harness_raw_expect(fd, "SSUBSCRIBE c", "*3\r\n$10\r\nssubscribe\r\n$1\r\nc\r\n:3\r\n");
    harness_raw_expect(fd, "SPUBLISH a m", ERR_SUBSCRIBED("spublish"));
    harness_raw_expect(fd, "PUBSUB SHARDCHANNELS", ERR_SUBSCRIBED("pubsub|shardchannels"));
    harness_raw_expect(fd, "PING", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");

    harness_expect_int(harness_cmd(c, "SPUBLISH a hi"), 1);
    harness_raw_expect_arrives(fd, "*3\r\n$8\r\nsmessage\r\n$1\r\na\r\n$2\r\nhi\r\n");
    harness_expect_int(harness_cmd(c, "PUBLISH a hi"), 1);
    harness_raw_expect_arrives(fd, "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n");
    harness_expect_int(harness_cmd(c, "SPUBLISH z hi"), 0);

    harness_raw_expect(other, "PSUBSCRIBE *", "*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:1\r\n");
    harness_expect_int(harness_cmd(c, "SPUBLISH b x"), 1); /* patterns see no shard messages */
    harness_raw_expect_arrives(fd, "*3\r\n$8\r\nsmessage\r\n$1\r\nb\r\n$1\r\nx\r\n");

    redisReply *r = harness_cmd(c, "PUBSUB SHARDCHANNELS");
    ck_assert_uint_eq(r->elements, 3);
    freeReplyObject(r);
    r = harness_cmd(c, "PUBSUB SHARDNUMSUB a z");
    ck_assert_uint_eq(r->elements, 4);
    ck_assert_int_eq(r->element[1]->integer, 1);
    ck_assert_int_eq(r->element[3]->integer, 0);
    freeReplyObject(r);
    ck_assert_int_eq(harness_info_ll(c, "stats", "pubsubshard_channels"), 3);
    ck_assert_int_eq(numsub(c, "b"), 0);
    r = harness_cmd(c, "CLIENT LIST");
    ck_assert_ptr_nonnull(strstr(r->str, " flags=P db=0 sub=1 psub=0 ssub=3 "));
    freeReplyObject(r);

    harness_raw_expect(fd, "SUNSUBSCRIBE a", "*3\r\n$12\r\nsunsubscribe\r\n$1\r\na\r\n:2\r\n");
    harness_raw_expect(fd, "UNSUBSCRIBE", "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
    harness_raw_expect(fd, "SUNSUBSCRIBE b c",
           "*3\r\n$12\r\nsunsubscribe\r\n$1\r\nb\r\n:1\r\n"
           "*3\r\n$12\r\nsunsubscribe\r\n$1\r\nc\r\n:0\r\n");
    harness_raw_expect(fd, "SUNSUBSCRIBE", "*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n");
    harness_raw_expect(fd, "PING", "+PONG\r\n");
    ck_assert_int_eq(harness_info_ll(c, "stats", "pubsubshard_channels"), 0);
    close(fd);
    close(other);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

START_TEST(resp3_shard_messages_are_pushes)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int fd = harness_raw_connect(&s);
    hello3(fd);
    harness_raw_expect(fd, "SSUBSCRIBE a", ">3\r\n$10\r\nssubscribe\r\n$1\r\na\r\n:1\r\n");
    harness_raw_expect(fd, "SPUBLISH a m", ">3\r\n$8\r\nsmessage\r\n$1\r\na\r\n$1\r\nm\r\n:1\r\n");
    harness_raw_expect(fd, "SUNSUBSCRIBE", ">3\r\n$12\r\nsunsubscribe\r\n$1\r\na\r\n:0\r\n");
    harness_raw_expect(fd, "SUNSUBSCRIBE", ">3\r\n$12\r\nsunsubscribe\r\n_\r\n:0\r\n");
    close(fd);
    harness_stop(&s);
}
END_TEST

static Suite *pubsub_suite(void)
{
    Suite *s = suite_create("pubsub");

    TCase *replies = tcase_create("replies");
    tcase_add_test(replies, subscribe_and_unsubscribe_reply_as_redis_in_resp2);
    tcase_add_test(replies, subscribed_resp2_client_may_only_run_pubsub_ping_quit_reset);
    tcase_add_test(replies, reset_leaves_every_channel_and_pattern);
    tcase_add_test(replies, resp3_replies_and_messages_are_pushes);
    tcase_add_test(replies, resp3_subscriber_on_another_connection_gets_pushes);
    tcase_add_test(replies, reply_off_subscriber_still_gets_pushes_resp2);
    tcase_add_test(replies, reply_off_subscriber_still_gets_pushes_resp3);
    tcase_add_test(replies, pubsub_introspection_replies_as_redis);
    tcase_add_test(replies, pubsub_counts_channels_subscribers_and_patterns);
    tcase_add_test(replies, client_list_shows_subscription_counts);
    tcase_add_test(replies, shard_channels_are_a_namespace_of_their_own);
    tcase_add_test(replies, resp3_shard_messages_are_pushes);
    suite_add_tcase(s, replies);

    TCase *delivery = tcase_create("delivery");
    tcase_set_timeout(delivery, 120);
    tcase_add_test(delivery, messages_reach_subscribers_on_every_worker_loop);
    tcase_add_test(delivery, subscribers_that_disconnect_mid_stream_are_dropped_cleanly);
    suite_add_tcase(s, delivery);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pubsub_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
