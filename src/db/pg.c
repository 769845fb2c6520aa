/*
 * pg.c: the PostgreSQL backend behind db.h (issue 16), over libpq. sqlite.c's public functions
 * hand a connection opened with a postgresql:// URL to the functions here; the only file that
 * includes <libpq-fe.h>.
 *
 * One connection per struct eg_db, one thread at a time, as with SQLite. What keeps the
 * behaviour of the SQLite backend, so modules need no second code path:
 * - SQL is SQLite's, translated once per statement text by dialect.c, then PQprepare'd under a
 *   name and cached per connection (same cache shape as sqlite.c: by text, nested uses get a
 *   second statement). Parameter types are left to the server; where it cannot infer one
 *   (`?1 IS NULL`), the statement is prepared again at its first step with the types bound.
 *   Preparing inside a transaction runs under a savepoint, since a failed statement aborts a
 *   PostgreSQL transaction.
 * - Parameters go as text (integers, reals, text) or binary (blobs); results come back as text
 *   and are converted on read (booleans t/f -> 1/0, bytea hex -> bytes). A result is fetched
 *   whole by the first step, then stepped row by row.
 * - eg_db_begin is BEGIN plus one database-wide transaction advisory lock: SQLite's BEGIN
 *   IMMEDIATE lets one writer in at a time, and code written against it (read, decide, write)
 *   stays correct; lock_timeout 5 s answers "busy" as SQLite's busy wait does.
 * - The last id: an INSERT into a table with an identity column gets RETURNING that column.
 * - Errors map as SQLite's: unique -> EG_ECONFLICT "duplicate" naming the columns, foreign key
 *   -> "referenced", not null / check / a trigger's eg_raise -> EG_EINVAL "constraint".
 * - A COMMIT of a transaction that an error aborted is reported as the error it is (PostgreSQL
 *   answers it with ROLLBACK, not an error).
 */
#include "db/internal.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PG_BUCKETS 256
#define PG_CACHE_MAX 1024
#define PG_WRITE_LOCK 0x656e76676f76LL /* "envgov": the one writer's advisory lock */
#define PG_MIGRATE_LOCK 0x656e76676f77LL
#define OID_BOOL 16
#define OID_BYTEA 17

struct eg__pg_stmt {
    struct eg__pg *pg;
    struct eg__pg_stmt *next;
    char *sql; /* the text as the caller wrote it (the cache key) */
    unsigned hash;
    int in_use;
    char name[24];
    int prepared; /* 0: not yet (types from the bindings at the first step) */
    char *text;   /* translated */
    int nparams;
    int returning_id; /* RETURNING added for the last id: the rows are not the caller's */
    int bad_text;     /* a text parameter with a NUL byte (its number) */
    char **vals;
    int *lens, *fmts, *kinds;
    PGresult *res;
    int row, nrows;
    unsigned char **dec; /* bytea columns of the current row, decoded */
    size_t *declen;
    void *outer;
};

struct ident {
    char table[64], col[64]; /* col "" when the table has no identity column */
};

struct eg__pg {
    PGconn *c;
    struct eg__pg_stmt *cache[PG_BUCKETS];
    int ncached;
    unsigned seq;
    int64_t last_id;
    int changes;
    struct ident *idents;
    int nidents;
};

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* NOTICEs ("already exists, skipping") are not errors */
}

static unsigned sql_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* "Key (unit_id, code)=(1, DA001) already exists." -> "the same unit_id, code already exists" */
static int duplicate(struct eg_err *err, const char *detail)
{
    const char *a = detail ? strstr(detail, "Key (") : NULL;
    const char *b = a ? strstr(a, ")=(") : NULL;
    if (!a || !b)
        return eg_err_set(err, EG_ECONFLICT, "duplicate", -1,
                          "a row with the same key already exists");
    a += 5;
    return eg_err_set(err, EG_ECONFLICT, "duplicate", -1, "the same %.*s already exists",
                      (int)(b - a), a);
}

