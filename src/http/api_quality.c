/*
 * api_quality.c: environmental-quality evaluation over the stored data (issue 6 §3), on
 * eval/eval.h (which calls the pure functions of src/quality/).
 *
 *   GET /api/v1/aqi/latest[?region=]                 latest real-time AQI of every air station
 *                                                    and of the set (region) they form
 *   GET /api/v1/aqi/hourly?station=|region=&from=&to=  real-time AQI of each hour in [from, to)
 *   GET /api/v1/aqi/daily?station=|region=&from=&to=   daily AQI of each day from..to (dates)
 *   GET /api/v1/eval/air/annual?region=|station=&year= HJ 663 annual evaluation
 *   GET /api/v1/eval/water?section=&year=[&month=][&waterbody=river|lake]  GB 3838 classes
 *   GET /api/v1/eval/noise?station=&from=&to=[&zone=]   GB 3096 day/night levels, compliance
 *   GET /api/v1/targets[?as_of=YYYY-MM-DD]            the plans' targets with progress
 *
 * Every route is public: what each asker sees is decided per station by the registry's row
 * scope for stations (eval.h): anonymous and enterprise users the public stations, street users
 * also those of their region, bureau and admin all; a region's values are computed from the
 * stations the asker may see, so nothing derived from non-public data reaches the public. A
 * station out of scope is answered exactly as an unknown one (404).
 * tier=preliminary|reviewed selects the data (the eval routes and targets default to reviewed, the
 * AQI routes to preliminary, as released in real time). Lists answer ?format=csv|xlsx. Times:
 * Beijing; an hourly item's "time" is the hour's label (its end, as CNEMC publishes it, "2019-01-01
 * 08:00" = 07:00-08:00) and "start" its start.
 */
#include "eval/eval.h"
#include "http/http_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(struct eg_http_req *rq, const char *code, const char *fmt, const char *arg)
{
    return eg_err_set(eg_http_err(rq), EG_EINVAL, code, -1, fmt, arg);
}

/* tier= from the route's table (whose default differs by route). */
static int get_tier(struct eg_http_req *rq, int dflt, int *tier)
{
    const char *t = NULL;
    int rc = eg_http_arg_str(rq, "tier", &t);
    if (rc < 0)
        return rc;
    *tier = !t ? dflt : !strcmp(t, "reviewed") ? EG_TS_REVIEWED : EG_TS_PRELIMINARY;
    return 0;
}

/* An integer of the route's table: 0 given, 1 absent, or a negative EG_E*. */
static int get_int(struct eg_http_req *rq, const char *name, int64_t *out)
{
    int rc = eg_http_arg_int(rq, name, out);
    return rc < 0 ? rc : rc == 1 ? 0 : 1;
}

/* The stations a request names: station=CODE (of kind) or region=CODE (its visible stations of
   kind); with neither, every visible station when allow_all. *label gets the selection's name. */
static int selection(struct eg_http_req *rq, struct eg_db *st, const char *kind,
                     const char *station_param, int allow_all, struct eg_eval_station **s,
                     size_t *k, json_t **label)
{
    const struct eg_principal *who = eg_http_principal(rq);
    const char *code = NULL, *region = NULL;
    int rc;
    if ((rc = eg_http_arg_str(rq, station_param, &code)) < 0 ||
        (rc = eg_http_arg_str(rq, "region", &region)) < 0)
        return rc;
    *s = NULL;
    *k = 0;
    *label = NULL;
    if (code && region)
        return bad(rq, "bad_query", "give %s or region, not both", station_param);
    if (code) {
        *s = eg_malloc(sizeof **s);
        if ((rc = eg_eval_station_get(st, who, kind, code, *s, eg_http_err(rq)))) {
            free(*s);
            *s = NULL;
            return rc;
        }
        *k = 1;
        *label = json_pack("{s:s,s:s,s:s}", "station", (*s)->code, "name", (*s)->name, "region",
                           (*s)->region_code);
        return 0;
    }
    if (!region && !allow_all)
        return bad(rq, "bad_query", "%s=CODE or region=CODE is required", station_param);
    char rcode[33] = "", rname[65] = "";
    if (region && (rc = eg_eval_region_get(st, region, rcode, rname, eg_http_err(rq))))
        return rc;
    if ((rc = eg_eval_stations(st, who, kind, region ? rcode : NULL, s, k, eg_http_err(rq))))
        return rc;
    *label = json_pack("{s:s?,s:s?,s:i}", "region", region ? rcode : NULL, "region_name",
                       region ? rname : NULL, "stations", (json_int_t)*k);
    return 0;
}

