/*
 * cmd_command.c - COMMAND and its subcommands (COUNT, LIST, INFO, DOCS,
 * GETKEYS, HELP), generated from the command table, so that redis-cli shows
 * argument hints and client libraries can learn key positions.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "glob.h"

/* ---- COMMAND INFO --------------------------------------------------------------- */

/* Shown, never set in a table: a command that counts its keys or has
 * keys no position describes. */
#define CMD_MOVABLE_KEYS (1ull << 32)

static const struct {
    uint64_t flag;
    const char *name;
} flag_names[] = { /* Redis 7.0 shows no may_replicate */
    {CMD_WRITE, "write"},         {CMD_READONLY, "readonly"},   {CMD_DENYOOM, "denyoom"},
    {CMD_ADMIN, "admin"},         {CMD_PUBSUB, "pubsub"},       {CMD_NOSCRIPT, "noscript"},
    {CMD_BLOCKING, "blocking"},   {CMD_LOADING, "loading"},     {CMD_STALE, "stale"},
    {CMD_SKIP_MONITOR, "skip_monitor"}, {CMD_SKIP_SLOWLOG, "skip_slowlog"},
    {CMD_ASKING, "asking"},       {CMD_FAST, "fast"},           {CMD_NO_AUTH, "no_auth"},
    {CMD_NO_MANDATORY_KEYS, "no_mandatory_keys"}, {CMD_NO_ASYNC_LOADING, "no_async_loading"},
    {CMD_NO_MULTI, "no_multi"},   {CMD_MOVABLE_KEYS, "movablekeys"},
    {CMD_ALLOW_BUSY, "allow_busy"},
};
#define FLAG_NAME_COUNT (sizeof(flag_names) / sizeof(flag_names[0]))

/* The table's flags, and movablekeys for a command that counts its keys
 * or has keys no position describes, in Redis's order. */
static void add_flags(struct resp_out *out, const struct command *cmd)
{
    bool movable = cmd->numkeys_arg > 0 || cmd->key_keyword != NULL ||
                   cmd->key_after_words != NULL || cmd->find_keys != NULL ||
                   cmd->unknown_keys != NULL;
    uint64_t flags = cmd->flags | (movable ? CMD_MOVABLE_KEYS : 0);
    size_t n = 0;
    for (size_t i = 0; i < FLAG_NAME_COUNT; i++)
        n += (flags & flag_names[i].flag) != 0;
    resp_add_set_len(out, n);
    for (size_t i = 0; i < FLAG_NAME_COUNT; i++)
        if (flags & flag_names[i].flag)
            resp_add_simple(out, flag_names[i].name);
}

/* ACL categories in Redis's order (command_acl_categories). */
static void add_acl_categories(struct resp_out *out, const struct command *cmd)
{
    uint32_t acl = command_acl_categories(cmd);
    resp_add_set_len(out, (size_t)__builtin_popcount(acl));
    for (unsigned bit = 0; command_acl_name(bit) != NULL; bit++) {
        if (acl & (1u << bit)) {
            char name[32];
            snprintf(name, sizeof(name), "@%s", command_acl_name(bit));
            resp_add_simple(out, name);
        }
    }
}

/* begin_search by keyword (XREAD's STREAMS, GEORADIUS's STORE, from
 * keyword_from). */
static void add_keyword_search(struct resp_out *out, const struct command *cmd,
                               const char *keyword)
{
    char word[16];
    size_t n = 0;
    for (; keyword[n] && n < sizeof(word) - 1; n++)
        word[n] = (char)toupper((unsigned char)keyword[n]);
    resp_add_bulk_cstr(out, "type");
    resp_add_bulk_cstr(out, "keyword");
    resp_add_bulk_cstr(out, "spec");
    resp_add_map_len(out, 2);
    resp_add_bulk_cstr(out, "keyword");
    resp_add_bulk(out, word, n);
    resp_add_bulk_cstr(out, "startfrom");
    resp_add_integer(out, cmd->keyword_from);
}