static int map_err(struct eg__pg *pg, const PGresult *r, struct eg_err *err, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(pg->c);
    char m[200];
    snprintf(m, sizeof m, "%s", msg ? msg : "unknown error");
    m[strcspn(m, "\n")] = '\0';
    if (PQstatus(pg->c) != CONNECTION_OK)
        return eg_err_set(err, EG_EIO, "db_io", -1, "%s: the PostgreSQL connection is lost: %s",
                          what, m);
    if (!state)
        state = "";
    eg_log(EG_LOG_DEBUG, "postgresql: %s: %s (SQLSTATE %s)", what, m, state);
    if (!strcmp(state, "23505"))
        return duplicate(err, r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL);
    if (!strcmp(state, "23503"))
        return eg_err_set(err, EG_ECONFLICT, "referenced", -1, "%s: %s", what, m);
    if (!strncmp(state, "23", 2) || !strcmp(state, "P0001"))
        return eg_err_set(err, EG_EINVAL, "constraint", -1, "%s: %s", what, m);
    if (!strncmp(state, "22", 2))
        return eg_err_set(err, EG_EINVAL, "constraint", -1, "%s: a value of the wrong form: %s",
                          what, m);
    if (!strcmp(state, "55P03") || !strcmp(state, "40P01") || !strcmp(state, "40001"))
        return eg_err_set(err, EG_EDB, "busy", -1, "%s: database is busy: %s", what, m);
    if (!strcmp(state, "25P02"))
        return eg_err_set(err, EG_EDB, "db_error", -1,
                          "%s: the transaction was aborted by an earlier error: roll it back",
                          what);
    if (!strncmp(state, "53", 2) || !strncmp(state, "58", 2) || !strncmp(state, "08", 2))
        return eg_err_set(err, EG_EIO, "db_io", -1, "%s: %s", what, m);
    return eg_err_set(err, EG_EDB, "db_error", -1, "%s: %s (SQLSTATE %s)", what, m, state);
}

/* One command without parameters; 0 or a mapped error. */
static int run(struct eg__pg *pg, const char *sql, struct eg_err *err)
{
    PGresult *r = PQexec(pg->c, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = map_err(pg, r, err, "exec");
    PQclear(r);
    return rc;
}

static int load_idents(struct eg__pg *pg, struct eg_err *err)
{
    PGresult *r = PQexec(pg->c, "SELECT c.relname, coalesce((SELECT a.attname FROM pg_attribute a"
                                " WHERE a.attrelid = c.oid AND a.attidentity <> '' AND a.attnum > 0"
                                " LIMIT 1), '') FROM pg_class c"
                                " WHERE c.relnamespace = current_schema()::regnamespace"
                                " AND c.relkind IN ('r', 'p')");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = map_err(pg, r, err, "reading the tables' identity columns");
        PQclear(r);
        return rc;
    }
    int n = PQntuples(r);
    free(pg->idents);
    pg->idents = eg_calloc((size_t)n + 1, sizeof *pg->idents);
    pg->nidents = n;
    for (int i = 0; i < n; i++) {
        snprintf(pg->idents[i].table, sizeof pg->idents[i].table, "%s", PQgetvalue(r, i, 0));
        snprintf(pg->idents[i].col, sizeof pg->idents[i].col, "%s", PQgetvalue(r, i, 1));
    }
    PQclear(r);
    return 0;
}

static const char *ident_of(struct eg__pg *pg, const char *table)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < pg->nidents; i++)
            if (!strcasecmp(pg->idents[i].table, table))
                return pg->idents[i].col;
        if (pass == 0 && load_idents(pg, NULL) < 0)
            break;
    }
    return "";
}

/* The schema named first in search_path (a connection option, e.g.
   ?options=-csearch_path%3Ddistrict_a) is created when missing: several districts may share one
   database, one schema each. */
static int ensure_schema(struct eg__pg *pg, struct eg_err *err)
{
    PGresult *r = PQexec(pg->c, "SELECT current_schema() IS NULL, current_setting('search_path')");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = map_err(pg, r, err, "reading search_path");
        PQclear(r);
        return rc;
    }
    int missing = PQgetvalue(r, 0, 0)[0] == 't';
    char first[128] = "";
    const char *sp = PQgetvalue(r, 0, 1);
    while (*sp == ' ')
        sp++;
    size_t n = strcspn(sp, ",");
    if (n && sp[0] == '"' && n >= 2 && sp[n - 1] == '"') {
        sp++;
        n -= 2;
    }
    if (n < sizeof first)
        snprintf(first, sizeof first, "%.*s", (int)n, sp);
    PQclear(r);
    if (!missing || !first[0] || !strcmp(first, "$user"))
        return 0;
    char *q = PQescapeIdentifier(pg->c, first, strlen(first));
    if (!q)
        return map_err(pg, NULL, err, "schema name");
    char sql[300];
    snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s", q);
    PQfreemem(q);
    int rc = run(pg, sql, err);
    if (rc < 0 && err && !strcmp(err->code, "duplicate"))
        rc = 0; /* created by another opener at the same moment */
    return rc;
}

