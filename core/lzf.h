/*
 * lzf.h - LZF decompression, the format Redis compresses RDB and DUMP
 * strings with (liblzf 3.6, which Redis embeds).
 *
 * Errors: lzf_decompress returns the bytes written, or 0 when the input
 * is corrupt or does not fit in `out_len` (it never reads or writes out
 * of bounds). Thread safety: pure function over its arguments.
 */
#ifndef GROVE_LZF_H
#define GROVE_LZF_H

#include <stddef.h>

size_t lzf_decompress(const void *in, size_t in_len, void *out, size_t out_len);

#endif
