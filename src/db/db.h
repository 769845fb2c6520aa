/*
 * store: database access. SQLite (WAL, foreign keys, busy timeout) is the embedded default;
 * the functions here are the seam a PostgreSQL backend plugs in behind later, so callers never
 * see SQLite types. SQLite specifics live in db/sqlite.c only.
 *
 * Two backends (issue 16): a path is an SQLite file (or ":memory:"); a postgresql:// or
 * postgres:// URL (libpq's, e.g. postgresql://envgov@db1/envgov, options=-csearch_path%3DNAME for
 * a schema of its own, created when missing) opens PostgreSQL. Modules write ONE dialect,
 * SQLite's shared subset that scripts/check-layers.sh enforces outside db/, with ?N parameters;
 * db/dialect.c translates it for PostgreSQL once per statement text (parameters, types, identity
 * keys, INSERT OR IGNORE, LIKE, random(), triggers; see db/internal.h), so SQL added later runs on
 * both without edits. A migration that cannot be translated gets its PostgreSQL text in
 * data/migrations/pg/NNN_name.sql (same number), which replaces it there. Differences that
 * remain: PostgreSQL text holds no NUL byte (refused, EG_EINVAL); ids used by a rolled-back
 * insert are not reused; eg_db_begin serializes writers with an advisory lock as SQLite's write
 * lock does; backup, vacuum and checkpoints are the server's (pg_dump, autovacuum).
 *
 * Schema changes are numbered SQL files under data/migrations/ (NNN_name.sql, compiled into the
 * binary), applied in order on open and by `envgov db migrate`, recorded in schema_version.
 * Number ranges by owner: 001-099 registry/auth/audit, 100-199 time series, 200-299 devices
 * (ingest), 300-399 quality/targets, 400-419 flow (workflow engine), 420-434 tasks, 435-449
 * intake (complaints, stewards' inspections), 450-499 rules/alerts, 500-599 govern, 600-649 plans
 * (pilots, plans, suggestions).
 */
#ifndef EG_DB_H
#define EG_DB_H

#include "base/base.h"

#include <stdint.h>

struct eg_db;
struct eg_stmt;

/* Opens (creating when absent) and migrates. path is a file path, ":memory:" or a
   postgresql:// URL. */
int eg_db_open(const char *path, struct eg_db **out, struct eg_err *err);

/* How a connection trades speed for safety; zeroes are the defaults eg_db_open uses (a commit
   survives a crash of the process, the last ones may be lost on power failure). */
struct eg_db_opts {
    int durable;   /* 1: a commit returns only after it is on disk (survives power failure) */
    int cache_kib; /* page cache of this connection in KiB; 0: the backend's default */
};
int eg_db_open_opts(const char *path, const struct eg_db_opts *opts, struct eg_db **out,
                    struct eg_err *err);
void eg_db_close(struct eg_db *st);
/* Applies pending migrations; *applied gets how many. Called by eg_db_open. */
int eg_db_migrate(struct eg_db *st, int *applied, struct eg_err *err);
int eg_db_schema_version(struct eg_db *st);

int eg_db_begin(struct eg_db *st, struct eg_err *err); /* BEGIN IMMEDIATE */
int eg_db_commit(struct eg_db *st, struct eg_err *err);
void eg_db_rollback(struct eg_db *st);
/* Runs SQL with no parameters and no rows (DDL, PRAGMA). */
int eg_db_exec(struct eg_db *st, const char *sql, struct eg_err *err);

/* Prepared statements, cached per connection by their SQL text (reused, never re-parsed).
   Parameters are 1-based. eg_stmt_step returns 1 for a row, 0 when done, < 0 on error;
   a UNIQUE or FOREIGN KEY violation returns EG_ECONFLICT (err.code "duplicate" or
   "referenced"; a duplicate's message names the columns without SQL text, "the same
   credit_code already exists", which the registry turns into field and value), a NOT NULL or
   CHECK violation EG_EINVAL ("constraint"), with err filled.
   eg_stmt_done resets for reuse (the cache keeps at most about 1024 idle statements). */
int eg_db_prepare(struct eg_db *st, const char *sql, struct eg_stmt **out, struct eg_err *err);
void eg_stmt_bind_int(struct eg_stmt *s, int i, int64_t v);
void eg_stmt_bind_double(struct eg_stmt *s, int i, double v);
void eg_stmt_bind_text(struct eg_stmt *s, int i, const char *v, size_t n); /* copied */
void eg_stmt_bind_blob(struct eg_stmt *s, int i, const void *v, size_t n); /* copied */
void eg_stmt_bind_null(struct eg_stmt *s, int i);
int eg_stmt_step(struct eg_stmt *s, struct eg_err *err);
int eg_stmt_is_null(struct eg_stmt *s, int col);
int64_t eg_stmt_int(struct eg_stmt *s, int col);
double eg_stmt_double(struct eg_stmt *s, int col);
const char *eg_stmt_text(struct eg_stmt *s, int col, size_t *len); /* valid until next step */
const void *eg_stmt_blob(struct eg_stmt *s, int col, size_t *len);
int eg_stmt_columns(struct eg_stmt *s);
const char *eg_stmt_column_name(struct eg_stmt *s, int col);
void eg_stmt_done(struct eg_stmt *s);
int64_t eg_db_last_id(struct eg_db *st);
int eg_db_changes(struct eg_db *st);

/* 1 when a transaction is open on this connection (so a caller-owned transaction is joined
   with a SAVEPOINT instead of a nested BEGIN). */
int eg_db_in_tx(struct eg_db *st);

/* Queries one integer (first column of the first row) with a bound at ?1 and, when text is not
   NULL, text at ?2; *found = 0 (and *out = 0) when there is no row. */
