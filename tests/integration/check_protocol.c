/*
 * check_protocol.c - the wire, end to end, over raw sockets against a real
 * grove-server: pipelining, requests split into single bytes, inline
 * commands, RESP3 replies, every protocol error with Redis's exact text
 * (the connection closes, the server goes on serving the others), the
 * standard command errors, many concurrent connections, clients that
 * vanish mid-request or with a big reply pending, the output buffer limit
 * and maxclients.
 *
 * Every expected byte string was taken from redis-server 7.0.15.
 *
 * Each test case starts its own server (an unchecked fixture); tests that
 * need a special configuration start one of their own.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixtures.h"

/* ---- helpers --------------------------------------------------------------------- */

/* A multibulk request, as a client library would send it. */
static size_t format_cmd(char **out, int argc, const char **argv, const size_t *lens)
{
    int n = redisFormatCommandArgv(out, argc, argv, lens);
    ck_assert_int_gt(n, 0);
    return (size_t)n;
}

/* Fill `len` bytes of a malloc'd buffer with `c`. */
static char *filled(size_t len, char c)
{
    char *p = malloc(len + 1);
    ck_assert_ptr_nonnull(p);
    memset(p, c, len);
    p[len] = '\0';
    return p;
}

/* Send `len` bytes and read replies at the same time (so neither side's
 * buffers fill up), handing each reply to `check` with its index. Returns
 * how many replies arrived before `want` were seen or the peer went quiet. */
static size_t pump(int fd, const char *out, size_t len, size_t want,
                   void (*check)(redisReply *r, size_t i, void *ud), void *ud)
{
    redisReader *reader = redisReaderCreate();
    size_t sent = 0, got = 0;
    char buf[65536];
    while (got < want) {
        struct pollfd p = {.fd = fd, .events = POLLIN | (sent < len ? POLLOUT : 0)};
        if (poll(&p, 1, 5000) <= 0)
            break;
        if ((p.revents & POLLOUT) && sent < len) {
            ssize_t n = send(fd, out + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                break;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                break;
            if (n > 0)
                redisReaderFeed(reader, buf, (size_t)n);
            void *reply;
            while (got < want && redisReaderGetReply(reader, &reply) == REDIS_OK && reply) {
                check(reply, got++, ud);
                freeReplyObject(reply);
            }
        }
    }
    redisReaderFree(reader);
    return got;
}

/* The other clients must not notice a protocol error: this one still gets
 * answers and the data it stored is still there. */
static void expect_server_fine(void)
{
    harness_expect_status(CMD("PING"), "PONG");
    harness_expect_str(CMD("GET survivor"), "still here");
}

static void start_small_bulks(void)
{
    static const char *const args[] = {"--threads", "2", "--proto-max-bulk-len", "1mb", NULL};
    harness_start(&harness_srv, args);
}

static void connect_client(void)
{
    harness_ctx = harness_connect(&harness_srv);
    EXPECT_OK("FLUSHALL");
    EXPECT_OK("SET survivor %s", "still here");
}

/* ---- pipelining and partial input ------------------------------------------------ */

#define PIPELINE_COUNT 100000

static void expect_echo_of_index(redisReply *r, size_t i, void *ud)
{
    (void)ud;
    char want[32];
    snprintf(want, sizeof(want), "%zu", i);
    ck_assert_msg(r->type == REDIS_REPLY_STRING && strcmp(r->str, want) == 0,
                  "reply %zu: type %d '%s'", i, r->type, r->str ? r->str : "");
}

START_TEST(hundred_thousand_pipelined_commands_reply_in_order)
{
    size_t cap = (size_t)PIPELINE_COUNT * 32, len = 0;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < PIPELINE_COUNT; i++) {
        char num[24];
        int n = snprintf(num, sizeof(num), "%zu", i);
        len += (size_t)snprintf(out + len, cap - len, "*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n", n, num);
    }
    int fd = harness_raw_connect(&harness_srv);
    /* Written in one go: the server sees the whole batch at once, as far
     * as the socket buffers allow. */
    harness_raw_send(fd, out, len);
    size_t got = pump(fd, "", 0, PIPELINE_COUNT, expect_echo_of_index, NULL);
    ck_assert_uint_eq(got, PIPELINE_COUNT);
    close(fd);
    free(out);
}
END_TEST

START_TEST(pipelined_inline_and_multibulk_requests_keep_their_order)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd,
                          "SET k 1\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n*1\r\n$4\r\nPING\r\n"
                          "ECHO last\r\n",
                          "+OK\r\n$1\r\n1\r\n+PONG\r\n+PONG\r\n$4\r\nlast\r\n");
    close(fd);
}
END_TEST

/* One batch the connection looks at ahead (conn.c's look_ahead) before
 * running it: keys whose database a SELECT earlier in the batch changes,
 * a command with subcommands, one with many keys, an unknown one and one
 * with the wrong arity between one-key commands. */
