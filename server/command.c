/*
 * command.c - the command index, the dispatcher and the reply helpers every
 * handler shares; see command.h.
 *
 * Lookup: the tables of every area (cmd_*.c) are indexed once at start-up
 * in a fixed open-addressing table of their lower-case names (linear
 * probing, at most half full). A request's name is lower-cased and hashed
 * in one pass and compared by hash, length and bytes: every request pays
 * this, and a general hashmap (entries, chains, incremental resizing) is
 * more than a table that never changes after start-up needs. Names longer
 * than any command are unknown without a lookup.
 */
#include "command.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl.h"
#include "blocking.h"
#include "evict.h"
#include "hashmap.h"
#include "keyspace.h"
#include "latency.h"
#include "loading.h"
#include "log.h"
#include "monitor.h"
#include "pause.h"
#include "propagate.h"
#include "pubsub.h"
#include "repl_replica.h"
#include "replication.h"
#include "script.h"
#include "server.h"
#include "slowlog.h"
#include "snapshot.h"
#include "stats.h"
#include "tracking.h"

#define COMMAND_NAME_MAX 32

static struct command *const command_tables[] = {
    connection_commands,
    server_commands,
    string_commands,
    bit_commands,
    sort_commands,
    hll_commands,
    keyspace_commands,
    introspection_commands,
    expire_commands,
    transaction_commands,
    pubsub_commands,
    hash_commands,
    set_commands,
    zset_commands,
    geo_commands,
    list_commands,
    blocking_commands,
    scripting_commands,
    function_commands,
    dump_commands,
    memory_commands,
    debug_commands,
    stream_commands,
    latency_commands,
    module_commands,
    acl_commands,
    cluster_commands,
    migrate_commands,
    repl_commands,
};

/* One slot of a name index: an empty slot has cmd NULL. `name` is the
 * command's own, or the one rename-command gave it (lower case, owned). */
struct name_slot {
    const struct command *cmd;
    const char *name;
    uint32_t hash;
    uint32_t len;
};

/* Open addressing with linear probing, mask + 1 slots (a power of two). */
struct name_index {
    struct name_slot *slots;
    size_t mask, count;
};

/* Commands by their own names, for Grove's code and ACL rules (Redis's
 * orig_commands); and, once the config file renamed one, by the names
 * clients must use (Redis's commands). */
static struct name_index own_names, live_names;
static const struct command **command_by_id_table; /* every command and subcommand */
static bool *command_removed;                      /* by id: rename-command X "" */
static size_t command_ids;

static const struct name_index *client_names(void)
{
    return live_names.slots != NULL ? &live_names : &own_names;
}

/* FNV-1a over the lower-cased name, written to lower as it goes, not
 * SipHash: the indexes only ever hold the fixed table and the names the
 * config file renames commands to, so a request's name can meet a probe
 * run but never lengthen one; there is nothing for a keyed hash to
 * defend. Command names are ASCII: only A-Z change, as tolower() does in
 * the C locale. */
static uint32_t lower_hash(const char *name, size_t len, char *lower)
{
    uint32_t h = 0x811c9dc5u;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        ch = (unsigned char)((unsigned)(ch - 'A') < 26u ? ch | 0x20 : ch);
        lower[i] = (char)ch;
        h = (h ^ ch) * 0x01000193u;
    }
    return h ^ (h >> 16); /* FNV's low bits are its weakest; the mask uses them */
}

/* The slot holding this lower-case name, or the empty one ending its run. */
static struct name_slot *name_slot_find(const struct name_index *x, const char *lower, size_t len,
                                        uint32_t hash)
{
    for (size_t i = hash & x->mask;; i = (i + 1) & x->mask) {
        struct name_slot *s = &x->slots[i];
        if (s->cmd == NULL ||
            (s->hash == hash && s->len == len && memcmp(s->name, lower, len) == 0))
            return s;
    }
}

static const struct command *name_index_lookup(const struct name_index *x, const char *name,
                                               size_t len)
{
    char lower[COMMAND_NAME_MAX];
    if (len >= COMMAND_NAME_MAX)
        return NULL;
    uint32_t hash = lower_hash(name, len, lower);
    return name_slot_find(x, lower, len, hash)->cmd;
}

static void name_index_add(struct name_index *x, const struct command *cmd)
{
    char lower[COMMAND_NAME_MAX];
    size_t len = strlen(cmd->name);
    assert(len < COMMAND_NAME_MAX);
    uint32_t hash = lower_hash(cmd->name, len, lower);
    struct name_slot *s = name_slot_find(x, lower, len, hash);
    if (s->cmd == NULL)
        x->count++;
    *s = (struct name_slot){cmd, cmd->name, hash, (uint32_t)len};
}

static void name_slot_free_name(struct name_slot *s)
{
    if (s->name != s->cmd->name)
        free((char *)s->name);
}

static void name_index_free(struct name_index *x)
{
    for (size_t i = 0; x->slots != NULL && i <= x->mask; i++)
        if (x->slots[i].cmd != NULL)
            name_slot_free_name(&x->slots[i]);
    free(x->slots);
    *x = (struct name_index){NULL, 0, 0};
}

/* Empty slot s, shifting back the rest of its probe run so that every
 * name stays reachable from its home slot (linear probing's deletion). */
static void name_index_remove(struct name_index *x, struct name_slot *s)
{
    size_t hole = (size_t)(s - x->slots);
    name_slot_free_name(s);
    x->slots[hole].cmd = NULL;
    x->count--;
    for (size_t i = (hole + 1) & x->mask; x->slots[i].cmd != NULL; i = (i + 1) & x->mask) {
        size_t home = x->slots[i].hash & x->mask;
        /* Movable unless its home lies cyclically in (hole, i]. */
        bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (stays)
            continue;
        x->slots[hole] = x->slots[i];
        x->slots[i].cmd = NULL;
        hole = i;
    }
}

/* ---- the index -------------------------------------------------------------- */

/* Names and ids; with table NULL only counts. Returns the next free id. */
static unsigned set_fullnames(struct command *parent, unsigned id, const struct command **table)
{
    snprintf(parent->fullname, sizeof(parent->fullname), "%s", parent->name);
    if (table)
        table[id] = parent;
    parent->id = id++;
    if (parent->subcommands == NULL)
        return id;
    for (struct command *sub = (struct command *)parent->subcommands; sub->name; sub++) {
        sub->parent = parent;
        snprintf(sub->fullname, sizeof(sub->fullname), "%s|%s", parent->name, sub->name);
        if (table)
            table[id] = sub;
        sub->id = id++;
    }
    return id;
}

static size_t count_ids(void)
{
    size_t n = 0;
    for (size_t t = 0; t < sizeof(command_tables) / sizeof(command_tables[0]); t++) {
        for (const struct command *cmd = command_tables[t]; cmd->name; cmd++) {
            n++;
            for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
                n++;
        }
    }
    return n;
}

size_t command_id_count(void)
{
    return command_ids;
}

