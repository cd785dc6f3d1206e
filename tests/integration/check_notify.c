/*
 * check_notify.c - keyspace notifications (notify-keyspace-events) against
 * a server with four worker loops: for each family of commands the exact
 * sequence of messages Redis publishes, received by several subscribers
 * (so some sit on another loop than the writer); expired, evicted, new
 * and keymiss events; filtering by class and by channel kind; off by
 * default; CONFIG GET's formatting; RESP2 and RESP3 message shapes; and
 * the order of events from writers on different loops.
 *
 * Every table of commands and events was recorded from redis-server
 * 7.0.15 (PSUBSCRIBE __key*@*__:* while the commands ran).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

#define WATCHERS 6 /* with 4 loops, some are almost surely not the writer's */
#define MARK "notify-mark"
#define MAX_EVENTS 512

static void start_four_loops(void)
{
    static const char *const args[] = {"--threads", "4", NULL};
    harness_start(&harness_srv, args);
}

/* ---- watchers: raw RESP2 subscribers to every keyspace channel -------------- */

struct watcher {
    int fd;
    redisReader *reader;
};

static redisReply *next_reply(struct watcher *w)
{
    redisReply *r = harness_raw_reply(w->fd, w->reader);
    ck_assert_msg(r != NULL, "no message within the deadline");
    return r;
}

static void watch(struct watcher *w)
{
    w->fd = harness_raw_connect(&harness_srv);
    w->reader = redisReaderCreate();
    harness_raw_send_line(w->fd, "PSUBSCRIBE __key*@*__:*");
    freeReplyObject(next_reply(w));
    harness_raw_send_line(w->fd, "SUBSCRIBE " MARK);
    freeReplyObject(next_reply(w));
}

static void unwatch(struct watcher *w)
{
    redisReaderFree(w->reader);
    close(w->fd);
}

/* The next message as "channel payload"; false for the MARK message. */
static bool next_event(struct watcher *w, char *buf, size_t cap)
{
    redisReply *r = next_reply(w);
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    bool pattern = strcmp(r->element[0]->str, "pmessage") == 0;
    ck_assert_uint_eq(r->elements, pattern ? 4 : 3);
    snprintf(buf, cap, "%s %s", r->element[r->elements - 2]->str,
             r->element[r->elements - 1]->str);
    freeReplyObject(r);
    return pattern;
}

/* Everything a watcher got before the mark is exactly `want` (NULL-ended). */
static void expect_events(struct watcher *w, const char *const *want)
{
    char got[MAX_EVENTS][160];
    size_t n = 0, nwant = 0;
    while (want[nwant] != NULL)
        nwant++;
    while (n < MAX_EVENTS && next_event(w, got[n], sizeof(got[n])))
        n++;
    for (size_t i = 0; i < n && i < nwant; i++)
        ck_assert_msg(strcmp(got[i], want[i]) == 0, "event %zu: got '%s', want '%s'", i, got[i],
                      want[i]);
    ck_assert_msg(n == nwant, "got %zu events, want %zu (next wanted: '%s')", n, nwant,
                  n < nwant ? want[n] : got[nwant]);
}

/* ---- the writer --------------------------------------------------------------- */

/* Send a command line (harness_raw_send_line's quoting) and read its reply. */
static redisReply *write_cmd(int fd, redisReader *reader, const char *line)
{
    harness_raw_send_line(fd, line);
    redisReply *r = harness_raw_reply(fd, reader);
    ck_assert_msg(r != NULL, "no reply to %s", line);
    return r;
}

/* In a list of commands: wait 5 ms (a 1 ms TTL has passed after it,
 * however much longer it lasts). */
#define PAUSE ""

/* Set the flags, run the commands on a connection of their own, publish
 * the mark, and check every watcher got exactly `events` before it. */
static void expect_sequence(const char *flags, const char *const *cmds,
                            const char *const *events)
{
    struct watcher w[WATCHERS];
    for (int i = 0; i < WATCHERS; i++)
        watch(&w[i]);
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events %s", flags);
    int fd = harness_raw_connect(&harness_srv);
    redisReader *reader = redisReaderCreate();
    for (size_t i = 0; cmds[i] != NULL; i++) {
        if (cmds[i][0] == '\0')
            harness_sleep_ms(5);
        else
            freeReplyObject(write_cmd(fd, reader, cmds[i]));
    }
    harness_expect_int(write_cmd(fd, reader, "PUBLISH " MARK " end"), WATCHERS);
    for (int i = 0; i < WATCHERS; i++) {
        expect_events(&w[i], events);
        unwatch(&w[i]);
    }
    redisReaderFree(reader);
    close(fd);
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events %s", "");
}

#define EXPECT_SEQUENCE(flags, name) expect_sequence(flags, name##_cmds, name##_events)

