/*
 * check_connection.c - the connection commands end to end against a real
 * grove-server: PING, ECHO, QUIT, RESET, SELECT, HELLO (with AUTH and
 * SETNAME), AUTH with and without requirepass, and CLIENT with its
 * subcommands, including CLIENT KILL reaching clients on other worker
 * loops and the reply modes.
 *
 * Expected replies were taken from redis-server 7.0.15. CLIENT SETINFO,
 * CLIENT NO-TOUCH and the lib-name/lib-ver fields of CLIENT LIST follow
 * Redis 7.2 (client libraries send them): Grove implements them on
 * purpose, and they are checked against 7.2's texts.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixtures.h"

#define ERR_NOAUTH "NOAUTH Authentication required."
#define ERR_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define ERR_BAD_NAME "ERR Client names cannot contain spaces, newlines or special characters."

/* ---- fixtures ------------------------------------------------------------------ */

static void start_with_password(void)
{
    static const char *const args[] = {"--threads", "2", "--requirepass", "secret", NULL};
    harness_start(&harness_srv, args);
}

/* No FLUSHALL: under requirepass it would need AUTH first. */
static void connect_only(void)
{
    harness_ctx = harness_connect(&harness_srv);
}

/* ---- helpers ---------------------------------------------------------------------- */

static long long client_id_of(redisContext *c)
{
    redisReply *r = harness_cmd(c, "CLIENT ID");
    ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
    long long id = r->integer;
    freeReplyObject(r);
    return id;
}

/* The value of `field` in a CLIENT INFO / LIST line. */
static bool line_field(const char *line, const char *field, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof(key), " %s=", field);
    const char *p = strncmp(line, key + 1, strlen(key + 1)) == 0 ? line - 1 : strstr(line, key);
    if (p == NULL)
        return false;
    p += strlen(key);
    size_t n = strcspn(p, " \n");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

static void expect_info_field(redisContext *c, const char *field, const char *want)
{
    redisReply *r = harness_cmd(c, "CLIENT INFO");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    char value[256];
    ck_assert_msg(line_field(r->str, field, value, sizeof(value)), "no %s in %s", field, r->str);
    ck_assert_msg(strcmp(value, want) == 0, "%s=%s, expected %s", field, value, want);
    freeReplyObject(r);
}

/* Our own address as the server sees it ("127.0.0.1:port"). */
static void addr_of(redisContext *c, const char *field, char *out, size_t cap)
{
    redisReply *r = harness_cmd(c, "CLIENT INFO");
    ck_assert(line_field(r->str, field, out, cap));
    freeReplyObject(r);
}

/* HELLO 3 on a raw socket; reads the whole map (it ends with "modules"). */
static void raw_hello3(int fd)
{
    static const char tail[] = "$7\r\nmodules\r\n*0\r\n";
    char buf[512];
    size_t got = 0;
    harness_raw_send(fd, "HELLO 3\r\n", 9);
    while (got < sizeof(tail) - 1 || strcmp(buf + got - (sizeof(tail) - 1), tail) != 0) {
        size_t n = harness_raw_recv(fd, buf + got, sizeof(buf) - got, 1);
        ck_assert_msg(n > 0, "HELLO 3: short reply [%s]", buf);
        got += n;
    }
    ck_assert_msg(buf[0] == '%', "HELLO 3 gave [%s]", buf);
}

static bool closed_by_server(redisContext *c)
{
    redisReply *r = redisCommand(c, "PING");
    if (r != NULL) {
        freeReplyObject(r);
        return false;
    }
    return true;
}

/* ---- PING, ECHO, QUIT, SELECT ---------------------------------------------------- */

START_TEST(ping_replies_pong_or_its_argument)
{
    harness_expect_status(CMD("PING"), "PONG");
    EXPECT_STR("hello", "PING %s", "hello");
    EXPECT_STR("", "PING %s", "");
    EXPECT_ERR("ERR wrong number of arguments for 'ping' command", "PING a b");
}
END_TEST

START_TEST(echo_returns_its_argument_byte_for_byte)
{
    EXPECT_STR("hello world", "ECHO %s", "hello world");
    redisReply *r = CMD("ECHO %b", "a\0b\r\n", (size_t)5);
    ck_assert_uint_eq(r->len, 5);
    ck_assert_mem_eq(r->str, "a\0b\r\n", 5);
    freeReplyObject(r);
    EXPECT_ERR("ERR wrong number of arguments for 'echo' command", "ECHO");
    EXPECT_ERR("ERR wrong number of arguments for 'echo' command", "ECHO a b");
}
END_TEST

START_TEST(quit_replies_ok_and_closes_without_running_what_follows)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "QUIT\r\nSET afterquit 1\r\n", "+OK\r\n");
    ck_assert(harness_raw_closed(fd));
    close(fd);
    fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "QUIT with args\r\n", "+OK\r\n"); /* arity -1 */
    ck_assert(harness_raw_closed(fd));
    close(fd);
    EXPECT_INT(0, "EXISTS afterquit");
}
END_TEST

