/*
 * slowlog.c - SLOWLOG's entries (see slowlog.h): a ring of the newest
 * slowlog-max-len, each one allocation holding its arguments.
 */
#include "slowlog.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "command.h"
#include "resp.h"
#include "server.h"

#define MAX_ARGC 32    /* Redis's SLOWLOG_ENTRY_MAX_ARGC */
#define MAX_STRING 128 /* Redis's SLOWLOG_ENTRY_MAX_STRING */
#define NOTE_MAX 48    /* "... (N more arguments)" */

struct slowlog_entry {
    long long id, time, duration_us;
    char addr[CLIENT_ADDR_LEN];
    char *name; /* inside the allocation */
    size_t argc;
    struct resp_arg argv[]; /* their bytes after them, then the name */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slowlog_entry **ring; /* newest at head - 1 */
static size_t ring_cap, ring_len, head;
static long long next_id;

/* Whether a command of `ticks` ran `limit_us` or longer (its duration in
 * *us then). The last known tick rate settles most commands without the
 * two clock reads an exact rate costs. */
static bool was_slow(long long ticks, long long limit_us, long long *us)
{
    if ((double)server_ticks_to_ns(ticks) * 1.25 < (double)limit_us * 1000.0)
        return false;
    *us = (long long)((double)ticks * server_ns_per_tick() / 1000.0);
    return *us >= limit_us;
}

/* Argument i as the entry keeps it: `head`, the argument's first bytes
 * (redacted as MONITOR shows it), then `note`, how much was left out. */
struct shown {
    struct resp_arg head;
    char note[NOTE_MAX];
    size_t note_len;
};

static void shown_arg(const struct resp_arg *argv, size_t argc, size_t i, struct shown *s)
{
    s->note_len = 0;
    if (argc > MAX_ARGC && i == MAX_ARGC - 1) {
        s->head = (struct resp_arg){"", 0};
        s->note_len = (size_t)snprintf(s->note, NOTE_MAX, "... (%zu more arguments)",
                                       argc - MAX_ARGC + 1);
        return;
    }
    s->head = command_arg_shown(argv, argc, i);
    if (s->head.len > MAX_STRING) {
        s->note_len = (size_t)snprintf(s->note, NOTE_MAX, "... (%zu more bytes)",
                                       s->head.len - MAX_STRING);
        s->head.len = MAX_STRING;
    }
}

static struct slowlog_entry *entry_create(const struct client *c, bool from_script,
                                  const struct resp_arg *argv, size_t argc, long long us)
{
    struct shown shown[MAX_ARGC];
    size_t kept = argc > MAX_ARGC ? MAX_ARGC : argc;
    const char *name = from_script || c->name == NULL ? "" : c->name;
    size_t bytes = sizeof(struct slowlog_entry) + kept * sizeof(struct resp_arg) + strlen(name) + 1;
    for (size_t i = 0; i < kept; i++) {
        shown_arg(argv, argc, i, &shown[i]);
        bytes += shown[i].head.len + shown[i].note_len;
    }
    struct slowlog_entry *e = malloc(bytes);
    if (e == NULL)
        return NULL;
    e->time = (long long)time(NULL);
    e->duration_us = us;
    snprintf(e->addr, sizeof(e->addr), "%s", from_script ? "?:0" : c->addr);
    e->argc = kept;
    char *p = (char *)&e->argv[kept];
    for (size_t i = 0; i < kept; i++) {
        memcpy(p, shown[i].head.ptr, shown[i].head.len);
        memcpy(p + shown[i].head.len, shown[i].note, shown[i].note_len);
        e->argv[i] = (struct resp_arg){p, shown[i].head.len + shown[i].note_len};
        p += e->argv[i].len;
    }
    e->name = strcpy(p, name);
    return e;
}

/* Keep at most `max` entries, dropping the oldest. Lock held. */
static void trim(size_t max)
{
    while (ring_len > max) {
        size_t oldest = (head + ring_cap - ring_len) % ring_cap;
        free(ring[oldest]);
        ring[oldest] = NULL;
        ring_len--;
    }
}

/* Room for one more entry: the ring doubles up to `max` as the log
 * grows (slowlog-max-len may be huge while the log stays short). Lock
 * held. */
static bool make_room(size_t max)
{
    if (ring_len < ring_cap)
        return true;
    size_t cap = ring_cap ? ring_cap * 2 : 16;
    if (cap > max)
        cap = max;
    struct slowlog_entry **bigger = calloc(cap, sizeof(*bigger));
    if (bigger == NULL)
        return false;
    for (size_t i = 0; i < ring_len; i++) /* oldest first, to 0.. */
        bigger[i] = ring[(head + ring_cap - ring_len + i) % ring_cap];
    free(ring);
    ring = bigger;
    ring_cap = cap;
    head = ring_len % cap;
    return true;
}

/* Whether a command of `ticks` is to be logged now (its duration in *us). */
static bool to_log(long long ticks, long long *us)
{
    long long limit = server.cfg.slowlog_log_slower_than;
    return limit >= 0 && server.cfg.slowlog_max_len > 0 && was_slow(ticks, limit, us);
}

/* The newest entry from now on (it takes e, which may be NULL: out of
 * memory, the entry is lost and nothing else). */
static void insert(struct slowlog_entry *e)
{
    long long max = server.cfg.slowlog_max_len;
    if (e == NULL || max <= 0) {
        free(e);
        return;
    }
    pthread_mutex_lock(&lock);
    trim((size_t)max - 1);
    if (!make_room((size_t)max)) {
        pthread_mutex_unlock(&lock);
        free(e);
        return;
    }
    e->id = next_id++;
    ring[head] = e;
    head = (head + 1) % ring_cap;
    ring_len++;
    pthread_mutex_unlock(&lock);
}

void slowlog_consider(const struct client *c, bool from_script, const struct resp_arg *argv,
                      size_t argc, long long ticks)
{
    long long us = 0;
    if (to_log(ticks, &us))
        insert(entry_create(c, from_script, argv, argc, us));
}

struct slowlog_entry *slowlog_keep(const struct client *c, const struct resp_arg *argv,
                                   size_t argc)
{
    if (server.cfg.slowlog_log_slower_than < 0 || server.cfg.slowlog_max_len <= 0)
        return NULL; /* off now: an entry per blocked client would be for nothing */
    return entry_create(c, false, argv, argc, 0);
}

void slowlog_consider_kept(struct slowlog_entry *e, long long ticks)
{
    long long us = 0;
    if (e == NULL || !to_log(ticks, &us)) {
        free(e);
        return;
    }
    e->time = (long long)time(NULL);
    e->duration_us = us;
    insert(e);
}

void slowlog_drop_kept(struct slowlog_entry *e)
{
    free(e);
}

static void reply_entry(struct resp_out *out, const struct slowlog_entry *e)
{
    resp_add_array_len(out, 6);
    resp_add_integer(out, e->id);
    resp_add_integer(out, e->time);
    resp_add_integer(out, e->duration_us);
    resp_add_array_len(out, e->argc);
    for (size_t i = 0; i < e->argc; i++)
        resp_add_bulk(out, e->argv[i].ptr, e->argv[i].len);
    resp_add_bulk_cstr(out, e->addr);
    resp_add_bulk_cstr(out, e->name);
}

void slowlog_reply(struct resp_out *out, long long count)
{
    pthread_mutex_lock(&lock);
    size_t n = count < 0 || (unsigned long long)count > ring_len ? ring_len : (size_t)count;
    resp_add_array_len(out, n);
    for (size_t i = 0; i < n; i++) /* newest first */
        reply_entry(out, ring[(head + ring_cap - 1 - i) % ring_cap]);
    pthread_mutex_unlock(&lock);
}

size_t slowlog_len(void)
{
    pthread_mutex_lock(&lock);
    size_t n = ring_len;
    pthread_mutex_unlock(&lock);
    return n;
}

void slowlog_reset(void)
{
    pthread_mutex_lock(&lock);
    trim(0);
    pthread_mutex_unlock(&lock);
}
