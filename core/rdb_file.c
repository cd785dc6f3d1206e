/*
 * rdb_file.c - the framing of a whole RDB file; see rdb_file.h for the
 * layout.
 *
 * Writing: every byte goes through crc_sink_cb, which adds it to the
 * running CRC64 and hands it to the caller's sink, so the checksum is
 * computed in the same pass as the output (as Redis's rio does).
 *
 * Reading: the file is one buffer (the caller maps or reads it); the
 * loader walks opcodes with rdb.h's reader, which checks every length
 * against the end, so a truncated file fails where it ends. The checksum
 * is verified last, over the bytes up to EOF, as Redis does: a key is
 * inserted before the file is known to be intact, and the caller refuses
 * to go on when the load fails.
 */
#include "rdb_file.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"

#define RDB_MAGIC "REDIS"
#define RDB_MAGIC_LEN 5
#define RDB_HEADER_LEN 9 /* magic + 4 version digits */
#define RDB_CHECKSUM_SINCE 5 /* the first version with a CRC64 trailer */

/* ==== writing ================================================================= */

static int crc_sink_cb(void *ud, const void *buf, size_t len)
{
    struct rdb_file_writer *fw = ud;

    if (fw->checksum)
        fw->crc = crc64(fw->crc, buf, len);
    return fw->sink_cb(fw->ud, buf, len);
}

void rdb_file_writer_init(struct rdb_file_writer *fw, rdb_sink_cb sink_cb, void *ud,
                          struct lzf_state *lzf, bool checksum)
{
    *fw = (struct rdb_file_writer){.w = {.sink_cb = crc_sink_cb, .ud = fw, .lzf = lzf},
                                   .sink_cb = sink_cb, .ud = ud, .checksum = checksum};
}

static int write_aux(struct rdb_file_writer *fw, const char *key, const char *value)
{
    int rc = rdb_write_opcode(&fw->w, RDB_OPCODE_AUX);

    if (rc == 0)
        rc = rdb_write_string(&fw->w, key, strlen(key));
    if (rc == 0)
        rc = rdb_write_string(&fw->w, value, strlen(value));
    return rc;
}

/* rdbSaveAuxFieldStrInt: the integer's decimal form, which the string
 * writer then stores in integer form. */
static int write_aux_int(struct rdb_file_writer *fw, const char *key, long long value)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "%lld", value);
    return write_aux(fw, key, buf);
}

int rdb_file_write_header(struct rdb_file_writer *fw, const struct rdb_file_aux *aux)
{
    char magic[RDB_HEADER_LEN + 1];
    int rc;

    snprintf(magic, sizeof(magic), RDB_MAGIC "%04d", RDB_VERSION);
    rc = rdb_write_raw(&fw->w, magic, RDB_HEADER_LEN);
    if (rc == 0)
        rc = write_aux(fw, "redis-ver", aux->redis_ver);
    if (rc == 0)
        rc = write_aux_int(fw, "redis-bits", (long long)sizeof(void *) * 8);
    if (rc == 0)
        rc = write_aux_int(fw, "ctime", aux->ctime);
    if (rc == 0)
        rc = write_aux_int(fw, "used-mem", aux->used_mem);
    if (rc == 0 && aux->has_repl)
        rc = write_aux_int(fw, "repl-stream-db", aux->repl_stream_db);
    if (rc == 0 && aux->has_repl)
        rc = write_aux(fw, "repl-id", aux->repl_id);
    if (rc == 0 && aux->has_repl)
        rc = write_aux_int(fw, "repl-offset", aux->repl_offset);
    if (rc == 0)
        rc = write_aux_int(fw, "aof-base", 0);
    return rc;
}

