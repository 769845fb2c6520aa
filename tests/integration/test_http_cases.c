/*
 * test_http_cases.c: penalty cases (行政处罚案件, src/govern/cases.c) over the real `envgov
 * serve`: raised by the bureau against 甲厂 (the fixture's e1), every transition by HTTP
 * (investigate → notify with the discretion facts and evidence → request_hearing by the
 * enterprise → decide → serve → execute → close), forbidden ones (403/422), and the scope per
 * role: admin and bureau see it; the enterprise its own case only; the other enterprise, the
 * street, the steward and the public do not. Fine: 41 % × 1,000,000 = 410,000 (GD 2022 Art. 6,
 * governance-research.md §5.3).
 */
#include "base/base.h"
#include "integration/http_client.h"
#include "registry/registry.h"
#include "rules/rules.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ADMIN, BUREAU, STREET, ENT, ENT2, STEWARD, ANON, NROLES };
static const char *const users[NROLES] = {"admin",       "bureau",  "street", "enterprise",
                                          "enterprise2", "steward", NULL};
static struct eg_hf fx;
static struct eg_hs srv;
static char *tokens[NROLES];
static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 1};

static int call(int role, const char *method, const char *path, const char *body, json_t **out)
{
    struct eg_hc_resp r;
    int rc = eg_hc_request(srv.port, method, path, tokens[role], NULL, body,
                           body ? strlen(body) : 0, &r);
    int status = rc ? -1 : r.status;
    if (out)
        *out = eg_hc_json(&r);
    eg_hc_free(&r);
    return status;
}

static int act(int role, long long id, const char *action, const char *body)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/cases/%lld/%s", id, action);
    return call(role, "POST", path, body ? body : "{}", NULL);
}

