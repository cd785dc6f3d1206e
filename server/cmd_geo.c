/*
 * cmd_geo.c - the geospatial commands, after Redis 7.0's geo.c:
 * GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS
 * GEORADIUS_RO GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO.
 *
 * A geo set is a plain sorted set (core/zset) whose scores are the
 * members' 52-bit geohashes (core/geohash): ZRANGE, ZREM, DUMP and the
 * rest see exactly what Redis stores. GEOADD turns its coordinates into
 * scores and runs ZADD on them as a nested command, as Redis's geoadd
 * calls zaddCommand: ZADD's replies, errors, "zadd" event and WATCH
 * signal, and the AOF gets the ZADD line Redis writes.
 *
 * A search reads the score ranges of the 9 cells geohash_plan names, in
 * their order, keeps the members inside the shape (with their distance
 * from the centre), sorts them by distance when asked (COUNT alone asks
 * ASC) and replies or stores the first COUNT. COUNT ANY stops reading as
 * soon as it has COUNT members. Equal distances keep the order they were
 * read in, as Redis's whole sort keeps them; a COUNT smaller than the
 * matches is sorted with Redis's partial quicksort (pqsort.c), step for
 * step, since its swaps decide the order of equal distances. Known
 * difference: redis-server 7.0.15 as built by Debian sometimes orders
 * equal distances otherwise than that source does (about 1 search in 15
 * when 40+ matches share few distinct spots); which members, and their
 * distances, are always the same.
 *
 * Order of checks, which decides the error a client sees (Redis's
 * georadiusGeneric): the source key (WRONGTYPE), the centre and radius of
 * GEORADIUS and GEORADIUSBYMEMBER, the options left to right (each
 * parsed as it comes: a bad FROMLONLAT errors before a later syntax
 * error), then the combinations. A missing source replies an empty array,
 * or for a store deletes the destination and replies 0.
 *
 * The store key of GEORADIUS is the argument after the last STORE or
 * STOREDIST; the command table declares the argument after every one of
 * them as a key (key_after_words), so whichever the line uses is locked.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "collection.h"
#include "command.h"
#include "geohash.h"
#include "keyspace.h"
#include "zset.h"

#define ERR_NOT_FLOAT "ERR value is not a valid float"
#define ERR_BAD_MEMBER "ERR could not decode requested zset member"

/* ==== arguments ================================================================== */

/* A float as Redis's getDoubleFromObjectOrReply reads it; `err` is the
 * reply when it is not one. */
static bool double_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, const char *err,
                            double *out)
{
    if (resp_str_to_double(arg->ptr, arg->len, out))
        return true;
    resp_add_error(ctx->out, err);
    return false;
}

/* A longitude and a latitude at argv[i], argv[i + 1]. */
static bool lonlat_or_reply(struct cmd_ctx *ctx, size_t i, double *lon, double *lat)
{
    if (!double_or_reply(ctx, &ctx->argv[i], ERR_NOT_FLOAT, lon) ||
        !double_or_reply(ctx, &ctx->argv[i + 1], ERR_NOT_FLOAT, lat))
        return false;
    if (!geohash_valid(*lon, *lat)) {
        resp_add_errorf(ctx->out, "ERR invalid longitude,latitude pair %f,%f", *lon, *lat);
        return false;
    }
    return true;
}

/* The size in meters of the unit named by arg (any case). */
static bool unit_or_reply(struct cmd_ctx *ctx, const struct resp_arg *arg, double *to_meters)
{
    static const struct {
        const char *name;
        double meters;
    } units[] = {{"m", 1}, {"km", 1000}, {"ft", 0.3048}, {"mi", 1609.34}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (arg_is(arg, units[i].name)) {
            *to_meters = units[i].meters;
            return true;
        }
    }
    resp_add_error(ctx->out, "ERR unsupported unit provided. please use M, KM, FT, MI");
    return false;
}

/* A radius and its unit at argv[i], argv[i + 1]: a circle. */
static bool radius_or_reply(struct cmd_ctx *ctx, size_t i, struct geohash_shape *s)
{
    if (!double_or_reply(ctx, &ctx->argv[i], "ERR need numeric radius", &s->radius))
        return false;
    if (s->radius < 0) {
        resp_add_error(ctx->out, "ERR radius cannot be negative");
        return false;
    }
    s->box = false;
    return unit_or_reply(ctx, &ctx->argv[i + 1], &s->to_meters);
}

/* A width, a height and their unit from argv[i]: a box. */
static bool box_or_reply(struct cmd_ctx *ctx, size_t i, struct geohash_shape *s)
{
    if (!double_or_reply(ctx, &ctx->argv[i], "ERR need numeric width", &s->width) ||
        !double_or_reply(ctx, &ctx->argv[i + 1], "ERR need numeric height", &s->height))
        return false;
    if (s->width < 0 || s->height < 0) {
        resp_add_error(ctx->out, "ERR height or width cannot be negative");
        return false;
    }
    s->box = true;
    return unit_or_reply(ctx, &ctx->argv[i + 2], &s->to_meters);
}

