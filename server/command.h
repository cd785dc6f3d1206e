/*
 * command.h - the command table and the dispatcher.
 *
 * One static table describes every command the way Redis's command table
 * does: name, arity (positive: exact; negative: at least -arity), flags,
 * the first/last/step positions of its keys, the handler, and for
 * container commands (CLIENT, CONFIG, COMMAND, OBJECT) a table of
 * subcommands. COMMAND, COMMAND INFO/DOCS/LIST/COUNT are generated from it.
 *
 * The dispatcher (command_execute) checks, in Redis's order: unknown
 * command, arity, unknown subcommand, authentication, maxmemory; then it
 * locks the shards the declared keys fall in, in ascending order, runs the
 * handler and unlocks. Handlers see the client session, the arguments and
 * the reply buffer, never libuv.
 *
 * Errors: handlers reply in every case, errors included (Redis's texts,
 * the shared ones below); helpers that parse or look up for a handler
 * reply the error themselves and return false. command_table_init returns
 * 0 or -ENOMEM.
 *
 * A client inside MULTI takes another path (one flag test on the hot
 * path): commands that pass the checks are queued (cmd_multi.c) and
 * answered +QUEUED, refused ones flag the transaction for EXECABORT.
 */
#ifndef GROVE_COMMAND_H
#define GROVE_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "keyspace.h"
#include "notify.h"
#include "resp.h"

enum command_flag {
    CMD_WRITE = 1 << 0,
    CMD_READONLY = 1 << 1,
    CMD_DENYOOM = 1 << 2,
    CMD_ADMIN = 1 << 3,
    CMD_PUBSUB = 1 << 4,
    CMD_NOSCRIPT = 1 << 5,
    CMD_BLOCKING = 1 << 6,
    CMD_LOADING = 1 << 7,
    CMD_STALE = 1 << 8,
    CMD_SKIP_MONITOR = 1 << 9,
    CMD_SKIP_SLOWLOG = 1 << 10,
    CMD_FAST = 1 << 11,
    CMD_NO_AUTH = 1 << 12,
    CMD_MAY_REPLICATE = 1 << 13,
    CMD_SENTINEL = 1 << 14,
    CMD_NO_MANDATORY_KEYS = 1 << 15,
    CMD_ALLOW_BUSY = 1 << 16,
    CMD_NO_MULTI = 1 << 17,
    /* Grove: the handler takes shard locks itself - it calls keyspace
     * functions marked [locks] (KEYS, SCAN, DBSIZE, FLUSH*, SWAPDB,
     * RANDOMKEY, INFO...) or reaches into another database (COPY ... DB,
     * MOVE). Neither the dispatcher nor EXEC may hold a shard lock while it
     * runs. A new command that calls a [locks] function must carry it. */
    CMD_SELF_LOCK = 1 << 18,
    /* Grove: runs at once inside MULTI instead of being queued (MULTI,
     * EXEC, DISCARD, WATCH, QUIT, RESET - Redis's list). */
    CMD_TX_CONTROL = 1 << 20,
    /* Grove: the key positions name shard channels (Redis's NOT_KEY key
     * specs): COMMAND INFO shows them, nothing locks them, COMMAND GETKEYS
     * finds no keys. */
    CMD_NOT_KEYS = 1 << 21,
    /* Grove: runs a script or touches the script engine (EVAL, FCALL,
     * SCRIPT LOAD...): the dispatcher and EXEC take the script lock
     * (script.h) before any shard lock. */
    CMD_SCRIPT = 1 << 22,
    /* Redis's PROTECTED (not shown by COMMAND INFO, as in Redis): DEBUG
     * runs only as enable-debug-command allows. */
    CMD_PROTECTED = 1 << 23,
    /* Redis's NO_ASYNC_LOADING: refused while a replica loads its master's
     * data in the background. Grove's replicas load before they serve, so
     * it is only shown (COMMAND INFO). */
    CMD_NO_ASYNC_LOADING = 1 << 24,
    /* Redis's ASKING: a cluster may run it on an importing slot; with
     * cluster support disabled, as in Grove, only shown. */
    CMD_ASKING = 1 << 25,
};

