/*
 * check_geo.c - the geospatial commands end to end: GEOADD GEODIST
 * GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUS_RO
 * GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO (server/cmd_geo.c).
 *
 * Every expected reply, error, event and AOF line was taken from
 * redis-server 7.0.15 running the same commands; raw replies are checked
 * byte for byte in RESP2 and RESP3.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "fixtures.h"

#define ERR_PAIR "ERR invalid longitude,latitude pair 200.000000,100.000000"
#define ERR_FLOAT "ERR value is not a valid float"
#define ERR_UNIT "ERR unsupported unit provided. please use M, KM, FT, MI"
#define ERR_MEMBER "ERR could not decode requested zset member"

#define SICILY                                                                                  \
    "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania"

static void add_sicily(void)
{
    EXPECT_INT(2, SICILY);
}

/* ---- GEOADD ------------------------------------------------------------------------ */

START_TEST(geoadd_stores_redis_s_geohash_scores)
{
    add_sicily();
    EXPECT_ARRAY(((const char *[]){"Palermo", "3479099956230698", "Catania", "3479447370796909"}),
                 "ZRANGE Sicily 0 -1 WITHSCORES");
    EXPECT_ENCODING("Sicily", "listpack");
    EXPECT_INT(1, "GEOADD e 180 85.05112878 top"); /* the top edge: index 2^26 */
    EXPECT_STR("13510798882111488", "ZSCORE e top");
}
END_TEST

START_TEST(geoadd_takes_nx_xx_and_ch_as_zadd_does)
{
    add_sicily();
    EXPECT_INT(0, "GEOADD Sicily NX 1 1 Palermo");
    EXPECT_INT(0, "GEOADD Sicily XX 1 1 new");
    EXPECT_INT(0, "EXISTS nokey");
    EXPECT_INT(0, "GEOADD nokey XX 1 1 new");
    EXPECT_INT(0, "EXISTS nokey");
    EXPECT_INT(1, "GEOADD Sicily CH XX 1 1 Palermo 2 2 new");
    EXPECT_INT(2, "GEOADD Sicily ch 3 3 Palermo 4 4 other");
    EXPECT_INT(0, "GEOADD Sicily 4 4 other");
}
END_TEST

START_TEST(geoadd_checks_every_point_before_writing)
{
    EXPECT_ERR(ERR_SYNTAX, "GEOADD k NX XX 1 2 a");
    EXPECT_ERR(ERR_SYNTAX, "GEOADD k CH 1 2 a NX");
    EXPECT_ERR(ERR_SYNTAX, "GEOADD k GT 1 2 a"); /* GT is read as a longitude */
    EXPECT_ERR(ERR_SYNTAX, "GEOADD k CH CH CH"); /* no point: ZADD's syntax error */
    EXPECT_ERR(ERR_PAIR, "GEOADD k 1 1 a 200 100 x");
    EXPECT_ERR("ERR invalid longitude,latitude pair inf,0.000000", "GEOADD k inf 0 x");
    EXPECT_ERR(ERR_FLOAT, "GEOADD k 1 nan x");
    EXPECT_ERR(ERR_FLOAT, "GEOADD k 1 abc x");
    EXPECT_ERR("ERR wrong number of arguments for 'geoadd' command", "GEOADD k 1 2");
    EXPECT_INT(0, "EXISTS k");
    EXPECT_OK("SET s x");
    EXPECT_ERR(ERR_PAIR, "GEOADD s 200 100 x"); /* the points before the type */
    EXPECT_ERR(ERR_WRONGTYPE, "GEOADD s 1 1 x");
}
END_TEST

/* ---- GEOPOS, GEOHASH, GEODIST ----------------------------------------------------------- */