/* The position of a member of z; false (and Redis's error) when absent. */
static bool member_position_or_reply(struct cmd_ctx *ctx, struct zset *z,
                                     const struct resp_arg *member, double *lon, double *lat)
{
    double score;
    if (!zset_score(z, member->ptr, member->len, &score)) {
        resp_add_error(ctx->out, ERR_BAD_MEMBER);
        return false;
    }
    geohash_decode_score(score, lon, lat);
    return true;
}

/* ==== replies ===================================================================== */

/* A distance as Redis 7.0 (since 7.0.6) writes one, fixedpoint_d2string
 * with 4 digits: the value times 10^4 rounded by llrint (half to even),
 * the point put back. Not always "%.4f", which rounds the exact binary
 * value. */
static void reply_distance(struct cmd_ctx *ctx, double d)
{
    char buf[48];
    long long v = llrint(d * 10000);
    unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
    int n = snprintf(buf, sizeof(buf), "%s%llu.%04llu", v < 0 ? "-" : "", u / 10000, u % 10000);
    resp_add_bulk(ctx->out, buf, (size_t)n);
}

static void reply_position(struct cmd_ctx *ctx, double lon, double lat)
{
    resp_add_array_len(ctx->out, 2);
    resp_add_human_double(ctx->out, lon);
    resp_add_human_double(ctx->out, lat);
}

/* ==== GEOADD ====================================================================== */

/* The ZADD line a GEOADD stands for: "zadd", the key and its options as
 * given, then a score (the geohash, in decimal) and a member per point. */
struct zadd_line {
    struct resp_arg *argv;
    size_t argc;
};

#define SCORE_CHARS 24 /* a 64-bit integer's digits and more */

/* Build it from argv[first..] (triples); false after replying. */
static bool zadd_line_build(struct cmd_ctx *ctx, size_t first, struct zadd_line *z)
{
    size_t points = (ctx->argc - first) / 3;
    z->argc = first + 2 * points;
    z->argv = malloc(z->argc * sizeof(*z->argv) + points * SCORE_CHARS);
    if (z->argv == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    char *digits = (char *)(z->argv + z->argc);
    z->argv[0] = (struct resp_arg){"zadd", 4};
    for (size_t i = 1; i < first; i++)
        z->argv[i] = ctx->argv[i];
    for (size_t p = 0; p < points; p++) {
        double lon, lat;
        size_t from = first + 3 * p;
        if (!lonlat_or_reply(ctx, from, &lon, &lat))
            return false;
        char *text = digits + p * SCORE_CHARS;
        size_t len = resp_ll_to_str(text, (long long)geohash_score(lon, lat));
        z->argv[first + 2 * p] = (struct resp_arg){text, len};
        z->argv[first + 2 * p + 1] = ctx->argv[from + 2];
    }
    return true;
}

/* GEOADD key [NX|XX] [CH] longitude latitude member [...]: the options
 * (in any order, NX with XX a syntax error) and every point are checked
 * before ZADD runs. */
static void geoadd_command(struct cmd_ctx *ctx)
{
    bool nx = false, xx = false;
    size_t first = 2;
    for (; first < ctx->argc; first++) {
        const struct resp_arg *a = &ctx->argv[first];
        if (arg_is(a, "nx"))
            nx = true;
        else if (arg_is(a, "xx"))
            xx = true;
        else if (!arg_is(a, "ch"))
            break;
    }
    if ((ctx->argc - first) % 3 || (nx && xx)) {
        reply_syntax_error(ctx);
        return;
    }
    struct zadd_line z = {0};
    if (zadd_line_build(ctx, first, &z))
        command__run_held(ctx->client, ctx->out, command_by_own_name("zadd", 4), z.argv, z.argc,
                          ctx->now_ms);
    free(z.argv);
}

/* ==== GEOHASH, GEOPOS, GEODIST ===================================================== */

/* The score of a member of the zset b (NULL: a missing key). */
static bool member_score(struct object_boxed *b, const struct resp_arg *member, double *score)
{
    return b != NULL && zset_score(zset_from_boxed(b), member->ptr, member->len, score);
}

static void reply_geohash(struct cmd_ctx *ctx, struct object_boxed *b,
                          const struct resp_arg *member)
{
    double score;
    char text[GEOHASH_TEXT_LEN];
    if (!member_score(b, member, &score)) {
        resp_add_null(ctx->out);
        return;
    }
    geohash_text(score, text);
    resp_add_bulk(ctx->out, text, sizeof(text));
}

static void reply_geopos(struct cmd_ctx *ctx, struct object_boxed *b,
                         const struct resp_arg *member)
{
    double score, lon, lat;
    if (!member_score(b, member, &score)) {
        resp_add_null_array(ctx->out);
        return;
    }
    geohash_decode_score(score, &lon, &lat);
    reply_position(ctx, lon, lat);
}

static void geohash_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &zset_collection, reply_geohash, true);
}

static void geopos_command(struct cmd_ctx *ctx)
{
    collection_read_command(ctx, &zset_collection, reply_geopos, true);
}

/* GEODIST key member1 member2 [unit]: the unit is checked before the key;
 * nil when the key or either member is missing. */
