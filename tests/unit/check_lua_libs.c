/*
 * check_lua_libs.c - server/lua_cmsgpack and server/lua_struct on a bare
 * Lua state: the bytes Redis 7.0 produces for known values (recorded from
 * redis-server 7.0.15), round trips of every type, the error texts of bad
 * input, nesting far deeper than the stack allows, counts far larger than
 * the input, and random bytes and formats, none of which may crash (ASan
 * builds run these too). check_scripting_libs compares whole scripts with
 * Redis end to end.
 */
#include <check.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_cmsgpack.h"
#include "lua_struct.h"

/* ---- helpers --------------------------------------------------------------------- */

static lua_State *libs_state(void)
{
    lua_State *L = luaL_newstate();
    ck_assert_ptr_nonnull(L);
    luaL_openlibs(L);
    lua_pushcfunction(L, luaopen_cmsgpack);
    lua_call(L, 0, 1);
    lua_setglobal(L, "cmsgpack");
    lua_pushcfunction(L, luaopen_struct);
    lua_call(L, 0, 1);
    lua_setglobal(L, "struct");
    return L;
}

/* Runs a chunk that must not fail (it asserts what it checks itself). */
static void run_ok(lua_State *L, const char *chunk)
{
    int status = luaL_loadstring(L, chunk) || lua_pcall(L, 0, 0, 0);
    ck_assert_msg(status == 0, "%s: %s", chunk, status ? lua_tostring(L, -1) : "");
}

/* Runs `return <expr>` and expects an error whose text holds `part`. */
static void expect_error(lua_State *L, const char *expr, const char *part)
{
    char chunk[512];
    snprintf(chunk, sizeof(chunk), "return %s", expr);
    ck_assert_int_eq(luaL_loadstring(L, chunk), 0);
    ck_assert_msg(lua_pcall(L, 0, 0, 0) != 0, "%s did not fail", expr);
    const char *msg = lua_tostring(L, -1);
    ck_assert_msg(msg != NULL && strstr(msg, part) != NULL, "%s: got %s, want %s", expr,
                  msg ? msg : "(not a string)", part);
    lua_pop(L, 1);
}

/* Runs `return <expr>` and expects a string result whose bytes are `hex`. */
static void expect_hex(lua_State *L, const char *expr, const char *hex)
{
    char chunk[512];
    snprintf(chunk, sizeof(chunk), "return %s", expr);
    int status = luaL_loadstring(L, chunk) || lua_pcall(L, 0, 1, 0);
    ck_assert_msg(status == 0, "%s: %s", expr, status ? lua_tostring(L, -1) : "");
    size_t len;
    const unsigned char *s = (const unsigned char *)lua_tolstring(L, -1, &len);
    ck_assert_ptr_nonnull(s);
    char *got = malloc(2 * len + 1);
    ck_assert_ptr_nonnull(got);
    for (size_t i = 0; i < len; i++)
        snprintf(got + 2 * i, 3, "%02x", s[i]);
    got[2 * len] = '\0';
    ck_assert_msg(strcmp(got, hex) == 0, "%s: got %s, want %s", expr, got, hex);
    free(got);
    lua_pop(L, 1);
}

/* Lua helpers for the chunks: deep equality with NaN equal to itself. */
static const char *const same_lua =
    "function same(a, b)\n"
    "  if type(a) ~= type(b) then return false end\n"
    "  if type(a) == 'number' then return a == b or (a ~= a and b ~= b) end\n"
    "  if type(a) ~= 'table' then return a == b end\n"
    "  for k, v in pairs(a) do if not same(v, b[k]) then return false end end\n"
    "  for k in pairs(b) do if a[k] == nil then return false end end\n"
    "  return true\n"
    "end\n";

/* ---- cmsgpack: encoding ---------------------------------------------------------- */

