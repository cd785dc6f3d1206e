/*
 * check_zsets.c - the sorted set commands end to end, against a real
 * grove-server.
 *
 * Most of it is transcripts: each step sends one command and expects the
 * exact reply bytes, recorded from redis-server 7.0.15 (RESP2, and RESP3
 * after HELLO 3) on an empty database. They cover ZADD's options and every
 * option error, NaN results, inf and -0 scores, score formatting, ZSCORE,
 * ZMSCORE, ZINCRBY, ZCARD, ZREM, ZRANK, ZREVRANK, ZCOUNT and ZLEXCOUNT
 * (exclusive bounds, bad ranges), ZRANGE in all its forms (rank, BYSCORE,
 * BYLEX, REV, LIMIT, WITHSCORES, RESP3 [member, score] pairs, the
 * conflicting-option errors), ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE,
 * ZRANGEBYLEX, ZREVRANGEBYLEX, ZPOPMIN, ZPOPMAX (count rules, RESP3
 * pairs only with a count), ZREMRANGEBYRANK/SCORE/LEX, ZSCAN of a
 * listpack (whole, in order, integral scores as integers), equal scores ordered by member, missing
 * keys, WRONGTYPE both ways, the key vanishing with its last member and
 * OBJECT ENCODING (listpack up to 128 members of at most 64 bytes, then
 * skiplist for good). The rest: WATCH aborts on in-place changes made by
 * another client, COPY of a zset is deep, and ZSCAN of a skiplist visits
 * every member.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"

/* ---- transcripts --------------------------------------------------------------- */

/* One command (RESP-encoded) and the exact reply redis-server 7.0.15 gave. */
struct step {
    const char *send;
    const char *expect;
};

static void run_transcript(const struct step *steps, int proto)
{
    int fd = proto == 3 ? harness_resp3_connect(&harness_srv) : harness_raw_connect(&harness_srv);
    for (const struct step *s = steps; s->send != NULL; s++)
        harness_raw_roundtrip(fd, s->send, s->expect);
    close(fd);
}

/* Recorded by sending each command to redis-server 7.0.15 (--save ''
 * --appendonly no) after FLUSHALL. */
