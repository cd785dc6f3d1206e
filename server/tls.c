/*
 * tls.c - TLS sessions over memory BIOs, and the server context built
 * from the tls-* options; see tls.h.
 *
 * Design
 *
 * Redis's tls.c gives OpenSSL the socket (SSL_set_fd) and then has to
 * follow what each call wants (SSL_ERROR_WANT_READ on a write, WANT_WRITE
 * on a read) by moving its event registrations around, and to keep a list
 * of connections whose plain text OpenSSL holds but never handed over
 * (SSL_pending). Grove keeps libuv's reads and writes exactly as they are
 * for a plain connection and puts the session between them and the
 * client's buffers:
 *
 *      socket --libuv read--> feed: rbio (memory) --SSL_read--> query buffer
 *      socket <--libuv write-- records <-- wbio (memory) <--SSL_write-- replies
 *
 * Neither BIO ever blocks, so SSL_ERROR_WANT_WRITE cannot happen and
 * WANT_READ only ever means "feed me more": the handshake runs inside the
 * first reads, and whatever OpenSSL wants to send at any point (handshake
 * messages, session tickets, alerts, close_notify) simply waits in wbio
 * until the connection writes records out. Each read is drained to the
 * end (conn.c feeds at most one 16 KB read at a time), so no plain text is
 * left hidden in OpenSSL and no pending list is needed.
 *
 * Bounds: rbio holds at most one read plus a partial record; wbio holds
 * the records of one reply slice (conn.c encrypts at most CONN_TURN_OUTPUT
 * bytes per write) plus what reads made OpenSSL say; `out` is a copy of
 * those, the bytes a libuv write owns until its callback.
 *
 * Renegotiation: refused (SSL_OP_NO_RENEGOTIATION; OpenSSL 3 also refuses
 * a client's by default, which Redis asks for with
 * SSL_OP_NO_CLIENT_RENEGOTIATION on older ones): a TLS 1.2 client asking
 * for one gets a no_renegotiation alert.
 *
 * The context: one SSL_CTX, replaced whole by tls_configure under
 * ctx_lock. SSL_new takes a reference, so a session keeps the context it
 * was made with, and the old one is freed by OpenSSL when its last session
 * ends. The checks and log lines follow Redis's tlsConfigure, word for
 * word, so operators see the same messages.
 */
#include "tls.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "config.h"
#include "log.h"
#include "server.h"

#define TLS_PROTO_TLSv1 (1 << 0)
#define TLS_PROTO_TLSv1_1 (1 << 1)
#define TLS_PROTO_TLSv1_2 (1 << 2)
#define TLS_PROTO_TLSv1_3 (1 << 3)
#define TLS_PROTO_DEFAULT (TLS_PROTO_TLSv1_2 | TLS_PROTO_TLSv1_3)
#define TLS_ERROR_LEN 256

struct tls_conn {
    SSL *ssl;
    BIO *rbio, *wbio;      /* owned by ssl */
    char *out;             /* records taken for the socket */
    size_t out_cap;
    char error[TLS_ERROR_LEN];
    bool failed;           /* a fatal error: OpenSSL allows no SSL_shutdown after one */
};

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *server_ctx; /* under ctx_lock */

void tls_init(void)
{
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG | OPENSSL_INIT_LOAD_SSL_STRINGS, NULL);
    if (!RAND_poll())
        log_warning("OpenSSL: Failed to seed random number generator.");
}

void tls_deinit(void)
{
    pthread_mutex_lock(&ctx_lock);
    SSL_CTX_free(server_ctx);
    server_ctx = NULL;
    pthread_mutex_unlock(&ctx_lock);
}

bool tls_wanted(void)
{
    return server.cfg.tls_port != 0 || server.cfg.tls_replication || server.cfg.tls_cluster;
}

/* ---- the context ------------------------------------------------------------ */

/* A string option, NULL when unset ("" is unset, as Redis's
 * EMPTY_STRING_IS_NULL). */
static const char *opt(const char *value)
{
    return value != NULL && value[0] != '\0' ? value : NULL;
}

