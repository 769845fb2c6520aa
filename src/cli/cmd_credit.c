/*
 * cmd_credit.c: `envgov credit run|publish|show|published` — the credit rating (govern/govern.h)
 * from the operator's shell, as the system principal (audited as "system"), the same calls the
 * HTTP API makes. Output is JSON.
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "govern/govern.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct args {
    const char *db, *jurisdiction, *grade;
    int year;
    const char *pos[2];
    int npos;
};

static int parse(int argc, char **argv, const char *noun_verb, const char *verb, int want_pos,
                 struct args *a)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"year", required_argument, 0, 'y'},
                                         {"jurisdiction", required_argument, 0, 'j'},
                                         {"grade", required_argument, 0, 'g'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:y:j:g:h", opts, NULL)) != -1) {
        int64_t v;
        switch (c) {
        case 'd':
            a->db = optarg;
            break;
        case 'y':
            if (eg_parse_int64(optarg, strlen(optarg), &v) || v < 2000 || v > 2100) {
                fprintf(stderr, "%s: --year must be a year 2000..2100, not '%s'\n", noun_verb,
                        optarg);
                return EG_EXIT_USAGE;
            }
            a->year = (int)v;
            break;
        case 'j':
            a->jurisdiction = optarg;
            break;
        case 'g':
            a->grade = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("credit", verb), EG_CLI_DB_HELP);
            return -1;
        default:
            return EG_EXIT_USAGE;
        }
    }
    for (; optind < argc; optind++) {
        if (a->npos == want_pos) {
            fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", noun_verb, argv[optind]);
            return EG_EXIT_USAGE;
        }
        a->pos[a->npos++] = argv[optind];
    }
    if (a->npos != want_pos) {
        fprintf(stderr, "%s: missing argument (see --help)\n", noun_verb);
        return EG_EXIT_USAGE;
    }
    return 0;
}

static int finish(const char *prog, int rc, json_t *j, const struct eg_err *err)
{
    if (rc < 0) {
        fprintf(stderr, "%s: %s (%s)\n", prog, err->msg, err->code);
        return EG_EXIT_FAIL;
    }
    char *s = json_dumps(j, JSON_INDENT(2));
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(j);
    return EG_EXIT_OK;
}

static int id_arg(const char *prog, const char *v, int64_t *out)
{
    if (eg_parse_int64(v, strlen(v), out) || *out <= 0) {
        fprintf(stderr, "%s: '%s' is not an id\n", prog, v);
        return EG_EXIT_USAGE;
    }
    return 0;
}

/* What every verb shares: its options, the year when it needs one, the database opened, the
   engine call, the answer printed as JSON (or the error with its code). */
typedef int (*credit_call_fn)(struct eg_db *st, const struct args *a, int64_t id, json_t **out,
                              struct eg_err *err);

static int credit_verb(int argc, char **argv, const char *verb, int want_pos, int need_year,
                       credit_call_fn fn)
{
    char prog[64];
    snprintf(prog, sizeof prog, "envgov credit %s", verb);
    struct args a;
    int rc = parse(argc, argv, prog, verb, want_pos, &a);
    if (rc)
        return rc < 0 ? EG_EXIT_OK : rc;
    int64_t id = 0;
    if (want_pos && (rc = id_arg(prog, a.pos[0], &id)))
        return rc;
    if (need_year && !a.year) {
        fprintf(stderr, "%s: --year is required\n", prog);
        return EG_EXIT_USAGE;
    }
    if (!strcmp(verb, "publish") && !a.grade) {
        fprintf(stderr, "%s: --grade is required\n", prog);
        return EG_EXIT_USAGE;
    }
    struct eg_db *st = eg__cli_open(eg__cli_db_path(a.db));
    if (!st)
        return EG_EXIT_FAIL;
    json_t *out = NULL;
    struct eg_err err = {0};
    rc = fn(st, &a, id, &out, &err);
    eg_db_close(st);
    return finish(prog, rc, out, &err);
}

static int call_run(struct eg_db *st, const struct args *a, int64_t id, json_t **out,
                    struct eg_err *err)
{
    return eg_credit_run(st, &eg_principal_system, a->year, a->jurisdiction, NULL, out, err);
}

static int call_publish(struct eg_db *st, const struct args *a, int64_t run, json_t **out,
                        struct eg_err *err)
{
    int n = 0;
    int rc = eg_credit_publish(st, &eg_principal_system, run, a->grade, &n, err);
    if (rc >= 0)
        *out = json_pack("{s:i}", "published", n);
    return rc;
}

static int call_show(struct eg_db *st, const struct args *a, int64_t unit, json_t **out,
                     struct eg_err *err)
{
    return eg_credit_rating_get(st, &eg_principal_system, unit, a->year, out, err);
}

static int call_published(struct eg_db *st, const struct args *a, int64_t id, json_t **out,
                          struct eg_err *err)
{
    return eg_credit_published(st, a->year, a->grade, out, err);
}

int eg_cmd_credit_run(int argc, char **argv)
{
    return credit_verb(argc, argv, "run", 0, 1, call_run);
}

int eg_cmd_credit_publish(int argc, char **argv)
{
    return credit_verb(argc, argv, "publish", 1, 0, call_publish);
}

int eg_cmd_credit_show(int argc, char **argv)
{
    return credit_verb(argc, argv, "show", 1, 1, call_show);
}

int eg_cmd_credit_published(int argc, char **argv)
{
    return credit_verb(argc, argv, "published", 0, 1, call_published);
}