static const struct step commands_resp2[] = {
    /* ZADD z 1 a 2 b 3 c */
    {"*8\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n",
     ":3\r\n"},
    /* ZADD z 1 a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* ZADD z CH 5 a 2 b */
    {"*7\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nCH\r\n$1\r\n5\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n",
     ":1\r\n"},
    /* ZADD z NX 10 a 11 d */
    {"*7\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nNX\r\n$2\r\n10\r\n$1\r\na\r\n$2\r\n11\r\n$1\r\nd\r\n",
     ":1\r\n"},
    /* ZADD z XX 20 a 30 e */
    {"*7\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nXX\r\n$2\r\n20\r\n$1\r\na\r\n$2\r\n30\r\n$1\r\ne\r\n",
     ":0\r\n"},
    /* ZADD z XX CH 21 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nXX\r\n$2\r\nCH\r\n$2\r\n21\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* ZADD z GT 1 a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nGT\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* ZADD z GT CH 100 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nGT\r\n$2\r\nCH\r\n$3\r\n100\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* ZADD z LT CH 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nLT\r\n$2\r\nCH\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* ZADD z LT 1000 a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nLT\r\n$4\r\n1000\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* ZADD z NX XX 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nNX\r\n$2\r\nXX\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-ERR XX and NX options at the same time are not compatible\r\n"},
    /* ZADD z NX GT 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nNX\r\n$2\r\nGT\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
    /* ZADD z NX LT 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nNX\r\n$2\r\nLT\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
    /* ZADD z GT LT 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nGT\r\n$2\r\nLT\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
    /* ZADD z INCR 1 a 2 b */
    {"*7\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\nINCR\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n",
     "-ERR INCR option supports a single increment-element pair\r\n"},
    /* ZADD z 1 */
    {"*3\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n",
     "-ERR wrong number of arguments for 'zadd' command\r\n"},
    /* ZADD z a b */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD z 1 a 2 */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n",
     "-ERR syntax error\r\n"},
    /* ZADD z nan a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\nnan\r\n$1\r\na\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD z foo a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\nfoo\r\n$1\r\na\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD z CH */
    {"*3\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nCH\r\n",
     "-ERR wrong number of arguments for 'zadd' command\r\n"},
    /* ZADD z INCR 5 a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\nINCR\r\n$1\r\n5\r\n$1\r\na\r\n",
     "$1\r\n6\r\n"},
    /* ZADD z INCR 5 newm */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\nINCR\r\n$1\r\n5\r\n$4\r\nnewm\r\n",
     "$1\r\n5\r\n"},
    /* ZADD z NX INCR 5 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nNX\r\n$4\r\nINCR\r\n$1\r\n5\r\n$1\r\na\r\n",
     "$-1\r\n"},
    /* ZADD z XX INCR 5 nosuch */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nXX\r\n$4\r\nINCR\r\n$1\r\n5\r\n$6\r\nnosuch\r\n",
     "$-1\r\n"},
    /* ZADD z GT INCR -5 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nGT\r\n$4\r\nINCR\r\n$2\r\n-5\r\n$1\r\na\r\n",
     "$-1\r\n"},
    /* ZADD z LT INCR -5 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nLT\r\n$4\r\nINCR\r\n$2\r\n-5\r\n$1\r\na\r\n",
     "$1\r\n1\r\n"},
    /* ZADD z inf big -inf small */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\ninf\r\n$3\r\nbig\r\n$4\r\n-inf\r\n$5\r\nsmall\r\n",
     ":2\r\n"},
    /* ZADD z +inf big2 */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\n+inf\r\n$4\r\nbig2\r\n",
     ":1\r\n"},
    /* ZADD z INCR -inf big */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\nINCR\r\n$4\r\n-inf\r\n$3\r\nbig\r\n",
     "-ERR resulting score is not a number (NaN)\r\n"},
    /* ZADD z 1.5 f 0.1 g 1e300 h -0 i 3.0 j 1e-7 k 123456789012345678 l */
    {"*16\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\n1.5\r\n$1\r\nf\r\n$3\r\n0.1\r\n$1\r\ng\r\n$5\r\n1e300\r\n$1\r\nh\r\n$2\r\n-0\r\n$1\r\ni\r\n$3\r\n3.0\r\n$1\r\nj\r\n$4\r\n1e-7\r\n$1\r\nk\r\n$18\r\n123456789012345678\r\n$1\r\nl\r\n",
     ":7\r\n"},
    /* ZRANGE z 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nz\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*30\r\n$5\r\nsmall\r\n$4\r\n-inf\r\n$1\r\ni\r\n$1\r\n0\r\n$1\r\nk\r\n$22\r\n9.9999999999999995e-08\r\n$1\r\ng\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nf\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nj\r\n$1\r\n3\r\n$4\r\nnewm\r\n$1\r\n5\r\n$1\r\nd\r\n$2\r\n11\r\n$1\r\nl\r\n$22\r\n1.2345678901234568e+17\r\n$1\r\nh\r\n$23\r\n1.0000000000000001e+300\r\n$3\r\nbig\r\n$3\r\ninf\r\n$4\r\nbig2\r\n$3\r\ninf\r\n"},
    /* ZSCORE z a */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\nz\r\n$1\r\na\r\n",
     "$1\r\n1\r\n"},
    /* ZSCORE z h */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\nz\r\n$1\r\nh\r\n",
     "$23\r\n1.0000000000000001e+300\r\n"},
    /* ZSCORE z nosuch */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\nz\r\n$6\r\nnosuch\r\n",
     "$-1\r\n"},
    /* ZSCORE nokey a */
    {"*3\r\n$6\r\nZSCORE\r\n$5\r\nnokey\r\n$1\r\na\r\n",
     "$-1\r\n"},
    /* ZMSCORE z a nosuch big small */
    {"*6\r\n$7\r\nZMSCORE\r\n$1\r\nz\r\n$1\r\na\r\n$6\r\nnosuch\r\n$3\r\nbig\r\n$5\r\nsmall\r\n",
     "*4\r\n$1\r\n1\r\n$-1\r\n$3\r\ninf\r\n$4\r\n-inf\r\n"},
    /* ZMSCORE nokey a b */
    {"*4\r\n$7\r\nZMSCORE\r\n$5\r\nnokey\r\n$1\r\na\r\n$1\r\nb\r\n",
     "*2\r\n$-1\r\n$-1\r\n"},
    /* ZINCRBY z 2.5 a */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\nz\r\n$3\r\n2.5\r\n$1\r\na\r\n",
     "$3\r\n3.5\r\n"},
    /* ZINCRBY z 1 newone */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\nz\r\n$1\r\n1\r\n$6\r\nnewone\r\n",
     "$1\r\n1\r\n"},
    /* ZINCRBY z abc a */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\nz\r\n$3\r\nabc\r\n$1\r\na\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZINCRBY z -inf big */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\nz\r\n$4\r\n-inf\r\n$3\r\nbig\r\n",
     "-ERR resulting score is not a number (NaN)\r\n"},
    /* ZINCRBY z inf big */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\nz\r\n$3\r\ninf\r\n$3\r\nbig\r\n",
     "$3\r\ninf\r\n"},
    /* ZCARD z */
    {"*2\r\n$5\r\nZCARD\r\n$1\r\nz\r\n",
     ":16\r\n"},
    /* ZCARD nokey */
    {"*2\r\n$5\r\nZCARD\r\n$5\r\nnokey\r\n",
     ":0\r\n"},
    /* ZRANK z a */
    {"*3\r\n$5\r\nZRANK\r\n$1\r\nz\r\n$1\r\na\r\n",
     ":9\r\n"},
    /* ZRANK z small */
    {"*3\r\n$5\r\nZRANK\r\n$1\r\nz\r\n$5\r\nsmall\r\n",
     ":0\r\n"},
    /* ZRANK z big */
    {"*3\r\n$5\r\nZRANK\r\n$1\r\nz\r\n$3\r\nbig\r\n",
     ":14\r\n"},
    /* ZRANK z nosuch */
    {"*3\r\n$5\r\nZRANK\r\n$1\r\nz\r\n$6\r\nnosuch\r\n",
     "$-1\r\n"},
    /* ZRANK nokey a */
    {"*3\r\n$5\r\nZRANK\r\n$5\r\nnokey\r\n$1\r\na\r\n",
     "$-1\r\n"},
    /* ZREVRANK z a */
    {"*3\r\n$8\r\nZREVRANK\r\n$1\r\nz\r\n$1\r\na\r\n",
     ":6\r\n"},
    /* ZREVRANK z big */
    {"*3\r\n$8\r\nZREVRANK\r\n$1\r\nz\r\n$3\r\nbig\r\n",
     ":1\r\n"},
    /* ZREVRANK z nosuch */
    {"*3\r\n$8\r\nZREVRANK\r\n$1\r\nz\r\n$6\r\nnosuch\r\n",
     "$-1\r\n"},
    /* ZCOUNT z -inf +inf */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$4\r\n-inf\r\n$4\r\n+inf\r\n",
     ":16\r\n"},
    /* ZCOUNT z 1 3 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\n3\r\n",
     ":5\r\n"},
    /* ZCOUNT z (1 3 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$2\r\n(1\r\n$1\r\n3\r\n",
     ":4\r\n"},
    /* ZCOUNT z (1 (3 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$2\r\n(1\r\n$2\r\n(3\r\n",
     ":2\r\n"},
    /* ZCOUNT z 3 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZCOUNT z (1.5 1.5 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$4\r\n(1.5\r\n$3\r\n1.5\r\n",
     ":0\r\n"},
    /* ZCOUNT z a 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZCOUNT z 1 b */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\nb\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZCOUNT z nan 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$3\r\nnan\r\n$1\r\n1\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZCOUNT z "" "" */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$0\r\n\r\n$0\r\n\r\n",
     ":1\r\n"},
    /* ZCOUNT z ( ( */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$1\r\n(\r\n$1\r\n(\r\n",
     ":0\r\n"},
    /* ZCOUNT nokey 0 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$5\r\nnokey\r\n$1\r\n0\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZREM z a nosuch b */
    {"*5\r\n$4\r\nZREM\r\n$1\r\nz\r\n$1\r\na\r\n$6\r\nnosuch\r\n$1\r\nb\r\n",
     ":2\r\n"},
    /* ZREM nokey a */
    {"*3\r\n$4\r\nZREM\r\n$5\r\nnokey\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* SET s v */
    {"*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\nv\r\n",
     "+OK\r\n"},
    /* ZADD s 1 a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ns\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZSCORE s a */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\ns\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZMSCORE s a */
    {"*3\r\n$7\r\nZMSCORE\r\n$1\r\ns\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZCARD s */
    {"*2\r\n$5\r\nZCARD\r\n$1\r\ns\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZRANK s a */
    {"*3\r\n$5\r\nZRANK\r\n$1\r\ns\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZREVRANK s a */
    {"*3\r\n$8\r\nZREVRANK\r\n$1\r\ns\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZCOUNT s 0 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZCOUNT s x 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\ns\r\n$1\r\nx\r\n$1\r\n1\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZREM s a */
    {"*3\r\n$4\r\nZREM\r\n$1\r\ns\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZINCRBY s 1 a */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\ns\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZRANGE s 0 1 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZLEXCOUNT s - + */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ns\r\n$1\r\n-\r\n$1\r\n+\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZADD s2 1 a */
    {"*4\r\n$4\r\nZADD\r\n$2\r\ns2\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* GET s2 */
    {"*2\r\n$3\r\nGET\r\n$2\r\ns2\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* LPUSH s2 x */
    {"*3\r\n$5\r\nLPUSH\r\n$2\r\ns2\r\n$1\r\nx\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* SADD s2 x */
    {"*3\r\n$4\r\nSADD\r\n$2\r\ns2\r\n$1\r\nx\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* OBJECT ENCODING s2 */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$2\r\ns2\r\n",
     "$8\r\nlistpack\r\n"},
    /* TYPE s2 */
    {"*2\r\n$4\r\nTYPE\r\n$2\r\ns2\r\n",
     "+zset\r\n"},
    /* ZADD one 1 x */
    {"*4\r\n$4\r\nZADD\r\n$3\r\none\r\n$1\r\n1\r\n$1\r\nx\r\n",
     ":1\r\n"},
    /* ZREM one x */
    {"*3\r\n$4\r\nZREM\r\n$3\r\none\r\n$1\r\nx\r\n",
     ":1\r\n"},
    /* EXISTS one */
    {"*2\r\n$6\r\nEXISTS\r\n$3\r\none\r\n",
     ":0\r\n"},
    /* ZADD e 0 a 0 b 0 c 0 d 0 e 0 f 0 g */
    {"*16\r\n$4\r\nZADD\r\n$1\r\ne\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$1\r\n0\r\n$1\r\ne\r\n$1\r\n0\r\n$1\r\nf\r\n$1\r\n0\r\n$1\r\ng\r\n",
     ":7\r\n"},
    /* ZRANGEBYLEX e - + */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n",
     "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n"},
    /* ZRANGEBYLEX e [b (e */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n[b\r\n$2\r\n(e\r\n",
     "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"},
    /* ZRANGEBYLEX e (b [e */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n(b\r\n$2\r\n[e\r\n",
     "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
    /* ZRANGEBYLEX e [c + */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n[c\r\n$1\r\n+\r\n",
     "*5\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n"},
    /* ZRANGEBYLEX e - (c */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$2\r\n(c\r\n",
     "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
    /* ZRANGEBYLEX e + - */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n+\r\n$1\r\n-\r\n",
     "*0\r\n"},
    /* ZRANGEBYLEX e - + LIMIT 1 2 */
    {"*7\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
    /* ZRANGEBYLEX e - + LIMIT -1 2 */
    {"*7\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nLIMIT\r\n$2\r\n-1\r\n$1\r\n2\r\n",
     "*0\r\n"},
    /* ZRANGEBYLEX e - + LIMIT 1 -1 */
    {"*7\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$2\r\n-1\r\n",
     "*6\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n"},
    /* ZRANGEBYLEX e - + LIMIT 1 0 */
    {"*7\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n0\r\n",
     "*0\r\n"},
    /* ZRANGEBYLEX e - + LIMIT 10 2 */
    {"*7\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nLIMIT\r\n$2\r\n10\r\n$1\r\n2\r\n",
     "*0\r\n"},
    /* ZRANGEBYLEX e a b */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\na\r\n$1\r\nb\r\n",
     "-ERR min or max not valid string range item\r\n"},
    /* ZRANGEBYLEX e [a +b */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n[a\r\n$2\r\n+b\r\n",
     "-ERR min or max not valid string range item\r\n"},
    /* ZRANGEBYLEX e -x + */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n-x\r\n$1\r\n+\r\n",
     "-ERR min or max not valid string range item\r\n"},
    /* ZRANGEBYLEX e - + WITHSCORES */
    {"*5\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$10\r\nWITHSCORES\r\n",
     "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
    /* ZRANGEBYLEX e [aa [dd */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$3\r\n[aa\r\n$3\r\n[dd\r\n",
     "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"},
    /* ZRANGEBYLEX e [ ( */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n[\r\n$1\r\n(\r\n",
     "*0\r\n"},
    /* ZRANGEBYLEX e ( [ */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n(\r\n$1\r\n[\r\n",
     "*0\r\n"},
    /* ZREVRANGEBYLEX e + - */
    {"*4\r\n$14\r\nZREVRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n+\r\n$1\r\n-\r\n",
     "*7\r\n$1\r\ng\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
    /* ZREVRANGEBYLEX e [e (b */
    {"*4\r\n$14\r\nZREVRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n[e\r\n$2\r\n(b\r\n",
     "*3\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n"},
    /* ZREVRANGEBYLEX e - + */
    {"*4\r\n$14\r\nZREVRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n",
     "*0\r\n"},
    /* ZREVRANGEBYLEX e + - LIMIT 2 3 */
    {"*7\r\n$14\r\nZREVRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n+\r\n$1\r\n-\r\n$5\r\nLIMIT\r\n$1\r\n2\r\n$1\r\n3\r\n",
     "*3\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n"},
    /* ZLEXCOUNT e - + */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n",
     ":7\r\n"},
    /* ZLEXCOUNT e [b [d */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ne\r\n$2\r\n[b\r\n$2\r\n[d\r\n",
     ":3\r\n"},
    /* ZLEXCOUNT e (b (d */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ne\r\n$2\r\n(b\r\n$2\r\n(d\r\n",
     ":1\r\n"},
    /* ZLEXCOUNT e (d (b */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ne\r\n$2\r\n(d\r\n$2\r\n(b\r\n",
     ":0\r\n"},
    /* ZLEXCOUNT e x y */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ne\r\n$1\r\nx\r\n$1\r\ny\r\n",
     "-ERR min or max not valid string range item\r\n"},
    /* ZLEXCOUNT nokey - + */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$5\r\nnokey\r\n$1\r\n-\r\n$1\r\n+\r\n",
     ":0\r\n"},
    /* ZRANGE e - + BYLEX */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nBYLEX\r\n",
     "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n"},
    /* ZRANGE e + - BYLEX REV LIMIT 1 2 */
    {"*9\r\n$6\r\nZRANGE\r\n$1\r\ne\r\n$1\r\n+\r\n$1\r\n-\r\n$5\r\nBYLEX\r\n$3\r\nREV\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*2\r\n$1\r\nf\r\n$1\r\ne\r\n"},
    /* ZRANGE e - + BYLEX WITHSCORES */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nBYLEX\r\n$10\r\nWITHSCORES\r\n",
     "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
    /* ZADD r 1 a 2 b 3 c 4 d 5 e 5 ee 5 eee 6 f */
    {"*18\r\n$4\r\nZADD\r\n$1\r\nr\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n4\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n6\r\n$1\r\nf\r\n",
     ":8\r\n"},
    /* ZRANGE r 0 -1 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n$1\r\nf\r\n"},
    /* ZRANGE r 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*16\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n6\r\n"},
    /* ZRANGE r 2 4 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n4\r\n",
     "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
    /* ZRANGE r -3 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$2\r\n-3\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*6\r\n$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n6\r\n"},
    /* ZRANGE r -100 100 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$4\r\n-100\r\n$3\r\n100\r\n",
     "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n$1\r\nf\r\n"},
    /* ZRANGE r 5 2 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n2\r\n",
     "*0\r\n"},
    /* ZRANGE r 100 200 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$3\r\n100\r\n$3\r\n200\r\n",
     "*0\r\n"},
    /* ZRANGE r 0 0 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n0\r\n",
     "*1\r\n$1\r\na\r\n"},
    /* ZRANGE r -1 -1 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$2\r\n-1\r\n$2\r\n-1\r\n",
     "*1\r\n$1\r\nf\r\n"},
    /* ZRANGE r 0 -1 REV */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$3\r\nREV\r\n",
     "*8\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
    /* ZRANGE r 0 2 REV WITHSCORES */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n2\r\n$3\r\nREV\r\n$10\r\nWITHSCORES\r\n",
     "*6\r\n$1\r\nf\r\n$1\r\n6\r\n$3\r\neee\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n"},
    /* ZRANGE r 0 -1 LIMIT 0 1 */
    {"*7\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$5\r\nLIMIT\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
    /* ZRANGE r 0 -1 LIMIT 0 -1 */
    {"*7\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$5\r\nLIMIT\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n$1\r\nf\r\n"},
    /* ZRANGE r 0 -1 BYSCORE */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$7\r\nBYSCORE\r\n",
     "*0\r\n"},
    /* ZRANGE r 2 5 BYSCORE WITHSCORES */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$7\r\nBYSCORE\r\n$10\r\nWITHSCORES\r\n",
     "*12\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n5\r\n"},
    /* ZRANGE r (2 (5 BYSCORE */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$2\r\n(2\r\n$2\r\n(5\r\n$7\r\nBYSCORE\r\n",
     "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"},
    /* ZRANGE r -inf +inf BYSCORE LIMIT 2 3 */
    {"*8\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$4\r\n-inf\r\n$4\r\n+inf\r\n$7\r\nBYSCORE\r\n$5\r\nLIMIT\r\n$1\r\n2\r\n$1\r\n3\r\n",
     "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
    /* ZRANGE r -inf +inf BYSCORE LIMIT 2 -1 WITHSCORES */
    {"*9\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$4\r\n-inf\r\n$4\r\n+inf\r\n$7\r\nBYSCORE\r\n$5\r\nLIMIT\r\n$1\r\n2\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*12\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n6\r\n"},
    /* ZRANGE r 5 2 BYSCORE REV */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n2\r\n$7\r\nBYSCORE\r\n$3\r\nREV\r\n",
     "*6\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"},
    /* ZRANGE r 5 2 BYSCORE REV WITHSCORES LIMIT 1 2 */
    {"*10\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n2\r\n$7\r\nBYSCORE\r\n$3\r\nREV\r\n$10\r\nWITHSCORES\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*4\r\n$2\r\nee\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n5\r\n"},
    /* ZRANGE r +inf -inf BYSCORE REV LIMIT 0 3 */
    {"*9\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$4\r\n+inf\r\n$4\r\n-inf\r\n$7\r\nBYSCORE\r\n$3\r\nREV\r\n$5\r\nLIMIT\r\n$1\r\n0\r\n$1\r\n3\r\n",
     "*3\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n"},
    /* ZRANGE r 2 5 BYSCORE REV */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$7\r\nBYSCORE\r\n$3\r\nREV\r\n",
     "*0\r\n"},
    /* ZRANGE r a b BYSCORE */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\na\r\n$1\r\nb\r\n$7\r\nBYSCORE\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZRANGE r a b */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\na\r\n$1\r\nb\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZRANGE r 0 1 foo */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$3\r\nfoo\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGE r 0 1 BYSCORE BYLEX */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$7\r\nBYSCORE\r\n$5\r\nBYLEX\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGE r 0 1 REV REV */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$3\r\nREV\r\n$3\r\nREV\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGE r 0 1 LIMIT 1 */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGE r 0 1 LIMIT a 1 */
    {"*7\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$5\r\nLIMIT\r\n$1\r\na\r\n$1\r\n1\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZRANGE r 0 1 BYSCORE LIMIT 1 b */
    {"*8\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$7\r\nBYSCORE\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\nb\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZRANGE nokey 0 -1 */
    {"*4\r\n$6\r\nZRANGE\r\n$5\r\nnokey\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*0\r\n"},
    /* ZRANGE nokey 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$5\r\nnokey\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*0\r\n"},
    /* ZRANGE r 0 */
    {"*3\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n",
     "-ERR wrong number of arguments for 'zrange' command\r\n"},
    /* ZREVRANGE r 0 -1 */
    {"*4\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*8\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
    /* ZREVRANGE r 0 2 WITHSCORES */
    {"*5\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n2\r\n$10\r\nWITHSCORES\r\n",
     "*6\r\n$1\r\nf\r\n$1\r\n6\r\n$3\r\neee\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n"},
    /* ZREVRANGE r -2 -1 */
    {"*4\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$2\r\n-2\r\n$2\r\n-1\r\n",
     "*2\r\n$1\r\nb\r\n$1\r\na\r\n"},
    /* ZREVRANGE r 0 1 LIMIT 0 1 */
    {"*7\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$5\r\nLIMIT\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
    /* ZREVRANGE r 0 1 REV */
    {"*5\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$3\r\nREV\r\n",
     "-ERR syntax error\r\n"},
    /* ZREVRANGE r 0 1 BYSCORE */
    {"*5\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$7\r\nBYSCORE\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGEBYSCORE r -inf +inf */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$4\r\n-inf\r\n$4\r\n+inf\r\n",
     "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n$1\r\nf\r\n"},
    /* ZRANGEBYSCORE r 2 5 WITHSCORES */
    {"*5\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$10\r\nWITHSCORES\r\n",
     "*12\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n5\r\n"},
    /* ZRANGEBYSCORE r (2 5 LIMIT 1 2 */
    {"*7\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n(2\r\n$1\r\n5\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"},
    /* ZRANGEBYSCORE r (2 5 WITHSCORES LIMIT 1 2 */
    {"*8\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n(2\r\n$1\r\n5\r\n$10\r\nWITHSCORES\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"},
    /* ZRANGEBYSCORE r 2 5 LIMIT 0 -5 */
    {"*7\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$5\r\nLIMIT\r\n$1\r\n0\r\n$2\r\n-5\r\n",
     "*6\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n"},
    /* ZRANGEBYSCORE r 2 5 LIMIT -1 5 */
    {"*7\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$5\r\nLIMIT\r\n$2\r\n-1\r\n$1\r\n5\r\n",
     "*0\r\n"},
    /* ZRANGEBYSCORE r 5 5 */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n5\r\n",
     "*3\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n"},
    /* ZRANGEBYSCORE r (5 5 */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n(5\r\n$1\r\n5\r\n",
     "*0\r\n"},
    /* ZRANGEBYSCORE r 5 (5 */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n5\r\n$2\r\n(5\r\n",
     "*0\r\n"},
    /* ZRANGEBYSCORE r 2 5 REV */
    {"*5\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$3\r\nREV\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGEBYSCORE r 2 5 BYSCORE */
    {"*5\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$7\r\nBYSCORE\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGEBYSCORE r x 5 */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\nx\r\n$1\r\n5\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZRANGEBYSCORE r 2 5 LIMIT 100 1 */
    {"*7\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$5\r\nLIMIT\r\n$3\r\n100\r\n$1\r\n1\r\n",
     "*0\r\n"},
    /* ZREVRANGEBYSCORE r +inf -inf */
    {"*4\r\n$16\r\nZREVRANGEBYSCORE\r\n$1\r\nr\r\n$4\r\n+inf\r\n$4\r\n-inf\r\n",
     "*8\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
    /* ZREVRANGEBYSCORE r 5 2 WITHSCORES */
    {"*5\r\n$16\r\nZREVRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n2\r\n$10\r\nWITHSCORES\r\n",
     "*12\r\n$3\r\neee\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n"},
    /* ZREVRANGEBYSCORE r 5 (2 LIMIT 1 2 */
    {"*7\r\n$16\r\nZREVRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n5\r\n$2\r\n(2\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*2\r\n$2\r\nee\r\n$1\r\ne\r\n"},
    /* ZREVRANGEBYSCORE r 2 5 */
    {"*4\r\n$16\r\nZREVRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n",
     "*0\r\n"},
    /* ZREVRANGEBYSCORE r (5 (2 */
    {"*4\r\n$16\r\nZREVRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n(5\r\n$2\r\n(2\r\n",
     "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"},
    /* ZRANGEBYSCORE s 0 1 */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZRANGE s 0 1 BYSCORE */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n$7\r\nBYSCORE\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZRANGEBYLEX s - + */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ns\r\n$1\r\n-\r\n$1\r\n+\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZREVRANGE s 0 1 */
    {"*4\r\n$9\r\nZREVRANGE\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    {NULL, NULL},
};

static const struct step commands_resp3[] = {
    /* ZADD z 1 a 2 b 3 c */
    {"*8\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n",
     ":3\r\n"},
    /* ZADD z 1 a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* ZADD z CH 5 a 2 b */
    {"*7\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nCH\r\n$1\r\n5\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n",
     ":1\r\n"},
    /* ZADD z NX 10 a 11 d */
    {"*7\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nNX\r\n$2\r\n10\r\n$1\r\na\r\n$2\r\n11\r\n$1\r\nd\r\n",
     ":1\r\n"},
    /* ZADD z XX 20 a 30 e */
    {"*7\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nXX\r\n$2\r\n20\r\n$1\r\na\r\n$2\r\n30\r\n$1\r\ne\r\n",
     ":0\r\n"},
    /* ZADD z XX CH 21 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nXX\r\n$2\r\nCH\r\n$2\r\n21\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* ZADD z GT 1 a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nGT\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* ZADD z GT CH 100 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nGT\r\n$2\r\nCH\r\n$3\r\n100\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* ZADD z LT CH 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nLT\r\n$2\r\nCH\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* ZADD z LT 1000 a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nLT\r\n$4\r\n1000\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* ZADD z NX XX 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nNX\r\n$2\r\nXX\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-ERR XX and NX options at the same time are not compatible\r\n"},
    /* ZADD z NX GT 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nNX\r\n$2\r\nGT\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
    /* ZADD z NX LT 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nNX\r\n$2\r\nLT\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
    /* ZADD z GT LT 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nGT\r\n$2\r\nLT\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
    /* ZADD z INCR 1 a 2 b */
    {"*7\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\nINCR\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n",
     "-ERR INCR option supports a single increment-element pair\r\n"},
    /* ZADD z 1 */
    {"*3\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n",
     "-ERR wrong number of arguments for 'zadd' command\r\n"},
    /* ZADD z a b */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD z 1 a 2 */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n",
     "-ERR syntax error\r\n"},
    /* ZADD z nan a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\nnan\r\n$1\r\na\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD z foo a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\nfoo\r\n$1\r\na\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD z CH */
    {"*3\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nCH\r\n",
     "-ERR wrong number of arguments for 'zadd' command\r\n"},
    /* ZADD z INCR 5 a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\nINCR\r\n$1\r\n5\r\n$1\r\na\r\n",
     ",6\r\n"},
    /* ZADD z INCR 5 newm */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\nINCR\r\n$1\r\n5\r\n$4\r\nnewm\r\n",
     ",5\r\n"},
    /* ZADD z NX INCR 5 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nNX\r\n$4\r\nINCR\r\n$1\r\n5\r\n$1\r\na\r\n",
     "_\r\n"},
    /* ZADD z XX INCR 5 nosuch */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nXX\r\n$4\r\nINCR\r\n$1\r\n5\r\n$6\r\nnosuch\r\n",
     "_\r\n"},
    /* ZADD z GT INCR -5 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nGT\r\n$4\r\nINCR\r\n$2\r\n-5\r\n$1\r\na\r\n",
     "_\r\n"},
    /* ZADD z LT INCR -5 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\nLT\r\n$4\r\nINCR\r\n$2\r\n-5\r\n$1\r\na\r\n",
     ",1\r\n"},
    /* ZADD z inf big -inf small */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\ninf\r\n$3\r\nbig\r\n$4\r\n-inf\r\n$5\r\nsmall\r\n",
     ":2\r\n"},
    /* ZADD z +inf big2 */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\n+inf\r\n$4\r\nbig2\r\n",
     ":1\r\n"},
    /* ZADD z INCR -inf big */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\nINCR\r\n$4\r\n-inf\r\n$3\r\nbig\r\n",
     "-ERR resulting score is not a number (NaN)\r\n"},
    /* ZADD z 1.5 f 0.1 g 1e300 h -0 i 3.0 j 1e-7 k 123456789012345678 l */
    {"*16\r\n$4\r\nZADD\r\n$1\r\nz\r\n$3\r\n1.5\r\n$1\r\nf\r\n$3\r\n0.1\r\n$1\r\ng\r\n$5\r\n1e300\r\n$1\r\nh\r\n$2\r\n-0\r\n$1\r\ni\r\n$3\r\n3.0\r\n$1\r\nj\r\n$4\r\n1e-7\r\n$1\r\nk\r\n$18\r\n123456789012345678\r\n$1\r\nl\r\n",
     ":7\r\n"},
    /* ZRANGE z 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nz\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*15\r\n*2\r\n$5\r\nsmall\r\n,-inf\r\n*2\r\n$1\r\ni\r\n,0\r\n*2\r\n$1\r\nk\r\n,9.9999999999999995e-08\r\n*2\r\n$1\r\ng\r\n,0.10000000000000001\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nf\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nj\r\n,3\r\n*2\r\n$4\r\nnewm\r\n,5\r\n*2\r\n$1\r\nd\r\n,11\r\n*2\r\n$1\r\nl\r\n,1.2345678901234568e+17\r\n*2\r\n$1\r\nh\r\n,1.0000000000000001e+300\r\n*2\r\n$3\r\nbig\r\n,inf\r\n*2\r\n$4\r\nbig2\r\n,inf\r\n"},
    /* ZSCORE z a */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\nz\r\n$1\r\na\r\n",
     ",1\r\n"},
    /* ZSCORE z h */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\nz\r\n$1\r\nh\r\n",
     ",1.0000000000000001e+300\r\n"},
    /* ZSCORE z nosuch */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\nz\r\n$6\r\nnosuch\r\n",
     "_\r\n"},
    /* ZSCORE nokey a */
    {"*3\r\n$6\r\nZSCORE\r\n$5\r\nnokey\r\n$1\r\na\r\n",
     "_\r\n"},
    /* ZMSCORE z a nosuch big small */
    {"*6\r\n$7\r\nZMSCORE\r\n$1\r\nz\r\n$1\r\na\r\n$6\r\nnosuch\r\n$3\r\nbig\r\n$5\r\nsmall\r\n",
     "*4\r\n,1\r\n_\r\n,inf\r\n,-inf\r\n"},
    /* ZMSCORE nokey a b */
    {"*4\r\n$7\r\nZMSCORE\r\n$5\r\nnokey\r\n$1\r\na\r\n$1\r\nb\r\n",
     "*2\r\n_\r\n_\r\n"},
    /* ZINCRBY z 2.5 a */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\nz\r\n$3\r\n2.5\r\n$1\r\na\r\n",
     ",3.5\r\n"},
    /* ZINCRBY z 1 newone */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\nz\r\n$1\r\n1\r\n$6\r\nnewone\r\n",
     ",1\r\n"},
    /* ZINCRBY z abc a */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\nz\r\n$3\r\nabc\r\n$1\r\na\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZINCRBY z -inf big */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\nz\r\n$4\r\n-inf\r\n$3\r\nbig\r\n",
     "-ERR resulting score is not a number (NaN)\r\n"},
    /* ZINCRBY z inf big */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\nz\r\n$3\r\ninf\r\n$3\r\nbig\r\n",
     ",inf\r\n"},
    /* ZCARD z */
    {"*2\r\n$5\r\nZCARD\r\n$1\r\nz\r\n",
     ":16\r\n"},
    /* ZCARD nokey */
    {"*2\r\n$5\r\nZCARD\r\n$5\r\nnokey\r\n",
     ":0\r\n"},
    /* ZRANK z a */
    {"*3\r\n$5\r\nZRANK\r\n$1\r\nz\r\n$1\r\na\r\n",
     ":9\r\n"},
    /* ZRANK z small */
    {"*3\r\n$5\r\nZRANK\r\n$1\r\nz\r\n$5\r\nsmall\r\n",
     ":0\r\n"},
    /* ZRANK z big */
    {"*3\r\n$5\r\nZRANK\r\n$1\r\nz\r\n$3\r\nbig\r\n",
     ":14\r\n"},
    /* ZRANK z nosuch */
    {"*3\r\n$5\r\nZRANK\r\n$1\r\nz\r\n$6\r\nnosuch\r\n",
     "_\r\n"},
    /* ZRANK nokey a */
    {"*3\r\n$5\r\nZRANK\r\n$5\r\nnokey\r\n$1\r\na\r\n",
     "_\r\n"},
    /* ZREVRANK z a */
    {"*3\r\n$8\r\nZREVRANK\r\n$1\r\nz\r\n$1\r\na\r\n",
     ":6\r\n"},
    /* ZREVRANK z big */
    {"*3\r\n$8\r\nZREVRANK\r\n$1\r\nz\r\n$3\r\nbig\r\n",
     ":1\r\n"},
    /* ZREVRANK z nosuch */
    {"*3\r\n$8\r\nZREVRANK\r\n$1\r\nz\r\n$6\r\nnosuch\r\n",
     "_\r\n"},
    /* ZCOUNT z -inf +inf */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$4\r\n-inf\r\n$4\r\n+inf\r\n",
     ":16\r\n"},
    /* ZCOUNT z 1 3 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\n3\r\n",
     ":5\r\n"},
    /* ZCOUNT z (1 3 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$2\r\n(1\r\n$1\r\n3\r\n",
     ":4\r\n"},
    /* ZCOUNT z (1 (3 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$2\r\n(1\r\n$2\r\n(3\r\n",
     ":2\r\n"},
    /* ZCOUNT z 3 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZCOUNT z (1.5 1.5 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$4\r\n(1.5\r\n$3\r\n1.5\r\n",
     ":0\r\n"},
    /* ZCOUNT z a 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZCOUNT z 1 b */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\nb\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZCOUNT z nan 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$3\r\nnan\r\n$1\r\n1\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZCOUNT z "" "" */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$0\r\n\r\n$0\r\n\r\n",
     ":1\r\n"},
    /* ZCOUNT z ( ( */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nz\r\n$1\r\n(\r\n$1\r\n(\r\n",
     ":0\r\n"},
    /* ZCOUNT nokey 0 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$5\r\nnokey\r\n$1\r\n0\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZREM z a nosuch b */
    {"*5\r\n$4\r\nZREM\r\n$1\r\nz\r\n$1\r\na\r\n$6\r\nnosuch\r\n$1\r\nb\r\n",
     ":2\r\n"},
    /* ZREM nokey a */
    {"*3\r\n$4\r\nZREM\r\n$5\r\nnokey\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* SET s v */
    {"*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\nv\r\n",
     "+OK\r\n"},
    /* ZADD s 1 a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ns\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZSCORE s a */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\ns\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZMSCORE s a */
    {"*3\r\n$7\r\nZMSCORE\r\n$1\r\ns\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZCARD s */
    {"*2\r\n$5\r\nZCARD\r\n$1\r\ns\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZRANK s a */
    {"*3\r\n$5\r\nZRANK\r\n$1\r\ns\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZREVRANK s a */
    {"*3\r\n$8\r\nZREVRANK\r\n$1\r\ns\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZCOUNT s 0 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZCOUNT s x 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\ns\r\n$1\r\nx\r\n$1\r\n1\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZREM s a */
    {"*3\r\n$4\r\nZREM\r\n$1\r\ns\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZINCRBY s 1 a */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\ns\r\n$1\r\n1\r\n$1\r\na\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZRANGE s 0 1 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZLEXCOUNT s - + */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ns\r\n$1\r\n-\r\n$1\r\n+\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZADD s2 1 a */
    {"*4\r\n$4\r\nZADD\r\n$2\r\ns2\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* GET s2 */
    {"*2\r\n$3\r\nGET\r\n$2\r\ns2\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* LPUSH s2 x */
    {"*3\r\n$5\r\nLPUSH\r\n$2\r\ns2\r\n$1\r\nx\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* SADD s2 x */
    {"*3\r\n$4\r\nSADD\r\n$2\r\ns2\r\n$1\r\nx\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* OBJECT ENCODING s2 */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$2\r\ns2\r\n",
     "$8\r\nlistpack\r\n"},
    /* TYPE s2 */
    {"*2\r\n$4\r\nTYPE\r\n$2\r\ns2\r\n",
     "+zset\r\n"},
    /* ZADD one 1 x */
    {"*4\r\n$4\r\nZADD\r\n$3\r\none\r\n$1\r\n1\r\n$1\r\nx\r\n",
     ":1\r\n"},
    /* ZREM one x */
    {"*3\r\n$4\r\nZREM\r\n$3\r\none\r\n$1\r\nx\r\n",
     ":1\r\n"},
    /* EXISTS one */
    {"*2\r\n$6\r\nEXISTS\r\n$3\r\none\r\n",
     ":0\r\n"},
    /* ZADD e 0 a 0 b 0 c 0 d 0 e 0 f 0 g */
    {"*16\r\n$4\r\nZADD\r\n$1\r\ne\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$1\r\n0\r\n$1\r\ne\r\n$1\r\n0\r\n$1\r\nf\r\n$1\r\n0\r\n$1\r\ng\r\n",
     ":7\r\n"},
    /* ZRANGEBYLEX e - + */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n",
     "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n"},
    /* ZRANGEBYLEX e [b (e */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n[b\r\n$2\r\n(e\r\n",
     "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"},
    /* ZRANGEBYLEX e (b [e */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n(b\r\n$2\r\n[e\r\n",
     "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
    /* ZRANGEBYLEX e [c + */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n[c\r\n$1\r\n+\r\n",
     "*5\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n"},
    /* ZRANGEBYLEX e - (c */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$2\r\n(c\r\n",
     "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
    /* ZRANGEBYLEX e + - */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n+\r\n$1\r\n-\r\n",
     "*0\r\n"},
    /* ZRANGEBYLEX e - + LIMIT 1 2 */
    {"*7\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
    /* ZRANGEBYLEX e - + LIMIT -1 2 */
    {"*7\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nLIMIT\r\n$2\r\n-1\r\n$1\r\n2\r\n",
     "*0\r\n"},
    /* ZRANGEBYLEX e - + LIMIT 1 -1 */
    {"*7\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$2\r\n-1\r\n",
     "*6\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n"},
    /* ZRANGEBYLEX e - + LIMIT 1 0 */
    {"*7\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n0\r\n",
     "*0\r\n"},
    /* ZRANGEBYLEX e - + LIMIT 10 2 */
    {"*7\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nLIMIT\r\n$2\r\n10\r\n$1\r\n2\r\n",
     "*0\r\n"},
    /* ZRANGEBYLEX e a b */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\na\r\n$1\r\nb\r\n",
     "-ERR min or max not valid string range item\r\n"},
    /* ZRANGEBYLEX e [a +b */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n[a\r\n$2\r\n+b\r\n",
     "-ERR min or max not valid string range item\r\n"},
    /* ZRANGEBYLEX e -x + */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n-x\r\n$1\r\n+\r\n",
     "-ERR min or max not valid string range item\r\n"},
    /* ZRANGEBYLEX e - + WITHSCORES */
    {"*5\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$10\r\nWITHSCORES\r\n",
     "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
    /* ZRANGEBYLEX e [aa [dd */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$3\r\n[aa\r\n$3\r\n[dd\r\n",
     "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"},
    /* ZRANGEBYLEX e [ ( */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n[\r\n$1\r\n(\r\n",
     "*0\r\n"},
    /* ZRANGEBYLEX e ( [ */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n(\r\n$1\r\n[\r\n",
     "*0\r\n"},
    /* ZREVRANGEBYLEX e + - */
    {"*4\r\n$14\r\nZREVRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n+\r\n$1\r\n-\r\n",
     "*7\r\n$1\r\ng\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
    /* ZREVRANGEBYLEX e [e (b */
    {"*4\r\n$14\r\nZREVRANGEBYLEX\r\n$1\r\ne\r\n$2\r\n[e\r\n$2\r\n(b\r\n",
     "*3\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n"},
    /* ZREVRANGEBYLEX e - + */
    {"*4\r\n$14\r\nZREVRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n",
     "*0\r\n"},
    /* ZREVRANGEBYLEX e + - LIMIT 2 3 */
    {"*7\r\n$14\r\nZREVRANGEBYLEX\r\n$1\r\ne\r\n$1\r\n+\r\n$1\r\n-\r\n$5\r\nLIMIT\r\n$1\r\n2\r\n$1\r\n3\r\n",
     "*3\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n"},
    /* ZLEXCOUNT e - + */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n",
     ":7\r\n"},
    /* ZLEXCOUNT e [b [d */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ne\r\n$2\r\n[b\r\n$2\r\n[d\r\n",
     ":3\r\n"},
    /* ZLEXCOUNT e (b (d */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ne\r\n$2\r\n(b\r\n$2\r\n(d\r\n",
     ":1\r\n"},
    /* ZLEXCOUNT e (d (b */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ne\r\n$2\r\n(d\r\n$2\r\n(b\r\n",
     ":0\r\n"},
    /* ZLEXCOUNT e x y */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$1\r\ne\r\n$1\r\nx\r\n$1\r\ny\r\n",
     "-ERR min or max not valid string range item\r\n"},
    /* ZLEXCOUNT nokey - + */
    {"*4\r\n$9\r\nZLEXCOUNT\r\n$5\r\nnokey\r\n$1\r\n-\r\n$1\r\n+\r\n",
     ":0\r\n"},
    /* ZRANGE e - + BYLEX */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nBYLEX\r\n",
     "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n"},
    /* ZRANGE e + - BYLEX REV LIMIT 1 2 */
    {"*9\r\n$6\r\nZRANGE\r\n$1\r\ne\r\n$1\r\n+\r\n$1\r\n-\r\n$5\r\nBYLEX\r\n$3\r\nREV\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*2\r\n$1\r\nf\r\n$1\r\ne\r\n"},
    /* ZRANGE e - + BYLEX WITHSCORES */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\ne\r\n$1\r\n-\r\n$1\r\n+\r\n$5\r\nBYLEX\r\n$10\r\nWITHSCORES\r\n",
     "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
    /* ZADD r 1 a 2 b 3 c 4 d 5 e 5 ee 5 eee 6 f */
    {"*18\r\n$4\r\nZADD\r\n$1\r\nr\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n4\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n5\r\n$2\r\nee\r\n$1\r\n5\r\n$3\r\neee\r\n$1\r\n6\r\n$1\r\nf\r\n",
     ":8\r\n"},
    /* ZRANGE r 0 -1 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n$1\r\nf\r\n"},
    /* ZRANGE r 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*8\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$1\r\nf\r\n,6\r\n"},
    /* ZRANGE r 2 4 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n4\r\n",
     "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
    /* ZRANGE r -3 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$2\r\n-3\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*3\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$1\r\nf\r\n,6\r\n"},
    /* ZRANGE r -100 100 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$4\r\n-100\r\n$3\r\n100\r\n",
     "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n$1\r\nf\r\n"},
    /* ZRANGE r 5 2 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n2\r\n",
     "*0\r\n"},
    /* ZRANGE r 100 200 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$3\r\n100\r\n$3\r\n200\r\n",
     "*0\r\n"},
    /* ZRANGE r 0 0 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n0\r\n",
     "*1\r\n$1\r\na\r\n"},
    /* ZRANGE r -1 -1 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$2\r\n-1\r\n$2\r\n-1\r\n",
     "*1\r\n$1\r\nf\r\n"},
    /* ZRANGE r 0 -1 REV */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$3\r\nREV\r\n",
     "*8\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
    /* ZRANGE r 0 2 REV WITHSCORES */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n2\r\n$3\r\nREV\r\n$10\r\nWITHSCORES\r\n",
     "*3\r\n*2\r\n$1\r\nf\r\n,6\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n"},
    /* ZRANGE r 0 -1 LIMIT 0 1 */
    {"*7\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$5\r\nLIMIT\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
    /* ZRANGE r 0 -1 LIMIT 0 -1 */
    {"*7\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$5\r\nLIMIT\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n$1\r\nf\r\n"},
    /* ZRANGE r 0 -1 BYSCORE */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$7\r\nBYSCORE\r\n",
     "*0\r\n"},
    /* ZRANGE r 2 5 BYSCORE WITHSCORES */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$7\r\nBYSCORE\r\n$10\r\nWITHSCORES\r\n",
     "*6\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$3\r\neee\r\n,5\r\n"},
    /* ZRANGE r (2 (5 BYSCORE */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$2\r\n(2\r\n$2\r\n(5\r\n$7\r\nBYSCORE\r\n",
     "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"},
    /* ZRANGE r -inf +inf BYSCORE LIMIT 2 3 */
    {"*8\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$4\r\n-inf\r\n$4\r\n+inf\r\n$7\r\nBYSCORE\r\n$5\r\nLIMIT\r\n$1\r\n2\r\n$1\r\n3\r\n",
     "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
    /* ZRANGE r -inf +inf BYSCORE LIMIT 2 -1 WITHSCORES */
    {"*9\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$4\r\n-inf\r\n$4\r\n+inf\r\n$7\r\nBYSCORE\r\n$5\r\nLIMIT\r\n$1\r\n2\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*6\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$1\r\nf\r\n,6\r\n"},
    /* ZRANGE r 5 2 BYSCORE REV */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n2\r\n$7\r\nBYSCORE\r\n$3\r\nREV\r\n",
     "*6\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"},
    /* ZRANGE r 5 2 BYSCORE REV WITHSCORES LIMIT 1 2 */
    {"*10\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n2\r\n$7\r\nBYSCORE\r\n$3\r\nREV\r\n$10\r\nWITHSCORES\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*2\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
    /* ZRANGE r +inf -inf BYSCORE REV LIMIT 0 3 */
    {"*9\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$4\r\n+inf\r\n$4\r\n-inf\r\n$7\r\nBYSCORE\r\n$3\r\nREV\r\n$5\r\nLIMIT\r\n$1\r\n0\r\n$1\r\n3\r\n",
     "*3\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n"},
    /* ZRANGE r 2 5 BYSCORE REV */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$7\r\nBYSCORE\r\n$3\r\nREV\r\n",
     "*0\r\n"},
    /* ZRANGE r a b BYSCORE */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\na\r\n$1\r\nb\r\n$7\r\nBYSCORE\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZRANGE r a b */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\na\r\n$1\r\nb\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZRANGE r 0 1 foo */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$3\r\nfoo\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGE r 0 1 BYSCORE BYLEX */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$7\r\nBYSCORE\r\n$5\r\nBYLEX\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGE r 0 1 REV REV */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$3\r\nREV\r\n$3\r\nREV\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGE r 0 1 LIMIT 1 */
    {"*6\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGE r 0 1 LIMIT a 1 */
    {"*7\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$5\r\nLIMIT\r\n$1\r\na\r\n$1\r\n1\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZRANGE r 0 1 BYSCORE LIMIT 1 b */
    {"*8\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$7\r\nBYSCORE\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\nb\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZRANGE nokey 0 -1 */
    {"*4\r\n$6\r\nZRANGE\r\n$5\r\nnokey\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*0\r\n"},
    /* ZRANGE nokey 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$5\r\nnokey\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*0\r\n"},
    /* ZRANGE r 0 */
    {"*3\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n",
     "-ERR wrong number of arguments for 'zrange' command\r\n"},
    /* ZREVRANGE r 0 -1 */
    {"*4\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*8\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
    /* ZREVRANGE r 0 2 WITHSCORES */
    {"*5\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n2\r\n$10\r\nWITHSCORES\r\n",
     "*3\r\n*2\r\n$1\r\nf\r\n,6\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n"},
    /* ZREVRANGE r -2 -1 */
    {"*4\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$2\r\n-2\r\n$2\r\n-1\r\n",
     "*2\r\n$1\r\nb\r\n$1\r\na\r\n"},
    /* ZREVRANGE r 0 1 LIMIT 0 1 */
    {"*7\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$5\r\nLIMIT\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
    /* ZREVRANGE r 0 1 REV */
    {"*5\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$3\r\nREV\r\n",
     "-ERR syntax error\r\n"},
    /* ZREVRANGE r 0 1 BYSCORE */
    {"*5\r\n$9\r\nZREVRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n1\r\n$7\r\nBYSCORE\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGEBYSCORE r -inf +inf */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$4\r\n-inf\r\n$4\r\n+inf\r\n",
     "*8\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n$1\r\nf\r\n"},
    /* ZRANGEBYSCORE r 2 5 WITHSCORES */
    {"*5\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$10\r\nWITHSCORES\r\n",
     "*6\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$3\r\neee\r\n,5\r\n"},
    /* ZRANGEBYSCORE r (2 5 LIMIT 1 2 */
    {"*7\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n(2\r\n$1\r\n5\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"},
    /* ZRANGEBYSCORE r (2 5 WITHSCORES LIMIT 1 2 */
    {"*8\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n(2\r\n$1\r\n5\r\n$10\r\nWITHSCORES\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*2\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
    /* ZRANGEBYSCORE r 2 5 LIMIT 0 -5 */
    {"*7\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$5\r\nLIMIT\r\n$1\r\n0\r\n$2\r\n-5\r\n",
     "*6\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n"},
    /* ZRANGEBYSCORE r 2 5 LIMIT -1 5 */
    {"*7\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$5\r\nLIMIT\r\n$2\r\n-1\r\n$1\r\n5\r\n",
     "*0\r\n"},
    /* ZRANGEBYSCORE r 5 5 */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n5\r\n",
     "*3\r\n$1\r\ne\r\n$2\r\nee\r\n$3\r\neee\r\n"},
    /* ZRANGEBYSCORE r (5 5 */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n(5\r\n$1\r\n5\r\n",
     "*0\r\n"},
    /* ZRANGEBYSCORE r 5 (5 */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n5\r\n$2\r\n(5\r\n",
     "*0\r\n"},
    /* ZRANGEBYSCORE r 2 5 REV */
    {"*5\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$3\r\nREV\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGEBYSCORE r 2 5 BYSCORE */
    {"*5\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$7\r\nBYSCORE\r\n",
     "-ERR syntax error\r\n"},
    /* ZRANGEBYSCORE r x 5 */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\nx\r\n$1\r\n5\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZRANGEBYSCORE r 2 5 LIMIT 100 1 */
    {"*7\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n$5\r\nLIMIT\r\n$3\r\n100\r\n$1\r\n1\r\n",
     "*0\r\n"},
    /* ZREVRANGEBYSCORE r +inf -inf */
    {"*4\r\n$16\r\nZREVRANGEBYSCORE\r\n$1\r\nr\r\n$4\r\n+inf\r\n$4\r\n-inf\r\n",
     "*8\r\n$1\r\nf\r\n$3\r\neee\r\n$2\r\nee\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
    /* ZREVRANGEBYSCORE r 5 2 WITHSCORES */
    {"*5\r\n$16\r\nZREVRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n2\r\n$10\r\nWITHSCORES\r\n",
     "*6\r\n*2\r\n$3\r\neee\r\n,5\r\n*2\r\n$2\r\nee\r\n,5\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n"},
    /* ZREVRANGEBYSCORE r 5 (2 LIMIT 1 2 */
    {"*7\r\n$16\r\nZREVRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n5\r\n$2\r\n(2\r\n$5\r\nLIMIT\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "*2\r\n$2\r\nee\r\n$1\r\ne\r\n"},
    /* ZREVRANGEBYSCORE r 2 5 */
    {"*4\r\n$16\r\nZREVRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\n2\r\n$1\r\n5\r\n",
     "*0\r\n"},
    /* ZREVRANGEBYSCORE r (5 (2 */
    {"*4\r\n$16\r\nZREVRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n(5\r\n$2\r\n(2\r\n",
     "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"},
    /* ZRANGEBYSCORE s 0 1 */
    {"*4\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZRANGE s 0 1 BYSCORE */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n$7\r\nBYSCORE\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZRANGEBYLEX s - + */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\ns\r\n$1\r\n-\r\n$1\r\n+\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZREVRANGE s 0 1 */
    {"*4\r\n$9\r\nZREVRANGE\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    {NULL, NULL},
};

static const struct step edges_resp2[] = {
    /* ZADD a 1 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm */
    {"*4\r\n$4\r\nZADD\r\n$1\r\na\r\n$1\r\n1\r\n$64\r\nmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\r\n",
     ":1\r\n"},
    /* OBJECT ENCODING a */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\na\r\n",
     "$8\r\nlistpack\r\n"},
    /* ZADD b 1 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nb\r\n$1\r\n1\r\n$65\r\nmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\r\n",
     ":1\r\n"},
    /* OBJECT ENCODING b */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nb\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZREM b mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm */
    {"*3\r\n$4\r\nZREM\r\n$1\r\nb\r\n$65\r\nmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\r\n",
     ":1\r\n"},
    /* EXISTS b */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\nb\r\n",
     ":0\r\n"},
    /* ZADD c 1 x 2 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n2\r\n$65\r\nmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\r\n",
     ":2\r\n"},
    /* OBJECT ENCODING c */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nc\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZREM c mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm */
    {"*3\r\n$4\r\nZREM\r\n$1\r\nc\r\n$65\r\nmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\r\n",
     ":1\r\n"},
    /* OBJECT ENCODING c */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nc\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZADD c -0 y */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nc\r\n$2\r\n-0\r\n$1\r\ny\r\n",
     ":1\r\n"},
    /* ZSCORE c y */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\nc\r\n$1\r\ny\r\n",
     "$2\r\n-0\r\n"},
    /* ZADD c INCR -0 y */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nc\r\n$4\r\nINCR\r\n$2\r\n-0\r\n$1\r\ny\r\n",
     "$2\r\n-0\r\n"},
    /* ZRANGE c 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nc\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*4\r\n$1\r\ny\r\n$2\r\n-0\r\n$1\r\nx\r\n$1\r\n1\r\n"},
    /* ZADD d 0 m0 1 m1 2 m2 3 m3 4 m4 5 m5 6 m6 7 m7 8 m8 9 m9 10 m10 11 m11 12 m12 13 m13 14... */
    {"*258\r\n$4\r\nZADD\r\n$1\r\nd\r\n$1\r\n0\r\n$2\r\nm0\r\n$1\r\n1\r\n$2\r\nm1\r\n$1\r\n2\r\n$2\r\nm2\r\n$1\r\n3\r\n$2\r\nm3\r\n$1\r\n4\r\n$2\r\nm4\r\n$1\r\n5\r\n$2\r\nm5\r\n$1\r\n6\r\n$2\r\nm6\r\n$1\r\n7\r\n$2\r\nm7\r\n$1\r\n8\r\n$2\r\nm8\r\n$1\r\n9\r\n$2\r\nm9\r\n$2\r\n10\r\n$3\r\nm10\r\n$2\r\n11\r\n$3\r\nm11\r\n$2\r\n12\r\n$3\r\nm12\r\n$2\r\n13\r\n$3\r\nm13\r\n$2\r\n14\r\n$3\r\nm14\r\n$2\r\n15\r\n$3\r\nm15\r\n$2\r\n16\r\n$3\r\nm16\r\n$2\r\n17\r\n$3\r\nm17\r\n$2\r\n18\r\n$3\r\nm18\r\n$2\r\n19\r\n$3\r\nm19\r\n$2\r\n20\r\n$3\r\nm20\r\n$2\r\n21\r\n$3\r\nm21\r\n$2\r\n22\r\n$3\r\nm22\r\n$2\r\n23\r\n$3\r\nm23\r\n$2\r\n24\r\n$3\r\nm24\r\n$2\r\n25\r\n$3\r\nm25\r\n$2\r\n26\r\n$3\r\nm26\r\n$2\r\n27\r\n$3\r\nm27\r\n$2\r\n28\r\n$3\r\nm28\r\n$2\r\n29\r\n$3\r\nm29\r\n$2\r\n30\r\n$3\r\nm30\r\n$2\r\n31\r\n$3\r\nm31\r\n$2\r\n32\r\n$3\r\nm32\r\n$2\r\n33\r\n$3\r\nm33\r\n$2\r\n34\r\n$3\r\nm34\r\n$2\r\n35\r\n$3\r\nm35\r\n$2\r\n36\r\n$3\r\nm36\r\n$2\r\n37\r\n$3\r\nm37\r\n$2\r\n38\r\n$3\r\nm38\r\n$2\r\n39\r\n$3\r\nm39\r\n$2\r\n40\r\n$3\r\nm40\r\n$2\r\n41\r\n$3\r\nm41\r\n$2\r\n42\r\n$3\r\nm42\r\n$2\r\n43\r\n$3\r\nm43\r\n$2\r\n44\r\n$3\r\nm44\r\n$2\r\n45\r\n$3\r\nm45\r\n$2\r\n46\r\n$3\r\nm46\r\n$2\r\n47\r\n$3\r\nm47\r\n$2\r\n48\r\n$3\r\nm48\r\n$2\r\n49\r\n$3\r\nm49\r\n$2\r\n50\r\n$3\r\nm50\r\n$2\r\n51\r\n$3\r\nm51\r\n$2\r\n52\r\n$3\r\nm52\r\n$2\r\n53\r\n$3\r\nm53\r\n$2\r\n54\r\n$3\r\nm54\r\n$2\r\n55\r\n$3\r\nm55\r\n$2\r\n56\r\n$3\r\nm56\r\n$2\r\n57\r\n$3\r\nm57\r\n$2\r\n58\r\n$3\r\nm58\r\n$2\r\n59\r\n$3\r\nm59\r\n$2\r\n60\r\n$3\r\nm60\r\n$2\r\n61\r\n$3\r\nm61\r\n$2\r\n62\r\n$3\r\nm62\r\n$2\r\n63\r\n$3\r\nm63\r\n$2\r\n64\r\n$3\r\nm64\r\n$2\r\n65\r\n$3\r\nm65\r\n$2\r\n66\r\n$3\r\nm66\r\n$2\r\n67\r\n$3\r\nm67\r\n$2\r\n68\r\n$3\r\nm68\r\n$2\r\n69\r\n$3\r\nm69\r\n$2\r\n70\r\n$3\r\nm70\r\n$2\r\n71\r\n$3\r\nm71\r\n$2\r\n72\r\n$3\r\nm72\r\n$2\r\n73\r\n$3\r\nm73\r\n$2\r\n74\r\n$3\r\nm74\r\n$2\r\n75\r\n$3\r\nm75\r\n$2\r\n76\r\n$3\r\nm76\r\n$2\r\n77\r\n$3\r\nm77\r\n$2\r\n78\r\n$3\r\nm78\r\n$2\r\n79\r\n$3\r\nm79\r\n$2\r\n80\r\n$3\r\nm80\r\n$2\r\n81\r\n$3\r\nm81\r\n$2\r\n82\r\n$3\r\nm82\r\n$2\r\n83\r\n$3\r\nm83\r\n$2\r\n84\r\n$3\r\nm84\r\n$2\r\n85\r\n$3\r\nm85\r\n$2\r\n86\r\n$3\r\nm86\r\n$2\r\n87\r\n$3\r\nm87\r\n$2\r\n88\r\n$3\r\nm88\r\n$2\r\n89\r\n$3\r\nm89\r\n$2\r\n90\r\n$3\r\nm90\r\n$2\r\n91\r\n$3\r\nm91\r\n$2\r\n92\r\n$3\r\nm92\r\n$2\r\n93\r\n$3\r\nm93\r\n$2\r\n94\r\n$3\r\nm94\r\n$2\r\n95\r\n$3\r\nm95\r\n$2\r\n96\r\n$3\r\nm96\r\n$2\r\n97\r\n$3\r\nm97\r\n$2\r\n98\r\n$3\r\nm98\r\n$2\r\n99\r\n$3\r\nm99\r\n$3\r\n100\r\n$4\r\nm100\r\n$3\r\n101\r\n$4\r\nm101\r\n$3\r\n102\r\n$4\r\nm102\r\n$3\r\n103\r\n$4\r\nm103\r\n$3\r\n104\r\n$4\r\nm104\r\n$3\r\n105\r\n$4\r\nm105\r\n$3\r\n106\r\n$4\r\nm106\r\n$3\r\n107\r\n$4\r\nm107\r\n$3\r\n108\r\n$4\r\nm108\r\n$3\r\n109\r\n$4\r\nm109\r\n$3\r\n110\r\n$4\r\nm110\r\n$3\r\n111\r\n$4\r\nm111\r\n$3\r\n112\r\n$4\r\nm112\r\n$3\r\n113\r\n$4\r\nm113\r\n$3\r\n114\r\n$4\r\nm114\r\n$3\r\n115\r\n$4\r\nm115\r\n$3\r\n116\r\n$4\r\nm116\r\n$3\r\n117\r\n$4\r\nm117\r\n$3\r\n118\r\n$4\r\nm118\r\n$3\r\n119\r\n$4\r\nm119\r\n$3\r\n120\r\n$4\r\nm120\r\n$3\r\n121\r\n$4\r\nm121\r\n$3\r\n122\r\n$4\r\nm122\r\n$3\r\n123\r\n$4\r\nm123\r\n$3\r\n124\r\n$4\r\nm124\r\n$3\r\n125\r\n$4\r\nm125\r\n$3\r\n126\r\n$4\r\nm126\r\n$3\r\n127\r\n$4\r\nm127\r\n",
     ":128\r\n"},
    /* OBJECT ENCODING d */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nd\r\n",
     "$8\r\nlistpack\r\n"},
    /* ZADD d 5 m5 */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nd\r\n$1\r\n5\r\n$2\r\nm5\r\n",
     ":0\r\n"},
    /* OBJECT ENCODING d */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nd\r\n",
     "$8\r\nlistpack\r\n"},
    /* ZADD d 500 extra */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nd\r\n$3\r\n500\r\n$5\r\nextra\r\n",
     ":1\r\n"},
    /* OBJECT ENCODING d */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nd\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZREM d extra m1 */
    {"*4\r\n$4\r\nZREM\r\n$1\r\nd\r\n$5\r\nextra\r\n$2\r\nm1\r\n",
     ":2\r\n"},
    /* OBJECT ENCODING d */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nd\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZCARD d */
    {"*2\r\n$5\r\nZCARD\r\n$1\r\nd\r\n",
     ":127\r\n"},
    /* ZADD e 0 m0 1 m1 2 m2 3 m3 4 m4 5 m5 6 m6 7 m7 8 m8 9 m9 10 m10 11 m11 12 m12 13 m13 14... */
    {"*260\r\n$4\r\nZADD\r\n$1\r\ne\r\n$1\r\n0\r\n$2\r\nm0\r\n$1\r\n1\r\n$2\r\nm1\r\n$1\r\n2\r\n$2\r\nm2\r\n$1\r\n3\r\n$2\r\nm3\r\n$1\r\n4\r\n$2\r\nm4\r\n$1\r\n5\r\n$2\r\nm5\r\n$1\r\n6\r\n$2\r\nm6\r\n$1\r\n7\r\n$2\r\nm7\r\n$1\r\n8\r\n$2\r\nm8\r\n$1\r\n9\r\n$2\r\nm9\r\n$2\r\n10\r\n$3\r\nm10\r\n$2\r\n11\r\n$3\r\nm11\r\n$2\r\n12\r\n$3\r\nm12\r\n$2\r\n13\r\n$3\r\nm13\r\n$2\r\n14\r\n$3\r\nm14\r\n$2\r\n15\r\n$3\r\nm15\r\n$2\r\n16\r\n$3\r\nm16\r\n$2\r\n17\r\n$3\r\nm17\r\n$2\r\n18\r\n$3\r\nm18\r\n$2\r\n19\r\n$3\r\nm19\r\n$2\r\n20\r\n$3\r\nm20\r\n$2\r\n21\r\n$3\r\nm21\r\n$2\r\n22\r\n$3\r\nm22\r\n$2\r\n23\r\n$3\r\nm23\r\n$2\r\n24\r\n$3\r\nm24\r\n$2\r\n25\r\n$3\r\nm25\r\n$2\r\n26\r\n$3\r\nm26\r\n$2\r\n27\r\n$3\r\nm27\r\n$2\r\n28\r\n$3\r\nm28\r\n$2\r\n29\r\n$3\r\nm29\r\n$2\r\n30\r\n$3\r\nm30\r\n$2\r\n31\r\n$3\r\nm31\r\n$2\r\n32\r\n$3\r\nm32\r\n$2\r\n33\r\n$3\r\nm33\r\n$2\r\n34\r\n$3\r\nm34\r\n$2\r\n35\r\n$3\r\nm35\r\n$2\r\n36\r\n$3\r\nm36\r\n$2\r\n37\r\n$3\r\nm37\r\n$2\r\n38\r\n$3\r\nm38\r\n$2\r\n39\r\n$3\r\nm39\r\n$2\r\n40\r\n$3\r\nm40\r\n$2\r\n41\r\n$3\r\nm41\r\n$2\r\n42\r\n$3\r\nm42\r\n$2\r\n43\r\n$3\r\nm43\r\n$2\r\n44\r\n$3\r\nm44\r\n$2\r\n45\r\n$3\r\nm45\r\n$2\r\n46\r\n$3\r\nm46\r\n$2\r\n47\r\n$3\r\nm47\r\n$2\r\n48\r\n$3\r\nm48\r\n$2\r\n49\r\n$3\r\nm49\r\n$2\r\n50\r\n$3\r\nm50\r\n$2\r\n51\r\n$3\r\nm51\r\n$2\r\n52\r\n$3\r\nm52\r\n$2\r\n53\r\n$3\r\nm53\r\n$2\r\n54\r\n$3\r\nm54\r\n$2\r\n55\r\n$3\r\nm55\r\n$2\r\n56\r\n$3\r\nm56\r\n$2\r\n57\r\n$3\r\nm57\r\n$2\r\n58\r\n$3\r\nm58\r\n$2\r\n59\r\n$3\r\nm59\r\n$2\r\n60\r\n$3\r\nm60\r\n$2\r\n61\r\n$3\r\nm61\r\n$2\r\n62\r\n$3\r\nm62\r\n$2\r\n63\r\n$3\r\nm63\r\n$2\r\n64\r\n$3\r\nm64\r\n$2\r\n65\r\n$3\r\nm65\r\n$2\r\n66\r\n$3\r\nm66\r\n$2\r\n67\r\n$3\r\nm67\r\n$2\r\n68\r\n$3\r\nm68\r\n$2\r\n69\r\n$3\r\nm69\r\n$2\r\n70\r\n$3\r\nm70\r\n$2\r\n71\r\n$3\r\nm71\r\n$2\r\n72\r\n$3\r\nm72\r\n$2\r\n73\r\n$3\r\nm73\r\n$2\r\n74\r\n$3\r\nm74\r\n$2\r\n75\r\n$3\r\nm75\r\n$2\r\n76\r\n$3\r\nm76\r\n$2\r\n77\r\n$3\r\nm77\r\n$2\r\n78\r\n$3\r\nm78\r\n$2\r\n79\r\n$3\r\nm79\r\n$2\r\n80\r\n$3\r\nm80\r\n$2\r\n81\r\n$3\r\nm81\r\n$2\r\n82\r\n$3\r\nm82\r\n$2\r\n83\r\n$3\r\nm83\r\n$2\r\n84\r\n$3\r\nm84\r\n$2\r\n85\r\n$3\r\nm85\r\n$2\r\n86\r\n$3\r\nm86\r\n$2\r\n87\r\n$3\r\nm87\r\n$2\r\n88\r\n$3\r\nm88\r\n$2\r\n89\r\n$3\r\nm89\r\n$2\r\n90\r\n$3\r\nm90\r\n$2\r\n91\r\n$3\r\nm91\r\n$2\r\n92\r\n$3\r\nm92\r\n$2\r\n93\r\n$3\r\nm93\r\n$2\r\n94\r\n$3\r\nm94\r\n$2\r\n95\r\n$3\r\nm95\r\n$2\r\n96\r\n$3\r\nm96\r\n$2\r\n97\r\n$3\r\nm97\r\n$2\r\n98\r\n$3\r\nm98\r\n$2\r\n99\r\n$3\r\nm99\r\n$3\r\n100\r\n$4\r\nm100\r\n$3\r\n101\r\n$4\r\nm101\r\n$3\r\n102\r\n$4\r\nm102\r\n$3\r\n103\r\n$4\r\nm103\r\n$3\r\n104\r\n$4\r\nm104\r\n$3\r\n105\r\n$4\r\nm105\r\n$3\r\n106\r\n$4\r\nm106\r\n$3\r\n107\r\n$4\r\nm107\r\n$3\r\n108\r\n$4\r\nm108\r\n$3\r\n109\r\n$4\r\nm109\r\n$3\r\n110\r\n$4\r\nm110\r\n$3\r\n111\r\n$4\r\nm111\r\n$3\r\n112\r\n$4\r\nm112\r\n$3\r\n113\r\n$4\r\nm113\r\n$3\r\n114\r\n$4\r\nm114\r\n$3\r\n115\r\n$4\r\nm115\r\n$3\r\n116\r\n$4\r\nm116\r\n$3\r\n117\r\n$4\r\nm117\r\n$3\r\n118\r\n$4\r\nm118\r\n$3\r\n119\r\n$4\r\nm119\r\n$3\r\n120\r\n$4\r\nm120\r\n$3\r\n121\r\n$4\r\nm121\r\n$3\r\n122\r\n$4\r\nm122\r\n$3\r\n123\r\n$4\r\nm123\r\n$3\r\n124\r\n$4\r\nm124\r\n$3\r\n125\r\n$4\r\nm125\r\n$3\r\n126\r\n$4\r\nm126\r\n$3\r\n127\r\n$4\r\nm127\r\n$3\r\n128\r\n$4\r\nm128\r\n",
     ":129\r\n"},
    /* OBJECT ENCODING e */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\ne\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZADD f XX 1 a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nf\r\n$2\r\nXX\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* EXISTS f */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\nf\r\n",
     ":0\r\n"},
    /* ZADD f XX INCR 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nf\r\n$2\r\nXX\r\n$4\r\nINCR\r\n$1\r\n1\r\n$1\r\na\r\n",
     "$-1\r\n"},
    /* ZADD f GT 1 a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nf\r\n$2\r\nGT\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* ZSCORE f a */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\nf\r\n$1\r\na\r\n",
     "$1\r\n1\r\n"},
    /* ZADD g 1 a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* ZADD g CH INCR 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\ng\r\n$2\r\nCH\r\n$4\r\nINCR\r\n$1\r\n1\r\n$1\r\na\r\n",
     "$1\r\n2\r\n"},
    /* ZADD g inf a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$3\r\ninf\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* ZINCRBY g -inf a */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\na\r\n",
     "-ERR resulting score is not a number (NaN)\r\n"},
    /* ZSCORE g a */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\ng\r\n$1\r\na\r\n",
     "$3\r\ninf\r\n"},
    /* ZADD g INCR -inf a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\ng\r\n$4\r\nINCR\r\n$4\r\n-inf\r\n$1\r\na\r\n",
     "-ERR resulting score is not a number (NaN)\r\n"},
    /* ZADD g 1e400 b */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$5\r\n1e400\r\n$1\r\nb\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD g 0x10 c */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$4\r\n0x10\r\n$1\r\nc\r\n",
     ":1\r\n"},
    /* ZADD g ' 1' d */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$2\r\n 1\r\n$1\r\nd\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD g '1 ' d */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$2\r\n1 \r\n$1\r\nd\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD g 1e-400 e */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$6\r\n1e-400\r\n$1\r\ne\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZRANGE g 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\ng\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*4\r\n$1\r\nc\r\n$2\r\n16\r\n$1\r\na\r\n$3\r\ninf\r\n"},
    /* ZRANGE d 120 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nd\r\n$3\r\n120\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*14\r\n$4\r\nm121\r\n$3\r\n121\r\n$4\r\nm122\r\n$3\r\n122\r\n$4\r\nm123\r\n$3\r\n123\r\n$4\r\nm124\r\n$3\r\n124\r\n$4\r\nm125\r\n$3\r\n125\r\n$4\r\nm126\r\n$3\r\n126\r\n$4\r\nm127\r\n$3\r\n127\r\n"},
    /* ZRANGEBYSCORE d (100 +inf LIMIT 5 10 */
    {"*7\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nd\r\n$4\r\n(100\r\n$4\r\n+inf\r\n$5\r\nLIMIT\r\n$1\r\n5\r\n$2\r\n10\r\n",
     "*10\r\n$4\r\nm106\r\n$4\r\nm107\r\n$4\r\nm108\r\n$4\r\nm109\r\n$4\r\nm110\r\n$4\r\nm111\r\n$4\r\nm112\r\n$4\r\nm113\r\n$4\r\nm114\r\n$4\r\nm115\r\n"},
    /* ZCOUNT d 10 1e1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nd\r\n$2\r\n10\r\n$3\r\n1e1\r\n",
     ":1\r\n"},
    /* ZCOUNT d '(' 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nd\r\n$1\r\n(\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZCOUNT d ' 1' 5 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nd\r\n$2\r\n 1\r\n$1\r\n5\r\n",
     ":4\r\n"},
    /* ZCOUNT d 0x10 20 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nd\r\n$4\r\n0x10\r\n$2\r\n20\r\n",
     ":5\r\n"},
    /* ZADD h 1 a 1 b 1 A 1 '' 1 aa */
    {"*12\r\n$4\r\nZADD\r\n$1\r\nh\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nA\r\n$1\r\n1\r\n$0\r\n\r\n$1\r\n1\r\n$2\r\naa\r\n",
     ":5\r\n"},
    /* ZRANGE h 0 -1 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nh\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*5\r\n$0\r\n\r\n$1\r\nA\r\n$1\r\na\r\n$2\r\naa\r\n$1\r\nb\r\n"},
    /* ZRANGEBYLEX h - [a */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\nh\r\n$1\r\n-\r\n$2\r\n[a\r\n",
     "*3\r\n$0\r\n\r\n$1\r\nA\r\n$1\r\na\r\n"},
    /* ZRANGEBYLEX h [ [a */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\nh\r\n$1\r\n[\r\n$2\r\n[a\r\n",
     "*3\r\n$0\r\n\r\n$1\r\nA\r\n$1\r\na\r\n"},
    /* ZRANGEBYLEX h ( + */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\nh\r\n$1\r\n(\r\n$1\r\n+\r\n",
     "*4\r\n$1\r\nA\r\n$1\r\na\r\n$2\r\naa\r\n$1\r\nb\r\n"},
    {NULL, NULL},
};

static const struct step edges_resp3[] = {
    /* ZADD a 1 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm */
    {"*4\r\n$4\r\nZADD\r\n$1\r\na\r\n$1\r\n1\r\n$64\r\nmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\r\n",
     ":1\r\n"},
    /* OBJECT ENCODING a */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\na\r\n",
     "$8\r\nlistpack\r\n"},
    /* ZADD b 1 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nb\r\n$1\r\n1\r\n$65\r\nmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\r\n",
     ":1\r\n"},
    /* OBJECT ENCODING b */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nb\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZREM b mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm */
    {"*3\r\n$4\r\nZREM\r\n$1\r\nb\r\n$65\r\nmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\r\n",
     ":1\r\n"},
    /* EXISTS b */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\nb\r\n",
     ":0\r\n"},
    /* ZADD c 1 x 2 mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n2\r\n$65\r\nmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\r\n",
     ":2\r\n"},
    /* OBJECT ENCODING c */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nc\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZREM c mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm */
    {"*3\r\n$4\r\nZREM\r\n$1\r\nc\r\n$65\r\nmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\r\n",
     ":1\r\n"},
    /* OBJECT ENCODING c */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nc\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZADD c -0 y */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nc\r\n$2\r\n-0\r\n$1\r\ny\r\n",
     ":1\r\n"},
    /* ZSCORE c y */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\nc\r\n$1\r\ny\r\n",
     ",-0\r\n"},
    /* ZADD c INCR -0 y */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nc\r\n$4\r\nINCR\r\n$2\r\n-0\r\n$1\r\ny\r\n",
     ",-0\r\n"},
    /* ZRANGE c 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nc\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*2\r\n*2\r\n$1\r\ny\r\n,-0\r\n*2\r\n$1\r\nx\r\n,1\r\n"},
    /* ZADD d 0 m0 1 m1 2 m2 3 m3 4 m4 5 m5 6 m6 7 m7 8 m8 9 m9 10 m10 11 m11 12 m12 13 m13 14... */
    {"*258\r\n$4\r\nZADD\r\n$1\r\nd\r\n$1\r\n0\r\n$2\r\nm0\r\n$1\r\n1\r\n$2\r\nm1\r\n$1\r\n2\r\n$2\r\nm2\r\n$1\r\n3\r\n$2\r\nm3\r\n$1\r\n4\r\n$2\r\nm4\r\n$1\r\n5\r\n$2\r\nm5\r\n$1\r\n6\r\n$2\r\nm6\r\n$1\r\n7\r\n$2\r\nm7\r\n$1\r\n8\r\n$2\r\nm8\r\n$1\r\n9\r\n$2\r\nm9\r\n$2\r\n10\r\n$3\r\nm10\r\n$2\r\n11\r\n$3\r\nm11\r\n$2\r\n12\r\n$3\r\nm12\r\n$2\r\n13\r\n$3\r\nm13\r\n$2\r\n14\r\n$3\r\nm14\r\n$2\r\n15\r\n$3\r\nm15\r\n$2\r\n16\r\n$3\r\nm16\r\n$2\r\n17\r\n$3\r\nm17\r\n$2\r\n18\r\n$3\r\nm18\r\n$2\r\n19\r\n$3\r\nm19\r\n$2\r\n20\r\n$3\r\nm20\r\n$2\r\n21\r\n$3\r\nm21\r\n$2\r\n22\r\n$3\r\nm22\r\n$2\r\n23\r\n$3\r\nm23\r\n$2\r\n24\r\n$3\r\nm24\r\n$2\r\n25\r\n$3\r\nm25\r\n$2\r\n26\r\n$3\r\nm26\r\n$2\r\n27\r\n$3\r\nm27\r\n$2\r\n28\r\n$3\r\nm28\r\n$2\r\n29\r\n$3\r\nm29\r\n$2\r\n30\r\n$3\r\nm30\r\n$2\r\n31\r\n$3\r\nm31\r\n$2\r\n32\r\n$3\r\nm32\r\n$2\r\n33\r\n$3\r\nm33\r\n$2\r\n34\r\n$3\r\nm34\r\n$2\r\n35\r\n$3\r\nm35\r\n$2\r\n36\r\n$3\r\nm36\r\n$2\r\n37\r\n$3\r\nm37\r\n$2\r\n38\r\n$3\r\nm38\r\n$2\r\n39\r\n$3\r\nm39\r\n$2\r\n40\r\n$3\r\nm40\r\n$2\r\n41\r\n$3\r\nm41\r\n$2\r\n42\r\n$3\r\nm42\r\n$2\r\n43\r\n$3\r\nm43\r\n$2\r\n44\r\n$3\r\nm44\r\n$2\r\n45\r\n$3\r\nm45\r\n$2\r\n46\r\n$3\r\nm46\r\n$2\r\n47\r\n$3\r\nm47\r\n$2\r\n48\r\n$3\r\nm48\r\n$2\r\n49\r\n$3\r\nm49\r\n$2\r\n50\r\n$3\r\nm50\r\n$2\r\n51\r\n$3\r\nm51\r\n$2\r\n52\r\n$3\r\nm52\r\n$2\r\n53\r\n$3\r\nm53\r\n$2\r\n54\r\n$3\r\nm54\r\n$2\r\n55\r\n$3\r\nm55\r\n$2\r\n56\r\n$3\r\nm56\r\n$2\r\n57\r\n$3\r\nm57\r\n$2\r\n58\r\n$3\r\nm58\r\n$2\r\n59\r\n$3\r\nm59\r\n$2\r\n60\r\n$3\r\nm60\r\n$2\r\n61\r\n$3\r\nm61\r\n$2\r\n62\r\n$3\r\nm62\r\n$2\r\n63\r\n$3\r\nm63\r\n$2\r\n64\r\n$3\r\nm64\r\n$2\r\n65\r\n$3\r\nm65\r\n$2\r\n66\r\n$3\r\nm66\r\n$2\r\n67\r\n$3\r\nm67\r\n$2\r\n68\r\n$3\r\nm68\r\n$2\r\n69\r\n$3\r\nm69\r\n$2\r\n70\r\n$3\r\nm70\r\n$2\r\n71\r\n$3\r\nm71\r\n$2\r\n72\r\n$3\r\nm72\r\n$2\r\n73\r\n$3\r\nm73\r\n$2\r\n74\r\n$3\r\nm74\r\n$2\r\n75\r\n$3\r\nm75\r\n$2\r\n76\r\n$3\r\nm76\r\n$2\r\n77\r\n$3\r\nm77\r\n$2\r\n78\r\n$3\r\nm78\r\n$2\r\n79\r\n$3\r\nm79\r\n$2\r\n80\r\n$3\r\nm80\r\n$2\r\n81\r\n$3\r\nm81\r\n$2\r\n82\r\n$3\r\nm82\r\n$2\r\n83\r\n$3\r\nm83\r\n$2\r\n84\r\n$3\r\nm84\r\n$2\r\n85\r\n$3\r\nm85\r\n$2\r\n86\r\n$3\r\nm86\r\n$2\r\n87\r\n$3\r\nm87\r\n$2\r\n88\r\n$3\r\nm88\r\n$2\r\n89\r\n$3\r\nm89\r\n$2\r\n90\r\n$3\r\nm90\r\n$2\r\n91\r\n$3\r\nm91\r\n$2\r\n92\r\n$3\r\nm92\r\n$2\r\n93\r\n$3\r\nm93\r\n$2\r\n94\r\n$3\r\nm94\r\n$2\r\n95\r\n$3\r\nm95\r\n$2\r\n96\r\n$3\r\nm96\r\n$2\r\n97\r\n$3\r\nm97\r\n$2\r\n98\r\n$3\r\nm98\r\n$2\r\n99\r\n$3\r\nm99\r\n$3\r\n100\r\n$4\r\nm100\r\n$3\r\n101\r\n$4\r\nm101\r\n$3\r\n102\r\n$4\r\nm102\r\n$3\r\n103\r\n$4\r\nm103\r\n$3\r\n104\r\n$4\r\nm104\r\n$3\r\n105\r\n$4\r\nm105\r\n$3\r\n106\r\n$4\r\nm106\r\n$3\r\n107\r\n$4\r\nm107\r\n$3\r\n108\r\n$4\r\nm108\r\n$3\r\n109\r\n$4\r\nm109\r\n$3\r\n110\r\n$4\r\nm110\r\n$3\r\n111\r\n$4\r\nm111\r\n$3\r\n112\r\n$4\r\nm112\r\n$3\r\n113\r\n$4\r\nm113\r\n$3\r\n114\r\n$4\r\nm114\r\n$3\r\n115\r\n$4\r\nm115\r\n$3\r\n116\r\n$4\r\nm116\r\n$3\r\n117\r\n$4\r\nm117\r\n$3\r\n118\r\n$4\r\nm118\r\n$3\r\n119\r\n$4\r\nm119\r\n$3\r\n120\r\n$4\r\nm120\r\n$3\r\n121\r\n$4\r\nm121\r\n$3\r\n122\r\n$4\r\nm122\r\n$3\r\n123\r\n$4\r\nm123\r\n$3\r\n124\r\n$4\r\nm124\r\n$3\r\n125\r\n$4\r\nm125\r\n$3\r\n126\r\n$4\r\nm126\r\n$3\r\n127\r\n$4\r\nm127\r\n",
     ":128\r\n"},
    /* OBJECT ENCODING d */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nd\r\n",
     "$8\r\nlistpack\r\n"},
    /* ZADD d 5 m5 */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nd\r\n$1\r\n5\r\n$2\r\nm5\r\n",
     ":0\r\n"},
    /* OBJECT ENCODING d */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nd\r\n",
     "$8\r\nlistpack\r\n"},
    /* ZADD d 500 extra */
    {"*4\r\n$4\r\nZADD\r\n$1\r\nd\r\n$3\r\n500\r\n$5\r\nextra\r\n",
     ":1\r\n"},
    /* OBJECT ENCODING d */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nd\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZREM d extra m1 */
    {"*4\r\n$4\r\nZREM\r\n$1\r\nd\r\n$5\r\nextra\r\n$2\r\nm1\r\n",
     ":2\r\n"},
    /* OBJECT ENCODING d */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nd\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZCARD d */
    {"*2\r\n$5\r\nZCARD\r\n$1\r\nd\r\n",
     ":127\r\n"},
    /* ZADD e 0 m0 1 m1 2 m2 3 m3 4 m4 5 m5 6 m6 7 m7 8 m8 9 m9 10 m10 11 m11 12 m12 13 m13 14... */
    {"*260\r\n$4\r\nZADD\r\n$1\r\ne\r\n$1\r\n0\r\n$2\r\nm0\r\n$1\r\n1\r\n$2\r\nm1\r\n$1\r\n2\r\n$2\r\nm2\r\n$1\r\n3\r\n$2\r\nm3\r\n$1\r\n4\r\n$2\r\nm4\r\n$1\r\n5\r\n$2\r\nm5\r\n$1\r\n6\r\n$2\r\nm6\r\n$1\r\n7\r\n$2\r\nm7\r\n$1\r\n8\r\n$2\r\nm8\r\n$1\r\n9\r\n$2\r\nm9\r\n$2\r\n10\r\n$3\r\nm10\r\n$2\r\n11\r\n$3\r\nm11\r\n$2\r\n12\r\n$3\r\nm12\r\n$2\r\n13\r\n$3\r\nm13\r\n$2\r\n14\r\n$3\r\nm14\r\n$2\r\n15\r\n$3\r\nm15\r\n$2\r\n16\r\n$3\r\nm16\r\n$2\r\n17\r\n$3\r\nm17\r\n$2\r\n18\r\n$3\r\nm18\r\n$2\r\n19\r\n$3\r\nm19\r\n$2\r\n20\r\n$3\r\nm20\r\n$2\r\n21\r\n$3\r\nm21\r\n$2\r\n22\r\n$3\r\nm22\r\n$2\r\n23\r\n$3\r\nm23\r\n$2\r\n24\r\n$3\r\nm24\r\n$2\r\n25\r\n$3\r\nm25\r\n$2\r\n26\r\n$3\r\nm26\r\n$2\r\n27\r\n$3\r\nm27\r\n$2\r\n28\r\n$3\r\nm28\r\n$2\r\n29\r\n$3\r\nm29\r\n$2\r\n30\r\n$3\r\nm30\r\n$2\r\n31\r\n$3\r\nm31\r\n$2\r\n32\r\n$3\r\nm32\r\n$2\r\n33\r\n$3\r\nm33\r\n$2\r\n34\r\n$3\r\nm34\r\n$2\r\n35\r\n$3\r\nm35\r\n$2\r\n36\r\n$3\r\nm36\r\n$2\r\n37\r\n$3\r\nm37\r\n$2\r\n38\r\n$3\r\nm38\r\n$2\r\n39\r\n$3\r\nm39\r\n$2\r\n40\r\n$3\r\nm40\r\n$2\r\n41\r\n$3\r\nm41\r\n$2\r\n42\r\n$3\r\nm42\r\n$2\r\n43\r\n$3\r\nm43\r\n$2\r\n44\r\n$3\r\nm44\r\n$2\r\n45\r\n$3\r\nm45\r\n$2\r\n46\r\n$3\r\nm46\r\n$2\r\n47\r\n$3\r\nm47\r\n$2\r\n48\r\n$3\r\nm48\r\n$2\r\n49\r\n$3\r\nm49\r\n$2\r\n50\r\n$3\r\nm50\r\n$2\r\n51\r\n$3\r\nm51\r\n$2\r\n52\r\n$3\r\nm52\r\n$2\r\n53\r\n$3\r\nm53\r\n$2\r\n54\r\n$3\r\nm54\r\n$2\r\n55\r\n$3\r\nm55\r\n$2\r\n56\r\n$3\r\nm56\r\n$2\r\n57\r\n$3\r\nm57\r\n$2\r\n58\r\n$3\r\nm58\r\n$2\r\n59\r\n$3\r\nm59\r\n$2\r\n60\r\n$3\r\nm60\r\n$2\r\n61\r\n$3\r\nm61\r\n$2\r\n62\r\n$3\r\nm62\r\n$2\r\n63\r\n$3\r\nm63\r\n$2\r\n64\r\n$3\r\nm64\r\n$2\r\n65\r\n$3\r\nm65\r\n$2\r\n66\r\n$3\r\nm66\r\n$2\r\n67\r\n$3\r\nm67\r\n$2\r\n68\r\n$3\r\nm68\r\n$2\r\n69\r\n$3\r\nm69\r\n$2\r\n70\r\n$3\r\nm70\r\n$2\r\n71\r\n$3\r\nm71\r\n$2\r\n72\r\n$3\r\nm72\r\n$2\r\n73\r\n$3\r\nm73\r\n$2\r\n74\r\n$3\r\nm74\r\n$2\r\n75\r\n$3\r\nm75\r\n$2\r\n76\r\n$3\r\nm76\r\n$2\r\n77\r\n$3\r\nm77\r\n$2\r\n78\r\n$3\r\nm78\r\n$2\r\n79\r\n$3\r\nm79\r\n$2\r\n80\r\n$3\r\nm80\r\n$2\r\n81\r\n$3\r\nm81\r\n$2\r\n82\r\n$3\r\nm82\r\n$2\r\n83\r\n$3\r\nm83\r\n$2\r\n84\r\n$3\r\nm84\r\n$2\r\n85\r\n$3\r\nm85\r\n$2\r\n86\r\n$3\r\nm86\r\n$2\r\n87\r\n$3\r\nm87\r\n$2\r\n88\r\n$3\r\nm88\r\n$2\r\n89\r\n$3\r\nm89\r\n$2\r\n90\r\n$3\r\nm90\r\n$2\r\n91\r\n$3\r\nm91\r\n$2\r\n92\r\n$3\r\nm92\r\n$2\r\n93\r\n$3\r\nm93\r\n$2\r\n94\r\n$3\r\nm94\r\n$2\r\n95\r\n$3\r\nm95\r\n$2\r\n96\r\n$3\r\nm96\r\n$2\r\n97\r\n$3\r\nm97\r\n$2\r\n98\r\n$3\r\nm98\r\n$2\r\n99\r\n$3\r\nm99\r\n$3\r\n100\r\n$4\r\nm100\r\n$3\r\n101\r\n$4\r\nm101\r\n$3\r\n102\r\n$4\r\nm102\r\n$3\r\n103\r\n$4\r\nm103\r\n$3\r\n104\r\n$4\r\nm104\r\n$3\r\n105\r\n$4\r\nm105\r\n$3\r\n106\r\n$4\r\nm106\r\n$3\r\n107\r\n$4\r\nm107\r\n$3\r\n108\r\n$4\r\nm108\r\n$3\r\n109\r\n$4\r\nm109\r\n$3\r\n110\r\n$4\r\nm110\r\n$3\r\n111\r\n$4\r\nm111\r\n$3\r\n112\r\n$4\r\nm112\r\n$3\r\n113\r\n$4\r\nm113\r\n$3\r\n114\r\n$4\r\nm114\r\n$3\r\n115\r\n$4\r\nm115\r\n$3\r\n116\r\n$4\r\nm116\r\n$3\r\n117\r\n$4\r\nm117\r\n$3\r\n118\r\n$4\r\nm118\r\n$3\r\n119\r\n$4\r\nm119\r\n$3\r\n120\r\n$4\r\nm120\r\n$3\r\n121\r\n$4\r\nm121\r\n$3\r\n122\r\n$4\r\nm122\r\n$3\r\n123\r\n$4\r\nm123\r\n$3\r\n124\r\n$4\r\nm124\r\n$3\r\n125\r\n$4\r\nm125\r\n$3\r\n126\r\n$4\r\nm126\r\n$3\r\n127\r\n$4\r\nm127\r\n$3\r\n128\r\n$4\r\nm128\r\n",
     ":129\r\n"},
    /* OBJECT ENCODING e */
    {"*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\ne\r\n",
     "$8\r\nskiplist\r\n"},
    /* ZADD f XX 1 a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nf\r\n$2\r\nXX\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* EXISTS f */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\nf\r\n",
     ":0\r\n"},
    /* ZADD f XX INCR 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nf\r\n$2\r\nXX\r\n$4\r\nINCR\r\n$1\r\n1\r\n$1\r\na\r\n",
     "_\r\n"},
    /* ZADD f GT 1 a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\nf\r\n$2\r\nGT\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* ZSCORE f a */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\nf\r\n$1\r\na\r\n",
     ",1\r\n"},
    /* ZADD g 1 a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$1\r\n1\r\n$1\r\na\r\n",
     ":1\r\n"},
    /* ZADD g CH INCR 1 a */
    {"*6\r\n$4\r\nZADD\r\n$1\r\ng\r\n$2\r\nCH\r\n$4\r\nINCR\r\n$1\r\n1\r\n$1\r\na\r\n",
     ",2\r\n"},
    /* ZADD g inf a */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$3\r\ninf\r\n$1\r\na\r\n",
     ":0\r\n"},
    /* ZINCRBY g -inf a */
    {"*4\r\n$7\r\nZINCRBY\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\na\r\n",
     "-ERR resulting score is not a number (NaN)\r\n"},
    /* ZSCORE g a */
    {"*3\r\n$6\r\nZSCORE\r\n$1\r\ng\r\n$1\r\na\r\n",
     ",inf\r\n"},
    /* ZADD g INCR -inf a */
    {"*5\r\n$4\r\nZADD\r\n$1\r\ng\r\n$4\r\nINCR\r\n$4\r\n-inf\r\n$1\r\na\r\n",
     "-ERR resulting score is not a number (NaN)\r\n"},
    /* ZADD g 1e400 b */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$5\r\n1e400\r\n$1\r\nb\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD g 0x10 c */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$4\r\n0x10\r\n$1\r\nc\r\n",
     ":1\r\n"},
    /* ZADD g ' 1' d */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$2\r\n 1\r\n$1\r\nd\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD g '1 ' d */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$2\r\n1 \r\n$1\r\nd\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZADD g 1e-400 e */
    {"*4\r\n$4\r\nZADD\r\n$1\r\ng\r\n$6\r\n1e-400\r\n$1\r\ne\r\n",
     "-ERR value is not a valid float\r\n"},
    /* ZRANGE g 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\ng\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*2\r\n*2\r\n$1\r\nc\r\n,16\r\n*2\r\n$1\r\na\r\n,inf\r\n"},
    /* ZRANGE d 120 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nd\r\n$3\r\n120\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*7\r\n*2\r\n$4\r\nm121\r\n,121\r\n*2\r\n$4\r\nm122\r\n,122\r\n*2\r\n$4\r\nm123\r\n,123\r\n*2\r\n$4\r\nm124\r\n,124\r\n*2\r\n$4\r\nm125\r\n,125\r\n*2\r\n$4\r\nm126\r\n,126\r\n*2\r\n$4\r\nm127\r\n,127\r\n"},
    /* ZRANGEBYSCORE d (100 +inf LIMIT 5 10 */
    {"*7\r\n$13\r\nZRANGEBYSCORE\r\n$1\r\nd\r\n$4\r\n(100\r\n$4\r\n+inf\r\n$5\r\nLIMIT\r\n$1\r\n5\r\n$2\r\n10\r\n",
     "*10\r\n$4\r\nm106\r\n$4\r\nm107\r\n$4\r\nm108\r\n$4\r\nm109\r\n$4\r\nm110\r\n$4\r\nm111\r\n$4\r\nm112\r\n$4\r\nm113\r\n$4\r\nm114\r\n$4\r\nm115\r\n"},
    /* ZCOUNT d 10 1e1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nd\r\n$2\r\n10\r\n$3\r\n1e1\r\n",
     ":1\r\n"},
    /* ZCOUNT d '(' 1 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nd\r\n$1\r\n(\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZCOUNT d ' 1' 5 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nd\r\n$2\r\n 1\r\n$1\r\n5\r\n",
     ":4\r\n"},
    /* ZCOUNT d 0x10 20 */
    {"*4\r\n$6\r\nZCOUNT\r\n$1\r\nd\r\n$4\r\n0x10\r\n$2\r\n20\r\n",
     ":5\r\n"},
    /* ZADD h 1 a 1 b 1 A 1 '' 1 aa */
    {"*12\r\n$4\r\nZADD\r\n$1\r\nh\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nA\r\n$1\r\n1\r\n$0\r\n\r\n$1\r\n1\r\n$2\r\naa\r\n",
     ":5\r\n"},
    /* ZRANGE h 0 -1 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nh\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*5\r\n$0\r\n\r\n$1\r\nA\r\n$1\r\na\r\n$2\r\naa\r\n$1\r\nb\r\n"},
    /* ZRANGEBYLEX h - [a */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\nh\r\n$1\r\n-\r\n$2\r\n[a\r\n",
     "*3\r\n$0\r\n\r\n$1\r\nA\r\n$1\r\na\r\n"},
    /* ZRANGEBYLEX h [ [a */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\nh\r\n$1\r\n[\r\n$2\r\n[a\r\n",
     "*3\r\n$0\r\n\r\n$1\r\nA\r\n$1\r\na\r\n"},
    /* ZRANGEBYLEX h ( + */
    {"*4\r\n$11\r\nZRANGEBYLEX\r\n$1\r\nh\r\n$1\r\n(\r\n$1\r\n+\r\n",
     "*4\r\n$1\r\nA\r\n$1\r\na\r\n$2\r\naa\r\n$1\r\nb\r\n"},
    {NULL, NULL},
};

static const struct step pops_resp2[] = {
    /* ZADD p 1 a 2 b 3 c 4 d 5 e */
    {"*12\r\n$4\r\nZADD\r\n$1\r\np\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n4\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\ne\r\n",
     ":5\r\n"},
    /* ZPOPMIN p */
    {"*2\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n",
     "*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
    /* ZPOPMAX p */
    {"*2\r\n$7\r\nZPOPMAX\r\n$1\r\np\r\n",
     "*2\r\n$1\r\ne\r\n$1\r\n5\r\n"},
    /* ZPOPMIN p 2 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$1\r\n2\r\n",
     "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
    /* ZPOPMIN p 0 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$1\r\n0\r\n",
     "*0\r\n"},
    /* ZPOPMIN p -1 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$2\r\n-1\r\n",
     "-ERR value is out of range, must be positive\r\n"},
    /* ZPOPMIN p x */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$1\r\nx\r\n",
     "-ERR value is out of range, must be positive\r\n"},
    /* ZPOPMIN p 1 2 */
    {"*4\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "-ERR syntax error\r\n"},
    /* ZPOPMAX p 10 */
    {"*3\r\n$7\r\nZPOPMAX\r\n$1\r\np\r\n$2\r\n10\r\n",
     "*2\r\n$1\r\nd\r\n$1\r\n4\r\n"},
    /* EXISTS p */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\np\r\n",
     ":0\r\n"},
    /* ZPOPMIN p */
    {"*2\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n",
     "*0\r\n"},
    /* ZPOPMIN p 3 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$1\r\n3\r\n",
     "*0\r\n"},
    /* ZPOPMAX nokey */
    {"*2\r\n$7\r\nZPOPMAX\r\n$5\r\nnokey\r\n",
     "*0\r\n"},
    /* ZPOPMAX nokey 0 */
    {"*3\r\n$7\r\nZPOPMAX\r\n$5\r\nnokey\r\n$1\r\n0\r\n",
     "*0\r\n"},
    /* ZPOPMAX nokey -1 */
    {"*3\r\n$7\r\nZPOPMAX\r\n$5\r\nnokey\r\n$2\r\n-1\r\n",
     "-ERR value is out of range, must be positive\r\n"},
    /* ZADD q -0 a inf b -inf c */
    {"*8\r\n$4\r\nZADD\r\n$1\r\nq\r\n$2\r\n-0\r\n$1\r\na\r\n$3\r\ninf\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n",
     ":3\r\n"},
    /* ZPOPMAX q */
    {"*2\r\n$7\r\nZPOPMAX\r\n$1\r\nq\r\n",
     "*2\r\n$1\r\nb\r\n$3\r\ninf\r\n"},
    /* ZPOPMIN q 5 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\nq\r\n$1\r\n5\r\n",
     "*4\r\n$1\r\nc\r\n$4\r\n-inf\r\n$1\r\na\r\n$1\r\n0\r\n"},
    /* SET s v */
    {"*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\nv\r\n",
     "+OK\r\n"},
    /* ZPOPMIN s */
    {"*2\r\n$7\r\nZPOPMIN\r\n$1\r\ns\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZPOPMIN s 0 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\ns\r\n$1\r\n0\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZPOPMIN s -1 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\ns\r\n$2\r\n-1\r\n",
     "-ERR value is out of range, must be positive\r\n"},
    /* ZREMRANGEBYRANK s 0 1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZREMRANGEBYSCORE s 0 1 */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZREMRANGEBYLEX s - + */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$1\r\ns\r\n$1\r\n-\r\n$1\r\n+\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZREMRANGEBYSCORE s x 1 */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\ns\r\n$1\r\nx\r\n$1\r\n1\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZREMRANGEBYRANK s x 1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\ns\r\n$1\r\nx\r\n$1\r\n1\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZADD r 1 a 2 b 3 c 4 d 5 e 6 f 7 g */
    {"*16\r\n$4\r\nZADD\r\n$1\r\nr\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n4\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n6\r\n$1\r\nf\r\n$1\r\n7\r\n$1\r\ng\r\n",
     ":7\r\n"},
    /* ZREMRANGEBYRANK r 0 0 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n0\r\n",
     ":1\r\n"},
    /* ZREMRANGEBYRANK r -2 -1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nr\r\n$2\r\n-2\r\n$2\r\n-1\r\n",
     ":2\r\n"},
    /* ZREMRANGEBYRANK r 5 2 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n2\r\n",
     ":0\r\n"},
    /* ZREMRANGEBYRANK r 100 200 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nr\r\n$3\r\n100\r\n$3\r\n200\r\n",
     ":0\r\n"},
    /* ZREMRANGEBYRANK r a 1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nr\r\n$1\r\na\r\n$1\r\n1\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZREMRANGEBYRANK nokey 0 1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$5\r\nnokey\r\n$1\r\n0\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZRANGE r 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*8\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"},
    /* ZREMRANGEBYSCORE r (2 3 */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n(2\r\n$1\r\n3\r\n",
     ":1\r\n"},
    /* ZREMRANGEBYSCORE r 10 1 */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n10\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZREMRANGEBYSCORE r x y */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\nx\r\n$1\r\ny\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZREMRANGEBYSCORE nokey 0 1 */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$5\r\nnokey\r\n$1\r\n0\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZRANGE r 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"},
    /* ZREMRANGEBYSCORE r -inf +inf */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\nr\r\n$4\r\n-inf\r\n$4\r\n+inf\r\n",
     ":3\r\n"},
    /* EXISTS r */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\nr\r\n",
     ":0\r\n"},
    /* ZADD l 0 a 0 b 0 c 0 d 0 e */
    {"*12\r\n$4\r\nZADD\r\n$1\r\nl\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$1\r\n0\r\n$1\r\ne\r\n",
     ":5\r\n"},
    /* ZREMRANGEBYLEX l [b (d */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$1\r\nl\r\n$2\r\n[b\r\n$2\r\n(d\r\n",
     ":2\r\n"},
    /* ZREMRANGEBYLEX l x y */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$1\r\nl\r\n$1\r\nx\r\n$1\r\ny\r\n",
     "-ERR min or max not valid string range item\r\n"},
    /* ZREMRANGEBYLEX l + - */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$1\r\nl\r\n$1\r\n+\r\n$1\r\n-\r\n",
     ":0\r\n"},
    /* ZREMRANGEBYLEX nokey - + */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$5\r\nnokey\r\n$1\r\n-\r\n$1\r\n+\r\n",
     ":0\r\n"},
    /* ZRANGE l 0 -1 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n"},
    /* ZREMRANGEBYLEX l - + */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$1\r\nl\r\n$1\r\n-\r\n$1\r\n+\r\n",
     ":3\r\n"},
    /* EXISTS l */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\nl\r\n",
     ":0\r\n"},
    /* ZREMRANGEBYRANK l 0 -1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     ":0\r\n"},
    /* ZADD m 1 a 2 b */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nm\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n",
     ":2\r\n"},
    /* ZREMRANGEBYRANK m -100 100 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nm\r\n$4\r\n-100\r\n$3\r\n100\r\n",
     ":2\r\n"},
    /* EXISTS m */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\nm\r\n",
     ":0\r\n"},
    {NULL, NULL},
};