/* ACL categories, in the order Redis lists them (COMMAND INFO). A command
 * gets those its flags imply (write, read, admin + dangerous, fast or
 * slow...) plus its `acl` field; when `acl` is 0 its group gives one
 * (string, generic: keyspace, connection), except for containers. */
enum command_acl {
    ACL_KEYSPACE = 1 << 0,
    ACL_READ = 1 << 1,
    ACL_WRITE = 1 << 2,
    ACL_SET = 1 << 3,
    ACL_SORTEDSET = 1 << 4,
    ACL_LIST = 1 << 5,
    ACL_HASH = 1 << 6,
    ACL_STRING = 1 << 7,
    ACL_BITMAP = 1 << 8,
    ACL_HYPERLOGLOG = 1 << 9,
    ACL_GEO = 1 << 10,
    ACL_STREAM = 1 << 11,
    ACL_PUBSUB = 1 << 12,
    ACL_ADMIN = 1 << 13,
    ACL_FAST = 1 << 14,
    ACL_SLOW = 1 << 15,
    ACL_BLOCKING = 1 << 16,
    ACL_DANGEROUS = 1 << 17,
    ACL_CONNECTION = 1 << 18,
    ACL_TRANSACTION = 1 << 19,
    ACL_SCRIPTING = 1 << 20,
};

/* How a command uses a key: Redis 7.0's key spec flags, in the order
 * COMMAND INFO lists them. RO/RW/OW/RM: read only, read and write,
 * overwritten, removed; access: its value is read or returned; update,
 * insert, delete: what a write does to it. ACL's %R~ patterns cover keys
 * with `access`, %W~ those with update, insert or delete, ~ both. */
enum command_key_flag {
    KEY_RO = 1 << 0,
    KEY_RW = 1 << 1,
    KEY_OW = 1 << 2,
    KEY_RM = 1 << 3,
    KEY_ACCESS = 1 << 4,
    KEY_UPDATE = 1 << 5,
    KEY_INSERT = 1 << 6,
    KEY_DELETE = 1 << 7,
    KEY_NOT_KEY = 1 << 8,
    KEY_INCOMPLETE = 1 << 9,
    KEY_VARIABLE_FLAGS = 1 << 10,
};

/* A key argument: its bytes and hash, and the shard of the client's
 * database that holds it. */
struct cmd_key {
    struct keyspace_key key;
    struct keyspace_shard *shard;
};

/* What a handler gets. The shards of the command's declared keys in `db`
 * (the client's selected database) are locked for the handler's run. */
struct cmd_ctx {
    const struct command *cmd;
    struct client *client;
    struct resp_out *out;
    size_t argc;
    struct resp_arg *argv;
    struct keyspace_db *db;
    long long now_ms;
    size_t first_key_arg;        /* the dispatcher's cached key, 0 if none */
    struct cmd_key first_key;
    bool error_counted; /* set by a handler whose error reply INFO errorstats
                           already counted (a script's command's error) */
};

typedef void (*command_proc)(struct cmd_ctx *ctx);

/* One documented argument, for COMMAND DOCS (redis-cli's hints). */
struct command_arg {
    const char *name;
    const char *type;      /* "key", "string", "integer", "double", "pattern",
                              "unix-time", "pure-token", "oneof", "block" */
    const char *token;     /* NULL when the argument has none */
    uint8_t flags;         /* COMMAND_ARG_* */
    const struct command_arg *subargs; /* for oneof / block, NULL-name terminated */
};
#define COMMAND_ARG_OPTIONAL 1
#define COMMAND_ARG_MULTIPLE 2
#define COMMAND_ARG_MULTIPLE_TOKEN 4
/* Not shown as flags: the key spec that describes an argument (COMMAND
 * DOCS's key_spec_index). Every "key" argument has one: the index after
 * that of the last argument before it (depth first) that has one, as
 * COMMAND INFO's key specs come in argument order. These two flags mark
 * Redis's exceptions. KEY_SPEC: an argument of another type names keys
 * (SORT's BY and GET patterns); SAME_KEY_SPEC: it shares the spec of the
 * one before (LCS's key2 is in key1's range, SORT's GET pattern is BY's). */