/* A key spec's flags (command.h's KEY_*), as Redis names them. */
static void add_key_flags(struct resp_out *out, unsigned flags)
{
    static const char *const names[] = {"RO",     "RW",     "OW",      "RM",
                                        "access", "update", "insert",  "delete",
                                        "not_key", "incomplete", "variable_flags"};
    size_t n = 0;
    for (size_t b = 0; b < sizeof(names) / sizeof(names[0]); b++)
        n += (flags >> b) & 1;
    resp_add_set_len(out, n);
    for (size_t b = 0; b < sizeof(names) / sizeof(names[0]); b++)
        if ((flags >> b) & 1)
            resp_add_simple(out, names[b]);
}

/* One key spec in Redis 7's shape: its flags (those of its first key,
 * the n-th of the command's), begin_search by index (or, for a keyword
 * key spec, by `keyword`: XREAD's STREAMS, GEORADIUS's STORE), then
 * find_keys as a range (lastkey relative to the first, keystep, limit)
 * or, for a counted list, a keynum (where the count is, relative to the
 * index, the first key after it, keystep). */
static void add_key_spec(struct resp_out *out, const struct command *cmd, size_t n, int index,
                         const char *keyword, const char *find_type,
                         const char *const names[3], const long long values[3])
{
    const char *notes = n == 0 ? cmd->key_notes : NULL;
    resp_add_map_len(out, notes ? 4 : 3);
    if (notes) {
        resp_add_bulk_cstr(out, "notes");
        resp_add_bulk_cstr(out, notes);
    }
    resp_add_bulk_cstr(out, "flags");
    add_key_flags(out, command_key_flags(cmd, n));
    resp_add_bulk_cstr(out, "begin_search");
    resp_add_map_len(out, 2);
    if (keyword) {
        add_keyword_search(out, cmd, keyword);
    } else {
        resp_add_bulk_cstr(out, "type");
        resp_add_bulk_cstr(out, "index");
        resp_add_bulk_cstr(out, "spec");
        resp_add_map_len(out, 1);
        resp_add_bulk_cstr(out, "index");
        resp_add_integer(out, index);
    }
    resp_add_bulk_cstr(out, "find_keys");
    resp_add_map_len(out, 2);
    resp_add_bulk_cstr(out, "type");
    resp_add_bulk_cstr(out, find_type);
    resp_add_bulk_cstr(out, "spec");
    resp_add_map_len(out, 3);
    for (int i = 0; i < 3; i++) {
        resp_add_bulk_cstr(out, names[i]);
        resp_add_integer(out, values[i]);
    }
}

/* A key spec Redis marks "unknown" in both its halves, with its notes. */
static void add_unknown_key_spec(struct resp_out *out, const struct command_key_note *note)
{
    static const char *const halves[2] = {"begin_search", "find_keys"};
    size_t nflags = note->flags[1] != NULL ? 2 : 1;
    resp_add_map_len(out, 4);
    resp_add_bulk_cstr(out, "notes");
    resp_add_bulk_cstr(out, note->notes);
    resp_add_bulk_cstr(out, "flags");
    resp_add_set_len(out, nflags);
    for (size_t i = 0; i < nflags; i++)
        resp_add_simple(out, note->flags[i]);
    for (size_t i = 0; i < 2; i++) {
        resp_add_bulk_cstr(out, halves[i]);
        resp_add_map_len(out, 2);
        resp_add_bulk_cstr(out, "type");
        resp_add_bulk_cstr(out, "unknown");
        resp_add_bulk_cstr(out, "spec");
        resp_add_map_len(out, 0);
    }
}