static const struct step pops_resp3[] = {
    /* ZADD p 1 a 2 b 3 c 4 d 5 e */
    {"*12\r\n$4\r\nZADD\r\n$1\r\np\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n4\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\ne\r\n",
     ":5\r\n"},
    /* ZPOPMIN p */
    {"*2\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n",
     "*2\r\n$1\r\na\r\n,1\r\n"},
    /* ZPOPMAX p */
    {"*2\r\n$7\r\nZPOPMAX\r\n$1\r\np\r\n",
     "*2\r\n$1\r\ne\r\n,5\r\n"},
    /* ZPOPMIN p 2 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$1\r\n2\r\n",
     "*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
    /* ZPOPMIN p 0 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$1\r\n0\r\n",
     "*0\r\n"},
    /* ZPOPMIN p -1 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$2\r\n-1\r\n",
     "-ERR value is out of range, must be positive\r\n"},
    /* ZPOPMIN p x */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$1\r\nx\r\n",
     "-ERR value is out of range, must be positive\r\n"},
    /* ZPOPMIN p 1 2 */
    {"*4\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$1\r\n1\r\n$1\r\n2\r\n",
     "-ERR syntax error\r\n"},
    /* ZPOPMAX p 10 */
    {"*3\r\n$7\r\nZPOPMAX\r\n$1\r\np\r\n$2\r\n10\r\n",
     "*1\r\n*2\r\n$1\r\nd\r\n,4\r\n"},
    /* EXISTS p */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\np\r\n",
     ":0\r\n"},
    /* ZPOPMIN p */
    {"*2\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n",
     "*0\r\n"},
    /* ZPOPMIN p 3 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\np\r\n$1\r\n3\r\n",
     "*0\r\n"},
    /* ZPOPMAX nokey */
    {"*2\r\n$7\r\nZPOPMAX\r\n$5\r\nnokey\r\n",
     "*0\r\n"},
    /* ZPOPMAX nokey 0 */
    {"*3\r\n$7\r\nZPOPMAX\r\n$5\r\nnokey\r\n$1\r\n0\r\n",
     "*0\r\n"},
    /* ZPOPMAX nokey -1 */
    {"*3\r\n$7\r\nZPOPMAX\r\n$5\r\nnokey\r\n$2\r\n-1\r\n",
     "-ERR value is out of range, must be positive\r\n"},
    /* ZADD q -0 a inf b -inf c */
    {"*8\r\n$4\r\nZADD\r\n$1\r\nq\r\n$2\r\n-0\r\n$1\r\na\r\n$3\r\ninf\r\n$1\r\nb\r\n$4\r\n-inf\r\n$1\r\nc\r\n",
     ":3\r\n"},
    /* ZPOPMAX q */
    {"*2\r\n$7\r\nZPOPMAX\r\n$1\r\nq\r\n",
     "*2\r\n$1\r\nb\r\n,inf\r\n"},
    /* ZPOPMIN q 5 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\nq\r\n$1\r\n5\r\n",
     "*2\r\n*2\r\n$1\r\nc\r\n,-inf\r\n*2\r\n$1\r\na\r\n,0\r\n"},
    /* SET s v */
    {"*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\nv\r\n",
     "+OK\r\n"},
    /* ZPOPMIN s */
    {"*2\r\n$7\r\nZPOPMIN\r\n$1\r\ns\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZPOPMIN s 0 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\ns\r\n$1\r\n0\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZPOPMIN s -1 */
    {"*3\r\n$7\r\nZPOPMIN\r\n$1\r\ns\r\n$2\r\n-1\r\n",
     "-ERR value is out of range, must be positive\r\n"},
    /* ZREMRANGEBYRANK s 0 1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZREMRANGEBYSCORE s 0 1 */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\ns\r\n$1\r\n0\r\n$1\r\n1\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZREMRANGEBYLEX s - + */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$1\r\ns\r\n$1\r\n-\r\n$1\r\n+\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZREMRANGEBYSCORE s x 1 */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\ns\r\n$1\r\nx\r\n$1\r\n1\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZREMRANGEBYRANK s x 1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\ns\r\n$1\r\nx\r\n$1\r\n1\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZADD r 1 a 2 b 3 c 4 d 5 e 6 f 7 g */
    {"*16\r\n$4\r\nZADD\r\n$1\r\nr\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n4\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n6\r\n$1\r\nf\r\n$1\r\n7\r\n$1\r\ng\r\n",
     ":7\r\n"},
    /* ZREMRANGEBYRANK r 0 0 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nr\r\n$1\r\n0\r\n$1\r\n0\r\n",
     ":1\r\n"},
    /* ZREMRANGEBYRANK r -2 -1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nr\r\n$2\r\n-2\r\n$2\r\n-1\r\n",
     ":2\r\n"},
    /* ZREMRANGEBYRANK r 5 2 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nr\r\n$1\r\n5\r\n$1\r\n2\r\n",
     ":0\r\n"},
    /* ZREMRANGEBYRANK r 100 200 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nr\r\n$3\r\n100\r\n$3\r\n200\r\n",
     ":0\r\n"},
    /* ZREMRANGEBYRANK r a 1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nr\r\n$1\r\na\r\n$1\r\n1\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZREMRANGEBYRANK nokey 0 1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$5\r\nnokey\r\n$1\r\n0\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZRANGE r 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*4\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
    /* ZREMRANGEBYSCORE r (2 3 */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n(2\r\n$1\r\n3\r\n",
     ":1\r\n"},
    /* ZREMRANGEBYSCORE r 10 1 */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\nr\r\n$2\r\n10\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZREMRANGEBYSCORE r x y */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\nr\r\n$1\r\nx\r\n$1\r\ny\r\n",
     "-ERR min or max is not a float\r\n"},
    /* ZREMRANGEBYSCORE nokey 0 1 */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$5\r\nnokey\r\n$1\r\n0\r\n$1\r\n1\r\n",
     ":0\r\n"},
    /* ZRANGE r 0 -1 WITHSCORES */
    {"*5\r\n$6\r\nZRANGE\r\n$1\r\nr\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n",
     "*3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
    /* ZREMRANGEBYSCORE r -inf +inf */
    {"*4\r\n$16\r\nZREMRANGEBYSCORE\r\n$1\r\nr\r\n$4\r\n-inf\r\n$4\r\n+inf\r\n",
     ":3\r\n"},
    /* EXISTS r */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\nr\r\n",
     ":0\r\n"},
    /* ZADD l 0 a 0 b 0 c 0 d 0 e */
    {"*12\r\n$4\r\nZADD\r\n$1\r\nl\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$1\r\n0\r\n$1\r\ne\r\n",
     ":5\r\n"},
    /* ZREMRANGEBYLEX l [b (d */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$1\r\nl\r\n$2\r\n[b\r\n$2\r\n(d\r\n",
     ":2\r\n"},
    /* ZREMRANGEBYLEX l x y */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$1\r\nl\r\n$1\r\nx\r\n$1\r\ny\r\n",
     "-ERR min or max not valid string range item\r\n"},
    /* ZREMRANGEBYLEX l + - */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$1\r\nl\r\n$1\r\n+\r\n$1\r\n-\r\n",
     ":0\r\n"},
    /* ZREMRANGEBYLEX nokey - + */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$5\r\nnokey\r\n$1\r\n-\r\n$1\r\n+\r\n",
     ":0\r\n"},
    /* ZRANGE l 0 -1 */
    {"*4\r\n$6\r\nZRANGE\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n"},
    /* ZREMRANGEBYLEX l - + */
    {"*4\r\n$14\r\nZREMRANGEBYLEX\r\n$1\r\nl\r\n$1\r\n-\r\n$1\r\n+\r\n",
     ":3\r\n"},
    /* EXISTS l */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\nl\r\n",
     ":0\r\n"},
    /* ZREMRANGEBYRANK l 0 -1 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n",
     ":0\r\n"},
    /* ZADD m 1 a 2 b */
    {"*6\r\n$4\r\nZADD\r\n$1\r\nm\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n",
     ":2\r\n"},
    /* ZREMRANGEBYRANK m -100 100 */
    {"*4\r\n$15\r\nZREMRANGEBYRANK\r\n$1\r\nm\r\n$4\r\n-100\r\n$3\r\n100\r\n",
     ":2\r\n"},
    /* EXISTS m */
    {"*2\r\n$6\r\nEXISTS\r\n$1\r\nm\r\n",
     ":0\r\n"},
    {NULL, NULL},
};

