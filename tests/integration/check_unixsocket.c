/*
 * check_unixsocket.c - unixsocket and unixsocketperm end to end against a
 * real grove-server: everything a TCP client does works on the socket
 * (pipelines, big replies, blocking commands, pub/sub, MONITOR, CLIENT
 * LIST/INFO/KILL, maxclients, timeout), connections are dealt to every
 * worker loop, the file is replaced at start and removed at exit, and
 * redis-cli -s talks to it.
 *
 * The socket lives in a temporary directory of the test's own; TCP stays
 * on loopback. Lines, flags and texts checked against redis-server
 * 7.0.15 started with the same options.
 */
#include <assert.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

#define REDIS_CLI_BIN "/usr/bin/redis-cli"

static struct harness_tmpdir dir;
static char sock_path[96]; /* a harness_tmpdir path and a file name */

static void start_unix_server(void)
{
    harness_tmpdir_make(&dir);
    snprintf(sock_path, sizeof(sock_path), "%s/grove.sock", dir.path);
    /* a file already at the path is replaced, as Redis unlinks it first */
    int fd = open(sock_path, O_CREAT | O_WRONLY, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    const char *const args[] = {"--threads", "2", "--unixsocket", sock_path,
                                "--unixsocketperm", "700", "--enable-debug-command", "local",
                                NULL};
    harness_start(&harness_srv, args);
}

static redisContext *unix_connect(void)
{
    struct timeval tv = {HARNESS_DEADLINE_MS / 1000, 0};
    redisContext *c = redisConnectUnixWithTimeout(sock_path, tv);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(c->err == 0, "connect to %s: %s", sock_path, c->errstr);
    redisSetTimeout(c, tv);
    return c;
}

/* Whether the socket accepts a connection yet: its file appears at bind,
 * a moment before the server listens on it. */
static bool unix_accepts(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* A raw connection to the socket, for bytes hiredis would hide. */
static int unix_raw_connect(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    static_assert(sizeof(sock_path) <= sizeof(sa.sun_path), "the path fits");
    memcpy(sa.sun_path, sock_path, sizeof(sock_path));
    ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %s",
                  strerror(errno));
    return fd;
}

/* A connection the server has accepted (its PING answered). */
static redisContext *unix_connect_served(void)
{
    redisContext *c = unix_connect();
    harness_expect_status(harness_cmd(c, "PING"), "PONG");
    return c;
}

static void connect_unix_and_flush(void)
{
    harness_ctx = unix_connect();
    harness_cmd_ok(harness_ctx, "FLUSHALL");
}

/* ---- the socket and its file -------------------------------------------------- */

START_TEST(the_socket_file_has_unixsocketperm_and_config_shows_it)
{
    struct stat st;
    ck_assert_int_eq(stat(sock_path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    redisReply *r = harness_cmd(harness_ctx, "CONFIG GET unixsocket*");
    const char *want[] = {"unixsocket", sock_path, "unixsocketperm", "700"};
    harness_assert_array(r, 4);
    for (size_t i = 0; i < 4; i++)
        ck_assert_str_eq(r->element[i]->str, want[i]);
    freeReplyObject(r);
}
END_TEST

/* Start-up only, as in Redis 7.0. */
START_TEST(unixsocket_options_are_start_up_only)
{
    harness_expect_error(harness_cmd(harness_ctx, "CONFIG SET unixsocket /tmp/x"),
                         "ERR CONFIG SET failed (possibly related to argument 'unixsocket') - "
                         "can't set immutable config");
    harness_expect_error(harness_cmd(harness_ctx, "CONFIG SET unixsocketperm 777"),
                         "ERR CONFIG SET failed (possibly related to argument 'unixsocketperm') "
                         "- can't set immutable config");
}
END_TEST

/* ---- what a client sees ---------------------------------------------------------- */

START_TEST(client_list_shows_the_path_as_both_addresses_and_flag_u)
{
    char want[2 * sizeof(sock_path) + 32];
    snprintf(want, sizeof(want), " addr=%s:0 laddr=%s:0 ", sock_path, sock_path);
    redisReply *r = harness_cmd(harness_ctx, "CLIENT INFO");
    ck_assert_msg(strstr(r->str, want) != NULL, "%s", r->str);
    ck_assert_msg(strstr(r->str, " flags=U ") != NULL, "%s", r->str);
    freeReplyObject(r);
    r = harness_cmd(harness_ctx, "CLIENT LIST");
    ck_assert_msg(strstr(r->str, want) != NULL, "%s", r->str);
    freeReplyObject(r);
}
END_TEST

START_TEST(pipelines_and_big_replies_work)
{
    harness_pipeline_int(harness_ctx, "SET key:%d v", 0, 5000);
    harness_expect_int(harness_cmd(harness_ctx, "DBSIZE"), 5000);
    size_t big = 8 * 1024 * 1024;
    char *value = malloc(big);
    ck_assert_ptr_nonnull(value);
    memset(value, 'x', big);
    harness_cmd_ok(harness_ctx, "SET big %b", value, big);
    harness_expect_value(harness_ctx, "big", value, big);
    free(value);
}
END_TEST

START_TEST(blocking_commands_are_woken_from_tcp)
{
    harness_send_only(harness_ctx, "BLPOP q 0");
    redisContext *tcp = harness_connect(&harness_srv);
    harness_wait_info_ll(tcp, "clients", "blocked_clients", 1);
    harness_expect_int(harness_cmd(tcp, "RPUSH q v"), 1);
    redisReply *r = harness_read_reply(harness_ctx);
    harness_assert_array(r, 2);
    ck_assert_str_eq(r->element[1]->str, "v");
    freeReplyObject(r);
    redisFree(tcp);
}
END_TEST

START_TEST(subscribers_get_messages_published_over_tcp)
{
    int fd = unix_raw_connect();
    harness_raw_expect(fd, "SUBSCRIBE ch", "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    redisContext *tcp = harness_connect(&harness_srv);
    harness_expect_int(harness_cmd(tcp, "PUBLISH ch hello"), 1);
    harness_raw_expect_arrives(fd, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n");
    redisFree(tcp);
    close(fd);
}
END_TEST

/* Redis's replicationFeedMonitors names a unix client "unix:<path>". */
START_TEST(monitor_names_a_unix_client_by_its_path)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_expect(fd, "MONITOR", "+OK\r\n");
    harness_cmd_ok(harness_ctx, "SET k v");
    char line[512], want[256];
    snprintf(want, sizeof(want), " [0 unix:%s] \"SET\" \"k\" \"v\"\r\n", sock_path);
    size_t n = 0;
    while (n == 0 || line[n - 1] != '\n')
        n += harness_raw_recv(fd, line + n, sizeof(line) - n, 1);
    ck_assert_msg(strstr(line, want) != NULL, "%s", line);
    close(fd);
}
END_TEST

START_TEST(client_kill_finds_unix_clients_by_addr_and_laddr)
{
    char addr[160];
    snprintf(addr, sizeof(addr), "%s:0", sock_path);
    redisContext *victim = unix_connect_served();
    harness_expect_int(harness_cmd(harness_ctx, "CLIENT KILL ADDR %s", addr), 1);
    ck_assert_ptr_null(redisCommand(victim, "PING"));
    redisFree(victim);
    victim = unix_connect_served();
    harness_expect_int(harness_cmd(harness_ctx, "CLIENT KILL LADDR %s SKIPME yes", addr), 1);
    ck_assert_ptr_null(redisCommand(victim, "PING"));
    redisFree(victim);
    /* the old form names one client */
    victim = unix_connect_served();
    harness_cmd_ok(harness_ctx, "CLIENT KILL %s", addr);
    redisFree(victim);
}
END_TEST

START_TEST(info_clients_counts_unix_clients)
{
    redisContext *tcp = harness_connect(&harness_srv);
    redisContext *more[3];
    for (int i = 0; i < 3; i++)
        more[i] = unix_connect();
    harness_wait_info_ll(tcp, "clients", "connected_clients", 5);
    for (int i = 0; i < 3; i++)
        redisFree(more[i]);
    harness_wait_info_ll(tcp, "clients", "connected_clients", 2);
    redisFree(tcp);
}
END_TEST

START_TEST(maxclients_refuses_unix_clients_with_redis_text)
{
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", 1);
    harness_cmd_ok(harness_ctx, "CONFIG SET maxclients 1");
    int fd = unix_raw_connect();
    char buf[128];
    harness_raw_recv(fd, buf, sizeof(buf), 36);
    ck_assert_str_eq(buf, "-ERR max number of clients reached\r\n");
    ck_assert(harness_raw_closed(fd));
    close(fd);
    harness_cmd_ok(harness_ctx, "CONFIG SET maxclients 10000");
}
END_TEST

START_TEST(idle_unix_clients_time_out)
{
    harness_cmd_ok(harness_ctx, "CONFIG SET timeout 1");
    int fd = unix_raw_connect();
    ck_assert(harness_raw_closed(fd));
    close(fd);
    redisFree(harness_ctx); /* idle too while it waited: closed as well */
    harness_ctx = unix_connect();
    harness_cmd_ok(harness_ctx, "CONFIG SET timeout 0");
}
END_TEST

/* Connections are dealt to the loops in turn: of two made one after the
 * other, one is on each of the two loops, so while DEBUG SLEEP holds one
 * loop, the other answers. (Which of the two sleeps does not matter.) */
START_TEST(connections_are_dealt_to_every_loop)
{
    redisContext *a = unix_connect_served(), *b = unix_connect_served();
    harness_send_only(a, "DEBUG SLEEP 5"); /* long enough for b on a slow machine */
    /* b's reply comes while a's loop sleeps: a has no reply yet */
    harness_expect_status(harness_cmd(b, "PING"), "PONG");
    int fd = a->fd;
    char byte;
    ck_assert_int_lt(recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK), 0);
    harness_expect_status(harness_read_reply(a), "OK");
    redisFree(a);
    redisFree(b);
}
END_TEST

START_TEST(redis_cli_talks_over_the_socket)
{
    char out[256];
    const char *const args[] = {"-s", sock_path, "PING", NULL};
    ck_assert_int_eq(harness_run_program(REDIS_CLI_BIN, args, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "PONG\n");
}
END_TEST

static bool answers_pong(redisContext *c)
{
    redisReply *r = harness_cmd(c, "PING");
    bool pong = r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
    freeReplyObject(r);
    return pong;
}

/* ---- start and exit --------------------------------------------------------------- */

/* Only the socket (port 0), and its file removed at exit. Started by
 * hand: the harness probes a TCP port. */
START_TEST(unix_only_server_serves_and_removes_its_file_at_exit)
{
    struct harness_tmpdir d;
    harness_tmpdir_make(&d);
    snprintf(sock_path, sizeof(sock_path), "%s/only.sock", d.path);
    struct grove_server s = {.port = 0};
    s.pid = fork();
    ck_assert_int_ge(s.pid, 0);
    if (s.pid == 0) {
        execl(getenv("GROVE_SERVER"), "grove-server", "--port", "0", "--unixsocket", sock_path,
              "--save", "", "--loglevel", "warning", (char *)NULL);
        _exit(127);
    }
    HARNESS_WAIT_FOR(unix_accepts(), "nothing accepts at %s", sock_path);
    redisContext *c = unix_connect();
    HARNESS_WAIT_FOR(answers_pong(c), "still loading"); /* it listens while it loads */
    redisReply *r = harness_cmd(c, "INFO server");
    ck_assert_ptr_nonnull(strstr(r->str, "tcp_port:0\r\n"));
    freeReplyObject(r);
    ck_assert_ptr_null(redisCommand(c, "SHUTDOWN NOSAVE"));
    redisFree(c);
    harness_wait_exit(&s);
    ck_assert_int_ne(access(sock_path, F_OK), 0);
    harness_tmpdir_remove(&d);
}
END_TEST

START_TEST(a_socket_that_cannot_be_made_stops_start_up_as_in_redis)
{
    char out[4096];
    const char *const args[] = {"--port", "0", "--unixsocket", "/nonexistent-dir/grove.sock",
                                NULL};
    ck_assert_int_ne(harness_run_to_exit(args, out, sizeof(out)), 0);
    ck_assert_msg(strstr(out, "Failed opening Unix socket: bind: No such file or directory"),
                  "%s", out);
}
END_TEST

START_TEST(no_listener_at_all_stops_start_up_as_in_redis)
{
    char out[4096];
    const char *const args[] = {"--port", "0", NULL};
    ck_assert_int_ne(harness_run_to_exit(args, out, sizeof(out)), 0);
    ck_assert_msg(strstr(out, "Configured to not listen anywhere, exiting."), "%s", out);
}
END_TEST

static Suite *unixsocket_suite(void)
{
    Suite *s = suite_create("unixsocket");
    TCase *tc = harness_server_case("socket", start_unix_server, connect_unix_and_flush);
    tcase_add_test(tc, the_socket_file_has_unixsocketperm_and_config_shows_it);
    tcase_add_test(tc, unixsocket_options_are_start_up_only);
    tcase_add_test(tc, client_list_shows_the_path_as_both_addresses_and_flag_u);
    tcase_add_test(tc, pipelines_and_big_replies_work);
    tcase_add_test(tc, blocking_commands_are_woken_from_tcp);
    tcase_add_test(tc, subscribers_get_messages_published_over_tcp);
    tcase_add_test(tc, monitor_names_a_unix_client_by_its_path);
    tcase_add_test(tc, client_kill_finds_unix_clients_by_addr_and_laddr);
    tcase_add_test(tc, info_clients_counts_unix_clients);
    tcase_add_test(tc, maxclients_refuses_unix_clients_with_redis_text);
    tcase_add_test(tc, idle_unix_clients_time_out);
    tcase_add_test(tc, connections_are_dealt_to_every_loop);
    tcase_add_test(tc, redis_cli_talks_over_the_socket);
    suite_add_tcase(s, tc);

    tc = tcase_create("startup");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, unix_only_server_serves_and_removes_its_file_at_exit);
    tcase_add_test(tc, a_socket_that_cannot_be_made_stops_start_up_as_in_redis);
    tcase_add_test(tc, no_listener_at_all_stops_start_up_as_in_redis);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* a write to a connection the server closed fails instead */
    SRunner *sr = srunner_create(unixsocket_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (dir.path[0] != '\0')
        harness_tmpdir_remove(&dir);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