static void add_key_specs(struct resp_out *out, const struct command *cmd)
{
    static const char *const range_names[3] = {"lastkey", "keystep", "limit"};
    static const char *const keynum_names[3] = {"keynumidx", "firstkey", "keystep"};
    static const long long one_key[3] = {0, 1, 0};
    bool range = cmd->first_key > 0, counted = cmd->numkeys_arg > 0;
    size_t words = 0, unknown = 0;
    if (cmd->key_keyword) {
        static const long long values[3] = {-1, 1, 2}; /* half of what follows */
        resp_add_set_len(out, 1);
        add_key_spec(out, cmd, 0, 0, cmd->key_keyword, "range", range_names, values);
        return;
    }
    while (cmd->key_after_words && cmd->key_after_words[words])
        words++;
    while (cmd->unknown_keys != NULL && cmd->unknown_keys[unknown].notes != NULL)
        unknown++;
    /* A range whose first key is used otherwise than the rest (LMOVE,
     * BITOP's destination) is two key specs in Redis: that key, then the
     * others. */
    bool split = range && cmd->key_flags[0] != cmd->key_flags[1] &&
                 (cmd->last_key < 0 || cmd->last_key > cmd->first_key);
    bool trailing = cmd->keys_after_word != NULL;
    resp_add_set_len(out, (size_t)range + (size_t)split + (size_t)counted + words + unknown +
                                (size_t)trailing);
    if (split) {
        int second = cmd->first_key + cmd->key_step;
        long long lastkey = cmd->last_key < 0 ? cmd->last_key : cmd->last_key - second;
        const long long values[3] = {lastkey, cmd->key_step, 0};
        add_key_spec(out, cmd, 0, cmd->first_key, NULL, "range", range_names, one_key);
        add_key_spec(out, cmd, 1, second, NULL, "range", range_names, values);
    } else if (range) {
        long long lastkey = cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key;
        const long long values[3] = {lastkey, cmd->key_step, 0};
        add_key_spec(out, cmd, 0, cmd->first_key, NULL, "range", range_names, values);
    }
    if (counted) {
        static const long long values[3] = {0, 1, 1};
        add_key_spec(out, cmd, range, cmd->numkeys_arg, NULL, "keynum", keynum_names, values);
    }
    for (size_t i = 0; i < words; i++)
        add_key_spec(out, cmd, 1, 0, cmd->key_after_words[i], "range", range_names, one_key);
    for (size_t i = 0; i < unknown; i++)
        add_unknown_key_spec(out, &cmd->unknown_keys[i]);
    if (trailing) {
        static const long long to_the_end[3] = {-1, 1, 0};
        add_key_spec(out, cmd, 1, 0, cmd->keys_after_word, "range", range_names, to_the_end);
    }
}

static size_t count_subcommands(const struct command *cmd)
{
    size_t n = 0;
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        n++;
    return n;
}

/* The space-separated tips as a set of bulk strings, as Redis sends them. */
static void add_tips(struct resp_out *out, const struct command *cmd)
{
    size_t n = 0;
    for (const char *p = cmd->tips; p != NULL && *p != '\0'; p += strcspn(p, " "), p += *p == ' ')
        n++;
    resp_add_set_len(out, n);
    for (const char *p = cmd->tips; p != NULL && *p != '\0'; p += *p == ' ') {
        size_t len = strcspn(p, " ");
        resp_add_bulk(out, p, len);
        p += len;
    }
}

static void add_command_info(struct resp_out *out, const struct command *cmd)
{
    resp_add_array_len(out, 10);
    resp_add_bulk_cstr(out, cmd->fullname);
    resp_add_integer(out, cmd->arity);
    add_flags(out, cmd);
    resp_add_integer(out, cmd->first_key);
    resp_add_integer(out, cmd->last_key);
    resp_add_integer(out, cmd->key_step);
    add_acl_categories(out, cmd);
    add_tips(out, cmd);
    add_key_specs(out, cmd);
    /* Redis's reply types: key specs a set; no subcommands an empty set,
     * else an array. */
    if (cmd->subcommands == NULL)
        resp_add_set_len(out, 0);
    else
        resp_add_array_len(out, count_subcommands(cmd));
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        add_command_info(out, sub);
}

static void add_info_cb(const struct command *cmd, void *ud)
{
    add_command_info(ud, cmd);
}

static void command_command(struct cmd_ctx *ctx)
{
    resp_add_array_len(ctx->out, command_count());
    command_foreach(add_info_cb, ctx->out);
}

