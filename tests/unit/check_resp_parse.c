/*
 * check_resp_parse.c - the request parser against Redis 7.0's behaviour.
 *
 * Every expectation about bytes and error texts here was checked against a
 * real redis-server 7.0 (see the quirks section). The tests feed requests
 * whole, pipelined, split at every byte, against a guard page, and as one
 * request of a million arguments trickling in.
 */
#include "resp.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARGV_CAP 64
#define LIT(s) (s), (sizeof(s) - 1)

/* ---- helpers ------------------------------------------------------------ */

struct parsed {
    struct resp_parser p;
    char *buf; /* a heap copy of the input, so ASan sees over-reads */
    enum resp_parse_status st;
    size_t argc, consumed;
    struct resp_arg argv[ARGV_CAP];
};

/* Parses one request from a private copy of s with default limits. */
static struct parsed *parse_with(const struct resp_limits *limits, const char *s, size_t len)
{
    struct parsed *r = calloc(1, sizeof(*r));

    ck_assert_ptr_nonnull(r);
    resp_parser_init(&r->p, limits);
    r->buf = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(r->buf);
    memcpy(r->buf, s, len);
    r->st = resp_parse(&r->p, r->buf, len, r->argv, ARGV_CAP, &r->argc, &r->consumed);
    return r;
}

static struct parsed *parse(const char *s, size_t len)
{
    return parse_with(NULL, s, len);
}

static void parsed_free(struct parsed *r)
{
    free(r->buf);
    free(r);
}

static void assert_arg(const struct parsed *r, size_t i, const char *s, size_t len)
{
    ck_assert_uint_lt(i, r->argc);
    ck_assert_uint_eq(r->argv[i].len, len);
    if (len)
        ck_assert_mem_eq(r->argv[i].ptr, s, len);
}

static void assert_error(const char *req, size_t len, const char *text)
{
    struct parsed *r = parse(req, len);

    ck_assert_int_eq(r->st, RESP_PARSE_ERROR);
    ck_assert_str_eq(r->p.error, text);
    parsed_free(r);
}

static void assert_more(const char *req, size_t len)
{
    struct parsed *r = parse(req, len);

    ck_assert_int_eq(r->st, RESP_PARSE_MORE);
    ck_assert_uint_eq(r->consumed, 0);
    parsed_free(r);
}

/* A growing text log of parsed commands: "argc:[len]bytes[len]bytes;"
 * or "E:<error>;" so two ways of feeding a stream can be compared. */
struct log {
    char *s;
    size_t len, cap;
};

static void log_put(struct log *l, const void *bytes, size_t n)
{
    if (l->len + n + 1 > l->cap) {
        l->cap = (l->len + n + 1) * 2;
        l->s = realloc(l->s, l->cap);
        ck_assert_ptr_nonnull(l->s);
    }
    memcpy(l->s + l->len, bytes, n);
    l->len += n;
    l->s[l->len] = '\0';
}

static void log_num(struct log *l, size_t n, char sep)
{
    char tmp[32];
    int k = snprintf(tmp, sizeof(tmp), "%zu%c", n, sep);
    log_put(l, tmp, (size_t)k);
}

static void log_command(struct log *l, const struct resp_arg *argv, size_t argc)
{
    log_num(l, argc, ':');
    for (size_t i = 0; i < argc; i++) {
        log_num(l, argv[i].len, ']');
        log_put(l, argv[i].ptr, argv[i].len);
    }
    log_put(l, ";", 1);
}

/* A connection's read loop in miniature: bytes arrive `chunk` at a time
 * (0 = all at once) into a buffer that is compacted after every command
 * and reallocated (so it moves) before every read when `move` is set.
 * Every command or error is logged. */
static void feed(const char *stream, size_t len, size_t chunk, bool move, struct log *l)
{
    struct resp_parser p;
    size_t cap = 4, used = 0, fed = 0;
    struct resp_arg *argv = malloc(cap * sizeof(*argv));
    char *buf = NULL;

    resp_parser_init(&p, NULL);
    while (fed < len) {
        size_t n = chunk == 0 || len - fed < chunk ? len - fed : chunk;
        char *nbuf;

        if (move) { /* a new block every time: the bytes always move */
            nbuf = malloc(used + n);
            ck_assert_ptr_nonnull(nbuf);
            if (used)
                memcpy(nbuf, buf, used);
            free(buf);
        } else {
            nbuf = realloc(buf, used + n);
            ck_assert_ptr_nonnull(nbuf);
        }
        buf = nbuf;
        memcpy(buf + used, stream + fed, n);
        used += n;
        fed += n;
        for (;;) {
            size_t argc, consumed;
            enum resp_parse_status st = resp_parse(&p, buf, used, argv, cap, &argc, &consumed);
            if (st == RESP_PARSE_MORE)
                break;
            if (st == RESP_PARSE_ERROR) {
                log_put(l, "E:", 2);
                log_put(l, p.error, strlen(p.error));
                log_put(l, ";", 1);
                goto out;
            }
            if (st == RESP_PARSE_ARGV) {
                ck_assert_uint_gt(p.argc_needed, cap);
                cap = p.argc_needed;
                argv = realloc(argv, cap * sizeof(*argv));
                continue;
            }
            ck_assert_uint_gt(consumed, 0);
            ck_assert_uint_le(consumed, used);
            log_command(l, argv, argc);
            memmove(buf, buf + consumed, used - consumed);
            used -= consumed;
        }
    }
out:
    free(buf);
    free(argv);
}

/* Requests of every shape, pipelined into one stream. */
static const char mixed_stream[] =
    "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
    "PING\r\n"
    "*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\0c\r\n"
    "\r\n"
    "SET k \"a\\x41\\n\\\"q\" 'it\\'s' \"\"\n"
    "*0\r\n"
    "*-1\r\n"
    "*1\r\n$0\r\n\r\n"
    "  ECHO   plain\t words \r\n"
    "*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\n";

