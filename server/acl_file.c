/*
 * acl_file.c - the `user` directives and the ACL file; see acl_file.h.
 *
 * A directive is kept (its words copied) when the config file is read,
 * before the command table exists, and its user made by
 * acl_file_startup with acl_setuser (the "default" user is reset first,
 * as in Redis); a bad rule stops the start-up there, with Redis's text.
 *
 * The ACL file is read whole and split as Redis's ACLLoadFromFile does:
 * lines at '\n', trimmed of blanks; words at single spaces (an empty word
 * is a rule that changes nothing); selectors merged across words. Every
 * line becomes a definition (struct acl_user_def); only when all are good
 * does acl__replace_users swap them in, under acl.c's lock.
 */
#include "acl_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "acl_rules.h"
#include "bytes.h"
#include "fsutil.h"
#include "resp.h"

/* ---- `user` directives ------------------------------------------------------------ */

struct directive {
    char **words; /* the name, then the rules; copies */
    int n;
};

static struct directive *directives;
static size_t ndirectives;

static void directive_free(struct directive *d)
{
    for (int i = 0; i < d->n; i++)
        free(d->words[i]);
    free(d->words);
}

void acl_file_reset(void)
{
    for (size_t i = 0; i < ndirectives; i++)
        directive_free(&directives[i]);
    free(directives);
    directives = NULL;
    ndirectives = 0;
}

static struct resp_arg *args_of(char **words, int n)
{
    struct resp_arg *args = calloc((size_t)n + 1, sizeof(*args));
    for (int i = 0; args != NULL && i < n; i++)
        args[i] = (struct resp_arg){words[i], strlen(words[i])};
    return args;
}

/* What Redis's ACLAppendUserForLoading checks before commands are known
 * (the config file is read before the command table is built): that
 * every selector closes. The rules are applied at start-up. */
static int check_directive(char **words, int n, char *err, size_t cap)
{
    size_t nmerged, unclosed = SIZE_MAX;
    struct resp_arg *args = args_of(words + 1, n - 1);
    struct resp_arg *ops = args ? acl_merge_selectors(args, (size_t)n - 1, &nmerged, &unclosed)
                                : NULL;
    if (unclosed != SIZE_MAX)
        snprintf(err, cap, "Unmatched parenthesis in acl selector starting at '%s'.",
                 words[1 + unclosed]);
    else if (ops == NULL)
        snprintf(err, cap, "out of memory");
    free(ops);
    free(args);
    return ops == NULL ? -1 : 0;
}

int acl_file_config_user(char **words, int n, char *err, size_t cap)
{
    for (size_t i = 0; i < ndirectives; i++) {
        if (strcmp(directives[i].words[0], words[0]) == 0) {
            snprintf(err, cap, "Error in user declaration '%s': Duplicate user found. A user "
                               "can only be defined once in config files", words[0]);
            return -1;
        }
    }
    if (check_directive(words, n, err, cap) < 0)
        return -1;
    char **copies = calloc((size_t)n, sizeof(char *));
    struct directive d = {copies, copies ? n : 0};
    bool ok = copies != NULL;
    for (int i = 0; ok && i < n; i++)
        ok = (copies[i] = strdup(words[i])) != NULL;
    void *grown = ok ? realloc(directives, (ndirectives + 1) * sizeof(*directives)) : NULL;
    if (grown == NULL) {
        directive_free(&d);
        snprintf(err, cap, "out of memory");
        return -1;
    }
    directives = grown;
    directives[ndirectives++] = d;
    return 0;
}

/* Make one directive's user: "default" is reset first, as in Redis. */
static int make_directive_user(const struct directive *d, char *err, size_t cap)
{
    bool is_default = strcmp(d->words[0], "default") == 0;
    size_t nmerged, unclosed, bad = 0;
    struct resp_arg *args = args_of(d->words, d->n);
    struct resp_arg *ops =
        args ? acl_merge_selectors(args + 1, (size_t)d->n - 1, &nmerged, &unclosed) : NULL;
    int rc = ops == NULL ? ACL_ERR_NOMEM : 0;
    if (rc == 0 && is_default)
        rc = acl_setuser("default", 7, &(struct resp_arg){"reset", 5}, 1, &bad);
    if (rc == 0)
        rc = acl_setuser(d->words[0], strlen(d->words[0]), ops, nmerged, &bad);
    if (rc < 0)
        snprintf(err, cap, "Error loading ACL rule '%.*s' for the user named '%s': %s",
                 ops ? (int)ops[bad].len : 0, ops ? ops[bad].ptr : "", d->words[0],
                 acl_error_text(rc));
    free(ops);
    free(args);
    return rc < 0 ? -1 : 0;
}

