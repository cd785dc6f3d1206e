/*
 * migrate_sockets.c - MIGRATE's cached connections to its targets, and
 * blocking I/O on them with deadlines (migrate_sockets.h).
 */
#include "migrate_sockets.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

#define CACHE_MAX 64     /* Redis's MIGRATE_SOCKET_CACHE_ITEMS */
#define IDLE_MS 10000    /* Redis's MIGRATE_SOCKET_CACHE_TTL */
#define HOST_MAX 1025    /* NI_MAXHOST */
#define PORT_MAX 32

static _Thread_local struct {
    struct migrate_socket *v[CACHE_MAX];
    size_t n;
} cache;
static atomic_llong open_count;

long long migrate_sockets_open(void)
{
    return atomic_load_explicit(&open_count, memory_order_relaxed);
}

static void forget(size_t i)
{
    struct migrate_socket *s = cache.v[i];
    close(s->fd);
    free(s->name);
    free(s);
    cache.v[i] = cache.v[--cache.n];
    atomic_fetch_sub_explicit(&open_count, 1, memory_order_relaxed);
}

void migrate_socket_close(struct migrate_socket *s)
{
    for (size_t i = 0; i < cache.n; i++)
        if (cache.v[i] == s) {
            forget(i);
            return;
        }
}

void migrate_sockets_close_idle(long long now_ms)
{
    for (size_t i = cache.n; i-- > 0;)
        if (now_ms - cache.v[i]->last_use_ms > IDLE_MS)
            forget(i);
}

void migrate_sockets_close_all(void)
{
    while (cache.n > 0)
        forget(cache.n - 1);
}

/* Wait until fd is ready for `events` or the deadline passes. */
static bool wait_for(int fd, short events, long long deadline_ms)
{
    for (;;) {
        long long left = deadline_ms - server_mstime();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return false;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int rc = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (rc > 0)
            return true; /* errors too: the next send or recv reports them */
        if (rc < 0 && errno != EINTR)
            return false;
    }
}

/* A non-blocking socket connecting to the first address of host:port, or
 * -1. As Redis's blocking connect: a refused connection shows as an error
 * of the first write, not here. */
static int connect_to(const char *host, const char *port, long long deadline_ms)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0 && !wait_for(fd, POLLOUT, deadline_ms)) {
        close(fd);
        return -1;
    }
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    return fd;
}

static struct migrate_socket *cached(const char *name)
{
    for (size_t i = 0; i < cache.n; i++)
        if (strcmp(cache.v[i]->name, name) == 0)
            return cache.v[i];
    return NULL;
}

struct migrate_socket *migrate_socket_get(const char *host, size_t host_len, const char *port,
                                          size_t port_len, long long timeout_ms)
{
    char h[HOST_MAX], p[PORT_MAX], name[HOST_MAX + PORT_MAX + 1];
    if (host_len >= sizeof(h) || port_len >= sizeof(p))
        return NULL;
    memcpy(h, host, host_len);
    h[host_len] = '\0';
    memcpy(p, port, port_len);
    p[port_len] = '\0';
    snprintf(name, sizeof(name), "%s:%s", h, p);
    long long now = server_mstime();
    struct migrate_socket *s = cached(name);
    if (s != NULL) {
        s->last_use_ms = now;
        return s;
    }
    if (cache.n == CACHE_MAX)
        forget((size_t)rand() % CACHE_MAX); /* as Redis: one at random */
    s = calloc(1, sizeof(*s));
    char *copy = strdup(name);
    int fd = s && copy ? connect_to(h, p, now + timeout_ms) : -1;
    if (fd < 0) {
        free(s);
        free(copy);
        return NULL;
    }
    *s = (struct migrate_socket){.fd = fd, .last_dbid = -1, .last_use_ms = now, .name = copy};
    cache.v[cache.n++] = s;
    atomic_fetch_add_explicit(&open_count, 1, memory_order_relaxed);
    return s;
}

bool migrate_socket_send(struct migrate_socket *s, const char *buf, size_t len,
                         long long deadline_ms)
{
    while (len > 0) {
        ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return false;
        } else if (!wait_for(s->fd, POLLOUT, deadline_ms)) {
            return false;
        }
    }
    return true;
}

/* More bytes into s->in (which the caller has consumed). */
static bool fill(struct migrate_socket *s, long long deadline_ms)
{
    for (;;) {
        ssize_t n = recv(s->fd, s->in, sizeof(s->in), 0);
        if (n > 0) {
            s->in_pos = 0;
            s->in_len = (size_t)n;
            return true;
        }
        if (n == 0) {
            errno = ECONNRESET;
            return false;
        }
        if (errno != EAGAIN && errno != EINTR)
            return false;
        if (!wait_for(s->fd, POLLIN, deadline_ms))
            return false;
    }
}

bool migrate_socket_read_line(struct migrate_socket *s, char *line, size_t cap,
                              long long deadline_ms)
{
    size_t n = 0;
    for (;;) {
        if (s->in_pos == s->in_len && !fill(s, deadline_ms))
            return false;
        char ch = s->in[s->in_pos++];
        if (ch == '\n')
            break;
        if (n + 1 < cap)
            line[n++] = ch;
    }
    if (n > 0 && line[n - 1] == '\r')
        n--;
    line[n] = '\0';
    return true;
}
