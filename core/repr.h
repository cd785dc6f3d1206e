/*
 * repr.h - a byte string as Redis's sdscatrepr quotes it: in double
 * quotes, with \\ \" \n \r \t \a \b escaped, other printable bytes as
 * they are and the rest as \xHH. MONITOR lines and the AOF manifest's
 * file names are written this way, so tools that parse Redis's output
 * read Grove's.
 */
#ifndef GROVE_REPR_H
#define GROVE_REPR_H

#include <stddef.h>

/* The most bytes repr_write writes for `len` input bytes. */
#define REPR_MAX(len) (4 * (len) + 2)

/* Write the quoted form of s[0..len) at out (room for REPR_MAX(len)
 * bytes; no NUL is added); returns the bytes written. */
size_t repr_write(char *out, const void *s, size_t len);

#endif
