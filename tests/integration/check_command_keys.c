/*
 * check_command_keys.c - the key positions that drive shard locking.
 *
 * The dispatcher locks the shards of the keys a command declares (first
 * key, last key, step), and cluster-aware clients and proxies read the same
 * figures from COMMAND INFO (and ask COMMAND GETKEYS when a command has
 * movable keys) to route requests. So for every command that takes more
 * than one key, both must say what Redis 7.0 says.
 *
 * The expected tables were generated once from redis-server 7.0.15
 * (COMMAND, and COMMAND GETKEYS on the sample invocations below) and are
 * committed here: the test does not need redis-server. They list every
 * multi-key command Redis 7.0 has, including those Grove does not implement
 * yet; a command Grove lacks (COMMAND INFO answers nil) is skipped, so the
 * test starts checking it the day it appears.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct grove_server srv;
static redisContext *ctx;

/* ---- Redis 7.0.15's figures ------------------------------------------------------ */

/* COMMAND INFO's first key, last key, step and the movablekeys flag of
 * every command whose keys are more than one position. */
struct key_positions {
    const char *name;
    long long first, last, step;
    bool movable;
};

static const struct key_positions redis_positions[] = {
    {"bitop", 2, -1, 1, false},       {"blmove", 1, 2, 1, false},
    {"blmpop", 0, 0, 0, true},        {"blpop", 1, -2, 1, false},
    {"brpop", 1, -2, 1, false},       {"brpoplpush", 1, 2, 1, false},
    {"bzmpop", 0, 0, 0, true},        {"bzpopmax", 1, -2, 1, false},
    {"bzpopmin", 1, -2, 1, false},    {"copy", 1, 2, 1, false},
    {"del", 1, -1, 1, false},         {"eval", 0, 0, 0, true},
    {"eval_ro", 0, 0, 0, true},       {"evalsha", 0, 0, 0, true},
    {"evalsha_ro", 0, 0, 0, true},    {"exists", 1, -1, 1, false},
    {"fcall", 0, 0, 0, true},         {"fcall_ro", 0, 0, 0, true},
    {"georadius", 1, 1, 1, true},     {"georadiusbymember", 1, 1, 1, true},
    {"geosearchstore", 1, 2, 1, false}, {"lcs", 1, 2, 1, false},
    {"lmove", 1, 2, 1, false},        {"lmpop", 0, 0, 0, true},
    {"mget", 1, -1, 1, false},        {"migrate", 3, 3, 1, true},
    {"mset", 1, -1, 2, false},        {"msetnx", 1, -1, 2, false},
    {"pfcount", 1, -1, 1, false},     {"pfmerge", 1, -1, 1, false},
    {"rename", 1, 2, 1, false},       {"renamenx", 1, 2, 1, false},
    {"rpoplpush", 1, 2, 1, false},    {"sdiff", 1, -1, 1, false},
    {"sdiffstore", 1, -1, 1, false},  {"sinter", 1, -1, 1, false},
    {"sintercard", 0, 0, 0, true},    {"sinterstore", 1, -1, 1, false},
    {"smove", 1, 2, 1, false},        {"sort", 1, 1, 1, true},
    {"sort_ro", 1, 1, 1, true},       {"ssubscribe", 1, -1, 1, false},
    {"sunion", 1, -1, 1, false},      {"sunionstore", 1, -1, 1, false},
    {"sunsubscribe", 1, -1, 1, false}, {"touch", 1, -1, 1, false},
    {"unlink", 1, -1, 1, false},      {"watch", 1, -1, 1, false},
    {"xread", 0, 0, 0, true},         {"xreadgroup", 0, 0, 0, true},
    {"zdiff", 0, 0, 0, true},         {"zdiffstore", 1, 1, 1, true},
    {"zinter", 0, 0, 0, true},        {"zintercard", 0, 0, 0, true},
    {"zinterstore", 1, 1, 1, true},   {"zmpop", 0, 0, 0, true},
    {"zrangestore", 1, 2, 1, false},  {"zunion", 0, 0, 0, true},
    {"zunionstore", 1, 1, 1, true},
};
#define REDIS_POSITIONS (sizeof(redis_positions) / sizeof(redis_positions[0]))

