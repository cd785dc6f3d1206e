/*
 * fuzz_lua_libs.c - libFuzzer target for the script libraries written for
 * Grove: server/lua_cmsgpack and server/lua_struct.
 *
 * An input is one selector byte and then the bytes a script hands over:
 *   even selector  a MessagePack string, given to cmsgpack.unpack, to
 *                  unpack_one from each offset it returns in turn, and to
 *                  unpack_limit(s, 2);
 *   odd selector   a struct format, a zero byte, then data: the format goes
 *                  to struct.size, to struct.pack with a fixed mix of
 *                  numbers and strings, and with the data to struct.unpack.
 *
 * What it checks (a failed check aborts, which libFuzzer reports)
 *   - cmsgpack fails only with Redis's errors (missing bytes, bad format,
 *     a nil or NaN map key, stack overflow); what unpack returns packs and
 *     unpacks back to an equal value when pack can carry it (no table
 *     keys, nesting within pack's 16 levels); unpack_one's offsets grow.
 *   - struct may fail with any error, but when unpack succeeds the position
 *     it returns lies within the data, and when pack and size both succeed
 *     they agree on the length.
 *   - ASan (in the fuzzing and ASan builds) catches any read outside the
 *     input and any leak; every input gets a Lua state of its own.
 */
#include "fuzz.h"

#include <lauxlib.h>
#include <lualib.h>
#include <string.h>

#include "lua_cmsgpack.h"
#include "lua_struct.h"

static const char cmsgpack_driver[] =
    "local s = ...\n"
    "local known = {'Missing bytes in input.', 'Bad data format in input.',\n"
    "               'table index is nil', 'table index is NaN', 'stack overflow'}\n"
    "local function collect(ok, ...) return ok, select('#', ...), {...} end\n"
    "local function check_error(err)\n"
    "  for _, k in ipairs(known) do if err:find(k, 1, true) then return end end\n"
    "  error('unexpected error: ' .. err)\n"
    "end\n"
    "local function packable(v, level)\n"
    "  if type(v) ~= 'table' then return true end\n"
    "  if level >= 16 then return false end\n"
    "  for k, x in pairs(v) do\n"
    "    if type(k) == 'table' or not packable(x, level + 1) then return false end\n"
    "  end\n"
    "  return true\n"
    "end\n"
    "local function same(a, b)\n"
    "  if type(a) ~= type(b) then return false end\n"
    "  if type(a) == 'number' then return a == b or (a ~= a and b ~= b) end\n"
    "  if type(a) ~= 'table' then return a == b end\n"
    "  for k, v in pairs(a) do if not same(v, b[k]) then return false end end\n"
    "  for k in pairs(b) do if a[k] == nil then return false end end\n"
    "  return true\n"
    "end\n"
    "local ok, n, vals = collect(pcall(cmsgpack.unpack, s))\n"
    "if not ok then check_error(vals[1]) end\n"
    "for i = 1, ok and n or 0 do\n"
    "  if packable(vals[i], 0) then\n"
    "    assert(same(cmsgpack.unpack(cmsgpack.pack(vals[i])), vals[i]), 'round trip')\n"
    "  end\n"
    "end\n"
    "local off = 0\n"
    "for step = 1, 64 do\n"
    "  local ok1, _, r = collect(pcall(cmsgpack.unpack_one, s, off))\n"
    "  if not ok1 then check_error(r[1]) break end\n"
    "  assert(r[1] == -1 or r[1] > off, 'offsets grow')\n"
    "  if r[1] == -1 then break end\n"
    "  off = r[1]\n"
    "end\n"
    "local ok2, _, r2 = collect(pcall(cmsgpack.unpack_limit, s, 2))\n"
    "if not ok2 then check_error(r2[1]) end\n";

static const char struct_driver[] =
    "local fmt, data = ...\n"
    "local function collect(ok, ...) return ok, select('#', ...), {...} end\n"
    "local ok, n, r = collect(pcall(struct.unpack, fmt, data))\n"
    "if ok then assert(r[n] >= 1 and r[n] <= #data + 1, 'position within the data') end\n"
    "for _, pos in ipairs({-1, 2, #data, #data + 1}) do pcall(struct.unpack, fmt, data, pos) end\n"
    "local okp, packed = pcall(struct.pack, fmt, 1, 'abc', -2.5, data, 7, 2^40, 'x', -1)\n"
    "local oks, size = pcall(struct.size, fmt)\n"
    "if okp and oks then assert(#packed == size, 'pack and size agree') end\n";

static lua_State *libs_state(void)
{
    lua_State *L = luaL_newstate();
    FUZZ_CHECK(L != NULL);
    luaL_openlibs(L);
    lua_pushcfunction(L, luaopen_cmsgpack);
    lua_call(L, 0, 1);
    lua_setglobal(L, "cmsgpack");
    lua_pushcfunction(L, luaopen_struct);
    lua_call(L, 0, 1);
    lua_setglobal(L, "struct");
    return L;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    lua_State *L = libs_state();
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    int nargs = 1;
    if (data[0] % 2 == 0) {
        FUZZ_CHECK(luaL_loadstring(L, cmsgpack_driver) == 0);
        lua_pushlstring(L, in, len);
    } else {
        FUZZ_CHECK(luaL_loadstring(L, struct_driver) == 0);
        const char *zero = memchr(in, '\0', len);
        size_t fmt_len = zero ? (size_t)(zero - in) : len;
        lua_pushlstring(L, in, fmt_len);
        lua_pushlstring(L, in + fmt_len + (zero != NULL), len - fmt_len - (zero != NULL));
        nargs = 2;
    }
    if (lua_pcall(L, nargs, 0, 0) != 0) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        FUZZ_CHECK(!"the driver's checks hold");
    }
    lua_close(L);
    return 0;
}
