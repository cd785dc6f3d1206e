/*
 * check_supervision.c - grove-server under an init system, end to end
 * against the real process, as redis-server 7.0.15 behaves:
 *
 *   - daemonize yes: the command returns at once with status 0, the server
 *     goes on in the background, writes its pid to pidfile and removes
 *     the file when it shuts down.
 *   - supervised systemd (and auto with NOTIFY_SOCKET set): the
 *     notify protocol's READY=1 once clients are served, STOPPING=1 when
 *     it shuts down; daemonize yes then does not fork.
 *   - shutdown-on-sigterm / shutdown-on-sigint: the SHUTDOWN modifiers a
 *     signal implies (save, nosave, force...), CONFIG SET's checks.
 *   - oom-score-adj / oom-score-adj-values: the process's and a saving
 *     child's /proc oom_score_adj, and back when turned off.
 *   - set-proc-title / proc-title-template: what ps shows.
 *   - the start-up-only options (pidfile, supervised, syslog-*,
 *     disable-thp) refuse CONFIG SET as Redis does.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

static struct harness_tmpdir dir;

static void make_dir(void)
{
    harness_tmpdir_make(&dir);
}

/* A daemon a failed test left running is found by its pid file. */
static void remove_dir(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/grove.pid", dir.path);
    FILE *fp = fopen(path, "r");
    int pid;
    if (fp != NULL && fscanf(fp, "%d", &pid) == 1 && pid > 1)
        kill(pid, SIGKILL);
    if (fp != NULL)
        fclose(fp);
    harness_tmpdir_remove(&dir);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- daemonize and pidfile ------------------------------------------------------------ */

static int read_pid(const char *path)
{
    for (int tries = 0; tries < 500; tries++) {
        FILE *fp = fopen(path, "r");
        int pid = 0;
        if (fp != NULL) {
            int got = fscanf(fp, "%d", &pid);
            fclose(fp);
            if (got == 1 && pid > 1)
                return pid;
        }
        harness_sleep_ms(10);
    }
    ck_abort_msg("no pid in %s", path);
    return -1;
}

static redisContext *connect_port(int port)
{
    for (int tries = 0; tries < 500; tries++) {
        struct timeval tv = {1, 0};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
        if (c != NULL && c->err == 0)
            return c;
        redisFree(c);
        harness_sleep_ms(10);
    }
    ck_abort_msg("nothing listens on port %d", port);
    return NULL;
}

static void wait_gone(int pid)
{
    for (int tries = 0; tries < 1000 && kill(pid, 0) == 0; tries++)
        harness_sleep_ms(10);
    ck_assert_msg(kill(pid, 0) < 0 && errno == ESRCH, "process %d still runs", pid);
}

START_TEST(daemonize_returns_at_once_and_the_daemon_keeps_a_pid_file)
{
    char pidfile[128], logfile[128], port[16], out[4096];
    snprintf(pidfile, sizeof(pidfile), "%s/grove.pid", dir.path);
    snprintf(logfile, sizeof(logfile), "%s/grove.log", dir.path);
    snprintf(port, sizeof(port), "%d", harness_free_port());
    const char *args[] = {"--port", port, "--bind", "127.0.0.1", "--daemonize", "yes",
                          "--pidfile", pidfile, "--logfile", logfile, "--save", "", NULL};
    int status = harness_run_to_exit(args, out, sizeof(out));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status, out);

    int pid = read_pid(pidfile);
    redisContext *c = connect_port(atoi(port));
    ck_assert_int_eq(harness_info_ll(c, "server", "process_id"), pid);
    redisReply *r = harness_cmd(c, "CONFIG GET daemonize");
    ck_assert_str_eq(r->element[1]->str, "yes");
    freeReplyObject(r);
    r = harness_cmd(c, "CONFIG GET pidfile");
    ck_assert_str_eq(r->element[1]->str, pidfile);
    freeReplyObject(r);
    harness_expect_error(harness_cmd(c, "CONFIG SET pidfile /tmp/x"),
                         "ERR CONFIG SET failed (possibly related to argument 'pidfile') - "
                         "can't set immutable config");
    freeReplyObject(redisCommand(c, "SHUTDOWN NOSAVE")); /* no reply: it closes */
    redisFree(c);
    wait_gone(pid);
    ck_assert_msg(!file_exists(pidfile), "the pid file outlived the server");
}
END_TEST

