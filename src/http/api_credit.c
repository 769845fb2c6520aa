/*
 * api_credit.c: the HTTP face of the governance engines of issue 13 items 1, 2, 4, 5
 * (govern/govern.h): rule sets, credit rating and publication, the positive list, the
 * minor-violation exemption. Repair applications are the flow kind credit_repair, served by
 * api_flow.c under /api/v1/credit_repairs.
 *
 *   POST /api/v1/rulesets                       {"file","text"} load a rule set (staff)
 *   GET  /api/v1/credit/published?year=&grade=  published grades (public)
 *   GET  /api/v1/credit/units/{id}?year=        a unit's rating: staff all, enterprise its own,
 *                                               street its region (with the explanation); the
 *                                               public a published grade only
 *   POST /api/v1/credit/runs                    {"year","jurisdiction"?} a rating run (staff)
 *   POST /api/v1/credit/runs/{id}/publish       {"grade"} publish one grade of a run (staff)
 *   POST /api/v1/credit/inputs                  {"unit_id","year","input","value","note"?}
 *   GET  /api/v1/poslist?active=                the positive list (staff)
 *   GET  /api/v1/poslist/check?unit_id=&date=   inclusion conditions with reasons (staff)
 *   POST /api/v1/poslist                        {"unit_id","date"?} include (staff)
 *   POST /api/v1/poslist/events                 {"unit_id","kind","date"?,"ref"?} (staff)
 *   POST /api/v1/exemptions/check               a violation's facts -> the decision (staff)
 *   GET  /api/v1/units/{id}/exemptions          decisions: staff, the enterprise its own
 */
#include "govern/govern.h"
#include "http/http_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Checks a JSON body's fields: every key known, each of its type ('s' text, 'i' integer,
   'n' number, 'b' boolean; upper case: required). 400 naming the field otherwise. */
static int fields(struct eg_http_req *rq, json_t *body, const char *const *names, const char *types)
{
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        int known = 0;
        for (int i = 0; names[i]; i++)
            if (!strcmp(names[i], k))
                known = 1;
        if (!known)
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "unknown_field", -1,
                              "unknown field '%.40s'", k);
    }
    for (int i = 0; names[i]; i++) {
        json_t *f = json_object_get(body, names[i]);
        char t = types[i];
        int req = t >= 'A' && t <= 'Z';
        if (req)
            t = (char)(t - 'A' + 'a');
        if (!f || json_is_null(f)) {
            if (req)
                return eg_err_set(eg_http_err(rq), EG_EINVAL, "missing_field", -1,
                                  "field '%s' is required", names[i]);
            continue;
        }
        int ok = t == 's'   ? json_is_string(f)
                 : t == 'i' ? json_is_integer(f)
                 : t == 'n' ? json_is_number(f)
                            : json_is_boolean(f);
        if (!ok)
            return eg_err_set(eg_http_err(rq), EG_EINVAL, "wrong_type", -1, "field '%s' must be %s",
                              names[i],
                              t == 's'   ? "text"
                              : t == 'i' ? "an integer"
                              : t == 'n' ? "a number"
                                         : "true or false");
    }
    return 0;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int staff_only(struct eg_http_req *rq)
{
    const struct eg_principal *p = eg_http_principal(rq);
    if (p->role == EG_ROLE_ADMIN || p->role == EG_ROLE_BUREAU)
        return 0;
    return eg_err_set(eg_http_err(rq), EG_EPERM, "forbidden", -1,
                      "only the bureau may do this: ask an officer of the bureau");
}

static int h_ruleset_load(struct eg_http_req *rq)
{
    static const char *const names[] = {"file", "text", NULL};
    json_t *b;
    struct eg_db *db;
    int64_t row = 0;
    int rc = eg_http_body_json(rq, &b);
    if (!rc)
        rc = fields(rq, b, names, "sS");
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc) {
        const char *t = jstr(b, "text");
        rc = eg_ruleset_store(db, eg_http_principal(rq), t, strlen(t),
                              jstr(b, "file") ? jstr(b, "file") : "upload.rs", &row,
                              eg_http_err(rq));
    }
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 201, json_pack("{s:I}", "id", (json_int_t)row));
}

static int h_published(struct eg_http_req *rq)
{
    int64_t year = 0;
    const char *grade = NULL;
    struct eg_db *db;
    json_t *rows;
    int rc = eg_http_arg_int(rq, "year", &year);
    if (rc >= 0)
        rc = eg_http_arg_str(rq, "grade", &grade);
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_credit_published(db, (int)year, grade, &rows, eg_http_err(rq));
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:o}", "items", rows));
}

