/*
 * check_multi.c - transactions against a real grove-server: MULTI, EXEC,
 * DISCARD, WATCH, UNWATCH; queuing, EXECABORT, WATCH aborts (precise per
 * key, per database, FLUSHALL, expiry), and EXEC's atomicity across worker
 * threads. Expected replies and error texts were taken from redis-server
 * 7.0.15.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* ---- helpers ------------------------------------------------------------------ */

static void expect_queued(redisContext *c, const char *cmd)
{
    harness_expect_status(harness_cmd(c, cmd), "QUEUED");
}

/* EXEC's reply: an array of n elements (returned, caller frees). */
static redisReply *exec_array(redisContext *c, size_t n)
{
    redisReply *r = harness_cmd(c, "EXEC");
    ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "EXEC: expected array, got type %d (%s)",
                  r->type, r->str ? r->str : "");
    ck_assert_uint_eq(r->elements, n);
    return r;
}

/* ---- queuing and EXEC ------------------------------------------------------------ */

START_TEST(exec_runs_queued_commands_and_replies_with_an_array)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "MULTI");
    expect_queued(f.c, "SET a 1");
    expect_queued(f.c, "INCR a");
    expect_queued(f.c, "GET a");
    redisContext *other = harness_connect(&f.s);
    harness_expect_nil(harness_cmd(other, "GET a")); /* queued, not run */
    redisFree(other);
    redisReply *r = exec_array(f.c, 3);
    ck_assert_int_eq(r->element[0]->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r->element[0]->str, "OK");
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_INTEGER);
    ck_assert_int_eq(r->element[1]->integer, 2);
    ck_assert_str_eq(r->element[2]->str, "2");
    freeReplyObject(r);
    harness_expect_str(harness_cmd(f.c, "GET a"), "2");
    harness_down(&f);
}
END_TEST

START_TEST(control_commands_reply_as_redis)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_expect_error(harness_cmd(f.c, "EXEC"), "ERR EXEC without MULTI");
    harness_expect_error(harness_cmd(f.c, "DISCARD"), "ERR DISCARD without MULTI");
    harness_cmd_ok(f.c, "MULTI");
    /* Neither of these flags the transaction. */
    harness_expect_error(harness_cmd(f.c, "MULTI"), "ERR MULTI calls can not be nested");
    harness_expect_error(harness_cmd(f.c, "WATCH k"), "ERR WATCH inside MULTI is not allowed");
    expect_queued(f.c, "UNWATCH"); /* UNWATCH is queued, as in Redis */
    redisReply *r = exec_array(f.c, 1);
    ck_assert_str_eq(r->element[0]->str, "OK");
    freeReplyObject(r);
    harness_cmd_ok(f.c, "MULTI");
    r = exec_array(f.c, 0); /* empty transaction: empty array */
    freeReplyObject(r);
    harness_expect_error(harness_cmd(f.c, "EXEC"), "ERR EXEC without MULTI");
    harness_down(&f);
}
END_TEST

START_TEST(queue_time_errors_abort_the_transaction)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    const char *abort_text = "EXECABORT Transaction discarded because of previous errors.";
    /* wrong arity */
    harness_cmd_ok(f.c, "MULTI");
    harness_expect_error(harness_cmd(f.c, "SET a"),
                         "ERR wrong number of arguments for 'set' command");
    expect_queued(f.c, "SET b 2");
    harness_expect_error(harness_cmd(f.c, "EXEC"), abort_text);
    harness_expect_nil(harness_cmd(f.c, "GET b"));
    harness_expect_error(harness_cmd(f.c, "EXEC"), "ERR EXEC without MULTI");
    /* unknown command */
    harness_cmd_ok(f.c, "MULTI");
    harness_expect_error(harness_cmd(f.c, "FOO bar"),
                         "ERR unknown command 'FOO', with args beginning with: 'bar' ");
    harness_expect_error(harness_cmd(f.c, "EXEC"), abort_text);
    /* a no-multi command */
    harness_cmd_ok(f.c, "MULTI");
    harness_expect_error(harness_cmd(f.c, "SHUTDOWN"),
                         "ERR Command not allowed inside a transaction");
    expect_queued(f.c, "SET b 2");
    harness_expect_error(harness_cmd(f.c, "EXEC"), abort_text);
    harness_expect_nil(harness_cmd(f.c, "GET b"));
    /* EXEC itself refused: the transaction goes at once (redis-server 7.0.15) */
    harness_cmd_ok(f.c, "MULTI");
    expect_queued(f.c, "SET b 2");
    harness_expect_error(harness_cmd(f.c, "EXEC extra"),
                         "EXECABORT Transaction discarded because of: wrong number of "
                         "arguments for 'exec' command");
    harness_expect_nil(harness_cmd(f.c, "GET b")); /* runs now: no longer queued */
    harness_expect_error(harness_cmd(f.c, "EXEC"), "ERR EXEC without MULTI");
    harness_expect_error(harness_cmd(f.c, "DISCARD"), "ERR DISCARD without MULTI");
    harness_down(&f);
}
END_TEST

