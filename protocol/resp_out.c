/*
 * resp_out.c - the reply encoder: RESP2 and RESP3 onto a growable buffer.
 *
 * What
 *   Every reply a command sends is appended here, already encoded, to one
 *   contiguous buffer per connection that the server writes to the socket.
 *   The typed helpers choose the RESP2 or RESP3 spelling from out->proto,
 *   so command code never branches on the protocol version:
 *
 *     helper                RESP2                  RESP3
 *     null                  $-1                    _
 *     null array            *-1                    _
 *     map of n pairs        *2n (flat k,v,k,v)     %n
 *     set / push            *n                     ~n / >n
 *     double                $len text              ,text
 *     bool                  :1 / :0                #t / #f
 *     big number            $len digits            (digits
 *     verbatim string       $len text              =len txt:text
 *
 * Design
 *   - One append = one reservation. Each helper computes the exact size of
 *     what it writes (header, payload, CRLF), claims that many bytes with
 *     out_claim(), then fills them. An append therefore happens whole or
 *     not at all, which keeps the stream well formed when the limit trips
 *     or memory runs out.
 *   - Growth doubles the capacity (amortised O(1) per byte). The first
 *     append allocates; resp_out_init never fails. resp_out_reset keeps
 *     the allocation but gives back one that grew past RESP_OUT_SHRINK_ABOVE,
 *     so a single huge reply does not pin memory for the life of the
 *     connection.
 *   - `limit` (client-output-buffer-limit): an append that would take len
 *     past it sets `overflow` and is dropped, and so is every later append
 *     until resp_out_reset. An allocation failure does the same with `oom`.
 *     The caller checks the flags once per request, not once per append.
 *   - Hot paths (+OK, integers, bulk strings) never call snprintf: a
 *     header's digits are counted, the exact size claimed, and the digits
 *     printed in place, two per division. Only doubles go through libc
 *     ("%.17g", as Redis), and even they skip it for whole numbers.
 *
 * Deferred lengths
 *   An aggregate whose element count is known only at the end reserves a
 *   slot of RESP_OUT_DEFERRED_SLOT bytes (room for a type byte, 20 digits
 *   and CRLF) and returns its offset as the handle. Setting the length
 *   writes the real header at the start of the slot and memmoves the tail
 *   left over the unused rest of the slot. That costs O(bytes appended
 *   since the reservation), paid once per deferred aggregate, and needs no
 *   second pass over the buffer when it is sent.
 *   Because the move shifts everything after the slot, outstanding handles
 *   must be set innermost first (last reserved, first set), which is the
 *   natural order for nested aggregates. A sibling reserved after an
 *   earlier one was set is fine. The slot starts with a marker byte that an
 *   assert checks, so an out-of-order set is caught in debug builds.
 *   A reservation dropped by overflow/oom yields RESP_OUT_NO_HANDLE and
 *   setting that handle does nothing.
 *
 * Errors
 *   resp_add_error follows Redis: the line is "-" + code + " " + text. When
 *   the message does not start with one of Redis's error codes followed by
 *   a space (ERR, WRONGTYPE, NOAUTH, ... see error_codes[]), "ERR " is
 *   prepended. The list is explicit on purpose: Redis has many messages
 *   that start with an upper-case command name ("EXEC without MULTI",
 *   "MULTI calls can not be nested") and must still read "-ERR EXEC ...".
 *   A message starting with '-' carries its own code and is used as it is
 *   (Redis's addReplyError convention). Like addReplyErrorFormat, leading
 *   and trailing CR/LF are trimmed and inner ones become spaces, so a
 *   message can never break the protocol.
 *
 * Thread safety: none; one resp_out per connection.
 */
#include "resp.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESP_OUT_INITIAL_CAP 1024
#define RESP_OUT_SHRINK_ABOVE (64 * 1024)
#define RESP_OUT_SHRINK_TO (16 * 1024)
/* Type byte, up to 20 digits, CRLF. */
#define RESP_OUT_DEFERRED_SLOT 23
#define RESP_OUT_DEFERRED_MARK '?'
#define RESP_OUT_NO_HANDLE SIZE_MAX
/* Longest "%.17g" text is 24 chars ("-2.2250738585072014e-308"). */
#define RESP_OUT_DOUBLE_MAX 32

