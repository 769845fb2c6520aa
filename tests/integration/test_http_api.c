/*
 * test_http_api.c: the HTTP API of issue 3 §3 against the real `envgov serve` on a loopback
 * port with a temporary database: login/logout/me, every error status with the
 * {"error":{"code","message"}} envelope (400 malformed / truncated JSON, wrong types, unknown
 * fields; 401; 403; 404; 409 duplicate codes; 413 over the body limit; 422 invalid credit code),
 * nothing half-written after a rejected request, hostile strings stored and returned intact,
 * paging, CSV/XLSX exports, the OpenAPI document, /metrics, the access log, and the settings of
 * `envgov serve` (--help, config file vs flag, graceful stop).
 */
#include "base/base.h"
#include "integration/http_client.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_hf fx;
static struct eg_hs srv;

static void setup(void)
{
    char db[600];
    snprintf(db, sizeof db, "%s/api.db", eg_test_tmpdir());
    REQUIRE(eg_hf_build(db, &fx) == 0);
    const char *extra[] = {"--body-limit", "8192", NULL};
    REQUIRE(eg_hs_start(&srv, db, extra) == 0);
}

static int call(const char *token, const char *method, const char *path, const char *body,
                json_t **out)
{
    struct eg_hc_resp r;
    int rc = eg_hc_request(srv.port, method, path, token, NULL, body, body ? strlen(body) : 0, &r);
    int st = rc ? -1 : r.status;
    if (out)
        *out = eg_hc_json(&r);
    eg_hc_free(&r);
    return st;
}

static const char *code_of(json_t *j)
{
    static char c[64];
    const char *s = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    snprintf(c, sizeof c, "%s", s && m && *m ? s : "(no envelope)");
    return c;
}

static int count_units(const char *tok)
{
    json_t *j = NULL;
    call(tok, "GET", "/api/v1/units?limit=1000", NULL, &j);
    int n = (int)json_array_size(json_object_get(j, "items"));
    json_decref(j);
    return n;
}

TEST(http_api_login_me_logout)
{
    setup();
    json_t *j = NULL;
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/login",
                      "{\"username\":\"street\",\"password\":\"pw-street-123456\"}", &j),
                 200);
    const char *t = json_string_value(json_object_get(j, "token"));
    REQUIRE(t && strlen(t) >= 32);
    char *tok = strdup(t);
    CHECK(json_string_value(json_object_get(j, "expires_at")) != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "user"), "role")), "street");
    json_decref(j);

    CHECK_EQ_INT(call(tok, "GET", "/api/v1/me", NULL, &j), 200);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "user"), "username")), "street");
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "user"), "region")),
              "310115005");
    json_decref(j);
    CHECK_EQ_INT(call(NULL, "GET", "/api/v1/me", NULL, &j), 401);
    CHECK_STR(code_of(j), "login_required");
    json_decref(j);
    CHECK_EQ_INT(call("not-a-token", "GET", "/api/v1/me", NULL, NULL), 401);

    CHECK_EQ_INT(call(tok, "POST", "/api/v1/logout", NULL, NULL), 204);
    CHECK_EQ_INT(call(tok, "GET", "/api/v1/me", NULL, NULL), 401);
    CHECK_EQ_INT(call(tok, "POST", "/api/v1/logout", NULL, NULL), 401);

    /* a user disabled through the API loses its session at once (the workers' token caches
       are emptied by any write) */
    char *stw = eg_hc_login(srv.port, "steward", "pw-steward-123456");
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    REQUIRE(stw && adm);
    for (int i = 0; i < 4; i++) /* warm both workers' caches */
        CHECK_EQ_INT(call(stw, "GET", "/api/v1/me", NULL, NULL), 200);
    char upath[64], ubody[] = "{\"disabled\":true}";
    snprintf(upath, sizeof upath, "/api/v1/users/%lld", fx.steward_uid);
    CHECK_EQ_INT(call(adm, "PATCH", upath, ubody, NULL), 200);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(call(stw, "GET", "/api/v1/me", NULL, NULL), 401);
    free(stw);
    free(adm);

    /* bad logins: same answer for a wrong user and a wrong password */
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/login",
                      "{\"username\":\"street\",\"password\":\"wrong-password\"}", &j),
                 401);
    json_decref(j);
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/login",
                      "{\"username\":\"nobody\",\"password\":\"wrong-password\"}", &j),
                 401);
    json_decref(j);
    CHECK_EQ_INT(
        call(NULL, "POST", "/api/v1/login", "{\"username\":\"street\",\"password\":1}", &j), 400);
    CHECK_STR(code_of(j), "bad_type");
    json_decref(j);
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/login",
                      "{\"username\":\"street\",\"password\":\"x\",\"admin\":true}", &j),
                 400);
    CHECK_STR(code_of(j), "unknown_field");
    json_decref(j);
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/login", "{\"username\":", &j), 400);
    CHECK_STR(code_of(j), "bad_json");
    json_decref(j);
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/login", "{\"username\":\"street\"}", NULL), 422);

    /* the access log: one line per request, never a password or a token */
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
    char *log = eg_test_read_file(srv.log, NULL);
    REQUIRE(log);
    CHECK(strstr(log, "POST /api/v1/login 200") != NULL);
    CHECK(strstr(log, "GET /api/v1/me 401") != NULL);
    CHECK(strstr(log, "127.0.0.1 street") != NULL); /* who, by name */
    CHECK(strstr(log, "pw-street-123456") == NULL);
    CHECK(strstr(log, "wrong-password") == NULL);
    CHECK(strstr(log, tok) == NULL);
    CHECK(strstr(log, "not-a-token") == NULL);
    free(log);
    free(tok);
}

