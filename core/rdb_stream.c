/*
 * rdb_stream.c - streams in RDB files and DUMP payloads, as Redis 7.0
 * writes them (RDB_TYPE_STREAM_LISTPACKS_2). Internal to core/rdb*.c.
 * Redis 5 and 6's RDB_TYPE_STREAM_LISTPACKS reads too, as Redis 7.0 reads
 * it: without the first ID, max deleted ID, entries added (taken to be
 * the length) and the groups' entries read (estimated from their last
 * delivered IDs).
 *
 * Layout (Redis's rdbSaveObject for OBJ_STREAM, version 2)
 *
 *   nodes, then per node: its master ID (16 bytes, big-endian ms, seq) as
 *   a string, its listpack as a string
 *   length, last ID (ms, seq), first ID (ms, seq), max deleted ID (ms,
 *   seq), entries added                                 (lengths)
 *   groups, then per group: name, last ID (ms, seq), entries read (as a
 *   uint64: -1 is 2^64-1), its PEL (count, then per entry the raw
 *   16-byte ID, delivery time in ms (8 bytes little-endian), delivery
 *   count), its consumers (count, then per consumer: name, seen time
 *   (8 bytes), PEL count, raw IDs).
 *
 *   A node's listpack: live count, deleted count, the master fields
 *   (count, names, then 0), then per entry: flags, ms - master ms, seq -
 *   master seq, [field count, fields and values | values when flag
 *   SAMEFIELDS], and the entry's element count (for reverse walks).
 *
 * Grove's blocks are Redis's nodes (stream.c), so writing walks them
 * (stream_iter_init_all) and writes each as the listpack Redis holds for
 * the same history, deleted entries and counts included: the same bytes.
 * Reading validates every count, ID and delta as Redis's deep
 * sanitisation does and loads each node as one block (stream_load_node),
 * deleted entries kept, so the node boundaries survive a save and load,
 * DEBUG RELOAD, DUMP and RESTORE, as in Redis, whatever node limits the
 * payload was made with.
 *
 * Errors: RDB_EFORMAT for malformed input (with r->error set), RDB_ENOMEM,
 * or the sink's error.
 */
#include "rdb_stream.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_encodings.h"

#define F_DELETED 1 /* Redis's STREAM_ITEM_FLAG_DELETED */
#define F_SAME 2    /* STREAM_ITEM_FLAG_SAMEFIELDS */

static const struct stream_id ID_ZERO = {0, 0};

static void id_encode(unsigned char out[16], const struct stream_id *id)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (unsigned char)(id->ms >> (56 - 8 * i));
        out[8 + i] = (unsigned char)(id->seq >> (56 - 8 * i));
    }
}

static struct stream_id id_decode(const unsigned char in[16])
{
    struct stream_id id = {0, 0};
    for (int i = 0; i < 8; i++) {
        id.ms = id.ms << 8 | in[i];
        id.seq = id.seq << 8 | in[8 + i];
    }
    return id;
}

/* ==== writing ================================================================= */

static int lp_int(struct rdb__lp *lp, int64_t v)
{
    char buf[OBJECT_INT_BUFSIZE];
    return rdb__lp_append(lp, buf, object_format_int(buf, v));
}

static int write_id_lens(struct rdb_writer *w, const struct stream_id *id)
{
    int rc = rdb_write_len(w, id->ms);
    return rc < 0 ? rc : rdb_write_len(w, id->seq);
}

static int write_ms(struct rdb_writer *w, int64_t ms)
{
    unsigned char buf[8];
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)ms >> (8 * i));
    return rdb_write_raw(w, buf, 8);
}

/* The node being written: its listpack and master ID. */
struct node_build {
    struct rdb__lp lp;
    struct stream_id master;
};

