/*
 * test_eval.c: GB 3095 validity (TC19), moving averages and MDA8 (§1.8, §2.3), HJ 663
 * percentiles (TC12), the good-day ratio (TC13), annual evaluation, GB 3838 water (TC14, TC15),
 * GB 3096 noise (TC16, TC17) and target progress — standards.md §7.
 */
#include "base/base.h"
#include "quality/quality.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NA EG_QUALITY_NA
#define K(x) ((int32_t)((x)*1000))

/* TC19: GB 3095 Table 4 validity. */
TEST(quality_validity_tc19_gb3095_table4)
{
    struct eg_quality_validity v;
    eg_quality_validity_default(2012, &v);
    int32_t h[24], d;
    for (int i = 0; i < 24; i++)
        h[i] = i < 19 ? K(10) : NA;
    eg_quality_daily_means(&v, h, 1, &d);
    CHECK_EQ_INT(d, NA); /* 19 hours */
    h[19] = K(30);
    eg_quality_daily_means(&v, h, 1, &d);
    CHECK_EQ_INT(d, K(11)); /* 20 hours: (190 + 30)/20 */
    /* 8-h window with 5 / 6 hourly values */
    int32_t w[8] = {K(1), K(2), K(3), K(4), K(5), NA, NA, NA}, out[8];
    eg_quality_moving_avg(w, 8, 8, 6, out);
    CHECK_EQ_INT(out[7], NA);
    w[5] = K(6);
    eg_quality_moving_avg(w, 8, 8, 6, out);
    CHECK_EQ_INT(out[7], 3500);
    /* 45 minutes per hour */
    CHECK(!eg_quality_hour_valid(&v, 44));
    CHECK(eg_quality_hour_valid(&v, 45));
    /* year: 324 days with February 25 and other months 27 -> valid; a month of 26 -> invalid */
    int pm[12] = {27, 25, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27};
    int tot = 0;
    for (int m = 0; m < 12; m++)
        tot += pm[m];
    CHECK_EQ_INT(tot, 322);
    CHECK(!eg_quality_year_valid(&v, pm)); /* 322 < 324 */
    pm[0] = 29;
    CHECK(eg_quality_year_valid(&v, pm)); /* 324 */
    int pm2[12] = {28, 28, 26, 28, 28, 28, 28, 28, 28, 28, 26, 26};
    pm2[2] = 26;
    CHECK(!eg_quality_year_valid(&v, pm2)); /* March 26 */
    CHECK(eg_quality_month_valid(&v, 2, 25));
    CHECK(!eg_quality_month_valid(&v, 3, 26));
}

/* §1.8 / §2.3 (HJ 663-2013 §6.1.2): MDA8 over the windows labelled 08..24. */
TEST(quality_validity_mda8_windows_and_exception)
{
    struct eg_quality_validity v;
    eg_quality_validity_default(2012, &v);
    int32_t h[48];
    for (int i = 0; i < 48; i++)
        h[i] = K(50);
    /* day 0: hours labelled 13..20 (indices 12..19) at 170 -> MDA8 170 */
    for (int i = 12; i < 20; i++)
        h[i] = K(170);
    int32_t d[2];
    int nw[2];
    eg_quality_daily_mda8(&v, h, 2, d, nw);
    CHECK_EQ_INT(d[0], K(170));
    CHECK_EQ_INT(nw[0], 17);
    CHECK_EQ_INT(d[1], K(50));
    /* a window never reaches into the previous day: day 1 starts fresh */
    for (int i = 24; i < 48; i++)
        h[i] = NA;
    for (int i = 40; i < 48; i++)
        h[i] = K(150); /* only windows labelled 24 (idx 47) and those with >= 6 of 8 */
    eg_quality_daily_mda8(&v, h, 2, d, nw);
    CHECK_EQ_INT(nw[1], 3); /* windows ending at idx 45, 46, 47 have 6, 7, 8 values */
    CHECK_EQ_INT(d[1], NA); /* 3 < 14 and 150 <= 160 */
    for (int i = 40; i < 48; i++)
        h[i] = K(170);
    eg_quality_daily_mda8(&v, h, 2, d, nw);
    CHECK_EQ_INT(d[1], K(170)); /* fewer than 14 but above the limit: valid */
    /* daily max 1-h */
    int32_t mx[2];
    eg_quality_daily_max(&v, h, 2, mx);
    CHECK_EQ_INT(mx[0], K(170));
    CHECK_EQ_INT(mx[1], NA); /* 8 hours < 20 */
    /* 24-h moving average of a constant series is the constant once 20 hours are in */
    int32_t ma[48];
    int32_t c[48];
    for (int i = 0; i < 48; i++)
        c[i] = K(40);
    eg_quality_moving_avg(c, 48, 24, 20, ma);
    CHECK_EQ_INT(ma[18], NA);
    CHECK_EQ_INT(ma[19], K(40));
    CHECK_EQ_INT(ma[47], K(40));
}

