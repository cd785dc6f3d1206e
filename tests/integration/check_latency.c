/*
 * check_latency.c - the latency tooling against a real grove-server
 * (server/latency.c, stats.c's histograms, INFO latencystats): per-command
 * histograms summed over the worker loops, their percentiles and resets,
 * the latency monitor's events and reports, and every error text.
 *
 * Expected texts and reply shapes were taken from redis-server 7.0.15.
 * Latencies themselves are never asserted, only what they must satisfy
 * (a DEBUG SLEEP 0.02 took 20 ms or more).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"

#define ERR_SET_PERCENTILES                                                                    \
    "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - "
#define DOCTOR_DISABLED                                                                        \
    "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. " \
    "You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable "  \
    "it. If we weren't in a deep space mission I'd suggest to take a look at "                  \
    "https://redis.io/topics/latency-monitor.\n"
#define DOCTOR_NOTHING                                                                         \
    "Dave, no latency spike was observed during the lifetime of this Redis instance, not in "   \
    "the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and " \
    "think things over.\n"

/* INFO latencystats' line for `name` ("set", "client|id") without its
 * "latency_percentiles_usec_<name>:" prefix, in buf; false if absent. */
static bool latency_line(redisContext *c, const char *name, char *buf, size_t cap)
{
    char field[96];
    snprintf(field, sizeof(field), "latency_percentiles_usec_%s", name);
    return harness_info_field(c, "latencystats", field, buf, cap);
}

/* LATENCY HISTOGRAM's entry for `name` in a reply (a flat RESP2 map). */
static const redisReply *histogram_of(const redisReply *r, const char *name)
{
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    for (size_t i = 0; i + 1 < r->elements; i += 2)
        if (strcmp(r->element[i]->str, name) == 0)
            return r->element[i + 1];
    return NULL;
}

/* Whether `usec` is one of Redis's bucket labels: the highest value of the
 * slot of each power of two from 1024 ns, in whole microseconds (1, 2, 4,
 * 8, 16, 33, 66, 132...), or of the last slot (1073741). */
static bool bucket_label(long long usec)
{
    for (int m = 10; m < 30; m++)
        if (usec == ((1LL << m) + (1LL << (m - 7)) - 1) / 1000)
            return true;
    return usec == 1073741;
}

/* {calls, N, histogram_usec, {usec, count, ...}}: Redis's buckets, counts
 * growing to N. Returns N. */
static long long check_histogram(const redisReply *h)
{
    ck_assert_ptr_nonnull(h);
    harness_assert_array(h, 4);
    ck_assert_str_eq(h->element[0]->str, "calls");
    ck_assert_str_eq(h->element[2]->str, "histogram_usec");
    long long calls = h->element[1]->integer, last = 0;
    const redisReply *b = h->element[3];
    ck_assert_uint_ge(b->elements, 2);
    for (size_t i = 0; i + 1 < b->elements; i += 2) {
        long long usec = b->element[i]->integer, count = b->element[i + 1]->integer;
        ck_assert_msg(bucket_label(usec), "bucket %lld", usec);
        ck_assert_int_gt(count, last);
        last = count;
    }
    ck_assert_int_eq(last, calls);
    return calls;
}

static long long histogram_calls(const char *name)
{
    redisReply *r = CMD("LATENCY HISTOGRAM %s", name);
    const redisReply *h = histogram_of(r, name);
    long long calls = h ? check_histogram(h) : 0;
    freeReplyObject(r);
    return calls;
}

/* ---- per-command histograms ------------------------------------------------------- */

START_TEST(info_latencystats_has_each_command_run_since_resetstat)
{
    char line[512];
    EXPECT_OK("CONFIG RESETSTAT");
    EXPECT_OK("SET a b");
    EXPECT_STR("b", "GET a");
    ck_assert(latency_line(harness_ctx, "set", line, sizeof(line)));
    ck_assert_msg(strncmp(line, "p50=", 4) == 0 && strstr(line, ",p99=") && strstr(line, ",p99.9="),
                  "%s", line);
    ck_assert(latency_line(harness_ctx, "get", line, sizeof(line)));
    ck_assert(latency_line(harness_ctx, "config|resetstat", line, sizeof(line)));
    ck_assert(!latency_line(harness_ctx, "incr", line, sizeof(line)));
    EXPECT_OK("CONFIG RESETSTAT");
    ck_assert(!latency_line(harness_ctx, "set", line, sizeof(line)));
    ck_assert(latency_line(harness_ctx, "config|resetstat", line, sizeof(line)));
}
END_TEST

