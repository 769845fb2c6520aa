/*
 * import.c: CSV into the registry (see registry.h): encoding detection and GB 18030 conversion,
 * an RFC 4180 reader that tracks line numbers, header mapping (English names or Chinese
 * labels), per-row conversion and creation inside one all-or-nothing transaction.
 */
#include "registry/internal.h"
#include "registry/registry.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 64
#define MAX_CELL 65536

/* ---- encoding ---- */

/* Converts GB 18030 (a superset of GBK and GB 2312) to UTF-8. *out is allocated. */
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

/* ---- RFC 4180 reader ---- */

struct csv {
    const char *p, *end;
    long line;          /* line of the next character */
    struct eg_buf cell; /* unescaped cell text, cells separated by their offsets */
    size_t off[MAX_COLUMNS + 1], len[MAX_COLUMNS + 1];
    int ncells;
};

/* Reads one record. Returns 1 with the record, 0 at the end, EG_EINVAL on a malformed record
   (unterminated quote, too many columns, a cell over MAX_CELL). *line gets its first line. */
static int csv_next(struct csv *c, long *line, struct eg_err *err)
{
    /* skip blank lines */
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n')
            c->line++;
        c->p++;
    }
    if (c->p >= c->end)
        return 0;
    *line = c->line;
    c->cell.len = 0;
    c->ncells = 0;
    for (;;) {
        if (c->ncells >= MAX_COLUMNS)
            return eg_err_set(err, EG_EINVAL, "columns", *line, "line %ld: more than %d columns",
                              *line, MAX_COLUMNS);
        size_t start = c->cell.len;
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            for (;;) {
                if (c->p >= c->end)
                    return eg_err_set(err, EG_EINVAL, "quote", *line,
                                      "line %ld: a quoted field is not closed", *line);
                if (*c->p == '"') {
                    if (c->p + 1 < c->end && c->p[1] == '"') {
                        eg_buf_append(&c->cell, "\"", 1);
                        c->p += 2;
                        continue;
                    }
                    c->p++;
                    break;
                }
                if (*c->p == '\n')
                    c->line++;
                eg_buf_append(&c->cell, c->p, 1);
                c->p++;
            }
            /* text after the closing quote up to the separator is kept, as Excel does */
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
                eg_buf_append(&c->cell, c->p++, 1);
        } else {
            const char *s = c->p;
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
                c->p++;
            eg_buf_append(&c->cell, s, (size_t)(c->p - s));
        }
        if (c->cell.len - start > MAX_CELL)
            return eg_err_set(err, EG_EINVAL, "cell", *line, "line %ld: a cell is over %d bytes",
                              *line, MAX_CELL);
        c->off[c->ncells] = start;
        c->len[c->ncells] = c->cell.len - start;
        c->ncells++;
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

static const char *cell(struct csv *c, int i, size_t *n)
{
    *n = c->len[i];
    return c->cell.data ? c->cell.data + c->off[i] : "";
}

