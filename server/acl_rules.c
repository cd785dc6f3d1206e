/*
 * acl_rules.c - one user's rules: applying SETUSER's ops, checking a
 * command line against them, describing them (ACL LIST, GETUSER); see
 * acl_rules.h for the model.
 *
 * Commands are allowed by a bitmap over command ids (every command and
 * subcommand has one, command.h), as Redis's allowed_commands. One more
 * bit, BIT_FUTURE, is set only by +@all (allcommands): it records that
 * the rules started from everything, which ACL LIST must say ("+@all
 * -get" rather than "-@all +..."). Categories are applied to the bitmap
 * when given and never kept, so ACL LIST re-derives them the way Redis
 * 7.0's ACLDescribeSelectorCommandRules does: the best-fitting categories
 * first, then single commands for what remains. A first-argument rule
 * (+select|0) is kept beside the bitmap until a later rule about the same
 * command (+select, -@all, a category holding it) replaces it, as in
 * Redis.
 *
 * Key patterns carry read/write permissions (%R~, %W~, ~ both); a key is
 * allowed when a pattern with the permissions its use needs matches it:
 * read for a key whose value the command reads, write for one it
 * changes (command_line_key_flags). Channel patterns match channels by
 * glob; a PSUBSCRIBE pattern must equal one of them, as in Redis.
 */
#include "acl_rules.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "command.h"
#include "glob.h"
#include "server.h"

#define BIT_FUTURE (ACL_RULES_BITS - 1)

enum { PERM_READ = 1, PERM_WRITE = 2, PERM_ALL = 3 };

/* Each command's categories, by id (filled by acl_rules_init). */
static uint32_t *categories_of;
static size_t ncommands;
/* The pub/sub commands whose arguments are channels. */
static const struct command *cmd_publish, *cmd_spublish, *cmd_subscribe, *cmd_ssubscribe,
    *cmd_psubscribe;

int acl_rules_init(void)
{
    ncommands = command_id_count();
    assert(ncommands < BIT_FUTURE);
    categories_of = calloc(ncommands ? ncommands : 1, sizeof(*categories_of));
    if (categories_of == NULL)
        return -ENOMEM;
    for (size_t id = 0; id < ncommands; id++)
        categories_of[id] = command_acl_categories(command_by_id((unsigned)id));
    cmd_publish = command_by_own_name("publish", 7);
    cmd_spublish = command_by_own_name("spublish", 8);
    cmd_subscribe = command_by_own_name("subscribe", 9);
    cmd_ssubscribe = command_by_own_name("ssubscribe", 10);
    cmd_psubscribe = command_by_own_name("psubscribe", 10);
    return 0;
}

void acl_rules_deinit(void)
{
    free(categories_of);
    categories_of = NULL;
}

/* ---- selectors --------------------------------------------------------------------- */

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

/* A command and all its subcommands. */
static void bits_change(uint64_t *bits, const struct command *cmd, bool on)
{
    bit_set(bits, cmd->id, on);
    for (const struct command *sub = cmd->subcommands; sub && sub->name; sub++)
        bit_set(bits, sub->id, on);
}

/* Redis's ACLSetSelectorCommandBitsForCategory on a bare bitmap: ids run
 * parent first, then its subcommands, as Redis's recursion visits them. */
static void bits_category(uint64_t *bits, uint32_t category, bool on)
{
    for (size_t id = 0; id < ncommands; id++)
        if (categories_of[id] & category)
            bits_change(bits, command_by_id((unsigned)id), on);
}

static void firstargs_free(struct acl_selector *s)
{
    for (size_t i = 0; i < s->nfirstargs; i++)
        free(s->firstargs[i].arg);
    free(s->firstargs);
    s->firstargs = NULL;
    s->nfirstargs = 0;
}

/* Forget the first-argument rules of one command. */
static void firstargs_reset(struct acl_selector *s, unsigned id)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->nfirstargs; i++) {
        if (s->firstargs[i].id == id)
            free(s->firstargs[i].arg);
        else
            s->firstargs[kept++] = s->firstargs[i];
    }
    s->nfirstargs = kept;
}

