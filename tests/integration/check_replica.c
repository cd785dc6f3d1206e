/*
 * check_replica.c - the replica side of replication end to end, with two
 * or three grove-servers: REPLICAOF makes one copy another (full sync,
 * then the stream, DEBUG DIGEST equal), replicas refuse writes as Redis
 * does, INFO replication and ROLE take their slave forms, a lost link
 * continues with PSYNC, and REPLICAOF NO ONE promotes a replica whose old
 * master's other replicas then continue from it (Sentinel's failover).
 * Full syncs are diskless (with no delay unless a test sets one) or from
 * disk; a replica or a master restarted from its RDB continues with PSYNC.
 * FAILOVER hands the master role to a replica that has every write (its
 * own tcase): with and without TO, ABORT, TIMEOUT with and without FORCE,
 * a target that refuses, and Redis's errors; a replica SIGSTOPped cannot
 * acknowledge, which keeps a failover waiting.
 *
 * Expected texts were taken from redis-server 7.0.15 as a replica.
 */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define RUN(c, ...) freeReplyObject(harness_cmd(c, __VA_ARGS__))

struct node {
    struct harness_tmpdir dir;
    struct grove_server s;
    redisContext *c;
};

static void node_up(struct node *n, const char *const *extra)
{
    harness_tmpdir_make(&n->dir);
    const char *args[20] = {"--dir", n->dir.path, "--enable-debug-command", "yes", "--threads",
                            "2", "--save", "", "--repl-diskless-sync-delay", "0"};
    size_t k = 10;
    for (size_t i = 0; extra && extra[i] && k < 19; i++)
        args[k++] = extra[i];
    args[k] = NULL;
    harness_start(&n->s, args);
    n->c = harness_connect(&n->s);
}

static void node_down(struct node *n)
{
    redisFree(n->c);
    harness_stop(&n->s);
    harness_tmpdir_remove(&n->dir);
}

static bool info_is(redisContext *c, const char *field, const char *want)
{
    char buf[128];
    return harness_info_field(c, "replication", field, buf, sizeof(buf)) &&
           strcmp(buf, want) == 0;
}

/* The master lists the replica on `port` as online. */
static bool listed_online(redisContext *master, int port)
{
    char want[64];
    redisReply *r = harness_cmd(master, "INFO replication");
    snprintf(want, sizeof(want), ",port=%d,state=online,", port);
    bool online = r->type == REDIS_REPLY_STRING && strstr(r->str, want) != NULL;
    freeReplyObject(r);
    return online;
}

/* REPLICAOF, then wait for the link to be up, and for the master to have
 * its first ACK (WAIT and FAILOVER count only replicas online). */
static void replicate(struct node *replica, const struct node *master)
{
    redisReply *r = harness_cmd(replica->c, "REPLICAOF 127.0.0.1 %d", master->s.port);
    harness_expect_status(r, "OK");
    HARNESS_WAIT_FOR(info_is(replica->c, "master_link_status", "up"), "the link never came up");
    HARNESS_WAIT_FOR(listed_online(master->c, replica->s.port), "the master never saw it online");
}

/* The replica has every byte of the master's stream. Both offsets are
 * read again on every try, as Redis's wait_for_ofs_sync: the master adds
 * bytes of its own (a PING every repl-ping-replica-period), which a
 * target read once would let the replica pass without ever matching. */
static bool caught_up(redisContext *replica, redisContext *master, long long *r, long long *m)
{
    *m = harness_info_ll(master, "replication", "master_repl_offset");
    *r = harness_info_ll(replica, "replication", "slave_repl_offset");
    return *r == *m;
}

static void wait_offsets_meet(redisContext *replica, redisContext *master)
{
    long long r = 0, m = 0;
    HARNESS_WAIT_FOR(caught_up(replica, master, &r, &m),
                     "the replica stayed at offset %lld, its master is at %lld", r, m);
}

static void wait_caught_up(const struct node *replica, const struct node *master)
{
    wait_offsets_meet(replica->c, master->c);
}

/* A master and its replica, synced. */
static void pair_up(struct node *m, struct node *r)
{
    node_up(m, NULL);
    node_up(r, NULL);
    replicate(r, m);
}

static void pair_down(struct node *m, struct node *r)
{
    node_down(r);
    node_down(m);
}

static char *digest(redisContext *c)
{
    redisReply *r = harness_cmd(c, "DEBUG DIGEST");
    ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
    char *d = strdup(r->str);
    freeReplyObject(r);
    return d;
}

static void expect_same_data(const struct node *a, const struct node *b)
{
    char *da = digest(a->c), *db = digest(b->c);
    ck_assert_str_eq(da, db);
    ck_assert_str_ne(da, "0000000000000000000000000000000000000000");
    free(da);
    free(db);
}

/* Writes of several types in several databases. */
static void write_some(redisContext *c, const char *tag, int n)
{
    for (int i = 0; i < n; i++) {
        RUN(c, "SELECT %d", i % 3);
        RUN(c, "SET %s:s%d %d", tag, i, i);
        RUN(c, "HSET %s:h%d f %d", tag, i % 7, i);
        RUN(c, "RPUSH %s:l %d", tag, i);
        RUN(c, "ZADD %s:z %d m%d", tag, i, i);
        RUN(c, "SADD %s:set %d", tag, i);
    }
    RUN(c, "SELECT 0");
}

/* ---- sync and stream ------------------------------------------------------------ */

START_TEST(full_sync_then_stream_copy_the_master)
{
    struct node m, r;
    node_up(&m, NULL);
    node_up(&r, NULL);
    write_some(m.c, "before", 200);
    RUN(m.c, "SET gone soon PX 600000");
    RUN(r.c, "SET replaced yes");
    replicate(&r, &m);
    /* Writes from two connections, one of them in database 2. */
    redisContext *other = harness_connect(&m.s);
    write_some(m.c, "after", 100);
    RUN(other, "SELECT 2");
    for (int i = 0; i < 100; i++)
        RUN(other, "INCR counter");
    RUN(m.c, "DEL gone");
    wait_caught_up(&r, &m);
    expect_same_data(&m, &r);
    redisReply *g = harness_cmd(r.c, "GET replaced");
    harness_expect_nil(g);
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_full"), 1);
    harness_cmd_ok(m.c, "CONFIG RESETSTAT");
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_full"), 0);
    redisFree(other);
    pair_down(&m, &r);
}
END_TEST

/* replica-lazy-flush yes: the keys a full sync replaces are freed by the
 * main loop, counted in lazyfreed_objects as Redis counts them; no: in
 * place, uncounted. */
START_TEST(replica_lazy_flush_frees_the_old_keys_elsewhere)
{
    struct node m, lazy, eager;
    node_up(&m, NULL);
    node_up(&lazy, (const char *const[]){"--replica-lazy-flush", "yes", NULL});
    node_up(&eager, NULL);
    RUN(m.c, "SET from master");
    harness_pipeline_int(lazy.c, "SET old:%d x", 0, 100);
    harness_pipeline_int(eager.c, "SET old:%d x", 0, 100);
    replicate(&lazy, &m);
    replicate(&eager, &m);
    harness_wait_info_ll(lazy.c, "memory", "lazyfreed_objects", 100);
    expect_same_data(&m, &lazy);
    expect_same_data(&m, &eager);
    ck_assert_int_eq(harness_info_ll(eager.c, "memory", "lazyfreed_objects"), 0);
    node_down(&eager);
    pair_down(&m, &lazy);
}
END_TEST