/* COMMAND GETKEYS on one invocation of each: the keys in order, space
 * separated, or the error Redis gives. */
struct getkeys_case {
    const char *argv[12]; /* NULL-terminated; argv[0] is the command */
    const char *expected;
};

#define NO_KEYS "ERR The command has no key arguments"
#define BAD_ARGS "ERR Invalid arguments specified for command"

static const struct getkeys_case redis_getkeys[] = {
    {{"bitop", "AND", "dest", "k1", "k2"}, "dest k1 k2"},
    {{"blmove", "src", "dst", "LEFT", "RIGHT", "0"}, "src dst"},
    {{"blmpop", "0", "2", "k1", "k2", "LEFT", "COUNT", "1"}, "k1 k2"},
    {{"blpop", "k1", "k2", "0"}, "k1 k2"},
    {{"brpop", "k1", "k2", "0"}, "k1 k2"},
    {{"brpoplpush", "src", "dst", "0"}, "src dst"},
    {{"bzmpop", "0", "2", "k1", "k2", "MIN"}, "k1 k2"},
    {{"bzpopmax", "k1", "k2", "0"}, "k1 k2"},
    {{"bzpopmin", "k1", "k2", "0"}, "k1 k2"},
    {{"copy", "src", "dst", "DB", "1", "REPLACE"}, "src dst"},
    {{"del", "k1", "k2", "k3"}, "k1 k2 k3"},
    {{"eval", "return 1", "2", "k1", "k2", "a1"}, "k1 k2"},
    /* no_mandatory_keys: no keys is an empty answer, not an error */
    {{"eval", "return 1", "0"}, ""},
    {{"eval", "return 1", "5", "k1"}, ""},
    {{"eval_ro", "return 1", "2", "k1", "k2", "a1"}, "k1 k2"},
    {{"evalsha", "0000000000000000000000000000000000000000", "2", "k1", "k2", "a1"}, "k1 k2"},
    {{"evalsha_ro", "0000000000000000000000000000000000000000", "2", "k1", "k2", "a1"},
     "k1 k2"},
    {{"exists", "k1", "k2", "k3"}, "k1 k2 k3"},
    {{"fcall", "f", "2", "k1", "k2", "a1"}, "k1 k2"},
    {{"fcall_ro", "f", "2", "k1", "k2", "a1"}, "k1 k2"},
    {{"georadius", "src", "0", "0", "1", "km", "STORE", "dst", "STOREDIST", "dst2"},
     "src dst dst2"},
    {{"georadiusbymember", "src", "m", "1", "km", "STORE", "dst"}, "src dst"},
    {{"geosearchstore", "dst", "src", "FROMMEMBER", "m", "BYRADIUS", "1", "km"}, "dst src"},
    {{"lcs", "k1", "k2", "LEN"}, "k1 k2"},
    {{"lmove", "src", "dst", "LEFT", "RIGHT"}, "src dst"},
    {{"lmpop", "2", "k1", "k2", "LEFT"}, "k1 k2"},
    {{"memory", "usage", "k"}, "k"},
    {{"memory", "nosuch", "k"}, "ERR Invalid command specified"},
    {{"memory", "usage"}, "ERR Invalid number of arguments specified for command"},
    {{"mget", "k1", "k2", "k3"}, "k1 k2 k3"},
    {{"migrate", "127.0.0.1", "1", "", "0", "5000", "KEYS", "k1", "k2"}, "k1 k2"},
    {{"migrate", "127.0.0.1", "1", "k", "0", "5000"}, "k"},
    {{"mset", "k1", "v1", "k2", "v2", "k3", "v3"}, "k1 k2 k3"},
    {{"msetnx", "k1", "v1", "k2", "v2"}, "k1 k2"},
    {{"object", "encoding", "k"}, "k"},
    {{"pfcount", "k1", "k2"}, "k1 k2"},
    /* whether a command takes keys is asked before its arity */
    {{"ping", "a", "b", "c"}, NO_KEYS},
    {{"pfmerge", "dst", "k1", "k2"}, "dst k1 k2"},
    {{"rename", "src", "dst"}, "src dst"},
    {{"renamenx", "src", "dst"}, "src dst"},
    {{"rpoplpush", "src", "dst"}, "src dst"},
    {{"sdiff", "k1", "k2", "k3"}, "k1 k2 k3"},
    {{"sdiffstore", "dst", "k1", "k2"}, "dst k1 k2"},
    {{"sinter", "k1", "k2", "k3"}, "k1 k2 k3"},
    {{"sintercard", "2", "k1", "k2", "LIMIT", "5"}, "k1 k2"},
    {{"sintercard", "3", "a", "b"}, BAD_ARGS},
    {{"sinterstore", "dst", "k1", "k2"}, "dst k1 k2"},
    {{"smove", "src", "dst", "m"}, "src dst"},
    {{"sort", "src", "BY", "w_*", "GET", "o_*", "STORE", "dst"}, "src dst"},
    {{"sort_ro", "src", "BY", "w_*", "GET", "o_*"}, "src"},
    /* Shard channels are not keys to GETKEYS, though COMMAND INFO gives
     * them positions (their key specs carry NOT_KEY). */
    {{"ssubscribe", "c1", "c2"}, NO_KEYS},
    {{"sunsubscribe", "c1", "c2"}, NO_KEYS},
    {{"sunion", "k1", "k2", "k3"}, "k1 k2 k3"},
    {{"sunionstore", "dst", "k1", "k2"}, "dst k1 k2"},
    {{"touch", "k1", "k2", "k3"}, "k1 k2 k3"},
    {{"unlink", "k1", "k2", "k3"}, "k1 k2 k3"},
    {{"watch", "k1", "k2", "k3"}, "k1 k2 k3"},
    {{"xgroup", "create", "s", "g", "$"}, "s"},
    {{"xgroup", "createconsumer", "s", "g", "c"}, "s"},
    {{"xinfo", "stream", "s"}, "s"},
    {{"xread", "COUNT", "1", "STREAMS", "s1", "s2", "0", "0"}, "s1 s2"},
    {{"xreadgroup", "GROUP", "g", "c", "STREAMS", "s1", "s2", ">", ">"}, "s1 s2"},
    {{"zdiff", "2", "k1", "k2", "WITHSCORES"}, "k1 k2"},
    {{"zdiffstore", "dst", "2", "k1", "k2"}, "dst k1 k2"},
    {{"zinter", "2", "k1", "k2", "WEIGHTS", "1", "2"}, "k1 k2"},
    {{"zintercard", "2", "k1", "k2", "LIMIT", "5"}, "k1 k2"},
    {{"zinterstore", "dst", "2", "k1", "k2", "AGGREGATE", "MAX"}, "dst k1 k2"},
    {{"zmpop", "2", "k1", "k2", "MAX", "COUNT", "2"}, "k1 k2"},
    {{"zrangestore", "dst", "src", "0", "-1"}, "dst src"},
    {{"zunion", "2", "k1", "k2"}, "k1 k2"},
    {{"zunionstore", "dst", "2", "k1", "k2", "WEIGHTS", "1", "2"}, "dst k1 k2"},
    {{"zunionstore", "d", "3", "a", "b"}, BAD_ARGS},
};
#define REDIS_GETKEYS (sizeof(redis_getkeys) / sizeof(redis_getkeys[0]))

