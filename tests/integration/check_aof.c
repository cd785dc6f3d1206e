/*
 * check_aof.c - the append-only file end to end: every type with expiries
 * comes back after a restart and after BGREWRITEAOF; redis-check-aof
 * accepts Grove's directory; redis-server 7.0 starts from Grove's
 * directory and Grove from redis-server's (where they are installed);
 * kill -9 during writes with appendfsync always loses no acknowledged
 * write; a truncated tail is dropped (aof-load-truncated yes) or refused;
 * a corrupt file is refused naming the file and offset; BGREWRITEAOF
 * under writers on several loops keeps every write; CONFIG SET
 * appendonly yes/no; a failing disk gives MISCONF.
 *
 * Every server runs in a temporary directory of its own, removed after.
 */
#include <check.h>
#include <dirent.h>
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

#define INCR1 "appendonlydir/appendonly.aof.1.incr.aof"

/* ---- helpers ------------------------------------------------------------------------ */

struct tmpdir {
    char path[64];
};

static void tmpdir_make(struct tmpdir *d)
{
    snprintf(d->path, sizeof(d->path), "/tmp/grove-aof-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(d->path));
}

static void tmpdir_remove(struct tmpdir *d)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
    ck_assert_int_eq(system(cmd), 0);
}

static bool have(const char *program)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", program);
    return system(cmd) == 0;
}

static void up(struct harness_fixture *f, const struct tmpdir *d, const char *fsync,
               const char *a1, const char *a2)
{
    const char *args[] = {"--dir", d->path, "--appendonly", "yes", "--appendfsync", fsync,
                          "--threads", "2", a1, a2, NULL};
    harness_up(f, args);
}

static void down(struct harness_fixture *f)
{
    redisReply *r = redisCommand(f->c, "SHUTDOWN");
    if (r)
        freeReplyObject(r);
    redisFree(f->c);
    harness_wait_exit(&f->s);
}

static void path_in(const struct tmpdir *d, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", d->path, name);
}

static void append_to(const struct tmpdir *d, const char *name, const char *bytes, size_t n)
{
    char p[256];
    path_in(d, name, p, sizeof(p));
    FILE *fp = fopen(p, "ab");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(bytes, 1, n, fp), n);
    fclose(fp);
}

static void wait_no_rewrite(redisContext *c)
{
    harness_wait_info_ll(c, "persistence", "aof_rewrite_in_progress", 0);
    harness_wait_info_ll(c, "persistence", "aof_rewrite_scheduled", 0);
}

/* ---- round trips -------------------------------------------------------------------- */

static void fill(redisContext *c)
{
    harness_cmd_ok(c, "SET str hello");
    harness_cmd_ok(c, "SET ex v EX 1000");
    harness_cmd_ok(c, "SETEX setex 2000 v");
    harness_cmd_int(c, "RPUSH list a b c");
    harness_cmd_int(c, "SADD set a b c d");
    harness_cmd_int(c, "HSET hash f1 v1 f2 2");
    harness_cmd_int(c, "ZADD zset 1 a 2.5 b");
    harness_cmd_int(c, "PEXPIRE list 3000000");
    freeReplyObject(harness_cmd(c, "INCRBYFLOAT float 1.5"));
    freeReplyObject(harness_cmd(c, "SPOP set"));
    freeReplyObject(harness_cmd(c, "LPOP list"));
    harness_cmd_ok(c, "SET gone v PX 1");
    harness_expect_status(harness_cmd(c, "SELECT 5"), "OK");
    harness_cmd_ok(c, "SET db5 five");
    harness_expect_status(harness_cmd(c, "SELECT 0"), "OK");
    freeReplyObject(harness_cmd(c, "EVAL %s 0", "redis.call('set','s1','1') "
                                                 "redis.call('set','s2','2')"));
    harness_expect_str(harness_cmd(c, "FUNCTION LOAD %s",
                                   "#!lua name=alib\n"
                                   "redis.register_function('af', function() return 'a' end)"),
                       "alib");
}

static void expect_filled(redisContext *c)
{
    harness_expect_str(harness_cmd(c, "GET str"), "hello");
    long long t = harness_cmd_int(c, "TTL ex");
    ck_assert(t > 990 && t <= 1000);
    t = harness_cmd_int(c, "TTL setex");
    ck_assert(t > 1990 && t <= 2000);
    t = harness_cmd_int(c, "PTTL list");
    ck_assert(t > 2990000 && t <= 3000000);
    harness_expect_array(harness_cmd(c, "LRANGE list 0 -1"), 2, (const char *[]){"b", "c"});
    harness_expect_int(harness_cmd(c, "SCARD set"), 3);
    harness_expect_str(harness_cmd(c, "HGET hash f2"), "2");
    harness_expect_str(harness_cmd(c, "ZSCORE zset b"), "2.5");
    harness_expect_str(harness_cmd(c, "GET float"), "1.5");
    harness_expect_int(harness_cmd(c, "EXISTS gone"), 0);
    harness_expect_str(harness_cmd(c, "GET s2"), "2");
    harness_expect_str(harness_cmd(c, "FCALL af 0"), "a");
    harness_expect_status(harness_cmd(c, "SELECT 5"), "OK");
    harness_expect_str(harness_cmd(c, "GET db5"), "five");
    harness_expect_status(harness_cmd(c, "SELECT 0"), "OK");
}

START_TEST(every_type_and_ttl_survive_restart_and_rewrite)
{
    struct tmpdir d;
    struct harness_fixture f;
    tmpdir_make(&d);
    up(&f, &d, "everysec", NULL, NULL);
    fill(f.c);
    down(&f);
    up(&f, &d, "everysec", NULL, NULL);
    expect_filled(f.c);
    harness_expect_status(harness_cmd(f.c, "BGREWRITEAOF"),
                          "Background append only file rewriting started");
    wait_no_rewrite(f.c);
    harness_cmd_ok(f.c, "SET after rewrite");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "aof_rewrites"), 1);
    down(&f);
    up(&f, &d, "everysec", NULL, NULL);
    expect_filled(f.c);
    harness_expect_str(harness_cmd(f.c, "GET after"), "rewrite");
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* DEBUG LOADAOF replays the directory through the dispatcher while every
 * other client gets -LOADING: the replaying client must not get it too
 * (it did, before the AOF load learnt CLIENT_REPLAY), and the digest of
 * what it rebuilt is the digest of what was there. */
START_TEST(debug_loadaof_rebuilds_the_same_dataset)
{
    struct tmpdir d;
    struct harness_fixture f;
    tmpdir_make(&d);
    up(&f, &d, "always", "--enable-debug-command", "yes");
    fill(f.c);
    /* "gone" has a 1 ms TTL: once EXISTS says so it is deleted, not just
     * expired, and in neither digest. */
    HARNESS_WAIT_FOR(harness_cmd_int(f.c, "EXISTS gone") == 0, "gone never expired");
    redisReply *before = harness_cmd(f.c, "DEBUG DIGEST");
    ck_assert_int_eq(before->type, REDIS_REPLY_STATUS);
    harness_expect_status(harness_cmd(f.c, "DEBUG LOADAOF"), "OK");
    expect_filled(f.c);
    harness_expect_status(harness_cmd(f.c, "DEBUG DIGEST"), before->str);
    freeReplyObject(before);
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* Replaying the AOF is a load like the RDB's: -LOADING meanwhile, INFO's
 * progress, key-load-delay per command, and a shutdown stops it with the
 * files untouched (before, the replay ignored all three: a SHUTDOWN waited
 * for the whole file). */
START_TEST(replaying_reports_progress_and_stops_at_shutdown)
{
    struct tmpdir d;
    struct harness_fixture f;
    tmpdir_make(&d);
    up(&f, &d, "everysec", NULL, NULL);
    harness_pipeline_int(f.c, "SET key:%d v", 0, 2000);
    down(&f);
    const char *args[] = {"--dir", d.path, "--appendonly", "yes", "--threads", "2",
                          "--key-load-delay", "2000", NULL};
    struct harness_opts opts = {.during_loading = true};
    harness_start_ex(&f.s, &opts, args);
    f.c = harness_connect(&f.s);
    harness_expect_error(harness_cmd(f.c, "GET key:1"),
                         "LOADING Redis is loading the dataset in memory");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "loading"), 1);
    long long total = harness_info_ll(f.c, "persistence", "loading_total_bytes");
    ck_assert_int_gt(total, 2000 * 20);
    HARNESS_WAIT_FOR(harness_info_ll(f.c, "persistence", "loading_loaded_bytes") > 0,
                     "no progress reported");
    down(&f); /* with 2 ms a command, 4 s of loading left: the shutdown stops it */
    up(&f, &d, "everysec", NULL, NULL);
    ck_assert_int_eq(harness_cmd_int(f.c, "DBSIZE"), 2000);
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

