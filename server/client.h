/*
 * client.h - one client session as the commands see it: the selected
 * database, the protocol version, authentication, name, reply mode and the
 * query/reply buffers. The libuv side of a connection (conn.c) wraps it;
 * command handlers only ever see this struct, so they run without a loop.
 *
 * Thread safety: a client belongs to its worker's thread. Other threads
 * (CLIENT LIST, CLIENT KILL) read it only under the client registry lock
 * (server.h), and the owner changes `name`/`lib_*` only under that lock.
 */
#ifndef GROVE_CLIENT_H
#define GROVE_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "resp.h"

struct worker;
struct command;
struct multi_cmd;
struct multi_watch;
struct pubsub_client;

enum client_flag {
    CLIENT_CLOSE_AFTER_REPLY = 1 << 0, /* QUIT, protocol error: flush then close */
    CLIENT_CLOSE_ASAP = 1 << 1,        /* killed or over a limit: close without flushing */
    CLIENT_REPLY_OFF = 1 << 2,         /* CLIENT REPLY OFF */
    CLIENT_REPLY_SKIP_NEXT = 1 << 3,   /* CLIENT REPLY SKIP: the next command's reply */
    CLIENT_REPLY_SKIP = 1 << 4,        /* skipping the current command's reply */
    CLIENT_NO_EVICT = 1 << 5,
    CLIENT_NO_TOUCH = 1 << 6,
    CLIENT_MULTI = 1 << 7,             /* between MULTI and EXEC/DISCARD: commands queue */
    CLIENT_DIRTY_EXEC = 1 << 8,        /* a command was refused while queuing: EXEC aborts */
};

#define CLIENT_ADDR_LEN 64

struct client {
    uint64_t id;
    struct worker *worker;
    int db;
    int resp;                     /* 2 or 3 */
    bool authenticated;
    uint32_t flags;
    char *name;                   /* NULL when unset */
    char *lib_name, *lib_ver;
    char addr[CLIENT_ADDR_LEN];   /* ip:port of the peer */
    char laddr[CLIENT_ADDR_LEN];  /* ip:port of our side */
    int fd;
    long long ctime_ms;           /* connected at */
    long long last_interaction_ms;
    const struct command *last_cmd;

    /* query buffer: bytes [qpos, qlen) are unparsed input */
    char *qbuf;
    size_t qlen, qpos, qcap;
    struct resp_parser parser;
    struct resp_arg *argv;
    size_t argc, argv_cap;

    struct resp_out out;          /* replies not yet handed to the kernel */

    /* MULTI/EXEC and WATCH (cmd_multi.c): the queued commands (copies of
     * their arguments) while CLIENT_MULTI, and the watched keys. Freed by
     * EXEC, DISCARD, UNWATCH, RESET and on disconnect (multi_client_reset). */
    struct multi_cmd *mqueue;
    size_t mcount, mcap;
    struct multi_watch **watched;
    size_t nwatched, watched_cap;

    /* Pub/sub (pubsub.c): this client's channels and patterns, NULL until
     * it first subscribes, freed on disconnect. The counts are atomic for
     * CLIENT LIST on other threads; only the owner changes them. */
    struct pubsub_client *pubsub;
    atomic_uint nsub, npsub, nssub;

    struct client *reg_prev, *reg_next; /* the server-wide registry */
    /* Killed by CLIENT KILL from another loop and about to close there:
     * already gone for CLIENT LIST, CLIENT KILL and connected_clients, and
     * its own loop runs nothing more for it nor sends a byte, as in Redis,
     * which frees it at once. Set under the registry lock. */
    atomic_bool killed;
};

#endif