/* TC12: HJ 663 percentile k = 1 + (n-1)p/100. */
TEST(quality_percentile_tc12_hj663)
{
    int32_t a[] = {K(3), K(4), K(8), K(2), K(5), K(4)}, out;
    REQUIRE(eg_quality_percentile(a, 6, 90, &out) == 0);
    CHECK_EQ_INT(out, 6500);
    int32_t b[] = {K(120), K(95), K(160), K(170), K(130), K(110), K(150), K(180), K(140), K(100)};
    REQUIRE(eg_quality_percentile(b, 10, 90, &out) == 0);
    CHECK_EQ_INT(out, K(171)); /* > 160: O3 不达标 */
    int32_t *s = malloc(365 * sizeof *s);
    int pcts[3] = {98, 95, 90};
    int32_t want[3] = {357720, 346800, 328600};
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 365; i++) /* a shuffled 1..365 */
            s[i] = K((i * 7919) % 365 + 1);
        REQUIRE(eg_quality_percentile(s, 365, pcts[k], &out) == 0);
        CHECK_EQ_INT(out, want[k]);
    }
    free(s);
    /* edges: n = 1, NA skipped, p = 100, nothing valid, bad p */
    int32_t one[] = {NA, K(7), NA};
    CHECK(eg_quality_percentile(one, 3, 95, &out) == 0 && out == K(7));
    int32_t two[] = {K(1), K(3)};
    CHECK(eg_quality_percentile(two, 2, 100, &out) == 0 && out == K(3));
    int32_t none[] = {NA, NA};
    CHECK(eg_quality_percentile(none, 2, 95, &out) == EG_EINVAL);
    CHECK(eg_quality_percentile(two, 2, 101, &out) == EG_EINVAL);
    int32_t same[50];
    for (int i = 0; i < 50; i++)
        same[i] = K(9);
    CHECK(eg_quality_percentile(same, 50, 98, &out) == 0 && out == K(9));
}

/* TC13 and [S22b]: good-day ratio. */
TEST(quality_good_day_ratio_tc13)
{
    CHECK_EQ_INT(eg_quality_good_ratio_tenths(300, 365), 822);
    CHECK_EQ_INT(eg_quality_good_ratio_tenths(86, 91), 945);
    CHECK_EQ_DBL(eg_quality_good_ratio(86, 91), 94.505494505, 1e-6);
    CHECK_EQ_INT(eg_quality_good_ratio_tenths(1, 0), -1);
    CHECK(isnan(eg_quality_good_ratio(0, 0)));
}

