/*
 * script_lua.c - EVAL's Lua engine, and the state building and running
 * that FCALL's engine (function.c) shares; see script_lua.h.
 *
 * The sandbox, as Redis 7.0 shapes it
 *   Scripts see a globals table of their own (G): the base functions Redis
 *   keeps (no print, setfenv, getfenv, newproxy, module, require, loadfile,
 *   dofile, os, io, debug, package), and read-only proxies of the libraries
 *   (string, table, math, coroutine, bit, cjson, cmsgpack, struct, redis).
 *   Every compiled script runs with environment E, an empty table whose
 *   metatable reads from G and refuses every write ("Attempt to modify a
 *   readonly table"); G's own metatable turns a missing name into "Script
 *   attempted to access nonexistent global variable". _G is E, and
 *   getmetatable(_G) shows a read-only stand-in, as Redis's does. KEYS and
 *   ARGV are set in G before each run. Functions made by loadstring and
 *   load get E too, so nothing a script does outlives it; neither loads
 *   bytecode (Redis's Lua parses every chunk as text).
 *
 * Errors
 *   Errors travel as tables {err="CODE message"}: redis.call raises one
 *   when its command fails (marked ignore_error_stats_update: INFO
 *   counted it when the command replied it); error("x") raises a string
 *   that the handler turns into {err="ERR <position> x"}. Lua's pcall, as Redis
 *   7.0's, hands scripts the message as a string. The handler records
 *   where the error happened, and the reply is "<err> script: <sha>, on
 *   @user_script:<line>.", as Redis 7.0 words it.
 *
 * Conversions (Redis's documented rules)
 *   reply -> Lua: integer -> number, bulk -> string, RESP2 null -> false,
 *   status -> {ok=...}, error -> {err=...}, array -> table; after
 *   redis.setresp(3): map -> {map={...}}, set -> {set={...}}, null -> nil,
 *   double -> {double=n}, boolean -> boolean, big number ->
 *   {big_number="..."}, verbatim -> {verbatim_string={format=, string=}}.
 *   Lua -> reply: number -> integer (truncated), string -> bulk, true ->
 *   1 (a RESP3 boolean after setresp(3)), false and nil -> null, tables by
 *   their err / ok / double / big_number / verbatim_string / map / set
 *   field, else an array up to the first nil. Tables are read raw: no
 *   metamethod of the script's runs outside the protected call.
 */
#include "script_lua.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <lua-bitop.h>
#include <lua-cjson.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "client.h"
#include "command.h"
#include "hashmap.h"
#include "log.h"
#include "lua_cmsgpack.h"
#include "lua_struct.h"
#include "propagate.h"
#include "repl_replica.h"
#include "resp_reply.h"
#include "script.h"
#include "server.h"

#define HOOK_EVERY 100000       /* instructions between busy checks, as Redis */
#define REDIS_VERSION_NUM 0x0007000f
#define CHUNK_NAME "@user_script"

/* Registry keys. */
#define REG_ENV SCRIPT_LUA_REG_ENV
#define REG_GLOBALS SCRIPT_LUA_REG_GLOBALS
#define REG_RUN "grove:run"         /* light userdata: the struct script_run */

/* The field Redis sets in the error table of a command's error reply:
 * INFO errorstats counted that error when the command replied it, so a
 * script replying the table does not count it again. Scripts see it. */
#define COUNTED_ERROR "ignore_error_stats_update"

struct cached_script {
    unsigned flags;  /* enum script_flag */
    size_t body_len;
};

static lua_State *lua;
static struct hashmap *cache; /* sha -> struct cached_script, the function in the registry */
static size_t cache_bytes;
/* For INFO on any thread, refreshed under the script lock. */
static atomic_size_t shown_memory, shown_cached, shown_bytes;

static void publish_figures(void)
{
    atomic_store_explicit(&shown_memory, script_lua__state_memory(lua), memory_order_relaxed);
    atomic_store_explicit(&shown_cached, cache ? hashmap_size(cache) : 0, memory_order_relaxed);
    atomic_store_explicit(&shown_bytes, cache_bytes, memory_order_relaxed);
}

/* ---- read-only tables --------------------------------------------------------------- */

/* Push the field `name` of the table at `idx` and return its type. Raw,
 * as Redis reads them: a metamethod would run the script's code where
 * nothing expects it - and outside a protected call (converting a
 * script's result), its error would bring the whole server down. */
static int raw_field(lua_State *L, int idx, const char *name)
{
    lua_pushstring(L, name);
    lua_rawget(L, idx < 0 ? idx - 1 : idx);
    return lua_type(L, -1);
}

int script_lua__readonly_newindex(lua_State *L)
{
    return luaL_error(L, "Attempt to modify a readonly table");
}

int script_lua__missing_global(lua_State *L)
{
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                      lua_tostring(L, 2));
}

/* A table that reads through to the table on top of the stack and refuses
 * writes; replaces it on the stack. */
void script_lua__readonly_proxy(lua_State *L)
{
    lua_newtable(L);              /* proxy */
    lua_newtable(L);              /* its metatable */
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, script_lua__readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); /* scripts cannot swap it */
    lua_setmetatable(L, -2);
    lua_remove(L, -2);
}

/* A failure of the redis library raised as Redis does: an error table,
 * so the reply shows no Lua position. */
int script_lua__raise_error(lua_State *L, const char *msg)
{
    lua_pushfstring(L, "ERR %s", msg);
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, "err");
    return lua_error(L);
}

/* Whether the value at `idx` (> 0) is one of the sandbox's read-only
 * tables: a proxy, or E. */
static bool is_readonly(lua_State *L, int idx)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx))
        return false;
    raw_field(L, -1, "__newindex");
    bool readonly = lua_tocfunction(L, -1) == script_lua__readonly_newindex;
    lua_pop(L, 2);
    return readonly;
}

/* What Redis's Lua raises when a C function is asked to change a
 * read-only table: a bare message, no position. */
