/*
 * latency.c - the latency monitor and the LATENCY command (see latency.h),
 * after Redis 7.0's latency.c and sparkline.c.
 *
 * An event keeps a ring of its last LATENCY_TS_LEN samples, one per
 * second at most (a second's later samples only raise its value), and its
 * all-time maximum. Events are made on their first sample, in a fixed
 * table: Grove records a known handful (latency.h), so there is nothing
 * to allocate and nothing to free. LATENCY RESET removes events as
 * Redis's does (LATEST no longer lists them).
 *
 * The replies follow Redis 7.0.15 byte for byte; where Redis iterates a
 * hash table (LATEST, DOCTOR's events, HISTOGRAM's commands) Grove uses
 * the order events were first seen and its command table's order.
 */
#include "latency.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aof.h"
#include "latency_hist.h"
#include "resp.h"
#include "snapshot.h"

#define LATENCY_TS_LEN 160 /* Redis's: samples kept per event */
#define MAX_EVENTS 16      /* more than Grove has names for */
#define GRAPH_COLS 80
#define GRAPH_ROWS 4

struct sample {
    long long time; /* unix seconds; 0: empty */
    long long ms;
};

struct event {
    const char *name;
    int idx; /* where the next second's sample goes */
    long long max;
    struct sample samples[LATENCY_TS_LEN];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct event events[MAX_EVENTS];
static size_t nevents;

/* ---- recording ---------------------------------------------------------------- */

/* Lock held. */
static struct event *event_find(const char *name)
{
    for (size_t i = 0; i < nevents; i++)
        if (strcmp(events[i].name, name) == 0)
            return &events[i];
    return NULL;
}

/* Lock held. NULL only if the table is full (it is sized for every name). */
static struct event *event_get(const char *name)
{
    struct event *e = event_find(name);
    if (e != NULL || nevents == MAX_EVENTS)
        return e;
    e = &events[nevents++];
    memset(e, 0, sizeof(*e));
    e->name = name;
    return e;
}

/* Redis's latencyAddSample. */
static void add_sample(const char *name, long long ms)
{
    long long now = (long long)time(NULL);
    pthread_mutex_lock(&lock);
    struct event *e = event_get(name);
    if (e != NULL) {
        if (ms > e->max)
            e->max = ms;
        struct sample *prev = &e->samples[(e->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN];
        if (prev->time == now) {
            if (ms > prev->ms)
                prev->ms = ms;
        } else {
            e->samples[e->idx] = (struct sample){now, ms};
            e->idx = (e->idx + 1) % LATENCY_TS_LEN;
        }
    }
    pthread_mutex_unlock(&lock);
}

void latency_add_sample_if_needed(const char *event, long long ms)
{
    long long threshold =
        atomic_load_explicit(&server.cfg.latency_monitor_threshold, memory_order_relaxed);
    if (threshold != 0 && ms >= threshold)
        add_sample(event, ms);
}

void latency__command_sample(const struct command *cmd, long long ticks)
{
    long long ms = server_ticks_to_ns(ticks) / 1000000;
    latency_add_sample_if_needed(cmd->flags & CMD_FAST ? "fast-command" : "command", ms);
}

/* Redis's latencyResetEvent: how many events went (lock held). */
static int reset_events(const char *name, size_t len)
{
    int resets = 0;
    for (size_t i = 0; i < nevents;) {
        if (name == NULL || (strlen(events[i].name) == len &&
                             strncasecmp(events[i].name, name, len) == 0)) {
            memmove(&events[i], &events[i + 1], (nevents - i - 1) * sizeof(events[0]));
            nevents--;
            resets++;
        } else {
            i++;
        }
    }
    return resets;
}

/* ---- LATENCY LATEST, HISTORY, RESET ----------------------------------------------- */

/* The event named by a command argument (lock held); names are case
 * sensitive here, as Redis's dict lookups are. */
static struct event *event_named(const struct resp_arg *a)
{
    for (size_t i = 0; i < nevents; i++)
        if (strlen(events[i].name) == a->len && memcmp(events[i].name, a->ptr, a->len) == 0)
            return &events[i];
    return NULL;
}

static void latest_command(struct cmd_ctx *ctx)
{
    pthread_mutex_lock(&lock);
    resp_add_array_len(ctx->out, nevents);
    for (size_t i = 0; i < nevents; i++) {
        const struct event *e = &events[i];
        const struct sample *last = &e->samples[(e->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN];
        resp_add_array_len(ctx->out, 4);
        resp_add_bulk_cstr(ctx->out, e->name);
        resp_add_integer(ctx->out, last->time);
        resp_add_integer(ctx->out, last->ms);
        resp_add_integer(ctx->out, e->max);
    }
    pthread_mutex_unlock(&lock);
}

static void history_command(struct cmd_ctx *ctx)
{
    pthread_mutex_lock(&lock);
    const struct event *e = event_named(&ctx->argv[2]);
    size_t handle = resp_add_deferred_len(ctx->out), n = 0;
    for (int j = 0; e != NULL && j < LATENCY_TS_LEN; j++) {
        const struct sample *s = &e->samples[(e->idx + j) % LATENCY_TS_LEN];
        if (s->time == 0)
            continue;
        resp_add_array_len(ctx->out, 2);
        resp_add_integer(ctx->out, s->time);
        resp_add_integer(ctx->out, s->ms);
        n++;
    }
    pthread_mutex_unlock(&lock);
    resp_set_deferred_array_len(ctx->out, handle, n);
}

static void reset_command(struct cmd_ctx *ctx)
{
    int resets = 0;
    pthread_mutex_lock(&lock);
    if (ctx->argc == 2)
        resets = reset_events(NULL, 0);
    for (size_t j = 2; j < ctx->argc; j++)
        resets += reset_events(ctx->argv[j].ptr, ctx->argv[j].len);
    pthread_mutex_unlock(&lock);
    resp_add_integer(ctx->out, resets);
}

/* ---- LATENCY GRAPH: Redis's sparkline ---------------------------------------------- */

struct spark {
    double value;
    char label[24]; /* "<seconds>s" at most 21 digits and a unit */
};

/* Redis's sparklineRenderRange with SPARKLINE_FILL: `rows` rows of bars
 * ("_o#" a third of a row each, '|' beneath), a blank line, then each
 * sample's label written downwards. */
static void render_range(struct resp_out *t, const struct spark *seq, double min, double max,
                         size_t offset, size_t len)
{
    static const char fill[] = "_o#";
    const int charset_len = 3, steps = charset_len * GRAPH_ROWS;
    double relmax = max - min != 0 ? max - min : 1;
    char chars[GRAPH_COLS];
    for (int row = 0;; row++) {
        bool more = false;
        memset(chars, ' ', len);
        for (size_t j = 0; j < len; j++) {
            const struct spark *s = &seq[offset + j];
            int step = (int)((double)(int)((s->value - min) * steps) / relmax);
            step = step < 0 ? 0 : step >= steps ? steps - 1 : step;
            if (row < GRAPH_ROWS) {
                int charidx = step - (GRAPH_ROWS - row - 1) * charset_len;
                more = true;
                if (charidx >= 0 && charidx < charset_len)
                    chars[j] = fill[charidx];
                else if (charidx >= charset_len)
                    chars[j] = '|';
            } else if (row == GRAPH_ROWS) { /* the margin above the labels */
                more = true;
                break;
            } else if (strlen(s->label) > (size_t)(row - GRAPH_ROWS - 1)) {
                more = true;
                chars[j] = s->label[row - GRAPH_ROWS - 1];
            }
        }
        if (!more)
            return;
        resp_add_raw(t, chars, len);
        resp_add_raw(t, "\n", 1);
    }
}

/* "12s", "3m", "5h", "2d": how long ago, as Redis labels the samples. */
static void age_label(char *buf, size_t cap, long long elapsed)
{
    if (elapsed < 60)
        snprintf(buf, cap, "%llds", elapsed);
    else if (elapsed < 3600)
        snprintf(buf, cap, "%lldm", elapsed / 60);
    else if (elapsed < 3600 * 24)
        snprintf(buf, cap, "%lldh", elapsed / 3600);
    else
        snprintf(buf, cap, "%lldd", elapsed / (3600 * 24));
}

/* Redis's latencyCommandGenSparkeline (lock held). */
static void render_graph(struct resp_out *t, const struct event *e)
{
    struct spark seq[LATENCY_TS_LEN];
    size_t n = 0;
    long long now = (long long)time(NULL), min = 0, max = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        const struct sample *s = &e->samples[(e->idx + j) % LATENCY_TS_LEN];
        if (s->time == 0)
            continue;
        min = n == 0 || s->ms < min ? s->ms : min;
        max = n == 0 || s->ms > max ? s->ms : max;
        seq[n].value = (double)s->ms;
        age_label(seq[n].label, sizeof(seq[n].label), now - s->time);
        n++;
    }
    char head[160];
    int len = snprintf(head, sizeof(head), "%s - high %lld ms, low %lld ms (all time high %lld ms)\n",
                       e->name, max, min, e->max);
    resp_add_raw(t, head, (size_t)len);
    for (int j = 0; j < GRAPH_COLS; j++)
        resp_add_raw(t, "-", 1);
    resp_add_raw(t, "\n", 1);
    for (size_t j = 0; j < n; j += GRAPH_COLS) {
        if (j != 0)
            resp_add_raw(t, "\n", 1);
        render_range(t, seq, (double)min, (double)max, j, n - j < GRAPH_COLS ? n - j : GRAPH_COLS);
    }
}

static void graph_command(struct cmd_ctx *ctx)
{
    struct resp_out t;
    pthread_mutex_lock(&lock);
    const struct event *e = event_named(&ctx->argv[2]);
    if (e == NULL) {
        pthread_mutex_unlock(&lock);
        resp_add_errorf(ctx->out, "ERR No samples available for event '%.*s'",
                        (int)ctx->argv[2].len, ctx->argv[2].ptr);
        return;
    }
    resp_out_init(&t, 2);
    render_graph(&t, e);
    pthread_mutex_unlock(&lock);
    resp_add_verbatim(ctx->out, t.data ? t.data : "", t.len, "txt");
    resp_out_deinit(&t);
}

/* ---- LATENCY DOCTOR ---------------------------------------------------------------- */

/* Redis's latencyStats (analyzeLatencyForEvent). */
struct event_stats {
    long long avg, min, max, mad, samples, period;
};

static void analyze(const struct event *e, long long now, struct event_stats *st)
{
    long long sum = 0, oldest = 0;
    memset(st, 0, sizeof(*st));
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        const struct sample *s = &e->samples[j];
        if (s->time == 0)
            continue;
        st->samples++;
        st->min = st->samples == 1 || s->ms < st->min ? s->ms : st->min;
        st->max = st->samples == 1 || s->ms > st->max ? s->ms : st->max;
        sum += s->ms;
        oldest = oldest == 0 || s->time < oldest ? s->time : oldest;
    }
    if (st->samples == 0)
        return;
    st->avg = sum / st->samples;
    st->period = now - oldest ? now - oldest : 1;
    sum = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++)
        if (e->samples[j].time != 0)
            sum += llabs(st->avg - e->samples[j].ms);
    st->mad = sum / st->samples;
}