START_TEST(select_switches_the_database_of_this_connection)
{
    EXPECT_OK("SELECT 1");
    EXPECT_OK("SET indb1 yes");
    EXPECT_STR("yes", "GET indb1");
    redisContext *other = harness_connect(&harness_srv);
    harness_expect_nil(harness_cmd(other, "GET indb1")); /* still in db 0 */
    harness_expect_status(harness_cmd(other, "SELECT 1"), "OK");
    harness_expect_str(harness_cmd(other, "GET indb1"), "yes");
    redisFree(other);
    EXPECT_OK("SELECT 0");
    EXPECT_NIL("GET indb1");
    EXPECT_OK("SELECT 15");
    EXPECT_OK("SELECT 1");
    EXPECT_INT(1, "DEL indb1");
    EXPECT_ERR("ERR DB index is out of range", "SELECT 16");
    EXPECT_ERR("ERR DB index is out of range", "SELECT -1");
    EXPECT_ERR("ERR value is not an integer or out of range", "SELECT x");
    EXPECT_ERR("ERR value is not an integer or out of range", "SELECT 01");
    EXPECT_ERR("ERR value is out of range, value must between -2147483648 and 2147483647",
               "SELECT 2147483648");
    EXPECT_ERR("ERR wrong number of arguments for 'select' command", "SELECT 0 x");
}
END_TEST

/* ---- RESET and HELLO -------------------------------------------------------------- */

START_TEST(reset_restores_the_connection_defaults)
{
    long long id = client_id_of(harness_ctx);
    EXPECT_OK("SELECT 3");
    EXPECT_OK("CLIENT SETNAME %s", "named");
    EXPECT_OK("CLIENT NO-EVICT on");
    EXPECT_OK("CLIENT NO-TOUCH on");
    expect_info_field(harness_ctx, "flags", "eT");
    int fd = harness_raw_connect(&harness_srv);
    raw_hello3(fd);
    harness_raw_roundtrip(fd, "CLIENT REPLY OFF\r\nPING\r\nRESET\r\nGET nokey\r\n",
                          "+RESET\r\n$-1\r\n"); /* RESP2 and replies on again */
    close(fd);
    harness_expect_status(CMD("RESET"), "RESET");
    ck_assert_int_eq(client_id_of(harness_ctx), id); /* same connection */
    EXPECT_NIL("CLIENT GETNAME");
    expect_info_field(harness_ctx, "db", "0");
    expect_info_field(harness_ctx, "flags", "N");
    expect_info_field(harness_ctx, "resp", "2");
    EXPECT_ERR("ERR wrong number of arguments for 'reset' command", "RESET x");
}
END_TEST

START_TEST(reset_under_reply_skip_sends_nothing)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "CLIENT REPLY SKIP\r\nRESET\r\nPING\r\n", "+PONG\r\n");
    close(fd);
}
END_TEST

START_TEST(hello_without_version_keeps_the_protocol)
{
    redisReply *r = CMD("HELLO");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->elements, 14);
    const char *keys[] = {"server", "version", "proto", "id", "mode", "role", "modules"};
    for (size_t i = 0; i < 7; i++)
        ck_assert_str_eq(r->element[2 * i]->str, keys[i]);
    ck_assert_str_eq(r->element[1]->str, "redis");
    ck_assert_str_eq(r->element[3]->str, "7.0.15");
    ck_assert_int_eq(r->element[5]->integer, 2);
    ck_assert_int_eq(r->element[7]->integer, client_id_of(harness_ctx));
    ck_assert_str_eq(r->element[9]->str, "standalone");
    ck_assert_str_eq(r->element[11]->str, "master");
    ck_assert_int_eq(r->element[13]->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_eq(r->element[13]->elements, 0);
    freeReplyObject(r);
}
END_TEST

START_TEST(hello_authenticates_and_names_in_one_go)
{
    /* Without requirepass the default user takes any password. */
    redisReply *r = CMD("HELLO 2 AUTH default anything SETNAME %s", "conn-1");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_int_eq(r->element[5]->integer, 2);
    freeReplyObject(r);
    EXPECT_STR("conn-1", "CLIENT GETNAME");
    harness_expect_error(CMD("HELLO 2 AUTH bob anything"), ERR_WRONGPASS);
}
END_TEST

START_TEST(hello_rejects_bad_arguments)
{
    EXPECT_ERR("NOPROTO unsupported protocol version", "HELLO 4");
    EXPECT_ERR("NOPROTO unsupported protocol version", "HELLO 1");
    EXPECT_ERR("ERR Protocol version is not an integer or out of range", "HELLO x");
    EXPECT_ERR("ERR Syntax error in HELLO option 'foo'", "HELLO 3 foo");
    EXPECT_ERR("ERR Syntax error in HELLO option 'AUTH'", "HELLO 3 AUTH a");
    EXPECT_ERR("ERR Syntax error in HELLO option 'SETNAME'", "HELLO 3 SETNAME");
    EXPECT_ERR(ERR_BAD_NAME, "HELLO 3 SETNAME %s", "a b");
    expect_info_field(harness_ctx, "resp", "2"); /* no failed HELLO switched */
}
END_TEST

/* ---- AUTH without a password ---------------------------------------------------- */