/* "client|setname" or "client setname" style names in COMMAND INFO/DOCS. */
static const struct command *find_by_fullname(const struct resp_arg *arg)
{
    const char *bar = memchr(arg->ptr, '|', arg->len);
    if (bar == NULL)
        return command_lookup(arg->ptr, arg->len);
    const struct command *parent = command_lookup(arg->ptr, (size_t)(bar - arg->ptr));
    if (parent == NULL)
        return NULL;
    return command_lookup_sub(parent, bar + 1, arg->len - (size_t)(bar - arg->ptr) - 1);
}

static void command_info_command(struct cmd_ctx *ctx)
{
    if (ctx->argc == 2) {
        command_command(ctx);
        return;
    }
    resp_add_array_len(ctx->out, ctx->argc - 2);
    for (size_t i = 2; i < ctx->argc; i++) {
        const struct command *cmd = find_by_fullname(&ctx->argv[i]);
        if (cmd)
            add_command_info(ctx->out, cmd);
        else
            resp_add_null(ctx->out);
    }
}

static void count_cb(const struct command *cmd, void *ud)
{
    (void)cmd;
    (*(size_t *)ud)++;
}

static void command_count_command(struct cmd_ctx *ctx)
{
    size_t n = 0;
    command_foreach(count_cb, &n);
    resp_add_integer(ctx->out, (long long)n);
}

/* ---- COMMAND DOCS ------------------------------------------------------------ */

static void add_args(struct resp_out *out, const struct command_arg *args, int *key_spec);

static size_t count_args(const struct command_arg *args)
{
    size_t n = 0;
    while (args && args[n].name)
        n++;
    return n;
}

#define SHOWN_ARG_FLAGS (COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE | COMMAND_ARG_MULTIPLE_TOKEN)

static void add_arg_flags(struct resp_out *out, unsigned flags)
{
    resp_add_bulk_cstr(out, "flags");
    resp_add_set_len(out, (size_t)__builtin_popcount(flags & SHOWN_ARG_FLAGS));
    if (flags & COMMAND_ARG_OPTIONAL)
        resp_add_simple(out, "optional");
    if (flags & COMMAND_ARG_MULTIPLE)
        resp_add_simple(out, "multiple");
    if (flags & COMMAND_ARG_MULTIPLE_TOKEN)
        resp_add_simple(out, "multiple_token");
}

/* "name", then the value when it is set: a field Redis leaves out otherwise. */
static void add_field_if(struct resp_out *out, const char *name, const char *value)
{
    if (value != NULL) {
        resp_add_bulk_cstr(out, name);
        resp_add_bulk_cstr(out, value);
    }
}

/* One argument, its fields in Redis's order. *key_spec is the key spec
 * index of the last argument before it that had one (command.h's
 * COMMAND_ARG_KEY_SPEC). */
static void add_arg(struct resp_out *out, const struct command_arg *arg, int *key_spec)
{
    bool has_key_spec = strcmp(arg->type, "key") == 0 || (arg->flags & COMMAND_ARG_KEY_SPEC);
    const char *since, *deprecated_since;
    command_arg_versions(arg, &since, &deprecated_since);
    size_t fields = 2 + has_key_spec + (arg->token != NULL) + (since != NULL) +
                    (deprecated_since != NULL) + ((arg->flags & SHOWN_ARG_FLAGS) != 0) +
                    (arg->subargs != NULL);
    resp_add_map_len(out, fields);
    resp_add_bulk_cstr(out, "name");
    resp_add_bulk_cstr(out, arg->name);
    resp_add_bulk_cstr(out, "type");
    resp_add_bulk_cstr(out, arg->type);
    if (has_key_spec) {
        *key_spec += !(arg->flags & COMMAND_ARG_SAME_KEY_SPEC);
        resp_add_bulk_cstr(out, "key_spec_index");
        resp_add_integer(out, *key_spec);
    }
    add_field_if(out, "token", arg->token);
    add_field_if(out, "since", since);
    add_field_if(out, "deprecated_since", deprecated_since);
    if (arg->flags & SHOWN_ARG_FLAGS)
        add_arg_flags(out, arg->flags);
    if (arg->subargs) {
        resp_add_bulk_cstr(out, "arguments");
        add_args(out, arg->subargs, key_spec);
    }
}

