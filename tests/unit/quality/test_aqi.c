/*
 * test_aqi.c: HJ 633-2012 / HJ 633-2026 IAQI and AQI — every worked example of standards.md §7
 * (TC1-TC11, TC20), every breakpoint edge of every column of both editions, the special rules
 * above 800, missing/invalid data, categories and names.
 */
#include "base/base.h"
#include "quality/quality.h"
#include "test.h"

#include <math.h>
#include <stdio.h>

#define MG(x) ((int32_t)((x)*1000 + 0.5)) /* test constants -> milli */
#define NA EG_QUALITY_NA

static int iq(int ed, enum eg_quality_column col, double c)
{
    return eg_quality_iaqi(ed, col, MG(c), NULL, NULL);
}

static struct eg_quality_aqi daily2012(double so2, double no2, double pm10, double co, double o3_1h,
                                       double o3_8h, double pm25, int ed)
{
    struct eg_quality_aqi_input in = {
        {MG(so2), MG(no2), MG(pm10), MG(co), MG(o3_1h), MG(pm25), MG(o3_8h)}, NA};
    struct eg_quality_aqi r;
    REQUIRE(eg_quality_aqi_compute(ed, 1, &in, NULL, &r) == 0);
    return r;
}

static struct eg_quality_aqi rt(int ed, double so2, double no2, double pm10, double co, double o3,
                                double pm25, double so2_24h)
{
    struct eg_quality_aqi_input in = {{MG(so2), MG(no2), MG(pm10), MG(co), MG(o3), MG(pm25), NA},
                                      so2_24h < 0 ? NA : MG(so2_24h)};
    struct eg_quality_aqi r;
    REQUIRE(eg_quality_aqi_compute(ed, 0, &in, NULL, &r) == 0);
    return r;
}

static const char *prim(const struct eg_quality_aqi *r)
{
    static char buf[128];
    eg_quality_slots_format(r->primary, 0, buf, sizeof buf);
    return buf;
}

/* standards.md §7 TC1: daily report, mixed (HJ 633-2012 §5.1.2, Table 1, §6.2). */
TEST(quality_aqi_tc1_daily_mixed_2012)
{
    struct eg_quality_aqi r = daily2012(65, 150, 180, 1.0, 210, 150, 120, 2012);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_SO2], 58);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_NO2], 135);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_PM10], 115);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_CO], 25);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_O3], 105);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_O3_8H], 92);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_PM25], 158);
    CHECK_EQ_INT(r.aqi, 158);
    CHECK_EQ_INT(r.level, 4);
    CHECK_STR(eg_quality_category_of(r.aqi)->name_zh, "中度污染");
    CHECK_STR(eg_quality_category_of(r.aqi)->hex, "#FF0000");
    CHECK_STR(prim(&r), "PM2.5");
    char ex[128];
    eg_quality_slots_format(r.exceeding, 0, ex, sizeof ex);
    CHECK_STR(ex, "NO2,PM10,PM2.5,O3_1h");
    /* same data under HJ 633-2026 daily (§1.10): no O3 1-h, PM10 on the new column */
    struct eg_quality_aqi r26 = daily2012(65, 150, 180, 1.0, 210, 150, 120, 2026);
    CHECK_EQ_INT(r26.iaqi[EG_QUALITY_PM10], 124);
    CHECK_EQ_INT(r26.iaqi[EG_QUALITY_O3], EG_QUALITY_IAQI_NA);
    CHECK_EQ_INT(r26.aqi, 158);
    CHECK_EQ_INT(r26.exceeding, 0); /* 超标污染物 deleted in 2026 */
}

/* TC2: PM2.5 75 exactly on a breakpoint -> 100 (2012), 114 (2026 Table 3). */
TEST(quality_aqi_tc2_breakpoint_exactness)
{
    CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_PM25_24H, 75), 100);
    CHECK_STR(eg_quality_category_of(100)->name_zh, "良");
    CHECK_EQ_INT(iq(2026, EG_QUALITY_COL_PM25_24H, 75), 114);
}

/* TC3 / §1.11: CO 2.2 (24 h) -> 55 and CO 65.4 (1 h) -> 218, where doubles + ceil give 56/219. */
TEST(quality_aqi_tc3_co_exact_arithmetic)
{
    CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_CO_24H, 2.2), 55);
    CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_CO_1H, 65.4), 218);
    int32_t m;
    REQUIRE(eg_quality_conc_parse("2.2", 3, &m) == 0);
    CHECK_EQ_INT(m, 2200);
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_CO_24H, m, NULL, NULL), 55);
}

