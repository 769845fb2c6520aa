/*
 * csv.c: the CSV reader and writer of base/csv.h. The reader keeps unquoted fields in one
 * growing buffer (a NUL after each) and grows its field index up to the caller's limit; the
 * encoding step converts a GB 18030 file once, up front, so the record loop sees UTF-8 only.
 */
#include "base/csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#define DEF_MAX_BYTES ((size_t)512 << 20)
#define DEF_MAX_FIELDS 4096
#define DEF_MAX_FIELD 65536

int eg_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        int len;
        unsigned min;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            c &= 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            c &= 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            c &= 0x07;
            min = 0x10000;
        } else {
            return 0;
        }
        if (e - p < len)
            return 0;
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (p[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        p += len;
    }
    return 1;
}

/* ---- encoding ---- */

/* Converts GB 18030 to UTF-8 into a new buffer *out. */
static int gb_to_utf8(const char *in, size_t n, char **out, size_t *outlen, struct eg_err *err)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return eg_err_set(err, EG_EIO, "encoding", -1, "iconv cannot convert GB18030 here");
    size_t cap = n * 3 / 2 + 16;
    char *buf = eg_malloc(cap);
    char *ip = (char *)in, *op = buf;
    size_t il = n, ol = cap;
    while (il > 0) {
        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
            continue;
        if (errno == E2BIG) {
            size_t used = (size_t)(op - buf);
            cap *= 2;
            buf = eg_realloc(buf, cap);
            op = buf + used;
            ol = cap - used;
            continue;
        }
        /* the line of the bad byte, for the person fixing the file */
        long line = 1;
        for (const char *p = in; p < ip; p++)
            line += *p == '\n';
        iconv_close(cd);
        free(buf);
        return eg_err_set(err, EG_EINVAL, "encoding", line,
                          "line %ld: the file is neither UTF-8 nor GBK/GB 18030", line);
    }
    iconv_close(cd);
    *out = buf;
    *outlen = (size_t)(op - buf);
    return 0;
}

int eg_csv_open(struct eg_csv *c, const char *data, size_t len, const struct eg_csv_limits *lim,
                struct eg_err *err)
{
    memset(c, 0, sizeof *c);
    if (lim)
        c->lim = *lim;
    if (!c->lim.max_bytes)
        c->lim.max_bytes = DEF_MAX_BYTES;
    if (c->lim.max_fields <= 0)
        c->lim.max_fields = DEF_MAX_FIELDS;
    if (!c->lim.max_field)
        c->lim.max_field = DEF_MAX_FIELD;
    if (len > c->lim.max_bytes)
        return eg_err_set(err, EG_ETOOBIG, "too_large", -1, "the file is over %zu bytes",
                          c->lim.max_bytes);
    c->encoding = "utf-8";
    const char *text = data ? data : "";
    size_t n = data ? len : 0;
    if (n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        text += 3;
        n -= 3;
        c->encoding = "utf-8-bom";
        if (!eg_utf8_valid(text, n))
            return eg_err_set(err, EG_EINVAL, "encoding", -1,
                              "the file starts with a UTF-8 BOM but is not valid UTF-8");
    } else if (!eg_utf8_valid(text, n)) {
        int r = gb_to_utf8(text, n, &c->owned, &n, err);
        if (r < 0)
            return r;
        text = c->owned;
        c->encoding = "gb18030";
    }
    c->text = c->p = text;
    c->end = text + n;
    c->line = 1;
    return 0;
}

/* ---- records ---- */

static int is_eol(char ch)
{
    return ch == '\n' || ch == '\r';
}

/* Ends the field that started at cells offset `start`: checks its size, records it. */
static int end_field(struct eg_csv *c, size_t start, struct eg_err *err)
{
    size_t n = c->cells.len - start;
    if (n > c->lim.max_field)
        return eg_err_set(err, EG_EINVAL, "cell", c->rec_line, "line %ld: a cell is over %zu bytes",
                          c->rec_line, c->lim.max_field);
    if (c->nfields == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->off = eg_realloc(c->off, (size_t)c->cap * sizeof *c->off);
        c->len = eg_realloc(c->len, (size_t)c->cap * sizeof *c->len);
    }
    c->off[c->nfields] = start;
    c->len[c->nfields] = n;
    c->nfields++;
    eg_buf_append(&c->cells, "", 1);
    return 0;
}