/* A server that turns into a stale replica after the queuing refuses EXEC
 * when a queued command may not run on one (GET, PING), as Redis checks
 * EXEC against its queue; MULTI and an empty EXEC run there. The master
 * named is a port nothing listens on: the link is down from the start. */
START_TEST(exec_fails_when_the_server_became_a_stale_replica)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    redisContext *admin = harness_connect(&f.s);
    int nowhere = harness_free_port();
    harness_cmd_ok(f.c, "CONFIG SET replica-serve-stale-data no");
    harness_cmd_ok(f.c, "SET xx 1");
    static const char *const reads[] = {"GET xx", "PING"};
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        harness_cmd_ok(f.c, "MULTI");
        expect_queued(f.c, reads[i]);
        harness_cmd_ok(admin, "REPLICAOF 127.0.0.1 %d", nowhere);
        harness_expect_error(harness_cmd(f.c, "EXEC"),
                             "EXECABORT Transaction discarded because of: MASTERDOWN Link with "
                             "MASTER is down and replica-serve-stale-data is set to 'no'.");
        harness_cmd_ok(f.c, "MULTI"); /* out of the last one, and allowed while stale */
        freeReplyObject(exec_array(f.c, 0));
        harness_cmd_ok(admin, "REPLICAOF NO ONE");
    }
    harness_cmd_ok(admin, "REPLICAOF 127.0.0.1 %d", nowhere);
    harness_cmd_ok(f.c, "MULTI");
    harness_cmd_ok(admin, "REPLICAOF NO ONE");
    expect_queued(f.c, "GET xx");
    redisReply *r = exec_array(f.c, 1);
    ck_assert_str_eq(r->element[0]->str, "1");
    freeReplyObject(r);
    redisFree(admin);
    harness_down(&f);
}
END_TEST

START_TEST(runtime_errors_are_elements_of_the_reply)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "MULTI");
    expect_queued(f.c, "SET t abc");
    expect_queued(f.c, "INCR t");
    expect_queued(f.c, "SELECT 99");
    expect_queued(f.c, "APPEND t d");
    redisReply *r = exec_array(f.c, 4);
    ck_assert_str_eq(r->element[0]->str, "OK");
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->element[1]->str, "ERR value is not an integer or out of range");
    ck_assert_int_eq(r->element[2]->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->element[2]->str, "ERR DB index is out of range");
    ck_assert_int_eq(r->element[3]->integer, 4);
    freeReplyObject(r);
    harness_down(&f);
}
END_TEST

START_TEST(discard_drops_the_queue)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "MULTI");
    expect_queued(f.c, "SET d 1");
    harness_cmd_ok(f.c, "DISCARD");
    harness_expect_nil(harness_cmd(f.c, "GET d"));
    harness_expect_error(harness_cmd(f.c, "DISCARD"), "ERR DISCARD without MULTI");
    harness_expect_error(harness_cmd(f.c, "EXEC"), "ERR EXEC without MULTI");
    harness_down(&f);
}
END_TEST

START_TEST(reset_and_quit_inside_multi_drop_the_queue)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "MULTI");
    expect_queued(f.c, "SET r 1");
    harness_expect_status(harness_cmd(f.c, "RESET"), "RESET");
    harness_expect_error(harness_cmd(f.c, "EXEC"), "ERR EXEC without MULTI");
    harness_expect_nil(harness_cmd(f.c, "GET r"));

    redisContext *q = harness_connect(&f.s);
    harness_cmd_ok(q, "MULTI");
    expect_queued(q, "SET q 1");
    harness_cmd_ok(q, "QUIT");
    redisFree(q);
    int fd = harness_raw_connect(&f.s);
    harness_raw_roundtrip(fd, "MULTI\r\nSET q 1\r\nQUIT\r\n", "+OK\r\n+QUEUED\r\n+OK\r\n");
    ck_assert(harness_raw_closed(fd));
    close(fd);
    harness_expect_nil(harness_cmd(f.c, "GET q"));
    harness_down(&f);
}
END_TEST

