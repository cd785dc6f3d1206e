/*
 * frontpack.c - front-coded runs of byte strings, the elements of a list
 * node.
 *
 * What
 *   A buffer of elements where each one after the first of its run keeps
 *   only what differs from the element before it. Lists of keys or ids
 *   ("i:00000001", "i:00000002", ...) hold about a third of the bytes of
 *   a listpack (core/listpack.h), which stores every element whole with
 *   a length before and a back-length after.
 *
 * Design
 *   buf holds the elements, then the index:
 *
 *       run 0                                   run 1
 *       [START 10 "i:00000001"][NEXT 9 1 "2"]   [START 10 "i:00000009"] ...
 *       index: [runs][off 0 << 3 | 7][off 32 << 3 | 1] ...
 *
 *   Every element starts with a header: a tag in the first byte's low 2
 *   bits and a number (5 bits there, then a varint of the rest):
 *   START      a string starting a run: its length, then the bytes.
 *   NEXT       a string after a run's first element: p, the length of
 *              the prefix it shares with the element before it, then
 *              varint(len - p) and the bytes after the prefix; p is 0
 *              for an element longer than FRONTPACK_SHORT, which is so
 *              stored whole.
 *   INT        an integer starting a run: zigzag(value).
 *   INT_NEXT   an integer after one: zigzag(value - the integer before,
 *              or 0 when the element before is a string), modulo 2^64.
 *   Every string object_parse_int accepts is stored as an integer, so an
 *   encoder knows whether the element before is one by parsing it.
 *   The tags of run starts let the index be rebuilt from the elements
 *   alone (a packed node keeps only them).
 *
 *   Runs are independent: a write inside a run decodes it up to where it
 *   writes (at most RUN elements), encodes the elements it adds and the
 *   one after them (whose prefix was shared with the element before it),
 *   and splices those bytes and the run's index word in place of the old
 *   ones (edit()), moving what follows as a listpack moves it. An insert
 *   into a full run re-encodes it as two; before one, at its start, makes
 *   a run of its own. Splitting or merging nodes copies whole runs as
 *   they are. A push at the tail adds one element to the last run, or a
 *   new run; a pop at the tail cuts the last element off its run.
 *   Removals only shrink the bytes (an element re-encoded after a
 *   removed one shares at least what it shared with it, up to what the
 *   removed one took), so they never reallocate upwards.
 *
 * Invariants (frontpack__check_invariants): runs of 1..RUN elements whose
 *   index words match their offsets and counts, in order from offset 0;
 *   only a run's first element has a start tag (START, INT); every
 *   element object_parse_int accepts is an integer; a shared prefix only
 *   before a short element; more than one run only within
 *   FRONTPACK_MAX_BYTES.
 *
 * Complexity: reading element r finds its run in O(runs) from the nearer
 *   end and decodes at most RUN elements; a write at either end O(RUN)
 *   plus the memmove of the bytes after it; inside O(runs + RUN) plus the
 *   memmove; split and append O(bytes) copies.
 *
 * Thread safety: none.
 */
#include "frontpack.h"

#include <assert.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define VARINT_MAX 10
#define ELEM_MAX (2 * VARINT_MAX) /* encoding bytes around one element, at most */
#define STACK_BYTES 1024          /* a rewritten run encoded on the stack up to this */
#define SHRINK_MIN 32             /* slack worth a realloc: glibc's smallest chunk */

/* One element of a run being rewritten: borrowed bytes. */
struct elem {
    const unsigned char *ptr;
    size_t len;
};

/* A run's elements decoded, its continuations copied out of the reader. */
struct run_copy {
    struct elem e[FRONTPACK_RUN + 1];
    unsigned char bytes[FRONTPACK_RUN][FRONTPACK_SHORT];
    size_t n;
};

/* ==== the index =============================================================== */

static inline uint32_t load32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline void store32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static inline unsigned char *index_word(const struct frontpack *fp, size_t j)
{
    return fp->buf + fp->bytes + 4 + 4 * j;
}

static uint32_t word(size_t off, size_t count)
{
    return (uint32_t)(off << 3 | (count - 1));
}