/* TC20: exhaustive scan of every 0.1 mg/m³ CO and every integer µg/m³ of the other columns
   against an independent exact rational formula (HJ 633 eq. (1), §6.2). */
TEST(quality_aqi_tc20_exhaustive_exact_scan_both_editions)
{
    static const int STEP[8] = {0, 50, 100, 150, 200, 300, 400, 500};
    struct {
        enum eg_quality_column col;
        int co, n, bp12[8], bp26[8];
    } cols[] = {
        {EG_QUALITY_COL_SO2_24H, 0, 8, {0, 50, 150, 475, 800, 1600, 2100, 2620}, {0}},
        {EG_QUALITY_COL_SO2_1H, 0, 5, {0, 150, 500, 650, 800}, {0}},
        {EG_QUALITY_COL_NO2_24H, 0, 8, {0, 40, 80, 180, 280, 565, 750, 940}, {0}},
        {EG_QUALITY_COL_NO2_1H, 0, 8, {0, 100, 200, 700, 1200, 2340, 3090, 3840}, {0}},
        {EG_QUALITY_COL_PM10_24H,
         0,
         8,
         {0, 50, 150, 250, 350, 420, 500, 600},
         {0, 50, 120, 250, 350, 420, 500, 600}},
        {EG_QUALITY_COL_CO_24H, 1, 8, {0, 2, 4, 14, 24, 36, 48, 60}, {0}},
        {EG_QUALITY_COL_CO_1H, 1, 8, {0, 5, 10, 35, 60, 90, 120, 150}, {0}},
        {EG_QUALITY_COL_O3_1H, 0, 8, {0, 160, 200, 300, 400, 800, 1000, 1200}, {0}},
        {EG_QUALITY_COL_O3_8H, 0, 6, {0, 100, 160, 215, 265, 800}, {0}},
        {EG_QUALITY_COL_PM25_24H,
         0,
         8,
         {0, 35, 75, 115, 150, 250, 350, 500},
         {0, 35, 60, 115, 150, 250, 350, 500}},
    };
    int bad = 0;
    for (size_t k = 0; k < EG_ARRAY_LEN(cols); k++) {
        for (int ed = 2012; ed <= 2026; ed += 14) {
            const int *bp = ed == 2026 && cols[k].bp26[2] ? cols[k].bp26 : cols[k].bp12;
            int n = cols[k].n, scale = cols[k].co ? 10 : 1; /* step 0.1 mg/m³ or 1 µg/m³ */
            for (int v = 0; v <= bp[n - 1] * scale; v++) {
                int i = 1;
                while (v > bp[i] * scale)
                    i++;
                long num = (long)(STEP[i] - STEP[i - 1]) * (v - bp[i - 1] * scale);
                long den = (long)(bp[i] - bp[i - 1]) * scale;
                int want = STEP[i - 1] + (int)((num + den - 1) / den);
                int got = eg_quality_iaqi(ed, cols[k].col, v * (1000 / scale), NULL, NULL);
                if (got != want && bad++ < 5)
                    CHECK_EQ_INT(got, want);
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* HJ 633-2012 Table 1 / 2026 Table 3: the IAQI exactly at every breakpoint, one unit above it
   (the next segment) — every edge of every column, both editions. */
TEST(quality_aqi_every_breakpoint_edge)
{
    static const int STEP[8] = {0, 50, 100, 150, 200, 300, 400, 500};
    static const int PM25_26[8] = {0, 35, 60, 115, 150, 250, 350, 500};
    static const int PM10_26[8] = {0, 50, 120, 250, 350, 420, 500, 600};
    static const int NO2_1H[8] = {0, 100, 200, 700, 1200, 2340, 3090, 3840};
    for (int i = 0; i < 8; i++) {
        CHECK_EQ_INT(iq(2026, EG_QUALITY_COL_PM25_24H, PM25_26[i]), STEP[i]);
        CHECK_EQ_INT(iq(2026, EG_QUALITY_COL_PM10_24H, PM10_26[i]), STEP[i]);
        CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_NO2_1H, NO2_1H[i]), STEP[i]);
        if (i < 7) /* one unit above a breakpoint: strictly above the step, rounded up */
            CHECK(iq(2012, EG_QUALITY_COL_NO2_1H, NO2_1H[i] + 1) == STEP[i] + 1);
    }
    /* CO 1-h at 0.1 above each breakpoint */
    static const double CO1[8] = {0, 5, 10, 35, 60, 90, 120, 150};
    for (int i = 0; i < 8; i++) {
        CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_CO_1H, CO1[i]), STEP[i]);
        if (i < 7)
            CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_CO_1H, CO1[i] + 0.1), STEP[i] + 1);
    }
    /* the top of each column, then one unit above: capped at 500 (convention, §1.5) */
    unsigned fl = 0;
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_PM25_24H, MG(500), NULL, &fl), 500);
    CHECK_EQ_INT(fl, 0);
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_PM25_24H, MG(501), NULL, &fl), 500);
    CHECK(fl & EG_QUALITY_F_CAPPED);
    struct eg_quality_aqi_config cfg;
    eg_quality_aqi_config_default(&cfg);
    cfg.above_top = EG_QUALITY_IAQI_NA; /* the letter of HJ 633: no value (TC10) */
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_PM25_24H, MG(600), &cfg, NULL),
                 EG_QUALITY_IAQI_NA);
}

