/*
 * lzf.h - LZF compression in liblzf's format, as Redis uses it for RDB
 * strings (rdbcompression yes).
 *
 * Glossary
 *   literal run  control byte 000LLLLL followed by L+1 bytes copied as is.
 *   back-ref     LLLooooo oooooooo: copy L+2 bytes from `o+1` bytes back in
 *                the output; L == 7 means a length byte follows (L+7+2).
 *   state        the compressor's 64 Ki-slot hash table of recent
 *                positions, in the caller's memory (256 KiB), so that
 *                nothing here allocates or keeps globals. One state serves
 *                any number of calls (one thread at a time).
 *
 * Output: byte-identical to liblzf 3.6 built as Redis builds it (HLOG 16,
 * VERY_FAST, hash table starting empty), so a DUMP of a long string
 * matches redis-server's byte for byte.
 *
 * Errors: lzf_compress returns the compressed size, or 0 when the result
 * would not fit in out_len (the caller then stores the bytes plainly, as
 * Redis does). lzf_decompress returns 0 with the size written, or
 * LZF_E2BIG (the output would pass out_len) or LZF_EINVAL (a back
 * reference before the start of the output, or a truncated input). It
 * never reads or writes outside the buffers it is given, whatever the
 * input.
 *
 * Per thread: lzf_thread_state() and lzf_thread_scratch() hand out one
 * compressor table and one growing scratch buffer per thread, allocated
 * on first use and freed when the thread ends, for callers that compress
 * or decompress at any time (DUMP, packed list nodes) and should not pay
 * 256 KiB of malloc each time. The table empties itself in O(1) between
 * uses, so reusing it costs nothing.
 */
#ifndef GROVE_LZF_H
#define GROVE_LZF_H

#include <stddef.h>
#include <stdint.h>

enum {
    LZF_OK = 0,
    LZF_E2BIG = -1,
    LZF_EINVAL = -2,
};

#define LZF_HLOG 16
#define LZF_HSIZE (1u << LZF_HLOG)
/* Longest input lzf_compress accepts (liblzf takes an unsigned int). */
#define LZF_MAX_INPUT ((size_t)1 << 31)

/* Hash slots hold `base + position + 1`; a slot <= base is empty. Moving
 * base past the previous input empties the whole table in O(1). */
struct lzf_state {
    uint32_t base;
    uint32_t htab[LZF_HSIZE];
};

void lzf_state_init(struct lzf_state *st);
/* Compress in[0..in_len) into out[0..out_len); see Errors. */
size_t lzf_compress(struct lzf_state *st, const void *in, size_t in_len, void *out,
                    size_t out_len);
/* Decompress in[0..in_len) into out[0..out_len); *written gets the size. */
int lzf_decompress(const void *in, size_t in_len, void *out, size_t out_len, size_t *written);

/* This thread's compressor table, or NULL when out of memory. */
struct lzf_state *lzf_thread_state(void);
/* This thread's scratch buffer, at least `size` bytes, or NULL when out
 * of memory. The next call may move it. It keeps its largest size up to
 * LZF_SCRATCH_KEEP (two 64 KB list nodes); a larger one is given back at
 * the next call that needs no more than that. */
#define LZF_SCRATCH_KEEP ((size_t)128 << 10)
unsigned char *lzf_thread_scratch(size_t size);

#endif
