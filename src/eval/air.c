/*
 * eval_air.c: air quality over stored data — real-time (hourly) and daily AQI of a station or a
 * region (HJ 633, the edition in force on each hour label / day), the latest AQI for maps, and
 * the HJ 663 annual evaluation. The arithmetic is src/quality/'s; this file only chooses the
 * hours to read and hands them over.
 */
#include "eval/internal.h"

#include <stdlib.h>
#include <string.h>

/* Hours read before a real-time range: the SO2 24-h moving average (2012 rule above 800) and
   the O3 8-h moving average need the 23 hours before the first hour. */
#define LOOKBACK 23

static const char *const AIR_CODES[6] = {"a21026", "a21004", "a34002",
                                         "a21005", "a05024", "a34004"};

static int32_t *alloc_hourly(size_t n, int32_t *h[6])
{
    int32_t *buf = eg_malloc((n ? 6 * n : 1) * sizeof *buf);
    for (int p = 0; p < 6; p++)
        h[p] = buf + (size_t)p * n;
    return buf;
}

static int64_t floor_hour(int64_t t)
{
    return t >= 0 ? t / 3600 * 3600 : -((-t + 3599) / 3600) * 3600;
}

int eg_eval_aqi_hourly(struct eg_ts *ts, const struct eg_eval_station *s, size_t k, int64_t from,
                       int64_t to, int tier, struct eg_eval_aqi **out, size_t *n,
                       struct eg_err *err)
{
    *out = NULL;
    *n = 0;
    int64_t t0 = floor_hour(from), t1 = floor_hour(to + 3599);
    if (t1 <= t0)
        return eg_err_set(err, EG_EINVAL, "bad_range", -1, "the range is empty: to <= from");
    if ((t1 - t0) / 3600 > EG_EVAL_MAX_HOURS)
        return eg_err_set(err, EG_ETOOBIG, "range_too_long", -1,
                          "at most %d hours of hourly AQI at once (ask for daily AQI)",
                          EG_EVAL_MAX_HOURS);
    size_t nh = (size_t)((t1 - t0) / 3600), nt = nh + LOOKBACK;
    int32_t *h[6];
    int32_t *buf = alloc_hourly(nt, h);
    int r = eg_eval_air_hourly(ts, s, k, t0 - LOOKBACK * 3600, nt, tier, h, NULL, err);
    if (r) {
        free(buf);
        return r;
    }
    struct eg_quality_validity v;
    eg_quality_validity_default(EG_QUALITY_ED_2012, &v);
    struct eg_quality_aqi_input *in = eg_malloc(nt * sizeof *in);
    eg_quality_realtime_inputs(&v, (const int32_t *const *)h, nt, in);
    *out = eg_calloc(nh ? nh : 1, sizeof **out);
    for (size_t i = LOOKBACK; i < nt; i++) {
        int any = 0;
        for (int p = 0; p < 6; p++)
            any |= h[p][i] != EG_QUALITY_NA;
        if (!any)
            continue;
        struct eg_eval_aqi *a = &(*out)[(*n)++];
        a->t = t0 + (int64_t)(i - LOOKBACK) * 3600;
        memcpy(a->c, in[i].c, sizeof a->c);
        a->so2_24h = in[i].so2_24h;
        a->oldest = a->t;
        a->stations = k;
        /* the edition in force on the hour's label (its end, as the hour is published) */
        int ed = eg_quality_edition_at(a->t + 3600);
        eg_quality_aqi_compute(ed, 0, &in[i], NULL, &a->r);
    }
    free(in);
    free(buf);
    return 0;
}