START_TEST(writes_during_the_full_sync_reach_the_replica)
{
    struct node m, r;
    node_up(&m, NULL);
    node_up(&r, (const char *const[]){"--key-load-delay", "50", NULL});
    write_some(m.c, "big", 300);
    harness_cmd_ok(r.c, "REPLICAOF 127.0.0.1 %d", m.s.port);
    /* The replica loads slowly: these land between the cut and the stream. */
    for (int i = 0; i < 200; i++)
        RUN(m.c, "LPUSH during %d", i);
    HARNESS_WAIT_FOR(info_is(r.c, "master_link_status", "up"), "the link never came up");
    wait_caught_up(&r, &m);
    expect_same_data(&m, &r);
    pair_down(&m, &r);
}
END_TEST

START_TEST(getack_is_answered_with_the_offset_so_wait_counts_the_replica)
{
    struct node m, r;
    pair_up(&m, &r);
    RUN(m.c, "SET k v");
    redisReply *w = harness_cmd(m.c, "WAIT 1 5000");
    harness_expect_int(w, 1);
    pair_down(&m, &r);
}
END_TEST

/* ---- a read-only replica ---------------------------------------------------------- */

START_TEST(a_replica_refuses_writes_as_redis)
{
    struct node m, r;
    pair_up(&m, &r);
    const struct harness_step steps[] = {
        {"SET k v", "-READONLY You can't write against a read only replica."},
        {"GET k", "_"},
        {"MULTI", "+OK"},
        {"INCR k", "-READONLY You can't write against a read only replica."},
        {"EXEC", "-EXECABORT Transaction discarded because of previous errors."},
        {"WAIT 0 0", "-ERR WAIT cannot be used with replica instances. Please also note that "
                     "since Redis 4.0 if a replica is configured to be writable (which is not "
                     "the default) writes to replicas are just local and are not propagated."},
        {NULL, NULL}};
    for (const struct harness_step *s = steps; s->cmd; s++)
        harness_expect_step(r.c, s);
    /* A script that may write is refused before it runs ... */
    harness_expect_error(harness_cmd(r.c, "EVAL %s 0", "#!lua\nreturn 1"),
                         "READONLY You can't write against a read only replica.");
    harness_expect_int(harness_cmd(r.c, "EVAL %s 0", "#!lua flags=no-writes\nreturn 1"), 1);
    /* ... a legacy script's write fails inside it, named by its digest. */
    harness_expect_error(harness_cmd(r.c, "EVAL %s 0", "return redis.call('set','k','v')"),
                         "READONLY You can't write against a read only replica. script: "
                         "d223ed8c7345b684e8ed044ed472601f536fa58b, on @user_script:1.");
    /* replica-read-only no: writes are local to the replica. */
    harness_cmd_ok(r.c, "CONFIG SET replica-read-only no");
    harness_cmd_ok(r.c, "SET local yes");
    harness_expect_value(r.c, "local", "yes", 3);
    pair_down(&m, &r);
}
END_TEST

START_TEST(stale_data_is_refused_when_asked_while_the_link_is_down)
{
    struct node m, r;
    node_up(&m, NULL);
    node_up(&r, NULL);
    harness_cmd_ok(r.c, "CONFIG SET replica-serve-stale-data no");
    harness_cmd_ok(r.c, "REPLICAOF 127.0.0.1 %d", m.s.port);
    node_down(&m); /* nothing listens there any more */
    HARNESS_WAIT_FOR(info_is(r.c, "master_link_status", "down"), "the link stayed up");
    const struct harness_step steps[] = {
        {"GET k", "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set "
                  "to 'no'."},
        {"PING", "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set "
                 "to 'no'."},
        {NULL, NULL}};
    for (const struct harness_step *s = steps; s->cmd; s++)
        harness_expect_step(r.c, s);
    char buf[64];
    ck_assert(harness_info_field(r.c, "replication", "master_link_down_since_seconds", buf,
                                 sizeof(buf)));
    harness_cmd_ok(r.c, "CONFIG SET replica-serve-stale-data yes");
    harness_expect_nil(harness_cmd(r.c, "GET k"));
    node_down(&r);
}
END_TEST

START_TEST(a_replica_leaves_expired_keys_to_its_master)
{
    struct node m, r;
    pair_up(&m, &r);
    harness_cmd_ok(m.c, "DEBUG SET-ACTIVE-EXPIRE 0");
    RUN(m.c, "SET k v PX 50");
    wait_caught_up(&r, &m);
    harness_sleep_ms(100);
    /* Expired for readers, but still there until the master's DEL. */
    harness_expect_nil(harness_cmd(r.c, "GET k"));
    ck_assert_int_eq(harness_cmd_int(r.c, "DBSIZE"), 1);
    harness_expect_nil(harness_cmd(m.c, "GET k")); /* the master expires it: DEL */
    HARNESS_WAIT_FOR(harness_cmd_int(r.c, "DBSIZE") == 0, "the master's DEL never came");
    pair_down(&m, &r);
}
END_TEST

/* The master decides when a key has expired: a write it made while the
 * key was live must find it live on the replica, even once the replica's
 * clock says it has expired (Redis's expireIfNeeded for the master). */
START_TEST(the_master_s_writes_find_its_keys_live)
{
    struct node m, r;
    pair_up(&m, &r);
    harness_cmd_ok(m.c, "DEBUG SET-ACTIVE-EXPIRE 0");
    RUN(m.c, "SET k 10 PX 1000");
    wait_caught_up(&r, &m);
    /* The replica applies what follows only once k's time has passed. */
    redisContext *sleeper = harness_connect(&r.s);
    harness_send_only(sleeper, "DEBUG SLEEP 1.5");
    harness_sleep_ms(50);
    RUN(m.c, "INCR k"); /* 11 unless a slow machine let k expire first: then 1 */
    harness_expect_int(harness_cmd(m.c, "PEXPIRE k 100000"), 1);
    freeReplyObject(harness_read_reply(sleeper));
    redisFree(sleeper);
    wait_caught_up(&r, &m);
    redisReply *want = harness_cmd(m.c, "GET k"), *have = harness_cmd(r.c, "GET k");
    ck_assert_str_eq(have->str, want->str);
    freeReplyObject(want);
    freeReplyObject(have);
    pair_down(&m, &r);
}
END_TEST

/* With replica-read-only no, the keys a replica's own clients time are
 * ones no master will DEL: the replica expires them itself (Redis's
 * slaveKeysWithExpire), and counts them in slave_expires_tracked_keys;
 * the master's timed keys are still left to the master. */
