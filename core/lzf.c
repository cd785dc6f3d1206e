/*
 * lzf.c - LZF decompression; see lzf.h.
 *
 * The stream is a sequence of runs, each opened by a control byte c:
 *   c < 32     a literal: the next c + 1 bytes are copied as they are;
 *   otherwise  a back reference: length (c >> 5) + 2 (when c >> 5 is 7, a
 *              further byte adds to the length), offset ((c & 31) << 8) +
 *              the next byte + 1 back from the output position.
 * Every read and write is checked against its buffer first.
 */
#include "lzf.h"

#include <string.h>

size_t lzf_decompress(const void *in, size_t in_len, void *out, size_t out_len)
{
    const unsigned char *ip = in, *in_end = ip + in_len;
    unsigned char *op = out, *out_start = op, *out_end = op + out_len;
    while (ip < in_end) {
        unsigned ctrl = *ip++;
        if (ctrl < 32) {
            size_t n = ctrl + 1;
            if ((size_t)(out_end - op) < n || (size_t)(in_end - ip) < n)
                return 0;
            memcpy(op, ip, n);
            op += n;
            ip += n;
            continue;
        }
        size_t len = ctrl >> 5;
        if (len == 7) {
            if (ip >= in_end)
                return 0;
            len += *ip++;
        }
        if (ip >= in_end)
            return 0;
        size_t back = ((size_t)(ctrl & 31) << 8) + *ip++ + 1;
        len += 2;
        if ((size_t)(op - out_start) < back || (size_t)(out_end - op) < len)
            return 0;
        for (const unsigned char *ref = op - back; len > 0; len--) /* may overlap */
            *op++ = *ref++;
    }
    return (size_t)(op - out_start);
}
