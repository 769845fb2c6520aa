/*
 * copy.c: eg_db_copy (issue 16), every table of one database into another over the seam, for a
 * district that grows from its SQLite file onto the city's PostgreSQL. Both ends are migrated by
 * this envgov on open, so they have the same tables and columns; the target must hold no records
 * yet (the rows its migrations seeded are replaced by the source's). Tables are copied in the
 * order the source created them (a foreign key names an earlier table), rows in their key order,
 * many rows per INSERT, one transaction per table; PostgreSQL's identity sequences are moved past
 * the copied ids at the end.
 */
#include "db/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_MAX_ROWS 200     /* rows per INSERT */
#define COPY_MAX_PARAMS 30000 /* PostgreSQL takes at most 65535 parameters per statement */

struct table {
    char name[64];
};

/* The source's tables in creation order (SQLite only: the copy reads from a file). */
static int list_tables(struct eg_db *src, struct table **out, int *n, struct eg_err *err)
{
    struct eg_stmt *s;
    *out = NULL;
    *n = 0;
    int r = eg_db_prepare(src,
                          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                          "'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
                          &s, err);
    if (r < 0)
        return r;
    int cap = 0;
    while ((r = eg_stmt_step(s, err)) == 1) {
        const char *name = eg_stmt_text(s, 0, NULL);
        if (!name || strlen(name) >= sizeof(*out)->name)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            struct table *nt = realloc(*out, (size_t)cap * sizeof *nt);
            if (!nt)
                abort();
            *out = nt;
        }
        snprintf((*out)[(*n)++].name, sizeof(*out)->name, "%s", name);
    }
    eg_stmt_done(s);
    return r < 0 ? r : 0;
}

static int64_t count_rows(struct eg_db *st, const char *table, struct eg_err *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    int64_t v = 0;
    int found = 0;
    int r = eg_db_query_int(st, sql, 0, NULL, &v, &found, err);
    return r < 0 ? r : v;
}

/* The records a database holds beyond what its migrations seed. */
static const char *const record_tables[] = {"regions", "units", "users", "devices", "ts_series"};

static int copy_table(struct eg_db *src, struct eg_db *dst, const char *table, int64_t total,
                      eg_db_copy_progress_fn progress, void *arg, int64_t *copied,
                      struct eg_err *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
    struct eg_stmt *s;
    int r = eg_db_prepare(src, sql, &s, err);
    if (r < 0)
        return r;
    int ncol = eg_stmt_columns(s);
    char **cols = eg_calloc((size_t)ncol + 1, sizeof *cols);
    for (int c = 0; c < ncol; c++)
        cols[c] = eg_strdup(eg_stmt_column_name(s, c));
    int per = COPY_MAX_PARAMS / (ncol > 0 ? ncol : 1);
    if (per > COPY_MAX_ROWS)
        per = COPY_MAX_ROWS;
    if (per < 1)
        per = 1;
    /* buffered rows: kind and value per cell */
    struct cell {
        int kind;
        int64_t i;
        double d;
        char *p;
        size_t n;
    };
    struct cell *buf = eg_calloc((size_t)per * (size_t)ncol + 1, sizeof *buf);
    int have = 0;
    snprintf(sql, sizeof sql, "DELETE FROM %s", table);
    r = eg_db_begin(dst, err);
    if (r == 0)
        r = eg_db_exec(dst, sql, err);
    for (;;) {
        int row = r == 0 ? eg_stmt_step(s, err) : r;
        if (row < 0) {
            r = row;
            break;
        }
        if (row == 1) {
            struct cell *c = buf + (size_t)have * (size_t)ncol;
            for (int k = 0; k < ncol; k++) {
                c[k].kind = eg__stmt_kind(s, k);
                if (c[k].kind == EG__PG_INT)
                    c[k].i = eg_stmt_int(s, k);
                else if (c[k].kind == EG__PG_DOUBLE)
                    c[k].d = eg_stmt_double(s, k);
                else if (c[k].kind != EG__PG_NULL) {
                    size_t n = 0;
                    const void *p =
                        c[k].kind == EG__PG_BLOB ? eg_stmt_blob(s, k, &n) : eg_stmt_text(s, k, &n);
                    c[k].p = eg_malloc(n + 1);
                    if (n)
                        memcpy(c[k].p, p, n);
                    c[k].p[n] = '\0';
                    c[k].n = n;
                }
            }
            have++;
        }
        if (have > 0 && (have == per || row == 0)) {
            struct eg_buf q = {0};
            eg_buf_printf(&q, "INSERT INTO %s (", table);
            for (int k = 0; k < ncol; k++)
                eg_buf_printf(&q, "%s%s", k ? ", " : "", cols[k]);
            eg_buf_puts(&q, ") VALUES ");
            for (int j = 0; j < have; j++) {
                eg_buf_puts(&q, j ? ", (" : "(");
                for (int k = 0; k < ncol; k++)
                    eg_buf_printf(&q, "%s?%d", k ? ", " : "", j * ncol + k + 1);
                eg_buf_puts(&q, ")");
            }
            struct eg_stmt *ins;
            r = eg_db_prepare(dst, q.data, &ins, err);
            eg_buf_free(&q);
            if (r == 0) {
                for (int j = 0; j < have * ncol; j++) {
                    struct cell *c = &buf[j];
                    int at = j + 1;
                    if (c->kind == EG__PG_INT)
                        eg_stmt_bind_int(ins, at, c->i);
                    else if (c->kind == EG__PG_DOUBLE)
                        eg_stmt_bind_double(ins, at, c->d);
                    else if (c->kind == EG__PG_TEXT)
                        eg_stmt_bind_text(ins, at, c->p, c->n);
                    else if (c->kind == EG__PG_BLOB)
                        eg_stmt_bind_blob(ins, at, c->p, c->n);
                    else
                        eg_stmt_bind_null(ins, at);
                }
                r = eg_stmt_step(ins, err);
                eg_stmt_done(ins);
                if (r > 0)
                    r = 0;
            }
            for (int j = 0; j < have * ncol; j++) {
                free(buf[j].p);
                buf[j].p = NULL;
            }
            *copied += have;
            have = 0;
            if (progress)
                progress(table, *copied, total, arg);
            if (r < 0)
                break;
        }
        if (row == 0)
            break;
    }
    for (int j = 0; j < have * ncol; j++)
        free(buf[j].p);
    eg_stmt_done(s);
    if (r == 0)
        r = eg_db_commit(dst, err);
    if (r < 0) {
        eg_db_rollback(dst);
        if (err) {
            char why[sizeof err->msg];
            memcpy(why, err->msg, sizeof why);
            eg_err_set(err, r, err->code[0] ? err->code : "copy", -1, "copying table %s: %.200s",
                       table, why);
        }
    }
    free(buf);
    for (int c = 0; c < ncol; c++)
        free(cols[c]);
    free(cols);
    return r;
}

