/*
 * csv.c: the CSV reader and writer of base/csv.h. The reader keeps unquoted fields in one
 * growing buffer (a NUL after each) and grows its field index up to the caller's limit; the
 * encoding step converts a GB 18030 file once, up front, so the record loop sees UTF-8 only.
 */
#include "base/csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* ---- the encoding decision ---- */

void eg_enc_scan_init(struct eg_enc_scan *s)
{
    memset(s, 0, sizeof *s);
    s->line = 1;
}

static void u_bad(struct eg_enc_scan *s)
{
    if (!s->u_bad) {
        s->u_line = s->seq_line;
        s->u_off = s->seq_off;
        s->u_byte = s->seq_byte;
    }
    s->u_bad++;
    s->run = 0;
    s->need = 0;
}

static void utf8_byte(struct eg_enc_scan *s, unsigned b)
{
    if (s->need) {
        if ((b & 0xC0) == 0x80) {
            s->cp = (s->cp << 6) | (b & 0x3F);
            if (--s->need)
                return;
            if (s->cp < s->min || s->cp > 0x10FFFF || (s->cp >= 0xD800 && s->cp <= 0xDFFF)) {
                u_bad(s);
            } else if (s->seqlen >= 3) {
                s->u_multi++;
                if (++s->run > s->max_run)
                    s->max_run = s->run;
            }
            return;
        }
        u_bad(s); /* cut: the byte starts something new */
    }
    if (b < 0x80)
        return;
    s->seq_off = s->off;
    s->seq_line = s->line;
    s->seq_byte = b;
    if ((b & 0xE0) == 0xC0) {
        s->seqlen = 2;
        s->cp = b & 0x1F;
        s->min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        s->seqlen = 3;
        s->cp = b & 0x0F;
        s->min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        s->seqlen = 4;
        s->cp = b & 0x07;
        s->min = 0x10000;
    } else {
        u_bad(s);
        return;
    }
    s->need = s->seqlen - 1;
}

static void gb_fail(struct eg_enc_scan *s)
{
    s->gb_bad = 1;
    s->gb_line = s->gb_seq_line;
    s->gb_off = s->gb_seq_off;
    s->gb_byte = s->gb_seq_byte;
}

static void gb_byte(struct eg_enc_scan *s, unsigned b)
{
    switch (s->gb_pos) {
    case 0:
        if (b < 0x80)
            return;
        s->gb_seq_off = s->off;
        s->gb_seq_line = s->line;
        s->gb_seq_byte = b;
        if (b == 0x80 || b == 0xFF)
            gb_fail(s);
        else
            s->gb_pos = 1;
        return;
    case 1:
        if ((b >= 0x40 && b <= 0x7E) || (b >= 0x80 && b <= 0xFE))
            s->gb_pos = 0;
        else if (b >= 0x30 && b <= 0x39)
            s->gb_pos = 2;
        else
            gb_fail(s);
        return;
    case 2:
        if (b >= 0x81 && b <= 0xFE)
            s->gb_pos = 3;
        else
            gb_fail(s);
        return;
    default:
        if (b >= 0x30 && b <= 0x39)
            s->gb_pos = 0;
        else
            gb_fail(s);
        return;
    }
}

void eg_enc_scan_feed(struct eg_enc_scan *s, const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++) {
        unsigned b = u[i];
        if (s->off < 3 && s->bom == (int)s->off && b == (unsigned char)"\xEF\xBB\xBF"[s->off])
            s->bom++;
        if (b < 0x80 && !s->need && !s->gb_pos) { /* ASCII outside any sequence: the fast path */
            s->line += b == '\n';
            s->off++;
            continue;
        }
        utf8_byte(s, b);
        if (!s->gb_bad)
            gb_byte(s, b);
        s->line += b == '\n';
        s->off++;
    }
}