/* ---- fixtures ------------------------------------------------------------------ */

static void start_server(void)
{
    harness_start(&srv, NULL);
}

static void stop_server(void)
{
    harness_stop(&srv);
}

static void connect_client(void)
{
    ctx = harness_connect(&srv);
}

static void disconnect(void)
{
    redisFree(ctx);
    ctx = NULL;
}

/* ---- helpers -------------------------------------------------------------------- */

static const struct key_positions *redis_figures(const char *name)
{
    for (size_t i = 0; i < REDIS_POSITIONS; i++)
        if (strcmp(redis_positions[i].name, name) == 0)
            return &redis_positions[i];
    return NULL;
}

static bool has_flag(const redisReply *info, const char *flag)
{
    const redisReply *flags = info->element[2];
    for (size_t i = 0; i < flags->elements; i++)
        if (strcmp(flags->element[i]->str, flag) == 0)
            return true;
    return false;
}

/* Grove's COMMAND INFO entry for `name`; NULL (the reply freed) if Grove
 * does not implement it. The caller frees *reply. */
static const redisReply *grove_info(const char *name, redisReply **reply)
{
    *reply = harness_cmd(ctx, "COMMAND INFO %s", name);
    ck_assert_int_eq((*reply)->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq((*reply)->elements, 1);
    if ((*reply)->element[0]->type == REDIS_REPLY_NIL) {
        freeReplyObject(*reply);
        return NULL;
    }
    return (*reply)->element[0];
}

/* Append "name: grove (f, l, s[, movable]) redis (...)" to a report when
 * an entry differs; returns whether it did. */
static bool report_difference(const redisReply *info, const struct key_positions *want,
                              char *report, size_t cap)
{
    long long first = info->element[3]->integer, last = info->element[4]->integer,
              step = info->element[5]->integer;
    bool movable = has_flag(info, "movablekeys");
    if (first == want->first && last == want->last && step == want->step &&
        movable == want->movable)
        return false;
    size_t used = strlen(report);
    snprintf(report + used, cap - used,
             "\n  %s: grove (%lld, %lld, %lld%s), redis (%lld, %lld, %lld%s)",
             info->element[0]->str, first, last, step, movable ? ", movablekeys" : "",
             want->first, want->last, want->step, want->movable ? ", movablekeys" : "");
    return true;
}

/* A GETKEYS reply as "k1 k2" or its error text. */
static void describe_keys(const redisReply *r, char *out, size_t cap)
{
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(out, cap, "%s", r->str);
        return;
    }
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->elements && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? " " : "",
                                 r->element[i]->str);
}