int eg__pg_open(const char *url, struct eg__pg **out, struct eg_err *err)
{
    *out = NULL;
    struct eg__pg *pg = eg_calloc(1, sizeof *pg);
    pg->c = PQconnectdb(url);
    if (PQstatus(pg->c) != CONNECTION_OK) {
        char m[200];
        snprintf(m, sizeof m, "%s", PQerrorMessage(pg->c));
        m[strcspn(m, "\n")] = '\0';
        int rc = eg_err_set(err, EG_EIO, "db_open", -1,
                            "cannot connect to PostgreSQL: %s (check the URL, that the server "
                            "runs and that the user may connect)",
                            m);
        PQfinish(pg->c);
        free(pg);
        return rc;
    }
    PQsetNoticeProcessor(pg->c, quiet, NULL);
    int rc = PQsetClientEncoding(pg->c, "UTF8") == 0
                 ? 0
                 : eg_err_set(err, EG_EDB, "db_open", -1, "PostgreSQL refused UTF8");
    if (rc == 0)
        rc = run(pg, "SET lock_timeout = '5s'; SET extra_float_digits = 3", err);
    if (rc == 0)
        rc = ensure_schema(pg, err);
    if (rc < 0) {
        eg__pg_close(pg);
        return rc;
    }
    *out = pg;
    return 0;
}

static void stmt_clear_row(struct eg__pg_stmt *s)
{
    if (s->dec) {
        int nc = s->res ? PQnfields(s->res) : 0;
        for (int i = 0; i < nc; i++)
            PQfreemem(s->dec[i]);
        free(s->dec);
        free(s->declen);
        s->dec = NULL;
        s->declen = NULL;
    }
}

static void stmt_free(struct eg__pg *pg, struct eg__pg_stmt *s)
{
    stmt_clear_row(s);
    PQclear(s->res);
    if (s->prepared && pg->c && PQstatus(pg->c) == CONNECTION_OK &&
        PQtransactionStatus(pg->c) == PQTRANS_IDLE) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
        PQclear(PQexec(pg->c, sql));
    }
    for (int i = 0; i < s->nparams; i++)
        free(s->vals[i]);
    free(s->vals);
    free(s->lens);
    free(s->fmts);
    free(s->kinds);
    free(s->text);
    free(s->sql);
    free(s->outer);
    free(s);
}

void eg__pg_close(struct eg__pg *pg)
{
    if (!pg)
        return;
    for (int i = 0; i < PG_BUCKETS; i++) {
        struct eg__pg_stmt *s = pg->cache[i];
        while (s) {
            struct eg__pg_stmt *n = s->next;
            s->prepared = 0; /* the connection's end deallocates them all */
            stmt_free(pg, s);
            s = n;
        }
    }
    PQfinish(pg->c);
    free(pg->idents);
    free(pg);
}

int eg__pg_after_migrate(struct eg__pg *pg, struct eg_err *err)
{
    return load_idents(pg, err);
}

int eg__pg_lock(struct eg__pg *pg, int on, struct eg_err *err)
{
    char sql[80];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_%slock(%lld)", on ? "" : "un",
             (long long)PG_MIGRATE_LOCK);
    /* opening waits for another opener's migrations however long they take */
    int rc = on ? run(pg, "SET lock_timeout = 0", err) : 0;
    if (rc == 0)
        rc = run(pg, sql, err);
    if (on)
        run(pg, "SET lock_timeout = '5s'", NULL);
    return rc;
}

int eg__pg_exec(struct eg__pg *pg, const char *sql, struct eg_err *err)
{
    struct eg__db_pgsql q;
    int rc = eg__db_pg_translate(sql, &q, err);
    if (rc < 0)
        return rc;
    /* COMMIT of an aborted transaction answers ROLLBACK: report it as the failure it is */
    int commit = !strcasecmp(q.text, "COMMIT") || !strcasecmp(q.text, "END");
    PGresult *r = PQexec(pg->c, q.text);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = map_err(pg, r, err, "exec");
    else if (commit && !strcmp(PQcmdStatus(r), "ROLLBACK"))
        rc = eg_err_set(err, EG_EDB, "db_error", -1,
                        "commit: the transaction had failed and was rolled back");
    PQclear(r);
    eg__db_pgsql_free(&q);
    return rc;
}

