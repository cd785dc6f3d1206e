/*
 * crash.h - the bug report a crash leaves in the log (crash-log-enabled),
 * as Redis's sigsegvHandler writes one: on SIGSEGV, SIGBUS, SIGFPE, SIGILL
 * or SIGABRT, the signal and its cause, the faulting address and
 * instruction, the crashing thread's stack, then the signal's default
 * action (the same exit status, a core dump where enabled).
 *
 * Sanitizer builds report crashes themselves: nothing is installed there.
 *
 * Thread safety: crash_handlers_update from the thread applying config
 * (under config_lock); the handler itself runs on whichever thread
 * crashed and only calls async-signal-safe functions.
 */
#ifndef GROVE_CRASH_H
#define GROVE_CRASH_H

#include <stdbool.h>

/* Install the handlers when `enabled`, restore the defaults otherwise. */
void crash_handlers_update(bool enabled);

#endif
