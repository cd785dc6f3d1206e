/*
 * tls_none.c - tls.h for a build without TLS (GROVE_TLS=OFF): the tls-*
 * options exist, but asking for TLS (tls-port) fails start-up with a
 * message that says why, and no session is ever made.
 */
#include "tls.h"

#include <errno.h>

#include "log.h"
#include "server.h"

void tls_init(void)
{
}

void tls_deinit(void)
{
}

bool tls_wanted(void)
{
    return server.cfg.tls_port != 0;
}

int tls_configure(void)
{
    log_warning("TLS is not available in this build of Grove (built with GROVE_TLS=OFF).");
    return -EINVAL;
}

struct tls_conn *tls_conn_create(void)
{
    return NULL;
}

void tls_conn_destroy(struct tls_conn *t)
{
    (void)t;
}

int tls_conn_feed(struct tls_conn *t, const char *raw, size_t len)
{
    return -EINVAL;
}

ssize_t tls_conn_read(struct tls_conn *t, char *buf, size_t cap)
{
    return TLS_ERROR;
}

int tls_conn_write(struct tls_conn *t, const char *buf, size_t len)
{
    return TLS_ERROR;
}

void tls_conn_shutdown(struct tls_conn *t)
{
}

const char *tls_conn_take_records(struct tls_conn *t, size_t *len, int *err)
{
    *len = 0;
    *err = 0;
    return NULL;
}

bool tls_conn_has_records(const struct tls_conn *t)
{
    return false;
}

bool tls_conn_established(const struct tls_conn *t)
{
    return false;
}

const char *tls_conn_error(const struct tls_conn *t)
{
    return "TLS is not available";
}

void tls_conn_release_buffers(struct tls_conn *t)
{
}