#define COMMAND_ARG_KEY_SPEC 8
#define COMMAND_ARG_SAME_KEY_SPEC 16

/* COMMAND DOCS's fields on a command's past and future
 * (command_doc_extras.c). */
struct command_doc_extras {
    const char *name;             /* the command's fullname */
    uint8_t doc_flags;            /* COMMAND_DOC_* */
    const char *deprecated_since; /* or NULL */
    const char *replaced_by;      /* or NULL */
    const char *const *history;   /* "version", "what changed" pairs, NULL-terminated, or NULL */
};
#define COMMAND_DOC_DEPRECATED 1
#define COMMAND_DOC_SYSCMD 2

struct command_keys;

/* A key spec Redis marks "unknown" (COMMAND INFO shows it after the
 * others): keys no argument position describes, with Redis's notes and
 * key-spec flags. */
struct command_key_note {
    const char *notes;
    const char *flags[2]; /* "RO", "access"; "OW", "update" */
};

struct command {
    const char *name;             /* lower case */
    int arity;
    uint32_t flags;
    int first_key, last_key, key_step;
    /* > 0: argv[numkeys_arg] counts the keys right after it, beyond any
     * fixed ones above (Redis's movablekeys: SINTERCARD, ZUNIONSTORE...). */
    int numkeys_arg;
    /* Not NULL: the keys follow the first argument from keyword_from on
     * equal to this word (any case) and fill half of what is left, their
     * IDs the other half (Redis's keyword key spec: XREAD's STREAMS). */
    const char *key_keyword;
    int keyword_from;
    /* Not NULL: the argument after each of these words (any case), from
     * keyword_from on, is a key as well, the words taken in turn (Redis's
     * one-key keyword key specs: GEORADIUS's STORE and STOREDIST), beside
     * the fixed first_key. Every occurrence counts, so the one the command
     * uses (the last) is always among the keys locked. NULL-terminated. */
    const char *const *key_after_words;
    /* Not NULL: a second key spec COMMAND INFO shows, Redis's keyword
     * spec for keys after this word to the end, searched from keyword_from
     * (negative: back from the end). find_keys yields the keys (MIGRATE's
     * KEYS). */
    const char *keys_after_word;
    /* Not NULL: keys found by reading the command line (Redis's
     * getkeys_proc), see struct command_keys: one more key (SORT's STORE
     * destination) and whether the line reads keys named by data (SORT's
     * BY and GET patterns). Such a command also shows `unknown_keys`. */
    void (*find_keys)(struct command_keys *it, const struct resp_arg *argv, size_t argc);
    const struct command_key_note *unknown_keys; /* NULL-notes terminated, may be NULL */
    /* Not NULL: this command line's flags, where they depend on its
     * arguments or client (Redis's getCommandFlags: a script's shebang
     * flags, a function's flags, EXEC's queue), from the table's `flags`. */
    uint32_t (*line_flags)(const struct client *c, const struct resp_arg *argv, size_t argc,
                           uint32_t flags);
    command_proc proc;
    const char *group;            /* "string", "keyspace", "connection", "server", "generic" */
    const char *summary;
    const char *since;
    const char *complexity;
    const struct command_arg *args;   /* NULL-name terminated, may be NULL */
    const struct command *subcommands; /* NULL-name terminated, may be NULL */
    uint32_t acl;                 /* ACL_* categories beyond the implied ones */
    /* filled at start-up */
    uint16_t key_flags[2];        /* KEY_*: its first key's, its other keys' */
    const char *key_notes;        /* Redis's notes on its first key spec, or NULL */
    const char *tips;             /* Redis's command tips, space-separated, or NULL */
    const struct command_doc_extras *doc_extras; /* or NULL */
    unsigned id;                  /* dense, for per-worker statistics */
    const struct command *parent;
    char fullname[48];            /* "client|setname" */
};