static int readonly_error(lua_State *L)
{
    lua_pushliteral(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

/* The table a read-only proxy stands for (its metatable's __index), put
 * in place of the proxy at `idx` (> 0); any other value is left alone. */
static void see_through_proxy(lua_State *L, int idx)
{
    if (!is_readonly(L, idx))
        return;
    lua_getmetatable(L, idx);
    raw_field(L, -1, "__index");
    lua_replace(L, idx);
    lua_pop(L, 1);
}

/* next, pairs and rawget read a proxy's table, so scripts can walk and
 * read string, cjson, redis, _G... as they can Redis's read-only tables
 * (which are the tables themselves). */
static int sandbox_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    see_through_proxy(L, 1);
    if (lua_next(L, 1))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int sandbox_pairs(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushcfunction(L, sandbox_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int sandbox_rawget(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    see_through_proxy(L, 1);
    lua_rawget(L, 1);
    return 1;
}

/* rawset refuses the sandbox's proxies, as Redis's read-only tables do. */
static int sandbox_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (is_readonly(L, 1))
        return readonly_error(L);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

/* setmetatable as Lua's, but refusing the read-only tables as Redis's
 * Lua does (before "cannot change a protected metatable"). */
static int sandbox_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (is_readonly(L, 1))
        return readonly_error(L);
    if (luaL_getmetafield(L, 1, "__metatable"))
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/* ---- loadstring and load ------------------------------------------------------------ */

/* Where a chunk's pieces come from: the string at stack slot 1
 * (loadstring), or what the function there returns (load), each kept in
 * slot 3 while Lua reads it. */
struct chunk_reader {
    bool from_function;
    bool started;
    bool held; /* slot 3 holds a first piece not handed over yet */
};

static const char *next_piece(lua_State *L, struct chunk_reader *r, size_t *size)
{
    if (!r->from_function) {
        lua_pushvalue(L, 1);
    } else {
        luaL_checkstack(L, 2, "too many nested functions");
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (!lua_isnil(L, -1) && !lua_isstring(L, -1))
            luaL_error(L, "reader function must return a string");
    }
    lua_replace(L, 3);
    return lua_tolstring(L, 3, size);
}

/* Redis's Lua never loads bytecode: a chunk that starts as a binary one
 * (ESC) is parsed as text, and so refused with a syntax error, as there.
 * A space read first makes Lua's lua_load choose its text parser. */
static const char *read_chunk(lua_State *L, void *ud, size_t *size)
{
    struct chunk_reader *r = ud;
    *size = 0;
    if (r->held) {
        r->held = false;
        return lua_tolstring(L, 3, size);
    }
    if (r->started && !r->from_function)
        return NULL;
    bool first = !r->started;
    r->started = true;
    const char *piece = next_piece(L, r, size);
    if (first && piece != NULL && *size > 0 && piece[0] == LUA_SIGNATURE[0]) {
        r->held = true;
        *size = 1;
        return " ";
    }
    return piece;
}

/* The loaded chunk, run in the sandbox like the script itself, or nil and
 * the error, as Lua's load_aux. */
static int loaded(lua_State *L, int status)
{
    if (status != 0) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, REG_ENV);
    lua_setfenv(L, -2);
    return 1;
}

static int sandbox_loadstring(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    const char *name = luaL_optstring(L, 2, s);
    struct chunk_reader r = {.from_function = false};
    lua_settop(L, 3);
    return loaded(L, lua_load(L, read_chunk, &r, name));
}

static int sandbox_load(lua_State *L)
{
    const char *name = luaL_optstring(L, 2, "=(load)");
    struct chunk_reader r = {.from_function = true};
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 3);
    return loaded(L, lua_load(L, read_chunk, &r, name));
}

/* pcall as Redis 7.0 gives it to scripts: an error table comes back as its
 * message string. */
static int sandbox_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    lua_pushboolean(L, status == 0);
    lua_insert(L, 1);
    if (status != 0 && lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        if (lua_isstring(L, -1))
            lua_replace(L, -2);
        else
            lua_pop(L, 1);
    }
    return lua_gettop(L);
}

/* ---- redis.call and redis.pcall ------------------------------------------------------ */

static struct script_run *current_run(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, REG_RUN);
    struct script_run *run = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return run;
}

/* {err="msg"} on the stack. */
static void push_error_table(lua_State *L, const char *msg, size_t len)
{
    lua_newtable(L);
    lua_pushlstring(L, msg, len);
    lua_setfield(L, -2, "err");
}

static void push_reply(lua_State *L, struct resp_reply_reader *r, int depth);

static void push_aggregate(lua_State *L, struct resp_reply_reader *r,
                           const struct resp_reply_item *it, int depth)
{
    bool pairs = it->type == RESP_REPLY_MAP, set = it->type == RESP_REPLY_SET;
    lua_newtable(L);
    if (pairs || set)
        lua_newtable(L); /* the inner table of {map=...} / {set=...} */
    for (long long i = 0; i < it->n; i++) {
        push_reply(L, r, depth + 1);
        if (pairs) {
            push_reply(L, r, depth + 1);
            lua_settable(L, -3);
        } else if (set) {
            lua_pushboolean(L, 1);
            lua_settable(L, -3);
        } else {
            lua_rawseti(L, -2, (int)i + 1);
        }
    }
    if (pairs || set)
        lua_setfield(L, -2, pairs ? "map" : "set");
}

/* One reply item (and what it contains) as a Lua value. The replies come
 * from our own encoder, so they are well formed. */
