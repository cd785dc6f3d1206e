/*
 * check_startup.c - what an operator sets when starting grove-server, end
 * to end against the real process:
 *
 *   - logfile: `--logfile path` gets Redis-style lines
 *     ("pid:role dd Mon yyyy HH:MM:SS.mmm level message") and nothing goes
 *     to stdout or stderr; a path that cannot be opened stops start-up with
 *     a message saying why.
 *   - bind: several addresses, IPv4 and IPv6 loopback together; "-addr"
 *     marks an address as optional (start-up goes on if it does not exist
 *     on this machine, and only then); an address that cannot be bound
 *     stops start-up with Redis's messages.
 *   - threads: by default one worker per CPU this process may run on
 *     (its affinity mask, as nproc counts), or exactly `--threads N`.
 *
 * Servers listen on loopback only: an address that is not loopback appears
 * only where binding it fails (192.0.2.1, reserved for documentation, is
 * used after checking that this machine cannot bind it). Temporary files
 * are removed whether the tests pass or fail. Messages and
 * behaviour checked against redis-server 7.0.15.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define DOC_ADDR "192.0.2.1" /* TEST-NET-1: never assigned to a real host */

/* ---- temporary files ------------------------------------------------------------- */

/* Made by the test case's unchecked setup and removed by its unchecked
 * teardown, which run in the test runner's own process whatever the
 * outcome: a failed assertion ends a forked test with _exit, so nothing
 * in the test's own process (not even an atexit handler) would remove
 * them. Tests truncate them before use. */
enum { LOG_FILE, CONSOLE_FILE, PLAIN_FILE, TEMP_FILES };
static char temp_files[TEMP_FILES][64];

static void make_temp_files(void)
{
    for (int i = 0; i < TEMP_FILES; i++) {
        snprintf(temp_files[i], sizeof(temp_files[i]), "/tmp/grove-check-startup-XXXXXX");
        int fd = mkstemp(temp_files[i]);
        ck_assert_int_ge(fd, 0);
        close(fd);
    }
}

static void remove_temp_files(void)
{
    for (int i = 0; i < TEMP_FILES; i++)
        unlink(temp_files[i]);
}

static const char *empty_temp_file(int which)
{
    ck_assert_int_eq(truncate(temp_files[which], 0), 0);
    return temp_files[which];
}

/* The file's text (at most cap - 1 bytes), NUL-terminated. */
static size_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    buf[got] = '\0';
    return got;
}

/* ---- sockets ---------------------------------------------------------------------------- */

static bool parse_addr(const char *ip, int port, struct sockaddr_storage *sa, socklen_t *len)
{
    memset(sa, 0, sizeof(*sa));
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        *len = sizeof(*in);
        return true;
    }
    if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*in6);
        return true;
    }
    return false;
}

/* A socket bound to ip:port (0: any free port), listening if `listening`;
 * -1 if the address cannot be bound. */
static int bound_socket(const char *ip, int port, bool listening)
{
    struct sockaddr_storage sa;
    socklen_t len;
    ck_assert(parse_addr(ip, port, &sa, &len));
    int fd = socket(sa.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, len) < 0 || (listening && listen(fd, 8) < 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool can_bind(const char *ip)
{
    int fd = bound_socket(ip, 0, false);
    if (fd >= 0)
        close(fd);
    return fd >= 0;
}

static int port_of(int fd)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    return ntohs(((struct sockaddr_in *)&sa)->sin_port); /* same offset in sockaddr_in6 */
}

/* Connect to ip:port; -1 if refused. */
static int connect_to(const char *ip, int port)
{
    struct sockaddr_storage sa;
    socklen_t len;
    ck_assert(parse_addr(ip, port, &sa, &len));
    int fd = socket(sa.ss_family, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void expect_served_at(const char *ip, int port)
{
    int fd = connect_to(ip, port);
    ck_assert_msg(fd >= 0, "nothing listens on %s port %d", ip, port);
    harness_raw_roundtrip(fd, "PING\r\n", "+PONG\r\n");
    close(fd);
}

/* Start-up must fail (exit 1) with output containing each of `texts`. */
static void expect_refused(const char *const *args, const char *const *texts)
{
    char out[8192];
    int status = harness_run_to_exit(args, out, sizeof(out));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d: %s", status, out);
    for (size_t i = 0; texts[i] != NULL; i++)
        ck_assert_msg(strstr(out, texts[i]) != NULL, "no \"%s\" in: %s", texts[i], out);
}

/* ---- logfile ------------------------------------------------------------------------ */

/* Is every line of `log` a Redis log line of process `pid`? Counts the
 * lines of each level mark ('.', '-', '*', '#'). */
static void check_log_lines(const char *log, pid_t pid, int marks[4])
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re,
                             "^([0-9]+):[XCSM] [0-9]{2} [A-Z][a-z]{2} [0-9]{4} "
                             "[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} ([.*#-]) [^ ].*$",
                             REG_EXTENDED),
                     0);
    char line[1024];
    for (const char *p = log; *p;) {
        size_t n = strcspn(p, "\n");
        ck_assert_msg(p[n] == '\n', "unterminated last line: %s", p);
        ck_assert_uint_lt(n, sizeof(line));
        memcpy(line, p, n);
        line[n] = '\0';
        regmatch_t m[3];
        ck_assert_msg(regexec(&re, line, 3, m, 0) == 0, "not a Redis log line: %s", line);
        ck_assert_int_eq(strtol(line, NULL, 10), pid);
        marks[strchr(".-*#", line[m[2].rm_so]) - ".-*#"]++;
        p += n + 1;
    }
    regfree(&re);
}

