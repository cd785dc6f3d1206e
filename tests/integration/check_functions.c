/*
 * check_functions.c - FUNCTION and FCALL end to end: replies and error
 * texts byte for byte as redis-server 7.0.15 gives them (RESP2 and RESP3,
 * recorded from it with the same command lines), DUMP / RESTORE both
 * ways (a payload redis-server produced, LZF-compressed, is pasted here),
 * FCALL inside MULTI, INFO's function figures, and long functions on one
 * loop against clients on others (BUSY, FUNCTION KILL, UNKILLABLE,
 * FUNCTION STATS, and SCRIPT KILL / FUNCTION KILL refusing each other's
 * kind).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

/* Replies recorded from redis-server 7.0.15 with the same command lines
 * (libraries of one function each where a list is shown, since Redis
 * lists a library's functions in its dict's order). */
static const struct recorded_reply resp2_replies[] = {
    {"FUNCTION FLUSH",
     "+OK\r\n"},
    {"FUNCTION LOAD '#!lua name=lib1\nredis.register_function(\"echo\", function(keys, args) return args[1] end)'",
     "$4\r\nlib1\r\n"},
    {"FUNCTION LOAD '#!lua name=lib2\nredis.register_function{function_name=\"getk\", callback=function(keys, args) return redis.call(\"get\", keys[1]) end, flags={\"no-writes\", \"allow-oom\"}, description=\"reads a key\"}'",
     "$4\r\nlib2\r\n"},
    {"FUNCTION LOAD '#!lua name=lib3\nlocal function helper(k) return redis.call(\"incr\", k) end\nredis.register_function(\"incr3\", function(keys, args) return helper(keys[1]) end)\nredis.register_function(\"errs\", function(keys, args) return redis.call(\"incr\", keys[1]) end)\nredis.register_function(\"boom\", function(keys, args) error(\"boom\") end)\nredis.register_function(\"resp3\", function(keys, args) redis.setresp(3) return redis.call(\"hgetall\", keys[1]) end)\nredis.register_function(\"custom\", function(keys, args) return redis.error_reply(\"MY custom\") end)\nredis.register_function(\"setg\", function(keys, args) leak = 1 end)\nredis.register_function(\"kv\", function(keys, args) return {#keys, #args, KEYS} end)'",
     "$4\r\nlib3\r\n"},
    {"FCALL echo 0 hello",
     "$5\r\nhello\r\n"},
    {"FCALL ECHO 0 case",
     "$4\r\ncase\r\n"},
    {"FCALL_RO getk 1 s",
     "$3\r\nstr\r\n"},
    {"FCALL_RO getk 1 nokey",
     "$-1\r\n"},
    {"FCALL_RO echo 0 x",
     "-ERR Can not execute a script with write flag using *_ro command.\r\n"},
    {"FCALL incr3 1 n",
     ":1\r\n"},
    {"FCALL incr3 1 n",
     ":2\r\n"},
    {"FCALL errs 1 s",
     "-ERR value is not an integer or out of range script: errs, on @user_function:4.\r\n"},
    {"FCALL boom 0",
     "-ERR user_function:5: boom script: boom, on @user_function:5.\r\n"},
    {"HSET h a 1",
     ":1\r\n"},
    {"FCALL resp3 1 h",
     "*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
    {"FCALL custom 0",
     "-MY custom\r\n"},
    {"FCALL setg 0",
     "-ERR user_function:8: Attempt to modify a readonly table script: setg, on @user_function:8.\r\n"},
    {"FCALL kv 2 a b c",
     "-ERR user_function:9: Script attempted to access nonexistent global variable 'KEYS' script: kv, on @user_function:9.\r\n"},
    {"FUNCTION LIST LIBRARYNAME lib1",
     "*1\r\n*6\r\n$12\r\nlibrary_name\r\n$4\r\nlib1\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$4\r\necho\r\n$11\r\ndescription\r\n$-1\r\n$5\r\nflags\r\n*0\r\n"},
    {"FUNCTION LIST LIBRARYNAME LIB2 WITHCODE",
     "*1\r\n*8\r\n$12\r\nlibrary_name\r\n$4\r\nlib2\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$4\r\ngetk\r\n$11\r\ndescription\r\n$11\r\nreads a key\r\n$5\r\nflags\r\n*2\r\n+no-writes\r\n+allow-oom\r\n$12\r\nlibrary_code\r\n$191\r\n#!lua name=lib2\nredis.register_function{function_name=\"getk\", callback=function(keys, args) return redis.call(\"get\", keys[1]) end, flags={\"no-writes\", \"allow-oom\"}, description=\"reads a key\"}\r\n"},
    {"FUNCTION LIST LIBRARYNAME nomatch*",
     "*0\r\n"},
    {"FUNCTION STATS",
     "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:3\r\n$15\r\nfunctions_count\r\n:9\r\n"},
    {"FUNCTION DELETE lib3",
     "+OK\r\n"},
    {"FUNCTION STATS",
     "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:2\r\n$15\r\nfunctions_count\r\n:2\r\n"},
    {"FUNCTION KILL",
     "-NOTBUSY No scripts in execution right now.\r\n"},
};

static const struct recorded_reply resp3_replies[] = {
    {"FUNCTION FLUSH",
     "+OK\r\n"},
    {"FUNCTION LOAD '#!lua name=lib1\nredis.register_function(\"echo\", function(keys, args) return args[1] end)'",
     "$4\r\nlib1\r\n"},
    {"FUNCTION LOAD '#!lua name=lib2\nredis.register_function{function_name=\"getk\", callback=function(keys, args) return redis.call(\"get\", keys[1]) end, flags={\"no-writes\", \"allow-oom\"}, description=\"reads a key\"}'",
     "$4\r\nlib2\r\n"},
    {"FUNCTION LOAD '#!lua name=lib3\nlocal function helper(k) return redis.call(\"incr\", k) end\nredis.register_function(\"incr3\", function(keys, args) return helper(keys[1]) end)\nredis.register_function(\"errs\", function(keys, args) return redis.call(\"incr\", keys[1]) end)\nredis.register_function(\"boom\", function(keys, args) error(\"boom\") end)\nredis.register_function(\"resp3\", function(keys, args) redis.setresp(3) return redis.call(\"hgetall\", keys[1]) end)\nredis.register_function(\"custom\", function(keys, args) return redis.error_reply(\"MY custom\") end)\nredis.register_function(\"setg\", function(keys, args) leak = 1 end)\nredis.register_function(\"kv\", function(keys, args) return {#keys, #args, KEYS} end)'",
     "$4\r\nlib3\r\n"},
    {"FCALL echo 0 hello",
     "$5\r\nhello\r\n"},
    {"FCALL ECHO 0 case",
     "$4\r\ncase\r\n"},
    {"FCALL_RO getk 1 s",
     "$3\r\nstr\r\n"},
    {"FCALL_RO getk 1 nokey",
     "_\r\n"},
    {"FCALL_RO echo 0 x",
     "-ERR Can not execute a script with write flag using *_ro command.\r\n"},
    {"FCALL incr3 1 n",
     ":1\r\n"},
    {"FCALL incr3 1 n",
     ":2\r\n"},
    {"FCALL errs 1 s",
     "-ERR value is not an integer or out of range script: errs, on @user_function:4.\r\n"},
    {"FCALL boom 0",
     "-ERR user_function:5: boom script: boom, on @user_function:5.\r\n"},
    {"HSET h a 1",
     ":1\r\n"},
    {"FCALL resp3 1 h",
     "%1\r\n$1\r\na\r\n$1\r\n1\r\n"},
    {"FCALL custom 0",
     "-MY custom\r\n"},
    {"FCALL setg 0",
     "-ERR user_function:8: Attempt to modify a readonly table script: setg, on @user_function:8.\r\n"},
    {"FCALL kv 2 a b c",
     "-ERR user_function:9: Script attempted to access nonexistent global variable 'KEYS' script: kv, on @user_function:9.\r\n"},
    {"FUNCTION LIST LIBRARYNAME lib1",
     "*1\r\n%3\r\n$12\r\nlibrary_name\r\n$4\r\nlib1\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n%3\r\n$4\r\nname\r\n$4\r\necho\r\n$11\r\ndescription\r\n_\r\n$5\r\nflags\r\n~0\r\n"},
    {"FUNCTION LIST LIBRARYNAME LIB2 WITHCODE",
     "*1\r\n%4\r\n$12\r\nlibrary_name\r\n$4\r\nlib2\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n%3\r\n$4\r\nname\r\n$4\r\ngetk\r\n$11\r\ndescription\r\n$11\r\nreads a key\r\n$5\r\nflags\r\n~2\r\n+no-writes\r\n+allow-oom\r\n$12\r\nlibrary_code\r\n$191\r\n#!lua name=lib2\nredis.register_function{function_name=\"getk\", callback=function(keys, args) return redis.call(\"get\", keys[1]) end, flags={\"no-writes\", \"allow-oom\"}, description=\"reads a key\"}\r\n"},
    {"FUNCTION LIST LIBRARYNAME nomatch*",
     "*0\r\n"},
    {"FUNCTION STATS",
     "%2\r\n$14\r\nrunning_script\r\n_\r\n$7\r\nengines\r\n%1\r\n$3\r\nLUA\r\n%2\r\n$15\r\nlibraries_count\r\n:3\r\n$15\r\nfunctions_count\r\n:9\r\n"},
    {"FUNCTION DELETE lib3",
     "+OK\r\n"},
    {"FUNCTION STATS",
     "%2\r\n$14\r\nrunning_script\r\n_\r\n$7\r\nengines\r\n%1\r\n$3\r\nLUA\r\n%2\r\n$15\r\nlibraries_count\r\n:2\r\n$15\r\nfunctions_count\r\n:2\r\n"},
    {"FUNCTION KILL",
     "-NOTBUSY No scripts in execution right now.\r\n"},
};

static const struct recorded_reply errors[] = {
    {"FUNCTION FLUSH",
     "+OK\r\n"},
    {"FUNCTION LOAD '#!lua name=lib1\nredis.register_function(\"echo\", function(keys, args) return args[1] end)'",
     "$4\r\nlib1\r\n"},
    {"FUNCTION LOAD '#!lua name=lib1\nredis.register_function(\"echo\", function(keys, args) return args[1] end)'",
     "-ERR Library 'lib1' already exists\r\n"},
    {"FUNCTION LOAD REPLACE '#!lua name=lib1\nredis.register_function(\"echo\", function(keys, args) return args[1] end)'",
     "$4\r\nlib1\r\n"},
    {"FUNCTION LOAD FOO '#!lua name=lib1\nredis.register_function(\"echo\", function(keys, args) return args[1] end)'",
     "-ERR Unknown option given: FOO\r\n"},
    {"FUNCTION LOAD 'return 1'",
     "-ERR Missing library metadata\r\n"},
    {"FUNCTION LOAD '#!lua'",
     "-ERR Invalid library metadata\r\n"},
    {"FUNCTION LOAD '#!lua\nreturn 1'",
     "-ERR Library name was not given\r\n"},
    {"FUNCTION LOAD '#!lua name=a name=b\nreturn 1'",
     "-ERR Invalid metadata value, name argument was given multiple times\r\n"},
    {"FUNCTION LOAD '#!lua foo=bar\nreturn 1'",
     "-ERR Invalid metadata value given: foo=bar\r\n"},
    {"FUNCTION LOAD '#!lua name=a-b\nreturn 1'",
     "-ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long\r\n"},
    {"FUNCTION LOAD '#!py name=x\nreturn 1'",
     "-ERR Engine 'py' not found\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nreturn 1'",
     "-ERR No functions registered\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function(\"echo\", function() return 1 end)'",
     "-ERR Function echo already exists\r\n"},
    {"FUNCTION LOAD '#!lua name=xa\nredis.register_function(\"a\", function() end) redis.register_function(\"a\", function() end)'",
     "-ERR Error registering functions: ERR Function already exists in the library\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function(\"a-b\", function() end)'",
     "-ERR Error registering functions: ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.call(\"set\", \"x\", \"1\")'",
     "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.setresp(3)'",
     "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'setresp'\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nlocal s = string'",
     "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'string'\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nleak = 1'",
     "-ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.leak = 1'",
     "-ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nsyntax error'",
     "-ERR Error compiling function: user_function:2: '=' expected near 'error'\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function()'",
     "-ERR Error registering functions: ERR wrong number of arguments to redis.register_function\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function(1, 2, 3)'",
     "-ERR Error registering functions: ERR wrong number of arguments to redis.register_function\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function({}, function() end)'",
     "-ERR Error registering functions: ERR first argument to redis.register_function must be a string\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function(\"a\", 2)'",
     "-ERR Error registering functions: ERR second argument to redis.register_function must be a function\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function(\"a\")'",
     "-ERR Error registering functions: ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function{}'",
     "-ERR Error registering functions: ERR redis.register_function must get a function name argument\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function{function_name=\"a\"}'",
     "-ERR Error registering functions: ERR redis.register_function must get a callback argument\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function{function_name={}, callback=function() end}'",
     "-ERR Error registering functions: ERR function_name argument given to redis.register_function must be a string\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function{function_name=\"a\", callback=1}'",
     "-ERR Error registering functions: ERR callback argument given to redis.register_function must be a function\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function{function_name=\"a\", callback=function() end, flags=1}'",
     "-ERR Error registering functions: ERR flags argument to redis.register_function must be a table representing function flags\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function{function_name=\"a\", callback=function() end, flags={\"bad\"}}'",
     "-ERR Error registering functions: ERR unknown flag given\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function{function_name=\"a\", callback=function() end, description=function() end}'",
     "-ERR Error registering functions: ERR description argument given to redis.register_function must be a string\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function{function_name=\"a\", callback=function() end, foo=1}'",
     "-ERR Error registering functions: ERR unknown argument given to redis.register_function\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function{[1]=\"a\", callback=function() end}'",
     "-ERR Error registering functions: ERR unknown argument given to redis.register_function\r\n"},
    {"FUNCTION LOAD '#!lua name=x\nredis.register_function{function_name=\"fl\", callback=function() end, flags={\"NO-WRITES\"}, description=\"d\"}'",
     "$1\r\nx\r\n"},
    {"FUNCTION LIST LIBRARYNAME x",
     "*1\r\n*6\r\n$12\r\nlibrary_name\r\n$1\r\nx\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$2\r\nfl\r\n$11\r\ndescription\r\n$1\r\nd\r\n$5\r\nflags\r\n*1\r\n+no-writes\r\n"},
    {"FUNCTION LOAD '#!lua name=y\nlocal f = redis.register_function\nredis.register_function(\"late\", function() f(\"z\", function() end) end)'",
     "$1\r\ny\r\n"},
    {"FCALL late 0",
     "-ERR redis.register_function can only be called on FUNCTION LOAD command script: late, on @user_function:3.\r\n"},
    {"FUNCTION LOAD '#!lua name=w\nwhile true do end'",
     "-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n"},
    {"FCALL nosuch 0",
     "-ERR Function not found\r\n"},
    {"FCALL_RO nosuch 0",
     "-ERR Function not found\r\n"},
    {"FCALL echo -1",
     "-ERR Number of keys can't be negative\r\n"},
    {"FCALL echo 2 k",
     "-ERR Number of keys can't be greater than number of args\r\n"},
    {"FCALL echo x",
     "-ERR Bad number of keys provided\r\n"},
    {"FCALL echo",
     "-ERR wrong number of arguments for 'fcall' command\r\n"},
    {"FUNCTION DELETE nosuch",
     "-ERR Library not found\r\n"},
    {"FUNCTION DELETE",
     "-ERR wrong number of arguments for 'function|delete' command\r\n"},
    {"FUNCTION LIST LIBRARYNAME",
     "-ERR library name argument was not given\r\n"},
    {"FUNCTION LIST FOO",
     "-ERR Unknown argument FOO\r\n"},
    {"FUNCTION LIST WITHCODE WITHCODE",
     "-ERR Unknown argument WITHCODE\r\n"},
    {"FUNCTION FLUSH FOO",
     "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n"},
    /* Results are read raw: metamethods never run outside the function. */
    {"FUNCTION LOAD '#!lua name=raw\nredis.register_function(\"g\", function() return _G end)\nredis.register_function(\"m\", function() local a = {} setmetatable(a, {__index=function() foo() end}) return a end)'",
     "$3\r\nraw\r\n"},
    {"FCALL g 0",
     "*0\r\n"},
    {"FCALL m 0",
     "*0\r\n"},
    /* The first line splits as sdssplitargs splits it. */
    {"FUNCTION LOAD '#! name=test\nredis.register_function(\"f\", function() return 1 end)'",
     "-ERR Engine '' not found\r\n"},
    {"FUNCTION LOAD '#!lua name=\"quoted\"\nredis.register_function(\"q\", function() return 1 end)'",
     "$6\r\nquoted\r\n"},
    {"FUNCTION LOAD '#!lua name=\"open\nredis.register_function(\"o\", function() return 1 end)'",
     "-ERR Invalid library metadata\r\n"},
    {"FUNCTION LOAD '#!lua name=\"a\"b\"\nredis.register_function(\"o\", function() return 1 end)'",
     "-ERR Invalid library metadata\r\n"},
    {"FUNCTION LOAD '#!lua name=cr\r\nredis.register_function(\"cr\", function() return 1 end)'",
     "$2\r\ncr\r\n"},
    {"FUNCTION FLUSH ASYNC x",
     "-ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.\r\n"},
    {"FUNCTION FOO",
     "-ERR unknown subcommand 'FOO'. Try FUNCTION HELP.\r\n"},
    {"FUNCTION RESTORE x",
     "-ERR DUMP payload version or checksum are wrong\r\n"},
    {"FUNCTION RESTORE x FOO",
     "-ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.\r\n"},
    {"FUNCTION RESTORE x FLUSH y",
     "-ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.\r\n"},
    {"FUNCTION KILL x",
     "-ERR wrong number of arguments for 'function|kill' command\r\n"},
    {"FUNCTION STATS x",
     "-ERR wrong number of arguments for 'function|stats' command\r\n"},
    {"FUNCTION DUMP x",
     "-ERR wrong number of arguments for 'function|dump' command\r\n"},
    {"FUNCTION FLUSH ASYNC",
     "+OK\r\n"},
    {"FUNCTION FLUSH SYNC",
     "+OK\r\n"},
    {"FUNCTION LIST",
     "*0\r\n"},
    {"FUNCTION HELP",
     "*40\r\n+FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+LOAD [REPLACE] <FUNCTION CODE>\r\n+    Create a new library with the given library name and code.\r\n+DELETE <LIBRARY NAME>\r\n+    Delete the given library.\r\n+LIST [LIBRARYNAME PATTERN] [WITHCODE]\r\n+    Return general information on all the libraries:\r\n+    * Library name\r\n+    * The engine used to run the Library\r\n+    * Library description\r\n+    * Functions list\r\n+    * Library code (if WITHCODE is given)\r\n+    It also possible to get only function that matches a pattern using LIBRARYNAME argument.\r\n+STATS\r\n+    Return information about the current function running:\r\n+    * Function name\r\n+    * Command used to run the function\r\n+    * Duration in MS that the function is running\r\n+    If no function is running, return nil\r\n+    In addition, returns a list of available engines.\r\n+KILL\r\n+    Kill the current running function.\r\n+FLUSH [ASYNC|SYNC]\r\n+    Delete all the libraries.\r\n+    When called without the optional mode argument, the behavior is determined by the\r\n+    lazyfree-lazy-user-flush configuration directive. Valid modes are:\r\n+    * ASYNC: Asynchronously flush the libraries.\r\n+    * SYNC: Synchronously flush the libraries.\r\n+DUMP\r\n+    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command\r\n+RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]\r\n+    Restore the libraries represented by the given payload, it is possible to give a restore policy to\r\n+    control how to handle existing libraries (default APPEND):\r\n+    * FLUSH: delete all existing libraries.\r\n+    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.\r\n+    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old\r\n+      libraries with the new libraries (notice that even on this option there is a chance of failure\r\n+      in case of functions name collision with another library).\r\n+HELP\r\n+    Prints this help.\r\n"},
};

/* Over maxmemory (1 byte), as scripts (check_scripting): a function
 * that may write is refused as a deny-oom command, first of all. */
static const struct recorded_reply over_maxmemory[] = {
    {"FUNCTION FLUSH",
     "+OK\r\n"},
    {"FUNCTION LOAD '#!lua name=oom\nredis.register_function{function_name=\"ro\", callback=function() return 1 end, flags={\"no-writes\"}}\nredis.register_function{function_name=\"rw\", callback=function() return 2 end}'",
     "$3\r\noom\r\n"},
    {"CONFIG SET maxmemory 1",
     "+OK\r\n"},
    {"FCALL ro 0",
     ":1\r\n"},
    {"FCALL_RO ro 0",
     ":1\r\n"},
    {"FCALL rw 0",
     "-OOM command not allowed when used memory > 'maxmemory'.\r\n"},
    {"FCALL_RO rw 0",
     "-OOM command not allowed when used memory > 'maxmemory'.\r\n"},
    {"FCALL rw -1",
     "-OOM command not allowed when used memory > 'maxmemory'.\r\n"},
    {"CONFIG SET maxmemory 0",
     "+OK\r\n"},
    {"FCALL_RO rw 0",
     "-ERR Can not execute a script with write flag using *_ro command.\r\n"},
};

/* The tables start from an empty database holding one string, "s". */
static void reset_data(int fd)
{
    harness_raw_expect(fd, "FLUSHALL", "+OK\r\n");
    harness_raw_expect(fd, "SET s str", "+OK\r\n");
}

START_TEST(functions_answer_as_redis_in_resp2)
{
    int fd = harness_raw_connect(&harness_srv);
    reset_data(fd);
    REPLAY_RECORDED(fd, resp2_replies);
    close(fd);
}
END_TEST

START_TEST(functions_answer_as_redis_in_resp3)
{
    int fd = harness_resp3_connect(&harness_srv);
    reset_data(fd);
    REPLAY_RECORDED(fd, resp3_replies);
    close(fd);
}
END_TEST

START_TEST(function_errors_answer_as_redis)
{
    int fd = harness_raw_connect(&harness_srv);
    reset_data(fd);
    REPLAY_RECORDED(fd, errors);
    close(fd);
}
END_TEST

START_TEST(functions_that_do_not_write_run_over_maxmemory)
{
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, over_maxmemory);
    close(fd);
}
END_TEST

