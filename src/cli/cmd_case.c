/*
 * cmd_case.c: `envgov case VERB` — administrative penalty cases (行政处罚案件, govern/govern.h:
 * the flow kind "case" and penalty discretion) from the operator's shell, as the system
 * principal (audited as "system"), through the same engine calls the HTTP API makes:
 *   open     a case from an alert, a task, a complaint or an inspection (or other, with a unit)
 *   list     cases, newest first (by state, unit, permit)
 *   show     one case: its fields, the penalty computation step by step, its history
 *   act      a transition (investigate, notify with the discretion facts, decide, serve, …)
 *   attach   evidence (a photo or PDF) to a case
 *   fine     the fine from the discretion table in force, step by step (dry run, nothing stored)
 *   types    the violation types of the discretion table in force, with their factors
 * Output is text with Chinese labels; --json prints the records as JSON instead.
 */
#include "cli/cli.h"
#include "cli/cli_db.h"
#include "govern/govern.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HELP[] =
    "verbs:\n"
    "  open (--alert ID | --task ID | --complaint ID | --inspection ID | --unit ID --ref TEXT)\n"
    "       --violation TYPE [--date YYYY-MM-DD] [--title TEXT] [--unit ID] [--permit ID]\n"
    "                   立案: the unit, title and date come from the origin; the permit in force\n"
    "                   on the violation date is filed (一证式) unless --permit names one\n"
    "  list [--state S] [--unit ID] [--permit ID] [--open] [--limit N]\n"
    "                   cases, newest first: 编号, 状态, 单位, 许可证, 违法行为, 罚款, 标题\n"
    "  show ID          a case with the penalty computation step by step and its history\n"
    "  act ID ACTION [--reason TEXT] [--note TEXT] [--factor F=OPTION]… [--circumstance C]…\n"
    "       [--decision penalty|no_penalty] [--exemption FILE] [--version N]\n"
    "                   ACTION: investigate (调查取证), notify (告知: needs evidence attached;\n"
    "                   --factor/--circumstance give the discretion facts), request_hearing\n"
    "                   (听证), decide (决定: --decision and --reason; --exemption a JSON file of\n"
    "                   the 免罚清单 facts), serve (送达), execute (执行), close (结案),\n"
    "                   dismiss (撤销立案: --reason)\n"
    "  attach ID FILE [--name NAME]   evidence (JPEG, PNG, WebP or PDF, typed from its bytes)\n"
    "  fine --violation TYPE [--date D] [--factor F=OPTION]… [--circumstance C]…\n"
    "       [--input FILE] [--daily SERVED,RECHECK]…\n"
    "                   计算罚款 (dry run): the discretion table in force on the date (default\n"
    "                   today), every step; --input reads {\"violation\",\"factors\":{…},\n"
    "                   \"circumstances\":[…]} instead; --daily adds 按日连续处罚 rounds\n"
    "  types [--date D] the violation types of the discretion table, factors and options\n"
    "\n"
    "options:\n"
    "  --json           print JSON instead of text\n" EG_CLI_DB_HELP
    "exit: 0 ok; 1 refused or not found (the message says what to do); 2 usage.\n";

#define MAXREP 64

struct args {
    const char *db, *title, *violation, *date, *ref, *state, *reason, *note, *decision;
    const char *exemption, *input, *name;
    int64_t unit, permit, alert, task, complaint, inspection, limit, version;
    int json, open;
    const char *factors[MAXREP], *circs[MAXREP], *daily[MAXREP];
    int nfactors, ncircs, ndaily;
    char **pos;
    int npos;
};

static int usage_err(const char *verb, const char *msg, const char *v)
{
    fprintf(stderr, "envgov case %s: %s%s%s (see envgov case --help)\n", verb, msg, v ? " " : "",
            v ? v : "");
    return EG_EXIT_USAGE;
}

static int id_of(const char *verb, const char *opt, const char *v, int64_t *out)
{
    if (!v || eg_parse_int64(v, strlen(v), out) || *out <= 0) {
        fprintf(stderr, "envgov case %s: %s must be a positive number, not '%s'\n", verb, opt,
                v ? v : "");
        return EG_EXIT_USAGE;
    }
    return 0;
}