START_TEST(pipelined_batch_runs_each_request_as_it_stands_when_its_turn_comes)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd,
                          "*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n"
                          "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\none\r\n"
                          "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
                          "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
                          "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\nzero\r\n"
                          "*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$1\r\nk\r\n"
                          "*11\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
                          "$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"
                          "*2\r\n$4\r\nNOPE\r\n$1\r\nk\r\n"
                          "*3\r\n$3\r\nGET\r\n$1\r\nk\r\n$1\r\nx\r\n"
                          "*2\r\n$4\r\nINCR\r\n$1\r\ne\r\n"
                          "*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n"
                          "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
                          "*2\r\n$3\r\nGET\r\n$1\r\ne\r\n",
                          "+OK\r\n+OK\r\n+OK\r\n$-1\r\n+OK\r\n$6\r\nembstr\r\n+OK\r\n"
                          "-ERR unknown command 'NOPE', with args beginning with: 'k' \r\n"
                          "-ERR wrong number of arguments for 'get' command\r\n:6\r\n+OK\r\n"
                          "$3\r\none\r\n$-1\r\n");
    close(fd);
}
END_TEST

/* An ECHO of `len` bytes of `body`, sent in three writes, and its reply. */
static void echo_big(int fd, const char *body, size_t len)
{
    char head[48];
    int n = snprintf(head, sizeof(head), "*2\r\n$4\r\nECHO\r\n$%zu\r\n", len);
    harness_raw_send(fd, head, (size_t)n);
    harness_raw_send(fd, body, len);
    harness_raw_send(fd, "\r\n", 2);
    n = snprintf(head, sizeof(head), "$%zu\r\n", len);
    size_t want = (size_t)n + len + 2;
    char *buf = malloc(want + 1); /* harness_raw_recv ends it with a NUL */
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(harness_raw_recv(fd, buf, want + 1, want), want);
    ck_assert_mem_eq(buf, head, (size_t)n);
    ck_assert_mem_eq(buf + n, body, len);
    free(buf);
}

/* A request looked at ahead (conn.c's look_ahead) under one set of limits
 * still meets those an earlier request of the same batch set: here RESET
 * takes the client back to unauthenticated, and its 16 KB bulk limit. The
 * query buffer is grown first, so the whole batch can arrive in one read. */
START_TEST(reset_earlier_in_a_batch_limits_the_requests_after_it)
{
    static const char *const args[] = {"--requirepass", "secret", NULL};
    struct grove_server s;
    harness_start(&s, args);
    int fd = harness_raw_connect(&s);
    harness_raw_roundtrip(fd, "AUTH secret\r\n", "+OK\r\n");
    char *big = filled(40000, 'v');
    echo_big(fd, big, 40000);
    char buf[128];
    size_t len = 0, cap = 21000;
    char *batch = malloc(cap);
    len += (size_t)snprintf(batch, cap, "*1\r\n$5\r\nRESET\r\n*2\r\n$4\r\nECHO\r\n$20000\r\n");
    memcpy(batch + len, big, 20000);
    len += 20000;
    memcpy(batch + len, "\r\n", 2);
    harness_raw_send(fd, batch, len + 2);
    static const char want[] = "+RESET\r\n-ERR Protocol error: unauthenticated bulk length\r\n";
    ck_assert_uint_eq(harness_raw_recv(fd, buf, sizeof(buf), sizeof(want) - 1), sizeof(want) - 1);
    ck_assert_mem_eq(buf, want, sizeof(want) - 1);
    ck_assert(harness_raw_closed(fd));
    close(fd);
    free(batch);
    free(big);
    harness_stop(&s);
}
END_TEST

static void send_one_byte_at_a_time(int fd, const char *req)
{
    for (size_t i = 0; req[i]; i++) {
        harness_raw_send(fd, req + i, 1);
        /* Pacing, not waiting for anything: the server reads most bytes on
         * their own, and the replies are the same however they arrive. */
        usleep(200);
    }
}

START_TEST(request_fed_one_byte_at_a_time_is_served)
{
    int fd = harness_raw_connect(&harness_srv);
    send_one_byte_at_a_time(fd, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$11\r\nhello world\r\n");
    harness_raw_roundtrip(fd, "", "+OK\r\n");
    send_one_byte_at_a_time(fd, "GET key\r\n");
    harness_raw_roundtrip(fd, "", "$11\r\nhello world\r\n");
    send_one_byte_at_a_time(fd, "ECHO \"a b\"\r\n");
    harness_raw_roundtrip(fd, "", "$3\r\na b\r\n");
    close(fd);
}
END_TEST

START_TEST(big_bulk_arriving_in_pieces_is_stored_whole)
{
    size_t vlen = 3 * 1024 * 1024 + 7;
    char *value = filled(vlen, 'v');
    for (size_t i = 0; i < vlen; i += 4099)
        value[i] = (char)('a' + i % 26);
    const char *argv[] = {"SET", "big", value};
    const size_t lens[] = {3, 3, vlen};
    char *req;
    size_t len = format_cmd(&req, 3, argv, lens);
    int fd = harness_raw_connect(&harness_srv);
    for (size_t off = 0; off < len; off += 1000)
        harness_raw_send(fd, req + off, len - off < 1000 ? len - off : 1000);
    harness_raw_roundtrip(fd, "", "+OK\r\n");
    redisReply *r = CMD("GET big");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, vlen);
    ck_assert_mem_eq(r->str, value, vlen);
    freeReplyObject(r);
    close(fd);
    redisFreeCommand(req);
    free(value);
}
END_TEST

