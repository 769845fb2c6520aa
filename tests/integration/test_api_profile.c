/* What each role looks for first (issue 11 item 6), against the real `envgov serve`: 一企一档 in
   one call (GET /api/v1/units/{id}/profile) with each limit judged against the latest value of
   its outlet's device; the filters "devices of an enterprise" (devices?unit_id=) and "my street,
   grids included" (?in_region=); a station by its code for the public (public stations only);
   the street officer's /devices/offline for its region. A test per role for each. */
#include "base/base.h"
#include "db/db.h"
#include "integration/http_client.h"
#include "test.h"
#include "ts/ts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_hs srv;
static struct eg_hf fx;
enum { ANON, ADMIN, BUREAU, STREET, ENTERPRISE, STEWARD, NROLES };
static const char *const role_names[NROLES] = {"anonymous", "admin",      "bureau",
                                               "street",    "enterprise", "steward"};
static char *tok[NROLES];

static int get(int role, const char *path, json_t **out)
{
    struct eg_hc_resp r;
    int rc = eg_hc_request(srv.port, "GET", path, tok[role], NULL, NULL, 0, &r);
    int st = rc ? -1 : r.status;
    if (out)
        *out = eg_hc_json(&r);
    eg_hc_free(&r);
    return st;
}

static int send_json(int role, const char *method, const char *path, json_t *body, json_t **out)
{
    char *b = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct eg_hc_resp r;
    int rc = eg_hc_request(srv.port, method, path, tok[role], NULL, b, strlen(b), &r);
    free(b);
    int st = rc ? -1 : r.status;
    if (out)
        *out = eg_hc_json(&r);
    eg_hc_free(&r);
    return st;
}

static long long create(const char *res, json_t *body)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/%s", res);
    json_t *j = NULL;
    int st = send_json(ADMIN, "POST", path, body, &j);
    long long id = st == 201 ? (long long)json_integer_value(json_object_get(j, "id")) : -1;
    if (st != 201) {
        char *d = json_dumps(j, JSON_COMPACT);
        fprintf(stderr, "    create %s: %d %s\n", res, st, d ? d : "");
        free(d);
    }
    json_decref(j);
    return id;
}

static long long grid_unit, dv2, st_private_s1, st_private_s2;

static void setup(void)
{
    char db[600];
    snprintf(db, sizeof db, "%s/profile.db", eg_test_tmpdir());
    REQUIRE(eg_hf_build(db, &fx) == 0);
    /* E1's SO2 hourly mean now: 62 mg/m3 against its permit limit of 50 (fixture: DB31/933) */
    struct eg_db *st;
    struct eg_ts *ts;
    struct eg_err err;
    REQUIRE(eg_db_open(db, &st, &err) == 0);
    REQUIRE(eg_ts_open(st, &ts, &err) == 0);
    int64_t now = eg_time_now(), hour = now - now % 3600 - 3600;
    struct eg_ts_point p[] = {
        {{"88888880000001", "a21026", EG_TS_KIND_HOUR, "Avg", 0}, hour - 3600, 40, 'N'},
        {{"88888880000001", "a21026", EG_TS_KIND_HOUR, "Avg", 0}, hour, 62, 'N'},
        {{"88888880000001", "a21002", EG_TS_KIND_MINUTE, "Avg", 0}, hour + 60, 18, 'N'},
        {{"SH-PD-AIR-01", "a34004", EG_TS_KIND_HOUR, "Avg", 0}, hour, 35, 'N'},
    };
    REQUIRE(eg_ts_write_batch(ts, p, EG_ARRAY_LEN(p), EG_TS_CREATE, NULL, &err) == 0);
    eg_ts_close(ts);
    eg_db_close(st);
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    tok[ANON] = NULL;
    for (int r = 1; r < NROLES; r++) {
        char pw[64];
        snprintf(pw, sizeof pw, "pw-%s-123456", role_names[r]);
        tok[r] = eg_hc_login(srv.port, role_names[r], pw);
        REQUIRE(tok[r]);
    }
    /* a building in S1's grid, E2's device, stations that are not public in S1 and S2 */
    grid_unit = create("units", json_pack("{s:s,s:s,s:I}", "name", "网格内楼宇", "kind", "building",
                                          "region_id", fx.grid));
    dv2 = create("devices", json_pack("{s:s,s:s,s:I,s:s,s:b}", "mn", "88888880000002", "password",
                                      "device-pw-2", "outlet_id", fx.o2, "pollutants", "w01018",
                                      "confirmed", 1));
    st_private_s1 =
        create("stations", json_pack("{s:s,s:s,s:s,s:I,s:b}", "code", "SH-PD-AIR-03", "name",
                                     "内部站S1", "kind", "air", "region_id", fx.s1, "public", 0));
    st_private_s2 =
        create("stations", json_pack("{s:s,s:s,s:s,s:I,s:b}", "code", "SH-PD-AIR-02", "name",
                                     "内部站S2", "kind", "air", "region_id", fx.s2, "public", 0));
    REQUIRE(grid_unit > 0 && dv2 > 0 && st_private_s1 > 0 && st_private_s2 > 0);
    /* E1's device confirmed by the bureau (only confirmed devices are judged) */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/devices/%lld", fx.dv1);
    REQUIRE(send_json(BUREAU, "PATCH", path, json_pack("{s:b}", "confirmed", 1), NULL) == 200);
}

