/*
 * sqlite.c: the SQLite backend behind db.h — the only file that includes <sqlite3.h>, so a
 * PostgreSQL backend can be added beside it later without touching callers.
 *
 * One struct eg_db is one connection, used by one thread at a time (the HTTP server opens one
 * per worker; the connection is opened SQLITE_OPEN_NOMUTEX for that reason). Settings applied on
 * every open:
 *   journal_mode=WAL      readers never block the writer (one writer at a time, many readers);
 *   synchronous=NORMAL    in WAL mode this is durable against application crashes and loses at
 *                         most the last transactions on power loss, never corrupts
 * (sqlite.org/wal); foreign_keys=ON       off by default in SQLite, per connection;
 *   busy wait 5000 ms     a writer waits up to 5 s for the lock instead of failing at once,
 *                         trying every millisecond, then every 5 ms (busy_poll).
 *
 * Prepared statements are cached per connection by their SQL text in a small hash table; a
 * statement handed out and not yet returned by eg_stmt_done is "in use", and a second prepare of
 * the same text while it is in use (nested loops) gets a second statement on the same chain.
 *
 * Opening an already migrated database is cheap: a few PRAGMAs and one SELECT of the version.
 *
 * A path that is a postgresql:// URL opens PostgreSQL instead (issue 16): the struct eg_db then
 * holds a pg.c connection and every function below hands its work to pg.c (the one seam stays
 * the one set of functions callers know).
 */
#include "db/db.h"
#include "db/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

struct eg_stmt {
    sqlite3_stmt *s;
    struct eg_db *st;
    struct eg_stmt *next; /* same SQL text, in the cache chain */
    char *sql;
    unsigned hash;
    int in_use;
    struct eg__pg_stmt *pg; /* a PostgreSQL statement (s is NULL) */
};

#define CACHE_BUCKETS 256
#define CACHE_MAX 1024 /* statements kept; list queries vary with their filters */

struct eg_db {
    sqlite3 *db;
    struct eg_stmt *cache[CACHE_BUCKETS];
    int ncached;
    int in_tx;
    int busy_ms;         /* how long a statement waits for a lock another connection holds */
    uint64_t busy_since; /* eg_nanos() when the current wait began */
    struct eg__pg *pg;   /* a PostgreSQL connection (db is NULL) */
};

/* Waiting for the write lock: SQLite's own busy_timeout sleeps 1, 2, 5, 10 … up to 100 ms
   between tries, so a connection that found the lock taken often slept far past its release
   while another connection (the maintenance's many short transactions) took it again: an ingest
   acknowledgement waited up to ~0.85 s at light load (issue 11). Trying every millisecond keeps
   the wait close to the time the lock is really held (5 ms between tries after the first
   100 ms). */
static int busy_poll(void *arg, int count)
{
    struct eg_db *st = arg;
    uint64_t now = eg_nanos();
    if (count == 0)
        st->busy_since = now;
    if (now - st->busy_since >= (uint64_t)st->busy_ms * (uint64_t)1000000)
        return 0;
    /* 1 ms for the first 100 tries (acknowledgements wait tens of ms), then 5 ms: a long wait
       (a big import holding the lock for seconds) does not spin against the holder */
    sqlite3_sleep(count < 100 ? 1 : 5);
    return 1;
}

static int64_t pragma_int(struct eg_db *st, const char *sql)
{
    sqlite3_stmt *q;
    int64_t v = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    return v;
}

static void set_busy(struct eg_db *st, int ms)
{
    st->busy_ms = ms;
    sqlite3_busy_handler(st->db, busy_poll, st);
}

/* Over CACHE_MAX, the idle statements of one chain are finalized before adding to it: the cache
   stays bounded whatever mix of generated SQL a long-running server sees. */
static void cache_trim(struct eg_db *st, struct eg_stmt **slot)
{
    while (*slot) {
        struct eg_stmt *s = *slot;
        if (!s->in_use) {
            *slot = s->next;
            sqlite3_finalize(s->s);
            free(s->sql);
            free(s);
            st->ncached--;
        } else {
            slot = &s->next;
        }
    }
}

static unsigned sql_hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* A UNIQUE or PRIMARY KEY violation as a message a person can act on: SQLite's
   "UNIQUE constraint failed: units.credit_code, …" becomes "the same credit_code, … already
   exists" (columns without their table, no SQL words). The registry reads the column list back
   between "the same " and " already exists" to name the values (registry.c write_values). */
