/*
 * cmd_migrate.c - MIGRATE: move keys (or, with COPY, copy them) to another
 * Redis-protocol server, as Redis 7.0 does. Their DUMP payloads go as
 * RESTORE commands (after AUTH and SELECT when needed) over a connection
 * kept for the next MIGRATE (migrate_sockets.h); each key the target
 * acknowledges is deleted here, and the move is propagated as DEL of
 * those keys. Replies, error texts and the one retry on a connection the
 * target had closed follow Redis's migrateCommand.
 *
 * Like Redis, MIGRATE waits for the target synchronously, up to its
 * timeout for each step, holding the shards of its keys: the other
 * clients of this worker loop, and commands on those shards from other
 * loops, wait as long (Redis stops everything meanwhile).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "keyspace.h"
#include "migrate_sockets.h"
#include "propagate.h"
#include "rdb.h"
#include "server.h"

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})

struct migrate_opts {
    bool copy, replace;
    const struct resp_arg *user, *password; /* AUTH: password; AUTH2: both */
    size_t first_key, nkeys;
};

/* Options from argv[6] on, as Redis parses them: KEYS takes the rest. */
static bool parse_opts(struct cmd_ctx *ctx, struct migrate_opts *o)
{
    *o = (struct migrate_opts){.first_key = 3, .nkeys = 1};
    for (size_t j = 6; j < ctx->argc; j++) {
        const struct resp_arg *a = &ctx->argv[j];
        size_t more = ctx->argc - j - 1;
        if (arg_is(a, "copy")) {
            o->copy = true;
        } else if (arg_is(a, "replace")) {
            o->replace = true;
        } else if (arg_is(a, "auth") && more >= 1) {
            o->password = &ctx->argv[++j];
        } else if (arg_is(a, "auth2") && more >= 2) {
            o->user = &ctx->argv[++j];
            o->password = &ctx->argv[++j];
        } else if (arg_is(a, "keys")) {
            if (ctx->argv[3].len != 0) {
                resp_add_error(ctx->out, "ERR When using MIGRATE KEYS option, the key argument "
                                         "must be set to the empty string");
                return false;
            }
            o->first_key = j + 1;
            o->nkeys = more;
            break;
        } else {
            reply_syntax_error(ctx);
            return false;
        }
    }
    return true;
}

/* migrate_find_keys: the keys Redis's migrateGetKeys finds. */
static void migrate_find_keys(struct command_keys *it, const struct resp_arg *argv, size_t argc)
{
    for (size_t i = 6; i < argc; i++) {
        if (arg_is(&argv[i], "keys")) {
            it->next = i + 1;
            it->last = argc - 1;
            if (argv[3].len != 0)
                it->last = 0; /* refused: no keys */
            return;
        }
        i += arg_is(&argv[i], "auth") ? 1 : arg_is(&argv[i], "auth2") ? 2 : 0;
    }
}

/* The keys that exist, as argument indexes (repeats kept, as Redis). */
static size_t existing_keys(struct cmd_ctx *ctx, const struct migrate_opts *o, size_t *found)
{
    size_t n = 0;
    for (size_t i = 0; i < o->nkeys; i++) {
        struct cmd_key k;
        cmd_key(ctx, o->first_key + i, &k);
        if (cmd_find(ctx, &k, KEYSPACE_LOOKUP_COUNT) != NULL)
            found[n++] = o->first_key + i;
    }
    return n;
}

