/*
 * lua_struct.c - struct.pack, struct.unpack and struct.size for scripts;
 * see lua_struct.h.
 *
 * Written for Grove after the behaviour of the struct library (Roberto
 * Ierusalimschy, Lua.org) as Redis 7.0 bundles it, bounds fixes included,
 * so that scripts get the same bytes, values and error texts as in Redis.
 *
 * Formats
 *   >  <        big / little endian from here on (native at the start)
 *   ![n]        align values of up to n bytes to their size (n a power of
 *               2; no n: the platform's maximum, 8); the start is !1
 *   x           a zero byte / one byte skipped
 *   b B h H     signed / unsigned char and short
 *   l L T       signed / unsigned long, size_t
 *   i[n] I[n]   signed / unsigned integer of n bytes (default int's size,
 *               at most 32)
 *   c[n]        n bytes of a string (default 1). c0: when packing, the
 *               whole string; when unpacking, as many bytes as the value
 *               just read, which is then not returned
 *   s           a zero-terminated string
 *   f d         float, double (native representation, endian applied)
 *   ' '         ignored
 *
 * Integers, as Redis converts them (its C casts, on x86-64)
 *   pack turns the Lua number into 64 bits as gcc's (unsigned long)n does
 *   on x86-64: NaN and values below -2^63 give 0x8000000000000000,
 *   values from 2^64 (and inf) give 0. Wider integers (i9..i32) get these
 *   64 bits and zero bytes beyond them, even for negatives. unpack keeps
 *   the last 64 bits read and sign-extends from bit (8n-1) mod 64 - the
 *   shift Redis does is wider than 64 bits there and x86-64 takes it
 *   modulo 64 - so an i16 of 0xff bytes is -1, as in Redis.
 *
 * Bounds
 *   A number in a format (c2147483647, !8) is refused past INT_MAX
 *   ("integral size overflow"), i/I past 32 bytes. unpack checks every
 *   read against the data's length as "size <= len && pos <= len - size",
 *   which cannot wrap whatever the offset (CVE-2020-14147 was this check
 *   written as pos + size <= len). pack reads only the strings it is
 *   given, for the lengths it checked. size's total adds at most 2^31
 *   per format byte, far from wrapping a 64-bit size_t.
 */
#include "lua_struct.h"

#include <lauxlib.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MAX_INT_SIZE 32 /* bytes of the widest i[n] */

/* The platform's strictest alignment as the library measures it. */
struct align_probe {
    char c;
    double d;
};
#define MAX_ALIGN \
    (offsetof(struct align_probe, d) > sizeof(int) ? offsetof(struct align_probe, d) : sizeof(int))

enum endian { BIG, LITTLE };

struct header {
    enum endian endian;
    size_t align;
};

static enum endian native_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1 ? LITTLE : BIG;
}

