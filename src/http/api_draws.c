/*
 * api_draws.c: the HTTP face of random inspections (双随机、一公开, issue 13 item 3;
 * govern/govern.h, docs/draws.md).
 *
 *   GET  /api/v1/draws/matters?date=              the list of inspectable matters (public)
 *   GET  /api/v1/draws/agencies                   agencies and stewards with contracts (staff)
 *   POST /api/v1/draws/agencies                   register one (staff)
 *   POST /api/v1/draws/agencies/{id}/contracts    a contract with a client unit (staff)
 *   GET  /api/v1/draws/inspectors                 the inspector pool with recusals (staff)
 *   POST /api/v1/draws/inspectors                 {"user_id","cert_no","org"} (staff)
 *   POST /api/v1/draws/recusals                   {"inspector_id","unit_id","reason"} (staff)
 *   POST /api/v1/draws/overrides                  {"unit_id","category"|null,"reason"} (staff)
 *   GET  /api/v1/draws/pool?date=                 the object pool with categories (staff)
 *   GET  /api/v1/draws/runs                       runs (staff; secret ones only to their officer)
 *   POST /api/v1/draws/runs                       make a draw (staff)
 *   GET  /api/v1/draws/runs/{id}                  a run (secret until inspect_on)
 *   GET  /api/v1/draws/runs/{id}/document         the published draw (public from inspect_on)
 *   GET  /api/v1/draws/runs/{id}/verify           re-check from seed and pools
 *   POST /api/v1/draws/items/{id}/result          an inspection's result (staff or its team)
 *   GET  /api/v1/draws/results?unit_id=           published results (public)
 */
#include "govern/govern.h"
#include "http/http_internal.h"

#include <stdio.h>
#include <string.h>

static int staff_only(struct eg_http_req *rq)
{
    const struct eg_principal *p = eg_http_principal(rq);
    if (p->role == EG_ROLE_ADMIN || p->role == EG_ROLE_BUREAU)
        return 0;
    return eg_err_set(eg_http_err(rq), EG_EPERM, "forbidden", -1,
                      "only the bureau may do this: ask an officer of the bureau");
}

static void today(char out[16])
{
    char t[32];
    eg_time_format_beijing(eg_time_now(), t, sizeof t);
    memcpy(out, t, 10);
    out[10] = 0;
}

static int reply_items(struct eg_http_req *rq, int rc, json_t *rows)
{
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:o}", "items", rows));
}

static int h_matters(struct eg_http_req *rq)
{
    const char *date = NULL;
    char d[16];
    struct eg_db *db;
    struct eg_draw_plan *p = NULL;
    int rc = eg_http_arg_str(rq, "date", &date);
    if (rc >= 0 && !date) {
        today(d);
        date = d;
    }
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_draw_plan_for(db, NULL, date, &p, eg_http_err(rq));
    if (rc < 0)
        return rc;
    json_t *m = eg_draw_plan_matters(p);
    eg_draw_plan_free(p);
    return eg_http_reply_json(rq, 200, m);
}

static int h_agencies(struct eg_http_req *rq)
{
    struct eg_db *db;
    json_t *rows = NULL;
    int rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_draw_agencies(db, eg_http_principal(rq), &rows, eg_http_err(rq));
    return reply_items(rq, rc, rows);
}

