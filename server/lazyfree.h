/*
 * lazyfree.h - freeing big values and flushed databases off the command
 * path, as Redis's lazyfree.c does: FLUSHALL ASYNC and FLUSHDB ASYNC hand
 * their detached contents here; the keyspace offers every value it is
 * about to free (lazyfree_offer_cb), taken when it would cost more than
 * LAZYFREE_THRESHOLD steps and UNLINK or a lazyfree-lazy-* knob asks for
 * it. The command goes on at once and the main loop frees them. INFO
 * memory shows lazyfree_pending_objects and lazyfreed_objects, counted as
 * Redis counts them (a flushed database counts its keys, a value one).
 *
 * Threads: submissions and counters from any thread; start and stop from
 * the main thread. Before lazyfree_start and after lazyfree_stop, a
 * submission is freed at once by the caller's thread, uncounted.
 * Errors: lazyfree_start returns 0 or a negative libuv code.
 */
#ifndef GROVE_LAZYFREE_H
#define GROVE_LAZYFREE_H

#include <stdbool.h>
#include <stddef.h>

#include "keyspace.h"

struct object_value;
struct uv_loop_s; /* uv_loop_t, without pulling libuv into command handlers */

/* Redis's LAZYFREE_THRESHOLD: values cheaper to free than this many
 * steps are freed in place, where queueing them would cost more. */
#define LAZYFREE_THRESHOLD 64

/* Take ownership of `trash` (may be NULL) and free it soon. */
void lazyfree_submit(struct keyspace_trash *trash);

/* The steps freeing v takes, as Redis's lazyfreeGetFreeEffort reckons
 * them: a list's nodes, a hash table's or skiplist's elements, a stream's
 * radix-tree nodes and consumer groups; 1 for a string or a compact
 * encoding (one allocation). */
size_t lazyfree_effort(const struct object_value *v);

/* keyspace_lazyfree_cb: takes a value dearer to free than
 * LAZYFREE_THRESHOLD when UNLINK, or the lazyfree-lazy-* knob for `why`,
 * asks for it (lazyfree-lazy-user-del for DEL, -server-del, -expire,
 * -eviction). */
bool lazyfree_offer_cb(const struct object_value *v, enum keyspace_free_reason why, void *ud);

/* INFO memory's lazyfree_pending_objects and lazyfreed_objects; CONFIG
 * RESETSTAT zeroes the second. */
size_t lazyfree_pending_objects(void);
size_t lazyfreed_objects(void);
void lazyfree_reset_stats(void);

/* Free submissions on `loop` from now on. */
int lazyfree_start(struct uv_loop_s *loop);
/* Stop taking submissions, close the wake-up handle (the loop runs its
 * close callback) and free what is queued. */
void lazyfree_stop(void);

#endif
