/*
 * rdb_stream.h - streams in RDB files and DUMP payloads
 * (RDB_TYPE_STREAM_LISTPACKS_2, as Redis 7.0 writes them); see
 * rdb_stream.c. Internal to core/rdb*.c.
 *
 * Errors: 0 or a negative RDB_E* code (rdb.h); a read sets r->error.
 */
#ifndef GROVE_RDB_STREAM_H
#define GROVE_RDB_STREAM_H

#include "rdb.h"
#include "stream.h"

/* The value after its type byte. */
int rdb__stream_write(struct rdb_writer *w, const struct stream *s);
/* The value after its type byte, as a planned object. */
int rdb__stream_read(struct rdb_reader *r, struct object_value *v);

#endif
