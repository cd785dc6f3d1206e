/*
 * check_replication.c - the master side of replication end to end: a
 * replica written here (a raw socket doing Redis 7.0's handshake) gets a
 * full sync (disk-based, or diskless: the EOF-marked form, and the stream
 * only after its first ACK), the stream, a continuation from the backlog;
 * WAIT counts its acknowledgements; INFO replication, ROLE and CLIENT
 * LIST show it; a replica that does not read is dropped at its output
 * limit; SHUTDOWN waits for a replica that has not acknowledged
 * (shutdown-timeout).
 *
 * The snapshot and the stream are checked by replaying them: a second
 * grove-server loads the RDB received, gets the stream's commands, and
 * must then have the master's DEBUG DIGEST. Expected texts were taken from
 * redis-server 7.0.15 as a master.
 */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define STREAM_CAP (4 * 1024 * 1024)
#define END_MARK "$13\r\nend-of-stream\r\n" /* ECHO end-of-stream's reply */
#define EOF_MARK_LEN 40 /* Redis's RDB_EOF_MARK_SIZE: the diskless form's end mark */

/* A command whose reply does not matter. */
#define RUN(c, ...) freeReplyObject(harness_cmd(c, __VA_ARGS__))

struct master {
    struct harness_tmpdir dir;
    struct grove_server s;
    redisContext *c;
};

static void master_up(struct master *m, const char *const *extra)
{
    harness_tmpdir_make(&m->dir);
    /* The raw replica reads the disk-based form ($<len>). */
    const char *args[16] = {"--dir", m->dir.path, "--enable-debug-command", "yes", "--threads",
                            "2", "--repl-diskless-sync", "no"};
    size_t n = 8;
    for (size_t i = 0; extra && extra[i] && n < 15; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    harness_start(&m->s, args);
    m->c = harness_connect(&m->s);
}

static void master_down(struct master *m)
{
    redisFree(m->c);
    harness_stop(&m->s);
    harness_tmpdir_remove(&m->dir);
}

/* A replica: its socket, and where its copy of the stream stands. */
struct replica {
    int fd;
    char replid[41];
    long long offset; /* the master offset of the last byte received */
};

/* One byte, failing the test on EOF. */
static char recv_byte(int fd)
{
    char b[2];
    ck_assert_uint_eq(harness_raw_recv(fd, b, sizeof(b), 1), 1);
    return b[0];
}

/* A CRLF-terminated line (CRLF dropped). */
static void recv_line(int fd, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char ch = recv_byte(fd);
        ck_assert_uint_lt(n, cap - 1);
        line[n++] = ch;
        if (n >= 2 && line[n - 2] == '\r' && line[n - 1] == '\n')
            break;
    }
    line[n - 2] = '\0';
}

static void handshake(struct replica *r, const struct grove_server *s)
{
    r->fd = harness_raw_connect(s);
    harness_raw_expect(r->fd, "PING", "+PONG\r\n");
    harness_raw_expect(r->fd, "REPLCONF listening-port 4444", "+OK\r\n");
    harness_raw_expect(r->fd, "REPLCONF capa eof capa psync2", "+OK\r\n");
}

/* PSYNC ? -1: the +FULLRESYNC line, then the RDB (keep-alive newlines
 * skipped), written to `name` in the master's directory. */
static void full_sync(struct replica *r, const struct master *m, const char *name)
{
    char line[128], path[128];
    snprintf(path, sizeof(path), "%s/%s", m->dir.path, name);
    handshake(r, &m->s);
    harness_raw_send_line(r->fd, "PSYNC ? -1");
    recv_line(r->fd, line, sizeof(line));
    ck_assert_int_eq(sscanf(line, "+FULLRESYNC %40s %lld", r->replid, &r->offset), 2);
    char first;
    while ((first = recv_byte(r->fd)) == '\n')
        ;
    ck_assert_int_eq(first, '$');
    recv_line(r->fd, line, sizeof(line));
    long long len = atoll(line);
    ck_assert_int_gt(len, 9);
    char *rdb = malloc((size_t)len + 1);
    ck_assert_uint_eq(harness_raw_recv(r->fd, rdb, (size_t)len + 1, (size_t)len), (size_t)len);
    ck_assert_int_eq(memcmp(rdb, "REDIS0010", 9), 0);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(rdb, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    free(rdb);
}

/* PSYNC ? -1 to a diskless master: the +FULLRESYNC line (the cut is
 * taken); then the RDB in its EOF-marked form
 * ($EOF:<mark>, the RDB, the mark), written to `name` in the master's
 * directory. The master sends nothing after the mark until our first ACK
 * (the mark ends what a replica reads): checked here. */
static void diskless_sync_begin(struct replica *r, const struct master *m)
{
    char line[128];
    handshake(r, &m->s);
    harness_raw_send_line(r->fd, "PSYNC ? -1");
    recv_line(r->fd, line, sizeof(line));
    ck_assert_int_eq(sscanf(line, "+FULLRESYNC %40s %lld", r->replid, &r->offset), 2);
}

static void diskless_sync_payload(struct replica *r, const struct master *m, const char *name)
{
    char line[128], path[128], mark[EOF_MARK_LEN + 1];
    snprintf(path, sizeof(path), "%s/%s", m->dir.path, name);
    recv_line(r->fd, line, sizeof(line));
    ck_assert_int_eq(sscanf(line, "$EOF:%40s", mark), 1);
    size_t cap = STREAM_CAP, len = 0;
    char *rdb = malloc(cap);
    while (len < EOF_MARK_LEN || memcmp(rdb + len - EOF_MARK_LEN, mark, EOF_MARK_LEN) != 0) {
        size_t n = harness_raw_recv(r->fd, rdb + len, cap - len, 1);
        ck_assert_msg(n > 0, "the RDB ended before its mark");
        len += n;
    }
    len -= EOF_MARK_LEN;
    ck_assert_int_eq(memcmp(rdb, "REDIS0010", 9), 0);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(rdb, 1, len, f), len);
    fclose(f);
    free(rdb);
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    ck_assert_msg(poll(&p, 1, 300) == 0, "bytes came after the mark before the first ACK");
}

