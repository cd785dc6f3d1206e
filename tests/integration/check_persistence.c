/*
 * check_persistence.c - RDB snapshots end to end: SAVE / BGSAVE and a
 * restart give back every type, TTLs and databases; keys past their time
 * are not loaded; BGSAVE under concurrent writers saves a consistent
 * state while the server keeps answering; save points, SHUTDOWN SAVE /
 * NOSAVE and SIGTERM save as Redis; a corrupt file stops start-up; a
 * failed bgsave gives MISCONF; INFO persistence and LASTSAVE; a dump.rdb
 * written by redis-server 7.0.15 loads (embedded), and redis-check-rdb
 * accepts Grove's file where it is installed. While the file loads
 * (slowed by key-load-delay) commands get -LOADING and INFO shows the
 * progress; a shutdown then never saves; SHUTDOWN's arguments and a save
 * failing at shutdown behave as Redis 7.0's.
 *
 * Every server runs in a temporary directory of its own, removed after.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#include "../data/redis7_dump_rdb.h"

#define MISCONF_PREFIX "MISCONF Redis is configured to save RDB snapshots"

/* ---- helpers ------------------------------------------------------------------------ */

static void dump_path(const struct harness_tmpdir *d, char *out, size_t cap)
{
    snprintf(out, cap, "%s/dump.rdb", d->path);
}

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static size_t read_file(const char *path, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* A server in `d` with `save` points and up to 4 more arguments. */
static void up(struct harness_fixture *f, const struct harness_tmpdir *d, const char *save,
               const char *a1, const char *a2)
{
    const char *args[] = {"--dir", d->path, "--save", save, "--threads", "2", a1, a2, NULL};
    harness_up(f, args);
}

/* Temporary RDB files (temp-<pid>.rdb) in `d`. */
static int temp_files(const struct harness_tmpdir *d)
{
    DIR *dir = opendir(d->path);
    ck_assert_ptr_nonnull(dir);
    int n = 0;
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir))
        n += strncmp(e->d_name, "temp-", 5) == 0;
    closedir(dir);
    return n;
}

static void wait_temp_file(const struct harness_tmpdir *d)
{
    long long deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    while (temp_files(d) == 0) {
        ck_assert_msg(harness_now_ms() < deadline, "no temp-<pid>.rdb in %s", d->path);
        harness_sleep_ms(5);
    }
}

static void wait_no_bgsave(redisContext *c)
{
    harness_wait_info_ll(c, "persistence", "rdb_bgsave_in_progress", 0);
}

/* SHUTDOWN NOSAVE and wait for the exit. */
static void down_nosave(struct harness_fixture *f)
{
    redisReply *r = redisCommand(f->c, "SHUTDOWN NOSAVE");
    if (r)
        freeReplyObject(r);
    redisFree(f->c);
    harness_wait_exit(&f->s);
}

/* ---- round trips -------------------------------------------------------------------- */

static void fill_every_type(redisContext *c)
{
    harness_cmd_ok(c, "SET str hello");
    harness_cmd_ok(c, "SET int 12345");
    harness_cmd_int(c, "RPUSH list a b c 1 2 3");
    harness_cmd_int(c, "SADD intset 1 2 3 100000");
    harness_cmd_int(c, "SADD set a b c");
    harness_cmd_int(c, "HSET hash f1 v1 f2 2");
    harness_cmd_int(c, "ZADD zset 1 a 2.5 b -3 c");
    for (int i = 0; i < 300; i++) {
        harness_cmd_int(c, "RPUSH biglist element-%d-padding-padding-padding", i);
        harness_cmd_int(c, "SADD bigset member%d", i);
        harness_cmd_int(c, "HSET bighash field%d value%d", i, i);
        harness_cmd_int(c, "ZADD bigzset %d.5 m%d", i, i);
        freeReplyObject(harness_cmd(c, "XADD bigstream %d-1 f v%d", i + 1, i));
    }
    harness_expect_str(harness_cmd(c, "XADD stream 1-0 f v"), "1-0");
    harness_cmd_ok(c, "XGROUP CREATE stream g 0");
    freeReplyObject(harness_cmd(c, "XREADGROUP GROUP g c STREAMS stream >"));
    harness_cmd_ok(c, "SET ttl v PX 100000000");
    harness_expect_status(harness_cmd(c, "SELECT 7"), "OK");
    harness_cmd_ok(c, "SET db7 seven");
    harness_expect_status(harness_cmd(c, "SELECT 0"), "OK");
    harness_expect_str(harness_cmd(c, "FUNCTION LOAD %s",
                                   "#!lua name=plib\n"
                                   "redis.register_function('pf', function() return 'p' end)"),
                       "plib");
}

