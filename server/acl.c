/*
 * acl.c - users, their rules, the permission check and the ACL LOG; see
 * acl.h for the model and the locking.
 *
 * Commands are allowed by a bitmap over command ids (every command and
 * subcommand has one, command.h), as Redis's allowed_commands. One more
 * bit, ACL_BIT_FUTURE, is set only by +@all (allcommands): it records that
 * the rules started from everything, which ACL LIST must say ("+@all
 * -get" rather than "-@all +..."). Categories are applied to the bitmap
 * when given and never kept, so ACL LIST re-derives them the way Redis
 * 7.0's ACLDescribeSelectorCommandRules does: the best-fitting categories
 * first, then single commands for what remains.
 *
 * Key patterns carry read/write permissions (%R~, %W~, ~ both); a key is
 * allowed when a pattern with the permissions its command needs matches
 * it (see key_perm_needed). Channel patterns match channels by glob; a
 * PSUBSCRIBE pattern must equal one of them, as in Redis.
 */
#include "acl.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "client.h"
#include "command.h"
#include "glob.h"
#include "server.h"
#include "sha256.h"

#define ACL_BITS 1024
#define ACL_BIT_FUTURE (ACL_BITS - 1)
#define ACL_WORDS (ACL_BITS / 64)

enum { PERM_READ = 1, PERM_WRITE = 2, PERM_ALL = 3 };
enum { USER_ON = 1, USER_NOPASS = 2, USER_SANITIZE = 4 };

struct acl_pattern {
    char *text;
    size_t len;
    unsigned perm; /* PERM_*; channels: PERM_ALL */
};

struct acl_patterns {
    struct acl_pattern *items;
    size_t n;
};

struct acl_rules {
    unsigned flags;                         /* USER_* */
    char (*passwords)[SHA256_HEX_LEN + 1];  /* lower-case hex SHA-256 */
    size_t npasswords;
    uint64_t cmds[ACL_WORDS];
    bool allkeys, allchannels;
    struct acl_patterns keys, channels;
};

struct acl_user {
    char *name;
    size_t namelen;
    atomic_uint refs;
    atomic_bool unrestricted;
    struct acl_rules rules; /* under acl_lock */
};

static pthread_rwlock_t acl_lock = PTHREAD_RWLOCK_INITIALIZER;
/* The default user, on and nopass with everything until told otherwise;
 * never freed (its list reference is never dropped). */
static struct acl_user default_user = {
    .name = "default", .namelen = 7, .refs = 1, .unrestricted = true,
    .rules = {.flags = USER_ON | USER_NOPASS, .allkeys = true, .allchannels = true},
};
static atomic_bool default_needs_auth;
/* Every user, sorted by name as Redis's rax lists them; under acl_lock. */
static struct acl_user **users;
static size_t nusers;
/* Each command's categories, by id (filled by acl_init). */
static uint32_t *categories_of;
static size_t ncommands;
/* The pub/sub commands whose arguments are channels. */
static const struct command *cmd_publish, *cmd_spublish, *cmd_subscribe, *cmd_ssubscribe,
    *cmd_psubscribe;

const char *acl_error_text(int err)
{
    switch (err) {
    case ACL_ERR_UNKNOWN_NAME:
        return "Unknown command or category name in ACL";
    case ACL_ERR_KEYS_AFTER_ALL:
        return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and "
               "does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case ACL_ERR_CHANNELS_AFTER_ALL:
        return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid "
               "and does not have any effect. Try 'resetchannels' to start with an empty list of "
               "channels";
    case ACL_ERR_BAD_HASH:
        return "The password hash must be exactly 64 characters and contain only lowercase "
               "hexadecimal characters";
    case ACL_ERR_NO_SUCH_PASSWORD:
        return "The password you are trying to remove from the user does not exist";
    case ACL_ERR_SUBCOMMAND_FIRSTARG:
        return "Allowing first-arg of a subcommand is not supported";
    case ACL_ERR_FIRSTARG_UNSUPPORTED:
        return "Allowing first-arg of a command (without subcommands) is not supported by Grove";
    case ACL_ERR_UNSUPPORTED:
        return "This rule is not supported by Grove";
    case ACL_ERR_NOMEM:
        return "out of memory";
    default:
        return "Syntax error";
    }
}

/* ---- bits and rules ------------------------------------------------------------ */

