/*
 * main.c - grove-server's entry point: read the configuration, build the
 * keyspace and the workers, run the main loop (signals, cron, shutdown)
 * until asked to stop, then tear everything down so that ASan and valgrind
 * find nothing left.
 *
 * Usage: grove-server [/path/to/grove.conf] [--option value ...]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"
#include "log.h"
#include "process.h"
#include "proctitle.h"
#include "server.h"

static void usage(void)
{
    fprintf(stderr,
            "Usage: grove-server [/path/to/grove.conf] [--option value ...]\n"
            "       grove-server --version\n"
            "       grove-server --help\n\n"
            "Options use Redis's names, in the file and on the command line:\n"
            "  --port 6379 --bind 127.0.0.1 --threads N --databases 16\n"
            "  --requirepass secret --maxclients 10000 --timeout 0\n"
            "  --loglevel notice --logfile '' --proto-max-bulk-len 512mb\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0)) {
        printf("Grove server v=%s (follows Redis %s)\n", GROVE_VERSION, GROVE_REDIS_VERSION);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage();
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);

    config_init(&server.cfg);
    /* INFO's config_file and CONFIG REWRITE's target, resolved before the
     * file's `dir` changes the working directory, as Redis does. */
    if (argc > 1 && argv[1][0] != '-')
        server.config_file = realpath(argv[1], NULL);
    char err[1024];
    int rc = config_load(&server.cfg, argc - 1, argv + 1, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Grove %s) ***\n%s\n", GROVE_VERSION,
                err);
        goto out;
    }
    rc = log_open(server.cfg.logfile);
    if (rc < 0) {
        fprintf(stderr, "Can't open the log file %s: %s\n", server.cfg.logfile, strerror(-rc));
        goto out;
    }
    proctitle_init(argc, argv); /* argv is read: its memory becomes the title's */
    if (server.cfg.syslog_enabled)
        log_open_syslog(server.cfg.syslog_ident, server.cfg.syslog_facility);
    /* Before any thread starts: a fork keeps only the calling thread. */
    bool supervised = process_supervise((enum config_supervised)server.cfg.supervised);
    if (server.cfg.daemonize && !supervised && (rc = process_daemonize()) < 0) {
        log_warning("Can't daemonize: %s", strerror(-rc));
        goto out;
    }
    rc = lifecycle_run();
    log_close();
out:
    config_deinit(&server.cfg); /* lifecycle_run deinits it too: a second call is a no-op */
    free(server.config_file);
    return rc == 0 ? 0 : 1;
}