/* AUTH, SELECT when the target has another database, one RESTORE per key. */
static bool build_request(struct cmd_ctx *ctx, const struct migrate_opts *o, bool select,
                          long long dbid, const size_t *keys, size_t n, struct resp_out *req)
{
    bool compress = atomic_load(&server.cfg.rdbcompression);
    struct lzf_state *lzf = compress ? lzf_thread_state() : NULL;
    if (compress && lzf == NULL)
        return false;
    if (o->password != NULL) {
        resp_add_array_len(req, o->user ? 3 : 2);
        resp_add_bulk(req, "AUTH", 4);
        if (o->user)
            resp_add_bulk(req, o->user->ptr, o->user->len);
        resp_add_bulk(req, o->password->ptr, o->password->len);
    }
    if (select) {
        resp_add_array_len(req, 2);
        resp_add_bulk(req, "SELECT", 6);
        resp_add_bulk_ll(req, dbid);
    }
    for (size_t i = 0; i < n; i++) {
        struct cmd_key k;
        cmd_key(ctx, keys[i], &k);
        const struct object *obj = keyspace_object(cmd_find(ctx, &k, KEYSPACE_LOOKUP_NOTOUCH));
        long long ttl = 0;
        if (object_has_ttl(obj)) {
            ttl = object_expire_at(obj) - server_mstime();
            if (ttl < 1)
                ttl = 1;
        }
        struct rdb_buf payload = {0};
        if (rdb_dump_payload(obj, lzf, &payload) < 0) {
            rdb_buf_deinit(&payload);
            return false;
        }
        resp_add_array_len(req, o->replace ? 5 : 4);
        resp_add_bulk(req, "RESTORE", 7);
        resp_add_bulk(req, ctx->argv[keys[i]].ptr, ctx->argv[keys[i]].len);
        resp_add_bulk_ll(req, ttl);
        resp_add_bulk(req, payload.data, payload.len);
        if (o->replace)
            resp_add_bulk(req, "REPLACE", 7);
        rdb_buf_deinit(&payload);
    }
    return true;
}

/* How one exchange with the target went. */
struct exchange {
    bool write_failed, read_failed;
    bool timed_out;          /* ...because the timeout passed */
    size_t answered;         /* RESTORE replies read */
    size_t moved;            /* keys deleted here (argument indexes in keys[]) */
    char error[1024];        /* the target's first error, "" if none */
};

/* Read the replies to the request; delete (unless COPY) each key whose
 * RESTORE succeeded, even after another's failed (a BUSYKEY), as Redis
 * does: the target holds those keys now. */
static void read_replies(struct cmd_ctx *ctx, const struct migrate_opts *o, bool select,
                         struct migrate_socket *s, long long deadline, size_t *keys, size_t n,
                         struct exchange *x)
{
    char auth[1024] = "", sel[1024] = "", line[1024];
    if ((o->password && !migrate_socket_read_line(s, auth, sizeof(auth), deadline)) ||
        (select && !migrate_socket_read_line(s, sel, sizeof(sel), deadline))) {
        x->read_failed = true;
        return;
    }
    for (; x->answered < n; x->answered++) {
        if (!migrate_socket_read_line(s, line, sizeof(line), deadline)) {
            x->read_failed = true;
            return;
        }
        const char *err = auth[0] == '-' ? auth : sel[0] == '-' ? sel : line[0] == '-' ? line : NULL;
        if (err != NULL) {
            if (x->error[0] == '\0') {
                s->last_dbid = -1;
                snprintf(x->error, sizeof(x->error), "%s", err + 1);
            }
        } else if (!o->copy) {
            struct cmd_key k;
            cmd_key(ctx, keys[x->answered], &k);
            keyspace_delete(k.shard, &k.key, ctx->now_ms);
            keys[x->moved++] = keys[x->answered];
        }
    }
}

/* One try: connect (or reuse), send, read. false when it could not
 * connect (the reply is sent). */
static bool exchange(struct cmd_ctx *ctx, const struct migrate_opts *o, long long dbid,
                     long long timeout, size_t *keys, size_t n, struct exchange *x)
{
    *x = (struct exchange){0};
    struct migrate_socket *s = migrate_socket_get(ctx->argv[1].ptr, ctx->argv[1].len,
                                                  ctx->argv[2].ptr, ctx->argv[2].len, timeout);
    if (s == NULL) {
        resp_add_error(ctx->out, "-IOERR error or timeout connecting to the client");
        return false;
    }
    bool select = s->last_dbid != dbid;
    struct resp_out req;
    resp_out_init(&req, 2);
    if (!build_request(ctx, o, select, dbid, keys, n, &req)) {
        resp_out_deinit(&req);
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return false;
    }
    long long deadline = server_mstime() + timeout;
    if (!migrate_socket_send(s, req.data, req.len, deadline))
        x->write_failed = true;
    else
        read_replies(ctx, o, select, s, deadline, keys, n, x);
    resp_out_deinit(&req);
    if (x->write_failed || x->read_failed) {
        x->timed_out = errno == ETIMEDOUT;
        migrate_socket_close(s); /* the next MIGRATE connects again, and SELECTs */
    }
    else if (x->error[0] == '\0')
        s->last_dbid = dbid;
    return true;
}