/* Build the lookup index and fill in each command's key flags (once:
 * again until command_table_deinit, it does nothing). Returns 0, -ENOMEM,
 * or -EINVAL when a command has no key flags. */
int command_table_init(void);
/* The config file's rename-command: the top-level command called `name`
 * answers to `to` from now on, or to nothing when `to` is empty (gone
 * from COMMAND's list and count too). It keeps its own name everywhere
 * else (INFO commandstats, COMMAND INFO, ACL categories), as in Redis.
 * 0, or an error with *err set to Redis's text; after an error the old
 * name is gone (the server stops on it). After command_table_init. */
int command_rename(const char *name, const char *to, const char **err);
/* command_table_init's second half (command_key_flags.c). */
int command_key_flags_init(void);
/* And its third: each command's tips (command_tips.c). 0 or -EINVAL. */
int command_tips_init(void);
/* And its fourth: each command's history and deprecation
 * (command_doc_extras.c). 0 or -EINVAL. */
int command_doc_extras_init(void);
/* The version that added a command's argument, where later than the
 * command's, and the one that deprecated it: NULL when none. */
void command_arg_versions(const struct command_arg *arg, const char **since,
                          const char **deprecated_since);
/* For those tables: a command by its own fullname ("client|list"), or NULL
 * after logging that `what` ("Tips") names one that is not a command. */
struct command *command__by_fullname(const char *fullname, const char *what);
/* The KEY_* flags of the key command_keys_next yields as the n-th (from 0). */
static inline unsigned command_key_flags(const struct command *cmd, size_t n)
{
    return cmd->key_flags[n == 0 ? 0 : 1];
}
/* The same for this command line: SET and BITFIELD (KEY_VARIABLE_FLAGS)
 * use their key as their arguments say. */
unsigned command_line_key_flags(const struct command *cmd, const struct resp_arg *argv,
                                size_t argc, size_t n);
void command_table_deinit(void);
/* Case-insensitive lookup of a top-level command by the name clients
 * use (rename-command's); NULL if unknown. */
const struct command *command_lookup(const char *name, size_t len);
/* The same by the command's own name, whatever rename-command did: for
 * Grove's own uses of a command and for ACL rules, as Redis's
 * orig_commands. */
const struct command *command_by_own_name(const char *name, size_t len);
const struct command *command_lookup_sub(const struct command *parent, const char *name,
                                         size_t len);
/* Every ACL category of a command (ACL_* bits, see enum command_acl). */
uint32_t command_acl_categories(const struct command *cmd);
/* The category's name without '@' ("keyspace"), by bit index; NULL past the end. */
const char *command_acl_name(unsigned bit);

/* The flags of client c's command line (by the command's line_flags if it
 * has them). May take the script lock: call it holding none. */
uint32_t command_line_flags(const struct client *c, const struct command *cmd,
                            const struct resp_arg *argv, size_t argc);
/* A copy of a command line in one malloc'd block (the arguments, then
 * their bytes, each NUL-terminated): free() frees it. NULL on ENOMEM. */
struct resp_arg *command_args_copy(const struct resp_arg *argv, size_t argc);

/* Every command and subcommand has an id below command_id_count(). */
size_t command_id_count(void);
const struct command *command_by_id(unsigned id);

/* Visit every top-level command. */
void command_foreach(void (*fn)(const struct command *cmd, void *ud), void *ud);
size_t command_count(void);

/* A request a connection looked at before running it: its command and,
 * when that names exactly one key (GET, SET, INCR...), the key and its
 * hash, so the connection can prefetch the key (conn.c) and running the
 * request does not find the command and hash the key a second time. */
struct command_peek {
    const struct command *cmd; /* NULL: not found, or one with subcommands */
    size_t key_arg;            /* the key's argument index, 0 if none */
    struct keyspace_key key;
};