_Static_assert(RESP_OUT_DEFERRED_SLOT >= 1 + 20 + 2,
               "a deferred slot must hold any size_t header");
_Static_assert(RESP_OUT_SHRINK_TO >= RESP_OUT_INITIAL_CAP,
               "shrinking must not go below the first allocation");

/* ---- the buffer --------------------------------------------------------- */

void resp_out_init(struct resp_out *out, int proto)
{
    assert(proto == 2 || proto == 3);
    memset(out, 0, sizeof(*out));
    out->proto = proto;
}

void resp_out_deinit(struct resp_out *out)
{
    free(out->data);
    out->data = NULL;
    out->len = out->cap = 0;
}

void resp_out_reset(struct resp_out *out)
{
    out->len = 0;
    out->overflow = false;
    out->oom = false;
    if (out->cap > RESP_OUT_SHRINK_ABOVE) {
        char *smaller = realloc(out->data, RESP_OUT_SHRINK_TO);
        if (smaller != NULL) { /* on failure the big block simply stays */
            out->data = smaller;
            out->cap = RESP_OUT_SHRINK_TO;
        }
    }
}

/* Makes room for `need` more bytes: doubles the capacity, or takes
 * exactly what is needed when that is more. A huge bulk (GET of a 100 MB
 * value) is then one allocation of its own size, not a chain of doublings
 * that copies it again and ends up to twice as large. */
static __attribute__((noinline)) bool out_grow(struct resp_out *out, size_t need)
{
    size_t cap = out->cap ? out->cap : RESP_OUT_INITIAL_CAP;
    char *data;

    if (need > SIZE_MAX - out->len)
        goto oom;
    cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap < out->len + need)
        cap = out->len + need;
    data = realloc(out->data, cap);
    if (data == NULL)
        goto oom;
    out->data = data;
    out->cap = cap;
    return true;
oom:
    out->oom = true;
    return false;
}

/* Claims n bytes at the end of the buffer and returns where to write them,
 * or NULL when the append must be dropped (limit passed or out of memory;
 * the matching flag is set and stays set until reset). */
static inline char *out_claim(struct resp_out *out, size_t n)
{
    char *p;

    if (out->overflow || out->oom)
        return NULL;
    if (out->limit != 0 && (n > out->limit || out->len > out->limit - n)) {
        out->overflow = true;
        return NULL;
    }
    if (n > out->cap - out->len && !out_grow(out, n))
        return NULL;
    p = out->data + out->len;
    out->len += n;
    return p;
}

static inline char *put(char *p, const void *bytes, size_t n)
{
    if (n != 0) /* bytes may be NULL for an empty string */
        memcpy(p, bytes, n);
    return p + n;
}

static inline char *put_crlf(char *p)
{
    p[0] = '\r';
    p[1] = '\n';
    return p + 2;
}

/* ---- headers ------------------------------------------------------------ */

/* The encoder writes digits straight into the bytes it claimed, so it
 * counts them first (u64_len) and then prints backwards from the end
 * (u64_put). This is a small copy of resp_ll_to_str's two-digits-per-step
 * printer, kept here so that it inlines into the hot paths: no temporary
 * buffer, no memcpy call. */
static const char digit_pairs[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static inline size_t u64_len(uint64_t v)
{
    size_t n = 1;

    for (;;) {
        if (v < 10)
            return n;
        if (v < 100)
            return n + 1;
        if (v < 1000)
            return n + 2;
        if (v < 10000)
            return n + 3;
        v /= 10000;
        n += 4;
    }
}

/* Writes v's digits so that they end just before `end`. */
static inline void u64_put(char *end, uint64_t v)
{
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        *--end = digit_pairs[i + 1];
        *--end = digit_pairs[i];
    }
    if (v >= 10) {
        *--end = digit_pairs[v * 2 + 1];
        *--end = digit_pairs[v * 2];
    } else {
        *--end = (char)('0' + v);
    }
}

/* A header "<type>[-]<digits>\r\n" for magnitude u (negative if neg). */
struct header {
    char type;
    bool neg;
    uint64_t u;
    size_t len; /* of the whole header */
};