/* Redis 7.0.15's key spec flags of every command with keys: each spec's
 * flags, the specs apart by '|' (ACL's %R~ and %W~ are checked against
 * them; server/command_key_flags.c). */
static const struct {
    const char *name, *flags;
} redis_key_flags[] = {
    {"append", "RW insert"},
    {"bitcount", "RO access"},
    {"bitfield", "RW access update variable_flags"},
    {"bitfield_ro", "RO access"},
    {"bitop", "OW update|RO access"},
    {"bitpos", "RO access"},
    {"blmove", "RW access delete|RW insert"},
    {"blmpop", "RW access delete"},
    {"blpop", "RW access delete"},
    {"brpop", "RW access delete"},
    {"brpoplpush", "RW access delete|RW insert"},
    {"bzmpop", "RW access delete"},
    {"bzpopmax", "RW access delete"},
    {"bzpopmin", "RW access delete"},
    {"copy", "RO access|OW update"},
    {"decr", "RW access update"},
    {"decrby", "RW access update"},
    {"del", "RM delete"},
    {"dump", "RO access"},
    {"eval", "RW access update"},
    {"eval_ro", "RO access"},
    {"evalsha", "RW access update"},
    {"evalsha_ro", "RO access"},
    {"exists", "RO"},
    {"expire", "RW update"},
    {"expireat", "RW update"},
    {"expiretime", "RO access"},
    {"fcall", "RW access update"},
    {"fcall_ro", "RO access"},
    {"geoadd", "RW update"},
    {"geodist", "RO access"},
    {"geohash", "RO access"},
    {"geopos", "RO access"},
    {"georadius", "RO access|OW update|OW update"},
    {"georadius_ro", "RO access"},
    {"georadiusbymember", "RO access|OW update|OW update"},
    {"georadiusbymember_ro", "RO access"},
    {"geosearch", "RO access"},
    {"geosearchstore", "OW update|RO access"},
    {"get", "RO access"},
    {"getbit", "RO access"},
    {"getdel", "RW access delete"},
    {"getex", "RW access update"},
    {"getrange", "RO access"},
    {"getset", "RW access update"},
    {"hdel", "RW delete"},
    {"hexists", "RO"},
    {"hget", "RO access"},
    {"hgetall", "RO access"},
    {"hincrby", "RW access update"},
    {"hincrbyfloat", "RW access update"},
    {"hkeys", "RO access"},
    {"hlen", "RO"},
    {"hmget", "RO access"},
    {"hmset", "RW update"},
    {"hrandfield", "RO access"},
    {"hscan", "RO access"},
    {"hset", "RW update"},
    {"hsetnx", "RW insert"},
    {"hstrlen", "RO"},
    {"hvals", "RO access"},
    {"incr", "RW access update"},
    {"incrby", "RW access update"},
    {"incrbyfloat", "RW access update"},
    {"lcs", "RO access"},
    {"lindex", "RO access"},
    {"linsert", "RW insert"},
    {"llen", "RO"},
    {"lmove", "RW access delete|RW insert"},
    {"lmpop", "RW access delete"},
    {"lpop", "RW access delete"},
    {"lpos", "RO access"},
    {"lpush", "RW insert"},
    {"lpushx", "RW insert"},
    {"lrange", "RO access"},
    {"lrem", "RW delete"},
    {"lset", "RW update"},
    {"ltrim", "RW delete"},
    {"memory|usage", "RO"},
    {"mget", "RO access"},
    {"migrate", "RW access delete|RW access delete incomplete"},
    {"move", "RW access update"},
    {"mset", "OW update"},
    {"msetnx", "OW insert"},
    {"object|encoding", "RO"},
    {"object|freq", "RO"},
    {"object|idletime", "RO"},
    {"object|refcount", "RO"},
    {"persist", "RW update"},
    {"pexpire", "RW update"},
    {"pexpireat", "RW update"},
    {"pexpiretime", "RO access"},
    {"pfadd", "RW insert"},
    {"pfcount", "RW access"},
    {"pfdebug", "RW access"},
    {"pfmerge", "RW access insert|RO access"},
    {"psetex", "OW update"},
    {"pttl", "RO access"},
    {"rename", "RW access delete|OW update"},
    {"renamenx", "RW access delete|OW insert"},
    {"restore", "OW update"},
    {"restore-asking", "OW update"},
    {"rpop", "RW access delete"},
    {"rpoplpush", "RW access delete|RW insert"},
    {"rpush", "RW insert"},
    {"rpushx", "RW insert"},
    {"sadd", "RW insert"},
    {"scard", "RO"},
    {"sdiff", "RO access"},
    {"sdiffstore", "OW update|RO access"},
    {"set", "RW access update variable_flags"},
    {"setbit", "RW access update"},
    {"setex", "OW update"},
    {"setnx", "OW insert"},
    {"setrange", "RW update"},
    {"sinter", "RO access"},
    {"sintercard", "RO access"},
    {"sinterstore", "RW update|RO access"},
    {"sismember", "RO"},
    {"smembers", "RO access"},
    {"smismember", "RO access"},
    {"smove", "RW access delete|RW insert"},
    {"sort", "RO access|RO access|OW update"},
    {"sort_ro", "RO access|RO access"},
    {"spop", "RW access delete"},
    {"spublish", "not_key"},
    {"srandmember", "RO access"},
    {"srem", "RW delete"},
    {"sscan", "RO access"},
    {"ssubscribe", "not_key"},
    {"strlen", "RO"},
    {"substr", "RO access"},
    {"sunion", "RO access"},
    {"sunionstore", "OW update|RO access"},
    {"sunsubscribe", "not_key"},
    {"touch", "RO"},
    {"ttl", "RO access"},
    {"type", "RO"},
    {"unlink", "RM delete"},
    {"watch", "RO"},
    {"xack", "RW update"},
    {"xadd", "RW update"},
    {"xautoclaim", "RW delete"},
    {"xclaim", "RW update"},
    {"xdel", "RW delete"},
    {"xgroup|create", "RW insert"},
    {"xgroup|createconsumer", "RW insert"},
    {"xgroup|delconsumer", "RW delete"},
    {"xgroup|destroy", "RW delete"},
    {"xgroup|setid", "RW update"},
    {"xinfo|consumers", "RO access"},
    {"xinfo|groups", "RO access"},
    {"xinfo|stream", "RO access"},
    {"xlen", "RO"},
    {"xpending", "RO access"},
    {"xrange", "RO access"},
    {"xread", "RO access"},
    {"xreadgroup", "RO access"},
    {"xrevrange", "RO access"},
    {"xsetid", "RW update"},
    {"xtrim", "RW delete"},
    {"zadd", "RW update"},
    {"zcard", "RO"},
    {"zcount", "RO access"},
    {"zdiff", "RO access"},
    {"zdiffstore", "OW update|RO access"},
    {"zincrby", "RW access update"},
    {"zinter", "RO access"},
    {"zintercard", "RO access"},
    {"zinterstore", "OW update|RO access"},
    {"zlexcount", "RO access"},
    {"zmpop", "RW access delete"},
    {"zmscore", "RO access"},
    {"zpopmax", "RW access delete"},
    {"zpopmin", "RW access delete"},
    {"zrandmember", "RO access"},
    {"zrange", "RO access"},
    {"zrangebylex", "RO access"},
    {"zrangebyscore", "RO access"},
    {"zrangestore", "OW update|RO access"},
    {"zrank", "RO access"},
    {"zrem", "RW delete"},
    {"zremrangebylex", "RW delete"},
    {"zremrangebyrank", "RW delete"},
    {"zremrangebyscore", "RW delete"},
    {"zrevrange", "RO access"},
    {"zrevrangebylex", "RO access"},
    {"zrevrangebyscore", "RO access"},
    {"zrevrank", "RO access"},
    {"zscan", "RO access"},
    {"zscore", "RO access"},
    {"zunion", "RO access"},
    {"zunionstore", "OW update|RO access"},
};

