/*
 * repl_backlog.h - the replication backlog: the newest bytes of a stream,
 * in a ring of fixed size, addressed by Redis's offsets.
 *
 * Glossary
 *   offset    the stream's bytes are numbered from 1; `offset` is the
 *             number of the last byte appended (Redis's
 *             master_repl_offset), 0 before any.
 *   histlen   how many of the newest bytes the ring holds: every byte
 *             appended since it was made, up to its size.
 *   first     the number of the oldest byte held, offset - histlen + 1
 *             (Redis's repl_backlog_first_byte_offset).
 *
 * Design: byte k sits at ring[(k - 1) % size], so appending never moves
 * what is there and reading from any held offset is at most two slices.
 * Resizing keeps the newest bytes that fit. Appending n bytes costs O(n);
 * the ring is allocated once, at its size (Redis 7.0 grows its shared
 * buffer in blocks up to the size instead).
 *
 * Threads: none; the caller locks. Errors: -ENOMEM.
 */
#ifndef GROVE_REPL_BACKLOG_H
#define GROVE_REPL_BACKLOG_H

#include <stdbool.h>
#include <stddef.h>

struct repl_backlog {
    char *ring;
    size_t size;
    long long offset;
    long long histlen;
};

/* An empty ring of `size` bytes (> 0) continuing a stream at `offset`. */
int repl_backlog_init(struct repl_backlog *b, size_t size, long long offset);
void repl_backlog_deinit(struct repl_backlog *b);

void repl_backlog_append(struct repl_backlog *b, const void *p, size_t n);

long long repl_backlog_first(const struct repl_backlog *b);
/* A reader that needs bytes from..offset can continue from here
 * (from == offset + 1: it needs nothing). */
bool repl_backlog_holds(const struct repl_backlog *b, long long from);

/* Bytes from..offset (from held) as at most two slices, in order; returns
 * how many. Borrowed: valid until the next append or resize. */
struct repl_backlog_slice {
    const char *p;
    size_t len;
};
size_t repl_backlog_read(const struct repl_backlog *b, long long from,
                         struct repl_backlog_slice out[2]);

/* A ring of `size` bytes (> 0) holding the newest bytes that fit. */
int repl_backlog_resize(struct repl_backlog *b, size_t size);

#endif
