/*
 * glob.h - Redis's glob-style pattern matcher (KEYS, SCAN MATCH, PSUBSCRIBE,
 * CONFIG GET, ACL patterns).
 *
 * Glossary
 *   pattern  a byte string with the metacharacters below; not
 *            NUL-terminated, may contain any byte including NUL.
 *   nocase   ASCII case folding ('A'..'Z' only, as Redis in the C locale).
 *
 * Syntax (Redis 7.0 stringmatchlen, byte for byte):
 *   *        any run of bytes, including none - but see "empty subject".
 *   ?        exactly one byte.
 *   [abc]    one byte of the set; [^abc] one byte not in the set.
 *   [a-z]    a range; reversed ranges ([z-a]) are swapped; bounds compare
 *            as signed chars, as Redis does on x86 and arm64 Linux builds.
 *   \x       the byte x literally, outside and inside brackets. Inside
 *            brackets an escaped byte is compared case-sensitively even when
 *            nocase is set (Redis quirk, kept).
 *   [abc     an unterminated class behaves as if closed at the pattern end.
 *   \        a trailing lone backslash matches a backslash.
 *
 * Empty subject: the empty string matches only the empty pattern. In
 * particular "*" does not match "" here; KEYS and SCAN special-case the
 * one-byte pattern "*" before calling the matcher (as Redis does), and the
 * server must do the same to return the empty key for KEYS *.
 *
 * Cost: the matcher is recursive only at '*'. Once the rest of the pattern
 * after some '*' failed to match every suffix, no earlier '*' can succeed by
 * consuming more, so the whole match stops ("skip longer matches"). This
 * bounds the work to O(pattern * subject). Recursion deeper than
 * GLOB_MAX_NESTING stars fails the match (Redis's guard against stack
 * exhaustion).
 *
 * Thread safety: pure function, no state.
 */
#ifndef GROVE_GLOB_H
#define GROVE_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* More nested '*' than this and the pattern never matches (Redis: 1000). */
#define GLOB_MAX_NESTING 1000

/* True if `str` (slen bytes) matches `pattern` (plen bytes). */
bool glob_match(const char *pattern, size_t plen, const char *str, size_t slen, bool nocase);

/* NUL-terminated convenience form. */
bool glob_match_cstr(const char *pattern, const char *str, bool nocase);

#endif
