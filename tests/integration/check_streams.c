/*
 * check_streams.c - the stream commands end to end: replies and error
 * texts byte for byte as redis-server 7.0.15 gives them (recorded from it
 * with the same command lines, RESP2 and RESP3): XADD's ID forms and
 * errors (0-0, 0-1, ms-*, the largest ID, sequence overflow, IDs not
 * above the top item), XRANGE/XREVRANGE bounds, XDEL, XTRIM and XADD's
 * trimming (exact, approximate whole blocks, LIMIT, MINID), XSETID,
 * consumer groups from XGROUP CREATE to DESTROY with reads, claims, acks
 * and XINFO; then what depends on the clock (auto IDs, idle times), the
 * keyspace (TYPE, SCAN TYPE, COPY/RENAME/MOVE, expiry), keyspace events,
 * and DUMP/RESTORE both ways with redis-server.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

/* ---- recorded from redis-server 7.0.15 ------------------------------------ */

/* XADD's IDs and options, XRANGE XREVRANGE XDEL XTRIM errors. */
static const struct recorded_reply add_replies[] = {
    {"xadd s",
     "-ERR wrong number of arguments for 'xadd' command\r\n"},
    {"xadd s 1-1 f",
     "-ERR wrong number of arguments for 'xadd' command\r\n"},
    {"xadd s 0-0 f v",
     "-ERR The ID specified in XADD must be greater than 0-0\r\n"},
    {"xadd s 0 f v",
     "-ERR The ID specified in XADD must be greater than 0-0\r\n"},
    {"xadd s 1-1 f v",
     "$3\r\n1-1\r\n"},
    {"xadd s 1-1 f v",
     "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"},
    {"xadd s 1 f v",
     "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"},
    {"xadd s 1-* f v",
     "$3\r\n1-2\r\n"},
    {"xadd s 0-* f v",
     "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"},
    {"xadd s 2-* f v2 g w",
     "$3\r\n2-0\r\n"},
    {"xadd s 2-5 f v2 g w",
     "$3\r\n2-5\r\n"},
    {"xadd s abc f v",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xadd s 1-a f v",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xadd s -1 f v",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xadd s +1 f v",
     "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"},
    {"xadd s 1- f v",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xadd s 01-1 f v",
     "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"},
    {"xadd s maxlen -1 * f v",
     "-ERR The MAXLEN argument must be >= 0.\r\n"},
    {"xadd s maxlen abc * f v",
     "-ERR value is not an integer or out of range\r\n"},
    {"xadd s maxlen 1 limit 10 * f v",
     "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n"},
    {"xadd s maxlen ~ 1 limit -1 * f v",
     "-ERR The LIMIT argument must be >= 0.\r\n"},
    {"xadd s limit 10 * f v",
     "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy\r\n"},
    {"xadd s limit 0 * f v",
     "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n"},
    {"xadd s maxlen 1 minid 1 * f v",
     "-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n"},
    {"xadd s2 nomkstream * f v",
     "$-1\r\n"},
    {"exists s2",
     ":0\r\n"},
    {"xadd s minid abc * f v",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xadd s minid - * f v",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xadd s minid 5-* * f v",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xadd s MAXLEN * f v",
     "-ERR value is not an integer or out of range\r\n"},
    {"xadd s nomkstream maxlen 5 limit",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xadd s 1-18446744073709551616 f v",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xadd s 3-0 a 1 b 2 c 3",
     "$3\r\n3-0\r\n"},
    {"xlen s",
     ":5\r\n"},
    {"xrange s - +",
     "*5\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n2-5\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n3-0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
    {"xrevrange s + -",
     "*5\r\n*2\r\n$3\r\n3-0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$3\r\n2-5\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n2-0\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xrange s - + count 2",
     "*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xrevrange s + - count 2",
     "*2\r\n*2\r\n$3\r\n3-0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$3\r\n2-5\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n"},
    {"xrange s - + count 0",
     "*-1\r\n"},
    {"xrevrange s + - count 0",
     "*-1\r\n"},
    {"xrange s - + count -1",
     "*-1\r\n"},
    {"xrange nokey - + count 0",
     "*0\r\n"},
    {"xrange s (1-1 +",
     "*4\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n2-5\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n3-0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
    {"xrange s - (3-0",
     "*4\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n2-5\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n"},
    {"xrange s (- +",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xrange s ( +",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xrange s - (0-0",
     "-ERR invalid end ID for the interval\r\n"},
    {"xrange s (18446744073709551615-18446744073709551615 +",
     "-ERR invalid start ID for the interval\r\n"},
    {"xrange s 2 2",
     "*2\r\n*2\r\n$3\r\n2-0\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n2-5\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n"},
    {"xrange s - + foo",
     "-ERR syntax error\r\n"},
    {"xrange s - + count",
     "-ERR syntax error\r\n"},
    {"xrange s x +",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xrevrange s (3-0 -",
     "*4\r\n*2\r\n$3\r\n2-5\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n2-0\r\n*4\r\n$1\r\nf\r\n$2\r\nv2\r\n$1\r\ng\r\n$1\r\nw\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xdel s 1-2 9-9",
     ":1\r\n"},
    {"xdel s abc",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xdel nokey abc",
     ":0\r\n"},
    {"xdel s 1-1 2-0 2-5 3-0",
     ":4\r\n"},
    {"xlen s",
     ":0\r\n"},
    {"xrange s - +",
     "*0\r\n"},
    {"xinfo stream s",
     "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n3-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n3-0\r\n$13\r\nentries-added\r\n:5\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"},
    {"xadd s 18446744073709551615-18446744073709551615 f v",
     "$41\r\n18446744073709551615-18446744073709551615\r\n"},
    {"xadd s * f v",
     "-ERR The stream has exhausted the last possible ID, unable to add more items\r\n"},
    {"xadd s 18446744073709551615-* f v",
     "-ERR The stream has exhausted the last possible ID, unable to add more items\r\n"},
    {"del s",
     ":1\r\n"},
    {"xadd s 5-18446744073709551615 f v",
     "$22\r\n5-18446744073709551615\r\n"},
    {"xadd s 5-* f v",
     "-ERR Elements are too large to be stored\r\n"},
    {"xadd s 6-* f v",
     "$3\r\n6-0\r\n"},
    {"type s",
     "+stream\r\n"},
    {"object encoding s",
     "$6\r\nstream\r\n"},
    {"set str x",
     "+OK\r\n"},
    {"xadd str * f v",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    {"xlen str",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    {"xrange str - +",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    {"xtrim s",
     "-ERR wrong number of arguments for 'xtrim' command\r\n"},
    {"xtrim s maxlen",
     "-ERR wrong number of arguments for 'xtrim' command\r\n"},
    {"xtrim s foo 1",
     "-ERR syntax error\r\n"},
    {"xtrim s maxlen 1 limit 1",
     "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n"},
    {"xtrim s maxlen 1 extra",
     "-ERR syntax error\r\n"},
    {"xtrim s2 maxlen 1",
     ":0\r\n"},
    {"xtrim s maxlen 0",
     ":2\r\n"},
    {"xlen s",
     ":0\r\n"},
    {"xinfo stream s",
     "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n6-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:2\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"},
};

/* Consumer groups: XGROUP, XREADGROUP (new and history), XREAD, XPENDING
 * summaries, XACK, XINFO GROUPS and STREAM, XSETID. */
static const struct recorded_reply groups_replies[] = {
    {"xadd s 1-0 f v",
     "$3\r\n1-0\r\n"},
    {"xadd s 2-0 f v",
     "$3\r\n2-0\r\n"},
    {"xadd s 3-0 f v",
     "$3\r\n3-0\r\n"},
    {"xgroup help",
     "*17\r\n+XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CREATE <key> <groupname> <id|$> [option]\r\n+    Create a new consumer group. Options are:\r\n+    * MKSTREAM\r\n+      Create the empty stream if it does not exist.\r\n+    * ENTRIESREAD entries_read\r\n+      Set the group's entries_read counter (internal use).\r\n+CREATECONSUMER <key> <groupname> <consumer>\r\n+    Create a new consumer in the specified group.\r\n+DELCONSUMER <key> <groupname> <consumer>\r\n+    Remove the specified consumer.\r\n+DESTROY <key> <groupname>\r\n+    Remove the specified group.\r\n+SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]\r\n+    Set the current group ID and entries_read counter.\r\n+HELP\r\n+    Prints this help.\r\n"},
    {"xinfo help",
     "*9\r\n+XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CONSUMERS <key> <groupname>\r\n+    Show consumers of <groupname>.\r\n+GROUPS <key>\r\n+    Show the stream consumer groups.\r\n+STREAM <key> [FULL [COUNT <count>]\r\n+    Show information about the stream.\r\n+HELP\r\n+    Prints this help.\r\n"},
    {"xgroup foo",
     "-ERR unknown subcommand 'foo'. Try XGROUP HELP.\r\n"},
    {"xgroup create s",
     "-ERR wrong number of arguments for 'xgroup|create' command\r\n"},
    {"xgroup create s g",
     "-ERR wrong number of arguments for 'xgroup|create' command\r\n"},
    {"xgroup create s g $ foo",
     "-ERR unknown subcommand or wrong number of arguments for 'create'. Try XGROUP HELP.\r\n"},
    {"xgroup create nokey g $",
     "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n"},
    {"xgroup create nokey g $ entriesread -5",
     "-ERR value for ENTRIESREAD must be positive or -1\r\n"},
    {"xgroup create nokey g $ entriesread -1 mkstream",
     "+OK\r\n"},
    {"type nokey",
     "+stream\r\n"},
    {"xlen nokey",
     ":0\r\n"},
    {"xgroup setid s nog 0",
     "-NOGROUP No such consumer group 'nog' for key name 's'\r\n"},
    {"xgroup createconsumer s nog c",
     "-NOGROUP No such consumer group 'nog' for key name 's'\r\n"},
    {"xgroup destroy s nog",
     ":0\r\n"},
    {"xgroup create s g -",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xgroup create s g 0",
     "+OK\r\n"},
    {"xgroup create s g 0",
     "-BUSYGROUP Consumer Group name already exists\r\n"},
    {"xgroup create s g2 $",
     "+OK\r\n"},
    {"xgroup create s g3 1-0 entriesread 1",
     "+OK\r\n"},
    {"xgroup delconsumer s g nobody",
     ":0\r\n"},
    {"xgroup setid s g2 0 entriesread 3",
     "+OK\r\n"},
    {"xgroup setid s g2 0 foo 3",
     "-ERR unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP.\r\n"},
    {"xgroup setid s g2 -",
     "+OK\r\n"},
    {"xgroup setid s g2 $",
     "+OK\r\n"},
    {"xgroup createconsumer s g alice",
     ":1\r\n"},
    {"xgroup createconsumer s g alice",
     ":0\r\n"},
    {"xinfo groups s",
     "*3\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:3\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng3\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:2\r\n"},
    {"xreadgroup group g bob streams s >",
     "*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xreadgroup group g bob count 1 streams s >",
     "*-1\r\n"},
    {"xreadgroup group g bob streams s >",
     "*-1\r\n"},
    {"xreadgroup group g bob streams s 0",
     "*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xreadgroup group g bob count 1 streams s 0",
     "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xreadgroup group g bob streams s 1-0",
     "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xreadgroup group g bob noack streams s >",
     "*-1\r\n"},
    {"xreadgroup group g bob streams s $",
     "-ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.\r\n"},
    {"xreadgroup group g bob streams s",
     "-ERR wrong number of arguments for 'xreadgroup' command\r\n"},
    {"xreadgroup group nog bob streams s >",
     "-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option\r\n"},
    {"xreadgroup group g bob streams nokey >",
     "*-1\r\n"},
    {"xreadgroup streams s >",
     "-ERR wrong number of arguments for 'xreadgroup' command\r\n"},
    {"xread group g bob streams s >",
     "-ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.\r\n"},
    {"xread noack streams s 0",
     "-ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.\r\n"},
    {"xread streams s >",
     "-ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.\r\n"},
    {"xread streams s 0",
     "*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xread count 1 streams s 0",
     "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xread streams s 1-0 nokey 0",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xread streams s $",
     "*-1\r\n"},
    {"xread streams s",
     "-ERR wrong number of arguments for 'xread' command\r\n"},
    {"xread count -5 streams s 2",
     "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xread count abc streams s 2",
     "-ERR value is not an integer or out of range\r\n"},
    {"xread block abc streams s 2",
     "-ERR timeout is not an integer or out of range\r\n"},
    {"xread block -1 streams s 2",
     "-ERR timeout is negative\r\n"},
    {"xread foo streams s 0",
     "-ERR syntax error\r\n"},
    {"xread streams s 99 nokey 0",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xpending s g",
     "*4\r\n:3\r\n$3\r\n1-0\r\n$3\r\n3-0\r\n*1\r\n*2\r\n$3\r\nbob\r\n$1\r\n3\r\n"},
    {"xpending s g idle 5 - +",
     "-ERR syntax error\r\n"},
    {"xpending s g - + abc",
     "-ERR value is not an integer or out of range\r\n"},
    {"xpending s g - +",
     "-ERR syntax error\r\n"},
    {"xpending s nog",
     "-NOGROUP No such key 's' or consumer group 'nog'\r\n"},
    {"xpending nokey g",
     "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"},
    {"xinfo consumers s nog",
     "-NOGROUP No such consumer group 'nog' for key name 's'\r\n"},
    {"xinfo consumers nokey g",
     "*0\r\n"},
    {"xinfo groups nokey",
     "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n"},
    {"xinfo stream nokey",
     "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n0-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:0\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:1\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"},
    {"xinfo stream s foo",
     "-ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP.\r\n"},
    {"xinfo stream s full count",
     "-ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP.\r\n"},
    {"xinfo stream s full count abc",
     "-ERR value is not an integer or out of range\r\n"},
    {"xinfo foo s",
     "-ERR unknown subcommand 'foo'. Try XINFO HELP.\r\n"},
    {"xack s g 1-0 9-9",
     ":1\r\n"},
    {"xack s g abc",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xack s nog 1-0",
     ":0\r\n"},
    {"xack nokey g 1-0",
     ":0\r\n"},
    {"xack nokey g abc",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xpending s g",
     "*4\r\n:2\r\n$3\r\n2-0\r\n$3\r\n3-0\r\n*1\r\n*2\r\n$3\r\nbob\r\n$1\r\n2\r\n"},
    {"xdel s 2-0",
     ":1\r\n"},
    {"xreadgroup group g bob streams s 0",
     "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n2-0\r\n*-1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xinfo groups s",
     "*3\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:2\r\n$7\r\npending\r\n:2\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-0\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng3\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n$-1\r\n"},
    {"xinfo stream s",
     "*20\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n3-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n2-0\r\n$13\r\nentries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$6\r\ngroups\r\n:3\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xgroup delconsumer s g bob",
     ":2\r\n"},
    {"xpending s g",
     "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"},
    {"xgroup destroy s g",
     ":1\r\n"},
    {"xinfo groups s",
     "*2\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng3\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n$-1\r\n"},
    {"xtrim s maxlen 0",
     ":2\r\n"},
    {"xinfo groups s",
     "*2\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng3\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:2\r\n"},
    {"xinfo stream s",
     "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n3-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n2-0\r\n$13\r\nentries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:2\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"},
    {"xsetid s 1-0",
     "+OK\r\n"},
    {"xsetid s 3-0",
     "+OK\r\n"},
    {"xsetid s 5-0 entriesadded 1",
     "+OK\r\n"},
    {"xsetid s 5-0 entriesadded -1",
     "-ERR entries_added must be positive\r\n"},
    {"xsetid s 5-0 maxdeletedid 6-0",
     "-ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id\r\n"},
    {"xsetid s 5-0 maxdeletedid 4-0 entriesadded 10",
     "+OK\r\n"},
    {"xsetid s 5-0 foo",
     "-ERR syntax error\r\n"},
    {"xsetid nokey 5-0",
     "+OK\r\n"},
    {"xsetid s abc",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xinfo stream s",
     "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n5-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n4-0\r\n$13\r\nentries-added\r\n:10\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:2\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"},
    {"xinfo groups s",
     "*2\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng3\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:9\r\n"},
    {"xadd s 6-0 f v",
     "$3\r\n6-0\r\n"},
    {"xinfo groups s",
     "*2\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:1\r\n*12\r\n$4\r\nname\r\n$2\r\ng3\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:10\r\n"},
};

/* XCLAIM and XAUTOCLAIM with every option, deleted entries in a PEL. */
static const struct recorded_reply claims_replies[] = {
    {"xadd s 1-0 f v",
     "$3\r\n1-0\r\n"},
    {"xadd s 2-0 f v",
     "$3\r\n2-0\r\n"},
    {"xadd s 3-0 f v",
     "$3\r\n3-0\r\n"},
    {"xadd s 4-0 f v",
     "$3\r\n4-0\r\n"},
    {"xgroup create s g 0",
     "+OK\r\n"},
    {"xreadgroup group g alice streams s >",
     "*1\r\n*2\r\n$1\r\ns\r\n*4\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xclaim s g bob 0 1-0",
     "*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xclaim s g bob 0 1-0 justid",
     "*1\r\n$3\r\n1-0\r\n"},
    {"xclaim s g bob 0 1-0 2-0 retrycount 7",
     "*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xclaim s g bob 0 9-0 force",
     "*0\r\n"},
    {"xclaim s g bob 0 9-0 foo",
     "-ERR Unrecognized XCLAIM option 'foo'\r\n"},
    {"xclaim s g bob abc 1-0",
     "-ERR Invalid min-idle-time argument for XCLAIM\r\n"},
    {"xclaim s g bob 0 1-0 idle abc",
     "-ERR Invalid IDLE option argument for XCLAIM\r\n"},
    {"xclaim s g bob 0 1-0 time abc",
     "-ERR Invalid TIME option argument for XCLAIM\r\n"},
    {"xclaim s g bob 0 1-0 retrycount abc",
     "-ERR Invalid RETRYCOUNT option argument for XCLAIM\r\n"},
    {"xclaim s g bob 0 1-0 lastid abc",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xclaim s g bob 0 1-0 lastid 10-0",
     "*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xclaim s nog bob 0 1-0",
     "-NOGROUP No such key 's' or consumer group 'nog'\r\n"},
    {"xclaim nokey g bob 0 1-0",
     "-NOGROUP No such key 'nokey' or consumer group 'g'\r\n"},
    {"xclaim s g bob 100000 3-0",
     "*0\r\n"},
    {"xclaim s g bob -5 3-0 justid",
     "*1\r\n$3\r\n3-0\r\n"},
    {"xdel s 4-0",
     ":1\r\n"},
    {"xclaim s g carol 0 4-0",
     "*0\r\n"},
    {"xadd s 5-0 f v",
     "$3\r\n5-0\r\n"},
    {"xclaim s g carol 0 5-0 force justid",
     "*1\r\n$3\r\n5-0\r\n"},
    {"xautoclaim s g dave 0 0",
     "*3\r\n$3\r\n0-0\r\n*4\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*0\r\n"},
    {"xautoclaim s g dave 0 0 count 1",
     "*3\r\n$3\r\n2-0\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*0\r\n"},
    {"xautoclaim s g dave 0 2-0 count 1 justid",
     "*3\r\n$3\r\n3-0\r\n*1\r\n$3\r\n2-0\r\n*0\r\n"},
    {"xautoclaim s g dave 0 0 count 0",
     "-ERR COUNT must be > 0\r\n"},
    {"xautoclaim s g dave 0 0 count abc",
     "-ERR COUNT must be > 0\r\n"},
    {"xautoclaim s g dave abc 0",
     "-ERR Invalid min-idle-time argument for XAUTOCLAIM\r\n"},
    {"xautoclaim s g dave 0 abc",
     "-ERR Invalid stream ID specified as stream command argument\r\n"},
    {"xautoclaim s g dave 0 0 foo",
     "-ERR syntax error\r\n"},
    {"xautoclaim s g dave 0 (18446744073709551615-18446744073709551615",
     "-ERR invalid start ID for the interval\r\n"},
    {"xautoclaim s nog dave 0 0",
     "-NOGROUP No such key 's' or consumer group 'nog'\r\n"},
    {"xautoclaim nokey g dave 0 0",
     "-NOGROUP No such key 'nokey' or consumer group 'g'\r\n"},
    {"xdel s 1-0 3-0",
     ":2\r\n"},
    {"xautoclaim s g erin 0 0 count 2",
     "*3\r\n$3\r\n3-0\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*1\r\n$3\r\n1-0\r\n"},
    {"xautoclaim s g erin 0 0",
     "*3\r\n$3\r\n0-0\r\n*2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*1\r\n$3\r\n3-0\r\n"},
    {"xgroup setid s g 0 entriesread 0",
     "+OK\r\n"},
    {"xreadgroup group g z streams s >",
     "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
};

/* After XADD t i-0 f v for i = 1..1000: trimming whole blocks of 100
 * with ~ (and LIMIT), exactly, by MINID. */
static const struct recorded_reply trim_replies[] = {
    {"xtrim t maxlen ~ 950",
     ":0\r\n"},
    {"xtrim t maxlen ~ 850",
     ":100\r\n"},
    {"xlen t",
     ":900\r\n"},
    {"xtrim t maxlen ~ 850 limit 50",
     ":0\r\n"},
    {"xtrim t maxlen ~ 850 limit 100",
     ":0\r\n"},
    {"xtrim t maxlen ~ 0 limit 150",
     ":100\r\n"},
    {"xtrim t maxlen 777",
     ":23\r\n"},
    {"xrange t - + count 2",
     "*2\r\n*2\r\n$5\r\n224-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$5\r\n225-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xtrim t minid ~ 500",
     ":177\r\n"},
    {"xtrim t minid 450",
     ":49\r\n"},
    {"xtrim t minid 501",
     ":51\r\n"},
    {"xrange t - + count 1",
     "*1\r\n*2\r\n$5\r\n501-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xadd t maxlen 10 1001-0 f v",
     "$6\r\n1001-0\r\n"},
    {"xlen t",
     ":10\r\n"},
    {"xrange t - + count 1",
     "*1\r\n*2\r\n$5\r\n992-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xadd t minid ~ 995 1002-0 f v",
     "$6\r\n1002-0\r\n"},
    {"xtrim t maxlen = 0",
     ":11\r\n"},
};

/* After XADD u i-0 f v for i = 1..300: trimming around deleted entries. */
static const struct recorded_reply trim_after_deletes_replies[] = {
    {"xdel u 150-0 151-0 1-0",
     ":3\r\n"},
    {"xtrim u maxlen ~ 250",
     ":0\r\n"},
    {"xtrim u minid 160",
     ":156\r\n"},
    {"xdel u 300-0",
     ":1\r\n"},
    {"xtrim u maxlen 0",
     ":140\r\n"},
    {"xadd u 5-0 f v",
     "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"},
    {"xinfo stream u",
     "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$5\r\n300-0\r\n$20\r\nmax-deleted-entry-id\r\n$5\r\n300-0\r\n$13\r\nentries-added\r\n:300\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"},
};

/* The keyspace: TYPE, OBJECT ENCODING, SCAN TYPE, WRONGTYPE, COPY with
 * its groups, RENAME, MOVE, expiry, an emptied stream that stays. */
static const struct recorded_reply keys_replies[] = {
    {"xadd k 1-0 a 1 b 2",
     "$3\r\n1-0\r\n"},
    {"xgroup create k g 0",
     "+OK\r\n"},
    {"xreadgroup group g c count 1 streams k >",
     "*1\r\n*2\r\n$1\r\nk\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"},
    {"type k",
     "+stream\r\n"},
    {"object encoding k",
     "$6\r\nstream\r\n"},
    {"scan 0 type stream",
     "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n"},
    {"lpush k x",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    {"get k",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    {"hset k f v",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    {"copy k k2",
     ":1\r\n"},
    {"xinfo groups k2",
     "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:0\r\n"},
    {"xpending k2 g",
     "*4\r\n:1\r\n$3\r\n1-0\r\n$3\r\n1-0\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n"},
    {"xadd k2 2-0 a 1",
     "$3\r\n2-0\r\n"},
    {"xlen k",
     ":1\r\n"},
    {"xlen k2",
     ":2\r\n"},
    {"rename k2 k3",
     "+OK\r\n"},
    {"xrange k3 - +",
     "*2\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
    {"exists k2",
     ":0\r\n"},
    {"move k3 1",
     ":1\r\n"},
    {"exists k3",
     ":0\r\n"},
    {"select 1",
     "+OK\r\n"},
    {"xlen k3",
     ":2\r\n"},
    {"xinfo groups k3",
     "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:1\r\n"},
    {"flushdb",
     "+OK\r\n"},
    {"select 0",
     "+OK\r\n"},
    {"pexpire k 100000",
     ":1\r\n"},
    {"ttl k",
     ":100\r\n"},
    {"persist k",
     ":1\r\n"},
    {"del k",
     ":1\r\n"},
    {"exists k",
     ":0\r\n"},
    {"xadd k 1-0 f v",
     "$3\r\n1-0\r\n"},
    {"xgroup create k g 0",
     "+OK\r\n"},
    {"xtrim k maxlen 0",
     ":1\r\n"},
    {"exists k",
     ":1\r\n"},
    {"xinfo stream k",
     "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n1-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:1\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:1\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"},
    {"xdel k 1-0",
     ":0\r\n"},
    {"xgroup create e g $ mkstream",
     "+OK\r\n"},
    {"xlen e",
     ":0\r\n"},
    {"type e",
     "+stream\r\n"},
};

/* RESP3 shapes: XREAD and XREADGROUP as maps, XINFO maps, nulls. */
static const struct recorded_reply resp3_replies[] = {
    {"xadd r 1-0 a 1",
     "$3\r\n1-0\r\n"},
    {"xadd r 2-0 b 2",
     "$3\r\n2-0\r\n"},
    {"xadd r2 1-0 c 3",
     "$3\r\n1-0\r\n"},
    {"xread streams r r2 0 0",
     "%2\r\n$1\r\nr\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nr2\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
    {"xread count 1 streams r 0",
     "%1\r\n$1\r\nr\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
    {"xread streams r 5",
     "_\r\n"},
    {"xrange r - +",
     "*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
    {"xgroup create r g 0",
     "+OK\r\n"},
    {"xreadgroup group g c streams r >",
     "%1\r\n$1\r\nr\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
    {"xreadgroup group g c streams r 0",
     "%1\r\n$1\r\nr\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
    {"xinfo stream r",
     "%10\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n2-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:2\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$6\r\ngroups\r\n:1\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
    {"xinfo groups r",
     "*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:2\r\n$17\r\nlast-delivered-id\r\n$3\r\n2-0\r\n$12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n:0\r\n"},
    {"xpending r g",
     "*4\r\n:2\r\n$3\r\n1-0\r\n$3\r\n2-0\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n2\r\n"},
    {"xautoclaim r g d 0 0 justid",
     "*3\r\n$3\r\n0-0\r\n*2\r\n$3\r\n1-0\r\n$3\r\n2-0\r\n*0\r\n"},
    {"xclaim r g d 0 1-0 justid",
     "*1\r\n$3\r\n1-0\r\n"},
    {"xdel r 1-0",
     ":1\r\n"},
    {"xreadgroup group g d streams r 0",
     "%1\r\n$1\r\nr\r\n*2\r\n*2\r\n$3\r\n1-0\r\n_\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
    {"xautoclaim r g e 0 0",
     "*3\r\n$3\r\n0-0\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*1\r\n$3\r\n1-0\r\n"},
    {"xinfo stream nokey",
     "-ERR no such key\r\n"},
};

/* A stream DUMPed by redis-server 7.0.15: entries with and without the
 * master fields, one deleted, a large integer value, two groups (one with
 * ENTRIESREAD 7), a PEL claimed with TIME and RETRYCOUNT. */
static const unsigned char redis_stream_dump[] =
    "\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x40\x5a\x5a\x00\x00\x00\x1f\x00\x03\x01\x01\x01\x02"
    "\x01\x81\x66\x02\x81\x6e\x02\x00\x01\x02\x01\x00\x01\x00\x01\x81"
    "\x76\x02\x01\x01\x05\x01\x03\x01\x01\x01\x00\x01\x81\x77\x02\x02"
    "\x01\x05\x01\x00\x01\x02\x01\x05\x01\x01\x01\x85\x6f\x74\x68\x65"
    "\x72\x06\x81\x78\x02\x06\x01\x02\x01\x03\x01\x00\x01\x83\x62\x69"
    "\x67\x04\xf4\xf2\x2f\xce\x73\x3a\x0b\x00\x00\x09\x05\x01\xff\x03"
    "\x04\x00\x01\x00\x02\x00\x04\x02\x01\x67\x03\x05\x81\xff\xff\xff"
    "\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x01\x68\xe5\xcf\x8b\x01\x00\x00\x02\x00"
    "\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x05\x00"
    "\x68\xe5\xcf\x8b\x01\x00\x00\x04\x02\x05\x61\x6c\x69\x63\x65\xce"
    "\x5f\x94\x49\xa2\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x03\x62\x6f\x62\xce\x5f\x94\x49"
    "\xa2\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00"
    "\x00\x00\x00\x00\x05\x01\x68\x04\x00\x07\x00\x00\x0a\x00\x2a\x57"
    "\x07\xec\x10\x13\x4d\xa4"
;

/* What redis-server answers about it once restored at key q. */
static const struct recorded_reply restored_replies[] = {
    {"xinfo stream q full",
     "*18\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n4-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n2-0\r\n$13\r\nentries-added\r\n:4\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$7\r\nentries\r\n*3\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n$1\r\n1\r\n*2\r\n$3\r\n3-5\r\n*2\r\n$5\r\nother\r\n$1\r\nx\r\n*2\r\n$3\r\n4-0\r\n*4\r\n$1\r\nf\r\n$3\r\nbig\r\n$1\r\nn\r\n$14\r\n12345678901234\r\n$6\r\ngroups\r\n*2\r\n*14\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-5\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n$-1\r\n$9\r\npel-count\r\n:2\r\n$7\r\npending\r\n*2\r\n*4\r\n$3\r\n1-0\r\n$5\r\nalice\r\n:1700000000001\r\n:2\r\n*4\r\n$3\r\n3-5\r\n$3\r\nbob\r\n:1700000000000\r\n:4\r\n$9\r\nconsumers\r\n*2\r\n*8\r\n$4\r\nname\r\n$5\r\nalice\r\n$9\r\nseen-time\r\n:1796530790350\r\n$9\r\npel-count\r\n:1\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n1-0\r\n:1700000000001\r\n:2\r\n*8\r\n$4\r\nname\r\n$3\r\nbob\r\n$9\r\nseen-time\r\n:1796530790350\r\n$9\r\npel-count\r\n:1\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n3-5\r\n:1700000000000\r\n:4\r\n*14\r\n$4\r\nname\r\n$1\r\nh\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n:7\r\n$3\r\nlag\r\n:-3\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n$9\r\nconsumers\r\n*0\r\n"},
    {"xinfo groups q",
     "*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:2\r\n$7\r\npending\r\n:2\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-5\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n$-1\r\n*12\r\n$4\r\nname\r\n$1\r\nh\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n:7\r\n$3\r\nlag\r\n:-3\r\n"},
    {"xrange q - +",
     "*3\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n$1\r\n1\r\n*2\r\n$3\r\n3-5\r\n*2\r\n$5\r\nother\r\n$1\r\nx\r\n*2\r\n$3\r\n4-0\r\n*4\r\n$1\r\nf\r\n$3\r\nbig\r\n$1\r\nn\r\n$14\r\n12345678901234\r\n"},
    {"xinfo stream q",
     "*20\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n4-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n2-0\r\n$13\r\nentries-added\r\n:4\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$6\r\ngroups\r\n:2\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n4-0\r\n*4\r\n$1\r\nf\r\n$3\r\nbig\r\n$1\r\nn\r\n$14\r\n12345678901234\r\n"},
};

/* Nodes by stream-node-max-entries, after XADD ne i-0 f v for i = 1..100
 * at 10: `~` trims whole nodes within LIMIT (100 x the setting, 10000 at
 * 0), new settings apply to new nodes only, an exact MINID trim can leave
 * a node of deleted entries (nz), which still counts. */
static const struct recorded_reply node_entries_replies[] = {
    {"xadd ne maxlen ~ 55 limit 30 101-0 f v",
     "$5\r\n101-0\r\n"},
    {"xlen ne",
     ":71\r\n"},
    {"xadd ne maxlen ~ 55 limit 30 102-0 f v",
     "$5\r\n102-0\r\n"},
    {"xlen ne",
     ":62\r\n"},
    {"xinfo stream ne",
     "*20\r\n$6\r\nlength\r\n:62\r\n$15\r\nradix-tree-keys\r\n:7\r\n$16\r\nradix-tree-nodes\r\n:16\r\n$17\r\nlast-generated-id\r\n$5\r\n102-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:102\r\n$23\r\nrecorded-first-entry-id\r\n$4\r\n41-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$4\r\n41-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n$5\r\n102-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"config set stream-node-max-entries 1",
     "+OK\r\n"},
    {"xadd ne 103-0 f v",
     "$5\r\n103-0\r\n"},
    {"xadd ne 104-0 f v",
     "$5\r\n104-0\r\n"},
    {"xinfo stream ne",
     "*20\r\n$6\r\nlength\r\n:64\r\n$15\r\nradix-tree-keys\r\n:9\r\n$16\r\nradix-tree-nodes\r\n:20\r\n$17\r\nlast-generated-id\r\n$5\r\n104-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:104\r\n$23\r\nrecorded-first-entry-id\r\n$4\r\n41-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$4\r\n41-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n$5\r\n104-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xtrim ne maxlen ~ 0 limit 20",
     ":20\r\n"},
    {"xtrim ne maxlen ~ 0",
     ":44\r\n"},
    {"xlen ne",
     ":0\r\n"},
    {"config set stream-node-max-entries 0",
     "+OK\r\n"},
    {"xtrim ne maxlen ~ 0",
     ":0\r\n"},
    {"xlen ne",
     ":0\r\n"},
    {"config set stream-node-max-entries 5",
     "+OK\r\n"},
    {"xadd nz 1-1 f v",
     "$3\r\n1-1\r\n"},
    {"xadd nz 2-1 f v",
     "$3\r\n2-1\r\n"},
    {"xadd nz 3-1 f v",
     "$3\r\n3-1\r\n"},
    {"xadd nz 4-1 f v",
     "$3\r\n4-1\r\n"},
    {"xadd nz 5-1 f v",
     "$3\r\n5-1\r\n"},
    {"xadd nz 6-1 f v",
     "$3\r\n6-1\r\n"},
    {"xtrim nz minid 3-1",
     ":2\r\n"},
    {"xdel nz 5-1",
     ":1\r\n"},
    {"xtrim nz minid = 5-1",
     ":2\r\n"},
    {"xinfo stream nz",
     "*20\r\n$6\r\nlength\r\n:1\r\n$15\r\nradix-tree-keys\r\n:2\r\n$16\r\nradix-tree-nodes\r\n:6\r\n$17\r\nlast-generated-id\r\n$3\r\n6-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n5-1\r\n$13\r\nentries-added\r\n:6\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n6-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xadd nz 7-1 f v",
     "$3\r\n7-1\r\n"},
    {"xrange nz - +",
     "*2\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n7-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"xtrim nz maxlen ~ 1",
     ":0\r\n"},
    {"xinfo stream nz",
     "*20\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n7-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n5-1\r\n$13\r\nentries-added\r\n:7\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n6-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n7-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"config set stream-node-max-entries 100",
     "+OK\r\n"},
};

/* Nodes by stream-node-max-bytes (100, entries unlimited): Redis's
 * listpack bytes decide, integers and integer-like values included, and
 * DUMP writes the nodes as they are. */
static const struct recorded_reply node_bytes_replies[] = {
    {"xadd nb 1-0 f v",
     "$3\r\n1-0\r\n"},
    {"xadd nb 2-0 f 12345678901",
     "$3\r\n2-0\r\n"},
    {"xadd nb 3-0 field -4096 other 0",
     "$3\r\n3-0\r\n"},
    {"xadd nb 4-0 f v",
     "$3\r\n4-0\r\n"},
    {"xadd nb 5-0 f v",
     "$3\r\n5-0\r\n"},
    {"xadd nb 6-0 f 127",
     "$3\r\n6-0\r\n"},
    {"xadd nb 7-0 f 128",
     "$3\r\n7-0\r\n"},
    {"xadd nb 8-0 f vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv",
     "$3\r\n8-0\r\n"},
    {"xadd nb 9-0 f v",
     "$3\r\n9-0\r\n"},
    {"xadd nb 10-0 f v",
     "$4\r\n10-0\r\n"},
    {"xadd nb 11-0 f 007",
     "$4\r\n11-0\r\n"},
    {"xadd nb 12-0 f 1.5",
     "$4\r\n12-0\r\n"},
    {"xadd nb 13-0 f v",
     "$4\r\n13-0\r\n"},
    {"xinfo stream nb",
     "*20\r\n$6\r\nlength\r\n:13\r\n$15\r\nradix-tree-keys\r\n:4\r\n$16\r\nradix-tree-nodes\r\n:10\r\n$17\r\nlast-generated-id\r\n$4\r\n13-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:13\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n$4\r\n13-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
};

/* After the DUMP: `~` keeps whole nodes, and 0 lifts the byte limit. */
static const struct recorded_reply node_bytes_after_dump_replies[] = {
    {"xtrim nb maxlen ~ 5",
     ":8\r\n"},
    {"xinfo stream nb",
     "*20\r\n$6\r\nlength\r\n:5\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$4\r\n13-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:13\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n9-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n9-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n$4\r\n13-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"config set stream-node-max-bytes 0",
     "+OK\r\n"},
    {"xadd nb 14-0 f v",
     "$4\r\n14-0\r\n"},
    {"xinfo stream nb",
     "*20\r\n$6\r\nlength\r\n:6\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$4\r\n14-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:14\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n9-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n9-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n$4\r\n14-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
    {"config set stream-node-max-entries 100",
     "+OK\r\n"},
    {"config set stream-node-max-bytes 4096",
     "+OK\r\n"},
};

/* DUMP nb at the end of node_bytes_replies, from redis-server 7.0.15:
 * four nodes of 100 bytes at most, LZF-compressed as Redis does. */
static const char redis_node_bytes_dump[] =
    "\x13\x04\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\xc3@"
    "X@b\x11""b\x00\x00\x00\"\x00\x05\x01\x00\x01\x01\x01\x81""f\x02\x00\x01\x02 \n\x05"
    "\x00\x01\x81v\x02\x04 \n\x00\x01 \n\x05\xf4""5\x1c\xdc\xdf\x02 &\x01\x09\x04 \r@\x1e"
    "\x15\x02\x01\x85""field\x06\xd0\x00\x02\x85other\x06\x00\x01\x08 \x16\x00\x03  \xa0""9"
    "@+@\n\x01\x01\xff\x10\x00\x00\x00\x00\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00"
    "\x00''\x00\x00\x00\x0f\x00\x02\x01\x00\x01\x01\x01\x81""f\x02\x00\x01\x02\x01\x00"
    "\x01\x00\x01\x7f\x01\x04\x01\x02\x01\x01\x01\x00\x01\xc0\x80\x02\x04\x01\xff\x10\x00"
    "\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\xc3#@\x87\x07\x87\x00"
    "\x00\x00\n\x00\x01\x01 \x02\x06\x01\x81""f\x02\x00\x01\x02 \n\x04\x00\x01\xe0jv\xe0"
    "`\x00\x03l\x04\x01\xff\x10\x00\x00\x00\x00\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00"
    "\x00\x00\xc3@A@M\x11M\x00\x00\x00\x1e\x00\x05\x01\x00\x01\x01\x01\x81""f\x02\x00\x01"
    "\x02 \n\x05\x00\x01\x81v\x02\x04 \n\x00\x01\xe0\x01\n@\x17\x04\x83""007\x04@\x17\x00"
    "\x03 \x17\x03\x83""1.5`\x0c\x00\x04 \x0c@/\x01\x01\xff\r\r\x00\x01\x00\x00\x00\r\x00"
    "\n\x00\xbb\x02\xc3y\xbe\xef\xeb\xf3";

/* A stream as Redis 6.2 dumped it (RDB type 15: no entries-added, no
 * entries-read), from stream-cgroups.tcl. */
static const char redis_v1_stream_dump[] =
    "\x0f\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\xc3@"
    "J@W\x16W\x00\x00\x00#\x00\x02\x01\x04\x01\x01\x01\x84""data\x05\x00\x01\x03\x01\x00"
    " \x01\x03\x81""a\x02\x04 \n\x00\x01@\n\x00""b`\n\x00\x02@\n\x00""c`\n@\"\x01\x81""d"
    " \n@9 \n\x00""e`\n\x00\x05@\n\x00""f \n\x00\xff\x02\x06\x00\x02\x02g1\x05\x00\x04"
    "\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00>\xf7\x83""Cz\x01"
    "\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00>\xf7"
    "\x83""Cz\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00"
    "\x00>\xf7\x83""Cz\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00"
    "\x00\x00\x00\x00>\xf7\x83""Cz\x01\x00\x00\x01\x01\x03""c11>\xf7\x83""Cz\x01\x00\x00"
    "\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x02g2\x00\x00\x00\x00\x09\x00=R\xefhgR\x1d\xfa";

/* What redis-server 7.0.15 answers once it is restored at key legacy. */
static const struct recorded_reply legacy_replies[] = {
    {"xinfo stream legacy full",
     "*18\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n6-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:2\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n5-0\r\n$7\r\nentries\r\n*2\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$4\r\ndata\r\n$1\r\ne\r\n*2\r\n$3\r\n6-0\r\n*2\r\n$4\r\ndata\r\n$1\r\nf\r\n$6\r\ngroups\r\n*2\r\n*14\r\n$4\r\nname\r\n$2\r\ng1\r\n$17\r\nlast-delivered-id\r\n$3\r\n5-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:1\r\n$9\r\npel-count\r\n:4\r\n$7\r\npending\r\n*4\r\n*4\r\n$3\r\n1-0\r\n$3\r\nc11\r\n:1624630359870\r\n:1\r\n*4\r\n$3\r\n2-0\r\n$3\r\nc11\r\n:1624630359870\r\n:1\r\n*4\r\n$3\r\n4-0\r\n$3\r\nc11\r\n:1624630359870\r\n:1\r\n*4\r\n$3\r\n5-0\r\n$3\r\nc11\r\n:1624630359870\r\n:1\r\n$9\r\nconsumers\r\n*1\r\n*8\r\n$4\r\nname\r\n$3\r\nc11\r\n$9\r\nseen-time\r\n:1624630359870\r\n$9\r\npel-count\r\n:4\r\n$7\r\npending\r\n*4\r\n*3\r\n$3\r\n1-0\r\n:1624630359870\r\n:1\r\n*3\r\n$3\r\n2-0\r\n:1624630359870\r\n:1\r\n*3\r\n$3\r\n4-0\r\n:1624630359870\r\n:1\r\n*3\r\n$3\r\n5-0\r\n:1624630359870\r\n:1\r\n*14\r\n$4\r\nname\r\n$2\r\ng2\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:0\r\n$3\r\nlag\r\n:2\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n$9\r\nconsumers\r\n*0\r\n"},
    {"xadd legacy 5-0 f v",
     "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"},
    {"xinfo groups legacy",
     "*2\r\n*12\r\n$4\r\nname\r\n$2\r\ng1\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:4\r\n$17\r\nlast-delivered-id\r\n$3\r\n5-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:1\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:0\r\n$3\r\nlag\r\n:2\r\n"},
};

/* XADD key i-0 f v for i = 1..n, pipelined. */
static void fill(const char *key, int n)
{
    for (int i = 1; i <= n; i++)
        redisAppendCommand(harness_ctx, "XADD %s %d-0 f v", key, i);
    for (int i = 1; i <= n; i++) {
        redisReply *r;
        ck_assert_int_eq(redisGetReply(harness_ctx, (void **)&r), REDIS_OK);
        ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
        freeReplyObject(r);
    }
}

START_TEST(xadd_ids_ranges_and_errors_answer_as_redis)
{
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, add_replies);
    close(fd);
}
END_TEST

START_TEST(consumer_groups_answer_as_redis)
{
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, groups_replies);
    close(fd);
}
END_TEST

START_TEST(claims_answer_as_redis)
{
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, claims_replies);
    close(fd);
}
END_TEST

START_TEST(trimming_answers_as_redis)
{
    fill("t", 1000);
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, trim_replies);
    fill("u", 300);
    REPLAY_RECORDED(fd, trim_after_deletes_replies);
    close(fd);
}
END_TEST

START_TEST(node_entry_limits_shape_trimming_as_redis)
{
    harness_cmd_ok(harness_ctx, "CONFIG SET stream-node-max-entries 10");
    fill("ne", 100);
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, node_entries_replies);
    close(fd);
}
END_TEST

START_TEST(node_byte_limits_shape_nodes_and_dumps_as_redis)
{
    harness_cmd_ok(harness_ctx, "CONFIG SET stream-node-max-entries 0");
    harness_cmd_ok(harness_ctx, "CONFIG SET stream-node-max-bytes 100");
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, node_bytes_replies);
    redisReply *r = CMD("DUMP nb");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, sizeof(redis_node_bytes_dump) - 1);
    ck_assert(memcmp(r->str, redis_node_bytes_dump, r->len) == 0);
    freeReplyObject(r);
    /* Redis's payload loads with its nodes: what follows trims the same. */
    EXPECT_OK("RESTORE nb 0 %b REPLACE", redis_node_bytes_dump, sizeof(redis_node_bytes_dump) - 1);
    REPLAY_RECORDED(fd, node_bytes_after_dump_replies);
    close(fd);
}
END_TEST

START_TEST(a_redis_6_dump_restores_as_redis_7_0_loads_it)
{
    EXPECT_OK("RESTORE legacy 0 %b", redis_v1_stream_dump, sizeof(redis_v1_stream_dump) - 1);
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, legacy_replies);
    close(fd);
}
END_TEST

START_TEST(keyspace_commands_answer_as_redis)
{
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, keys_replies);
    close(fd);
}
END_TEST

START_TEST(resp3_shapes_answer_as_redis)
{
    int fd = harness_resp3_connect(&harness_srv);
    REPLAY_RECORDED(fd, resp3_replies);
    close(fd);
}
END_TEST

/* ---- the clock ----------------------------------------------------------------- */

static void parse_id(const char *s, unsigned long long *ms, unsigned long long *seq)
{
    ck_assert_int_eq(sscanf(s, "%llu-%llu", ms, seq), 2);
}

START_TEST(auto_ids_follow_the_clock_and_never_go_back)
{
    long long before = harness_wall_ms();
    redisReply *r = CMD("XADD s * f v");
    unsigned long long ms, seq, ms2, seq2;
    parse_id(r->str, &ms, &seq);
    freeReplyObject(r);
    ck_assert_uint_ge(ms, (unsigned long long)before);
    ck_assert_uint_le(ms, (unsigned long long)harness_wall_ms());
    /* A last ID in the future: "*" then counts on from it. */
    EXPECT_OK("XSETID s 99999999999999-5");
    EXPECT_STR("99999999999999-6", "XADD s * f v");
    /* ms-* picks the next sequence of that millisecond. */
    r = CMD("XADD s2 %llu-* f v", ms);
    parse_id(r->str, &ms2, &seq2);
    freeReplyObject(r);
    ck_assert_uint_eq(ms2, ms);
    ck_assert_uint_eq(seq2, 0);
    EXPECT_STR("1-0", "XADD s3 1-* f v");
    EXPECT_STR("1-1", "XADD s3 1-* f v");
}
END_TEST

START_TEST(idle_times_drive_pending_claims_and_autoclaims)
{
    EXPECT_STR("1-0", "XADD s 1-0 f v");
    EXPECT_STR("2-0", "XADD s 2-0 f v");
    EXPECT_OK("XGROUP CREATE s g 0");
    redisReply *r = CMD("XREADGROUP GROUP g alice STREAMS s >");
    freeReplyObject(r);
    /* 1-0 looks idle for a minute; 2-0 was just delivered. */
    r = CMD("XCLAIM s g alice 0 1-0 IDLE 60000 JUSTID");
    ck_assert_int_eq((int)r->elements, 1);
    freeReplyObject(r);
    r = CMD("XPENDING s g IDLE 30000 - + 10");
    ck_assert_int_eq((int)r->elements, 1);
    ck_assert_str_eq(r->element[0]->element[0]->str, "1-0");
    ck_assert_str_eq(r->element[0]->element[1]->str, "alice");
    ck_assert_int_ge(r->element[0]->element[2]->integer, 60000);
    ck_assert_int_eq(r->element[0]->element[3]->integer, 1);
    freeReplyObject(r);
    r = CMD("XCLAIM s g bob 30000 1-0 2-0");
    ck_assert_int_eq((int)r->elements, 1);
    ck_assert_str_eq(r->element[0]->element[0]->str, "1-0");
    freeReplyObject(r);
    r = CMD("XAUTOCLAIM s g carol 30000 0");
    ck_assert_str_eq(r->element[0]->str, "0-0");
    ck_assert_int_eq((int)r->element[1]->elements, 0);
    freeReplyObject(r);
    EXPECT_EMPTY("XPENDING s g - + 10 carol");
    r = CMD("XPENDING s g - + 10 bob");
    ck_assert_int_eq((int)r->elements, 1);
    ck_assert_int_eq(r->element[0]->element[3]->integer, 2);
    ck_assert_int_lt(r->element[0]->element[2]->integer, 30000);
    freeReplyObject(r);
    r = CMD("XINFO CONSUMERS s g");
    ck_assert_int_eq((int)r->elements, 2);
    ck_assert_str_eq(r->element[1]->element[1]->str, "bob");
    ck_assert_int_eq(r->element[1]->element[3]->integer, 1);
    freeReplyObject(r);
    EXPECT_INT(2, "XACK s g 1-0 2-0 3-0");
    /* No key or no group: 0 before the IDs are read, as Redis. */
    EXPECT_INT(0, "XACK nosuch g x");
    EXPECT_INT(0, "XACK s nosuch x");
    EXPECT_ERR("ERR Invalid stream ID specified as stream command argument", "XACK s g x");
}
END_TEST

/* ---- keyspace events ------------------------------------------------------------ */

/* Append the pmessage a PSUBSCRIBE __keyevent@0__:* gets for an event. */
static size_t add_event(char *buf, size_t used, size_t cap, const char *event, const char *key)
{
    return used + (size_t)snprintf(buf + used, cap - used,
                                   "*4\r\n$8\r\npmessage\r\n$16\r\n__keyevent@0__:*\r\n$%zu\r\n"
                                   "__keyevent@0__:%s\r\n$%zu\r\n%s\r\n",
                                   strlen("__keyevent@0__:") + strlen(event), event, strlen(key),
                                   key);
}

START_TEST(stream_commands_raise_redis_events)
{
    EXPECT_OK("CONFIG SET notify-keyspace-events KEA");
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_expect(fd, "PSUBSCRIBE __keyevent@0__:*",
                       "*3\r\n$10\r\npsubscribe\r\n$16\r\n__keyevent@0__:*\r\n:1\r\n");
    const char *cmds[] = {
        "XADD ns 1-0 f v", "XADD ns MAXLEN 0 2-0 f v", "XADD ns 3-0 f v", "XDEL ns 3-0",
        "XDEL ns 9-0", "XTRIM ns MAXLEN 0", "XSETID ns 5-0", "XGROUP CREATE ns g $",
        "XGROUP CREATE ns2 g $ MKSTREAM", "XGROUP CREATECONSUMER ns g c",
        "XGROUP CREATECONSUMER ns g c", "XGROUP SETID ns g 0", "XGROUP DELCONSUMER ns g c",
        "XGROUP DELCONSUMER ns g zz", "XADD ns 6-0 f v", "XREADGROUP GROUP g r STREAMS ns >",
        "XACK ns g 6-0", "XCLAIM ns g c2 0 6-0 FORCE", "XAUTOCLAIM ns g c3 0 0",
        "XGROUP DESTROY ns g", "XGROUP DESTROY ns g",
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        freeReplyObject(CMD(cmds[i]));
    static const char *const events[][2] = {
        {"xadd", "ns"}, {"xadd", "ns"}, {"xtrim", "ns"}, {"xadd", "ns"}, {"xdel", "ns"},
        {"xsetid", "ns"}, {"xgroup-create", "ns"}, {"xgroup-create", "ns2"},
        {"xgroup-createconsumer", "ns"}, {"xgroup-setid", "ns"},
        {"xgroup-delconsumer", "ns"}, {"xadd", "ns"}, {"xgroup-createconsumer", "ns"},
        {"xgroup-createconsumer", "ns"}, {"xgroup-createconsumer", "ns"},
        {"xgroup-destroy", "ns"},
    };
    static char want[4096], got[4096];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        n = add_event(want, n, sizeof(want), events[i][0], events[i][1]);
    harness_raw_recv(fd, got, sizeof(got), n);
    ck_assert_str_eq(got, want);
    close(fd);
}
END_TEST

/* ---- large values and many groups ------------------------------------------ */

START_TEST(entries_of_many_and_large_fields_come_back_whole)
{
    static char big[70000];
    memset(big, 'x', sizeof(big) - 1);
    EXPECT_STR("1-0", "XADD s 1-0 big %s small v", big);
    EXPECT_STR("2-0", "XADD s 2-0 big %s", big);
    for (int i = 3; i < 250; i++)
        freeReplyObject(CMD("XADD s %d-0 f%d %d g %d", i, i % 3, i, i));
    redisReply *r = CMD("XRANGE s - + COUNT 2");
    ck_assert_int_eq((int)r->elements, 2);
    ck_assert_int_eq((int)r->element[0]->element[1]->elements, 4);
    ck_assert_int_eq((int)r->element[0]->element[1]->element[1]->len, (int)sizeof(big) - 1);
    ck_assert_int_eq((int)r->element[1]->element[1]->element[1]->len, (int)sizeof(big) - 1);
    freeReplyObject(r);
    r = CMD("XREVRANGE s + - COUNT 1");
    ck_assert_str_eq(r->element[0]->element[0]->str, "249-0");
    ck_assert_str_eq(r->element[0]->element[1]->element[0]->str, "f0");
    ck_assert_str_eq(r->element[0]->element[1]->element[3]->str, "249");
    freeReplyObject(r);
    for (int i = 0; i < 50; i++)
        EXPECT_OK("XGROUP CREATE s g%02d 0", 49 - i);
    r = CMD("XINFO GROUPS s");
    ck_assert_int_eq((int)r->elements, 50);
    ck_assert_str_eq(r->element[0]->element[1]->str, "g00");
    freeReplyObject(r);
}
END_TEST


START_TEST(a_dump_from_redis_restores_and_round_trips)
{
    redisReply *r = CMD("RESTORE q 0 %b", redis_stream_dump, sizeof(redis_stream_dump) - 1);
    harness_expect_status(r, "OK");
    int fd = harness_raw_connect(&harness_srv);
    REPLAY_RECORDED(fd, restored_replies);
    /* Grove's own DUMP restores to the same stream. */
    r = CMD("DUMP q");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    harness_expect_status(CMD("RESTORE q2 0 %b", r->str, r->len), "OK");
    freeReplyObject(r);
    for (size_t i = 0; i < sizeof(restored_replies) / sizeof(restored_replies[0]); i++) {
        char line[64];
        snprintf(line, sizeof(line), "%s", restored_replies[i].line);
        char *q = strstr(line, " q");
        memmove(q + 3, q + 2, strlen(q + 2) + 1);
        q[2] = '2';
        harness_raw_expect(fd, line, restored_replies[i].bytes);
    }
    close(fd);
    /* A damaged payload is refused and leaves nothing. */
    unsigned char bad[sizeof(redis_stream_dump) - 1];
    memcpy(bad, redis_stream_dump, sizeof(bad));
    bad[30] ^= 0x55;
    EXPECT_ERR("ERR DUMP payload version or checksum are wrong",
               "RESTORE q3 0 %b", bad, sizeof(bad));
    EXPECT_INT(0, "EXISTS q3");
}
END_TEST

static Suite *streams_suite(void)
{
    Suite *s = suite_create("streams");
    TCase *replies = harness_server_case("replies", NULL, NULL);
    tcase_add_test(replies, xadd_ids_ranges_and_errors_answer_as_redis);
    tcase_add_test(replies, consumer_groups_answer_as_redis);
    tcase_add_test(replies, claims_answer_as_redis);
    tcase_add_test(replies, trimming_answers_as_redis);
    tcase_add_test(replies, node_entry_limits_shape_trimming_as_redis);
    tcase_add_test(replies, node_byte_limits_shape_nodes_and_dumps_as_redis);
    tcase_add_test(replies, keyspace_commands_answer_as_redis);
    tcase_add_test(replies, resp3_shapes_answer_as_redis);
    tcase_add_test(replies, a_dump_from_redis_restores_and_round_trips);
    tcase_add_test(replies, a_redis_6_dump_restores_as_redis_7_0_loads_it);
    suite_add_tcase(s, replies);
    TCase *uses = harness_server_case("uses", NULL, NULL);
    tcase_add_test(uses, auto_ids_follow_the_clock_and_never_go_back);
    tcase_add_test(uses, idle_times_drive_pending_claims_and_autoclaims);
    tcase_add_test(uses, stream_commands_raise_redis_events);
    tcase_add_test(uses, entries_of_many_and_large_fields_come_back_whole);
    suite_add_tcase(s, uses);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(streams_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
