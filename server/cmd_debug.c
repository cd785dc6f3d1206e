/*
 * cmd_debug.c - DEBUG, Redis 7.0's debug.c as far as Grove has the parts:
 * the commands test harnesses use to check a server (RELOAD's round trip,
 * DIGEST, OBJECT, SLEEP, SET-ACTIVE-EXPIRE, PROTOCOL...) and to crash it
 * on purpose (SEGFAULT, PANIC).
 *
 * Who may run it: enable-debug-command (no, yes, local; start-up only, as
 * Redis): the dispatcher refuses DEBUG (CMD_PROTECTED) otherwise, with
 * Redis's text, before authentication.
 *
 * The digest is Redis 7.0's computeDatasetDigest, bit for bit, so the same
 * dataset gives the same hex in Grove and in redis-server: per key, SHA1
 * mixes of the key, the type, the elements (in order for lists and
 * strings; xor-ed, so in any order, for sets, hashes and zsets) and a mark
 * when there is a TTL; the keys xor-ed together, each non-empty database
 * mixed in by its index. Logically expired keys not yet reclaimed count,
 * as in Redis.
 *
 * Redis subcommands that show or tune structures Grove does not have
 * (quicklists, listpacks, reply buffers, jemalloc) answer an error naming
 * them rather than a made-up figure.
 *
 * Locking: DEBUG is CMD_SELF_LOCK; each subcommand takes the shards it
 * reads (DIGEST and SLEEP hold all of them).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "aof.h"
#include "command.h"
#include "config.h"
#include "cron.h"
#include "function.h"
#include "glob.h"
#include "hash.h"
#include "keyspace.h"
#include "list.h"
#include "loading.h"
#include "log.h"
#include "propagate.h"
#include "rdb.h"
#include "script.h"
#include "server.h"
#include "set.h"
#include "stream.h"
#include "tracking.h"
#include "sha1.h"
#include "snapshot.h"
#include "zset.h"

#define DIGEST_LEN 20

/* ==== the digest (Redis 7.0's debug.c) ====================================== */

/* xorDigest: digest ^= SHA1(data). */
static void xor_digest(unsigned char *digest, const void *data, size_t len)
{
    unsigned char hash[DIGEST_LEN];
    struct sha1 ctx;
    sha1_init(&ctx);
    sha1_update(&ctx, data, len);
    sha1_final(&ctx, hash);
    for (int i = 0; i < DIGEST_LEN; i++)
        digest[i] ^= hash[i];
}

/* mixDigest: digest = SHA1(digest ^ SHA1(data)), so order matters. */
static void mix_digest(unsigned char *digest, const void *data, size_t len)
{
    struct sha1 ctx;
    xor_digest(digest, data, len);
    sha1_init(&ctx);
    sha1_update(&ctx, digest, DIGEST_LEN);
    sha1_final(&ctx, digest);
}

/* An element pair (hash field and value, zset member and score) mixed on
 * its own, then xor-ed in: pairs count in any order. */
static void xor_pair(unsigned char *digest, const void *a, size_t alen, const void *b,
                     size_t blen)
{
    unsigned char ele[DIGEST_LEN] = {0};
    mix_digest(ele, a, alen);
    mix_digest(ele, b, blen);
    xor_digest(digest, ele, DIGEST_LEN);
}

static void digest_list(unsigned char *digest, const struct list *l)
{
    struct list_iter it;
    struct list_entry e;
    list_iter_init(&it, l, 0, false);
    while (list_iter_next(&it, &e))
        mix_digest(digest, e.ptr, e.len);
}

static void digest_set(unsigned char *digest, struct set *s)
{
    struct set_iter it;
    struct set_member m;
    set_iter_init(&it, s);
    while (set_iter_next(&it, &m))
        xor_digest(digest, m.ptr, m.len);
    set_iter_deinit(&it);
}

static void digest_hash(unsigned char *digest, struct hash *h)
{
    struct hash_iter it;
    struct hash_pair p;
    hash_iter_init(&it, h);
    while (hash_iter_next(&it, &p))
        xor_pair(digest, p.field, p.flen, p.value, p.vlen);
    hash_iter_deinit(&it);
}

/* Scores as Redis 7.0 prints them here: "%.17g", whatever the encoding. */
static void digest_zset(unsigned char *digest, const struct zset *z)
{
    struct zset_member m;
    char score[64];
    for (size_t i = 0; i < zset_len(z); i++) {
        zset_at(z, i, &m);
        int n = snprintf(score, sizeof(score), "%.17g", m.score);
        xor_pair(digest, m.ptr, m.len, score, (size_t)n);
    }
}

/* Each entry's ID as "ms.seq", then its fields and values, in order; groups
 * do not count (Redis 7.0's debug.c). */