static json_t *real_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

#define AQI_COLS {.name = "time", .label_zh = "时间", .kind = EG_HTTP_COL_TIME}, AQI_VALUE_COLS
#define AQI_VALUE_COLS                                                                             \
    {.name = "aqi", .label_zh = "AQI"}, {.name = "level", .label_zh = "级别"},                     \
        {.name = "category", .label_zh = "类别"},                                                  \
        {.name = "primary_pollutants", .label_zh = "首要污染物"},                                  \
        {.name = "iaqi_so2", .label_zh = "SO2分指数"},                                             \
        {.name = "iaqi_no2", .label_zh = "NO2分指数"},                                             \
        {.name = "iaqi_pm10", .label_zh = "PM10分指数"},                                           \
        {.name = "iaqi_co", .label_zh = "CO分指数"},                                               \
        {.name = "iaqi_o3", .label_zh = "O3(1h)分指数"},                                           \
        {.name = "iaqi_pm25", .label_zh = "PM2.5分指数"},                                          \
        {.name = "iaqi_o3_8h", .label_zh = "O3(8h)分指数"}, {.name = "so2", .label_zh = "SO2"},    \
        {.name = "no2", .label_zh = "NO2"}, {.name = "pm10", .label_zh = "PM10"},                  \
        {.name = "co", .label_zh = "CO"}, {.name = "o3", .label_zh = "O3(1h)"},                    \
        {.name = "pm25", .label_zh = "PM2.5"}, {.name = "o3_8h", .label_zh = "O3(8h)"},            \
    {                                                                                              \
        .name = "edition", .label_zh = "标准版本"                                              \
    }

static int open_ts(struct eg_http_req *rq, struct eg_db **st, struct eg_ts **ts)
{
    int rc = eg_http_store(rq, st);
    if (rc == 0)
        rc = eg_ts_open(*st, ts, eg_http_err(rq));
    return rc;
}

/* open_ts, then the air stations the request selects (selection()); nothing left open on
   failure. */
static int open_air(struct eg_http_req *rq, int allow_all, struct eg_ts **ts,
                    struct eg_eval_station **s, size_t *k, json_t **label)
{
    struct eg_db *st;
    int rc = open_ts(rq, &st, ts);
    if (rc)
        return rc;
    if ((rc = selection(rq, st, "air", "station", allow_all, s, k, label)))
        eg_ts_close(*ts);
    return rc;
}

