/*
 * fuzz_commands.c - libFuzzer target for the command layer: random requests
 * run through the dispatcher against an in-process keyspace and reply
 * buffer, with no network and no event loop.
 *
 * Input format
 *   The bytes one client sends on one connection: inline command lines
 *   ("SET k v\n", with redis-cli's quoting: "a b", 'x', \xHH) and multibulk
 *   requests, in any mix, split by Grove's own request parser, exactly as a
 *   connection splits them. The seeds (corpus/commands/) are one command
 *   per line. A protocol error or QUIT ends the input, as it ends a
 *   connection.
 *
 * What it checks
 *   Every request goes through command_execute() as a connection's would,
 *   so ASan and UBSan watch the handlers, core/'s data structures (whose
 *   invariant asserts are on in this build) and the reply encoder. While
 *   the client speaks RESP2, each command's reply must be whole, well-formed
 *   RESP2 (resp2_check: types, lengths, CRLFs, every announced element
 *   present; hiredis 0.14 would refuse COMMAND DOCS's nesting). After
 *   HELLO 3 the sanitizers alone judge.
 *
 * State
 *   Every input starts from the same server: default configuration with
 *   smaller limits (below), an empty keyspace, a fresh client. Afterwards
 *   the client is torn down as a disconnect would (its MULTI queue, watches
 *   and subscriptions go), the configuration is reset (CONFIG SET of
 *   requirepass or maxmemory must not leak into the next input) and a
 *   second client runs FLUSHALL.
 *
 * What it uses from server/ (the grove_server library, no loop running)
 *   lifecycle_state_init (seed, command table, keyspace, counters for one
 *   loop), command_execute, and clients without a worker loop
 *   (client_init with a NULL worker and no client_io). Work that would
 *   cross loops has no loop to cross to: PUBLISH reaches this client
 *   directly, FLUSHALL ASYNC frees at once, SHUTDOWN only sets its flag.
 */
#include "fuzz.h"

#include "acl.h"
#include "client.h"
#include "command.h"
#include "config.h"
#include "lifecycle.h"
#include "server.h"
#include "stats.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Limits that keep one input fast: Redis lets SETRANGE or APPEND grow a
 * value to proto-max-bulk-len (512 MB), which only measures memset. */
#define FUZZ_MAX_BULK_LEN (64 * 1024)
/* A connection's client-output-buffer-limit: past it the reply is cut
 * and the client closed (a negative count of HRANDFIELD, ZRANDMEMBER or
 * SRANDMEMBER asks for billions of picks; redis-server 7.0.15 dies of it). */
#define FUZZ_MAX_REPLY (16 * 1024 * 1024)
#define FUZZ_ARGV_CAP 1024

/* ---- the server, once per process and reset per input --------------------- */

static void config_reset(void)
{
    config_deinit(&server.cfg);
    config_init(&server.cfg);
    server.cfg.proto_max_bulk_len = FUZZ_MAX_BULK_LEN;
}

static void server_once(void)
{
    static bool ready;
    if (ready)
        return;
    config_reset();
    FUZZ_CHECK(lifecycle_state_init(1) == 0);
    ready = true;
}

static void execute_line(struct client *c, const char *line)
{
    char buf[64];
    struct resp_parser p;
    struct resp_arg argv[4];
    size_t argc, consumed, len = strlen(line);

    FUZZ_CHECK(len < sizeof(buf));
    memcpy(buf, line, len);
    resp_parser_init(&p, NULL);
    FUZZ_CHECK(resp_parse(&p, buf, len, argv, 4, &argc, &consumed) == RESP_PARSE_OK);
    command_execute(c, argv, argc, server_mstime());
}

/* A client as a connection would have it, without the connection. */
static void client_open(struct client *c)
{
    client_init(c, NULL, stats_of_loop(0), NULL, server_mstime());
    client_register(c);
}

static void client_close(struct client *c)
{
    command_client_leave(c);
    client_unregister(c);
    client_deinit(c);
}

/* Users and the ACL log as at start-up: an input may have run ACL SETUSER
 * or DELUSER, or set requirepass (the default user's password), which
 * config_reset does not undo. */
static void acl_reset(void)
{
    static const struct resp_arg defaults[] = {{"reset", 5}, {"on", 2},  {"nopass", 6},
                                               {"~*", 2},    {"&*", 2},  {"+@all", 5}};
    size_t bad;

    acl_deinit();
    acl_log_reset();
    FUZZ_CHECK(acl_init() == 0);
    FUZZ_CHECK(acl_setuser("default", 7, defaults, sizeof(defaults) / sizeof(defaults[0]),
                           &bad) == 0);
}

/* Back to the state every input starts from. */
static void server_reset(void)
{
    struct client admin;

    config_reset();
    acl_reset();
    client_open(&admin);
    execute_line(&admin, "REPLICAOF NO ONE\r\n"); /* a replica would refuse the FLUSHALL */
    FUZZ_CHECK(admin.out.len == 5 && memcmp(admin.out.data, "+OK\r\n", 5) == 0);
    resp_out_reset(&admin.out);
    execute_line(&admin, "FLUSHALL SYNC\r\n");
    FUZZ_CHECK(admin.out.len == 5 && memcmp(admin.out.data, "+OK\r\n", 5) == 0);
    client_close(&admin);
}

