/*
 * object.h - the value stored for a key, laid out inside the hashmap
 * entry's "extra" region so that small values cost no allocation.
 *
 * Glossary
 *   object    the bytes of the extra region: an 8-byte header, an optional
 *             12-byte TTL block, then the payload. A `struct object *` is
 *             the extra region's address (hashmap_entry_extra()).
 *   type      what the client sees in TYPE: string now; list, set, zset and
 *             hash reserved for "boxed" values held by pointer.
 *   encoding  what OBJECT ENCODING reports: "int", "embstr", "raw" for
 *             strings (the others are reserved for boxed types).
 *   INT       payload is an int64 inline; the string is its decimal form.
 *   EMBSTR    payload is the string bytes inline (at most 44, as Redis).
 *   RAW       payload is a pointer to a growable heap buffer (struct
 *             object_raw), so APPEND and SETRANGE are amortised O(1).
 *   boxed     payload is a pointer to a caller-defined value that starts
 *             with `struct object_boxed` (its ops: free, dup).
 *   value     a `struct object_value` is a value in flight: planned (and
 *             owning its heap part) but not yet written into an entry.
 *   LRU clock seconds since the epoch modulo 2^24, as Redis's LRU_CLOCK().
 *
 * Layout (offsets within the extra region, which is 8-byte aligned)
 *
 *     0        8                 20
 *     +--------+-----------------+---------------------------+
 *     | header | expire_at, slot | payload                   |
 *     +--------+-----------------+---------------------------+
 *       8 B      12 B, only when   INT 8 B | EMBSTR len B |
 *                OBJECT_F_TTL      RAW/boxed pointer 8 B
 *
 *   header: type (1), encoding (1), flags (1), LFU counter (1), then a
 *   32-bit word holding the 24-bit LRU clock and the 8-bit EMBSTR length.
 *   The TTL block is the absolute expire time in ms (int64) and the key's
 *   slot in its shard's expiry index (uint32). Payload fields that may be
 *   unaligned (after the 12-byte TTL block) are read with memcpy.
 *
 * Encoding rules (Redis 7.0 object.c/t_string.c):
 *   OBJECT_STR_TRY    (SET, MSET, GETSET, SETEX, APPEND to a missing key…)
 *                     tryObjectEncoding: length <= 20 and string2ll
 *                     accepts it -> INT; else length <= 44 -> EMBSTR;
 *                     else RAW.
 *   OBJECT_STR_PLAIN  (INCRBYFLOAT result, COPY of an EMBSTR)
 *                     createStringObject: <= 44 -> EMBSTR, else RAW.
 *   OBJECT_STR_RAW    (APPEND, SETRANGE, SETBIT results): always RAW.
 *   INCR/DECR/INCRBY/DECRBY results are INT (object_value_from_int).
 *
 * Errors: actions return 0 or OBJECT_ENOMEM; predicates return bool.
 *
 * Ownership: an object owns its RAW buffer or boxed value. A planned
 * `struct object_value` owns its heap part until object_init() moves it
 * into an object, or object_value_discard() frees it.
 *
 * Thread safety: none; objects live in shards and are guarded by the
 * shard's lock (see keyspace.h).
 */
#ifndef GROVE_OBJECT_H
#define GROVE_OBJECT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    OBJECT_OK = 0,
    OBJECT_ENOMEM = -1,
};

enum object_type {
    OBJECT_STRING = 0,
    OBJECT_LIST = 1, /* reserved: boxed */
    OBJECT_SET = 2,  /* reserved: boxed */
    OBJECT_ZSET = 3, /* reserved: boxed */
    OBJECT_HASH = 4, /* reserved: boxed */
    OBJECT_STREAM = 6, /* boxed; Redis's OBJ_STREAM */
};

/* Numbered as Redis's OBJ_ENCODING_* so names line up. */
enum object_encoding {
    OBJECT_ENC_RAW = 0,
    OBJECT_ENC_INT = 1,
    OBJECT_ENC_HASHTABLE = 2, /* reserved for boxed types from here on */
    OBJECT_ENC_INTSET = 6,
    OBJECT_ENC_SKIPLIST = 7,
    OBJECT_ENC_EMBSTR = 8,
    OBJECT_ENC_QUICKLIST = 9,
    OBJECT_ENC_STREAM = 10,
    OBJECT_ENC_LISTPACK = 11,
};

