/*
 * test_plans_http.c: issue 14 over HTTP against the real `envgov serve`: pilot rounds and
 * applications, experts and their scores, evaluation and the 附表 exports, the seed 003 plan's
 * status, progress reports, suggestions — each endpoint per role (admin, bureau, street,
 * enterprise, steward as expert, anonymous), malformed and wrong-type bodies, and the routes in
 * the OpenAPI document.
 */
#include "base/base.h"
#include "integration/http_client.h"
#include "plans/plans.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ANON, ADMIN, BUREAU, STREET, ENTERPRISE, STEWARD, NROLES };
static const char *const role_names[NROLES] = {"anonymous", "admin",      "bureau",
                                               "street",    "enterprise", "steward"};
static struct eg_hf fx;
static int port;
static char *tokens[NROLES];

static int req(int role, const char *method, const char *path, const char *body, json_t **out)
{
    struct eg_hc_resp r;
    int rc =
        eg_hc_request(port, method, path, tokens[role], NULL, body, body ? strlen(body) : 0, &r);
    int status = rc ? -1 : r.status;
    if (out)
        *out = eg_hc_json(&r);
    eg_hc_free(&r);
    return status;
}

static void setup(struct eg_hs *srv)
{
    char db[600];
    snprintf(db, sizeof db, "%s/plans.db", eg_test_tmpdir());
    REQUIRE(eg_hf_build(db, &fx) == 0);
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(db, &st, &err) == 0);
    REQUIRE(eg_plan_load_demo(st, &err) == 0);
    eg_db_close(st);
    REQUIRE(eg_hs_start(srv, db, NULL) == 0);
    port = srv->port;
    for (int r = ADMIN; r < NROLES; r++) {
        char pw[64];
        snprintf(pw, sizeof pw, "pw-%s-123456", role_names[r]);
        tokens[r] = eg_hc_login(port, role_names[r], pw);
        REQUIRE(tokens[r] != NULL);
    }
}

static void teardown(struct eg_hs *srv)
{
    for (int r = 0; r < NROLES; r++)
        free(tokens[r]);
    eg_hs_stop(srv);
}

static void expect(int line, const char *what, int want, int got)
{
    if (want != got)
        eg_test_fail(__FILE__, line, "%s: want %d, got %d", what, want, got);
}
#define EXPECT(what, want, got) expect(__LINE__, what, want, got)