/* Trims ASCII spaces and the ideographic space U+3000 that Excel users leave in headers. */
static void trim(const char **s, size_t *n)
{
    for (;;) {
        if (*n && (**s == ' ' || **s == '\t')) {
            (*s)++;
            (*n)--;
        } else if (*n >= 3 && !memcmp(*s, "\xE3\x80\x80", 3)) {
            *s += 3;
            *n -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
            (*n)--;
        else if (*n >= 3 && !memcmp(*s + *n - 3, "\xE3\x80\x80", 3))
            *n -= 3;
        else
            break;
    }
}

static void add_error(struct eg_import_report *rep, long line, const char *field, const char *code,
                      const char *msg)
{
    rep->rejected++;
    if (json_array_size(rep->errors) >= EG_IMPORT_MAX_REPORTED)
        return;
    json_t *e = json_object();
    json_object_set_new(e, "line", json_integer(line));
    json_object_set_new(e, "field", field ? json_string(field) : json_null());
    json_object_set_new(e, "code", json_string(code));
    json_object_set_new(e, "message", json_string(msg));
    json_array_append_new(rep->errors, e);
}

void eg_import_report_free(struct eg_import_report *rep)
{
    if (rep) {
        json_decref(rep->errors);
        rep->errors = NULL;
    }
}

int eg_import_csv(struct eg_db *st, const struct eg_resource *res, const struct eg_principal *who,
                  const char *buf, size_t len, const struct eg_import_opts *opts,
                  struct eg_import_report *rep, struct eg_err *err)
{
    static const struct eg_import_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    memset(rep, 0, sizeof *rep);
    rep->errors = json_array();
    rep->encoding = "utf-8";
    size_t max = opts->max_bytes ? opts->max_bytes : EG_IMPORT_MAX_BYTES;
    if (len > max)
        return eg_err_set(err, EG_ETOOBIG, "too_large", -1, "the file is over %zu bytes", max);
    int r = eg_registry_allowed(who, res, EG_ACT_CREATE);
    if (r < 0)
        return eg_err_set(err, r, r == EG_EAUTH ? "login_required" : "forbidden", -1,
                          "role %s may not create %s", eg_role_name(who->role), res->name);

    char *conv = NULL;
    const char *text = buf;
    size_t n = len;
    if (n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        text += 3;
        n -= 3;
        rep->encoding = "utf-8-bom";
        if (!eg__utf8_valid(text, n))
            return eg_err_set(err, EG_EINVAL, "encoding", -1,
                              "the file starts with a UTF-8 BOM but is not valid UTF-8");
    } else if (!eg__utf8_valid(text, n)) {
        r = gb_to_utf8(text, n, &conv, &n, err);
        if (r < 0)
            return r;
        text = conv;
        rep->encoding = "gb18030";
    }

    struct csv c = {.p = text, .end = text + n, .line = 1};
    const struct eg_field *cols[MAX_COLUMNS];
    int ncols = 0;
    long line = 1;
    r = csv_next(&c, &line, err);
    if (r == 0)
        r = eg_err_set(err, EG_EINVAL, "header", 1, "the file is empty: no header row");
    if (r < 0)
        goto out;
    ncols = c.ncells;
    for (int i = 0; i < ncols; i++) {
        size_t hn;
        const char *h = cell(&c, i, &hn);
        trim(&h, &hn);
        cols[i] = NULL;
        for (int k = 0; k < res->nfields; k++) {
            const struct eg_field *f = &res->fields[k];
            if ((strlen(f->name) == hn && !memcmp(f->name, h, hn)) ||
                (strlen(f->label_zh) == hn && !memcmp(f->label_zh, h, hn)))
                cols[i] = f;
        }
        if (!cols[i] || (cols[i]->flags & EG_FF_READONLY)) {
            r = eg_err_set(err, EG_EINVAL, "header", 1,
                           "line 1: column %d \"%.*s\" is not a field "
                           "of %s (see envgov import %s --help)",
                           i + 1, (int)(hn > 64 ? 64 : hn), h, res->name, res->name);
            goto out;
        }
        for (int k = 0; k < i; k++)
            if (cols[k] == cols[i]) {
                r = eg_err_set(err, EG_EINVAL, "header", 1, "line 1: column %s appears twice",
                               cols[i]->name);
                goto out;
            }
    }

    r = eg_db_begin(st, err);
    if (r < 0)
        goto out;
    uint64_t last = eg_nanos();
    for (;;) {
        r = csv_next(&c, &line, err);
        if (r == 0)
            break;
        if (r < 0) {
            /* a broken record ends the file: nothing after it can be trusted */
            add_error(rep, line, NULL, err ? err->code : "malformed", err ? err->msg : "malformed");
            r = 0;
            break;
        }
        rep->rows++;
        if (c.ncells != ncols) {
            char msg[96];
            snprintf(msg, sizeof msg, "expected %d fields, found %d", ncols, c.ncells);
            add_error(rep, line, NULL, "columns", msg);
            continue;
        }
        json_t *in = json_object();
        struct eg_err e;
        eg_err_clear(&e);
        int rr = 0;
        for (int i = 0; i < ncols && rr == 0; i++) {
            size_t vn;
            const char *v = cell(&c, i, &vn);
            if (cols[i]->type != EG_FT_TEXT)
                trim(&v, &vn);
            if (vn == 0)
                continue;
            json_t *jv = NULL;
            rr = eg_registry_value_from_text(st, cols[i], v, vn, &jv, &e);
            if (rr == 0)
                json_object_set_new(in, cols[i]->name, jv);
        }
        if (rr == 0)
            rr = eg_registry_create(st, res, who, in, NULL, &e);
        json_decref(in);
        if (rr == EG_EDB || rr == EG_EIO) {
            eg_db_rollback(st);
            r = eg_err_set(err, rr, e.code, line, "line %ld: %s", line, e.msg);
            goto out;
        }
        if (rr < 0) {
            const struct eg_field *f = eg_registry_field(res, e.code);
            add_error(rep, line, f ? f->name : NULL, e.code, e.msg);
        } else {
            rep->accepted++;
        }
        if (opts->progress && rep->rows % 256 == 0 && eg_nanos() - last > 1000000000u) {
            last = eg_nanos();
            opts->progress(opts->progress_ctx, rep->rows, (size_t)(c.p - text), n);
        }
    }
    if (opts->progress && rep->rows >= 256)
        opts->progress(opts->progress_ctx, rep->rows, n, n);
    if (rep->rejected || opts->dry_run) {
        eg_db_rollback(st);
    } else {
        r = eg_db_commit(st, err);
        if (r < 0) {
            eg_db_rollback(st);
            goto out;
        }
        rep->written = 1;
    }
    if (rep->rejected)
        r = eg_err_set(err, EG_EINVAL, "rows_rejected", -1,
                       "%ld of %ld rows rejected; nothing was written", rep->rejected, rep->rows);
out:
    if (r < 0 && err && err->offset > 0 && json_array_size(rep->errors) == 0) {
        add_error(rep, err->offset, NULL, err->code, err->msg);
        rep->rejected--; /* a file-level error (header, encoding), not a rejected row */
    }
    eg_buf_free(&c.cell);
    free(conv);
    return r;
}
