/*
 * rdb.h - Redis 7.0's RDB value serialisation (RDB version 10): the bytes
 * that DUMP/RESTORE carry and that an RDB file holds for each key.
 *
 * Glossary
 *   RDB type    the byte before a value saying how it is serialised
 *               (RDB_TYPE_*, numbered as Redis's rdb.h). Several types
 *               exist per Redis type because each release added compact
 *               encodings; a reader must accept all of them.
 *   length      rdbSaveLen's variable-length integer: 00xxxxxx (6 bits),
 *               01xxxxxx xxxxxxxx (14 bits, big-endian), 0x80 + 4 bytes,
 *               0x81 + 8 bytes (big-endian). 11xxxxxx marks an encoded
 *               string instead (below).
 *   string      a length and bytes, or 0xC0/0xC1/0xC2 + a little-endian
 *               int8/16/32 (a string that is such an integer's decimal
 *               form), or 0xC3 + compressed length + real length + LZF
 *               bytes (rdbcompression, strings longer than 20 bytes).
 *   listpack    Redis 7's compact sequence of strings/integers (header:
 *               total bytes, count; entries with a back-length; 0xFF).
 *               Written for small hashes, zsets and list nodes.
 *   ziplist     its predecessor (Redis < 7), intset: a sorted int array,
 *               zipmap: the pre-2.6 small hash. Read only, except intset.
 *   sink        the writer's output: a callback taking bytes (a growing
 *               buffer for DUMP, a buffered file for SAVE).
 *   payload     DUMP's reply: value bytes, 2-byte RDB version (LE),
 *               CRC64 of everything before (LE).
 *
 * What is written (Redis 7.0 writes the same for the same value):
 *   string                      RDB_TYPE_STRING
 *   list                        RDB_TYPE_LIST_QUICKLIST_2, packed nodes
 *                               split as RPUSH fills them (8 KiB)
 *   set: intset / hashtable     RDB_TYPE_SET_INTSET / RDB_TYPE_SET
 *   hash: listpack / hashtable  RDB_TYPE_HASH_LISTPACK / RDB_TYPE_HASH
 *   zset: listpack / skiplist   RDB_TYPE_ZSET_LISTPACK / RDB_TYPE_ZSET_2
 * Byte-identical to redis-server's DUMP (LZF included) for strings,
 * intsets, listpack hashes and zsets, skiplist zsets (greatest first, as
 * Redis walks them) and lists built by RPUSH, however many nodes.
 * Hashtable sets and hashes hold the same bytes in Grove's map order. Not
 * tracked: an intset Redis widened for a member since removed, list nodes
 * shaped by LPUSH/LINSERT or an old RDB.
 *
 * What is read: every type above plus LIST, LIST_ZIPLIST, LIST_QUICKLIST,
 * SET_LISTPACK (7.2), HASH_ZIPMAP, HASH_ZIPLIST, ZSET (string scores),
 * ZSET_ZIPLIST. Every length, count and embedded structure is checked
 * against the input before use (Redis's deep sanitisation, always on):
 * hostile bytes give RDB_EFORMAT, never an over-read. Duplicate members
 * or fields are RDB_EFORMAT; an empty collection is RDB_EEMPTY (Redis
 * skips such keys in a file and refuses them in RESTORE). Streams and
 * module values are RDB_ETYPE, and rdb_reader.error names the type.
 *
 * Errors: actions return 0 or a negative RDB_E* code. A sink returns 0 or
 * an RDB_E* code, which the writer passes back unchanged.
 *
 * Ownership: the reader borrows its input buffer, which must outlive it
 * and every value read (an EMBSTR string value borrows from the input or
 * the reader's scratch buffer: use it before the next read). Values read
 * are owned by the caller (object_value_discard frees them). The writer
 * borrows the objects it writes.
 *
 * Allocation: the writer allocates temporary buffers per value
 * (listpack/intset blobs, LZF output) and borrows the LZF table; the
 * reader allocates the values and a scratch buffer (rdb_reader_deinit
 * frees it). No globals.
 *
 * Thread safety: none; a reader or writer is used by one thread, and the
 * objects written must not change meanwhile (the caller holds their lock).
 */
#ifndef GROVE_RDB_H
#define GROVE_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "lzf.h"
#include "object.h"

enum {
    RDB_OK = 0,
    RDB_ENOMEM = -1,
    RDB_EIO = -2,     /* for sinks: the output failed */
    RDB_EFORMAT = -3, /* malformed, truncated or inconsistent input */
    RDB_ETYPE = -4,   /* a value type Grove does not hold */
    RDB_EEMPTY = -5,  /* a collection with no elements */
    RDB_ESTOP = -6,   /* a load's progress callback asked it to stop */
    RDB_EDUP = -7,    /* a load met a key already present (rdb_file_load_hooks.no_dup) */
};

#define RDB_VERSION 10

/* An encoded string's kind, in the low bits of its 11xxxxxx marker. */
enum { RDB_ENC_INT8 = 0, RDB_ENC_INT16 = 1, RDB_ENC_INT32 = 2, RDB_ENC_LZF = 3 };

/* Value types, as Redis's rdb.h numbers them. */
enum rdb_type {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_MODULE_PRE_GA = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
    RDB_TYPE_SET_LISTPACK = 20,
    RDB_TYPE_STREAM_LISTPACKS_3 = 21,
};

