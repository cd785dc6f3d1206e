/*
 * hyperloglog.c - Redis 7.0's HyperLogLog: the dense and sparse encodings,
 * register updates, promotion, merging and the cardinality estimate; see
 * hyperloglog.h for the layout.
 *
 * Design
 *   Compatibility decides everything here: Redis stores an HLL as a plain
 *   string, so a client can GET it, SET it elsewhere, DUMP/RESTORE it or
 *   load it from an RDB. The same PFADDs must therefore leave the same
 *   bytes, which fixes more than the layout: the hash (MurmurHash64A,
 *   seed 0xadc83b19), how a hash becomes a register and a count, exactly
 *   how a sparse update splits an opcode and merges neighbours, when it
 *   promotes, and the floating point of the estimate (cached in the
 *   header). The algorithms below follow Redis's step for step for that
 *   reason, in code of our own.
 *
 *     dense registers, 6 bits each, least significant bits first:
 *     byte  0        1        2
 *          +--------+--------+--------+---
 *          |11000000|22221111|33333322| ...   (digit = register)
 *          +--------+--------+--------+---
 *
 *   A sparse update finds the opcode covering the register, replaces it
 *   with up to five bytes (the worst case: XZERO split into XZERO VAL
 *   XZERO, 3 bytes longer) and merges equal VALs around it. Growing needs
 *   room the caller owns, so hll_set reports HLL_ENOROOM before it touches
 *   anything and the caller grows the string and calls again.
 *
 * Hostile input
 *   Any string with a valid header reaches this code (SET, RESTORE, an
 *   RDB), and both servers must answer it alike, so the quirks Redis
 *   7.0.15 shows on corrupt strings are kept: an update only reads up to
 *   the opcode it changes (garbage after it survives), and an XZERO cut
 *   off by the end reads as if followed by a zero byte (Redis's string
 *   terminator). But every read is bounded by `len`, and run lengths are
 *   summed in 64 bits and checked before they pass 16384, so the integer
 *   overflow of CVE-2025-32023 (millions of XZEROs wrap Redis's int
 *   register index, which then writes out of bounds) cannot happen.
 *
 * Complexity: a dense update O(1); a sparse one O(len) (len is at most
 *   max_bytes, 3000 by default); counting and merging O(16384).
 */
#include "hyperloglog.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static_assert(HLL_DENSE_SIZE == 12304, "Redis's dense HLL is 12304 bytes");
static_assert(HLL_REGISTERS % 4 == 0, "dense registers go 4 to 3 bytes");

#define HLL_Q (64 - HLL_P)         /* hash bits left for the zero run */
#define HLL_REGISTER_MAX 63
#define HLL_HASH_SEED 0xadc83b19ull
#define HLL_ENCODING_AT 4
#define HLL_CARD_AT 8
#define HLL_ALPHA_INF 0.721347520444481703680 /* 0.5 / ln(2) */

/* ==== the header =============================================================== */

bool hll_is_valid(const uint8_t *p, size_t len)
{
    if (len < HLL_HDR_SIZE || memcmp(p, "HYLL", 4) != 0)
        return false;
    if (p[HLL_ENCODING_AT] == HLL_DENSE)
        return len == HLL_DENSE_SIZE;
    return p[HLL_ENCODING_AT] == HLL_SPARSE;
}

enum hll_encoding hll_encoding_of(const uint8_t *p)
{
    return (enum hll_encoding)p[HLL_ENCODING_AT];
}

bool hll_cached(const uint8_t *p, uint64_t *card)
{
    const uint8_t *c = p + HLL_CARD_AT;
    if (c[7] & 0x80)
        return false;
    *card = 0;
    for (int i = 7; i >= 0; i--)
        *card = *card << 8 | c[i];
    return true;
}

void hll_cache_store(uint8_t *p, uint64_t card)
{
    for (int i = 0; i < 8; i++)
        p[HLL_CARD_AT + i] = (uint8_t)(card >> (8 * i));
}

