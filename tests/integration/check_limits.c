/*
 * check_limits.c - two limits that protect the server from its clients,
 * against a real grove-server:
 *
 *   - client-query-buffer-limit (at least 1mb): a client whose unparsed
 *     input grows past it is closed, without a reply, as Redis 7.0 does
 *     (it frees the client; the peer sees the connection reset); a client
 *     under it is served, and nobody else notices. Like Redis 7.0, the limit
 *     is on the bytes not yet parsed: the arguments of a request already
 *     read count no more (Redis moves them into argv as they complete).
 *   - maxclients against the open-files limit: like Redis's
 *     adjustOpenFilesLimit, a maxclients the hard RLIMIT_NOFILE cannot hold
 *     is lowered to what fits (the limit less 32 reserved descriptors) with
 *     a warning, extra clients get "-ERR max number of clients reached",
 *     and a limit that leaves no room at all stops start-up.
 *
 * Lowering the hard RLIMIT_NOFILE cannot be undone without
 * CAP_SYS_RESOURCE, so the tests that do it rely on Check running each test
 * in its own forked process (the default) and skip under CK_FORK=no.
 * Texts and behaviour checked against redis-server 7.0.15.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MB (1024 * 1024)
#define MAX_CLIENTS_REACHED "-ERR max number of clients reached\r\n"

/* ---- helpers -------------------------------------------------------------------- */

/* Send as much of buf as the server takes before it closes; returns the
 * bytes sent. (harness_raw_send asserts every byte goes.) */
static size_t send_until_closed(int fd, const char *buf, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, buf + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    return sent;
}

/* Everything the server sends until it closes (asserted within 30 s):
 * the byte count, the first bytes into buf. */
static size_t read_until_closed(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    buf[0] = '\0';
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ck_assert_msg(poll(&p, 1, 30000) == 1, "the server did not close the connection");
        char chunk[4096];
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return got;
        ck_assert_msg(n > 0, "recv: %s", strerror(errno));
        size_t keep = got + 1 < cap ? cap - 1 - got : 0;
        memcpy(buf + got, chunk, (size_t)n < keep ? (size_t)n : keep);
        got += (size_t)n;
        buf[got < cap ? got : cap - 1] = '\0';
    }
}

/* Lines of CLIENT LIST (one per client), and whether one has `field`. */
static size_t client_list_lines(redisContext *c, const char *field, bool *found)
{
    redisReply *r = harness_cmd(c, "CLIENT LIST");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    size_t lines = 0;
    *found = false;
    for (const char *p = r->str; *p; p = strchr(p, '\n') + 1) {
        const char *end = strchr(p, '\n');
        ck_assert_ptr_nonnull(end);
        lines++;
        const char *at = strstr(p, field);
        *found |= at != NULL && at < end;
    }
    freeReplyObject(r);
    return lines;
}

/* The qbuf= figure CLIENT LIST gives for the client that is not running
 * the CLIENT LIST; -1 if there is no other client. */
static long long other_client_qbuf(redisContext *c)
{
    redisReply *r = harness_cmd(c, "CLIENT LIST");
    long long qbuf = -1;
    for (const char *p = r->str; *p; p = strchr(p, '\n') + 1) {
        const char *cmd = strstr(p, " cmd=");
        const char *q = strstr(p, " qbuf=");
        if (cmd && q && strncmp(cmd, " cmd=client|list", 16) != 0)
            qbuf = strtoll(q + 6, NULL, 10);
    }
    freeReplyObject(r);
    return qbuf;
}

static bool forked_tests(void)
{
    const char *mode = getenv("CK_FORK");
    if (mode != NULL && strcmp(mode, "no") == 0) {
        printf("skipped: lowering RLIMIT_NOFILE needs Check's forked tests (CK_FORK=no)\n");
        return false;
    }
    return true;
}

/* Lower this process's soft and hard RLIMIT_NOFILE to `n`, so the server
 * we start inherits a hard limit it cannot raise. Not undone: see the
 * file's comment. */