static int add_rep(const char *verb, const char **arr, int *n, const char *v)
{
    if (*n >= MAXREP)
        return usage_err(verb, "too many repeated options (at most 64)", NULL);
    arr[(*n)++] = v;
    return 0;
}

/* Parses the options of every verb; the verb's own checks follow. -1: help printed. */
static int parse(const char *verb, int argc, char **argv, struct args *a)
{
    enum {
        O_JSON = 256,
        O_ALERT,
        O_TASK,
        O_COMPLAINT,
        O_INSPECTION,
        O_REF,
        O_PERMIT,
        O_TITLE,
        O_VIOLATION,
        O_DATE,
        O_STATE,
        O_OPEN,
        O_LIMIT,
        O_REASON,
        O_NOTE,
        O_FACTOR,
        O_CIRC,
        O_DECISION,
        O_EXEMPTION,
        O_INPUT,
        O_DAILY,
        O_VERSION,
        O_NAME,
        O_UNIT
    };
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {"json", no_argument, 0, O_JSON},
                                         {"alert", required_argument, 0, O_ALERT},
                                         {"task", required_argument, 0, O_TASK},
                                         {"complaint", required_argument, 0, O_COMPLAINT},
                                         {"inspection", required_argument, 0, O_INSPECTION},
                                         {"ref", required_argument, 0, O_REF},
                                         {"unit", required_argument, 0, O_UNIT},
                                         {"permit", required_argument, 0, O_PERMIT},
                                         {"title", required_argument, 0, O_TITLE},
                                         {"violation", required_argument, 0, O_VIOLATION},
                                         {"date", required_argument, 0, O_DATE},
                                         {"state", required_argument, 0, O_STATE},
                                         {"open", no_argument, 0, O_OPEN},
                                         {"limit", required_argument, 0, O_LIMIT},
                                         {"reason", required_argument, 0, O_REASON},
                                         {"note", required_argument, 0, O_NOTE},
                                         {"factor", required_argument, 0, O_FACTOR},
                                         {"circumstance", required_argument, 0, O_CIRC},
                                         {"decision", required_argument, 0, O_DECISION},
                                         {"exemption", required_argument, 0, O_EXEMPTION},
                                         {"input", required_argument, 0, O_INPUT},
                                         {"daily", required_argument, 0, O_DAILY},
                                         {"version", required_argument, 0, O_VERSION},
                                         {"name", required_argument, 0, O_NAME},
                                         {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    int c, rc = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            a->db = optarg;
            break;
        case 'h':
            eg_cli_usage(eg_cli_find("case", NULL), HELP);
            return -1;
        case O_JSON:
            a->json = 1;
            break;
        case O_ALERT:
            rc = id_of(verb, "--alert", optarg, &a->alert);
            break;
        case O_TASK:
            rc = id_of(verb, "--task", optarg, &a->task);
            break;
        case O_COMPLAINT:
            rc = id_of(verb, "--complaint", optarg, &a->complaint);
            break;
        case O_INSPECTION:
            rc = id_of(verb, "--inspection", optarg, &a->inspection);
            break;
        case O_UNIT:
            rc = id_of(verb, "--unit", optarg, &a->unit);
            break;
        case O_PERMIT:
            rc = id_of(verb, "--permit", optarg, &a->permit);
            break;
        case O_LIMIT:
            rc = id_of(verb, "--limit", optarg, &a->limit);
            break;
        case O_VERSION:
            rc = id_of(verb, "--version", optarg, &a->version);
            break;
        case O_REF:
            a->ref = optarg;
            break;
        case O_TITLE:
            a->title = optarg;
            break;
        case O_VIOLATION:
            a->violation = optarg;
            break;
        case O_DATE:
            a->date = optarg;
            break;
        case O_STATE:
            a->state = optarg;
            break;
        case O_OPEN:
            a->open = 1;
            break;
        case O_REASON:
            a->reason = optarg;
            break;
        case O_NOTE:
            a->note = optarg;
            break;
        case O_FACTOR:
            if (!strchr(optarg, '='))
                return usage_err(verb, "--factor takes FACTOR=OPTION, not", optarg);
            rc = add_rep(verb, a->factors, &a->nfactors, optarg);
            break;
        case O_CIRC:
            rc = add_rep(verb, a->circs, &a->ncircs, optarg);
            break;
        case O_DAILY:
            if (!strchr(optarg, ','))
                return usage_err(verb, "--daily takes SERVED,RECHECK (two dates), not", optarg);
            rc = add_rep(verb, a->daily, &a->ndaily, optarg);
            break;
        case O_DECISION:
            a->decision = optarg;
            break;
        case O_EXEMPTION:
            a->exemption = optarg;
            break;
        case O_INPUT:
            a->input = optarg;
            break;
        case O_NAME:
            a->name = optarg;
            break;
        default:
            return EG_EXIT_USAGE;
        }
        if (rc)
            return rc;
    }
    a->pos = argv + optind;
    a->npos = argc - optind;
    return 0;
}

