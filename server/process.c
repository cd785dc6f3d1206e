/*
 * process.c - see process.h. What redis-server does for its init system,
 * with its messages, so that unit files and init scripts written for it
 * (Type=notify, PIDFile=, daemonize yes) run grove-server unchanged.
 *
 * systemd's readiness protocol is one datagram to $NOTIFY_SOCKET (a path,
 * or an abstract name written with a leading '@'): sent here directly, so
 * Grove needs no libsystemd.
 */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "repl_replica.h"
#include "server.h"

#define DEFAULT_PIDFILE "/var/run/redis.pid"

/* The supervision in effect (supervised auto resolved), set once at
 * start-up before any other thread runs. */
static enum config_supervised supervised_by = SUPERVISED_NO;
static bool daemonized;
static bool pidfile_written;
/* The pid file's path as written, for a crash handler to unlink without
 * looking at the configuration. */
static char pidfile_written_path[PATH_MAX];

/* ---- supervision ------------------------------------------------------------ */

static int notify_systemd(const char *message)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || (path[0] != '/' && path[0] != '@') || strlen(path) < 2)
        return -EINVAL;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof(addr.sun_path))
        return -ENAMETOOLONG;
    memcpy(addr.sun_path, path, len);
    if (path[0] == '@')
        addr.sun_path[0] = '\0'; /* the abstract namespace */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    ssize_t sent = sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *)&addr,
                          addr_len);
    int rc = sent < 0 ? -errno : 0;
    close(fd);
    if (rc < 0)
        log_warning("Can't send notification to systemd: %s", strerror(-rc));
    return rc;
}

static bool supervise_upstart(void)
{
    if (getenv("UPSTART_JOB") == NULL) {
        log_warning("upstart supervision requested, but UPSTART_JOB not found!");
        return false;
    }
    log_notice("supervised by upstart, will stop to signal readiness.");
    raise(SIGSTOP); /* upstart's "expect stop": we are up */
    unsetenv("UPSTART_JOB");
    return true;
}

static bool supervise_systemd(void)
{
    if (notify_systemd("STATUS=Grove is loading...\n") < 0)
        return false;
    log_notice("Supervised by systemd. Please make sure you set appropriate values for "
               "TimeoutStartSec and TimeoutStopSec in your service unit.");
    return true;
}

bool process_supervise(enum config_supervised mode)
{
    if (mode == SUPERVISED_AUTO) {
        if (getenv("UPSTART_JOB") != NULL) {
            log_verbose("Upstart supervision detected.");
            mode = SUPERVISED_UPSTART;
        } else if (getenv("NOTIFY_SOCKET") != NULL) {
            log_verbose("Systemd supervision detected.");
            mode = SUPERVISED_SYSTEMD;
        }
    }
    bool supervised = (mode == SUPERVISED_UPSTART && supervise_upstart()) ||
                      (mode == SUPERVISED_SYSTEMD && supervise_systemd());
    supervised_by = supervised ? mode : SUPERVISED_NO;
    return supervised;
}

void process_notify_ready(void)
{
    if (supervised_by != SUPERVISED_SYSTEMD)
        return;
    notify_systemd(repl_replica_on() ? "STATUS=Ready to accept connections in read-only mode. "
                                       "Waiting for MASTER <-> REPLICA sync\n"
                                     : "STATUS=Ready to accept connections\n");
    notify_systemd("READY=1\n");
}

void process_notify_stopping(void)
{
    if (supervised_by == SUPERVISED_SYSTEMD)
        notify_systemd("STOPPING=1\n");
}

/* ---- daemonizing and the pid file --------------------------------------------- */

int process_daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0)
        _exit(0); /* the parent: the shell or init script goes on */
    daemonized = true;
    setsid();
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    return 0;
}

/* The pid file's path: pidfile, or Redis's default for a daemon. */
static const char *pidfile_path(const struct config *cfg)
{
    return cfg->pidfile[0] != '\0' ? cfg->pidfile : DEFAULT_PIDFILE;
}

void process_pidfile_create(struct config *cfg)
{
    if (!daemonized && cfg->pidfile[0] == '\0')
        return;
    if (cfg->pidfile[0] == '\0') { /* CONFIG GET pidfile shows the one written */
        char *path = strdup(DEFAULT_PIDFILE);
        if (path == NULL)
            return;
        free(cfg->pidfile);
        cfg->pidfile = path;
    }
    FILE *fp = fopen(pidfile_path(cfg), "w");
    if (fp == NULL) {
        log_warning("Failed to write PID file: %s", strerror(errno));
        return;
    }
    fprintf(fp, "%d\n", (int)getpid());
    pidfile_written = fclose(fp) == 0;
    snprintf(pidfile_written_path, sizeof(pidfile_written_path), "%s", pidfile_path(cfg));
}

void process_pidfile_unlink_on_crash(void)
{
    /* As Redis: a supervisor or a foreground run keeps its file. */
    if (pidfile_written && daemonized)
        unlink(pidfile_written_path);
}

void process_pidfile_remove(const struct config *cfg, bool announce)
{
    if (!pidfile_written)
        return;
    if (announce)
        log_notice("Removing the pid file.");
    unlink(pidfile_path(cfg));
    pidfile_written = false;
}

/* ---- the kernel's memory settings --------------------------------------------- */