/* generic */
static const char *const generic_cmds[] = {
    "SET a 1", "SET b 2", "DEL a b c", "SET a 1", "UNLINK a", "SET x 1", "RENAME x y",
    "SET z 1", "RENAME y z", "RENAMENX z w", "SET q 1", "RENAMENX w q", "MOVE w 3", "SET m 1",
    "COPY m m2", "COPY m m2 REPLACE", "COPY m m5 DB 2", "EXPIRE m 100", "PEXPIRE m 100000",
    "EXPIREAT m 99999999999", "EXPIRE m 100 NX", "PERSIST m", "PERSIST m", "EXPIRE m -1",
    "SET n 1", "PEXPIREAT n 1", "SWAPDB 0 1", "SWAPDB 0 1", "FLUSHDB", "SET f 1", "FLUSHALL", NULL};
static const char *const generic_events[] = {
    "__keyspace@0__:a set", "__keyevent@0__:set a", "__keyspace@0__:b set",
    "__keyevent@0__:set b", "__keyspace@0__:a del", "__keyevent@0__:del a",
    "__keyspace@0__:b del", "__keyevent@0__:del b", "__keyspace@0__:a set",
    "__keyevent@0__:set a", "__keyspace@0__:a del", "__keyevent@0__:del a",
    "__keyspace@0__:x set", "__keyevent@0__:set x", "__keyspace@0__:x rename_from",
    "__keyevent@0__:rename_from x", "__keyspace@0__:y rename_to", "__keyevent@0__:rename_to y",
    "__keyspace@0__:z set", "__keyevent@0__:set z", "__keyspace@0__:y rename_from",
    "__keyevent@0__:rename_from y", "__keyspace@0__:z rename_to", "__keyevent@0__:rename_to z",
    "__keyspace@0__:z rename_from", "__keyevent@0__:rename_from z",
    "__keyspace@0__:w rename_to", "__keyevent@0__:rename_to w", "__keyspace@0__:q set",
    "__keyevent@0__:set q", "__keyspace@0__:w move_from", "__keyevent@0__:move_from w",
    "__keyspace@3__:w move_to", "__keyevent@3__:move_to w", "__keyspace@0__:m set",
    "__keyevent@0__:set m", "__keyspace@0__:m2 copy_to", "__keyevent@0__:copy_to m2",
    "__keyspace@0__:m2 copy_to", "__keyevent@0__:copy_to m2", "__keyspace@2__:m5 copy_to",
    "__keyevent@2__:copy_to m5", "__keyspace@0__:m expire", "__keyevent@0__:expire m",
    "__keyspace@0__:m expire", "__keyevent@0__:expire m", "__keyspace@0__:m expire",
    "__keyevent@0__:expire m", "__keyspace@0__:m persist", "__keyevent@0__:persist m",
    "__keyspace@0__:m del", "__keyevent@0__:del m", "__keyspace@0__:n set",
    "__keyevent@0__:set n", "__keyspace@0__:n del", "__keyevent@0__:del n",
    "__keyspace@0__:f set", "__keyevent@0__:set f", NULL};

/* string */
static const char *const string_cmds[] = {
    "SET s 1", "SET s 2 EX 100", "SETNX s 3", "SETNX s2 3", "SETEX s3 100 v",
    "PSETEX s4 100000 v", "GETSET s x", "SET s y GET", "SET s z NX", "MSET a 1 b 2",
    "MSETNX c 1 d 2", "APPEND a x", "APPEND na x", "SETRANGE a 1 zz", "SETRANGE nr 0 ''",
    "INCR i", "DECR i", "INCRBY i 5", "DECRBY i 2", "INCRBYFLOAT f 1.5", "GETDEL a",
    "GETDEL nokey", "GETEX b EX 100", "GETEX b PERSIST", "GETEX b PERSIST", "GETEX b PXAT 1",
    "SET k v KEEPTTL", "SET k v XX PX 5000", "SET nx v XX", "GET k", NULL};
static const char *const string_events[] = {
    "__keyspace@0__:s set", "__keyspace@0__:s set", "__keyspace@0__:s expire",
    "__keyspace@0__:s2 set", "__keyspace@0__:s3 set", "__keyspace@0__:s3 expire",
    "__keyspace@0__:s4 set", "__keyspace@0__:s4 expire", "__keyspace@0__:s set",
    "__keyspace@0__:s set", "__keyspace@0__:a set", "__keyspace@0__:b set",
    "__keyspace@0__:c set", "__keyspace@0__:d set", "__keyspace@0__:a append",
    "__keyspace@0__:na append", "__keyspace@0__:a setrange", "__keyspace@0__:i incrby",
    "__keyspace@0__:i incrby", "__keyspace@0__:i incrby", "__keyspace@0__:i incrby",
    "__keyspace@0__:f incrbyfloat", "__keyspace@0__:a del", "__keyspace@0__:b expire",
    "__keyspace@0__:b persist", "__keyspace@0__:b del", "__keyspace@0__:k set",
    "__keyspace@0__:k set", "__keyspace@0__:k expire", NULL};

