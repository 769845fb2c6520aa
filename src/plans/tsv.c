/*
 * tsv.c: the reader of plans/'s data files (the pilot catalogue, a round's applications, a
 * plan's tasks): tab-separated UTF-8, one header line, '#' comments. Small on purpose: the
 * files are ours or a bureau officer's, and every error says where (file, line, field) so the
 * file can be fixed in an editor.
 */
#include "plans/internal.h"

#include "base/csv.h"

#include <stdio.h>
#include <string.h>

static void where(const struct eg__plans_tsv *t, const char *field, struct eg_buf *b)
{
    const char *base = t->file ? strrchr(t->file, '/') : NULL;
    eg_buf_printf(b, "%s line %ld", base ? base + 1 : t->file ? t->file : "input", t->line);
    if (field)
        eg_buf_printf(b, ", field %s", field);
    eg_buf_puts(b, ": ");
}

int eg__plans_tsv_fail(const struct eg__plans_tsv *t, struct eg_err *err, const char *field,
                       const char *fmt, ...)
{
    struct eg_buf b = {0};
    where(t, field, &b);
    va_list ap;
    va_start(ap, fmt);
    eg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = eg_err_set(err, EG_EINVAL, field ? field : "row", t->line, "%s", b.data);
    eg_buf_free(&b);
    return rc;
}

int eg__plans_tsv_open(struct eg__plans_tsv *t, const char *data, size_t len, const char *file,
                       const char *header, struct eg_err *err)
{
    memset(t, 0, sizeof *t);
    t->file = file;
    t->line = 1;
    if (len > EG__PLANS_TSV_MAX_BYTES)
        return eg_err_set(err, EG_ETOOBIG, "too_large", -1,
                          "%s: %zu bytes, over the %u bytes a data file may have", file, len,
                          EG__PLANS_TSV_MAX_BYTES);
    if (!eg_utf8_valid(data, len))
        return eg_err_set(err, EG_EINVAL, "encoding", -1,
                          "%s: not UTF-8 text; save it as UTF-8 (tab-separated)", file);
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        data += 3, len -= 3;
    t->p = data;
    t->end = data + len;
    /* the header: count its names and compare */
    int nh = 1;
    for (const char *h = header; *h; h++)
        nh += *h == '\t';
    const char *nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
    size_t hl = (size_t)((nl ? nl : t->end) - t->p);
    if (hl && t->p[hl - 1] == '\r')
        hl--;
    if (hl != strlen(header) || memcmp(t->p, header, hl)) {
        int rc = eg__plans_tsv_fail(t, err, "header", "expected the %d column names \"", nh);
        if (err) {
            size_t used = strlen(err->msg);
            for (const char *h = header; *h && used + 4 < sizeof err->msg; h++)
                err->msg[used++] = *h == '\t' ? ' ' : *h;
            snprintf(err->msg + used, sizeof err->msg - used, "\" separated by tabs");
        }
        return rc;
    }
    t->p = nl ? nl + 1 : t->end;
    t->line = 1;
    return 0;
}

int eg__plans_tsv_next(struct eg__plans_tsv *t, int nfields, struct eg_err *err)
{
    for (;;) {
        if (t->p >= t->end)
            return 0;
        t->line++;
        const char *nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
        const char *e = nl ? nl : t->end;
        const char *s = t->p;
        t->p = nl ? nl + 1 : t->end;
        if (e > s && e[-1] == '\r')
            e--;
        if (e == s || *s == '#')
            continue;
        t->nf = 0;
        for (;;) {
            const char *tab = memchr(s, '\t', (size_t)(e - s));
            const char *fe = tab ? tab : e;
            if (t->nf == EG__PLANS_TSV_MAX_FIELDS || t->nf == nfields)
                return eg__plans_tsv_fail(t, err, NULL, "more than %d fields (tabs inside a text?)",
                                          nfields);
            t->f[t->nf] = s;
            t->n[t->nf] = (size_t)(fe - s);
            t->nf++;
            if (!tab)
                break;
            s = tab + 1;
        }
        if (t->nf != nfields)
            return eg__plans_tsv_fail(t, err, NULL, "%d fields, expected %d separated by tabs",
                                      t->nf, nfields);
        for (int i = 0; i < t->nf; i++)
            for (size_t k = 0; k < t->n[i]; k++)
                if ((unsigned char)t->f[i][k] < 0x20)
                    return eg__plans_tsv_fail(t, err, NULL, "a control character in field %d",
                                              i + 1);
        return 1;
    }
}

int eg__plans_tsv_int(const struct eg__plans_tsv *t, int i, const char *field, int min, int max,
                      int *out, struct eg_err *err)
{
    int64_t v;
    if (eg_parse_int64(t->f[i], t->n[i], &v) < 0 || v < min || v > max)
        return eg__plans_tsv_fail(t, err, field, "\"%.*s\" is not a whole number from %d to %d",
                                  t->n[i] > 40 ? 40 : (int)t->n[i], t->f[i], min, max);
    *out = (int)v;
    return 0;
}

char *eg__plans_tsv_dup(const struct eg__plans_tsv *t, int i)
{
    return eg_strndup(t->f[i], t->n[i]);
}