void hll_cache_invalidate(uint8_t *p)
{
    p[HLL_CARD_AT + 7] |= 0x80;
}

void hll_init_empty(uint8_t out[HLL_SPARSE_EMPTY_SIZE])
{
    memset(out, 0, HLL_SPARSE_EMPTY_SIZE);
    memcpy(out, "HYLL", 4);
    out[HLL_ENCODING_AT] = HLL_SPARSE;
    /* XZERO of 16384: 01 + the 14 bits of 16383. */
    out[HLL_HDR_SIZE] = 0x40 | (uint8_t)((HLL_REGISTERS - 1) >> 8);
    out[HLL_HDR_SIZE + 1] = (uint8_t)((HLL_REGISTERS - 1) & 0xff);
}

/* ==== hashing ==================================================================== */

static uint64_t load64_le(const uint8_t *p)
{
    uint64_t k = 0;
    for (int i = 7; i >= 0; i--)
        k = k << 8 | p[i];
    return k;
}

uint64_t hll_murmur64a(const void *key, size_t len, uint64_t seed)
{
    const uint64_t m = 0xc6a4a7935bd1e995ull;
    const int r = 47;
    const uint8_t *data = key;
    const uint8_t *end = data + (len - (len & 7));
    /* Redis passes the length as an int: the same bits for any length a
     * string can have (proto-max-bulk-len is far below 2^31). */
    uint64_t h = seed ^ ((uint64_t)(int64_t)(int)len * m);

    for (; data != end; data += 8) {
        uint64_t k = load64_le(data);
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    if (len & 7) {
        for (size_t i = len & 7; i > 0; i--)
            h ^= (uint64_t)data[i - 1] << (8 * (i - 1));
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

unsigned hll_pattern(const void *ele, size_t len, unsigned *index)
{
    uint64_t hash = hll_murmur64a(ele, len, HLL_HASH_SEED);
    *index = (unsigned)(hash & (HLL_REGISTERS - 1));
    /* The run of zeros above the index bits, plus one; the bit set at Q
     * ends the run by Q + 1 at the latest. */
    hash >>= HLL_P;
    hash |= 1ull << HLL_Q;
    return (unsigned)__builtin_ctzll(hash) + 1;
}

/* ==== dense registers ============================================================= */

/* Register i of the dense registers r. A register that starts in the
 * low 3 bits of its byte ends in it, so the last register never reads
 * past the array (Redis relies on its string terminator there). */
static unsigned dense_get(const uint8_t *r, unsigned i)
{
    size_t byte = (size_t)i * HLL_BITS / 8;
    unsigned fb = i * HLL_BITS & 7;
    unsigned v = (unsigned)r[byte] >> fb;
    if (fb > 8 - HLL_BITS)
        v |= (unsigned)r[byte + 1] << (8 - fb);
    return v & HLL_REGISTER_MAX;
}

static void dense_put(uint8_t *r, unsigned i, unsigned v)
{
    size_t byte = (size_t)i * HLL_BITS / 8;
    unsigned fb = i * HLL_BITS & 7;
    r[byte] = (uint8_t)((r[byte] & ~(HLL_REGISTER_MAX << fb)) | (v << fb));
    if (fb > 8 - HLL_BITS)
        r[byte + 1] = (uint8_t)((r[byte + 1] & ~(HLL_REGISTER_MAX >> (8 - fb))) | (v >> (8 - fb)));
}

/* Run `body` for the dense registers r four at a time (three bytes):
 * i_ is the first one's number, v0..v3 their values. */
#define DENSE_FOREACH4(r, body)                                                               \
    for (unsigned i_ = 0; i_ < HLL_REGISTERS; i_ += 4) {                                      \
        const uint8_t *b_ = (r) + i_ / 4 * 3;                                                 \
        unsigned v0 = b_[0] & 63u, v1 = (b_[0] >> 6 | b_[1] << 2) & 63u;                     \
        unsigned v2 = (b_[1] >> 4 | b_[2] << 4) & 63u, v3 = b_[2] >> 2;                       \
        body                                                                                  \
    }

static void dense_histogram(const uint8_t *r, uint32_t histo[64])
{
    DENSE_FOREACH4(r, {
        histo[v0]++;
        histo[v1]++;
        histo[v2]++;
        histo[v3]++;
    })
}

static void dense_merge(uint8_t max[HLL_REGISTERS], const uint8_t *r)
{
    DENSE_FOREACH4(r, {
        uint8_t *m_ = max + i_;
        m_[0] = (uint8_t)(v0 > m_[0] ? v0 : m_[0]);
        m_[1] = (uint8_t)(v1 > m_[1] ? v1 : m_[1]);
        m_[2] = (uint8_t)(v2 > m_[2] ? v2 : m_[2]);
        m_[3] = (uint8_t)(v3 > m_[3] ? v3 : m_[3]);
    })
}

/* ==== sparse opcodes ============================================================== */

enum op_kind { OP_ZERO, OP_XZERO, OP_VAL };

/* One opcode as read at p. */
struct sparse_op {
    enum op_kind kind;
    unsigned size;  /* bytes: 1, or 2 for XZERO */
    unsigned span;  /* registers covered */
    unsigned value; /* VAL's register value; 0 for the zero runs */
};

#define ZERO_MAX_LEN 64
#define VAL_MAX_LEN 4

/* Read the opcode at p (before end). An XZERO cut off by the end of the
 * string reads its missing second byte as 0: Redis reads its string's
 * terminator there, and what it makes of such strings we make too. */
static void op_read(const uint8_t *p, const uint8_t *end, struct sparse_op *op)
{
    if (*p & 0x80) {
        *op = (struct sparse_op){OP_VAL, 1, (*p & 3u) + 1, ((*p >> 2) & 0x1fu) + 1};
    } else if (*p & 0x40) {
        unsigned low = p + 1 < end ? p[1] : 0;
        *op = (struct sparse_op){OP_XZERO, 2, ((*p & 0x3fu) << 8 | low) + 1, 0};
    } else {
        *op = (struct sparse_op){OP_ZERO, 1, (*p & 0x3fu) + 1, 0};
    }
}

/* How far to move p past an opcode of `size` bytes without passing end
 * (a cut XZERO is a byte short). */
static size_t step_of(const uint8_t *p, const uint8_t *end, unsigned size)
{
    return (size_t)(end - p) < size ? (size_t)(end - p) : size;
}

static uint8_t *put_val(uint8_t *p, unsigned value, unsigned span)
{
    *p = (uint8_t)(0x80 | (value - 1) << 2 | (span - 1));
    return p + 1;
}

/* A run of zeros as ZERO or XZERO, the shortest that holds it. */
static uint8_t *put_zeros(uint8_t *p, unsigned span)
{
    if (span <= ZERO_MAX_LEN) {
        *p = (uint8_t)(span - 1);
        return p + 1;
    }
    p[0] = (uint8_t)(0x40 | (span - 1) >> 8);
    p[1] = (uint8_t)((span - 1) & 0xff);
    return p + 2;
}

/* A walk over the opcodes of a sparse HLL, never reading past its end.
 * `first` is summed in 64 bits, and callers stop once it passes
 * HLL_REGISTERS, so no run of opcodes can overflow it. */
struct sparse_walk {
    const uint8_t *p, *end;
    uint64_t first; /* the register the opcode at p starts at */
};

static void walk_init(struct sparse_walk *w, const uint8_t *hll, size_t len)
{
    w->p = hll + HLL_HDR_SIZE;
    w->end = hll + len;
    w->first = 0;
}

/* The next opcode into *op; false at the end. */
static bool walk_next(struct sparse_walk *w, struct sparse_op *op)
{
    if (w->p >= w->end)
        return false;
    op_read(w->p, w->end, op);
    return true;
}

static void walk_advance(struct sparse_walk *w, const struct sparse_op *op)
{
    w->p += step_of(w->p, w->end, op->size);
    w->first += op->span;
}

/* ==== sparse update ================================================================ */

/* Where a sparse update lands: the opcode covering the register, by its
 * offset in the string (the same finder serves const readers). */
struct sparse_spot {
    size_t at;         /* the opcode */
    size_t merge_from; /* the opcode before it, or the first one */
    uint64_t first;    /* the register it starts at */
    struct sparse_op op;
};

static int sparse_find(const uint8_t *hll, size_t len, unsigned index, struct sparse_spot *s)
{
    struct sparse_walk w;
    walk_init(&w, hll, len);
    s->merge_from = HLL_HDR_SIZE;
    while (walk_next(&w, &s->op)) {
        if (index < w.first + s->op.span) {
            s->at = (size_t)(w.p - hll);
            s->first = w.first;
            return HLL_OK;
        }
        s->merge_from = (size_t)(w.p - hll);
        walk_advance(&w, &s->op);
    }
    return HLL_ECORRUPT; /* the opcodes end before the register */
}

/* The opcodes that replace s's one to give register `index` the value
 * `count`, into seq (5 bytes at most); returns their length. */
static size_t sparse_split(const struct sparse_spot *s, unsigned index, unsigned count,
                           uint8_t seq[5])
{
    unsigned before = (unsigned)(index - s->first);
    unsigned after = (unsigned)(s->first + s->op.span - 1 - index);
    uint8_t *n = seq;
    if (s->op.kind == OP_VAL) {
        if (before)
            n = put_val(n, s->op.value, before);
        n = put_val(n, count, 1);
        if (after)
            n = put_val(n, s->op.value, after);
    } else {
        if (before)
            n = put_zeros(n, before);
        n = put_val(n, count, 1);
        if (after)
            n = put_zeros(n, after);
    }
    return (size_t)(n - seq);
}

/* Merge equal adjacent VALs (up to 4 registers each) in the five opcodes
 * from `from`, as Redis does after every update. */
static void sparse_merge_vals(uint8_t *from, uint8_t *end, size_t *len)
{
    uint8_t *p = from;
    for (int scan = 5; p < end && scan > 0; scan--) {
        if (!(*p & 0x80)) {
            p += step_of(p, end, (*p & 0x40) ? 2 : 1);
            continue;
        }
        if (p + 1 < end && (p[1] & 0x80)) {
            unsigned v1 = ((p[0] >> 2) & 0x1fu) + 1, v2 = ((p[1] >> 2) & 0x1fu) + 1;
            unsigned span = (p[0] & 3u) + 1 + (p[1] & 3u) + 1;
            if (v1 == v2 && span <= VAL_MAX_LEN) {
                put_val(p + 1, v1, span);
                memmove(p, p + 1, (size_t)(end - p - 1));
                end--;
                (*len)--;
                continue; /* the merged VAL may merge with the next one too */
            }
        }
        p++;
    }
}

static int sparse_set(uint8_t *hll, size_t *len, size_t cap, unsigned index, unsigned count,
                      size_t max_bytes)
{
    struct sparse_spot s;
    uint8_t seq[5];

    if (count > HLL_SPARSE_MAX_VALUE)
        return HLL_EPROMOTE;
    if (sparse_find(hll, *len, index, &s) != HLL_OK)
        return HLL_ECORRUPT;
    if (s.op.kind == OP_VAL && s.op.value >= count)
        return 0;
    if (s.op.kind != OP_XZERO && s.op.span == 1) {
        put_val(hll + s.at, count, 1); /* a lone ZERO or VAL becomes the new VAL */
    } else {
        /* -1..3 bytes: an XZERO of one register shrinks into a VAL. */
        size_t seqlen = sparse_split(&s, index, count, seq);
        ptrdiff_t delta = (ptrdiff_t)seqlen - (ptrdiff_t)s.op.size;
        if (delta > 0 && *len + (size_t)delta > max_bytes)
            return HLL_EPROMOTE;
        if (delta > 0 && *len + (size_t)delta > cap)
            return HLL_ENOROOM;
        /* An XZERO cut off by the end has a byte fewer in the string:
         * the new opcodes lose their last byte past the end, as in Redis,
         * which writes it over its string's terminator. */
        size_t missing = s.at + s.op.size > *len ? s.at + s.op.size - *len : 0;
        uint8_t *p = hll + s.at, *next = p + s.op.size - missing;
        memmove(next + delta, next, (size_t)(hll + *len - next));
        memcpy(p, seq, seqlen - missing);
        *len = (size_t)((ptrdiff_t)*len + delta);
    }
    sparse_merge_vals(hll + s.merge_from, hll + *len, len);
    hll_cache_invalidate(hll);
    return 1;
}

int hll_set(uint8_t *p, size_t *len, size_t cap, unsigned index, unsigned count,
            size_t max_bytes)
{
    assert(index < HLL_REGISTERS && count <= HLL_REGISTER_MAX);
    if (hll_encoding_of(p) == HLL_SPARSE)
        return sparse_set(p, len, cap, index, count, max_bytes);
    uint8_t *r = p + HLL_HDR_SIZE;
    if (dense_get(r, index) >= count)
        return 0;
    dense_put(r, index, count);
    hll_cache_invalidate(p);
    return 1;
}

int hll_register(const uint8_t *p, size_t len, unsigned index)
{
    struct sparse_spot s;
    if (hll_encoding_of(p) == HLL_DENSE)
        return (int)dense_get(p + HLL_HDR_SIZE, index);
    if (sparse_find(p, len, index, &s) != HLL_OK)
        return HLL_ECORRUPT;
    return (int)s.op.value;
}

/* ==== sparse reading ================================================================ */

/* Visit the non-zero runs of a sparse HLL, as Redis's hllSparseToDense and
 * hllMerge: fn(ud, first, span, value) sees each VAL. Valid when the
 * opcodes cover exactly every register; a VAL past the last one is
 * corruption before fn sees it. */
static int sparse_foreach_val(const uint8_t *hll, size_t len,
                              void (*fn)(void *ud, unsigned first, unsigned span, unsigned value),
                              void *ud)
{
    struct sparse_walk w;
    struct sparse_op op;
    walk_init(&w, hll, len);
    while (walk_next(&w, &op)) {
        if (w.first + op.span > HLL_REGISTERS)
            return HLL_ECORRUPT; /* the sum only grows from here */
        if (op.kind == OP_VAL)
            fn(ud, (unsigned)w.first, op.span, op.value);
        walk_advance(&w, &op);
    }
    return w.first == HLL_REGISTERS ? HLL_OK : HLL_ECORRUPT;
}

static void val_to_dense(void *ud, unsigned first, unsigned span, unsigned value)
{
    for (unsigned i = first; i < first + span; i++)
        dense_put(ud, i, value);
}

static void val_to_max(void *ud, unsigned first, unsigned span, unsigned value)
{
    uint8_t *max = ud;
    for (unsigned i = first; i < first + span; i++)
        if (value > max[i])
            max[i] = (uint8_t)value;
}

int hll_to_dense(const uint8_t *p, size_t len, uint8_t *dense)
{
    assert(hll_encoding_of(p) == HLL_SPARSE);
    memset(dense, 0, HLL_DENSE_SIZE);
    memcpy(dense, p, HLL_HDR_SIZE);
    dense[HLL_ENCODING_AT] = HLL_DENSE;
    return sparse_foreach_val(p, len, val_to_dense, dense + HLL_HDR_SIZE);
}

int hll_merge(uint8_t max[HLL_REGISTERS], const uint8_t *p, size_t len)
{
    if (hll_encoding_of(p) == HLL_DENSE) {
        dense_merge(max, p + HLL_HDR_SIZE);
        return HLL_OK;
    }
    return sparse_foreach_val(p, len, val_to_max, max);
}

/* PFCOUNT's histogram of register values (Redis's hllSparseRegHisto). */
static int sparse_histogram(const uint8_t *hll, size_t len, uint32_t histo[64])
{
    struct sparse_walk w;
    struct sparse_op op;
    walk_init(&w, hll, len);
    while (walk_next(&w, &op)) {
        if (w.first + op.span > HLL_REGISTERS)
            return HLL_ECORRUPT;
        histo[op.value] += op.span;
        walk_advance(&w, &op);
    }
    return w.first == HLL_REGISTERS ? HLL_OK : HLL_ECORRUPT;
}

/* ==== the estimate ==================================================================== */

/* sigma and tau of Otmar Ertl, "New cardinality estimation algorithms
 * for HyperLogLog sketches" (arXiv:1702.01284), computed as Redis does:
 * the same operations in the same order give the same doubles, so the
 * same cached cardinality. */
static double ertl_sigma(double x)
{
    if (x == 1.)
        return INFINITY;
    double prev, y = 1, z = x;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (prev != z);
    return z;
}

static double ertl_tau(double x)
{
    if (x == 0. || x == 1.)
        return 0.;
    double prev, y = 1.0, z = 1 - x;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= (1 - x) * (1 - x) * y;
    } while (prev != z);
    return z / 3;
}

static uint64_t estimate(const uint32_t histo[64])
{
    double m = HLL_REGISTERS;
    double z = m * ertl_tau((m - histo[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; j--) {
        z += histo[j];
        z *= 0.5;
    }
    z += m * ertl_sigma(histo[0] / m);
    return (uint64_t)llroundl(HLL_ALPHA_INF * m * m / z);
}

int hll_count(const uint8_t *p, size_t len, uint64_t *card)
{
    uint32_t histo[64] = {0};
    if (hll_encoding_of(p) == HLL_DENSE)
        dense_histogram(p + HLL_HDR_SIZE, histo);
    else if (sparse_histogram(p, len, histo) != HLL_OK)
        return HLL_ECORRUPT;
    *card = estimate(histo);
    return HLL_OK;
}

uint64_t hll_count_registers(const uint8_t max[HLL_REGISTERS])
{
    uint32_t histo[64] = {0};
    for (unsigned i = 0; i < HLL_REGISTERS; i++)
        histo[max[i] & HLL_REGISTER_MAX]++;
    return estimate(histo);
}

/* ==== debugging ========================================================================= */

size_t hll_decode(const uint8_t *p, size_t len, char *out, size_t cap)
{
    const uint8_t *end = p + len;
    const char *sep = "";
    size_t used = 0;
    char word[16];
    for (p += HLL_HDR_SIZE; p < end; sep = " ") {
        struct sparse_op op;
        int n;
        op_read(p, end, &op);
        if (op.kind == OP_VAL)
            n = snprintf(word, sizeof(word), "%sv:%u,%u", sep, op.value, op.span);
        else
            n = snprintf(word, sizeof(word), "%s%s:%u", sep, op.kind == OP_XZERO ? "Z" : "z",
                         op.span);
        p += step_of(p, end, op.size);
        if (used + (size_t)n <= cap)
            memcpy(out + used, word, (size_t)n);
        used += (size_t)n;
    }
    return used;
}

/* ---- PFSELFTEST ---------------------------------------------------------------------- */

/* Test 1: every register keeps what is stored in it, neighbours untouched. */
static int selftest_registers(rng_fn rand64, void *ud, uint8_t *dense, uint8_t *model,
                              char *err, size_t errcap)
{
    for (int cycle = 0; cycle < 1000; cycle++) {
        for (unsigned i = 0; i < HLL_REGISTERS; i++) {
            model[i] = (uint8_t)(rand64(ud) & HLL_REGISTER_MAX);
            dense_put(dense, i, model[i]);
        }
        for (unsigned i = 0; i < HLL_REGISTERS; i++) {
            unsigned v = dense_get(dense, i);
            if (v != model[i]) {
                snprintf(err, errcap, "TESTFAILED Register %u should be %d but is %u", i,
                         model[i], v);
                return HLL_EFAILED;
            }
        }
    }
    return HLL_OK;
}

/* The HLL the estimate test grows: sparse, promoted in place. */
struct selftest_hll {
    uint8_t *p;
    size_t len, cap;
    uint8_t *scratch; /* HLL_DENSE_SIZE, for the promotion */
};

static void selftest_add(struct selftest_hll *h, unsigned index, unsigned count, size_t max_bytes)
{
    int rc = hll_set(h->p, &h->len, h->cap, index, count, max_bytes);
    if (rc == HLL_EPROMOTE && hll_to_dense(h->p, h->len, h->scratch) == HLL_OK) {
        memcpy(h->p, h->scratch, HLL_DENSE_SIZE);
        h->len = HLL_DENSE_SIZE;
        hll_set(h->p, &h->len, h->cap, index, count, max_bytes);
    }
}

/* Test 2: cardinality checkpoints 1, 10, 100... 10^7: the sparse HLL is
 * still sparse while small, agrees with the dense one, and the error
 * stays within six standard errors (1 at 10). */
static int selftest_estimate(uint64_t seed, uint8_t *dense, struct selftest_hll *h,
                             size_t max_bytes, char *err, size_t errcap)
{
    double relerr = 1.04 / sqrt(HLL_REGISTERS);
    uint64_t checkpoint = 1, card_dense, card_sparse;
    for (uint64_t j = 1; j <= 10000000; j++) {
        uint64_t ele = j ^ seed;
        unsigned index, count = hll_pattern(&ele, sizeof(ele), &index);
        size_t dense_len = HLL_DENSE_SIZE;
        hll_set(dense, &dense_len, HLL_DENSE_SIZE, index, count, 0);
        selftest_add(h, index, count, max_bytes);
        if (j != checkpoint)
            continue;
        if (j < max_bytes / 2 && hll_encoding_of(h->p) != HLL_SPARSE) {
            snprintf(err, errcap, "TESTFAILED sparse encoding not used");
            return HLL_EFAILED;
        }
        hll_count(dense, HLL_DENSE_SIZE, &card_dense);
        if (hll_count(h->p, h->len, &card_sparse) != HLL_OK || card_dense != card_sparse) {
            snprintf(err, errcap, "TESTFAILED dense/sparse disagree");
            return HLL_EFAILED;
        }
        uint64_t maxerr = j == 10 ? 1 : (uint64_t)ceil(relerr * 6 * (double)checkpoint);
        uint64_t abserr = card_dense > j ? card_dense - j : j - card_dense;
        if (abserr > maxerr) {
            snprintf(err, errcap, "TESTFAILED Too big error. card:%llu abserr:%llu",
                     (unsigned long long)checkpoint, (unsigned long long)abserr);
            return HLL_EFAILED;
        }
        checkpoint *= 10;
    }
    return HLL_OK;
}

int hll_selftest(rng_fn rand64, void *ud, size_t max_bytes, char *err, size_t errcap)
{
    /* model registers, the dense HLL, the sparse one (room for the
     * longest valid sparse plus a split), the promotion's scratch. */
    size_t sparse_cap = HLL_SPARSE_BOUND + 3;
    uint8_t *mem = malloc(HLL_REGISTERS + 2 * HLL_DENSE_SIZE + sparse_cap);
    if (mem == NULL)
        return HLL_ENOMEM;
    uint8_t *model = mem, *dense = model + HLL_REGISTERS;
    struct selftest_hll h = {dense + HLL_DENSE_SIZE, HLL_SPARSE_EMPTY_SIZE, sparse_cap,
                             dense + HLL_DENSE_SIZE + sparse_cap};
    int rc = selftest_registers(rand64, ud, dense + HLL_HDR_SIZE, model, err, errcap);
    if (rc == HLL_OK) {
        memset(dense, 0, HLL_DENSE_SIZE);
        memcpy(dense, "HYLL", 4);
        hll_init_empty(h.p);
        rc = selftest_estimate(rand64(ud), dense, &h, max_bytes, err, errcap);
    }
    free(mem);
    return rc;
}
