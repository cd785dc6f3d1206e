/*
 * check_send_batch.c - server/send_batch: a batch of sends gives each
 * socket what send(2) would (all of it, what fits, -EAGAIN, -EPIPE,
 * -EBADF), in order, without waiting, through io_uring and without it.
 * Each test runs twice: _i 0 with the ring (where the kernel gives one),
 * _i 1 with one send(2) each.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "send_batch.h"

static struct send_batch batch;

static void start(int with_ring)
{
    send_batch_init(&batch, with_ring == 0);
    if (with_ring == 0 && !send_batch_uses_ring(&batch))
        fprintf(stderr, "check_send_batch: no io_uring here, the ring runs are send(2)'s\n");
}

static void pair(int sv[2])
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

/* Everything the socket holds now. */
static size_t drain(int fd, char *into, size_t cap)
{
    size_t got = 0;
    ssize_t n;
    while (got < cap && (n = recv(fd, into + got, cap - got, MSG_DONTWAIT)) > 0)
        got += (size_t)n;
    return got;
}

/* Fill fd's socket until it takes no more. */
static void fill(int fd)
{
    static const char junk[4096];
    while (send(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
        ;
}

START_TEST(each_socket_gets_its_bytes_in_order)
{
    start(_i);
    enum { SOCKETS = 5, RUNS = 300 };
    int sv[SOCKETS][2];
    for (int s = 0; s < SOCKETS; s++)
        pair(sv[s]);
    for (int run = 0; run < RUNS; run++) { /* many runs: the rings wrap */
        char msg[SOCKETS][2][16], got[sizeof(msg[0])];
        for (int s = 0; s < SOCKETS; s++) /* two sends each, in one batch */
            for (int k = 0; k < 2; k++) {
                snprintf(msg[s][k], sizeof(msg[s][k]), "%d:%d:%d,", s, run, k);
                send_batch_add(&batch, sv[s][0], msg[s][k], strlen(msg[s][k]));
            }
        send_batch_run(&batch);
        for (unsigned i = 0; i < batch.count; i++)
            ck_assert_int_eq(batch.items[i].result, (ssize_t)batch.items[i].len);
        send_batch_clear(&batch);
        for (int s = 0; s < SOCKETS; s++) {
            size_t len0 = strlen(msg[s][0]), len1 = strlen(msg[s][1]);
            ck_assert_uint_eq(drain(sv[s][1], got, sizeof(got)), len0 + len1);
            ck_assert_mem_eq(got, msg[s][0], len0);
            ck_assert_mem_eq(got + len0, msg[s][1], len1);
        }
    }
    for (int s = 0; s < SOCKETS; s++) {
        close(sv[s][0]);
        close(sv[s][1]);
    }
    send_batch_fini(&batch);
}
END_TEST

START_TEST(a_full_batch_sends_everything)
{
    start(_i);
    int sv[2];
    pair(sv);
    char bytes[SEND_BATCH_MAX];
    for (int i = 0; i < SEND_BATCH_MAX; i++) {
        bytes[i] = (char)i;
        send_batch_add(&batch, sv[0], &bytes[i], 1);
    }
    ck_assert(send_batch_full(&batch));
    send_batch_run(&batch);
    for (int i = 0; i < SEND_BATCH_MAX; i++)
        ck_assert_int_eq(batch.items[i].result, 1);
    char got[SEND_BATCH_MAX];
    ck_assert_uint_eq(drain(sv[1], got, sizeof(got)), SEND_BATCH_MAX);
    ck_assert_mem_eq(got, bytes, SEND_BATCH_MAX);
    close(sv[0]);
    close(sv[1]);
    send_batch_fini(&batch);
}
END_TEST

/* A full socket, a send bigger than a socket's room, a closed peer and
 * no socket at all, in one batch with one that works: each gets send(2)'s
 * answer, at once. */
START_TEST(failures_and_short_sends_are_send_s)
{
    start(_i);
    int full[2], small[2], closed[2], fine[2];
    pair(full);
    pair(small);
    pair(closed);
    pair(fine);
    fill(full[0]);
    close(closed[1]);
    static char big[1 << 22]; /* more than a socket buffer holds */
    send_batch_add(&batch, full[0], "x", 1);
    send_batch_add(&batch, small[0], big, sizeof(big));
    send_batch_add(&batch, closed[0], "x", 1);
    send_batch_add(&batch, -1, "x", 1);
    send_batch_add(&batch, fine[0], "ok", 2);
    send_batch_run(&batch);
    ck_assert_int_eq(batch.items[0].result, -EAGAIN);
    ck_assert_int_gt(batch.items[1].result, 0);
    ck_assert_int_lt(batch.items[1].result, (ssize_t)sizeof(big));
    ck_assert_int_eq(batch.items[2].result, -EPIPE);
    ck_assert_int_eq(batch.items[3].result, -EBADF);
    ck_assert_int_eq(batch.items[4].result, 2);
    int fds[] = {full[0], full[1], small[0], small[1], closed[0], fine[0], fine[1]};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        close(fds[i]);
    send_batch_fini(&batch);
}
END_TEST

START_TEST(a_single_send_is_send_s)
{
    start(_i);
    int sv[2];
    pair(sv);
    struct send_item it = {.fd = sv[0], .buf = "hello", .len = 5};
    send_batch_send_one(&it);
    ck_assert_int_eq(it.result, 5);
    close(sv[1]);
    send_batch_send_one(&it);
    ck_assert_int_eq(it.result, -EPIPE);
    close(sv[0]);
    send_batch_fini(&batch);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("send_batch");
    TCase *tc = tcase_create("sends");
    tcase_add_loop_test(tc, each_socket_gets_its_bytes_in_order, 0, 2);
    tcase_add_loop_test(tc, a_full_batch_sends_everything, 0, 2);
    tcase_add_loop_test(tc, failures_and_short_sends_are_send_s, 0, 2);
    tcase_add_loop_test(tc, a_single_send_is_send_s, 0, 2);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