START_TEST(point_reads_answer_as_redis_in_resp2_and_resp3)
{
    add_sicily();
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "GEOPOS Sicily Palermo nope\r\n",
                          "*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n"
                          "38.11555639549629859\r\n*-1\r\n");
    harness_raw_roundtrip(fd, "GEOHASH Sicily Palermo nope\r\n",
                          "*2\r\n$11\r\nsqc8b49rny0\r\n$-1\r\n");
    harness_raw_roundtrip(fd, "GEODIST Sicily Palermo Catania km\r\n", "$8\r\n166.2742\r\n");
    harness_raw_roundtrip(fd, "GEODIST Sicily Palermo nope\r\n", "$-1\r\n");
    close(fd);
    fd = harness_resp3_connect(&harness_srv);
    harness_raw_roundtrip(fd, "GEOPOS Sicily Palermo nope\r\n",
                          "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n");
    harness_raw_roundtrip(fd, "GEOHASH Sicily Palermo nope\r\n", "*2\r\n$11\r\nsqc8b49rny0\r\n_\r\n");
    harness_raw_roundtrip(fd, "GEODIST Sicily Palermo nope\r\n", "_\r\n");
    close(fd);
}
END_TEST

START_TEST(geodist_converts_units_in_any_case)
{
    add_sicily();
    EXPECT_STR("166274.1516", "GEODIST Sicily Palermo Catania");
    EXPECT_STR("166274.1516", "GEODIST Sicily Palermo Catania m");
    EXPECT_STR("166.2742", "GEODIST Sicily Palermo Catania KM");
    EXPECT_STR("545518.8700", "GEODIST Sicily Palermo Catania ft");
    EXPECT_STR("103.3182", "GEODIST Sicily Palermo Catania Mi");
    EXPECT_ERR(ERR_UNIT, "GEODIST nokey a b yd"); /* the unit before the key */
    EXPECT_ERR(ERR_SYNTAX, "GEODIST Sicily Palermo Catania km x");
    EXPECT_NIL("GEODIST nokey a b");
}
END_TEST

START_TEST(plain_sorted_set_scores_decode_as_in_redis)
{
    EXPECT_INT(5, "ZADD w -1 neg inf pinf -inf ninf 1e20 big 4503599627370496 two52");
    EXPECT_ARRAY(((const char *[]){"bp05b5048p0", "00bh0hbj200", "00bh0hbj200", "00bh0hbj200",
                                   "bp05b5048p0"}),
                 "GEOHASH w neg pinf ninf big two52");
    EXPECT_STR("18919844.5891", "GEODIST w neg pinf");
    redisReply *r = CMD("GEOPOS w ninf");
    ck_assert_str_eq(r->element[0]->element[0]->str, "180");
    ck_assert_str_eq(r->element[0]->element[1]->str, "-85.05112751263942528");
    freeReplyObject(r);
}
END_TEST

/* ---- searches ----------------------------------------------------------------------------- */

START_TEST(search_replies_with_coord_dist_and_hash_byte_for_byte)
{
    static const char want2[] =
        "*2\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n$20\r\n"
        "15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n"
        "190.4424\r\n:3479099956230698\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n"
        "38.11555639549629859\r\n";
    static const char want3[] =
        "*2\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n"
        ",15.08726745843887329\r\n,37.50266842333162032\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n"
        "190.4424\r\n:3479099956230698\r\n*2\r\n,13.36138933897018433\r\n"
        ",38.11555639549629859\r\n";
    const char *line = "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHCOORD "
                       "WITHDIST WITHHASH\r\n";
    add_sicily();
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, line, want2);
    close(fd);
    fd = harness_resp3_connect(&harness_srv);
    harness_raw_roundtrip(fd, line, want3);
    close(fd);
}
END_TEST

