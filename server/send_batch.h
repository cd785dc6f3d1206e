/*
 * send_batch.h - send to many sockets in one system call.
 *
 * A worker loop writes every connection's replies at the end of its turn
 * (conn.c). Unpipelined clients make that one small write per client, and
 * a system call's entry and exit cost more than the send itself (perf:
 * the kernel is ~80% of the server's CPU per unpipelined request). Handed
 * to io_uring as one batch, the sends cost one io_uring_enter between
 * them.
 *
 * A send here is send(2) with MSG_DONTWAIT: it takes what the socket has
 * room for at once, or fails with -EAGAIN, and never waits. When
 * send_batch_run returns, every send has completed and its buffer is the
 * caller's again, as after send(2). Without a usable io_uring (an old
 * kernel, or a seccomp profile that refuses it, as container runtimes'
 * defaults may) each is a send(2) of its own, with the same results.
 *
 * One thread uses a batch at a time; it may be made on another, before
 * that one starts.
 */
#ifndef GROVE_SEND_BATCH_H
#define GROVE_SEND_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SEND_BATCH_MAX 256

struct send_item {
    int fd;
    const void *buf;
    size_t len;
    ssize_t result; /* after send_batch_run: bytes sent, or -errno */
};

struct send_ring; /* send_batch.c's io_uring */

struct send_batch {
    struct send_ring *ring; /* NULL: one send(2) each */
    unsigned count;
    struct send_item items[SEND_BATCH_MAX];
};

/* Before the thread that will use it starts. Falls back to send(2) when
 * the kernel has no io_uring to give (not an error: the reason is logged
 * at verbose level). `use_ring` false asks for the fallback. */
void send_batch_init(struct send_batch *b, bool use_ring);
void send_batch_fini(struct send_batch *b);
/* Whether sends go through io_uring. */
bool send_batch_uses_ring(const struct send_batch *b);
static inline bool send_batch_full(const struct send_batch *b)
{
    return b->count == SEND_BATCH_MAX;
}
/* Add a send (the batch must not be full); returns its index, whose
 * result send_batch_run fills. */
unsigned send_batch_add(struct send_batch *b, int fd, const void *buf, size_t len);
/* One send(2), as a batch of one sends it (no ring: a single send costs
 * no more that way). */
void send_batch_send_one(struct send_item *it);
/* Send everything added since the last clear; each item's result says
 * how it went. */
void send_batch_run(struct send_batch *b);
static inline void send_batch_clear(struct send_batch *b)
{
    b->count = 0;
}

#endif