static void digest_stream(unsigned char *digest, const struct stream *s)
{
    static const struct stream_id first = {0, 0}, last = {UINT64_MAX, UINT64_MAX};
    struct stream_iter it;
    struct stream_id id;
    struct stream_str f, v;
    size_t npairs;
    char idtext[48];
    stream_iter_init(&it, s, &first, &last, false);
    while (stream_iter_next(&it, &id, &npairs)) {
        int n = snprintf(idtext, sizeof(idtext), "%llu.%llu", (unsigned long long)id.ms,
                         (unsigned long long)id.seq);
        mix_digest(digest, idtext, (size_t)n);
        while (npairs-- > 0) {
            stream_iter_pair(&it, &f, &v);
            mix_digest(digest, f.ptr, f.len);
            mix_digest(digest, v.ptr, v.len);
        }
    }
}

/* xorObjectDigest: the type, the value, the TTL mark. */
static void digest_object(unsigned char *digest, const struct object *o, bool has_ttl)
{
    unsigned char type[4] = {0, 0, 0, (unsigned char)object_type(o)}; /* htonl(type) */
    mix_digest(digest, type, sizeof(type));
    if (object_type(o) == OBJECT_STRING) {
        char scratch[OBJECT_INT_BUFSIZE];
        const char *p;
        size_t len;
        object_string_view(o, scratch, &p, &len);
        mix_digest(digest, p, len);
    } else if (object_type(o) == OBJECT_LIST) {
        digest_list(digest, list_from_boxed(object_boxed(o)));
    } else if (object_type(o) == OBJECT_SET) {
        digest_set(digest, set_from_boxed(object_boxed(o)));
    } else if (object_type(o) == OBJECT_HASH) {
        digest_hash(digest, hash_from_boxed(object_boxed(o)));
    } else if (object_type(o) == OBJECT_ZSET) {
        digest_zset(digest, zset_from_boxed(object_boxed(o)));
    } else if (object_type(o) == OBJECT_STREAM) {
        digest_stream(digest, stream_from_boxed(object_boxed(o)));
    }
    if (has_ttl)
        xor_digest(digest, "!!expire!!", 10);
}

static int digest_key_cb(const char *key, size_t len, const struct object *obj, int64_t expire_at,
                         void *ud)
{
    unsigned char digest[DIGEST_LEN] = {0};
    mix_digest(digest, key, len);
    digest_object(digest, obj, expire_at != KEYSPACE_TTL_NONE);
    xor_digest(ud, digest, DIGEST_LEN);
    return 0;
}

/* [held: every shard] computeDatasetDigest. */
static void digest_dataset(unsigned char *final)
{
    memset(final, 0, DIGEST_LEN);
    for (unsigned d = 0; d < keyspace_databases(server.ks); d++) {
        struct keyspace_db *db = keyspace_db(server.ks, d);
        size_t keys = 0, k, e;
        for (unsigned i = 0; i < keyspace_shards_per_db(server.ks); i++) {
            keyspace_shard_sizes(keyspace_db_shard(db, i), &k, &e);
            keys += k;
        }
        if (keys == 0)
            continue;
        unsigned char id[4] = {(unsigned char)(d >> 24), (unsigned char)(d >> 16),
                               (unsigned char)(d >> 8), (unsigned char)d};
        mix_digest(final, id, sizeof(id));
        for (unsigned i = 0; i < keyspace_shards_per_db(server.ks); i++)
            keyspace_shard_foreach(keyspace_db_shard(db, i), digest_key_cb, final);
    }
}

