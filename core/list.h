/*
 * list.h - the list value type (LPUSH and friends): a sequence of
 * binary-safe byte strings, front-coded in nodes cut as Redis's quicklist
 * cuts its listpack nodes, stored as a boxed object (object.h).
 *
 * Glossary
 *   element   a byte string with a length (may be empty).
 *   head      index 0, the LEFT end; tail, index len-1, the RIGHT end.
 *   node      a run of consecutive elements kept front-coded
 *             (core/frontpack.h: runs of 8, each element after a run's
 *             first as the prefix it shares with the one before and the
 *             rest), bounded by the size the elements take as listpack
 *             entries (core/listpack.h) under list-max-listpack-size
 *             (struct object_limits, read when the list is created, as
 *             Redis's quicklist keeps its fill): negative -1..-5 caps a
 *             node at 4/8/16/32/64 KB of listpack, positive caps its
 *             element count (and 8 KB). So the nodes are Redis's, and
 *             DUMP writes them as the listpacks Redis holds.
 *   packed    a node Redis keeps LZF-compressed, as list-compress-depth
 *             asks (read when the list is created): every node further
 *             than `depth` nodes from either end, when that saves bytes
 *             of its listpack. Its front-coded elements are then kept
 *             LZF-compressed too when that saves bytes.
 *   entry     a view of one element: bytes borrowed from the list, or
 *             rebuilt from their front coding (at most FRONTPACK_SHORT
 *             bytes: longer elements are stored whole) in the view itself.
 *   encoding  what OBJECT ENCODING reports. Redis 7.0 reports "quicklist"
 *             for every list (the listpack list encoding arrived in 7.2),
 *             so list_encoding() is always OBJECT_ENC_QUICKLIST.
 *
 * Complexity (B = elements per node, N = nodes): push and pop at either
 * end O(B) byte moves (as Redis) and at most 8 elements decoded; reading
 * an index O(N + B / 8); an iterator step O(1) forwards, at most 8
 * elements decoded backwards; insert, set or remove at an index
 * O(N + B); LREM/LTRIM style bulk removal O(n); destroy O(N) frees.
 *
 * Errors: actions return 0 or LIST_ENOMEM (the list's elements are then
 * unchanged); predicates return bool.
 *
 * Ownership: the list copies the bytes it is given. Entries it hands out
 * (list_get, list_peek, list_iter_next) are borrowed: valid until the
 * next change to the list, and, when they come from a packed node, until
 * the next read of a packed node on this thread (its bytes are
 * decompressed into the thread's scratch buffer, core/lzf.h); list_peek's
 * never come from one. An entry rebuilt in the view is the caller's.
 * Out of memory while decompressing a packed node, or while re-encoding
 * a run of elements over 1 KB that a removal changed, aborts.
 *
 * Thread safety: none; a list lives in a keyspace entry and is guarded by
 * its shard's lock.
 */
#ifndef GROVE_LIST_H
#define GROVE_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "frontpack.h"
#include "object.h"

enum {
    LIST_OK = 0,
    LIST_ENOMEM = -1,
};

enum list_where {
    LIST_HEAD = 0, /* LEFT */
    LIST_TAIL = 1, /* RIGHT */
};

struct list;

/* One element, as handed out: ptr/len, which may point into buf (an
 * element rebuilt from its front coding, at most FRONTPACK_SHORT bytes). */
struct list_entry {
    const char *ptr;
    size_t len;
    char buf[FRONTPACK_SHORT + 8]; /* 7 bytes of slack for word copies */
};

/* A walk over consecutive elements, towards the tail or the head. */
struct list_iter {
    const struct list *l;
    struct frontpack view; /* the node's elements as read; buf NULL: read them next */
    struct frontpack_reader rd;
    size_t node, rank; /* the next element's node and rank in it */
    size_t run, first; /* backward: the run holding rank, and its first rank */
    size_t left;       /* elements still to hand out */
    bool backward;
};

/* Elements of at least `bytes` live alone in their node, which nothing
 * joins (Redis's plain quicklist nodes; default 1 GB, 0 restores it):
 * DEBUG QUICKLIST-PACKED-THRESHOLD, for the whole process. false when
 * bytes is 4 GB - 1 MB or more. */
bool list_set_large_threshold(unsigned long long bytes);

/* ---- lifecycle ------------------------------------------------------------ */

/* An empty list whose nodes follow limits->list_max_listpack_size and
 * list_compress_depth as they are now (later changes apply to new lists);
 * NULL on ENOMEM. */
struct list *list_create(const struct object_limits *limits);
/* Free the list: one free per node. Accepts NULL. */
void list_destroy(struct list *l);
/* The boxed header, for object_value_from_boxed (its ops free and
 * deep-copy the list), and back. list_from_boxed asserts it is a list. */