int eg__pg_exec_native(struct eg__pg *pg, const char *sql, struct eg_err *err)
{
    return run(pg, sql, err);
}

int eg__pg_begin(struct eg__pg *pg, struct eg_err *err)
{
    char sql[80];
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
             (long long)PG_WRITE_LOCK);
    int rc = run(pg, sql, err);
    if (rc < 0 && PQtransactionStatus(pg->c) != PQTRANS_IDLE)
        PQclear(PQexec(pg->c, "ROLLBACK"));
    return rc;
}

int eg__pg_in_tx(struct eg__pg *pg)
{
    PGTransactionStatusType t = PQtransactionStatus(pg->c);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static void cache_trim(struct eg__pg *pg, struct eg__pg_stmt **slot)
{
    while (*slot) {
        struct eg__pg_stmt *s = *slot;
        if (!s->in_use) {
            *slot = s->next;
            stmt_free(pg, s);
            pg->ncached--;
        } else {
            slot = &s->next;
        }
    }
}

/* PQprepare, under a savepoint inside a transaction (a failure must not abort the caller's).
   types NULL: the server infers them. *soft = 1 when it failed for a type it could not infer. */
static int prepare_now(struct eg__pg_stmt *s, const Oid *types, int *soft, struct eg_err *err)
{
    struct eg__pg *pg = s->pg;
    int in_tx = PQtransactionStatus(pg->c) == PQTRANS_INTRANS;
    *soft = 0;
    if (in_tx)
        PQclear(PQexec(pg->c, "SAVEPOINT eg_prepare"));
    PGresult *r = PQprepare(pg->c, s->name, s->text, s->nparams, types);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        *soft = state &&
                (!strcmp(state, "42P18") || !strcmp(state, "42P08") || !strcmp(state, "42725") ||
                 !strcmp(state, "42883") || !strcmp(state, "42804"));
        rc = map_err(pg, r, err, "prepare");
        if (err && rc < 0) {
            char m[sizeof err->msg];
            memcpy(m, err->msg, sizeof m);
            snprintf(err->msg, sizeof err->msg, "%.150s [PostgreSQL: %.90s]", m, s->text);
        }
    }
    PQclear(r);
    if (in_tx)
        PQclear(PQexec(pg->c, rc < 0 ? "ROLLBACK TO eg_prepare; RELEASE eg_prepare"
                                     : "RELEASE eg_prepare"));
    if (rc == 0)
        s->prepared = 1;
    return rc;
}

int eg__pg_prepare(struct eg__pg *pg, const char *sql, struct eg__pg_stmt **out, void ***outer,
                   struct eg_err *err)
{
    *out = NULL;
    unsigned h = sql_hash(sql);
    struct eg__pg_stmt **slot = &pg->cache[h % PG_BUCKETS];
    for (struct eg__pg_stmt *s = *slot; s; s = s->next) {
        if (s->hash == h && !s->in_use && !strcmp(s->sql, sql)) {
            s->in_use = 1;
            *out = s;
            *outer = &s->outer;
            return 0;
        }
    }
    if (pg->ncached >= PG_CACHE_MAX)
        cache_trim(pg, slot);
    struct eg__db_pgsql q;
    int rc = eg__db_pg_translate(sql, &q, err);
    if (rc < 0)
        return rc;
    struct eg__pg_stmt *s = eg_calloc(1, sizeof *s);
    s->pg = pg;
    s->sql = eg_strdup(sql);
    s->hash = h;
    s->nparams = q.nparams;
    /* one statement: no trailing ';' (RETURNING may follow) */
    size_t n = strlen(q.text);
    while (n && (q.text[n - 1] == ';' || q.text[n - 1] == ' ' || q.text[n - 1] == '\n'))
        q.text[--n] = '\0';
    const char *col = q.insert_into[0] ? ident_of(pg, q.insert_into) : "";
    if (col[0]) {
        struct eg_buf b = {0};
        eg_buf_printf(&b, "%s RETURNING %s", q.text, col);
        s->text = b.data;
        s->returning_id = 1;
        eg__db_pgsql_free(&q);
    } else {
        s->text = q.text;
    }
    snprintf(s->name, sizeof s->name, "eg%u", ++pg->seq);
    size_t np = (size_t)s->nparams + 1;
    s->vals = eg_calloc(np, sizeof *s->vals);
    s->lens = eg_calloc(np, sizeof *s->lens);
    s->fmts = eg_calloc(np, sizeof *s->fmts);
    s->kinds = eg_calloc(np, sizeof *s->kinds);
    int soft = 0;
    rc = prepare_now(s, NULL, &soft, err);
    if (rc < 0 && !soft) {
        stmt_free(pg, s);
        return rc;
    }
    s->in_use = 1;
    s->next = *slot;
    *slot = s;
    pg->ncached++;
    *out = s;
    *outer = &s->outer;
    return 0;
}

