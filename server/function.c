/*
 * function.c - Redis 7.0 functions; see function.h.
 *
 * The registry
 *   A registry holds libraries (a list, in load order; names compared
 *   byte for byte, as Redis's library dict) and an index of their
 *   functions by lower-cased name (Redis's function dict ignores case).
 *   The live registry is `live`; FUNCTION RESTORE loads its payload into
 *   a registry of its own first and joins it to the live one only when
 *   every library loaded, so a bad payload changes nothing.
 *
 * Loading a library (Redis's functionsCreateWithLibraryCtx)
 *   "#!lua name=<lib>" first, then the code is compiled as the chunk
 *   "@user_function" and run once, with the environment every chunk of the
 *   state shares (E) reading from the load API instead of the globals: a
 *   `redis` table holding only register_function, log, the LOG_* levels
 *   and REDIS_VERSION(_NUM); any other name is "Script attempted to access
 *   nonexistent global variable". Once the chunk is done E reads the
 *   globals again, so the registered callbacks - and any helper they
 *   close over - see the full sandbox when FCALL runs them. A load runs
 *   for at most LOAD_TIMEOUT_MS ("FUNCTION LOAD timeout"); Redis gives
 *   FUNCTION RESTORE no limit, Grove the same one, so that no payload can
 *   hold the script lock for ever.
 *
 * The payload of FUNCTION DUMP
 *   For each library the RDB opcode FUNCTION2 (245) and the code as an RDB
 *   string, then the RDB version (10) as two bytes and the CRC-64 of all
 *   that, both little-endian: Redis 7.0's format, both ways. Grove writes
 *   strings uncompressed (a form Redis reads) and reads every form Redis
 *   writes (plain, integer-encoded, LZF).
 */
#include "function.h"

#include <assert.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "command.h"
#include "glob.h"
#include "hashmap.h"
#include "rdb.h"
#include "resp.h"
#include "script.h"
#include "script_lua.h"
#include "server.h"

#define LOAD_TIMEOUT_MS 500
#define LOAD_HOOK_EVERY 100000
#define CHUNK_NAME "@user_function"
#define REG_LOAD_API "grove:load_api"
#define REG_LOADING "grove:loading" /* light userdata: the struct loading */

#define ERR_BAD_NAME                                                                          \
    "Library names can only contain letters, numbers, or underscores(_) and must be at least " \
    "one character long"

struct library;

struct function {
    char *name;
    char *desc;     /* NULL when not given */
    unsigned flags; /* enum script_flag */
    int ref;        /* the callback, in the Lua registry */
    struct library *lib;
};

struct library {
    char *name;
    char *code;
    size_t code_len;
    struct function **fns; /* in registration order */
    size_t nfns, cap;
    struct library *next;
};

struct registry {
    struct library *libs;
    struct hashmap *fns; /* lower-cased name -> struct function */
    size_t nlibs, nfns, bytes; /* nfns: the index's size */
};

/* A load in progress, for redis.register_function. */
struct loading {
    struct library *lib;
    long long start_ns;
};

static lua_State *flua;
static struct registry live;
static atomic_size_t shown_libs, shown_fns, shown_bytes, shown_vm;

static const struct hashmap_hasher fn_hasher = {hashmap_siphash, &server.seed};

static void publish_figures(void)
{
    atomic_store_explicit(&shown_libs, live.nlibs, memory_order_relaxed);
    atomic_store_explicit(&shown_fns, live.nfns, memory_order_relaxed);
    size_t index = live.fns ? hashmap_bytes(live.fns) : 0;
    atomic_store_explicit(&shown_bytes, live.bytes + index, memory_order_relaxed);
    atomic_store_explicit(&shown_vm, script_lua__state_memory(flua), memory_order_relaxed);
}

/* ---- names ------------------------------------------------------------------------------ */