/* The first line of a /proc or /sys file, or "" when it cannot be read. */
static void read_first_line(const char *path, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return;
    if (fgets(buf, (int)cap, fp) == NULL)
        buf[0] = '\0';
    fclose(fp);
}

static void check_overcommit(void)
{
    char line[32];
    read_first_line("/proc/sys/vm/overcommit_memory", line, sizeof(line));
    if (line[0] == '\0' || atoi(line) == 1)
        return;
    log_warning("WARNING Memory overcommit must be enabled! Without it, a background save or "
                "replication may fail under low memory condition, and allocations may fail "
                "without it, see https://github.com/jemalloc/jemalloc/issues/1328. To fix this "
                "issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run "
                "the command 'sysctl vm.overcommit_memory=1' for this to take effect.");
}

/* Huge pages make a forked child (BGSAVE, AOF rewrite, a replica's sync)
 * copy 2 MB for every page the parent writes: with disable-thp, as Redis,
 * the process opts out when the system's setting is "always". */
static void check_transparent_huge_pages(bool disable)
{
    char line[128];
    read_first_line("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof(line));
    if (strstr(line, "[always]") == NULL)
        return;
    if (disable && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0)
        return;
    log_warning("WARNING You have Transparent Huge Pages (THP) support enabled in your kernel. "
                "This will create latency and memory usage issues with Grove. To fix this issue "
                "run the command 'echo madvise > /sys/kernel/mm/transparent_hugepage/enabled' "
                "as root, and add it to your /etc/rc.local in order to retain the setting after "
                "a reboot. Grove must be restarted after THP is disabled (set to 'madvise' or "
                "'never').");
}

void process_check_memory_settings(const struct config *cfg)
{
    check_overcommit();
    check_transparent_huge_pages(cfg->disable_thp != 0);
}

/* ---- oom_score_adj ----------------------------------------------------------- */

/* The value found before Grove first changed it, which oom-score-adj no
 * puts back; under oom_lock. */
static pthread_mutex_t oom_lock = PTHREAD_MUTEX_INITIALIZER;
static bool oom_adjusted;
static int oom_base;

bool process_oom_values_parse(const char *text, int out[PROCESS_OOM_CLASSES], char *reason,
                              size_t cap)
{
    char copy[256], *save = NULL;
    snprintf(copy, sizeof(copy), "%s", text);
    int n = 0;
    for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save), n++) {
        char *end;
        errno = 0;
        long long v = strtoll(w, &end, 10);
        if (n < PROCESS_OOM_CLASSES && (*end != '\0' || errno != 0 || v < -2000 || v > 2000)) {
            snprintf(reason, cap,
                     "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
            return false;
        }
        if (n < PROCESS_OOM_CLASSES)
            out[n] = (int)v;
    }
    if (n != PROCESS_OOM_CLASSES) {
        snprintf(reason, cap, "wrong number of arguments");
        return false;
    }
    return true;
}

/* The score for `cls`, or false when Grove leaves the score alone;
 * oom_lock held. Reads the score found first, once. */
static bool oom_score_for(const struct config *cfg, enum process_oom_class cls, int *score)
{
    long long mode = cfg->oom_score_adj;
    if (mode == OOM_SCORE_ADJ_NO) {
        *score = oom_base;
        return oom_adjusted;
    }
    if (!oom_adjusted) {
        char line[32];
        read_first_line("/proc/self/oom_score_adj", line, sizeof(line));
        if (line[0] == '\0') {
            log_warning("Unable to read oom_score_adj: %s", strerror(errno));
            return false;
        }
        oom_base = atoi(line);
    }
    int values[PROCESS_OOM_CLASSES] = {0};
    char reason[128];
    process_oom_values_parse(cfg->oom_score_adj_values, values, reason, sizeof(reason));
    int v = values[cls] + (mode == OOM_SCORE_ADJ_ABSOLUTE ? 0 : oom_base);
    *score = v < -1000 ? -1000 : v > 1000 ? 1000 : v;
    return true;
}

/* async-signal-safe: a forked child calls it. */
static int write_oom_score(const char *text)
{
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

int process_oom_score_update(const struct config *cfg)
{
    enum process_oom_class cls = repl_replica_on() ? PROCESS_OOM_REPLICA : PROCESS_OOM_MASTER;
    pthread_mutex_lock(&oom_lock);
    int score, rc = 0;
    if (oom_score_for(cfg, cls, &score)) {
        char text[16];
        snprintf(text, sizeof(text), "%d\n", score);
        rc = write_oom_score(text);
        if (rc < 0)
            log_warning("Unable to write oom_score_adj: %s", strerror(errno));
        else
            oom_adjusted = cfg->oom_score_adj != OOM_SCORE_ADJ_NO;
    } else if (cfg->oom_score_adj != OOM_SCORE_ADJ_NO) {
        rc = -1;
    }
    pthread_mutex_unlock(&oom_lock);
    return rc;
}

void process_oom_score_child_text(const struct config *cfg, char *buf, size_t cap)
{
    pthread_mutex_lock(&oom_lock);
    int score;
    buf[0] = '\0';
    if (cfg->oom_score_adj != OOM_SCORE_ADJ_NO && oom_score_for(cfg, PROCESS_OOM_BGCHILD, &score))
        snprintf(buf, cap, "%d\n", score);
    pthread_mutex_unlock(&oom_lock);
}

void process_oom_score_child_write(const char *text)
{
    if (text[0] != '\0')
        write_oom_score(text);
}
