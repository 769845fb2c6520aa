/* The API explains itself (issue 11 item 3), against the real `envgov serve`: every route is
   documented from the table the router validates with, and every documented route, called with
   its documented examples, is answered (not refused for its parameters, not a missing route, not
   a server error); /api/v1/ is an index; /api/v1/docs is the API page (Swagger UI from npm,
   served offline, gzip, cache headers, 304); the parameters the first user missed are in the
   document (/series/latest, /series/rates, /devices/offline, source/from of /series, region of
   /aqi/latest) and the declarations body is a real schema whose "reason" is named "condition". */
#include "base/base.h"
#include "db/db.h"
#include "integration/http_client.h"
#include "test.h"
#include "ts/ts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static struct eg_hs srv;

static int call(const char *token, const char *method, const char *path, const char *hdrs,
                const char *body, struct eg_hc_resp *r)
{
    int rc = eg_hc_request(srv.port, method, path, token, hdrs, body, body ? strlen(body) : 0, r);
    return rc ? -1 : r->status;
}

static const char *err_code(const struct eg_hc_resp *r)
{
    static char code[64];
    json_t *j = eg_hc_json(r);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    snprintf(code, sizeof code, "%s", c ? c : "");
    json_decref(j);
    return code;
}

static void setup(void)
{
    char db[600];
    snprintf(db, sizeof db, "%s/docs.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    /* hourly PM2.5 of the public station and minute SO2 of E1's device, 2026-12-01..03, so that
       the documented examples find data */
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err err;
    REQUIRE(eg_db_open(db, &st, &err) == 0);
    REQUIRE(eg_ts_open(st, &ts, &err) == 0);
    int64_t t0;
    REQUIRE(eg_time_parse_beijing("2026-12-01 00:00", 16, &t0) == 0);
    struct eg_ts_point p[2 * 72];
    for (int i = 0; i < 72; i++) {
        p[2 * i] = (struct eg_ts_point){
            {"SH-PD-AIR-01", "a34004", EG_TS_KIND_HOUR, "Avg", 0}, t0 + i * 3600, 30 + i % 7, 'N'};
        p[2 * i + 1] = (struct eg_ts_point){
            {"88888880000001", "a21026", EG_TS_KIND_MINUTE, "Avg", 0}, t0 + i * 3600, 12, 'N'};
    }
    REQUIRE(eg_ts_write_batch(ts, p, EG_ARRAY_LEN(p), EG_TS_CREATE, NULL, &err) == 0);
    eg_ts_close(ts);
    eg_db_close(st);
    /* with the HJ 212 listener, so that a command to a device is answered as it would be */
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", eg_test_free_port());
    const char *extra[] = {"--hj212", listen, NULL};
    REQUIRE(eg_hs_start(&srv, db, extra) == 0);
}

/* The operation's parameter of this name, or NULL. */
static json_t *op_param(json_t *op, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(op, "parameters"), i, p)
    {
        if (!strcmp(json_string_value(json_object_get(p, "name")), name))
            return p;
    }
    return NULL;
}

