/*
 * client.h - one client session as the commands see it: the selected
 * database, the protocol version, authentication, name, reply mode and the
 * query/reply buffers. The libuv side of a connection (conn.c) wraps it;
 * command handlers only ever see this struct, so they run without a loop.
 * What they need from the connection (write replies produced outside the
 * client's own request, close it) goes through `io`, which the
 * connection code supplies.
 *
 * The registry: every connected client is on one list, for CLIENT LIST,
 * CLIENT KILL and connected_clients.
 *
 * Thread safety: a client belongs to its worker's thread. Other threads
 * (CLIENT LIST, CLIENT KILL) read it only under the registry lock: its
 * immutable fields (id, addresses, creation time), the strings the owner
 * changes only under that lock (`name`, `lib_*`, `fd`), the atomic counts,
 * and `view`, the rest as the owner last published it (client_publish,
 * after each batch of requests it runs).
 *
 * Errors: nothing here fails.
 */
#ifndef GROVE_CLIENT_H
#define GROVE_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "resp.h"

struct worker;
struct stats_loop;
struct command;
struct multi_cmd;
struct multi_watch;
struct pubsub_client;
struct blocked;
struct tracking_prefixes;
struct acl_user;

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
    CLIENT_CLOSED = 1 << 9,            /* its connection is closing: nothing more is sent */
    CLIENT_BLOCKED = 1 << 10,          /* waiting in a blocking command (blocking.h) */
    CLIENT_IN_EXEC = 1 << 11,          /* running EXEC's queue: blocking commands may not block */
    CLIENT_PUSHING = 1 << 12,          /* this command's reply is pushes: REPLY OFF/SKIP keep it */
    CLIENT_REPLAY = 1 << 13,           /* replays the AOF: runs while loading (loading.h) */
    CLIENT_MONITOR = 1 << 14,          /* MONITOR: receives every command line (monitor.h) */
    /* Client-side caching (tracking.h): CLIENT TRACKING ON and its options. */
    CLIENT_TRACKING = 1 << 15,
    CLIENT_TRACKING_BCAST = 1 << 16,
    CLIENT_TRACKING_BROKEN_REDIR = 1 << 17, /* its redirect client went away */
    CLIENT_TRACKING_OPTIN = 1 << 18,
    CLIENT_TRACKING_OPTOUT = 1 << 19,
    CLIENT_TRACKING_CACHING = 1 << 20,      /* CLIENT CACHING YES|NO, for the next command */
    CLIENT_TRACKING_NOLOOP = 1 << 21,
    CLIENT_POSTPONED = 1 << 22,             /* its next request waits for CLIENT PAUSE (pause.h) */
    CLIENT_REPLICA = 1 << 23,   /* PSYNC/SYNC: gets the stream, its replies are muted */
    CLIENT_REPL_PEER = 1 << 24, /* has a record in replication.c (REPLCONF or a replica) */
    CLIENT_MASTER = 1 << 25,    /* this replica's master: runs its stream (repl_replica.h) */
    CLIENT_UNIX_SOCKET = 1 << 26, /* connected on unixsocket */
};

struct client;

/* What CLIENT LIST shows of a client's changing state, as its owner last
 * published it, for the other threads. */
struct client_view {
    atomic_int db, resp;
    atomic_uint flags;
    atomic_llong last_interaction_ms;
    _Atomic(const struct command *) last_cmd;
    atomic_size_t qbuf, qbuf_free, obuf, obuf_cap;
    atomic_llong redir; /* CLIENT LIST's redir=: -1 while not tracking */
    atomic_size_t tot_mem; /* client_memory, CLIENT LIST's tot-mem= */
};

/* What the connection carrying a client does for the layers above it. */
struct client_io {
    /* Replies were appended outside the client's own request (a pub/sub
     * message), or it was flagged to close: write them, or close it, on
     * the client's loop once the current callbacks are done. The client's
     * own thread only. */
    void (*wake_cb)(struct client *c);
};

#define CLIENT_ADDR_LEN 112 /* an IPv6 address and port, or a unix socket's path and ":0" */

struct client {
    uint64_t id;
    struct worker *worker;        /* NULL for a client without a loop (tests, fuzzing) */
    struct stats_loop *stats;     /* its loop's counters */
    const struct client_io *io;
    int db;
    int resp;                     /* 2 or 3 */
    bool authenticated;
    /* The ACL user it runs as (acl.h), a reference: "default" until AUTH.
     * Changed by its owner under the registry lock (CLIENT LIST reads the
     * name). */
    struct acl_user *user;
    uint32_t flags;
    char *name;                   /* NULL when unset */
    char *lib_name, *lib_ver;
    char addr[CLIENT_ADDR_LEN];   /* ip:port of the peer; path:0 on the unix socket */
    char laddr[CLIENT_ADDR_LEN];  /* ip:port of our side; path:0 on the unix socket */
    int fd;
    long long ctime_ms;           /* connected at */
    long long last_interaction_ms;
    const struct command *last_cmd;
    long long woff;               /* replication offset after its last streamed write (WAIT) */

    /* query buffer: bytes [qpos, qlen) are unparsed input */
    char *qbuf;
    size_t qlen, qpos, qcap;
    struct resp_parser parser;
    struct resp_arg *argv;
    size_t argc, argv_cap;

    struct resp_out out;          /* replies not yet handed to the kernel */
    /* What its connection holds besides this struct (the reply buffer a
     * write in flight owns, the connection's own struct): set by the
     * connection, counted by client_memory. Owner thread. */
    size_t conn_bytes;