/* Every command's (and subcommand's) key spec flags, "RW access|RW insert",
 * into a table by name, from COMMAND's reply. */
static void collect_key_flags(const redisReply *info, char (*names)[48], char (*flags)[160],
                              size_t *n, size_t cap)
{
    const redisReply *specs = info->element[8];
    if (specs->elements > 0 && *n < cap) {
        size_t used = 0;
        snprintf(names[*n], sizeof(names[*n]), "%s", info->element[0]->str);
        flags[*n][0] = '\0';
        for (size_t i = 0; i < specs->elements; i++) {
            const redisReply *spec = specs->element[i];
            for (size_t j = 0; j + 1 < spec->elements; j += 2) {
                if (strcmp(spec->element[j]->str, "flags") != 0)
                    continue;
                const redisReply *f = spec->element[j + 1];
                for (size_t k = 0; k < f->elements; k++)
                    used += (size_t)snprintf(flags[*n] + used, sizeof(flags[*n]) - used, "%s%s",
                                             k ? " " : i ? "|" : "", f->element[k]->str);
            }
        }
        (*n)++;
    }
    for (size_t i = 0; i < info->element[9]->elements; i++)
        collect_key_flags(info->element[9]->element[i], names, flags, n, cap);
}

START_TEST(key_specs_carry_redis_s_flags)
{
    enum { CAP = 512 };
    static char names[CAP][48], flags[CAP][160];
    size_t n = 0, checked = 0;
    redisReply *all = harness_cmd(ctx, "COMMAND");
    for (size_t i = 0; i < all->elements; i++)
        collect_key_flags(all->element[i], names, flags, &n, CAP);
    freeReplyObject(all);
    for (size_t i = 0; i < sizeof(redis_key_flags) / sizeof(redis_key_flags[0]); i++) {
        for (size_t j = 0; j < n; j++) {
            if (strcmp(names[j], redis_key_flags[i].name) != 0)
                continue;
            ck_assert_msg(strcmp(flags[j], redis_key_flags[i].flags) == 0, "%s: grove %s, redis %s",
                          names[j], flags[j], redis_key_flags[i].flags);
            checked++;
        }
    }
    ck_assert_msg(checked >= 180, "only %zu commands with keys found", checked);
}
END_TEST

