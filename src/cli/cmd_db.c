/*
 * cmd_db.c: `envgov db migrate`, `envgov db backup`, `envgov db copy` and `envgov db vacuum`, and
 * the database path rule every command shares (cli_db.h).
 */
#include "cli/cli.h"
#include "cli/cli_db.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static char db_path_buf[4096];
static char db_source_buf[4200];

const char *eg__cli_db_path(const char *flag)
{
    if (flag && flag[0]) {
        snprintf(db_source_buf, sizeof db_source_buf, "--db");
        return flag;
    }
    /* serve's own settings table: $EG_DB, then the config file's [store] db, then the default,
       with exactly the precedence serve applies */
    struct eg_config cfg;
    struct eg_err err;
    eg_err_clear(&err);
    char *argv[] = {"envgov", NULL};
    if (eg_config_load(&cfg, eg__serve_keys, eg__serve_nkeys, 1, argv, &err)) {
        fprintf(stderr, "envgov: the database path: %s (the file named by $EG_CONFIG)\n", err.msg);
        return NULL;
    }
    int k = 0;
    while (k < cfg.nkeys && strcmp(cfg.keys[k].name, "store.db"))
        k++;
    const char *src = k < cfg.nkeys ? cfg.sources[k] : "default";
    snprintf(db_path_buf, sizeof db_path_buf, "%s", eg_config_get(&cfg, "store.db"));
    if (!strcmp(src, "env"))
        snprintf(db_source_buf, sizeof db_source_buf, "$EG_DB");
    else if (!strcmp(src, "file"))
        snprintf(db_source_buf, sizeof db_source_buf, "[store] db of the config file %s",
                 cfg.file ? cfg.file : "$EG_CONFIG");
    else
        snprintf(db_source_buf, sizeof db_source_buf,
                 "the default, the database `make run` serves");
    eg_config_free(&cfg);
    return db_path_buf;
}

const char *eg__cli_db_source(void)
{
    return db_source_buf[0] ? db_source_buf : "given";
}

/* Says that prog found no database at path, by which step of the rule, and what to do. */
static void no_database(const char *prog, const char *path)
{
    fprintf(stderr,
            "%s: no database at %s (from %s): this command reads an existing database and does "
            "not create one. Load the demo with `make run` (var/envgov.db), create an empty one "
            "with `envgov db migrate --db %s`, or name another with --db PATH or $EG_DB\n",
            prog, path, eg__cli_db_source(), path);
    if (!strcmp(path, EG_CLI_DB_RUN) && access("envgov.db", F_OK) == 0)
        fprintf(stderr,
                "%s: ./envgov.db exists here (the default of earlier versions): use it with "
                "--db envgov.db, or move it to " EG_CLI_DB_RUN "\n",
                prog);
}

struct eg_db *eg__cli_open_existing(const char *prog, const char *flag)
{
    const char *path = eg__cli_db_path(flag);
    if (!path)
        return NULL;
    if (strncmp(path, "postgres", 8) && access(path, F_OK) != 0) {
        no_database(prog, path);
        return NULL;
    }
    return eg__cli_create(path);
}

struct eg_db *eg__cli_open(const char *path)
{
    if (!path)
        return NULL;
    /* a postgresql:// URL: the server says whether the database exists */
    if (strcmp(path, ":memory:") && strncmp(path, "postgres", 8) && access(path, F_OK) != 0) {
        no_database("envgov", path);
        return NULL;
    }
    return eg__cli_create(path);
}

struct eg_db *eg__cli_create(const char *path)
{
    if (!path)
        return NULL;
    struct eg_db *st = NULL;
    struct eg_err err;
    eg_err_clear(&err);
    if (eg_db_open(path, &st, &err) < 0) {
        fprintf(stderr, "envgov: %s\n", err.msg);
        return NULL;
    }
    return st;
}

