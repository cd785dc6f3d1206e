/*
 * lifecycle.h - grove-server from start to exit: build the keyspace, the
 * command table, the statistics and the worker loops; run the main loop
 * (signals, the cron timer, lazy freeing) until asked to stop; then stop
 * the workers and free everything, so nothing is left for the OS to clean.
 *
 * Start-up: the workers start listening with the loading state on
 * (loading.h: every command without the loading flag gets -LOADING),
 * and a loader thread runs loading_load_from_disk(); when it is done the
 * main loop logs "Ready to accept connections", or shuts down when the
 * load failed (lifecycle_run then returns -1). A shutdown during the load
 * stops it at its next key and does not save.
 *
 * Shutdown: SIGTERM, SIGINT or SHUTDOWN (lifecycle_shutdown: they may
 * first wait for lagging replicas, then save when save points are set,
 * and stay up if that fails; then lifecycle_request_shutdown, any
 * thread) wake the main loop, which asks every worker to stop (each
 * flushes its replies and closes its connections), joins them, closes its
 * own handles and frees the keyspace. As in Redis, a SIGINT while a
 * signal's shutdown is under way (waiting, saving) exits at once, with
 * status 1 and without the save.
 *
 * Errors: lifecycle_run returns 0, or -1 when start-up failed (logged).
 * This header is free of libuv: the SHUTDOWN command includes it.
 */
#ifndef GROVE_LIFECYCLE_H
#define GROVE_LIFECYCLE_H

/* Start everything and run until shutdown; main thread. server.cfg is
 * loaded; it is freed before this returns. */
int lifecycle_run(void);

/* The state commands run against, without any loop or thread: identity,
 * hash seed, command table, keyspace, counters for `nloops` loops, from
 * server.cfg as loaded. lifecycle_run builds it first; tests and fuzz
 * targets that run commands in-process use it alone. 0 or -1 (logged). */
int lifecycle_state_init(unsigned nloops);
void lifecycle_state_deinit(void);

/* Save before a shutdown as Redis's prepareForShutdown: when `flags`
 * (enum config_shutdown_flag) say SAVE, or save points are set and they
 * do not say NOSAVE; never while loading (half a data set would replace
 * the file). A running child is stopped (and its file removed) first,
 * whether or not this saves. 0, or -1 when the save failed without
 * FORCE: the server must stay up. Any thread. */
int lifecycle_shutdown_save(unsigned flags);

/* What lifecycle_shutdown did. */
enum lifecycle_shutdown_result {
    LIFECYCLE_SHUTDOWN_FAILED = -1, /* the save failed without FORCE: the server stays up */
    LIFECYCLE_SHUTDOWN_EXITING = 0, /* saved as asked: the main loop stops */
    LIFECYCLE_SHUTDOWN_WAITING = 1, /* replicas lag: the caller waits, blocked */
};

/* SHUTDOWN, or a signal (caller 0), as Redis's prepareForShutdown. Unless
 * flags say NOW or shutdown-timeout is 0, a master whose replicas have
 * not all acknowledged its offset pauses writes (as CLIENT PAUSE WRITE),
 * asks them for acks (REPLCONF GETACK) and waits: the main thread's cron
 * finishes the shutdown once they caught up or the timeout passed (the
 * save, then the exit). Meanwhile another SHUTDOWN joins the wait. A
 * caller that waits must already be blocked (blocking.h's
 * BLOCKING_REPLY_SHUTDOWN): if the shutdown fails or is aborted it gets
 * Redis's error through blocking_fail_shutdown. Any thread. */
enum lifecycle_shutdown_result lifecycle_shutdown(unsigned flags, unsigned long long caller);
/* A shutdown waiting for replicas: how long until it stops waiting (as
 * INFO's shutdown_in_milliseconds); -1 when none waits. */
long long lifecycle_shutdown_in_ms(long long now_ms);
/* SHUTDOWN ABORT: cancel a shutdown that waits for replicas (its callers
 * get their error, writes resume). 0, or -1 when none waits. */
int lifecycle_shutdown_abort(void);

/* Ask the main thread to shut the server down (any thread). */
void lifecycle_request_shutdown(void);

#endif