int eg_enc_scan_end(struct eg_enc_scan *s, const char **encoding, struct eg_err *err)
{
    if (s->need)
        u_bad(s); /* cut at the end of the file */
    if (s->gb_pos && !s->gb_bad)
        gb_fail(s);
    if (!s->u_bad) {
        *encoding = s->bom == 3 ? "utf-8-bom" : "utf-8";
        return 0;
    }
    if (s->bom == 3)
        return eg_err_set(err, EG_EINVAL, "encoding", s->u_line,
                          "line %ld: byte 0x%02X (offset %llu) is not valid UTF-8, but the file "
                          "starts with a UTF-8 BOM; save it again as UTF-8",
                          s->u_line, s->u_byte, s->u_off);
    if (s->max_run >= 8 || s->u_multi * 4 >= s->u_bad)
        return eg_err_set(err, EG_EINVAL, "encoding", s->u_line,
                          "line %ld: byte 0x%02X (offset %llu) is not valid UTF-8, though the file "
                          "holds %llu UTF-8 characters: the file mixes UTF-8 and GBK, or a "
                          "character was cut; save it again as UTF-8",
                          s->u_line, s->u_byte, s->u_off, s->u_multi);
    if (s->gb_bad)
        return eg_err_set(err, EG_EINVAL, "encoding", s->gb_line,
                          "line %ld: byte 0x%02X (offset %llu) is neither UTF-8 nor GBK/GB 18030",
                          s->gb_line, s->gb_byte, s->gb_off);
    *encoding = "gb18030";
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
    const char *text = data ? data : "";
    size_t n = data ? len : 0;
    struct eg_enc_scan scan;
    eg_enc_scan_init(&scan);
    eg_enc_scan_feed(&scan, text, n);
    int r = eg_enc_scan_end(&scan, &c->encoding, err);
    if (r < 0)
        return r;
    if (scan.bom == 3) {
        text += 3;
        n -= 3;
    } else if (!strcmp(c->encoding, "gb18030")) {
        r = gb_to_utf8(text, n, &c->owned, &n, err);
        if (r < 0)
            return r;
        text = c->owned;
    }
    c->text = c->p = text;
    c->end = text + n;
    c->line = 1;
    return 0;
}

/* ---- streaming ---- */

#define RAW_CHUNK ((size_t)256 << 10)
#define WANT0 ((size_t)64 << 10)

static void set_limits(struct eg_csv *c, const struct eg_csv_limits *lim)
{
    if (lim)
        c->lim = *lim;
    if (!c->lim.max_bytes)
        c->lim.max_bytes = DEF_MAX_BYTES;
    if (c->lim.max_fields <= 0)
        c->lim.max_fields = DEF_MAX_FIELDS;
    if (!c->lim.max_field)
        c->lim.max_field = DEF_MAX_FIELD;
}

int eg_csv_open_file(struct eg_csv *c, const char *path, const struct eg_csv_limits *lim,
                     struct eg_err *err)
{
    memset(c, 0, sizeof *c);
    set_limits(c, lim);
    FILE *f = fopen(path, "rb");
    if (!f)
        return eg_err_set(err, EG_EIO, "read", -1, "cannot read %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && (size_t)sb.st_size > c->lim.max_bytes) {
        fclose(f);
        return eg_err_set(err, EG_ETOOBIG, "too_large", -1, "the file is over %zu bytes",
                          c->lim.max_bytes);
    }
    /* pass 1: the encoding, over the whole file */
    c->raw = eg_malloc(RAW_CHUNK + 8);
    struct eg_enc_scan scan;
    eg_enc_scan_init(&scan);
    size_t n, total = 0;
    while ((n = fread(c->raw, 1, RAW_CHUNK, f)) > 0) {
        eg_enc_scan_feed(&scan, c->raw, n);
        total += n;
    }
    int rc = ferror(f) ? eg_err_set(err, EG_EIO, "read", -1, "cannot read %s", path) : 0;
    if (rc == 0 && total > c->lim.max_bytes)
        rc = eg_err_set(err, EG_ETOOBIG, "too_large", -1, "the file is over %zu bytes",
                        c->lim.max_bytes);
    if (rc == 0)
        rc = eg_enc_scan_end(&scan, &c->encoding, err);
    if (rc == 0 && !strcmp(c->encoding, "gb18030")) {
        iconv_t cd = iconv_open("UTF-8", "GB18030");
        if (cd == (iconv_t)-1)
            rc = eg_err_set(err, EG_EIO, "encoding", -1, "iconv cannot convert GB18030 here");
        else
            c->cd = cd;
    }
    if (rc == 0 && fseek(f, 0, SEEK_SET) != 0)
        rc = eg_err_set(err, EG_EIO, "read", -1, "cannot rewind %s", path);
    if (rc < 0) {
        fclose(f);
        free(c->raw);
        c->raw = NULL;
        return rc;
    }
    c->f = f;
    c->total = total;
    c->skipbom = scan.bom == 3;
    c->win_cap = WANT0 * 2 + RAW_CHUNK * 2;
    c->win = eg_malloc(c->win_cap);
    c->text = c->p = c->end = c->win;
    c->want = WANT0;
    c->line = 1;
    return 0;
}