static bool has_line(const char *text, const char *const *words, size_t n)
{
    char want[256];
    size_t len = (size_t)snprintf(want, sizeof(want), "*%zu\r\n", n);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(want + len, sizeof(want) - len, "$%zu\r\n%s\r\n",
                                strlen(words[i]), words[i]);
    return strstr(text, want) != NULL;
}
#define HAS(text, ...)                                                                         \
    ck_assert_msg(has_line(text, (const char *[]){__VA_ARGS__},                              \
                           sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),     \
                  "missing: %s", #__VA_ARGS__)

/* The forms redis-server 7.0 writes for the same commands (its incr file
 * compared by hand, command by command). */
/* The file at path (its first cap - 1 bytes), NUL-terminated. */
static void read_text(const char *path, char *text, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    text[fread(text, 1, cap - 1, fp)] = '\0';
    fclose(fp);
}

/* The manifest of dir d is exactly `want`. */
static void expect_manifest(const struct tmpdir *d, const char *want)
{
    char path[256], text[2048];
    path_in(d, "appendonlydir/appendonly.aof.manifest", path, sizeof(path));
    read_text(path, text, sizeof(text));
    ck_assert_str_eq(text, want);
}

/* The first incremental AOF file of dir d, NUL-terminated. */
static void read_incr(const struct tmpdir *d, char *text, size_t cap)
{
    char path[256];
    path_in(d, INCR1, path, sizeof(path));
    read_text(path, text, cap);
}

START_TEST(incr_file_holds_what_redis_7_writes)
{
    struct tmpdir d;
    struct harness_fixture f;
    char text[8192], at[32];
    tmpdir_make(&d);
    up(&f, &d, "always", NULL, NULL);
    harness_cmd_ok(f.c, "SET k v EXAT 4000000000");
    freeReplyObject(harness_cmd(f.c, "set k2 v pxat 4000000000000 get")); /* rewritten, as Redis */
    freeReplyObject(harness_cmd(f.c, "SET g v GET"));
    freeReplyObject(harness_cmd(f.c, "GETSET g w"));
    freeReplyObject(harness_cmd(f.c, "INCRBYFLOAT fl 1.5"));
    harness_cmd_int(f.c, "SADD s only");
    freeReplyObject(harness_cmd(f.c, "SPOP s"));
    harness_cmd_int(f.c, "RPUSH l a b");
    freeReplyObject(harness_cmd(f.c, "BLPOP l 0"));
    freeReplyObject(harness_cmd(f.c, "LMPOP 1 l RIGHT COUNT 5"));
    harness_cmd_int(f.c, "RPUSH m a b c");
    freeReplyObject(harness_cmd(f.c, "BLMOVE m n Left right 0"));
    freeReplyObject(harness_cmd(f.c, "BRPOPLPUSH m n 0"));
    redisContext *waiter = harness_connect(&f.s);
    harness_send_only(waiter, "BLMOVE w n RIGHT LEFT 0");
    harness_wait_info_ll(f.c, "clients", "blocked_clients", 1);
    harness_cmd_int(f.c, "RPUSH w x");
    freeReplyObject(harness_read_reply(waiter));
    harness_send_only(waiter, "BRPOPLPUSH w n 0");
    harness_wait_info_ll(f.c, "clients", "blocked_clients", 1);
    harness_cmd_int(f.c, "RPUSH w y");
    freeReplyObject(harness_read_reply(waiter));
    redisFree(waiter);
    harness_cmd_int(f.c, "EXPIRE k -1");
    harness_cmd_ok(f.c, "SET gone v PX 1");
    harness_sleep_ms(5);
    harness_cmd_int(f.c, "EXISTS gone");
    freeReplyObject(harness_cmd(f.c, "EVAL %s 0", "redis.call('set','a','1') "
                                                 "redis.call('set','b','2')"));
    harness_cmd_int(f.c, "DEL nosuch"); /* changes nothing: not written */
    down(&f);
    read_incr(&d, text, sizeof(text));
    snprintf(at, sizeof(at), "%lld", 4000000000LL * 1000);
    HAS(text, "SELECT", "0");
    HAS(text, "SET", "k", "v", "PXAT", at);
    HAS(text, "SET", "k2", "v", "PXAT", at);
    HAS(text, "SET", "g", "v"); /* without GET */
    HAS(text, "SET", "g", "w");
    HAS(text, "SET", "fl", "1.5", "KEEPTTL");
    HAS(text, "SREM", "s", "only");
    HAS(text, "LPOP", "l");
    HAS(text, "RPOP", "l", "1");
    HAS(text, "LMOVE", "m", "n", "Left", "right"); /* the client's sides, as Redis */
    HAS(text, "RPOPLPUSH", "m", "n");
    HAS(text, "LMOVE", "w", "n", "right", "left"); /* served after waiting: Redis's case */
    HAS(text, "RPOPLPUSH", "w", "n");
    HAS(text, "DEL", "k");
    HAS(text, "DEL", "gone");
    ck_assert_ptr_nonnull(strstr(text, "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n"
                                       "*3\r\n$3\r\nset\r\n$1\r\nb\r\n$1\r\n2\r\n*1\r\n$4\r\nEXEC\r\n"));
    ck_assert_ptr_null(strstr(text, "nosuch"));
    ck_assert_ptr_null(strstr(text, "BLPOP"));
    ck_assert_ptr_null(strstr(text, "BRPOPLPUSH"));
    tmpdir_remove(&d);
}
END_TEST

/* redis.set_repl: what a script withholds from the AOF stays out of it
 * (and a script whose writes are all withheld is not written instead);
 * the rest is wrapped in MULTI/EXEC as Redis 7.0.15 writes it. */
START_TEST(set_repl_keeps_withheld_writes_out_of_the_aof)
{
    struct tmpdir d;
    struct harness_fixture f;
    char text[8192];
    tmpdir_make(&d);
    up(&f, &d, "always", NULL, NULL);
    freeReplyObject(harness_cmd(f.c, "EVAL %s 0",
                                "redis.call('set','a','1') redis.set_repl(redis.REPL_NONE) "
                                "redis.call('set','b','2') redis.set_repl(redis.REPL_REPLICA) "
                                "redis.call('set','c','3') redis.set_repl(redis.REPL_ALL) "
                                "redis.call('set','d','4')"));
    freeReplyObject(harness_cmd(f.c, "EVAL %s 0",
                                "redis.set_repl(redis.REPL_NONE) redis.call('set','e','5')"));
    freeReplyObject(harness_cmd(f.c, "EVAL %s 0",
                                "redis.set_repl(redis.REPL_AOF) redis.call('set','f','6')"));
    harness_expect_str(harness_cmd(f.c, "GET b"), "2"); /* withheld, not undone */
    down(&f);
    read_incr(&d, text, sizeof(text));
    ck_assert_str_eq(text, "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*1\r\n$5\r\nMULTI\r\n"
                           "*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n"
                           "*3\r\n$3\r\nset\r\n$1\r\nd\r\n$1\r\n4\r\n*1\r\n$4\r\nEXEC\r\n"
                           "*3\r\n$3\r\nset\r\n$1\r\nf\r\n$1\r\n6\r\n");
    tmpdir_remove(&d);
}
END_TEST

static bool same_reply(const redisReply *a, const redisReply *b)
{
    if (a->type != b->type || a->integer != b->integer || a->len != b->len ||
        a->elements != b->elements || (a->str && memcmp(a->str, b->str, a->len) != 0))
        return false;
    for (size_t i = 0; i < a->elements; i++)
        if (!same_reply(a->element[i], b->element[i]))
            return false;
    return true;
}

/* What a stream's rewrite must keep: its entries, its counters (XINFO
 * STREAM's, not the node layout), each group's position and lag, and who
 * holds which pending entry with its delivery count. */
static const char *const stream_probes[] = {
    "XRANGE st - +",
    "XINFO GROUPS st",
    "XPENDING st g1",
    "XREADGROUP GROUP g1 alice STREAMS st 0", /* alice's pending entries */
    "XLEN empty",
};

/* XINFO STREAM's counters, not its node layout (a rewrite re-packs). */
static void expect_same_stream_counters(const redisReply *before, const redisReply *after)
{
    static const char *const fields[] = {"length", "last-generated-id", "max-deleted-entry-id",
                                         "entries-added", "groups"};
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        const redisReply *b = NULL, *a = NULL;
        for (size_t i = 0; i + 1 < before->elements; i += 2)
            if (strcmp(before->element[i]->str, fields[f]) == 0)
                b = before->element[i + 1];
        for (size_t i = 0; i + 1 < after->elements; i += 2)
            if (strcmp(after->element[i]->str, fields[f]) == 0)
                a = after->element[i + 1];
        ck_assert_msg(a && b && same_reply(a, b), "XINFO STREAM %s changed", fields[f]);
    }
}

