/*
 * api_cases.c: the HTTP face of penalty discretion and permit-driven supervision (govern.h,
 * "cases, penalty discretion, permits"); the cases themselves are served at /api/v1/cases by
 * the generic flow API (api_flow.c). Bureau staff only (admin, bureau): 403 for other roles,
 * 401 for anonymous.
 *
 *   POST /api/v1/discretion/compute?date=           the fine with every step
 *   GET  /api/v1/supervision/permits-expiring?date=&days=
 *   GET  /api/v1/supervision/reports-missing?date=
 *   GET  /api/v1/supervision/park-coverage?date=&park_id=
 *   GET  /api/v1/supervision/permits/{id}           cases, alerts, penalties of a permit
 */
#include "govern/govern.h"
#include "http/http_internal.h"

#include <stdio.h>
#include <string.h>

static int staff_only(struct eg_http_req *rq)
{
    const struct eg_principal *who = eg_http_principal(rq);
    if (who->role == EG_ROLE_ADMIN || who->role == EG_ROLE_BUREAU)
        return 0;
    return eg_err_set(eg_http_err(rq), EG_EPERM, "forbidden", -1,
                      "only bureau staff (admin, bureau) may use this");
}

/* The date argument, or today in Beijing. */
static void date_arg(struct eg_http_req *rq, char out[16])
{
    const char *d = NULL;
    if (eg_http_arg_str(rq, "date", &d) == 1 && d && strlen(d) == 10) {
        memcpy(out, d, 10);
        out[10] = 0;
        return;
    }
    char t[40];
    eg_time_format_beijing(eg_time_now(), t, sizeof t);
    memcpy(out, t, 10);
    out[10] = 0;
}

static int h_compute(struct eg_http_req *rq)
{
    int rc;
    struct eg_db *db;
    json_t *body, *out = NULL;
    if ((rc = staff_only(rq)) < 0 || (rc = eg_http_body_json(rq, &body)) < 0 ||
        (rc = eg_http_store(rq, &db)) < 0)
        return rc;
    char date[16];
    date_arg(rq, date);
    struct eg_discretion *d;
    if ((rc = eg_discretion_for_date(db, date, NULL, &d, eg_http_err(rq))) < 0)
        return rc;
    rc = eg_discretion_compute_json(d, body, &out, eg_http_err(rq));
    eg_discretion_free(d);
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 200, out);
}

static int h_expiring(struct eg_http_req *rq)
{
    int rc;
    struct eg_db *db;
    int64_t days = 60;
    json_t *rows;
    if ((rc = staff_only(rq)) < 0 || (rc = eg_http_arg_int(rq, "days", &days)) < 0 ||
        (rc = eg_http_store(rq, &db)) < 0)
        return rc;
    char date[16];
    date_arg(rq, date);
    if ((rc = eg_permits_expiring(db, date, (int)days, &rows, eg_http_err(rq))) < 0)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:s,s:o}", "date", date, "items", rows));
}

static int h_missing(struct eg_http_req *rq)
{
    int rc;
    struct eg_db *db;
    json_t *rows;
    if ((rc = staff_only(rq)) < 0 || (rc = eg_http_store(rq, &db)) < 0)
        return rc;
    char date[16];
    date_arg(rq, date);
    if ((rc = eg_permit_reports_missing(db, date, &rows, eg_http_err(rq))) < 0)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:s,s:o}", "date", date, "items", rows));
}

static int h_coverage(struct eg_http_req *rq)
{
    int rc;
    struct eg_db *db;
    int64_t park = 0;
    json_t *rows;
    if ((rc = staff_only(rq)) < 0 || (rc = eg_http_arg_int(rq, "park_id", &park)) < 0 ||
        (rc = eg_http_store(rq, &db)) < 0)
        return rc;
    char date[16];
    date_arg(rq, date);
    if ((rc = eg_park_coverage(db, park, date, &rows, eg_http_err(rq))) < 0)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:s,s:o}", "date", date, "items", rows));
}

/* 一证式: what is filed against one permit; the bureau, or the enterprise holding it. */
static int h_permit(struct eg_http_req *rq)
{
    int rc;
    struct eg_db *db;
    int64_t id = 0;
    json_t *out;
    if ((rc = eg_http_arg_int(rq, "id", &id)) < 0 || (rc = eg_http_store(rq, &db)) < 0)
        return rc;
    if ((rc = eg_permit_supervision(db, eg_http_principal(rq), id, &out, eg_http_err(rq))) < 0)
        return rc;
    return eg_http_reply_json(rq, 200, out);
}

#define DATE_PARAM                                                                                 \
    {                                                                                              \
        "date", EG_PIN_QUERY, EG_PT_DATE, 0, NULL, "日期（北京时间，默认今天）",                   \
            "Beijing date (default today)", NULL, "2024-06-01", 0, 0, 0                            \
    }