START_TEST(a_writable_replica_expires_the_keys_its_clients_time)
{
    struct node m, r;
    pair_up(&m, &r);
    harness_cmd_ok(m.c, "DEBUG SET-ACTIVE-EXPIRE 0");
    RUN(m.c, "SET from-master v PX 50");
    wait_caught_up(&r, &m);
    harness_cmd_ok(r.c, "CONFIG SET replica-read-only no");
    long long expired = harness_info_ll(r.c, "stats", "expired_keys");
    /* held while counting: a slow run (TSan) would expire them first */
    harness_cmd_ok(r.c, "DEBUG SET-ACTIVE-EXPIRE 0");
    RUN(r.c, "SET own v PX 50");
    RUN(r.c, "SELECT 1");
    RUN(r.c, "SET other v");
    harness_expect_int(harness_cmd(r.c, "PEXPIRE other 50"), 1);
    RUN(r.c, "SET untimed v EX 100");
    RUN(r.c, "SET untimed v"); /* no TTL any more: forgotten by the cron */
    ck_assert_int_eq(harness_info_ll(r.c, "stats", "slave_expires_tracked_keys"), 3);
    harness_cmd_ok(r.c, "DEBUG SET-ACTIVE-EXPIRE 1");
    harness_wait_info_ll(r.c, "stats", "expired_keys", expired + 2);
    ck_assert_int_eq(harness_cmd_int(r.c, "DBSIZE"), 1); /* untimed */
    RUN(r.c, "SELECT 0");
    ck_assert_int_eq(harness_cmd_int(r.c, "DBSIZE"), 1); /* the master's key stays */
    HARNESS_WAIT_FOR(harness_info_ll(r.c, "stats", "slave_expires_tracked_keys") == 0,
                     "the untimed key is still tracked");
    RUN(r.c, "SET again v EX 100");
    ck_assert_int_eq(harness_info_ll(r.c, "stats", "slave_expires_tracked_keys"), 1);
    harness_cmd_ok(r.c, "FLUSHALL");
    ck_assert_int_eq(harness_info_ll(r.c, "stats", "slave_expires_tracked_keys"), 0);
    pair_down(&m, &r);
}
END_TEST

/* CLIENT PAUSE WRITE on a replica holds its master's stream too, as in
 * Redis: what arrives is read (slave_read_repl_offset) but not run
 * (slave_repl_offset), until the pause lifts. */
START_TEST(a_paused_replica_reads_but_does_not_run_the_stream)
{
    struct node m, r;
    pair_up(&m, &r);
    RUN(m.c, "SET before v");
    wait_caught_up(&r, &m);
    long long ran = harness_info_ll(r.c, "replication", "slave_repl_offset");
    harness_cmd_ok(r.c, "CLIENT PAUSE 100000 WRITE");
    RUN(m.c, "SET after v");
    long long sent = harness_info_ll(m.c, "replication", "master_repl_offset");
    HARNESS_WAIT_FOR(harness_info_ll(r.c, "replication", "slave_read_repl_offset") >= sent,
                     "the paused replica stopped reading");
    harness_sleep_ms(50);
    ck_assert_int_eq(harness_info_ll(r.c, "replication", "slave_repl_offset"), ran);
    harness_expect_nil(harness_cmd(r.c, "GET after"));
    harness_cmd_ok(r.c, "CLIENT UNPAUSE");
    HARNESS_WAIT_FOR(harness_info_ll(r.c, "replication", "slave_repl_offset") >= sent,
                     "the stream did not go on after CLIENT UNPAUSE");
    harness_expect_str(harness_cmd(r.c, "GET after"), "v");
    pair_down(&m, &r);
}
END_TEST

/* DEBUG REPLICATE sends a line to the replicas only: Redis's tests use it
 * to make a replica differ from its master. */
START_TEST(debug_replicate_reaches_the_replicas_only)
{
    struct node m, r;
    pair_up(&m, &r);
    harness_cmd_ok(m.c, "DEBUG REPLICATE SET replica-only v");
    RUN(m.c, "SET both v");
    wait_caught_up(&r, &m);
    harness_expect_str(harness_cmd(r.c, "GET replica-only"), "v");
    harness_expect_str(harness_cmd(r.c, "GET both"), "v");
    harness_expect_nil(harness_cmd(m.c, "GET replica-only"));
    pair_down(&m, &r);
}
END_TEST

START_TEST(a_replica_does_not_evict)
{
    struct node m, r;
    pair_up(&m, &r);
    harness_cmd_ok(r.c, "CONFIG SET maxmemory-policy allkeys-random");
    harness_cmd_ok(r.c, "CONFIG SET maxmemory 1");
    write_some(m.c, "many", 200);
    wait_caught_up(&r, &m);
    ck_assert_int_eq(harness_cmd_int(r.c, "DBSIZE"), harness_cmd_int(m.c, "DBSIZE"));
    ck_assert_int_eq(harness_info_ll(r.c, "stats", "evicted_keys"), 0);
    harness_cmd_ok(r.c, "CONFIG SET maxmemory 0");
    pair_down(&m, &r);
}
END_TEST

/* Redis's disconnectAllBlockedClients: a pop served on a replica would
 * not be the master's. */
START_TEST(replicaof_unblocks_and_closes_blocked_clients)
{
    struct node m, r;
    node_up(&m, NULL);
    node_up(&r, NULL);
    int fd = harness_raw_connect(&r.s);
    harness_raw_send_line(fd, "BLPOP q 0");
    harness_wait_info_ll(r.c, "clients", "blocked_clients", 1);
    replicate(&r, &m);
    harness_raw_expect_arrives(fd, "-UNBLOCKED force unblock from blocking operation, instance "
                                   "state changed (master -> replica?)\r\n");
    ck_assert(harness_raw_closed(fd));
    close(fd);
    harness_expect_error(harness_cmd(r.c, "BLPOP q 0"),
                         "READONLY You can't write against a read only replica.");
    pair_down(&m, &r);
}
END_TEST

/* ---- the link: AUTH, repl-timeout, the AOF ---------------------------------------- */

START_TEST(masterauth_and_masteruser_authenticate_the_link)
{
    struct node m, r;
    node_up(&m, NULL);
    node_up(&r, NULL);
    /* A password with a NUL byte, as Redis's may be: all of it is sent. */
    harness_cmd_ok(m.c, "CONFIG SET requirepass %b", "sec\0ret", (size_t)7);
    harness_cmd_ok(m.c, "SET k v");
    harness_cmd_ok(r.c, "CONFIG SET masterauth sec");
    harness_cmd_ok(r.c, "REPLICAOF 127.0.0.1 %d", m.s.port);
    harness_sleep_ms(1500); /* a refused AUTH never brings the link up */
    ck_assert(info_is(r.c, "master_link_status", "down"));
    harness_cmd_ok(r.c, "CONFIG SET masterauth %b", "sec\0ret", (size_t)7);
    HARNESS_WAIT_FOR(info_is(r.c, "master_link_status", "up"), "the link never came up");
    harness_expect_value(r.c, "k", "v", 1);
    /* A user of its own, allowed the replication commands only. */
    harness_cmd_ok(m.c, "ACL SETUSER repl on >pw -@all +psync +replconf +ping");
    harness_cmd_ok(r.c, "CONFIG SET masteruser repl");
    harness_cmd_ok(r.c, "CONFIG SET masterauth pw");
    ck_assert_int_eq(harness_cmd_int(r.c, "CLIENT KILL TYPE master"), 1);
    HARNESS_WAIT_FOR(harness_info_ll(m.c, "stats", "sync_partial_ok") == 1,
                     "the link never came back as repl");
    redisReply *list = harness_cmd(m.c, "CLIENT LIST TYPE replica");
    ck_assert_ptr_nonnull(strstr(list->str, " user=repl "));
    freeReplyObject(list);
    pair_down(&m, &r);
}
END_TEST

START_TEST(a_silent_master_times_out_and_the_link_continues)
{
    struct node m, r;
    pair_up(&m, &r);
    harness_cmd_ok(r.c, "CONFIG SET repl-timeout 1"); /* the master PINGs every 10 s */
    HARNESS_WAIT_FOR(harness_info_ll(m.c, "stats", "sync_partial_ok") >= 1,
                     "the replica never timed its master out");
    harness_cmd_ok(r.c, "CONFIG SET repl-timeout 60");
    RUN(m.c, "SET after timeout");
    HARNESS_WAIT_FOR(info_is(r.c, "master_link_status", "up"), "the link never came back");
    wait_caught_up(&r, &m);
    harness_expect_value(r.c, "after", "timeout", 7);
    pair_down(&m, &r);
}
END_TEST