START_TEST(auth_without_a_password_configured)
{
    EXPECT_ERR("ERR AUTH <password> called without any password configured for the default "
               "user. Are you sure your configuration is correct?",
               "AUTH x");
    EXPECT_OK("AUTH default anything");
    EXPECT_ERR(ERR_WRONGPASS, "AUTH bob x");
    EXPECT_ERR(ERR_SYNTAX, "AUTH a b c");
    EXPECT_ERR("ERR wrong number of arguments for 'auth' command", "AUTH");
}
END_TEST

/* A password set at run time binds new connections (and RESET ones), not
 * those already connected: they counted as authenticated, as in Redis. */
START_TEST(requirepass_set_at_run_time_spares_existing_connections)
{
    struct grove_server s;
    harness_start(&s, NULL);
    redisContext *before = harness_connect(&s);
    harness_expect_status(harness_cmd(before, "PING"), "PONG"); /* surely accepted */
    redisContext *setter = harness_connect(&s);
    harness_expect_status(harness_cmd(setter, "CONFIG SET requirepass pw"), "OK");
    harness_expect_status(harness_cmd(setter, "PING"), "PONG");
    harness_expect_status(harness_cmd(before, "PING"), "PONG");
    redisContext *after = harness_connect(&s);
    harness_expect_error(harness_cmd(after, "PING"), ERR_NOAUTH);
    harness_expect_status(harness_cmd(before, "RESET"), "RESET");
    harness_expect_error(harness_cmd(before, "PING"), ERR_NOAUTH);
    harness_expect_status(harness_cmd(after, "AUTH pw"), "OK");
    harness_expect_status(harness_cmd(after, "CONFIG SET requirepass %s", ""), "OK");
    harness_expect_status(harness_cmd(before, "PING"), "PONG");
    redisFree(before);
    redisFree(setter);
    redisFree(after);
    harness_stop(&s);
}
END_TEST

/* ---- AUTH with requirepass ---------------------------------------------------- */

static bool is_handshake(const char *name)
{
    return strcmp(name, "auth") == 0 || strcmp(name, "hello") == 0 ||
           strcmp(name, "quit") == 0 || strcmp(name, "reset") == 0;
}

/* MODULE LOAD, LOADEX and UNLOAD: protected by enable-module-command. */
static bool is_module_change(const char *fullname)
{
    return strcmp(fullname, "module|load") == 0 || strcmp(fullname, "module|loadex") == 0 ||
           strcmp(fullname, "module|unload") == 0;
}

/* Send `name` (a "container|sub" name is two words) padded with "x" to
 * the smallest argument count its arity allows; expect NOAUTH. */
static void expect_noauth(redisContext *c, const char *fullname, long long arity)
{
    char words[2][64];
    const char *argv[16];
    size_t lens[16];
    int argc = 0;
    const char *bar = strchr(fullname, '|');
    if (bar) {
        snprintf(words[0], sizeof(words[0]), "%.*s", (int)(bar - fullname), fullname);
        snprintf(words[1], sizeof(words[1]), "%s", bar + 1);
        argv[argc++] = words[0];
        argv[argc++] = words[1];
    } else {
        argv[argc++] = fullname;
    }
    long long need = arity < 0 ? -arity : arity;
    while (argc < need && argc < 16)
        argv[argc++] = "x";
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = redisCommandArgv(c, argc, argv, lens);
    ck_assert_msg(r != NULL, "%s: no reply", fullname);
    ck_assert_msg(r->type == REDIS_REPLY_ERROR && strcmp(r->str, ERR_NOAUTH) == 0,
                  "%s (%d args) ran before AUTH: type %d %s", fullname, argc, r->type,
                  r->str ? r->str : "");
    freeReplyObject(r);
}

START_TEST(every_command_but_the_handshake_needs_auth)
{
    redisContext *admin = harness_connect(&harness_srv);
    harness_expect_status(harness_cmd(admin, "AUTH secret"), "OK");
    redisReply *all = harness_cmd(admin, "COMMAND");
    ck_assert_int_eq(all->type, REDIS_REPLY_ARRAY);
    size_t checked = 0;
    for (size_t i = 0; i < all->elements; i++) {
        redisReply *e = all->element[i];
        const char *name = e->element[0]->str;
        long long arity = e->element[1]->integer;
        redisReply *subs = e->element[9];
        if (is_handshake(name))
            continue;
        if (strcmp(name, "debug") == 0) {
            /* enable-debug-command is checked first, as in Redis. */
            EXPECT_ERR("ERR DEBUG command not allowed. If the enable-debug-command option is set "
                       "to \"local\", you can run it from a local connection, otherwise you need "
                       "to set this option in the configuration file, and then restart the "
                       "server.", "DEBUG x");
            continue;
        }
        if (subs->elements == 0 || arity == -1) {
            expect_noauth(harness_ctx, name, arity);
            checked++;
        }
        for (size_t j = 0; j < subs->elements; j++) {
            const char *sub = subs->element[j]->element[0]->str;
            if (is_module_change(sub)) {
                /* enable-module-command is checked first, as in Redis. */
                EXPECT_ERR("ERR MODULE command not allowed. If the enable-module-command option "
                           "is set to \"local\", you can run it from a local connection, "
                           "otherwise you need to set this option in the configuration file, "
                           "and then restart the server.", "MODULE UNLOAD x");
                continue;
            }
            expect_noauth(harness_ctx, sub, subs->element[j]->element[1]->integer);
            checked++;
        }
    }
    ck_assert_uint_ge(checked, 40);
    freeReplyObject(all);
    redisFree(admin);
    /* Unknown commands and wrong arity are reported before NOAUTH. */
    EXPECT_ERR("ERR unknown command 'nosuch', with args beginning with: ", "nosuch");
    EXPECT_ERR("ERR wrong number of arguments for 'get' command", "GET");
    EXPECT_ERR("ERR unknown subcommand 'nosuch'. Try CLIENT HELP.", "CLIENT nosuch");
}
END_TEST