static void push_reply(lua_State *L, struct resp_reply_reader *r, int depth)
{
    struct resp_reply_item it;
    if (!lua_checkstack(L, 5) || !resp_reply_next(r, &it)) {
        lua_pushnil(L);
        return;
    }
    switch (it.type) {
    case RESP_REPLY_STATUS:
        lua_newtable(L);
        lua_pushlstring(L, it.text, it.len);
        lua_setfield(L, -2, "ok");
        break;
    case RESP_REPLY_ERROR:
        push_error_table(L, it.text, it.len);
        lua_pushboolean(L, 1); /* script_call counted it: see COUNTED_ERROR */
        lua_setfield(L, -2, COUNTED_ERROR);
        break;
    case RESP_REPLY_INTEGER:
        lua_pushnumber(L, (lua_Number)it.n);
        break;
    case RESP_REPLY_BULK:
        lua_pushlstring(L, it.text, it.len);
        break;
    case RESP_REPLY_NULL:
        if (it.legacy)
            lua_pushboolean(L, 0);
        else
            lua_pushnil(L);
        break;
    case RESP_REPLY_DOUBLE:
        lua_newtable(L);
        lua_pushnumber(L, strtod(it.text, NULL));
        lua_setfield(L, -2, "double");
        break;
    case RESP_REPLY_BOOL:
        lua_pushboolean(L, it.n != 0);
        break;
    case RESP_REPLY_BIGNUM:
        lua_newtable(L);
        lua_pushlstring(L, it.text, it.len);
        lua_setfield(L, -2, "big_number");
        break;
    case RESP_REPLY_VERBATIM:
        lua_newtable(L);
        lua_newtable(L);
        lua_pushlstring(L, it.text, it.len >= 3 ? 3 : it.len);
        lua_setfield(L, -2, "format");
        lua_pushlstring(L, it.len > 4 ? it.text + 4 : "", it.len > 4 ? it.len - 4 : 0);
        lua_setfield(L, -2, "string");
        lua_setfield(L, -2, "verbatim_string");
        break;
    case RESP_REPLY_ATTRIBUTE:
        for (long long i = 0; i < 2 * it.n; i++) {
            push_reply(L, r, depth + 1);
            lua_pop(L, 1);
        }
        push_reply(L, r, depth);
        break;
    default: /* arrays, maps, sets, pushes */
        push_aggregate(L, r, &it, depth);
        break;
    }
}

/* The command line from the Lua arguments: strings, or numbers as Redis
 * prints them (%.17g). False (with nothing allocated) on another type. */
static bool collect_args(lua_State *L, int argc, struct resp_arg *argv, char (*numbers)[32])
{
    for (int j = 0; j < argc; j++) {
        int type = lua_type(L, j + 1);
        if (type == LUA_TNUMBER) {
            int n = snprintf(numbers[j], sizeof(numbers[j]), "%.17g", lua_tonumber(L, j + 1));
            argv[j] = (struct resp_arg){numbers[j], (size_t)n};
        } else if (type == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, j + 1, &len);
            argv[j] = (struct resp_arg){s, len};
        } else {
            return false;
        }
    }
    return true;
}

/* A failed call: redis.call raises the error table, redis.pcall returns it. */
static int call_failed(lua_State *L, bool raise, const char *msg, size_t len)
{
    push_error_table(L, msg, len);
    return raise ? lua_error(L) : 1;
}

static int redis_call_generic(lua_State *L, bool raise)
{
    int argc = lua_gettop(L);
    if (argc == 0) {
        static const char msg[] = "ERR Please specify at least one argument for this redis "
                                  "lib call";
        return call_failed(L, raise, msg, sizeof(msg) - 1);
    }
    struct resp_arg *argv = malloc((size_t)argc * (sizeof(*argv) + 32));
    if (argv == NULL)
        return luaL_error(L, "out of memory");
    char(*numbers)[32] = (char(*)[32])(argv + argc);
    if (!collect_args(L, argc, argv, numbers)) {
        free(argv);
        static const char msg[] = "ERR Lua redis lib command arguments must be strings or "
                                  "integers";
        return call_failed(L, raise, msg, sizeof(msg) - 1);
    }
    struct script_run *run = current_run(L);
    struct resp_out out;
    resp_out_init(&out, run->as->resp);
    script_call(run, argv, (size_t)argc, &out);
    free(argv);
    lua_settop(L, 0);
    struct resp_reply_reader r;
    resp_reply_reader_init(&r, out.data, out.len);
    push_reply(L, &r, 0);
    resp_out_deinit(&out);
    if (raise && lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        bool failed = lua_isstring(L, -1);
        lua_pop(L, 1);
        if (failed)
            return lua_error(L);
    }
    return 1;
}

static int redis_call(lua_State *L)
{
    return redis_call_generic(L, true);
}

static int redis_pcall(lua_State *L)
{
    return redis_call_generic(L, false);
}

/* ---- the rest of the redis library ---------------------------------------------------- */

/* redis.acl_check_cmd(cmd, args...): may the script's user (its
 * caller's) run it on these arguments? An unknown command raises Redis's
 * error. */
static int redis_acl_check_cmd(lua_State *L)
{
    int argc = lua_gettop(L);
    if (argc == 0)
        return script_lua__raise_error(L, "Please specify at least one argument for this redis "
                                          "lib call");
    struct resp_arg *argv = malloc((size_t)argc * (sizeof(*argv) + 32));
    if (argv == NULL)
        return luaL_error(L, "out of memory");
    char(*numbers)[32] = (char(*)[32])(argv + argc);
    bool strings = collect_args(L, argc, argv, numbers);
    const struct command *cmd = strings ? command_lookup(argv[0].ptr, argv[0].len) : NULL;
    if (cmd != NULL && cmd->subcommands != NULL && argc > 1)
        cmd = command_lookup_sub(cmd, argv[1].ptr, argv[1].len);
    size_t errpos;
    bool allowed = cmd != NULL && acl_check(current_run(L)->caller->user, cmd, argv,
                                            (size_t)argc, &errpos) == ACL_OK;
    free(argv);
    if (!strings)
        return script_lua__raise_error(L, "Lua redis lib command arguments must be strings or "
                                          "integers");
    if (cmd == NULL)
        return script_lua__raise_error(L, "Invalid command passed to redis.acl_check_cmd()");
    lua_pushboolean(L, allowed);
    return 1;
}

/* redis.error_reply("msg") -> {err="ERR msg"}, ("-CODE msg") -> {err="CODE msg"}. */
static int redis_error_reply(lua_State *L)
{
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
        static const char msg[] = "ERR wrong number or type of arguments";
        push_error_table(L, msg, sizeof(msg) - 1);
        return 1;
    }
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    if (len > 0 && s[0] == '-') {
        s++;
        len--;
    }
    const char *space = memchr(s, ' ', len);
    lua_newtable(L);
    if (space == NULL)
        lua_pushfstring(L, "ERR %s", s);
    else
        lua_pushlstring(L, s, len);
    lua_setfield(L, -2, "err");
    return 1;
}

static int redis_status_reply(lua_State *L)
{
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
        static const char msg[] = "ERR wrong number or type of arguments";
        push_error_table(L, msg, sizeof(msg) - 1);
        return 1;
    }
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
}

static int redis_sha1hex(lua_State *L)
{
    if (lua_gettop(L) != 1)
        return script_lua__raise_error(L, "wrong number of arguments");
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    char hex[SHA1_HEX_LEN + 1];
    sha1_hex(s ? s : "", s ? len : 0, hex);
    lua_pushstring(L, hex);
    return 1;
}