START_TEST(cmsgpack_packs_every_type_as_redis_does)
{
    static const struct {
        const char *expr, *hex;
    } cases[] = {
        {"cmsgpack.pack(nil, true, false)", "c0c3c2"},
        {"cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536)", "007fcc80ccffcd0100cdffffce00010000"},
        {"cmsgpack.pack(4294967295, 4294967296)", "ceffffffffcf0000000100000000"},
        {"cmsgpack.pack(-1, -32, -33, -128, -129)", "ffe0d0dfd080d1ff7f"},
        {"cmsgpack.pack(-32768, -32769, -2147483648)", "d18000d2ffff7fffd280000000"},
        {"cmsgpack.pack(-2147483649)", "d3ffffffff7fffffff"},
        {"cmsgpack.pack(2^63, -2^63, 2^62)", "ca5f000000d38000000000000000cf4000000000000000"},
        {"cmsgpack.pack(0.5, 0.1, -0.0)", "ca3f000000cb3fb999999999999a00"},
        {"cmsgpack.pack(1e39, 3.4028234663852886e38)", "cb48078287f49c4a1dca7f7fffff"},
        {"cmsgpack.pack(math.huge, -math.huge)", "ca7f800000caff800000"},
        {"cmsgpack.pack(tostring, coroutine.create(function() end))", "c0c0"},
        {"cmsgpack.pack('', 'ab')", "a0a26162"},
        {"cmsgpack.pack(string.rep('x', 31)):sub(1, 2)", "bf78"},
        {"cmsgpack.pack(string.rep('x', 32)):sub(1, 3)", "d92078"},
        {"cmsgpack.pack(string.rep('x', 256)):sub(1, 4)", "da010078"},
        {"cmsgpack.pack(string.rep('x', 65536)):sub(1, 6)", "db0001000078"},
        {"cmsgpack.pack({}, {1, 2, 3}, {a = 1})", "9093010203" "81a16101"},
        {"cmsgpack.pack({[1] = 1, [3] = 3})", "8201010303"},
        {"cmsgpack.pack({1, 2, nil, 4})", "83010102020404"},
        {"cmsgpack.pack({[0] = 1}, {[1.5] = 1}, {['1'] = 1})", "810001" "81ca3fc0000001" "81a13101"},
        {"cmsgpack.pack({[2147483648] = 1})", "81ce8000000001"},
    };
    lua_State *L = libs_state();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_hex(L, cases[i].expr, cases[i].hex);
    lua_close(L);
}
END_TEST

START_TEST(cmsgpack_headers_grow_with_counts)
{
    lua_State *L = libs_state();
    run_ok(L, "local function seq(n) local t = {} for i = 1, n do t[i] = 0 end return t end\n"
              "local function map(n) local t = {} for i = 1, n do t['k'..i] = 0 end return t end\n"
              "assert(cmsgpack.pack(seq(15)):byte(1) == 0x9f)\n"
              "assert(cmsgpack.pack(seq(16)):sub(1, 3) == '\\220\\0\\16')\n"
              "assert(cmsgpack.pack(seq(65536)):sub(1, 5) == '\\221\\0\\1\\0\\0')\n"
              "assert(cmsgpack.pack(map(15)):byte(1) == 0x8f)\n"
              "assert(cmsgpack.pack(map(16)):sub(1, 3) == '\\222\\0\\16')\n"
              "assert(cmsgpack.pack(map(65536)):sub(1, 5) == '\\223\\0\\1\\0\\0')\n");
    lua_close(L);
}
END_TEST

START_TEST(cmsgpack_tables_nested_past_16_pack_as_nil)
{
    lua_State *L = libs_state();
    expect_hex(L, "(function() local t = 1 for i = 1, 20 do t = {t} end return cmsgpack.pack(t) end)()",
               "91919191919191919191919191919191c0");
    /* A table holding itself is cut at the same depth. */
    expect_hex(L, "(function() local t = {} t[1] = t return cmsgpack.pack(t) end)()",
               "91919191919191919191919191919191c0");
    run_ok(L, "local t = {} t.self = t\n"
              "assert(cmsgpack.pack(t) == string.rep('\\129\\164self', 16) .. '\\192')\n");
    lua_close(L);
}
END_TEST

START_TEST(cmsgpack_pack_errors_as_redis)
{
    lua_State *L = libs_state();
    expect_error(L, "cmsgpack.pack()", "bad argument #0 to 'pack' (MessagePack pack needs input.)");
    expect_error(L, "(function() local t = {} for i = 1, 4001 do t[i] = i end "
                    "return cmsgpack.pack(unpack(t)) end)()",
                 "(Too many arguments for MessagePack pack.)");
    /* 4000 arguments fit, but 4000 tables do not: the stack check of
     * Redis's array test fails first, and pack is usable afterwards. */
    expect_error(L, "(function() local t = {} for i = 1, 4000 do t[i] = {i} end "
                    "return cmsgpack.pack(unpack(t)) end)()",
                 "stack overflow (in function table_is_an_array)");
    expect_hex(L, "cmsgpack.pack({1, 2, 3})", "93010203");
    run_ok(L, "local t = {} for i = 1, 4000 do t[i] = i end\n"
              "assert(#cmsgpack.pack(unpack(t)) == 11618)\n");
    lua_close(L);
}
END_TEST