void eg__pg_bind(struct eg__pg_stmt *s, int i, int kind, const void *v, size_t n)
{
    if (i < 1 || i > s->nparams)
        return;
    int k = i - 1;
    free(s->vals[k]);
    s->vals[k] = NULL;
    s->lens[k] = 0;
    s->fmts[k] = 0;
    s->kinds[k] = kind;
    char tmp[48];
    switch (kind) {
    case EG__PG_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)*(const int64_t *)v);
        s->vals[k] = eg_strdup(tmp);
        break;
    case EG__PG_DOUBLE: {
        double d = *(const double *)v;
        if (isnan(d))
            snprintf(tmp, sizeof tmp, "NaN");
        else if (isinf(d))
            snprintf(tmp, sizeof tmp, "%sInfinity", d < 0 ? "-" : "");
        else
            snprintf(tmp, sizeof tmp, "%.17g", d);
        s->vals[k] = eg_strdup(tmp);
        break;
    }
    case EG__PG_TEXT:
        /* text format: NUL-terminated. PostgreSQL's text holds no NUL: such a value is refused
           by the step (SQLite stores it whole), never cut short */
        if (n && memchr(v, '\0', n))
            s->bad_text = i;
        s->vals[k] = eg_malloc(n + 1);
        if (n)
            memcpy(s->vals[k], v, n);
        s->vals[k][n] = '\0';
        break;
    case EG__PG_BLOB:
        s->vals[k] = eg_malloc(n ? n : 1);
        if (n)
            memcpy(s->vals[k], v, n);
        s->lens[k] = (int)n;
        s->fmts[k] = 1;
        break;
    default:
        break;
    }
}