static void expect_every_type(redisContext *c)
{
    harness_expect_str(harness_cmd(c, "GET str"), "hello");
    harness_expect_str(harness_cmd(c, "GET int"), "12345");
    harness_expect_array(harness_cmd(c, "LRANGE list 0 -1"), 6,
                         (const char *[]){"a", "b", "c", "1", "2", "3"});
    harness_expect_set(harness_cmd(c, "SMEMBERS intset"), 4,
                       (const char *[]){"1", "2", "3", "100000"});
    harness_expect_set(harness_cmd(c, "SMEMBERS set"), 3, (const char *[]){"a", "b", "c"});
    harness_expect_str(harness_cmd(c, "HGET hash f2"), "2");
    harness_expect_array(harness_cmd(c, "ZRANGE zset 0 -1 WITHSCORES"), 6,
                         (const char *[]){"c", "-3", "a", "1", "b", "2.5"});
    harness_expect_int(harness_cmd(c, "LLEN biglist"), 300);
    harness_expect_str(harness_cmd(c, "LINDEX biglist 299"), "element-299-padding-padding-padding");
    harness_expect_int(harness_cmd(c, "SCARD bigset"), 300);
    harness_expect_int(harness_cmd(c, "SISMEMBER bigset member150"), 1);
    harness_expect_int(harness_cmd(c, "HLEN bighash"), 300);
    harness_expect_str(harness_cmd(c, "HGET bighash field77"), "value77");
    harness_expect_int(harness_cmd(c, "ZCARD bigzset"), 300);
    harness_expect_str(harness_cmd(c, "ZSCORE bigzset m42"), "42.5");
    harness_expect_str(harness_cmd(c, "OBJECT ENCODING bigzset"), "skiplist");
    harness_expect_str(harness_cmd(c, "OBJECT ENCODING intset"), "intset");
    harness_expect_int(harness_cmd(c, "XLEN bigstream"), 300);
    redisReply *r = harness_cmd(c, "XREVRANGE bigstream + - COUNT 1");
    ck_assert_str_eq(r->element[0]->element[0]->str, "300-1");
    freeReplyObject(r);
    harness_expect_int(harness_cmd(c, "XACK stream g 1-0"), 1);
    long long ttl = harness_cmd_int(c, "PTTL ttl");
    ck_assert(ttl > 99000000 && ttl <= 100000000);
    harness_expect_int(harness_cmd(c, "PTTL str"), -1);
    harness_expect_str(harness_cmd(c, "FCALL pf 0"), "p");
    harness_expect_status(harness_cmd(c, "SELECT 7"), "OK");
    harness_expect_str(harness_cmd(c, "GET db7"), "seven");
    harness_expect_int(harness_cmd(c, "DBSIZE"), 1);
}

START_TEST(save_then_restart_keeps_every_type_ttl_and_database)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "", NULL, NULL);
    fill_every_type(f.c);
    harness_cmd_ok(f.c, "SET soon v PX 300");
    long long soon_at = harness_wall_ms() + 300;
    harness_expect_status(harness_cmd(f.c, "SAVE"), "OK");
    down_nosave(&f);
    while (harness_wall_ms() <= soon_at + 5)
        harness_sleep_ms(20);
    up(&f, &d, "", NULL, NULL);
    expect_every_type(f.c);
    harness_expect_status(harness_cmd(f.c, "SELECT 0"), "OK");
    harness_expect_int(harness_cmd(f.c, "EXISTS soon"), 0);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_last_load_keys_expired"), 1);
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

START_TEST(bgsave_then_restart_keeps_every_type)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "", NULL, NULL);
    fill_every_type(f.c);
    harness_expect_status(harness_cmd(f.c, "BGSAVE"), "Background saving started");
    wait_no_bgsave(f.c);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_saves"), 1);
    down_nosave(&f);
    up(&f, &d, "", NULL, NULL);
    expect_every_type(f.c);
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

START_TEST(redis_written_file_loads)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    char path[128];
    harness_tmpdir_make(&d);
    dump_path(&d, path, sizeof(path));
    write_file(path, redis7_dump_rdb, sizeof(redis7_dump_rdb));
    up(&f, &d, "", NULL, NULL);
    redisContext *c = f.c;
    harness_expect_str(harness_cmd(c, "GET str"), "hello");
    harness_expect_int(harness_cmd(c, "PEXPIRETIME str"), 4102444800000LL);
    harness_expect_str(harness_cmd(c, "GET int"), "12345");
    harness_expect_int(harness_cmd(c, "STRLEN long"), 200);
    harness_expect_array(harness_cmd(c, "LRANGE list 0 -1"), 6,
                         (const char *[]){"a", "b", "c", "1", "2", "3"});
    harness_expect_int(harness_cmd(c, "LLEN biglist"), 300);
    harness_expect_str(harness_cmd(c, "LINDEX biglist 0"),
                       "element-number-1-padding-padding-padding");
    harness_expect_set(harness_cmd(c, "SMEMBERS intset"), 4,
                       (const char *[]){"1", "2", "3", "100000"});
    harness_expect_set(harness_cmd(c, "SMEMBERS set"), 3, (const char *[]){"a", "b", "c"});
    harness_expect_int(harness_cmd(c, "SCARD bigset"), 200);
    harness_expect_str(harness_cmd(c, "HGET hash f1"), "v1");
    harness_expect_int(harness_cmd(c, "HLEN bighash"), 200);
    harness_expect_str(harness_cmd(c, "HGET bighash field200"), "value200");
    harness_expect_array(harness_cmd(c, "ZRANGE zset 0 -1 WITHSCORES"), 6,
                         (const char *[]){"c", "-3", "a", "1", "b", "2.5"});
    harness_expect_int(harness_cmd(c, "ZCARD bigzset"), 200);
    harness_expect_str(harness_cmd(c, "FCALL fixf 0"), "fix");
    harness_expect_status(harness_cmd(c, "SELECT 2"), "OK");
    harness_expect_int(harness_cmd(c, "EXISTS ttlgone"), 0);
    harness_expect_str(harness_cmd(c, "GET db2key"), "v2");
    harness_expect_status(harness_cmd(c, "SELECT 5"), "OK");
    ck_assert_int_gt(harness_cmd_int(c, "EXPIRETIME h5"), 3700000000LL);
    ck_assert_int_eq(harness_info_ll(c, "persistence", "rdb_last_load_keys_loaded"), 14);
    ck_assert_int_eq(harness_info_ll(c, "persistence", "rdb_last_load_keys_expired"), 1);
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