static int fail(const char *verb, const struct eg_err *err)
{
    fprintf(stderr, "envgov case %s: %s (%s)\n", verb, err->msg, err->code);
    return EG_EXIT_FAIL;
}

static void print_json(json_t *j, size_t flags)
{
    char *s = json_dumps(j, flags);
    if (s)
        printf("%s\n", s);
    free(s);
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* A file's bytes (at most max), NUL-terminated; NULL with the error printed. */
static char *slurp(const char *verb, const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "envgov case %s: cannot open %s\n", verb, path);
        return NULL;
    }
    char *buf = eg_malloc(max + 1);
    size_t n = fread(buf, 1, max + 1, f);
    fclose(f);
    if (n > max) {
        fprintf(stderr, "envgov case %s: %s is over %zu bytes\n", verb, path, max);
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* {"factors":{…},"circumstances":[…]} from --factor F=O and --circumstance C. */
static json_t *facts_json(const struct args *a)
{
    json_t *f = json_object(), *c = json_array();
    for (int i = 0; i < a->nfactors; i++) {
        const char *eq = strchr(a->factors[i], '=');
        char k[64];
        snprintf(k, sizeof k, "%.*s", (int)(eq - a->factors[i]), a->factors[i]);
        json_object_set_new(f, k, json_string(eq + 1));
    }
    for (int i = 0; i < a->ncircs; i++)
        json_array_append_new(c, json_string(a->circs[i]));
    return json_pack("{s:o, s:o}", "factors", f, "circumstances", c);
}

static void today(char out[11])
{
    char t[40];
    eg_time_format_beijing(eg_time_now(), t, sizeof t);
    memcpy(out, t, 10);
    out[10] = 0;
}

/* The penalty computation as numbered lines. */
static void print_steps(json_t *calc)
{
    json_t *rs = json_object_get(calc, "ruleset");
    printf("裁量基准: %s 第 %lld 版 (SHA-256 %.12s…)\n", str(rs, "id"),
           (long long)json_integer_value(json_object_get(rs, "version")), str(rs, "sha256"));
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(calc, "steps"), i, s)
    {
        printf("  %2lld. %s", (long long)json_integer_value(json_object_get(s, "step")),
               str(s, "text_zh"));
        json_t *w = json_object_get(s, "weight");
        if (json_is_number(w))
            printf("  [权重 %g%%]", json_number_value(w) * 100);
        printf("\n");
    }
    printf("罚款金额: %.0f 元\n", json_number_value(json_object_get(calc, "fine")));
}

static int open_db(const char *verb, const struct args *a, struct eg_db **st)
{
    char prog[64];
    snprintf(prog, sizeof prog, "envgov case %s", verb);
    *st = eg__cli_open_existing(prog, a->db);
    return *st ? 0 : EG_EXIT_FAIL;
}

