/*
 * check_races.c - multi-key commands stay atomic while writers on other
 * worker loops change the same keys.
 *
 * The server runs four worker loops and 16 shards per database; every test
 * starts several threads ("racers"), each with its own connection, so the
 * kernel spreads them over the loops, and its keys have distinct names, so
 * they spread over the shards. Writers change the keys in ways that keep
 * an invariant true in every state that exists atomically (a member is in
 * exactly one set, the items of the lists are conserved, A and B are
 * disjoint and cover U, the two keys of a pair are equal...). Readers on
 * other connections check the invariant with commands that see several
 * keys at once (a multi-key command, or MULTI/EXEC, which locks every shard
 * of the transaction). A command that released one shard before taking the
 * next would let a reader see a state that never existed atomically: the
 * invariant breaks and the test fails.
 *
 * Proving it ran concurrently: an operation counts as "overlapped" if,
 * when it started, every racer had already completed one operation; no
 * racer stops until every racer has done RACE_OPS overlapped operations.
 * So every racer did RACE_OPS operations while all the others were still
 * running. The sizes are operation counts, not durations, and moderate, so
 * the sanitizer builds (5-10x slower) stay quick; the deadline only stops a
 * test that would otherwise never end.
 *
 * Racer threads never call Check: a violation is recorded (the first one's
 * text kept) and stops the race; the test thread asserts afterwards.
 */
#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define RACE_OPS 400           /* overlapped operations each racer must do */
#define RACE_DEADLINE_MS 120000
#define MAX_RACERS 8

/* ---- the race runner ------------------------------------------------------------- */

struct racer;
typedef void racer_step_fn(struct racer *r);

struct racer {
    pthread_t thread;
    redisContext *c;
    struct race *race;
    racer_step_fn *step;
    const char *role;
    int slot;            /* index among the racers of its role */
    unsigned seed;
    long ops;
    atomic_long overlapped;
    long successes;      /* role-specific: SMOVEs that moved, MSETNXs that set... */
    long violations;
    char first_violation[512];
};

struct race {
    struct racer racers[MAX_RACERS];
    int n;
    pthread_barrier_t go;
    atomic_int running; /* racers that have completed an operation */
    atomic_bool stop;
    long long deadline_ms;
};

static struct grove_server srv;
static redisContext *ctx;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void violation(struct racer *r, const char *fmt, ...)
{
    if (r->violations++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->first_violation, sizeof(r->first_violation), fmt, ap);
        va_end(ap);
    }
    atomic_store(&r->race->stop, true);
}

static bool race_done(struct race *race)
{
    for (int i = 0; i < race->n; i++)
        if (atomic_load(&race->racers[i].overlapped) < RACE_OPS)
            return now_ms() > race->deadline_ms;
    return true;
}

static void *racer_main(void *arg)
{
    struct racer *r = arg;
    struct race *race = r->race;
    pthread_barrier_wait(&race->go);
    while (!atomic_load(&race->stop)) {
        bool all_running = atomic_load(&race->running) == race->n;
        r->step(r);
        if (r->ops++ == 0)
            atomic_fetch_add(&race->running, 1);
        if (all_running)
            atomic_fetch_add(&r->overlapped, 1);
        if (race_done(race))
            atomic_store(&race->stop, true);
    }
    return NULL;
}

static struct racer *add_racer(struct race *race, const char *role, int slot,
                               racer_step_fn *step)
{
    ck_assert_int_lt(race->n, MAX_RACERS);
    struct racer *r = &race->racers[race->n];
    memset(r, 0, sizeof(*r));
    r->c = harness_connect(&srv);
    r->race = race;
    r->role = role;
    r->slot = slot;
    r->step = step;
    r->seed = (unsigned)(race->n * 7919 + 17);
    race->n++;
    return r;
}

/* Run every racer to the end, then assert that none saw a broken
 * invariant and that each did RACE_OPS operations while all ran. */