/* Parses the only option these commands share; returns 0, or an exit code. */
static int parse_db_only(int argc, char **argv, const char *cmdverb, const char *help,
                         const char **db, int *help_shown)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    *help_shown = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            *db = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("db", cmdverb), help);
            *help_shown = 1;
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    return 0;
}

int eg_cmd_db_migrate(int argc, char **argv)
{
    static const char help[] =
        "Creates the database when absent and applies every pending schema migration\n"
        "(data/migrations/NNN_name.sql, compiled in), each in its own transaction, recording\n"
        "it in the table schema_version. Safe to run again: nothing is applied twice.\n\n"
        "options:\n" EG_CLI_DB_HELP;
    const char *db = NULL;
    int shown;
    int rc = parse_db_only(argc, argv, "migrate", help, &db, &shown);
    if (rc || shown)
        return rc;
    if (optind != argc) {
        fprintf(stderr, "envgov db migrate: unexpected argument '%s'\n", argv[optind]);
        return EG_EXIT_USAGE;
    }
    db = eg__cli_db_path(db);
    struct eg_db *st = eg__cli_create(db);
    if (!st)
        return EG_EXIT_FAIL;
    printf("%s: schema version %d\n", db, eg_db_schema_version(st));
    eg_db_close(st);
    return EG_EXIT_OK;
}