static int v_open(const struct args *a)
{
    int given = !!a->alert + !!a->task + !!a->complaint + !!a->inspection;
    if (a->npos)
        return usage_err("open", "unexpected argument", a->pos[0]);
    if (given > 1)
        return usage_err("open", "give one origin: --alert, --task, --complaint or --inspection",
                         NULL);
    if (!given && (!a->unit || !a->date))
        return usage_err("open",
                         "give the origin (--alert/--task/--complaint/--inspection ID), or "
                         "--unit, --date and --ref for another origin",
                         NULL);
    if (!a->violation)
        return usage_err("open", "--violation is required (envgov case types lists them)", NULL);
    struct eg_case_new n = {.origin = a->alert        ? "alert"
                                      : a->task       ? "task"
                                      : a->complaint  ? "complaint"
                                      : a->inspection ? "inspection"
                                                      : "other",
                            .origin_id = a->alert       ? a->alert
                                         : a->task      ? a->task
                                         : a->complaint ? a->complaint
                                                        : a->inspection,
                            .origin_ref = a->ref,
                            .unit_id = a->unit,
                            .permit_id = a->permit,
                            .title = a->title,
                            .violation = a->violation,
                            .violation_date = a->date};
    struct eg_db *st;
    if (open_db("open", a, &st))
        return EG_EXIT_FAIL;
    json_t *rec = NULL;
    struct eg_err err = {0};
    int rc = eg_case_open(st, &eg_principal_system, &n, &rec, &err);
    eg_db_close(st);
    if (rc < 0)
        return fail("open", &err);
    char pb[24] = "无";
    if (json_is_integer(json_object_get(rec, "permit_id")))
        snprintf(pb, sizeof pb, "%lld",
                 (long long)json_integer_value(json_object_get(rec, "permit_id")));
    if (a->json)
        print_json(rec, JSON_INDENT(2));
    else
        printf("已立案: 案件编号 %lld, 状态 %s, 单位 %s, 排污许可证 %s, 违法行为 %s, 发生日期 "
               "%s\n",
               (long long)json_integer_value(json_object_get(rec, "id")), str(rec, "state_zh"),
               str(rec, "unit_name"), pb, str(rec, "violation"), str(rec, "violation_date"));
    json_decref(rec);
    return EG_EXIT_OK;
}

static int v_list(const struct args *a)
{
    if (a->npos)
        return usage_err("list", "unexpected argument", a->pos[0]);
    struct eg_flow_query q = {.state = a->state,
                              .unit_id = a->unit,
                              .open = a->open,
                              .limit = a->limit > 1000 ? 1001 : (int)a->limit,
                              .field = a->permit ? "permit_id" : NULL,
                              .field_value = a->permit};
    struct eg_db *st;
    if (open_db("list", a, &st))
        return EG_EXIT_FAIL;
    json_t *rows = NULL;
    struct eg_err err = {0};
    int rc = eg_flow_list(st, &eg_case_kind, &eg_principal_system, &q, &rows, NULL, &err);
    eg_db_close(st);
    if (rc < 0)
        return fail("list", &err);
    size_t i;
    json_t *r;
    if (!a->json)
        printf("编号\t状态\t单位\t排污许可证\t违法行为\t罚款（元）\t标题\n");
    json_array_foreach(rows, i, r)
    {
        if (a->json) {
            print_json(r, JSON_COMPACT);
            continue;
        }
        json_t *p = json_object_get(r, "permit_id"), *f = json_object_get(r, "fine");
        char pb[24] = "无", fb[32] = "—";
        if (json_is_integer(p))
            snprintf(pb, sizeof pb, "%lld", (long long)json_integer_value(p));
        if (json_is_number(f))
            snprintf(fb, sizeof fb, "%.0f", json_number_value(f));
        printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\n",
               (long long)json_integer_value(json_object_get(r, "id")), str(r, "state_zh"),
               str(r, "unit_name"), pb, str(r, "violation"), fb, str(r, "title"));
    }
    json_decref(rows);
    return EG_EXIT_OK;
}

