/*
 * import.c: CSV into the registry (see registry.h): the file read by base/csv.h (encoding
 * detection, GB 18030 conversion, RFC 4180, line numbers), header mapping (English names or
 * Chinese labels), per-row conversion and creation inside one all-or-nothing transaction.
 */
#include "registry/internal.h"
#include "registry/registry.h"

#include "base/csv.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 64
#define MAX_CELL 65536

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

/* The JSON input of the current record (cells converted by field type; empty cells unset). */
static int row_input(struct eg_db *st, struct eg_csv *c, const struct eg_field *const *cols,
                     int ncols, json_t **out, struct eg_err *e)
{
    json_t *in = json_object();
    int rr = 0;
    for (int i = 0; i < ncols && rr == 0; i++) {
        size_t vn;
        const char *v = eg_csv_field(c, i, &vn);
        if (cols[i]->type != EG_FT_TEXT)
            trim(&v, &vn);
        if (vn == 0)
            continue;
        json_t *jv = NULL;
        rr = eg_registry_value_from_text(st, cols[i], v, vn, &jv, e);
        if (rr == 0)
            json_object_set_new(in, cols[i]->name, jv);
    }
    if (rr < 0) {
        json_decref(in);
        in = NULL;
    }
    *out = in;
    return rr;
}

static int error_line_cmp(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "line"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "line"));
    return x < y ? -1 : x > y;
}

