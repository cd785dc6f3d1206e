/*
 * check_migrate.c - MIGRATE between two grove-servers, as Redis 7.0 does
 * it: keys (with their TTL) move or, with COPY, are copied; REPLACE; the
 * KEYS form; AUTH to a target with a password; the target's errors come
 * back as "Target instance replied with error"; the connection is kept
 * (INFO migrate_cached_sockets) and replaced when the target went away;
 * the move reaches the AOF as a DEL. Texts from redis-server 7.0.15.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

struct pair {
    struct grove_server src, dst;
    redisContext *s, *d;
    char port[16];
};

static void pair_up(struct pair *p, const char *const *src_args, const char *const *dst_args)
{
    harness_start(&p->src, src_args);
    harness_start(&p->dst, dst_args);
    p->s = harness_connect(&p->src);
    p->d = harness_connect(&p->dst);
    snprintf(p->port, sizeof(p->port), "%d", p->dst.port);
}

static void pair_down(struct pair *p)
{
    redisFree(p->s);
    redisFree(p->d);
    harness_stop(&p->src);
    harness_stop(&p->dst);
}

/* MIGRATE to the pair's target, with these arguments after the port. */
#define MIGRATE(p, fmt, ...) harness_cmd((p)->s, "MIGRATE 127.0.0.1 %s " fmt, (p)->port, __VA_ARGS__)

START_TEST(keys_move_with_their_ttl)
{
    struct pair p;
    pair_up(&p, NULL, NULL);
    harness_cmd_ok(p.s, "SET str hello PX 100000");
    harness_expect_int(harness_cmd(p.s, "RPUSH list a b c"), 3);
    harness_expect_status(MIGRATE(&p, "%s 0 5000", "str"), "OK");
    harness_expect_nil(harness_cmd(p.s, "GET str"));
    harness_expect_str(harness_cmd(p.d, "GET str"), "hello");
    long long ttl = harness_cmd_int(p.d, "PTTL str");
    ck_assert(ttl > 90000 && ttl <= 100000);
    /* The KEYS form skips missing keys; another database on the target. */
    harness_expect_status(MIGRATE(&p, "%s 3 5000 KEYS list nosuch", ""), "OK");
    harness_expect_int(harness_cmd(p.s, "EXISTS list"), 0);
    harness_cmd_ok(p.d, "SELECT 3");
    harness_expect_reply(harness_cmd(p.d, "LRANGE list 0 -1"), "*3");
    harness_expect_int(harness_cmd(p.d, "TTL list"), -1);
    harness_expect_status(MIGRATE(&p, "%s 0 5000", "nosuch"), "NOKEY");
    harness_expect_status(MIGRATE(&p, "%s 0 5000 KEYS nosuch", ""), "NOKEY");
    pair_down(&p);
}
END_TEST

START_TEST(copy_keeps_replace_overwrites_busy_refuses)
{
    struct pair p;
    pair_up(&p, NULL, NULL);
    harness_cmd_ok(p.s, "SET k mine");
    harness_cmd_ok(p.d, "SET k theirs");
    harness_expect_error(MIGRATE(&p, "%s 0 5000 COPY", "k"),
                         "ERR Target instance replied with error: BUSYKEY Target key name "
                         "already exists.");
    harness_expect_str(harness_cmd(p.s, "GET k"), "mine");
    harness_expect_status(MIGRATE(&p, "%s 0 5000 COPY REPLACE", "k"), "OK");
    harness_expect_str(harness_cmd(p.s, "GET k"), "mine");
    harness_expect_str(harness_cmd(p.d, "GET k"), "mine");
    harness_cmd_ok(p.s, "SET k again");
    harness_expect_status(MIGRATE(&p, "%s 0 5000 REPLACE", "k"), "OK");
    harness_expect_nil(harness_cmd(p.s, "GET k"));
    harness_expect_str(harness_cmd(p.d, "GET k"), "again");
    pair_down(&p);
}
END_TEST

/* KEYS with some keys busy on the target: every key the target took is
 * deleted here, those after the first error too, and the first error is
 * the reply (Redis's "MIGRATE with multiple keys: delete just ack keys"). */
START_TEST(keys_the_target_took_are_deleted_even_after_an_error)
{
    struct pair p;
    pair_up(&p, NULL, NULL);
    harness_cmd_ok(p.s, "MSET a 1 b 2 c 3 d 4 e 5 f 6");
    harness_cmd_ok(p.d, "MSET c _ d _");
    harness_expect_error(MIGRATE(&p, "%s 0 5000 KEYS a b c d e f", ""),
                         "ERR Target instance replied with error: BUSYKEY Target key name "
                         "already exists.");
    ck_assert_int_eq(harness_cmd_int(p.s, "DBSIZE"), 2);
    ck_assert_int_eq(harness_cmd_int(p.s, "EXISTS c d"), 2);
    ck_assert_int_eq(harness_cmd_int(p.d, "DBSIZE"), 6);
    harness_expect_str(harness_cmd(p.d, "GET f"), "6");
    pair_down(&p);
}
END_TEST