/* pidfile without daemonize: written as well, as Redis does. */
START_TEST(pidfile_is_written_by_a_foreground_server)
{
    char pidfile[128];
    snprintf(pidfile, sizeof(pidfile), "%s/grove.pid", dir.path);
    const char *args[] = {"--pidfile", pidfile, NULL};
    struct grove_server s;
    harness_start(&s, args);
    ck_assert_int_eq(read_pid(pidfile), s.pid);
    harness_stop(&s);
    ck_assert(!file_exists(pidfile));
}
END_TEST

/* ---- supervised systemd ---------------------------------------------------------------- */

/* A datagram socket standing for systemd's notify socket. */
static int notify_socket(char *path, size_t cap)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    ck_assert_uint_lt(strlen(dir.path) + sizeof("/notify.sock"), sizeof(addr.sun_path));
    snprintf(path, cap, "%s/notify.sock", dir.path);
    memcpy(addr.sun_path, path, strlen(path) + 1);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* Read notices until one contains `want`; all of them go into seen. */
static void expect_notice(int fd, const char *want, char *seen, size_t cap)
{
    for (;;) {
        char msg[256];
        ssize_t n = recv(fd, msg, sizeof(msg) - 1, 0);
        ck_assert_msg(n > 0, "no \"%s\" notice; got: %s", want, seen);
        msg[n] = '\0';
        strncat(seen, msg, cap - strlen(seen) - 1);
        if (strstr(msg, want) != NULL)
            return;
    }
}

static void supervised_run(const char *mode)
{
    char path[128], seen[1024] = "";
    int fd = notify_socket(path, sizeof(path));
    setenv("NOTIFY_SOCKET", path, 1);
    /* daemonize yes is not acted on under a supervisor: no fork */
    const char *args[] = {"--supervised", mode, "--daemonize", "yes", NULL};
    struct grove_server s;
    harness_start(&s, args);
    unsetenv("NOTIFY_SOCKET");
    expect_notice(fd, "READY=1", seen, sizeof(seen));
    ck_assert_msg(strstr(seen, "STATUS=Ready to accept connections") != NULL, "%s", seen);
    redisContext *c = harness_connect(&s);
    redisReply *r = harness_cmd(c, "CONFIG GET supervised");
    ck_assert_str_eq(r->element[1]->str, mode);
    freeReplyObject(r);
    ck_assert_int_eq(harness_info_ll(c, "server", "process_id"), s.pid);
    redisFree(c);
    harness_stop(&s);
    expect_notice(fd, "STOPPING=1", seen, sizeof(seen));
    close(fd);
}

START_TEST(supervised_systemd_notifies_ready_and_stopping)
{
    supervised_run("systemd");
}
END_TEST

START_TEST(supervised_auto_finds_systemd_by_notify_socket)
{
    supervised_run("auto");
}
END_TEST

/* ---- shutdown on signals ------------------------------------------------------------------ */

/* Start in dir with these options, write a key, send `signum`: whether
 * the shutdown left a dump.rdb. */
