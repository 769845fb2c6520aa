/* Tests of src/demo linked directly: the demo district loads into an empty database with the
   counts `envgov demo` prints, deterministically, and the registry then is no longer empty; its
   history (issue 11 item 2): every device's hourly values from the simulator's model, realistic
   water sections and noise stations, every permitted pollutant, outlets that exceed, targets. */
#include "demo/demo.h"
#include "eval/eval.h"
#include "ingest/ingest.h"
#include "registry/registry.h"
#include "test.h"
#include "ts/ts.h"
#include "unit/db/db_fixture.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

TEST(demo_loads_the_district_into_an_empty_database)
{
    REQUIRE(sodium_init() >= 0);
    struct eg_db *st = eg_tfx_open("demo.db", NULL);
    int empty = 0;
    REQUIRE(eg_registry_is_empty(st, &empty, NULL) == 0);
    CHECK_EQ_INT(empty, 1);
    struct eg_demo_report rep;
    struct eg_err err;
    eg_err_clear(&err);
    REQUIRE(eg_demo_load(st, NULL, &rep, &err) == 0);
    CHECK_EQ_INT(rep.streets, 36);
    CHECK_EQ_INT(rep.parks, 6);
    CHECK_EQ_INT(rep.units, 300);
    CHECK_EQ_INT(rep.outlets, 543);
    CHECK_EQ_INT(rep.permits, 300);
    CHECK_EQ_INT(rep.limits, 1528);
    CHECK_EQ_INT(rep.stations, 60);
    CHECK_EQ_INT(rep.devices, 603); /* every outlet has its device (issue 11) */
    CHECK_STR(rep.users[2].name, "lujiazui");
    CHECK_EQ_INT((int)strlen(rep.users[0].password), 16);
    /* streets and towns, parks, pilot objects and enterprises are all units */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM units"), 36 + 6 + 4 + 300);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM users"), 5);
    /* the fixed-seed generator: the first enterprise is the same on every run */
    CHECK_EQ_INT(eg_tfx_int(st,
                            "SELECT COUNT(*) FROM units WHERE id = (SELECT MIN(id) FROM "
                            "units WHERE kind = 'enterprise') AND credit_code = "
                            "'91310115MA1000017Q' AND name = '上海泥城骏丰物流有限公司（演示）'"),
                 1);
    REQUIRE(eg_registry_is_empty(st, &empty, NULL) == 0);
    CHECK_EQ_INT(empty, 0);
    eg_db_close(st);
}

/* Issue 11 item 2: `envgov demo` stores hourly history for every device, from the value model
   the simulator uses; every pollutant a permit limits is simulated on its outlet's device; the
   demo enterprise login owns devices; water sections are mostly II-IV with a few worse (GB
   3838-2002 Table 1); noise stations get A-weighted levels (GB 3096-2008), not PM2.5; the demo
   district has its own targets beside the seeds'. */
TEST(demo_history_covers_every_device_and_every_permitted_pollutant)
{
    REQUIRE(sodium_init() >= 0);
    struct eg_db *st = eg_tfx_open("demo_hist.db", NULL);
    struct eg_demo_report rep;
    struct eg_err err;
    eg_err_clear(&err);
    REQUIRE(eg_demo_load(st, NULL, &rep, &err) == 0);
    int64_t to = 1795000000 - 1795000000 % 3600, from = to - 2 * 86400;
    struct eg_demo_history h;
    REQUIRE(eg_demo_history(st, from, from, to, &h, &err) == 0);
    CHECK_EQ_INT(h.devices, 603);
    CHECK(h.exceeders > 0 && h.exceeders < 603 / 5); /* "a few" */
    CHECK_EQ_INT((int)h.values, (int)h.series * 48);
    /* every permit limit has a series on its outlet's device (today 345 of 1,017 had none) */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM permit_limits l JOIN devices d ON "
                                "d.outlet_id = l.outlet_id WHERE NOT EXISTS (SELECT 1 FROM "
                                "ts_series s WHERE s.source = d.mn AND s.pollutant = l.pollutant)"),
                 0);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM permit_limits l WHERE NOT EXISTS (SELECT 1 "
                                "FROM devices d WHERE d.outlet_id = l.outlet_id)"),
                 0);
    /* the demo enterprise login owns devices of its own */
    CHECK(eg_tfx_int(st, "SELECT COUNT(*) FROM devices d JOIN outlets o ON o.id = d.outlet_id "
                         "JOIN users u ON u.unit_id = o.unit_id WHERE u.username = "
                         "'enterprise'") > 0);
    /* noise stations: levels (LA), no PM2.5 */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_series s JOIN devices d ON d.mn = "
                                "s.source JOIN stations t ON t.id = d.station_id WHERE t.kind = "
                                "'noise' AND s.pollutant <> 'LA'"),
                 0);
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM ts_series s JOIN devices d ON d.mn = "
                                "s.source JOIN stations t ON t.id = d.station_id WHERE t.kind = "
                                "'noise' AND s.pollutant = 'LA'"),
                 20);
    /* the demo district's own targets beside the seeds' (seeds 002, 003 name the kinds) */
    CHECK_EQ_INT(eg_tfx_int(st, "SELECT COUNT(*) FROM quality_targets WHERE region = '浦东新区'"),
                 4);
    CHECK(eg_tfx_int(st, "SELECT COUNT(*) FROM quality_targets WHERE region <> '浦东新区'") >= 7);

    /* the water sections: the class of the daily means of the stored values (GB 3838-2002
       Table 1, river), mostly II-IV, one 劣V */
    struct eg_ts *ts = NULL;
    REQUIRE(eg_ts_open(st, &ts, &err) == 0);
    struct eg_eval_station *secs = NULL;
    size_t nsec = 0;
    REQUIRE(eg_eval_stations(st, NULL, "water", NULL, &secs, &nsec, &err) == 0);
    CHECK_EQ_INT((int)nsec, 10);
    int count[7] = {0};
    struct eg_civil c;
    eg_time_to_beijing(to - 86400, &c);
    for (size_t i = 0; i < nsec; i++) {
        struct eg_eval_water_period per[13];
        REQUIRE(eg_eval_water(ts, &secs[i], c.year, EG_QW_RIVER, EG_TS_PRELIMINARY, per, &err) ==
                0);
        int cls = per[12].r.cls;
        CHECK(cls >= 2 && cls <= 6);
        if (cls >= 1 && cls <= 6)
            count[cls]++;
    }
    CHECK(count[2] + count[3] + count[4] >= 8);
    CHECK(count[5] + count[6] >= 1);
    free(secs);
    eg_ts_close(ts);
    eg_db_close(st);
}

