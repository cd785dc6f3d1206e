/*
 * repl_replica.h - the replica side of Redis 7.0's replication: REPLICAOF
 * (SLAVEOF, the replicaof option) makes this server copy a master, as
 * Redis's replicationSetMaster / readSyncBulkPayload / replicationCron do.
 *
 * The link to the master lives on one worker loop (the first) for its
 * whole life; the commands only ask for it (a message to that loop).
 *
 *   CONNECT --connected--> HANDSHAKE: PING, [AUTH], REPLCONF listening-port,
 *       [ip-address], capa eof capa psync2, PSYNC <replid> <offset+1>
 *       [FAILOVER: this master hands over to that replica, failover.h]
 *   HANDSHAKE --+CONTINUE--> CONNECTED (the dataset is kept)
 *   HANDSHAKE --+FULLRESYNC--> TRANSFER: the RDB ($<len> or the diskless
 *       $EOF:<mark> form) into a temporary file, a read at a time; then
 *       renamed onto dbfilename and loaded in place of the dataset, other
 *       clients getting -LOADING meanwhile --> CONNECTED
 *   any --error, repl-timeout, CLIENT KILL TYPE master--> CONNECT again a
 *       second later, continuing with PSYNC where the copy stands
 *
 * CONNECTED: the master's stream runs as a client flagged CLIENT_MASTER
 * (CLIENT LIST flags=M): no replies, except REPLCONF GETACK's
 * REPLCONF ACK <offset>; read-only, ACL, maxmemory and CLIENT PAUSE do not
 * apply to it. Its offset counts the bytes of whole commands run; those
 * bytes, once applied (a MULTI block at its EXEC), go unchanged to this
 * server's backlog and sub-replicas (replication.h's repl_proxy), under
 * the apply lock, so a sub-replica's snapshot cut never falls between a
 * command and its bytes. Every second the link sends REPLCONF ACK and
 * checks repl-timeout.
 *
 * While a replica: writes from clients get -READONLY (replica-read-only),
 * commands without the stale flag -MASTERDOWN while the link is down and
 * replica-serve-stale-data is no, keys are expired only by the master's
 * DEL (reads see expired keys as missing and leave them), and nothing is
 * evicted (replica-ignore-maxmemory).
 *
 * Threads: the link, its master client and its buffers are the link
 * loop's; what INFO and ROLE show is under this module's lock; the
 * predicates below are atomics any thread reads.
 * Lock order: the apply lock, then snapshot's lock, shard locks, this
 * module's lock, replication.c's.
 * Errors: 0 or a negative errno.
 */
#ifndef GROVE_REPL_REPLICA_H
#define GROVE_REPL_REPLICA_H

#include <stdatomic.h>
#include <stdbool.h>

#include "resp.h"

struct client;
struct command;
struct worker;

#define REPL_ERR_READONLY "READONLY You can't write against a read only replica."
#define REPL_ERR_MASTERDOWN                                                               \
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."

extern atomic_bool repl_replica__on, repl_replica__link_up;

/* A master is set (REPLICAOF host port): this server is a replica. */
static inline bool repl_replica_on(void)
{
    return atomic_load_explicit(&repl_replica__on, memory_order_relaxed);
}

/* A write from client c is refused with REPL_ERR_READONLY: a read-only
 * replica, and c is not its master nor the AOF's replay (Redis's
 * mustObeyClient). */
bool repl_replica_refuses_writes(const struct client *c);
/* Commands without the stale flag get REPL_ERR_MASTERDOWN: a replica
 * whose link is not up, with replica-serve-stale-data no. */
bool repl_replica_stale(void);

/* REPLICAOF host port: 0, or 1 when already the master ("+OK Already
 * connected to specified master"); `who` names the client for the log. */
int repl_replica_set_master(const char *host, int port, const char *who);
/* How the master a FAILOVER hands over to answered its PSYNC ... FAILOVER:
 * refused is NULL when it took over (+CONTINUE or +FULLRESYNC), else why
 * the failover fails (for the log). Called on the link loop, holding no
 * lock. */
typedef void (*repl_failover_done_cb)(const char *refused);
/* FAILOVER (failover.h): a replica of host:port, whose PSYNCs say FAILOVER
 * (it becomes a master and continues our history) until the first answer
 * or PSYNC that cannot be written, which goes to `done`; a later
 * REPLICAOF or unset_master forgets it. */
void repl_replica_failover_to(const char *host, int port, repl_failover_done_cb done);
/* REPLICAOF NO ONE, PSYNC ... FAILOVER, a failover aborted: a master
 * again, with a new history (replication.h's repl_new_history), at once.
 * True when it was a replica (the caller logs why it is a master now). */
bool repl_replica_unset_master(void);
/* Start-up, before repl_replica_start: the RDB loaded says which
 * database the master's stream had selected (its repl-stream-db); a
 * continued stream goes on there. */
void repl_replica_restore_stream_db(int db);
/* Start-up, once the dataset is loaded: the replicaof option. */
void repl_replica_start(void);

/* REPLCONF GETACK from the master client: answer REPLCONF ACK once the
 * command is done. No-op for other clients. */
void repl_replica_getack(struct client *c);

/* The database the master's stream has selected, as of the last command
 * applied (stable under the apply lock). */
int repl_replica_stream_db(void);

/* The master's stream is applied and proxied under this lock (see above);
 * a sub-replica's fork takes it around its cut. */
void repl_replica_apply_lock(void);
void repl_replica_apply_unlock(void);

/* INFO replication's slave lines (from master_host to replica_announced),
 * and ROLE's slave form. */
void repl_replica_info(struct resp_out *t, long long now_ms);
void repl_replica_role(struct resp_out *out);

/* The link loop stops (shutdown): close the link there. */
void repl_replica_loop_stop(struct worker *w);

#endif
