/*
 * stats.c - per-loop counters, their sums and resets, and the sampled
 * per-second rates; see stats.h for the threading rules.
 */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>

#include "latency_hist.h"

#define STATS_SAMPLES 16 /* instantaneous_* averages this many samples */

static struct stats_loop *loops; /* the loops' counters, then the loader's */
static unsigned nloops;          /* slots in loops[], the loader's included */
static size_t ncommands;
static atomic_uint latency_epoch; /* bumped by each reset */

/* Written by the sampling thread only; read by INFO on any thread. */
static struct {
    atomic_llong samples[STATS_SAMPLES];
    int idx;
    long long last_count;
} metrics[STATS_METRICS];
static long long metrics_last_ms;

int stats_init(unsigned n, size_t commands)
{
    loops = calloc(n + 1, sizeof(*loops));
    if (loops == NULL)
        return -ENOMEM;
    nloops = n + 1;
    ncommands = commands;
    for (unsigned i = 0; i < nloops; i++) {
        loops[i].command = calloc(commands, sizeof(*loops[i].command));
        loops[i].latency = calloc(commands, sizeof(*loops[i].latency));
        if (loops[i].command == NULL || loops[i].latency == NULL) {
            stats_deinit();
            return -ENOMEM;
        }
    }
    return 0;
}

void stats_deinit(void)
{
    for (unsigned i = 0; loops != NULL && i < nloops; i++) {
        free(loops[i].command);
        for (size_t id = 0; loops[i].latency != NULL && id < ncommands; id++)
            latency_hist_destroy(loops[i].latency[id]);
        free(loops[i].latency);
    }
    free(loops);
    loops = NULL;
    nloops = 0;
    ncommands = 0;
}

struct stats_loop *stats_of_loop(unsigned i)
{
    return i + 1 < nloops ? &loops[i] : NULL;
}

struct stats_loop *stats_of_loader(void)
{
    return nloops > 0 ? &loops[nloops - 1] : NULL;
}

/* ---- reading and resetting ------------------------------------------------- */

static long long counter_read(struct stats_value *s)
{
    long long base = atomic_load_explicit(&s->base, memory_order_acquire);
    long long v = atomic_load_explicit(&s->value, memory_order_relaxed) - base;
    return v > 0 ? v : 0;
}

static void counter_reset(struct stats_value *s)
{
    long long v = atomic_load_explicit(&s->value, memory_order_relaxed);
    atomic_store_explicit(&s->base, v, memory_order_release);
}

long long stats_total(enum stats_counter k)
{
    long long total = 0;
    for (unsigned i = 0; i < nloops; i++)
        total += counter_read(&loops[i].loop[k]);
    return total;
}

long long stats_command_total(unsigned id, enum stats_cmd_counter k)
{
    long long total = 0;
    for (unsigned i = 0; i < nloops && id < ncommands; i++)
        total += counter_read(&loops[i].command[id][k]);
    return total;
}

void stats_reset(void)
{
    atomic_fetch_add_explicit(&latency_epoch, 1, memory_order_relaxed);
    for (unsigned i = 0; i < nloops; i++) {
        for (int k = 0; k < STATS_COUNTERS; k++)
            counter_reset(&loops[i].loop[k]);
        for (size_t id = 0; id < ncommands; id++)
            for (int k = 0; k < STATS_CMD_COUNTERS; k++)
                counter_reset(&loops[i].command[id][k]);
    }
}

/* ---- latency histograms ----------------------------------------------------- */

/* Owner thread: a reset happened since this loop last recorded. */
static void latency_catch_up(struct stats_loop *s, unsigned epoch)
{
    for (size_t id = 0; id < ncommands; id++) {
        struct latency_hist *h = atomic_load_explicit(&s->latency[id], memory_order_relaxed);
        if (h != NULL)
            latency_hist_clear(h);
    }
    atomic_store_explicit(&s->latency_epoch, epoch, memory_order_release);
}

void stats_command_latency(struct stats_loop *s, unsigned id, long long ns)
{
    unsigned epoch = atomic_load_explicit(&latency_epoch, memory_order_relaxed);
    if (__builtin_expect(epoch != atomic_load_explicit(&s->latency_epoch, memory_order_relaxed), 0))
        latency_catch_up(s, epoch);
    struct latency_hist *h = atomic_load_explicit(&s->latency[id], memory_order_relaxed);
    if (__builtin_expect(h == NULL, 0)) {
        h = latency_hist_create();
        if (h == NULL)
            return;
        atomic_store_explicit(&s->latency[id], h, memory_order_release);
    }
    latency_hist_record(h, ns);
}

int stats_command_latency_sum(unsigned id, struct latency_hist *into)
{
    unsigned epoch = atomic_load_explicit(&latency_epoch, memory_order_relaxed);
    for (unsigned i = 0; i < nloops && id < ncommands; i++) {
        if (atomic_load_explicit(&loops[i].latency_epoch, memory_order_acquire) != epoch)
            continue;
        struct latency_hist *h = atomic_load_explicit(&loops[i].latency[id], memory_order_acquire);
        if (h != NULL && latency_hist_add(into, h) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* ---- instantaneous rates ---------------------------------------------------- */

void stats_sample(long long now_ms)
{
    static const enum stats_counter source[STATS_METRICS] = {
        [STATS_METRIC_COMMANDS] = STATS_COMMANDS,
        [STATS_METRIC_NET_INPUT] = STATS_NET_INPUT_BYTES,
        [STATS_METRIC_NET_OUTPUT] = STATS_NET_OUTPUT_BYTES,
    };
    long long dt = now_ms - metrics_last_ms;
    for (int m = 0; m < STATS_METRICS; m++) {
        long long count = stats_total(source[m]);
        if (metrics_last_ms != 0 && dt > 0) {
            long long rate = (count - metrics[m].last_count) * 1000 / dt;
            atomic_store_explicit(&metrics[m].samples[metrics[m].idx], rate > 0 ? rate : 0,
                                  memory_order_relaxed);
            metrics[m].idx = (metrics[m].idx + 1) % STATS_SAMPLES;
        }
        metrics[m].last_count = count;
    }
    metrics_last_ms = now_ms;
}

long long stats_instantaneous(enum stats_metric m)
{
    long long sum = 0;
    for (int i = 0; i < STATS_SAMPLES; i++)
        sum += atomic_load_explicit(&metrics[m].samples[i], memory_order_relaxed);
    return sum / STATS_SAMPLES;
}
