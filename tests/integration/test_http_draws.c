/* Random inspections over the real `envgov serve` (issue 13 item 3; docs/draws.md): a draw made
   by a bureau officer is secret until its inspection date for every role but admin and that
   officer (404, as for an unknown run), then seen by the bureau, a street for its region and an
   enterprise for its own item; results are published to the public; the published draw
   re-checks from its seed and pools; malformed, wrong-type, oversized and hostile bodies answer
   400 with the field named; the registers are the bureau's (403 for other roles). */
#include "auth/auth.h"
#include "db/db.h"
#include "govern/govern.h"
#include "integration/http_client.h"
#include "registry/registry.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_hs srv;

static int call(const char *token, const char *method, const char *path, const char *body,
                json_t **out)
{
    struct eg_hc_resp r;
    int rc = eg_hc_request(srv.port, method, path, token, NULL, body, body ? strlen(body) : 0, &r);
    if (rc) {
        if (out)
            *out = NULL;
        return -1;
    }
    if (out)
        *out = eg_hc_json(&r);
    int st = r.status;
    eg_hc_free(&r);
    return st;
}

static void day(char out[16], int days)
{
    char t[32];
    eg_time_format_beijing(eg_time_now() + (int64_t)days * 86400, t, sizeof t);
    memcpy(out, t, 10);
    out[10] = 0;
}

static const char *code_of(json_t *j)
{
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    return c ? c : "";
}

