/*
 * object.c - values inline in hashmap entries
 * ===========================================
 *
 * What
 *   The per-key value: its type, encoding, access clock, optional TTL and
 *   payload, packed into the extra region the hashmap allocates together
 *   with the key. For the common small string this means one allocation
 *   per key in total: entry header, key bytes and value share one chunk.
 *
 * Design
 *   Redis keeps a 16-byte robj per value plus, for most strings, a second
 *   allocation (or an embstr tail). It also keeps a second dict entry for
 *   every key with a TTL. Here the value lives inside the key's entry:
 *
 *     header (8)  type | encoding | flags | lfu | lru:24 + embstr_len:8
 *     TTL   (12)  expire_at_ms int64 | expiry-index slot uint32   [optional]
 *     payload     INT: int64 | EMBSTR: bytes | RAW, boxed: pointer
 *
 *   The TTL block exists only for keys that have a TTL, so a key without
 *   one pays nothing for expiry. Adding or removing a TTL changes the
 *   object's size, which the keyspace handles by resizing the entry and
 *   calling object_ttl_attach/detach here to slide the payload.
 *
 *   The slot number makes the shard's expiry index (a dense array of the
 *   entries that have TTLs, see keyspace.c) O(1) to update: removing a key
 *   swaps the last index element into its slot and rewrites that key's
 *   slot field.
 *
 *   EMBSTR keeps its length in the header's top byte (44 < 256), so an
 *   EMBSTR's payload is just its bytes. RAW strings point to a buffer with
 *   len and cap; it grows like an sds (double under 1 MiB) so APPEND is
 *   amortised O(1).
 *
 *   Encodings follow Redis's rules so OBJECT ENCODING answers the same
 *   (see object.h for which command uses which policy).
 *
 * Access clock
 *   Redis keeps either an LRU clock or an LFU (minutes, counter) pair in
 *   24 bits depending on maxmemory-policy. We keep both: the 24-bit LRU
 *   clock in seconds and an 8-bit LFU counter. The LFU decay uses the
 *   minutes elapsed since the last access, which the LRU clock already
 *   records, so OBJECT IDLETIME and OBJECT FREQ are both always available.
 *
 * Alignment
 *   The region is 8-byte aligned; the payload is at offset 8 (aligned) or
 *   20 (not aligned for int64/pointers). All payload words are therefore
 *   read and written with memcpy, which compilers turn into plain moves.
 *
 * Thread safety
 *   None: callers hold the owning shard's lock.
 */
#include "object.h"

#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static_assert(sizeof(struct object) == OBJECT_HEADER_SIZE, "object header is 8 bytes");
static_assert(OBJECT_EMBSTR_MAX <= 255, "EMBSTR length must fit the header's length byte");
static_assert(OBJECT_LRU_CLOCK_MAX == 0xFFFFFFu, "LRU clock is 24 bits");
static_assert(OBJECT_TTL_SIZE == sizeof(int64_t) + sizeof(uint32_t), "TTL block is packed");
static_assert(sizeof(int64_t) == 8 && sizeof(void *) <= 8, "payload words are 8 bytes");
static_assert(OBJECT_INT_BUFSIZE == OBJECT_INT_MAX_CHARS + 1, "INT scratch holds a NUL");

#define PAYLOAD_WORD 8 /* INT, RAW and boxed payloads */

/* ---- layout helpers ----------------------------------------------------- */

static size_t ttl_size(const struct object *o)
{
    return (o->flags & OBJECT_F_TTL) ? OBJECT_TTL_SIZE : 0;
}

static unsigned char *payload(const struct object *o)
{
    return (unsigned char *)o->tail + ttl_size(o);
}

static size_t emb_len(const struct object *o)
{
    return o->lru_len >> 24;
}

static size_t payload_size(const struct object *o)
{
    return o->encoding == OBJECT_ENC_EMBSTR ? emb_len(o) : PAYLOAD_WORD;
}