static int h_latest(struct eg_http_req *rq)
{
    int tier, fmt, rc;
    if ((rc = get_tier(rq, EG_TS_PRELIMINARY, &tier)) || (rc = eg_http_format(rq, &fmt)))
        return rc;
    struct eg_ts *ts;
    struct eg_eval_station *s;
    size_t k;
    json_t *label;
    if ((rc = open_air(rq, 1, &ts, &s, &k, &label)))
        return rc;
    json_t *items = json_array();
    int64_t now = eg_ts_now(ts);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        struct eg_eval_aqi a;
        int found;
        rc = eg_eval_aqi_latest(ts, &s[i], 1, tier, now, &a, &found, eg_http_err(rq));
        if (rc)
            break;
        json_t *o = found ? eg_eval_aqi_json(&a, 0) : json_object();
        if (found)
            eg_eval_latest_json(o, &a, now);
        else /* no valid closed hour in the last month */
            json_object_set_new(o, "hour", json_null());
        json_object_set_new(o, "station", json_string(s[i].code));
        json_object_set_new(o, "name", json_string(s[i].name));
        json_object_set_new(o, "region", json_string(s[i].region_code));
        json_object_set_new(o, "lon", real_or_null(s[i].lon));
        json_object_set_new(o, "lat", real_or_null(s[i].lat));
        if (!found)
            json_object_set_new(o, "aqi", json_null());
        json_array_append_new(items, o);
    }
    json_t *agg = NULL;
    if (rc == 0) {
        struct eg_eval_aqi a;
        int found = 0;
        if (k)
            rc = eg_eval_aqi_latest(ts, s, k, tier, now, &a, &found, eg_http_err(rq));
        agg = found ? eg_eval_aqi_json(&a, 0) : json_pack("{s:n,s:n}", "aqi", "hour");
        if (found) { /* from each station's latest valid hour: the newest and oldest of them */
            eg_eval_latest_json(agg, &a, now);
            eg_eval_json_time(agg, "oldest_hour", a.oldest + 3600, 0);
            json_object_set_new(agg, "stations_reporting", json_integer((json_int_t)a.stations));
        }
        json_object_update(agg, label);
    }
    eg_ts_close(ts);
    free(s);
    json_decref(label);
    if (rc) {
        json_decref(items);
        json_decref(agg);
        return rc;
    }
    if (fmt == EG_HTTP_FMT_JSON)
        return eg_http_reply_json(rq, 200, json_pack("{s:o,s:o}", "items", items, "region", agg));
    /* exports (issue 11 §1, §5): each station's latest valid closed hour in Beijing time and its
       age, then one row for the district (or the region asked) from the stations' own latest
       valid hours, with how many report and the oldest hour among them */
    const char *rname = json_string_value(json_object_get(agg, "region_name"));
    char name[160];
    snprintf(name, sizeof name, "%s（各站最新有效小时的平均）", rname ? rname : "全区");
    json_object_set_new(agg, "name", json_string(name));
    json_object_set_new(agg, "station", json_string(""));
    if (!json_is_string(json_object_get(agg, "region")))
        json_object_set_new(agg, "region", json_string(""));
    if (!json_object_get(agg, "stations_reporting"))
        json_object_set_new(agg, "stations_reporting", json_integer(0));
    json_array_append_new(items, agg);
    static const struct eg_http_column cols[] = {
        {.name = "station", .label_zh = "站点编码"},
        {.name = "name", .label_zh = "站点名称"},
        {.name = "region", .label_zh = "区域编码"},
        {.name = "hour", .label_zh = "最新有效小时(北京时间)", .kind = EG_HTTP_COL_TIME},
        {.name = "age_minutes", .label_zh = "距今(分钟)"},
        {.name = "stations_reporting", .label_zh = "有数据站点数"},
        {.name = "oldest_hour", .label_zh = "最早站点小时(北京时间)", .kind = EG_HTTP_COL_TIME},
        AQI_VALUE_COLS};
    return eg_http_reply_list(rq, "实时空气质量", "aqi_latest", cols, EG_ARRAY_LEN(cols), items,
                              NULL);
}

static int h_range(struct eg_http_req *rq, int daily)
{
    int tier, fmt, rc;
    int64_t from, to;
    if ((rc = get_tier(rq, EG_TS_PRELIMINARY, &tier)) || (rc = eg_http_format(rq, &fmt)))
        return rc;
    /* hourly: [from, to), a date alone as to meaning that whole day; daily: the days from..to */
    if (!daily && (rc = eg__http_range(rq, "from", "to", &from, &to)))
        return rc;
    if (daily && ((rc = eg_http_arg_time(rq, "from", &from)) < 0 ||
                  (rc = eg_http_arg_time(rq, "to", &to)) < 0))
        return rc;
    if (daily && to < from)
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_range", -1,
                          "from must not be after to (both days are included)");
    struct eg_ts *ts;
    struct eg_eval_station *s;
    size_t k;
    json_t *label;
    if ((rc = open_air(rq, 0, &ts, &s, &k, &label)))
        return rc;
    struct eg_eval_aqi *a = NULL;
    size_t n = 0;
    if (k == 0)
        rc = eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "no_stations", -1,
                        "the region has no air station visible to you");
    else if (daily)
        rc = eg_eval_aqi_daily(ts, s, k, eg_ts_day_of(from), eg_ts_day_of(to), tier, &a, &n,
                               eg_http_err(rq));
    else
        rc = eg_eval_aqi_hourly(ts, s, k, from, to, tier, &a, &n, eg_http_err(rq));
    eg_ts_close(ts);
    free(s);
    json_decref(label);
    if (rc)
        return rc;
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, eg_eval_aqi_json(&a[i], daily));
    free(a);
    static const struct eg_http_column cols[] = {AQI_COLS};
    return eg_http_reply_list(rq, daily ? "日空气质量" : "小时空气质量",
                              daily ? "aqi_daily" : "aqi_hourly", cols, EG_ARRAY_LEN(cols), items,
                              NULL);
}