static int created(struct eg_http_req *rq, int rc, int64_t id)
{
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

static int h_agency_add(struct eg_http_req *rq)
{
    json_t *b;
    struct eg_db *db;
    int64_t id = 0;
    int rc = eg_http_body_json(rq, &b);
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_draw_agency_add(db, eg_http_principal(rq), b, &id, eg_http_err(rq));
    return created(rq, rc, id);
}

static int h_contract_add(struct eg_http_req *rq)
{
    json_t *b;
    struct eg_db *db;
    int64_t agency = 0, id = 0;
    int rc = eg_http_arg_int(rq, "id", &agency);
    if (rc >= 0)
        rc = eg_http_body_json(rq, &b);
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc =
            eg_draw_agency_contract_add(db, eg_http_principal(rq), agency, b, &id, eg_http_err(rq));
    return created(rq, rc, id);
}

static int h_inspectors(struct eg_http_req *rq)
{
    struct eg_db *db;
    json_t *rows = NULL;
    int rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_draw_inspectors(db, eg_http_principal(rq), &rows, eg_http_err(rq));
    return reply_items(rq, rc, rows);
}

static int bad_body(struct eg_http_req *rq, const char *what)
{
    return eg_err_set(eg_http_err(rq), EG_EINVAL, "invalid_body", -1, "%s", what);
}

static int h_inspector_add(struct eg_http_req *rq)
{
    json_t *b;
    struct eg_db *db;
    int64_t id = 0;
    int rc = eg_http_body_json(rq, &b);
    if (!rc && !json_is_integer(json_object_get(b, "user_id")))
        rc = bad_body(rq, "field 'user_id' is required (an integer: the officer's account)");
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_draw_inspector_add(
            db, eg_http_principal(rq), json_integer_value(json_object_get(b, "user_id")),
            json_string_value(json_object_get(b, "cert_no")),
            json_string_value(json_object_get(b, "org")), &id, eg_http_err(rq));
    return created(rq, rc, id);
}

static int h_recusal_add(struct eg_http_req *rq)
{
    json_t *b;
    struct eg_db *db;
    int64_t id = 0;
    int rc = eg_http_body_json(rq, &b);
    if (!rc && (!json_is_integer(json_object_get(b, "inspector_id")) ||
                !json_is_integer(json_object_get(b, "unit_id"))))
        rc = bad_body(rq, "fields 'inspector_id' and 'unit_id' are required (integers)");
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_draw_recusal_add(
            db, eg_http_principal(rq), json_integer_value(json_object_get(b, "inspector_id")),
            json_integer_value(json_object_get(b, "unit_id")),
            json_string_value(json_object_get(b, "reason")), &id, eg_http_err(rq));
    return created(rq, rc, id);
}

static int h_override(struct eg_http_req *rq)
{
    json_t *b;
    struct eg_db *db;
    int rc = eg_http_body_json(rq, &b);
    json_t *cat = json_object_get(b, "category");
    if (!rc && !json_is_integer(json_object_get(b, "unit_id")))
        rc = bad_body(rq, "field 'unit_id' is required (an integer)");
    if (!rc && cat && !json_is_string(cat) && !json_is_null(cat))
        rc = bad_body(rq, "field 'category' must be a category name, or null to clear");
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_draw_override_set(db, eg_http_principal(rq),
                                  json_integer_value(json_object_get(b, "unit_id")),
                                  json_string_value(cat),
                                  json_string_value(json_object_get(b, "reason")), eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:b}", "ok", 1));
}

static int h_pool(struct eg_http_req *rq)
{
    const char *date = NULL;
    char d[16];
    struct eg_db *db;
    struct eg_draw_plan *p = NULL;
    json_t *doc = NULL;
    int rc = staff_only(rq);
    if (!rc)
        rc = eg_http_arg_str(rq, "date", &date);
    if (rc >= 0 && !date) {
        today(d);
        date = d;
    }
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_draw_plan_for(db, NULL, date, &p, eg_http_err(rq));
    if (rc >= 0)
        rc = eg_draw_pool(db, eg_http_principal(rq), p, date, NULL, &doc, eg_http_err(rq));
    eg_draw_plan_free(p);
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 200, doc);
}

static int h_runs(struct eg_http_req *rq)
{
    struct eg_db *db;
    json_t *rows = NULL;
    int rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_draw_runs(db, eg_http_principal(rq), &rows, eg_http_err(rq));
    return reply_items(rq, rc, rows);
}

static int h_run_make(struct eg_http_req *rq)
{
    json_t *b, *out = NULL;
    struct eg_db *db;
    int64_t id = 0;
    int rc = eg_http_body_json(rq, &b);
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_draw_make(db, eg_http_principal(rq), b, &id, &out, eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 201, out);
}

/* A run's answer by id through one of govern's readers (the run, or its published document),
   which apply the run's visibility. */