/* ---- inline commands -------------------------------------------------------------- */

START_TEST(inline_ping_gets_pong)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "PING\r\n", "+PONG\r\n");
    harness_raw_roundtrip(fd, "ping\n", "+PONG\r\n");
    harness_raw_roundtrip(fd, "  PiNg   hello  \r\n", "$5\r\nhello\r\n");
    close(fd);
}
END_TEST

START_TEST(inline_quoted_arguments_are_unquoted)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "ECHO \"hello world\"\r\n", "$11\r\nhello world\r\n");
    harness_raw_roundtrip(fd, "ECHO 'it\\'s'\r\n", "$4\r\nit's\r\n");
    harness_raw_roundtrip(fd, "ECHO \"\\x41\\x42\\n\"\r\n", "$3\r\nAB\n\r\n");
    harness_raw_roundtrip(fd, "ECHO \"\"\r\n", "$0\r\n\r\n");
    harness_raw_roundtrip(fd, "SET \"a key\" 'a value'\r\nGET \"a key\"\r\n",
                          "+OK\r\n$7\r\na value\r\n");
    close(fd);
}
END_TEST

START_TEST(empty_requests_are_skipped)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n", "+PONG\r\n");
    close(fd);
}
END_TEST

/* ---- RESP3 -------------------------------------------------------------------------- */

static long long client_id(int fd)
{
    char buf[64];
    harness_raw_send(fd, "CLIENT ID\r\n", 11);
    size_t n = harness_raw_recv(fd, buf, sizeof(buf), 4);
    ck_assert_msg(n > 3 && buf[0] == ':', "CLIENT ID gave %s", buf);
    while (n < sizeof(buf) - 1 && strstr(buf, "\r\n") == NULL)
        n += harness_raw_recv(fd, buf + n, sizeof(buf) - n, 1);
    return strtoll(buf + 1, NULL, 10);
}

static void hello_reply(char *out, size_t cap, int proto, long long id)
{
    snprintf(out, cap,
             "%s\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
             "$5\r\nproto\r\n:%d\r\n$2\r\nid\r\n:%lld\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
             "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
             proto == 3 ? "%7" : "*14", proto, id);
}

START_TEST(hello_3_replies_with_a_map)
{
    int fd = harness_raw_connect(&harness_srv);
    char want[512];
    hello_reply(want, sizeof(want), 3, client_id(fd));
    harness_raw_roundtrip(fd, "HELLO 3\r\n", want);
    close(fd);
}
END_TEST

START_TEST(resp3_nulls_are_underscores)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "GET nosuchkey\r\nCLIENT GETNAME\r\n", "$-1\r\n$-1\r\n");
    char want[512];
    hello_reply(want, sizeof(want), 3, client_id(fd));
    harness_raw_roundtrip(fd, "HELLO 3\r\n", want);
    harness_raw_roundtrip(fd, "GET nosuchkey\r\nCLIENT GETNAME\r\nCOMMAND INFO nosuch\r\n",
                          "_\r\n_\r\n*1\r\n_\r\n");
    close(fd);
}
END_TEST