/* The first key spec's notes, as Redis 7.0.15 gives them ("" for none). */
START_TEST(key_specs_carry_redis_s_notes)
{
    static const struct {
        const char *name, *notes;
    } want[] = {
        {"set", "RW and ACCESS due to the optional `GET` argument"},
        {"eval_ro", "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"},
        {"xadd", "UPDATE instead of INSERT because of the optional trimming feature"},
        {"get", ""},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        redisReply *reply;
        const redisReply *info = grove_info(want[i].name, &reply);
        ck_assert_ptr_nonnull(info);
        const redisReply *spec = info->element[8]->element[0];
        const char *notes = "";
        if (strcmp(spec->element[0]->str, "notes") == 0)
            notes = spec->element[1]->str;
        ck_assert_msg(strcmp(notes, want[i].notes) == 0, "%s: %s", want[i].name, notes);
        freeReplyObject(reply);
    }
}
END_TEST

/* COMMAND GETKEYSANDFLAGS: each key with how the line uses it (a set in
 * RESP3), the bytes redis-server 7.0.15 sends. */
START_TEST(getkeysandflags_says_how_each_key_is_used)
{
    int fd = harness_resp3_connect(&srv);
    harness_raw_expect(fd, "COMMAND GETKEYSANDFLAGS lmove a b left left",
                       "*2\r\n*2\r\n$1\r\na\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n"
                       "*2\r\n$1\r\nb\r\n~2\r\n+RW\r\n+insert\r\n");
    harness_raw_expect(fd, "COMMAND GETKEYSANDFLAGS set k v",
                       "*1\r\n*2\r\n$1\r\nk\r\n~2\r\n+OW\r\n+update\r\n");
    harness_raw_expect(fd, "COMMAND GETKEYSANDFLAGS set k v get",
                       "*1\r\n*2\r\n$1\r\nk\r\n~3\r\n+RW\r\n+access\r\n+update\r\n");
    harness_raw_expect(fd, "COMMAND GETKEYSANDFLAGS nosuch a",
                       "-ERR Invalid command specified\r\n");
    close(fd);
}
END_TEST

