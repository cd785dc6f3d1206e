/*
 * check_lifecycle.c - the server's life and the faults around it: start-up
 * on a port another process holds, accepting when a connection cannot be
 * allocated, CONFIG REWRITE, and shutdown or CONFIG SET while clients on
 * every worker loop are busy (the ThreadSanitizer build runs these too:
 * a data race there fails the server's exit status), and that a client
 * dialling again after SHUTDOWN is refused, as by an exited Redis.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "harness.h"

/* ---- start-up ------------------------------------------------------------------ */

START_TEST(second_server_on_a_taken_port_refuses_to_start)
{
    struct grove_server s;
    const char *args[] = {"--threads", "4", NULL};
    harness_start(&s, args);
    char port[16], out[4096];
    snprintf(port, sizeof(port), "%d", s.port);
    const char *second[] = {"--port", port, "--bind", "127.0.0.1", "--threads", "2", NULL};
    int status = harness_run_to_exit(second, out, sizeof(out));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
                  "a second server on port %s started (status %d)", port, status);
    ck_assert_msg(strstr(out, "Address already in use") != NULL, "output: %s", out);
    /* The first server still has the port, on all of its loops. */
    for (int i = 0; i < 16; i++) {
        redisContext *c = harness_connect(&s);
        harness_expect_status(harness_cmd(c, "PING"), "PONG");
        redisFree(c);
    }
    harness_stop(&s);
}
END_TEST

#ifdef GROVE_FAULT_INJECTION
/* Every third connection cannot be allocated (GROVE_FAULTS): the server
 * must close that one and go on accepting. Before, it returned without
 * accepting, and libuv stopped polling the listener: every later client
 * hung. One loop, so every connection meets the same listener. */
START_TEST(accepting_goes_on_after_a_connection_cannot_be_allocated)
{
    setenv("GROVE_FAULTS", "conn-alloc=3", 1);
    struct grove_server s;
    const char *args[] = {"--threads", "1", NULL};
    harness_start(&s, args);
    unsetenv("GROVE_FAULTS");
    int refused = 0, served = 0;
    for (int i = 0; i < 9; i++) {
        int fd = harness_raw_connect(&s);
        harness_raw_send(fd, "PING\r\n", 6);
        char buf[64];
        size_t n = harness_raw_recv(fd, buf, sizeof(buf), 7);
        if (n == 0) {
            refused++;
            ck_assert(harness_raw_closed(fd));
        } else {
            ck_assert_str_eq(buf, "+PONG\r\n");
            served++;
        }
        close(fd);
    }
    ck_assert_int_ge(refused, 2);
    ck_assert_int_ge(served, 5);
    harness_stop(&s);
}
END_TEST
#endif

/* ---- CONFIG REWRITE ------------------------------------------------------------ */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (; *text != '\0'; text++)
        n += *text == '\n';
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void expect_config(redisContext *c, const char *name, const char *value)
{
    redisReply *r = harness_cmd(c, "CONFIG GET %s", name);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 2);
    ck_assert_str_eq(r->element[1]->str, value);
    freeReplyObject(r);
}

