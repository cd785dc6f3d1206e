/*
 * lua_cmsgpack.c - MessagePack for scripts; see lua_cmsgpack.h.
 *
 * Written for Grove after the behaviour of Redis 7.0's bundled
 * deps/lua/src/lua_cmsgpack.c (lua-cmsgpack 0.4.0 by Salvatore
 * Sanfilippo): scripts that pack in Redis and unpack in Grove, or the other
 * way round, must see the same bytes and the same values.
 *
 * Encoding (Redis's choices)
 *   nil, functions, userdata, threads   nil (0xc0)
 *   booleans                            false 0xc2, true 0xc3
 *   a number that is an integer in      the shortest of positive/negative
 *     [-2^63, 2^63)                     fixint, uint 8..64, int 8..64
 *   any other number                    float 32 (0xca) when the value
 *                                       survives a round trip through a
 *                                       float (so 0.5 and inf, not 0.1),
 *                                       else float 64 (0xcb); NaN is 0xcb
 *   strings                             fixstr, str 8, str 16, str 32
 *   a table whose keys are exactly      an array (an empty table is an
 *     the integers 1..n                 empty array)
 *   any other table                     a map, in lua_next order
 *   Tables nested LUA_CMSGPACK_MAX_NESTING deep are encoded as nil: that is
 *   what keeps a table holding itself finite.
 *
 * Decoding
 *   Every MessagePack type but bin, ext and fixext (those are "Bad data
 *   format in input."). A uint 64 above 2^63-1 comes back negative, as in
 *   Redis (its bits read as a signed integer). A map key that decodes to
 *   nil is Lua's "table index is nil".
 *
 * Bounds
 *   - Decoding recurses once per nesting level and every level holds at
 *     least one slot of the Lua stack, claimed with luaL_checkstack. Lua
 *     gives one C call at most LUAI_MAXCSTACK (8000) slots, so no input
 *     nests deeper than that: past it the error is Redis's "stack overflow
 *     (...)", with its texts, at the same depth as in Redis.
 *   - Counts (up to 2^32-1 in array 32 and map 32) allocate nothing ahead:
 *     every element takes at least one input byte, so a count larger than
 *     the input ends in "Missing bytes in input." after reading it once.
 *   - pack encodes into a scratch buffer held by the pack closure (a
 *     userdata with __gc) rather than malloc'd per call, so an error raised
 *     half-way (stack overflow, out of memory) leaks nothing. Encoding runs
 *     no Lua code (raw table access only), so the buffer is never used by
 *     two packs at once. A buffer grown past SCRATCH_KEEP is freed after
 *     the pack.
 *   - The stack checks of pack and unpack are Redis's, in Redis's order, so
 *     the limits on arguments and results fail where Redis's do.
 */
#include "lua_cmsgpack.h"

#include <float.h>
#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LUA_CMSGPACK_MAX_NESTING 16     /* tables deeper than this pack as nil */
#define SCRATCH_KEEP (64 * 1024)        /* a bigger scratch buffer is freed after use */
#define TOO_MANY_RESULTS "too many return values at once; use unpack_one or unpack_limit instead."

/* ---- the scratch buffer ---------------------------------------------------------- */

struct scratch {
    unsigned char *b;
    size_t len, cap;
};

static int scratch_gc(lua_State *L)
{
    struct scratch *s = lua_touserdata(L, 1);
    free(s->b);
    s->b = NULL;
    s->len = s->cap = 0;
    return 0;
}

static void scratch_release(struct scratch *s)
{
    free(s->b);
    s->b = NULL;
    s->cap = 0;
}

static void put(lua_State *L, struct scratch *s, const void *bytes, size_t n)
{
    if (s->cap - s->len < n) {
        if (n > SIZE_MAX / 2 - s->len)
            luaL_error(L, "not enough memory");
        size_t cap = 2 * (s->len + n);
        unsigned char *b = realloc(s->b, cap);
        if (b == NULL)
            luaL_error(L, "not enough memory");
        s->b = b;
        s->cap = cap;
    }
    if (n > 0)
        memcpy(s->b + s->len, bytes, n);
    s->len += n;
}