START_TEST(searches_order_count_and_shape_as_redis)
{
    add_sicily();
    EXPECT_INT(2, "GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 edge2");
    EXPECT_ARRAY(((const char *[]){"Catania", "Palermo"}),
                 "GEORADIUS Sicily 15 37 200 km ASC");
    EXPECT_ARRAY(((const char *[]){"Palermo", "Catania"}),
                 "GEORADIUS_RO Sicily 15 37 200 km DESC");
    EXPECT_ARRAY(((const char *[]){"Catania"}), "GEORADIUS Sicily 15 37 200 km COUNT 1");
    EXPECT_ARRAY(((const char *[]){"Catania", "Palermo", "edge2", "edge1"}),
                 "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC");
    EXPECT_ARRAY(((const char *[]){"Palermo", "edge1", "Catania"}),
                 "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 300 km ASC");
    EXPECT_ARRAY(((const char *[]){"Palermo", "edge1", "Catania"}),
                 "GEORADIUSBYMEMBER_RO Sicily Palermo 300 km ASC");
    EXPECT_ARRAY(((const char *[]){"Palermo", "edge1"}),
                 "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km COUNT 2 ANY");
    EXPECT_EMPTY("GEOSEARCH Sicily FROMLONLAT 0 0 BYRADIUS 1 m");
    EXPECT_EMPTY("GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 km");
    EXPECT_EMPTY("GEORADIUSBYMEMBER nokey nope -1 km"); /* no key: nothing parsed */
}
END_TEST

START_TEST(equal_distances_come_back_in_redis_s_order)
{
    EXPECT_INT(5, "GEOADD t 1 1 a 1 1 b 1 1 c 2 2 d 3 3 e");
    EXPECT_ARRAY(((const char *[]){"a", "b"}), "GEORADIUS t 0 0 1000 km COUNT 2");
    EXPECT_ARRAY(((const char *[]){"e", "d", "a"}), "GEORADIUS t 0 0 1000 km COUNT 3 DESC");
    EXPECT_ARRAY(((const char *[]){"a", "b", "c", "d", "e"}), "GEORADIUS t 0 0 1000 km ASC");
}
END_TEST

START_TEST(search_errors_are_redis_s_in_redis_s_order)
{
    add_sicily();
    EXPECT_OK("SET s x");
    EXPECT_ERR(ERR_WRONGTYPE, "GEORADIUS s 1 100 1 km"); /* the key first */
    EXPECT_ERR("ERR invalid longitude,latitude pair 1.000000,100.000000",
               "GEORADIUS Sicily 1 100 1 km");
    EXPECT_ERR("ERR radius cannot be negative", "GEORADIUS Sicily 1 1 -1 km");
    EXPECT_ERR("ERR need numeric radius", "GEORADIUS Sicily 1 1 abc km");
    EXPECT_ERR(ERR_UNIT, "GEORADIUS Sicily 1 1 1 yd");
    EXPECT_ERR("ERR COUNT must be > 0", "GEORADIUS Sicily 1 1 1 km COUNT 0");
    EXPECT_ERR(ERR_NOT_INT, "GEORADIUS Sicily 1 1 1 km COUNT x");
    EXPECT_ERR(ERR_SYNTAX, "GEORADIUS Sicily 1 1 1 km COUNT");
    EXPECT_ERR("ERR the ANY argument requires COUNT argument", "GEORADIUS Sicily 1 1 1 km ANY");
    EXPECT_ERR("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and "
               "WITHCOORD options",
               "GEORADIUS Sicily 1 1 1 km WITHDIST STORE x");
    EXPECT_ERR(ERR_SYNTAX, "GEORADIUS_RO Sicily 1 1 1 km STORE x");
    EXPECT_ERR(ERR_MEMBER, "GEORADIUSBYMEMBER Sicily nope 1 km");
    EXPECT_ERR(ERR_MEMBER, "GEOSEARCH Sicily FROMMEMBER nope BYRADIUS 1 km");
    EXPECT_ERR("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GeoSearch",
               "GeoSearch Sicily BYRADIUS 1 km ASC WITHDIST");
    EXPECT_ERR("ERR exactly one of BYRADIUS and BYBOX can be specified for geosearchstore",
               "geosearchstore d Sicily FROMLONLAT 1 1 ASC COUNT 1");
    EXPECT_ERR(ERR_SYNTAX, "GEOSEARCH Sicily FROMLONLAT 1 1 FROMMEMBER x BYRADIUS 1 km");
    EXPECT_ERR(ERR_SYNTAX, "GEOSEARCH Sicily FROMLONLAT 1 1 BYRADIUS 1 km BYBOX 1 1 km");
    EXPECT_ERR("ERR height or width cannot be negative",
               "GEOSEARCH Sicily FROMLONLAT 1 1 BYBOX 1 -1 km");
    EXPECT_ERR("ERR need numeric height", "GEOSEARCH Sicily FROMLONLAT 1 1 BYBOX 1 a km");
    EXPECT_ERR("ERR need numeric width", "GEOSEARCH Sicily FROMLONLAT 1 1 BYBOX a 1 km");
    EXPECT_ERR("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD "
               "options",
               "GEOSEARCHSTORE d Sicily FROMLONLAT 1 1 BYBOX 1 1 km WITHDIST");
    EXPECT_ERR(ERR_SYNTAX, "GEOSEARCH Sicily FROMLONLAT 1 1 BYBOX 1 1 km STOREDIST");
}
END_TEST

