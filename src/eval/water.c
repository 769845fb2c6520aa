/*
 * eval_water.c: GB 3838-2002 class of a surface-water section by month and year from its stored
 * series. Values of a day: the section's daily data (kind 2031), else the daily mean of its
 * hourly data (2061, reported, then envgov's computed hourly means), valid values only. A month
 * is the mean of its daily values, the year the mean of its monthly means (环办[2011]22号 单因子
 * 评价 over period means; a manual monthly sample is one day's value, so a month of one sample is
 * that sample). Classes, 超标项目 and 超标倍数 are eg_quality_water_eval's.
 */
#include "eval/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* HJ 212-2017 Table B.1 codes of the GB 3838-2002 Table 1/2 factors; where HJ 212 has a µg/L
   code beside a mg/L one, both are listed. */
const struct eg_eval_water_code eg_eval_water_codes[] = {
    {"w01001", EG_QW_PH, 1},      {"w01009", EG_QW_DO, 1},      {"w01019", EG_QW_CODMN, 1},
    {"w01018", EG_QW_COD, 1},     {"w01017", EG_QW_BOD5, 1},    {"w21003", EG_QW_NH3N, 1},
    {"w21011", EG_QW_TP, 1},      {"w21001", EG_QW_TN, 1},      {"w20122", EG_QW_CU, 1},
    {"w20138", EG_QW_CU, 1},      {"w20123", EG_QW_ZN, 1},      {"w20139", EG_QW_ZN, 1},
    {"w21017", EG_QW_F, 1},       {"w20128", EG_QW_SE, 0.001},  {"w20140", EG_QW_SE, 1},
    {"w20119", EG_QW_AS, 0.001},  {"w20141", EG_QW_AS, 1},      {"w20111", EG_QW_HG, 0.001},
    {"w20142", EG_QW_HG, 0.001},  {"w20115", EG_QW_CD, 0.001},  {"w20143", EG_QW_CD, 0.001},
    {"w20117", EG_QW_CR6, 0.001}, {"w20120", EG_QW_PB, 0.001},  {"w20144", EG_QW_PB, 1},
    {"w21016", EG_QW_CN, 1},      {"w23002", EG_QW_PHENOL, 1},  {"w22001", EG_QW_OIL, 1},
    {"w19002", EG_QW_LAS, 1},     {"w21019", EG_QW_SULFIDE, 1}, {"w02003", EG_QW_COLIFORM, 1},
};
const size_t eg_eval_water_ncodes = sizeof eg_eval_water_codes / sizeof eg_eval_water_codes[0];

/* Daily values (mg/L, NaN when none) of one code of one source for the nd days from d0, filling
   only days still NaN. */
static int fill_days(struct eg_ts *ts, const char *source, const char *code, double to_mg_l,
                     int64_t d0, size_t nd, int tier, double *day, struct eg_err *err)
{
    static const struct {
        int kind, computed;
    } order[] = {{EG_TS_KIND_DAY, 0}, {EG_TS_KIND_HOUR, 0}, {EG_TS_KIND_HOUR, 1}};
    for (size_t o = 0; o < sizeof order / sizeof order[0]; o++) {
        struct eg_ts_key key = {source, code, order[o].kind, "Avg", order[o].computed};
        struct eg_ts_bucket *b;
        size_t nb;
        int r = eg_ts_query_buckets(ts, &key, eg_ts_day_start(d0),
                                    eg_ts_day_start(d0 + (int64_t)nd), 86400, tier, &b, &nb, err);
        if (r == EG_ENOTFOUND) {
            eg_err_clear(err);
            continue;
        }
        if (r)
            return r;
        for (size_t i = 0; i < nb; i++) {
            int64_t d = eg_ts_day_of(b[i].t) - d0;
            if (d >= 0 && (size_t)d < nd && b[i].count && isnan(day[d]) && b[i].avg >= 0)
                day[d] = b[i].avg * to_mg_l;
        }
        free(b);
    }
    return 0;
}

static int64_t to_micro(double mg_l)
{
    double v = mg_l * (double)EG_QUALITY_MICRO;
    return v < 9e18 ? (int64_t)llround(v) : EG_QUALITY_W_NA;
}

int eg_eval_water(struct eg_ts *ts, const struct eg_eval_station *s, int year, int waterbody,
                  int tier, struct eg_eval_water_period out[13], struct eg_err *err)
{
    if (year < 2000 || year > 2200)
        return eg_err_set(err, EG_EINVAL, "bad_year", -1, "year %d is out of range", year);
    if (waterbody != EG_QW_RIVER && waterbody != EG_QW_LAKE)
        return eg_err_set(err, EG_EINVAL, "bad_waterbody", -1, "waterbody is river or lake");
    int64_t d0 = eg_days_from_civil(year, 1, 1);
    size_t nd = (size_t)(eg_days_from_civil(year + 1, 1, 1) - d0);
    /* day[f][d]: factor f on day d, mg/L */
    double *day = eg_malloc((size_t)EG_QW_FACTORS * nd * sizeof *day);
    for (size_t i = 0; i < (size_t)EG_QW_FACTORS * nd; i++)
        day[i] = NAN;
    struct eg__eval_sources src = {0};
    int r = eg__eval_sources(eg_ts_store(ts), s, &src, err);
    for (size_t k = 0; r == 0 && k < src.n; k++)
        for (size_t c = 0; r == 0 && c < eg_eval_water_ncodes; c++) {
            const struct eg_eval_water_code *wc = &eg_eval_water_codes[c];
            r = fill_days(ts, src.v[k], wc->code, wc->to_mg_l, d0, nd, tier,
                          day + (size_t)wc->factor * nd, err);
        }
    free(src.v);
    if (r) {
        free(day);
        return r;
    }
    memset(out, 0, 13 * sizeof *out);
    int target = s->water_class ? s->water_class : 3;
    int64_t ysum[EG_QW_FACTORS] = {0};
    int ycnt[EG_QW_FACTORS] = {0};
    for (int m = 1; m <= 12; m++) {
        struct eg_eval_water_period *p = &out[m - 1];
        p->month = m;
        int64_t a = eg_days_from_civil(year, m, 1) - d0, b = a + eg_days_in_month(year, m);
        for (int64_t d = a; d < b; d++)
            for (int f = 0; f < EG_QW_FACTORS; f++)
                if (!isnan(day[(size_t)f * nd + (size_t)d])) {
                    p->samples++;
                    break;
                }
        for (int f = 0; f < EG_QW_FACTORS; f++) {
            double sum = 0;
            int n = 0;
            for (int64_t d = a; d < b; d++) {
                double v = day[(size_t)f * nd + (size_t)d];
                if (!isnan(v)) {
                    sum += v;
                    n++;
                }
            }
            p->mean[f] = n ? to_micro(sum / n) : EG_QUALITY_W_NA;
            if (p->mean[f] != EG_QUALITY_W_NA) {
                ysum[f] += p->mean[f];
                ycnt[f]++;
            }
        }
        eg_quality_water_eval(p->mean, waterbody, target, NULL, &p->r);
    }
    struct eg_eval_water_period *y = &out[12];
    y->month = 0;
    for (int m = 0; m < 12; m++)
        y->samples += out[m].samples;
    for (int f = 0; f < EG_QW_FACTORS; f++)
        y->mean[f] = ycnt[f] ? eg_quality_div_half_even(ysum[f], ycnt[f]) : EG_QUALITY_W_NA;
    eg_quality_water_eval(y->mean, waterbody, target, NULL, &y->r);
    free(day);
    return 0;
}
