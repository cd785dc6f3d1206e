/*
 * glob.c - Redis-compatible glob matching
 * =======================================
 *
 * What
 *   The matcher behind KEYS, SCAN MATCH and friends. Clients rely on the
 *   exact Redis behaviour, quirks included (unterminated classes, reversed
 *   ranges, a lone trailing backslash), so this follows Redis 7.0's
 *   util.c:stringmatchlen rule for rule; see glob.h for the syntax.
 *
 * Design
 *   A loop walks pattern and subject together. Every metacharacter except
 *   '*' consumes exactly one subject byte, so only '*' needs a choice: it
 *   tries the rest of the pattern against each suffix of the subject, by
 *   recursion.
 *
 *   Naively that is exponential: "a*a*a*a*b" against "aaaa...a" tries every
 *   way of splitting the a's among the stars. The cut that makes it cheap:
 *   when the rest of the pattern after a '*' failed against *every* suffix,
 *   then any earlier '*' taking more bytes only hands an even shorter suffix
 *   to that same failing tail, so the whole match has failed. A flag
 *   (skip_longer) carries that verdict up the recursion and every pending
 *   '*' loop returns at once. Each star then scans the subject at most once
 *   per position it is entered at, giving O(plen * slen) work.
 *
 *   Recursion depth is the number of stars entered; beyond GLOB_MAX_NESTING
 *   the match fails instead of risking the stack (Redis does the same).
 *
 * Bounds
 *   Redis's matcher reads one byte past the pattern's end in places (its
 *   patterns are NUL-terminated sds strings, so it reads the terminator).
 *   Ours takes (pointer, length) with no terminator, so every such read is
 *   replaced by a length test that gives the answer the terminator would
 *   have given (a NUL is never '*', ']' or '\').
 *
 * Thread safety
 *   No state; callable from any thread.
 *
 * Credits
 *   Semantics from Redis (src/util.c, stringmatchlen and its 2023 and 2024
 *   hardening). The code here is our own.
 */
#include "glob.h"

#include <string.h>

/* Fold ASCII upper case only: Redis runs with the C locale for ctype, in
 * which tolower() leaves every other byte alone. */
static int fold(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool byte_eq(char a, char b, bool nocase)
{
    if (!nocase)
        return a == b;
    return fold((signed char)a) == fold((signed char)b);
}

/* [lo-hi] against c. Bounds are swapped when reversed *before* folding,
 * exactly as Redis does, and compared as signed chars. */
static bool range_has(signed char lo, signed char hi, signed char c, bool nocase)
{
    int start = lo, end = hi, x = c;

    if (start > end) {
        int t = start;
        start = end;
        end = t;
    }
    if (nocase) {
        start = fold(start);
        end = fold(end);
        x = fold(x);
    }
    return x >= start && x <= end;
}

/*
 * Match one byte against the class starting at **pp (which points at '[').
 * On return *pp points at the class's last byte: the closing ']', or the
 * pattern's last byte when the class is unterminated, so that the caller's
 * common "advance one" step moves past the class.
 */
static bool class_match(const char **pp, size_t *plenp, char c, bool nocase)
{
    const char *p = *pp + 1;
    size_t plen = *plenp - 1;
    bool negate = false, found = false;

    if (plen && p[0] == '^') {
        negate = true;
        p++;
        plen--;
    }
    for (;;) {
        if (plen >= 2 && p[0] == '\\') {
            p++;
            plen--;
            if (p[0] == c) /* escaped: exact compare even with nocase */
                found = true;
        } else if (plen == 0) {
            p--; /* unterminated: stop on the last byte */
            plen++;
            break;
        } else if (p[0] == ']') {
            break;
        } else if (plen >= 3 && p[1] == '-') {
            if (range_has((signed char)p[0], (signed char)p[2], (signed char)c, nocase))
                found = true;
            p += 2;
            plen -= 2;
        } else if (byte_eq(p[0], c, nocase)) {
            found = true;
        }
        p++;
        plen--;
    }
    *pp = p;
    *plenp = plen;
    return found != negate;
}

static bool match(const char *p, size_t plen, const char *s, size_t slen, bool nocase,
                  bool *skip_longer, int nesting);

/* p points at a run of one or more '*'. Try the rest of the pattern against
 * every non-empty suffix of s. */
static bool star_match(const char *p, size_t plen, const char *s, size_t slen, bool nocase,
                       bool *skip_longer, int nesting)
{
    while (plen > 1 && p[1] == '*') {
        p++;
        plen--;
    }
    if (plen == 1)
        return true; /* a trailing star takes everything left */
    for (; slen; s++, slen--) {
        if (match(p + 1, plen - 1, s, slen, nocase, skip_longer, nesting + 1))
            return true;
        if (*skip_longer)
            return false;
    }
    /* The tail failed at every position: no earlier star can help. */
    *skip_longer = true;
    return false;
}

static bool match(const char *p, size_t plen, const char *s, size_t slen, bool nocase,
                  bool *skip_longer, int nesting)
{
    if (nesting > GLOB_MAX_NESTING)
        return false;

    while (plen && slen) {
        switch (p[0]) {
        case '*':
            return star_match(p, plen, s, slen, nocase, skip_longer, nesting);
        case '?':
            break;
        case '[':
            if (!class_match(&p, &plen, s[0], nocase))
                return false;
            break;
        case '\\':
            /* Compare the escaped byte; a lone trailing '\' is literal. */
            if (plen >= 2) {
                p++;
                plen--;
            }
            /* fall through */
        default:
            if (!byte_eq(p[0], s[0], nocase))
                return false;
            break;
        }
        s++;
        slen--;
        p++;
        plen--;
        if (slen == 0) {
            while (plen && p[0] == '*') {
                p++;
                plen--;
            }
            break;
        }
    }
    return plen == 0 && slen == 0;
}

bool glob_match(const char *pattern, size_t plen, const char *str, size_t slen, bool nocase)
{
    bool skip_longer = false;

    return match(pattern, plen, str, slen, nocase, &skip_longer, 0);
}

bool glob_match_cstr(const char *pattern, const char *str, bool nocase)
{
    return glob_match(pattern, strlen(pattern), str, strlen(str), nocase);
}