int eg_db_query_int(struct eg_db *st, const char *sql, int64_t a, const char *text, int64_t *out,
                    int *found, struct eg_err *err);

/* Whether the database file, its -wal and -shm (when present) and, when one of those must be
   created, its folder can be written (issue 10 item 15): by the permission bits (for root: any
   write bit, as root passes the access check anyway), the immutable attribute, a read-only
   mount and a real open for writing. EG_EIO "not_writable" with a message naming the file, its
   mode and what to do. A file that does not exist yet is fine when its folder is writable. */
int eg_db_check_writable(const char *path, struct eg_err *err);

/* The running marker (issue 10 item 17): PATH.running holds the pid and start time of the
   process serving the database; removed on a clean stop. eg_db_marker_begin, called before the
   database is opened: when a marker of an earlier run is there, that run did not stop cleanly;
   if the WAL is gone too, the transactions committed after the last checkpoint (acknowledged
   packets among them) are lost: *lost = 1 and msg says what and since when (*lost = 0 and msg
   empty otherwise; an unclean stop with its WAL is recovered by SQLite and only logged). Then
   writes a new marker. */
int eg_db_marker_begin(const char *path, char *msg, size_t cap, int *lost, struct eg_err *err);
void eg_db_marker_end(const char *path);

/* ---- giving free pages back to the file system (issue 11 item 7) ----
   A database created by eg_db_open has auto_vacuum=INCREMENTAL (it must be set before the
   first table exists): pages freed by deletes (compaction of closed days turns ~26 bytes of
   rows per value into ~1.7 bytes of blocks) go on the free list, and eg_db_vacuum_step moves up
   to max_pages of them to the end of the file and cuts it there, in one short write
   transaction (in WAL mode the file itself shrinks at the next checkpoint). *freed gets the
   pages given back, *left those still free. A database created before this setting has
   auto_vacuum=NONE: the step does nothing (*freed = 0) until it is converted once by
   eg_db_vacuum_convert, a full VACUUM (rewrites the whole file, needs as much free disk again
   and the only connection: run it with the service stopped). */
int eg_db_vacuum_step(struct eg_db *st, int max_pages, int64_t *freed, int64_t *left,
                      struct eg_err *err);
/* 1 when the database gives pages back (auto_vacuum INCREMENTAL or FULL), 0 when not. */
int eg_db_vacuum_enabled(struct eg_db *st);
int eg_db_vacuum_convert(struct eg_db *st, struct eg_err *err);

/* ---- checkpoints (issue 10 item 16) ----
   eg_db_checkpoint: a PASSIVE checkpoint (never waits; copies what no reader still needs), or
   TRUNCATE (waits up to 250 ms for the other connections, copies everything and truncates the
   WAL to zero bytes). EG_EIO "db_io" when the database file refuses the copy (read-only,
   immutable, disk full); "busy" when TRUNCATE could not finish in time. out (may be NULL) gets
   the WAL's frames, those copied, and its size on disk after the checkpoint. */
struct eg_db_ckpt {
    int wal_frames, copied;
    int64_t wal_bytes;
};
int eg_db_checkpoint(struct eg_db *st, int truncate, struct eg_db_ckpt *out, struct eg_err *err);

/* The periodic checkpoint job "db.checkpoint" on jobs, on its own connection: a PASSIVE
   checkpoint every interval_ms, a TRUNCATE one when the WAL is over wal_limit_bytes; failures
   are logged (ERROR, rate-limited by the log) and counted in envgov_db_checkpoint_failures_total,
   the WAL size is the gauge envgov_db_wal_bytes. Every connection also sets journal_size_limit
   to 64 MiB, so a WAL that grew is cut back after it restarts. */
struct eg_jobs;
struct eg_db_checkpointer;
int eg_db_checkpointer_start(struct eg_jobs *jobs, const char *path, int64_t interval_ms,
                             int64_t wal_limit_bytes, struct eg_db_checkpointer **out,
                             struct eg_err *err);
void eg_db_checkpointer_stop(struct eg_db_checkpointer *c); /* NULL is fine */

/* A write probe (issue 10 item 14): BEGIN IMMEDIATE, a changed header field (SQLite's
   user_version, unused otherwise), COMMIT — so a WAL frame is really appended: fails with
   EG_EIO "db_io" when the file, its WAL or the disk refuse writes, EG_EDB "busy" when another
   writer holds the lock for over 1 s (writes work then). */
int eg_db_probe_write(struct eg_db *st, struct eg_err *err);

/* Every table of src (an SQLite database) into dst (PostgreSQL, or another SQLite file), both
   opened, hence migrated, by this envgov (issue 16: a district moving onto the city's
   database). dst must hold no records yet (EG_ECONFLICT "copy_target_not_empty"); what its
   migrations seeded is replaced by the source's rows. One transaction per table, tables in the
   source's creation order; PostgreSQL's identity sequences continue after the copied ids.
   progress (may be NULL) is called after each batch of rows with the table, the rows copied so
   far and its total; *rows gets all rows copied. */
typedef void (*eg_db_copy_progress_fn)(const char *table, int64_t done, int64_t total, void *arg);
int eg_db_copy(struct eg_db *src, struct eg_db *dst, eg_db_copy_progress_fn progress, void *arg,
               int64_t *rows, struct eg_err *err);

/* path as it may be logged: a postgresql:// URL's password (user:PASSWORD@, password=…)
   replaced by "***"; a file path as it is. */
void eg_db_display_name(const char *path, char *out, size_t cap);

/* Consistent copy of the database to path while others keep writing (online backup). */
int eg_db_backup(struct eg_db *st, const char *path, struct eg_err *err);

#endif
