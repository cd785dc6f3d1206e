/*
 * harness.c - see harness.h.
 *
 * Ports are chosen by binding port 0 and releasing it (never 6379). If
 * another process grabs the port first, our server either fails to bind
 * and exits, or (two servers sharing a port through SO_REUSEPORT) the
 * readiness probe meets a process that is not ours; either way we start
 * again on another port.
 *
 * Check runs each test in a forked child, and a failed assertion exits
 * that child at once, before any teardown; a test that times out is
 * killed with its process group. So servers and temporary files are
 * recorded with the pid of the process that made them and cleaned up by
 * atexit handlers; temporary files are recorded in memory shared with the
 * runner, which removes what a killed test left behind.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
#define EXIT_TIMEOUT_MS 20000
#define DEFAULT_REDIS_PORT 6379

/* ---- time ------------------------------------------------------------------- */

static long long clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long harness_now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

long long harness_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

void harness_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Milliseconds left before `deadline`, at least 0, as poll() wants them. */
static int ms_left(long long deadline)
{
    long long left = deadline - harness_now_ms();
    return left > 0 ? (int)left : 0;
}

/* ---- servers this process started -------------------------------------------- */

/* A forked child inherits the parent's records but must not touch them:
 * each record names the process that owns it. */
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

/* ---- temporary files ------------------------------------------------------------ */

/* Shared between the runner and every test it forks, so the runner can
 * remove the files of a test that was killed (timeout) before its atexit
 * handler could run. An entry is free while its owner is 0. */
#define MAX_TEMP_FILES 64

struct temp_file {
    atomic_int owner;
    char path[64];
};

static struct temp_file *temp_files;
static pid_t temp_root;

static void remove_temp_files(void)
{
    for (int i = 0; i < MAX_TEMP_FILES; i++) {
        int owner = atomic_load(&temp_files[i].owner);
        if (owner != 0 && (owner == getpid() || getpid() == temp_root)) {
            unlink(temp_files[i].path);
            atomic_store(&temp_files[i].owner, 0);
        }
    }
}

/* Before main, so the table exists before Check forks the first test. */
__attribute__((constructor)) static void temp_files_init(void)
{
    void *p = mmap(NULL, MAX_TEMP_FILES * sizeof(struct temp_file), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("harness: mmap for the temporary file table");
        abort();
    }
    temp_files = p;
    temp_root = getpid();
    atexit(remove_temp_files);
}

const char *harness_temp_file(const char *text)
{
    for (int i = 0; i < MAX_TEMP_FILES; i++) {
        struct temp_file *t = &temp_files[i];
        int free_entry = 0;
        if (!atomic_compare_exchange_strong(&t->owner, &free_entry, (int)getpid()))
            continue;
        snprintf(t->path, sizeof(t->path), "/tmp/grove-test-XXXXXX");
        int fd = mkstemp(t->path);
        ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
        size_t len = text ? strlen(text) : 0;
        ck_assert_int_eq(write(fd, text ? text : "", len), (ssize_t)len);
        close(fd);
        return t->path;
    }
    ck_abort_msg("more than %d temporary files", MAX_TEMP_FILES);
    return NULL;
}

/* ---- starting and stopping ------------------------------------------------------- */

int harness_free_port(void)
{
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sa);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        close(fd);
        if (ntohs(sa.sin_port) != DEFAULT_REDIS_PORT) /* a real Redis may own it */
            return ntohs(sa.sin_port);
    }
}

redisContext *harness_redis_start(pid_t *pid)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", harness_free_port());
    *pid = fork();
    if (*pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execlp("redis-server", "redis-server", "--port", port, "--save", "", "--appendonly",
               "no", "--enable-debug-command", "yes", "--dir", "/tmp", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 300; i++) {
        redisContext *c = redisConnect("127.0.0.1", atoi(port));
        if (c != NULL && !c->err)
            return c;
        redisFree(c);
        if (waitpid(*pid, NULL, WNOHANG) == *pid)
            return NULL;
        harness_sleep_ms(10);
    }
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    return NULL;
}