/* One entry, deleted or not, as streamAppendItem laid it out. */
static int node_entry(struct node_build *nb, struct stream_iter *it, const struct stream_id *id,
                      size_t npairs)
{
    bool same = stream_iter_same_fields(it);
    int flags = (same ? F_SAME : 0) | (stream_iter_deleted(it) ? F_DELETED : 0);
    int rc = lp_int(&nb->lp, flags);
    if (rc == 0)
        rc = lp_int(&nb->lp, (int64_t)(id->ms - nb->master.ms));
    if (rc == 0)
        rc = lp_int(&nb->lp, (int64_t)(id->seq - nb->master.seq));
    if (rc == 0 && !same)
        rc = lp_int(&nb->lp, (int64_t)npairs);
    for (size_t i = 0; i < npairs && rc == 0; i++) {
        struct stream_str f, v;
        stream_iter_pair(it, &f, &v);
        if (!same)
            rc = rdb__lp_append(&nb->lp, f.ptr, f.len);
        if (rc == 0)
            rc = rdb__lp_append(&nb->lp, v.ptr, v.len);
    }
    return rc == 0 ? lp_int(&nb->lp, (int64_t)(npairs + 3 + (same ? 0 : npairs + 1))) : rc;
}

/* The node's master entry: its counts and master fields, then 0. */
static int node_start(struct node_build *nb, const struct stream_iter *it,
                      struct stream_str **fields, size_t *cap)
{
    struct stream_node node;
    stream_iter_node(it, &node);
    if (node.nfields > *cap) {
        struct stream_str *more = realloc(*fields, node.nfields * sizeof(*more));
        if (more == NULL)
            return RDB_ENOMEM;
        *fields = more;
        *cap = node.nfields;
    }
    stream_iter_master_fields(it, *fields);
    rdb__lp_reset(&nb->lp);
    nb->master = node.master;
    int rc = lp_int(&nb->lp, (int64_t)node.live);
    if (rc == 0)
        rc = lp_int(&nb->lp, (int64_t)node.deleted);
    if (rc == 0)
        rc = lp_int(&nb->lp, (int64_t)node.nfields);
    for (size_t i = 0; i < node.nfields && rc == 0; i++)
        rc = rdb__lp_append(&nb->lp, (*fields)[i].ptr, (*fields)[i].len);
    return rc == 0 ? lp_int(&nb->lp, 0) : rc;
}

static int write_node(struct rdb_writer *w, struct node_build *nb)
{
    unsigned char key[16];
    id_encode(key, &nb->master);
    int rc = rdb__lp_finish(&nb->lp);
    if (rc == 0)
        rc = rdb_write_string(w, key, sizeof(key));
    return rc == 0 ? rdb_write_string(w, nb->lp.bytes, nb->lp.len) : rc;
}

/* The blocks as they are, one node each, deleted entries included: what
 * Redis writes for the same history, byte for byte. */
static int write_nodes(struct rdb_writer *w, const struct stream *s)
{
    int rc = rdb_write_len(w, stream_block_count(s));
    struct node_build nb;
    struct stream_iter it;
    struct stream_id id;
    struct stream_str *fields = NULL;
    size_t npairs, cap = 0;
    bool open = false;
    rdb__lp_init(&nb.lp);
    stream_iter_init_all(&it, s);
    while (rc == 0 && stream_iter_next(&it, &id, &npairs)) {
        if (stream_iter_opens_node(&it)) {
            if (open && (rc = write_node(w, &nb)) < 0)
                break;
            if ((rc = node_start(&nb, &it, &fields, &cap)) < 0)
                break;
            open = true;
        }
        rc = node_entry(&nb, &it, &id, npairs);
    }
    if (rc == 0 && open)
        rc = write_node(w, &nb);
    free(fields);
    rdb__lp_deinit(&nb.lp);
    return rc;
}

