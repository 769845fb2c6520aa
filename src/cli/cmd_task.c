/*
 * cmd_task.c: `envgov task list|show|raise|act` — the 三监联动 task loop (tasks/tasks.h) from the
 * operator's shell, run as the system principal (full rights, audited as "system"), the same
 * engine calls the HTTP API makes. Records print as JSON (list: one per line).
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "registry/registry.h"
#include "tasks/tasks.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *prog, const struct eg_err *err)
{
    fprintf(stderr, "%s: %s (%s)\n", prog, err->msg, err->code);
    return EG_EXIT_FAIL;
}

static int parse_id(const char *prog, const char *name, const char *v, int64_t *out)
{
    if (!v || eg_parse_int64(v, strlen(v), out) || *out <= 0) {
        fprintf(stderr, "%s: %s must be a positive number, not '%s'\n", prog, name, v ? v : "");
        return EG_EXIT_USAGE;
    }
    return 0;
}

/* A region code (or id) as the region's id. */
static int region_id(struct eg_db *db, const char *prog, const char *code, int64_t *out)
{
    static const struct eg_field ref = {"region", "区域", EG_FT_REF, 0, NULL, "regions", 0, NULL};
    json_t *v = NULL;
    struct eg_err err;
    if (eg_registry_value_from_text(db, &ref, code, strlen(code), &v, &err) < 0 ||
        !json_is_integer(v)) {
        json_decref(v);
        fprintf(stderr, "%s: no region '%s'\n", prog, code);
        return EG_EXIT_FAIL;
    }
    *out = json_integer_value(v);
    json_decref(v);
    return 0;
}

static void print_json(json_t *j, size_t flags)
{
    char *s = json_dumps(j, flags);
    if (s)
        printf("%s\n", s);
    free(s);
}