size_t frontpack_runs(const struct frontpack *fp)
{
    return fp->buf == NULL ? 0 : load32(fp->buf + fp->bytes);
}

size_t frontpack_run_count(const struct frontpack *fp, size_t j)
{
    return (load32(index_word(fp, j)) & 7) + 1;
}

size_t frontpack_run_offset(const struct frontpack *fp, size_t j)
{
    return load32(index_word(fp, j)) >> 3;
}

/* Where run j ends (the next one's offset, or the elements' end). */
static size_t run_end(const struct frontpack *fp, size_t j)
{
    return j + 1 < frontpack_runs(fp) ? frontpack_run_offset(fp, j + 1) : fp->bytes;
}

size_t frontpack_run_find(const struct frontpack *fp, size_t rank, size_t *first)
{
    assert(rank < fp->count);
    size_t j = 0, at = 0;
    if (rank < fp->count / 2) {
        while (at + frontpack_run_count(fp, j) <= rank)
            at += frontpack_run_count(fp, j++);
    } else {
        j = frontpack_runs(fp) - 1;
        at = fp->count - frontpack_run_count(fp, j);
        while (at > rank)
            at -= frontpack_run_count(fp, --j);
    }
    *first = at;
    return j;
}

size_t frontpack_index_max(size_t count)
{
    return 4 + 4 * count;
}

/* ==== reading ================================================================= */

void frontpack_reader_at_run(struct frontpack_reader *rd, const struct frontpack *fp, size_t j)
{
    rd->data = fp->buf;
    rd->off = frontpack_run_offset(fp, j);
    rd->prev = NULL;
    rd->own = false;
    rd->is_int = false;
}

void frontpack_reader_at(struct frontpack_reader *rd, const struct frontpack *fp, size_t rank)
{
    size_t first, j = frontpack_run_find(fp, rank, &first);
    const unsigned char *ptr;
    frontpack_reader_at_run(rd, fp, j);
    for (; first < rank; first++)
        (void)frontpack_read(rd, &ptr);
}

/* Run j's elements, continuations copied so the run can be rewritten. */
static void run_decode(const struct frontpack *fp, size_t j, struct run_copy *rc)
{
    struct frontpack_reader rd;
    frontpack_reader_at_run(&rd, fp, j);
    rc->n = frontpack_run_count(fp, j);
    for (size_t i = 0; i < rc->n; i++) {
        const unsigned char *ptr;
        size_t len = frontpack_read(&rd, &ptr);
        if (ptr == rd.buf) {
            memcpy(rc->bytes[i], ptr, len);
            ptr = rc->bytes[i];
        }
        rc->e[i] = (struct elem){ptr, len};
    }
}

/* ==== encoding ================================================================ */

static size_t shared_prefix(const struct elem *a, const struct elem *b)
{
    if (b->len > FRONTPACK_SHORT)
        return 0;
    size_t n = a->len < b->len ? a->len : b->len, p = 0;
    while (p < n && a->ptr[p] == b->ptr[p])
        p++;
    return p;
}

/* A header: tag and value (see the top of this file); returns bytes. */
static size_t header_put(unsigned char *p, unsigned tag, uint64_t v)
{
    p[0] = (unsigned char)(tag | (v & 31) << 2);
    if (v < 32)
        return 1;
    p[0] |= 0x80;
    return 1 + bytes_varint_put(p + 1, v >> 5);
}

static uint64_t zigzag(uint64_t d)
{
    return d << 1 ^ (0 - (d >> 63));
}

/* Whether e is stored as an integer, and which. */
static bool elem_int(const struct elem *e, int64_t *v)
{
    return e->len <= 20 && object_parse_int((const char *)e->ptr, e->len, v);
}

