/*
 * log.c - see log.h. The level and the file descriptor are process-wide:
 * logging is the one piece of global state server/ keeps outside the
 * server struct, so that every layer of server/ can log without plumbing.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log_syslog.h"

static atomic_int log_threshold = LOG_NOTICE;
static int log_fd = STDOUT_FILENO;
static atomic_bool to_syslog;

const char *const log_level_names[LOG_LEVELS + 1] = {
    [LOG_DEBUG] = "debug", [LOG_VERBOSE] = "verbose", [LOG_NOTICE] = "notice",
    [LOG_WARNING] = "warning", [LOG_LEVELS] = NULL};
static const char level_marks[LOG_LEVELS] = {
    [LOG_DEBUG] = '.', [LOG_VERBOSE] = '-', [LOG_NOTICE] = '*', [LOG_WARNING] = '#'};

void log_set_level(enum log_level level)
{
    atomic_store(&log_threshold, level);
}

static void close_file(void)
{
    if (log_fd != STDOUT_FILENO)
        close(log_fd);
    log_fd = STDOUT_FILENO;
}

int log_open(const char *path)
{
    if (path == NULL || path[0] == '\0') {
        close_file();
        return 0;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    close_file();
    log_fd = fd;
    return 0;
}

void log_open_syslog(const char *ident, long long facility)
{
    log_syslog_open(ident, facility);
    atomic_store(&to_syslog, true);
}

int log_crash_fd(void)
{
    return log_fd;
}

void log_close(void)
{
    if (atomic_exchange(&to_syslog, false))
        log_syslog_close();
    close_file();
}

void log_raw(const char *text)
{
    if ((int)LOG_NOTICE < atomic_load(&log_threshold))
        return;
    ssize_t ignored = write(log_fd, text, strlen(text));
    (void)ignored;
}

bool log_to_tty(void)
{
    return isatty(log_fd) == 1;
}

/* `len` bytes at *at, moving it on, within `end`. */
static void put_bytes(char **at, const char *end, const char *s, size_t len)
{
    if (len > (size_t)(end - *at))
        len = (size_t)(end - *at);
    memcpy(*at, s, len);
    *at += len;
}

/* v in decimal at *at, moving it on, within `end`. */
static void put_decimal(char **at, const char *end, unsigned long long v)
{
    char digits[24];
    size_t n = sizeof(digits);
    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put_bytes(at, end, digits + n, sizeof(digits) - n);
}

void log_from_handler(const char *msg)
{
    if ((int)LOG_WARNING < atomic_load(&log_threshold))
        return;
    char line[512], *at = line;
    const char *end = line + sizeof(line) - 1;
    put_decimal(&at, end, (unsigned long long)getpid());
    put_bytes(&at, end, ":signal-handler (", 17);
    put_decimal(&at, end, (unsigned long long)time(NULL));
    put_bytes(&at, end, ") ", 2);
    put_bytes(&at, end, msg, strlen(msg));
    *at++ = '\n';
    ssize_t ignored = write(log_fd, line, (size_t)(at - line));
    (void)ignored;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if ((int)level < atomic_load(&log_threshold))
        return;

    char line[1024];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    size_t n = (size_t)snprintf(line, sizeof(line), "%d:M ", (int)getpid());
    n += strftime(line + n, sizeof(line) - n, "%d %b %Y %H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03d %c ", (int)(tv.tv_usec / 1000),
                          level_marks[level]);

    va_list ap;
    va_start(ap, fmt);
    size_t prefix = n;
    int body = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    n = body < 0 ? n : n + (size_t)body;
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    if (atomic_load_explicit(&to_syslog, memory_order_relaxed))
        log_syslog_write(level, line + prefix, n - prefix);
    line[n++] = '\n';
    ssize_t ignored = write(log_fd, line, n);
    (void)ignored;
}