static void reply_digest(struct cmd_ctx *ctx, const unsigned char *digest)
{
    char hex[2 * DIGEST_LEN + 1];
    for (int i = 0; i < DIGEST_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    resp_add_simple(ctx->out, hex);
}

static void debug_digest(struct cmd_ctx *ctx)
{
    unsigned char digest[DIGEST_LEN];
    keyspace_lock_all(server.ks);
    digest_dataset(digest);
    keyspace_unlock_all(server.ks);
    reply_digest(ctx, digest);
}

/* DIGEST-VALUE key...: each value's digest without its key; zeros for a
 * missing key. */
static void debug_digest_value(struct cmd_ctx *ctx)
{
    resp_add_array_len(ctx->out, ctx->argc - 2);
    for (size_t i = 2; i < ctx->argc; i++) {
        unsigned char digest[DIGEST_LEN] = {0};
        struct cmd_key k;
        cmd_key(ctx, i, &k);
        keyspace_shard_lock(k.shard);
        struct hashmap_entry *e = keyspace_find(k.shard, &k.key, ctx->now_ms,
                                                KEYSPACE_LOOKUP_NOTOUCH);
        if (e != NULL)
            digest_object(digest, keyspace_object(e), object_has_ttl(keyspace_object(e)));
        keyspace_shard_unlock(k.shard);
        reply_digest(ctx, digest);
    }
}

/* ==== OBJECT ==================================================================== */

static int count_sink_cb(void *ud, const void *buf, size_t len)
{
    (void)buf;
    *(size_t *)ud += len;
    return 0;
}

/* rdbSavedObjectLen: the value's bytes in an RDB file (compressed as
 * rdbcompression says). */
static size_t serialized_length(const struct object *o)
{
    size_t n = 0;
    struct lzf_state *lzf = NULL;
    if (atomic_load(&server.cfg.rdbcompression) && (lzf = malloc(sizeof(*lzf))) != NULL)
        lzf_state_init(lzf);
    struct rdb_writer w = {.sink_cb = count_sink_cb, .ud = &n, .lzf = lzf};
    rdb_write_value(&w, o);
    free(lzf);
    return n;
}

/* The ql_ fields, from the list's nodes (cut as Redis's quicklist cuts
 * them): ql_uncompressed_size sums their listpacks' sizes, packed or not;
 * ql_compressed says whether the list has a compress depth (Redis 7.0). */
static void list_extra(const struct object *o, char *buf, size_t cap)
{
    const struct list *l = list_from_boxed(object_boxed(o));
    size_t nodes = list_node_count(l), bytes = 0;
    buf[0] = '\0';
    if (nodes == 0)
        return;
    for (size_t i = 0; i < nodes; i++)
        bytes += list_node_listpack_size(l, i);
    snprintf(buf, cap,
             " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d"
             " ql_uncompressed_size:%zu",
             nodes, (double)list_len(l) / (double)nodes, list_fill(l),
             list_compress_depth(l) != 0, bytes);
}

/* The entry of the key at argv[2], its shard left locked for the caller
 * to unlock; NULL (unlocked) after Redis's "no such key". No access is
 * recorded; `flags` may add KEYSPACE_LOOKUP_RAW. */
static struct hashmap_entry *find_locked_or_reply(struct cmd_ctx *ctx, struct cmd_key *k,
                                                  unsigned flags)
{
    cmd_key(ctx, 2, k);
    keyspace_shard_lock(k->shard);
    struct hashmap_entry *e =
        keyspace_find(k->shard, &k->key, ctx->now_ms, KEYSPACE_LOOKUP_NOTOUCH | flags);
    if (e == NULL) {
        keyspace_shard_unlock(k->shard);
        resp_add_error(ctx->out, "ERR no such key");
    }
    return e;
}

/* OBJECT key: Redis's line. refcount is 1: Grove shares no values (Redis
 * shows 2147483647 for its shared integers 0..9999). A key past its time
 * is shown, and left, as Redis's finds it in the dict. */
static void debug_object(struct cmd_ctx *ctx)
{
    struct cmd_key k;
    char extra[160] = "";
    struct hashmap_entry *e = find_locked_or_reply(ctx, &k, KEYSPACE_LOOKUP_RAW);
    if (e == NULL)
        return;
    const struct object *o = keyspace_object(e);
    char line[400];
    if (object_type(o) == OBJECT_LIST)
        list_extra(o, extra, sizeof(extra));
    snprintf(line, sizeof(line),
             "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u "
             "lru_seconds_idle:%llu%s",
             (const void *)o, object_encoding_name(object_encoding(o)), serialized_length(o),
             object_lru(o), (unsigned long long)(object_idle_ms(o, ctx->now_ms) / 1000), extra);
    keyspace_shard_unlock(k.shard);
    resp_add_simple(ctx->out, line);
}

/* ==== RELOAD, LOADAOF, POPULATE ================================================== */

/* RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty, load the file back in
 * this thread; the other clients get -LOADING meanwhile. Without MERGE a
 * key (or library) already present fails the load: Redis then panics,
 * Grove answers the error and keeps what it loaded. */
static void debug_reload(struct cmd_ctx *ctx)
{
    bool merge = false, flush = true, save = true;
    for (size_t i = 2; i < ctx->argc; i++) {
        if (arg_is(&ctx->argv[i], "merge")) {
            merge = true;
        } else if (arg_is(&ctx->argv[i], "noflush")) {
            flush = false;
        } else if (arg_is(&ctx->argv[i], "nosave")) {
            save = false;
        } else {
            resp_add_error(ctx->out, "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and "
                                     "NOSAVE options.");
            return;
        }
    }
    if (save && snapshot_save() < 0) {
        resp_add_error(ctx->out, "-ERR"); /* Redis's shared.err */
        return;
    }
    loading_begin(0); /* from here: nobody writes between the flush and the load */
    if (flush)
        snapshot_empty_data(false);
    int rc = snapshot_load_file(merge);
    loading_end();
    if (rc == -ENOENT)
        log_warning("DEBUG RELOAD: there is no RDB file to load");
    if (rc < 0) {
        resp_add_error(ctx->out, "ERR Error trying to load the RDB dump, check server logs.");
        return;
    }
    log_warning("DB reloaded by DEBUG RELOAD");
    resp_add_ok(ctx->out);
}

static void debug_loadaof(struct cmd_ctx *ctx)
{
    if (loading_reload_aof() < 0)
        resp_add_error(ctx->out, "ERR Error trying to load the AOF files, check server logs.");
    else
        resp_add_ok(ctx->out);
}

/* getPositiveLongFromObjectOrReply. */
static bool positive_arg(struct cmd_ctx *ctx, size_t argi, long long *out)
{
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[argi], out))
        return false;
    if (*out < 0) {
        resp_add_error(ctx->out, "ERR value is out of range, must be positive");
        return false;
    }
    return true;
}

