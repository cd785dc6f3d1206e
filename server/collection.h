/*
 * collection.h - what the hash, set, sorted set and list commands share.
 *
 * Glossary
 *   collection  a boxed value holding many elements: a core/hash, set, zset
 *               or list, stored in a key's entry (object_boxed).
 *   element     a hash's field (with its value), a set's or sorted set's
 *               member (with its score), a list's element.
 *   type        a struct collection_type: which object type it is and the
 *               few operations the shared code needs, as callbacks on the
 *               boxed value (the way Redis's dictType describes a dict).
 *   compact     the small encoding (listpack, intset) in which Redis keeps
 *               no hash table: HSCAN and friends return it whole.
 *
 * Each cmd_*.c defines one static type and hands it to the functions here:
 * storing a new collection, finishing an in-place change (an emptied key
 * goes, as in Redis no empty collection exists), the length commands (HLEN
 * SCARD ZCARD LLEN), the point reads (HGET ZSCORE SISMEMBER and their
 * kin), the removal commands (HDEL SREM ZREM) and the cursor scans (HSCAN
 * SSCAN ZSCAN), and the pops from the first of several keys that
 * holds a value (LMPOP ZMPOP, and BLMPOP BZMPOP once a key is ready). The
 * random picks (HRANDFIELD, SPOP, SRANDMEMBER, ZRANDMEMBER) share one
 * random source.
 *
 * Errors: functions that may fail reply themselves and return false;
 * handlers (`*_command`) reply in every case.
 *
 * Thread safety: called from handlers, with the key's shard locked by the
 * dispatcher. The random source is per thread.
 */
#ifndef GROVE_COLLECTION_H
#define GROVE_COLLECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command.h"
#include "object.h"

struct collection_scan;

struct collection_type {
    enum object_type type;
    size_t (*len)(struct object_boxed *b);
    enum object_encoding (*encoding)(struct object_boxed *b);
    /* Remove one element by name; true when it was there. NULL for a type
     * without a removal command of this shape (lists). */
    bool (*remove)(struct object_boxed *b, const char *name, size_t len);
    /* One step of the type's reverse-binary cursor scan from `cursor`
     * (from 0 the whole of a compact value), handing every element visited
     * to collection_scan_visit/collection_scan_add. Returns the next
     * cursor, 0 at the end. NULL for a type without a scan command. */
    uint64_t (*scan)(struct object_boxed *b, uint64_t cursor, struct collection_scan *s);
    enum object_encoding compact; /* scanned whole in one call */
    /* COUNT's weight per element in the scan's step budget: Redis doubles
     * COUNT for types it replies as pairs (the loop may take ten bucket
     * steps per unit before it gives up on a sparse table). */
    unsigned scan_count_scale;
    /* Take n elements (1 <= n <= len) from one end, replying each: from
     * the head or, with `second_end`, the tail of a list (a bulk string
     * each); the lowest or, with `second_end`, the highest score of a
     * zset (member and score, as a [member, score] pair with `pairs`).
     * NULL for a type without pops. The caller replies the array's
     * length first and calls collection_changed after. */
    void (*pop)(struct resp_out *out, struct object_boxed *b, bool second_end, size_t n,
                bool pairs);
    const char *end_words[2]; /* LMPOP's "left", "right"; ZMPOP's "min", "max" */
    /* Keyspace notifications: the type's class (NOTIFY_HASH...), the event
     * of `remove` ("hdel", "srem", "zrem") and of `pop` from each end
     * ("lpop", "rpop"; "zpopmin", "zpopmax"). */
    unsigned notify_class;
    const char *remove_event;
    const char *pop_events[2];
};

/* The list and sorted set types (cmd_list.c, cmd_zset.c), for the blocking
 * commands' pops. */
extern const struct collection_type list_collection;
extern const struct collection_type zset_collection;

/* ---- writing ------------------------------------------------------------- */

/* Store a new, non-empty collection b at k (replacing whatever is there).
 * Takes ownership of b, also on failure. False after an out-of-memory
 * reply. */
bool collection_store(struct cmd_ctx *ctx, const struct collection_type *t,
                      const struct cmd_key *k, struct object_boxed *b);
/* After an in-place change to the collection in entry e (key k): delete
 * the key if the collection is empty (the deletion tells WATCH, and
 * raises the "del" notification that follows the change's own, as in
 * Redis), else bring the object's reported encoding up to date and tell
 * WATCH. */
void collection_changed(const struct collection_type *t, const struct cmd_key *k,
                        struct hashmap_entry *e);

/* ---- commands ------------------------------------------------------------ */

/* HLEN, SCARD, ZCARD, LLEN: the key at argv[1]; 0 when it is missing. */
void collection_len_command(struct cmd_ctx *ctx, const struct collection_type *t);
/* A point read's reply about one element, named by a field or member
 * argument; b is NULL when the key is missing. */