static int write_key_cb(const char *key, size_t len, const struct object *obj, int64_t expire_at,
                        void *ud)
{
    struct rdb_file_writer *fw = ud;
    unsigned char ms[8];
    int rc = 0;

    if (expire_at != KEYSPACE_TTL_NONE) {
        for (int i = 0; i < 8; i++)
            ms[i] = (unsigned char)((uint64_t)expire_at >> (8 * i));
        rc = rdb_write_opcode(&fw->w, RDB_OPCODE_EXPIRETIME_MS);
        if (rc == 0)
            rc = rdb_write_raw(&fw->w, ms, sizeof(ms));
    }
    if (rc == 0)
        rc = rdb_write_type(&fw->w, rdb_object_type(obj));
    if (rc == 0)
        rc = rdb_write_string(&fw->w, key, len);
    if (rc == 0)
        rc = rdb_write_value(&fw->w, obj);
    if (rc == 0 && fw->key_written != NULL)
        fw->key_written(fw->key_written_ud);
    return rc;
}

/* RESIZEDB's figures: keys in db and those with a TTL. */
static void db_sizes(struct keyspace *ks, struct keyspace_db *db, size_t *keys, size_t *expires)
{
    *keys = *expires = 0;
    for (unsigned i = 0; i < keyspace_shards_per_db(ks); i++) {
        size_t k, e;

        keyspace_shard_sizes(keyspace_db_shard(db, i), &k, &e);
        *keys += k;
        *expires += e;
    }
}

int rdb_file_write_db(struct rdb_file_writer *fw, struct keyspace *ks, unsigned index)
{
    struct keyspace_db *db = keyspace_db(ks, index);
    size_t keys, expires;
    int rc;

    db_sizes(ks, db, &keys, &expires);
    if (keys == 0)
        return 0;
    rc = rdb_write_opcode(&fw->w, RDB_OPCODE_SELECTDB);
    if (rc == 0)
        rc = rdb_write_len(&fw->w, index);
    if (rc == 0)
        rc = rdb_write_opcode(&fw->w, RDB_OPCODE_RESIZEDB);
    if (rc == 0)
        rc = rdb_write_len(&fw->w, keys);
    if (rc == 0)
        rc = rdb_write_len(&fw->w, expires);
    for (unsigned i = 0; rc == 0 && i < keyspace_shards_per_db(ks); i++)
        rc = keyspace_shard_foreach(keyspace_db_shard(db, i), write_key_cb, fw);
    return rc;
}

int rdb_file_write_end(struct rdb_file_writer *fw)
{
    unsigned char crc[8];
    int rc = rdb_write_opcode(&fw->w, RDB_OPCODE_EOF);

    for (int i = 0; i < 8; i++)
        crc[i] = (unsigned char)(fw->crc >> (8 * i));
    if (rc == 0) /* straight to the caller's sink: the checksum is not summed */
        rc = fw->sink_cb(fw->ud, crc, sizeof(crc));
    return rc;
}

/* ==== reading ================================================================= */

struct load {
    struct rdb_reader r;
    struct keyspace *ks;
    int64_t now_ms;
    unsigned db;
    int version;       /* the header's */
    int64_t expire_at; /* of the next key, KEYSPACE_TTL_NONE if none */
    struct rdb_file_load_hooks hooks;
    struct rdb_file_load_result *res;
};

static int load_fail(struct load *l, int rc, const char *why)
{
    if (rc == RDB_ENOMEM || l->r.short_read)
        snprintf(l->res->error, sizeof(l->res->error),
                 "Short read or OOM loading DB. Unrecoverable error, aborting now. "
                 "(offset %zu: %s)", rdb_reader_offset(&l->r), why);
    else if (rc == RDB_ETYPE)
        snprintf(l->res->error, sizeof(l->res->error),
                 "Grove cannot load this file: it holds a type Grove does not have (%s) at "
                 "offset %zu", why, rdb_reader_offset(&l->r));
    else
        snprintf(l->res->error, sizeof(l->res->error),
                 "Internal error in RDB reading offset %zu -> %s", rdb_reader_offset(&l->r), why);
    return rc;
}