const struct command *command_by_id(unsigned id)
{
    return id < command_ids ? command_by_id_table[id] : NULL;
}

/* Grove's internal flags, kept out of the area tables so those stay
 * Redis's: who must run unlocked inside EXEC, and who runs at once inside
 * MULTI. Names are full names ("config|set"); a container's name marks all
 * its subcommands. */
int command_table_init(void)
{
    if (own_names.slots != NULL)
        return 0; /* built already, for the config file's rename-command */
    command_ids = count_ids();
    size_t mask = 63;
    while (mask + 1 < 2 * command_ids)
        mask = mask * 2 + 1; /* at most half full, so probe runs stay short */
    own_names = (struct name_index){calloc(mask + 1, sizeof(struct name_slot)), mask, 0};
    command_by_id_table = calloc(command_ids, sizeof(*command_by_id_table));
    command_removed = calloc(command_ids, sizeof(*command_removed));
    if (own_names.slots == NULL || command_by_id_table == NULL || command_removed == NULL)
        return -ENOMEM;
    unsigned id = 0;
    for (size_t t = 0; t < sizeof(command_tables) / sizeof(command_tables[0]); t++) {
        for (const struct command *cmd = command_tables[t]; cmd->name; cmd++) {
            id = set_fullnames((struct command *)cmd, id, command_by_id_table);
            name_index_add(&own_names, cmd);
        }
    }
    int rc = command_key_flags_init();
    if (rc == 0)
        rc = command_tips_init();
    if (rc == 0)
        rc = command_doc_extras_init();
    return rc;
}

struct command *command__by_fullname(const char *fullname, const char *what)
{
    const char *bar = strchr(fullname, '|');
    size_t len = bar ? (size_t)(bar - fullname) : strlen(fullname);
    const struct command *cmd = command_by_own_name(fullname, len);
    if (cmd != NULL && bar != NULL)
        cmd = command_lookup_sub(cmd, bar + 1, strlen(bar + 1));
    if (cmd == NULL)
        log_warning("%s for '%s', which is not a command", what, fullname);
    return (struct command *)cmd;
}

void command_table_deinit(void)
{
    name_index_free(&own_names);
    name_index_free(&live_names);
    free(command_by_id_table);
    command_by_id_table = NULL;
    free(command_removed);
    command_removed = NULL;
    command_ids = 0;
}

/* The names clients use start as a copy of the commands' own. */
static int live_names_make(void)
{
    if (live_names.slots != NULL)
        return 0;
    size_t bytes = (own_names.mask + 1) * sizeof(struct name_slot);
    live_names = own_names;
    live_names.slots = malloc(bytes);
    if (live_names.slots == NULL)
        return -ENOMEM;
    memcpy(live_names.slots, own_names.slots, bytes);
    return 0;
}

int command_rename(const char *name, const char *to, const char **err)
{
    char lower[COMMAND_NAME_MAX];
    size_t len = strlen(name), to_len = strlen(to);
    if (live_names_make() < 0) {
        *err = "Out of memory";
        return -ENOMEM;
    }
    struct name_slot *s = NULL;
    if (len < COMMAND_NAME_MAX)
        s = name_slot_find(&live_names, lower, len, lower_hash(name, len, lower));
    if (s == NULL || s->cmd == NULL) {
        *err = "No such command in rename-command";
        return -EINVAL;
    }
    const struct command *cmd = s->cmd;
    name_index_remove(&live_names, s);
    command_removed[cmd->id] = true; /* until it has its new name */
    if (to_len == 0)
        return 0;
    if (to_len >= COMMAND_NAME_MAX) {
        *err = "Target command name is too long";
        return -EINVAL;
    }
    uint32_t hash = lower_hash(to, to_len, lower);
    s = name_slot_find(&live_names, lower, to_len, hash);
    if (s->cmd != NULL) {
        *err = "Target command name already exists";
        return -EINVAL;
    }
    char *copy = strndup(lower, to_len);
    if (copy == NULL) {
        *err = "Out of memory";
        return -ENOMEM;
    }
    *s = (struct name_slot){cmd, copy, hash, (uint32_t)to_len};
    live_names.count++;
    command_removed[cmd->id] = false;
    return 0;
}

const struct command *command_lookup(const char *name, size_t len)
{
    return name_index_lookup(client_names(), name, len);
}

const struct command *command_by_own_name(const char *name, size_t len)
{
    return name_index_lookup(&own_names, name, len);
}

const struct command *command_lookup_sub(const struct command *parent, const char *name,
                                         size_t len)
{
    for (const struct command *sub = parent->subcommands; sub && sub->name; sub++)
        if (strlen(sub->name) == len && strncasecmp(sub->name, name, len) == 0)
            return sub;
    return NULL;
}

void command_foreach(void (*fn)(const struct command *cmd, void *ud), void *ud)
{
    for (size_t t = 0; t < sizeof(command_tables) / sizeof(command_tables[0]); t++)
        for (const struct command *cmd = command_tables[t]; cmd->name; cmd++)
            if (!command_removed[cmd->id])
                fn(cmd, ud);
}

size_t command_count(void)
{
    return client_names()->count;
}

/* ---- ACL categories ----------------------------------------------------------- */

static const char *const acl_names[] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
    "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
    "blocking", "dangerous", "connection", "transaction", "scripting",
};

const char *command_acl_name(unsigned bit)
{
    return bit < sizeof(acl_names) / sizeof(acl_names[0]) ? acl_names[bit] : NULL;
}

/* Redis's setImplicitACLCategories, plus the group for tables that do not
 * spell their categories out. */
uint32_t command_acl_categories(const struct command *cmd)
{
    uint32_t acl = cmd->acl;
    bool container = cmd->subcommands != NULL;
    if (acl == 0 && !container && cmd->group != NULL) {
        if (strcmp(cmd->group, "string") == 0)
            acl |= ACL_STRING;
        else if (strcmp(cmd->group, "generic") == 0)
            acl |= ACL_KEYSPACE;
        else if (strcmp(cmd->group, "connection") == 0)
            acl |= ACL_CONNECTION;
    }
    if (cmd->flags & CMD_WRITE)
        acl |= ACL_WRITE;
    /* Scripts may write whatever their flags say: never @read, as Redis. */
    if ((cmd->flags & CMD_READONLY) && !(acl & ACL_SCRIPTING))
        acl |= ACL_READ;
    if (cmd->flags & CMD_ADMIN)
        acl |= ACL_ADMIN | ACL_DANGEROUS;
    if (cmd->flags & CMD_PUBSUB)
        acl |= ACL_PUBSUB;
    if (cmd->flags & CMD_FAST)
        acl |= ACL_FAST;
    if (cmd->flags & CMD_BLOCKING)
        acl |= ACL_BLOCKING;
    if (!(acl & ACL_FAST))
        acl |= ACL_SLOW;
    return acl;
}

/* ---- standard replies ------------------------------------------------------- */

void reply_wrong_arity(struct cmd_ctx *ctx, const struct command *cmd)
{
    resp_add_errorf(ctx->out, "ERR wrong number of arguments for '%s' command", cmd->fullname);
}

