/*
 * check_knobs.c - Redis 7.0's tuning options end to end: CONFIG GET/SET of
 * the encoding limits and the other options clients and test harnesses
 * set, with their aliases (hash-max-ziplist-entries...) and Redis's error
 * texts (compared with redis-server 7.0.15); the encodings OBJECT
 * ENCODING reports as the limits change (the same sequences give the same
 * answers on redis-server); options accepted without effect logging a
 * warning; dir as an absolute path that CONFIG SET changes the process to.
 */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"

#define SET_FAILED(name) "ERR CONFIG SET failed (possibly related to argument '" name "') - "
#define LONG_RANGE "argument must be between 0 and 9223372036854775807 inclusive"

/* Every test of the shared server starts from Redis's default limits. */
static void connect_with_default_limits(void)
{
    harness_connect_and_flush();
    EXPECT_OK("CONFIG SET hash-max-listpack-entries 512 hash-max-listpack-value 64 "
              "set-max-intset-entries 512 zset-max-listpack-entries 128 "
              "zset-max-listpack-value 64");
}

/* CONFIG GET of one name: its value. */
static void expect_config(const char *name, const char *value)
{
    const char *want[] = {name, value};
    EXPECT_ARRAY(want, "CONFIG GET %s", name);
}

/* ---- CONFIG GET / SET -------------------------------------------------------------- */

