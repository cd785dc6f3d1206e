/*
 * listeners.h - what Grove listens on, at start-up and when CONFIG SET
 * changes it: port and tls-port on every address of bind, and
 * unixsocket. Free of libuv, so CONFIG SET (cmd_server.c) can call it;
 * the loops' side (the libuv handles, accepting) is worker_loop.c's, which
 * this module drives, never the other way round.
 *
 * TCP and TLS: every worker loop has its own socket on each address:port,
 * joined by SO_REUSEPORT so the kernel spreads new connections over the
 * loops (worker_loop.h says how the first bind keeps other processes
 * out). The sockets are bound and listening before any loop takes them,
 * so a change is all or nothing: listeners_apply opens every new socket
 * for every loop first, and only when all of them are open does it post
 * each loop its new set (the loop opens the new ones, then closes those
 * no longer wanted). Addresses that stay keep their sockets, and so their
 * backlogs. Existing connections are never touched.
 *
 * unixsocket: AF_UNIX has no SO_REUSEPORT, and a socket watched by every
 * loop would wake them all for each connection and spread nothing, so
 * one socket is accepted on by the first loop, which hands each new
 * connection to the loops in turn through their message queues (one
 * queue hop per connection, none per request). Start-up only, as in
 * Redis 7.0: a file already at the path is removed first, and the file
 * is removed again at exit.
 *
 * Threads: listeners_open and listeners_close on the main thread, before
 * the loops run and after they have ended; listeners_apply under
 * config_lock, from any thread.
 * Errors: 0 or a negative errno, the reason logged in Redis's words.
 */
#ifndef GROVE_LISTENERS_H
#define GROVE_LISTENERS_H

#include <stdbool.h>
#include <string.h>

#include "config.h"

#define LISTEN_ADDR_MAX 64                 /* an address as bind spells it */
#define LISTEN_MAX (2 * CONFIG_MAX_BINDS)  /* port's and tls-port's, each on every address */

/* One address:port a loop listens on. */
struct listen_addr {
    char addr[LISTEN_ADDR_MAX];
    int port;
    bool tls;
    int fd; /* a new socket, bound and listening, for the loop to take; -1: it has it already */
};

/* Whether two are the same address, port and kind (fds aside). */
static inline bool listen_addr_same(const struct listen_addr *a, const struct listen_addr *b)
{
    return a->port == b->port && a->tls == b->tls && strcmp(a->addr, b->addr) == 0;
}

/* The whole of what one loop is to listen on. */
struct listen_set {
    int n;
    struct listen_addr a[LISTEN_MAX];
};

/* Start-up, once the loops exist and before they run: open every socket
 * the options ask for and give them to the loops. */
int listeners_open(unsigned nloops);
/* Exit, once every loop has ended: close the unix socket and remove its
 * file, saying so when `announce` (not after a failed start, whose reason
 * stays the last line logged, as Redis's exit leaves it). */
void listeners_close(bool announce);
/* CONFIG SET port, bind or tls-port, with the new values stored: listen
 * on them instead. On failure (logged) nothing has changed: the caller
 * puts the old values back. config_lock held. */
int listeners_apply(void);

#endif