START_TEST(config_rewrite_keeps_comments_and_rewrites_changed_options)
{
    char path[] = "/tmp/grove-rewrite-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    write_file(path, "# the operator's notes\n"
                     "maxmemory 10mb\n"
                     "\n"
                     "# set twice: the last one wins, the rewrite keeps one line\n"
                     "timeout 5\n"
                     "timeout 7\n"
                     "save \"\"\n");
    struct grove_server s;
    struct harness_opts opts = {.config_file = path};
    harness_start_ex(&s, &opts, NULL);
    redisContext *c = harness_connect(&s);
    harness_expect_status(harness_cmd(c, "CONFIG SET maxmemory 20mb hz 20"), "OK");
    harness_expect_status(harness_cmd(c, "CONFIG SET requirepass %s", "two \"quoted\" words"),
                          "OK");
    harness_expect_status(harness_cmd(c, "AUTH %s", "two \"quoted\" words"), "OK");
    harness_expect_status(harness_cmd(c, "CONFIG SET masterauth %b", "a\0\n\"b", (size_t)5),
                          "OK");
    harness_expect_status(harness_cmd(c, "CONFIG REWRITE"), "OK");
    redisFree(c);
    harness_stop(&s);

    const char *text = read_file(path);
    ck_assert_msg(strstr(text, "# the operator's notes\nmaxmemory 20971520\n\n# set twice: the "
                               "last one wins, the rewrite keeps one line\ntimeout 7\n") == text,
                  "rewritten file:\n%s", text);
    ck_assert_msg(strstr(text, "timeout 5") == NULL, "rewritten file:\n%s", text);
    const char *tail = strstr(text, "# Generated by CONFIG REWRITE\n");
    ck_assert_msg(tail != NULL, "rewritten file:\n%s", text);
    ck_assert_ptr_nonnull(strstr(tail, "\nhz 20\n"));
    ck_assert_ptr_nonnull(strstr(tail, "\nrequirepass \"two \\\"quoted\\\" words\"\n"));
    /* Any byte, quoted as Redis's sdscatrepr quotes it. */
    ck_assert_ptr_nonnull(strstr(tail, "\nmasterauth \"a\\x00\\n\\\"b\"\n"));
    ck_assert_msg(strstr(text, "maxclients") == NULL, "a default was written:\n%s", text);

    /* The file starts a server with the same settings. */
    harness_start_ex(&s, &opts, NULL);
    c = harness_connect(&s);
    harness_expect_status(harness_cmd(c, "AUTH %s", "two \"quoted\" words"), "OK");
    redisReply *r = harness_cmd(c, "CONFIG GET masterauth");
    ck_assert_uint_eq(r->element[1]->len, 5);
    ck_assert(memcmp(r->element[1]->str, "a\0\n\"b", 5) == 0);
    freeReplyObject(r);
    expect_config(c, "maxmemory", "20971520");
    expect_config(c, "hz", "20");
    expect_config(c, "timeout", "7");
    /* A second rewrite changes lines in place (only the port differs,
     * the harness gives each server its own): no line is added. */
    size_t lines_before = count_lines(read_file(path));
    harness_expect_status(harness_cmd(c, "CONFIG REWRITE"), "OK");
    text = read_file(path);
    ck_assert_uint_eq(count_lines(text), lines_before);
    tail = strstr(text, "# Generated by CONFIG REWRITE\n");
    ck_assert_ptr_nonnull(tail);
    ck_assert_ptr_null(strstr(tail + 1, "# Generated by CONFIG REWRITE"));
    redisFree(c);
    harness_stop(&s);
    unlink(path);
}
END_TEST

/* DEBUG CONFIG-REWRITE-FORCE-ALL writes every option, defaults too, and
 * the file starts a server with the same CONFIG GET * (Redis's "CONFIG
 * REWRITE sanity"); an empty flags value is written as "" so that it
 * reads back. */
START_TEST(config_rewrite_force_all_reads_back)
{
    char path[] = "/tmp/grove-rewrite-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    write_file(path, "save \"\"\nenable-debug-command yes\nnotify-keyspace-events KEA\n");
    struct grove_server s;
    struct harness_opts opts = {.config_file = path};
    harness_start_ex(&s, &opts, NULL);
    redisContext *c = harness_connect(&s);
    harness_expect_status(harness_cmd(c, "CONFIG SET notify-keyspace-events %s", ""), "OK");
    redisReply *before = harness_cmd(c, "CONFIG GET *");
    harness_expect_status(harness_cmd(c, "DEBUG CONFIG-REWRITE-FORCE-ALL"), "OK");
    redisFree(c);
    harness_stop(&s);
    const char *text = read_file(path);
    ck_assert_msg(strstr(text, "\nmaxclients 10000\n") != NULL, "no default written:\n%s", text);
    ck_assert_msg(strstr(text, "\nnotify-keyspace-events \"\"\n") != NULL, "%s", text);
    opts.port = s.port; /* CONFIG GET * shows the port the file now names */
    harness_start_ex(&s, &opts, NULL);
    c = harness_connect(&s);
    redisReply *after = harness_cmd(c, "CONFIG GET *");
    ck_assert_uint_eq(after->elements, before->elements);
    for (size_t i = 0; i < before->elements; i += 2) {
        size_t j = 0;
        while (j < after->elements && strcmp(after->element[j]->str, before->element[i]->str))
            j += 2;
        ck_assert_msg(j < after->elements, "%s is gone", before->element[i]->str);
        ck_assert_msg(strcmp(after->element[j + 1]->str, before->element[i + 1]->str) == 0,
                      "%s: %s, was %s", before->element[i]->str, after->element[j + 1]->str,
                      before->element[i + 1]->str);
    }
    freeReplyObject(before);
    freeReplyObject(after);
    redisFree(c);
    harness_stop(&s);
    unlink(path);
}
END_TEST

