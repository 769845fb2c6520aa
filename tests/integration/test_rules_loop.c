/*
 * test_rules_loop.c: the loop over the real server (issue 12 item 2-3 tests): `envgov serve
 * --hj212` as a process, the fixture's waste-gas device sends HJ 212 hourly data over TCP whose
 * converted SO2 concentration (a21026-ZsAvg) exceeds its permit limit (50 mg/m3,
 * DB31/933-2015) -> after the acknowledgement an alert with its evidence appears on the API;
 * a second packet of the same hour updates it (one alert while the condition lasts); what
 * each role sees; acknowledging and closing with a reason; hostile inputs to the routes.
 */
#include "http_client.h"
#include "registry/registry.h"
#include "rules/rules.h"
#include "test.h"
#include "test_ingest_util.h"

#include <stdio.h>
#include <stdlib.h>

static struct eg_hx hx;

static int call(const char *tok, const char *method, const char *path, const char *body,
                json_t **out)
{
    struct eg_hc_resp r;
    int rc = eg_hc_request(hx.hs.port, method, path, tok, NULL, body, body ? strlen(body) : 0, &r);
    int st = rc ? -1 : r.status;
    if (out)
        *out = eg_hc_json(&r);
    eg_hc_free(&r);
    return st;
}

static const char *code_of(json_t *j)
{
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    return c ? c : "(none)";
}

static int count_items(const char *tok, const char *path)
{
    json_t *j = NULL;
    int st = call(tok, "GET", path, NULL, &j);
    int n = st == 200 ? (int)json_array_size(json_object_get(j, "items")) : -st;
    json_decref(j);
    return n;
}

static void send_hour(int fd, int64_t hour, const char *zs, int64_t qn)
{
    char f[2048], buf[4096];
    struct eg_hj212_value v[] = {
        {"a21026", "Avg", "60.0"}, {"a21026", "ZsAvg", zs}, {"a21026", "Flag", "N"}};
    size_t n = ti_upload(f, sizeof f, "88888880000001", "123456", 2061, hour, qn, 5, 0, 0, 2017, v,
                         EG_ARRAY_LEN(v));
    ti_send(fd, f, n);
    REQUIRE(ti_wait_for(fd, "CN=9014", 5000, buf, sizeof buf));
}