static int read_le(struct load *l, unsigned n, uint64_t *out)
{
    unsigned char b[8];
    int rc = rdb_read_bytes(&l->r, b, n);

    *out = 0;
    for (unsigned i = 0; rc == 0 && i < n; i++)
        *out |= (uint64_t)b[i] << (8 * i);
    return rc;
}

static int load_header(struct load *l)
{
    char magic[RDB_HEADER_LEN + 1] = {0};
    int version = 0;

    if (rdb_read_bytes(&l->r, magic, RDB_HEADER_LEN) < 0 ||
        memcmp(magic, RDB_MAGIC, RDB_MAGIC_LEN) != 0)
        return load_fail(l, RDB_EFORMAT, "Wrong signature trying to load DB from file");
    for (int i = RDB_MAGIC_LEN; i < RDB_HEADER_LEN; i++) {
        if (magic[i] < '0' || magic[i] > '9')
            return load_fail(l, RDB_EFORMAT, "Wrong signature trying to load DB from file");
        version = version * 10 + magic[i] - '0';
    }
    if (version < 1 || version > RDB_VERSION) {
        char why[64];

        snprintf(why, sizeof(why), "Can't handle RDB format version %d", version);
        return load_fail(l, RDB_EFORMAT, why);
    }
    l->version = version;
    return 0;
}

/* Redis's words for a duplicate it refuses. */
static int load_dup(struct load *l, const char *key, size_t len)
{
    snprintf(l->res->error, sizeof(l->res->error), "RDB has duplicated key '%.*s' in DB %u",
             (int)(len > 128 ? 128 : len), key, l->db);
    return RDB_EDUP;
}

/* A key and its value, inserted unless expired or empty. */
static int load_key(struct load *l, unsigned type)
{
    struct rdb_str key;
    struct object_value v;
    struct keyspace_key k;
    struct keyspace_shard *sh;
    int rc = rdb_read_string(&l->r, &key);
    char *copy;

    if (rc < 0)
        return load_fail(l, rc, l->r.error);
    /* The key's bytes live in the reader's scratch buffer, which reading
     * the value may reuse. */
    copy = malloc(key.len ? key.len : 1);
    if (!copy)
        return load_fail(l, RDB_ENOMEM, "out of memory");
    memcpy(copy, key.ptr, key.len);
    rc = rdb_read_value(&l->r, type, &v);
    if (rc == RDB_EEMPTY || (rc == 0 && l->expire_at != KEYSPACE_TTL_NONE &&
                             l->expire_at < l->now_ms)) {
        if (rc == 0) {
            object_value_discard(&v);
            l->res->keys_expired++;
        } else {
            l->res->keys_empty++;
            if (l->hooks.empty_key_cb)
                l->hooks.empty_key_cb(copy, key.len, l->hooks.ud);
        }
        free(copy);
        return 0;
    }
    if (rc < 0) {
        free(copy);
        return load_fail(l, rc, l->r.error);
    }
    keyspace_key_init(l->ks, &k, copy, key.len);
    sh = keyspace_shard_of(keyspace_db(l->ks, l->db), &k);
    keyspace_shard_lock(sh);
    if (l->hooks.no_dup && keyspace_find(sh, &k, l->now_ms, KEYSPACE_LOOKUP_NOTOUCH)) {
        keyspace_shard_unlock(sh);
        object_value_discard(&v);
        rc = load_dup(l, copy, key.len);
        free(copy);
        return rc;
    }
    rc = keyspace_set_value(sh, &k, &v, l->expire_at, l->now_ms, NULL);
    keyspace_shard_unlock(sh);
    free(copy);
    if (rc < 0)
        return load_fail(l, RDB_ENOMEM, "out of memory");
    l->res->keys_loaded++;
    return 0;
}


static int load_function(struct load *l)
{
    struct rdb_str code;
    char err[200];
    int rc = rdb_read_string(&l->r, &code);

    if (rc < 0)
        return load_fail(l, rc, l->r.error);
    if (l->hooks.function_cb &&
        l->hooks.function_cb(code.ptr, code.len, err, sizeof(err), l->hooks.ud) != 0)
        return load_fail(l, RDB_EFORMAT, err);
    return 0;
}

