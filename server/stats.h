/*
 * stats.h - the per-loop counters INFO sums: commands processed, network
 * bytes, reads and writes, and every command's calls, time, rejections and
 * failures (INFO commandstats); plus the per-second rates INFO shows as
 * instantaneous_*.
 *
 * Threads: each worker loop owns one `struct stats_loop` and is its only
 * writer. It bumps a counter with a relaxed load and store, no locked
 * instruction on the hot path. Any thread reads with relaxed loads.
 *
 * Reset (CONFIG RESETSTAT, any thread): a thread that zeroed a counter it
 * does not own would lose the reset to the owner's next load-and-store, so
 * a reset instead records each counter's current value as its base and
 * readers report value - base. The base is published with release order
 * after its value was read, and read with acquire order before the value,
 * so a reader never sees a value older than its base.
 *
 * Latency histograms (INFO latencystats, LATENCY HISTOGRAM): each loop
 * keeps its own per command (core/latency_hist.h, one writer), allocated
 * on the command's first call there, and readers add the loops' up. A
 * reset cannot clear another thread's histogram under its writer, so it
 * starts a new epoch instead: a loop clears its own histograms when it
 * next records and then takes the epoch, and readers skip the loops still
 * in an older one (their histograms date from before the reset).
 *
 * Errors: stats_init returns 0 or -ENOMEM; a latency that cannot get its
 * histogram's memory is dropped; everything else cannot fail.
 * This header is free of libuv: command handlers and the dispatcher use it.
 */
#ifndef GROVE_STATS_H
#define GROVE_STATS_H

#include <stdatomic.h>
#include <stddef.h>

enum stats_counter {
    STATS_COMMANDS,
    STATS_NET_INPUT_BYTES,
    STATS_NET_OUTPUT_BYTES,
    STATS_READS_PROCESSED,  /* read callbacks with data */
    STATS_WRITES_PROCESSED, /* writes handed to the kernel */
    STATS_COUNTERS,
};

enum stats_cmd_counter {
    STATS_CMD_CALLS,
    STATS_CMD_TICKS,    /* time spent running it (server_ticks) */
    STATS_CMD_REJECTED, /* refused before running: arity, NOAUTH, OOM */
    STATS_CMD_FAILED,   /* ran and replied an error */
    STATS_CMD_COUNTERS,
};

/* The rates sampled by the cron (stats_sample), as Redis's
 * trackInstantaneousMetric. */
enum stats_metric {
    STATS_METRIC_COMMANDS,
    STATS_METRIC_NET_INPUT,
    STATS_METRIC_NET_OUTPUT,
    STATS_METRICS,
};

struct stats_value {
    atomic_llong value; /* written by the owning loop only */
    atomic_llong base;  /* value at the last reset */
};

struct latency_hist;

struct stats_loop {
    struct stats_value loop[STATS_COUNTERS];
    struct stats_value (*command)[STATS_CMD_COUNTERS]; /* per command id */
    _Atomic(struct latency_hist *) *latency;           /* per command id, NULL until used */
    atomic_uint latency_epoch;                         /* the reset they count from */
};

/* Counters for `nloops` loops and `ncommands` command ids (command.h). */
int stats_init(unsigned nloops, size_t ncommands);
void stats_deinit(void);
/* Loop i's counters (i < nloops). */
struct stats_loop *stats_of_loop(unsigned i);
/* The counters of commands run outside any loop, by the thread that
 * replays the AOF at start-up (its owner while it runs); summed with the
 * loops'. */
struct stats_loop *stats_of_loader(void);

static inline void stats__value_add(struct stats_value *s, long long n)
{
    atomic_store_explicit(&s->value, atomic_load_explicit(&s->value, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Owner thread only. */
static inline void stats_add(struct stats_loop *s, enum stats_counter k, long long n)
{
    stats__value_add(&s->loop[k], n);
}

static inline void stats_command_add(struct stats_loop *s, unsigned id, enum stats_cmd_counter k,
                                     long long n)
{
    stats__value_add(&s->command[id][k], n);
}

/* Owner thread only: command `id` took `ns` nanoseconds. */
void stats_command_latency(struct stats_loop *s, unsigned id, long long ns);

/* Sums over every loop since the last reset (any thread). */
long long stats_total(enum stats_counter k);
long long stats_command_total(unsigned id, enum stats_cmd_counter k);

/* Add command `id`'s latencies over every loop since the last reset into
 * the caller's histogram (any thread). 0, or -ENOMEM. */
int stats_command_latency_sum(unsigned id, struct latency_hist *into);

/* CONFIG RESETSTAT: every counter and histogram reads 0 from now on (any
 * thread). */
void stats_reset(void);

/* Take a sample of each metric's rate; the cron calls it about every
 * 100 ms (one thread). */
void stats_sample(long long now_ms);
/* The average per-second rate of a metric over the last samples (any thread). */
long long stats_instantaneous(enum stats_metric m);

#endif