static int write_group(struct rdb_writer *w, const struct stream_group *g)
{
    unsigned char raw[16];
    int rc = rdb_write_string(w, g->name, g->len);
    if (rc == 0)
        rc = write_id_lens(w, &g->last_id);
    if (rc == 0)
        rc = rdb_write_len(w, (uint64_t)g->entries_read);
    if (rc == 0)
        rc = rdb_write_len(w, stream_pel_count(g));
    for (struct stream_nack *n = stream_pel_seek(g, NULL, &ID_ZERO); n && rc == 0;
         n = stream_pel_next(n, false)) {
        id_encode(raw, &n->id);
        if ((rc = rdb_write_raw(w, raw, 16)) == 0 && (rc = write_ms(w, n->delivery_time)) == 0)
            rc = rdb_write_len(w, n->delivery_count);
    }
    if (rc == 0)
        rc = rdb_write_len(w, stream_consumer_count(g));
    for (struct stream_consumer *c = stream_consumer_first(g); c && rc == 0;
         c = stream_consumer_next(c)) {
        if ((rc = rdb_write_string(w, c->name, c->len)) == 0 &&
            (rc = write_ms(w, c->seen_time)) == 0)
            rc = rdb_write_len(w, stream_consumer_pel_count(c));
        for (struct stream_nack *n = stream_pel_seek(g, c, &ID_ZERO); n && rc == 0;
             n = stream_pel_next(n, true)) {
            id_encode(raw, &n->id);
            rc = rdb_write_raw(w, raw, 16);
        }
    }
    return rc;
}

int rdb__stream_write(struct rdb_writer *w, const struct stream *s)
{
    struct stream_id last = stream_last_id(s), first = stream_first_id(s),
                     maxdel = stream_max_deleted_id(s);
    int rc = write_nodes(w, s);
    if (rc == 0)
        rc = rdb_write_len(w, stream_len(s));
    if (rc == 0)
        rc = write_id_lens(w, &last);
    if (rc == 0)
        rc = write_id_lens(w, &first);
    if (rc == 0)
        rc = write_id_lens(w, &maxdel);
    if (rc == 0)
        rc = rdb_write_len(w, stream_entries_added(s));
    if (rc == 0)
        rc = rdb_write_len(w, stream_group_count(s));
    for (struct stream_group *g = stream_group_first(s); g && rc == 0; g = stream_group_next(g))
        rc = write_group(w, g);
    return rc;
}

/* ==== reading ================================================================= */

/* A malformed stream, in Redis's words for it where Redis has them (its
 * corrupt-dump tests look for them in the log). */
static int bad(struct rdb_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct rdb_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error_buf, sizeof(r->error_buf), fmt, ap);
    va_end(ap);
    r->error = r->error_buf;
    return RDB_EFORMAT;
}

#define BAD_LISTPACK "Stream listpack integrity check failed."

/* A listpack's elements, copied out (integers keep their own digits). */
struct elems {
    struct rdb__elem *v;
    size_t n, cap;
};

static int collect_cb(void *ud, const struct rdb__elem *e)
{
    struct elems *x = ud;
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 64;
        struct rdb__elem *v = realloc(x->v, cap * sizeof(*v));
        if (v == NULL)
            return RDB_ENOMEM;
        for (size_t i = 0; i < x->n; i++) /* integers point into their own buf */
            if (v[i].ptr == x->v[i].buf)
                v[i].ptr = v[i].buf;
        x->v = v;
        x->cap = cap;
    }
    x->v[x->n] = *e;
    if (e->ptr == e->buf)
        x->v[x->n].ptr = x->v[x->n].buf;
    x->n++;
    return RDB_OK;
}

/* The next element as an integer. */
static bool next_int(const struct elems *x, size_t *i, int64_t *out)
{
    return *i < x->n && object_parse_int(x->v[*i].ptr, x->v[*i].len, out) && ++*i;
}

/* A node's listpack taken apart for stream_load_node. */
struct node_parse {
    struct stream_id master;
    int64_t live, deleted, nfields;
    struct stream_str *strs;            /* the master fields, then the entries' strings */
    size_t used;                        /* of strs */
    struct stream_load_entry *entries;
    size_t count;
};

static struct stream_str elem_str(const struct rdb__elem *e)
{
    return (struct stream_str){e->ptr, e->len};
}

