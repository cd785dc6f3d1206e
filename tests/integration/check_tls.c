/*
 * check_tls.c - TLS on tls-port end to end (server/tls.c and its hooks in
 * conn.c): commands, pipelines and big replies through a session, client
 * certificates (tls-auth-clients yes, optional, no), a certificate from
 * another CA, CONFIG SET of the certificate, plain text on the TLS port,
 * close_notify, refused renegotiation, start-up with a bad certificate,
 * and redis-cli --tls.
 *
 * The certificates are made at test time with the openssl command line
 * (a CA, a second CA, and server and client certificates), and the test
 * talks TLS with libssl itself: Debian's hiredis 0.14 has no TLS. Replies
 * are parsed with hiredis's reader. Every expectation was checked against
 * redis-server 7.0.15 started with the same certificates.
 */
#include <check.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "harness.h"

#define OPENSSL_BIN "/usr/bin/openssl"
#define REDIS_CLI_BIN "/usr/bin/redis-cli"
#define BIG_VALUE (32 * 1024 * 1024)
#define LIST_LEN 1000000

static struct harness_tmpdir certs;
static int tls_port;
static char tls_port_arg[16];

/* ---- certificates ----------------------------------------------------------------- */

static const char *cert_path(const char *name, const char *ext)
{
    static char paths[16][128];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 128, "%s/%s.%s", certs.path, name, ext);
    return p;
}

static void openssl(const char *const *args)
{
    char out[4096];
    int status = harness_run_program(OPENSSL_BIN, args, out, sizeof(out));
    ck_assert_msg(status == 0, "openssl failed: %s", out);
}

/* A P-256 key and certificate `name` for CN=`cn`, signed by the CA `ca`
 * (NULL: self-signed, a CA). */
