/*
 * check_multi.c - transactions against a real grove-server: MULTI, EXEC,
 * DISCARD, WATCH, UNWATCH; queuing, EXECABORT, WATCH aborts (precise per
 * key, per database, FLUSHALL, expiry), and EXEC's atomicity across worker
 * threads. Expected replies and error texts were taken from redis-server
 * 7.0.15.
 */
#include <check.h>
#include <pthread.h>
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
    ck_assert_int_eq(r->element[0]->integer, 2);
    ck_assert_uint_eq(r->element[1]->elements, 1);
    ck_assert_int_eq(r->element[2]->integer, 1);
    ck_assert_int_eq(r->element[3]->integer, 1);
    ck_assert_int_eq(r->element[8]->integer, 1);
    ck_assert_str_eq(r->element[11]->str, "OK");
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
    const char *changes[] = {"DEL w", "EXPIRE w 100", "RENAME v w", "INCR w", "APPEND w x"};
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        harness_cmd_ok(other, "SET w 5");
        harness_cmd_ok(other, "SET v 6");
        harness_cmd_ok(f.c, "WATCH w");
        freeReplyObject(harness_cmd(other, changes[i]));
        ck_assert_msg(!harness_watched_exec_runs(f.c), "%s did not abort", changes[i]);
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
    const char *changes[] = {"HSET h a 2", "HSET h new 1", "HINCRBY h n 1",
                             "HINCRBYFLOAT h n 0.5", "HDEL h a", "HSETNX h fresh 1"};
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        harness_expect_int(harness_cmd(other, "DEL h"), i == 0 ? 0 : 1);
        harness_expect_int(harness_cmd(other, "HSET h a 1 b 1 n 1"), 3);
        harness_cmd_ok(f.c, "WATCH h");
        freeReplyObject(harness_cmd(other, changes[i]));
        ck_assert_msg(!harness_watched_exec_runs(f.c), "%s did not abort", changes[i]);
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
    for (int i = 0; i < 100; i++) {
        redisReply *r = harness_cmd(other, "SET other:%d %d", i, i);
        freeReplyObject(r);
    }
    freeReplyObject(harness_cmd(other, "DEL other:1"));
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
    const char *releases[] = {"UNWATCH", "RESET", NULL};
    for (int i = 0; releases[i]; i++) {
        harness_cmd_ok(f.c, "WATCH x");
        freeReplyObject(harness_cmd(f.c, releases[i]));
        harness_cmd_ok(f.c, "SET x 1");
        ck_assert_msg(harness_watched_exec_runs(f.c), "%s kept the watch", releases[i]);
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

START_TEST(a_watched_key_that_expires_fails_exec)
{
    struct harness_fixture f;
    harness_up(&f, NULL);
    redisContext *other = harness_connect(&f.s);
    harness_cmd_ok(f.c, "SET e 1 PX 30");
    harness_cmd_ok(f.c, "WATCH e");
    /* Wait (on another connection) until it has expired. */
    for (int i = 0; i < 500; i++) {
        redisReply *r = harness_cmd(other, "PTTL e");
        long long ttl = r->integer;
        freeReplyObject(r);
        if (ttl == -2)
            break;
        usleep(10000);
    }
    ck_assert(!harness_watched_exec_runs(f.c));
    redisFree(other);
    harness_down(&f);
}
END_TEST

/* ---- atomicity across worker threads ------------------------------------------------ */

#define WRITERS 4
#define READERS 3
#define ROUNDS 1500

struct worker_arg {
    const struct grove_server *s;
    int id;
    int mismatches;
};

static void *writer_main(void *p)
{
    struct worker_arg *a = p;
    redisContext *c = redisConnect("127.0.0.1", a->s->port);
    for (int i = 0; i < ROUNDS && c && !c->err; i++) {
        redisAppendCommand(c, "MULTI");
        redisAppendCommand(c, "INCR a");
        redisAppendCommand(c, "INCR b");
        redisAppendCommand(c, "EXEC");
        for (int j = 0; j < 4; j++) {
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK)
                break;
            if (j == 3 && (r->type != REDIS_REPLY_ARRAY || r->elements != 2))
                a->mismatches++;
            freeReplyObject(r);
        }
    }
    redisFree(c);
    return NULL;
}

static void *reader_main(void *p)
{
    struct worker_arg *a = p;
    redisContext *c = redisConnect("127.0.0.1", a->s->port);
    for (int i = 0; i < ROUNDS * 2 && c && !c->err; i++) {
        redisReply *r = redisCommand(c, "MGET a b");
        if (r == NULL)
            break;
        const char *x = r->element[0]->str ? r->element[0]->str : "";
        const char *y = r->element[1]->str ? r->element[1]->str : "";
        if (strcmp(x, y) != 0)
            a->mismatches++;
        freeReplyObject(r);
    }
    redisFree(c);
    return NULL;
}

/* In db 1, transactions that must drop their locks part way. */
static void *mixer_main(void *p)
{
    struct worker_arg *a = p;
    redisContext *c = redisConnect("127.0.0.1", a->s->port);
    freeReplyObject(redisCommand(c, "SELECT 1"));
    const char *cmds[] = {"MULTI", "INCR m", "KEYS *", "DBSIZE", "COPY m n", "MOVE n 2",
                          "SCAN 0", "RANDOMKEY", "FLUSHDB", "INCR m", "EXEC"};
    size_t n = sizeof(cmds) / sizeof(cmds[0]);
    for (int i = 0; i < ROUNDS / 3 && c && !c->err; i++) {
        for (size_t j = 0; j < n; j++)
            redisAppendCommand(c, cmds[j]);
        for (size_t j = 0; j < n; j++) {
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK)
                break;
            if (j == n - 1 && (r->type != REDIS_REPLY_ARRAY || r->elements != n - 2))
                a->mismatches++;
            freeReplyObject(r);
        }
    }
    redisFree(c);
    return NULL;
}

START_TEST(exec_is_atomic_for_clients_on_other_threads)
{
    struct harness_fixture f;
    harness_up(&f, (const char *const[]){"--threads", "2", NULL});
    pthread_t t[WRITERS + READERS + 1];
    struct worker_arg args[WRITERS + READERS + 1];
    for (int i = 0; i < WRITERS + READERS + 1; i++) {
        args[i] = (struct worker_arg){.s = &f.s, .id = i};
        void *(*fn)(void *) = i < WRITERS ? writer_main
                              : i < WRITERS + READERS ? reader_main
                                                      : mixer_main;
        ck_assert_int_eq(pthread_create(&t[i], NULL, fn, &args[i]), 0);
    }
    int mismatches = 0;
    for (int i = 0; i < WRITERS + READERS + 1; i++) {
        pthread_join(t[i], NULL);
        mismatches += args[i].mismatches;
    }
    ck_assert_int_eq(mismatches, 0);
    harness_expect_str(harness_cmd(f.c, "GET a"), "6000");
    harness_expect_str(harness_cmd(f.c, "GET b"), "6000");
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
    tcase_add_test(watch, a_change_to_another_key_in_the_same_shard_does_not_abort);
    tcase_add_test(watch, watch_is_per_database);
    tcase_add_test(watch, unwatch_discard_and_reset_release_watches);
    tcase_add_test(watch, flushall_and_swapdb_touch_only_watched_keys_that_exist);
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
