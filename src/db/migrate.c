/*
 * migrate.c: numbered schema migrations. Each data/migrations/NNN_name.sql (compiled into the
 * binary) is applied once, in numeric order, inside its own transaction together with the row
 * that records it in schema_version, so a migration is either wholly applied or not at all.
 *
 * Portable: uses only the db.h seam and plain SQL (CREATE TABLE IF NOT EXISTS, INSERT), so a
 * PostgreSQL backend reuses it. Several processes or threads opening a new database at once are
 * safe: the version is re-read after BEGIN IMMEDIATE takes the write lock.
 *
 * PostgreSQL (issue 16) runs the same files, translated by dialect.c. A file
 * data/migrations/pg/NNN_name.sql is PostgreSQL's own: it replaces NNN there (where a
 * translation is impossible) or adds a number only PostgreSQL has (000: the functions the
 * translation calls). SQLite never sees the pg/ folder.
 */
#include "db/db.h"
#include "db/internal.h"

#include <stdlib.h>
#include <string.h>

struct migration {
    int version;
    const char *name; /* path under data/ */
    const char *sql;
};

/* "migrations/NNN_name.sql" (pg 0) or "migrations/pg/NNN_name.sql" (pg 1) -> NNN, or -1 when
   the path is not such a migration. */
static int migration_number(const char *path, int pg)
{
    const char *prefix = pg ? "migrations/pg/" : "migrations/";
    size_t pl = strlen(prefix);
    if (strncmp(path, prefix, pl))
        return -1;
    const char *p = path + pl;
    if (strchr(p, '/'))
        return -1;
    size_t n = strlen(p);
    if (n < 9 || strcmp(p + n - 4, ".sql") || p[3] != '_')
        return -1;
    int v = 0;
    for (int i = 0; i < 3; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static int cmp_migration(const void *a, const void *b)
{
    const struct migration *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

/* The embedded migrations sorted by number (for PostgreSQL with its own files in place of those
   of the same number). Returns how many; *out is allocated. */
static int collect(int pg, struct migration **out, struct eg_err *err)
{
    int n = 0;
    for (const struct eg_embedded *e = eg_embedded_files; e->path; e++)
        if (migration_number(e->path, 0) >= 0 || (pg && migration_number(e->path, 1) >= 0))
            n++;
    struct migration *m = eg_calloc((size_t)n + 1, sizeof *m);
    int k = 0;
    for (const struct eg_embedded *e = eg_embedded_files; e->path; e++) {
        int v = migration_number(e->path, 0);
        if (v < 0 && pg)
            v = migration_number(e->path, 1);
        if (v >= 0)
            m[k++] = (struct migration){v, e->path, e->data};
    }
    if (pg) { /* a pg/ file replaces the common one of its number */
        int w = 0;
        for (int i = 0; i < k; i++) {
            int shadowed = 0;
            if (!strncmp(m[i].name, "migrations/", 11) && strncmp(m[i].name, "migrations/pg/", 14))
                for (int j = 0; j < k; j++)
                    if (j != i && m[j].version == m[i].version &&
                        !strncmp(m[j].name, "migrations/pg/", 14))
                        shadowed = 1;
            if (!shadowed)
                m[w++] = m[i];
        }
        n = k = w;
    }
    qsort(m, (size_t)n, sizeof *m, cmp_migration);
    for (int i = 1; i < n; i++) {
        if (m[i].version == m[i - 1].version) {
            int r = eg_err_set(err, EG_EDB, "migration_duplicate", -1,
                               "two migrations share number %03d: %s and %s", m[i].version,
                               m[i - 1].name, m[i].name);
            free(m);
            return r;
        }
    }
    *out = m;
    return n;
}

static int read_version(struct eg_db *st, int *version, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(st, "SELECT COALESCE(MAX(version), 0) FROM schema_version", &s, err);
    if (r < 0)
        return r;
    r = eg_stmt_step(s, err);
    if (r == 1) {
        *version = (int)eg_stmt_int(s, 0);
        r = 0;
    }
    eg_stmt_done(s);
    return r;
}

int eg_db_schema_version(struct eg_db *st)
{
    int v = 0;
    if (read_version(st, &v, NULL) < 0)
        return -1;
    return v;
}

static const char create_version_table[] = "CREATE TABLE IF NOT EXISTS schema_version ("
                                           " version INTEGER PRIMARY KEY,"
                                           " name TEXT NOT NULL,"
                                           " applied_at INTEGER NOT NULL)";

/* Whether migration number v is recorded in schema_version. */
static int is_applied(struct eg_db *st, int v, int *yes, struct eg_err *err)
{
    int64_t n = 0;
    int found = 0;
    int r = eg_db_query_int(st, "SELECT COUNT(*) FROM schema_version WHERE version = ?", v, NULL,
                            &n, &found, err);
    *yes = n > 0;
    return r < 0 ? r : 0;
}

/* Every embedded migration not yet recorded is applied, in numeric order — not only those above
   the highest recorded: each module numbers its migrations in its own range (registry 001-099,
   time series 100-199, …), so a module's new migration may come below another module's newest
   (issue 11: registry 003 after targets 300). A migration depends only on its own module's
   earlier ones, which have smaller numbers in the same range. */
int eg_db_migrate(struct eg_db *st, int *applied, struct eg_err *err)
{
    *applied = 0;
    struct migration *m = NULL;
    int n = collect(eg__db_is_pg(st), &m, err);
    if (n < 0)
        return n;
    int r = eg_db_exec(st, create_version_table, err);
    int cur = 0;
    int64_t known = 0;
    int found = 0;
    if (r == 0)
        r = read_version(st, &cur, err);
    if (r == 0 && n > 0) {
        /* how many of the embedded migrations are recorded: the common case, a database already
           up to date, costs this one SELECT */
        struct eg_buf sql = {0};
        eg_buf_puts(&sql,
                    "SELECT COUNT(*) FROM schema_version WHERE version >= ? AND version IN (");
        for (int i = 0; i < n; i++)
            eg_buf_printf(&sql, "%s%d", i ? ", " : "", m[i].version);
        eg_buf_puts(&sql, ")");
        r = eg_db_query_int(st, sql.data, 0, NULL, &known, &found, err);
        eg_buf_free(&sql);
    }
    if (r == 0 && n > 0 && cur > m[n - 1].version)
        eg_log(EG_LOG_WARN,
               "store: database schema version %d is newer than this envgov knows "
               "(%d); upgrade envgov",
               cur, m[n - 1].version);
    if (r < 0 || n == 0 || known == n) {
        free(m);
        return r < 0 ? r : 0;
    }
    for (int i = 0; i < n && r == 0; i++) {
        int done = 0;
        r = is_applied(st, m[i].version, &done, err);
        if (r < 0 || done)
            continue;
        r = eg_db_begin(st, err);
        if (r < 0)
            break;
        r = is_applied(st, m[i].version, &done, err); /* another opener may have meanwhile */
        if (r == 0 && done) {
            r = eg_db_commit(st, err);
            continue;
        }
        if (r == 0) {
            /* PostgreSQL's own files are PostgreSQL already: not translated */
            r = strncmp(m[i].name, "migrations/pg/", 14) ? eg_db_exec(st, m[i].sql, err)
                                                         : eg__db_exec_native(st, m[i].sql, err);
            if (r < 0 && err) {
                char why[sizeof err->msg];
                memcpy(why, err->msg, sizeof why);
                eg_err_set(err, r, "migration_failed", m[i].version, "migration %s failed: %s",
                           m[i].name, why);
            }
        }
        if (r == 0) {
            struct eg_stmt *s;
            r = eg_db_prepare(st,
                              "INSERT INTO schema_version(version, name, applied_at) "
                              "VALUES (?, ?, ?)",
                              &s, err);
            if (r == 0) {
                const char *base = strrchr(m[i].name, '/') + 1;
                eg_stmt_bind_int(s, 1, m[i].version);
                eg_stmt_bind_text(s, 2, base, strlen(base));
                eg_stmt_bind_int(s, 3, eg_time_now());
                r = eg_stmt_step(s, err);
                eg_stmt_done(s);
            }
        }
        if (r == 0)
            r = eg_db_commit(st, err);
        if (r < 0) {
            eg_db_rollback(st);
            break;
        }
        (*applied)++;
    }
    free(m);
    return r < 0 ? r : 0;
}
