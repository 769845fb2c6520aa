/* mem.c: checked allocation and the growable byte buffer. Out of memory aborts (STYLE.md):
   every size that comes from outside is checked against a limit before it reaches here. */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "envgov: out of memory allocating %zu bytes\n", n);
    abort();
}

void *eg_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *eg_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *eg_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *eg_strdup(const char *s)
{
    return eg_strndup(s, strlen(s));
}

char *eg_strndup(const char *s, size_t n)
{
    char *p = eg_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void eg_buf_reserve(struct eg_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = eg_realloc(b->data, cap);
    b->cap = cap;
}

void eg_buf_append(struct eg_buf *b, const void *p, size_t n)
{
    eg_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void eg_buf_puts(struct eg_buf *b, const char *s)
{
    eg_buf_append(b, s, strlen(s));
}

void eg_buf_vprintf(struct eg_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    eg_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void eg_buf_printf(struct eg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    eg_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void eg_buf_json_str(struct eg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    eg_buf_reserve(b, n + 2);
    eg_buf_append(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            eg_buf_append(b, e, 2);
        } else if (c == '\n') {
            eg_buf_append(b, "\\n", 2);
        } else if (c == '\r') {
            eg_buf_append(b, "\\r", 2);
        } else if (c == '\t') {
            eg_buf_append(b, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            eg_buf_append(b, e, 6);
        } else if (c >= 0x80) {
            /* Pass valid UTF-8 through; replace invalid bytes with U+FFFD so output stays JSON. */
            size_t len = (c >= 0xf0 && c < 0xf5)   ? 4
                         : (c >= 0xe0)             ? 3
                         : (c >= 0xc2 && c < 0xe0) ? 2
                                                   : 0;
            if (c >= 0xf5)
                len = 0;
            int ok = len && i + len <= n;
            for (size_t k = 1; ok && k < len; k++)
                ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
            if (ok) {
                eg_buf_append(b, s + i, len);
                i += len - 1;
            } else {
                eg_buf_append(b, "\xef\xbf\xbd", 3);
            }
        } else {
            eg_buf_append(b, &s[i], 1);
        }
    }
    eg_buf_append(b, "\"", 1);
}

void eg_buf_free(struct eg_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