static void make_cert(const char *name, const char *cn, const char *ca)
{
    char subj[64];
    snprintf(subj, sizeof(subj), "/CN=%s", cn);
    const char *key = cert_path(name, "key"), *crt = cert_path(name, "crt");
    const char *args[32] = {"req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                            "-subj", subj, "-keyout", key, "-out", crt};
    size_t n = 15;
    if (ca != NULL) {
        args[n++] = "-CA";
        args[n++] = cert_path(ca, "crt");
        args[n++] = "-CAkey";
        args[n++] = cert_path(ca, "key");
        args[n++] = "-addext";
        args[n++] = "basicConstraints=critical,CA:FALSE";
    }
    args[n] = NULL;
    openssl(args);
}

static void make_certs(void)
{
    if (certs.path[0] != '\0')
        return;
    harness_tmpdir_make(&certs);
    make_cert("ca", "Grove Test CA", NULL);
    make_cert("other-ca", "Another CA", NULL);
    make_cert("server", "grove-server", "ca");
    make_cert("server2", "grove-server-2", "ca");
    make_cert("client", "grove-client", "ca");
    make_cert("stranger", "stranger", "other-ca");
}

/* ---- the server --------------------------------------------------------------------- */

static void start_tls_server(void)
{
    make_certs();
    tls_port = harness_free_port();
    snprintf(tls_port_arg, sizeof(tls_port_arg), "%d", tls_port);
    const char *const args[] = {"--threads", "2", "--tls-port", tls_port_arg,
                                "--tls-cert-file", cert_path("server", "crt"),
                                "--tls-key-file", cert_path("server", "key"),
                                "--tls-ca-cert-file", cert_path("ca", "crt"), NULL};
    harness_start(&harness_srv, args);
}

/* Each test starts with the options it may change put back. */
static void connect_and_reset(void)
{
    harness_connect_and_flush();
    harness_cmd_ok(harness_ctx, "CONFIG SET tls-auth-clients yes tls-cert-file %s tls-key-file %s",
                   cert_path("server", "crt"), cert_path("server", "key"));
    harness_cmd_ok(harness_ctx, "CONFIG SET client-output-buffer-limit %s",
                   "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60");
}

/* ---- a TLS client (libssl on a blocking socket) ------------------------------------ */

struct tls_client {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    redisReader *reader;
};

struct tls_client_opts {
    const char *cert; /* client certificate (name of make_cert), NULL: none */
    bool tls12;       /* at most TLS 1.2 (renegotiation exists there) */
};

static SSL_CTX *client_ctx(const struct tls_client_opts *o)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(SSL_CTX_load_verify_locations(ctx, cert_path("ca", "crt"), NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (o->cert != NULL) {
        ck_assert_int_eq(SSL_CTX_use_certificate_file(ctx, cert_path(o->cert, "crt"),
                                                      SSL_FILETYPE_PEM), 1);
        ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(ctx, cert_path(o->cert, "key"),
                                                     SSL_FILETYPE_PEM), 1);
    }
    if (o->tls12)
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    return ctx;
}

/* A connected socket, or -1 while nothing listens on the port. */
static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    struct timeval tv = {.tv_sec = HARNESS_DEADLINE_MS / 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static bool nothing_listens(int port)
{
    int fd = tcp_connect(port);
    if (fd >= 0)
        close(fd);
    return fd < 0;
}

static void tls_close(struct tls_client *c)
{
    if (c == NULL)
        return;
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    close(c->fd);
    redisReaderFree(c->reader);
    free(c);
}

/* A client whose handshake with tls-port finished, or NULL if it failed
 * or nothing listens there. */
static struct tls_client *tls_open(const struct tls_client_opts *o)
{
    int fd = tcp_connect(tls_port);
    if (fd < 0)
        return NULL;
    struct tls_client *c = calloc(1, sizeof(*c));
    ck_assert_ptr_nonnull(c);
    c->fd = fd;
    c->ctx = client_ctx(o);
    c->ssl = SSL_new(c->ctx);
    c->reader = redisReaderCreate();
    c->reader->maxbuf = 0;
    SSL_set_fd(c->ssl, c->fd);
    if (SSL_connect(c->ssl) != 1) {
        ERR_clear_error();
        tls_close(c);
        return NULL;
    }
    return c;
}

static struct tls_client *tls_open_with(const char *cert)
{
    struct tls_client_opts o = {.cert = cert};
    return tls_open(&o);
}

static bool tls_send(struct tls_client *c, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        int n = SSL_write(c->ssl, p, len > (1 << 20) ? 1 << 20 : (int)len);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* The next reply, or NULL once the session ends or fails first. */
static redisReply *tls_reply(struct tls_client *c)
{
    static char buf[64 * 1024];
    void *reply = NULL;
    for (;;) {
        ck_assert_int_eq(redisReaderGetReply(c->reader, &reply), REDIS_OK);
        if (reply != NULL)
            return reply;
        int n = SSL_read(c->ssl, buf, sizeof(buf));
        if (n <= 0) {
            ERR_clear_error();
            return NULL;
        }
        redisReaderFeed(c->reader, buf, (size_t)n);
    }
}

static void tls_send_vcmd(struct tls_client *c, const char *fmt, va_list ap)
{
    char *cmd;
    int len = redisvFormatCommand(&cmd, fmt, ap);
    ck_assert_int_gt(len, 0);
    ck_assert(tls_send(c, cmd, (size_t)len));
    redisFreeCommand(cmd);
}

/* Send a command without reading its reply. */
static void tls_send_cmd(struct tls_client *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tls_send_vcmd(c, fmt, ap);
    va_end(ap);
}

/* A command and its reply (asserted to arrive). */
static redisReply *tls_cmd(struct tls_client *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tls_send_vcmd(c, fmt, ap);
    va_end(ap);
    redisReply *r = tls_reply(c);
    ck_assert_msg(r != NULL, "no reply over TLS");
    return r;
}

/* The server answers PING on this session. */
static bool answers_ping(struct tls_client *c)
{
    if (c == NULL || !tls_send(c, "PING\r\n", 6))
        return false;
    redisReply *r = tls_reply(c);
    bool ok = r != NULL && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
    if (r != NULL)
        freeReplyObject(r);
    return ok;
}

/* A session with this client certificate (NULL: none) is served. Under
 * TLS 1.3 the client's handshake ends before the server has checked its
 * certificate, so a refusal shows at the first reply. */
static bool served_with(const char *cert)
{
    struct tls_client *c = tls_open_with(cert);
    bool ok = answers_ping(c);
    tls_close(c);
    return ok;
}

/* ---- commands over TLS -------------------------------------------------------------- */

START_TEST(commands_run_over_tls)
{
    struct tls_client *c = tls_open_with("client");
    ck_assert_ptr_nonnull(c);
    harness_expect_status(tls_cmd(c, "SET k v"), "OK");
    harness_expect_str(tls_cmd(c, "GET k"), "v");
    harness_expect_error(tls_cmd(c, "NOSUCH"),
                         "ERR unknown command 'NOSUCH', with args beginning with: ");
    /* and the plain port serves the same data */
    harness_expect_str(harness_cmd(harness_ctx, "GET k"), "v");
    /* RESP3 too (raw: hiredis 0.14 reads no RESP3) */
    tls_send_cmd(c, "HELLO 3");
    char buf[8];
    ck_assert_int_eq(SSL_read(c->ssl, buf, 4), 4);
    ck_assert(memcmp(buf, "%7\r\n", 4) == 0);
    tls_close(c);
}
END_TEST

START_TEST(a_pipeline_is_answered_in_order)
{
    struct tls_client *c = tls_open_with("client");
    ck_assert_ptr_nonnull(c);
    for (int i = 0; i < 5000; i++)
        tls_send_cmd(c, "INCR n");
    for (int i = 1; i <= 5000; i++)
        harness_expect_int(tls_reply(c), i);
    tls_close(c);
}
END_TEST

START_TEST(a_big_value_goes_both_ways)
{
    char *v = malloc(BIG_VALUE);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < BIG_VALUE; i++)
        v[i] = (char)('a' + i % 23);
    struct tls_client *c = tls_open_with("client");
    ck_assert_ptr_nonnull(c);
    harness_expect_status(tls_cmd(c, "SET big %b", v, (size_t)BIG_VALUE), "OK");
    redisReply *r = tls_cmd(c, "GET big");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, BIG_VALUE);
    ck_assert(memcmp(r->str, v, BIG_VALUE) == 0);
    freeReplyObject(r);
    tls_close(c);
    free(v);
}
END_TEST

/* A million-element LRANGE streams out slice by slice: another TLS
 * client is answered while the first has not read any of it. */
START_TEST(a_huge_reply_streams_while_others_are_served)
{
    for (int i = 0; i < LIST_LEN; i += 1000)
        harness_pipeline_int(harness_ctx, "RPUSH l %d", i, i + 1000);
    struct tls_client *reader = tls_open_with("client"), *other = tls_open_with("client");
    ck_assert_ptr_nonnull(reader);
    tls_send_cmd(reader, "LRANGE l 0 -1");
    ck_assert(answers_ping(other));
    redisReply *r = tls_reply(reader);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->elements, LIST_LEN);
    ck_assert_str_eq(r->element[LIST_LEN - 1]->str, "999999");
    freeReplyObject(r);
    ck_assert(answers_ping(reader));
    tls_close(reader);
    tls_close(other);
}
END_TEST