void reply_syntax_error(struct cmd_ctx *ctx)
{
    resp_add_error(ctx->out, "ERR syntax error");
}

void reply_not_integer(struct cmd_ctx *ctx)
{
    resp_add_error(ctx->out, "ERR value is not an integer or out of range");
}

void reply_wrongtype(struct cmd_ctx *ctx)
{
    resp_add_error(ctx->out, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

static void upper_copy(char *dst, size_t cap, const char *src, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[n] = '\0';
}

void reply_help(struct cmd_ctx *ctx, const char *const *lines)
{
    char name[COMMAND_NAME_MAX + 1], header[COMMAND_NAME_MAX + 64];
    upper_copy(name, sizeof(name), ctx->argv[0].ptr, ctx->argv[0].len);
    snprintf(header, sizeof(header), "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
             name);
    size_t n = 0;
    while (lines[n] != NULL)
        n++;
    resp_add_array_len(ctx->out, n + 3);
    resp_add_simple(ctx->out, header);
    for (size_t i = 0; i < n; i++)
        resp_add_simple(ctx->out, lines[i]);
    resp_add_simple(ctx->out, "HELP");
    resp_add_simple(ctx->out, "    Prints this help.");
}

void reply_unknown_subcommand(struct cmd_ctx *ctx)
{
    char name[COMMAND_NAME_MAX + 1];
    upper_copy(name, sizeof(name), ctx->argv[0].ptr, ctx->argv[0].len);
    resp_add_errorf(ctx->out, "ERR unknown subcommand '%.*s'. Try %s HELP.",
                    (int)(ctx->argv[1].len > 128 ? 128 : ctx->argv[1].len), ctx->argv[1].ptr,
                    name);
}

void reply_subcommand_syntax_error(struct cmd_ctx *ctx)
{
    char name[COMMAND_NAME_MAX + 1];
    upper_copy(name, sizeof(name), ctx->argv[0].ptr, ctx->argv[0].len);
    resp_add_errorf(ctx->out,
                    "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s "
                    "HELP.",
                    (int)(ctx->argv[1].len > 128 ? 128 : ctx->argv[1].len), ctx->argv[1].ptr,
                    name);
}

/* "unknown command 'x', with args beginning with: 'a' 'b' " - the argument
 * list stops once it reaches 128 characters, as in Redis. */
static void reply_unknown_command(struct cmd_ctx *ctx)
{
    char args[512];
    size_t used = 0;
    args[0] = '\0';
    for (size_t i = 1; i < ctx->argc && used < 128; i++) {
        int room = 128 - (int)used;
        int n = snprintf(args + used, sizeof(args) - used, "'%.*s' ",
                         (int)(ctx->argv[i].len < (size_t)room ? ctx->argv[i].len : (size_t)room),
                         ctx->argv[i].ptr);
        if (n > 0)
            used += (size_t)n;
    }
    int namelen = (int)(ctx->argv[0].len > 128 ? 128 : ctx->argv[0].len);
    resp_add_errorf(ctx->out, "ERR unknown command '%.*s', with args beginning with: %s", namelen,
                    ctx->argv[0].ptr, args);
}

/* ---- argument helpers ------------------------------------------------------- */

bool arg_is(const struct resp_arg *arg, const char *word)
{
    size_t n = strlen(word);
    return arg->len == n && strncasecmp(arg->ptr, word, n) == 0;
}

bool arg_to_ll(const struct resp_arg *arg, long long *out)
{
    return resp_str_to_ll(arg->ptr, arg->len, out);
}

bool arg_to_ll_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, long long *out)
{
    if (arg_to_ll(arg, out))
        return true;
    reply_not_integer(ctx);
    return false;
}

bool arg_to_int_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, int *out,
                         const char *msg)
{
    long long v;
    if (!arg_to_ll(arg, &v)) {
        if (msg != NULL)
            resp_add_error(ctx->out, msg);
        else
            reply_not_integer(ctx);
        return false;
    }
    if (v < INT_MIN || v > INT_MAX) {
        resp_add_error(ctx->out, msg != NULL ? msg
                                             : "ERR value is out of range, value must between "
                                               "-2147483648 and 2147483647");
        return false;
    }
    *out = (int)v;
    return true;
}

/* Redis's parseScanCursorOrReply: strtoul(s, &end, 10) must consume the
 * whole string (up to a NUL byte, as in C), no leading space, no ERANGE.
 * strtoul's quirks follow: "" is 0, an optional sign, "-1" wraps. */
bool arg_to_scan_cursor(const struct resp_arg *arg, uint64_t *out)
{
    const char *s = arg->ptr;
    size_t len = strnlen(s, arg->len), i = 0;
    bool neg = false;
    uint64_t v = 0;
    if (len == 0) {
        *out = 0;
        return true;
    }
    if (s[0] == '+' || s[0] == '-')
        neg = s[i++] == '-';
    if (i == len)
        return false;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false; /* ERANGE */
        v = v * 10 + d;
    }
    *out = neg ? (uint64_t)0 - v : v;
    return true;
}

struct hashmap_entry *cmd_find(struct cmd_ctx *ctx, const struct cmd_key *k, unsigned flags)
{
    if (ctx->client->flags & CLIENT_NO_TOUCH)
        flags |= KEYSPACE_LOOKUP_NOTOUCH;
    if (!(ctx->cmd->flags & CMD_WRITE))
        flags |= KEYSPACE_LOOKUP_READ;
    struct hashmap_entry *e = keyspace_find(k->shard, &k->key, ctx->now_ms, flags);
    if (e == NULL && (flags & KEYSPACE_LOOKUP_COUNT))
        cmd_notify_miss(ctx, k);
    return e;
}

void cmd_notify_miss(struct cmd_ctx *ctx, const struct cmd_key *k)
{
    if (__builtin_expect(notify_wanted(NOTIFY_KEY_MISS), 0))
        notify__event(NOTIFY_KEY_MISS, "keymiss", k->key.ptr, k->key.len,
                      keyspace_db_index(ctx->db));
}

bool cmd_find_boxed(struct cmd_ctx *ctx, const struct cmd_key *k, unsigned flags,
                    enum object_type type, struct hashmap_entry **entry,
                    struct object_boxed **boxed)
{
    *boxed = NULL;
    *entry = cmd_find(ctx, k, flags);
    if (*entry == NULL)
        return true;
    struct object *o = keyspace_object(*entry);
    if (object_type(o) != type) {
        reply_wrongtype(ctx);
        return false;
    }
    *boxed = object_boxed(o);
    return true;
}

const struct hashmap_hasher *cmd_member_hasher(void)
{
    static const struct hashmap_hasher hasher = {hashmap_siphash, &server.seed};
    return &hasher;
}

const struct object_limits *cmd_object_limits(void)
{
    return &server.cfg.limits;
}