static void geodist_command(struct cmd_ctx *ctx)
{
    double to_meters = 1, s1, s2, lon1, lat1, lon2, lat2;
    struct cmd_key k;
    struct hashmap_entry *e;
    struct object_boxed *b;
    if (ctx->argc > 5) {
        reply_syntax_error(ctx);
        return;
    }
    if (ctx->argc == 5 && !unit_or_reply(ctx, &ctx->argv[4], &to_meters))
        return;
    cmd_key(ctx, 1, &k);
    if (!cmd_find_boxed(ctx, &k, KEYSPACE_LOOKUP_COUNT, OBJECT_ZSET, &e, &b))
        return;
    if (!member_score(b, &ctx->argv[2], &s1) || !member_score(b, &ctx->argv[3], &s2)) {
        resp_add_null(ctx->out);
        return;
    }
    geohash_decode_score(s1, &lon1, &lat1);
    geohash_decode_score(s2, &lon2, &lat2);
    reply_distance(ctx, geohash_distance(lon1, lat1, lon2, lat2) / to_meters);
}

/* ==== searches: the request ========================================================= */

enum search_kind {
    SEARCH_RADIUS,           /* GEORADIUS key lon lat radius unit ... */
    SEARCH_RADIUS_BY_MEMBER, /* GEORADIUSBYMEMBER key member radius unit ... */
    SEARCH_GEOSEARCH,        /* GEOSEARCH key FROM... BY... ... */
    SEARCH_GEOSEARCH_STORE,  /* GEOSEARCHSTORE dst src FROM... BY... ... */
};

enum search_sort { SORT_NONE, SORT_ASC, SORT_DESC };

struct search_req {
    enum search_kind kind;
    bool no_store;             /* the _RO variants */
    struct geohash_shape shape;
    size_t src;                /* argv index of the geo set */
    size_t store;              /* argv index of the key to store into; 0: reply */
    bool storedist;            /* store distances, not the scores */
    bool withdist, withhash, withcoord;
    bool from_member, from_lonlat, by_radius, by_box;
    enum search_sort sort;
    bool any;                  /* COUNT ANY: stop once COUNT members match */
    long long count;           /* 0: all */
};

static bool is_geosearch(const struct search_req *q)
{
    return q->kind == SEARCH_GEOSEARCH || q->kind == SEARCH_GEOSEARCH_STORE;
}

/* One option of GEOSEARCH's at argv[*i] (FROMMEMBER, FROMLONLAT,
 * BYRADIUS, BYBOX), parsed as Redis parses it, *i moved past its
 * arguments. *matched is false when the word is none of them (or cannot
 * be one here). z is NULL when the key is missing: FROMMEMBER is then
 * taken without a lookup, the search will not run. */
static bool parse_search_area(struct cmd_ctx *ctx, struct search_req *q, struct zset *z,
                              size_t *i, bool *matched)
{
    const struct resp_arg *a = &ctx->argv[*i];
    size_t left = ctx->argc - *i - 1; /* arguments after the word */
    *matched = true;
    if (arg_is(a, "frommember") && left >= 1 && !q->from_lonlat) {
        if (z && !member_position_or_reply(ctx, z, &ctx->argv[*i + 1], &q->shape.lon,
                                           &q->shape.lat))
            return false;
        q->from_member = true;
        *i += 1;
    } else if (arg_is(a, "fromlonlat") && left >= 2 && !q->from_member) {
        if (!lonlat_or_reply(ctx, *i + 1, &q->shape.lon, &q->shape.lat))
            return false;
        q->from_lonlat = true;
        *i += 2;
    } else if (arg_is(a, "byradius") && left >= 2 && !q->by_box) {
        if (!radius_or_reply(ctx, *i + 1, &q->shape))
            return false;
        q->by_radius = true;
        *i += 2;
    } else if (arg_is(a, "bybox") && left >= 3 && !q->by_radius) {
        if (!box_or_reply(ctx, *i + 1, &q->shape))
            return false;
        q->by_box = true;
        *i += 3;
    } else {
        *matched = false;
    }
    return true;
}

/* The key to store into after STORE or STOREDIST (GEORADIUS and
 * GEORADIUSBYMEMBER), or GEOSEARCHSTORE's STOREDIST. *matched as above. */
static void parse_store(struct cmd_ctx *ctx, struct search_req *q, size_t *i, bool *matched)
{
    const struct resp_arg *a = &ctx->argv[*i];
    bool store = arg_is(a, "store"), storedist = arg_is(a, "storedist");
    *matched = true;
    if ((store || storedist) && *i + 1 < ctx->argc && !q->no_store && !is_geosearch(q)) {
        q->store = ++*i;
        q->storedist = storedist;
    } else if (storedist && q->kind == SEARCH_GEOSEARCH_STORE) {
        q->storedist = true;
    } else {
        *matched = false;
    }
}