static int duplicate(struct eg_err *err, const char *msg)
{
    const char *cols = msg ? strstr(msg, "failed: ") : NULL;
    if (!cols)
        return eg_err_set(err, EG_ECONFLICT, "duplicate", -1,
                          "a row with the same key already exists");
    cols += 8;
    char out[160];
    size_t n = 0;
    while (*cols && n + 1 < sizeof out) {
        /* "table.column" -> "column"; columns stay separated by ", " */
        const char *end = cols + strcspn(cols, ",");
        const char *dot = memchr(cols, '.', (size_t)(end - cols));
        const char *name = dot ? dot + 1 : cols;
        int len =
            snprintf(out + n, sizeof out - n, "%s%.*s", n ? ", " : "", (int)(end - name), name);
        if (len < 0 || (size_t)len >= sizeof out - n)
            break;
        n += (size_t)len;
        cols = *end ? end + 1 : end;
        while (*cols == ' ')
            cols++;
    }
    out[n] = '\0';
    return eg_err_set(err, EG_ECONFLICT, "duplicate", -1, "the same %s already exists", out);
}

static int db_err(struct eg_db *st, struct eg_err *err, int rc, const char *what)
{
    int ext = st ? sqlite3_extended_errcode(st->db) : rc;
    const char *msg = st ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    int prim = rc & 0xff;
    if (prim == SQLITE_CONSTRAINT) {
        /* Unique and primary-key violations are duplicates (409); a foreign key that blocks a
           delete or names a missing row is a conflict with other records (409 too); NOT NULL and
           CHECK violations are invalid input. */
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            return duplicate(err, msg);
        if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
            return eg_err_set(err, EG_ECONFLICT, "referenced", -1, "%s: %s", what, msg);
        return eg_err_set(err, EG_EINVAL, "constraint", -1, "%s: %s", what, msg);
    }
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return eg_err_set(err, EG_EDB, "busy", -1, "%s: database is busy: %s", what, msg);
    if (prim == SQLITE_CANTOPEN || prim == SQLITE_IOERR || prim == SQLITE_READONLY ||
        prim == SQLITE_FULL)
        return eg_err_set(err, EG_EIO, "db_io", -1, "%s: %s", what, msg);
    return eg_err_set(err, EG_EDB, "db_error", -1, "%s: %s", what, msg);
}

int eg_db_open(const char *path, struct eg_db **out, struct eg_err *err)
{
    static const struct eg_db_opts defaults = {0, 0};
    return eg_db_open_opts(path, &defaults, out, err);
}

/* The options apply after the migrations, as the writer's own PRAGMAs did before they moved
   here, so opening behaves exactly as it did. */
static int apply_opts(struct eg_db *st, const struct eg_db_opts *o, struct eg_err *err)
{
    int rc = 0;
    if (o->durable)
        rc = eg_db_exec(st, "PRAGMA synchronous=FULL", err);
    if (rc == 0 && o->cache_kib > 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", o->cache_kib); /* < 0: KiB */
        rc = eg_db_exec(st, sql, err);
    }
    return rc;
}

/* Creates a missing database file mode 0600 (whatever the umask) before SQLite opens it: the
   registry holds password hashes and sessions. SQLite gives the -wal and -shm files the main
   file's mode. An existing file keeps its mode; a failure here is left for SQLite to report. */
static void create_private(const char *path)
{
    if (!path[0] || !strcmp(path, ":memory:"))
        return;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
        (void)fchmod(fd, 0600); /* whatever the umask removed */
        close(fd);
    }
}

/* PostgreSQL: connect, then the migrations under an advisory lock (several nodes starting at
   once migrate a new database once). durable and cache_kib are the server's settings there
   (synchronous_commit, shared_buffers): not per connection. */