/* tls-protocols: TLS_PROTO_* bits, or -1 (logged). */
static int parse_protocols(const char *text)
{
    static const struct { const char *name; int bit; } names[] = {
        {"tlsv1", TLS_PROTO_TLSv1}, {"tlsv1.1", TLS_PROTO_TLSv1_1},
        {"tlsv1.2", TLS_PROTO_TLSv1_2}, {"tlsv1.3", TLS_PROTO_TLSv1_3}};
    if (text == NULL)
        return TLS_PROTO_DEFAULT;
    char copy[256], *save = NULL;
    snprintf(copy, sizeof(copy), "%s", text);
    int protocols = 0;
    for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        int bit = 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strcasecmp(w, names[i].name) == 0)
                bit = names[i].bit;
        if (bit == 0) {
            log_warning("Invalid tls-protocols specified. Use a combination of 'TLSv1', "
                        "'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
            return -1;
        }
        protocols |= bit;
    }
    return protocols;
}

static void last_ssl_error(char *buf, size_t cap)
{
    ERR_error_string_n(ERR_get_error(), buf, cap);
}

/* The key file's password for OpenSSL (u: the option's text, or NULL). */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pass = u;
    if (pass == NULL)
        return -1;
    size_t len = strlen(pass);
    if (len > (size_t)size)
        return -1;
    memcpy(buf, pass, len);
    return (int)len;
}

static void set_protocols(SSL_CTX *ctx, int protocols)
{
    static const struct { int bit; uint64_t off; } map[] = {
        {TLS_PROTO_TLSv1, SSL_OP_NO_TLSv1}, {TLS_PROTO_TLSv1_1, SSL_OP_NO_TLSv1_1},
        {TLS_PROTO_TLSv1_2, SSL_OP_NO_TLSv1_2}, {TLS_PROTO_TLSv1_3, SSL_OP_NO_TLSv1_3}};
    SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS);
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!(protocols & map[i].bit))
            SSL_CTX_set_options(ctx, map[i].off);
}

/* A certificate, its key and the key's password (NULL: none). */
struct identity {
    const char *cert, *key, *pass;
};

/* Certificate, key, CAs and ciphers: what Redis's createSSLContext sets. */
static int load_identity(SSL_CTX *ctx, const struct config *cfg, const struct identity *id)
{
    char err[TLS_ERROR_LEN];
    SSL_CTX_set_default_passwd_cb(ctx, password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)id->pass);
    if (SSL_CTX_use_certificate_chain_file(ctx, id->cert) <= 0) {
        last_ssl_error(err, sizeof(err));
        log_warning("Failed to load certificate: %s: %s", id->cert, err);
        return -EINVAL;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, id->key, SSL_FILETYPE_PEM) <= 0) {
        last_ssl_error(err, sizeof(err));
        log_warning("Failed to load private key: %s: %s", id->key, err);
        return -EINVAL;
    }
    const char *ca_file = opt(cfg->tls_ca_cert_file), *ca_dir = opt(cfg->tls_ca_cert_dir);
    if ((ca_file || ca_dir) && SSL_CTX_load_verify_locations(ctx, ca_file, ca_dir) <= 0) {
        last_ssl_error(err, sizeof(err));
        log_warning("Failed to configure CA certificate(s) file/directory: %s", err);
        return -EINVAL;
    }
    if (opt(cfg->tls_ciphers) && !SSL_CTX_set_cipher_list(ctx, cfg->tls_ciphers)) {
        log_warning("Failed to configure ciphers: %s", cfg->tls_ciphers);
        return -EINVAL;
    }
    if (opt(cfg->tls_ciphersuites) && !SSL_CTX_set_ciphersuites(ctx, cfg->tls_ciphersuites)) {
        log_warning("Failed to configure ciphersuites: %s", cfg->tls_ciphersuites);
        return -EINVAL;
    }
    /* The key is loaded: the password is not needed again, and the
     * option's string may be freed by a later CONFIG SET. */
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    return 0;
}

