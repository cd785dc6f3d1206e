/*
 * acl.h - Redis 7.0's access control lists: users, what each may run
 * (commands, subcommands, categories), which keys it may read or write,
 * which pub/sub channels it may use; AUTH against them, the dispatcher's
 * check, and the ACL LOG of refusals.
 *
 * Glossary:
 *   rules    everything ACL SETUSER edits: on/off, password hashes, and
 *            selectors of commands, keys and channels (acl_rules.h).
 *   user     a name and its rules. "default" always exists; requirepass
 *            sets its password, as in Redis. Clients hold a reference.
 *   denied   why a check failed: the command, one key, one channel.
 *
 * Concurrency: every user's rules and the list of users are guarded by
 * one read-write lock. Checks (any worker loop) take it for reading;
 * SETUSER, DELUSER, ACL LOAD and requirepass take it for writing and
 * edit a copy of the rules (LOAD: of every user), swapped in whole, so a
 * failed SETUSER or LOAD changes nothing.
 * The hot path never takes it: a user whose rules allow everything
 * (every command, ~*, &* - the default user unless an operator narrows
 * it) carries an atomic `unrestricted` flag the dispatcher tests first.
 * A user is freed when its last reference goes: the list's (DELUSER
 * and LOAD drop it) and those of the clients authenticated as it (DELUSER
 * and LOAD kill them through CLIENT KILL's path, which crosses loops by
 * their queues; so does SETUSER for subscribers it leaves without
 * permission).
 *
 * The rules themselves, selectors and first-arg rules (+select|0)
 * included, are acl_rules.h's; files of users (aclfile, ACL LOAD/SAVE,
 * `user` directives) acl_file.h's. skip-sanitize-payload is refused with
 * an error (RESTORE here always checks its payload).
 *
 * Errors: actions return 0 or a negative ACL_ERR_* (acl_error_text says
 * it in Redis's words); predicates return bool.
 */
#ifndef GROVE_ACL_H
#define GROVE_ACL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "resp.h"

struct client;
struct command;
struct acl_user;

/* Why a check failed (Redis's ACL_DENIED_*), or ACL_OK. */
enum acl_denied { ACL_OK = 0, ACL_DENIED_CMD, ACL_DENIED_KEY, ACL_DENIED_CHANNEL, ACL_DENIED_AUTH };

/* Where the refused command came from, for ACL LOG's context. */
enum acl_context { ACL_CONTEXT_TOPLEVEL, ACL_CONTEXT_MULTI, ACL_CONTEXT_LUA };

/* SETUSER's errors, each with Redis's text (acl_error_text). */
enum acl_error {
    ACL_ERR_SYNTAX = -1,
    ACL_ERR_UNKNOWN_NAME = -2,
    ACL_ERR_KEYS_AFTER_ALL = -3,
    ACL_ERR_CHANNELS_AFTER_ALL = -4,
    ACL_ERR_BAD_HASH = -5,
    ACL_ERR_NO_SUCH_PASSWORD = -6,
    ACL_ERR_SUBCOMMAND_FIRSTARG = -7,
    ACL_ERR_UNSUPPORTED = -8,
    ACL_ERR_NOMEM = -9,
};
const char *acl_error_text(int err);

/* After command_table_init: the default user gets every command. The
 * default user exists before (requirepass may be applied earlier). */
int acl_init(void);
void acl_deinit(void);

/* References: acl_default_user and acl_authenticate return one. */
struct acl_user *acl_default_user(void);
void acl_user_release(struct acl_user *u);
/* The name: immutable while a reference is held. */
const char *acl_user_name(const struct acl_user *u);

/* Whether the user may run anything on anything: the dispatcher's
 * one-load fast path (a relaxed atomic; SETUSER's change is seen by the
 * next command, as in Redis). */
bool acl_user_unrestricted(const struct acl_user *u);

/* Redis's authRequired: a new or RESET client is authenticated (as
 * default) only while the default user is on and nopass. */
bool acl_default_needs_auth(void);
/* Whether the default user is nopass (on or not), as protected-mode asks
 * (Redis's DefaultUser->flags & USER_FLAG_NOPASS). Any thread. */
bool acl_default_nopass(void);
/* requirepass: the default user's passwords become this one (any bytes;
 * nopass when empty), as Redis's ACLUpdateDefaultUserPassword. */
void acl_set_default_password(const char *password, size_t len);

/* The enabled user `name` whose password this is (any password if
 * nopass), with a reference; NULL otherwise. */
struct acl_user *acl_authenticate(const char *name, size_t nlen, const char *pass, size_t plen);
/* Give client c this user (taking the reference), as AUTH and RESET do.
 * Under the registry lock: CLIENT LIST on other loops reads the name. */
void acl_client_set_user(struct client *c, struct acl_user *u);

/* May user u run this command line? ACL_OK, or why not with *errpos the
 * argument denied (0 for the command itself). Any thread. */
