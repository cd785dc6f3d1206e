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
 * may be NULL). Aborts the test if it cannot start. */
void harness_start(struct grove_server *s, const char *const *args);
/* SIGTERM, wait, and assert a zero exit status. */
void harness_stop(struct grove_server *s);
/* A hiredis connection (asserted non-NULL and error-free). */
redisContext *harness_connect(const struct grove_server *s);
/* A command through hiredis, asserting a reply arrived. */
redisReply *harness_cmd(redisContext *c, const char *fmt, ...);

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

/* Assertions on hiredis replies. */
void harness_expect_status(redisReply *r, const char *status);
void harness_expect_error(redisReply *r, const char *error);
void harness_expect_int(redisReply *r, long long v);
void harness_expect_str(redisReply *r, const char *s);
void harness_expect_nil(redisReply *r);

#endif