/* Redis's restartAOFAfterSYNC: the AOF starts over from the synced data. */
START_TEST(an_appendonly_replica_rewrites_its_aof_from_the_sync)
{
    struct node m;
    struct harness_tmpdir dir;
    struct grove_server r;
    node_up(&m, NULL);
    write_some(m.c, "aof", 50);
    harness_tmpdir_make(&dir);
    const char *args[] = {"--dir", dir.path, "--appendonly", "yes", "--enable-debug-command", "yes",
                          NULL};
    harness_start(&r, args);
    redisContext *c = harness_connect(&r);
    RUN(c, "SET stale yes");
    harness_cmd_ok(c, "REPLICAOF 127.0.0.1 %d", m.s.port);
    HARNESS_WAIT_FOR(info_is(c, "master_link_status", "up"), "the link never came up");
    RUN(m.c, "SET streamed yes");
    wait_offsets_meet(c, m.c);
    HARNESS_WAIT_FOR(harness_info_ll(c, "persistence", "aof_rewrite_in_progress") == 0 &&
                         harness_info_ll(c, "persistence", "aof_enabled") == 1,
                     "the AOF never started again");
    RUN(m.c, "SET after-rewrite yes"); /* in the new AOF's incr file */
    wait_offsets_meet(c, m.c);
    /* The AOF's replay obeys, as a master would: not -READONLY. */
    harness_cmd_ok(c, "DEBUG LOADAOF");
    char *want_digest = digest(m.c), *have = digest(c);
    ck_assert_str_eq(have, want_digest);
    free(have);
    redisFree(c);
    harness_stop(&r);
    /* Back as a master from its own AOF: the master's data, not its own. */
    harness_start(&r, args);
    c = harness_connect(&r);
    have = digest(c);
    ck_assert_str_eq(have, want_digest);
    free(want_digest);
    free(have);
    harness_expect_nil(harness_cmd(c, "GET stale"));
    redisFree(c);
    harness_stop(&r);
    harness_tmpdir_remove(&dir);
    node_down(&m);
}
END_TEST

/* ---- INFO, ROLE, CLIENT LIST, the command -------------------------------------------- */

/* bind-source-addr: the link leaves from that address, so the master
 * lists the replica there (loopback holds all of 127/8; protected mode
 * would refuse any address but 127.0.0.1). */
START_TEST(the_link_leaves_from_bind_source_addr)
{
    struct node m, r;
    node_up(&m, NULL);
    node_up(&r, NULL);
    RUN(m.c, "CONFIG SET protected-mode no");
    RUN(r.c, "CONFIG SET bind-source-addr 127.0.0.2");
    replicate(&r, &m);
    redisReply *info = harness_cmd(m.c, "INFO replication");
    ck_assert_msg(strstr(info->str, "slave0:ip=127.0.0.2,") != NULL, "%s", info->str);
    freeReplyObject(info);
    /* the replica is one of connected_slaves, not of connected_clients */
    ck_assert_int_eq(harness_info_ll(m.c, "clients", "connected_clients"), 1);
    pair_down(&m, &r);
}
END_TEST

START_TEST(info_role_and_client_list_show_a_replica)
{
    struct node m, r;
    pair_up(&m, &r);
    RUN(m.c, "SET k v");
    wait_caught_up(&r, &m);
    long long off = harness_info_ll(m.c, "replication", "master_repl_offset");

    redisReply *info = harness_cmd(r.c, "INFO replication");
    static const char *const fields[] = {
        "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:",
        "\r\nmaster_link_status:up\r\nmaster_last_io_seconds_ago:",
        "\r\nmaster_sync_in_progress:0\r\nslave_read_repl_offset:",
        "\r\nslave_priority:100\r\nslave_read_only:1\r\nreplica_announced:1\r\n"
        "connected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:",
        "\r\nmaster_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:",
        "\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:1\r\n", NULL};
    const char *at = info->str;
    for (size_t i = 0; fields[i]; i++) {
        const char *f = strstr(at, fields[i]);
        ck_assert_msg(f != NULL, "no '%s' after '%s'", fields[i], at);
        at = f + strlen(fields[i]);
    }
    freeReplyObject(info);

    redisReply *role = harness_cmd(r.c, "ROLE");
    harness_assert_array(role, 5);
    ck_assert_str_eq(role->element[0]->str, "slave");
    ck_assert_str_eq(role->element[1]->str, "127.0.0.1");
    ck_assert_int_eq(role->element[2]->integer, m.s.port);
    ck_assert_str_eq(role->element[3]->str, "connected");
    ck_assert_int_eq(role->element[4]->integer, off);
    freeReplyObject(role);

    redisReply *list = harness_cmd(r.c, "CLIENT LIST TYPE master");
    ck_assert_ptr_nonnull(strstr(list->str, " flags=M "));
    freeReplyObject(list);

    char port[16], value[64];
    snprintf(port, sizeof(port), "%d", m.s.port);
    snprintf(value, sizeof(value), "127.0.0.1 %d", m.s.port);
    redisReply *cfg = harness_cmd(r.c, "CONFIG GET replicaof");
    harness_expect_array(cfg, 2, (const char *const[]){"replicaof", value});
    const struct harness_step steps[] = {
        {"REPLICAOF 127.0.0.1 notaport", "-ERR Invalid master port"},
        {"REPLICAOF 127.0.0.1 70000", "-ERR Invalid master port"},
        {"REPLICAOF 127.0.0.1", "-ERR wrong number of arguments for 'replicaof' command"},
        {NULL, NULL}};
    for (const struct harness_step *s = steps; s->cmd; s++)
        harness_expect_step(r.c, s);
    harness_expect_error(harness_cmd(r.c, "CONFIG SET replicaof %s", "127.0.0.1 1"),
                         "ERR CONFIG SET failed (possibly related to argument 'replicaof') - "
                         "can't set immutable config");
    harness_expect_status(harness_cmd(r.c, "SLAVEOF 127.0.0.1 %s", port),
                          "OK Already connected to specified master");
    pair_down(&m, &r);
}
END_TEST

/* ---- a lost link, a promotion ---------------------------------------------------------- */

START_TEST(a_killed_link_continues_where_it_stopped)
{
    struct node m, r;
    pair_up(&m, &r);
    RUN(m.c, "SELECT 4");
    RUN(m.c, "SET in4 a");
    wait_caught_up(&r, &m);
    ck_assert_int_eq(harness_cmd_int(r.c, "CLIENT KILL TYPE master"), 1);
    /* No SELECT follows a continuation: the copy stays in database 4. */
    RUN(m.c, "SET in4 b");
    HARNESS_WAIT_FOR(info_is(r.c, "master_link_status", "up"), "the link never came back");
    wait_caught_up(&r, &m);
    expect_same_data(&m, &r);
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_full"), 1);
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_partial_ok"), 1);
    pair_down(&m, &r);
}
END_TEST