static int h_hourly(struct eg_http_req *rq)
{
    return h_range(rq, 0);
}
static int h_daily(struct eg_http_req *rq)
{
    return h_range(rq, 1);
}

static int h_annual(struct eg_http_req *rq)
{
    int tier, fmt, rc;
    int64_t year;
    if ((rc = get_tier(rq, EG_TS_REVIEWED, &tier)) || (rc = eg_http_format(rq, &fmt)) ||
        (rc = get_int(rq, "year", &year)))
        return rc;
    struct eg_ts *ts;
    struct eg_eval_station *s;
    size_t k;
    json_t *out;
    if ((rc = open_air(rq, 0, &ts, &s, &k, &out)))
        return rc;
    struct eg_quality_annual an;
    if (k == 0)
        rc = eg_err_set(eg_http_err(rq), EG_ENOTFOUND, "no_stations", -1,
                        "the region has no air station visible to you");
    else
        rc = eg_eval_air_annual(ts, s, k, (int)year, tier, &an, eg_http_err(rq));
    eg_ts_close(ts);
    free(s);
    if (rc) {
        json_decref(out);
        return rc;
    }
    json_t *res = eg_eval_annual_json(&an);
    json_t *pol = json_incref(json_object_get(res, "pollutants"));
    if (fmt != EG_HTTP_FMT_JSON) {
        json_decref(out);
        json_decref(res);
        int ncols;
        const struct eg_http_column *cols = eg_http_export_columns("annual", &ncols);
        return eg_http_reply_list(rq, "年度评价", "annual", cols, ncols, pol, NULL);
    }
    json_decref(pol);
    json_object_update_new(out, res);
    return eg_http_reply_json(rq, 200, out);
}

static int h_water(struct eg_http_req *rq)
{
    int tier, fmt, rc;
    int64_t year, month = 0;
    if ((rc = get_tier(rq, EG_TS_REVIEWED, &tier)) || (rc = eg_http_format(rq, &fmt)) ||
        (rc = get_int(rq, "year", &year)) < 0 || (rc = get_int(rq, "month", &month)) < 0)
        return rc;
    if (rc == 1)
        month = 0;
    const char *wb = NULL, *section = NULL;
    if ((rc = eg_http_arg_str(rq, "waterbody", &wb)) < 0 ||
        (rc = eg_http_arg_str(rq, "section", &section)) < 0)
        return rc;
    int waterbody = wb && !strcmp(wb, "lake") ? EG_QW_LAKE : EG_QW_RIVER;
    struct eg_db *st;
    struct eg_ts *ts;
    if ((rc = open_ts(rq, &st, &ts)))
        return rc;
    struct eg_eval_station s;
    struct eg_eval_water_period per[13];
    rc = eg_eval_station_get(st, eg_http_principal(rq), "water", section, &s, eg_http_err(rq));
    if (rc == 0)
        rc = eg_eval_water(ts, &s, (int)year, waterbody, tier, per, eg_http_err(rq));
    eg_ts_close(ts);
    if (rc)
        return rc;
    json_t *months = json_array();
    for (int m = 0; m < 12; m++)
        if (!month || month == m + 1)
            json_array_append_new(months, eg_eval_water_json(&per[m]));
    if (fmt != EG_HTTP_FMT_JSON) {
        if (!month)
            json_array_append_new(months, eg_eval_water_json(&per[12]));
        int ncols;
        const struct eg_http_column *cols = eg_http_export_columns("water", &ncols);
        return eg_http_reply_list(rq, "地表水水质评价", "water", cols, ncols, months, NULL);
    }
    json_t *out =
        json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:o}", "section", s.code, "name", s.name,
                  "target_class", eg_quality_water_class_name(s.water_class ? s.water_class : 3),
                  "waterbody", waterbody == EG_QW_LAKE ? "lake" : "river", "year", (json_int_t)year,
                  "standard", "GB 3838-2002", "months", months);
    if (!month)
        json_object_set_new(out, "year_result", eg_eval_water_json(&per[12]));
    return eg_http_reply_json(rq, 200, out);
}

