/*
 * check_client_eviction.c - maxmemory-clients and CLIENT NO-EVICT end to
 * end (server/client_evict.c): clients over the limit are disconnected,
 * biggest first, on whichever loop they live; NO-EVICT clients and
 * replicas are not; evicted_clients counts them.
 *
 * The clients that grow do it with raw sockets: a request announcing a
 * bulk longer than what follows keeps its bytes in the query buffer (a
 * buffer of the bulk's size, as Redis allocates), a subscriber that does
 * not read keeps its messages in the output buffer. Every expected reply
 * and error text was taken from redis-server 7.0.15.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

#define KB 1024LL
#define MB (1024LL * 1024)

static void start_server(void)
{
    static const char *const args[] = {"--threads", "2", NULL};
    harness_start(&harness_srv, args);
}

/* Each test starts with eviction off, the control connection exempt from
 * it, and the count at zero. */
static void connect_control(void)
{
    harness_connect_and_flush();
    EXPECT_OK("CONFIG SET maxmemory-clients 0");
    EXPECT_OK("CONFIG SET maxmemory 0");
    EXPECT_OK("CONFIG SET client-output-buffer-limit %s", "normal 0 0 0");
    EXPECT_OK("CONFIG RESETSTAT");
    EXPECT_OK("CLIENT SETNAME control");
    EXPECT_OK("CLIENT NO-EVICT on");
}

/* ---- helpers ----------------------------------------------------------------------- */

/* Field `field` of the CLIENT LIST line of the client named `name`; -1
 * if no client has that name. */
static long long client_field(const char *name, const char *field)
{
    return harness_client_field(harness_ctx, name, field);
}

static bool client_exists(const char *name)
{
    return client_field(name, "age") >= 0;
}

static bool is_replica(const char *name)
{
    char want[80];
    snprintf(want, sizeof(want), " name=%s ", name);
    redisReply *r = CMD("CLIENT LIST TYPE replica");
    bool listed = strstr(r->str, want) != NULL;
    freeReplyObject(r);
    return listed;
}

static long long evicted_clients(void)
{
    return harness_info_ll(harness_ctx, "stats", "evicted_clients");
}

/* Send what the socket takes: the server may close it on us (eviction). */
static void send_best_effort(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

/* A raw client named `name` (NO-EVICT if `no_evict`) holding `bytes` of
 * an unfinished request in its query buffer; returns its socket once the
 * server has read them all or has evicted it. */
static int query_filler(const char *name, long long bytes, bool no_evict)
{
    int fd = harness_raw_connect(&harness_srv);
    char line[128];
    snprintf(line, sizeof(line), "CLIENT SETNAME %s", name);
    harness_raw_expect(fd, line, "+OK\r\n");
    if (no_evict)
        harness_raw_expect(fd, "CLIENT NO-EVICT on", "+OK\r\n");
    int n = snprintf(line, sizeof(line), "*1\r\n$%lld\r\n", bytes + 1); /* one byte short */
    send_best_effort(fd, line, (size_t)n);
    char *fill = malloc((size_t)bytes);
    memset(fill, 'v', (size_t)bytes);
    send_best_effort(fd, fill, (size_t)bytes);
    free(fill);
    HARNESS_WAIT_FOR(!client_exists(name) || client_field(name, "qbuf") >= bytes,
                     "%s never held its %lld bytes", name, bytes);
    return fd;
}

/* ---- eviction ---------------------------------------------------------------------- */

START_TEST(a_big_query_buffer_over_the_limit_is_evicted_and_counted)
{
    EXPECT_OK("CONFIG SET maxmemory-clients 1mb");
    int fd = query_filler("big", 2 * MB, false);
    ck_assert(!client_exists("big"));
    ck_assert(harness_raw_closed(fd));
    ck_assert_int_eq(evicted_clients(), 1);
    EXPECT_STATUS("PONG", "PING"); /* the exempt one goes on */
    close(fd);
}
END_TEST

START_TEST(a_client_under_the_limit_stays)
{
    EXPECT_OK("CONFIG SET maxmemory-clients 1mb");
    int fd = query_filler("small", 512 * KB, false);
    ck_assert(client_exists("small"));
    ck_assert_int_ge(client_field("small", "tot-mem"), 512 * KB);
    ck_assert_int_eq(evicted_clients(), 0);
    close(fd);
}
END_TEST

/* As Redis sizes a big argument's buffer: its own size, never doubled
 * for the last bytes of the bulk. */
START_TEST(a_big_argument_holds_a_buffer_of_its_own_size)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_expect(fd, "CLIENT SETNAME bulk", "+OK\r\n");
    char header[64];
    snprintf(header, sizeof(header), "*1\r\n$%lld\r\n", 3 * MB);
    harness_raw_send(fd, header, strlen(header));
    char *fill = malloc(3 * MB);
    memset(fill, 'v', 3 * MB);
    harness_raw_send(fd, fill, 3 * MB - 8 * KB);
    HARNESS_WAIT_FOR(client_field("bulk", "qbuf") == 3 * MB - 8 * KB, "the bulk never arrived");
    harness_raw_send(fd, fill, 4 * KB); /* read with less than a chunk left */
    HARNESS_WAIT_FOR(client_field("bulk", "qbuf") == 3 * MB - 4 * KB, "the tail never arrived");
    long long mem = client_field("bulk", "tot-mem");
    ck_assert_int_ge(mem, 3 * MB);
    ck_assert_int_lt(mem, 3 * MB + 64 * KB);
    free(fill);
    close(fd);
}
END_TEST