/* One "<prefix>:<j>" key holding "value:<j>" (zero-padded or cut to size
 * when size > 0), unless the key exists. */
static int populate_one(struct cmd_ctx *ctx, const char *prefix, long long j, char *val,
                        long long size)
{
    char key[128];
    struct keyspace_key k;
    int klen = snprintf(key, sizeof(key), "%s:%lld", prefix, j);
    if (klen >= (int)sizeof(key))
        klen = sizeof(key) - 1;
    keyspace_key_init(server.ks, &k, key, (size_t)klen);
    struct keyspace_shard *sh = keyspace_shard_of(ctx->db, &k);
    int rc = 0;
    keyspace_shard_lock(sh);
    if (keyspace_find(sh, &k, ctx->now_ms, 0) == NULL) {
        char text[32];
        size_t tlen = (size_t)snprintf(text, sizeof(text), "value:%lld", j);
        size_t vlen = size > 0 ? (size_t)size : tlen;
        memset(val, 0, vlen);
        memcpy(val, text, tlen < vlen ? tlen : vlen);
        rc = keyspace_set_string(sh, &k, val, vlen, OBJECT_STR_PLAIN, KEYSPACE_TTL_NONE,
                                 ctx->now_ms, NULL);
    }
    keyspace_shard_unlock(sh);
    return rc;
}

/* POPULATE count [prefix] [size]. */
static void debug_populate(struct cmd_ctx *ctx)
{
    long long count, size = 0;
    char prefix[128] = "key";
    if (!positive_arg(ctx, 2, &count) || (ctx->argc == 5 && !positive_arg(ctx, 4, &size)))
        return;
    if (ctx->argc >= 4)
        arg_to_cstr(&ctx->argv[3], prefix, sizeof(prefix));
    char *val = malloc(size > 32 ? (size_t)size : 32);
    int rc = val == NULL ? -ENOMEM : 0;
    for (long long j = 0; j < count && rc == 0; j++)
        rc = populate_one(ctx, prefix, j, val, size);
    free(val);
    if (rc < 0)
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    else
        resp_add_ok(ctx->out);
}

/* ==== switches and timing ======================================================== */

/* SLEEP seconds (decimals allowed, strtod's reading, as Redis). Redis's
 * whole server stops; Grove holds every shard while it sleeps, so every
 * command that reaches a key waits, on every loop. */
static void debug_sleep(struct cmd_ctx *ctx)
{
    char buf[64];
    arg_to_cstr(&ctx->argv[2], buf, sizeof(buf));
    long long usec = (long long)(strtod(buf, NULL) * 1000000);
    struct timespec ts = {.tv_sec = usec / 1000000, .tv_nsec = (usec % 1000000) * 1000};
    keyspace_lock_all(server.ks);
    nanosleep(&ts, NULL);
    keyspace_unlock_all(server.ks);
    resp_add_ok(ctx->out);
}

/* Redis reads these switches with atoi: anything but a number is 0. */
static int atoi_arg(const struct resp_arg *a)
{
    char buf[32];
    arg_to_cstr(a, buf, sizeof(buf));
    return atoi(buf);
}

static void debug_set_active_expire(struct cmd_ctx *ctx)
{
    cron_set_active_expire(atoi_arg(&ctx->argv[2]) != 0);
    resp_add_ok(ctx->out);
}

static void debug_set_disable_deny_scripts(struct cmd_ctx *ctx)
{
    script_set_deny_disabled(atoi_arg(&ctx->argv[2]) != 0);
    resp_add_ok(ctx->out);
}

static void debug_pause_cron(struct cmd_ctx *ctx)
{
    cron_set_paused(atoi_arg(&ctx->argv[2]) != 0);
    resp_add_ok(ctx->out);
}

static void debug_change_repl_id(struct cmd_ctx *ctx)
{
    server_change_replid();
    resp_add_ok(ctx->out);
}

/* ==== replies for client tests ===================================================== */

static void protocol_aggregate(struct cmd_ctx *ctx, const char *name)
{
    if (strcmp(name, "array") == 0)
        resp_add_array_len(ctx->out, 3);
    else if (strcmp(name, "set") == 0)
        resp_add_set_len(ctx->out, 3);
    else
        resp_add_map_len(ctx->out, 3);
    for (int j = 0; j < 3; j++) {
        resp_add_integer(ctx->out, j);
        if (strcmp(name, "map") == 0)
            resp_add_bool(ctx->out, j == 1);
    }
}

