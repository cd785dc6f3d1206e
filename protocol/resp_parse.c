/*
 * resp_parse.c - the request parser: multibulk and inline commands.
 *
 * What
 *   Turns the bytes a client sent into one command's arguments, the way
 *   Redis 7.0 does in processMultibulkBuffer and processInlineBuffer
 *   (src/networking.c), with the same limits and the same error texts.
 *   A request whose first byte is '*' is a multibulk; anything else is an
 *   inline line, split into words by the rules of Redis's sdssplitargs.
 *
 *     multibulk   *<count>\r\n  then count times  $<len>\r\n<len bytes>\r\n
 *     inline      SET "a key" 'it\'s'\r\n     (also just \n)
 *
 * Contract (see resp.h)
 *   buf[0] is always the first byte of the request. The answer is OK (argv
 *   filled, *consumed bytes used), MORE (nothing used; call again with
 *   more bytes), ARGV (argv is too small; grow it to argc_needed and call
 *   again) or ERROR (p->error holds Redis's text; the caller replies and
 *   closes). The parser never allocates and never keeps a pointer into
 *   buf between calls: progress is kept as offsets from buf[0], so the
 *   caller may move or compact its buffer after MORE or ARGV.
 *
 * Design
 *   State between calls (struct resp_parser):
 *     pos            the next thing to parse: a bulk header, or the bulk
 *                    data when bulk_len >= 0.
 *     scan           how far the current header line has been searched for
 *                    its terminator, so an unfinished line is never
 *                    searched twice.
 *     multibulk_left args still to read (-1 until the count is known).
 *     argc           args fully read.
 *   Each call therefore looks only at bytes no earlier call looked at (bar
 *   the few digits of an unfinished header, which the quick path below
 *   re-reads), and a request of N bytes costs O(N) in total however it is
 *   split across reads (the tests feed a 1M-arg request a few KB at a time).
 *
 *   The common header, plain digits then '\r', is read in one pass
 *   (quick_number); anything unusual falls back to the general path that
 *   mirrors Redis (first '\r', then string2ll), which is also the one that
 *   decides between "need more" and each error.
 *
 *   Arguments are views into buf. When the whole request arrives in one
 *   call (the common case) argv is filled as the args are found, and if
 *   its headers are all plain, parse_whole reads it in one pass without
 *   touching the state struct (the general path costs a third more for a
 *   pipelined GET or SET). When it
 *   arrived in pieces, earlier pieces may since have moved, so on
 *   completion the views are rebuilt by hopping from bulk header to bulk
 *   header (args_start .. pos): O(argc) more work, once per request.
 *   Because argv is only needed at completion, the parser asks for argv
 *   growth (ARGV) only when all the args are really there, with the exact
 *   count: a header promising a million args that never come costs the
 *   caller nothing.
 *
 *   Inline lines are split twice: a dry pass that validates quotes and
 *   counts words without writing, then (if argv is big enough) a pass that
 *   unquotes in place. Unquoting only ever shrinks a word, so its bytes are
 *   written from the word's own start and each arg is a view into buf too.
 *   The dry pass is what makes ARGV safe for inline requests: the caller
 *   calls again with untouched bytes.
 *
 * Redis's exact rules, kept on purpose (the tests pin each one)
 *   - A header line ends at the first '\r' after it; the byte after that
 *     '\r' must have arrived but is not checked to be '\n'. The CRLF after
 *     bulk data is skipped unchecked as well ("$4\r\nPINGxx" is accepted).
 *   - No '\r' yet and more than max_inline_len (64 KB) bytes from the start
 *     of the line: "too big mbulk count string" / "too big bulk count
 *     string". An inline request with no '\n' in more than 64 KB: "too big
 *     inline request". Like Redis, the check is on what has arrived: a
 *     longer inline line whose '\n' arrives in the same read is accepted.
 *   - Counts and lengths are read with string2ll (resp_str_to_ll): no '+',
 *     no spaces, no leading zeros. A multibulk count above INT_MAX (or
 *     limits.max_multibulk_len, if lower) is "invalid multibulk length";
 *     a count <= 0 is an empty request (OK, argc 0) that the caller skips.
 *     A bulk length below 0 or above limits.max_bulk_len is "invalid bulk
 *     length". A bulk header not starting with '$' is "expected '$', got
 *     'c'", with CR/LF shown as a space as Redis's error formatter does.
 *   - Inline: a trailing '\r' before the '\n' is dropped; words split on
 *     blanks (isspace); inside "double quotes" \n \r \t \b \a \xHH and
 *     \<any> escapes, inside 'single quotes' only \'; a closing quote must
 *     be followed by a blank or the end of the line; an open quote at the
 *     end is "unbalanced quotes in request". An empty or blank line is OK
 *     with argc 0.
 *
 * Deliberate differences
 *   Redis scans with strchr, which stops at a NUL byte; a NUL in a header
 *   or inline line makes Redis wait for a terminator it never sees. Here a
 *   NUL is an ordinary byte: inside an inline word it is kept, and at the
 *   start of a bulk header it is reported as "expected '$', got ' '".
 *   Redis's authentication-dependent limits (10 args, 16 KB bulks before
 *   AUTH) belong to the server, not here.
 *
 * Thread safety: none; one parser per connection.
 */