static const struct step zscan_resp2[] = {
    /* ZADD z 3 c 1 a 2 b 1.5 x -0 n inf i 0.1 t 123456789012345678 l */
    {"*18\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$3\r\n1.5\r\n$1\r\nx\r\n$2\r\n-0\r\n$1\r\nn\r\n$3\r\ninf\r\n$1\r\ni\r\n$3\r\n0.1\r\n$1\r\nt\r\n$18\r\n123456789012345678\r\n$1\r\nl\r\n",
     ":8\r\n"},
    /* ZSCAN z 0 */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n",
     "*2\r\n$1\r\n0\r\n*16\r\n$1\r\nn\r\n$1\r\n0\r\n$1\r\nt\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nx\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nl\r\n$18\r\n123456789012345680\r\n$1\r\ni\r\n$3\r\ninf\r\n"},
    /* ZSCAN z 0 MATCH a* */
    {"*5\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$5\r\nMATCH\r\n$2\r\na*\r\n",
     "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
    /* ZSCAN z 0 MATCH [ab] COUNT 1 */
    {"*7\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$5\r\nMATCH\r\n$4\r\n[ab]\r\n$5\r\nCOUNT\r\n$1\r\n1\r\n",
     "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"},
    /* ZSCAN z 0 COUNT 0 */
    {"*5\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$5\r\nCOUNT\r\n$1\r\n0\r\n",
     "-ERR syntax error\r\n"},
    /* ZSCAN z 0 COUNT x */
    {"*5\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$5\r\nCOUNT\r\n$1\r\nx\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZSCAN z 0 FOO 1 */
    {"*5\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$3\r\nFOO\r\n$1\r\n1\r\n",
     "-ERR syntax error\r\n"},
    /* ZSCAN z 0 MATCH */
    {"*4\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$5\r\nMATCH\r\n",
     "-ERR syntax error\r\n"},
    /* ZSCAN z x */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\nx\r\n",
     "-ERR invalid cursor\r\n"},
    /* ZSCAN z -1 */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$2\r\n-1\r\n",
     "*2\r\n$1\r\n0\r\n*16\r\n$1\r\nn\r\n$1\r\n0\r\n$1\r\nt\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nx\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nl\r\n$18\r\n123456789012345680\r\n$1\r\ni\r\n$3\r\ninf\r\n"},
    /* ZSCAN nokey 0 */
    {"*3\r\n$5\r\nZSCAN\r\n$5\r\nnokey\r\n$1\r\n0\r\n",
     "*2\r\n$1\r\n0\r\n*0\r\n"},
    /* ZSCAN nokey x */
    {"*3\r\n$5\r\nZSCAN\r\n$5\r\nnokey\r\n$1\r\nx\r\n",
     "-ERR invalid cursor\r\n"},
    /* SET s v */
    {"*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\nv\r\n",
     "+OK\r\n"},
    /* ZSCAN s 0 */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\ns\r\n$1\r\n0\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZSCAN s x */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\ns\r\n$1\r\nx\r\n",
     "-ERR invalid cursor\r\n"},
    /* ZADD z 5e18 big 4e18 b4 -4e18 n4 1e18 e18 */
    {"*10\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\n5e18\r\n$3\r\nbig\r\n$4\r\n4e18\r\n$2\r\nb4\r\n$5\r\n-4e18\r\n$2\r\nn4\r\n$4\r\n1e18\r\n$3\r\ne18\r\n",
     ":4\r\n"},
    /* ZSCAN z 0 */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n",
     "*2\r\n$1\r\n0\r\n*24\r\n$2\r\nn4\r\n$20\r\n-4000000000000000000\r\n$1\r\nn\r\n$1\r\n0\r\n$1\r\nt\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nx\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nl\r\n$18\r\n123456789012345680\r\n$3\r\ne18\r\n$19\r\n1000000000000000000\r\n$2\r\nb4\r\n$19\r\n4000000000000000000\r\n$3\r\nbig\r\n$5\r\n5e+18\r\n$1\r\ni\r\n$3\r\ninf\r\n"},
    {NULL, NULL},
};