/* A client over its output buffer limit is closed by that limit: its
 * replies do not count, so nobody else is evicted for them (Redis's
 * "avoid client eviction when client is freed by output buffer limit"). */
START_TEST(a_client_closed_by_its_output_limit_evicts_nobody)
{
    EXPECT_OK("CONFIG SET client-output-buffer-limit %s", "normal 1mb 0 0");
    EXPECT_OK("CONFIG SET maxmemory-clients 3mb");
    EXPECT_INT(400 * KB + 1, "SETRANGE k %lld v", 400 * KB);
    int qbuf = query_filler("qbuf", 2560 * KB, false);
    int reader = harness_raw_connect(&harness_srv);
    int small = 4096;
    setsockopt(reader, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    harness_raw_expect(reader, "CLIENT SETNAME reader", "+OK\r\n");
    static const char gets[] = "GET k\r\nGET k\r\nGET k\r\nGET k\r\nGET k\r\n";
    harness_raw_send(reader, gets, strlen(gets)); /* 2 MB of replies, unread */
    ck_assert(harness_raw_closed(reader)); /* closed for its output */
    ck_assert(client_exists("qbuf"));
    ck_assert_int_eq(evicted_clients(), 0);
    close(reader);
    close(qbuf);
}
END_TEST

/* Redis's floor: a limit under 128 KB acts as 128 KB. */
START_TEST(a_tiny_limit_acts_as_128_kb)
{
    EXPECT_OK("CONFIG SET maxmemory-clients 1");
    int stays = query_filler("stays", 64 * KB, false);
    ck_assert(client_exists("stays"));
    int goes = query_filler("goes", 256 * KB, false);
    ck_assert(!client_exists("goes"));
    close(stays);
    close(goes);
}
END_TEST

START_TEST(a_transaction_queue_counts_and_gets_its_client_evicted)
{
    EXPECT_OK("CONFIG SET maxmemory-clients 1mb");
    redisContext *c = harness_connect(&harness_srv);
    harness_cmd_ok(c, "CLIENT SETNAME queuer");
    harness_cmd_ok(c, "MULTI");
    char *value = malloc(300 * KB + 1);
    memset(value, 'v', 300 * KB);
    value[300 * KB] = '\0';
    harness_expect_status(harness_cmd(c, "SET k %s", value), "QUEUED");
    ck_assert_int_ge(client_field("queuer", "tot-mem"), 300 * KB);
    redisReply *r = NULL;
    for (int i = 0; i < 10 && (r = redisCommand(c, "SET k %s", value)) != NULL; i++)
        freeReplyObject(r);
    ck_assert_ptr_null(r); /* the connection ended */
    ck_assert(!client_exists("queuer"));
    ck_assert_int_eq(evicted_clients(), 1);
    EXPECT_INT(0, "EXISTS k");
    free(value);
    redisFree(c);
}
END_TEST

/* A subscriber that does not read: the messages published to it wait in
 * its output buffer until it is evicted. */
START_TEST(a_subscriber_that_does_not_read_is_evicted)
{
    EXPECT_OK("CONFIG SET maxmemory-clients 1mb");
    int fd = harness_raw_connect(&harness_srv);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    harness_raw_expect(fd, "CLIENT SETNAME reader", "+OK\r\n");
    harness_raw_expect(fd, "SUBSCRIBE ch", "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    char *msg = malloc(64 * KB + 1);
    memset(msg, 'm', 64 * KB);
    msg[64 * KB] = '\0';
    for (int i = 0; i < 200 && client_exists("reader"); i++)
        freeReplyObject(CMD("PUBLISH ch %s", msg));
    ck_assert(!client_exists("reader"));
    ck_assert_int_eq(evicted_clients(), 1);
    free(msg);
    close(fd);
}
END_TEST

/* ---- CLIENT NO-EVICT ---------------------------------------------------------------- */

START_TEST(no_evict_protects_a_client_and_shows_as_flag_e)
{
    EXPECT_OK("CONFIG SET maxmemory-clients 1mb");
    int kept = query_filler("kept", 2 * MB, true);
    ck_assert(client_exists("kept"));
    ck_assert_int_gt(client_field("kept", "tot-mem"), 2 * MB);
    redisReply *r = CMD("CLIENT LIST");
    ck_assert_ptr_nonnull(strstr(r->str, "name=kept age="));
    ck_assert_ptr_nonnull(strstr(strstr(r->str, "name=kept age="), "flags=e "));
    freeReplyObject(r);
    /* It still counts: the clients that may go, go (after the reply to
     * their first command, or before it). */
    int other = harness_raw_connect(&harness_srv);
    harness_raw_send_line(other, "PING");
    ck_assert(harness_raw_closed(other));
    ck_assert(client_exists("kept"));
    ck_assert_int_eq(evicted_clients(), 1);
    close(other);
    close(kept);
}
END_TEST

START_TEST(no_evict_answers_as_redis)
{
    EXPECT_ERR(ERR_SYNTAX, "CLIENT NO-EVICT maybe");
    EXPECT_ERR("ERR wrong number of arguments for 'client|no-evict' command", "CLIENT NO-EVICT");
    EXPECT_OK("CLIENT NO-EVICT off");
    redisReply *r = CMD("CLIENT INFO");
    ck_assert_ptr_nonnull(strstr(r->str, " flags=N "));
    freeReplyObject(r);
    EXPECT_OK("CLIENT NO-EVICT ON");
    r = CMD("CLIENT INFO");
    ck_assert_ptr_nonnull(strstr(r->str, " flags=e "));
    freeReplyObject(r);
}
END_TEST

/* ---- the setting -------------------------------------------------------------------- */

START_TEST(maxmemory_clients_takes_bytes_or_a_percentage)
{
    static const char *const ten[] = {"maxmemory-clients", "10%"};
    static const char *const zero[] = {"maxmemory-clients", "0"};
    static const char *const kb[] = {"maxmemory-clients", "1024"};
    EXPECT_OK("CONFIG SET maxmemory-clients 10%%");
    EXPECT_ARRAY(ten, "CONFIG GET maxmemory-clients");
    EXPECT_OK("CONFIG SET maxmemory-clients 0%%");
    EXPECT_ARRAY(zero, "CONFIG GET maxmemory-clients");
    EXPECT_OK("CONFIG SET maxmemory-clients 1kb");
    EXPECT_ARRAY(kb, "CONFIG GET maxmemory-clients");
    EXPECT_ERR("ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - "
               "percentage argument must be less or equal to 100",
               "CONFIG SET maxmemory-clients 101%%");
    static const char *const bad[] = {"-1", "-5%", "abc", "5.5%", "%", "10%%"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        EXPECT_ERR("ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - "
                   "argument must be a memory or percent value",
                   "CONFIG SET maxmemory-clients %s", bad[i]);
    EXPECT_ARRAY(kb, "CONFIG GET maxmemory-clients");
}
END_TEST

/* 10% of a 10 MB maxmemory: 1 MB. A percentage with no maxmemory is off. */
START_TEST(a_percentage_is_of_maxmemory)
{
    EXPECT_OK("CONFIG SET maxmemory-clients 10%%");
    int a = query_filler("unlimited", 1536 * KB, false);
    ck_assert(client_exists("unlimited"));
    close(a);
    HARNESS_WAIT_FOR(!client_exists("unlimited"), "the closed client stayed");
    EXPECT_OK("CONFIG SET maxmemory 10mb");
    int b = query_filler("under", 512 * KB, false);
    ck_assert(client_exists("under"));
    int c = query_filler("over", 1536 * KB, false);
    ck_assert(!client_exists("over"));
    ck_assert(client_exists("under"));
    close(b);
    close(c);
}
END_TEST

/* Lowering the limit evicts at once: the clients are gone for the next
 * command of the one that lowered it. */
START_TEST(lowering_the_limit_evicts_at_once)
{
    int fds[4];
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof(name), "c%d", i);
        fds[i] = query_filler(name, 300 * KB, false);
    }
    EXPECT_OK("CONFIG SET maxmemory-clients 1mb");
    int left = 0;
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof(name), "c%d", i);
        left += client_exists(name);
    }
    ck_assert_int_gt(left, 0);
    ck_assert_int_lt(left, 4);
    ck_assert_int_eq(evicted_clients(), 4 - left);
    ck_assert_int_lt(harness_info_ll(harness_ctx, "memory", "mem_clients_normal"), 1 * MB);
    for (int i = 0; i < 4; i++)
        close(fds[i]);
}
END_TEST

