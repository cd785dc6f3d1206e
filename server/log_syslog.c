/*
 * log_syslog.c - see log_syslog.h.
 */
#include "log_syslog.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

const char *const log_syslog_facilities[] = {"user",   "local0", "local1", "local2", "local3",
                                             "local4", "local5", "local6", "local7", NULL};
static const int facility_codes[] = {LOG_USER,   LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                     LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
/* By log.h's level: debug, verbose, notice, warning (Redis's map). */
static const int priorities[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING};

static char *ident_copy;

void log_syslog_open(const char *ident, long long facility)
{
    log_syslog_close();
    ident_copy = strdup(ident);
    openlog(ident_copy != NULL ? ident_copy : "grove", LOG_PID | LOG_NDELAY | LOG_NOWAIT,
            facility_codes[facility]);
}

void log_syslog_write(int level, const char *msg, size_t len)
{
    syslog(priorities[level], "%.*s", (int)len, msg);
}

void log_syslog_close(void)
{
    if (ident_copy == NULL)
        return;
    closelog();
    free(ident_copy);
    ident_copy = NULL;
}