/* The options from argv[first] on, left to right; false after replying. */
static bool parse_options(struct cmd_ctx *ctx, struct search_req *q, struct zset *z,
                          size_t first)
{
    for (size_t i = first; i < ctx->argc; i++) {
        const struct resp_arg *a = &ctx->argv[i];
        bool matched;
        if (arg_is(a, "withdist")) {
            q->withdist = true;
        } else if (arg_is(a, "withhash")) {
            q->withhash = true;
        } else if (arg_is(a, "withcoord")) {
            q->withcoord = true;
        } else if (arg_is(a, "any")) {
            q->any = true;
        } else if (arg_is(a, "asc")) {
            q->sort = SORT_ASC;
        } else if (arg_is(a, "desc")) {
            q->sort = SORT_DESC;
        } else if (arg_is(a, "count") && i + 1 < ctx->argc) {
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[++i], &q->count))
                return false;
            if (q->count <= 0) {
                resp_add_error(ctx->out, "ERR COUNT must be > 0");
                return false;
            }
        } else {
            parse_store(ctx, q, &i, &matched);
            if (!matched && is_geosearch(q) && !parse_search_area(ctx, q, z, &i, &matched))
                return false;
            if (!matched) {
                reply_syntax_error(ctx);
                return false;
            }
        }
    }
    return true;
}

/* The combinations Redis refuses once every option is read (naming the
 * command as the client spelt it). */
static bool check_options(struct cmd_ctx *ctx, const struct search_req *q)
{
    const struct resp_arg *name = &ctx->argv[0];
    if (q->store && (q->withdist || q->withhash || q->withcoord)) {
        resp_add_errorf(ctx->out,
                        "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                        q->kind == SEARCH_GEOSEARCH_STORE ? "GEOSEARCHSTORE"
                                                          : "STORE option in GEORADIUS");
        return false;
    }
    if (is_geosearch(q) && !q->from_member && !q->from_lonlat) {
        resp_add_errorf(ctx->out,
                        "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %.*s",
                        (int)name->len, name->ptr);
        return false;
    }
    if (is_geosearch(q) && !q->by_radius && !q->by_box) {
        resp_add_errorf(ctx->out,
                        "ERR exactly one of BYRADIUS and BYBOX can be specified for %.*s",
                        (int)name->len, name->ptr);
        return false;
    }
    if (q->any && q->count == 0) {
        resp_add_error(ctx->out, "ERR the ANY argument requires COUNT argument");
        return false;
    }
    return true;
}

/* The centre and radius GEORADIUS and GEORADIUSBYMEMBER take before their
 * options; the index of the first option. z NULL: a missing key, whose
 * member is not looked for (Redis goes on to the options). */
static bool parse_fixed_area(struct cmd_ctx *ctx, struct search_req *q, struct zset *z,
                             size_t *first)
{
    switch (q->kind) {
    case SEARCH_RADIUS:
        *first = 6;
        return lonlat_or_reply(ctx, 2, &q->shape.lon, &q->shape.lat) &&
               radius_or_reply(ctx, 4, &q->shape);
    case SEARCH_RADIUS_BY_MEMBER:
        *first = 5;
        return z == NULL ||
               (member_position_or_reply(ctx, z, &ctx->argv[2], &q->shape.lon, &q->shape.lat) &&
                radius_or_reply(ctx, 3, &q->shape));
    case SEARCH_GEOSEARCH:
        *first = 2;
        return true;
    case SEARCH_GEOSEARCH_STORE:
        *first = 3;
        q->store = 1;
        return true;
    }
    return false;
}

/* ==== searches: reading the cells ===================================================== */

/* A member inside the shape. The member's bytes are the source zset's,
 * valid while the command runs (nothing changes the source before the
 * result is replied or copied). */
struct geo_point {
    const char *member;
    size_t len;
    double score;
    double lon, lat;
    double dist; /* from the centre, in meters */
    size_t seq;  /* the order read: ties in distance keep it */
};

struct geo_points {
    struct geo_point *p;
    size_t n, cap;
    size_t limit; /* COUNT ANY's count, else 0 */
    bool oom;
};

static bool points_full(const struct geo_points *pts)
{
    return pts->limit > 0 && pts->n >= pts->limit;
}

static void points_add(struct geo_points *pts, const struct zset_member *m, double lon,
                       double lat, double dist)
{
    if (pts->n == pts->cap) {
        size_t cap = pts->cap ? pts->cap * 2 : 8;
        struct geo_point *p = realloc(pts->p, cap * sizeof(*p));
        if (p == NULL) {
            pts->oom = true;
            return;
        }
        pts->p = p;
        pts->cap = cap;
    }
    pts->p[pts->n] = (struct geo_point){m->ptr, m->len, m->score, lon, lat, dist, pts->n};
    pts->n++;
}

/* The members of one cell (scores in [r.min, r.max)) inside the shape. */
static void read_cell(const struct zset *z, struct geohash_range r,
                      const struct geohash_shape *s, struct geo_points *pts)
{
    struct zset_iter it;
    struct zset_member m;
    zset_iter_init(&it, z, zset_count_below(z, (double)r.min, false), false);
    while (!pts->oom && zset_iter_next(&it, &m) && m.score < (double)r.max) {
        double lon, lat, dist;
        geohash_decode_score(m.score, &lon, &lat);
        if (geohash_shape_contains(s, lon, lat, &dist))
            points_add(pts, &m, lon, lat, dist);
        if (points_full(pts))
            break;
    }
}