/* Where redis-check-rdb is installed, it accepts Grove's file. */
START_TEST(redis_check_rdb_accepts_grove_file)
{
    if (system("command -v redis-check-rdb >/dev/null 2>&1") != 0) {
        fprintf(stderr, "redis-check-rdb not installed: skipping its check\n");
        return;
    }
    struct harness_tmpdir d;
    struct harness_fixture f;
    char cmd[256];
    harness_tmpdir_make(&d);
    up(&f, &d, "", NULL, NULL);
    fill_every_type(f.c);
    harness_expect_status(harness_cmd(f.c, "SAVE"), "OK");
    snprintf(cmd, sizeof(cmd), "redis-check-rdb %s/dump.rdb >/dev/null 2>&1", d.path);
    ck_assert_int_eq(system(cmd), 0);
    harness_cmd_ok(f.c, "CONFIG SET rdbcompression no");
    harness_expect_status(harness_cmd(f.c, "SAVE"), "OK");
    ck_assert_int_eq(system(cmd), 0);
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

/* ---- BGSAVE while clients write -------------------------------------------------------- */

#define PAIRS 2000

struct writer {
    int port;
    atomic_bool stop;
    long rounds;
};

/* Writes a_i and b_i together (MULTI) with the same value, over and over:
 * a snapshot taken between the two would show them different. */
static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct grove_server s = {.port = w->port};
    redisContext *c = harness_connect(&s);
    for (long n = 1; !atomic_load(&w->stop); n++) {
        int i = (int)(n % PAIRS);
        redisAppendCommand(c, "MULTI");
        redisAppendCommand(c, "SET a%d %ld", i, n);
        redisAppendCommand(c, "SET b%d %ld", i, n);
        redisAppendCommand(c, "EXEC");
        for (int k = 0; k < 4; k++) {
            redisReply *r;
            if (redisGetReply(c, (void **)&r) != REDIS_OK)
                abort();
            freeReplyObject(r);
        }
        w->rounds = n;
    }
    redisFree(c);
    return NULL;
}

START_TEST(bgsave_under_writers_saves_a_consistent_state)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    pthread_t t;
    harness_tmpdir_make(&d);
    up(&f, &d, "", NULL, NULL);
    for (int i = 0; i < PAIRS; i++) {
        redisAppendCommand(f.c, "MSET a%d 0 b%d 0", i, i);
    }
    for (int i = 0; i < PAIRS; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(f.c, (void **)&r), REDIS_OK);
        freeReplyObject(r);
    }
    struct writer w = {.port = f.s.port};
    ck_assert_int_eq(pthread_create(&t, NULL, writer_main, &w), 0);
    for (int round = 0; round < 3; round++) {
        harness_expect_status(harness_cmd(f.c, "BGSAVE"), "Background saving started");
        harness_expect_status(harness_cmd(f.c, "PING"), "PONG");
        wait_no_bgsave(f.c);
    }
    atomic_store(&w.stop, true);
    pthread_join(t, NULL);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_saves"), 3);
    {
        char status[16];
        ck_assert(harness_info_field(f.c, "persistence", "rdb_last_bgsave_status", status,
                                     sizeof(status)));
        ck_assert_str_eq(status, "ok");
    }
    down_nosave(&f);
    up(&f, &d, "", NULL, NULL);
    harness_expect_int(harness_cmd(f.c, "DBSIZE"), 2 * PAIRS);
    for (int i = 0; i < PAIRS; i++) {
        redisReply *r = harness_cmd(f.c, "MGET a%d b%d", i, i);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_str_eq(r->element[0]->str, r->element[1]->str);
        freeReplyObject(r);
    }
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

#ifdef GROVE_FAULT_INJECTION
/* A child that does not finish (GROVE_FAULTS bgsave-stall): BGSAVE and
 * SAVE are refused while it runs, INFO shows it and its copy-on-write, and
 * SHUTDOWN NOSAVE kills it, leaving no file behind. */