/* One entry from element *i into np (its strings after those used). */
static int read_entry(struct rdb_reader *r, const struct elems *x, size_t *i,
                      const struct stream_id *prev, struct node_parse *np)
{
    int64_t flags, dms, dseq, npairs = np->nfields, lpcount;
    if (!next_int(x, i, &flags) || !next_int(x, i, &dms) || !next_int(x, i, &dseq))
        return bad(r, BAD_LISTPACK);
    bool same = flags & F_SAME;
    if ((!same && !next_int(x, i, &npairs)) || npairs < 1 || npairs > (int64_t)x->n)
        return bad(r, BAD_LISTPACK);
    if (*i + (size_t)npairs * (same ? 1 : 2) > x->n)
        return bad(r, BAD_LISTPACK);
    struct stream_load_entry *e = &np->entries[np->count];
    struct stream_str *fv = np->strs + np->used;
    for (int64_t k = 0; k < npairs; k++) {
        fv[2 * k] = same ? np->strs[k] : elem_str(&x->v[(*i)++]);
        fv[2 * k + 1] = elem_str(&x->v[(*i)++]);
    }
    if (!next_int(x, i, &lpcount) || lpcount != npairs + 3 + (same ? 0 : npairs + 1))
        return bad(r, BAD_LISTPACK);
    e->id = (struct stream_id){np->master.ms + (uint64_t)dms, np->master.seq + (uint64_t)dseq};
    /* Above the previous entry (so never 0-0), as stream_load_node needs. */
    if (stream_id_cmp(&e->id, &np->master) < 0 || stream_id_cmp(&e->id, prev) <= 0)
        return bad(r, BAD_LISTPACK);
    e->fv = fv;
    e->n = 2 * (size_t)npairs;
    e->deleted = (flags & F_DELETED) != 0;
    np->used += e->n;
    np->count++;
    return RDB_OK;
}

/* The master entry (counts, fields, 0) from element *i. */
static int read_master(struct rdb_reader *r, const struct elems *x, size_t *i,
                       struct node_parse *np)
{
    int64_t zero;
    if (!next_int(x, i, &np->live) || !next_int(x, i, &np->deleted) ||
        !next_int(x, i, &np->nfields) || np->live < 0 || np->deleted < 0 || np->nfields < 1 ||
        (size_t)np->nfields >= x->n)
        return bad(r, BAD_LISTPACK);
    for (int64_t k = 0; k < np->nfields; k++, (*i)++)
        np->strs[k] = elem_str(&x->v[*i]);
    if (!next_int(x, i, &zero) || zero != 0)
        return bad(r, BAD_LISTPACK);
    np->used = (size_t)np->nfields;
    return RDB_OK;
}

static int parse_node(struct rdb_reader *r, const struct stream *s, const struct elems *x,
                      struct node_parse *np)
{
    size_t i = 0;
    int rc = read_master(r, x, &i, np);
    struct stream_id prev = stream_last_id(s);
    while (rc == RDB_OK && i < x->n)
        if ((rc = read_entry(r, x, &i, &prev, np)) == RDB_OK)
            prev = np->entries[np->count - 1].id;
    int64_t live = 0;
    for (size_t k = 0; k < np->count; k++)
        live += !np->entries[k].deleted;
    if (rc == RDB_OK && (live != np->live || (int64_t)np->count - live != np->deleted))
        return bad(r, BAD_LISTPACK);
    return rc;
}

/* A node's listpack, loaded as one block of s (none for a node without
 * entries). */
static int read_node(struct rdb_reader *r, struct stream *s, const struct stream_id *master,
                     const struct elems *x)
{
    /* An entry takes 4 elements at least and yields at most twice as many
     * strings as it takes elements. */
    struct node_parse np = {.master = *master};
    np.entries = malloc((x->n / 4 + 1) * sizeof(*np.entries));
    np.strs = malloc(3 * x->n * sizeof(*np.strs));
    int rc = np.entries && np.strs ? parse_node(r, s, x, &np) : RDB_ENOMEM;
    if (rc == RDB_OK && np.count > 0 &&
        stream_load_node(s, np.strs, (size_t)np.nfields, np.entries, np.count) < 0)
        rc = RDB_ENOMEM;
    free(np.entries);
    free(np.strs);
    return rc;
}