TEST(http_api_error_statuses_and_nothing_half_written)
{
    setup();
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    char *ent = eg_hc_login(srv.port, "enterprise", "pw-enterprise-123456");
    REQUIRE(adm && ent);
    int before = count_units(adm);
    json_t *j = NULL;
    char cc_bad[19], cc_dup[19], body[512];
    eg_hf_credit_code("91310115MA1K3YJ5X", cc_dup); /* E1's */
    snprintf(cc_bad, sizeof cc_bad, "%s", cc_dup);
    cc_bad[17] = cc_bad[17] == '0' ? '1' : '0'; /* wrong check character */

    static const struct {
        const char *body;
        int status;
        const char *code;
    } cases[] = {
        {"{\"name\":\"半截", 400, "bad_json"},                   /* truncated */
        {"{\"name\":\"x\",}", 400, "bad_json"},                  /* malformed */
        {"{\"name\":\"x\" \"kind\":\"park\"}", 400, "bad_json"}, /* malformed */
        {"[\"name\"]", 400, "not_object"},                       /* not an object */
        {"{\"name\":5,\"kind\":\"park\"}", 400, "bad_type"},     /* wrong type */
        {"{\"name\":\"x\",\"kind\":\"park\",\"lon\":\"121\"}", 400, "bad_type"},
        {"{\"name\":\"x\",\"kind\":\"park\",\"key_air\":1}", 400, "bad_type"},
        {"{\"name\":\"x\",\"kind\":\"park\",\"colour\":\"red\"}", 400, "unknown_field"},
        {"{\"id\":7,\"name\":\"x\",\"kind\":\"park\"}", 400, "readonly_field"},
        {"{\"name\":\"x\",\"kind\":\"factory\"}", 422, "kind"},           /* not an enum member */
        {"{\"name\":\"x\",\"kind\":\"enterprise\"}", 422, "credit_code"}, /* required for it */
        {"{\"kind\":\"park\"}", 422, "name"},                             /* required */
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        int st = call(adm, "POST", "/api/v1/units", cases[i].body, &j);
        if (st != cases[i].status || strcmp(code_of(j), cases[i].code))
            eg_test_fail(__FILE__, __LINE__, "case %zu %s: want %d %s, got %d %s", i, cases[i].body,
                         cases[i].status, cases[i].code, st, code_of(j));
        json_decref(j);
    }
    /* 422: the credit code's check character is wrong (GB 32100-2015) */
    snprintf(body, sizeof body,
             "{\"name\":\"虚构公司\",\"kind\":\"enterprise\",\"credit_code\":\"%s\"}", cc_bad);
    CHECK_EQ_INT(call(adm, "POST", "/api/v1/units", body, &j), 422);
    CHECK_STR(code_of(j), "credit_code");
    json_decref(j);
    /* 409: the credit code exists */
    snprintf(body, sizeof body,
             "{\"name\":\"虚构公司\",\"kind\":\"enterprise\",\"credit_code\":\"%s\"}", cc_dup);
    CHECK_EQ_INT(call(adm, "POST", "/api/v1/units", body, &j), 409);
    CHECK_STR(code_of(j), "duplicate");
    /* the message names the field and value that exist, not the SQL that failed */
    char want[128];
    snprintf(want, sizeof want, "credit_code %s already exists", cc_dup);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "error"), "message")), want);
    json_decref(j);
    /* 409: a duplicate station code, a duplicate outlet code within a unit */
    CHECK_EQ_INT(call(adm, "POST", "/api/v1/stations",
                      "{\"code\":\"SH-PD-AIR-01\",\"name\":\"重复\",\"kind\":\"air\"}", &j),
                 409);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
              "code SH-PD-AIR-01 already exists");
    json_decref(j);
    snprintf(body, sizeof body, "{\"unit_id\":%lld,\"code\":\"DA001\",\"type\":\"waste_gas\"}",
             fx.e1);
    CHECK_EQ_INT(call(adm, "POST", "/api/v1/outlets", body, NULL), 409);
    /* 401 / 403 */
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/units", "{\"name\":\"x\",\"kind\":\"park\"}", &j),
                 401);
    CHECK_STR(code_of(j), "login_required");
    json_decref(j);
    CHECK_EQ_INT(call(ent, "POST", "/api/v1/units", "{\"name\":\"x\",\"kind\":\"park\"}", &j), 403);
    CHECK_STR(code_of(j), "forbidden");
    json_decref(j);
    /* 404 */
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units/999999", NULL, &j), 404);
    CHECK_STR(code_of(j), "not_found");
    json_decref(j);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units/abc", NULL, NULL), 404);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units/-1", NULL, NULL), 404);
    CHECK_EQ_INT(call(adm, "DELETE", "/api/v1/units/999999", NULL, NULL), 404);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/nonsense", NULL, NULL), 404);
    /* 413: over --body-limit 8192 */
    size_t big = 20000;
    char *huge = malloc(big + 64);
    int n = snprintf(huge, 64, "{\"name\":\"");
    memset(huge + n, 'x', big);
    snprintf(huge + n + big, 64, "\",\"kind\":\"park\"}");
    CHECK_EQ_INT(call(adm, "POST", "/api/v1/units", huge, &j), 413);
    CHECK_STR(code_of(j), "body_too_large");
    json_decref(j);
    free(huge);
    /* list parameters */
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units?limit=0", NULL, NULL), 400);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units?limit=abc", NULL, NULL), 400);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units?cursor=garbage", NULL, NULL), 400);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units?colour=red", NULL, &j), 400);
    CHECK_STR(code_of(j), "unknown_filter");
    json_decref(j);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units?sort=password", NULL, NULL), 400);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units?region_id=abc", NULL, &j), 400);
    CHECK_STR(code_of(j), "bad_filter");
    json_decref(j);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units?q=%FF%FE", NULL, NULL), 400);
    /* PATCH: wrong type, unknown field, bad value: and the row is unchanged */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/units/%lld", fx.e1);
    CHECK_EQ_INT(call(adm, "PATCH", path, "{\"name\":null,\"kind\":7}", NULL), 400);
    CHECK_EQ_INT(call(adm, "PATCH", path, "{\"nickname\":\"x\"}", NULL), 400);
    snprintf(body, sizeof body, "{\"name\":\"改了\",\"credit_code\":\"%s\"}", cc_bad);
    CHECK_EQ_INT(call(adm, "PATCH", path, body, NULL), 422);
    CHECK_EQ_INT(call(adm, "GET", path, NULL, &j), 200);
    CHECK_STR(json_string_value(json_object_get(j, "name")), "虚构精细化工有限公司");
    CHECK_STR(json_string_value(json_object_get(j, "credit_code")), cc_dup);
    json_decref(j);
    /* nothing half-written by any of the rejected requests */
    CHECK_EQ_INT(count_units(adm), before);
    free(adm);
    free(ent);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