START_TEST(a_promoted_replica_lets_the_others_continue)
{
    struct node m, a, b;
    node_up(&m, NULL);
    node_up(&a, NULL);
    node_up(&b, NULL);
    write_some(m.c, "x", 20);
    replicate(&a, &m);
    replicate(&b, &m);
    RUN(m.c, "SET last 1");
    wait_caught_up(&a, &m);
    wait_caught_up(&b, &m);
    char old_id[64], new_id[64];
    ck_assert(harness_info_field(m.c, "replication", "master_replid", old_id, sizeof(old_id)));
    long long off = harness_info_ll(m.c, "replication", "master_repl_offset");

    harness_cmd_ok(a.c, "REPLICAOF NO ONE");
    ck_assert(info_is(a.c, "role", "master"));
    ck_assert(info_is(a.c, "master_replid2", old_id));
    ck_assert_int_eq(harness_info_ll(a.c, "replication", "second_repl_offset"), off + 1);
    ck_assert(harness_info_field(a.c, "replication", "master_replid", new_id, sizeof(new_id)));
    ck_assert_str_ne(new_id, old_id);
    harness_cmd_ok(a.c, "SET promoted yes");

    replicate(&b, &a);
    wait_caught_up(&b, &a);
    ck_assert_int_eq(harness_info_ll(a.c, "stats", "sync_partial_ok"), 1);
    ck_assert_int_eq(harness_info_ll(a.c, "stats", "sync_full"), 0);
    ck_assert(info_is(b.c, "master_replid", new_id));
    harness_expect_value(b.c, "promoted", "yes", 3);
    expect_same_data(&a, &b);
    node_down(&b);
    node_down(&a);
    node_down(&m);
}
END_TEST

START_TEST(a_chain_passes_the_master_s_bytes_on)
{
    struct node m, mid, end;
    node_up(&m, NULL);
    node_up(&mid, NULL);
    node_up(&end, NULL);
    write_some(m.c, "c", 30);
    redisContext *in4 = harness_connect(&m.s);
    RUN(in4, "SELECT 4");
    RUN(in4, "SET a 1");
    replicate(&mid, &m);
    RUN(in4, "SET a 2"); /* the stream SELECTs database 4 once, here */
    wait_caught_up(&mid, &m);
    /* The stream stays in database 4: mid's RDB must say so (repl-stream-db). */
    replicate(&end, &mid);
    RUN(in4, "SET b 2");
    redisFree(in4);
    write_some(m.c, "d", 30);
    wait_caught_up(&mid, &m);
    wait_caught_up(&end, &m);
    ck_assert_int_eq(harness_info_ll(end.c, "replication", "master_repl_offset"),
                     harness_info_ll(m.c, "replication", "master_repl_offset"));
    expect_same_data(&m, &end);
    node_down(&end);
    node_down(&mid);
    node_down(&m);
}
END_TEST

START_TEST(the_replicaof_option_starts_a_replica)
{
    struct node m, r;
    char port[16];
    node_up(&m, NULL);
    RUN(m.c, "SET k v");
    snprintf(port, sizeof(port), "%d", m.s.port);
    node_up(&r, (const char *const[]){"--replicaof", "127.0.0.1", port, NULL});
    HARNESS_WAIT_FOR(info_is(r.c, "master_link_status", "up"), "the link never came up");
    wait_caught_up(&r, &m);
    harness_expect_value(r.c, "k", "v", 1);
    pair_down(&m, &r);
}
END_TEST

/* ---- diskless full sync ------------------------------------------------------------- */

/* Nothing was written in the master's directory (no RDB, no temp file). */
static void expect_empty_dir(const struct node *n)
{
    DIR *d = opendir(n->dir.path);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
        ck_assert_msg(e->d_name[0] == '.', "%s was written", e->d_name);
    closedir(d);
}

START_TEST(replicas_within_the_delay_share_one_diskless_child)
{
    struct node m, a, b;
    node_up(&m, (const char *const[]){"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay",
                                       "1", NULL});
    node_up(&a, NULL);
    node_up(&b, NULL);
    write_some(m.c, "x", 100);
    long long forks = harness_info_ll(m.c, "stats", "total_forks");
    harness_expect_status(harness_cmd(a.c, "REPLICAOF 127.0.0.1 %d", m.s.port), "OK");
    harness_expect_status(harness_cmd(b.c, "REPLICAOF 127.0.0.1 %d", m.s.port), "OK");
    HARNESS_WAIT_FOR(info_is(a.c, "master_link_status", "up") &&
                         info_is(b.c, "master_link_status", "up"),
                     "the links never came up");
    write_some(m.c, "y", 20);
    wait_caught_up(&a, &m);
    wait_caught_up(&b, &m);
    expect_same_data(&m, &a);
    expect_same_data(&m, &b);
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "total_forks"), forks + 1);
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_full"), 2);
    expect_empty_dir(&m);
    node_down(&b);
    node_down(&a);
    node_down(&m);
}
END_TEST

START_TEST(a_diskless_sync_under_writes_copies_the_master)
{
    struct node m, r;
    node_up(&m, (const char *const[]){"--repl-diskless-sync", "yes", NULL});
    node_up(&r, NULL);
    write_some(m.c, "before", 100);
    redisContext *other = harness_connect(&m.s);
    RUN(other, "SELECT 5");
    harness_expect_status(harness_cmd(r.c, "REPLICAOF 127.0.0.1 %d", m.s.port), "OK");
    for (int i = 0; i < 200; i++) /* during the sync: after the cut, in the stream */
        RUN(other, "INCR during");
    write_some(m.c, "after", 20);
    redisFree(other);
    HARNESS_WAIT_FOR(info_is(r.c, "master_link_status", "up"), "the link never came up");
    wait_caught_up(&r, &m);
    expect_same_data(&m, &r);
    expect_empty_dir(&m);
    pair_down(&m, &r);
}
END_TEST

START_TEST(repl_diskless_sync_no_keeps_the_disk_based_sync)
{
    struct node m, r;
    node_up(&m, (const char *const[]){"--repl-diskless-sync", "no", NULL});
    node_up(&r, NULL);
    write_some(m.c, "x", 50);
    replicate(&r, &m);
    wait_caught_up(&r, &m);
    expect_same_data(&m, &r);
    pair_down(&m, &r);
}
END_TEST

/* ---- restarts ---------------------------------------------------------------------- */

/* Start n again on its port, in its dir (so from its RDB). */
static void node_start_again(struct node *n, const char *const *extra)
{
    const char *args[20] = {"--dir", n->dir.path, "--enable-debug-command", "yes", "--threads",
                            "2", "--save", "", "--repl-diskless-sync-delay", "0"};
    size_t k = 10;
    for (size_t i = 0; extra && extra[i] && k < 19; i++)
        args[k++] = extra[i];
    args[k] = NULL;
    harness_start_ex(&n->s, &(struct harness_opts){.port = n->s.port}, args);
    n->c = harness_connect(&n->s);
}

START_TEST(a_replica_restarted_from_its_rdb_continues)
{
    struct node m, r;
    char port[16];
    pair_up(&m, &r);
    write_some(m.c, "a", 20);
    RUN(m.c, "SELECT 3");
    RUN(m.c, "SET in3 x");
    wait_caught_up(&r, &m);
    harness_cmd_ok(r.c, "SAVE"); /* repl-id, repl-offset and repl-stream-db 3 */
    redisFree(r.c);
    harness_stop(&r.s);
    RUN(m.c, "SET in3 y"); /* no SELECT: the restarted copy must be in database 3 */
    write_some(m.c, "b", 10);
    snprintf(port, sizeof(port), "%d", m.s.port);
    node_start_again(&r, (const char *const[]){"--replicaof", "127.0.0.1", port, NULL});
    HARNESS_WAIT_FOR(info_is(r.c, "master_link_status", "up"), "the link never came up");
    wait_caught_up(&r, &m);
    expect_same_data(&m, &r);
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_full"), 1);
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_partial_ok"), 1);
    pair_down(&m, &r);
}
END_TEST