START_TEST(wrong_passwords_get_wrongpass)
{
    EXPECT_ERR(ERR_WRONGPASS, "AUTH wrong");
    EXPECT_ERR(ERR_WRONGPASS, "AUTH default wrong");
    EXPECT_ERR(ERR_WRONGPASS, "AUTH bob secret");
    EXPECT_ERR(ERR_WRONGPASS, "AUTH %s", "");
    EXPECT_ERR(ERR_WRONGPASS, "AUTH secretx");
    EXPECT_ERR(ERR_WRONGPASS, "AUTH secre");
    EXPECT_ERR(ERR_NOAUTH, "GET k");
    EXPECT_OK("AUTH secret");
    EXPECT_NIL("GET k");
    EXPECT_OK("AUTH default secret");
    /* A wrong password later does not undo the earlier AUTH. */
    EXPECT_ERR(ERR_WRONGPASS, "AUTH wrong");
    EXPECT_NIL("GET k");
}
END_TEST

START_TEST(hello_needs_auth_or_brings_it)
{
    EXPECT_ERR("NOAUTH HELLO must be called with the client already authenticated, otherwise "
               "the HELLO AUTH <user> <pass> option can be used to authenticate the client and "
               "select the RESP protocol version at the same time",
               "HELLO 3");
    EXPECT_ERR(ERR_WRONGPASS, "HELLO 2 AUTH default wrong");
    EXPECT_ERR(ERR_NOAUTH, "PING");
    redisReply *r = CMD("HELLO 2 AUTH default secret SETNAME %s", "authed");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    EXPECT_STR("authed", "CLIENT GETNAME");
}
END_TEST

START_TEST(reset_forgets_the_authentication)
{
    EXPECT_OK("AUTH secret");
    harness_expect_status(CMD("PING"), "PONG");
    harness_expect_status(CMD("RESET"), "RESET");
    EXPECT_ERR(ERR_NOAUTH, "PING");
}
END_TEST

START_TEST(quit_works_before_auth)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd, "GET k\r\nQUIT\r\n", "-NOAUTH Authentication required.\r\n+OK\r\n");
    ck_assert(harness_raw_closed(fd));
    close(fd);
}
END_TEST

/* ---- CLIENT ------------------------------------------------------------------------ */

START_TEST(client_ids_are_unique_and_increasing)
{
    long long a = client_id_of(harness_ctx); /* accepted before `other` connects */
    redisContext *other = harness_connect(&harness_srv);
    long long b = client_id_of(other);
    ck_assert_int_gt(a, 0);
    ck_assert_int_gt(b, a);
    char want[32];
    snprintf(want, sizeof(want), "%lld", a);
    expect_info_field(harness_ctx, "id", want);
    redisFree(other);
    EXPECT_ERR("ERR wrong number of arguments for 'client|id' command", "CLIENT ID x");
}
END_TEST

START_TEST(client_setname_and_getname)
{
    EXPECT_NIL("CLIENT GETNAME");
    EXPECT_OK("CLIENT SETNAME %s", "worker-7");
    EXPECT_STR("worker-7", "CLIENT GETNAME");
    expect_info_field(harness_ctx, "name", "worker-7");
    EXPECT_ERR(ERR_BAD_NAME, "CLIENT SETNAME %s", "a b");
    EXPECT_ERR(ERR_BAD_NAME, "CLIENT SETNAME %s", "a\nb");
    EXPECT_ERR(ERR_BAD_NAME, "CLIENT SETNAME %b", "a\x01", (size_t)2);
    EXPECT_STR("worker-7", "CLIENT GETNAME"); /* unchanged by the failures */
    EXPECT_OK("CLIENT SETNAME %s", "");
    EXPECT_NIL("CLIENT GETNAME");
    EXPECT_ERR("ERR wrong number of arguments for 'client|setname' command", "CLIENT SETNAME");
}
END_TEST

static const char *const list_fields[] = {
    "id",        "addr",     "laddr", "fd",   "name", "age",      "idle",     "flags",
    "db",        "sub",      "psub",  "ssub", "multi", "qbuf",    "qbuf-free", "argv-mem",
    "multi-mem", "rbs",      "rbp",   "obl",  "oll",  "omem",     "tot-mem",  "events",
    "cmd",       "user",     "redir", "resp", "lib-name", "lib-ver",
};

