/*
 * log.h - leveled logging to standard output (as Redis with logfile "")
 * or a log file, Redis-style lines:
 *   <pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level-char> <message>
 * Nothing is logged per request; the hot path never calls this.
 * Errors: log_open returns 0 or a negative errno; logging itself never
 * fails the caller (a line that cannot be written is dropped).
 * Thread safe: each line is formatted whole and written with one write(2).
 */
#ifndef GROVE_LOG_H
#define GROVE_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING, LOG_LEVELS };

/* The loglevel option's names, by level, NULL-terminated. */
extern const char *const log_level_names[LOG_LEVELS + 1];
void log_set_level(enum log_level level);
/* Open `path` for appending (empty: standard output). Returns 0 or -errno. */
int log_open(const char *path);
/* Copy every line to syslog as well (syslog-enabled), until log_close. */
void log_open_syslog(const char *ident, long long facility);
void log_close(void);
/* The descriptor lines go to, for a crash report written with write(2)
 * from a signal handler (crash.c). */
int log_crash_fd(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A warning from a signal handler, as Redis's serverLogFromHandler:
 * "<pid>:signal-handler (<unix time>) <msg>", built and written with
 * async-signal-safe calls only; not copied to syslog. */
void log_from_handler(const char *msg);
/* Write `text` as it is, without the line prefix, at notice level (the
 * start-up logo, as Redis's LL_RAW); not copied to syslog. */
void log_raw(const char *text);
/* Whether lines go to a terminal (standard output, no logfile set). */
bool log_to_tty(void);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)

#endif
