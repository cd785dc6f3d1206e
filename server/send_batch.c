/*
 * send_batch.c - send to many sockets in one system call (send_batch.h).
 *
 * The ring is io_uring's raw interface (three shared mappings: the
 * submission ring, the completion ring and the submission entries),
 * which is all a batch of sends needs; liburing would add a package for
 * the ~60 lines of set-up and ring arithmetic below.
 *
 * Why every send has completed when io_uring_enter returns: a send
 * flagged MSG_DONTWAIT is REQ_F_NOWAIT to io_uring, which then tries it
 * once at submission and completes it there, with -EAGAIN if the socket
 * is full, instead of arming a poll and completing it later. The ring is
 * only used after a self-test has seen exactly that on a full socket pair,
 * so a kernel that behaved otherwise would never hold a buffer of ours.
 * The enter still asks to wait for every completion, so even then nothing
 * would be touched before the kernel is done with it.
 */
#include "send_batch.h"

#include "log.h"

#include <errno.h>
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

struct send_ring {
    int fd;
    void *rings;    /* the submission and completion rings, one mapping */
    size_t rings_len;
    struct io_uring_sqe *sqes;
    size_t sqes_len;
    _Atomic unsigned *sq_head, *sq_tail;
    unsigned *sq_array, sq_mask;
    _Atomic unsigned *cq_head, *cq_tail;
    struct io_uring_cqe *cqes;
    unsigned cq_mask;
};

static int ring_setup(unsigned entries, struct io_uring_params *p)
{
    return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int ring_enter(int fd, unsigned submit, unsigned wait)
{
    return (int)syscall(__NR_io_uring_enter, fd, submit, wait,
                        wait > 0 ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
}

static void ring_free(struct send_ring *r)
{
    if (r->sqes != NULL && r->sqes != MAP_FAILED)
        munmap(r->sqes, r->sqes_len);
    if (r->rings != NULL && r->rings != MAP_FAILED)
        munmap(r->rings, r->rings_len);
    if (r->fd >= 0)
        close(r->fd);
    free(r);
}

static void *at(void *base, uint32_t offset)
{
    return (char *)base + offset;
}

/* Map the rings of a set-up ring; false (errno set) if they cannot be. */
static bool ring_map(struct send_ring *r, const struct io_uring_params *p)
{
    size_t sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
    size_t cq_len = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
    r->rings_len = sq_len > cq_len ? sq_len : cq_len;
    r->rings = mmap(NULL, r->rings_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
                    IORING_OFF_SQ_RING);
    r->sqes_len = p->sq_entries * sizeof(struct io_uring_sqe);
    r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
                   IORING_OFF_SQES);
    if (r->rings == MAP_FAILED || r->sqes == MAP_FAILED)
        return false;
    r->sq_head = at(r->rings, p->sq_off.head);
    r->sq_tail = at(r->rings, p->sq_off.tail);
    r->sq_mask = *(unsigned *)at(r->rings, p->sq_off.ring_mask);
    r->sq_array = at(r->rings, p->sq_off.array);
    r->cq_head = at(r->rings, p->cq_off.head);
    r->cq_tail = at(r->rings, p->cq_off.tail);
    r->cq_mask = *(unsigned *)at(r->rings, p->cq_off.ring_mask);
    r->cqes = at(r->rings, p->cq_off.cqes);
    return true;
}

/* A ring of SEND_BATCH_MAX entries, made on one thread and used on
 * another (so not SINGLE_ISSUER), without task-work interrupts where the
 * kernel can spare them (every send completes inline anyway); NULL, with
 * errno, if the kernel gives none. */
static struct send_ring *ring_create(void)
{
    static const unsigned flag_sets[] = {IORING_SETUP_COOP_TASKRUN, 0};
    struct send_ring *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->fd = -1;
    struct io_uring_params p;
    for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]) && r->fd < 0; i++) {
        memset(&p, 0, sizeof(p));
        p.flags = flag_sets[i];
        r->fd = ring_setup(SEND_BATCH_MAX, &p);
    }
    int err = 0;
    if (r->fd < 0)
        err = errno;
    else if (!(p.features & IORING_FEAT_SINGLE_MMAP) || p.sq_entries < SEND_BATCH_MAX)
        err = ENOTSUP; /* older than 5.4: not worth a second mapping */
    else if (!ring_map(r, &p))
        err = errno;
    if (err == 0)
        return r;
    ring_free(r);
    errno = err;
    return NULL;
}

static void ring_push_send(struct send_ring *r, unsigned index, const struct send_item *it)
{
    unsigned tail = atomic_load_explicit(r->sq_tail, memory_order_relaxed);
    unsigned slot = tail & r->sq_mask;
    struct io_uring_sqe *sqe = &r->sqes[slot];
    memset(sqe, 0, sizeof(*sqe));
    sqe->opcode = IORING_OP_SEND;
    sqe->fd = it->fd;
    sqe->addr = (uint64_t)(uintptr_t)it->buf;
    sqe->len = (uint32_t)it->len;
    sqe->msg_flags = SEND_FLAGS;
    sqe->user_data = index;
    r->sq_array[slot] = slot;
    atomic_store_explicit(r->sq_tail, tail + 1, memory_order_release);
}