/* ---- multibulk ---------------------------------------------------------- */

START_TEST(multibulk_request_gives_its_args)
{
    struct parsed *r = parse(LIT("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->consumed, 33);
    ck_assert_uint_eq(r->argc, 3);
    assert_arg(r, 0, LIT("SET"));
    assert_arg(r, 1, LIT("key"));
    assert_arg(r, 2, LIT("value"));
    parsed_free(r);
}
END_TEST

START_TEST(args_are_views_into_the_buffer)
{
    struct parsed *r = parse(LIT("*1\r\n$4\r\nPING\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_ptr_eq(r->argv[0].ptr, r->buf + 8);
    parsed_free(r);
}
END_TEST

START_TEST(pipelined_requests_parse_one_at_a_time)
{
    static const char s[] = "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n";
    struct resp_parser p;
    struct resp_arg argv[4];
    size_t argc, consumed, off = 0;
    char buf[sizeof(s)];

    memcpy(buf, s, sizeof(s));
    resp_parser_init(&p, NULL);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof(s) - 1, argv, 4, &argc, &consumed), RESP_PARSE_OK);
    ck_assert_uint_eq(argc, 1);
    ck_assert_uint_eq(consumed, 14);
    off += consumed;
    ck_assert_int_eq(resp_parse(&p, buf + off, sizeof(s) - 1 - off, argv, 4, &argc, &consumed),
                     RESP_PARSE_OK);
    ck_assert_uint_eq(argc, 2);
    ck_assert_mem_eq(argv[1].ptr, "hi", 2);
    off += consumed;
    ck_assert_int_eq(resp_parse(&p, buf + off, sizeof(s) - 1 - off, argv, 4, &argc, &consumed),
                     RESP_PARSE_OK);
    ck_assert_uint_eq(argc, 1);
    ck_assert_mem_eq(argv[0].ptr, "PING", 4);
    off += consumed;
    ck_assert_uint_eq(off, sizeof(s) - 1);
    ck_assert_int_eq(resp_parse(&p, buf + off, 0, argv, 4, &argc, &consumed), RESP_PARSE_MORE);
}
END_TEST

/* A peek sees what resp_parse would, for whole multibulk requests only,
 * and leaves the parser as it was. */
START_TEST(peek_sees_whole_multibulk_requests_only)
{
    static const char s[] = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPI";
    struct resp_parser p, before;
    struct resp_arg argv[4];
    size_t argc = 0, consumed = 0;

    resp_parser_init(&p, NULL);
    before = p;
    ck_assert(resp_parse_peek(&p, s, sizeof(s) - 1, argv, 4, &argc, &consumed));
    ck_assert_uint_eq(argc, 2);
    ck_assert_uint_eq(consumed, 20);
    ck_assert_ptr_eq(argv[1].ptr, s + 17);
    ck_assert_mem_eq(&p, &before, sizeof(p));
    /* the next request has not all arrived */
    ck_assert(!resp_parse_peek(&p, s + 20, sizeof(s) - 1 - 20, argv, 4, &argc, &consumed));
    /* more args than argv holds, an inline request, nothing at all */
    ck_assert(!resp_parse_peek(&p, s, sizeof(s) - 1, argv, 1, &argc, &consumed));
    ck_assert(!resp_parse_peek(&p, LIT("GET k\r\n"), argv, 4, &argc, &consumed));
    ck_assert(!resp_parse_peek(&p, s, 0, argv, 4, &argc, &consumed));
    ck_assert_mem_eq(&p, &before, sizeof(p));
}
END_TEST

/* The count line arrived in two pieces: the request that completes it,
 * and the next one fed a byte at a time, must start from a clean state
 * (parse_whole, the one-pass path, must not leave the first piece's scan
 * offset behind). */
START_TEST(request_after_a_split_count_line_starts_clean)
{
    static char s[] = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n";
    struct parsed *r = parse(LIT("*2")); /* MORE; the rest arrives in another buffer */
    size_t argc, consumed;

    ck_assert_int_eq(r->st, RESP_PARSE_MORE);
    ck_assert_int_eq(resp_parse(&r->p, s, 20, r->argv, ARGV_CAP, &argc, &consumed), RESP_PARSE_OK);
    ck_assert_uint_eq(argc, 2);
    ck_assert_uint_eq(consumed, 20);
    ck_assert_mem_eq(r->argv[1].ptr, "a", 1);
    ck_assert_int_eq(resp_parse(&r->p, s + 20, 1, r->argv, ARGV_CAP, &argc, &consumed),
                     RESP_PARSE_MORE);
    ck_assert_int_eq(resp_parse(&r->p, s + 20, 14, r->argv, ARGV_CAP, &argc, &consumed),
                     RESP_PARSE_OK);
    ck_assert_uint_eq(argc, 1);
    ck_assert_mem_eq(r->argv[0].ptr, "PING", 4);
    parsed_free(r);
}
END_TEST

START_TEST(empty_bulk_is_an_empty_arg)
{
    struct parsed *r = parse(LIT("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 2);
    assert_arg(r, 1, "", 0);
    parsed_free(r);
}
END_TEST

START_TEST(binary_bulk_may_hold_crlf_and_nul)
{
    struct parsed *r = parse(LIT("*1\r\n$6\r\n\r\n\0\r\n\n\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    assert_arg(r, 0, LIT("\r\n\0\r\n\n"));
    parsed_free(r);
}
END_TEST

START_TEST(zero_or_negative_count_is_an_empty_request)
{
    struct parsed *r = parse(LIT("*0\r\nPING\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 0);
    ck_assert_uint_eq(r->consumed, 4);
    parsed_free(r);
    r = parse(LIT("*-10\r\n"));
    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 0);
    ck_assert_uint_eq(r->consumed, 6);
    parsed_free(r);
    r = parse(LIT("*-9223372036854775808\r\n"));
    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    parsed_free(r);
}
END_TEST

START_TEST(incomplete_multibulk_asks_for_more)
{
    static const char req[] = "*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n";

    for (size_t k = 0; k < sizeof(req) - 1; k++)
        assert_more(req, k);
}
END_TEST

START_TEST(too_small_argv_asks_for_the_exact_count)
{
    static const char req[] = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n";
    struct resp_parser p;
    struct resp_arg argv[3];
    size_t argc, consumed;
    char buf[sizeof(req)];

    memcpy(buf, req, sizeof(req));
    resp_parser_init(&p, NULL);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof(req) - 1, argv, 2, &argc, &consumed),
                     RESP_PARSE_ARGV);
    ck_assert_uint_eq(p.argc_needed, 3);
    ck_assert_uint_eq(consumed, 0);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof(req) - 1, argv, 3, &argc, &consumed),
                     RESP_PARSE_OK);
    ck_assert_uint_eq(argc, 3);
    ck_assert_uint_eq(consumed, sizeof(req) - 1);
    ck_assert_mem_eq(argv[0].ptr, "SET", 3);
    ck_assert_mem_eq(argv[2].ptr, "b", 1);
}
END_TEST

START_TEST(argv_is_never_requested_for_args_not_yet_sent)
{
    struct resp_parser p;
    struct resp_arg argv[1];
    size_t argc, consumed;
    char buf[] = "*1000000\r\n$1\r\nx\r\n$1\r\ny\r\n";

    resp_parser_init(&p, NULL);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof(buf) - 1, argv, 1, &argc, &consumed),
                     RESP_PARSE_MORE);
}
END_TEST

START_TEST(bytes_wanted_tells_the_rest_of_a_big_bulk)
{
    struct resp_parser p;
    struct resp_arg argv[2];
    size_t argc, consumed;
    char buf[64] = "*2\r\n$3\r\nSET\r\n$100000\r\n0123456789";
    size_t len = strlen(buf);

    resp_parser_init(&p, NULL);
    ck_assert_uint_eq(resp_parser_bytes_wanted(&p), 0);
    ck_assert_int_eq(resp_parse(&p, buf, len, argv, 2, &argc, &consumed), RESP_PARSE_MORE);
    ck_assert_uint_eq(resp_parser_bytes_wanted(&p), 100000 + 2 - 10);
    /* While the header itself is incomplete nothing is known. */
    resp_parser_reset(&p);
    ck_assert_int_eq(resp_parse(&p, buf, 16, argv, 2, &argc, &consumed), RESP_PARSE_MORE);
    ck_assert_uint_eq(resp_parser_bytes_wanted(&p), 0);
}
END_TEST

/* ---- inline ------------------------------------------------------------- */

START_TEST(inline_line_is_split_on_spaces)
{
    struct parsed *r = parse(LIT("SET  key\tvalue \r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->consumed, 17);
    ck_assert_uint_eq(r->argc, 3);
    assert_arg(r, 0, LIT("SET"));
    assert_arg(r, 1, LIT("key"));
    assert_arg(r, 2, LIT("value"));
    parsed_free(r);
}
END_TEST

START_TEST(inline_accepts_a_bare_newline)
{
    struct parsed *r = parse(LIT("PING\nPING\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->consumed, 5);
    ck_assert_uint_eq(r->argc, 1);
    assert_arg(r, 0, LIT("PING"));
    parsed_free(r);
}
END_TEST

START_TEST(inline_empty_or_blank_line_has_no_args)
{
    struct parsed *r = parse(LIT("\r\nPING\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 0);
    ck_assert_uint_eq(r->consumed, 2);
    parsed_free(r);
    r = parse(LIT("\n"));
    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 0);
    ck_assert_uint_eq(r->consumed, 1);
    parsed_free(r);
    r = parse(LIT(" \t\v\f \r\n"));
    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 0);
    parsed_free(r);
}
END_TEST

START_TEST(inline_double_quotes_take_escapes)
{
    /* Redis 7.0: SET k "a\x41\x4g\n\r\t\b\a\\\"\q"; GET k
     * -> "aAx4g\n\r\t\b\a\\\"q" (13 bytes). */
    struct parsed *r = parse(LIT("SET k \"a\\x41\\x4g\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 3);
    assert_arg(r, 2, LIT("aAx4g\n\r\t\b\a\\\"q"));
    parsed_free(r);
}
END_TEST

START_TEST(inline_hex_escape_needs_two_hex_digits)
{
    struct parsed *r = parse(LIT("ECHO \"\\x\" \"\\xZZ\" \"\\xff\\x00\"\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    assert_arg(r, 1, LIT("x"));
    assert_arg(r, 2, LIT("xZZ"));
    assert_arg(r, 3, LIT("\xff\0"));
    parsed_free(r);
}
END_TEST

START_TEST(inline_single_quotes_only_escape_the_quote)
{
    /* Redis 7.0: SET k 'a\'b\nc"' -> a'b\nc" with a literal backslash-n. */
    struct parsed *r = parse(LIT("SET k 'a\\'b\\nc\"'\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    assert_arg(r, 2, LIT("a'b\\nc\""));
    parsed_free(r);
}
END_TEST

START_TEST(inline_empty_quotes_are_an_empty_arg)
{
    struct parsed *r = parse(LIT("SET k \"\" ''\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 4);
    assert_arg(r, 2, "", 0);
    assert_arg(r, 3, "", 0);
    parsed_free(r);
}
END_TEST

START_TEST(inline_quotes_may_start_inside_a_word)
{
    /* Redis 7.0: SET k ab"c d" -> "abc d". */
    struct parsed *r = parse(LIT("SET k ab\"c d\"\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 3);
    assert_arg(r, 2, LIT("abc d"));
    parsed_free(r);
}
END_TEST

/* The same rules for a line on its own (a config file's): words unquoted
 * in place, a NUL byte kept; too many words or open quotes are -1. */
START_TEST(split_line_unquotes_in_place)
{
    char line[] = "requirepass \"a\\x00b\" 'c d'\n";
    struct resp_arg argv[3];

    ck_assert_int_eq(resp_split_line(line, strlen(line), argv, 3), 3);
    ck_assert_uint_eq(argv[1].len, 3);
    ck_assert(memcmp(argv[1].ptr, "a\0b", 3) == 0);
    ck_assert(argv[1].ptr > line && argv[1].ptr < line + sizeof(line));
    ck_assert_uint_eq(argv[2].len, 3);
    ck_assert(memcmp(argv[2].ptr, "c d", 3) == 0);
    char two[] = "a b";
    ck_assert_int_eq(resp_split_line(two, strlen(two), argv, 1), -1);
    char open[] = "a \"b";
    ck_assert_int_eq(resp_split_line(open, strlen(open), argv, 3), -1);
}
END_TEST

START_TEST(inline_vertical_tab_is_part_of_a_word)
{
    /* \v and \f are skipped between words but do not end one. */
    struct parsed *r = parse(LIT("\v\fSET k a\vb\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 3);
    assert_arg(r, 0, LIT("SET"));
    assert_arg(r, 2, LIT("a\vb"));
    parsed_free(r);
}
END_TEST

START_TEST(inline_keeps_cr_inside_quotes_and_splits_on_it_outside)
{
    struct parsed *r = parse(LIT("ECHO \"a\rb\" c\rd\r\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 4);
    assert_arg(r, 1, LIT("a\rb"));
    assert_arg(r, 2, LIT("c"));
    assert_arg(r, 3, LIT("d"));
    parsed_free(r);
}
END_TEST

START_TEST(inline_keeps_nul_bytes)
{
    struct parsed *r = parse(LIT("ECHO a\0b\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 2);
    assert_arg(r, 1, LIT("a\0b"));
    parsed_free(r);
}
END_TEST

START_TEST(inline_closing_quote_may_be_followed_by_any_blank)
{
    struct parsed *r = parse(LIT("SET k \"x\"\v \r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 3);
    assert_arg(r, 2, LIT("x"));
    parsed_free(r);
}
END_TEST

START_TEST(inline_too_small_argv_leaves_the_line_untouched)
{
    static const char req[] = "SET \"a\\x41\" 'b\\'c'\r\n";
    struct resp_parser p;
    struct resp_arg argv[3];
    size_t argc, consumed;
    char buf[sizeof(req)];

    memcpy(buf, req, sizeof(req));
    resp_parser_init(&p, NULL);
    ck_assert_int_eq(resp_parse(&p, buf, sizeof(req) - 1, argv, 1, &argc, &consumed),
                     RESP_PARSE_ARGV);
    ck_assert_uint_eq(p.argc_needed, 3);
    ck_assert_mem_eq(buf, req, sizeof(req));
    ck_assert_int_eq(resp_parse(&p, buf, sizeof(req) - 1, argv, 3, &argc, &consumed),
                     RESP_PARSE_OK);
    ck_assert_uint_eq(argc, 3);
    ck_assert_uint_eq(argv[1].len, 2);
    ck_assert_mem_eq(argv[1].ptr, "aA", 2);
    ck_assert_uint_eq(argv[2].len, 3);
    ck_assert_mem_eq(argv[2].ptr, "b'c", 3);
}
END_TEST

START_TEST(inline_line_longer_than_the_limit_is_fine_once_complete)
{
    /* Redis checks the size only while no newline has arrived. */
    size_t n = 100 * 1024;
    char *req = malloc(n + 7);
    struct parsed *r;

    memcpy(req, "ECHO ", 5);
    memset(req + 5, 'a', n);
    memcpy(req + 5 + n, "\r\n", 2);
    r = parse(req, n + 7);
    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->argc, 2);
    ck_assert_uint_eq(r->argv[1].len, n);
    parsed_free(r);
    free(req);
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

START_TEST(unbalanced_quotes_are_a_protocol_error)
{
    const char *text = "Protocol error: unbalanced quotes in request";

    assert_error(LIT("SET k \"abc\r\n"), text);
    assert_error(LIT("SET k 'abc\r\n"), text);
    assert_error(LIT("SET k \"abc\"def\r\n"), text);
    assert_error(LIT("SET k 'abc'def\r\n"), text);
    assert_error(LIT("SET k ab\"c d\"e\r\n"), text);
    assert_error(LIT("SET k \"a\\\"\r\n"), text);
    assert_error(LIT("ECHO \"\\\"\r\n"), text);
}
END_TEST

START_TEST(inline_without_newline_over_64k_is_too_big)
{
    size_t max = 64 * 1024;
    char *req = malloc(max + 1);

    memset(req, 'a', max + 1);
    assert_more(req, max);
    assert_error(req, max + 1, "Protocol error: too big inline request");
    free(req);
}
END_TEST

START_TEST(count_line_without_cr_over_64k_is_too_big)
{
    size_t max = 64 * 1024;
    char *req = malloc(max + 1);

    memset(req, '1', max + 1);
    req[0] = '*';
    assert_more(req, max);
    assert_error(req, max + 1, "Protocol error: too big mbulk count string");
    free(req);
}
END_TEST

START_TEST(bulk_count_line_without_cr_over_64k_is_too_big)
{
    size_t max = 64 * 1024;
    char *req = malloc(4 + max + 1);

    memcpy(req, "*1\r\n", 4);
    memset(req + 4, '1', max + 1);
    req[4] = '$';
    assert_more(req, 4 + max);
    assert_error(req, 4 + max + 1, "Protocol error: too big bulk count string");
    free(req);
}
END_TEST

START_TEST(bad_multibulk_count_is_invalid)
{
    const char *text = "Protocol error: invalid multibulk length";

    assert_error(LIT("*\r\n"), text);
    assert_error(LIT("*x\r\n"), text);
    assert_error(LIT("*01\r\n"), text);
    assert_error(LIT("*00\r\n"), text);
    assert_error(LIT("*+1\r\n"), text);
    assert_error(LIT("* 1\r\n"), text);
    assert_error(LIT("*1 \r\n"), text);
    assert_error(LIT("*-0\r\n"), text);
    assert_error(LIT("*1\n$4\r\nPING\r\n"), text); /* the first \r is far away */
    assert_error(LIT("*9223372036854775808\r\n"), text);
    assert_error(LIT("*100000000000000000\r\n"), text);  /* 18 digits */
    assert_error(LIT("*1000000000000000000\r\n"), text); /* 19 digits */
}
END_TEST

START_TEST(multibulk_count_over_int_max_is_invalid)
{
    assert_more(LIT("*2147483647\r\n"));
    assert_error(LIT("*2147483648\r\n"), "Protocol error: invalid multibulk length");
}
END_TEST

START_TEST(multibulk_count_over_the_configured_limit_is_invalid)
{
    struct resp_limits limits;
    struct parsed *r;

    resp_limits_default(&limits);
    limits.max_multibulk_len = 1024 * 1024;
    r = parse_with(&limits, LIT("*1048576\r\n"));
    ck_assert_int_eq(r->st, RESP_PARSE_MORE);
    parsed_free(r);
    r = parse_with(&limits, LIT("*1048577\r\n"));
    ck_assert_int_eq(r->st, RESP_PARSE_ERROR);
    ck_assert_str_eq(r->p.error, "Protocol error: invalid multibulk length");
    parsed_free(r);
}
END_TEST

START_TEST(bulk_header_must_start_with_dollar)
{
    assert_error(LIT("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n"),
                 "Protocol error: expected '$', got 'f'");
    assert_error(LIT("*1\r\n\x01\r\n"), "Protocol error: expected '$', got '\x01'");
}
END_TEST

START_TEST(expected_dollar_shows_newlines_as_spaces)
{
    /* Redis 7.0: "*1\r\n\r\n" and "*1\r\n\n\r\n" both give got ' '. */
    assert_error(LIT("*1\r\n\r\n"), "Protocol error: expected '$', got ' '");
    assert_error(LIT("*1\r\n\n\r\n"), "Protocol error: expected '$', got ' '");
    assert_error(LIT("*1\r\n\0\r\n"), "Protocol error: expected '$', got ' '");
}
END_TEST

START_TEST(bad_bulk_length_is_invalid)
{
    const char *text = "Protocol error: invalid bulk length";

    assert_error(LIT("*1\r\n$\r\n"), text);
    assert_error(LIT("*1\r\n$-1\r\n"), text);
    assert_error(LIT("*1\r\n$-0\r\n"), text);
    assert_error(LIT("*1\r\n$04\r\nPING\r\n"), text);
    assert_error(LIT("*1\r\n$00\r\n\r\n"), text);
    assert_error(LIT("*1\r\n$123456789012345678\r\n"), text);
    assert_error(LIT("*1\r\n$9223372036854775807\r\n"), text);
    assert_error(LIT("*1\r\n$+4\r\nPING\r\n"), text);
    assert_error(LIT("*1\r\n$4 \r\nPING\r\n"), text);
    assert_error(LIT("*1\r\n$4\nPING\r\n"), text);
    assert_error(LIT("*1\r\n$9223372036854775808\r\n"), text);
}
END_TEST

START_TEST(bulk_length_over_proto_max_bulk_len_is_invalid)
{
    struct resp_limits limits;
    struct parsed *r;

    assert_more(LIT("*1\r\n$536870912\r\n"));
    assert_error(LIT("*1\r\n$536870913\r\n"), "Protocol error: invalid bulk length");
    resp_limits_default(&limits);
    limits.max_bulk_len = 10;
    r = parse_with(&limits, LIT("*1\r\n$10\r\n0123456789\r\n"));
    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    parsed_free(r);
    r = parse_with(&limits, LIT("*1\r\n$11\r\n0123456789a\r\n"));
    ck_assert_int_eq(r->st, RESP_PARSE_ERROR);
    ck_assert_str_eq(r->p.error, "Protocol error: invalid bulk length");
    parsed_free(r);
}
END_TEST

START_TEST(error_is_sticky_until_reset)
{
    struct resp_parser p;
    struct resp_arg argv[2];
    size_t argc, consumed;
    char bad[] = "*x\r\n";
    char good[] = "PING\r\n";

    resp_parser_init(&p, NULL);
    ck_assert_int_eq(resp_parse(&p, bad, 4, argv, 2, &argc, &consumed), RESP_PARSE_ERROR);
    ck_assert_int_eq(resp_parse(&p, good, 6, argv, 2, &argc, &consumed), RESP_PARSE_ERROR);
    ck_assert_int_eq(p.error_code, RESP_ERR_INVALID_MBULK);
    resp_parser_reset(&p);
    ck_assert_ptr_null(p.error);
    ck_assert_int_eq(p.error_code, RESP_ERR_NONE);
    ck_assert_int_eq(resp_parse(&p, good, 6, argv, 2, &argc, &consumed), RESP_PARSE_OK);
    ck_assert_uint_eq(argc, 1);
}
END_TEST

/* The query-buffer limit counts only what is not parsed into arguments. */
START_TEST(parsed_bytes_are_the_complete_args_of_a_request_in_progress)
{
    struct resp_parser p;
    struct resp_arg argv[4];
    size_t argc, consumed;
    char req[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nval";
    char inl[] = "SET k v";

    resp_parser_init(&p, NULL);
    ck_assert_uint_eq(resp_parser_parsed_bytes(&p), 0);
    ck_assert_int_eq(resp_parse(&p, req, sizeof(req) - 1, argv, 4, &argc, &consumed),
                     RESP_PARSE_MORE);
    ck_assert_uint_eq(resp_parser_parsed_bytes(&p),
                      strlen("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\n"));
    resp_parser_reset(&p);
    ck_assert_int_eq(resp_parse(&p, inl, sizeof(inl) - 1, argv, 4, &argc, &consumed),
                     RESP_PARSE_MORE);
    ck_assert_uint_eq(resp_parser_parsed_bytes(&p), 0);
}
END_TEST

/* Callers that answer some errors differently (conn.c, before AUTH) go
 * by the code, never by the text. */
START_TEST(each_protocol_error_has_its_code)
{
    static const struct {
        const char *req;
        enum resp_parse_error code;
    } cases[] = {
        {"SET \"a b\r\n", RESP_ERR_UNBALANCED},
        {"*x\r\n", RESP_ERR_INVALID_MBULK},
        {"*1\r\n+PING\r\n", RESP_ERR_EXPECTED_DOLLAR},
        {"*1\r\n$x\r\n", RESP_ERR_INVALID_BULK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed *r = parse(cases[i].req, strlen(cases[i].req));
        ck_assert_int_eq(r->st, RESP_PARSE_ERROR);
        ck_assert_int_eq(r->p.error_code, cases[i].code);
        parsed_free(r);
    }
    struct resp_limits small;
    resp_limits_default(&small);
    small.max_inline_len = 8;
    static const struct {
        const char *req;
        enum resp_parse_error code;
    } too_big[] = {
        {"PINGPINGPING", RESP_ERR_TOO_BIG_INLINE},
        {"*123456789", RESP_ERR_TOO_BIG_MBULK},
        {"*1\r\n$123456789", RESP_ERR_TOO_BIG_BULK},
    };
    for (size_t i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++) {
        struct parsed *r = parse_with(&small, too_big[i].req, strlen(too_big[i].req));
        ck_assert_int_eq(r->st, RESP_PARSE_ERROR);
        ck_assert_int_eq(r->p.error_code, too_big[i].code);
        parsed_free(r);
    }
}
END_TEST

/* ---- Redis's quirks, kept ----------------------------------------------- */

START_TEST(byte_after_header_cr_is_not_checked)
{
    /* Redis 7.0 answers +PONG to "*1\rX$4\r\nPING\r\n". */
    struct parsed *r = parse(LIT("*1\rX$4\r\nPING\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    assert_arg(r, 0, LIT("PING"));
    parsed_free(r);
}
END_TEST

START_TEST(crlf_after_bulk_data_is_not_checked)
{
    /* Redis 7.0 answers +PONG +PONG to "*1\r\n$4\r\nPINGxxPING\r\n". */
    struct parsed *r = parse(LIT("*1\r\n$4\r\nPINGxxPING\r\n"));

    ck_assert_int_eq(r->st, RESP_PARSE_OK);
    ck_assert_uint_eq(r->consumed, 14);
    assert_arg(r, 0, LIT("PING"));
    parsed_free(r);
}
END_TEST

START_TEST(header_cr_needs_one_more_byte)
{
    assert_more(LIT("*1\r"));
    assert_more(LIT("*1\r\n$4\r"));
    assert_more(LIT("*1\r\n$4\r\nPING\r"));
}
END_TEST

/* ---- splitting and pipelining ------------------------------------------- */

START_TEST(split_at_every_byte_gives_the_same_commands)
{
    size_t len = sizeof(mixed_stream) - 1;
    struct log whole = { 0 };

    feed(mixed_stream, len, 0, false, &whole);
    ck_assert_ptr_nonnull(whole.s);
    ck_assert_ptr_null(strstr(whole.s, "E:"));
    /* Each split point: the first k bytes, then the rest. */
    for (size_t k = 1; k < len; k++) {
        struct log split = { 0 };
        struct resp_parser p;
        struct resp_arg argv[8];
        size_t argc, consumed, used = 0, fed = 0;
        char *buf = malloc(len);

        resp_parser_init(&p, NULL);
        while (fed < len) {
            size_t n = fed == 0 ? k : len - fed;
            /* Move the pending bytes to a new block before every read. */
            char *nbuf = malloc(len);
            memcpy(nbuf, buf, used);
            free(buf);
            buf = nbuf;
            memcpy(buf + used, mixed_stream + fed, n);
            used += n;
            fed += n;
            while (resp_parse(&p, buf, used, argv, 8, &argc, &consumed) == RESP_PARSE_OK) {
                log_command(&split, argv, argc);
                memmove(buf, buf + consumed, used - consumed);
                used -= consumed;
            }
        }
        if (used != 0 || strcmp(split.s, whole.s) != 0)
            ck_abort_msg("split at %zu: %s", k, split.s);
        free(split.s);
        free(buf);
    }
    free(whole.s);
}
END_TEST

START_TEST(byte_by_byte_feed_gives_the_same_commands)
{
    size_t len = sizeof(mixed_stream) - 1;
    struct log whole = { 0 }, bytewise = { 0 }, moving = { 0 };

    feed(mixed_stream, len, 0, false, &whole);
    feed(mixed_stream, len, 1, false, &bytewise);
    feed(mixed_stream, len, 1, true, &moving);
    ck_assert_str_eq(bytewise.s, whole.s);
    ck_assert_str_eq(moving.s, whole.s);
    free(whole.s);
    free(bytewise.s);
    free(moving.s);
}
END_TEST

START_TEST(errors_are_found_however_the_input_is_split)
{
    static const char s[] = "PING\r\n*2\r\n$4\r\nECHO\r\n$-5\r\n";
    struct log whole = { 0 }, bytewise = { 0 };

    feed(s, sizeof(s) - 1, 0, false, &whole);
    feed(s, sizeof(s) - 1, 1, true, &bytewise);
    ck_assert_str_eq(whole.s, "1:4]PING;E:Protocol error: invalid bulk length;");
    ck_assert_str_eq(bytewise.s, whole.s);
    free(whole.s);
    free(bytewise.s);
}
END_TEST

/* A million args ("$<n>\r\n<i>\r\n"), arriving in reads of 1..4096 bytes
 * into a buffer grown by doubling (so it moves), argv grown on ARGV. If
 * any call rescanned the request from its start this would take hours;
 * the test case's timeout catches that. */
START_TEST(million_args_parse_incrementally)
{
    const size_t nargs = 1000 * 1000;
    size_t cap = 1 << 24, len = 0, used = 0, argv_cap = 8, argv_asks = 0;
    char *stream = malloc(cap), *buf = NULL;
    struct resp_arg *argv = malloc(argv_cap * sizeof(*argv));
    struct resp_parser p;
    size_t buf_cap = 0, argc = 0, consumed = 0, bad = SIZE_MAX;
    unsigned seed = 12345;
    enum resp_parse_status st = RESP_PARSE_MORE;

    len += (size_t)sprintf(stream, "*%zu\r\n", nargs);
    for (size_t i = 0; i < nargs; i++) {
        char num[24];
        int n = sprintf(num, "%zu", i);
        len += (size_t)sprintf(stream + len, "$%d\r\n%s\r\n", n, num);
    }
    resp_parser_init(&p, NULL);
    while (st != RESP_PARSE_OK) {
        if (st == RESP_PARSE_MORE) {
            size_t n;
            if (used == len)
                ck_abort_msg("MORE with the whole request present");
            seed = seed * 1103515245 + 12345;
            n = 1 + (seed >> 16) % 4096;
            if (n > len - used)
                n = len - used;
            if (used + n > buf_cap) {
                buf_cap = buf_cap ? buf_cap * 2 : 4096;
                buf = realloc(buf, buf_cap);
            }
            memcpy(buf + used, stream + used, n);
            used += n;
        } else {
            if (st != RESP_PARSE_ARGV || p.argc_needed <= argv_cap || p.argc_needed > nargs)
                ck_abort_msg("bad answer %d (argc_needed %zu)", (int)st, p.argc_needed);
            argv_cap = p.argc_needed;
            argv = realloc(argv, argv_cap * sizeof(*argv));
            argv_asks++;
        }
        st = resp_parse(&p, buf, used, argv, argv_cap, &argc, &consumed);
    }
    ck_assert_uint_ge(argv_asks, 1);
    ck_assert_uint_eq(argc, nargs);
    ck_assert_uint_eq(consumed, len);
    /* One check at the end: Check's asserts cost a syscall each. */
    for (size_t i = 0; i < nargs && bad == SIZE_MAX; i++) {
        char num[24];
        int n = sprintf(num, "%zu", i);
        if (argv[i].len != (size_t)n || memcmp(argv[i].ptr, num, (size_t)n) != 0 ||
            argv[i].ptr < buf || argv[i].ptr >= buf + used)
            bad = i;
    }
    ck_assert_uint_eq(bad, SIZE_MAX);
    free(stream);
    free(buf);
    free(argv);
}
END_TEST

/* An inline line 64 KB long arriving a byte at a time is scanned once. */
START_TEST(long_inline_line_parses_incrementally)
{
    size_t n = 64 * 1024 - 2;
    char *buf = malloc(n + 2);
    struct resp_parser p;
    struct resp_arg argv[2];
    size_t argc, consumed;

    memset(buf, 'a', n);
    buf[n] = '\r';
    buf[n + 1] = '\n';
    resp_parser_init(&p, NULL);
    for (size_t k = 1; k < n + 2; k++)
        if (resp_parse(&p, buf, k, argv, 2, &argc, &consumed) != RESP_PARSE_MORE)
            ck_abort_msg("not MORE after %zu bytes", k);
    ck_assert_int_eq(resp_parse(&p, buf, n + 2, argv, 2, &argc, &consumed), RESP_PARSE_OK);
    ck_assert_uint_eq(argc, 1);
    ck_assert_uint_eq(argv[0].len, n);
    free(buf);
}
END_TEST

/* ---- guard page --------------------------------------------------------- */

/* Places len bytes so that they end exactly where a PROT_NONE page starts:
 * any read past the input faults (picohttpparser's technique). */
struct guarded {
    char *map;
    size_t map_len;
    char *data;
};

static void guard_place(struct guarded *g, const char *s, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (len + page - 1) / page + 1;

    g->map_len = pages * page;
    g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(g->map != MAP_FAILED);
    ck_assert_int_eq(mprotect(g->map + (pages - 1) * page, page, PROT_NONE), 0);
    g->data = g->map + (pages - 1) * page - len;
    memcpy(g->data, s, len);
}

static void guard_free(struct guarded *g)
{
    munmap(g->map, g->map_len);
}

static const char *const guard_inputs[] = {
    "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n",
    "*1\r\n$0\r\n\r\n",
    "*2\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n",
    "*-1\r\n",
    "*1\r\n$4\r\nPINGxx",
    "SET k \"a\\x41\\n\" 'b\\'c'\r\n",
    "SET k \"a\\x4\r\n",
    "ECHO \"\\\r\n",
    "ECHO 'x\\\r\n",
    "*1\r\n$x\r\n",
    "*1\r\nfoo\r\n",
};

START_TEST(truncated_input_is_never_read_past_its_end)
{
    const char *req = guard_inputs[_i];
    size_t len = strlen(req);

    for (size_t k = 0; k <= len; k++) {
        struct guarded g;
        struct resp_parser p;
        struct resp_arg argv[8];
        size_t argc, consumed;
        enum resp_parse_status st;

        guard_place(&g, req, k);
        resp_parser_init(&p, NULL);
        st = resp_parse(&p, g.data, k, argv, 8, &argc, &consumed);
        ck_assert_uint_le(consumed, k);
        if (st == RESP_PARSE_OK) {
            for (size_t i = 0; i < argc; i++)
                ck_assert(argv[i].ptr >= g.data && argv[i].ptr + argv[i].len <= g.data + k);
        }
        guard_free(&g);
    }
}
END_TEST

/* The same, growing one byte at a time within one parser, so the resume
 * paths (scan offsets, bulk in progress) run against the guard too. */
START_TEST(resumed_input_is_never_read_past_its_end)
{
    const char *req = guard_inputs[_i];
    size_t len = strlen(req);
    struct resp_parser p;

    resp_parser_init(&p, NULL);
    for (size_t k = 0; k <= len; k++) {
        struct guarded g;
        struct resp_arg argv[8];
        size_t argc, consumed;
        enum resp_parse_status st;

        guard_place(&g, req, k);
        st = resp_parse(&p, g.data, k, argv, 8, &argc, &consumed);
        guard_free(&g);
        if (st != RESP_PARSE_MORE)
            break;
    }
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *resp_parse_suite(void)
{
    Suite *s = suite_create("resp_parse");
    TCase *tc;

    tc = tcase_create("multibulk");
    tcase_add_test(tc, multibulk_request_gives_its_args);
    tcase_add_test(tc, args_are_views_into_the_buffer);
    tcase_add_test(tc, pipelined_requests_parse_one_at_a_time);
    tcase_add_test(tc, peek_sees_whole_multibulk_requests_only);
    tcase_add_test(tc, request_after_a_split_count_line_starts_clean);
    tcase_add_test(tc, empty_bulk_is_an_empty_arg);
    tcase_add_test(tc, binary_bulk_may_hold_crlf_and_nul);
    tcase_add_test(tc, zero_or_negative_count_is_an_empty_request);
    tcase_add_test(tc, incomplete_multibulk_asks_for_more);
    tcase_add_test(tc, too_small_argv_asks_for_the_exact_count);
    tcase_add_test(tc, argv_is_never_requested_for_args_not_yet_sent);
    tcase_add_test(tc, bytes_wanted_tells_the_rest_of_a_big_bulk);
    suite_add_tcase(s, tc);

    tc = tcase_create("inline");
    tcase_add_test(tc, inline_line_is_split_on_spaces);
    tcase_add_test(tc, inline_accepts_a_bare_newline);
    tcase_add_test(tc, inline_empty_or_blank_line_has_no_args);
    tcase_add_test(tc, inline_double_quotes_take_escapes);
    tcase_add_test(tc, inline_hex_escape_needs_two_hex_digits);
    tcase_add_test(tc, inline_single_quotes_only_escape_the_quote);
    tcase_add_test(tc, inline_empty_quotes_are_an_empty_arg);
    tcase_add_test(tc, inline_quotes_may_start_inside_a_word);
    tcase_add_test(tc, inline_vertical_tab_is_part_of_a_word);
    tcase_add_test(tc, split_line_unquotes_in_place);
    tcase_add_test(tc, inline_keeps_cr_inside_quotes_and_splits_on_it_outside);
    tcase_add_test(tc, inline_keeps_nul_bytes);
    tcase_add_test(tc, inline_closing_quote_may_be_followed_by_any_blank);
    tcase_add_test(tc, inline_too_small_argv_leaves_the_line_untouched);
    tcase_add_test(tc, inline_line_longer_than_the_limit_is_fine_once_complete);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, unbalanced_quotes_are_a_protocol_error);
    tcase_add_test(tc, inline_without_newline_over_64k_is_too_big);
    tcase_add_test(tc, count_line_without_cr_over_64k_is_too_big);
    tcase_add_test(tc, bulk_count_line_without_cr_over_64k_is_too_big);
    tcase_add_test(tc, bad_multibulk_count_is_invalid);
    tcase_add_test(tc, multibulk_count_over_int_max_is_invalid);
    tcase_add_test(tc, multibulk_count_over_the_configured_limit_is_invalid);
    tcase_add_test(tc, bulk_header_must_start_with_dollar);
    tcase_add_test(tc, expected_dollar_shows_newlines_as_spaces);
    tcase_add_test(tc, bad_bulk_length_is_invalid);
    tcase_add_test(tc, bulk_length_over_proto_max_bulk_len_is_invalid);
    tcase_add_test(tc, error_is_sticky_until_reset);
    tcase_add_test(tc, each_protocol_error_has_its_code);
    tcase_add_test(tc, parsed_bytes_are_the_complete_args_of_a_request_in_progress);
    suite_add_tcase(s, tc);

    tc = tcase_create("redis_quirks");
    tcase_add_test(tc, byte_after_header_cr_is_not_checked);
    tcase_add_test(tc, crlf_after_bulk_data_is_not_checked);
    tcase_add_test(tc, header_cr_needs_one_more_byte);
    suite_add_tcase(s, tc);

    tc = tcase_create("incremental");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, split_at_every_byte_gives_the_same_commands);
    tcase_add_test(tc, byte_by_byte_feed_gives_the_same_commands);
    tcase_add_test(tc, errors_are_found_however_the_input_is_split);
    tcase_add_test(tc, million_args_parse_incrementally);
    tcase_add_test(tc, long_inline_line_parses_incrementally);
    suite_add_tcase(s, tc);

    tc = tcase_create("guard_page");
    tcase_add_loop_test(tc, truncated_input_is_never_read_past_its_end, 0,
                        (int)(sizeof(guard_inputs) / sizeof(guard_inputs[0])));
    tcase_add_loop_test(tc, resumed_input_is_never_read_past_its_end, 0,
                        (int)(sizeof(guard_inputs) / sizeof(guard_inputs[0])));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(resp_parse_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
