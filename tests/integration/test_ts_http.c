/* The time-series HTTP API (issue 4 §6-§7) against the real `envgov serve`: POST
   /api/v1/observations (JSON batch, idempotent, rejected items by index, bureau only),
   GET /api/v1/series raw / bucketed / CSV / XLSX, latest of many, and who may read what. */
#include "base/base.h"
#include "db/db.h"
#include "integration/http_client.h"
#include "registry/registry.h"
#include "test.h"
#include "ts/ts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_hs srv;

static int call(const char *token, const char *method, const char *path, const char *body,
                json_t **out, struct eg_hc_resp *keep)
{
    struct eg_hc_resp r;
    int rc = eg_hc_request(srv.port, method, path, token, NULL, body, body ? strlen(body) : 0, &r);
    int st = rc ? -1 : r.status;
    if (out)
        *out = eg_hc_json(&r);
    if (keep)
        *keep = r;
    else
        eg_hc_free(&r);
    return st;
}

TEST(ts_http_observations_series_latest_and_access)
{
    char db[600];
    snprintf(db, sizeof db, "%s/tsapi.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    /* device data of enterprise E1's device, written through the library */
    {
        struct eg_db *st;
        struct eg_ts *ts;
        struct eg_err err;
        REQUIRE(eg_db_open(db, &st, &err) == 0);
        REQUIRE(eg_ts_open(st, &ts, &err) == 0);
        struct eg_ts_point p[3];
        for (int i = 0; i < 3; i++)
            p[i] = (struct eg_ts_point){{"88888880000001", "w01018", EG_TS_KIND_MINUTE, "Avg", 0},
                                        1763600000 + i * 60,
                                        20 + i,
                                        'N'};
        REQUIRE(eg_ts_write_batch(ts, p, 3, EG_TS_CREATE, NULL, &err) == 0);
        eg_ts_close(ts);
        eg_db_close(st);
    }
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    char *bureau = eg_hc_login(srv.port, "bureau", "pw-bureau-123456");
    char *ent = eg_hc_login(srv.port, "enterprise", "pw-enterprise-123456");
    char *street = eg_hc_login(srv.port, "street", "pw-street-123456");
    REQUIRE(bureau && ent && street);
    const char *body = "{\"observations\":["
                       "{\"station\":\"SH-PD-AIR-01\",\"time\":\"2026-11-20 "
                       "08:00\",\"pollutant\":\"PM2.5\",\"value\":35},"
                       "{\"station\":\"SH-PD-AIR-01\",\"time\":\"2026-11-20 "
                       "09:00\",\"pollutant\":\"a34004\",\"value\":41.5,\"flag\":\"N\"},"
                       "{\"station\":\"SH-PD-AIR-01\",\"time\":\"2026-11-20 "
                       "10:00\",\"pollutant\":\"PM2.5\",\"value\":\"NaN\"},"
                       "{\"station\":\"SH-PD-AIR-01\",\"time\":\"2026-02-30 "
                       "10:00\",\"pollutant\":\"PM2.5\",\"value\":1},"
                       "{\"station\":\"SH-PD-AIR-01\",\"time\":\"2026-11-20 "
                       "11:00\",\"pollutant\":\"PM2.5\",\"value\":1,\"kind\":2062},"
                       "{\"station\":\"SH-PD-AIR-01\",\"time\":\"2026-11-20 "
                       "12:00\",\"pollutant\":\"PM2.5\",\"value\":1,\"flag\":\"x\"}"
                       "]}";
    json_t *j;
    CHECK_EQ_INT(call(bureau, "POST", "/api/v1/observations", body, &j, NULL), 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "written")), 2);
    json_t *rej = json_object_get(j, "rejected");
    CHECK_EQ_INT(json_array_size(rej), 4);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(rej, 0), "index")), 2);
    json_decref(j);
    CHECK_EQ_INT(call(bureau, "POST", "/api/v1/observations", body, &j, NULL), 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "duplicates")), 2);
    json_decref(j);
    CHECK_EQ_INT(call(ent, "POST", "/api/v1/observations", body, &j, NULL), 403);
    json_decref(j);
    CHECK_EQ_INT(call(bureau, "POST", "/api/v1/observations", "{\"observations\":7}", &j, NULL),
                 400);
    json_decref(j);

    /* the public station is readable anonymously, raw and per day */
    const char *q = "/api/v1/series?source=SH-PD-AIR-01&pollutant=a34004&kind=2061"
                    "&from=2026-11-20&to=2026-11-21";
    CHECK_EQ_INT(call(NULL, "GET", q, NULL, &j, NULL), 200);
    json_t *items = json_object_get(j, "items");
    REQUIRE(json_array_size(items) == 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(items, 0), "time")),
              "2026-11-20 08:00:00");
    CHECK_EQ_DBL(json_real_value(json_object_get(json_array_get(items, 1), "value")), 41.5, 0);
    CHECK(json_is_true(json_object_get(json_array_get(items, 1), "valid")));
    json_decref(j);
    char path[512];
    snprintf(path, sizeof path, "%s&bucket=1d", q);
    CHECK_EQ_INT(call(NULL, "GET", path, NULL, &j, NULL), 200);
    CHECK_EQ_DBL(
        json_number_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "avg")),
        38.25, 1e-12);
    json_decref(j);
    struct eg_hc_resp r;
    snprintf(path, sizeof path, "%s&format=csv", q);
    CHECK_EQ_INT(call(NULL, "GET", path, NULL, NULL, &r), 200);
    CHECK(r.body && strstr(r.body, "41.5"));
    /* issue 11 §5: booleans 是/否, the HJ 212 flag by its name (N: 正常), Beijing time */
    CHECK(r.body && strstr(r.body, ",是,") && strstr(r.body, ",正常,") &&
          strstr(r.body, "2026-11-20 08:00:00,") && !strstr(r.body, ",N,") &&
          !strstr(r.body, ",1,0,"));
    eg_hc_free(&r);
    snprintf(path, sizeof path, "%s&format=xlsx", q);
    CHECK_EQ_INT(call(NULL, "GET", path, NULL, NULL, &r), 200);
    CHECK(r.body_len > 100 && !memcmp(r.body, "PK", 2)); /* a zip container */
    eg_hc_free(&r);
    snprintf(path, sizeof path, "%s&bucket=2h", q);
    CHECK_EQ_INT(call(NULL, "GET", path, NULL, &j, NULL), 400);
    json_decref(j);
    CHECK_EQ_INT(call(NULL, "GET",
                      "/api/v1/series?source=SH-PD-AIR-01&pollutant=a34004&kind=2061"
                      "&from=2026-02-30&to=2026-11-21",
                      NULL, &j, NULL),
                 422); /* well formed, but no such day */
    json_decref(j);

    /* the enterprise device: its own enterprise, the bureau and the street user of its street
       (310115005) see it, the public does not (registry scope, docs/registry.md) */
    const char *dq = "/api/v1/series?source=88888880000001&pollutant=w01018&from=2025-11-01"
                     "&to=2025-12-01";
    CHECK_EQ_INT(call(ent, "GET", dq, NULL, &j, NULL), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 3);
    json_decref(j);
    CHECK_EQ_INT(call(bureau, "GET", dq, NULL, &j, NULL), 200);
    json_decref(j);
    CHECK_EQ_INT(call(NULL, "GET", dq, NULL, &j, NULL), 404);
    json_decref(j);
    CHECK_EQ_INT(call(street, "GET", dq, NULL, &j, NULL), 200);
    json_decref(j);

    /* latest of many: unknown and invisible series come back empty */
    CHECK_EQ_INT(call(NULL, "GET",
                      "/api/v1/series/latest?kind=2061&keys=SH-PD-AIR-01:a34004,NOPE:a34004", NULL,
                      &j, NULL),
                 200);
    items = json_object_get(j, "items");
    REQUIRE(json_array_size(items) == 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(items, 0), "time")),
              "2026-11-20 09:00:00");
    CHECK(json_is_null(json_object_get(json_array_get(items, 1), "value")));
    json_decref(j);
    CHECK_EQ_INT(
        call(NULL, "GET", "/api/v1/series/latest?keys=88888880000001:w01018", NULL, &j, NULL), 200);
    CHECK(json_is_null(json_object_get(json_array_get(json_object_get(j, "items"), 0), "value")));
    json_decref(j);
    /* declarations: the enterprise for its own device; not for the public station */
    CHECK_EQ_INT(call(ent, "POST", "/api/v1/series/declarations",
                      "{\"source\":\"88888880000001\",\"from\":\"2025-11-20 08:53\",\"to\":"
                      "\"2025-11-20 09:00\",\"reason\":\"maintenance\",\"note\":\"清洗\"}",
                      &j, NULL),
                 201);
    json_decref(j);
    CHECK_EQ_INT(call(ent, "POST", "/api/v1/series/declarations",
                      "{\"source\":\"SH-PD-AIR-01\",\"from\":\"2026-11-20\",\"to\":"
                      "\"2026-11-21\",\"reason\":\"fault\"}",
                      &j, NULL),
                 403);
    json_decref(j);
    CHECK_EQ_INT(call(ent, "POST", "/api/v1/series/declarations",
                      "{\"source\":\"88888880000001\",\"from\":\"2025-11-20\",\"to\":"
                      "\"2025-11-21\",\"reason\":\"holiday\"}",
                      &j, NULL),
                 422);
    json_decref(j);
    /* reviews: bureau only, reason required; applied in the reviewed tier */
    const char *rv = "{\"source\":\"SH-PD-AIR-01\",\"pollutant\":\"a34004\",\"kind\":2061,"
                     "\"from\":\"2026-11-20 09:00\",\"to\":\"2026-11-20 10:00\","
                     "\"verdict\":\"invalid\",\"reason\":\"采样管堵塞\"}";
    CHECK_EQ_INT(call(ent, "POST", "/api/v1/series/reviews", rv, &j, NULL), 403);
    json_decref(j);
    CHECK_EQ_INT(call(bureau, "POST", "/api/v1/series/reviews", rv, &j, NULL), 201);
    json_decref(j);
    snprintf(path, sizeof path, "%s&tier=reviewed", q);
    CHECK_EQ_INT(call(NULL, "GET", path, NULL, &j, NULL), 200);
    items = json_object_get(j, "items");
    CHECK(json_is_false(json_object_get(json_array_get(items, 1), "valid")));
    CHECK_STR(json_string_value(json_object_get(json_array_get(items, 1), "review")), "invalid");
    json_decref(j);
    CHECK_EQ_INT(call(NULL, "GET", q, NULL, &j, NULL), 200); /* preliminary: as received */
    CHECK(json_is_true(json_object_get(json_array_get(json_object_get(j, "items"), 1), "valid")));
    json_decref(j);
    /* rates of the device over 2025-11-20 08:53-09:00: 7 minutes expected, 3 received, the 3
       inside the maintenance window not valid */
    CHECK_EQ_INT(call(ent, "GET",
                      "/api/v1/series/rates?source=88888880000001&from=2025-11-20%2008:53"
                      "&to=2025-11-20%2009:00",
                      NULL, &j, NULL),
                 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "expected")), 7);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "received")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "valid")), 0);
    json_decref(j);
    CHECK_EQ_INT(call(NULL, "GET",
                      "/api/v1/series/rates?source=88888880000001&from=2025-11-20&to=2025-11-21",
                      NULL, &j, NULL),
                 404);
    json_decref(j);
    free(bureau);
    free(ent);
    free(street);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

