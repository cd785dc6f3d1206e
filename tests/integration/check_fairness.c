/*
 * check_fairness.c - a client that streams a deep pipeline, or one that
 * reads a huge reply, gets a slice of its loop per turn and does not keep
 * the loop's other clients waiting until it is done (conn.c's slices).
 * The server runs one loop (--threads 1), so every client shares it.
 *
 * What is asserted is progress, never speed (one regression test bounds
 * how long a pipeline's last replies wait, against a timer's period): a probe client completes its
 * round trips while the heavy client's work is provably unfinished (keys
 * still missing, reply bytes still unread), and then the heavy client's
 * work is checked whole: every reply, every byte, in order.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixtures.h"
#include "harness.h"

#define BULK_KEYS 500000 /* ~17 MB of SETs: many turns' worth of slices */
#define PROBES 20
#define BIG_ITEMS 200000
#define BIG_READS 3

static void start_one_loop(void)
{
    static const char *const args[] = {"--threads", "1", NULL};
    harness_start(&harness_srv, args);
}

/* ---- a pipeline written in one go -------------------------------------------- */

struct bulk {
    int fd;
    char *buf;
    size_t len;
    int error; /* errno of a failed send, 0 if every byte went */
};

/* The whole pipeline, blocking as long as the server does not read:
 * the writer never reads a reply until it has sent everything. */
static void *bulk_writer(void *arg)
{
    struct bulk *b = arg;
    for (size_t sent = 0; sent < b->len;) {
        ssize_t n = send(b->fd, b->buf + sent, b->len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            b->error = n < 0 ? errno : EPIPE;
            return NULL;
        }
        sent += (size_t)n;
    }
    return NULL;
}

static char *bulk_pipeline(size_t *len)
{
    size_t cap = (size_t)BULK_KEYS * 48, n = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    for (int i = 0; i < BULK_KEYS; i++) {
        char key[24];
        int klen = snprintf(key, sizeof(key), "bulk:%d", i);
        n += (size_t)snprintf(buf + n, cap - n, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n", klen,
                              key);
    }
    *len = n;
    return buf;
}

/* One probe round trip on the shared fixture connection. */
static void probe(int i)
{
    harness_expect_nil(CMD("GET probe:%d", i));
}

START_TEST(a_bulk_load_does_not_stop_another_clients_commands)
{
    struct bulk b = {.fd = harness_raw_connect(&harness_srv)};
    b.buf = bulk_pipeline(&b.len);
    pthread_t writer;
    ck_assert_int_eq(pthread_create(&writer, NULL, bulk_writer, &b), 0);
    HARNESS_WAIT_FOR(harness_cmd_int(harness_ctx, "DBSIZE") > 0, "the bulk load never started");
    for (int i = 0; i < PROBES; i++)
        probe(i);
    /* Each probe waited at most a turn of the bulk client's: the load
     * cannot have finished in PROBES round trips. */
    long long loaded = harness_cmd_int(harness_ctx, "DBSIZE");
    ck_assert_msg(loaded < BULK_KEYS, "the probe waited for the whole bulk load (%lld keys)",
                  loaded);
    ck_assert_int_eq(pthread_join(writer, NULL), 0);
    ck_assert_int_eq(b.error, 0);
    /* Every reply, in order, once the writer turns to reading. */
    size_t want = (size_t)BULK_KEYS * 5;
    char *replies = malloc(want + 1);
    ck_assert_ptr_nonnull(replies);
    ck_assert_uint_eq(harness_raw_recv(b.fd, replies, want + 1, want), want);
    for (size_t i = 0; i < want; i += 5)
        ck_assert_msg(memcmp(replies + i, "+OK\r\n", 5) == 0, "reply %zu is not +OK", i / 5);
    EXPECT_INT(BULK_KEYS, "DBSIZE");
    free(replies);
    free(b.buf);
    close(b.fd);
}
END_TEST

/* ---- a pipeline a few slices long, alone ----------------------------------------------- */

#define SHORT_PIPELINE 1000 /* ~33 KB of SETs: three slices */
#define SHORT_ROUNDS 10
#define TICK_MS 1000        /* the worker's timer (WORKER_TICK_MS), the next thing to wake it */