/* Redis's ACLChangeSelectorPerm: the bits, and the command's first-arg
 * rules are gone. */
static void selector_change(struct acl_selector *s, const struct command *cmd, bool on)
{
    bits_change(s->cmds, cmd, on);
    firstargs_reset(s, cmd->id);
}

static void selector_category(struct acl_selector *s, uint32_t category, bool on)
{
    for (size_t id = 0; id < ncommands; id++)
        if (categories_of[id] & category)
            selector_change(s, command_by_id((unsigned)id), on);
}

static void patterns_free(struct acl_patterns *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->items[i].text);
    free(p->items);
    *p = (struct acl_patterns){0};
}

static void selector_free(struct acl_selector *s)
{
    patterns_free(&s->keys);
    patterns_free(&s->channels);
    firstargs_free(s);
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
        char *text = bytes_dup_cstr(s->text, s->len);
        if (text == NULL)
            return ACL_ERR_NOMEM;
        dst->items[dst->n] = (struct acl_pattern){text, s->len, s->perm};
    }
    return 0;
}

static int firstargs_copy(struct acl_selector *dst, const struct acl_selector *src)
{
    dst->firstargs = NULL;
    dst->nfirstargs = 0;
    if (src->nfirstargs == 0)
        return 0;
    dst->firstargs = calloc(src->nfirstargs, sizeof(*dst->firstargs));
    if (dst->firstargs == NULL)
        return ACL_ERR_NOMEM;
    for (; dst->nfirstargs < src->nfirstargs; dst->nfirstargs++) {
        const struct acl_firstarg *f = &src->firstargs[dst->nfirstargs];
        char *arg = bytes_dup_cstr(f->arg, f->len);
        if (arg == NULL)
            return ACL_ERR_NOMEM;
        dst->firstargs[dst->nfirstargs] = (struct acl_firstarg){f->id, arg, f->len};
    }
    return 0;
}

static int selector_copy(struct acl_selector *dst, const struct acl_selector *src)
{
    *dst = *src;
    dst->keys = dst->channels = (struct acl_patterns){0};
    dst->firstargs = NULL;
    dst->nfirstargs = 0;
    if (patterns_copy(&dst->keys, &src->keys) < 0 ||
        patterns_copy(&dst->channels, &src->channels) < 0 || firstargs_copy(dst, src) < 0) {
        selector_free(dst);
        return ACL_ERR_NOMEM;
    }
    return 0;
}

static void selectors_clear(struct acl_rules *r)
{
    for (size_t i = 0; i < r->nselectors; i++)
        selector_free(&r->selectors[i]);
    free(r->selectors);
    r->selectors = NULL;
    r->nselectors = 0;
}

/* ---- whole rules ------------------------------------------------------------------- */

void acl_rules_init_empty(struct acl_rules *r)
{
    memset(r, 0, sizeof(*r));
}

/* acl-pubsub-default: whether new users and selectors start with every
 * channel, as Redis's ACLCreateSelector gives them. */
static bool channels_by_default(void)
{
    return atomic_load(&server.cfg.acl_pubsub_default) == ACL_PUBSUB_ALLCHANNELS;
}

void acl_rules_init_new(struct acl_rules *r)
{
    acl_rules_init_empty(r);
    r->root.allchannels = channels_by_default();
}

void acl_rules_init_all(struct acl_rules *r)
{
    memset(r, 0, sizeof(*r));
    r->flags = ACL_USER_ON | ACL_USER_NOPASS;
    memset(r->root.cmds, 0xff, sizeof(r->root.cmds));
    r->root.allkeys = r->root.allchannels = true;
}

void acl_rules_free(struct acl_rules *r)
{
    free(r->passwords);
    r->passwords = NULL;
    r->npasswords = 0;
    selector_free(&r->root);
    selectors_clear(r);
}