/* Who reads which series is the registry's rule (eg_registry_source_readable, docs/registry.md),
   the same for /series, /series/rates and /series/latest: a street user its street's stations and
   devices plus the public stations; an enterprise its own devices plus the public stations; a
   steward its contracted units' devices plus the public stations; bureau and admin all;
   anonymous the public stations. Out of scope answers like unknown (404, empty latest). */
TEST(ts_http_series_read_scope_is_the_registry_rule)
{
    char db[600];
    snprintf(db, sizeof db, "%s/tsscope.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    static const char *const src[] = {"SH-PD-AIR-01", "S1-PRIVATE", "S2-PRIVATE", "88888880000001"};
    {
        struct eg_db *st;
        struct eg_ts *ts;
        struct eg_err err;
        REQUIRE(eg_db_open(db, &st, &err) == 0);
        /* two non-public stations: one in the street user's street, one in the other street */
        for (int i = 0; i < 2; i++) {
            json_t *in = json_pack("{s:s,s:s,s:s,s:I}", "code", src[1 + i], "name", src[1 + i],
                                   "kind", "air", "region_id", i ? fx.s2 : fx.s1);
            REQUIRE(eg_registry_create(st, eg_registry_find("stations"), &eg_principal_system, in,
                                       NULL, &err) == 0);
            json_decref(in);
        }
        REQUIRE(eg_ts_open(st, &ts, &err) == 0);
        struct eg_ts_point p[4];
        for (int i = 0; i < 4; i++)
            p[i] = (struct eg_ts_point){
                {src[i], "a34004", EG_TS_KIND_HOUR, "Avg", 0}, 1763600400, 10 + i, 'N'};
        REQUIRE(eg_ts_write_batch(ts, p, 4, EG_TS_CREATE, NULL, &err) == 0);
        eg_ts_close(ts);
        eg_db_close(st);
    }
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    static const char *const role[] = {NULL, "admin", "bureau", "street", "enterprise", "steward"};
    /* rows: the sources above; columns: the roles above; 1 readable */
    static const int want[4][6] = {
        {1, 1, 1, 1, 1, 1}, /* public station (street 310115005) */
        {0, 1, 1, 1, 0, 0}, /* non-public station in the street user's street */
        {0, 1, 1, 0, 0, 0}, /* non-public station in the other street */
        {0, 1, 1, 1, 1, 1}, /* device on E1's outlet: E1's street, E1, E1's steward */
    };
    for (int r = 0; r < 6; r++) {
        char *tok = NULL;
        if (role[r]) {
            char pw[64];
            snprintf(pw, sizeof pw, "pw-%s-123456", role[r]);
            tok = eg_hc_login(srv.port, role[r], pw);
            REQUIRE(tok);
        }
        for (int i = 0; i < 4; i++) {
            char path[256];
            json_t *j;
            snprintf(path, sizeof path,
                     "/api/v1/series?source=%s&pollutant=a34004&kind=2061&from=2025-11-20"
                     "&to=2025-11-21",
                     src[i]);
            int got = call(tok, "GET", path, NULL, &j, NULL);
            if (got != (want[i][r] ? 200 : 404))
                fprintf(stderr, "    series %s as %s: %d\n", src[i], role[r] ? role[r] : "anon",
                        got);
            CHECK_EQ_INT(got, want[i][r] ? 200 : 404);
            if (got == 200)
                CHECK_EQ_INT(json_array_size(json_object_get(j, "items")), 1);
            json_decref(j);
            snprintf(path, sizeof path,
                     "/api/v1/series/rates?source=%s&kind=2061&from=2025-11-20&to=2025-11-21",
                     src[i]);
            CHECK_EQ_INT(call(tok, "GET", path, NULL, &j, NULL), want[i][r] ? 200 : 404);
            json_decref(j);
            snprintf(path, sizeof path, "/api/v1/series/latest?kind=2061&keys=%s:a34004", src[i]);
            CHECK_EQ_INT(call(tok, "GET", path, NULL, &j, NULL), 200);
            json_t *v = json_object_get(json_array_get(json_object_get(j, "items"), 0), "value");
            CHECK(want[i][r] ? json_is_number(v) : json_is_null(v));
            json_decref(j);
        }
        free(tok);
    }
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}