/* stdout and stderr are pointed at a file while the server starts (it
 * inherits them) and must stay empty. */
START_TEST(logfile_gets_redis_style_lines_and_stderr_nothing)
{
    const char *log = empty_temp_file(LOG_FILE), *console = empty_temp_file(CONSOLE_FILE);
    const char *args[] = {"--logfile", log, "--loglevel", "notice", NULL};
    int out = dup(STDOUT_FILENO), err = dup(STDERR_FILENO);
    int fd = open(console, O_WRONLY | O_APPEND);
    ck_assert(out >= 0 && err >= 0 && fd >= 0);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    struct grove_server s;
    harness_start(&s, args);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    close(out);
    close(err);
    close(fd);
    redisContext *c = harness_connect(&s);
    harness_expect_status(harness_cmd(c, "PING"), "PONG");
    redisFree(c);
    harness_stop(&s);

    char text[16384];
    ck_assert_uint_gt(read_file(log, text, sizeof(text)), 0);
    int marks[4] = {0};
    check_log_lines(text, s.pid, marks);
    ck_assert_msg(marks[2] > 0 && marks[3] > 0, "notices %d, warnings %d: %s", marks[2],
                  marks[3], text);
    ck_assert_msg(strstr(text, "Ready to accept connections") != NULL, "%s", text);
    ck_assert_msg(read_file(console, text, sizeof(text)) == 0, "written to the console: %s",
                  text);
}
END_TEST

/* A regular file as a directory: ENOTDIR, whoever runs the test. */
START_TEST(logfile_that_cannot_be_opened_stops_start_up)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/grove.log", empty_temp_file(PLAIN_FILE));
    const char *args[] = {"--port", "0", "--logfile", path, NULL};
    const char *texts[] = {"Can't open the log file", "Not a directory", NULL};
    expect_refused(args, texts);
}
END_TEST

/* ---- bind --------------------------------------------------------------------------------- */

START_TEST(bind_to_ipv4_and_ipv6_loopback_listens_on_both)
{
    if (!can_bind("::1")) {
        printf("skipped the ::1 part: this machine has no IPv6 loopback\n");
        return;
    }
    static const char *const args[] = {"--bind", "127.0.0.1 ::1", NULL};
    struct grove_server s;
    harness_start(&s, args);
    expect_served_at("127.0.0.1", s.port);
    expect_served_at("::1", s.port);
    harness_stop(&s);
}
END_TEST

/* "-addr" is optional: an address this machine does not have is skipped
 * (and one it has is used). */
START_TEST(optional_bind_address_that_is_missing_does_not_stop_start_up)
{
    if (can_bind(DOC_ADDR)) {
        printf("skipped: this machine has " DOC_ADDR "\n");
        return;
    }
    bool ipv6 = can_bind("::1");
    static const char *const args[] = {"--bind", "127.0.0.1 -" DOC_ADDR " -::1", NULL};
    struct grove_server s;
    harness_start(&s, args);
    expect_served_at("127.0.0.1", s.port);
    if (ipv6)
        expect_served_at("::1", s.port);
    harness_stop(&s);
}
END_TEST

START_TEST(address_in_use_stops_start_up_with_redis_message)
{
    int taken = bound_socket("127.0.0.1", 0, true);
    ck_assert_int_ge(taken, 0);
    int port = port_of(taken);
    char portbuf[16], cannot[160], failed[80];
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    snprintf(cannot, sizeof(cannot), "Warning: Could not create server TCP listening socket "
             "127.0.0.1:%d: bind: Address already in use", port);
    snprintf(failed, sizeof(failed), "Failed listening on port %d (TCP), aborting.", port);
    const char *args[] = {"--port", portbuf, "--bind", "127.0.0.1", NULL};
    const char *texts[] = {cannot, failed, NULL};
    expect_refused(args, texts);
    close(taken);
}
END_TEST