int acl_rules_copy(struct acl_rules *dst, const struct acl_rules *src)
{
    acl_rules_init_empty(dst);
    dst->flags = src->flags;
    if (src->npasswords > 0) {
        dst->passwords = malloc(src->npasswords * sizeof(*dst->passwords));
        if (dst->passwords == NULL)
            goto nomem;
        memcpy(dst->passwords, src->passwords, src->npasswords * sizeof(*dst->passwords));
        dst->npasswords = src->npasswords;
    }
    if (selector_copy(&dst->root, &src->root) < 0)
        goto nomem;
    if (src->nselectors > 0) {
        dst->selectors = calloc(src->nselectors, sizeof(*dst->selectors));
        if (dst->selectors == NULL)
            goto nomem;
        for (; dst->nselectors < src->nselectors; dst->nselectors++)
            if (selector_copy(&dst->selectors[dst->nselectors],
                              &src->selectors[dst->nselectors]) < 0)
                goto nomem;
    }
    return 0;
nomem:
    acl_rules_free(dst);
    return ACL_ERR_NOMEM;
}

bool acl_rules_unrestricted(const struct acl_rules *r)
{
    if (!r->root.allkeys || !r->root.allchannels)
        return false;
    for (size_t id = 0; id < ncommands; id++)
        if (!bit_get(r->root.cmds, id))
            return false;
    return true;
}

/* ---- a selector's rules ------------------------------------------------------------- */

static bool has_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == ' ' || s[i] == '\0' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            return true;
    return false;
}

static bool op_is(const char *op, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(op, word, len) == 0;
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
    char *copy = bytes_dup_cstr(text, len);
    void *grown = realloc(p->items, (p->n + 1) * sizeof(*p->items));
    if (grown != NULL)
        p->items = grown;
    if (copy == NULL || grown == NULL) {
        free(copy);
        return ACL_ERR_NOMEM;
    }
    p->items[p->n++] = (struct acl_pattern){copy, len, perm};
    return 0;
}

/* ~pattern, %R~pattern, %W~pattern, %RW~pattern. */
static int key_rule(struct acl_selector *s, const char *op, size_t len)
{
    unsigned perm = PERM_ALL;
    size_t at = 1;
    if (len == 2 && op[1] == '*' && op[0] == '~') { /* allkeys, even after allkeys */
        s->allkeys = true;
        patterns_free(&s->keys);
        return 0;
    }
    if (s->allkeys)
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
        s->allkeys = true;
        patterns_free(&s->keys);
        return 0;
    }
    if (has_space(op + at, len - at))
        return ACL_ERR_SYNTAX;
    return pattern_add(&s->keys, op + at, len - at, perm);
}

static int channel_rule(struct acl_selector *s, const char *op, size_t len)
{
    if (len == 2 && op[1] == '*') { /* allchannels, even after allchannels */
        s->allchannels = true;
        patterns_free(&s->channels);
        return 0;
    }
    if (s->allchannels)
        return ACL_ERR_CHANNELS_AFTER_ALL;
    if (has_space(op + 1, len - 1))
        return ACL_ERR_SYNTAX;
    return pattern_add(&s->channels, op + 1, len - 1, PERM_ALL);
}

static int category_by_name(const char *name, size_t len)
{
    for (unsigned b = 0; command_acl_name(b) != NULL; b++)
        if (op_is(name, len, command_acl_name(b)))
            return (int)b;
    return -1;
}

/* A command or "command|subcommand"; NULL when unknown. */
static const struct command *command_by_rule_name(const char *name, size_t len)
{
    const char *bar = memchr(name, '|', len);
    if (bar == NULL)
        return command_by_own_name(name, len);
    const struct command *cmd = command_by_own_name(name, (size_t)(bar - name));
    if (cmd == NULL)
        return NULL;
    return command_lookup_sub(cmd, bar + 1, len - (size_t)(bar - name) - 1);
}