/* list */
static const char *const list_cmds[] = {
    "LPUSH l a b c", "RPUSH l d", "LPUSHX l e", "RPUSHX nol e", "LPOP l", "RPOP l", "LPOP l 0",
    "LPOP l 2", "LSET l 0 z", "LINSERT l BEFORE z y", "LINSERT l BEFORE nope y", "LREM l 0 y",
    "LTRIM l 0 -1", "RPUSH l 1 2 3", "LMOVE l l2 LEFT RIGHT", "RPOPLPUSH l l2",
    "LMOVE l2 l2 LEFT LEFT", "LMOVE l l3 RIGHT LEFT", "LMOVE l l3 RIGHT LEFT",
    "LMPOP 2 x l2 LEFT COUNT 10", "RPUSH t a", "LTRIM t 5 10", "RPUSH t a a", "LREM t 0 a",
    "RPUSH p a", "RPOP p", "BLPOP l3 0", "RPUSH b x y", "BRPOP b 0", "BLMOVE b b2 LEFT RIGHT 0",
    "BRPOPLPUSH b2 b3 0", "BLMPOP 0 1 b3 RIGHT", "LRANGE l 0 -1", NULL};
static const char *const list_events[] = {
    "__keyspace@0__:l lpush", "__keyspace@0__:l rpush", "__keyspace@0__:l lpush",
    "__keyspace@0__:l lpop", "__keyspace@0__:l rpop", "__keyspace@0__:l lpop",
    "__keyspace@0__:l lset", "__keyspace@0__:l linsert", "__keyspace@0__:l lrem",
    "__keyspace@0__:l ltrim", "__keyspace@0__:l rpush", "__keyspace@0__:l2 rpush",
    "__keyspace@0__:l lpop", "__keyspace@0__:l2 lpush", "__keyspace@0__:l rpop",
    "__keyspace@0__:l2 lpush", "__keyspace@0__:l2 lpop", "__keyspace@0__:l3 lpush",
    "__keyspace@0__:l rpop", "__keyspace@0__:l3 lpush", "__keyspace@0__:l rpop",
    "__keyspace@0__:l del", "__keyspace@0__:l2 lpop", "__keyspace@0__:l2 del",
    "__keyspace@0__:t rpush", "__keyspace@0__:t ltrim", "__keyspace@0__:t del",
    "__keyspace@0__:t rpush", "__keyspace@0__:t lrem", "__keyspace@0__:t del",
    "__keyspace@0__:p rpush", "__keyspace@0__:p rpop", "__keyspace@0__:p del",
    "__keyspace@0__:l3 lpop", "__keyspace@0__:b rpush", "__keyspace@0__:b rpop",
    "__keyspace@0__:b2 rpush", "__keyspace@0__:b lpop", "__keyspace@0__:b del",
    "__keyspace@0__:b3 lpush", "__keyspace@0__:b2 rpop", "__keyspace@0__:b2 del",
    "__keyspace@0__:b3 rpop", "__keyspace@0__:b3 del", NULL};

/* hash */
static const char *const hash_cmds[] = {
    "HSET h a 1 b 2", "HSET h a 1", "HMSET h c 3", "HSETNX h a 9", "HSETNX h d 9",
    "HINCRBY h n 5", "HINCRBYFLOAT h f 1.5", "HDEL h a zz", "HDEL h zz", "HDEL h b c d n f",
    "HINCRBY h2 x 1", "HINCRBYFLOAT h3 x 1", "HSETNX h4 a 1", "HGET h2 x", NULL};
static const char *const hash_events[] = {
    "__keyspace@0__:h hset", "__keyspace@0__:h hset", "__keyspace@0__:h hset",
    "__keyspace@0__:h hset", "__keyspace@0__:h hincrby", "__keyspace@0__:h hincrbyfloat",
    "__keyspace@0__:h hdel", "__keyspace@0__:h hdel", "__keyspace@0__:h del",
    "__keyspace@0__:h2 hincrby", "__keyspace@0__:h3 hincrbyfloat", "__keyspace@0__:h4 hset", NULL};

/* set */
static const char *const set_cmds[] = {
    "SADD s a b c", "SADD s a", "SREM s a z", "SREM s z", "SMOVE s t b", "SMOVE s t c",
    "SMOVE t u zz", "SADD x 1 2 3 4", "SPOP x", "SPOP x 2", "SPOP x 0", "SPOP x 5",
    "SADD a1 1 2", "SADD a2 2 3", "SINTERSTORE d a1 a2", "SUNIONSTORE d a1 a2",
    "SDIFFSTORE d a1 a2", "SINTERSTORE d a1 nokey", "SINTERSTORE d a1 nokey",
    "SDIFFSTORE e a1 a1", "SMOVE a1 a2 2", "SMEMBERS a2", NULL};
