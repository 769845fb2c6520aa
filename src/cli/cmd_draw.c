/*
 * cmd_draw.c: `envgov draw run|verify FILE` — the reproducible draw of random inspections
 * (govern/draw.c). `run` reads a draw (seed, team size, quotas, pools, recusals) and prints it
 * with its "result"; `verify` re-runs a published draw from its seed and pools and compares with
 * its "result", so that anyone can check a published list (双随机、一公开).
 * Over the database (as the system principal, audited): `draw pool` (the object pool with its
 * categories), `draw make` (a stored run), `draw show RUN`, `draw document RUN` (the published
 * draw, for `verify FILE` anywhere) and `draw verify --db PATH RUN` (re-check a stored run).
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "govern/govern.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int draw_usage(const char *verb, int argc, char **argv, const char *what)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        eg_cli_usage(eg_cli_find("draw", verb), what);
        return EG_EXIT_OK;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: envgov draw %s FILE (a draw as JSON; see envgov draw %s --help)\n",
                verb, verb);
        return EG_EXIT_USAGE;
    }
    return -1;
}

static json_t *load(const char *prog, const char *path)
{
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        fprintf(stderr, "%s: %s: line %d: %s (the file must be a draw as JSON)\n", prog, path,
                je.line, je.text);
    return doc;
}

static const char draw_help[] =
    "A draw is JSON: {\"seed\", \"team_size\" (>= 2), \"quotas\": {CATEGORY: N},\n"
    "\"objects\": [{\"key\", \"category\", \"unit_id\"}], \"inspectors\": [{\"key\", \"id\"}],\n"
    "\"recusals\": [[inspector_id, unit_id]]}. Algorithm " EG_DRAW_ALGORITHM ":\n"
    "ChaCha20 keyed by SHA-256 of the seed; objects ordered by category then key, a partial\n"
    "Fisher-Yates per category; teams by a partial Fisher-Yates over the inspectors ordered by\n"
    "key, skipping recused ones (see src/govern/govern.h).\n";

int eg_cmd_draw_run(int argc, char **argv)
{
    int u = draw_usage("run", argc, argv, draw_help);
    if (u >= 0)
        return u;
    const char *prog = "envgov draw run";
    json_t *doc = load(prog, argv[1]);
    if (!doc)
        return EG_EXIT_FAIL;
    struct eg_draw_input in;
    void *store;
    struct eg_draw_result r;
    struct eg_err err = {0};
    int rc = eg_draw_input_from_json(doc, &in, &store, &err);
    if (rc == 0) {
        rc = eg_draw_run(&in, &r, &err);
        if (rc == 0) {
            json_object_set_new(doc, "algorithm", json_string(EG_DRAW_ALGORITHM));
            json_object_set_new(doc, "result", eg_draw_result_json(&in, &r));
            eg_draw_result_free(&r);
        }
        eg_draw_input_release(&in, store);
    }
    if (rc < 0) {
        fprintf(stderr, "%s: %s (%s)\n", prog, err.msg, err.code);
        json_decref(doc);
        return EG_EXIT_FAIL;
    }
    json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    printf("\n");
    json_decref(doc);
    return EG_EXIT_OK;
}

static int verify_stored(int argc, char **argv);

int eg_cmd_draw_verify(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--db") || !strncmp(argv[i], "--db=", 5))
            return verify_stored(argc, argv);
    int u = draw_usage("verify", argc, argv, draw_help);
    if (u >= 0)
        return u;
    const char *prog = "envgov draw verify";
    json_t *doc = load(prog, argv[1]);
    if (!doc)
        return EG_EXIT_FAIL;
    struct eg_err err = {0};
    int rc = eg_draw_verify(doc, &err);
    if (rc < 0)
        fprintf(stderr, "%s: %s: %s (%s) — 复核不一致\n", prog, argv[1], err.msg, err.code);
    else
        printf("ok: %zu objects and their teams re-drawn from the seed match (复核一致)\n",
               json_array_size(json_object_get(doc, "result")));
    json_decref(doc);
    return rc < 0 ? EG_EXIT_FAIL : EG_EXIT_OK;
}

/* ---- over the database ---- */

struct dargs {
    const char *db, *date, *inspect_on, *seed, *title, *plan;
    const char *pos;
};

static int dparse(int argc, char **argv, const char *prog, const char *verb, int want_pos,
                  struct dargs *a)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"date", required_argument, 0, 'D'},
                                         {"inspect-on", required_argument, 0, 'i'},
                                         {"seed", required_argument, 0, 's'},
                                         {"title", required_argument, 0, 't'},
                                         {"plan", required_argument, 0, 'p'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:D:i:s:t:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            a->db = optarg;
            break;
        case 'D':
            a->date = optarg;
            break;
        case 'i':
            a->inspect_on = optarg;
            break;
        case 's':
            a->seed = optarg;
            break;
        case 't':
            a->title = optarg;
            break;
        case 'p':
            a->plan = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("draw", verb), EG_CLI_DB_HELP);
            return -1;
        default:
            return EG_EXIT_USAGE;
        }
    }
    if (argc - optind != want_pos) {
        fprintf(stderr, "%s: %s (see --help)\n", prog,
                want_pos ? "give the run id" : "unexpected argument");
        return EG_EXIT_USAGE;
    }
    if (want_pos) {
        a->pos = argv[optind];
        int64_t v;
        if (eg_parse_int64(a->pos, strlen(a->pos), &v) || v <= 0) {
            fprintf(stderr, "%s: '%s' is not a run id\n", prog, a->pos);
            return EG_EXIT_USAGE;
        }
    }
    return 0;
}