/* Redis's ACLAddAllowedFirstArg: kept once, whatever its case. */
static int firstarg_add(struct acl_selector *s, unsigned id, const char *arg, size_t len)
{
    for (size_t i = 0; i < s->nfirstargs; i++)
        if (s->firstargs[i].id == id && op_is(arg, len, s->firstargs[i].arg))
            return 0;
    char *copy = bytes_dup_cstr(arg, len);
    void *grown = realloc(s->firstargs, (s->nfirstargs + 1) * sizeof(*s->firstargs));
    if (grown != NULL)
        s->firstargs = grown;
    if (copy == NULL || grown == NULL) {
        free(copy);
        return ACL_ERR_NOMEM;
    }
    s->firstargs[s->nfirstargs++] = (struct acl_firstarg){id, copy, len};
    return 0;
}

/* "+name|arg" that is not a known subcommand, split at its last '|':
 * a command without subcommands gets a first-arg rule (+select|0);
 * a subcommand's first-arg is Redis's error, anything else unknown. */
static int first_arg_rule(struct acl_selector *s, const char *name, size_t len)
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
    if (base->subcommands != NULL)
        return ACL_ERR_UNKNOWN_NAME;
    return firstarg_add(s, base->id, bar + 1, (size_t)(name + len - bar - 1));
}

/* +cmd, -cmd, +cmd|sub, -cmd|sub, +cmd|firstarg, +@category, -@category. */
static int command_rule(struct acl_selector *s, const char *op, size_t len)
{
    bool on = op[0] == '+';
    if (len >= 2 && op[1] == '@') {
        if (op_is(op + 2, len - 2, "all")) {
            memset(s->cmds, on ? 0xff : 0, sizeof(s->cmds));
            firstargs_free(s);
            return 0;
        }
        int b = category_by_name(op + 2, len - 2);
        if (b < 0)
            return ACL_ERR_UNKNOWN_NAME;
        selector_category(s, 1u << b, on);
        return 0;
    }
    const struct command *cmd = command_by_rule_name(op + 1, len - 1);
    if (cmd == NULL && on)
        return first_arg_rule(s, op + 1, len - 1);
    if (cmd == NULL)
        return ACL_ERR_UNKNOWN_NAME;
    selector_change(s, cmd, on);
    return 0;
}

