/*
 * test_http_credit.c: rule sets, credit rating, publication, repair, the positive list and the
 * exemption over the real `envgov serve` (issue 13 items 1, 2, 4, 5, 8): each route per role
 * (bureau, street, enterprise, steward, anonymous) and hostile bodies (malformed JSON, unknown
 * fields, wrong types, missing fields, bad rule-set text). Scene: the HTTP fixture (E1 in S1
 * with a permit, E2 in S2); E1 gets one penalty in 2020, so under sh-credit-2020 it is "fair"
 * (行政处罚 1 -> 65, the worst indicator decides) and E2 "very_good".
 */
#include "base/base.h"
#include "integration/http_client.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ADMIN, BUREAU, STREET, ENT, STEWARD, ANON, NROLES };
static const char *const users[NROLES] = {"admin",      "bureau",  "street",
                                          "enterprise", "steward", NULL};
static struct eg_hx hx;

static void setup(const char *name)
{
    REQUIRE(eg_hx_start(&hx, name, 0, users, NROLES, NULL) == 0);
}

static void teardown(void)
{
    eg_hx_stop(&hx);
}

/* One request as role; returns the status, *out the JSON answer (may be NULL). */
static int call(int role, const char *method, const char *path, const char *body, json_t **out)
{
    return eg_hx_call(&hx, role, method, path, body, out);
}

static const char *code_of(json_t *j)
{
    const char *s = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    return s ? s : "";
}

static const char *msg_of(json_t *j)
{
    const char *s = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    return s ? s : "";
}

/* status of a call, the answer dropped */
static int st(int role, const char *method, const char *path, const char *body)
{
    return call(role, method, path, body, NULL);
}