void harness_redis_stop(redisContext *c, pid_t pid)
{
    redisReply *r = redisCommand(c, "SHUTDOWN NOSAVE");
    if (r)
        freeReplyObject(r);
    redisFree(c);
    waitpid(pid, NULL, 0);
}

static pid_t spawn(int port, const struct harness_opts *opts, const char *const *args)
{
    const char *bin = getenv("GROVE_SERVER");
    ck_assert_msg(bin != NULL, "GROVE_SERVER is not set");
    ck_assert_msg(port != DEFAULT_REDIS_PORT, "tests never use port %d", DEFAULT_REDIS_PORT);
    char portbuf[16];
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    const char *argv[64] = {bin};
    size_t n = 1;
    if (opts && opts->config_file)
        argv[n++] = opts->config_file;
    /* No save points unless a test asks: servers must not write dump.rdb
     * into the working directory, nor load one another's. A test with a
     * config file owns its save points (and must not leave them set). */
    const char *fixed[] = {"--port", portbuf, "--bind", "127.0.0.1", "--loglevel", "warning",
                           "--save", ""};
    size_t nfixed = sizeof(fixed) / sizeof(fixed[0]) - (opts && opts->config_file ? 2 : 0);
    for (size_t i = 0; i < nfixed; i++)
        argv[n++] = fixed[i];
    for (size_t i = 0; args && args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        if (opts && opts->nofile_hard > 0)
            rl.rlim_max = (rlim_t)opts->nofile_hard;
        if (opts && opts->nofile > 0)
            rl.rlim_cur = (rlim_t)opts->nofile;
        if (rl.rlim_cur > rl.rlim_max)
            rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    remember_server(pid);
    return pid;
}

static bool server_exited(pid_t pid)
{
    int status;
    return waitpid(pid, &status, WNOHANG) == pid;
}

/* A connected socket to the port, or -1 while nothing listens there. */
static int try_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_ge(fd, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
        return fd;
    close(fd);
    return -1;
}

/* ---- is the server on the port ours? ---------------------------------------------- */

/* Adds to `n` the inodes of the sockets listening on `port` in one of
 * /proc/net/tcp{,6}: "sl local rem st ... uid timeout inode", st 0A is
 * LISTEN. */
static size_t listening_inodes(const char *table, int port, unsigned long *inodes, size_t n,
                               size_t cap)
{
    FILE *f = fopen(table, "r");
    char line[512], local[64];
    unsigned st;
    unsigned long inode;
    if (f == NULL)
        return n; /* no IPv6 */
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, " %*s %63s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) != 3)
            continue; /* the header */
        const char *colon = strrchr(local, ':');
        if (st == 0x0A && colon && strtol(colon + 1, NULL, 16) == port && n < cap)
            inodes[n++] = inode;
    }
    fclose(f);
    return n;
}

static bool process_holds_socket(pid_t pid, unsigned long inode)
{
    char dir[64], want[64], link[64];
    snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
    snprintf(want, sizeof(want), "socket:[%lu]", inode);
    DIR *d = opendir(dir);
    bool found = false;
    for (struct dirent *e; d && !found && (e = readdir(d)) != NULL;) {
        ssize_t len = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
        found = len > 0 && (size_t)len == strlen(want) && memcmp(link, want, (size_t)len) == 0;
    }
    if (d)
        closedir(d);
    return found;
}

/* Every socket listening on the port belongs to our server: a second
 * server sharing it through SO_REUSEPORT would take some connections. */
static bool only_ours_listen(const struct grove_server *s)
{
    unsigned long inodes[64];
    size_t n = listening_inodes("/proc/net/tcp", s->port, inodes, 0, 64);
    n = listening_inodes("/proc/net/tcp6", s->port, inodes, n, 64);
    for (size_t i = 0; i < n; i++)
        if (!process_holds_socket(s->pid, inodes[i]))
            return false;
    return n > 0;
}

/* The integer after "field:" in an INFO text, or -1. */
static long long info_text_ll(const char *text, const char *field)
{
    char key[64];
    snprintf(key, sizeof(key), "\r\n%s:", field);
    const char *at = strstr(text, key);
    return at ? strtoll(at + strlen(key), NULL, 10) : -1;
}

