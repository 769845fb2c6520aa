/*
 * cmd_alert.c: `envgov alert list|show|ack|close` — the alerts (src/rules/alerts.c) as the
 * operator on the server sees them (the system principal: everything; audited as "system").
 * JSON out, one object per line for lists.
 */
#include "auth/auth.h"
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "rules/rules.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *list_help =
    "Lists alerts, newest first, one JSON object per line.\n\n"
    "options:\n"
    "  --state S        open, acknowledged, closed or live (open or acknowledged)\n"
    "  --rule NAME      a rule (envgov rules list)\n"
    "  --unit ID        a unit (排污单位)\n"
    "  --region ID      a region (街镇)\n"
    "  --source MN      a device MN or station code\n"
    "  --limit N        at most N (1..1000, default 100)\n" EG_CLI_DB_HELP;

static const char *one_help =
    "Shows, acknowledges or closes one alert by its id. close needs --reason.\n\n"
    "options:\n"
    "  --reason TEXT    why it is closed (required by close, at most 500 bytes)\n" EG_CLI_DB_HELP;

static int positive(const char *prog, const char *name, const char *v, int64_t *out)
{
    if (eg_parse_int64(v, strlen(v), out) || *out < 1) {
        fprintf(stderr, "%s: %s must be a positive integer\n", prog, name);
        return EG_EXIT_USAGE;
    }
    return 0;
}

int eg_cmd_alert_list(int argc, char **argv)
{
    static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                         {"rule", required_argument, NULL, 'r'},
                                         {"unit", required_argument, NULL, 'u'},
                                         {"region", required_argument, NULL, 'g'},
                                         {"source", required_argument, NULL, 'm'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *prog = "envgov alert list", *db = NULL;
    struct eg_alerts_filter f = {0};
    int64_t lim = 100;
    int c, rc = 0;
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            f.state = optarg;
            break;
        case 'r':
            f.rule = optarg;
            break;
        case 'm':
            f.source = optarg;
            break;
        case 'u':
            rc = positive(prog, "--unit", optarg, &f.unit_id);
            break;
        case 'g':
            rc = positive(prog, "--region", optarg, &f.region_id);
            break;
        case 'l':
            rc = positive(prog, "--limit", optarg, &lim);
            if (!rc && lim > 1000)
                rc = positive(prog, "--limit (1..1000)", "0", &lim);
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("alert", "list"), list_help);
            return EG_EXIT_OK;
        default:
            fprintf(stderr, "%s: bad arguments (see --help)\n", prog);
            return EG_EXIT_USAGE;
        }
    }
    if (rc)
        return rc;
    f.limit = (int)lim;
    struct eg_db *st = eg__cli_open(eg__cli_db_path(db));
    if (!st)
        return EG_EXIT_FAIL;
    json_t *items = NULL;
    struct eg_err err = {0};
    rc = eg_alerts_list(st, &eg_principal_system, &f, &items, &err);
    eg_db_close(st);
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return rc == EG_EINVAL ? EG_EXIT_USAGE : EG_EXIT_FAIL;
    }
    size_t i;
    json_t *a;
    json_array_foreach(items, i, a)
    {
        char *s = json_dumps(a, JSON_COMPACT);
        puts(s);
        free(s);
    }
    json_decref(items);
    return EG_EXIT_OK;
}

static int one(int argc, char **argv, const char *verb)
{
    static const struct option opts[] = {{"reason", required_argument, NULL, 'r'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    char prog[32];
    snprintf(prog, sizeof prog, "envgov alert %s", verb);
    const char *db = NULL, *reason = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            reason = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("alert", verb), one_help);
            return EG_EXIT_OK;
        default:
            fprintf(stderr, "%s: bad arguments (see --help)\n", prog);
            return EG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "%s: give one alert id (see --help)\n", prog);
        return EG_EXIT_USAGE;
    }
    int64_t id;
    int rc = positive(prog, "the alert id", argv[optind], &id);
    if (rc)
        return rc;
    if (!strcmp(verb, "close") && (!reason || !*reason)) {
        fprintf(stderr, "%s: --reason is required (关闭原因)\n", prog);
        return EG_EXIT_USAGE;
    }
    struct eg_db *st = eg__cli_open(eg__cli_db_path(db));
    if (!st)
        return EG_EXIT_FAIL;
    struct eg_err err = {0};
    if (strcmp(verb, "show"))
        rc = eg_alerts_transition(st, &eg_principal_system, id,
                                  !strcmp(verb, "ack") ? "acknowledge" : "close", reason, 0, &err);
    json_t *a = NULL;
    if (!rc)
        rc = eg_alerts_get(st, &eg_principal_system, id, &a, &err);
    eg_db_close(st);
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return rc == EG_EINVAL ? EG_EXIT_USAGE : EG_EXIT_FAIL;
    }
    char *s = json_dumps(a, JSON_COMPACT | JSON_INDENT(2));
    puts(s);
    free(s);
    json_decref(a);
    return EG_EXIT_OK;
}

int eg_cmd_alert_show(int argc, char **argv)
{
    return one(argc, argv, "show");
}

int eg_cmd_alert_ack(int argc, char **argv)
{
    return one(argc, argv, "ack");
}

int eg_cmd_alert_close(int argc, char **argv)
{
    return one(argc, argv, "close");
}
