/*
 * rlimit.h - room for `maxclients` connections in the open-files limit,
 * as Redis's adjustOpenFilesLimit: raise the soft RLIMIT_NOFILE as far as
 * the hard limit allows, and where that is not enough, lower maxclients
 * to what fits so that extra clients get "max number of clients reached"
 * instead of failing accept() calls.
 *
 * Threads: start-up, and CONFIG SET maxclients (any worker; setrlimit is
 * process-wide and the kernel serialises it).
 * Errors: rlimit_adjust_maxclients returns 0 or -1 (logged).
 */
#ifndef GROVE_RLIMIT_H
#define GROVE_RLIMIT_H

/* Raise the limit for `maxclients` clients with `nworkers` worker loops if
 * need be (and possible); returns how many clients fit now. */
long long rlimit_fit_maxclients(long long maxclients, unsigned nworkers);

/* Start-up: fit server.cfg.maxclients, lowering it (with a warning) to
 * what the limit allows; -1 when not even one client fits. */
int rlimit_adjust_maxclients(unsigned nworkers);

#endif