static const struct step zscan_resp3[] = {
    /* ZADD z 3 c 1 a 2 b 1.5 x -0 n inf i 0.1 t 123456789012345678 l */
    {"*18\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$3\r\n1.5\r\n$1\r\nx\r\n$2\r\n-0\r\n$1\r\nn\r\n$3\r\ninf\r\n$1\r\ni\r\n$3\r\n0.1\r\n$1\r\nt\r\n$18\r\n123456789012345678\r\n$1\r\nl\r\n",
     ":8\r\n"},
    /* ZSCAN z 0 */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n",
     "*2\r\n$1\r\n0\r\n*16\r\n$1\r\nn\r\n$1\r\n0\r\n$1\r\nt\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nx\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nl\r\n$18\r\n123456789012345680\r\n$1\r\ni\r\n$3\r\ninf\r\n"},
    /* ZSCAN z 0 MATCH a* */
    {"*5\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$5\r\nMATCH\r\n$2\r\na*\r\n",
     "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
    /* ZSCAN z 0 MATCH [ab] COUNT 1 */
    {"*7\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$5\r\nMATCH\r\n$4\r\n[ab]\r\n$5\r\nCOUNT\r\n$1\r\n1\r\n",
     "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"},
    /* ZSCAN z 0 COUNT 0 */
    {"*5\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$5\r\nCOUNT\r\n$1\r\n0\r\n",
     "-ERR syntax error\r\n"},
    /* ZSCAN z 0 COUNT x */
    {"*5\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$5\r\nCOUNT\r\n$1\r\nx\r\n",
     "-ERR value is not an integer or out of range\r\n"},
    /* ZSCAN z 0 FOO 1 */
    {"*5\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$3\r\nFOO\r\n$1\r\n1\r\n",
     "-ERR syntax error\r\n"},
    /* ZSCAN z 0 MATCH */
    {"*4\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n$5\r\nMATCH\r\n",
     "-ERR syntax error\r\n"},
    /* ZSCAN z x */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\nx\r\n",
     "-ERR invalid cursor\r\n"},
    /* ZSCAN z -1 */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$2\r\n-1\r\n",
     "*2\r\n$1\r\n0\r\n*16\r\n$1\r\nn\r\n$1\r\n0\r\n$1\r\nt\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nx\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nl\r\n$18\r\n123456789012345680\r\n$1\r\ni\r\n$3\r\ninf\r\n"},
    /* ZSCAN nokey 0 */
    {"*3\r\n$5\r\nZSCAN\r\n$5\r\nnokey\r\n$1\r\n0\r\n",
     "*2\r\n$1\r\n0\r\n*0\r\n"},
    /* ZSCAN nokey x */
    {"*3\r\n$5\r\nZSCAN\r\n$5\r\nnokey\r\n$1\r\nx\r\n",
     "-ERR invalid cursor\r\n"},
    /* SET s v */
    {"*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\nv\r\n",
     "+OK\r\n"},
    /* ZSCAN s 0 */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\ns\r\n$1\r\n0\r\n",
     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
    /* ZSCAN s x */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\ns\r\n$1\r\nx\r\n",
     "-ERR invalid cursor\r\n"},
    /* ZADD z 5e18 big 4e18 b4 -4e18 n4 1e18 e18 */
    {"*10\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\n5e18\r\n$3\r\nbig\r\n$4\r\n4e18\r\n$2\r\nb4\r\n$5\r\n-4e18\r\n$2\r\nn4\r\n$4\r\n1e18\r\n$3\r\ne18\r\n",
     ":4\r\n"},
    /* ZSCAN z 0 */
    {"*3\r\n$5\r\nZSCAN\r\n$1\r\nz\r\n$1\r\n0\r\n",
     "*2\r\n$1\r\n0\r\n*24\r\n$2\r\nn4\r\n$20\r\n-4000000000000000000\r\n$1\r\nn\r\n$1\r\n0\r\n$1\r\nt\r\n$19\r\n0.10000000000000001\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nx\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nl\r\n$18\r\n123456789012345680\r\n$3\r\ne18\r\n$19\r\n1000000000000000000\r\n$2\r\nb4\r\n$19\r\n4000000000000000000\r\n$3\r\nbig\r\n$5\r\n5e+18\r\n$1\r\ni\r\n$3\r\ninf\r\n"},
    {NULL, NULL},
};

