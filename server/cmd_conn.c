/*
 * cmd_conn.c - the connection commands: PING, ECHO, QUIT, RESET, HELLO,
 * AUTH, SELECT and CLIENT with its subcommands. Replies and error texts
 * follow Redis 7 (CLIENT SETINFO and NO-TOUCH follow 7.2, which clients
 * already send).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "acl.h"
#include "blocking.h"
#include "command.h"
#include "keyspace.h"
#include "log.h"
#include "pause.h"
#include "monitor.h"
#include "pubsub.h"
#include "server.h"
#include "worker.h"

/* ---- PING, ECHO, QUIT, SELECT ------------------------------------------------ */

static void ping_command(struct cmd_ctx *ctx)
{
    if (ctx->argc > 2) {
        reply_wrong_arity(ctx, ctx->cmd);
        return;
    }
    if (ctx->client->resp == 2 && pubsub_client_subscribed(ctx->client)) {
        /* RESP2 subscribed mode: ["pong", message or ""], as Redis */
        resp_add_array_len(ctx->out, 2);
        resp_add_bulk(ctx->out, "pong", 4);
        resp_add_bulk(ctx->out, ctx->argc == 2 ? ctx->argv[1].ptr : "",
                      ctx->argc == 2 ? ctx->argv[1].len : 0);
        return;
    }
    if (ctx->argc == 1)
        resp_add_simple(ctx->out, "PONG");
    else
        resp_add_bulk(ctx->out, ctx->argv[1].ptr, ctx->argv[1].len);
}

static void echo_command(struct cmd_ctx *ctx)
{
    resp_add_bulk(ctx->out, ctx->argv[1].ptr, ctx->argv[1].len);
}