START_TEST(a_master_restarted_from_its_rdb_lets_its_replicas_continue)
{
    struct node m, r;
    char old_id[64], new_id[64];
    pair_up(&m, &r);
    write_some(m.c, "a", 20);
    wait_caught_up(&r, &m);
    ck_assert(harness_info_field(m.c, "replication", "master_replid", old_id, sizeof(old_id)));
    harness_send_only(m.c, "SHUTDOWN SAVE");
    redisFree(m.c);
    harness_wait_exit(&m.s);
    long long off = harness_info_ll(r.c, "replication", "master_repl_offset");
    node_start_again(&m, NULL);
    /* As Redis 7.0: a new id, the file's kept as the second one. */
    ck_assert(info_is(m.c, "master_replid2", old_id));
    ck_assert_int_eq(harness_info_ll(m.c, "replication", "second_repl_offset"), off + 1);
    ck_assert_int_eq(harness_info_ll(m.c, "replication", "master_repl_offset"), off);
    ck_assert(harness_info_field(m.c, "replication", "master_replid", new_id, sizeof(new_id)));
    ck_assert_str_ne(new_id, old_id);
    HARNESS_WAIT_FOR(harness_info_ll(m.c, "stats", "sync_partial_ok") == 1,
                     "the replica did not continue");
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_full"), 0);
    harness_cmd_ok(m.c, "SET after restart");
    wait_caught_up(&r, &m);
    ck_assert(info_is(r.c, "master_replid", new_id));
    expect_same_data(&m, &r);
    pair_down(&m, &r);
}
END_TEST

static char *read_file(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Sentinel promotes with CONFIG REWRITE: the file named by a relative
 * path (its `dir` elsewhere) must be found and lose its replicaof line. */
START_TEST(config_rewrite_records_replicaof_and_the_promotion)
{
    struct node m;
    struct harness_tmpdir conf_dir, data_dir;
    struct grove_server r;
    char path[128], text[256], line[64], cwd[512];
    node_up(&m, NULL);
    harness_tmpdir_make(&conf_dir);
    harness_tmpdir_make(&data_dir);
    snprintf(path, sizeof(path), "%s/grove.conf", conf_dir.path);
    snprintf(text, sizeof(text), "save \"\"\ndir %s\nreplicaof 127.0.0.1 %d\n", data_dir.path,
             m.s.port);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    ck_assert_int_eq(chdir(conf_dir.path), 0);
    struct harness_opts opts = {.config_file = "grove.conf"};
    harness_start_ex(&r, &opts, NULL);
    ck_assert_int_eq(chdir(cwd), 0);
    redisContext *c = harness_connect(&r);
    HARNESS_WAIT_FOR(info_is(c, "master_link_status", "up"), "the link never came up");
    char file[256];
    ck_assert(harness_info_field(c, "server", "config_file", file, sizeof(file)));
    ck_assert_str_eq(file, path);
    harness_cmd_ok(c, "CONFIG REWRITE");
    snprintf(line, sizeof(line), "\nreplicaof 127.0.0.1 %d\n", m.s.port);
    ck_assert_ptr_nonnull(strstr(read_file(path), line));
    harness_cmd_ok(c, "REPLICAOF NO ONE");
    harness_cmd_ok(c, "CONFIG REWRITE");
    ck_assert_ptr_null(strstr(read_file(path), "replicaof"));
    redisFree(c);
    harness_stop(&r);
    harness_tmpdir_remove(&data_dir);
    harness_tmpdir_remove(&conf_dir);
    node_down(&m);
}
END_TEST

/* redis.set_repl: what a script keeps from the replicas never reaches them. */
START_TEST(set_repl_decides_what_replicas_get)
{
    struct node m, r;
    pair_up(&m, &r);
    freeReplyObject(harness_cmd(m.c, "EVAL %s 0",
                                "redis.set_repl(redis.REPL_AOF) redis.call('set','aof','1') "
                                "redis.set_repl(redis.REPL_NONE) redis.call('set','none','1') "
                                "redis.set_repl(redis.REPL_REPLICA) redis.call('set','rep','1')"));
    RUN(m.c, "SET last 1");
    wait_caught_up(&r, &m);
    harness_expect_str(harness_cmd(r.c, "GET rep"), "1");
    harness_expect_nil(harness_cmd(r.c, "GET aof"));
    harness_expect_nil(harness_cmd(r.c, "GET none"));
    harness_expect_str(harness_cmd(r.c, "GET last"), "1");
    pair_down(&m, &r);
}
END_TEST

/* PUBLISH and SPUBLISH reach the replicas (Redis's forceCommandPropagation
 * to them): a replica's subscribers hear what is published on its master,
 * in a transaction too. */
START_TEST(a_replica_s_subscribers_hear_what_its_master_publishes)
{
    struct node m, r;
    pair_up(&m, &r);
    redisContext *sub = harness_connect(&r.s);
    RUN(sub, "SUBSCRIBE ch");
    RUN(sub, "SSUBSCRIBE sch");
    harness_expect_int(harness_cmd(m.c, "PUBLISH ch hello"), 0);
    harness_expect_array(harness_read_reply(sub), 3, (const char *[]){"message", "ch", "hello"});
    RUN(m.c, "MULTI");
    RUN(m.c, "SPUBLISH sch hi");
    RUN(m.c, "EXEC");
    harness_expect_array(harness_read_reply(sub), 3, (const char *[]){"smessage", "sch", "hi"});
    redisFree(sub);
    pair_down(&m, &r);
}
END_TEST

#ifdef GROVE_FAULT_INJECTION
/* A master and an appendonly replica whose AOF writes fail from the first
 * (GROVE_FAULTS aof-write=1), the failure already seen by the replica. */
static void disk_failing_pair_up(struct node *m, struct node *r, const char *ignore)
{
    const char *args[] = {"--appendonly", "yes", "--replica-ignore-disk-write-errors", ignore,
                          NULL};
    node_up(m, NULL);
    setenv("GROVE_FAULTS", "aof-write=1", 1);
    node_up(r, args);
    unsetenv("GROVE_FAULTS");
    replicate(r, m);
    RUN(m->c, "SET first v");
    char status[16];
    HARNESS_WAIT_FOR(harness_info_field(r->c, "persistence", "aof_last_write_status", status,
                                        sizeof(status)) &&
                         strcmp(status, "err") == 0,
                     "the replica's AOF write never failed");
}

/* replica-ignore-disk-write-errors no (Redis's default): the master's
 * next write stops the replica rather than let it hold what its AOF
 * does not. */
START_TEST(a_replica_that_cannot_write_its_aof_stops_at_the_next_write)
{
    struct node m, r;
    disk_failing_pair_up(&m, &r, "no");
    RUN(m.c, "SET second v");
    int status = harness_wait_status(&r.s);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "status %d", status);
    redisFree(r.c);
    harness_tmpdir_remove(&r.dir);
    node_down(&m);
}
END_TEST

/* yes: the replica goes on applying the master's writes. */
START_TEST(a_replica_told_to_ignore_disk_errors_keeps_applying)
{
    struct node m, r;
    disk_failing_pair_up(&m, &r, "yes");
    RUN(m.c, "SET second v");
    wait_caught_up(&r, &m);
    harness_expect_str(harness_cmd(r.c, "GET second"), "v");
    RUN(r.c, "CONFIG SET appendonly no"); /* the failing AOF would refuse a clean stop */
    pair_down(&m, &r);
}
END_TEST
#endif