int eg_cmd_db_backup(int argc, char **argv)
{
    static const char help[] =
        "Writes a consistent copy of the database to DEST (SQLite online backup): the server\n"
        "may keep running and writing meanwhile.\n\n"
        "options:\n" EG_CLI_DB_HELP;
    const char *db = NULL;
    int shown;
    int rc = parse_db_only(argc, argv, "backup", help, &db, &shown);
    if (rc || shown)
        return rc;
    if (optind != argc - 1) {
        fprintf(stderr, "usage: envgov db backup DEST [--db PATH]\n");
        return EG_EXIT_USAGE;
    }
    db = eg__cli_db_path(db);
    struct eg_db *st = eg__cli_open(db);
    if (!st)
        return EG_EXIT_FAIL;
    struct eg_err err;
    eg_err_clear(&err);
    rc = eg_db_backup(st, argv[optind], &err);
    eg_db_close(st);
    if (rc < 0) {
        fprintf(stderr, "envgov: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
    printf("%s: backed up to %s\n", db, argv[optind]);
    return EG_EXIT_OK;
}

struct copy_progress {
    int tty;
    char table[64];
    uint64_t t0;
};

/* One line per table (rewritten in place on a terminal): rows copied of its total, rate. */
static void copy_progress(const char *table, int64_t done, int64_t total, void *arg)
{
    struct copy_progress *p = arg;
    double s = (double)(eg_nanos() - p->t0) / 1e9;
    int last = done >= total;
    if (!p->tty && !last)
        return;
    fprintf(stderr, "%scopy: %-28s %10lld / %-10lld rows %5.1f%%  %.1f s%s", p->tty ? "\r" : "",
            table, (long long)done, (long long)total,
            total > 0 ? 100.0 * (double)done / (double)total : 100.0, s, last ? "\n" : "");
    fflush(stderr);
}

int eg_cmd_db_copy(int argc, char **argv)
{
    static const char help[] =
        "Copies every table of an SQLite database into a new PostgreSQL database (a district\n"
        "moving onto the city's server; docs/deployment.md). Both are migrated first; the\n"
        "target must hold no records yet. A progress line per table goes to standard error.\n"
        "Stop the server writing to the source first: rows written during the copy are missed.\n\n"
        "options:\n"
        "  --from PATH   the SQLite database file to read\n"
        "  --to URL      the target: postgresql://USER@HOST/DB (or another SQLite file)\n";
    static const struct option opts[] = {{"from", required_argument, 0, 'f'},
                                         {"to", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *from = NULL, *to = NULL;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "f:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            from = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("db", "copy"), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (!from || !to || optind != argc) {
        fprintf(stderr, "usage: envgov db copy --from SQLITE_FILE --to postgresql://...\n");
        return EG_EXIT_USAGE;
    }
    if (access(from, F_OK) != 0) {
        fprintf(stderr, "envgov db copy: no database at %s: give the SQLite file with --from\n",
                from);
        return EG_EXIT_FAIL;
    }
    struct eg_db *src = eg__cli_open(from);
    if (!src)
        return EG_EXIT_FAIL;
    struct eg_db *dst = eg__cli_create(to);
    if (!dst) {
        eg_db_close(src);
        return EG_EXIT_FAIL;
    }
    struct copy_progress p = {.tty = isatty(2), .t0 = eg_nanos()};
    struct eg_err err;
    eg_err_clear(&err);
    int64_t rows = 0;
    int rc = eg_db_copy(src, dst, copy_progress, &p, &rows, &err);
    eg_db_close(src);
    eg_db_close(dst);
    if (rc < 0) {
        fprintf(stderr, "envgov db copy: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
    printf("copied %lld rows from %s in %.1f s\n", (long long)rows, from,
           (double)(eg_nanos() - p.t0) / 1e9);
    return EG_EXIT_OK;
}

/* ---- envgov db vacuum (issue 11 item 7) ---- */

/* Bytes of the database file and of its WAL. */
static int64_t file_bytes(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static void sizes(const char *path, int64_t *db, int64_t *wal)
{
    char w[4200];
    snprintf(w, sizeof w, "%s-wal", path);
    *db = file_bytes(path);
    *wal = file_bytes(w);
}

static void print_mb(const char *what, int64_t db, int64_t wal)
{
    printf("%s: file %.1f MB, WAL %.1f MB\n", what, (double)db / 1e6, (double)wal / 1e6);
}

/* 1 when a live process serves path: its running marker (PATH.running, written by serve and
   removed on a clean stop) names a pid that exists. A marker left by a crash names none. */
static int served_now(const char *path, char *line, size_t cap)
{
    char marker[4200];
    snprintf(marker, sizeof marker, "%s.running", path);
    FILE *f = fopen(marker, "r");
    line[0] = '\0';
    if (!f)
        return 0;
    if (!fgets(line, (int)cap, f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    long pid = 0;
    if (sscanf(line, "pid %ld", &pid) != 1 || pid <= 0)
        return 1; /* unreadable: assume it runs, the safe side */
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int eg_cmd_db_vacuum(int argc, char **argv)
{
    static const char help[] =
        "Gives the free pages of the database back to the file system, so that the file follows\n"
        "the data (compaction turns ~26 bytes of rows per value into ~2 bytes of blocks).\n\n"
        "Without --step: the one-time conversion of a database made before auto_vacuum was set\n"
        "(SQLite auto_vacuum=NONE): a full VACUUM that rewrites the whole file. It needs free "
        "disk\n"
        "as large as the database, may take minutes on a large file, and must run alone: it is\n"
        "refused while `envgov serve` runs on the database (stop the service first). A database\n"
        "already converted has its free pages given back at once instead.\n"
        "With --step: gives back up to --pages N free pages (default: all) in short\n"
        "transactions; safe while the service runs (it does this itself after compaction).\n"
        "Prints the file's size before and after.\n\n"
        "options:\n"
        "  --step           incremental: give back free pages now, service may run\n"
        "  --pages N        with --step, at most N pages (4 KiB each)\n" EG_CLI_DB_HELP;
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"step", no_argument, 0, 's'},
                                         {"pages", required_argument, 0, 'p'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL;
    int step = 0, c;
    int64_t pages = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 's':
            step = 1;
            break;
        case 'p':
            if (eg_parse_int64(optarg, strlen(optarg), &pages) || pages < 1) {
                fprintf(stderr, "envgov db vacuum: --pages must be a whole number of pages >= 1\n");
                return EG_EXIT_USAGE;
            }
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("db", "vacuum"), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "envgov db vacuum: unexpected argument '%s'\n", argv[optind]);
        return EG_EXIT_USAGE;
    }
    if (pages && !step) {
        fprintf(stderr, "envgov db vacuum: --pages goes with --step\n");
        return EG_EXIT_USAGE;
    }
    const char *path = eg__cli_db_path(db);
    if (!path)
        return EG_EXIT_FAIL;
    if (!strcmp(path, ":memory:")) {
        fprintf(stderr, "envgov db vacuum: :memory: has no file to shrink\n");
        return EG_EXIT_USAGE;
    }
    char line[256];
    if (!step && served_now(path, line, sizeof line)) {
        fprintf(stderr,
                "envgov db vacuum: %s is being served (%s, from %s.running): the full VACUUM "
                "needs the database alone. Stop `envgov serve` first, or give back free pages "
                "while it runs with `envgov db vacuum --step`\n",
                path, line[0] ? line : "running marker", path);
        return EG_EXIT_FAIL;
    }
    struct eg_db *st = eg__cli_open_existing("envgov db vacuum", db);
    if (!st)
        return EG_EXIT_FAIL;
    struct eg_err err;
    eg_err_clear(&err);
    int64_t b_db, b_wal, a_db, a_wal, freed = 0, left = 0;
    sizes(path, &b_db, &b_wal);
    printf("%s\n", path);
    print_mb("before", b_db, b_wal);
    int rc = 0, converted = 0;
    if (!step && !eg_db_vacuum_enabled(st)) {
        struct statvfs fs;
        char dir[4200];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        if (statvfs(dir, &fs) == 0 && (int64_t)fs.f_bavail * (int64_t)fs.f_frsize < b_db + b_wal) {
            fprintf(stderr,
                    "envgov db vacuum: the conversion rewrites the whole file and needs %.1f MB "
                    "free in %s; only %.1f MB are: free some disk first\n",
                    (double)(b_db + b_wal) / 1e6, dir,
                    (double)fs.f_bavail * (double)fs.f_frsize / 1e6);
            eg_db_close(st);
            return EG_EXIT_FAIL;
        }
        fprintf(stderr,
                "envgov db vacuum: WARNING: converting %s once (full VACUUM): the whole file is "
                "rewritten, which needs %.1f MB of free disk and may take minutes; do not start "
                "the service until it is done\n",
                path, (double)(b_db + b_wal) / 1e6);
        uint64_t t0 = eg_nanos();
        rc = eg_db_vacuum_convert(st, &err);
        if (rc == 0)
            printf("converted to auto_vacuum=INCREMENTAL in %.1f s\n",
                   (double)(eg_nanos() - t0) / 1e9);
        converted = 1;
    }
    if (rc == 0 && !converted) {
        if (!eg_db_vacuum_enabled(st)) {
            fprintf(stderr,
                    "envgov db vacuum: %s was made before auto_vacuum was set, so --step gives "
                    "nothing back: convert it once with `envgov db vacuum` (service stopped)\n",
                    path);
            eg_db_close(st);
            return EG_EXIT_FAIL;
        }
        /* in slices, so that a running service's writers get their turns */
        int64_t want = pages ? pages : INT64_MAX, f = 0;
        do {
            int slice = want - freed < 2048 ? (int)(want - freed) : 2048;
            rc = eg_db_vacuum_step(st, slice, &f, &left, &err);
            freed += f;
        } while (rc == 0 && f > 0 && left > 0 && freed < want);
        if (rc == 0)
            printf("gave back %lld free pages, %lld still free\n", (long long)freed,
                   (long long)left);
    }
    /* in WAL mode the file itself shrinks at the checkpoint */
    if (rc == 0)
        rc = eg_db_checkpoint(st, !served_now(path, line, sizeof line), NULL, &err);
    eg_db_close(st);
    if (rc < 0) {
        fprintf(stderr, "envgov db vacuum: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
    sizes(path, &a_db, &a_wal);
    print_mb("after", a_db, a_wal);
    printf("given back: %.1f MB\n", (double)(b_db + b_wal - a_db - a_wal) / 1e6);
    return EG_EXIT_OK;
}