static void read_plan(const struct zset *z, const struct geohash_shape *s,
                      struct geo_points *pts)
{
    struct geohash_plan plan;
    geohash_plan(s, &plan);
    for (size_t i = 0; i < plan.n && !points_full(pts) && !pts->oom; i++)
        read_cell(z, plan.ranges[i], s, pts);
}

/* ==== searches: ordering by distance ==================================================== */

/* Nearer first (farther first with `desc`); 0 for equal distances. */
static int compare_distance(const struct geo_point *x, const struct geo_point *y, bool desc)
{
    int c = x->dist > y->dist ? 1 : x->dist < y->dist ? -1 : 0;
    return desc ? -c : c;
}

/* A whole sort, as Redis's qsort (glibc's merge sort) gives it: equal
 * distances keep the order they were read in. */
static int compare_in_read_order(const void *a, const void *b, bool desc)
{
    const struct geo_point *x = a, *y = b;
    int c = compare_distance(x, y, desc);
    return c ? c : x->seq > y->seq ? 1 : -1;
}

static int nearest_first(const void *a, const void *b)
{
    return compare_in_read_order(a, b, false);
}

static int farthest_first(const void *a, const void *b)
{
    return compare_in_read_order(a, b, true);
}

/* Only the first COUNT of more matches: Redis's pqsort, Bentley and
 * McIlroy's quicksort (NetBSD's qsort) that skips the parts holding none
 * of the ranks wanted. Equal distances end up in the order its swaps leave
 * them, which a client sees: so the same steps are taken here. */
struct partial_sort {
    struct geo_point *v;
    bool desc;
    size_t first, last; /* the ranks wanted */
};

static int ps_cmp(const struct partial_sort *ps, size_t i, size_t j)
{
    return compare_distance(&ps->v[i], &ps->v[j], ps->desc);
}

static void ps_swap(struct partial_sort *ps, size_t i, size_t j)
{
    struct geo_point t = ps->v[i];
    ps->v[i] = ps->v[j];
    ps->v[j] = t;
}

/* Swap the n points from i with the n from j, in order. */
static void ps_swap_runs(struct partial_sort *ps, size_t i, size_t j, size_t n)
{
    for (size_t k = 0; k < n; k++)
        ps_swap(ps, i + k, j + k);
}

static size_t ps_median3(const struct partial_sort *ps, size_t a, size_t b, size_t c)
{
    return ps_cmp(ps, a, b) < 0 ? (ps_cmp(ps, b, c) < 0 ? b : ps_cmp(ps, a, c) < 0 ? c : a)
                                : (ps_cmp(ps, b, c) > 0 ? b : ps_cmp(ps, a, c) < 0 ? a : c);
}

static void ps_insertion(struct partial_sort *ps, size_t a, size_t n)
{
    for (size_t m = a + 1; m < a + n; m++)
        for (size_t l = m; l > a && ps_cmp(ps, l - 1, l) > 0; l--)
            ps_swap(ps, l, l - 1);
}

/* Does [a, a + n) hold a rank wanted? */
static bool ps_wanted(const struct partial_sort *ps, size_t a, size_t n)
{
    return !(ps->last < a || ps->first > a + n - 1);
}

/* The pivot: the median of 3, or of 3 medians of 3 past 40 points. */
static size_t ps_pivot(const struct partial_sort *ps, size_t a, size_t n)
{
    size_t m = a + n / 2;
    if (n > 7) {
        size_t l = a, h = a + n - 1;
        if (n > 40) {
            size_t d = n / 8;
            l = ps_median3(ps, l, l + d, l + 2 * d);
            m = ps_median3(ps, m - d, m, m + d);
            h = ps_median3(ps, h - 2 * d, h - d, h);
        }
        m = ps_median3(ps, l, m, h);
    }
    return m;
}

static void ps_sort(struct partial_sort *ps, size_t a, size_t n)
{
    for (;;) {
        if (n < 7) {
            ps_insertion(ps, a, n);
            return;
        }
        ps_swap(ps, a, ps_pivot(ps, a, n));
        /* Split around v[a]: [a, pa) equal, [pa, pb) less, (pc, pd] more,
         * (pd, end) equal. */
        size_t pa = a + 1, pb = a + 1, pc = a + n - 1, pd = a + n - 1, end = a + n;
        bool swapped = false;
        int c;
        for (;;) {
            for (; pb <= pc && (c = ps_cmp(ps, pb, a)) <= 0; pb++)
                if (c == 0) {
                    swapped = true;
                    ps_swap(ps, pa++, pb);
                }
            for (; pb <= pc && (c = ps_cmp(ps, pc, a)) >= 0; pc--)
                if (c == 0) {
                    swapped = true;
                    ps_swap(ps, pc, pd--);
                }
            if (pb > pc)
                break;
            ps_swap(ps, pb++, pc--);
            swapped = true;
        }
        if (!swapped) { /* already in order, or nearly */
            ps_insertion(ps, a, n);
            return;
        }
        size_t r = pa - a < pb - pa ? pa - a : pb - pa;
        ps_swap_runs(ps, a, pb - r, r);
        r = pd - pc < end - pd - 1 ? pd - pc : end - pd - 1;
        ps_swap_runs(ps, pb, end - r, r);
        if ((r = pb - pa) > 1 && ps_wanted(ps, a, r))
            ps_sort(ps, a, r);
        if ((r = pd - pc) <= 1 || !ps_wanted(ps, end - r, r))
            return;
        a = end - r;
        n = r;
    }
}

