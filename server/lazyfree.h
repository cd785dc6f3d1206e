/*
 * lazyfree.h - freeing flushed databases off the command path: FLUSHALL
 * ASYNC and FLUSHDB ASYNC hand their detached contents here and reply at
 * once; the main loop frees them.
 *
 * Threads: lazyfree_submit from any thread; start and stop from the main
 * thread. Before lazyfree_start and after lazyfree_stop, a submission is
 * freed at once by the caller's thread.
 * Errors: lazyfree_start returns 0 or a negative libuv code.
 */
#ifndef GROVE_LAZYFREE_H
#define GROVE_LAZYFREE_H

struct keyspace_trash;
struct uv_loop_s; /* uv_loop_t, without pulling libuv into command handlers */

/* Take ownership of `trash` (may be NULL) and free it soon. */
void lazyfree_submit(struct keyspace_trash *trash);

/* Free submissions on `loop` from now on. */
int lazyfree_start(struct uv_loop_s *loop);
/* Stop taking submissions, close the wake-up handle (the loop runs its
 * close callback) and free what is queued. */
void lazyfree_stop(void);

#endif