/* A pack bigger than the kept scratch buffer, then small ones: the buffer
 * is let go and made again (ASan checks nothing leaks or is reused). */
START_TEST(cmsgpack_big_packs_do_not_disturb_the_next)
{
    lua_State *L = libs_state();
    run_ok(L, "local big = string.rep('\\1', 1000000)\n"
              "for i = 1, 3 do\n"
              "  local s = cmsgpack.pack(big, {big})\n"
              "  assert(#s == 2 * 1000005 + 1)\n"
              "  assert(cmsgpack.pack(1) == '\\1')\n"
              "end\n");
    lua_close(L);
}
END_TEST

/* ---- cmsgpack: decoding ---------------------------------------------------------- */

START_TEST(cmsgpack_unpack_of_pack_gives_every_value_back)
{
    lua_State *L = libs_state();
    run_ok(L, same_lua);
    run_ok(L, "local all = {} for i = 0, 255 do all[#all + 1] = string.char(i) end\n"
              "all = table.concat(all)\n"
              "local values = {true, false, 0, 127, 128, 255, 256, 65535, 65536, 2^32 - 1, 2^32,\n"
              "  2^53, 2^63 - 2^10, -1, -32, -33, -128, -129, -32768, -32769, -2^31, -2^31 - 1,\n"
              "  -2^53, -2^63, 0.5, 0.1, 1e300, -1e-300, 1/0, -1/0, 0/0, '', 'a', all,\n"
              "  string.rep('x', 31), string.rep('x', 32), string.rep(all, 256),\n"
              "  string.rep('y', 65535), string.rep('z', 65536),\n"
              "  {}, {1, 2, 3}, {a = 1, b = {c = {1, 'x', {d = false}}}}, {[1.5] = 2, [-1] = 'n'},\n"
              "  {1, nil, 3}, {[true] = 1}}\n"
              "for i, v in ipairs(values) do\n"
              "  assert(same(cmsgpack.unpack(cmsgpack.pack(v)), v), 'value ' .. i)\n"
              "end\n"
              "local back = {cmsgpack.unpack(cmsgpack.pack(unpack(values)))}\n"
              "assert(#back == #values and same(back, values))\n");
    lua_close(L);
}
END_TEST

START_TEST(cmsgpack_decodes_every_type)
{
    lua_State *L = libs_state();
    run_ok(L, same_lua);
    run_ok(L, "local u = cmsgpack.unpack\n"
              "assert(u('\\204\\255') == 255 and u('\\205\\255\\255') == 65535)\n"
              "assert(u('\\206\\255\\255\\255\\255') == 2^32 - 1)\n"
              "assert(u('\\208\\128') == -128 and u('\\209\\128\\0') == -32768)\n"
              "assert(u('\\210\\128\\0\\0\\0') == -2^31)\n"
              "assert(u('\\211\\128\\0\\0\\0\\0\\0\\0\\0') == -2^63)\n"
              "assert(u('\\207\\0\\0\\0\\1\\0\\0\\0\\0') == 2^32)\n"
              /* Above 2^63-1 a uint 64 reads as signed, as in Redis. */
              "assert(u('\\207\\255\\255\\255\\255\\255\\255\\255\\255') == -1)\n"
              "assert(u('\\207\\128\\0\\0\\0\\0\\0\\0\\0') == -2^63)\n"
              "assert(u('\\127') == 127 and u('\\224') == -32 and u('\\255') == -1)\n"
              "assert(u('\\202\\63\\192\\0\\0') == 1.5)\n"
              "assert(u('\\203\\63\\185\\153\\153\\153\\153\\153\\154') == 0.1)\n"
              "assert(u('\\217\\3abc') == 'abc' and u('\\218\\0\\1x') == 'x')\n"
              "assert(u('\\219\\0\\0\\0\\2xy') == 'xy' and u('\\160') == '')\n"
              "assert(same(u('\\220\\0\\2\\1\\2'), {1, 2}))\n"
              "assert(same(u('\\221\\0\\0\\0\\1\\192'), {}))\n"
              "assert(same(u('\\222\\0\\1\\1\\2'), {[1] = 2}))\n"
              "assert(same(u('\\223\\0\\0\\0\\1\\161k\\195'), {k = true}))\n"
              "assert(select('#', u('\\192\\194\\195')) == 3)\n"
              "assert(select('#', u('')) == 0)\n");
    lua_close(L);
}
END_TEST