static bool signal_saves(int signum, const char *const *extra)
{
    const char *args[16] = {"--dir", dir.path};
    size_t n = 2;
    for (size_t i = 0; extra[i] != NULL; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    char rdb[128];
    snprintf(rdb, sizeof(rdb), "%s/dump.rdb", dir.path);
    unlink(rdb);
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    harness_cmd_ok(c, "SET k v");
    redisFree(c);
    harness_stop_with(&s, signum);
    return file_exists(rdb);
}

START_TEST(signals_shut_down_with_the_configured_modifiers)
{
    const char *plain[] = {NULL};
    ck_assert(!signal_saves(SIGTERM, plain)); /* no save points: no save */
    const char *save_term[] = {"--shutdown-on-sigterm", "save", NULL};
    ck_assert(signal_saves(SIGTERM, save_term));
    ck_assert(!signal_saves(SIGINT, save_term)); /* SIGINT has its own */
    const char *save_int[] = {"--shutdown-on-sigint", "save now", NULL};
    ck_assert(signal_saves(SIGINT, save_int));
    const char *points[] = {"--save", "3600 1", NULL};
    ck_assert(signal_saves(SIGTERM, points));
    const char *nosave[] = {"--save", "3600 1", "--shutdown-on-sigterm", "nosave", NULL};
    ck_assert(!signal_saves(SIGTERM, nosave));
}
END_TEST

START_TEST(shutdown_on_signal_options_parse_as_redis)
{
    struct grove_server s;
    harness_start(&s, NULL);
    redisContext *c = harness_connect(&s);
    harness_cmd_ok(c, "CONFIG SET shutdown-on-sigterm %s", "now nosave");
    redisReply *r = harness_cmd(c, "CONFIG GET shutdown-on-sigterm");
    ck_assert_str_eq(r->element[1]->str, "nosave now");
    freeReplyObject(r);
    harness_cmd_ok(c, "CONFIG SET shutdown-on-sigterm %s", "default force");
    r = harness_cmd(c, "CONFIG GET shutdown-on-sigterm");
    ck_assert_str_eq(r->element[1]->str, "force");
    freeReplyObject(r);
    harness_cmd_ok(c, "CONFIG SET shutdown-on-sigterm default");
    r = harness_cmd(c, "CONFIG GET shutdown-on-sig*");
    ck_assert_uint_eq(r->elements, 4);
    ck_assert_str_eq(r->element[1]->str, "default");
    ck_assert_str_eq(r->element[3]->str, "default");
    freeReplyObject(r);
    harness_expect_error(
        harness_cmd(c, "CONFIG SET shutdown-on-sigint %s", "save nosave"),
        "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown "
        "options SAVE and NOSAVE can't be used simultaneously");
    harness_expect_error(harness_cmd(c, "CONFIG SET shutdown-on-sigint %s", ""),
                         "ERR CONFIG SET failed (possibly related to argument "
                         "'shutdown-on-sigint') - argument(s) must be one of the following: "
                         "default, save, nosave, now, force");
    harness_expect_error(harness_cmd(c, "CONFIG SET shutdown-on-sigint bogus"),
                         "ERR CONFIG SET failed (possibly related to argument "
                         "'shutdown-on-sigint') - argument(s) must be one of the following: "
                         "default, save, nosave, now, force");
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* ---- start-up-only options ------------------------------------------------------------------ */

START_TEST(start_up_options_show_redis_defaults_and_refuse_config_set)
{
    static const char *const defaults[][2] = {
        {"pidfile", ""},        {"supervised", "no"},         {"syslog-enabled", "no"},
        {"syslog-ident", "redis"}, {"syslog-facility", "local0"}, {"disable-thp", "yes"},
    };
    struct grove_server s;
    harness_start(&s, NULL);
    redisContext *c = harness_connect(&s);
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        redisReply *r = harness_cmd(c, "CONFIG GET %s", defaults[i][0]);
        ck_assert_uint_eq(r->elements, 2);
        ck_assert_str_eq(r->element[1]->str, defaults[i][1]);
        freeReplyObject(r);
        char want[256];
        snprintf(want, sizeof(want),
                 "ERR CONFIG SET failed (possibly related to argument '%s') - can't set "
                 "immutable config",
                 defaults[i][0]);
        harness_expect_error(harness_cmd(c, "CONFIG SET %s %s", defaults[i][0], "no"), want);
    }
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* syslog-enabled yes logs to syslog as well; start-up must not mind
 * whether a syslog daemon listens. */
START_TEST(syslog_enabled_server_starts_and_serves)
{
    const char *args[] = {"--syslog-enabled", "yes", "--syslog-ident", "grove-check",
                          "--syslog-facility", "local7", NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    redisReply *r = harness_cmd(c, "CONFIG GET syslog-facility");
    ck_assert_str_eq(r->element[1]->str, "local7");
    freeReplyObject(r);
    harness_expect_status(harness_cmd(c, "PING"), "PONG");
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* ---- the process title ------------------------------------------------------------------ */

/* What ps shows: /proc/PID/cmdline up to its first NUL. */
static void process_title(int pid, char *out, size_t cap)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    size_t n = fread(out, 1, cap - 1, fp);
    out[n] = '\0';
    fclose(fp);
}

START_TEST(the_process_title_shows_the_address_as_redis)
{
    struct grove_server s;
    harness_start(&s, NULL);
    char title[512], want[64];
    process_title(s.pid, title, sizeof(title));
    snprintf(want, sizeof(want), "grove-server 127.0.0.1:%d", s.port);
    ck_assert_msg(strstr(title, want) != NULL && strstr(title, "--port") == NULL, "title: %s",
                  title);
    redisContext *c = harness_connect(&s);
    harness_cmd_ok(c, "CONFIG SET proc-title-template %s", "{title} port={port} tls={tls-port}");
    process_title(s.pid, title, sizeof(title));
    snprintf(want, sizeof(want), "grove-server port=%d tls=0", s.port);
    ck_assert_msg(strstr(title, want) != NULL, "title: %s", title);
    harness_expect_error(harness_cmd(c, "CONFIG SET proc-title-template %s", "{title} {nosuch}"),
                         "ERR CONFIG SET failed (possibly related to argument "
                         "'proc-title-template') - template format is invalid or contains "
                         "unknown variables");
    harness_expect_error(harness_cmd(c, "CONFIG SET proc-title-template %s", "{title"),
                         "ERR CONFIG SET failed (possibly related to argument "
                         "'proc-title-template') - template format is invalid or contains "
                         "unknown variables");
    redisFree(c);
    harness_stop(&s);

    const char *off[] = {"--set-proc-title", "no", NULL};
    harness_start(&s, off);
    process_title(s.pid, title, sizeof(title));
    snprintf(want, sizeof(want), "grove-server 127.0.0.1:%d", s.port);
    ck_assert_msg(strstr(title, want) == NULL, "title: %s", title);
    harness_stop(&s);
}
END_TEST

/* ---- oom-score-adj ------------------------------------------------------------------------- */

static int oom_score_of(int pid)
{
    char path[64], line[32] = "";
    snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "no %s", path);
    ck_assert(fgets(line, sizeof(line), fp) != NULL);
    fclose(fp);
    return atoi(line);
}

/* The first process whose parent is `parent`, or 0. */
static int child_of(int parent)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    int found = 0;
    while (found == 0 && proc != NULL && (e = readdir(proc)) != NULL) {
        char path[300], stat[512];
        int pid = atoi(e->d_name), ppid = 0;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *fp = pid > 0 ? fopen(path, "r") : NULL;
        if (fp == NULL)
            continue;
        char *close_paren = fgets(stat, sizeof(stat), fp) ? strrchr(stat, ')') : NULL;
        if (close_paren != NULL && sscanf(close_paren + 2, "%*c %d", &ppid) == 1 && ppid == parent)
            found = pid;
        fclose(fp);
    }
    if (proc != NULL)
        closedir(proc);
    return found;
}

START_TEST(oom_score_adj_sets_the_process_score_and_gives_it_back)
{
    struct grove_server s;
    harness_start(&s, NULL);
    int base = oom_score_of(s.pid);
    redisContext *c = harness_connect(&s);
    harness_cmd_ok(c, "CONFIG SET oom-score-adj-values %s", "10 20 30");
    ck_assert_int_eq(oom_score_of(s.pid), base); /* oom-score-adj no */
    harness_cmd_ok(c, "CONFIG SET oom-score-adj relative");
    ck_assert_int_eq(oom_score_of(s.pid), base + 10 > 1000 ? 1000 : base + 10);
    harness_cmd_ok(c, "CONFIG SET oom-score-adj-values %s", "900 950 2000");
    ck_assert_int_eq(oom_score_of(s.pid), base + 900 > 1000 ? 1000 : base + 900);
    harness_cmd_ok(c, "CONFIG SET oom-score-adj no");
    ck_assert_int_eq(oom_score_of(s.pid), base);
    harness_expect_error(harness_cmd(c, "CONFIG SET oom-score-adj-values %s", "0 200 3000"),
                         "ERR CONFIG SET failed (possibly related to argument "
                         "'oom-score-adj-values') - Invalid oom-score-adj-values, elements must "
                         "be between -2000 and 2000.");
    harness_expect_error(harness_cmd(c, "CONFIG SET oom-score-adj-values %s", "0 200"),
                         "ERR CONFIG SET failed (possibly related to argument "
                         "'oom-score-adj-values') - wrong number of arguments");
    redisReply *r = harness_cmd(c, "CONFIG GET oom-score-adj*");
    ck_assert_uint_eq(r->elements, 4);
    ck_assert_str_eq(r->element[1]->str, "no");
    ck_assert_str_eq(r->element[3]->str, "900 950 2000");
    freeReplyObject(r);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

#ifdef GROVE_FAULT_INJECTION
/* A BGSAVE child takes the bgchild score (GROVE_FAULTS bgsave-stall keeps
 * it alive to be looked at). */
START_TEST(oom_score_adj_gives_a_saving_child_the_bgchild_score)
{
    const char *args[] = {"--dir", dir.path, "--oom-score-adj", "absolute",
                          "--oom-score-adj-values", "500 600 700", NULL};
    struct grove_server s;
    setenv("GROVE_FAULTS", "bgsave-stall=1", 1);
    harness_start(&s, args);
    unsetenv("GROVE_FAULTS");
    redisContext *c = harness_connect(&s);
    ck_assert_int_eq(oom_score_of(s.pid), 500);
    harness_expect_status(harness_cmd(c, "BGSAVE"), "Background saving started");
    int child = 0;
    for (int tries = 0; tries < 500 && (child = child_of(s.pid)) == 0; tries++)
        harness_sleep_ms(10);
    ck_assert_int_gt(child, 0);
    int score = 0;
    for (int tries = 0; tries < 500 && (score = oom_score_of(child)) != 700; tries++)
        harness_sleep_ms(10);
    ck_assert_int_eq(score, 700);
    ck_assert_int_eq(oom_score_of(s.pid), 500);
    freeReplyObject(redisCommand(c, "SHUTDOWN NOSAVE"));
    redisFree(c);
    harness_wait_exit(&s);
}
END_TEST
#endif

static Suite *supervision_suite(void)
{
    Suite *s = suite_create("supervision");
    TCase *tc = tcase_create("process");
    tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, daemonize_returns_at_once_and_the_daemon_keeps_a_pid_file);
    tcase_add_test(tc, pidfile_is_written_by_a_foreground_server);
    tcase_add_test(tc, supervised_systemd_notifies_ready_and_stopping);
    tcase_add_test(tc, supervised_auto_finds_systemd_by_notify_socket);
    tcase_add_test(tc, signals_shut_down_with_the_configured_modifiers);
    tcase_add_test(tc, shutdown_on_signal_options_parse_as_redis);
    tcase_add_test(tc, start_up_options_show_redis_defaults_and_refuse_config_set);
    tcase_add_test(tc, syslog_enabled_server_starts_and_serves);
    tcase_add_test(tc, the_process_title_shows_the_address_as_redis);
    tcase_add_test(tc, oom_score_adj_sets_the_process_score_and_gives_it_back);
#ifdef GROVE_FAULT_INJECTION
    tcase_add_test(tc, oom_score_adj_gives_a_saving_child_the_bgchild_score);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(supervision_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
