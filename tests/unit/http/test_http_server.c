/*
 * test_http_server.c: the HTTP framework on its own — a server with test routes (no database),
 * started in-process on a free loopback port and spoken to over real sockets: routing and path
 * parameters, 404/405, the body limit (413 on a declared length and on a chunked body),
 * malformed and truncated JSON (400), the error envelope and status mapping, list exports
 * (CSV with BOM and Chinese headers, XLSX as a zip), the metrics text, and the settings loader
 * (flag > env > file > default).
 */
#include "base/base.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "integration/http_client.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int h_echo(struct eg_http_req *rq)
{
    json_t *j = json_pack("{s:s?,s:s?,s:s?,s:s}", "id", eg_http_param(rq, "id"), "sub",
                          eg_http_param(rq, "sub"), "q", eg_http_query(rq, "q"), "method",
                          eg_http_method(rq));
    return eg_http_reply_json(rq, 200, j);
}

static int h_body(struct eg_http_req *rq)
{
    json_t *b;
    int rc = eg_http_body_json(rq, &b);
    if (rc)
        return rc;
    return eg_http_reply_json(rq, 200, json_incref(b));
}

static int h_fail(struct eg_http_req *rq)
{
    const char *what = eg_http_param(rq, "what");
    struct eg_err *e = eg_http_err(rq);
    if (!strcmp(what, "conflict"))
        return eg_err_set(e, EG_ECONFLICT, "duplicate", -1, "code exists");
    if (!strcmp(what, "perm"))
        return eg_err_set(e, EG_EPERM, "out_of_scope", -1, "not yours");
    if (!strcmp(what, "semantic"))
        return eg_err_set(e, EG_EINVAL, "credit_code", -1, "check character wrong");
    if (!strcmp(what, "rate"))
        return eg_err_set(e, EG_ERATE, "rate_limited", -1, "slow down");
    return eg_err_set(e, EG_EDB, "db", -1, "disk I/O error at /secret/path");
}

static const struct eg_http_column cols[] = {
    {"id", "编号", NULL, NULL},
    {"name", "单位名称", NULL, NULL},
    {"kind", "单位类型", "enterprise|park", "排污单位|园区"},
};

static int h_list(struct eg_http_req *rq)
{
    json_t *items =
        json_pack("[{s:i,s:s,s:s},{s:i,s:s,s:s}]", "id", 1, "name", "浦东\"测试\",公司", "kind",
                  "enterprise", "id", 2, "name", "=HYPERLINK(\"x\")", "kind", "park");
    return eg_http_reply_list(rq, "排污单位", "units", cols, 3, items, "c2");
}

static struct eg_http_server *start(size_t limit)
{
    struct eg_http_config c = {
        .address = "127.0.0.1", .port = 0, .threads = 2, .body_limit = limit};
    struct eg_http_server *srv;
    struct eg_err err;
    REQUIRE(eg_http_server_new(&c, &srv, &err) == 0);
    REQUIRE(!eg_http_route_add(srv, "GET", "/t/{id}", h_echo, 0, "echo", NULL));
    REQUIRE(!eg_http_route_add(srv, "GET", "/t/{id}/{sub}", h_echo, 0, "echo2", NULL));
    REQUIRE(!eg_http_route_add(srv, "GET", "/t/fixed/x", h_echo, 0, "literal wins", NULL));
    REQUIRE(!eg_http_route_add(srv, "POST", "/body", h_body, EG_ROUTE_BODY_JSON, "body", NULL));
    REQUIRE(!eg_http_route_add(srv, "GET", "/fail/{what}", h_fail, 0, "fail", NULL));
    REQUIRE(!eg_http_route_add(srv, "GET", "/list", h_list, EG_ROUTE_LIST, "list", NULL));
    REQUIRE(!eg_http_route_add(srv, "GET", "/auth", h_echo, EG_ROUTE_AUTH, "auth", NULL));
    REQUIRE(eg_http_route_add(srv, "GET", "/t/{id}", h_echo, 0, "dup", NULL) == EG_ECONFLICT);
    REQUIRE(eg_http_route_add(srv, "BREW", "/pot", h_echo, 0, "teapot", NULL) == EG_EINVAL);
    REQUIRE(eg_http_server_start(srv, &err) == 0);
    REQUIRE(eg_http_server_port(srv) > 0);
    return srv;
}