static void add_args(struct resp_out *out, const struct command_arg *args, int *key_spec)
{
    resp_add_array_len(out, count_args(args));
    for (size_t i = 0; args && args[i].name; i++)
        add_arg(out, &args[i], key_spec);
}

/* doc_flags, deprecated_since, replaced_by and history, those it has. */
static void add_doc_extras(struct resp_out *out, const struct command_doc_extras *x)
{
    if (x->doc_flags) {
        resp_add_bulk_cstr(out, "doc_flags");
        resp_add_set_len(out, (size_t)__builtin_popcount(x->doc_flags));
        if (x->doc_flags & COMMAND_DOC_DEPRECATED)
            resp_add_simple(out, "deprecated");
        if (x->doc_flags & COMMAND_DOC_SYSCMD)
            resp_add_simple(out, "syscmd");
    }
    add_field_if(out, "deprecated_since", x->deprecated_since);
    add_field_if(out, "replaced_by", x->replaced_by);
    if (x->history) {
        size_t n = 0;
        while (x->history[2 * n])
            n++;
        resp_add_bulk_cstr(out, "history");
        resp_add_set_len(out, n);
        for (size_t i = 0; i < n; i++) {
            resp_add_array_len(out, 2);
            resp_add_bulk_cstr(out, x->history[2 * i]);
            resp_add_bulk_cstr(out, x->history[2 * i + 1]);
        }
    }
}

static size_t count_doc_extras(const struct command_doc_extras *x)
{
    if (x == NULL)
        return 0;
    return (x->doc_flags != 0) + (x->deprecated_since != NULL) + (x->replaced_by != NULL) +
           (x->history != NULL);
}

/* A command's docs, its fields in Redis's order; Redis leaves out a
 * complexity it does not know (MONITOR, SYNC, PSYNC). */
static void add_docs(struct resp_out *out, const struct command *cmd)
{
    size_t fields = 3 + (cmd->complexity != NULL) + count_doc_extras(cmd->doc_extras) +
                    (cmd->args != NULL) + (cmd->subcommands != NULL);
    resp_add_bulk_cstr(out, cmd->fullname);
    resp_add_map_len(out, fields);
    resp_add_bulk_cstr(out, "summary");
    resp_add_bulk_cstr(out, cmd->summary ? cmd->summary : "");
    resp_add_bulk_cstr(out, "since");
    resp_add_bulk_cstr(out, cmd->since ? cmd->since : "1.0.0");
    resp_add_bulk_cstr(out, "group");
    resp_add_bulk_cstr(out, cmd->group ? cmd->group : "generic");
    add_field_if(out, "complexity", cmd->complexity);
    if (cmd->doc_extras)
        add_doc_extras(out, cmd->doc_extras);
    if (cmd->args) {
        int key_spec = -1;
        resp_add_bulk_cstr(out, "arguments");
        add_args(out, cmd->args, &key_spec);
    }
    if (cmd->subcommands) {
        resp_add_bulk_cstr(out, "subcommands");
        resp_add_map_len(out, count_subcommands(cmd));
        for (const struct command *sub = cmd->subcommands; sub->name; sub++)
            add_docs(out, sub);
    }
}

static void add_docs_cb(const struct command *cmd, void *ud)
{
    add_docs(ud, cmd);
}

static void command_docs_command(struct cmd_ctx *ctx)
{
    if (ctx->argc == 2) {
        resp_add_map_len(ctx->out, command_count());
        command_foreach(add_docs_cb, ctx->out);
        return;
    }
    size_t handle = resp_add_deferred_len(ctx->out);
    size_t found = 0;
    for (size_t i = 2; i < ctx->argc; i++) {
        const struct command *cmd = find_by_fullname(&ctx->argv[i]);
        if (cmd) {
            add_docs(ctx->out, cmd);
            found++;
        }
    }
    resp_set_deferred_map_len(ctx->out, handle, found);
}

