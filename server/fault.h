/*
 * fault.h - failure points for tests of paths that real failures reach
 * too rarely to test otherwise (an allocation failing while accepting).
 *
 * In a build configured with GROVE_FAULT_INJECTION (the test builds), a
 * point fails when the GROVE_FAULTS environment variable arms it:
 *   GROVE_FAULTS="conn-alloc=3"   every 3rd connection allocation fails
 * In every other build fault_hit is a constant false the compiler drops,
 * so a release binary has no failure points at all.
 *
 * Errors: fault_hit is a predicate (true: fail this pass).
 * Threads: any; the counters are atomic.
 */
#ifndef GROVE_FAULT_H
#define GROVE_FAULT_H

#include <stdbool.h>

enum fault_point {
    FAULT_CONN_ALLOC, /* "conn-alloc": the memory for a new connection */
    FAULT_BGSAVE_STALL, /* "bgsave-stall": a BGSAVE child waits, before writing, to be killed */
    FAULT_AOF_WRITE,    /* "aof-write": a write to the AOF fails with ENOSPC (a full disk) */
    FAULT_WAKEUP_SKIP,  /* "wakeup-skip": a message posted to a loop does not wake it (a stop does) */
    FAULT_POINTS,
};

#ifdef GROVE_FAULT_INJECTION
/* Whether this pass through point p fails. */
bool fault_hit(enum fault_point p);
#else
static inline bool fault_hit(enum fault_point p)
{
    (void)p;
    return false;
}
#endif

#endif