static void race_run(struct race *race)
{
    race->deadline_ms = now_ms() + RACE_DEADLINE_MS;
    ck_assert_int_eq(pthread_barrier_init(&race->go, NULL, (unsigned)race->n), 0);
    for (int i = 0; i < race->n; i++)
        ck_assert_int_eq(pthread_create(&race->racers[i].thread, NULL, racer_main,
                                        &race->racers[i]), 0);
    for (int i = 0; i < race->n; i++)
        pthread_join(race->racers[i].thread, NULL);
    pthread_barrier_destroy(&race->go);
    for (int i = 0; i < race->n; i++) {
        struct racer *r = &race->racers[i];
        ck_assert_msg(r->violations == 0, "%s %d, after %ld operations: %s", r->role, r->slot,
                      r->ops, r->first_violation);
    }
    for (int i = 0; i < race->n; i++) {
        struct racer *r = &race->racers[i];
        ck_assert_msg(atomic_load(&r->overlapped) >= RACE_OPS,
                      "%s %d did %ld operations, %ld of them while all racers ran", r->role,
                      r->slot, r->ops, atomic_load(&r->overlapped));
    }
}

static void race_free(struct race *race)
{
    for (int i = 0; i < race->n; i++)
        redisFree(race->racers[i].c);
    race->n = 0;
}

static long role_successes(const struct race *race, const char *role)
{
    long n = 0;
    for (int i = 0; i < race->n; i++)
        if (strcmp(race->racers[i].role, role) == 0)
            n += race->racers[i].successes;
    return n;
}

/* ---- what racers send ------------------------------------------------------------------ */

static int pick(struct racer *r, int n)
{
    return (int)(rand_r(&r->seed) % (unsigned)n);
}

/* A command's reply; NULL (recorded as a violation) if the connection
 * gave none. */
static redisReply *call(struct racer *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redisvCommand(r->c, fmt, ap);
    va_end(ap);
    if (reply == NULL)
        violation(r, "no reply to %s: %s", fmt, r->c->errstr);
    return reply;
}

static void queue(struct racer *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (redisvAppendCommand(r->c, fmt, ap) != REDIS_OK)
        violation(r, "cannot queue %s", fmt);
    va_end(ap);
}

/* After queue("MULTI") and `queued` commands and queue("EXEC"): EXEC's
 * reply, an array of `queued` replies; NULL (a violation) otherwise. */
static redisReply *exec_reply(struct racer *r, size_t queued)
{
    redisReply *reply = NULL;
    for (size_t i = 0; i < queued + 2; i++) {
        freeReplyObject(reply);
        reply = NULL;
        if (redisGetReply(r->c, (void **)&reply) != REDIS_OK) {
            violation(r, "no reply in a transaction: %s", r->c->errstr);
            return NULL;
        }
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != queued) {
        violation(r, "EXEC gave type %d, %zu elements: %s", reply->type, reply->elements,
                  reply->str ? reply->str : "");
        freeReplyObject(reply);
        return NULL;
    }
    return reply;
}

/* Expect an integer reply equal to `want` (any value if want < 0); frees
 * the reply; returns the integer, or -1. */
static long long expect_integer(struct racer *r, redisReply *reply, long long want,
                                const char *what)
{
    if (reply == NULL)
        return -1;
    long long v = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
    if (reply->type != REDIS_REPLY_INTEGER || (want >= 0 && v != want))
        violation(r, "%s: type %d, %lld (expected %lld) %s", what, reply->type, v, want,
                  reply->str ? reply->str : "");
    freeReplyObject(reply);
    return v;
}

static void expect_ok(struct racer *r, redisReply *reply, const char *what)
{
    if (reply != NULL && (reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "OK") != 0))
        violation(r, "%s: type %d %s", what, reply->type, reply->str ? reply->str : "");
    freeReplyObject(reply);
}

/* Each of `lists` (arrays of "<prefix><n>" strings) taken together holds
 * every n in 0..total-1 exactly once. */
static void expect_partition(struct racer *r, redisReply *const *lists, size_t nlists,
                             char prefix, int total, const char *what)
{
    unsigned char seen[256] = {0};
    int count = 0;
    ck_assert_int_le(total, 256);
    for (size_t l = 0; l < nlists; l++) {
        for (size_t i = 0; i < lists[l]->elements; i++) {
            const char *s = lists[l]->element[i]->str;
            int n = s && s[0] == prefix ? atoi(s + 1) : -1;
            if (n < 0 || n >= total || seen[n]++) {
                violation(r, "%s: %s out of place or twice (in key %zu)", what, s ? s : "?", l);
                return;
            }
            count++;
        }
    }
    if (count != total)
        violation(r, "%s: %d of %d members present", what, count, total);
}