TEST(http_draws_secret_until_date_per_role_results_public_and_bad_input)
{
    char db[600];
    snprintf(db, sizeof db, "%s/draws.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    struct eg_db *st;
    struct eg_err err = {0};
    REQUIRE(eg_db_open(db, &st, &err) == 0);
    REQUIRE(eg_registry_user_add(st, "bureau2", "bureau", NULL, 0, "pw-bureau2-123456", &err) == 0);
    /* inspectors: admin, bureau, street and bureau2 (user ids from the fixture's order) */
    const struct eg_principal sys = eg_principal_system;
    int64_t uid[4], iid;
    const char *names[] = {"admin", "bureau", "street", "bureau2"};
    for (int i = 0; i < 4; i++) {
        REQUIRE(eg_db_query_int(st, "SELECT id FROM users WHERE username = ?2", 0, names[i],
                                &uid[i], &(int){0}, &err) == 0);
        char cert[32];
        snprintf(cert, sizeof cert, "沪执%d", i + 1);
        REQUIRE(eg_draw_inspector_add(st, &sys, uid[i], cert, "执法大队", &iid, &err) == 0);
    }
    eg_db_close(st);
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    char *admin = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    char *bureau = eg_hc_login(srv.port, "bureau", "pw-bureau-123456");
    char *bureau2 = eg_hc_login(srv.port, "bureau2", "pw-bureau2-123456");
    char *street = eg_hc_login(srv.port, "street", "pw-street-123456");
    char *ent = eg_hc_login(srv.port, "enterprise", "pw-enterprise-123456");
    char *stew = eg_hc_login(srv.port, "steward", "pw-steward-123456");
    REQUIRE(admin && bureau && bureau2 && street && ent && stew);
    json_t *j = NULL;
    /* the matters list is public */
    CHECK_EQ_INT(call(NULL, "GET", "/api/v1/draws/matters", NULL, &j), 200);
    CHECK_EQ_INT((int)json_array_size(json_object_get(j, "items")), 5);
    json_decref(j);
    /* a secret run */
    char fut[16], now[16], body[400], path[200];
    day(fut, 30);
    day(now, 0);
    snprintf(body, sizeof body,
             "{\"title\":\"2026年第四季度双随机抽查\",\"inspect_on\":\"%s\",\"seed\":\"s-1\"}",
             fut);
    CHECK_EQ_INT(call(street, "POST", "/api/v1/draws/runs", body, NULL), 403);
    CHECK_EQ_INT(call(bureau, "POST", "/api/v1/draws/runs", body, &j), 201);
    long long run = (long long)json_integer_value(json_object_get(j, "id"));
    CHECK(json_array_size(json_object_get(j, "items")) > 0);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/draws/runs/%lld", run);
    CHECK_EQ_INT(call(bureau, "GET", path, NULL, NULL), 200);
    CHECK_EQ_INT(call(admin, "GET", path, NULL, NULL), 200);
    CHECK_EQ_INT(call(bureau2, "GET", path, NULL, &j), 404);
    CHECK_STR(code_of(j), "not_found");
    json_decref(j);
    CHECK_EQ_INT(call(street, "GET", path, NULL, NULL), 404);
    CHECK_EQ_INT(call(ent, "GET", path, NULL, NULL), 404);
    CHECK_EQ_INT(call(stew, "GET", path, NULL, NULL), 404);
    CHECK_EQ_INT(call(NULL, "GET", path, NULL, NULL), 401);
    CHECK_EQ_INT(call(bureau2, "GET", "/api/v1/draws/runs/999", NULL, NULL), 404);
    snprintf(path, sizeof path, "/api/v1/draws/runs/%lld/document", run);
    CHECK_EQ_INT(call(NULL, "GET", path, NULL, NULL), 404);
    CHECK_EQ_INT(call(bureau, "GET", path, NULL, NULL), 200);
    /* a run of today: seen by all staff, the street its region's items, the enterprise its own */
    snprintf(body, sizeof body, "{\"title\":\"今日抽查\",\"inspect_on\":\"%s\",\"seed\":\"s-2\"}",
             now);
    CHECK_EQ_INT(call(bureau, "POST", "/api/v1/draws/runs", body, &j), 201);
    long long run2 = (long long)json_integer_value(json_object_get(j, "id"));
    long long item = (long long)json_integer_value(
        json_object_get(json_array_get(json_object_get(j, "items"), 0), "id"));
    size_t all = json_array_size(json_object_get(j, "items"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/draws/runs/%lld", run2);
    CHECK_EQ_INT(call(bureau2, "GET", path, NULL, &j), 200);
    CHECK_EQ_INT((int)json_array_size(json_object_get(j, "items")), (int)all);
    json_decref(j);
    CHECK_EQ_INT(call(ent, "GET", path, NULL, &j), 200);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(j, "items"), i, it)
        CHECK_EQ_INT((int)json_integer_value(json_object_get(it, "unit_id")), (int)fx.e1);
    json_decref(j);
    CHECK_EQ_INT(call(street, "GET", path, NULL, &j), 200);
    json_array_foreach(json_object_get(j, "items"), i, it)
        CHECK((long long)json_integer_value(json_object_get(it, "unit_id")) != fx.e2);
    json_decref(j);
    CHECK_EQ_INT(call(stew, "GET", path, NULL, NULL), 404);
    /* anyone verifies the published draw */
    snprintf(path, sizeof path, "/api/v1/draws/runs/%lld/verify", run2);
    CHECK_EQ_INT(call(NULL, "GET", path, NULL, &j), 200);
    CHECK(json_is_true(json_object_get(j, "ok")));
    json_decref(j);
    /* a result, published at once */
    snprintf(path, sizeof path, "/api/v1/draws/items/%lld/result", item);
    CHECK_EQ_INT(call(ent, "POST", path, "{\"outcome\":\"not_found\",\"finding\":\"x\"}", NULL),
                 403);
    CHECK_EQ_INT(call(bureau, "POST", path, "{\"outcome\":\"not_found\"}", &j), 422);
    CHECK(strstr(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
                 "finding"));
    json_decref(j);
    CHECK_EQ_INT(call(bureau, "POST", path,
                      "{\"outcome\":\"not_found\",\"finding\":\"现场检查未发现环境违法行为\"}",
                      NULL),
                 201);
    CHECK_EQ_INT(call(bureau, "POST", path, "{\"outcome\":\"found\",\"finding\":\"x\"}", NULL),
                 409);
    CHECK_EQ_INT(call(NULL, "GET", "/api/v1/draws/results", NULL, &j), 200);
    CHECK_EQ_INT((int)json_array_size(json_object_get(j, "items")), 1);
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(j, "items"), 0), "outcome_zh")),
              "未发现问题");
    json_decref(j);
    /* bad input: not JSON, wrong types, oversized, unknown fields, bad dates */
    static const char *const bad[] = {
        "not json",
        "{\"title\":5,\"inspect_on\":\"2099-01-01\"}",
        "{\"title\":\"t\",\"inspect_on\":\"2099-13-45\"}",
        "{\"title\":\"t\",\"inspect_on\":\"2099-01-01\",\"drop\":\"table\"}",
        "{\"title\":\"t\",\"inspect_on\":\"2099-01-01\",\"team_size\":\"2\"}",
        "{\"title\":\"t\",\"inspect_on\":\"2099-01-01\",\"triggers\":{}}",
        "{\"title\":\"t\",\"inspect_on\":\"2099-01-01\",\"seed\":\"\"}",
        "[1,2]",
    };
    for (size_t k = 0; k < EG_ARRAY_LEN(bad); k++) {
        int s = call(bureau, "POST", "/api/v1/draws/runs", bad[k], NULL);
        if (s != 400 && s != 422) /* 400 unreadable or unknown field, 422 a field's value */
            eg_test_fail(__FILE__, __LINE__, "%s -> %d, want 400 or 422", bad[k], s);
    }
    char *big = malloc(5000);
    memset(big, 'x', 4999);
    big[4999] = 0;
    char *bb = malloc(5200);
    snprintf(bb, 5200, "{\"title\":\"%s\",\"inspect_on\":\"2099-01-01\"}", big);
    CHECK_EQ_INT(call(bureau, "POST", "/api/v1/draws/runs", bb, NULL), 422);
    free(big);
    free(bb);
    /* registers: the bureau's */
    CHECK_EQ_INT(call(street, "GET", "/api/v1/draws/pool", NULL, NULL), 403);
    CHECK_EQ_INT(call(bureau, "GET", "/api/v1/draws/pool", NULL, &j), 200);
    CHECK_EQ_INT((int)json_array_size(json_object_get(j, "inspectors")), 4);
    json_decref(j);
    CHECK_EQ_INT(call(ent, "GET", "/api/v1/draws/inspectors", NULL, NULL), 403);
    CHECK_EQ_INT(call(stew, "GET", "/api/v1/draws/agencies", NULL, NULL), 403);
    CHECK_EQ_INT(call(street, "POST", "/api/v1/draws/inspectors",
                      "{\"user_id\":1,\"cert_no\":\"a\",\"org\":\"b\"}", NULL),
                 403);
    CHECK_EQ_INT(call(bureau, "POST", "/api/v1/draws/inspectors",
                      "{\"user_id\":\"1\",\"cert_no\":\"a\",\"org\":\"b\"}", NULL),
                 422);
    snprintf(body, sizeof body, "{\"unit_id\":%lld,\"category\":\"vip\",\"reason\":\"x\"}", fx.e1);
    CHECK_EQ_INT(call(bureau, "POST", "/api/v1/draws/overrides", body, &j), 422);
    CHECK_STR(code_of(j), "unknown_category");
    json_decref(j);
    CHECK_EQ_INT(call(bureau, "POST", "/api/v1/draws/runs?x=1", "{}", NULL), 400);
    free(admin);
    free(bureau);
    free(bureau2);
    free(street);
    free(ent);
    free(stew);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}