static int h_noise(struct eg_http_req *rq)
{
    int tier, fmt, rc;
    int64_t from, to;
    if ((rc = get_tier(rq, EG_TS_REVIEWED, &tier)) || (rc = eg_http_format(rq, &fmt)) ||
        (rc = eg_http_arg_time(rq, "from", &from)) < 0 ||
        (rc = eg_http_arg_time(rq, "to", &to)) < 0)
        return rc;
    if (to < from)
        return eg_err_set(eg_http_err(rq), EG_EINVAL, "bad_range", -1,
                          "from must not be after to (both days are included)");
    const char *zs = NULL, *station = NULL;
    if ((rc = eg_http_arg_str(rq, "zone", &zs)) < 0 ||
        (rc = eg_http_arg_str(rq, "station", &station)) < 0)
        return rc;
    int zone = -1;
    if (zs && (zone = eg_quality_noise_zone_parse(zs)) < 0)
        return bad(rq, "bad_query", "zone must be 0, 1, 2, 3, 4a, 4b or rail_existing%s", "");
    struct eg_db *st;
    struct eg_ts *ts;
    if ((rc = open_ts(rq, &st, &ts)))
        return rc;
    struct eg_eval_station s;
    struct eg_eval_noise nz = {0};
    rc = eg_eval_station_get(st, eg_http_principal(rq), "noise", station, &s, eg_http_err(rq));
    if (rc == 0)
        rc = eg_eval_noise_station(ts, &s, eg_ts_day_of(from), eg_ts_day_of(to), zone, tier, &nz,
                                   eg_http_err(rq));
    eg_ts_close(ts);
    if (rc) {
        free(nz.d);
        return rc;
    }
    json_t *out = eg_eval_noise_json(&s, &nz);
    free(nz.d);
    if (fmt != EG_HTTP_FMT_JSON) {
        json_t *days = json_incref(json_object_get(out, "items"));
        json_decref(out);
        int ncols;
        const struct eg_http_column *cols = eg_http_export_columns("noise", &ncols);
        return eg_http_reply_list(rq, "声环境质量", "noise", cols, ncols, days, NULL);
    }
    return eg_http_reply_json(rq, 200, out);
}

static int h_targets(struct eg_http_req *rq)
{
    int tier, fmt, rc;
    if ((rc = get_tier(rq, EG_TS_REVIEWED, &tier)) || (rc = eg_http_format(rq, &fmt)))
        return rc;
    int64_t as_of, at = 0;
    int given = eg_http_arg_time(rq, "as_of", &at);
    if (given < 0)
        return given;
    struct eg_db *st;
    struct eg_ts *ts;
    if ((rc = open_ts(rq, &st, &ts)))
        return rc;
    if (given) {
        as_of = eg_ts_day_of(at);
    } else {
        as_of = eg_ts_day_of(eg_ts_now(ts)) - 1; /* yesterday: the last complete day */
    }
    struct eg_eval_target *t;
    size_t n;
    rc = eg_eval_targets(ts, eg_http_principal(rq), as_of, tier, &t, &n, eg_http_err(rq));
    eg_ts_close(ts);
    if (rc)
        return rc;
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = eg_eval_target_json(&t[i]);
        json_array_append_new(items, o);
    }
    free(t);
    int ncols;
    const struct eg_http_column *cols = eg_http_export_columns("targets", &ncols);
    return eg_http_reply_list(rq, "目标进度", "targets", cols, ncols, items, NULL);
}

