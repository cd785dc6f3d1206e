/*
 * memory.c - the memory report and the cron's giving back; see memory.h.
 */
#include "memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "client_evict.h"
#include "function.h"
#include "hashmap.h"
#include "keyspace.h"
#include "object.h"
#include "replication.h"
#include "script_lua.h"
#include "server.h"

/* Per key: the entry header and the object header inside the entry's
 * allocation, and a bucket slot (load factor up to 1). Per key with a
 * TTL: the TTL block and its slot in the expiry index. */
#define KEY_BOOKKEEPING (16 + OBJECT_HEADER_SIZE + sizeof(void *))
#define TTL_BOOKKEEPING (OBJECT_TTL_SIZE + sizeof(void *))

bool memory_db_overhead(unsigned index, long long now_ms, struct memory_db *out)
{
    struct keyspace_stats ks;
    keyspace_db_stats(keyspace_db(server.ks, index), now_ms, &ks);
    out->keys = (long long)ks.keys;
    out->main = (long long)(ks.keys * KEY_BOOKKEEPING);
    out->expires = (long long)(ks.expires * TTL_BOOKKEEPING);
    return ks.keys > 0;
}

/* mem_clients_normal is Redis's: what normal and pub/sub clients use, the
 * total maxmemory-clients compares with (replicas are not in it). */
static void clients_memory(struct memory_report *r)
{
    r->clients_normal = (long long)client_evict_total();
    r->clients = client_connected_count();
}

void memory_report(struct memory_report *r, long long now_ms)
{
    r->used = server_used_memory();
    r->peak = server_peak_memory();
    r->startup = server.startup_memory;
    r->rss = server_resident_memory();
    alloc_stats(&r->alloc);
    if (r->alloc.allocated <= 0) /* a sanitizer's malloc: nothing known */
        r->alloc.allocated = r->alloc.active = r->used;
    if (r->alloc.resident < 0)
        r->alloc.resident = r->rss;
    clients_memory(r);
    long long repl_total;
    repl_memory(&r->repl_backlog, &repl_total);
    r->clients_slaves = repl_total - r->repl_backlog;
    r->lua_caches = (long long)script_lua_cache_bytes();
    r->functions_caches = (long long)function_memory();
    r->scripts = (long long)script_lua_cached();
    r->keys_overhead = r->keys = 0;
    for (unsigned i = 0; i < keyspace_databases(server.ks); i++) {
        struct memory_db db;
        memory_db_overhead(i, now_ms, &db);
        r->keys += db.keys;
        r->keys_overhead += db.main + db.expires;
    }
    r->overhead = r->startup + r->clients_normal + r->repl_backlog + r->clients_slaves +
                  r->lua_caches + r->functions_caches + r->keys_overhead;
    r->dataset = r->used > r->overhead ? r->used - r->overhead : 0;
}

/* ---- MEMORY DOCTOR -------------------------------------------------------------- */

/* a / b above `ratio` and a - b above `bytes` (Redis's thresholds). */
static bool over(long long a, long long b, double ratio, long long bytes)
{
    return b > 0 && (double)a / (double)b > ratio && a - b > bytes;
}

static void append(char **s, size_t *len, const char *text)
{
    size_t n = strlen(text);
    char *grown = *s ? realloc(*s, *len + n + 1) : NULL;
    if (grown == NULL) {
        free(*s);
        *s = NULL;
        return;
    }
    memcpy(grown + *len, text, n + 1);
    *s = grown;
    *len += n;
}

char *memory_doctor(long long now_ms)
{
    struct memory_report r;
    memory_report(&r, now_ms);
    if (r.used < 5 * 1024 * 1024)
        return strdup("Hi Sam, this instance is empty or is using very little memory, my issues "
                      "detector can't be used in these conditions. Please, leave for your mission "
                      "on Earth and fill it with some data. The new Sam and I will be back to our "
                      "programming as soon as I finished rebooting.\n");
    const long long mb10 = 10 << 20;
    bool big_peak = (double)r.peak / (double)r.used > 1.5;
    bool high_frag = over(r.rss, r.used, 1.4, mb10);
    bool high_alloc_frag = over(r.alloc.active, r.alloc.allocated, 1.1, mb10);
    bool high_alloc_rss = over(r.alloc.resident, r.alloc.active, 1.1, mb10);
    bool high_proc_rss = over(r.rss, r.alloc.resident, 1.1, mb10);
    bool big_client_buf = r.clients > 0 && r.clients_normal / r.clients > 1024 * 200;
    bool many_scripts = r.scripts > 1000;
    if (!(big_peak || high_frag || high_alloc_frag || high_alloc_rss || high_proc_rss ||
          big_client_buf || many_scripts))
        return strdup("Hi Sam, I can't find any memory issue in your instance. I can only account "
                      "for what occurs on this base.\n");

    size_t len = 0;
    char *s = strdup("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    len = s ? strlen(s) : 0;
    if (big_peak)
        append(&s, &len, " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n");
    if (high_frag) {
        char text[1024];
        snprintf(text, sizeof(text), " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"%s\".\n\n", alloc_name());
        append(&s, &len, text);
    }
    if (high_alloc_frag)
        append(&s, &len, " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n");
    if (high_alloc_rss)
        append(&s, &len, " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n");
    if (high_proc_rss)
        append(&s, &len, " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n");
    if (big_client_buf)
        append(&s, &len, " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n");
    if (many_scripts)
        append(&s, &len, " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.\n\n");
    append(&s, &len, "I'm here to keep you safe, Sam. I want to help you.\n");
    return s;
}

/* ---- giving back ------------------------------------------------------------------- */

#define PURGE_EVERY_MS 1000
#define PURGE_MIN_GAIN (8LL << 20)

static long long last_check_ms, gap_mark;

void memory_cron(long long now_ms)
{
    if (now_ms - last_check_ms < PURGE_EVERY_MS)
        return;
    last_check_ms = now_ms;
    long long used = server_used_memory();
    long long gap = server_resident_memory() - used;
    long long step = used / 8 > PURGE_MIN_GAIN ? used / 8 : PURGE_MIN_GAIN;
    if (gap < gap_mark)
        gap_mark = gap; /* the gap closed by itself (the memory is in use again) */
    if (gap - gap_mark <= step)
        return;
    alloc_purge();
    gap_mark = server_resident_memory() - server_used_memory();
}
