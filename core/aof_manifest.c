/*
 * aof_manifest.c - parsing and writing Redis 7.0's AOF manifest; see
 * aof_manifest.h.
 *
 * Design: the manifest is tiny (a handful of lines), so it is kept as
 * three plain arrays (base, history, incr) and rebuilt as a whole string
 * each time it is written; the caller writes it to a temporary file,
 * fsyncs and renames it (Redis's writeAofManifestFile). A rewrite works on
 * a copy and swaps it in only once the new manifest is on disk, so a
 * failure leaves the live one untouched (Redis's aofManifestDup).
 *
 * Line syntax is Redis's sdssplitargs: words separated by blanks, a word
 * may be "double quoted" (with \n \r \t \b \a \\ \" and \xHH escapes) or
 * 'single quoted' (only \' escaped). A name that needs quoting is written
 * quoted, as sdscatrepr does.
 */
#include "aof_manifest.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "repr.h"

void aof_manifest_init(struct aof_manifest *m)
{
    memset(m, 0, sizeof(*m));
}

static void info_free(struct aof_file_info *fi)
{
    if (fi)
        free(fi->name);
}

void aof_manifest_deinit(struct aof_manifest *m)
{
    if (m->base) {
        info_free(m->base);
        free(m->base);
    }
    for (size_t i = 0; i < m->nhistory; i++)
        info_free(&m->history[i]);
    for (size_t i = 0; i < m->nincr; i++)
        info_free(&m->incr[i]);
    free(m->history);
    free(m->incr);
    aof_manifest_init(m);
}

/* Append a copy of fi to the array *v of *n (at the front when `front`). */
static int push(struct aof_file_info **v, size_t *n, const struct aof_file_info *fi, bool front)
{
    struct aof_file_info *nv = realloc(*v, (*n + 1) * sizeof(*nv));
    char *name = strdup(fi->name);

    if (nv)
        *v = nv;
    if (!nv || !name) {
        free(name);
        return -ENOMEM;
    }
    if (front)
        memmove(nv + 1, nv, *n * sizeof(*nv));
    nv[front ? 0 : *n] = (struct aof_file_info){name, fi->seq, fi->type};
    (*n)++;
    return 0;
}

static int set_base(struct aof_manifest *m, const struct aof_file_info *fi)
{
    struct aof_file_info *b = malloc(sizeof(*b));
    char *name = strdup(fi->name);

    if (!b || !name) {
        free(b);
        free(name);
        return -ENOMEM;
    }
    *b = (struct aof_file_info){name, fi->seq, AOF_FILE_BASE};
    m->base = b;
    return 0;
}

int aof_manifest_copy(struct aof_manifest *out, const struct aof_manifest *m)
{
    int rc = 0;

    aof_manifest_init(out);
    out->base_seq = m->base_seq;
    out->incr_seq = m->incr_seq;
    if (m->base)
        rc = set_base(out, m->base);
    for (size_t i = 0; rc == 0 && i < m->nhistory; i++)
        rc = push(&out->history, &out->nhistory, &m->history[i], false);
    for (size_t i = 0; rc == 0 && i < m->nincr; i++)
        rc = push(&out->incr, &out->nincr, &m->incr[i], false);
    if (rc < 0)
        aof_manifest_deinit(out);
    return rc;
}

/* ---- parsing ------------------------------------------------------------------ */