TEST(http_api_hostile_strings_stored_and_returned_intact)
{
    setup();
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    REQUIRE(adm);
    static const char *const hostile[] = {
        "O'Brien \"quoted\" 公司",        "100% 纯 _%_ like\\escape",
        "'); DROP TABLE units; --",       "Robert'); DELETE FROM users WHERE ('1'='1",
        "𠀀𠀁 4-byte 😀🏭 CJK ext B",       "tab\there\nnewline\r\n",
        "<script>alert(1)</script>&amp;", "=cmd|' /C calc'!A0",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(hostile); i++) {
        json_t *in = json_pack("{s:s,s:s,s:s}", "name", hostile[i], "kind", "building", "address",
                               hostile[i]);
        char *body = json_dumps(in, JSON_COMPACT);
        json_t *made = NULL, *got = NULL;
        REQUIRE(call(adm, "POST", "/api/v1/units", body, &made) == 201);
        char path[64];
        snprintf(path, sizeof path, "/api/v1/units/%lld",
                 (long long)json_integer_value(json_object_get(made, "id")));
        CHECK_EQ_INT(call(adm, "GET", path, NULL, &got), 200);
        CHECK_STR(json_string_value(json_object_get(got, "name")), hostile[i]);
        CHECK_STR(json_string_value(json_object_get(got, "address")), hostile[i]);
        json_decref(made);
        json_decref(got);
        json_decref(in);
        free(body);
    }
    /* a NUL inside a string (\u0000): kept verbatim, or refused whole — never cut short */
    json_t *got = NULL;
    int st = call(adm, "POST", "/api/v1/units",
                  "{\"name\":\"before\\u0000after\",\"kind\":\"building\"}", &got);
    CHECK(st == 201 || st == 400 || st == 422);
    if (st == 201) {
        json_t *name = json_object_get(got, "name");
        CHECK_EQ_INT(json_string_length(name), 12);
    }
    json_decref(got);
    /* search finds Chinese substrings and treats % and _ literally */
    json_t *page = NULL;
    CHECK_EQ_INT(
        call(adm, "GET", "/api/v1/units?q=%E7%B2%BE%E7%BB%86%E5%8C%96%E5%B7%A5", NULL, &page),
        200); /* 精细化工 */
    CHECK_EQ_INT(json_array_size(json_object_get(page, "items")), 1);
    json_decref(page);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/units?q=_%25_", NULL, &page), 200); /* "_%_" */
    CHECK_EQ_INT(json_array_size(json_object_get(page, "items")), 1);
    json_decref(page);
    /* the registry is still whole after the SQL fragments */
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/users", NULL, &page), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(page, "items")), 5);
    json_decref(page);
    free(adm);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

TEST(http_api_paging_exports_openapi_metrics)
{
    setup();
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    REQUIRE(adm);
    /* paging: limit 3 over every unit, following next_cursor, sorted by name descending */
    int total = count_units(adm), seen = 0, pages = 0;
    char path[512];
    snprintf(path, sizeof path, "/api/v1/units?limit=3&sort=-name");
    for (;;) {
        json_t *j = NULL;
        REQUIRE(call(adm, "GET", path, NULL, &j) == 200);
        seen += (int)json_array_size(json_object_get(j, "items"));
        pages++;
        const char *next = json_string_value(json_object_get(j, "next_cursor"));
        if (!next) {
            json_decref(j);
            break;
        }
        REQUIRE(strlen(next) < 300);
        snprintf(path, sizeof path, "/api/v1/units?limit=3&sort=-name&cursor=%s", next);
        json_decref(j);
        REQUIRE(pages < 100);
    }
    CHECK_EQ_INT(seen, total);
    CHECK_EQ_INT(pages, (total + 2) / 3); /* no empty last page */

    /* CSV: BOM, Chinese headers, Chinese enum labels, every row (no limit) */
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(srv.port, "GET", "/api/v1/units?format=csv", adm, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK(!memcmp(r.body,
                  "\xEF\xBB\xBF"
                  "ID,单位名称,单位类型,统一社会信用代码",
                  strlen("\xEF\xBB\xBF"
                         "ID,单位名称,单位类型,统一社会信用代码")));
    CHECK(strstr(r.body, "虚构精细化工有限公司,排污单位,") != NULL);
    int lines = 0;
    for (size_t i = 0; i < r.body_len; i++)
        lines += r.body[i] == '\n';
    CHECK_EQ_INT(lines, total + 1);
    CHECK(strstr(eg_hc_header(&r, "Content-Disposition"), "units.csv") != NULL);
    eg_hc_free(&r);
    /* XLSX: a zip (PK), served as a spreadsheet */
    REQUIRE(!eg_hc_request(srv.port, "GET", "/api/v1/outlets?format=xlsx", adm, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body_len > 2000 && !memcmp(r.body, "PK\x03\x04", 4));
    CHECK(strstr(eg_hc_header(&r, "Content-Type"), "spreadsheetml") != NULL);
    eg_hc_free(&r);
    /* an export obeys scope: anonymous gets only the public enterprise */
    REQUIRE(!eg_hc_request(srv.port, "GET", "/api/v1/units?format=csv&kind=enterprise", NULL, NULL,
                           NULL, 0, &r));
    CHECK(strstr(r.body, "虚构电镀科技有限公司") != NULL);
    CHECK(strstr(r.body, "虚构精细化工有限公司") == NULL);
    eg_hc_free(&r);

    /* OpenAPI: every route of every resource, each with responses */
    json_t *doc = NULL;
    REQUIRE(call(NULL, "GET", "/api/v1/openapi.json", NULL, &doc) == 200);
    CHECK_STR(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
    json_t *paths = json_object_get(doc, "paths");
    const char *res[] = {"regions",  "units",   "outlets", "permits",           "permit_limits",
                         "stations", "devices", "users",   "steward_contracts", "audit"};
    for (size_t i = 0; i < EG_ARRAY_LEN(res); i++) {
        char coll[96], item[112];
        snprintf(coll, sizeof coll, "/api/v1/%s", res[i]);
        snprintf(item, sizeof item, "/api/v1/%s/{id}", res[i]);
        json_t *c = json_object_get(paths, coll), *it = json_object_get(paths, item);
        CHECK(json_object_get(c, "get") && json_object_get(c, "post"));
        CHECK(json_object_get(it, "get") && json_object_get(it, "patch") &&
              json_object_get(it, "put") && json_object_get(it, "delete"));
        CHECK(json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
                              res[i]) != NULL);
    }
    const char *other[] = {"/api/v1/login", "/api/v1/logout", "/api/v1/me",
                           "/healthz",      "/metrics",       "/api/v1/openapi.json"};
    for (size_t i = 0; i < EG_ARRAY_LEN(other); i++)
        CHECK(json_object_get(paths, other[i]) != NULL);
    const char *p;
    json_t *item, *seen_ids = json_object();
    int ops = 0;
    json_object_foreach(paths, p, item)
    {
        const char *m;
        json_t *op;
        json_object_foreach(item, m, op)
        {
            ops++;
            CHECK(json_object_size(json_object_get(op, "responses")) >= 2);
            CHECK(json_string_length(json_object_get(op, "summary")) > 0);
            /* every {placeholder} of the path is a declared path parameter */
            int placeholders = 0, declared = 0;
            for (const char *c = p; *c; c++)
                placeholders += *c == '{';
            size_t k;
            json_t *prm;
            json_array_foreach(json_object_get(op, "parameters"), k, prm) declared +=
                !strcmp(json_string_value(json_object_get(prm, "in")), "path");
            CHECK_EQ_INT(declared, placeholders);
            /* operationIds are unique */
            const char *id = json_string_value(json_object_get(op, "operationId"));
            REQUIRE(id);
            CHECK(!json_object_get(seen_ids, id));
            json_object_set_new(seen_ids, id, json_true());
        }
    }
    CHECK(ops >= 10 * 6 + 6);
    json_decref(seen_ids);
    /* the credit code field carries its Chinese label */
    json_t *cc = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
                            "units"),
            "properties"),
        "credit_code");
    CHECK_STR(json_string_value(json_object_get(cc, "x-label-zh")), "统一社会信用代码");
    json_decref(doc);

    /* /metrics: Prometheus text; request counts by route and status */
    REQUIRE(!eg_hc_request(srv.port, "GET", "/metrics", NULL, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(eg_hc_header(&r, "Content-Type"), "text/plain; version=0.0.4") != NULL);
    CHECK(strstr(r.body, "# TYPE envgov_http_requests_total counter") != NULL);
    CHECK(strstr(
        r.body,
        "envgov_http_requests_total{route=\"/api/v1/units\",method=\"GET\",status=\"200\"}"));
    CHECK(strstr(
        r.body,
        "envgov_http_requests_total{route=\"/api/v1/login\",method=\"POST\",status=\"200\"} 1\n"));
    CHECK(strstr(r.body, "# TYPE envgov_http_request_duration_seconds histogram") != NULL);
    /* every line: a comment, or name{labels} value */
    for (char *line = r.body; *line;) {
        char *e = strchr(line, '\n');
        REQUIRE(e);
        *e = '\0';
        if (line[0] != '#') {
            char *sp = strrchr(line, ' ');
            REQUIRE(sp);
            char *end;
            strtod(sp + 1, &end);
            CHECK(*end == '\0');
            CHECK((line[0] >= 'a' && line[0] <= 'z') || line[0] == '_');
        }
        line = e + 1;
    }
    eg_hc_free(&r);
    free(adm);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

TEST(http_api_serve_settings_help_config_file_and_flags)
{
    char *out = NULL, *err = NULL;
    const char *help[] = {"serve", "--help", NULL};
    CHECK_EQ_INT(eg_test_run(help, NULL, 0, &out, &err), 0);
    const char *want[] = {"--db",        "EG_DB",         "[store] db",
                          "--http",      "EG_HTTP",       "[http] listen",
                          "--threads",   "--body-limit",  "EG_HTTP_BODY_LIMIT",
                          "--token-ttl", "EG_TOKEN_TTL",  "--log-level",
                          "--config",    "127.0.0.1:8080"};
    for (size_t i = 0; i < EG_ARRAY_LEN(want); i++)
        if (!strstr(out, want[i]))
            eg_test_fail(__FILE__, __LINE__, "serve --help lacks %s", want[i]);
    free(out);
    free(err);
    const char *bad[] = {"serve", "--bogus", "1", NULL};
    CHECK_EQ_INT(eg_test_run(bad, NULL, 0, &out, &err), 2);
    free(out);
    free(err);
    const char *badaddr[] = {"serve", "--db", ":memory:", "--http", "localhost", NULL};
    CHECK_EQ_INT(eg_test_run(badaddr, NULL, 0, &out, &err), 2);
    free(out);
    free(err);

    /* the file says one port, the flag another: the flag wins; the file's body limit holds */
    char ini[600], db[600];
    snprintf(ini, sizeof ini, "%s/envgov.ini", eg_test_tmpdir());
    snprintf(db, sizeof db, "%s/cfg.db", eg_test_tmpdir());
    FILE *f = fopen(ini, "w");
    REQUIRE(f);
    fprintf(f, "[http]\nlisten = 127.0.0.1:1\nbody_limit = 2048\n[log]\nlevel = warn\n");
    fclose(f);
    const char *extra[] = {"--config", ini, "--timeout", "1", NULL};
    REQUIRE(eg_hs_start(&srv, db, extra) == 0);
    char body[4096];
    memset(body, ' ', sizeof body);
    body[sizeof body - 1] = '\0';
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/login", body, NULL), 413);
    /* a client that stalls mid-request (slowloris) is cut off after the timeout */
    uint64_t t0 = eg_nanos();
    struct eg_hc_resp r;
    const char *partial = "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{";
    eg_hc_raw(srv.port, partial, strlen(partial), 0, &r);
    double waited = (double)(eg_nanos() - t0) / 1e9;
    CHECK(waited >= 0.9 && waited < 5);
    CHECK(r.status == 0 || r.status >= 400);
    eg_hc_free(&r);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
    char *log = eg_test_read_file(srv.log, NULL);
    char addr[64];
    snprintf(addr, sizeof addr, "listening on http://127.0.0.1:%d/", srv.port);
    CHECK(log && strstr(log, addr));
    CHECK(log && !strstr(log, "POST /api/v1/login")); /* level warn: no access lines */
    free(log);
}

/* Issue 3 §5: the upload endpoint — Chinese headers and labels, UTF-8 with BOM, all or
   nothing with every rejected row reported by line, dry run, scope. */
TEST(http_api_import_csv_upload_all_or_nothing)
{
    setup();
    char *adm = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    char *ent = eg_hc_login(srv.port, "enterprise", "pw-enterprise-123456");
    REQUIRE(adm && ent);
    const char *good = "\xEF\xBB\xBF站点编码,站点名称,站点类型,所属区域,公开\r\n"
                       "PD-N-01,张江噪声站,噪声,310115005,是\r\n"
                       "PD-W-01,川杨河断面,地表水,310115125,否\r\n";
    const char *bad = "code,name,kind,region_id\n"
                      "PD-A-01,好的一行,air,310115005\n"
                      "PD-A-02,坏的类型,smoke,310115005\n"
                      "PD-A-03,没有的区域,air,999999\n";
    json_t *j = NULL;
    struct eg_hc_resp r;
    /* dry run: checked, not written */
    REQUIRE(!eg_hc_request(srv.port, "POST", "/api/v1/import/stations?dry_run=1", adm,
                           "Content-Type: text/csv\r\n", good, strlen(good), &r));
    CHECK_EQ_INT(r.status, 200);
    j = eg_hc_json(&r);
    json_t *rep = json_object_get(j, "report");
    CHECK_EQ_INT(json_integer_value(json_object_get(rep, "accepted")), 2);
    CHECK(json_is_false(json_object_get(rep, "written")));
    CHECK_STR(json_string_value(json_object_get(rep, "encoding")), "utf-8-bom");
    json_decref(j);
    eg_hc_free(&r);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/stations?code=PD-N-01", NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    /* rejected rows: 422, each with its line; nothing written, not even the good row */
    REQUIRE(!eg_hc_request(srv.port, "POST", "/api/v1/import/stations", adm, NULL, bad, strlen(bad),
                           &r));
    CHECK_EQ_INT(r.status, 422);
    j = eg_hc_json(&r);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
              "rows_rejected");
    json_t *errs = json_object_get(json_object_get(j, "report"), "errors");
    CHECK_EQ_INT(json_array_size(errs), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(errs, 0), "line")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(errs, 1), "line")), 4);
    json_decref(j);
    eg_hc_free(&r);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/stations?code=PD-A-01", NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    /* for real */
    REQUIRE(!eg_hc_request(srv.port, "POST", "/api/v1/import/stations", adm, NULL, good,
                           strlen(good), &r));
    CHECK_EQ_INT(r.status, 200);
    eg_hc_free(&r);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/stations?code=PD-N-01", NULL, &j), 200);
    CHECK_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "kind")),
        "noise");
    json_decref(j);
    /* GBK (GB 18030), as Excel writes CSV on a Chinese Windows machine */
    const char *gbk =
        "\xd5\xbe\xb5\xe3\xb1\xe0\xc2\xeb,\xd5\xbe\xb5\xe3\xc3\xfb\xb3\xc6,"
        "\xd5\xbe\xb5\xe3\xc0\xe0\xd0\xcd,\xcb\xf9\xca\xf4\xc7\xf8\xd3\xf2\r\n"
        "PD-G-01,\xd5\xc5\xbd\xad\xd4\xeb\xc9\xf9\xd5\xbe,\xd4\xeb\xc9\xf9,310115005\r\n";
    REQUIRE(!eg_hc_request(srv.port, "POST", "/api/v1/import/stations", adm, NULL, gbk, strlen(gbk),
                           &r));
    CHECK_EQ_INT(r.status, 200);
    eg_hc_free(&r);
    CHECK_EQ_INT(call(adm, "GET", "/api/v1/stations?code=PD-G-01", NULL, &j), 200);
    CHECK_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "name")),
        "张江噪声站");
    json_decref(j);
    /* anonymous: 401; an enterprise user may not create stations: rows rejected or 403 */
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/import/stations", good, NULL), 401);
    int st = call(ent, "POST", "/api/v1/import/stations", good, NULL);
    CHECK(st == 403 || st == 422);
    /* not CSV at all, and empty */
    CHECK(call(adm, "POST", "/api/v1/import/stations", "\x01\x02\x03", NULL) >= 400);
    CHECK_EQ_INT(call(adm, "POST", "/api/v1/import/stations", "", NULL), 400);
    free(adm);
    free(ent);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