static void default_header(struct header *h)
{
    h->endian = native_endian();
    h->align = 1;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ---- the format ------------------------------------------------------------------ */

/* The number at *fmt, or `dflt` when there is none. */
static int read_num(lua_State *L, const char **fmt, int dflt)
{
    if (!is_digit(**fmt))
        return dflt;
    int a = 0;
    do {
        int digit = *(*fmt)++ - '0';
        if (a > (INT_MAX - digit) / 10)
            luaL_error(L, "integral size overflow");
        a = a * 10 + digit;
    } while (is_digit(**fmt));
    return a;
}

/* The bytes option `opt` takes, reading its number from *fmt; 0 for
 * options that take none (and for unknown ones, refused later). */
static size_t option_size(lua_State *L, char opt, const char **fmt)
{
    switch (opt) {
    case 'B': case 'b': return sizeof(char);
    case 'H': case 'h': return sizeof(short);
    case 'L': case 'l': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return (size_t)read_num(L, fmt, 1);
    case 'i': case 'I': {
        int n = read_num(L, fmt, sizeof(int));
        if (n > MAX_INT_SIZE)
            luaL_error(L, "integral size %d is larger than limit of %d", n, MAX_INT_SIZE);
        return (size_t)n;
    }
    default: return 0;
    }
}

/* Padding before a value of `size` bytes at offset `pos`. The mask
 * arithmetic is the library's: exact for powers of 2, and the same bytes
 * as Redis's for the odd sizes i3, i5... */
static size_t padding(size_t pos, const struct header *h, int opt, size_t size)
{
    if (size == 0 || opt == 'c')
        return 0;
    if (size > h->align)
        size = h->align;
    return (size - (pos & (size - 1))) & (size - 1);
}

/* The options that change the header (or are ignored); any other is an
 * error here. */
static void control_option(lua_State *L, int opt, const char **fmt, struct header *h)
{
    switch (opt) {
    case ' ':
        return;
    case '>':
        h->endian = BIG;
        return;
    case '<':
        h->endian = LITTLE;
        return;
    case '!': {
        int a = read_num(L, fmt, (int)MAX_ALIGN);
        if (a <= 0 || (a & (a - 1)) != 0)
            luaL_error(L, "alignment %d is not a power of 2", a);
        h->align = (size_t)a;
        return;
    }
    default:
        luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
    }
}

static bool is_integer_option(int opt)
{
    return opt != '\0' && strchr("bBhHlLTiI", opt) != NULL;
}

/* ---- numbers --------------------------------------------------------------------- */

/* gcc's (long)d on x86-64 (cvttsd2si): INT64_MIN when out of range or NaN. */
static int64_t cast_signed(double d)
{
    return d >= -0x1p63 && d < 0x1p63 ? (int64_t)d : INT64_MIN;
}

/* gcc's (unsigned long)d on x86-64, which is what Redis's casts compile to. */
static uint64_t cast_unsigned(double d)
{
    if (d >= 0x1p63)
        return d < 0x1p64 ? (uint64_t)d : 0;
    return (uint64_t)cast_signed(d);
}

/* Reverses a native float or double when the wanted order is not native. */
static void to_endian(unsigned char *b, size_t size, enum endian e)
{
    if (e == native_endian())
        return;
    for (size_t i = 0, j = size - 1; i < j; i++, j--) {
        unsigned char t = b[i];
        b[i] = b[j];
        b[j] = t;
    }
}

static void put_integer(lua_State *L, luaL_Buffer *b, int arg, enum endian e, size_t size)
{
    uint64_t v = cast_unsigned(luaL_checknumber(L, arg));
    unsigned char bytes[MAX_INT_SIZE];
    for (size_t i = 0; i < size; i++) {
        unsigned char byte = i < 8 ? (unsigned char)(v >> (8 * i)) : 0;
        bytes[e == LITTLE ? i : size - 1 - i] = byte;
    }
    luaL_addlstring(b, (const char *)bytes, size);
}

static lua_Number get_integer(const char *data, enum endian e, bool is_signed, size_t size)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++)
        v = (v << 8) | (unsigned char)data[e == BIG ? i : size - 1 - i];
    if (!is_signed)
        return (lua_Number)v;
    uint64_t mask = ~(uint64_t)0 << ((size * 8 - 1) & 63);
    if (v & mask)
        v |= mask;
    return (lua_Number)(int64_t)v;
}

/* ---- pack ------------------------------------------------------------------------ */

static void pack_string(lua_State *L, luaL_Buffer *b, int *arg, int opt, size_t *size)
{
    size_t len;
    const char *s = luaL_checklstring(L, (*arg)++, &len);
    if (*size == 0)
        *size = len;
    /* The library names the argument after the string, as Redis shows. */
    luaL_argcheck(L, len >= *size, *arg, "string too short");
    luaL_addlstring(b, s, *size);
    if (opt == 's') {
        luaL_addchar(b, '\0');
        (*size)++;
    }
}