typedef void (*collection_reply_fn)(struct cmd_ctx *ctx, struct object_boxed *b,
                                    const struct resp_arg *name);
/* The point reads of the key at argv[1]: about the element named at
 * argv[2] (HGET HEXISTS HSTRLEN SISMEMBER ZSCORE ZRANK ZREVRANK), or with
 * `many` an array about each of argv[2..] (HMGET SMISMEMBER ZMSCORE). */
void collection_read_command(struct cmd_ctx *ctx, const struct collection_type *t,
                             collection_reply_fn reply, bool many);
/* HDEL, SREM, ZREM: remove the elements named at argv[2..] from the key at
 * argv[1]; replies how many were there. */
void collection_remove_command(struct cmd_ctx *ctx, const struct collection_type *t);
/* HSCAN, SSCAN, ZSCAN key cursor [MATCH pattern] [COUNT count], as Redis's
 * scanGenericCommand, in its order of checks: the cursor before the key,
 * the options only when the key exists. */
void collection_scan_command(struct cmd_ctx *ctx, const struct collection_type *t);

/* A scan in progress, for a type's scan callback. */
struct collection_scan {
    struct resp_out *out;  /* the elements' side buffer: the cursor is replied first */
    const struct scan_opts *opts;
    bool compact;          /* the value is in its compact encoding, visited whole */
    size_t visited;        /* elements visited, matching or not (COUNT counts them) */
    size_t replied;        /* bulk strings added to out */
};
/* Count one element visited; true when its name matches MATCH, and the
 * callback should then add its reply with collection_scan_add. */
bool collection_scan_visit(struct collection_scan *s, const char *name, size_t len);
void collection_scan_add(struct collection_scan *s, const char *p, size_t len);

/* ---- LMPOP ZMPOP, and BLMPOP BZMPOP ------------------------------------------ */

/* `numkeys key [key ...] END [COUNT count]` once parsed: LMPOP's END is
 * LEFT or RIGHT, ZMPOP's MIN or MAX. */
struct collection_mpop {
    size_t first_key, numkeys; /* the keys are argv[first_key .. +numkeys) */
    bool second_end;           /* RIGHT or MAX (see collection_type.pop) */
    long long count;           /* 1 without COUNT */
};
/* Parse from argv[numkeys_arg] (1 for LMPOP and ZMPOP, 2 for BLMPOP and
 * BZMPOP, whose timeout Redis parses after these) as Redis's
 * lmpopGenericCommand and zmpopGenericCommand do, with their texts; `t`
 * (the list or zset type) names the END words. False after replying. */
bool collection_mpop_parse(struct cmd_ctx *ctx, size_t numkeys_arg,
                           const struct collection_type *t, struct collection_mpop *q);
/* Pop from the first of q's keys that exists (Redis's mpopGenericCommand
 * and genericZpopCommand): up to q->count elements, replied as [key,
 * [elements]] (a zset's as [member, score] pairs), the key deleted when
 * emptied. A key of another type before it gets WRONGTYPE. True when it
 * replied; false when none of the keys exists (nothing replied: LMPOP
 * replies a null array, BLMPOP blocks). A blocked client served on one
 * ready key passes a q naming just that key. */
bool collection_mpop_serve(struct cmd_ctx *ctx, const struct collection_type *t,
                           const struct collection_mpop *q);
/* LMPOP and ZMPOP: parse, serve, else a null array. */
void collection_mpop_command(struct cmd_ctx *ctx, const struct collection_type *t);

/* ---- helpers ------------------------------------------------------------- */

/* Redis's start/end clamp of LRANGE, LTRIM, ZRANGE and ZREMRANGEBYRANK
 * (negative counts from the end): the first index and how many, or false
 * when the range is empty. */
bool collection_clamp_range(long long start, long long end, size_t len, size_t *first,
                            size_t *count);
/* The random source of the random picks (hash_random, set_random): a
 * per-thread xorshift64*, seeded from the process seed. */
uint64_t collection_rand64_cb(void *ud);
/* A number in [0, n) from that source, every one equally likely (n > 0). */
uint64_t collection_rand_below(uint64_t n);

/* HRANDFIELD and ZRANDMEMBER key [count [WITH...]] from argv[2], with
 * Redis's checks and texts in its order: the count (an integer other than
 * LLONG_MIN), then the option (`with_word`, "withvalues" or "withscores"),
 * then, with it, |count| <= LLONG_MAX / 2 (the reply has twice as many
 * items). False after replying. */
bool collection_rand_parse(struct cmd_ctx *ctx, const char *with_word, long long *count,
                           bool *with);

#endif
