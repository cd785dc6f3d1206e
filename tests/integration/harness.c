/*
 * harness.c - see harness.h. Ports are chosen by binding port 0 and
 * releasing it; if another process grabs it first the server fails to
 * start and we try another.
 */
#include "harness.h"

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_ATTEMPTS 5
#define READY_TIMEOUT_MS 10000
#define IO_TIMEOUT_MS 5000

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pid_t spawn(int port, const char *const *args)
{
    const char *bin = getenv("GROVE_SERVER");
    ck_assert_msg(bin != NULL, "GROVE_SERVER is not set");
    char portbuf[16];
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    const char *argv[64] = {bin, "--port", portbuf, "--bind", "127.0.0.1", "--loglevel",
                            "warning"};
    size_t n = 7;
    for (size_t i = 0; args && args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static bool wait_ready(struct grove_server *s)
{
    long long deadline = now_ms() + READY_TIMEOUT_MS;
    while (now_ms() < deadline) {
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid)
            return false; /* exited: port taken or bad options */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
        close(fd);
        if (rc == 0)
            return true;
        usleep(10000);
    }
    return false;
}

void harness_start(struct grove_server *s, const char *const *args)
{
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        s->port = free_port();
        s->pid = spawn(s->port, args);
        if (wait_ready(s))
            return;
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    ck_abort_msg("grove-server did not start");
}

void harness_stop(struct grove_server *s)
{
    int status = 0;
    ck_assert_int_eq(kill(s->pid, SIGTERM), 0);
    ck_assert_int_eq(waitpid(s->pid, &status, 0), s->pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "grove-server exited badly (status %d)", status);
}

redisContext *harness_connect(const struct grove_server *s)
{
    struct timeval tv = {10, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(c->err == 0, "connect: %s", c->errstr);
    redisSetTimeout(c, tv);
    return c;
}

redisReply *harness_cmd(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    ck_assert_msg(r != NULL, "no reply to '%s': %s", fmt, c->errstr);
    return r;
}

/* ---- raw sockets ------------------------------------------------------------ */

int harness_raw_connect(const struct grove_server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

void harness_raw_send(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        ck_assert_msg(n > 0, "send failed: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

size_t harness_raw_recv(int fd, char *buf, size_t cap, size_t expect_len)
{
    size_t got = 0;
    long long deadline = now_ms() + IO_TIMEOUT_MS;
    while (got < expect_len && got < cap - 1) {
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t n = recv(fd, buf + got, cap - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

void harness_raw_roundtrip(int fd, const char *send_text, const char *expected)
{
    char buf[65536];
    size_t want = strlen(expected);
    harness_raw_send(fd, send_text, strlen(send_text));
    size_t got = harness_raw_recv(fd, buf, sizeof(buf), want);
    ck_assert_msg(got == want && memcmp(buf, expected, want) == 0,
                  "sent %s: expected [%s], got [%s]", send_text, expected, buf);
}

bool harness_raw_closed(int fd)
{
    char buf[4096];
    long long deadline = now_ms() + IO_TIMEOUT_MS;
    while (now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(deadline - now_ms())) <= 0)
            return false;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return true;
        if (n < 0)
            return false;
    }
    return false;
}

/* ---- reply assertions ---------------------------------------------------------- */

void harness_expect_status(redisReply *r, const char *status)
{
    ck_assert_msg(r->type == REDIS_REPLY_STATUS, "expected status %s, got type %d (%s)", status,
                  r->type, r->str ? r->str : "");
    ck_assert_str_eq(r->str, status);
    freeReplyObject(r);
}

void harness_expect_error(redisReply *r, const char *error)
{
    ck_assert_msg(r->type == REDIS_REPLY_ERROR, "expected error %s, got type %d (%s)", error,
                  r->type, r->str ? r->str : "");
    ck_assert_str_eq(r->str, error);
    freeReplyObject(r);
}

void harness_expect_int(redisReply *r, long long v)
{
    ck_assert_msg(r->type == REDIS_REPLY_INTEGER, "expected integer %lld, got type %d (%s)", v,
                  r->type, r->str ? r->str : "");
    ck_assert_int_eq(r->integer, v);
    freeReplyObject(r);
}

void harness_expect_str(redisReply *r, const char *s)
{
    ck_assert_msg(r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_VERB,
                  "expected string %s, got type %d (%s)", s, r->type, r->str ? r->str : "");
    ck_assert_int_eq(r->len, strlen(s));
    ck_assert_mem_eq(r->str, s, r->len);
    freeReplyObject(r);
}

void harness_expect_nil(redisReply *r)
{
    ck_assert_msg(r->type == REDIS_REPLY_NIL, "expected nil, got type %d (%s)", r->type,
                  r->str ? r->str : "");
    freeReplyObject(r);
}