/* client-output-buffer-limit counts a TLS client's replies too. */
START_TEST(the_output_limit_closes_a_tls_client_that_does_not_read)
{
    for (int i = 0; i < 200000; i += 1000)
        harness_pipeline_int(harness_ctx, "RPUSH l %d", i, i + 1000);
    harness_cmd_ok(harness_ctx, "CONFIG SET client-output-buffer-limit %s",
                   "normal 100kb 0 0");
    struct tls_client *c = tls_open_with("client");
    ck_assert_ptr_nonnull(c);
    for (int i = 0; i < 20; i++)
        tls_send_cmd(c, "LRANGE l 0 -1");
    redisReply *r = tls_reply(c);
    ck_assert_ptr_null(r); /* closed before a whole reply could leave */
    tls_close(c);
}
END_TEST

/* ---- client certificates ------------------------------------------------------------ */

/* Under tls-auth-clients `mode`: which of no certificate, ours (signed
 * by the CA) and a stranger's (another CA) are served. */
static void expect_served(const char *mode, bool none, bool ours, bool strangers)
{
    harness_cmd_ok(harness_ctx, "CONFIG SET tls-auth-clients %s", mode);
    ck_assert_msg(served_with(NULL) == none, "%s: no certificate", mode);
    ck_assert_msg(served_with("client") == ours, "%s: our certificate", mode);
    ck_assert_msg(served_with("stranger") == strangers, "%s: a stranger's", mode);
}

