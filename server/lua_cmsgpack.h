/*
 * lua_cmsgpack.h - the `cmsgpack` library of Redis's scripts: MessagePack
 * encoding and decoding of Lua values, byte for byte as Redis 7.0's
 * bundled lua-cmsgpack 0.4.0 (which Debian does not package for Lua 5.1).
 *
 * Glossary
 *   pack(v1, ...)              the encodings of every argument, concatenated
 *   unpack(s)                  every object in s, as separate results
 *   unpack_one(s [,off])       the next offset, then one object from byte off
 *   unpack_limit(s, n [,off])  the next offset, then up to n objects
 *   next offset                where decoding stopped, -1 once s is used up
 *
 * Errors are raised as Lua errors with Redis's texts ("Missing bytes in
 * input.", "Bad data format in input.", ...); nothing here crashes or
 * recurses without bound on any input (see lua_cmsgpack.c).
 */
#ifndef GROVE_LUA_CMSGPACK_H
#define GROVE_LUA_CMSGPACK_H

#include <lua.h>

/* Pushes a new library table (pack, unpack, unpack_one, unpack_limit and
 * Redis's _NAME, _VERSION, _COPYRIGHT, _DESCRIPTION) and returns 1. Unlike
 * Redis's it sets no global: the caller names it, as with cjson. */
int luaopen_cmsgpack(lua_State *L);

#endif