/* Bytes of transparent huge pages the process has (Redis's
 * THPGetAnonHugePagesSize). */
static long long anon_huge_pages(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (f == NULL)
        f = fopen("/proc/self/smaps", "r");
    if (f == NULL)
        return 0;
    char line[256];
    long long kb = 0, total = 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "AnonHugePages: %lld kB", &kb) == 1)
            total += kb * 1024;
    fclose(f);
    return total;
}

/* The advice DOCTOR may give, in the order it gives it. */
enum advice {
    ADVISE_BETTER_VM, ADVISE_SLOWLOG_ENABLED, ADVISE_SLOWLOG_TUNING, ADVISE_SLOWLOG_INSPECT,
    ADVISE_SCHEDULER, ADVISE_LOCAL_DISK, ADVISE_SSD, ADVISE_DATA_WRITEBACK,
    ADVISE_DISK_CONTENTION, ADVISE_NO_APPENDFSYNC, ADVISE_RELAX_FSYNC, ADVISE_HZ,
    ADVISE_LARGE_OBJECTS, ADVISE_MASS_EVICTION, ADVISE_DISABLE_THP, ADVICES,
};

/* A report in the making. What it needs from elsewhere is read before
 * the events' lock is taken (snapshot.c's lock is taken before ours when
 * a fork is recorded). */