START_TEST(select_inside_multi_resolves_later_keys_in_that_db)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "MULTI");
    expect_queued(f.c, "SELECT 3");
    expect_queued(f.c, "SET k v3");
    expect_queued(f.c, "SELECT 0");
    expect_queued(f.c, "SET k v0");
    expect_queued(f.c, "SELECT 3");
    expect_queued(f.c, "GET k");
    redisReply *r = exec_array(f.c, 6);
    for (int i = 0; i < 5; i++)
        ck_assert(r->element[i]->type == REDIS_REPLY_STATUS &&
                  strcmp(r->element[i]->str, "OK") == 0);
    ck_assert_int_eq(r->element[5]->type, REDIS_REPLY_STRING);
    ck_assert_str_eq(r->element[5]->str, "v3");
    freeReplyObject(r);
    harness_expect_str(harness_cmd(f.c, "GET k"), "v3"); /* still in db 3 */
    harness_cmd_ok(f.c, "SELECT 0");
    harness_expect_str(harness_cmd(f.c, "GET k"), "v0");
    harness_down(&f);
}
END_TEST

START_TEST(keyspace_wide_commands_run_inside_exec)
{
    struct harness_fixture f;
    harness_up(&f, (const char *const[]){"--threads", "2", NULL});
    harness_cmd_ok(f.c, "SET a 1");
    harness_cmd_ok(f.c, "MULTI");
    expect_queued(f.c, "INCR a");
    expect_queued(f.c, "KEYS *");
    expect_queued(f.c, "DBSIZE");
    expect_queued(f.c, "COPY a b");
    expect_queued(f.c, "SCAN 0");
    expect_queued(f.c, "RANDOMKEY");
    expect_queued(f.c, "SWAPDB 0 1");
    expect_queued(f.c, "FLUSHDB");
    expect_queued(f.c, "INCR a");
    expect_queued(f.c, "FLUSHALL");
    expect_queued(f.c, "INFO keyspace");
    expect_queued(f.c, "SET z 1");
    redisReply *r = exec_array(f.c, 12);
    redisReply **e = r->element;
    ck_assert(e[0]->type == REDIS_REPLY_INTEGER && e[0]->integer == 2);  /* INCR a */
    harness_assert_array(e[1], 1);                                      /* KEYS * */
    ck_assert_str_eq(e[1]->element[0]->str, "a");
    ck_assert(e[2]->type == REDIS_REPLY_INTEGER && e[2]->integer == 1);  /* DBSIZE */
    ck_assert(e[3]->type == REDIS_REPLY_INTEGER && e[3]->integer == 1);  /* COPY a b */
    harness_assert_array(e[4], 2);                                      /* SCAN 0 */
    ck_assert_str_eq(e[4]->element[0]->str, "0");
    harness_assert_array(e[4]->element[1], 2);
    ck_assert(harness_array_has(e[4]->element[1], "a") && harness_array_has(e[4]->element[1], "b"));
    ck_assert_int_eq(e[5]->type, REDIS_REPLY_STRING);                   /* RANDOMKEY */
    ck_assert(strcmp(e[5]->str, "a") == 0 || strcmp(e[5]->str, "b") == 0);
    for (int i = 6; i <= 7; i++)                                        /* SWAPDB, FLUSHDB */
        ck_assert(e[i]->type == REDIS_REPLY_STATUS && strcmp(e[i]->str, "OK") == 0);
    ck_assert(e[8]->type == REDIS_REPLY_INTEGER && e[8]->integer == 1);  /* INCR a, db 0 empty */
    ck_assert(e[9]->type == REDIS_REPLY_STATUS && strcmp(e[9]->str, "OK") == 0); /* FLUSHALL */
    ck_assert_int_eq(e[10]->type, REDIS_REPLY_STRING);                  /* INFO keyspace */
    ck_assert_str_eq(e[10]->str, "# Keyspace\r\n");
    ck_assert(e[11]->type == REDIS_REPLY_STATUS && strcmp(e[11]->str, "OK") == 0); /* SET z 1 */
    freeReplyObject(r);
    harness_expect_int(harness_cmd(f.c, "DBSIZE"), 1);
    harness_down(&f);
}
END_TEST