START_TEST(config_rewrite_without_a_config_file_is_refused)
{
    struct grove_server s;
    harness_start(&s, NULL);
    redisContext *c = harness_connect(&s);
    harness_expect_error(harness_cmd(c, "CONFIG REWRITE"),
                         "ERR The server is running without a config file");
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* ---- busy loops -------------------------------------------------------------- */

struct traffic {
    const struct grove_server *s;
    atomic_bool stop;
    atomic_long done;
};

/* Pipelined writes and reads until told to stop, or the server goes. */
static void *writer_thread(void *arg)
{
    struct traffic *t = arg;
    redisContext *c = harness_connect(t->s);
    long n = 0;
    while (!atomic_load(&t->stop)) {
        for (int i = 0; i < 16; i++)
            redisAppendCommand(c, "INCR counter:%ld", n % 7);
        redisReply *r = NULL;
        for (int i = 0; i < 16; i++) {
            if (redisGetReply(c, (void **)&r) != REDIS_OK)
                goto out;
            ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
            freeReplyObject(r);
        }
        n += 16;
        atomic_fetch_add(&t->done, 16);
    }
out:
    redisFree(c);
    return NULL;
}

static void start_traffic(struct traffic *t, pthread_t *threads, int n)
{
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, writer_thread, t), 0);
    while (atomic_load(&t->done) < 2000L * n) /* every thread is under way */
        usleep(1000);
}

static void stop_traffic(struct traffic *t, pthread_t *threads, int n)
{
    atomic_store(&t->stop, true);
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
}

/* CONFIG SET of the options the loops read on every request, while they
 * serve: the ThreadSanitizer build fails here if a write is not atomic. */
START_TEST(config_set_while_every_loop_serves)
{
    struct grove_server s;
    const char *args[] = {"--threads", "4", NULL};
    harness_start(&s, args);
    struct traffic t = {.s = &s};
    pthread_t threads[6];
    start_traffic(&t, threads, 6);
    redisContext *c = harness_connect(&s);
    for (int i = 0; i < 200; i++) {
        harness_expect_status(harness_cmd(c, "CONFIG SET timeout %d proto-max-bulk-len %d "
                                             "maxmemory-samples %d hz %d",
                                          1000 + i, (1 << 20) * (1 + i % 4), 1 + i % 10,
                                          10 + i % 5),
                              "OK");
        harness_expect_status(harness_cmd(c, "CONFIG SET client-output-buffer-limit %s",
                                          i % 2 ? "normal 0 0 0" : "normal 512mb 256mb 60"),
                              "OK");
    }
    stop_traffic(&t, threads, 6);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* CONFIG RESETSTAT while other loops count commands: what INFO shows
 * right after it counts only what ran since. Before, the reset zeroed
 * counters the other loops own, and their next increment could store the
 * old total back. */
START_TEST(resetstat_while_every_loop_counts)
{
    struct grove_server s;
    const char *args[] = {"--threads", "4", NULL};
    harness_start(&s, args);
    struct traffic t = {.s = &s};
    pthread_t threads[6];
    start_traffic(&t, threads, 6);
    redisContext *c = harness_connect(&s);
    for (int i = 0; i < 100; i++) {
        long before = atomic_load(&t.done);
        harness_expect_status(harness_cmd(c, "CONFIG RESETSTAT"), "OK");
        long long counted = harness_info_ll(c, "stats", "total_commands_processed");
        long after = atomic_load(&t.done);
        /* What ran since the reset: at most the replies seen by then plus
         * a pipeline in flight per thread, plus this INFO. */
        ck_assert_msg(counted <= after - before + 6 * 16 + 1,
                      "%lld commands counted after a reset, %ld ran", counted, after - before);
    }
    stop_traffic(&t, threads, 6);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* SHUTDOWN while publishers on every loop reach subscribers on every
 * other loop: the loops stop while messages cross between them. */
static void *publisher_thread(void *arg)
{
    struct traffic *t = arg;
    redisContext *c = harness_connect(t->s);
    for (long n = 0;; n++) {
        redisReply *r = redisCommand(c, "PUBLISH news %ld", n);
        if (r == NULL)
            break;
        freeReplyObject(r);
        atomic_fetch_add(&t->done, 1);
    }
    redisFree(c);
    return NULL;
}

START_TEST(shutdown_while_messages_cross_loops)
{
    struct grove_server s;
    const char *args[] = {"--threads", "4", NULL};
    harness_start(&s, args);
    redisContext *subs[8];
    for (int i = 0; i < 8; i++) {
        subs[i] = harness_connect(&s);
        freeReplyObject(harness_cmd(subs[i], "SUBSCRIBE news"));
    }
    struct traffic t = {.s = &s};
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, publisher_thread, &t), 0);
    while (atomic_load(&t.done) < 2000)
        usleep(1000);
    redisContext *c = harness_connect(&s);
    redisReply *r = redisCommand(c, "SHUTDOWN NOSAVE");
    ck_assert_ptr_null(r); /* the connection ends without a reply, as in Redis */
    harness_wait_exit(&s);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < 8; i++)
        redisFree(subs[i]);
    redisFree(c);
}
END_TEST

