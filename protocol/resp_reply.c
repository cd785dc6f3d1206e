/*
 * resp_reply.c - the reply reader of resp_reply.h: a type byte, a line up
 * to CRLF, and for bulk-like types a body of the announced length.
 */
#include "resp_reply.h"

#include <string.h>

#include "resp.h"

void resp_reply_reader_init(struct resp_reply_reader *r, const char *data, size_t len)
{
    r->p = data;
    r->end = data + len;
}

/* The line after the type byte, up to CR; advances past its CRLF. */
static bool read_line(struct resp_reply_reader *r, const char **line, size_t *len)
{
    const char *start = r->p + 1;
    const char *cr = start < r->end ? memchr(start, '\r', (size_t)(r->end - start)) : NULL;
    if (cr == NULL || r->end - cr < 2 || cr[1] != '\n')
        return false;
    *line = start;
    *len = (size_t)(cr - start);
    r->p = cr + 2;
    return true;
}

/* A body of it->n bytes and its CRLF, after a length line. */
static bool read_body(struct resp_reply_reader *r, struct resp_reply_item *it)
{
    if (it->n < 0 || r->end - r->p < it->n + 2)
        return false;
    it->text = r->p;
    it->len = (size_t)it->n;
    r->p += it->n + 2;
    return true;
}

static bool typed(char byte, enum resp_reply_type *type)
{
    static const struct {
        char byte;
        enum resp_reply_type type;
    } types[] = {
        {'+', RESP_REPLY_STATUS}, {'-', RESP_REPLY_ERROR},   {':', RESP_REPLY_INTEGER},
        {'$', RESP_REPLY_BULK},   {'_', RESP_REPLY_NULL},    {'*', RESP_REPLY_ARRAY},
        {'%', RESP_REPLY_MAP},    {'~', RESP_REPLY_SET},     {'>', RESP_REPLY_PUSH},
        {'|', RESP_REPLY_ATTRIBUTE}, {',', RESP_REPLY_DOUBLE}, {'#', RESP_REPLY_BOOL},
        {'(', RESP_REPLY_BIGNUM}, {'=', RESP_REPLY_VERBATIM},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (types[i].byte == byte) {
            *type = types[i].type;
            return true;
        }
    }
    return false;
}

bool resp_reply_next(struct resp_reply_reader *r, struct resp_reply_item *it)
{
    const char *line;
    size_t len;
    if (r->p >= r->end || !typed(r->p[0], &it->type))
        return false;
    char byte = r->p[0];
    if (!read_line(r, &line, &len))
        return false;
    it->text = line;
    it->len = len;
    it->n = 0;
    it->legacy = 0;
    switch (it->type) {
    case RESP_REPLY_STATUS:
    case RESP_REPLY_ERROR:
    case RESP_REPLY_DOUBLE:
    case RESP_REPLY_BIGNUM:
    case RESP_REPLY_NULL:
        return true;
    case RESP_REPLY_BOOL:
        it->n = len == 1 && line[0] == 't';
        return len == 1 && (line[0] == 't' || line[0] == 'f');
    default:
        break;
    }
    if (!resp_str_to_ll(line, len, &it->n))
        return false;
    if (it->n == -1 && (byte == '$' || byte == '*')) {
        it->type = RESP_REPLY_NULL;
        it->legacy = byte;
        return true;
    }
    if (it->type == RESP_REPLY_BULK || it->type == RESP_REPLY_VERBATIM)
        return read_body(r, it);
    return it->type == RESP_REPLY_INTEGER || it->n >= 0;
}
