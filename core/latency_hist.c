/*
 * latency_hist.c - the latency histogram of latency_hist.h.
 *
 * What: Redis 7.0 gives each command an HdrHistogram (hdr_init(1, 1e9, 2))
 * and records its duration in it on every call. This file keeps the same
 * slots - not an approximation of them - so percentiles computed here
 * equal Redis's to the nanosecond for the same samples.
 *
 * The layout. Two significant figures need 2 * 10^2 = 200 distinct values
 * per power of two, rounded up to 256 sub-buckets, of which the upper 128
 * are new in each bucket (the lower half overlaps the previous bucket at
 * half the resolution). A value v falls in bucket b = max(0, msb(v) - 7)
 * and sub-bucket s = v >> b; its slot is 128 * b + s:
 *
 *     slot      0 .. 255    values 0 .. 255, one each       (bucket 0)
 *     slot    256 .. 383    256 .. 510, two values each    (bucket 1)
 *     slot    384 .. 511    512 .. 1020, four each         (bucket 2)
 *     ...
 *     slot 128b+128 .. 128b+255    2^(b+7) .. 2^(b+8)-1, 2^b each
 *
 * 1e9 ns lies in bucket 22, so 24 * 128 = 3072 slots cover the range
 * (hdr's counts_len for these parameters). A slot stands for the values
 * [lowest, lowest + 2^b - 1]; percentiles report the highest of them, as
 * hdr does, hence Redis's familiar "p50=1.003".
 *
 * Memory. 3072 64-bit counters are 24 KB, and a server keeps one
 * histogram per command per worker loop. A command's latencies seldom
 * span more than a few powers of two, so the slots are allocated in
 * blocks of 128 (one bucket each above the first two), on first use: a
 * GET that always takes 1-4 us uses 2-3 blocks, about 2.2 KB with the
 * block table. Counters are 64-bit because a hot command passes 2^32
 * calls on one loop within a day.
 *
 * Reading. latency_hist_percentile walks the slots in value order until
 * the running count reaches the percentile's count (hdr 0.11's rule:
 * round(p/100 * total), at least 1). latency_hist_cdf reproduces what
 * hdr's logarithmic iterator gives Redis's fillCommandCDF: it stops at
 * the slot of each power of two from 1024 ns (each one a slot's lowest
 * value), reports that slot's highest value and the count up to and
 * including it, until the count is complete; what lies beyond 2^29 ns is
 * reported at the last slot's highest value.
 *
 * Complexity: record O(1) (a block allocation the first time); reads and
 * add O(slots) = O(3072).
 */
#include "latency_hist.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#define SUB_HALF_BITS 7 /* log2 of the 128 new sub-buckets per bucket */
#define BLOCK_SLOTS (1u << SUB_HALF_BITS)
#define BLOCKS 24
#define SLOTS (BLOCKS * BLOCK_SLOTS)
#define CDF_FIRST_BIT 10 /* fillCommandCDF's first bucket: 1024 ns */
#define CDF_LAST_BIT 29  /* the last power of two inside the range */

static_assert(CDF_LAST_BIT - CDF_FIRST_BIT + 2 == LATENCY_HIST_CDF_MAX, "CDF bucket count");

struct latency_hist {
    _Atomic(atomic_llong *) blocks[BLOCKS];
    atomic_llong total;
};

/* ---- slots and values ---------------------------------------------------------- */

static unsigned slot_bucket(uint64_t v)
{
    return (unsigned)(63 - __builtin_clzll(v | (2 * BLOCK_SLOTS - 1))) - SUB_HALF_BITS;
}

static unsigned slot_of(int64_t value)
{
    uint64_t v = (uint64_t)value;
    unsigned b = slot_bucket(v);
    return (b << SUB_HALF_BITS) + (unsigned)(v >> b);
}

/* The lowest value of a slot, and the width of its range (hdr's
 * hdr_value_at_index and size_of_equivalent_value_range). */
static int64_t slot_lowest(unsigned slot)
{
    int b = (int)(slot >> SUB_HALF_BITS) - 1;
    uint64_t sub = (slot & (BLOCK_SLOTS - 1)) + BLOCK_SLOTS;
    if (b < 0) {
        sub -= BLOCK_SLOTS;
        b = 0;
    }
    return (int64_t)(sub << b);
}

static int64_t slot_highest(unsigned slot)
{
    int64_t low = slot_lowest(slot);
    return low + ((int64_t)1 << slot_bucket((uint64_t)low)) - 1;
}

static_assert(LATENCY_HIST_MAX_NS < ((int64_t)(2 * BLOCK_SLOTS - 1) << (BLOCKS - 2)),
              "the last block holds the largest value");

/* ---- counters ------------------------------------------------------------------ */

static atomic_llong *block_read(const struct latency_hist *h, unsigned block)
{
    return atomic_load_explicit(&((struct latency_hist *)h)->blocks[block], memory_order_acquire);
}

static long long slot_count(atomic_llong *const *blocks, unsigned slot)
{
    atomic_llong *b = blocks[slot / BLOCK_SLOTS];
    return b ? atomic_load_explicit(&b[slot % BLOCK_SLOTS], memory_order_relaxed) : 0;
}