bool scan_opts_parse(struct cmd_ctx *ctx, size_t first, struct scan_opts *o)
{
    *o = (struct scan_opts){.pattern = "*", .plen = 1, .match_all = true, .count = 10};
    for (size_t i = first; i < ctx->argc; i += 2) {
        bool has_value = ctx->argc - i >= 2;
        if (has_value && arg_is(&ctx->argv[i], "count")) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[i + 1], &o->count))
                return false;
            if (o->count < 1) {
                reply_syntax_error(ctx);
                return false;
            }
        } else if (has_value && arg_is(&ctx->argv[i], "match")) {
            o->pattern = ctx->argv[i + 1].ptr;
            o->plen = ctx->argv[i + 1].len;
            o->match_all = o->plen == 1 && o->pattern[0] == '*';
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

void reply_empty_scan(struct cmd_ctx *ctx)
{
    resp_add_array_len(ctx->out, 2);
    resp_add_bulk(ctx->out, "0", 1);
    resp_add_array_len(ctx->out, 0);
}

void reply_scan(struct cmd_ctx *ctx, uint64_t cursor, const struct resp_out *items, size_t n)
{
    if (items->oom) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    char buf[24];
    int len = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cursor);
    resp_add_array_len(ctx->out, 2);
    resp_add_bulk(ctx->out, buf, (size_t)len);
    resp_add_array_len(ctx->out, n);
    resp_add_raw(ctx->out, items->data, items->len);
}

bool arg_to_timeout_ms_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, long long *ms)
{
    long long tval;
    if (!resp_str_to_ll(arg->ptr, arg->len, &tval)) {
        resp_add_error(ctx->out, "ERR timeout is not an integer or out of range");
        return false;
    }
    if (tval < 0) {
        resp_add_error(ctx->out, "ERR timeout is negative");
        return false;
    }
    if (tval > 0 && tval > LLONG_MAX - ctx->now_ms) {
        resp_add_error(ctx->out, "ERR timeout is out of range");
        return false;
    }
    *ms = tval;
    return true;
}

void arg_to_cstr(const struct resp_arg *arg, char *buf, size_t cap)
{
    size_t n = arg->len < cap - 1 ? arg->len : cap - 1;
    memcpy(buf, arg->ptr, n);
    buf[n] = '\0';
}

/* ---- dispatch ----------------------------------------------------------------- */

uint32_t command_line_flags(const struct client *c, const struct command *cmd,
                            const struct resp_arg *argv, size_t argc)
{
    return cmd->line_flags ? cmd->line_flags(c, argv, argc, cmd->flags) : cmd->flags;
}

struct resp_arg *command_args_copy(const struct resp_arg *argv, size_t argc)
{
    size_t bytes = argc * sizeof(struct resp_arg);
    for (size_t i = 0; i < argc; i++)
        bytes += argv[i].len + 1;
    struct resp_arg *copy = malloc(bytes);
    if (copy == NULL)
        return NULL;
    char *p = (char *)(copy + argc);
    for (size_t i = 0; i < argc; i++) {
        memcpy(p, argv[i].ptr, argv[i].len);
        p[argv[i].len] = '\0';
        copy[i] = (struct resp_arg){p, argv[i].len};
        p += argv[i].len + 1;
    }
    return copy;
}

static bool arity_ok(const struct command *cmd, size_t argc)
{
    return cmd->arity >= 0 ? argc == (size_t)cmd->arity : argc >= (size_t)-cmd->arity;
}

/* Redis's is_write_command: the line may write, by its own flags (a
 * script's shebang, a function's flags, EXEC's queue). Asked only when a
 * rare refusal applies. */
static bool line_writes(const struct cmd_ctx *ctx, const struct command *cmd)
{
    return command_line_flags(ctx->client, cmd, ctx->argv, ctx->argc) & CMD_WRITE;
}

/* The master's write arrives while this replica cannot write its AOF or
 * snapshot: with replica-ignore-disk-write-errors no (Redis's default) it
 * stops rather than hold data its files will not (Redis's serverPanic);
 * with yes it applies the write and says so every 10 seconds. */
static void master_write_despite_disk_error(struct cmd_ctx *ctx, const struct command *cmd)
{
    static atomic_llong last_warned_ms;
    if (!line_writes(ctx, cmd))
        return;
    if (!atomic_load(&server.cfg.replica_ignore_disk_write_errors)) {
        log_warning("Guru Meditation: Replica was unable to write command to disk. #command.c");
        abort();
    }
    long long last = atomic_load(&last_warned_ms);
    if (ctx->now_ms > last + 10000 && atomic_compare_exchange_strong(&last_warned_ms, &last,
                                                                     ctx->now_ms))
        log_warning("Replica is applying a command even though it is unable to write to disk.");
}

/* A replica's checks, in Redis's processCommand order: writes on a
 * read-only replica, then commands not flagged stale while the link is
 * down and stale data is not to be served. */
static bool replica_allows(struct cmd_ctx *ctx, const struct command *cmd)
{
    uint32_t flags = command_line_flags(ctx->client, cmd, ctx->argv, ctx->argc);
    if ((flags & CMD_WRITE) && repl_replica_refuses_writes(ctx->client)) {
        resp_add_error(ctx->out, REPL_ERR_READONLY);
        return false;
    }
    if (!(flags & CMD_STALE) && !(ctx->client->flags & CLIENT_REPLAY) && repl_replica_stale()) {
        resp_add_error(ctx->out, REPL_ERR_MASTERDOWN);
        return false;
    }
    return true;
}

/* DEBUG, and MODULE LOAD, LOADEX and UNLOAD: enable-debug-command and
 * enable-module-command (no, yes, local) say who may run them; else
 * Redis's refusal, which names the option. */
static bool protected_command_allowed(struct cmd_ctx *ctx, const struct command *cmd)
{
    bool module = cmd->parent != NULL && strcmp(cmd->parent->name, "module") == 0;
    long long allow = atomic_load(module ? &server.cfg.enable_module_command
                                         : &server.cfg.enable_debug_command);
    if (allow == CONFIG_ALLOW_YES || (allow == CONFIG_ALLOW_LOCAL && client_is_local(ctx->client)))
        return true;
    resp_add_error(ctx->out, module ? ERR_MODULE_NOT_ALLOWED : ERR_DEBUG_NOT_ALLOWED);
    return false;
}

/* Find the command (or subcommand) or reply why not. A command found but
 * refused (arity, NOAUTH) is left in *rejected for its statistics. */