START_TEST(bad_arguments_get_redis_errors)
{
    struct pair p;
    pair_up(&p, NULL, NULL);
    harness_cmd_ok(p.s, "SET k v");
    harness_expect_error(MIGRATE(&p, "%s 0 5000 FOO", "k"), "ERR syntax error");
    harness_expect_error(MIGRATE(&p, "%s 0 5000 AUTH", "k"), "ERR syntax error");
    harness_expect_error(MIGRATE(&p, "%s 0 5000 AUTH2 user", "k"), "ERR syntax error");
    harness_expect_error(MIGRATE(&p, "%s 0 5000 KEYS a", "k"),
                         "ERR When using MIGRATE KEYS option, the key argument must be set to "
                         "the empty string");
    harness_expect_error(MIGRATE(&p, "%s 0 soon", "k"),
                         "ERR value is not an integer or out of range");
    harness_expect_error(MIGRATE(&p, "%s db 5000", "k"),
                         "ERR value is not an integer or out of range");
    harness_expect_error(MIGRATE(&p, "%s 99 5000", "k"),
                         "ERR Target instance replied with error: ERR DB index is out of range");
    harness_expect_str(harness_cmd(p.s, "GET k"), "v");
    int closed = harness_free_port();
    harness_expect_error(harness_cmd(p.s, "MIGRATE 127.0.0.1 %d k 0 1000", closed),
                         "IOERR error or timeout writing to target instance");
    harness_expect_error(harness_cmd(p.s, "MIGRATE nosuchhost.invalid 6379 k 0 1000"),
                         "IOERR error or timeout connecting to the client");
    harness_expect_str(harness_cmd(p.s, "GET k"), "v");
    pair_down(&p);
}
END_TEST

START_TEST(auth_reaches_a_target_with_a_password)
{
    static const char *const dst_args[] = {"--requirepass", "secret", NULL};
    struct pair p;
    pair_up(&p, NULL, dst_args);
    harness_cmd_ok(p.s, "SET k v");
    redisReply *r = MIGRATE(&p, "%s 0 5000", "k");
    ck_assert_int_eq(r->type, REDIS_REPLY_ERROR);
    ck_assert_str_eq(r->str, "ERR Target instance replied with error: NOAUTH Authentication "
                             "required.");
    freeReplyObject(r);
    harness_expect_status(MIGRATE(&p, "%s 0 5000 AUTH secret", "k"), "OK");
    harness_cmd_ok(p.d, "AUTH secret");
    harness_expect_str(harness_cmd(p.d, "GET k"), "v");
    harness_cmd_ok(p.s, "SET k2 v2");
    harness_expect_status(MIGRATE(&p, "%s 0 5000 AUTH2 default secret", "k2"), "OK");
    harness_expect_str(harness_cmd(p.d, "GET k2"), "v2");
    pair_down(&p);
}
END_TEST

/* The connection stays for the next MIGRATE; one the target closed is
 * replaced at once, as Redis retries. */
START_TEST(the_connection_is_kept_and_replaced_when_gone)
{
    struct pair p;
    pair_up(&p, NULL, NULL);
    harness_cmd_ok(p.s, "SET a 1");
    harness_cmd_ok(p.s, "SET b 2");
    ck_assert_int_eq(harness_info_ll(p.s, "stats", "migrate_cached_sockets"), 0);
    harness_expect_status(MIGRATE(&p, "%s 0 5000", "a"), "OK");
    ck_assert_int_eq(harness_info_ll(p.s, "stats", "migrate_cached_sockets"), 1);
    ck_assert_int_eq(harness_cmd_int(p.d, "CLIENT KILL TYPE normal SKIPME yes"), 1);
    harness_expect_status(MIGRATE(&p, "%s 0 5000", "b"), "OK");
    harness_expect_str(harness_cmd(p.d, "GET b"), "2");
    pair_down(&p);
}
END_TEST

/* The move reaches the AOF as a DEL: replaying it leaves the key gone. */
START_TEST(the_move_is_propagated_as_del)
{
    struct harness_tmpdir dir;
    harness_tmpdir_make(&dir);
    const char *const src_args[] = {"--appendonly", "yes", "--dir", dir.path,
                                    "--enable-debug-command", "yes", NULL};
    struct pair p;
    pair_up(&p, src_args, NULL);
    harness_cmd_ok(p.s, "SET moved 1");
    harness_cmd_ok(p.s, "SET copied 2");
    harness_expect_status(MIGRATE(&p, "%s 0 5000", "moved"), "OK");
    harness_expect_status(MIGRATE(&p, "%s 0 5000 COPY", "copied"), "OK");
    harness_cmd_ok(p.s, "DEBUG LOADAOF");
    harness_expect_int(harness_cmd(p.s, "EXISTS moved"), 0);
    harness_expect_str(harness_cmd(p.s, "GET copied"), "2");
    pair_down(&p);
    harness_tmpdir_remove(&dir);
}
END_TEST

static Suite *migrate_suite(void)
{
    Suite *s = suite_create("migrate");
    TCase *tc = tcase_create("migrate");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, keys_move_with_their_ttl);
    tcase_add_test(tc, copy_keeps_replace_overwrites_busy_refuses);
    tcase_add_test(tc, keys_the_target_took_are_deleted_even_after_an_error);
    tcase_add_test(tc, bad_arguments_get_redis_errors);
    tcase_add_test(tc, auth_reaches_a_target_with_a_password);
    tcase_add_test(tc, the_connection_is_kept_and_replaced_when_gone);
    tcase_add_test(tc, the_move_is_propagated_as_del);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(migrate_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