static int v_show(const struct args *a)
{
    int64_t id;
    if (a->npos != 1)
        return usage_err("show", "give the case's ID", NULL);
    int rc = id_of("show", "ID", a->pos[0], &id);
    if (rc)
        return rc;
    struct eg_db *st;
    if (open_db("show", a, &st))
        return EG_EXIT_FAIL;
    json_t *rec = NULL, *h = NULL;
    struct eg_err err = {0};
    rc = eg_flow_get(st, &eg_case_kind, &eg_principal_system, id, &rec, &err);
    if (rc == 0)
        rc = eg_flow_history(st, &eg_case_kind, &eg_principal_system, id, &h, &err);
    eg_db_close(st);
    if (rc < 0) {
        json_decref(rec);
        return fail("show", &err);
    }
    json_t *calc = json_loads(str(rec, "discretion"), 0, NULL);
    json_t *ex = json_loads(str(rec, "exemption"), 0, NULL);
    if (a->json) {
        /* the stored computation as JSON, not as its text */
        if (calc)
            json_object_set(rec, "discretion", calc);
        if (ex)
            json_object_set(rec, "exemption", ex);
        json_object_set(rec, "history", h);
        print_json(rec, JSON_INDENT(2));
    } else {
        json_t *p = json_object_get(rec, "permit_id");
        printf("案件编号: %lld\n标题: %s\n状态: %s\n单位: %s (编号 %lld)\n",
               (long long)json_integer_value(json_object_get(rec, "id")), str(rec, "title"),
               str(rec, "state_zh"), str(rec, "unit_name"),
               (long long)json_integer_value(json_object_get(rec, "unit_id")));
        if (json_is_integer(p))
            printf("排污许可证: 编号 %lld\n", (long long)json_integer_value(p));
        else
            printf("排污许可证: 无（违法行为发生日该单位无有效许可证）\n");
        static const char *const origins[][2] = {{"inspection", "现场检查"},
                                                 {"alert", "预警"},
                                                 {"complaint", "信访投诉"},
                                                 {"task", "任务"},
                                                 {"other", "其他"}};
        const char *o = str(rec, "origin");
        for (size_t i = 0; i < EG_ARRAY_LEN(origins); i++)
            if (!strcmp(o, origins[i][0]))
                o = origins[i][1];
        printf("案件来源: %s %s\n违法行为类型: %s\n违法行为发生日期: %s\n", o,
               str(rec, "origin_ref"), str(rec, "violation"), str(rec, "violation_date"));
        if (calc) {
            printf("违法行为: %s（%s）\n", str(calc, "label_zh"), str(calc, "basis"));
            print_steps(calc);
            printf("享有听证权利: %s\n",
                   json_is_true(json_object_get(rec, "hearing_right")) ? "是" : "否");
        } else {
            printf("罚款金额: 未计算（告知时按裁量基准计算）\n");
        }
        if (*str(rec, "decision"))
            printf("处理决定: %s\n",
                   !strcmp(str(rec, "decision"), "penalty") ? "予以处罚" : "不予处罚");
        if (ex)
            printf("免罚清单核查: %s\n",
                   json_is_true(json_object_get(ex, "checked"))
                       ? (json_is_true(json_object_get(ex, "exempt")) ? "符合免罚条件"
                                                                      : "不符合免罚条件")
                       : "未进行");
        printf("流转记录:\n");
        size_t i;
        json_t *t;
        json_array_foreach(h, i, t)
        {
            const char *reason = str(json_object_get(t, "text"), "reason");
            const struct eg_flow_state *fs = eg_flow_state_find(&eg_case_kind, str(t, "from"));
            const struct eg_flow_state *ts = eg_flow_state_find(&eg_case_kind, str(t, "to"));
            printf("  %s  %s  %s → %s%s%s\n", str(t, "at"), str(t, "by"),
                   fs ? fs->label_zh : "（新建）", ts ? ts->label_zh : str(t, "to"),
                   *reason ? "  理由: " : "", reason);
        }
        json_t *acts = json_object_get(rec, "actions");
        printf("可执行操作:");
        json_array_foreach(acts, i, t) printf(" %s（%s）", str(t, "action"), str(t, "label_zh"));
        printf("%s\n", json_array_size(acts) ? "" : " 无");
    }
    json_decref(calc);
    json_decref(ex);
    json_decref(h);
    json_decref(rec);
    return EG_EXIT_OK;
}

