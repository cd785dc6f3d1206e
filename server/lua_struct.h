/*
 * lua_struct.h - the `struct` library of Redis's scripts: C structures
 * to and from Lua strings, as Roberto Ierusalimschy's struct library that
 * Redis 7.0 bundles (deps/lua/src/lua_struct.c), with its bounds fixes
 * (CVE-2020-14147). Debian does not package it for Lua 5.1.
 *
 * Glossary
 *   struct.pack(fmt, v1, ...)       the values laid out as fmt says
 *   struct.unpack(fmt, s [,pos])    the values read from s at pos (1-based),
 *                                   then the position after the last byte read
 *   struct.size(fmt)                the bytes fmt takes (no 's' or 'c0')
 *   format                          > < ![n] x b B h H l L T i[n] I[n]
 *                                   c[n] s f d and ' ' (see lua_struct.c)
 *
 * Errors are raised as Lua errors with the library's texts.
 */
#ifndef GROVE_LUA_STRUCT_H
#define GROVE_LUA_STRUCT_H

#include <lua.h>

/* Pushes a new library table (pack, unpack, size) and returns 1. Unlike
 * Redis's it sets no global: the caller names it, as with cjson. */
int luaopen_struct(lua_State *L);

#endif
