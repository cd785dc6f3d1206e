/*
 * obuf_limit.c - client-output-buffer-limit's normal and pubsub classes
 * (see obuf_limit.h).
 */
#include "obuf_limit.h"

#include <stdatomic.h>

#include "client.h"
#include "pubsub.h"
#include "server.h"

/* config.h's classes, in client-output-buffer-limit's order. */
enum { CLASS_NORMAL = 0, CLASS_PUBSUB = 2 };
enum { LIMIT_HARD = 0, LIMIT_SOFT = 1, LIMIT_SECONDS = 2 };

/* Redis keeps up to 16 KB of replies in a client's own buffer, outside
 * what its limits count, and lets a client that has to authenticate
 * leave 1 KB more unread. */
#define UNAUTH_UNREAD_MAX (16 * 1024 + 1024)

/* Redis's getClientType: a subscriber is judged as pubsub (a MONITOR as
 * normal). */
static int class_of(const struct client *c)
{
    return pubsub_client_subscribed(c) ? CLASS_PUBSUB : CLASS_NORMAL;
}

static long long limit_of(int class, int which)
{
    return atomic_load_explicit(&server.cfg.obuf_limits[class][which], memory_order_relaxed);
}

size_t obuf_limit_hard(const struct client *c)
{
    return (size_t)limit_of(class_of(c), LIMIT_HARD);
}

/* Over the soft limit since when: past its seconds, the client goes. */
static bool soft_limit_expired(int class, size_t used, long long *since_ms)
{
    long long soft = limit_of(class, LIMIT_SOFT);
    if (soft <= 0 || (long long)used < soft) {
        *since_ms = 0;
        return false;
    }
    long long now_ms = server_mstime();
    if (*since_ms == 0) {
        *since_ms = now_ms;
        return false;
    }
    return now_ms - *since_ms > limit_of(class, LIMIT_SECONDS) * 1000;
}

bool obuf_limit_reached(const struct client *c, size_t used, long long *soft_since_ms)
{
    if (used > UNAUTH_UNREAD_MAX && client_auth_required(c))
        return true;
    int class = class_of(c);
    long long hard = limit_of(class, LIMIT_HARD);
    if (hard > 0 && (long long)used >= hard)
        return true;
    return soft_limit_expired(class, used, soft_since_ms);
}