START_TEST(commands_in_resp2)
{
    run_transcript(commands_resp2, 2);
}
END_TEST

START_TEST(commands_in_resp3)
{
    run_transcript(commands_resp3, 3);
}
END_TEST

START_TEST(edges_in_resp2)
{
    run_transcript(edges_resp2, 2);
}
END_TEST

START_TEST(edges_in_resp3)
{
    run_transcript(edges_resp3, 3);
}
END_TEST

START_TEST(pops_in_resp2)
{
    run_transcript(pops_resp2, 2);
}
END_TEST

START_TEST(pops_in_resp3)
{
    run_transcript(pops_resp3, 3);
}
END_TEST

START_TEST(zscan_in_resp2)
{
    run_transcript(zscan_resp2, 2);
}
END_TEST

START_TEST(zscan_in_resp3)
{
    run_transcript(zscan_resp3, 3);
}
END_TEST

/* A skiplist zset is scanned in map order: every member comes back (once
 * or more, with its score as "%.17g") by the time the cursor is 0. */
START_TEST(zscan_skiplist_covers_every_member)
{
    enum { N = 300 };
    static bool seen[N];
    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < N; i++)
        EXPECT_INT(1, "ZADD big %d.5 m%d", i, i);
    EXPECT_STR("skiplist", "OBJECT ENCODING big");
    char cursor[32] = "0";
    int rounds = 0;
    do {
        redisReply *r = CMD("ZSCAN big %s COUNT 7", cursor);
        ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
        ck_assert_uint_eq(r->elements, 2);
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        redisReply *items = r->element[1];
        ck_assert_uint_eq(items->elements % 2, 0);
        for (size_t j = 0; j < items->elements; j += 2) {
            int i = atoi(items->element[j]->str + 1);
            char want[32];
            snprintf(want, sizeof(want), "%d.5", i);
            ck_assert_str_eq(items->element[j + 1]->str, want);
            seen[i] = true;
        }
        freeReplyObject(r);
        ck_assert_int_lt(++rounds, 10000);
    } while (strcmp(cursor, "0") != 0);
    for (int i = 0; i < N; i++)
        ck_assert_msg(seen[i], "m%d not visited", i);
}
END_TEST