/* The errors of both passes in line order (a line has errors from one pass only). */
static void sort_errors(struct eg_import_report *rep)
{
    size_t n = json_array_size(rep->errors);
    if (n < 2)
        return;
    json_t **v = eg_malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(rep->errors, i));
    qsort(v, n, sizeof *v, error_line_cmp);
    json_array_clear(rep->errors);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(rep->errors, v[i]);
    free(v);
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
    long max_rows = LONG_MAX;
    if (who->role != EG_ROLE_ADMIN && who->role != EG_ROLE_BUREAU) {
        /* one of many enterprises (streets, stewards) cannot hold the write lock for long */
        if (max > EG_IMPORT_SCOPED_MAX_BYTES)
            max = EG_IMPORT_SCOPED_MAX_BYTES;
        max_rows = EG_IMPORT_SCOPED_MAX_ROWS;
    }
    int r = eg_registry_allowed(who, res, EG_ACT_CREATE);
    if (r < 0)
        return eg_err_set(err, r, r == EG_EAUTH ? "login_required" : "forbidden", -1,
                          "role %s may not create %s", eg_role_name(who->role), res->name);
    if (len > max)
        return eg_err_set(err, EG_ETOOBIG, "too_large", -1,
                          "the file is over %zu bytes, the most a %s may import at once", max,
                          eg_role_name(who->role));

    struct eg_csv c;
    size_t cap = 0;
    json_t **prep = NULL; /* by data row: the hashes, or NULL when pass 1 rejected the row */
    long nrows = 0;
    const struct eg_csv_limits lim = {max, MAX_COLUMNS, MAX_CELL};
    r = eg_csv_open(&c, buf, len, &lim, err);
    if (r < 0)
        return r;
    rep->encoding = c.encoding;
    size_t n = eg_csv_size(&c);
    const struct eg_field *cols[MAX_COLUMNS];
    int ncols = 0;
    long line = 1;
    r = eg_csv_next(&c, err);
    line = c.rec_line;
    if (r == 0)
        r = eg_err_set(err, EG_EINVAL, "header", 1, "the file is empty: no header row");
    if (r < 0)
        goto out;
    ncols = c.nfields;
    for (int i = 0; i < ncols; i++) {
        size_t hn;
        const char *h = eg_csv_field(&c, i, &hn);
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

    /* Pass 1, outside any transaction: every row converted, checked and its secrets hashed
       (Argon2id: the slow part). Pass 2, one short write transaction: the rows read again and
       created with those hashes (references, cross-field checks, duplicates, scope, audit). */
    uint64_t t_start = eg_nanos(), last = t_start;
    if (max_rows != LONG_MAX) { /* count first: refuse a file over the bound before hashing */
        long count = 0;
        while (count <= max_rows && eg_csv_next(&c, NULL) > 0)
            count++;
        if (count > max_rows) {
            r = eg_err_set(err, EG_ETOOBIG, "too_many_rows", -1,
                           "the file has more than %ld rows, the most a %s may import at once "
                           "(split the file)",
                           max_rows, eg_role_name(who->role));
            goto out;
        }
        eg_csv_close(&c);
        r = eg_csv_open(&c, buf, len, &lim, err);
        if (r == 0)
            r = eg_csv_next(&c, err); /* the header again */
        if (r < 0)
            goto out;
    }
    for (;;) {
        r = eg_csv_next(&c, err);
        line = c.rec_line;
        if (r == 0)
            break;
        if (r < 0) {
            /* a broken record ends the file: nothing after it can be trusted */
            add_error(rep, line, NULL, err ? err->code : "malformed", err ? err->msg : "malformed");
            r = 0;
            break;
        }
        rep->rows++;
        if (rep->rows > max_rows) {
            r = eg_err_set(err, EG_ETOOBIG, "too_many_rows", -1,
                           "the file has more than %ld rows, the most a %s may import at once "
                           "(split the file)",
                           max_rows, eg_role_name(who->role));
            goto out;
        }
        if ((size_t)nrows == cap) {
            cap = cap ? cap * 2 : 256;
            prep = eg_realloc(prep, cap * sizeof *prep);
        }
        json_t *hashed = NULL;
        prep[nrows++] = NULL;
        if (c.nfields != ncols) {
            char msg[96];
            snprintf(msg, sizeof msg, "expected %d fields, found %d", ncols, c.nfields);
            add_error(rep, line, NULL, "columns", msg);
            continue;
        }
        json_t *in = NULL;
        struct eg_err e;
        eg_err_clear(&e);
        int rr = row_input(st, &c, cols, ncols, &in, &e);
        if (rr == 0) {
            hashed = json_object();
            rr = eg__registry_create_check(res, who, in, hashed, &e);
        }
        json_decref(in);
        if (rr == EG_EDB || rr == EG_EIO) {
            json_decref(hashed);
            r = eg_err_set(err, rr, e.code, line, "line %ld: %s", line, e.msg);
            goto out;
        }
        if (rr < 0) {
            json_decref(hashed);
            const struct eg_field *f = eg_registry_field(res, e.code);
            add_error(rep, line, f ? f->name : NULL, e.code, e.msg);
        } else {
            prep[nrows - 1] = hashed;
        }
        if (opts->progress && rep->rows % 256 == 0 && eg_nanos() - last > 1000000000u) {
            last = eg_nanos();
            opts->progress(opts->progress_ctx, rep->rows, eg_csv_offset(&c), n);
        }
    }
    if (opts->progress && rep->rows >= 256)
        opts->progress(opts->progress_ctx, rep->rows, n, n);

    /* pass 2: even when pass 1 rejected rows, the others are tried (rolled back) so that the
       report names every rejected row, as one pass did */
    uint64_t t_tx = eg_nanos();
    eg_csv_close(&c);
    r = eg_csv_open(&c, buf, len, &lim, err);
    if (r < 0)
        goto out;
    r = eg_csv_next(&c, err); /* the header, checked in pass 1 */
    if (r < 0)
        goto out;
    r = eg_db_begin(st, err);
    if (r < 0)
        goto out;
    long passed = 0;
    for (long i = 0; i < nrows; i++) {
        r = eg_csv_next(&c, err);
        line = c.rec_line;
        if (r <= 0) { /* pass 1 read the same records: cannot happen */
            eg_db_rollback(st);
            if (r == 0)
                r = eg_err_set(err, EG_EIO, "import", line, "line %ld: the file changed", line);
            goto out;
        }
        if (!prep[i])
            continue;
        json_t *in = NULL;
        struct eg_err e;
        eg_err_clear(&e);
        int rr = row_input(st, &c, cols, ncols, &in, &e);
        if (rr == 0)
            rr = eg__registry_create_hashed(st, res, who, in, prep[i], &e);
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
            passed++;
        }
    }
    rep->accepted = passed;
    r = 0;
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
    uint64_t t_end = eg_nanos();
    eg_log(EG_LOG_INFO,
           "import %s: %ld rows (%ld rejected) checked and hashed in %.0f ms, then the write "
           "transaction held %.0f ms%s",
           res->name, rep->rows, rep->rejected, (double)(t_tx - t_start) / 1e6,
           (double)(t_end - t_tx) / 1e6, rep->written ? "" : " (rolled back)");
    sort_errors(rep);
    if (rep->rejected)
        r = eg_err_set(err, EG_EINVAL, "rows_rejected", -1,
                       "%ld of %ld rows rejected; nothing was written", rep->rejected, rep->rows);
out:
    for (long i = 0; i < nrows; i++)
        json_decref(prep[i]);
    free(prep);
    if (r < 0 && err && err->offset > 0 && json_array_size(rep->errors) == 0) {
        add_error(rep, err->offset, NULL, err->code, err->msg);
        rep->rejected--; /* a file-level error (header, encoding), not a rejected row */
    }
    eg_csv_close(&c);
    return r;
}
