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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "server.h"

#define DEFAULT_PIDFILE "/var/run/redis.pid"

/* The supervision in effect (supervised auto resolved), set once at
 * start-up before any other thread runs. */
static enum config_supervised supervised_by = SUPERVISED_NO;
static bool daemonized;
static bool pidfile_written;

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
    notify_systemd("STATUS=Ready to accept connections\n");
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
}

void process_pidfile_remove(const struct config *cfg)
{
    if (!pidfile_written)
        return;
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