/* Annual evaluation (HJ 663 §3.1-§3.4) of a synthetic year with known statistics. */
TEST(quality_annual_eval_synthetic_year)
{
    int ndays = 365;
    int32_t *h[6];
    for (int p = 0; p < 6; p++)
        h[p] = malloc((size_t)ndays * 24 * sizeof(int32_t));
    for (int d = 0; d < ndays; d++)
        for (int k = 0; k < 24; k++) {
            int i = d * 24 + k;
            h[0][i] = K(10);                           /* SO2 */
            h[1][i] = K(30);                           /* NO2 */
            h[2][i] = K(60);                           /* PM10 */
            h[3][i] = 800;                             /* CO 0.8 */
            h[4][i] = K(k >= 12 && k < 20 ? 120 : 40); /* O3: MDA8 120 */
            h[5][i] = d < 300 ? K(20) : K(80); /* PM2.5: 300 good days, 65 at 80 -> IAQI 107 */
        }
    struct eg_quality_annual a;
    REQUIRE(eg_quality_annual_eval(2019, (const int32_t *const *)h, 365, NULL, &a) == 0);
    CHECK_EQ_INT(a.edition, 2012);
    CHECK_EQ_INT(a.days_valid, 365);
    CHECK_EQ_INT(a.days_good, 300);
    CHECK_EQ_INT(eg_quality_good_ratio_tenths(a.days_good, a.days_valid), 822);
    CHECK_EQ_INT(a.days_level[1] + a.days_level[2], 300);
    CHECK_EQ_INT(a.days_level[3], 65);
    CHECK_EQ_INT(a.days_primary[EG_QUALITY_PM25], 65);
    /* PM2.5: mean (300*20 + 65*80)/365 = 30.68 -> 30.685 milli; P95 = 80 */
    CHECK_EQ_INT(a.p[5].mean, 30685);
    CHECK_EQ_INT(a.p[5].percentile, K(80));
    CHECK_EQ_INT(a.p[5].compliant, 0); /* P95 80 > 75 */
    CHECK_EQ_DBL(a.p[5].exceed_pct, 5.0 / 75.0, 1e-12);
    CHECK_EQ_INT(a.p[4].percentile, K(120));
    CHECK_EQ_INT(a.p[4].compliant, 1);
    CHECK_EQ_INT(a.p[3].percentile, 800);
    CHECK_EQ_INT(a.p[3].mean, NA);
    CHECK_EQ_INT(a.p[0].compliant, 1);
    CHECK_EQ_INT(a.compliant, 0);
    /* remove 40 days of PM2.5 in March: the year is no longer valid for PM2.5 (Table 4) */
    for (int d = 59; d < 59 + 5; d++)
        for (int k = 0; k < 24; k++)
            h[5][d * 24 + k] = NA;
    REQUIRE(eg_quality_annual_eval(2019, (const int32_t *const *)h, 365, NULL, &a) == 0);
    CHECK_EQ_INT(a.p[5].valid, 0); /* March 26 days */
    CHECK_EQ_INT(a.p[5].compliant, -1);
    CHECK_EQ_INT(a.days_valid, 360); /* 5 days lack PM2.5 and their AQI <= 100 */
    /* 2026: Jan-Feb by 2012, from 03-01 by 2026 (PM2.5 80 -> IAQI 118 either way) */
    for (int p = 0; p < 6; p++)
        h[p] = realloc(h[p], 365 * 24 * sizeof(int32_t));
    REQUIRE(eg_quality_annual_eval(2026, (const int32_t *const *)h, 365, NULL, &a) == 0);
    CHECK_EQ_INT(a.edition, 2026);
    CHECK_EQ_INT(a.p[5].percentile, K(80));
    CHECK(eg_quality_annual_eval(2019, (const int32_t *const *)h, 366, NULL, &a) == EG_EINVAL);
    for (int p = 0; p < 6; p++)
        free(h[p]);
}

/* GB 3095-2012 / -2026 Table 1 limits. */
TEST(quality_limits_gb3095_editions)
{
    struct eg_quality_limits l;
    REQUIRE(eg_quality_limits_get(2012, 2, 2019, &l) == 0);
    CHECK_EQ_INT(l.annual[5], K(35));
    CHECK_EQ_INT(l.daily[5], K(75));
    REQUIRE(eg_quality_limits_get(2026, 2, 2026, &l) == 0);
    CHECK_EQ_INT(l.annual[5], K(30));
    CHECK_EQ_INT(l.daily[2], K(120));
    REQUIRE(eg_quality_limits_get(2026, 2, 2031, &l) == 0);
    CHECK_EQ_INT(l.annual[5], K(25));
    CHECK_EQ_INT(l.annual[1], K(30));
    CHECK(eg_quality_limits_get(2012, 3, 2019, &l) == EG_EINVAL);
}

static int64_t wv(const char *s)
{
    int64_t v;
    REQUIRE(eg_quality_decimal_parse(s, strlen(s), 6, 100000000, &v) == 0);
    return v;
}

/* TC14: GB 3838-2002 single-factor evaluation, river vs lake (Table 1 item 8). */
TEST(quality_water_tc14_river_vs_lake)
{
    int64_t s[EG_QW_FACTORS];
    for (int f = 0; f < EG_QW_FACTORS; f++)
        s[f] = EG_QUALITY_W_NA;
    s[EG_QW_PH] = wv("7.5");
    s[EG_QW_DO] = wv("5.5");
    s[EG_QW_CODMN] = wv("5.0");
    s[EG_QW_COD] = wv("18");
    s[EG_QW_BOD5] = wv("3.5");
    s[EG_QW_NH3N] = wv("0.8");
    s[EG_QW_TP] = wv("0.15");
    struct eg_quality_water_result r;
    REQUIRE(eg_quality_water_eval(s, EG_QW_RIVER, 3, NULL, &r) == 0);
    CHECK_EQ_INT(r.cls, 3);
    CHECK_STR(eg_quality_water_class_name(r.cls), "III");
    CHECK_EQ_INT(r.over_target, 0);
    s[EG_QW_TN] = wv("1.2");
    REQUIRE(eg_quality_water_eval(s, EG_QW_LAKE, 3, NULL, &r) == 0);
    CHECK_EQ_INT(r.factor_class[EG_QW_TP], 5);
    CHECK_EQ_INT(r.factor_class[EG_QW_TN], 4);
    CHECK_EQ_INT(r.cls, 5);
    CHECK_EQ_INT(r.worst, 1u << EG_QW_TP);
    /* TP 0.15 against the lake class III limit 0.05: 超标倍数 (0.15 - 0.05)/0.05 = 2 */
    CHECK(r.over_target & (1u << EG_QW_TP));
    CHECK_EQ_DBL(r.multiple[EG_QW_TP], 2.0, 1e-12);
    /* TN is not evaluated in a river */
    REQUIRE(eg_quality_water_eval(s, EG_QW_RIVER, 3, NULL, &r) == 0);
    CHECK_EQ_INT(r.factor_class[EG_QW_TN], 0);
    CHECK(eg_quality_water_eval(s, 7, 3, NULL, &r) == EG_EINVAL);
    CHECK(eg_quality_water_eval(s, EG_QW_RIVER, 6, NULL, &r) == EG_EINVAL);
}