/* ---- one input ---------------------------------------------------------------- */

/* Reads the line at *pos up to its CRLF; false if there is none. */
static bool read_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *n)
{
    const char *start = buf + *pos;
    const char *cr = memchr(start, '\r', len - *pos);

    if (cr == NULL || (size_t)(cr - buf) + 1 >= len || cr[1] != '\n')
        return false;
    *line = start;
    *n = (size_t)(cr - start);
    *pos = (size_t)(cr - buf) + 2;
    return true;
}

/* Reads one RESP2 item at *pos, adding an array's elements to *need;
 * NULL or what is wrong. */
static const char *resp2_item(const char *buf, size_t len, size_t *pos, long long *need)
{
    const char *line;
    size_t n;
    long long v;
    char type = buf[(*pos)++];

    if (!read_line(buf, len, pos, &line, &n))
        return "a line without CRLF";
    switch (type) {
    case '+':
    case '-':
        return memchr(line, '\n', n) ? "a newline inside a status or error" : NULL;
    case ':':
        return resp_str_to_ll(line, n, &v) ? NULL : "a bad integer";
    case '*':
        if (!resp_str_to_ll(line, n, &v) || v < -1)
            return "a bad array length";
        *need += v > 0 ? v : 0;
        return NULL;
    case '$':
        if (!resp_str_to_ll(line, n, &v) || v < -1)
            return "a bad bulk length";
        if (v < 0)
            return NULL;
        if (len - *pos < (size_t)v + 2)
            return "a bulk string cut short";
        if (buf[*pos + (size_t)v] != '\r' || buf[*pos + (size_t)v + 1] != '\n')
            return "a bulk string longer than its length";
        *pos += (size_t)v + 2;
        return NULL;
    default:
        return "a type byte that is not RESP2";
    }
}

/* NULL if buf[0..len) is a sequence of whole RESP2 replies (any nesting:
 * a reply is complete when every announced element has been read). */
static const char *resp2_check(const char *buf, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        long long need = 1;
        while (need-- > 0) {
            const char *why = pos < len ? resp2_item(buf, len, &pos, &need) : "cut short";
            if (why != NULL)
                return why;
        }
    }
    return NULL;
}

/* Shows the command and its reply (escaped, cut short) and aborts. */
static void bad_reply(const char *why, const struct resp_arg *argv, size_t argc,
                      const struct resp_out *out)
{
    fprintf(stderr, "fuzz_commands: not RESP2: %s\ncommand:", why);
    for (size_t i = 0; i < argc; i++)
        fprintf(stderr, " %.*s", (int)(argv[i].len > 64 ? 64 : argv[i].len), argv[i].ptr);
    fprintf(stderr, "\nreply (%zu bytes): ", out->len);
    for (size_t i = 0; i < out->len && i < 512; i++) {
        unsigned char ch = (unsigned char)out->data[i];
        fprintf(stderr, ch >= 32 && ch < 127 ? "%c" : "\\x%02x", ch);
    }
    fprintf(stderr, "\n");
    abort();
}

/* One command; false when its reply passed the output limit, where a
 * connection would be closed (the cut reply is not checked). */
static bool execute(struct client *c, struct resp_arg *argv, size_t argc)
{
    const char *why;

    c->out.limit = FUZZ_MAX_REPLY;
    command_execute(c, argv, argc, server_mstime());
    if (c->out.overflow)
        return false;
    if (c->resp == 2 && (why = resp2_check(c->out.data, c->out.len)) != NULL)
        bad_reply(why, argv, argc, &c->out);
    resp_out_reset(&c->out);
    return true;
}

/* Parse and run requests until the input ends, is cut short, or the client
 * would be disconnected. The buffer is a private copy: the parser unquotes
 * inline arguments in place. */
static void run(char *buf, size_t size, struct client *c)
{
    static struct resp_arg argv[FUZZ_ARGV_CAP];
    struct resp_parser p;
    size_t pos = 0;

    resp_parser_init(&p, NULL);
    while (pos < size && !(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP))) {
        size_t argc = 0, consumed = 0;
        if (resp_parse(&p, buf + pos, size - pos, argv, FUZZ_ARGV_CAP, &argc, &consumed) !=
            RESP_PARSE_OK)
            return; /* incomplete, too many arguments, or a protocol error */
        pos += consumed;
        if (argc > 0 && !execute(c, argv, argc))
            return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct client c;
    char *buf = malloc(size + 1);

    FUZZ_CHECK(buf != NULL);
    if (size)
        memcpy(buf, data, size);
    server_once();
    client_open(&c);
    run(buf, size, &c);
    client_close(&c);
    free(buf);
    server_reset();
    return 0;
}