/* A regression: the loop turn that ran the last slice of a pipeline let
 * the poll sleep before writing its replies, so each such pipeline waited
 * for the worker's next timer tick. Ten rounds would then take about ten
 * ticks; without the fault they take a few milliseconds, so half a tick a
 * round is a bound that no slow machine comes near. */
START_TEST(the_last_slice_of_a_pipeline_is_answered_at_once)
{
    int fd = harness_raw_connect(&harness_srv);
    size_t cap = SHORT_PIPELINE * 48, len = 0, want = SHORT_PIPELINE * 5;
    char *buf = malloc(cap), *replies = malloc(want + 1);
    ck_assert(buf && replies);
    for (int i = 0; i < SHORT_PIPELINE; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "*3\r\n$3\r\nSET\r\n$%d\r\nkey:%05d\r\n$1\r\nv\r\n", 9, i);
    long long start = harness_now_ms();
    for (int round = 0; round < SHORT_ROUNDS; round++) {
        harness_raw_send(fd, buf, len);
        ck_assert_uint_eq(harness_raw_recv(fd, replies, want + 1, want), want);
    }
    long long took = harness_now_ms() - start;
    ck_assert_msg(took < SHORT_ROUNDS * TICK_MS / 2,
                  "%d pipelines of %d SETs took %lld ms: their last replies waited for a timer",
                  SHORT_ROUNDS, SHORT_PIPELINE, took);
    free(buf);
    free(replies);
    close(fd);
}
END_TEST

/* ---- a huge reply, read a little at a time --------------------------------------- */

/* The reply LRANGE big 0 -1 gives for items "item:%07d". */
static char *big_reply(size_t *len)
{
    size_t cap = (size_t)BIG_ITEMS * 20 + 32, n = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    n += (size_t)snprintf(buf, cap, "*%d\r\n", BIG_ITEMS);
    for (int i = 0; i < BIG_ITEMS; i++)
        n += (size_t)snprintf(buf + n, cap - n, "$12\r\nitem:%07d\r\n", i);
    *len = n;
    return buf;
}

static void fill_big_list(void)
{
    for (int i = 0; i < BIG_ITEMS; i += 1000) {
        int argc = 1002;
        const char **argv = malloc(sizeof(*argv) * (size_t)argc);
        char(*items)[16] = malloc(16 * 1000);
        ck_assert(argv != NULL && items != NULL);
        argv[0] = "RPUSH";
        argv[1] = "big";
        for (int j = 0; j < 1000; j++) {
            snprintf(items[j], 16, "item:%07d", i + j);
            argv[j + 2] = items[j];
        }
        harness_expect_int(redisCommandArgv(harness_ctx, argc, argv, NULL), i + 1000);
        free(items);
        free(argv);
    }
}

START_TEST(a_client_reading_a_huge_reply_slowly_does_not_stop_others)
{
    fill_big_list();
    size_t len;
    char *expect = big_reply(&len);
    int fd = harness_raw_connect(&harness_srv);
    for (int i = 0; i < BIG_READS; i++)
        harness_raw_send_line(fd, "LRANGE big 0 -1");
    size_t total = len * BIG_READS, got = 0;
    char *replies = malloc(total + 1);
    ck_assert_ptr_nonnull(replies);
    /* A probe round trip, then a little of the big replies, and again. */
    for (int i = 0; i < PROBES; i++) {
        probe(i);
        got += harness_raw_recv(fd, replies + got, 4096 + 1, 4096);
    }
    ck_assert_uint_lt(got, total);
    got += harness_raw_recv(fd, replies + got, total - got + 1, total - got);
    ck_assert_uint_eq(got, total);
    for (int i = 0; i < BIG_READS; i++)
        ck_assert_msg(memcmp(replies + (size_t)i * len, expect, len) == 0,
                      "LRANGE reply %d differs", i);
    free(replies);
    free(expect);
    close(fd);
}
END_TEST

static Suite *fairness_suite(void)
{
    Suite *s = suite_create("fairness");
    TCase *tc = harness_server_case("fairness", start_one_loop, NULL);
    tcase_add_test(tc, a_bulk_load_does_not_stop_another_clients_commands);
    tcase_add_test(tc, a_client_reading_a_huge_reply_slowly_does_not_stop_others);
    tcase_add_test(tc, the_last_slice_of_a_pipeline_is_answered_at_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fairness_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