/* Send `cmd` on the probe and return the integer `field` of the INFO text
 * it answers; -1 if no answer came, -2 if the server wants AUTH first. */
static long long probe_info(int fd, redisReader *reader, const char *cmd, const char *field)
{
    harness_raw_send(fd, cmd, strlen(cmd));
    redisReply *r = harness_raw_reply(fd, reader);
    if (r == NULL)
        return -1;
    long long v = -1;
    if (r->type == REDIS_REPLY_STRING)
        v = info_text_ll(r->str, field);
    else if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOAUTH", 6) == 0)
        v = -2;
    freeReplyObject(r);
    return v;
}

/* connected_clients without a replica's link to its master (started by
 * --replicaof, it may be up before the probe asks): that one never knew
 * our port. -1 when unanswered. */
static long long probe_clients(int fd, redisReader *reader)
{
    long long n = probe_info(fd, reader, "INFO clients\r\n", "connected_clients");
    if (n > 1 &&
        probe_info(fd, reader, "INFO replication\r\n", "master_last_io_seconds_ago") >= 0)
        n--;
    return n;
}

/* The probe, connected and answered (so accepted and counted): is the
 * server ours, and is the probe its only client? Nothing else should know
 * the port. A server with a password answers NOAUTH: then only the
 * listening sockets say whose it is. */
/* The server's --requirepass among its arguments, or NULL. */
static const char *requirepass_of(const char *const *args)
{
    for (size_t i = 0; args && args[i] && args[i + 1]; i++)
        if (strcmp(args[i], "--requirepass") == 0)
            return args[i + 1];
    return NULL;
}

/* A server with a password answers INFO once the probe has authenticated
 * (NOAUTH comes before LOADING), so the probe can wait for its load too. */
static void probe_auth(int fd, redisReader *reader, const char *password)
{
    char cmd[256];
    int n = snprintf(cmd, sizeof(cmd), "AUTH %s\r\n", password);
    harness_raw_send(fd, cmd, (size_t)n);
    redisReply *r = harness_raw_reply(fd, reader);
    if (r != NULL)
        freeReplyObject(r);
}

static bool probe_finds_our_server(const struct grove_server *s, int fd, long long deadline,
                                   bool wait_loaded, const char *password)
{
    redisReader *reader = redisReaderCreate();
    long long pid = probe_info(fd, reader, "INFO server\r\n", "process_id");
    if (pid == -2 && password != NULL) {
        probe_auth(fd, reader, password);
        pid = probe_info(fd, reader, "INFO server\r\n", "process_id");
    }
    long long clients = pid == -2 ? 1 : -1;
    while (pid == s->pid && wait_loaded && harness_now_ms() < deadline &&
           probe_info(fd, reader, "INFO persistence\r\n", "loading") == 1)
        harness_sleep_ms(10);
    if (pid == s->pid) {
        while ((clients = probe_clients(fd, reader)) > 1 &&
               harness_now_ms() < deadline)
            harness_sleep_ms(10);
    }
    redisReaderFree(reader);
    bool listeners = only_ours_listen(s);
    if (pid == -1)
        fprintf(stderr, "harness: no answer on port %d; trying another\n", s->port);
    else if ((pid != -2 && pid != s->pid) || !listeners)
        fprintf(stderr, "harness: port %d is shared with another process (INFO: pid %lld, ours "
                        "%d); trying another\n", s->port, pid, (int)s->pid);
    else if (clients != 1)
        fprintf(stderr, "harness: our server on port %d has %lld clients besides the probe; "
                        "trying another\n", s->port, clients - 1);
    return (pid == s->pid || pid == -2) && listeners && clients == 1;
}

/* Wait until the server accepts a connection, then probe it. */
static bool wait_ready(const struct grove_server *s, bool wait_loaded, const char *password)
{
    long long deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    while (harness_now_ms() < deadline) {
        if (server_exited(s->pid))
            return false; /* port taken or bad options */
        int fd = try_connect(s->port);
        if (fd < 0) {
            harness_sleep_ms(10); /* not listening yet */
            continue;
        }
        bool ours = probe_finds_our_server(s, fd, deadline, wait_loaded, password);
        close(fd);
        return ours;
    }
    return false;
}

