/*
 * test_http_tasks.c: the 三监联动 task loop over the real `envgov serve` (issue 12 items 4 and 7):
 * raise → received → in progress → executed → fed back → closed, each step by its party; the
 * same task refused closure before feedback; the scope per role (a street does not see another
 * street's task, an enterprise sees only the tasks addressed to it); hostile input to every
 * route (malformed JSON, wrong types, unknown fields and filters, a file typed by its bytes
 * and refused on its declared size, stale versions).
 */
#include "base/base.h"
#include "integration/http_client.h"
#include "registry/registry.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EG_STR_(x) #x
#define EG_STR(x) EG_STR_(x)

enum { ADMIN, BUREAU, STREET, STREET2, ENT, ENT2, STEWARD, ANON, NROLES };
static const char *const users[NROLES] = {"admin",      "bureau",      "street",  "street2",
                                          "enterprise", "enterprise2", "steward", NULL};
static struct eg_hx hx;

static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 1};

static void setup(const char *name)
{
    REQUIRE(eg_hx_start(&hx, name, EG_HX_STREET2 | EG_HX_ENTERPRISE2, users, NROLES, NULL) == 0);
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

static const char *str(json_t *j, const char *k)
{
    const char *s = json_string_value(json_object_get(j, k));
    return s ? s : "";
}

static const char *err_code(json_t *j)
{
    return str(json_object_get(j, "error"), "code");
}

/* Raises a task as the bureau; returns its id. */
static long long raise_task(const char *type, long long unit, const char *to_key, long long to)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"title\":\"排放口颗粒物超标核查\",\"task_type\":\"%s\",\"origin\":\"person\","
             "\"unit_id\":%lld,\"%s\":%lld,\"description\":\"在线监测小时均值超过许可限值\"}",
             type, unit, to_key, to);
    json_t *j = NULL;
    int st = call(BUREAU, "POST", "/api/v1/tasks", body, &j);
    if (st != 201)
        fprintf(stderr, "    raise: %d %s\n", st, j ? json_dumps(j, 0) : "");
    REQUIRE(st == 201);
    long long id = (long long)json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    return id;
}

static int act(int role, long long id, const char *action, const char *body, json_t **out)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/tasks/%lld/%s", id, action);
    return call(role, "POST", path, body, out);
}

#define FEEDBACK                                                                                        \
    "{\"feedback\":{\"finding\":\"颗粒物超标\",\"measure\":\"责令整改，更换除尘布袋\"," \
    "\"result\":\"复测达标\"}}"