int eg_db_copy(struct eg_db *src, struct eg_db *dst, eg_db_copy_progress_fn progress, void *arg,
               int64_t *rows, struct eg_err *err)
{
    *rows = 0;
    if (eg__db_is_pg(src))
        return eg_err_set(err, EG_EINVAL, "copy_source", -1,
                          "the copy reads an SQLite file; a PostgreSQL database is copied with "
                          "pg_dump and pg_restore");
    for (size_t i = 0; i < sizeof record_tables / sizeof record_tables[0]; i++) {
        int64_t n = count_rows(dst, record_tables[i], err);
        if (n < 0)
            return (int)n;
        if (n > 0)
            return eg_err_set(err, EG_ECONFLICT, "copy_target_not_empty", -1,
                              "the target already holds records (%lld in %s): copy into a new, "
                              "empty database",
                              (long long)n, record_tables[i]);
    }
    struct table *t = NULL;
    int nt = 0;
    int r = list_tables(src, &t, &nt, err);
    for (int i = 0; i < nt && r == 0; i++) {
        if (!strcmp(t[i].name, "schema_version"))
            continue; /* both ends are migrated: each keeps its own record */
        int64_t total = count_rows(src, t[i].name, err);
        if (total < 0) {
            r = (int)total;
            break;
        }
        int64_t copied = 0;
        r = copy_table(src, dst, t[i].name, total, progress, arg, &copied, err);
        *rows += copied;
        if (r == 0 && progress && total == 0)
            progress(t[i].name, 0, 0, arg);
    }
    if (r == 0 && eg__db_is_pg(dst)) /* the next id after the copied ones */
        r = eg__db_exec_native(
            dst,
            "DO $$ DECLARE r record; BEGIN FOR r IN SELECT c.relname, a.attname FROM "
            "pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = "
            "current_schema()::regnamespace AND a.attidentity <> '' LOOP EXECUTE "
            "format('SELECT setval(pg_get_serial_sequence(%L, %L), COALESCE((SELECT max(%I) "
            "FROM %I), 0) + 1, false)', r.relname, r.attname, r.attname, r.relname); END LOOP; END "
            "$$",
            err);
    free(t);
    return r;
}
