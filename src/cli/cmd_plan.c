/*
 * cmd_plan.c: `envgov plan` — action plans in the database (issue 14 item 5):
 *
 *   envgov plan load-demo [--db PATH]                 seed 003's work plan: 40 tasks, lead units
 *   envgov plan import FILE --name NAME [--due DATE] [--db PATH]   a plan file (data/plans/)
 *   envgov plan list [--db PATH]                      plans with their number of tasks (JSON)
 *   envgov plan status ID [--format json|csv|xlsx] [--out FILE] [--db PATH]
 *                                                     tasks with overdue/at-risk flags
 * The operator acts as the system principal (full rights, audited as "system").
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "plans/plans.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct popts {
    const char *db, *name, *due, *format, *out;
};

static int parse(int argc, char **argv, struct popts *o)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"name", required_argument, 0, 'n'},
                                         {"due", required_argument, 0, 'u'},
                                         {"format", required_argument, 0, 'f'},
                                         {"out", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 'n':
            o->name = optarg;
            break;
        case 'u':
            o->due = optarg;
            break;
        case 'f':
            o->format = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        default:
            return -1;
        }
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: envgov plan load-demo [--db PATH]\n"
                    "       envgov plan import FILE --name NAME [--due YYYY-MM-DD] [--db PATH]\n"
                    "       envgov plan list [--db PATH]\n"
                    "       envgov plan status ID [--format json|csv|xlsx] [--out FILE] [--db "
                    "PATH]\n" EG_CLI_DB_HELP);
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2));
    puts(s ? s : "null");
    free(s);
}

static int fail(const char *what, const struct eg_err *err)
{
    fprintf(stderr, "envgov plan %s: %s\n", what, err->msg);
    return EG_EXIT_FAIL;
}

int eg_cmd_plan(int argc, char **argv)
{
    if (argc < 2) {
        usage();
        return EG_EXIT_USAGE;
    }
    const char *verb = argv[1];
    struct popts o;
    if (parse(argc - 1, argv + 1, &o) < 0) {
        usage();
        return EG_EXIT_USAGE;
    }
    int nargs = argc - 1 - optind; /* positional arguments after the verb */
    char **args = argv + 1 + optind;
    struct eg_err err;
    int known = !strcmp(verb, "load-demo") || !strcmp(verb, "import") || !strcmp(verb, "list") ||
                !strcmp(verb, "status");
    if (!known || (!strcmp(verb, "import") && (nargs != 1 || !o.name)) ||
        (!strcmp(verb, "status") && nargs != 1)) {
        usage();
        return EG_EXIT_USAGE;
    }
    int64_t due = 0, id = 0;
    if (o.due && eg_time_parse_beijing(o.due, strlen(o.due), &due) < 0) {
        fprintf(stderr, "envgov plan: --due YYYY-MM-DD (Beijing)\n");
        return EG_EXIT_USAGE;
    }
    if (!strcmp(verb, "status") && (eg_parse_int64(args[0], strlen(args[0]), &id) < 0 || id <= 0)) {
        fprintf(stderr, "envgov plan status: ID is a plan's number (envgov plan list)\n");
        return EG_EXIT_USAGE;
    }
    int xlsx = o.format && !strcmp(o.format, "xlsx"), csv = o.format && !strcmp(o.format, "csv");
    if (o.format && !xlsx && !csv && strcmp(o.format, "json")) {
        fprintf(stderr, "envgov plan status: --format json, csv or xlsx\n");
        return EG_EXIT_USAGE;
    }
    /* loading may make the database; list and status read an existing one */
    const char *path = eg__cli_db_path(o.db);
    int loads = !strcmp(verb, "load-demo") || !strcmp(verb, "import");
    struct eg_db *db = loads ? eg__cli_create(path) : eg__cli_open(path);
    if (!db)
        return EG_EXIT_FAIL;
    int rc = EG_EXIT_OK;
    if (!strcmp(verb, "load-demo")) {
        if (eg_plan_load_demo(db, &err) < 0)
            rc = fail(verb, &err);
        else
            printf("{\"loaded\":\"seed 003\",\"tasks\":40}\n");
    } else if (!strcmp(verb, "import")) {
        FILE *f = fopen(args[0], "rb");
        struct eg_buf b = {0};
        char chunk[65536];
        size_t n;
        while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= (4u << 20))
            eg_buf_append(&b, chunk, n);
        if (f)
            fclose(f);
        struct eg_plan_file *pf = NULL;
        int64_t pid;
        if (!f) {
            fprintf(stderr, "envgov plan import: cannot read %s\n", args[0]);
            rc = EG_EXIT_FAIL;
        } else if (eg_plan_file_parse(b.data ? b.data : "", b.len, args[0], &pf, &err) < 0 ||
                   eg_plan_import(db, &eg_principal_system, o.name, args[0], pf, due, &pid, &err) <
                       0) {
            rc = fail(verb, &err);
        } else {
            printf("{\"plan_id\":%lld,\"tasks\":%d}\n", (long long)pid, pf->ntasks);
        }
        eg_plan_file_free(pf);
        eg_buf_free(&b);
    } else if (!strcmp(verb, "list")) {
        json_t *a;
        if (eg_plan_list(db, &eg_principal_system, &a, &err) < 0) {
            rc = fail(verb, &err);
        } else {
            print_json(a);
            json_decref(a);
        }
    } else if (!xlsx && !csv) {
        json_t *st;
        if (eg_plan_status(db, &eg_principal_system, id, eg_time_now(), &st, &err) < 0) {
            rc = fail(verb, &err);
        } else {
            print_json(st);
            json_decref(st);
        }
    } else {
        struct eg_buf b = {0};
        if (eg_plan_status_export(db, &eg_principal_system, id, eg_time_now(), xlsx, &b, &err) <
            0) {
            rc = fail(verb, &err);
        } else {
            FILE *f = o.out ? fopen(o.out, "wb") : stdout;
            if (!f || fwrite(b.data, 1, b.len, f) != b.len) {
                fprintf(stderr, "envgov plan status: cannot write %s\n", o.out ? o.out : "-");
                rc = EG_EXIT_FAIL;
            }
            if (f && f != stdout)
                fclose(f);
        }
        eg_buf_free(&b);
    }
    eg_db_close(db);
    return rc;
}