TEST(http_tasks_loop_raised_to_closed_by_the_right_roles_and_no_close_without_feedback)
{
    setup("loop.db");
    long long id = raise_task("enforcement", hx.fx.e1, "to_region_id", hx.fx.s1);
    json_t *j = NULL;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/tasks/%lld", id);
    REQUIRE(call(STREET, "GET", path, NULL, &j) == 200);
    CHECK_STR(str(j, "state_zh"), "已发起");
    CHECK_STR(str(json_array_get(json_object_get(j, "actions"), 0), "action"), "receive");
    json_decref(j);
    /* the receiving street takes its steps; the enterprise about which it is does not see it */
    CHECK_EQ_INT(act(ENT, id, "receive", NULL, NULL), 404);
    CHECK_EQ_INT(act(STREET, id, "receive", NULL, NULL), 200);
    CHECK_EQ_INT(act(STREET, id, "start", "{}", NULL), 200);
    CHECK_EQ_INT(act(STREET, id, "execute", "{\"note\":\"已现场检查\"}", NULL), 200);
    /* closing before feedback: refused, and the answer says what is possible */
    CHECK_EQ_INT(act(BUREAU, id, "close", NULL, &j), 422);
    CHECK_STR(err_code(j), "state");
    CHECK(strstr(str(json_object_get(j, "error"), "message"), "feed_back") != NULL);
    json_decref(j);
    CHECK_EQ_INT(act(STREET, id, "feed_back", NULL, &j), 422);
    CHECK_STR(err_code(j), "feedback");
    json_decref(j);
    CHECK_EQ_INT(act(STREET, id, "feed_back", FEEDBACK, &j), 422); /* evidence first */
    CHECK_STR(err_code(j), "attachment");
    json_decref(j);
    /* the photo, sent as text/plain: typed by its bytes */
    struct eg_hc_resp r;
    snprintf(path, sizeof path, "/api/v1/tasks/%lld/attachments?name=%s", id,
             "%E7%8E%B0%E5%9C%BA.jpg");
    REQUIRE(eg_hc_request(hx.hs.port, "POST", path, hx.tok[STREET], "Content-Type: text/plain\r\n",
                          (const char *)jpeg, sizeof jpeg, &r) == 0);
    CHECK_EQ_INT(r.status, 201);
    j = eg_hc_json(&r);
    CHECK_STR(str(j, "type"), "image/jpeg");
    CHECK_STR(str(j, "name"), "现场.jpg");
    long long aid = (long long)json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    eg_hc_free(&r);
    CHECK_EQ_INT(act(STREET, id, "feed_back", FEEDBACK, &j), 200);
    CHECK_STR(str(j, "state"), "fed_back");
    json_decref(j);
    CHECK_EQ_INT(act(STREET, id, "close", NULL, &j), 403); /* the receiver does not close */
    CHECK_STR(err_code(j), "not_issuer");
    json_decref(j);
    CHECK_EQ_INT(act(BUREAU, id, "close", NULL, &j), 200);
    CHECK_STR(str(j, "state_zh"), "已办结");
    CHECK_STR(str(j, "feedback_result"), "复测达标");
    json_decref(j);
    /* the history: every step, who and when */
    snprintf(path, sizeof path, "/api/v1/tasks/%lld/history", id);
    REQUIRE(call(ENT2, "GET", path, NULL, NULL) == 404);
    REQUIRE(call(STREET, "GET", path, NULL, &j) == 200);
    json_t *items = json_object_get(j, "items");
    CHECK_EQ_INT(json_array_size(items), 6);
    CHECK_STR(str(json_array_get(items, 4), "action"), "feed_back");
    CHECK_STR(str(json_array_get(items, 4), "by"), "street");
    CHECK_STR(str(json_array_get(items, 5), "by"), "bureau");
    json_decref(j);
    /* the photo back, with the detected type */
    snprintf(path, sizeof path, "/api/v1/tasks/%lld/attachments/%lld", id, aid);
    REQUIRE(eg_hc_request(hx.hs.port, "GET", path, hx.tok[BUREAU], NULL, NULL, 0, &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body_len == sizeof jpeg && !memcmp(r.body, jpeg, sizeof jpeg));
    CHECK(strstr(r.head, "image/jpeg") != NULL);
    CHECK(eg_hc_header(&r, "X-Content-Type-Options") != NULL);
    eg_hc_free(&r);
    CHECK_EQ_INT(call(ENT2, "GET", path, NULL, NULL), 404);
    teardown();
}

static int ids_listed(int role, const char *query, long long *ids, int n, int *count)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/tasks%s", query);
    json_t *j = NULL;
    int st = call(role, "GET", path, NULL, &j);
    int mask = 0;
    json_t *items = json_object_get(j, "items");
    *count = (int)json_array_size(items);
    for (size_t i = 0; i < json_array_size(items); i++) {
        long long id =
            (long long)json_integer_value(json_object_get(json_array_get(items, i), "id"));
        for (int k = 0; k < n; k++)
            if (ids[k] == id)
                mask |= 1 << k;
    }
    json_decref(j);
    return st == 200 ? mask : -st;
}