/* Issue 3 §4: failed logins are rate limited (429) — after the limit even the right password
   is refused for that user from that address. */
TEST(http_api_failed_logins_rate_limited_429)
{
    setup();
    int got429 = 0;
    for (int i = 0; i < 8 && !got429; i++) {
        json_t *j = NULL;
        int st = call(NULL, "POST", "/api/v1/login",
                      "{\"username\":\"bureau\",\"password\":\"guess-guess-guess\"}", &j);
        CHECK(st == 401 || st == 429);
        got429 = st == 429;
        json_decref(j);
    }
    CHECK(got429);
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/login",
                      "{\"username\":\"bureau\",\"password\":\"pw-bureau-123456\"}", NULL),
                 429);
    /* another user is not locked out by it */
    CHECK_EQ_INT(call(NULL, "POST", "/api/v1/login",
                      "{\"username\":\"admin\",\"password\":\"pw-admin-123456\"}", NULL),
                 200);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

/* `envgov demo` then `envgov serve`: the logins it prints work over HTTP and the district is
   there (issue 3 §8). */
TEST(http_api_demo_database_logins_work)
{
    char db[600];
    snprintf(db, sizeof db, "%s/demo.db", eg_test_tmpdir());
    const char *demo[] = {"demo", "--db", db, "--history-days", "0", NULL};
    char *out = NULL, *err = NULL;
    REQUIRE(eg_test_run(demo, NULL, 0, &out, &err) == 0);
    /* "  bureau      bureau     PASSWORD" */
    char pw[128] = {0};
    const char *line = strstr(out, "\n  bureau ");
    REQUIRE(line);
    REQUIRE(sscanf(line, " bureau bureau %127s", pw) == 1);
    free(out);
    free(err);
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    char *tok = eg_hc_login(srv.port, "bureau", pw);
    REQUIRE(tok);
    json_t *j = NULL;
    CHECK_EQ_INT(call(tok, "GET", "/api/v1/units?kind=enterprise&limit=1000", NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 300);
    json_decref(j);
    free(tok);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}
