/*
 * monitor.c - MONITOR's registry and feed (see monitor.h).
 */
#include "monitor.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "client.h"
#include "command.h"
#include "repr.h"
#include "resp.h"
#include "worker.h"


struct monitor {
    uint64_t client_id;
    struct worker *worker;
};

/* A line on its way to one monitor: freed by the worker. */
struct monitor_line {
    struct worker_msg msg; /* first, so freeing the message frees the line */
    uint64_t client_id;
    size_t len;
    char text[];
};

atomic_uint monitor__count;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct monitor *monitors; /* registry_lock */
static size_t nmonitors, cap;

int monitor_add(struct client *c)
{
    if (c->worker == NULL) /* a test's or the fuzzer's client: no queue to send lines to */
        return -ENOTCONN;
    pthread_mutex_lock(&registry_lock);
    if (nmonitors == cap) {
        size_t ncap = cap ? cap * 2 : 4;
        struct monitor *m = realloc(monitors, ncap * sizeof(*m));
        if (m == NULL) {
            pthread_mutex_unlock(&registry_lock);
            return -ENOMEM;
        }
        monitors = m;
        cap = ncap;
    }
    monitors[nmonitors++] = (struct monitor){c->id, c->worker};
    atomic_store_explicit(&monitor__count, (unsigned)nmonitors, memory_order_relaxed);
    pthread_mutex_unlock(&registry_lock);
    c->flags |= CLIENT_MONITOR;
    return 0;
}

void monitor_remove(struct client *c)
{
    if (!(c->flags & CLIENT_MONITOR))
        return;
    c->flags &= ~(uint32_t)CLIENT_MONITOR;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < nmonitors; i++) {
        if (monitors[i].client_id == c->id) {
            memmove(&monitors[i], &monitors[i + 1], (nmonitors - i - 1) * sizeof(*monitors));
            nmonitors--;
            break;
        }
    }
    atomic_store_explicit(&monitor__count, (unsigned)nmonitors, memory_order_relaxed);
    if (nmonitors == 0) {
        free(monitors);
        monitors = NULL;
        cap = 0;
    }
    pthread_mutex_unlock(&registry_lock);
}

/* The status line for the command, malloc'd; NULL when out of memory. */
static char *format_line(const struct client *c, int db, bool from_script,
                         const struct resp_arg *argv, size_t argc, size_t *len)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    size_t size = 64 + CLIENT_ADDR_LEN + 2; /* "+sec.usec [db unix:client]" and CRLF */
    for (size_t i = 0; i < argc; i++)
        size += 1 + REPR_MAX(command_arg_shown(argv, argc, i).len);
    char *line = malloc(size);
    if (line == NULL)
        return NULL;
    /* A unix client is "unix:path", as Redis's replicationFeedMonitors. */
    bool unix_client = !from_script && (c->flags & CLIENT_UNIX_SOCKET);
    size_t n = (size_t)snprintf(line, size, "+%lld.%06ld [%d %s%.*s]", (long long)tv.tv_sec,
                                (long)tv.tv_usec, db, unix_client ? "unix:" : "",
                                unix_client ? (int)(strlen(c->addr) - 2) : INT_MAX,
                                from_script ? "lua" : c->addr);
    for (size_t i = 0; i < argc; i++) {
        struct resp_arg shown = command_arg_shown(argv, argc, i);
        line[n++] = ' ';
        n += repr_write(line + n, shown.ptr, shown.len);
    }
    line[n++] = '\r';
    line[n++] = '\n';
    *len = n;
    return line;
}

static void line_deliver_cb(struct worker *w, struct worker_msg *m)
{
    struct monitor_line *l = (struct monitor_line *)m;
    struct client *c = worker_find_client(w, l->client_id);
    if (c == NULL || !(c->flags & CLIENT_MONITOR) || !client_can_push(c))
        return;
    resp_add_raw(&c->out, l->text, l->len);
    client_wake(c);
}

static void post_line(const struct monitor *m, const char *text, size_t len)
{
    struct monitor_line *l = malloc(sizeof(*l) + len);
    if (l == NULL)
        return; /* the monitor misses a line, as a slow one would be cut off in Redis */
    memset(&l->msg, 0, sizeof(l->msg));
    l->msg.deliver_cb = line_deliver_cb;
    l->client_id = m->client_id;
    l->len = len;
    memcpy(l->text, text, len);
    worker_post(m->worker, &l->msg);
}

void monitor_feed(const struct client *c, int db, bool from_script,
                  const struct resp_arg *argv, size_t argc)
{
    size_t len;
    char *line = format_line(c, db, from_script, argv, argc, &len);
    if (line == NULL)
        return;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < nmonitors; i++)
        post_line(&monitors[i], line, len);
    pthread_mutex_unlock(&registry_lock);
    free(line);
}
