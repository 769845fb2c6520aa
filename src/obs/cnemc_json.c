/*
 * cnemc_json.c: CNEMC station GeoJSON snapshots (geoinsights/ChinaAQIData) into AQI input rows,
 * one per feature. Values come as strings in the feed, as JSON numbers in some copies.
 */
#include "obs/internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* A property as a concentration; problems are reported as "line <feature>" as the CLI did. */
static int32_t json_value(const struct eg_obs_sink *sink, json_t *props, const char *key, long idx)
{
    json_t *v = json_object_get(props, key);
    if (!v || json_is_null(v))
        return EG_QUALITY_NA;
    if (json_is_string(v))
        return eg__obs_cell(sink, json_string_value(v), json_string_length(v), key, idx);
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 1000000)
        return (int32_t)(json_integer_value(v) * 1000);
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) <= 1000000) {
        /* a JSON number: its decimal text, then the exact decimal parser */
        char txt[64];
        int len = snprintf(txt, sizeof txt, "%.6f", json_real_value(v));
        return eg__obs_cell(sink, txt, (size_t)len, key, idx);
    }
    eg__obs_problem(sink, "feature %ld: %s: not a number", idx, key);
    return EG_QUALITY_NA;
}

static void feature_inputs(const struct eg_obs_sink *sink, json_t *props, long idx,
                           struct eg_quality_aqi_input *in)
{
    eg__obs_input_clear(in);
    in->c[EG_QUALITY_SO2] = json_value(sink, props, "so2", idx);
    in->c[EG_QUALITY_NO2] = json_value(sink, props, "no2", idx);
    in->c[EG_QUALITY_PM10] = json_value(sink, props, "pm10", idx);
    in->c[EG_QUALITY_CO] = json_value(sink, props, "co", idx);
    /* the feed's O3 columns are swapped: o3_24h is the last 1-hour value, o3 the max
       1-hour of 24 h (data/real README §1; HeQinWill/CNEMC README) */
    in->c[EG_QUALITY_O3] = json_value(sink, props, "o3_24h", idx);
    in->c[EG_QUALITY_PM25] = json_value(sink, props, "pm2_5", idx);
    in->c[EG_QUALITY_O3_8H] = json_value(sink, props, "o3_8h_24h", idx);
    in->so2_24h = json_value(sink, props, "so2_24h", idx);
}

int eg_obs_read_cnemc_json(const char *data, size_t len, const struct eg_obs_sink *sink,
                           struct eg_err *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, 0, &jerr);
    if (!root)
        return eg_err_set(err, EG_EINVAL, "json", jerr.line, "cnemc_json: line %d: %s", jerr.line,
                          jerr.text);
    json_t *feats = json_object_get(root, "features");
    if (!json_is_array(feats)) {
        json_decref(root);
        return eg_err_set(err, EG_EINVAL, "json", -1, "cnemc_json: no 'features' array");
    }
    if (sink->begin)
        sink->begin(sink->ctx);
    size_t i;
    json_t *ft;
    json_array_foreach(feats, i, ft)
    {
        long idx = (long)i + 1;
        json_t *props = json_object_get(ft, "properties");
        json_t *tp = props ? json_object_get(props, "timepoint") : NULL;
        int64_t t;
        if (!json_is_object(props) || !json_is_string(tp) ||
            eg_time_parse_beijing(json_string_value(tp), json_string_length(tp), &t)) {
            eg__obs_problem(sink, "feature %ld: no valid properties.timepoint (skipped)", idx);
            continue;
        }
        struct eg_obs_row row;
        eg_time_to_beijing(t, &row.time);
        feature_inputs(sink, props, idx, &row.in);
        json_t *sc = json_object_get(props, "stationcode");
        row.station = json_is_string(sc) ? json_string_value(sc) : "";
        row.station_len = strlen(row.station);
        sink->row(sink->ctx, &row);
    }
    json_decref(root);
    return 0;
}