/* Put the points in order, or (COUNT below the matches) their first n. */
static void sort_points(struct geo_points *pts, size_t n, bool desc)
{
    if (n == pts->n) {
        qsort(pts->p, pts->n, sizeof(*pts->p), desc ? farthest_first : nearest_first);
        return;
    }
    struct partial_sort ps = {.v = pts->p, .desc = desc, .first = 0, .last = n - 1};
    ps_sort(&ps, 0, pts->n);
}

/* ==== searches: the result ============================================================ */

static void reply_points(struct cmd_ctx *ctx, const struct search_req *q,
                         const struct geo_points *pts, size_t n)
{
    size_t extras = (size_t)q->withdist + q->withhash + q->withcoord;
    resp_add_array_len(ctx->out, n);
    for (size_t i = 0; i < n; i++) {
        const struct geo_point *p = &pts->p[i];
        if (extras)
            resp_add_array_len(ctx->out, extras + 1);
        resp_add_bulk(ctx->out, p->member, p->len);
        if (q->withdist)
            reply_distance(ctx, p->dist / q->shape.to_meters);
        if (q->withhash)
            resp_add_integer(ctx->out, (long long)p->score);
        if (q->withcoord)
            reply_position(ctx, p->lon, p->lat);
    }
}

/* An empty result for the store key: it goes (a "del" event), reply 0. */
static void store_nothing(struct cmd_ctx *ctx, const struct search_req *q)
{
    struct cmd_key dk;
    cmd_key(ctx, q->store, &dk);
    if (keyspace_delete(dk.shard, &dk.key, ctx->now_ms))
        cmd_notify(ctx, NOTIFY_GENERIC, "del", &ctx->argv[q->store]);
    resp_add_integer(ctx->out, 0);
}

/* The first n points (n > 0) as a new zset at the store key, scored by
 * geohash or (STOREDIST) by distance in the shape's unit. */
static void store_points(struct cmd_ctx *ctx, const struct search_req *q,
                         const struct geo_points *pts, size_t n)
{
    struct cmd_key dk;
    struct zset *z = zset_create(cmd_member_hasher(), cmd_object_limits());
    for (size_t i = 0; z != NULL && i < n; i++) {
        const struct geo_point *p = &pts->p[i];
        double score = q->storedist ? p->dist / q->shape.to_meters : p->score;
        if (zset_set(z, p->member, p->len, score, NULL) < 0) {
            zset_destroy(z);
            z = NULL;
        }
    }
    if (z == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    cmd_key(ctx, q->store, &dk);
    if (!collection_store(ctx, &zset_collection, &dk, zset_boxed(z)))
        return;
    cmd_notify(ctx, NOTIFY_ZSET, is_geosearch(q) ? "geosearchstore" : "georadiusstore",
               &ctx->argv[q->store]);
    resp_add_integer(ctx->out, (long long)n);
}

/* Read the plan's cells, order, then reply or store. */
static void search_run(struct cmd_ctx *ctx, struct search_req *q, const struct zset *z)
{
    struct geo_points pts = {.limit = q->any ? (size_t)q->count : 0};
    if (q->count != 0 && q->sort == SORT_NONE && !q->any)
        q->sort = SORT_ASC; /* the nearest COUNT */
    read_plan(z, &q->shape, &pts);
    if (pts.oom) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        goto free_points;
    }
    size_t n = q->count == 0 || pts.n < (unsigned long long)q->count ? pts.n : (size_t)q->count;
    if (q->sort != SORT_NONE && n > 0)
        sort_points(&pts, n, q->sort == SORT_DESC);
    if (q->store == 0)
        reply_points(ctx, q, &pts, n);
    else if (n == 0)
        store_nothing(ctx, q);
    else
        store_points(ctx, q, &pts, n);
free_points:
    free(pts.p);
}

/* Redis's georadiusGeneric: every search command. */
static void search_generic(struct cmd_ctx *ctx, enum search_kind kind, bool no_store)
{
    struct search_req q = {.kind = kind, .no_store = no_store};
    struct cmd_key k;
    struct hashmap_entry *e;
    struct object_boxed *b;
    size_t first;
    q.src = kind == SEARCH_GEOSEARCH_STORE ? 2 : 1;
    cmd_key(ctx, q.src, &k);
    if (!cmd_find_boxed(ctx, &k, KEYSPACE_LOOKUP_COUNT, OBJECT_ZSET, &e, &b))
        return;
    struct zset *z = b ? zset_from_boxed(b) : NULL;
    if (!parse_fixed_area(ctx, &q, z, &first) || !parse_options(ctx, &q, z, first) ||
        !check_options(ctx, &q))
        return;
    if (z == NULL) {
        if (q.store)
            store_nothing(ctx, &q);
        else
            resp_add_array_len(ctx->out, 0);
        return;
    }
    search_run(ctx, &q, z);
}