START_TEST(fcall_declares_its_keys_by_numkeys)
{
    static const char *const keys[] = {"a", "b"};
    EXPECT_ARRAY(keys, "COMMAND GETKEYS fcall f 2 a b c");
    EXPECT_ARRAY(keys, "COMMAND GETKEYS fcall_ro f 2 a b c");
}
END_TEST

/* COMMAND INFO's arity, flags and categories, as redis-server 7.0.15's. */
START_TEST(command_info_shows_fcall_and_function_as_redis)
{
    static const char *const fcall_flags[] = {"noscript", "stale", "skip_monitor",
                                              "no_mandatory_keys", "movablekeys"};
    static const char *const fcall_ro_flags[] = {"readonly", "noscript", "stale", "skip_monitor",
                                                 "no_mandatory_keys", "movablekeys"};
    static const char *const categories[] = {"@slow", "@scripting"};
    static const char *const container[] = {"@slow"};
    redisReply *r = CMD("COMMAND INFO fcall fcall_ro function");
    harness_assert_array(r, 3);
    const redisReply *fcall = r->element[0], *ro = r->element[1], *fn = r->element[2];
    ck_assert_int_eq(fcall->element[1]->integer, -3);
    ck_assert_int_eq(ro->element[1]->integer, -3);
    ck_assert_int_eq(fn->element[1]->integer, -2);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(fcall->element[2]->element[i]->str, fcall_flags[i]);
    for (size_t i = 0; i < 6; i++)
        ck_assert_str_eq(ro->element[2]->element[i]->str, fcall_ro_flags[i]);
    harness_assert_array(fcall->element[6], 2);
    for (size_t i = 0; i < 2; i++)
        ck_assert_str_eq(fcall->element[6]->element[i]->str, categories[i]);
    harness_assert_array(fn->element[6], 1);
    ck_assert_str_eq(fn->element[6]->element[0]->str, container[0]);
    harness_assert_array(fn->element[9], 9);
    freeReplyObject(r);
}
END_TEST

