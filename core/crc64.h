/*
 * crc64.h - the CRC-64 Redis puts at the end of DUMP payloads and RDB
 * files: the Jones polynomial (0xad93d23594c935a9), reflected, initial
 * value 0, no final xor. crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.
 *
 * Thread safety: pure function over its arguments (the table is built at
 * compile time).
 */
#ifndef GROVE_CRC64_H
#define GROVE_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC over `len` more bytes (start with crc = 0). */
uint64_t crc64(uint64_t crc, const void *buf, size_t len);

#endif
