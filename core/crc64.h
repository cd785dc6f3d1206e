/*
 * crc64.h - Redis's CRC-64 (the "Jones" polynomial), which checksums RDB
 * files and DUMP payloads.
 *
 * Glossary
 *   Jones     polynomial 0xad93d23594c935a9, processed reflected (LSB
 *             first), initial value 0, no final xor: Redis's crc64.c.
 *             Check value: crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.
 *   running   crc64(crc64(0, a), b) == crc64(0, a ++ b), so a file can be
 *             checksummed as it is written.
 *
 * Thread safety: the lookup tables are built once (pthread_once) and only
 * read afterwards; crc64 may be called from any thread.
 */
#ifndef GROVE_CRC64_H
#define GROVE_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Continue the checksum `crc` over `len` bytes. */
uint64_t crc64(uint64_t crc, const void *buf, size_t len);

#endif