static bool bit_get(const uint64_t *bits, size_t i)
{
    return (bits[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *bits, size_t i, bool on)
{
    if (on)
        bits[i / 64] |= 1ull << (i % 64);
    else
        bits[i / 64] &= ~(1ull << (i % 64));
}

/* Redis's ACLChangeSelectorPerm: a command and all its subcommands. */
static void change_perm(uint64_t *bits, const struct command *cmd, bool on)
{
    bit_set(bits, cmd->id, on);
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        bit_set(bits, sub->id, on);
}

/* Redis's ACLSetSelectorCommandBitsForCategory: ids run parent first,
 * then its subcommands, as Redis's recursion visits them. */
static void category_set(uint64_t *bits, uint32_t category, bool on)
{
    for (size_t id = 0; id < ncommands; id++)
        if (categories_of[id] & category)
            change_perm(bits, command_by_id((unsigned)id), on);
}

static int category_by_name(const char *name, size_t len)
{
    for (unsigned b = 0; command_acl_name(b) != NULL; b++) {
        const char *n = command_acl_name(b);
        if (strlen(n) == len && strncasecmp(n, name, len) == 0)
            return (int)b;
    }
    return -1;
}

static void patterns_free(struct acl_patterns *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->items[i].text);
    free(p->items);
    *p = (struct acl_patterns){0};
}

static void rules_free(struct acl_rules *r)
{
    free(r->passwords);
    r->passwords = NULL;
    r->npasswords = 0;
    patterns_free(&r->keys);
    patterns_free(&r->channels);
}

static int patterns_copy(struct acl_patterns *dst, const struct acl_patterns *src)
{
    *dst = (struct acl_patterns){0};
    if (src->n == 0)
        return 0;
    dst->items = calloc(src->n, sizeof(*dst->items));
    if (dst->items == NULL)
        return ACL_ERR_NOMEM;
    for (; dst->n < src->n; dst->n++) {
        const struct acl_pattern *s = &src->items[dst->n];
        char *text = malloc(s->len + 1);
        if (text == NULL)
            return ACL_ERR_NOMEM;
        memcpy(text, s->text, s->len + 1);
        dst->items[dst->n] = (struct acl_pattern){text, s->len, s->perm};
    }
    return 0;
}

static int rules_copy(struct acl_rules *dst, const struct acl_rules *src)
{
    *dst = *src;
    dst->passwords = NULL;
    dst->keys = dst->channels = (struct acl_patterns){0};
    if (src->npasswords > 0) {
        dst->passwords = malloc(src->npasswords * sizeof(*dst->passwords));
        if (dst->passwords == NULL)
            goto nomem;
        memcpy(dst->passwords, src->passwords, src->npasswords * sizeof(*dst->passwords));
    }
    if (patterns_copy(&dst->keys, &src->keys) < 0 ||
        patterns_copy(&dst->channels, &src->channels) < 0)
        goto nomem;
    return 0;
nomem:
    rules_free(dst);
    return ACL_ERR_NOMEM;
}

static bool rules_unrestricted(const struct acl_rules *r)
{
    if (!r->allkeys || !r->allchannels)
        return false;
    for (size_t id = 0; id < ncommands; id++)
        if (!bit_get(r->cmds, id))
            return false;
    return true;
}

/* ---- SETUSER's rules, one at a time ------------------------------------------------ */

static bool has_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == ' ' || s[i] == '\0' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            return true;
    return false;
}

static int password_find(const struct acl_rules *r, const char *hex)
{
    for (size_t i = 0; i < r->npasswords; i++)
        if (memcmp(r->passwords[i], hex, SHA256_HEX_LEN) == 0)
            return (int)i;
    return -1;
}

static bool valid_hash(const char *s, size_t len)
{
    if (len != SHA256_HEX_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static int password_add(struct acl_rules *r, const char *hex)
{
    r->flags &= ~(unsigned)USER_NOPASS;
    if (password_find(r, hex) >= 0)
        return 0;
    void *grown = realloc(r->passwords, (r->npasswords + 1) * sizeof(*r->passwords));
    if (grown == NULL)
        return ACL_ERR_NOMEM;
    r->passwords = grown;
    memcpy(r->passwords[r->npasswords++], hex, SHA256_HEX_LEN + 1);
    return 0;
}

/* >pass and #hash add, <pass and !hash remove (the hash as given). */
static int password_rule(struct acl_rules *r, const char *op, size_t len)
{
    char hex[SHA256_HEX_LEN + 1];
    if (op[0] == '>' || op[0] == '<') {
        sha256_hex(op + 1, len - 1, hex);
    } else {
        if (!valid_hash(op + 1, len - 1))
            return ACL_ERR_BAD_HASH;
        memcpy(hex, op + 1, SHA256_HEX_LEN);
        hex[SHA256_HEX_LEN] = '\0';
    }
    if (op[0] == '>' || op[0] == '#')
        return password_add(r, hex);
    int at = password_find(r, hex);
    if (at < 0)
        return ACL_ERR_NO_SUCH_PASSWORD;
    memmove(r->passwords[at], r->passwords[at + 1],
            (r->npasswords - (size_t)at - 1) * sizeof(*r->passwords));
    r->npasswords--;
    return 0;
}

/* Add a pattern, or widen the permissions of the same one. */
static int pattern_add(struct acl_patterns *p, const char *text, size_t len, unsigned perm)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->items[i].len == len && memcmp(p->items[i].text, text, len) == 0) {
            p->items[i].perm |= perm;
            return 0;
        }
    }
    char *copy = malloc(len + 1);
    void *grown = realloc(p->items, (p->n + 1) * sizeof(*p->items));
    if (grown != NULL)
        p->items = grown;
    if (copy == NULL || grown == NULL) {
        free(copy);
        return ACL_ERR_NOMEM;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    p->items[p->n++] = (struct acl_pattern){copy, len, perm};
    return 0;
}

/* ~pattern, %R~pattern, %W~pattern, %RW~pattern. */
static int key_rule(struct acl_rules *r, const char *op, size_t len)
{
    unsigned perm = PERM_ALL;
    size_t at = 1;
    if (r->allkeys)
        return ACL_ERR_KEYS_AFTER_ALL;
    if (op[0] == '%') {
        perm = 0;
        for (; at < len && op[at] != '~'; at++) {
            unsigned bit = (op[at] == 'R' || op[at] == 'r')   ? PERM_READ
                           : (op[at] == 'W' || op[at] == 'w') ? PERM_WRITE
                                                              : 0;
            if (bit == 0 || (perm & bit))
                return ACL_ERR_SYNTAX;
            perm |= bit;
        }
        if (perm == 0 || at == len)
            return ACL_ERR_SYNTAX;
        at++;
    }
    if (len - at == 1 && op[at] == '*' && perm == PERM_ALL) {
        r->allkeys = true;
        patterns_free(&r->keys);
        return 0;
    }
    if (has_space(op + at, len - at))
        return ACL_ERR_SYNTAX;
    return pattern_add(&r->keys, op + at, len - at, perm);
}