TEST(http_credit_run_publish_views_per_role)
{
    setup("credit.db");
    char body[300], path[200];
    json_t *j = NULL;
    snprintf(body, sizeof body,
             "{\"unit_id\":%lld,\"year\":2020,\"input\":\"penalties\",\"value\":1,\"note\":"
             "\"沪环罚〔2020〕1号\"}",
             hx.fx.e1);
    CHECK_EQ_INT(st(ENT, "POST", "/api/v1/credit/inputs", body), 403);
    CHECK_EQ_INT(st(STREET, "POST", "/api/v1/credit/inputs", body), 403);
    CHECK_EQ_INT(st(ANON, "POST", "/api/v1/credit/inputs", body), 401);
    CHECK_EQ_INT(st(BUREAU, "POST", "/api/v1/credit/inputs", body), 200);
    /* hostile bodies */
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/credit/inputs", "{\"unit_id\":", &j), 400);
    json_decref(j);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/credit/inputs",
                      "{\"unit_id\":1,\"year\":2020,\"input\":\"x\",\"value\":1,\"evil\":1}", &j),
                 400);
    CHECK_STR(code_of(j), "unknown_field");
    json_decref(j);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/credit/inputs",
                      "{\"unit_id\":\"1\",\"year\":2020,\"input\":\"x\",\"value\":1}", &j),
                 400);
    CHECK_STR(code_of(j), "wrong_type");
    json_decref(j);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/credit/inputs", "{\"unit_id\":1,\"year\":2020}", &j),
                 422);
    CHECK_STR(code_of(j), "missing_field");
    json_decref(j);
    CHECK_EQ_INT(st(BUREAU, "POST", "/api/v1/credit/inputs", "[1,2]"), 400);

    /* the run */
    CHECK_EQ_INT(st(STREET, "POST", "/api/v1/credit/runs", "{\"year\":2020}"), 403);
    CHECK_EQ_INT(st(ENT, "POST", "/api/v1/credit/runs", "{\"year\":2020}"), 403);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/credit/runs", "{\"year\":1999}", &j), 422);
    json_decref(j);
    REQUIRE(call(BUREAU, "POST", "/api/v1/credit/runs",
                 "{\"year\":2020,\"jurisdiction\":\"上海市\"}", &j) == 201);
    long long run = json_integer_value(json_object_get(j, "run_id"));
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "ruleset"), "id")),
              "sh-credit-2020");
    json_decref(j);

    /* views per role before publication */
    snprintf(path, sizeof path, "/api/v1/credit/units/%lld?year=2020", hx.fx.e1);
    REQUIRE(call(BUREAU, "GET", path, NULL, &j) == 200);
    CHECK_STR(json_string_value(json_object_get(j, "grade")), "fair");
    CHECK(json_object_get(j, "explanation") != NULL);
    json_decref(j);
    REQUIRE(call(ENT, "GET", path, NULL, &j) == 200); /* the enterprise of E1: its own */
    CHECK_STR(json_string_value(json_object_get(j, "grade_zh")), "一般");
    CHECK_EQ_INT(json_array_size(json_object_get(json_object_get(j, "explanation"), "indicators")),
                 13);
    json_decref(j);
    CHECK_EQ_INT(st(STREET, "GET", path, NULL), 200); /* E1 is in S1 */
    CHECK_EQ_INT(st(ANON, "GET", path, NULL), 404);   /* not published */
    snprintf(path, sizeof path, "/api/v1/credit/units/%lld?year=2020", hx.fx.e2);
    CHECK_EQ_INT(st(ENT, "GET", path, NULL), 404);    /* another's */
    CHECK_EQ_INT(st(STREET, "GET", path, NULL), 404); /* E2 is in S2 */
    CHECK_EQ_INT(st(BUREAU, "GET", "/api/v1/credit/units/1?year=abc", NULL), 400);
    CHECK_EQ_INT(st(BUREAU, "GET", "/api/v1/credit/units/1", NULL), 400);
    CHECK_EQ_INT(st(BUREAU, "GET", "/api/v1/credit/units/1?year=2020&x=1", NULL), 400);

    /* publication by grade */
    snprintf(path, sizeof path, "/api/v1/credit/runs/%lld/publish", run);
    CHECK_EQ_INT(st(ENT, "POST", path, "{\"grade\":\"fair\"}"), 403);
    CHECK_EQ_INT(st(BUREAU, "POST", path, "{\"grade\":\"excellent\"}"), 404);
    REQUIRE(call(BUREAU, "POST", path, "{\"grade\":\"fair\"}", &j) == 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "published")), 1);
    json_decref(j);
    REQUIRE(call(ANON, "GET", "/api/v1/credit/published?year=2020", NULL, &j) == 200);
    REQUIRE(json_array_size(json_object_get(j, "items")) == 1);
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(j, "items"), 0), "grade_zh")),
              "一般");
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/credit/units/%lld?year=2020", hx.fx.e1);
    REQUIRE(call(ANON, "GET", path, NULL, &j) == 200);
    CHECK(json_object_get(j, "explanation") == NULL); /* the public: the grade only */
    json_decref(j);

    /* repair: published just now, the 3-month period has not passed */
    snprintf(body, sizeof body,
             "{\"title\":\"信用修复\",\"unit_id\":%lld,\"rating_id\":1,\"obligations_performed\":"
             "true,\"corrected\":true}",
             hx.fx.e1);
    CHECK_EQ_INT(call(ENT, "POST", "/api/v1/credit_repairs", body, &j), 422);
    CHECK_STR(code_of(j), "waiting_period");
    CHECK(strstr(msg_of(j), "3 months") != NULL);
    json_decref(j);
    CHECK_EQ_INT(st(STREET, "POST", "/api/v1/credit_repairs", body), 403);
    CHECK_EQ_INT(st(ANON, "POST", "/api/v1/credit_repairs", body), 401);
    teardown();
}

