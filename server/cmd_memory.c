/*
 * cmd_memory.c - MEMORY USAGE, STATS, DOCTOR, PURGE, MALLOC-STATS and
 * HELP, with Redis 7.0's reply shapes and texts and Grove's figures
 * (memory.h, alloc.h).
 *
 * MEMORY USAGE counts a key's entry as allocated (key bytes, object
 * header, TTL block and an inline value in one allocation), its bucket
 * slot, and the value's heap bytes: a RAW string's buffer; a hash's or
 * set's exact bytes; a list's or sorted set's fixed parts exactly and its
 * elements from the first SAMPLES of them (default 5, 0: all), as Redis
 * samples nested values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "hash.h"
#include "list.h"
#include "memory.h"
#include "object.h"
#include "server.h"
#include "set.h"
#include "stream.h"
#include "zset.h"

#define USAGE_DEFAULT_SAMPLES 5 /* Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES */

static size_t value_bytes(const struct object *o, size_t samples)
{
    switch (object_type(o)) {
    case OBJECT_STRING:
        return object_heap_bytes(o);
    case OBJECT_HASH:
        return hash_bytes(hash_from_boxed(object_boxed(o)));
    case OBJECT_SET:
        return set_bytes(set_from_boxed(object_boxed(o)));
    case OBJECT_ZSET:
        return zset_bytes(zset_from_boxed(object_boxed(o)));
    case OBJECT_LIST:
        return list_bytes(list_from_boxed(object_boxed(o)), samples);
    case OBJECT_STREAM: /* its entries; groups and their PELs are not counted */
        return stream_bytes(stream_from_boxed(object_boxed(o)));
    }
    return 0;
}

/* MEMORY USAGE key [SAMPLES count]: Redis's parsing (SAMPLES may repeat,
 * the last wins; a negative count is a syntax error), its lookup (no
 * access recorded, no hit or miss counted). */
static void usage_command(struct cmd_ctx *ctx)
{
    long long samples = USAGE_DEFAULT_SAMPLES;
    for (size_t j = 3; j < ctx->argc; j++) {
        if (!arg_is(&ctx->argv[j], "samples") || j + 1 >= ctx->argc) {
            reply_syntax_error(ctx);
            return;
        }
        if (!arg_to_ll_or_reply(ctx, &ctx->argv[++j], &samples))
            return;
        if (samples < 0) {
            reply_syntax_error(ctx);
            return;
        }
    }
    struct cmd_key k;
    cmd_key(ctx, 2, &k);
    struct hashmap_entry *e =
        keyspace_find(k.shard, &k.key, ctx->now_ms, KEYSPACE_LOOKUP_NOTOUCH | KEYSPACE_LOOKUP_READ);
    if (e == NULL) {
        resp_add_null(ctx->out);
        return;
    }
    size_t bytes = hashmap_entry_bytes(e) + sizeof(void *) +
                   value_bytes(keyspace_object(e), (size_t)samples);
    resp_add_integer(ctx->out, (long long)bytes);
}

/* Redis computes its ratios as floats and replies them as doubles. */
static void add_ratio(struct resp_out *out, long long a, long long b)
{
    resp_add_double(out, b > 0 ? (double)((float)a / (float)b) : 0.0);
}

static void add_pair(struct resp_out *out, const char *name, long long v)
{
    resp_add_bulk_cstr(out, name);
    resp_add_integer(out, v);
}

static void add_db(struct resp_out *out, unsigned index, const struct memory_db *db)
{
    char name[32];
    snprintf(name, sizeof(name), "db.%u", index);
    resp_add_bulk_cstr(out, name);
    resp_add_map_len(out, 3);
    add_pair(out, "overhead.hashtable.main", db->main);
    add_pair(out, "overhead.hashtable.expires", db->expires);
    add_pair(out, "overhead.hashtable.slot-to-keys", 0);
}

