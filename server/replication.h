/*
 * replication.h - the master side of Redis 7.0's replication: replicas
 * that connect as clients (REPLCONF, PSYNC or SYNC), get a snapshot, then
 * the stream of every write; the backlog that lets a replica that
 * reconnects continue where it stopped; the acknowledgements WAIT counts.
 *
 * Glossary
 *   stream    what the AOF gets (propagate.h), with a SELECT whenever the
 *             database changes, as RESP commands: one order for every
 *             replica, whatever loop ran the write.
 *   offset    master_repl_offset: the bytes of the stream so far. A
 *             replica's offset is where its copy stands.
 *   backlog   the last repl-backlog-size bytes of the stream, kept from
 *             the first replica on (Redis frees it after repl-backlog-ttl
 *             without replicas; Grove keeps it).
 *   cut       the moment a full sync's snapshot is taken: every shard
 *             held, the fork child gets exactly the data of the stream up
 *             to the offset recorded then (+FULLRESYNC <replid> <offset>),
 *             and every later write is streamed after it.
 *
 * A replica's bytes (the +FULLRESYNC line, the RDB, then the stream) wait
 * in its record here, under this module's lock; its own loop pulls them
 * into its connection whenever that has written what it had
 * (repl_replica_fill, from conn.c), so a connection never holds more than
 * a slice. The RDB comes one of two ways, as in Redis 7.0:
 *   disk      (repl-diskless-sync no, or a replica without capa eof): the
 *             child writes a file; each replica's loop reads it a slice at
 *             a time, sent as `$<len>\r\n<rdb>`;
 *   diskless  the child writes `$EOF:<mark>\r\n<rdb><mark>` down a pipe
 *             that a thread of this module reads into the buffers of every
 *             replica of that sync (while none is 1 MB behind); replicas
 *             that ask within repl-diskless-sync-delay share the child; the
 *             stream starts at the replica's first REPLCONF ACK. A write on any loop appends to each replica's record and posts
 * one wake-up to its loop when its record was empty. The record counts
 * against client-output-buffer-limit's replica class: over the hard
 * limit, or over the soft one for its seconds, the replica is closed, as
 * Redis does.
 *
 * Threads: repl_feed from any worker (the caller holds the shard locks of
 * the write, so two writes to a key are in stream order); the commands'
 * functions from the replica's own loop; repl_cron from the main thread.
 * Lock order: shard locks, this module's lock, a worker's queue; the
 * client registry before this module's lock; snapshot's lock before it.
 * Errors: 0 or a negative errno.
 */
#ifndef GROVE_REPLICATION_H
#define GROVE_REPLICATION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resp.h"

struct client;

/* Redis's NET_HOST_STR_LEN: a host name or address (REPLICAOF's, REPLCONF
 * ip-address, FAILOVER's target), with its NUL. */
#define REPL_HOST_LEN 256

/* Writes are streamed (the backlog exists). It turns on with every shard
 * held, so it is stable while a command holds any shard lock. */
extern atomic_bool repl__feeding;
static inline bool repl_feeding(void)
{
    return atomic_load_explicit(&repl__feeding, memory_order_relaxed);
}

/* Append one command in database db (db < 0: whatever is selected) to
 * the stream. */
void repl_feed(int db, const struct resp_arg *argv, size_t argc);

/* ---- this server as a replica (repl_replica.c) ---- */

/* Bytes of the master's stream, whole commands just applied: to the
 * backlog and the sub-replicas as they came, so offsets match along a
 * chain. */
void repl_proxy(const char *p, size_t n);
/* A full sync from a master loaded: its replid and offset become ours,
 * the backlog starts over there, every sub-replica is closed (it syncs
 * again). 0 or -ENOMEM (no backlog). */
int repl_attach_to_master(const char *replid, long long offset);
/* A new history (REPLICAOF NO ONE: replid NULL, a random one; +CONTINUE
 * with a new id: that one): the old id is kept as master_replid2 up to
 * the offset now, so replicas of it can continue; every sub-replica is
 * closed so it learns the new id. */
void repl_new_history(const char *replid);
/* A PSYNC accepted (+CONTINUE [replid]): the backlog goes on from the
 * offset now (made if there was none); a replid other than ours starts a
 * new history (as repl_new_history). 0 or -ENOMEM. */
int repl_continue_with_master(const char *replid);

/* What an RDB written now records of the replication (rdb_file.h's
 * repl-stream-db, repl-id, repl-offset), as Redis's rdbPopulateSaveInfo:
 * only while the stream runs (a replica, or a master with a backlog).
 * The caller holds every shard, and on a replica the apply lock, so the
 * offset is the data's. */
struct repl_rdb_info {
    int stream_db; /* where a replica's own replicas apply what follows */
    char replid[41];
    long long offset;
};
bool repl_rdb_info(struct repl_rdb_info *out);
/* Start-up, the RDB loaded named its history (Redis 7.0's
 * loadDataFromDisk): a replica (replicaof set) takes it as its own, so
 * it asks its master to continue (PSYNC <replid> <offset+1>); a master
 * keeps it as master_replid2 up to offset, with a backlog from there, so
 * its replicas continue. */
void repl_restore_history(const struct repl_rdb_info *info, bool as_replica);

/* ---- the replica's loop (cmd_repl.c, conn.c, command.c) ---- */

/* REPLCONF listening-port / ip-address / capa: remembered for the client
 * until it syncs. 0 or -ENOMEM. */