/* ---- WATCH ----------------------------------------------------------------------- */

START_TEST(watch_aborts_when_another_client_changes_the_key)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    redisContext *other = harness_connect(&f.s);
    harness_cmd_ok(f.c, "WATCH w");
    harness_cmd_ok(other, "SET w 1");
    harness_cmd_ok(f.c, "MULTI");
    expect_queued(f.c, "SET w 2");
    harness_expect_nil(harness_cmd(f.c, "EXEC")); /* *-1 */
    harness_expect_str(harness_cmd(f.c, "GET w"), "1");
    /* The watch is gone after EXEC: the next transaction runs. */
    harness_cmd_ok(other, "SET w 3");
    ck_assert(harness_watched_exec_runs(f.c));
    /* Deleting, expiring, renaming onto it are changes too. */
    static const struct harness_step changes[] = {
        {"DEL w", ":1"}, {"EXPIRE w 100", ":1"}, {"RENAME v w", "+OK"},
        {"INCR w", ":6"}, {"APPEND w x", ":2"},
    };
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        harness_cmd_ok(other, "SET w 5");
        harness_cmd_ok(other, "SET v 6");
        harness_cmd_ok(f.c, "WATCH w");
        harness_expect_step(other, &changes[i]);
        ck_assert_msg(!harness_watched_exec_runs(f.c), "%s did not abort", changes[i].cmd);
    }
    redisFree(other);
    harness_down(&f);
}
END_TEST

START_TEST(watch_aborts_on_the_clients_own_change_before_multi)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "WATCH w");
    harness_cmd_ok(f.c, "SET w 1");
    ck_assert(!harness_watched_exec_runs(f.c));
    /* Reads and failed writes are not changes. */
    harness_cmd_ok(f.c, "WATCH w");
    harness_expect_str(harness_cmd(f.c, "GET w"), "1");
    harness_expect_nil(harness_cmd(f.c, "SET w 2 NX"));
    harness_expect_int(harness_cmd(f.c, "DEL nothing"), 0);
    ck_assert(harness_watched_exec_runs(f.c));
    harness_down(&f);
}
END_TEST

/* Hash commands change their value in place; WATCH must still see it. */
START_TEST(watch_aborts_when_a_watched_hash_changes)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    redisContext *other = harness_connect(&f.s);
    static const struct harness_step changes[] = {
        {"HSET h a 2", ":0"},      {"HSET h new 1", ":1"}, {"HINCRBY h n 1", ":2"},
        {"HINCRBYFLOAT h n 0.5", "$1.5"}, {"HDEL h a", ":1"}, {"HSETNX h fresh 1", ":1"},
    };
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        harness_expect_int(harness_cmd(other, "DEL h"), i == 0 ? 0 : 1);
        harness_expect_int(harness_cmd(other, "HSET h a 1 b 1 n 1"), 3);
        harness_cmd_ok(f.c, "WATCH h");
        harness_expect_step(other, &changes[i]);
        ck_assert_msg(!harness_watched_exec_runs(f.c), "%s did not abort", changes[i].cmd);
    }
    /* HSETNX on an existing field and HDEL of a missing one change nothing. */
    harness_cmd_ok(f.c, "WATCH h");
    harness_expect_int(harness_cmd(other, "HSETNX h a 9"), 0);
    harness_expect_int(harness_cmd(other, "HDEL h missing"), 0);
    ck_assert(harness_watched_exec_runs(f.c));
    redisFree(other);
    harness_down(&f);
}
END_TEST