START_TEST(a_running_child_blocks_saves_until_shutdown_kills_it)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    char path[128];
    harness_tmpdir_make(&d);
    setenv("GROVE_FAULTS", "bgsave-stall=1", 1);
    up(&f, &d, "", NULL, NULL);
    unsetenv("GROVE_FAULTS");
    harness_cmd_ok(f.c, "SET k v");
    harness_expect_status(harness_cmd(f.c, "BGSAVE"), "Background saving started");
    harness_expect_error(harness_cmd(f.c, "BGSAVE"), "ERR Background save already in progress");
    harness_expect_error(harness_cmd(f.c, "BGSAVE SCHEDULE"),
                         "ERR Background save already in progress");
    harness_expect_error(harness_cmd(f.c, "SAVE"), "ERR Background save already in progress");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_bgsave_in_progress"), 1);
    ck_assert_int_ge(harness_info_ll(f.c, "persistence", "rdb_current_bgsave_time_sec"), 0);
    harness_expect_str(harness_cmd(f.c, "GET k"), "v"); /* the server keeps answering */
    /* Writes while the child holds the old pages: the parent's copies
     * leave them private to the child, which INFO shows as its
     * copy-on-write (sampled by the parent's cron). */
    for (int round = 0; round < 50 && harness_info_ll(f.c, "persistence", "current_cow_size") == 0;
         round++)
        harness_pipeline_int(f.c, "SET key:%d 0123456789012345678901234567890123456789", 0, 20000);
    ck_assert_int_gt(harness_info_ll(f.c, "persistence", "current_cow_size"), 0);
    ck_assert_int_ge(harness_info_ll(f.c, "persistence", "current_cow_peak"),
                     harness_info_ll(f.c, "persistence", "current_cow_size"));
    down_nosave(&f);
    dump_path(&d, path, sizeof(path));
    ck_assert(!file_exists(path));
    ck_assert_int_eq(rmdir(d.path), 0); /* nothing left behind */
}
END_TEST
#endif

/* ---- when saves happen ----------------------------------------------------------------- */

START_TEST(save_point_triggers_bgsave)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    char path[128];
    harness_tmpdir_make(&d);
    dump_path(&d, path, sizeof(path));
    up(&f, &d, "1 1", NULL, NULL);
    harness_cmd_ok(f.c, "SET k v");
    harness_wait_info_ll(f.c, "persistence", "rdb_saves", 1);
    ck_assert(file_exists(path));
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_changes_since_last_save"), 0);
    harness_cmd_ok(f.c, "CONFIG SET save %s", "");
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

/* rdb-key-save-delay (Redis's test knob) slows the child by its
 * microseconds per key; the child keeps the value it was forked with. */
START_TEST(rdb_key_save_delay_slows_the_saving_child)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "", NULL, NULL);
    harness_cmd_ok(f.c, "MSET a 1 b 2");
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 500000");
    harness_expect_status(harness_cmd(f.c, "BGSAVE"), "Background saving started");
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 0");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_bgsave_in_progress"), 1);
    harness_expect_error(harness_cmd(f.c, "BGSAVE"), "ERR Background save already in progress");
    harness_wait_info_ll(f.c, "persistence", "rdb_bgsave_in_progress", 0);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_changes_since_last_save"), 0);
    down_nosave(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

START_TEST(bgsave_in_multi_is_scheduled_and_save_is_refused)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "", NULL, NULL);
    harness_expect_status(harness_cmd(f.c, "MULTI"), "OK");
    harness_expect_error(harness_cmd(f.c, "SAVE"),
                         "ERR Command not allowed inside a transaction");
    harness_expect_status(harness_cmd(f.c, "DISCARD"), "OK");
    harness_expect_status(harness_cmd(f.c, "MULTI"), "OK");
    harness_expect_status(harness_cmd(f.c, "BGSAVE"), "QUEUED");
    redisReply *r = harness_cmd(f.c, "EXEC");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_str_eq(r->element[0]->str, "Background saving scheduled");
    freeReplyObject(r);
    harness_wait_info_ll(f.c, "persistence", "rdb_saves", 1);
    harness_expect_error(harness_cmd(f.c, "BGSAVE NOW"), "ERR syntax error");
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

/* FLUSHALL with save points set saves the emptied data at once (Redis's
 * flushAllDataAndResetRDB): no change is left pending and a restart does
 * not bring the keys back; a BGSAVE still writing the old keys is stopped.
 * From a script the cron saves; without save points nothing is saved. */
START_TEST(flushall_saves_the_emptied_data_when_save_points_are_set)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "3600 1 300 100", NULL, NULL);
    harness_cmd_ok(f.c, "SET k v");
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 10000000");
    harness_expect_status(harness_cmd(f.c, "BGSAVE"), "Background saving started");
    harness_cmd_ok(f.c, "FLUSHALL");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_bgsave_in_progress"), 0);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_changes_since_last_save"), 0);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_saves"), 1);
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 0");
    harness_cmd_ok(f.c, "SET k v");
    freeReplyObject(harness_cmd(f.c, "EVAL %s 0", "return redis.call('flushall')"));
    harness_wait_info_ll(f.c, "persistence", "rdb_changes_since_last_save", 0);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_saves"), 2);
    harness_cmd_ok(f.c, "SET k v");
    down_nosave(&f);

    up(&f, &d, "", NULL, NULL);
    ck_assert_int_eq(harness_cmd_int(f.c, "DBSIZE"), 0);
    harness_cmd_ok(f.c, "SET k v");
    harness_cmd_ok(f.c, "FLUSHALL");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_changes_since_last_save"), 2);
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