/* ---- the route tables */

#define TIER(d)                                                                                    \
    {                                                                                              \
        .name = "tier", .type = EG_PT_ENUM, .enum_values = "preliminary|reviewed", .dflt = d,      \
        .description_zh = "数据: 实时发布 (preliminary) 或审核后 (reviewed)",                      \
        .description_en = "the data: as released in real time, or with the officers' reviews"      \
    }
#define STATION(ex)                                                                                \
    {                                                                                              \
        .name = "station", .type = EG_PT_STRING, .max_len = 64, .description_zh = "站点编码",      \
        .description_en = "station code (give station or region)", .example = ex                   \
    }
#define REGION                                                                                     \
    {                                                                                              \
        .name = "region", .type = EG_PT_STRING, .max_len = 32,                                     \
        .description_zh = "区域编码 (区、街镇或网格, 含下级): 其中你可见的站点",                   \
        .description_en = "region code (district, street or grid, with everything under it): the " \
                          "stations in it visible to you"                                          \
    }
#define DAY_FROM                                                                                   \
    {                                                                                              \
        .name = "from", .type = EG_PT_TIME, .flags = EG_PF_REQUIRED,                               \
        .description_zh = "起始日期 (北京时间, 含)",                                               \
        .description_en = "first day (Beijing), included", .example = "2026-12-01"                 \
    }
#define DAY_TO                                                                                     \
    {                                                                                              \
        .name = "to", .type = EG_PT_TIME, .flags = EG_PF_REQUIRED | EG_PF_RANGE_END,               \
        .description_zh = "结束日期 (北京时间, 含)",                                               \
        .description_en = "last day (Beijing), included", .example = "2026-12-03"                  \
    }
#define YEAR                                                                                       \
    {                                                                                              \
        .name = "year", .type = EG_PT_INT, .flags = EG_PF_REQUIRED, .min = 2000, .max = 2200,      \
        .description_zh = "年份", .description_en = "calendar year", .example = "2026"             \
    }

static const struct eg_http_param_spec latest_params[] = {
    REGION, STATION(NULL), TIER("preliminary"), {0}};
static const struct eg_http_param_spec hourly_params[] = {
    STATION("SH-PD-AIR-01"),
    REGION,
    {.name = "from",
     .type = EG_PT_TIME,
     .flags = EG_PF_REQUIRED,
     .description_zh = "起始时间 (北京时间, 含)",
     .description_en = "start (Beijing time), included",
     .example = "2026-12-01"},
    {.name = "to",
     .type = EG_PT_TIME,
     .flags = EG_PF_REQUIRED | EG_PF_RANGE_END,
     .description_zh = "结束时间 (北京时间, 不含; 只写日期即含当天)",
     .description_en = "end (Beijing time), excluded; a date alone includes that day",
     .example = "2026-12-03"},
    TIER("preliminary"),
    {0}};
static const struct eg_http_param_spec daily_params[] = {
    STATION("SH-PD-AIR-01"), REGION, DAY_FROM, DAY_TO, TIER("preliminary"), {0}};
static const struct eg_http_param_spec annual_params[] = {
    REGION, STATION("SH-PD-AIR-01"), YEAR, TIER("reviewed"), {0}};
static const struct eg_http_param_spec water_params[] = {
    {.name = "section",
     .type = EG_PT_STRING,
     .flags = EG_PF_REQUIRED,
     .max_len = 64,
     .description_zh = "地表水断面编码",
     .description_en = "water section (station) code",
     .example = "W1"},
    YEAR,
    {.name = "month",
     .type = EG_PT_INT,
     .min = 1,
     .max = 12,
     .description_zh = "月份; 不写则全年 12 个月及年度结果",
     .description_en = "one month; absent: the 12 months and the year's result"},
    {.name = "waterbody",
     .type = EG_PT_ENUM,
     .enum_values = "river|lake",
     .dflt = "river",
     .description_zh = "河流或湖库 (湖库另评总磷、总氮)",
     .description_en = "river, or lake/reservoir (GB 3838 table 1 lake limits for TP, TN)"},
    TIER("reviewed"),
    {0}};