/* ---- stores ---------------------------------------------------------------------------------- */

START_TEST(store_and_storedist_write_a_sorted_set)
{
    add_sicily();
    EXPECT_INT(2, "GEORADIUS Sicily 15 37 200 km STORE dst");
    EXPECT_ARRAY(((const char *[]){"Palermo", "3479099956230698", "Catania", "3479447370796909"}),
                 "ZRANGE dst 0 -1 WITHSCORES");
    EXPECT_INT(1, "GEORADIUS Sicily 15 37 200 km STOREDIST d2 ASC COUNT 1");
    EXPECT_ARRAY(((const char *[]){"Catania", "56.441257870158204"}),
                 "ZRANGE d2 0 -1 WITHSCORES");
    EXPECT_INT(2, "GEOSEARCHSTORE d3 Sicily FROMLONLAT 15 37 BYBOX 400 400 km STOREDIST");
    EXPECT_ENCODING("d3", "listpack");
    /* the last STORE or STOREDIST wins */
    EXPECT_INT(2, "GEORADIUSBYMEMBER Sicily Palermo 200 km STOREDIST a STORE b");
    EXPECT_INT(0, "EXISTS a");
    EXPECT_STR("3479099956230698", "ZSCORE b Palermo");
    /* the source itself can be the destination */
    EXPECT_INT(1, "GEORADIUS Sicily 15 37 100 km STORE Sicily");
    EXPECT_INT(1, "ZCARD Sicily");
}
END_TEST

START_TEST(an_empty_result_deletes_the_destination)
{
    add_sicily();
    EXPECT_OK("SET dst x");
    EXPECT_INT(0, "GEORADIUS Sicily 0 0 1 m STORE dst");
    EXPECT_INT(0, "EXISTS dst");
    EXPECT_OK("SET dst x");
    EXPECT_INT(0, "GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYBOX 400 400 km");
    EXPECT_INT(0, "EXISTS dst");
    EXPECT_OK("SET dst x");
    EXPECT_INT(0, "GEORADIUSBYMEMBER nokey nope 1 km STORE dst");
    EXPECT_INT(0, "EXISTS dst");
}
END_TEST

START_TEST(stores_reach_keys_on_every_shard)
{
    add_sicily();
    for (int i = 0; i < 64; i++) {
        EXPECT_INT(2, "GEORADIUS Sicily 15 37 200 km STORE dst:%d", i);
        EXPECT_INT(2, "GEOSEARCHSTORE ds:%d Sicily FROMLONLAT 15 37 BYRADIUS 200 km", i);
        EXPECT_INT(2, "GEORADIUS Sicily 15 37 200 km STORE x:%d STOREDIST y:%d", i, i);
        EXPECT_INT(2, "ZCARD y:%d", i);
    }
    EXPECT_INT(2, "ZCARD dst:63");
}
END_TEST