/* Sizes a power of two apart land in different buckets: the biggest go
 * first, and only as many as it takes. */
START_TEST(the_biggest_clients_go_first)
{
    int small = query_filler("small", 200 * KB, false);
    int mid = query_filler("mid", 700 * KB, false);
    int big = query_filler("big", 2 * MB, false);
    long long total = harness_info_ll(harness_ctx, "memory", "mem_clients_normal");
    EXPECT_OK("CONFIG SET maxmemory-clients %lld", total - 1 * MB);
    ck_assert(!client_exists("big"));
    ck_assert(client_exists("mid"));
    ck_assert(client_exists("small"));
    EXPECT_OK("CONFIG SET maxmemory-clients %lld", total - 2 * MB - 500 * KB);
    ck_assert(!client_exists("mid"));
    ck_assert(client_exists("small"));
    ck_assert_int_eq(evicted_clients(), 2);
    close(small);
    close(mid);
    close(big);
}
END_TEST

/* With two loops, sixteen connections land on both (the chance that all
 * share the control connection's loop is 1 in 65536): every one is
 * evicted, so some victim lived on another loop than the check. */
START_TEST(clients_on_every_loop_are_evicted)
{
    int fds[16];
    for (int i = 0; i < 16; i++) {
        char name[16];
        snprintf(name, sizeof(name), "l%d", i);
        fds[i] = query_filler(name, 100 * KB, false);
    }
    EXPECT_OK("CONFIG SET maxmemory-clients 1");
    for (int i = 0; i < 16; i++) {
        char name[16];
        snprintf(name, sizeof(name), "l%d", i);
        ck_assert(!client_exists(name));
        ck_assert(harness_raw_closed(fds[i]));
        close(fds[i]);
    }
    ck_assert_int_eq(evicted_clients(), 16);
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", 1);
}
END_TEST