/* The value model: outlets that exceed do so now and then (so the exceedance rules of later
   issues find them), the others stay below their limits; air stations follow a seasonal cycle
   (PM2.5 higher in January than in July, O3 the reverse); noise levels are lower at night
   (GB 3096-2008 §3.3: night 22:00-06:00). */
TEST(demo_value_model_exceeds_now_and_then_and_follows_the_seasons)
{
    struct eg_sim_device out = {.kind = 'g', .npollutants = 2};
    strcpy(out.pollutant[0], "a34013");
    strcpy(out.pollutant[1], "a21026");
    out.limit[0] = 20;
    out.limit[1] = 200;
    int exceeders = 0, over_hours = 0, over_normal = 0;
    for (int k = 0; k < 60; k++) {
        snprintf(out.mn, sizeof out.mn, "310115100%05d", k);
        int ex = eg_sim_exceeder(&out);
        exceeders += ex;
        for (int64_t t = 1767196800; t < 1767196800 + 90 * 86400; t += 3600)
            for (int i = 0; i < 2; i++) {
                const char *code;
                double v = eg_sim_value(&out, i, t, &code, NULL);
                if (v > out.limit[i])
                    *(ex ? &over_hours : &over_normal) += 1;
            }
    }
    CHECK(exceeders >= 1 && exceeders <= 12);
    CHECK(over_hours > 0);
    CHECK_EQ_INT(over_normal, 0);

    struct eg_sim_device air = {.kind = 'a'};
    strcpy(air.mn, "31011520000001");
    double jan[2] = {0, 0}, jul[2] = {0, 0};
    for (int64_t h = 0; h < 31 * 24; h++) {
        jan[0] += eg_sim_value(&air, 0, 1767196800 + h * 3600, NULL, NULL); /* 2026-01 */
        jul[0] += eg_sim_value(&air, 0, 1782835200 + h * 3600, NULL, NULL); /* 2026-07 */
        jan[1] += eg_sim_value(&air, 5, 1767196800 + h * 3600, NULL, NULL);
        jul[1] += eg_sim_value(&air, 5, 1782835200 + h * 3600, NULL, NULL);
    }
    CHECK(jan[0] > jul[0] * 1.3); /* PM2.5 */
    CHECK(jul[1] > jan[1] * 1.3); /* O3 */
    const char *code = NULL;
    CHECK(isnan(eg_sim_value(&air, 6, 0, &code, NULL)));

    struct eg_sim_device noise = {.kind = 'n', .level = EG_QN_ZONE2};
    strcpy(noise.mn, "31011540000001");
    double day = 0, night = 0;
    for (int d = 0; d < 30; d++) {
        int64_t t0 = 1767196800 + d * 86400; /* 2026-01-01 00:00 Beijing + d days */
        day += eg_sim_value(&noise, 0, t0 + 14 * 3600, &code, NULL);
        night += eg_sim_value(&noise, 0, t0 + 2 * 3600, NULL, NULL);
    }
    CHECK_STR(code, "LA");
    CHECK(day / 30 > night / 30 + 5);
    CHECK(day / 30 < 60 && night / 30 < 50); /* zone 2 limits 60 / 50 dB(A) */
}