/* TC15: 劣V and the class boundaries (limits inclusive; the better class on shared limits). */
TEST(quality_water_tc15_boundaries_worse_v)
{
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_NH3N, 0, wv("2.5")), EG_QW_CLASS_WORSE_V);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_NH3N, 0, wv("2.0")), 5);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_DO, 0, wv("1.5")), EG_QW_CLASS_WORSE_V);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_PH, 0, wv("9.5")), EG_QW_CLASS_WORSE_V);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_PH, 0, wv("6")), 1);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_PH, 0, wv("5.99")), EG_QW_CLASS_WORSE_V);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_DO, 0, wv("7.5")), 1);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_DO, 0, wv("7.49")), 2);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_CODMN, 0, wv("2")), 1);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_COD, 0, wv("15")), 1);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_COD, 0, wv("15.1")), 3);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_HG, 0, wv("0.00005")), 1);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_HG, 0, wv("0.00006")), 3);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_TP, EG_QW_LAKE, wv("0.025")), 2);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_TP, EG_QW_RIVER, wv("0.025")), 2);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_TP, EG_QW_LAKE, wv("0.026")), 3);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_COLIFORM, 0, wv("40001")), 6);
    CHECK_EQ_INT(eg_quality_water_factor_class(EG_QW_COD, 0, EG_QUALITY_W_NA), 0);
    CHECK_STR(eg_quality_water_class_name(6), "劣V");
    CHECK_STR(eg_quality_water_class_term(3), "良好");
    /* a 劣V sample: NH3-N 2.5 in a class III section, multiple (2.5 - 1.0)/1.0 = 1.5 */
    int64_t s[EG_QW_FACTORS];
    for (int f = 0; f < EG_QW_FACTORS; f++)
        s[f] = EG_QUALITY_W_NA;
    s[EG_QW_NH3N] = wv("2.5");
    s[EG_QW_DO] = wv("1.5");
    s[EG_QW_COLIFORM] = wv("90000"); /* not a class factor by default (2011 method) */
    struct eg_quality_water_result r;
    REQUIRE(eg_quality_water_eval(s, EG_QW_RIVER, 0, NULL, &r) == 0);
    CHECK_EQ_INT(r.cls, EG_QW_CLASS_WORSE_V);
    CHECK_EQ_INT(r.worst, (1u << EG_QW_NH3N) | (1u << EG_QW_DO));
    CHECK_EQ_DBL(r.multiple[EG_QW_NH3N], 1.5, 1e-12);
    CHECK_EQ_DBL(r.multiple[EG_QW_DO], 0.0, 0); /* DO: no multiple (practice) */
    CHECK(r.over_target & (1u << EG_QW_COLIFORM));
    /* period mean and share of class III or better */
    int64_t two[2 * EG_QW_FACTORS], m[EG_QW_FACTORS];
    for (int i = 0; i < 2 * EG_QW_FACTORS; i++)
        two[i] = EG_QUALITY_W_NA;
    two[EG_QW_COD] = wv("18");
    two[EG_QW_FACTORS + EG_QW_COD] = wv("23");
    eg_quality_water_mean(two, 2, m);
    CHECK_EQ_INT(m[EG_QW_COD], wv("20.5"));
    CHECK_EQ_INT(m[EG_QW_TP], EG_QUALITY_W_NA);
    int cls[] = {2, 3, 4, 6, 0, 3};
    CHECK_EQ_DBL(eg_quality_water_share(cls, 6, 3), 60.0, 1e-12);
}