START_TEST(defaults_are_redis_7_0s)
{
    static const char *const pairs[][2] = {
        {"hash-max-listpack-entries", "512"}, {"hash-max-ziplist-entries", "512"},
        {"hash-max-listpack-value", "64"},    {"hash-max-ziplist-value", "64"},
        {"set-max-intset-entries", "512"},    {"zset-max-listpack-entries", "128"},
        {"zset-max-ziplist-entries", "128"},  {"zset-max-listpack-value", "64"},
        {"zset-max-ziplist-value", "64"},     {"list-max-listpack-size", "-2"},
        {"list-max-ziplist-size", "-2"},      {"list-compress-depth", "0"},
        {"lua-time-limit", "5000"},           {"busy-reply-threshold", "5000"},
        {"activerehashing", "yes"},           {"lazyfree-lazy-user-flush", "no"},
        {"lazyfree-lazy-eviction", "no"},     {"lazyfree-lazy-expire", "no"},
        {"lazyfree-lazy-server-del", "no"},   {"lazyfree-lazy-user-del", "no"},
        {"latency-tracking", "yes"},          {"stream-node-max-bytes", "4096"},
        {"stream-node-max-entries", "100"},   {"set-proc-title", "yes"},
        {"protected-mode", "yes"},            {"active-expire-effort", "1"},
        {"enable-protected-configs", "no"},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        expect_config(pairs[i][0], pairs[i][1]);
}
END_TEST

/* An alias is the same option under another name, listed by a pattern
 * as an option of its own, as Redis 7.0 does. */
START_TEST(aliases_share_the_value_and_patterns_list_both)
{
    EXPECT_OK("CONFIG SET hash-max-ziplist-entries 7");
    expect_config("hash-max-listpack-entries", "7");
    EXPECT_OK("CONFIG SET zset-max-ziplist-value 1k");
    expect_config("zset-max-listpack-value", "1000");
    EXPECT_OK("CONFIG SET lua-time-limit 300");
    expect_config("busy-reply-threshold", "300");
    EXPECT_OK("CONFIG SET busy-reply-threshold 5000");
    EXPECT_OK("CONFIG SET list-max-ziplist-size 5");
    expect_config("list-max-listpack-size", "5");
    EXPECT_OK("CONFIG SET list-max-listpack-size -2");
    /* Two names of one option in one CONFIG SET: Redis takes both, in order. */
    EXPECT_OK("CONFIG SET zset-max-ziplist-entries 4 zset-max-listpack-entries 5");
    expect_config("zset-max-ziplist-entries", "5");
    const char *names[] = {"hash-max-listpack-entries", "hash-max-ziplist-entries",
                           "hash-max-listpack-value", "hash-max-ziplist-value"};
    redisReply *r = CMD("CONFIG GET hash-max-*");
    harness_assert_array(r, 8);
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(harness_array_has(r, names[i]), "%s missing", names[i]);
    freeReplyObject(r);
    /* A plain name is shown as asked for. */
    const char *asked[] = {"LUA-TIME-LIMIT", "5000"};
    EXPECT_ARRAY(asked, "CONFIG GET LUA-TIME-LIMIT");
}
END_TEST

START_TEST(bad_values_get_redis_texts)
{
    EXPECT_ERR(SET_FAILED("hash-max-listpack-entries") LONG_RANGE,
               "CONFIG SET hash-max-listpack-entries -1");
    EXPECT_ERR(SET_FAILED("hash-max-ziplist-entries") LONG_RANGE,
               "CONFIG SET HASH-MAX-ZIPLIST-ENTRIES -1");
    EXPECT_ERR(SET_FAILED("set-max-intset-entries") "argument couldn't be parsed into an "
                          "integer",
               "CONFIG SET set-max-intset-entries abc");
    EXPECT_ERR(SET_FAILED("hash-max-listpack-value") "argument must be a memory value",
               "CONFIG SET hash-max-listpack-value -1");
    EXPECT_ERR(SET_FAILED("list-max-listpack-size") "argument must be between -2147483648 and "
                          "2147483647 inclusive",
               "CONFIG SET list-max-listpack-size 5000000000");
    EXPECT_ERR(SET_FAILED("list-compress-depth") "argument must be between 0 and 2147483647 "
                          "inclusive",
               "CONFIG SET list-compress-depth -1");
    EXPECT_ERR(SET_FAILED("activerehashing") "argument must be 'yes' or 'no'",
               "CONFIG SET activerehashing maybe");
    EXPECT_ERR(SET_FAILED("lua-time-limit") LONG_RANGE, "CONFIG SET lua-time-limit -1");
    EXPECT_ERR(SET_FAILED("active-expire-effort") "argument must be between 1 and 10 inclusive",
               "CONFIG SET active-expire-effort 11");
    EXPECT_ERR(SET_FAILED("set-proc-title") "can't set immutable config",
               "CONFIG SET set-proc-title no");
    EXPECT_ERR(SET_FAILED("enable-protected-configs") "can't set immutable config",
               "CONFIG SET enable-protected-configs yes");
    EXPECT_ERR(SET_FAILED("dir") "can't set protected config", "CONFIG SET dir /tmp");
    EXPECT_ERR("ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
               "CONFIG SET foo bar");
    /* All or nothing: the good one before the bad one is put back. */
    EXPECT_ERR(SET_FAILED("set-max-intset-entries") "argument couldn't be parsed into an "
                          "integer",
               "CONFIG SET hash-max-listpack-entries 3 set-max-intset-entries x");
    expect_config("hash-max-listpack-entries", "512");
    EXPECT_OK("CONFIG SET stream-node-max-bytes 1k hash-max-ziplist-value 10gb");
    expect_config("stream-node-max-bytes", "1000");
    expect_config("hash-max-ziplist-value", "10737418240");
    EXPECT_OK("CONFIG SET stream-node-max-bytes 4096");
}
END_TEST

/* ---- encodings as the limits change --------------------------------------------------- */

START_TEST(hash_entries_and_value_limits)
{
    EXPECT_OK("CONFIG SET hash-max-listpack-entries 4");
    EXPECT_INT(4, "HSET h a 1 b 2 c 3 d 4");
    EXPECT_ENCODING("h", "listpack");
    EXPECT_INT(1, "HSET h e 5");
    EXPECT_ENCODING("h", "hashtable");
    EXPECT_INT(4, "HDEL h a b c d"); /* never back */
    EXPECT_ENCODING("h", "hashtable");
    EXPECT_OK("CONFIG SET hash-max-listpack-entries 0");
    EXPECT_INT(1, "HSET h0 a b");
    EXPECT_ENCODING("h0", "hashtable");
    EXPECT_OK("CONFIG SET hash-max-listpack-entries 512 hash-max-listpack-value 3");
    EXPECT_INT(1, "HSET h2 a 123");
    EXPECT_ENCODING("h2", "listpack");
    EXPECT_INT(1, "HSET h2 b 1234");
    EXPECT_ENCODING("h2", "hashtable");
    EXPECT_INT(1, "HSET h3 a 1");
    EXPECT_INT(1001, "HINCRBY h3 a 1000");
    EXPECT_ENCODING("h3", "hashtable");
    EXPECT_INT(1, "HSET h4 a 1");
    EXPECT_INT(0, "HSETNX h4 a 12345"); /* not written: Redis 7.0 checks nothing */
    EXPECT_ENCODING("h4", "listpack");
    /* A high limit keeps long values compact, and they read back whole. */
    char big[301];
    memset(big, 'v', 300);
    big[300] = '\0';
    EXPECT_OK("CONFIG SET hash-max-listpack-value 1000");
    EXPECT_INT(2, "HSET h5 f %s g 1", big);
    EXPECT_INT(0, "HSET h5 g %s", big);
    EXPECT_INT(0, "HSET h5 f x");
    EXPECT_ENCODING("h5", "listpack");
    EXPECT_STR("x", "HGET h5 f");
    EXPECT_STR(big, "HGET h5 g");
    EXPECT_ARRAY(((const char *[]){"f", "x", "g", big}), "HGETALL h5");
}
END_TEST

START_TEST(set_intset_limit)
{
    EXPECT_OK("CONFIG SET set-max-intset-entries 3");
    EXPECT_INT(3, "SADD s 1 2 3");
    EXPECT_ENCODING("s", "intset");
    EXPECT_INT(1, "SADD s 4");
    EXPECT_ENCODING("s", "hashtable");
    EXPECT_INT(3, "SREM s 1 2 3");
    EXPECT_ENCODING("s", "hashtable");
    EXPECT_OK("CONFIG SET set-max-intset-entries 0");
    EXPECT_INT(1, "SADD s0 1");
    EXPECT_ENCODING("s0", "hashtable");
    EXPECT_OK("CONFIG SET set-max-intset-entries 2");
    EXPECT_INT(2, "SUNIONSTORE u s s0"); /* built as an intset, as Redis does */
    EXPECT_ENCODING("u", "intset");
}
END_TEST

START_TEST(zset_limits_and_the_sign_of_zero)
{
    EXPECT_OK("CONFIG SET zset-max-listpack-entries 2");
    EXPECT_INT(2, "ZADD z 1 a 2 b");
    EXPECT_ENCODING("z", "listpack");
    EXPECT_INT(1, "ZADD z 3 c");
    EXPECT_ENCODING("z", "skiplist");
    EXPECT_INT(3, "ZUNIONSTORE u 1 z");
    EXPECT_ENCODING("u", "skiplist");
    EXPECT_INT(2, "ZRANGESTORE r z 0 1");
    EXPECT_ENCODING("r", "listpack");
    EXPECT_INT(3, "ZRANGESTORE r2 z 0 2");
    EXPECT_ENCODING("r2", "skiplist");
    /* A skiplist from the first member keeps -0; a listpack stores 0. */
    EXPECT_OK("CONFIG SET zset-max-listpack-entries 0");
    EXPECT_INT(1, "ZADD z0 -0 a");
    EXPECT_ENCODING("z0", "skiplist");
    EXPECT_STR("-0", "ZSCORE z0 a");
    EXPECT_OK("CONFIG SET zset-max-listpack-entries 128 zset-max-listpack-value 2");
    EXPECT_INT(1, "ZADD z1 -0 ab");
    EXPECT_ENCODING("z1", "listpack");
    EXPECT_STR("0", "ZSCORE z1 ab");
    EXPECT_INT(1, "ZADD z1 1 abc");
    EXPECT_ENCODING("z1", "skiplist");
}
END_TEST

/* FLUSHALL without a mode follows lazyfree-lazy-user-flush (ASYNC frees
 * elsewhere; the keys are gone at once either way). */
START_TEST(flush_follows_lazyfree_lazy_user_flush)
{
    EXPECT_OK("CONFIG SET lazyfree-lazy-user-flush yes");
    EXPECT_INT(3, "SADD s a b c");
    EXPECT_OK("FLUSHALL");
    EXPECT_INT(0, "DBSIZE");
    EXPECT_OK("CONFIG SET lazyfree-lazy-user-flush no");
}
END_TEST

/* ---- a server of its own: the log, dir ----------------------------------------------- */

static size_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    ck_assert_int_ge(n, 0);
    buf[n] = '\0';
    return (size_t)n;
}