START_TEST(shutdown_save_and_nosave)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "", NULL, NULL);
    harness_cmd_ok(f.c, "SET k first");
    redisReply *r = redisCommand(f.c, "SHUTDOWN SAVE");
    if (r)
        freeReplyObject(r);
    redisFree(f.c);
    harness_wait_exit(&f.s);

    up(&f, &d, "3600 1", NULL, NULL);
    harness_expect_str(harness_cmd(f.c, "GET k"), "first");
    harness_cmd_ok(f.c, "SET k second");
    down_nosave(&f);

    up(&f, &d, "3600 1", NULL, NULL);
    harness_expect_str(harness_cmd(f.c, "GET k"), "first");
    harness_cmd_ok(f.c, "SET k third");
    r = redisCommand(f.c, "SHUTDOWN"); /* save points set: saves */
    if (r)
        freeReplyObject(r);
    redisFree(f.c);
    harness_wait_exit(&f.s);

    up(&f, &d, "", NULL, NULL);
    harness_expect_str(harness_cmd(f.c, "GET k"), "third");
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

/* As Redis's finishShutdown: SHUTDOWN NOSAVE stops a saving child and
 * removes its file before connections are refused (Redis's shutdown unit,
 * whose servers have save points, looks for the file the moment it
 * cannot connect). */
START_TEST(shutdown_removes_the_child_s_file_before_refusing_connections)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "3600 1", NULL, NULL);
    harness_cmd_ok(f.c, "MSET a 1 b 2");
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 10000000");
    harness_expect_status(harness_cmd(f.c, "BGSAVE"), "Background saving started");
    wait_temp_file(&d);
    ck_assert_ptr_null(redisCommand(f.c, "SHUTDOWN NOSAVE")); /* the connection ends */
    ck_assert_int_eq(temp_files(&d), 0);
    redisFree(f.c);
    harness_wait_exit(&f.s);
    harness_tmpdir_remove(&d);
}
END_TEST

/* A SIGINT while a signal's shutdown saves means "exit now", as Redis's
 * sigShutdownHandler: the save stops, its temporary file is removed, no
 * dump.rdb is written, and the exit status says it was not clean. */
START_TEST(a_second_sigint_exits_at_once_during_the_shutdown_save)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    char path[128];
    harness_tmpdir_make(&d);
    dump_path(&d, path, sizeof(path));
    up(&f, &d, "3600 1", NULL, NULL);
    harness_cmd_ok(f.c, "MSET a 1 b 2");
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 10000000");
    kill(f.s.pid, SIGINT);
    wait_temp_file(&d);
    kill(f.s.pid, SIGINT);
    int status = harness_wait_status(&f.s);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d", status);
    ck_assert_int_eq(temp_files(&d), 0);
    ck_assert(!file_exists(path));
    redisFree(f.c);
    harness_tmpdir_remove(&d);
}
END_TEST

START_TEST(sigterm_saves_when_save_points_are_set)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "3600 1", NULL, NULL);
    harness_cmd_ok(f.c, "SET k v");
    harness_down(&f); /* SIGTERM */
    up(&f, &d, "", NULL, NULL);
    harness_expect_str(harness_cmd(f.c, "GET k"), "v");
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

/* ---- failures ------------------------------------------------------------------------- */

/* Start-up on `file` must fail with a message containing `want`. */
static void expect_refused(const struct harness_tmpdir *d, const unsigned char *file, size_t len,
                           const char *want)
{
    char path[128], out[4096], port[16];
    dump_path(d, path, sizeof(path));
    write_file(path, file, len);
    snprintf(port, sizeof(port), "%d", harness_free_port()); /* port 0 would listen nowhere */
    const char *args[] = {"--port", port, "--dir", d->path, "--save", "", NULL};
    ck_assert_int_ne(harness_run_to_exit(args, out, sizeof(out)), 0);
    ck_assert_msg(strstr(out, want) != NULL, "no '%s' in: %s", want, out);
    ck_assert_msg(strstr(out, path) != NULL, "the file is not named in: %s", out);
}

START_TEST(corrupt_file_refuses_start_up)
{
    struct harness_tmpdir d;
    unsigned char buf[sizeof(redis7_dump_rdb)];
    harness_tmpdir_make(&d);
    expect_refused(&d, redis7_dump_rdb, sizeof(redis7_dump_rdb) / 2,
                   "Short read or OOM loading DB. Unrecoverable error, aborting now.");
    memcpy(buf, redis7_dump_rdb, sizeof(buf));
    unsigned char *hello = memmem(buf, sizeof(buf), "hello", 5);
    ck_assert_ptr_nonnull(hello);
    hello[0] ^= 0x01; /* still well formed: only the checksum can tell */
    expect_refused(&d, buf, sizeof(buf), "RDB CRC error"); /* Redis's words: its tests wait */
    /* A corrupt file ends with Redis's last words before it exits. */
    expect_refused(&d, buf, sizeof(buf), "Terminating server after rdb file reading failure.");
    expect_refused(&d, (const unsigned char *)"REDIS0011\xff", 10,
                   "Can't handle RDB format version 11");
    /* A stream key: Grove has no streams. */
    expect_refused(&d, (const unsigned char *)"REDIS0010\x15\x01s\x00\x00", 14, "stream");
    harness_tmpdir_remove(&d);
}
END_TEST

