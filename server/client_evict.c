/*
 * client_evict.c - client eviction (maxmemory-clients); see client_evict.h.
 *
 * Accounting. Each client keeps what it adds to its loop's total
 * (evict_counted); the owner changes it when the memory it publishes
 * changes, which for a client repeating small requests is never, so the
 * hot path pays a compare. Every change is an exchange on the client's
 * value and the difference added to the loop's slot, so a slot is always
 * the sum of its clients' values, even when an evictor on another thread
 * zeroes a victim's at the same time as its owner updates it. Slots are a
 * cache line each, written by their loop (and by evictors, rarely).
 *
 * Choosing. Redis keeps its clients in buckets by the power of two of
 * their memory (32 KB and under in the first, 8 GB and over in the last)
 * and evicts from the biggest bucket down, each bucket in the order its
 * clients came in, until the total is under the limit. Here two passes
 * over the registry, under its lock, do the same without keeping the
 * buckets up to date on every change: the first sums each bucket and
 * finds the last bucket eviction has to reach; the second evicts every
 * client of the buckets above it, and that bucket's clients in registry
 * order until enough is freed. So the work is O(clients), and it is done
 * only while the total is at or over the limit.
 *
 * Bounded work. When the limit cannot be met (every big client is
 * NO-EVICT or a replica), the checks after each batch of requests would
 * scan again and again for nothing: until the total falls under the limit
 * again, they skip while the total is no more than after that futile scan
 * and the limit is the same; the cron scans once a tick.
 *
 * Who is evicted when. A check never runs inside a command (its callers
 * run it after writing a client's replies, and from the cron), so a
 * client is evicted between commands, after the reply of the one that
 * grew it was handed to the kernel, as Redis evicts in beforeSleep after
 * its writes. A victim is killed as CLIENT KILL kills: gone for CLIENT
 * LIST and the total at once, closed by its own loop.
 */
#include "client_evict.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "command.h"
#include "log.h"
#include "resp.h"
#include "server.h"
#include "worker.h"

#define EVICT_SLOTS 64               /* loop totals; loop i adds to slot i % EVICT_SLOTS */
#define EVICT_MIN_LIMIT (128 * 1024) /* Redis's floor for maxmemory-clients */
#define EVICT_BUCKET_MIN_LOG 15      /* Redis's CLIENT_MEM_USAGE_BUCKET_MIN_LOG: 32 KB */
#define EVICT_BUCKET_MAX_LOG 33      /* ... MAX_LOG: 8 GB */
#define EVICT_BUCKETS (EVICT_BUCKET_MAX_LOG - EVICT_BUCKET_MIN_LOG + 1)

struct evict_slot {
    _Alignas(64) atomic_size_t bytes;
};

static struct evict_slot slots[EVICT_SLOTS];
static atomic_llong evicted;
/* The total and limit of the last scan that could not get under the limit. */
static atomic_size_t futile_total, futile_limit;

/* ---- accounting -------------------------------------------------------------- */

/* Redis's getClientType: replicas are neither counted nor evicted. Nor
 * is a client already on its way out (killed, or over its output buffer
 * limit and closed once its loop flushes it): Redis takes a client it
 * frees asynchronously out of eviction, so a limit that closes one
 * client does not evict another as well. */
static bool counts(const struct client *c)
{
    return c->worker != NULL && !(c->flags & (CLIENT_REPLICA | CLIENT_CLOSE_ASAP)) &&
           !c->out.overflow && !atomic_load(&c->killed);
}

static void set_counted(struct client *c, size_t mem)
{
    size_t old = atomic_exchange_explicit(&c->evict_counted, mem, memory_order_relaxed);
    struct evict_slot *s = &slots[c->worker->id % EVICT_SLOTS];
    /* Unsigned wrap-around: adding (mem - old) subtracts when it shrank. */
    atomic_fetch_add_explicit(&s->bytes, mem - old, memory_order_relaxed);
}

void client_evict_account(struct client *c, size_t mem)
{
    if (c->worker == NULL)
        return;
    if (!counts(c))
        mem = 0;
    if (atomic_load_explicit(&c->evict_counted, memory_order_relaxed) != mem)
        set_counted(c, mem);
}

void client_evict_forget(struct client *c)
{
    if (c->worker != NULL)
        set_counted(c, 0);
}

size_t client_evict_total(void)
{
    size_t total = 0;
    for (unsigned i = 0; i < EVICT_SLOTS && i < worker_count(); i++)
        total += atomic_load_explicit(&slots[i].bytes, memory_order_relaxed);
    return total;
}

size_t client_evict_limit(void)
{
    long long setting = atomic_load_explicit(&server.cfg.maxmemory_clients, memory_order_relaxed);
    long long maxmemory = atomic_load_explicit(&server.cfg.maxmemory, memory_order_relaxed);
    unsigned long long limit;
    if (setting > 0)
        limit = (unsigned long long)setting;
    else if (setting < 0 && maxmemory > 0)
        limit = (unsigned long long)((double)maxmemory * (double)-setting / 100);
    else
        return 0;
    if (limit > SIZE_MAX)
        limit = SIZE_MAX;
    return limit < EVICT_MIN_LIMIT ? EVICT_MIN_LIMIT : (size_t)limit;
}