TEST(http_tasks_scope_per_role_street_enterprise_steward_anonymous)
{
    setup("scope.db");
    long long t[4];
    t[0] = raise_task("supervision", hx.fx.e1, "to_region_id", hx.fx.s1); /* about E1, to S1 */
    t[1] = raise_task("supervision", hx.fx.e2, "to_region_id", hx.fx.s2); /* about E2, to S2 */
    t[2] = raise_task("rectification", hx.fx.e1, "to_unit_id", hx.fx.e1); /* to E1 */
    t[3] = raise_task("rectification", hx.fx.e2, "to_unit_id", hx.fx.e2); /* to E2 */
    static const struct {
        int role, mask;
    } want[] = {
        {ADMIN, 15}, {BUREAU, 15}, {STREET, 1 | 4}, {STREET2, 2 | 8},
        {ENT, 4},    {ENT2, 8},    {STEWARD, 4},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(want); i++) {
        int count = 0;
        int mask = ids_listed(want[i].role, "", t, 4, &count);
        if (mask != want[i].mask || count != __builtin_popcount((unsigned)want[i].mask))
            eg_test_fail(__FILE__, __LINE__, "%s lists mask %d (%d rows), want %d",
                         users[want[i].role], mask, count, want[i].mask);
        for (int k = 0; k < 4; k++) {
            char path[64];
            snprintf(path, sizeof path, "/api/v1/tasks/%lld", t[k]);
            int st = call(want[i].role, "GET", path, NULL, NULL);
            if (st != ((want[i].mask >> k) & 1 ? 200 : 404))
                eg_test_fail(__FILE__, __LINE__, "%s GET task %d: %d", users[want[i].role], k, st);
        }
    }
    /* a street acting on another street's task: 404, as if it did not exist */
    CHECK_EQ_INT(act(STREET2, t[0], "receive", NULL, NULL), 404);
    CHECK_EQ_INT(act(STREET, t[1], "receive", NULL, NULL), 404);
    /* anonymous: 401 on every route */
    char path[96];
    CHECK_EQ_INT(call(ANON, "GET", "/api/v1/tasks", NULL, NULL), 401);
    snprintf(path, sizeof path, "/api/v1/tasks/%lld", t[0]);
    CHECK_EQ_INT(call(ANON, "GET", path, NULL, NULL), 401);
    CHECK_EQ_INT(act(ANON, t[0], "receive", NULL, NULL), 401);
    CHECK_EQ_INT(call(ANON, "POST", "/api/v1/tasks", "{\"title\":\"x\"}", NULL), 401);
    /* enterprises and stewards raise none; a street raises only in its region */
    const char *in_s2 = "{\"title\":\"x\",\"task_type\":\"supervision\",\"origin\":\"person\","
                        "\"unit_id\":%lld}";
    char body[256];
    snprintf(body, sizeof body, in_s2, hx.fx.e2);
    CHECK_EQ_INT(call(ENT, "POST", "/api/v1/tasks", body, NULL), 403);
    CHECK_EQ_INT(call(STEWARD, "POST", "/api/v1/tasks", body, NULL), 403);
    CHECK_EQ_INT(call(STREET, "POST", "/api/v1/tasks", body, NULL), 403);
    CHECK_EQ_INT(call(STREET2, "POST", "/api/v1/tasks", body, NULL), 201);
    /* filters: region, unit, open, state, q */
    int count;
    CHECK_EQ_INT(ids_listed(ADMIN, "?region=310115125", t, 4, &count), 2 | 8);
    CHECK_EQ_INT(count, 3);
    CHECK_EQ_INT(ids_listed(ADMIN, "?unit_id=" EG_STR(0), t, 4, &count), -400);
    CHECK_EQ_INT(ids_listed(ADMIN, "?state=raised&q=%E8%B6%85%E6%A0%87", t, 4, &count), 15);
    CHECK_EQ_INT(ids_listed(ADMIN, "?open=1&overdue=0", t, 4, &count), 15);
    CHECK_EQ_INT(ids_listed(ADMIN, "?overdue=1", t, 4, &count), 0);
    CHECK_EQ_INT(count, 0);
    teardown();
}