int acl_file_startup(const char *path, char *err, size_t cap)
{
    int rc = 0;
    if (path[0] != '\0' && ndirectives > 0) {
        snprintf(err, cap, "Configuring Redis with users defined in redis.conf and at the same "
                           "setting an ACL file path is invalid. This setup is very likely to "
                           "lead to configuration errors and security holes, please define "
                           "either an ACL file or declare users directly in your redis.conf, "
                           "but not both.");
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < ndirectives; i++)
        rc = make_directive_user(&directives[i], err, cap);
    acl_file_reset();
    if (rc == 0 && path[0] != '\0') {
        struct acl_user **gone;
        size_t ngone;
        char *errors = NULL;
        rc = acl_file_load(path, &gone, &ngone, &errors);
        if (rc == 0) {
            for (size_t i = 0; i < ngone; i++)
                acl_user_release(gone[i]); /* no client yet */
            free(gone);
        } else {
            snprintf(err, cap, "Aborting Redis startup because of ACL errors: %s",
                     errors ? errors : "out of memory");
            free(errors);
        }
    }
    return rc;
}

/* ---- reading the ACL file --------------------------------------------------------- */

struct defs {
    struct acl_user_def *items;
    size_t n, cap;
    struct resp_out errors; /* Redis's texts, one after the other */
};

static void defs_free(struct defs *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].name);
        acl_rules_free(&d->items[i].rules);
    }
    free(d->items);
    resp_out_deinit(&d->errors);
}

static bool defined(const struct defs *d, const char *name, size_t len)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].namelen == len && memcmp(d->items[i].name, name, len) == 0)
            return true;
    return false;
}

static struct acl_user_def *def_add(struct defs *d, const char *name, size_t len)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        void *grown = realloc(d->items, cap * sizeof(*d->items));
        if (grown == NULL)
            return NULL;
        d->items = grown;
        d->cap = cap;
    }
    char *copy = bytes_dup_cstr(name, len);
    if (copy == NULL)
        return NULL;
    struct acl_user_def *def = &d->items[d->n++];
    def->name = copy;
    def->namelen = len;
    acl_rules_init_new(&def->rules);
    return def;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Split at single spaces, as Redis's sdssplitlen: "a  b" is "a", "", "b". */
static size_t split_spaces(char *line, size_t len, struct resp_arg *words, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len && n < max; i++) {
        if (i == len || line[i] == ' ') {
            words[n++] = (struct resp_arg){line + start, i - start};
            start = i + 1;
        }
    }
    return n;
}

static bool name_is_bad(const struct resp_arg *name)
{
    for (size_t i = 0; i < name->len; i++)
        if (is_blank(name->ptr[i]) || name->ptr[i] == '\0' || name->ptr[i] == '\v' ||
            name->ptr[i] == '\f')
            return true;
    return false;
}

/* Apply a line's rules to def. As Redis, an unknown command names its
 * rule (nothing secret there) and every one is reported; of the other
 * errors only the first, which may explain the next ones (and a password
 * is not repeated). */
static void apply_line(struct defs *d, struct acl_user_def *def, const struct resp_arg *ops,
                       size_t nops, const char *path, int lineno)
{
    bool reported = false;
    for (size_t i = 0; i < nops; i++) {
        const char *op = ops[i].ptr;
        size_t len = ops[i].len;
        while (len > 0 && is_blank(*op) && *op != ' ')
            op++, len--;
        while (len > 0 && is_blank(op[len - 1]) && op[len - 1] != ' ')
            len--;
        int rc = acl_rules_apply(&def->rules, op, len);
        if (rc == ACL_ERR_UNKNOWN_NAME) {
            resp_add_rawf(&d->errors, "%s:%d: Error in applying operation '%.*s': %s. ", path, lineno,
                      (int)len, op, acl_error_text(rc));
        } else if (rc < 0 && !reported) {
            resp_add_rawf(&d->errors, "%s:%d: %s. ", path, lineno, acl_error_text(rc));
            reported = true;
        }
    }
}

/* A line's words: "user", the name, its rules. */
static void read_words(struct defs *d, const struct resp_arg *words, size_t n, const char *path,
                       int lineno)
{
    if (n < 2 || words[0].len != 4 || memcmp(words[0].ptr, "user", 4) != 0) {
        resp_add_rawf(&d->errors, "%s:%d should start with user keyword followed by the username. ", path, lineno);
        return;
    }
    if (name_is_bad(&words[1])) {
        resp_add_rawf(&d->errors, "'%s:%d: username '%.*s' contains invalid characters. ", path, lineno,
                  (int)words[1].len, words[1].ptr);
        return;
    }
    if (defined(d, words[1].ptr, words[1].len)) {
        resp_add_rawf(&d->errors, "WARNING: Duplicate user '%.*s' found on line %d. ", (int)words[1].len,
                  words[1].ptr, lineno);
        return;
    }
    struct acl_user_def *def = def_add(d, words[1].ptr, words[1].len);
    size_t nops, unclosed = SIZE_MAX;
    struct resp_arg *ops = def ? acl_merge_selectors(words + 2, n - 2, &nops, &unclosed) : NULL;
    if (unclosed != SIZE_MAX)
        resp_add_rawf(&d->errors, "%s:%d: Unmatched parenthesis in selector definition.", path, lineno);
    else if (ops == NULL)
        resp_add_rawf(&d->errors, "%s:%d: out of memory. ", path, lineno);
    else
        apply_line(d, def, ops, nops, path, lineno);
    free(ops);
}

