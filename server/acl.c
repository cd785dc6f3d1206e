/*
 * acl.c - users, their rules, the permission check and the ACL LOG; see
 * acl.h for the model and the locking.
 *
 * The rules themselves (selectors, patterns, the check, their text) are
 * acl_rules.c's; this file keeps the users, their lock, AUTH and the log.
 */
#include "acl.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl_rules.h"
#include "bytes.h"
#include "client.h"
#include "command.h"
#include "server.h"
#include "sha256.h"

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
    .rules = {.flags = ACL_USER_ON | ACL_USER_NOPASS,
              .root = {.allkeys = true, .allchannels = true}},
};
static atomic_bool default_needs_auth;
/* Every user, sorted by name as Redis's rax lists them; under acl_lock. */
static struct acl_user **users;
static size_t nusers;
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
    case ACL_ERR_UNSUPPORTED:
        return "This rule is not supported by Grove";
    case ACL_ERR_NOMEM:
        return "out of memory";
    default:
        return "Syntax error";
    }
}

/* ---- users ------------------------------------------------------------------------ */

static void user_publish(struct acl_user *u)
{
    atomic_store_explicit(&u->unrestricted, acl_rules_unrestricted(&u->rules),
                          memory_order_relaxed);
    if (u == &default_user)
        atomic_store(&default_needs_auth, (u->rules.flags & (ACL_USER_ON | ACL_USER_NOPASS)) !=
                                              (ACL_USER_ON | ACL_USER_NOPASS));
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
    char *copy = bytes_dup_cstr(name, nlen);
    if (u == NULL || copy == NULL) {
        free(u);
        free(copy);
        return NULL;
    }
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
    acl_rules_free(&u->rules);
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
    bool nopass = (default_user.rules.flags & ACL_USER_NOPASS) != 0;
    pthread_rwlock_unlock(&acl_lock);
    return nopass;
}

void acl_set_default_password(const char *password, size_t len)
{
    pthread_rwlock_wrlock(&acl_lock);
    if (acl_rules_set_password(&default_user.rules, password, len) < 0)
        default_user.rules.flags &= ~(unsigned)ACL_USER_ON; /* nobody gets in, not anybody */
    user_publish(&default_user);
    pthread_rwlock_unlock(&acl_lock);
}

int acl_init(void)
{
    if (acl_rules_init() < 0)
        return -ENOMEM;
    pthread_rwlock_wrlock(&acl_lock);
    memset(default_user.rules.root.cmds, 0xff, sizeof(default_user.rules.root.cmds));
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
    acl_rules_free(&default_user.rules);
    pthread_rwlock_unlock(&acl_lock);
    acl_rules_deinit();
}