static const char *const set_events[] = {
    "__keyspace@0__:s sadd", "__keyspace@0__:s srem", "__keyspace@0__:s srem",
    "__keyspace@0__:t sadd", "__keyspace@0__:s srem", "__keyspace@0__:s del",
    "__keyspace@0__:t sadd", "__keyspace@0__:x sadd", "__keyspace@0__:x spop",
    "__keyspace@0__:x spop", "__keyspace@0__:x spop", "__keyspace@0__:x del",
    "__keyspace@0__:a1 sadd", "__keyspace@0__:a2 sadd", "__keyspace@0__:d sinterstore",
    "__keyspace@0__:d sunionstore", "__keyspace@0__:d sdiffstore", "__keyspace@0__:d del",
    "__keyspace@0__:a1 srem", NULL};

/* zset */
static const char *const zset_cmds[] = {
    "ZADD z 1 a 2 b", "ZADD z 1 a", "ZADD z 5 a", "ZADD z INCR 1 a", "ZINCRBY z 2 b",
    "ZADD z XX 1 c", "ZADD z NX 1 a", "ZADD z CH GT 1 a", "ZREM z a q", "ZREM z q",
    "ZADD z 1 a 2 c 3 d 4 e 5 f", "ZREMRANGEBYSCORE z 1 1", "ZREMRANGEBYRANK z 0 0",
    "ZREMRANGEBYLEX z - +", "ZREMRANGEBYLEX z - +", "ZADD z 1 a 2 b 3 c", "ZPOPMIN z",
    "ZPOPMAX z 5", "ZADD y 1 a 2 b", "ZADD w 1 b", "ZUNIONSTORE d 2 y w", "ZINTERSTORE d 2 y w",
    "ZDIFFSTORE d 2 y w", "ZDIFFSTORE d 2 y y", "ZDIFFSTORE d 2 y y", "ZRANGESTORE r y 0 -1",
    "ZRANGESTORE r y 5 10", "ZMPOP 1 y MAX COUNT 5", "ZADD q 1 a", "BZPOPMIN q 0",
    "ZADD q 1 a 2 b", "BZMPOP 0 1 q MIN COUNT 1", "BZPOPMAX q 0", "ZRANGE r 0 -1", NULL};
static const char *const zset_events[] = {
    "__keyspace@0__:z zadd", "__keyspace@0__:z zadd", "__keyspace@0__:z zincr",
    "__keyspace@0__:z zincr", "__keyspace@0__:z zrem", "__keyspace@0__:z zadd",
    "__keyspace@0__:z zremrangebyscore", "__keyspace@0__:z zremrangebyrank",
    "__keyspace@0__:z zremrangebylex", "__keyspace@0__:z del", "__keyspace@0__:z zadd",
    "__keyspace@0__:z zpopmin", "__keyspace@0__:z zpopmax", "__keyspace@0__:z del",
    "__keyspace@0__:y zadd", "__keyspace@0__:w zadd", "__keyspace@0__:d zunionstore",
    "__keyspace@0__:d zinterstore", "__keyspace@0__:d zdiffstore", "__keyspace@0__:d del",
    "__keyspace@0__:r zrangestore", "__keyspace@0__:r del", "__keyspace@0__:y zpopmax",
    "__keyspace@0__:y del", "__keyspace@0__:q zadd", "__keyspace@0__:q zpopmin",
    "__keyspace@0__:q del", "__keyspace@0__:q zadd", "__keyspace@0__:q zpopmin",
    "__keyspace@0__:q zpopmax", "__keyspace@0__:q del", NULL};

/* new */
static const char *const new_cmds[] = {
    "SET a 1", "SET a 2", "LPUSH l x", "LPUSH l y", "HSET h f v", "SADD s m", "ZADD z 1 m",
    "SET b 1", "RENAME a b", "RENAME b c", "COPY c d", "COPY c d REPLACE", "MOVE d 1", "INCR i",
    "APPEND ap x", "SETRANGE sr 2 x", "LMOVE l l2 LEFT LEFT", "SUNIONSTORE u s",
    "ZUNIONSTORE zu 1 z", "SET i x", "DEL i", "SET i y", NULL};
static const char *const new_events[] = {
    "__keyspace@0__:a new", "__keyspace@0__:l new", "__keyspace@0__:h new",
    "__keyspace@0__:s new", "__keyspace@0__:z new", "__keyspace@0__:b new",
    "__keyspace@0__:b new", "__keyspace@0__:c new", "__keyspace@0__:d new",
    "__keyspace@0__:d new", "__keyspace@1__:d new", "__keyspace@0__:i new",
    "__keyspace@0__:ap new", "__keyspace@0__:sr new", "__keyspace@0__:l2 new",
    "__keyspace@0__:u new", "__keyspace@0__:zu new", "__keyspace@0__:i new", NULL};