static void protocol_attrib(struct cmd_ctx *ctx)
{
    if (ctx->out->proto >= 3) {
        resp_add_attribute_len(ctx->out, 1);
        resp_add_bulk_cstr(ctx->out, "key-popularity");
        resp_add_array_len(ctx->out, 2);
        resp_add_bulk_cstr(ctx->out, "key:123");
        resp_add_integer(ctx->out, 90);
    }
    resp_add_bulk_cstr(ctx->out, "Some real reply following the attribute");
}

static void protocol_push(struct cmd_ctx *ctx)
{
    if (ctx->out->proto < 3) {
        resp_add_error(ctx->out, "ERR RESP2 is not supported by this command");
        return;
    }
    resp_add_push_len(ctx->out, 2);
    resp_add_bulk_cstr(ctx->out, "server-cpu-usage");
    resp_add_integer(ctx->out, 42);
    resp_add_bulk_cstr(ctx->out, "Some real reply following the push reply");
}

/* PROTOCOL type: Redis's sample value of each RESP type. */
static void debug_protocol(struct cmd_ctx *ctx)
{
    char name[16];
    arg_to_cstr(&ctx->argv[2], name, sizeof(name));
    for (char *p = name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (ctx->argv[2].len >= sizeof(name))
        name[0] = '\0';
    if (strcmp(name, "string") == 0)
        resp_add_bulk_cstr(ctx->out, "Hello World");
    else if (strcmp(name, "integer") == 0)
        resp_add_integer(ctx->out, 12345);
    else if (strcmp(name, "double") == 0)
        resp_add_double(ctx->out, 3.141);
    else if (strcmp(name, "bignum") == 0)
        resp_add_bignum(ctx->out, "1234567999999999999999999999999999999", 37);
    else if (strcmp(name, "null") == 0)
        resp_add_null(ctx->out);
    else if (strcmp(name, "array") == 0 || strcmp(name, "set") == 0 || strcmp(name, "map") == 0)
        protocol_aggregate(ctx, name);
    else if (strcmp(name, "attrib") == 0)
        protocol_attrib(ctx);
    else if (strcmp(name, "push") == 0)
        protocol_push(ctx);
    else if (strcmp(name, "true") == 0 || strcmp(name, "false") == 0)
        resp_add_bool(ctx->out, name[0] == 't');
    else if (strcmp(name, "verbatim") == 0)
        resp_add_verbatim(ctx->out, "This is a verbatim\nstring", 25, "txt");
    else
        resp_add_error(ctx->out, "ERR Wrong protocol type name. Please use one of the following: "
                                 "string|integer|double|bignum|null|array|set|map|attrib|push|"
                                 "verbatim|true|false");
}

/* ERROR msg: the message as the whole error line, no code added. */
static void debug_error(struct cmd_ctx *ctx)
{
    char *line = malloc(ctx->argv[2].len + 2);
    if (line == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    line[0] = '-';
    arg_to_cstr(&ctx->argv[2], line + 1, ctx->argv[2].len + 1);
    resp_add_error(ctx->out, line);
    free(line);
}

static void debug_log(struct cmd_ctx *ctx)
{
    log_warning("DEBUG LOG: %.*s", (int)ctx->argv[2].len, ctx->argv[2].ptr);
    resp_add_ok(ctx->out);
}

/* STRINGMATCH-TEST: Redis's stringmatchlen_fuzz_test against Grove's
 * glob matcher (a million random patterns rather than ten: the point is
 * that none crashes or hangs). */
static void debug_stringmatch_test(struct cmd_ctx *ctx)
{
    char str[32], pat[32];
    for (int cycles = 1000000; cycles > 0; cycles--) {
        size_t slen = (size_t)rand() % sizeof(str), plen = (size_t)rand() % sizeof(pat);
        for (size_t j = 0; j < slen; j++)
            str[j] = (char)(rand() % 128);
        for (size_t j = 0; j < plen; j++)
            pat[j] = (char)(rand() % 128);
        glob_match(pat, plen, str, slen, false);
    }
    resp_add_simple(ctx->out, "Apparently Redis did not crash: test passed");
}

/* ==== crashing on purpose ========================================================== */

/* SEGFAULT: a write to a read-only page, as Redis does it (the compiler
 * cannot see through it). */
static void debug_segfault(struct cmd_ctx *ctx)
{
    volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)ctx;
    log_warning("DEBUG SEGFAULT: crashing the server with SIGSEGV");
    *p = 'x';
}

/* PANIC: Redis's serverPanic lines, then abort(). */
static void debug_panic(struct cmd_ctx *ctx)
{
    (void)ctx;
    log_warning("------------------------------------------------");
    log_warning("!!! Software Failure. Press left mouse button to continue");
    log_warning("Guru Meditation: DEBUG PANIC called at Unix time %lld #cmd_debug.c",
                server_mstime() / 1000);
    abort();
}

/* ==== what Grove does not have ===================================================== */

/* The key's encoding, or false after "no such key". */
static bool key_encoding(struct cmd_ctx *ctx, enum object_encoding *enc)
{
    struct cmd_key k;
    struct hashmap_entry *e = find_locked_or_reply(ctx, &k, 0);
    if (e == NULL)
        return false;
    *enc = object_encoding(keyspace_object(e));
    keyspace_shard_unlock(k.shard);
    return true;
}

static void reply_unsupported(struct cmd_ctx *ctx, const char *why)
{
    char name[40];
    arg_to_cstr(&ctx->argv[1], name, sizeof(name));
    for (char *p = name; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    resp_add_errorf(ctx->out, "ERR DEBUG %s is not supported by Grove: %s", name, why);
}

/* LISTPACK / QUICKLIST key: Redis's refusals for the wrong encoding; for
 * the right one, Grove has no such structure to show. */
static void debug_structure(struct cmd_ctx *ctx)
{
    enum object_encoding enc;
    if (!key_encoding(ctx, &enc))
        return;
    if (arg_is(&ctx->argv[1], "listpack") && enc != OBJECT_ENC_LISTPACK)
        resp_add_error(ctx->out, "ERR Not a listpack encoded object.");
    else if (arg_is(&ctx->argv[1], "quicklist") && enc != OBJECT_ENC_QUICKLIST)
        resp_add_error(ctx->out, "ERR Not a quicklist encoded object.");
    else
        reply_unsupported(ctx, "it reports the encoding Redis would use, but does not hold "
                               "that structure");
}

/* The map of a value Redis keeps in a dict (the hashtable encodings and a
 * skiplist sorted set's members), else NULL. */
static const struct hashmap *value_table(const struct object *o)
{
    switch (object_type(o)) {
    case OBJECT_HASH:
        return hash_table(hash_from_boxed(object_boxed(o)));
    case OBJECT_SET:
        return set_table(set_from_boxed(object_boxed(o)));
    case OBJECT_ZSET:
        return zset_table(zset_from_boxed(object_boxed(o)));
    default:
        return NULL;
    }
}

/* The tables of one map or several (a database's shards), as DEBUG
 * HTSTATS reports them: table 0 is the main one, table 1 the one a resize
 * fills. */
struct table_sums {
    size_t buckets[2], used[2];
    bool rehashing;
};

static void add_table(struct table_sums *sums, const struct hashmap *map)
{
    int tables = hashmap_is_rehashing(map) ? 2 : 1;
    for (int which = 0; which < tables; which++) {
        size_t buckets, used;
        hashmap_table_stats(map, which, &buckets, &used);
        sums->buckets[which] += buckets;
        sums->used[which] += used;
    }
    sums->rehashing |= tables == 2;
}

/* One table's lines, as Redis's dictGetStatsHt without FULL. */
static size_t table_stats(char *buf, size_t cap, const struct table_sums *sums, int which)
{
    const char *name = which == 0 ? "main hash table" : "rehashing target";
    int n = sums->used[which] == 0
                ? snprintf(buf, cap,
                           "Hash table %d stats (%s):\n"
                           "No stats available for empty dictionaries\n",
                           which, name)
                : snprintf(buf, cap,
                           "Hash table %d stats (%s):\n"
                           " table size: %zu\n"
                           " number of elements: %zu\n",
                           which, name, sums->buckets[which], sums->used[which]);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Redis's dictGetStats: the main table, and the rehashing target while a
 * resize runs. */
static size_t tables_stats(char *buf, size_t cap, const struct table_sums *sums)
{
    size_t n = table_stats(buf, cap, sums, 0);
    if (sums->rehashing)
        n += table_stats(buf + n, cap - n, sums, 1);
    return n;
}

/* HTSTATS and HTSTATS-KEY take FULL for the chain lengths, which Grove
 * does not count: true after refusing it. */
static bool refuse_full(struct cmd_ctx *ctx)
{
    if (ctx->argc < 4 || !arg_is(&ctx->argv[3], "full"))
        return false;
    reply_unsupported(ctx, "FULL's chain length figures are not kept");
    return true;
}

/* HTSTATS-KEY key: Redis's text for the key's table, and for the table a
 * resize is filling ("rehashing target"). */
static void debug_htstats_key(struct cmd_ctx *ctx)
{
    if (refuse_full(ctx))
        return;
    struct cmd_key k;
    struct hashmap_entry *e = find_locked_or_reply(ctx, &k, 0);
    if (e == NULL)
        return;
    const struct hashmap *map = value_table(keyspace_object(e));
    if (map == NULL) {
        resp_add_error(ctx->out, "ERR The value stored at the specified key is not represented "
                                 "using an hash table");
    } else {
        struct table_sums sums = {0};
        char text[512];
        add_table(&sums, map);
        resp_add_verbatim(ctx->out, text, tables_stats(text, sizeof(text), &sums), "txt");
    }
    keyspace_shard_unlock(k.shard);
}

/* HTSTATS dbid: the database's keys as Redis's "[Dictionary HT]". Redis
 * keeps a database in one table; Grove in one per shard, so each figure
 * is the sum over the shards (table size: every bucket the database
 * holds), read shard by shard. Redis's "[Expires HT]" has no counterpart:
 * a key's TTL lives in its entry and the keys that have one in an array,
 * so no such section is made up. */
static void debug_htstats(struct cmd_ctx *ctx)
{
    long long id;
    if (refuse_full(ctx) || !arg_to_ll_or_reply(ctx, &ctx->argv[2], &id))
        return;
    if (id < 0 || id >= (long long)keyspace_databases(server.ks)) {
        resp_add_error(ctx->out, "ERR Out of range database");
        return;
    }
    struct keyspace_db *db = keyspace_db(server.ks, (unsigned)id);
    struct table_sums sums = {0};
    for (unsigned i = 0; i < keyspace_shards_per_db(server.ks); i++) {
        struct keyspace_shard *sh = keyspace_db_shard(db, i);
        keyspace_shard_lock(sh);
        add_table(&sums, keyspace_shard_table(sh));
        keyspace_shard_unlock(sh);
    }
    char text[512];
    size_t n = (size_t)snprintf(text, sizeof(text), "[Dictionary HT]\n");
    n += tables_stats(text + n, sizeof(text) - n, &sums);
    resp_add_verbatim(ctx->out, text, n, "txt");
}

/* QUICKLIST-PACKED-THRESHOLD size: elements at least this big live alone
 * in their list node (Redis's plain nodes), for every list. */
static void debug_quicklist_packed_threshold(struct cmd_ctx *ctx)
{
    char text[64];
    long long bytes;
    arg_to_cstr(&ctx->argv[2], text, sizeof(text));
    if (!config_parse_memory(text, &bytes) || !list_set_large_threshold((unsigned long long)bytes))
        resp_add_error(ctx->out,
                       "ERR argument must be a memory value bigger than 1 and smaller than 4gb");
    else
        resp_add_simple(ctx->out, "OK");
}

/* SET-SKIP-CHECKSUM-VALIDATION 0|1: RESTORE stops checking payload CRCs
 * (Redis's tests craft payloads without a valid one). */
static void debug_set_skip_checksum_validation(struct cmd_ctx *ctx)
{
    atomic_store(&server.skip_checksum_validation, atoi_arg(&ctx->argv[2]) != 0);
    resp_add_ok(ctx->out);
}

/* REPLYBUFFER RESIZING <0|1>: whether idle connections give their reply
 * buffers back (Grove's counterpart of Redis's reply buffer resizing; the
 * tests turn it off to keep each client's memory steady). Grove keeps no
 * peak to reset, so PEAK-RESET-TIME is refused. */
static void debug_replybuffer(struct cmd_ctx *ctx)
{
    if (arg_is(&ctx->argv[2], "resizing")) {
        atomic_store(&server.reply_buffers_kept, atoi_arg(&ctx->argv[3]) == 0);
        resp_add_ok(ctx->out);
    } else if (arg_is(&ctx->argv[2], "peak-reset-time")) {
        reply_unsupported(ctx, "Grove keeps no reply buffer peak to reset");
    } else {
        reply_subcommand_syntax_error(ctx);
    }
}

/* REPLICATE <command> [<arg> ...]: the line goes to the replicas only, as
 * if a write had sent it (a test makes master and replica differ). */
static void debug_replicate(struct cmd_ctx *ctx)
{
    propagate_to_replicas(ctx, ctx->argv + 2, ctx->argc - 2);
    resp_add_ok(ctx->out);
}

/* CONFIG-REWRITE-FORCE-ALL: CONFIG REWRITE writing every option, those at
 * their defaults too (Redis's tests restart from it to check the file
 * reads back). */
static void debug_config_rewrite_force_all(struct cmd_ctx *ctx)
{
    int rc = -ENOENT;
    config_lock();
    if (server.config_file != NULL)
        rc = config_rewrite(&server.cfg, server.config_file, true);
    config_unlock();
    if (rc < 0)
        resp_add_errorf(ctx->out, "ERR CONFIG-REWRITE-FORCE-ALL failed: %s", strerror(-rc));
    else
        resp_add_ok(ctx->out);
}

/* AOF-FLUSH-SLEEP <microsec>: each AOF write waits that long first. */
static void debug_aof_flush_sleep(struct cmd_ctx *ctx)
{
    aof_set_flush_sleep(atoi_arg(&ctx->argv[2]));
    resp_add_ok(ctx->out);
}

static void debug_not_here(struct cmd_ctx *ctx)
{
    reply_unsupported(ctx, "Grove has no such structure or setting");
}

/* ==== the subcommand table ========================================================== */

static void debug_help(struct cmd_ctx *ctx);

struct debug_sub {
    const char *name;
    size_t min_argc, max_argc; /* argc including DEBUG and the subcommand */
    void (*fn)(struct cmd_ctx *ctx);
};

static const struct debug_sub subs[] = {
    {"help", 2, 2, debug_help},
    {"reload", 2, SIZE_MAX, debug_reload},
    {"loadaof", 2, SIZE_MAX, debug_loadaof},
    {"object", 3, 3, debug_object},
    {"digest", 2, 2, debug_digest},
    {"digest-value", 2, SIZE_MAX, debug_digest_value},
    {"populate", 3, 5, debug_populate},
    {"sleep", 3, 3, debug_sleep},
    {"set-active-expire", 3, 3, debug_set_active_expire},
    {"pause-cron", 3, 3, debug_pause_cron},
    {"set-disable-deny-scripts", 3, 3, debug_set_disable_deny_scripts},
    {"change-repl-id", 2, 2, debug_change_repl_id},
    {"protocol", 3, 3, debug_protocol},
    {"error", 3, 3, debug_error},
    {"log", 3, 3, debug_log},
    {"stringmatch-test", 2, 2, debug_stringmatch_test},
    {"segfault", 2, SIZE_MAX, debug_segfault},
    {"panic", 2, SIZE_MAX, debug_panic},
    {"listpack", 3, 3, debug_structure},
    {"quicklist", 3, 4, debug_structure},
    {"htstats-key", 3, SIZE_MAX, debug_htstats_key},
    {"htstats", 3, 4, debug_htstats},
    {"quicklist-packed-threshold", 3, 3, debug_quicklist_packed_threshold},
    {"replybuffer", 4, 4, debug_replybuffer},
    {"sdslen", 3, 3, debug_not_here},
    {"structsize", 2, 2, debug_not_here},
    {"client-eviction", 2, 2, debug_not_here},
    {"mallctl", 3, 4, debug_not_here},
    {"mallctl-str", 3, 4, debug_not_here},
    {"set-skip-checksum-validation", 3, 3, debug_set_skip_checksum_validation},
    {"aof-flush-sleep", 3, 3, debug_aof_flush_sleep},
    {"config-rewrite-force-all", 2, 2, debug_config_rewrite_force_all},
    {"replicate", 3, SIZE_MAX, debug_replicate},
    {"crash-and-recover", 2, 3, debug_not_here},
    {"restart", 2, 3, debug_not_here},
    {"assert", 2, SIZE_MAX, debug_not_here},
    {"oom", 2, SIZE_MAX, debug_not_here},
    {"leak", 3, 3, debug_not_here},
    {"drop-cluster-packet-filter", 3, 3, debug_not_here},
    {"clusterlink", 4, 4, debug_not_here},
};

/* Redis's HELP, the lines of what Grove does. */
static void debug_help(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance.",
        "    Dangerous: should be used only for testing the replication subsystem.",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "HTSTATS <dbid>",
        "    Return hash table statistics of the specified Redis database.",
        "HTSTATS-KEY <key>",
        "    Like HTSTATS but for the hash table stored at <key>'s value.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "PANIC",
        "    Crash the server simulating a panic.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys not belonging to the",
        "    current node can be created in cluster mode.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
        "    * MERGE: conflicting keys will be loaded from RDB.",
        "    * NOFLUSH: the existing database will not be removed before load, but",
        "      conflicting keys will generate an exception and kill the server.",
        "    * NOSAVE: the database will be loaded from an existing RDB file.",
        "    Examples:",
        "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
        "      the database.",
        "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
        "      existing RDB file.",
        "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
        "      file to the database.",
        "SEGFAULT",
        "    Crash the server with sigsegv.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "STRINGMATCH-TEST",
        "    Run a fuzz tester against the stringmatchlen() function.",
        "PAUSE-CRON <0|1>",
        "    Stop periodic cron job processing.",
        NULL,
    };
    reply_help(ctx, lines);
}

static void debug_command(struct cmd_ctx *ctx)
{
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        if (arg_is(&ctx->argv[1], subs[i].name) && ctx->argc >= subs[i].min_argc &&
            ctx->argc <= subs[i].max_argc) {
            subs[i].fn(ctx);
            return;
        }
    }
    reply_subcommand_syntax_error(ctx);
}

struct command debug_commands[] = {
    {.name = "debug", .arity = -2,
     .flags = CMD_SELF_LOCK | CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_PROTECTED,
     .proc = debug_command, .group = "server", .summary = "A container for debugging commands",
     .since = "1.0.0", .complexity = "Depends on subcommand."},
    {0},
};
