/*
 * harness.h - what every integration test needs: start a real grove-server
 * on a free loopback port, talk to it through hiredis or a raw socket, and
 * stop it (checking that it exits cleanly).
 *
 * The server binary comes from $GROVE_SERVER (set by ctest).
 */
#ifndef GROVE_HARNESS_H
#define GROVE_HARNESS_H

#include <hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct grove_server {
    pid_t pid;
    int port;
};

/* Start a server with extra "--option value" arguments (NULL-terminated,
 * may be NULL). Aborts the test if it cannot start. Servers still running
 * when the process that started them exits (a failed test) are killed. */
void harness_start(struct grove_server *s, const char *const *args);
/* SIGTERM, wait, and assert a zero exit status. */
void harness_stop(struct grove_server *s);

/* harness_start with more control; opts may be NULL. */
struct harness_opts {
    const char *config_file; /* passed first, before the options */
    long nofile;             /* the server's RLIMIT_NOFILE soft limit; 0: inherited */
};
void harness_start_ex(struct grove_server *s, const struct harness_opts *opts,
                      const char *const *args);
/* Send `signum`, wait, and assert a zero exit status. */
void harness_stop_with(struct grove_server *s, int signum);
/* Wait for a server that was told to stop (SHUTDOWN) to exit; assert 0. */
void harness_wait_exit(struct grove_server *s);
/* Run grove-server with exactly these arguments (nothing added), expecting
 * it to exit by itself; its stdout and stderr go to out (NUL-terminated).
 * Returns the wait status; aborts the test if it keeps running. */
int harness_run_to_exit(const char *const *args, char *out, size_t cap);
/* A hiredis connection (asserted non-NULL and error-free). */
redisContext *harness_connect(const struct grove_server *s);
/* A command through hiredis, asserting a reply arrived. */
redisReply *harness_cmd(redisContext *c, const char *fmt, ...);

/* Send every command of a batch before reading any reply: `fmt` takes one
 * integer (the key number, from..to-1); asserts no reply is an error. */
void harness_pipeline_int(redisContext *c, const char *fmt, int from, int to);

/* Raw sockets, for bytes hiredis would hide. */
int harness_raw_connect(const struct grove_server *s);
void harness_raw_send(int fd, const void *buf, size_t len);
/* Read until `expect_len` bytes arrived, EOF, or a 5 s timeout; returns
 * how many bytes were read into buf (NUL-terminated, cap includes it). */
size_t harness_raw_recv(int fd, char *buf, size_t cap, size_t expect_len);
/* Send then expect exactly `expected` back. */
void harness_raw_roundtrip(int fd, const char *send, const char *expected);
/* True if the peer closed the connection within 5 s. */
bool harness_raw_closed(int fd);

/* The next whole reply on a raw socket, decoded by `reader` (RESP2 only:
 * Debian's hiredis 0.14 has no RESP3); NULL on EOF or a 5 s timeout. */
redisReply *harness_raw_reply(int fd, redisReader *reader);

/* A field of INFO <section>: copies its value into buf, false if absent. */
bool harness_info_field(redisContext *c, const char *section, const char *field, char *buf,
                        size_t cap);
/* The same as a number (asserted present). */
long long harness_info_ll(redisContext *c, const char *section, const char *field);
/* Poll INFO until the field equals `want` (assert it does within 5 s):
 * for effects that reach another worker loop asynchronously. */
void harness_wait_info_ll(redisContext *c, const char *section, const char *field,
                          long long want);
/* Raise this process's RLIMIT_NOFILE soft limit towards `want` (as far as
 * the hard limit allows); returns the limit now in force. */
long harness_raise_nofile(long want);

/* Assertions on hiredis replies. */
void harness_expect_status(redisReply *r, const char *status);
void harness_expect_error(redisReply *r, const char *error);
void harness_expect_int(redisReply *r, long long v);
void harness_expect_str(redisReply *r, const char *s);
void harness_expect_nil(redisReply *r);

#endif
