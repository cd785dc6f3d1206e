/*
 * migrate_sockets.h - the connections MIGRATE keeps to its targets, as
 * Redis 7.0 keeps them: one per host:port, reused by the next MIGRATE
 * there (which skips SELECT when it wants the same database), closed
 * after 10 s unused, or at once when 64 are open and another is needed.
 *
 * Blocking I/O with deadlines (poll), for a command handler that waits
 * for the target as Redis does.
 *
 * Threads: each worker loop has its own cache (thread-local): MIGRATE
 * runs on its client's loop, and that loop's tick closes its idle ones.
 * migrate_sockets_open counts them over every loop.
 */
#ifndef GROVE_MIGRATE_SOCKETS_H
#define GROVE_MIGRATE_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>

struct migrate_socket {
    int fd;
    long long last_dbid; /* the database the target has selected, -1: unknown */
    long long last_use_ms;
    char *name;          /* "host:port" */
    char in[1024];       /* bytes read, not consumed yet */
    size_t in_pos, in_len;
};

/* The cached connection to host:port, or a new one (connected within
 * timeout_ms). NULL when it could not be made. */
struct migrate_socket *migrate_socket_get(const char *host, size_t host_len, const char *port,
                                          size_t port_len, long long timeout_ms);
/* Close and forget it (after an I/O error). */
void migrate_socket_close(struct migrate_socket *s);
/* Close this loop's connections unused for 10 s. */
void migrate_sockets_close_idle(long long now_ms);
/* Close all of this loop's connections (its thread is ending). */
void migrate_sockets_close_all(void);
/* Connections open over every loop (INFO's migrate_cached_sockets). */
long long migrate_sockets_open(void);

/* Send all of buf by the deadline (server_mstime). false: errno says why
 * (ETIMEDOUT). */
bool migrate_socket_send(struct migrate_socket *s, const char *buf, size_t len,
                         long long deadline_ms);
/* One reply line (CRLF dropped, cut to cap - 1 bytes) by the deadline;
 * false: errno says why (ETIMEDOUT, or ECONNRESET for EOF). */
bool migrate_socket_read_line(struct migrate_socket *s, char *line, size_t cap,
                              long long deadline_ms);

#endif