/* How a string value picks its encoding; see the essay above. */
enum object_string_policy {
    OBJECT_STR_TRY,
    OBJECT_STR_PLAIN,
    OBJECT_STR_RAW,
};

#define OBJECT_EMBSTR_MAX 44       /* Redis OBJ_ENCODING_EMBSTR_SIZE_LIMIT */
#define OBJECT_INT_MAX_CHARS 20    /* longest int64 in decimal ("-9223372036854775808") */
#define OBJECT_INT_BUFSIZE 21      /* scratch for object_string_view: 20 chars + NUL */
#define OBJECT_LFU_INIT_VAL 5      /* Redis LFU_INIT_VAL: a new key's counter */
#define OBJECT_LRU_CLOCK_MAX ((1u << 24) - 1)
#define OBJECT_RAW_MAX_PREALLOC (1024 * 1024) /* Redis SDS_MAX_PREALLOC */
#define OBJECT_HEADER_SIZE 8
#define OBJECT_TTL_SIZE 12

#define OBJECT_F_TTL 0x01 /* the TTL block is present */

/* The header; the TTL block and payload follow in `tail`. Read through the
 * accessors below: the tail's layout depends on the flags. */
struct object {
    uint8_t type;     /* enum object_type */
    uint8_t encoding; /* enum object_encoding */
    uint8_t flags;    /* OBJECT_F_* */
    uint8_t lfu;      /* logarithmic access counter, 0..255 */
    uint32_t lru_len; /* bits 0..23: LRU clock (s); bits 24..31: EMBSTR length */
    unsigned char tail[];
};

/* A RAW string's heap buffer: len bytes used out of cap. Not
 * NUL-terminated. */
struct object_raw {
    size_t len;
    size_t cap;
    char buf[];
};

/* Boxed values (future list/set/zset/hash) start with this header. */
struct object_boxed;
struct object_boxed_ops {
    void (*free_cb)(struct object_boxed *value);
    /* A deep copy (COPY), or NULL when out of memory. */
    struct object_boxed *(*dup_cb)(const struct object_boxed *value);
};
struct object_boxed {
    const struct object_boxed_ops *ops;
};

/* A boxed type's ops together with the hasher and limits its values use,
 * one per (ops, hasher, limits) for the life of the process. A value
 * whose boxed ops point at an env learns its hasher and limits from that
 * one pointer: 8 bytes per value instead of 24, which counts because
 * small hashes and zsets are most of them. */
struct hashmap_hasher;
struct object_limits;
struct object_env {
    struct object_boxed_ops ops; /* first: a value's boxed.ops points here */
    const struct hashmap_hasher *hasher;
    const struct object_limits *limits;
};
#define OBJECT_ENV_MAX 64 /* distinct envs a process may make */
/* The env for (ops, hasher, limits), made on first use and never freed;
 * hasher and limits are borrowed and must outlive every value using it.
 * NULL when out of memory or after OBJECT_ENV_MAX distinct ones. Safe to
 * call from any thread. */
const struct object_env *object_env(const struct object_boxed_ops *ops,
                                    const struct hashmap_hasher *hasher,
                                    const struct object_limits *limits);

/* Redis's encoding thresholds (hash-max-listpack-entries and kin). A hash,
 * set or zset keeps a pointer to the live limits (the server's config) and
 * reads them at every write, as Redis reads its config, so CONFIG SET
 * applies to existing values from their next write on. Another thread may
 * change them at any time: they are atomics, read with plain loads. */
struct object_limits {
    atomic_llong hash_max_listpack_entries;
    atomic_llong hash_max_listpack_value;
    atomic_llong set_max_intset_entries;
    atomic_llong zset_max_listpack_entries;
    atomic_llong zset_max_listpack_value;
    atomic_llong list_max_listpack_size; /* read when a list is created, as Redis */
    atomic_llong list_compress_depth;    /* read when a list is created, as Redis */
    atomic_llong stream_node_max_bytes;  /* read at every append, as Redis (stream.h) */
    atomic_llong stream_node_max_entries;
};
/* Redis 7.0's defaults, an initializer for struct object_limits. */
#define OBJECT_LIMITS_DEFAULT {512, 64, 512, 128, 64, -2, 0, 4096, 100}

