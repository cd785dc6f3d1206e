/*
 * rdb_file.h - a whole RDB file (Redis 7.0, RDB version 10): the framing
 * around the values of rdb.h.
 *
 * Layout (what Grove writes; what redis-server 7.0 writes for the same data)
 *   "REDIS0010"
 *   AUX redis-ver 7.0.15, redis-bits, ctime, used-mem,
 *       [repl-stream-db, repl-id, repl-offset], aof-base 0
 *   FUNCTION2 <library code>          per library (written by the caller)
 *   per non-empty database:
 *     SELECTDB <index>  RESIZEDB <keys> <keys with a TTL>
 *     per key: [EXPIRETIME_MS <8 bytes LE>] <type> <key> <value>
 *   EOF
 *   CRC64 of everything before, 8 bytes LE (zero when rdbchecksum no,
 *   which tells readers not to check, as Redis).
 *
 * Reading accepts versions 1..10 and, besides the above, EXPIRETIME
 * (seconds), IDLE and FREQ (read, not kept), RESIZEDB anywhere (its key
 * count presizes the database's shard maps), any AUX
 * field. Refused with a message: a version above 10, a database index
 * beyond the keyspace's, module values and module aux data, streams, the
 * pre-GA function format, a checksum that does not match, anything
 * truncated or malformed. Keys whose time is past are skipped (as a
 * master loads), and so are empty collections (as Redis).
 *
 * Errors: actions return 0 or a negative RDB_E* code (rdb.h); a failed
 * load leaves a message naming the offset in rdb_file_load_result.error.
 *
 * Thread safety: one thread per writer or load. Writing a database needs
 * every shard of it held (keyspace.h [held]); loading locks one shard at
 * a time to insert each key.
 */
#ifndef GROVE_RDB_FILE_H
#define GROVE_RDB_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyspace.h"
#include "rdb.h"

/* ---- writing ------------------------------------------------------------- */

/* Wraps the caller's sink: everything written through `w` reaches it and
 * is added to the running checksum. */
struct rdb_file_writer {
    struct rdb_writer w;
    rdb_sink_cb sink_cb;
    void *ud;
    bool checksum;
    uint64_t crc;
    /* Called after each key (NULL: nothing): where Redis's rdb-key-save-delay,
     * a test knob, slows a save down. */
    void (*key_written)(void *ud);
    void *key_written_ud;
};

struct rdb_file_aux {
    const char *redis_ver;
    int64_t ctime;    /* seconds since the epoch */
    int64_t used_mem; /* bytes */
    /* The replication history the data is a copy of, as Redis's
     * rdbPopulateSaveInfo gives it (a replica, or a master with a
     * backlog); written only when has_repl:
     *   repl_stream_db  the database the stream has selected at the
     *                   snapshot: a replica's replica applies what
     *                   follows it there (repl-stream-db);
     *   repl_id, repl_offset  the history and the stream offset the data
     *                   stands at: a server restarted from the file can
     *                   continue from there (repl-id, repl-offset). */
    bool has_repl;
    int repl_stream_db;
    char repl_id[41];
    long long repl_offset;
};

/* lzf: borrowed compressor table, NULL for rdbcompression no. */
void rdb_file_writer_init(struct rdb_file_writer *fw, rdb_sink_cb sink_cb, void *ud,
                          struct lzf_state *lzf, bool checksum);
/* The magic, the version and the aux fields. */
int rdb_file_write_header(struct rdb_file_writer *fw, const struct rdb_file_aux *aux);
/* [held: every shard of database `index`] its keys; nothing when it is
 * empty. */
int rdb_file_write_db(struct rdb_file_writer *fw, struct keyspace *ks, unsigned index);
/* EOF and the checksum. */
int rdb_file_write_end(struct rdb_file_writer *fw);

/* ---- reading ------------------------------------------------------------- */

/* A function library's code met in the file (FUNCTION2): 0, or non-zero
 * to stop loading (the callback explains why in err). */
typedef int (*rdb_file_function_cb)(const char *code, size_t len, char *err, size_t cap,
                                    void *ud);

struct rdb_file_load_result {
    uint64_t keys_loaded;
    uint64_t keys_expired; /* skipped: their time was past */
    uint64_t keys_empty;   /* skipped: their value was empty (an old Redis bug wrote some) */
    size_t consumed;       /* bytes read up to the checksum's end (an old
                              RDB-preamble AOF goes on with commands) */
    int repl_stream_db;    /* the file's repl-stream-db, -1 when it has none */
    char repl_id[41];      /* its repl-id, "" when none (or not 40 characters) */
    long long repl_offset; /* its repl-offset, -1 when none */
    char error[384];       /* why a load failed: a sentence and a reason of up to 200 */
};

/* What a load may be asked to do besides inserting keys. */
struct rdb_file_load_hooks {
    rdb_file_function_cb function_cb; /* FUNCTION2 records; NULL: skipped */
    /* After each key read (inserted or skipped): `offset` is the bytes
     * consumed so far. 0 to go on; non-zero stops the load (RDB_ESTOP). */
    int (*progress_cb)(size_t offset, void *ud);
    /* An empty value's key, skipped (may be NULL). */
    void (*empty_key_cb)(const char *key, size_t len, void *ud);
    /* A key already in ks fails the load (RDB_EDUP), as Redis's loads
     * without RDBFLAGS_ALLOW_DUP; otherwise the file's value replaces it. */
    bool no_dup;
    void *ud; /* for the callbacks */
};

/* Load the file in buf into ks (adding to what it holds; a key present
 * twice keeps the last value). hasher and limits: for the sets, hashes
 * and zsets read (their members, their encodings as Redis picks them on
 * load). checksum: verify the trailer (rdbchecksum).
 * On failure the keys loaded so far stay, res->error says why.
 * RDB_ETYPE: a type Grove does not hold, named in res->error. */
int rdb_file_load(const void *buf, size_t len, struct keyspace *ks,
                  const struct hashmap_hasher *hasher, const struct object_limits *limits,
                  int64_t now_ms, bool checksum, rdb_file_function_cb function_cb, void *ud,
                  struct rdb_file_load_result *res);
/* The same with every hook (hooks may be NULL). */
int rdb_file_load_with(const void *buf, size_t len, struct keyspace *ks,
                       const struct hashmap_hasher *hasher, const struct object_limits *limits,
                       int64_t now_ms, bool checksum, const struct rdb_file_load_hooks *hooks,
                       struct rdb_file_load_result *res);

#endif
