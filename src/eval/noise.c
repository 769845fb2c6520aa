/*
 * eval_noise.c: GB 3096-2008 day and night levels of a noise station from its stored hourly
 * equivalent levels, and compliance with its functional zone's limits, per day and over a range.
 *
 * Source: the hourly Leq the station reports (HJ 212 pollutant Leq, else LA; kind 2061, field
 * Avg, computed 0). envgov's own computed hourly means are not used: they are arithmetic means,
 * and levels in dB must be energy-averaged (GB/T 14623), which eg_quality_leq does here.
 */
#include "eval/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int eg_eval_noise_station(struct eg_ts *ts, const struct eg_eval_station *s, int64_t day_from,
                          int64_t day_to, int zone_override, int tier, struct eg_eval_noise *out,
                          struct eg_err *err)
{
    memset(out, 0, sizeof *out);
    if (day_to < day_from)
        return eg_err_set(err, EG_EINVAL, "bad_range", -1, "the range is empty: to < from");
    if (day_to - day_from + 1 > EG_EVAL_MAX_DAYS)
        return eg_err_set(err, EG_ETOOBIG, "range_too_long", -1, "at most %d days at once",
                          EG_EVAL_MAX_DAYS);
    out->zone = zone_override >= 0 ? zone_override : s->noise_zone;
    if (out->zone < 0 || eg_quality_noise_limits(out->zone, &out->day_limit, &out->night_limit))
        return eg_err_set(err, EG_EINVAL, "no_zone", -1,
                          "station %s has no GB 3096 functional zone class (noise_zone)", s->code);
    size_t nd = (size_t)(day_to - day_from + 1), nh = (nd + 1) * 24; /* + the last night's end */
    int32_t *milli = eg_malloc(nh * sizeof *milli);
    for (size_t i = 0; i < nh; i++)
        milli[i] = EG_QUALITY_NA;
    struct eg__eval_sources src = {0};
    int r = eg__eval_sources(eg_ts_store(ts), s, &src, err);
    static const char *const codes[] = {"Leq", "LA"};
    for (size_t k = 0; r == 0 && k < src.n; k++)
        for (int c = 0; r == 0 && c < 2; c++)
            r = eg__eval_fill_hourly(ts, src.v[k], codes[c], 0, eg_ts_day_start(day_from), nh, tier,
                                     1000.0, milli, err);
    free(src.v);
    if (r) {
        free(milli);
        return r;
    }
    double *hourly = eg_malloc(nh * sizeof *hourly);
    for (size_t i = 0; i < nh; i++)
        hourly[i] = milli[i] == EG_QUALITY_NA ? NAN : milli[i] / 1000.0;
    free(milli);
    struct eg_quality_noise_config cfg;
    eg_quality_noise_config_default(&cfg);
    double *ld = eg_malloc((nd + 1) * sizeof *ld), *ln = eg_malloc((nd + 1) * sizeof *ln);
    eg_quality_noise_day_night(&cfg, hourly, nd + 1, ld, ln);
    out->d = eg_calloc(nd, sizeof *out->d);
    out->days = (int)nd;
    /* the range's levels: energy average over every day hour and every night hour of its days */
    double *dayh = eg_malloc(nh * sizeof *dayh), *nighth = eg_malloc(nh * sizeof *nighth);
    size_t ndh = 0, nnh = 0;
    for (size_t d = 0; d < nd; d++) {
        struct eg_eval_noise_day *x = &out->d[d];
        x->day = day_from + (int64_t)d;
        x->ld = ld[d];
        x->ln = ln[d];
        eg_quality_noise_check(out->zone, x->ld, x->ln, NAN, &x->r);
        out->day_valid += x->r.day_ok >= 0;
        out->day_ok += x->r.day_ok == 1;
        out->night_valid += x->r.night_ok >= 0;
        out->night_ok += x->r.night_ok == 1;
        for (int h = 0; h < 24; h++) {
            size_t i = d * 24 + (size_t)h;
            if (h >= cfg.day_start_hour && h < cfg.night_start_hour)
                dayh[ndh++] = hourly[i];
            else if (h >= cfg.night_start_hour)
                nighth[nnh++] = hourly[i];
            if (h < cfg.day_start_hour) /* the morning end of the day's night: the next day's */
                nighth[nnh++] = hourly[i + 24];
        }
    }
    out->ld = eg_quality_leq(dayh, NULL, ndh);
    out->ln = eg_quality_leq(nighth, NULL, nnh);
    eg_quality_noise_check(out->zone, out->ld, out->ln, NAN, &out->r);
    free(dayh);
    free(nighth);
    free(ld);
    free(ln);
    free(hourly);
    return 0;
}