/* ---- fixtures ---------------------------------------------------------------------------- */

static void start_server(void)
{
    static const char *const args[] = {"--threads", "4", "--shards", "16", NULL};
    harness_start(&srv, args);
}

static void stop_server(void)
{
    harness_stop(&srv);
}

static void connect_and_flush(void)
{
    ctx = harness_connect(&srv);
    harness_expect_status(harness_cmd(ctx, "FLUSHALL"), "OK");
}

static void disconnect(void)
{
    redisFree(ctx);
    ctx = NULL;
}

/* ---- SMOVE ------------------------------------------------------------------------------- */

#define SMOVE_SETS 8
#define SMOVE_MEMBERS 64

static void smove_step(struct racer *r)
{
    int from = pick(r, SMOVE_SETS), to = (from + 1 + pick(r, SMOVE_SETS - 1)) % SMOVE_SETS;
    r->successes += expect_integer(
        r, call(r, "SMOVE smove:%d smove:%d m%d", from, to, pick(r, SMOVE_MEMBERS)), -1,
        "SMOVE") == 1;
}

/* A MULTI snapshot of every set (each member in exactly one), or SUNION
 * of them all (no member lost in flight). */
static void smove_check_step(struct racer *r)
{
    if (r->ops % 2 == 0) {
        queue(r, "MULTI");
        for (int i = 0; i < SMOVE_SETS; i++)
            queue(r, "SMEMBERS smove:%d", i);
        queue(r, "EXEC");
        redisReply *sets = exec_reply(r, SMOVE_SETS);
        if (sets != NULL)
            expect_partition(r, sets->element, SMOVE_SETS, 'm', SMOVE_MEMBERS, "MULTI snapshot");
        freeReplyObject(sets);
        return;
    }
    redisReply *all = call(r, "SUNION smove:0 smove:1 smove:2 smove:3 smove:4 smove:5 smove:6 "
                              "smove:7");
    if (all != NULL)
        expect_partition(r, &all, 1, 'm', SMOVE_MEMBERS, "SUNION");
    freeReplyObject(all);
}

START_TEST(smove_storm_conserves_every_member_in_exactly_one_set)
{
    for (int m = 0; m < SMOVE_MEMBERS; m++)
        harness_expect_int(harness_cmd(ctx, "SADD smove:%d m%d", m % SMOVE_SETS, m), 1);
    struct race race = {0};
    for (int i = 0; i < 4; i++)
        add_racer(&race, "mover", i, smove_step);
    for (int i = 0; i < 2; i++)
        add_racer(&race, "reader", i, smove_check_step);
    race_run(&race);
    ck_assert_msg(role_successes(&race, "mover") > RACE_OPS / 4, "too few SMOVEs moved anything");
    race_free(&race);
}
END_TEST

/* ---- LMOVE and RPOPLPUSH --------------------------------------------------------------- */

#define ROT_LISTS 6
#define ROT_ITEMS 48

static void rotate_step(struct racer *r)
{
    static const char *const ends[] = {"LEFT", "RIGHT"};
    int from = pick(r, ROT_LISTS), to = pick(r, ROT_LISTS); /* sometimes the same list */
    redisReply *reply =
        pick(r, 3) == 0
            ? call(r, "RPOPLPUSH rot:%d rot:%d", from, to)
            : call(r, "LMOVE rot:%d rot:%d %s %s", from, to, ends[pick(r, 2)], ends[pick(r, 2)]);
    if (reply == NULL)
        return;
    if (reply->type == REDIS_REPLY_STRING)
        r->successes++;
    else if (reply->type != REDIS_REPLY_NIL)
        violation(r, "LMOVE/RPOPLPUSH gave type %d %s", reply->type, reply->str ? reply->str : "");
    freeReplyObject(reply);
}

static void rotate_check_step(struct racer *r)
{
    queue(r, "MULTI");
    for (int i = 0; i < ROT_LISTS; i++)
        queue(r, "LRANGE rot:%d 0 -1", i);
    queue(r, "EXEC");
    redisReply *lists = exec_reply(r, ROT_LISTS);
    if (lists != NULL)
        expect_partition(r, lists->element, ROT_LISTS, 'i', ROT_ITEMS, "MULTI snapshot");
    freeReplyObject(lists);
}

