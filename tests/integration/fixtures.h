/*
 * fixtures.h - shorthand for tests on the shared fixture (harness_srv and
 * the connection harness_ctx, see harness.h), and Redis's error texts that
 * many test files expect. Include it after harness.h.
 */
#ifndef GROVE_FIXTURES_H
#define GROVE_FIXTURES_H

#include <stdio.h>
#include <string.h>

#include "harness.h"

#define CMD(...) harness_cmd(harness_ctx, __VA_ARGS__)
#define EXPECT_OK(...) harness_expect_status(CMD(__VA_ARGS__), "OK")
#define EXPECT_STATUS(s, ...) harness_expect_status(CMD(__VA_ARGS__), s)
#define EXPECT_INT(v, ...) harness_expect_int(CMD(__VA_ARGS__), v)
#define EXPECT_STR(s, ...) harness_expect_str(CMD(__VA_ARGS__), s)
#define EXPECT_NIL(...) harness_expect_nil(CMD(__VA_ARGS__))
#define EXPECT_ERR(e, ...) harness_expect_error(CMD(__VA_ARGS__), e)

/* `want` is an array literal, e.g. ((const char *[]){"a", NULL}). */
#define EXPECT_ARRAY(want, ...)                                                                \
    harness_expect_array(CMD(__VA_ARGS__), sizeof(want) / sizeof(want[0]), want)
#define EXPECT_SET(want, ...)                                                                  \
    harness_expect_set(CMD(__VA_ARGS__), sizeof(want) / sizeof(want[0]), want)
#define EXPECT_INTS(want, ...)                                                                 \
    harness_expect_ints(CMD(__VA_ARGS__), sizeof(want) / sizeof(want[0]), want)
#define EXPECT_EMPTY(...) harness_expect_array(CMD(__VA_ARGS__), 0, NULL)
/* The string at `key` is exactly these bytes. */
#define EXPECT_VALUE(key, bytes, len) harness_expect_value(harness_ctx, key, bytes, len)
/* The encoding OBJECT ENCODING reports for `key`. */
#define EXPECT_ENCODING(key, enc) EXPECT_STR(enc, "OBJECT ENCODING %s", key)
/* The whole list at `key`, in order. */
#define EXPECT_LIST(key, ...) EXPECT_ARRAY(((const char *[]){__VA_ARGS__}), "LRANGE %s 0 -1", key)

/* A command line (harness_raw_send_line syntax: 'quoted words') and the
 * exact bytes redis-server 7.0.15 answered it with, on one protocol. */
struct recorded_reply {
    const char *line;
    const char *bytes;
};

/* Each line of the table sent on fd in order, its reply checked byte for
 * byte. */
static inline void replay_recorded(int fd, const struct recorded_reply *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        harness_raw_expect(fd, x[i].line, x[i].bytes);
}
#define REPLAY_RECORDED(fd, table) replay_recorded(fd, table, sizeof(table) / sizeof(table[0]))

#define ERR_SYNTAX "ERR syntax error"
#define ERR_NOT_INT "ERR value is not an integer or out of range"
#define ERR_POSITIVE "ERR value is out of range, must be positive"
#define ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"

#endif