static int channel_rule(struct acl_rules *r, const char *op, size_t len)
{
    if (r->allchannels)
        return ACL_ERR_CHANNELS_AFTER_ALL;
    if (len == 2 && op[1] == '*') {
        r->allchannels = true;
        patterns_free(&r->channels);
        return 0;
    }
    if (has_space(op + 1, len - 1))
        return ACL_ERR_SYNTAX;
    return pattern_add(&r->channels, op + 1, len - 1, PERM_ALL);
}

/* A command or "command|subcommand"; NULL when unknown. */
static const struct command *command_by_rule_name(const char *name, size_t len)
{
    const char *bar = memchr(name, '|', len);
    if (bar == NULL)
        return command_lookup(name, len);
    const struct command *cmd = command_lookup(name, (size_t)(bar - name));
    if (cmd == NULL)
        return NULL;
    return command_lookup_sub(cmd, bar + 1, len - (size_t)(bar - name) - 1);
}

/* Why "+name|arg" (not a known subcommand) is refused: split at its last
 * '|' as Redis does, a subcommand's first-arg is Redis's error, a
 * command's first-arg (+select|0) Grove's, anything else unknown. */
static int first_arg_rule(const char *name, size_t len)
{
    const char *bar = NULL;
    for (size_t i = 0; i < len; i++)
        if (name[i] == '|')
            bar = name + i;
    if (bar == NULL)
        return ACL_ERR_UNKNOWN_NAME;
    const struct command *base = command_by_rule_name(name, (size_t)(bar - name));
    if (base == NULL)
        return ACL_ERR_UNKNOWN_NAME;
    if (base->parent != NULL)
        return ACL_ERR_SUBCOMMAND_FIRSTARG;
    if (bar + 1 == name + len)
        return ACL_ERR_SYNTAX;
    return base->subcommands ? ACL_ERR_UNKNOWN_NAME : ACL_ERR_FIRSTARG_UNSUPPORTED;
}

/* +cmd, -cmd, +cmd|sub, -cmd|sub, +@category, -@category. */
static int command_rule(struct acl_rules *r, const char *op, size_t len)
{
    bool on = op[0] == '+';
    if (len >= 2 && op[1] == '@') {
        int b = category_by_name(op + 2, len - 2);
        if (len - 2 == 3 && strncasecmp(op + 2, "all", 3) == 0) {
            memset(r->cmds, on ? 0xff : 0, sizeof(r->cmds));
            return 0;
        }
        if (b < 0)
            return ACL_ERR_UNKNOWN_NAME;
        category_set(r->cmds, 1u << b, on);
        return 0;
    }
    const struct command *cmd = command_by_rule_name(op + 1, len - 1);
    if (cmd == NULL && on)
        return first_arg_rule(op + 1, len - 1);
    if (cmd == NULL)
        return ACL_ERR_UNKNOWN_NAME;
    change_perm(r->cmds, cmd, on);
    return 0;
}

static bool op_is(const char *op, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(op, word, len) == 0;
}

/* Redis's "reset": resetpass resetkeys resetchannels off -@all, and the
 * payload check back on. */
static void rules_reset(struct acl_rules *r)
{
    rules_free(r);
    memset(r, 0, sizeof(*r));
    r->flags = USER_SANITIZE;
}

/* Flags and the all/reset words; 1 when `op` is none of them. */
static int word_rule(struct acl_rules *r, const char *op, size_t len)
{
    if (op_is(op, len, "on"))
        r->flags |= USER_ON;
    else if (op_is(op, len, "off"))
        r->flags &= ~(unsigned)USER_ON;
    else if (op_is(op, len, "nopass")) {
        r->flags |= USER_NOPASS;
        r->npasswords = 0;
    } else if (op_is(op, len, "resetpass")) {
        r->flags &= ~(unsigned)USER_NOPASS;
        r->npasswords = 0;
    } else if (op_is(op, len, "sanitize-payload"))
        r->flags |= USER_SANITIZE;
    else if (op_is(op, len, "skip-sanitize-payload"))
        return ACL_ERR_UNSUPPORTED; /* RESTORE here always checks payloads */
    else if (op_is(op, len, "allkeys"))
        return key_rule(r, "~*", 2);
    else if (op_is(op, len, "resetkeys")) {
        r->allkeys = false;
        patterns_free(&r->keys);
    } else if (op_is(op, len, "allchannels"))
        return channel_rule(r, "&*", 2);
    else if (op_is(op, len, "resetchannels")) {
        r->allchannels = false;
        patterns_free(&r->channels);
    } else if (op_is(op, len, "allcommands"))
        return command_rule(r, "+@all", 5);
    else if (op_is(op, len, "nocommands"))
        return command_rule(r, "-@all", 5);
    else if (op_is(op, len, "reset"))
        rules_reset(r);
    else if (!op_is(op, len, "clearselectors")) /* there are none to clear */
        return 1;
    return 0;
}

/* One SETUSER rule applied to r: 0 or ACL_ERR_*. */
static int rule_apply(struct acl_rules *r, const char *op, size_t len)
{
    if (len == 0)
        return ACL_ERR_SYNTAX;
    int rc = word_rule(r, op, len);
    if (rc <= 0)
        return rc;
    switch (op[0]) {
    case '>': case '<': case '#': case '!':
        return password_rule(r, op, len);
    case '~': case '%':
        return key_rule(r, op, len);
    case '&':
        return channel_rule(r, op, len);
    case '+': case '-':
        return len > 1 ? command_rule(r, op, len) : ACL_ERR_SYNTAX;
    default:
        return ACL_ERR_SYNTAX;
    }
}

/* ---- users ------------------------------------------------------------------------ */