static const struct eg_http_param_spec noise_params[] = {
    {.name = "station",
     .type = EG_PT_STRING,
     .flags = EG_PF_REQUIRED,
     .max_len = 64,
     .description_zh = "声环境监测点编码",
     .description_en = "noise station code",
     .example = "N1"},
    DAY_FROM,
    DAY_TO,
    {.name = "zone",
     .type = EG_PT_ENUM,
     .enum_values = "0|1|2|3|4a|4b|rail_existing",
     .description_zh = "声环境功能区类别 (GB 3096-2008 表 1); 不写则按站点登记的类别",
     .description_en = "GB 3096-2008 zone; default the station's registered zone"},
    TIER("reviewed"),
    {0}};
static const struct eg_http_param_spec targets_params[] = {
    {.name = "as_of",
     .type = EG_PT_TIME,
     .description_zh = "截至日期; 默认昨天 (最后一个完整日)",
     .description_en = "the day progress is measured at; default yesterday (the last whole "
                       "day)",
     .example = "2026-12-01"},
    TIER("reviewed"),
    {0}};

#define AQI_SCHEMA                                                                                 \
    "{\"type\":\"object\",\"properties\":{\"time\":{\"type\":\"string\",\"description\":\"the "    \
    "hour's label (its end), Beijing\"},\"start\":{\"type\":\"string\"},\"aqi\":{\"type\":"        \
    "\"integer\",\"nullable\":true},\"level\":{\"type\":\"string\"},\"category\":{\"type\":"       \
    "\"string\"},\"primary_pollutants\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"     \
    "\"pm25\":{\"type\":\"number\",\"nullable\":true},\"pm10\":{\"type\":\"number\",\"nullable\":" \
    "true},\"so2\":{\"type\":\"number\",\"nullable\":true},\"no2\":{\"type\":\"number\","          \
    "\"nullable\":true},\"co\":{\"type\":\"number\",\"nullable\":true},\"o3\":{\"type\":"          \
    "\"number\",\"nullable\":true},\"o3_8h\":{\"type\":\"number\",\"nullable\":true},"             \
    "\"edition\":{\"type\":\"string\"}}}"
#define LIST_OF(item)                                                                              \
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" item "}}}"
#define SCOPE                                                                                      \
    "everyone: the public stations; street: also its region's; bureau, admin: all. A region's "    \
    "values come from the stations the caller may see; a station out of scope answers as an "      \
    "unknown one (404)"