static const struct eg_http_param_spec compute_params[] = {DATE_PARAM, {.name = NULL}};
static const struct eg_http_param_spec expiring_params[] = {DATE_PARAM,
                                                            {"days", EG_PIN_QUERY, EG_PT_INT, 0,
                                                             NULL, "到期天数范围", "window in days",
                                                             "60", "60", 1, 3660, 0},
                                                            {.name = NULL}};
static const struct eg_http_param_spec missing_params[] = {DATE_PARAM, {.name = NULL}};
static const struct eg_http_param_spec coverage_params[] = {
    DATE_PARAM,
    {"park_id", EG_PIN_QUERY, EG_PT_INT, 0, NULL, "园区单位编号（默认全部）",
     "park unit id (default all)", "0", NULL, 0, 1000000000000, 0},
    {.name = NULL}};

#define LIST_ANSWER                                                                                \
    "{\"type\":\"object\",\"properties\":{\"date\":{\"type\":\"string\"},\"items\":{\"type\":"     \
    "\"array\",\"items\":{\"type\":\"object\"}}}}"

static const struct eg_http_param_spec permit_params[] = {{.name = "id",
                                                           .in = EG_PIN_PATH,
                                                           .type = EG_PT_ID,
                                                           .description_zh = "排污许可证记录编号",
                                                           .description_en = "the permit's id",
                                                           .example = "1"},
                                                          {.name = NULL}};

static const struct eg_http_route_spec case_specs[] = {
    {.method = "POST",
     .pattern = "/api/v1/discretion/compute",
     .fn = h_compute,
     .flags = EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     .summary = "Compute a fine from the discretion rule set, step by step",
     .summary_zh = "按裁量基准计算罚款（逐步说明）",
     .description = "Weight-accumulation or range model of the violation, aggravating and "
                    "mitigating circumstances (行政处罚法 Art. 32), with every step's text and "
                    "amount and the rule set id, version and SHA-256.",
     .params = compute_params,
     .body_schema = "{\"type\":\"object\",\"required\":[\"violation\"],\"properties\":{"
                    "\"violation\":{\"type\":\"string\"},\"factors\":{\"type\":\"object\"},"
                    "\"circumstances\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
                    "\"example\":{\"violation\":\"air_exceedance\",\"factors\":{\"impact\":"
                    "\"medium\",\"duration\":\"m3_6\",\"count\":\"second\",\"complaint\":"
                    "\"verified\"},\"circumstances\":[\"apology\"]}}",
     .answer_schema = "{\"type\":\"object\",\"properties\":{\"fine\":{\"type\":\"number\"},"
                      "\"weight\":{\"type\":\"number\"},\"steps\":{\"type\":\"array\"}}}",
     .access = "admin, bureau"},
    {.method = "GET",
     .pattern = "/api/v1/supervision/permits/{id}",
     .fn = h_permit,
     .flags = EG_ROUTE_AUTH,
     .summary = "Everything filed against one permit: cases, alerts, penalties (一证式)",
     .summary_zh = "一证式监管: 该排污许可证下的案件、告警、处罚记录",
     .description = "Seed 004: every alert, case and penalty is filed against the unit's permit "
                    "in force (the alert's opening day, the case's violation date, the "
                    "penalty's date). Lists of the same filter: GET /api/v1/cases?permit_id=, "
                    "GET /api/v1/alerts?permit_id=.",
     .params = permit_params,
     .answer_schema = "{\"type\":\"object\",\"properties\":{\"permit\":{\"type\":\"object\"},"
                      "\"cases\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
                      "\"alerts\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
                      "\"penalties\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}",
     .access = "admin, bureau: every permit; enterprise: its own unit's permits (others 404); "
               "other roles 403"},
    {.method = "GET",
     .pattern = "/api/v1/supervision/permits-expiring",
     .fn = h_expiring,
     .flags = EG_ROUTE_AUTH,
     .summary = "Valid permits expiring within a window (60 days)",
     .summary_zh = "即将到期的排污许可证（60日内）",
     .params = expiring_params,
     .answer_schema = LIST_ANSWER,
     .access = "admin, bureau"},
    {.method = "GET",
     .pattern = "/api/v1/supervision/reports-missing",
     .fn = h_missing,
     .flags = EG_ROUTE_AUTH,
     .summary = "Execution reports due and not submitted",
     .summary_zh = "逾期未提交的排污许可执行报告",
     .params = missing_params,
     .answer_schema = LIST_ANSWER,
     .access = "admin, bureau"},
    {.method = "GET",
     .pattern = "/api/v1/supervision/park-coverage",
     .fn = h_coverage,
     .flags = EG_ROUTE_AUTH,
     .summary = "Park coverage: enterprises holding a permit or registration",
     .summary_zh = "园区排污许可（登记）覆盖率",
     .params = coverage_params,
     .answer_schema = LIST_ANSWER,
     .access = "admin, bureau"},
};

int eg_http_api_cases_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(case_specs); i++)
        rc |= eg_http_route_add_spec(srv, &case_specs[i]);
    return rc ? EG_EINVAL : 0;
}