static int dfinish(const char *prog, int rc, json_t *j, const struct eg_err *err)
{
    if (rc < 0) {
        fprintf(stderr, "%s: %s (%s)\n", prog, err->msg, err->code);
        return EG_EXIT_FAIL;
    }
    char *s = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(j);
    return EG_EXIT_OK;
}

int eg_cmd_draw_pool(int argc, char **argv)
{
    const char *prog = "envgov draw pool";
    struct dargs a;
    int rc = dparse(argc, argv, prog, "pool", 0, &a);
    if (rc)
        return rc < 0 ? EG_EXIT_OK : rc;
    struct eg_db *st = eg__cli_open_existing(prog, a.db);
    if (!st)
        return EG_EXIT_FAIL;
    char d[32];
    if (!a.date) {
        eg_time_format_beijing(eg_time_now(), d, sizeof d);
        d[10] = 0;
        a.date = d;
    }
    struct eg_err err = {0};
    struct eg_draw_plan *p = NULL;
    json_t *doc = NULL;
    rc = eg_draw_plan_for(st, a.plan, a.date, &p, &err);
    if (rc >= 0)
        rc = eg_draw_pool(st, &eg_principal_system, p, a.date, NULL, &doc, &err);
    eg_draw_plan_free(p);
    eg_db_close(st);
    return dfinish(prog, rc, doc, &err);
}

int eg_cmd_draw_make(int argc, char **argv)
{
    const char *prog = "envgov draw make";
    struct dargs a;
    int rc = dparse(argc, argv, prog, "make", 0, &a);
    if (rc)
        return rc < 0 ? EG_EXIT_OK : rc;
    if (!a.inspect_on || !a.title) {
        fprintf(stderr,
                "%s: --title and --inspect-on DATE are required (the list stays secret "
                "until that date)\n",
                prog);
        return EG_EXIT_USAGE;
    }
    struct eg_db *st = eg__cli_open_existing(prog, a.db);
    if (!st)
        return EG_EXIT_FAIL;
    json_t *in = json_pack("{s:s,s:s,s:s?,s:s?,s:s?}", "title", a.title, "inspect_on", a.inspect_on,
                           "date", a.date, "seed", a.seed, "plan", a.plan);
    struct eg_err err = {0};
    int64_t id = 0;
    json_t *out = NULL;
    rc = eg_draw_make(st, &eg_principal_system, in, &id, &out, &err);
    json_decref(in);
    eg_db_close(st);
    return dfinish(prog, rc, out, &err);
}

static int by_id(int argc, char **argv, const char *prog, const char *verb, int document)
{
    struct dargs a;
    int rc = dparse(argc, argv, prog, verb, 1, &a);
    if (rc)
        return rc < 0 ? EG_EXIT_OK : rc;
    struct eg_db *st = eg__cli_open_existing(prog, a.db);
    if (!st)
        return EG_EXIT_FAIL;
    int64_t id = 0;
    eg_parse_int64(a.pos, strlen(a.pos), &id);
    struct eg_err err = {0};
    json_t *out = NULL;
    rc = document ? eg_draw_run_document(st, &eg_principal_system, id, &out, &err)
                  : eg_draw_run_get(st, &eg_principal_system, id, &out, &err);
    eg_db_close(st);
    return dfinish(prog, rc, out, &err);
}

int eg_cmd_draw_show(int argc, char **argv)
{
    return by_id(argc, argv, "envgov draw show", "show", 0);
}

int eg_cmd_draw_document(int argc, char **argv)
{
    return by_id(argc, argv, "envgov draw document", "document", 1);
}

static int verify_stored(int argc, char **argv)
{
    const char *prog = "envgov draw verify";
    struct dargs a;
    int rc = dparse(argc, argv, prog, "verify", 1, &a);
    if (rc)
        return rc < 0 ? EG_EXIT_OK : rc;
    struct eg_db *st = eg__cli_open_existing(prog, a.db);
    if (!st)
        return EG_EXIT_FAIL;
    int64_t id = 0;
    eg_parse_int64(a.pos, strlen(a.pos), &id);
    struct eg_err err = {0};
    rc = eg_draw_run_verify(st, id, &err);
    eg_db_close(st);
    if (rc < 0) {
        fprintf(stderr, "%s: run %lld: %s (%s) — 复核不一致\n", prog, (long long)id, err.msg,
                err.code);
        return EG_EXIT_FAIL;
    }
    printf("ok: run %lld re-drawn from its seed and pools matches (复核一致)\n", (long long)id);
    return EG_EXIT_OK;
}