static int v_act(const struct args *a)
{
    int64_t id;
    if (a->npos != 2)
        return usage_err("act", "give the case's ID and the ACTION", NULL);
    int rc = id_of("act", "ID", a->pos[0], &id);
    if (rc)
        return rc;
    json_t *in = json_object();
    if (a->reason)
        json_object_set_new(in, "reason", json_string(a->reason));
    if (a->note)
        json_object_set_new(in, "note", json_string(a->note));
    if (a->decision)
        json_object_set_new(in, "decision", json_string(a->decision));
    if (a->version)
        json_object_set_new(in, "version", json_integer(a->version));
    if (a->nfactors || a->ncircs)
        json_object_set_new(in, "discretion", facts_json(a));
    if (a->exemption) {
        size_t n;
        char *text = slurp("act", a->exemption, 65536, &n);
        json_error_t je;
        json_t *ex = text ? json_loadb(text, n, 0, &je) : NULL;
        if (text && !ex)
            fprintf(stderr, "envgov case act: %s:%d: %s\n", a->exemption, je.line, je.text);
        free(text);
        if (!ex) {
            json_decref(in);
            return EG_EXIT_FAIL;
        }
        json_object_set_new(in, "exemption", ex);
    }
    struct eg_db *st;
    if (open_db("act", a, &st)) {
        json_decref(in);
        return EG_EXIT_FAIL;
    }
    json_t *rec = NULL;
    struct eg_err err = {0};
    rc = eg_flow_act(st, &eg_case_kind, &eg_principal_system, id, a->pos[1], in, &rec, &err);
    eg_db_close(st);
    json_decref(in);
    if (rc < 0)
        return fail("act", &err);
    if (a->json) {
        print_json(rec, JSON_INDENT(2));
    } else {
        printf("案件 %lld: %s\n", (long long)id, str(rec, "state_zh"));
        json_t *calc = json_loads(str(rec, "discretion"), 0, NULL);
        if (calc && !strcmp(a->pos[1], "notify")) {
            print_steps(calc);
            printf("享有听证权利: %s\n",
                   json_is_true(json_object_get(rec, "hearing_right")) ? "是" : "否");
        }
        json_decref(calc);
    }
    json_decref(rec);
    return EG_EXIT_OK;
}

static int v_attach(const struct args *a)
{
    int64_t id;
    if (a->npos != 2)
        return usage_err("attach", "give the case's ID and the FILE", NULL);
    int rc = id_of("attach", "ID", a->pos[0], &id);
    if (rc)
        return rc;
    size_t n;
    char *data = slurp("attach", a->pos[1], EG_FLOW_MAX_ATTACHMENT, &n);
    if (!data)
        return EG_EXIT_FAIL;
    const char *name = a->name ? a->name : a->pos[1];
    const char *slash = strrchr(name, '/');
    struct eg_db *st;
    if (open_db("attach", a, &st)) {
        free(data);
        return EG_EXIT_FAIL;
    }
    json_t *att = NULL;
    struct eg_err err = {0};
    rc = eg_flow_attach(st, &eg_case_kind, &eg_principal_system, id, slash ? slash + 1 : name, data,
                        n, &att, &err);
    eg_db_close(st);
    free(data);
    if (rc < 0)
        return fail("attach", &err);
    if (a->json)
        print_json(att, JSON_INDENT(2));
    else
        printf("已附证据: 案件 %lld, 附件编号 %lld, %s, %lld 字节, SHA-256 %s\n", (long long)id,
               (long long)json_integer_value(json_object_get(att, "id")), str(att, "type"),
               (long long)json_integer_value(json_object_get(att, "size")), str(att, "sha256"));
    json_decref(att);
    return EG_EXIT_OK;
}