START_TEST(cmsgpack_unpack_one_and_limit_return_the_next_offset)
{
    lua_State *L = libs_state();
    run_ok(L, same_lua);
    run_ok(L, "local s = cmsgpack.pack(1, 'two', {3})\n"
              "assert(same({cmsgpack.unpack_one(s)}, {1, 1}))\n"
              "assert(same({cmsgpack.unpack_one(s, 1)}, {5, 'two'}))\n"
              "assert(same({cmsgpack.unpack_one(s, 5)}, {-1, {3}}))\n"
              "assert(same({cmsgpack.unpack_one(s, #s)}, {-1}))\n"
              "assert(same({cmsgpack.unpack_limit(s, 2)}, {5, 1, 'two'}))\n"
              "assert(same({cmsgpack.unpack_limit(s, 9, 1)}, {-1, 'two', {3}}))\n"
              /* Limit and offset both 0 mean everything, without an offset. */
              "assert(same({cmsgpack.unpack_limit(s, 0)}, {1, 'two', {3}}))\n"
              "assert(same({cmsgpack.unpack_limit(s, 0, 1)}, {1}))\n");
    expect_error(L, "cmsgpack.unpack_one('\\1\\2', -1)",
                 "Invalid request to unpack with offset of -1 and limit of 2.");
    expect_error(L, "cmsgpack.unpack_limit('\\1\\2\\3', -2, 1)",
                 "Invalid request to unpack with offset of 1 and limit of 3.");
    expect_error(L, "cmsgpack.unpack_one('\\1\\2', 5)", "Start offset 5 greater than input length 2.");
    expect_error(L, "cmsgpack.unpack_one()",
                 "bad argument #1 to 'unpack_one' (string expected, got no value)");
    expect_error(L, "cmsgpack.unpack_limit('\\1')",
                 "bad argument #2 to 'unpack_limit' (number expected, got no value)");
    lua_close(L);
}
END_TEST

START_TEST(cmsgpack_bad_input_raises_redis_errors)
{
    lua_State *L = libs_state();
    /* Every cut of a valid message is missing bytes. */
    run_ok(L, "local s = cmsgpack.pack({a = {1, 2.5, 'xyz', 70000, -70000, 1e300}, [2] = true})\n"
              "for cut = 1, #s - 1 do\n"
              "  local ok, err = pcall(cmsgpack.unpack, s:sub(1, cut))\n"
              "  assert(not ok and err:find('Missing bytes in input.', 1, true), cut)\n"
              "end\n");
    /* Never-used, bin, ext and fixext types are bad data. */
    run_ok(L, "for _, b in ipairs({0xc1, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5,\n"
              "                      0xd6, 0xd7, 0xd8}) do\n"
              "  local ok, err = pcall(cmsgpack.unpack, string.char(b, 1, 1, 1, 1))\n"
              "  assert(not ok and err:find('Bad data format in input.', 1, true), b)\n"
              "end\n");
    expect_error(L, "cmsgpack.unpack('\\129\\192\\1')", "table index is nil");
    expect_error(L, "cmsgpack.unpack('\\129\\203\\255\\248\\0\\0\\0\\0\\0\\0\\1')",
                 "table index is NaN");
    lua_close(L);
}
END_TEST

/* Each level of nesting holds a slot of the Lua stack, so a million levels
 * end in Redis's stack overflow errors, long before the C stack. */
START_TEST(cmsgpack_nesting_deeper_than_the_stack_is_an_error)
{
    lua_State *L = libs_state();
    expect_error(L, "cmsgpack.unpack(string.rep('\\145', 1000000) .. '\\1')",
                 "stack overflow (in function mp_decode_to_lua_array)");
    expect_error(L, "cmsgpack.unpack(string.rep('\\129', 1000000) .. '\\1')",
                 "stack overflow (too many return values at once; use unpack_one or "
                 "unpack_limit instead.)");
    expect_error(L, "cmsgpack.unpack(string.rep('\\1', 8000))", "stack overflow (too many");
    run_ok(L, "assert(select('#', cmsgpack.unpack(string.rep('\\1', 7998))) == 7998)\n"
              "local t = cmsgpack.unpack(string.rep('\\145', 3999) .. '\\7')\n"
              "for i = 1, 3999 do t = t[1] end\n"
              "assert(t == 7)\n");
    lua_close(L);
}
END_TEST