/* A type byte and then `width` bytes of v, big-endian (MessagePack's order). */
static void put_tagged(lua_State *L, struct scratch *s, unsigned char tag, uint64_t v, int width)
{
    unsigned char b[9];
    b[0] = tag;
    for (int i = width; i >= 1; i--, v >>= 8)
        b[i] = (unsigned char)(v & 0xff);
    put(L, s, b, (size_t)width + 1);
}

/* ---- encoding -------------------------------------------------------------------- */

static void encode_int(lua_State *L, struct scratch *s, int64_t n)
{
    uint64_t u = (uint64_t)n;
    if (n >= 0 && n <= 127)
        put_tagged(L, s, (unsigned char)n, 0, 0);               /* positive fixint */
    else if (n >= 0 && n <= 0xff)
        put_tagged(L, s, 0xcc, u, 1);
    else if (n >= 0 && n <= 0xffff)
        put_tagged(L, s, 0xcd, u, 2);
    else if (n >= 0 && n <= 0xffffffffLL)
        put_tagged(L, s, 0xce, u, 4);
    else if (n >= 0)
        put_tagged(L, s, 0xcf, u, 8);
    else if (n >= -32)
        put_tagged(L, s, (unsigned char)(u & 0xff), 0, 0);     /* negative fixint */
    else if (n >= INT8_MIN)
        put_tagged(L, s, 0xd0, u, 1);
    else if (n >= INT16_MIN)
        put_tagged(L, s, 0xd1, u, 2);
    else if (n >= INT32_MIN)
        put_tagged(L, s, 0xd2, u, 4);
    else
        put_tagged(L, s, 0xd3, u, 8);
}

/* Float 32 when nothing is lost (infinities too; never NaN). A finite
 * value beyond FLT_MAX cannot be a float and is not converted (C leaves
 * that conversion undefined). */
static void encode_double(lua_State *L, struct scratch *s, double d)
{
    if ((fabs(d) <= FLT_MAX || isinf(d)) && (double)(float)d == d) {
        float f = (float)d;
        uint32_t bits;
        memcpy(&bits, &f, sizeof(bits));
        put_tagged(L, s, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &d, sizeof(bits));
        put_tagged(L, s, 0xcb, bits, 8);
    }
}

/* Redis's test is (int64_t)n == n on x86-64, where the conversion of a
 * value out of range gives INT64_MIN: an integer in [-2^63, 2^63). */
static void encode_number(lua_State *L, struct scratch *s, lua_Number n)
{
    if (n >= -0x1p63 && n < 0x1p63 && n == floor(n))
        encode_int(L, s, (int64_t)n);
    else
        encode_double(L, s, n);
}

/* The header of a string, array or map of n elements: the fix form below
 * `fix_limit`, else the 8 (strings only), 16 and 32 bit forms. */
static void encode_header(lua_State *L, struct scratch *s, const unsigned char tags[4],
                          size_t fix_limit, size_t n)
{
    if (n < fix_limit)
        put_tagged(L, s, (unsigned char)(tags[0] | n), 0, 0);
    else if (tags[1] != 0 && n <= 0xff)
        put_tagged(L, s, tags[1], n, 1);
    else if (n <= 0xffff)
        put_tagged(L, s, tags[2], n, 2);
    else if (n <= 0xffffffffu)
        put_tagged(L, s, tags[3], n, 4);
    else /* Redis writes a wrong length here; only a string of 4 GB can get here */
        luaL_error(L, "object too long for MessagePack");
}

static const unsigned char str_tags[4] = {0xa0, 0xd9, 0xda, 0xdb};
static const unsigned char array_tags[4] = {0x90, 0, 0xdc, 0xdd};
static const unsigned char map_tags[4] = {0x80, 0, 0xde, 0xdf};

static void encode_value(lua_State *L, struct scratch *s, int level);

/* Redis's rule: every key a number, integral, in [1, INT_MAX], and the
 * largest equal to the count - then the keys are exactly 1..count. */