static const struct eg_http_route_spec quality_specs[] = {
    {.method = "GET",
     .pattern = "/api/v1/aqi/latest",
     .fn = h_latest,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_LIST,
     .summary = "Latest real-time AQI (HJ 633) of every air station and of the region",
     .summary_zh = "各空气站及区域的最新实时 AQI (HJ 633)",
     .params = latest_params,
     .answer_schema =
         "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
         "{\"allOf\":[" AQI_SCHEMA ",{\"type\":\"object\",\"properties\":{\"station\":{\"type\":"
         "\"string\"},\"name\":{\"type\":\"string\"},\"region\":{\"type\":\"string\"},\"lon\":{"
         "\"type\":\"number\"},\"lat\":{\"type\":\"number\"}}}]}},\"region\":" AQI_SCHEMA "}}",
     .access = SCOPE},
    {.method = "GET",
     .pattern = "/api/v1/aqi/hourly",
     .fn = h_hourly,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_LIST,
     .summary = "Real-time AQI of a station or region per hour (at most 31 days)",
     .summary_zh = "站点或区域的逐小时 AQI (最多 31 天)",
     .params = hourly_params,
     .answer_schema = LIST_OF(AQI_SCHEMA),
     .access = SCOPE},
    {.method = "GET",
     .pattern = "/api/v1/aqi/daily",
     .fn = h_daily,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_LIST,
     .summary = "Daily AQI of a station or region (at most 366 days)",
     .summary_zh = "站点或区域的日 AQI (最多 366 天)",
     .params = daily_params,
     .answer_schema = LIST_OF(AQI_SCHEMA),
     .access = SCOPE},
    {.method = "GET",
     .pattern = "/api/v1/eval/air/annual",
     .fn = h_annual,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_LIST,
     .summary = "HJ 663 annual evaluation of a region or station: statistics, compliance, "
                "good-day ratio",
     .summary_zh = "环境空气质量年度评价 (HJ 663): 统计量、达标情况、优良天数比例",
     .params = annual_params,
     .answer_schema =
         "{\"type\":\"object\",\"properties\":{\"region\":{\"type\":\"string\"},\"station\":{"
         "\"type\":\"string\"},\"year\":{\"type\":\"integer\"},\"good_day_ratio\":{\"type\":"
         "\"number\",\"nullable\":true},\"pollutants\":{\"type\":\"array\",\"items\":{\"type\":"
         "\"object\",\"properties\":{\"pollutant\":{\"type\":\"string\"},\"valid_days\":{"
         "\"type\":\"integer\"},\"annual_mean\":{\"type\":\"number\",\"nullable\":true},"
         "\"percentile\":{\"type\":\"number\",\"nullable\":true},\"compliant\":{\"type\":"
         "\"boolean\",\"nullable\":true}}}}}}",
     .access = SCOPE},
    {.method = "GET",
     .pattern = "/api/v1/eval/water",
     .fn = h_water,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_LIST,
     .summary = "GB 3838 class of a water section by month and year, factors over the target "
                "class and their multiples",
     .summary_zh = "地表水断面水质类别 (GB 3838-2002), 超标项目及倍数",
     .params = water_params,
     .answer_schema =
         "{\"type\":\"object\",\"properties\":{\"section\":{\"type\":\"string\"},\"name\":{"
         "\"type\":\"string\"},\"target_class\":{\"type\":\"string\"},\"waterbody\":{\"type\":"
         "\"string\"},\"year\":{\"type\":\"integer\"},\"standard\":{\"type\":\"string\"},"
         "\"months\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},\"year_result\":{"
         "\"type\":\"object\"}}}",
     .access = SCOPE},
    {.method = "GET",
     .pattern = "/api/v1/eval/noise",
     .fn = h_noise,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_LIST,
     .summary = "GB 3096 day/night levels and compliance of a noise station",
     .summary_zh = "声环境监测点昼夜等效声级及达标情况 (GB 3096-2008)",
     .params = noise_params,
     .answer_schema =
         "{\"type\":\"object\",\"properties\":{\"station\":{\"type\":\"string\"},\"zone\":{"
         "\"type\":\"string\"},\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
         "\"properties\":{\"date\":{\"type\":\"string\"},\"ld\":{\"type\":\"number\","
         "\"nullable\":true},\"ln\":{\"type\":\"number\",\"nullable\":true},\"day_ok\":{\"type\":"
         "\"boolean\",\"nullable\":true},\"night_ok\":{\"type\":\"boolean\",\"nullable\":true}}}"
         "}}}",
     .access = SCOPE},
    {.method = "GET",
     .pattern = "/api/v1/targets",
     .fn = h_targets,
     .flags = EG_ROUTE_PUBLIC | EG_ROUTE_LIST,
     .summary = "Environmental-quality targets of the plans with progress",
     .summary_zh = "规划目标及完成进度",
     .params = targets_params,
     .answer_schema = LIST_OF(
         "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"region\":{"
         "\"type\":\"string\"},\"metric\":{\"type\":\"string\"},\"goal\":{\"type\":\"number\"},"
         "\"value\":{\"type\":\"number\",\"nullable\":true},\"met\":{\"type\":\"boolean\","
         "\"nullable\":true},\"on_track\":{\"type\":\"boolean\",\"nullable\":true}}}"),
     .access = "everyone: targets of the regions whose stations they may see"},
};

int eg_http_api_quality_routes(struct eg_http_server *srv)
{
    int rc = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(quality_specs); i++)
        rc |= eg_http_route_add_spec(srv, &quality_specs[i]);
    return rc ? EG_EINVAL : 0;
}