START_TEST(a_client_certificate_is_required_by_default)
{
    expect_served("yes", false, true, false);
}
END_TEST

START_TEST(optional_client_certificates_are_checked_when_given)
{
    expect_served("optional", true, true, false);
}
END_TEST

START_TEST(without_client_auth_any_client_is_served)
{
    expect_served("no", true, true, true);
    harness_expect_error(harness_cmd(harness_ctx, "CONFIG SET tls-auth-clients maybe"),
                         "ERR CONFIG SET failed (possibly related to argument "
                         "'tls-auth-clients') - argument(s) must be one of the following: no, "
                         "yes, optional");
}
END_TEST

/* ---- configuration ------------------------------------------------------------------- */

static char *peer_subject(void)
{
    struct tls_client *c = tls_open_with("client");
    ck_assert_ptr_nonnull(c);
    X509 *peer = SSL_get1_peer_certificate(c->ssl);
    ck_assert_ptr_nonnull(peer);
    char *subject = X509_NAME_oneline(X509_get_subject_name(peer), NULL, 0);
    X509_free(peer);
    tls_close(c);
    return subject;
}

START_TEST(config_set_of_the_certificate_rebuilds_the_context)
{
    char *before = peer_subject();
    ck_assert_str_eq(before, "/CN=grove-server");
    struct tls_client *old_session = tls_open_with("client");
    harness_cmd_ok(harness_ctx, "CONFIG SET tls-cert-file %s tls-key-file %s",
                   cert_path("server2", "crt"), cert_path("server2", "key"));
    char *after = peer_subject();
    ck_assert_str_eq(after, "/CN=grove-server-2");
    ck_assert(answers_ping(old_session)); /* sessions keep the context they began with */
    /* a failed rebuild keeps both the old values and the old context */
    harness_expect_error(harness_cmd(harness_ctx, "CONFIG SET tls-cert-file /no/such/file"),
                         "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
                         "Unable to update TLS configuration. Check server logs.");
    harness_expect_error(harness_cmd(harness_ctx, "CONFIG SET tls-key-file %s tls-protocols %s",
                                     cert_path("server", "key"), "TLSv1.2 SSLv3"),
                         "ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - "
                         "Unable to update TLS configuration. Check server logs.");
    redisReply *r = harness_cmd(harness_ctx, "CONFIG GET tls-cert-file");
    ck_assert_str_eq(r->element[1]->str, cert_path("server2", "crt"));
    freeReplyObject(r);
    OPENSSL_free(after);
    after = peer_subject();
    ck_assert_str_eq(after, "/CN=grove-server-2");
    OPENSSL_free(before);
    OPENSSL_free(after);
    tls_close(old_session);
}
END_TEST

/* Grove makes no outgoing TLS links, but checks their certificate as Redis
 * does, so a bad one is refused alike. */
START_TEST(the_client_certificate_is_checked_as_in_redis)
{
    harness_expect_error(harness_cmd(harness_ctx,
                                     "CONFIG SET tls-client-cert-file /no/such tls-client-key-file %s",
                                     cert_path("client", "key")),
                         "ERR CONFIG SET failed (possibly related to argument "
                         "'tls-client-cert-file') - Unable to update TLS configuration. Check "
                         "server logs.");
    harness_cmd_ok(harness_ctx, "CONFIG SET tls-client-cert-file %s tls-client-key-file %s",
                   cert_path("client", "crt"), cert_path("client", "key"));
    harness_cmd_ok(harness_ctx, "CONFIG SET tls-client-cert-file %s tls-client-key-file %s", "",
                   "");
}
END_TEST