static void fill_streams(redisContext *c)
{
    for (int i = 1; i <= 150; i++) /* two blocks */
        freeReplyObject(harness_cmd(c, "XADD st %d-1 f v%d n %d", i, i, i));
    harness_cmd_int(c, "XDEL st 3-1 150-1");
    harness_cmd_ok(c, "XGROUP CREATE st g1 0");
    harness_cmd_ok(c, "XGROUP CREATE st g2 $");
    freeReplyObject(harness_cmd(c, "XREADGROUP GROUP g1 alice COUNT 5 STREAMS st >"));
    freeReplyObject(harness_cmd(c, "XREADGROUP GROUP g1 alice COUNT 2 STREAMS st 0"));
    harness_cmd_int(c, "XACK st g1 1-1");
    harness_cmd_int(c, "XGROUP CREATECONSUMER st g1 bob");
    freeReplyObject(harness_cmd(c, "XADD empty MAXLEN 0 * a b"));
}

/* A new connection to f's server, blocked by `cmd` once blocked_clients
 * reaches `blocked`. */
static redisContext *blocked_on(struct harness_fixture *f, const char *cmd, long long blocked)
{
    redisContext *c = harness_connect(&f->s);
    int done = 0;
    ck_assert_int_eq(redisAppendCommand(c, cmd), REDIS_OK);
    while (!done)
        ck_assert_int_eq(redisBufferWrite(c, &done), REDIS_OK);
    harness_wait_info_ll(f->c, "clients", "blocked_clients", blocked);
    return c;
}

/* A blocked XREADGROUP served by another client's XADD changes its group
 * (a new consumer, the last delivered ID, the read counter, a PEL): the
 * AOF must say so, as the XREADGROUP the client sent (before, the internal
 * serving line was written, and a replay left the group behind). */