void harness_start_ex(struct grove_server *s, const struct harness_opts *opts,
                      const char *const *args)
{
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        s->port = opts && opts->port ? opts->port : harness_free_port();
        s->pid = spawn(s->port, opts, args);
        if (wait_ready(s, opts == NULL || !opts->during_loading, requirepass_of(args)))
            return;
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        forget_server(s->pid);
    }
    ck_abort_msg("grove-server did not start after %d attempts", START_ATTEMPTS);
}

void harness_tmpdir_make(struct harness_tmpdir *d)
{
    snprintf(d->path, sizeof(d->path), "/tmp/grove-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(d->path));
}

void harness_tmpdir_remove(struct harness_tmpdir *d)
{
    DIR *dir = opendir(d->path);
    char p[512];
    for (struct dirent *e; dir && (e = readdir(dir)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", d->path, e->d_name);
        unlink(p);
    }
    if (dir)
        closedir(dir);
    rmdir(d->path);
}

void harness_start(struct grove_server *s, const char *const *args)
{
    harness_start_ex(s, NULL, args);
}

/* Wait up to `timeout_ms` for the server to exit; its wait status, or -1. */
static int wait_exit(pid_t pid, long long timeout_ms)
{
    long long deadline = harness_now_ms() + timeout_ms;
    int status = 0;
    while (harness_now_ms() < deadline) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            forget_server(pid);
            return status;
        }
        if (r < 0 && errno != EINTR)
            return -1;
        harness_sleep_ms(5);
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

int harness_wait_status(struct grove_server *s)
{
    return wait_exit(s->pid, EXIT_TIMEOUT_MS);
}

int harness_run_to_exit(const char *const *args, char *out, size_t cap)
{
    const char *bin = getenv("GROVE_SERVER");
    ck_assert_msg(bin != NULL, "GROVE_SERVER is not set");
    return harness_run_program(bin, args, out, cap);
}

int harness_run_program(const char *bin, const char *const *args, char *out, size_t cap)
{
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
    long long deadline = harness_now_ms() + EXIT_TIMEOUT_MS;
    while (got + 1 < cap && harness_now_ms() < deadline) {
        struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
        if (poll(&p, 1, ms_left(deadline)) <= 0)
            break;
        ssize_t r = read(pipefd[0], out + got, cap - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    out[got] = '\0';
    close(pipefd[0]);
    int status = wait_exit(pid, ms_left(deadline) > 0 ? ms_left(deadline) : 1);
    if (status == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        forget_server(pid);
        ck_abort_msg("%s kept running; output: %s", bin, out);
    }
    return status;
}

/* ---- hiredis ----------------------------------------------------------------------- */

redisContext *harness_connect(const struct grove_server *s)
{
    struct timeval tv = {HARNESS_DEADLINE_MS / 1000, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(c->err == 0, "connect: %s", c->errstr);
    redisSetTimeout(c, tv);
    return c;
}

static redisReply *vcmd(redisContext *c, const char *fmt, va_list ap)
{
    redisReply *r = redisvCommand(c, fmt, ap);
    ck_assert_msg(r != NULL, "no reply to '%s': %s", fmt, c->errstr);
    return r;
}

redisReply *harness_cmd(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = vcmd(c, fmt, ap);
    va_end(ap);
    return r;
}

long long harness_cmd_int(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = vcmd(c, fmt, ap);
    va_end(ap);
    ck_assert_msg(r->type == REDIS_REPLY_INTEGER, "%s: expected an integer, got type %d (%s)",
                  fmt, r->type, r->str ? r->str : "");
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

void harness_cmd_ok(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = vcmd(c, fmt, ap);
    va_end(ap);
    harness_expect_status(r, "OK");
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

long long harness_expect_ttl(redisContext *c, const char *cmd, const char *key, long long set_ms,
                             long long since)
{
    long long v = harness_cmd_int(c, "%s %s", cmd, key);
    long long elapsed = harness_wall_ms() - since;
    long long lo = set_ms - elapsed, hi = set_ms;
    if (strcmp(cmd, "TTL") == 0) {
        lo = (lo + 500) / 1000;
        hi = (hi + 500) / 1000;
    }
    ck_assert_msg(v >= lo && v <= hi, "%s %s = %lld, expected %lld..%lld, %lld ms after it was set",
                  cmd, key, v, lo, hi, elapsed);
    return v;
}

bool harness_watched_exec_runs(redisContext *c)
{
    harness_expect_status(harness_cmd(c, "MULTI"), "OK");
    harness_expect_status(harness_cmd(c, "PING"), "QUEUED");
    redisReply *r = harness_cmd(c, "EXEC");
    bool ran = r->type == REDIS_REPLY_ARRAY;
    ck_assert_msg(ran || r->type == REDIS_REPLY_NIL, "EXEC: unexpected type %d (%s)", r->type,
                  r->str ? r->str : "");
    if (ran) {
        ck_assert_uint_eq(r->elements, 1);
        ck_assert_str_eq(r->element[0]->str, "PONG");
    }
    freeReplyObject(r);
    return ran;
}

void harness_send_only(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ck_assert_int_eq(redisvAppendCommand(c, fmt, ap), REDIS_OK);
    va_end(ap);
    int done = 0;
    while (!done)
        ck_assert_int_eq(redisBufferWrite(c, &done), REDIS_OK);
}

redisReply *harness_read_reply(redisContext *c)
{
    redisReply *r = NULL;
    ck_assert_int_eq(redisGetReply(c, (void **)&r), REDIS_OK);
    ck_assert_ptr_nonnull(r);
    return r;
}

void harness_expect_value(redisContext *c, const char *key, const void *bytes, size_t len)
{
    redisReply *r = harness_cmd(c, "GET %s", key);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, len);
    ck_assert_mem_eq(r->str, bytes, len);
    freeReplyObject(r);
}

/* ---- raw sockets ------------------------------------------------------------------ */

void harness_raw_expect_arrives(int fd, const char *bytes)
{
    char buf[4096];
    size_t want = strlen(bytes);
    ck_assert_uint_lt(want, sizeof(buf));
    ck_assert_uint_eq(harness_raw_recv(fd, buf, sizeof(buf), want), want);
    ck_assert_str_eq(buf, bytes);
}

int harness_raw_connect(const struct grove_server *s)
{
    int fd = try_connect(s->port);
    ck_assert_msg(fd >= 0, "connect to port %d: %s", s->port, strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

bool harness_non_loopback_address(char *ip, size_t cap)
{
    struct ifaddrs *ifs;
    bool found = false;
    if (getifaddrs(&ifs) != 0)
        return false;
    for (struct ifaddrs *i = ifs; i != NULL && !found; i = i->ifa_next) {
        if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
            continue;
        struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
        if ((ntohl(a.s_addr) >> 24) != 127)
            found = inet_ntop(AF_INET, &a, ip, (socklen_t)cap) != NULL;
    }
    freeifaddrs(ifs);
    return found;
}

int harness_connect_from(const char *ip, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in src = {.sin_family = AF_INET};
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(inet_pton(AF_INET, ip, &src.sin_addr), 1);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
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
    long long deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    while (got < expect_len && got < cap - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, ms_left(deadline)) <= 0)
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
    long long deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    while (harness_now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, ms_left(deadline)) <= 0)
            return false;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return true;
        if (n < 0)
            return false;
    }
    return false;
}

/* Split a command line into words (see harness_raw_send_line), in place. */
static int split_line(char *line, const char **words, int max)
{
    int n = 0;
    for (char *p = line; *p && n < max;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        char stop = *p == '\'' ? '\'' : ' ';
        if (stop == '\'')
            p++;
        words[n++] = p;
        p += strcspn(p, stop == '\'' ? "'" : " ");
        ck_assert_msg(stop == ' ' || *p == '\'', "unbalanced quote in %s", words[n - 1]);
        if (*p)
            *p++ = '\0';
    }
    return n;
}

/* The command line as a multibulk request (caller frees with free()). */
static char *format_line(const char *line, size_t *len)
{
    char *copy = strdup(line);
    int max = (int)strlen(line) / 2 + 2; /* words need a separator, or are '' */
    const char **words = malloc((size_t)max * sizeof(*words));
    size_t *lens = malloc((size_t)max * sizeof(*lens));
    ck_assert(copy && words && lens);
    int n = split_line(copy, words, max);
    for (int i = 0; i < n; i++)
        lens[i] = strlen(words[i]);
    char *out = NULL;
    int bytes = redisFormatCommandArgv(&out, n, words, lens);
    ck_assert_int_gt(bytes, 0);
    free(copy);
    free(words);
    free(lens);
    *len = (size_t)bytes;
    return out;
}

void harness_raw_send_line(int fd, const char *line)
{
    size_t len;
    char *req = format_line(line, &len);
    harness_raw_send(fd, req, len);
    free(req);
}

void harness_raw_expect(int fd, const char *line, const char *bytes)
{
    static char buf[1 << 20];
    size_t want = strlen(bytes);
    ck_assert_uint_lt(want, sizeof(buf));
    harness_raw_send_line(fd, line);
    size_t got = harness_raw_recv(fd, buf, sizeof(buf), want);
    ck_assert_msg(got == want && memcmp(buf, bytes, want) == 0,
                  "%s: expected [%s], got [%s]", line, bytes, buf);
}

int harness_resp3_connect(const struct grove_server *s)
{
    static const char pong[] = "+PONG\r\n";
    const size_t plen = sizeof(pong) - 1;
    char buf[4096];
    size_t got = 0;
    int fd = harness_raw_connect(s);
    harness_raw_send(fd, "HELLO 3\r\nPING\r\n", 15);
    while (got < plen || memcmp(buf + got - plen, pong, plen) != 0) {
        size_t n = harness_raw_recv(fd, buf + got, sizeof(buf) - got, 1);
        ck_assert_msg(n > 0, "no reply to HELLO 3");
        got += n;
    }
    return fd;
}

redisReply *harness_raw_reply(int fd, redisReader *reader)
{
    long long deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    for (;;) {
        void *reply = NULL;
        ck_assert_int_eq(redisReaderGetReply(reader, &reply), REDIS_OK);
        if (reply != NULL)
            return reply;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, ms_left(deadline)) <= 0)
            return NULL;
        char buf[65536];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return NULL;
        redisReaderFeed(reader, buf, (size_t)n);
    }
}

/* ---- reply assertions ---------------------------------------------------------------- */

static const char *str_or_empty(const redisReply *r)
{
    return r->str ? r->str : "";
}

void harness_expect_status(redisReply *r, const char *status)
{
    ck_assert_msg(r->type == REDIS_REPLY_STATUS, "expected status %s, got type %d (%s)", status,
                  r->type, str_or_empty(r));
    ck_assert_str_eq(r->str, status);
    freeReplyObject(r);
}

void harness_expect_error(redisReply *r, const char *error)
{
    ck_assert_msg(r->type == REDIS_REPLY_ERROR, "expected error %s, got type %d (%s)", error,
                  r->type, str_or_empty(r));
    ck_assert_str_eq(r->str, error);
    freeReplyObject(r);
}

void harness_expect_int(redisReply *r, long long v)
{
    ck_assert_msg(r->type == REDIS_REPLY_INTEGER, "expected integer %lld, got type %d (%s)", v,
                  r->type, str_or_empty(r));
    ck_assert_int_eq(r->integer, v);
    freeReplyObject(r);
}

void harness_expect_str(redisReply *r, const char *s)
{
    ck_assert_msg(r->type == REDIS_REPLY_STRING || r->type == HARNESS_REPLY_VERB,
                  "expected string %s, got type %d (%s)", s, r->type, str_or_empty(r));
    ck_assert_int_eq(r->len, strlen(s));
    ck_assert_mem_eq(r->str, s, r->len);
    freeReplyObject(r);
}

void harness_expect_nil(redisReply *r)
{
    ck_assert_msg(r->type == REDIS_REPLY_NIL, "expected nil, got type %d (%s)", r->type,
                  str_or_empty(r));
    freeReplyObject(r);
}

/* A bulk string equal to one of the '|'-separated texts in `texts`. */
static void expect_one_of(redisReply *r, const char *texts)
{
    ck_assert_msg(r->type == REDIS_REPLY_STRING, "expected string %s, got type %d (%s)", texts,
                  r->type, str_or_empty(r));
    bool found = false;
    for (const char *t = texts; !found; t += strcspn(t, "|") + 1) {
        size_t len = strcspn(t, "|");
        found = r->len == len && memcmp(r->str, t, len) == 0;
        if (t[len] == '\0')
            break;
    }
    ck_assert_msg(found, "expected %s, got %s", texts, r->str);
    freeReplyObject(r);
}

void harness_expect_reply(redisReply *r, const char *want)
{
    switch (want[0]) {
    case ':':
        harness_expect_int(r, strtoll(want + 1, NULL, 10));
        break;
    case '+':
        harness_expect_status(r, want + 1);
        break;
    case '-':
        harness_expect_error(r, want + 1);
        break;
    case '$':
        expect_one_of(r, want + 1);
        break;
    case '_':
        harness_expect_nil(r);
        break;
    case '*':
        harness_assert_array(r, strtoull(want + 1, NULL, 10));
        freeReplyObject(r);
        break;
    default:
        ck_abort_msg("bad reply description %s", want);
    }
}

void harness_expect_step(redisContext *c, const struct harness_step *step)
{
    redisReply *r = harness_cmd(c, step->cmd);
    ck_assert_msg(step->reply[0] == '-' || r->type != REDIS_REPLY_ERROR, "%s: %s", step->cmd,
                  str_or_empty(r));
    harness_expect_reply(r, step->reply);
}

void harness_assert_array(const redisReply *r, size_t n)
{
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "expected an array, got type %d (%s)", r->type,
                  str_or_empty(r));
    ck_assert_uint_eq(r->elements, n);
}

static bool bulk_is(const redisReply *e, const char *s)
{
    return e->type == REDIS_REPLY_STRING && e->len == strlen(s) && memcmp(e->str, s, e->len) == 0;
}

bool harness_array_has(const redisReply *r, const char *s)
{
    for (size_t i = 0; i < r->elements; i++)
        if (bulk_is(r->element[i], s))
            return true;
    return false;
}

redisContext *harness_keyevent_subscriber(const char *classes)
{
    harness_expect_status(harness_cmd(harness_ctx, "CONFIG SET notify-keyspace-events %s", classes),
                          "OK");
    redisContext *sub = harness_connect(&harness_srv);
    freeReplyObject(harness_cmd(sub, "PSUBSCRIBE __keyevent@0__:*"));
    return sub;
}

void harness_expect_events(redisContext *sub, const char *want)
{
    char got[512] = "";
    size_t n = 0;
    for (const char *p = want; *p; p++)
        n += *p == ' ';
    for (size_t i = 0; i <= n; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(sub, (void **)&r), REDIS_OK);
        ck_assert_uint_eq(r->elements, 4);
        const char *ev = strchr(r->element[2]->str, ':') + 1;
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s/%s", i ? " " : "", ev,
                 r->element[3]->str);
        freeReplyObject(r);
    }
    ck_assert_str_eq(got, want);
}