static int read_nodes(struct rdb_reader *r, struct stream *s)
{
    uint64_t nodes;
    int rc = rdb_read_len(r, &nodes, NULL);
    struct elems x = {0};
    for (uint64_t n = 0; n < nodes && rc == RDB_OK; n++) {
        struct rdb_str key, lp;
        if ((rc = rdb_read_string(r, &key)) < 0)
            break;
        if (key.len != 16) {
            rc = bad(r, "Stream node key entry is not the size of a stream ID");
            break;
        }
        struct stream_id master = id_decode((const unsigned char *)key.ptr);
        if ((rc = rdb_read_string(r, &lp)) < 0)
            break;
        x.n = 0;
        if ((rc = rdb__lp_walk((const unsigned char *)lp.ptr, lp.len, collect_cb, &x)) < 0) {
            if (rc == RDB_EFORMAT)
                rc = bad(r, BAD_LISTPACK);
            break;
        }
        if (x.n == 0) {
            rc = bad(r, "Empty listpack inside stream");
            break;
        }
        rc = read_node(r, s, &master, &x);
    }
    free(x.v);
    return rc;
}

static int read_id_lens(struct rdb_reader *r, struct stream_id *id)
{
    int rc = rdb_read_len(r, &id->ms, NULL);
    return rc < 0 ? rc : rdb_read_len(r, &id->seq, NULL);
}

static int read_raw_id(struct rdb_reader *r, struct stream_id *id)
{
    unsigned char raw[16];
    int rc = rdb_read_bytes(r, raw, 16);
    if (rc == 0)
        *id = id_decode(raw);
    return rc;
}

static int read_ms(struct rdb_reader *r, int64_t *ms)
{
    unsigned char b[8];
    int rc = rdb_read_bytes(r, b, 8);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    *ms = (int64_t)v;
    return rc;
}

/* The group PEL as read, before consumers claim its entries. */
struct pel_entry {
    struct stream_id id;
    int64_t time;
    uint64_t count;
    bool owned;
};

static int read_group_pel(struct rdb_reader *r, struct pel_entry **pel, uint64_t *n)
{
    int rc = rdb_read_len(r, n, NULL);
    if (rc < 0)
        return rc;
    if (*n > rdb_reader_remaining(r) / 17)
        return bad(r, "Stream CG PEL larger than the data");
    *pel = calloc(*n ? *n : 1, sizeof(**pel));
    if (*pel == NULL)
        return RDB_ENOMEM;
    for (uint64_t i = 0; i < *n && rc == 0; i++) {
        if ((rc = read_raw_id(r, &(*pel)[i].id)) == 0 && (rc = read_ms(r, &(*pel)[i].time)) == 0)
            rc = rdb_read_len(r, &(*pel)[i].count, NULL);
        if (rc == 0 && i && stream_id_cmp(&(*pel)[i].id, &(*pel)[i - 1].id) <= 0)
            rc = bad(r, "Duplicated global PEL entry loading stream consumer group");
    }
    return rc;
}