/* An aux field's value as a non-negative decimal integer, or -1. */
static long long aux_number(const struct rdb_str *value)
{
    char text[24], *end;

    if (value->len == 0 || value->len >= sizeof(text))
        return -1;
    memcpy(text, value->ptr, value->len);
    text[value->len] = '\0';
    long long n = strtoll(text, &end, 10);
    return *end == '\0' && n >= 0 ? n : -1;
}

static bool aux_is(const struct rdb_str *key, const char *name)
{
    return key->len == strlen(name) && memcmp(key->ptr, name, key->len) == 0;
}

/* An aux field: only the replication ones are used (the rest say who
 * wrote the file and when). */
static int load_aux(struct load *l)
{
    struct rdb_str key, value;
    int rc;

    if ((rc = rdb_read_string(&l->r, &key)) < 0)
        return load_fail(l, rc, l->r.error);
    /* The key's bytes live in the reader's scratch buffer, which reading
     * the value may reuse: decide which field it is first. */
    enum { OTHER, STREAM_DB, ID, OFFSET } field = aux_is(&key, "repl-stream-db") ? STREAM_DB
                                                : aux_is(&key, "repl-id")        ? ID
                                                : aux_is(&key, "repl-offset")    ? OFFSET
                                                                                 : OTHER;
    if ((rc = rdb_read_string(&l->r, &value)) < 0)
        return load_fail(l, rc, l->r.error);
    long long n = field == STREAM_DB || field == OFFSET ? aux_number(&value) : -1;
    if (field == STREAM_DB && n <= INT_MAX)
        l->res->repl_stream_db = (int)n;
    else if (field == OFFSET)
        l->res->repl_offset = n;
    else if (field == ID && value.len == 40) {
        memcpy(l->res->repl_id, value.ptr, 40);
        l->res->repl_id[40] = '\0';
    }
    return 0;
}

/* The opcodes that frame keys. */
static int load_opcode(struct load *l, unsigned op)
{
    uint64_t a, b;
    int rc;

    switch (op) {
    case RDB_OPCODE_SELECTDB:
        if ((rc = rdb_read_len(&l->r, &a, NULL)) < 0)
            return load_fail(l, rc, l->r.error);
        if (a >= keyspace_databases(l->ks))
            return load_fail(l, RDB_EFORMAT, "FATAL: Data file was created with a Redis "
                                             "server configured to handle more databases");
        l->db = (unsigned)a;
        return 0;
    case RDB_OPCODE_RESIZEDB:
        if ((rc = rdb_read_len(&l->r, &a, NULL)) < 0 || (rc = rdb_read_len(&l->r, &b, NULL)) < 0)
            return load_fail(l, rc, l->r.error);
        /* Presize for the keys announced - no more than the bytes left
         * could hold (a key and its value take at least 3), so a lying
         * file cannot make us allocate much. */
        b = (uint64_t)(l->r.end - l->r.p) / 3;
        keyspace_db_reserve(keyspace_db(l->ks, l->db), a < b ? a : b);
        return 0;
    case RDB_OPCODE_EXPIRETIME_MS:
        if ((rc = read_le(l, 8, &a)) < 0)
            return load_fail(l, rc, "truncated expire time");
        l->expire_at = (int64_t)a;
        return 0;
    case RDB_OPCODE_EXPIRETIME:
        if ((rc = read_le(l, 4, &a)) < 0)
            return load_fail(l, rc, "truncated expire time");
        l->expire_at = (int64_t)(int32_t)a * 1000;
        return 0;
    case RDB_OPCODE_IDLE:
        if ((rc = rdb_read_len(&l->r, &a, NULL)) < 0)
            return load_fail(l, rc, l->r.error);
        return 0;
    case RDB_OPCODE_FREQ:
        if ((rc = read_le(l, 1, &a)) < 0)
            return load_fail(l, rc, "truncated LFU frequency");
        return 0;
    case RDB_OPCODE_AUX:
        return load_aux(l);
    case RDB_OPCODE_FUNCTION2:
        return load_function(l);
    case RDB_OPCODE_FUNCTION_PRE_GA:
        return load_fail(l, RDB_ETYPE, "pre-GA function format");
    case RDB_OPCODE_MODULE_AUX:
        return load_fail(l, RDB_ETYPE, "module aux data");
    default:
        return load_fail(l, RDB_EFORMAT, "Unknown RDB encoding type");
    }
}

