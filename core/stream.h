/*
 * stream.h - the stream value type (XADD and friends): an append-only log
 * of entries, each a list of field-value pairs under a unique ID, with
 * consumer groups and their pending entries lists; stored as a boxed
 * object (object.h).
 *
 * Glossary
 *   ID        two uint64s, ms and seq, ordered by ms then seq (as Redis's
 *             streamID). 0-0 is never an entry's ID.
 *   entry     an ID and one or more field-value pairs (binary-safe bytes).
 *   block     a run of consecutive entries packed in one byte buffer (see
 *             stream.c for the layout): Redis's listpack node, with the
 *             same boundaries. An entry deleted inside a block is only
 *             flagged until the whole block goes.
 *   node limits   stream-node-max-entries and stream-node-max-bytes
 *             (struct object_limits), read at every append as Redis reads
 *             them: the tail block closes when it holds max-entries
 *             entries, deleted ones included, or when the bytes of Redis's
 *             listpack for it plus the new entry's strings would reach
 *             max-bytes. 0 lifts a limit (bytes stay under Redis's 1 GB
 *             listpack cap). Blocks keep their size when the limits
 *             change, and a loaded stream keeps the nodes it was saved
 *             with.
 *   last ID   the greatest ID ever added (or set by XSETID); a new entry's
 *             ID must be greater.
 *   first ID  the ID of the first live entry, "recorded" as Redis does: kept
 *             up to date by deletions and trims (0-0 when empty).
 *   max deleted ID   the greatest ID ever deleted (XDEL), for the lag.
 *   entries added    how many entries were ever added (XSETID may set it).
 *   group     a consumer group: a name, the last delivered ID, the count
 *             of entries read (-1 when unknown), the group PEL and its
 *             consumers.
 *   PEL       pending entries list: entries delivered but not yet acked,
 *             each a struct stream_nack held in two trees ordered by ID,
 *             the group's and its consumer's.
 *
 * Errors: actions return 0 or STREAM_ENOMEM (nothing changed); finders
 * return a pointer or NULL; predicates return bool.
 *
 * Ownership: the stream copies the bytes it is given. Bytes an iterator
 * hands out are borrowed until the next change to the stream. Groups,
 * consumers and NACKs belong to the stream; pointers to them stay valid
 * until they are deleted.
 *
 * Thread safety: none; a stream lives in a keyspace entry and is guarded
 * by its shard's lock.
 */
#ifndef GROVE_STREAM_H
#define GROVE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "avl.h"
#include "object.h"

enum {
    STREAM_OK = 0,
    STREAM_ENOMEM = -1,
    STREAM_ETOOBIG = -2, /* an entry's strings pass STREAM_LISTPACK_MAX_SIZE */
};

/* Redis's STREAM_LISTPACK_MAX_SIZE: no node grows past it, whatever
 * stream-node-max-bytes says, and no entry's strings may add up to more. */
#define STREAM_LISTPACK_MAX_SIZE (1u << 30)
/* The reverse walk decodes a block's entry offsets this many at a time. */
#define STREAM_ITER_WINDOW 128
/* Redis's SCG_INVALID_ENTRIES_READ: a group whose read count is unknown. */
#define STREAM_ENTRIES_READ_UNKNOWN (-1LL)

struct stream_id {
    uint64_t ms, seq;
};

static inline int stream_id_cmp(const struct stream_id *a, const struct stream_id *b)
{
    if (a->ms != b->ms)
        return a->ms < b->ms ? -1 : 1;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return 0;
}

static inline bool stream_id_is_zero(const struct stream_id *id)
{
    return id->ms == 0 && id->seq == 0;
}

/* Borrowed bytes. */
struct stream_str {
    const char *ptr;
    size_t len;
};

struct stream;
struct stream_consumer;

/* One pending entry: in its group's PEL and its consumer's. */
struct stream_nack {
    struct avl_node gnode;    /* in stream_group.pel */
    struct avl_node cnode;    /* in stream_consumer.pel */
    struct stream_id id;
    int64_t delivery_time;    /* ms */
    uint64_t delivery_count;
    struct stream_consumer *consumer;
};

struct stream_consumer {
    struct avl_node node;     /* in stream_group.consumers, by name */
    struct avl_tree pel;      /* its NACKs by ID (cnode) */
    int64_t seen_time;        /* ms of its last read or claim */
    size_t len;
    char name[];
};

struct stream_group {
    struct avl_node node;     /* in the stream's groups, by name */
    struct stream_id last_id; /* last delivered */
    long long entries_read;   /* STREAM_ENTRIES_READ_UNKNOWN when unknown */
    struct avl_tree pel;      /* NACKs by ID (gnode) */
    struct avl_tree consumers;
    size_t len;
    char name[];
};

/* ---- lifecycle ------------------------------------------------------------ */