/* tls-dh-params-file, or OpenSSL's automatic parameters. */
static int load_dh_params(SSL_CTX *ctx, const char *path)
{
    if (path == NULL) {
        SSL_CTX_set_dh_auto(ctx, 1);
        return 0;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        log_warning("Failed to load %s: %s", path, strerror(errno));
        return -EINVAL;
    }
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(
        &pkey, "PEM", NULL, "DH", OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS, NULL, NULL);
    int rc = 0;
    if (dctx == NULL) {
        log_warning("No decoder for DH params.");
        rc = -EINVAL;
    } else if (!OSSL_DECODER_from_fp(dctx, f)) {
        log_warning("%s: failed to read DH params.", path);
        rc = -EINVAL;
    }
    OSSL_DECODER_CTX_free(dctx);
    fclose(f);
    if (rc == 0 && SSL_CTX_set0_tmp_dh_pkey(ctx, pkey) <= 0) {
        char err[TLS_ERROR_LEN];
        last_ssl_error(err, sizeof(err));
        log_warning("Failed to load DH params file: %s: %s", path, err);
        rc = -EINVAL;
    }
    if (rc < 0)
        EVP_PKEY_free(pkey); /* on success the context owns it */
    return rc;
}

static void set_session_cache(SSL_CTX *ctx, const struct config *cfg)
{
    if (!cfg->tls_session_caching) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        return;
    }
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, (long)cfg->tls_session_cache_size);
    SSL_CTX_set_timeout(ctx, (long)cfg->tls_session_cache_timeout);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"grove", 5);
}

/* The checks Redis's tlsConfigure makes before it builds anything. */
static int check_options(const struct config *cfg)
{
    if (opt(cfg->tls_cert_file) == NULL) {
        log_warning("No tls-cert-file configured!");
        return -EINVAL;
    }
    if (opt(cfg->tls_key_file) == NULL) {
        log_warning("No tls-key-file configured!");
        return -EINVAL;
    }
    if ((cfg->tls_auth_clients != CONFIG_TLS_AUTH_NO || cfg->tls_cluster || cfg->tls_replication) &&
        opt(cfg->tls_ca_cert_file) == NULL && opt(cfg->tls_ca_cert_dir) == NULL) {
        log_warning("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when "
                    "tls-cluster, tls-replication or tls-auth-clients are enabled!");
        return -EINVAL;
    }
    return 0;
}

/* tls-client-cert-file and tls-client-key-file are the certificate Redis
 * presents on its own outgoing links (replica to master, cluster bus),
 * which Grove does not make: they are loaded as Redis loads them, so a bad
 * file is refused with the same messages, and then dropped. */
static int check_client_identity(const struct config *cfg, int protocols)
{
    struct identity id = {cfg->tls_client_cert_file, cfg->tls_client_key_file,
                          opt(cfg->tls_client_key_file_pass)};
    if (opt(id.cert) == NULL || opt(id.key) == NULL)
        return 0;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        return -ENOMEM;
    set_protocols(ctx, protocols);
    int rc = load_identity(ctx, cfg, &id);
    SSL_CTX_free(ctx);
    return rc;
}

