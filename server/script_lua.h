/*
 * script_lua.h - the Lua 5.1 engine behind EVAL and its family: one Lua
 * state (used under the script lock, by one thread at a time), the script
 * cache, the sandbox Redis 7.0 gives scripts, the redis.* library, and the
 * conversions between Lua values and replies.
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

/* INFO memory (any thread): the cache's scripts and bytes, and the Lua
 * state's memory, as of the last script or cache change. */
size_t script_lua_cached(void);
size_t script_lua_cache_bytes(void);
size_t script_lua_memory(void);

/* Free everything at shutdown. */
void script_lua_deinit(void);

#endif
