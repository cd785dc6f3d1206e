/*
 * failover.c - FAILOVER's state and its steps (see failover.h).
 *
 * The target is only known for sure once a replica is found caught up
 * (without TO, the first one): from then on `target` names it. The state
 * is also an atomic so INFO and SYNC read it without the lock; it changes
 * only under the lock.
 */
#include "failover.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pause.h"
#include "repl_replica.h"
#include "replication.h"
#include "server.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int state; /* enum failover_state */
static struct {
    char host[REPL_HOST_LEN]; /* "" while any replica may be the one */
    long long port;
    long long end_ms; /* TIMEOUT's deadline, 0: none */
    bool force;
} target;

enum failover_state failover_state(void)
{
    return (enum failover_state)atomic_load(&state);
}

const char *failover_state_name(void)
{
    static const char *const names[] = {"no-failover", "waiting-for-sync",
                                        "failover-in-progress"};
    return names[failover_state()];
}

/* ---- ending ------------------------------------------------------------------------ */

/* Lock held: no failover, writes resumed (Redis's clearFailoverState). */
static void clear(void)
{
    memset(&target, 0, sizeof(target));
    atomic_store(&state, FAILOVER_NONE);
    repl_hold_pings(false);
    pause_lift(PAUSE_FOR_FAILOVER);
}

/* Lock held: Redis's abortFailover; a replica already is a master again. */
static void abort_failover(const char *why)
{
    if (target.host[0] != '\0')
        log_notice("FAILOVER to %s:%lld aborted: %s", target.host, target.port, why);
    else
        log_notice("FAILOVER to any replica aborted: %s", why);
    if (failover_state() == FAILOVER_IN_PROGRESS)
        repl_replica_unset_master();
    clear();
}

/* The target answered our PSYNC ... FAILOVER (the link's loop). */
static void answered_cb(const char *refused)
{
    pthread_mutex_lock(&lock);
    if (failover_state() == FAILOVER_IN_PROGRESS) {
        if (refused != NULL)
            abort_failover(refused);
        else
            clear();
    }
    pthread_mutex_unlock(&lock);
}

/* Lock held: become the target's replica, asking it to take over. */
static void hand_over(void)
{
    atomic_store(&state, FAILOVER_IN_PROGRESS);
    repl_replica_failover_to(target.host, (int)target.port, answered_cb);
}

/* ---- FAILOVER ---------------------------------------------------------------------- */

/* Lock held: the checks of Redis's failoverCommand, in its order. */
static int check(const struct failover_request *req)
{
    if (failover_state() != FAILOVER_NONE)
        return FAILOVER_ERR_RUNNING;
    if (repl_replica_on())
        return FAILOVER_ERR_REPLICA;
    if (repl_count_replicas() == 0)
        return FAILOVER_ERR_NO_REPLICAS;
    if (req->force && (req->timeout_ms == 0 || req->host == NULL))
        return FAILOVER_ERR_FORCE;
    if (req->host == NULL)
        return 0;
    enum repl_peer peer = repl_peer_at(req->host, req->host_len, req->port);
    if (peer == REPL_PEER_NONE)
        return FAILOVER_ERR_NOT_REPLICA;
    return peer == REPL_PEER_SYNCING ? FAILOVER_ERR_NOT_ONLINE : 0;
}

int failover_start(const struct failover_request *req)
{
    pthread_mutex_lock(&lock);
    int rc = check(req);
    if (rc < 0) {
        pthread_mutex_unlock(&lock);
        return rc;
    }
    if (req->host != NULL) {
        /* It is a replica's address: shorter than the buffer. */
        snprintf(target.host, sizeof(target.host), "%.*s", (int)req->host_len, req->host);
        target.port = req->port;
        log_notice("FAILOVER requested to %s:%lld.", target.host, target.port);
    } else {
        log_notice("FAILOVER requested to any replica.");
    }
    long long now_ms = server_mstime();
    if (req->timeout_ms > 0)
        target.end_ms = req->timeout_ms < LLONG_MAX - now_ms ? now_ms + req->timeout_ms
                                                              : LLONG_MAX;
    target.force = req->force;
    atomic_store(&state, FAILOVER_WAIT_FOR_SYNC);
    repl_hold_pings(target.end_ms != 0);
    pause_start(PAUSE_FOR_FAILOVER, PAUSE_WRITE, LLONG_MAX);
    pthread_mutex_unlock(&lock);
    return 0;
}

int failover_abort(void)
{
    pthread_mutex_lock(&lock);
    bool running = failover_state() != FAILOVER_NONE;
    if (running)
        abort_failover("Failover manually aborted");
    pthread_mutex_unlock(&lock);
    return running ? 0 : FAILOVER_ERR_NONE;
}

/* ---- waiting for the target -------------------------------------------------------- */

/* Lock held: the target (or, without one, any replica: it becomes the
 * target) has acknowledged the whole stream. */
static bool target_synced(void)
{
    if (target.host[0] != '\0')
        return repl_peer_at(target.host, strlen(target.host), target.port) ==
               REPL_PEER_CAUGHT_UP;
    return repl_caught_up_peer(target.host, sizeof(target.host), &target.port);
}

/* Lock held, waiting for sync: Redis's updateFailoverStatus. */
static void update(long long now_ms)
{
    if (target.end_ms != 0 && target.end_ms <= now_ms) {
        if (!target.force) {
            abort_failover("Replica never caught up before timeout");
            return;
        }
        log_notice("FAILOVER to %s:%lld time out exceeded, failing over.", target.host,
                   target.port);
        hand_over();
        return;
    }
    if (!target_synced())
        return;
    log_notice("Failover target %s:%lld is synced, failing over.", target.host, target.port);
    hand_over();
}

void failover_cron(long long now_ms)
{
    if (failover_state() != FAILOVER_WAIT_FOR_SYNC)
        return;
    pthread_mutex_lock(&lock);
    if (failover_state() == FAILOVER_WAIT_FOR_SYNC)
        update(now_ms);
    pthread_mutex_unlock(&lock);
}

/* ---- REPLICAOF --------------------------------------------------------------------- */

bool failover_prevent(void)
{
    pthread_mutex_lock(&lock);
    if (failover_state() == FAILOVER_NONE)
        return true;
    pthread_mutex_unlock(&lock);
    return false;
}

void failover_allow(void)
{
    pthread_mutex_unlock(&lock);
}