START_TEST(a_served_blocked_xreadgroup_is_replayed)
{
    struct tmpdir d;
    struct harness_fixture f;
    tmpdir_make(&d);
    up(&f, &d, "always", "--enable-debug-command", "yes");
    freeReplyObject(harness_cmd(f.c, "XADD s 1-0 f v"));
    harness_cmd_ok(f.c, "XGROUP CREATE s g 0");
    freeReplyObject(harness_cmd(f.c, "XREADGROUP GROUP g Alice NOACK STREAMS s >"));
    redisContext *bob = blocked_on(&f, "XREADGROUP GROUP g Bob BLOCK 0 NOACK STREAMS s >", 1);
    redisContext *carol = blocked_on(&f, "XREADGROUP GROUP g Carol BLOCK 0 STREAMS s >", 2);
    freeReplyObject(harness_cmd(f.c, "XADD s 2-0 f v"));
    freeReplyObject(harness_cmd(f.c, "XADD s 3-0 f v"));
    redisReply *r;
    ck_assert_int_eq(redisGetReply(bob, (void **)&r), REDIS_OK);
    freeReplyObject(r);
    ck_assert_int_eq(redisGetReply(carol, (void **)&r), REDIS_OK);
    freeReplyObject(r);
    redisReply *before = harness_cmd(f.c, "XINFO GROUPS s");
    harness_expect_status(harness_cmd(f.c, "DEBUG LOADAOF"), "OK");
    redisReply *after = harness_cmd(f.c, "XINFO GROUPS s");
    ck_assert(same_reply(before, after));
    ck_assert_int_eq(after->element[0]->element[3]->integer, 3); /* consumers */
    ck_assert_int_eq(after->element[0]->element[5]->integer, 1); /* pending: Carol's */
    freeReplyObject(before);
    freeReplyObject(after);
    redisFree(bob);
    redisFree(carol);
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* XADD in every form that makes up an ID or trims approximately: `*`,
 * `ms-*`, NOMKSTREAM, MAXLEN ~ and MINID ~ with LIMIT, XTRIM ~, in a
 * transaction and in a script. */
static void xadd_every_way(redisContext *c)
{
    for (int i = 0; i < 250; i++) /* three blocks */
        freeReplyObject(harness_cmd(c, "XADD s * f v%d", i));
    freeReplyObject(harness_cmd(c, "XADD s MAXLEN ~ 120 LIMIT 100 * f trimmed"));
    freeReplyObject(harness_cmd(c, "XADD s NOMKSTREAM * f nomk"));
    harness_expect_int(harness_cmd(c, "XTRIM s MAXLEN ~ 10"), 100);
    for (int i = 0; i < 150; i++)
        freeReplyObject(harness_cmd(c, "XADD s * f w%d", i));
    redisReply *mid = harness_cmd(c, "XRANGE s - + COUNT 120");
    freeReplyObject(harness_cmd(c, "XADD s MINID ~ %s LIMIT 100 * f minid",
                                mid->element[119]->element[0]->str));
    freeReplyObject(mid);
    freeReplyObject(harness_cmd(c, "XADD s 99999999999999-* f partial"));
    freeReplyObject(harness_cmd(c, "XADD s 99999999999999-* f partial"));
    freeReplyObject(harness_cmd(c, "XADD p 5-* f partial"));
    harness_expect_status(harness_cmd(c, "MULTI"), "OK");
    harness_expect_status(harness_cmd(c, "XADD m * f multi"), "QUEUED");
    harness_expect_status(harness_cmd(c, "XADD m MAXLEN ~ 0 * f multi"), "QUEUED");
    freeReplyObject(harness_cmd(c, "EXEC"));
    freeReplyObject(harness_cmd(c, "EVAL %s 1 l", "redis.call('xadd', KEYS[1], '*', 'f', 'lua') "
                                                 "return redis.call('xadd', KEYS[1], 'MINID', "
                                                 "'~', '0', '*', 'f', 'lua')"));
}

static const char *const xadd_probes[] = {
    "XRANGE s - +",        "XINFO STREAM s FULL", "XRANGE p - +",        "XINFO STREAM p FULL",
    "XRANGE m - +",        "XINFO STREAM m FULL", "XRANGE l - +",        "XINFO STREAM l FULL",
};
#define N_XADD_PROBES (sizeof(xadd_probes) / sizeof(xadd_probes[0]))

static void probe_all(redisContext *c, redisReply **out)
{
    for (size_t i = 0; i < N_XADD_PROBES; i++)
        out[i] = harness_cmd(c, xadd_probes[i]);
}

static void expect_same_probes(redisContext *c, redisReply **before)
{
    for (size_t i = 0; i < N_XADD_PROBES; i++) {
        redisReply *after = harness_cmd(c, xadd_probes[i]);
        ck_assert_msg(same_reply(before[i], after), "%s changed", xadd_probes[i]);
        freeReplyObject(after);
    }
}

/* The AOF holds the IDs XADD generated and the exact trims an approximate
 * one came to, as Redis 7.0 writes them: a replay (DEBUG LOADAOF, a
 * restart) rebuilds the entries clients were told of (before, `*` went to
 * the file as is, and every replay made new IDs). */
START_TEST(xadd_replays_the_ids_it_generated_and_its_trims)
{
    struct tmpdir d;
    struct harness_fixture f;
    redisReply *before[N_XADD_PROBES];
    static char text[1 << 16];
    tmpdir_make(&d);
    up(&f, &d, "always", "--enable-debug-command", "yes");
    xadd_every_way(f.c);
    probe_all(f.c, before);
    harness_expect_status(harness_cmd(f.c, "DEBUG LOADAOF"), "OK");
    expect_same_probes(f.c, before);
    down(&f);
    up(&f, &d, "always", "--enable-debug-command", "yes");
    expect_same_probes(f.c, before);
    for (size_t i = 0; i < N_XADD_PROBES; i++)
        freeReplyObject(before[i]);
    harness_down(&f);
    read_incr(&d, text, sizeof(text));
    HAS(text, "XADD", "p", "5-0", "f", "partial");
    HAS(text, "XADD", "s", "99999999999999-1", "f", "partial");
    HAS(text, "XTRIM", "s", "MAXLEN", "=", "52");
    ck_assert_ptr_nonnull(strstr(text, "$6\r\nMAXLEN\r\n$1\r\n=\r\n$3\r\n151\r\n$5\r\nLIMIT\r\n"));
    ck_assert_ptr_null(strstr(text, "\r\n~\r\n"));
    ck_assert_ptr_null(strstr(text, "\r\n*\r\n"));
    ck_assert_ptr_null(strstr(text, "-*\r\n"));
    tmpdir_remove(&d);
}
END_TEST

/* aof-use-rdb-preamble no: the rewrite's base is commands, read back by
 * Grove and accepted by redis-check-aof. */
START_TEST(a_base_of_commands_round_trips)
{
    struct tmpdir d;
    struct harness_fixture f;
    char path[256], head[8], cmd[256];
    tmpdir_make(&d);
    up(&f, &d, "everysec", "--aof-use-rdb-preamble", "no");
    fill(f.c);
    fill_streams(f.c);
    for (int i = 0; i < 100; i++) /* more than one RPUSH of 64 */
        harness_cmd_int(f.c, "RPUSH long %d", i);
    harness_expect_status(harness_cmd(f.c, "BGREWRITEAOF"),
                          "Background append only file rewriting started");
    wait_no_rewrite(f.c);
    enum { PROBES = sizeof(stream_probes) / sizeof(stream_probes[0]) };
    redisReply *before[PROBES], *info = harness_cmd(f.c, "XINFO STREAM st");
    for (size_t i = 0; i < PROBES; i++)
        before[i] = harness_cmd(f.c, stream_probes[i]);
    down(&f);
    path_in(&d, "appendonlydir/appendonly.aof.2.base.aof", path, sizeof(path));
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fread(head, 1, 1, fp), 1);
    fclose(fp);
    ck_assert_int_eq(head[0], '*');
    up(&f, &d, "everysec", NULL, NULL);
    expect_filled(f.c);
    harness_expect_int(harness_cmd(f.c, "LLEN long"), 100);
    harness_expect_str(harness_cmd(f.c, "LINDEX long 99"), "99");
    for (size_t i = 0; i < PROBES; i++) {
        redisReply *after = harness_cmd(f.c, stream_probes[i]);
        ck_assert_msg(same_reply(before[i], after), "%s differs after the rewrite",
                      stream_probes[i]);
        freeReplyObject(after);
        freeReplyObject(before[i]);
    }
    redisReply *info_after = harness_cmd(f.c, "XINFO STREAM st");
    expect_same_stream_counters(info, info_after);
    freeReplyObject(info);
    freeReplyObject(info_after);
    harness_down(&f);
    snprintf(cmd, sizeof(cmd),
             "redis-check-aof %s/appendonlydir/appendonly.aof.manifest 2>&1 | "
             "grep -q 'All AOF files and manifest are valid'", d.path);
    if (have("redis-check-aof"))
        ck_assert_int_eq(system(cmd), 0);
    tmpdir_remove(&d);
}
END_TEST

/* An AOF of an older Redis (one file, here with an RDB preamble and a
 * tail of commands) is moved into a new directory and loaded, as 7.0's
 * aofUpgradePrepare does. */
/* Nothing expires while an AOF loads, as in Redis: a PEXPIREAT already
 * past leaves the key to the commands after it, which found it live when
 * they were written; once loaded, the key has expired. */
START_TEST(nothing_expires_while_the_aof_loads)
{
    struct tmpdir d;
    static const char cmds[] = "*3\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n$3\r\nfoo\r\n"
                               "*3\r\n$9\r\nPEXPIREAT\r\n$4\r\nlist\r\n$4\r\n1000\r\n"
                               "*3\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n$3\r\nbar\r\n";
    struct harness_fixture f;
    tmpdir_make(&d);
    append_to(&d, "appendonly.aof", cmds, sizeof(cmds) - 1);
    up(&f, &d, "everysec", NULL, NULL);
    ck_assert_int_eq(harness_cmd_int(f.c, "LLEN list"), 0); /* not [bar]: foo's key lived */
    down(&f);
    tmpdir_remove(&d);
}
END_TEST