struct report {
    struct resp_out *t;
    double fork_rate;
    bool huge_pages;
    bool advise[ADVICES];
    int advices; /* counted as Redis counts them (some twice) */
};

static void advise(struct report *r, enum advice a)
{
    r->advise[a] = true;
    r->advices++;
}


/* Redis's fork rate, GB/s: the memory the last fork copied the tables of,
 * per second it took (here with the memory used now). */
static double fork_rate(void)
{
    struct snapshot_info info;
    snapshot_get_info(&info);
    if (info.latest_fork_usec <= 0)
        return 0;
    return (double)server_used_memory() * 1000000 / (double)info.latest_fork_usec /
           (1024 * 1024 * 1024);
}

static void fork_comment(struct report *r)
{
    double rate = r->fork_rate;
    const char *quality = "excellent";
    if (rate < 10) {
        quality = "terrible";
        advise(r, ADVISE_BETTER_VM);
    } else if (rate < 25) {
        quality = "poor";
        advise(r, ADVISE_BETTER_VM);
    } else if (rate < 100) {
        quality = "good";
    }
    resp_add_rawf(r->t, " Fork rate is %.2f GB/sec (%s).", rate, quality);
}

/* What one event says about the instance (Redis's per-event checks). */
static void event_advice(struct report *r, const char *name)
{
    long long slowlog = server.cfg.slowlog_log_slower_than;
    if (strcasecmp(name, "fork") == 0)
        fork_comment(r);
    if (strcasecmp(name, "command") == 0) {
        if (slowlog < 0)
            advise(r, ADVISE_SLOWLOG_ENABLED);
        else if (slowlog / 1000 > server.cfg.latency_monitor_threshold)
            advise(r, ADVISE_SLOWLOG_TUNING);
        advise(r, ADVISE_SLOWLOG_INSPECT);
        advise(r, ADVISE_LARGE_OBJECTS);
    }
    if (strcasecmp(name, "fast-command") == 0)
        advise(r, ADVISE_SCHEDULER);
    if (strcasecmp(name, "aof-write-pending-fsync") == 0) {
        advise(r, ADVISE_LOCAL_DISK);
        advise(r, ADVISE_DISK_CONTENTION);
        advise(r, ADVISE_SSD);
        advise(r, ADVISE_DATA_WRITEBACK);
    }
    if (strcasecmp(name, "aof-write-active-child") == 0) {
        advise(r, ADVISE_NO_APPENDFSYNC);
        advise(r, ADVISE_DATA_WRITEBACK);
        advise(r, ADVISE_SSD);
    }
    if (strcasecmp(name, "aof-write-alone") == 0) {
        advise(r, ADVISE_LOCAL_DISK);
        advise(r, ADVISE_DATA_WRITEBACK);
        advise(r, ADVISE_SSD);
    }
    if (strcasecmp(name, "aof-fsync-always") == 0)
        advise(r, ADVISE_RELAX_FSYNC);
    if (strcasecmp(name, "expire-cycle") == 0) {
        advise(r, ADVISE_HZ);
        advise(r, ADVISE_LARGE_OBJECTS);
    }
    if (strcasecmp(name, "eviction-cycle") == 0)
        advise(r, ADVISE_MASS_EVICTION);
}