TEST(http_cases_workflow_and_scope_per_role)
{
    char db[600];
    snprintf(db, sizeof db, "%s/%s", eg_test_tmpdir(), "http_cases.db");
    REQUIRE(eg_hf_build(db, &fx) == 0);
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(db, &st, &err) == 0);
    REQUIRE(eg_registry_user_add(st, "enterprise2", "enterprise", NULL, fx.e2,
                                 "pw-enterprise2-123456", &err) == 0);
    /* 一证式: an alert of 甲厂 opened 2024-05-01 08:00 Beijing is filed against pm1 (valid from
       2024-01-01); one of 2023-05-01, before the permit, against none. */
    json_t *ev = json_object();
    int64_t aid[2];
    int opened;
    const int64_t at[2] = {1714521600, 1682899200};
    for (int i = 0; i < 2; i++) {
        struct eg_alert_new an = {.rule = EG_RULE_LIMIT_EXCEED,
                                  .subject = i ? "MN-A|a21026|old" : "MN-A|a21026",
                                  .source = "MN-A",
                                  .pollutant = "a21026",
                                  .unit_id = fx.e1,
                                  .severity = 2,
                                  .title = "二氧化硫小时均值超过许可限值",
                                  .evidence = ev,
                                  .at = at[i]};
        REQUIRE(eg_alerts_raise(st, &an, 0, &aid[i], &opened, &err) == 0);
    }
    json_decref(ev);
    eg_db_close(st);
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    for (int r = 0; r < NROLES; r++) {
        if (!users[r])
            continue;
        char pw[64];
        snprintf(pw, sizeof pw, "pw-%s-123456", users[r]);
        tokens[r] = eg_hc_login(srv.port, users[r], pw);
        REQUIRE(tokens[r] != NULL);
    }
    char body[512];
    snprintf(body, sizeof body,
             "{\"title\":\"甲厂超标排放\",\"unit_id\":%lld,\"origin\":\"inspection\","
             "\"inspection_ref\":\"检查-7\",\"violation\":\"air_exceedance\","
             "\"violation_date\":\"2024-05-01\"}",
             fx.e1);
    /* Only staff raise a case. */
    CHECK_EQ_INT(call(ENT, "POST", "/api/v1/cases", body, NULL), 403);
    CHECK_EQ_INT(call(ANON, "POST", "/api/v1/cases", body, NULL), 401);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/cases", "{\"title\":", NULL), 400);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/cases", "{\"title\":\"t\",\"fine\":1}", NULL), 400);
    json_t *j = NULL;
    REQUIRE(call(BUREAU, "POST", "/api/v1/cases", body, &j) == 201);
    long long id = (long long)json_integer_value(json_object_get(j, "id"));
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "permit_id")), fx.pm1); /* 一证式 */
    json_decref(j);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/cases/%lld", id);
    /* Scope per role. */
    CHECK_EQ_INT(call(ADMIN, "GET", path, NULL, NULL), 200);
    CHECK_EQ_INT(call(BUREAU, "GET", path, NULL, NULL), 200);
    CHECK_EQ_INT(call(ENT, "GET", path, NULL, NULL), 200);
    CHECK_EQ_INT(call(ENT2, "GET", path, NULL, NULL), 404);
    CHECK_EQ_INT(call(STREET, "GET", path, NULL, NULL), 404);
    CHECK_EQ_INT(call(STEWARD, "GET", path, NULL, NULL), 404);
    CHECK_EQ_INT(call(ANON, "GET", path, NULL, NULL), 401);
    j = NULL;
    CHECK_EQ_INT(call(ENT2, "GET", "/api/v1/cases", NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    /* Transitions, with the forbidden ones. */
    CHECK_EQ_INT(act(BUREAU, id, "notify", NULL), 422); /* not from filed */
    CHECK_EQ_INT(act(ENT, id, "investigate", NULL), 403);
    CHECK_EQ_INT(act(BUREAU, id, "no_such_action", NULL), 404); /* no such action */
    CHECK_EQ_INT(act(BUREAU, id, "investigate", NULL), 200);
    CHECK_EQ_INT(act(BUREAU, id, "notify", NULL), 422); /* evidence first */
    struct eg_hc_resp r;
    snprintf(path, sizeof path, "/api/v1/cases/%lld/attachments?name=evidence.jpg", id);
    REQUIRE(eg_hc_request(srv.port, "POST", path, tokens[BUREAU], NULL, (const char *)jpeg,
                          sizeof jpeg, &r) == 0);
    CHECK_EQ_INT(r.status, 201);
    eg_hc_free(&r);
    CHECK_EQ_INT(act(BUREAU, id, "notify", "{\"discretion\":{\"factors\":{\"impact\":7}}}"), 422);
    snprintf(path, sizeof path, "/api/v1/cases/%lld/notify", id);
    j = NULL;
    CHECK_EQ_INT(call(BUREAU, "POST", path,
                      "{\"discretion\":{\"factors\":{\"impact\":\"medium\",\"duration\":\"m3_6\","
                      "\"count\":\"second\",\"complaint\":\"verified\"}}}",
                      &j),
                 200);
    CHECK_EQ_DBL(json_real_value(json_object_get(j, "fine")), 410000, 0);
    CHECK(json_is_true(json_object_get(j, "hearing_right")));
    json_decref(j);
    CHECK_EQ_INT(act(ENT2, id, "request_hearing", NULL), 404);
    CHECK_EQ_INT(act(ENT, id, "request_hearing", NULL), 200);
    CHECK_EQ_INT(act(ENT, id, "decide", "{\"decision\":\"penalty\",\"reason\":\"x\"}"), 403);
    CHECK_EQ_INT(act(BUREAU, id, "decide", "{\"decision\":\"penalty\"}"), 422); /* reason */
    CHECK_EQ_INT(act(BUREAU, id, "decide", "{\"decision\":\"penalty\",\"reason\":\"维持\"}"), 200);
    CHECK_EQ_INT(act(BUREAU, id, "close", NULL), 422);
    CHECK_EQ_INT(act(BUREAU, id, "serve", NULL), 200);
    CHECK_EQ_INT(act(BUREAU, id, "close", NULL), 422); /* a penalty is executed first */
    CHECK_EQ_INT(act(BUREAU, id, "execute", NULL), 200);
    CHECK_EQ_INT(act(BUREAU, id, "close", NULL), 200);
    snprintf(path, sizeof path, "/api/v1/cases/%lld", id);
    j = NULL;
    CHECK_EQ_INT(call(ENT, "GET", path, NULL, &j), 200);
    CHECK_EQ_INT(strcmp(json_string_value(json_object_get(j, "state")), "closed"), 0);
    json_decref(j);
    /* Discretion and supervision lists: bureau staff only. */
    const char *cbody = "{\"violation\":\"air_exceedance\",\"factors\":{\"impact\":\"medium\","
                        "\"duration\":\"m3_6\",\"count\":\"second\",\"complaint\":"
                        "\"verified\"},\"circumstances\":[\"apology\"]}";
    j = NULL;
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/discretion/compute?date=2024-06-01", cbody, &j),
                 200);
    CHECK_EQ_DBL(json_real_value(json_object_get(j, "fine")), 287000, 0); /* GD Art. 14: -30 % */
    json_decref(j);
    CHECK_EQ_INT(call(ENT, "POST", "/api/v1/discretion/compute", cbody, NULL), 403);
    CHECK_EQ_INT(call(STREET, "POST", "/api/v1/discretion/compute", cbody, NULL), 403);
    CHECK_EQ_INT(call(ANON, "POST", "/api/v1/discretion/compute", cbody, NULL), 401);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/discretion/compute", "{\"violation\":", NULL), 400);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/discretion/compute", "[1]", NULL), 400);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/discretion/compute", "{\"violation\":\"x\"}", NULL),
                 422);
    int st13 = call(BUREAU, "POST", "/api/v1/discretion/compute?date=2024-13-01", cbody, NULL);
    CHECK(st13 == 400 || st13 == 422); /* no month 13: refused */
    const char *lists[] = {"/api/v1/supervision/permits-expiring?days=3660",
                           "/api/v1/supervision/reports-missing",
                           "/api/v1/supervision/park-coverage"};
    for (size_t i = 0; i < 3; i++) {
        j = NULL;
        CHECK_EQ_INT(call(ADMIN, "GET", lists[i], NULL, &j), 200);
        CHECK(json_is_array(json_object_get(j, "items")));
        json_decref(j);
        CHECK_EQ_INT(call(ENT, "GET", lists[i], NULL, NULL), 403);
        CHECK_EQ_INT(call(STEWARD, "GET", lists[i], NULL, NULL), 403);
        CHECK_EQ_INT(call(ANON, "GET", lists[i], NULL, NULL), 401);
    }
    int st0 = call(BUREAU, "GET", "/api/v1/supervision/permits-expiring?days=0", NULL, NULL);
    CHECK(st0 == 400 || st0 == 422); /* days 1..3660 */
    CHECK_EQ_INT(call(BUREAU, "GET", "/api/v1/supervision/permits-expiring?nope=1", NULL, NULL),
                 400);
    j = NULL;
    snprintf(path, sizeof path, "/api/v1/supervision/park-coverage?park_id=%lld", fx.park);
    CHECK_EQ_INT(call(BUREAU, "GET", path, NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/supervision/park-coverage?park_id=%lld", fx.e1);
    CHECK_EQ_INT(call(BUREAU, "GET", path, NULL, NULL), 404);

    /* 一证式 (seed 004): what is filed against pm1 — the case, its penalty, the alert of 2024. */
    char pp[128];
    snprintf(pp, sizeof pp, "/api/v1/supervision/permits/%lld", fx.pm1);
    j = NULL;
    CHECK_EQ_INT(call(BUREAU, "GET", pp, NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "cases")), 1);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "alerts")), 1);
    CHECK_EQ_INT(
        json_integer_value(json_object_get(json_array_get(json_object_get(j, "alerts"), 0), "id")),
        aid[0]);
    json_t *pen = json_array_get(json_object_get(j, "penalties"), 0);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "penalties")), 1);
    CHECK_STR(json_string_value(json_object_get(pen, "kind_zh")), "行政处罚");
    char ref[48];
    snprintf(ref, sizeof ref, "case:%lld", id);
    CHECK_STR(json_string_value(json_object_get(pen, "ref")), ref);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "permit"), "number")),
              "91310115XX001V");
    json_decref(j);
    CHECK_EQ_INT(call(ADMIN, "GET", pp, NULL, NULL), 200);
    CHECK_EQ_INT(call(ENT, "GET", pp, NULL, NULL), 200);    /* the holder */
    CHECK_EQ_INT(call(ENT2, "GET", pp, NULL, NULL), 404);   /* another enterprise */
    CHECK_EQ_INT(call(STREET, "GET", pp, NULL, NULL), 403); /* not the street's */
    CHECK_EQ_INT(call(STEWARD, "GET", pp, NULL, NULL), 403);
    CHECK_EQ_INT(call(ANON, "GET", pp, NULL, NULL), 401);
    CHECK_EQ_INT(call(BUREAU, "GET", "/api/v1/supervision/permits/999999", NULL, NULL), 404);
    CHECK_EQ_INT(call(BUREAU, "GET", "/api/v1/supervision/permits/abc", NULL, NULL), 404);
    CHECK_EQ_INT(call(BUREAU, "GET", "/api/v1/supervision/permits/-1", NULL, NULL), 404);
    snprintf(pp, sizeof pp, "/api/v1/supervision/permits/%lld", fx.pm2);
    j = NULL;
    CHECK_EQ_INT(call(ENT2, "GET", pp, NULL, &j), 200); /* its own, nothing filed */
    CHECK_EQ_INT(json_array_size(json_object_get(j, "cases")) +
                     json_array_size(json_object_get(j, "alerts")) +
                     json_array_size(json_object_get(j, "penalties")),
                 0);
    json_decref(j);
    /* the lists by permit */
    snprintf(pp, sizeof pp, "/api/v1/cases?permit_id=%lld", fx.pm1);
    j = NULL;
    CHECK_EQ_INT(call(BUREAU, "GET", pp, NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    snprintf(pp, sizeof pp, "/api/v1/cases?permit_id=%lld", fx.pm2);
    j = NULL;
    CHECK_EQ_INT(call(BUREAU, "GET", pp, NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    CHECK_EQ_INT(call(BUREAU, "GET", "/api/v1/cases?permit_id=-4", NULL, NULL), 400);
    CHECK_EQ_INT(call(BUREAU, "GET", "/api/v1/cases?permit_id=x", NULL, NULL), 400);
    snprintf(pp, sizeof pp, "/api/v1/cases?permit_id=%lld", fx.pm1);
    j = NULL;
    CHECK_EQ_INT(call(ENT2, "GET", pp, NULL, &j), 200); /* scope still applies */
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    snprintf(pp, sizeof pp, "/api/v1/alerts?permit_id=%lld", fx.pm1);
    j = NULL;
    CHECK_EQ_INT(call(BUREAU, "GET", pp, NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 1);
    CHECK_EQ_INT(json_integer_value(
                     json_object_get(json_array_get(json_object_get(j, "items"), 0), "permit_id")),
                 fx.pm1);
    json_decref(j);
    snprintf(pp, sizeof pp, "/api/v1/alerts/%lld", (long long)aid[1]);
    j = NULL;
    CHECK_EQ_INT(call(BUREAU, "GET", pp, NULL, &j), 200);
    CHECK(json_is_null(json_object_get(j, "permit_id"))); /* before the permit was valid */
    json_decref(j);
    snprintf(pp, sizeof pp, "/api/v1/alerts?permit_id=%lld&format=csv", fx.pm1);
    struct eg_hc_resp cr;
    REQUIRE(eg_hc_request(srv.port, "GET", pp, tokens[BUREAU], NULL, NULL, 0, &cr) == 0);
    CHECK_EQ_INT(cr.status, 200);
    CHECK(cr.body && strstr(cr.body, "排污许可证") != NULL);
    eg_hc_free(&cr);
    for (int r2 = 0; r2 < NROLES; r2++)
        free(tokens[r2]);
    eg_hs_stop(&srv);
}