START_TEST(failed_bgsave_gives_misconf_to_writes)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "3600 1", NULL, NULL);
    harness_cmd_ok(f.c, "SET k v");
    ck_assert_int_eq(rmdir(d.path), 0); /* the child cannot create its file */
    harness_expect_status(harness_cmd(f.c, "BGSAVE"), "Background saving started");
    wait_no_bgsave(f.c);
    char status[16];
    ck_assert(harness_info_field(f.c, "persistence", "rdb_last_bgsave_status", status,
                                 sizeof(status)));
    ck_assert_str_eq(status, "err");
    redisReply *r = harness_cmd(f.c, "SET k w");
    ck_assert_int_eq(r->type, REDIS_REPLY_ERROR);
    ck_assert_msg(strncmp(r->str, MISCONF_PREFIX, strlen(MISCONF_PREFIX)) == 0, "%s", r->str);
    freeReplyObject(r);
    r = harness_cmd(f.c, "PING");
    ck_assert_int_eq(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    /* A script's writes too, one by one (its reads go on), as Redis's. */
    r = harness_cmd(f.c, "EVAL %s 1 k", "return redis.call('set', KEYS[1], 'w')");
    ck_assert_int_eq(r->type, REDIS_REPLY_ERROR);
    ck_assert_msg(strncmp(r->str, MISCONF_PREFIX, strlen(MISCONF_PREFIX)) == 0, "%s", r->str);
    freeReplyObject(r);
    harness_expect_str(harness_cmd(f.c, "EVAL %s 1 k", "return redis.call('get', KEYS[1])"),
                       "v");
    harness_expect_str(harness_cmd(f.c, "GET k"), "v");
    harness_expect_error(harness_cmd(f.c, "SAVE"), "ERR");
    /* SHUTDOWN cannot save either: it refuses, as Redis. */
    harness_expect_error(harness_cmd(f.c, "SHUTDOWN"), "ERR Errors trying to SHUTDOWN. Check logs.");
    harness_cmd_ok(f.c, "CONFIG SET stop-writes-on-bgsave-error no");
    harness_cmd_ok(f.c, "SET k w");
    harness_cmd_ok(f.c, "CONFIG SET save %s", "");
    harness_down(&f); /* the directory is gone already */
}
END_TEST

/* ---- INFO, LASTSAVE, config ------------------------------------------------------------ */

START_TEST(info_persistence_and_lastsave_follow_saves)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "", NULL, NULL);
    long long start = harness_cmd_int(f.c, "LASTSAVE");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_last_save_time"), start);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_saves"), 0);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_last_bgsave_time_sec"), -1);
    harness_cmd_ok(f.c, "SET a 1");
    harness_cmd_ok(f.c, "SET b 1");
    harness_cmd_int(f.c, "DEL a");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_changes_since_last_save"), 3);
    while (harness_wall_ms() / 1000 <= start)
        harness_sleep_ms(20);
    harness_expect_status(harness_cmd(f.c, "SAVE"), "OK");
    ck_assert_int_gt(harness_cmd_int(f.c, "LASTSAVE"), start);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_changes_since_last_save"), 0);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_saves"), 1);
    harness_expect_status(harness_cmd(f.c, "BGSAVE SCHEDULE"), "Background saving started");
    wait_no_bgsave(f.c);
    ck_assert_int_ge(harness_info_ll(f.c, "persistence", "rdb_last_bgsave_time_sec"), 0);
    ck_assert_int_ge(harness_info_ll(f.c, "stats", "total_forks"), 1);
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

START_TEST(snapshot_options)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    char path[160];
    unsigned char buf[64];
    harness_tmpdir_make(&d);
    up(&f, &d, "", "--dbfilename", "other.rdb");
    harness_expect_array(harness_cmd(f.c, "CONFIG GET dbfilename"), 2,
                         (const char *[]){"dbfilename", "other.rdb"});
    harness_cmd_ok(f.c, "CONFIG SET rdb-del-sync-files yes");
    harness_cmd_ok(f.c, "SET k v");
    harness_cmd_ok(f.c, "CONFIG SET rdbcompression no");
    harness_expect_status(harness_cmd(f.c, "SAVE"), "OK");
    snprintf(path, sizeof(path), "%s/other.rdb", d.path);
    ck_assert_uint_ge(read_file(path, buf, sizeof(buf)), 9);
    ck_assert(memcmp(buf, "REDIS0010", 9) == 0);
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

/* ---- loading and shutdown ------------------------------------------------------------- */

#define LOADING_ERR "LOADING Redis is loading the dataset in memory"