static int h_unit_rating(struct eg_http_req *rq)
{
    int64_t id = 0, year = 0;
    struct eg_db *db;
    json_t *r;
    int rc = eg_http_arg_int(rq, "id", &id);
    if (rc >= 0)
        rc = eg_http_arg_int(rq, "year", &year);
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_credit_rating_get(db, eg_http_principal(rq), id, (int)year, &r, eg_http_err(rq));
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 200, r);
}

static int h_run(struct eg_http_req *rq)
{
    static const char *const names[] = {"year", "jurisdiction", NULL};
    json_t *b, *sum;
    struct eg_db *db;
    int rc = eg_http_body_json(rq, &b);
    if (!rc)
        rc = fields(rq, b, names, "Is");
    if (!rc)
        rc = staff_only(rq);
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_credit_run(db, eg_http_principal(rq),
                           (int)json_integer_value(json_object_get(b, "year")),
                           jstr(b, "jurisdiction"), NULL, &sum, eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 201, sum);
}

static int h_publish(struct eg_http_req *rq)
{
    static const char *const names[] = {"grade", NULL};
    json_t *b;
    struct eg_db *db;
    int64_t id = 0;
    int n = 0;
    int rc = eg_http_arg_int(rq, "id", &id);
    if (rc >= 0)
        rc = eg_http_body_json(rq, &b);
    if (!rc)
        rc = fields(rq, b, names, "S");
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc =
            eg_credit_publish(db, eg_http_principal(rq), id, jstr(b, "grade"), &n, eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:i}", "published", n));
}

static int h_input(struct eg_http_req *rq)
{
    static const char *const names[] = {"unit_id", "year", "input", "value", "note", NULL};
    json_t *b;
    struct eg_db *db;
    int rc = eg_http_body_json(rq, &b);
    if (!rc)
        rc = fields(rq, b, names, "IISNs");
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_credit_input_set(
            db, eg_http_principal(rq), json_integer_value(json_object_get(b, "unit_id")),
            (int)json_integer_value(json_object_get(b, "year")), jstr(b, "input"),
            json_number_value(json_object_get(b, "value")), jstr(b, "note"), eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:b}", "ok", 1));
}

static int h_poslist(struct eg_http_req *rq)
{
    int active = 0;
    struct eg_db *db;
    json_t *rows;
    int rc = staff_only(rq);
    if (!rc)
        rc = eg_http_arg_bool(rq, "active", &active);
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_poslist_list(db, active, &rows, eg_http_err(rq));
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:o}", "items", rows));
}

static int h_poslist_check(struct eg_http_req *rq)
{
    int64_t unit = 0;
    const char *date = NULL;
    struct eg_db *db;
    json_t *why;
    int ok = 0;
    int rc = staff_only(rq);
    if (!rc)
        rc = eg_http_arg_int(rq, "unit_id", &unit);
    if (rc >= 0)
        rc = eg_http_arg_str(rq, "date", &date);
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_poslist_check(db, unit, date, &ok, &why, eg_http_err(rq));
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:b,s:o}", "eligible", ok, "reasons", why));
}

static int h_poslist_include(struct eg_http_req *rq)
{
    static const char *const names[] = {"unit_id", "date", NULL};
    json_t *b, *why = NULL;
    struct eg_db *db;
    int64_t id = 0;
    int rc = eg_http_body_json(rq, &b);
    if (!rc)
        rc = fields(rq, b, names, "Is");
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_poslist_include(db, eg_http_principal(rq),
                                json_integer_value(json_object_get(b, "unit_id")), jstr(b, "date"),
                                &id, &why, eg_http_err(rq));
    if (rc) {
        json_decref(why);
        return rc;
    }
    return eg_http_reply_json(rq, 201,
                              json_pack("{s:I,s:o}", "id", (json_int_t)id, "reasons", why));
}

static int h_poslist_event(struct eg_http_req *rq)
{
    static const char *const names[] = {"unit_id", "kind", "date", "ref", NULL};
    json_t *b;
    struct eg_db *db;
    int removed = 0;
    int rc = eg_http_body_json(rq, &b);
    if (!rc)
        rc = fields(rq, b, names, "ISss");
    if (!rc)
        rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_poslist_on_penalty(
            db, eg_http_principal(rq), json_integer_value(json_object_get(b, "unit_id")),
            jstr(b, "kind"), jstr(b, "date"), jstr(b, "ref"), &removed, eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 201, json_pack("{s:b}", "removed_from_positive_list", removed));
}