/* TC4: SO2 1-h > 800 in a real-time report (HJ 633-2012 Table 1 note 2; 2026 note b). */
TEST(quality_aqi_tc4_so2_above_800)
{
    struct eg_quality_aqi r = rt(2012, 850, 90, 60, 0.8, 100, 30, 300);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_SO2], 124);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_NO2], 45);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_CO], 8);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_O3], 32);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_PM10], 55);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_PM25], 43);
    CHECK_EQ_INT(r.aqi, 124);
    CHECK_STR(prim(&r), "SO2");
    CHECK_STR(eg_quality_category_of(124)->name_zh, "轻度污染");
    CHECK(r.flags & EG_QUALITY_F_SO2_24H_USED);
    /* without the 24-h value the SO2 indicator is missing, not silently the 1-h one */
    struct eg_quality_aqi r2 = rt(2012, 850, 90, 60, 0.8, 100, 30, -1);
    CHECK_EQ_INT(r2.iaqi[EG_QUALITY_SO2], EG_QUALITY_IAQI_NA);
    CHECK(r2.missing & (1u << EG_QUALITY_SO2));
    /* TC4' HJ 633-2026: SO2 -> 200, PM10 60 -> 58 */
    struct eg_quality_aqi r26 = rt(2026, 850, 90, 60, 0.8, 100, 30, -1);
    CHECK_EQ_INT(r26.iaqi[EG_QUALITY_SO2], 200);
    CHECK_EQ_INT(r26.iaqi[EG_QUALITY_PM10], 58);
    CHECK_EQ_INT(r26.aqi, 200);
    CHECK_STR(prim(&r26), "SO2");
    CHECK_STR(eg_quality_category_of(200)->name_zh, "中度污染");
}

/* TC5: O3 8-h > 800 (HJ 633-2012 note 3: not computed, O3 1-h stands; 2026 note c: 300). */
TEST(quality_aqi_tc5_o3_8h_above_800)
{
    struct eg_quality_aqi r = daily2012(10, 20, 40, 0.5, 900, 850, 20, 2012);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_O3_8H], EG_QUALITY_IAQI_NA);
    CHECK(r.flags & EG_QUALITY_F_O3_8H_DROPPED);
    CHECK(!(r.missing & (1u << EG_QUALITY_O3_8H)));
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_O3], 350);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_SO2], 10);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_NO2], 25);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_PM10], 40);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_CO], 13);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_PM25], 29);
    CHECK_EQ_INT(r.aqi, 350);
    CHECK_EQ_INT(r.level, 6);
    CHECK_STR(prim(&r), "O3_1h");
    const struct eg_quality_category *c = eg_quality_category_of(350);
    CHECK_STR(c->name_zh, "严重污染");
    CHECK(c->rgb[0] == 126 && c->rgb[1] == 0 && c->rgb[2] == 35);
    struct eg_quality_aqi r26 = daily2012(10, 20, 40, 0.5, 900, 850, 20, 2026);
    CHECK_EQ_INT(r26.iaqi[EG_QUALITY_O3_8H], 300);
    CHECK_EQ_INT(r26.aqi, 300);
    CHECK_STR(eg_quality_category_of(300)->name_zh, "重度污染");
}