/* Everything the master has streamed up to its offset now, into buf
 * (NUL-terminated); returns its length. */
static size_t recv_stream(struct replica *r, redisContext *master, char *buf, size_t cap)
{
    long long end = harness_info_ll(master, "replication", "master_repl_offset");
    size_t want = (size_t)(end - r->offset);
    ck_assert_uint_lt(want, cap);
    ck_assert_uint_eq(harness_raw_recv(r->fd, buf, want + 1, want), want);
    r->offset = end;
    return want;
}

static void ack(struct replica *r)
{
    char line[64];
    snprintf(line, sizeof(line), "REPLCONF ACK %lld", r->offset);
    harness_raw_send_line(r->fd, line);
}

static char *digest(redisContext *c)
{
    redisReply *d = harness_cmd(c, "DEBUG DIGEST");
    ck_assert_int_eq(d->type, REDIS_REPLY_STATUS);
    char *s = strdup(d->str);
    freeReplyObject(d);
    return s;
}

/* A second server loads the replica's RDB and replays its stream: it must
 * hold what the master holds. */
static void expect_copy_matches(struct master *m, const char *rdb_name, const char *stream,
                                size_t len)
{
    struct grove_server copy;
    const char *args[] = {"--dir", m->dir.path, "--dbfilename", rdb_name,
                          "--enable-debug-command", "yes", NULL};
    harness_start(&copy, args);
    int fd = harness_raw_connect(&copy);
    harness_raw_send(fd, stream, len);
    redisContext *c = harness_connect(&copy);
    /* The stream's replies come back on fd; an ECHO after it on the same
     * connection answers once every command before it ran. */
    harness_raw_send_line(fd, "ECHO end-of-stream");
    char *replies = malloc(STREAM_CAP);
    size_t got = 0, mark = strlen(END_MARK);
    while (got < mark || memcmp(replies + got - mark, END_MARK, mark) != 0) {
        size_t n = harness_raw_recv(fd, replies + got, STREAM_CAP - got, 1);
        ck_assert_msg(n > 0, "the copy did not run the stream");
        got += n;
    }
    replies[got] = '\0';
    ck_assert_msg(strstr(replies, "\r\n-") == NULL && replies[0] != '-',
                  "an error replaying: %s", replies);
    free(replies);
    char *want = digest(m->c), *have = digest(c);
    ck_assert_str_eq(have, want);
    free(want);
    free(have);
    redisFree(c);
    close(fd);
    harness_stop(&copy);
}

/* Writes in the forms the stream rewrites (relative expiry, INCRBYFLOAT,
 * SPOP, a script's writes in MULTI/EXEC) and in two databases. */
static void write_some(redisContext *c, const char *tag)
{
    harness_cmd_ok(c, "SET %s:s v", tag);
    harness_cmd_ok(c, "SET %s:e v EX 1000", tag);
    RUN(c, "INCRBYFLOAT %s:f 1.5", tag);
    RUN(c, "SADD %s:set a b c d", tag);
    RUN(c, "SPOP %s:set", tag);
    RUN(c, "RPUSH %s:l a b c", tag);
    RUN(c, "EVAL %s 1 %s:n", "redis.call('incr', KEYS[1]); redis.call('hset', KEYS[1]..'h', 'f', 'v')",
        tag);
    harness_cmd_ok(c, "SELECT 3");
    harness_cmd_ok(c, "SET %s:db3 v", tag);
    harness_cmd_ok(c, "SELECT 0");
}