/* TC16: GB 3096-2008 Table 1 compliance per zone. */
TEST(quality_noise_tc16_compliance)
{
    struct eg_quality_noise_result r;
    REQUIRE(eg_quality_noise_check(EG_QN_ZONE2, 58, 52, NAN, &r) == 0);
    CHECK_EQ_INT(r.day_ok, 1);
    CHECK_EQ_DBL(r.day_over, -2, 1e-9);
    CHECK_EQ_INT(r.night_ok, 0);
    CHECK_EQ_DBL(r.night_over, 2, 1e-9);
    CHECK_EQ_INT(r.lmax_ok, -1);
    REQUIRE(eg_quality_noise_check(EG_QN_ZONE4A, 65, 56, NAN, &r) == 0);
    CHECK_EQ_INT(r.night_ok, 0);
    REQUIRE(eg_quality_noise_check(EG_QN_ZONE4B, 65, 56, NAN, &r) == 0);
    CHECK_EQ_INT(r.night_ok, 1);
    /* 0.1 dB reporting: 50.04 complies with 50, 50.05 rounds to 50.0 (even), 50.06 does not */
    REQUIRE(eg_quality_noise_check(EG_QN_ZONE2, NAN, 50.04, 65.0, &r) == 0);
    CHECK_EQ_INT(r.night_ok, 1);
    CHECK_EQ_INT(r.day_ok, -1);
    CHECK_EQ_INT(r.lmax_ok, 1); /* §5.4: 65 <= 50 + 15 */
    REQUIRE(eg_quality_noise_check(EG_QN_ZONE2, NAN, 50.06, 65.1, &r) == 0);
    CHECK_EQ_INT(r.night_ok, 0);
    CHECK_EQ_INT(r.lmax_ok, 0);
    int dl, nl;
    CHECK(eg_quality_noise_limits(EG_QN_ZONE0, &dl, &nl) == 0 && dl == 50 && nl == 40);
    CHECK(eg_quality_noise_limits(EG_QN_RAIL_EXISTING, &dl, &nl) == 0 && dl == 70 && nl == 55);
    CHECK(eg_quality_noise_limits(9, &dl, &nl) == EG_EINVAL);
    CHECK_EQ_INT(eg_quality_noise_zone_parse("4b"), EG_QN_ZONE4B);
    CHECK_EQ_INT(eg_quality_noise_zone_parse("5"), -1);
}

/* TC17: Leq energy averaging (GB/T 14623), day/night split 06-22 / 22-06 (§5.2). */
TEST(quality_noise_tc17_leq_day_night)
{
    double a[] = {60, 70, 80};
    CHECK_EQ_DBL(eg_quality_leq(a, NULL, 3), 75.68, 0.005);
    double b[] = {55, 65}, t[] = {2, 1};
    CHECK_EQ_DBL(eg_quality_leq(b, t, 2), 61.02, 0.005);
    double c[16];
    for (int i = 0; i < 16; i++)
        c[i] = 55;
    CHECK_EQ_DBL(eg_quality_leq(c, NULL, 16), 55.0, 1e-9);
    double e[] = {NAN};
    CHECK(isnan(eg_quality_leq(e, NULL, 1)));
    CHECK(isnan(eg_quality_leq(e, NULL, 0)));
    /* two days: day hours 55, night hours 45, the last night only 22-24 */
    double h[48], ld[2], ln[2];
    for (int i = 0; i < 48; i++) {
        int hr = i % 24;
        h[i] = hr >= 6 && hr < 22 ? 55 : 45;
    }
    h[24 + 3] = 65; /* 03:00 of day 1 belongs to the night of day 0 */
    eg_quality_noise_day_night(NULL, h, 2, ld, ln);
    CHECK_EQ_DBL(ld[0], 55, 1e-9);
    CHECK_EQ_DBL(ln[0], 10 * log10((7 * pow(10, 4.5) + pow(10, 6.5)) / 8), 1e-9);
    CHECK_EQ_DBL(ln[1], 45, 1e-9);
}

static struct eg_quality_target tgt(int metric, int cmp, int64_t goal)
{
    struct eg_quality_target t = {metric, cmp, goal, 0, 0, 0};
    return t;
}