TEST(api_docs_every_documented_route_called_with_its_examples)
{
    setup();
    char *admin = eg_hc_login(srv.port, "admin", "pw-admin-123456");
    char *spare = eg_hc_login(srv.port, "bureau", "pw-bureau-123456");
    REQUIRE(admin && spare);
    struct eg_hc_resp r;
    REQUIRE(call(NULL, "GET", "/api/v1/openapi.json", NULL, NULL, &r) == 200);
    json_t *doc = eg_hc_json(&r);
    eg_hc_free(&r);
    REQUIRE(doc);
    json_t *paths = json_object_get(doc, "paths");
    const char *path;
    json_t *item;
    int ops = 0, called = 0, ok2xx = 0;
    json_object_foreach(paths, path, item)
    {
        const char *method;
        json_t *op;
        json_object_foreach(item, method, op)
        {
            ops++;
            char m[8];
            size_t k = 0;
            for (; method[k] && k < 7; k++)
                m[k] = (char)(method[k] - 32);
            m[k] = '\0';
            /* every route declared with its table */
            if (json_is_true(json_object_get(op, "x-undocumented")))
                eg_test_fail(__FILE__, __LINE__,
                             "%s %s is undocumented (eg_http_route_add without "
                             "a spec)",
                             m, path);
            /* the URL: {placeholders} from their examples, then the query parameters that have
               an example or are required */
            struct eg_buf url = {0};
            for (const char *c = path; *c;) {
                if (*c == '{') {
                    const char *e = strchr(c, '}');
                    char name[64];
                    snprintf(name, sizeof name, "%.*s", (int)(e - c - 1), c + 1);
                    json_t *pp = op_param(op, name);
                    const char *ex = json_string_value(json_object_get(pp, "example"));
                    if (!ex)
                        eg_test_fail(__FILE__, __LINE__, "%s %s: path parameter %s has no example",
                                     m, path, name);
                    eg_buf_puts(&url, ex ? ex : "1");
                    c = e + 1;
                } else {
                    eg_buf_append(&url, c++, 1);
                }
            }
            size_t i;
            json_t *pp;
            char sep = '?';
            json_array_foreach(json_object_get(op, "parameters"), i, pp)
            {
                if (strcmp(json_string_value(json_object_get(pp, "in")), "query"))
                    continue;
                const char *name = json_string_value(json_object_get(pp, "name"));
                const char *ex = json_string_value(json_object_get(pp, "example"));
                if (json_is_true(json_object_get(pp, "required")) && !ex)
                    eg_test_fail(__FILE__, __LINE__, "%s %s: required %s has no example", m, path,
                                 name);
                if (!ex)
                    continue;
                eg_buf_printf(&url, "%c%s=", sep, name);
                for (const char *c = ex; *c; c++) /* spaces and the plus of a time */
                    if (*c == ' ')
                        eg_buf_puts(&url, "%20");
                    else if (*c == '+')
                        eg_buf_puts(&url, "%2B");
                    else
                        eg_buf_append(&url, c, 1);
                sep = '&';
            }
            eg_buf_append(&url, "", 1);
            /* the body: the documented example, else {} (or a CSV header) */
            json_t *rb = json_object_get(op, "requestBody");
            json_t *content = json_object_get(rb, "content");
            char *body = NULL;
            if (json_object_get(content, "application/json")) {
                json_t *ex = json_object_get(
                    json_object_get(json_object_get(content, "application/json"), "schema"),
                    "example");
                body = ex ? json_dumps(ex, JSON_COMPACT) : strdup("{}");
            } else if (json_object_get(content, "text/csv")) {
                body = strdup("name\n");
            }
            int logout = strstr(path, "logout") != NULL;
            int st = call(logout ? spare : admin, m, url.data, NULL, body, &r);
            called++;
            const char *code = err_code(&r);
            int refused_params =
                st == 400 &&
                (!strcmp(code, "unknown_parameter") || !strcmp(code, "missing_parameter") ||
                 !strcmp(code, "bad_query") || !strcmp(code, "unknown_filter"));
            int bad = st <= 0 || st >= 500 || st == 405 ||
                      (st == 404 && !strcmp(code, "no_route")) || refused_params ||
                      (!body && st == 400);
            /* a 2xx is one the document lists */
            char sts[8];
            snprintf(sts, sizeof sts, "%d", st);
            if (st >= 200 && st < 300) {
                ok2xx++;
                if (!json_object_get(json_object_get(op, "responses"), sts))
                    eg_test_fail(__FILE__, __LINE__, "%s %s answered %d, not documented", m,
                                 url.data, st);
            }
            if (bad)
                eg_test_fail(__FILE__, __LINE__, "%s %s -> %d %s: %.300s", m, url.data, st, code,
                             r.body ? r.body : "");
            eg_hc_free(&r);
            free(body);
            eg_buf_free(&url);
        }
    }
    /* every route of the table is in the document: the index lists them too (less the page's
       files, one route) */
    REQUIRE(call(NULL, "GET", "/api/v1/", NULL, NULL, &r) == 200);
    json_t *idx = eg_hc_json(&r);
    eg_hc_free(&r);
    CHECK_EQ_INT(json_array_size(json_object_get(idx, "routes")) + 1, (size_t)ops);
    printf("  %d documented operations, %d called with their examples, %d answered 2xx\n", ops,
           called, ok2xx);
    CHECK(ops >= 90);
    CHECK(ok2xx * 2 >= ops); /* most examples find something on the fixture */
    json_decref(idx);
    json_decref(doc);
    free(admin);
    free(spare);
    eg_hs_stop(&srv);
}

