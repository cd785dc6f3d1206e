/*
 * bench_fairness.c - what one busy client costs another on the same
 * server: a probe client sends single GETs, one at a time, and records
 * each round trip while a heavy client runs; prints the probe's p50, p99
 * and p99.9 and the heavy client's throughput.
 *
 * Heavy clients:
 *   bulk  - loads N keys (SET key:%012d value:%010d) as redis-cli --pipe
 *           does: the whole pipeline written in large writes as fast as the
 *           server takes it, replies read as they come.
 *   big   - reads a list of N elements with LRANGE 0 -1, R times over
 *           (the list is built first and is not timed).
 *   value - reads a string of N bytes with GET, R times over (the value is
 *           written first and is not timed).
 *
 * The heavy client runs in a thread of its own (poll() over one raw
 * socket); the probe runs in the main thread with a blocking socket, so
 * its latency is the server's, not a scheduler's.
 *
 * Usage: bench_fairness PORT bulk|big|value [--n N] [--repeat R]
 * Output: "probe_p50_us A probe_p99_us B probe_p999_us C probes D heavy_ops_per_s E"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_net.h"

#define BIG_ITEM_LEN 12 /* "item:%07d" */

/* A growing byte buffer for building pipelines. */
struct buf {
    char *p;
    size_t len, cap;
};

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap ? b->cap * 2 : 1 << 20;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            die("realloc");
    }
}

/* Write `out` while reading replies, until `expect` reply bytes have come
 * back (each reply's size is known in advance), as redis-cli --pipe does. */
static void pipe_through(int fd, const char *out, size_t len, size_t expect)
{
    static char sink[1 << 16];
    size_t sent = 0, got = 0;
    while (got < expect) {
        struct pollfd p = {.fd = fd, .events = POLLIN | (sent < len ? POLLOUT : 0)};
        if (poll(&p, 1, 30000) <= 0)
            die("poll (server stalled)");
        if ((p.revents & POLLOUT) && sent < len) {
            size_t chunk = len - sent < (1 << 16) ? len - sent : (1 << 16);
            ssize_t w = send(fd, out + sent, chunk, MSG_DONTWAIT);
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                die("send");
            if (w > 0)
                sent += (size_t)w;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
            if (r == 0)
                die("server closed");
            if (r < 0 && errno != EAGAIN && errno != EINTR)
                die("recv");
            if (r > 0)
                got += (size_t)r;
        }
    }
}

enum heavy_kind { HEAVY_BULK, HEAVY_BIG, HEAVY_VALUE };

struct heavy {
    int port;
    enum heavy_kind kind;
    long n, repeat;
    atomic_bool started, done;
    double secs;
};

