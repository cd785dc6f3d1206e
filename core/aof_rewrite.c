/*
 * aof_rewrite.c - a database as commands; see aof_rewrite.h.
 *
 * A collection is written in commands of at most AOF_REWRITE_ITEMS_PER_CMD
 * elements: the header of each counts the elements it will hold, so the
 * writer knows the batch size before it starts (min(64, left)). Scores are
 * written with "%.17g", as Redis's rioWriteBulkDouble.
 */
#include "aof_rewrite.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "list.h"
#include "object.h"
#include "set.h"
#include "zset.h"

struct out {
    aof_rewrite_sink_cb sink;
    void *ud;
    int64_t now_ms;
    unsigned db;
    bool selected;
};

static int put_count(struct out *o, char type, size_t n)
{
    char buf[32];
    int len = snprintf(buf, sizeof(buf), "%c%zu\r\n", type, n);
    return o->sink(o->ud, buf, (size_t)len);
}

static int put_bulk(struct out *o, const void *p, size_t n)
{
    int rc = put_count(o, '$', n);
    if (rc == 0 && n > 0)
        rc = o->sink(o->ud, p, n);
    return rc ? rc : o->sink(o->ud, "\r\n", 2);
}

static int put_str(struct out *o, const char *s)
{
    return put_bulk(o, s, strlen(s));
}

/* "*<2 + items> <name> <key>": the head of one batch. */
static int put_head(struct out *o, const char *name, const char *key, size_t klen, size_t items)
{
    int rc = put_count(o, '*', 2 + items);
    if (rc == 0)
        rc = put_str(o, name);
    return rc ? rc : put_bulk(o, key, klen);
}

static size_t batch(size_t left)
{
    return left < AOF_REWRITE_ITEMS_PER_CMD ? left : AOF_REWRITE_ITEMS_PER_CMD;
}

static int write_list(struct out *o, const char *key, size_t klen, const struct list *l)
{
    size_t n = list_len(l);
    struct list_iter it;
    struct list_entry e;
    int rc = 0;
    list_iter_init(&it, l, 0, false);
    for (size_t i = 0; i < n && rc == 0;) {
        size_t b = batch(n - i);
        rc = put_head(o, "RPUSH", key, klen, b);
        for (size_t end = i + b; rc == 0 && i < end && list_iter_next(&it, &e); i++)
            rc = put_bulk(o, e.ptr, e.len);
    }
    return rc;
}

static int write_set(struct out *o, const char *key, size_t klen, struct set *s)
{
    size_t left = set_len(s), k = 0;
    struct set_iter it;
    struct set_member m;
    int rc = 0;
    set_iter_init(&it, s);
    while (rc == 0 && set_iter_next(&it, &m)) {
        if (k == 0)
            rc = put_head(o, "SADD", key, klen, (k = batch(left)));
        if (rc == 0)
            rc = put_bulk(o, m.ptr, m.len);
        k--;
        left--;
    }
    set_iter_deinit(&it);
    return rc;
}

static int write_hash(struct out *o, const char *key, size_t klen, struct hash *h)
{
    size_t left = hash_len(h), k = 0;
    struct hash_iter it;
    struct hash_pair p;
    int rc = 0;
    hash_iter_init(&it, h);
    while (rc == 0 && hash_iter_next(&it, &p)) {
        if (k == 0)
            rc = put_head(o, "HMSET", key, klen, 2 * (k = batch(left)));
        if (rc == 0 && (rc = put_bulk(o, p.field, p.flen)) == 0)
            rc = put_bulk(o, p.value, p.vlen);
        k--;
        left--;
    }
    hash_iter_deinit(&it);
    return rc;
}

static int write_zset(struct out *o, const char *key, size_t klen, const struct zset *z)
{
    size_t n = zset_len(z);
    struct zset_member m;
    char score[64];
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        size_t b = batch(n - i);
        rc = put_head(o, "ZADD", key, klen, 2 * b);
        for (size_t end = i + b; rc == 0 && i < end; i++) {
            zset_at(z, i, &m);
            int len = snprintf(score, sizeof(score), "%.17g", m.score);
            if ((rc = put_bulk(o, score, (size_t)len)) == 0)
                rc = put_bulk(o, m.ptr, m.len);
        }
    }
    return rc;
}

static int write_value(struct out *o, const char *key, size_t klen, const struct object *obj)
{
    if (object_type(obj) == OBJECT_STRING) {
        char scratch[OBJECT_INT_BUFSIZE];
        const char *p;
        size_t len;
        object_string_view(obj, scratch, &p, &len);
        int rc = put_head(o, "SET", key, klen, 1);
        return rc ? rc : put_bulk(o, p, len);
    }
    struct object_boxed *b = object_boxed(obj);
    switch (object_type(obj)) {
    case OBJECT_LIST:
        return write_list(o, key, klen, list_from_boxed(b));
    case OBJECT_SET:
        return write_set(o, key, klen, set_from_boxed(b));
    case OBJECT_HASH:
        return write_hash(o, key, klen, hash_from_boxed(b));
    case OBJECT_ZSET:
        return write_zset(o, key, klen, zset_from_boxed(b));
    default:
        return 0;
    }
}

static int key_cb(const char *key, size_t len, const struct object *obj, int64_t expire_at,
                  void *ud)
{
    struct out *o = ud;
    bool ttl = expire_at != KEYSPACE_TTL_NONE;
    char db[16], at[24];
    int rc = 0;
    if (ttl && expire_at < o->now_ms)
        return 0;
    if (!o->selected) {
        snprintf(db, sizeof(db), "%u", o->db);
        if ((rc = put_count(o, '*', 2)) == 0 && (rc = put_str(o, "SELECT")) == 0)
            rc = put_str(o, db);
        o->selected = true;
    }
    if (rc == 0)
        rc = write_value(o, key, len, obj);
    if (rc == 0 && ttl) {
        snprintf(at, sizeof(at), "%lld", (long long)expire_at);
        if ((rc = put_head(o, "PEXPIREAT", key, len, 1)) == 0)
            rc = put_str(o, at);
    }
    return rc;
}

int aof_rewrite_db(struct keyspace *ks, unsigned index, int64_t now_ms, aof_rewrite_sink_cb sink,
                   void *ud)
{
    struct out o = {.sink = sink, .ud = ud, .now_ms = now_ms, .db = index};
    struct keyspace_db *db = keyspace_db(ks, index);
    int rc = 0;
    for (unsigned i = 0; i < keyspace_shards_per_db(ks) && rc == 0; i++)
        rc = keyspace_shard_foreach(keyspace_db_shard(db, i), key_cb, &o);
    return rc;
}

int aof_rewrite_command(aof_rewrite_sink_cb sink, void *ud, const char *const *argv,
                        const size_t *lens, size_t argc)
{
    struct out o = {.sink = sink, .ud = ud};
    int rc = put_count(&o, '*', argc);
    for (size_t i = 0; i < argc && rc == 0; i++)
        rc = put_bulk(&o, argv[i], lens[i]);
    return rc;
}