/* An option Grove accepts without acting on it names itself in a warning
 * when set to anything but what Grove does; an honoured one does not. */
START_TEST(options_without_effect_log_a_warning)
{
    const char *log = harness_temp_file("");
    const char *args[] = {"--logfile", log, NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    harness_cmd_ok(c, "CONFIG SET no-appendfsync-on-rewrite yes hash-max-listpack-entries 4");
    harness_cmd_ok(c, "CONFIG SET stream-node-max-entries 5"); /* honoured: quiet */
    harness_cmd_ok(c, "CONFIG SET lazyfree-lazy-user-del yes"); /* honoured: quiet */
    harness_cmd_ok(c, "CONFIG SET list-max-listpack-size 5"); /* honoured: quiet */
    harness_cmd_ok(c, "CONFIG SET list-compress-depth 2");    /* honoured: quiet */
    harness_expect_status(harness_cmd(c, "PING"), "PONG");
    redisFree(c);
    harness_stop(&s);
    char text[16384];
    read_file(log, text, sizeof(text));
    ck_assert_msg(strstr(text, "no-appendfsync-on-rewrite is set to 'yes'") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "list-compress-depth") == NULL, "%s", text);
    ck_assert_msg(strstr(text, "lazyfree-lazy-user-del") == NULL, "%s", text);
    ck_assert_msg(strstr(text, "stream-node-max-entries") == NULL, "%s", text);
    ck_assert_msg(strstr(text, "hash-max-listpack-entries") == NULL, "%s", text);
    ck_assert_msg(strstr(text, "list-max-listpack-size") == NULL, "%s", text);
}
END_TEST

