/*
 * eval: environmental-quality evaluation over the stored data (issue 6) — the glue between the
 * registry (stations, regions), the time-series store (ts/ts.h) and the pure functions of
 * src/quality/ (HJ 633 AQI, GB 3095 validity, HJ 663 annual evaluation, GB 3838 water classes,
 * GB 3096 noise, targets). The HTTP API (http/api_quality.c) and `envgov eval` call only this.
 *
 *   eval_data.c     stations visible to a principal, regions, hourly values read from series
 *   eval_air.c      real-time / daily AQI of a station or region, annual (HJ 663) evaluation
 *   eval_water.c    GB 3838 class of a section by month and year
 *   eval_noise.c    GB 3096 day/night levels and compliance of a noise station
 *   eval_targets.c  the targets table (migration 300), the seeds' targets, progress
 *   eval_json.c     the results as JSON objects (the API and `envgov eval` print the same)
 *
 * Where the values come from (decisions, docs in README "envgov eval"):
 *   - a station's series are those of its code and of its HJ 212 devices (devices.station_id),
 *     in that order: the first valid value of an hour wins; per source the reported hourly
 *     value (kind 2061, field Avg, computed 0) comes before envgov's own hourly mean of minute
 *     data (computed 1);
 *   - only values marked valid count (flag N, no declaration, reviews applied with the
 *     reviewed tier), the rest is "missing" for the standards' validity rules;
 *   - air pollutants by their HJ 212-2017 codes a21026 SO2, a21004 NO2, a34002 PM10,
 *     a21005 CO (mg/m³), a05024 O3, a34004 PM2.5 (µg/m³);
 *   - a region's hourly value is the arithmetic mean of its stations' valid values
 *     (eg_quality_region_hourly rule, min 1 station), over the stations the asker may see.
 * Who sees which station is the registry's rule (eg_registry_source_readable, decided there
 * only): admin and bureau all, street users the stations of their region and its sub-regions,
 * everyone (anonymous included) the public ones. who == NULL means the system (all).
 */
#ifndef EG_STORE_EVAL_H
#define EG_STORE_EVAL_H

#include "base/base.h"
#include "db/db.h"
#include "quality/quality.h"
#include "registry/registry.h"
#include "ts/ts.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Ranges the evaluation functions accept (requests over more are refused, EG_ETOOBIG). */
#define EG_EVAL_MAX_HOURS (31 * 24) /* hourly AQI: one month */
#define EG_EVAL_MAX_DAYS 366        /* daily AQI, noise: one year */
#define EG_EVAL_MAX_STATIONS 2000   /* stations of one region */

struct eg_eval_station {
    int64_t id;
    char code[65];
    char name[129];
    char kind[8];         /* air, water, noise */
    char region_code[33]; /* "" when none */
    char region_name[65];
    int water_class; /* target class 1..5 (GB 3838), 0 none */
    int noise_zone;  /* EG_QN_* (GB 3096), -1 none */
    int is_public;
    double lon, lat; /* NaN when unknown */
};

/* Stations of kind ("air", "water", "noise"; NULL any) visible to who, in region (a region code:
   the region and its sub-regions; NULL all), ordered by code. *out is allocated (free()).
   EG_ENOTFOUND when region is not a region code. */
int eg_eval_stations(struct eg_db *st, const struct eg_principal *who, const char *kind,
                     const char *region, struct eg_eval_station **out, size_t *n,
                     struct eg_err *err);
/* One station by code: EG_ENOTFOUND when absent, not visible to who, or of another kind. */
int eg_eval_station_get(struct eg_db *st, const struct eg_principal *who, const char *kind,
                        const char *code, struct eg_eval_station *out, struct eg_err *err);
/* Region by code or name (name[65] may be NULL): 0 or EG_ENOTFOUND. */
int eg_eval_region_get(struct eg_db *st, const char *code_or_name, char code[33], char name[65],
                       struct eg_err *err);

/* Hourly air concentrations (milli, EG_QUALITY_NA where missing or invalid) of one station over
   the n hours starting at t0 (a whole hour, UTC): hourly[p][i] is the hour starting at
   t0 + 3600 i, p in slot order SO2 NO2 PM10 CO O3 PM2.5 (caller's arrays of n). */
int eg_eval_air_station_hourly(struct eg_ts *ts, const struct eg_eval_station *s, int64_t t0,
                               size_t n, int tier, int32_t *const hourly[6], struct eg_err *err);