/* Redis's functionsVerifyName: [a-zA-Z0-9_]+. */
static bool valid_name(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* The index key of a function name: lower-cased into `buf` (cap bytes);
 * NULL when it cannot be a function's name (too long or not a name). */
static const char *index_key(const char *name, size_t len, char *buf, size_t cap)
{
    if (len >= cap || !valid_name(name, len))
        return NULL;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    return buf;
}

#define NAME_MAX_LEN 256 /* longer names are refused at load (Redis has no limit) */
static_assert(NAME_MAX_LEN == 256, "the error texts say 255 characters");

/* ---- the registry ----------------------------------------------------------------------- */

static void function_free(struct function *f)
{
    if (flua != NULL)
        luaL_unref(flua, LUA_REGISTRYINDEX, f->ref);
    free(f->name);
    free(f->desc);
    free(f);
}

static size_t library_bytes(const struct library *lib)
{
    size_t n = sizeof(*lib) + strlen(lib->name) + 1 + lib->code_len + 1 +
               lib->cap * sizeof(*lib->fns);
    for (size_t i = 0; i < lib->nfns; i++)
        n += sizeof(*lib->fns[i]) + strlen(lib->fns[i]->name) + 1 +
             (lib->fns[i]->desc ? strlen(lib->fns[i]->desc) + 1 : 0);
    return n;
}

static void library_free(struct library *lib)
{
    if (lib == NULL)
        return;
    for (size_t i = 0; i < lib->nfns; i++)
        function_free(lib->fns[i]);
    free(lib->fns);
    free(lib->name);
    free(lib->code);
    free(lib);
}

static struct library *find_library(struct registry *reg, const char *name, size_t len)
{
    for (struct library *lib = reg->libs; lib != NULL; lib = lib->next)
        if (strlen(lib->name) == len && memcmp(lib->name, name, len) == 0)
            return lib;
    return NULL;
}

static struct function *find_function(struct registry *reg, const char *name, size_t len)
{
    char buf[NAME_MAX_LEN];
    const char *key = index_key(name, len, buf, sizeof(buf));
    return key && reg->fns ? hashmap_get(reg->fns, key, len) : NULL;
}

/* Take a library out of the registry (not freed). */
static void unlink_library(struct registry *reg, struct library *lib)
{
    char buf[NAME_MAX_LEN];
    for (struct library **p = &reg->libs; *p != NULL; p = &(*p)->next) {
        if (*p == lib) {
            *p = lib->next;
            break;
        }
    }
    for (size_t i = 0; i < lib->nfns; i++) {
        const char *name = lib->fns[i]->name;
        hashmap_delete(reg->fns, index_key(name, strlen(name), buf, sizeof(buf)), strlen(name),
                       NULL);
    }
    reg->nlibs--;
    reg->nfns = hashmap_size(reg->fns);
    reg->bytes -= library_bytes(lib);
    lib->next = NULL;
}

/* Put a library in (its functions known not to collide). -1 when out of
 * memory, with the registry unchanged. */
static int link_library(struct registry *reg, struct library *lib)
{
    char buf[NAME_MAX_LEN];
    if (reg->fns == NULL && (reg->fns = hashmap_create(&fn_hasher)) == NULL)
        return -1;
    for (size_t i = 0; i < lib->nfns; i++) {
        const char *name = lib->fns[i]->name;
        const char *key = index_key(name, strlen(name), buf, sizeof(buf));
        if (hashmap_put(reg->fns, key, strlen(name), lib->fns[i], NULL) != HASHMAP_OK) {
            while (i-- > 0) {
                name = lib->fns[i]->name;
                hashmap_delete(reg->fns, index_key(name, strlen(name), buf, sizeof(buf)),
                               strlen(name), NULL);
            }
            return -1;
        }
    }
    struct library **tail = &reg->libs;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = lib;
    reg->nlibs++;
    reg->nfns = hashmap_size(reg->fns); /* "f" and "F" of one library are one, as in Redis */
    reg->bytes += library_bytes(lib);
    return 0;
}

static void registry_clear(struct registry *reg)
{
    while (reg->libs != NULL) {
        struct library *lib = reg->libs;
        reg->libs = lib->next;
        library_free(lib);
    }
    hashmap_destroy(reg->fns);
    *reg = (struct registry){0};
}

/* A function of `lib` that `reg` already has (from another library than
 * `except`), or NULL. */
static struct function *collision(struct registry *reg, const struct library *lib,
                                  const struct library *except)
{
    for (size_t i = 0; i < lib->nfns; i++) {
        const char *name = lib->fns[i]->name;
        struct function *f = find_function(reg, name, strlen(name));
        if (f != NULL && f->lib != except)
            return lib->fns[i];
    }
    return NULL;
}

/* ---- the load API: redis.register_function ------------------------------------------- */

static struct loading *current_loading(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOADING);
    struct loading *ld = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return ld;
}