/* Counts of 2^32-1 with a few bytes behind them read those bytes once. */
START_TEST(cmsgpack_huge_counts_cost_only_the_input)
{
    lua_State *L = libs_state();
    expect_error(L, "cmsgpack.unpack('\\221\\255\\255\\255\\255\\1\\2\\3')", "Missing bytes in input.");
    expect_error(L, "cmsgpack.unpack('\\223\\255\\255\\255\\255\\1\\2\\3')", "Missing bytes in input.");
    expect_error(L, "cmsgpack.unpack('\\219\\255\\255\\255\\255abc')", "Missing bytes in input.");
    expect_error(L, "cmsgpack.unpack('\\218\\255\\255abc')", "Missing bytes in input.");
    expect_error(L, "cmsgpack.unpack(string.rep('\\221\\255\\255\\255\\255', 5000))",
                 "stack overflow");
    lua_close(L);
}
END_TEST

/* A small xorshift generator, seeded per test: the same bytes every run. */
static unsigned long long rng_state;

static unsigned rng(unsigned below)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % below);
}

/* Pushes a random string of up to 48 bytes drawn from the `k` bytes of
 * `alphabet` (any byte when k is 0). */
static void push_random(lua_State *L, const char *alphabet, size_t k)
{
    char buf[48];
    size_t n = rng(sizeof(buf) + 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = k ? alphabet[rng((unsigned)k)] : (char)rng(256);
    lua_pushlstring(L, buf, n);
}

static bool known_unpack_error(const char *msg)
{
    static const char *const known[] = {"Missing bytes in input.", "Bad data format in input.",
                                        "table index is nil", "table index is NaN",
                                        "stack overflow"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (msg != NULL && strstr(msg, known[i]) != NULL)
            return true;
    return false;
}

START_TEST(cmsgpack_random_bytes_decode_or_fail_cleanly)
{
    static const char msgpack_bytes[] = "\x00\x01\x7f\x80\x81\x90\x91\x9f\xa0\xa1\xbf\xc0\xc1\xc2"
                                        "\xc3\xca\xcb\xcc\xcd\xce\xcf\xd0\xd1\xd2\xd3\xd9\xda\xdb"
                                        "\xdc\xdd\xde\xdf\xe0\xff";
    lua_State *L = libs_state();
    rng_state = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 20000; i++) {
        lua_getglobal(L, "cmsgpack");
        lua_getfield(L, -1, i % 3 == 0 ? "unpack" : i % 3 == 1 ? "unpack_one" : "unpack_limit");
        push_random(L, msgpack_bytes, i % 2 ? sizeof(msgpack_bytes) - 1 : 0);
        lua_pushinteger(L, rng(4));
        lua_pushinteger(L, rng(8));
        if (lua_pcall(L, 3, 0, 0) != 0) {
            const char *msg = lua_tostring(L, -1);
            ck_assert_msg(known_unpack_error(msg) || strstr(msg, "Start offset") != NULL,
                          "unexpected error %s", msg ? msg : "(none)");
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_close(L);
}
END_TEST

/* ---- struct ---------------------------------------------------------------------- */

START_TEST(struct_packs_known_layouts_as_redis)
{
    static const struct {
        const char *expr, *hex;
    } cases[] = {
        {"struct.pack('>I2', 1)", "0001"},
        {"struct.pack('<i4', -2)", "feffffff"},
        {"struct.pack('>bBhH', -1, 255, -2, 65535)", "ffff" "fffe" "ffff"},
        {"struct.pack('<lLT', -3, 4, 5)", "fdffffffffffffff" "0400000000000000" "0500000000000000"},
        {"struct.pack('>i3', -2)", "fffffe"},
        {"struct.pack('i0', 5)", ""},
        {"struct.pack('>i16', -1)", "0000000000000000ffffffffffffffff"},
        {"struct.pack('<i16', -1)", "ffffffffffffffff0000000000000000"},
        {"struct.pack('!4bi', 1, 2)", "0100000002000000"},
        {"struct.pack('!bd', 1, 2)", "0100000000000000" "0000000000000040"},
        {"struct.pack('!2bdbi3bi', 1, 2, 3, 4, 5, 6)", "0100" "0000000000000040" "0300040000" "05"
                                                        "06000000"},
        {"struct.pack('>d<f', 0.1, 1.5)", "3fb999999999999a" "0000c03f"},
        {"struct.pack('>f', 1e39)", "7f800000"},
        {"struct.pack('s', 'a\\0b')", "61006200"},
        {"struct.pack('c0c2c', 'ab', 'xyz', 'q')", "6162" "7879" "71"},
        {"struct.pack('xx x')", "000000"},
        /* Out of range, as Redis's casts come out on x86-64. */
        {"struct.pack('>I8', 1e20)", "0000000000000000"},
        {"struct.pack('>I8', 1/0)", "0000000000000000"},
        {"struct.pack('>i8', -1e20)", "8000000000000000"},
        {"struct.pack('>i8', 0/0)", "8000000000000000"},
        {"struct.pack('>I8', 2^63 + 2^62)", "c000000000000000"},
        {"struct.pack('>I8', -0.5)", "0000000000000000"},
    };
    lua_State *L = libs_state();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_hex(L, cases[i].expr, cases[i].hex);
    lua_close(L);
}
END_TEST

START_TEST(struct_unpack_reads_what_pack_wrote)
{
    lua_State *L = libs_state();
    run_ok(L, same_lua);
    run_ok(L, "local f = '!<bBhHlLTi3I5c3sfdx>iI2'\n"
              "local v = {-5, 250, -300, 60000, -7, 8, 9, -1000, 70000, 'abc', 'zero', 1.5,\n"
              "           0.1, -123456, 65000}\n"
              "local s = struct.pack(f, unpack(v))\n"
              "local back = {struct.unpack(f, s)}\n"
              "assert(table.remove(back) == #s + 1)\n"
              "assert(same(back, v))\n"
              "assert(struct.size('!<bBhHlLTi3I5c3') == 45)\n"
              /* c0 takes its length from the value before it, which it replaces. */
              "assert(same({struct.unpack('bc0', '\\3abcd')}, {'abc', 5}))\n"
              "assert(same({struct.unpack('ss', 'ab\\0cd\\0e')}, {'ab', 'cd', 7}))\n"
              "assert(same({struct.unpack('s', 'ab\\0cd\\0e', 4)}, {'cd', 7}))\n"
              /* Past 8 bytes, the last 8 read are kept and sign bit (8n-1) mod 64 rules. */
              "assert(struct.unpack('>i16', string.rep('\\255', 16)) == -1)\n"
              "assert(struct.unpack('>i9', '\\0\\0\\0\\0\\0\\0\\0\\0\\128') == -128)\n"
              "assert(struct.unpack('>i9', '\\0\\0\\0\\0\\0\\0\\0\\0\\64') == 64)\n"
              "assert(struct.unpack('<i9', '\\128\\0\\0\\0\\0\\0\\0\\0\\0') == -128)\n"
              "assert(struct.unpack('i0', 'x') == 0)\n");
    lua_close(L);
}
END_TEST

START_TEST(struct_errors_as_redis)
{
    lua_State *L = libs_state();
    expect_error(L, "struct.pack('c5', 'ab')", "bad argument #3 to 'pack' (string too short)");
    expect_error(L, "struct.pack('i')", "bad argument #2 to 'pack' (number expected, got nil)");
    expect_error(L, "struct.pack('z')", "bad argument #1 to 'pack' (invalid format option 'z')");
    expect_error(L, "struct.pack('i33', 1)", "integral size 33 is larger than limit of 32");
    expect_error(L, "struct.pack('c2147483648', 'a')", "integral size overflow");
    expect_error(L, "struct.pack('!3b', 1)", "alignment 3 is not a power of 2");
    expect_error(L, "struct.pack('!0b', 1)", "alignment 0 is not a power of 2");
    expect_error(L, "struct.unpack('>I2', 'a')", "bad argument #2 to 'unpack' (data string too short)");
    expect_error(L, "struct.unpack('b', 'a', 0)", "bad argument #3 to 'unpack' (offset must be 1 or greater)");
    expect_error(L, "struct.unpack('c0', 'abcd')", "format 'c0' needs a previous size");
    expect_error(L, "struct.unpack('s', 'ab')", "unfinished string in data");
    expect_error(L, "struct.unpack(string.rep('b', 7999), string.rep('a', 8000))",
                 "stack overflow (too many results)");
    expect_error(L, "struct.size('s')", "bad argument #1 to 'size' (option 's' has no fixed size)");
    expect_error(L, "struct.size('c0')", "bad argument #1 to 'size' (option 'c0' has no fixed size)");
    expect_error(L, "struct.size('#')", "invalid format option '#'");
    lua_close(L);
}
END_TEST

/* CVE-2020-14147 and its kin: sizes and offsets that would wrap a sum. */
START_TEST(struct_sizes_and_offsets_cannot_wrap)
{
    lua_State *L = libs_state();
    expect_error(L, "struct.unpack('c2147483647', 'ab')", "data string too short");
    expect_error(L, "struct.unpack('b', 'a', -1)", "data string too short");
    expect_error(L, "struct.unpack('b', 'a', -2^62)", "data string too short");
    expect_error(L, "struct.unpack('!8d', string.rep('x', 24), -7)", "data string too short");
    expect_error(L, "struct.unpack('bc0', '\\255abc')", "data string too short");
    expect_error(L, "struct.unpack('c2c0', '-1abcd')", "data string too short");
    expect_error(L, "struct.unpack('>', 'ab', 10)", "data string too short");
    expect_error(L, "struct.pack('c2147483647', 'a')", "string too short");
    expect_error(L, "struct.size('c99999999999')", "integral size overflow");
    run_ok(L, "assert(struct.size(string.rep('c2147483647', 4)) == 4 * 2147483647)\n"
              "assert(select(2, struct.unpack('', 'ab', 10)) == nil)\n"
              "assert(struct.unpack('', 'ab', 10) == 10)\n");
    lua_close(L);
}
END_TEST

START_TEST(struct_random_formats_never_crash)
{
    lua_State *L = libs_state();
    rng_state = 0x2545f4914f6cdd1dULL;
    static const char *const functions[] = {"pack", "unpack", "size"};
    for (int i = 0; i < 20000; i++) {
        lua_getglobal(L, "struct");
        lua_getfield(L, -1, functions[i % 3]);
        static const char format_bytes[] = "<>!xbBhHlLTiIcsfd 0123456789";
        push_random(L, format_bytes, sizeof(format_bytes) - 1);
        push_random(L, NULL, 0);
        lua_pushinteger(L, (lua_Integer)rng(40) - 8);
        lua_pushstring(L, "str");
        lua_pcall(L, 4, 0, 0); /* any result or error; ASan watches the memory */
        lua_settop(L, 0);
    }
    lua_close(L);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lua_libs");
    TCase *cmsgpack = tcase_create("cmsgpack");
    tcase_add_test(cmsgpack, cmsgpack_packs_every_type_as_redis_does);
    tcase_add_test(cmsgpack, cmsgpack_headers_grow_with_counts);
    tcase_add_test(cmsgpack, cmsgpack_tables_nested_past_16_pack_as_nil);
    tcase_add_test(cmsgpack, cmsgpack_pack_errors_as_redis);
    tcase_add_test(cmsgpack, cmsgpack_big_packs_do_not_disturb_the_next);
    tcase_add_test(cmsgpack, cmsgpack_unpack_of_pack_gives_every_value_back);
    tcase_add_test(cmsgpack, cmsgpack_decodes_every_type);
    tcase_add_test(cmsgpack, cmsgpack_unpack_one_and_limit_return_the_next_offset);
    tcase_add_test(cmsgpack, cmsgpack_bad_input_raises_redis_errors);
    tcase_add_test(cmsgpack, cmsgpack_nesting_deeper_than_the_stack_is_an_error);
    tcase_add_test(cmsgpack, cmsgpack_huge_counts_cost_only_the_input);
    tcase_add_test(cmsgpack, cmsgpack_random_bytes_decode_or_fail_cleanly);
    suite_add_tcase(s, cmsgpack);
    TCase *st = tcase_create("struct");
    tcase_add_test(st, struct_packs_known_layouts_as_redis);
    tcase_add_test(st, struct_unpack_reads_what_pack_wrote);
    tcase_add_test(st, struct_errors_as_redis);
    tcase_add_test(st, struct_sizes_and_offsets_cannot_wrap);
    tcase_add_test(st, struct_random_formats_never_crash);
    suite_add_tcase(s, st);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