/* SMOVE changes its destination only when the member is new there. */
START_TEST(smove_touches_the_destination_only_when_it_adds)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    redisContext *other = harness_connect(&f.s);
    harness_expect_int(harness_cmd(other, "SADD src a b"), 2);
    harness_expect_int(harness_cmd(other, "SADD dst a"), 1);
    harness_cmd_ok(f.c, "WATCH dst");
    harness_expect_int(harness_cmd(other, "SMOVE src dst a"), 1);
    ck_assert(harness_watched_exec_runs(f.c));
    harness_cmd_ok(f.c, "WATCH dst");
    harness_expect_int(harness_cmd(other, "SMOVE src dst b"), 1);
    ck_assert(!harness_watched_exec_runs(f.c));
    redisFree(other);
    harness_down(&f);
}
END_TEST

START_TEST(watch_resp3_abort_is_a_null)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    int fd = harness_raw_connect(&f.s);
    const char *req = "HELLO 3\r\nWATCH x\r\nSET x 1\r\nMULTI\r\nPING\r\nEXEC\r\n";
    const char *tail = "+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n_\r\n";
    harness_raw_send(fd, req, strlen(req));
    char buf[4096];
    size_t got = 0;
    while (got < strlen(tail) || strcmp(buf + got - strlen(tail), tail) != 0) {
        size_t n = harness_raw_recv(fd, buf + got, sizeof(buf) - got, 1);
        ck_assert_msg(n > 0, "no EXEC reply; got [%s]", buf);
        got += n;
    }
    close(fd);
    harness_down(&f);
}
END_TEST

START_TEST(a_change_to_another_key_in_the_same_shard_does_not_abort)
{
    /* One shard per database: every key shares it. */
    struct harness_fixture f;
    harness_up(&f, (const char *const[]){"--shards", "1", NULL});
    redisContext *other = harness_connect(&f.s);
    harness_cmd_ok(f.c, "WATCH a");
    harness_pipeline_int(other, "SET other:%d v", 0, 100);
    harness_expect_int(harness_cmd(other, "DEL other:1"), 1);
    ck_assert(harness_watched_exec_runs(f.c));
    harness_cmd_ok(f.c, "WATCH a b c");
    harness_cmd_ok(other, "SET c 1");
    ck_assert(!harness_watched_exec_runs(f.c));
    redisFree(other);
    harness_down(&f);
}
END_TEST

START_TEST(watch_is_per_database)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    redisContext *other = harness_connect(&f.s);
    harness_cmd_ok(f.c, "SELECT 1");
    harness_cmd_ok(f.c, "WATCH k");
    harness_cmd_ok(other, "SET k 0"); /* db 0 */
    ck_assert(harness_watched_exec_runs(f.c));
    harness_cmd_ok(f.c, "WATCH k");
    harness_cmd_ok(other, "SELECT 1");
    harness_cmd_ok(other, "SET k 1");
    ck_assert(!harness_watched_exec_runs(f.c));
    redisFree(other);
    harness_down(&f);
}
END_TEST

START_TEST(unwatch_discard_and_reset_release_watches)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    static const struct harness_step releases[] = {{"UNWATCH", "+OK"}, {"RESET", "+RESET"}};
    for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++) {
        harness_cmd_ok(f.c, "WATCH x");
        harness_expect_step(f.c, &releases[i]);
        harness_cmd_ok(f.c, "SET x 1");
        ck_assert_msg(harness_watched_exec_runs(f.c), "%s kept the watch", releases[i].cmd);
    }
    harness_cmd_ok(f.c, "WATCH x");
    harness_cmd_ok(f.c, "MULTI");
    harness_cmd_ok(f.c, "DISCARD");
    harness_cmd_ok(f.c, "SET x 2");
    ck_assert(harness_watched_exec_runs(f.c));
    harness_down(&f);
}
END_TEST

START_TEST(flushall_and_swapdb_touch_only_watched_keys_that_exist)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    harness_cmd_ok(f.c, "WATCH missing");
    harness_cmd_ok(f.c, "FLUSHALL");
    ck_assert(harness_watched_exec_runs(f.c));
    harness_cmd_ok(f.c, "SET present 1");
    harness_cmd_ok(f.c, "WATCH present");
    harness_cmd_ok(f.c, "FLUSHALL");
    ck_assert(!harness_watched_exec_runs(f.c));
    harness_cmd_ok(f.c, "SET present 1");
    harness_cmd_ok(f.c, "WATCH present");
    harness_cmd_ok(f.c, "FLUSHDB");
    ck_assert(!harness_watched_exec_runs(f.c));
    /* SWAPDB: a key that exists on either side changes. */
    harness_cmd_ok(f.c, "WATCH missing");
    harness_cmd_ok(f.c, "SWAPDB 0 1");
    ck_assert(harness_watched_exec_runs(f.c));
    harness_cmd_ok(f.c, "SELECT 1");
    harness_cmd_ok(f.c, "SET incoming 1");
    harness_cmd_ok(f.c, "SELECT 0");
    harness_cmd_ok(f.c, "WATCH incoming");
    harness_cmd_ok(f.c, "SWAPDB 0 1");
    ck_assert(!harness_watched_exec_runs(f.c));
    harness_down(&f);
}
END_TEST