/* ---- FAILOVER ------------------------------------------------------------------------- */

static void expect_role(redisContext *c, const char *role)
{
    redisReply *r = harness_cmd(c, "ROLE");
    ck_assert_int_ge(r->type == REDIS_REPLY_ARRAY ? r->elements : 0, 1);
    ck_assert_str_eq(r->element[0]->str, role);
    freeReplyObject(r);
}

static void wait_failover_state(const struct node *n, const char *state)
{
    HARNESS_WAIT_FOR(info_is(n->c, "master_failover_state", state),
                     "master_failover_state never became %s", state);
}

/* A replica that stops reading (SIGSTOP) cannot acknowledge the writes
 * that follow, so a failover to it waits. */
static void freeze(const struct node *n)
{
    ck_assert_int_eq(kill(n->s.pid, SIGSTOP), 0);
}

static void thaw(const struct node *n)
{
    ck_assert_int_eq(kill(n->s.pid, SIGCONT), 0);
}

/* The new master has what the old one had, continued its history (a
 * partial sync, no full one) and the old master now copies it. */
static void expect_handed_over(const struct node *old, const struct node *new, const char *id)
{
    wait_failover_state(old, "no-failover");
    expect_role(old->c, "slave");
    expect_role(new->c, "master");
    ck_assert(info_is(new->c, "master_replid2", id));
    HARNESS_WAIT_FOR(info_is(old->c, "master_link_status", "up"), "the old master never synced");
    ck_assert_int_eq(harness_info_ll(new->c, "stats", "sync_full"), 0);
    ck_assert_int_ge(harness_info_ll(new->c, "stats", "sync_partial_ok"), 1);
    harness_cmd_ok(new->c, "SET after failover");
    wait_caught_up(old, new);
    harness_expect_value(old->c, "after", "failover", 8);
    expect_same_data(old, new);
}

START_TEST(failover_to_a_replica_makes_it_the_master)
{
    struct node m, a, b;
    char id[64];
    node_up(&m, NULL);
    node_up(&a, NULL);
    node_up(&b, NULL);
    replicate(&a, &m);
    replicate(&b, &m);
    write_some(m.c, "x", 50);
    ck_assert(harness_info_field(m.c, "replication", "master_replid", id, sizeof(id)));

    harness_cmd_ok(m.c, "FAILOVER TO 127.0.0.1 %d", a.s.port);
    expect_handed_over(&m, &a, id);
    /* b followed m, which told it of the new history: it continues. */
    wait_caught_up(&b, &m);
    harness_expect_value(b.c, "after", "failover", 8);
    expect_same_data(&b, &a);
    node_down(&b);
    node_down(&a);
    node_down(&m);
}
END_TEST

START_TEST(failover_without_to_takes_a_caught_up_replica)
{
    struct node m, a, b;
    char id[64];
    node_up(&m, NULL);
    node_up(&a, NULL);
    node_up(&b, NULL);
    replicate(&a, &m);
    replicate(&b, &m);
    write_some(m.c, "x", 20);
    wait_caught_up(&b, &m);
    freeze(&a); /* only b can catch up */
    RUN(m.c, "SET last write");
    ck_assert(harness_info_field(m.c, "replication", "master_replid", id, sizeof(id)));
    harness_cmd_ok(m.c, "FAILOVER");
    expect_handed_over(&m, &b, id);
    thaw(&a);
    node_down(&b);
    node_down(&a);
    node_down(&m);
}
END_TEST

/* Waiting for sync: writes wait, reads and other commands go on; no
 * second failover, no REPLICAOF, no replica may sync; ABORT lets the
 * writes through on a master still. */
START_TEST(failover_abort_resumes_the_paused_writes)
{
    struct node m, a;
    pair_up(&m, &a);
    RUN(m.c, "SET k 1");
    wait_caught_up(&a, &m);
    freeze(&a);
    RUN(m.c, "SET k 2");
    harness_cmd_ok(m.c, "FAILOVER TO 127.0.0.1 %d TIMEOUT 60000", a.s.port);
    ck_assert(info_is(m.c, "master_failover_state", "waiting-for-sync"));

    redisContext *writer = harness_connect(&m.s);
    harness_send_only(writer, "INCR k");
    harness_wait_info_ll(m.c, "clients", "blocked_clients", 1);
    harness_expect_str(harness_cmd(m.c, "GET k"), "2");
    const struct harness_step steps[] = {
        {"FAILOVER", "-ERR FAILOVER already in progress."},
        {"REPLICAOF 127.0.0.1 1", "-ERR REPLICAOF not allowed while failing over."},
        {"REPLICAOF NO ONE", "-ERR REPLICAOF not allowed while failing over."},
        {"PSYNC ? -1", "-NOMASTERLINK Can't SYNC while failing over"},
        {"CLIENT UNPAUSE", "+OK"}, /* FAILOVER's pause is not CLIENT PAUSE's */
        {NULL, NULL}};
    for (const struct harness_step *s = steps; s->cmd; s++)
        harness_expect_step(m.c, s);
    harness_wait_info_ll(m.c, "clients", "blocked_clients", 1);

    harness_cmd_ok(m.c, "FAILOVER ABORT");
    ck_assert(info_is(m.c, "master_failover_state", "no-failover"));
    harness_expect_int(harness_read_reply(writer), 3);
    harness_expect_error(harness_cmd(m.c, "FAILOVER ABORT"), "ERR No failover in progress.");
    thaw(&a);
    expect_role(m.c, "master");
    wait_caught_up(&a, &m);
    harness_expect_value(a.c, "k", "3", 1);
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_partial_ok"), 0);
    redisFree(writer);
    pair_down(&m, &a);
}
END_TEST

START_TEST(failover_timeout_without_force_gives_up)
{
    struct node m, a;
    pair_up(&m, &a);
    freeze(&a);
    RUN(m.c, "SET k never-acked");
    harness_cmd_ok(m.c, "FAILOVER TO 127.0.0.1 %d TIMEOUT 200", a.s.port);
    wait_failover_state(&m, "no-failover");
    expect_role(m.c, "master");
    harness_cmd_ok(m.c, "SET k writable");
    thaw(&a);
    wait_caught_up(&a, &m);
    harness_expect_value(a.c, "k", "writable", 8);
    pair_down(&m, &a);
}
END_TEST

/* FORCE: at the timeout the target takes over, caught up or not; until
 * it answers, the old master is a replica too (never two masters). */
START_TEST(failover_force_hands_over_at_the_timeout)
{
    struct node m, a;
    char id[64];
    pair_up(&m, &a);
    write_some(m.c, "x", 20);
    wait_caught_up(&a, &m);
    ck_assert(harness_info_field(m.c, "replication", "master_replid", id, sizeof(id)));
    freeze(&a);
    harness_cmd_ok(m.c, "FAILOVER TO 127.0.0.1 %d TIMEOUT 100 FORCE", a.s.port);
    wait_failover_state(&m, "failover-in-progress");
    expect_role(m.c, "slave");
    thaw(&a);
    expect_handed_over(&m, &a, id);
    pair_down(&m, &a);
}
END_TEST

/* The target refuses the PSYNC (ACL): the old master is a master again,
 * with a new history its replicas continue. */