/* Redis has no limit on names; Grove refuses names over 255 characters
 * with an error that says so, rather than cut them. */
START_TEST(names_over_255_characters_are_refused)
{
    char name[301], code[512];
    memset(name, 'n', 300);
    name[300] = '\0';
    snprintf(code, sizeof(code), "#!lua name=%s\nredis.register_function('f', function() end)",
             name);
    EXPECT_ERR("ERR Library names longer than 255 characters are not supported",
               "FUNCTION LOAD %s", code);
    snprintf(code, sizeof(code), "#!lua name=x\nredis.register_function('%s', function() end)",
             name);
    EXPECT_ERR("ERR Error registering functions: ERR Function names longer than 255 characters "
               "are not supported",
               "FUNCTION LOAD %s", code);
}
END_TEST

/* ---- DUMP and RESTORE ------------------------------------------------------------------ */

#define LIB_A "#!lua name=liba\nredis.register_function('fa', function() return 'a' end)"
#define LIB_A2 "#!lua name=liba\nredis.register_function('fa', function() return 'a2' end)"
#define LIB_B "#!lua name=libb\nredis.register_function('fb', function() return 'b' end)"

/* FUNCTION DUMP's payload, as a string the caller frees. */
static char *dump(size_t *len)
{
    redisReply *r = CMD("FUNCTION DUMP");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    char *p = malloc(r->len);
    memcpy(p, r->str, r->len);
    *len = r->len;
    freeReplyObject(r);
    return p;
}