/* The same for a set of k stations: their hour-by-hour mean (k == 1: the station's values).
 *with_data (may be NULL) gets how many stations had at least one value. */
int eg_eval_air_hourly(struct eg_ts *ts, const struct eg_eval_station *s, size_t k, int64_t t0,
                       size_t n, int tier, int32_t *const hourly[6], size_t *with_data,
                       struct eg_err *err);

/* One AQI report (real-time hour or day) with its inputs. */
struct eg_eval_aqi {
    int64_t t;                   /* start of the hour / Beijing day (UTC) */
    int32_t c[EG_QUALITY_SLOTS]; /* the concentrations the report used (milli) */
    int32_t so2_24h;             /* real-time: the SO2 24-h moving mean it used (milli) or NA */
    struct eg_quality_aqi r;     /* edition: the one in force on the hour label / day */
    int64_t oldest;              /* latest of a region: the oldest station hour in it (else t) */
    size_t stations;             /* latest of a region: stations with a valid hour in it */
};

/* Real-time AQI of every hour in [from, to) (whole hours; to - from <= EG_EVAL_MAX_HOURS h),
   from the stations' (mean) hourly values, by the edition in force on each hour's label (the
   end of the hour, as published) — PM10/PM2.5 1-hour values on the 24-h breakpoints (CNEMC
   practice, HJ 633-2026 §4.2.4), SO2 24-h moving average for the 2012 rule above 800. Hours
   without any value are left out. *out allocated (free()). */
int eg_eval_aqi_hourly(struct eg_ts *ts, const struct eg_eval_station *s, size_t k, int64_t from,
                       int64_t to, int tier, struct eg_eval_aqi **out, size_t *n,
                       struct eg_err *err);
/* Daily AQI of the Beijing days [day_from, day_to] (days since 1970-01-01, at most
   EG_EVAL_MAX_DAYS): 24-h means (>= 20 h), O3 max 1-h and MDA8 (GB 3095 Table 4, HJ 663
   §6.1.2) rounded to the reporting precision. Days without any value are left out. */
int eg_eval_aqi_daily(struct eg_ts *ts, const struct eg_eval_station *s, size_t k, int64_t day_from,
                      int64_t day_to, int tier, struct eg_eval_aqi **out, size_t *n,
                      struct eg_err *err);
/* Latest real-time AQI (issue 11 item 1). One station (k == 1): its most recent valid, closed
   hour: ended at or before now (never the hour in progress, never a label in the future) and
   with an AQI (hours invalid by the validity rules have no concentrations), looked for over
   EG_EVAL_MAX_HOURS hours back from the station's newest stored hour. A set (k > 1, a district):
   each station's own latest valid hour, averaged per indicator over the stations that have one (a
   station with a gap or an invalid newest hour falls back to its earlier hour instead of blanking
   the district); t is the newest of those hours, oldest the oldest, stations how many took part.
   *found = 0 when none has a valid hour. now: eg_ts_now(ts) in a server. */
int eg_eval_aqi_latest(struct eg_ts *ts, const struct eg_eval_station *s, size_t k, int tier,
                       int64_t now, struct eg_eval_aqi *out, int *found, struct eg_err *err);

/* HJ 663 annual evaluation of the stations' (mean) series for the Beijing calendar year. */
int eg_eval_air_annual(struct eg_ts *ts, const struct eg_eval_station *s, size_t k, int year,
                       int tier, struct eg_quality_annual *out, struct eg_err *err);

/* ---- water (GB 3838-2002) ---- */

/* HJ 212-2017 code of a GB 3838 factor and the multiplier from its HJ 212 unit to mg/L (total
   mercury, cadmium, Cr(VI), arsenic, lead and selenium are µg/L in HJ 212 Table B.1). */
struct eg_eval_water_code {
    const char *code;
    int factor;     /* EG_QW_* */
    double to_mg_l; /* 1 or 0.001 */
};
extern const struct eg_eval_water_code eg_eval_water_codes[];
extern const size_t eg_eval_water_ncodes;

struct eg_eval_water_period {
    int month;                   /* 1..12, 0 for the year */
    int samples;                 /* days with at least one factor value */
    int64_t mean[EG_QW_FACTORS]; /* micro, EG_QUALITY_W_NA */
    struct eg_quality_water_result r;
};
/* Class of a section for each month of year (or only `month` when 1..12) and for the year:
   monthly means of the daily means of its valid values, the year as the mean of the monthly
   means (环办[2011]22号 method), target class from the registry (III when none), waterbody
   EG_QW_RIVER or EG_QW_LAKE. out[0..12]: months 1..12 then the year (month 0); a month
   without data has samples 0 and class 0. */