int eg_cmd_task_list(int argc, char **argv)
{
    static const char help[] =
        "Lists tasks, newest first, one JSON object per line.\n\n"
        "  --state STATE    raised|received|in_progress|executed|fed_back|rejected|closed|\n"
        "                   cancelled\n"
        "  --region CODE    tasks of that region and below (subject or receiving street)\n"
        "  --unit ID        tasks about or addressed to that unit\n"
        "  --overdue        only tasks past their deadline (flagged by the overdue check)\n"
        "  --open           only tasks not closed or cancelled\n"
        "  --q TEXT         text in the title, place or description\n"
        "  --limit N        at most N (1..1000, default 50)\n" EG_CLI_DB_HELP;
    static const struct option opts[] = {
        {"state", required_argument, 0, 's'}, {"region", required_argument, 0, 'g'},
        {"unit", required_argument, 0, 'u'},  {"overdue", no_argument, 0, 'o'},
        {"open", no_argument, 0, 'O'},        {"q", required_argument, 0, 'q'},
        {"limit", required_argument, 0, 'l'}, {"db", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    const char *prog = "envgov task list", *db = NULL;
    struct eg_flow_query q = {0};
    int c, rc;
    int64_t v;
    optind = 0;
    while ((c = getopt_long(argc, argv, "s:g:u:oOq:l:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            q.state = optarg;
            break;
        case 'g':
            q.region = optarg;
            break;
        case 'u':
            if ((rc = parse_id(prog, "--unit", optarg, &q.unit_id)))
                return rc;
            break;
        case 'o':
            q.overdue = 1;
            break;
        case 'O':
            q.open = 1;
            break;
        case 'q':
            q.q = optarg;
            break;
        case 'l':
            if ((rc = parse_id(prog, "--limit", optarg, &v)))
                return rc;
            q.limit = v > 1000 ? 1001 : (int)v;
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("task", "list"), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", prog, argv[optind]);
        return EG_EXIT_USAGE;
    }
    struct eg_db *st = eg__cli_open(eg__cli_db_path(db));
    if (!st)
        return EG_EXIT_FAIL;
    json_t *rows = NULL;
    struct eg_err err;
    rc = eg_flow_list(st, &eg_task_kind, &eg_principal_system, &q, &rows, NULL, &err);
    if (rc == 0) {
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row) print_json(row, JSON_COMPACT);
    }
    json_decref(rows);
    eg_db_close(st);
    return rc ? fail(prog, &err) : EG_EXIT_OK;
}

int eg_cmd_task_show(int argc, char **argv)
{
    static const char help[] = "Prints a task with its history (transitions and comments).\n\n"
                               "  ID               the task's id\n" EG_CLI_DB_HELP;
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *prog = "envgov task show", *db = NULL;
    int c, rc;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (c == 'd') {
            db = optarg;
        } else if (c == 'h') {
            eg_cli_usage(eg_cli_find("task", "show"), help);
            return EG_EXIT_OK;
        } else {
            return EG_EXIT_USAGE;
        }
    }
    int64_t id;
    if (optind != argc - 1) {
        fprintf(stderr, "usage: envgov task show ID [--db PATH]\n");
        return EG_EXIT_USAGE;
    }
    if ((rc = parse_id(prog, "ID", argv[optind], &id)))
        return rc;
    struct eg_db *st = eg__cli_open(eg__cli_db_path(db));
    if (!st)
        return EG_EXIT_FAIL;
    json_t *rec = NULL, *h = NULL;
    struct eg_err err;
    rc = eg_flow_get(st, &eg_task_kind, &eg_principal_system, id, &rec, &err);
    if (rc == 0)
        rc = eg_flow_history(st, &eg_task_kind, &eg_principal_system, id, &h, &err);
    if (rc == 0) {
        json_object_set_new(rec, "history", h);
        print_json(rec, JSON_INDENT(2));
    }
    json_decref(rec);
    eg_db_close(st);
    return rc ? fail(prog, &err) : EG_EXIT_OK;
}

int eg_cmd_task_raise(int argc, char **argv)
{
    static const char help[] =
        "Raises a task as the bureau (the system principal) and prints it.\n\n"
        "  --type TYPE        supervision|monitoring|enforcement|complaint|rectification\n"
        "  --title TEXT       what is to be done (at most 200 bytes)\n"
        "  --description TEXT\n"
        "  --unit ID | --outlet ID | --station ID | --place TEXT   the subject\n"
        "  --region CODE      the street or grid (default: the unit's or station's)\n"
        "  --to-region CODE   the receiving street | --to-unit ID  the receiving unit\n"
        "  --due TIME         deadline, Beijing time (default: 7 days)\n"
        "  --origin ORIGIN    alert|complaint|inspection|steward|case|person (default person)\n"
        "  --origin-id N      the alert, complaint … it comes from\n" EG_CLI_DB_HELP;
    static const struct option opts[] = {{"type", required_argument, 0, 't'},
                                         {"title", required_argument, 0, 'T'},
                                         {"description", required_argument, 0, 'D'},
                                         {"unit", required_argument, 0, 'u'},
                                         {"outlet", required_argument, 0, 'o'},
                                         {"station", required_argument, 0, 's'},
                                         {"place", required_argument, 0, 'p'},
                                         {"region", required_argument, 0, 'g'},
                                         {"to-region", required_argument, 0, 'G'},
                                         {"to-unit", required_argument, 0, 'U'},
                                         {"due", required_argument, 0, 'e'},
                                         {"origin", required_argument, 0, 'O'},
                                         {"origin-id", required_argument, 0, 'I'},
                                         {"db", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *prog = "envgov task raise", *db = NULL, *region = NULL, *to_region = NULL,
               *due = NULL;
    struct eg_task_new t = {.origin = "person"};
    int c, rc = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "t:T:D:u:o:s:p:g:G:U:e:O:I:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            t.task_type = optarg;
            break;
        case 'T':
            t.title = optarg;
            break;
        case 'D':
            t.description = optarg;
            break;
        case 'u':
            rc = parse_id(prog, "--unit", optarg, &t.unit_id);
            break;
        case 'o':
            rc = parse_id(prog, "--outlet", optarg, &t.outlet_id);
            break;
        case 's':
            rc = parse_id(prog, "--station", optarg, &t.station_id);
            break;
        case 'p':
            t.place = optarg;
            break;
        case 'g':
            region = optarg;
            break;
        case 'G':
            to_region = optarg;
            break;
        case 'U':
            rc = parse_id(prog, "--to-unit", optarg, &t.to_unit_id);
            break;
        case 'e':
            due = optarg;
            break;
        case 'O':
            t.origin = optarg;
            break;
        case 'I':
            rc = parse_id(prog, "--origin-id", optarg, &t.origin_id);
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("task", "raise"), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
        if (rc)
            return rc;
    }
    if (optind != argc || !t.task_type || !t.title) {
        fprintf(stderr, "%s: --type and --title are required (see --help)\n", prog);
        return EG_EXIT_USAGE;
    }
    if (due && eg_time_parse_beijing(due, strlen(due), &t.due_at)) {
        fprintf(stderr, "%s: --due '%s' is not a Beijing time YYYY-MM-DD[ HH:MM]\n", prog, due);
        return EG_EXIT_USAGE;
    }
    struct eg_db *st = eg__cli_open(eg__cli_db_path(db));
    if (!st)
        return EG_EXIT_FAIL;
    if (region)
        rc = region_id(st, prog, region, &t.region_id);
    if (!rc && to_region)
        rc = region_id(st, prog, to_region, &t.to_region_id);
    struct eg_err err;
    int64_t id = 0;
    json_t *rec = NULL;
    if (!rc && (rc = eg_task_raise(st, &eg_principal_system, &t, &id, &err)) == 0 &&
        (rc = eg_flow_get(st, &eg_task_kind, &eg_principal_system, id, &rec, &err)) == 0)
        print_json(rec, JSON_INDENT(2));
    else if (rc < 0)
        rc = fail(prog, &err);
    json_decref(rec);
    eg_db_close(st);
    return rc ? (rc < 0 ? EG_EXIT_FAIL : rc) : EG_EXIT_OK;
}

int eg_cmd_task_act(int argc, char **argv)
{
    static const char help[] =
        "Takes an action on a task as the bureau (the system principal) and prints it.\n\n"
        "  ID ACTION          receive|reject|start|execute|feed_back|return|close|reassign|\n"
        "                     cancel (the task's \"actions\" list what is possible now)\n"
        "  --reason TEXT      why (reject, return, cancel)\n"
        "  --finding TEXT --measure TEXT --result TEXT   the feedback (feed_back)\n"
        "  --to-region CODE | --to-unit ID               whom it is sent to (reassign)\n"
        "  --note TEXT        a remark kept with the step\n"
        "  --version N        refuse when the task changed since version N was "
        "read\n" EG_CLI_DB_HELP;
    static const struct option opts[] = {{"reason", required_argument, 0, 'r'},
                                         {"finding", required_argument, 0, 'f'},
                                         {"measure", required_argument, 0, 'm'},
                                         {"result", required_argument, 0, 'R'},
                                         {"to-region", required_argument, 0, 'G'},
                                         {"to-unit", required_argument, 0, 'U'},
                                         {"note", required_argument, 0, 'n'},
                                         {"version", required_argument, 0, 'v'},
                                         {"db", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *prog = "envgov task act", *db = NULL, *to_region = NULL;
    const char *reason = NULL, *finding = NULL, *measure = NULL, *result = NULL, *note = NULL;
    int64_t to_unit = 0, version = 0;
    int c, rc = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "r:f:m:R:G:U:n:v:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            reason = optarg;
            break;
        case 'f':
            finding = optarg;
            break;
        case 'm':
            measure = optarg;
            break;
        case 'R':
            result = optarg;
            break;
        case 'G':
            to_region = optarg;
            break;
        case 'U':
            rc = parse_id(prog, "--to-unit", optarg, &to_unit);
            break;
        case 'n':
            note = optarg;
            break;
        case 'v':
            rc = parse_id(prog, "--version", optarg, &version);
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("task", "act"), help);
            return EG_EXIT_OK;
        default:
            return EG_EXIT_USAGE;
        }
        if (rc)
            return rc;
    }
    int64_t id;
    if (optind != argc - 2) {
        fprintf(stderr, "usage: envgov task act ID ACTION [options] (see --help)\n");
        return EG_EXIT_USAGE;
    }
    if ((rc = parse_id(prog, "ID", argv[optind], &id)))
        return rc;
    const char *action = argv[optind + 1];
    struct eg_db *st = eg__cli_open(eg__cli_db_path(db));
    if (!st)
        return EG_EXIT_FAIL;
    json_t *in = json_object();
    if (reason)
        json_object_set_new(in, "reason", json_string(reason));
    if (note)
        json_object_set_new(in, "note", json_string(note));
    if (finding || measure || result)
        json_object_set_new(in, "feedback",
                            json_pack("{s:s, s:s, s:s}", "finding", finding ? finding : "",
                                      "measure", measure ? measure : "", "result",
                                      result ? result : ""));
    if (version)
        json_object_set_new(in, "version", json_integer(version));
    if (to_unit)
        json_object_set_new(in, "to_unit_id", json_integer(to_unit));
    int64_t rid = 0;
    if (to_region && (rc = region_id(st, prog, to_region, &rid)) == 0)
        json_object_set_new(in, "to_region_id", json_integer(rid));
    struct eg_err err;
    json_t *rec = NULL;
    if (!rc) {
        if (eg_flow_act(st, &eg_task_kind, &eg_principal_system, id, action, in, &rec, &err) == 0)
            print_json(rec, JSON_INDENT(2));
        else
            rc = fail(prog, &err);
    }
    json_decref(rec);
    json_decref(in);
    eg_db_close(st);
    return rc;
}