int eg__eval_daily_reports(struct eg_ts *ts, const struct eg_eval_station *s, size_t k,
                           int64_t day_from, size_t nd, int tier, struct eg_quality_aqi_input *in,
                           struct eg_quality_aqi *rep, struct eg_err *err)
{
    size_t nt = nd * 24;
    int32_t *h[6];
    int32_t *buf = alloc_hourly(nt, h);
    int r = eg_eval_air_hourly(ts, s, k, eg_ts_day_start(day_from), nt, tier, h, NULL, err);
    if (r == 0) {
        struct eg_quality_validity v;
        eg_quality_validity_default(EG_QUALITY_ED_2012, &v);
        eg_quality_daily_inputs(&v, (const int32_t *const *)h, nd, 1, in);
        for (size_t d = 0; d < nd; d++) {
            int y, m, dd;
            eg_civil_from_days(day_from + (int64_t)d, &y, &m, &dd);
            eg_quality_aqi_compute(eg_quality_edition_on(y, m, dd), 1, &in[d], NULL, &rep[d]);
            int any = 0;
            for (int p = 0; p < 6 && !any; p++)
                for (size_t i = 0; i < 24 && !any; i++)
                    any = h[p][d * 24 + i] != EG_QUALITY_NA;
            if (!any) /* no data at all that day: no report, whatever a withholding rule says */
                rep[d].aqi = -1;
        }
    }
    free(buf);
    return r;
}

int eg_eval_aqi_daily(struct eg_ts *ts, const struct eg_eval_station *s, size_t k, int64_t day_from,
                      int64_t day_to, int tier, struct eg_eval_aqi **out, size_t *n,
                      struct eg_err *err)
{
    *out = NULL;
    *n = 0;
    if (day_to < day_from)
        return eg_err_set(err, EG_EINVAL, "bad_range", -1, "the range is empty: to < from");
    if (day_to - day_from + 1 > EG_EVAL_MAX_DAYS)
        return eg_err_set(err, EG_ETOOBIG, "range_too_long", -1,
                          "at most %d days of daily AQI at once", EG_EVAL_MAX_DAYS);
    size_t nd = (size_t)(day_to - day_from + 1);
    struct eg_quality_aqi_input *in = eg_malloc(nd * sizeof *in);
    struct eg_quality_aqi *rep = eg_malloc(nd * sizeof *rep);
    int r = eg__eval_daily_reports(ts, s, k, day_from, nd, tier, in, rep, err);
    if (r == 0) {
        *out = eg_calloc(nd, sizeof **out);
        for (size_t d = 0; d < nd; d++) {
            int any = rep[d].aqi >= 0;
            for (int p = 0; p < EG_QUALITY_SLOTS && !any; p++)
                any = in[d].c[p] != EG_QUALITY_NA;
            if (!any)
                continue;
            struct eg_eval_aqi *a = &(*out)[(*n)++];
            a->t = eg_ts_day_start(day_from + (int64_t)d);
            memcpy(a->c, in[d].c, sizeof a->c);
            a->r = rep[d];
        }
    }
    free(in);
    free(rep);
    return r;
}

/* How far back from its newest stored hour a station's latest valid hour is looked for: two
   days first (the usual case reads little), then a month. */
#define LATEST_NEAR_H 48
#define LATEST_FAR_H EG_EVAL_MAX_HOURS

/* One station's most recent closed hour (ended at or before now) with an AQI. */
static int station_latest(struct eg_ts *ts, const struct eg_eval_station *s, int tier, int64_t now,
                          struct eg_eval_aqi *out, int *found, struct eg_err *err)
{
    *found = 0;
    /* the newest hourly value stored for the station (any source, pollutant, computed or not)
       bounds the search, so a station whose data stopped long ago (an import of history) is
       found without reading every hour since */
    struct eg__eval_sources src = {0};
    int r = eg__eval_sources(eg_ts_store(ts), s, &src, err);
    size_t nk = src.n * 12;
    struct eg_ts_key *keys = eg_malloc((nk ? nk : 1) * sizeof *keys);
    for (size_t i = 0; i < src.n; i++)
        for (int c = 0; c < 2; c++)
            for (int p = 0; p < 6; p++)
                keys[i * 12 + (size_t)c * 6 + (size_t)p] =
                    (struct eg_ts_key){src.v[i], AIR_CODES[p], EG_TS_KIND_HOUR, "Avg", c};
    struct eg_ts_row *rows = eg_malloc((nk ? nk : 1) * sizeof *rows);
    int *got = eg_calloc(nk ? nk : 1, sizeof *got);
    if (r == 0)
        r = eg_ts_latest(ts, keys, nk, rows, got, err);
    int64_t newest = INT64_MIN;
    for (size_t i = 0; r == 0 && i < nk; i++)
        if (got[i] && rows[i].t > newest)
            newest = rows[i].t;
    free(keys);
    free(rows);
    free(got);
    free(src.v);
    if (r || newest == INT64_MIN)
        return r;
    int64_t end = floor_hour(now); /* hours starting before end have ended by now */
    if (floor_hour(newest) + 3600 < end)
        end = floor_hour(newest) + 3600;
    int64_t from = end - LATEST_NEAR_H * 3600, to = end;
    for (int pass = 0; pass < 2 && !*found; pass++) {
        if (pass == 1) {
            to = from;
            from = end - LATEST_FAR_H * 3600;
        }
        struct eg_eval_aqi *a;
        size_t n;
        r = eg_eval_aqi_hourly(ts, s, 1, from, to, tier, &a, &n, err);
        if (r)
            return r;
        for (size_t i = n; i-- > 0;)
            if (a[i].t + 3600 <= now && a[i].r.aqi >= 0) {
                *out = a[i];
                *found = 1;
                break;
            }
        free(a);
    }
    return 0;
}

