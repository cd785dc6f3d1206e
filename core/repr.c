/*
 * repr.c - sdscatrepr's quoting (see repr.h).
 */
#include "repr.h"

#include <ctype.h>

static const char *escape_of(unsigned char c)
{
    switch (c) {
    case '\\': return "\\\\";
    case '"': return "\\\"";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\a': return "\\a";
    case '\b': return "\\b";
    default: return NULL;
    }
}

size_t repr_write(char *out, const void *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = s;
    size_t n = 0;
    out[n++] = '"';
    for (size_t i = 0; i < len; i++) {
        const char *esc = escape_of(p[i]);
        if (esc != NULL) {
            out[n++] = esc[0];
            out[n++] = esc[1];
        } else if (isprint(p[i])) {
            out[n++] = (char)p[i];
        } else {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[p[i] >> 4];
            out[n++] = hex[p[i] & 15];
        }
    }
    out[n++] = '"';
    return n;
}