START_TEST(an_old_single_file_aof_is_migrated)
{
    struct tmpdir d;
    struct harness_fixture f;
    const char *args[] = {"--dir", d.path, "--threads", "2", NULL};
    static const char tail[] = "*3\r\n$3\r\nSET\r\n$4\r\ntail\r\n$1\r\n2\r\n";
    char from[256], to[256];
    tmpdir_make(&d);
    harness_up(&f, args);
    harness_cmd_ok(f.c, "SET pre 1");
    harness_expect_status(harness_cmd(f.c, "SAVE"), "OK");
    harness_down(&f);
    path_in(&d, "dump.rdb", from, sizeof(from));
    path_in(&d, "appendonly.aof", to, sizeof(to));
    ck_assert_int_eq(rename(from, to), 0);
    append_to(&d, "appendonly.aof", tail, sizeof(tail) - 1);
    up(&f, &d, "everysec", NULL, NULL);
    harness_expect_str(harness_cmd(f.c, "GET pre"), "1");
    harness_expect_str(harness_cmd(f.c, "GET tail"), "2");
    harness_cmd_ok(f.c, "SET after 3");
    down(&f);
    expect_manifest(&d, "file appendonly.aof seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n");
    up(&f, &d, "everysec", NULL, NULL);
    harness_expect_str(harness_cmd(f.c, "GET tail"), "2");
    harness_expect_str(harness_cmd(f.c, "GET after"), "3");
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* Redis counts a save point's seconds from the start, whatever it loaded
 * from; Grove counted them from 1970 when the AOF was on, and saved
 * dump.rdb at the first cron after any write. */
START_TEST(save_points_count_from_the_start_with_the_aof)
{
    struct tmpdir d;
    struct harness_fixture f;
    tmpdir_make(&d);
    long long started = harness_wall_ms() / 1000;
    up(&f, &d, "everysec", "--save", "3600 1");
    harness_cmd_ok(f.c, "SET k v");
    harness_sleep_ms(400); /* four cron ticks */
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_changes_since_last_save"), 1);
    ck_assert_int_ge(harness_info_ll(f.c, "persistence", "rdb_last_save_time"), started);
    ck_assert_int_ge(harness_cmd_int(f.c, "LASTSAVE"), started);
    down(&f);
    tmpdir_remove(&d);
}
END_TEST

START_TEST(redis_check_aof_accepts_grove_directory)
{
    struct tmpdir d;
    struct harness_fixture f;
    char cmd[256];
    if (!have("redis-check-aof")) {
        fprintf(stderr, "redis-check-aof is not installed: skipped\n");
        return;
    }
    tmpdir_make(&d);
    up(&f, &d, "always", NULL, NULL);
    fill(f.c);
    down(&f);
    snprintf(cmd, sizeof(cmd),
             "redis-check-aof %s/appendonlydir/appendonly.aof.manifest 2>&1 | "
             "grep -q 'All AOF files and manifest are valid'", d.path);
    ck_assert_int_eq(system(cmd), 0);
    tmpdir_remove(&d);
}
END_TEST

/* redis-server on a unix socket in d, from (and writing to) its AOF dir. */
static pid_t redis_up(const struct tmpdir *d, redisContext **c)
{
    char sock[128];
    snprintf(sock, sizeof(sock), "%s/redis.sock", d->path);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock, "--dir",
               d->path, "--save", "", "--appendonly", "yes", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) { /* until it answers PONG (not -LOADING) */
        *c = redisConnectUnix(sock);
        redisReply *r = *c && !(*c)->err ? redisCommand(*c, "PING") : NULL;
        bool up = r && r->type == REDIS_REPLY_STATUS;
        if (r)
            freeReplyObject(r);
        if (up)
            return pid;
        if (*c)
            redisFree(*c);
        harness_sleep_ms(20);
    }
    ck_abort_msg("redis-server did not start");
    return -1;
}

static void redis_down(pid_t pid, redisContext *c)
{
    redisReply *r = redisCommand(c, "SHUTDOWN");
    if (r)
        freeReplyObject(r);
    redisFree(c);
    waitpid(pid, NULL, 0);
}

START_TEST(redis_and_grove_start_from_each_others_directory)
{
    struct tmpdir d;
    struct harness_fixture f;
    redisContext *rc;
    if (!have("redis-server")) {
        fprintf(stderr, "redis-server is not installed: skipped\n");
        return;
    }
    tmpdir_make(&d);
    up(&f, &d, "everysec", NULL, NULL);
    fill(f.c);
    down(&f);
    pid_t pid = redis_up(&d, &rc);
    expect_filled(rc);
    harness_cmd_ok(rc, "SET from-redis yes");
    harness_cmd_int(rc, "RPUSH list2 z");
    redis_down(pid, rc);
    up(&f, &d, "everysec", NULL, NULL);
    expect_filled(f.c);
    harness_expect_str(harness_cmd(f.c, "GET from-redis"), "yes");
    harness_expect_str(harness_cmd(f.c, "LINDEX list2 -1"), "z");
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* ---- crashes and damaged files ------------------------------------------------------ */

struct writer {
    int port, id;
    atomic_bool stop;
    long acked; /* the last value a reply acknowledged */
};

static long long get_ll(redisContext *c, int id)
{
    redisReply *r = harness_cmd(c, "GET w%d", id);
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    long long v = atoll(r->str);
    freeReplyObject(r);
    return v;
}

static void *counter_main(void *arg)
{
    struct writer *w = arg;
    struct grove_server s = {.port = w->port};
    redisContext *c = harness_connect(&s);
    for (long n = 1; !atomic_load(&w->stop); n++) {
        redisReply *r = redisCommand(c, "SET w%d %ld", w->id, n);
        if (!r || r->type != REDIS_REPLY_STATUS) {
            if (r)
                freeReplyObject(r);
            break; /* the server was killed */
        }
        freeReplyObject(r);
        w->acked = n;
    }
    redisFree(c);
    return NULL;
}

START_TEST(kill_9_with_fsync_always_keeps_every_acknowledged_write)
{
    struct tmpdir d;
    struct harness_fixture f;
    struct writer w[3];
    pthread_t t[3];
    tmpdir_make(&d);
    up(&f, &d, "always", NULL, NULL);
    for (int i = 0; i < 3; i++) {
        w[i] = (struct writer){.port = f.s.port, .id = i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, counter_main, &w[i]), 0);
    }
    harness_sleep_ms(400);
    ck_assert_int_eq(kill(f.s.pid, SIGKILL), 0);
    waitpid(f.s.pid, NULL, 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    redisFree(f.c);
    up(&f, &d, "always", NULL, NULL);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_gt(w[i].acked, 0);
        long long got = get_ll(f.c, i);
        ck_assert_msg(got >= w[i].acked, "writer %d: %lld on disk, %ld acknowledged", i, got,
                      w[i].acked);
    }
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* The server refuses to start, and `want` is on the last line it logs (as
 * Redis's, which exits right after: its aof unit reads the last line),
 * even with a pid file and a unix socket to clean up. */
static void start_refused(const struct tmpdir *d, const char *want)
{
    char out[8192], port[16], pidfile[128], sock[128];
    snprintf(port, sizeof(port), "%d", harness_free_port()); /* port 0 would listen nowhere */
    path_in(d, "grove.pid", pidfile, sizeof(pidfile));
    path_in(d, "grove.sock", sock, sizeof(sock));
    const char *args[] = {"--port", port, "--dir", d->path, "--save", "", "--appendonly", "yes",
                          "--aof-load-truncated", "no", "--pidfile", pidfile, "--unixsocket", sock,
                          NULL};
    ck_assert_int_ne(harness_run_to_exit(args, out, sizeof(out)), 0);
    const char *at = strstr(out, want);
    ck_assert_msg(at != NULL, "no '%s' in: %s", want, out);
    const char *eol = strchr(at, '\n');
    ck_assert_msg(eol == NULL || eol[1] == '\0', "not the last line: %s", out);
    ck_assert_int_ne(access(pidfile, F_OK), 0);
    ck_assert_int_ne(access(sock, F_OK), 0);
}

START_TEST(truncated_tail_is_dropped_or_refused)
{
    struct tmpdir d;
    struct harness_fixture f;
    static const char torn[] = "*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$5\r\nval";
    tmpdir_make(&d);
    up(&f, &d, "always", NULL, NULL);
    harness_cmd_ok(f.c, "SET kept 1");
    down(&f);
    append_to(&d, INCR1, torn, sizeof(torn) - 1);
    start_refused(&d, "Unexpected end of file reading the append only file "
                      "appendonly.aof.1.incr.aof");
    up(&f, &d, "always", "--aof-load-truncated", "yes");
    harness_expect_str(harness_cmd(f.c, "GET kept"), "1");
    harness_expect_int(harness_cmd(f.c, "EXISTS torn"), 0);
    harness_cmd_ok(f.c, "SET later 2"); /* appended after the cut */
    down(&f);
    up(&f, &d, "always", NULL, NULL);
    harness_expect_str(harness_cmd(f.c, "GET later"), "2");
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

START_TEST(corrupt_file_is_refused_naming_file_and_offset)
{
    struct tmpdir d;
    struct harness_fixture f;
    char want[160];
    tmpdir_make(&d);
    up(&f, &d, "always", NULL, NULL);
    harness_cmd_ok(f.c, "SET k v");
    down(&f);
    /* SELECT 0 (23 bytes) and SET k v (27 bytes) precede the garbage */
    append_to(&d, INCR1, "garbage\r\n", 9);
    snprintf(want, sizeof(want), "Bad file format reading the append only file "
                                 "appendonly.aof.1.incr.aof (at offset 50)");
    start_refused(&d, want);
    tmpdir_remove(&d);
}
END_TEST

/* ---- rewrites, switching, errors ------------------------------------------------------ */

START_TEST(bgrewriteaof_under_writers_keeps_every_write)
{
    struct tmpdir d;
    struct harness_fixture f;
    struct writer w[3];
    pthread_t t[3];
    tmpdir_make(&d);
    up(&f, &d, "no", NULL, NULL);
    for (int i = 0; i < 3; i++) {
        w[i] = (struct writer){.port = f.s.port, .id = i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, counter_main, &w[i]), 0);
    }
    for (int round = 0; round < 3; round++) {
        harness_expect_status(harness_cmd(f.c, "BGREWRITEAOF"),
                              "Background append only file rewriting started");
        harness_expect_status(harness_cmd(f.c, "PING"), "PONG");
        wait_no_rewrite(f.c);
    }
    for (int i = 0; i < 3; i++) {
        atomic_store(&w[i].stop, true);
        pthread_join(t[i], NULL);
    }
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "aof_rewrites"), 3);
    down(&f);
    up(&f, &d, "no", NULL, NULL);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(get_ll(f.c, i), w[i].acked);
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

START_TEST(config_set_appendonly_starts_from_a_rewrite_and_stops)
{
    struct tmpdir d;
    struct harness_fixture f;
    const char *args[] = {"--dir", d.path, "--threads", "2", NULL};
    tmpdir_make(&d);
    harness_up(&f, args);
    harness_cmd_ok(f.c, "SET before 1");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "aof_enabled"), 0);
    harness_cmd_ok(f.c, "CONFIG SET appendonly yes");
    wait_no_rewrite(f.c);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "aof_enabled"), 1);
    harness_cmd_ok(f.c, "SET during 2");
    harness_cmd_ok(f.c, "CONFIG SET appendonly no");
    harness_cmd_ok(f.c, "SET after 3"); /* not in the AOF */
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "aof_enabled"), 0);
    harness_down(&f);
    up(&f, &d, "everysec", NULL, NULL);
    harness_expect_str(harness_cmd(f.c, "GET before"), "1");
    harness_expect_str(harness_cmd(f.c, "GET during"), "2");
    harness_expect_int(harness_cmd(f.c, "EXISTS after"), 0);
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* Inside EXEC, BGREWRITEAOF and CONFIG SET appendonly yes leave the fork
 * to the cron, as Redis does. With the AOF never on, the cron's scheduled
 * rewrite never ran (it had no directory name yet). */