START_TEST(resp3_maps_and_sets_have_their_own_types)
{
    int fd = harness_raw_connect(&harness_srv);
    char want[512];
    hello_reply(want, sizeof(want), 3, client_id(fd));
    harness_raw_roundtrip(fd, "HELLO 3\r\n", want);
    harness_raw_roundtrip(fd, "CONFIG GET maxclients\r\n",
                          "%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
    harness_raw_roundtrip(fd, "CONFIG GET nosuch\r\n", "%0\r\n");
    /* COMMAND INFO: flags, key specs and no subcommands are sets. */
    harness_raw_roundtrip(fd, "COMMAND INFO client|id\r\n",
                          "*1\r\n*10\r\n$9\r\nclient|id\r\n:2\r\n~3\r\n+noscript\r\n+loading\r\n"
                          "+stale\r\n:0\r\n:0\r\n:0\r\n~2\r\n+@slow\r\n+@connection\r\n~0\r\n"
                          "~0\r\n~0\r\n");
    close(fd);
}
END_TEST

START_TEST(resp3_text_replies_are_verbatim_strings)
{
    int fd = harness_raw_connect(&harness_srv);
    char want[512], buf[65536];
    hello_reply(want, sizeof(want), 3, client_id(fd));
    harness_raw_roundtrip(fd, "HELLO 3\r\n", want);
    harness_raw_send(fd, "INFO server\r\n", 13);
    size_t n = harness_raw_recv(fd, buf, sizeof(buf), 32);
    ck_assert_msg(n > 0 && buf[0] == '=', "INFO in RESP3: %s", buf);
    ck_assert_ptr_nonnull(strstr(buf, "\r\ntxt:# Server\r\n"));
    close(fd);
}
END_TEST

START_TEST(hello_2_and_reset_go_back_to_resp2)
{
    int fd = harness_raw_connect(&harness_srv);
    long long id = client_id(fd);
    char want[512];
    hello_reply(want, sizeof(want), 3, id);
    harness_raw_roundtrip(fd, "HELLO 3\r\n", want);
    hello_reply(want, sizeof(want), 2, id);
    harness_raw_roundtrip(fd, "HELLO 2\r\n", want);
    harness_raw_roundtrip(fd, "GET nosuchkey\r\n", "$-1\r\n");
    hello_reply(want, sizeof(want), 3, id);
    harness_raw_roundtrip(fd, "HELLO 3\r\n", want);
    harness_raw_roundtrip(fd, "RESET\r\nGET nosuchkey\r\n", "+RESET\r\n$-1\r\n");
    close(fd);
}
END_TEST

/* ---- protocol errors ------------------------------------------------------------- */

struct proto_error {
    const char *name;
    const char *request;   /* NULL: built by make_request */
    const char *reply;
};

static const struct proto_error proto_errors[] = {
    {"non-numeric multibulk length", "*x\r\n",
     "-ERR Protocol error: invalid multibulk length\r\n"},
    {"multibulk length with a plus", "*+1\r\n",
     "-ERR Protocol error: invalid multibulk length\r\n"},
    {"multibulk length over INT_MAX", "*3000000000\r\n",
     "-ERR Protocol error: invalid multibulk length\r\n"},
    {"non-numeric bulk length", "*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
    {"negative bulk length", "*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
    {"bulk over proto-max-bulk-len", "*2\r\n$3\r\nGET\r\n$1048577\r\n",
     "-ERR Protocol error: invalid bulk length\r\n"},
    {"x instead of $", "*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"},
    {"+ instead of $", "*2\r\n$4\r\nECHO\r\n+x\r\n",
     "-ERR Protocol error: expected '$', got '+'\r\n"},
    {"unbalanced double quote", "ECHO \"abc\r\n",
     "-ERR Protocol error: unbalanced quotes in request\r\n"},
    {"unbalanced single quote", "SET k 'v\r\n",
     "-ERR Protocol error: unbalanced quotes in request\r\n"},
    {"text after a closing quote", "ECHO \"a\"b\r\n",
     "-ERR Protocol error: unbalanced quotes in request\r\n"},
    {"inline over 64 KB", NULL, "-ERR Protocol error: too big inline request\r\n"},
    {"multibulk count line over 64 KB", NULL,
     "-ERR Protocol error: too big mbulk count string\r\n"},
    {"bulk count line over 64 KB", NULL, "-ERR Protocol error: too big bulk count string\r\n"},
    {"error after a good request", "PING\r\n*x\r\n",
     "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"},
};
#define N_PROTO_ERRORS (sizeof(proto_errors) / sizeof(proto_errors[0]))

static char *make_request(size_t i, size_t *len)
{
    const struct proto_error *e = &proto_errors[i];
    if (e->request != NULL) {
        *len = strlen(e->request);
        return strdup(e->request);
    }
    const size_t big = 64 * 1024 + 1;
    char *req = filled(big + 8, '1');
    if (strstr(e->name, "inline") != NULL) {
        memset(req, 'a', big);
        *len = big;
    } else if (strstr(e->name, "multibulk") != NULL) {
        req[0] = '*';
        *len = big + 1;
    } else {
        memcpy(req, "*1\r\n$", 5);
        *len = big + 5;
    }
    return req;
}

START_TEST(protocol_error_replies_and_closes)
{
    const struct proto_error *e = &proto_errors[_i];
    size_t len;
    char *req = make_request((size_t)_i, &len);
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_send(fd, req, len);
    char buf[256];
    size_t want = strlen(e->reply);
    size_t got = harness_raw_recv(fd, buf, sizeof(buf), want);
    ck_assert_msg(got == want && memcmp(buf, e->reply, want) == 0, "%s: got [%s]", e->name, buf);
    ck_assert_msg(harness_raw_closed(fd), "%s: connection left open", e->name);
    close(fd);
    free(req);
    expect_server_fine();
}
END_TEST

/* Under CLIENT REPLY OFF the error text is not sent, as in Redis; the
 * connection still closes (Redis would leave it hanging). */
START_TEST(protocol_error_under_reply_off_sends_nothing)
{
    static const char *const reqs[] = {"CLIENT REPLY OFF\r\n*x\r\n",
                                       "CLIENT REPLY SKIP\r\n*x\r\n"};
    for (size_t i = 0; i < 2; i++) {
        int fd = harness_raw_connect(&harness_srv);
        char buf[128];
        harness_raw_send(fd, reqs[i], strlen(reqs[i]));
        ck_assert_msg(harness_raw_recv(fd, buf, sizeof(buf), 1) == 0, "got [%s]", buf);
        ck_assert(harness_raw_closed(fd));
        close(fd);
    }
    expect_server_fine();
}
END_TEST

START_TEST(bulk_of_exactly_proto_max_bulk_len_is_accepted)
{
    size_t vlen = 1024 * 1024;
    char *value = filled(vlen, 'x');
    EXPECT_OK("SET big %b", value, vlen);
    redisReply *r = CMD("GET big");
    ck_assert_uint_eq(r->len, vlen);
    freeReplyObject(r);
    free(value);
    expect_server_fine();
}
END_TEST

/* Redis 7.0 bounds the count at INT_MAX (6.x stopped at 1024*1024). */
START_TEST(multibulk_count_above_a_million_is_accepted)
{
    const size_t nkeys = 1024 * 1024 + 1;
    const char head[] = "*1048578\r\n$6\r\nEXISTS\r\n";
    const char arg[] = "$8\r\nsurvivor\r\n";
    size_t len = sizeof(head) - 1 + nkeys * (sizeof(arg) - 1);
    char *req = malloc(len), *p = req;
    ck_assert_ptr_nonnull(req);
    memcpy(p, head, sizeof(head) - 1);
    p += sizeof(head) - 1;
    for (size_t i = 0; i < nkeys; i++, p += sizeof(arg) - 1)
        memcpy(p, arg, sizeof(arg) - 1);
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_send(fd, req, len);
    harness_raw_roundtrip(fd, "", ":1048577\r\n");
    close(fd);
    free(req);
}
END_TEST

/* ---- command errors --------------------------------------------------------------- */

START_TEST(unknown_command_text_is_byte_exact)
{
    char *a = filled(100, 'a'), *b = filled(100, 'b'), *n = filled(200, 'n');
    char req[1024], want[1024];
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "FOO\r\n",
                          "-ERR unknown command 'FOO', with args beginning with: \r\n");
    harness_raw_roundtrip(fd, "foo bar 'b z'\r\n",
                          "-ERR unknown command 'foo', with args beginning with: 'bar' 'b z' \r\n");
    /* The argument list stops at 128 characters, the name at 128. */
    snprintf(req, sizeof(req), "FOO %s %s\r\n", a, b);
    snprintf(want, sizeof(want),
             "-ERR unknown command 'FOO', with args beginning with: '%s' '%.25s' \r\n", a, b);
    harness_raw_roundtrip(fd, req, want);
    snprintf(req, sizeof(req), "%s x\r\n", n);
    snprintf(want, sizeof(want),
             "-ERR unknown command '%.128s', with args beginning with: 'x' \r\n", n);
    harness_raw_roundtrip(fd, req, want);
    harness_raw_roundtrip(fd,
                          "FOO a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G "
                          "H I J K L M\r\n",
                          "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' 'c' 'd' "
                          "'e' 'f' 'g' 'h' 'i' 'j' 'k' 'l' 'm' 'n' 'o' 'p' 'q' 'r' 's' 't' 'u' 'v' "
                          "'w' 'x' 'y' 'z' 'A' 'B' 'C' 'D' 'E' 'F' \r\n");
    /* CR and LF inside an error become spaces. */
    harness_raw_roundtrip(fd, "FOO \"a\\r\\nb\"\r\n",
                          "-ERR unknown command 'FOO', with args beginning with: 'a  b' \r\n");
    close(fd);
    free(a);
    free(b);
    free(n);
}
END_TEST

START_TEST(wrong_arity_text_names_the_command)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "GET\r\n", "-ERR wrong number of arguments for 'get' command\r\n");
    harness_raw_roundtrip(fd, "Echo a b\r\n",
                          "-ERR wrong number of arguments for 'echo' command\r\n");
    harness_raw_roundtrip(fd, "PING a b\r\n",
                          "-ERR wrong number of arguments for 'ping' command\r\n");
    harness_raw_roundtrip(fd, "CLIENT\r\n",
                          "-ERR wrong number of arguments for 'client' command\r\n");
    harness_raw_roundtrip(fd, "config get\r\n",
                          "-ERR wrong number of arguments for 'config|get' command\r\n");
    harness_raw_roundtrip(fd, "Client Kill\r\n",
                          "-ERR wrong number of arguments for 'client|kill' command\r\n");
    harness_raw_roundtrip(fd, "COMMAND COUNT x\r\n",
                          "-ERR wrong number of arguments for 'command|count' command\r\n");
    close(fd);
}
END_TEST