START_TEST(config_get_shows_the_tls_options)
{
    redisReply *r = harness_cmd(harness_ctx, "CONFIG GET tls-*");
    ck_assert_uint_eq(r->elements, 2 * 20);
    freeReplyObject(r);
    r = harness_cmd(harness_ctx, "CONFIG GET tls-port");
    ck_assert_str_eq(r->element[1]->str, tls_port_arg);
    freeReplyObject(r);
    const char *const defaults[][2] = {
        {"tls-auth-clients", "yes"}, {"tls-protocols", ""}, {"tls-session-caching", "yes"},
        {"tls-session-cache-size", "20480"}, {"tls-session-cache-timeout", "300"},
        {"tls-prefer-server-ciphers", "no"}, {"tls-replication", "no"}, {"tls-cluster", "no"}};
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        r = harness_cmd(harness_ctx, "CONFIG GET %s", defaults[i][0]);
        ck_assert_str_eq(r->element[1]->str, defaults[i][1]);
        freeReplyObject(r);
    }
}
END_TEST

/* Grove has no replica links and no cluster bus: "yes" would be a lie. */
START_TEST(what_grove_lacks_is_refused)
{
    harness_expect_error(harness_cmd(harness_ctx, "CONFIG SET tls-replication yes"),
                         "ERR CONFIG SET failed (possibly related to argument 'tls-replication') "
                         "- Grove does not support this value");
    harness_expect_error(harness_cmd(harness_ctx, "CONFIG SET tls-cluster yes"),
                         "ERR CONFIG SET failed (possibly related to argument 'tls-cluster') - "
                         "Grove does not support this value");
    harness_cmd_ok(harness_ctx, "CONFIG SET tls-replication no tls-cluster no");
}
END_TEST

/* protected-mode refuses a stranger once its TLS session is up, with
 * Redis's -DENIED text through the session, as Redis does. */
START_TEST(protected_mode_denies_strangers_inside_the_session)
{
    char ip[64];
    if (!harness_non_loopback_address(ip, sizeof(ip)))
        return; /* nothing to connect from */
    struct tls_client_opts o = {.cert = "client"};
    struct tls_client *c = calloc(1, sizeof(*c));
    ck_assert_ptr_nonnull(c);
    c->fd = harness_connect_from(ip, tls_port);
    c->ctx = client_ctx(&o);
    c->ssl = SSL_new(c->ctx);
    SSL_set_fd(c->ssl, c->fd);
    ck_assert_int_eq(SSL_connect(c->ssl), 1);
    char buf[2048];
    size_t n = 0;
    for (int got; (got = SSL_read(c->ssl, buf + n, (int)(sizeof(buf) - 1 - n))) > 0;)
        n += (size_t)got;
    buf[n] = '\0';
    ck_assert_uint_eq(n, 1067);
    ck_assert(strncmp(buf, "-DENIED Redis is running in protected mode", 42) == 0);
    tls_close(c);
}
END_TEST

/* CONFIG SET tls-port listens on the new port before the old one
 * closes, keeps the sessions open, and refuses a port in use with Redis's
 * text, changing nothing. */
START_TEST(tls_port_moves_at_run_time)
{
    struct tls_client *old = tls_open_with("client");
    ck_assert(answers_ping(old));
    int first = tls_port, moved = harness_free_port();
    harness_cmd_ok(harness_ctx, "CONFIG SET tls-port %d", moved);
    tls_port = moved;
    struct tls_client *c = tls_open_with("client");
    ck_assert(answers_ping(c));
    tls_close(c);
    HARNESS_WAIT_FOR(nothing_listens(first), "tls-port %d still listens", first);
    ck_assert(answers_ping(old));
    harness_expect_error(harness_cmd(harness_ctx, "CONFIG SET tls-port %d", harness_srv.port),
                         "ERR CONFIG SET failed (possibly related to argument 'tls-port') - "
                         "Unable to listen on this port. Check server logs.");
    ck_assert(answers_ping(c = tls_open_with("client")));
    tls_close(c);
    harness_cmd_ok(harness_ctx, "CONFIG SET tls-port %d", first);
    tls_port = first;
    tls_close(old);
}
END_TEST

/* ---- the session's edges ---------------------------------------------------------------- */

START_TEST(plain_text_on_the_tls_port_is_closed_unanswered)
{
    int fd = tcp_connect(tls_port);
    ck_assert_int_ge(fd, 0);
    harness_raw_send(fd, "PING\r\n", 6);
    char buf[64];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    /* at most a TLS alert record (type 21), never a RESP reply */
    ck_assert(n <= 0 || buf[0] == 21);
    ck_assert(harness_raw_closed(fd));
    close(fd);
    ck_assert(served_with("client")); /* and the port still serves TLS */
}
END_TEST