static void user_publish(struct acl_user *u)
{
    atomic_store_explicit(&u->unrestricted, rules_unrestricted(&u->rules), memory_order_relaxed);
    if (u == &default_user)
        atomic_store(&default_needs_auth,
                     (u->rules.flags & (USER_ON | USER_NOPASS)) != (USER_ON | USER_NOPASS));
}

static int name_cmp(const struct acl_user *u, const char *name, size_t nlen)
{
    return bytes_cmp(u->name, u->namelen, name, nlen);
}

/* The index of the user named so, or where it would go; acl_lock held. */
static size_t user_slot(const char *name, size_t nlen, bool *found)
{
    size_t lo = 0, hi = nusers;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = name_cmp(users[mid], name, nlen);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static struct acl_user *user_lookup(const char *name, size_t nlen)
{
    bool found;
    size_t at = user_slot(name, nlen, &found);
    return found ? users[at] : NULL;
}

static int users_insert(struct acl_user *u, size_t at)
{
    struct acl_user **grown = realloc(users, (nusers + 1) * sizeof(*users));
    if (grown == NULL)
        return ACL_ERR_NOMEM;
    users = grown;
    memmove(users + at + 1, users + at, (nusers - at) * sizeof(*users));
    users[at] = u;
    nusers++;
    return 0;
}

static struct acl_user *user_create(const char *name, size_t nlen)
{
    struct acl_user *u = calloc(1, sizeof(*u));
    char *copy = malloc(nlen + 1);
    if (u == NULL || copy == NULL) {
        free(u);
        free(copy);
        return NULL;
    }
    memcpy(copy, name, nlen);
    copy[nlen] = '\0';
    u->name = copy;
    u->namelen = nlen;
    atomic_init(&u->refs, 1);
    return u;
}

struct acl_user *acl_default_user(void)
{
    atomic_fetch_add(&default_user.refs, 1);
    return &default_user;
}

void acl_user_release(struct acl_user *u)
{
    if (u == NULL || atomic_fetch_sub(&u->refs, 1) != 1)
        return;
    assert(u != &default_user);
    rules_free(&u->rules);
    free(u->name);
    free(u);
}

const char *acl_user_name(const struct acl_user *u)
{
    return u->name;
}

bool acl_user_unrestricted(const struct acl_user *u)
{
    return atomic_load_explicit(&u->unrestricted, memory_order_relaxed);
}

bool acl_default_needs_auth(void)
{
    return atomic_load_explicit(&default_needs_auth, memory_order_relaxed);
}

bool acl_default_nopass(void)
{
    pthread_rwlock_rdlock(&acl_lock);
    bool nopass = (default_user.rules.flags & USER_NOPASS) != 0;
    pthread_rwlock_unlock(&acl_lock);
    return nopass;
}

void acl_set_default_password(const char *password)
{
    pthread_rwlock_wrlock(&acl_lock);
    struct acl_rules *r = &default_user.rules;
    r->npasswords = 0;
    if (password[0] == '\0') {
        r->flags |= USER_NOPASS;
    } else {
        char hex[SHA256_HEX_LEN + 1];
        sha256_hex(password, strlen(password), hex);
        if (password_add(r, hex) < 0)
            r->flags &= ~(unsigned)USER_ON; /* no memory: nobody gets in, rather than anybody */
    }
    user_publish(&default_user);
    pthread_rwlock_unlock(&acl_lock);
}

int acl_init(void)
{
    ncommands = command_id_count();
    assert(ncommands < ACL_BIT_FUTURE);
    categories_of = calloc(ncommands ? ncommands : 1, sizeof(*categories_of));
    if (categories_of == NULL)
        return -ENOMEM;
    for (size_t id = 0; id < ncommands; id++)
        categories_of[id] = command_acl_categories(command_by_id((unsigned)id));
    cmd_publish = command_lookup("publish", 7);
    cmd_spublish = command_lookup("spublish", 8);
    cmd_subscribe = command_lookup("subscribe", 9);
    cmd_ssubscribe = command_lookup("ssubscribe", 10);
    cmd_psubscribe = command_lookup("psubscribe", 10);
    pthread_rwlock_wrlock(&acl_lock);
    memset(default_user.rules.cmds, 0xff, sizeof(default_user.rules.cmds));
    int rc = nusers == 0 ? users_insert(&default_user, 0) : 0;
    user_publish(&default_user);
    pthread_rwlock_unlock(&acl_lock);
    return rc < 0 ? -ENOMEM : 0;
}

void acl_deinit(void)
{
    pthread_rwlock_wrlock(&acl_lock);
    for (size_t i = 0; i < nusers; i++)
        if (users[i] != &default_user)
            acl_user_release(users[i]);
    free(users);
    users = NULL;
    nusers = 0;
    rules_free(&default_user.rules);
    pthread_rwlock_unlock(&acl_lock);
    free(categories_of);
    categories_of = NULL;
}

/* Compare without leaking where the first difference is. */
static bool hash_equal(const char *a, const char *b)
{
    unsigned char diff = 0;
    for (size_t i = 0; i < SHA256_HEX_LEN; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

struct acl_user *acl_authenticate(const char *name, size_t nlen, const char *pass, size_t plen)
{
    char hex[SHA256_HEX_LEN + 1];
    sha256_hex(pass, plen, hex);
    pthread_rwlock_rdlock(&acl_lock);
    struct acl_user *u = nlen == 7 && memcmp(name, "default", 7) == 0 ? &default_user
                                                                      : user_lookup(name, nlen);
    bool ok = u != NULL && (u->rules.flags & USER_ON);
    if (ok && !(u->rules.flags & USER_NOPASS)) {
        bool match = false;
        for (size_t i = 0; i < u->rules.npasswords; i++)
            match |= hash_equal(u->rules.passwords[i], hex);
        ok = match;
    }
    if (ok)
        atomic_fetch_add(&u->refs, 1);
    pthread_rwlock_unlock(&acl_lock);
    return ok ? u : NULL;
}

void acl_client_set_user(struct client *c, struct acl_user *u)
{
    client_registry_lock();
    struct acl_user *old = c->user;
    c->user = u;
    client_registry_unlock();
    acl_user_release(old);
}

struct acl_user *acl_user_find(const char *name, size_t nlen)
{
    pthread_rwlock_rdlock(&acl_lock);
    struct acl_user *u = user_lookup(name, nlen);
    if (u != NULL)
        atomic_fetch_add(&u->refs, 1);
    pthread_rwlock_unlock(&acl_lock);
    return u;
}

int acl_setuser(const char *name, size_t nlen, const struct resp_arg *ops, size_t nops,
                size_t *bad)
{
    struct acl_rules r;
    bool found;
    pthread_rwlock_wrlock(&acl_lock);
    size_t at = user_slot(name, nlen, &found);
    int rc = found ? rules_copy(&r, &users[at]->rules) : 0;
    if (!found)
        memset(&r, 0, sizeof(r));
    for (size_t i = 0; rc == 0 && i < nops; i++) {
        rc = rule_apply(&r, ops[i].ptr, ops[i].len);
        *bad = i;
    }
    struct acl_user *u = found ? users[at] : NULL;
    if (rc == 0 && u == NULL) {
        u = user_create(name, nlen);
        rc = u == NULL ? ACL_ERR_NOMEM : users_insert(u, at);
        if (rc < 0 && u != NULL)
            acl_user_release(u);
    }
    if (rc == 0) {
        rules_free(&u->rules);
        u->rules = r;
        user_publish(u);
    } else {
        rules_free(&r);
    }
    pthread_rwlock_unlock(&acl_lock);
    return rc;
}

bool acl_deluser(const char *name, size_t nlen, struct acl_user **gone)
{
    bool found;
    pthread_rwlock_wrlock(&acl_lock);
    size_t at = user_slot(name, nlen, &found);
    if (found) {
        *gone = users[at]; /* the list's reference passes to the caller */
        memmove(users + at, users + at + 1, (nusers - at - 1) * sizeof(*users));
        nusers--;
    }
    pthread_rwlock_unlock(&acl_lock);
    return found;
}

/* ---- the check ------------------------------------------------------------------ */

/* Write commands whose Redis 7.0 key specs neither read nor return the
 * old value (OW, or RW insert/delete/update without "access"): they need
 * only %W~. Every other write needs %RW~, every read %R~. */
static bool writes_blind(const struct command *cmd)
{
    static const char *const blind[] = {
        "set", "setex", "psetex", "setnx", "mset", "msetnx", "del", "unlink", "lpush", "rpush",
        "lpushx", "rpushx", "sadd", "hset", "hmset", "hsetnx", "pfadd", "xadd", "expire",
        "pexpire", "expireat", "pexpireat", "persist", "restore", NULL};
    for (size_t i = 0; blind[i] != NULL; i++)
        if (strcmp(cmd->fullname, blind[i]) == 0)
            return true;
    return false;
}

static unsigned key_perm_needed(const struct command *cmd, const struct resp_arg *argv,
                                size_t argi)
{
    if (!(cmd->flags & CMD_WRITE))
        return PERM_READ;
    if (writes_blind(cmd))
        return PERM_WRITE;
    /* a STORE destination (GEORADIUS's): Redis's OW key spec */
    if (cmd->key_after_words != NULL && argi > 1)
        for (const char *const *w = cmd->key_after_words; *w; w++)
            if (arg_is(&argv[argi - 1], *w))
                return PERM_WRITE;
    return PERM_ALL;
}

static bool key_allowed(const struct acl_rules *r, const char *key, size_t len, unsigned perm)
{
    for (size_t i = 0; i < r->keys.n; i++) {
        const struct acl_pattern *p = &r->keys.items[i];
        if ((p->perm & perm) == perm && glob_match(p->text, p->len, key, len, false))
            return true;
    }
    return false;
}

static bool channel_allowed(const struct acl_rules *r, const char *ch, size_t len, bool literal)
{
    for (size_t i = 0; i < r->channels.n; i++) {
        const struct acl_pattern *p = &r->channels.items[i];
        if (literal ? p->len == len && memcmp(p->text, ch, len) == 0
                    : glob_match(p->text, p->len, ch, len, false))
            return true;
    }
    return false;
}

static enum acl_denied check_keys(const struct acl_rules *r, const struct command *cmd,
                                  const struct resp_arg *argv, size_t argc, size_t *errpos)
{
    struct command_keys keys;
    size_t i;
    if (command_keys_init(&keys, cmd, argv, argc) <= 0)
        return ACL_OK;
    while (command_keys_next(&keys, &i)) {
        if (!key_allowed(r, argv[i].ptr, argv[i].len, key_perm_needed(cmd, argv, i))) {
            *errpos = i;
            return ACL_DENIED_KEY;
        }
    }
    return ACL_OK;
}

static enum acl_denied check_channels(const struct acl_rules *r, const struct command *cmd,
                                      const struct resp_arg *argv, size_t argc, size_t *errpos)
{
    size_t last = argc - 1;
    if (cmd == cmd_publish || cmd == cmd_spublish)
        last = 1;
    else if (cmd != cmd_subscribe && cmd != cmd_ssubscribe && cmd != cmd_psubscribe)
        return ACL_OK;
    for (size_t i = 1; i <= last && i < argc; i++) {
        if (!channel_allowed(r, argv[i].ptr, argv[i].len, cmd == cmd_psubscribe)) {
            *errpos = i;
            return ACL_DENIED_CHANNEL;
        }
    }
    return ACL_OK;
}

enum acl_denied acl_check(const struct acl_user *u, const struct command *cmd,
                          const struct resp_arg *argv, size_t argc, size_t *errpos)
{
    enum acl_denied why = ACL_OK;
    *errpos = 0;
    pthread_rwlock_rdlock(&acl_lock);
    const struct acl_rules *r = &u->rules;
    if (!(cmd->flags & CMD_NO_AUTH) && !bit_get(r->cmds, cmd->id))
        why = ACL_DENIED_CMD;
    if (why == ACL_OK && !r->allkeys)
        why = check_keys(r, cmd, argv, argc, errpos);
    if (why == ACL_OK && !r->allchannels)
        why = check_channels(r, cmd, argv, argc, errpos);
    pthread_rwlock_unlock(&acl_lock);
    return why;
}

void acl_denied_text(enum acl_denied why, const struct command *cmd, const struct resp_arg *arg,
                     char *buf, size_t cap)
{
    if (why == ACL_DENIED_CMD)
        snprintf(buf, cap, "This user has no permissions to run the '%s' command",
                 cmd->fullname);
    else
        snprintf(buf, cap, "This user has no permissions to access the '%.*s' %s",
                 (int)(arg->len > 512 ? 512 : arg->len), arg->ptr,
                 why == ACL_DENIED_KEY ? "key" : "channel");
}

static void reply_denied(struct resp_out *out, enum acl_denied why, const struct command *cmd,
                         enum acl_context ctx)
{
    if (ctx == ACL_CONTEXT_LUA) {
        resp_add_error(out, why == ACL_DENIED_CMD
                                ? "ERR The user executing the script can't run this command or "
                                  "subcommand"
                            : why == ACL_DENIED_KEY
                                ? "ERR The user executing the script can't access at least one "
                                  "of the keys mentioned in the command arguments"
                                : "ERR The user executing the script can't publish to the "
                                  "channel mentioned in the command");
    } else if (why == ACL_DENIED_CMD) {
        resp_add_errorf(out, "NOPERM this user has no permissions to run the '%s' command",
                        cmd->fullname);
    } else {
        resp_add_errorf(out, "NOPERM this user has no permissions to access one of the %s used "
                             "as arguments",
                        why == ACL_DENIED_KEY ? "keys" : "channels");
    }
}

bool acl_check_or_reply(struct client *c, const struct command *cmd, const struct resp_arg *argv,
                        size_t argc, enum acl_context ctx, struct resp_out *out,
                        long long now_ms)
{
    size_t errpos;
    enum acl_denied why = acl_check(c->user, cmd, argv, argc, &errpos);
    if (why == ACL_OK)
        return true;
    if (ctx != ACL_CONTEXT_LUA) {
        /* CLIENT LIST shows a refused command too, as Redis's c->cmd */
        c->last_cmd = cmd;
        atomic_store_explicit(&c->view.last_cmd, cmd, memory_order_relaxed);
    }
    const char *object = why == ACL_DENIED_CMD ? cmd->fullname : argv[errpos].ptr;
    size_t olen = why == ACL_DENIED_CMD ? strlen(cmd->fullname) : argv[errpos].len;
    acl_log_add(c, why, ctx, object, olen, c->user->name, c->user->namelen, now_ms);
    reply_denied(out, why, cmd, ctx);
    return false;
}

/* ---- describing rules (ACL LIST, GETUSER) ---------------------------------------- */

static void text_add(struct resp_out *text, const char *s)
{
    resp_add_raw(text, s, strlen(s));
}

/* Commands of the category on and off in bits. */
static void category_count(const uint64_t *bits, uint32_t category, size_t *on, size_t *off)
{
    *on = *off = 0;
    for (size_t id = 0; id < ncommands; id++)
        if (categories_of[id] & category)
            *(bit_get(bits, id) ? on : off) += 1;
}

/* The best category still to apply (Redis's rule: more alike than
 * different, the fewest differences, then the most alike); -1 if none. */
static int best_category(const uint64_t *left, bool additive, const bool *applied)
{
    int best = -1;
    size_t mindiff = SIZE_MAX, maxsame = 0;
    for (unsigned b = 0; command_acl_name(b) != NULL; b++) {
        size_t on, off;
        if (applied[b])
            continue;
        category_count(left, 1u << b, &on, &off);
        size_t diff = additive ? off : on, same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
            best = (int)b;
            mindiff = diff;
            maxsame = same;
        }
    }
    return best;
}

/* Redis 7.0's ACLDescribeSelectorCommandRules: "+@all" or "-@all", the
 * categories that fit best, then single commands until a bitmap built
 * from the text equals the user's. */
static void describe_commands(struct resp_out *text, const struct acl_rules *r)
{
    uint64_t built[ACL_WORDS], left[ACL_WORDS];
    bool applied[32] = {false};
    bool additive = !bit_get(r->cmds, ACL_BIT_FUTURE);
    memset(built, additive ? 0 : 0xff, sizeof(built));
    memcpy(left, r->cmds, sizeof(left));
    text_add(text, additive ? "-@all" : "+@all");
    for (int b; (b = best_category(left, additive, applied)) >= 0;) {
        category_set(built, 1u << b, additive);
        category_set(left, 1u << b, !additive);
        applied[b] = true;
        text_add(text, additive ? " +@" : " -@");
        text_add(text, command_acl_name((unsigned)b));
    }
    for (size_t id = 0; id < ncommands; id++) {
        bool want = bit_get(r->cmds, id);
        if (want == bit_get(built, id))
            continue;
        const struct command *cmd = command_by_id((unsigned)id);
        text_add(text, want ? " +" : " -");
        text_add(text, cmd->fullname);
        change_perm(built, cmd, want);
    }
    assert(memcmp(built, r->cmds, sizeof(built)) == 0);
}

static void describe_keys(struct resp_out *text, const struct acl_rules *r, const char *sep)
{
    if (r->allkeys) {
        text_add(text, "~*");
        return;
    }
    for (size_t i = 0; i < r->keys.n; i++) {
        const struct acl_pattern *p = &r->keys.items[i];
        if (i > 0)
            text_add(text, sep);
        text_add(text, p->perm == PERM_ALL ? "~" : p->perm == PERM_READ ? "%R~" : "%W~");
        resp_add_raw(text, p->text, p->len);
    }
}

static void describe_channels(struct resp_out *text, const struct acl_rules *r)
{
    if (r->allchannels) {
        text_add(text, "&*");
        return;
    }
    for (size_t i = 0; i < r->channels.n; i++) {
        text_add(text, i > 0 ? " &" : "&");
        resp_add_raw(text, r->channels.items[i].text, r->channels.items[i].len);
    }
}

/* The flags, in Redis's ACLUserFlags order. */
static size_t flag_words(const struct acl_rules *r, const char *words[3])
{
    size_t n = 0;
    words[n++] = (r->flags & USER_ON) ? "on" : "off";
    if (r->flags & USER_NOPASS)
        words[n++] = "nopass";
    if (r->flags & USER_SANITIZE)
        words[n++] = "sanitize-payload";
    return n;
}

/* One ACL LIST line: "user NAME flags #hashes keys channels commands". */
static void describe_user(struct resp_out *text, const struct acl_user *u)
{
    const struct acl_rules *r = &u->rules;
    const char *words[3];
    size_t nwords = flag_words(r, words);
    text_add(text, "user ");
    resp_add_raw(text, u->name, u->namelen);
    for (size_t i = 0; i < nwords; i++) {
        text_add(text, " ");
        text_add(text, words[i]);
    }
    for (size_t i = 0; i < r->npasswords; i++) {
        text_add(text, " #");
        text_add(text, r->passwords[i]);
    }
    if (r->allkeys || r->keys.n > 0) {
        text_add(text, " ");
        describe_keys(text, r, " ");
    }
    text_add(text, r->allchannels ? " " : " resetchannels");
    if (r->allchannels || r->channels.n > 0) {
        if (!r->allchannels)
            text_add(text, " ");
        describe_channels(text, r);
    }
    text_add(text, " ");
    describe_commands(text, r);
}

static void reply_text_bulk(struct resp_out *out, struct resp_out *text)
{
    resp_add_bulk(out, text->data ? text->data : "", text->len);
    text->len = 0;
}

void acl_reply_users(struct resp_out *out)
{
    pthread_rwlock_rdlock(&acl_lock);
    resp_add_array_len(out, nusers);
    for (size_t i = 0; i < nusers; i++)
        resp_add_bulk(out, users[i]->name, users[i]->namelen);
    pthread_rwlock_unlock(&acl_lock);
}

void acl_reply_list(struct resp_out *out)
{
    struct resp_out text;
    resp_out_init(&text, 2);
    pthread_rwlock_rdlock(&acl_lock);
    resp_add_array_len(out, nusers);
    for (size_t i = 0; i < nusers; i++) {
        describe_user(&text, users[i]);
        reply_text_bulk(out, &text);
    }
    pthread_rwlock_unlock(&acl_lock);
    resp_out_deinit(&text);
}

void acl_reply_getuser(struct resp_out *out, const struct acl_user *u)
{
    struct resp_out text;
    const char *words[3];
    resp_out_init(&text, 2);
    pthread_rwlock_rdlock(&acl_lock);
    const struct acl_rules *r = &u->rules;
    size_t nwords = flag_words(r, words);
    resp_add_map_len(out, 6);
    resp_add_bulk_cstr(out, "flags");
    resp_add_array_len(out, nwords);
    for (size_t i = 0; i < nwords; i++)
        resp_add_bulk_cstr(out, words[i]);
    resp_add_bulk_cstr(out, "passwords");
    resp_add_array_len(out, r->npasswords);
    for (size_t i = 0; i < r->npasswords; i++)
        resp_add_bulk(out, r->passwords[i], SHA256_HEX_LEN);
    resp_add_bulk_cstr(out, "commands");
    describe_commands(&text, r);
    reply_text_bulk(out, &text);
    resp_add_bulk_cstr(out, "keys");
    describe_keys(&text, r, " ");
    reply_text_bulk(out, &text);
    resp_add_bulk_cstr(out, "channels");
    describe_channels(&text, r);
    reply_text_bulk(out, &text);
    resp_add_bulk_cstr(out, "selectors");
    resp_add_array_len(out, 0);
    pthread_rwlock_unlock(&acl_lock);
    resp_out_deinit(&text);
}

bool acl_reply_cat(struct resp_out *out, const char *category, size_t len)
{
    if (category == NULL) {
        size_t n = 0;
        while (command_acl_name((unsigned)n) != NULL)
            n++;
        resp_add_array_len(out, n);
        for (unsigned b = 0; b < n; b++)
            resp_add_bulk_cstr(out, command_acl_name(b));
        return true;
    }
    int b = category_by_name(category, len);
    if (b < 0)
        return false;
    size_t n = 0;
    for (size_t id = 0; id < ncommands; id++)
        n += (categories_of[id] >> b) & 1;
    resp_add_array_len(out, n);
    for (size_t id = 0; id < ncommands; id++)
        if ((categories_of[id] >> b) & 1)
            resp_add_bulk_cstr(out, command_by_id((unsigned)id)->fullname);
    return true;
}

/* ---- ACL LOG ------------------------------------------------------------------------ */

/* Refusals alike (reason, context, object, user) within this long are
 * one entry with a count, as in Redis; only the newest few are searched. */
#define LOG_GROUPING_MS 60000
#define LOG_GROUPING_SCAN 10

struct log_entry {
    long long count;
    enum acl_denied reason;
    enum acl_context context;
    char *object, *username, *client_info;
    size_t olen, ulen;
    long long ctime_ms;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_entry *log_entries; /* newest first; under log_lock */
static size_t log_len, log_cap;

static void entry_free(struct log_entry *e)
{
    free(e->object);
    free(e->username);
    free(e->client_info);
}

static char *dup_bytes(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

static struct log_entry *log_match(const struct log_entry *e, long long now_ms)
{
    for (size_t i = 0; i < log_len && i < LOG_GROUPING_SCAN; i++) {
        struct log_entry *o = &log_entries[i];
        if (o->reason == e->reason && o->context == e->context && o->olen == e->olen &&
            o->ulen == e->ulen && memcmp(o->object, e->object, e->olen) == 0 &&
            memcmp(o->username, e->username, e->ulen) == 0 &&
            now_ms - o->ctime_ms < LOG_GROUPING_MS)
            return o;
    }
    return NULL;
}

/* Keep the entry (newest first) within acllog-max-len; false if no room. */
static bool log_push(struct log_entry *e, size_t max)
{
    while (log_len > 0 && log_len >= max)
        entry_free(&log_entries[--log_len]);
    if (max == 0)
        return false;
    if (log_len == log_cap) {
        size_t cap = log_cap ? log_cap * 2 : 16;
        struct log_entry *grown = realloc(log_entries, cap * sizeof(*grown));
        if (grown == NULL)
            return false;
        log_entries = grown;
        log_cap = cap;
    }
    memmove(log_entries + 1, log_entries, log_len * sizeof(*log_entries));
    log_entries[0] = *e;
    log_len++;
    return true;
}

static char *client_info_of(struct client *c, long long now_ms)
{
    struct resp_out text;
    resp_out_init(&text, 2);
    client_publish(c, c->out.len);
    client_registry_lock();
    client_describe(&text, c, now_ms);
    client_registry_unlock();
    size_t len = text.len > 0 && text.data[text.len - 1] == '\n' ? text.len - 1 : text.len;
    char *info = dup_bytes(text.data ? text.data : "", len);
    resp_out_deinit(&text);
    return info;
}

void acl_log_add(struct client *c, enum acl_denied why, enum acl_context ctx,
                 const char *object, size_t olen, const char *username, size_t ulen,
                 long long now_ms)
{
    struct log_entry e = {
        .count = 1, .reason = why, .context = ctx, .olen = olen, .ulen = ulen,
        .ctime_ms = now_ms, .object = dup_bytes(object, olen),
        .username = dup_bytes(username, ulen), .client_info = client_info_of(c, now_ms),
    };
    if (e.object == NULL || e.username == NULL || e.client_info == NULL) {
        entry_free(&e);
        return; /* out of memory: the refusal stands, unlogged */
    }
    size_t max = (size_t)atomic_load_explicit(&server.cfg.acllog_max_len, memory_order_relaxed);
    pthread_mutex_lock(&log_lock);
    struct log_entry *same = log_match(&e, now_ms);
    if (same != NULL) {
        same->count++;
        same->ctime_ms = now_ms;
        free(same->client_info);
        same->client_info = e.client_info;
        e.client_info = NULL;
        entry_free(&e);
    } else if (!log_push(&e, max)) {
        entry_free(&e);
    }
    pthread_mutex_unlock(&log_lock);
}

void acl_log_reset(void)
{
    pthread_mutex_lock(&log_lock);
    while (log_len > 0)
        entry_free(&log_entries[--log_len]);
    pthread_mutex_unlock(&log_lock);
}

static const char *reason_name(enum acl_denied why)
{
    return why == ACL_DENIED_CMD ? "command"
           : why == ACL_DENIED_KEY ? "key"
           : why == ACL_DENIED_CHANNEL ? "channel"
                                       : "auth";
}

static const char *context_name(enum acl_context ctx)
{
    return ctx == ACL_CONTEXT_MULTI ? "multi" : ctx == ACL_CONTEXT_LUA ? "lua" : "toplevel";
}

void acl_reply_log(struct resp_out *out, long long count, long long now_ms)
{
    pthread_mutex_lock(&log_lock);
    size_t n = count < 0 ? 0 : (size_t)count < log_len ? (size_t)count : log_len;
    resp_add_array_len(out, n);
    for (size_t i = 0; i < n; i++) {
        const struct log_entry *e = &log_entries[i];
        resp_add_map_len(out, 7);
        resp_add_bulk_cstr(out, "count");
        resp_add_integer(out, e->count);
        resp_add_bulk_cstr(out, "reason");
        resp_add_bulk_cstr(out, reason_name(e->reason));
        resp_add_bulk_cstr(out, "context");
        resp_add_bulk_cstr(out, context_name(e->context));
        resp_add_bulk_cstr(out, "object");
        resp_add_bulk(out, e->object, e->olen);
        resp_add_bulk_cstr(out, "username");
        resp_add_bulk(out, e->username, e->ulen);
        resp_add_bulk_cstr(out, "age-seconds");
        resp_add_double(out, (double)(now_ms - e->ctime_ms) / 1000.0);
        resp_add_bulk_cstr(out, "client-info");
        resp_add_bulk_cstr(out, e->client_info);
    }
    pthread_mutex_unlock(&log_lock);
}