static int redis_log(lua_State *L)
{
    static const enum log_level levels[] = {LOG_DEBUG, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING};
    int argc = lua_gettop(L);
    if (argc < 2)
        return script_lua__raise_error(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1))
        return script_lua__raise_error(L, "First argument must be a number (log level).");
    int level = (int)lua_tonumber(L, 1);
    if (level < 0 || level > 3)
        return script_lua__raise_error(L, "Invalid debug level.");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int j = 2; j <= argc; j++) {
        size_t len;
        const char *s = lua_tolstring(L, j, &len);
        if (s == NULL)
            continue;
        if (j > 2)
            luaL_addchar(&b, ' ');
        luaL_addlstring(&b, s, len);
    }
    luaL_pushresult(&b);
    log_msg(levels[level], "%s", lua_tostring(L, -1));
    return 0;
}

static int redis_setresp(lua_State *L)
{
    if (lua_gettop(L) != 1)
        return script_lua__raise_error(L, "redis.setresp() requires one argument.");
    int resp = (int)lua_tonumber(L, 1);
    if (resp != 2 && resp != 3)
        return script_lua__raise_error(L, "RESP version must be 2 or 3.");
    current_run(L)->as->resp = resp;
    return 0;
}

/* Where the script's next writes go: the AOF, the replicas, both or
 * neither (REPL_* are propagate.h's targets). */
static int redis_set_repl(lua_State *L)
{
    if (lua_gettop(L) != 1)
        return script_lua__raise_error(L, "redis.set_repl() requires one argument.");
    int flags = (int)lua_tonumber(L, 1);
    if (flags < 0 || flags > PROPAGATE_ALL)
        return script_lua__raise_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL "
                              "or REPL_NONE.");
    current_run(L)->repl = (unsigned)flags;
    return 0;
}

static int redis_true(lua_State *L)
{
    lua_pushboolean(L, 1);
    return 1;
}

static int redis_nothing(lua_State *L)
{
    (void)L;
    return 0;
}

/* ---- math.random: Redis's rand48, one sequence for the whole server ------------------ */

static uint64_t rand48_state = 0x330e; /* srand48(0) */

static int32_t rand48_next(void)
{
    rand48_state = (rand48_state * 0x5deece66dULL + 0xb) & ((1ULL << 48) - 1);
    return (int32_t)(rand48_state >> 17);
}

static int math_random(lua_State *L)
{
    lua_Number r = (lua_Number)(rand48_next() % INT32_MAX) / (lua_Number)INT32_MAX;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        return 1;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        return 1;
    }
    case 2: {
        int l = luaL_checkint(L, 1), u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        return 1;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
}

static int math_randomseed(lua_State *L)
{
    rand48_state = ((uint64_t)(uint32_t)luaL_checkint(L, 1) << 16) | 0x330e;
    return 0;
}

/* ---- building the state ---------------------------------------------------------------- */

static void open_lib(lua_State *L, lua_CFunction open, const char *name)
{
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

static void set_function(lua_State *L, const char *name, lua_CFunction fn)
{
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
}

static void set_number(lua_State *L, const char *name, lua_Number v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, name);
}

/* The redis table, left on the stack. */
static void push_redis_lib(lua_State *L)
{
    lua_newtable(L);
    set_function(L, "call", redis_call);
    set_function(L, "pcall", redis_pcall);
    set_function(L, "error_reply", redis_error_reply);
    set_function(L, "status_reply", redis_status_reply);
    set_function(L, "sha1hex", redis_sha1hex);
    set_function(L, "log", redis_log);
    set_function(L, "setresp", redis_setresp);
    set_function(L, "set_repl", redis_set_repl);
    set_function(L, "replicate_commands", redis_true);
    set_function(L, "acl_check_cmd", redis_acl_check_cmd);
    set_function(L, "breakpoint", redis_nothing);
    set_function(L, "debug", redis_nothing);
    set_number(L, "LOG_DEBUG", 0);
    set_number(L, "LOG_VERBOSE", 1);
    set_number(L, "LOG_NOTICE", 2);
    set_number(L, "LOG_WARNING", 3);
    set_number(L, "REPL_NONE", 0);
    set_number(L, "REPL_AOF", 1);
    set_number(L, "REPL_SLAVE", 2);
    set_number(L, "REPL_REPLICA", 2);
    set_number(L, "REPL_ALL", 3);
    lua_pushstring(L, GROVE_REDIS_VERSION);
    lua_setfield(L, -2, "REDIS_VERSION");
    set_number(L, "REDIS_VERSION_NUM", REDIS_VERSION_NUM);
}

/* Copy what scripts may use of Lua's globals into G. */
static void copy_base(lua_State *L, int g)
{
    static const char *const kept[] = {
        "assert", "collectgarbage", "error", "gcinfo", "getmetatable", "ipairs",
        "rawequal", "select", "tonumber", "tostring",
        "type", "unpack", "xpcall", "_VERSION", NULL,
    };
    for (size_t i = 0; kept[i] != NULL; i++) {
        lua_getglobal(L, kept[i]);
        lua_setfield(L, g, kept[i]);
    }
    static const luaL_Reg sandboxed[] = {
        {"next", sandbox_next},     {"pairs", sandbox_pairs},
        {"rawget", sandbox_rawget}, {"rawset", sandbox_rawset},
        {"setmetatable", sandbox_setmetatable}, {"pcall", sandbox_pcall},
        {"loadstring", sandbox_loadstring},     {"load", sandbox_load},
        {NULL, NULL},
    };
    for (const luaL_Reg *f = sandboxed; f->name != NULL; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, g, f->name);
    }
}

/* A library of Lua's globals, as a read-only proxy in G. */
static void proxy_into(lua_State *L, int g, const char *name)
{
    lua_getglobal(L, name);
    script_lua__readonly_proxy(L);
    lua_setfield(L, g, name);
}

/* E, on the stack: reads from G and refuses writes. getmetatable(_G)
 * shows what Redis's shows, a read-only table whose __index raises the
 * missing global error: scripts see neither G nor a metatable to change. */