/* TC6: ties -> every pollutant with the max IAQI is primary (HJ 633-2012 §4.4.2). */
TEST(quality_aqi_tc6_tie_two_primary)
{
    struct eg_quality_aqi r = daily2012(10, 30, 150, 0.6, 100, 80, 75, 2012);
    int want[EG_QUALITY_SLOTS] = {10, 38, 100, 15, 32, 100, 40};
    for (int s = 0; s < EG_QUALITY_SLOTS; s++)
        CHECK_EQ_INT(r.iaqi[s], want[s]);
    CHECK_EQ_INT(r.aqi, 100);
    CHECK_STR(prim(&r), "PM10,PM2.5");
    CHECK_EQ_INT(r.exceeding, 0);
    char zh[128];
    eg_quality_slots_format(r.primary, 1, zh, sizeof zh);
    CHECK_STR(zh, "颗粒物(PM10),细颗粒物(PM2.5)");
}

/* TC7: AQI <= 50 -> no primary pollutant (HJ 633-2012 §3.3). */
TEST(quality_aqi_tc7_no_primary_at_50)
{
    struct eg_quality_aqi r = daily2012(5, 20, 50, 0.4, 60, 50, 35, 2012);
    int want[EG_QUALITY_SLOTS] = {5, 25, 50, 10, 19, 50, 25};
    for (int s = 0; s < EG_QUALITY_SLOTS; s++)
        CHECK_EQ_INT(r.iaqi[s], want[s]);
    CHECK_EQ_INT(r.aqi, 50);
    CHECK_EQ_INT(r.primary, 0);
    CHECK_STR(eg_quality_category_of(50)->name_zh, "优");
}

/* TC8 and TC9: the ceiling (§6.2) and the level boundaries 50/51, 300/301 (Table 2). */
TEST(quality_aqi_tc8_tc9_ceiling_and_levels)
{
    CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_PM10_24H, 52), 51);
    CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_NO2_24H, 41), 52);
    CHECK_STR(eg_quality_category_of(51)->name_zh, "良");
    CHECK_EQ_INT(eg_quality_category_of(51)->level, 2);
    CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_PM25_24H, 250), 300);
    CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_PM25_24H, 251), 301);
    CHECK_STR(eg_quality_category_of(300)->name_zh, "重度污染");
    CHECK_STR(eg_quality_category_of(300)->hex, "#99004C");
    CHECK_STR(eg_quality_category_of(301)->name_zh, "严重污染");
    static const int EDGES[][2] = {{0, 1},   {50, 1},  {51, 2},  {100, 2}, {101, 3}, {150, 3},
                                   {151, 4}, {200, 4}, {201, 5}, {300, 5}, {301, 6}, {500, 6}};
    for (size_t i = 0; i < EG_ARRAY_LEN(EDGES); i++)
        CHECK_EQ_INT(eg_quality_category_of(EDGES[i][0])->level, EDGES[i][1]);
    CHECK(eg_quality_category_of(-1) == NULL);
}

/* TC11: real-time vector shared with ringsaturn/go-aqi (CNEMC practice: PM 1-h on the 24-h
   columns, HJ 633-2026 §4.2.4). */
TEST(quality_aqi_tc11_realtime_vector)
{
    struct eg_quality_aqi r = rt(2012, 3, 11, 88, 0.2, 75, 16, -1);
    int want[6] = {1, 6, 69, 2, 24, 23};
    for (int s = 0; s < 6; s++)
        CHECK_EQ_INT(r.iaqi[s], want[s]);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_O3_8H], EG_QUALITY_IAQI_NA);
    CHECK_EQ_INT(r.aqi, 69);
    CHECK_STR(prim(&r), "PM10");
}

/* §1.4: concentrations rounded half to even (GB/T 8170) before the IAQI. */
TEST(quality_aqi_concentration_rounding_half_even)
{
    /* PM2.5 35.5 -> 36 (even) -> 52; 36.5 -> 36 -> 52; 35.4 -> 35 -> 50 */
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_PM25_24H, 35500, NULL, NULL), 52);
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_PM25_24H, 36500, NULL, NULL), 52);
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_PM25_24H, 35400, NULL, NULL), 50);
    /* CO to 0.1 mg/m³: 2.25 -> 2.2 -> 55; 2.35 -> 2.4 -> 60 */
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_CO_24H, 2250, NULL, NULL), 55);
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_CO_24H, 2350, NULL, NULL), 60);
    struct eg_quality_aqi_config cfg;
    eg_quality_aqi_config_default(&cfg);
    cfg.round_conc = 0; /* exact unrounded value: 35.4 -> 50 + 50*0.4/40 = 50.5 -> 51 */
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_PM25_24H, 35400, &cfg, NULL), 51);
    int64_t v;
    CHECK(eg_quality_decimal_parse("0.1235", 6, 3, 1000, &v) == 0 && v == 124);
    CHECK(eg_quality_decimal_parse("0.1225", 6, 3, 1000, &v) == 0 && v == 122);
    CHECK(eg_quality_decimal_parse("0.12251", 7, 3, 1000, &v) == 0 && v == 123);
    CHECK_EQ_INT(eg_quality_round_half_even(2500, 1000), 2000);
    CHECK_EQ_INT(eg_quality_round_half_even(3500, 1000), 4000);
}