/* A value in flight. Fill it with one of the object_value_* functions. */
struct object_value {
    uint8_t type;
    uint8_t encoding;
    union {
        int64_t i;                                  /* INT */
        struct { const char *ptr; size_t len; } emb; /* EMBSTR: borrowed bytes */
        struct object_raw *raw;                      /* RAW: owned */
        struct object_boxed *boxed;                  /* boxed: owned */
    } u;
};

/* The TTL block's contents, when writing an object. */
struct object_ttl {
    int64_t expire_at_ms;
    uint32_t slot;
};

/* ---- planning a value ---------------------------------------------------- */

/* Choose the encoding for a string by `policy`. EMBSTR borrows `s` (it must
 * stay valid until object_init); RAW copies it into a new buffer (the only
 * case that allocates: OBJECT_ENOMEM). */
int object_value_from_string(struct object_value *v, const void *s, size_t len,
                             enum object_string_policy policy);
/* An INT value (INCR and friends). */
void object_value_from_int(struct object_value *v, int64_t i);
/* A RAW value taking ownership of `raw`. */
void object_value_from_raw(struct object_value *v, struct object_raw *raw);
/* A boxed value of `type` reported with `encoding`; takes ownership. */
void object_value_from_boxed(struct object_value *v, enum object_type type,
                             enum object_encoding encoding, struct object_boxed *boxed);
/* Free what the value owns (RAW buffer or boxed value). */
void object_value_discard(struct object_value *v);
/* A deep copy of o's value (COPY): INT stays INT, EMBSTR stays EMBSTR
 * (borrowing o's bytes), RAW and boxed are duplicated (OBJECT_ENOMEM). */
int object_value_dup(struct object_value *v, const struct object *o);

/* Extra-region bytes needed to hold `v`, with or without the TTL block. */
size_t object_size(const struct object_value *v, bool ttl);
/* Bytes the object occupies (header, TTL block, payload); at most the
 * entry's extra size, which may be larger after a failed shrink. */
size_t object_used_size(const struct object *o);

/* ---- writing ------------------------------------------------------------- */

/* Write v into the region `o` (at least object_size(v, ttl != NULL) bytes),
 * moving v's heap part into the object. `lru` is an LRU clock value. */
void object_init(struct object *o, const struct object_value *v, uint32_t lru, uint8_t lfu,
                 const struct object_ttl *ttl);
/* Free the object's heap part (RAW buffer or boxed value); the region
 * itself belongs to the entry. */
void object_free_payload(struct object *o);
/* Take the heap part out of o as a value (o must not be used again until
 * re-initialised). For a field-by-field move to another entry. */
void object_take_value(const struct object *o, struct object_value *v);

/* Add the TTL block: the region must already have room for
 * object_used_size(o) + OBJECT_TTL_SIZE bytes; the payload moves up. */
void object_ttl_attach(struct object *o, int64_t expire_at_ms, uint32_t slot);
/* Remove the TTL block: the payload moves down; the caller may then shrink
 * the region to object_used_size(o). */
void object_ttl_detach(struct object *o);

/* ---- reading ------------------------------------------------------------- */

enum object_type object_type(const struct object *o);
enum object_encoding object_encoding(const struct object *o);
/* "string", "list", "set", "zset", "hash", "stream" (TYPE's reply). */
const char *object_type_name(enum object_type type);
/* "raw", "int", "embstr", "hashtable", … (OBJECT ENCODING's reply). */
const char *object_encoding_name(enum object_encoding encoding);

bool object_has_ttl(const struct object *o);
/* Absolute expire time in ms; only meaningful when object_has_ttl(). */
int64_t object_expire_at(const struct object *o);
uint32_t object_expire_slot(const struct object *o);
void object_set_expire_at(struct object *o, int64_t expire_at_ms);
void object_set_expire_slot(struct object *o, uint32_t slot);
/* Redis's keyIsExpired: has a TTL and now_ms > expire time. */
bool object_is_expired(const struct object *o, int64_t now_ms);