/* A dump.rdb of `keys` string keys in d, written by a server of its own. */
static void make_file(const struct harness_tmpdir *d, int keys)
{
    struct harness_fixture f;
    up(&f, d, "", "--enable-debug-command", "yes");
    harness_expect_status(harness_cmd(f.c, "DEBUG POPULATE %d", keys), "OK");
    harness_expect_status(harness_cmd(f.c, "SAVE"), "OK");
    down_nosave(&f);
}

/* A server still loading d's file: key-load-delay (us per key) keeps it
 * at it until the test lowers the delay. */
static void up_loading(struct harness_fixture *f, const struct harness_tmpdir *d, const char *save)
{
    const char *args[] = {"--dir", d->path, "--save", save, "--threads", "2",
                          "--key-load-delay", "2000", NULL};
    struct harness_opts opts = {.during_loading = true};
    harness_start_ex(&f->s, &opts, args);
    f->c = harness_connect(&f->s);
}

START_TEST(commands_get_loading_while_the_file_loads)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    char path[128];
    struct stat sb;
    harness_tmpdir_make(&d);
    make_file(&d, 2000);
    dump_path(&d, path, sizeof(path));
    ck_assert_int_eq(stat(path, &sb), 0);
    up_loading(&f, &d, "");
    harness_expect_error(harness_cmd(f.c, "PING"), LOADING_ERR);
    harness_expect_error(harness_cmd(f.c, "GET key:1"), LOADING_ERR);
    harness_expect_error(harness_cmd(f.c, "SET key:1 x"), LOADING_ERR);
    harness_expect_error(harness_cmd(f.c, "FLUSHALL"), LOADING_ERR);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "loading"), 1);
    /* the start-up shows loading before the file is opened and measured */
    harness_wait_info_ll(f.c, "persistence", "loading_total_bytes", sb.st_size);
    ck_assert_int_ge(harness_info_ll(f.c, "persistence", "loading_start_time"),
                     harness_wall_ms() / 1000 - 60);
    long long loaded = harness_info_ll(f.c, "persistence", "loading_loaded_bytes");
    ck_assert(loaded >= 0 && loaded < sb.st_size);
    char perc[32];
    ck_assert(harness_info_field(f.c, "persistence", "loading_loaded_perc", perc, sizeof(perc)));
    ck_assert(harness_info_ll(f.c, "persistence", "loading_eta_seconds") >= 0);
    /* CONFIG runs while loading, but not for what the load depends on */
    harness_expect_error(harness_cmd(f.c, "CONFIG SET appendonly yes"), LOADING_ERR);
    harness_expect_error(harness_cmd(f.c, "CONFIG SET nosuch 1 repl-diskless-load swapdb"),
                         LOADING_ERR);
    harness_cmd_ok(f.c, "CONFIG SET key-load-delay 0");
    harness_wait_info_ll(f.c, "persistence", "loading", 0);
    harness_expect_status(harness_cmd(f.c, "PING"), "PONG");
    ck_assert_int_eq(harness_cmd_int(f.c, "DBSIZE"), 2000);
    harness_expect_str(harness_cmd(f.c, "GET key:1999"), "value:1999");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_last_load_keys_loaded"), 2000);
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

static void read_dump(const struct harness_tmpdir *d, unsigned char *buf, size_t cap, size_t *len)
{
    char path[128];
    dump_path(d, path, sizeof(path));
    *len = read_file(path, buf, cap);
}

/* A shutdown while loading never saves (half the data would replace the
 * file): SHUTDOWN with save points set, SHUTDOWN SAVE, SIGTERM. */
/* Keys a load creates raise no "new" events (Redis's dbAddRDBLoad): the
 * first one a subscriber from the start sees is a client's. */
START_TEST(loaded_keys_are_not_new_events)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    make_file(&d, 300);
    const char *args[] = {"--dir", d.path, "--save", "", "--key-load-delay", "2000",
                          "--notify-keyspace-events", "En", NULL};
    struct harness_opts opts = {.during_loading = true};
    harness_start_ex(&f.s, &opts, args);
    f.c = harness_connect(&f.s);
    redisReader *reader = redisReaderCreate();
    int fd = harness_raw_connect(&f.s);
    harness_raw_send_line(fd, "PSUBSCRIBE __keyevent@0__:new");
    redisReply *r = harness_raw_reply(fd, reader);
    ck_assert_ptr_nonnull(r);
    freeReplyObject(r);
    harness_cmd_ok(f.c, "CONFIG SET key-load-delay 0");
    harness_wait_info_ll(f.c, "persistence", "loading", 0);
    harness_cmd_ok(f.c, "SET fresh v");
    r = harness_raw_reply(fd, reader);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->elements, 4);
    ck_assert_str_eq(r->element[3]->str, "fresh");
    freeReplyObject(r);
    redisReaderFree(reader);
    close(fd);
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

START_TEST(shutdown_while_loading_keeps_the_file)
{
    static unsigned char before[1 << 16], after[1 << 16];
    struct harness_tmpdir d;
    struct harness_fixture f;
    size_t blen, alen;
    harness_tmpdir_make(&d);
    make_file(&d, 1000);
    read_dump(&d, before, sizeof(before), &blen);
    up_loading(&f, &d, "3600 1");
    redisReply *r = redisCommand(f.c, "SHUTDOWN SAVE");
    if (r)
        freeReplyObject(r);
    redisFree(f.c);
    harness_wait_exit(&f.s);
    read_dump(&d, after, sizeof(after), &alen);
    ck_assert(blen == alen && memcmp(before, after, blen) == 0);

    up_loading(&f, &d, "3600 1");
    harness_down(&f); /* SIGTERM */
    read_dump(&d, after, sizeof(after), &alen);
    ck_assert(blen == alen && memcmp(before, after, blen) == 0);
    harness_tmpdir_remove(&d);
}
END_TEST

