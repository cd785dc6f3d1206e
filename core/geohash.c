/*
 * geohash.c - geohash cells, search plans and distances, as Redis 7.0's
 * geohash.c and geohash_helper.c compute them; see geohash.h for the
 * terms.
 *
 * Design
 *   A cell of step s is two s-bit indexes, one per axis, interleaved: lat
 *   in the even bits, lon in the odd bits. Coding a point scales each
 *   coordinate into [0, 2^s] over its range and truncates; decoding gives
 *   the cell's bounds, and a point is the centre of its cell. Every
 *   floating-point step is Redis's, in Redis's order, because the scores
 *   (and so ZRANGE, ZSCORE, DUMP) and the replies must be bit-identical:
 *   a coordinate exactly on the top edge of the square codes as index
 *   2^s, one past the last, as in Redis; an index's successor wraps in
 *   32 bits, as in Redis.
 *
 *   A search (geohash_plan) picks the step at which one cell is about as
 *   large as the shape, then reads the centre's cell and its 8 neighbours:
 *   the shape always fits in those 9 cells (a neighbour that does not
 *   reach past the shape's bounding box makes the step one coarser), and
 *   neighbours wholly outside the bounding box are left out. Neighbours
 *   wrap around the world, so a huge shape can name the same cell twice;
 *   a cell equal to the last one read is read once.
 *
 *   Distances use the haversine formula on a sphere, with Redis's short
 *   cut when both longitudes are the same.
 *
 * Complexity: everything is O(1).
 */
#include "geohash.h"

#include <math.h>

#define EARTH_RADIUS_M 6372797.560856
#define MERCATOR_MAX 20037726.37
#define PI 3.14159265358979323846
#define DEG_TO_RAD (PI / 180.0)

/* ==== cells ===================================================================== */

struct cell {
    uint64_t bits;
    unsigned step; /* 0: no cell (a neighbour left out of a plan) */
};

struct span {
    double min, max;
};

struct area {
    struct span lon, lat;
};

static const struct span mercator_lon = {GEOHASH_LON_MIN, GEOHASH_LON_MAX};
static const struct span mercator_lat = {GEOHASH_LAT_MIN, GEOHASH_LAT_MAX};
static const struct span world_lat = {-90.0, 90.0}; /* the standard geohash's */

#define EVEN_BITS UINT64_C(0x5555555555555555) /* lat */
#define ODD_BITS UINT64_C(0xaaaaaaaaaaaaaaaa)  /* lon */