/* ---- COMMAND INFO ----------------------------------------------------------------- */

/* Every multi-key command Grove implements declares Redis's positions.
 * All differences are collected, so one run lists them all. */
START_TEST(multi_key_commands_declare_redis_key_positions)
{
    char report[4096] = "";
    size_t checked = 0, wrong = 0;
    for (size_t i = 0; i < REDIS_POSITIONS; i++) {
        redisReply *reply;
        const redisReply *info = grove_info(redis_positions[i].name, &reply);
        if (info == NULL)
            continue;
        checked++;
        wrong += report_difference(info, &redis_positions[i], report, sizeof(report));
        freeReplyObject(reply);
    }
    /* Grove implements at least the string, key, list and set ones. */
    ck_assert_msg(checked >= 20, "only %zu multi-key commands found", checked);
    ck_assert_msg(wrong == 0, "%zu of %zu multi-key commands differ from Redis 7.0:%s", wrong,
                  checked, report);
}
END_TEST

/* The table above is complete: no command Grove has declares several key
 * positions (or movable keys) unless Redis's does too. */
static void check_listed(const redisReply *info, char *report, size_t cap, size_t *unlisted)
{
    long long first = info->element[3]->integer, last = info->element[4]->integer;
    if (first == last && !has_flag(info, "movablekeys"))
        return;
    if (redis_figures(info->element[0]->str) != NULL)
        return;
    size_t used = strlen(report);
    snprintf(report + used, cap - used, " %s", info->element[0]->str);
    (*unlisted)++;
}