/* One line of the file, trimmed and not empty. */
static void read_line(struct defs *d, char *line, size_t len, const char *path, int lineno)
{
    size_t max = 1;
    for (size_t i = 0; i < len; i++)
        max += line[i] == ' ';
    struct resp_arg *words = malloc(max * sizeof(*words));
    if (words == NULL) {
        resp_add_rawf(&d->errors, "%s:%d: out of memory. ", path, lineno);
        return;
    }
    size_t n = split_spaces(line, len, words, max);
    read_words(d, words, n, path, lineno);
    free(words);
}

static char *read_whole(const char *path, size_t *len, int *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        *err = errno;
        return NULL;
    }
    size_t cap = 4096, used = 0;
    char *buf = malloc(cap);
    for (size_t got = 1; buf != NULL && got > 0;) {
        if (used == cap) {
            char *grown = realloc(buf, cap * 2);
            if (grown == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        got = fread(buf + used, 1, cap - used, f);
        used += got;
    }
    *err = buf == NULL ? ENOMEM : ferror(f) ? EIO : 0;
    fclose(f);
    if (*err != 0) {
        free(buf);
        return NULL;
    }
    *len = used;
    return buf;
}

static void read_lines(struct defs *d, char *text, size_t len, const char *path)
{
    int lineno = 0;
    for (size_t at = 0; at < len;) {
        char *line = text + at;
        char *nl = memchr(line, '\n', len - at);
        size_t end = nl ? (size_t)(nl - line) : len - at;
        at += end + 1;
        lineno++;
        while (end > 0 && is_blank(line[end - 1]))
            end--;
        while (end > 0 && is_blank(*line))
            line++, end--;
        if (end > 0)
            read_line(d, line, end, path, lineno);
    }
}

int acl_file_load(const char *path, struct acl_user ***gone, size_t *ngone, char **errors)
{
    struct defs d = {0};
    size_t len;
    int err;
    char *text = read_whole(path, &len, &err);
    resp_out_init(&d.errors, 2);
    if (text == NULL)
        resp_add_rawf(&d.errors, "Error loading ACLs, opening file '%s': %s", path, strerror(err));
    else
        read_lines(&d, text, len, path);
    free(text);
    int rc = 0;
    if (d.errors.len > 0 && text != NULL)
        resp_add_rawf(&d.errors, "WARNING: ACL errors detected, no change to the previously active ACL "
                      "rules was performed");
    if (d.errors.len == 0 && acl__replace_users(d.items, d.n, gone, ngone) < 0)
        resp_add_rawf(&d.errors, "out of memory");
    if (d.errors.len > 0) {
        *errors = malloc(d.errors.len + 1);
        if (*errors != NULL) {
            memcpy(*errors, d.errors.data, d.errors.len);
            (*errors)[d.errors.len] = '\0';
        }
        rc = -1;
    }
    defs_free(&d);
    return rc;
}

/* ---- ACL SAVE ----------------------------------------------------------------------- */

static int write_text(FILE *f, void *ud)
{
    const struct resp_out *text = ud;
    return text->len > 0 && fwrite(text->data, 1, text->len, f) != text->len ? -EIO : 0;
}

int acl_file_save(const char *path)
{
    struct resp_out text;
    resp_out_init(&text, 2);
    acl__describe_users(&text);
    int rc = fsutil_write_atomically(path, write_text, &text);
    resp_out_deinit(&text);
    return rc;
}

/* ---- CONFIG REWRITE ---------------------------------------------------------------- */

int acl_file_config_lines(char ***lines, size_t *n)
{
    struct resp_out text;
    resp_out_init(&text, 2);
    acl__describe_users(&text);
    size_t count = 0;
    for (size_t i = 0; i < text.len; i++)
        count += text.data[i] == '\n';
    char **list = calloc(count ? count : 1, sizeof(*list));
    size_t made = 0;
    for (size_t at = 0; list != NULL && made < count; made++) {
        const char *nl = memchr(text.data + at, '\n', text.len - at);
        size_t len = (size_t)(nl - (text.data + at));
        if ((list[made] = malloc(len + 1)) == NULL)
            break;
        memcpy(list[made], text.data + at, len);
        list[made][len] = '\0';
        at += len + 1;
    }
    resp_out_deinit(&text);
    if (list == NULL || made < count) {
        while (list != NULL && made > 0)
            free(list[--made]);
        free(list);
        return -ENOMEM;
    }
    *lines = list;
    *n = count;
    return 0;
}