/* Each event's line (lock held); returns how many. */
static int report_events(struct report *r)
{
    long long now = (long long)time(NULL);
    for (size_t i = 0; i < nevents; i++) {
        struct event_stats st;
        if (i == 0)
            resp_add_rawf(r->t, "Dave, I have observed latency spikes in this Redis instance. You "
                             "don't mind talking about it, do you Dave?\n\n");
        analyze(&events[i], now, &st);
        resp_add_rawf(r->t, "%zu. %s: %lld latency spikes (average %lldms, mean deviation %lldms, "
                         "period %.2f sec). Worst all time event %lldms.",
                      i + 1, events[i].name, st.samples, st.avg, st.mad,
                      (double)st.period / (double)st.samples, events[i].max);
        event_advice(r, events[i].name);
        resp_add_rawf(r->t, "\n");
    }
    return (int)nevents;
}

/* The texts of Redis's createLatencyReport, word for word. */
static const char *const advice_text[ADVICES] = {
    [ADVISE_BETTER_VM] = "- If you are using a virtual machine, consider upgrading it with a faster one using a hypervisior that provides less latency during fork() calls. Xen is known to have poor fork() performance. Even in the context of the same VM provider, certain kinds of instances can execute fork faster than others.\n",
    [ADVISE_SLOWLOG_INSPECT] = "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n",
    [ADVISE_SCHEDULER] = "- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n"
                         "  1) Lower the system load.\n"
                         "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
                         "  3) Check if you have a \"noisy neighbour\" problem.\n"
                         "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
                         "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n",
    [ADVISE_LOCAL_DISK] = "- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n",
    [ADVISE_SSD] = "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n",
    [ADVISE_DATA_WRITEBACK] = "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n",
    [ADVISE_DISK_CONTENTION] = "- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n",
    [ADVISE_NO_APPENDFSYNC] = "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n",
    [ADVISE_RELAX_FSYNC] = "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n",
    [ADVISE_HZ] = "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n",
    [ADVISE_LARGE_OBJECTS] = "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n",
    [ADVISE_MASS_EVICTION] = "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n",
    [ADVISE_DISABLE_THP] = "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n",
};