static void teardown(void)
{
    for (int r = 0; r < NROLES; r++) {
        free(tok[r]);
        tok[r] = NULL;
    }
    eg_hs_stop(&srv);
}

TEST(api_profile_one_call_per_role_limits_against_latest)
{
    setup();
    char path[96];
    snprintf(path, sizeof path, "/api/v1/units/%lld/profile", fx.e1);
    /* E1 (not public, in S1): its own enterprise, its steward, S1's street, bureau, admin */
    static const int see[NROLES] = {404, 200, 200, 200, 200, 200};
    for (int r = 0; r < NROLES; r++) {
        json_t *j = NULL;
        int st = get(r, path, &j);
        if (st != see[r])
            eg_test_fail(__FILE__, __LINE__, "%s: profile of E1 %d, expected %d", role_names[r], st,
                         see[r]);
        if (st == 200) {
            CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "unit"), "id")),
                         fx.e1);
            json_t *o = json_array_get(json_object_get(j, "outlets"), 0);
            CHECK_STR(json_string_value(json_object_get(o, "code")), "DA001");
            CHECK_STR(json_string_value(json_array_get(json_object_get(o, "devices"), 0)),
                      "88888880000001");
            json_t *l = json_array_get(json_object_get(o, "limits"), 0);
            CHECK_STR(json_string_value(json_object_get(l, "pollutant")), "a21026");
            CHECK_STR(json_string_value(json_object_get(l, "permit_number")), "91310115XX001V");
            /* the newest hourly mean, 62, against 50: 1.24 times, exceeded */
            json_t *lt = json_object_get(l, "latest");
            CHECK_EQ_DBL(json_number_value(json_object_get(lt, "value")), 62, 1e-9);
            CHECK_EQ_INT(json_integer_value(json_object_get(lt, "kind")), 2061);
            CHECK_EQ_DBL(json_number_value(json_object_get(l, "ratio")), 1.24, 1e-9);
            CHECK(json_is_true(json_object_get(l, "exceeds")));
            json_t *d = json_array_get(json_object_get(j, "devices"), 0);
            CHECK(json_object_get(d, "password") == NULL);
            CHECK(json_is_object(json_object_get(d, "status")));
            CHECK(json_is_false(json_object_get(json_object_get(d, "status"), "online")));
            /* each of the device's pollutants with its latest value (minute mean of a21002) */
            json_t *dl = json_object_get(d, "latest");
            CHECK_EQ_INT(json_array_size(dl), 2);
            CHECK_EQ_DBL(json_number_value(json_object_get(
                             json_object_get(json_array_get(dl, 1), "latest"), "value")),
                         18, 1e-9);
            json_t *sum = json_object_get(j, "summary");
            CHECK_EQ_INT(json_integer_value(json_object_get(sum, "limits_exceeded")), 1);
            CHECK_EQ_INT(json_integer_value(json_object_get(sum, "devices")), 1);
            CHECK_EQ_INT(json_integer_value(json_object_get(sum, "permits")), 1);
            CHECK_EQ_INT(json_array_size(json_object_get(j, "sections")), 4);
        }
        json_decref(j);
    }
    /* E2 (public, in S2): everyone reads it; devices are never public */
    snprintf(path, sizeof path, "/api/v1/units/%lld/profile", fx.e2);
    for (int r = 0; r < NROLES; r++) {
        json_t *j = NULL;
        CHECK_EQ_INT(get(r, path, &j), 200);
        size_t nd = json_array_size(json_object_get(j, "devices"));
        /* the device of E2 is seen by bureau and admin only (not the street of S1, not E1) */
        CHECK_EQ_INT(nd, r == ADMIN || r == BUREAU ? 1 : 0);
        CHECK_EQ_INT(json_array_size(json_object_get(j, "outlets")), 1);
        json_decref(j);
    }
    /* unknown, malformed, hostile ids */
    CHECK_EQ_INT(get(BUREAU, "/api/v1/units/999999/profile", NULL), 404);
    CHECK_EQ_INT(get(BUREAU, "/api/v1/units/0/profile", NULL), 404);
    CHECK_EQ_INT(get(BUREAU, "/api/v1/units/abc/profile", NULL), 404);
    CHECK_EQ_INT(get(BUREAU, "/api/v1/units/1%27%20OR%201=1/profile", NULL), 404);
    CHECK_EQ_INT(get(BUREAU, "/api/v1/units/99999999999999999999999/profile", NULL), 404);
    CHECK_EQ_INT(get(BUREAU, "/api/v1/units/2/profile?x=1", NULL), 400);
    teardown();
}

