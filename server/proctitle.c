/*
 * proctitle.c - see proctitle.h.
 */
#include "proctitle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

extern char **environ;

static char *area;      /* argv[0]'s first byte: where the title goes */
static size_t area_len; /* the run of argv and environ strings from there */
static char program[256]; /* {title}: argv[0] as the server was started */

/* The end of the run of strings starting at `start`, through `strs`. */
static char *run_end(char *end, char **strs, int n)
{
    for (int i = 0; (n < 0 ? strs[i] != NULL : i < n); i++)
        if (strs[i] == end)
            end = strs[i] + strlen(strs[i]) + 1;
    return end;
}

void proctitle_init(int argc, char **argv)
{
    if (argc < 1 || argv[0] == NULL)
        return;
    snprintf(program, sizeof(program), "%s", argv[0]);
    char *end = run_end(argv[0] + strlen(argv[0]) + 1, argv + 1, argc - 1);
    char *args_end = end;
    end = run_end(end, environ, -1);
    if (end != args_end) { /* environ follows argv: move it away first */
        size_t n = 0;
        while (environ[n] != NULL)
            n++;
        char **copy = calloc(n + 1, sizeof(*copy));
        for (size_t i = 0; copy != NULL && i < n; i++)
            if ((copy[i] = strdup(environ[i])) == NULL)
                copy = NULL; /* the few strings copied stay: the process keeps them anyway */
        if (copy == NULL) {
            end = args_end; /* keep environ where it is, use argv's room only */
        } else {
            environ = copy;
        }
    }
    area = argv[0];
    area_len = (size_t)(end - argv[0]);
    for (int i = 1; i < argc; i++)
        argv[i] = NULL; /* nothing may read them once they are overwritten */
}

/* Append `s` to out[*used..cap). */
static void append(char *out, size_t cap, size_t *used, const char *s)
{
    int n = snprintf(out + *used, cap - *used, "%s", s);
    if (n > 0)
        *used = *used + (size_t)n < cap ? *used + (size_t)n : cap - 1;
}

static const char *const variables[] = {"title",      "listen-addr", "server-mode", "port",
                                        "tls-port",   "unixsocket",  "config-file", NULL};

/* The index of the {variable} named by name[0..len) in `variables`, or -1. */
static int variable(const char *name, size_t len)
{
    for (int i = 0; variables[i] != NULL; i++)
        if (strlen(variables[i]) == len && memcmp(variables[i], name, len) == 0)
            return i;
    return -1;
}

/* Variable `v`'s value into out. */
static void expand(const struct config *cfg, int v, char *out, size_t cap)
{
    char first_bind[256] = "*";
    if (cfg->bind != NULL && cfg->bind[0] != '\0')
        sscanf(cfg->bind, "%255s", first_bind);
    long long port = cfg->port ? cfg->port : cfg->tls_port;
    switch (v) {
    case 0:
        snprintf(out, cap, "%s", program);
        break;
    case 1: /* an optional address ("-::1") is shown without its mark */
        if (port == 0)
            snprintf(out, cap, "unixsocket:%s", cfg->unixsocket ? cfg->unixsocket : "");
        else
            snprintf(out, cap, "%s:%lld", first_bind + (first_bind[0] == '-'), port);
        break;
    case 3:
        snprintf(out, cap, "%lld", (long long)cfg->port);
        break;
    case 4:
        snprintf(out, cap, "%lld", (long long)cfg->tls_port);
        break;
    case 5:
        snprintf(out, cap, "%s", cfg->unixsocket ? cfg->unixsocket : "");
        break;
    case 6:
        snprintf(out, cap, "%s", server.config_file ? server.config_file : "");
        break;
    default: /* server-mode: standalone (neither [cluster] nor [sentinel]) */
        out[0] = '\0';
    }
}

/* The template expanded into out (cfg NULL: only checked); false when it
 * is not valid. */
static bool render(const struct config *cfg, const char *template, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = template; *p != '\0';) {
        if (*p == '}')
            return false;
        if (*p != '{') {
            char one[2] = {*p++, '\0'};
            append(out, cap, &used, one);
            continue;
        }
        const char *close = strchr(p + 1, '}');
        const char *open = strchr(p + 1, '{');
        if (close == NULL || (open != NULL && open < close))
            return false;
        int v = variable(p + 1, (size_t)(close - p - 1));
        if (v < 0)
            return false;
        char value[512] = "";
        if (cfg != NULL)
            expand(cfg, v, value, sizeof(value));
        append(out, cap, &used, value);
        p = close + 1;
    }
    return true;
}

bool proctitle_template_valid(const char *template)
{
    char out[1024];
    return render(NULL, template, out, sizeof(out));
}

void proctitle_update(const struct config *cfg)
{
    char title[1024];
    if (area == NULL || !cfg->set_proc_title ||
        !render(cfg, cfg->proc_title_template, title, sizeof(title)))
        return;
    size_t start = strspn(title, " "), len = strlen(title);
    while (len > start && title[len - 1] == ' ')
        len--; /* as Redis trims: "{title} {listen-addr} {server-mode}" ends in a space */
    len -= start;
    if (len >= area_len)
        len = area_len - 1;
    memset(area, 0, area_len);
    memcpy(area, title + start, len);
}