/* ---- keys, WATCH, events, the AOF ---------------------------------------------------------------- */

START_TEST(getkeys_finds_the_store_keys)
{
    EXPECT_ARRAY(((const char *[]){"k", "a", "b"}),
                 "COMMAND GETKEYS GEORADIUS k 0 0 1 km STOREDIST b STORE a");
    EXPECT_ARRAY(((const char *[]){"k", "a"}),
                 "COMMAND GETKEYS GEORADIUSBYMEMBER k store 1 km store a");
    EXPECT_ARRAY(((const char *[]){"k"}), "COMMAND GETKEYS GEORADIUS k 0 0 1 km STORE");
    EXPECT_ARRAY(((const char *[]){"k"}), "COMMAND GETKEYS GEORADIUS_RO k 0 0 1 km STORE a");
    EXPECT_ARRAY(((const char *[]){"a", "b"}),
                 "COMMAND GETKEYS GEOSEARCHSTORE a b FROMMEMBER x BYRADIUS 1 km");
    redisReply *r = CMD("COMMAND INFO georadius");
    ck_assert_str_eq(r->element[0]->element[2]->element[2]->str, "movablekeys");
    freeReplyObject(r);
}
END_TEST

START_TEST(watch_sees_only_changing_writes)
{
    redisContext *other = harness_connect(&harness_srv);
    add_sicily();
    EXPECT_OK("WATCH Sicily");
    harness_expect_int(harness_cmd(other, "GEOADD Sicily NX 1 1 Palermo"), 0);
    ck_assert(harness_watched_exec_runs(harness_ctx));
    EXPECT_OK("WATCH Sicily");
    harness_expect_int(harness_cmd(other, "GEOADD Sicily 1 1 Palermo"), 0);
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    EXPECT_OK("WATCH dst");
    harness_expect_int(harness_cmd(other, "GEORADIUS Sicily 15 37 200 km STORE dst"), 1);
    ck_assert(!harness_watched_exec_runs(harness_ctx));
    redisFree(other);
}
END_TEST

START_TEST(events_are_redis_s)
{
    redisContext *sub = harness_keyevent_subscriber("KEA");
    add_sicily();
    EXPECT_INT(0, "GEOADD Sicily NX 13.361389 38.115556 Palermo");
    EXPECT_INT(2, "GEORADIUS Sicily 15 37 200 km STORE dst");
    EXPECT_INT(2, "GEOSEARCHSTORE d2 Sicily FROMLONLAT 15 37 BYBOX 400 400 km STOREDIST");
    EXPECT_INT(0, "GEORADIUS Sicily 0 0 1 m STORE dst");
    EXPECT_INT(0, "GEORADIUS nokey 0 0 1 m STORE d2");
    EXPECT_INT(0, "GEORADIUS nokey 0 0 1 m STORE d2"); /* nothing to delete: no event */
    EXPECT_INT(1, "GEOADD last 1 1 x");
    harness_expect_events(sub, "zadd/Sicily georadiusstore/dst geosearchstore/d2 del/dst del/d2 "
                       "zadd/last");
    redisFree(sub);
    harness_expect_status(CMD("CONFIG SET notify-keyspace-events %s", ""), "OK");
}
END_TEST

/* The AOF as redis-server 7.0.15 wrote it for the same commands: GEOADD
 * as the ZADD it runs, the stores as sent, nothing for no change. */