static int h_exempt(struct eg_http_req *rq)
{
    static const char *const names[] = {"unit_id",
                                        "violation",
                                        "date",
                                        "first_discovery",
                                        "corrected_on_spot",
                                        "stopped_and_restored",
                                        "no_harm",
                                        "corrected_days",
                                        "education",
                                        "case_ref",
                                        NULL};
    json_t *b, *d;
    struct eg_db *db;
    int rc = eg_http_body_json(rq, &b);
    if (!rc)
        rc = fields(rq, b, names, "ISSbbbbnss");
    if (rc)
        return rc;
    json_t *cd = json_object_get(b, "corrected_days");
    struct eg_exempt_facts f = {jstr(b, "violation"),
                                jstr(b, "date"),
                                json_is_true(json_object_get(b, "first_discovery")),
                                json_is_true(json_object_get(b, "corrected_on_spot")),
                                json_is_true(json_object_get(b, "stopped_and_restored")),
                                json_is_true(json_object_get(b, "no_harm")),
                                cd ? json_number_value(cd) : -1,
                                jstr(b, "education"),
                                jstr(b, "case_ref")};
    if (!isfinite(f.corrected_days))
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "wrong_type", -1,
                          "field 'corrected_days' must be a number");
    rc = eg_http_store(rq, &db);
    if (!rc)
        rc = eg_exempt_check(db, eg_http_principal(rq),
                             json_integer_value(json_object_get(b, "unit_id")), &f, &d,
                             eg_http_err(rq));
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 201, d);
}

static int h_exemptions(struct eg_http_req *rq)
{
    int64_t id = 0;
    struct eg_db *db;
    json_t *rows;
    int rc = eg_http_arg_int(rq, "id", &id);
    if (rc >= 0)
        rc = eg_http_store(rq, &db);
    if (rc >= 0)
        rc = eg_exempt_list(db, eg_http_principal(rq), id, &rows, eg_http_err(rq));
    if (rc < 0)
        return rc;
    return eg_http_reply_json(rq, 200, json_pack("{s:o}", "items", rows));
}

/* ---- the table ---- */

static const struct eg_http_param_spec p_published[] = {
    {.name = "year",
     .type = EG_PT_INT,
     .flags = EG_PF_REQUIRED,
     .description_zh = "评价年度",
     .description_en = "rating year",
     .example = "2020",
     .min = 2000,
     .max = 2100},
    {.name = "grade",
     .type = EG_PT_STRING,
     .description_zh = "等级 (如 very_poor)",
     .description_en = "one grade (e.g. very_poor)",
     .max_len = 32},
    {0}};
static const struct eg_http_param_spec p_unit[] = {{.name = "id",
                                                    .in = EG_PIN_PATH,
                                                    .type = EG_PT_ID,
                                                    .flags = EG_PF_REQUIRED,
                                                    .description_zh = "单位编号",
                                                    .description_en = "unit id",
                                                    .example = "1"},
                                                   {.name = "year",
                                                    .type = EG_PT_INT,
                                                    .flags = EG_PF_REQUIRED,
                                                    .description_zh = "评价年度",
                                                    .description_en = "rating year",
                                                    .example = "2020",
                                                    .min = 2000,
                                                    .max = 2100},
                                                   {0}};
static const struct eg_http_param_spec p_id[] = {{.name = "id",
                                                  .in = EG_PIN_PATH,
                                                  .type = EG_PT_ID,
                                                  .flags = EG_PF_REQUIRED,
                                                  .description_zh = "编号",
                                                  .description_en = "id",
                                                  .example = "1"},
                                                 {0}};
static const struct eg_http_param_spec p_poslist[] = {{.name = "active",
                                                       .type = EG_PT_BOOL,
                                                       .description_zh = "只列有效条目",
                                                       .description_en = "active entries only"},
                                                      {0}};
static const struct eg_http_param_spec p_check[] = {
    {.name = "unit_id",
     .type = EG_PT_ID,
     .flags = EG_PF_REQUIRED,
     .description_zh = "单位编号",
     .description_en = "unit id",
     .example = "1"},
    {.name = "date",
     .type = EG_PT_DATE,
     .description_zh = "日期 (默认今天, 北京时间)",
     .description_en = "date (default today, Beijing)"},
    {0}};

#define OBJ "{\"type\":\"object\"}"

