/*
 * listeners.c - opening the listening sockets, at start-up and for
 * CONFIG SET port, bind and tls-port; see listeners.h.
 *
 * `current` is what every loop listens on now (each loop has the same
 * set, its own sockets). It changes only under config_lock (or on the
 * main thread before the loops run), so a change is worked out against
 * it without asking the loops, which learn the outcome by message, in
 * order.
 */
#include "listeners.h"

#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "client.h"
#include "log.h"
#include "server.h"
#include "worker_loop.h"

static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) + 2 <= CLIENT_ADDR_LEN,
              "a unix client's addr (\"path:0\") fits");

static struct listen_set current;
static int unix_fd = -1;

/* A socket that failed at `step` closed: -errno, and in `why` the step
 * and the reason, as Redis's anet words them ("bind: Address already in
 * use"). */
static int give_up(int fd, const char *step, char *why, size_t cap)
{
    int err = errno;
    snprintf(why, cap, "%s: %s", step, strerror(err));
    close(fd);
    return -err;
}

/* ---- TCP sockets ------------------------------------------------------------ */

/* addr as bind spells it ("*" any IPv4 address, "::*" any IPv6 one, as
 * Redis) into a socket address with the port. */
static bool parse_addr(const char *addr, int port, struct sockaddr_storage *sa, socklen_t *len)
{
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    memset(sa, 0, sizeof(*sa));
    if (strcmp(addr, "*") == 0)
        addr = "0.0.0.0";
    else if (strcmp(addr, "::*") == 0)
        addr = "::";
    if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        *len = sizeof(*in);
        return true;
    }
    if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*in6);
        return true;
    }
    return false;
}

/* A socket listening on addr:port. `join` sets SO_REUSEPORT before
 * binding (the other loops joining the first one's port); otherwise the
 * bind must find the port free, and SO_REUSEPORT is set after it. On
 * failure, -errno and, in `why`, the failing step as Redis's anet words
 * it. */
static int open_tcp(const char *addr, int port, bool join, char *why, size_t cap)
{
    struct sockaddr_storage sa;
    socklen_t len;
    if (!parse_addr(addr, port, &sa, &len)) {
        snprintf(why, cap, "%s", gai_strerror(EAI_NONAME));
        return -EADDRNOTAVAIL;
    }
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, cap, "socket: %s", strerror(errno));
        return -errno;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (join)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (sa.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, len) < 0)
        return give_up(fd, "bind", why, cap);
    if (!join && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
        return give_up(fd, "setsockopt", why, cap);
    if (listen(fd, (int)server.cfg.tcp_backlog) < 0)
        return give_up(fd, "listen", why, cap);
    return fd;
}

/* Whether a loop listens on this port already (on some address): a new
 * address that overlaps one of ours (127.0.0.1 under *) may then join
 * our own sockets rather than find the port free. */
static bool listening_on_port(int port, bool tls)
{
    for (int i = 0; i < current.n; i++)
        if (current.a[i].port == port && current.a[i].tls == tls)
            return true;
    return false;
}

/* The first loop's socket on a new address: the port must be free of
 * every other process, unless it is our own. */
static int open_first(const struct listen_addr *la, char *why, size_t cap)
{
    int fd = open_tcp(la->addr, la->port, false, why, cap);
    if (fd == -EADDRINUSE && listening_on_port(la->port, la->tls))
        fd = open_tcp(la->addr, la->port, true, why, cap);
    return fd;
}

static void close_new_sockets(struct listen_set *sets, unsigned nloops)
{
    for (unsigned l = 0; l < nloops; l++)
        for (int i = 0; i < sets[l].n; i++)
            if (sets[l].a[i].fd >= 0) {
                close(sets[l].a[i].fd);
                sets[l].a[i].fd = -1;
            }
}

static bool in_current(const struct listen_addr *la)
{
    for (int i = 0; i < current.n; i++)
        if (listen_addr_same(&current.a[i], la))
            return true;
    return false;
}

/* ---- what the options ask for --------------------------------------------- */

/* Every address of bind on `port` ("-addr" is optional: an address this
 * machine does not have is skipped, as in Redis). */
static void want_port(struct listen_set *want, int port, bool tls, bool *optional)
{
    char binds[CONFIG_VALUE_MAX];
    snprintf(binds, sizeof(binds), "%s", server.cfg.bind);
    char *save = NULL;
    for (char *a = strtok_r(binds, " ", &save); a != NULL; a = strtok_r(NULL, " ", &save)) {
        if (want->n == LISTEN_MAX)
            break;
        struct listen_addr *la = &want->a[want->n];
        optional[want->n] = a[0] == '-';
        snprintf(la->addr, sizeof(la->addr), "%s", a + optional[want->n]);
        la->port = port;
        la->tls = tls;
        la->fd = -1;
        want->n++;
    }
}

/* port's addresses, then tls-port's; 0 turns either off, as in Redis. */
static void want_all(struct listen_set *want, bool *optional)
{
    want->n = 0;
    if (server.cfg.port != 0)
        want_port(want, (int)server.cfg.port, false, optional);
    if (server.cfg.tls_port != 0)
        want_port(want, (int)server.cfg.tls_port, true, optional);
}

/* As Redis logs it; start-up then gives up (`aborting`). */
static void log_failure(const struct listen_addr *la, const char *why, bool aborting)
{
    log_warning("Warning: Could not create server TCP listening socket %s:%d: %s", la->addr,
                la->port, why);
    if (aborting)
        log_warning("Failed listening on port %d (%s), aborting.", la->port,
                    la->tls ? "TLS" : "TCP");
}