void harness_expect_array(redisReply *r, size_t n, const char *const *want)
{
    harness_assert_array(r, n);
    for (size_t i = 0; i < n; i++) {
        const redisReply *e = r->element[i];
        if (want[i] == NULL)
            ck_assert_msg(e->type == REDIS_REPLY_NIL, "element %zu: expected nil, got type %d",
                          i, e->type);
        else
            ck_assert_msg(bulk_is(e, want[i]), "element %zu: expected %s, got type %d (%s)", i,
                          want[i], e->type, str_or_empty(e));
    }
    freeReplyObject(r);
}

void harness_expect_set(redisReply *r, size_t n, const char *const *want)
{
    harness_assert_array(r, n);
    for (size_t i = 0; i < n; i++) {
        size_t found = 0;
        for (size_t j = 0; j < n; j++)
            found += bulk_is(r->element[j], want[i]);
        ck_assert_msg(found == 1, "member %s seen %zu times", want[i], found);
    }
    freeReplyObject(r);
}

void harness_expect_ints(redisReply *r, size_t n, const long long *want)
{
    harness_assert_array(r, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(r->element[i]->type, REDIS_REPLY_INTEGER);
        ck_assert_int_eq(r->element[i]->integer, want[i]);
    }
    freeReplyObject(r);
}