START_TEST(a_dump_restores_under_each_policy)
{
    EXPECT_OK("FUNCTION FLUSH");
    EXPECT_STR("liba", "FUNCTION LOAD %s", LIB_A);
    EXPECT_STR("libb", "FUNCTION LOAD %s", LIB_B);
    size_t len;
    char *p = dump(&len);
    EXPECT_OK("FUNCTION FLUSH");
    EXPECT_ERR("ERR Function not found", "FCALL fa 0");
    EXPECT_OK("FUNCTION RESTORE %b", p, len);
    EXPECT_STR("a", "FCALL fa 0");
    EXPECT_STR("b", "FCALL fb 0");
    EXPECT_ERR("ERR Library liba already exists", "FUNCTION RESTORE %b", p, len);
    EXPECT_ERR("ERR Library liba already exists", "FUNCTION RESTORE %b APPEND", p, len);
    EXPECT_STR("liba", "FUNCTION LOAD REPLACE %s", LIB_A2);
    EXPECT_OK("FUNCTION RESTORE %b REPLACE", p, len);
    EXPECT_STR("a", "FCALL fa 0");
    EXPECT_OK("FUNCTION DELETE libb");
    EXPECT_STR("libc", "FUNCTION LOAD %s",
               "#!lua name=libc\nredis.register_function('fb', function() return 'c' end)");
    EXPECT_ERR("ERR Function fb already exists", "FUNCTION RESTORE %b REPLACE", p, len);
    EXPECT_STR("a", "FCALL fa 0"); /* the failed restore changed nothing */
    EXPECT_STR("c", "FCALL fb 0");
    EXPECT_OK("FUNCTION RESTORE %b FLUSH", p, len);
    EXPECT_STR("b", "FCALL fb 0");
    EXPECT_ERR("ERR Library not found", "FUNCTION DELETE libc");
    p[0] ^= 1; /* the opcode: the checksum no longer matches */
    EXPECT_ERR("ERR DUMP payload version or checksum are wrong", "FUNCTION RESTORE %b", p, len);
    free(p);
}
END_TEST