/* Redis's ACLSetSelector: one rule about commands, keys or channels. */
static int selector_apply(struct acl_selector *s, const char *op, size_t len)
{
    if (op_is(op, len, "allkeys"))
        return key_rule(s, "~*", 2);
    if (op_is(op, len, "resetkeys")) {
        s->allkeys = false;
        patterns_free(&s->keys);
        return 0;
    }
    if (op_is(op, len, "allchannels"))
        return channel_rule(s, "&*", 2);
    if (op_is(op, len, "resetchannels")) {
        s->allchannels = false;
        patterns_free(&s->channels);
        return 0;
    }
    if (op_is(op, len, "allcommands"))
        return command_rule(s, "+@all", 5);
    if (op_is(op, len, "nocommands"))
        return command_rule(s, "-@all", 5);
    switch (len > 0 ? op[0] : '\0') {
    case '~': case '%':
        return key_rule(s, op, len);
    case '&':
        return channel_rule(s, op, len);
    case '+': case '-':
        return len > 1 ? command_rule(s, op, len) : ACL_ERR_SYNTAX;
    default:
        return ACL_ERR_SYNTAX;
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* "(op op ...)": a new selector with no permissions, the ops inside
 * applied in turn (separated by white space; Redis also reads quotes). */
static int selector_rule(struct acl_rules *r, const char *op, size_t len)
{
    struct acl_selector s = {.allchannels = channels_by_default()};
    int rc = 0;
    for (size_t at = 1, end; rc == 0 && at < len - 1; at = end) {
        while (at < len - 1 && is_space(op[at]))
            at++;
        for (end = at; end < len - 1 && !is_space(op[end]); end++)
            ;
        if (end > at)
            rc = selector_apply(&s, op + at, end - at);
    }
    void *grown = rc == 0 ? realloc(r->selectors, (r->nselectors + 1) * sizeof(s)) : NULL;
    if (rc == 0 && grown == NULL)
        rc = ACL_ERR_NOMEM;
    if (rc < 0) {
        selector_free(&s);
        return rc;
    }
    r->selectors = grown;
    r->selectors[r->nselectors++] = s;
    return 0;
}

/* ---- passwords ------------------------------------------------------------------------ */

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
    r->flags &= ~(unsigned)ACL_USER_NOPASS;
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

int acl_rules_set_password(struct acl_rules *r, const char *password, size_t len)
{
    r->npasswords = 0;
    if (len == 0) {
        r->flags |= ACL_USER_NOPASS;
        return 0;
    }
    char hex[SHA256_HEX_LEN + 1];
    sha256_hex(password, len, hex);
    return password_add(r, hex);
}

/* Compare without leaking where the first difference is. */
static bool hash_equal(const char *a, const char *b)
{
    unsigned char diff = 0;
    for (size_t i = 0; i < SHA256_HEX_LEN; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

bool acl_rules_password_matches(const struct acl_rules *r, const char *hex)
{
    bool match = false;
    for (size_t i = 0; i < r->npasswords; i++)
        match |= hash_equal(r->passwords[i], hex);
    return match;
}

/* ---- a user's rules ------------------------------------------------------------------ */

/* Redis's "reset": resetpass resetkeys resetchannels (then allchannels
 * under acl-pubsub-default allchannels) off clearselectors -@all, and the
 * payload check back on. */
static void rules_reset(struct acl_rules *r)
{
    acl_rules_free(r);
    acl_rules_init_new(r);
    r->flags = ACL_USER_SANITIZE;
}

/* The user's own words; 1 when `op` is none of them. */
static int user_rule(struct acl_rules *r, const char *op, size_t len)
{
    if (op_is(op, len, "on"))
        r->flags |= ACL_USER_ON;
    else if (op_is(op, len, "off"))
        r->flags &= ~(unsigned)ACL_USER_ON;
    else if (op_is(op, len, "nopass")) {
        r->flags |= ACL_USER_NOPASS;
        r->npasswords = 0;
    } else if (op_is(op, len, "resetpass")) {
        r->flags &= ~(unsigned)ACL_USER_NOPASS;
        r->npasswords = 0;
    } else if (op_is(op, len, "sanitize-payload"))
        r->flags |= ACL_USER_SANITIZE;
    else if (op_is(op, len, "skip-sanitize-payload"))
        return ACL_ERR_UNSUPPORTED; /* RESTORE here always checks payloads */
    else if (op_is(op, len, "reset"))
        rules_reset(r);
    else if (op_is(op, len, "clearselectors"))
        selectors_clear(r);
    else
        return 1;
    return 0;
}

int acl_rules_apply(struct acl_rules *r, const char *op, size_t len)
{
    if (len == 0)
        return 0; /* as Redis: an empty rule changes nothing */
    int rc = user_rule(r, op, len);
    if (rc <= 0)
        return rc;
    switch (op[0]) {
    case '>': case '<': case '#': case '!':
        return password_rule(r, op, len);
    case '(':
        return len >= 2 && op[len - 1] == ')' ? selector_rule(r, op, len) : ACL_ERR_SYNTAX;
    default:
        return selector_apply(&r->root, op, len);
    }
}

/* ---- the check -------------------------------------------------------------------------- */

/* What a key's pattern must allow, as Redis's ACLSelectorCheckKey: read
 * for a key whose value is read (access), write for one changed (update,
 * insert, delete); neither (EXISTS, TYPE, STRLEN...) is allowed by any
 * pattern. */
static unsigned key_perm_needed(unsigned key_flags)
{
    unsigned perm = 0;
    if (key_flags & KEY_ACCESS)
        perm |= PERM_READ;
    if (key_flags & (KEY_UPDATE | KEY_INSERT | KEY_DELETE))
        perm |= PERM_WRITE;
    return perm;
}

static bool key_allowed(const struct acl_selector *s, const char *key, size_t len, unsigned perm)
{
    for (size_t i = 0; i < s->keys.n; i++) {
        const struct acl_pattern *p = &s->keys.items[i];
        if ((p->perm & perm) == perm && glob_match(p->text, p->len, key, len, false))
            return true;
    }
    return false;
}

static bool channel_allowed(const struct acl_selector *s, const char *ch, size_t len,
                            bool literal)
{
    if (s->allchannels)
        return true;
    for (size_t i = 0; i < s->channels.n; i++) {
        const struct acl_pattern *p = &s->channels.items[i];
        if (literal ? p->len == len && memcmp(p->text, ch, len) == 0
                    : glob_match(p->text, p->len, ch, len, false))
            return true;
    }
    return false;
}

/* A command the bitmap denies may still run with an allowed first
 * argument (SELECT 0 under +select|0), compared in any case. */
static bool firstarg_allowed(const struct acl_selector *s, const struct command *cmd,
                             const struct resp_arg *argv, size_t argc)
{
    if (argc < 2)
        return false;
    for (size_t i = 0; i < s->nfirstargs; i++)
        if (s->firstargs[i].id == cmd->id && op_is(argv[1].ptr, argv[1].len, s->firstargs[i].arg))
            return true;
    return false;
}

static enum acl_denied check_keys(const struct acl_selector *s, const struct command *cmd,
                                  const struct resp_arg *argv, size_t argc, size_t *errpos)
{
    struct command_keys keys;
    size_t i;
    if (command_keys_init(&keys, cmd, argv, argc) <= 0)
        return ACL_OK;
    for (size_t n = 0; command_keys_next(&keys, &i); n++) {
        unsigned perm = key_perm_needed(command_line_key_flags(cmd, argv, argc, n));
        if (!key_allowed(s, argv[i].ptr, argv[i].len, perm)) {
            *errpos = i;
            return ACL_DENIED_KEY;
        }
    }
    return ACL_OK;
}

static enum acl_denied check_channels(const struct acl_selector *s, const struct command *cmd,
                                      const struct resp_arg *argv, size_t argc, size_t *errpos)
{
    size_t last = argc - 1;
    if (cmd == cmd_publish || cmd == cmd_spublish)
        last = 1;
    else if (cmd != cmd_subscribe && cmd != cmd_ssubscribe && cmd != cmd_psubscribe)
        return ACL_OK;
    for (size_t i = 1; i <= last && i < argc; i++) {
        if (!channel_allowed(s, argv[i].ptr, argv[i].len, cmd == cmd_psubscribe)) {
            *errpos = i;
            return ACL_DENIED_CHANNEL;
        }
    }
    return ACL_OK;
}

static enum acl_denied selector_check(const struct acl_selector *s, const struct command *cmd,
                                      const struct resp_arg *argv, size_t argc, size_t *errpos)
{
    enum acl_denied why = ACL_OK;
    *errpos = 0;
    if (!(cmd->flags & CMD_NO_AUTH) && !bit_get(s->cmds, cmd->id) &&
        !firstarg_allowed(s, cmd, argv, argc))
        why = ACL_DENIED_CMD;
    if (why == ACL_OK && !s->allkeys)
        why = check_keys(s, cmd, argv, argc, errpos);
    if (why == ACL_OK && !s->allchannels)
        why = check_channels(s, cmd, argv, argc, errpos);
    return why;
}

/* Redis's order of relevance among refusals (its ACL_DENIED_* values). */
static int denied_rank(enum acl_denied why)
{
    switch (why) {
    case ACL_DENIED_CMD:
        return 1;
    case ACL_DENIED_KEY:
        return 2;
    case ACL_DENIED_AUTH:
        return 3;
    case ACL_DENIED_CHANNEL:
        return 4;
    default:
        return 0;
    }
}

/* Redis's ACLCheckAllUserCommandPerm: allowed if any selector allows it;
 * else the refusal of the highest rank, the latest argument on a tie. */
enum acl_denied acl_rules_check(const struct acl_rules *r, const struct command *cmd,
                                const struct resp_arg *argv, size_t argc, size_t *errpos)
{
    enum acl_denied best = ACL_DENIED_CMD;
    size_t best_pos = 0, pos;
    for (size_t i = 0; i <= r->nselectors; i++) {
        const struct acl_selector *s = i == 0 ? &r->root : &r->selectors[i - 1];
        enum acl_denied why = selector_check(s, cmd, argv, argc, &pos);
        if (why == ACL_OK)
            return ACL_OK;
        if (denied_rank(why) > denied_rank(best) ||
            (denied_rank(why) == denied_rank(best) && pos > best_pos)) {
            best = why;
            best_pos = pos;
        }
    }
    *errpos = best_pos;
    return best;
}

/* Every key may be read: allkeys, or a "*" pattern with read permission
 * (%R~*), as Redis's ACLSelectorHasUnrestrictedKeyAccess. */
static bool reads_every_key(const struct acl_selector *s)
{
    if (s->allkeys)
        return true;
    for (size_t i = 0; i < s->keys.n; i++) {
        const struct acl_pattern *p = &s->keys.items[i];
        if ((p->perm & PERM_READ) && p->len == 1 && p->text[0] == '*')
            return true;
    }
    return false;
}

bool acl_rules_line_reads_every_key(const struct acl_rules *r, const struct command *cmd,
                                    const struct resp_arg *argv, size_t argc)
{
    size_t pos;
    for (size_t i = 0; i <= r->nselectors; i++) {
        const struct acl_selector *s = i == 0 ? &r->root : &r->selectors[i - 1];
        if (selector_check(s, cmd, argv, argc, &pos) == ACL_OK && reads_every_key(s))
            return true;
    }
    return false;
}

bool acl_rules_channel_allowed(const struct acl_rules *r, const char *name, size_t len,
                               bool pattern)
{
    for (size_t i = 0; i <= r->nselectors; i++)
        if (channel_allowed(i == 0 ? &r->root : &r->selectors[i - 1], name, len, pattern))
            return true;
    return false;
}

bool acl_rules_all_channels(const struct acl_rules *r)
{
    for (size_t i = 0; i <= r->nselectors; i++)
        if ((i == 0 ? &r->root : &r->selectors[i - 1])->allchannels)
            return true;
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

static void describe_firstargs(struct resp_out *text, const struct acl_selector *s,
                               const struct command *cmd)
{
    for (size_t i = 0; i < s->nfirstargs; i++) {
        if (s->firstargs[i].id != cmd->id)
            continue;
        text_add(text, " +");
        text_add(text, cmd->fullname);
        text_add(text, "|");
        resp_add_raw(text, s->firstargs[i].arg, s->firstargs[i].len);
    }
}

/* Redis 7.0's ACLDescribeSelectorCommandRules: "+@all" or "-@all", the
 * categories that fit best, then single commands until a bitmap built
 * from the text equals the selector's, each denied command followed by
 * its allowed first arguments. */
static void describe_commands(struct resp_out *text, const struct acl_selector *s)
{
    uint64_t built[ACL_RULES_WORDS], left[ACL_RULES_WORDS];
    bool applied[32] = {false};
    bool additive = !bit_get(s->cmds, BIT_FUTURE);
    memset(built, additive ? 0 : 0xff, sizeof(built));
    memcpy(left, s->cmds, sizeof(left));
    text_add(text, additive ? "-@all" : "+@all");
    for (int b; (b = best_category(left, additive, applied)) >= 0;) {
        bits_category(built, 1u << b, additive);
        bits_category(left, 1u << b, !additive);
        applied[b] = true;
        text_add(text, additive ? " +@" : " -@");
        text_add(text, command_acl_name((unsigned)b));
    }
    for (size_t id = 0; id < ncommands; id++) {
        bool want = bit_get(s->cmds, id);
        const struct command *cmd = command_by_id((unsigned)id);
        if (want != bit_get(built, id)) {
            text_add(text, want ? " +" : " -");
            text_add(text, cmd->fullname);
            bits_change(built, cmd, want);
        }
        if (!want)
            describe_firstargs(text, s, cmd);
    }
    assert(memcmp(built, s->cmds, sizeof(built)) == 0);
}

static void describe_keys(struct resp_out *text, const struct acl_selector *s)
{
    if (s->allkeys) {
        text_add(text, "~*");
        return;
    }
    for (size_t i = 0; i < s->keys.n; i++) {
        const struct acl_pattern *p = &s->keys.items[i];
        if (i > 0)
            text_add(text, " ");
        text_add(text, p->perm == PERM_ALL ? "~" : p->perm == PERM_READ ? "%R~" : "%W~");
        resp_add_raw(text, p->text, p->len);
    }
}

static void describe_channels(struct resp_out *text, const struct acl_selector *s)
{
    if (s->allchannels) {
        text_add(text, "&*");
        return;
    }
    for (size_t i = 0; i < s->channels.n; i++) {
        text_add(text, i > 0 ? " &" : "&");
        resp_add_raw(text, s->channels.items[i].text, s->channels.items[i].len);
    }
}

/* Redis's ACLDescribeSelector: "[keys ]&* commands" or "[keys
 * ]resetchannels[ &ch...] commands". */
static void describe_selector(struct resp_out *text, const struct acl_selector *s)
{
    if (s->allkeys || s->keys.n > 0) {
        describe_keys(text, s);
        text_add(text, " ");
    }
    if (!s->allchannels)
        text_add(text, s->channels.n > 0 ? "resetchannels " : "resetchannels");
    describe_channels(text, s);
    text_add(text, " ");
    describe_commands(text, s);
}

/* The flags, in Redis's ACLUserFlags order. */
static size_t flag_words(const struct acl_rules *r, const char *words[3])
{
    size_t n = 0;
    words[n++] = (r->flags & ACL_USER_ON) ? "on" : "off";
    if (r->flags & ACL_USER_NOPASS)
        words[n++] = "nopass";
    if (r->flags & ACL_USER_SANITIZE)
        words[n++] = "sanitize-payload";
    return n;
}

void acl_rules_describe(struct resp_out *text, const struct acl_rules *r)
{
    const char *words[3];
    size_t nwords = flag_words(r, words);
    for (size_t i = 0; i < nwords; i++) {
        text_add(text, " ");
        text_add(text, words[i]);
    }
    for (size_t i = 0; i < r->npasswords; i++) {
        text_add(text, " #");
        text_add(text, r->passwords[i]);
    }
    text_add(text, " ");
    describe_selector(text, &r->root);
    for (size_t i = 0; i < r->nselectors; i++) {
        text_add(text, " (");
        describe_selector(text, &r->selectors[i]);
        text_add(text, ")");
    }
}

static void reply_text_bulk(struct resp_out *out, struct resp_out *text)
{
    resp_add_bulk(out, text->data ? text->data : "", text->len);
    text->len = 0;
}

/* GETUSER's "commands", "keys" and "channels" of one selector. */
static void reply_selector_fields(struct resp_out *out, struct resp_out *text,
                                  const struct acl_selector *s)
{
    resp_add_bulk_cstr(out, "commands");
    describe_commands(text, s);
    reply_text_bulk(out, text);
    resp_add_bulk_cstr(out, "keys");
    describe_keys(text, s);
    reply_text_bulk(out, text);
    resp_add_bulk_cstr(out, "channels");
    describe_channels(text, s);
    reply_text_bulk(out, text);
}

void acl_rules_reply(struct resp_out *out, const struct acl_rules *r)
{
    struct resp_out text;
    const char *words[3];
    resp_out_init(&text, 2);
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
    reply_selector_fields(out, &text, &r->root);
    resp_add_bulk_cstr(out, "selectors");
    resp_add_array_len(out, r->nselectors);
    for (size_t i = 0; i < r->nselectors; i++) {
        resp_add_map_len(out, 3);
        reply_selector_fields(out, &text, &r->selectors[i]);
    }
    resp_out_deinit(&text);
}

bool acl_rules_reply_cat(struct resp_out *out, const char *category, size_t len)
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