static bool is_array(lua_State *L)
{
    int top = lua_gettop(L);
    int count = 0, max = 0;
    luaL_checkstack(L, 2, "in function table_is_an_array");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        lua_Number n = lua_tonumber(L, -1);
        if (lua_type(L, -1) != LUA_TNUMBER || n <= 0 || n > INT_MAX || n != floor(n)) {
            lua_settop(L, top);
            return false;
        }
        if (n > max)
            max = (int)n;
        count++;
    }
    lua_settop(L, top);
    return max == count;
}

static void encode_array(lua_State *L, struct scratch *s, int level)
{
    size_t n = lua_objlen(L, -1);
    encode_header(L, s, array_tags, 16, n);
    luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, (int)i);
        encode_value(L, s, level + 1);
    }
}

static void encode_map(lua_State *L, struct scratch *s, int level)
{
    size_t n = 0;
    luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        n++;
    }
    encode_header(L, s, map_tags, 16, n);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        encode_value(L, s, level + 1); /* the key's copy */
        encode_value(L, s, level + 1); /* the value */
    }
}

/* Encodes the value on top of the stack, at table depth `level`, and pops it. */
static void encode_value(lua_State *L, struct scratch *s, int level)
{
    int type = lua_type(L, -1);
    if (type == LUA_TTABLE && level == LUA_CMSGPACK_MAX_NESTING)
        type = LUA_TNIL;
    switch (type) {
    case LUA_TSTRING: {
        size_t len;
        const char *str = lua_tolstring(L, -1, &len);
        encode_header(L, s, str_tags, 32, len);
        put(L, s, str, len);
        break;
    }
    case LUA_TBOOLEAN:
        put_tagged(L, s, lua_toboolean(L, -1) ? 0xc3 : 0xc2, 0, 0);
        break;
    case LUA_TNUMBER:
        encode_number(L, s, lua_tonumber(L, -1));
        break;
    case LUA_TTABLE:
        if (is_array(L))
            encode_array(L, s, level);
        else
            encode_map(L, s, level);
        break;
    default:
        put_tagged(L, s, 0xc0, 0, 0);
        break;
    }
    lua_pop(L, 1);
}

/* pack(v1, ...): upvalue 1 is the scratch buffer. */
static int pack(lua_State *L)
{
    int nargs = lua_gettop(L);
    if (nargs == 0)
        return luaL_argerror(L, 0, "MessagePack pack needs input.");
    if (!lua_checkstack(L, nargs))
        return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
    struct scratch *s = lua_touserdata(L, lua_upvalueindex(1));
    for (int i = 1; i <= nargs; i++) {
        s->len = 0;
        luaL_checkstack(L, 1, "in function mp_check");
        lua_pushvalue(L, i);
        encode_value(L, s, 0);
        lua_pushlstring(L, (const char *)s->b, s->len);
    }
    if (s->cap > SCRATCH_KEEP)
        scratch_release(s);
    lua_concat(L, nargs);
    return 1;
}

/* ---- decoding -------------------------------------------------------------------- */

enum cursor_error { CURSOR_OK, CURSOR_EOF, CURSOR_BADFMT };

struct cursor {
    const unsigned char *p;
    size_t left;
    enum cursor_error err;
};

static bool need(struct cursor *c, size_t n)
{
    if (c->left >= n)
        return true;
    c->err = CURSOR_EOF;
    return false;
}

static void skip(struct cursor *c, size_t n)
{
    c->p += n;
    c->left -= n;
}

/* `width` bytes after the type byte, big-endian. The caller checked them. */
static uint64_t read_be(const struct cursor *c, int width)
{
    uint64_t v = 0;
    for (int i = 1; i <= width; i++)
        v = (v << 8) | c->p[i];
    return v;
}

/* The two's complement value of the low `width` bytes of v. */
static int64_t as_signed(uint64_t v, int width)
{
    uint64_t sign = (uint64_t)1 << (8 * width - 1);
    if (!(v & sign))
        return (int64_t)v;
    uint64_t magnitude = ((~v) & (sign - 1 + sign)) + 1; /* -v within width bytes */
    return magnitude == ((uint64_t)1 << 63) ? INT64_MIN : -(int64_t)magnitude;
}

