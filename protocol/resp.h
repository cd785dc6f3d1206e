/*
 * resp.h - the Redis protocol (RESP2 and RESP3): request parsing and reply
 * encoding over plain byte buffers. No I/O, no knowledge of commands.
 *
 * Glossary
 *   request     one command: a multibulk (`*N\r\n$len\r\narg\r\n...`) or an
 *               inline line (`SET a b\r\n`, split on spaces with quotes).
 *   arg         a (pointer, length) view into the caller's query buffer; no
 *               copy is made of bulk arguments.
 *   resp_out    a growable reply buffer the encoder appends to.
 *
 * Parser contract (restartable, allocates nothing):
 *   resp_parse() looks at buf[0..len) holding the start of a request and
 *   answers one of
 *     RESP_PARSE_OK     a whole request: *consumed bytes, argc args in argv;
 *     RESP_PARSE_MORE   incomplete: nothing consumed, call again with more
 *                       bytes (the state struct remembers how far it got,
 *                       so a large request is not rescanned from its start);
 *     RESP_PARSE_ARGV   the request has more args than argv_cap: grow argv
 *                       to at least parser->argc_needed and call again;
 *     RESP_PARSE_ERROR  protocol error: parser->error_code says which, and
 *                       parser->error holds Redis's exact text (e.g.
 *                       "Protocol error: invalid bulk length"); the caller
 *                       replies "-ERR <text>" and closes.
 *   Between OK and the next request the caller must not move buf's bytes
 *   that argv points into until it is done with them. After MORE the caller
 *   may move the buffer (args are re-derived from offsets on the next call).
 *
 * Errors: actions return 0 or a negative RESP_E* code.
 * Thread safety: none; one parser and one resp_out per connection.
 */
#ifndef GROVE_RESP_H
#define GROVE_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- parsing ------------------------------------------------------------ */

struct resp_limits {
    uint64_t max_bulk_len;       /* proto-max-bulk-len, default 512 MB */
    uint64_t max_multibulk_len;  /* INT_MAX as in Redis 7.0 (6.x: 1024*1024) */
    size_t max_inline_len;       /* 64 KB as in Redis */
};
void resp_limits_default(struct resp_limits *limits);

struct resp_arg {
    const char *ptr;
    size_t len;
};

enum resp_parse_status {
    RESP_PARSE_OK = 0,
    RESP_PARSE_MORE = 1,
    RESP_PARSE_ARGV = 2,
    RESP_PARSE_ERROR = -1,
};

/* Which protocol error, for callers that answer some differently (a
 * length over the unauthenticated limits, say). */
enum resp_parse_error {
    RESP_ERR_NONE,
    RESP_ERR_TOO_BIG_INLINE,  /* an inline line, or a header, over max_inline_len */
    RESP_ERR_UNBALANCED,      /* unbalanced quotes in an inline request */
    RESP_ERR_TOO_BIG_MBULK,   /* a "*<count>" line over max_inline_len */
    RESP_ERR_INVALID_MBULK,   /* a count that is not a number or over the limit */
    RESP_ERR_TOO_BIG_BULK,    /* a "$<len>" line over max_inline_len */
    RESP_ERR_EXPECTED_DOLLAR, /* an argument that does not start with '$' */
    RESP_ERR_INVALID_BULK,    /* a length that is not a number or over the limit */
};

/* Per-connection parse state. Zero it with resp_parser_init(); the fields
 * are private except `error`, `error_code` and `argc_needed`. */
struct resp_parser {
    struct resp_limits limits;
    const char *error;       /* set on RESP_PARSE_ERROR: static text or
                                error_buf, valid until resp_parser_reset */
    enum resp_parse_error error_code;
    size_t argc_needed;      /* set on RESP_PARSE_ARGV */
    /* progress through the current (incomplete) request, as offsets from
     * its first byte (never pointers: buf may move between calls) */
    size_t pos;              /* next byte to parse: a bulk header or its data */
    size_t scan;             /* the open header line is searched up to here */
    size_t args_start;       /* first bulk header, just after "*<count>\r\n" */
    size_t seen;             /* len passed to the last call (bytes_wanted) */
    int64_t multibulk_left;  /* args still to read; -1 before the header */
    int64_t bulk_len;        /* length of the arg being read; -1 before its header */
    size_t argc;             /* args found so far */
    size_t argc_total;       /* the multibulk header's count */
    bool inline_mode;
    char error_buf[48];      /* "Protocol error: expected '$', got 'x'" */
};

