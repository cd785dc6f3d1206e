/*
 * proctitle.h - the title `ps` shows for grove-server (set-proc-title,
 * proc-title-template), as Redis sets it: "{title} {listen-addr}
 * {server-mode}" gives "grove-server 127.0.0.1:6379", so monitoring that
 * finds a server by its address in the process list keeps working.
 *
 * Linux keeps argv's strings and then environ's in one run of memory:
 * proctitle_init moves environ to the heap so that the title may use the
 * whole run.
 *
 * Thread safety: init from main before other threads start; set under
 * config_lock (CONFIG SET proc-title-template).
 */
#ifndef GROVE_PROCTITLE_H
#define GROVE_PROCTITLE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Take over argv's memory (after the configuration has been read from
 * argv: its strings are overwritten by the first title). */
void proctitle_init(int argc, char **argv);
/* Whether `template` only uses the variables Redis knows ({title},
 * {listen-addr}, {server-mode}, {port}, {tls-port}, {unixsocket},
 * {config-file}), with balanced braces. */
bool proctitle_template_valid(const char *template);
/* Expand cfg's template into the process title, when set-proc-title is
 * yes. */
void proctitle_update(const struct config *cfg);

#endif