/* e as a run's start, or after prev; returns bytes. */
static size_t encode_elem(unsigned char *dst, const struct elem *prev, const struct elem *e)
{
    int64_t v, base = 0;
    if (elem_int(e, &v)) {
        if (prev == NULL)
            return header_put(dst, FRONTPACK_TAG_INT, zigzag((uint64_t)v));
        if (!elem_int(prev, &base))
            base = 0;
        return header_put(dst, FRONTPACK_TAG_INT_NEXT, zigzag((uint64_t)v - (uint64_t)base));
    }
    size_t n;
    if (prev == NULL) {
        n = header_put(dst, FRONTPACK_TAG_START, e->len);
        memcpy(dst + n, e->ptr, e->len);
        return n + e->len;
    }
    size_t p = shared_prefix(prev, e);
    n = header_put(dst, FRONTPACK_TAG_NEXT, p);
    n += bytes_varint_put(dst + n, e->len - p);
    memcpy(dst + n, e->ptr + p, e->len - p);
    return n + e->len - p;
}

/* Bytes encode_runs may write for these elements. */
static size_t encode_bound(const struct elem *e, size_t n)
{
    size_t b = 0;
    for (size_t i = 0; i < n; i++)
        b += ELEM_MAX + e[i].len;
    return b;
}

/* n (>= 1) elements as ceil(n / RUN) runs of even sizes at dst, their
 * index words (offsets from `base`) in words[]; returns bytes, sets *m. */
static size_t encode_runs(unsigned char *dst, const struct elem *e, size_t n, size_t base,
                          uint32_t *words, size_t *m)
{
    size_t runs = (n + FRONTPACK_RUN - 1) / FRONTPACK_RUN, off = 0, i = 0;
    for (size_t r = 0; r < runs; r++) {
        size_t cnt = n / runs + (r < n % runs);
        words[r] = word(base + off, cnt);
        for (size_t k = 0; k < cnt; k++, i++)
            off += encode_elem(dst + off, k ? &e[i - 1] : NULL, &e[i]);
    }
    *m = runs;
    return off;
}

/* ==== splicing ================================================================ */

/* Room for `need` bytes: the buffer as it is when malloc's rounding left
 * enough, else reallocated; false when out of memory. */
static bool reserve(struct frontpack *fp, size_t need)
{
    if (fp->buf != NULL && malloc_usable_size(fp->buf) >= need)
        return true;
    unsigned char *b = realloc(fp->buf, need);
    if (b == NULL)
        return false;
    fp->buf = b;
    return true;
}

/* Give back what the buffer no longer uses, once that is worth a
 * realloc: a sixteenth of it, and at least what malloc can split off
 * (pops one after another shrink it every few hundred bytes, not at
 * each one). */
static void fit(struct frontpack *fp, size_t total)
{
    size_t slack = malloc_usable_size(fp->buf) - total;
    if (slack < SHRINK_MIN || slack < total / 16)
        return;
    unsigned char *b = realloc(fp->buf, total);
    if (b != NULL)
        fp->buf = b;
}

/* An edit: the elements' bytes [off, off + old) become ins[0..len), and
 * index words [j, j + k) become words[0..m) (offsets already final);
 * the words after move by the change in bytes. */
struct edit {
    size_t off, old;
    const unsigned char *ins;
    size_t len;
    size_t j, k;
    const uint32_t *words;
    size_t m;
};

static void edit_apply(struct frontpack *fp, const struct edit *ed, size_t runs, size_t new_bytes)
{
    size_t old_total = fp->bytes + 4 + 4 * runs, new_runs = runs - ed->k + ed->m;
    unsigned char *b = fp->buf;
    memmove(b + ed->off + ed->len, b + ed->off + ed->old, old_total - ed->off - ed->old);
    if (ed->len > 0) /* a removal has no bytes (ins NULL) */
        memcpy(b + ed->off, ed->ins, ed->len);
    unsigned char *idx = b + new_bytes + 4;
    memmove(idx + 4 * (ed->j + ed->m), idx + 4 * (ed->j + ed->k), 4 * (runs - ed->j - ed->k));
    if (ed->m > 0)
        memcpy(idx + 4 * ed->j, ed->words, 4 * ed->m);
    uint32_t shift = (uint32_t)(new_bytes - fp->bytes) << 3; /* modulo 2^32: a negative shift too */
    for (size_t i = ed->j + ed->m; i < new_runs; i++)
        store32(idx + 4 * i, load32(idx + 4 * i) + shift);
    store32(b + new_bytes, (uint32_t)new_runs);
}