/* ---- INFO and limits ----------------------------------------------------------------- */

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

long long harness_client_field(redisContext *c, const char *name, const char *field)
{
    redisReply *r = harness_cmd(c, "CLIENT LIST");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    char key[64], want[80];
    snprintf(want, sizeof(want), " name=%s ", name);
    snprintf(key, sizeof(key), " %s=", field);
    long long v = -1;
    const char *line = strstr(r->str, want);
    if (line != NULL) {
        const char *at = strstr(line, key);
        ck_assert_msg(at != NULL, "no %s in CLIENT LIST", field);
        v = atoll(at + strlen(key));
    }
    freeReplyObject(r);
    return v;
}

long long harness_info_ll(redisContext *c, const char *section, const char *field)
{
    char buf[64];
    ck_assert_msg(harness_info_field(c, section, field, buf, sizeof(buf)), "INFO has no %s",
                  field);
    return strtoll(buf, NULL, 10);
}

/* "cmdstat_<name>:calls=N,usec=N,usec_per_call=N.NN,rejected_calls=N,failed_calls=N" */
void harness_expect_cmdstat(redisContext *c, const char *name, long long calls,
                            long long rejected, long long failed)
{
    char field[64], line[256];
    snprintf(field, sizeof(field), "cmdstat_%s", name);
    ck_assert_msg(harness_info_field(c, "commandstats", field, line, sizeof(line)),
                  "INFO has no %s", field);
    long long n_calls, usec, n_rejected, n_failed;
    double per_call;
    int n = sscanf(line, "calls=%lld,usec=%lld,usec_per_call=%lf,rejected_calls=%lld,"
                   "failed_calls=%lld", &n_calls, &usec, &per_call, &n_rejected, &n_failed);
    ck_assert_msg(n == 5, "bad line: %s:%s", field, line);
    ck_assert_int_eq(n_calls, calls);
    ck_assert_int_eq(n_rejected, rejected);
    ck_assert_int_eq(n_failed, failed);
    ck_assert_int_ge(usec, 0);
}

