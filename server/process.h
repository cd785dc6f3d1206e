/*
 * process.h - grove-server's relations with what starts and watches it,
 * as redis-server has them: daemonizing (daemonize), the pid file
 * (pidfile), readiness and stopping notices to a supervisor (supervised:
 * systemd's notify protocol, upstart's SIGSTOP), and the start-up checks
 * of the kernel's memory settings (overcommit, transparent huge pages,
 * disable-thp).
 *
 * Thread safety: process_supervise and process_daemonize run before any
 * other thread exists; the rest from the main thread.
 */
#ifndef GROVE_PROCESS_H
#define GROVE_PROCESS_H

#include <stdbool.h>

#include "config.h"

/* Resolve `supervised auto` from the environment and tell the supervisor
 * the server is starting (upstart: stop until it continues us). True when
 * a supervisor watches: then daemonize yes does not fork, as in Redis. */
bool process_supervise(enum config_supervised mode);
/* systemd: the data set is loaded and clients are served; Grove stops. */
void process_notify_ready(void);
void process_notify_stopping(void);

/* Fork; the parent exits 0 and the child, in a new session, goes on with
 * stdin, stdout and stderr on /dev/null. 0 or a negative errno. */
int process_daemonize(void);

/* Write getpid() to pidfile (a daemon without one: /var/run/redis.pid,
 * which CONFIG GET pidfile then shows). A failure is logged, not fatal. */
void process_pidfile_create(struct config *cfg);
/* Remove the pid file this process wrote, at exit, saying so when
 * `announce` (see listeners_close). */
void process_pidfile_remove(const struct config *cfg, bool announce);
/* The same from a crash handler (async-signal-safe), for a daemon only. */
void process_pidfile_unlink_on_crash(void);

/* Warn about vm.overcommit_memory other than 1, and about transparent
 * huge pages set to "always" unless disable-thp turned them off for
 * this process. */
void process_check_memory_settings(const struct config *cfg);

/* oom-score-adj's classes, in oom-score-adj-values's order. */
enum process_oom_class {
    PROCESS_OOM_MASTER,
    PROCESS_OOM_REPLICA,
    PROCESS_OOM_BGCHILD,
    PROCESS_OOM_CLASSES
};
/* oom-score-adj-values: three integers from -2000 to 2000, or false with
 * Redis's reason. */
bool process_oom_values_parse(const char *text, int out[PROCESS_OOM_CLASSES], char *reason,
                              size_t cap);
/* Set /proc/self/oom_score_adj as oom-score-adj says for this process's
 * class, a replica's while a master is set (relative: added to the score
 * found before Grove first changed it; no: that score back). 0, or -1
 * when the kernel refuses (logged): lowering a score needs
 * CAP_SYS_RESOURCE. Call with cfg's values stable (config_lock held, or
 * before other threads run), and again when the role changes. */
int process_oom_score_update(const struct config *cfg);
/* Before a fork: what the child writes to its oom_score_adj ("" for
 * nothing), so that the child itself only open()s and write()s. */
void process_oom_score_child_text(const struct config *cfg, char *buf, size_t cap);
void process_oom_score_child_write(const char *text);

#endif