static void stats_command(struct cmd_ctx *ctx)
{
    struct memory_report r;
    memory_report(&r, ctx->now_ms);
    unsigned ndb = keyspace_databases(server.ks), used_dbs = 0;
    struct memory_db *dbs = calloc(ndb, sizeof(*dbs));
    if (dbs == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    for (unsigned i = 0; i < ndb; i++)
        used_dbs += memory_db_overhead(i, ctx->now_ms, &dbs[i]);
    struct resp_out *out = ctx->out;
    resp_add_map_len(out, 27 + used_dbs);
    add_pair(out, "peak.allocated", r.peak);
    add_pair(out, "total.allocated", r.used);
    add_pair(out, "startup.allocated", r.startup);
    add_pair(out, "replication.backlog", r.repl_backlog);
    add_pair(out, "clients.slaves", r.clients_slaves);
    add_pair(out, "clients.normal", r.clients_normal);
    add_pair(out, "cluster.links", 0);
    add_pair(out, "aof.buffer", 0);
    add_pair(out, "lua.caches", r.lua_caches);
    add_pair(out, "functions.caches", r.functions_caches);
    for (unsigned i = 0; i < ndb; i++)
        if (dbs[i].keys > 0)
            add_db(out, i, &dbs[i]);
    free(dbs);
    long long net = r.used > r.startup ? r.used - r.startup : 1;
    add_pair(out, "overhead.total", r.overhead);
    add_pair(out, "keys.count", r.keys);
    add_pair(out, "keys.bytes-per-key", r.keys ? net / r.keys : 0);
    add_pair(out, "dataset.bytes", r.dataset);
    resp_add_bulk_cstr(out, "dataset.percentage");
    resp_add_double(out, (double)((float)r.dataset * 100 / (float)net));
    resp_add_bulk_cstr(out, "peak.percentage");
    resp_add_double(out, r.peak ? (double)((float)r.used * 100 / (float)r.peak) : 0.0);
    add_pair(out, "allocator.allocated", r.alloc.allocated);
    add_pair(out, "allocator.active", r.alloc.active);
    add_pair(out, "allocator.resident", r.alloc.resident);
    resp_add_bulk_cstr(out, "allocator-fragmentation.ratio");
    add_ratio(out, r.alloc.active, r.alloc.allocated);
    add_pair(out, "allocator-fragmentation.bytes", r.alloc.active - r.alloc.allocated);
    resp_add_bulk_cstr(out, "allocator-rss.ratio");
    add_ratio(out, r.alloc.resident, r.alloc.active);
    add_pair(out, "allocator-rss.bytes", r.alloc.resident - r.alloc.active);
    resp_add_bulk_cstr(out, "rss-overhead.ratio");
    add_ratio(out, r.rss, r.alloc.resident);
    add_pair(out, "rss-overhead.bytes", r.rss - r.alloc.resident);
    resp_add_bulk_cstr(out, "fragmentation");
    add_ratio(out, r.rss, r.used);
    add_pair(out, "fragmentation.bytes", r.rss - r.used);
}

static void add_text(struct cmd_ctx *ctx, char *text)
{
    if (text == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    resp_add_verbatim(ctx->out, text, strlen(text), "txt");
    free(text);
}

static void doctor_command(struct cmd_ctx *ctx)
{
    add_text(ctx, memory_doctor(ctx->now_ms));
}

static void malloc_stats_command(struct cmd_ctx *ctx)
{
    add_text(ctx, alloc_malloc_stats());
}

static void purge_command(struct cmd_ctx *ctx)
{
    alloc_purge();
    resp_add_ok(ctx->out);
}

static void help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        NULL,
    };
    reply_help(ctx, lines);
}

static void memory_command(struct cmd_ctx *ctx)
{
    /* Only reached without a subcommand: the container's arity error. */
    reply_wrong_arity(ctx, ctx->cmd);
}

static struct command memory_subcommands[] = {
    {.name = "doctor", .arity = 2, .flags = CMD_SELF_LOCK, .proc = doctor_command,
     .group = "server", .summary = "Outputs memory problems report", .since = "4.0.0",
     .complexity = "O(1)"},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = help_command,
     .group = "server", .summary = "Show helpful text about the different subcommands",
     .since = "4.0.0", .complexity = "O(1)"},
    {.name = "malloc-stats", .arity = 2, .proc = malloc_stats_command, .group = "server",
     .summary = "Show allocator internal stats", .since = "4.0.0",
     .complexity = "Depends on how much memory is allocated, could be slow"},
    {.name = "purge", .arity = 2, .proc = purge_command, .group = "server",
     .summary = "Ask the allocator to release memory", .since = "4.0.0",
     .complexity = "Depends on how much memory is allocated, could be slow"},
    {.name = "stats", .arity = 2, .flags = CMD_SELF_LOCK, .proc = stats_command,
     .group = "server", .summary = "Show memory usage details", .since = "4.0.0",
     .complexity = "O(1)"},
    {.name = "usage", .arity = -3, .flags = CMD_READONLY, .first_key = 2, .last_key = 2,
     .key_step = 1, .proc = usage_command, .group = "server",
     .summary = "Estimate the memory usage of a key", .since = "4.0.0",
     .complexity = "O(N) where N is the number of samples.",
     .args = (const struct command_arg[]){{"key", "key", NULL, 0, NULL},
                                          {"count", "integer", "SAMPLES", COMMAND_ARG_OPTIONAL,
                                           NULL},
                                          {0}}},
    {0},
};

struct command memory_commands[] = {
    {.name = "memory", .arity = -2, .flags = 0, .proc = memory_command, .group = "server",
     .summary = "A container for memory diagnostics commands", .since = "4.0.0",
     .complexity = "Depends on subcommand.", .subcommands = memory_subcommands},
    {0},
};