static void decode_value(lua_State *L, struct cursor *c);

static void decode_array(lua_State *L, struct cursor *c, size_t n)
{
    lua_newtable(L);
    luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
    for (size_t i = 1; i <= n; i++) {
        lua_pushnumber(L, (lua_Number)i);
        decode_value(L, c);
        if (c->err != CURSOR_OK)
            return;
        lua_rawset(L, -3);
    }
}

static void decode_map(lua_State *L, struct cursor *c, size_t n)
{
    lua_newtable(L);
    for (size_t i = 0; i < n; i++) {
        decode_value(L, c);
        if (c->err != CURSOR_OK)
            return;
        decode_value(L, c);
        if (c->err != CURSOR_OK)
            return;
        lua_rawset(L, -3);
    }
}

/* A string of n bytes after a header of `header` bytes. */
static void decode_string(lua_State *L, struct cursor *c, size_t header, size_t n)
{
    if (!need(c, header) || !need(c, header + n))
        return;
    lua_pushlstring(L, (const char *)c->p + header, n);
    skip(c, header + n);
}

/* An array or map whose count takes `width` bytes after the type byte. */
static void decode_collection(lua_State *L, struct cursor *c, int width, bool map)
{
    if (!need(c, 1 + (size_t)width))
        return;
    size_t n = (size_t)read_be(c, width);
    skip(c, 1 + (size_t)width);
    if (map)
        decode_map(L, c, n);
    else
        decode_array(L, c, n);
}

/* uint 8..64 (unsigned) and int 8..64, `width` bytes after the type byte.
 * Integers are pushed as Redis does: through lua_Integer, so a uint 64
 * above 2^63-1 turns negative. */
static void decode_int(lua_State *L, struct cursor *c, int width, bool is_signed)
{
    if (!need(c, 1 + (size_t)width))
        return;
    uint64_t v = read_be(c, width);
    lua_pushnumber(L, (lua_Number)(is_signed || width == 8 ? as_signed(v, width) : (int64_t)v));
    skip(c, 1 + (size_t)width);
}

static void decode_float(lua_State *L, struct cursor *c, int width)
{
    if (!need(c, 1 + (size_t)width))
        return;
    uint64_t bits = read_be(c, width);
    if (width == 4) {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof(f));
        lua_pushnumber(L, f);
    } else {
        double d;
        memcpy(&d, &bits, sizeof(d));
        lua_pushnumber(L, d);
    }
    skip(c, 1 + (size_t)width);
}

/* Decodes one object at the cursor and pushes it; on bad input sets
 * c->err instead (what was pushed by then does not matter: an error
 * follows). */
