/*
 * monitor.h - MONITOR: every command the server runs, streamed as a line
 * of text to the clients that asked, as Redis's replicationFeedMonitors.
 *
 * A line is `+<seconds>.<microseconds> [<db> <client>] "arg" "arg"...`,
 * each argument quoted as sdscatrepr quotes it (core/repr.h), <client>
 * the peer's ip:port or "lua" for a script's commands. What is shown, as
 * Redis 7.0 shows it:
 *   - a command once it has run (so SELECT shows its new database), a
 *     blocking one when it blocks and not again when it is served, the
 *     commands of an EXEC each as it runs and the EXEC after them;
 *   - EVAL, EVALSHA and FCALL (and their _RO forms) before their script
 *     runs, then the script's commands;
 *   - never administrative commands (CONFIG, DEBUG, MONITOR...) nor
 *     commands queued in MULTI;
 *   - AUTH's arguments and HELLO's AUTH pair as "(redacted)".
 *
 * Threads: the monitors are registered server-wide under a mutex and
 * counted in an atomic, so a command pays one relaxed load while nobody
 * monitors. A line reaches each monitor through its worker's queue, also
 * from the monitor's own loop, so every monitor gets the lines of each
 * loop in the order they ran.
 */
#ifndef GROVE_MONITOR_H
#define GROVE_MONITOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct client;
struct resp_arg;

extern atomic_uint monitor__count;

/* Anybody monitoring: worth formatting a line. */
static inline bool monitor_active(void)
{
    return atomic_load_explicit(&monitor__count, memory_order_relaxed) > 0;
}

/* MONITOR: the client receives every line from now on. 0, -ENOMEM, or
 * -ENOTCONN for a client without a worker loop. Owner thread. */
int monitor_add(struct client *c);
/* RESET or disconnect: no more lines. Owner thread; no-op for a client
 * that does not monitor. */
void monitor_remove(struct client *c);

/* Show a command run by `c` in database `db` (`from_script`: a script's
 * command, shown as "lua"). Any worker thread; the caller holds shard
 * locks at most (the lock order is shards, then the monitor registry,
 * then a worker's queue). */
void monitor_feed(const struct client *c, int db, bool from_script,
                  const struct resp_arg *argv, size_t argc);

#endif