/* The flags table of the named form (Redis's luaRegisterFunctionReadFlags):
 * its array part, names in any case. False on anything else. */
static bool read_flags(lua_State *L, int idx, unsigned *flags)
{
    *flags = 0;
    for (int j = 1;; j++) {
        lua_rawgeti(L, idx, j);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            return true;
        }
        const char *s = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
        size_t i = 0;
        while (s != NULL && i < SCRIPT_FLAG_NAMES && strcasecmp(script_flag_names[i].name, s) != 0)
            i++;
        lua_pop(L, 1);
        if (s == NULL || i == SCRIPT_FLAG_NAMES)
            return false;
        *flags |= script_flag_names[i].flag;
    }
}

struct fn_args {
    const char *name;
    size_t name_len;
    const char *desc;
    unsigned flags;
    int callback; /* stack index, 0 when not given */
};

/* redis.register_function{function_name=, callback=, flags=, description=}:
 * NULL, or Redis's error text. */
static const char *read_named_args(lua_State *L, struct fn_args *a)
{
    if (!lua_istable(L, 1))
        return "calling redis.register_function with a single argument is only applicable to "
               "Lua table (representing named arguments).";
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        if (!lua_checkstack(L, 4)) /* each pair's value stays on the stack */
            return "out of memory";
        if (!lua_isstring(L, -2))
            return "named argument key given to redis.register_function is not a string";
        lua_pushvalue(L, -2); /* a copy: lua_tostring must not touch lua_next's key */
        const char *key = lua_tostring(L, -1);
        int value = lua_gettop(L) - 1;
        if (strcasecmp(key, "function_name") == 0) {
            if (!lua_isstring(L, value))
                return "function_name argument given to redis.register_function must be a "
                       "string";
            a->name = lua_tolstring(L, value, &a->name_len);
        } else if (strcasecmp(key, "description") == 0) {
            if (!lua_isstring(L, value))
                return "description argument given to redis.register_function must be a string";
            a->desc = lua_tostring(L, value);
        } else if (strcasecmp(key, "callback") == 0) {
            if (!lua_isfunction(L, value))
                return "callback argument given to redis.register_function must be a function";
            a->callback = value;
        } else if (strcasecmp(key, "flags") == 0) {
            if (!lua_istable(L, value))
                return "flags argument to redis.register_function must be a table representing "
                       "function flags";
            if (!read_flags(L, value, &a->flags))
                return "unknown flag given";
        } else {
            return "unknown argument given to redis.register_function";
        }
        lua_pop(L, 1); /* the key's copy; the value stays, so strings stay alive */
        lua_pushvalue(L, value - 1);
    }
    if (a->name == NULL)
        return "redis.register_function must get a function name argument";
    if (a->callback == 0)
        return "redis.register_function must get a callback argument";
    return NULL;
}

static const char *read_args(lua_State *L, struct fn_args *a)
{
    int argc = lua_gettop(L);
    if (argc < 1 || argc > 2)
        return "wrong number of arguments to redis.register_function";
    if (argc == 1)
        return read_named_args(L, a);
    if (!lua_isstring(L, 1))
        return "first argument to redis.register_function must be a string";
    if (!lua_isfunction(L, 2))
        return "second argument to redis.register_function must be a function";
    a->name = lua_tolstring(L, 1, &a->name_len);
    a->callback = 2;
    return NULL;
}

/* Add the function to the library being loaded: NULL, or the error. */
static const char *add_function(lua_State *L, struct library *lib, const struct fn_args *a)
{
    if (!valid_name(a->name, a->name_len))
        return ERR_BAD_NAME;
    if (a->name_len >= NAME_MAX_LEN)
        return "Function names longer than 255 characters are not supported";
    for (size_t i = 0; i < lib->nfns; i++)
        if (strcmp(lib->fns[i]->name, a->name) == 0) /* case matters here, as in Redis */
            return "Function already exists in the library";
    if (lib->nfns == lib->cap) {
        size_t cap = lib->cap ? lib->cap * 2 : 4;
        struct function **v = realloc(lib->fns, cap * sizeof(*v));
        if (v == NULL)
            return "out of memory";
        lib->fns = v;
        lib->cap = cap;
    }
    struct function *f = calloc(1, sizeof(*f));
    if (f == NULL || (f->name = strdup(a->name)) == NULL ||
        (a->desc != NULL && (f->desc = strdup(a->desc)) == NULL)) {
        if (f != NULL)
            free(f->name);
        free(f);
        return "out of memory";
    }
    f->flags = a->flags;
    f->lib = lib;
    lua_pushvalue(L, a->callback);
    f->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lib->fns[lib->nfns++] = f;
    return NULL;
}