START_TEST(failover_refused_by_the_target_leaves_the_master)
{
    struct node m, a;
    pair_up(&m, &a);
    RUN(m.c, "SET k v");
    harness_cmd_ok(a.c, "ACL SETUSER default -psync");
    harness_cmd_ok(m.c, "FAILOVER TO 127.0.0.1 %d", a.s.port);
    wait_failover_state(&m, "no-failover");
    expect_role(m.c, "master");
    harness_cmd_ok(a.c, "ACL SETUSER default +psync");
    harness_cmd_ok(m.c, "SET k again");
    wait_caught_up(&a, &m);
    harness_expect_value(a.c, "k", "again", 5);
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_partial_ok"), 1);
    ck_assert_int_eq(harness_info_ll(m.c, "stats", "sync_full"), 1);
    pair_down(&m, &a);
}
END_TEST

/* Redis 7.0.15's replies to FAILOVER's mistakes, and to PSYNC FAILOVER
 * from someone other than our master. */
START_TEST(failover_errors_are_redis_s)
{
    struct node m, a;
    node_up(&m, NULL);
    node_up(&a, NULL);
    harness_expect_error(harness_cmd(m.c, "FAILOVER"), "ERR FAILOVER requires connected replicas.");
    replicate(&a, &m);
    const struct harness_step steps[] = {
        {"FAILOVER ABORT", "-ERR No failover in progress."},
        {"FAILOVER TO 127.0.0.1 1", "-ERR FAILOVER target HOST and PORT is not a replica."},
        {"FAILOVER TO 127.0.0.1 port", "-ERR value is not an integer or out of range"},
        {"FAILOVER TO 127.0.0.1", "-ERR syntax error"},
        {"FAILOVER TIMEOUT 0", "-ERR FAILOVER timeout must be greater than 0"},
        {"FAILOVER TIMEOUT 5 TIMEOUT 5", "-ERR syntax error"},
        {"FAILOVER FORCE FORCE", "-ERR syntax error"},
        {"FAILOVER ABORT TIMEOUT 5", "-ERR syntax error"},
        {"FAILOVER FORCE TIMEOUT 100",
         "-ERR FAILOVER with force option requires both a timeout and target HOST and IP."},
        {"PSYNC ? -1 FAILOVER", "-ERR PSYNC FAILOVER can't be sent to a master."},
        {NULL, NULL}};
    for (const struct harness_step *s = steps; s->cmd; s++)
        harness_expect_step(m.c, s);
    harness_expect_error(harness_cmd(m.c, "FAILOVER TO 127.0.0.1 %d FORCE", a.s.port),
                         "ERR FAILOVER with force option requires both a timeout and target "
                         "HOST and IP.");
    harness_expect_error(harness_cmd(a.c, "FAILOVER"),
                         "ERR FAILOVER is not valid when server is a replica.");
    harness_expect_error(harness_cmd(a.c, "PSYNC 0123456789012345678901234567890123456789 1 "
                                          "FAILOVER"),
                         "ERR PSYNC FAILOVER replid must match my replid.");
    expect_role(a.c, "slave");

    /* A replica still waiting for its RDB (the diskless delay) is not online. */
    harness_cmd_ok(m.c, "CONFIG SET repl-diskless-sync-delay 60");
    int fd = harness_raw_connect(&m.s);
    harness_raw_expect(fd, "REPLCONF listening-port 4444", "+OK\r\n");
    harness_raw_expect(fd, "REPLCONF capa eof", "+OK\r\n");
    harness_raw_send_line(fd, "PSYNC ? -1");
    HARNESS_WAIT_FOR(harness_info_ll(m.c, "replication", "connected_slaves") == 2,
                     "the second replica never asked to sync");
    harness_expect_error(harness_cmd(m.c, "FAILOVER TO 127.0.0.1 4444"),
                         "ERR FAILOVER target replica is not online.");
    close(fd);
    ck_assert(info_is(m.c, "master_failover_state", "no-failover"));
    node_down(&a);
    node_down(&m);
}
END_TEST

static Suite *replica_suite(void)
{
    Suite *s = suite_create("replica");
    TCase *tc = tcase_create("replica");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, full_sync_then_stream_copy_the_master);
    tcase_add_test(tc, replica_lazy_flush_frees_the_old_keys_elsewhere);
    tcase_add_test(tc, writes_during_the_full_sync_reach_the_replica);
    tcase_add_test(tc, getack_is_answered_with_the_offset_so_wait_counts_the_replica);
    tcase_add_test(tc, a_replica_refuses_writes_as_redis);
    tcase_add_test(tc, stale_data_is_refused_when_asked_while_the_link_is_down);
    tcase_add_test(tc, a_replica_leaves_expired_keys_to_its_master);
    tcase_add_test(tc, the_master_s_writes_find_its_keys_live);
    tcase_add_test(tc, a_writable_replica_expires_the_keys_its_clients_time);
    tcase_add_test(tc, a_paused_replica_reads_but_does_not_run_the_stream);
    tcase_add_test(tc, debug_replicate_reaches_the_replicas_only);
    tcase_add_test(tc, a_replica_does_not_evict);
    tcase_add_test(tc, replicaof_unblocks_and_closes_blocked_clients);
    tcase_add_test(tc, masterauth_and_masteruser_authenticate_the_link);
    tcase_add_test(tc, a_silent_master_times_out_and_the_link_continues);
    tcase_add_test(tc, an_appendonly_replica_rewrites_its_aof_from_the_sync);
    tcase_add_test(tc, the_link_leaves_from_bind_source_addr);
    tcase_add_test(tc, info_role_and_client_list_show_a_replica);
    tcase_add_test(tc, a_killed_link_continues_where_it_stopped);
    tcase_add_test(tc, a_promoted_replica_lets_the_others_continue);
    tcase_add_test(tc, a_chain_passes_the_master_s_bytes_on);
    tcase_add_test(tc, the_replicaof_option_starts_a_replica);
    tcase_add_test(tc, replicas_within_the_delay_share_one_diskless_child);
    tcase_add_test(tc, a_diskless_sync_under_writes_copies_the_master);
    tcase_add_test(tc, repl_diskless_sync_no_keeps_the_disk_based_sync);
    tcase_add_test(tc, a_replica_restarted_from_its_rdb_continues);
    tcase_add_test(tc, a_master_restarted_from_its_rdb_lets_its_replicas_continue);
    tcase_add_test(tc, config_rewrite_records_replicaof_and_the_promotion);
    tcase_add_test(tc, set_repl_decides_what_replicas_get);
    tcase_add_test(tc, a_replica_s_subscribers_hear_what_its_master_publishes);
#ifdef GROVE_FAULT_INJECTION
    tcase_add_test(tc, a_replica_that_cannot_write_its_aof_stops_at_the_next_write);
    tcase_add_test(tc, a_replica_told_to_ignore_disk_errors_keeps_applying);
#endif
    suite_add_tcase(s, tc);
    TCase *fo = tcase_create("failover");
    tcase_set_timeout(fo, 120);
    tcase_add_test(fo, failover_to_a_replica_makes_it_the_master);
    tcase_add_test(fo, failover_without_to_takes_a_caught_up_replica);
    tcase_add_test(fo, failover_abort_resumes_the_paused_writes);
    tcase_add_test(fo, failover_timeout_without_force_gives_up);
    tcase_add_test(fo, failover_force_hands_over_at_the_timeout);
    tcase_add_test(fo, failover_refused_by_the_target_leaves_the_master);
    tcase_add_test(fo, failover_errors_are_redis_s);
    suite_add_tcase(s, fo);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(replica_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