/* Every line has Redis's fields, in Redis's order. */
static void expect_list_format(const char *text, size_t want_lines)
{
    size_t lines = 0;
    for (const char *line = text; *line; lines++) {
        const char *end = strchr(line, '\n');
        ck_assert_msg(end != NULL, "line without newline: %s", line);
        const char *p = line;
        for (size_t f = 0; f < sizeof(list_fields) / sizeof(list_fields[0]); f++) {
            size_t n = strlen(list_fields[f]);
            ck_assert_msg(strncmp(p, list_fields[f], n) == 0 && p[n] == '=',
                          "expected %s= at: %.40s", list_fields[f], p);
            p = strpbrk(p, " \n");
            ck_assert_ptr_nonnull(p);
            p++;
        }
        ck_assert_msg(p == end + 1, "extra fields: %.*s", (int)(end - p), p);
        line = end + 1;
    }
    ck_assert_uint_eq(lines, want_lines);
}

START_TEST(client_list_and_info_have_redis_fields)
{
    redisContext *other = harness_connect(&harness_srv);
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", 2);
    redisReply *r = CMD("CLIENT LIST");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    expect_list_format(r->str, 2);
    freeReplyObject(r);
    r = CMD("CLIENT LIST TYPE normal");
    expect_list_format(r->str, 2);
    freeReplyObject(r);
    r = CMD("CLIENT LIST ID %lld", client_id_of(other));
    expect_list_format(r->str, 1);
    freeReplyObject(r);
    r = CMD("CLIENT INFO");
    expect_list_format(r->str, 1);
    freeReplyObject(r);
    EXPECT_STR("", "CLIENT LIST TYPE pubsub");
    EXPECT_STR("", "CLIENT LIST ID 999999 0 -1");
    EXPECT_ERR("ERR Unknown client type 'foo'", "CLIENT LIST TYPE foo");
    EXPECT_ERR("ERR Invalid client ID", "CLIENT LIST ID 1 x");
    EXPECT_ERR(ERR_SYNTAX, "CLIENT LIST foo");
    EXPECT_OK("SELECT 2");
    expect_info_field(harness_ctx, "db", "2");
    expect_info_field(harness_ctx, "cmd", "client|info");
    expect_info_field(harness_ctx, "user", "default");
    expect_info_field(harness_ctx, "flags", "N");
    char laddr[64], want[64];
    addr_of(harness_ctx, "laddr", laddr, sizeof(laddr));
    snprintf(want, sizeof(want), "127.0.0.1:%d", harness_srv.port);
    ck_assert_str_eq(laddr, want);
    redisFree(other);
}
END_TEST

/* A figure of the client named `name`, from CLIENT LIST. */
static long long field_of(const char *name, const char *field)
{
    long long v = harness_client_field(harness_ctx, name, field);
    ck_assert_msg(v >= 0, "no client named %s", name);
    return v;
}

/* Idle for 2 s, a client's empty query and reply buffers go back to the
 * allocator, as in Redis; its next request gets new ones. */
START_TEST(an_idle_clients_buffers_are_freed)
{
    redisContext *idle = harness_connect(&harness_srv);
    harness_cmd_ok(idle, "CLIENT SETNAME idler");
    /* Its loop shows the buffers once it has sent the reply: wait for that. */
    long long shown = harness_now_ms() + 1000;
    while (field_of("idler", "rbs") == 0 && harness_now_ms() < shown)
        harness_sleep_ms(1);
    ck_assert_int_gt(field_of("idler", "qbuf-free"), 0);
    ck_assert_int_gt(field_of("idler", "rbs"), 0);
    long long deadline = harness_now_ms() + 10000;
    while (field_of("idler", "qbuf-free") != 0 && harness_now_ms() < deadline)
        harness_sleep_ms(100);
    ck_assert_int_eq(field_of("idler", "qbuf-free"), 0);
    ck_assert_int_eq(field_of("idler", "rbs"), 0);
    harness_expect_status(harness_cmd(idle, "PING"), "PONG");
    redisFree(idle);
}
END_TEST

/* A request of many arguments leaves no argument array behind it (Redis
 * frees argv after every command): the connection's memory, and the
 * used_memory it adds to, come back to a small client's. */
START_TEST(a_request_of_many_arguments_leaves_no_memory_behind)
{
    enum { MEMBERS = 100000 };
    const char **argv = malloc((MEMBERS + 2) * sizeof(*argv));
    char(*members)[8] = malloc(MEMBERS * sizeof(*members));
    ck_assert(argv != NULL && members != NULL);
    argv[0] = "SADD";
    argv[1] = "many";
    for (int i = 0; i < MEMBERS; i++) {
        snprintf(members[i], sizeof(members[i]), "%d", i);
        argv[i + 2] = members[i];
    }
    redisReply *r = redisCommandArgv(harness_ctx, MEMBERS + 2, argv, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->integer, MEMBERS);
    freeReplyObject(r);
    free(members);
    free(argv);
    r = CMD("CLIENT INFO");
    char tot[32];
    ck_assert(line_field(r->str, "tot-mem", tot, sizeof(tot)));
    ck_assert_msg(atoll(tot) < 256 * 1024, "tot-mem=%s after the request", tot);
    freeReplyObject(r);
}
END_TEST