static int discretion_of(const char *verb, const struct args *a, struct eg_discretion **d)
{
    char date[11];
    if (a->date)
        snprintf(date, sizeof date, "%s", a->date);
    else
        today(date);
    struct eg_db *st;
    if (open_db(verb, a, &st))
        return EG_EXIT_FAIL;
    struct eg_err err = {0};
    int rc = eg_discretion_for_date(st, date, NULL, d, &err);
    eg_db_close(st);
    return rc < 0 ? fail(verb, &err) : 0;
}

static int v_fine(const struct args *a)
{
    if (a->npos)
        return usage_err("fine", "unexpected argument", a->pos[0]);
    if (!a->input && !a->violation)
        return usage_err("fine", "give --violation TYPE (or --input FILE)", NULL);
    json_t *in;
    if (a->input) {
        size_t n;
        char *text = slurp("fine", a->input, 65536, &n);
        if (!text)
            return EG_EXIT_FAIL;
        json_error_t je;
        in = json_loadb(text, n, 0, &je);
        free(text);
        if (!in) {
            fprintf(stderr, "envgov case fine: %s:%d: %s\n", a->input, je.line, je.text);
            return EG_EXIT_FAIL;
        }
    } else {
        in = facts_json(a);
        json_object_set_new(in, "violation", json_string(a->violation));
    }
    struct eg_discretion *d = NULL;
    int rc = discretion_of("fine", a, &d);
    if (rc) {
        json_decref(in);
        return rc;
    }
    json_t *out = NULL;
    struct eg_err err = {0};
    rc = eg_discretion_compute_json(d, in, &out, &err);
    json_decref(in);
    if (rc == 0 && a->ndaily) {
        struct eg_disc_round rounds[MAXREP];
        char buf[MAXREP][2][16];
        for (int i = 0; i < a->ndaily; i++) {
            const char *c = strchr(a->daily[i], ',');
            snprintf(buf[i][0], sizeof buf[i][0], "%.*s", (int)(c - a->daily[i]), a->daily[i]);
            snprintf(buf[i][1], sizeof buf[i][1], "%s", c + 1);
            rounds[i] = (struct eg_disc_round){.served = buf[i][0], .recheck = buf[i][1]};
        }
        int64_t days;
        double total;
        json_t *steps = NULL;
        rc = eg_discretion_daily(eg_discretion_violation(d, str(out, "violation")),
                                 json_number_value(json_object_get(out, "fine")), rounds, a->ndaily,
                                 &days, &total, &steps, &err);
        if (rc == 0)
            json_object_set_new(out, "daily",
                                json_pack("{s:I, s:f, s:o}", "days", (json_int_t)days, "total",
                                          total, "steps", steps));
    }
    eg_discretion_free(d);
    if (rc < 0) {
        json_decref(out);
        return fail("fine", &err);
    }
    if (a->json) {
        print_json(out, JSON_INDENT(2));
    } else {
        printf("违法行为: %s（%s）\n依据: %s\n法定罚款幅度: %.0f 至 %.0f 元\n",
               str(out, "label_zh"), str(out, "violation"), str(out, "basis"),
               json_number_value(json_object_get(out, "min_fine")),
               json_number_value(json_object_get(out, "max_fine")));
        print_steps(out);
        json_t *daily = json_object_get(out, "daily");
        if (daily) {
            size_t i;
            json_t *s;
            printf("按日连续处罚:\n");
            json_array_foreach(json_object_get(daily, "steps"), i, s)
                printf("  %s\n", str(s, "text_zh"));
        }
        printf("（试算，未保存）\n");
    }
    json_decref(out);
    return EG_EXIT_OK;
}