/* keymiss */
static const char *const keymiss_cmds[] = {
    "GET nope", "SET k v", "GET k", "EXISTS nope k", "TYPE nope", "TTL nope", "PTTL nope",
    "OBJECT ENCODING nope", "STRLEN nope", "HGET nope f", "LRANGE nope 0 1", "SMEMBERS nope",
    "ZSCORE nope a", "MGET nope k nope2", "COPY nope x", "TOUCH nope", "LPOP nope", "INCR c",
    "GETEX nope", "HGETALL nope", "SCARD nope", "ZRANGE nope 0 1", "LINDEX nope 0",
    "SRANDMEMBER nope", "GETRANGE nope 0 1", "SINTER nope nope2", "ZUNION 2 nope nope2",
    "SISMEMBER nope a", "HSCAN nope 0", "EXPIRETIME nope", "RENAME nope x", "SET nope 1",
    "DEL nope", NULL};
static const char *const keymiss_events[] = {
    "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss",
    "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss",
    "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss",
    "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss",
    "__keyspace@0__:nope2 keymiss", "__keyspace@0__:nope keymiss",
    "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss",
    "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss",
    "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss",
    "__keyspace@0__:nope2 keymiss", "__keyspace@0__:nope keymiss",
    "__keyspace@0__:nope2 keymiss", "__keyspace@0__:nope keymiss",
    "__keyspace@0__:nope keymiss", "__keyspace@0__:nope keymiss", NULL};

/* transaction */
static const char *const transaction_cmds[] = {
    "MULTI", "SET a 1", "LPUSH l x", "DEL a", "EXEC",
    "EVAL 'redis.call(\"set\",KEYS[1],\"v\") redis.call(\"incr\",\"c\") "
    "redis.call(\"rpop\",\"l\") return 1' 1 k",
    "SELECT 5", "SET five 1", "SELECT 0", NULL};
static const char *const transaction_events[] = {
    "__keyspace@0__:a set", "__keyevent@0__:set a", "__keyspace@0__:l lpush",
    "__keyevent@0__:lpush l", "__keyspace@0__:a del", "__keyevent@0__:del a",
    "__keyspace@0__:k set", "__keyevent@0__:set k", "__keyspace@0__:c incrby",
    "__keyevent@0__:incrby c", "__keyspace@0__:l rpop", "__keyevent@0__:rpop l",
    "__keyspace@0__:l del", "__keyevent@0__:del l", "__keyspace@5__:five set",
    "__keyevent@5__:set five", NULL};

/* only_string_keyspace */
static const char *const only_string_keyspace_cmds[] = {
    "SET a 1", "DEL a", "LPUSH l x", "INCR i", "EXPIRE i 100", "APPEND i 1", NULL};
static const char *const only_string_keyspace_events[] = {
    "__keyspace@0__:a set", "__keyspace@0__:i incrby", "__keyspace@0__:i append", NULL};

/* only_generic_keyevent */
static const char *const only_generic_keyevent_cmds[] = {
    "SET a 1", "DEL a", "LPUSH l x", "LPOP l", "SET i 1", "EXPIRE i 100", "RENAME i j", NULL};
static const char *const only_generic_keyevent_events[] = {
    "__keyevent@0__:del a", "__keyevent@0__:del l", "__keyevent@0__:expire i",
    "__keyevent@0__:rename_from i", "__keyevent@0__:rename_to j", NULL};

/* list_and_zset_classes */
static const char *const list_and_zset_classes_cmds[] = {
    "SET a 1", "LPUSH l x", "ZADD z 1 m", "SADD s m", "HSET h f v", "ZPOPMIN z", "RPOP l", NULL};
static const char *const list_and_zset_classes_events[] = {
    "__keyspace@0__:l lpush", "__keyevent@0__:lpush l", "__keyspace@0__:z zadd",
    "__keyevent@0__:zadd z", "__keyspace@0__:z zpopmin", "__keyevent@0__:zpopmin z",
    "__keyspace@0__:l rpop", "__keyevent@0__:rpop l", NULL};

/* classes_without_channel */
static const char *const classes_without_channel_cmds[] = {
    "SET a 1", "DEL a", "LPUSH l x", NULL};
static const char *const classes_without_channel_events[] = {
    NULL};
/* ---- each family, exactly as Redis ------------------------------------------- */

START_TEST(generic_commands_notify_as_redis)
{
    EXPECT_SEQUENCE("KEA", generic);
}
END_TEST

START_TEST(string_commands_notify_as_redis)
{
    EXPECT_SEQUENCE("KA", string);
}
END_TEST

START_TEST(list_commands_notify_as_redis)
{
    EXPECT_SEQUENCE("KA", list);
}
END_TEST

START_TEST(hash_commands_notify_as_redis)
{
    EXPECT_SEQUENCE("KA", hash);
}
END_TEST

START_TEST(set_commands_notify_as_redis)
{
    EXPECT_SEQUENCE("KA", set);
}
END_TEST

START_TEST(zset_commands_notify_as_redis)
{
    EXPECT_SEQUENCE("KA", zset);
}
END_TEST

START_TEST(new_keys_notify_as_redis)
{
    EXPECT_SEQUENCE("Kn", new);
}
END_TEST