static int open_pg(const char *url, struct eg_db **out, struct eg_err *err)
{
    struct eg_db *st = eg_calloc(1, sizeof *st);
    int rc = eg__pg_open(url, &st->pg, err);
    if (rc < 0) {
        free(st);
        return rc;
    }
    rc = eg__pg_lock(st->pg, 1, err);
    if (rc == 0) {
        int applied = 0;
        rc = eg_db_migrate(st, &applied, err);
        struct eg_err e2;
        int r2 = eg__pg_lock(st->pg, 0, rc < 0 ? &e2 : err);
        if (rc == 0)
            rc = r2;
    }
    if (rc == 0)
        rc = eg__pg_after_migrate(st->pg, err);
    if (rc < 0) {
        eg_db_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

int eg_db_open_opts(const char *path, const struct eg_db_opts *opts, struct eg_db **out,
                    struct eg_err *err)
{
    *out = NULL;
    if (eg__db_is_pg_url(path))
        return open_pg(path, out, err);
    struct eg_db *st = eg_calloc(1, sizeof *st);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    create_private(path);
    int rc = sqlite3_open_v2(path, &st->db, flags, NULL);
    if (rc != SQLITE_OK) {
        int r = eg_err_set(err, EG_EIO, "db_open", -1, "cannot open database %s: %s", path,
                           st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        sqlite3_close(st->db);
        free(st);
        return r;
    }
    sqlite3_extended_result_codes(st->db, 1);
    /* busy_timeout first: switching to WAL needs a lock another opener may hold. */
    set_busy(st, 5000);
    int is_mem = !strcmp(path, ":memory:") || !path[0];
    const char *setup = is_mem ? "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                               : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                 "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
                                 "PRAGMA journal_size_limit=67108864;";
    /* A new database gives freed pages back (eg_db_vacuum_step): auto_vacuum can only be set
       before the first table exists, and setting it writes the header, so only then. */
    if (!is_mem && pragma_int(st, "SELECT count(*) FROM sqlite_master") == 0)
        sqlite3_exec(st->db, "PRAGMA auto_vacuum=INCREMENTAL", NULL, NULL, NULL);
    char *msg = NULL;
    rc = sqlite3_exec(st->db, setup, NULL, NULL, &msg);
    /* Switching a new file to WAL while another connection does the same can fail with
       SQLITE_BUSY without consulting the busy handler: retry for up to the same 5 s. */
    for (int tries = 0; (rc & 0xff) == SQLITE_BUSY && tries < 100; tries++) {
        sqlite3_free(msg);
        msg = NULL;
        sqlite3_sleep(50);
        rc = sqlite3_exec(st->db, setup, NULL, NULL, &msg);
    }
    if (rc != SQLITE_OK) {
        int r = eg_err_set(err, (rc & 0xff) == SQLITE_NOTADB ? EG_EIO : EG_EDB, "db_open", -1,
                           "cannot set up database %s: %s", path, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(st->db);
        free(st);
        return r;
    }
    int applied = 0;
    rc = eg_db_migrate(st, &applied, err);
    if (rc == 0)
        rc = apply_opts(st, opts, err);
    if (rc < 0) {
        eg_db_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void eg_db_close(struct eg_db *st)
{
    if (!st)
        return;
    if (st->pg) {
        eg__pg_close(st->pg);
        free(st);
        return;
    }
    for (int i = 0; i < CACHE_BUCKETS; i++) {
        struct eg_stmt *s = st->cache[i];
        while (s) {
            struct eg_stmt *n = s->next;
            sqlite3_finalize(s->s);
            free(s->sql);
            free(s);
            s = n;
        }
    }
    sqlite3_close_v2(st->db);
    free(st);
}

int eg_db_exec(struct eg_db *st, const char *sql, struct eg_err *err)
{
    if (st->pg)
        return eg__pg_exec(st->pg, sql, err);
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        char what[200];
        snprintf(what, sizeof what, "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return db_err(st, err, rc, what);
    }
    return 0;
}

int eg_db_begin(struct eg_db *st, struct eg_err *err)
{
    /* IMMEDIATE takes the write lock now, so a transaction that reads then writes never fails
       half-way with SQLITE_BUSY (the busy timeout applies to BEGIN instead). */
    int r = st->pg ? eg__pg_begin(st->pg, err) : eg_db_exec(st, "BEGIN IMMEDIATE", err);
    if (r == 0)
        st->in_tx = 1;
    return r;
}

int eg_db_commit(struct eg_db *st, struct eg_err *err)
{
    int r = eg_db_exec(st, "COMMIT", err);
    if (r == 0)
        st->in_tx = 0;
    return r;
}

void eg_db_rollback(struct eg_db *st)
{
    if (st->pg) {
        if (eg__pg_in_tx(st->pg))
            eg__pg_exec(st->pg, "ROLLBACK", NULL);
        st->in_tx = 0;
        return;
    }
    if (sqlite3_get_autocommit(st->db) == 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_tx = 0;
}

int eg__db_is_pg(struct eg_db *st)
{
    return st->pg != NULL;
}

int eg__db_exec_native(struct eg_db *st, const char *sql, struct eg_err *err)
{
    return st->pg ? eg__pg_exec_native(st->pg, sql, err) : eg_db_exec(st, sql, err);
}

int eg_db_in_tx(struct eg_db *st)
{
    if (st->pg)
        return eg__pg_in_tx(st->pg);
    return sqlite3_get_autocommit(st->db) == 0;
}

/* pg.c caches its statements; each carries the struct eg_stmt callers hold (made once). */
static int prepare_pg(struct eg_db *st, const char *sql, struct eg_stmt **out, struct eg_err *err)
{
    struct eg__pg_stmt *p;
    void **outer;
    *out = NULL;
    int rc = eg__pg_prepare(st->pg, sql, &p, &outer, err);
    if (rc < 0)
        return rc;
    if (!*outer) {
        struct eg_stmt *s = eg_calloc(1, sizeof *s);
        s->st = st;
        s->pg = p;
        *outer = s;
    }
    *out = *outer;
    return 0;
}

int eg_db_prepare(struct eg_db *st, const char *sql, struct eg_stmt **out, struct eg_err *err)
{
    if (st->pg)
        return prepare_pg(st, sql, out, err);
    unsigned h = sql_hash(sql);
    struct eg_stmt **slot = &st->cache[h % CACHE_BUCKETS];
    for (struct eg_stmt *s = *slot; s; s = s->next) {
        if (s->hash == h && !s->in_use && !strcmp(s->sql, sql)) {
            s->in_use = 1;
            *out = s;
            return 0;
        }
    }
    if (st->ncached >= CACHE_MAX)
        cache_trim(st, slot);
    sqlite3_stmt *ps = NULL;
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &ps, NULL);
    if (rc != SQLITE_OK) {
        *out = NULL;
        return db_err(st, err, rc, "prepare");
    }
    struct eg_stmt *s = eg_calloc(1, sizeof *s);
    s->s = ps;
    s->st = st;
    s->sql = eg_strdup(sql);
    s->hash = h;
    s->in_use = 1;
    s->next = *slot;
    *slot = s;
    st->ncached++;
    *out = s;
    return 0;
}

void eg_stmt_bind_int(struct eg_stmt *s, int i, int64_t v)
{
    if (s->pg) {
        eg__pg_bind(s->pg, i, EG__PG_INT, &v, sizeof v);
        return;
    }
    sqlite3_bind_int64(s->s, i, v);
}
void eg_stmt_bind_double(struct eg_stmt *s, int i, double v)
{
    if (s->pg) {
        eg__pg_bind(s->pg, i, EG__PG_DOUBLE, &v, sizeof v);
        return;
    }
    sqlite3_bind_double(s->s, i, v);
}
void eg_stmt_bind_null(struct eg_stmt *s, int i)
{
    if (s->pg) {
        eg__pg_bind(s->pg, i, EG__PG_NULL, NULL, 0);
        return;
    }
    sqlite3_bind_null(s->s, i);
}

void eg_stmt_bind_text(struct eg_stmt *s, int i, const char *v, size_t n)
{
    /* Length-bounded, so text with NULs inside is stored whole (SQLite only). */
    if (s->pg) {
        eg__pg_bind(s->pg, i, EG__PG_TEXT, v ? v : "", v ? n : 0);
        return;
    }
    sqlite3_bind_text64(s->s, i, v ? v : "", (sqlite3_uint64)n, SQLITE_TRANSIENT, SQLITE_UTF8);
}

void eg_stmt_bind_blob(struct eg_stmt *s, int i, const void *v, size_t n)
{
    if (s->pg) {
        eg__pg_bind(s->pg, i, EG__PG_BLOB, v, n);
        return;
    }
    sqlite3_bind_blob64(s->s, i, n ? v : "", (sqlite3_uint64)n, SQLITE_TRANSIENT);
}

int eg_stmt_step(struct eg_stmt *s, struct eg_err *err)
{
    if (s->pg)
        return eg__pg_step(s->pg, err);
    int rc = sqlite3_step(s->s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return db_err(s->st, err, rc, "step");
}

int eg_stmt_is_null(struct eg_stmt *s, int col)
{
    if (s->pg)
        return eg__pg_is_null(s->pg, col);
    return sqlite3_column_type(s->s, col) == SQLITE_NULL;
}
int64_t eg_stmt_int(struct eg_stmt *s, int col)
{
    if (s->pg)
        return eg__pg_int(s->pg, col);
    return sqlite3_column_int64(s->s, col);
}
double eg_stmt_double(struct eg_stmt *s, int col)
{
    if (s->pg)
        return eg__pg_double(s->pg, col);
    return sqlite3_column_double(s->s, col);
}

const char *eg_stmt_text(struct eg_stmt *s, int col, size_t *len)
{
    if (s->pg)
        return eg__pg_text(s->pg, col, len);
    const char *t = (const char *)sqlite3_column_text(s->s, col);
    if (len)
        *len = t ? (size_t)sqlite3_column_bytes(s->s, col) : 0;
    return t;
}

const void *eg_stmt_blob(struct eg_stmt *s, int col, size_t *len)
{
    if (s->pg)
        return eg__pg_blob(s->pg, col, len);
    const void *b = sqlite3_column_blob(s->s, col);
    if (len)
        *len = (size_t)sqlite3_column_bytes(s->s, col);
    return b;
}

int eg__stmt_kind(struct eg_stmt *s, int col)
{
    if (s->pg)
        return eg__pg_is_null(s->pg, col) ? EG__PG_NULL : EG__PG_TEXT;
    switch (sqlite3_column_type(s->s, col)) {
    case SQLITE_INTEGER:
        return EG__PG_INT;
    case SQLITE_FLOAT:
        return EG__PG_DOUBLE;
    case SQLITE_TEXT:
        return EG__PG_TEXT;
    case SQLITE_BLOB:
        return EG__PG_BLOB;
    default:
        return EG__PG_NULL;
    }
}

int eg_stmt_columns(struct eg_stmt *s)
{
    if (s->pg)
        return eg__pg_columns(s->pg);
    return sqlite3_column_count(s->s);
}
const char *eg_stmt_column_name(struct eg_stmt *s, int col)
{
    if (s->pg)
        return eg__pg_column_name(s->pg, col);
    return sqlite3_column_name(s->s, col);
}

void eg_stmt_done(struct eg_stmt *s)
{
    if (!s)
        return;
    if (s->pg) {
        eg__pg_done(s->pg);
        return;
    }
    sqlite3_reset(s->s);
    sqlite3_clear_bindings(s->s);
    s->in_use = 0;
}

int64_t eg_db_last_id(struct eg_db *st)
{
    if (st->pg)
        return eg__pg_last_id(st->pg);
    return sqlite3_last_insert_rowid(st->db);
}
int eg_db_changes(struct eg_db *st)
{
    if (st->pg)
        return eg__pg_changes(st->pg);
    return sqlite3_changes(st->db);
}

/* One file or folder: 0 when writable, else fills err. what: "database", "its WAL", ... */
static int check_one(const char *path, const char *what, const char *fix, int is_dir,
                     struct eg_err *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return eg_err_set(err, EG_EIO, "not_writable", -1, "cannot read %s %s: %s", what, path,
                          strerror(errno));
    unsigned mode = (unsigned)sb.st_mode & 07777;
    int bits = geteuid() == 0 ? (mode & 0222) != 0 : access(path, W_OK) == 0;
    if (!bits)
        return eg_err_set(err, EG_EIO, "not_writable", -1,
                          "%s %s is read-only (mode %04o, owner uid %u): %s", what, path, mode,
                          (unsigned)sb.st_uid, fix);
    int fd = open(path, (is_dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return eg_err_set(err, EG_EIO, "not_writable", -1,
                          "%s %s cannot be opened for writing: %s%s", what, path, strerror(errno),
                          errno == EROFS   ? " (a read-only file system: remount it read-write)"
                          : errno == EPERM ? " (immutable? chattr -i it)"
                                           : "");
    int flags = 0;
    int immutable =
        ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)) != 0;
    close(fd);
    if (immutable)
        return eg_err_set(err, EG_EIO, "not_writable", -1,
                          "%s %s has the immutable or append-only attribute: chattr -i -a it", what,
                          path);
    return 0;
}

int eg_db_check_writable(const char *path, struct eg_err *err)
{
    if (!path[0] || !strcmp(path, ":memory:") || eg__db_is_pg_url(path))
        return 0;
    char side[4096], dir[4096];
    if (strlen(path) + 5 > sizeof side)
        return eg_err_set(err, EG_EINVAL, "bad_path", -1, "database path too long");
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int missing = 0;
    static const char *const sfx[] = {"", "-wal", "-shm"};
    static const char *const what[] = {"the database", "the database's WAL",
                                       "the database's shared-memory file"};
    for (int i = 0; i < 3; i++) {
        snprintf(side, sizeof side, "%s%s", path, sfx[i]);
        if (access(side, F_OK) != 0) {
            missing = 1;
            continue;
        }
        const char *fix = i == 0 ? "make it writable (chmod u+w) for the user running envgov, "
                                   "or serve a writable copy"
                                 : "an earlier process or an operator left it so; with no envgov "
                                   "running, remove it or make it writable (chmod u+w)";
        int rc = check_one(side, what[i], fix, 0, err);
        if (rc < 0)
            return rc;
    }
    if (missing)
        return check_one(dir, "the database's folder",
                         "SQLite creates its files (the database, -wal, -shm) there: make it "
                         "writable",
                         1, err);
    return 0;
}

int eg_db_vacuum_enabled(struct eg_db *st)
{
    if (st->pg)
        return 1; /* PostgreSQL's autovacuum reuses freed space by itself */
    return pragma_int(st, "PRAGMA auto_vacuum") > 0;
}

int eg_db_vacuum_step(struct eg_db *st, int max_pages, int64_t *freed, int64_t *left,
                      struct eg_err *err)
{
    *freed = 0;
    if (st->pg) {
        if (left)
            *left = 0;
        return 0;
    }
    int64_t before = pragma_int(st, "PRAGMA freelist_count");
    if (left)
        *left = before;
    if (before <= 0 || !eg_db_vacuum_enabled(st))
        return 0;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA incremental_vacuum(%d)", max_pages > 0 ? max_pages : 1);
    int rc = eg_db_exec(st, sql, err);
    if (rc)
        return rc;
    int64_t after = pragma_int(st, "PRAGMA freelist_count");
    *freed = before - (after < 0 ? 0 : after);
    if (left)
        *left = after;
    return 0;
}

int eg_db_vacuum_convert(struct eg_db *st, struct eg_err *err)
{
    if (st->pg || eg_db_vacuum_enabled(st))
        return 0;
    int rc = eg_db_exec(st, "PRAGMA auto_vacuum=INCREMENTAL", err);
    return rc ? rc : eg_db_exec(st, "VACUUM", err);
}

int eg_db_checkpoint(struct eg_db *st, int truncate, struct eg_db_ckpt *out, struct eg_err *err)
{
    int frames = -1, copied = -1;
    if (st->pg) { /* PostgreSQL checkpoints by itself */
        if (out)
            *out = (struct eg_db_ckpt){.wal_frames = 0, .copied = 0, .wal_bytes = 0};
        return 0;
    }
    if (truncate)
        set_busy(st, 250);
    int rc = sqlite3_wal_checkpoint_v2(
        st->db, NULL, truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE, &frames,
        &copied);
    if (truncate)
        set_busy(st, 5000);
    if (out) {
        out->wal_frames = frames;
        out->copied = copied;
        out->wal_bytes = 0;
        const char *file = sqlite3_db_filename(st->db, "main");
        if (file && file[0]) {
            char wal[4200];
            struct stat sb;
            snprintf(wal, sizeof wal, "%s-wal", file);
            if (stat(wal, &sb) == 0)
                out->wal_bytes = (int64_t)sb.st_size;
        }
    }
    if (rc != SQLITE_OK)
        return db_err(st, err, rc, "checkpoint");
    return 0;
}

int eg_db_marker_begin(const char *path, char *msg, size_t cap, int *lost, struct eg_err *err)
{
    *lost = 0;
    msg[0] = '\0';
    if (!path[0] || !strcmp(path, ":memory:") || eg__db_is_pg_url(path))
        return 0;
    char marker[4200], wal[4200];
    snprintf(marker, sizeof marker, "%s.running", path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    FILE *f = fopen(marker, "r");
    if (f) {
        char line[256] = "";
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        struct stat db;
        char ckpt[40] = "unknown";
        if (stat(path, &db) == 0)
            eg_time_format_beijing((int64_t)db.st_mtime, ckpt, sizeof ckpt);
        if (access(wal, F_OK) != 0 && access(path, F_OK) == 0) {
            *lost = 1;
            snprintf(msg, cap,
                     "the previous run (%s) did not stop cleanly and its WAL %s is gone: what it "
                     "committed after the last checkpoint (%s +08, the database file's time) up "
                     "to its end, acknowledged HJ 212 packets among it, is lost",
                     line[0] ? line : "no details", wal, ckpt);
        } else {
            snprintf(msg, cap,
                     "the previous run (%s) did not stop cleanly; its WAL is kept and SQLite "
                     "recovers it",
                     line[0] ? line : "no details");
        }
    }
    int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f && fd >= 0)
        close(fd);
    if (!f)
        return eg_err_set(err, EG_EIO, "not_writable", -1, "cannot write %s: %s", marker,
                          strerror(errno));
    char when[40];
    eg_time_format_beijing(eg_time_now(), when, sizeof when);
    fprintf(f, "pid %ld, started %s +08\n", (long)getpid(), when);
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad)
        return eg_err_set(err, EG_EIO, "not_writable", -1, "cannot write %s", marker);
    return 0;
}

void eg_db_marker_end(const char *path)
{
    if (!path[0] || !strcmp(path, ":memory:") || eg__db_is_pg_url(path))
        return;
    char marker[4200];
    snprintf(marker, sizeof marker, "%s.running", path);
    unlink(marker);
}

int eg_db_probe_write(struct eg_db *st, struct eg_err *err)
{
    if (st->pg) { /* a real write, committed */
        int rc = eg_db_begin(st, err);
        if (rc == 0)
            rc = eg_db_exec(st,
                            "UPDATE schema_version SET applied_at = applied_at WHERE version = "
                            "(SELECT MAX(version) FROM schema_version)",
                            err);
        if (rc == 0)
            rc = eg_db_commit(st, err);
        if (rc < 0)
            eg_db_rollback(st);
        return rc;
    }
    set_busy(st, 1000);
    int rc = eg_db_begin(st, err);
    if (rc == 0) {
        struct eg_stmt *s;
        int64_t v = 0;
        rc = eg_db_prepare(st, "PRAGMA user_version", &s, err);
        if (rc == 0) {
            if (eg_stmt_step(s, err) == 1)
                v = eg_stmt_int(s, 0);
            eg_stmt_done(s);
            char sql[64];
            snprintf(sql, sizeof sql, "PRAGMA user_version=%d", (int)((v + 1) % 1000000));
            rc = eg_db_exec(st, sql, err);
        }
        if (rc == 0)
            rc = eg_db_commit(st, err);
        else
            eg_db_rollback(st);
        if (rc < 0 && eg_db_in_tx(st))
            eg_db_rollback(st);
    }
    set_busy(st, 5000);
    return rc;
}

int eg_db_backup(struct eg_db *st, const char *path, struct eg_err *err)
{
    sqlite3 *dst = NULL;
    if (st->pg)
        return eg_err_set(err, EG_EINVAL, "backup_pg", -1,
                          "a PostgreSQL database is backed up with pg_dump or pg_basebackup "
                          "(docs/deployment.md), not by envgov");
    create_private(path);
    int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        int r = eg_err_set(err, EG_EIO, "backup_open", -1, "cannot open backup file %s: %s", path,
                           dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
        sqlite3_close(dst);
        return r;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", st->db, "main");
    if (!b) {
        int r = eg_err_set(err, EG_EDB, "backup", -1, "backup of %s failed: %s", path,
                           sqlite3_errmsg(dst));
        sqlite3_close(dst);
        return r;
    }
    /* Copies in steps of 1024 pages; in WAL mode a copy step only holds a read transaction, so
       writers on other connections go on (a write on this connection restarts the copy). */
    do {
        rc = sqlite3_backup_step(b, 1024);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(5);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        int r = eg_err_set(err, EG_EDB, "backup", -1, "backup to %s failed: %s", path,
                           sqlite3_errstr(rc));
        sqlite3_close(dst);
        return r;
    }
    sqlite3_close(dst);
    return 0;
}
