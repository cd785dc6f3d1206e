/*
 * check_stats.c - server/stats.c: per-loop counters summed over loops,
 * CONFIG RESETSTAT while their owners keep counting, and the sampled rates.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "stats.h"

START_TEST(totals_sum_every_loop)
{
    ck_assert_int_eq(stats_init(3, 4), 0);
    stats_add(stats_of_loop(0), STATS_COMMANDS, 5);
    stats_add(stats_of_loop(2), STATS_COMMANDS, 7);
    stats_command_add(stats_of_loop(1), 3, STATS_CMD_CALLS, 2);
    stats_command_add(stats_of_loop(2), 3, STATS_CMD_CALLS, 1);
    ck_assert_int_eq(stats_total(STATS_COMMANDS), 12);
    ck_assert_int_eq(stats_command_total(3, STATS_CMD_CALLS), 3);
    ck_assert_int_eq(stats_command_total(2, STATS_CMD_CALLS), 0);
    ck_assert_ptr_null(stats_of_loop(3));
    stats_deinit();
}
END_TEST

START_TEST(reset_counts_from_zero_again)
{
    ck_assert_int_eq(stats_init(2, 1), 0);
    stats_add(stats_of_loop(0), STATS_NET_INPUT_BYTES, 100);
    stats_command_add(stats_of_loop(1), 0, STATS_CMD_FAILED, 4);
    stats_reset();
    ck_assert_int_eq(stats_total(STATS_NET_INPUT_BYTES), 0);
    ck_assert_int_eq(stats_command_total(0, STATS_CMD_FAILED), 0);
    stats_add(stats_of_loop(0), STATS_NET_INPUT_BYTES, 3);
    ck_assert_int_eq(stats_total(STATS_NET_INPUT_BYTES), 3);
    stats_deinit();
}
END_TEST

/* The owner keeps counting while another thread resets. A reset that
 * zeroed the owner's counter would be undone by the owner's next store
 * (it adds to the value it loaded before the reset), and a read right
 * after the reset would show the old total. */
struct owner {
    atomic_bool stop;
    atomic_llong progress; /* increments done, published after each */
};

static void *count_forever(void *arg)
{
    struct owner *o = arg;
    struct stats_loop *s = stats_of_loop(0);
    while (!atomic_load(&o->stop)) {
        stats_add(s, STATS_COMMANDS, 1);
        atomic_fetch_add(&o->progress, 1);
    }
    return NULL;
}

START_TEST(reset_is_not_lost_while_the_owner_counts)
{
    ck_assert_int_eq(stats_init(1, 1), 0);
    struct owner o = {0};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, count_forever, &o), 0);
    while (atomic_load(&o.progress) < 100000)
        ;
    for (int i = 0; i < 20000; i++) {
        long long before = atomic_load(&o.progress);
        stats_reset();
        long long counted = stats_total(STATS_COMMANDS);
        long long after = atomic_load(&o.progress);
        /* At most what ran since the reset, plus the one increment that
         * may be between its store and its progress mark. */
        ck_assert_msg(counted <= after - before + 1,
                      "round %d: %lld counted after a reset, %lld ran", i, counted,
                      after - before);
    }
    atomic_store(&o.stop, true);
    pthread_join(t, NULL);
    stats_deinit();
}
END_TEST

START_TEST(rates_average_the_samples)
{
    ck_assert_int_eq(stats_init(1, 1), 0);
    long long now = 1000000;
    stats_sample(now);
    for (int i = 0; i < 16; i++) {
        stats_add(stats_of_loop(0), STATS_COMMANDS, 100); /* 100 per 100 ms */
        now += 100;
        stats_sample(now);
    }
    ck_assert_int_eq(stats_instantaneous(STATS_METRIC_COMMANDS), 1000);
    ck_assert_int_eq(stats_instantaneous(STATS_METRIC_NET_INPUT), 0);
    stats_deinit();
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("counters");
    tcase_add_test(tc, totals_sum_every_loop);
    tcase_add_test(tc, reset_counts_from_zero_again);
    tcase_add_test(tc, reset_is_not_lost_while_the_owner_counts);
    tcase_add_test(tc, rates_average_the_samples);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stats_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
