/*
 * cmd_tracking.c - CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR and
 * CLIENT TRACKINGINFO: parsing and replies, in Redis 7.0's order of checks
 * and with its texts (checked against redis-server 7.0.15); the mechanism
 * is tracking.c. Their table entries are among CLIENT's (cmd_conn.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "tracking.h"
#include "worker.h"

/* The worker of the client with that id, or NULL when there is none
 * (REDIRECT's "does not exist"). */
static struct worker *worker_of_client(uint64_t id)
{
    struct worker *w = NULL;
    client_registry_lock();
    for (const struct client *c = client_registry_first(); c != NULL && w == NULL;
         c = c->reg_next)
        if (c->id == id && !c->killed)
            w = c->worker;
    client_registry_unlock();
    return w;
}

/* [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP] from argv[3]:
 * false after replying. */
static bool parse_options(struct cmd_ctx *ctx, struct tracking_options *o,
                          struct resp_arg *prefixes)
{
    memset(o, 0, sizeof(*o));
    o->prefixes = prefixes;
    for (size_t j = 3; j < ctx->argc; j++) {
        const struct resp_arg *a = &ctx->argv[j];
        bool more = j + 1 < ctx->argc;
        if (arg_is(a, "redirect") && more) {
            long long id;
            j++;
            if (o->redirect != 0) {
                resp_add_error(ctx->out, "ERR A client can only redirect to a single other client");
                return false;
            }
            if (!arg_to_ll_or_reply(ctx, &ctx->argv[j], &id))
                return false;
            o->redirect_worker = id > 0 ? worker_of_client((uint64_t)id) : NULL;
            if (o->redirect_worker == NULL) {
                resp_add_error(ctx->out, "ERR The client ID you want redirect to does not exist");
                return false;
            }
            o->redirect = (uint64_t)id;
        } else if (arg_is(a, "bcast")) {
            o->flags |= CLIENT_TRACKING_BCAST;
        } else if (arg_is(a, "optin")) {
            o->flags |= CLIENT_TRACKING_OPTIN;
        } else if (arg_is(a, "optout")) {
            o->flags |= CLIENT_TRACKING_OPTOUT;
        } else if (arg_is(a, "noloop")) {
            o->flags |= CLIENT_TRACKING_NOLOOP;
        } else if (arg_is(a, "prefix") && more) {
            prefixes[o->nprefixes++] = ctx->argv[++j];
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

/* Redis's checkPrefixCollisionsOrReply. */
static bool prefixes_collide(struct cmd_ctx *ctx, const struct tracking_options *o)
{
    for (size_t i = 0; i < o->nprefixes; i++) {
        const struct resp_arg *p = &o->prefixes[i];
        size_t len;
        const char *old = tracking_overlapping_prefix(ctx->client, p->ptr, p->len, &len);
        if (old != NULL) {
            resp_add_errorf(ctx->out,
                            "ERR Prefix '%.*s' overlaps with an existing prefix '%.*s'. "
                            "Prefixes for a single client must not overlap.",
                            (int)p->len, p->ptr, (int)len, old);
            return true;
        }
        for (size_t j = i + 1; j < o->nprefixes; j++) {
            const struct resp_arg *q = &o->prefixes[j];
            if (memcmp(p->ptr, q->ptr, p->len < q->len ? p->len : q->len) == 0) {
                resp_add_errorf(ctx->out,
                                "ERR Prefix '%.*s' overlaps with another provided prefix "
                                "'%.*s'. Prefixes for a single client must not overlap.",
                                (int)p->len, p->ptr, (int)q->len, q->ptr);
                return true;
            }
        }
    }
    return false;
}

/* CLIENT TRACKING ON's compatibility checks, in Redis's order: false
 * after replying. */
static bool options_allowed(struct cmd_ctx *ctx, const struct tracking_options *o)
{
    uint32_t now = ctx->client->flags, want = o->flags;
    const char *why = NULL;
    if (!(want & CLIENT_TRACKING_BCAST) && o->nprefixes > 0)
        why = "ERR PREFIX option requires BCAST mode to be enabled";
    else if ((now & CLIENT_TRACKING) &&
             !(now & CLIENT_TRACKING_BCAST) != !(want & CLIENT_TRACKING_BCAST))
        why = "ERR You can't switch BCAST mode on/off before disabling tracking for this "
              "client, and then re-enabling it with a different mode.";
    else if ((want & CLIENT_TRACKING_BCAST) &&
             (want & (CLIENT_TRACKING_OPTIN | CLIENT_TRACKING_OPTOUT)))
        why = "ERR OPTIN and OPTOUT are not compatible with BCAST";
    else if ((want & CLIENT_TRACKING_OPTIN) && (want & CLIENT_TRACKING_OPTOUT))
        why = "ERR You can't specify both OPTIN mode and OPTOUT mode";
    else if (((want & CLIENT_TRACKING_OPTIN) && (now & CLIENT_TRACKING_OPTOUT)) ||
             ((want & CLIENT_TRACKING_OPTOUT) && (now & CLIENT_TRACKING_OPTIN)))
        why = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this "
              "client, and then re-enabling it with a different mode.";
    if (why != NULL) {
        resp_add_error(ctx->out, why);
        return false;
    }
    return !((want & CLIENT_TRACKING_BCAST) && prefixes_collide(ctx, o));
}

void client_tracking_command(struct cmd_ctx *ctx)
{
    struct tracking_options o;
    struct resp_arg *prefixes = malloc(ctx->argc * sizeof(*prefixes));
    if (prefixes == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    if (!parse_options(ctx, &o, prefixes))
        goto done;
    if (arg_is(&ctx->argv[2], "on")) {
        if (!options_allowed(ctx, &o))
            goto done;
        if (ctx->client->worker == NULL) { /* the fuzzer's: no loop to deliver to */
            resp_add_error(ctx->out, "ERR CLIENT TRACKING needs a client connection");
            goto done;
        }
        if (tracking_enable(ctx->client, &o) < 0) {
            resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
            goto done;
        }
    } else if (arg_is(&ctx->argv[2], "off")) {
        tracking_disable(ctx->client);
    } else {
        reply_syntax_error(ctx);
        goto done;
    }
    resp_add_ok(ctx->out);
done:
    free(prefixes);
}

void client_caching_command(struct cmd_ctx *ctx)
{
    struct client *c = ctx->client;
    if (!(c->flags & CLIENT_TRACKING)) {
        resp_add_error(ctx->out, "ERR CLIENT CACHING can be called only when the client is in "
                                 "tracking mode with OPTIN or OPTOUT mode enabled");
        return;
    }
    if (arg_is(&ctx->argv[2], "yes")) {
        if (!(c->flags & CLIENT_TRACKING_OPTIN)) {
            resp_add_error(ctx->out, "ERR CLIENT CACHING YES is only valid when tracking is "
                                     "enabled in OPTIN mode.");
            return;
        }
    } else if (arg_is(&ctx->argv[2], "no")) {
        if (!(c->flags & CLIENT_TRACKING_OPTOUT)) {
            resp_add_error(ctx->out, "ERR CLIENT CACHING NO is only valid when tracking is "
                                     "enabled in OPTOUT mode.");
            return;
        }
    } else {
        reply_syntax_error(ctx);
        return;
    }
    c->flags |= CLIENT_TRACKING_CACHING;
    resp_add_ok(ctx->out);
}

static long long redirect_shown(const struct client *c)
{
    return c->flags & CLIENT_TRACKING ? (long long)c->tracking_redir : -1;
}

void client_getredir_command(struct cmd_ctx *ctx)
{
    resp_add_integer(ctx->out, redirect_shown(ctx->client));
}

/* Its flags, as Redis names them, in Redis's order. */
static void reply_tracking_flags(struct resp_out *out, uint32_t f)
{
    static const struct {
        uint32_t all; /* every bit must be set */
        const char *name;
    } names[] = {
        {CLIENT_TRACKING_BCAST, "bcast"},
        {CLIENT_TRACKING_OPTIN, "optin"},
        {CLIENT_TRACKING_OPTIN | CLIENT_TRACKING_CACHING, "caching-yes"},
        {CLIENT_TRACKING_OPTOUT, "optout"},
        {CLIENT_TRACKING_OPTOUT | CLIENT_TRACKING_CACHING, "caching-no"},
        {CLIENT_TRACKING_NOLOOP, "noloop"},
        {CLIENT_TRACKING_BROKEN_REDIR, "broken_redirect"},
    };
    size_t handle = resp_add_deferred_len(out), n = 1;
    resp_add_bulk_cstr(out, f & CLIENT_TRACKING ? "on" : "off");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if ((f & names[i].all) == names[i].all) {
            resp_add_bulk_cstr(out, names[i].name);
            n++;
        }
    }
    resp_set_deferred_set_len(out, handle, n);
}

void client_trackinginfo_command(struct cmd_ctx *ctx)
{
    const struct client *c = ctx->client;
    resp_add_map_len(ctx->out, 3);
    resp_add_bulk_cstr(ctx->out, "flags");
    reply_tracking_flags(ctx->out, c->flags);
    resp_add_bulk_cstr(ctx->out, "redirect");
    resp_add_integer(ctx->out, redirect_shown(c));
    resp_add_bulk_cstr(ctx->out, "prefixes");
    tracking_reply_prefixes(ctx->out, c);
}