static const struct command *resolve(struct cmd_ctx *ctx, const struct command *peeked,
                                     const struct command **rejected)
{
    const struct command *cmd =
        peeked != NULL ? peeked : command_lookup(ctx->argv[0].ptr, ctx->argv[0].len);
    *rejected = NULL;
    if (cmd == NULL) {
        reply_unknown_command(ctx);
        return NULL;
    }
    if (cmd->subcommands != NULL && ctx->argc >= 2) {
        const struct command *sub = command_lookup_sub(cmd, ctx->argv[1].ptr, ctx->argv[1].len);
        if (sub == NULL) {
            reply_unknown_subcommand(ctx);
            return NULL;
        }
        cmd = sub;
    }
    *rejected = cmd;
    if (!arity_ok(cmd, ctx->argc)) {
        reply_wrong_arity(ctx, cmd);
        return NULL;
    }
    /* The master's stream obeys none of the checks below (Redis's
     * mustObeyClient): they judged it on the master already. */
    if (__builtin_expect(ctx->client->flags & CLIENT_MASTER, 0)) {
        if (__builtin_expect(snapshot_writes_refused() || aof_writes_refused(), 0))
            master_write_despite_disk_error(ctx, cmd);
        *rejected = NULL;
        return cmd;
    }
    if ((cmd->flags & CMD_PROTECTED) && !protected_command_allowed(ctx, cmd))
        return NULL;
    if (client_auth_required(ctx->client) && !(cmd->flags & CMD_NO_AUTH)) {
        resp_add_error(ctx->out, "NOAUTH Authentication required.");
        return NULL;
    }
    /* Redis checks the user's permissions right after authentication. */
    if (__builtin_expect(!acl_user_unrestricted(ctx->client->user), 0) &&
        !acl_check_or_reply(ctx->client, cmd, ctx->argv, ctx->argc,
                            (ctx->client->flags & CLIENT_MULTI) ? ACL_CONTEXT_MULTI
                                                                : ACL_CONTEXT_TOPLEVEL,
                            ctx->out, ctx->now_ms))
        return NULL;
    /* A monitor is a replica to Redis (CLIENT_SLAVE): no keyspace access. */
    if (__builtin_expect(ctx->client->flags & (CLIENT_MONITOR | CLIENT_REPLICA), 0) &&
        (cmd->flags & (CMD_WRITE | CMD_READONLY | CMD_MAY_REPLICATE))) {
        resp_add_error(ctx->out, "ERR Replica can't interact with the keyspace");
        return NULL;
    }
    if (__builtin_expect(script_busy(), 0) && !(cmd->flags & CMD_ALLOW_BUSY)) {
        resp_add_error(ctx->out, script_busy_error());
        return NULL;
    }
    /* The dataset is loading: only what Redis flags `loading` runs (and
     * nothing may evict from half a dataset). */
    if (__builtin_expect(loading_in_progress(), 0) && !(cmd->flags & CMD_LOADING) &&
        !(ctx->client->flags & CLIENT_REPLAY)) {
        resp_add_error(ctx->out, LOADING_ERR);
        return NULL;
    }
    /* Redis's processCommand: evict by policy before every command while
     * maxmemory is set (no shard lock is held yet); refuse commands that
     * may grow the dataset only when nothing more could be evicted. */
    if (evict_perform() == EVICT_FAIL && (cmd->flags & CMD_DENYOOM)) {
        resp_add_error(ctx->out, ERR_MAXMEMORY_OOM);
        return NULL;
    }
    /* After a failed bgsave, Redis refuses writes, and PING (so that a
     * health check notices). The rare condition is tested first: it is
     * a load, the name comparison a call for every read command. */
    if (__builtin_expect(snapshot_writes_refused(), 0) &&
        (line_writes(ctx, cmd) || strcmp(cmd->name, "ping") == 0)) {
        resp_add_error(ctx->out, SNAPSHOT_ERR_MISCONF);
        return NULL;
    }
    if (__builtin_expect(aof_writes_refused(), 0) &&
        (line_writes(ctx, cmd) || strcmp(cmd->name, "ping") == 0)) {
        resp_add_error(ctx->out, aof_misconf_error());
        return NULL;
    }
    if (__builtin_expect(repl_writes_refused(), 0) && line_writes(ctx, cmd)) {
        resp_add_error(ctx->out, REPL_ERR_NOREPLICAS);
        return NULL;
    }
    if (__builtin_expect(repl_replica_on(), 0) && !replica_allows(ctx, cmd))
        return NULL;
    *rejected = NULL;
    return cmd;
}

void cmd_key(struct cmd_ctx *ctx, size_t argi, struct cmd_key *out)
{
    if (argi == ctx->first_key_arg && argi != 0) {
        *out = ctx->first_key;
        return;
    }
    keyspace_key_init(server.ks, &out->key, ctx->argv[argi].ptr, ctx->argv[argi].len);
    out->shard = keyspace_shard_of(ctx->db, &out->key);
}

/* A keyword key spec: the keys are the first half of what follows the
 * keyword; false when there is no keyword or the rest is odd (the
 * command refuses the line). */
static bool keyword_keys(struct command_keys *it, const struct command *cmd,
                         const struct resp_arg *argv, size_t argc)
{
    for (size_t i = (size_t)cmd->keyword_from; i < argc; i++) {
        if (arg_is(&argv[i], cmd->key_keyword)) {
            size_t rest = argc - i - 1;
            if (rest == 0 || rest % 2)
                return false;
            it->counted_next = i + 1;
            it->counted_end = i + 1 + rest / 2;
            return true;
        }
    }
    return false;
}

/* The next argument that follows one of the key_after_words words: each
 * word's occurrences from word_from on, word after word. */
static bool key_after_word(struct command_keys *it, size_t *argi)
{
    for (; *it->word != NULL; it->word++, it->word_next = it->word_from) {
        while (it->word_next + 1 < it->argc) {
            size_t i = it->word_next++;
            if (arg_is(&it->argv[i], *it->word)) {
                *argi = i + 1;
                return true;
            }
        }
    }
    return false;
}

int command_keys_init(struct command_keys *it, const struct command *cmd,
                      const struct resp_arg *argv, size_t argc)
{
    *it = (struct command_keys){.next = 1, .last = 0, .step = 1};
    if (cmd->flags & CMD_NOT_KEYS)
        return 0;
    if (cmd->first_key > 0 && (size_t)cmd->first_key < argc) {
        it->next = (size_t)cmd->first_key;
        it->last = cmd->last_key < 0 ? argc - (size_t)(-cmd->last_key) : (size_t)cmd->last_key;
        it->step = (size_t)cmd->key_step;
        if (it->last >= argc)
            it->last = argc - 1;
    }
    if (cmd->numkeys_arg > 0 && (size_t)cmd->numkeys_arg < argc) {
        long long n;
        size_t after = argc - (size_t)cmd->numkeys_arg - 1;
        if (!arg_to_ll(&argv[cmd->numkeys_arg], &n) || n < 1 || (unsigned long long)n > after)
            return -1;
        it->counted_next = (size_t)cmd->numkeys_arg + 1;
        it->counted_end = it->counted_next + (size_t)n;
    }
    if (cmd->key_keyword != NULL && !keyword_keys(it, cmd, argv, argc))
        return -1;
    if (cmd->key_after_words != NULL) {
        it->word = cmd->key_after_words;
        it->argv = argv;
        it->argc = argc;
        it->word_from = it->word_next = (size_t)cmd->keyword_from;
    }
    if (cmd->find_keys != NULL)
        cmd->find_keys(it, argv, argc);
    return it->next <= it->last || it->counted_next < it->counted_end || it->found != 0;
}

