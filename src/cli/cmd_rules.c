/*
 * cmd_rules.c: `envgov rules list|check|run` — the rules engine (src/rules/) from the command
 * line: the rules with their parameters, defaults and sources; a rules file checked before it is
 * given to `serve --rules-file`; the scheduled rules (offline, missing data) and the webhook
 * outbox run once against a database (cron, or a server that runs them itself anyway).
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "rules/rules.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *list_help =
    "Lists every rule: name, Chinese name and description, category, default severity,\n"
    "and its parameters with default, range, unit and where the default comes from. With\n"
    "--file, the values that file sets.\n\n"
    "options:\n"
    "  --file PATH      a rules file (INI) to apply over the defaults\n";

static const char *run_help =
    "Runs the scheduled rules (devices gone offline, missing data) once, then delivers the\n"
    "webhook outbox once, and prints what happened.\n\n"
    "options:\n"
    "  --file PATH      a rules file (INI) to apply over the defaults\n" EG_CLI_DB_HELP;

static int load(const char *prog, const char *file, struct eg_rules_config *c)
{
    eg_rules_config_default(c);
    struct eg_err err = {0};
    if (file && eg_rules_config_load(c, file, &err)) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return EG_EXIT_FAIL;
    }
    return 0;
}

static int opts_file_db(int argc, char **argv, const char *noun, const char *verb, const char *help,
                        const char **file, const char **db)
{
    static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            *file = optarg;
            break;
        case 'd':
            if (!db)
                goto usage;
            *db = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find(noun, verb), help);
            return -1;
        default:
            goto usage;
        }
    }
    if (optind < argc)
        goto usage;
    return 0;
usage:
    fprintf(stderr, "envgov %s %s: bad arguments (see --help)\n", noun, verb);
    return EG_EXIT_USAGE;
}

int eg_cmd_rules_list(int argc, char **argv)
{
    const char *file = NULL;
    int rc = opts_file_db(argc, argv, "rules", "list", list_help, &file, NULL);
    if (rc)
        return rc < 0 ? EG_EXIT_OK : rc;
    struct eg_rules_config c;
    if ((rc = load("envgov rules list", file, &c)))
        return rc;
    for (int i = 0; i < EG_RULE_COUNT; i++) {
        const struct eg_rule_def *d = &eg_rule_defs[i];
        printf("%s\t%s\t%s\tseverity %d%s%s\n  %s\n", d->name, d->name_zh, d->category,
               c.severity[i], c.enabled[i] ? "" : "\tDISABLED", d->scheduled ? "\tscheduled" : "",
               d->desc_zh);
        for (int j = 0; j < d->nparams; j++) {
            const struct eg_rule_param *p = &d->params[j];
            printf("  [%s] %s = %g %s (default %g, %g..%g; %s) — %s\n", d->name, p->name, c.p[i][j],
                   p->unit, p->def, p->min, p->max, p->text_zh, p->source);
        }
    }
    printf("[alerts] task_severity = %d (an alert at or above raises a task; 0 never)\n",
           c.task_severity);
    printf("[webhook] url = %s\n", c.webhook_url[0] ? c.webhook_url : "(none)");
    return EG_EXIT_OK;
}

int eg_cmd_rules_run(int argc, char **argv)
{
    const char *file = NULL, *dbflag = NULL;
    int rc = opts_file_db(argc, argv, "rules", "run", run_help, &file, &dbflag);
    if (rc)
        return rc < 0 ? EG_EXIT_OK : rc;
    struct eg_rules_config c;
    if ((rc = load("envgov rules run", file, &c)))
        return rc;
    const char *path = eg__cli_db_path(dbflag);
    struct eg_db *st = eg__cli_create(path); /* creates and migrates, as serve would */
    if (!st)
        return EG_EXIT_FAIL;
    eg_db_close(st);
    struct eg_rules *r;
    struct eg_err err = {0};
    if (eg_rules_new(path, &c, &r, &err)) {
        fprintf(stderr, "envgov rules run: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
    int sent = 0, failed = 0;
    rc = eg_rules_run_scheduled(r, &err);
    if (!rc)
        rc = eg_rules_deliver(r, &sent, &failed, &err);
    struct eg_rules_stats s;
    eg_rules_stats(r, &s);
    eg_rules_free(r);
    if (rc) {
        fprintf(stderr, "envgov rules run: %s\n", err.msg);
        return EG_EXIT_FAIL;
    }
    printf("{\"evaluations\":%lld,\"opened\":%lld,\"updated\":%lld,\"closed\":%lld,"
           "\"webhook_sent\":%d,\"webhook_failed\":%d}\n",
           (long long)s.evaluations, (long long)s.opened, (long long)s.updated, (long long)s.closed,
           sent, failed);
    return EG_EXIT_OK;
}
