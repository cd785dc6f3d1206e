/*
 * check_geohash.c - geohash scores, decoding, text, distances and search
 * plans (core/geohash.c).
 *
 * The expected scores, positions, texts and distances are what
 * redis-server 7.0.15 answered for the same points (GEOADD then ZSCORE,
 * GEOPOS, GEOHASH, GEODIST); the plans are checked for what they promise:
 * every point inside a shape lies in one of the plan's score ranges.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geohash.h"
#include "resp.h"

/* The point as GEOPOS writes it ("%.17Lf", trailing zeros trimmed). */
static void assert_point(double score, const char *lon_text, const char *lat_text)
{
    double lon, lat;
    char buf[64];
    geohash_decode_score(score, &lon, &lat);
    resp_long_double_to_str(buf, sizeof(buf), lon);
    ck_assert_str_eq(buf, lon_text);
    resp_long_double_to_str(buf, sizeof(buf), lat);
    ck_assert_str_eq(buf, lat_text);
}

static void assert_text(double score, const char *want)
{
    char text[GEOHASH_TEXT_LEN];
    geohash_text(score, text);
    ck_assert_mem_eq(text, want, GEOHASH_TEXT_LEN);
}

/* ---- points ------------------------------------------------------------------ */

START_TEST(scores_are_redis_geohashes)
{
    ck_assert_uint_eq(geohash_score(13.361389, 38.115556), UINT64_C(3479099956230698));
    ck_assert_uint_eq(geohash_score(15.087269, 37.502669), UINT64_C(3479447370796909));
    ck_assert_uint_eq(geohash_score(0, 0), UINT64_C(3377699720527872));
    ck_assert_uint_eq(geohash_score(-180, GEOHASH_LAT_MIN), 0);
}
END_TEST

START_TEST(the_top_edges_code_past_the_last_cell_as_in_redis)
{
    /* lon 180 or lat 85.05112878 scale to index 2^26: bits 53 and 52 */
    ck_assert_uint_eq(geohash_score(180, 0), UINT64_C(10133099161583616));
    ck_assert_uint_eq(geohash_score(180, GEOHASH_LAT_MAX), UINT64_C(13510798882111488));
    assert_point(13510798882111488.0, "180", "85.0511287799999991");
    assert_point(10133099161583616.0, "180", "0.00000126736058093");
}
END_TEST

START_TEST(decoding_gives_the_centre_of_the_cell)
{
    assert_point(3479099956230698.0, "13.36138933897018433", "38.11555639549629859");
    assert_point(3479447370796909.0, "15.08726745843887329", "37.50266842333162032");
    assert_point(3377699720527872.0, "0.00000268220901489", "0.00000126736058093");
}
END_TEST

START_TEST(any_score_decodes_as_redis_reads_it_on_x86_64)
{
    assert_point(-1, "180", "85.0511287799999991");          /* all ones */
    assert_point(INFINITY, "-179.99999731779098511", "-85.05112751263942528");   /* 0 */
    assert_point(-INFINITY, "180", "-85.05112751263942528");  /* 2^63 */
    assert_point(1e20, "-179.99999731779098511", "-85.05112751263942528");       /* 0 */
    assert_point(4503599627370496.0, "-179.99999731779098511", "85.0511287799999991");
}
END_TEST

START_TEST(text_is_the_standard_geohash)
{
    assert_text(3479099956230698.0, "sqc8b49rny0");
    assert_text(3479447370796909.0, "sqdtr74hyu0");
    assert_text(3377699720527872.0, "s0000000000");
    assert_text(10133099161583616.0, "80000000000");
    assert_text(-1, "bp05b5048p0");
    assert_text(0, "00bh0hbj200");
}
END_TEST

START_TEST(valid_points_are_the_mercator_square)
{
    ck_assert(geohash_valid(180, GEOHASH_LAT_MAX));
    ck_assert(geohash_valid(-180, GEOHASH_LAT_MIN));
    ck_assert(!geohash_valid(180.000001, 0));
    ck_assert(!geohash_valid(0, 85.06));
    ck_assert(!geohash_valid(NAN, 0));
}
END_TEST

/* ---- distances ----------------------------------------------------------------- */

static double decoded_distance(double s1, double s2)
{
    double lon1, lat1, lon2, lat2;
    geohash_decode_score(s1, &lon1, &lat1);
    geohash_decode_score(s2, &lon2, &lat2);
    return geohash_distance(lon1, lat1, lon2, lat2);
}

START_TEST(distances_match_geodist)
{
    /* GEODIST's 4 decimals: llrint(d * 10^4) */
    ck_assert_int_eq(llrint(decoded_distance(3479099956230698.0, 3479447370796909.0) * 10000),
                     1662741516LL);
    ck_assert_int_eq(llrint(decoded_distance(-1, 0) * 10000), 189198445891LL);
    ck_assert_int_eq(llrint(decoded_distance(3377699720527872.0, 10133099161583616.0) / 1000 *
                            10000),
                     200207336LL);
}
END_TEST

START_TEST(same_longitude_is_measured_along_the_meridian)
{
    double d = geohash_distance(10, 0, 10, 1);
    ck_assert_double_eq_tol(d, 6372797.560856 * (3.14159265358979323846 / 180), 1e-6);
    ck_assert_double_eq(geohash_distance(10, 20, 10, 20), 0);
}
END_TEST

/* ---- shapes ------------------------------------------------------------------------ */

START_TEST(a_circle_holds_what_is_within_its_radius)
{
    struct geohash_shape s = {.lon = 0, .lat = 0, .to_meters = 1000, .radius = 1};
    double dist;
    ck_assert(geohash_shape_contains(&s, 0, 0.005, &dist)); /* 556 m north */
    ck_assert_double_eq_tol(dist, 556.1, 0.1);
    ck_assert(!geohash_shape_contains(&s, 0, 0.01, &dist)); /* 1112 m */
}
END_TEST