static void limit_open_files(rlim_t n)
{
    struct rlimit rl = {n, n};
    ck_assert_msg(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit: %s", strerror(errno));
}

/* The server's log: made by the test case's unchecked setup and removed
 * by its unchecked teardown, which run in the test runner's own process
 * whatever the outcome (a failed assertion ends a forked test with _exit,
 * so nothing in the test's process, not even atexit, would remove it). */
static char log_path[64];

static void make_log_file(void)
{
    snprintf(log_path, sizeof(log_path), "/tmp/grove-check-limits-XXXXXX");
    int fd = mkstemp(log_path);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

static void remove_log_file(void)
{
    unlink(log_path);
}

static bool file_contains(const char *path, const char *text)
{
    char buf[16384];
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return strstr(buf, text) != NULL;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* ---- the query buffer ------------------------------------------------------------ */

static struct grove_server srv;
static redisContext *ctx;

static void start_server(void)
{
    static const char *const args[] = {"--threads", "2", NULL};
    harness_start(&srv, args);
}

static void stop_server(void)
{
    harness_stop(&srv);
}

static void connect_and_flush(void)
{
    ctx = harness_connect(&srv);
    harness_expect_status(harness_cmd(ctx, "FLUSHALL"), "OK");
    harness_expect_status(harness_cmd(ctx, "CONFIG SET client-query-buffer-limit 1gb"), "OK");
}

static void disconnect(void)
{
    redisFree(ctx);
    ctx = NULL;
}

/* The client was connected before CONFIG SET lowered the limit: the new
 * limit reaches it. It sees no reply, only the connection going away;
 * the other client, the data and the counters are as they were. */
START_TEST(unterminated_bulk_beyond_the_limit_closes_the_client)
{
    harness_expect_status(harness_cmd(ctx, "SET kept 1"), "OK");
    int fd = harness_raw_connect(&srv);
    harness_wait_info_ll(ctx, "clients", "connected_clients", 2);
    harness_expect_status(harness_cmd(ctx, "CONFIG SET client-query-buffer-limit 1mb"), "OK");
    const char *head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n";
    harness_raw_send(fd, head, strlen(head));
    size_t len = 2 * MB;
    char *body = malloc(len);
    memset(body, 'x', len);
    send_until_closed(fd, body, len);
    free(body);
    char reply[256];
    ck_assert_msg(read_until_closed(fd, reply, sizeof(reply)) == 0, "got a reply: %s", reply);
    close(fd);

    harness_expect_status(harness_cmd(ctx, "PING"), "PONG");
    harness_expect_nil(harness_cmd(ctx, "GET k"));
    harness_expect_str(harness_cmd(ctx, "GET kept"), "1");
    harness_wait_info_ll(ctx, "clients", "connected_clients", 1);
    bool found;
    ck_assert_uint_eq(client_list_lines(ctx, "cmd=client|list", &found), 1);
    ck_assert(found);
}
END_TEST

/* A request just under the limit, sent in pieces, is served; while it is
 * incomplete CLIENT LIST shows the bytes waiting. */
START_TEST(request_under_the_limit_is_served)
{
    harness_expect_status(harness_cmd(ctx, "CONFIG SET client-query-buffer-limit 1mb"), "OK");
    int fd = harness_raw_connect(&srv);
    size_t value = MB - 4096;
    char head[64];
    int n = snprintf(head, sizeof(head), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%zu\r\n", value);
    harness_raw_send(fd, head, (size_t)n);
    char *body = malloc(value + 2);
    memset(body, 'x', value);
    memcpy(body + value, "\r\n", 2);
    harness_raw_send(fd, body, value / 2);
    long long qbuf = other_client_qbuf(ctx);
    for (int i = 0; i < 500 && qbuf < (long long)(value / 2); i++) {
        usleep(10000);
        qbuf = other_client_qbuf(ctx);
    }
    ck_assert_msg(qbuf >= (long long)(value / 2), "CLIENT LIST qbuf=%lld", qbuf);
    harness_raw_send(fd, body + value / 2, value + 2 - value / 2);
    free(body);
    char reply[16];
    harness_raw_recv(fd, reply, sizeof(reply), 5);
    ck_assert_str_eq(reply, "+OK\r\n");
    close(fd);
    harness_expect_int(harness_cmd(ctx, "STRLEN k"), (long long)value);
}
END_TEST

/* 3 MB in 300 arguments of 10 KB, under a 1 MB limit: each argument is
 * parsed as it completes, so the unparsed input never nears the limit.
 * Redis 7.0 answers :300. */
START_TEST(request_larger_than_the_limit_in_small_arguments_is_served)
{
    enum { ARGS = 300, ARG_LEN = 10000 };
    harness_expect_status(harness_cmd(ctx, "CONFIG SET client-query-buffer-limit 1mb"), "OK");
    const char *argv[ARGS + 2] = {"RPUSH", "list"};
    size_t lens[ARGS + 2] = {5, 4};
    char *arg = malloc(ARG_LEN);
    memset(arg, 'y', ARG_LEN);
    for (size_t i = 2; i < ARGS + 2; i++) {
        argv[i] = arg;
        lens[i] = ARG_LEN;
    }
    redisReply *r = redisCommandArgv(ctx, ARGS + 2, argv, lens);
    free(arg);
    ck_assert_msg(r != NULL, "closed: %s", ctx->errstr);
    harness_expect_int(r, ARGS);
}
END_TEST

START_TEST(query_buffer_limit_is_at_least_1mb)
{
    harness_expect_error(harness_cmd(ctx, "CONFIG SET client-query-buffer-limit 1048575"),
                         "ERR CONFIG SET failed (possibly related to argument "
                         "'client-query-buffer-limit') - argument must be between 1048576 and "
                         "9223372036854775807 inclusive");
    harness_expect_status(harness_cmd(ctx, "CONFIG SET client-query-buffer-limit 1048576"),
                          "OK");
}
END_TEST

/* ---- maxclients and the open-files limit --------------------------------------------- */

/* With a hard limit of 64 descriptors, maxclients 1000 becomes 64 - 32:
 * the 33rd client is refused with Redis's text, and a place freed is a
 * place taken again. */
START_TEST(maxclients_is_lowered_to_fit_the_open_files_limit)
{
    enum { LIMIT = 64, FIT = LIMIT - 32 };
    if (!forked_tests())
        return;
    const char *log = log_path;
    ck_assert_int_eq(truncate(log, 0), 0);
    limit_open_files(LIMIT);
    const char *args[] = {"--maxclients", "1000", "--threads", "2", "--logfile", log, NULL};
    struct harness_opts opts = {.nofile = LIMIT};
    struct grove_server s;
    harness_start_ex(&s, &opts, args);
    redisContext *clients[FIT];
    clients[0] = harness_connect(&s);
    redisReply *r = harness_cmd(clients[0], "CONFIG GET maxclients");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[1]->str, "32");
    freeReplyObject(r);
    ck_assert_int_eq(harness_info_ll(clients[0], "clients", "maxclients"), FIT);
    ck_assert_msg(file_contains(log, "You requested maxclients of 1000 requiring at least 1032 "
                                     "max file descriptors."),
                  "no warning in the log");
    ck_assert(file_contains(log, "maxclients has been reduced to 32 to compensate for low "
                                 "ulimit. If you need higher maxclients increase 'ulimit -n'."));

    /* The start-up probe's connection may not be gone yet. */
    harness_wait_info_ll(clients[0], "clients", "connected_clients", 1);
    for (int i = 1; i < FIT; i++) {
        clients[i] = harness_connect(&s);
        harness_expect_status(harness_cmd(clients[i], "PING"), "PONG");
    }
    int extra = harness_raw_connect(&s);
    char reply[256];
    read_until_closed(extra, reply, sizeof(reply));
    ck_assert_str_eq(reply, MAX_CLIENTS_REACHED);
    close(extra);

    redisFree(clients[FIT - 1]);
    harness_wait_info_ll(clients[0], "clients", "connected_clients", FIT - 1);
    clients[FIT - 1] = harness_connect(&s);
    harness_expect_status(harness_cmd(clients[FIT - 1], "PING"), "PONG");
    for (int i = 0; i < FIT; i++)
        redisFree(clients[i]);
    harness_stop(&s);
}
END_TEST

/* 32 descriptors leave none for clients: Redis's message, exit status 1. */
START_TEST(open_files_limit_with_no_room_for_clients_stops_start_up)
{
    if (!forked_tests())
        return;
    char port[16];
    snprintf(port, sizeof(port), "%d", free_port());
    limit_open_files(32);
    const char *args[] = {"--port", port, "--bind", "127.0.0.1", "--threads", "1",
                          "--maxclients", "1000", NULL};
    char out[4096];
    int status = harness_run_to_exit(args, out, sizeof(out));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "Your current 'ulimit -n' of 32 is not enough for the server to "
                              "start. Please increase your open file limit to at least 1032. "
                              "Exiting.") != NULL,
                  "%s", out);
}
END_TEST

/* ---- the suite ---------------------------------------------------------------------- */

static Suite *limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("query_buffer");
    tcase_add_unchecked_fixture(tc, start_server, stop_server);
    tcase_add_checked_fixture(tc, connect_and_flush, disconnect);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, unterminated_bulk_beyond_the_limit_closes_the_client);
    tcase_add_test(tc, request_under_the_limit_is_served);
    tcase_add_test(tc, request_larger_than_the_limit_in_small_arguments_is_served);
    tcase_add_test(tc, query_buffer_limit_is_at_least_1mb);
    suite_add_tcase(s, tc);

    tc = tcase_create("maxclients");
    tcase_add_unchecked_fixture(tc, make_log_file, remove_log_file);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, maxclients_is_lowered_to_fit_the_open_files_limit);
    tcase_add_test(tc, open_files_limit_with_no_room_for_clients_stops_start_up);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(limits_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