struct object_boxed *list_boxed(struct list *l);
struct list *list_from_boxed(struct object_boxed *b);
/* A deep copy (same nodes, packed or not, same bound and depth), or NULL
 * on ENOMEM. */
struct list *list_dup(const struct list *l);

/* ---- reading -------------------------------------------------------------- */

size_t list_len(const struct list *l);
/* Always OBJECT_ENC_QUICKLIST (Redis 7.0). */
enum object_encoding list_encoding(const struct list *l);
/* Heap bytes the list holds, as allocated (MEMORY USAGE): the header and
 * node array exactly, the node buffers estimated from the first `samples`
 * nodes (all when 0), as Redis samples quicklist nodes. O(samples). */
size_t list_bytes(const struct list *l, size_t samples);
/* The element at index i (0 <= i < len). */
void list_get(const struct list *l, size_t i, struct list_entry *out);
/* The element at one end (the list must not be empty). */
void list_peek(const struct list *l, enum list_where where, struct list_entry *out);
/* A walk from index `start` (< len, or any value when len is 0) towards
 * the tail, or towards the head when `backward`, to the end. */
void list_iter_init(struct list_iter *it, const struct list *l, size_t start, bool backward);
/* The next element; false when the walk is over. */
bool list_iter_next(struct list_iter *it, struct list_entry *out);
/* Whether an entry holds exactly these bytes. */
bool list_entry_equals(const struct list_entry *e, const void *bytes, size_t len);

/* Nodes, for DUMP, DEBUG OBJECT and tests, as Redis's quicklist holds
 * them: node i's elements encoded as listpack entries (no header or
 * terminator), their byte size and element count, written into this
 * thread's scratch buffer (core/lzf.h): valid until the next list_node_*
 * call or read of a packed node on this thread. O(node bytes). And the
 * bound they were cut by (list-max-listpack-size when the list was
 * created, clamped to -5..32767). */
size_t list_node_count(const struct list *l);
int list_fill(const struct list *l);
/* list-compress-depth when the list was created, clamped to 0..65535. */
int list_compress_depth(const struct list *l);
const unsigned char *list_node_entries(const struct list *l, size_t i, size_t *bytes,
                                       size_t *count);
/* Node i's listpack size (entries, header and terminator), in O(1). */
size_t list_node_listpack_size(const struct list *l, size_t i);
/* When Redis keeps node i LZF-compressed: *lzf_bytes of LZF compressing
 * its whole listpack of *lp_bytes (entries, header and terminator), the
 * bytes Redis writes to RDB as they are, in the scratch buffer as
 * list_node_entries; else NULL. */
const unsigned char *list_node_lzf(const struct list *l, size_t i, size_t *lzf_bytes,
                                   size_t *lp_bytes);

/* After a command read indexes [first, last] (first <= last < len): pack
 * the plain interior nodes holding them, as Redis's reading iterators
 * pack each node they let go of (quicklistCompress), so that the nodes a
 * later DUMP writes packed are the ones redis-server's would. The
 * elements do not change. O(nodes) walk, nothing at depth 0. */
void list_reads_done(struct list *l, size_t first, size_t last);

/* ---- writing -------------------------------------------------------------- */

/* Push a copy of the bytes at one end. */
int list_push(struct list *l, enum list_where where, const void *bytes, size_t len);
/* Drop the element at one end (the list must not be empty); read it
 * first with list_peek. */
void list_pop(struct list *l, enum list_where where);
/* Pop from `from` of src and push at `to` of dst (src may be dst); src
 * must not be empty. On ENOMEM neither list changed. */
int list_move(struct list *src, enum list_where from, struct list *dst, enum list_where to);
/* LSET: replace the element at i (0 <= i < len) with a copy of the bytes. */
int list_set(struct list *l, size_t i, const void *bytes, size_t len);
/* LINSERT: insert a copy of the bytes just before, or after, the element
 * at index `pivot` (< len). */
int list_insert(struct list *l, size_t pivot, bool after, const void *bytes, size_t len);
/* LREM: remove elements equal to the bytes, at most |count| of them
 * (0: all), from the head when count >= 0, else from the tail. Returns
 * how many were removed. Never fails. */
size_t list_remove_matching(struct list *l, const void *bytes, size_t len, long long count);
/* LTRIM: keep only indexes [start, start + n) (start + n <= len). Never
 * fails. */
void list_keep_range(struct list *l, size_t start, size_t n);
/* Append `count` (>= 1) elements packed as listpack entries (a Redis
 * listpack's body, validated by the caller) at the tail, as one node,
 * front-coded: how RDB load keeps Redis's nodes as they were cut. An
 * entry stored unlike lpAppend would (an integer as a string) is written
 * back by DUMP as lpAppend writes it. */
int list_append_entries(struct list *l, const unsigned char *entries, size_t bytes,
                        size_t count);

/* ---- testing -------------------------------------------------------------- */

/* Assert the representation is well formed. */
void list__check_invariants(const struct list *l);

#endif