/* As Redis 7.0.15: not in INFO nor INFO default, in all and everything,
 * between Errorstats and Cluster. */
START_TEST(latencystats_is_shown_by_all_everything_and_its_name)
{
    static const char *const with[] = {"all", "everything", "latencystats", "LATENCYSTATS"};
    redisReply *r = CMD("INFO");
    ck_assert_ptr_null(strstr(r->str, "# Latencystats"));
    freeReplyObject(r);
    r = CMD("INFO default");
    ck_assert_ptr_null(strstr(r->str, "# Latencystats"));
    freeReplyObject(r);
    for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++) {
        r = CMD("INFO %s", with[i]);
        ck_assert_ptr_nonnull(strstr(r->str, "# Latencystats\r\nlatency_percentiles_usec_"));
        freeReplyObject(r);
    }
    r = CMD("INFO all");
    char *errors = strstr(r->str, "# Errorstats"), *lat = strstr(r->str, "# Latencystats");
    char *cluster = strstr(r->str, "# Cluster");
    ck_assert(errors && lat && cluster && errors < lat && lat < cluster);
    freeReplyObject(r);
}
END_TEST

START_TEST(latency_tracking_no_records_nothing)
{
    char line[512];
    EXPECT_OK("CONFIG RESETSTAT");
    EXPECT_OK("CONFIG SET latency-tracking no");
    EXPECT_OK("SET a b");
    ck_assert(!latency_line(harness_ctx, "set", line, sizeof(line)));
    EXPECT_OK("CONFIG SET latency-tracking yes");
    EXPECT_OK("SET a b");
    ck_assert(latency_line(harness_ctx, "set", line, sizeof(line)));
    harness_expect_cmdstat(harness_ctx, "set", 2, 0, 0); /* commandstats counted both */
}
END_TEST

START_TEST(percentiles_are_configured_and_shown_as_redis_prints_them)
{
    static const char *const dflt[] = {"latency-tracking-info-percentiles", "50 99 99.9"};
    static const char *const set[] = {"latency-tracking-info-percentiles", "10 50.5 16 0 100"};
    static const char *const none[] = {"latency-tracking-info-percentiles", ""};
    char line[512];
    EXPECT_OK("CONFIG RESETSTAT");
    EXPECT_ARRAY(dflt, "CONFIG GET latency-tracking-info-percentiles");
    EXPECT_OK("CONFIG SET latency-tracking-info-percentiles %s", "1e1 50.50 0x10 0.0000001 100");
    EXPECT_ARRAY(set, "CONFIG GET latency-tracking-info-percentiles");
    EXPECT_OK("SET a b");
    ck_assert(latency_line(harness_ctx, "set", line, sizeof(line)));
    ck_assert_msg(strncmp(line, "p10=", 4) == 0 && strstr(line, ",p50.5=") && strstr(line, ",p16=") &&
                      strstr(line, ",p0=") && strstr(line, ",p100="),
                  "%s", line);
    /* one call: every percentile is its slot; p0 its lowest value, others its highest */
    double p0, p100;
    ck_assert_int_eq(sscanf(strstr(line, ",p0=") + 4, "%lf", &p0), 1);
    ck_assert_int_eq(sscanf(strstr(line, ",p100=") + 6, "%lf", &p100), 1);
    ck_assert(p0 <= p100 && p100 - p0 <= p100 / 64);
    EXPECT_OK("CONFIG SET latency-tracking-info-percentiles %s", "");
    EXPECT_ARRAY(none, "CONFIG GET latency-tracking-info-percentiles");
    ck_assert(latency_line(harness_ctx, "set", line, sizeof(line)));
    ck_assert_str_eq(line, "");
    EXPECT_OK("CONFIG SET latency-tracking-info-percentiles %s", "50 99 99.9");
}
END_TEST