static void georadius_command(struct cmd_ctx *ctx)
{
    search_generic(ctx, SEARCH_RADIUS, false);
}

static void georadius_ro_command(struct cmd_ctx *ctx)
{
    search_generic(ctx, SEARCH_RADIUS, true);
}

static void georadiusbymember_command(struct cmd_ctx *ctx)
{
    search_generic(ctx, SEARCH_RADIUS_BY_MEMBER, false);
}

static void georadiusbymember_ro_command(struct cmd_ctx *ctx)
{
    search_generic(ctx, SEARCH_RADIUS_BY_MEMBER, true);
}

static void geosearch_command(struct cmd_ctx *ctx)
{
    search_generic(ctx, SEARCH_GEOSEARCH, false);
}

static void geosearchstore_command(struct cmd_ctx *ctx)
{
    search_generic(ctx, SEARCH_GEOSEARCH_STORE, false);
}

/* ==== the table ====================================================================== */

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
#define KEY_ARG {"key", "key", NULL, 0, NULL}
#define DOUBLE_ARG(n) {n, "double", NULL, 0, NULL}
#define TOKEN(n, t) {n, "pure-token", t, 0, NULL}
#define OPTIONAL_TOKEN(n, t) {n, "pure-token", t, COMMAND_ARG_OPTIONAL, NULL}
#define UNITS ARGS(TOKEN("m", "M"), TOKEN("km", "KM"), TOKEN("ft", "FT"), TOKEN("mi", "MI"))
#define UNIT_ARG {"unit", "oneof", NULL, 0, UNITS}
#define COUNT_ARG                                                                               \
    {"count", "block", NULL, COMMAND_ARG_OPTIONAL,                                              \
     ARGS({"count", "integer", "COUNT", 0, NULL}, OPTIONAL_TOKEN("any", "ANY"))}
#define ORDER_ARG                                                                               \
    {"order", "oneof", NULL, COMMAND_ARG_OPTIONAL, ARGS(TOKEN("asc", "ASC"), TOKEN("desc", "DESC"))}
#define WITH_ARGS                                                                               \
    OPTIONAL_TOKEN("withcoord", "WITHCOORD"), OPTIONAL_TOKEN("withdist", "WITHDIST"),           \
        OPTIONAL_TOKEN("withhash", "WITHHASH")
#define STORE_ARGS                                                                              \
    {"key", "key", "STORE", COMMAND_ARG_OPTIONAL, NULL},                                        \
        {"key", "key", "STOREDIST", COMMAND_ARG_OPTIONAL, NULL}
#define FROM_ARG                                                                                \
    {"from", "oneof", NULL, 0,                                                                  \
     ARGS({"member", "string", "FROMMEMBER", 0, NULL},                                          \
          {"longitude_latitude", "block", "FROMLONLAT", 0,                                      \
           ARGS(DOUBLE_ARG("longitude"), DOUBLE_ARG("latitude"))})}
#define BY_ARG                                                                                  \
    {"by", "oneof", NULL, 0,                                                                    \
     ARGS({"circle", "block", NULL, 0,                                                          \
           ARGS({"radius", "double", "BYRADIUS", 0, NULL}, UNIT_ARG)},                          \
          {"box", "block", NULL, 0,                                                             \
           ARGS({"width", "double", "BYBOX", 0, NULL}, DOUBLE_ARG("height"), UNIT_ARG)})}

#define GEO_CMD(n, ar, fl, last, fn, sum, si, cx, ag)                                          \
    {.name = n, .arity = ar, .flags = fl, .first_key = 1, .last_key = last, .key_step = 1,      \
     .proc = fn, .group = "geo", .summary = sum, .since = si, .complexity = cx, .args = ag,     \
     .acl = ACL_GEO}
/* GEORADIUS and GEORADIUSBYMEMBER: the argument after STORE or STOREDIST,
 * from `from` on, is a key too. */
#define GEO_STORING_CMD(n, ar, from, fn, sum, si, cx, ag)                                      \
    {.name = n, .arity = ar, .flags = CMD_WRITE | CMD_DENYOOM, .first_key = 1, .last_key = 1,   \
     .key_step = 1, .keyword_from = from, .key_after_words = store_words, .proc = fn,           \
     .group = "geo", .summary = sum, .since = si, .complexity = cx, .args = ag,                \
     .acl = ACL_GEO}

static const char *const store_words[] = {"store", "storedist", NULL};

#define RADIUS_CX                                                                               \
    "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "   \
    "area delimited by center and radius and M is the number of items inside the index."
#define SEARCH_CX                                                                               \
    "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "     \
    "around the shape provided as the filter and M is the number of items inside the shape"