/* Fill *out for a request (not checked beyond its name and key count; it
 * may never run). True when it names a key. */
bool command_peek(const struct resp_arg *argv, size_t argc, struct command_peek *out);
/* The shard of the client's database holding the peeked key. */
struct keyspace_shard *command_peek_shard(const struct client *c, const struct command_peek *p);
/* Run one parsed request for a client, appending its reply. peek is NULL,
 * or command_peek's for these same args. */
void command_execute_peeked(struct client *c, struct resp_arg *argv, size_t argc,
                            long long now_ms, const struct command_peek *peek);
/* The same without a peek. */
void command_execute(struct client *c, struct resp_arg *argv, size_t argc, long long now_ms);

/* The argument positions of a command line's keys (the ones the
 * dispatcher and EXEC lock, unless CMD_SELF_LOCK): the fixed range of the
 * table, then the numkeys-counted or keyword-found ones, then those after
 * each key_after_words word, then the one its find_keys found. The
 * iterator borrows argv.
 *
 * whole_db: the line reads keys it cannot name before it runs (SORT's BY
 * and GET patterns name them by the sorted elements), so the dispatcher,
 * EXEC and scripts hold every shard of its database while it runs. */
struct command_keys {
    size_t next, last, step; /* the fixed range; next > last once done */
    size_t counted_next, counted_end;
    /* key_after_words: the word looked for, and where the search is */
    const char *const *word;
    const struct resp_arg *argv;
    size_t argc, word_from, word_next;
    size_t found;            /* find_keys's key, 0 when none or given */
    bool whole_db;
};
/* Start over the keys of argv[0..argc): 1 if there are some, 0 if none
 * (no keys, shard channels), -1 if the numkeys argument
 * is not a count of the arguments after it (the command will refuse it:
 * nothing needs locking). */
int command_keys_init(struct command_keys *it, const struct command *cmd,
                      const struct resp_arg *argv, size_t argc);
/* The next key's argument index; false after the last. */
bool command_keys_next(struct command_keys *it, size_t *argi);

/* EXEC (cmd_multi.c): run one queued command as the dispatcher would,
 * counting its statistics and error. With shards_held the caller already
 * holds the shards of its keys; otherwise they are locked around it. */
void command__run_queued(struct client *c, const struct command *cmd, struct resp_arg *argv,
                         size_t argc, long long now_ms, bool shards_held);

/* Blocking commands (blocking.c): run a non-blocking command for client c
 * with the shards of its keys already held, its reply going to `out`;
 * nothing is counted. */
void command__run_held(struct client *c, struct resp_out *out, const struct command *cmd,
                       struct resp_arg *argv, size_t argc, long long now_ms);

/* ---- transactions (cmd_multi.c) ---------------------------------------------- */

/* Queue a command for EXEC, copying its arguments. 0 or -ENOMEM. */
int multi_queue(struct client *c, const struct command *cmd, const struct resp_arg *argv,
                size_t argc);
/* Leave MULTI (dropping the queue) and release every WATCH: DISCARD,
 * RESET, disconnect. Takes shard locks: call it holding none. */
void multi_client_reset(struct client *c);

/* Leave everything a session joined: MULTI, WATCHes, every channel and
 * pattern (RESET, and before client_deinit). Takes shard and registry
 * locks: call it holding none. */
void command_client_leave(struct client *c);

/* ---- helpers for handlers ------------------------------------------------ */

/* The key at argv[argi] in the client's database (hashed once: the
 * dispatcher's hash of the first key is reused). */
void cmd_key(struct cmd_ctx *ctx, size_t argi, struct cmd_key *out);

/* A keyspace notification (notify.h) of class cls for the key `key` in
 * the client's database: where Redis's command calls notifyKeyspaceEvent. */
static inline void cmd_notify(struct cmd_ctx *ctx, unsigned cls, const char *event,
                              const struct resp_arg *key)
{
    if (__builtin_expect(notify_wanted(cls), 0))
        notify__event(cls, event, key->ptr, key->len, keyspace_db_index(ctx->db));
}