static void push_env(lua_State *L, int g)
{
    lua_newtable(L); /* E */
    lua_newtable(L);
    lua_pushvalue(L, g);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, script_lua__readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_newtable(L); /* what getmetatable(_G) shows */
    lua_pushcfunction(L, script_lua__missing_global);
    lua_setfield(L, -2, "__index");
    script_lua__readonly_proxy(L);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

static void build_sandbox(lua_State *L)
{
    lua_newtable(L); /* G */
    int g = lua_gettop(L);
    copy_base(L, g);
    lua_getglobal(L, "math");
    lua_pushcfunction(L, math_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, math_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    static const char *const libs[] = {"string", "table",    "math",   "coroutine", "bit",
                                       "cjson",  "cmsgpack", "struct", NULL};
    for (size_t i = 0; libs[i] != NULL; i++)
        proxy_into(L, g, libs[i]);
    push_redis_lib(L);
    script_lua__readonly_proxy(L);
    lua_setfield(L, g, "redis");
    lua_newtable(L); /* G's metatable: a missing name is an error */
    lua_pushcfunction(L, script_lua__missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, g);
    push_env(L, g);
    lua_pushvalue(L, -1);
    lua_setfield(L, g, "_G");
    lua_setfield(L, LUA_REGISTRYINDEX, REG_ENV);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_GLOBALS);
    /* Strings' methods read through the proxy too. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_GLOBALS);
    lua_getfield(L, -1, "string");
    lua_setfield(L, -3, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -3, "__metatable");
    lua_pop(L, 3);
}

/* Every library scripts get, in Lua's globals (build_sandbox hands them
 * on): one place, so EVAL's state and the functions' state have the same. */
/* A library whose luaopen_ returns its table rather than setting a global. */
static void open_global_lib(lua_State *L, lua_CFunction open, const char *name)
{
    lua_pushcfunction(L, open);
    lua_call(L, 0, 1);
    lua_setglobal(L, name);
}

static void open_libraries(lua_State *L)
{
    open_lib(L, luaopen_base, "");
    open_lib(L, luaopen_table, LUA_TABLIBNAME);
    open_lib(L, luaopen_string, LUA_STRLIBNAME);
    open_lib(L, luaopen_math, LUA_MATHLIBNAME);
    open_global_lib(L, luaopen_cjson, "cjson");
    open_global_lib(L, luaopen_bit, "bit");
    open_global_lib(L, luaopen_cmsgpack, "cmsgpack");
    open_global_lib(L, luaopen_struct, "struct");
}

lua_State *script_lua__state_create(void)
{
    lua_State *L = luaL_newstate();
    if (L == NULL)
        return NULL;
    open_libraries(L);
    build_sandbox(L);
    return L;
}

static lua_State *state(void)
{
    if (lua == NULL)
        lua = script_lua__state_create();
    return lua;
}

size_t script_lua__state_memory(lua_State *L)
{
    return L ? (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 + (size_t)lua_gc(L, LUA_GCCOUNTB, 0) : 0;
}

/* ---- the cache --------------------------------------------------------------------------- */

static const struct hashmap_hasher cache_hasher = {hashmap_siphash, &server.seed};

static struct cached_script *cached(const char *sha)
{
    struct hashmap_entry *e =
        cache ? hashmap_find(cache, sha, SHA1_HEX_LEN, hashmap_hash(cache, sha, SHA1_HEX_LEN))
              : NULL;
    return e ? hashmap_entry_extra(e) : NULL;
}

/* Redis's shebang: "#!lua [flags=a,b]" on the first line. 0 and *flags,
 * or -1 with the error reply's text in `err`. */
static int parse_shebang(const char *body, size_t len, unsigned *flags, char *err, size_t cap)
{
    *flags = SCRIPT_LEGACY;
    if (len < 2 || body[0] != '#' || body[1] != '!')
        return 0;
    *flags = 0;
    const char *nl = memchr(body, '\n', len);
    if (nl == NULL) {
        snprintf(err, cap, "ERR Invalid script shebang");
        return -1;
    }
    char line[1024];
    snprintf(line, sizeof(line), "%.*s", (int)(nl - body), body);
    char *save = NULL, *engine = strtok_r(line, " ", &save);
    if (strcmp(engine, "#!lua") != 0) {
        snprintf(err, cap, "ERR Unexpected engine in script shebang: %s", engine);
        return -1;
    }
    for (char *opt = strtok_r(NULL, " ", &save); opt; opt = strtok_r(NULL, " ", &save)) {
        if (strncmp(opt, "flags=", 6) != 0) {
            snprintf(err, cap, "ERR Unknown lua shebang option: %s", opt);
            return -1;
        }
        char *save2 = NULL;
        for (char *f = strtok_r(opt + 6, ",", &save2); f; f = strtok_r(NULL, ",", &save2)) {
            size_t i = 0;
            while (i < SCRIPT_FLAG_NAMES && strcmp(script_flag_names[i].name, f) != 0)
                i++;
            if (i == SCRIPT_FLAG_NAMES) {
                snprintf(err, cap, "ERR Unexpected flag in script shebang: %s", f);
                return -1;
            }
            *flags |= script_flag_names[i].flag;
        }
    }
    return 0;
}

/* Compile and cache a body under `sha`; the cached entry, or NULL after
 * replying the error. A shebang line is compiled as an empty line, so
 * line numbers stay the script's. */
static struct cached_script *compile(struct cmd_ctx *ctx, const char *body, size_t len,
                                     const char *sha)
{
    unsigned flags;
    char err[1200];
    lua_State *L = state();
    if (L == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return NULL;
    }
    if (parse_shebang(body, len, &flags, err, sizeof(err)) < 0) {
        resp_add_error(ctx->out, err);
        return NULL;
    }
    size_t skip = (flags & SCRIPT_LEGACY) ? 0 : (size_t)((const char *)memchr(body, '\n', len) - body);
    if (luaL_loadbuffer(L, body + skip, len - skip, CHUNK_NAME) != 0) {
        resp_add_errorf(ctx->out, "ERR Error compiling script (new function): %s",
                        lua_tostring(L, -1));
        lua_pop(L, 1);
        return NULL;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, REG_ENV);
    lua_setfenv(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, sha); /* "f_<sha>" in Redis; the digest here */
    if (cache == NULL && (cache = hashmap_create(&cache_hasher)) == NULL)
        goto no_memory;
    struct cached_script s = {flags, len};
    struct hashmap_entry *e = hashmap_insert(cache, sha, SHA1_HEX_LEN,
                                             hashmap_hash(cache, sha, SHA1_HEX_LEN), sizeof(s));
    if (e == NULL)
        goto no_memory;
    memcpy(hashmap_entry_extra(e), &s, sizeof(s));
    cache_bytes += len;
    publish_figures();
    return hashmap_entry_extra(e);
no_memory:
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, sha);
    resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    return NULL;
}

static void lower_sha(const struct resp_arg *arg, char sha[SHA1_HEX_LEN + 1])
{
    size_t n = arg->len < SHA1_HEX_LEN ? arg->len : SHA1_HEX_LEN;
    for (size_t i = 0; i < n; i++)
        sha[i] = (char)((arg->ptr[i] >= 'A' && arg->ptr[i] <= 'Z') ? arg->ptr[i] + 32
                                                                    : arg->ptr[i]);
    memset(sha + n, 0, SHA1_HEX_LEN + 1 - n);
}

uint32_t script_lua_line_flags(const struct resp_arg *script, bool by_digest, uint32_t flags)
{
    unsigned script_flags;
    char err[1200];
    if (by_digest) {
        char sha[SHA1_HEX_LEN + 1];
        if (script->len != SHA1_HEX_LEN)
            return flags;
        lower_sha(script, sha);
        script_lock();
        const struct cached_script *s = cached(sha);
        script_flags = s != NULL ? s->flags : SCRIPT_LEGACY;
        script_unlock();
    } else if (parse_shebang(script->ptr, script->len, &script_flags, err, sizeof(err)) < 0) {
        return flags; /* the run will reply the error */
    }
    return script_command_flags(flags, script_flags);
}

bool script_lua_load(struct cmd_ctx *ctx, const struct resp_arg *body, char sha[SHA1_HEX_LEN + 1])
{
    sha1_hex(body->ptr, body->len, sha);
    return cached(sha) != NULL || compile(ctx, body->ptr, body->len, sha) != NULL;
}

/* The cached script EVAL's body or EVALSHA's digest names (NULL when it
 * is not cached), its digest in `sha`. A digest of other than 40
 * characters names none, as in Redis. */
static struct cached_script *named(const struct resp_arg *arg, bool by_digest,
                                   char sha[SHA1_HEX_LEN + 1])
{
    if (!by_digest) {
        sha1_hex(arg->ptr, arg->len, sha);
        return cached(sha);
    }
    lower_sha(arg, sha);
    return arg->len == SHA1_HEX_LEN ? cached(sha) : NULL;
}

bool script_lua_exists(const struct resp_arg *digest)
{
    char sha[SHA1_HEX_LEN + 1];
    return named(digest, true, sha) != NULL;
}

void script_lua_flush(void)
{
    if (lua != NULL)
        lua_close(lua);
    lua = NULL;
    hashmap_destroy(cache);
    cache = NULL;
    cache_bytes = 0;
    publish_figures();
}

void script_lua_deinit(void)
{
    script_lua_flush();
}

size_t script_lua_cached(void)
{
    return atomic_load_explicit(&shown_cached, memory_order_relaxed);
}

size_t script_lua_cache_bytes(void)
{
    return atomic_load_explicit(&shown_bytes, memory_order_relaxed);
}

size_t script_lua_memory(void)
{
    return atomic_load_explicit(&shown_memory, memory_order_relaxed);
}

/* ---- Lua values to replies ---------------------------------------------------------- */

struct to_reply {
    struct resp_out *out;
    int script_resp; /* the script's protocol (redis.setresp) */
    bool counted;    /* the reply is an error INFO errorstats counted */
};

static void reply_value(lua_State *L, struct to_reply *t);

/* A string field of the table on top, or NULL. */
static const char *string_field(lua_State *L, const char *name, size_t *len)
{
    const char *s = raw_field(L, -1, name) == LUA_TSTRING ? lua_tolstring(L, -1, len) : NULL;
    lua_pop(L, 1);
    return s;
}

/* Status and error texts and big numbers are one line in RESP: CR and LF
 * become spaces, as Redis's sdsmapchars makes them. */
static void add_one_line(struct resp_out *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i] == '\r' || s[i] == '\n' ? ' ' : s[i];
        resp_add_raw(out, &c, 1);
    }
}