/* The single writer's add: no locked instruction. */
static void counter_add(atomic_llong *c, long long n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* The block for `block`, allocated on first use; NULL out of memory. */
static atomic_llong *block_get(struct latency_hist *h, unsigned block)
{
    atomic_llong *b = atomic_load_explicit(&h->blocks[block], memory_order_relaxed);
    if (b != NULL)
        return b;
    b = calloc(BLOCK_SLOTS, sizeof(*b));
    if (b != NULL)
        atomic_store_explicit(&h->blocks[block], b, memory_order_release);
    return b;
}

/* Every block once, for a walk over the slots in value order. */
static void blocks_snapshot(const struct latency_hist *h, atomic_llong *out[BLOCKS])
{
    for (unsigned i = 0; i < BLOCKS; i++)
        out[i] = block_read(h, i);
}

/* ---- life and writing ---------------------------------------------------------- */

struct latency_hist *latency_hist_create(void)
{
    return calloc(1, sizeof(struct latency_hist));
}

void latency_hist_destroy(struct latency_hist *h)
{
    if (h == NULL)
        return;
    for (unsigned i = 0; i < BLOCKS; i++)
        free(atomic_load_explicit(&h->blocks[i], memory_order_relaxed));
    free(h);
}

bool latency_hist_record(struct latency_hist *h, int64_t ns)
{
    if (ns < LATENCY_HIST_MIN_NS)
        ns = LATENCY_HIST_MIN_NS;
    if (ns > LATENCY_HIST_MAX_NS)
        ns = LATENCY_HIST_MAX_NS;
    unsigned slot = slot_of(ns);
    atomic_llong *b = block_get(h, slot / BLOCK_SLOTS);
    if (b == NULL)
        return false;
    counter_add(&b[slot % BLOCK_SLOTS], 1);
    counter_add(&h->total, 1);
    return true;
}

void latency_hist_clear(struct latency_hist *h)
{
    for (unsigned i = 0; i < BLOCKS; i++) {
        atomic_llong *b = atomic_load_explicit(&h->blocks[i], memory_order_relaxed);
        for (unsigned j = 0; b != NULL && j < BLOCK_SLOTS; j++)
            atomic_store_explicit(&b[j], 0, memory_order_relaxed);
    }
    atomic_store_explicit(&h->total, 0, memory_order_relaxed);
}

/* dst's total is the sum of what was added, not src's total, so that it
 * always equals the sum of dst's counters even while src is written. */
int latency_hist_add(struct latency_hist *dst, const struct latency_hist *src)
{
    for (unsigned i = 0; i < BLOCKS; i++) {
        atomic_llong *from = block_read(src, i);
        if (from == NULL)
            continue;
        atomic_llong *to = block_get(dst, i);
        if (to == NULL)
            return -ENOMEM;
        for (unsigned j = 0; j < BLOCK_SLOTS; j++) {
            long long n = atomic_load_explicit(&from[j], memory_order_relaxed);
            counter_add(&to[j], n);
            counter_add(&dst->total, n);
        }
    }
    return 0;
}

/* ---- reading ------------------------------------------------------------------- */

int64_t latency_hist_count(const struct latency_hist *h)
{
    return atomic_load_explicit(&h->total, memory_order_relaxed);
}

int64_t latency_hist_percentile(const struct latency_hist *h, double p)
{
    atomic_llong *blocks[BLOCKS];
    blocks_snapshot(h, blocks);
    int64_t total = latency_hist_count(h);
    double wanted = p < 100.0 ? p : 100.0;
    int64_t target = (int64_t)(((wanted / 100) * (double)total) + 0.5);
    if (target < 1)
        target = 1;
    int64_t seen = 0;
    for (unsigned slot = 0; slot < SLOTS && total > 0; slot++) {
        seen += slot_count(blocks, slot);
        if (seen >= target)
            return p == 0.0 ? slot_lowest(slot) : slot_highest(slot);
    }
    return 0;
}

size_t latency_hist_cdf(const struct latency_hist *h,
                        struct latency_hist_bucket out[LATENCY_HIST_CDF_MAX])
{
    atomic_llong *blocks[BLOCKS];
    blocks_snapshot(h, blocks);
    int64_t total = latency_hist_count(h), seen = 0, reported = 0;
    size_t n = 0;
    unsigned slot = 0;
    for (int bit = CDF_FIRST_BIT; bit <= CDF_LAST_BIT + 1 && seen < total; bit++) {
        /* Past 2^29 the next stop lies outside the range: the walk ends
         * at the last slot. */
        unsigned stop = bit <= CDF_LAST_BIT ? slot_of((int64_t)1 << bit) : SLOTS - 1;
        for (; slot <= stop; slot++)
            seen += slot_count(blocks, slot);
        if (seen > reported) {
            out[n++] = (struct latency_hist_bucket){slot_highest(stop), seen};
            reported = seen;
        }
    }
    return n;
}

size_t latency_hist_memory(const struct latency_hist *h)
{
    size_t bytes = sizeof(*h);
    for (unsigned i = 0; i < BLOCKS; i++)
        if (block_read(h, i) != NULL)
            bytes += BLOCK_SLOTS * sizeof(atomic_llong);
    return bytes;
}