enum acl_denied acl_check(const struct acl_user *u, const struct command *cmd,
                          const struct resp_arg *argv, size_t argc, size_t *errpos);
/* The dispatcher's check of client c's line: true when allowed; else the
 * refusal is logged (ACL LOG) and the NOPERM error (or, from a script,
 * Redis's script text) appended to out. */
bool acl_check_or_reply(struct client *c, const struct command *cmd, const struct resp_arg *argv,
                        size_t argc, enum acl_context ctx, struct resp_out *out,
                        long long now_ms);
/* EXEC's refusal of a queued command line that acl_check now denies
 * (the rules changed since it was queued): Redis's "NOPERM ACLs rules
 * changed ..." error. */
void acl_reply_queued_denied(struct resp_out *out, enum acl_denied why);
/* Log a refusal of client c's command line (argv[errpos] the key or
 * channel denied) in ACL LOG. */
void acl_log_denied(struct client *c, enum acl_denied why, const struct command *cmd,
                    const struct resp_arg *argv, size_t errpos, enum acl_context ctx,
                    long long now_ms);
/* Whether some selector of user u allows this command line and reading
 * every key (Redis's ACLUserCheckCmdWithUnrestrictedKeyAccess): SORT's BY
 * and GET read keys named by data, which acl_check cannot see. Any thread. */
bool acl_user_line_reads_every_key(const struct acl_user *u, const struct command *cmd,
                                   const struct resp_arg *argv, size_t argc);
/* Whether user u may be subscribed to this channel (a PSUBSCRIBE pattern
 * when `pattern`), and whether it may to every channel: ACL SETUSER
 * disconnects the subscribers its change leaves without permission. */
bool acl_user_channel_allowed(const struct acl_user *u, const char *name, size_t len,
                              bool pattern);
bool acl_user_all_channels(const struct acl_user *u);
/* The text DRYRUN replies for a refusal ("This user has no permissions
 * to ..."), NUL-terminated, truncated to cap. */
void acl_denied_text(enum acl_denied why, const struct command *cmd, const struct resp_arg *arg,
                     char *buf, size_t cap);

/* An ACL LOG entry for client c (its CLIENT LIST line is taken here):
 * `object` is the command, key or channel (for a failed AUTH or HELLO,
 * the command's name as sent); `username` is the
 * client's user, or for a failed AUTH the name tried. */
void acl_log_add(struct client *c, enum acl_denied why, enum acl_context ctx,
                 const char *object, size_t olen, const char *username, size_t ulen,
                 long long now_ms);

/* ---- the ACL command's operations (cmd_acl.c) -------------------------------- */

/* Redis's ACLMergeSelectorArguments (SETUSER, the ACL file, `user`
 * directives): "(+get" "~k*)" is one rule, "(+get ~k*)". Returns the
 * merged rules (one malloc'd block, the caller frees it) and their count
 * in *nmerged; NULL with *unclosed set to the argument whose selector
 * never closes, or NULL alone when out of memory. */
struct resp_arg *acl_merge_selectors(const struct resp_arg *ops, size_t nops, size_t *nmerged,
                                     size_t *unclosed);
/* SETUSER name op...: 0, or the negative error and *bad the op at fault. */
int acl_setuser(const char *name, size_t nlen, const struct resp_arg *ops, size_t nops,
                size_t *bad);
/* Remove a user (never "default"): a reference to it in *gone, for the
 * caller to kill its clients and then release; false if there is none. */
bool acl_deluser(const char *name, size_t nlen, struct acl_user **gone);
/* A user by name with a reference, NULL if none. */
struct acl_user *acl_user_find(const char *name, size_t nlen);
/* Replies: ACL USERS, LIST, GETUSER (u's details), CAT [category] (false
 * if no such category), LOG [count], LOG RESET. */
void acl_reply_users(struct resp_out *out);
void acl_reply_list(struct resp_out *out);
void acl_reply_getuser(struct resp_out *out, const struct acl_user *u);
bool acl_reply_cat(struct resp_out *out, const char *category, size_t len);
void acl_reply_log(struct resp_out *out, long long count, long long now_ms);
void acl_log_reset(void);

/* ---- for acl_file.c ------------------------------------------------------------ */

struct acl_user_def;
/* Every user becomes one of these n (their rules taken, their names
 * distinct): ACL LOAD. The default user keeps its identity (its clients
 * stay) with the rules of the one named "default", or everything when
 * none is. The old others are returned in *gone, a malloc'd array of
 * references for the caller to close their clients and release. 0, or
 * -ENOMEM with nothing changed (the definitions are the caller's). */
int acl__replace_users(struct acl_user_def *defs, size_t n, struct acl_user ***gone,
                       size_t *ngone);
/* ACL SAVE's text: an ACL LIST line per user, each ending in "\n". */
void acl__describe_users(struct resp_out *text);

#endif