static bool listed_before(const struct listen_set *want, int i)
{
    for (int j = 0; j < i; j++)
        if (listen_addr_same(&want->a[j], &want->a[i]))
            return true;
    return false;
}

/* Loop l's socket on a new address: the first binds alone, the others
 * join it. */
static int open_for_loop(const struct listen_addr *la, unsigned l, char *why, size_t cap)
{
    return l == 0 ? open_first(la, why, cap) : open_tcp(la->addr, la->port, true, why, cap);
}

/* Open, for every loop, the sockets of `want` not listened on already;
 * sets[l] becomes loop l's new set. An optional address this machine does
 * not have is dropped from `want`. All or nothing; `starting` says a
 * failure stops start-up. */
static int open_sets(struct listen_set *want, const bool *optional, struct listen_set *sets,
                     unsigned nloops, bool starting)
{
    char why[256];
    int kept = 0;
    for (unsigned l = 0; l < nloops; l++)
        sets[l].n = 0;
    for (int i = 0; i < want->n; i++) {
        if (listed_before(want, i)) { /* bind names it twice: the second bind fails in Redis */
            log_failure(&want->a[i], "bind: Address already in use", starting);
            close_new_sockets(sets, nloops);
            return -EADDRINUSE;
        }
        struct listen_addr la = want->a[i];
        bool have = in_current(&la);
        for (unsigned l = 0; l < nloops; l++) {
            la.fd = have ? -1 : open_for_loop(&la, l, why, sizeof(why));
            if (!have && la.fd == -EADDRNOTAVAIL && optional[i] && l == 0)
                break; /* not an address of this machine: skipped */
            if (!have && la.fd < 0) {
                log_failure(&la, why, starting);
                close_new_sockets(sets, nloops);
                return la.fd;
            }
            sets[l].a[sets[l].n++] = la;
            if (l == nloops - 1) {
                la.fd = -1;
                want->a[kept++] = la;
            }
        }
    }
    want->n = kept;
    return 0;
}

/* ---- the unix socket --------------------------------------------------------- */

/* As Redis's anetUnixServer, after removing whatever the path held. */
static int open_unix(const char *path, mode_t perm, char *why, size_t cap)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(why, cap, "unixsocket path too long: at most %zu bytes",
                 sizeof(sa.sun_path) - 1);
        return -ENAMETOOLONG;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    unlink(path); /* a file left by an earlier run; failure does not matter */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, cap, "socket: %s", strerror(errno));
        return -errno;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return give_up(fd, "bind", why, cap);
    if (perm != 0 && chmod(path, perm) < 0)
        return give_up(fd, "chmod", why, cap);
    if (listen(fd, (int)server.cfg.tcp_backlog) < 0)
        return give_up(fd, "listen", why, cap);
    return fd;
}

/* ---- start-up, exit, changes ------------------------------------------------- */

int listeners_open(unsigned nloops)
{
    const char *path = server.cfg.unixsocket;
    if (server.cfg.port == 0 && server.cfg.tls_port == 0 && path[0] == '\0') {
        log_warning("Configured to not listen anywhere, exiting.");
        return -EINVAL;
    }
    bool optional[LISTEN_MAX];
    struct listen_set want;
    want_all(&want, optional);
    struct listen_set *sets = calloc(nloops, sizeof(*sets));
    if (sets == NULL)
        return -ENOMEM;
    int rc = open_sets(&want, optional, sets, nloops, true);
    for (unsigned l = 0; l < nloops && rc == 0; l++)
        rc = worker_loop_set_listeners(l, &sets[l]);
    free(sets);
    if (rc < 0)
        return rc;
    current = want;
    if (path[0] == '\0')
        return 0;
    char why[256];
    unix_fd = open_unix(path, (mode_t)server.cfg.unixsocketperm, why, sizeof(why));
    if (unix_fd < 0) {
        log_warning("Failed opening Unix socket: %s", why);
        return unix_fd;
    }
    return worker_loop_set_unix_listener(unix_fd);
}

void listeners_close(bool announce)
{
    current.n = 0;
    if (unix_fd < 0)
        return;
    close(unix_fd);
    unix_fd = -1;
    if (announce)
        log_notice("Removing the unix socket file.");
    if (unlink(server.cfg.unixsocket) != 0)
        log_warning("Error removing the unix socket file: %s", strerror(errno));
}

int listeners_apply(void)
{
    unsigned nloops = worker_count();
    bool optional[LISTEN_MAX];
    struct listen_set want;
    want_all(&want, optional);
    struct listen_set **sets = calloc(nloops, sizeof(*sets));
    struct listen_set *opened = calloc(nloops, sizeof(*opened));
    int rc = sets != NULL && opened != NULL ? 0 : -ENOMEM;
    for (unsigned l = 0; l < nloops && rc == 0; l++)
        if ((sets[l] = worker_loop_listen_msg_create()) == NULL)
            rc = -ENOMEM;
    if (rc == 0)
        rc = open_sets(&want, optional, opened, nloops, false);
    for (unsigned l = 0; l < nloops && sets != NULL; l++) {
        if (rc == 0) {
            *sets[l] = opened[l];
            worker_loop_listen_msg_post(l, sets[l]);
        } else {
            worker_loop_listen_msg_destroy(sets[l]);
        }
    }
    if (rc == 0)
        current = want;
    free(sets);
    free(opened);
    return rc;
}
