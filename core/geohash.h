/*
 * geohash.h - the geometry behind the GEO commands: points coded as the
 * 52-bit integers a geo set keeps as sorted set scores, the boxes a
 * search visits, and distances on the sphere, as Redis 7.0 computes them
 * (geohash.c, geohash_helper.c), bit for bit.
 *
 * Glossary
 *   lon, lat     degrees. A point must lie in the Web Mercator square
 *                (EPSG:900913): lon in [-180, 180], lat in [-85.05112878,
 *                85.05112878]; Redis cannot code the poles.
 *   geohash      a cell of a grid that halves each side `step` times: the
 *                cell's lat index in the even bits, its lon index in the
 *                odd bits (2 * step bits in all).
 *   score        the geohash of step 26 (52 bits), the member's score in
 *                the sorted set. Near points share leading bits, so a cell
 *                of any step is one range of scores [min, max).
 *   shape        what a search covers: a circle (radius) or an axis-aligned
 *                box (width x height) around a centre, sizes in a unit
 *                (to_meters: 1 for m, 1000 for km, 0.3048 for ft, 1609.34
 *                for mi).
 *   plan         the score ranges a search reads: the cell holding the
 *                centre and its 8 neighbours, of a step big enough for the
 *                shape, in Redis's order (centre, N, S, E, W, NE, NW, SE,
 *                SW) minus the neighbours the shape cannot reach and
 *                repeats. The order decides which members COUNT ANY finds
 *                and how equal distances are ordered.
 *   distance     meters along a sphere of radius 6372797.560856 m
 *                (haversine).
 *
 * Pure functions: no allocation, no state, any thread.
 */
#ifndef GROVE_GEOHASH_H
#define GROVE_GEOHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEOHASH_LON_MIN (-180.0)
#define GEOHASH_LON_MAX 180.0
#define GEOHASH_LAT_MIN (-85.05112878)
#define GEOHASH_LAT_MAX 85.05112878
#define GEOHASH_STEP_MAX 26 /* 52 bits: a score */
#define GEOHASH_TEXT_LEN 11 /* GEOHASH's strings */

/* Is (lon, lat) a point a geo set can hold? */
bool geohash_valid(double lon, double lat);

/* The score of a valid point (GEOADD). */
uint64_t geohash_score(double lon, double lat);

/* The point a score stands for: the centre of its cell, kept inside the
 * square. Any score decodes: one a geo set did not write is read as
 * Redis's (uint64_t) cast reads it on x86-64, so GEOPOS of a plain
 * sorted set member answers what Redis answers. */
void geohash_decode_score(double score, double *lon, double *lat);

/* GEOHASH: the standard geohash text of a score (the point re-coded over
 * lat [-90, 90]), 11 characters, the last always '0' (52 bits fill only
 * 10 and a half). Not NUL-terminated. */
void geohash_text(double score, char out[GEOHASH_TEXT_LEN]);

/* The distance in meters between two points. */
double geohash_distance(double lon1, double lat1, double lon2, double lat2);

struct geohash_shape {
    double lon, lat;        /* the centre */
    double to_meters;       /* the size of the unit */
    bool box;               /* BYBOX, else a circle */
    double radius;          /* a circle's, in the unit */
    double width, height;   /* a box's, in the unit */
};

/* Is the point inside the shape? If so *dist gets its distance from the
 * centre in meters. */
bool geohash_shape_contains(const struct geohash_shape *s, double lon, double lat, double *dist);

/* A score range [min, max) that one cell covers. */
struct geohash_range {
    uint64_t min, max;
};

struct geohash_plan {
    size_t n;                        /* 1..9 */
    struct geohash_range ranges[9];
};

/* The cells to search for the shape (whose centre is a valid point). */
void geohash_plan(const struct geohash_shape *s, struct geohash_plan *plan);

#endif