/* QUIT's +OK, then close_notify: the client sees a clean end. */
START_TEST(quit_ends_the_session_with_close_notify)
{
    struct tls_client *c = tls_open_with("client");
    ck_assert_ptr_nonnull(c);
    harness_expect_status(tls_cmd(c, "QUIT"), "OK");
    char buf[16];
    ck_assert_int_le(SSL_read(c->ssl, buf, sizeof(buf)), 0);
    ck_assert_int_eq(SSL_get_error(c->ssl, 0), SSL_ERROR_ZERO_RETURN);
    tls_close(c);
}
END_TEST

/* A client's close_notify ends its connection (and is answered). */
START_TEST(the_clients_close_notify_closes_the_connection)
{
    struct tls_client *c = tls_open_with("client");
    ck_assert(answers_ping(c));
    long long before = harness_info_ll(harness_ctx, "clients", "connected_clients");
    ck_assert_int_eq(SSL_shutdown(c->ssl), 0); /* sent ours */
    ck_assert_int_eq(SSL_shutdown(c->ssl), 1); /* got theirs */
    harness_wait_info_ll(harness_ctx, "clients", "connected_clients", before - 1);
    tls_close(c);
}
END_TEST

/* TLS 1.2 renegotiation is refused; the server goes on serving. */
START_TEST(renegotiation_is_refused)
{
    struct tls_client_opts o = {.cert = "client", .tls12 = true};
    struct tls_client *c = tls_open(&o);
    ck_assert_ptr_nonnull(c);
    ck_assert(answers_ping(c));
    ck_assert_int_eq(SSL_renegotiate(c->ssl), 1);
    SSL_do_handshake(c->ssl);
    char buf[16];
    ck_assert_int_le(SSL_read(c->ssl, buf, sizeof(buf)), 0); /* no new handshake comes */
    ERR_clear_error();
    tls_close(c);
    ck_assert(served_with("client"));
}
END_TEST

START_TEST(redis_cli_talks_tls)
{
    if (access(REDIS_CLI_BIN, X_OK) != 0)
        return; /* redis-tools is a test package; without it there is nothing to run */
    harness_cmd_ok(harness_ctx, "SET greeting hello");
    const char *const args[] = {"-p", tls_port_arg, "--tls", "--cacert", cert_path("ca", "crt"),
                                "--cert", cert_path("client", "crt"), "--key",
                                cert_path("client", "key"), "GET", "greeting", NULL};
    char out[256];
    ck_assert_int_eq(harness_run_program(REDIS_CLI_BIN, args, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "hello\n");
}
END_TEST

/* ---- start-up ---------------------------------------------------------------------------- */

static void expect_start_failure(const char *const *args, const char *message)
{
    char out[4096];
    int status = harness_run_to_exit(args, out, sizeof(out));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit status %d: %s", status,
                  out);
    ck_assert_msg(strstr(out, message) != NULL, "no '%s' in: %s", message, out);
}

START_TEST(a_bad_certificate_stops_start_up_as_in_redis)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", harness_free_port());
    const char *const missing[] = {"--port", "0", "--tls-port", port, "--tls-cert-file",
                                   "/no/such.crt", "--tls-key-file", cert_path("server", "key"),
                                   "--tls-ca-cert-file", cert_path("ca", "crt"), NULL};
    expect_start_failure(missing, "Failed to load certificate: /no/such.crt: error:80000002:"
                                  "system library::No such file or directory");
    expect_start_failure(missing, "Failed to configure TLS. Check logs for more info.");
    const char *const wrong_key[] = {"--port", "0", "--tls-port", port, "--tls-cert-file",
                                     cert_path("server", "crt"), "--tls-key-file",
                                     cert_path("client", "key"), "--tls-ca-cert-file",
                                     cert_path("ca", "crt"), NULL};
    expect_start_failure(wrong_key, "Failed to load private key: ");
    const char *const no_ca[] = {"--port", "0", "--tls-port", port, "--tls-cert-file",
                                 cert_path("server", "crt"), "--tls-key-file",
                                 cert_path("server", "key"), NULL};
    expect_start_failure(no_ca, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified "
                                "when tls-cluster, tls-replication or tls-auth-clients are "
                                "enabled!");
    const char *const nowhere[] = {"--port", "0", NULL};
    expect_start_failure(nowhere, "Configured to not listen anywhere, exiting.");
}
END_TEST