#include "resp.h"

#include <assert.h>
#include <limits.h>
#include <string.h>

static const char *const error_texts[] = {
    [RESP_ERR_TOO_BIG_INLINE] = "Protocol error: too big inline request",
    [RESP_ERR_UNBALANCED] = "Protocol error: unbalanced quotes in request",
    [RESP_ERR_TOO_BIG_MBULK] = "Protocol error: too big mbulk count string",
    [RESP_ERR_INVALID_MBULK] = "Protocol error: invalid multibulk length",
    [RESP_ERR_TOO_BIG_BULK] = "Protocol error: too big bulk count string",
    [RESP_ERR_INVALID_BULK] = "Protocol error: invalid bulk length",
};
#define ERR_EXPECTED_DOLLAR "Protocol error: expected '$', got '" /* + the byte */

_Static_assert(sizeof(((struct resp_parser *)0)->error_buf) >=
                   sizeof(ERR_EXPECTED_DOLLAR) + 2,
               "error_buf must hold the expected-'$' message");

/* ---- set-up ------------------------------------------------------------- */

void resp_limits_default(struct resp_limits *limits)
{
    limits->max_bulk_len = 512ULL * 1024 * 1024; /* proto-max-bulk-len */
    limits->max_multibulk_len = INT_MAX;         /* Redis 7.0's bound */
    limits->max_inline_len = 64 * 1024;          /* PROTO_INLINE_MAX_SIZE */
}

/* Forgets the request in progress; limits and a pending error stay. */
static void start_request(struct resp_parser *p)
{
    p->pos = 0;
    p->scan = 0;
    p->args_start = 0;
    p->multibulk_left = -1;
    p->bulk_len = -1;
    p->argc = 0;
    p->argc_total = 0;
    p->inline_mode = false;
}

void resp_parser_init(struct resp_parser *p, const struct resp_limits *limits)
{
    memset(p, 0, sizeof(*p));
    if (limits != NULL)
        p->limits = *limits;
    else
        resp_limits_default(&p->limits);
    start_request(p);
}

void resp_parser_reset(struct resp_parser *p)
{
    p->error = NULL;
    p->error_code = RESP_ERR_NONE;
    p->argc_needed = 0;
    p->seen = 0;
    start_request(p);
}

size_t resp_parser_bytes_wanted(const struct resp_parser *p)
{
    uint64_t end;

    if (p->error != NULL || p->inline_mode || p->multibulk_left <= 0 ||
        p->bulk_len < 0)
        return 0;
    end = (uint64_t)p->pos + (uint64_t)p->bulk_len + 2;
    return end > p->seen ? (size_t)(end - p->seen) : 0;
}

