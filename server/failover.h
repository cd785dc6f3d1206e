/*
 * failover.h - FAILOVER: a master hands its role to one of its replicas
 * without losing a write, as Redis 7.0's failoverCommand and
 * updateFailoverStatus do (the coordinated failover an operator or a
 * tool asks for, where Sentinel's promotes a replica after the fact).
 *
 *   NONE --FAILOVER [TO host port]--> WAIT_FOR_SYNC: writes paused
 *       (PAUSE_WRITE), so the stream stops growing
 *   WAIT_FOR_SYNC --the target (without TO: any replica) acknowledged the
 *       whole stream, or TIMEOUT passed with FORCE--> IN_PROGRESS: this
 *       server is a replica of the target, and its PSYNC says FAILOVER, on
 *       which the target becomes a master continuing our history
 *   IN_PROGRESS --the target answered +CONTINUE or +FULLRESYNC--> NONE:
 *       writes go on (refused now: we are a replica)
 *   IN_PROGRESS --the PSYNC was refused or not written--> NONE, a master
 *       again (with a new history, which our replicas continue)
 *   WAIT_FOR_SYNC --TIMEOUT passed without FORCE--> NONE
 *   any --FAILOVER ABORT--> NONE, a master again if it was a replica
 *
 * While a failover runs, REPLICAOF is refused and replicas cannot sync
 * with us (cmd_repl.c): only ABORT or the target's answer ends it.
 *
 * Threads: the command from any worker, failover_cron from the main
 * thread, the target's answer from the replica link's loop; every change
 * of state is under this module's lock, taken before repl_replica.h's
 * apply lock (and so before every lock that comes after it).
 * Errors: 0 or a negative FAILOVER_ERR_* code.
 */
#ifndef GROVE_FAILOVER_H
#define GROVE_FAILOVER_H

#include <stdbool.h>
#include <stddef.h>

enum failover_state {
    FAILOVER_NONE,
    FAILOVER_WAIT_FOR_SYNC, /* writes paused until a replica has all of the stream */
    FAILOVER_IN_PROGRESS,   /* a replica of the target, asking it to take over */
};

/* Why FAILOVER is refused (the command has Redis's texts). */
enum failover_error {
    FAILOVER_ERR_RUNNING = -1,     /* one is already running */
    FAILOVER_ERR_REPLICA = -2,     /* this server is a replica */
    FAILOVER_ERR_NO_REPLICAS = -3, /* none asked to sync */
    FAILOVER_ERR_FORCE = -4,       /* FORCE without both TO and TIMEOUT */
    FAILOVER_ERR_NOT_REPLICA = -5, /* TO names no replica */
    FAILOVER_ERR_NOT_ONLINE = -6,  /* TO names one still syncing */
    FAILOVER_ERR_NONE = -7,        /* ABORT with nothing to abort */
};

struct failover_request {
    const char *host; /* TO's host (host_len bytes, borrowed), NULL: any replica */
    size_t host_len;
    long long port;
    bool force;            /* hand over to the target at the TIMEOUT, caught up or not */
    long long timeout_ms;  /* > 0; 0: wait until ABORT */
};

/* FAILOVER [TO host port [FORCE]] [TIMEOUT ms]: checked, then started. */
int failover_start(const struct failover_request *req);
/* FAILOVER ABORT. */
int failover_abort(void);
/* The main thread, every cron tick: a failover waiting hands over once
 * its target caught up, or gives up (or forces) at its TIMEOUT. */
void failover_cron(long long now_ms);

/* The state now (any thread), and INFO's master_failover_state. */
enum failover_state failover_state(void);
const char *failover_state_name(void);

/* REPLICAOF: true while no failover runs, keeping one from starting until
 * failover_allow; false (holding nothing) while one runs. */
bool failover_prevent(void);
void failover_allow(void);

#endif
