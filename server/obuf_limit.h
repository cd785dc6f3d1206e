/*
 * obuf_limit.h - client-output-buffer-limit for ordinary connections: the
 * class a client's replies are judged by (normal or pubsub), and whether
 * its unread replies have passed that class's hard limit, or stayed past
 * its soft limit too long, as Redis's checkClientOutputBufferLimits
 * decides. Replicas have their own class, applied by replication.c.
 *
 * Also, as the redis-server 7.0.15 that Grove is compared with (its
 * CVE-2025-21605 fix): a client that still has to authenticate may leave
 * only a little unread, so a stranger cannot make the server hold
 * replies to a flood of commands it never reads.
 *
 * Threads: the client's owner thread; the limits are read live, so
 * CONFIG SET reaches existing connections.
 */
#ifndef GROVE_OBUF_LIMIT_H
#define GROVE_OBUF_LIMIT_H

#include <stdbool.h>
#include <stddef.h>

struct client;

/* The hard limit of c's class in bytes, 0 for none. */
size_t obuf_limit_hard(const struct client *c);

/* Whether c, with `used` reply bytes the kernel has not taken, must be
 * closed now. *soft_since_ms is the client's own record of when it went
 * over the soft limit (0: it is under), kept up to date here; the clock
 * is read only while it is over. */
bool obuf_limit_reached(const struct client *c, size_t used, long long *soft_since_ms);

#endif