START_TEST(full_sync_then_stream_give_the_master_s_data)
{
    struct master m;
    struct replica r;
    master_up(&m, NULL);
    write_some(m.c, "before");
    redisContext *other = harness_connect(&m.s);
    /* Writes race with the cut: each lands in the RDB or the stream, once. */
    redisAppendCommand(other, "MSET race1 a race2 b race3 c");
    redisAppendCommand(other, "INCR racecount");
    for (int done = 0; !done;)
        ck_assert_int_eq(redisBufferWrite(other, &done), REDIS_OK);
    full_sync(&r, &m, "replica.rdb");
    redisReply *rep;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(redisGetReply(other, (void **)&rep), REDIS_OK);
        freeReplyObject(rep);
    }
    write_some(m.c, "after");
    write_some(other, "other");
    RUN(m.c, "FLUSHDB ASYNC");
    write_some(m.c, "late");
    char *stream = malloc(STREAM_CAP);
    size_t len = recv_stream(&r, m.c, stream, STREAM_CAP);
    expect_copy_matches(&m, "replica.rdb", stream, len);
    free(stream);
    redisFree(other);
    close(r.fd);
    master_down(&m);
}
END_TEST

/* The diskless form, with writes while the child streams the RDB (slowed
 * by rdb-key-save-delay): the stream after the first ACK starts at the
 * +FULLRESYNC offset and holds each of them once. */
START_TEST(a_diskless_sync_under_writes_gives_the_master_s_data)
{
    struct master m;
    struct replica r;
    master_up(&m, (const char *const[]){"--repl-diskless-sync", "yes",
                                         "--repl-diskless-sync-delay", "0", NULL});
    write_some(m.c, "before");
    RUN(m.c, "DEBUG POPULATE 300 pop 10");
    harness_cmd_ok(m.c, "CONFIG SET rdb-key-save-delay 1000");
    diskless_sync_begin(&r, &m);
    write_some(m.c, "during");
    diskless_sync_payload(&r, &m, "replica.rdb");
    write_some(m.c, "after");
    ack(&r);
    char *stream = malloc(STREAM_CAP);
    size_t len = recv_stream(&r, m.c, stream, STREAM_CAP);
    expect_copy_matches(&m, "replica.rdb", stream, len);
    free(stream);
    close(r.fd);
    master_down(&m);
}
END_TEST

/* Redis pings its replicas when its seconds since start are a multiple of
 * repl-ping-replica-period, so a replica that attaches after the period
 * was set long gets no PING soon (Redis's tests read the stream so). */