/* Redis's texts that more than one file replies, word for word. */
#define ERR_OUT_OF_MEMORY "ERR out of memory"
#define ERR_MAXMEMORY_OOM "OOM command not allowed when used memory > 'maxmemory'."

/* DEBUG (CMD_PROTECTED) refused by enable-debug-command, Redis's text. */
#define ERR_DEBUG_NOT_ALLOWED                                                                  \
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", " \
    "you can run it from a local connection, otherwise you need to set this option in the "   \
    "configuration file, and then restart the server."
#define ERR_MODULE_NOT_ALLOWED                                                                 \
    "ERR MODULE command not allowed. If the enable-module-command option is set to "          \
    "\"local\", you can run it from a local connection, otherwise you need to set this "      \
    "option in the configuration file, and then restart the server."

/* The standard replies, word for word as Redis. */
void reply_wrong_arity(struct cmd_ctx *ctx, const struct command *cmd);
void reply_syntax_error(struct cmd_ctx *ctx);
void reply_not_integer(struct cmd_ctx *ctx);
void reply_wrongtype(struct cmd_ctx *ctx);
/* A container's HELP, as Redis's addReplyHelp: the "<CMD> <subcommand>
 * ... Subcommands are:" header, `lines` (NULL-terminated), then HELP. */
void reply_help(struct cmd_ctx *ctx, const char *const *lines);
/* "ERR unknown subcommand '%s'. Try CMD HELP." */
void reply_unknown_subcommand(struct cmd_ctx *ctx);
/* "ERR unknown subcommand or wrong number of arguments for '%s'. Try CMD
 * HELP." (Redis's addReplySubcommandSyntaxError). */
void reply_subcommand_syntax_error(struct cmd_ctx *ctx);

/* Case-insensitive comparison of an argument with a C string. */
bool arg_is(const struct resp_arg *arg, const char *word);
/* Argument i as MONITOR and SLOWLOG show it: "(redacted)" where Redis
 * calls redactClientCommandArgument (AUTH's arguments, HELLO's AUTH pair,
 * ACL SETUSER's user and rules, CONFIG SET's masteruser, masterauth and
 * requirepass values), else the argument itself. */
struct resp_arg command_arg_shown(const struct resp_arg *argv, size_t argc, size_t i);
/* Parse an argument as a long long (Redis's string2ll); false if not. */
bool arg_to_ll(const struct resp_arg *arg, long long *out);
/* Parse as long long or reply "value is not an integer or out of range". */
bool arg_to_ll_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, long long *out);
/* Redis's getIntFromObjectOrReply: an integer within int's range. `msg`
 * (NULL for the standard texts) replaces both error replies. */
bool arg_to_int_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, int *out,
                         const char *msg);
/* A timeout in milliseconds as Redis's getTimeoutFromObjectOrReply reads
 * one (XREAD's BLOCK, CLIENT PAUSE): an integer >= 0 that now_ms plus it
 * cannot overflow, or reply Redis's error. */
bool arg_to_timeout_ms_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, long long *ms);
/* A SCAN-family cursor as Redis's parseScanCursorOrReply reads it (strtoul
 * rules: "" is 0, an optional sign, "-1" wraps; false on garbage or
 * overflow: reply "ERR invalid cursor"). */
bool arg_to_scan_cursor(const struct resp_arg *arg, uint64_t *out);
/* keyspace_find for handlers: under CLIENT NO-TOUCH no lookup changes a
 * key's LRU/LFU data, as in Redis (TOUCH alone calls keyspace_find
 * itself, since it touches regardless). A read (KEYSPACE_LOOKUP_COUNT)
 * that misses raises the "keymiss" notification, as Redis's
 * lookupKeyRead. */
struct hashmap_entry *cmd_find(struct cmd_ctx *ctx, const struct cmd_key *k, unsigned flags);