/* Apply an edit; FRONTPACK_ENOMEM (nothing changed) when the bytes would
 * pass the bounds or memory runs out. */
static int edit(struct frontpack *fp, const struct edit *ed)
{
    size_t runs = frontpack_runs(fp), new_runs = runs - ed->k + ed->m;
    size_t new_bytes = fp->bytes - ed->old + ed->len;
    if (new_runs == 0) {
        free(fp->buf);
        *fp = (struct frontpack){NULL, 0, fp->count};
        return FRONTPACK_OK;
    }
    if (new_bytes > UINT32_MAX || (new_runs > 1 && new_bytes > FRONTPACK_MAX_BYTES))
        return FRONTPACK_ENOMEM;
    size_t old_total = runs ? fp->bytes + 4 + 4 * runs : 0;
    size_t new_total = new_bytes + 4 + 4 * new_runs;
    size_t moved = old_total + (ed->len > ed->old ? ed->len - ed->old : 0);
    size_t need = moved > new_total ? moved : new_total;
    if (need > old_total && !reserve(fp, need)) /* within old_total, it has room */
        return FRONTPACK_ENOMEM;
    if (runs == 0) { /* fresh: nothing to move */
        memcpy(fp->buf, ed->ins, ed->len);
        store32(fp->buf + new_bytes, (uint32_t)new_runs);
        memcpy(fp->buf + new_bytes + 4, ed->words, 4 * ed->m);
    } else {
        edit_apply(fp, ed, runs, new_bytes);
    }
    fp->bytes = (uint32_t)new_bytes;
    if (new_total < old_total)
        fit(fp, new_total);
    return FRONTPACK_OK;
}

/* A buffer for `size` encoded bytes: the stack's when small enough. */
static unsigned char *scratch(unsigned char *stack, size_t size)
{
    return size <= STACK_BYTES ? stack : malloc(size);
}

/* Apply an edit whose bytes were encoded in scratch (ed->ins: the stack's
 * or malloc'd), then free them. When `must`, failing aborts. */
static int edit_scratch(struct frontpack *fp, const struct edit *ed, const unsigned char *stack,
                        bool must)
{
    int rc = edit(fp, ed);
    if (ed->ins != stack)
        free((void *)ed->ins);
    if (rc < 0 && must)
        abort();
    return rc;
}

/* Runs [j, j + k) replaced by runs holding e[0..n) (n may be 0). When
 * `must`, running out of memory aborts (a removal cannot fail). */
static int rewrite(struct frontpack *fp, size_t j, size_t k, const struct elem *e, size_t n,
                   bool must)
{
    unsigned char stack[STACK_BYTES];
    uint32_t words[2];
    size_t m = 0, bound = encode_bound(e, n);
    assert(n <= 2 * FRONTPACK_RUN);
    unsigned char *tmp = scratch(stack, bound);
    if (tmp == NULL) {
        if (must)
            abort();
        return FRONTPACK_ENOMEM;
    }
    size_t runs = frontpack_runs(fp);
    size_t off = j < runs ? frontpack_run_offset(fp, j) : fp->bytes;
    size_t end = j + k < runs ? frontpack_run_offset(fp, j + k) : fp->bytes;
    size_t len = n ? encode_runs(tmp, e, n, off, words, &m) : 0;
    struct edit ed = {off, end - off, tmp, len, j, k, words, m};
    return edit_scratch(fp, &ed, stack, must);
}

/* ==== writing ================================================================= */

/* One element kept while a reader moves on: rebuilt bytes are copied. */
static void keep(struct elem *e, const struct frontpack_reader *rd, unsigned char *copy)
{
    if (e->ptr == rd->buf) {
        memcpy(copy, e->ptr, e->len);
        e->ptr = copy;
    }
}

/* Who is told of removed elements (frontpack_delete's callback). */
struct removal {
    frontpack_removed_cb *cb;
    void *ud;
};