START_TEST(read_misses_notify_keymiss_as_redis)
{
    EXPECT_SEQUENCE("Km", keymiss);
}
END_TEST

START_TEST(transactions_scripts_and_other_databases_notify_as_redis)
{
    EXPECT_SEQUENCE("KEA", transaction);
}
END_TEST

/* ---- filtering by class and channel kind ----------------------------------------- */

START_TEST(string_class_on_keyspace_channel_only)
{
    EXPECT_SEQUENCE("K$", only_string_keyspace);
}
END_TEST

START_TEST(generic_class_on_keyevent_channel_only)
{
    EXPECT_SEQUENCE("Eg", only_generic_keyevent);
}
END_TEST

START_TEST(list_and_zset_classes_only)
{
    EXPECT_SEQUENCE("KElz", list_and_zset_classes);
}
END_TEST

START_TEST(classes_without_a_channel_kind_publish_nothing)
{
    EXPECT_SEQUENCE("A", classes_without_channel);
}
END_TEST

START_TEST(off_by_default)
{
    static const char *const cmds[] = {"SET a 1", "DEL a", "GET nope", "LPUSH l x", NULL};
    static const char *const none[] = {NULL};
    harness_expect_array(CMD("CONFIG GET notify-keyspace-events"), 2,
                         (const char *[]){"notify-keyspace-events", ""});
    expect_sequence("", cmds, none);
}
END_TEST

/* ---- expiry, eviction, blocked clients ------------------------------------------- */

/* Whether the cron or the GET expires the key, Redis publishes the same. */
START_TEST(expired_key_read_notifies_expired_then_keymiss)
{
    static const char *const cmds[] = {"SET lazy v PX 1", PAUSE, "GET lazy", NULL};
    static const char *const events[] = {
        "__keyspace@0__:lazy set", "__keyevent@0__:set lazy", "__keyspace@0__:lazy expire",
        "__keyevent@0__:expire lazy", "__keyspace@0__:lazy expired",
        "__keyevent@0__:expired lazy", "__keyspace@0__:lazy keymiss",
        "__keyevent@0__:keymiss lazy", NULL};
    expect_sequence("KEAm", cmds, events);
}
END_TEST

/* RESTORE's payload is binary, so this sequence goes through hiredis. As
 * Redis: "new" and "restore" for a key restored, REPLACE deletes silently,
 * a TTL already past only deletes ("del" when REPLACE removed a key). */
START_TEST(restore_notifies_as_redis)
{
    static const char *const events[] = {
        "__keyspace@0__:r2 new", "__keyevent@0__:new r2", "__keyspace@0__:r2 restore",
        "__keyevent@0__:restore r2", "__keyspace@0__:r2 new", "__keyevent@0__:new r2",
        "__keyspace@0__:r2 restore", "__keyevent@0__:restore r2", "__keyspace@0__:r2 del",
        "__keyevent@0__:del r2", NULL};
    harness_cmd_ok(harness_ctx, "SET r v");
    redisReply *dump = redisCommand(harness_ctx, "DUMP r");
    ck_assert_int_eq(dump->type, REDIS_REPLY_STRING);
    struct watcher w[WATCHERS];
    for (int i = 0; i < WATCHERS; i++)
        watch(&w[i]);
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events KEAn");
    harness_cmd_ok(harness_ctx, "RESTORE r2 0 %b", dump->str, dump->len);
    harness_cmd_ok(harness_ctx, "RESTORE r2 0 %b REPLACE", dump->str, dump->len);
    harness_cmd_ok(harness_ctx, "RESTORE r2 1 %b REPLACE ABSTTL", dump->str, dump->len);
    harness_cmd_ok(harness_ctx, "RESTORE r3 1 %b ABSTTL", dump->str, dump->len);
    harness_expect_int(redisCommand(harness_ctx, "PUBLISH " MARK " end"), WATCHERS);
    for (int i = 0; i < WATCHERS; i++) {
        expect_events(&w[i], events);
        unwatch(&w[i]);
    }
    freeReplyObject(dump);
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events %s", "");
}
END_TEST

/* Nobody reads the key: the cron's active expiry (on the main thread)
 * deletes it and its event reaches every subscriber's loop. */
START_TEST(active_expiry_notifies_expired)
{
    struct watcher w[WATCHERS];
    char ev[160];
    for (int i = 0; i < WATCHERS; i++)
        watch(&w[i]);
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events Ex");
    harness_cmd_ok(harness_ctx, "SELECT 4");
    harness_cmd_ok(harness_ctx, "SET act v PX 20");
    for (int i = 0; i < WATCHERS; i++) {
        ck_assert(next_event(&w[i], ev, sizeof(ev)));
        ck_assert_str_eq(ev, "__keyevent@4__:expired act");
        unwatch(&w[i]);
    }
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events %s", "");
}
END_TEST