START_TEST(bad_percentiles_are_refused_and_change_nothing)
{
    static const char *const dflt[] = {"latency-tracking-info-percentiles", "50 99 99.9"};
    static const char *const invalid[] = {"10.0 50.0 a", "50  99", " 50", "50 ", "nan", "50,99"};
    static const char *const outside[] = {"10.0 50.0 101.0", "-1", "inf", "101 a"};
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
        EXPECT_ERR(ERR_SET_PERCENTILES "Invalid latency-tracking-info-percentiles parameters",
                   "CONFIG SET latency-tracking-info-percentiles %s", invalid[i]);
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
        EXPECT_ERR(ERR_SET_PERCENTILES "latency-tracking-info-percentiles parameters should sit "
                                       "between [0.0,100.0]",
                   "CONFIG SET latency-tracking-info-percentiles %s", outside[i]);
    EXPECT_ARRAY(dflt, "CONFIG GET latency-tracking-info-percentiles");
}
END_TEST

/* Connections land on both loops; the histograms of both add up. */
START_TEST(histograms_of_every_loop_add_up)
{
    enum { CLIENTS = 8, CALLS = 25 };
    redisContext *c[CLIENTS];
    EXPECT_OK("CONFIG RESETSTAT");
    for (int i = 0; i < CLIENTS; i++) {
        c[i] = harness_connect(&harness_srv);
        for (int j = 0; j < CALLS; j++)
            harness_cmd_int(c[i], "INCR counter");
    }
    ck_assert_int_eq(histogram_calls("incr"), CLIENTS * CALLS);
    char line[512];
    ck_assert(latency_line(harness_ctx, "incr", line, sizeof(line)));
    /* a reset reaches the loops that have not run anything since */
    harness_cmd_ok(c[0], "CONFIG RESETSTAT");
    ck_assert_int_eq(histogram_calls("incr"), 0);
    ck_assert(!latency_line(harness_ctx, "incr", line, sizeof(line)));
    for (int i = 0; i < CLIENTS; i++) {
        harness_cmd_int(c[i], "INCR counter");
        redisFree(c[i]);
    }
    ck_assert_int_eq(histogram_calls("incr"), CLIENTS);
}
END_TEST

START_TEST(scripts_and_blocked_commands_are_recorded)
{
    EXPECT_OK("CONFIG RESETSTAT");
    freeReplyObject(CMD("EVAL %s 0", "redis.call('set','k','v') return redis.call('get','k')"));
    ck_assert_int_eq(histogram_calls("set"), 1);
    ck_assert_int_eq(histogram_calls("get"), 1);
    ck_assert_int_eq(histogram_calls("eval"), 1);
    redisContext *waiter = harness_connect(&harness_srv);
    redisAppendCommand(waiter, "BLPOP list 0");
    ck_assert_int_eq(redisBufferWrite(waiter, &(int){0}), REDIS_OK);
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1);
    EXPECT_INT(1, "LPUSH list a");
    redisReply *r = NULL;
    ck_assert_int_eq(redisGetReply(waiter, (void **)&r), REDIS_OK);
    freeReplyObject(r);
    ck_assert_int_eq(histogram_calls("blpop"), 1);
    redisFree(waiter);
}
END_TEST

START_TEST(latency_histogram_selects_commands_and_subcommands)
{
    EXPECT_OK("CONFIG RESETSTAT");
    freeReplyObject(CMD("CLIENT ID"));
    freeReplyObject(CMD("CLIENT LIST"));
    EXPECT_OK("SET a b");
    redisReply *r = CMD("LATENCY HISTOGRAM client");
    harness_assert_array(r, 4); /* the container gives its subcommands */
    ck_assert_int_eq(check_histogram(histogram_of(r, "client|id")), 1);
    ck_assert_int_eq(check_histogram(histogram_of(r, "client|list")), 1);
    freeReplyObject(r);
    r = CMD("LATENCY HISTOGRAM CLIENT|ID nosuch get|x a|b|c client|nosuch SET");
    harness_assert_array(r, 4);
    ck_assert_str_eq(r->element[0]->str, "client|id");
    ck_assert_str_eq(r->element[2]->str, "set");
    freeReplyObject(r);
    EXPECT_EMPTY("LATENCY HISTOGRAM nosuch incr");
    r = CMD("LATENCY HISTOGRAM");
    ck_assert_ptr_nonnull(histogram_of(r, "config|resetstat"));
    ck_assert_ptr_nonnull(histogram_of(r, "set"));
    ck_assert_ptr_null(histogram_of(r, "client"));
    freeReplyObject(r);
}
END_TEST