/* limits NULL means resp_limits_default(). */
void resp_parser_init(struct resp_parser *p, const struct resp_limits *limits);
/* Forget any partial request (after an error or a connection reset). */
void resp_parser_reset(struct resp_parser *p);
/* See the contract above. For an inline request, args may point into a
 * scratch area inside buf only if unquoting shrinks them in place, which
 * is why buf is writable. An empty inline line gives OK with argc == 0
 * (the caller skips it, as Redis does). */
enum resp_parse_status resp_parse(struct resp_parser *p, char *buf, size_t len,
                                  struct resp_arg *argv, size_t argv_cap,
                                  size_t *argc, size_t *consumed);
/* A look at the request starting at buf without parsing it for real:
 * true with its args and size when it is a whole multibulk request of
 * plain headers within p's limits and argv_cap (the fast path's case),
 * false for anything else. p is not changed: a connection uses this to
 * see its next requests' keys before it runs them. */
bool resp_parse_peek(const struct resp_parser *p, const char *buf, size_t len,
                     struct resp_arg *argv, size_t argv_cap, size_t *argc, size_t *consumed);
/* While a bulk argument is being read, how many bytes the rest of the
 * request needs at least beyond the `len` of the last resp_parse call (0 if
 * unknown), so the caller can grow its buffer once instead of doubling
 * repeatedly. */
size_t resp_parser_bytes_wanted(const struct resp_parser *p);
/* Bytes at the start of a multibulk request in progress that its complete
 * arguments and the header of the one being read take (0 between requests
 * and for inline ones): Redis no longer counts those as query buffer once
 * it has parsed them. */
size_t resp_parser_parsed_bytes(const struct resp_parser *p);

/* Split line[0..len) into words by an inline request's rules, which are
 * Redis's sdssplitargs (config files are read the same way): blanks
 * between words, "double quotes" with the escapes \xHH \n \r \t \b \a,
 * 'single quotes' with \'. The words are unquoted in place, each within
 * the bytes it was written in: argv's slices point into line. Returns the
 * count, or -1 on unbalanced quotes or more than `cap` words. */
int resp_split_line(char *line, size_t len, struct resp_arg *argv, size_t cap);

/* ---- reply encoding ----------------------------------------------------- */

/* A growable output buffer. `limit` (0 = none) bounds len: once an append
 * would pass it, `overflow` is set and further appends are dropped, so the
 * caller can notice and disconnect the client, as Redis's
 * client-output-buffer-limit does. `proto` is 2 or 3 and decides how the
 * typed helpers encode (maps as flat arrays in RESP2, etc). */
struct resp_out {
    char *data;
    size_t len;
    size_t cap;
    size_t limit;
    bool overflow;
    bool oom;
    int proto;
};

void resp_out_init(struct resp_out *out, int proto);
void resp_out_deinit(struct resp_out *out);
/* Drop the contents, keep the allocation (shrinking it if it grew large). */
void resp_out_reset(struct resp_out *out);
/* Raw bytes, already encoded. */
void resp_add_raw(struct resp_out *out, const void *bytes, size_t len);

void resp_add_simple(struct resp_out *out, const char *s);             /* +s */
void resp_add_ok(struct resp_out *out);                                /* +OK */
/* An error line. `msg` is the text after '-': if it does not start with one
 * of Redis's error codes followed by a space ("ERR ", "WRONGTYPE ",
 * "NOAUTH "..., the list is in resp_out.c), "ERR " is prepended, as Redis's
 * addReplyError does; so "EXEC without MULTI" gives "-ERR EXEC without
 * MULTI". A msg starting with '-' carries its own code and is used as is.
 * CR/LF at either end are trimmed, inner ones become spaces. */
