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
    if (access(path, F_OK) != 0) {
        no_database(prog, path);
        return NULL;
    }
    return eg__cli_create(path);
}

struct eg_db *eg__cli_open(const char *path)
{
    if (!path)
        return NULL;
    if (strcmp(path, ":memory:") && access(path, F_OK) != 0) {
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
