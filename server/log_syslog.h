/*
 * log_syslog.h - the log's copy to syslog (syslog-enabled, syslog-ident,
 * syslog-facility), as Redis sends it: each message without log.h's
 * timestamp prefix, at the syslog priority of its level. Apart from log.c
 * because <syslog.h> defines LOG_DEBUG, LOG_NOTICE... as macros, which
 * are log.h's level names.
 *
 * Thread safety: open and close from the main thread before and after
 * the others run; write from any thread (syslog(3) is thread safe).
 */
#ifndef GROVE_LOG_SYSLOG_H
#define GROVE_LOG_SYSLOG_H

#include <stddef.h>

/* syslog-facility's names: "user", then "local0" to "local7"; NULL-ended. */
extern const char *const log_syslog_facilities[];

/* openlog with `ident` (copied: syslog keeps the pointer) and the
 * facility of that index. */
void log_syslog_open(const char *ident, long long facility);
/* One message at log.h's `level` (enum log_level). */
void log_syslog_write(int level, const char *msg, size_t len);
void log_syslog_close(void);

#endif
