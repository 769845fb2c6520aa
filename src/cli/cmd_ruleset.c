/*
 * cmd_ruleset.c: `envgov ruleset check|load FILE` — rule sets as data (govern/govern.h): check a
 * file's form (errors as file:line: field) and, for the kinds envgov knows, its meaning (a
 * credit_scheme compiles); load it into the database (as the system principal, audited).
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "govern/govern.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads FILE (at most EG_RS_MAX_BYTES + 1 bytes, so an oversized one is refused by the parser). */
static char *read_file(const char *prog, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open %s\n", prog, path);
        return NULL;
    }
    char *buf = malloc(EG_RS_MAX_BYTES + 2);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    *len = fread(buf, 1, EG_RS_MAX_BYTES + 1, f);
    fclose(f);
    buf[*len] = 0;
    return buf;
}

static int run(int argc, char **argv, int load)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *prog = load ? "envgov ruleset load" : "envgov ruleset check", *db = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 'h') {
            eg_cli_usage(eg_cli_find("ruleset", load ? "load" : "check"),
                         "  FILE             a rule set (.rs, UTF-8)\n" EG_CLI_DB_HELP);
            return EG_EXIT_OK;
        } else
            return EG_EXIT_USAGE;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: %s FILE%s\n", prog, load ? " [--db PATH]" : "");
        return EG_EXIT_USAGE;
    }
    const char *path = argv[optind];
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t len = 0;
    char *text = read_file(prog, path, &len);
    if (!text)
        return EG_EXIT_FAIL;
    struct eg_err err = {0};
    struct eg_ruleset *rs = NULL;
    int rc = eg_ruleset_parse(name, text, len, &rs, &err);
    if (rc == 0 && !strcmp(rs->kind, "credit_scheme")) {
        struct eg_credit_scheme *s = NULL;
        rc = eg_credit_scheme_compile(rs, &s, &err); /* takes rs */
        rs = NULL;
        eg_credit_scheme_free(s);
    } else if (rc == 0 && !strcmp(rs->kind, "draw_plan")) {
        struct eg_draw_plan *dp = NULL;
        rc = eg_draw_plan_compile(rs, &dp, &err); /* takes rs */
        rs = NULL;
        eg_draw_plan_free(dp);
    }
    eg_ruleset_free(rs);
    int64_t row = 0;
    if (rc == 0 && load) {
        struct eg_db *st = eg__cli_create(eg__cli_db_path(db));
        if (!st) {
            free(text);
            return EG_EXIT_FAIL;
        }
        rc = eg_ruleset_store(st, &eg_principal_system, text, len, name, &row, &err);
        eg_db_close(st);
    }
    free(text);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return EG_EXIT_FAIL;
    }
    if (load)
        printf("%s: loaded as rule set row %lld\n", name, (long long)row);
    else
        printf("%s: ok\n", name);
    return EG_EXIT_OK;
}

int eg_cmd_ruleset_check(int argc, char **argv)
{
    return run(argc, argv, 0);
}

int eg_cmd_ruleset_load(int argc, char **argv)
{
    return run(argc, argv, 1);
}