#define RADIUS_ARGS ARGS(KEY_ARG, DOUBLE_ARG("longitude"), DOUBLE_ARG("latitude"),              \
                         DOUBLE_ARG("radius"), UNIT_ARG, WITH_ARGS, COUNT_ARG, ORDER_ARG)
#define RADIUS_STORE_ARGS                                                                       \
    ARGS(KEY_ARG, DOUBLE_ARG("longitude"), DOUBLE_ARG("latitude"), DOUBLE_ARG("radius"),       \
         UNIT_ARG, WITH_ARGS, COUNT_ARG, ORDER_ARG, STORE_ARGS)
#define BY_MEMBER_ARGS                                                                          \
    ARGS(KEY_ARG, {"member", "string", NULL, 0, NULL}, DOUBLE_ARG("radius"), UNIT_ARG,          \
         WITH_ARGS, COUNT_ARG, ORDER_ARG)
#define BY_MEMBER_STORE_ARGS                                                                    \
    ARGS(KEY_ARG, {"member", "string", NULL, 0, NULL}, DOUBLE_ARG("radius"), UNIT_ARG,          \
         WITH_ARGS, COUNT_ARG, ORDER_ARG, STORE_ARGS)

struct command geo_commands[] = {
    GEO_CMD("geoadd", -5, CMD_WRITE | CMD_DENYOOM, 1, geoadd_command,
            "Add one or more geospatial items in the geospatial index represented using a "
            "sorted set",
            "3.2.0",
            "O(log(N)) for each item added, where N is the number of elements in the sorted "
            "set.",
            ARGS(KEY_ARG,
                 {"condition", "oneof", NULL, COMMAND_ARG_OPTIONAL,
                  ARGS(TOKEN("nx", "NX"), TOKEN("xx", "XX"))},
                 OPTIONAL_TOKEN("change", "CH"),
                 {"longitude_latitude_member", "block", NULL, COMMAND_ARG_MULTIPLE,
                  ARGS(DOUBLE_ARG("longitude"), DOUBLE_ARG("latitude"),
                       {"member", "string", NULL, 0, NULL})})),
    GEO_CMD("geodist", -4, CMD_READONLY, 1, geodist_command,
            "Returns the distance between two members of a geospatial index", "3.2.0",
            "O(log(N))",
            ARGS(KEY_ARG, {"member1", "string", NULL, 0, NULL},
                 {"member2", "string", NULL, 0, NULL},
                 {"unit", "oneof", NULL, COMMAND_ARG_OPTIONAL, UNITS})),
    GEO_CMD("geohash", -2, CMD_READONLY, 1, geohash_command,
            "Returns members of a geospatial index as standard geohash strings", "3.2.0",
            "O(log(N)) for each member requested, where N is the number of elements in the "
            "sorted set.",
            ARGS(KEY_ARG, {"member", "string", NULL, COMMAND_ARG_MULTIPLE, NULL})),
    GEO_CMD("geopos", -2, CMD_READONLY, 1, geopos_command,
            "Returns longitude and latitude of members of a geospatial index", "3.2.0",
            "O(N) where N is the number of members requested.",
            ARGS(KEY_ARG, {"member", "string", NULL, COMMAND_ARG_MULTIPLE, NULL})),
    GEO_STORING_CMD("georadius", -6, 6, georadius_command,
                    "Query a sorted set representing a geospatial index to fetch members "
                    "matching a given maximum distance from a point",
                    "3.2.0", RADIUS_CX, RADIUS_STORE_ARGS),
    GEO_CMD("georadius_ro", -6, CMD_READONLY, 1, georadius_ro_command,
            "A read-only variant for GEORADIUS", "3.2.10", RADIUS_CX, RADIUS_ARGS),
    GEO_STORING_CMD("georadiusbymember", -5, 5, georadiusbymember_command,
                    "Query a sorted set representing a geospatial index to fetch members "
                    "matching a given maximum distance from a member",
                    "3.2.0", RADIUS_CX, BY_MEMBER_STORE_ARGS),
    GEO_CMD("georadiusbymember_ro", -5, CMD_READONLY, 1, georadiusbymember_ro_command,
            "A read-only variant for GEORADIUSBYMEMBER", "3.2.10", RADIUS_CX, BY_MEMBER_ARGS),
    GEO_CMD("geosearch", -7, CMD_READONLY, 1, geosearch_command,
            "Query a sorted set representing a geospatial index to fetch members inside an "
            "area of a box or a circle.",
            "6.2.0", SEARCH_CX,
            ARGS(KEY_ARG, FROM_ARG, BY_ARG, ORDER_ARG, COUNT_ARG, WITH_ARGS)),
    GEO_CMD("geosearchstore", -8, CMD_WRITE | CMD_DENYOOM, 2, geosearchstore_command,
            "Query a sorted set representing a geospatial index to fetch members inside an "
            "area of a box or a circle, and store the result in another key.",
            "6.2.0", SEARCH_CX,
            ARGS({"destination", "key", NULL, 0, NULL}, {"source", "key", NULL, 0, NULL},
                 FROM_ARG, BY_ARG, ORDER_ARG, COUNT_ARG,
                 OPTIONAL_TOKEN("storedist", "STOREDIST"))),
    {0},
};