static struct pel_entry *pel_find(struct pel_entry *pel, uint64_t n, const struct stream_id *id)
{
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int c = stream_id_cmp(id, &pel[mid].id);
        if (c == 0)
            return &pel[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int read_consumer(struct rdb_reader *r, struct stream_group *g, struct pel_entry *pel,
                         uint64_t npel)
{
    struct rdb_str name;
    int64_t seen = 0;
    uint64_t n;
    int rc = rdb_read_string(r, &name);
    if (rc == 0)
        rc = read_ms(r, &seen);
    if (rc == 0)
        rc = rdb_read_len(r, &n, NULL);
    if (rc < 0)
        return rc;
    if (stream_consumer_find(g, name.ptr, name.len))
        return bad(r, "Duplicate stream consumer detected.");
    struct stream_consumer *c = stream_consumer_create(g, name.ptr, name.len, seen);
    if (c == NULL)
        return RDB_ENOMEM;
    for (uint64_t i = 0; i < n && rc == 0; i++) {
        struct stream_id id;
        if ((rc = read_raw_id(r, &id)) < 0)
            break;
        struct pel_entry *e = pel_find(pel, npel, &id);
        if (e == NULL)
            return bad(r, "Consumer entry not found in group global PEL");
        if (e->owned)
            return bad(r, "Duplicated consumer PEL entry  loading a stream consumer group");
        struct stream_nack *nack = stream_nack_create(g, c, &id, e->time);
        if (nack == NULL)
            return RDB_ENOMEM;
        nack->delivery_count = e->count;
        e->owned = true;
    }
    return rc;
}

/* A group; a v1 payload has no entries-read counter: Redis 7.0
 * estimates it from the last delivered ID. */
static int read_group(struct rdb_reader *r, struct stream *s, bool v2)
{
    struct rdb_str name;
    struct stream_id last;
    uint64_t entries_read, npel = 0, nconsumers = 0;
    struct pel_entry *pel = NULL;
    int rc = rdb_read_string(r, &name);
    if (rc == 0 && stream_group_find(s, name.ptr, name.len))
        rc = bad(r, "Duplicated consumer group name %.*s", (int)(name.len > 64 ? 64 : name.len),
                 name.ptr);
    struct stream_group *g = NULL;
    if (rc == 0 && (rc = read_id_lens(r, &last)) == 0 &&
        (!v2 || (rc = rdb_read_len(r, &entries_read, NULL)) == 0)) {
        if (!v2)
            entries_read = (uint64_t)stream_estimate_distance(s, &last);
        g = stream_group_create(s, name.ptr, name.len, &last, (long long)entries_read);
        if (g == NULL)
            rc = RDB_ENOMEM;
    }
    if (rc == 0)
        rc = read_group_pel(r, &pel, &npel);
    if (rc == 0)
        rc = rdb_read_len(r, &nconsumers, NULL);
    for (uint64_t i = 0; i < nconsumers && rc == 0; i++)
        rc = read_consumer(r, g, pel, npel);
    for (uint64_t i = 0; i < npel && rc == 0; i++)
        if (!pel[i].owned)
            rc = bad(r, "Stream CG PEL entry without consumer");
    free(pel);
    return rc;
}

/* The stream's counters; a v1 payload has only the length and last ID:
 * Redis 7.0 takes entries added to be the length. */
static int read_meta(struct rdb_reader *r, struct stream *s, bool v2)
{
    uint64_t len, added = 0;
    struct stream_id last, first, maxdel = ID_ZERO;
    int rc = rdb_read_len(r, &len, NULL);
    if (rc == 0)
        rc = read_id_lens(r, &last);
    if (rc == 0 && v2 && (rc = read_id_lens(r, &first)) == 0 &&
        (rc = read_id_lens(r, &maxdel)) == 0)
        rc = rdb_read_len(r, &added, NULL);
    if (rc < 0)
        return rc;
    if (!v2)
        added = len;
    struct stream_id top = stream_last_id(s);
    if (len != stream_len(s) || stream_id_cmp(&last, &top) < 0 || added < len)
        return bad(r, "Stream length inconsistent with rax entries");
    stream_set_meta(s, &last, added, &maxdel);
    return RDB_OK;
}

int rdb__stream_read(struct rdb_reader *r, unsigned type, struct object_value *v)
{
    bool v2 = type == RDB_TYPE_STREAM_LISTPACKS_2;
    struct stream *s = stream_create();
    if (s == NULL)
        return RDB_ENOMEM;
    uint64_t ngroups = 0;
    int rc = read_nodes(r, s);
    if (rc == 0)
        rc = read_meta(r, s, v2);
    if (rc == 0)
        rc = rdb_read_len(r, &ngroups, NULL);
    for (uint64_t i = 0; i < ngroups && rc == 0; i++)
        rc = read_group(r, s, v2);
    if (rc < 0) {
        stream_destroy(s);
        return rc;
    }
    object_value_from_boxed(v, OBJECT_STREAM, OBJECT_ENC_STREAM, stream_boxed(s));
    return RDB_OK;
}