START_TEST(no_ping_before_the_period_s_next_multiple)
{
    struct master m;
    struct replica r;
    master_up(&m, NULL);
    usleep(1500 * 1000); /* the first cron second, which pings, is over */
    RUN(m.c, "CONFIG SET repl-ping-replica-period 3600");
    full_sync(&r, &m, "replica.rdb");
    usleep(2500 * 1000);
    RUN(m.c, "SET k v");
    char stream[256];
    size_t len = recv_stream(&r, m.c, stream, sizeof(stream));
    stream[len] = '\0';
    ck_assert_str_eq(stream, "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    close(r.fd);
    master_down(&m);
}
END_TEST

START_TEST(a_replica_within_the_backlog_continues)
{
    struct master m;
    struct replica r;
    char buf[4096], line[128];
    master_up(&m, NULL);
    full_sync(&r, &m, "replica.rdb");
    harness_cmd_ok(m.c, "SET k1 v1");
    recv_stream(&r, m.c, buf, sizeof(buf));
    close(r.fd);
    harness_cmd_ok(m.c, "SET k2 v2");
    handshake(&r, &m.s);
    snprintf(line, sizeof(line), "PSYNC %s %lld", r.replid, r.offset + 1);
    harness_raw_send_line(r.fd, line);
    snprintf(line, sizeof(line), "+CONTINUE %s\r\n", r.replid);
    ck_assert_uint_eq(harness_raw_recv(r.fd, buf, strlen(line) + 1, strlen(line)), strlen(line));
    ck_assert_str_eq(buf, line);
    size_t len = recv_stream(&r, m.c, buf, sizeof(buf));
    ck_assert_str_eq(buf, "*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$2\r\nv2\r\n");
    ck_assert_uint_eq(len, strlen(buf));
    close(r.fd);
    /* Beyond the end of the stream: a full sync. */
    handshake(&r, &m.s);
    snprintf(line, sizeof(line), "PSYNC %s %lld", r.replid, r.offset + 100);
    harness_raw_send_line(r.fd, line);
    recv_line(r.fd, line, sizeof(line));
    ck_assert_msg(strncmp(line, "+FULLRESYNC ", 12) == 0, "%s", line);
    close(r.fd);
    /* Older than the backlog holds (at its smallest, 16 KB): a full sync too. */
    harness_cmd_ok(m.c, "CONFIG SET repl-backlog-size 1");
    harness_wait_info_ll(m.c, "memory", "mem_replication_backlog", 16384);
    ck_assert_int_eq(harness_info_ll(m.c, "replication", "repl_backlog_size"), 16384);
    char *value = calloc(1, 20000);
    memset(value, 'x', 19999);
    harness_cmd_ok(m.c, "SET big %s", value);
    free(value);
    ck_assert_int_eq(harness_info_ll(m.c, "replication", "repl_backlog_histlen"), 16384);
    handshake(&r, &m.s);
    snprintf(line, sizeof(line), "PSYNC %s %lld", r.replid, r.offset + 1);
    harness_raw_send_line(r.fd, line);
    recv_line(r.fd, line, sizeof(line));
    ck_assert_msg(strncmp(line, "+FULLRESYNC ", 12) == 0, "%s", line);
    close(r.fd);
    master_down(&m);
}
END_TEST

START_TEST(wait_counts_replicas_that_acknowledge)
{
    struct master m;
    struct replica r;
    char buf[4096], want[256];
    master_up(&m, NULL);
    harness_expect_int(harness_cmd(m.c, "WAIT 0 0"), 0);
    harness_expect_int(harness_cmd(m.c, "WAIT 1 50"), 0); /* nobody to acknowledge */
    full_sync(&r, &m, "replica.rdb");
    harness_cmd_ok(m.c, "SET k v");
    recv_stream(&r, m.c, buf, sizeof(buf));
    /* A client that wrote nothing counts every replica (Redis's woff 0). */
    redisContext *reader = harness_connect(&m.s);
    harness_expect_int(harness_cmd(reader, "WAIT 1 0"), 1);
    redisFree(reader);
    /* One that wrote, blocked until the replica answers the GETACK the
     * WAIT sends. */
    int waiter = harness_raw_connect(&m.s);
    harness_raw_expect(waiter, "SET w 1", "+OK\r\n");
    recv_stream(&r, m.c, buf, sizeof(buf));
    harness_raw_send_line(waiter, "WAIT 1 0");
    const char *getack = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
    ck_assert_uint_eq(harness_raw_recv(r.fd, buf, strlen(getack) + 1, strlen(getack)), strlen(getack));
    ck_assert_str_eq(buf, getack);
    r.offset += (long long)strlen(getack);
    ack(&r);
    ck_assert_uint_eq(harness_raw_recv(waiter, buf, sizeof(buf), 4), 4);
    ck_assert_str_eq(buf, ":1\r\n");
    harness_expect_int(harness_cmd(m.c, "WAIT 1 0"), 1); /* acknowledged already */
    harness_expect_int(harness_cmd(m.c, "WAIT 2 50"), 1);

    snprintf(want, sizeof(want), "ip=127.0.0.1,port=4444,state=online,offset=%lld,lag=0",
             r.offset);
    HARNESS_WAIT_FOR(harness_info_field(m.c, "replication", "slave0", buf, sizeof(buf)) &&
                         strcmp(buf, want) == 0,
                     "INFO replication slave0: %s", buf);
    ck_assert_int_eq(harness_info_ll(m.c, "replication", "connected_slaves"), 1);
    ck_assert_int_eq(harness_info_ll(m.c, "replication", "repl_backlog_active"), 1);
    ck_assert_int_eq(harness_info_ll(m.c, "replication", "repl_backlog_first_byte_offset"), 1);
    redisReply *role = harness_cmd(m.c, "ROLE");
    harness_assert_array(role, 3);
    ck_assert_str_eq(role->element[0]->str, "master");
    ck_assert_int_eq(role->element[1]->integer,
                     harness_info_ll(m.c, "replication", "master_repl_offset"));
    harness_assert_array(role->element[2], 1);
    ck_assert_str_eq(role->element[2]->element[0]->element[1]->str, "4444");
    freeReplyObject(role);
    redisReply *list = harness_cmd(m.c, "CLIENT LIST TYPE replica");
    ck_assert_ptr_nonnull(strstr(list->str, " flags=S "));
    ck_assert_ptr_eq(strchr(list->str, '\n'), list->str + strlen(list->str) - 1); /* one line */
    freeReplyObject(list);
    list = harness_cmd(m.c, "CLIENT LIST TYPE normal");
    ck_assert_ptr_null(strstr(list->str, " flags=S "));
    freeReplyObject(list);
    harness_expect_int(harness_cmd(m.c, "CLIENT KILL TYPE master"), 0);
    harness_expect_int(harness_cmd(m.c, "CLIENT KILL TYPE slave"), 1);
    ck_assert(harness_raw_closed(r.fd));
    close(waiter);
    close(r.fd);
    harness_wait_info_ll(m.c, "replication", "connected_slaves", 0);
    master_down(&m);
}
END_TEST

static bool write_accepted(redisContext *c)
{
    redisReply *r = harness_cmd(c, "SET k v");
    bool ok = r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    return ok;
}

START_TEST(min_replicas_to_write_needs_acknowledging_replicas)
{
    struct master m;
    struct replica r;
    char buf[4096];
    master_up(&m, NULL);
    harness_cmd_ok(m.c, "CONFIG SET min-replicas-to-write 1");
    harness_expect_error(harness_cmd(m.c, "SET k v"),
                         "NOREPLICAS Not enough good replicas to write.");
    harness_expect_nil(harness_cmd(m.c, "GET k")); /* reads go on */
    /* Scripts as Redis 7.0.15: by their shebang's flags, or write by write. */
    harness_expect_error(harness_cmd(m.c, "EVAL %s 0", "#!lua\nreturn 1"),
                         "NOREPLICAS Not enough good replicas to write.");
    harness_expect_int(harness_cmd(m.c, "EVAL %s 0", "#!lua flags=no-writes\nreturn 1"), 1);
    harness_expect_int(harness_cmd(m.c, "EVAL %s 0", "return 1"), 1);
    harness_expect_error(harness_cmd(m.c, "EVAL %s 1 k", "return redis.call('set',KEYS[1],1)"),
                         "NOREPLICAS Not enough good replicas to write. script: "
                         "beef354d82996a708aa0deac229a63225ff0dd9c, on @user_script:1.");
    full_sync(&r, &m, "replica.rdb");
    recv_stream(&r, m.c, buf, sizeof(buf));
    ack(&r);
    /* Counted as good from its first ack on (the cron's count may lag). */
    HARNESS_WAIT_FOR(write_accepted(m.c), "writes still refused with an acknowledging replica");
    harness_cmd_ok(m.c, "CONFIG SET min-replicas-to-write 2");
    harness_expect_error(harness_cmd(m.c, "SET k v"),
                         "NOREPLICAS Not enough good replicas to write.");
    close(r.fd);
    master_down(&m);
}
END_TEST

/* A script that has written is not failed halfway when its replica drops
 * (Redis's SCRIPT_WRITE_DIRTY): its later writes pass. One loop, so the
 * replica's disconnection is seen while the script runs (busy). */
START_TEST(a_script_that_wrote_keeps_writing_when_replicas_drop)
{
    struct master m;
    struct replica r;
    char buf[4096];
    const char *extra[] = {"--threads", "1", NULL};
    master_up(&m, extra);
    full_sync(&r, &m, "replica.rdb");
    recv_stream(&r, m.c, buf, sizeof(buf));
    ack(&r);
    harness_cmd_ok(m.c, "CONFIG SET min-replicas-to-write 1");
    HARNESS_WAIT_FOR(write_accepted(m.c), "writes refused with an acknowledging replica");
    harness_cmd_ok(m.c, "CONFIG SET busy-reply-threshold 10");
    redisContext *runner = harness_connect(&m.s);
    harness_send_only(runner, "EVAL %s 0",
                      "redis.call('set','x','before') "
                      "while not string.match(redis.call('info','replication'), "
                      "'connected_slaves:0') do end "
                      "redis.call('set','x','after') return 1");
    redisReply *busy;
    while ((busy = harness_cmd(m.c, "PING"))->type != REDIS_REPLY_ERROR)
        freeReplyObject(busy);
    ck_assert_msg(strncmp(busy->str, "BUSY", 4) == 0, "%s", busy->str);
    freeReplyObject(busy);
    close(r.fd);
    harness_expect_int(harness_read_reply(runner), 1);
    redisFree(runner);
    harness_expect_str(harness_cmd(m.c, "GET x"), "after");
    master_down(&m);
}
END_TEST

START_TEST(replconf_and_psync_answer_as_redis)
{
    struct master m;
    master_up(&m, NULL);
    int fd = harness_raw_connect(&m.s);
    harness_raw_expect(fd, "REPLCONF ack", "-ERR syntax error\r\n");
    harness_raw_send_line(fd, "REPLCONF ack 5"); /* never answered */
    harness_raw_send_line(fd, "REPLCONF getack *");
    harness_raw_expect(fd, "REPLCONF foo bar", "-ERR Unrecognized REPLCONF option: foo\r\n");
    harness_raw_expect(fd, "REPLCONF listening-port x",
                       "-ERR value is not an integer or out of range\r\n");
    harness_raw_expect(fd, "PSYNC a b", "-ERR value is not an integer or out of range\r\n");
    harness_raw_expect(fd, "PSYNC a 1 failover",
                       "-ERR PSYNC FAILOVER can't be sent to a master.\r\n");
    harness_raw_expect(fd, "MULTI", "+OK\r\n");
    harness_raw_expect(fd, "SYNC", "-ERR Command not allowed inside a transaction\r\n");
    harness_raw_expect(fd, "DISCARD", "+OK\r\n");
    harness_raw_expect(fd, "ROLE", "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
    close(fd);
    harness_expect_status(harness_cmd(m.c, "REPLICAOF no one"), "OK"); /* a master already */
    master_down(&m);
}
END_TEST

/* REPLCONF rdb-only 1, then SYNC (redis-cli --rdb), with rdb-filter-only
 * functions too (--functions-rdb): the RDB, in the form the master's
 * repl-diskless-sync gives, holds the keys and libraries, or the
 * libraries alone; no stream follows, and the master closes the
 * connection once the RDB is out. The keys make an RDB of some MB, which
 * the connection writes across several turns. */
static void expect_rdb_only(bool diskless, bool functions_only)
{
    struct master m;
    const char *extra[] = {"--repl-diskless-sync", diskless ? "yes" : "no",
                           "--repl-diskless-sync-delay", "0", "--rdbcompression", "no", NULL};
    master_up(&m, extra);
    harness_cmd_ok(m.c, "DEBUG POPULATE 4000 key 1000");
    harness_cmd_ok(m.c, "SET somekey v");
    RUN(m.c, "FUNCTION LOAD %s",
        "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)");
    int fd = harness_raw_connect(&m.s);
    harness_raw_expect(fd, "REPLCONF rdb-only 2",
                       "-ERR value is out of range, value must between 0 and 1\r\n");
    harness_raw_expect(fd, "REPLCONF rdb-filter-only foo",
                       "-ERR Unsupported rdb-filter-only option: foo\r\n");
    harness_raw_expect(fd, "REPLCONF capa eof rdb-only 1", "+OK\r\n");
    if (functions_only)
        harness_raw_expect(fd, "REPLCONF rdb-filter-only functions", "+OK\r\n");
    harness_raw_send_line(fd, "SYNC");
    char first, line[128], mark[EOF_MARK_LEN + 1] = "";
    while ((first = recv_byte(fd)) == '\n')
        ;
    ck_assert_int_eq(first, '$');
    recv_line(fd, line, sizeof(line));
    size_t want = diskless ? 0 : (size_t)atoll(line), len = 0, cap = 8 << 20;
    if (diskless)
        ck_assert_int_eq(sscanf(line, "EOF:%40s", mark), 1);
    char *rdb = malloc(cap);
    while (diskless ? len < EOF_MARK_LEN || memcmp(rdb + len - EOF_MARK_LEN, mark, EOF_MARK_LEN)
                    : len < want) {
        size_t n = harness_raw_recv(fd, rdb + len, cap - len, 1);
        ck_assert_msg(n > 0, "the RDB ended early");
        len += n;
    }
    ck_assert_int_eq(memcmp(rdb, "REDIS0010", 9), 0);
    ck_assert_ptr_nonnull(memmem(rdb, len, "mylib", 5));
    if (functions_only)
        ck_assert_ptr_null(memmem(rdb, len, "somekey", 7));
    else
        ck_assert_uint_gt(len, 4000 * 1000);
    free(rdb);
    ck_assert_msg(harness_raw_closed(fd), "not closed after its RDB (diskless %d, functions %d)",
                  diskless, functions_only);
    close(fd);
    ck_assert_int_eq(harness_info_ll(m.c, "replication", "connected_slaves"), 0);
    master_down(&m);
}

START_TEST(an_rdb_only_sync_gets_its_rdb_and_is_closed)
{
    expect_rdb_only(false, false);
    expect_rdb_only(true, false);
    expect_rdb_only(false, true);
    expect_rdb_only(true, true);
}
END_TEST

START_TEST(a_replica_that_does_not_read_is_dropped_at_its_limit)
{
    struct master m;
    struct replica r;
    master_up(&m, NULL);
    harness_cmd_ok(m.c, "CONFIG SET client-output-buffer-limit %s", "replica 1mb 0 0");
    full_sync(&r, &m, "replica.rdb");
    harness_wait_info_ll(m.c, "replication", "connected_slaves", 1);
    /* 32 MB of writes: more than the socket buffers and the limit. */
    char *value = calloc(1, 1 << 20);
    for (int i = 0; i < 32 && harness_info_ll(m.c, "replication", "connected_slaves") > 0; i++)
        harness_cmd_ok(m.c, "SET big%d %b", i, value, (size_t)(1 << 20));
    free(value);
    harness_wait_info_ll(m.c, "replication", "connected_slaves", 0);
    close(r.fd);
    master_down(&m);
}
END_TEST

/* ---- SHUTDOWN waiting for replicas (shutdown-timeout) ------------------------------- */

#define SHUTDOWN_ERROR "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
#define GETACK "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"

/* A master whose replica has not acknowledged its last write. */
static void lagging_pair(struct master *m, struct replica *r, const char *const *extra)
{
    char buf[4096];
    master_up(m, extra);
    full_sync(r, m, "replica.rdb");
    harness_cmd_ok(m->c, "SET k v");
    recv_stream(r, m->c, buf, sizeof(buf));
}

/* The master exited by itself: what master_down does besides stopping it. */
static void master_gone(struct master *m, struct replica *r)
{
    harness_wait_exit(&m->s);
    redisFree(m->c);
    close(r->fd);
    harness_tmpdir_remove(&m->dir);
}

/* SHUTDOWN NOSAVE gets no reply: the master exits. */
static void shutdown_exits(struct master *m, struct replica *r)
{
    int waiter = harness_raw_connect(&m->s);
    harness_raw_send_line(waiter, "SHUTDOWN NOSAVE");
    ck_assert(harness_raw_closed(waiter));
    close(waiter);
    master_gone(m, r);
}

START_TEST(shutdown_waits_for_a_lagging_replica_until_aborted)
{
    struct master m;
    struct replica r;
    char buf[256];
    lagging_pair(&m, &r, NULL);
    int waiter = harness_raw_connect(&m.s);
    harness_raw_send_line(waiter, "SHUTDOWN NOSAVE");
    ck_assert_uint_eq(harness_raw_recv(r.fd, buf, sizeof(buf), strlen(GETACK)), strlen(GETACK));
    ck_assert_str_eq(buf, GETACK);
    harness_wait_info_ll(m.c, "clients", "blocked_clients", 1);
    /* INFO counts down to shutdown-timeout (10 s); only while it waits */
    long long left = harness_info_ll(m.c, "server", "shutdown_in_milliseconds");
    ck_assert(left > 0 && left <= 10000);
    /* Writes wait (as CLIENT PAUSE WRITE), reads do not. */
    int writer = harness_raw_connect(&m.s);
    harness_raw_send_line(writer, "SET k w");
    harness_wait_info_ll(m.c, "clients", "blocked_clients", 2);
    harness_expect_value(m.c, "k", "v", 1);
    harness_cmd_ok(m.c, "CLIENT UNPAUSE"); /* lifts a client's pause, not the shutdown's */
    ck_assert_int_eq(harness_info_ll(m.c, "clients", "blocked_clients"), 2);
    harness_expect_value(m.c, "k", "v", 1);
    harness_cmd_ok(m.c, "SHUTDOWN ABORT");
    harness_raw_expect_arrives(waiter, SHUTDOWN_ERROR);
    harness_raw_expect_arrives(writer, "+OK\r\n");
    harness_expect_error(harness_cmd(m.c, "SHUTDOWN ABORT"), "ERR No shutdown in progress.");
    char none[32];
    ck_assert(!harness_info_field(m.c, "server", "shutdown_in_milliseconds", none, sizeof(none)));
    close(writer);
    close(waiter);
    close(r.fd);
    master_down(&m);
}
END_TEST

START_TEST(shutdown_finishes_once_the_replica_acknowledges)
{
    struct master m;
    struct replica r;
    char buf[256];
    lagging_pair(&m, &r, NULL);
    int waiter = harness_raw_connect(&m.s);
    harness_raw_send_line(waiter, "SHUTDOWN NOSAVE");
    ck_assert_uint_eq(harness_raw_recv(r.fd, buf, sizeof(buf), strlen(GETACK)), strlen(GETACK));
    harness_wait_info_ll(m.c, "clients", "blocked_clients", 1);
    r.offset += (long long)strlen(GETACK);
    ack(&r);
    ck_assert(harness_raw_closed(waiter)); /* no reply: the server exits */
    close(waiter);
    master_gone(&m, &r);
}
END_TEST

START_TEST(shutdown_stops_waiting_at_shutdown_timeout)
{
    struct master m;
    struct replica r;
    lagging_pair(&m, &r, (const char *const[]){"--shutdown-timeout", "1", NULL});
    shutdown_exits(&m, &r);
}
END_TEST

/* A replica that stopped reading (its socket full) neither keeps the
 * master waiting past shutdown-timeout nor holds its exit: what the
 * socket does not take is dropped, as Redis's exit drops it. */
START_TEST(a_replica_that_stopped_reading_does_not_hold_the_exit)
{
    struct master m;
    struct replica r;
    lagging_pair(&m, &r, (const char *const[]){"--shutdown-timeout", "1", NULL});
    static char big[1 << 20];
    memset(big, 'v', sizeof(big));
    for (int i = 0; i < 16; i++) /* far more than the sockets' buffers hold */
        harness_cmd_ok(m.c, "SET big%d %b", i, big, sizeof(big));
    shutdown_exits(&m, &r);
}
END_TEST

/* What waits for a replica that does not read is the replica's, not the
 * dataset's: INFO shows it as mem_clients_slaves (and not counted for
 * eviction), and it neither evicts keys nor makes writes fail with OOM. */
START_TEST(a_lagging_replica_s_buffers_are_not_counted_for_maxmemory)
{
    if (UNDER_ASAN || UNDER_TSAN) {
        fprintf(stderr, "check_replication: skipped a_lagging_replica_s_buffers_are_not_counted_"
                        "for_maxmemory under a sanitizer (used_memory is the RSS there)\n");
        return;
    }
    struct master m;
    struct replica r;
    lagging_pair(&m, &r, NULL);
    harness_cmd_int(m.c, "SETRANGE big 0 x");
    long long used = harness_info_ll(m.c, "memory", "used_memory");
    harness_cmd_ok(m.c, "CONFIG SET maxmemory-policy noeviction");
    harness_cmd_ok(m.c, "CONFIG SET maxmemory %lld", used + 12 * 1024 * 1024);
    static char chunk[1 << 20];
    memset(chunk, 'A', sizeof(chunk));
    for (int i = 0; i < 16; i++) /* 16 MB to a replica that reads nothing */
        harness_cmd_int(m.c, "SETRANGE big 0 %b", chunk, sizeof(chunk));
    long long slaves = harness_info_ll(m.c, "memory", "mem_clients_slaves");
    ck_assert_msg(slaves > 8 * 1024 * 1024, "mem_clients_slaves %lld", slaves);
    ck_assert_int_eq(harness_info_ll(m.c, "memory", "mem_not_counted_for_evict"), slaves);
    ck_assert_int_eq(harness_info_ll(m.c, "memory", "mem_total_replication_buffers"),
                     slaves + harness_info_ll(m.c, "memory", "mem_replication_backlog"));
    close(r.fd);
    master_down(&m);
}
END_TEST

START_TEST(sigterm_waits_too_and_shutdown_abort_cancels_it)
{
    struct master m;
    struct replica r;
    char buf[256];
    lagging_pair(&m, &r, NULL);
    kill(m.s.pid, SIGTERM);
    ck_assert_uint_eq(harness_raw_recv(r.fd, buf, sizeof(buf), strlen(GETACK)), strlen(GETACK));
    int writer = harness_raw_connect(&m.s);
    harness_raw_send_line(writer, "SET k w");
    harness_wait_info_ll(m.c, "clients", "blocked_clients", 1); /* paused: the shutdown waits */
    harness_cmd_ok(m.c, "SHUTDOWN ABORT");
    harness_raw_expect_arrives(writer, "+OK\r\n");
    harness_expect_value(m.c, "k", "w", 1);
    close(writer);
    close(r.fd);
    master_down(&m);
}
END_TEST

START_TEST(shutdown_now_does_not_wait)
{
    struct master m;
    struct replica r;
    lagging_pair(&m, &r, NULL);
    harness_send_only(m.c, "SHUTDOWN NOSAVE NOW");
    master_gone(&m, &r);
}
END_TEST

static Suite *replication_suite(void)
{
    Suite *s = suite_create("replication");
    TCase *tc = tcase_create("master");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, full_sync_then_stream_give_the_master_s_data);
    tcase_add_test(tc, a_diskless_sync_under_writes_gives_the_master_s_data);
    tcase_add_test(tc, no_ping_before_the_period_s_next_multiple);
    tcase_add_test(tc, a_replica_within_the_backlog_continues);
    tcase_add_test(tc, wait_counts_replicas_that_acknowledge);
    tcase_add_test(tc, min_replicas_to_write_needs_acknowledging_replicas);
    tcase_add_test(tc, a_script_that_wrote_keeps_writing_when_replicas_drop);
    tcase_add_test(tc, replconf_and_psync_answer_as_redis);
    tcase_add_test(tc, an_rdb_only_sync_gets_its_rdb_and_is_closed);
    tcase_add_test(tc, a_replica_that_does_not_read_is_dropped_at_its_limit);
    tcase_add_test(tc, shutdown_waits_for_a_lagging_replica_until_aborted);
    tcase_add_test(tc, shutdown_finishes_once_the_replica_acknowledges);
    tcase_add_test(tc, shutdown_stops_waiting_at_shutdown_timeout);
    tcase_add_test(tc, a_replica_that_stopped_reading_does_not_hold_the_exit);
    tcase_add_test(tc, a_lagging_replica_s_buffers_are_not_counted_for_maxmemory);
    tcase_add_test(tc, sigterm_waits_too_and_shutdown_abort_cancels_it);
    tcase_add_test(tc, shutdown_now_does_not_wait);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(replication_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