/* ---- replicas ----------------------------------------------------------------------- */

/* A replica's memory neither counts nor gets it evicted, however big:
 * after PSYNC it reads nothing and leaves half a request in its query
 * buffer. */
START_TEST(a_replica_is_never_evicted)
{
    int fd = harness_raw_connect(&harness_srv);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    harness_raw_expect(fd, "CLIENT SETNAME replica", "+OK\r\n");
    harness_raw_expect(fd, "REPLCONF listening-port 4444", "+OK\r\n");
    harness_raw_send_line(fd, "PSYNC ? -1");
    HARNESS_WAIT_FOR(is_replica("replica"), "PSYNC made no replica");
    EXPECT_OK("CONFIG SET maxmemory-clients 1");
    char header[64];
    snprintf(header, sizeof(header), "*1\r\n$%lld\r\n", 300 * KB + 1); /* one byte short */
    harness_raw_send(fd, header, strlen(header));
    char *fill = malloc(300 * KB);
    memset(fill, 'v', 300 * KB);
    harness_raw_send(fd, fill, 300 * KB);
    HARNESS_WAIT_FOR(client_field("replica", "tot-mem") > 300 * KB,
                     "the replica's query buffer never grew");
    ck_assert_int_lt(harness_info_ll(harness_ctx, "memory", "mem_clients_normal"), 128 * KB);
    ck_assert(is_replica("replica"));
    ck_assert_int_eq(evicted_clients(), 0);
    free(fill);
    close(fd);
}
END_TEST

static Suite *client_eviction_suite(void)
{
    Suite *s = suite_create("client_eviction");
    TCase *tc = harness_server_case("eviction", start_server, connect_control);
    tcase_add_test(tc, a_big_query_buffer_over_the_limit_is_evicted_and_counted);
    tcase_add_test(tc, a_client_under_the_limit_stays);
    tcase_add_test(tc, a_big_argument_holds_a_buffer_of_its_own_size);
    tcase_add_test(tc, a_client_closed_by_its_output_limit_evicts_nobody);
    tcase_add_test(tc, a_tiny_limit_acts_as_128_kb);
    tcase_add_test(tc, a_transaction_queue_counts_and_gets_its_client_evicted);
    tcase_add_test(tc, a_subscriber_that_does_not_read_is_evicted);
    suite_add_tcase(s, tc);

    tc = harness_server_case("no_evict", start_server, connect_control);
    tcase_add_test(tc, no_evict_protects_a_client_and_shows_as_flag_e);
    tcase_add_test(tc, no_evict_answers_as_redis);
    suite_add_tcase(s, tc);

    tc = harness_server_case("setting", start_server, connect_control);
    tcase_add_test(tc, maxmemory_clients_takes_bytes_or_a_percentage);
    tcase_add_test(tc, a_percentage_is_of_maxmemory);
    tcase_add_test(tc, lowering_the_limit_evicts_at_once);
    tcase_add_test(tc, the_biggest_clients_go_first);
    suite_add_tcase(s, tc);

    tc = harness_server_case("threads", start_server, connect_control);
    tcase_add_test(tc, clients_on_every_loop_are_evicted);
    tcase_add_test(tc, a_replica_is_never_evicted);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(client_eviction_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