START_TEST(eviction_notifies_evicted)
{
    static const char *const cmds[] = {
        "SELECT 2", "SET a 1", "CONFIG SET maxmemory-policy allkeys-lru",
        "CONFIG SET maxmemory 1", "PING", "CONFIG SET maxmemory 0",
        "CONFIG SET maxmemory-policy noeviction", NULL};
    static const char *const events[] = {"__keyevent@2__:evicted a", NULL};
    expect_sequence("Ee", cmds, events);
}
END_TEST

/* CONFIG SET maxmemory evicts at once, as Redis does: the subscribers get
 * the event without any other command running. */
START_TEST(lowering_maxmemory_evicts_at_once)
{
    struct watcher w[WATCHERS];
    char ev[160];
    for (int i = 0; i < WATCHERS; i++)
        watch(&w[i]);
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events Ee");
    harness_cmd_ok(harness_ctx, "CONFIG SET maxmemory-policy allkeys-lru");
    harness_cmd_ok(harness_ctx, "SELECT 3");
    harness_cmd_ok(harness_ctx, "SET b 1");
    harness_cmd_ok(harness_ctx, "CONFIG SET maxmemory 1");
    for (int i = 0; i < WATCHERS; i++) {
        ck_assert(next_event(&w[i], ev, sizeof(ev)));
        ck_assert_str_eq(ev, "__keyevent@3__:evicted b");
        unwatch(&w[i]);
    }
    harness_cmd_ok(harness_ctx, "CONFIG SET maxmemory 0");
    harness_cmd_ok(harness_ctx, "CONFIG SET maxmemory-policy noeviction");
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events %s", "");
}
END_TEST

/* A blocked BLPOP served by a push from another connection: the push's
 * event, then the pop's, as Redis serves it after the push. */
START_TEST(blocked_pop_served_later_notifies_after_the_push)
{
    static const char *const cmds[] = {"RPUSH bl x", NULL};
    static const char *const events[] = {"__keyspace@0__:bl rpush", "__keyspace@0__:bl lpop",
                                         "__keyspace@0__:bl del", NULL};
    redisContext *blocked = harness_connect(&harness_srv);
    ck_assert_int_eq(redisAppendCommand(blocked, "BLPOP bl 0"), REDIS_OK);
    int done = 0;
    while (!done)
        ck_assert_int_eq(redisBufferWrite(blocked, &done), REDIS_OK);
    harness_wait_info_ll(harness_ctx, "clients", "blocked_clients", 1);
    expect_sequence("KA", cmds, events);
    redisReply *r = NULL;
    ck_assert_int_eq(redisGetReply(blocked, (void **)&r), REDIS_OK);
    harness_expect_array(r, 2, (const char *[]){"bl", "x"});
    redisFree(blocked);
}
END_TEST

/* ---- order across loops ---------------------------------------------------------- */

/* Writers on several connections (so several loops) take turns on one key,
 * each waiting for the other's reply: every subscriber must see the events
 * in the order of the writes, the cross-loop deliveries included. */
#define ORDER_WRITERS 4
#define ORDER_ROUNDS 50

START_TEST(events_from_writers_on_different_loops_keep_write_order)
{
    static const char *events[ORDER_ROUNDS * 3 + 1];
    struct watcher w[WATCHERS];
    int fds[ORDER_WRITERS];
    redisReader *readers[ORDER_WRITERS];
    for (int i = 0; i < WATCHERS; i++)
        watch(&w[i]);
    for (int i = 0; i < ORDER_WRITERS; i++) {
        fds[i] = harness_raw_connect(&harness_srv);
        readers[i] = redisReaderCreate();
    }
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events Kl");
    for (int round = 0; round < ORDER_ROUNDS; round++) {
        int a = round % ORDER_WRITERS, b = (round + 1) % ORDER_WRITERS;
        harness_expect_int(write_cmd(fds[a], readers[a], "RPUSH q x"), 1);
        harness_expect_str(write_cmd(fds[b], readers[b], "LPOP q"), "x");
        events[round * 2] = "__keyspace@0__:q rpush";
        events[round * 2 + 1] = "__keyspace@0__:q lpop";
    }
    events[ORDER_ROUNDS * 2] = NULL;
    harness_expect_int(write_cmd(fds[0], readers[0], "PUBLISH " MARK " end"), WATCHERS);
    for (int i = 0; i < WATCHERS; i++) {
        expect_events(&w[i], events);
        unwatch(&w[i]);
    }
    for (int i = 0; i < ORDER_WRITERS; i++) {
        redisReaderFree(readers[i]);
        close(fds[i]);
    }
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events %s", "");
}
END_TEST

/* ---- message shapes ------------------------------------------------------------------- */

