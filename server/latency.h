/*
 * latency.h - Redis 7.0's latency tooling: the latency monitor (events
 * that took latency-monitor-threshold milliseconds or more, the last 160
 * seconds that had one, per event) with LATENCY LATEST, HISTORY, RESET,
 * GRAPH, DOCTOR and HELP; and the hook that feeds each command's duration
 * to its latency histogram (stats.h) for INFO latencystats and LATENCY
 * HISTOGRAM.
 *
 * Events Grove records, under Redis's names, where Redis records them:
 *   command, fast-command   a command's run (CMD_FAST: fast-command),
 *                           scripts' and transactions' commands included
 *   expire-cycle            the cron's active expiry pass
 *   eviction-cycle          one maxmemory eviction run
 *   fork                    the fork of BGSAVE or BGREWRITEAOF
 *   aof-write               a write of the AOF buffer, also recorded as
 *                           aof-write-pending-fsync (a background fsync is
 *                           running), aof-write-active-child (a fork child
 *                           is) or aof-write-alone
 *   aof-fsync-always        the fsync of appendfsync always
 * Redis's others (eviction-del, expire-del, aof-rename, aof-fstat,
 * rdb-unlink-temp-file, while-blocked-cron, module-acquire-GIL,
 * active-defrag-cycle...) stand for work Grove does not do that way.
 *
 * Threads: any thread records and reads; the events sit under one mutex,
 * taken only for a sample at or over the threshold and by LATENCY. With
 * the monitor off (threshold 0), a command pays one relaxed load for it.
 */
#ifndef GROVE_LATENCY_H
#define GROVE_LATENCY_H

#include <stdatomic.h>
#include <stdbool.h>

#include "client.h"
#include "command.h"
#include "server.h"
#include "stats.h"

/* Whether the monitor records anything (latency-monitor-threshold > 0). */
static inline bool latency_monitor_on(void)
{
    return atomic_load_explicit(&server.cfg.latency_monitor_threshold, memory_order_relaxed) != 0;
}

/* Redis's latencyAddSampleIfNeeded: record `ms` for `event` (a static
 * string) if the monitor is on and `ms` reaches the threshold. */
void latency_add_sample_if_needed(const char *event, long long ms);

void latency__command_sample(const struct command *cmd, long long ticks);

/* After a command ran for `ticks` (server_ticks) for client c: its
 * latency histogram on c's loop when latency-tracking is on, and the
 * monitor's command or fast-command event (not for an AOF replay, as in
 * Redis). */
static inline void latency_command_ran(const struct client *c, const struct command *cmd,
                                       long long ticks)
{
    if (c->stats != NULL && atomic_load_explicit(&server.cfg.latency_tracking, memory_order_relaxed))
        stats_command_latency(c->stats, cmd->id, server_ticks_to_ns(ticks));
    if (__builtin_expect(latency_monitor_on(), 0) && !(c->flags & CLIENT_REPLAY))
        latency__command_sample(cmd, ticks);
}

#endif