TEST(http_tasks_hostile_input_on_every_route)
{
    setup("hostile.db");
    long long id = raise_task("supervision", hx.fx.e1, "to_region_id", hx.fx.s1);
    json_t *j = NULL;
    static const struct {
        const char *body;
        int status;
        const char *code;
    } creates[] = {
        {"not json", 400, "bad_json"},
        {"[1,2]", 400, "not_object"},
        {"{\"title\":\"x\",\"task_type\":\"supervision\",\"origin\":\"person\",\"unit_id\":1,"
         "\"state\":\"closed\"}",
         400, "unknown_field"},
        {"{\"title\":\"x\",\"task_type\":\"patrol\",\"origin\":\"person\",\"unit_id\":1}", 422,
         "task_type"},
        {"{\"title\":7,\"task_type\":\"supervision\",\"origin\":\"person\",\"unit_id\":1}", 422,
         "title"},
        {"{\"title\":\"x\",\"task_type\":\"supervision\",\"origin\":\"person\"}", 422, "subject"},
        {"{\"title\":\"x\",\"task_type\":\"supervision\",\"origin\":\"person\",\"unit_id\":\"1\"}",
         422, "unit_id"},
        {"{\"title\":\"x\",\"task_type\":\"supervision\",\"origin\":\"person\",\"unit_id\":1,"
         "\"due_at\":\"tomorrow\"}",
         422, "due_at"},
        {"{\"title\":\"x\",\"task_type\":\"supervision\",\"origin\":\"person\",\"unit_id\":1,"
         "\"issuer\":\"me\"}",
         400, "unknown_field"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(creates); i++) {
        int st = call(BUREAU, "POST", "/api/v1/tasks", creates[i].body, &j);
        if (st != creates[i].status || strcmp(err_code(j), creates[i].code))
            eg_test_fail(__FILE__, __LINE__, "create %zu: %d %s", i, st, err_code(j));
        json_decref(j);
    }
    /* a title of 300 bytes */
    char big[600];
    snprintf(big, sizeof big,
             "{\"title\":\"%0300d\",\"task_type\":\"supervision\",\"origin\":\"person\","
             "\"unit_id\":1}",
             0);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/tasks", big, NULL), 422);
    /* actions: unknown, on a non-number id, stale version, wrong types */
    CHECK_EQ_INT(act(BUREAU, id, "fly", NULL, &j), 404);
    CHECK(strstr(str(json_object_get(j, "error"), "message"), "receive") != NULL);
    json_decref(j);
    CHECK_EQ_INT(call(BUREAU, "POST", "/api/v1/tasks/abc/receive", NULL, NULL), 404);
    CHECK_EQ_INT(call(BUREAU, "GET", "/api/v1/tasks/99999", NULL, NULL), 404);
    CHECK_EQ_INT(act(STREET, id, "receive", "{\"version\":7}", &j), 409);
    CHECK_STR(err_code(j), "version");
    json_decref(j);
    CHECK_EQ_INT(act(STREET, id, "receive", "{\"version\":\"1\"}", NULL), 422);
    CHECK_EQ_INT(act(STREET, id, "receive", "[]", NULL), 400);
    CHECK_EQ_INT(act(STREET, id, "receive", "{\"version\":1}", NULL), 200);
    CHECK_EQ_INT(act(STREET, id, "reject", "{\"reason\":\"\"}", &j), 422);
    CHECK_STR(err_code(j), "reason");
    json_decref(j);
    /* comments */
    char path[128];
    snprintf(path, sizeof path, "/api/v1/tasks/%lld/comments", id);
    CHECK_EQ_INT(call(STREET, "POST", path, "{\"text\":\"已联系企业\"}", NULL), 201);
    CHECK_EQ_INT(call(STREET, "POST", path, "{\"text\":\"x\",\"by\":\"admin\"}", NULL), 400);
    CHECK_EQ_INT(call(STREET, "POST", path, "{\"text\":5}", NULL), 400);
    CHECK_EQ_INT(call(STREET, "POST", path, "{\"text\":\"a\\u0000b\"}", NULL), 422);
    CHECK_EQ_INT(call(STREET, "POST", path, "{\"text\":\"   \"}", NULL), 422);
    CHECK_EQ_INT(call(ENT2, "POST", path, "{\"text\":\"x\"}", NULL), 404);
    /* attachments: an executable named .jpg, empty, over the limit declared in the header */
    snprintf(path, sizeof path, "/api/v1/tasks/%lld/attachments?name=photo.jpg", id);
    struct eg_hc_resp r;
    REQUIRE(eg_hc_request(hx.hs.port, "POST", path, hx.tok[STREET], "Content-Type: image/jpeg\r\n",
                          "MZ\x90\0\x03\0\0\0", 8, &r) == 0);
    CHECK_EQ_INT(r.status, 422);
    j = eg_hc_json(&r);
    CHECK_STR(err_code(j), "attachment_type");
    json_decref(j);
    eg_hc_free(&r);
    REQUIRE(eg_hc_request(hx.hs.port, "POST", path, hx.tok[STREET], NULL, "", 0, &r) == 0);
    CHECK_EQ_INT(r.status, 422);
    eg_hc_free(&r);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                     "Content-Length: %u\r\n\r\n",
                     path, hx.tok[STREET], (10u << 20) + 1);
    REQUIRE(eg_hc_raw(hx.hs.port, head, (size_t)n, 0, &r) == 0);
    CHECK_EQ_INT(r.status, 413); /* decided on the header: no body was sent */
    eg_hc_free(&r);
    /* list filters: a well-formed limit out of range is 422, the malformed ones 400 */
    CHECK_EQ_INT(call(ADMIN, "GET", "/api/v1/tasks?limit=0", NULL, NULL), 422);
    static const char *const bad_lists[] = {"?bogus=1",   "?state=gone", "?limit=1001x",
                                            "?limit=x",   "?overdue=2",  "?unit_id=-1",
                                            "?from=soon", "?cursor=zz",  "?format=pdf"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad_lists); i++) {
        snprintf(path, sizeof path, "/api/v1/tasks%s", bad_lists[i]);
        int st = call(ADMIN, "GET", path, NULL, NULL);
        if (st != 400)
            eg_test_fail(__FILE__, __LINE__, "list %s: %d", bad_lists[i], st);
    }
    teardown();
}

TEST(http_tasks_export_csv_and_xlsx_with_chinese_headers)
{
    setup("export.db");
    raise_task("supervision", hx.fx.e1, "to_region_id", hx.fx.s1);
    raise_task("enforcement", hx.fx.e1, "to_unit_id", hx.fx.e1);
    struct eg_hc_resp r;
    REQUIRE(eg_hc_request(hx.hs.port, "GET", "/api/v1/tasks?format=csv", hx.tok[BUREAU], NULL, NULL,
                          0, &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body_len > 3 && !memcmp(r.body, "\xEF\xBB\xBF", 3)); /* BOM for Excel */
    CHECK(strstr(r.body, "标题") && strstr(r.body, "状态") && strstr(r.body, "任务类型"));
    CHECK(strstr(r.body, "已发起") && strstr(r.body, "执法") && strstr(r.body, "否"));
    eg_hc_free(&r);
    REQUIRE(eg_hc_request(hx.hs.port, "GET", "/api/v1/tasks?format=xlsx", hx.tok[STREET], NULL,
                          NULL, 0, &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body_len > 4 && !memcmp(r.body, "PK\x03\x04", 4));
    eg_hc_free(&r);
    teardown();
}