/* Moves the unread text to the window's start and reads until it holds want bytes past p or
   the file ends. */
static int fill(struct eg_csv *c, struct eg_err *err)
{
    size_t keep = (size_t)(c->end - c->p);
    c->base += (size_t)(c->p - c->text);
    memmove(c->win, c->p, keep);
    c->text = c->p = c->win;
    c->end = c->win + keep;
    while (!c->eof && (size_t)(c->end - c->p) < c->want) {
        size_t used = (size_t)(c->end - c->win);
        /* room for one raw chunk converted (GB 18030 to UTF-8 grows at most 3/2, 4-byte
           sequences stay 4) */
        size_t need = used + RAW_CHUNK * 2 + 16;
        if (need > c->win_cap) {
            c->win_cap = need * 2;
            c->win = eg_realloc(c->win, c->win_cap);
            c->text = c->p = c->win;
            c->end = c->win + used;
        }
        size_t n = fread(c->raw + c->carry, 1, RAW_CHUNK, (FILE *)c->f);
        if (n == 0) {
            if (ferror((FILE *)c->f))
                return eg_err_set(err, EG_EIO, "read", -1, "reading the file failed");
            c->eof = 1;
            if (c->carry)
                return eg_err_set(err, EG_EINVAL, "encoding", c->line,
                                  "the file ends inside a character");
            break;
        }
        char *in = c->raw;
        size_t il = c->carry + n;
        if (c->skipbom && il >= 3) {
            in += 3;
            il -= 3;
            c->skipbom = 0;
        }
        if (!c->cd) {
            memcpy((char *)c->end, in, il);
            c->end += il;
            c->carry = 0;
            continue;
        }
        char *op = (char *)c->end;
        size_t ol = c->win_cap - used;
        if (iconv((iconv_t)c->cd, &in, &il, &op, &ol) == (size_t)-1 && errno != EINVAL)
            return eg_err_set(err, EG_EINVAL, "encoding", c->line,
                              "near line %ld: a GB 18030 sequence iconv cannot convert", c->line);
        c->end = op;
        memmove(c->raw, in, il); /* a character cut by the read: completed by the next */
        c->carry = il;
    }
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

static int next_buffered(struct eg_csv *c, struct eg_err *err)
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

int eg_csv_next(struct eg_csv *c, struct eg_err *err)
{
    if (!c->f)
        return next_buffered(c, err);
    for (;;) {
        if (!c->eof && (size_t)(c->end - c->p) < c->want) {
            int r = fill(c, err);
            if (r < 0)
                return r;
        }
        if (!c->eof) { /* blank lines up to the window's end: more to read */
            const char *q = c->p;
            while (q < c->end && is_eol(*q))
                q++;
            if (q == c->end) {
                c->want = (size_t)(c->end - c->p) + WANT0;
                continue;
            }
        }
        const char *p = c->p;
        long line = c->line;
        struct eg_err e;
        eg_err_clear(&e);
        int r = next_buffered(c, &e);
        /* a record that ran into the window's end may go on in the file: read more, again */
        int cut = !c->eof && ((r == 1 && c->p >= c->end) || (r < 0 && !strcmp(e.code, "quote")));
        if (cut) {
            c->p = p;
            c->line = line;
            c->want = (size_t)(c->end - c->p) * 2 + WANT0;
            size_t most = (size_t)c->lim.max_fields * (c->lim.max_field + 3) + WANT0;
            if (c->want > most)
                return eg_err_set(err, EG_EINVAL, "cell", line, "line %ld: a record is too long",
                                  line);
            continue;
        }
        c->want = WANT0;
        if (r < 0 && err)
            *err = e;
        return r;
    }
}

const char *eg_csv_field(const struct eg_csv *c, int i, size_t *n)
{
    *n = c->len[i];
    return c->cells.data + c->off[i];
}

size_t eg_csv_offset(const struct eg_csv *c)
{
    return c->base + (size_t)(c->p - c->text);
}

size_t eg_csv_size(const struct eg_csv *c)
{
    return c->f ? c->total : (size_t)(c->end - c->text);
}

void eg_csv_close(struct eg_csv *c)
{
    if (c->f)
        fclose((FILE *)c->f);
    if (c->cd)
        iconv_close((iconv_t)c->cd);
    free(c->win);
    free(c->raw);
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