void resp_add_error(struct resp_out *out, const char *msg);
void resp_add_errorf(struct resp_out *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* printf-formatted bytes appended as they are (building text, not RESP). */
void resp_add_rawf(struct resp_out *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void resp_add_integer(struct resp_out *out, long long v);              /* :v */
void resp_add_bulk(struct resp_out *out, const void *s, size_t len);   /* $len */
void resp_add_bulk_cstr(struct resp_out *out, const char *s);
void resp_add_bulk_ll(struct resp_out *out, long long v);             /* $ of decimal */
void resp_add_null(struct resp_out *out);         /* $-1 | _ */
void resp_add_null_array(struct resp_out *out);   /* *-1 | _ */
void resp_add_array_len(struct resp_out *out, size_t n);  /* *n */
void resp_add_map_len(struct resp_out *out, size_t n);    /* %n | *2n */
void resp_add_set_len(struct resp_out *out, size_t n);    /* ~n | *n */
void resp_add_push_len(struct resp_out *out, size_t n);   /* >n | *n */
void resp_add_attribute_len(struct resp_out *out, size_t n);
/* Doubles as Redis formats them: RESP3 `,` with "%.17g" (inf, -inf, nan);
 * RESP2 a bulk string of the same text. */
void resp_add_double(struct resp_out *out, double v);
/* Redis's addReplyHumanLongDouble (GEOPOS's and WITHCOORD's coordinates):
 * resp_long_double_to_str's text, as a RESP3 `,` double or a RESP2 bulk
 * string. */
void resp_add_human_double(struct resp_out *out, long double v);
void resp_add_bool(struct resp_out *out, bool v);          /* #t/#f | :1/:0 */
void resp_add_bignum(struct resp_out *out, const char *digits, size_t len); /* ( | $ */
/* RESP3 verbatim string `=len\r\ntxt:...`; RESP2 a plain bulk string. */
void resp_add_verbatim(struct resp_out *out, const char *s, size_t len, const char *ext);

/* An aggregate whose length is known only after its elements: reserve a
 * header, append the elements, then fill the header in. Filling a header
 * moves the bytes after it, so outstanding handles are set innermost
 * (latest) first, the natural order for nested aggregates. */
size_t resp_add_deferred_len(struct resp_out *out);
void resp_set_deferred_array_len(struct resp_out *out, size_t handle, size_t n);
void resp_set_deferred_map_len(struct resp_out *out, size_t handle, size_t n);
void resp_set_deferred_set_len(struct resp_out *out, size_t handle, size_t n);

/* ---- numbers ------------------------------------------------------------ */

/* Redis's MAX_LONG_DOUBLE_CHARS: the longest float text the parsers read,
 * and room enough for any resp_long_double_to_str output. */
#define RESP_NUM_MAX_FLOAT_CHARS (5 * 1024)

/* Redis's string2ll: the whole string is a base-10 int64 with no spaces,
 * no '+', no leading zeros (except "0"). */
bool resp_str_to_ll(const char *s, size_t len, long long *out);
/* Redis's ll2string: returns the number of chars written (no NUL). buf
 * must hold at least 21 bytes. */
size_t resp_ll_to_str(char *buf, long long v);
/* Redis's string2ld / string2d rules for floats (no spaces, no "nan"). */
bool resp_str_to_double(const char *s, size_t len, double *out);
bool resp_str_to_long_double(const char *s, size_t len, long double *out);
/* Format as Redis does in replies: "%.17g" (RESP2 bulk text of doubles).
 * Both formatters write a NUL-terminated text and return its length, or
 * return 0 (buf[0] = NUL) when cap is too small; 32 bytes always suffice
 * here, and RESP_NUM_MAX_FLOAT_CHARS (5 KB) for the long double one. */
size_t resp_double_to_str(char *buf, size_t cap, double v);
/* Format as Redis's "%f" then trimDoubleString ("99.9", "50", "-0"): the
 * percentiles of INFO latencystats and CONFIG GET. 0 when cap is short
 * (32 bytes hold any value below 1e20). */
size_t resp_double_to_fixed_str(char *buf, size_t cap, double v);
/* Format as INCRBYFLOAT does: "%.17Lf" with trailing zeros trimmed
 * (cap must hold the untrimmed text, as in Redis's ld2string). */
size_t resp_long_double_to_str(char *buf, size_t cap, long double v);

#endif