int eg_eval_aqi_latest(struct eg_ts *ts, const struct eg_eval_station *s, size_t k, int tier,
                       int64_t now, struct eg_eval_aqi *out, int *found, struct eg_err *err)
{
    *found = 0;
    if (k == 1)
        return station_latest(ts, s, tier, now, out, found, err);
    /* A region: each station's latest valid hour (station by station, so one station's gap
       or invalid hour does not blank the district), averaged per indicator over the stations
       that have it (valid values only, half to even to the milli, as eg_quality_region_hourly),
       reported by the edition in force on the newest of those hours. */
    int64_t sum[EG_QUALITY_SLOTS] = {0}, sum24 = 0;
    int32_t cnt[EG_QUALITY_SLOTS] = {0}, cnt24 = 0;
    int64_t newest = INT64_MIN, oldest = INT64_MAX;
    size_t stations = 0;
    for (size_t j = 0; j < k; j++) {
        struct eg_eval_aqi a;
        int f = 0;
        int r = station_latest(ts, &s[j], tier, now, &a, &f, err);
        if (r)
            return r;
        if (!f)
            continue;
        stations++;
        newest = a.t > newest ? a.t : newest;
        oldest = a.t < oldest ? a.t : oldest;
        for (int p = 0; p < EG_QUALITY_SLOTS; p++)
            if (a.c[p] != EG_QUALITY_NA) {
                sum[p] += a.c[p];
                cnt[p]++;
            }
        if (a.so2_24h != EG_QUALITY_NA) {
            sum24 += a.so2_24h;
            cnt24++;
        }
    }
    if (!stations)
        return 0;
    struct eg_quality_aqi_input in;
    for (int p = 0; p < EG_QUALITY_SLOTS; p++)
        in.c[p] = cnt[p] ? (int32_t)eg_quality_div_half_even(sum[p], cnt[p]) : EG_QUALITY_NA;
    in.so2_24h = cnt24 ? (int32_t)eg_quality_div_half_even(sum24, cnt24) : EG_QUALITY_NA;
    memset(out, 0, sizeof *out);
    out->t = newest;
    out->oldest = oldest;
    out->stations = stations;
    memcpy(out->c, in.c, sizeof out->c);
    out->so2_24h = in.so2_24h;
    eg_quality_aqi_compute(eg_quality_edition_at(newest + 3600), 0, &in, NULL, &out->r);
    *found = 1;
    return 0;
}

int eg_eval_air_annual(struct eg_ts *ts, const struct eg_eval_station *s, size_t k, int year,
                       int tier, struct eg_quality_annual *out, struct eg_err *err)
{
    if (year < 2000 || year > 2200)
        return eg_err_set(err, EG_EINVAL, "bad_year", -1, "year %d is out of range", year);
    int64_t d0 = eg_days_from_civil(year, 1, 1);
    size_t nd = (size_t)(eg_days_from_civil(year + 1, 1, 1) - d0);
    int32_t *h[6];
    int32_t *buf = alloc_hourly(nd * 24, h);
    int r = eg_eval_air_hourly(ts, s, k, eg_ts_day_start(d0), nd * 24, tier, h, NULL, err);
    if (r == 0 && eg_quality_annual_eval(year, (const int32_t *const *)h, nd, NULL, out))
        r = eg_err_set(err, EG_EINVAL, "bad_year", -1, "annual evaluation refused year %d", year);
    free(buf);
    return r;
}