/* Bit i of v to bit 2i. */
static uint64_t spread(uint32_t v)
{
    uint64_t x = v;
    x = (x | (x << 16)) & UINT64_C(0x0000ffff0000ffff);
    x = (x | (x << 8)) & UINT64_C(0x00ff00ff00ff00ff);
    x = (x | (x << 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    x = (x | (x << 2)) & UINT64_C(0x3333333333333333);
    x = (x | (x << 1)) & EVEN_BITS;
    return x;
}

/* Bit 2i of x to bit i (the odd bits are dropped). */
static uint32_t squash(uint64_t x)
{
    x &= EVEN_BITS;
    x = (x | (x >> 1)) & UINT64_C(0x3333333333333333);
    x = (x | (x >> 2)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    x = (x | (x >> 4)) & UINT64_C(0x00ff00ff00ff00ff);
    x = (x | (x >> 8)) & UINT64_C(0x0000ffff0000ffff);
    x = (x | (x >> 16)) & UINT64_C(0x00000000ffffffff);
    return (uint32_t)x;
}

/* The cell of step `step` holding (lon, lat), which lie in the spans. */
static struct cell encode(struct span lon_span, struct span lat_span, double lon, double lat,
                          unsigned step)
{
    double lat_offset = (lat - lat_span.min) / (lat_span.max - lat_span.min);
    double lon_offset = (lon - lon_span.min) / (lon_span.max - lon_span.min);
    lat_offset *= (double)(UINT64_C(1) << step);
    lon_offset *= (double)(UINT64_C(1) << step);
    return (struct cell){spread((uint32_t)lat_offset) | spread((uint32_t)lon_offset) << 1, step};
}

static struct cell encode_mercator(double lon, double lat, unsigned step)
{
    return encode(mercator_lon, mercator_lat, lon, lat, step);
}

/* The bounds of index i of a span cut in 2^step (i + 1 wraps in 32 bits). */
static struct span index_bounds(struct span s, uint32_t i, unsigned step)
{
    double cells = (double)(UINT64_C(1) << step), scale = s.max - s.min;
    uint32_t next = i + 1;
    return (struct span){s.min + (i * 1.0 / cells) * scale, s.min + (next * 1.0 / cells) * scale};
}

static struct area decode_mercator(struct cell c)
{
    return (struct area){.lon = index_bounds(mercator_lon, squash(c.bits >> 1), c.step),
                         .lat = index_bounds(mercator_lat, squash(c.bits), c.step)};
}

static double clamp(double v, double lo, double hi)
{
    return v > hi ? hi : v < lo ? lo : v;
}

/* The (uint64_t) conversion of x86-64 (cvttsd2si), which Redis's decoding
 * of a score relies on: out of range (and NaN) gives 2^63, and from 2^63
 * on the value is converted less 2^63 and that bit flipped back. */
static uint64_t truncate_x86(double v)
{
    if (v >= -9223372036854775808.0 && v < 9223372036854775808.0)
        return (uint64_t)(int64_t)v;
    return UINT64_C(1) << 63;
}

static uint64_t score_bits(double score)
{
    if (score >= 9223372036854775808.0)
        return truncate_x86(score - 9223372036854775808.0) ^ (UINT64_C(1) << 63);
    return truncate_x86(score);
}

/* ==== points ===================================================================== */

bool geohash_valid(double lon, double lat)
{
    return lon >= GEOHASH_LON_MIN && lon <= GEOHASH_LON_MAX && lat >= GEOHASH_LAT_MIN &&
           lat <= GEOHASH_LAT_MAX;
}

uint64_t geohash_score(double lon, double lat)
{
    return encode_mercator(lon, lat, GEOHASH_STEP_MAX).bits;
}

void geohash_decode_score(double score, double *lon, double *lat)
{
    struct area a = decode_mercator((struct cell){score_bits(score), GEOHASH_STEP_MAX});
    *lon = clamp((a.lon.min + a.lon.max) / 2, GEOHASH_LON_MIN, GEOHASH_LON_MAX);
    *lat = clamp((a.lat.min + a.lat.max) / 2, GEOHASH_LAT_MIN, GEOHASH_LAT_MAX);
}

void geohash_text(double score, char out[GEOHASH_TEXT_LEN])
{
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    double lon, lat;
    geohash_decode_score(score, &lon, &lat);
    uint64_t bits = encode(mercator_lon, world_lat, lon, lat, GEOHASH_STEP_MAX).bits;
    for (int i = 0; i < GEOHASH_TEXT_LEN - 1; i++)
        out[i] = alphabet[(bits >> (52 - (i + 1) * 5)) & 0x1f];
    out[GEOHASH_TEXT_LEN - 1] = '0'; /* bits 53-55 do not exist: zeros */
}

/* ==== distances ================================================================== */

static double deg_rad(double deg)
{
    return deg * DEG_TO_RAD;
}

static double rad_deg(double rad)
{
    return rad / DEG_TO_RAD;
}

/* Along a meridian. */
static double lat_distance(double lat1, double lat2)
{
    return EARTH_RADIUS_M * fabs(deg_rad(lat2) - deg_rad(lat1));
}

double geohash_distance(double lon1, double lat1, double lon2, double lat2)
{
    double v = sin((deg_rad(lon2) - deg_rad(lon1)) / 2);
    if (v == 0.0)
        return lat_distance(lat1, lat2);
    double lat1r = deg_rad(lat1), lat2r = deg_rad(lat2);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * EARTH_RADIUS_M * asin(sqrt(a));
}

/* A box: within half the height along the meridian, then within half the
 * width along the point's own parallel. */
static bool box_contains(const struct geohash_shape *s, double lon, double lat, double *dist)
{
    if (lat_distance(lat, s->lat) > s->height * s->to_meters / 2)
        return false;
    if (geohash_distance(lon, lat, s->lon, lat) > s->width * s->to_meters / 2)
        return false;
    *dist = geohash_distance(s->lon, s->lat, lon, lat);
    return true;
}

bool geohash_shape_contains(const struct geohash_shape *s, double lon, double lat, double *dist)
{
    if (s->box)
        return box_contains(s, lon, lat, dist);
    *dist = geohash_distance(s->lon, s->lat, lon, lat);
    return *dist <= s->radius * s->to_meters;
}

/* ==== search plans ================================================================ */

/* The step whose cells are about `meters` wide at latitude lat: coarser
 * towards the poles, where a cell narrows. */
static unsigned steps_for_radius(double meters, double lat)
{
    if (meters == 0)
        return GEOHASH_STEP_MAX;
    int step = 1;
    while (meters < MERCATOR_MAX) {
        meters *= 2;
        step++;
    }
    step -= 2; /* so that the shape is inside the 9 cells in most cases */
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80)
            step--;
    }
    return step < 1 ? 1 : step > GEOHASH_STEP_MAX ? GEOHASH_STEP_MAX : (unsigned)step;
}

/* The shape's bounding box. A parallel is shorter nearer a pole, so the
 * box's lon extent is that of its edge nearer the equator. */
static struct area bounding_box(const struct geohash_shape *s)
{
    double height = s->to_meters * (s->box ? s->height / 2 : s->radius);
    double width = s->to_meters * (s->box ? s->width / 2 : s->radius);
    double lat_delta = rad_deg(height / EARTH_RADIUS_M);
    double lon_delta_top = rad_deg(width / EARTH_RADIUS_M / cos(deg_rad(s->lat + lat_delta)));
    double lon_delta_bottom = rad_deg(width / EARTH_RADIUS_M / cos(deg_rad(s->lat - lat_delta)));
    double lon_delta = s->lat < 0 ? lon_delta_bottom : lon_delta_top;
    return (struct area){.lon = {s->lon - lon_delta, s->lon + lon_delta},
                         .lat = {s->lat - lat_delta, s->lat + lat_delta}};
}

/* One cell along one axis (mask: its bits), d = +1 or -1, wrapping: the
 * other axis's bits are filled with ones so the carry runs through them. */
static uint64_t move_axis(uint64_t bits, unsigned step, uint64_t mask, int d)
{
    uint64_t axis = bits & mask, other = bits & ~mask;
    uint64_t fill = ~mask >> (64 - step * 2);
    if (d > 0) {
        axis += fill + 1;
    } else {
        axis |= fill;
        axis -= fill + 1;
    }
    return (axis & (mask >> (64 - step * 2))) | other;
}

static struct cell neighbour(struct cell c, int east, int north)
{
    if (east)
        c.bits = move_axis(c.bits, c.step, ODD_BITS, east);
    if (north)
        c.bits = move_axis(c.bits, c.step, EVEN_BITS, north);
    return c;
}

/* Redis's search order: the centre, N, S, E, W, NE, NW, SE, SW. */
enum { CENTRE, NORTH, SOUTH, EAST, WEST, NORTH_EAST, NORTH_WEST, SOUTH_EAST, SOUTH_WEST, CELLS };

static void cells_around(struct cell centre, struct cell cells[CELLS])
{
    static const int moves[CELLS][2] = {{0, 0},  {0, 1},  {0, -1}, {1, 0},  {-1, 0},
                                        {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
    for (int i = 0; i < CELLS; i++)
        cells[i] = neighbour(centre, moves[i][0], moves[i][1]);
}

/* Does a side neighbour stop short of the bounding box? Then the shape
 * may reach past the 9 cells: the step is too fine. */
static bool cells_too_small(const struct cell cells[CELLS], const struct area *box)
{
    return decode_mercator(cells[NORTH]).lat.max < box->lat.max ||
           decode_mercator(cells[SOUTH]).lat.min > box->lat.min ||
           decode_mercator(cells[EAST]).lon.max < box->lon.max ||
           decode_mercator(cells[WEST]).lon.min > box->lon.min;
}

/* Leave out the neighbours on a side the bounding box does not reach. */
static void drop_unreached(struct cell cells[CELLS], const struct area *box)
{
    static const int sides[4][3] = {{SOUTH, SOUTH_WEST, SOUTH_EAST},
                                    {NORTH, NORTH_EAST, NORTH_WEST},
                                    {WEST, SOUTH_WEST, NORTH_WEST},
                                    {EAST, SOUTH_EAST, NORTH_EAST}};
    struct area centre = decode_mercator(cells[CENTRE]);
    bool beyond[4] = {centre.lat.min < box->lat.min, centre.lat.max > box->lat.max,
                      centre.lon.min < box->lon.min, centre.lon.max > box->lon.max};
    for (int side = 0; side < 4; side++)
        for (int j = 0; beyond[side] && j < 3; j++)
            cells[sides[side][j]] = (struct cell){0, 0};
}

static struct geohash_range cell_range(struct cell c)
{
    unsigned shift = 52 - c.step * 2;
    return (struct geohash_range){c.bits << shift, (c.bits + 1) << shift};
}

void geohash_plan(const struct geohash_shape *s, struct geohash_plan *plan)
{
    struct area box = bounding_box(s);
    double meters = s->box ? sqrt((s->width / 2) * (s->width / 2) +
                                  (s->height / 2) * (s->height / 2))
                           : s->radius;
    unsigned step = steps_for_radius(meters * s->to_meters, s->lat);
    struct cell cells[CELLS];

    cells_around(encode_mercator(s->lon, s->lat, step), cells);
    if (step > 1 && cells_too_small(cells, &box))
        cells_around(encode_mercator(s->lon, s->lat, --step), cells);
    if (step >= 2)
        drop_unreached(cells, &box);
    /* Skip a cell equal to the last neighbour read (never compared with
     * the centre, as in Redis). */
    int last = 0;
    plan->n = 0;
    for (int i = 0; i < CELLS; i++) {
        if (cells[i].step == 0)
            continue;
        if (last > 0 && cells[i].bits == cells[last].bits)
            continue;
        plan->ranges[plan->n++] = cell_range(cells[i]);
        last = i;
    }
}