START_TEST(list_rotation_neither_loses_nor_duplicates_items)
{
    for (int i = 0; i < ROT_ITEMS; i++)
        harness_expect_int(harness_cmd(ctx, "RPUSH rot:%d i%d", i % ROT_LISTS, i),
                           i / ROT_LISTS + 1);
    struct race race = {0};
    for (int i = 0; i < 4; i++)
        add_racer(&race, "rotator", i, rotate_step);
    for (int i = 0; i < 2; i++)
        add_racer(&race, "reader", i, rotate_check_step);
    race_run(&race);
    ck_assert_msg(role_successes(&race, "rotator") > RACE_OPS, "too few items moved");
    race_free(&race);
}
END_TEST

/* ---- SINTERSTORE, SUNIONSTORE, SDIFFSTORE ---------------------------------------------- */

/* Writers move members between ss:a and ss:b in MULTI pairs (SREM from
 * one, SADD to the other), so in every atomic state the two are disjoint
 * and together are ss:all. */
#define SS_MEMBERS 32
#define SS_STORERS 3

static void pair_move_step(struct racer *r)
{
    const char *from = pick(r, 2) ? "ss:a" : "ss:b", *to = from[3] == 'a' ? "ss:b" : "ss:a";
    int m = pick(r, SS_MEMBERS);
    queue(r, "MULTI");
    queue(r, "SREM %s u%d", from, m);
    queue(r, "SADD %s u%d", to, m);
    queue(r, "EXEC");
    redisReply *reply = exec_reply(r, 2);
    if (reply != NULL && reply->element[0]->integer != reply->element[1]->integer)
        violation(r, "SREM %lld but SADD %lld", reply->element[0]->integer,
                  reply->element[1]->integer);
    r->successes += reply != NULL && reply->element[0]->integer == 1;
    freeReplyObject(reply);
}

/* Each store must see one atomic state of its sources; every other
 * storer's destination must always hold a whole result. */
static void set_store_step(struct racer *r)
{
    int me = r->slot, other = pick(r, SS_STORERS);
    switch (r->ops % 5) {
    case 0:
        expect_integer(r, call(r, "SINTERSTORE ss:inter:%d ss:a ss:b", me), 0, "SINTERSTORE");
        break;
    case 1:
        expect_integer(r, call(r, "SUNIONSTORE ss:union:%d ss:a ss:b", me), SS_MEMBERS,
                       "SUNIONSTORE");
        break;
    case 2:
        expect_integer(r, call(r, "SDIFFSTORE ss:diff:%d ss:all ss:a ss:b", me), 0,
                       "SDIFFSTORE");
        break;
    case 3:
        expect_integer(r, call(r, "SINTERCARD 2 ss:a ss:b"), 0, "SINTERCARD");
        break;
    default:
        expect_integer(r, call(r, "SCARD ss:union:%d", other), SS_MEMBERS, "a stored union");
        expect_integer(r, call(r, "EXISTS ss:inter:%d ss:diff:%d", other, other), 0,
                       "a stored empty result");
    }
}

START_TEST(set_store_commands_see_their_sources_atomically)
{
    for (int m = 0; m < SS_MEMBERS; m++) {
        harness_expect_int(harness_cmd(ctx, "SADD ss:all u%d", m), 1);
        harness_expect_int(harness_cmd(ctx, "SADD %s u%d", m % 2 ? "ss:b" : "ss:a", m), 1);
    }
    for (int i = 0; i < SS_STORERS; i++)
        harness_expect_int(harness_cmd(ctx, "SUNIONSTORE ss:union:%d ss:a ss:b", i), SS_MEMBERS);
    struct race race = {0};
    for (int i = 0; i < 3; i++)
        add_racer(&race, "writer", i, pair_move_step);
    for (int i = 0; i < SS_STORERS; i++)
        add_racer(&race, "storer", i, set_store_step);
    race_run(&race);
    ck_assert_msg(role_successes(&race, "writer") > RACE_OPS / 2, "too few members moved");
    race_free(&race);
}
END_TEST

/* ---- ZUNIONSTORE, ZINTERSTORE, ZRANGESTORE ----------------------------------------------- */

/* Writers shift score between two members of zs:1 and the opposite way in
 * zs:2, in one MULTI: the sum of each set stays ZS_SUM, and each member's
 * two scores always add up to 2 * ZS_START. */
