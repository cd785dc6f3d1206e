/*
 * lzf.c - LZF compression (liblzf's format and, for compression, its exact
 * choices), written for Grove.
 *
 * Design
 *   The compressor follows liblzf 3.6's lzf_compress with Redis's lzfP.h
 *   settings so its output is byte-identical: a hash of the next three
 *   bytes (IDX with VERY_FAST) picks a slot holding the last position with
 *   that hash; a match needs the same three bytes and an offset below
 *   8 KiB, and may end at the input's last byte (3.6 dropped 3.5's "five
 *   bytes left" rule; copying 3.5 makes one in six Redis DUMPs differ).
 *   Matches are extended up to 264 bytes, with liblzf's quirk kept on
 *   purpose: when more than 16 bytes remain, the first 16 comparisons are
 *   not bounded by maxlen. After a match the two positions before the new
 *   cursor are hashed (VERY_FAST).
 *   Where liblzf keeps pointers in an uninitialised table, we keep
 *   positions biased by `base` (see lzf.h), which behaves as a table
 *   zeroed before every call without paying for the memset.
 *
 *   The decompressor checks every run and back reference against both
 *   buffers before copying, so hostile input gives LZF_EINVAL/LZF_E2BIG,
 *   never an over-read or over-write.
 *
 * Complexity: O(n) both ways.
 */
#include "lzf.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIT (1u << 5)
#define MAX_OFF (1u << 13)
#define MAX_REF ((1u << 8) + (1u << 3))

/* liblzf's FRST/NEXT/IDX (VERY_FAST), on 32-bit unsigned arithmetic. */
static inline uint32_t hash_first(const unsigned char *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}

static inline uint32_t hash_next(uint32_t h, const unsigned char *p)
{
    return (h << 8) | p[2];
}

static inline uint32_t hash_idx(uint32_t h)
{
    return ((h >> (3 * 8 - LZF_HLOG)) - h * 5) & (LZF_HSIZE - 1);
}

void lzf_state_init(struct lzf_state *st)
{
    memset(st, 0, sizeof(*st));
}

/* Make every slot read as empty for an input of in_len bytes. */
static void state_begin(struct lzf_state *st, size_t in_len)
{
    if ((uint64_t)st->base + in_len + 1 > UINT32_MAX)
        lzf_state_init(st);
}

/* One more literal byte in the current run; a full run (32 bytes) gets its
 * control byte and a new run starts. */
static inline void put_literal(unsigned char *out, size_t *op, unsigned *lit, unsigned char c)
{
    (*lit)++;
    out[(*op)++] = c;
    if (*lit == MAX_LIT) {
        out[*op - *lit - 1] = (unsigned char)(*lit - 1);
        *lit = 0;
        (*op)++;
    }
}

/* After a match ending just before ip, hash the two positions before ip
 * (VERY_FAST) and return the running hash for ip. */
static uint32_t hash_match_tail(struct lzf_state *st, uint32_t base, const unsigned char *in,
                                size_t ip)
{
    uint32_t hval = hash_first(in + ip - 2);
    for (size_t pos = ip - 2; pos < ip; pos++) {
        hval = hash_next(hval, in + pos);
        st->htab[hash_idx(hval)] = base + (uint32_t)pos + 1;
    }
    return hval;
}

/* Length of the match at ip against ref, as liblzf computes it. */
static uint32_t match_len(const unsigned char *in, size_t ip, size_t ref, uint32_t maxlen)
{
    uint32_t len = 2;
    if (maxlen > 16) {
        for (int k = 0; k < 16; k++) {
            len++;
            if (in[ref + len] != in[ip + len])
                return len;
        }
    }
    do
        len++;
    while (len < maxlen && in[ref + len] == in[ip + len]);
    return len;
}

