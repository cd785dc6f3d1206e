/*
 * replica_expire.c - a writable replica's own timed keys; see
 * replica_expire.h.
 *
 * The table maps a key to two bitmaps of databases: those it was given a
 * TTL in (`dbs`), and those noted again since the cron last copied the
 * entry (`renoted`). The cron checks a copy without the mutex (the
 * keyspace takes shard locks, which rank above it), so a key given a TTL
 * anew while the cron checks an older copy must not be forgotten:
 * `renoted` keeps those bits whatever the check found.
 */
#include "replica_expire.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collection.h"
#include "hashmap.h"
#include "keyspace.h"
#include "log.h"
#include "server.h"

#define MAX_TRACKED_DB 63    /* dbs is a 64-bit map, as Redis's */
#define PENDING_STOP 3       /* stop after more keys than this still run */
#define CHECK_EVERY 64       /* keys between looks at the clock */
#define BUDGET_NS 1000000LL  /* ~1 ms a cron turn, as Redis's expireSlaveKeys */
#define KEY_STACK 256        /* keys up to this size are copied on the stack */

struct tracked {
    uint64_t dbs;     /* databases the key has a TTL in, as far as we know */
    uint64_t renoted; /* noted since the cron copied dbs */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct hashmap *table; /* NULL until a key is noted */

static struct tracked *tracked_of(struct hashmap_entry *e)
{
    return hashmap_entry_extra(e);
}

void replica_expire_note(unsigned db, const char *key, size_t len)
{
    if (db > MAX_TRACKED_DB)
        return;
    uint64_t bit = (uint64_t)1 << db;
    pthread_mutex_lock(&lock);
    if (table == NULL) {
        struct hashmap_hasher hasher = {hashmap_siphash, &server.seed};
        table = hashmap_create(&hasher);
    }
    struct hashmap_entry *e = NULL;
    if (table != NULL) {
        uint64_t hash = hashmap_hash(table, key, len);
        e = hashmap_find(table, key, len, hash);
        if (e == NULL)
            e = hashmap_insert(table, key, len, hash, sizeof(struct tracked));
    }
    if (e != NULL) {
        tracked_of(e)->dbs |= bit;
        tracked_of(e)->renoted |= bit;
    }
    pthread_mutex_unlock(&lock);
    if (e == NULL)
        log_warning("Out of memory: a writable replica's key with a TTL will not expire there");
}

/* A random remembered key copied into buf (or a heap copy when it does not
 * fit), its dbs, and its renoted bits cleared; NULL when none is left. */
static char *copy_random(char *buf, size_t *len, uint64_t *dbs)
{
    char *key = NULL;
    pthread_mutex_lock(&lock);
    struct hashmap_entry *e = table ? hashmap_random(table, collection_rand64_cb, NULL) : NULL;
    if (e != NULL) {
        *len = hashmap_entry_keylen(e);
        key = *len <= KEY_STACK ? buf : malloc(*len);
        if (key != NULL) {
            memcpy(key, hashmap_entry_key(e), *len);
            *dbs = tracked_of(e)->dbs;
            tracked_of(e)->renoted = 0;
        }
    }
    pthread_mutex_unlock(&lock);
    return key;
}

/* After a check of `checked`: keep the bits still timed, those noted
 * since the copy and those never checked; forget the key when none is. */
static void settle(const char *key, size_t len, uint64_t checked, uint64_t still_timed)
{
    pthread_mutex_lock(&lock);
    struct hashmap_entry *e = NULL;
    if (table != NULL) /* unless FLUSHALL forgot everything meanwhile */
        e = hashmap_find(table, key, len, hashmap_hash(table, key, len));
    if (e != NULL) {
        struct tracked *t = tracked_of(e);
        t->dbs = (t->dbs & ~checked) | still_timed | t->renoted;
        if (t->dbs == 0)
            hashmap_remove(table, e);
    }
    pthread_mutex_unlock(&lock);
}

/* Expire the key where due in each of its databases; the databases where
 * its TTL still runs. */
static uint64_t check_key(const char *key, size_t len, uint64_t dbs, long long now_ms)
{
    uint64_t still_timed = 0;
    for (unsigned db = 0; db <= MAX_TRACKED_DB && (dbs >> db) != 0; db++) {
        struct keyspace_db *d = keyspace_db(server.ks, db);
        if ((dbs >> db & 1) == 0 || d == NULL)
            continue;
        if (keyspace_expire_own_key(d, key, len, now_ms) == KEYSPACE_OWN_PENDING)
            still_timed |= (uint64_t)1 << db;
    }
    return still_timed;
}

void replica_expire_cron(long long now_ms)
{
    long long deadline = server_monotonic_ns() + BUDGET_NS;
    unsigned pending = 0;
    char buf[KEY_STACK];
    for (unsigned checked = 1; pending <= PENDING_STOP; checked++) {
        size_t len;
        uint64_t dbs;
        char *key = copy_random(buf, &len, &dbs);
        if (key == NULL)
            return;
        uint64_t still_timed = check_key(key, len, dbs, now_ms);
        settle(key, len, dbs, still_timed);
        if (key != buf)
            free(key);
        if (still_timed != 0)
            pending++;
        if (checked % CHECK_EVERY == 0 && server_monotonic_ns() > deadline)
            return;
    }
}

void replica_expire_forget_all(void)
{
    pthread_mutex_lock(&lock);
    hashmap_destroy(table);
    table = NULL;
    pthread_mutex_unlock(&lock);
}

size_t replica_expire_tracked(void)
{
    pthread_mutex_lock(&lock);
    size_t n = table ? hashmap_size(table) : 0;
    pthread_mutex_unlock(&lock);
    return n;
}
