/*
 * slowlog.h - SLOWLOG: the commands that ran longer than
 * slowlog-log-slower-than microseconds, the newest slowlog-max-len of
 * them, as Redis 7.0 keeps them.
 *
 * An entry holds an id, the unix time, the duration in microseconds, the
 * arguments (at most 32: the 32nd says how many more there were; each
 * cut at 128 bytes with how many more there were), the client's ip:port
 * ("?:0" for a script's commands) and name. Arguments Redis redacts
 * (command_arg_shown: passwords, ACL rules) are "(redacted)". Commands flagged skip_slowlog (EXEC, the SLOWLOG
 * subcommands...) are never logged; a transaction's or a script's
 * commands are, each on its own, as in Redis.
 *
 * Threads: any worker adds and reads, under one mutex; the check that
 * decides to take it is a couple of loads and a multiplication.
 */
#ifndef GROVE_SLOWLOG_H
#define GROVE_SLOWLOG_H

#include <stdbool.h>
#include <stddef.h>

struct client;
struct resp_arg;
struct resp_out;

/* After a command ran for `ticks` (server_ticks): log it if it was slow.
 * `from_script`: a script's command, shown with client "?:0". */
void slowlog_consider(const struct client *c, bool from_script, const struct resp_arg *argv,
                      size_t argc, long long ticks);

/* A command that blocked is logged when it is served, as Redis's
 * updateStatsOnUnblock logs it (not when it times out): its entry is made
 * when it blocks, while its arguments are at hand, and kept until then.
 * slowlog_consider_kept logs it if `ticks` (its run plus its serving) are
 * slow and frees it otherwise; slowlog_drop_kept frees one never served.
 * Both take NULL (out of memory when it blocked: nothing is logged). */
struct slowlog_entry;
struct slowlog_entry *slowlog_keep(const struct client *c, const struct resp_arg *argv,
                                   size_t argc);
void slowlog_consider_kept(struct slowlog_entry *e, long long ticks);
void slowlog_drop_kept(struct slowlog_entry *e);

/* SLOWLOG GET's reply: the newest `count` entries (all when negative). */
void slowlog_reply(struct resp_out *out, long long count);
size_t slowlog_len(void);
void slowlog_reset(void);

#endif