/* {ok=s}: Redis takes s as a C string, up to its first NUL. */
static void reply_status(struct resp_out *out, const char *s)
{
    resp_add_raw(out, "+", 1);
    add_one_line(out, s, strlen(s));
    resp_add_raw(out, "\r\n", 2);
}

/* Whether the error table on top is one INFO errorstats already counted. */
static bool counted_error(lua_State *L)
{
    bool counted = raw_field(L, -1, COUNTED_ERROR) == LUA_TBOOLEAN && lua_toboolean(L, -1);
    lua_pop(L, 1);
    return counted;
}

/* {err=s}: up to the first NUL, the line's end trimmed, and no "ERR "
 * added, as Redis's addReplyErrorFormat("-%s") writes it. */
static void reply_error(struct resp_out *out, const char *s)
{
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n'))
        len--;
    resp_add_raw(out, "-", 1);
    add_one_line(out, s, len);
    resp_add_raw(out, "\r\n", 2);
}

/* {big_number=s}: RESP3's "(" line, or a bulk string of it in RESP2. */
static void reply_big_number(struct resp_out *out, const char *s, size_t len)
{
    char head[32];
    int n = out->proto >= 3 ? snprintf(head, sizeof(head), "(")
                            : snprintf(head, sizeof(head), "$%zu\r\n", len);
    resp_add_raw(out, head, (size_t)n);
    add_one_line(out, s, len);
    resp_add_raw(out, "\r\n", 2);
}

/* {verbatim_string={format=f, string=s}}: true when both are strings. */
static bool reply_verbatim(lua_State *L, struct resp_out *out)
{
    const char *format, *s;
    size_t len;
    if (raw_field(L, -1, "verbatim_string") != LUA_TTABLE) {
        lua_pop(L, 1);
        return false;
    }
    format = string_field(L, "format", &len);
    s = string_field(L, "string", &len);
    if (format != NULL && s != NULL)
        resp_add_verbatim(out, s, len, format); /* pads or cuts to 3, as Redis */
    lua_pop(L, 1);
    return format != NULL && s != NULL;
}

