/*
 * eval_json.c: the evaluation results as JSON objects, the same for the HTTP API
 * (http/api_quality.c) and `envgov eval` (cli/cmd_eval.c), so both say the same thing with the
 * same names. Concentrations in the standards' units (µg/m³, CO mg/m³, water mg/L), missing
 * values null, times Beijing.
 */
#include "eval/eval.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static json_t *conc(int32_t milli)
{
    return milli == EG_QUALITY_NA ? json_null() : json_real(milli / 1000.0);
}

static json_t *iaqi(int v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

static json_t *real_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

void eg_eval_json_time(json_t *o, const char *name, int64_t t, int date_only)
{
    char b[32];
    eg_time_format_beijing(t, b, sizeof b);
    b[date_only ? 10 : 16] = '\0'; /* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" */
    json_object_set_new(o, name, json_string(b));
}

/* One AQI report as a flat object (the same fields in JSON and in exports). */
json_t *eg_eval_aqi_json(const struct eg_eval_aqi *a, int daily)
{
    const struct eg_quality_aqi *r = &a->r;
    json_t *o = json_object();
    if (daily) {
        eg_eval_json_time(o, "time", a->t, 1);
    } else {
        eg_eval_json_time(o, "time", a->t + 3600, 0);
        eg_eval_json_time(o, "start", a->t, 0);
    }
    json_object_set_new(o, "edition", json_integer(r->edition));
    const struct eg_quality_category *cat = eg_quality_category_of(r->aqi);
    char prim[96], miss[96];
    eg_quality_slots_format(r->primary, 0, prim, sizeof prim);
    eg_quality_slots_format(r->missing, 0, miss, sizeof miss);
    json_object_set_new(o, "aqi", iaqi(r->aqi));
    json_object_set_new(o, "level", cat ? json_integer(cat->level) : json_null());
    json_object_set_new(o, "category", cat ? json_string(cat->name_zh) : json_null());
    json_object_set_new(o, "category_en", cat ? json_string(cat->name_en) : json_null());
    json_object_set_new(o, "color", cat ? json_string(cat->hex) : json_null());
    json_object_set_new(o, "primary_pollutants", json_string(prim));
    json_object_set_new(o, "withheld", json_boolean(r->flags & EG_QUALITY_F_AQI_WITHHELD));
    json_object_set_new(o, "missing", json_string(miss));
    static const char *const key[EG_QUALITY_SLOTS] = {"so2", "no2",  "pm10", "co",
                                                      "o3",  "pm25", "o3_8h"};
    for (int s = 0; s < EG_QUALITY_SLOTS; s++) {
        char name[16];
        snprintf(name, sizeof name, "iaqi_%s", key[s]);
        json_object_set_new(o, name, iaqi(r->iaqi[s]));
    }
    for (int s = 0; s < EG_QUALITY_SLOTS; s++)
        json_object_set_new(o, key[s], conc(a->c[s]));
    return o;
}

void eg_eval_latest_json(json_t *o, const struct eg_eval_aqi *a, int64_t now)
{
    eg_eval_json_time(o, "hour", a->t + 3600, 0);
    int64_t age = now - (a->t + 3600);
    json_object_set_new(o, "age_minutes", json_integer(age > 0 ? age / 60 : 0));
}

static json_t *ok_json(int v)
{
    return v < 0 ? json_null() : json_boolean(v);
}

json_t *eg_eval_water_json(const struct eg_eval_water_period *p)
{
    json_t *o = json_object();
    if (p->month)
        json_object_set_new(o, "month", json_integer(p->month));
    else
        json_object_set_new(o, "period", json_string("year"));
    json_object_set_new(o, "samples", json_integer(p->samples));
    json_object_set_new(
        o, "class", p->r.cls ? json_string(eg_quality_water_class_name(p->r.cls)) : json_null());
    json_object_set_new(
        o, "term", p->r.cls ? json_string(eg_quality_water_class_term(p->r.cls)) : json_null());
    json_t *vals = json_object(), *worst = json_array(), *over = json_array();
    struct eg_buf ws = {0}, os = {0};
    for (int f = 0; f < EG_QW_FACTORS; f++) {
        const char *fn = eg_quality_water_factor_name(f);
        if (p->mean[f] != EG_QUALITY_W_NA)
            json_object_set_new(vals, fn, json_real((double)p->mean[f] / EG_QUALITY_MICRO));
        if (p->r.worst & (1u << f)) {
            json_array_append_new(worst, json_string(fn));
            eg_buf_printf(&ws, "%s%s", ws.len ? "," : "", fn);
        }
        if (p->r.over_target & (1u << f)) {
            json_array_append_new(over, json_pack("{s:s,s:s,s:f}", "factor", fn, "class",
                                                  eg_quality_water_class_name(p->r.factor_class[f]),
                                                  "multiple", p->r.multiple[f]));
            eg_buf_printf(&os, "%s%s(%.2f)", os.len ? "," : "", fn, p->r.multiple[f]);
        }
    }
    json_object_set_new(o, "values", vals);
    json_object_set_new(o, "worst_factors", worst);
    json_object_set_new(o, "over_target", over);
    json_object_set_new(o, "worst_text", json_stringn(ws.data ? ws.data : "", ws.len));
    json_object_set_new(o, "over_target_text", json_stringn(os.data ? os.data : "", os.len));
    eg_buf_free(&ws);
    eg_buf_free(&os);
    return o;
}

json_t *eg_eval_annual_json(const struct eg_quality_annual *an)
{
    static const char *const pname[6] = {"SO2", "NO2", "PM10", "CO", "O3_8h", "PM2.5"};
    json_t *pol = json_array();
    for (int p = 0; p < EG_QUALITY_POLLUTANTS; p++) {
        const struct eg_quality_annual_stat *x = &an->p[p];
        json_array_append_new(
            pol, json_pack("{s:s,s:i,s:b,s:i,s:o,s:o,s:o,s:o,s:f,s:f}", "pollutant", pname[p],
                           "valid_days", (json_int_t)x->valid_days, "valid", x->valid,
                           "percentile_rank", (json_int_t)x->pct, "annual_mean", conc(x->mean),
                           "percentile", conc(x->percentile), "max_daily", conc(x->max_daily),
                           "compliant", ok_json(x->compliant), "exceed_mean", x->exceed_mean,
                           "exceed_percentile", x->exceed_pct));
    }
    json_t *levels = json_object();
    static const char *const level_key[7] = {"", "1", "2", "3", "4", "5", "6"};
    for (int l = 1; l <= 6; l++)
        json_object_set_new(levels, level_key[l], json_integer(an->days_level[l]));
    json_t *prim = json_object();
    for (int sl = 0; sl < EG_QUALITY_SLOTS; sl++)
        if (an->days_primary[sl])
            json_object_set_new(prim, eg_quality_slot_name(sl), json_integer(an->days_primary[sl]));
    int tenths = eg_quality_good_ratio_tenths(an->days_good, an->days_valid);
    return json_pack(
        "{s:i,s:i,s:i,s:o,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:s,s:o}", "year", (json_int_t)an->year,
        "edition", (json_int_t)an->edition, "days", (json_int_t)an->ndays, "compliant",
        ok_json(an->compliant), "days_valid", (json_int_t)an->days_valid, "days_good",
        (json_int_t)an->days_good, "good_ratio", real_or_null(an->good_ratio), "good_ratio_rounded",
        tenths < 0 ? json_null() : json_real(tenths / 10.0), "days_by_level", levels,
        "days_primary", prim, "composite_index", real_or_null(an->composite), "standard",
        an->edition == EG_QUALITY_ED_2026 ? "HJ 663-2026" : "HJ 663-2013", "pollutants", pol);
}

json_t *eg_eval_noise_json(const struct eg_eval_station *s, const struct eg_eval_noise *nz)
{
    json_t *days = json_array();
    for (int d = 0; d < nz->days; d++) {
        const struct eg_eval_noise_day *x = &nz->d[d];
        json_t *o = json_object();
        eg_eval_json_time(o, "date", eg_ts_day_start(x->day), 1);
        json_object_set_new(o, "ld", real_or_null(x->ld));
        json_object_set_new(o, "ln", real_or_null(x->ln));
        json_object_set_new(o, "day_ok", ok_json(x->r.day_ok));
        json_object_set_new(o, "night_ok", ok_json(x->r.night_ok));
        json_object_set_new(o, "day_over",
                            x->r.day_ok < 0 ? json_null() : json_real(x->r.day_over));
        json_object_set_new(o, "night_over",
                            x->r.night_ok < 0 ? json_null() : json_real(x->r.night_over));
        json_array_append_new(days, o);
    }
    return json_pack("{s:s,s:s,s:s,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:i,s:i,s:i,s:i,s:s,s:o}",
                     "station", s->code, "name", s->name, "zone",
                     eg_quality_noise_zone_name(nz->zone), "day_limit", (json_int_t)nz->day_limit,
                     "night_limit", (json_int_t)nz->night_limit, "ld", real_or_null(nz->ld), "ln",
                     real_or_null(nz->ln), "day_ok", ok_json(nz->r.day_ok), "night_ok",
                     ok_json(nz->r.night_ok), "day_over",
                     nz->r.day_ok < 0 ? json_null() : json_real(nz->r.day_over), "night_over",
                     nz->r.night_ok < 0 ? json_null() : json_real(nz->r.night_over), "days",
                     (json_int_t)nz->days, "days_day_valid", (json_int_t)nz->day_valid,
                     "days_day_compliant", (json_int_t)nz->day_ok, "days_night_valid",
                     (json_int_t)nz->night_valid, "days_night_compliant", (json_int_t)nz->night_ok,
                     "standard", "GB 3096-2008", "items", days);
}

json_t *eg_eval_target_json(const struct eg_eval_target *x)
{
    json_t *o = json_pack(
        "{s:s,s:s,s:s?,s:s,s:s,s:f,s:f,s:s,s:s,s:s,s:s,s:s}", "id", x->id, "region", x->region,
        "region_code", x->region_code[0] ? x->region_code : NULL, "metric", x->metric, "comparison",
        x->comparison, "goal", x->goal, "tolerance", x->tolerance, "unit", x->unit, "plan_period",
        x->plan_period, "source", x->source, "text", x->text, "note", x->note);
    eg_eval_json_time(o, "period_start", eg_ts_day_start(x->period_start), 1);
    eg_eval_json_time(o, "period_end", eg_ts_day_start(x->period_end), 1);
    eg_eval_json_time(o, "as_of",
                      eg_ts_day_start(x->as_of < x->period_end ? x->as_of : x->period_end), 1);
    int e = x->evaluated;
    json_object_set_new(o, "evaluated", json_boolean(e));
    json_object_set_new(o, "value", e ? real_or_null(x->p.value) : json_null());
    json_object_set_new(o, "counted", json_integer(x->in.num));
    json_object_set_new(o, "of", json_integer(x->in.den));
    json_object_set_new(o, "remaining", json_integer(x->in.remaining));
    json_object_set_new(o, "met", e ? json_boolean(x->p.met) : json_null());
    json_object_set_new(o, "on_track", e ? json_boolean(x->p.on_track) : json_null());
    json_object_set_new(o, "achievable", e ? json_boolean(x->p.achievable) : json_null());
    json_object_set_new(o, "left", e ? real_or_null(x->p.left) : json_null());
    json_object_set_new(o, "left_units", e ? json_integer(x->p.left_units) : json_null());
    return o;
}