/* FUNCTION DUMP of redis-server 7.0.15 holding the library `fromredis`:
 * its code is LZF-compressed, as Redis writes strings over 20 bytes. */
static const char redis_payload[] =
    "\xf5\xc3@\xa6@\xec\x14#!lua name=fromredis\n`\x05\x1b"
    ".register_function(\"greet\", \xe0\x00\x11\x1akeys, args) return \"hello, \xe0"
    "\x03\x06\x04 \" ..`&\x07[1] end)\xe0\x0f""c\x00{\xc0Z\x00_`\x93\x04\"coun@q\x08"
    "callback=\xc0\x1f\xe0\x0bz\x00#@\x8e@^ \xa1\x12lags={\"no-writes\"}}\n\x00\x16"
    "\xd8\xbd\xc1\xae:\x0b\xa9""";

START_TEST(a_payload_from_redis_restores)
{
    EXPECT_OK("FUNCTION FLUSH");
    EXPECT_OK("FUNCTION RESTORE %b", redis_payload, sizeof(redis_payload) - 1);
    EXPECT_STR("hello, hello, hello you", "FCALL greet 0 you");
    EXPECT_INT(2, "FCALL_RO count 2 a b");
    redisReply *r = CMD("FUNCTION LIST WITHCODE");
    harness_assert_array(r, 1);
    ck_assert_int_eq(r->element[0]->elements, 8);
    ck_assert_str_eq(r->element[0]->element[7]->str,
                     "#!lua name=fromredis\n"
                     "redis.register_function(\"greet\", function(keys, args) return \"hello, "
                     "hello, hello \" .. args[1] end)\n"
                     "redis.register_function{function_name=\"count\", callback=function(keys, "
                     "args) return #keys end, flags={\"no-writes\"}}");
    freeReplyObject(r);
}
END_TEST

