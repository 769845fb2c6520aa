/*
 * cmd_db.c: `envgov db migrate`, `envgov db backup` and `envgov db copy`, and the database path
 * rule every command shares (cli_db.h).
 */
#include "cli/cli.h"
#include "cli/cli_db.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *eg__cli_db_path(const char *flag)
{
    if (flag && flag[0])
        return flag;
    const char *e = getenv("EG_DB");
    if (e && e[0])
        return e;
    if (access(EG_CLI_DB_RUN, F_OK) == 0) /* the database of `make run` */
        return EG_CLI_DB_RUN;
    return "envgov.db";
}

struct eg_db *eg__cli_open_existing(const char *prog, const char *flag)
{
    const char *path = eg__cli_db_path(flag);
    if (access(path, F_OK) == 0 || !strncmp(path, "postgres", 8)) /* a file, or a server's URL */
        return eg__cli_open(path);
    const char *e = getenv("EG_DB");
    if (flag && flag[0])
        fprintf(stderr,
                "%s: no database at %s: this command reads an existing database and does not "
                "create one; check --db\n",
                prog, path);
    else if (e && e[0])
        fprintf(stderr,
                "%s: no database at %s (from $EG_DB): this command reads an existing database "
                "and does not create one\n",
                prog, path);
    else
        fprintf(stderr,
                "%s: no database found: neither " EG_CLI_DB_RUN " (the one `make run` uses) "
                "nor ./envgov.db exists in this folder; give --db PATH or set EG_DB (this "
                "command does not create a database)\n",
                prog);
    return NULL;
}

struct eg_db *eg__cli_open(const char *path)
{
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
    struct eg_db *st = eg__cli_open(db);
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
    struct eg_db *dst = eg__cli_open(to);
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