/* ---- WATCH ------------------------------------------------------------------------ */

START_TEST(watch_sees_in_place_changes)
{
    /* Each on z = {a: 1, b: 2}, with the reply it must give. */
    static const struct harness_step changes[] = {
        {"ZADD z 3 c", ":1"},        {"ZADD z 5 a", ":0"},         {"ZADD z XX CH 7 b", ":1"},
        {"ZADD z INCR 1 a", "$2"},   {"ZINCRBY z 2 b", "$4"},      {"ZREM z a", ":1"},
        {"ZREM z a b", ":2"},        {"ZPOPMIN z", "*2"},          {"ZPOPMAX z 5", "*4"},
        {"ZREMRANGEBYRANK z 0 0", ":1"}, {"ZREMRANGEBYSCORE z 2 2", ":1"},
        {"ZREMRANGEBYLEX z - +", ":2"},
    };
    redisContext *other = harness_connect(&harness_srv);
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        EXPECT_OK("FLUSHALL");
        EXPECT_INT(2, "ZADD z 1 a 2 b");
        EXPECT_OK("WATCH z");
        harness_expect_step(other, &changes[i]);
        ck_assert_msg(!harness_watched_exec_runs(harness_ctx), "EXEC ran after %s",
                      changes[i].cmd);
    }
    /* a new key made by ZADD aborts too */
    EXPECT_OK("FLUSHALL");
    harness_expect_status(harness_cmd(harness_ctx, "WATCH z"), "OK");
    harness_expect_int(harness_cmd(other, "ZADD z 1 a"), 1);
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    /* changes that change nothing do not abort */
    harness_expect_status(harness_cmd(harness_ctx, "WATCH z"), "OK");
    harness_expect_int(harness_cmd(other, "ZADD z 1 a"), 0);
    harness_expect_int(harness_cmd(other, "ZADD z NX 5 a"), 0);
    harness_expect_int(harness_cmd(other, "ZADD z GT 0 a"), 0);
    harness_expect_int(harness_cmd(other, "ZREM z zz"), 0);
    harness_expect_int(harness_cmd(other, "ZREMRANGEBYSCORE z 5 6"), 0);
    harness_expect_int(harness_cmd(other, "ZREMRANGEBYRANK z 5 6"), 0);
    ck_assert(harness_watched_exec_runs(harness_ctx));
    redisFree(other);
}
END_TEST