/* Grove writes the code uncompressed: the payload must be exactly the
 * opcode, the RDB length, the code, the version and Redis's CRC-64. */
START_TEST(a_dump_is_in_redis_format)
{
    static const char want[] =
        "\xf5" "@M#!lua name=small\nredis.register_function(\"hello\", function() return \"hi\" "
        "end)\n\x00" "o\x03\x99qa\xe0;o"; /* recorded from redis-server 7.0.15 */
    EXPECT_OK("FUNCTION FLUSH");
    EXPECT_STR("small", "FUNCTION LOAD %s",
               "#!lua name=small\nredis.register_function(\"hello\", function() return \"hi\" end)");
    size_t len;
    char *p = dump(&len);
    ck_assert_uint_eq(len, sizeof(want) - 1);
    ck_assert(memcmp(p, want, len) == 0);
    free(p);
}
END_TEST

/* ---- running functions ----------------------------------------------------------------- */

START_TEST(fcall_queues_in_multi_and_runs_at_exec)
{
    EXPECT_OK("FUNCTION FLUSH");
    EXPECT_STR("m", "FUNCTION LOAD %s",
               "#!lua name=m\nredis.register_function('setk', function(keys, args) "
               "return redis.call('SET', keys[1], args[1]) end)");
    EXPECT_OK("MULTI");
    EXPECT_STATUS("QUEUED", "FCALL setk 1 k v");
    EXPECT_STATUS("QUEUED", "GET k");
    redisReply *r = CMD("EXEC");
    harness_assert_array(r, 2);
    ck_assert_str_eq(r->element[0]->str, "OK");
    ck_assert_str_eq(r->element[1]->str, "v");
    freeReplyObject(r);
}
END_TEST

/* On a stale replica (link down, replica-serve-stale-data no) an
 * allow-stale function runs, but its commands without the stale flag are
 * refused in Redis's words; a function without the flag gets MASTERDOWN. */
START_TEST(an_allow_stale_function_runs_only_stale_commands_on_a_stale_replica)
{
    EXPECT_OK("FUNCTION FLUSH");
    EXPECT_STR("st", "FUNCTION LOAD %s",
               "#!lua name=st\n"
               "redis.register_function{function_name='plain', callback=function() "
               "return 'hello' end, flags={'no-writes'}}\n"
               "redis.register_function{function_name='stale', callback=function() "
               "return 'hello' end, flags={'allow-stale', 'no-writes'}}\n"
               "redis.register_function{function_name='get', callback=function() "
               "return redis.call('get', 'x') end, flags={'allow-stale', 'no-writes'}}");
    EXPECT_OK("CONFIG SET replica-serve-stale-data no");
    EXPECT_OK("REPLICAOF 127.0.0.1 1");
    EXPECT_ERR("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
               "FCALL plain 0");
    EXPECT_STR("hello", "FCALL stale 0");
    EXPECT_ERR("ERR Can not execute the command on a stale replica script: get, on "
               "@user_function:4.",
               "FCALL get 0");
    EXPECT_OK("REPLICAOF NO ONE");
    EXPECT_OK("CONFIG SET replica-serve-stale-data yes");
    EXPECT_OK("FUNCTION FLUSH");
}
END_TEST