START_TEST(client_setinfo_is_shown_in_client_info)
{
    EXPECT_OK("CLIENT SETINFO lib-name %s", "grove-tests");
    EXPECT_OK("CLIENT SETINFO LIB-VER %s", "1.2.3");
    expect_info_field(harness_ctx, "lib-name", "grove-tests");
    expect_info_field(harness_ctx, "lib-ver", "1.2.3");
    EXPECT_ERR("ERR Unrecognized option 'foo'", "CLIENT SETINFO foo x");
    EXPECT_ERR("ERR LIB-NAME cannot contain spaces, newlines or special characters.",
               "CLIENT SETINFO LIB-NAME %s", "a b");
}
END_TEST

START_TEST(client_kill_old_form_takes_an_address)
{
    redisContext *victim = harness_connect(&harness_srv);
    char addr[64];
    addr_of(victim, "addr", addr, sizeof(addr));
    EXPECT_OK("CLIENT KILL %s", addr);
    ck_assert(closed_by_server(victim));
    redisFree(victim);
    EXPECT_ERR("ERR No such client", "CLIENT KILL %s", addr);
    EXPECT_ERR("ERR No such client", "CLIENT KILL 1.2.3.4:5");
    /* The old form may kill the caller itself: reply first, then close. */
    addr_of(harness_ctx, "addr", addr, sizeof(addr));
    EXPECT_OK("CLIENT KILL %s", addr);
    ck_assert(closed_by_server(harness_ctx));
}
END_TEST

START_TEST(client_kill_filters)
{
    redisContext *a = harness_connect(&harness_srv), *b = harness_connect(&harness_srv);
    char addr[64];
    EXPECT_INT(0, "CLIENT KILL ID 999999");
    EXPECT_INT(1, "CLIENT KILL ID %lld", client_id_of(a));
    ck_assert(closed_by_server(a));
    addr_of(b, "addr", addr, sizeof(addr));
    EXPECT_INT(1, "CLIENT KILL ADDR %s SKIPME yes", addr);
    ck_assert(closed_by_server(b));
    /* SKIPME yes (the default) spares the caller... */
    EXPECT_INT(0, "CLIENT KILL ID %lld", client_id_of(harness_ctx));
    /* ...SKIPME no does not, and the reply still arrives first. */
    EXPECT_INT(1, "CLIENT KILL ID %lld SKIPME no", client_id_of(harness_ctx));
    ck_assert(closed_by_server(harness_ctx));
    redisFree(a);
    redisFree(b);
    redisFree(harness_ctx);
    harness_ctx = harness_connect(&harness_srv);
    EXPECT_INT(0, "CLIENT KILL USER default TYPE pubsub");
    EXPECT_ERR("ERR No such user 'bob'", "CLIENT KILL USER bob");
    EXPECT_ERR("ERR Unknown client type 'foo'", "CLIENT KILL TYPE foo");
    EXPECT_ERR("ERR client-id should be greater than 0", "CLIENT KILL ID 0");
    EXPECT_ERR("ERR client-id should be greater than 0", "CLIENT KILL ID x");
    EXPECT_ERR(ERR_SYNTAX, "CLIENT KILL SKIPME maybe");
    EXPECT_ERR(ERR_SYNTAX, "CLIENT KILL foo bar");
    EXPECT_ERR(ERR_SYNTAX, "CLIENT KILL ID 1 ID");
}
END_TEST

/* Connections are spread over the worker loops by the kernel; with 16 of
 * them on 2 loops, some are on another loop than the killer's (all on one
 * loop has odds of 2^-16), and a kill has to travel there as a message. */
#define KILL_VICTIMS 16

START_TEST(client_kill_reaches_clients_on_other_loops)
{
    int fds[KILL_VICTIMS];
    for (int i = 0; i < KILL_VICTIMS; i++) {
        fds[i] = harness_raw_connect(&harness_srv);
        harness_raw_roundtrip(fds[i], "PING\r\n", "+PONG\r\n");
    }
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", KILL_VICTIMS + 1);
    EXPECT_INT(KILL_VICTIMS, "CLIENT KILL TYPE normal");
    /* Once the kill is answered the victims are gone, as in Redis: what
     * they send now is not run, even if their loop has not closed them. */
    for (int i = 0; i < KILL_VICTIMS; i++) {
        char req[64];
        int n = snprintf(req, sizeof(req), "SET afterkill%d 1\r\n", i);
        send(fds[i], req, (size_t)n, MSG_NOSIGNAL);
    }
    for (int i = 0; i < KILL_VICTIMS; i++) {
        ck_assert_msg(harness_raw_closed(fds[i]), "client %d not closed", i);
        close(fds[i]);
    }
    for (int i = 0; i < KILL_VICTIMS; i++)
        EXPECT_INT(0, "EXISTS afterkill%d", i);
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", 1);
    harness_expect_status(CMD("PING"), "PONG");
    /* Killing by LADDR: everyone connected to this port but the caller. */
    for (int i = 0; i < 4; i++)
        fds[i] = harness_raw_connect(&harness_srv);
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", 5);
    char laddr[64];
    addr_of(harness_ctx, "laddr", laddr, sizeof(laddr));
    EXPECT_INT(4, "CLIENT KILL LADDR %s", laddr);
    for (int i = 0; i < 4; i++) {
        ck_assert(harness_raw_closed(fds[i]));
        close(fds[i]);
    }
}
END_TEST

