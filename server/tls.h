/*
 * tls.h - TLS for client connections (OpenSSL 3), as Redis 6+/7.0 offers
 * it on tls-port: the server context built from the tls-* options, and
 * one TLS session per connection that turns the socket's cipher text into
 * request bytes and replies into cipher text.
 *
 * Glossary
 *   context   the server's SSL_CTX: certificate, key, CAs, protocols,
 *             ciphers, session cache. Built at start-up and rebuilt by
 *             CONFIG SET of a tls-* option; a failed rebuild keeps the
 *             old one. A session keeps the context it started with.
 *   session   a struct tls_conn: one SSL object between two memory BIOs.
 *             It does no I/O: the connection code (conn.c) feeds it what
 *             the socket read and writes out what it produced, with the
 *             same libuv reads and writes as a plain connection.
 *   records   the cipher text a session produced and the socket has not
 *             been given yet (handshake messages, encrypted replies,
 *             alerts, close_notify).
 *
 * Nothing outside server/tls.c sees an OpenSSL type: core/, protocol/ and
 * the command handlers never include OpenSSL, and conn.c sees byte
 * buffers only.
 *
 * Threads: the context is shared (swapped under a mutex, reference
 * counted by OpenSSL, so a session outlives a rebuild); a session belongs
 * to its connection's loop. tls_configure needs config_lock held, as the
 * options it reads are strings.
 * Errors: actions return 0 or a negative errno; tls_conn_read returns
 * bytes or a negative TLS_* code; a session's last error is in
 * tls_conn_error.
 */
#ifndef GROVE_TLS_H
#define GROVE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tls_conn;

/* tls_conn_read's outcomes besides plain text. */
#define TLS_AGAIN 0   /* needs more cipher text */
#define TLS_CLOSED -1 /* the peer sent close_notify: EOF */
#define TLS_ERROR -2  /* a failed handshake or a bad record: tls_conn_error says which */

/* Start-up and exit (main thread). */
void tls_init(void);
void tls_deinit(void);

/* Whether the tls-* options ask for a context (tls-port, tls-replication
 * or tls-cluster set), as Redis decides whether to configure TLS. */
bool tls_wanted(void);
/* (Re)build the context from the tls-* options. On failure the old
 * context stays and the reason is logged in Redis's words; -EINVAL.
 * config_lock held. */
int tls_configure(void);

/* A new session on the current context, for an accepted connection; it
 * asks the peer for a certificate as tls-auth-clients says now. NULL
 * without a context or memory. */
struct tls_conn *tls_conn_create(void);
void tls_conn_destroy(struct tls_conn *t);

/* Hand the session cipher text read from the socket (copied). -ENOMEM. */
int tls_conn_feed(struct tls_conn *t, const char *raw, size_t len);
/* Plain text decrypted from what was fed, into buf: bytes (> 0), or
 * TLS_AGAIN, TLS_CLOSED, TLS_ERROR. Runs the handshake first. */
ssize_t tls_conn_read(struct tls_conn *t, char *buf, size_t cap);
/* Encrypt len bytes of replies into records. 0, or TLS_ERROR. */
int tls_conn_write(struct tls_conn *t, const char *buf, size_t len);
/* Queue close_notify (once the handshake is done, unless the session
 * failed). */
void tls_conn_shutdown(struct tls_conn *t);
/* The records produced so far, moved into the session's own output
 * buffer: *len bytes from the returned pointer, valid until the next
 * call (a write in flight owns them: call it again only after it ends).
 * NULL and 0 when there are none or no memory (-ENOMEM in *err). */
const char *tls_conn_take_records(struct tls_conn *t, size_t *len, int *err);
/* Records produced and not yet taken. */
bool tls_conn_has_records(const struct tls_conn *t);
/* The handshake is over: requests and replies may flow. */
bool tls_conn_established(const struct tls_conn *t);
/* OpenSSL's text for the session's last error, as Redis logs it. */
const char *tls_conn_error(const struct tls_conn *t);
/* An idle connection gives back its output buffer. */
void tls_conn_release_buffers(struct tls_conn *t);

#endif