START_TEST(the_aof_gets_redis_s_lines)
{
    static const char want[] =
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
        "*6\r\n$4\r\nzadd\r\n$1\r\nk\r\n$16\r\n3479099956230698\r\n$7\r\nPalermo\r\n$16\r\n"
        "3479447370796909\r\n$7\r\nCatania\r\n"
        "*6\r\n$4\r\nzadd\r\n$1\r\nk\r\n$2\r\nCH\r\n$2\r\nNX\r\n$16\r\n3377822707026402\r\n"
        "$1\r\nz\r\n"
        "*8\r\n$9\r\nGEORADIUS\r\n$1\r\nk\r\n$2\r\n15\r\n$2\r\n37\r\n$3\r\n200\r\n$2\r\nkm\r\n"
        "$5\r\nSTORE\r\n$3\r\ndst\r\n"
        "*8\r\n$9\r\nGEORADIUS\r\n$1\r\nk\r\n$1\r\n0\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\nm\r\n"
        "$5\r\nSTORE\r\n$3\r\ndst\r\n";
    struct harness_tmpdir d;
    struct harness_fixture f;
    harness_tmpdir_make(&d);
    const char *args[] = {"--dir", d.path, "--appendonly", "yes", "--appendfsync", "always",
                          NULL};
    harness_up(&f, args);
    harness_expect_int(harness_cmd(f.c, "GEOADD k 13.361389 38.115556 Palermo 15.087269 "
                                        "37.502669 Catania"),
                       2);
    harness_expect_int(harness_cmd(f.c, "GEOADD k CH NX 1 1 z"), 1);
    harness_expect_int(harness_cmd(f.c, "GEOADD k NX 13.361389 38.115556 Palermo"), 0);
    harness_expect_int(harness_cmd(f.c, "GEORADIUS k 15 37 200 km STORE dst"), 2);
    freeReplyObject(harness_cmd(f.c, "GEORADIUS k 15 37 200 km"));
    harness_expect_int(harness_cmd(f.c, "GEORADIUS k 0 0 1 m STORE dst"), 0);
    harness_expect_int(harness_cmd(f.c, "GEORADIUS k 0 0 1 m STORE dst"), 0);
    harness_down(&f);
    char path[128], got[2048];
    snprintf(path, sizeof(path), "%s/appendonlydir/appendonly.aof.1.incr.aof", d.path);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    size_t n = fread(got, 1, sizeof(got), fp);
    fclose(fp);
    ck_assert_uint_eq(n, sizeof(want) - 1);
    ck_assert_mem_eq(got, want, n);
    harness_tmpdir_remove(&d);
}
END_TEST

static Suite *geo_suite(void)
{
    Suite *s = suite_create("geo");
    TCase *tc = harness_server_case("geoadd", NULL, NULL);
    tcase_add_test(tc, geoadd_stores_redis_s_geohash_scores);
    tcase_add_test(tc, geoadd_takes_nx_xx_and_ch_as_zadd_does);
    tcase_add_test(tc, geoadd_checks_every_point_before_writing);
    suite_add_tcase(s, tc);

    tc = harness_server_case("point_reads", NULL, NULL);
    tcase_add_test(tc, point_reads_answer_as_redis_in_resp2_and_resp3);
    tcase_add_test(tc, geodist_converts_units_in_any_case);
    tcase_add_test(tc, plain_sorted_set_scores_decode_as_in_redis);
    suite_add_tcase(s, tc);

    tc = harness_server_case("searches", NULL, NULL);
    tcase_add_test(tc, search_replies_with_coord_dist_and_hash_byte_for_byte);
    tcase_add_test(tc, searches_order_count_and_shape_as_redis);
    tcase_add_test(tc, equal_distances_come_back_in_redis_s_order);
    tcase_add_test(tc, search_errors_are_redis_s_in_redis_s_order);
    suite_add_tcase(s, tc);

    tc = harness_server_case("stores", NULL, NULL);
    tcase_add_test(tc, store_and_storedist_write_a_sorted_set);
    tcase_add_test(tc, an_empty_result_deletes_the_destination);
    tcase_add_test(tc, stores_reach_keys_on_every_shard);
    suite_add_tcase(s, tc);

    tc = harness_server_case("changes", NULL, NULL);
    tcase_add_test(tc, getkeys_finds_the_store_keys);
    tcase_add_test(tc, watch_sees_only_changing_writes);
    tcase_add_test(tc, events_are_redis_s);
    suite_add_tcase(s, tc);

    tc = tcase_create("aof");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_aof_gets_redis_s_lines);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(geo_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
