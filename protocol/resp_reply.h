/*
 * resp_reply.h - reading replies back: a pull reader over RESP2/RESP3
 * reply bytes, one item at a time. Scripts need it: a command run from
 * Lua writes its reply with resp_out, and the script turns those bytes
 * into Lua values (redis.call's result).
 *
 * The reader never allocates and never reads past the end it is given; an
 * aggregate item only announces its count, and the caller reads that many
 * items (twice as many for a map or attribute) next.
 *
 * Errors: resp_reply_next returns false at the end of the input or on
 * malformed input (then *it is unspecified).
 * Thread safety: a reader belongs to its caller.
 */
#ifndef GROVE_RESP_REPLY_H
#define GROVE_RESP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

enum resp_reply_type {
    RESP_REPLY_STATUS,    /* +text */
    RESP_REPLY_ERROR,     /* -text */
    RESP_REPLY_INTEGER,   /* :n */
    RESP_REPLY_BULK,      /* $len text */
    RESP_REPLY_NULL,      /* _ (RESP3), or RESP2's $-1 / *-1 (see `legacy`) */
    RESP_REPLY_ARRAY,     /* *n */
    RESP_REPLY_MAP,       /* %n: n key-value pairs */
    RESP_REPLY_SET,       /* ~n */
    RESP_REPLY_PUSH,      /* >n */
    RESP_REPLY_ATTRIBUTE, /* |n: n pairs, then the item they describe */
    RESP_REPLY_DOUBLE,    /* ,text */
    RESP_REPLY_BOOL,      /* #t / #f: n is 1 or 0 */
    RESP_REPLY_BIGNUM,    /* (digits */
    RESP_REPLY_VERBATIM,  /* =len fmt:text (text holds "fmt:...") */
};

struct resp_reply_item {
    enum resp_reply_type type;
    const char *text; /* STATUS, ERROR, BULK, DOUBLE, BIGNUM, VERBATIM */
    size_t len;
    long long n;      /* INTEGER's value, an aggregate's count, BOOL */
    char legacy;      /* NULL: '$' or '*' for RESP2's nulls, 0 for RESP3's */
};

struct resp_reply_reader {
    const char *p, *end;
};

void resp_reply_reader_init(struct resp_reply_reader *r, const char *data, size_t len);
bool resp_reply_next(struct resp_reply_reader *r, struct resp_reply_item *it);

#endif
