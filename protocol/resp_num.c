/*
 * resp_num.c - numbers as Redis reads and writes them.
 *
 * What
 *   The conversions every layer above needs to agree with Redis 7.0 on:
 *   integers (string2ll / ll2string in Redis's util.c), doubles and long
 *   doubles (string2d / string2ld), and the two float output formats:
 *   "%.17g" for double replies (addReplyDouble) and "%.17Lf" with the
 *   trailing zeros trimmed for INCRBYFLOAT (ld2string, LD_STR_HUMAN).
 *
 * Design
 *   Integers are parsed and printed by hand: the parser calls
 *   resp_str_to_ll on every bulk length and the encoder resp_ll_to_str on
 *   every integer reply, so both sit on the hot path. The printer writes
 *   two digits per step from a 200-byte table, backwards from the end,
 *   which halves the divisions against the naive loop.
 *
 *   Floats go through libc (strtod, strtold, snprintf) exactly as Redis
 *   does, because the point is to round the same way Redis rounds. Our
 *   inputs are (pointer, length) slices without a NUL, so the float
 *   parsers first copy into a stack buffer of RESP_NUM_MAX_FLOAT_CHARS
 *   (Redis's MAX_LONG_DOUBLE_CHARS, 5 KB); longer strings are rejected,
 *   as string2ld rejects them. The one shortcut is in resp_double_to_str:
 *   a double that is a whole number below 1e15 is printed as an integer,
 *   which is the text "%.17g" gives for it too (the unit tests compare
 *   the two), and is much faster for the common integer scores.
 *
 * Rules kept from Redis (the tests pin each one)
 *   - Integers: no empty string, no spaces, no '+', no leading zeros,
 *     "-0" rejected, at most 20 characters, range checked exactly.
 *   - Floats: whatever strtod/strtold takes ("1e3", ".5", "+1", "0x10",
 *     "inf", "-infinity") except a leading space, trailing bytes, NaN, and
 *     a range error that overflowed to +-HUGE_VAL or underflowed to zero.
 *     Denormals that set ERANGE but are not zero are accepted.
 *   - "%.17Lf" output of -0 is "0" after trimming, as in ld2string.
 *
 * Thread safety: every function is pure apart from errno.
 */
#include "resp.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redis's LONG_STR_SIZE: "-9223372036854775808" is 20 chars; 21 or more
 * cannot be a long long, and string2ll refuses them before looking. */
#define RESP_NUM_LL_MAX_CHARS 21

/* ---- integers ----------------------------------------------------------- */

bool resp_str_to_ll(const char *s, size_t len, long long *out)
{
    size_t i = 0;
    bool negative = false;
    unsigned long long v;

    if (len == 0 || len >= RESP_NUM_LL_MAX_CHARS)
        return false;
    if (len == 1 && s[0] == '0') {
        if (out)
            *out = 0;
        return true;
    }
    if (s[0] == '-') {
        negative = true;
        if (++i == len)
            return false;
    }
    /* The first digit must be 1-9: this refuses "007", "-0" and "+1". */
    if (s[i] < '1' || s[i] > '9')
        return false;
    v = (unsigned long long)(s[i++] - '0');
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || v > (ULLONG_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (negative) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return false;
        /* -(v-1)-1 stays inside long long even for LLONG_MIN. */
        if (out)
            *out = -(long long)(v - 1) - 1;
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return false;
        if (out)
            *out = (long long)v;
    }
    return true;
}