static void quit_command(struct cmd_ctx *ctx)
{
    resp_add_ok(ctx->out);
    ctx->client->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void select_command(struct cmd_ctx *ctx)
{
    int idx; /* Redis's getIntFromObjectOrReply, then the range */
    if (!arg_to_int_or_reply(ctx, &ctx->argv[1], &idx, NULL))
        return;
    if (idx < 0 || idx >= server.cfg.databases) {
        resp_add_error(ctx->out, "ERR DB index is out of range");
        return;
    }
    ctx->client->db = idx;
    resp_add_ok(ctx->out);
}

/* ---- authentication ----------------------------------------------------------- */

/* Authenticate client c as user (default when NULL) with pass: Redis's
 * ACLAuthenticateUser. A failure is logged (ACL LOG) and replied. */
static bool authenticate_or_reply(struct cmd_ctx *ctx, const struct resp_arg *user,
                                  const struct resp_arg *pass)
{
    static const struct resp_arg default_name = {"default", 7};
    struct client *c = ctx->client;
    if (user == NULL)
        user = &default_name;
    struct acl_user *u = acl_authenticate(user->ptr, user->len, pass->ptr, pass->len);
    if (u == NULL) {
        /* the object is the command name as the client sent it, as Redis */
        acl_log_add(c, ACL_DENIED_AUTH,
                    (c->flags & CLIENT_MULTI) ? ACL_CONTEXT_MULTI : ACL_CONTEXT_TOPLEVEL,
                    ctx->argv[0].ptr, ctx->argv[0].len, user->ptr, user->len, ctx->now_ms);
        resp_add_error(ctx->out, "WRONGPASS invalid username-password pair or user is disabled.");
        return false;
    }
    acl_client_set_user(c, u);
    c->authenticated = true;
    return true;
}

static void auth_command(struct cmd_ctx *ctx)
{
    if (ctx->argc > 3) {
        reply_syntax_error(ctx);
        return;
    }
    const struct resp_arg *user = ctx->argc == 3 ? &ctx->argv[1] : NULL;
    const struct resp_arg *pass = &ctx->argv[ctx->argc - 1];
    if (user == NULL && !acl_default_needs_auth()) {
        resp_add_error(ctx->out, "ERR AUTH <password> called without any password configured "
                                 "for the default user. Are you sure your configuration is "
                                 "correct?");
        return;
    }
    if (authenticate_or_reply(ctx, user, pass))
        resp_add_ok(ctx->out);
}

/* ---- names ------------------------------------------------------------------- */

/* Names and library info: printable ASCII without spaces, as Redis wants. */
static bool valid_name(const struct resp_arg *name)
{
    for (size_t i = 0; i < name->len; i++)
        if (name->ptr[i] < '!' || name->ptr[i] > '~')
            return false;
    return true;
}

/* Replace a client string field under the registry lock (CLIENT LIST reads
 * it from other threads). An empty value clears it. */
static void set_client_string(char **field, const struct resp_arg *value)
{
    char *copy = NULL;
    if (value->len > 0) {
        copy = malloc(value->len + 1);
        if (copy != NULL) {
            memcpy(copy, value->ptr, value->len);
            copy[value->len] = '\0';
        }
    }
    client_registry_lock();
    char *old = *field;
    *field = copy;
    client_registry_unlock();
    free(old);
}

static bool set_name_or_reply(struct cmd_ctx *ctx, const struct resp_arg *name)
{
    if (!valid_name(name)) {
        resp_add_error(ctx->out,
                       "ERR Client names cannot contain spaces, newlines or special characters.");
        return false;
    }
    set_client_string(&ctx->client->name, name);
    return true;
}

/* ---- HELLO and RESET ------------------------------------------------------------ */

static void reply_hello(struct cmd_ctx *ctx)
{
    struct resp_out *out = ctx->out;
    resp_add_map_len(out, 7);
    resp_add_bulk_cstr(out, "server");
    resp_add_bulk_cstr(out, "redis");
    resp_add_bulk_cstr(out, "version");
    resp_add_bulk_cstr(out, GROVE_REDIS_VERSION);
    resp_add_bulk_cstr(out, "proto");
    resp_add_integer(out, ctx->client->resp);
    resp_add_bulk_cstr(out, "id");
    resp_add_integer(out, (long long)ctx->client->id);
    resp_add_bulk_cstr(out, "mode");
    resp_add_bulk_cstr(out, "standalone");
    resp_add_bulk_cstr(out, "role");
    resp_add_bulk_cstr(out, "master");
    resp_add_bulk_cstr(out, "modules");
    resp_add_array_len(out, 0);
}

static void hello_command(struct cmd_ctx *ctx)
{
    long long ver = ctx->client->resp;
    if (ctx->argc >= 2) {
        if (!arg_to_ll(&ctx->argv[1], &ver)) {
            resp_add_error(ctx->out, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            resp_add_error(ctx->out, "NOPROTO unsupported protocol version");
            return;
        }
    }
    const struct resp_arg *user = NULL, *pass = NULL, *name = NULL;
    for (size_t j = 2; j < ctx->argc; j++) {
        size_t more = ctx->argc - 1 - j;
        if (arg_is(&ctx->argv[j], "auth") && more >= 2) {
            user = &ctx->argv[j + 1];
            pass = &ctx->argv[j + 2];
            j += 2;
        } else if (arg_is(&ctx->argv[j], "setname") && more >= 1) {
            name = &ctx->argv[j + 1];
            j++;
        } else {
            resp_add_errorf(ctx->out, "ERR Syntax error in HELLO option '%.*s'",
                            (int)ctx->argv[j].len, ctx->argv[j].ptr);
            return;
        }
    }
    if (user != NULL && !authenticate_or_reply(ctx, user, pass))
        return;
    if (name != NULL && !valid_name(name)) {
        resp_add_error(ctx->out,
                       "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    if (client_auth_required(ctx->client)) {
        resp_add_error(ctx->out,
                       "NOAUTH HELLO must be called with the client already authenticated, "
                       "otherwise the HELLO AUTH <user> <pass> option can be used to "
                       "authenticate the client and select the RESP protocol version at the "
                       "same time");
        return;
    }
    if (name != NULL)
        set_name_or_reply(ctx, name);
    ctx->client->resp = (int)ver;
    ctx->out->proto = (int)ver;
    reply_hello(ctx);
}

static void reset_command(struct cmd_ctx *ctx)
{
    struct client *c = ctx->client;
    static const struct resp_arg empty = {"", 0};
    c->db = 0;
    c->resp = 2;
    ctx->out->proto = 2;
    /* As Redis's clearClientConnectionState: a SKIP already in force for
     * this very command stays, so "CLIENT REPLY SKIP; RESET" sends nothing. */
    c->flags &= ~(uint32_t)(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT | CLIENT_NO_EVICT |
                            CLIENT_NO_TOUCH);
    acl_client_set_user(c, acl_default_user()); /* as on a new connection */
    c->authenticated = !acl_default_needs_auth();
    set_client_string(&c->name, &empty);
    command_client_leave(c); /* MULTI, WATCHes, every channel and pattern, silently */
    resp_add_simple(ctx->out, "RESET");
}

/* MONITOR, as Redis's monitorCommand: a second one is ignored without a
 * reply; inside a transaction (a client that expects one reply per
 * command) it is refused. */
static void monitor_command(struct cmd_ctx *ctx)
{
    struct client *c = ctx->client;
    if (c->flags & CLIENT_IN_EXEC) {
        resp_add_error(ctx->out, "ERR MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    if (c->flags & CLIENT_MONITOR)
        return;
    int rc = monitor_add(c);
    if (rc < 0) {
        resp_add_error(ctx->out, rc == -ENOMEM ? ERR_OUT_OF_MEMORY
                                               : "ERR MONITOR needs a client connection");
        return;
    }
    resp_add_ok(ctx->out);
}

/* ---- CLIENT ----------------------------------------------------------------- */

static void client_id_command(struct cmd_ctx *ctx)
{
    resp_add_integer(ctx->out, (long long)ctx->client->id);
}

static void client_setname_command(struct cmd_ctx *ctx)
{
    if (set_name_or_reply(ctx, &ctx->argv[2]))
        resp_add_ok(ctx->out);
}

static void client_getname_command(struct cmd_ctx *ctx)
{
    if (ctx->client->name)
        resp_add_bulk_cstr(ctx->out, ctx->client->name);
    else
        resp_add_null(ctx->out);
}

static void client_setinfo_command(struct cmd_ctx *ctx)
{
    const struct resp_arg *attr = &ctx->argv[2], *value = &ctx->argv[3];
    char **field;
    if (arg_is(attr, "lib-name"))
        field = &ctx->client->lib_name;
    else if (arg_is(attr, "lib-ver"))
        field = &ctx->client->lib_ver;
    else {
        resp_add_errorf(ctx->out, "ERR Unrecognized option '%.*s'", (int)attr->len, attr->ptr);
        return;
    }
    if (!valid_name(value)) {
        resp_add_errorf(ctx->out, "ERR %.*s cannot contain spaces, newlines or special characters.",
                        (int)attr->len, attr->ptr);
        return;
    }
    set_client_string(field, value);
    resp_add_ok(ctx->out);
}

/* One CLIENT LIST line, in Redis's field order, from the client's
 * published view: the client may live on another loop. Called under the
 * registry lock. The buffer fields are approximations Grove can give
 * cheaply. */
void client_describe(struct resp_out *text, const struct client *c, long long now_ms)
{
    const struct client_view *v = &c->view;
    uint32_t cflags = atomic_load_explicit(&v->flags, memory_order_relaxed);
    const struct command *last = atomic_load_explicit(&v->last_cmd, memory_order_relaxed);
    size_t qbuf = atomic_load_explicit(&v->qbuf, memory_order_relaxed);
    size_t qbuf_free = atomic_load_explicit(&v->qbuf_free, memory_order_relaxed);
    size_t obuf = atomic_load_explicit(&v->obuf, memory_order_relaxed);
    size_t obuf_cap = atomic_load_explicit(&v->obuf_cap, memory_order_relaxed);
    long long idle_ms = now_ms - atomic_load_explicit(&v->last_interaction_ms,
                                                      memory_order_relaxed);
    char line[1024];
    char flags[12];
    size_t f = 0;
    if (cflags & CLIENT_REPLICA)
        flags[f++] = 'S';
    if (cflags & CLIENT_MONITOR)
        flags[f++] = 'O';
    if (cflags & CLIENT_MASTER)
        flags[f++] = 'M';
    if (pubsub_client_subscribed(c))
        flags[f++] = 'P';
    if (cflags & (CLIENT_BLOCKED | CLIENT_POSTPONED))
        flags[f++] = 'b';
    if (cflags & CLIENT_TRACKING)
        flags[f++] = 't';
    if (cflags & CLIENT_TRACKING_BROKEN_REDIR)
        flags[f++] = 'R';
    if (cflags & CLIENT_TRACKING_BCAST)
        flags[f++] = 'B';
    if (cflags & CLIENT_UNIX_SOCKET)
        flags[f++] = 'U';
    if (cflags & CLIENT_NO_EVICT)
        flags[f++] = 'e';
    if (cflags & CLIENT_NO_TOUCH)
        flags[f++] = 'T';
    if (f == 0)
        flags[f++] = 'N';
    flags[f] = '\0';
    int n = snprintf(line, sizeof(line),
                     "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d "
                     "sub=%zu psub=%zu ssub=%zu multi=-1 qbuf=%zu qbuf-free=%zu argv-mem=0 "
                     "multi-mem=0 rbs=%zu rbp=%zu obl=%zu oll=0 omem=%zu tot-mem=%zu "
                     "events=r cmd=%s user=%s redir=%lld resp=%d lib-name=%s lib-ver=%s\n",
                     (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name : "",
                     (now_ms - c->ctime_ms) / 1000, idle_ms / 1000, flags,
                     atomic_load_explicit(&v->db, memory_order_relaxed),
                     pubsub_client_kind_count(c, PUBSUB_CHANNEL),
                     pubsub_client_kind_count(c, PUBSUB_PATTERN),
                     pubsub_client_kind_count(c, PUBSUB_SHARD), qbuf, qbuf_free, obuf_cap,
                     obuf_cap, obuf, obuf, atomic_load_explicit(&v->tot_mem, memory_order_relaxed),
                     last ? last->fullname : "NULL", acl_user_name(c->user),
                     atomic_load_explicit(&v->redir, memory_order_relaxed),
                     atomic_load_explicit(&v->resp, memory_order_relaxed),
                     c->lib_name ? c->lib_name : "", c->lib_ver ? c->lib_ver : "");
    if (n > 0)
        resp_add_raw(text, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void reply_text(struct cmd_ctx *ctx, struct resp_out *text)
{
    resp_add_verbatim(ctx->out, text->data ? text->data : "", text->len, "txt");
}

static void client_info_command(struct cmd_ctx *ctx)
{
    struct resp_out text;
    resp_out_init(&text, 2);
    client_publish(ctx->client, ctx->out->len);
    client_registry_lock();
    client_describe(&text, ctx->client, ctx->now_ms);
    client_registry_unlock();
    reply_text(ctx, &text);
    resp_out_deinit(&text);
}

/* CLIENT LIST / KILL TYPE: Redis's client classes. */
enum client_type { TYPE_ANY, TYPE_NORMAL, TYPE_REPLICA, TYPE_PUBSUB, TYPE_MASTER };

/* Redis's getClientTypeByName; replies the error and returns -1 for another name. */
static int client_type_or_reply(struct cmd_ctx *ctx, const struct resp_arg *name)
{
    if (arg_is(name, "normal"))
        return TYPE_NORMAL;
    if (arg_is(name, "replica") || arg_is(name, "slave"))
        return TYPE_REPLICA;
    if (arg_is(name, "pubsub"))
        return TYPE_PUBSUB;
    if (arg_is(name, "master"))
        return TYPE_MASTER;
    resp_add_errorf(ctx->out, "ERR Unknown client type '%.*s'", (int)name->len, name->ptr);
    return -1;
}

/* Redis's getClientType, from what the client last published (a monitor
 * is a normal client; a subscriber is pubsub in RESP2 only). */
static bool client_is_type(const struct client *c, int type)
{
    uint32_t flags = atomic_load_explicit(&c->view.flags, memory_order_relaxed);
    int resp = atomic_load_explicit(&c->view.resp, memory_order_relaxed);
    int is = flags & CLIENT_MASTER                                 ? TYPE_MASTER
             : (flags & CLIENT_REPLICA) && !(flags & CLIENT_MONITOR) ? TYPE_REPLICA
             : resp == 2 && pubsub_client_subscribed(c)            ? TYPE_PUBSUB
                                                                   : TYPE_NORMAL;
    return type == TYPE_ANY || type == is;
}

static void client_list_command(struct cmd_ctx *ctx)
{
    uint64_t *ids = NULL;
    size_t nids = 0;
    int type = TYPE_ANY;
    if (ctx->argc == 4 && arg_is(&ctx->argv[2], "type")) {
        if ((type = client_type_or_reply(ctx, &ctx->argv[3])) < 0)
            return;
    } else if (ctx->argc >= 4 && arg_is(&ctx->argv[2], "id")) {
        nids = ctx->argc - 3;
        ids = calloc(nids, sizeof(*ids));
        if (ids == NULL) {
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            return;
        }
        for (size_t i = 0; i < nids; i++) {
            long long id;
            if (!arg_to_ll(&ctx->argv[3 + i], &id)) {
                resp_add_error(ctx->out, "ERR Invalid client ID");
                free(ids);
                return;
            }
            ids[i] = (uint64_t)id;
        }
    } else if (ctx->argc != 2) {
        reply_syntax_error(ctx);
        return;
    }
    struct resp_out text;
    resp_out_init(&text, 2);
    client_publish(ctx->client, ctx->out->len);
    client_registry_lock();
    for (const struct client *c = client_registry_first(); c != NULL; c = c->reg_next) {
        bool wanted = nids == 0 && !c->killed && client_is_type(c, type);
        for (size_t i = 0; i < nids && !wanted && !c->killed; i++)
            wanted = ids[i] == c->id;
        if (wanted)
            client_describe(&text, c, ctx->now_ms);
    }
    client_registry_unlock();
    reply_text(ctx, &text);
    resp_out_deinit(&text);
    free(ids);
}

/* CLIENT KILL filters. */
struct kill_filter {
    long long id;                   /* 0: any */
    const uint64_t *ids;            /* NULL: any; else one of these nids */
    size_t nids;
    const struct resp_arg *addr, *laddr;
    struct acl_user *user;          /* NULL: any; a reference */
    bool skipme;
    int type;                       /* TYPE_ANY unless TYPE was given */
    long long maxage;
};

static bool arg_equals_cstr(const struct resp_arg *arg, const char *s)
{
    return arg->len == strlen(s) && memcmp(arg->ptr, s, arg->len) == 0;
}

static bool id_listed(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static bool kill_matches(const struct kill_filter *f, const struct client *c,
                         const struct client *me, long long now_ms)
{
    if (c->killed || !client_is_type(c, f->type))
        return false;
    if (f->id && (uint64_t)f->id != c->id)
        return false;
    if (f->ids && !id_listed(f->ids, f->nids, c->id))
        return false;
    if (f->addr && !arg_equals_cstr(f->addr, c->addr))
        return false;
    if (f->laddr && !arg_equals_cstr(f->laddr, c->laddr))
        return false;
    if (f->user && c->user != f->user)
        return false;
    if (f->skipme && c == me)
        return false;
    if (f->maxage && (now_ms - c->ctime_ms) / 1000 < f->maxage)
        return false;
    return true;
}

/* Parse "FILTER value" pairs; replies and returns false on error. */
static bool parse_kill_filters(struct cmd_ctx *ctx, struct kill_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->skipme = true;
    if ((ctx->argc - 2) % 2 != 0) {
        reply_syntax_error(ctx);
        return false;
    }
    for (size_t i = 2; i < ctx->argc; i += 2) {
        const struct resp_arg *opt = &ctx->argv[i], *val = &ctx->argv[i + 1];
        if (arg_is(opt, "id")) {
            if (!arg_to_ll(val, &f->id) || f->id <= 0) {
                resp_add_error(ctx->out, "ERR client-id should be greater than 0");
                return false;
            }
        } else if (arg_is(opt, "type")) {
            if ((f->type = client_type_or_reply(ctx, val)) < 0)
                return false;
        } else if (arg_is(opt, "addr")) {
            f->addr = val;
        } else if (arg_is(opt, "laddr")) {
            f->laddr = val;
        } else if (arg_is(opt, "user")) {
            acl_user_release(f->user); /* a second USER replaces the first */
            f->user = acl_user_find(val->ptr, val->len);
            if (f->user == NULL) {
                resp_add_errorf(ctx->out, "ERR No such user '%.*s'", (int)val->len, val->ptr);
                return false;
            }
        } else if (arg_is(opt, "skipme")) {
            if (arg_is(val, "yes"))
                f->skipme = true;
            else if (arg_is(val, "no"))
                f->skipme = false;
            else {
                reply_syntax_error(ctx);
                return false;
            }
        } else if (arg_is(opt, "maxage")) {
            if (!arg_to_ll(val, &f->maxage) || f->maxage < 0) {
                reply_syntax_error(ctx);
                return false;
            }
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

/* Close every matching client: ourselves after this reply, the others
 * through their worker's queue. Returns how many matched. */
static long long kill_clients(struct cmd_ctx *ctx, const struct kill_filter *f)
{
    long long killed = 0;
    struct client *me = ctx->client;
    client_registry_lock();
    for (struct client *c = client_registry_first(); c != NULL; c = c->reg_next) {
        if (!kill_matches(f, c, me, ctx->now_ms))
            continue;
        killed++;
        if (c == me) {
            me->flags |= CLIENT_CLOSE_AFTER_REPLY;
        } else {
            /* Redis frees a killed client at once, so by the time the
             * killer reads this reply the victim's peer has seen the
             * connection end (redis-py, for one, checks for that before
             * reusing a pooled connection and reconnects quietly). The
             * socket's loop closes it later; a half-close here, under the
             * registry lock that keeps the descriptor valid (conn_close),
             * makes the end visible now. */
            if (c->fd >= 0)
                shutdown(c->fd, SHUT_RDWR);
            client_kill(c);
        }
    }
    client_registry_unlock();
    return killed;
}

long long client_kill_user(struct cmd_ctx *ctx, struct acl_user *u)
{
    struct kill_filter f = {.user = u};
    return kill_clients(ctx, &f);
}

long long client_kill_user_ids(struct cmd_ctx *ctx, struct acl_user *u, const uint64_t *ids,
                               size_t n)
{
    if (n == 0)
        return 0;
    struct kill_filter f = {.user = u, .ids = ids, .nids = n};
    return kill_clients(ctx, &f);
}

static void client_kill_command(struct cmd_ctx *ctx)
{
    struct kill_filter f;
    if (ctx->argc == 3) { /* the old form: CLIENT KILL addr:port */
        memset(&f, 0, sizeof(f));
        f.addr = &ctx->argv[2];
        if (kill_clients(ctx, &f) == 0)
            resp_add_error(ctx->out, "ERR No such client");
        else
            resp_add_ok(ctx->out);
        return;
    }
    if (parse_kill_filters(ctx, &f))
        resp_add_integer(ctx->out, kill_clients(ctx, &f));
    acl_user_release(f.user);
}

static void client_reply_command(struct cmd_ctx *ctx)
{
    struct client *c = ctx->client;
    if (arg_is(&ctx->argv[2], "on")) {
        /* Also ends a SKIP in force, so "SKIP; ON" answers the ON. */
        c->flags &= ~(uint32_t)(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT);
        resp_add_ok(ctx->out);
    } else if (arg_is(&ctx->argv[2], "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (arg_is(&ctx->argv[2], "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF))
            c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_syntax_error(ctx);
    }
}

static void set_flag_on_off(struct cmd_ctx *ctx, uint32_t flag)
{
    if (arg_is(&ctx->argv[2], "on"))
        ctx->client->flags |= flag;
    else if (arg_is(&ctx->argv[2], "off"))
        ctx->client->flags &= ~flag;
    else {
        reply_syntax_error(ctx);
        return;
    }
    resp_add_ok(ctx->out);
}

static void client_no_evict_command(struct cmd_ctx *ctx)
{
    set_flag_on_off(ctx, CLIENT_NO_EVICT);
}

static void client_no_touch_command(struct cmd_ctx *ctx)
{
    set_flag_on_off(ctx, CLIENT_NO_TOUCH);
}

/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if that client was blocked. */
static void client_unblock_command(struct cmd_ctx *ctx)
{
    long long id;
    bool with_error = false;
    if (ctx->argc > 4) {
        resp_add_errorf(ctx->out, "ERR unknown subcommand or wrong number of arguments for "
                                  "'unblock'. Try CLIENT HELP.");
        return;
    }
    if (!arg_to_ll_or_reply(ctx, &ctx->argv[2], &id))
        return;
    if (ctx->argc == 4) {
        with_error = arg_is(&ctx->argv[3], "error");
        if (!with_error && !arg_is(&ctx->argv[3], "timeout")) {
            resp_add_error(ctx->out, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    resp_add_integer(ctx->out, blocking_unblock((unsigned long long)id, with_error));
}

/* CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked first, as Redis. */
static void client_pause_command(struct cmd_ctx *ctx)
{
    enum pause_kind kind = PAUSE_ALL;
    long long ms;
    if (ctx->argc > 4) {
        reply_subcommand_syntax_error(ctx);
        return;
    }
    if (ctx->argc == 4) {
        if (arg_is(&ctx->argv[3], "write")) {
            kind = PAUSE_WRITE;
        } else if (!arg_is(&ctx->argv[3], "all")) {
            resp_add_error(ctx->out, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    if (!arg_to_timeout_ms_or_reply(ctx, &ctx->argv[2], &ms))
        return;
    pause_start(PAUSE_BY_CLIENT, kind, ms > 0 ? ctx->now_ms + ms : 0);
    resp_add_ok(ctx->out);
}

static void client_unpause_command(struct cmd_ctx *ctx)
{
    pause_lift(PAUSE_BY_CLIENT);
    resp_add_ok(ctx->out);
}

static void client_help_command(struct cmd_ctx *ctx)
{
    static const char *const lines[] = {
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "    * MAXAGE <maxage>",
        "      Kill connections older than the specified age.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>",
        "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.",
        "    * LIB-VER: the client lib version.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        NULL,
    };
    reply_help(ctx, lines);
}

static void client_command(struct cmd_ctx *ctx)
{
    /* Reached only when the subcommand is missing: the dispatcher routes
     * the others, so this is the arity error of the container. */
    reply_wrong_arity(ctx, ctx->cmd);
}

/* ---- the table ------------------------------------------------------------- */

#define CONN_FLAGS (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static struct command client_subcommands[] = {
    {.name = "id", .arity = 2, .flags = CONN_FLAGS, .proc = client_id_command,
     .group = "connection", .summary = "Returns the client ID for the current connection",
     .since = "5.0.0", .complexity = "O(1)"},
    {.name = "setname", .arity = 3, .flags = CONN_FLAGS, .proc = client_setname_command,
     .group = "connection", .summary = "Set the current connection name", .since = "2.6.9",
     .complexity = "O(1)",
     .args = (const struct command_arg[]){{"connection-name", "string", NULL, 0, NULL}, {0}}},
    {.name = "getname", .arity = 2, .flags = CONN_FLAGS, .proc = client_getname_command,
     .group = "connection", .summary = "Get the current connection name", .since = "2.6.9",
     .complexity = "O(1)"},
    {.name = "setinfo", .arity = 4, .flags = CONN_FLAGS, .proc = client_setinfo_command,
     .group = "connection", .summary = "Sets information specific to the client or connection.",
     .since = "7.2.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"attr", "oneof", NULL, 0,
         (const struct command_arg[]){{"libname", "string", "LIB-NAME", 0, NULL},
                                      {"libver", "string", "LIB-VER", 0, NULL}, {0}}}, {0}}},
    {.name = "list", .arity = -2, .flags = CMD_ADMIN | CONN_FLAGS, .proc = client_list_command,
     .group = "connection", .summary = "Get the list of client connections", .since = "2.4.0",
     .complexity = "O(N) where N is the number of client connections",
     .args = (const struct command_arg[]){
         {"normal_master_replica_pubsub", "oneof", "TYPE", COMMAND_ARG_OPTIONAL,
          (const struct command_arg[]){{"normal", "pure-token", "NORMAL", 0, NULL},
                                       {"master", "pure-token", "MASTER", 0, NULL},
                                       {"replica", "pure-token", "REPLICA", 0, NULL},
                                       {"pubsub", "pure-token", "PUBSUB", 0, NULL}, {0}}},
         {"id", "block", "ID", COMMAND_ARG_OPTIONAL, (const struct command_arg[]){
             {"client-id", "integer", NULL, COMMAND_ARG_MULTIPLE, NULL}, {0}}},
         {0}}},
    {.name = "unblock", .arity = -3, .flags = CMD_ADMIN | CONN_FLAGS,
     .proc = client_unblock_command, .group = "connection",
     .summary = "Unblock a client blocked in a blocking command from a different connection",
     .since = "5.0.0", .complexity = "O(log N) where N is the number of client connections",
     .args = (const struct command_arg[]){
         {"client-id", "integer", NULL, 0, NULL},
         {"timeout_error", "oneof", NULL, COMMAND_ARG_OPTIONAL, (const struct command_arg[]){
             {"timeout", "pure-token", "TIMEOUT", 0, NULL},
             {"error", "pure-token", "ERROR", 0, NULL}, {0}}},
         {0}}},
    {.name = "info", .arity = 2, .flags = CONN_FLAGS, .proc = client_info_command,
     .group = "connection", .summary = "Returns information about the current client connection.",
     .since = "6.2.0", .complexity = "O(1)"},
    {.name = "kill", .arity = -3, .flags = CMD_ADMIN | CONN_FLAGS, .proc = client_kill_command,
     .group = "connection", .summary = "Kill the connection of a client", .since = "2.4.0",
     .complexity = "O(N) where N is the number of client connections",
     .args = (const struct command_arg[]){
         {"filter", "oneof", NULL, 0, (const struct command_arg[]){
             {"ip:port", "string", NULL, 0, NULL},
             {"new-format", "oneof", NULL, COMMAND_ARG_MULTIPLE, (const struct command_arg[]){
                 {"client-id", "integer", "ID", COMMAND_ARG_OPTIONAL, NULL},
                 {"normal_master_slave_pubsub", "oneof", "TYPE", COMMAND_ARG_OPTIONAL,
                  (const struct command_arg[]){{"normal", "pure-token", "NORMAL", 0, NULL},
                                               {"master", "pure-token", "MASTER", 0, NULL},
                                               {"slave", "pure-token", "SLAVE", 0, NULL},
                                               {"replica", "pure-token", "REPLICA", 0, NULL},
                                               {"pubsub", "pure-token", "PUBSUB", 0, NULL},
                                               {0}}},
                 {"username", "string", "USER", COMMAND_ARG_OPTIONAL, NULL},
                 {"ip:port", "string", "ADDR", COMMAND_ARG_OPTIONAL, NULL},
                 {"ip:port", "string", "LADDR", COMMAND_ARG_OPTIONAL, NULL},
                 {"yes/no", "string", "SKIPME", COMMAND_ARG_OPTIONAL, NULL}, {0}}},
             {0}}},
         {0}}},
    {.name = "reply", .arity = 3, .flags = CONN_FLAGS, .proc = client_reply_command,
     .group = "connection", .summary = "Instruct the server whether to reply to commands",
     .since = "3.2.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"on_off_skip", "oneof", NULL, 0,
         (const struct command_arg[]){{"on", "pure-token", "ON", 0, NULL},
                                      {"off", "pure-token", "OFF", 0, NULL},
                                      {"skip", "pure-token", "SKIP", 0, NULL}, {0}}}, {0}}},
    {.name = "no-evict", .arity = 3, .flags = CMD_ADMIN | CONN_FLAGS,
     .proc = client_no_evict_command, .group = "connection",
     .summary = "Set client eviction mode for the current connection", .since = "7.0.0",
     .complexity = "O(1)",
     .args = (const struct command_arg[]){{"enabled", "oneof", NULL, 0,
         (const struct command_arg[]){{"on", "pure-token", "ON", 0, NULL},
                                      {"off", "pure-token", "OFF", 0, NULL}, {0}}}, {0}}},
    {.name = "no-touch", .arity = 3, .flags = CONN_FLAGS, .proc = client_no_touch_command,
     .group = "connection",
     .summary = "Controls whether commands sent by the client affect the LRU/LFU of accessed "
                "keys.",
     .since = "7.2.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"enabled", "oneof", NULL, 0,
         (const struct command_arg[]){{"on", "pure-token", "ON", 0, NULL},
                                      {"off", "pure-token", "OFF", 0, NULL}, {0}}}, {0}}},
    {.name = "tracking", .arity = -3, .flags = CONN_FLAGS, .proc = client_tracking_command,
     .group = "connection",
     .summary = "Enable or disable server assisted client side caching support",
     .since = "6.0.0", .complexity = "O(1). Some options may introduce additional complexity.",
     .args = (const struct command_arg[]){
         {"status", "oneof", NULL, 0, (const struct command_arg[]){
             {"on", "pure-token", "ON", 0, NULL}, {"off", "pure-token", "OFF", 0, NULL}, {0}}},
         {"client-id", "integer", "REDIRECT", COMMAND_ARG_OPTIONAL, NULL},
         {"prefix", "string", "PREFIX",
          COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE | COMMAND_ARG_MULTIPLE_TOKEN, NULL},
         {"bcast", "pure-token", "BCAST", COMMAND_ARG_OPTIONAL, NULL},
         {"optin", "pure-token", "OPTIN", COMMAND_ARG_OPTIONAL, NULL},
         {"optout", "pure-token", "OPTOUT", COMMAND_ARG_OPTIONAL, NULL},
         {"noloop", "pure-token", "NOLOOP", COMMAND_ARG_OPTIONAL, NULL},
         {0}}},
    {.name = "caching", .arity = 3, .flags = CONN_FLAGS, .proc = client_caching_command,
     .group = "connection",
     .summary = "Instruct the server about tracking or not keys in the next request",
     .since = "6.0.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"mode", "oneof", NULL, 0,
         (const struct command_arg[]){{"yes", "pure-token", "YES", 0, NULL},
                                      {"no", "pure-token", "NO", 0, NULL}, {0}}}, {0}}},
    {.name = "getredir", .arity = 2, .flags = CONN_FLAGS, .proc = client_getredir_command,
     .group = "connection",
     .summary = "Get tracking notifications redirection client ID if any",
     .since = "6.0.0", .complexity = "O(1)"},
    {.name = "trackinginfo", .arity = 2, .flags = CONN_FLAGS,
     .proc = client_trackinginfo_command, .group = "connection",
     .summary = "Return information about server assisted client side caching for the current "
                "connection",
     .since = "6.2.0", .complexity = "O(1)"},
    {.name = "pause", .arity = -3, .flags = CMD_ADMIN | CONN_FLAGS, .proc = client_pause_command,
     .group = "connection", .summary = "Stop processing commands from clients for some time",
     .since = "2.9.50", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"timeout", "integer", NULL, 0, NULL},
         {"mode", "oneof", NULL, COMMAND_ARG_OPTIONAL,
          (const struct command_arg[]){{"write", "pure-token", "WRITE", 0, NULL},
                                       {"all", "pure-token", "ALL", 0, NULL}, {0}}}, {0}}},
    {.name = "unpause", .arity = 2, .flags = CMD_ADMIN | CONN_FLAGS,
     .proc = client_unpause_command, .group = "connection",
     .summary = "Resume processing of clients that were paused", .since = "6.2.0",
     .complexity = "O(N) Where N is the number of paused clients"},
    {.name = "help", .arity = 2, .flags = CMD_LOADING | CMD_STALE, .proc = client_help_command,
     .group = "connection", .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0", .complexity = "O(1)"},
    {0},
};

struct command connection_commands[] = {
    {.name = "ping", .arity = -1, .flags = CMD_FAST, .proc = ping_command,
     .group = "connection", .summary = "Ping the server",
     .since = "1.0.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){{"message", "string", NULL, COMMAND_ARG_OPTIONAL,
                                          NULL}, {0}}},
    {.name = "echo", .arity = 2, .flags = CMD_FAST | CMD_LOADING | CMD_STALE, .proc = echo_command,
     .group = "connection", .summary = "Echo the given string", .since = "1.0.0",
     .complexity = "O(1)",
     .args = (const struct command_arg[]){{"message", "string", NULL, 0, NULL}, {0}}},
    {.name = "quit", .arity = -1, .flags = CMD_TX_CONTROL | CMD_ALLOW_BUSY | CMD_NO_AUTH | CONN_FLAGS | CMD_FAST,
     .proc = quit_command, .group = "connection", .summary = "Close the connection",
     .since = "1.0.0", .complexity = "O(1)"},
    {.name = "monitor", .arity = 1, .flags = CMD_ADMIN | CONN_FLAGS, .proc = monitor_command,
     .group = "server", .summary = "Listen for all requests received by the server in real time",
     .since = "1.0.0"},
    {.name = "reset", .arity = 1, .flags = CMD_TX_CONTROL | CMD_NO_AUTH | CMD_ALLOW_BUSY | CONN_FLAGS | CMD_FAST,
     .proc = reset_command, .group = "connection", .summary = "Reset the connection",
     .since = "6.2.0", .complexity = "O(1)"},
    {.name = "hello", .arity = -1, .flags = CMD_NO_AUTH | CMD_ALLOW_BUSY | CONN_FLAGS | CMD_FAST,
     .proc = hello_command, .group = "connection", .summary = "Handshake with Redis",
     .since = "6.0.0", .complexity = "O(1)",
     .args = (const struct command_arg[]){
         {"arguments", "block", NULL, COMMAND_ARG_OPTIONAL, (const struct command_arg[]){
             {"protover", "integer", NULL, 0, NULL},
             {"username_password", "block", "AUTH", COMMAND_ARG_OPTIONAL,
              (const struct command_arg[]){
                 {"username", "string", NULL, 0, NULL},
                 {"password", "string", NULL, 0, NULL}, {0}}},
             {"clientname", "string", "SETNAME", COMMAND_ARG_OPTIONAL, NULL}, {0}}},
         {0}}},
    {.name = "auth", .arity = -2, .flags = CMD_NO_AUTH | CMD_ALLOW_BUSY | CONN_FLAGS | CMD_FAST,
     .proc = auth_command, .group = "connection", .summary = "Authenticate to the server",
     .since = "1.0.0", .complexity = "O(N) where N is the number of passwords defined for the user",
     .args = (const struct command_arg[]){{"username", "string", NULL, COMMAND_ARG_OPTIONAL, NULL},
                                          {"password", "string", NULL, 0, NULL}, {0}}},
    {.name = "select", .arity = 2, .flags = CMD_LOADING | CMD_STALE | CMD_FAST,
     .proc = select_command, .group = "connection",
     .summary = "Change the selected database for the current connection", .since = "1.0.0",
     .complexity = "O(1)",
     .args = (const struct command_arg[]){{"index", "integer", NULL, 0, NULL}, {0}}},
    {.name = "client", .arity = -2, .flags = 0, .proc = client_command,
     .group = "connection", .summary = "A container for client connection commands",
     .since = "2.4.0", .complexity = "Depends on subcommand.",
     .subcommands = client_subcommands},
    {0},
};
