/*
 * fuzz_resp_parse.c - libFuzzer target for the request parser.
 *
 * Build and run: scripts/test does both (a clang build with GROVE_FUZZ,
 * then ctest -L fuzz); by hand, see tests/fuzz/README.md. Every build also
 * replays the seeds and regressions through it (replay_resp_parse).
 *
 * What it checks
 *   The input's first two bytes pick a chunk size and a starting argv
 *   capacity; the rest is a byte stream of pipelined requests. The stream
 *   is parsed three ways:
 *     1. whole, into one buffer, argv grown on ARGV;
 *     2. in pseudo-random chunks, every read into a freshly allocated
 *        buffer (so the bytes move between calls, as the contract allows),
 *        compacting consumed bytes, starting from a tiny argv;
 *     3. whole again with tiny limits, so the limit errors are reached.
 *   Runs 1 and 2 must log the same commands, the same error text and the
 *   same unparsed remainder. All runs check the contract's invariants:
 *   MORE/ARGV/ERROR consume nothing, OK consumes at least one byte and no
 *   more than it was given, and every arg lies inside the consumed bytes.
 *   Between requests, wherever resp_parse_peek accepts a request (as a
 *   connection looks ahead), resp_parse must give that same request.
 *   ASan catches reads past the input and uses of moved buffers.
 *   The size checks ("too big ... request/string") depend on how the bytes
 *   arrive, exactly as in Redis, so runs 1 and 2 lift max_inline_len.
 */
#include "fuzz.h"
#include "resp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a log of what was parsed ------------------------------------------- */

struct log {
    char *s;
    size_t len, cap;
};

static void log_put(struct log *l, const void *bytes, size_t n)
{
    if (l->len + n > l->cap) {
        l->cap = (l->len + n) * 2 + 64;
        l->s = realloc(l->s, l->cap);
        FUZZ_CHECK(l->s != NULL);
    }
    if (n)
        memcpy(l->s + l->len, bytes, n);
    l->len += n;
}

static void log_num(struct log *l, size_t n)
{
    log_put(l, &n, sizeof(n));
}

/* Checks an OK answer against the contract and logs the command. */
static void log_ok(struct log *l, const char *buf, size_t used, const struct resp_arg *argv,
                   size_t argc, size_t consumed)
{
    FUZZ_CHECK(consumed > 0 && consumed <= used);
    log_num(l, argc);
    for (size_t i = 0; i < argc; i++) {
        FUZZ_CHECK(argv[i].ptr >= buf && argv[i].len <= consumed &&
              argv[i].ptr + argv[i].len <= buf + consumed);
        log_num(l, argv[i].len);
        log_put(l, argv[i].ptr, argv[i].len);
    }
}

static void log_error(struct log *l, const char *error)
{
    FUZZ_CHECK(error != NULL && strncmp(error, "Protocol error: ", 16) == 0);
    log_put(l, "E", 1);
    log_put(l, error, strlen(error));
}

/* ---- one parser driven over a buffer ------------------------------------ */

struct conn {
    struct resp_parser p;
    struct resp_arg *argv;
    size_t argv_cap;
    char *buf;
    size_t used;
    bool dead; /* a protocol error ended the stream */
    bool mid;  /* a request is partly parsed */
};

#define PEEK_ARGS 8

/* What resp_parse_peek made of the request at the start of the buffer. */
struct peek {
    bool whole;
    size_t argc, consumed;
    struct resp_arg argv[PEEK_ARGS];
};

static void peek_check(const struct peek *pk, enum resp_parse_status st,
                       const struct resp_arg *argv, size_t argc, size_t consumed)
{
    if (!pk->whole)
        return;
    FUZZ_CHECK(st == RESP_PARSE_OK && argc == pk->argc && consumed == pk->consumed);
    for (size_t i = 0; i < argc; i++)
        FUZZ_CHECK(argv[i].ptr == pk->argv[i].ptr && argv[i].len == pk->argv[i].len);
}

static void conn_init(struct conn *c, const struct resp_limits *limits, size_t argv_cap)
{
    memset(c, 0, sizeof(*c));
    resp_parser_init(&c->p, limits);
    c->argv_cap = argv_cap;
    c->argv = malloc(argv_cap * sizeof(*c->argv) + 1);
    FUZZ_CHECK(c->argv != NULL);
}

