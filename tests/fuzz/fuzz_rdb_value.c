/*
 * fuzz_rdb_value.c - libFuzzer target for the RDB value reader
 * (core/rdb.h), the code RESTORE runs on bytes a client sends.
 *
 * An input is a DUMP payload, as redis-server's DUMP gives (the seeds are
 * such payloads, tests/data/redis_dump_payloads.h). When its version and
 * CRC64 check out, the value part is read; otherwise the whole input is
 * read as a type byte and a value, so mutations reach the decoders
 * without having to forge a checksum.
 *
 * What it checks
 *   - Reading never over-reads (libFuzzer hands over an exact-size buffer;
 *     ASan sees the rest) and never crashes, whatever the bytes.
 *   - A value read is well formed (each type's __check_invariants) and
 *     survives a round trip: Grove's DUMP of it verifies, reads back, and
 *     dumps again to the same length with the same type and encoding, and
 *     to the same bytes unless its order is a hash table's.
 */
#include "fuzz.h"

#include <string.h>

#include "hash.h"
#include "list.h"
#include "rdb.h"
#include "set.h"
#include "stream.h"
#include "zset.h"

static const struct hashmap_seed seed = {0x72646200, 0x66757a7a};
static const struct hashmap_hasher hasher = {hashmap_siphash, &seed};
static struct object_limits limits = OBJECT_LIMITS_DEFAULT;
static struct lzf_state lzf; /* zeroed: an empty table */

static int read_object(const uint8_t *data, size_t size, struct object **out)
{
    struct rdb_reader r;
    struct object_value v;
    unsigned type;
    rdb_reader_init(&r, data, size, &hasher, &limits);
    int rc = rdb_read_type(&r, &type);
    if (rc == 0)
        rc = rdb_read_value(&r, type, &v);
    if (rc == 0) {
        *out = malloc(object_size(&v, false));
        FUZZ_CHECK(*out != NULL);
        object_init(*out, &v, 0, 0, NULL);
    }
    FUZZ_CHECK(rc == 0 || r.error != NULL);
    rdb_reader_deinit(&r);
    return rc;
}

static void check_invariants(const struct object *o)
{
    object__check_invariants(o, object_used_size(o));
    if (object_type(o) == OBJECT_STRING)
        return;
    struct object_boxed *b = object_boxed(o);
    switch (object_type(o)) {
    case OBJECT_LIST:
        list__check_invariants(list_from_boxed(b));
        break;
    case OBJECT_SET:
        set__check_invariants(set_from_boxed(b));
        break;
    case OBJECT_HASH:
        hash__check_invariants(hash_from_boxed(b));
        break;
    case OBJECT_STREAM:
        stream__check_invariants(stream_from_boxed(b));
        break;
    default:
        zset__check_invariants(zset_from_boxed(b));
        break;
    }
}

static void free_object(struct object *o)
{
    object_free_payload(o);
    free(o);
}

/* Dump o, read it back, dump again: the two dumps must agree. */
static void round_trip(const struct object *o, struct lzf_state *compress)
{
    struct rdb_buf first = {0}, second = {0};
    FUZZ_CHECK(rdb_dump_payload(o, compress, &first) == 0);
    size_t value_len;
    FUZZ_CHECK(rdb_payload_verify(first.data, first.len, true, &value_len));
    struct object *back = NULL;
    FUZZ_CHECK(read_object(first.data, value_len, &back) == 0);
    check_invariants(back);
    FUZZ_CHECK(object_type(back) == object_type(o));
    FUZZ_CHECK(object_encoding(back) == object_encoding(o));
    FUZZ_CHECK(rdb_dump_payload(back, compress, &second) == 0);
    FUZZ_CHECK(first.len == second.len);
    if (object_encoding(o) != OBJECT_ENC_HASHTABLE)
        FUZZ_CHECK(memcmp(first.data, second.data, first.len) == 0);
    free_object(back);
    rdb_buf_deinit(&first);
    rdb_buf_deinit(&second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t value_len;
    if (!rdb_payload_verify(data, size, true, &value_len))
        value_len = size;
    struct object *o = NULL;
    if (read_object(data, value_len, &o) < 0)
        return 0;
    check_invariants(o);
    round_trip(o, &lzf);
    round_trip(o, NULL);
    free_object(o);
    return 0;
}