/* An expired key is no key to a watcher (Redis 7.0's touchAllWatchedKeysInDb):
 * SWAPDB bringing one in where there was none, or in place of another,
 * changes nothing; a live one coming in does. Active expiry is off so
 * that the expired keys stay in place until SWAPDB moves them. */
START_TEST(swapdb_between_no_key_and_an_expired_one_does_not_abort)
{
    struct harness_fixture f;
    harness_up(&f, (const char *const[]){"--enable-debug-command", "yes", NULL});
    harness_cmd_ok(f.c, "DEBUG SET-ACTIVE-EXPIRE 0");
    harness_cmd_ok(f.c, "SET x foo PX 1");
    harness_sleep_ms(5);
    harness_cmd_ok(f.c, "SELECT 1");
    harness_cmd_ok(f.c, "WATCH x");
    harness_cmd_ok(f.c, "SWAPDB 0 1");
    ck_assert_msg(harness_watched_exec_runs(f.c), "none -> expired aborted");
    harness_cmd_ok(f.c, "SET x foo PX 1");
    harness_cmd_ok(f.c, "SELECT 0");
    harness_cmd_ok(f.c, "SET x bar PX 1");
    harness_sleep_ms(5);
    harness_cmd_ok(f.c, "SELECT 1");
    harness_cmd_ok(f.c, "WATCH x");
    harness_cmd_ok(f.c, "SWAPDB 0 1");
    ck_assert_msg(harness_watched_exec_runs(f.c), "expired -> expired aborted");
    harness_cmd_ok(f.c, "SELECT 0");
    harness_cmd_ok(f.c, "SET x live");
    harness_cmd_ok(f.c, "SELECT 1");
    harness_cmd_ok(f.c, "WATCH x");
    harness_cmd_ok(f.c, "SWAPDB 0 1");
    ck_assert_msg(!harness_watched_exec_runs(f.c), "none -> live did not abort");
    harness_down(&f);
}
END_TEST

/* A key already expired when WATCH runs is watched as missing, and its
 * expiry is then no change; so the key must be alive after WATCH, which
 * PTTL on the watching connection (a read, not a change) shows. A machine
 * too slow for the TTL gets a longer one. Then another connection waits
 * until the key is gone: the order of events is certain. */
START_TEST(a_watched_key_that_expires_fails_exec)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    redisContext *other = harness_connect(&f.s);
    for (long long ttl_ms = 50;; ttl_ms *= 2) {
        ck_assert_msg(ttl_ms <= HARNESS_DEADLINE_MS, "the key expired before WATCH every time");
        harness_cmd_ok(f.c, "SET e 1 PX %lld", ttl_ms);
        harness_cmd_ok(f.c, "WATCH e");
        if (harness_cmd_int(f.c, "PTTL e") >= 0)
            break;
        harness_cmd_ok(f.c, "UNWATCH");
    }
    HARNESS_WAIT_FOR(harness_cmd_int(other, "EXISTS e") == 0, "e did not expire");
    ck_assert(!harness_watched_exec_runs(f.c));
    redisFree(other);
    harness_down(&f);
}
END_TEST

/* ---- atomicity across worker threads ------------------------------------------------ */

/* Writers run MULTI, INCR a, INCR b, EXEC while readers MGET a and b:
 * a reader must never see them differ. A reader proves it ran while the
 * writers did by seeing a change; the writers go on past ROUNDS until
 * every reader has seen MIN_CHANGES of them (or the deadline passes, and
 * the test fails), so the readers' checks never pass vacuously. Threads
 * count what they see; the main thread asserts (Check's assertions
 * belong to it). */
#define WRITERS 4
#define READERS 3
#define ROUNDS 1500
#define MIN_CHANGES 20
#define RACE_DEADLINE_MS 60000