/* The array part, up to the first nil; raw, as every read here. */
static void reply_array(lua_State *L, struct to_reply *t)
{
    size_t handle = resp_add_deferred_len(t->out), n = 0;
    for (;; n++) {
        lua_rawgeti(L, -1, (int)n + 1);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        reply_value(L, t);
    }
    resp_set_deferred_array_len(t->out, handle, n);
}

/* {map={k=v}} or {set={k=true}}: every pair of the inner table, on top
 * (popped). */
static void reply_pairs(lua_State *L, struct to_reply *t, bool map)
{
    size_t handle = resp_add_deferred_len(t->out), n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pushvalue(L, -2);
        reply_value(L, t); /* the key */
        if (map)
            reply_value(L, t);
        else
            lua_pop(L, 1);
        n++;
    }
    if (map)
        resp_set_deferred_map_len(t->out, handle, n);
    else
        resp_set_deferred_set_len(t->out, handle, n);
    lua_pop(L, 1);
}

/* {double=n}: true when n is a number. */
static bool reply_double(lua_State *L, struct resp_out *out)
{
    bool number = raw_field(L, -1, "double") == LUA_TNUMBER;
    if (number)
        resp_add_double(out, lua_tonumber(L, -1));
    lua_pop(L, 1);
    return number;
}

/* {map=t} or {set=t} when t is a table, else the table as an array. */
static void reply_aggregate(lua_State *L, struct to_reply *t)
{
    if (raw_field(L, -1, "map") == LUA_TTABLE) {
        reply_pairs(L, t, true);
        return;
    }
    lua_pop(L, 1);
    if (raw_field(L, -1, "set") == LUA_TTABLE) {
        reply_pairs(L, t, false);
        return;
    }
    lua_pop(L, 1);
    reply_array(L, t);
}

/* A table by its marker field, in the order of Redis's luaReplyToRedisReply. */
static void reply_table(lua_State *L, struct to_reply *t)
{
    size_t len;
    const char *s;
    if ((s = string_field(L, "err", &len)) != NULL) {
        reply_error(t->out, s);
        t->counted = counted_error(L);
    } else if ((s = string_field(L, "ok", &len)) != NULL) {
        reply_status(t->out, s);
    } else if (reply_double(L, t->out))
        return;
    else if ((s = string_field(L, "big_number", &len)) != NULL)
        reply_big_number(t->out, s, len);
    else if (!reply_verbatim(L, t->out))
        reply_aggregate(L, t);
}

/* Reply the value on top of the stack, and pop it. Nesting deeper than
 * the Lua stack allows (a table that holds itself) ends in an error
 * where it happens, as in Redis. */
static void reply_value(lua_State *L, struct to_reply *t)
{
    if (!lua_checkstack(L, 4)) {
        resp_add_error(t->out, "reached lua stack limit");
        lua_pop(L, 1);
        return;
    }
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        resp_add_bulk(t->out, s, len);
        break;
    }
    case LUA_TBOOLEAN:
        if (t->script_resp == 2 && lua_toboolean(L, -1))
            resp_add_integer(t->out, 1);
        else if (t->script_resp == 2)
            resp_add_null(t->out);
        else
            resp_add_bool(t->out, lua_toboolean(L, -1));
        break;
    case LUA_TNUMBER:
        resp_add_integer(t->out, (long long)lua_tonumber(L, -1));
        break;
    case LUA_TTABLE:
        reply_table(L, t);
        break;
    default:
        resp_add_null(t->out);
        break;
    }
    lua_pop(L, 1);
}

/* ---- running ------------------------------------------------------------------------ */

/* The error handler of a run: what went wrong, where ({err, source, line}). */
static int error_handler(lua_State *L)
{
    lua_Debug ar;
    bool where = lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar);
    if (where && strcmp(ar.what, "C") == 0)
        where = lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar);
    if (!lua_istable(L, 1)) {
        const char *msg = lua_tostring(L, 1);
        push_error_table(L, "", 0);
        lua_pushfstring(L, "ERR %s", msg ? msg : "(error object is not a string)");
        lua_setfield(L, -2, "err");
        lua_replace(L, 1);
    }
    if (where) {
        lua_pushstring(L, ar.source);
        lua_setfield(L, 1, "source");
        lua_pushinteger(L, ar.currentline);
        lua_setfield(L, 1, "line");
    }
    lua_settop(L, 1);
    return 1;
}

static void kill_hook(lua_State *L, lua_Debug *ar);

/* Every HOOK_EVERY instructions: busy past the threshold, and stopping on
 * SCRIPT KILL or shutdown - then on every line, so a pcall cannot keep
 * the script alive. */
static void busy_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    if (script_check_busy(current_run(L))) {
        lua_sethook(L, kill_hook, LUA_MASKLINE, 0);
        kill_hook(L, ar);
    }
}

static void kill_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, kill_hook, LUA_MASKLINE, 0);
    script_lua__raise_error(L, "Script killed by user with SCRIPT KILL...");
}

/* The keys and the arguments of a run as two tables on the stack. */
static void push_keys_and_args(lua_State *L, const struct resp_arg *argv, size_t nkeys,
                               size_t nargs)
{
    for (int which = 0; which < 2; which++) {
        size_t n = which == 0 ? nkeys : nargs;
        const struct resp_arg *v = which == 0 ? argv : argv + nkeys;
        lua_createtable(L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
            lua_pushlstring(L, v[i].ptr, v[i].len);
            lua_rawseti(L, -2, (int)i + 1);
        }
    }
}

/* The error of a failed run, as Redis 7.0 words it; whether INFO
 * errorstats counted it already (a command's error that redis.call
 * raised). */
static bool reply_run_error(lua_State *L, struct resp_out *out, const char *name)
{
    if (!lua_istable(L, -1)) { /* out of memory: the error handler did not run */
        const char *msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
        resp_add_errorf(out, "Error running script %s, %.100s", name, msg);
        return false;
    }
    size_t len = 0;
    const char *err = string_field(L, "err", &len);
    raw_field(L, -1, "source");
    raw_field(L, -2, "line");
    const char *source = lua_tostring(L, -2);
    long long line = (long long)lua_tonumber(L, -1);
    resp_add_errorf(out, "-%.*s script: %s, on %s:%lld.", (int)len, err ? err : "ERR unknown",
                    name, source ? source : "?", line);
    lua_pop(L, 2);
    return counted_error(L);
}