/* Targets: good-day ratio >= 90 % (Minhang), PM2.5 <= 30, class III share >= 80 %, heavy days. */
TEST(quality_targets_progress)
{
    struct eg_quality_target t = tgt(EG_QT_GOOD_DAY_RATIO, EG_QT_GE, 90000);
    struct eg_quality_progress p;
    /* 200 days in, 175 good; 165 days left: need 0.9*365 = 328.5 -> 329 good, 154 more */
    struct eg_quality_progress_in in = {175, 200, 165};
    REQUIRE(eg_quality_target_progress(&t, &in, &p) == 0);
    CHECK_EQ_DBL(p.value, 87.5, 1e-9);
    CHECK_EQ_INT(p.met, 0);
    CHECK_EQ_INT(p.on_track, 0);
    CHECK_EQ_INT(p.left_units, 154);
    CHECK_EQ_INT(p.achievable, 1);
    in.num = 190; /* 95 %: on track, needs 139 of 165 */
    REQUIRE(eg_quality_target_progress(&t, &in, &p) == 0);
    CHECK(p.met && p.on_track);
    CHECK_EQ_INT(p.left_units, 139);
    in = (struct eg_quality_progress_in){100, 200, 165}; /* needs 229 > 165 */
    REQUIRE(eg_quality_target_progress(&t, &in, &p) == 0);
    CHECK_EQ_INT(p.achievable, 0);
    /* "about 85 %" with a tolerance of 1 point: 84.2 % meets it */
    t = tgt(EG_QT_GOOD_DAY_RATIO, EG_QT_ABOUT, 85000);
    t.tolerance = 1000;
    in = (struct eg_quality_progress_in){842, 1000, 0};
    REQUIRE(eg_quality_target_progress(&t, &in, &p) == 0);
    CHECK_EQ_INT(p.met, 1);
    /* PM2.5 mean <= 30: 100 days at a sum of 3200 µg/m³ -> 32; 265 days left may average
       (30*365 - 3200)/265 = 29.245... */
    t = tgt(EG_QT_PM25_ANNUAL_MEAN, EG_QT_LE, 30000);
    in = (struct eg_quality_progress_in){3200000, 100, 265};
    REQUIRE(eg_quality_target_progress(&t, &in, &p) == 0);
    CHECK_EQ_DBL(p.value, 32.0, 1e-9);
    CHECK_EQ_INT(p.met, 0);
    CHECK_EQ_DBL(p.left, (30.0 * 365 - 3200) / 265, 1e-9);
    CHECK_EQ_INT(p.achievable, 1);
    in.num = 3049999; /* 30.49999 -> published 30: met */
    REQUIRE(eg_quality_target_progress(&t, &in, &p) == 0);
    CHECK_EQ_INT(p.met, 1);
    /* class III or better >= 80 %: 7 of 10 sections, 1 more to improve */
    t = tgt(EG_QT_WATER_III_SHARE, EG_QT_GE, 80000);
    in = (struct eg_quality_progress_in){7, 10, 0};
    REQUIRE(eg_quality_target_progress(&t, &in, &p) == 0);
    CHECK_EQ_INT(p.met, 0);
    CHECK_EQ_INT(p.left_units, 1);
    CHECK_EQ_INT(p.achievable, 1);
    /* heavy pollution days <= 0: one so far, 100 days in */
    t = tgt(EG_QT_HEAVY_POLLUTION_DAYS, EG_QT_LE, 0);
    in = (struct eg_quality_progress_in){1, 100, 265};
    REQUIRE(eg_quality_target_progress(&t, &in, &p) == 0);
    CHECK_EQ_INT(p.met, 0);
    CHECK_EQ_INT(p.achievable, 0);
    CHECK_EQ_INT(p.left_units, 0);
    /* bad input */
    in.num = -1;
    CHECK(eg_quality_target_progress(&t, &in, &p) == EG_EINVAL);
    CHECK_EQ_INT(eg_quality_metric_parse("good_day_ratio"), EG_QT_GOOD_DAY_RATIO);
    CHECK_EQ_INT(eg_quality_cmp_parse("<="), EG_QT_LE);
    CHECK_EQ_INT(eg_quality_cmp_parse("=="), -1);
}

/* data/quality/targets_seed.csv: every row parses (metric, comparison, goal, period). */
TEST(quality_targets_seed_file)
{
    const struct eg_embedded *e = eg_embedded_find("quality/targets_seed.csv");
    REQUIRE(e != NULL);
    const char *p = e->data, *end = e->data + e->len;
    int rows = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le > p && *p != '#' && rows++ > 0) { /* header first */
            /* fields: id,region,metric,comparison,goal,tolerance,unit,period_start,period_end,… */
            const char *f[9];
            size_t fl[9];
            const char *q = p;
            for (int i = 0; i < 9; i++) {
                const char *c = memchr(q, ',', (size_t)(le - q));
                REQUIRE(c != NULL);
                f[i] = q;
                fl[i] = (size_t)(c - q);
                q = c + 1;
            }
            char buf[64];
            snprintf(buf, sizeof buf, "%.*s", (int)fl[2], f[2]);
            CHECK(eg_quality_metric_parse(buf) >= 0);
            snprintf(buf, sizeof buf, "%.*s", (int)fl[3], f[3]);
            CHECK(eg_quality_cmp_parse(buf) >= 0);
            int64_t g;
            CHECK(eg_quality_decimal_parse(f[4], fl[4], 3, 1000000, &g) == 0);
            int64_t t0, t1;
            CHECK(eg_time_parse_beijing(f[7], fl[7], &t0) == 0);
            CHECK(eg_time_parse_beijing(f[8], fl[8], &t1) == 0);
            CHECK(t0 < t1);
        }
        p = le + 1;
    }
    CHECK(rows >= 6);
}