/* ---- COMMAND LIST, GETKEYS, HELP -------------------------------------------- */

struct list_filter {
    struct resp_out *out;
    const struct resp_arg *pattern;
    const char *acl_cat;
    size_t count;
};

static bool in_category(const struct command *cmd, const char *cat)
{
    uint32_t acl = command_acl_categories(cmd);
    for (unsigned bit = 0; command_acl_name(bit) != NULL; bit++)
        if (strcasecmp(cat, command_acl_name(bit)) == 0)
            return (acl & (1u << bit)) != 0;
    return false;
}

static void list_one(struct list_filter *f, const struct command *cmd)
{
    if (f->pattern && !glob_match(f->pattern->ptr, f->pattern->len, cmd->fullname,
                                  strlen(cmd->fullname), true))
        return;
    if (f->acl_cat && !in_category(cmd, f->acl_cat))
        return;
    resp_add_bulk_cstr(f->out, cmd->fullname);
    f->count++;
}

static void list_cb(const struct command *cmd, void *ud)
{
    list_one(ud, cmd);
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        list_one(ud, sub);
}

static void command_list_command(struct cmd_ctx *ctx)
{
    char cat[64];
    struct list_filter f = {.out = ctx->out};
    if (ctx->argc == 5 && arg_is(&ctx->argv[2], "filterby")) {
        if (arg_is(&ctx->argv[3], "pattern")) {
            f.pattern = &ctx->argv[4];
        } else if (arg_is(&ctx->argv[3], "aclcat")) {
            arg_to_cstr(&ctx->argv[4], cat, sizeof(cat));
            f.acl_cat = cat;
        } else if (arg_is(&ctx->argv[3], "module")) {
            resp_add_array_len(ctx->out, 0); /* Grove has no modules */
            return;
        } else {
            reply_syntax_error(ctx);
            return;
        }
    } else if (ctx->argc != 2) {
        reply_syntax_error(ctx);
        return;
    }
    size_t handle = resp_add_deferred_len(ctx->out);
    command_foreach(list_cb, &f);
    resp_set_deferred_array_len(ctx->out, handle, f.count);
}

/* COMMAND GETKEYS's command: argv[0], or its subcommand argv[1] when it
 * has subcommands and the line names one (as Redis's lookupCommand); NULL
 * when the line names none that exists. */
static const struct command *getkeys_target(const struct resp_arg *argv, size_t argc)
{
    const struct command *cmd = command_lookup(argv[0].ptr, argv[0].len);
    if (cmd == NULL || cmd->subcommands == NULL || argc < 2)
        return cmd;
    return command_lookup_sub(cmd, argv[1].ptr, argv[1].len);
}

static bool command_has_keys(const struct command *cmd)
{
    return (cmd->first_key > 0 || cmd->numkeys_arg > 0 || cmd->key_keyword != NULL) &&
           !(cmd->flags & CMD_NOT_KEYS);
}

/* GETKEYS and GETKEYSANDFLAGS: the keys of a command line, each with how
 * the command uses it (command.h's KEY_*) when with_flags. Redis's
 * checks, in its order: the command, whether it takes keys at all, its
 * arity, then the keys this line names. */
