/*
 * check_scripting_libs.c - the cmsgpack and struct libraries of scripts,
 * end to end: each script's reply, error texts included, byte for byte
 * as redis-server 7.0.15 gave it (recorded with the same EVAL lines, RESP2
 * and RESP3). The cases cover every MessagePack type and encoding choice,
 * the nesting limit, bad and truncated input, the stack limits on
 * arguments and results, and every struct format option with its bounds
 * (CVE-2020-14147) and Redis's conversions of out-of-range numbers.
 */
#include <check.h>
#include <stdlib.h>

#include "harness.h"
#include "exchange.h"

/* Replies are compared as C strings, so scripts whose result holds zero
 * bytes return it through esc, which writes them as \0. */
#define ESC "local function esc(s) return (s:gsub(\"%z\", \"\\\\0\")) end "

static const struct exchange cmsgpack_cases[] = {
    {"EVAL 'return cmsgpack.pack({1,2,3})' 0",
     "$4\r\n\223\001\002\003\r\n",
     SAME},
    {"EVAL 'return cmsgpack.pack({})' 0",
     "$1\r\n\220\r\n",
     SAME},
    {"EVAL 'return cmsgpack.pack({a=1})' 0",
     "$4\r\n\201\241a\001\r\n",
     SAME},
    {"EVAL 'return cmsgpack.pack({a=1,b=2,c={1,2,{x=\"y\"}}})' 0",
     "$17\r\n\203\241a\001\241c\223\001\002\201\241x\241y\241b\002\r\n",
     SAME},
    {"EVAL '" ESC "return esc(cmsgpack.pack(nil, true, false, 0, -1, -32, -33, 127, 128, "
     "255, 256, 65535, 65536, 4294967295, 4294967296, -128, -129, -32768, -32769, -2147483648,"
     " -2147483649))' 0",
     "$81\r\n\300\303\302\\0\377\340\320\337\177\314\200\314\377\315\001\\0\315\377\377\316\\0"
     "\001\\0\\0\316\377\377\377\377\317\\0\\0\\0\001\\0\\0\\0\\0\320\200\321\377\177\321\200"
     "\\0\322\377\377\177\377\322\200\\0\\0\\0\323\377\377\377\377\177\377\377\377\r\n",
     SAME},
    {"EVAL '" ESC "return esc(cmsgpack.pack(2^63, -2^63, 2^62, 2^53+1, -2^53, 0.5, 0.1, 1"
     "e300, 3.4028234663852886e38, 1e39))' 0",
     "$112\r\n\312_\\0\\0\\0\323\200\\0\\0\\0\\0\\0\\0\\0\317@\\0\\0\\0\\0\\0\\0\\0\317\\0 \\0"
     "\\0\\0\\0\\0\\0\323\377\340\\0\\0\\0\\0\\0\\0\312\?\\0\\0\\0\313\?\271\231\231\231\231"
     "\231\232\313~7\344<\210\\0u\234\312\177\177\377\377\313H\007\202\207\364\234J\035\r\n",
     SAME},
    {"EVAL '" ESC "local z = 0 return esc(cmsgpack.pack(1/z, -1/z, z/z, -z))' 0",
     "$31\r\n\312\177\200\\0\\0\312\377\200\\0\\0\313\377\370\\0\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL 'return cmsgpack.pack(string.rep(\"x\", 31), string.rep(\"y\", 32))' 0",
     "$66\r\n\277xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\331 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n",
     SAME},
    {"EVAL 'return #cmsgpack.pack(string.rep(\"z\", 255)) .. \" \" .. #cmsgpack.pack(string.re"
     "p(\"w\", 256)) .. \" \" .. #cmsgpack.pack(string.rep(\"v\", 65535)) .. \" \" .. #cmsgpac"
     "k.pack(string.rep(\"u\", 65536))' 0",
     "$19\r\n257 259 65538 65541\r\n",
     SAME},
    {"EVAL '" ESC "return esc(cmsgpack.pack(string.rep(\"w\", 256)):sub(1, 4))' 0",
     "$5\r\n\332\001\\0w\r\n",
     SAME},
    {"EVAL '" ESC "return esc(cmsgpack.pack(string.rep(\"u\", 65536)):sub(1, 6))' 0",
     "$9\r\n\333\\0\001\\0\\0u\r\n",
     SAME},
    {"EVAL 'return cmsgpack.pack(tostring, coroutine.create(function() end))' 0",
     "$2\r\n\300\300\r\n",
     SAME},
    {"EVAL '" ESC "local t = {} for i=1,16 do t[i]=i end return esc(cmsgpack.pack(t))' 0",
     "$20\r\n\334\\0\020\001\002\003\004\005\006\007\010\011\n\013\014\r\016\017\020\r\n",
     SAME},
    {"EVAL '" ESC "local t = {} for i=1,65536 do t[i]=i end local s = cmsgpack.pack(t) re"
     "turn esc(#s .. \" \" .. s:sub(1, 6))' 0",
     "$16\r\n196233 \335\\0\001\\0\\0\001\r\n",
     SAME},
    {"EVAL 'local t = {} for i=1,16 do t[\"k\"..i]=i end return #cmsgpack.pack(t)' 0",
     ":74\r\n",
     SAME},
    {"EVAL '" ESC "local t = {} for i=1,65536 do t[\"k\"..i]=i end local s = cmsgpack.pac"
     "k(t) return esc(#s .. \" \" .. s:sub(1, 5))' 0",
     "$15\r\n643879 \337\\0\001\\0\\0\r\n",
     SAME},
    {"EVAL 'local t = {} t.self = t return cmsgpack.pack(t)' 0",
     "$97\r\n\201\244self\201\244self\201\244self\201\244self\201\244self\201\244self\201\244s"
     "elf\201\244self\201\244self\201\244self\201\244self\201\244self\201\244self\201\244self"
     "\201\244self\201\244self\300\r\n",
     SAME},
    {"EVAL 'local t = {} t[1] = t return cmsgpack.pack(t)' 0",
     "$17\r\n\221\221\221\221\221\221\221\221\221\221\221\221\221\221\221\221\300\r\n",
     SAME},
    {"EVAL 'local t = {1} for i=1,20 do t = {t} end return cmsgpack.pack(t)' 0",
     "$17\r\n\221\221\221\221\221\221\221\221\221\221\221\221\221\221\221\221\300\r\n",
     SAME},
    {"EVAL 'return cmsgpack.pack({[1]=1,[3]=3})' 0",
     "$5\r\n\202\001\001\003\003\r\n",
     SAME},
    {"EVAL '" ESC "return esc(cmsgpack.pack({[0]=1}))' 0",
     "$4\r\n\201\\0\001\r\n",
     SAME},
    {"EVAL '" ESC "return esc(cmsgpack.pack({[1.5]=1}))' 0",
     "$9\r\n\201\312\?\300\\0\\0\001\r\n",
     SAME},
    {"EVAL 'return cmsgpack.pack({[\"1\"]=1})' 0",
     "$4\r\n\201\2411\001\r\n",
     SAME},
    {"EVAL '" ESC "return esc(cmsgpack.pack({[2147483648]=1}))' 0",
     "$10\r\n\201\316\200\\0\\0\\0\001\r\n",
     SAME},
    {"EVAL 'return cmsgpack.pack({1,2,nil,4})' 0",
     "$7\r\n\203\001\001\002\002\004\004\r\n",
     SAME},
    {"EVAL 'return cmsgpack.pack()' 0",
     "-ERR user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.) script: 6b"
     "c235afa55de88253e203cc5fe5844792e25209, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'local t={} for i=1,4000 do t[i]={i} end return #cmsgpack.pack(unpack(t))' 0",
     "-ERR user_script:1: stack overflow (in function table_is_an_array) script: f59e3d34c1668"
     "f9bad8d4284a6d9f960015512d9, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'local t={} for i=1,3999 do t[i]={i} end return #cmsgpack.pack(unpack(t))' 0",
     ":15614\r\n",
     SAME},
    {"EVAL 'local t={} for i=1,4000 do t[i]=i end return #cmsgpack.pack(unpack(t))' 0",
     ":11618\r\n",
     SAME},
    {"EVAL 'local t={} for i=1,4001 do t[i]=i end return #cmsgpack.pack(unpack(t))' 0",
     "-ERR user_script:1: bad argument #0 to 'pack' (Too many arguments for MessagePack pack.)"
     " script: dda835723312ec686f4487f87be15bc4d8563506, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(cmsgpack.pack({1,2,3}))' 0",
     "*3\r\n:1\r\n:2\r\n:3\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack(cmsgpack.pack(1,\"a\",{2}))}' 0",
     "*3\r\n:1\r\n$1\r\na\r\n*1\r\n:2\r\n",
     SAME},
    {"EVAL 'local s = cmsgpack.pack({a={b={c={1,2,3,\"x\",true,false}}}, d=1.5}) return cmsgpa"
     "ck.pack(cmsgpack.unpack(s)) == s' 0",
     ":1\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(\"\\193\")' 0",
     "-ERR user_script:1: Bad data format in input. script: a99d585a2d17143fda650a31dda2654607"
     "544580, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(\"\\196\\1a\")' 0",
     "-ERR user_script:1: Bad data format in input. script: 35d9892de6695635b905e5282edc053c65"
     "4b16e3, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(\"\\212\\1\\1\")' 0",
     "-ERR user_script:1: Bad data format in input. script: 06ac6bf2d03424c161580121096cf658da"
     "39d937, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(\"\\146\\1\")' 0",
     "-ERR user_script:1: Missing bytes in input. script: 73ff6be127f76ff1376cc16b9ac473f8aeb9"
     "615d, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(\"\\205\\1\")' 0",
     "-ERR user_script:1: Missing bytes in input. script: 14ec84a2e4fdda7c536c055cf3f42d1618c7"
     "4086, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(\"\\219\\0\\0\\0\\5abc\")' 0",
     "-ERR user_script:1: Missing bytes in input. script: 2e016b28bf6e6c5d9915562af4b1ea0ffd85"
     "de0e, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(\"\\217\\5abc\")' 0",
     "-ERR user_script:1: Missing bytes in input. script: 6327fa58b8634091be00a74ffaef5351fe80"
     "5d6f, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(\"\\221\\255\\255\\255\\255\\1\")' 0",
     "-ERR user_script:1: Missing bytes in input. script: af17a910a559fbabe6b74617c1ed1ec98bbb"
     "d6ce, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(\"\\223\\255\\255\\255\\255\\1\\1\")' 0",
     "-ERR user_script:1: Missing bytes in input. script: 468c96be3ae7efb4d649efb858971c332c4c"
     "4896, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(\"\\129\\192\\1\")' 0",
     "-ERR table index is nil script: 38479bec985851418160171427a84421b0ad9dc8, on @user_scrip"
     "t:1.\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack(\"\\207\\255\\255\\255\\255\\255\\255\\255\\255\", \"\\207"
     "\\128\\0\\0\\0\\0\\0\\0\\0\")}' 0",
     "*1\r\n:-1\r\n",
     SAME},
    {"EVAL 'return tostring(cmsgpack.unpack(\"\\207\\128\\0\\0\\0\\0\\0\\0\\1\"))' 0",
     "$20\r\n-9.2233720368548e+18\r\n",
     SAME},
    {"EVAL 'return tostring(cmsgpack.unpack(\"\\211\\128\\0\\0\\0\\0\\0\\0\\1\"))' 0",
     "$20\r\n-9.2233720368548e+18\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack(\"\\204\\255\\205\\255\\255\\206\\255\\255\\255\\255\\208"
     "\\128\\209\\128\\0\\210\\128\\0\\0\\0\\224\\255\\127\\0\")}' 0",
     "*10\r\n:255\r\n:65535\r\n:4294967295\r\n:-128\r\n:-32768\r\n:-2147483648\r\n:-32\r\n:-1"
     "\r\n:127\r\n:0\r\n",
     SAME},
    {"EVAL 'return {tostring(cmsgpack.unpack(\"\\202\\63\\192\\0\\0\")), tostring(cmsgpack.unp"
     "ack(\"\\203\\63\\185\\153\\153\\153\\153\\153\\154\"))}' 0",
     "*2\r\n$3\r\n1.5\r\n$3\r\n0.1\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack(\"\\192\\194\\195\\1\")}' 0",
     "*0\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack(\"\")}' 0",
     "*0\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(string.rep(\"\\145\", 100000) .. \"\\1\")' 0",
     "-ERR user_script:1: stack overflow (in function mp_decode_to_lua_array) script: c2c421c2"
     "7327a9e1c4b47e2832f2e9cbd6a296f2, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return cmsgpack.unpack(string.rep(\"\\129\", 100000) .. \"\\1\")' 0",
     "-ERR user_script:1: stack overflow (too many return values at once; use unpack_one or un"
     "pack_limit instead.) script: 77d76edcb7a4e271bd7691e0e6e2753e9acccaff, on @user_script:1"
     ".\r\n",
     SAME},
    {"EVAL 'local a = {cmsgpack.unpack(string.rep(\"\\145\", 3999) .. \"\\1\")} return 1' 0",
     ":1\r\n",
     SAME},
    {"EVAL 'local a = {cmsgpack.unpack(string.rep(\"\\145\", 4000) .. \"\\1\")} return 1' 0",
     "-ERR user_script:1: stack overflow (in function mp_decode_to_lua_array) script: df9e9bad"
     "8563c28bc3bf862e1368033c712ba7f4, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'local a = {cmsgpack.unpack(string.rep(\"\\129\", 7998) .. \"\\1\\1\")} return 1' 0",
     "-ERR user_script:1: stack overflow (too many return values at once; use unpack_one or un"
     "pack_limit instead.) script: 29157df7a9e51db859f401caf213420d4fe183cb, on @user_script:1"
     ".\r\n",
     SAME},
    {"EVAL 'local a = {cmsgpack.unpack(string.rep(\"\\129\", 7999) .. \"\\1\\1\")} return 1' 0",
     "-ERR user_script:1: stack overflow (too many return values at once; use unpack_one or un"
     "pack_limit instead.) script: 5383b669709fd5d24f6870a8f48c1d567b0bec8c, on @user_script:1"
     ".\r\n",
     SAME},
    {"EVAL 'return #{cmsgpack.unpack(string.rep(\"\\1\", 7998))}' 0",
     ":7998\r\n",
     SAME},
    {"EVAL 'return #{cmsgpack.unpack(string.rep(\"\\1\", 7999))}' 0",
     ":7999\r\n",
     SAME},
    {"EVAL 'return #{cmsgpack.unpack_limit(string.rep(\"\\1\", 8000), 7997)}' 0",
     ":7998\r\n",
     SAME},
    {"EVAL 'return #{cmsgpack.unpack_limit(string.rep(\"\\1\", 8000), 7998)}' 0",
     ":7999\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_limit(\"\\1\\2\\3\", 0)}' 0",
     "*3\r\n:1\r\n:2\r\n:3\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_limit(\"\\1\\2\\3\", 2)}' 0",
     "*3\r\n:2\r\n:1\r\n:2\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_limit(\"\\1\\2\\3\", 2, 2)}' 0",
     "*2\r\n:-1\r\n:3\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_limit(\"\\1\\2\\3\", 2, 4)}' 0",
     "-ERR user_script:1: Start offset 4 greater than input length 3. script: 3f129b96762c1ee8"
     "5ad963c057e4a3dba1c97c67, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_limit(\"\\1\\2\\3\", -2, 1)}' 0",
     "-ERR user_script:1: Invalid request to unpack with offset of 1 and limit of 3. script: 4"
     "d4b865e72edf5a20cc19fddb3f5a9872dc8c04f, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_limit(\"\\1\\2\\3\", 0, 1)}' 0",
     "*1\r\n:1\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_one(\"\")}' 0",
     "*1\r\n:-1\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_one(\"\\1\\2\", 2)}' 0",
     "*1\r\n:-1\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_one(\"\\1\\2\", 1)}' 0",
     "*2\r\n:-1\r\n:2\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_one(\"\\1\\2\", 0)}' 0",
     "*2\r\n:1\r\n:1\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_one(\"\\1\\2\", -1)}' 0",
     "-ERR user_script:1: Invalid request to unpack with offset of -1 and limit of 2. script: "
     "5fd03c1a9d54dd99d39a1919232ab487717c4330, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_one(\"\\1\\2\", 5)}' 0",
     "-ERR user_script:1: Start offset 5 greater than input length 2. script: c4e9d1144fca72bf"
     "86cbd1a023fb7d6197e8694f, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_one()}' 0",
     "-ERR user_script:1: bad argument #1 to 'unpack_one' (string expected, got no value) scri"
     "pt: d150534e8ca91f9b54123563cfae8624dd707de1, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_one(\"\\1\", \"x\")}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack_one' (number expected, got string) script"
     ": e0e9fecafbf2d6b43718cb65d799fc644349c402, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_limit(\"\\1\")}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack_limit' (number expected, got no value) sc"
     "ript: e90b2d6b06848d958a7726ccd5a74f6d746c0a29, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {cmsgpack.unpack_one(\"\\1\\193\", 1)}' 0",
     "-ERR user_script:1: Bad data format in input. script: 1245a998dfa10033cb5bd93bf8d6f77b8d"
     "402878, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPT"
     "ION}' 0",
     "*4\r\n$8\r\ncmsgpack\r\n$18\r\nlua-cmsgpack 0.4.0\r\n$40\r\nCopyright (C) 2012, Salvator"
     "e Sanfilippo\r\n$36\r\nMessagePack C implementation for Lua\r\n",
     SAME},
    {"EVAL 'cmsgpack.x=1' 0",
     "-ERR user_script:1: Attempt to modify a readonly table script: 212741a07857d80316042c4ce"
     "afcc89dfb63abf0, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'cmsgpack.pack=1' 0",
     "-ERR user_script:1: Attempt to modify a readonly table script: 17cb356283860ef092e13ce79"
     "1a10fb3ee368995, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {pcall(cmsgpack.unpack, \"\\193\")}' 0",
     "*2\r\n$-1\r\n$25\r\nBad data format in input.\r\n",
     "*2\r\n_\r\n$25\r\nBad data format in input.\r\n"},
    {"EVAL 'return {pcall(cmsgpack.pack)}' 0",
     "*2\r\n$-1\r\n$54\r\nbad argument #0 to '\?' (MessagePack pack needs input.)\r\n",
     "*2\r\n_\r\n$54\r\nbad argument #0 to '\?' (MessagePack pack needs input.)\r\n"},
};