START_TEST(a_box_holds_what_is_within_half_its_sides)
{
    struct geohash_shape s = {.lon = 0, .lat = 0, .to_meters = 1000, .box = true, .width = 4,
                              .height = 2};
    double dist;
    ck_assert(geohash_shape_contains(&s, 0.015, 0.005, &dist)); /* 1.67 km east, 0.56 north */
    ck_assert(!geohash_shape_contains(&s, 0, 0.01, &dist));     /* 1.11 km north */
    ck_assert(!geohash_shape_contains(&s, 0.02, 0, &dist));     /* 2.22 km east */
}
END_TEST

/* ---- plans ------------------------------------------------------------------------- */

static bool plan_covers(const struct geohash_plan *p, uint64_t score)
{
    for (size_t i = 0; i < p->n; i++)
        if (score >= p->ranges[i].min && score < p->ranges[i].max)
            return true;
    return false;
}

/* splitmix64: reproducible test data. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double uniform(uint64_t *r, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(rng_next(r) >> 11) / 9007199254740992.0);
}

START_TEST(the_centre_cell_comes_first)
{
    struct geohash_shape s = {.lon = 13.361389, .lat = 38.115556, .to_meters = 1000,
                              .radius = 200};
    struct geohash_plan p;
    geohash_plan(&s, &p);
    uint64_t score = geohash_score(s.lon, s.lat);
    ck_assert_uint_ge(p.n, 1);
    ck_assert_uint_le(p.n, 9);
    ck_assert(score >= p.ranges[0].min && score < p.ranges[0].max);
}
END_TEST

START_TEST(a_zero_radius_reads_the_finest_cell)
{
    struct geohash_shape s = {.lon = 1, .lat = 2, .to_meters = 1, .radius = 0};
    struct geohash_plan p;
    geohash_plan(&s, &p);
    uint64_t score = geohash_score(1, 2);
    ck_assert_uint_eq(p.ranges[0].min, score);
    ck_assert_uint_eq(p.ranges[0].max, score + 1);
}
END_TEST

/* Random shapes away from the poles and the antimeridian, random points
 * near them: whatever the shape holds, the plan reads. */
START_TEST(plans_cover_every_point_inside_the_shape)
{
    uint64_t r = 42;
    for (int t = 0; t < 2000; t++) {
        struct geohash_shape s = {.lon = uniform(&r, -170, 170), .lat = uniform(&r, -70, 70),
                                  .to_meters = 1000, .box = rng_next(&r) & 1};
        double size = exp(uniform(&r, log(0.05), log(2000)));
        s.radius = size;
        s.width = size * uniform(&r, 0.5, 2);
        s.height = size * uniform(&r, 0.5, 2);
        struct geohash_plan p;
        geohash_plan(&s, &p);
        double reach = 2 * size * 1000 / 111000.0 + 0.01; /* degrees of lat, generous */
        for (int i = 0; i < 200; i++) {
            double lon = s.lon + uniform(&r, -reach, reach) / cos(s.lat * 3.14159265358979 / 180);
            double lat = s.lat + uniform(&r, -reach, reach);
            if (!geohash_valid(lon, lat))
                continue;
            uint64_t score = geohash_score(lon, lat);
            double plon, plat, dist;
            geohash_decode_score((double)score, &plon, &plat);
            if (geohash_shape_contains(&s, plon, plat, &dist))
                ck_assert_msg(plan_covers(&p, score), "shape %d misses a point", t);
        }
    }
}
END_TEST

START_TEST(a_world_wide_shape_reads_the_whole_world)
{
    /* At step 1 the neighbours wrap round the 4 cells of the world. */
    struct geohash_shape s = {.lon = 128, .lat = 14, .to_meters = 1, .radius = 3.2e7};
    struct geohash_plan p;
    geohash_plan(&s, &p);
    ck_assert_uint_le(p.n, 9);
    ck_assert(plan_covers(&p, 0));
    ck_assert(plan_covers(&p, (UINT64_C(1) << 52) - 1));
}
END_TEST

static Suite *geohash_suite(void)
{
    Suite *s = suite_create("geohash");
    TCase *points = tcase_create("points");
    TCase *distances = tcase_create("distances");
    TCase *shapes = tcase_create("shapes");
    TCase *plans = tcase_create("plans");
    tcase_add_test(points, scores_are_redis_geohashes);
    tcase_add_test(points, the_top_edges_code_past_the_last_cell_as_in_redis);
    tcase_add_test(points, decoding_gives_the_centre_of_the_cell);
    tcase_add_test(points, any_score_decodes_as_redis_reads_it_on_x86_64);
    tcase_add_test(points, text_is_the_standard_geohash);
    tcase_add_test(points, valid_points_are_the_mercator_square);
    tcase_add_test(distances, distances_match_geodist);
    tcase_add_test(distances, same_longitude_is_measured_along_the_meridian);
    tcase_add_test(shapes, a_circle_holds_what_is_within_its_radius);
    tcase_add_test(shapes, a_box_holds_what_is_within_half_its_sides);
    tcase_add_test(plans, the_centre_cell_comes_first);
    tcase_add_test(plans, a_zero_radius_reads_the_finest_cell);
    tcase_add_test(plans, plans_cover_every_point_inside_the_shape);
    tcase_add_test(plans, a_world_wide_shape_reads_the_whole_world);
    suite_add_tcase(s, points);
    suite_add_tcase(s, distances);
    suite_add_tcase(s, shapes);
    suite_add_tcase(s, plans);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(geohash_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
