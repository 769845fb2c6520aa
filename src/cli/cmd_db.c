/*
 * cmd_db.c: `envgov db migrate` and `envgov db backup`, and the database path rule every
 * command shares (cli_db.h).
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
    if (access(path, F_OK) == 0)
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
