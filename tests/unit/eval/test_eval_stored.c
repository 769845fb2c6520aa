/* Tests of eval/data.c and eval/air.c on a temporary database: where a station's hourly
   values come from (its code before its devices, reported hourly values before envgov's computed
   ones, valid values only, officers' reviews in the reviewed tier), the region mean against
   eg_quality_region_hourly, the registry scope of stations, and the edition by hour label
   (HJ 633-2026 from 2026-03-01, standards.md §0). */
#include "db/db.h"
#include "eval/eval.h"
#include "quality/quality.h"
#include "test.h"
#include "ts/ts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_db *open_db(struct eg_ts **ts)
{
    char path[512];
    snprintf(path, sizeof path, "%s/eval.db", eg_test_tmpdir());
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(path, &st, &err) == 0);
    REQUIRE(eg_db_exec(st,
                       "INSERT INTO regions (code, name, level) VALUES ('R1', '区', 'district');"
                       "INSERT INTO regions (code, name, level, parent_id) VALUES ('R1S', '街道', "
                       "'street', 1);"
                       "INSERT INTO stations (code, name, kind, region_id, public) VALUES "
                       "('S', 'S站', 'air', 2, 1), ('T', 'T站', 'air', 2, 0), "
                       "('U', 'U站', 'air', NULL, 0);"
                       "INSERT INTO devices (mn, password, station_id) VALUES ('DEV1', 'x', 1);",
                       &err) == 0);
    REQUIRE(eg_ts_open(st, ts, &err) == 0);
    eg_ts_set_now(*ts, eg_ts_day_start(eg_days_from_civil(2026, 6, 1)));
    return st;
}

static void put(struct eg_ts *ts, const char *src, const char *pol, int computed, int64_t t,
                double v, char flag)
{
    struct eg_ts_point p = {{src, pol, EG_TS_KIND_HOUR, "Avg", computed}, t, v, flag};
    struct eg_err err;
    if (eg_ts_write_batch(ts, &p, 1, EG_TS_CREATE, NULL, &err))
        eg_test_fail(__FILE__, __LINE__, "write: %s", err.msg);
}

TEST(eval_station_hourly_sources_precedence_validity_review)
{
    struct eg_ts *ts;
    struct eg_db *st = open_db(&ts);
    int64_t h0 = eg_ts_day_start(eg_days_from_civil(2025, 5, 1)) + 8 * 3600;
    put(ts, "S", "a34004", 0, h0, 50, 'N');
    put(ts, "DEV1", "a34004", 0, h0, 999, 'N');       /* the station's own value wins */
    put(ts, "S", "a34004", 0, h0 + 3600, 60, 'D');    /* fault flag: invalid ... */
    put(ts, "DEV1", "a34004", 0, h0 + 3600, 70, 'N'); /* ... so the device's valid one counts */
    put(ts, "S", "a34004", 1, h0 + 7200, 80, 'N');    /* envgov's hourly mean when none reported */
    struct eg_eval_station s;
    struct eg_err err;
    REQUIRE(eg_eval_station_get(st, NULL, "air", "S", &s, &err) == 0);
    int32_t buf[6][4];
    int32_t *h[6] = {buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]};
    REQUIRE(eg_eval_air_station_hourly(ts, &s, h0, 4, EG_TS_PRELIMINARY, h, &err) == 0);
    CHECK_EQ_INT(buf[5][0], 50000);
    CHECK_EQ_INT(buf[5][1], 70000);
    CHECK_EQ_INT(buf[5][2], 80000);
    CHECK_EQ_INT(buf[5][3], EG_QUALITY_NA);
    CHECK_EQ_INT(buf[0][0], EG_QUALITY_NA); /* no SO2 at all */

    /* an officer marks the station's 08:00 value invalid: the reviewed tier takes the device's */
    struct eg_ts_key k = {"S", "a34004", EG_TS_KIND_HOUR, "Avg", 0};
    int64_t id;
    REQUIRE(eg_ts_review(ts, &k, h0, h0 + 3600, "invalid", "calibration drift", "officer", &id,
                         &err) == 0);
    REQUIRE(eg_eval_air_station_hourly(ts, &s, h0, 4, EG_TS_REVIEWED, h, &err) == 0);
    CHECK_EQ_INT(buf[5][0], 999000);
    REQUIRE(eg_eval_air_station_hourly(ts, &s, h0, 4, EG_TS_PRELIMINARY, h, &err) == 0);
    CHECK_EQ_INT(buf[5][0], 50000);
    eg_ts_close(ts);
    eg_db_close(st);
}

