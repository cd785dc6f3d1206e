/*
 * acl_rules.h - one ACL user's rules (Redis 7.0's user minus its name):
 * flags, password hashes, and selectors, each a set of commands (with
 * first-argument exceptions), key patterns and channel patterns.
 *
 * Glossary:
 *   selector  what may be run on what: a command bitmap, allowed first
 *             arguments of commands the bitmap denies (+select|0), key
 *             patterns with read/write permissions, channel patterns.
 *   root      the selector every user has, edited by the rules outside
 *             parentheses. The others are added by "(...)" rules and
 *             removed all at once by "clearselectors".
 *   op        one SETUSER rule: "on", ">pass", "~key*", "+get",
 *             "(+set ~w*)"...
 *
 * A command line is allowed when any selector allows all of it: its
 * command, every key for the way it uses it, every channel. When none
 * does, the refusal reported is Redis's most relevant one (see
 * acl_rules_check).
 *
 * Not thread-safe: acl.c holds its lock around every call.
 *
 * Errors: actions return 0 or a negative ACL_ERR_* (acl.h).
 */
#ifndef GROVE_ACL_RULES_H
#define GROVE_ACL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl.h"
#include "resp.h"
#include "sha256.h"

#define ACL_RULES_BITS 1024
#define ACL_RULES_WORDS (ACL_RULES_BITS / 64)

enum { ACL_USER_ON = 1, ACL_USER_NOPASS = 2, ACL_USER_SANITIZE = 4 };

struct acl_pattern {
    char *text;
    size_t len;
    unsigned perm; /* keys: read 1, write 2, both 3; channels: 3 */
};

struct acl_patterns {
    struct acl_pattern *items;
    size_t n;
};

/* "+select|0": SELECT allowed with this first argument although the
 * bitmap denies SELECT. */
struct acl_firstarg {
    unsigned id; /* the command's */
    char *arg;
    size_t len;
};

struct acl_selector {
    uint64_t cmds[ACL_RULES_WORDS];
    bool allkeys, allchannels;
    struct acl_patterns keys, channels;
    struct acl_firstarg *firstargs; /* in the order given */
    size_t nfirstargs;
};

struct acl_rules {
    unsigned flags;                         /* ACL_USER_* */
    char (*passwords)[SHA256_HEX_LEN + 1];  /* lower-case hex SHA-256 */
    size_t npasswords;
    struct acl_selector root;
    struct acl_selector *selectors; /* the "(...)" ones, in the order given */
    size_t nselectors;
};

/* A user read from an ACL file or a `user` directive, before it exists. */
struct acl_user_def {
    char *name; /* malloc'd, NUL-terminated */
    size_t namelen;
    struct acl_rules rules;
};

/* After command_table_init: each command's categories. 0 or -ENOMEM. */
int acl_rules_init(void);
void acl_rules_deinit(void);

/* A new user's rules (off, no password, no permissions) and the default
 * user's (on, nopass, everything). */
void acl_rules_init_empty(struct acl_rules *r);
/* A new user's rules (Redis's ACLCreateUser): nothing allowed, but every
 * channel under acl-pubsub-default allchannels. */
void acl_rules_init_new(struct acl_rules *r);
void acl_rules_init_all(struct acl_rules *r);
void acl_rules_free(struct acl_rules *r);
int acl_rules_copy(struct acl_rules *dst, const struct acl_rules *src);

/* Apply one SETUSER op (a selector already merged into one "(...)"). */
int acl_rules_apply(struct acl_rules *r, const char *op, size_t len);
/* requirepass: this password (any bytes) only, nopass when empty. */
int acl_rules_set_password(struct acl_rules *r, const char *password, size_t len);
/* One of the hashes is this one (lower-case hex), in constant time. */
bool acl_rules_password_matches(const struct acl_rules *r, const char *hex);

/* The root selector allows every command, key and channel. */
bool acl_rules_unrestricted(const struct acl_rules *r);
/* ACL_OK, or why the line is denied with *errpos the argument at fault
 * (0 for the command). */
enum acl_denied acl_rules_check(const struct acl_rules *r, const struct command *cmd,
                                const struct resp_arg *argv, size_t argc, size_t *errpos);
/* Some selector allows this command line and reading every key. */
bool acl_rules_line_reads_every_key(const struct acl_rules *r, const struct command *cmd,
                                    const struct resp_arg *argv, size_t argc);
/* Some selector allows this channel (a PSUBSCRIBE pattern when `pattern`). */
bool acl_rules_channel_allowed(const struct acl_rules *r, const char *name, size_t len,
                               bool pattern);
/* Some selector allows every channel. */
bool acl_rules_all_channels(const struct acl_rules *r);

/* ACL LIST's text after "user NAME": flags, #hashes, the root selector,
 * then " (selector)" for each other. */
void acl_rules_describe(struct resp_out *text, const struct acl_rules *r);
/* ACL GETUSER's map (flags, passwords, commands, keys, channels,
 * selectors). */
void acl_rules_reply(struct resp_out *out, const struct acl_rules *r);
/* ACL CAT [category]: false if there is no such category. */
bool acl_rules_reply_cat(struct resp_out *out, const char *category, size_t len);

#endif