long long client_evict_count(void)
{
    return atomic_load(&evicted);
}

void client_evict_reset_count(void)
{
    atomic_store(&evicted, 0);
}

/* ---- choosing and evicting --------------------------------------------------- */

/* Redis's clientEvictionAllowed, from what the client last published. */
static bool evictable(const struct client *c)
{
    uint32_t flags = atomic_load_explicit(&c->view.flags, memory_order_relaxed);
    return c->worker != NULL && !c->killed && !(flags & (CLIENT_NO_EVICT | CLIENT_REPLICA));
}

/* Redis's getMemUsageBucket: the bucket of the power of two of `mem`. */
static unsigned bucket_of(size_t mem)
{
    int bits = mem > 0 ? 64 - __builtin_clzll((unsigned long long)mem) : 0;
    if (bits > EVICT_BUCKET_MAX_LOG)
        bits = EVICT_BUCKET_MAX_LOG;
    if (bits < EVICT_BUCKET_MIN_LOG)
        bits = EVICT_BUCKET_MIN_LOG;
    return (unsigned)(bits - EVICT_BUCKET_MIN_LOG);
}

static void evict(struct client *c, long long now_ms)
{
    struct resp_out line;
    resp_out_init(&line, 2);
    client_describe(&line, c, now_ms);
    if (line.len > 0 && line.data[line.len - 1] == '\n')
        line.len--;
    log_notice("Evicting client: %.*s", (int)line.len, line.data ? line.data : "");
    resp_out_deinit(&line);
    client_kill(c); /* its memory leaves the total now */
    atomic_fetch_add(&evicted, 1);
}

/* The plan of one scan: evict every client of the buckets above `last`,
 * and of bucket `last` clients in registry order until `from_last` bytes
 * are freed. */
struct evict_plan {
    unsigned last;
    size_t from_last;
    bool enough; /* evicting by the plan gets under the limit */
};

/* First pass: each bucket's evictable bytes, then how far down eviction
 * must go to free `need` bytes. Registry lock held. */
static struct evict_plan plan(size_t need)
{
    size_t sums[EVICT_BUCKETS] = {0};
    for (struct client *c = client_registry_first(); c != NULL; c = c->reg_next) {
        if (!evictable(c))
            continue;
        size_t mem = atomic_load(&c->evict_counted);
        sums[bucket_of(mem)] += mem;
    }
    struct evict_plan p = {.last = 0, .from_last = SIZE_MAX, .enough = false};
    size_t above = 0;
    for (unsigned b = EVICT_BUCKETS; b-- > 0;) {
        if (above + sums[b] >= need) {
            p = (struct evict_plan){.last = b, .from_last = need - above, .enough = true};
            break;
        }
        above += sums[b];
    }
    return p;
}

/* Second pass. Registry lock held. */
static void carry_out(const struct evict_plan *p, long long now_ms)
{
    size_t freed_last = 0;
    for (struct client *c = client_registry_first(); c != NULL; c = c->reg_next) {
        if (!evictable(c))
            continue;
        size_t mem = atomic_load(&c->evict_counted);
        unsigned b = bucket_of(mem);
        if (b < p->last || (b == p->last && freed_last >= p->from_last))
            continue;
        if (b == p->last)
            freed_last += mem;
        evict(c, now_ms);
    }
}

/* Registry lock held, so scans do not overlap and see each other's
 * victims gone from the total. */
static void evict_over_limit(size_t limit)
{
    size_t total = client_evict_total();
    if (total < limit)
        return;
    struct evict_plan p = plan(total - limit + 1);
    carry_out(&p, server_mstime());
    if (p.enough) {
        atomic_store(&futile_limit, 0);
        return;
    }
    if (atomic_load(&futile_limit) != limit)
        log_warning("Over client maxmemory after evicting all evictable clients");
    atomic_store(&futile_total, client_evict_total());
    atomic_store(&futile_limit, limit);
}

/* `retry`: scan even if the last scan at this total and limit was futile. */
static void check(bool retry)
{
    size_t limit = client_evict_limit();
    if (limit == 0)
        return;
    size_t total = client_evict_total();
    if (total < limit) {
        if (atomic_load_explicit(&futile_limit, memory_order_relaxed) != 0)
            atomic_store(&futile_limit, 0); /* under it again: the next excess is new */
        return;
    }
    if (!retry && total <= atomic_load(&futile_total) && limit == atomic_load(&futile_limit))
        return;
    client_registry_lock();
    evict_over_limit(limit);
    client_registry_unlock();
}

void client_evict_check(void)
{
    if (atomic_load_explicit(&server.cfg.maxmemory_clients, memory_order_relaxed) != 0)
        check(false);
}

void client_evict_cron(void)
{
    check(true);
}