/* Found by redis-py: like redigo (Send, Flush, Receive) and hiredis, it
 * writes a whole pipeline before it reads a reply. A server that stops
 * reading a client while many replies wait for it (Grove's back-pressure
 * once did, at 64 MB) then waits for the client to read, and the client
 * waits for the server to read: both hang. Redis keeps reading, and so
 * must Grove: here 128 rounds of "SET big <1 MB>; GET big" (128 MB each
 * way) are all written before a byte is read, then every reply must come,
 * in order. */
#define PIPE_VALUE (1024 * 1024)
#define PIPE_ROUNDS 128

static void send_all_nonblocking(int fd, const char *buf, size_t len, int round)
{
    size_t off = 0;
    while (off < len) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        ck_assert_msg(poll(&p, 1, 10000) == 1, "round %d: the server stopped reading", round);
        ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        ck_assert_msg(n > 0, "send: %s", strerror(errno));
        off += (size_t)n;
    }
}

START_TEST(a_pipeline_written_whole_before_reading_completes)
{
    int fd = harness_raw_connect(&harness_srv);
    char head[64], bulk[32];
    int hl = snprintf(head, sizeof(head), "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n", PIPE_VALUE);
    int bl = snprintf(bulk, sizeof(bulk), "$%d\r\n", PIPE_VALUE);
    static const char get[] = "\r\n*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
    size_t round_len = (size_t)hl + PIPE_VALUE + sizeof(get) - 1;
    char *round = malloc(round_len);
    ck_assert_ptr_nonnull(round);
    memcpy(round, head, (size_t)hl);
    memset(round + hl, 'v', PIPE_VALUE);
    memcpy(round + hl + PIPE_VALUE, get, sizeof(get) - 1);
    ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
    for (int i = 0; i < PIPE_ROUNDS; i++)
        send_all_nonblocking(fd, round, round_len, i);
    free(round);

    /* Each round answers "+OK\r\n" then "$1048576\r\n<value>\r\n". */
    size_t reply_len = 5 + (size_t)bl + PIPE_VALUE + 2, total = 0;
    size_t want = reply_len * PIPE_ROUNDS;
    static char buf[65536];
    while (total < want) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ck_assert_msg(poll(&p, 1, 10000) == 1, "replies stopped after %zu of %zu bytes", total,
                      want);
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        ck_assert_msg(n > 0, "connection closed after %zu of %zu bytes", total, want);
        for (ssize_t i = 0; i < n; i++, total++) {
            size_t at = total % reply_len;
            char expect = at < 5                           ? "+OK\r\n"[at]
                          : at < 5 + (size_t)bl             ? bulk[at - 5]
                          : at < 5 + (size_t)bl + PIPE_VALUE ? 'v'
                                                            : "\r\n"[at - 5 - bl - PIPE_VALUE];
            if (buf[i] != expect) /* not ck_assert per byte: each one is a syscall */
                ck_abort_msg("reply byte %zu is %d, expected %d", total, buf[i], expect);
        }
    }
    close(fd);
    EXPECT_INT(PIPE_VALUE, "STRLEN big");
    EXPECT_INT(1, "DEL big");
}
END_TEST

/* Found by redis-py, which before reusing a pooled connection checks
 * whether it is readable and, if so (the server closed it), reconnects
 * quietly. Redis frees a killed client before it answers CLIENT KILL, so
 * the victim's end of the socket is readable (EOF) the moment the killer
 * has its reply; a kill that only closed the socket later on the victim's
 * loop lost that race about half the time, and the next command on the
 * victim failed with "connection reset". Rounds of one victim each, on
 * either loop, by ID, by ADDR and by the old form. */
#define KILL_RACE_ROUNDS 60

static bool readable_now(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP));
}

START_TEST(client_kill_closes_the_victim_before_replying)
{
    for (int round = 0; round < KILL_RACE_ROUNDS; round++) {
        redisContext *victim = harness_connect(&harness_srv);
        int fd = victim->fd;
        char addr[64];
        addr_of(victim, "addr", addr, sizeof(addr));
        switch (round % 3) {
        case 0:
            EXPECT_INT(1, "CLIENT KILL ID %lld", client_id_of(victim));
            break;
        case 1:
            EXPECT_INT(1, "CLIENT KILL ADDR %s", addr);
            break;
        default:
            EXPECT_OK("CLIENT KILL %s", addr);
            break;
        }
        ck_assert_msg(readable_now(fd), "round %d: victim not closed when the kill was answered",
                      round);
        char byte;
        ck_assert_int_eq(recv(fd, &byte, 1, MSG_DONTWAIT), 0); /* EOF, no reply, no reset */
        redisFree(victim);
    }
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", 1);
    harness_expect_status(CMD("PING"), "PONG");
}
END_TEST