START_TEST(latency_histogram_is_a_map_of_maps_in_resp3)
{
    static const char prefix[] = "%1\r\n$3\r\nset\r\n%2\r\n$5\r\ncalls\r\n:1\r\n"
                                 "$14\r\nhistogram_usec\r\n%1\r\n:";
    EXPECT_OK("CONFIG RESETSTAT");
    EXPECT_OK("SET a b");
    int fd = harness_resp3_connect(&harness_srv);
    harness_raw_send_line(fd, "LATENCY HISTOGRAM set");
    char buf[256];
    harness_raw_recv(fd, buf, sizeof(buf), sizeof(prefix) - 1);
    ck_assert_mem_eq(buf, prefix, sizeof(prefix) - 1);
    close(fd);
}
END_TEST

/* ---- the latency monitor ------------------------------------------------------------ */

static void expect_text(redisReply *r, const char *text)
{
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_str_eq(r->str, text);
    freeReplyObject(r);
}

START_TEST(the_monitor_is_off_by_default)
{
    static const char *const threshold[] = {"latency-monitor-threshold", "0"};
    EXPECT_ARRAY(threshold, "CONFIG GET latency-monitor-threshold");
    EXPECT_INT(0, "LATENCY RESET");
    EXPECT_OK("DEBUG SLEEP 0.02");
    EXPECT_EMPTY("LATENCY LATEST");
    EXPECT_EMPTY("LATENCY HISTORY command");
    expect_text(CMD("LATENCY DOCTOR"), DOCTOR_DISABLED);
    EXPECT_OK("CONFIG SET latency-monitor-threshold 1000");
    expect_text(CMD("LATENCY DOCTOR"), DOCTOR_NOTHING);
    EXPECT_OK("CONFIG SET latency-monitor-threshold 0");
}
END_TEST

START_TEST(slow_commands_become_command_events)
{
    EXPECT_OK("CONFIG SET latency-monitor-threshold 10");
    EXPECT_INT(0, "LATENCY RESET");
    EXPECT_STATUS("PONG", "PING");
    EXPECT_OK("DEBUG SLEEP 0.02");
    redisReply *r = CMD("LATENCY LATEST");
    harness_assert_array(r, 1);
    const redisReply *e = r->element[0];
    harness_assert_array(e, 4);
    ck_assert_str_eq(e->element[0]->str, "command");
    ck_assert_int_ge(e->element[1]->integer, harness_wall_ms() / 1000 - 5);
    ck_assert_int_ge(e->element[2]->integer, 20);
    ck_assert_int_eq(e->element[3]->integer, e->element[2]->integer);
    freeReplyObject(r);
    r = CMD("LATENCY HISTORY command");
    harness_assert_array(r, 1);
    harness_assert_array(r->element[0], 2);
    ck_assert_int_ge(r->element[0]->element[1]->integer, 20);
    freeReplyObject(r);
    EXPECT_EMPTY("LATENCY HISTORY COMMAND"); /* names are case-sensitive here */
    r = CMD("LATENCY GRAPH command");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert(strncmp(r->str, "command - high ", 15) == 0);
    ck_assert_ptr_nonnull(strstr(r->str, "\n----------------------------------------"
                                         "----------------------------------------\n"));
    freeReplyObject(r);
    r = CMD("LATENCY DOCTOR");
    ck_assert_ptr_nonnull(strstr(r->str, "1. command: 1 latency spikes (average "));
    ck_assert_ptr_nonnull(strstr(r->str, "- Check your Slow Log to understand what are the "
                                         "commands you are running which are too slow"));
    freeReplyObject(r);
    EXPECT_INT(0, "LATENCY RESET nosuch");
    EXPECT_INT(1, "LATENCY RESET nosuch COMMAND");
    EXPECT_EMPTY("LATENCY LATEST");
    EXPECT_OK("CONFIG SET latency-monitor-threshold 0");
}
END_TEST