static void bulk_load(struct heavy *h, int fd)
{
    struct buf b = {0};
    for (long i = 0; i < h->n; i++) {
        char k[32], v[32];
        int kl = snprintf(k, sizeof(k), "key:%012ld", i);
        int vl = snprintf(v, sizeof(v), "value:%010ld", i);
        buf_printf(&b, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", kl, k, vl, v);
    }
    atomic_store(&h->started, true);
    double t0 = now_s();
    pipe_through(fd, b.p, b.len, (size_t)h->n * 5); /* "+OK\r\n" each */
    h->secs = now_s() - t0;
    free(b.p);
}

static void build_list(struct heavy *h, int fd)
{
    struct buf b = {0};
    buf_printf(&b, "*2\r\n$3\r\nDEL\r\n$9\r\nbench:big\r\n");
    size_t expect = 4; /* ":0\r\n" or ":1\r\n" */
    for (long i = 0; i < h->n; i += 1000) {
        long m = h->n - i < 1000 ? h->n - i : 1000;
        buf_printf(&b, "*%ld\r\n$5\r\nRPUSH\r\n$9\r\nbench:big\r\n", m + 2);
        for (long j = i; j < i + m; j++)
            buf_printf(&b, "$%d\r\nitem:%07ld\r\n", BIG_ITEM_LEN, j);
        char reply[32];
        expect += (size_t)snprintf(reply, sizeof(reply), ":%ld\r\n", i + m);
    }
    pipe_through(fd, b.p, b.len, expect);
    free(b.p);
}

static void big_reads(struct heavy *h, int fd)
{
    static const char cmd[] = "*4\r\n$6\r\nLRANGE\r\n$9\r\nbench:big\r\n$1\r\n0\r\n$2\r\n-1\r\n";
    char header[32];
    size_t reply = (size_t)snprintf(header, sizeof(header), "*%ld\r\n", h->n) +
                   (size_t)h->n * (BIG_ITEM_LEN + 7); /* "$12\r\n" item "\r\n" */
    build_list(h, fd);
    atomic_store(&h->started, true);
    double t0 = now_s();
    for (long r = 0; r < h->repeat; r++)
        pipe_through(fd, cmd, sizeof(cmd) - 1, reply);
    h->secs = now_s() - t0;
}

/* SET bench:value to n bytes of 'v', the whole command in one buffer. */
static void write_value(struct heavy *h, int fd)
{
    char head[64];
    size_t hl = (size_t)snprintf(head, sizeof(head), "*3\r\n$3\r\nSET\r\n$11\r\nbench:value\r\n$%ld\r\n", h->n);
    size_t total = hl + (size_t)h->n + 2;
    char *cmd = malloc(total);
    if (cmd == NULL)
        die("malloc");
    memcpy(cmd, head, hl);
    memset(cmd + hl, 'v', (size_t)h->n);
    memcpy(cmd + total - 2, "\r\n", 2);
    pipe_through(fd, cmd, total, 5); /* "+OK\r\n" */
    free(cmd);
}

static void value_reads(struct heavy *h, int fd)
{
    static const char cmd[] = "*2\r\n$3\r\nGET\r\n$11\r\nbench:value\r\n";
    char header[32];
    size_t reply = (size_t)snprintf(header, sizeof(header), "$%ld\r\n", h->n) + (size_t)h->n + 2;
    write_value(h, fd);
    atomic_store(&h->started, true);
    double t0 = now_s();
    for (long r = 0; r < h->repeat; r++)
        pipe_through(fd, cmd, sizeof(cmd) - 1, reply);
    h->secs = now_s() - t0;
}

static void *heavy_main(void *arg)
{
    struct heavy *h = arg;
    int fd = connect_to(h->port);
    switch (h->kind) {
    case HEAVY_BULK:
        bulk_load(h, fd);
        break;
    case HEAVY_BIG:
        big_reads(h, fd);
        break;
    case HEAVY_VALUE:
        value_reads(h, fd);
        break;
    }
    close(fd);
    atomic_store(&h->done, true);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
    static const char *const kinds[] = {[HEAVY_BULK] = "bulk", [HEAVY_BIG] = "big", [HEAVY_VALUE] = "value"};
    int kind = -1;
    for (int k = 0; argc >= 3 && k < (int)(sizeof(kinds) / sizeof(kinds[0])); k++)
        if (strcmp(argv[2], kinds[k]) == 0)
            kind = k;
    if (kind < 0) {
        fprintf(stderr, "usage: %s PORT bulk|big|value [--n N] [--repeat R]\n", argv[0]);
        return 2;
    }
    struct heavy h = {.port = atoi(argv[1]), .kind = (enum heavy_kind)kind, .n = 1000000, .repeat = 10};
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--n") == 0)
            h.n = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--repeat") == 0)
            h.repeat = atol(argv[i + 1]);
    }
    int probe = connect_to(h.port);
    static const char get[] = "*2\r\n$3\r\nGET\r\n$11\r\nbench:probe\r\n";
    size_t cap = 1 << 20, n = 0;
    double *lat = malloc(cap * sizeof(*lat));
    pthread_t t;
    if (lat == NULL || pthread_create(&t, NULL, heavy_main, &h) != 0)
        die("start");
    while (!atomic_load(&h.started))
        usleep(1000);
    while (!atomic_load(&h.done)) {
        char reply[16];
        double t0 = now_s();
        if (send(probe, get, sizeof(get) - 1, 0) != (ssize_t)(sizeof(get) - 1))
            die("probe send");
        size_t got = 0; /* "$-1\r\n": the key never exists */
        while (got < 5) {
            ssize_t r = recv(probe, reply + got, sizeof(reply) - got, 0);
            if (r <= 0)
                die("probe recv");
            got += (size_t)r;
        }
        if (n == cap && (lat = realloc(lat, (cap *= 2) * sizeof(*lat))) == NULL)
            die("realloc");
        lat[n++] = (now_s() - t0) * 1e6;
    }
    pthread_join(t, NULL);
    if (n == 0) {
        fprintf(stderr, "no probe completed\n");
        return 1;
    }
    qsort(lat, n, sizeof(*lat), cmp_double);
    double ops = (double)(h.kind == HEAVY_BULK ? h.n : h.repeat) / h.secs;
    printf("probe_p50_us %.0f probe_p99_us %.0f probe_p999_us %.0f probes %zu heavy_ops_per_s %.1f\n",
           pct(lat, n, 0.5), pct(lat, n, 0.99), pct(lat, n, 0.999), n, ops);
    return 0;
}