/* The "keymiss" notification of a read that found no key. */
void cmd_notify_miss(struct cmd_ctx *ctx, const struct cmd_key *k);

/* The boxed value (hash, list, set, zset) of `type` at key k, or NULL in
 * *boxed when the key is absent. False after replying WRONGTYPE. `flags`
 * is KEYSPACE_LOOKUP_COUNT for reads, 0 for writes. */
bool cmd_find_boxed(struct cmd_ctx *ctx, const struct cmd_key *k, unsigned flags,
                    enum object_type type, struct hashmap_entry **entry,
                    struct object_boxed **boxed);
/* The hasher for the members of collection values (seeded per process). */
const struct hashmap_hasher *cmd_member_hasher(void);
/* The live encoding limits collection values read (CONFIG SET changes them). */
const struct object_limits *cmd_object_limits(void);

/* HSCAN/SSCAN/ZSCAN's options after the cursor: [MATCH pattern] [COUNT n]. */
struct scan_opts {
    const char *pattern;
    size_t plen;
    bool match_all;   /* no MATCH, or MATCH "*" */
    long long count;  /* 10 unless given */
};
/* Parse argv[first..]; false after replying (syntax or integer error). */
bool scan_opts_parse(struct cmd_ctx *ctx, size_t first, struct scan_opts *o);
/* A SCAN-family reply for a missing key: cursor 0, no elements. */
void reply_empty_scan(struct cmd_ctx *ctx);
/* A SCAN-family reply: [cursor, [the n elements in items]]. The elements
 * wait in a side buffer because their number is known only at the end;
 * if it ran out of memory, the error instead. */
void reply_scan(struct cmd_ctx *ctx, uint64_t cursor, const struct resp_out *items, size_t n);
/* Copy an argument into a NUL-terminated buffer, truncating to cap-1. */
void arg_to_cstr(const struct resp_arg *arg, char *buf, size_t cap);

/* CLIENT LIST's line for client c, newline-terminated (cmd_conn.c). The
 * registry lock held. */
void client_describe(struct resp_out *text, const struct client *c, long long now_ms);
/* Close every client running as user u (ACL DELUSER), the caller after
 * its reply, through CLIENT KILL's path; returns how many. */
struct acl_user;
long long client_kill_user(struct cmd_ctx *ctx, struct acl_user *u);
/* The same for those of user u among the n client ids (ACL SETUSER's
 * subscribers left without permission). */
long long client_kill_user_ids(struct cmd_ctx *ctx, struct acl_user *u, const uint64_t *ids,
                               size_t n);

/* CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO (cmd_tracking.c), in
 * CLIENT's table. */
void client_tracking_command(struct cmd_ctx *ctx);
void client_caching_command(struct cmd_ctx *ctx);
void client_getredir_command(struct cmd_ctx *ctx);
void client_trackinginfo_command(struct cmd_ctx *ctx);

/* The command tables of each area (cmd_*.c), NULL-name terminated. Not
 * const: command_table_init fills in `parent` and `fullname` once. */
extern struct command connection_commands[];
extern struct command server_commands[];
extern struct command string_commands[];
extern struct command keyspace_commands[];
extern struct command introspection_commands[];
extern struct command expire_commands[];
extern struct command transaction_commands[];
extern struct command pubsub_commands[];
extern struct command hash_commands[];
extern struct command set_commands[];
extern struct command zset_commands[];
extern struct command list_commands[];
extern struct command blocking_commands[];
extern struct command scripting_commands[];
extern struct command function_commands[];
extern struct command dump_commands[];
extern struct command memory_commands[];
extern struct command debug_commands[];
extern struct command stream_commands[];
extern struct command bit_commands[];
extern struct command geo_commands[];
extern struct command sort_commands[];
extern struct command hll_commands[];
extern struct command latency_commands[];
extern struct command module_commands[];
extern struct command acl_commands[];
extern struct command cluster_commands[];
extern struct command migrate_commands[];
extern struct command repl_commands[];

#endif