bool command_keys_next(struct command_keys *it, size_t *argi)
{
    if (it->next <= it->last) {
        *argi = it->next;
        it->next += it->step;
        return true;
    }
    if (it->counted_next < it->counted_end) {
        *argi = it->counted_next++;
        return true;
    }
    if (it->word != NULL && key_after_word(it, argi))
        return true;
    if (it->found != 0) {
        *argi = it->found;
        it->found = 0;
        return true;
    }
    return false;
}

/* The handler's run, with what it propagates to the AOF (propagate.h). */
static void call_proc(struct cmd_ctx *ctx)
{
    struct propagate_call pc;
    size_t mark = ctx->out->len;
    propagate_call_begin(&pc, ctx);
    ctx->cmd->proc(ctx);
    propagate_call_end(&pc, ctx, mark);
    /* Its keys are still held: a write after this read will see the record. */
    if (__builtin_expect(ctx->client->flags & CLIENT_TRACKING, 0) &&
        (ctx->cmd->flags & CMD_READONLY) && !(ctx->cmd->flags & (CMD_SCRIPT | CMD_SELF_LOCK)))
        tracking_remember_keys(ctx->client, ctx->cmd, ctx->argv, ctx->argc, ctx->db);
}

/* The handler between the AOF order and the script lock (propagate.h,
 * script.h: both before any shard) and, inside them, its shards: `one`
 * alone, or else `locks` (NULL: none). */
static void run_ordered(const struct command *cmd, struct cmd_ctx *ctx,
                        struct keyspace_shard *one, struct keyspace_lockset *locks)
{
    int order = propagate_order_begin(cmd);
    if (cmd->flags & CMD_SCRIPT)
        script_lock();
    if (one != NULL)
        keyspace_shard_lock(one);
    else if (locks != NULL)
        keyspace_lockset_lock(locks);
    call_proc(ctx);
    if (one != NULL)
        keyspace_shard_unlock(one);
    else if (locks != NULL)
        keyspace_lockset_unlock(locks);
    if (cmd->flags & CMD_SCRIPT)
        script_unlock();
    propagate_order_end(order);
}

/* A command whose table names exactly one key (GET, SET, INCR...) and
 * that has it: its argument index, else 0. Such a command locks its one
 * shard directly, without command_keys_init and a lockset. */
static size_t single_key_arg(const struct command *cmd, size_t argc)
{
    if (cmd->first_key > 0 && cmd->first_key == cmd->last_key && cmd->numkeys_arg == 0 &&
        cmd->key_keyword == NULL && cmd->key_after_words == NULL && cmd->find_keys == NULL &&
        !(cmd->flags & (CMD_NOT_KEYS | CMD_SELF_LOCK)) &&
        (size_t)cmd->first_key < argc)
        return (size_t)cmd->first_key;
    return 0;
}

/* Keep the first key's hash and shard for the handler (cmd_key). */
static void note_first_key(struct cmd_ctx *ctx, size_t argi, const struct cmd_key *k)
{
    if (ctx->first_key_arg == 0) {
        ctx->first_key_arg = argi;
        ctx->first_key = *k;
    }
}

bool command_peek(const struct resp_arg *argv, size_t argc, struct command_peek *out)
{
    const struct command *cmd = argc > 0 ? command_lookup(argv[0].ptr, argv[0].len) : NULL;
    out->cmd = cmd != NULL && cmd->subcommands == NULL ? cmd : NULL;
    out->key_arg = out->cmd != NULL ? single_key_arg(cmd, argc) : 0;
    if (out->key_arg == 0)
        return false;
    keyspace_key_init(server.ks, &out->key, argv[out->key_arg].ptr, argv[out->key_arg].len);
    return true;
}

struct keyspace_shard *command_peek_shard(const struct client *c, const struct command_peek *p)
{
    return keyspace_shard_of(keyspace_db(server.ks, (unsigned)c->db), &p->key);
}

/* Lock the shards of the command line's keys (ascending shard order,
 * inside the lockset; every shard of the database for a line that reads
 * keys named by data), run it, unlock. */
static void run_locked(const struct command *cmd, struct cmd_ctx *ctx)
{
    struct keyspace_lockset locks;
    struct command_keys keys;
    struct cmd_key k;
    size_t i = single_key_arg(cmd, ctx->argc);
    if (i != 0) {
        cmd_key(ctx, i, &k);
        note_first_key(ctx, i, &k);
        run_ordered(cmd, ctx, k.shard, NULL);
        return;
    }
    if (cmd->flags & CMD_SELF_LOCK) {
        run_ordered(cmd, ctx, NULL, NULL);
        return;
    }
    command_keys_init(&keys, cmd, ctx->argv, ctx->argc);
    keyspace_lockset_init(&locks);
    while (command_keys_next(&keys, &i)) {
        cmd_key(ctx, i, &k);
        note_first_key(ctx, i, &k);
        if (keyspace_lockset_add(&locks, k.shard) < 0)
            goto oom;
    }
    if (keys.whole_db && keyspace_lockset_add_db(&locks, ctx->db) < 0)
        goto oom;
    run_ordered(cmd, ctx, NULL, &locks);
    keyspace_lockset_deinit(&locks);
    return;
oom:
    keyspace_lockset_deinit(&locks);
    resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
}

/* CLIENT REPLY OFF|SKIP, and a replica (Redis never answers one): the
 * reply is produced, then taken back. */
static void apply_reply_mode(struct client *c, size_t mark)
{
    if ((c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLICA)) &&
        !(c->flags & CLIENT_PUSHING))
        c->out.len = mark;
    c->flags &= ~(uint32_t)(CLIENT_REPLY_SKIP | CLIENT_PUSHING);
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags &= ~(uint32_t)CLIENT_REPLY_SKIP_NEXT;
        c->flags |= CLIENT_REPLY_SKIP;
    }
}

/* Did the command leave an error reply ("-CODE ...") after `mark`? */
static bool replied_error(const struct client *c, size_t mark)
{
    return c->out.len > mark && c->out.data[mark] == '-';
}

/* Whether HELLO redacts argument i: the AUTH pairs of the options that
 * helloCommand reads, after a valid protocol version and before the first
 * option it refuses. */
static bool hello_redacts(const struct resp_arg *argv, size_t argc, size_t i)
{
    long long ver;
    if (argc >= 2 && (!arg_to_ll(&argv[1], &ver) || ver < 2 || ver > 3))
        return false;
    for (size_t j = 2; j < argc; j++) {
        size_t more = argc - 1 - j;
        if (arg_is(&argv[j], "auth") && more >= 2) {
            if (i == j + 1 || i == j + 2)
                return true;
            j += 2;
        } else if (arg_is(&argv[j], "setname") && more >= 1) {
            j++;
        } else {
            return false;
        }
    }
    return false;
}

/* Whether MIGRATE redacts argument i: AUTH's password and AUTH2's user
 * and password, among the options migrateCommand reads before KEYS or the
 * first one it refuses. */