START_TEST(unknown_subcommand_text)
{
    char *n = filled(200, 'n');
    char req[512], want[512];
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "CLIENT NOSUCH\r\n",
                          "-ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.\r\n");
    harness_raw_roundtrip(fd, "client nosuch x y\r\n",
                          "-ERR unknown subcommand 'nosuch'. Try CLIENT HELP.\r\n");
    harness_raw_roundtrip(fd, "config foo\r\n",
                          "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n");
    harness_raw_roundtrip(fd, "COMMAND FOO\r\n",
                          "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n");
    snprintf(req, sizeof(req), "CLIENT %s\r\n", n);
    snprintf(want, sizeof(want), "-ERR unknown subcommand '%.128s'. Try CLIENT HELP.\r\n", n);
    harness_raw_roundtrip(fd, req, want);
    close(fd);
    free(n);
}
END_TEST

/* Before AUTH, Redis 7.0 refuses requests of more than 10 arguments or
 * bulks over 16 KB, so an unauthenticated client cannot make it allocate. */
START_TEST(unauthenticated_clients_get_small_request_limits)
{
    static const char *const args[] = {"--requirepass", "secret", NULL};
    struct grove_server s;
    harness_start(&s, args);
    int fd = harness_raw_connect(&s);
    /* Ten arguments and 16 KB bulks are still fine. */
    harness_raw_roundtrip(fd, "*10\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
                              "$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n",
                          "-NOAUTH Authentication required.\r\n");
    char *pass = filled(16384, 'p');
    const char *hdr = "*2\r\n$4\r\nAUTH\r\n$16384\r\n";
    harness_raw_send(fd, hdr, strlen(hdr));
    harness_raw_send(fd, pass, 16384);
    harness_raw_roundtrip(fd, "\r\n",
                          "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    free(pass);
    close(fd);
    fd = harness_raw_connect(&s);
    harness_raw_roundtrip(fd, "*11\r\n",
                          "-ERR Protocol error: unauthenticated multibulk length\r\n");
    ck_assert(harness_raw_closed(fd));
    close(fd);
    fd = harness_raw_connect(&s);
    harness_raw_roundtrip(fd, "*2\r\n$4\r\nAUTH\r\n$16385\r\n",
                          "-ERR Protocol error: unauthenticated bulk length\r\n");
    ck_assert(harness_raw_closed(fd));
    close(fd);
    /* The same requests once authenticated. */
    fd = harness_raw_connect(&s);
    harness_raw_roundtrip(fd, "AUTH secret\r\n", "+OK\r\n");
    harness_raw_roundtrip(fd, "*11\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
                              "$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n",
                          ":0\r\n");
    char *value = filled(16385, 'v');
    echo_big(fd, value, 16385);
    free(value);
    close(fd);
    harness_stop(&s);
}
END_TEST

/* ---- many clients, vanishing clients, limits ------------------------------------- */

#define MANY_CLIENTS 1000

/* `others`: the clients already connected besides the one made here. */
static void serve_many_clients(const struct grove_server *s, long long others)
{
    ck_assert_msg(harness_raise_nofile(MANY_CLIENTS + 64) >= MANY_CLIENTS + 64,
                  "cannot open %d sockets: RLIMIT_NOFILE hard limit too low", MANY_CLIENTS);
    redisContext *c = harness_connect(s);
    harness_wait_info_ll(c, "clients", "connected_clients", others + 1);
    static int fds[MANY_CLIENTS];
    for (int i = 0; i < MANY_CLIENTS; i++)
        fds[i] = harness_raw_connect(s);
    for (int i = 0; i < MANY_CLIENTS; i++) {
        char req[64];
        int n = snprintf(req, sizeof(req), "ECHO c%d\r\n", i);
        harness_raw_send(fds[i], req, (size_t)n);
    }
    for (int i = 0; i < MANY_CLIENTS; i++) {
        char want[64], buf[64];
        int n = snprintf(want, sizeof(want), "$%d\r\nc%d\r\n", (int)snprintf(NULL, 0, "c%d", i), i);
        size_t got = harness_raw_recv(fds[i], buf, sizeof(buf), (size_t)n);
        ck_assert_msg(got == (size_t)n && memcmp(buf, want, (size_t)n) == 0,
                      "client %d got [%s]", i, buf);
    }
    harness_wait_info_ll(c, "clients", "connected_clients", others + 1 + MANY_CLIENTS);
    for (int i = 0; i < MANY_CLIENTS; i++)
        close(fds[i]);
    harness_wait_info_ll(c, "clients", "connected_clients", others + 1);
    redisFree(c);
}

START_TEST(thousand_concurrent_connections_are_served)
{
    serve_many_clients(&harness_srv, 1);
    expect_server_fine();
}
END_TEST

/* Like Redis, the server raises its own open-files limit to fit maxclients
 * (when the hard limit allows), so a low inherited soft limit does not
 * turn connections away. */
START_TEST(server_raises_a_low_open_files_limit)
{
    harness_raise_nofile(MANY_CLIENTS + 64);
    struct harness_opts opts = {.nofile = 256};
    struct grove_server s;
    harness_start_ex(&s, &opts, NULL);
    serve_many_clients(&s, 0);
    harness_stop(&s);
}
END_TEST

START_TEST(client_gone_mid_request_leaves_server_fine)
{
    int fd = harness_raw_connect(&harness_srv);
    const char *part = "*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100\r\nabc";
    harness_raw_send(fd, part, strlen(part));
    close(fd);
    fd = harness_raw_connect(&harness_srv);
    harness_raw_send(fd, "SET half \"ab", 12);
    close(fd);
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", 1);
    harness_expect_int(CMD("EXISTS half"), 0);
    expect_server_fine();
}
END_TEST

START_TEST(client_gone_with_big_reply_pending_leaves_server_fine)
{
    size_t vlen = 1024 * 1024;
    char *value = filled(vlen, 'x');
    EXPECT_OK("SET big %b", value, vlen);
    int fd = harness_raw_connect(&harness_srv);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    char req[] = "GET big\r\n";
    for (int i = 0; i < 200; i++)
        harness_raw_send(fd, req, sizeof(req) - 1);
    char buf[1024];
    harness_raw_recv(fd, buf, sizeof(buf), 100); /* the replies have started */
    close(fd);
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", 1);
    redisReply *r = CMD("GET big");
    ck_assert_uint_eq(r->len, vlen);
    freeReplyObject(r);
    expect_server_fine();
    free(value);
}
END_TEST

START_TEST(output_buffer_hard_limit_closes_the_client)
{
    static const char *const args[] = {"--client-output-buffer-limit", "normal", "1mb", "0", "0",
                                       NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    char *value = filled(2 * 1024 * 1024, 'x');
    harness_expect_status(harness_cmd(c, "SET big %b", value, (size_t)2 * 1024 * 1024), "OK");
    harness_expect_status(harness_cmd(c, "SET small %s", "fits"), "OK");
    /* A reply over the hard limit: the client is closed and gets nothing,
     * not even the replies before it in the same batch (as in Redis). */
    int fd = harness_raw_connect(&s);
    harness_raw_send(fd, "PING\r\nGET big\r\n", 15);
    char buf[64];
    ck_assert_uint_eq(harness_raw_recv(fd, buf, sizeof(buf), 1), 0);
    ck_assert(harness_raw_closed(fd));
    close(fd);
    /* Replies under the limit are fine, before and after. */
    fd = harness_raw_connect(&s);
    harness_raw_roundtrip(fd, "GET small\r\n", "$4\r\nfits\r\n");
    close(fd);
    harness_expect_str(harness_cmd(c, "GET small"), "fits");
    /* Lifting the limit lets the big reply through. */
    harness_expect_status(harness_cmd(c, "CONFIG SET client-output-buffer-limit %s",
                                      "normal 0 0 0"), "OK");
    redisReply *r = harness_cmd(c, "GET big");
    ck_assert_uint_eq(r->len, 2 * 1024 * 1024);
    freeReplyObject(r);
    redisFree(c);
    free(value);
    harness_stop(&s);
}
END_TEST

/* A subscriber to ch that reads nothing after its SUBSCRIBE reply. */
static int idle_subscriber(const struct grove_server *s)
{
    int fd = harness_raw_connect(s);
    harness_raw_roundtrip(fd, "SUBSCRIBE ch\r\n", "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    return fd;
}

/* The subscriber's unread replies as CLIENT LIST shows them (omem), or
 * -1 once it is gone. */
static long long subscriber_omem(redisContext *c)
{
    redisReply *r = harness_cmd(c, "CLIENT LIST TYPE pubsub");
    const char *at = strstr(r->str, " omem=");
    long long omem = at != NULL ? atoll(at + 6) : -1;
    freeReplyObject(r);
    return omem;
}

/* PUBLISH 1000-byte messages to ch, 100 at a time, until the subscriber
 * holds more than `omem` unread (false if it went first), or is gone if
 * omem is 0. The kernel's buffers take megabytes before anything waits
 * in ours: up to 100 MB are sent. */
static bool publish_until(redisContext *c, long long omem)
{
    char *msg = filled(1000, 'm');
    long long shown = 0;
    for (int i = 0; i < 1000 && shown >= 0 && (omem == 0 || shown <= omem); i++) {
        for (int j = 0; j < 100; j++)
            harness_cmd_int(c, "PUBLISH ch %s", msg);
        shown = subscriber_omem(c);
    }
    free(msg);
    return omem == 0 ? shown < 0 : shown > omem;
}

/* client-output-buffer-limit's pubsub class (Redis's default: 32mb 8mb
 * 60) judges subscribers: past its hard limit a slow one is closed. */
START_TEST(output_buffer_pubsub_class_closes_a_slow_subscriber)
{
    static const char *const args[] = {"--client-output-buffer-limit", "pubsub", "100000", "0",
                                       "0", NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    int fd = idle_subscriber(&s);
    ck_assert_msg(publish_until(c, 0), "the slow subscriber is still served");
    harness_expect_int(harness_cmd(c, "PUBLISH ch m"), 0);
    close(fd);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* Past the soft limit for longer than its seconds, a subscriber is
 * closed even when nothing more is sent to it (Redis's clientsCron). */
START_TEST(output_buffer_soft_limit_closes_a_client_left_alone)
{
    static const char *const args[] = {"--client-output-buffer-limit", "pubsub", "0", "100000",
                                       "1", NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    int fd = idle_subscriber(&s);
    if (publish_until(c, 100000)) /* else it was closed already, as it should be */
        HARNESS_WAIT_FOR(subscriber_omem(c) < 0, "the subscriber is still there");
    harness_expect_int(harness_cmd(c, "PUBLISH ch m"), 0);
    close(fd);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* As the redis-server 7.0.15 compared with (its CVE-2025-21605 fix): a
 * client that has not authenticated and reads none of its NOAUTH replies
 * is closed before it makes the server hold much of them. */
START_TEST(an_unauthenticated_client_that_reads_nothing_is_closed)
{
    static const char *const args[] = {"--requirepass", "secret", NULL};
    struct grove_server s;
    harness_start(&s, args);
    int fd = harness_raw_connect(&s);
    int small = 4096;
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
    enum { BATCH = 1000 };
    static const char set[] = "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n5\r\n";
    char *batch = malloc(BATCH * (sizeof(set) - 1));
    ck_assert_ptr_nonnull(batch);
    for (int i = 0; i < BATCH; i++)
        memcpy(batch + (size_t)i * (sizeof(set) - 1), set, sizeof(set) - 1);
    bool refused = false;
    for (int i = 0; i < 1000 && !refused; i++) /* up to a million SETs, 38 MB of replies */
        refused = send(fd, batch, BATCH * (sizeof(set) - 1), MSG_NOSIGNAL) < 0;
    free(batch);
    ck_assert_msg(refused || harness_raw_closed(fd), "the client is still served");
    close(fd);
    harness_stop(&s);
}
END_TEST

START_TEST(maxclients_rejects_the_extra_connection)
{
    static const char *const args[] = {"--maxclients", "4", NULL};
    struct grove_server s;
    harness_start(&s, args);
    redisContext *c = harness_connect(&s);
    harness_wait_info_ll(c, "clients", "connected_clients", 1); /* the start-up probe is gone */
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = harness_raw_connect(&s);
        harness_raw_roundtrip(fds[i], "PING\r\n", "+PONG\r\n");
    }
    harness_wait_info_ll(c, "clients", "connected_clients", 4); /* exactly full */
    int extra = harness_raw_connect(&s);
    char buf[128];
    const char *want = "-ERR max number of clients reached\r\n";
    size_t got = harness_raw_recv(extra, buf, sizeof(buf), strlen(want));
    ck_assert_msg(got == strlen(want) && memcmp(buf, want, got) == 0, "got [%s]", buf);
    ck_assert(harness_raw_closed(extra));
    close(extra);
    ck_assert_int_eq(harness_info_ll(c, "stats", "rejected_connections"), 1);
    /* A freed slot takes a new client. */
    close(fds[0]);
    harness_wait_info_ll(c, "clients", "connected_clients", 3);
    fds[0] = harness_raw_connect(&s);
    harness_raw_roundtrip(fds[0], "PING\r\n", "+PONG\r\n");
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    redisFree(c);
    harness_stop(&s);
}
END_TEST

/* ---- the suite ------------------------------------------------------------------------ */

static Suite *protocol_suite(void)
{
    Suite *s = suite_create("protocol");
    TCase *tc = harness_server_case("pipelining", NULL, connect_client);
    tcase_add_test(tc, hundred_thousand_pipelined_commands_reply_in_order);
    tcase_add_test(tc, pipelined_inline_and_multibulk_requests_keep_their_order);
    tcase_add_test(tc, pipelined_batch_runs_each_request_as_it_stands_when_its_turn_comes);
    tcase_add_test(tc, request_fed_one_byte_at_a_time_is_served);
    tcase_add_test(tc, big_bulk_arriving_in_pieces_is_stored_whole);
    suite_add_tcase(s, tc);

    tc = harness_server_case("inline", NULL, connect_client);
    tcase_add_test(tc, inline_ping_gets_pong);
    tcase_add_test(tc, inline_quoted_arguments_are_unquoted);
    tcase_add_test(tc, empty_requests_are_skipped);
    suite_add_tcase(s, tc);

    tc = harness_server_case("resp3", NULL, connect_client);
    tcase_add_test(tc, hello_3_replies_with_a_map);
    tcase_add_test(tc, resp3_nulls_are_underscores);
    tcase_add_test(tc, resp3_maps_and_sets_have_their_own_types);
    tcase_add_test(tc, resp3_text_replies_are_verbatim_strings);
    tcase_add_test(tc, hello_2_and_reset_go_back_to_resp2);
    suite_add_tcase(s, tc);

    tc = harness_server_case("errors", start_small_bulks, connect_client);
    tcase_add_loop_test(tc, protocol_error_replies_and_closes, 0, (int)N_PROTO_ERRORS);
    tcase_add_test(tc, protocol_error_under_reply_off_sends_nothing);
    tcase_add_test(tc, bulk_of_exactly_proto_max_bulk_len_is_accepted);
    tcase_add_test(tc, multibulk_count_above_a_million_is_accepted);
    tcase_add_test(tc, unknown_command_text_is_byte_exact);
    tcase_add_test(tc, wrong_arity_text_names_the_command);
    tcase_add_test(tc, unknown_subcommand_text);
    tcase_add_test(tc, unauthenticated_clients_get_small_request_limits);
    tcase_add_test(tc, reset_earlier_in_a_batch_limits_the_requests_after_it);
    suite_add_tcase(s, tc);

    tc = harness_server_case("connections", NULL, connect_client);
    tcase_add_test(tc, thousand_concurrent_connections_are_served);
    tcase_add_test(tc, server_raises_a_low_open_files_limit);
    tcase_add_test(tc, client_gone_mid_request_leaves_server_fine);
    tcase_add_test(tc, client_gone_with_big_reply_pending_leaves_server_fine);
    tcase_add_test(tc, output_buffer_hard_limit_closes_the_client);
    tcase_add_test(tc, output_buffer_pubsub_class_closes_a_slow_subscriber);
    tcase_add_test(tc, output_buffer_soft_limit_closes_a_client_left_alone);
    tcase_add_test(tc, an_unauthenticated_client_that_reads_nothing_is_closed);
    tcase_add_test(tc, maxclients_rejects_the_extra_connection);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(protocol_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