/* Redis's "CONFIG sanity": every option CONFIG GET * lists takes its own
 * value back (or is refused as immutable or protected), and the server
 * lives on; the options without effect also take another value. */
START_TEST(every_option_takes_its_own_value_back)
{
    redisReply *all = CMD("CONFIG GET *");
    for (size_t i = 0; i + 1 < all->elements; i += 2) {
        const char *name = all->element[i]->str, *value = all->element[i + 1]->str;
        redisReply *r = harness_cmd(harness_ctx, "CONFIG SET %s %s", name, value);
        ck_assert_msg(r->type == REDIS_REPLY_STATUS ||
                          (r->type == REDIS_REPLY_ERROR &&
                           (strstr(r->str, "immutable") || strstr(r->str, "protected"))),
                      "CONFIG SET %s %s: %s", name, value, r->str);
        freeReplyObject(r);
    }
    freeReplyObject(all);
    EXPECT_OK("CONFIG SET bind-source-addr 127.0.0.2 cluster-announce-ip 10.0.0.1");
    EXPECT_OK("CONFIG SET bind-source-addr \"\" cluster-announce-ip \"\"");
    EXPECT_STATUS("PONG", "PING");
}
END_TEST

/* Redis's own test suite starts servers with tests/assets/default.conf
 * and some units add hidden debug options: they start Grove, the logo
 * names the pid its harness waits for, and MODULE LOAD, allowed there,
 * fails as a Redis load does. */
