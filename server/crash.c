/*
 * crash.c - see crash.h. The report is built with write(2) on stack
 * buffers only: the crashing thread may hold any lock (malloc's, stdio's,
 * a shard's), so nothing here takes one.
 */
#include "crash.h"

#include <execinfo.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "log.h"
#include "process.h"
#include "server.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CRASH_HANDLER_BUILT 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CRASH_HANDLER_BUILT 0
#endif
#endif
#ifndef CRASH_HANDLER_BUILT
#define CRASH_HANDLER_BUILT 1
#endif

#define STACK_FRAMES 100

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

/* ---- writing without stdio ------------------------------------------------------- */

struct report_line {
    char buf[256];
    size_t len;
};

static void put_str(struct report_line *l, const char *s)
{
    size_t n = strlen(s);
    if (n > sizeof(l->buf) - l->len)
        n = sizeof(l->buf) - l->len;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void put_unsigned(struct report_line *l, uintptr_t v, unsigned base)
{
    char digits[2 * sizeof(v) + 1];
    size_t n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    if (base == 16)
        put_str(l, "0x");
    while (n > 0 && l->len < sizeof(l->buf))
        l->buf[l->len++] = digits[--n];
}

static void put_int(struct report_line *l, long v)
{
    if (v < 0)
        put_str(l, "-");
    put_unsigned(l, v < 0 ? (uintptr_t)-(v + 1) + 1 : (uintptr_t)v, 10);
}

static void emit(int fd, struct report_line *l)
{
    put_str(l, "\n");
    ssize_t ignored = write(fd, l->buf, l->len);
    (void)ignored;
    l->len = 0;
}

static void emit_text(int fd, const char *text)
{
    struct report_line l = {.len = 0};
    put_str(&l, text);
    emit(fd, &l);
}

/* ---- the report ---------------------------------------------------------------------- */

static void *faulting_instruction(const void *uc_ptr)
{
#if defined(__x86_64__)
    return (void *)((const ucontext_t *)uc_ptr)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (void *)((const ucontext_t *)uc_ptr)->uc_mcontext.pc;
#else
    (void)uc_ptr;
    return NULL;
#endif
}

static void report_cause(int fd, int sig, const siginfo_t *info, const void *uc)
{
    struct report_line l = {.len = 0};
    put_str(&l, "Grove " GROVE_VERSION " (Redis " GROVE_REDIS_VERSION
                " compatible) crashed by signal: ");
    put_int(&l, sig);
    put_str(&l, ", si_code: ");
    put_int(&l, info->si_code);
    emit(fd, &l);
    if (info->si_code == SI_USER || info->si_code == SI_TKILL) {
        put_str(&l, "Killed by PID: ");
        put_int(&l, info->si_pid);
        put_str(&l, ", UID: ");
        put_int(&l, (long)info->si_uid);
        emit(fd, &l);
    } else if (sig == SIGSEGV || sig == SIGBUS) {
        put_str(&l, "Accessing address: ");
        put_unsigned(&l, (uintptr_t)info->si_addr, 16);
        emit(fd, &l);
    }
    void *ip = faulting_instruction(uc);
    if (ip != NULL) {
        put_str(&l, "Crashed running the instruction at: ");
        put_unsigned(&l, (uintptr_t)ip, 16);
        emit(fd, &l);
    }
}

static void report_server(int fd)
{
    struct report_line l = {.len = 0};
    put_str(&l, "process_id:");
    put_int(&l, (long)getpid());
    emit(fd, &l);
    put_str(&l, "uptime_in_seconds:");
    put_int(&l, (long)((server_mstime() - server.start_time_ms) / 1000));
    emit(fd, &l);
    put_str(&l, "used_memory:");
    put_int(&l, (long)atomic_load_explicit(&server.used_memory, memory_order_relaxed));
    emit(fd, &l);
}

static void crash_handler(int sig, siginfo_t *info, void *uc)
{
    int fd = log_crash_fd();
    emit_text(fd, "\n\n=== GROVE BUG REPORT START: Cut & paste starting from here ===");
    report_cause(fd, sig, info, uc);
    emit_text(fd, "\n------ STACK TRACE ------\nBacktrace:");
    void *frames[STACK_FRAMES];
    backtrace_symbols_fd(frames, backtrace(frames, STACK_FRAMES), fd);
    emit_text(fd, "\n------ SERVER ------");
    report_server(fd);
    emit_text(fd, "\n=== GROVE BUG REPORT END. Make sure to include from START to END. ===\n\n"
                  "       Please report the crash with this report and what the server was "
                  "doing.\n");
    process_pidfile_unlink_on_crash();
    /* use-exit-on-panic, Redis's hidden option for test harnesses that
     * want an exit status rather than a core. */
    if (atomic_load_explicit(&server.cfg.use_exit_on_panic, memory_order_relaxed))
        _exit(1);
    /* SA_RESETHAND put the default action back: the same signal again
     * ends the process as it would have without this handler. */
    raise(sig);
}

void crash_handlers_update(bool enabled)
{
    if (!CRASH_HANDLER_BUILT)
        return;
    struct sigaction act = {.sa_handler = SIG_DFL};
    sigemptyset(&act.sa_mask);
    if (enabled) {
        void *warm_up[1];
        backtrace(warm_up, 1); /* loads libgcc now, not inside the handler */
        act.sa_sigaction = crash_handler;
        act.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
    }
    for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
        sigaction(crash_signals[i], &act, NULL);
}
