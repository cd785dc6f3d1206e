/*
 * bench_stream.c - stream workloads against one server (Grove or Redis):
 *
 *   fill     N entries of 3 small fields ("XADD s * a <6 digits> b <6
 *            digits> c <6 digits>"), pipelined 64 deep; prints the
 *            server's used_memory and resident set growth per entry.
 *   group    a consumer group's work loop, one entry at a time: XREADGROUP
 *            GROUP g c COUNT 1 STREAMS s > then XACK s g <id>, each waited
 *            for (two round trips per entry), over the first R entries;
 *            prints the wall time per read+ack and, with --pid, the
 *            server's CPU time per read+ack (from /proc/<pid>/stat).
 *
 * One thread, blocking sockets: the client is simple next to the server
 * it measures.
 *
 * Usage: bench_stream PORT [--entries N] [--rounds R] [--pid PID]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_net.h"

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            die("write");
        p += w;
        n -= (size_t)w;
    }
}

/* A reader of whole replies off a blocking socket. */
static char rbuf[1 << 20];
static size_t rlen, rpos;

static int next_byte(int fd)
{
    if (rpos == rlen) {
        ssize_t r = read(fd, rbuf, sizeof(rbuf));
        if (r <= 0)
            die("read");
        rlen = (size_t)r;
        rpos = 0;
    }
    return (unsigned char)rbuf[rpos++];
}

/* One line without its CRLF into out (truncated to cap). */
static size_t read_line(int fd, char *out, size_t cap)
{
    size_t n = 0;
    int c;
    while ((c = next_byte(fd)) != '\n')
        if (c != '\r' && n + 1 < cap)
            out[n++] = (char)c;
    out[n] = 0;
    return n;
}

/* Skip one reply; a bulk's text is kept in `last` (the last seen). */
static char last[256];
static void skip_reply(int fd)
{
    char line[256];
    read_line(fd, line, sizeof(line));
    long n = strtol(line + 1, NULL, 10);
    if (line[0] == '-') {
        fprintf(stderr, "error reply: %s\n", line);
        exit(1);
    }
    if (line[0] == '$' && n >= 0) {
        size_t k = 0;
        for (long i = 0; i < n + 2; i++) {
            int c = next_byte(fd);
            if (i < n && k + 1 < sizeof(last))
                last[k++] = (char)c;
        }
        last[k] = 0;
    } else if (line[0] == '*' || line[0] == '%') {
        for (long i = 0; i < n * (line[0] == '%' ? 2 : 1); i++)
            skip_reply(fd);
    }
}

static long long info_field(int fd, const char *field)
{
    static const char cmd[] = "*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n";
    char line[256];
    send_all(fd, cmd, sizeof(cmd) - 1);
    read_line(fd, line, sizeof(line));
    long n = strtol(line + 1, NULL, 10);
    char *text = malloc((size_t)n + 3);
    for (long i = 0; i < n + 2; i++)
        text[i] = (char)next_byte(fd);
    text[n] = 0;
    char *p = strstr(text, field);
    long long v = p ? strtoll(p + strlen(field) + 1, NULL, 10) : -1;
    free(text);
    return v;
}

/* user + system CPU seconds of a process. */
static double cpu_of(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(buf, sizeof(buf), f) == NULL)
        return 0;
    fclose(f);
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* fields after ") ": state(3) ... utime(14) stime(15) */
    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static size_t format_xadd(char *buf, long i)
{
    char a[8], b[8], c[8];
    snprintf(a, sizeof(a), "%06ld", i % 1000000);
    snprintf(b, sizeof(b), "%06ld", (i * 7) % 1000000);
    snprintf(c, sizeof(c), "%06ld", (i * 13) % 1000000);
    return (size_t)sprintf(buf,
                           "*9\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$1\r\na\r\n$6\r\n%s\r\n"
                           "$1\r\nb\r\n$6\r\n%s\r\n$1\r\nc\r\n$6\r\n%s\r\n",
                           a, b, c);
}

static void fill(int fd, long entries)
{
    char *buf = malloc(64 * 128);
    long long used0 = info_field(fd, "used_memory"), rss0 = info_field(fd, "used_memory_rss");
    for (long i = 0; i < entries; i += 64) {
        size_t n = 0;
        long k = entries - i < 64 ? entries - i : 64;
        for (long j = 0; j < k; j++)
            n += format_xadd(buf + n, i + j);
        send_all(fd, buf, n);
        for (long j = 0; j < k; j++)
            skip_reply(fd);
    }
    free(buf);
    long long used1 = info_field(fd, "used_memory"), rss1 = info_field(fd, "used_memory_rss");
    printf("fill: %ld entries, used_memory %.1f B/entry, rss %.1f B/entry\n", entries,
           (double)(used1 - used0) / (double)entries, (double)(rss1 - rss0) / (double)entries);
}

static void group(int fd, long rounds, int pid)
{
    static const char create[] =
        "*5\r\n$6\r\nXGROUP\r\n$6\r\nCREATE\r\n$1\r\ns\r\n$1\r\ng\r\n$1\r\n0\r\n";
    static const char read_cmd[] = "*9\r\n$10\r\nXREADGROUP\r\n$5\r\nGROUP\r\n$1\r\ng\r\n$1\r\nc\r\n"
                                   "$5\r\nCOUNT\r\n$1\r\n1\r\n$7\r\nSTREAMS\r\n$1\r\ns\r\n$1\r\n>\r\n";
    send_all(fd, create, sizeof(create) - 1);
    skip_reply(fd);
    double t0 = now_s(), c0 = pid ? cpu_of(pid) : 0;
    for (long i = 0; i < rounds; i++) {
        send_all(fd, read_cmd, sizeof(read_cmd) - 1);
        /* [[s, [[id, [a, x, b, y, c, z]]]]]: the ID is the 3rd bulk */
        char line[64];
        read_line(fd, line, sizeof(line)); /* *1 */
        read_line(fd, line, sizeof(line)); /* *2 */
        skip_reply(fd);                    /* s */
        read_line(fd, line, sizeof(line)); /* *1 */
        read_line(fd, line, sizeof(line)); /* *2 */
        skip_reply(fd);                    /* the ID */
        char id[sizeof(last)], ack[sizeof(last) + 64];
        snprintf(id, sizeof(id), "%s", last);
        skip_reply(fd); /* the fields */
        int n = snprintf(ack, sizeof(ack), "*4\r\n$4\r\nXACK\r\n$1\r\ns\r\n$1\r\ng\r\n$%zu\r\n%s\r\n",
                         strlen(id), id);
        send_all(fd, ack, (size_t)n);
        skip_reply(fd);
    }
    double wall = now_s() - t0, cpu = pid ? cpu_of(pid) - c0 : 0;
    printf("group: %ld read+ack pairs, %.1f us each, server cpu %.1f us each\n", rounds,
           wall * 1e6 / (double)rounds, cpu * 1e6 / (double)rounds);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_stream PORT [--entries N] [--rounds R] [--pid PID]\n");
        return 2;
    }
    int port = atoi(argv[1]), pid = 0;
    long entries = 1000000, rounds = 100000;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--entries") == 0)
            entries = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--pid") == 0)
            pid = atoi(argv[i + 1]);
    }
    int fd = connect_to(port);
    fill(fd, entries);
    group(fd, rounds < entries ? rounds : entries, pid);
    close(fd);
    return 0;
}
