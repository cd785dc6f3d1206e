/*
 * script_lua.h - the Lua 5.1 engine behind EVAL and its family: EVAL's
 * Lua state (used under the script lock, by one thread at a time), the
 * script cache, the sandbox Redis 7.0 gives scripts, the redis.* library,
 * and the conversions between Lua values and replies. function.c builds
 * the functions' own state and runs them with the same code (below).
 *
 * Every function here is called with the script lock held (script.h);
 * the state is created on first use and lives until script_lua_deinit.
 *
 * Errors: functions that answer a client reply the error themselves and
 * return false; script_lua_flush and the counters cannot fail.
 */
#ifndef GROVE_SCRIPT_LUA_H
#define GROVE_SCRIPT_LUA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha1.h"

struct cmd_ctx;
struct resp_arg;

/* EVAL / EVALSHA / EVAL_RO / EVALSHA_RO, argv as the client sent it: the
 * script (body, or digest when by_digest), numkeys, keys, arguments. */
void script_lua_eval(struct cmd_ctx *ctx, bool by_digest, bool read_only);

/* SCRIPT LOAD: compile and cache; the digest in `sha`. False after
 * replying the compile error. */
bool script_lua_load(struct cmd_ctx *ctx, const struct resp_arg *body, char sha[SHA1_HEX_LEN + 1]);
/* SCRIPT EXISTS of one digest (any case). */
bool script_lua_exists(const struct resp_arg *digest);
/* SCRIPT FLUSH: forget every cached script (a fresh Lua state). */
void script_lua_flush(void);
/* EVAL's and EVALSHA's line_flags (command.h): by the script's shebang
 * (`script` is the body, or the digest if by_digest: a script not cached
 * keeps the command's flags, as in Redis). Takes the script lock for a
 * digest: call it holding none. */
uint32_t script_lua_line_flags(const struct resp_arg *script, bool by_digest, uint32_t flags);

/* INFO memory (any thread): the cache's scripts and bytes, and the Lua
 * state's memory, as of the last script or cache change. */
size_t script_lua_cached(void);
size_t script_lua_cache_bytes(void);
size_t script_lua_memory(void);

/* Free everything at shutdown. */
void script_lua_deinit(void);

/* ---- shared with function.c, the engine of FUNCTION and FCALL -------------------------
 * Functions get a Lua state of their own (as in Redis 7.0) built by the
 * same code, so both states have every library and the same sandbox. */
struct client;
struct lua_State;
struct resp_out;
struct script_run;

/* Registry keys of a state: E, the environment every chunk runs with, and
 * G, the globals table behind it. */
#define SCRIPT_LUA_REG_ENV "grove:env"
#define SCRIPT_LUA_REG_GLOBALS "grove:globals"

/* A state with every library and the sandbox; NULL when out of memory. */
struct lua_State *script_lua__state_create(void);
/* The bytes a state uses (0 for NULL). */
size_t script_lua__state_memory(struct lua_State *L);
/* numkeys at argv[2] checked as Redis checks it, with `not_integer` as the
 * reply when it is not a number; false after replying. */
bool script_lua__parse_numkeys(struct cmd_ctx *ctx, const char *not_integer,
                               long long *numkeys);
/* Over maxmemory, a script whose flags allow neither OOM nor writes is
 * refused before anything else, as Redis's processCommand refuses a
 * deny-oom command (Redis gives scripts the command flags their own flags
 * imply); false after replying. */
bool script_lua__oom_allows(struct cmd_ctx *ctx, unsigned flags);
/* The script's flags against how it is run (Redis's scriptPrepareForRun);
 * false after replying. */
bool script_lua__may_run(struct cmd_ctx *ctx, unsigned flags, bool read_only);
/* Fill the run and the client its commands run as (both caller-owned). */
void script_lua__prepare(struct cmd_ctx *ctx, struct script_run *r, struct client *as,
                         unsigned flags, const char *name);
/* Call the function on top of the stack (popping it) with keys
 * argv[0..nkeys) and arguments after them - as KEYS and ARGV globals, or
 * as its two parameters when as_params - and reply its result or error,
 * "... script: <r->name>, on <source>:<line>." True when that reply is
 * an error INFO errorstats counted already (for cmd_ctx.error_counted). */
bool script_lua__run(struct lua_State *L, struct script_run *r, const struct resp_arg *argv,
                     size_t nkeys, size_t nargs, bool as_params, struct resp_out *out);
/* Raise {err="ERR msg"}: no Lua position in the reply, as Redis. */
int script_lua__raise_error(struct lua_State *L, const char *msg);
/* __index of a globals table: "Script attempted to access nonexistent
 * global variable". */
int script_lua__missing_global(struct lua_State *L);
/* __newindex of a read-only table. */
int script_lua__readonly_newindex(struct lua_State *L);
/* Replace the table on top with a read-only proxy of it. */
void script_lua__readonly_proxy(struct lua_State *L);

#endif