size_t resp_parser_parsed_bytes(const struct resp_parser *p)
{
    return p->error == NULL && !p->inline_mode && p->multibulk_left > 0 ? p->pos : 0;
}

static enum resp_parse_status fail(struct resp_parser *p, enum resp_parse_error code)
{
    p->error_code = code;
    p->error = code == RESP_ERR_EXPECTED_DOLLAR ? p->error_buf : error_texts[code];
    return RESP_PARSE_ERROR;
}

/* "expected '$', got 'c'": Redis formats the byte with %c and then maps
 * CR/LF to spaces so the error stays one line; a NUL (which Redis never
 * reaches, see the essay) is shown as a space too. */
static enum resp_parse_status fail_expected_dollar(struct resp_parser *p, char got)
{
    size_t n = sizeof(ERR_EXPECTED_DOLLAR) - 1;

    memcpy(p->error_buf, ERR_EXPECTED_DOLLAR, n);
    p->error_buf[n++] = (got == '\r' || got == '\n' || got == '\0') ? ' ' : got;
    p->error_buf[n++] = '\'';
    p->error_buf[n] = '\0';
    return fail(p, RESP_ERR_EXPECTED_DOLLAR);
}

/* ---- inline requests ---------------------------------------------------- */

/* isspace() in the C locale, which is what sdssplitargs skips. */
static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

static char unescape(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
    }
}

/* A closing quote ends the word only at a blank or at the end of the line;
 * `foo"bar"baz` is unbalanced, as in sdssplitargs. */
static bool quote_closes(const char *line, size_t end, size_t i)
{
    return i + 1 == end || is_blank(line[i + 1]);
}

enum quoting { PLAIN, DOUBLE_QUOTED, SINGLE_QUOTED };

/* Reads one word starting at line[*at] (not a blank). The word's unquoted
 * bytes are written over its own start when `write` is set (never ahead of
 * the read position), otherwise only counted. Leaves *at after the word.
 * Returns false on unbalanced quotes. */