size_t lzf_compress(struct lzf_state *st, const void *in_data, size_t in_len, void *out_data,
                    size_t out_len)
{
    const unsigned char *in = in_data;
    unsigned char *out = out_data;
    if (in_len == 0 || out_len == 0 || in_len >= LZF_MAX_INPUT)
        return 0;
    state_begin(st, in_len);
    uint32_t base = st->base;
    st->base = base + (uint32_t)in_len + 1; /* every exit leaves the table empty */
    size_t ip = 0, op = 1; /* op: one byte reserved for the first run's control */
    unsigned lit = 0;
    uint32_t hval = in_len >= 2 ? hash_first(in) : 0;
    while (in_len >= 3 && ip < in_len - 2) {
        hval = hash_next(hval, in + ip);
        uint32_t *slot = &st->htab[hash_idx(hval)];
        uint32_t seen = *slot;
        *slot = base + (uint32_t)ip + 1;
        size_t ref = seen > base ? seen - base - 1 : 0; /* 0 never matches */
        size_t off = ip - ref - 1;
        if (ref > 0 && ref < ip && off < MAX_OFF && in[ref] == in[ip] &&
            in[ref + 1] == in[ip + 1] && in[ref + 2] == in[ip + 2]) {
            uint32_t maxlen = (uint32_t)(in_len - ip - 2);
            maxlen = maxlen > MAX_REF ? MAX_REF : maxlen;
            if (op - !lit + 3 + 1 >= out_len) /* room for the reference and a new run */
                return 0;
            out[op - lit - 1] = (unsigned char)(lit - 1); /* stop run */
            op -= !lit;                                   /* undo an empty run */
            uint32_t len = match_len(in, ip, ref, maxlen) - 2;
            ip++;
            if (len < 7) {
                out[op++] = (unsigned char)((off >> 8) + (len << 5));
            } else {
                out[op++] = (unsigned char)((off >> 8) + (7u << 5));
                out[op++] = (unsigned char)(len - 7);
            }
            out[op++] = (unsigned char)off;
            lit = 0;
            op++; /* start run */
            ip += len + 1;
            if (ip >= in_len - 2)
                break;
            hval = hash_match_tail(st, base, in, ip);
        } else {
            if (op >= out_len)
                return 0;
            put_literal(out, &op, &lit, in[ip++]);
        }
    }
    if (op + 3 > out_len) /* at most 3 bytes can be missing here */
        return 0;
    while (ip < in_len)
        put_literal(out, &op, &lit, in[ip++]);
    out[op - lit - 1] = (unsigned char)(lit - 1); /* end run */
    op -= !lit;
    assert(op <= out_len);
    return op;
}

int lzf_decompress(const void *in_data, size_t in_len, void *out_data, size_t out_len,
                   size_t *written)
{
    const unsigned char *in = in_data;
    unsigned char *out = out_data;
    size_t ip = 0, op = 0;
    while (ip < in_len) {
        unsigned ctrl = in[ip++];
        if (ctrl < MAX_LIT) {
            size_t len = ctrl + 1;
            if (len > out_len - op)
                return LZF_E2BIG;
            if (len > in_len - ip)
                return LZF_EINVAL;
            memcpy(out + op, in + ip, len);
            op += len;
            ip += len;
            continue;
        }
        size_t len = ctrl >> 5;
        size_t back = (size_t)(ctrl & 0x1f) << 8;
        if (len == 7) {
            if (ip >= in_len)
                return LZF_EINVAL;
            len += in[ip++];
        }
        if (ip >= in_len)
            return LZF_EINVAL;
        back += (size_t)in[ip++] + 1;
        len += 2;
        if (len > out_len - op)
            return LZF_E2BIG;
        if (back > op)
            return LZF_EINVAL;
        for (size_t i = 0; i < len; i++, op++) /* may overlap: byte by byte */
            out[op] = out[op - back];
    }
    *written = op;
    return LZF_OK;
}

/* ==== per thread ============================================================== */

/* What one thread keeps: freed by the key's destructor at thread exit. */
struct thread_bufs {
    struct lzf_state *state;
    unsigned char *scratch;
    size_t scratch_cap;
};

static pthread_key_t bufs_key;
static pthread_once_t bufs_key_once = PTHREAD_ONCE_INIT;

static void bufs_free_cb(void *p)
{
    struct thread_bufs *t = p;
    free(t->state);
    free(t->scratch);
    free(t);
}

static void bufs_key_create(void)
{
    int rc = pthread_key_create(&bufs_key, bufs_free_cb);
    assert(rc == 0);
    (void)rc;
}

static struct thread_bufs *thread_bufs(void)
{
    pthread_once(&bufs_key_once, bufs_key_create);
    struct thread_bufs *t = pthread_getspecific(bufs_key);
    if (t == NULL && (t = calloc(1, sizeof(*t))) != NULL && pthread_setspecific(bufs_key, t) != 0) {
        free(t);
        t = NULL;
    }
    return t;
}

struct lzf_state *lzf_thread_state(void)
{
    struct thread_bufs *t = thread_bufs();
    if (t == NULL)
        return NULL;
    if (t->state == NULL && (t->state = malloc(sizeof(*t->state))) != NULL)
        lzf_state_init(t->state);
    return t->state;
}

unsigned char *lzf_thread_scratch(size_t size)
{
    struct thread_bufs *t = thread_bufs();
    if (t == NULL)
        return NULL;
    if (t->scratch_cap > LZF_SCRATCH_KEEP && size <= LZF_SCRATCH_KEEP) {
        free(t->scratch); /* one huge node read once is not kept for good */
        t->scratch = NULL;
        t->scratch_cap = 0;
    }
    if (t->scratch_cap < size) {
        unsigned char *p = realloc(t->scratch, size);
        if (p == NULL)
            return NULL;
        t->scratch = p;
        t->scratch_cap = size;
    }
    return t->scratch;
}