static const struct exchange struct_cases[] = {
    {"EVAL '" ESC "return esc(struct.pack(\">I2\",1))' 0",
     "$3\r\n\\0\001\r\n",
     SAME},
    {"EVAL 'return struct.unpack(\">I2\",\"a\")' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: f0efe781"
     "ade65d9e3e3f0c259fa33fc934048d2e, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"c5\",\"ab\")' 0",
     "-ERR user_script:1: bad argument #3 to 'pack' (string too short) script: fde75d11407aa98"
     "f46829c6817c512c2970bf127, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.size(\"s\")' 0",
     "-ERR user_script:1: bad argument #1 to 'size' (option 's' has no fixed size) script: 0bd"
     "68a9d1207d846fb74767b7aeafd360dbf42ba, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.size(\"c0\")' 0",
     "-ERR user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size) script: 32"
     "175125a96d7f6adf77bf292b0ada98c6af02b7, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.size(\"z\")' 0",
     ":0\r\n",
     SAME},
    {"EVAL 'return struct.size(\"#\")' 0",
     "-ERR user_script:1: bad argument #1 to 'size' (invalid format option '#') script: eb740b"
     "29bfd0de83e492af8b4677aa1b440b5826, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"\\200\")' 0",
     "-ERR user_script:1: bad argument #1 to 'pack' (invalid format option '\310') script: 5c7"
     "54aebda2d90f5ec830a25aac7c98a15fd089a, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.unpack(\"b\",\"a\",0)' 0",
     "-ERR user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater) script: c9"
     "feb4ae7a73d33cff9491f20b0d8d1560abb8c6, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.unpack(\"b\",\"a\",-1)' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 1efcc63a"
     "369156d9967c94a0501bed5f51af44aa, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"!8d\",\"abcdefghijklmnopqrstu\",-7)}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 3f0943b7"
     "122795f8cfac944fdd11da7002ffc925, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"\",\"ab\",10)}' 0",
     "*1\r\n:10\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\">\",\"ab\",10)}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 71f8c712"
     "46f72a745eac8a5067af8414036356c8, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'struct.pack=1' 0",
     "-ERR user_script:1: Attempt to modify a readonly table script: 665254d1a03e506007da73f50"
     "72dbade8c2c074d, on @user_script:1.\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">I8\", 1e20))' 0",
     "$16\r\n\\0\\0\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">i8\", -1e20))' 0",
     "$15\r\n\200\\0\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">I8\", 2^63))' 0",
     "$15\r\n\200\\0\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">I8\", 2^64 - 2048))' 0",
     "$9\r\n\377\377\377\377\377\377\370\\0\r\n",
     SAME},
    {"EVAL '" ESC "local z = 0 return esc(struct.pack(\">i8\", z/z) .. struct.pack(\">i8"
     "\", -(z/z)))' 0",
     "$30\r\n\200\\0\\0\\0\\0\\0\\0\\0\200\\0\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">I8\", math.huge) .. struct.pack(\">I8\", -ma"
     "th.huge))' 0",
     "$31\r\n\\0\\0\\0\\0\\0\\0\\0\\0\200\\0\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">I8\", -0.5))' 0",
     "$16\r\n\\0\\0\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">i16\", -1))' 0",
     "$24\r\n\\0\\0\\0\\0\\0\\0\\0\\0\377\377\377\377\377\377\377\377\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"<i16\", -1))' 0",
     "$24\r\n\377\377\377\377\377\377\377\377\\0\\0\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"<i32\", 1234567))' 0",
     "$61\r\n\207\326\022\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"
     "\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">I4\", 2^32+5))' 0",
     "$7\r\n\\0\\0\\0\005\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">i8\", -2^63-4096))' 0",
     "$15\r\n\200\\0\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"i0\", 5)' 0",
     "$0\r\n\r\n",
     SAME},
    {"EVAL 'return struct.pack(\">i3\", -2)' 0",
     "$3\r\n\377\377\376\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"<bBhHlLTiI\", -1, 255, -2, 65535, -3, 4, 5, -"
     "6, 7))' 0",
     "$55\r\n\377\377\376\377\377\377\375\377\377\377\377\377\377\377\004\\0\\0\\0\\0\\0\\0\\0"
     "\005\\0\\0\\0\\0\\0\\0\\0\372\377\377\377\007\\0\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">bBhHlLTiI\", -1, 255, -2, 65535, -3, 4, 5, -"
     "6, 7))' 0",
     "$55\r\n\377\377\377\376\377\377\377\377\377\377\377\377\377\375\\0\\0\\0\\0\\0\\0\\0\004"
     "\\0\\0\\0\\0\\0\\0\\0\005\377\377\377\372\\0\\0\\0\007\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"!bd\", 1, 2))' 0",
     "$30\r\n\001\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0@\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"!4bd\", 1, 2))' 0",
     "$22\r\n\001\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0@\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"!2bdbi3bi\", 1, 2, 3, 4, 5, 6))' 0",
     "$34\r\n\001\\0\\0\\0\\0\\0\\0\\0\\0@\003\\0\004\\0\\0\005\006\\0\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"!bi3bxi8\", 1, 2, 3, 4))' 0",
     "$28\r\n\001\\0\\0\002\\0\\0\003\\0\004\\0\\0\\0\\0\\0\\0\\0\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"!3b\", 1)' 0",
     "-ERR user_script:1: alignment 3 is not a power of 2 script: debb95b917c474df3eef3ba6dbc5"
     "dddcd262220d, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"!0b\", 1)' 0",
     "-ERR user_script:1: alignment 0 is not a power of 2 script: b450c4212226ba177d4f3937bac6"
     "c94e1712ed6a, on @user_script:1.\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">fd\", 1.5, 0.1))' 0",
     "$14\r\n\?\300\\0\\0\?\271\231\231\231\231\231\232\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"<fd\", 1.5, 0.1))' 0",
     "$14\r\n\\0\\0\300\?\232\231\231\231\231\231\271\?\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\">f\", 1e39))' 0",
     "$6\r\n\177\200\\0\\0\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"s\", \"ab\\0c\"))' 0",
     "$7\r\nab\\0c\\0\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"c0\", \"abc\")' 0",
     "$3\r\nabc\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"c2\", \"abc\")' 0",
     "$2\r\nab\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"c\", \"\")' 0",
     "-ERR user_script:1: bad argument #3 to 'pack' (string too short) script: 9825e153a080370"
     "c7eddd57fabfbd7673d59d912, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"c0c0\", string.rep(\"x\", 9000))' 0",
     "-ERR user_script:1: bad argument #3 to 'pack' (string expected, got nil) script: fe1f237"
     "f2e314b5330dcc48781687563a1a14efd, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return #struct.pack(\"c0c0c0\", string.rep(\"x\", 9000), \"a\", \"b\")' 0",
     ":9002\r\n",
     SAME},
    {"EVAL 'return #struct.pack(\"c0c0c0c0\", string.rep(\"x\", 9000), \"a\")' 0",
     "-ERR user_script:1: bad argument #4 to 'pack' (string expected, got nil) script: 3e2fdb1"
     "62e7d9db26317347dff6ca8ff76b8053c, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"i\")' 0",
     "-ERR user_script:1: bad argument #2 to 'pack' (number expected, got nil) script: 3c07958"
     "9e4e6203aa93753a0b9af9671df97f531, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"i\", \"x\")' 0",
     "-ERR user_script:1: bad argument #2 to 'pack' (number expected, got string) script: fad4"
     "9ccd1044f27983e20718fcc7374c69aa88af, on @user_script:1.\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"i\", \"12\"))' 0",
     "$7\r\n\014\\0\\0\\0\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"z\")' 0",
     "-ERR user_script:1: bad argument #1 to 'pack' (invalid format option 'z') script: fec348"
     "6c9742fbc7facaf79bc5267830d08930e9, on @user_script:1.\r\n",
     SAME},
    {"EVAL '" ESC "return esc(struct.pack(\"xx x\"))' 0",
     "$6\r\n\\0\\0\\0\r\n",
     SAME},
    {"EVAL 'return struct.pack()' 0",
     "-ERR user_script:1: bad argument #1 to 'pack' (string expected, got no value) script: c9"
     "b8aed4f0633591e6252db264bf8b86b82828d5, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"i33\", 1)' 0",
     "-ERR user_script:1: integral size 33 is larger than limit of 32 script: 87b2123ff20c6963"
     "2652cce4e852d271f2fdf6cf, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"i2147483648\", 1)' 0",
     "-ERR user_script:1: integral size overflow script: e0ec7b49b52a8734f291460ed98fded9d5940"
     "ecf, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"c99999999999\", \"a\")' 0",
     "-ERR user_script:1: integral size overflow script: 505dd4dca2baa471432bcdce8a3034ac88f86"
     "f1a, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"c2147483647\", \"a\")' 0",
     "-ERR user_script:1: bad argument #3 to 'pack' (string too short) script: 5eb05e138596e31"
     "e3dd4d91140c51c13f0561373, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.pack(\"!2147483648\", 1)' 0",
     "-ERR user_script:1: integral size overflow script: d2e93e657d6f347f07ecb7f967880f68ed67a"
     "34e, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.size(\"T\")' 0",
     ":8\r\n",
     SAME},
    {"EVAL 'return struct.size(\"!3\")' 0",
     "-ERR user_script:1: alignment 3 is not a power of 2 script: 11469e7239e2895719538764d27e"
     "1dfc4beb9dc3, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.size(\"!i3d\")' 0",
     ":16\r\n",
     SAME},
    {"EVAL 'return struct.size(\"!4bi3d\")' 0",
     ":16\r\n",
     SAME},
    {"EVAL 'return struct.size(\"bz!\")' 0",
     ":1\r\n",
     SAME},
    {"EVAL 'return struct.size(\"c2147483647c2147483647c2147483647c2147483647\")' 0",
     ":8589934588\r\n",
     SAME},
    {"EVAL 'return struct.size(\"i33\")' 0",
     "-ERR user_script:1: integral size 33 is larger than limit of 32 script: 02d76af9299ad78c"
     "4765093c0daca26922d33318, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.size(\"\")' 0",
     ":0\r\n",
     SAME},
    {"EVAL 'return struct.size()' 0",
     "-ERR user_script:1: bad argument #1 to 'size' (string expected, got no value) script: 4c"
     "30ee4bce24a141420f334922489017312786e7, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return struct.size(\"!bBhHlLTiIfdxc5\")' 0",
     ":62\r\n",
     SAME},
    {"EVAL 'return struct.size(\"!>bd<hi4 \")' 0",
     ":24\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\">i16\", string.rep(\"\\255\",16))}' 0",
     "*2\r\n:-1\r\n:17\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\">i9\", \"\\0\\0\\0\\0\\0\\0\\0\\0\\128\")}' 0",
     "*2\r\n:-128\r\n:10\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"<i9\", \"\\128\\0\\0\\0\\0\\0\\0\\0\\0\")}' 0",
     "*2\r\n:-128\r\n:10\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\">I16\", string.rep(\"\\1\",16))}' 0",
     "*2\r\n:72340172838076672\r\n:17\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\">i12\", string.rep(\"\\1\",11)..\"\\128\")}' 0",
     "*2\r\n:-2130640512\r\n:13\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"i0\", \"x\")}' 0",
     "*2\r\n:0\r\n:1\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\">i3\", \"\\255\\255\\254\")}' 0",
     "*2\r\n:-2\r\n:4\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"<i3\", \"\\255\\255\\254\")}' 0",
     "*2\r\n:-65537\r\n:4\r\n",
     SAME},
    {"EVAL 'return {tostring(struct.unpack(\">i8\", \"\\255\\255\\255\\255\\255\\255\\255\\254"
     "\")), tostring(struct.unpack(\">I8\", \"\\255\\255\\255\\255\\255\\255\\255\\254\"))}' 0",
     "*2\r\n$2\r\n-2\r\n$18\r\n1.844674407371e+19\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"bBhHlLTiI\", struct.pack(\"bBhHlLTiI\", -1, 255, -2, 65535"
     ", -3, 4, 5, -6, 7))}' 0",
     "*10\r\n:-1\r\n:255\r\n:-2\r\n:65535\r\n:-3\r\n:4\r\n:5\r\n:-6\r\n:7\r\n:39\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"!2bdbi3bi\", struct.pack(\"!2bdbi3bi\", 1, 2, 3, 4, 5, 6))"
     "}' 0",
     "*7\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:21\r\n",
     SAME},
    {"EVAL 'return {tostring(struct.unpack(\"<d\", struct.pack(\"<d\", 0.1))), tostring(struct"
     ".unpack(\">f\", struct.pack(\">f\", 0.1)))}' 0",
     "*2\r\n$3\r\n0.1\r\n$16\r\n0.10000000149012\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"c3c0\", \"10\\0yyyyyyyyyyyy\")}' 0",
     "*2\r\n$10\r\nyyyyyyyyyy\r\n:14\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"bc0\", \"\\3abcd\")}' 0",
     "*2\r\n$3\r\nabc\r\n:5\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"bc0\", \"\\3abcd\", 2)}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 5c2714d5"
     "a2eebc312ec9025e64a5b9b862a8bff3, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"c0\", \"abcd\")}' 0",
     "-ERR user_script:1: format 'c0' needs a previous size script: 727691f6a84824d4ced288fc98"
     "acbf3760af2559, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"ss\", \"ab\\0cd\\0e\")}' 0",
     "*3\r\n$2\r\nab\r\n$2\r\ncd\r\n:7\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"ss\", \"ab\\0cd\\0e\", 4)}' 0",
     "-ERR user_script:1: unfinished string in data script: 18e622d93cdbbdf57e077fc85e8f911808"
     "8505dc, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"s\", \"ab\")}' 0",
     "-ERR user_script:1: unfinished string in data script: ca61ed8703f835a60ff80e0ac9c8bcc0e3"
     "0d1acd, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"bc0\", \"\\255abcd\")}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: fc5623e9"
     "e13695185e4f1964ad8f378739a84886, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"c2c0\", \"-1abcd\")}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: c8894c6a"
     "0b40ec4fdf0773cb8b95a36ea0d61bc2, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"c4c0\", \"-0.5abcd\")}' 0",
     "*2\r\n$0\r\n\r\n:5\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"c3c0\", \"nanabcd\")}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: ebf9ff7d"
     "f8bec4bf5da027f81298d0463fda6d86, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(string.rep(\"b\", 9000), string.rep(\"a\", 9000))}' 0",
     "-ERR user_script:1: stack overflow (too many results) script: 75455c3569c1b149dd74d70e49"
     "c79ca8712f8826, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return #{struct.unpack(string.rep(\"b\", 7998), string.rep(\"a\", 9000))}' 0",
     "-ERR user_script:1: stack overflow (too many results) script: d899ea29dfa8fc0985431a68aa"
     "7afde624aaad5a, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return #{struct.unpack(string.rep(\"b\", 7999), string.rep(\"a\", 9000))}' 0",
     "-ERR user_script:1: stack overflow (too many results) script: 245476fa0c7b3a3f58ea841b2f"
     "c2f2e51d534072, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"xx\", \"ab\")}' 0",
     "*1\r\n:3\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"xxx\", \"ab\")}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: f1541125"
     "526da2a42b3efb4d75ed800f3f80f362, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"c2147483647\", \"ab\")}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 1d74613d"
     "ba7d945b114354d64373835a573098d9, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack()}' 0",
     "-ERR user_script:1: bad argument #1 to 'unpack' (string expected, got no value) script: "
     "268ec9e584f7e1122ed699cbb7fc9856ec0eb21e, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"b\", \"a\", \"x\")}' 0",
     "-ERR user_script:1: bad argument #3 to 'unpack' (number expected, got string) script: 9a"
     "9bdb3eac8731bab48f7e6db2ed29f27f7664a2, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"!4bi\", \"abcdefgh\")}' 0",
     "*3\r\n:97\r\n:1751606885\r\n:9\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"!4bi\", \"abcdefg\")}' 0",
     "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: b868bd0e"
     "90d84c303b37d979cb8386fa6c3f295c, on @user_script:1.\r\n",
     SAME},
    {"EVAL 'return {struct.unpack(\"!4bi\", \"abcdefghijk\", 2)}' 0",
     "*3\r\n:98\r\n:1751606885\r\n:9\r\n",
     SAME},
};

START_TEST(cmsgpack_answers_as_in_redis)
{
    RUN_EXCHANGES(cmsgpack_cases);
}
END_TEST

START_TEST(struct_answers_as_in_redis)
{
    RUN_EXCHANGES(struct_cases);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scripting_libs");
    TCase *tc = harness_server_case("libs", NULL, NULL);
    tcase_add_loop_test(tc, cmsgpack_answers_as_in_redis, 2, 4);
    tcase_add_loop_test(tc, struct_answers_as_in_redis, 2, 4);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