static int hex_val(int c)
{
    return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* One "double quoted" word from *p (at the quote); false if unbalanced or
 * not followed by a blank. */
static bool word_dq(const char **p, char *out, size_t *n, size_t cap)
{
    const char *s = *p + 1;

    for (; *s && *s != '"'; s++) {
        char c = *s;
        if (c == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
            isxdigit((unsigned char)s[3])) {
            c = (char)(hex_val((unsigned char)s[2]) * 16 + hex_val((unsigned char)s[3]));
            s += 3;
        } else if (c == '\\' && s[1]) {
            static const char from[] = "nrtba", to[] = "\n\r\t\b\a";
            const char *f = strchr(from, s[1]);
            c = f ? to[f - from] : s[1];
            s++;
        }
        if (*n + 1 < cap)
            out[(*n)++] = c;
    }
    if (*s != '"' || (s[1] && !isspace((unsigned char)s[1])))
        return false;
    *p = s + 1;
    return true;
}

static bool word_sq(const char **p, char *out, size_t *n, size_t cap)
{
    const char *s = *p + 1;

    for (; *s && *s != '\''; s++) {
        if (*s == '\\' && s[1] == '\'')
            s++;
        if (*n + 1 < cap)
            out[(*n)++] = *s;
    }
    if (*s != '\'' || (s[1] && !isspace((unsigned char)s[1])))
        return false;
    *p = s + 1;
    return true;
}

/* Split a line as sdssplitargs: words into words[] (each of cap bytes).
 * Returns the count, or -1 on unbalanced quotes or too many words. */
static int split_words(const char *line, char (*words)[AOF_MANIFEST_MAX_LINE + 1], int max)
{
    const char *p = line;
    int argc = 0;

    for (;;) {
        size_t n = 0;
        bool ok = true;
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            return argc;
        if (argc == max)
            return -1;
        if (*p == '"')
            ok = word_dq(&p, words[argc], &n, AOF_MANIFEST_MAX_LINE + 1);
        else if (*p == '\'')
            ok = word_sq(&p, words[argc], &n, AOF_MANIFEST_MAX_LINE + 1);
        else
            while (*p && !isspace((unsigned char)*p))
                words[argc][n++] = *p++;
        if (!ok)
            return -1;
        words[argc++][n] = '\0';
    }
}

#define MANIFEST_MAX_WORDS 16

static int fail(struct aof_manifest *m, char *err, size_t cap, int line, const char *text,
                const char *why)
{
    if (line > 0)
        snprintf(err, cap, "%s (line %d: '%s')", why, line, text);
    else
        snprintf(err, cap, "%s", why);
    aof_manifest_deinit(m);
    return -1;
}

/* One line's words into *fi (name borrowed from words); NULL or the error. */
static const char *line_info(char (*words)[AOF_MANIFEST_MAX_LINE + 1], int argc,
                             struct aof_file_info *fi)
{
    *fi = (struct aof_file_info){0};
    if (argc < 6 || argc % 2)
        return "Invalid AOF manifest file format";
    for (int i = 0; i < argc; i += 2) {
        if (strcasecmp(words[i], "file") == 0) {
            fi->name = words[i + 1];
            if (strchr(fi->name, '/'))
                return "File can't be a path, just a filename";
        } else if (strcasecmp(words[i], "seq") == 0) {
            fi->seq = atoll(words[i + 1]);
        } else if (strcasecmp(words[i], "type") == 0) {
            fi->type = (enum aof_file_type)words[i + 1][0];
        }
    }
    if (!fi->name || !fi->seq || !fi->type)
        return "Invalid AOF manifest file format";
    return NULL;
}

/* Add a parsed line to m; NULL or the error. */
static const char *add_info(struct aof_manifest *m, const struct aof_file_info *fi)
{
    switch (fi->type) {
    case AOF_FILE_BASE:
        if (m->base)
            return "Found duplicate base file information";
        m->base_seq = fi->seq;
        return set_base(m, fi) < 0 ? "Out of memory" : NULL;
    case AOF_FILE_HISTORY:
        return push(&m->history, &m->nhistory, fi, false) < 0 ? "Out of memory" : NULL;
    case AOF_FILE_INCR:
        if (fi->seq <= m->incr_seq)
            return "Found a non-monotonic sequence number";
        m->incr_seq = fi->seq;
        return push(&m->incr, &m->nincr, fi, false) < 0 ? "Out of memory" : NULL;
    }
    return "Unknown AOF file type";
}

/* Redis trims " \t\r\n" around the line. */
static void trim(char *s)
{
    size_t a = strspn(s, " \t\r\n"), n = strlen(s);

    while (n > a && strchr(" \t\r\n", s[n - 1]))
        n--;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

int aof_manifest_parse(struct aof_manifest *m, const char *text, size_t len, char *err,
                       size_t errcap)
{
    char line[AOF_MANIFEST_MAX_LINE + 1];
    size_t pos = 0;
    int lineno = 0, rc = 0;
    char(*words)[AOF_MANIFEST_MAX_LINE + 1] = malloc(MANIFEST_MAX_WORDS * sizeof(*words));

    aof_manifest_init(m);
    if (!words)
        return fail(m, err, errcap, 0, NULL, "Out of memory");
    if (len == 0)
        rc = fail(m, err, errcap, 0, NULL, "Found an empty AOF manifest");
    while (rc == 0 && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        struct aof_file_info fi;
        const char *why;
        int argc;

        lineno++;
        if (text[pos] == '#') {
            pos += n + 1;
            continue;
        }
        if (!nl || n >= AOF_MANIFEST_MAX_LINE) {
            rc = fail(m, err, errcap, lineno, "", "The AOF manifest file contains too long line");
            break;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos += n + 1;
        trim(line);
        argc = line[0] ? split_words(line, words, MANIFEST_MAX_WORDS) : -1;
        why = argc < 0 ? "Invalid AOF manifest file format" : line_info(words, argc, &fi);
        if (!why)
            why = add_info(m, &fi);
        if (why)
            rc = fail(m, err, errcap, lineno, line, why);
    }
    free(words);
    return rc;
}

/* ---- writing ------------------------------------------------------------------ */

/* sdsneedsrepr: a name with anything sdssplitargs would split or unescape. */
static bool needs_repr(const char *s)
{
    for (; *s; s++)
        if (*s == '\\' || *s == '"' || *s == '\n' || *s == '\r' || *s == '\t' || *s == '\a' ||
            *s == '\b' || !isprint((unsigned char)*s) || isspace((unsigned char)*s))
            return true;
    return false;
}

static size_t format_one(char *buf, size_t cap, const struct aof_file_info *fi)
{
    char name[REPR_MAX(AOF_MANIFEST_MAX_LINE) + 1];

    if (needs_repr(fi->name))
        name[repr_write(name, fi->name, strnlen(fi->name, AOF_MANIFEST_MAX_LINE))] = '\0';
    else
        snprintf(name, sizeof(name), "%s", fi->name);
    return (size_t)snprintf(buf, cap, "file %s seq %lld type %c\n", name, fi->seq,
                            (char)fi->type);
}

char *aof_manifest_format(const struct aof_manifest *m)
{
    size_t n = (m->base ? 1 : 0) + m->nhistory + m->nincr;
    size_t cap = (n + 1) * (4 * AOF_MANIFEST_MAX_LINE + 64), len = 0;
    char *buf = malloc(cap);

    if (!buf)
        return NULL;
    buf[0] = '\0';
    if (m->base)
        len += format_one(buf + len, cap - len, m->base);
    for (size_t i = 0; i < m->nhistory; i++)
        len += format_one(buf + len, cap - len, &m->history[i]);
    for (size_t i = 0; i < m->nincr; i++)
        len += format_one(buf + len, cap - len, &m->incr[i]);
    return buf;
}

/* ---- new files ------------------------------------------------------------------- */

int aof_manifest_new_base(struct aof_manifest *m, const char *prefix, bool rdb,
                          const char **name)
{
    char buf[AOF_MANIFEST_MAX_LINE];
    struct aof_file_info fi = {buf, m->base_seq + 1, AOF_FILE_BASE};

    snprintf(buf, sizeof(buf), "%s.%lld.base.%s", prefix, fi.seq, rdb ? "rdb" : "aof");
    if (m->base) {
        struct aof_file_info old = *m->base;
        old.type = AOF_FILE_HISTORY;
        if (push(&m->history, &m->nhistory, &old, true) < 0)
            return -ENOMEM;
        info_free(m->base);
        free(m->base);
        m->base = NULL;
    }
    if (set_base(m, &fi) < 0)
        return -ENOMEM;
    m->base_seq = fi.seq;
    *name = m->base->name;
    return 0;
}

int aof_manifest_new_incr(struct aof_manifest *m, const char *prefix, const char **name)
{
    char buf[AOF_MANIFEST_MAX_LINE];
    struct aof_file_info fi = {buf, m->incr_seq + 1, AOF_FILE_INCR};

    snprintf(buf, sizeof(buf), "%s.%lld.incr.aof", prefix, fi.seq);
    if (push(&m->incr, &m->nincr, &fi, false) < 0)
        return -ENOMEM;
    m->incr_seq = fi.seq;
    *name = m->incr[m->nincr - 1].name;
    return 0;
}

int aof_manifest_incr_to_history(struct aof_manifest *m, size_t keep)
{
    if (m->nincr <= keep)
        return 0;
    size_t moved = m->nincr - keep;
    for (size_t i = moved; i-- > 0;) { /* newest first, each to the front, as Redis */
        struct aof_file_info fi = m->incr[i];
        fi.type = AOF_FILE_HISTORY;
        if (push(&m->history, &m->nhistory, &fi, true) < 0)
            return -ENOMEM;
    }
    for (size_t i = 0; i < moved; i++)
        info_free(&m->incr[i]);
    memmove(m->incr, m->incr + moved, keep * sizeof(*m->incr));
    m->nincr = keep;
    return 0;
}

void aof_manifest_clear_history(struct aof_manifest *m)
{
    for (size_t i = 0; i < m->nhistory; i++)
        info_free(&m->history[i]);
    free(m->history);
    m->history = NULL;
    m->nhistory = 0;
}