/* A server context from the options, or NULL (logged). */
static SSL_CTX *build_context(const struct config *cfg)
{
    int protocols = parse_protocols(opt(cfg->tls_protocols));
    if (check_options(cfg) < 0 || protocols < 0 || check_client_identity(cfg, protocols) < 0)
        return NULL;
    struct identity id = {cfg->tls_cert_file, cfg->tls_key_file, opt(cfg->tls_key_file_pass)};
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        log_warning("Failed to create the TLS context: out of memory");
        return NULL;
    }
    set_protocols(ctx, protocols);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_SINGLE_DH_USE);
    if (cfg->tls_prefer_server_ciphers)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    set_session_cache(ctx, cfg);
    if (load_identity(ctx, cfg, &id) < 0 || load_dh_params(ctx, opt(cfg->tls_dh_params_file)) < 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int tls_configure(void)
{
    ERR_clear_error();
    SSL_CTX *ctx = build_context(&server.cfg);
    if (ctx == NULL)
        return -EINVAL;
    pthread_mutex_lock(&ctx_lock);
    SSL_CTX *old = server_ctx;
    server_ctx = ctx;
    pthread_mutex_unlock(&ctx_lock);
    SSL_CTX_free(old); /* sessions made with it hold their own references */
    return 0;
}

/* ---- sessions ---------------------------------------------------------------- */

/* SSL_set_verify's mode for tls-auth-clients as it is now. */
static int verify_mode(void)
{
    switch (atomic_load(&server.cfg.tls_auth_clients)) {
    case CONFIG_TLS_AUTH_NO:
        return SSL_VERIFY_NONE;
    case CONFIG_TLS_AUTH_OPTIONAL:
        return SSL_VERIFY_PEER;
    default:
        return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
}

struct tls_conn *tls_conn_create(void)
{
    struct tls_conn *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    pthread_mutex_lock(&ctx_lock);
    t->ssl = server_ctx != NULL ? SSL_new(server_ctx) : NULL;
    pthread_mutex_unlock(&ctx_lock);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL) {
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        SSL_free(t->ssl);
        free(t);
        return NULL;
    }
    /* An empty memory BIO reads as "retry", not EOF. */
    BIO_set_mem_eof_return(t->rbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_verify(t->ssl, verify_mode(), NULL);
    SSL_set_accept_state(t->ssl);
    return t;
}

void tls_conn_destroy(struct tls_conn *t)
{
    if (t == NULL)
        return;
    SSL_free(t->ssl); /* frees both BIOs */
    free(t->out);
    free(t);
}

int tls_conn_feed(struct tls_conn *t, const char *raw, size_t len)
{
    return BIO_write(t->rbio, raw, (int)len) == (int)len ? 0 : -ENOMEM;
}

/* Keep OpenSSL's reason for a failed call, as Redis's updateTLSError. */
static void note_error(struct tls_conn *t, int ssl_err)
{
    t->failed = true;
    if (ssl_err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
        snprintf(t->error, sizeof(t->error), "%s", "unexpected EOF");
    else
        last_ssl_error(t->error, sizeof(t->error));
    ERR_clear_error();
}

ssize_t tls_conn_read(struct tls_conn *t, char *buf, size_t cap)
{
    ERR_clear_error();
    int n = SSL_read(t->ssl, buf, cap > INT_MAX ? INT_MAX : (int)cap);
    if (n > 0)
        return n;
    int err = SSL_get_error(t->ssl, n);
    if (err == SSL_ERROR_WANT_READ)
        return TLS_AGAIN;
    if (err == SSL_ERROR_ZERO_RETURN)
        return TLS_CLOSED;
    note_error(t, err);
    return TLS_ERROR;
}

int tls_conn_write(struct tls_conn *t, const char *buf, size_t len)
{
    ERR_clear_error();
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        int n = SSL_write(t->ssl, buf, chunk);
        if (n <= 0) {
            note_error(t, SSL_get_error(t->ssl, n));
            return TLS_ERROR;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

void tls_conn_shutdown(struct tls_conn *t)
{
    if (t->failed || !SSL_is_init_finished(t->ssl))
        return;
    ERR_clear_error();
    SSL_shutdown(t->ssl);
    ERR_clear_error(); /* a peer already gone is no news */
}

const char *tls_conn_take_records(struct tls_conn *t, size_t *len, int *err)
{
    size_t pending = BIO_ctrl_pending(t->wbio);
    *len = 0;
    *err = 0;
    if (pending == 0)
        return NULL;
    if (pending > t->out_cap) {
        char *p = realloc(t->out, pending);
        if (p == NULL) {
            *err = -ENOMEM;
            return NULL;
        }
        t->out = p;
        t->out_cap = pending;
    }
    *len = (size_t)BIO_read(t->wbio, t->out, (int)pending);
    return t->out;
}

bool tls_conn_has_records(const struct tls_conn *t)
{
    return BIO_ctrl_pending(t->wbio) > 0;
}

bool tls_conn_established(const struct tls_conn *t)
{
    return SSL_is_init_finished(t->ssl);
}

const char *tls_conn_error(const struct tls_conn *t)
{
    return t->error;
}

void tls_conn_release_buffers(struct tls_conn *t)
{
    free(t->out);
    t->out = NULL;
    t->out_cap = 0;
}