static void conn_deinit(struct conn *c)
{
    free(c->argv);
    free(c->buf);
}

/* Parses everything parseable in c->buf, compacting after each command. */
static void conn_drain(struct conn *c, struct log *l)
{
    struct peek pk = {.whole = false};
    while (!c->dead) {
        size_t argc = 99, consumed = 99;
        if (!c->mid)
            pk.whole = resp_parse_peek(&c->p, c->buf, c->used, pk.argv, PEEK_ARGS, &pk.argc,
                                       &pk.consumed);
        enum resp_parse_status st =
            resp_parse(&c->p, c->buf, c->used, c->argv, c->argv_cap, &argc, &consumed);
        c->mid = st == RESP_PARSE_MORE || st == RESP_PARSE_ARGV;
        if (st != RESP_PARSE_ARGV)
            peek_check(&pk, st, c->argv, argc, consumed);

        if (st != RESP_PARSE_OK)
            FUZZ_CHECK(consumed == 0 && argc == 0);
        if (st == RESP_PARSE_MORE)
            return;
        if (st == RESP_PARSE_ERROR) {
            log_error(l, c->p.error);
            c->dead = true;
            return;
        }
        if (st == RESP_PARSE_ARGV) {
            FUZZ_CHECK(c->p.argc_needed > c->argv_cap);
            c->argv_cap = c->p.argc_needed;
            c->argv = realloc(c->argv, c->argv_cap * sizeof(*c->argv));
            FUZZ_CHECK(c->argv != NULL);
            continue;
        }
        log_ok(l, c->buf, c->used, c->argv, argc, consumed);
        memmove(c->buf, c->buf + consumed, c->used - consumed);
        c->used -= consumed;
    }
}

/* Appends bytes in a brand-new block, so every earlier address goes stale. */
static void conn_read(struct conn *c, const uint8_t *data, size_t n)
{
    char *nbuf = malloc(c->used + n + 1);

    FUZZ_CHECK(nbuf != NULL);
    if (c->used)
        memcpy(nbuf, c->buf, c->used);
    memcpy(nbuf + c->used, data, n);
    free(c->buf);
    c->buf = nbuf;
    c->used += n;
}

/* Feeds data in chunks (0 = whole) and returns the log; the remainder left
 * unparsed is logged last. */
static void run(const struct resp_limits *limits, const uint8_t *data, size_t size,
                size_t chunk, size_t argv_cap, uint32_t seed, struct log *l)
{
    struct conn c;
    size_t fed = 0;

    conn_init(&c, limits, argv_cap);
    while (fed < size && !c.dead) {
        size_t n = size - fed;
        if (chunk != 0) {
            seed = seed * 1664525u + 1013904223u;
            n = 1 + (seed >> 8) % chunk;
            if (n > size - fed)
                n = size - fed;
        }
        conn_read(&c, data + fed, n);
        fed += n;
        conn_drain(&c, l);
    }
    if (!c.dead) {
        log_put(l, "R", 1);
        log_num(l, c.used);
    }
    conn_deinit(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct resp_limits roomy, tiny;
    struct log whole = { 0 }, split = { 0 }, small = { 0 };
    size_t chunk, argv_cap;

    if (size < 2)
        return 0;
    chunk = 1 + data[0] % 16;
    argv_cap = data[1] % 4;
    data += 2;
    size -= 2;

    resp_limits_default(&roomy);
    roomy.max_inline_len = SIZE_MAX;
    run(&roomy, data, size, 0, 64, 0, &whole);
    run(&roomy, data, size, chunk, argv_cap, (uint32_t)size, &split);
    FUZZ_CHECK(whole.len == split.len);
    FUZZ_CHECK(whole.len == 0 || memcmp(whole.s, split.s, whole.len) == 0);

    tiny.max_bulk_len = 16;
    tiny.max_multibulk_len = 4;
    tiny.max_inline_len = 8;
    run(&tiny, data, size, chunk, argv_cap, 7, &small);

    free(whole.s);
    free(split.s);
    free(small.s);
    return 0;
}