#define ZS_MEMBERS 16
#define ZS_START 50
#define ZS_SUM (ZS_MEMBERS * ZS_START)
#define ZS_STORERS 2

enum { ZS_UNION, ZS_INTER, ZS_RANGE, ZS_KINDS };
static const char *const zs_commands[ZS_KINDS] = {"zunionstore", "zinterstore", "zrangestore"};
static const char *const zs_dests[ZS_KINDS] = {"union", "inter", "range"};
static bool zs_available[ZS_KINDS];

static void zincr_step(struct racer *r)
{
    int a = pick(r, ZS_MEMBERS), b = (a + 1 + pick(r, ZS_MEMBERS - 1)) % ZS_MEMBERS;
    int d = 1 + pick(r, 5);
    queue(r, "MULTI");
    queue(r, "ZINCRBY zs:1 %d z%d", d, a);
    queue(r, "ZINCRBY zs:1 %d z%d", -d, b);
    queue(r, "ZINCRBY zs:2 %d z%d", -d, a);
    queue(r, "ZINCRBY zs:2 %d z%d", d, b);
    queue(r, "EXEC");
    freeReplyObject(exec_reply(r, 4));
    r->successes++;
}

/* ZRANGE key 0 -1 WITHSCORES: every member's score is `each` (if >= 0),
 * and the scores add up to `sum`. */
static void expect_scores(struct racer *r, const char *key, double each, double sum)
{
    redisReply *reply = call(r, "ZRANGE %s 0 -1 WITHSCORES", key);
    if (reply == NULL)
        return;
    double total = 0;
    bool whole = reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 * ZS_MEMBERS;
    for (size_t i = 1; whole && i < reply->elements; i += 2) {
        double score = strtod(reply->element[i]->str, NULL);
        whole = each < 0 || score == each;
        total += score;
    }
    if (!whole || total != sum)
        violation(r, "%s: %zu elements, not all %g or summing to %g (%g)", key,
                  reply->elements, each, sum, total);
    freeReplyObject(reply);
}

static void zstore_step(struct racer *r)
{
    int kind = (int)(r->ops % (ZS_KINDS + 1));
    char dest[32];
    if (kind == ZS_KINDS) { /* another storer's union, kept whole */
        snprintf(dest, sizeof(dest), "zs:union:%d", pick(r, ZS_STORERS));
        if (zs_available[ZS_UNION])
            expect_scores(r, dest, 2 * ZS_START, 2 * ZS_SUM);
        return;
    }
    if (!zs_available[kind])
        return;
    snprintf(dest, sizeof(dest), "zs:%s:%d", zs_dests[kind], r->slot);
    if (kind == ZS_RANGE)
        expect_integer(r, call(r, "ZRANGESTORE %s zs:1 0 -1", dest), ZS_MEMBERS, "ZRANGESTORE");
    else
        expect_integer(r, call(r, "%s %s 2 zs:1 zs:2", zs_commands[kind], dest), ZS_MEMBERS,
                       zs_commands[kind]);
    if (kind == ZS_RANGE)
        expect_scores(r, dest, -1, ZS_SUM);
    else
        expect_scores(r, dest, 2 * ZS_START, 2 * ZS_SUM);
}

static bool zs_commands_found(void)
{
    bool any = false;
    for (int k = 0; k < ZS_KINDS; k++) {
        redisReply *r = harness_cmd(ctx, "COMMAND INFO %s", zs_commands[k]);
        zs_available[k] = r->element[0]->type != REDIS_REPLY_NIL;
        if (!zs_available[k])
            printf("skipped %s: grove-server does not implement it\n", zs_commands[k]);
        any |= zs_available[k];
        freeReplyObject(r);
    }
    return any;
}

START_TEST(zset_store_commands_see_their_sources_atomically)
{
    if (!zs_commands_found())
        return;
    for (int m = 0; m < ZS_MEMBERS; m++) {
        harness_expect_int(harness_cmd(ctx, "ZADD zs:1 %d z%d", ZS_START, m), 1);
        harness_expect_int(harness_cmd(ctx, "ZADD zs:2 %d z%d", ZS_START, m), 1);
    }
    for (int i = 0; i < ZS_STORERS && zs_available[ZS_UNION]; i++)
        harness_expect_int(harness_cmd(ctx, "ZUNIONSTORE zs:union:%d 2 zs:1 zs:2", i),
                           ZS_MEMBERS);
    struct race race = {0};
    for (int i = 0; i < 3; i++)
        add_racer(&race, "writer", i, zincr_step);
    for (int i = 0; i < ZS_STORERS; i++)
        add_racer(&race, "storer", i, zstore_step);
    race_run(&race);
    race_free(&race);
}
END_TEST