/* Inside run j, whose elements stay one run: elements [at, at + del)
 * become ins[0..nins) (rm, when not NULL, sees the old ones). Only the
 * new elements and the one after them (its prefix was shared with what
 * came before) are encoded; the rest of the run keeps its bytes. When
 * `must`, running out of memory aborts. */
static int run_splice(struct frontpack *fp, size_t j, size_t at, size_t del,
                      const struct elem *ins, size_t nins, bool must, const struct removal *rm)
{
    size_t cnt = frontpack_run_count(fp, j), left = cnt - del + nins;
    assert(at + del <= cnt && left >= 1 && left <= FRONTPACK_RUN);
    unsigned char prev_copy[FRONTPACK_SHORT], next_copy[FRONTPACK_SHORT], stack[STACK_BYTES];
    struct frontpack_reader rd;
    struct elem prev = {NULL, 0}, next = {NULL, 0}, skip;
    frontpack_reader_at_run(&rd, fp, j);
    for (size_t i = 0; i < at; i++)
        prev.len = frontpack_read(&rd, &prev.ptr);
    keep(&prev, &rd, prev_copy);
    size_t off = rd.off, end = run_end(fp, j);
    for (size_t i = 0; i < del; i++) {
        skip.len = frontpack_read(&rd, &skip.ptr);
        if (rm != NULL)
            rm->cb(rm->ud, skip.ptr, skip.len);
    }
    bool has_next = at + del < cnt;
    if (has_next) {
        next.len = frontpack_read(&rd, &next.ptr);
        keep(&next, &rd, next_copy);
        end = rd.off;
    }
    unsigned char *tmp = scratch(stack, encode_bound(ins, nins) + ELEM_MAX + next.len);
    if (tmp == NULL && must)
        abort();
    if (tmp == NULL)
        return FRONTPACK_ENOMEM;
    size_t len = 0;
    const struct elem *before = at ? &prev : NULL;
    for (size_t i = 0; i < nins; before = &ins[i++])
        len += encode_elem(tmp + len, before, &ins[i]);
    if (has_next)
        len += encode_elem(tmp + len, before, &next);
    uint32_t w = word(frontpack_run_offset(fp, j), left);
    struct edit ed = {off, end - off, tmp, len, j, 1, &w, 1};
    return edit_scratch(fp, &ed, stack, must);
}

/* Element e into a full run j at `at` (> 0): the run splits in two. */
static int insert_into_full(struct frontpack *fp, size_t j, size_t at, const struct elem *e)
{
    struct run_copy run;
    run_decode(fp, j, &run);
    memmove(&run.e[at + 1], &run.e[at], (run.n - at) * sizeof(run.e[0]));
    run.e[at] = *e;
    return rewrite(fp, j, 1, run.e, run.n + 1, false);
}

int frontpack_insert(struct frontpack *fp, size_t rank, const void *s, size_t len)
{
    assert(rank <= fp->count);
    if (len > UINT32_MAX - ELEM_MAX || fp->count == UINT32_MAX)
        return FRONTPACK_ENOMEM;
    struct elem e = {s, len};
    size_t runs = frontpack_runs(fp), first, j, at;
    int rc;
    if (rank == fp->count) { /* at the tail: the last run, or a new one */
        j = runs ? runs - 1 : 0;
        bool room = runs && frontpack_run_count(fp, j) < FRONTPACK_RUN;
        rc = room ? run_splice(fp, j, frontpack_run_count(fp, j), 0, &e, 1, false, NULL)
                  : rewrite(fp, runs, 0, &e, 1, false);
    } else {
        j = frontpack_run_find(fp, rank, &first);
        at = rank - first;
        if (frontpack_run_count(fp, j) < FRONTPACK_RUN)
            rc = run_splice(fp, j, at, 0, &e, 1, false, NULL);
        else if (at == 0) /* before a full run: a run of its own */
            rc = rewrite(fp, j, 0, &e, 1, false);
        else
            rc = insert_into_full(fp, j, at, &e);
    }
    if (rc == FRONTPACK_OK)
        fp->count++;
    return rc;
}