static void *load_ptr(const unsigned char *p)
{
    void *v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static void store_ptr(unsigned char *p, const void *v)
{
    memcpy(p, &v, sizeof(v));
}

static int64_t load_i64(const unsigned char *p)
{
    int64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static void store_i64(unsigned char *p, int64_t v)
{
    memcpy(p, &v, sizeof(v));
}

static bool is_string(const struct object *o)
{
    return o->type == OBJECT_STRING;
}

/* ---- integers ----------------------------------------------------------- */

/* Redis string2ll, which decides both INCR's "not an integer" and whether
 * SET stores an INT. */
bool object_parse_int(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool negative = false;
    uint64_t v;

    if (len == 0 || len > OBJECT_INT_MAX_CHARS)
        return false;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    if (s[0] == '-') {
        negative = true;
        if (++i == len)
            return false;
    }
    if (s[i] < '1' || s[i] > '9')
        return false; /* also rejects leading zeros and "-0" */
    v = (uint64_t)(s[i++] - '0');
    for (; i < len; i++) {
        unsigned d;

        if (s[i] < '0' || s[i] > '9')
            return false;
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (negative) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = (int64_t)(0 - v); /* two's complement: INT64_MIN fits */
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

size_t object_format_int(char *buf, int64_t v)
{
    char tmp[OBJECT_INT_BUFSIZE];
    char *p = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    n = (size_t)(tmp + sizeof(tmp) - p);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return n;
}

/* ---- RAW buffers -------------------------------------------------------- */

struct object_raw *object_raw_create(const void *s, size_t len, size_t cap)
{
    struct object_raw *raw;

    if (cap < len)
        cap = len;
    if (cap > SIZE_MAX - sizeof(*raw))
        return NULL;
    raw = malloc(sizeof(*raw) + cap);
    if (!raw)
        return NULL;
    raw->len = len;
    raw->cap = cap;
    if (len)
        memcpy(raw->buf, s, len);
    return raw;
}

void object_raw_destroy(struct object_raw *raw)
{
    free(raw);
}

size_t object_raw_alloc_size(const struct object_raw *raw)
{
    return sizeof(*raw) + raw->cap;
}

/* sdsMakeRoomFor's greedy rule. Returns 0 on overflow. */
static size_t greedy_cap(size_t len)
{
    if (len < OBJECT_RAW_MAX_PREALLOC)
        return len * 2;
    if (len > SIZE_MAX - sizeof(struct object_raw) - OBJECT_RAW_MAX_PREALLOC)
        return 0;
    return len + OBJECT_RAW_MAX_PREALLOC;
}

int object_raw_reserve(struct object_raw **rawp, size_t len)
{
    struct object_raw *raw = *rawp;

    if (len > raw->cap) {
        size_t cap = greedy_cap(len);
        struct object_raw *grown;

        if (cap == 0)
            return OBJECT_ENOMEM;
        grown = realloc(raw, sizeof(*raw) + cap);
        if (!grown)
            return OBJECT_ENOMEM;
        grown->cap = cap;
        raw = grown;
        *rawp = raw;
    }
    if (len > raw->len) {
        memset(raw->buf + raw->len, 0, len - raw->len);
        raw->len = len;
    }
    return OBJECT_OK;
}

/* ---- planning values ---------------------------------------------------- */

int object_value_from_string(struct object_value *v, const void *s, size_t len,
                             enum object_string_policy policy)
{
    v->type = OBJECT_STRING;
    if (policy == OBJECT_STR_TRY && len <= OBJECT_INT_MAX_CHARS &&
        object_parse_int(s, len, &v->u.i)) {
        v->encoding = OBJECT_ENC_INT;
        return OBJECT_OK;
    }
    if (policy != OBJECT_STR_RAW && len <= OBJECT_EMBSTR_MAX) {
        v->encoding = OBJECT_ENC_EMBSTR;
        v->u.emb.ptr = s;
        v->u.emb.len = len;
        return OBJECT_OK;
    }
    v->encoding = OBJECT_ENC_RAW;
    v->u.raw = object_raw_create(s, len, len);
    return v->u.raw ? OBJECT_OK : OBJECT_ENOMEM;
}

void object_value_from_int(struct object_value *v, int64_t i)
{
    v->type = OBJECT_STRING;
    v->encoding = OBJECT_ENC_INT;
    v->u.i = i;
}

void object_value_from_raw(struct object_value *v, struct object_raw *raw)
{
    v->type = OBJECT_STRING;
    v->encoding = OBJECT_ENC_RAW;
    v->u.raw = raw;
}

/* ==== envs ==================================================================== */

/* Filled from the front, never emptied: a lookup stops at the first NULL. */
static _Atomic(struct object_env *) envs[OBJECT_ENV_MAX];

static bool env_is(const struct object_env *e, const struct object_boxed_ops *ops,
                   const struct hashmap_hasher *hasher, const struct object_limits *limits)
{
    return e->ops.free_cb == ops->free_cb && e->ops.dup_cb == ops->dup_cb &&
           e->hasher == hasher && e->limits == limits;
}

const struct object_env *object_env(const struct object_boxed_ops *ops,
                                    const struct hashmap_hasher *hasher,
                                    const struct object_limits *limits)
{
    size_t i = 0;
    for (; i < OBJECT_ENV_MAX; i++) {
        struct object_env *e = atomic_load(&envs[i]);
        if (e == NULL)
            break;
        if (env_is(e, ops, hasher, limits))
            return e;
    }
    struct object_env *made = malloc(sizeof(*made));
    if (made == NULL)
        return NULL;
    *made = (struct object_env){*ops, hasher, limits};
    for (; i < OBJECT_ENV_MAX; i++) {
        struct object_env *seen = NULL;
        if (atomic_compare_exchange_strong(&envs[i], &seen, made))
            return made;
        if (env_is(seen, ops, hasher, limits)) { /* another thread made it first */
            free(made);
            return seen;
        }
    }
    free(made);
    return NULL;
}

void object_value_from_boxed(struct object_value *v, enum object_type type,
                             enum object_encoding encoding, struct object_boxed *boxed)
{
    assert(type != OBJECT_STRING && boxed && boxed->ops && boxed->ops->free_cb);
    v->type = (uint8_t)type;
    v->encoding = (uint8_t)encoding;
    v->u.boxed = boxed;
}

void object_value_discard(struct object_value *v)
{
    if (v->type != OBJECT_STRING)
        v->u.boxed->ops->free_cb(v->u.boxed);
    else if (v->encoding == OBJECT_ENC_RAW)
        object_raw_destroy(v->u.raw);
}

int object_value_dup(struct object_value *v, const struct object *o)
{
    object_take_value(o, v);
    if (!is_string(o)) {
        if (!v->u.boxed->ops->dup_cb)
            return OBJECT_ENOMEM;
        v->u.boxed = v->u.boxed->ops->dup_cb(v->u.boxed);
        return v->u.boxed ? OBJECT_OK : OBJECT_ENOMEM;
    }
    if (v->encoding == OBJECT_ENC_RAW) {
        const struct object_raw *src = v->u.raw;

        v->u.raw = object_raw_create(src->buf, src->len, src->len);
        return v->u.raw ? OBJECT_OK : OBJECT_ENOMEM;
    }
    return OBJECT_OK;
}

static size_t value_payload_size(const struct object_value *v)
{
    if (v->type == OBJECT_STRING && v->encoding == OBJECT_ENC_EMBSTR)
        return v->u.emb.len;
    return PAYLOAD_WORD;
}

size_t object_size(const struct object_value *v, bool ttl)
{
    return OBJECT_HEADER_SIZE + (ttl ? OBJECT_TTL_SIZE : 0) + value_payload_size(v);
}

size_t object_used_size(const struct object *o)
{
    return OBJECT_HEADER_SIZE + ttl_size(o) + payload_size(o);
}

/* ---- writing ------------------------------------------------------------ */

static void write_payload(struct object *o, const struct object_value *v)
{
    unsigned char *p = payload(o);

    if (v->type != OBJECT_STRING)
        store_ptr(p, v->u.boxed);
    else if (v->encoding == OBJECT_ENC_INT)
        store_i64(p, v->u.i);
    else if (v->encoding == OBJECT_ENC_EMBSTR)
        memmove(p, v->u.emb.ptr, v->u.emb.len); /* the source may be another object */
    else
        store_ptr(p, v->u.raw);
}

void object_init(struct object *o, const struct object_value *v, uint32_t lru, uint8_t lfu,
                 const struct object_ttl *ttl)
{
    uint32_t len = 0;

    if (v->type == OBJECT_STRING && v->encoding == OBJECT_ENC_EMBSTR)
        len = (uint32_t)v->u.emb.len;
    o->type = v->type;
    o->encoding = v->encoding;
    o->flags = ttl ? OBJECT_F_TTL : 0;
    o->lfu = lfu;
    o->lru_len = (lru & OBJECT_LRU_CLOCK_MAX) | (len << 24);
    if (ttl) {
        object_set_expire_at(o, ttl->expire_at_ms);
        object_set_expire_slot(o, ttl->slot);
    }
    write_payload(o, v);
}

void object_take_value(const struct object *o, struct object_value *v)
{
    const unsigned char *p = payload(o);

    v->type = o->type;
    v->encoding = o->encoding;
    if (!is_string(o))
        v->u.boxed = load_ptr(p);
    else if (o->encoding == OBJECT_ENC_INT)
        v->u.i = load_i64(p);
    else if (o->encoding == OBJECT_ENC_EMBSTR) {
        v->u.emb.ptr = (const char *)p;
        v->u.emb.len = emb_len(o);
    } else
        v->u.raw = load_ptr(p);
}

void object_free_payload(struct object *o)
{
    struct object_value v;

    object_take_value(o, &v);
    object_value_discard(&v);
}

void object_ttl_attach(struct object *o, int64_t expire_at_ms, uint32_t slot)
{
    assert(!(o->flags & OBJECT_F_TTL));
    memmove(o->tail + OBJECT_TTL_SIZE, o->tail, payload_size(o));
    o->flags |= OBJECT_F_TTL;
    object_set_expire_at(o, expire_at_ms);
    object_set_expire_slot(o, slot);
}

void object_ttl_detach(struct object *o)
{
    assert(o->flags & OBJECT_F_TTL);
    memmove(o->tail, o->tail + OBJECT_TTL_SIZE, payload_size(o));
    o->flags &= (uint8_t)~OBJECT_F_TTL;
}

/* ---- reading ------------------------------------------------------------ */

enum object_type object_type(const struct object *o)
{
    return (enum object_type)o->type;
}

enum object_encoding object_encoding(const struct object *o)
{
    return (enum object_encoding)o->encoding;
}

const char *object_type_name(enum object_type type)
{
    switch (type) {
    case OBJECT_STRING: return "string";
    case OBJECT_LIST: return "list";
    case OBJECT_SET: return "set";
    case OBJECT_ZSET: return "zset";
    case OBJECT_HASH: return "hash";
    case OBJECT_STREAM: return "stream";
    }
    return "unknown";
}

const char *object_encoding_name(enum object_encoding encoding)
{
    switch (encoding) {
    case OBJECT_ENC_RAW: return "raw";
    case OBJECT_ENC_INT: return "int";
    case OBJECT_ENC_HASHTABLE: return "hashtable";
    case OBJECT_ENC_INTSET: return "intset";
    case OBJECT_ENC_SKIPLIST: return "skiplist";
    case OBJECT_ENC_EMBSTR: return "embstr";
    case OBJECT_ENC_QUICKLIST: return "quicklist";
    case OBJECT_ENC_LISTPACK: return "listpack";
    case OBJECT_ENC_STREAM: return "stream";
    }
    return "unknown";
}

bool object_has_ttl(const struct object *o)
{
    return o->flags & OBJECT_F_TTL;
}

int64_t object_expire_at(const struct object *o)
{
    assert(object_has_ttl(o));
    return load_i64(o->tail);
}

uint32_t object_expire_slot(const struct object *o)
{
    uint32_t slot;

    assert(object_has_ttl(o));
    memcpy(&slot, o->tail + sizeof(int64_t), sizeof(slot));
    return slot;
}

void object_set_expire_at(struct object *o, int64_t expire_at_ms)
{
    store_i64(o->tail, expire_at_ms);
}

void object_set_expire_slot(struct object *o, uint32_t slot)
{
    memcpy(o->tail + sizeof(int64_t), &slot, sizeof(slot));
}

bool object_is_expired(const struct object *o, int64_t now_ms)
{
    return object_has_ttl(o) && now_ms > object_expire_at(o);
}

void object_string_view(const struct object *o, char scratch[OBJECT_INT_BUFSIZE], const char **ptr,
                        size_t *len)
{
    const unsigned char *p = payload(o);

    assert(is_string(o));
    if (o->encoding == OBJECT_ENC_INT) {
        *len = object_format_int(scratch, load_i64(p));
        *ptr = scratch;
    } else if (o->encoding == OBJECT_ENC_EMBSTR) {
        *len = emb_len(o);
        *ptr = (const char *)p;
    } else {
        const struct object_raw *raw = load_ptr(p);

        *len = raw->len;
        *ptr = raw->buf;
    }
}

size_t object_string_len(const struct object *o)
{
    char scratch[OBJECT_INT_BUFSIZE];
    const char *p;
    size_t len;

    object_string_view(o, scratch, &p, &len);
    return len;
}

bool object_string_to_int(const struct object *o, int64_t *out)
{
    char scratch[OBJECT_INT_BUFSIZE];
    const char *p;
    size_t len;

    assert(is_string(o));
    if (o->encoding == OBJECT_ENC_INT) {
        *out = load_i64(payload(o));
        return true;
    }
    object_string_view(o, scratch, &p, &len);
    return object_parse_int(p, len, out);
}

void object_set_int(struct object *o, int64_t i)
{
    assert(is_string(o) && o->encoding == OBJECT_ENC_INT);
    store_i64(payload(o), i);
}

struct object_raw *object_raw(const struct object *o)
{
    assert(is_string(o) && o->encoding == OBJECT_ENC_RAW);
    return load_ptr(payload(o));
}

void object_set_raw(struct object *o, struct object_raw *raw)
{
    assert(is_string(o) && o->encoding == OBJECT_ENC_RAW);
    store_ptr(payload(o), raw);
}

struct object_boxed *object_boxed(const struct object *o)
{
    assert(!is_string(o));
    return load_ptr(payload(o));
}

size_t object_heap_bytes(const struct object *o)
{
    if (is_string(o) && o->encoding == OBJECT_ENC_RAW)
        return object_raw_alloc_size(object_raw(o));
    return 0;
}

/* ---- access clock ------------------------------------------------------- */

uint32_t object_lru_clock(int64_t now_ms)
{
    return (uint32_t)((uint64_t)(now_ms / 1000) & OBJECT_LRU_CLOCK_MAX);
}

uint32_t object_lru(const struct object *o)
{
    return o->lru_len & OBJECT_LRU_CLOCK_MAX;
}

uint8_t object_lfu(const struct object *o)
{
    return o->lfu;
}

void object_set_lru(struct object *o, uint32_t lru)
{
    o->lru_len = (o->lru_len & ~OBJECT_LRU_CLOCK_MAX) | (lru & OBJECT_LRU_CLOCK_MAX);
}

void object_set_lfu(struct object *o, uint8_t lfu)
{
    o->lfu = lfu;
}

/* estimateObjectIdleTime, including its quirk on wrap-around (it counts
 * LRU_CLOCK_MAX - lru, one second short of the true modular distance). */
uint64_t object_idle_ms(const struct object *o, int64_t now_ms)
{
    uint32_t clock = object_lru_clock(now_ms), lru = object_lru(o);

    if (clock >= lru)
        return (uint64_t)(clock - lru) * 1000;
    return ((uint64_t)clock + (OBJECT_LRU_CLOCK_MAX - lru)) * 1000;
}

uint8_t object_lfu_decayed(const struct object *o, int64_t now_ms, uint32_t decay_time)
{
    uint64_t periods;

    if (decay_time == 0)
        return o->lfu;
    periods = object_idle_ms(o, now_ms) / 60000 / decay_time;
    return periods >= o->lfu ? 0 : (uint8_t)(o->lfu - periods);
}

/* LFULogIncr: the higher the counter, the less likely an access bumps it,
 * so 255 stands for roughly a million hits at log_factor 10. */
static uint8_t lfu_log_incr(uint8_t counter, uint64_t rnd, uint32_t log_factor)
{
    double r = (double)(rnd >> 11) * (1.0 / 9007199254740992.0); /* [0, 1) */
    double base = counter > OBJECT_LFU_INIT_VAL ? counter - OBJECT_LFU_INIT_VAL : 0;

    if (counter == 255)
        return 255;
    return r < 1.0 / (base * log_factor + 1) ? (uint8_t)(counter + 1) : counter;
}

void object_touch(struct object *o, int64_t now_ms, uint64_t rnd, uint32_t log_factor,
                  uint32_t decay_time)
{
    o->lfu = lfu_log_incr(object_lfu_decayed(o, now_ms, decay_time), rnd, log_factor);
    o->lru_len = (o->lru_len & ~OBJECT_LRU_CLOCK_MAX) | object_lru_clock(now_ms);
}

/* ---- testing ------------------------------------------------------------ */

void object__check_invariants(const struct object *o, size_t extra_size)
{
#ifdef NDEBUG
    (void)o;
    (void)extra_size;
#else
    assert(o->type <= OBJECT_HASH || o->type == OBJECT_STREAM);
    assert((o->flags & ~OBJECT_F_TTL) == 0);
    assert(object_used_size(o) <= extra_size);
    if (is_string(o)) {
        assert(o->encoding == OBJECT_ENC_INT || o->encoding == OBJECT_ENC_EMBSTR ||
               o->encoding == OBJECT_ENC_RAW);
        assert(o->encoding == OBJECT_ENC_EMBSTR || emb_len(o) == 0);
        assert(emb_len(o) <= OBJECT_EMBSTR_MAX);
        if (o->encoding == OBJECT_ENC_RAW) {
            const struct object_raw *raw = object_raw(o);

            assert(raw && raw->len <= raw->cap);
        }
    } else {
        const struct object_boxed *b = object_boxed(o);

        assert(b && b->ops && b->ops->free_cb);
    }
#endif
}
