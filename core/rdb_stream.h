/*
 * rdb_stream.h - streams in RDB files and DUMP payloads
 * (RDB_TYPE_STREAM_LISTPACKS_2, as Redis 7.0 writes them; Redis 5 and 6's
 * RDB_TYPE_STREAM_LISTPACKS read too); see rdb_stream.c. Internal to
 * core/rdb*.c.
 *
 * Errors: 0 or a negative RDB_E* code (rdb.h); a read sets r->error.
 */
#ifndef GROVE_RDB_STREAM_H
#define GROVE_RDB_STREAM_H

#include "rdb.h"
#include "stream.h"

/* The value after its type byte. */
int rdb__stream_write(struct rdb_writer *w, const struct stream *s);
/* The value after its type byte (RDB_TYPE_STREAM_LISTPACKS, as Redis
 * 5 and 6 wrote it, or _2), as a planned object. */
int rdb__stream_read(struct rdb_reader *r, unsigned type, struct object_value *v);

#endif