int eg_eval_water(struct eg_ts *ts, const struct eg_eval_station *s, int year, int waterbody,
                  int tier, struct eg_eval_water_period out[13], struct eg_err *err);

/* ---- noise (GB 3096-2008) ---- */

struct eg_eval_noise_day {
    int64_t day; /* Beijing day number */
    double ld, ln;
    struct eg_quality_noise_result r;
};
struct eg_eval_noise {
    int zone; /* EG_QN_* of the station */
    int day_limit, night_limit;
    double ld, ln;                    /* energy average over every day / night hour of the range */
    struct eg_quality_noise_result r; /* compliance of ld / ln */
    int days, day_valid, day_ok, night_valid, night_ok;
    struct eg_eval_noise_day *d; /* per day (allocated; free()) */
};
/* Day and night levels of a noise station over the Beijing days [day_from, day_to] from its
   hourly Leq (pollutant Leq, else LA; kind 2061 Avg), compliance per day and over the range
   for the station's zone class (zone_override >= 0 replaces it). */
int eg_eval_noise_station(struct eg_ts *ts, const struct eg_eval_station *s, int64_t day_from,
                          int64_t day_to, int zone_override, int tier, struct eg_eval_noise *out,
                          struct eg_err *err);

/* ---- targets (migration 300_targets.sql, data/quality/targets_seed.csv) ---- */

/* Loads targets from a CSV in the layout of data/quality/targets_seed.csv (the header names the
   columns). Idempotent: an id already present is updated. *loaded gets the rows written.
   EG_EINVAL with err->offset = line on a bad row (nothing written). */
int eg_eval_targets_load(struct eg_db *st, const char *csv, size_t len, size_t *loaded,
                         struct eg_err *err);
/* The same with the seeds' file compiled into the binary (what `envgov demo` loads). */
int eg_eval_targets_load_seed(struct eg_db *st, struct eg_err *err);

struct eg_eval_target {
    char id[65];
    char region[65];      /* as the plan names it */
    char region_code[33]; /* resolved registry region, "" when not in the registry */
    char metric[48], comparison[8], unit[16], plan_period[16];
    double goal, tolerance;
    int64_t period_start, period_end; /* Beijing day numbers, inclusive */
    char source[256];
    char text[512];
    struct eg_quality_target t;
    struct eg_quality_progress_in in;
    struct eg_quality_progress p;
    int evaluated;  /* 0: no region or no data to evaluate */
    int64_t as_of;  /* last day counted */
    char note[160]; /* why not evaluated, or what was counted */
};
/* Every target with its progress as of the Beijing day as_of (the last day counted; days after
   it are "remaining"), over the stations who may see. *out allocated (free()). */
int eg_eval_targets(struct eg_ts *ts, const struct eg_principal *who, int64_t as_of, int tier,
                    struct eg_eval_target **out, size_t *n, struct eg_err *err);

/* ---- the results as JSON (eval_json.c; the caller owns the reference) ---- */

/* A flat object: time (hour label, or the date), start (hourly), edition, aqi, level, category,
   category_en, color, primary_pollutants, withheld, missing, iaqi_<slot>, <slot> (µg/m³, CO
   mg/m³) for slots so2 no2 pm10 co o3 pm25 o3_8h; null where missing. */
json_t *eg_eval_aqi_json(const struct eg_eval_aqi *a, int daily);
/* The latest hour's label and age, added to a latest report: "hour" (the Beijing label of the
   hour, its end, "YYYY-MM-DD HH:MM") and "age_minutes" (whole minutes from that end to now). */
void eg_eval_latest_json(json_t *o, const struct eg_eval_aqi *a, int64_t now);
json_t *eg_eval_annual_json(const struct eg_quality_annual *an);
json_t *eg_eval_water_json(const struct eg_eval_water_period *p);
json_t *eg_eval_noise_json(const struct eg_eval_station *s, const struct eg_eval_noise *nz);
json_t *eg_eval_target_json(const struct eg_eval_target *t);
/* Sets o[name] to the Beijing time of t, "YYYY-MM-DD HH:MM" or (date_only) "YYYY-MM-DD". */
void eg_eval_json_time(json_t *o, const char *name, int64_t t, int date_only);

#endif