/* ---- MSET, MSETNX, RENAME, COPY ------------------------------------------------------------ */

#define MS_PAIRS 32   /* ms:N:a and ms:N:b always equal */
#define NX_GROUPS 4   /* nx:G:0..3 all absent or all one writer's value */
#define RN_TOKENS 8   /* exactly one of rn:T:x, rn:T:y, holding token-T */

/* A value no other write used. */
static void unique_value(const struct racer *r, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%d.%ld", r->role, r->slot, r->ops);
}

static void mset_step(struct racer *r)
{
    int i = pick(r, MS_PAIRS), j = pick(r, MS_PAIRS);
    char v[48];
    unique_value(r, v, sizeof(v));
    redisReply *reply =
        call(r, "MSET ms:%d:a %s ms:%d:b %s ms:%d:a %s ms:%d:b %s", i, v, i, v, j, v, j, v);
    expect_ok(r, reply, "MSET");
}

static void msetnx_step(struct racer *r)
{
    int g = pick(r, NX_GROUPS);
    if (r->ops % 2 == 0) {
        expect_integer(r, call(r, "DEL nx:%d:0 nx:%d:1 nx:%d:2 nx:%d:3", g, g, g, g), -1, "DEL");
        return;
    }
    char v[48];
    unique_value(r, v, sizeof(v));
    redisReply *reply =
        call(r, "MSETNX nx:%d:0 %s nx:%d:1 %s nx:%d:2 %s nx:%d:3 %s", g, v, g, v, g, v, g, v);
    r->successes += expect_integer(r, reply, -1, "MSETNX") == 1;
}

static void rename_step(struct racer *r)
{
    int t = pick(r, RN_TOKENS);
    const char *from = pick(r, 2) ? "x" : "y", *to = from[0] == 'x' ? "y" : "x";
    redisReply *reply = call(r, "%s rn:%d:%s rn:%d:%s", r->ops % 2 ? "RENAMENX" : "RENAME", t,
                             from, t, to);
    if (reply == NULL)
        return;
    /* "no such key": the token was on the other side. */
    bool elsewhere = reply->type == REDIS_REPLY_ERROR && strcmp(reply->str, "ERR no such key") == 0;
    bool moved = reply->type == REDIS_REPLY_STATUS ||
                 (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1);
    r->successes += moved;
    if (!elsewhere && !moved)
        violation(r, "RENAME(NX) gave type %d %lld %s", reply->type, reply->integer,
                  reply->str ? reply->str : "");
    freeReplyObject(reply);
}

/* HSET changes both fields of cp:src at once; copies must never tear. */
static void copy_step(struct racer *r)
{
    switch (r->ops % 3) {
    case 0:
        expect_integer(r, call(r, "HSET cp:src a %ld b %ld", r->ops, r->ops), 0, "HSET");
        break;
    case 1:
        expect_integer(r, call(r, "COPY cp:src cp:dst REPLACE"), 1, "COPY");
        break;
    default:
        expect_integer(r, call(r, "COPY cp:src cp:dst DB 1 REPLACE"), 1, "COPY DB 1");
    }
}

/* All `reply`'s elements equal (all nil counts). */
static void expect_all_equal(struct racer *r, redisReply *reply, bool nil_allowed,
                             const char *what)
{
    if (reply == NULL)
        return;
    const redisReply *first = reply->elements ? reply->element[0] : NULL;
    bool same = reply->type == REDIS_REPLY_ARRAY && first != NULL &&
                (nil_allowed || first->type != REDIS_REPLY_NIL);
    for (size_t i = 1; same && i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        same = e->type == first->type &&
               (e->type == REDIS_REPLY_NIL || strcmp(e->str, first->str) == 0);
    }
    if (!same)
        violation(r, "%s: %s / %s", what, first && first->str ? first->str : "(nil)",
                  reply->elements > 1 && reply->element[1]->str ? reply->element[1]->str
                                                                : "(nil)");
    freeReplyObject(reply);
}