START_TEST(no_command_has_multi_key_positions_redis_lacks)
{
    redisReply *all = harness_cmd(ctx, "COMMAND");
    char report[2048] = "";
    size_t unlisted = 0;
    for (size_t i = 0; i < all->elements; i++) {
        const redisReply *info = all->element[i];
        check_listed(info, report, sizeof(report), &unlisted);
        const redisReply *subs = info->element[9];
        for (size_t j = 0; j < subs->elements; j++)
            check_listed(subs->element[j], report, sizeof(report), &unlisted);
    }
    freeReplyObject(all);
    ck_assert_msg(unlisted == 0, "multi-key positions Redis 7.0 does not declare:%s", report);
}
END_TEST

/* ---- COMMAND GETKEYS ---------------------------------------------------------------- */

START_TEST(command_getkeys_finds_the_keys_redis_finds)
{
    char report[4096] = "";
    size_t checked = 0, wrong = 0;
    for (size_t i = 0; i < REDIS_GETKEYS; i++) {
        const struct getkeys_case *t = &redis_getkeys[i];
        redisReply *reply;
        if (grove_info(t->argv[0], &reply) == NULL)
            continue;
        freeReplyObject(reply);
        const char *argv[16] = {"COMMAND", "GETKEYS"};
        size_t argc = 2;
        for (size_t a = 0; t->argv[a] != NULL; a++)
            argv[argc++] = t->argv[a];
        redisReply *r = redisCommandArgv(ctx, (int)argc, argv, NULL);
        ck_assert_msg(r != NULL, "no reply to COMMAND GETKEYS %s", t->argv[0]);
        char got[256];
        describe_keys(r, got, sizeof(got));
        freeReplyObject(r);
        checked++;
        if (strcmp(got, t->expected) != 0) {
            size_t used = strlen(report);
            snprintf(report + used, sizeof(report) - used, "\n  %s %s ...: grove [%s], redis [%s]",
                     t->argv[0], t->argv[1], got, t->expected);
            wrong++;
        }
    }
    ck_assert_msg(checked >= 20, "only %zu invocations checked", checked);
    ck_assert_msg(wrong == 0, "%zu of %zu GETKEYS answers differ from Redis 7.0:%s", wrong,
                  checked, report);
}
END_TEST

/* ---- the suite ---------------------------------------------------------------------- */

static Suite *command_keys_suite(void)
{
    Suite *s = suite_create("command_keys");
    TCase *tc = tcase_create("positions");
    tcase_add_unchecked_fixture(tc, start_server, stop_server);
    tcase_add_checked_fixture(tc, connect_client, disconnect);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, multi_key_commands_declare_redis_key_positions);
    tcase_add_test(tc, key_specs_carry_redis_s_flags);
    tcase_add_test(tc, key_specs_carry_redis_s_notes);
    tcase_add_test(tc, getkeysandflags_says_how_each_key_is_used);
    tcase_add_test(tc, no_command_has_multi_key_positions_redis_lacks);
    tcase_add_test(tc, command_getkeys_finds_the_keys_redis_finds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(command_keys_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