/* A quoted field, c->p just after the opening quote. */
static int read_quoted(struct eg_csv *c, struct eg_err *err)
{
    for (;;) {
        const char *q = memchr(c->p, '"', (size_t)(c->end - c->p));
        if (!q)
            return eg_err_set(err, EG_EINVAL, "quote", c->rec_line,
                              "line %ld: a quoted field is not closed", c->rec_line);
        for (const char *s = c->p; s < q; s++)
            c->line += *s == '\n';
        eg_buf_append(&c->cells, c->p, (size_t)(q - c->p));
        c->p = q + 1;
        if (c->p < c->end && *c->p == '"') { /* "" is one quote */
            eg_buf_append(&c->cells, "\"", 1);
            c->p++;
            continue;
        }
        break;
    }
    /* text after the closing quote up to the separator is kept, as Excel does */
    const char *s = c->p;
    while (c->p < c->end && *c->p != ',' && !is_eol(*c->p))
        c->p++;
    eg_buf_append(&c->cells, s, (size_t)(c->p - s));
    return 0;
}

static int read_record(struct eg_csv *c, struct eg_err *err)
{
    for (;;) {
        if (c->nfields >= c->lim.max_fields)
            return eg_err_set(err, EG_EINVAL, "columns", c->rec_line,
                              "line %ld: more than %d columns", c->rec_line, c->lim.max_fields);
        size_t start = c->cells.len;
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            int r = read_quoted(c, err);
            if (r < 0)
                return r;
        } else {
            const char *s = c->p;
            while (c->p < c->end && *c->p != ',' && !is_eol(*c->p))
                c->p++;
            eg_buf_append(&c->cells, s, (size_t)(c->p - s));
        }
        int r = end_field(c, start, err);
        if (r < 0)
            return r;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == '\r')
            c->p++;
        if (c->p < c->end && *c->p == '\n') {
            c->p++;
            c->line++;
        }
        return 1;
    }
}

int eg_csv_next(struct eg_csv *c, struct eg_err *err)
{
    while (c->p < c->end && is_eol(*c->p)) { /* blank lines */
        if (*c->p == '\n')
            c->line++;
        c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->rec_line = c->line;
    c->nfields = 0;
    c->cells.len = 0;
    const char *rec = c->p;
    int r = read_record(c, err);
    if (r < 0) { /* resume at the line after the record's first line */
        const char *nl = memchr(rec, '\n', (size_t)(c->end - rec));
        c->p = nl ? nl + 1 : c->end;
        c->line = c->rec_line + 1;
        c->nfields = 0;
    }
    return r;
}

const char *eg_csv_field(const struct eg_csv *c, int i, size_t *n)
{
    *n = c->len[i];
    return c->cells.data + c->off[i];
}

size_t eg_csv_offset(const struct eg_csv *c)
{
    return (size_t)(c->p - c->text);
}

size_t eg_csv_size(const struct eg_csv *c)
{
    return (size_t)(c->end - c->text);
}

void eg_csv_close(struct eg_csv *c)
{
    free(c->owned);
    free(c->off);
    free(c->len);
    eg_buf_free(&c->cells);
    memset(c, 0, sizeof *c);
}

/* ---- writer ---- */

void eg_csv_put(struct eg_buf *out, const char *s, size_t n, unsigned flags)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        eg_buf_append(out, "\"", 1);
    /* OWASP "CSV injection": = + - @ start a formula; TAB and CR are on the list as well */
    if ((flags & EG_CSV_NEUTRALISE) && n &&
        (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
        eg_buf_append(out, "'", 1);
    if (!quote) {
        eg_buf_append(out, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            eg_buf_append(out, "\"", 1);
        eg_buf_append(out, s + i, 1);
    }
    eg_buf_append(out, "\"", 1);
}