/* An empty stream, or NULL on ENOMEM. */
struct stream *stream_create(void);
/* Free the stream, its groups and PELs. Accepts NULL. */
void stream_destroy(struct stream *s);
/* The boxed header, for object_value_from_boxed, and back. */
struct object_boxed *stream_boxed(struct stream *s);
struct stream *stream_from_boxed(struct object_boxed *b);
/* A deep copy (entries, groups, consumers, PELs), or NULL on ENOMEM. */
struct stream *stream_dup(const struct stream *s);

/* ---- reading -------------------------------------------------------------- */

uint64_t stream_len(const struct stream *s);
struct stream_id stream_last_id(const struct stream *s);
struct stream_id stream_first_id(const struct stream *s);
struct stream_id stream_max_deleted_id(const struct stream *s);
uint64_t stream_entries_added(const struct stream *s);
/* How many blocks (Redis's nodes) hold the entries (XINFO's radix-tree-keys). */
size_t stream_block_count(const struct stream *s);
/* XINFO's radix-tree-nodes: the nodes of the rax Redis would hold the
 * blocks' keys in (O(blocks)). */
size_t stream_rax_nodes(const struct stream *s);
/* Heap bytes the stream's entries take (blocks and their buffers). */
size_t stream_bytes(const struct stream *s);

/* A walk over the live entries with start <= ID <= end, ascending or (rev)
 * descending. The stream must not change during the walk. */
struct stream_iter {
    const struct stream *s;
    struct stream_id start, end;
    bool rev;
    bool all;                               /* deleted entries too */
    const struct avl_node *block;
    uint32_t pos;                           /* forward: the next entry's offset */
    uint32_t offs[STREAM_ITER_WINDOW];      /* rev: offsets of a window of entries */
    uint32_t noffs;                         /* rev: how many of offs are left */
    uint32_t window;                        /* rev: which window of the block */
    uint32_t off;                           /* the current entry's offset */
    unsigned flags;                         /* and its flags */
    const unsigned char *p;                 /* the current entry's next string */
    const unsigned char *mf;                /* its next master field, or NULL */
    size_t pairs;                           /* its pairs not yet read */
};
void stream_iter_init(struct stream_iter *it, const struct stream *s,
                      const struct stream_id *start, const struct stream_id *end, bool rev);
/* The next entry's ID and number of pairs; false at the end. */
bool stream_iter_next(struct stream_iter *it, struct stream_id *id, size_t *npairs);
/* The current entry's next pair (call it npairs times). */
void stream_iter_pair(struct stream_iter *it, struct stream_str *field, struct stream_str *value);
/* The last live entry's ID (Redis's streamLastValidID), 0-0 when empty:
 * O(log b) unless the newest entry was deleted. */
struct stream_id stream_last_valid_id(const struct stream *s);
/* Whether a live entry has this ID. */
bool stream_has(const struct stream *s, const struct stream_id *id);

/* ---- writing -------------------------------------------------------------- */

/* Append an entry of n / 2 pairs (fv alternates field, value; n even,
 * > 0) with an ID greater than the last ID, in the tail block or a new
 * one as the node limits read now say (streamAppendItem). The bytes must
 * not point into this stream. STREAM_ETOOBIG (nothing changed) when the
 * strings add up to more than STREAM_LISTPACK_MAX_SIZE. */
int stream_append(struct stream *s, const struct stream_id *id, const struct stream_str *fv,
                  size_t n, const struct object_limits *limits);
/* Delete the live entry with this ID (XDEL): true if there was one. The
 * max deleted ID and the first ID follow. */
bool stream_delete(struct stream *s, const struct stream_id *id);

/* XADD's and XTRIM's trimming, as Redis's streamTrim. */
struct stream_trim {
    bool minid;             /* MINID: drop entries below `min`; else MAXLEN */
    uint64_t maxlen;
    struct stream_id min;
    bool approx;            /* `~`: only whole blocks */
    long long limit;        /* at most about this many entries; 0: no limit */
};
/* Returns how many entries went. As Redis, exact MINID trimming may leave
 * the first block with deleted entries only (its last entry was deleted
 * before); the block stays, and counts as a node, until trimmed away. */
uint64_t stream_trim(struct stream *s, const struct stream_trim *t);
/* XSETID: the last ID and, when given, entries added and max deleted ID. */
void stream_set_meta(struct stream *s, const struct stream_id *last, uint64_t entries_added,
                     const struct stream_id *max_deleted);

/* ---- nodes: the layout RDB files and DUMP payloads keep ------------------- */

/* A block as Redis's listpack node. */
struct stream_node {
    struct stream_id master; /* its first entry's ID: the node's key */
    uint64_t live, deleted;
    size_t nfields;          /* its master fields: its first entry's */
};
/* A forward walk over every entry, deleted ones too, block by block. */
void stream_iter_init_all(struct stream_iter *it, const struct stream *s);
/* Of the entry stream_iter_next last returned: whether it opens its
 * block, whether it is deleted, whether its fields are the master fields
 * (Redis's SAMEFIELDS flag), its block, and its block's master fields
 * (nfields of them into fields). */