/* count of rows of a list */
static int count(int role, const char *path)
{
    json_t *j = NULL;
    int st = get(role, path, &j);
    int n = st == 200 ? (int)json_array_size(json_object_get(j, "items")) : -st;
    json_decref(j);
    return n;
}

TEST(api_profile_filters_devices_of_an_enterprise_and_my_street_with_grids)
{
    setup();
    char path[128];
    /* devices of an enterprise, through their outlets */
    snprintf(path, sizeof path, "/api/v1/devices?unit_id=%lld", fx.e1);
    static const int e1_devices[NROLES] = {-401, 1, 1, 1, 1, 1};
    for (int r = 0; r < NROLES; r++) {
        int n = count(r, path);
        /* anonymous may not list devices at all */
        if (r == ANON)
            CHECK(n < 0);
        else
            CHECK_EQ_INT(n, e1_devices[r]);
    }
    snprintf(path, sizeof path, "/api/v1/devices?unit_id=%lld", fx.e2);
    CHECK_EQ_INT(count(BUREAU, path), 1);
    CHECK_EQ_INT(count(ENTERPRISE, path), 0); /* another enterprise's: scope on top */
    CHECK_EQ_INT(count(STREET, path), 0);     /* another street's */
    CHECK_EQ_INT(count(BUREAU, "/api/v1/devices?unit_id=abc"), -400);
    CHECK_EQ_INT(count(BUREAU, "/api/v1/devices?unit_id=-1"), -400);
    snprintf(path, sizeof path, "/api/v1/permit_limits?unit_id=%lld", fx.e1);
    CHECK_EQ_INT(count(BUREAU, path), 1);
    /* my street, grids included */
    int s1_units = count(BUREAU, "/api/v1/units?in_region=310115005&limit=1000");
    int grid_units = count(BUREAU, "/api/v1/units?in_region=310115005001");
    CHECK_EQ_INT(grid_units, 1); /* the building in the grid */
    /* park, E1, six spare buildings in S1, and the grid's building */
    CHECK_EQ_INT(s1_units, 9);
    CHECK_EQ_INT(count(BUREAU, "/api/v1/units?in_region=310115125"), 1); /* E2 */
    CHECK_EQ_INT(count(BUREAU, "/api/v1/units?in_region=310115&limit=1000"), 10);
    /* by id as well as by code */
    snprintf(path, sizeof path, "/api/v1/units?in_region=%lld", fx.grid);
    CHECK_EQ_INT(count(BUREAU, path), 1);
    CHECK_EQ_INT(count(BUREAU, "/api/v1/regions?in_region=310115005"), 2); /* S1 and its grid */
    CHECK_EQ_INT(count(BUREAU, "/api/v1/devices?in_region=310115005"), 1);
    CHECK_EQ_INT(count(BUREAU, "/api/v1/stations?in_region=310115005"), 2);
    /* the street officer: its street with the grid; another street's only what is public */
    CHECK_EQ_INT(count(STREET, "/api/v1/units?in_region=310115005&limit=1000"), 9);
    CHECK_EQ_INT(count(STREET, "/api/v1/units?in_region=310115125"), 1); /* E2 is public */
    CHECK_EQ_INT(count(STREET, "/api/v1/stations?in_region=310115125"), 0);
    CHECK_EQ_INT(count(ENTERPRISE, "/api/v1/units?in_region=310115005&limit=1000"), 1);
    CHECK_EQ_INT(count(ANON, "/api/v1/units?in_region=310115"), 1); /* the public E2 */
    /* unknown and hostile regions: a clear 400 */
    json_t *j = NULL;
    CHECK_EQ_INT(get(BUREAU, "/api/v1/units?in_region=NOPE", &j), 400);
    const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    CHECK(m && strstr(m, "no region"));
    json_decref(j);
    CHECK_EQ_INT(count(BUREAU, "/api/v1/units?in_region=%27%20OR%201=1%20--"), -400);
    CHECK_EQ_INT(count(BUREAU, "/api/v1/units?in_region="), -400);
    /* the filters are documented on the lists that take them */
    struct eg_hc_resp r;
    REQUIRE(!eg_hc_request(srv.port, "GET", "/api/v1/openapi.json", NULL, NULL, NULL, 0, &r));
    CHECK(strstr(r.body, "\"in_region\"") != NULL);
    json_t *doc = eg_hc_json(&r);
    json_t *params = json_object_get(
        json_object_get(json_object_get(json_object_get(doc, "paths"), "/api/v1/devices"), "get"),
        "parameters");
    int has_unit = 0, has_region = 0;
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
    {
        has_unit |= !strcmp(json_string_value(json_object_get(p, "name")), "unit_id");
        has_region |= !strcmp(json_string_value(json_object_get(p, "name")), "in_region");
    }
    CHECK(has_unit && has_region);
    json_decref(doc);
    eg_hc_free(&r);
    teardown();
}