typedef int (*run_reader)(struct eg_db *, const struct eg_principal *, int64_t, json_t **,
                          struct eg_err *);

static int reply_run(struct eg_http_req *rq, run_reader read)
{
    int64_t id = 0;
    struct eg_db *db;
    json_t *out = NULL;
    int rc = eg_http_arg_int(rq, "id", &id);
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = read(db, eg_http_principal(rq), id, &out, eg_http_err(rq));
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 200, out);
}

static int h_run_get(struct eg_http_req *rq)
{
    return reply_run(rq, eg_draw_run_get);
}

static int h_run_doc(struct eg_http_req *rq)
{
    return reply_run(rq, eg_draw_run_document);
}

static int h_run_verify(struct eg_http_req *rq)
{
    int64_t id = 0;
    struct eg_db *db;
    json_t *doc = NULL;
    int rc = eg_http_arg_int(rq, "id", &id);
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    /* the same visibility as the document */
    if (rc >= 0)
        rc = eg_draw_run_document(db, eg_http_principal(rq), id, &doc, eg_http_err(rq));
    json_decref(doc);
    if (rc < 0)
        return rc;
    struct eg_err e = {0};
    int v = eg_draw_run_verify(db, id, &e);
    if (v < 0 && v != EG_EINVAL) {
        *eg_http_err(rq) = e;
        return v;
    }
    return eg_http_reply_json(
        rq, 200,
        v == 0 ? json_pack("{s:b,s:s}", "ok", 1, "message_zh",
                           "复核一致：由公布的随机种子和名录库重新抽取，结果相同")
               : json_pack("{s:b,s:s,s:s,s:s}", "ok", 0, "code", e.code, "message", e.msg,
                           "message_zh", "复核不一致"));
}

static int h_result(struct eg_http_req *rq)
{
    int64_t id = 0;
    json_t *b, *out = NULL;
    struct eg_db *db;
    int rc = eg_http_arg_int(rq, "id", &id);
    if (rc >= 0)
        rc = eg_http_body_json(rq, &b);
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_draw_result_record(db, eg_http_principal(rq), id, b, &out, eg_http_err(rq));
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 201, out);
}

static int h_results(struct eg_http_req *rq)
{
    int64_t unit = 0;
    struct eg_db *db;
    json_t *rows = NULL;
    int rc = eg_http_arg_int(rq, "unit_id", &unit);
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_draw_results_published(db, unit, &rows, eg_http_err(rq));
    return reply_items(rq, rc, rows);
}

/* ---- the table ---- */

static const struct eg_http_param_spec p_date[] = {
    {.name = "date",
     .type = EG_PT_DATE,
     .description_zh = "日期 (默认今天, 北京时间): 该日有效的抽查计划",
     .description_en = "date (default today, Beijing): the plan in force on it"},
    {.name = NULL}};
static const struct eg_http_param_spec p_id[] = {{.name = "id",
                                                  .in = EG_PIN_PATH,
                                                  .type = EG_PT_ID,
                                                  .flags = EG_PF_REQUIRED,
                                                  .description_zh = "编号",
                                                  .description_en = "id",
                                                  .example = "1"},
                                                 {.name = NULL}};
static const struct eg_http_param_spec p_results[] = {{.name = "unit_id",
                                                       .type = EG_PT_ID,
                                                       .description_zh = "只列该单位的结果",
                                                       .description_en = "only this unit's results",
                                                       .example = "1"},
                                                      {.name = NULL}};

#define OBJ "{\"type\":\"object\"}"