static const char digit_pairs[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes v's decimal digits so that they end just before `end`; returns
 * where they start. Two digits per division. */
static char *u64_digits_backwards(char *end, unsigned long long v)
{
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        *--end = digit_pairs[i + 1];
        *--end = digit_pairs[i];
    }
    if (v >= 10) {
        unsigned i = (unsigned)v * 2;
        *--end = digit_pairs[i + 1];
        *--end = digit_pairs[i];
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

size_t resp_ll_to_str(char *buf, long long v)
{
    char tmp[RESP_NUM_LL_MAX_CHARS];
    char *end = tmp + sizeof(tmp);
    /* Negate in unsigned arithmetic: -LLONG_MIN does not fit a long long. */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;
    char *start = u64_digits_backwards(end, u);
    size_t n;

    if (v < 0)
        *--start = '-';
    n = (size_t)(end - start);
    memcpy(buf, start, n);
    return n;
}

/* ---- floats in ---------------------------------------------------------- */

/* Copies s into buf as a C string for strtod/strtold; false if it is empty
 * or too long to be a float Redis would read, or starts with a space
 * (which strto* would skip but Redis refuses). */
static bool float_text(const char *s, size_t len, char *buf, size_t cap)
{
    if (len == 0 || len >= cap)
        return false;
    if (isspace((unsigned char)s[0]))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

bool resp_str_to_double(const char *s, size_t len, double *out)
{
    char buf[RESP_NUM_MAX_FLOAT_CHARS];
    char *end;
    double v;

    if (!float_text(s, len, buf, sizeof(buf)))
        return false;
    errno = 0;
    v = strtod(buf, &end);
    if ((size_t)(end - buf) != len || isnan(v))
        return false;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0))
        return false;
    if (out)
        *out = v;
    return true;
}

bool resp_str_to_long_double(const char *s, size_t len, long double *out)
{
    char buf[RESP_NUM_MAX_FLOAT_CHARS];
    char *end;
    long double v;

    if (!float_text(s, len, buf, sizeof(buf)))
        return false;
    errno = 0;
    v = strtold(buf, &end);
    if ((size_t)(end - buf) != len || isnan(v) || errno == EINVAL)
        return false;
    if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0))
        return false;
    if (out)
        *out = v;
    return true;
}

/* ---- floats out --------------------------------------------------------- */

/* Stores a NUL-terminated text of n chars, or nothing when cap is short. */
static size_t fit(char *buf, size_t cap, const char *text, size_t n)
{
    if (n + 1 > cap) {
        if (cap > 0)
            buf[0] = '\0';
        return 0;
    }
    memcpy(buf, text, n);
    buf[n] = '\0';
    return n;
}

/* Below 1e15 every whole double is exact and "%.17g" prints it with no
 * exponent and no fraction, i.e. as the integer; -0 is the exception
 * ("%.17g" keeps its sign). */
static bool is_small_whole(double v)
{
    return v > -1e15 && v < 1e15 && v == (double)(long long)v &&
           !(v == 0 && signbit(v));
}

size_t resp_double_to_str(char *buf, size_t cap, double v)
{
    char tmp[64];
    int n;

    if (is_small_whole(v)) {
        size_t len = resp_ll_to_str(tmp, (long long)v);
        return fit(buf, cap, tmp, len);
    }
    /* addReplyDouble spells infinities itself rather than trust libc. */
    if (isinf(v))
        return v > 0 ? fit(buf, cap, "inf", 3) : fit(buf, cap, "-inf", 4);
    n = snprintf(tmp, sizeof(tmp), "%.17g", v);
    assert(n > 0 && (size_t)n < sizeof(tmp));
    return fit(buf, cap, tmp, (size_t)n);
}

/* Redis's trimDoubleString: drop trailing zeros after the point, then
 * the point itself. Returns the new length. */
static size_t trim_zeros(char *buf, size_t n)
{
    if (memchr(buf, '.', n) != NULL) {
        while (n > 0 && buf[n - 1] == '0')
            n--;
        if (n > 0 && buf[n - 1] == '.')
            n--;
    }
    buf[n] = '\0';
    return n;
}

/* ld2string's LD_STR_HUMAN trimming: trim_zeros, and "-0" becomes "0". */
static size_t trim_human(char *buf, size_t n)
{
    n = trim_zeros(buf, n);
    if (n == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        n = 1;
    }
    buf[n] = '\0';
    return n;
}

size_t resp_double_to_fixed_str(char *buf, size_t cap, double v)
{
    int n = snprintf(buf, cap, "%f", v);
    if (n < 0 || (size_t)n + 1 > cap) {
        if (cap > 0)
            buf[0] = '\0';
        return 0;
    }
    return trim_zeros(buf, (size_t)n);
}

size_t resp_long_double_to_str(char *buf, size_t cap, long double v)
{
    int n;

    if (isinf(v))
        return v > 0 ? fit(buf, cap, "inf", 3) : fit(buf, cap, "-inf", 4);
    /* 17 digits after the point: with 80-bit long doubles that rounds most
     * short decimals back to what the user typed (0.1 + 0.2 -> "0.3"). */
    n = snprintf(buf, cap, "%.17Lf", v);
    if (n < 0 || (size_t)n + 1 > cap) {
        if (cap > 0)
            buf[0] = '\0';
        return 0;
    }
    return trim_human(buf, (size_t)n);
}