static void decode_value(lua_State *L, struct cursor *c)
{
    if (!need(c, 1))
        return;
    luaL_checkstack(L, 1, TOO_MANY_RESULTS);
    unsigned char tag = c->p[0];
    if (tag <= 0x7f || tag >= 0xe0) { /* positive and negative fixint */
        lua_pushnumber(L, tag >= 0xe0 ? (lua_Number)tag - 256 : (lua_Number)tag);
        skip(c, 1);
        return;
    }
    switch (tag & 0xf0) {
    case 0xa0: case 0xb0:
        decode_string(L, c, 1, tag & 0x1f);
        return;
    case 0x90:
        skip(c, 1);
        decode_array(L, c, tag & 0x0f);
        return;
    case 0x80:
        skip(c, 1);
        decode_map(L, c, tag & 0x0f);
        return;
    }
    switch (tag) {
    case 0xc0: lua_pushnil(L); skip(c, 1); return;
    case 0xc2: lua_pushboolean(L, 0); skip(c, 1); return;
    case 0xc3: lua_pushboolean(L, 1); skip(c, 1); return;
    case 0xca: decode_float(L, c, 4); return;
    case 0xcb: decode_float(L, c, 8); return;
    case 0xcc: decode_int(L, c, 1, false); return;
    case 0xcd: decode_int(L, c, 2, false); return;
    case 0xce: decode_int(L, c, 4, false); return;
    case 0xcf: decode_int(L, c, 8, false); return;
    case 0xd0: decode_int(L, c, 1, true); return;
    case 0xd1: decode_int(L, c, 2, true); return;
    case 0xd2: decode_int(L, c, 4, true); return;
    case 0xd3: decode_int(L, c, 8, true); return;
    case 0xd9: decode_string(L, c, 2, need(c, 2) ? c->p[1] : 0); return;
    case 0xda: decode_string(L, c, 3, need(c, 3) ? (size_t)read_be(c, 2) : 0); return;
    case 0xdb: decode_string(L, c, 5, need(c, 5) ? (size_t)read_be(c, 4) : 0); return;
    case 0xdc: decode_collection(L, c, 2, false); return;
    case 0xdd: decode_collection(L, c, 4, false); return;
    case 0xde: decode_collection(L, c, 2, true); return;
    case 0xdf: decode_collection(L, c, 4, true); return;
    default: c->err = CURSOR_BADFMT; return; /* 0xc1, bin, ext, fixext */
    }
}

/* Decodes up to `limit` objects of the string at index 1 from `offset`.
 * limit and offset both 0 (unpack, or unpack_limit(s, 0)) means every
 * object and no offset result; else the next offset comes first. */
static int unpack_from(lua_State *L, lua_Integer limit, lua_Integer offset)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    bool all = limit == 0 && offset == 0;
    if (offset < 0 || limit < 0) /* Redis prints the length as the limit */
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                          (int)offset, (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset,
                          (int)len);
    if (all)
        limit = INT_MAX;
    struct cursor c = {(const unsigned char *)s + offset, len - (size_t)offset, CURSOR_OK};
    int count = 0;
    for (; c.left > 0 && count < limit; count++) {
        decode_value(L, &c);
        if (c.err == CURSOR_EOF)
            return luaL_error(L, "Missing bytes in input.");
        if (c.err == CURSOR_BADFMT)
            return luaL_error(L, "Bad data format in input.");
    }
    if (all)
        return count;
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
    lua_insert(L, 2);
    return count + 1;
}

static int unpack(lua_State *L)
{
    return unpack_from(L, 0, 0);
}

static int unpack_one(lua_State *L)
{
    lua_Integer offset = luaL_optinteger(L, 2, 0);
    if (lua_gettop(L) > 1)
        lua_settop(L, 1);
    return unpack_from(L, 1, offset);
}

static int unpack_limit(lua_State *L)
{
    lua_Integer limit = luaL_checkinteger(L, 2);
    lua_Integer offset = luaL_optinteger(L, 3, 0);
    lua_settop(L, 1);
    return unpack_from(L, limit, offset);
}

/* ---- the library ----------------------------------------------------------------- */

int luaopen_cmsgpack(lua_State *L)
{
    static const struct {
        const char *name, *value;
    } about[] = {
        {"_NAME", "cmsgpack"},
        {"_VERSION", "lua-cmsgpack 0.4.0"},
        {"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"},
        {"_DESCRIPTION", "MessagePack C implementation for Lua"},
    };
    static const luaL_Reg decoders[] = {
        {"unpack", unpack}, {"unpack_one", unpack_one}, {"unpack_limit", unpack_limit}};

    lua_newtable(L);
    struct scratch *s = lua_newuserdata(L, sizeof(*s));
    *s = (struct scratch){NULL, 0, 0};
    lua_newtable(L);
    lua_pushcfunction(L, scratch_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, pack, 1);
    lua_setfield(L, -2, "pack");
    for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
        lua_pushcfunction(L, decoders[i].func);
        lua_setfield(L, -2, decoders[i].name);
    }
    for (size_t i = 0; i < sizeof(about) / sizeof(about[0]); i++) {
        lua_pushstring(L, about[i].value);
        lua_setfield(L, -2, about[i].name);
    }
    return 1;
}