static const struct eg_http_route_spec routes[] = {
    {"GET", "/api/v1/draws/matters", h_matters, EG_ROUTE_PUBLIC,
     "The list of inspectable matters (抽查事项清单) of the draw plan in force", "随机抽查事项清单",
     NULL, NULL, p_date, NULL, OBJ, "everyone, including the public", 0},
    {"GET", "/api/v1/draws/agencies", h_agencies, EG_ROUTE_AUTH,
     "Testing agencies (检测机构) and stewards (环保管家) with their qualifications and contracts",
     "检验检测机构与环保管家名录", NULL, NULL, NULL, NULL, OBJ, "the bureau", 0},
    {"POST", "/api/v1/draws/agencies", h_agency_add, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Register a testing agency or a steward (its unit must exist)", "登记检验检测机构或环保管家",
     NULL, NULL, NULL,
     "{\"type\":\"object\",\"required\":[\"kind\",\"unit_id\",\"qualification\","
     "\"qualification_no\"],\"properties\":{\"kind\":{\"type\":\"string\",\"enum\":["
     "\"testing_agency\",\"steward\"]},\"unit_id\":{\"type\":\"integer\"},\"qualification\":{"
     "\"type\":\"string\"},\"qualification_no\":{\"type\":\"string\"},"
     "\"qualification_valid_to\":{\"type\":\"string\",\"format\":\"date\"},\"user_id\":{"
     "\"type\":\"integer\"}},\"example\":{\"kind\":\"testing_agency\",\"unit_id\":1,"
     "\"qualification\":\"检验检测机构资质认定\",\"qualification_no\":\"CMA-2024-001\"}}",
     OBJ, "the bureau", 201},
    {"POST", "/api/v1/draws/agencies/{id}/contracts", h_contract_add,
     EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON, "Register an agency's contract with a client unit",
     "登记机构服务合同", NULL, NULL, p_id,
     "{\"type\":\"object\",\"required\":[\"client_unit_id\",\"service\",\"valid_from\"],"
     "\"properties\":{\"client_unit_id\":{\"type\":\"integer\"},\"service\":{\"type\":"
     "\"string\"},\"valid_from\":{\"type\":\"string\",\"format\":\"date\"},\"valid_to\":{"
     "\"type\":\"string\",\"format\":\"date\"}},\"example\":{\"client_unit_id\":1,\"service\":"
     "\"自行监测委托检测\",\"valid_from\":\"2026-01-01\"}}",
     OBJ, "the bureau", 201},
    {"GET", "/api/v1/draws/inspectors", h_inspectors, EG_ROUTE_AUTH,
     "The inspector pool (执法检查人员名录库) with recusals", "执法检查人员名录库", NULL, NULL,
     NULL, NULL, OBJ, "the bureau", 0},
    {"POST", "/api/v1/draws/inspectors", h_inspector_add, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Add an officer with a law-enforcement certificate to the inspector pool", "加入执法检查人员",
     NULL, NULL, NULL,
     "{\"type\":\"object\",\"required\":[\"user_id\",\"cert_no\",\"org\"],\"properties\":{"
     "\"user_id\":{\"type\":\"integer\"},\"cert_no\":{\"type\":\"string\"},\"org\":{\"type\":"
     "\"string\"}},\"example\":{\"user_id\":1,\"cert_no\":\"沪执01000001\",\"org\":"
     "\"浦东新区生态环境局执法大队\"}}",
     OBJ, "the bureau", 201},
    {"POST", "/api/v1/draws/recusals", h_recusal_add, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Record a recusal (回避): the inspector is never drawn for the unit", "登记回避关系", NULL,
     NULL, NULL,
     "{\"type\":\"object\",\"required\":[\"inspector_id\",\"unit_id\",\"reason\"],"
     "\"properties\":{\"inspector_id\":{\"type\":\"integer\"},\"unit_id\":{\"type\":"
     "\"integer\"},\"reason\":{\"type\":\"string\"}},\"example\":{\"inspector_id\":1,"
     "\"unit_id\":1,\"reason\":\"近亲属在该单位任职\"}}",
     OBJ, "the bureau", 201},
    {"POST", "/api/v1/draws/overrides", h_override, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Set (or clear with null) an enterprise's category in the object pool, with a reason",
     "调整监管对象类别", NULL, NULL, NULL,
     "{\"type\":\"object\",\"required\":[\"unit_id\",\"reason\"],\"properties\":{\"unit_id\":{"
     "\"type\":\"integer\"},\"category\":{\"type\":\"string\",\"nullable\":true},\"reason\":{"
     "\"type\":\"string\"}},\"example\":{\"unit_id\":1,\"category\":\"special\",\"reason\":"
     "\"重大环境风险，列为特殊监管对象\"}}",
     OBJ, "the bureau", 0},
    {"GET", "/api/v1/draws/pool", h_pool, EG_ROUTE_AUTH,
     "The object pool (监管对象名录库) with each object's category and why, the inspectors, "
     "recusals and quotas",
     "监管对象名录库及抽查比例", NULL, NULL, p_date, NULL, OBJ, "the bureau", 0},
    {"GET", "/api/v1/draws/runs", h_runs, EG_ROUTE_AUTH, "Draw runs", "随机抽取记录", NULL, NULL,
     NULL, NULL, OBJ, "the bureau; a run before its inspection date only to admin and its officer",
     0},
    {"POST", "/api/v1/draws/runs", h_run_make, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Make a draw: pools built now, a published seed (random when not given), the list and teams",
     "开展双随机抽取", NULL, NULL, NULL,
     "{\"type\":\"object\",\"required\":[\"title\",\"inspect_on\"],\"properties\":{\"title\":{"
     "\"type\":\"string\"},\"inspect_on\":{\"type\":\"string\",\"format\":\"date\"},\"date\":{"
     "\"type\":\"string\",\"format\":\"date\"},\"plan\":{\"type\":\"string\"},\"seed\":{"
     "\"type\":\"string\"},\"team_size\":{\"type\":\"integer\"},\"triggers\":{\"type\":"
     "\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"unit_id\":{\"type\":"
     "\"integer\"},\"trigger\":{\"type\":\"string\"},\"ref\":{\"type\":\"string\"}}}}},"
     "\"example\":{\"title\":\"2026年第四季度双随机抽查\",\"inspect_on\":\"2026-12-31\"}}",
     OBJ, "the bureau (the drawing officer)", 201},
    {"GET", "/api/v1/draws/runs/{id}", h_run_get, EG_ROUTE_AUTH,
     "A draw run: plan, seed, pools hash, the list and teams, results", "随机抽取结果", NULL, NULL,
     p_id, NULL, OBJ,
     "until its inspection date only admin and the drawing officer (others: 404); then the bureau "
     "all, a street its region's objects, an enterprise its own",
     0},
    {"GET", "/api/v1/draws/runs/{id}/document", h_run_doc, EG_ROUTE_PUBLIC,
     "The published draw (seed, pools, result) that `envgov draw verify FILE` re-checks",
     "随机抽取公示文件 (可复核)", NULL, NULL, p_id, NULL, OBJ,
     "everyone from the inspection date; before it only admin and the drawing officer", 0},
    {"GET", "/api/v1/draws/runs/{id}/verify", h_run_verify, EG_ROUTE_PUBLIC,
     "Re-check a stored draw from its seed and pools", "复核随机抽取结果", NULL, NULL, p_id, NULL,
     OBJ, "as the document", 0},
    {"POST", "/api/v1/draws/items/{id}/result", h_result, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Record an inspection's result (published at once); a falsification finding against an "
     "agency opens a case and counts against its credit",
     "录入抽查结果 (即时公开)", NULL, NULL, p_id,
     "{\"type\":\"object\",\"required\":[\"outcome\",\"finding\"],\"properties\":{\"outcome\":{"
     "\"type\":\"string\",\"enum\":[\"found\",\"not_found\"]},\"finding\":{\"type\":"
     "\"string\"},\"falsification\":{\"type\":\"boolean\"}},\"example\":{\"outcome\":"
     "\"not_found\",\"finding\":\"现场检查未发现环境违法行为\"}}",
     OBJ, "the bureau, or a member of the inspection team, from the inspection date", 201},
    {"GET", "/api/v1/draws/results", h_results, EG_ROUTE_PUBLIC,
     "Published results of random inspections (一公开)", "双随机抽查结果公开", NULL, NULL,
     p_results, NULL, OBJ, "everyone, including the public", 0},
};

int eg_http_api_draws_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(routes); i++)
        rc |= eg_http_route_add_spec(srv, &routes[i]);
    return rc ? EG_EINVAL : 0;
}