/* A key of 300,000 members takes milliseconds to free when it expires. */
START_TEST(expiring_a_big_key_is_an_expire_cycle_event)
{
    EXPECT_OK("CONFIG SET latency-monitor-threshold 1");
    /* 1,000 members a SADD: one per call took over the reply timeout
     * under TSan on a loaded machine. */
    freeReplyObject(CMD("EVAL %s 1 big 300000",
                        "local b = {} for i = 1, tonumber(ARGV[1]) do b[#b + 1] = i "
                        "if #b == 1000 then redis.call('sadd', KEYS[1], unpack(b)) b = {} end end"));
    freeReplyObject(CMD("LATENCY RESET"));
    EXPECT_INT(1, "PEXPIRE big 10");
    size_t events = 0;
    for (int i = 0; i < 200 && events == 0; i++) { /* the cron's next passes */
        harness_sleep_ms(20);
        redisReply *r = CMD("LATENCY HISTORY expire-cycle");
        events = r->elements;
        freeReplyObject(r);
    }
    ck_assert_uint_eq(events, 1);
    EXPECT_INT(0, "EXISTS big");
    EXPECT_OK("CONFIG SET latency-monitor-threshold 0");
    EXPECT_INT(1, "LATENCY RESET expire-cycle");
}
END_TEST

START_TEST(latency_errors_and_help_are_redis_texts)
{
    static const char *const help[] = {
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the "
        "specified command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    };
    redisReply *r = CMD("LATENCY HELP");
    harness_assert_array(r, sizeof(help) / sizeof(help[0]));
    for (size_t i = 0; i < r->elements; i++)
        ck_assert_str_eq(r->element[i]->str, help[i]);
    freeReplyObject(r);
    EXPECT_ERR("ERR wrong number of arguments for 'latency' command", "LATENCY");
    EXPECT_ERR("ERR unknown subcommand 'foo'. Try LATENCY HELP.", "LATENCY foo");
    EXPECT_ERR("ERR wrong number of arguments for 'latency|help' command", "LATENCY HELP x");
    EXPECT_ERR("ERR wrong number of arguments for 'latency|history' command", "LATENCY HISTORY");
    EXPECT_ERR("ERR wrong number of arguments for 'latency|graph' command", "LATENCY GRAPH");
    EXPECT_ERR("ERR wrong number of arguments for 'latency|latest' command", "LATENCY LATEST x");
    EXPECT_ERR("ERR wrong number of arguments for 'latency|doctor' command", "LATENCY DOCTOR x");
    EXPECT_ERR("ERR No samples available for event 'nosuch'", "LATENCY GRAPH nosuch");
    EXPECT_ERR("ERR CONFIG SET failed (possibly related to argument 'latency-monitor-threshold') "
               "- argument must be between 0 and 9223372036854775807 inclusive",
               "CONFIG SET latency-monitor-threshold -1");
    EXPECT_ERR("ERR CONFIG SET failed (possibly related to argument 'latency-monitor-threshold') "
               "- argument couldn't be parsed into an integer",
               "CONFIG SET latency-monitor-threshold abc");
}
END_TEST

static void start_with_debug(void)
{
    static const char *const args[] = {"--threads", "2", "--enable-debug-command", "yes", NULL};
    harness_start(&harness_srv, args);
}

int main(void)
{
    Suite *s = suite_create("latency");
    TCase *hist = harness_server_case("histograms", start_with_debug, NULL);
    TCase *monitor = harness_server_case("monitor", start_with_debug, NULL);

    tcase_add_test(hist, info_latencystats_has_each_command_run_since_resetstat);
    tcase_add_test(hist, latencystats_is_shown_by_all_everything_and_its_name);
    tcase_add_test(hist, latency_tracking_no_records_nothing);
    tcase_add_test(hist, percentiles_are_configured_and_shown_as_redis_prints_them);
    tcase_add_test(hist, bad_percentiles_are_refused_and_change_nothing);
    tcase_add_test(hist, histograms_of_every_loop_add_up);
    tcase_add_test(hist, scripts_and_blocked_commands_are_recorded);
    tcase_add_test(hist, latency_histogram_selects_commands_and_subcommands);
    tcase_add_test(hist, latency_histogram_is_a_map_of_maps_in_resp3);
    tcase_add_test(monitor, the_monitor_is_off_by_default);
    tcase_add_test(monitor, slow_commands_become_command_events);
    tcase_add_test(monitor, expiring_a_big_key_is_an_expire_cycle_event);
    tcase_add_test(monitor, latency_errors_and_help_are_redis_texts);
    suite_add_tcase(s, hist);
    suite_add_tcase(s, monitor);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
