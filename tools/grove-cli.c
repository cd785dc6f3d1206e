/*
 * grove-cli.c - the smallest client that can tell whether a Grove (or any
 * Redis-protocol server) is up: it sends PING, after AUTH when a password
 * is given, and exits 0 on +PONG. It exists for the container image's
 * HEALTHCHECK: redis-cli from Debian's redis-tools would do the same but
 * brings OpenSSL and jemalloc into the image (README, "Docker").
 *
 * Usage: grove-cli [-h host] [-p port] [-a password] ping
 * The password may also come from $GROVE_PASSWORD, the variable the image's
 * entrypoint turns into --requirepass, so the health check and the server
 * agree without repeating it; -a wins over the variable.
 *
 * Requests are encoded with protocol/'s resp_out; replies are read as one
 * line, enough for +PONG, +OK and -errors, the only replies it expects.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "resp.h"

/* Bounds every wait, so a wedged server fails the health check rather
 * than hanging it (Docker's own --timeout is the outer bound). */
#define CLI_TIMEOUT_S 5

struct cli_opts {
    const char *host;
    const char *port;
    const char *password;
};

static int usage(void)
{
    fprintf(stderr, "Usage: grove-cli [-h host] [-p port] [-a password] ping\n"
                    "  The password may also be given in $GROVE_PASSWORD.\n");
    return 2;
}

/* A connected socket with send/receive timeouts, or -1 (reason printed). */
static int cli_connect(const struct cli_opts *o)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    int rc = getaddrinfo(o->host, o->port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "grove-cli: %s:%s: %s\n", o->host, o->port, gai_strerror(rc));
        return -1;
    }
    struct timeval tv = {.tv_sec = CLI_TIMEOUT_S};
    int fd = -1;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        fprintf(stderr, "grove-cli: could not connect to %s:%s\n", o->host, o->port);
    return fd;
}

/* Send the command argv[0..argc) as a RESP array of bulk strings. */
static int send_command(int fd, int argc, const char *const *argv)
{
    struct resp_out out;
    resp_out_init(&out, 2);
    resp_add_array_len(&out, (size_t)argc);
    for (int i = 0; i < argc; i++)
        resp_add_bulk_cstr(&out, argv[i]);
    size_t sent = 0;
    while (sent < out.len) {
        ssize_t n = send(fd, out.data + sent, out.len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    int rc = (sent == out.len && !out.oom) ? 0 : -1;
    resp_out_deinit(&out);
    return rc;
}

/* Read one reply line into buf without its CRLF; -1 on EOF, timeout or a
 * line longer than cap. */
static int read_line(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    while (len + 1 < cap) {
        ssize_t n = recv(fd, buf + len, 1, 0);
        if (n <= 0)
            return -1;
        if (buf[len] == '\n' && len > 0 && buf[len - 1] == '\r') {
            buf[len - 1] = '\0';
            return 0;
        }
        len++;
    }
    return -1;
}

/* Send a command and expect the simple-string reply `want`. */
static int expect(int fd, int argc, const char *const *argv, const char *want)
{
    char line[512];
    if (send_command(fd, argc, argv) < 0 || read_line(fd, line, sizeof(line)) < 0) {
        fprintf(stderr, "grove-cli: no reply to %s\n", argv[0]);
        return -1;
    }
    if (line[0] != '+' || strcmp(line + 1, want) != 0) {
        fprintf(stderr, "grove-cli: %s: %s\n", argv[0], line[0] == '-' ? line + 1 : line);
        return -1;
    }
    return 0;
}

static int ping(const struct cli_opts *o)
{
    int fd = cli_connect(o);
    if (fd < 0)
        return 1;
    int rc = 0;
    if (o->password && o->password[0]) {
        const char *auth[] = {"AUTH", o->password};
        rc = expect(fd, 2, auth, "OK");
    }
    const char *cmd[] = {"PING"};
    if (rc == 0)
        rc = expect(fd, 1, cmd, "PONG");
    close(fd);
    if (rc < 0)
        return 1;
    puts("PONG");
    return 0;
}

int main(int argc, char **argv)
{
    struct cli_opts o = {"127.0.0.1", "6379", getenv("GROVE_PASSWORD")};
    int opt;
    while ((opt = getopt(argc, argv, "h:p:a:")) != -1) {
        switch (opt) {
        case 'h': o.host = optarg; break;
        case 'p': o.port = optarg; break;
        case 'a': o.password = optarg; break;
        default: return usage();
        }
    }
    if (optind != argc - 1 || strcasecmp(argv[optind], "ping") != 0)
        return usage();
    return ping(&o);
}