struct acl_user *acl_authenticate(const char *name, size_t nlen, const char *pass, size_t plen)
{
    char hex[SHA256_HEX_LEN + 1];
    sha256_hex(pass, plen, hex);
    pthread_rwlock_rdlock(&acl_lock);
    struct acl_user *u = nlen == 7 && memcmp(name, "default", 7) == 0 ? &default_user
                                                                      : user_lookup(name, nlen);
    bool ok = u != NULL && (u->rules.flags & ACL_USER_ON) &&
              ((u->rules.flags & ACL_USER_NOPASS) || acl_rules_password_matches(&u->rules, hex));
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
    int rc = 0;
    if (found)
        rc = acl_rules_copy(&r, &users[at]->rules);
    else
        acl_rules_init_new(&r);
    for (size_t i = 0; rc == 0 && i < nops; i++) {
        rc = acl_rules_apply(&r, ops[i].ptr, ops[i].len);
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
        acl_rules_free(&u->rules);
        u->rules = r;
        user_publish(u);
    } else {
        acl_rules_free(&r);
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

enum acl_denied acl_check(const struct acl_user *u, const struct command *cmd,
                          const struct resp_arg *argv, size_t argc, size_t *errpos)
{
    *errpos = 0;
    pthread_rwlock_rdlock(&acl_lock);
    enum acl_denied why = acl_rules_check(&u->rules, cmd, argv, argc, errpos);
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

void acl_log_denied(struct client *c, enum acl_denied why, const struct command *cmd,
                       const struct resp_arg *argv, size_t errpos, enum acl_context ctx,
                       long long now_ms)
{
    const char *object = why == ACL_DENIED_CMD ? cmd->fullname : argv[errpos].ptr;
    size_t olen = why == ACL_DENIED_CMD ? strlen(cmd->fullname) : argv[errpos].len;
    acl_log_add(c, why, ctx, object, olen, c->user->name, c->user->namelen, now_ms);
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
    acl_log_denied(c, why, cmd, argv, errpos, ctx, now_ms);
    reply_denied(out, why, cmd, ctx);
    return false;
}

void acl_reply_queued_denied(struct resp_out *out, enum acl_denied why)
{
    resp_add_errorf(out, "NOPERM ACLs rules changed between the moment the transaction was "
                         "accumulated and the EXEC call. This command is no longer allowed for "
                         "the following reason: %s",
                    why == ACL_DENIED_CMD ? "no permission to execute the command or subcommand"
                    : why == ACL_DENIED_KEY
                        ? "no permission to touch the specified keys"
                        : "no permission to access one of the channels used as arguments");
}

bool acl_user_channel_allowed(const struct acl_user *u, const char *name, size_t len,
                              bool pattern)
{
    pthread_rwlock_rdlock(&acl_lock);
    bool ok = acl_rules_channel_allowed(&u->rules, name, len, pattern);
    pthread_rwlock_unlock(&acl_lock);
    return ok;
}

bool acl_user_line_reads_every_key(const struct acl_user *u, const struct command *cmd,
                                   const struct resp_arg *argv, size_t argc)
{
    if (acl_user_unrestricted(u))
        return true;
    pthread_rwlock_rdlock(&acl_lock);
    bool all = acl_rules_line_reads_every_key(&u->rules, cmd, argv, argc);
    pthread_rwlock_unlock(&acl_lock);
    return all;
}

bool acl_user_all_channels(const struct acl_user *u)
{
    pthread_rwlock_rdlock(&acl_lock);
    bool all = acl_rules_all_channels(&u->rules);
    pthread_rwlock_unlock(&acl_lock);
    return all;
}

/* ---- selectors spread over arguments -------------------------------------------- */

static bool opens_selector(const struct resp_arg *op)
{
    return op->len > 0 && op->ptr[0] == '(' && op->ptr[op->len - 1] != ')';
}

struct resp_arg *acl_merge_selectors(const struct resp_arg *ops, size_t nops, size_t *nmerged,
                                        size_t *unclosed)
{
    size_t bytes = 0;
    for (size_t i = 0; i < nops; i++)
        bytes += ops[i].len + 1;
    struct resp_arg *merged = malloc(nops * sizeof(*merged) + bytes + 1);
    if (merged == NULL)
        return NULL;
    char *text = (char *)(merged + nops);
    size_t n = 0, open = SIZE_MAX;
    for (size_t i = 0; i < nops; i++) {
        if (open == SIZE_MAX) {
            merged[n++] = (struct resp_arg){text, 0};
            if (opens_selector(&ops[i]))
                open = i;
        } else {
            *text++ = ' ';
            merged[n - 1].len++;
            if (ops[i].len > 0 && ops[i].ptr[ops[i].len - 1] == ')')
                open = SIZE_MAX;
        }
        memcpy(text, ops[i].ptr, ops[i].len);
        text += ops[i].len;
        merged[n - 1].len += ops[i].len;
    }
    if (open != SIZE_MAX) {
        free(merged);
        *unclosed = open;
        return NULL;
    }
    *nmerged = n;
    return merged;
}

/* ---- replies ------------------------------------------------------------------------ */

void acl_reply_users(struct resp_out *out)
{
    pthread_rwlock_rdlock(&acl_lock);
    resp_add_array_len(out, nusers);
    for (size_t i = 0; i < nusers; i++)
        resp_add_bulk(out, users[i]->name, users[i]->namelen);
    pthread_rwlock_unlock(&acl_lock);
}

/* One ACL LIST line (and ACL file line): "user NAME rules...". */
static void describe_user(struct resp_out *text, const struct acl_user *u)
{
    resp_add_raw(text, "user ", 5);
    resp_add_raw(text, u->name, u->namelen);
    acl_rules_describe(text, &u->rules);
}

void acl_reply_list(struct resp_out *out)
{
    struct resp_out text;
    resp_out_init(&text, 2);
    pthread_rwlock_rdlock(&acl_lock);
    resp_add_array_len(out, nusers);
    for (size_t i = 0; i < nusers; i++) {
        describe_user(&text, users[i]);
        resp_add_bulk(out, text.data, text.len);
        text.len = 0;
    }
    pthread_rwlock_unlock(&acl_lock);
    resp_out_deinit(&text);
}

void acl_reply_getuser(struct resp_out *out, const struct acl_user *u)
{
    pthread_rwlock_rdlock(&acl_lock);
    acl_rules_reply(out, &u->rules);
    pthread_rwlock_unlock(&acl_lock);
}

bool acl_reply_cat(struct resp_out *out, const char *category, size_t len)
{
    return acl_rules_reply_cat(out, category, len);
}

/* ---- replacing every user (ACL LOAD) ------------------------------------------------ */

static int def_cmp(const void *a, const void *b)
{
    const struct acl_user *x = *(struct acl_user *const *)a, *y = *(struct acl_user *const *)b;
    return bytes_cmp(x->name, x->namelen, y->name, y->namelen);
}

/* The users of defs (default among them, whatever its rules), sorted by
 * name, in a new array; NULL when out of memory. */
static struct acl_user **users_from_defs(const struct acl_user_def *defs, size_t n,
                                         size_t *count)
{
    struct acl_user **list = calloc(n + 1, sizeof(*list));
    if (list == NULL)
        return NULL;
    size_t made = 0;
    list[made++] = &default_user;
    for (size_t i = 0; i < n; i++) {
        if (defs[i].namelen == 7 && memcmp(defs[i].name, "default", 7) == 0)
            continue;
        if ((list[made] = user_create(defs[i].name, defs[i].namelen)) == NULL) {
            while (made > 1)
                acl_user_release(list[--made]);
            free(list);
            return NULL;
        }
        made++;
    }
    qsort(list, made, sizeof(*list), def_cmp);
    *count = made;
    return list;
}

int acl__replace_users(struct acl_user_def *defs, size_t n, struct acl_user ***gone,
                       size_t *ngone)
{
    size_t count;
    struct acl_user **list = users_from_defs(defs, n, &count);
    struct acl_user **old = calloc(nusers ? nusers : 1, sizeof(*old));
    struct acl_rules everything;
    acl_rules_init_all(&everything);
    if (list == NULL || old == NULL) {
        for (size_t i = 0; list != NULL && i < count; i++)
            if (list[i] != &default_user)
                acl_user_release(list[i]);
        free(list);
        free(old);
        return -ENOMEM;
    }
    pthread_rwlock_wrlock(&acl_lock);
    *ngone = 0;
    for (size_t i = 0; i < nusers; i++)
        if (users[i] != &default_user)
            old[(*ngone)++] = users[i];
    free(users);
    users = list;
    nusers = count;
    acl_rules_free(&default_user.rules);
    default_user.rules = everything;
    for (size_t i = 0; i < n; i++) {
        struct acl_user *u = user_lookup(defs[i].name, defs[i].namelen);
        acl_rules_free(&u->rules);
        u->rules = defs[i].rules;
        acl_rules_init_empty(&defs[i].rules);
    }
    for (size_t i = 0; i < count; i++)
        user_publish(users[i]);
    pthread_rwlock_unlock(&acl_lock);
    *gone = old;
    return 0;
}

void acl__describe_users(struct resp_out *text)
{
    pthread_rwlock_rdlock(&acl_lock);
    for (size_t i = 0; i < nusers; i++) {
        describe_user(text, users[i]);
        resp_add_raw(text, "\n", 1);
    }
    pthread_rwlock_unlock(&acl_lock);
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
    char *info = bytes_dup_cstr(text.data ? text.data : "", len);
    resp_out_deinit(&text);
    return info;
}

void acl_log_add(struct client *c, enum acl_denied why, enum acl_context ctx,
                 const char *object, size_t olen, const char *username, size_t ulen,
                 long long now_ms)
{
    struct log_entry e = {
        .count = 1, .reason = why, .context = ctx, .olen = olen, .ulen = ulen,
        .ctime_ms = now_ms, .object = bytes_dup_cstr(object, olen),
        .username = bytes_dup_cstr(username, ulen), .client_info = client_info_of(c, now_ms),
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