static const char *err_code(const struct eg_hc_resp *r)
{
    static char code[64];
    json_t *j = eg_hc_json(r);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    snprintf(code, sizeof code, "%s", c ? c : "(none)");
    json_decref(j);
    return code;
}

TEST(http_server_routes_params_and_literal_precedence)
{
    struct eg_http_server *srv = start(1024);
    int port = eg_http_server_port(srv);
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(port, "GET", "/t/42?q=%E6%B5%A6%E4%B8%9C", NULL, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 200);
    json_t *j = eg_hc_json(&r);
    CHECK_STR(json_string_value(json_object_get(j, "id")), "42");
    CHECK_STR(json_string_value(json_object_get(j, "q")), "浦东");
    CHECK(strstr(eg_hc_header(&r, "Content-Type"), "application/json") != NULL);
    json_decref(j);
    eg_hc_free(&r);

    REQUIRE(!eg_hc_request(port, "GET", "/t/fixed/x", NULL, NULL, NULL, 0, &r));
    j = eg_hc_json(&r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(json_object_get(j, "sub") == NULL || json_is_null(json_object_get(j, "sub")));
    json_decref(j);
    eg_hc_free(&r);

    REQUIRE(!eg_hc_request(port, "GET", "/t/7/more", NULL, NULL, NULL, 0, &r));
    j = eg_hc_json(&r);
    CHECK_STR(json_string_value(json_object_get(j, "sub")), "more");
    json_decref(j);
    eg_hc_free(&r);

    REQUIRE(!eg_hc_request(port, "GET", "/nope", NULL, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 404);
    CHECK_STR(err_code(&r), "no_route");
    eg_hc_free(&r);
    REQUIRE(!eg_hc_request(port, "DELETE", "/t/1", NULL, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 405);
    CHECK_STR(eg_hc_header(&r, "Allow"), "GET");
    CHECK_STR(eg_hc_header(&r, "X-Content-Type-Options"), "nosniff");
    eg_hc_free(&r);
    /* an empty placeholder segment does not match */
    REQUIRE(!eg_hc_request(port, "GET", "/t/", NULL, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 404);
    eg_hc_free(&r);
    eg_http_server_free(srv);
}

TEST(http_server_error_status_mapping)
{
    struct eg_http_server *srv = start(1024);
    int port = eg_http_server_port(srv);
    static const struct {
        const char *what;
        int status;
        const char *code;
    } cases[] = {{"conflict", 409, "duplicate"},
                 {"perm", 403, "out_of_scope"},
                 {"semantic", 422, "credit_code"},
                 {"rate", 429, "rate_limited"},
                 {"db", 500, "db"}};
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        char path[64];
        struct eg_hc_resp r;
        snprintf(path, sizeof path, "/fail/%s", cases[i].what);
        REQUIRE(!eg_hc_request(port, "GET", path, NULL, NULL, NULL, 0, &r));
        CHECK_EQ_INT(r.status, cases[i].status);
        CHECK_STR(err_code(&r), cases[i].code);
        /* a 500 never shows internals to the client */
        if (cases[i].status == 500)
            CHECK(strstr(r.body, "/secret/path") == NULL);
        eg_hc_free(&r);
    }
    /* 401: route needs a login; a token on a server without logins is refused */
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(port, "GET", "/auth", NULL, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 401);
    CHECK(eg_hc_header(&r, "WWW-Authenticate") != NULL);
    eg_hc_free(&r);
    REQUIRE(!eg_hc_request(port, "GET", "/t/1", "bogus", NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 401);
    eg_hc_free(&r);
    REQUIRE(
        !eg_hc_request(port, "GET", "/t/1", NULL, "Authorization: Basic eDp5\r\n", NULL, 0, &r));
    CHECK_EQ_INT(r.status, 401);
    CHECK_STR(err_code(&r), "bad_authorization");
    eg_hc_free(&r);
    eg_http_server_free(srv);
}

TEST(http_server_json_body_malformed_truncated_and_over_limit)
{
    struct eg_http_server *srv = start(64);
    int port = eg_http_server_port(srv);
    struct eg_hc_resp r;
    const char *good = "{\"a\":\"x\\u0000y\",\"b\":\"😀\"}";
    REQUIRE(!eg_hc_request(port, "POST", "/body", NULL, NULL, good, strlen(good), &r));
    CHECK_EQ_INT(r.status, 200);
    json_t *j = eg_hc_json(&r);
    CHECK_EQ_INT(json_string_length(json_object_get(j, "a")), 3); /* NUL kept */
    CHECK_STR(json_string_value(json_object_get(j, "b")), "😀");
    json_decref(j);
    eg_hc_free(&r);

    const char *bad[] = {"{\"a\":", "{\"a\" 1}", "[1,2]", "", "{\"a\":1,\"a\":2}", "\xff\xfe"};
    const char *codes[] = {"bad_json", "bad_json", "not_object",
                           "bad_json", "bad_json", "bad_json"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        REQUIRE(!eg_hc_request(port, "POST", "/body", NULL, NULL, bad[i], strlen(bad[i]), &r));
        CHECK_EQ_INT(r.status, 400);
        CHECK_STR(err_code(&r), codes[i]);
        eg_hc_free(&r);
    }
    /* declared over the limit: refused before the body is read */
    char big[200];
    memset(big, 'x', sizeof big);
    REQUIRE(!eg_hc_request(port, "POST", "/body", NULL, NULL, big, sizeof big, &r));
    CHECK_EQ_INT(r.status, 413);
    CHECK_STR(err_code(&r), "body_too_large");
    eg_hc_free(&r);
    /* chunked, no declared length: counted as it arrives */
    const char *chunked = "POST /body HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n"
                          "28\r\n{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
                          "28\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
                          "3\r\n\"}\n\r\n0\r\n\r\n";
    REQUIRE(!eg_hc_raw(port, chunked, strlen(chunked), 0, &r));
    CHECK_EQ_INT(r.status, 413);
    eg_hc_free(&r);
    /* truncated: the client sends half its declared body and stops writing */
    const char *trunc = "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{\"a\":";
    REQUIRE(!eg_hc_raw(port, trunc, strlen(trunc), 1, &r) || r.status == 0);
    CHECK(r.status == 0 || r.status == 400);
    eg_hc_free(&r);
    /* garbage request line */
    REQUIRE(!eg_hc_raw(port, "\x01\x02 junk\r\n\r\n", 10, 1, &r) || r.status == 0);
    CHECK(r.status == 0 || r.status == 400);
    eg_hc_free(&r);
    eg_http_server_free(srv);
}

TEST(http_server_list_exports_csv_bom_and_xlsx_zip)
{
    struct eg_http_server *srv = start(1024);
    int port = eg_http_server_port(srv);
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(port, "GET", "/list", NULL, NULL, NULL, 0, &r));
    json_t *j = eg_hc_json(&r);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 2);
    CHECK_STR(json_string_value(json_object_get(j, "next_cursor")), "c2");
    json_decref(j);
    eg_hc_free(&r);

    REQUIRE(!eg_hc_request(port, "GET", "/list?format=csv", NULL, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK(strstr(eg_hc_header(&r, "Content-Type"), "text/csv") != NULL);
    CHECK(strstr(eg_hc_header(&r, "Content-Disposition"), "units.csv") != NULL);
    CHECK_STR(eg_hc_header(&r, "X-Next-Cursor"), "c2");
    REQUIRE(r.body_len > 3);
    CHECK(!memcmp(r.body, "\xEF\xBB\xBF", 3));
    CHECK(!strncmp(r.body + 3, "编号,单位名称,单位类型\r\n", strlen("编号,单位名称,单位类型\r\n")));
    CHECK(strstr(r.body, "1,\"浦东\"\"测试\"\",公司\",排污单位\r\n") != NULL);
    /* formula injection defused, RFC 4180 quoting kept */
    CHECK(strstr(r.body, "2,\"'=HYPERLINK(\"\"x\"\")\",园区\r\n") != NULL);
    eg_hc_free(&r);

    REQUIRE(!eg_hc_request(port, "GET", "/list?format=xlsx", NULL, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body_len > 1000);
    CHECK(!memcmp(r.body, "PK\x03\x04", 4));
    /* the sheet name is stored in xl/workbook.xml, deflated; the file name is in the clear */
    CHECK(memmem(r.body, r.body_len, "xl/workbook.xml", 15) != NULL);
    eg_hc_free(&r);

    REQUIRE(!eg_hc_request(port, "GET", "/list?format=pdf", NULL, NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 400);
    CHECK_STR(err_code(&r), "bad_format");
    eg_hc_free(&r);
    eg_http_server_free(srv);
}

TEST(http_server_metrics_count_requests_by_route_and_status)
{
    struct eg_http_server *srv = start(1024);
    int port = eg_http_server_port(srv);
    struct eg_hc_resp r;
    for (int i = 0; i < 3; i++) {
        REQUIRE(!eg_hc_request(port, "GET", "/t/1", NULL, NULL, NULL, 0, &r));
        eg_hc_free(&r);
    }
    REQUIRE(!eg_hc_request(port, "GET", "/nope", NULL, NULL, NULL, 0, &r));
    eg_hc_free(&r);
    eg_metrics_counter_add("eg_test_things_total", "kind=\"a\"", 2);
    eg_metrics_gauge_set("eg_test_level", NULL, 7.5);
    struct eg_buf b = {0};
    eg_metrics_render(&b);
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "# TYPE envgov_http_requests_total counter\n") != NULL);
    CHECK(strstr(
        b.data, "envgov_http_requests_total{route=\"/t/{id}\",method=\"GET\",status=\"200\"} 3\n"));
    CHECK(strstr(
        b.data,
        "envgov_http_requests_total{route=\"unmatched\",method=\"other\",status=\"404\"} 1\n"));
    CHECK(strstr(b.data,
                 "envgov_http_request_duration_seconds_bucket{route=\"/t/{id}\",le=\"+Inf\"} 3\n"));
    CHECK(strstr(b.data, "envgov_http_request_duration_seconds_count{route=\"/t/{id}\"} 3\n"));
    CHECK(strstr(b.data, "eg_test_things_total{kind=\"a\"} 2\n"));
    CHECK(strstr(b.data, "eg_test_level 7.5\n"));
    eg_buf_free(&b);
    eg_http_server_free(srv);
}

TEST(config_precedence_flag_env_file_default)
{
    static const struct eg_config_key keys[] = {
        {"store.db", "EG_TEST_DB", "--db", "envgov.db", "db"},
        {"http.listen", "EG_TEST_HTTP", "--http", "127.0.0.1:8080", "http"},
        {"http.threads", "EG_TEST_THREADS", "--threads", "0", "threads"},
        {"log.level", "EG_TEST_LOG", "--log-level", "info", "log"},
    };
    char path[600];
    snprintf(path, sizeof path, "%s/envgov.ini", eg_test_tmpdir());
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("; comment\n[store]\ndb = /from/file.db\n[http]\nlisten = 0.0.0.0:9\nthreads = 3\n", f);
    fclose(f);
    setenv("EG_TEST_HTTP", "10.0.0.1:7", 1);
    setenv("EG_TEST_THREADS", "5", 1);
    char *argv[] = {"serve", "--config", path, "--threads=9", NULL};
    struct eg_config cfg;
    struct eg_err err;
    REQUIRE(eg_config_load(&cfg, keys, 4, 4, argv, &err) == 0);
    CHECK_STR(eg_config_get(&cfg, "store.db"), "/from/file.db"); /* file over default */
    CHECK_STR(eg_config_get(&cfg, "http.listen"), "10.0.0.1:7"); /* env over file */
    CHECK_STR(eg_config_get(&cfg, "http.threads"), "9");         /* flag over env */
    CHECK_STR(eg_config_get(&cfg, "log.level"), "info");         /* default */
    int64_t t;
    CHECK_EQ_INT(eg_config_int(&cfg, "http.threads", 0, 8, &t, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "flag") != NULL);
    eg_config_free(&cfg);

    char *bad_flag[] = {"serve", "--nope", "1", NULL};
    CHECK_EQ_INT(eg_config_load(&cfg, keys, 4, 3, bad_flag, &err), EG_EUSAGE);
    char *missing[] = {"serve", "--db", NULL};
    CHECK_EQ_INT(eg_config_load(&cfg, keys, 4, 2, missing, &err), EG_EUSAGE);
    f = fopen(path, "w");
    fputs("[http]\nlistne = 1\n", f);
    fclose(f);
    char *typo[] = {"serve", "--config", path, NULL};
    CHECK_EQ_INT(eg_config_load(&cfg, keys, 4, 3, typo, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "listne") != NULL);
    char *nofile[] = {"serve", "--config", "/nonexistent/x.ini", NULL};
    CHECK_EQ_INT(eg_config_load(&cfg, keys, 4, 3, nofile, &err), EG_EINVAL);
    struct eg_buf b = {0};
    eg_config_help(keys, 4, &b);
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "--threads") && strstr(b.data, "EG_TEST_THREADS") &&
          strstr(b.data, "[http] threads"));
    eg_buf_free(&b);
}

/* The reply serializer against jansson's own reader: every value reads back equal. */
TEST(http_server_json_writer_round_trips)
{
    const char *src =
        "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\\u0000z 浦东 😀 /\",\"i\":-9223372036854775808,"
        "\"j\":9223372036854775807,\"r\":[121.5,31.2,0.1,-0.000001,1e300,"
        "2.5e-8,123456789.123456,3.0,-17.25],\"b\":[true,false,null],\"o\":{},\"a\":[]}";
    json_t *in = json_loads(src, JSON_ALLOW_NUL, NULL);
    REQUIRE(in);
    struct eg_buf b = {0};
    eg__http_json_write(&b, in);
    json_t *back = json_loadb(b.data, b.len, JSON_ALLOW_NUL, NULL);
    REQUIRE(back);
    CHECK(json_equal(in, back));
    eg_buf_append(&b, "", 1);
    CHECK(strstr(b.data, "\"r\":[121.5,31.2,0.1,-0.000001,") != NULL);
    CHECK(strstr(b.data, "3.0,-17.25]") != NULL);
    CHECK(strstr(b.data, "\\u0000z") != NULL);
    CHECK(!strncmp(b.data, "{\"s\":", 5)); /* insertion order kept */
    json_decref(in);
    json_decref(back);
    eg_buf_free(&b);
}

#include <pthread.h>
#include <time.h>

static int h_slow(struct eg_http_req *rq)
{
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return eg_http_reply_json(rq, 200, json_pack("{s:b}", "done", 1));
}

struct slow_call {
    int port, status;
};

static void *slow_client(void *arg)
{
    struct slow_call *c = arg;
    struct eg_hc_resp r;
    c->status = eg_hc_request(c->port, "GET", "/slow", NULL, NULL, NULL, 0, &r) ? -1 : r.status;
    eg_hc_free(&r);
    return NULL;
}

/* Stopping (SIGTERM in envgov serve) answers the request in flight before closing. */
TEST(http_server_stop_finishes_request_in_flight)
{
    struct eg_http_config c = {.address = "127.0.0.1", .threads = 2};
    struct eg_http_server *srv;
    struct eg_err err;
    REQUIRE(eg_http_server_new(&c, &srv, &err) == 0);
    REQUIRE(!eg_http_route_add(srv, "GET", "/slow", h_slow, 0, "slow", NULL));
    REQUIRE(eg_http_server_start(srv, &err) == 0);
    struct slow_call call = {eg_http_server_port(srv), 0};
    pthread_t t;
    pthread_create(&t, NULL, slow_client, &call);
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    uint64_t t0 = eg_nanos();
    eg_http_server_stop(srv);
    pthread_join(t, NULL);
    CHECK_EQ_INT(call.status, 200);
    CHECK(eg_nanos() - t0 < 1500000000ull);
    /* and it no longer accepts */
    struct eg_hc_resp r;
    CHECK(eg_hc_request(call.port, "GET", "/slow", NULL, NULL, NULL, 0, &r) != 0 || r.status == 0);
    eg_hc_free(&r);
    eg_http_server_free(srv);
}

/* The fast 17-digit path for reals reads back exactly: random doubles over the range it takes
   (and around it), compared with strtod of the text. */
TEST(http_server_json_reals_read_back_exactly)
{
    uint64_t x = 88172645463325252ull; /* xorshift64 */
    int bad = 0;
    struct eg_buf b = {0};
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double mant = (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
        int ex = (int)(x % 24) - 7;                           /* 1e-7 .. 1e16 */
        double v = (mant + 0.1) * pow(10, ex) * ((x & 1) ? -1 : 1);
        if (i % 7 == 0)
            v = (double)(long long)(x % 100000000) / 1e6 + 121.0; /* coordinate-like */
        json_t *r = json_real(v);
        b.len = 0;
        eg__http_json_write(&b, r);
        json_decref(r);
        eg_buf_append(&b, "", 1);
        char *end;
        double back = strtod(b.data, &end);
        if (back != v || *end || !strpbrk(b.data, ".e")) {
            if (bad++ < 5)
                eg_test_fail(__FILE__, __LINE__, "%.17g written as %s", v, b.data);
        }
    }
    CHECK_EQ_INT(bad, 0);
    eg_buf_free(&b);
}

/* ---- routes that carry their documentation (issue 11 item 3) */

static int h_spec(struct eg_http_req *rq)
{
    const char *pol = NULL, *mode = NULL;
    int64_t n = 0, from = 0, to = 0, id = 0;
    int flag = 0, rc;
    if ((rc = eg_http_arg_str(rq, "pollutant", &pol)) < 0 ||
        (rc = eg_http_arg_int(rq, "n", &n)) < 0 || (rc = eg_http_arg_str(rq, "mode", &mode)) < 0 ||
        (rc = eg_http_arg_bool(rq, "flag", &flag)) < 0 ||
        (rc = eg_http_arg_time(rq, "from", &from)) < 0 ||
        (rc = eg_http_arg_time(rq, "to", &to)) < 0 || (rc = eg_http_arg_int(rq, "id", &id)) < 0)
        return rc;
    /* a name the table does not declare is a bug in the handler, said plainly */
    const char *x = NULL;
    if (eg_http_arg_str(rq, "undeclared", &x) != EG_EINVAL)
        return eg_err_set(eg_http_err(rq), EG_EIO, "test", -1, "undeclared name was read");
    return eg_http_reply_json(rq, 200,
                              json_pack("{s:s,s:I,s:s,s:b,s:I,s:I,s:I}", "pollutant", pol, "n",
                                        (json_int_t)n, "mode", mode, "flag", flag, "from",
                                        (json_int_t)from, "to", (json_int_t)to, "id",
                                        (json_int_t)id));
}

static const struct eg_http_param_spec spec_params[] = {
    {.name = "id",
     .in = EG_PIN_PATH,
     .type = EG_PT_ID,
     .description_en = "record id",
     .description_zh = "编号",
     .example = "3"},
    {.name = "pollutant",
     .type = EG_PT_STRING,
     .flags = EG_PF_REQUIRED,
     .max_len = 16,
     .description_en = "pollutant name or code",
     .description_zh = "污染物",
     .example = "PM2.5"},
    {.name = "n",
     .type = EG_PT_INT,
     .min = 1,
     .max = 1000,
     .dflt = "50",
     .description_en = "page size",
     .description_zh = "每页条数"},
    {.name = "mode", .type = EG_PT_ENUM, .enum_values = "raw|1h|1d", .dflt = "raw"},
    {.name = "flag", .type = EG_PT_BOOL},
    {.name = "from", .type = EG_PT_TIME},
    {.name = "to", .type = EG_PT_TIME, .flags = EG_PF_RANGE_END},
    {0},
};
static const struct eg_http_route_spec spec_route = {
    .method = "GET",
    .pattern = "/s/{id}",
    .fn = h_spec,
    .summary = "a documented route",
    .summary_zh = "有文档的接口",
    .params = spec_params,
    .answer_schema = "{\"type\":\"object\"}",
};

TEST(http_server_route_spec_checks_arguments_with_its_table)
{
    struct eg_http_config c = {.address = "127.0.0.1", .port = 0, .threads = 1};
    struct eg_http_server *srv;
    struct eg_err err;
    REQUIRE(eg_http_server_new(&c, &srv, &err) == 0);
    REQUIRE(!eg_http_route_add_spec(srv, &spec_route));
    REQUIRE(eg_http_route_add_spec(srv, &spec_route) == EG_ECONFLICT);
    /* malformed tables are refused at registration */
    static const struct eg_http_param_spec bad_enum[] = {{.name = "m", .type = EG_PT_ENUM}, {0}};
    static const struct eg_http_param_spec bad_path[] = {
        {.name = "nope", .in = EG_PIN_PATH, .type = EG_PT_ID}, {0}};
    struct eg_http_route_spec b = spec_route;
    b.pattern = "/s2/{id}";
    b.params = bad_enum;
    CHECK_EQ_INT(eg_http_route_add_spec(srv, &b), EG_EINVAL);
    b.params = bad_path;
    CHECK_EQ_INT(eg_http_route_add_spec(srv, &b), EG_EINVAL);
    b.params = NULL;
    b.body_schema = "[1,2]";
    CHECK_EQ_INT(eg_http_route_add_spec(srv, &b), EG_EINVAL);
    b.body_schema = "{\"type\":";
    CHECK_EQ_INT(eg_http_route_add_spec(srv, &b), EG_EINVAL);
    CHECK_EQ_INT(eg_http_route_count(srv), 1);
    CHECK(eg_http_route_spec_of(srv, 0) == &spec_route);
    CHECK(eg_http_route_spec_of(srv, 1) == NULL);
    REQUIRE(eg_http_server_start(srv, &err) == 0);
    int port = eg_http_server_port(srv);
    struct eg_hc_resp r;

    /* defaults from the table; a date alone as the end of a range is the whole day */
    REQUIRE(!eg_hc_request(port, "GET", "/s/3?pollutant=PM2.5&from=2026-12-03&to=2026-12-03", NULL,
                           NULL, NULL, 0, &r));
    CHECK_EQ_INT(r.status, 200);
    json_t *j = eg_hc_json(&r);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "n")), 50);
    CHECK_STR(json_string_value(json_object_get(j, "mode")), "raw");
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "to")) -
                     json_integer_value(json_object_get(j, "from")),
                 86399);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "id")), 3);
    json_decref(j);
    eg_hc_free(&r);

    static const struct {
        const char *path;
        int status;
        const char *code, *words;
    } cases[] = {
        {"/s/3", 400, "missing_parameter", "pollutant is required"},
        {"/s/3?pollutant=x&bogus=1", 400, "unknown_parameter", "accepts pollutant, n, mode"},
        {"/s/3?pollutant=x&n=abc", 400, "bad_query",
         "n must be an integer from 1 to 1000 (page "
         "size; 每页条数)"},
        {"/s/3?pollutant=x&n=0", 422, "out_of_range", "from 1 to 1000"},
        {"/s/3?pollutant=x&n=99999999999999999999999", 400, "bad_query", "integer"},
        {"/s/3?pollutant=x&mode=2h", 400, "bad_query", "one of raw, 1h, 1d"},
        {"/s/3?pollutant=x&flag=yes", 400, "bad_query", "true or false"},
        {"/s/3?pollutant=x&from=2026-02-30", 422, "bad_time", "not an existing"},
        {"/s/3?pollutant=x&from=yesterday", 400, "bad_query", "Beijing time"},
        {"/s/3?pollutant=x&from=", 400, "bad_query", "Beijing time"},
        {"/s/3?pollutant=x&n=1&n=2", 400, "bad_query", "more than once"},
        {"/s/3?pollutant=0123456789abcdefX", 400, "bad_query", "at most 16 bytes"},
        {"/s/0?pollutant=x", 404, "not_found", "positive integers"},
        {"/s/abc?pollutant=x", 404, "not_found", "positive integers"},
        {"/s/3?pollutant=x&%3Cscript%3E=1", 400, "unknown_parameter", "<script>"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        REQUIRE(!eg_hc_request(port, "GET", cases[i].path, NULL, NULL, NULL, 0, &r));
        CHECK_EQ_INT(r.status, cases[i].status);
        json_t *e = eg_hc_json(&r);
        json_t *eo = json_object_get(e, "error");
        CHECK_STR(json_string_value(json_object_get(eo, "code")), cases[i].code);
        const char *m = json_string_value(json_object_get(eo, "message"));
        CHECK(m && strstr(m, cases[i].words));
        if (!m || !strstr(m, cases[i].words))
            fprintf(stderr, "  %s: %s\n", cases[i].path, m ? m : "(none)");
        json_decref(e);
        eg_hc_free(&r);
    }
    eg_http_server_free(srv);
}