struct atomicity_run {
    int port;
    atomic_int writers_running;
    atomic_int readers_satisfied; /* readers that saw MIN_CHANGES changes */
    long long deadline;
};

struct worker_arg {
    struct atomicity_run *run;
    long long execs;      /* writers: transactions that ran */
    long long reads;      /* readers: MGETs answered */
    long long changes;    /* readers: reads that saw a new value */
    long long mismatches; /* a differs from b, or a wrong EXEC reply */
    long long errors;     /* no reply, or an error reply */
};

/* The next reply of a pipeline, counting a missing or error reply. */
static redisReply *next_reply(redisContext *c, struct worker_arg *a)
{
    redisReply *r = NULL;
    if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
        a->errors++;
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR)
        a->errors++;
    return r;
}

static bool writers_must_go_on(const struct worker_arg *a, int round)
{
    const struct atomicity_run *run = a->run;
    return round < ROUNDS ||
           (atomic_load(&run->readers_satisfied) < READERS && harness_now_ms() < run->deadline);
}

/* One transaction; false when the connection failed. INCR a and INCR b
 * inside one EXEC answer the same number. */
static bool write_once(redisContext *c, struct worker_arg *a)
{
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "INCR a");
    redisAppendCommand(c, "INCR b");
    redisAppendCommand(c, "EXEC");
    for (int j = 0; j < 4; j++) {
        redisReply *r = next_reply(c, a);
        if (r == NULL)
            return false;
        if (j == 3) {
            bool ok = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                      r->element[0]->integer == r->element[1]->integer;
            a->mismatches += !ok;
            a->execs += ok;
        }
        freeReplyObject(r);
    }
    return true;
}

static void *writer_main(void *p)
{
    struct worker_arg *a = p;
    redisContext *c = redisConnect("127.0.0.1", a->run->port);
    if (c == NULL || c->err)
        a->errors++;
    for (int i = 0; c && !c->err && writers_must_go_on(a, i) && write_once(c, a); i++)
        ;
    redisFree(c);
    atomic_fetch_sub(&a->run->writers_running, 1);
    return NULL;
}

/* One MGET a b; false when the connection failed. */
static bool read_once(redisContext *c, struct worker_arg *a, long long *last)
{
    redisReply *r = redisCommand(c, "MGET a b");
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        a->errors++;
        freeReplyObject(r);
        return false;
    }
    const char *x = r->element[0]->str ? r->element[0]->str : "0";
    const char *y = r->element[1]->str ? r->element[1]->str : "0";
    a->reads++;
    a->mismatches += strcmp(x, y) != 0;
    long long value = atoll(x);
    if (value != *last && ++a->changes == MIN_CHANGES)
        atomic_fetch_add(&a->run->readers_satisfied, 1);
    *last = value;
    freeReplyObject(r);
    return true;
}

static void *reader_main(void *p)
{
    struct worker_arg *a = p;
    redisContext *c = redisConnect("127.0.0.1", a->run->port);
    long long last = 0;
    if (c == NULL || c->err)
        a->errors++;
    while (c && !c->err && atomic_load(&a->run->writers_running) > 0 && read_once(c, a, &last))
        ;
    redisFree(c);
    return NULL;
}

/* In db 1, transactions that must drop their locks part way. */
static void *mixer_main(void *p)
{
    struct worker_arg *a = p;
    redisContext *c = redisConnect("127.0.0.1", a->run->port);
    const char *cmds[] = {"MULTI", "INCR m", "KEYS *", "DBSIZE", "COPY m n", "MOVE n 2",
                          "SCAN 0", "RANDOMKEY", "FLUSHDB", "INCR m", "EXEC"};
    size_t n = sizeof(cmds) / sizeof(cmds[0]);
    redisReply *r = c && !c->err ? redisCommand(c, "SELECT 1") : NULL;
    a->errors += r == NULL || r->type != REDIS_REPLY_STATUS;
    freeReplyObject(r);
    for (int i = 0; i < ROUNDS / 3 && a->errors == 0; i++) {
        for (size_t j = 0; j < n; j++)
            redisAppendCommand(c, cmds[j]);
        for (size_t j = 0; j < n && (r = next_reply(c, a)) != NULL; j++) {
            if (j == n - 1) {
                bool ok = r->type == REDIS_REPLY_ARRAY && r->elements == n - 2;
                a->mismatches += !ok;
                a->execs += ok;
            }
            freeReplyObject(r);
        }
    }
    redisFree(c);
    return NULL;
}