START_TEST(missing_address_stops_start_up_with_redis_message)
{
    if (can_bind(DOC_ADDR)) {
        printf("skipped: this machine has " DOC_ADDR "\n");
        return;
    }
    int free_fd = bound_socket("127.0.0.1", 0, false);
    int port = port_of(free_fd);
    close(free_fd);
    char portbuf[16], cannot[160], failed[80];
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    snprintf(cannot, sizeof(cannot), "Warning: Could not create server TCP listening socket "
             DOC_ADDR ":%d: bind: Cannot assign requested address", port);
    snprintf(failed, sizeof(failed), "Failed listening on port %d (TCP), aborting.", port);
    const char *args[] = {"--port", portbuf, "--bind", "127.0.0.1 " DOC_ADDR, NULL};
    const char *texts[] = {cannot, failed, NULL};
    expect_refused(args, texts);
}
END_TEST

/* Optional means "may be missing" (EADDRNOTAVAIL), not "may fail": Redis
 * 7.0 stops when an optional address exists but its port is taken. */
START_TEST(optional_address_whose_port_is_taken_stops_start_up)
{
    if (!can_bind("127.0.0.2")) {
        printf("skipped: 127.0.0.2 cannot be bound here\n");
        return;
    }
    int taken = bound_socket("127.0.0.1", 0, true);
    ck_assert_int_ge(taken, 0);
    int port = port_of(taken);
    char portbuf[16], failed[80];
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    snprintf(failed, sizeof(failed), "Failed listening on port %d (TCP), aborting.", port);
    const char *args[] = {"--port", portbuf, "--bind", "127.0.0.2 -127.0.0.1", NULL};
    const char *texts[] = {"Address already in use", failed, NULL};
    expect_refused(args, texts);
    close(taken);
}
END_TEST

/* ---- threads ----------------------------------------------------------------------------- */

static long long worker_threads(const char *const *args)
{
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    long long n = harness_info_ll(c, "server", "worker_threads");
    redisFree(c);
    harness_stop(&s);
    return n;
}

/* As nproc: the CPUs in this process's affinity mask, which the server
 * inherits, not the CPUs the machine has. */
START_TEST(default_thread_count_is_the_cpus_available)
{
    cpu_set_t all, one;
    ck_assert_int_eq(sched_getaffinity(0, sizeof(all), &all), 0);
    ck_assert_int_eq(worker_threads(NULL), CPU_COUNT(&all));
    if (CPU_COUNT(&all) < 2) {
        printf("skipped the one-CPU part: this process may run on one CPU only\n");
        return;
    }
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &all)) {
            CPU_SET(cpu, &one);
            break;
        }
    }
    ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
    long long n = worker_threads(NULL);
    ck_assert_int_eq(sched_setaffinity(0, sizeof(all), &all), 0);
    ck_assert_int_eq(n, 1);
}
END_TEST

START_TEST(threads_option_sets_the_worker_count)
{
    static const char *const args[] = {"--threads", "3", NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    ck_assert_int_eq(harness_info_ll(c, "server", "worker_threads"), 3);
    redisReply *r = harness_cmd(c, "CONFIG GET threads");
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[1]->str, "3");
    freeReplyObject(r);
    harness_expect_error(harness_cmd(c, "CONFIG SET threads 4"),
                         "ERR CONFIG SET failed (possibly related to argument 'threads') - "
                         "can't set immutable config");
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* ---- the suite ---------------------------------------------------------------------- */

static Suite *startup_suite(void)
{
    Suite *s = suite_create("startup");
    TCase *tc = tcase_create("logfile");
    tcase_add_unchecked_fixture(tc, make_temp_files, remove_temp_files);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, logfile_gets_redis_style_lines_and_stderr_nothing);
    tcase_add_test(tc, logfile_that_cannot_be_opened_stops_start_up);
    suite_add_tcase(s, tc);

    tc = tcase_create("bind");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bind_to_ipv4_and_ipv6_loopback_listens_on_both);
    tcase_add_test(tc, optional_bind_address_that_is_missing_does_not_stop_start_up);
    tcase_add_test(tc, address_in_use_stops_start_up_with_redis_message);
    tcase_add_test(tc, missing_address_stops_start_up_with_redis_message);
    tcase_add_test(tc, optional_address_whose_port_is_taken_stops_start_up);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, default_thread_count_is_the_cpus_available);
    tcase_add_test(tc, threads_option_sets_the_worker_count);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(startup_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