TEST(http_pilot_round_applications_experts_evaluation_per_role)
{
    struct eg_hs srv;
    setup(&srv);
    const char *round = "{\"name\":\"第二批\",\"deadline\":\"2099-09-30\",\"rule\":\"mean\","
                        "\"quotas\":{\"enterprise\":1,\"park\":1}}";
    /* only the bureau (and admin) opens a round */
    EXPECT("anon round", 401, req(ANON, "POST", "/api/v1/pilot/rounds", round, NULL));
    EXPECT("street round", 403, req(STREET, "POST", "/api/v1/pilot/rounds", round, NULL));
    EXPECT("enterprise round", 403, req(ENTERPRISE, "POST", "/api/v1/pilot/rounds", round, NULL));
    EXPECT("steward round", 403, req(STEWARD, "POST", "/api/v1/pilot/rounds", round, NULL));
    json_t *o;
    EXPECT("bureau round", 201, req(BUREAU, "POST", "/api/v1/pilot/rounds", round, &o));
    long long rid = json_integer_value(json_object_get(o, "id"));
    json_decref(o);
    EXPECT("duplicate round", 409, req(ADMIN, "POST", "/api/v1/pilot/rounds", round, NULL));
    /* malformed, wrong type, hostile */
    EXPECT("not json", 400, req(BUREAU, "POST", "/api/v1/pilot/rounds", "{\"name\":", NULL));
    EXPECT("not object", 400, req(BUREAU, "POST", "/api/v1/pilot/rounds", "[1,2]", NULL));
    EXPECT("quota type", 422,
           req(BUREAU, "POST", "/api/v1/pilot/rounds",
               "{\"name\":\"x\",\"deadline\":\"2099-01-01\",\"quotas\":{\"park\":\"many\"}}",
               NULL));
    EXPECT("catalogue path", 422,
           req(BUREAU, "POST", "/api/v1/pilot/rounds",
               "{\"name\":\"y\",\"deadline\":\"2099-01-01\",\"quotas\":{\"park\":1},"
               "\"catalogue\":\"/etc/passwd\"}",
               NULL));
    /* everyone logged in reads the round and its catalogue */
    char path[256];
    snprintf(path, sizeof path, "/api/v1/pilot/rounds/%lld", rid);
    for (int r = ADMIN; r < NROLES; r++)
        EXPECT(role_names[r], 200, req(r, "GET", path, NULL, NULL));
    EXPECT("anon get round", 401, req(ANON, "GET", path, NULL, NULL));
    EXPECT("unknown round", 404, req(BUREAU, "GET", "/api/v1/pilot/rounds/9999", NULL, NULL));
    EXPECT("bad id", 404, req(BUREAU, "GET", "/api/v1/pilot/rounds/abc", NULL, NULL));
    /* applications: the enterprise for its own unit only, the street for the park of S1 */
    char body[512];
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"unit_id\":%lld}", rid, fx.e2);
    EXPECT("enterprise for another unit", 403,
           req(ENTERPRISE, "POST", "/api/v1/pilot/applications", body, NULL));
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"unit_id\":%lld,\"bogus\":1}", rid, fx.e1);
    EXPECT("unknown field", 400, req(ENTERPRISE, "POST", "/api/v1/pilot/applications", body, NULL));
    snprintf(body, sizeof body, "{\"round_id\":\"%lld\",\"unit_id\":%lld}", rid, fx.e1);
    EXPECT("round_id type", 422, req(ENTERPRISE, "POST", "/api/v1/pilot/applications", body, NULL));
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"unit_id\":%lld}", rid, fx.e1);
    EXPECT("anon apply", 401, req(ANON, "POST", "/api/v1/pilot/applications", body, NULL));
    EXPECT("enterprise apply", 201,
           req(ENTERPRISE, "POST", "/api/v1/pilot/applications", body, &o));
    long long a1 = json_integer_value(json_object_get(o, "id"));
    json_decref(o);
    snprintf(body, sizeof body, "{\"round_id\":%lld,\"unit_id\":%lld}", rid, fx.park);
    EXPECT("street apply for the park", 201,
           req(STREET, "POST", "/api/v1/pilot/applications", body, &o));
    long long a2 = json_integer_value(json_object_get(o, "id"));
    json_decref(o);
    char app[256], act[300];
    snprintf(app, sizeof app, "/api/v1/pilot/applications/%lld", a1);
    EXPECT("owner reads", 200, req(ENTERPRISE, "GET", app, NULL, NULL));
    EXPECT("steward does not", 404, req(STEWARD, "GET", app, NULL, NULL));
    EXPECT("bureau reads", 200, req(BUREAU, "GET", app, NULL, NULL));
    EXPECT("anon does not", 401, req(ANON, "GET", app, NULL, NULL));
    /* evidence (佐证材料): a PDF by its bytes; not an executable; not on another's record */
    static const char pdf[] = "%PDF-1.7\n1 0 obj<<>>endobj\n";
    static const char exe[] = "MZ\x90\x00\x03";
    snprintf(act, sizeof act, "%s/attachments?name=%s", app, "evidence.pdf");
    EXPECT("attach pdf", 201, req(ENTERPRISE, "POST", act, pdf, &o));
    long long aid = json_integer_value(json_object_get(o, "id"));
    CHECK_STR(json_string_value(json_object_get(o, "type")), "application/pdf");
    json_decref(o);
    int ast = req(ENTERPRISE, "POST", act, exe, NULL);
    CHECK(ast == 415 || ast == 422 || ast == 400);
    EXPECT("steward attaches", 404, req(STEWARD, "POST", act, pdf, NULL));
    EXPECT("empty body", 400, req(ENTERPRISE, "POST", act, NULL, NULL));
    snprintf(act, sizeof act, "%s/attachments/%lld", app, aid);
    {
        struct eg_hc_resp ar;
        REQUIRE(eg_hc_request(port, "GET", act, tokens[BUREAU], NULL, NULL, 0, &ar) == 0);
        CHECK_EQ_INT(ar.status, 200);
        CHECK(ar.body_len == strlen(pdf) && !memcmp(ar.body, pdf, ar.body_len));
        eg_hc_free(&ar);
    }
    EXPECT("steward reads attachment", 404, req(STEWARD, "GET", act, NULL, NULL));
    snprintf(path, sizeof path, "/api/v1/pilot/applications/%lld", a2);
    EXPECT("enterprise not the park's", 404, req(ENTERPRISE, "GET", path, NULL, NULL));
    EXPECT("enterprise edits another's", 404,
           req(ENTERPRISE, "PATCH", path, "{\"innovation\":\"x\"}", NULL));
    /* the owner edits its draft, submits, and can no longer edit */
    EXPECT("edit draft", 200,
           req(ENTERPRISE, "PATCH", app,
               "{\"conditions\":\"111\",\"mandatory\":\"11111111\",\"directions\":\"1\","
               "\"innovation\":\"碳排放核算\"}",
               NULL));
    EXPECT("edit wrong type", 400, req(ENTERPRISE, "PATCH", app, "{\"innovation\":5}", NULL));
    EXPECT("edit bad answers", 422, req(ENTERPRISE, "PATCH", app, "{\"conditions\":\"1\"}", NULL));
    snprintf(act, sizeof act, "%s/actions/submit", app);
    EXPECT("submit", 200, req(ENTERPRISE, "POST", act, NULL, NULL));
    EXPECT("edit after submit", 422, req(ENTERPRISE, "PATCH", app, "{\"innovation\":\"y\"}", NULL));
    snprintf(act, sizeof act, "%s/actions/approve", app);
    EXPECT("approve from submitted", 422, req(BUREAU, "POST", act, NULL, NULL));
    snprintf(act, sizeof act, "%s/actions/fly", app);
    int st = req(BUREAU, "POST", act, NULL, NULL);
    CHECK(st == 400 || st == 404 || st == 422);
    /* experts: the bureau assigns the steward's account; it sees only what it scores */
    snprintf(path, sizeof path, "/api/v1/pilot/rounds/%lld/experts", rid);
    snprintf(body, sizeof body, "{\"user_id\":%lld}", fx.steward_uid);
    EXPECT("enterprise assigns", 403, req(ENTERPRISE, "POST", path, body, NULL));
    EXPECT("bad user", 422, req(BUREAU, "POST", path, "{\"user_id\":99999}", NULL));
    EXPECT("user type", 400, req(BUREAU, "POST", path, "{\"user_id\":\"x\"}", NULL));
    EXPECT("bureau assigns", 201, req(BUREAU, "POST", path, body, NULL));
    snprintf(path, sizeof path, "/api/v1/pilot/rounds/%lld/scoring", rid);
    EXPECT("expert scoring", 200, req(STEWARD, "GET", path, NULL, &o));
    json_t *its = json_object_get(o, "items");
    CHECK_EQ_INT(json_array_size(its), 1); /* the park's draft is not there */
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(its, 0), "id")), a1);
    json_decref(o);
    EXPECT("enterprise scoring", 404, req(ENTERPRISE, "GET", path, NULL, NULL));
    EXPECT("street scoring", 404, req(STREET, "GET", path, NULL, NULL));
    EXPECT("anon scoring", 401, req(ANON, "GET", path, NULL, NULL));
    char sc[300];
    snprintf(sc, sizeof sc, "%s/scores", app);
    EXPECT("score range", 422, req(STEWARD, "PUT", sc, "{\"scores\":[21,1,1]}", NULL));
    EXPECT("score type", 400, req(STEWARD, "PUT", sc, "{\"scores\":[\"a\",1,1]}", NULL));
    EXPECT("score count", 400, req(STEWARD, "PUT", sc, "{\"scores\":[1,1]}", NULL));
    EXPECT("enterprise scores", 404, req(ENTERPRISE, "PUT", sc, "{\"scores\":[20,20,20]}", NULL));
    EXPECT("bureau scores", 404, req(BUREAU, "PUT", sc, "{\"scores\":[20,20,20]}", NULL));
    EXPECT("expert scores", 200, req(STEWARD, "PUT", sc, "{\"scores\":[18,17,16]}", NULL));
    /* evaluation and the files */
    snprintf(path, sizeof path, "/api/v1/pilot/rounds/%lld/evaluate", rid);
    EXPECT("enterprise evaluates", 403, req(ENTERPRISE, "POST", path, NULL, NULL));
    EXPECT("bureau evaluates", 200, req(BUREAU, "POST", path, NULL, &o));
    CHECK_EQ_INT(
        json_integer_value(json_object_get(json_object_get(o, "recommended"), "enterprise")), 1);
    json_decref(o);
    EXPECT("owner sees results", 200, req(ENTERPRISE, "GET", app, NULL, &o));
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(o, "results"), "rank")), 1);
    CHECK_STR(json_string_value(json_object_get(o, "state")), "recommended");
    json_decref(o);
    struct eg_hc_resp r;
    snprintf(path, sizeof path, "/api/v1/pilot/rounds/%lld/list?format=csv", rid);
    REQUIRE(eg_hc_request(port, "GET", path, tokens[BUREAU], NULL, NULL, 0, &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body_len > 3 && !memcmp(r.body, "\xEF\xBB\xBF", 3));
    CHECK(strstr(r.body, "企业（1）") && strstr(r.body, "序号,申报单位,创新点"));
    eg_hc_free(&r);
    snprintf(path, sizeof path, "/api/v1/pilot/rounds/%lld/sheet?format=xlsx", rid);
    REQUIRE(eg_hc_request(port, "GET", path, tokens[ADMIN], NULL, NULL, 0, &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body_len > 1000 && !memcmp(r.body, "PK", 2));
    eg_hc_free(&r);
    for (int role = STREET; role < NROLES; role++)
        EXPECT(role_names[role], 403, req(role, "GET", path, NULL, NULL));
    snprintf(path, sizeof path, "/api/v1/pilot/rounds/%lld/list?format=pdf", rid);
    EXPECT("bad format", 400, req(BUREAU, "GET", path, NULL, NULL));
    /* the rest of the road */
    snprintf(act, sizeof act, "%s/actions/select", app);
    EXPECT("select before report", 422, req(BUREAU, "POST", act, NULL, NULL));
    snprintf(act, sizeof act, "%s/actions/approve", app);
    EXPECT("enterprise approves", 403, req(ENTERPRISE, "POST", act, NULL, NULL));
    EXPECT("steward approves", 404, req(STEWARD, "POST", act, NULL, NULL));
    EXPECT("approve", 200, req(BUREAU, "POST", act, NULL, NULL));
    snprintf(act, sizeof act, "%s/actions/report", app);
    EXPECT("report", 200, req(BUREAU, "POST", act, NULL, NULL));
    snprintf(act, sizeof act, "%s/actions/not_select", app);
    EXPECT("not_select without reason", 422, req(BUREAU, "POST", act, "{}", NULL));
    snprintf(act, sizeof act, "%s/actions/select", app);
    EXPECT("select", 200, req(BUREAU, "POST", act, NULL, NULL));
    snprintf(act, sizeof act, "%s/history", app);
    EXPECT("history", 200, req(ENTERPRISE, "GET", act, NULL, &o));
    CHECK(json_array_size(json_object_get(o, "items")) >= 6);
    json_decref(o);
    EXPECT("list apps", 200, req(ENTERPRISE, "GET", "/api/v1/pilot/applications", NULL, &o));
    CHECK_EQ_INT(json_array_size(json_object_get(o, "items")), 1);
    json_decref(o);
    EXPECT("list bad round", 400,
           req(BUREAU, "GET", "/api/v1/pilot/applications?round_id=x", NULL, NULL));
    teardown(&srv);
}

TEST(http_plans_status_progress_and_suggestions_per_role)
{
    struct eg_hs srv;
    setup(&srv);
    json_t *o;
    EXPECT("plans", 200, req(STREET, "GET", "/api/v1/plans", NULL, &o));
    CHECK_EQ_INT(json_array_size(json_object_get(o, "items")), 1);
    CHECK_EQ_INT(json_integer_value(
                     json_object_get(json_array_get(json_object_get(o, "items"), 0), "tasks")),
                 40);
    json_decref(o);
    EXPECT("anon plans", 401, req(ANON, "GET", "/api/v1/plans", NULL, NULL));
    EXPECT("status", 200, req(BUREAU, "GET", "/api/v1/plans/1/status", NULL, &o));
    json_t *tasks = json_object_get(o, "tasks");
    CHECK_EQ_INT(json_array_size(tasks), 40);
    long long t1 = json_integer_value(json_object_get(json_array_get(tasks, 0), "id"));
    CHECK_STR(json_string_value(json_object_get(json_array_get(tasks, 0), "lead_units")),
              "区发改委、区经委");
    json_decref(o);
    EXPECT("street status", 200, req(STREET, "GET", "/api/v1/plans/1/status", NULL, &o));
    CHECK_EQ_INT(json_array_size(json_object_get(o, "tasks")), 0); /* none addressed to it */
    json_decref(o);
    struct eg_hc_resp r;
    REQUIRE(eg_hc_request(port, "GET", "/api/v1/plans/1/status?format=csv", tokens[BUREAU], NULL,
                          NULL, 0, &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(r.body, "（四十）,（四十）强化队伍建设") != NULL);
    eg_hc_free(&r);
    EXPECT("unknown plan", 404, req(BUREAU, "GET", "/api/v1/plans/77/status", NULL, NULL));
    char path[256], body[256];
    snprintf(path, sizeof path, "/api/v1/plan-tasks/%lld/progress", t1);
    const char *rep = "{\"period\":\"2024年第一季度\",\"percent\":30,\"status\":\"on_track\","
                      "\"text\":\"方案已制定\"}";
    EXPECT("steward progress", 404, req(STEWARD, "POST", path, rep, NULL));
    EXPECT("street progress (not its task)", 404, req(STREET, "POST", path, rep, NULL));
    EXPECT("anon progress", 401, req(ANON, "POST", path, rep, NULL));
    EXPECT("bad percent", 422,
           req(BUREAU, "POST", path,
               "{\"period\":\"Q1\",\"percent\":300,\"status\":\"on_track\",\"text\":\"x\"}", NULL));
    EXPECT("truncated", 400, req(BUREAU, "POST", path, "{\"period\":\"Q1\",\"perc", NULL));
    EXPECT("bureau progress", 201, req(BUREAU, "POST", path, rep, NULL));
    /* assign to street S1, which then sees and reports it */
    snprintf(path, sizeof path, "/api/v1/plan-tasks/%lld/actions/assign", t1);
    snprintf(body, sizeof body, "{\"to_region_id\":%lld}", fx.s1);
    EXPECT("street assigns (out of its scope)", 404, req(STREET, "POST", path, body, NULL));
    EXPECT("bureau assigns", 200, req(BUREAU, "POST", path, body, NULL));
    snprintf(path, sizeof path, "/api/v1/plan-tasks/%lld/actions/start", t1);
    EXPECT("street starts", 200, req(STREET, "POST", path, NULL, NULL));
    snprintf(path, sizeof path, "/api/v1/plan-tasks/%lld/progress", t1);
    EXPECT("street progress", 201, req(STREET, "POST", path, rep, NULL));
    snprintf(path, sizeof path, "/api/v1/plan-tasks/%lld/actions/close", t1);
    EXPECT("close before complete", 422, req(BUREAU, "POST", path, NULL, NULL));
    /* suggestions */
    const char *sug = "{\"title\":\"完善现代生态环境监测体系\",\"source\":\"committee\","
                      "\"text\":\"完善生态环境监测网络\",\"responsible\":\"区生态环境局\"}";
    EXPECT("street forms", 403, req(STREET, "POST", "/api/v1/suggestions", sug, NULL));
    EXPECT("anon forms", 401, req(ANON, "POST", "/api/v1/suggestions", sug, NULL));
    EXPECT("bad source", 422,
           req(BUREAU, "POST", "/api/v1/suggestions",
               "{\"title\":\"x\",\"source\":\"gossip\",\"text\":\"y\"}", NULL));
    EXPECT("bureau forms", 201, req(BUREAU, "POST", "/api/v1/suggestions", sug, &o));
    long long sid = json_integer_value(json_object_get(o, "id"));
    json_decref(o);
    static const char *const steps[] = {"send", "accept", "assign", "handle", "implement"};
    for (size_t i = 0; i < EG_ARRAY_LEN(steps); i++) {
        snprintf(path, sizeof path, "/api/v1/suggestions/%lld/actions/%s", sid, steps[i]);
        snprintf(body, sizeof body, "{\"to_region_id\":%lld}", fx.s1);
        int who = i >= 3 ? STREET : BUREAU;
        EXPECT(steps[i], 200, req(who, "POST", path, i == 2 ? body : NULL, NULL));
    }
    snprintf(path, sizeof path, "/api/v1/suggestions/%lld/actions/feed_back", sid);
    EXPECT("feed back without feedback", 422, req(STREET, "POST", path, "{}", NULL));
    EXPECT("steward feeds back", 404,
           req(STEWARD, "POST", path,
               "{\"feedback\":{\"finding\":\"a\",\"measure\":\"b\",\"result\":\"c\"}}", NULL));
    EXPECT("feed back", 200,
           req(STREET, "POST", path,
               "{\"feedback\":{\"finding\":\"已立项\",\"measure\":\"建设微站\",\"result\":"
               "\"覆盖街镇\"}}",
               NULL));
    EXPECT("list", 200, req(ENTERPRISE, "GET", "/api/v1/suggestions", NULL, &o));
    CHECK_EQ_INT(json_array_size(json_object_get(o, "items")), 0);
    json_decref(o);
    snprintf(path, sizeof path, "/api/v1/suggestions/%lld", sid);
    EXPECT("get", 200, req(STREET, "GET", path, NULL, &o));
    CHECK_STR(json_string_value(json_object_get(o, "state")), "fed_back");
    json_decref(o);
    /* the routes are in the OpenAPI document */
    REQUIRE(eg_hc_request(port, "GET", "/api/v1/openapi.json", NULL, NULL, NULL, 0, &r) == 0);
    CHECK(strstr(r.body, "/api/v1/pilot/rounds/{id}/evaluate") != NULL);
    CHECK(strstr(r.body, "/api/v1/plans/{id}/status") != NULL);
    CHECK(strstr(r.body, "/api/v1/suggestions/{id}/actions/{action}") != NULL);
    eg_hc_free(&r);
    teardown(&srv);
}