bool stream_iter_opens_node(const struct stream_iter *it);
bool stream_iter_deleted(const struct stream_iter *it);
bool stream_iter_same_fields(const struct stream_iter *it);
void stream_iter_node(const struct stream_iter *it, struct stream_node *node);
void stream_iter_master_fields(const struct stream_iter *it, struct stream_str *fields);

/* One entry of a node being loaded. */
struct stream_load_entry {
    struct stream_id id;
    const struct stream_str *fv; /* n strings: field, value, ... */
    size_t n;
    bool deleted;
};
/* Load a node as Redis saved it (RDB files, DUMP payloads): one new
 * block with these master fields and entries, deleted ones kept, so the
 * node boundaries, and with them approximate trimming and the node limits
 * of later appends, stay the saved ones. The entries' IDs must ascend
 * from above the last ID, which becomes the last entry's. A node whose
 * ms deltas pass 2^62 or whose bytes pass 2 GB in Grove's layout is split
 * (Grove's own limits). On STREAM_ENOMEM part of the node may be loaded:
 * destroy the stream. */
int stream_load_node(struct stream *s, const struct stream_str *fields, size_t nfields,
                     const struct stream_load_entry *entries, size_t count);

/* ---- consumer groups ------------------------------------------------------ */

size_t stream_group_count(const struct stream *s);
/* The groups in name order (byte-wise). NULL after the last. */
struct stream_group *stream_group_first(const struct stream *s);
struct stream_group *stream_group_next(const struct stream_group *g);
struct stream_group *stream_group_find(const struct stream *s, const char *name, size_t len);
/* A new group (no group of that name may exist), or NULL on ENOMEM. */
struct stream_group *stream_group_create(struct stream *s, const char *name, size_t len,
                                         const struct stream_id *last_id,
                                         long long entries_read);
void stream_group_destroy(struct stream *s, struct stream_group *g);

size_t stream_consumer_count(const struct stream_group *g);
struct stream_consumer *stream_consumer_first(const struct stream_group *g);
struct stream_consumer *stream_consumer_next(const struct stream_consumer *c);
struct stream_consumer *stream_consumer_find(const struct stream_group *g, const char *name,
                                             size_t len);
/* A new consumer seen at now_ms (none of that name may exist), or NULL
 * on ENOMEM. */
struct stream_consumer *stream_consumer_create(struct stream_group *g, const char *name,
                                               size_t len, int64_t now_ms);
/* Delete a consumer and its pending entries (from the group PEL too). */
void stream_consumer_destroy(struct stream_group *g, struct stream_consumer *c);

/* The NACK with this ID in the group PEL, or NULL. */
struct stream_nack *stream_nack_find(const struct stream_group *g, const struct stream_id *id);
/* The first NACK with an ID >= id in the group PEL (c NULL) or in c's
 * PEL, or NULL; and the next one in the same PEL. */
struct stream_nack *stream_pel_seek(const struct stream_group *g, const struct stream_consumer *c,
                                    const struct stream_id *id);
struct stream_nack *stream_pel_next(const struct stream_nack *n, bool consumer_pel);
/* The last NACK of the group PEL, or NULL. */
struct stream_nack *stream_pel_last(const struct stream_group *g);
/* A new NACK owned by c, delivered now with count 1 (the ID must not be
 * pending), or NULL on ENOMEM. */
struct stream_nack *stream_nack_create(struct stream_group *g, struct stream_consumer *c,
                                       const struct stream_id *id, int64_t now_ms);
/* Give the NACK to another consumer. */
void stream_nack_move(struct stream_nack *n, struct stream_consumer *to);
/* Remove the NACK from both PELs and free it. */
void stream_nack_destroy(struct stream_group *g, struct stream_nack *n);
size_t stream_pel_count(const struct stream_group *g);
size_t stream_consumer_pel_count(const struct stream_consumer *c);

/* ---- the lag (Redis 7.0's entries-read bookkeeping) ----------------------- */

/* streamRangeHasTombstones: whether a deleted ID may lie in [start, end]
 * (NULL: unbounded). */
bool stream_range_has_tombstones(const struct stream *s, const struct stream_id *start,
                                 const struct stream_id *end);
/* streamEstimateDistanceFromFirstEverEntry: the entries-read counter of
 * an ID, or STREAM_ENTRIES_READ_UNKNOWN. */
long long stream_estimate_distance(const struct stream *s, const struct stream_id *id);

/* ---- testing -------------------------------------------------------------- */

/* Assert the representation is well formed (block order, counts, the
 * recorded IDs, both PELs agree). */
void stream__check_invariants(const struct stream *s);

#endif