/* HJ 633-2012 Tables 3/4 "NA": missing indicators; invalid text refused. */
TEST(quality_aqi_missing_and_invalid_input)
{
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_PM25_24H, NA, NULL, NULL),
                 EG_QUALITY_IAQI_NA);
    CHECK_EQ_INT(eg_quality_iaqi(2012, EG_QUALITY_COL_PM25_24H, -1000, NULL, NULL),
                 EG_QUALITY_IAQI_NA);
    CHECK_EQ_INT(eg_quality_iaqi(2012, (enum eg_quality_column)99, 1000, NULL, NULL),
                 EG_QUALITY_IAQI_NA);
    /* AQI of the available indicators (2012), flagged incomplete */
    struct eg_quality_aqi_input in = {{NA, NA, MG(88), NA, NA, NA, NA}, NA};
    struct eg_quality_aqi r;
    REQUIRE(eg_quality_aqi_compute(2012, 0, &in, NULL, &r) == 0);
    CHECK_EQ_INT(r.aqi, 69);
    CHECK(r.flags & EG_QUALITY_F_INCOMPLETE);
    /* HJ 633-2026 §5.3.1: AQI withheld when <= 100 with a pollutant missing ... */
    REQUIRE(eg_quality_aqi_compute(2026, 0, &in, NULL, &r) == 0);
    CHECK_EQ_INT(r.aqi, -1);
    CHECK(r.flags & EG_QUALITY_F_AQI_WITHHELD);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_PM10], 78); /* 50 + 50*38/70, still given */
    /* ... but published when > 100 */
    in.c[EG_QUALITY_PM10] = MG(300);
    REQUIRE(eg_quality_aqi_compute(2026, 0, &in, NULL, &r) == 0);
    CHECK_EQ_INT(r.aqi, 175);
    /* nothing at all */
    struct eg_quality_aqi_input none = {{NA, NA, NA, NA, NA, NA, NA}, NA};
    REQUIRE(eg_quality_aqi_compute(2012, 0, &none, NULL, &r) == 0);
    CHECK_EQ_INT(r.aqi, -1);
    CHECK_EQ_INT(r.level, 0);
    CHECK(eg_quality_aqi_compute(2019, 0, &none, NULL, &r) == EG_EINVAL);
    /* hostile text */
    int32_t m;
    static const char *BAD[] = {"",
                                "-1",
                                "1e3",
                                "abc",
                                "1.2.3",
                                ".",
                                "+",
                                "nan",
                                "inf",
                                " 1",
                                "1 ",
                                "0x10",
                                "99999999999999999999999",
                                "1000001"};
    for (size_t i = 0; i < EG_ARRAY_LEN(BAD); i++)
        CHECK(eg_quality_conc_parse(BAD[i], strlen(BAD[i]), &m) == EG_EINVAL);
    CHECK(eg_quality_conc_parse("1000000", 7, &m) == 0 && m == 1000000000);
    CHECK(eg_quality_conc_parse(".5", 2, &m) == 0 && m == 500);
}

/* §0: the edition in force by the Beijing date; 2026-03-01 00:00 Beijing is 02-28 16:00 UTC. */
TEST(quality_edition_by_beijing_date)
{
    CHECK_EQ_INT(eg_quality_edition_on(2026, 2, 28), 2012);
    CHECK_EQ_INT(eg_quality_edition_on(2026, 3, 1), 2026);
    CHECK_EQ_INT(eg_quality_edition_on(2019, 1, 1), 2012);
    struct eg_civil c = {2026, 3, 1, 0, 0, 0, 0};
    int64_t t = eg_time_from_beijing(&c);
    CHECK_EQ_INT(eg_quality_edition_at(t), 2026);
    CHECK_EQ_INT(eg_quality_edition_at(t - 1), 2012);
}

