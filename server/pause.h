/*
 * pause.h - CLIENT PAUSE: holding clients' commands back for a while, as
 * Redis's pauseClients does (a failover tool lets a replica catch up with
 * no new writes arriving; an operator quiesces the server).
 *
 * A pause has a kind (WRITE: commands that may write or replicate wait;
 * ALL: every command waits), an end time and a purpose (CLIENT PAUSE, a
 * SHUTDOWN waiting for replicas, or a FAILOVER). A new CLIENT PAUSE only ever
 * makes the current one longer or stricter; CLIENT UNPAUSE, or the end
 * time, lifts it. A command held back is "postponed": nothing is replied
 * and it stays in its client's query buffer (the client stops running
 * requests, as when blocked), and runs once the pause is lifted, in the
 * order the clients were postponed on each loop. Commands that fail their
 * checks (arity, unknown...) are answered at once, as in Redis: the pause
 * is checked last, just before a command would run or be queued in MULTI.
 *
 * While paused, the dataset changes by no other way either: expired keys
 * stay (reads see them as gone, but only a write deletes one: lazy and
 * active expiry are held, through keyspace_hold_expired) and nothing is
 * evicted (evict.c asks pause_in_effect).
 *
 * Threads: the pause itself is a pair of atomics any thread reads (one
 * relaxed load when no pause was ever set); setting it takes a mutex. A
 * postponed client stays on its own loop's list (struct worker, the
 * loop's thread only); lifting the pause posts a message to every loop,
 * and each loop's alarm also fires at the end time.
 */
#ifndef GROVE_PAUSE_H
#define GROVE_PAUSE_H

#include <stdbool.h>
#include <stddef.h>

struct client;
struct command;
struct resp_arg;
struct worker;

enum pause_kind {
    PAUSE_NONE = 0,
    PAUSE_WRITE = 1, /* commands that may write or replicate wait */
    PAUSE_ALL = 2,   /* every command waits */
};

/* Who paused (Redis's pause_purpose): each purpose's pause is set and
 * lifted alone; the strictest in effect holds. */
enum pause_purpose {
    PAUSE_BY_CLIENT,     /* CLIENT PAUSE / UNPAUSE */
    PAUSE_FOR_SHUTDOWN,  /* SHUTDOWN waiting for its replicas */
    PAUSE_FOR_FAILOVER,  /* FAILOVER waiting for its target to catch up (failover.h) */
    PAUSE_PURPOSES
};

/* CLIENT PAUSE (any thread): pause until `end_ms` (wall clock), or longer
 * or stricter if this purpose's pause already says so. */
void pause_start(enum pause_purpose p, enum pause_kind kind, long long end_ms);
/* CLIENT UNPAUSE (any thread): lift this purpose's pause and wake every
 * loop. */
void pause_lift(enum pause_purpose p);
/* The kind of pause in effect at now_ms (any thread). */
enum pause_kind pause_in_effect(long long now_ms);

/* The dispatcher (the client's thread): whether client c's command line
 * (cmd, argv, argc: checked, about to run or be queued) must wait now. One
 * relaxed load when no pause was set. */
bool pause_holds(const struct client *c, const struct command *cmd,
                 const struct resp_arg *argv, size_t argc, long long now_ms);
/* Postpone it: keep a copy of the request, flag the client
 * CLIENT_POSTPONED (it runs no more requests) and queue it on its loop.
 * 0, or -ENOMEM with nothing changed. */
int pause_postpone(struct client *c, const struct resp_arg *argv, size_t argc);
/* The loop's alarm (its own thread): run the postponed clients again if
 * the pause is over; the time to look again, or 0 when none wait. */
long long pause_expire(struct worker *w, long long now_ms);
/* A postponed client leaves (disconnects): take it off its loop's list. */
void pause_client_leave(struct client *c);
/* Clients postponed now, every loop (INFO blocked_clients counts them, as
 * Redis does). */
size_t pause_postponed_count(void);

#endif