int eg__pg_step(struct eg__pg_stmt *s, struct eg_err *err)
{
    struct eg__pg *pg = s->pg;
    stmt_clear_row(s);
    if (s->res) {
        if (++s->row < s->nrows)
            return 1;
        return 0;
    }
    if (s->bad_text)
        return eg_err_set(err, EG_EINVAL, "constraint", -1,
                          "parameter %d: text with a NUL byte cannot be stored in PostgreSQL "
                          "(remove the NUL, or store the bytes as a blob)",
                          s->bad_text);
    if (!s->prepared) {
        /* the server could not infer a type: take those of the values bound */
        Oid *types = eg_calloc((size_t)s->nparams + 1, sizeof *types);
        static const Oid oid[] = {[EG__PG_NULL] = 0,
                                  [EG__PG_INT] = 20,
                                  [EG__PG_DOUBLE] = 701,
                                  [EG__PG_TEXT] = 25,
                                  [EG__PG_BLOB] = 17};
        /* a NULL says nothing: text first (`?1 IS NULL OR name = ?1`), then bigint */
        int soft = 0, rc = -1;
        for (int pass = 0; pass < 2 && rc < 0; pass++) {
            for (int i = 0; i < s->nparams; i++)
                types[i] = s->kinds[i] == EG__PG_NULL ? (pass ? 20 : 25) : oid[s->kinds[i]];
            rc = prepare_now(s, types, &soft, err);
            if (!soft)
                break;
        }
        free(types);
        if (rc < 0)
            return rc;
    }
    PGresult *r = PQexecPrepared(pg->c, s->name, s->nparams, (const char *const *)s->vals, s->lens,
                                 s->fmts, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        int rc = map_err(pg, r, err, "step");
        PQclear(r);
        return rc;
    }
    const char *cmd = PQcmdStatus(r);
    if (!strncmp(cmd, "INSERT", 6) || !strncmp(cmd, "UPDATE", 6) || !strncmp(cmd, "DELETE", 6) ||
        !strncmp(cmd, "MERGE", 5))
        pg->changes = atoi(PQcmdTuples(r));
    if (s->returning_id) {
        int n = PQntuples(r);
        if (n > 0)
            pg->last_id = strtoll(PQgetvalue(r, n - 1, 0), NULL, 10);
        PQclear(r);
        return 0;
    }
    if (st == PGRES_COMMAND_OK || PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    s->res = r;
    s->row = 0;
    s->nrows = PQntuples(r);
    return 1;
}

static int have(struct eg__pg_stmt *s, int col)
{
    return s->res && s->row < s->nrows && col >= 0 && col < PQnfields(s->res);
}

int eg__pg_is_null(struct eg__pg_stmt *s, int col)
{
    return !have(s, col) || PQgetisnull(s->res, s->row, col);
}

int64_t eg__pg_int(struct eg__pg_stmt *s, int col)
{
    if (eg__pg_is_null(s, col))
        return 0;
    const char *v = PQgetvalue(s->res, s->row, col);
    if (PQftype(s->res, col) == OID_BOOL)
        return v[0] == 't';
    char *end;
    long long x = strtoll(v, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E') {
        double d = strtod(v, NULL);
        return d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d;
    }
    return x;
}

double eg__pg_double(struct eg__pg_stmt *s, int col)
{
    if (eg__pg_is_null(s, col))
        return 0;
    const char *v = PQgetvalue(s->res, s->row, col);
    if (PQftype(s->res, col) == OID_BOOL)
        return v[0] == 't';
    return strtod(v, NULL);
}

static const unsigned char *decoded(struct eg__pg_stmt *s, int col, size_t *len)
{
    if (!s->dec) {
        int nc = PQnfields(s->res);
        s->dec = eg_calloc((size_t)nc, sizeof *s->dec);
        s->declen = eg_calloc((size_t)nc, sizeof *s->declen);
    }
    if (!s->dec[col]) {
        s->dec[col] = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, col),
                                      &s->declen[col]);
        if (!s->dec[col])
            abort(); /* out of memory */
    }
    *len = s->declen[col];
    return s->dec[col];
}

const char *eg__pg_text(struct eg__pg_stmt *s, int col, size_t *len)
{
    if (eg__pg_is_null(s, col)) {
        if (len)
            *len = 0;
        return NULL;
    }
    Oid t = PQftype(s->res, col);
    const char *v = PQgetvalue(s->res, s->row, col);
    size_t n = (size_t)PQgetlength(s->res, s->row, col);
    if (t == OID_BOOL) {
        v = v[0] == 't' ? "1" : "0";
        n = 1;
    } else if (t == OID_BYTEA) {
        v = (const char *)decoded(s, col, &n);
    }
    if (len)
        *len = n;
    return v;
}

const void *eg__pg_blob(struct eg__pg_stmt *s, int col, size_t *len)
{
    return eg__pg_text(s, col, len);
}

int eg__pg_columns(struct eg__pg_stmt *s)
{
    if (s->res)
        return PQnfields(s->res);
    PGresult *r = PQdescribePrepared(s->pg->c, s->name);
    int n = PQresultStatus(r) == PGRES_COMMAND_OK ? PQnfields(r) : 0;
    PQclear(r);
    return n;
}

const char *eg__pg_column_name(struct eg__pg_stmt *s, int col)
{
    return have(s, col) || (s->res && col < PQnfields(s->res)) ? PQfname(s->res, col) : NULL;
}

void eg__pg_done(struct eg__pg_stmt *s)
{
    if (!s)
        return;
    stmt_clear_row(s);
    PQclear(s->res);
    s->res = NULL;
    s->row = s->nrows = 0;
    for (int i = 0; i < s->nparams; i++) {
        free(s->vals[i]);
        s->vals[i] = NULL;
        s->lens[i] = s->fmts[i] = 0;
        s->kinds[i] = EG__PG_NULL;
    }
    s->bad_text = 0;
    s->in_use = 0;
}

int64_t eg__pg_last_id(struct eg__pg *pg)
{
    return pg->last_id;
}

int eg__pg_changes(struct eg__pg *pg)
{
    return pg->changes;
}
