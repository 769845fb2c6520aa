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
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ADMIN, BUREAU, STREET, ENT, ENT2, STEWARD, ANON, NROLES };
static const char *const users[NROLES] = {"admin",       "bureau",  "street", "enterprise",
                                          "enterprise2", "steward", NULL};
static struct eg_hx hx;
static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 1};

static int call(int role, const char *method, const char *path, const char *body, json_t **out)
{
    return eg_hx_call(&hx, role, method, path, body, out);
}

static int act(int role, long long id, const char *action, const char *body)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/cases/%lld/%s", id, action);
    return call(role, "POST", path, body ? body : "{}", NULL);
}

TEST(http_cases_workflow_and_scope_per_role)
{
    REQUIRE(eg_hx_start(&hx, "http_cases.db", EG_HX_ENTERPRISE2, users, NROLES, NULL) == 0);
    char body[512];
    snprintf(body, sizeof body,
             "{\"title\":\"甲厂超标排放\",\"unit_id\":%lld,\"origin\":\"inspection\","
             "\"inspection_ref\":\"检查-7\",\"violation\":\"air_exceedance\","
             "\"violation_date\":\"2024-05-01\"}",
             hx.fx.e1);
    /* Only staff raise a case. */
    CHECK_EQ_INT(call(ENT, "POST", "/api/v1/cases", body, NULL), 403);
    CHECK_EQ_INT(call(ANON, "POST", "/api/v1/cases", body, NULL), 401);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/cases", "{\"title\":", NULL), 400);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/cases", "{\"title\":\"t\",\"fine\":1}", NULL), 400);
    json_t *j = NULL;
    REQUIRE(call(BUREAU, "POST", "/api/v1/cases", body, &j) == 201);
    long long id = (long long)json_integer_value(json_object_get(j, "id"));
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "permit_id")), hx.fx.pm1); /* 一证式 */
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
    REQUIRE(eg_hc_request(hx.hs.port, "POST", path, hx.tok[BUREAU], NULL, (const char *)jpeg,
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
    snprintf(path, sizeof path, "/api/v1/supervision/park-coverage?park_id=%lld", hx.fx.park);
    CHECK_EQ_INT(call(BUREAU, "GET", path, NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/supervision/park-coverage?park_id=%lld", hx.fx.e1);
    CHECK_EQ_INT(call(BUREAU, "GET", path, NULL, NULL), 404);
    eg_hx_stop(&hx);
}