/* connect()'s errno to the address (0: connected). */
static int connect_errno(const struct sockaddr *sa, socklen_t len)
{
    int fd = socket(sa->sa_family, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    int err = connect(fd, sa, len) == 0 ? 0 : errno;
    close(fd);
    return err;
}

/* Redis's shutdown and scripting units dial again the moment SHUTDOWN's
 * connection ends and expect "connection refused": the listeners of every
 * loop must be shut before any connection closes, or a loop that has not
 * stopped yet accepts the new one and drops it. */
START_TEST(after_shutdown_new_connections_are_refused)
{
    struct harness_tmpdir dir;
    harness_tmpdir_make(&dir);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof(un.sun_path), "%s/grove.sock", dir.path);
    struct grove_server s;
    const char *args[] = {"--threads", "4", "--unixsocket", un.sun_path, NULL};
    harness_start(&s, args);
    redisContext *idle[8];
    for (int i = 0; i < 8; i++) /* every loop has connections to close */
        idle[i] = harness_connect(&s);
    redisContext *c = harness_connect(&s);
    ck_assert_ptr_null(redisCommand(c, "SHUTDOWN NOSAVE"));
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s.port)};
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect_errno((struct sockaddr *)&in, sizeof(in)), ECONNREFUSED);
    int err = connect_errno((struct sockaddr *)&un, sizeof(un));
    ck_assert_msg(err == ECONNREFUSED || err == ENOENT, "unix socket: %s", strerror(err));
    harness_wait_exit(&s);
    for (int i = 0; i < 8; i++)
        redisFree(idle[i]);
    redisFree(c);
    harness_tmpdir_remove(&dir);
}
END_TEST

static Suite *lifecycle_suite(void)
{
    Suite *s = suite_create("lifecycle");
    TCase *start = tcase_create("start-up");
    tcase_set_timeout(start, 60);
    tcase_add_test(start, second_server_on_a_taken_port_refuses_to_start);
#ifdef GROVE_FAULT_INJECTION
    tcase_add_test(start, accepting_goes_on_after_a_connection_cannot_be_allocated);
#endif
    suite_add_tcase(s, start);
    TCase *rewrite = tcase_create("config rewrite");
    tcase_set_timeout(rewrite, 60);
    tcase_add_test(rewrite, config_rewrite_keeps_comments_and_rewrites_changed_options);
    tcase_add_test(rewrite, config_rewrite_without_a_config_file_is_refused);
    tcase_add_test(rewrite, config_rewrite_force_all_reads_back);
    suite_add_tcase(s, rewrite);
    TCase *busy = tcase_create("busy loops");
    tcase_set_timeout(busy, 300);
    tcase_add_test(busy, config_set_while_every_loop_serves);
    tcase_add_test(busy, resetstat_while_every_loop_counts);
    tcase_add_test(busy, shutdown_while_messages_cross_loops);
    tcase_add_test(busy, after_shutdown_new_connections_are_refused);
    suite_add_tcase(s, busy);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lifecycle_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