static bool migrate_redacts(const struct resp_arg *argv, size_t argc, size_t i)
{
    for (size_t j = 6; j < argc; j++) {
        size_t more = argc - 1 - j;
        if (arg_is(&argv[j], "auth") && more >= 1) {
            if (i == j + 1)
                return true;
            j++;
        } else if (arg_is(&argv[j], "auth2") && more >= 2) {
            if (i == j + 1 || i == j + 2)
                return true;
            j += 2;
        } else if (!arg_is(&argv[j], "copy") && !arg_is(&argv[j], "replace")) {
            return false;
        }
    }
    return false;
}

/* Whether CONFIG SET redacts argument i: the value given to a sensitive
 * setting (Redis 7.0's SENSITIVE_CONFIG ones), once the pairs are whole,
 * even when the command then fails. */
static bool config_set_redacts(const struct resp_arg *argv, size_t argc, size_t i)
{
    static const char *const sensitive[] = {"masteruser", "masterauth", "requirepass"};
    if (argc < 4 || argc % 2 != 0 || i < 3 || i % 2 == 0)
        return false;
    for (size_t k = 0; k < sizeof(sensitive) / sizeof(sensitive[0]); k++)
        if (arg_is(&argv[i - 1], sensitive[k]))
            return true;
    return false;
}

/* Whether Redis redacts argument i (its redactClientCommandArgument
 * calls): AUTH's arguments once the arity passed, HELLO's AUTH pair,
 * everything after ACL SETUSER (before it checks anything, so a rule it
 * refuses stays hidden too), CONFIG SET's sensitive values, MIGRATE's
 * AUTH and AUTH2 credentials. */
static bool arg_redacted(const struct resp_arg *argv, size_t argc, size_t i)
{
    if (arg_is(&argv[0], "auth"))
        return i > 0 && argc <= 3;
    if (arg_is(&argv[0], "hello"))
        return hello_redacts(argv, argc, i);
    if (argc < 3)
        return false;
    if (arg_is(&argv[0], "acl") && arg_is(&argv[1], "setuser"))
        return i >= 2;
    if (arg_is(&argv[0], "config") && arg_is(&argv[1], "set"))
        return config_set_redacts(argv, argc, i);
    if (arg_is(&argv[0], "migrate"))
        return migrate_redacts(argv, argc, i);
    return false;
}

struct resp_arg command_arg_shown(const struct resp_arg *argv, size_t argc, size_t i)
{
    static const char redacted[] = "(redacted)";
    if (arg_redacted(argv, argc, i))
        return (struct resp_arg){redacted, sizeof(redacted) - 1};
    return argv[i];
}

/* MONITOR's view of the command (monitor.h): a script runner (EVAL,
 * FCALL) before its script, anything else but administrative commands
 * once it ran; nothing an AOF replay runs. */
static void feed_monitors(const struct cmd_ctx *ctx, const struct command *cmd, bool ran)
{
    const unsigned runs_script = CMD_SKIP_MONITOR | CMD_SCRIPT;
    bool shown = ran ? !(cmd->flags & (CMD_SKIP_MONITOR | CMD_ADMIN))
                     : (cmd->flags & runs_script) == runs_script;
    if (shown && !(ctx->client->flags & CLIENT_REPLAY))
        monitor_feed(ctx->client, ctx->client->db, false, ctx->argv, ctx->argc);
}

/* Run a resolved command under its shard locks (unless the caller holds
 * them) and count it. Returns whether it replied an error that INFO
 * errorstats has still to count. */
static bool run_counted(struct cmd_ctx *ctx, const struct command *cmd, size_t mark,
                        bool shards_held)
{
    struct client *c = ctx->client;
    ctx->cmd = cmd;
    c->last_cmd = cmd;
    /* CLIENT LIST on other loops shows a running command at once. */
    atomic_store_explicit(&c->view.last_cmd, cmd, memory_order_relaxed);
    if (__builtin_expect(monitor_active(), 0))
        feed_monitors(ctx, cmd, false);
    tracking_command_begin(c);
    long long start = server_ticks();
    if (shards_held)
        call_proc(ctx);
    else
        run_locked(cmd, ctx);
    long long ticks = server_ticks() - start;
    if (__builtin_expect(monitor_active(), 0))
        feed_monitors(ctx, cmd, true);
    /* A command that blocked is logged when it is served, as in Redis. */
    if (!(cmd->flags & CMD_SKIP_SLOWLOG) && !(c->flags & CLIENT_REPLAY)) {
        if (c->flags & CLIENT_BLOCKED)
            blocking_keep_for_slowlog(c, ctx->argv, ctx->argc, ticks);
        else
            slowlog_consider(c, false, ctx->argv, ctx->argc, ticks);
    }
    bool failed = replied_error(c, mark);
    stats_command_add(c->stats, cmd->id, STATS_CMD_CALLS, 1);
    stats_command_add(c->stats, cmd->id, STATS_CMD_TICKS, ticks);
    latency_command_ran(c, cmd, ticks);
    if (failed)
        stats_command_add(c->stats, cmd->id, STATS_CMD_FAILED, 1);
    stats_add(c->stats, STATS_COMMANDS, 1);
    return failed && !ctx->error_counted;
}

/* A command a client sent (EXEC included, not the commands EXEC or a
 * script runs): what it allocated counts towards maxmemory at once. */
static bool run_top_level(struct cmd_ctx *ctx, const struct command *cmd, size_t mark)
{
    bool failed = run_counted(ctx, cmd, mark, false);
    evict_note_thread_memory();
    return failed;
}

static void count_rejected(struct client *c, const struct command *rejected)
{
    if (rejected != NULL)
        stats_command_add(c->stats, rejected->id, STATS_CMD_REJECTED, 1);
}

/* Errors count before CLIENT REPLY OFF takes the reply back, as Redis does. */
static void finish(struct client *c, size_t mark, bool failed)
{
    if (failed && c->out.len > mark)
        server_count_error(c->out.data + mark, c->out.len - mark);
    apply_reply_mode(c, mark);
}

/* Redis's rejectCommand of an EXEC inside MULTI (a wrong arity, say):
 * the error just replied becomes the reason the transaction is discarded
 * (execCommandAbort). Redis's own texts for these carry no ERR code, so
 * ours loses it ("because of: wrong number of arguments ..."); a coded
 * error (NOAUTH, BUSY) keeps its code, as in Redis. */
static void abort_rejected_exec(struct cmd_ctx *ctx, size_t mark)
{
    struct resp_out *out = ctx->out;
    char reason[512];
    if (out->len < mark + 3 || out->data[mark] != '-')
        return; /* nothing replied (out of memory): the flag stays */
    const char *p = out->data + mark + 1;
    size_t n = out->len - mark - 3; /* without '-' and CRLF */
    if (n >= 4 && memcmp(p, "ERR ", 4) == 0) {
        p += 4;
        n -= 4;
    }
    snprintf(reason, sizeof(reason), "%.*s", (int)n, p);
    out->len = mark;
    resp_add_errorf(out, "EXECABORT Transaction discarded because of: %s", reason);
    multi_client_reset(ctx->client);
}