TEST(http_poslist_exemption_rulesets_per_role)
{
    setup("poslist.db");
    char body[600], path[200];
    json_t *j = NULL;
    /* E1 has no published grade: the credit condition is not met, with the reason. */
    snprintf(path, sizeof path, "/api/v1/poslist/check?unit_id=%lld", hx.fx.e1);
    CHECK_EQ_INT(st(ENT, "GET", path, NULL), 403);
    CHECK_EQ_INT(st(STREET, "GET", path, NULL), 403);
    REQUIRE(call(BUREAU, "GET", path, NULL, &j) == 200);
    CHECK(json_is_false(json_object_get(j, "eligible")));
    CHECK_EQ_INT(json_array_size(json_object_get(j, "reasons")), 3);
    json_decref(j);
    CHECK_EQ_INT(st(BUREAU, "GET", "/api/v1/poslist/check?unit_id=x", NULL), 400);
    snprintf(body, sizeof body, "{\"unit_id\":%lld}", hx.fx.e1);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/poslist", body, &j), 422);
    CHECK_STR(code_of(j), "conditions_not_met");
    CHECK(strstr(msg_of(j), "环境信用等级良好") != NULL);
    json_decref(j);
    CHECK_EQ_INT(st(ENT, "POST", "/api/v1/poslist", body), 403);
    CHECK_EQ_INT(st(BUREAU, "GET", "/api/v1/poslist?active=true", NULL), 200);
    CHECK_EQ_INT(st(STEWARD, "GET", "/api/v1/poslist", NULL), 403);
    CHECK_EQ_INT(st(ANON, "GET", "/api/v1/poslist", NULL), 401);
    snprintf(body, sizeof body, "{\"unit_id\":%lld,\"kind\":\"penalty\",\"ref\":\"沪环罚1\"}",
             hx.fx.e1);
    CHECK_EQ_INT(st(STREET, "POST", "/api/v1/poslist/events", body), 403);
    CHECK_EQ_INT(st(BUREAU, "POST", "/api/v1/poslist/events", body), 201);
    snprintf(body, sizeof body, "{\"unit_id\":%lld,\"kind\":\"fine\"}", hx.fx.e1);
    CHECK_EQ_INT(st(BUREAU, "POST", "/api/v1/poslist/events", body), 422);

    /* exemption: item 1 of sh-exempt-2020 with every condition met */
    snprintf(body, sizeof body,
             "{\"unit_id\":%lld,\"violation\":\"eia_unapproved_construction\",\"date\":"
             "\"2021-06-01\",\"stopped_and_restored\":true,\"no_harm\":true,\"corrected_days\":"
             "0,\"first_discovery\":true,\"education\":\"已进行环评法律教育\"}",
             hx.fx.e1);
    CHECK_EQ_INT(st(ENT, "POST", "/api/v1/exemptions/check", body), 403);
    CHECK_EQ_INT(st(STREET, "POST", "/api/v1/exemptions/check", body), 403);
    REQUIRE(call(BUREAU, "POST", "/api/v1/exemptions/check", body, &j) == 201);
    CHECK(json_is_true(json_object_get(j, "exempt")));
    json_decref(j);
    CHECK_EQ_INT(st(BUREAU, "POST", "/api/v1/exemptions/check",
                    "{\"unit_id\":1,\"violation\":\"x\",\"date\":\"2021-06-01\",\"no_harm\":1}"),
                 400);
    CHECK_EQ_INT(st(BUREAU, "POST", "/api/v1/exemptions/check",
                    "{\"unit_id\":1,\"violation\":\"x\",\"date\":\"soon\"}"),
                 422);
    snprintf(path, sizeof path, "/api/v1/units/%lld/exemptions", hx.fx.e1);
    REQUIRE(call(ENT, "GET", path, NULL, &j) == 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    CHECK_EQ_INT(st(STREET, "GET", path, NULL), 404);
    snprintf(path, sizeof path, "/api/v1/units/%lld/exemptions", hx.fx.e2);
    CHECK_EQ_INT(st(ENT, "GET", path, NULL), 404);

    /* rule sets: a faulty text is answered with file:line: field */
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/rulesets",
                      "{\"file\":\"mine.rs\",\"text\":\"kind = credit_scheme\\nid = x\\n\"}", &j),
                 422);
    CHECK(strstr(msg_of(j), "mine.rs:1: version: required") != NULL);
    json_decref(j);
    const char *ok = "{\"file\":\"mine.rs\",\"text\":\"kind = test\\nid = mine\\nversion = "
                     "1\\njurisdiction = 上海市\\nvalid_from = 2030-01-01\\n\"}";
    CHECK_EQ_INT(st(ENT, "POST", "/api/v1/rulesets", ok), 403);
    CHECK_EQ_INT(st(ANON, "POST", "/api/v1/rulesets", ok), 401);
    CHECK_EQ_INT(st(BUREAU, "POST", "/api/v1/rulesets", ok), 201);
    CHECK_EQ_INT(st(BUREAU, "POST", "/api/v1/rulesets", "{\"text\":5}"), 400);
    teardown();
}