/* Functions have a Lua state of their own: flushing one kind of script
 * leaves the other. */
START_TEST(script_flush_and_function_flush_each_keep_the_other)
{
    EXPECT_OK("FUNCTION FLUSH");
    EXPECT_STR("liba", "FUNCTION LOAD %s", LIB_A);
    EXPECT_STR("e", "EVAL %s 0", "return 'e'");
    EXPECT_OK("SCRIPT FLUSH");
    EXPECT_STR("a", "FCALL fa 0");
    EXPECT_STR("e", "EVAL %s 0", "return 'e'");
    EXPECT_OK("FUNCTION FLUSH");
    static const long long cached[] = {1};
    EXPECT_INTS(cached, "SCRIPT EXISTS %s", "165e62527045ee10c25ec257af7962507f869d7d");
    EXPECT_ERR("ERR Function not found", "FCALL fa 0");
}
END_TEST

START_TEST(info_counts_libraries_functions_and_their_memory)
{
    EXPECT_OK("FUNCTION FLUSH");
    ck_assert_int_eq(harness_info_ll(harness_ctx, "memory", "number_of_functions"), 0);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "memory", "used_memory_functions"), 0);
    EXPECT_STR("two", "FUNCTION LOAD %s",
               "#!lua name=two\nredis.register_function('f1', function() return 1 end)\n"
               "redis.register_function('f2', function() return 2 end)");
    EXPECT_STR("liba", "FUNCTION LOAD %s", LIB_A);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "memory", "number_of_functions"), 3);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "memory", "number_of_libraries"), 2);
    long long vm = harness_info_ll(harness_ctx, "memory", "used_memory_vm_functions");
    long long bytes = harness_info_ll(harness_ctx, "memory", "used_memory_functions");
    ck_assert_int_gt(vm, 0);
    ck_assert_int_gt(bytes, (long long)sizeof(LIB_A)); /* at least the code it keeps */
    ck_assert_int_ge(harness_info_ll(harness_ctx, "memory", "used_memory_vm_total"), vm);
    ck_assert_int_ge(harness_info_ll(harness_ctx, "memory", "used_memory_scripts"), bytes);
    EXPECT_OK("FUNCTION DELETE two");
    ck_assert_int_eq(harness_info_ll(harness_ctx, "memory", "number_of_functions"), 1);
    ck_assert_int_lt(harness_info_ll(harness_ctx, "memory", "used_memory_functions"), bytes);
    EXPECT_OK("FUNCTION FLUSH");
    ck_assert_int_eq(harness_info_ll(harness_ctx, "memory", "number_of_libraries"), 0);
    ck_assert_int_eq(harness_info_ll(harness_ctx, "memory", "used_memory_vm_functions"), 0);
}
END_TEST

START_TEST(function_stats_count_what_debug_reload_loaded)
{
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    const char *args[] = {"--dir", d.path, "--enable-debug-command", "yes", NULL};
    harness_up(&f, args);
    harness_expect_str(harness_cmd(f.c, "FUNCTION LOAD %s",
                                   "#!lua name=two\nredis.register_function('f1', function() "
                                   "return 1 end)\nredis.register_function('f2', function() "
                                   "return 2 end)"),
                       "two");
    harness_expect_status(harness_cmd(f.c, "DEBUG RELOAD"), "OK");
    int fd = harness_raw_connect(&f.s);
    harness_raw_expect(fd, "FUNCTION STATS",
                       "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n"
                       "$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:1\r\n"
                       "$15\r\nfunctions_count\r\n:2\r\n");
    close(fd);
    ck_assert_int_eq(harness_info_ll(f.c, "memory", "number_of_libraries"), 1);
    harness_down(&f);
    harness_tmpdir_remove(&d);
}
END_TEST

/* ---- long functions ----------------------------------------------------------------------- */

#define LONG_LIB                                                                                \
    "#!lua name=long\n"                                                                        \
    "redis.register_function('spin', function() while true do end end)\n"                      \
    "redis.register_function('wspin', function() redis.call('SET', 'w', 1) "                   \
    "while true do end end)"

#define BUSY_FUNCTION                                                                          \
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
#define BUSY_EVAL                                                                              \
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."

/* Send `cmd` (with its one string argument) to server `s` on a connection
 * of its own; return it once the server answers BUSY on `probe`. */
static redisContext *busy_on(struct grove_server *s, redisContext *probe, const char *cmd,
                             const char *arg)
{
    harness_expect_status(harness_cmd(probe, "CONFIG SET busy-reply-threshold 50"), "OK");
    redisContext *c = harness_connect(s);
    ck_assert_int_eq(redisAppendCommand(c, cmd, arg), REDIS_OK);
    int done = 0;
    while (!done)
        ck_assert_int_eq(redisBufferWrite(c, &done), REDIS_OK);
    long long deadline = harness_now_ms() + HARNESS_DEADLINE_MS;
    for (;;) {
        redisReply *r = harness_cmd(probe, "PING");
        bool busy = r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSY", 4) == 0;
        freeReplyObject(r);
        if (busy)
            return c;
        ck_assert_msg(harness_now_ms() < deadline, "the server never got busy");
        usleep(5000);
    }
}

static redisContext *busy_with(const char *cmd, const char *arg)
{
    return busy_on(&harness_srv, harness_ctx, cmd, arg);
}

static void expect_reply_error(redisContext *c, const char *error)
{
    redisReply *r = NULL;
    ck_assert_int_eq(redisGetReply(c, (void **)&r), REDIS_OK);
    harness_expect_error(r, error);
}