/* ---- COPY, key vanishing ------------------------------------------------------------ */

START_TEST(copy_is_deep_and_last_member_deletes)
{
    EXPECT_INT(2, "ZADD z 1 a 2 b");
    EXPECT_INT(1, "COPY z c");
    EXPECT_INT(1, "ZREM z a");
    EXPECT_INT(2, "ZCARD c");
    EXPECT_STR("listpack", "OBJECT ENCODING c");
    harness_expect_status(CMD("TYPE c"), "zset");
    EXPECT_INT(1, "ZREM z b");
    EXPECT_INT(0, "EXISTS z");
    EXPECT_INT(2, "ZREM c a b");
    EXPECT_INT(0, "EXISTS c");
    EXPECT_INT(0, "DBSIZE");
}
END_TEST

/* ---- suite ------------------------------------------------------------------------ */

static Suite *zset_suite(void)
{
    Suite *s = suite_create("zset");
    TCase *tc = harness_server_case("transcripts", NULL, NULL);
    tcase_add_test(tc, commands_in_resp2);
    tcase_add_test(tc, commands_in_resp3);
    tcase_add_test(tc, edges_in_resp2);
    tcase_add_test(tc, edges_in_resp3);
    tcase_add_test(tc, pops_in_resp2);
    tcase_add_test(tc, pops_in_resp3);
    tcase_add_test(tc, zscan_in_resp2);
    tcase_add_test(tc, zscan_in_resp3);
    tcase_add_test(tc, zscan_skiplist_covers_every_member);
    suite_add_tcase(s, tc);

    tc = harness_server_case("transactions and copies", NULL, NULL);
    tcase_add_test(tc, watch_sees_in_place_changes);
    tcase_add_test(tc, copy_is_deep_and_last_member_deletes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(zset_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