void send_batch_send_one(struct send_item *it)
{
    ssize_t n;
    do
        n = send(it->fd, it->buf, it->len, SEND_FLAGS);
    while (n < 0 && errno == EINTR);
    it->result = n < 0 ? -errno : n;
}

/* A result no send gives (connect's error): the ring has not completed
 * the item yet. */
#define NOT_COMPLETED (-(ssize_t)EINPROGRESS)

/* Take the completions posted so far into the items; returns how many. */
static unsigned ring_reap(struct send_ring *r, struct send_item *items, unsigned count)
{
    unsigned head = atomic_load_explicit(r->cq_head, memory_order_relaxed);
    unsigned tail = atomic_load_explicit(r->cq_tail, memory_order_acquire);
    unsigned n = 0;
    for (; head != tail; head++, n++) {
        const struct io_uring_cqe *cqe = &r->cqes[head & r->cq_mask];
        if (cqe->user_data < count)
            items[cqe->user_data].result = cqe->res;
    }
    atomic_store_explicit(r->cq_head, head, memory_order_release);
    return n;
}

/* Send the items through the ring and wait until every one has completed.
 * If the kernel refuses to go on (nothing transient), those it never took
 * are sent by send(2), and those it took without completing them fail
 * with -EIO: sending them again could send their bytes twice. */
static void ring_run(struct send_ring *r, struct send_item *items, unsigned count)
{
    unsigned first = atomic_load_explicit(r->sq_tail, memory_order_relaxed);
    for (unsigned i = 0; i < count; i++) {
        items[i].result = NOT_COMPLETED;
        ring_push_send(r, i, &items[i]);
    }
    unsigned done = 0;
    while (done < count) {
        unsigned unsubmitted = atomic_load_explicit(r->sq_tail, memory_order_relaxed) -
                               atomic_load_explicit(r->sq_head, memory_order_acquire);
        if (ring_enter(r->fd, unsubmitted, count - done) < 0 && errno != EINTR &&
            errno != EAGAIN && errno != EBUSY)
            break;
        done += ring_reap(r, items, count);
    }
    if (done == count)
        return;
    log_warning("io_uring_enter failed (%s) with %u sends of %u done", strerror(errno), done,
                count);
    unsigned taken = atomic_load_explicit(r->sq_head, memory_order_acquire) - first;
    for (unsigned i = 0; i < count; i++) {
        if (items[i].result != NOT_COMPLETED)
            continue;
        if (i < taken)
            items[i].result = -EIO;
        else
            send_batch_send_one(&items[i]);
    }
}

/* Whether the ring completes a send on a full socket at once with
 * -EAGAIN, which send_batch_run relies on (see the top comment). */
static bool ring_sends_without_waiting(struct send_ring *r)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return false;
    static const char fill[4096];
    while (send(sv[0], fill, sizeof(fill), SEND_FLAGS) > 0)
        ;
    struct send_item probe = {.fd = sv[0], .buf = fill, .len = 1, .result = NOT_COMPLETED};
    ring_push_send(r, 0, &probe);
    bool ok = ring_enter(r->fd, 1, 0) == 1 && ring_reap(r, &probe, 1) == 1 &&
              probe.result == -EAGAIN;
    close(sv[0]); /* a send the ring kept would fail now; it ends with the ring */
    close(sv[1]);
    return ok;
}

void send_batch_init(struct send_batch *b, bool use_ring)
{
    b->ring = NULL;
    b->count = 0;
    if (!use_ring)
        return;
    struct send_ring *r = ring_create();
    if (r == NULL) {
        log_verbose("io_uring is not available (%s): replies are sent one system call each",
                    strerror(errno));
        return;
    }
    if (!ring_sends_without_waiting(r)) {
        log_verbose("io_uring waits on a full socket: replies are sent one system call each");
        ring_free(r);
        return;
    }
    b->ring = r;
}

void send_batch_fini(struct send_batch *b)
{
    if (b->ring != NULL)
        ring_free(b->ring);
    b->ring = NULL;
}

bool send_batch_uses_ring(const struct send_batch *b)
{
    return b->ring != NULL;
}

unsigned send_batch_add(struct send_batch *b, int fd, const void *buf, size_t len)
{
    unsigned i = b->count++;
    b->items[i] = (struct send_item){.fd = fd, .buf = buf, .len = len, .result = -EAGAIN};
    return i;
}

void send_batch_run(struct send_batch *b)
{
    if (b->ring != NULL && b->count > 1) {
        ring_run(b->ring, b->items, b->count);
        return;
    }
    for (unsigned i = 0; i < b->count; i++)
        send_batch_send_one(&b->items[i]);
}
