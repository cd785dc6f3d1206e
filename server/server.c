/*
 * server.c - the bottom layer: the global state, the clock, error
 * statistics and the memory gauge; see server.h.
 */
#include "server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "alloc.h"
#include "client_evict.h"
#include "keyspace.h"
#include "replication.h"
#include "stats.h"

struct server server;

/* ---- identities ----------------------------------------------------------- */

static pthread_mutex_t replid_lock = PTHREAD_MUTEX_INITIALIZER;

void server_random_id(char out[41])
{
    unsigned char raw[20];
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        memset(raw, 0, sizeof(raw));
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

void server_replid(char out[41])
{
    pthread_mutex_lock(&replid_lock);
    memcpy(out, server.replid, 41);
    pthread_mutex_unlock(&replid_lock);
}

void server_change_replid(void)
{
    char id[41];
    server_random_id(id);
    pthread_mutex_lock(&replid_lock);
    memcpy(server.replid, id, 41);
    pthread_mutex_unlock(&replid_lock);
}

void server_set_replid(const char *id)
{
    pthread_mutex_lock(&replid_lock);
    memcpy(server.replid, id, 40);
    server.replid[40] = '\0';
    pthread_mutex_unlock(&replid_lock);
}

long long server_mstime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void server_debug_delay(long long usec)
{
    if (usec < 0)
        usec = rand() % -usec == 0 ? 1 : 0;
    if (usec > 0)
        usleep((useconds_t)usec);
}

long long server_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Command timing (INFO commandstats) reads a clock twice per command:
 * 2 x 28 ns through the vDSO on the machine we measure on, against 2 x 11 ns
 * for the TSC, a tenth of a pipelined GET's user time. So where the TSC is
 * invariant (constant_tsc and nonstop_tsc, what Redis's monotonic.c asks
 * of it too) commands are timed in TSC ticks, turned into nanoseconds only
 * when INFO reads them, at the rate between a reading of both clocks at
 * start-up and one at that moment. Elsewhere a tick is a nanosecond. */
static bool ticks_are_tsc;
static long long ticks_start, ticks_start_ns;
/* The last rate server_ns_per_tick measured, for server_ticks_to_ns: the
 * TSC's rate is constant, so the estimate only sharpens as time passes. */
static _Atomic double ns_per_tick_seen;

static bool tsc_invariant(void)
{
#if defined(__x86_64__) || defined(__i386__)
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    bool found = false;
    if (f == NULL)
        return false;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "flags", 5) == 0) {
            found = strstr(line, " constant_tsc") != NULL && strstr(line, " nonstop_tsc") != NULL;
            break;
        }
    }
    fclose(f);
    return found;
#else
    return false;
#endif
}

void server_ticks_init(void)
{
    ticks_are_tsc = tsc_invariant();
    ticks_start_ns = server_monotonic_ns();
    ticks_start = server_ticks();
}

long long server_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
    if (ticks_are_tsc)
        return (long long)__rdtsc();
#endif
    return server_monotonic_ns();
}

double server_ns_per_tick(void)
{
    if (!ticks_are_tsc)
        return 1.0;
    long long elapsed = server_ticks() - ticks_start;
    long long elapsed_ns = server_monotonic_ns() - ticks_start_ns;
    double rate = elapsed > 0 ? (double)elapsed_ns / (double)elapsed : 0.0;
    atomic_store_explicit(&ns_per_tick_seen, rate, memory_order_relaxed);
    return rate;
}

long long server_ticks_to_ns(long long ticks)
{
    double rate = atomic_load_explicit(&ns_per_tick_seen, memory_order_relaxed);
    if (rate <= 0)
        rate = server_ns_per_tick();
    return (long long)((double)ticks * rate);
}

/* ---- memory ------------------------------------------------------------------ */

static long long resident_bytes(void)
{
    long long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%lld %lld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

long long server_used_memory(void)
{
    long long used = alloc_allocated();
    /* An allocator that does not report to mallinfo (a sanitizer's): the
     * resident size is the nearest figure. */
    return used > 0 ? used : resident_bytes();
}

long long server_resident_memory(void)
{
    return resident_bytes();
}

long long server_memory_for_maxmemory(void)
{
    long long backlog, repl_total;
    repl_memory(&backlog, &repl_total);
    return server_used_memory() - (repl_total - backlog);
}

bool server_over_maxmemory(void)
{
    long long max = server.cfg.maxmemory;
    return max > 0 && atomic_load_explicit(&server.used_memory, memory_order_relaxed) > max;
}

long long server_peak_memory(void)
{
    long long used = server_used_memory();
    atomic_store_explicit(&server.used_memory, server_memory_for_maxmemory(),
                          memory_order_relaxed);
    long long peak = atomic_load(&server.peak_memory);
    while (used > peak && !atomic_compare_exchange_weak(&server.peak_memory, &peak, used))
        ;
    return used > peak ? used : peak;
}

/* ---- error statistics ------------------------------------------------------ */

#define ERROR_STATS_MAX 128 /* distinct codes, as Redis's ERROR_STATS_NUMBER */
#define ERROR_CODE_MAX 32

static pthread_mutex_t errors_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char code[ERROR_CODE_MAX];
    long long count;
} error_stats[ERROR_STATS_MAX];
static size_t error_stats_len;
static atomic_llong total_error_replies;

void server_count_error(const char *reply, size_t len)
{
    /* "-CODE text": the code ends at the first space in the first 32
     * bytes; without one Redis falls back to ERR. */
    const char *code = "ERR";
    size_t n = 3;
    const char *space = len > 1 ? memchr(reply + 1, ' ', (len < 32 ? len : 32) - 1) : NULL;
    if (space != NULL && space > reply + 1) {
        code = reply + 1;
        n = (size_t)(space - code);
    }
    atomic_fetch_add(&total_error_replies, 1);
    pthread_mutex_lock(&errors_lock);
    size_t i = 0;
    while (i < error_stats_len && !(strlen(error_stats[i].code) == n &&
                                     memcmp(error_stats[i].code, code, n) == 0))
        i++;
    if (i == error_stats_len && i < ERROR_STATS_MAX) {
        memcpy(error_stats[i].code, code, n);
        error_stats[i].code[n] = '\0';
        error_stats[i].count = 0;
        error_stats_len++;
    }
    if (i < error_stats_len)
        error_stats[i].count++;
    pthread_mutex_unlock(&errors_lock);
}

long long server_total_error_replies(void)
{
    return atomic_load(&total_error_replies);
}

static int compare_codes(const void *a, const void *b)
{
    return strcmp(a, b);
}

void server_foreach_error(void (*fn)(const char *code, long long count, void *ud), void *ud)
{
    pthread_mutex_lock(&errors_lock);
    /* Kept sorted for the reader, as Redis's rax lists them. */
    qsort(error_stats, error_stats_len, sizeof(error_stats[0]), compare_codes);
    for (size_t i = 0; i < error_stats_len; i++)
        fn(error_stats[i].code, error_stats[i].count, ud);
    pthread_mutex_unlock(&errors_lock);
}

void server_reset_stats(void)
{
    stats_reset();
    atomic_store(&server.evicted_keys, 0);
    client_evict_reset_count();
    atomic_store(&server.total_connections_received, 0);
    atomic_store(&server.rejected_connections, 0);
    atomic_store(&server.peak_memory, server_used_memory());
    atomic_store(&total_error_replies, 0);
    pthread_mutex_lock(&errors_lock);
    error_stats_len = 0;
    pthread_mutex_unlock(&errors_lock);
    keyspace_reset_stats(server.ks);
}