TEST(api_docs_parameters_bodies_the_first_user_missed)
{
    setup();
    struct eg_hc_resp r;
    REQUIRE(call(NULL, "GET", "/api/v1/openapi.json", NULL, NULL, &r) == 200);
    json_t *doc = eg_hc_json(&r);
    eg_hc_free(&r);
    json_t *paths = json_object_get(doc, "paths");
    static const struct {
        const char *path, *param;
    } want[] = {
        {"/api/v1/series/latest", "keys"},
        {"/api/v1/series/latest", "kind"},
        {"/api/v1/series/rates", "source"},
        {"/api/v1/series/rates", "from"},
        {"/api/v1/series/rates", "to"},
        {"/api/v1/devices/offline", "multiple"},
        {"/api/v1/devices/offline", "region"},
        {"/api/v1/series", "source"},
        {"/api/v1/series", "from"},
        {"/api/v1/series", "pollutant"},
        {"/api/v1/aqi/latest", "region"},
        {"/api/v1/aqi/hourly", "station"},
        {"/api/v1/eval/water", "waterbody"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(want); i++) {
        json_t *op = json_object_get(json_object_get(paths, want[i].path), "get");
        json_t *p = op_param(op, want[i].param);
        if (!p)
            eg_test_fail(__FILE__, __LINE__, "%s does not document %s", want[i].path,
                         want[i].param);
        /* each with a Chinese and an English description */
        CHECK(p && json_string_value(json_object_get(p, "x-description-zh")));
        CHECK(p && json_string_value(json_object_get(p, "x-description-en")));
    }
    /* required ones marked; enum of kind */
    json_t *latest = json_object_get(json_object_get(paths, "/api/v1/series/latest"), "get");
    CHECK(json_is_true(json_object_get(op_param(latest, "keys"), "required")));
    CHECK_EQ_INT(json_array_size(
                     json_object_get(json_object_get(op_param(latest, "kind"), "schema"), "enum")),
                 4);
    /* the declarations body: a real schema, "condition" with its values, "reason" deprecated */
    json_t *decl = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(json_object_get(paths, "/api/v1/series/"
                                                                                   "declarations"),
                                                            "post"),
                                            "requestBody"),
                            "content"),
            "application/json"),
        "schema");
    json_t *props = json_object_get(decl, "properties");
    CHECK_EQ_INT(json_array_size(json_object_get(json_object_get(props, "condition"), "enum")), 4);
    CHECK(json_is_true(json_object_get(json_object_get(props, "reason"), "deprecated")));
    CHECK(json_array_size(json_object_get(decl, "required")) == 4);
    /* answers: the AQI list has a schema with the aqi field, not just {"type":"object"} */
    json_t *aqi = json_object_get(json_object_get(paths, "/api/v1/aqi/latest"), "get");
    char *dump = json_dumps(json_object_get(aqi, "responses"), JSON_COMPACT);
    CHECK(dump && strstr(dump, "\"aqi\"") && strstr(dump, "primary_pollutants"));
    free(dump);

    /* the router refuses with the table's words what the document does not list */
    REQUIRE(call(NULL, "GET", "/api/v1/series/latest?keys=SH-PD-AIR-01:PM2.5&kinds=2061", NULL,
                 NULL, &r) == 400);
    CHECK_STR(err_code(&r), "unknown_parameter");
    CHECK(strstr(r.body, "accepts keys, kind, field, computed") != NULL);
    eg_hc_free(&r);
    REQUIRE(call(NULL, "GET", "/api/v1/series/latest?keys=SH-PD-AIR-01:PM2.5&kind=2062", NULL, NULL,
                 &r) == 400);
    CHECK(strstr(r.body, "kind must be one of 2011, 2051, 2061, 2031") != NULL);
    eg_hc_free(&r);
    REQUIRE(call(NULL, "GET", "/api/v1/series/rates?from=2026-12-01&to=2026-12-02", NULL, NULL,
                 &r) == 400);
    CHECK_STR(err_code(&r), "missing_parameter");
    CHECK(strstr(r.body, "source is required") != NULL);
    eg_hc_free(&r);
    REQUIRE(call(NULL, "GET", "/api/v1/aqi/latest?region=310115005&region=310115", NULL, NULL,
                 &r) == 400);
    CHECK(strstr(r.body, "more than once") != NULL);
    eg_hc_free(&r);
    /* hostile names and values are quoted escaped, never echoed raw */
    REQUIRE(call(NULL, "GET", "/api/v1/aqi/latest?%0D%0AX-Evil:%201=1", NULL, NULL, &r) == 400);
    CHECK(strstr(r.body, "\r\n") == NULL);
    eg_hc_free(&r);
    json_decref(doc);
    eg_hs_stop(&srv);
}