START_TEST(client_reply_off_on_and_skip)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_roundtrip(fd,
                          "CLIENT REPLY OFF\r\nPING\r\nFOO\r\nGET\r\nCLIENT REPLY ON\r\nPING\r\n",
                          "+OK\r\n+PONG\r\n");
    harness_raw_roundtrip(fd, "CLIENT REPLY SKIP\r\nPING\r\nECHO a\r\n", "$1\r\na\r\n");
    harness_raw_roundtrip(fd, "CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING\r\nPING\r\n",
                          "+PONG\r\n");
    /* ON ends a SKIP in force, and its own reply is sent. */
    harness_raw_roundtrip(fd, "CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING\r\n",
                          "+OK\r\n+PONG\r\n");
    /* SKIP while OFF stays off. */
    harness_raw_roundtrip(fd,
                          "CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nPING\r\nCLIENT REPLY ON\r\n",
                          "+OK\r\n");
    harness_raw_roundtrip(fd, "CLIENT REPLY maybe\r\n", "-ERR syntax error\r\n");
    harness_raw_roundtrip(fd, "CLIENT REPLY ON x\r\n",
                          "-ERR wrong number of arguments for 'client|reply' command\r\n");
    close(fd);
}
END_TEST

START_TEST(client_no_evict_and_no_touch_set_flags)
{
    EXPECT_OK("CLIENT NO-EVICT on");
    expect_info_field(harness_ctx, "flags", "e");
    EXPECT_OK("CLIENT NO-TOUCH ON");
    expect_info_field(harness_ctx, "flags", "eT");
    EXPECT_OK("CLIENT NO-EVICT off");
    expect_info_field(harness_ctx, "flags", "T");
    EXPECT_OK("CLIENT NO-TOUCH off");
    expect_info_field(harness_ctx, "flags", "N");
    EXPECT_ERR(ERR_SYNTAX, "CLIENT NO-EVICT maybe");
    EXPECT_ERR(ERR_SYNTAX, "CLIENT NO-TOUCH maybe");
}
END_TEST

START_TEST(client_help_lists_the_subcommands)
{
    redisReply *r = CMD("CLIENT HELP");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    ck_assert_uint_gt(r->elements, 10);
    ck_assert_str_eq(r->element[0]->str,
                     "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    freeReplyObject(r);
}
END_TEST

/* ---- the suite ------------------------------------------------------------------------ */

static Suite *connection_suite(void)
{
    Suite *s = suite_create("connection");
    TCase *tc = harness_server_case("basics", NULL, connect_only);
    tcase_add_test(tc, ping_replies_pong_or_its_argument);
    tcase_add_test(tc, echo_returns_its_argument_byte_for_byte);
    tcase_add_test(tc, quit_replies_ok_and_closes_without_running_what_follows);
    tcase_add_test(tc, select_switches_the_database_of_this_connection);
    tcase_add_test(tc, reset_restores_the_connection_defaults);
    tcase_add_test(tc, reset_under_reply_skip_sends_nothing);
    tcase_add_test(tc, hello_without_version_keeps_the_protocol);
    tcase_add_test(tc, hello_authenticates_and_names_in_one_go);
    tcase_add_test(tc, hello_rejects_bad_arguments);
    tcase_add_test(tc, auth_without_a_password_configured);
    tcase_add_test(tc, requirepass_set_at_run_time_spares_existing_connections);
    tcase_add_test(tc, a_pipeline_written_whole_before_reading_completes);
    suite_add_tcase(s, tc);

    tc = harness_server_case("auth", start_with_password, connect_only);
    tcase_add_test(tc, every_command_but_the_handshake_needs_auth);
    tcase_add_test(tc, wrong_passwords_get_wrongpass);
    tcase_add_test(tc, hello_needs_auth_or_brings_it);
    tcase_add_test(tc, reset_forgets_the_authentication);
    tcase_add_test(tc, quit_works_before_auth);
    suite_add_tcase(s, tc);

    tc = harness_server_case("client", NULL, connect_only);
    tcase_add_test(tc, client_ids_are_unique_and_increasing);
    tcase_add_test(tc, client_setname_and_getname);
    tcase_add_test(tc, client_list_and_info_have_redis_fields);
    tcase_add_test(tc, client_setinfo_is_shown_in_client_info);
    tcase_add_test(tc, an_idle_clients_buffers_are_freed);
    tcase_add_test(tc, a_request_of_many_arguments_leaves_no_memory_behind);
    tcase_add_test(tc, client_kill_old_form_takes_an_address);
    tcase_add_test(tc, client_kill_filters);
    tcase_add_test(tc, client_kill_reaches_clients_on_other_loops);
    tcase_add_test(tc, client_kill_closes_the_victim_before_replying);
    tcase_add_test(tc, client_reply_off_on_and_skip);
    tcase_add_test(tc, client_no_evict_and_no_touch_set_flags);
    tcase_add_test(tc, client_help_lists_the_subcommands);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(connection_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