/* Daily report inputs from hourly series (HJ 633-2012 §5.1.2; GB 3095 Table 4). */
TEST(quality_daily_inputs_rounding_and_validity)
{
    struct eg_quality_validity v;
    eg_quality_validity_default(2012, &v);
    int32_t so2[24], co[24], o3[24];
    for (int k = 0; k < 24; k++) {
        so2[k] = k < 2 ? 10500 : 10000; /* mean 10.0416.. -> 10 */
        co[k] = 750;                    /* 0.75 -> 0.8 (half even: 7.5 -> 8) */
        o3[k] = k >= 12 && k < 20 ? K(170) : K(40);
    }
    const int32_t *h[6] = {so2, NULL, NULL, co, o3, NULL};
    struct eg_quality_aqi_input in;
    eg_quality_daily_inputs(&v, h, 1, 1, &in);
    CHECK_EQ_INT(in.c[EG_QUALITY_SO2], K(10));
    CHECK_EQ_INT(in.c[EG_QUALITY_CO], 800);
    CHECK_EQ_INT(in.c[EG_QUALITY_O3], K(170));
    CHECK_EQ_INT(in.c[EG_QUALITY_O3_8H], K(170));
    CHECK_EQ_INT(in.c[EG_QUALITY_NO2], NA);
    eg_quality_daily_inputs(&v, h, 1, 0, &in);
    CHECK_EQ_INT(in.c[EG_QUALITY_SO2], 10042); /* 241000/24 = 10041.67 -> 10042 */
    struct eg_quality_aqi r;
    eg_quality_daily_inputs(&v, h, 1, 1, &in);
    REQUIRE(eg_quality_aqi_compute(2012, 1, &in, NULL, &r) == 0);
    CHECK_EQ_INT(r.aqi, 110); /* MDA8 170: 100 + 50*10/55 = 109.09 -> 110 (O3 1-h 170: 63) */
    CHECK_EQ_INT(r.iaqi[EG_QUALITY_O3], 63);
    CHECK_STR(eg_quality_slot_name(EG_QUALITY_O3_8H), "O3_8h");
    CHECK_EQ_INT(r.primary, 1u << EG_QUALITY_O3_8H);
}

/* Progress inputs from daily values (targets, §3.4). */
TEST(quality_progress_from_days)
{
    int aqi[6] = {40, 120, -1, 90, 210, 100};
    struct eg_quality_progress_in in;
    REQUIRE(eg_quality_progress_from_days(EG_QT_GOOD_DAY_RATIO, aqi, NULL, 6, 359, &in) == 0);
    CHECK_EQ_INT(in.num, 3);
    CHECK_EQ_INT(in.den, 5);
    CHECK_EQ_INT(in.remaining, 359);
    REQUIRE(eg_quality_progress_from_days(EG_QT_HEAVY_POLLUTION_DAYS, aqi, NULL, 6, 359, &in) == 0);
    CHECK_EQ_INT(in.num, 1);
    CHECK_EQ_INT(in.den, 6);
    int32_t pm[3] = {K(30), NA, K(41)};
    REQUIRE(eg_quality_progress_from_days(EG_QT_PM25_ANNUAL_MEAN, NULL, pm, 3, 0, &in) == 0);
    CHECK_EQ_INT(in.num, K(71));
    CHECK_EQ_INT(in.den, 2);
    CHECK(eg_quality_progress_from_days(EG_QT_WATER_III_SHARE, aqi, pm, 3, 0, &in) == EG_EINVAL);
    CHECK(eg_quality_progress_from_days(EG_QT_PM25_ANNUAL_MEAN, NULL, NULL, 3, 0, &in) ==
          EG_EINVAL);
    CHECK(eg_quality_progress_from_days(EG_QT_GOOD_DAY_RATIO, aqi, NULL, 6, -1, &in) == EG_EINVAL);
}

/* Regional series: mean of the stations' valid values hour by hour (HJ 663 point averaging). */
TEST(quality_region_hourly_mean)
{
    int32_t a[3] = {K(10), NA, K(30)}, b[3] = {K(21), NA, K(1)}, out[3];
    const int32_t *st[3] = {a, b, NULL};
    eg_quality_region_hourly(st, 3, 3, 1, out);
    CHECK_EQ_INT(out[0], 15500);
    CHECK_EQ_INT(out[1], NA);
    CHECK_EQ_INT(out[2], K(15.5));
    eg_quality_region_hourly(st, 3, 3, 3, out);
    CHECK_EQ_INT(out[0], NA);
}

