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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* hiredis 0.14 (Debian 12) knows no RESP3 types; 1.x has REDIS_REPLY_VERB. */
#ifdef REDIS_REPLY_VERB
#define HARNESS_REPLY_VERB REDIS_REPLY_VERB
#else
#define HARNESS_REPLY_VERB REDIS_REPLY_STRING
#endif

#define START_ATTEMPTS 5
#define READY_TIMEOUT_MS 10000
#define IO_TIMEOUT_MS 5000
#define EXIT_TIMEOUT_MS 20000

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

/* ---- servers this process started ---------------------------------------- */

/* Check runs each test in a forked child, and a failed assertion exits that
 * child at once, before any teardown: the servers it started would outlive
 * it. So every server is recorded with the pid of the process that started
 * it, and an atexit handler kills the ones its own process left running.
 * (A forked child inherits the parent's records but must not touch them.) */
#define MAX_SERVERS 64

static struct {
    pid_t server, owner;
} started[MAX_SERVERS];

static void kill_leftover_servers(void)
{
    for (int i = 0; i < MAX_SERVERS; i++) {
        if (started[i].server > 0 && started[i].owner == getpid()) {
            kill(started[i].server, SIGKILL);
            waitpid(started[i].server, NULL, 0);
            started[i].server = 0;
        }
    }
}

static void remember_server(pid_t pid)
{
    static bool registered;
    if (!registered) {
        atexit(kill_leftover_servers);
        registered = true;
    }
    for (int i = 0; i < MAX_SERVERS; i++) {
        if (started[i].server <= 0 || started[i].owner != getpid()) {
            started[i].server = pid;
            started[i].owner = getpid();
            return;
        }
    }
}

static void forget_server(pid_t pid)
{
    for (int i = 0; i < MAX_SERVERS; i++)
        if (started[i].server == pid && started[i].owner == getpid())
            started[i].server = 0;
}

static pid_t spawn(int port, const struct harness_opts *opts, const char *const *args)
{
    const char *bin = getenv("GROVE_SERVER");
    ck_assert_msg(bin != NULL, "GROVE_SERVER is not set");
    char portbuf[16];
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    const char *argv[64] = {bin};
    size_t n = 1;
    if (opts && opts->config_file)
        argv[n++] = opts->config_file;
    const char *fixed[] = {"--port", portbuf, "--bind", "127.0.0.1", "--loglevel", "warning"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        argv[n++] = fixed[i];
    for (size_t i = 0; args && args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (opts && opts->nofile > 0) {
            struct rlimit rl;
            getrlimit(RLIMIT_NOFILE, &rl);
            rl.rlim_cur = (rlim_t)opts->nofile;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    remember_server(pid);
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

void harness_start_ex(struct grove_server *s, const struct harness_opts *opts,
                      const char *const *args)
{
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        s->port = free_port();
        s->pid = spawn(s->port, opts, args);
        if (wait_ready(s))
            return;
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        forget_server(s->pid);
    }
    ck_abort_msg("grove-server did not start");
}

void harness_start(struct grove_server *s, const char *const *args)
{
    harness_start_ex(s, NULL, args);
}

/* Wait up to `timeout_ms` for the server to exit; its wait status, or -1. */
static int wait_exit(pid_t pid, long long timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    int status = 0;
    while (now_ms() < deadline) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            forget_server(pid);
            return status;
        }
        if (r < 0 && errno != EINTR)
            return -1;
        usleep(5000);
    }
    return -1;
}

static void expect_clean_exit(struct grove_server *s, int status, const char *how)
{
    ck_assert_msg(status != -1, "grove-server did not exit after %s", how);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "grove-server exited badly after %s (status %d)", how, status);
}

void harness_stop_with(struct grove_server *s, int signum)
{
    ck_assert_int_eq(kill(s->pid, signum), 0);
    expect_clean_exit(s, wait_exit(s->pid, EXIT_TIMEOUT_MS), strsignal(signum));
}

void harness_stop(struct grove_server *s)
{
    harness_stop_with(s, SIGTERM);
}

void harness_wait_exit(struct grove_server *s)
{
    expect_clean_exit(s, wait_exit(s->pid, EXIT_TIMEOUT_MS), "SHUTDOWN");
}