static inline struct header header_of(char type, long long v)
{
    struct header h = { type, v < 0, 0, 0 };

    /* Negate in unsigned arithmetic: -LLONG_MIN does not fit. */
    h.u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    h.len = 1 + h.neg + u64_len(h.u) + 2;
    return h;
}

static inline struct header header_of_len(char type, size_t n)
{
    struct header h = { type, false, n, 0 };

    h.len = 1 + u64_len(h.u) + 2;
    return h;
}

static inline char *put_header(char *p, struct header h)
{
    char *end = p + h.len - 2;

    p[0] = h.type;
    if (h.neg)
        p[1] = '-';
    u64_put(end, h.u);
    return put_crlf(end);
}

/* A header on its own: integers and aggregate lengths. */
static void add_header(struct resp_out *out, struct header h)
{
    char *p = out_claim(out, h.len);

    if (p != NULL)
        put_header(p, h);
}

/* "<type>" + bytes + "\r\n": simple strings, RESP3 doubles, big numbers. */
static void add_line(struct resp_out *out, char type, const void *s, size_t len)
{
    char *p = out_claim(out, 1 + len + 2);

    if (p == NULL)
        return;
    *p++ = type;
    p = put(p, s, len);
    put_crlf(p);
}

/* ---- raw, simple strings, integers, bulk strings ------------------------ */

void resp_add_raw(struct resp_out *out, const void *bytes, size_t len)
{
    char *p;

    if (len == 0) /* nothing to claim, and data may still be NULL */
        return;
    p = out_claim(out, len);
    if (p != NULL)
        memcpy(p, bytes, len);
}

void resp_add_simple(struct resp_out *out, const char *s)
{
    add_line(out, '+', s, strlen(s));
}

void resp_add_ok(struct resp_out *out)
{
    char *p = out_claim(out, 5);

    if (p != NULL)
        memcpy(p, "+OK\r\n", 5);
}

void resp_add_integer(struct resp_out *out, long long v)
{
    add_header(out, header_of(':', v));
}

void resp_add_bulk(struct resp_out *out, const void *s, size_t len)
{
    struct header h = header_of_len('$', len);
    char *p;

    if (len > SIZE_MAX - h.len - 2) {
        out->oom = true;
        return;
    }
    p = out_claim(out, h.len + len + 2);
    if (p == NULL)
        return;
    p = put_header(p, h);
    p = put(p, s, len);
    put_crlf(p);
}

/* NULL gives a null reply, as addReplyBulkCString does. */
void resp_add_bulk_cstr(struct resp_out *out, const char *s)
{
    if (s == NULL)
        resp_add_null(out);
    else
        resp_add_bulk(out, s, strlen(s));
}

void resp_add_bulk_ll(struct resp_out *out, long long v)
{
    struct header num = header_of(':', v); /* ":<v>\r\n" */
    size_t n = num.len - 3;                /* the text of v alone */
    struct header h = header_of_len('$', n);
    char *p = out_claim(out, h.len + n + 2);

    if (p == NULL)
        return;
    p = put_header(p, h);
    if (num.neg)
        *p = '-';
    u64_put(p + n, num.u);
    put_crlf(p + n);
}

/* ---- errors ------------------------------------------------------------- */

/* Redis's error codes (the first word of its "-CODE text" replies). */
static const char *const error_codes[] = {
    "ERR",        "WRONGTYPE",  "NOAUTH",    "NOPERM",     "WRONGPASS",
    "BUSYKEY",    "EXECABORT",  "LOADING",   "MOVED",      "ASK",
    "CROSSSLOT",  "TRYAGAIN",   "CLUSTERDOWN", "OOM",      "NOSCRIPT",
    "BUSY",       "MASTERDOWN", "MISCONF",   "READONLY",   "NOREPLICAS",
    "UNKILLABLE", "NOTBUSY",    "NOGOODSLAVE", "NOPROTO",  "BUSYGROUP",
    "NOGROUP",    "UNBLOCKED",  "DENIED",
};