    /* MULTI/EXEC and WATCH (cmd_multi.c): the queued commands (copies of
     * their arguments) while CLIENT_MULTI, and the watched keys. Freed by
     * EXEC, DISCARD, UNWATCH, RESET and on disconnect (multi_client_reset). */
    struct multi_cmd *mqueue;
    size_t mcount, mcap;
    size_t mqueue_bytes;          /* the queued arguments' bytes, for client_memory */
    struct multi_watch **watched;
    size_t nwatched, watched_cap;

    /* Pub/sub (pubsub.c): this client's channels and patterns, NULL until
     * it first subscribes, freed on disconnect. The counts are atomic for
     * CLIENT LIST on other threads; only the owner changes them. */
    struct pubsub_client *pubsub;
    atomic_uint nsub, npsub, nssub;

    /* The blocking command it waits in (blocking.c), NULL otherwise. Set
     * and cleared by the owner under the registry lock: CLIENT UNBLOCK
     * reads it there. */
    struct blocked *blocked;

    /* Client-side caching (tracking.c): the client invalidations go to (0:
     * this one), that client's worker, and the BCAST prefixes. Owner
     * thread; CLIENT LIST reads the redirect from `view`. */
    uint64_t tracking_redir;
    struct worker *tracking_redir_worker;
    struct tracking_prefixes *tracking_prefixes;
    /* While CLIENT_POSTPONED (pause.c): the request CLIENT PAUSE holds
     * back (a copy), and its loop's list of such clients. The owner's
     * thread only. */
    struct resp_arg *postponed_argv;
    size_t postponed_argc;
    struct client *postponed_prev, *postponed_next;

    struct client_view view;
    struct client *reg_prev, *reg_next; /* the server-wide registry */
    /* Killed by CLIENT KILL from another loop and about to close there:
     * already gone for CLIENT LIST, CLIENT KILL and connected_clients, and
     * its own loop runs nothing more for it nor sends a byte, as in Redis,
     * which frees it at once. Set under the registry lock. */
    atomic_bool killed;
    /* Bytes this client adds to its loop's total for maxmemory-clients
     * (client_evict.c): its memory, or 0 once it is a replica or killed.
     * The owner changes it when its memory changes; an evictor on another
     * thread zeroes it under the registry lock. Always by exchange, with
     * the difference added to the loop's total, so the total stays the
     * sum of its clients'. */
    atomic_size_t evict_counted;
};

/* A new session: a fresh id, RESP2, the default user, authenticated if
 * that needs no password.
 * client_deinit frees its buffers and strings; what it joined (MULTI,
 * WATCH, channels) it must have left first (command_client_leave). */
void client_init(struct client *c, struct worker *w, struct stats_loop *stats,
                 const struct client_io *io, long long now_ms);
void client_deinit(struct client *c);
/* Room for `needed` parsed arguments in argv (the parser asked for
 * more): false when out of memory. */
#define CLIENT_INITIAL_ARGV 16
bool client_argv_reserve(struct client *c, size_t needed);
/* Between requests, give back an argument array grown past
 * CLIENT_ARGV_KEEP entries, as Redis frees its argv after every command:
 * one SADD of 100000 members would otherwise keep 1.6 MB for the
 * connection's life (and count it in used_memory). */
#define CLIENT_ARGV_KEEP 1024
void client_argv_trim(struct client *c);

/* Redis's authRequired: the default user needs a password (requirepass,
 * ACL SETUSER default) and this client has not authenticated. A client
 * that connects (or RESETs) while it needs none counts as authenticated,
 * so setting requirepass later does not lock out existing connections. */
bool client_auth_required(const struct client *c);
/* Redis's islocalClient (enable-protected-configs and
 * enable-debug-command local, protected-mode): a peer at 127.0.0.1 or
 * ::1, or on the unix socket. */
bool client_is_local(const struct client *c);

/* Owner thread: make `view` current; `pending_output` counts reply bytes
 * the kernel has not taken, wherever the connection keeps them. Also
 * brings its share of the clients' memory (client_evict.h) up to date. */
void client_publish(struct client *c, size_t pending_output);
/* Owner thread: publish `flags` alone, at once, for a change the other
 * threads must see before the next client_publish (CLIENT LIST's b, a
 * connection that has just become a replica). */
void client_publish_flags(struct client *c);
/* Redis's getClientMemoryUsage, CLIENT LIST's tot-mem: the buffers (query,
 * replies, argument slots, a transaction's queue, conn_bytes), this
 * struct, and a fixed overhead per watched key, channel, pattern and
 * tracking prefix.
 * Owner thread. */
size_t client_memory(const struct client *c);

/* The registry (any thread). */
void client_register(struct client *c);
void client_unregister(struct client *c);
long client_connected_count(void);
/* Walk it, oldest client first as Redis lists them, with the lock held:
 * for (c = client_registry_first(); c; c = c->reg_next). */
void client_registry_lock(void);
void client_registry_unlock(void);
struct client *client_registry_first(void);
/* A client another loop will close (CLIENT KILL): no longer counted or
 * listed from now on. Registry lock held. */
void client_mark_killed(struct client *c);
/* Close a client that may live on another loop (CLIENT KILL, client
 * eviction), as Redis frees it at once: marked killed (client_mark_killed)
 * and its own loop told to close it. Registry lock held. */
void client_kill(struct client *c);

/* Whether out-of-band replies (pub/sub messages) may be appended now: not
 * closing or killed. CLIENT REPLY OFF does not stop them: they are pushes,
 * which Redis 7.0 delivers through it. Owner thread. */
bool client_can_push(const struct client *c);
/* After appending such replies, or flagging the client to close. */
static inline void client_wake(struct client *c)
{
    if (c->io != NULL)
        c->io->wake_cb(c);
}

#endif