/* gunzips a body */
static char *gunzip(const char *p, size_t n, size_t *out_len)
{
    z_stream z = {0};
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return NULL;
    size_t cap = n * 8 + 1024;
    char *out = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    *out_len = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

TEST(api_docs_index_and_page_served_offline_compressed_cached)
{
    setup();
    struct eg_hc_resp r;
    /* the address printed at start is no longer a 404 */
    REQUIRE(call(NULL, "GET", "/api/v1/", NULL, NULL, &r) == 200);
    json_t *j = eg_hc_json(&r);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "documents"), "docs")),
              "/api/v1/docs");
    int found = 0;
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(j, "routes"), i, o)
    {
        if (!strcmp(json_string_value(json_object_get(o, "path")), "/api/v1/series/latest")) {
            found = 1;
            CHECK_STR(json_string_value(json_array_get(json_object_get(o, "query"), 0)), "keys");
            CHECK(json_string_value(json_object_get(o, "summary_zh")) != NULL);
        }
    }
    CHECK(found);
    json_decref(j);
    eg_hc_free(&r);
    REQUIRE(call(NULL, "GET", "/api/v1", NULL, NULL, &r) == 200);
    eg_hc_free(&r);
    REQUIRE(call(NULL, "GET", "/api/v1/?x=1", NULL, NULL, &r) == 400);
    CHECK_STR(err_code(&r), "unknown_parameter");
    eg_hc_free(&r);

    /* the page: Swagger UI over our document, nothing from another host */
    REQUIRE(call(NULL, "GET", "/api/v1/docs", NULL, NULL, &r) == 200);
    CHECK(strstr(eg_hc_header(&r, "Content-Type"), "text/html") != NULL);
    CHECK(strstr(r.body, "/api/v1/docs/swagger-ui-bundle.js") != NULL);
    CHECK(strstr(r.body, "http://") == NULL && strstr(r.body, "https://") == NULL);
    eg_hc_free(&r);
    REQUIRE(call(NULL, "GET", "/api/v1/docs/init.js", NULL, NULL, &r) == 200);
    CHECK(strstr(r.body, "/api/v1/openapi.json") != NULL);
    eg_hc_free(&r);

    /* the bundle: gzip when accepted, the same bytes as the npm package's file */
    size_t disk_len = 0;
    char *disk = eg_test_read_file("node_modules/swagger-ui-dist/swagger-ui-bundle.js", &disk_len);
    REQUIRE(disk && disk_len > 100000);
    REQUIRE(call(NULL, "GET", "/api/v1/docs/swagger-ui-bundle.js", "Accept-Encoding: gzip, br\r\n",
                 NULL, &r) == 200);
    CHECK_STR(eg_hc_header(&r, "Content-Encoding"), "gzip");
    CHECK(strstr(eg_hc_header(&r, "Cache-Control"), "max-age=86400") != NULL);
    CHECK(strstr(eg_hc_header(&r, "Cache-Control"), "no-store") == NULL);
    CHECK(strstr(eg_hc_header(&r, "Content-Type"), "javascript") != NULL);
    char etag[64];
    snprintf(etag, sizeof etag, "%s", eg_hc_header(&r, "ETag"));
    size_t ulen = 0;
    char *u = gunzip(r.body, r.body_len, &ulen);
    REQUIRE(u);
    CHECK_EQ_INT(ulen, disk_len);
    CHECK(memcmp(u, disk, disk_len) == 0);
    printf("  swagger-ui-bundle.js: %zu bytes, %zu gzipped (%.1f%%)\n", disk_len, r.body_len,
           100.0 * (double)r.body_len / (double)disk_len);
    CHECK(r.body_len * 3 < disk_len);
    free(u);
    eg_hc_free(&r);
    /* without Accept-Encoding: the plain bytes */
    REQUIRE(call(NULL, "GET", "/api/v1/docs/swagger-ui-bundle.js", NULL, NULL, &r) == 200);
    CHECK(eg_hc_header(&r, "Content-Encoding") == NULL);
    CHECK_EQ_INT(r.body_len, disk_len);
    eg_hc_free(&r);
    free(disk);
    /* revalidation: 304 for the same ETag */
    char hdr[128];
    snprintf(hdr, sizeof hdr, "If-None-Match: %s\r\n", etag);
    REQUIRE(call(NULL, "GET", "/api/v1/docs/swagger-ui-bundle.js", hdr, NULL, &r) == 304);
    CHECK_EQ_INT(r.body_len, 0);
    eg_hc_free(&r);
    /* only the files of the table: no traversal, no other file of the package */
    static const char *const no[] = {"/api/v1/docs/..%2F..%2Fpackage.json",
                                     "/api/v1/docs/index.html",
                                     "/api/v1/docs/swagger-ui-bundle.js.map", "/api/v1/docs/%00",
                                     "/api/v1/docs/../../etc/passwd"};
    for (size_t k = 0; k < EG_ARRAY_LEN(no); k++) {
        int st = call(NULL, "GET", no[k], NULL, NULL, &r);
        CHECK(st == 404 || st == 400);
        CHECK(strstr(r.body ? r.body : "", "\"name\"") == NULL);
        eg_hc_free(&r);
    }
    eg_hs_stop(&srv);
}