TEST(eval_region_mean_scope_and_edition_by_hour_label)
{
    struct eg_ts *ts;
    struct eg_db *st = open_db(&ts);
    /* 2026-02-28 22:00-23:00 is labelled 23:00 (HJ 633-2012); 23:00-24:00 is labelled
       2026-03-01 00:00, the first hour of HJ 633-2026 */
    int64_t t = eg_ts_day_start(eg_days_from_civil(2026, 2, 28)) + 22 * 3600;
    for (int i = 0; i < 2; i++) {
        put(ts, "S", "a34004", 0, t + i * 3600, 75, 'N');
        put(ts, "T", "a34004", 0, t + i * 3600, 76, 'N');
        put(ts, "S", "a34002", 0, t + i * 3600, 40, 'N');
    }
    struct eg_eval_station *all, *pub;
    size_t nall, npub;
    struct eg_err err;
    REQUIRE(eg_eval_stations(st, NULL, "air", "R1", &all, &nall, &err) == 0);
    CHECK_EQ_INT(nall, 2); /* S and T: in the street under R1; U has no region */
    struct eg_principal anon = {.role = EG_ROLE_ANON};
    REQUIRE(eg_eval_stations(st, &anon, "air", NULL, &pub, &npub, &err) == 0);
    CHECK_EQ_INT(npub, 1);
    CHECK_STR(pub[0].code, "S");
    struct eg_principal street = {.role = EG_ROLE_STREET, .region = "R1S"};
    struct eg_eval_station one;
    CHECK_EQ_INT(eg_eval_station_get(st, &street, "air", "T", &one, &err), 0);
    CHECK_EQ_INT(eg_eval_station_get(st, &street, "air", "U", &one, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_eval_station_get(st, &anon, "air", "T", &one, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_eval_station_get(st, NULL, "water", "S", &one, &err), EG_ENOTFOUND);
    struct eg_eval_station *none; /* not into pub, which the test still reads and then frees */
    size_t nnone;
    CHECK_EQ_INT(eg_eval_stations(st, NULL, "air", "NOPE", &none, &nnone, &err), EG_ENOTFOUND);
    CHECK(none == NULL && nnone == 0);

    /* the region's hour: the mean of its stations, as eg_quality_region_hourly computes it */
    int32_t a[6][2], b[6][2], r[6][2];
    int32_t *ha[6], *hb[6], *hr[6];
    for (int p = 0; p < 6; p++) {
        ha[p] = a[p];
        hb[p] = b[p];
        hr[p] = r[p];
    }
    REQUIRE(eg_eval_air_station_hourly(ts, &all[0], t, 2, 0, ha, &err) == 0);
    REQUIRE(eg_eval_air_station_hourly(ts, &all[1], t, 2, 0, hb, &err) == 0);
    size_t with;
    REQUIRE(eg_eval_air_hourly(ts, all, 2, t, 2, 0, hr, &with, &err) == 0);
    CHECK_EQ_INT(with, 2);
    for (int p = 0; p < 6; p++) {
        const int32_t *both[2] = {a[p], b[p]};
        int32_t want[2];
        eg_quality_region_hourly(both, 2, 2, 1, want);
        CHECK_EQ_INT(r[p][0], want[0]);
        CHECK_EQ_INT(r[p][1], want[1]);
    }
    CHECK_EQ_INT(r[5][0], 75500); /* half to even to the milli: exact here */

    struct eg_eval_aqi *out;
    size_t n;
    REQUIRE(eg_eval_aqi_hourly(ts, all, 2, t, t + 7200, 0, &out, &n, &err) == 0);
    REQUIRE(n == 2);
    CHECK_EQ_INT(out[0].r.edition, 2012);
    CHECK_EQ_INT(out[1].r.edition, 2026);
    /* the report on the region's mean concentrations, each hour by its own edition */
    struct eg_quality_aqi want;
    struct eg_quality_aqi_input in = {
        {EG_QUALITY_NA, EG_QUALITY_NA, 40000, EG_QUALITY_NA, EG_QUALITY_NA, 75500, EG_QUALITY_NA},
        EG_QUALITY_NA};
    eg_quality_aqi_compute(2012, 0, &in, NULL, &want);
    CHECK_EQ_INT(out[0].r.aqi, want.aqi);
    eg_quality_aqi_compute(2026, 0, &in, NULL, &want);
    CHECK_EQ_INT(out[1].r.iaqi[EG_QUALITY_PM25], want.iaqi[EG_QUALITY_PM25]);
    free(out);

    /* ranges: empty, reversed, over the limit */
    CHECK_EQ_INT(eg_eval_aqi_hourly(ts, all, 2, t, t, 0, &out, &n, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_eval_aqi_hourly(ts, all, 2, t, t + 40 * 86400, 0, &out, &n, &err), EG_ETOOBIG);
    CHECK_EQ_INT(eg_eval_aqi_daily(ts, all, 2, 20000, 19999, 0, &out, &n, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_eval_aqi_daily(ts, all, 2, 20000, 20400, 0, &out, &n, &err), EG_ETOOBIG);

    /* latest of the set: the stations' latest closed hours (both the second hour here) */
    struct eg_eval_aqi last;
    int found;
    REQUIRE(eg_eval_aqi_latest(ts, all, 2, 0, t + 3 * 3600, &last, &found, &err) == 0);
    CHECK(found);
    CHECK_EQ_INT(last.t, t + 3600);
    CHECK_EQ_INT(last.c[EG_QUALITY_PM25], 75500);
    CHECK_EQ_INT((int)last.stations, 2);
    /* the second hour still in progress (it ends at t + 7200): the first one, never a label in
       the future */
    REQUIRE(eg_eval_aqi_latest(ts, all, 2, 0, t + 7199, &last, &found, &err) == 0);
    CHECK(found);
    CHECK_EQ_INT(last.t, t);
    REQUIRE(eg_eval_aqi_latest(ts, &all[0], 0, 0, t + 3 * 3600, &last, &found, &err) == 0);
    CHECK(!found);
    free(all);
    free(pub);
    eg_ts_close(ts);
    eg_db_close(st);
}

TEST(eval_targets_load_validates_rows_and_updates_by_id)
{
    struct eg_ts *ts;
    struct eg_db *st = open_db(&ts);
    struct eg_err err;
    size_t n;
    const char ok[] = "\xEF\xBB\xBFid,region,metric,comparison,goal,period_start,period_end\r\n"
                      "a,R1,pm25_annual_mean,<=,35,2025-01-01,2025-12-31\r\n";
    CHECK_EQ_INT(eg_eval_targets_load(st, ok, sizeof ok - 1, &n, &err), 0);
    CHECK_EQ_INT(n, 1);
    const char upd[] = "id,region,metric,comparison,goal,period_start,period_end\n"
                       "a,R1,pm25_annual_mean,le,30,2025-01-01,2025-12-31\n";
    CHECK_EQ_INT(eg_eval_targets_load(st, upd, sizeof upd - 1, &n, &err), 0);
    static const char *const bad[] = {
        "id,region,metric\na,R1,pm25_annual_mean\n", /* header lacks columns */
        "id,region,metric,comparison,goal,period_start,period_end\n"
        "b,R1,pm25_annual_mean,le,-1,2025-01-01,2025-12-31\n",
        "id,region,metric,comparison,goal,period_start,period_end\n"
        "b,R1,pm25_annual_mean,le,3,2025-12-31,2025-01-01\n",
        "id,region,metric,comparison,goal,period_start,period_end\n"
        "b,R1,pm25_annual_mean,le,3,2025-02-30,2025-03-01\n",
        "id,region,metric,comparison,goal,period_start,period_end\n"
        "b,R1,pm25_annual_mean,between,3,2025-01-01,2025-03-01\n",
        "id,region,metric,comparison,goal,period_start,period_end\n"
        "\"b,R1,pm25_annual_mean,le,3,2025-01-01,2025-03-01\n",
        "",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        CHECK_EQ_INT(eg_eval_targets_load(st, bad[i], strlen(bad[i]), &n, &err), EG_EINVAL);
    struct eg_eval_target *t;
    REQUIRE(eg_eval_targets(ts, NULL, eg_days_from_civil(2025, 12, 31), 0, &t, &n, &err) == 0);
    REQUIRE(n == 1); /* the refused files wrote nothing */
    CHECK_STR(t[0].comparison, "le");
    CHECK_EQ_DBL(t[0].goal, 30, 0);
    CHECK_STR(t[0].region_code, "R1");
    CHECK(!t[0].evaluated); /* no data in R1 */
    free(t);
    CHECK_EQ_INT(eg_eval_targets_load_seed(st, &err), 0);
    REQUIRE(eg_eval_targets(ts, NULL, eg_days_from_civil(2025, 12, 31), 0, &t, &n, &err) == 0);
    CHECK_EQ_INT(n, 8);
    free(t);
    eg_ts_close(ts);
    eg_db_close(st);
}
