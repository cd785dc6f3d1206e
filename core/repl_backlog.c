/*
 * repl_backlog.c - the replication backlog's ring; see repl_backlog.h.
 */
#include "repl_backlog.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t slot_of(const struct repl_backlog *b, long long byte)
{
    return (size_t)((byte - 1) % (long long)b->size);
}

int repl_backlog_init(struct repl_backlog *b, size_t size, long long offset)
{
    assert(size > 0 && offset >= 0);
    b->ring = malloc(size);
    if (b->ring == NULL)
        return -ENOMEM;
    b->size = size;
    b->offset = offset;
    b->histlen = 0;
    return 0;
}

void repl_backlog_deinit(struct repl_backlog *b)
{
    free(b->ring);
    b->ring = NULL;
}

void repl_backlog_append(struct repl_backlog *b, const void *p, size_t n)
{
    const char *src = p;
    /* Of more than a ring's worth, only the last ring's worth stays. */
    if (n > b->size) {
        b->offset += (long long)(n - b->size);
        src += n - b->size;
        n = b->size;
    }
    for (size_t done = 0; done < n;) {
        size_t at = slot_of(b, b->offset + 1);
        size_t chunk = b->size - at < n - done ? b->size - at : n - done;
        memcpy(b->ring + at, src + done, chunk);
        done += chunk;
        b->offset += (long long)chunk;
    }
    b->histlen += (long long)n;
    if (b->histlen > (long long)b->size)
        b->histlen = (long long)b->size;
}

long long repl_backlog_first(const struct repl_backlog *b)
{
    return b->offset - b->histlen + 1;
}

bool repl_backlog_holds(const struct repl_backlog *b, long long from)
{
    return from >= repl_backlog_first(b) && from <= b->offset + 1;
}

size_t repl_backlog_read(const struct repl_backlog *b, long long from,
                         struct repl_backlog_slice out[2])
{
    assert(repl_backlog_holds(b, from));
    size_t n = 0;
    while (from <= b->offset) {
        size_t at = slot_of(b, from);
        size_t want = (size_t)(b->offset - from + 1);
        size_t len = b->size - at < want ? b->size - at : want;
        out[n++] = (struct repl_backlog_slice){b->ring + at, len};
        from += (long long)len;
    }
    return n;
}

int repl_backlog_resize(struct repl_backlog *b, size_t size)
{
    struct repl_backlog grown;
    struct repl_backlog_slice s[2];
    long long keep = b->histlen < (long long)size ? b->histlen : (long long)size;
    if (repl_backlog_init(&grown, size, b->offset - keep) < 0)
        return -ENOMEM;
    size_t n = keep > 0 ? repl_backlog_read(b, b->offset - keep + 1, s) : 0;
    for (size_t i = 0; i < n; i++)
        repl_backlog_append(&grown, s[i].p, s[i].len);
    repl_backlog_deinit(b);
    *b = grown;
    return 0;
}