TEST(rules_loop_hj212_over_tcp_exceeds_limit_alert_with_evidence_roles_and_transitions)
{
    static const char *const users[] = {"bureau", "enterprise", "street", "steward"};
    REQUIRE(eg_hx_start(&hx, "loop.db", EG_HX_HJ212, users, 4, NULL) == 0);
    char *bureau = hx.tok[0], *ent = hx.tok[1], *street = hx.tok[2], *steward = hx.tok[3];
    int dport = hx.hj212_port;

    /* the rules are public reading */
    json_t *j = NULL;
    CHECK_EQ_INT(call(NULL, "GET", "/api/v1/rules", NULL, &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), EG_RULE_COUNT);
    json_decref(j);

    int fd = ti_connect(dport);
    int64_t hour = ti_recent();
    uint64_t t0 = eg_nanos();
    send_hour(fd, hour, "80.0", hour * 1000 + 1);
    uint64_t acked = eg_nanos();
    int n = 0;
    for (int i = 0; i < 200 && n < 1; i++) {
        n = count_items(bureau, "/api/v1/alerts?rule=limit_exceed");
        if (n < 1)
            usleep(50000);
    }
    REQUIRE(n == 1);
    fprintf(stderr, "ack -> alert visible on the API: %.0f ms\n",
            (double)(eg_nanos() - acked) / 1e6);
    (void)t0;
    CHECK_EQ_INT(call(bureau, "GET", "/api/v1/alerts?rule=limit_exceed", NULL, &j), 200);
    json_t *a = json_array_get(json_object_get(j, "items"), 0);
    json_int_t id = json_integer_value(json_object_get(a, "id"));
    json_t *ev = json_object_get(a, "evidence");
    CHECK_EQ_DBL(json_number_value(json_object_get(ev, "value")), 80, 1e-9);
    json_t *lim = json_object_get(ev, "limit");
    CHECK_EQ_DBL(json_number_value(json_object_get(lim, "value")), 50, 0);
    CHECK_STR(json_string_value(json_object_get(lim, "permit")), "91310115XX001V");
    CHECK_STR(json_string_value(json_object_get(lim, "standard")), "DB31/933-2015");
    CHECK_STR(json_string_value(json_object_get(ev, "field")), "ZsAvg");
    CHECK_STR(json_string_value(json_object_get(ev, "outlet")), "DA001");
    CHECK_STR(json_string_value(json_object_get(a, "state")), "open");
    CHECK_STR(json_string_value(json_object_get(a, "rule_zh")), "小时均值超许可排放限值");
    CHECK_EQ_INT(json_integer_value(json_object_get(a, "unit_id")), hx.fx.e1);
    json_int_t task = json_integer_value(json_object_get(a, "task_id"));
    CHECK(task > 0);
    json_decref(j);
    /* the alert raised its 三监联动 task (origin alert), visible to the bureau and addressed to
       the enterprise's street; the full loop to closure is the flow helper's test */
    char tpath[64];
    snprintf(tpath, sizeof tpath, "/api/v1/tasks/%lld", (long long)task);
    CHECK_EQ_INT(call(bureau, "GET", tpath, NULL, &j), 200);
    CHECK_STR(json_string_value(json_object_get(j, "origin")), "alert");
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "origin_id")), id);
    CHECK_STR(json_string_value(json_object_get(j, "task_type")), "enforcement");
    json_decref(j);
    CHECK_EQ_INT(call(street, "GET", tpath, NULL, NULL), 200);

    /* the same hour again: one alert, two hits */
    send_hour(fd, hour, "85.0", hour * 1000 + 2);
    int hits = 0;
    for (int i = 0; i < 100 && hits < 2; i++) {
        CHECK_EQ_INT(call(bureau, "GET", "/api/v1/alerts?rule=limit_exceed", NULL, &j), 200);
        CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 1);
        hits = (int)json_integer_value(
            json_object_get(json_array_get(json_object_get(j, "items"), 0), "hits"));
        json_decref(j);
        if (hits < 2)
            usleep(50000);
    }
    CHECK_EQ_INT(hits, 2);
    close(fd);
    CHECK_EQ_INT(count_items(bureau, "/api/v1/tasks"), 1); /* once, not per packet */

    /* who sees it: bureau, the enterprise itself, its street, its contracted steward; not the
       public */
    CHECK_EQ_INT(count_items(ent, "/api/v1/alerts"), 1);
    CHECK_EQ_INT(count_items(street, "/api/v1/alerts"), 1);
    CHECK_EQ_INT(count_items(steward, "/api/v1/alerts"), 1);
    CHECK_EQ_INT(count_items(NULL, "/api/v1/alerts"), -401);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/alerts/%lld", (long long)id);
    CHECK_EQ_INT(call(NULL, "GET", path, NULL, NULL), 401);
    CHECK_EQ_INT(call(ent, "GET", path, NULL, NULL), 200);
    /* filters and exports */
    CHECK_EQ_INT(count_items(bureau, "/api/v1/alerts?state=open"), 1);
    CHECK_EQ_INT(count_items(bureau, "/api/v1/alerts?state=closed"), 0);
    char q[128];
    snprintf(q, sizeof q, "/api/v1/alerts?unit=%lld", hx.fx.e2);
    CHECK_EQ_INT(count_items(bureau, q), 0);
    snprintf(q, sizeof q, "/api/v1/alerts?region=%lld", hx.fx.s1);
    CHECK(count_items(bureau, q) >= 1);
    struct eg_hc_resp r;
    REQUIRE(eg_hc_request(hx.hs.port, "GET", "/api/v1/alerts?format=csv", bureau, NULL, NULL, 0,
                          &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body && strstr(r.body, "小时均值超许可排放限值") && strstr(r.body, "告警"));
    eg_hc_free(&r);

    /* hostile and malformed input */
    const struct {
        const char *method, *path, *body;
        int status;
    } bad[] = {
        {"GET", "/api/v1/alerts?state=bogus", NULL, 400},
        {"GET", "/api/v1/alerts?rule=%27%3B%20DROP%20TABLE%20alerts", NULL, 400},
        {"GET", "/api/v1/alerts?limit=0", NULL, 422}, /* out of range (api-routes.md) */
        {"GET", "/api/v1/alerts?limit=99999999999999999999", NULL, 400},
        {"GET", "/api/v1/alerts?unit=-1", NULL, 400},
        {"GET", "/api/v1/alerts?cursor=abc", NULL, 400},
        {"GET", "/api/v1/alerts?format=pdf", NULL, 400},
        {"GET", "/api/v1/alerts/abc", NULL, 404}, /* not an id: no such resource */
        {"GET", "/api/v1/alerts/999999", NULL, 404},
        {"POST", "/api/v1/alerts/999999/acknowledge", NULL, 404},
        {"POST", "/api/v1/alerts/1/close", "{}", 400},
        {"POST", "/api/v1/alerts/1/close", "{\"reason\": 12}", 400},
        {"POST", "/api/v1/alerts/1/close", "{\"reason\": \"\"}", 400},
        {"POST", "/api/v1/alerts/1/close", "not json", 400},
        {"POST", "/api/v1/alerts/1/close", "[\"reason\"]", 400},
        {"POST", "/api/v1/alerts/1/close", "{\"reason\": \"x\"", 400},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        int st = call(bureau, bad[i].method, bad[i].path, bad[i].body, &j);
        if (st != bad[i].status && !(bad[i].status == 400 && st == 422))
            fprintf(stderr, "%s %s -> %d %s\n", bad[i].method, bad[i].path, st, code_of(j));
        CHECK(st == bad[i].status || (bad[i].status == 400 && st == 422));
        json_decref(j);
    }
    char longbody[1200];
    memset(longbody, 0, sizeof longbody);
    snprintf(longbody, sizeof longbody, "{\"reason\": \"%0600d\"}", 7);
    snprintf(path, sizeof path, "/api/v1/alerts/%lld/close", (long long)id);
    int st = call(bureau, "POST", path, longbody, NULL);
    CHECK(st == 400 || st == 422);

    /* transitions per role */
    snprintf(path, sizeof path, "/api/v1/alerts/%lld/acknowledge", (long long)id);
    CHECK_EQ_INT(call(ent, "POST", path, NULL, &j), 403);
    json_decref(j);
    CHECK_EQ_INT(call(steward, "POST", path, NULL, NULL), 403);
    CHECK_EQ_INT(call(NULL, "POST", path, NULL, NULL), 401);
    CHECK_EQ_INT(call(street, "POST", path, NULL, &j), 200);
    CHECK_STR(json_string_value(json_object_get(j, "state")), "acknowledged");
    json_decref(j);
    CHECK_EQ_INT(call(street, "POST", path, NULL, &j), 409);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/alerts/%lld/close", (long long)id);
    CHECK_EQ_INT(call(bureau, "POST", path, "{\"reason\": \"已现场核查，企业已整改\"}", &j), 200);
    CHECK_STR(json_string_value(json_object_get(j, "state")), "closed");
    CHECK_STR(json_string_value(json_object_get(j, "close_reason")), "已现场核查，企业已整改");
    json_decref(j);
    CHECK_EQ_INT(call(bureau, "POST", path, "{\"reason\": \"again\"}", NULL), 409);

    CHECK_EQ_INT(eg_hx_stop(&hx), 0);
}