/* RDB_CHECKSUM_SINCE: files of older versions (Redis 2.4 and before)
 * end at their EOF opcode. */
static int load_checksum(struct load *l, bool checksum)
{
    size_t covered = rdb_reader_offset(&l->r);
    uint64_t stored;
    char why[128];

    if (l->version < RDB_CHECKSUM_SINCE)
        return 0;
    if (read_le(l, 8, &stored) < 0)
        return load_fail(l, RDB_EFORMAT, "missing checksum");
    if (!checksum || stored == 0) /* saved with rdbchecksum no */
        return 0;
    uint64_t crc = crc64(0, l->r.start, covered);
    if (crc == stored)
        return 0;
    /* Redis's words and order (computed, then stored), then its "RDB CRC
     * error", which harnesses look for. */
    snprintf(why, sizeof(why),
             "Wrong RDB checksum expected: (%llx) but got (%llx). Aborting now. RDB CRC error",
             (unsigned long long)crc, (unsigned long long)stored);
    return load_fail(l, RDB_EFORMAT, why);
}

/* The caller's progress hook after a key. */
static int key_done(struct load *l)
{
    if (l->hooks.progress_cb && l->hooks.progress_cb(rdb_reader_offset(&l->r), l->hooks.ud)) {
        snprintf(l->res->error, sizeof(l->res->error), "loading stopped at offset %zu",
                 rdb_reader_offset(&l->r));
        return RDB_ESTOP;
    }
    return 0;
}

int rdb_file_load(const void *buf, size_t len, struct keyspace *ks,
                  const struct hashmap_hasher *hasher, const struct object_limits *limits,
                  int64_t now_ms, bool checksum, rdb_file_function_cb function_cb, void *ud,
                  struct rdb_file_load_result *res)
{
    struct rdb_file_load_hooks hooks = {.function_cb = function_cb, .ud = ud};
    return rdb_file_load_with(buf, len, ks, hasher, limits, now_ms, checksum, &hooks, res);
}

int rdb_file_load_with(const void *buf, size_t len, struct keyspace *ks,
                       const struct hashmap_hasher *hasher, const struct object_limits *limits,
                       int64_t now_ms, bool checksum, const struct rdb_file_load_hooks *hooks,
                       struct rdb_file_load_result *res)
{
    struct load l = {.ks = ks, .now_ms = now_ms, .expire_at = KEYSPACE_TTL_NONE, .res = res};
    unsigned type;
    int rc;

    *res = (struct rdb_file_load_result){.repl_stream_db = -1, .repl_offset = -1};
    if (hooks)
        l.hooks = *hooks;
    rdb_reader_init(&l.r, buf, len, hasher, limits);
    rc = load_header(&l);
    while (rc == 0) {
        if ((rc = rdb_read_type(&l.r, &type)) < 0) {
            rc = load_fail(&l, rc, l.r.error);
        } else if (type == RDB_OPCODE_EOF) {
            break;
        } else if (rdb_is_value_type(type)) {
            if ((rc = load_key(&l, type)) == 0)
                rc = key_done(&l);
            l.expire_at = KEYSPACE_TTL_NONE;
        } else {
            rc = load_opcode(&l, type);
        }
    }
    if (rc == 0)
        rc = load_checksum(&l, checksum);
    res->consumed = rdb_reader_offset(&l.r);
    rdb_reader_deinit(&l.r);
    return rc;
}