static int v_types(const struct args *a)
{
    if (a->npos)
        return usage_err("types", "unexpected argument", a->pos[0]);
    struct eg_discretion *d = NULL;
    int rc = discretion_of("types", a, &d);
    if (rc)
        return rc;
    json_t *all = json_array();
    for (int i = 0; i < d->nviolations; i++) {
        const struct eg_disc_violation *v = &d->violations[i];
        json_t *fs = json_array();
        for (int k = 0; k < v->nfactors; k++) {
            const struct eg_disc_factor *f = &d->factors[v->factors[k]];
            json_t *os = json_array();
            for (int j = 0; j < f->noptions; j++)
                json_array_append_new(os, json_pack("{s:s, s:s, s:f}", "option", f->options[j].name,
                                                    "label_zh", f->options[j].label, "weight",
                                                    f->options[j].weight));
            json_array_append_new(fs, json_pack("{s:s, s:s, s:o}", "factor", f->name, "label_zh",
                                                f->label, "options", os));
        }
        json_array_append_new(
            all, json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:b, s:o}", "violation", v->name,
                           "label_zh", v->label, "basis", v->basis, "model",
                           v->model == EG_DISC_WEIGHT ? "weight" : "range", "min_fine", v->min_fine,
                           "max_fine", v->max_fine, "daily", v->daily, "factors", fs));
    }
    json_t *circ = json_array();
    for (int i = 0; i < d->ncircs; i++)
        json_array_append_new(circ, json_pack("{s:s, s:s, s:s}", "circumstance", d->circs[i].name,
                                              "label_zh", d->circs[i].label, "kind",
                                              d->circs[i].aggravating ? "从重" : "从轻/减轻"));
    if (a->json) {
        json_t *o = json_pack("{s:s, s:I, s:o, s:o}", "ruleset", d->rs->id, "version",
                              (json_int_t)d->rs->version, "violations", all, "circumstances", circ);
        print_json(o, JSON_INDENT(2));
        json_decref(o);
    } else {
        printf("裁量基准: %s 第 %lld 版\n", d->rs->id, (long long)d->rs->version);
        size_t i, k, j;
        json_t *v, *f, *o;
        json_array_foreach(all, i, v)
        {
            printf("%s  %s（%s；%.0f 至 %.0f 元%s）\n", str(v, "violation"), str(v, "label_zh"),
                   str(v, "basis"), json_number_value(json_object_get(v, "min_fine")),
                   json_number_value(json_object_get(v, "max_fine")),
                   json_is_true(json_object_get(v, "daily")) ? "；可按日连续处罚" : "");
            json_array_foreach(json_object_get(v, "factors"), k, f)
            {
                printf("  --factor %s=…  %s:", str(f, "factor"), str(f, "label_zh"));
                json_array_foreach(json_object_get(f, "options"), j, o)
                    printf(" %s（%s）", str(o, "option"), str(o, "label_zh"));
                printf("\n");
            }
        }
        printf("情节 (--circumstance):\n");
        json_array_foreach(circ, i, v)
            printf("  %s  %s（%s）\n", str(v, "circumstance"), str(v, "label_zh"), str(v, "kind"));
        json_decref(all);
        json_decref(circ);
    }
    eg_discretion_free(d);
    return EG_EXIT_OK;
}

int eg_cmd_case(int argc, char **argv)
{
    static const struct {
        const char *verb;
        int (*fn)(const struct args *);
    } verbs[] = {{"open", v_open},     {"list", v_list}, {"show", v_show},  {"act", v_act},
                 {"attach", v_attach}, {"fine", v_fine}, {"types", v_types}};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        eg_cli_usage(eg_cli_find("case", NULL), HELP);
        return argc < 2 ? EG_EXIT_USAGE : EG_EXIT_OK;
    }
    for (size_t i = 0; i < EG_ARRAY_LEN(verbs); i++)
        if (!strcmp(argv[1], verbs[i].verb)) {
            struct args a;
            int rc = parse(verbs[i].verb, argc - 1, argv + 1, &a);
            if (rc)
                return rc < 0 ? EG_EXIT_OK : rc;
            return verbs[i].fn(&a);
        }
    fprintf(stderr,
            "envgov case: unknown verb '%s': use open, list, show, act, attach, fine or types\n",
            argv[1]);
    return EG_EXIT_USAGE;
}