TEST(api_profile_station_by_code_public_only_and_street_offline)
{
    setup();
    /* the public station by its code: its series with the latest value, for everyone */
    for (int r = 0; r < NROLES; r++) {
        json_t *j = NULL;
        CHECK_EQ_INT(get(r, "/api/v1/stations/by-code/SH-PD-AIR-01", &j), 200);
        CHECK_STR(json_string_value(json_object_get(json_object_get(j, "station"), "code")),
                  "SH-PD-AIR-01");
        json_t *s = json_array_get(json_object_get(j, "series"), 0);
        CHECK_STR(json_string_value(json_object_get(s, "name")), "PM2.5");
        CHECK_EQ_DBL(json_number_value(json_object_get(s, "value")), 35, 1e-9);
        CHECK(strstr(json_string_value(json_object_get(s, "series")), "source=SH-PD-AIR-01"));
        json_decref(j);
    }
    /* a station that is not public: its street, bureau, admin; never the public */
    static const int s1_private[NROLES] = {404, 200, 200, 200, 404, 404};
    static const int s2_private[NROLES] = {404, 200, 200, 404, 404, 404};
    for (int r = 0; r < NROLES; r++) {
        CHECK_EQ_INT(get(r, "/api/v1/stations/by-code/SH-PD-AIR-03", NULL), s1_private[r]);
        CHECK_EQ_INT(get(r, "/api/v1/stations/by-code/SH-PD-AIR-02", NULL), s2_private[r]);
    }
    json_t *j = NULL;
    CHECK_EQ_INT(get(ANON, "/api/v1/stations/by-code/NOPE", &j), 404);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
              "unknown_station");
    json_decref(j);
    CHECK_EQ_INT(get(ANON, "/api/v1/stations/by-code/%27%20OR%20%271%27=%271", NULL), 404);
    char longcode[200];
    memset(longcode, 'A', sizeof longcode);
    memcpy(longcode, "/api/v1/stations/by-code/", 25);
    longcode[sizeof longcode - 1] = '\0';
    CHECK_EQ_INT(get(ANON, longcode, NULL), 404); /* over 64 bytes: names nothing */

    /* offline devices: the street officer sees its region's (E1's device, never connected), the
       bureau all or one region's, others are refused */
    static const int offline_status[NROLES] = {401, 200, 200, 200, 403, 403};
    for (int r = 0; r < NROLES; r++) {
        j = NULL;
        int st = get(r, "/api/v1/devices/offline", &j);
        CHECK_EQ_INT(st, offline_status[r]);
        if (st == 200) {
            int has1 = 0, has2 = 0;
            size_t i;
            json_t *d;
            json_array_foreach(json_object_get(j, "items"), i, d)
            {
                const char *mn = json_string_value(json_object_get(d, "mn"));
                has1 |= !strcmp(mn, "88888880000001");
                has2 |= !strcmp(mn, "88888880000002");
            }
            CHECK(has1);
            CHECK(has2 == (r != STREET));
        }
        json_decref(j);
    }
    CHECK_EQ_INT(count(BUREAU, "/api/v1/devices/offline?region=310115125"), 1);
    CHECK_EQ_INT(count(BUREAU, "/api/v1/devices/offline?region=310115005"), 1);
    CHECK_EQ_INT(count(STREET, "/api/v1/devices/offline?region=310115125"), 0);
    CHECK_EQ_INT(count(STREET, "/api/v1/devices/offline?region=310115005001"), 0);
    CHECK_EQ_INT(count(BUREAU, "/api/v1/devices/offline?region=NOPE"), -400);
    CHECK_EQ_INT(count(BUREAU, "/api/v1/devices/offline?multiple=0"), -422);
    CHECK_EQ_INT(count(BUREAU, "/api/v1/devices/offline?multiple=x"), -400);
    teardown();
}