int frontpack_replace(struct frontpack *fp, size_t rank, const void *s, size_t len)
{
    if (len > UINT32_MAX - ELEM_MAX)
        return FRONTPACK_ENOMEM;
    struct elem e = {s, len};
    size_t first, j = frontpack_run_find(fp, rank, &first);
    return run_splice(fp, j, rank - first, 1, &e, 1, false, NULL);
}

/* Runs [j, j + k) go whole; rm (when not NULL) sees their elements. */
static void drop_runs(struct frontpack *fp, size_t j, size_t k, const struct removal *rm)
{
    size_t off = frontpack_run_offset(fp, j), end = run_end(fp, j + k - 1);
    if (rm != NULL) {
        struct frontpack_reader rd;
        frontpack_reader_at_run(&rd, fp, j);
        while (rd.off < end) {
            const unsigned char *ptr;
            size_t len = frontpack_read(&rd, &ptr);
            rm->cb(rm->ud, ptr, len);
        }
    }
    struct edit ed = {off, end - off, NULL, 0, j, k, NULL, 0};
    int rc = edit(fp, &ed);
    assert(rc == FRONTPACK_OK); /* shrinks only */
    (void)rc;
}

void frontpack_delete(struct frontpack *fp, size_t rank, size_t n, frontpack_removed_cb *cb,
                      void *ud)
{
    assert(rank <= fp->count && n <= fp->count - rank);
    struct removal rm = {cb, ud};
    while (n > 0) {
        size_t first, j = frontpack_run_find(fp, rank, &first), at = rank - first;
        size_t cnt = frontpack_run_count(fp, j), take = cnt - at < n ? cnt - at : n;
        if (take < cnt) {
            (void)run_splice(fp, j, at, take, NULL, 0, true, cb ? &rm : NULL);
        } else { /* whole runs, at once */
            size_t k = 1, runs = frontpack_runs(fp);
            while (j + k < runs && take + frontpack_run_count(fp, j + k) <= n)
                take += frontpack_run_count(fp, j + k++);
            drop_runs(fp, j, k, cb ? &rm : NULL);
        }
        fp->count -= (uint32_t)take;
        n -= take;
    }
}

/* Copy b's runs from run j0 on to the end of fp, as they are. */
static int append_runs(struct frontpack *fp, const struct frontpack *b, size_t j0)
{
    size_t runs = frontpack_runs(fp), bruns = frontpack_runs(b), from = frontpack_run_offset(b, j0);
    size_t len = b->bytes - from, new_bytes = fp->bytes + len, new_runs = runs + bruns - j0;
    if (new_bytes > FRONTPACK_MAX_BYTES && new_runs > 1)
        return FRONTPACK_ENOMEM;
    if (!reserve(fp, new_bytes + 4 + 4 * new_runs))
        return FRONTPACK_ENOMEM;
    if (runs > 0)
        memmove(fp->buf + new_bytes, fp->buf + fp->bytes, 4 + 4 * runs);
    memcpy(fp->buf + fp->bytes, b->buf + from, len);
    unsigned char *idx = fp->buf + new_bytes + 4;
    size_t added = 0;
    for (size_t i = j0; i < bruns; i++) {
        size_t cnt = frontpack_run_count(b, i);
        store32(idx + 4 * (runs + i - j0),
                word(frontpack_run_offset(b, i) - from + fp->bytes, cnt));
        added += cnt;
    }
    store32(fp->buf + new_bytes, (uint32_t)new_runs);
    fp->bytes = (uint32_t)new_bytes;
    fp->count += (uint32_t)added;
    return FRONTPACK_OK;
}

int frontpack_append(struct frontpack *fp, const struct frontpack *b)
{
    if (b->count == 0)
        return FRONTPACK_OK;
    if ((uint64_t)fp->count + b->count > UINT32_MAX)
        return FRONTPACK_ENOMEM;
    return append_runs(fp, b, 0);
}