START_TEST(redis_test_suite_options_start_it)
{
    const char *log = harness_temp_file("");
    const char *args[] = {"--logfile", log, "--loglevel", "verbose", "--always-show-logo", "yes",
                          "--enable-module-command", "yes", "--propagation-error-behavior",
                          "panic", "--latency-monitor-threshold", "1", "--use-exit-on-panic",
                          "yes", "--crash-memcheck-enabled", "no",
                          "--loading-process-events-interval-bytes", "1024", NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    long long pid = harness_info_ll(c, "server", "process_id");
    harness_expect_error(harness_cmd(c, "MODULE LOAD /nonexistent.so"),
                         "ERR Error loading the extension. Please check the server logs.");
    harness_expect_error(harness_cmd(c, "MODULE UNLOAD x"),
                         "ERR Error unloading module: no such module with that name");
    redisFree(c);
    harness_stop(&s);
    char text[16384], want[64];
    read_file(log, text, sizeof(text));
    snprintf(want, sizeof(want), " PID: %lld\n", pid);
    ck_assert_msg(strstr(text, want) != NULL, "%s", text);
    ck_assert_msg(strstr(text, "Module /nonexistent.so failed to load") != NULL, "%s", text);
}
END_TEST

/* Every option Redis 7.0 lists is there, cluster mode and active
 * defragmentation refused as Grove (or Debian's Redis) cannot do them. */
START_TEST(config_get_lists_every_option)
{
    redisReply *r = CMD("CONFIG GET *");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_gt(r->elements, 2 * 190); /* Redis 7.0.15 has 192 */
    bool cluster = false, tls = false;
    for (size_t i = 0; i < r->elements; i += 2) {
        cluster |= strcmp(r->element[i]->str, "cluster-enabled") == 0;
        tls |= strcmp(r->element[i]->str, "tls-session-caching") == 0;
    }
    ck_assert(cluster && tls);
    freeReplyObject(r);
    EXPECT_ERR("ERR CONFIG SET failed (possibly related to argument 'activedefrag') - Active "
               "defragmentation cannot be enabled: it requires a Redis server compiled with a "
               "modified Jemalloc like the one shipped by default with the Redis source "
               "distribution", "CONFIG SET activedefrag yes");
    char out[4096];
    const char *args[] = {"--port", "0", "--cluster-enabled", "yes", NULL};
    ck_assert_int_ne(harness_run_to_exit(args, out, sizeof(out)), 0);
    ck_assert_msg(strstr(out, "Grove has no cluster mode") != NULL, "%s", out);
}
END_TEST

START_TEST(dir_is_absolute_and_config_set_changes_it)
{
    char tmp[] = "/tmp/grove-knobs-XXXXXX", sub[64], resolved[PATH_MAX];
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(sub, sizeof(sub), "%s/sub", tmp);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    ck_assert_ptr_nonnull(realpath(tmp, resolved));
    const char *args[] = {"--enable-protected-configs", "yes", "--dir", tmp, NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    const char *at_start[] = {"dir", resolved};
    harness_expect_array(harness_cmd(c, "CONFIG GET dir"), 2, at_start);
    harness_expect_error(harness_cmd(c, "CONFIG SET dir /nonexistent/x"),
                         SET_FAILED("dir") "No such file or directory");
    harness_expect_error(harness_cmd(c, "CONFIG SET dir /dev/null"),
                         SET_FAILED("dir") "Not a directory");
    harness_cmd_ok(c, "CONFIG SET dir sub"); /* relative to the current one */
    char now[PATH_MAX + 8];
    snprintf(now, sizeof(now), "%s/sub", resolved);
    const char *after[] = {"dir", now};
    harness_expect_array(harness_cmd(c, "CONFIG GET dir"), 2, after);
    harness_cmd_ok(c, "CONFIG SET dir ..");
    harness_expect_array(harness_cmd(c, "CONFIG GET dir"), 2, at_start);
    redisFree(c);
    harness_stop(&s);
    rmdir(sub);
    rmdir(tmp);
}
END_TEST

/* enable-protected-configs local: a client on 127.0.0.1 may set dir. */
START_TEST(protected_configs_local_lets_a_loopback_client_set_dir)
{
    const char *args[] = {"--enable-protected-configs", "local", NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    harness_cmd_ok(c, "CONFIG SET dir /");
    const char *root[] = {"dir", "/"};
    harness_expect_array(harness_cmd(c, "CONFIG GET dir"), 2, root);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* Without a --dir, the working directory the server started in, whole. */
START_TEST(default_dir_is_an_absolute_path)
{
    redisReply *r = CMD("CONFIG GET dir");
    harness_assert_array(r, 2);
    ck_assert_msg(r->element[1]->str[0] == '/', "dir %s", r->element[1]->str);
    freeReplyObject(r);
}
END_TEST

static Suite *knobs_suite(void)
{
    Suite *s = suite_create("knobs");
    TCase *tc = harness_server_case("config", NULL, connect_with_default_limits);
    tcase_add_test(tc, defaults_are_redis_7_0s);
    tcase_add_test(tc, aliases_share_the_value_and_patterns_list_both);
    tcase_add_test(tc, bad_values_get_redis_texts);
    tcase_add_test(tc, default_dir_is_an_absolute_path);
    suite_add_tcase(s, tc);
    tc = harness_server_case("encodings", NULL, connect_with_default_limits);
    tcase_add_test(tc, hash_entries_and_value_limits);
    tcase_add_test(tc, set_intset_limit);
    tcase_add_test(tc, zset_limits_and_the_sign_of_zero);
    tcase_add_test(tc, flush_follows_lazyfree_lazy_user_flush);
    tcase_add_test(tc, config_get_lists_every_option);
    tcase_add_test(tc, every_option_takes_its_own_value_back);
    suite_add_tcase(s, tc);
    tc = tcase_create("own_server");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, options_without_effect_log_a_warning);
    tcase_add_test(tc, redis_test_suite_options_start_it);
    tcase_add_test(tc, dir_is_absolute_and_config_set_changes_it);
    tcase_add_test(tc, protected_configs_local_lets_a_loopback_client_set_dir);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(knobs_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