int harness_run_to_exit(const char *const *args, char *out, size_t cap)
{
    const char *bin = getenv("GROVE_SERVER");
    ck_assert_msg(bin != NULL, "GROVE_SERVER is not set");
    const char *argv[64] = {bin};
    size_t n = 1;
    for (size_t i = 0; args && args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int pipefd[2];
    ck_assert_int_eq(pipe(pipefd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    remember_server(pid);
    close(pipefd[1]);
    size_t got = 0;
    long long deadline = now_ms() + EXIT_TIMEOUT_MS;
    while (got + 1 < cap && now_ms() < deadline) {
        struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
        if (poll(&p, 1, (int)(deadline - now_ms())) <= 0)
            break;
        ssize_t r = read(pipefd[0], out + got, cap - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    out[got] = '\0';
    close(pipefd[0]);
    int status = wait_exit(pid, deadline - now_ms() > 0 ? deadline - now_ms() : 1);
    if (status == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        forget_server(pid);
        ck_abort_msg("grove-server kept running with bad options; output: %s", out);
    }
    return status;
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

void harness_pipeline_int(redisContext *c, const char *fmt, int from, int to)
{
    /* One assertion per batch: Check records every passing assertion,
     * which would dominate the run time of large batches. */
    int append_failures = 0, errors = 0;
    for (int i = from; i < to; i++)
        append_failures += redisAppendCommand(c, fmt, i) != REDIS_OK;
    ck_assert_int_eq(append_failures, 0);
    for (int i = from; i < to; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK)
            ck_abort_msg("no reply in a pipeline: %s", c->errstr);
        errors += r->type == REDIS_REPLY_ERROR;
        freeReplyObject(r);
    }
    ck_assert_msg(errors == 0, "%d pipelined commands failed", errors);
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
    ck_assert_msg(r->type == REDIS_REPLY_STRING || r->type == HARNESS_REPLY_VERB,
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

/* ---- INFO, limits, raw replies ------------------------------------------------ */

bool harness_info_field(redisContext *c, const char *section, const char *field, char *buf,
                        size_t cap)
{
    redisReply *r = harness_cmd(c, "INFO %s", section);
    ck_assert_msg(r->type == REDIS_REPLY_STRING || r->type == HARNESS_REPLY_VERB,
                  "INFO gave type %d", r->type);
    size_t flen = strlen(field);
    bool found = false;
    for (const char *line = r->str; line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > flen && memcmp(line, field, flen) == 0 && line[flen] == ':') {
            size_t vlen = len - flen - 1;
            if (vlen >= cap)
                vlen = cap - 1;
            memcpy(buf, line + flen + 1, vlen);
            buf[vlen] = '\0';
            found = true;
            break;
        }
        line = end ? end + 2 : NULL;
    }
    freeReplyObject(r);
    return found;
}

long long harness_info_ll(redisContext *c, const char *section, const char *field)
{
    char buf[64];
    ck_assert_msg(harness_info_field(c, section, field, buf, sizeof(buf)), "INFO has no %s",
                  field);
    return strtoll(buf, NULL, 10);
}

void harness_wait_info_ll(redisContext *c, const char *section, const char *field,
                          long long want)
{
    long long deadline = now_ms() + IO_TIMEOUT_MS;
    long long v = harness_info_ll(c, section, field);
    while (v != want && now_ms() < deadline) {
        usleep(5000);
        v = harness_info_ll(c, section, field);
    }
    ck_assert_msg(v == want, "INFO %s: %lld, expected %lld", field, v, want);
}

long harness_raise_nofile(long want)
{
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want) {
        rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)want)
                          ? (rlim_t)want
                          : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY ? want : (long)rl.rlim_cur;
}

redisReply *harness_raw_reply(int fd, redisReader *reader)
{
    long long deadline = now_ms() + IO_TIMEOUT_MS;
    for (;;) {
        void *reply = NULL;
        ck_assert_int_eq(redisReaderGetReply(reader, &reply), REDIS_OK);
        if (reply != NULL)
            return reply;
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return NULL;
        char buf[65536];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return NULL;
        redisReaderFeed(reader, buf, (size_t)n);
    }
}