/* Errors that sent the first user the wrong way (issue 11 item 4, HTTP side). Each of these
   failed before: /series for a station named a command that does not exist ("envgov series
   add") because the default kind (2051 minute) is not what a station has (2061 hourly
   observations); PM2.5 was refused though docs/timeseries.md says common names are taken;
   from=D&to=D was "from must be before to". */
TEST(api_errors_station_series_common_names_whole_day_ranges)
{
    setup();
    struct eg_hc_resp r;
    json_t *j;
    /* a station's hourly series by its code and a common name, one whole day */
    REQUIRE(call(NULL, "GET",
                 "/api/v1/series?source=SH-PD-AIR-01&pollutant=PM2.5&from=2026-12-03&to=2026-12-03",
                 NULL, NULL, &r) == 200);
    j = eg_hc_json(&r);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 24);
    CHECK_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "time")),
        "2026-12-03 00:00:00");
    CHECK_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 23), "time")),
        "2026-12-03 23:00:00");
    json_decref(j);
    eg_hc_free(&r);
    /* the same by code and explicit kind; a time as the end stays exclusive */
    REQUIRE(
        call(NULL, "GET",
             "/api/v1/series?source=SH-PD-AIR-01&pollutant=a34004&kind=2061&from=2026-12-03%2000:00"
             "&to=2026-12-03%2010:00",
             NULL, NULL, &r) == 200);
    j = eg_hc_json(&r);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 10);
    json_decref(j);
    eg_hc_free(&r);
    /* daily buckets over three whole days */
    REQUIRE(call(NULL, "GET",
                 "/api/v1/series?source=SH-PD-AIR-01&pollutant=PM2.5&bucket=1d&from=2026-12-01&"
                 "to=2026-12-03",
                 NULL, NULL, &r) == 200);
    j = eg_hc_json(&r);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 3);
    json_decref(j);
    eg_hc_free(&r);
    /* a series the station does not have: what it has, and no command that does not exist */
    REQUIRE(call(NULL, "GET",
                 "/api/v1/series?source=SH-PD-AIR-01&pollutant=SO2&from=2026-12-01&to=2026-12-03",
                 NULL, NULL, &r) == 404);
    CHECK(strstr(r.body, "series add") == NULL);
    CHECK(strstr(r.body, "it has: a34004 kind=2061 field=Avg") != NULL);
    eg_hc_free(&r);
    REQUIRE(call(NULL, "GET",
                 "/api/v1/series?source=SH-PD-AIR-01&pollutant=PM2.5&kind=2051&from=2026-12-01&"
                 "to=2026-12-03",
                 NULL, NULL, &r) == 404);
    CHECK(strstr(r.body, "series add") == NULL);
    CHECK(strstr(r.body, "kind=2061") != NULL);
    eg_hc_free(&r);
    /* latest by common name */
    REQUIRE(call(NULL, "GET", "/api/v1/series/latest?keys=SH-PD-AIR-01:PM2.5&kind=2061", NULL, NULL,
                 &r) == 200);
    j = eg_hc_json(&r);
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    CHECK(json_is_number(json_object_get(it, "value")));
    CHECK_STR(json_string_value(json_object_get(it, "time")), "2026-12-03 23:00:00");
    json_decref(j);
    eg_hc_free(&r);
    /* AQI per hour and per day, and rates, over one whole day */
    REQUIRE(call(NULL, "GET",
                 "/api/v1/aqi/hourly?station=SH-PD-AIR-01&from=2026-12-03&to=2026-12-03", NULL,
                 NULL, &r) == 200);
    j = eg_hc_json(&r);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 24);
    json_decref(j);
    eg_hc_free(&r);
    REQUIRE(call(NULL, "GET",
                 "/api/v1/aqi/daily?station=SH-PD-AIR-01&from=2026-12-03&to=2026-12-03", NULL, NULL,
                 &r) == 200);
    j = eg_hc_json(&r);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    eg_hc_free(&r);
    char *bureau = eg_hc_login(srv.port, "bureau", "pw-bureau-123456");
    REQUIRE(bureau);
    REQUIRE(
        call(bureau, "GET",
             "/api/v1/series/rates?source=88888880000001&kind=2051&from=2026-12-02&to=2026-12-02",
             NULL, NULL, &r) == 200);
    j = eg_hc_json(&r);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "received")), 24);
    json_decref(j);
    eg_hc_free(&r);
    free(bureau);
    /* what stays refused, with words that say what to do */
    REQUIRE(call(NULL, "GET",
                 "/api/v1/series?source=SH-PD-AIR-01&pollutant=PM2.5&from=2026-12-03&to=2026-12-02",
                 NULL, NULL, &r) == 422);
    CHECK_STR(err_code(&r), "bad_range");
    CHECK(strstr(r.body, "a date alone") != NULL);
    eg_hc_free(&r);
    REQUIRE(call(NULL, "GET",
                 "/api/v1/"
                 "series?source=SH-PD-AIR-01&pollutant=PM2.5&from=2026-12-03&to=2026-12-03T25:00",
                 NULL, NULL, &r) == 422);
    CHECK_STR(err_code(&r), "bad_time");
    eg_hc_free(&r);
    REQUIRE(call(NULL, "GET",
                 "/api/v1/series?source=SH-PD-AIR-01&pollutant=PM2.5&from=2026-12-03&to=tomorrow",
                 NULL, NULL, &r) == 400);
    CHECK(strstr(r.body, "to must be a Beijing time") != NULL);
    eg_hc_free(&r);
    REQUIRE(
        call(NULL, "GET",
             "/api/v1/series?source=SH-PD-AIR-01&pollutant=PM2.5PM2.5PM2.5PM2.5&from=2026-12-03&"
             "to=2026-12-03",
             NULL, NULL, &r) == 400);
    eg_hc_free(&r);
    eg_hs_stop(&srv);
}
