/*
 * bench_blocking.c - hand-offs to blocked clients: N consumers each wait
 * in BLPOP on a key of their own; a producer pushes one item to every key
 * per round and waits until every consumer has its item and has blocked
 * again, for R rounds. Prints the time per hand-off (wall clock over all
 * rounds / items) and the server's CPU time per hand-off (from
 * /proc/<pid>/stat when the server's pid is given), and checks that every
 * item arrived exactly once.
 *
 * One thread, one poll() loop over N + 1 raw sockets, so the client costs
 * little next to the server it measures.
 *
 * Usage: bench_blocking PORT [--clients N] [--rounds R] [--pid PID]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_net.h"

struct consumer {
    int fd;
    char buf[256];
    size_t len;
    long got; /* items received */
    bool waiting;
};

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno != EINTR)
            die("write");
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        }
    }
}

static void send_blpop(struct consumer *c, int i)
{
    char key[32], cmd[96];
    int klen = snprintf(key, sizeof(key), "bench:q:%d", i);
    int n = snprintf(cmd, sizeof(cmd), "*3\r\n$5\r\nBLPOP\r\n$%d\r\n%s\r\n$1\r\n0\r\n", klen, key);
    send_all(c->fd, cmd, (size_t)n);
    c->waiting = true;
}

/* A whole [key, value] reply in the buffer: consume it, return the value
 * as a number (the round it was pushed in); -1 if not all there yet. */
static long take_reply(struct consumer *c)
{
    char *end = c->buf + c->len, *p = c->buf;
    if (c->len < 4 || memcmp(p, "*2\r\n", 4) != 0)
        return c->len >= 4 ? (fprintf(stderr, "unexpected reply\n"), exit(1), -1) : -1;
    p += 4;
    long value = -1;
    for (int item = 0; item < 2; item++) {
        char *crlf = memchr(p, '\r', (size_t)(end - p));
        if (crlf == NULL || crlf + 2 > end)
            return -1;
        long n = strtol(p + 1, NULL, 10);
        p = crlf + 2;
        if (p + n + 2 > end)
            return -1;
        if (item == 1)
            value = strtol(p, NULL, 10);
        p += n + 2;
    }
    c->len = (size_t)(end - p);
    memmove(c->buf, p, c->len);
    return value;
}

static double server_cpu_s(long pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
        if (f)
            fclose(f);
        return 0;
    }
    fclose(f);
    char *p = strrchr(line, ')');
    unsigned long utime = 0, stime = 0;
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [--clients N] [--rounds R] [--pid PID]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]), clients = 1000, rounds = 100;
    long pid = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--clients") == 0)
            clients = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--pid") == 0)
            pid = atol(argv[i + 1]);
    }
    struct consumer *cs = calloc((size_t)clients, sizeof(*cs));
    struct pollfd *pfd = calloc((size_t)clients, sizeof(*pfd));
    if (cs == NULL || pfd == NULL)
        die("calloc");
    for (int i = 0; i < clients; i++) {
        cs[i].fd = connect_to(port);
        send_blpop(&cs[i], i);
        pfd[i] = (struct pollfd){.fd = cs[i].fd, .events = POLLIN};
    }
    int producer = connect_to(port);
    size_t cap = (size_t)clients * 64;
    char *batch = malloc(cap), sink[65536];
    usleep(200000); /* let every BLPOP block before the first push */
    double t0 = now_s(), cpu0 = pid ? server_cpu_s(pid) : 0;
    long delivered = 0;
    for (int r = 0; r < rounds; r++) {
        size_t n = 0;
        for (int i = 0; i < clients; i++) {
            char key[32], val[16];
            int klen = snprintf(key, sizeof(key), "bench:q:%d", i);
            int vlen = snprintf(val, sizeof(val), "%d", r);
            n += (size_t)snprintf(batch + n, cap - n, "*3\r\n$5\r\nRPUSH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
                                  klen, key, vlen, val);
        }
        send_all(producer, batch, n);
        long round_got = 0;
        while (round_got < clients) {
            if (poll(pfd, (nfds_t)clients, 10000) <= 0) {
                fprintf(stderr, "timed out in round %d (%ld of %d)\n", r, round_got, clients);
                return 1;
            }
            for (int i = 0; i < clients; i++) {
                if (!(pfd[i].revents & POLLIN))
                    continue;
                ssize_t got = read(cs[i].fd, cs[i].buf + cs[i].len, sizeof(cs[i].buf) - cs[i].len);
                if (got <= 0)
                    die("read");
                cs[i].len += (size_t)got;
                long v;
                while ((v = take_reply(&cs[i])) >= 0) {
                    if (v != r) {
                        fprintf(stderr, "client %d got item of round %ld in round %d\n", i, v, r);
                        return 1;
                    }
                    cs[i].got++;
                    round_got++;
                    send_blpop(&cs[i], i);
                }
            }
        }
        delivered += round_got;
        while (recv(producer, sink, sizeof(sink), MSG_DONTWAIT) > 0)
            ; /* RPUSH replies */
    }
    double secs = now_s() - t0, cpu = pid ? server_cpu_s(pid) - cpu0 : 0;
    for (int i = 0; i < clients; i++)
        if (cs[i].got != rounds) {
            fprintf(stderr, "client %d got %ld items, not %d\n", i, cs[i].got, rounds);
            return 1;
        }
    printf("handoffs %ld clients %d wall_us_per_handoff %.2f server_cpu_us_per_handoff %.2f\n",
           delivered, clients, secs * 1e6 / (double)delivered, cpu * 1e6 / (double)delivered);
    return 0;
}