/* --port 0: only the TLS listener, and INFO's tcp_port shows it, as
 * Redis's. (Started by hand: the harness probes a plain port.) */
START_TEST(tls_port_alone_serves_and_info_shows_it)
{
    tls_port = harness_free_port();
    snprintf(tls_port_arg, sizeof(tls_port_arg), "%d", tls_port);
    struct grove_server s = {.port = tls_port};
    s.pid = fork();
    ck_assert_int_ge(s.pid, 0);
    if (s.pid == 0) {
        execl(getenv("GROVE_SERVER"), "grove-server", "--port", "0", "--tls-port", tls_port_arg,
              "--tls-cert-file", cert_path("server", "crt"), "--tls-key-file",
              cert_path("server", "key"), "--tls-ca-cert-file", cert_path("ca", "crt"),
              "--save", "", "--loglevel", "warning", (char *)NULL);
        _exit(127);
    }
    struct tls_client *c = NULL;
    HARNESS_WAIT_FOR(answers_ping(c = tls_open_with("client")) || (tls_close(c), false),
                     "no TLS listener on port %d", tls_port);
    redisReply *r = tls_cmd(c, "INFO server");
    char want[32];
    snprintf(want, sizeof(want), "tcp_port:%d\r\n", tls_port);
    ck_assert_ptr_nonnull(strstr(r->str, want));
    freeReplyObject(r);
    tls_send_cmd(c, "SHUTDOWN NOSAVE");
    ck_assert_ptr_null(tls_reply(c));
    tls_close(c);
    harness_wait_exit(&s);
}
END_TEST

static Suite *tls_suite(void)
{
    Suite *s = suite_create("tls");
    TCase *tc = harness_server_case("commands", start_tls_server, connect_and_reset);
    tcase_add_test(tc, commands_run_over_tls);
    tcase_add_test(tc, a_pipeline_is_answered_in_order);
    tcase_add_test(tc, a_big_value_goes_both_ways);
    tcase_add_test(tc, a_huge_reply_streams_while_others_are_served);
    tcase_add_test(tc, the_output_limit_closes_a_tls_client_that_does_not_read);
    suite_add_tcase(s, tc);

    tc = harness_server_case("client_certificates", start_tls_server, connect_and_reset);
    tcase_add_test(tc, a_client_certificate_is_required_by_default);
    tcase_add_test(tc, optional_client_certificates_are_checked_when_given);
    tcase_add_test(tc, without_client_auth_any_client_is_served);
    suite_add_tcase(s, tc);

    tc = harness_server_case("config", start_tls_server, connect_and_reset);
    tcase_add_test(tc, config_set_of_the_certificate_rebuilds_the_context);
    tcase_add_test(tc, the_client_certificate_is_checked_as_in_redis);
    tcase_add_test(tc, config_get_shows_the_tls_options);
    tcase_add_test(tc, what_grove_lacks_is_refused);
    tcase_add_test(tc, tls_port_moves_at_run_time);
    tcase_add_test(tc, protected_mode_denies_strangers_inside_the_session);
    suite_add_tcase(s, tc);

    tc = harness_server_case("session", start_tls_server, connect_and_reset);
    tcase_add_test(tc, plain_text_on_the_tls_port_is_closed_unanswered);
    tcase_add_test(tc, quit_ends_the_session_with_close_notify);
    tcase_add_test(tc, the_clients_close_notify_closes_the_connection);
    tcase_add_test(tc, renegotiation_is_refused);
    tcase_add_test(tc, redis_cli_talks_tls);
    suite_add_tcase(s, tc);

    tc = tcase_create("startup");
    tcase_add_unchecked_fixture(tc, make_certs, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_bad_certificate_stops_start_up_as_in_redis);
    tcase_add_test(tc, tls_port_alone_serves_and_info_shows_it);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* a write to a session the server closed fails instead */
    SRunner *sr = srunner_create(tls_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (certs.path[0] != '\0')
        harness_tmpdir_remove(&certs);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