START_TEST(messages_have_publish_shapes_in_resp2_and_resp3)
{
    int r2 = harness_raw_connect(&harness_srv);
    int r3 = harness_resp3_connect(&harness_srv);
    harness_raw_expect(r2, "SUBSCRIBE __keyevent@0__:set",
                       "*3\r\n$9\r\nsubscribe\r\n$18\r\n__keyevent@0__:set\r\n:1\r\n");
    harness_raw_expect(r3, "PSUBSCRIBE __keyspace@0__:*",
                       ">3\r\n$10\r\npsubscribe\r\n$16\r\n__keyspace@0__:*\r\n:1\r\n");
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events KE$");
    harness_cmd_ok(harness_ctx, "SET k v");
    harness_raw_expect_arrives(r2, "*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n");
    harness_raw_expect_arrives(r3, ">4\r\n$8\r\npmessage\r\n$16\r\n__keyspace@0__:*\r\n"
                       "$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n");
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events %s", "");
    close(r2);
    close(r3);
}
END_TEST

/* ---- the option ------------------------------------------------------------------------ */

START_TEST(config_get_shows_classes_in_redis_order)
{
    static const char *const pairs[][2] = {
        {"KEA", "AKE"},   {"KEAn", "AKE"}, {"KEAm", "AKEm"}, {"Kg", "gK"},   {"Ex", "xE"},
        {"$lshz", "$lshz"}, {"nm", "nm"},  {"A", "A"},       {"xK", "xK"},   {"gd", "gd"},
        {"t", "t"},       {"g$lshzxetd", "A"}, {"nKA", "AK"}, {"Ag$lshzxeKEtmdn", "AKEm"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events %s", pairs[i][0]);
        harness_expect_array(CMD("CONFIG GET notify-keyspace-events"), 2,
                             (const char *[]){"notify-keyspace-events", pairs[i][1]});
    }
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events KEA");
    EXPECT_ERR("ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
               "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
               "CONFIG SET notify-keyspace-events KEQ");
    harness_expect_array(CMD("CONFIG GET notify-keyspace-events"), 2,
                         (const char *[]){"notify-keyspace-events", "AKE"});
    harness_cmd_ok(harness_ctx, "CONFIG SET notify-keyspace-events %s", "");
}
END_TEST

START_TEST(option_on_the_command_line)
{
    static const char *const args[] = {"--notify-keyspace-events", "Kx$", NULL};
    struct harness_fixture f;
    harness_up(&f, args);
    harness_expect_array(harness_cmd(f.c, "CONFIG GET notify-keyspace-events"), 2,
                         (const char *[]){"notify-keyspace-events", "$xK"});
    int fd = harness_raw_connect(&f.s);
    harness_raw_expect(fd, "SUBSCRIBE __keyspace@0__:k",
                       "*3\r\n$9\r\nsubscribe\r\n$16\r\n__keyspace@0__:k\r\n:1\r\n");
    harness_cmd_ok(f.c, "SET k v");
    harness_raw_expect_arrives(fd, "*3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n");
    close(fd);
    harness_down(&f);
}
END_TEST

static Suite *notify_suite(void)
{
    Suite *s = suite_create("notify");

    TCase *families = harness_server_case("families", start_four_loops, NULL);
    tcase_add_test(families, off_by_default);
    tcase_add_test(families, generic_commands_notify_as_redis);
    tcase_add_test(families, string_commands_notify_as_redis);
    tcase_add_test(families, list_commands_notify_as_redis);
    tcase_add_test(families, hash_commands_notify_as_redis);
    tcase_add_test(families, set_commands_notify_as_redis);
    tcase_add_test(families, zset_commands_notify_as_redis);
    tcase_add_test(families, new_keys_notify_as_redis);
    tcase_add_test(families, read_misses_notify_keymiss_as_redis);
    tcase_add_test(families, transactions_scripts_and_other_databases_notify_as_redis);
    tcase_add_test(families, restore_notifies_as_redis);
    suite_add_tcase(s, families);

    TCase *filters = harness_server_case("filters", start_four_loops, NULL);
    tcase_add_test(filters, string_class_on_keyspace_channel_only);
    tcase_add_test(filters, generic_class_on_keyevent_channel_only);
    tcase_add_test(filters, list_and_zset_classes_only);
    tcase_add_test(filters, classes_without_a_channel_kind_publish_nothing);
    tcase_add_test(filters, config_get_shows_classes_in_redis_order);
    tcase_add_test(filters, messages_have_publish_shapes_in_resp2_and_resp3);
    suite_add_tcase(s, filters);

    TCase *background = harness_server_case("background", start_four_loops, NULL);
    tcase_add_test(background, expired_key_read_notifies_expired_then_keymiss);
    tcase_add_test(background, active_expiry_notifies_expired);
    tcase_add_test(background, eviction_notifies_evicted);
    tcase_add_test(background, lowering_maxmemory_evicts_at_once);
    tcase_add_test(background, blocked_pop_served_later_notifies_after_the_push);
    tcase_add_test(background, events_from_writers_on_different_loops_keep_write_order);
    suite_add_tcase(s, background);

    TCase *option = tcase_create("option");
    tcase_set_timeout(option, 60);
    tcase_add_test(option, option_on_the_command_line);
    suite_add_tcase(s, option);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(notify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