int repl_note_listening_port(struct client *c, long long port);
int repl_note_ip_address(struct client *c, const char *ip, size_t len);
int repl_note_capa(struct client *c, bool eof, bool psync2);
/* REPLCONF rdb-only 1: the client wants the RDB and no stream, and is
 * closed once it has it (redis-cli --rdb). REPLCONF rdb-filter-only
 * functions: its RDB holds the functions and no keys (--functions-rdb;
 * "" leaves out both); a child of its own writes it, shared only with
 * replicas asking for the same (Redis's slave_req). The bits in `mask`
 * take their values from `bits`. 0 or -ENOMEM. */
#define REPL_RDB_ONLY 1u
#define REPL_RDB_NO_KEYS 2u
#define REPL_RDB_NO_FUNCTIONS 4u
#define REPL_RDB_FILTERS (REPL_RDB_NO_KEYS | REPL_RDB_NO_FUNCTIONS)
int repl_note_rdb_request(struct client *c, unsigned bits, unsigned mask);
/* REPLCONF ACK <offset> from a replica (ignored from other clients). */
void repl_ack(struct client *c, long long offset, long long now_ms);

/* PSYNC replid offset (psync) or SYNC: the client becomes a replica.
 * Its replies are muted from now on (CLIENT_REPLICA): what it gets
 * (+CONTINUE or +FULLRESYNC, nothing for SYNC; the RDB; the stream)
 * reaches it through repl_replica_fill, in that order. 0, or -ENOTCONN
 * for a client without a loop, -ENOMEM. */
int repl_sync(struct client *c, bool psync, const struct resp_arg *replid, long long offset);

/* The client's connection has `pending` bytes not yet taken by the
 * kernel: move the next slice of what waits for this replica into its
 * reply buffer. True when it added bytes (the caller writes them out);
 * never true without progress, since the caller flushes again at once.
 * An rdb-only replica that has had its whole RDB gets
 * CLIENT_CLOSE_AFTER_REPLY. */
bool repl_replica_fill(struct client *c, size_t pending);
/* The client disconnects: forget it (no-op for others). */
void repl_client_leave(struct client *c);

/* ---- WAIT ---- */

/* The stream offset now, and how many online replicas acknowledged at
 * least `offset`. */
long long repl_offset(void);
long long repl_count_acked(long long offset);
/* A WAIT on client c blocked for `numreplicas` acks of `offset`: wake
 * it (blocking_wake_wait) once they come; replicas are asked for acks
 * now (REPLCONF GETACK *). 0 or -ENOMEM. */
int repl_wait_register(struct client *c, long long offset, long long numreplicas);
/* That client's WAIT ended (served, timed out, unblocked or gone). */
void repl_wait_forget(uint64_t client_id);

/* min-replicas-to-write: fewer replicas acknowledged within
 * min-replicas-max-lag seconds (as of the last check, at most a second
 * old) than it asks for. Writes then get ERR_NOREPLICAS. */
bool repl_writes_refused(void);
#define REPL_ERR_NOREPLICAS "NOREPLICAS Not enough good replicas to write."

/* ---- SHUTDOWN (Redis's shutdown-timeout) ---- */

/* Every replica has acknowledged the whole stream (none lags). */
bool repl_replicas_in_sync(void);
/* Ask every replica for its offset now (REPLCONF GETACK *). */
void repl_request_acks(void);
/* The shutdown goes on: log each lagging replica and how many are in
 * sync, as Redis's finishShutdown. */
void repl_log_shutdown(long long now_ms);

/* ---- FAILOVER (failover.h) ---- */

/* Replicas that asked to sync (INFO's connected_slaves). */
size_t repl_count_replicas(void);
/* How the replica listed at host:port stands (host: its announced or
 * peer ip, port: its listening port, as INFO shows them; Redis's
 * findReplica). CAUGHT_UP: online and it acknowledged the whole stream. */
enum repl_peer { REPL_PEER_NONE, REPL_PEER_SYNCING, REPL_PEER_ONLINE, REPL_PEER_CAUGHT_UP };
enum repl_peer repl_peer_at(const char *host, size_t len, long long port);
/* The first replica caught up, if any: true, with its address in host
 * (cap bytes) and port. */
bool repl_caught_up_peer(char *host, size_t cap, long long *port);
/* No PING goes to the replicas while held: a FAILOVER with a TIMEOUT
 * waits for them to reach an offset a PING would move (Redis skips the
 * PING then, as for a cluster's manual failover). */
void repl_hold_pings(bool held);

/* ---- INFO, ROLE ---- */

/* The replicas INFO's connected_slaves counts (past their handshake). */
size_t repl_replica_count(void);
/* INFO replication's lines after role:master, as Redis prints them;
 * failover_state is master_failover_state's value. */
void repl_info(struct resp_out *t, long long now_ms, const char *failover_state);
/* ROLE's master form. */
void repl_role(struct resp_out *out);
/* INFO stats: full syncs served, continuations accepted and refused. */
void repl_sync_counts(long long *full, long long *partial_ok, long long *partial_err);
/* CONFIG RESETSTAT. */
void repl_reset_sync_counts(void);
/* INFO memory: the backlog's bytes, and those with what waits for the
 * replicas (their streams, and what their connections have not sent). */
void repl_memory(long long *backlog, long long *total);

/* Main thread, every cron tick: start a full sync waiting for the fork
 * slot, PING the replicas every repl-ping-replica-period, keep replicas
 * waiting for their RDB alive, drop those silent past repl-timeout or
 * over the soft output limit. */
void repl_cron(long long now_ms);

#endif