static bool starts_with_error_code(const char *msg, size_t len)
{
    for (size_t i = 0; i < sizeof(error_codes) / sizeof(error_codes[0]); i++) {
        size_t n = strlen(error_codes[i]);
        if (len > n && msg[n] == ' ' && memcmp(msg, error_codes[i], n) == 0)
            return true;
    }
    return false;
}

static bool is_newline(char c)
{
    return c == '\r' || c == '\n';
}

/* Copies msg with CR and LF turned into spaces (sdsmapchars in Redis). */
static char *put_one_line(char *p, const char *msg, size_t len)
{
    for (size_t i = 0; i < len; i++)
        *p++ = is_newline(msg[i]) ? ' ' : msg[i];
    return p;
}

static void add_error_len(struct resp_out *out, const char *msg, size_t len)
{
    bool has_code;
    char *p;

    /* Trim CR/LF at both ends first, as sdstrim(s, "\r\n") does. */
    while (len > 0 && is_newline(msg[0]))
        msg++, len--;
    while (len > 0 && is_newline(msg[len - 1]))
        len--;
    has_code = len > 0 && msg[0] == '-';
    if (has_code)
        msg++, len--;
    else
        has_code = starts_with_error_code(msg, len);
    p = out_claim(out, 1 + (has_code ? 0 : 4) + len + 2);
    if (p == NULL)
        return;
    *p++ = '-';
    if (!has_code)
        p = put(p, "ERR ", 4);
    p = put_one_line(p, msg, len);
    put_crlf(p);
}

void resp_add_error(struct resp_out *out, const char *msg)
{
    add_error_len(out, msg, strlen(msg));
}

static void add_raw_text(struct resp_out *out, const char *text, size_t len)
{
    resp_add_raw(out, text, len);
}

/* printf, then hand the text to `add` (an error reply, raw bytes): in a
 * stack buffer, or a malloc'd one when it does not fit (out->oom when
 * that fails; a format error adds nothing). */
__attribute__((format(printf, 3, 0))) static void
add_formatted(struct resp_out *out, void (*add)(struct resp_out *out, const char *text, size_t len),
              const char *fmt, va_list ap)
{
    char small[256];
    char *text = small;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    if (n >= 0 && (size_t)n >= sizeof(small)) {
        text = malloc((size_t)n + 1);
        if (text != NULL)
            vsnprintf(text, (size_t)n + 1, fmt, again);
        else
            out->oom = true;
    }
    va_end(again);
    if (n >= 0 && text != NULL)
        add(out, text, (size_t)n);
    if (text != small)
        free(text);
}

void resp_add_errorf(struct resp_out *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_formatted(out, add_error_len, fmt, ap);
    va_end(ap);
}

void resp_add_rawf(struct resp_out *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_formatted(out, add_raw_text, fmt, ap);
    va_end(ap);
}

/* ---- nulls and aggregates ----------------------------------------------- */

void resp_add_null(struct resp_out *out)
{
    if (out->proto >= 3)
        resp_add_raw(out, "_\r\n", 3);
    else
        resp_add_raw(out, "$-1\r\n", 5);
}

void resp_add_null_array(struct resp_out *out)
{
    if (out->proto >= 3)
        resp_add_raw(out, "_\r\n", 3);
    else
        resp_add_raw(out, "*-1\r\n", 5);
}

void resp_add_array_len(struct resp_out *out, size_t n)
{
    add_header(out, header_of_len('*', n));
}

void resp_add_map_len(struct resp_out *out, size_t n)
{
    if (out->proto >= 3) {
        add_header(out, header_of_len('%', n));
    } else {
        assert(n <= SIZE_MAX / 2);
        add_header(out, header_of_len('*', n * 2));
    }
}

void resp_add_set_len(struct resp_out *out, size_t n)
{
    add_header(out, header_of_len(out->proto >= 3 ? '~' : '*', n));
}

void resp_add_push_len(struct resp_out *out, size_t n)
{
    add_header(out, header_of_len(out->proto >= 3 ? '>' : '*', n));
}

/* RESP2 has no attributes: callers must check proto first (Redis asserts
 * the same). The header is written anyway in release builds. */
void resp_add_attribute_len(struct resp_out *out, size_t n)
{
    assert(out->proto >= 3);
    add_header(out, header_of_len('|', n));
}