int frontpack_split(struct frontpack *fp, size_t rank, struct frontpack *tail)
{
    assert(rank > 0 && rank < fp->count && tail->count == 0);
    size_t first, j = frontpack_run_find(fp, rank, &first), at = rank - first;
    int rc = FRONTPACK_OK;
    if (at > 0) { /* the run cut in two: its second part starts a run */
        struct run_copy run;
        run_decode(fp, j, &run);
        rc = rewrite(tail, 0, 0, run.e + at, run.n - at, false);
        tail->count = (uint32_t)(run.n - at);
        j++;
    }
    if (rc == FRONTPACK_OK && j < frontpack_runs(fp))
        rc = append_runs(tail, fp, j);
    if (rc < 0) {
        free(tail->buf);
        *tail = (struct frontpack){0};
        return rc;
    }
    frontpack_delete(fp, rank, fp->count - rank, NULL, NULL);
    return FRONTPACK_OK;
}

/* The bytes of the element at p after its header (tag, h). */
static size_t body_size(const unsigned char *p, unsigned tag, uint64_t h, size_t *header)
{
    uint64_t s = 0;
    if (tag == FRONTPACK_TAG_START)
        s = h;
    else if (tag == FRONTPACK_TAG_NEXT)
        *header += bytes_varint_get(p + *header, &s);
    return (size_t)s;
}

void frontpack_index_rebuild(unsigned char *data, size_t bytes, size_t count)
{
    unsigned char *idx = data + bytes + 4;
    size_t off = 0, runs = 0, start = 0, n = 0;
    for (size_t i = 0; i < count; i++) {
        unsigned tag;
        uint64_t h;
        size_t head = frontpack__header_get(data + off, &tag, &h);
        if (tag == FRONTPACK_TAG_START || tag == FRONTPACK_TAG_INT) {
            if (n > 0)
                store32(idx + 4 * runs++, word(start, n));
            start = off;
            n = 0;
        }
        size_t body = body_size(data + off, tag, h, &head);
        off += head + body;
        n++;
    }
    if (n > 0)
        store32(idx + 4 * runs++, word(start, n));
    assert(off == bytes);
    store32(data + bytes, (uint32_t)runs);
}

/* ==== testing ================================================================= */

/* Run j decodes to its count of elements, a start then continuations,
 * ending where the next begins; returns the count. */
static size_t check_run(const struct frontpack *fp, size_t j)
{
    struct frontpack_reader rd;
    size_t n = frontpack_run_count(fp, j), prev_len = 0;
    frontpack_reader_at_run(&rd, fp, j);
    for (size_t i = 0; i < n; i++) {
        unsigned tag;
        uint64_t h;
        const unsigned char *ptr;
        (void)frontpack__header_get(fp->buf + rd.off, &tag, &h);
        bool start = tag == FRONTPACK_TAG_START || tag == FRONTPACK_TAG_INT;
        assert(start == (i == 0));
        size_t len = frontpack_read(&rd, &ptr);
        assert(tag != FRONTPACK_TAG_NEXT || h <= prev_len);
        assert(tag != FRONTPACK_TAG_NEXT || h == 0 || len <= FRONTPACK_SHORT);
        struct elem e = {ptr, len};
        int64_t v;
        assert((tag >= FRONTPACK_TAG_INT) == elem_int(&e, &v)); /* every integer as one */
        prev_len = len;
        (void)start, (void)e, (void)v;
    }
    assert(rd.off == run_end(fp, j));
    (void)prev_len;
    return n;
}

void frontpack__check_invariants(const struct frontpack *fp)
{
    size_t runs = frontpack_runs(fp), total = 0;
    assert((fp->buf == NULL) == (fp->count == 0));
    assert(runs <= 1 || fp->bytes <= FRONTPACK_MAX_BYTES);
    for (size_t j = 0; j < runs; j++) {
        assert(j > 0 || frontpack_run_offset(fp, 0) == 0);
        assert(j == 0 || frontpack_run_offset(fp, j) > frontpack_run_offset(fp, j - 1));
        total += check_run(fp, j);
    }
    assert(total == fp->count);
    if (fp->buf != NULL)
        assert(malloc_usable_size(fp->buf) >= fp->bytes + 4 + 4 * runs);
}
