/*
 * rlimit.c - fitting maxclients into RLIMIT_NOFILE; see rlimit.h.
 */
#include "rlimit.h"

#include <sys/resource.h>

#include "log.h"
#include "server.h"

/* File descriptors kept for everything but clients: Redis reserves 32,
 * enough for a few workers (each has an epoll, a wake-up and listening
 * sockets); more workers need a few more each. */
static rlim_t reserved_fds(unsigned nworkers)
{
    return 32 + (rlim_t)(nworkers > 4 ? (nworkers - 4) * 4 : 0);
}

/* Raise the soft RLIMIT_NOFILE towards what `maxclients` needs, as far as
 * the hard limit allows; returns how many clients fit now. */
static long long fit_open_files(long long maxclients, unsigned nworkers, rlim_t *old_limit)
{
    rlim_t reserved = reserved_fds(nworkers);
    rlim_t want = (rlim_t)maxclients + reserved;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return maxclients; /* cannot tell: trust the user */
    *old_limit = rl.rlim_cur;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return maxclients;
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want) ? want : rl.rlim_max;
    if (rl.rlim_cur > old && setrlimit(RLIMIT_NOFILE, &rl) < 0)
        rl.rlim_cur = old;
    if (rl.rlim_cur >= want)
        return maxclients;
    return rl.rlim_cur > reserved ? (long long)(rl.rlim_cur - reserved) : 0;
}

long long rlimit_fit_maxclients(long long maxclients, unsigned nworkers)
{
    rlim_t old;
    return fit_open_files(maxclients, nworkers, &old);
}

int rlimit_adjust_maxclients(unsigned nworkers)
{
    rlim_t old = 0;
    long long want = server.cfg.maxclients;
    long long fit = fit_open_files(want, nworkers, &old);
    unsigned long long need = (unsigned long long)want + reserved_fds(nworkers);
    if (fit == want) {
        if (old < need)
            log_notice("Increased maximum number of open files to %llu (it was originally "
                       "set to %llu).", need, (unsigned long long)old);
        return 0;
    }
    if (fit <= 0) {
        log_warning("Your current 'ulimit -n' of %llu is not enough for the server to start. "
                    "Please increase your open file limit to at least %llu. Exiting.",
                    (unsigned long long)old, need);
        return -1;
    }
    server.cfg.maxclients = fit;
    log_warning("You requested maxclients of %lld requiring at least %llu max file "
                "descriptors. maxclients has been reduced to %lld to compensate for low "
                "ulimit. If you need higher maxclients increase 'ulimit -n'.",
                want, need, fit);
    return 0;
}