/* ---- doubles, booleans, big numbers, verbatim strings -------------------- */

/* A double's text: RESP3 `,`, RESP2 a bulk string. */
static void add_double_text(struct resp_out *out, const char *text, size_t n)
{
    assert(n > 0);
    if (out->proto >= 3)
        add_line(out, ',', text, n);
    else
        resp_add_bulk(out, text, n);
}

void resp_add_double(struct resp_out *out, double v)
{
    char text[RESP_OUT_DOUBLE_MAX];
    add_double_text(out, text, resp_double_to_str(text, sizeof(text), v));
}

void resp_add_human_double(struct resp_out *out, long double v)
{
    char text[RESP_NUM_MAX_FLOAT_CHARS];
    add_double_text(out, text, resp_long_double_to_str(text, sizeof(text), v));
}

void resp_add_bool(struct resp_out *out, bool v)
{
    if (out->proto >= 3)
        resp_add_raw(out, v ? "#t\r\n" : "#f\r\n", 4);
    else
        resp_add_raw(out, v ? ":1\r\n" : ":0\r\n", 4);
}

void resp_add_bignum(struct resp_out *out, const char *digits, size_t len)
{
    if (out->proto >= 3)
        add_line(out, '(', digits, len);
    else
        resp_add_bulk(out, digits, len);
}

/* `ext` is the three-letter format ("txt", "mkd"): shorter ones are padded
 * with spaces and longer ones cut, as addReplyVerbatim does. */
void resp_add_verbatim(struct resp_out *out, const char *s, size_t len, const char *ext)
{
    struct header h;
    char *p;

    if (out->proto < 3) {
        resp_add_bulk(out, s, len);
        return;
    }
    assert(len <= SIZE_MAX - 64);
    h = header_of_len('=', len + 4);
    p = out_claim(out, h.len + 4 + len + 2);
    if (p == NULL)
        return;
    p = put_header(p, h);
    for (int i = 0; i < 3; i++)
        *p++ = *ext != '\0' ? *ext++ : ' ';
    *p++ = ':';
    p = put(p, s, len);
    put_crlf(p);
}

/* ---- deferred lengths --------------------------------------------------- */

size_t resp_add_deferred_len(struct resp_out *out)
{
    size_t handle = out->len;
    char *p = out_claim(out, RESP_OUT_DEFERRED_SLOT);

    if (p == NULL)
        return RESP_OUT_NO_HANDLE;
    memset(p, 0, RESP_OUT_DEFERRED_SLOT);
    p[0] = RESP_OUT_DEFERRED_MARK;
    return handle;
}

/* Writes the header into the slot at `handle` and closes the gap. */
static void set_deferred(struct resp_out *out, size_t handle, struct header h)
{
    char *slot;
    size_t tail;

    if (handle == RESP_OUT_NO_HANDLE)
        return;
    assert(handle <= out->len && out->len - handle >= RESP_OUT_DEFERRED_SLOT);
    if (handle > out->len || out->len - handle < RESP_OUT_DEFERRED_SLOT)
        return; /* a stale handle (reset since): nothing safe to do */
    slot = out->data + handle;
    assert(slot[0] == RESP_OUT_DEFERRED_MARK && "deferred lengths set out of order");
    put_header(slot, h);
    tail = out->len - handle - RESP_OUT_DEFERRED_SLOT;
    memmove(slot + h.len, slot + RESP_OUT_DEFERRED_SLOT, tail);
    out->len -= RESP_OUT_DEFERRED_SLOT - h.len;
}

void resp_set_deferred_array_len(struct resp_out *out, size_t handle, size_t n)
{
    set_deferred(out, handle, header_of_len('*', n));
}

void resp_set_deferred_map_len(struct resp_out *out, size_t handle, size_t n)
{
    if (out->proto >= 3) {
        set_deferred(out, handle, header_of_len('%', n));
    } else {
        assert(n <= SIZE_MAX / 2);
        set_deferred(out, handle, header_of_len('*', n * 2));
    }
}

void resp_set_deferred_set_len(struct resp_out *out, size_t handle, size_t n)
{
    set_deferred(out, handle, header_of_len(out->proto >= 3 ? '~' : '*', n));
}