void harness_wait_info_ll(redisContext *c, const char *section, const char *field,
                          long long want)
{
    long long deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    long long v = harness_info_ll(c, section, field);
    while (v != want && harness_now_ms() < deadline) {
        harness_sleep_ms(5);
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

/* ---- shared fixtures ----------------------------------------------------------------- */

struct grove_server harness_srv;
redisContext *harness_ctx;

void harness_up(struct harness_fixture *f, const char *const *args)
{
    harness_start(&f->s, args);
    f->c = harness_connect(&f->s);
}

void harness_down(struct harness_fixture *f)
{
    redisFree(f->c);
    harness_stop(&f->s);
}

void harness_start_default(void)
{
    static const char *const args[] = {"--threads", "2", NULL};
    harness_start(&harness_srv, args);
}

static void stop_shared(void)
{
    harness_stop(&harness_srv);
}

void harness_connect_and_flush(void)
{
    harness_ctx = harness_connect(&harness_srv);
    harness_expect_status(harness_cmd(harness_ctx, "FLUSHALL"), "OK");
}

static void disconnect_shared(void)
{
    redisFree(harness_ctx);
    harness_ctx = NULL;
}

TCase *harness_server_case(const char *name, void (*start)(void), void (*connect)(void))
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, start ? start : harness_start_default, stop_shared);
    tcase_add_checked_fixture(tc, connect ? connect : harness_connect_and_flush,
                              disconnect_shared);
    tcase_set_timeout(tc, 120);
    return tc;
}
