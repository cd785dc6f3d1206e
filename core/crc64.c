/*
 * crc64.c - CRC-64/Jones, bit by bit; see crc64.h. The payloads it checks
 * today are small (FUNCTION DUMP), so the plain loop is enough and needs
 * no table; a bulk user (RDB files) would want a sliced table instead.
 */
#include "crc64.h"

#define POLY_REFLECTED 0x95ac9329ac4bc9b5ULL /* 0xad93d23594c935a9 bit-reversed */

uint64_t crc64(uint64_t crc, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1) ? (crc >> 1) ^ POLY_REFLECTED : crc >> 1;
    }
    return crc;
}