/* HJ 633-2012 §5.1.3 letter: the real-time O3 8-h IAQI counts when configured. */
TEST(quality_aqi_realtime_o3_8h_option)
{
    struct eg_quality_aqi_input in = {{MG(3), MG(11), MG(20), MG(0.2), MG(150), MG(10), MG(200)},
                                      NA};
    struct eg_quality_aqi_config cfg;
    eg_quality_aqi_config_default(&cfg);
    struct eg_quality_aqi r;
    REQUIRE(eg_quality_aqi_compute(2012, 0, &in, &cfg, &r) == 0);
    CHECK_EQ_INT(r.aqi, 47); /* O3 1-h 150 -> 46.9 -> 47 */
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_O3_8H], EG_QUALITY_IAQI_NA);
    cfg.realtime_o3_8h = 1;
    REQUIRE(eg_quality_aqi_compute(2012, 0, &in, &cfg, &r) == 0);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_O3_8H], 137); /* 100 + 50*40/55 = 136.4 */
    CHECK_EQ_INT(r.aqi, 137);
    CHECK_STR(prim(&r), "O3_8h");
    /* 2026 §4.2.3: six 1-h values, never O3 8-h in real time */
    REQUIRE(eg_quality_aqi_compute(2026, 0, &in, &cfg, &r) == 0);
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_O3_8H], EG_QUALITY_IAQI_NA);
}

/* Names and truncation of the joined list. */
TEST(quality_aqi_slot_names)
{
    char buf[8];
    size_t n = eg_quality_slots_format((1u << EG_QUALITY_PM10) | (1u << EG_QUALITY_PM25), 0, buf,
                                       sizeof buf);
    CHECK_EQ_INT(n, 10);
    CHECK_STR(buf, "PM10,PM");
    CHECK_STR(eg_quality_slot_name(EG_QUALITY_PM25), "PM2.5");
    CHECK_STR(eg_quality_slot_name_zh(EG_QUALITY_O3), "臭氧1小时");
    CHECK_STR(eg_quality_slot_name(99), "");
}

static int epa(int p, const char *s)
{
    return eg_quality_epa_index(p, s, strlen(s));
}

/* TC18: US EPA AQI (TAD EPA-454/B-24-002, 2024) and its difference from HJ 633 (§6). */
TEST(quality_epa_tc18_and_comparison_with_hj633)
{
    CHECK_EQ_INT(epa(EG_EPA_O3_8H, "0.07853333"), 126); /* truncated 0.078 -> 125.5 -> 126 */
    CHECK_EQ_INT(epa(EG_EPA_PM25_24H, "35.9"), 102);
    CHECK_EQ_INT(epa(EG_EPA_PM25_24H, "9.0"), 50);
    CHECK_EQ_INT(epa(EG_EPA_PM25_24H, "9.1"), 51);
    CHECK_EQ_INT(epa(EG_EPA_PM25_24H, "9.09"), 50); /* truncation, not rounding */
    CHECK_EQ_INT(epa(EG_EPA_PM25_24H, "325.4"), 500);
    CHECK_EQ_INT(epa(EG_EPA_PM25_24H, "12.0"), 56);
    CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_PM25_24H, 12), 18);
    CHECK_EQ_INT(epa(EG_EPA_PM25_24H, "75.0"), 165);
    CHECK_EQ_INT(iq(2012, EG_QUALITY_COL_PM25_24H, 75), 100);
    /* footnotes: O3 8-h above 0.200 ppm and SO2 1-h from 305 ppb are not defined there */
    CHECK_EQ_INT(epa(EG_EPA_O3_8H, "0.201"), -1);
    CHECK_EQ_INT(epa(EG_EPA_O3_1H, "0.604"), 500);
    CHECK_EQ_INT(epa(EG_EPA_SO2_1H, "305"), -1);
    CHECK_EQ_INT(epa(EG_EPA_SO2_24H, "305"), 201);
    CHECK(epa(EG_EPA_PM25_24H, "400") > 500); /* extrapolated above 500 */
    CHECK_EQ_INT(epa(EG_EPA_PM25_24H, "-1"), -1);
    CHECK_EQ_INT(epa(EG_EPA_PM25_24H, "abc"), -1);
    CHECK_EQ_INT(epa(99, "1"), -1);
    const struct eg_quality_epa_category *c = eg_quality_epa_category_of(250);
    CHECK_STR(c->name, "Very Unhealthy");
    CHECK(c->rgb[0] == 143 && c->rgb[1] == 63 && c->rgb[2] == 151);
    CHECK(eg_quality_category_of(250)->rgb[0] == 153); /* HJ 633 purple differs */
}