START_TEST(exec_is_atomic_for_clients_on_other_threads)
{
    enum { THREADS = WRITERS + READERS + 1 };
    struct harness_fixture f;
    harness_up(&f, (const char *const[]){"--threads", "2", NULL});
    struct atomicity_run run = {.port = f.s.port, .deadline = harness_now_ms() + RACE_DEADLINE_MS};
    atomic_init(&run.writers_running, WRITERS);
    atomic_init(&run.readers_satisfied, 0);
    pthread_t t[THREADS];
    struct worker_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (struct worker_arg){.run = &run};
        void *(*fn)(void *) = i < WRITERS ? writer_main
                              : i < WRITERS + READERS ? reader_main
                                                      : mixer_main;
        ck_assert_int_eq(pthread_create(&t[i], NULL, fn, &args[i]), 0);
    }
    long long execs = 0;
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        const struct worker_arg *a = &args[i];
        ck_assert_msg(a->errors == 0, "thread %d: %lld failed replies", i, a->errors);
        ck_assert_msg(a->mismatches == 0, "thread %d: %lld non-atomic results", i, a->mismatches);
        if (i < WRITERS) {
            ck_assert_int_ge(a->execs, ROUNDS);
            execs += a->execs;
        } else if (i < WRITERS + READERS) {
            ck_assert_msg(a->changes >= MIN_CHANGES,
                          "reader %d saw only %lld changes in %lld reads: it did not run "
                          "alongside the writers", i, a->changes, a->reads);
        } else {
            ck_assert_int_eq(a->execs, ROUNDS / 3);
        }
    }
    char total[32];
    snprintf(total, sizeof(total), "%lld", execs);
    harness_expect_str(harness_cmd(f.c, "GET a"), total);
    harness_expect_str(harness_cmd(f.c, "GET b"), total);
    harness_down(&f);
}
END_TEST

static Suite *multi_suite(void)
{
    Suite *s = suite_create("multi");

    TCase *tx = tcase_create("transactions");
    tcase_add_test(tx, exec_runs_queued_commands_and_replies_with_an_array);
    tcase_add_test(tx, control_commands_reply_as_redis);
    tcase_add_test(tx, queue_time_errors_abort_the_transaction);
    tcase_add_test(tx, exec_fails_when_the_server_became_a_stale_replica);
    tcase_add_test(tx, runtime_errors_are_elements_of_the_reply);
    tcase_add_test(tx, discard_drops_the_queue);
    tcase_add_test(tx, reset_and_quit_inside_multi_drop_the_queue);
    tcase_add_test(tx, select_inside_multi_resolves_later_keys_in_that_db);
    tcase_add_test(tx, keyspace_wide_commands_run_inside_exec);
    suite_add_tcase(s, tx);

    TCase *watch = tcase_create("watch");
    tcase_set_timeout(watch, 60);
    tcase_add_test(watch, watch_aborts_when_another_client_changes_the_key);
    tcase_add_test(watch, watch_aborts_on_the_clients_own_change_before_multi);
    tcase_add_test(watch, watch_resp3_abort_is_a_null);
    tcase_add_test(watch, watch_aborts_when_a_watched_hash_changes);
    tcase_add_test(watch, smove_touches_the_destination_only_when_it_adds);
    tcase_add_test(watch, a_change_to_another_key_in_the_same_shard_does_not_abort);
    tcase_add_test(watch, watch_is_per_database);
    tcase_add_test(watch, unwatch_discard_and_reset_release_watches);
    tcase_add_test(watch, flushall_and_swapdb_touch_only_watched_keys_that_exist);
    tcase_add_test(watch, swapdb_between_no_key_and_an_expired_one_does_not_abort);
    tcase_add_test(watch, a_watched_key_that_expires_fails_exec);
    suite_add_tcase(s, watch);

    TCase *atomic = tcase_create("atomicity");
    tcase_set_timeout(atomic, 300);
    tcase_add_test(atomic, exec_is_atomic_for_clients_on_other_threads);
    suite_add_tcase(s, atomic);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(multi_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
