/*
 * latency_hist.h - a histogram of latencies, 1 ns to 1 s, kept to two
 * significant decimal figures: the resolution of the HdrHistogram each
 * Redis 7.0 command carries, laid out the same way, so that percentiles
 * (INFO latencystats) and the power-of-two buckets of LATENCY HISTOGRAM
 * come out exactly as Redis's for the same samples.
 *
 * Glossary:
 *   value    a latency in nanoseconds; recorded values are clamped to
 *            [1, 1e9] as Redis's updateCommandLatencyHistogram does.
 *   slot     the counter a value falls in. Below 256 every value has its
 *            own slot; above, each power-of-two range [2^m, 2^(m+1)) is cut
 *            into 128 equal slots, so a slot is at most 1/128 of its value.
 *   block    128 consecutive slots, allocated the first time a value falls
 *            in them (see latency_hist.c for why).
 *
 * Threads: one writer (latency_hist_record, latency_hist_clear) and any
 * number of readers at once; counters are atomics the writer updates with
 * a relaxed load and store, blocks are published with release order and
 * never freed before latency_hist_destroy. A reader sees each counter as
 * it was at some moment during its read, not one snapshot of all.
 *
 * Errors: create returns NULL and add -ENOMEM when out of memory; record
 * returns false when the block the value needs cannot be allocated (the
 * sample is dropped). Nothing else fails.
 */
#ifndef GROVE_LATENCY_HIST_H
#define GROVE_LATENCY_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LATENCY_HIST_MIN_NS 1LL          /* Redis's LATENCY_HISTOGRAM_MIN_VALUE */
#define LATENCY_HIST_MAX_NS 1000000000LL /* LATENCY_HISTOGRAM_MAX_VALUE: 1 s */
/* LATENCY HISTOGRAM reports at most this many buckets: 1024 ns .. 2^29 ns
 * doubling, and one for what lies above. */
#define LATENCY_HIST_CDF_MAX 21

struct latency_hist;

/* One LATENCY HISTOGRAM bucket: `count` values were at most `upto_ns`. */
struct latency_hist_bucket {
    int64_t upto_ns;
    int64_t count;
};

struct latency_hist *latency_hist_create(void);
void latency_hist_destroy(struct latency_hist *h);

/* Count one latency of `ns` nanoseconds (writer only). */
bool latency_hist_record(struct latency_hist *h, int64_t ns);
/* Every counter back to zero, blocks kept for reuse (writer only). */
void latency_hist_clear(struct latency_hist *h);
/* Add src's counts into dst (dst is the caller's own; src any reader's).
 * 0 or -ENOMEM (dst then holds part of src). */
int latency_hist_add(struct latency_hist *dst, const struct latency_hist *src);

/* How many values were recorded. */
int64_t latency_hist_count(const struct latency_hist *h);
/* The value at percentile p (0..100), as hdr_value_at_percentile in
 * Redis 7.0.15: the highest value of the slot that reaches the count
 * (rounded, at least 1), the lowest for p == 0; 0 when empty. */
int64_t latency_hist_percentile(const struct latency_hist *h, double p);
/* LATENCY HISTOGRAM's cumulative buckets, as Redis 7.0's fillCommandCDF
 * reads them off hdr's logarithmic iterator (first bucket 1024 ns, base
 * 2): only buckets whose count grew. Fills out[LATENCY_HIST_CDF_MAX],
 * returns how many. */
size_t latency_hist_cdf(const struct latency_hist *h,
                        struct latency_hist_bucket out[LATENCY_HIST_CDF_MAX]);
/* Bytes the histogram holds (its struct and its blocks). */
size_t latency_hist_memory(const struct latency_hist *h);

#endif