static void expect_token(struct racer *r, int t)
{
    expect_integer(r, call(r, "EXISTS rn:%d:x rn:%d:y", t, t), 1, "EXISTS of a renamed token");
    redisReply *reply = call(r, "MGET rn:%d:x rn:%d:y", t, t);
    if (reply == NULL)
        return;
    const redisReply *x = reply->element[0], *y = reply->element[1];
    const redisReply *held = x->type == REDIS_REPLY_NIL ? y : x;
    char want[32];
    snprintf(want, sizeof(want), "token-%d", t);
    if ((x->type == REDIS_REPLY_NIL) == (y->type == REDIS_REPLY_NIL) ||
        strcmp(held->str, want) != 0)
        violation(r, "MGET of token %d: %s / %s", t, x->str ? x->str : "(nil)",
                  y->str ? y->str : "(nil)");
    freeReplyObject(reply);
}

static void string_check_step(struct racer *r)
{
    int i = pick(r, MS_PAIRS), g = pick(r, NX_GROUPS);
    switch (r->ops % 4) {
    case 0:
        expect_all_equal(r, call(r, "MGET ms:%d:a ms:%d:b", i, i), false, "MGET of a pair");
        break;
    case 1:
        expect_all_equal(r, call(r, "MGET nx:%d:0 nx:%d:1 nx:%d:2 nx:%d:3", g, g, g, g), true,
                         "MGET of an MSETNX group");
        break;
    case 2:
        expect_token(r, pick(r, RN_TOKENS));
        break;
    default:
        expect_all_equal(r, call(r, "HMGET cp:dst a b"), false, "HMGET of a copy");
    }
}

/* This reader's connection is in database 1. */
static void db1_check_step(struct racer *r)
{
    expect_all_equal(r, call(r, "HMGET cp:dst a b"), false, "HMGET of a copy in db 1");
}

static void fill_string_keys(void)
{
    for (int i = 0; i < MS_PAIRS; i++)
        harness_expect_status(harness_cmd(ctx, "MSET ms:%d:a init ms:%d:b init", i, i), "OK");
    for (int t = 0; t < RN_TOKENS; t++)
        harness_expect_status(harness_cmd(ctx, "SET rn:%d:x token-%d", t, t), "OK");
    harness_expect_int(harness_cmd(ctx, "HSET cp:src a 0 b 0"), 2);
    harness_expect_int(harness_cmd(ctx, "COPY cp:src cp:dst"), 1);
    harness_expect_int(harness_cmd(ctx, "COPY cp:src cp:dst DB 1"), 1);
}

START_TEST(string_multi_key_commands_are_atomic_across_shards)
{
    fill_string_keys();
    struct race race = {0};
    add_racer(&race, "mset", 0, mset_step);
    for (int i = 0; i < 2; i++)
        add_racer(&race, "msetnx", i, msetnx_step);
    add_racer(&race, "rename", 0, rename_step);
    add_racer(&race, "copy", 0, copy_step);
    for (int i = 0; i < 2; i++)
        add_racer(&race, "reader", i, string_check_step);
    struct racer *db1 = add_racer(&race, "db1 reader", 0, db1_check_step);
    harness_expect_status(harness_cmd(db1->c, "SELECT 1"), "OK");
    race_run(&race);
    ck_assert_msg(role_successes(&race, "msetnx") > 0, "no MSETNX ever set its keys");
    ck_assert_msg(role_successes(&race, "rename") > RACE_OPS / 4, "too few renames");
    race_free(&race);
}
END_TEST

/* ---- the suite ---------------------------------------------------------------------- */

static Suite *races_suite(void)
{
    Suite *s = suite_create("races");
    TCase *tc = tcase_create("multi_key");
    tcase_add_unchecked_fixture(tc, start_server, stop_server);
    tcase_add_checked_fixture(tc, connect_and_flush, disconnect);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, smove_storm_conserves_every_member_in_exactly_one_set);
    tcase_add_test(tc, list_rotation_neither_loses_nor_duplicates_items);
    tcase_add_test(tc, set_store_commands_see_their_sources_atomically);
    tcase_add_test(tc, zset_store_commands_see_their_sources_atomically);
    tcase_add_test(tc, string_multi_key_commands_are_atomic_across_shards);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(races_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