static const struct eg_http_route_spec routes[] = {
    {"POST", "/api/v1/rulesets", h_ruleset_load, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Load a rule set (credit scheme, positive-list conditions, exemption list, …)", "导入规则集",
     NULL, NULL, NULL,
     "{\"type\":\"object\",\"required\":[\"text\"],\"properties\":{\"file\":{\"type\":"
     "\"string\"},\"text\":{\"type\":\"string\"}}}",
     OBJ, "the bureau", 201},
    {"GET", "/api/v1/credit/published", h_published, EG_ROUTE_PUBLIC,
     "Published credit grades of a year", "环境信用评价结果公示", NULL, NULL, p_published, NULL,
     OBJ, "everyone, including the public", 0},
    {"GET", "/api/v1/credit/units/{id}", h_unit_rating, EG_ROUTE_PUBLIC,
     "A unit's credit rating of a year, with every indicator's score explained",
     "单位环境信用评价结果及说明", NULL, NULL, p_unit, NULL, OBJ,
     "the bureau: all; an enterprise: its own; a street: its region's; the public: a published "
     "grade only, without the explanation",
     0},
    {"POST", "/api/v1/credit/runs", h_run, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Run the credit rating of a year over every enterprise", "开展年度信用评价", NULL, NULL, NULL,
     "{\"type\":\"object\",\"required\":[\"year\"],\"properties\":{\"year\":{\"type\":"
     "\"integer\"},\"jurisdiction\":{\"type\":\"string\"}}}",
     OBJ, "the bureau", 201},
    {"POST", "/api/v1/credit/runs/{id}/publish", h_publish, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Publish the ratings of one grade of a run", "按等级公布评价结果", NULL, NULL, p_id,
     "{\"type\":\"object\",\"required\":[\"grade\"],\"properties\":{\"grade\":{\"type\":"
     "\"string\"}}}",
     OBJ, "the bureau", 0},
    {"POST", "/api/v1/credit/inputs", h_input, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Enter an input of a unit's rating (an officer's entry)", "录入信用评价指标数据", NULL, NULL,
     NULL,
     "{\"type\":\"object\",\"required\":[\"unit_id\",\"year\",\"input\",\"value\"],"
     "\"properties\":{\"unit_id\":{\"type\":\"integer\"},\"year\":{\"type\":\"integer\"},"
     "\"input\":{\"type\":\"string\"},\"value\":{\"type\":\"number\"},\"note\":{\"type\":"
     "\"string\"}}}",
     OBJ, "the bureau", 0},
    {"GET", "/api/v1/poslist", h_poslist, EG_ROUTE_AUTH, "The enforcement positive list",
     "监督执法正面清单", NULL, NULL, p_poslist, NULL, OBJ, "the bureau", 0},
    {"GET", "/api/v1/poslist/check", h_poslist_check, EG_ROUTE_AUTH,
     "Whether a unit meets the positive list's conditions, with every reason",
     "正面清单纳入条件核查", NULL, NULL, p_check, NULL, OBJ, "the bureau", 0},
    {"POST", "/api/v1/poslist", h_poslist_include, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Include a unit in the positive list (refused, naming the unmet conditions)", "纳入正面清单",
     NULL, NULL, NULL,
     "{\"type\":\"object\",\"required\":[\"unit_id\"],\"properties\":{\"unit_id\":{\"type\":"
     "\"integer\"},\"date\":{\"type\":\"string\"}}}",
     OBJ, "the bureau", 201},
    {"POST", "/api/v1/poslist/events", h_poslist_event, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Record a penalty, incident or serious violation (removes the unit from the positive list)",
     "登记处罚、事件或严重违法 (移出正面清单)", NULL, NULL, NULL,
     "{\"type\":\"object\",\"required\":[\"unit_id\",\"kind\"],\"properties\":{\"unit_id\":{"
     "\"type\":\"integer\"},\"kind\":{\"type\":\"string\",\"enum\":[\"penalty\",\"incident\","
     "\"serious_violation\"]},\"date\":{\"type\":\"string\"},\"ref\":{\"type\":\"string\"}}}",
     OBJ, "the bureau", 201},
    {"POST", "/api/v1/exemptions/check", h_exempt, EG_ROUTE_AUTH | EG_ROUTE_BODY_JSON,
     "Check a violation against the exemption list in force on its date; the decision is "
     "recorded",
     "轻微违法免罚核查", NULL, NULL, NULL,
     "{\"type\":\"object\",\"required\":[\"unit_id\",\"violation\",\"date\"],\"properties\":{"
     "\"unit_id\":{\"type\":\"integer\"},\"violation\":{\"type\":\"string\"},\"date\":{"
     "\"type\":\"string\"},\"first_discovery\":{\"type\":\"boolean\"},\"corrected_on_spot\":{"
     "\"type\":\"boolean\"},\"stopped_and_restored\":{\"type\":\"boolean\"},\"no_harm\":{"
     "\"type\":\"boolean\"},\"corrected_days\":{\"type\":\"number\"},\"education\":{\"type\":"
     "\"string\"},\"case_ref\":{\"type\":\"string\"}}}",
     OBJ, "the bureau", 201},
    {"GET", "/api/v1/units/{id}/exemptions", h_exemptions, EG_ROUTE_AUTH,
     "A unit's exemption decisions", "单位免罚决定", NULL, NULL, p_id, NULL, OBJ,
     "the bureau; an enterprise: its own", 0},
};

int eg_http_api_credit_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(routes); i++)
        rc |= eg_http_route_add_spec(srv, &routes[i]);
    return rc ? EG_EINVAL : 0;
}