static int register_function(lua_State *L)
{
    struct loading *ld = current_loading(L);
    if (ld == NULL)
        return script_lua__raise_error(L, "redis.register_function can only be called on "
                                          "FUNCTION LOAD command");
    struct fn_args a = {0};
    const char *err = read_args(L, &a);
    if (err == NULL)
        err = add_function(L, ld->lib, &a);
    if (err != NULL)
        return script_lua__raise_error(L, err);
    return 0;
}

/* ---- the functions' Lua state ----------------------------------------------------------- */

/* The load API (see the top): left in the registry. */
static void build_load_api(lua_State *L)
{
    static const char *const copied[] = {"log",        "LOG_DEBUG",     "LOG_VERBOSE",
                                         "LOG_NOTICE", "LOG_WARNING",   "REDIS_VERSION",
                                         "REDIS_VERSION_NUM", NULL};
    lua_newtable(L); /* the load API's globals */
    lua_newtable(L); /* its redis */
    lua_getfield(L, LUA_REGISTRYINDEX, SCRIPT_LUA_REG_GLOBALS);
    lua_getfield(L, -1, "redis");
    for (size_t i = 0; copied[i] != NULL; i++) {
        lua_getfield(L, -1, copied[i]);
        lua_setfield(L, -4, copied[i]);
    }
    lua_pop(L, 2);
    lua_pushcfunction(L, register_function);
    lua_setfield(L, -2, "register_function");
    for (int i = 0; i < 2; i++) { /* redis, then the globals: strict and read-only */
        lua_newtable(L);
        lua_pushcfunction(L, script_lua__missing_global);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);
        script_lua__readonly_proxy(L);
        if (i == 0)
            lua_setfield(L, -2, "redis");
    }
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOAD_API);
}

static lua_State *state(void)
{
    if (flua != NULL)
        return flua;
    flua = script_lua__state_create();
    if (flua != NULL)
        build_load_api(flua);
    return flua;
}

/* What E reads from: the load API while a library loads, else G. */
static void env_reads(lua_State *L, const char *reg_key)
{
    lua_getfield(L, LUA_REGISTRYINDEX, SCRIPT_LUA_REG_ENV);
    lua_getmetatable(L, -1);
    lua_getfield(L, LUA_REGISTRYINDEX, reg_key);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 2);
}

static void load_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    struct loading *ld = current_loading(L);
    if ((server_monotonic_ns() - ld->start_ns) / 1000000 >= LOAD_TIMEOUT_MS)
        script_lua__raise_error(L, "FUNCTION LOAD timeout");
}

/* A failed chunk's message: strings get "ERR ", error tables their err. */
static const char *load_error(lua_State *L)
{
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        lua_replace(L, -2);
    } else if (lua_isstring(L, -1)) {
        lua_pushfstring(L, "ERR %s", lua_tostring(L, -1));
        lua_replace(L, -2);
    }
    return lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
}

/* Compile and run the library's code (after its first line) so that it
 * registers its functions into `lib`. 0, or -1 with the reply's text. */