/* Any span (month, year to date): monthly validity counts (GB 3095 Table 4), and the daily AQI
   of each day by the edition in force that day (2026-03-01 switch, standards.md §0). */
TEST(quality_period_eval_month_and_edition_switch)
{
    /* 2026-02-20 .. 2026-03-10: 19 days, PM2.5 70 every hour, others low */
    size_t nd = 19;
    int32_t *h[6];
    for (int p = 0; p < 6; p++) {
        h[p] = malloc(nd * 24 * sizeof(int32_t));
        for (size_t i = 0; i < nd * 24; i++)
            h[p][i] = p == 5 ? K(70) : p == 3 ? 500 : K(10);
    }
    struct eg_quality_annual a;
    int64_t first = eg_days_from_civil(2026, 2, 20);
    REQUIRE(eg_quality_period_eval(first, (const int32_t *const *)h, nd, NULL, &a) == 0);
    CHECK_EQ_INT(a.edition, 2026);
    CHECK_EQ_INT(a.days_valid, 19);
    /* 2012: 50 + 50*35/40 = 93.75 -> 94 (良); 2026: 100 + 50*10/55 = 109.1 -> 110 (轻度) */
    CHECK_EQ_INT(a.days_good, 9);
    CHECK_EQ_INT(a.days_level[3], 10);
    CHECK_EQ_INT(a.p[5].valid, 1);     /* no whole month in the span */
    CHECK_EQ_INT(a.p[5].compliant, 0); /* P95 70 > 2026 transition daily limit 60 */
    for (int p = 0; p < 6; p++)
        free(h[p]);
    /* January 2019 with 27 valid days: valid; with 26: not (monthly count rule) */
    nd = 31;
    for (int p = 0; p < 6; p++) {
        h[p] = malloc(nd * 24 * sizeof(int32_t));
        for (size_t i = 0; i < nd * 24; i++)
            h[p][i] = (i / 24) < 27 ? K(20) : NA;
    }
    first = eg_days_from_civil(2019, 1, 1);
    REQUIRE(eg_quality_period_eval(first, (const int32_t *const *)h, nd, NULL, &a) == 0);
    CHECK_EQ_INT(a.p[5].valid, 1);
    CHECK_EQ_INT(a.p[5].valid_days, 27);
    CHECK_EQ_INT(a.edition, 2012);
    for (int k = 0; k < 24; k++)
        h[5][26 * 24 + k] = NA;
    REQUIRE(eg_quality_period_eval(first, (const int32_t *const *)h, nd, NULL, &a) == 0);
    CHECK_EQ_INT(a.p[5].valid, 0);
    CHECK_EQ_INT(a.p[5].compliant, -1);
    CHECK(eg_quality_period_eval(first, (const int32_t *const *)h, 0, NULL, &a) == EG_EINVAL);
    CHECK(eg_quality_period_eval(first, (const int32_t *const *)h, 367, NULL, &a) == EG_EINVAL);
    for (int p = 0; p < 6; p++)
        free(h[p]);
}

/* Names of GB 3838 factors and a bad day/night split (GB 3096 §5.2 split is configurable). */
TEST(quality_water_names_and_noise_bad_split)
{
    CHECK_EQ_INT(eg_quality_water_factor_parse("nh3-n"), EG_QW_NH3N);
    CHECK_EQ_INT(eg_quality_water_factor_parse("总磷"), EG_QW_TP);
    CHECK_EQ_INT(eg_quality_water_factor_parse("CODMn"), EG_QW_CODMN);
    CHECK_EQ_INT(eg_quality_water_factor_parse("pH"), EG_QW_PH);
    CHECK_EQ_INT(eg_quality_water_factor_parse("nitrate"), -1);
    for (int f = 0; f < EG_QW_FACTORS; f++)
        CHECK_EQ_INT(eg_quality_water_factor_parse(eg_quality_water_factor_name(f)), f);
    struct eg_quality_noise_config cfg;
    eg_quality_noise_config_default(&cfg);
    cfg.night_start_hour = 5; /* before the day starts: refused */
    double h[24], ld, ln;
    for (int i = 0; i < 24; i++)
        h[i] = 50;
    eg_quality_noise_day_night(&cfg, h, 1, &ld, &ln);
    CHECK(isnan(ld) && isnan(ln));
    cfg.day_start_hour = 7; /* a local split 07-23 */
    cfg.night_start_hour = 23;
    h[6] = 70; /* now a night hour */
    eg_quality_noise_day_night(&cfg, h, 1, &ld, &ln);
    CHECK_EQ_DBL(ld, 50, 1e-9);
    CHECK_EQ_DBL(ln, 50, 1e-9); /* the night of day 0 is 23:00 only within this series */
}