/* Redis's processCommand checks CLIENT PAUSE last, just before running
 * or queuing a command that passed every other check: true when the
 * command is postponed (pause.h), or refused for want of memory. */
static bool postponed(struct cmd_ctx *ctx, const struct command *cmd)
{
    if (ctx->client->flags & CLIENT_MASTER)
        return false; /* a replica's master is never paused, as in Redis */
    if (!pause_holds(ctx->client, cmd, ctx->argv, ctx->argc, ctx->now_ms))
        return false;
    if (pause_postpone(ctx->client, ctx->argv, ctx->argc) < 0)
        return false; /* it runs now: better than an error nobody expects */
    ctx->client->last_cmd = cmd; /* CLIENT LIST shows what waits, as Redis */
    atomic_store_explicit(&ctx->client->view.last_cmd, cmd, memory_order_relaxed);
    return true;
}

/*
 * Inside MULTI, as Redis's processCommand: a command refused by the usual
 * checks, or flagged no-multi, or (over maxmemory) any command but the
 * transaction controls, is answered with its error and flags the
 * transaction (EXEC will answer EXECABORT). MULTI, EXEC, DISCARD, WATCH,
 * QUIT and RESET run at once; everything else is queued: +QUEUED.
 */
static void execute_in_multi(struct cmd_ctx *ctx, size_t mark)
{
    struct client *c = ctx->client;
    const struct command *rejected;
    const struct command *cmd = resolve(ctx, NULL, &rejected);
    if (cmd != NULL && !(cmd->flags & CMD_TX_CONTROL)) {
        rejected = cmd;
        cmd = NULL;
        if (rejected->flags & CMD_NO_MULTI)
            resp_add_error(ctx->out, "ERR Command not allowed inside a transaction");
        else if (server_over_maxmemory())
            resp_add_error(ctx->out, ERR_MAXMEMORY_OOM);
        else if (postponed(ctx, rejected))
            return;
        else if (multi_queue(c, rejected, ctx->argv, ctx->argc) < 0)
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        else
            rejected = NULL;
        if (rejected == NULL) {
            resp_add_simple(ctx->out, "QUEUED");
            apply_reply_mode(c, mark);
            return;
        }
    }
    bool failed = true;
    if (cmd != NULL && postponed(ctx, cmd))
        return;
    if (cmd != NULL) {
        failed = run_top_level(ctx, cmd, mark);
    } else {
        c->flags |= CLIENT_DIRTY_EXEC;
        count_rejected(c, rejected);
        if (rejected != NULL && strcmp(rejected->fullname, "exec") == 0)
            abort_rejected_exec(ctx, mark);
    }
    finish(c, mark, failed);
}

/* A RESP2 client with subscriptions may only run the commands Redis
 * allows in that context; true (with the error replied) if refused. */
static bool refused_while_subscribed(struct cmd_ctx *ctx, const struct command *cmd)
{
    static const char *const allowed[] = {"ping", "subscribe", "psubscribe", "ssubscribe",
                                          "unsubscribe", "punsubscribe", "sunsubscribe",
                                          "quit", "reset", NULL};
    if (ctx->client->resp != 2 || !pubsub_client_subscribed(ctx->client))
        return false;
    const char *name = cmd->parent ? cmd->parent->name : cmd->name;
    for (size_t i = 0; allowed[i] != NULL; i++)
        if (strcmp(name, allowed[i]) == 0)
            return false;
    resp_add_errorf(ctx->out,
                    "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                    "QUIT / RESET are allowed in this context",
                    cmd->fullname);
    return true;
}

void command_client_leave(struct client *c)
{
    tracking_disable(c);
    pause_client_leave(c);
    monitor_remove(c);
    repl_client_leave(c);
    blocking_client_leave(c);
    multi_client_reset(c);
    pubsub_client_deinit(c);
}

void command_execute(struct client *c, struct resp_arg *argv, size_t argc, long long now_ms)
{
    command_execute_peeked(c, argv, argc, now_ms, NULL);
}

void command_execute_peeked(struct client *c, struct resp_arg *argv, size_t argc,
                            long long now_ms, const struct command_peek *peek)
{
    struct cmd_ctx ctx = {
        .client = c, .out = &c->out, .argc = argc, .argv = argv,
        .db = keyspace_db(server.ks, (unsigned)c->db), .now_ms = now_ms,
    };
    size_t mark = c->out.len;
    if (__builtin_expect(tracking_active(), 0))
        tracking_enforce_limit(); /* before the command, as Redis's processCommand */
    if (__builtin_expect((c->flags & CLIENT_MULTI) != 0, 0)) {
        execute_in_multi(&ctx, mark); /* EXEC included */
        blocking_serve_ready();
        tracking_command_end(c, ctx.cmd);
        return;
    }
    if (peek != NULL && peek->key_arg != 0) { /* run_locked takes it from here */
        ctx.first_key_arg = peek->key_arg;
        ctx.first_key.key = peek->key;
        ctx.first_key.shard = keyspace_shard_of(ctx.db, &peek->key);
    }
    const struct command *rejected;
    const struct command *cmd = resolve(&ctx, peek != NULL ? peek->cmd : NULL, &rejected);
    bool failed = true;
    if (cmd != NULL && __builtin_expect(c->pubsub != NULL, 0) &&
        refused_while_subscribed(&ctx, cmd)) {
        rejected = cmd;
        cmd = NULL;
    }
    if (cmd != NULL && __builtin_expect(postponed(&ctx, cmd), 0))
        return;
    if (cmd != NULL)
        failed = run_top_level(&ctx, cmd, mark);
    else
        count_rejected(c, rejected);
    finish(c, mark, failed);
    blocking_serve_ready(); /* after the command (a whole EXEC too), its locks released */
    tracking_command_end(c, cmd != NULL ? cmd : rejected);
}

void command__run_held(struct client *c, struct resp_out *out, const struct command *cmd,
                       struct resp_arg *argv, size_t argc, long long now_ms)
{
    struct cmd_ctx ctx = {
        .cmd = cmd, .client = c, .out = out, .argc = argc, .argv = argv,
        .db = keyspace_db(server.ks, (unsigned)c->db), .now_ms = now_ms,
    };
    call_proc(&ctx);
}

void command__run_queued(struct client *c, const struct command *cmd, struct resp_arg *argv,
                         size_t argc, long long now_ms, bool shards_held)
{
    struct cmd_ctx ctx = {
        .client = c, .out = &c->out, .argc = argc, .argv = argv,
        .db = keyspace_db(server.ks, (unsigned)c->db), .now_ms = now_ms,
    };
    size_t mark = c->out.len;
    if (run_counted(&ctx, cmd, mark, shards_held) && c->out.len > mark)
        server_count_error(c->out.data + mark, c->out.len - mark);
}