static int run_library_code(lua_State *L, struct library *lib, const char *code, size_t len,
                            char *err, size_t cap)
{
    if (luaL_loadbuffer(L, code, len, CHUNK_NAME) != 0) {
        snprintf(err, cap, "ERR Error compiling function: %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, SCRIPT_LUA_REG_ENV);
    lua_setfenv(L, -2);
    struct loading ld = {lib, server_monotonic_ns()};
    lua_pushlightuserdata(L, &ld);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOADING);
    env_reads(L, REG_LOAD_API);
    lua_sethook(L, load_hook, LUA_MASKCOUNT, LOAD_HOOK_EVERY);
    int status = lua_pcall(L, 0, 0, 0);
    lua_sethook(L, NULL, 0, 0);
    env_reads(L, SCRIPT_LUA_REG_GLOBALS);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOADING);
    if (status != 0) {
        snprintf(err, cap, "ERR Error registering functions: %s", load_error(L));
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

/* ---- creating a library (Redis's functionsCreateWithLibraryCtx) ------------------------- */

#define SHOWN(len) ((int)((len) < 1000 ? (len) : 1000)) /* of a word in an error */

/* The words of the first line, as functionExtractLibMetaData reads them:
 * the engine (the first word without its "#!"), then name=<lib> once. */
static int read_shebang_words(const struct resp_arg *w, size_t n, char *name, size_t name_cap,
                              char *err, size_t cap)
{
    size_t name_len = 0;
    bool named = false;
    for (size_t i = 1; i < n; i++) {
        if (w[i].len < 5 || strncasecmp(w[i].ptr, "name=", 5) != 0)
            return snprintf(err, cap, "ERR Invalid metadata value given: %.*s",
                            SHOWN(w[i].len), w[i].ptr), -1;
        if (named)
            return snprintf(err, cap, "ERR Invalid metadata value, name argument was given "
                                      "multiple times"), -1;
        name_len = w[i].len - 5;
        if (name_len >= name_cap)
            return snprintf(err, cap, "ERR Library names longer than %zu characters are not "
                                      "supported", name_cap - 1), -1;
        memcpy(name, w[i].ptr + 5, name_len);
        name[name_len] = '\0';
        named = true;
    }
    if (!named)
        return snprintf(err, cap, "ERR Library name was not given"), -1;
    if (!valid_name(name, name_len))
        return snprintf(err, cap, "ERR " ERR_BAD_NAME), -1;
    if (w[0].len != 5 || strncasecmp(w[0].ptr + 2, "lua", 3) != 0)
        return snprintf(err, cap, "ERR Engine '%.*s' not found", SHOWN(w[0].len - 2),
                        w[0].ptr + 2), -1;
    return 0;
}

/* Split the first line (NUL-terminated, writable, ending in '\n') into
 * words as Redis's sdssplitargs does - the inline request's rules, where
 * quotes may open inside a word (name="foo" is name=foo) - and read them.
 * Unbalanced quotes are "Invalid library metadata", as in Redis. */
static int read_shebang(char *line, size_t len, char *name, size_t name_cap, char *err,
                        size_t cap)
{
    struct resp_limits limits;
    struct resp_parser p;
    struct resp_arg few[4], *words = few;
    size_t n, used;
    resp_limits_default(&limits);
    limits.max_inline_len = len + 1;
    resp_parser_init(&p, &limits);
    enum resp_parse_status st = resp_parse(&p, line, len, words, 4, &n, &used);
    if (st == RESP_PARSE_ARGV && (words = malloc(p.argc_needed * sizeof(*words))) != NULL)
        st = resp_parse(&p, line, len, words, p.argc_needed, &n, &used);
    int rc = -1;
    if (words == NULL)
        snprintf(err, cap, ERR_OUT_OF_MEMORY);
    else if (st != RESP_PARSE_OK || n == 0)
        snprintf(err, cap, "ERR Invalid library metadata");
    else
        rc = read_shebang_words(words, n, name, name_cap, err, cap);
    if (words != few)
        free(words);
    return rc;
}

/* "#!<engine> name=<lib>": the name (in `name`), and where the code after
 * the line starts; -1 with the error's text. */
static int parse_metadata(const char *code, size_t len, char *name, size_t name_cap,
                          size_t *body, char *err, size_t cap)
{
    if (len < 2 || code[0] != '#' || code[1] != '!')
        return snprintf(err, cap, "ERR Missing library metadata"), -1;
    /* Redis looks for the line's end with strchr: a NUL before it hides it. */
    const char *nl = memchr(code, '\n', strnlen(code, len));
    if (nl == NULL)
        return snprintf(err, cap, "ERR Invalid library metadata"), -1;
    *body = (size_t)(nl - code);
    char *line = strndup(code, *body + 1);
    if (line == NULL)
        return snprintf(err, cap, ERR_OUT_OF_MEMORY), -1;
    int rc = read_shebang(line, *body + 1, name, name_cap, err, cap);
    free(line);
    return rc;
}

/* Load `code` as a library into `reg` (replacing one of the same name
 * when `replace`). The library, or NULL with the error's text. */
static struct library *create_library(struct registry *reg, const char *code, size_t len,
                                      bool replace, char *err, size_t cap)
{
    char name[NAME_MAX_LEN];
    size_t body;
    lua_State *L = state();
    if (L == NULL)
        return snprintf(err, cap, ERR_OUT_OF_MEMORY), NULL;
    if (parse_metadata(code, len, name, sizeof(name), &body, err, cap) < 0)
        return NULL;
    struct library *old = find_library(reg, name, strlen(name));
    if (old != NULL && !replace)
        return snprintf(err, cap, "ERR Library '%s' already exists", name), NULL;
    struct library *lib = calloc(1, sizeof(*lib));
    if (lib == NULL || (lib->name = strdup(name)) == NULL ||
        (lib->code = malloc(len + 1)) == NULL) {
        library_free(lib);
        return snprintf(err, cap, ERR_OUT_OF_MEMORY), NULL;
    }
    memcpy(lib->code, code, len);
    lib->code[len] = '\0';
    lib->code_len = len;
    if (run_library_code(L, lib, code + body, len - body, err, cap) < 0)
        goto fail;
    if (lib->nfns == 0) {
        snprintf(err, cap, "ERR No functions registered");
        goto fail;
    }
    struct function *clash = collision(reg, lib, old);
    if (clash != NULL) {
        snprintf(err, cap, "ERR Function %s already exists", clash->name);
        goto fail;
    }
    if (old != NULL)
        unlink_library(reg, old);
    if (link_library(reg, lib) < 0) {
        if (old != NULL)
            link_library(reg, old); /* its index entries were just freed: room enough */
        snprintf(err, cap, ERR_OUT_OF_MEMORY);
        goto fail;
    }
    library_free(old);
    return lib;
fail:
    library_free(lib);
    return NULL;
}

/* ---- the commands ------------------------------------------------------------------------ */

void function_load(struct cmd_ctx *ctx, const struct resp_arg *code, bool replace)
{
    char err[1400];
    struct library *lib = create_library(&live, code->ptr, code->len, replace, err, sizeof(err));
    if (lib == NULL)
        resp_add_error(ctx->out, err);
    else
        resp_add_bulk_cstr(ctx->out, lib->name);
    if (flua != NULL)
        lua_gc(flua, LUA_GCSTEP, 1);
    publish_figures();
}

void function_delete(struct cmd_ctx *ctx, const struct resp_arg *name)
{
    struct library *lib = find_library(&live, name->ptr, name->len);
    if (lib == NULL) {
        resp_add_error(ctx->out, "ERR Library not found");
        return;
    }
    unlink_library(&live, lib);
    library_free(lib);
    publish_figures();
    resp_add_ok(ctx->out);
}

void function_foreach_code(void (*cb)(const char *code, size_t len, void *ud), void *ud)
{
    for (struct library *lib = live.libs; lib != NULL; lib = lib->next)
        cb(lib->code, lib->code_len, ud);
}

void function_flush(void)
{
    registry_clear(&live);
    if (flua != NULL)
        lua_close(flua);
    flua = NULL;
    publish_figures();
}

static void list_function(struct cmd_ctx *ctx, const struct function *f)
{
    resp_add_map_len(ctx->out, 3);
    resp_add_bulk_cstr(ctx->out, "name");
    resp_add_bulk_cstr(ctx->out, f->name);
    resp_add_bulk_cstr(ctx->out, "description");
    if (f->desc != NULL)
        resp_add_bulk_cstr(ctx->out, f->desc);
    else
        resp_add_null(ctx->out);
    resp_add_bulk_cstr(ctx->out, "flags");
    size_t n = 0;
    for (size_t i = 0; i < SCRIPT_FLAG_NAMES; i++)
        n += (f->flags & script_flag_names[i].flag) != 0;
    resp_add_set_len(ctx->out, n);
    for (size_t i = 0; i < SCRIPT_FLAG_NAMES; i++)
        if (f->flags & script_flag_names[i].flag)
            resp_add_simple(ctx->out, script_flag_names[i].name);
}

static bool listed(const struct library *lib, const struct resp_arg *pattern)
{
    return pattern == NULL ||
           glob_match(pattern->ptr, pattern->len, lib->name, strlen(lib->name), true);
}

void function_list(struct cmd_ctx *ctx, const struct resp_arg *pattern, bool with_code)
{
    size_t n = 0;
    for (struct library *lib = live.libs; lib != NULL; lib = lib->next)
        n += listed(lib, pattern);
    resp_add_array_len(ctx->out, n);
    for (struct library *lib = live.libs; lib != NULL; lib = lib->next) {
        if (!listed(lib, pattern))
            continue;
        resp_add_map_len(ctx->out, with_code ? 4 : 3);
        resp_add_bulk_cstr(ctx->out, "library_name");
        resp_add_bulk_cstr(ctx->out, lib->name);
        resp_add_bulk_cstr(ctx->out, "engine");
        resp_add_bulk_cstr(ctx->out, "LUA");
        resp_add_bulk_cstr(ctx->out, "functions");
        resp_add_array_len(ctx->out, lib->nfns);
        for (size_t i = 0; i < lib->nfns; i++)
            list_function(ctx, lib->fns[i]);
        if (with_code) {
            resp_add_bulk_cstr(ctx->out, "library_code");
            resp_add_bulk(ctx->out, lib->code, lib->code_len);
        }
    }
}

/* ---- DUMP and RESTORE ------------------------------------------------------------------- */

int function_rdb_write(struct rdb_writer *w)
{
    int rc = 0;
    for (struct library *lib = live.libs; lib != NULL && rc == 0; lib = lib->next) {
        if ((rc = rdb_write_opcode(w, RDB_OPCODE_FUNCTION2)) == 0)
            rc = rdb_write_string(w, lib->code, lib->code_len);
    }
    return rc;
}

int function_rdb_load_cb(const char *code, size_t len, char *err, size_t cap, void *ud)
{
    bool replace = ud != NULL && *(const bool *)ud;
    struct library *lib = create_library(&live, code, len, replace, err, cap);
    publish_figures(); /* FUNCTION STATS and INFO count what a load brought */
    return lib == NULL ? -1 : 0;
}

/* FUNCTION DUMP: the libraries as an RDB file holds them (LZF-compressed
 * as Redis writes them), then the payload trailer. */
void function_dump(struct cmd_ctx *ctx)
{
    struct lzf_state *lzf = malloc(sizeof(*lzf));
    struct rdb_buf out = {0};
    int rc = lzf == NULL ? RDB_ENOMEM : 0;
    if (lzf != NULL)
        lzf_state_init(lzf);
    struct rdb_writer w = {.sink_cb = rdb_buf_sink_cb, .ud = &out, .lzf = lzf};
    if (rc == 0)
        rc = function_rdb_write(&w);
    if (rc == 0)
        rc = rdb_payload_finish(&out);
    if (rc == 0)
        resp_add_bulk(ctx->out, (const char *)out.data, out.len);
    else
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
    rdb_buf_deinit(&out);
    free(lzf);
}

/* Every library of a payload's value bytes into `reg`: 0, or -1 with the
 * error (Redis's functionsCreateWithLibraryCtx texts). */
static int load_payload(struct registry *reg, struct rdb_reader *in, char *err, size_t cap)
{
    while (rdb_reader_remaining(in) > 0) {
        unsigned type;
        struct rdb_str code;
        if (rdb_read_type(in, &type) < 0)
            return snprintf(err, cap, "ERR Failed loading library payload"), -1;
        if (type == RDB_OPCODE_FUNCTION_PRE_GA)
            return snprintf(err, cap, "ERR Pre-GA function format not supported"), -1;
        if (type != RDB_OPCODE_FUNCTION2)
            return snprintf(err, cap, "ERR given type is not a function"), -1;
        if (rdb_read_string(in, &code) < 0)
            return snprintf(err, cap, "ERR Failed loading library payload"), -1;
        if (create_library(reg, code.ptr, code.len, false, err, cap) == NULL)
            return -1;
    }
    return 0;
}

/* Redis's libraryJoin: move every library of `src` into `dst`. 0, or -1
 * with the error and `dst` as it was. */
static int join(struct registry *dst, struct registry *src, bool replace, char *err, size_t cap)
{
    struct registry old = {0}; /* what REPLACE took out, to put back on failure */
    int rc = 0;
    for (struct library *lib = src->libs; lib != NULL && rc == 0; lib = lib->next) {
        struct library *same = find_library(dst, lib->name, strlen(lib->name));
        if (same != NULL && !replace) {
            snprintf(err, cap, "ERR Library %s already exists", lib->name);
            rc = -1;
        } else if (same != NULL) {
            unlink_library(dst, same);
            rc = link_library(&old, same);
            if (rc < 0)
                snprintf(err, cap, ERR_OUT_OF_MEMORY);
        }
    }
    for (struct library *lib = src->libs; lib != NULL && rc == 0; lib = lib->next) {
        struct function *clash = collision(dst, lib, NULL);
        if (clash != NULL) {
            snprintf(err, cap, "ERR Function %s already exists", clash->name);
            rc = -1;
        }
    }
    while (rc == 0 && src->libs != NULL) {
        struct library *lib = src->libs;
        unlink_library(src, lib);
        if (link_library(dst, lib) < 0) {
            link_library(src, lib);
            snprintf(err, cap, ERR_OUT_OF_MEMORY);
            rc = -1; /* what moved stays: each library is whole */
        }
    }
    while (rc < 0 && old.libs != NULL) {
        struct library *lib = old.libs;
        unlink_library(&old, lib);
        link_library(dst, lib);
    }
    registry_clear(&old);
    return rc;
}

void function_restore(struct cmd_ctx *ctx, const struct resp_arg *payload,
                      enum function_restore_policy policy)
{
    size_t value_len;
    if (!rdb_payload_verify(payload->ptr, payload->len,
                            !atomic_load(&server.skip_checksum_validation), &value_len)) {
        resp_add_error(ctx->out, "ERR DUMP payload version or checksum are wrong");
        return;
    }
    char err[1400];
    struct registry reg = {0};
    struct rdb_reader in;
    rdb_reader_init(&in, payload->ptr, value_len, NULL, NULL);
    int rc = load_payload(&reg, &in, err, sizeof(err));
    rdb_reader_deinit(&in);
    if (rc == 0 && policy == FUNCTION_RESTORE_FLUSH) {
        registry_clear(&live);
        live = reg;
        reg = (struct registry){0};
    } else if (rc == 0) {
        rc = join(&live, &reg, policy == FUNCTION_RESTORE_REPLACE, err, sizeof(err));
    }
    registry_clear(&reg);
    if (rc < 0)
        resp_add_error(ctx->out, err);
    else
        resp_add_ok(ctx->out);
    publish_figures();
}

/* ---- FCALL ------------------------------------------------------------------------------ */

uint32_t function_line_flags(const struct resp_arg *name, uint32_t flags)
{
    script_lock();
    const struct function *f = find_function(&live, name->ptr, name->len);
    if (f != NULL)
        flags = script_command_flags(flags, f->flags);
    script_unlock();
    return flags;
}

void function_call(struct cmd_ctx *ctx, bool read_only)
{
    struct function *f = find_function(&live, ctx->argv[1].ptr, ctx->argv[1].len);
    long long numkeys;
    if (f == NULL) {
        resp_add_error(ctx->out, "ERR Function not found");
        return;
    }
    if (!script_lua__oom_allows(ctx, f->flags) ||
        !script_lua__parse_numkeys(ctx, "ERR Bad number of keys provided", &numkeys) ||
        !script_lua__may_run(ctx, f->flags, read_only))
        return;
    struct client as;
    struct script_run r;
    script_lua__prepare(ctx, &r, &as, f->flags | (read_only ? SCRIPT_NO_WRITES : 0), f->name);
    r.is_function = true;
    lua_rawgeti(flua, LUA_REGISTRYINDEX, f->ref);
    ctx->error_counted = script_lua__run(flua, &r, ctx->argv + 3, (size_t)numkeys,
                                         ctx->argc - 3 - (size_t)numkeys, true, ctx->out);
    atomic_store_explicit(&shown_vm, script_lua__state_memory(flua), memory_order_relaxed);
}

/* ---- figures and the end ---------------------------------------------------------------- */

size_t function_library_count(void)
{
    return atomic_load_explicit(&shown_libs, memory_order_relaxed);
}

size_t function_count(void)
{
    return atomic_load_explicit(&shown_fns, memory_order_relaxed);
}

size_t function_memory(void)
{
    return atomic_load_explicit(&shown_bytes, memory_order_relaxed);
}

size_t function_vm_memory(void)
{
    return atomic_load_explicit(&shown_vm, memory_order_relaxed);
}

void function_deinit(void)
{
    function_flush();
}