/* Redis 7.0's argument checks; ABORT finds no shutdown in progress
 * (Grove never waits for replicas). */
START_TEST(shutdown_arguments_as_redis)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "", NULL, NULL);
    harness_expect_error(harness_cmd(f.c, "SHUTDOWN ABORT"), "ERR No shutdown in progress.");
    harness_expect_error(harness_cmd(f.c, "SHUTDOWN ABORT NOSAVE"), "ERR syntax error");
    harness_expect_error(harness_cmd(f.c, "SHUTDOWN NOW ABORT"), "ERR syntax error");
    harness_expect_error(harness_cmd(f.c, "SHUTDOWN SAVE NOSAVE"), "ERR syntax error");
    harness_expect_error(harness_cmd(f.c, "SHUTDOWN LATER"), "ERR syntax error");
    harness_expect_status(harness_cmd(f.c, "PING"), "PONG");
    redisReply *r = redisCommand(f.c, "SHUTDOWN NOSAVE NOW FORCE");
    if (r)
        freeReplyObject(r);
    redisFree(f.c);
    harness_wait_exit(&f.s);
    harness_tmpdir_remove(&d);
}
END_TEST

/* A save that fails at shutdown: SHUTDOWN and SIGTERM keep the server
 * running, SHUTDOWN FORCE exits all the same, as Redis. */
START_TEST(failed_save_at_shutdown_keeps_running_unless_force)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    up(&f, &d, "3600 1", NULL, NULL);
    harness_cmd_ok(f.c, "SET k v");
    ck_assert_int_eq(rmdir(d.path), 0); /* the save cannot create its file */
    harness_expect_error(harness_cmd(f.c, "SHUTDOWN"), "ERR Errors trying to SHUTDOWN. Check logs.");
    harness_expect_error(harness_cmd(f.c, "SHUTDOWN SAVE NOW"),
                         "ERR Errors trying to SHUTDOWN. Check logs.");
    ck_assert_int_eq(kill(f.s.pid, SIGTERM), 0);
    harness_sleep_ms(200);
    harness_expect_status(harness_cmd(f.c, "PING"), "PONG"); /* still up after SIGTERM */
    harness_expect_str(harness_cmd(f.c, "GET k"), "v");
    redisReply *r = redisCommand(f.c, "SHUTDOWN FORCE");
    if (r)
        freeReplyObject(r);
    redisFree(f.c);
    harness_wait_exit(&f.s);
}
END_TEST

static Suite *persistence_suite(void)
{
    Suite *s = suite_create("persistence");
    TCase *tc = tcase_create("round_trip");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, save_then_restart_keeps_every_type_ttl_and_database);
    tcase_add_test(tc, bgsave_then_restart_keeps_every_type);
    tcase_add_test(tc, redis_written_file_loads);
    tcase_add_test(tc, redis_check_rdb_accepts_grove_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("bgsave_writers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bgsave_under_writers_saves_a_consistent_state);
    suite_add_tcase(s, tc);

    tc = tcase_create("when_saved");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, save_point_triggers_bgsave);
#ifdef GROVE_FAULT_INJECTION
    tcase_add_test(tc, a_running_child_blocks_saves_until_shutdown_kills_it);
#endif
    tcase_add_test(tc, rdb_key_save_delay_slows_the_saving_child);
    tcase_add_test(tc, bgsave_in_multi_is_scheduled_and_save_is_refused);
    tcase_add_test(tc, flushall_saves_the_emptied_data_when_save_points_are_set);
    tcase_add_test(tc, shutdown_save_and_nosave);
    tcase_add_test(tc, sigterm_saves_when_save_points_are_set);
    tcase_add_test(tc, shutdown_removes_the_child_s_file_before_refusing_connections);
    tcase_add_test(tc, a_second_sigint_exits_at_once_during_the_shutdown_save);
    suite_add_tcase(s, tc);

    tc = tcase_create("failures");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, corrupt_file_refuses_start_up);
    tcase_add_test(tc, failed_bgsave_gives_misconf_to_writes);
    suite_add_tcase(s, tc);

    tc = tcase_create("loading_shutdown");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, commands_get_loading_while_the_file_loads);
    tcase_add_test(tc, loaded_keys_are_not_new_events);
    tcase_add_test(tc, shutdown_while_loading_keeps_the_file);
    tcase_add_test(tc, shutdown_arguments_as_redis);
    tcase_add_test(tc, failed_save_at_shutdown_keeps_running_unless_force);
    suite_add_tcase(s, tc);

    tc = tcase_create("info_config");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, info_persistence_and_lastsave_follow_saves);
    tcase_add_test(tc, snapshot_options);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(persistence_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