/* The moved keys as one DEL, for the AOF and the replicas. */
static void propagate_moved(struct cmd_ctx *ctx, const size_t *keys, size_t moved)
{
    struct resp_arg *argv = malloc((moved + 1) * sizeof(*argv));
    if (argv == NULL)
        return;
    argv[0] = (struct resp_arg){"DEL", 3};
    for (size_t i = 0; i < moved; i++)
        argv[i + 1] = ctx->argv[keys[i]];
    propagate_as(ctx, argv, moved + 1);
    free(argv);
}

static void migrate_command(struct cmd_ctx *ctx)
{
    struct migrate_opts o;
    long long timeout, dbid;
    if (!parse_opts(ctx, &o) || !arg_to_ll_or_reply(ctx, &ctx->argv[5], &timeout) ||
        !arg_to_ll_or_reply(ctx, &ctx->argv[4], &dbid))
        return;
    if (timeout <= 0)
        timeout = 1000;
    size_t *keys = malloc((o.nkeys ? o.nkeys : 1) * sizeof(*keys));
    if (keys == NULL) {
        resp_add_error(ctx->out, ERR_OUT_OF_MEMORY);
        return;
    }
    size_t n = existing_keys(ctx, &o, keys);
    struct exchange x;
    if (n == 0) {
        resp_add_simple(ctx->out, "NOKEY");
    } else if (exchange(ctx, &o, dbid, timeout, keys, n, &x)) {
        /* A cached connection the target closed fails at once: Redis
         * tries a new one, unless something was answered or time ran out. */
        bool failed = x.write_failed || x.read_failed;
        if (failed && x.answered == 0 && x.error[0] == '\0' && !x.timed_out &&
            !exchange(ctx, &o, dbid, timeout, keys, n, &x))
            goto done;
        if (x.moved > 0)
            propagate_moved(ctx, keys, x.moved);
        if (x.error[0] != '\0')
            resp_add_errorf(ctx->out, "ERR Target instance replied with error: %s", x.error);
        else if (x.write_failed || x.read_failed)
            resp_add_errorf(ctx->out, "-IOERR error or timeout %s to target instance",
                            x.write_failed ? "writing" : "reading");
        else
            resp_add_simple(ctx->out, "OK");
    }
done:
    free(keys);
}

struct command migrate_commands[] = {
    {.name = "migrate", .arity = -6, .flags = CMD_WRITE, .first_key = 3, .last_key = 3,
     .key_step = 1, .find_keys = migrate_find_keys, .keys_after_word = "keys", .keyword_from = -2,
     .proc = migrate_command, .group = "generic", .acl = ACL_KEYSPACE | ACL_DANGEROUS,
     .summary = "Atomically transfer a key from a Redis instance to another one.",
     .since = "2.6.0",
     .complexity = "This command actually executes a DUMP+DEL in the source instance, and a "
                   "RESTORE in the target instance. See the pages of these commands for time "
                   "complexity. Also an O(N) data transfer between the two instances is "
                   "performed.",
     .args = ARGS({"host", "string", NULL, 0, NULL}, {"port", "integer", NULL, 0, NULL},
                  {"key_or_empty_string", "oneof", NULL, 0,
                   ARGS({"key", "key", NULL, 0, NULL},
                        {"empty_string", "pure-token", "", 0, NULL})},
                  {"destination-db", "integer", NULL, 0, NULL},
                  {"timeout", "integer", NULL, 0, NULL},
                  {"copy", "pure-token", "COPY", COMMAND_ARG_OPTIONAL, NULL},
                  {"replace", "pure-token", "REPLACE", COMMAND_ARG_OPTIONAL, NULL},
                  {"authentication", "oneof", NULL, COMMAND_ARG_OPTIONAL,
                   ARGS({"password", "string", "AUTH", COMMAND_ARG_OPTIONAL, NULL},
                        {"username_password", "block", "AUTH2", COMMAND_ARG_OPTIONAL,
                         ARGS({"username", "string", NULL, 0, NULL},
                              {"password", "string", NULL, 0, NULL})})},
                  {"key", "key", "KEYS", COMMAND_ARG_OPTIONAL | COMMAND_ARG_MULTIPLE, NULL})},
    {0},
};