static void reply_command_keys(struct cmd_ctx *ctx, bool with_flags)
{
    const struct resp_arg *argv = ctx->argv + 2;
    size_t argc = ctx->argc - 2;
    const struct command *cmd = getkeys_target(argv, argc);
    if (cmd == NULL) {
        resp_add_error(ctx->out, "ERR Invalid command specified");
        return;
    }
    if (!command_has_keys(cmd)) {
        resp_add_error(ctx->out, "ERR The command has no key arguments");
        return;
    }
    if ((cmd->arity > 0 && argc != (size_t)cmd->arity) ||
        (cmd->arity < 0 && argc < (size_t)-cmd->arity)) {
        resp_add_error(ctx->out, "ERR Invalid number of arguments specified for command");
        return;
    }
    struct command_keys keys;
    if (command_keys_init(&keys, cmd, argv, argc) <= 0) {
        if (cmd->flags & CMD_NO_MANDATORY_KEYS)
            resp_add_array_len(ctx->out, 0);
        else
            resp_add_error(ctx->out, "ERR Invalid arguments specified for command");
        return;
    }
    size_t handle = resp_add_deferred_len(ctx->out);
    size_t n = 0, i;
    for (; command_keys_next(&keys, &i); n++) {
        if (with_flags)
            resp_add_array_len(ctx->out, 2);
        resp_add_bulk(ctx->out, argv[i].ptr, argv[i].len);
        if (with_flags)
            add_key_flags(ctx->out, command_line_key_flags(cmd, argv, argc, n));
    }
    resp_set_deferred_array_len(ctx->out, handle, n);
}

static void command_getkeys_command(struct cmd_ctx *ctx)
{
    reply_command_keys(ctx, false);
}

static void command_getkeysandflags_command(struct cmd_ctx *ctx)
{
    reply_command_keys(ctx, true);
}

static void command_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL,
    };
    reply_help(ctx, lines);
}

/* ---- the table ----------------------------------------------------------------- */

/* Every COMMAND entry: its flags and, as in Redis, the @connection category. */
#define INTRO_FLAGS .flags = CMD_LOADING | CMD_STALE, .acl = ACL_CONNECTION

static struct command command_subcommands[] = {
    {.name = "count", .arity = 2, INTRO_FLAGS, .proc = command_count_command,
     .group = "server", .summary = "Get total number of Redis commands", .since = "2.8.13",
     .complexity = "O(1)"},
    {.name = "list", .arity = -2, INTRO_FLAGS, .proc = command_list_command,
     .group = "server", .summary = "Get an array of Redis command names", .since = "7.0.0",
     .complexity = "O(N) where N is the total number of Redis commands",
     .args = (const struct command_arg[]){
         {"filterby", "oneof", "FILTERBY", COMMAND_ARG_OPTIONAL, (const struct command_arg[]){
             {"module-name", "string", "MODULE", 0, NULL},
             {"category", "string", "ACLCAT", 0, NULL},
             {"pattern", "pattern", "PATTERN", 0, NULL}, {0}}},
         {0}}},
    {.name = "info", .arity = -2, INTRO_FLAGS, .proc = command_info_command,
     .group = "server",
     .summary = "Get array of specific Redis command details, or all when no argument is given.",
     .since = "2.8.13", .complexity = "O(N) where N is the number of commands to look up",
     .args = (const struct command_arg[]){{"command-name", "string", NULL,
                                           COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},
                                          {0}}},
    {.name = "docs", .arity = -2, INTRO_FLAGS, .proc = command_docs_command,
     .group = "server", .summary = "Get array of specific Redis command documentation",
     .since = "7.0.0", .complexity = "O(N) where N is the number of commands to look up",
     .args = (const struct command_arg[]){{"command-name", "string", NULL,
                                           COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},
                                          {0}}},
    {.name = "getkeys", .arity = -4, INTRO_FLAGS, .proc = command_getkeys_command,
     .group = "server", .summary = "Extract keys given a full Redis command",
     .since = "2.8.13", .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "getkeysandflags", .arity = -4, INTRO_FLAGS, .proc = command_getkeysandflags_command,
     .group = "server", .summary = "Extract keys and access flags given a full Redis command",
     .since = "7.0.0", .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "help", .arity = 2, INTRO_FLAGS, .proc = command_help_command,
     .group = "server", .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    {0},
};

struct command introspection_commands[] = {
    {.name = "command", .arity = -1, INTRO_FLAGS, .proc = command_command,
     .group = "server", .summary = "Get array of Redis command details",
     .since = "2.8.13", .complexity = "O(N) where N is the total number of Redis commands",
     .subcommands = command_subcommands},
    {0},
};
