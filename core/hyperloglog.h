/*
 * hyperloglog.h - Redis's HyperLogLog, byte for byte: the string layout,
 * the hash, the register updates, the sparse -> dense promotion and the
 * cardinality estimate of Redis 7.0 (PFADD PFCOUNT PFMERGE PFDEBUG).
 *
 * Glossary
 *   HLL       a string value: a 16-byte header then the registers, in
 *             one of two encodings. Strings made by Redis and by Grove are
 *             the same bytes and move freely between the two.
 *   header    "HYLL", the encoding byte (0 dense, 1 sparse), 3 unused
 *             bytes (copied, never interpreted), then the cached
 *             cardinality: 8 bytes little endian whose top bit set means
 *             "stale, count again".
 *   register  one of 16384 counters (6 bits): the longest run of zero bits
 *             (plus one) seen in the hashes that picked this register.
 *   dense     the registers packed 6 bits each, least significant bits
 *             first: 12288 bytes, 12304 with the header.
 *   sparse    run-length opcodes: ZERO (00xxxxxx: 1..64 zero registers),
 *             XZERO (01xxxxxx yyyyyyyy: 1..16384 zero registers), VAL
 *             (1vvvvvxx: 1..4 registers of value 1..32). Valid only when
 *             the opcodes cover exactly 16384 registers.
 *   promote   rewrite a sparse HLL as dense: when a register needs a value
 *             above 32, or an update would make it longer than the
 *             caller's max_bytes (hll-sparse-max-bytes).
 *
 * Errors: HLL_OK (0) or a negative HLL_E* code; predicates return bool.
 * Pure functions on caller-owned memory, no state, any thread; only
 * hll_selftest allocates (its scratch, freed before it returns). Nothing
 * reads or writes outside the `len` (and `cap`) bytes it is given,
 * whatever those bytes are; corrupt strings get Redis 7.0.15's answers.
 */
#ifndef GROVE_HYPERLOGLOG_H
#define GROVE_HYPERLOGLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define HLL_P 14                             /* index bits of the hash */
#define HLL_REGISTERS (1u << HLL_P)          /* 16384 */
#define HLL_BITS 6                           /* per dense register */
#define HLL_HDR_SIZE 16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_SPARSE_EMPTY_SIZE (HLL_HDR_SIZE + 2) /* one XZERO:16384 */
#define HLL_SPARSE_MAX_VALUE 32              /* the largest value a VAL holds */
/* The longest valid sparse HLL: every opcode covers at least one register. */
#define HLL_SPARSE_BOUND (HLL_HDR_SIZE + HLL_REGISTERS)
#define HLL_SPARSE_MAX_BYTES_DEFAULT 3000    /* hll-sparse-max-bytes */

enum hll_encoding { HLL_DENSE = 0, HLL_SPARSE = 1 };

enum {
    HLL_OK = 0,
    HLL_ECORRUPT = -1, /* sparse opcodes that do not cover the registers */
    HLL_EPROMOTE = -2, /* the update needs the dense encoding: convert, retry */
    HLL_ENOROOM = -3,  /* the sparse update needs 3 bytes of room past len */
    HLL_ENOMEM = -4,
    HLL_EFAILED = -5,  /* PFSELFTEST found a fault */
};

/* ---- the header ------------------------------------------------------------ */

/* Redis's test of "a valid HyperLogLog string": at least a header, the
 * magic, a known encoding, and a dense one exactly HLL_DENSE_SIZE long.
 * (A sparse one's opcodes are checked when they are read.) */
bool hll_is_valid(const uint8_t *p, size_t len);
/* The encoding of a valid HLL. */
enum hll_encoding hll_encoding_of(const uint8_t *p);
/* The cached cardinality, when it is not stale. */
bool hll_cached(const uint8_t *p, uint64_t *card);
/* Store a freshly computed cardinality (below 2^63: the cache is valid). */
void hll_cache_store(uint8_t *p, uint64_t card);
/* Mark the cached cardinality stale. */
void hll_cache_invalidate(uint8_t *p);

/* An empty HLL as PFADD and PFMERGE create it: sparse, XZERO:16384,
 * cardinality 0 (valid). */
void hll_init_empty(uint8_t out[HLL_SPARSE_EMPTY_SIZE]);

/* ---- adding ------------------------------------------------------------------ */

/* Redis's MurmurHash64A, endian-neutral. */
uint64_t hll_murmur64a(const void *key, size_t len, uint64_t seed);
/* The register an element picks (*index) and the value it offers there
 * (1..51): the hash with Redis's seed, as hllPatLen. */
unsigned hll_pattern(const void *ele, size_t len, unsigned *index);

/* Raise register `index` of the valid HLL p (*len bytes, cap bytes of
 * room) to `count` if it is lower, as Redis's hllDenseSet/hllSparseSet.
 * Returns 1 when it changed (the cache is then stale), 0 when not, or,
 * with p left as it was: HLL_EPROMOTE (convert to dense, then retry),
 * HLL_ENOROOM (make cap at least *len + 3, then retry) or HLL_ECORRUPT.
 * Only a sparse HLL changes length, and never beyond max_bytes. */
int hll_set(uint8_t *p, size_t *len, size_t cap, unsigned index, unsigned count,
            size_t max_bytes);
/* The value of register `index` of the valid HLL p, or HLL_ECORRUPT. */
int hll_register(const uint8_t *p, size_t len, unsigned index);

/* The dense form of the valid sparse HLL p into `dense` (HLL_DENSE_SIZE bytes,
 * not overlapping p): the header is kept (cached cardinality included)
 * but for the encoding. HLL_OK, or HLL_ECORRUPT as Redis's
 * hllSparseToDense. */
int hll_to_dense(const uint8_t *p, size_t len, uint8_t *dense);

/* ---- counting and merging ----------------------------------------------- */

/* The cardinality estimate of the valid HLL p (Redis's hllCount: Ertl's
 * improved estimator), ignoring the cache. HLL_OK or HLL_ECORRUPT. */
int hll_count(const uint8_t *p, size_t len, uint64_t *card);
/* max[i] = MAX(max[i], register i of the valid HLL p), as Redis's
 * hllMerge. HLL_OK or HLL_ECORRUPT (max then partly merged). */
int hll_merge(uint8_t max[HLL_REGISTERS], const uint8_t *p, size_t len);
/* The estimate for registers held one per byte (values up to 63). */
uint64_t hll_count_registers(const uint8_t max[HLL_REGISTERS]);

/* ---- debugging ------------------------------------------------------------- */

/* PFDEBUG DECODE: the opcodes of a sparse HLL as text ("Z:16384",
 * "z:3 v:2,1 ..."), into out (cap bytes, not NUL-terminated). Returns the
 * full length, which may exceed cap (call with cap 0 to size the
 * buffer); at most 8 bytes per opcode byte. */
size_t hll_decode(const uint8_t *p, size_t len, char *out, size_t cap);

/* PFSELFTEST: register access on random values, then ten million adds to
 * a dense and a sparse HLL side by side (sparse promoted past max_bytes),
 * checking they agree and that the estimate stays within six standard
 * errors. HLL_OK, HLL_EFAILED with Redis's "TESTFAILED ..." text in err,
 * or HLL_ENOMEM (it needs about 60 KB). */
int hll_selftest(rng_fn rand64, void *ud, size_t max_bytes, char *err, size_t errcap);

#endif