static bool inline_word(char *line, size_t end, size_t *at, bool write, size_t *word_len)
{
    enum quoting q = PLAIN;
    size_t i = *at, n = 0;
    char *out = line + *at;

#define EMIT(c) do { if (write) out[n] = (c); n++; } while (0)
    while (i < end) {
        char c = line[i];
        if (q == DOUBLE_QUOTED) {
            if (c == '\\' && i + 3 < end && line[i + 1] == 'x' &&
                is_hex(line[i + 2]) && is_hex(line[i + 3])) {
                EMIT((char)(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
                i += 4;
            } else if (c == '\\' && i + 1 < end) {
                EMIT(unescape(line[i + 1]));
                i += 2;
            } else if (c == '"') {
                if (!quote_closes(line, end, i))
                    return false;
                i++;
                goto done;
            } else {
                EMIT(c);
                i++;
            }
        } else if (q == SINGLE_QUOTED) {
            if (c == '\\' && i + 1 < end && line[i + 1] == '\'') {
                EMIT('\'');
                i += 2;
            } else if (c == '\'') {
                if (!quote_closes(line, end, i))
                    return false;
                i++;
                goto done;
            } else {
                EMIT(c);
                i++;
            }
        } else {
            /* Only these four end a plain word; \v and \f do not. */
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
                goto done;
            if (c == '"')
                q = DOUBLE_QUOTED;
            else if (c == '\'')
                q = SINGLE_QUOTED;
            else
                EMIT(c);
            i++;
        }
    }
#undef EMIT
    if (q != PLAIN)
        return false; /* the line ended inside quotes */
done:
    *at = i;
    *word_len = n;
    return true;
}

/* Splits line[0..end) into words: counts them when argv is NULL, else
 * unquotes them in place into argv (which has room for them all). */
static bool split_inline(char *line, size_t end, struct resp_arg *argv, size_t *argc)
{
    size_t i = 0, n = 0;

    for (;;) {
        size_t start, len;
        while (i < end && is_blank(line[i]))
            i++;
        if (i == end)
            break;
        start = i;
        if (!inline_word(line, end, &i, argv != NULL, &len))
            return false;
        if (argv != NULL)
            argv[n] = (struct resp_arg){ line + start, len };
        n++;
    }
    *argc = n;
    return true;
}

int resp_split_line(char *line, size_t len, struct resp_arg *argv, size_t cap)
{
    size_t n;

    if (!split_inline(line, len, NULL, &n) || n > cap)
        return -1;
    split_inline(line, len, argv, &n);
    return (int)n;
}

static enum resp_parse_status parse_inline(struct resp_parser *p, char *buf, size_t len,
                                           struct resp_arg *argv, size_t argv_cap,
                                           size_t *argc, size_t *consumed)
{
    const char *nl = memchr(buf + p->scan, '\n', len - p->scan);
    size_t end, n;

    if (nl == NULL) {
        if (len > p->limits.max_inline_len)
            return fail(p, RESP_ERR_TOO_BIG_INLINE);
        p->scan = len;
        return RESP_PARSE_MORE;
    }
    p->scan = (size_t)(nl - buf);
    end = p->scan;
    if (end > 0 && buf[end - 1] == '\r')
        end--;
    if (!split_inline(buf, end, NULL, &n))
        return fail(p, RESP_ERR_UNBALANCED);
    if (n > argv_cap) {
        p->argc_needed = n;
        return RESP_PARSE_ARGV;
    }
    split_inline(buf, end, argv, &n);
    *argc = n;
    *consumed = p->scan + 1;
    start_request(p);
    return RESP_PARSE_OK;
}

/* ---- multibulk requests ------------------------------------------------- */

/* Finds the '\r' ending the header line that starts at p->pos, searching
 * only bytes no earlier call searched. OK with *cr set once the byte after
 * the '\r' has arrived too; MORE; or ERROR `too_big` when the line is
 * still open after max_inline_len bytes. */
static enum resp_parse_status find_line_end(struct resp_parser *p, const char *buf,
                                            size_t len, enum resp_parse_error too_big,
                                            size_t *cr)
{
    const char *r = memchr(buf + p->scan, '\r', len - p->scan);

    if (r == NULL) {
        if (len - p->pos > p->limits.max_inline_len)
            return fail(p, too_big);
        p->scan = len;
        return RESP_PARSE_MORE;
    }
    p->scan = (size_t)(r - buf); /* found: next time start right here */
    if (p->scan + 1 >= len)
        return RESP_PARSE_MORE;
    *cr = p->scan;
    return RESP_PARSE_OK;
}

/* The usual header, "<digits>\r" plus the byte after the '\r', read in
 * one pass. When it matches, the result is exactly what the general path
 * (find the first '\r', then string2ll) would give: the digits hold no
 * '\r', and at most 18 of them, without a leading zero, cannot overflow.
 * Anything else (a sign, junk, more digits, a short buffer) returns false
 * and takes the general path, which decides between MORE and an error. */
static bool quick_number(const char *buf, size_t at, size_t len, long long *v, size_t *cr)
{
    size_t end = len - at > 18 ? at + 18 : len;
    uint64_t n = 0;
    size_t i = at;

    if (i < len && buf[i] == '0') {
        i++;
    } else {
        while (i < end && (unsigned)(buf[i] - '0') <= 9)
            n = n * 10 + (unsigned)(buf[i++] - '0');
    }
    if (i == at || i + 1 >= len || buf[i] != '\r')
        return false;
    *v = (long long)n;
    *cr = i;
    return true;
}

static long long max_multibulk(const struct resp_parser *p)
{
    uint64_t max = p->limits.max_multibulk_len;
    return max < INT_MAX ? (long long)max : INT_MAX;
}

/* "*<count>\r\n": sets multibulk_left (0 for an empty request). */
static enum resp_parse_status read_count(struct resp_parser *p, const char *buf, size_t len)
{
    enum resp_parse_status st;
    long long count;
    size_t cr;

    if (!quick_number(buf, 1, len, &count, &cr)) {
        st = find_line_end(p, buf, len, RESP_ERR_TOO_BIG_MBULK, &cr);
        if (st != RESP_PARSE_OK)
            return st;
        if (!resp_str_to_ll(buf + 1, cr - 1, &count))
            return fail(p, RESP_ERR_INVALID_MBULK);
    }
    if (count > max_multibulk(p))
        return fail(p, RESP_ERR_INVALID_MBULK);
    p->pos = p->scan = p->args_start = cr + 2;
    p->argc_total = count > 0 ? (size_t)count : 0;
    p->multibulk_left = count > 0 ? count : 0;
    return RESP_PARSE_OK;
}

/* "$<len>\r\n": sets bulk_len and moves pos to the data. */
static enum resp_parse_status read_bulk_header(struct resp_parser *p, const char *buf,
                                               size_t len)
{
    enum resp_parse_status st;
    long long bulk;
    size_t cr;

    if (p->pos >= len || buf[p->pos] != '$' ||
        !quick_number(buf, p->pos + 1, len, &bulk, &cr)) {
        st = find_line_end(p, buf, len, RESP_ERR_TOO_BIG_BULK, &cr);
        if (st != RESP_PARSE_OK)
            return st;
        if (buf[p->pos] != '$')
            return fail_expected_dollar(p, buf[p->pos]);
        if (!resp_str_to_ll(buf + p->pos + 1, cr - p->pos - 1, &bulk) || bulk < 0)
            return fail(p, RESP_ERR_INVALID_BULK);
    }
    if ((uint64_t)bulk > p->limits.max_bulk_len)
        return fail(p, RESP_ERR_INVALID_BULK);
    p->pos = p->scan = cr + 2;
    p->bulk_len = bulk;
    return RESP_PARSE_OK;
}

/* The request arrived over several calls: re-derive every view from the
 * already validated headers between args_start and pos. */
static void rebuild_argv(const struct resp_parser *p, char *buf, struct resp_arg *argv)
{
    size_t at = p->args_start;

    for (size_t i = 0; i < p->argc_total; i++) {
        const char *cr = memchr(buf + at, '\r', p->pos - at);
        long long bulk = 0;
        bool ok;

        assert(buf[at] == '$' && cr != NULL);
        ok = resp_str_to_ll(buf + at + 1, (size_t)(cr - buf) - at - 1, &bulk);
        assert(ok && bulk >= 0);
        (void)ok;
        at = (size_t)(cr - buf) + 2;
        argv[i] = (struct resp_arg){ buf + at, (size_t)bulk };
        at += (size_t)bulk + 2;
    }
    assert(at == p->pos);
}

static enum resp_parse_status parse_multibulk(struct resp_parser *p, char *buf, size_t len,
                                              struct resp_arg *argv, size_t argv_cap,
                                              size_t *argc, size_t *consumed)
{
    /* No earlier call found an arg, so every arg is found in this call,
     * in this buf: argv can be filled as we go. */
    bool direct = p->argc == 0;
    enum resp_parse_status st;

    if (p->multibulk_left < 0) {
        st = read_count(p, buf, len);
        if (st != RESP_PARSE_OK)
            return st;
        if (p->multibulk_left == 0)
            goto done; /* "*0" or "*-1": an empty request, skipped */
    }
    while (p->multibulk_left > 0) {
        if (p->bulk_len < 0) {
            st = read_bulk_header(p, buf, len);
            if (st != RESP_PARSE_OK)
                return st;
        }
        if ((uint64_t)(len - p->pos) < (uint64_t)p->bulk_len + 2)
            return RESP_PARSE_MORE;
        if (direct && p->argc < argv_cap)
            argv[p->argc] = (struct resp_arg){ buf + p->pos, (size_t)p->bulk_len };
        p->argc++;
        p->pos += (size_t)p->bulk_len + 2; /* the CRLF is not checked, as in Redis */
        p->scan = p->pos;
        p->bulk_len = -1;
        p->multibulk_left--;
    }
    if (p->argc_total > argv_cap) {
        p->argc_needed = p->argc_total;
        return RESP_PARSE_ARGV;
    }
    if (!direct)
        rebuild_argv(p, buf, argv);
done:
    *argc = p->argc_total;
    *consumed = p->pos;
    start_request(p);
    return RESP_PARSE_OK;
}

/* quick_number without its loop for one digit, or two without a leading
 * zero: nearly every count and length of a request. */
static inline bool short_number(const char *buf, size_t at, size_t len, long long *v,
                                size_t *cr)
{
    if (len - at >= 4) {
        unsigned d0 = (unsigned)(buf[at] - '0'), d1 = (unsigned)(buf[at + 1] - '0');

        if (d0 <= 9 && buf[at + 1] == '\r') {
            *v = d0;
            *cr = at + 1;
            return true;
        }
        if (d0 - 1 <= 8 && d1 <= 9 && buf[at + 2] == '\r') {
            *v = d0 * 10 + d1;
            *cr = at + 2;
            return true;
        }
    }
    return quick_number(buf, at, len, v, cr);
}

/* The common case, a whole multibulk request of plain headers already in
 * buf at the start of a request: one pass with the state in locals, argv
 * filled as the args are found. Any doubt (a short buffer, an odd or
 * out-of-limit header, argv too small, an empty request) returns false
 * with p untouched, and the general path above decides, from the start of
 * the request, between OK, MORE, ARGV and each error. */
static bool parse_whole(const struct resp_parser *p, const char *buf, size_t len,
                        struct resp_arg *argv, size_t argv_cap, size_t *argc,
                        size_t *consumed)
{
    long long count, bulk;
    size_t cr, at;

    if (!short_number(buf, 1, len, &count, &cr) || count <= 0 || count > max_multibulk(p) ||
        (size_t)count > argv_cap)
        return false;
    at = cr + 2;
    for (size_t i = 0; i < (size_t)count; i++) {
        if (at >= len || buf[at] != '$' || !short_number(buf, at + 1, len, &bulk, &cr) ||
            (uint64_t)bulk > p->limits.max_bulk_len)
            return false;
        at = cr + 2;
        if ((uint64_t)(len - at) < (uint64_t)bulk + 2)
            return false;
        argv[i] = (struct resp_arg){ buf + at, (size_t)bulk };
        at += (size_t)bulk + 2; /* the CRLF is not checked, as in Redis */
    }
    *argc = (size_t)count;
    *consumed = at;
    return true;
}

bool resp_parse_peek(const struct resp_parser *p, const char *buf, size_t len,
                     struct resp_arg *argv, size_t argv_cap, size_t *argc, size_t *consumed)
{
    return len > 0 && buf[0] == '*' && parse_whole(p, buf, len, argv, argv_cap, argc, consumed);
}

/* ---- entry point -------------------------------------------------------- */

enum resp_parse_status resp_parse(struct resp_parser *p, char *buf, size_t len,
                                  struct resp_arg *argv, size_t argv_cap,
                                  size_t *argc, size_t *consumed)
{
    *argc = 0;
    *consumed = 0;
    if (p->error != NULL)
        return RESP_PARSE_ERROR; /* sticky until resp_parser_reset */
    assert(len >= p->scan && "resp_parse called with fewer bytes than before");
    p->seen = len;
    if (len == 0)
        return RESP_PARSE_MORE;
    if (p->multibulk_left < 0 && !p->inline_mode) {
        /* scan == 0: no earlier call saw part of this request's count */
        if (buf[0] == '*' && p->scan == 0 &&
            parse_whole(p, buf, len, argv, argv_cap, argc, consumed))
            return RESP_PARSE_OK;
        p->inline_mode = buf[0] != '*';
    }
    if (p->inline_mode)
        return parse_inline(p, buf, len, argv, argv_cap, argc, consumed);
    return parse_multibulk(p, buf, len, argv, argv_cap, argc, consumed);
}