START_TEST(a_long_function_is_shown_and_killed_from_other_loops)
{
    EXPECT_OK("FUNCTION FLUSH");
    EXPECT_STR("long", "FUNCTION LOAD %s", LONG_LIB);
    redisContext *runner = busy_with("FCALL %s 0", "spin");
    for (int i = 0; i < 4; i++) { /* connections land on both loops */
        redisContext *other = harness_connect(&harness_srv);
        harness_expect_error(harness_cmd(other, "GET k"), BUSY_FUNCTION);
        redisFree(other);
    }
    redisReply *r = CMD("FUNCTION STATS");
    harness_assert_array(r, 4);
    ck_assert_str_eq(r->element[0]->str, "running_script");
    harness_assert_array(r->element[1], 6);
    ck_assert_str_eq(r->element[1]->element[1]->str, "spin");
    static const char *const line[] = {"FCALL", "spin", "0"};
    const redisReply *command = r->element[1]->element[3];
    harness_assert_array(command, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq(command->element[i]->str, line[i]);
    ck_assert_str_eq(r->element[1]->element[4]->str, "duration_ms");
    ck_assert_int_ge(r->element[1]->element[5]->integer, 50);
    freeReplyObject(r);
    EXPECT_ERR(BUSY_FUNCTION, "SCRIPT KILL");
    EXPECT_OK("FUNCTION KILL");
    expect_reply_error(runner, "ERR Script killed by user with SCRIPT KILL... script: spin, on "
                               "@user_function:2.");
    EXPECT_ERR("NOTBUSY No scripts in execution right now.", "FUNCTION KILL");
    r = CMD("FUNCTION STATS");
    harness_assert_array(r, 4);
    ck_assert_int_eq(r->element[1]->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    redisFree(runner);
    EXPECT_OK("CONFIG SET busy-reply-threshold 5000");
}
END_TEST

/* A function that wrote and never ends: only SHUTDOWN NOSAVE stops it,
 * so it gets a server of its own. */
START_TEST(a_long_function_that_wrote_cannot_be_killed)
{
    struct harness_fixture f;
    harness_up(&f, (const char *const[]){"--threads", "2", NULL});
    harness_expect_str(harness_cmd(f.c, "FUNCTION LOAD %s", LONG_LIB), "long");
    redisContext *runner = busy_on(&f.s, f.c, "FCALL %s 0", "wspin");
    static const char unkillable[] =
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
        "can either wait the script termination or kill the server in a hard way using the "
        "SHUTDOWN NOSAVE command.";
    harness_expect_error(harness_cmd(f.c, "FUNCTION KILL"), unkillable);
    harness_expect_error(harness_cmd(f.c, "SCRIPT KILL"), unkillable);
    ck_assert_ptr_null(redisCommand(f.c, "SHUTDOWN NOSAVE")); /* no reply, as in Redis */
    harness_wait_exit(&f.s);
    redisFree(runner);
    redisFree(f.c);
}
END_TEST

START_TEST(function_kill_and_stats_refuse_a_long_eval)
{
    redisContext *runner = busy_with("EVAL %s 0", "while true do end");
    EXPECT_ERR(BUSY_EVAL, "FUNCTION KILL");
    EXPECT_ERR(BUSY_EVAL, "FUNCTION STATS");
    EXPECT_OK("SCRIPT KILL");
    expect_reply_error(runner, "ERR Script killed by user with SCRIPT KILL... script: "
                               "694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1.");
    redisFree(runner);
    EXPECT_OK("CONFIG SET busy-reply-threshold 5000");
}
END_TEST

static Suite *functions_suite(void)
{
    Suite *s = suite_create("functions");
    TCase *replies = harness_server_case("replies", NULL, NULL);
    tcase_add_test(replies, functions_answer_as_redis_in_resp2);
    tcase_add_test(replies, functions_answer_as_redis_in_resp3);
    tcase_add_test(replies, function_errors_answer_as_redis);
    tcase_add_test(replies, fcall_declares_its_keys_by_numkeys);
    tcase_add_test(replies, names_over_255_characters_are_refused);
    tcase_add_test(replies, command_info_shows_fcall_and_function_as_redis);
    tcase_add_test(replies, functions_that_do_not_write_run_over_maxmemory);
    suite_add_tcase(s, replies);
    TCase *payloads = harness_server_case("payloads", NULL, NULL);
    tcase_add_test(payloads, a_dump_restores_under_each_policy);
    tcase_add_test(payloads, a_payload_from_redis_restores);
    tcase_add_test(payloads, a_dump_is_in_redis_format);
    suite_add_tcase(s, payloads);
    TCase *uses = harness_server_case("uses", NULL, NULL);
    tcase_add_test(uses, fcall_queues_in_multi_and_runs_at_exec);
    tcase_add_test(uses, an_allow_stale_function_runs_only_stale_commands_on_a_stale_replica);
    tcase_add_test(uses, info_counts_libraries_functions_and_their_memory);
    tcase_add_test(uses, function_stats_count_what_debug_reload_loaded);
    tcase_add_test(uses, script_flush_and_function_flush_each_keep_the_other);
    suite_add_tcase(s, uses);
    TCase *busy = harness_server_case("busy", NULL, NULL);
    tcase_add_test(busy, a_long_function_is_shown_and_killed_from_other_loops);
    tcase_add_test(busy, a_long_function_that_wrote_cannot_be_killed);
    tcase_add_test(busy, function_kill_and_stats_refuse_a_long_eval);
    suite_add_tcase(s, busy);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(functions_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