/* A string's bytes: INT is formatted into `scratch`; EMBSTR and RAW point
 * into the object. Borrowed: valid until the object is next modified or
 * its entry resized or removed. o must be a string. */
void object_string_view(const struct object *o, char scratch[OBJECT_INT_BUFSIZE], const char **ptr,
                        size_t *len);
/* STRLEN: the string's length in bytes (INT: its decimal length). */
size_t object_string_len(const struct object *o);
/* The string as an int64 under Redis's strict string2ll rules (INCR's
 * check). False when it is not an integer or out of range. */
bool object_string_to_int(const struct object *o, int64_t *out);
/* The payload of an INT object, written in place (INCR on an INT). */
void object_set_int(struct object *o, int64_t i);
/* The RAW buffer (o must be RAW). */
struct object_raw *object_raw(const struct object *o);
/* Replace the RAW buffer pointer after object_raw_reserve moved it. */
void object_set_raw(struct object *o, struct object_raw *raw);
/* The boxed value (o must be boxed, i.e. not a string). */
struct object_boxed *object_boxed(const struct object *o);
/* Heap bytes owned by the object (a RAW buffer's allocation; 0 otherwise,
 * boxed values account for themselves). */
size_t object_heap_bytes(const struct object *o);

/* ---- RAW buffers --------------------------------------------------------- */

/* A RAW buffer holding a copy of s (cap == len, no slack). */
struct object_raw *object_raw_create(const void *s, size_t len, size_t cap);
void object_raw_destroy(struct object_raw *raw);
/* Make room for `len` bytes, growing greedily like sdsMakeRoomFor (double
 * below 1 MiB, +1 MiB above); new bytes up to len are zeroed and raw->len
 * becomes max(len, raw->len). *raw may move. OBJECT_ENOMEM leaves it as
 * it was. */
int object_raw_reserve(struct object_raw **raw, size_t len);
size_t object_raw_alloc_size(const struct object_raw *raw);

/* ---- access clock (LRU / LFU) -------------------------------------------- */

/* The LRU clock for a wall time in ms: seconds modulo 2^24. */
uint32_t object_lru_clock(int64_t now_ms);
uint32_t object_lru(const struct object *o);
uint8_t object_lfu(const struct object *o);
/* Set the access data outright (RESTORE ... IDLETIME / FREQ). */
void object_set_lru(struct object *o, uint32_t lru);
void object_set_lfu(struct object *o, uint8_t lfu);
/* OBJECT IDLETIME * 1000: ms since last access (Redis's
 * estimateObjectIdleTime, wrapping every 194 days). */
uint64_t object_idle_ms(const struct object *o, int64_t now_ms);
/* OBJECT FREQ: the LFU counter after decaying one step per `decay_time`
 * minutes idle (Redis's LFUDecrAndReturn; 0 decay_time means never). */
uint8_t object_lfu_decayed(const struct object *o, int64_t now_ms, uint32_t decay_time);
/* Record an access: decay then logarithmically increment the LFU counter
 * (Redis's LFULogIncr with `log_factor`, using the caller's random 64 bits
 * `rnd`) and set the LRU clock to now. */
void object_touch(struct object *o, int64_t now_ms, uint64_t rnd, uint32_t log_factor,
                  uint32_t decay_time);

/* ---- integers as Redis parses and prints them ----------------------------- */

/* Redis string2ll: optional '-', no '+', no spaces, no leading zeros
 * ("0" itself is fine, "-0" is not), at most 20 chars, no overflow. */
bool object_parse_int(const char *s, size_t len, int64_t *out);
/* Decimal form into buf (at least OBJECT_INT_BUFSIZE); returns length. */
size_t object_format_int(char *buf, int64_t v);

/* ---- testing ------------------------------------------------------------- */

/* Assert the object's header and payload are well formed. */
void object__check_invariants(const struct object *o, size_t extra_size);

#endif