/* Whether an advice applies beyond its event (Redis's second checks). */
static bool advice_applies(enum advice a)
{
    if (a == ADVISE_RELAX_FSYNC)
        return aof_fsync_always();
    if (a == ADVISE_HZ)
        return server.cfg.hz < 100;
    return true;
}

static void report_advice(struct report *r)
{
    unsigned long long threshold_us = (unsigned long long)server.cfg.latency_monitor_threshold * 1000;
    resp_add_rawf(r->t, "\nI have a few advices for you:\n\n");
    for (int a = 0; a < ADVICES; a++) {
        if (!r->advise[a] || !advice_applies((enum advice)a))
            continue;
        if (a == ADVISE_SLOWLOG_ENABLED)
            resp_add_rawf(r->t, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %llu'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", threshold_us);
        else if (a == ADVISE_SLOWLOG_TUNING)
            resp_add_rawf(r->t, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %llu'.\n", threshold_us);
        else
            resp_add_raw(r->t, advice_text[a], strlen(advice_text[a]));
    }
}

/* Redis's createLatencyReport (lock held). */
static void doctor_report(struct report *rp)
{
    struct report r = *rp;
    if (nevents == 0 && server.cfg.latency_monitor_threshold == 0) {
        resp_add_rawf(r.t, "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n");
        return;
    }
    int seen = report_events(&r);
    if (r.huge_pages)
        advise(&r, ADVISE_DISABLE_THP);
    if (seen == 0 && r.advices == 0)
        resp_add_rawf(r.t, "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
    else if (seen > 0 && r.advices == 0)
        resp_add_rawf(r.t, "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
    else
        report_advice(&r);
}

static void doctor_command(struct cmd_ctx *ctx)
{
    struct resp_out t;
    resp_out_init(&t, 2);
    struct report r = {.t = &t, .fork_rate = fork_rate(), .huge_pages = anon_huge_pages() > 0};
    pthread_mutex_lock(&lock);
    doctor_report(&r);
    pthread_mutex_unlock(&lock);
    resp_add_verbatim(ctx->out, t.data ? t.data : "", t.len, "txt");
    resp_out_deinit(&t);
}

/* ---- LATENCY HISTOGRAM ------------------------------------------------------------- */

/* Redis's fillCommandCDF for one command with latencies: its name, then
 * {calls, histogram_usec {usec: count up to it, ...}}. False if it has
 * none on any loop since the last reset. */
static bool reply_histogram(struct cmd_ctx *ctx, const struct command *cmd,
                            struct latency_hist *sum)
{
    struct latency_hist_bucket cdf[LATENCY_HIST_CDF_MAX];
    latency_hist_clear(sum);
    if (stats_command_latency_sum(cmd->id, sum) < 0 || latency_hist_count(sum) == 0)
        return false;
    size_t n = latency_hist_cdf(sum, cdf);
    resp_add_bulk_cstr(ctx->out, cmd->fullname);
    resp_add_map_len(ctx->out, 2);
    resp_add_bulk_cstr(ctx->out, "calls");
    resp_add_integer(ctx->out, latency_hist_count(sum));
    resp_add_bulk_cstr(ctx->out, "histogram_usec");
    resp_add_map_len(ctx->out, n);
    for (size_t i = 0; i < n; i++) {
        resp_add_integer(ctx->out, cdf[i].upto_ns / 1000);
        resp_add_integer(ctx->out, cdf[i].count);
    }
    return true;
}

/* A command and its subcommands; returns how many replied. */
static size_t reply_family(struct cmd_ctx *ctx, const struct command *cmd,
                           struct latency_hist *sum)
{
    size_t n = reply_histogram(ctx, cmd, sum);
    for (const struct command *sub = cmd->subcommands; sub != NULL && sub->name != NULL; sub++)
        n += reply_histogram(ctx, sub, sum);
    return n;
}

/* Redis's lookupCommandBySds: "name" or "container|sub". */
static const struct command *lookup_full_name(const struct resp_arg *a)
{
    const char *bar = memchr(a->ptr, '|', a->len);
    if (bar == NULL)
        return command_lookup(a->ptr, a->len);
    const struct command *parent = command_lookup(a->ptr, (size_t)(bar - a->ptr));
    size_t rest = a->len - (size_t)(bar - a->ptr) - 1;
    if (parent == NULL || parent->subcommands == NULL || memchr(bar + 1, '|', rest) != NULL)
        return NULL;
    return command_lookup_sub(parent, bar + 1, rest);
}

static void histogram_command(struct cmd_ctx *ctx)
{
    struct latency_hist *sum = latency_hist_create();
    if (sum == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    size_t handle = resp_add_deferred_len(ctx->out), n = 0;
    if (ctx->argc == 2) {
        for (unsigned id = 0; id < command_id_count(); id++)
            n += reply_histogram(ctx, command_by_id(id), sum);
    }
    for (size_t j = 2; j < ctx->argc; j++) {
        const struct command *cmd = lookup_full_name(&ctx->argv[j]);
        if (cmd != NULL) /* an unknown name is skipped */
            n += reply_family(ctx, cmd, sum);
    }
    resp_set_deferred_map_len(ctx->out, handle, n);
    latency_hist_destroy(sum);
}

/* ---- HELP and the table ------------------------------------------------------------ */

static void help_command(struct cmd_ctx *ctx)
{
    static const char *const help[] = {
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        NULL,
    };
    reply_help(ctx, help);
}

#define LATENCY_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static struct command latency_subcommands[] = {
    {.name = "history", .arity = 3, .flags = LATENCY_FLAGS, .proc = history_command,
     .group = "server", .summary = "Return timestamp-latency samples for the event.",
     .since = "2.8.13", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"event", "string", NULL, 0, NULL}, {0}}},
    {.name = "graph", .arity = 3, .flags = LATENCY_FLAGS, .proc = graph_command,
     .group = "server", .summary = "Return a latency graph for the event.", .since = "2.8.13",
     .complexity = "O(1)",
     .args = (const struct command_arg[]){{"event", "string", NULL, 0, NULL}, {0}}},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = help_command,
     .group = "server", .summary = "Show helpful text about the different subcommands.",
     .since = "2.8.13", .complexity = "O(1)"},
    {.name = "reset", .arity = -2, .flags = LATENCY_FLAGS, .proc = reset_command,
     .group = "server", .summary = "Reset latency data for one or more events.",
     .since = "2.8.13", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"event", "string", NULL,
                                           COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},
                                          {0}}},
    {.name = "latest", .arity = 2, .flags = LATENCY_FLAGS, .proc = latest_command,
     .group = "server", .summary = "Return the latest latency samples for all events.",
     .since = "2.8.13", .complexity = "O(1)"},
    {.name = "histogram", .arity = -2, .flags = LATENCY_FLAGS, .proc = histogram_command,
     .group = "server",
     .summary = "Return the cumulative distribution of latencies of a subset of commands or all.",
     .since = "7.0.0",
     .complexity = "O(N) where N is the number of commands with latency information being "
                   "retrieved.",
     .args = (const struct command_arg[]){{"command", "string", NULL,
                                           COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL},
                                          {0}}},
    {.name = "doctor", .arity = 2, .flags = LATENCY_FLAGS, .proc = doctor_command,
     .group = "server", .summary = "Return a human readable latency analysis report.",
     .since = "2.8.13", .complexity = "O(1)"},
    {0},
};

struct command latency_commands[] = {
    {.name = "latency", .arity = -2, .group = "server",
     .summary = "A container for latency diagnostics commands", .since = "2.8.13",
     .complexity = "Depends on subcommand.", .subcommands = latency_subcommands},
    {0},
};