static int pack(lua_State *L)
{
    const char *fmt = luaL_checkstring(L, 1);
    struct header h;
    int arg = 2;
    size_t total = 0;
    luaL_Buffer b;
    default_header(&h);
    lua_pushnil(L); /* a missing value reads as nil, not as a piece of the buffer */
    luaL_buffinit(L, &b);
    while (*fmt != '\0') {
        int opt = *fmt++;
        size_t size = option_size(L, (char)opt, &fmt);
        size_t pad = padding(total, &h, opt, size);
        total += pad;
        while (pad-- > 0)
            luaL_addchar(&b, '\0');
        if (is_integer_option(opt)) {
            put_integer(L, &b, arg++, h.endian, size);
        } else if (opt == 'x') {
            luaL_addchar(&b, '\0');
        } else if (opt == 'f') {
            float f = (float)luaL_checknumber(L, arg++);
            to_endian((unsigned char *)&f, size, h.endian);
            luaL_addlstring(&b, (const char *)&f, size);
        } else if (opt == 'd') {
            double d = luaL_checknumber(L, arg++);
            to_endian((unsigned char *)&d, size, h.endian);
            luaL_addlstring(&b, (const char *)&d, size);
        } else if (opt == 'c' || opt == 's') {
            pack_string(L, &b, &arg, opt, &size);
        } else {
            control_option(L, opt, &fmt, &h);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

/* ---- unpack ---------------------------------------------------------------------- */

/* Whether `size` bytes fit at `pos` in data of `len` bytes, never wrapping. */
static bool fits(size_t pos, size_t size, size_t len)
{
    return size <= len && pos <= len - size;
}

/* c: n bytes; c0 takes n from the value just read (n results so far), which
 * it replaces. */
static void unpack_chars(lua_State *L, const char *data, size_t len, size_t pos, size_t *size,
                         int *n)
{
    if (*size == 0) {
        if (*n == 0 || !lua_isnumber(L, -1))
            luaL_error(L, "format 'c0' needs a previous size");
        *size = (size_t)cast_unsigned(lua_tonumber(L, -1));
        lua_pop(L, 1);
        (*n)--;
        luaL_argcheck(L, fits(pos, *size, len), 2, "data string too short");
    }
    lua_pushlstring(L, data + pos, *size);
    (*n)++;
}

/* Reads a number option at data + pos (bounds checked by the caller) and
 * pushes it. */
static void unpack_number(lua_State *L, int opt, const char *data, size_t pos, size_t size,
                        enum endian e)
{
    if (is_integer_option(opt)) {
        bool is_signed = opt >= 'a' && opt <= 'z';
        lua_pushnumber(L, get_integer(data + pos, e, is_signed, size));
    } else if (opt == 'f') {
        float f;
        memcpy(&f, data + pos, sizeof(f));
        to_endian((unsigned char *)&f, sizeof(f), e);
        lua_pushnumber(L, f);
    } else {
        double d;
        memcpy(&d, data + pos, sizeof(d));
        to_endian((unsigned char *)&d, sizeof(d), e);
        lua_pushnumber(L, d);
    }
}

static int unpack(lua_State *L)
{
    const char *fmt = luaL_checkstring(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    size_t pos = (size_t)luaL_optinteger(L, 3, 1); /* a negative one wraps, as in Redis */
    luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
    pos--;
    int n = 0;
    struct header h;
    default_header(&h);
    while (*fmt != '\0') {
        int opt = *fmt++;
        size_t size = option_size(L, (char)opt, &fmt);
        pos += padding(pos, &h, opt, size);
        luaL_argcheck(L, fits(pos, size, len), 2, "data string too short");
        luaL_checkstack(L, 2, "too many results"); /* the value and the final position */
        if (is_integer_option(opt) || opt == 'f' || opt == 'd') {
            unpack_number(L, opt, data, pos, size, h.endian);
            n++;
        } else if (opt == 'c') {
            unpack_chars(L, data, len, pos, &size, &n);
        } else if (opt == 's') {
            const char *end = memchr(data + pos, '\0', len - pos);
            if (end == NULL)
                luaL_error(L, "unfinished string in data");
            size = (size_t)(end - (data + pos)) + 1;
            lua_pushlstring(L, data + pos, size - 1);
            n++;
        } else if (opt != 'x') {
            control_option(L, opt, &fmt, &h);
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)(pos + 1));
    return n + 1;
}

/* ---- size ------------------------------------------------------------------------ */

/* Letters and digits the format does not know count as nothing here, as in
 * the library; other unknown characters are refused. */
static int size(lua_State *L)
{
    const char *fmt = luaL_checkstring(L, 1);
    size_t pos = 0;
    struct header h;
    default_header(&h);
    while (*fmt != '\0') {
        int opt = *fmt++;
        size_t n = option_size(L, (char)opt, &fmt);
        pos += padding(pos, &h, opt, n);
        if (opt == 's')
            luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && n == 0)
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!is_alnum(opt))
            control_option(L, opt, &fmt, &h);
        pos += n;
    }
    lua_pushinteger(L, (lua_Integer)pos);
    return 1;
}

/* ---- the library ----------------------------------------------------------------- */

int luaopen_struct(lua_State *L)
{
    static const luaL_Reg functions[] = {{"pack", pack}, {"unpack", unpack}, {"size", size}};
    lua_newtable(L);
    for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
        lua_pushcfunction(L, functions[i].func);
        lua_setfield(L, -2, functions[i].name);
    }
    return 1;
}