/* Opcodes: bytes in a type position that are not values (Redis's rdb.h). */
enum rdb_opcode {
    RDB_OPCODE_FUNCTION2 = 245,       /* a function library's code */
    RDB_OPCODE_FUNCTION_PRE_GA = 246, /* 7.0 release candidates' format */
    RDB_OPCODE_MODULE_AUX = 247,
    RDB_OPCODE_IDLE = 248,
    RDB_OPCODE_FREQ = 249,
    RDB_OPCODE_AUX = 250,
    RDB_OPCODE_RESIZEDB = 251,
    RDB_OPCODE_EXPIRETIME_MS = 252,
    RDB_OPCODE_EXPIRETIME = 253,
    RDB_OPCODE_SELECTDB = 254,
    RDB_OPCODE_EOF = 255,
};

/* Redis's name for a type byte ("stream", "module", "list-quicklist"...),
 * for messages; "unknown" for a byte no Redis has written. */
const char *rdb_type_name(unsigned type);
/* True for a byte that starts a value (not an opcode such as 0xFE). */
bool rdb_is_value_type(unsigned type);

/* ---- writing ------------------------------------------------------------ */

typedef int (*rdb_sink_cb)(void *ud, const void *buf, size_t len);

/* lzf is the compressor's 256 KiB table, borrowed (one per file being
 * written, or per thread for DUMP); NULL means rdbcompression no. */
struct rdb_writer {
    rdb_sink_cb sink_cb;
    void *ud;
    struct lzf_state *lzf;
};

/* A growable buffer with its sink (DUMP builds its payload in one). */
struct rdb_buf {
    unsigned char *data;
    size_t len, cap;
};
int rdb_buf_sink_cb(void *ud, const void *buf, size_t len); /* ud: struct rdb_buf * */
void rdb_buf_deinit(struct rdb_buf *b);

int rdb_write_raw(struct rdb_writer *w, const void *buf, size_t len);
int rdb_write_type(struct rdb_writer *w, enum rdb_type type);
int rdb_write_opcode(struct rdb_writer *w, enum rdb_opcode op);
int rdb_write_len(struct rdb_writer *w, uint64_t len);
/* A string as rdbSaveRawString: integer form when it is one (and fits in
 * 32 bits), LZF when compressing and longer than 20 bytes and it saves at
 * least 4 bytes, else plain. */
int rdb_write_string(struct rdb_writer *w, const void *s, size_t len);
/* 8 bytes, little-endian IEEE 754 (rdbSaveBinaryDoubleValue). */
int rdb_write_binary_double(struct rdb_writer *w, double d);
/* The RDB type rdb_write_value writes for o. */
enum rdb_type rdb_object_type(const struct object *o);
/* o's value (without its type byte). */
int rdb_write_value(struct rdb_writer *w, const struct object *o);
/* DUMP's payload for o appended to *out (the caller frees it with
 * rdb_buf_deinit, also on error). */
int rdb_dump_payload(const struct object *o, struct lzf_state *lzf, struct rdb_buf *out);
/* The payload trailer (RDB version, CRC64 of everything in *out so far)
 * appended to *out: what turns serialised bytes into a DUMP-style payload
 * (FUNCTION DUMP writes its libraries, then this). */
int rdb_payload_finish(struct rdb_buf *out);

/* ---- reading ------------------------------------------------------------ */

struct rdb_reader {
    const unsigned char *start, *p, *end;
    const struct hashmap_hasher *hasher; /* for the sets, hashes and zsets read */
    const struct object_limits *limits;  /* their encoding limits, as on load */
    const char *error;                   /* why the last read failed */
    bool short_read;                     /* a read ran past the end of the input */
    char error_buf[96];
    unsigned char *scratch; /* decompressed strings */
    size_t scratch_cap;
};

/* A string read: ptr/len valid until the next read or rdb_reader_deinit. */
struct rdb_str {
    const char *ptr;
    size_t len;
    bool is_int; /* it was stored in integer form */
    char buf[OBJECT_INT_BUFSIZE];
};

/* hasher and limits are borrowed for the values read (NULL when only
 * strings and primitives are read). */
void rdb_reader_init(struct rdb_reader *r, const void *buf, size_t len,
                     const struct hashmap_hasher *hasher, const struct object_limits *limits);
void rdb_reader_deinit(struct rdb_reader *r);
/* Bytes consumed so far (for messages naming an offset). */
size_t rdb_reader_offset(const struct rdb_reader *r);
size_t rdb_reader_remaining(const struct rdb_reader *r);

int rdb_read_bytes(struct rdb_reader *r, void *out, size_t len);
/* The next type byte: a value type (enum rdb_type) or an opcode. */
int rdb_read_type(struct rdb_reader *r, unsigned *type);
/* A length; *encoded (may be NULL) tells an encoded-string marker
 * (11xxxxxx) apart, whose low 6 bits are then returned in *len. */
int rdb_read_len(struct rdb_reader *r, uint64_t *len, bool *encoded);
int rdb_read_string(struct rdb_reader *r, struct rdb_str *s);
int rdb_read_binary_double(struct rdb_reader *r, double *d);
/* A value of `type` as a planned object (encoding as Redis 7.0 would
 * report it after loading). */
int rdb_read_value(struct rdb_reader *r, unsigned type, struct object_value *v);

/* RESTORE's check of a payload: at least 10 bytes, version <= RDB_VERSION,
 * CRC64 matching unless !check_crc (DEBUG SET-SKIP-CHECKSUM-VALIDATION).
 * On success *value_len is the length of the value part. */
bool rdb_payload_verify(const void *payload, size_t len, bool check_crc, size_t *value_len);

#endif