START_TEST(rewrites_asked_inside_exec_start_from_the_cron)
{
    struct tmpdir d;
    struct harness_fixture f;
    const char *args[] = {"--dir", d.path, "--threads", "2", NULL};
    tmpdir_make(&d);
    harness_up(&f, args);
    harness_cmd_ok(f.c, "MULTI");
    harness_expect_status(harness_cmd(f.c, "BGREWRITEAOF"), "QUEUED");
    redisReply *r = harness_cmd(f.c, "EXEC");
    harness_assert_array(r, 1);
    ck_assert_str_eq(r->element[0]->str, "Background append only file rewriting scheduled");
    freeReplyObject(r);
    harness_wait_info_ll(f.c, "persistence", "aof_rewrites", 1);
    wait_no_rewrite(f.c);
    harness_cmd_ok(f.c, "MULTI");
    harness_expect_status(harness_cmd(f.c, "SET during 1"), "QUEUED");
    harness_expect_status(harness_cmd(f.c, "CONFIG SET appendonly yes"), "QUEUED");
    freeReplyObject(harness_cmd(f.c, "EXEC"));
    harness_wait_info_ll(f.c, "persistence", "aof_rewrites", 2);
    wait_no_rewrite(f.c);
    harness_down(&f);
    up(&f, &d, "everysec", NULL, NULL);
    harness_expect_str(harness_cmd(f.c, "GET during"), "1");
    harness_down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* DEBUG AOF-FLUSH-SLEEP delays each write to the file; with appendfsync
 * always a reply still never arrives before its write is in the file
 * (Redis's "AOF fsync always barrier issue" sleeps this way). */
START_TEST(aof_flush_sleep_keeps_the_always_barrier)
{
    struct tmpdir d;
    struct harness_fixture f;
    char path[256];
    struct stat st;
    tmpdir_make(&d);
    up(&f, &d, "always", "--enable-debug-command", "yes");
    path_in(&d, INCR1, path, sizeof(path));
    harness_cmd_ok(f.c, "DEBUG AOF-FLUSH-SLEEP 50000");
    for (int i = 1; i <= 3; i++) {
        ck_assert_int_eq(stat(path, &st), 0);
        off_t before = st.st_size;
        ck_assert_int_eq(harness_cmd_int(f.c, "INCR n"), i);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_gt(st.st_size, before);
    }
    harness_cmd_ok(f.c, "DEBUG AOF-FLUSH-SLEEP 0");
    down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* CONFIG SET appendonly no stops a running rewrite and says so in Redis's
 * words (Redis's aofrw unit waits for them in the log). */
START_TEST(turning_the_aof_off_kills_its_rewrite)
{
    struct tmpdir d;
    struct harness_fixture f;
    char log[256], text[1 << 14];
    tmpdir_make(&d);
    path_in(&d, "grove.log", log, sizeof(log));
    const char *args[] = {"--dir", d.path, "--appendonly", "yes", "--logfile", log,
                          "--loglevel", "notice", NULL};
    harness_up(&f, args);
    wait_no_rewrite(f.c);
    harness_cmd_ok(f.c, "SET k v");
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 10000000");
    freeReplyObject(harness_cmd(f.c, "BGREWRITEAOF"));
    harness_wait_info_ll(f.c, "persistence", "aof_rewrite_in_progress", 1);
    harness_cmd_ok(f.c, "CONFIG SET appendonly no");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "aof_rewrite_in_progress"), 0);
    read_text(log, text, sizeof(text));
    ck_assert_msg(strstr(text, "Killing running AOF rewrite child: ") != NULL, "%s", text);
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 0");
    down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* While the first rewrite of a just-enabled AOF runs, the AOF holds no
 * dataset yet: SHUTDOWN refuses to exit (Redis's "Writing initial AOF,
 * can't exit."), SHUTDOWN FORCE exits anyway. */
START_TEST(shutdown_waits_for_the_initial_aof)
{
    struct tmpdir d;
    struct harness_fixture f;
    char log[256], text[1 << 14];
    tmpdir_make(&d);
    path_in(&d, "grove.log", log, sizeof(log));
    const char *args[] = {"--dir", d.path, "--logfile", log, "--loglevel", "notice", NULL};
    harness_up(&f, args);
    harness_cmd_ok(f.c, "SET k v");
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 10000000");
    harness_cmd_ok(f.c, "CONFIG SET appendonly yes");
    harness_wait_info_ll(f.c, "persistence", "aof_rewrite_in_progress", 1);
    harness_expect_error(harness_cmd(f.c, "SHUTDOWN NOSAVE"),
                         "ERR Errors trying to SHUTDOWN. Check logs.");
    harness_expect_value(f.c, "k", "v", 1);
    read_text(log, text, sizeof(text));
    ck_assert_msg(strstr(text, "Writing initial AOF, can't exit.") != NULL, "%s", text);
    redisReply *r = redisCommand(f.c, "SHUTDOWN NOSAVE FORCE");
    ck_assert_ptr_null(r); /* no reply: it exits */
    redisFree(f.c);
    harness_wait_exit(&f.s);
    tmpdir_remove(&d);
}
END_TEST

#ifdef GROVE_FAULT_INJECTION
START_TEST(a_failing_disk_gives_misconf_not_a_crash)
{
    struct tmpdir d;
    struct harness_fixture f;
    redisReply *r;
    tmpdir_make(&d);
    setenv("GROVE_FAULTS", "aof-write=1", 1);
    up(&f, &d, "always", NULL, NULL);
    unsetenv("GROVE_FAULTS");
    r = harness_cmd(f.c, "SET k v"); /* runs; its write to the file fails */
    freeReplyObject(r);
    harness_expect_error(harness_cmd(f.c, "SET k2 v"),
                         "MISCONF Errors writing to the AOF file: No space left on device");
    harness_expect_error(harness_cmd(f.c, "PING"),
                         "MISCONF Errors writing to the AOF file: No space left on device");
    harness_expect_str(harness_cmd(f.c, "GET k"), "v");
    char status[16];
    ck_assert(harness_info_field(f.c, "persistence", "aof_last_write_status", status,
                                 sizeof(status)));
    ck_assert_str_eq(status, "err");
    r = redisCommand(f.c, "SHUTDOWN NOSAVE");
    if (r)
        freeReplyObject(r);
    redisFree(f.c);
    waitpid(f.s.pid, NULL, 0);
    tmpdir_remove(&d);
}
END_TEST
#endif

/* ---- the directory's files across rewrites (Redis's aof-multi-part unit) ---------------- */

static bool exists_in(const struct tmpdir *d, const char *name)
{
    char path[256];
    struct stat sb;
    path_in(d, name, path, sizeof(path));
    return stat(path, &sb) == 0;
}

/* The server's child (the rewrite), from /proc's children lists. */
static pid_t child_of(pid_t parent)
{
    char path[320], buf[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)parent);
    DIR *dir = opendir(path);
    pid_t child = 0;
    ck_assert_ptr_nonnull(dir);
    for (struct dirent *e; child == 0 && (e = readdir(dir)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%s/children", (int)parent, e->d_name);
        FILE *fp = fopen(path, "r");
        if (fp && fgets(buf, sizeof(buf), fp))
            child = (pid_t)atoi(buf);
        if (fp)
            fclose(fp);
    }
    closedir(dir);
    ck_assert_int_gt(child, 0);
    return child;
}

/* kill -9 of the rewrite child, then a wait for the next fork (the cron's
 * retry) or for none at all. */
static void kill_rewrite_child(struct harness_fixture *f, bool retried)
{
    long long forks = harness_info_ll(f->c, "stats", "total_forks");
    ck_assert_int_eq(kill(child_of(f->s.pid), SIGKILL), 0);
    if (retried)
        harness_wait_info_ll(f->c, "stats", "total_forks", forks + 1);
    else
        wait_no_rewrite(f->c);
}

/* With the AOF off a rewrite writes a base and no incr; turning the AOF
 * on numbers the new files after it (Redis's separate base and incr
 * sequences). */
START_TEST(a_rewrite_with_the_aof_off_leaves_only_a_base)
{
    struct tmpdir d;
    struct harness_fixture f;
    tmpdir_make(&d);
    up(&f, &d, "everysec", "--enable-debug-command", "yes");
    harness_cmd_ok(f.c, "SET a 1");
    harness_cmd_ok(f.c, "CONFIG SET appendonly no");
    harness_expect_status(harness_cmd(f.c, "BGREWRITEAOF"),
                          "Background append only file rewriting started");
    wait_no_rewrite(f.c);
    expect_manifest(&d, "file appendonly.aof.2.base.rdb seq 2 type b\n");
    ck_assert(!exists_in(&d, INCR1));
    harness_cmd_ok(f.c, "CONFIG SET appendonly yes");
    wait_no_rewrite(f.c);
    expect_manifest(&d, "file appendonly.aof.3.base.rdb seq 3 type b\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n");
    harness_cmd_ok(f.c, "SET b 2");
    harness_cmd_ok(f.c, "DEBUG LOADAOF");
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "rdb_changes_since_last_save"), 0);
    harness_expect_str(harness_cmd(f.c, "GET a"), "1");
    harness_expect_str(harness_cmd(f.c, "GET b"), "2");
    down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* aof-disable-auto-gc yes keeps the history files, listed in Redis's
 * order; setting it back to no deletes them at once. */
START_TEST(history_stays_while_auto_gc_is_off)
{
    struct tmpdir d;
    struct harness_fixture f;
    tmpdir_make(&d);
    up(&f, &d, "everysec", NULL, NULL);
    harness_cmd_ok(f.c, "CONFIG SET aof-disable-auto-gc yes");
    for (int i = 0; i < 2; i++) {
        freeReplyObject(harness_cmd(f.c, "BGREWRITEAOF"));
        wait_no_rewrite(f.c);
    }
    expect_manifest(&d, "file appendonly.aof.3.base.rdb seq 3 type b\n"
                        "file appendonly.aof.2.incr.aof seq 2 type h\n"
                        "file appendonly.aof.2.base.rdb seq 2 type h\n"
                        "file appendonly.aof.1.incr.aof seq 1 type h\n"
                        "file appendonly.aof.1.base.rdb seq 1 type h\n"
                        "file appendonly.aof.3.incr.aof seq 3 type i\n");
    ck_assert(exists_in(&d, "appendonlydir/appendonly.aof.1.base.rdb"));
    ck_assert(exists_in(&d, INCR1));
    harness_cmd_ok(f.c, "CONFIG SET aof-disable-auto-gc no");
    expect_manifest(&d, "file appendonly.aof.3.base.rdb seq 3 type b\n"
                        "file appendonly.aof.3.incr.aof seq 3 type i\n");
    ck_assert(!exists_in(&d, "appendonlydir/appendonly.aof.1.base.rdb"));
    ck_assert(!exists_in(&d, INCR1));
    ck_assert(!exists_in(&d, "appendonlydir/appendonly.aof.2.base.rdb"));
    down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* CONFIG SET appendonly yes appends to a temporary incr file while its
 * rewrite runs; the manifest does not change until the rewrite succeeds.
 * A failed one removes the temporary file and the cron tries again. */
START_TEST(enabling_appends_to_a_temporary_incr_until_the_rewrite_succeeds)
{
    struct tmpdir d;
    struct harness_fixture f;
    const char *temp = "appendonlydir/temp-appendonly.aof.incr";
    tmpdir_make(&d);
    const char *args[] = {"--dir", d.path, "--enable-debug-command", "yes", NULL};
    harness_up(&f, args);
    harness_cmd_ok(f.c, "SET k v");
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 10000000");
    harness_cmd_ok(f.c, "CONFIG SET appendonly yes");
    harness_wait_info_ll(f.c, "persistence", "aof_rewrite_in_progress", 1);
    harness_cmd_ok(f.c, "SET during 1");
    ck_assert(exists_in(&d, temp));
    ck_assert(!exists_in(&d, "appendonlydir/appendonly.aof.manifest"));
    kill_rewrite_child(&f, true);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "aof_rewrites_consecutive_failures"), 1);
    ck_assert(!exists_in(&d, "appendonlydir/appendonly.aof.manifest"));
    ck_assert(!exists_in(&d, "appendonlydir/appendonly.aof.1.base.rdb"));
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 0");
    kill_rewrite_child(&f, true);
    wait_no_rewrite(f.c);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "aof_rewrites_consecutive_failures"), 0);
    expect_manifest(&d, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n");
    ck_assert(!exists_in(&d, temp));
    harness_cmd_ok(f.c, "SET after 1");
    harness_cmd_ok(f.c, "DEBUG LOADAOF");
    harness_expect_str(harness_cmd(f.c, "GET k"), "v");
    harness_expect_str(harness_cmd(f.c, "GET during"), "1");
    harness_expect_str(harness_cmd(f.c, "GET after"), "1");
    down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* CONFIG SET appendonly yes while a BGREWRITEAOF runs with the AOF off
 * stops that rewrite and starts the one that turns the AOF on, as Redis's
 * startAppendOnly does; Grove refused it with EBUSY before. */
START_TEST(enabling_during_a_rewrite_with_the_aof_off_starts_over)
{
    struct tmpdir d;
    struct harness_fixture f;
    char log[256], text[1 << 14];
    tmpdir_make(&d);
    path_in(&d, "grove.log", log, sizeof(log));
    const char *args[] = {"--dir", d.path, "--logfile", log, NULL};
    harness_up(&f, args);
    harness_cmd_ok(f.c, "SET k v");
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 500000");
    harness_expect_status(harness_cmd(f.c, "BGREWRITEAOF"),
                          "Background append only file rewriting started");
    harness_wait_info_ll(f.c, "persistence", "aof_rewrite_in_progress", 1);
    harness_cmd_ok(f.c, "CONFIG SET appendonly yes");
    read_text(log, text, sizeof(text));
    ck_assert_msg(strstr(text, "Stopping background AOF and starting a rewrite now.") != NULL,
                  "%s", text);
    wait_no_rewrite(f.c);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "aof_enabled"), 1);
    expect_manifest(&d, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n");
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 0");
    down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* After three failed rewrites in a row the automatic ones wait (Redis's
 * aofRewriteLimited); each failure left its incr file in the manifest;
 * BGREWRITEAOF is not held back. */
START_TEST(repeated_failures_hold_back_automatic_rewrites)
{
    struct tmpdir d;
    struct harness_fixture f;
    char log[256], text[1 << 15], big[2048];
    tmpdir_make(&d);
    path_in(&d, "grove.log", log, sizeof(log));
    up(&f, &d, "everysec", "--logfile", log);
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 10000000");
    harness_cmd_ok(f.c, "CONFIG SET auto-aof-rewrite-percentage 1");
    harness_cmd_ok(f.c, "CONFIG SET auto-aof-rewrite-min-size 1kb");
    harness_cmd_ok(f.c, "SET k v");
    for (int i = 0; i < 3; i++) {
        freeReplyObject(harness_cmd(f.c, "BGREWRITEAOF"));
        harness_wait_info_ll(f.c, "persistence", "aof_rewrite_in_progress", 1);
        kill_rewrite_child(&f, false);
    }
    expect_manifest(&d, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type i\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n"
                        "file appendonly.aof.3.incr.aof seq 3 type i\n"
                        "file appendonly.aof.4.incr.aof seq 4 type i\n");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    harness_cmd_ok(f.c, "SET x %s", big);
    for (int i = 0; i < 500; i++) {
        read_text(log, text, sizeof(text));
        if (strstr(text, "triggered the limit, will retry in 1 minutes"))
            break;
        harness_sleep_ms(10);
    }
    ck_assert_msg(strstr(text, "triggered the limit, will retry in 1 minutes") != NULL, "%s",
                  text);
    ck_assert_int_eq(harness_info_ll(f.c, "persistence", "aof_rewrite_in_progress"), 0);
    harness_cmd_ok(f.c, "CONFIG SET rdb-key-save-delay 0");
    freeReplyObject(harness_cmd(f.c, "BGREWRITEAOF"));
    wait_no_rewrite(f.c);
    expect_manifest(&d, "file appendonly.aof.2.base.rdb seq 2 type b\n"
                        "file appendonly.aof.5.incr.aof seq 5 type i\n");
    down(&f);
    tmpdir_remove(&d);
}
END_TEST

/* aof-timestamp-enabled: "#TS:" lines open the incr file's first second
 * and a command base, and the files still load (Redis's "Generate
 * timestamp annotations in AOF"). */
START_TEST(timestamp_annotations_are_written_and_loaded)
{
    struct tmpdir d;
    struct harness_fixture f;
    char path[256], text[4096];
    tmpdir_make(&d);
    up(&f, &d, "everysec", "--aof-timestamp-enabled", "yes");
    harness_cmd_ok(f.c, "CONFIG SET aof-use-rdb-preamble no");
    harness_cmd_ok(f.c, "SET foo bar");
    read_incr(&d, text, sizeof(text));
    ck_assert_msg(strncmp(text, "#TS:", 4) == 0, "%s", text);
    freeReplyObject(harness_cmd(f.c, "BGREWRITEAOF"));
    wait_no_rewrite(f.c);
    path_in(&d, "appendonlydir/appendonly.aof.2.base.aof", path, sizeof(path));
    read_text(path, text, sizeof(text));
    ck_assert_msg(strncmp(text, "#TS:", 4) == 0, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "foo"));
    harness_cmd_ok(f.c, "SET after 1");
    down(&f);
    up(&f, &d, "everysec", NULL, NULL);
    harness_expect_str(harness_cmd(f.c, "GET foo"), "bar");
    harness_expect_str(harness_cmd(f.c, "GET after"), "1");
    down(&f);
    tmpdir_remove(&d);
}
END_TEST

static Suite *aof_suite(void)
{
    Suite *s = suite_create("aof");
    TCase *tc = tcase_create("round_trip");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_type_and_ttl_survive_restart_and_rewrite);
    tcase_add_test(tc, debug_loadaof_rebuilds_the_same_dataset);
    tcase_add_test(tc, a_served_blocked_xreadgroup_is_replayed);
    tcase_add_test(tc, xadd_replays_the_ids_it_generated_and_its_trims);
    tcase_add_test(tc, replaying_reports_progress_and_stops_at_shutdown);
    tcase_add_test(tc, incr_file_holds_what_redis_7_writes);
    tcase_add_test(tc, set_repl_keeps_withheld_writes_out_of_the_aof);
    tcase_add_test(tc, a_base_of_commands_round_trips);
    tcase_add_test(tc, nothing_expires_while_the_aof_loads);
    tcase_add_test(tc, an_old_single_file_aof_is_migrated);
    tcase_add_test(tc, save_points_count_from_the_start_with_the_aof);
    tcase_add_test(tc, redis_check_aof_accepts_grove_directory);
    tcase_add_test(tc, redis_and_grove_start_from_each_others_directory);
    suite_add_tcase(s, tc);

    tc = tcase_create("failures");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, kill_9_with_fsync_always_keeps_every_acknowledged_write);
    tcase_add_test(tc, truncated_tail_is_dropped_or_refused);
    tcase_add_test(tc, corrupt_file_is_refused_naming_file_and_offset);
#ifdef GROVE_FAULT_INJECTION
    tcase_add_test(tc, a_failing_disk_gives_misconf_not_a_crash);
#endif
    suite_add_tcase(s, tc);

    tc = tcase_create("rewrite");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bgrewriteaof_under_writers_keeps_every_write);
    tcase_add_test(tc, config_set_appendonly_starts_from_a_rewrite_and_stops);
    tcase_add_test(tc, rewrites_asked_inside_exec_start_from_the_cron);
    tcase_add_test(tc, turning_the_aof_off_kills_its_rewrite);
    tcase_add_test(tc, shutdown_waits_for_the_initial_aof);
    tcase_add_test(tc, aof_flush_sleep_keeps_the_always_barrier);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_rewrite_with_the_aof_off_leaves_only_a_base);
    tcase_add_test(tc, history_stays_while_auto_gc_is_off);
    tcase_add_test(tc, enabling_appends_to_a_temporary_incr_until_the_rewrite_succeeds);
    tcase_add_test(tc, enabling_during_a_rewrite_with_the_aof_off_starts_over);
    tcase_add_test(tc, repeated_failures_hold_back_automatic_rewrites);
    tcase_add_test(tc, timestamp_annotations_are_written_and_loaded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(aof_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