bool script_lua__run(lua_State *L, struct script_run *r, const struct resp_arg *argv,
                     size_t nkeys, size_t nargs, bool as_params, struct resp_out *out)
{
    bool counted;
    lua_pushcfunction(L, error_handler);
    lua_insert(L, -2);
    push_keys_and_args(L, argv, nkeys, nargs);
    if (!as_params) { /* EVAL: KEYS and ARGV are globals */
        lua_getfield(L, LUA_REGISTRYINDEX, REG_GLOBALS);
        lua_insert(L, -3);
        lua_setfield(L, -3, "ARGV");
        lua_setfield(L, -2, "KEYS");
        lua_pop(L, 1);
    }
    lua_pushlightuserdata(L, r);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_RUN);
    lua_sethook(L, busy_hook, LUA_MASKCOUNT, HOOK_EVERY);
    script_begin(r);
    int status = lua_pcall(L, as_params ? 2 : 0, 1, as_params ? -4 : -2);
    lua_sethook(L, NULL, 0, 0);
    if (status != 0) {
        counted = reply_run_error(L, out, r->name);
        lua_pop(L, 1);
    } else {
        struct to_reply t = {out, r->as->resp, false};
        reply_value(L, &t); /* pops the result */
        counted = t.counted;
    }
    script_end(r);
    lua_pop(L, 1); /* the handler */
    lua_gc(L, LUA_GCSTEP, 1);
    return counted;
}

/* ---- EVAL --------------------------------------------------------------------------- */

bool script_lua__parse_numkeys(struct cmd_ctx *ctx, const char *not_integer,
                               long long *numkeys)
{
    if (!arg_to_ll(&ctx->argv[2], numkeys)) {
        resp_add_error(ctx->out, not_integer);
        return false;
    }
    if (*numkeys < 0) {
        resp_add_error(ctx->out, "ERR Number of keys can't be negative");
        return false;
    }
    if ((unsigned long long)*numkeys > ctx->argc - 3) {
        resp_add_error(ctx->out, "ERR Number of keys can't be greater than number of args");
        return false;
    }
    return true;
}

bool script_lua__oom_allows(struct cmd_ctx *ctx, unsigned flags)
{
    /* no-writes implies allow-oom; a script without a shebang is checked
     * command by command instead (script_call). */
    if ((flags & (SCRIPT_LEGACY | SCRIPT_ALLOW_OOM | SCRIPT_NO_WRITES)) ||
        !server_over_maxmemory())
        return true;
    resp_add_error(ctx->out, ERR_MAXMEMORY_OOM);
    return false;
}

/* Redis's scriptPrepareForRun also refuses, with "allow-oom flag is not
 * set on the script", what script_lua__oom_allows let through only when
 * memory grew past maxmemory in between (an EXEC, a module): never here,
 * where both look at memory in the same command. */
bool script_lua__may_run(struct cmd_ctx *ctx, unsigned flags, bool read_only)
{
    if (flags & SCRIPT_LEGACY)
        return true;
    if (!(flags & SCRIPT_NO_WRITES) && read_only) {
        resp_add_error(ctx->out, "ERR Can not execute a script with write flag using *_ro "
                                 "command.");
        return false;
    }
    if (!(flags & SCRIPT_NO_WRITES) && repl_replica_refuses_writes(ctx->client)) {
        resp_add_error(ctx->out, "READONLY Can not run script with write flag on readonly "
                                 "replica");
        return false;
    }
    return true;
}

/* The flags a script declares, known before it is compiled as Redis's
 * evalGetCommandFlags knows them: the cached script's, or its shebang's;
 * SCRIPT_LEGACY when neither says (an unknown digest, a bad shebang). */
static unsigned declared_flags(const struct cached_script *s, const struct resp_arg *body,
                               bool by_digest)
{
    unsigned flags;
    char err[128];
    if (s != NULL)
        return s->flags;
    if (by_digest || parse_shebang(body->ptr, body->len, &flags, err, sizeof(err)) < 0)
        return SCRIPT_LEGACY;
    return flags;
}

void script_lua_eval(struct cmd_ctx *ctx, bool by_digest, bool read_only)
{
    long long numkeys;
    char sha[SHA1_HEX_LEN + 1];
    struct cached_script *s = named(&ctx->argv[1], by_digest, sha);
    if (!script_lua__oom_allows(ctx, declared_flags(s, &ctx->argv[1], by_digest)) ||
        !script_lua__parse_numkeys(ctx, "ERR value is not an integer or out of range", &numkeys))
        return;
    lua_State *L = state();
    if (s == NULL && by_digest) {
        resp_add_error(ctx->out, "NOSCRIPT No matching script. Please use EVAL.");
        return;
    }
    if (s == NULL && (s = compile(ctx, ctx->argv[1].ptr, ctx->argv[1].len, sha)) == NULL)
        return;
    if (L == NULL || !script_lua__may_run(ctx, s->flags, read_only))
        return;
    struct client as;
    struct script_run r;
    script_lua__prepare(ctx, &r, &as, s->flags | (read_only ? SCRIPT_NO_WRITES : 0), sha);
    lua_getfield(L, LUA_REGISTRYINDEX, sha);
    ctx->error_counted = script_lua__run(L, &r, ctx->argv + 3, (size_t)numkeys,
                                         ctx->argc - 3 - (size_t)numkeys, false, ctx->out);
    publish_figures();
}

void script_lua__prepare(struct cmd_ctx *ctx, struct script_run *r, struct client *as,
                         unsigned flags, const char *name)
{
    memset(as, 0, sizeof(*as));
    as->id = ctx->client->id;
    as->db = ctx->client->db;
    as->resp = 2; /* scripts start in RESP2; redis.setresp(3) changes it */
    as->flags = ctx->client->flags & CLIENT_NO_TOUCH;
    as->authenticated = true;
    as->user = ctx->client->user; /* borrowed: `as` is never deinit'd */
    *r = (struct script_run){
        .caller = ctx->client, .as = as, .now_ms = ctx->now_ms, .flags = flags,
        .name = name, .argv = ctx->argv, .argc = ctx->argc,
    };
}
