/*
 * quality: environmental-quality evaluation by the national standards, as pure functions over
 * arrays (no database, no I/O). ../shared/spec/standards.md is the specification; clauses are
 * cited as there.
 *
 *   air    HJ 633-2012 / HJ 633-2026 (IAQI, AQI, level, category, primary pollutants)   aqi.c
 *          GB 3095-2012 / GB 3095-2026 Table 4 (data validity), moving averages, MDA8   validity.c
 *          HJ 663-2013 (percentiles, annual statistics, compliance, good-day ratio)     annual.c
 *   water  GB 3838-2002 (factor class, sample class, 劣V, rivers vs lakes, 超标倍数)      water.c
 *   noise  GB 3096-2008 (Leq, day/night levels, compliance per zone class)              noise.c
 *   targets  metric + goal + comparison, progress so far and what is left              targets.c
 *   US EPA AQI (TAD 2024), for comparison with HJ 633 only                            epa.c
 *
 * Editions: HJ 633, GB 3095 and HJ 663 changed on 2026-03-01 (standards.md §0). Every function
 * that depends on the edition takes it explicitly; eg_quality_edition_on() gives the edition in
 * force on a Beijing date. Results record the edition they used.
 *
 * Numbers: air concentrations are fixed-point int32 "milli" values, thousandths of the unit
 * (µg/m³, CO mg/m³), so 1.2 mg/m³ CO is 1200 and 35 µg/m³ is 35000. Every IAQI is computed in
 * exact integer arithmetic (standards.md §1.11): no ceil() on doubles. Missing or invalid values
 * are EG_QUALITY_NA. Water values are int64 "micro" values (millionths of mg/L; pH in
 * millionths; faecal coliforms in millionths of 个/L). Noise levels are doubles in dB(A)
 * (energy averaging is logarithmic by nature; compared after rounding to 0.1 dB).
 *
 * Rules the spec marks UNCONFIRMED are fields of a config struct with a documented default,
 * filled by the *_default() functions; pass NULL for the defaults.
 */
#ifndef EG_QUALITY_H
#define EG_QUALITY_H

#include <stddef.h>
#include <stdint.h>

#define EG_QUALITY_NA INT32_MIN
#define EG_QUALITY_MILLI 1000

/* ---------------------------------------------------------------- editions and numbers */

enum { EG_QUALITY_ED_AUTO = 0, EG_QUALITY_ED_2012 = 2012, EG_QUALITY_ED_2026 = 2026 };

/* Edition in force on a Beijing civil date: 2026 from 2026-03-01 (HJ 633-2026 foreword,
   GB 3095-2026 foreword), 2012 before (standards.md §0). */
int eg_quality_edition_on(int year, int month, int day);
/* Same for a UTC instant, by its Beijing date. */
int eg_quality_edition_at(int64_t utc);

/* Parses a non-negative decimal ("35", "1.2", "0.00005", "+7") into fixed point with `scale`
   decimals (3 for air milli, 6 for water micro). Digits beyond the scale are rounded half to
   even on the exact decimal value (GB/T 8170). Refuses signs other than '+', exponents, empty
   spans and values above max. Returns 0 or EG_EINVAL. */
int eg_quality_decimal_parse(const char *s, size_t n, int scale, int64_t max, int64_t *out);
/* Air concentration text -> milli (scale 3, max 10,000,000 µg/m³). */
int eg_quality_conc_parse(const char *s, size_t n, int32_t *milli);
/* Rounds x to a multiple of unit, half to even (GB/T 8170 "四舍六入五成双"); x >= 0. */
int64_t eg_quality_round_half_even(int64_t x, int64_t unit);
/* num/den rounded half to even to an integer (den > 0, num >= 0). */
int64_t eg_quality_div_half_even(int64_t num, int64_t den);

/* ---------------------------------------------------------------- AQI (HJ 633) */

/* The indicator slots of an AQI report, in the CLI's output column order. */
enum eg_quality_slot {
    EG_QUALITY_SO2 = 0,
    EG_QUALITY_NO2,
    EG_QUALITY_PM10,
    EG_QUALITY_CO,
    EG_QUALITY_O3, /* O3 1-hour (real-time: the hour; daily 2012: the day's max 1-hour) */
    EG_QUALITY_PM25,
    EG_QUALITY_O3_8H, /* O3 8-hour (real-time: moving average; daily: the day's max, MDA8) */
    EG_QUALITY_SLOTS
};

/* Breakpoint columns of HJ 633-2012 Table 1 / HJ 633-2026 Table 3. */
enum eg_quality_column {
    EG_QUALITY_COL_SO2_24H = 0,
    EG_QUALITY_COL_SO2_1H,
    EG_QUALITY_COL_NO2_24H,
    EG_QUALITY_COL_NO2_1H,
    EG_QUALITY_COL_PM10_24H,
    EG_QUALITY_COL_CO_24H,
    EG_QUALITY_COL_CO_1H,
    EG_QUALITY_COL_O3_1H,
    EG_QUALITY_COL_O3_8H,
    EG_QUALITY_COL_PM25_24H,
    EG_QUALITY_COLUMNS
};

/* IAQI results below 0. */
enum {
    EG_QUALITY_IAQI_NA = -1,           /* value missing or invalid (HJ 633 "NA") */
    EG_QUALITY_IAQI_NOT_COMPUTED = -2, /* HJ 633-2012 notes 2/3: SO2 1-h or O3 8-h above 800 */
};

/* Flags on a report. */
enum {
    EG_QUALITY_F_CAPPED = 1u << 0,        /* a concentration above the IAQI-500 breakpoint */
    EG_QUALITY_F_SO2_24H_USED = 1u << 1,  /* 2012 real-time: SO2 1-h > 800, 24-h IAQI used */
    EG_QUALITY_F_O3_8H_DROPPED = 1u << 2, /* 2012: O3 8-h > 800, not computed */
    EG_QUALITY_F_INCOMPLETE = 1u << 3,    /* at least one indicator of the report is missing */
    EG_QUALITY_F_AQI_WITHHELD = 1u << 4,  /* 2026 §5.3.1: missing indicator and AQI <= 100 */
    EG_QUALITY_F_SO2_HIGH = 1u << 5,      /* 2026 Table 3 note b: SO2 1-h > 800 -> IAQI 200 */
    EG_QUALITY_F_O3_8H_HIGH = 1u << 6,    /* 2026 Table 3 note c: O3 8-h > 800 -> IAQI 300 */
};

struct eg_quality_aqi_config {
    /* IAQI given to a concentration above the IAQI-500 breakpoint. HJ 633 defines none
       (standards.md §1.5, UNCONFIRMED); default 500, the convention the published data follow
       (mee_city 2019 Spring Festival: PM2.5 946 -> AQI 500). EG_QUALITY_IAQI_NA: not computed. */
    int above_top;
    /* Round each concentration to integer µg/m³ (CO 0.1 mg/m³) half to even before the IAQI
       (HJ 633-2026 §4.2.2; practice under 2012, standards.md §1.4, UNCONFIRMED). Default 1. */
    int round_conc;
    /* Real-time report includes the O3 8-h moving-average IAQI (HJ 633-2012 §5.1.3 letter).
       Default 0: CNEMC's hourly AQI does not (standards.md §10 item 4; the real data in
       cnemc_geoinsights reproduce only without it); HJ 633-2026 §4.2.3 has no O3 8-h in the
       real-time set at all, whatever this says. */
    int realtime_o3_8h;
    /* HJ 633-2026 §5.3.1: with an indicator missing, the AQI is published only when > 100.
       Default 1 (normative in 2026); 0 always reports the max of the available IAQIs. Only
       slots in missing_by_design (bitmask, §5.3.2) are exempt. */
    int withhold_2026;
    unsigned missing_by_design;
};
void eg_quality_aqi_config_default(struct eg_quality_aqi_config *cfg);

/* One report's input, in milli units; EG_QUALITY_NA where missing.
   Real-time: SO2, NO2, CO, O3 1-hour values; PM10, PM2.5 1-hour values (CNEMC practice since
   2014, HJ 633-2026 §4.2.4: they are read on the 24-h columns; pass the 24-h moving averages
   instead to follow the letter of HJ 633-2012 §5.1.3); O3_8H the 8-h moving average (used only
   when cfg->realtime_o3_8h); so2_24h the 24-h SO2 used when SO2 1-h > 800 under 2012.
   Daily: 24-h means of SO2, NO2, PM10, CO, PM2.5; O3 the day's max 1-hour (2012 only); O3_8H
   the day's max 8-hour moving average. */
struct eg_quality_aqi_input {
    int32_t c[EG_QUALITY_SLOTS];
    int32_t so2_24h;
};

struct eg_quality_aqi {
    int edition;                /* 2012 or 2026 */
    int daily;                  /* 1 daily report, 0 real-time */
    int iaqi[EG_QUALITY_SLOTS]; /* >= 0, or EG_QUALITY_IAQI_NA (not an indicator / missing) */
    int aqi;                    /* -1 when withheld or no indicator */
    int level;                  /* 1..6, 0 with no AQI */
    unsigned primary;           /* bitmask of slots (AQI > 50, all ties) */
    unsigned exceeding;         /* bitmask of slots with IAQI > 100 (2012 only) */
    unsigned flags;             /* EG_QUALITY_F_* */
    unsigned missing;           /* bitmask of the edition's indicators that are missing */
};

/* IAQI of one concentration on one column (HJ 633-2012 eq. (1) / 2026 eq. (1)), rounded up
   (2012 §6.2, 2026 §4.2.6). Returns the IAQI, EG_QUALITY_IAQI_NA for NA/negative input, or
   EG_QUALITY_IAQI_NOT_COMPUTED for 2012 SO2 1-h / O3 8-h above 800. Under 2026 those give 200
   and 300 (Table 3 notes b, c). *flags (may be NULL) gains EG_QUALITY_F_CAPPED etc. */
int eg_quality_iaqi(int edition, enum eg_quality_column col, int32_t milli,
                    const struct eg_quality_aqi_config *cfg, unsigned *flags);

/* A full real-time (daily = 0) or daily (daily = 1) report. edition must be 2012 or 2026.
   Returns 0, or EG_EINVAL for a bad edition. */
int eg_quality_aqi_compute(int edition, int daily, const struct eg_quality_aqi_input *in,
                           const struct eg_quality_aqi_config *cfg, struct eg_quality_aqi *out);

/* HJ 633-2012 Table 2 / Appendix A; HJ 633-2026 Table 1 / Appendix A (same levels). */
struct eg_quality_category {
    int level;            /* 1..6 */
    int aqi_max;          /* top of the band; INT32_MAX for level 6 */
    const char *level_zh; /* 一级 … 六级 */
    const char *name_zh;  /* 优, 良, 轻度污染, 中度污染, 重度污染, 严重污染 */
    const char *name_en;  /* informal gloss */
    const char *color_zh; /* 绿 … 褐红 */
    unsigned char rgb[3];
    const char *hex; /* "#00E400" */
};
/* Category of an AQI >= 0; NULL for a negative AQI. */
const struct eg_quality_category *eg_quality_category_of(int aqi);

/* National names of a slot: "SO2", "NO2", "PM10", "CO", "O3_1h", "PM2.5", "O3_8h"; Chinese as
   CNEMC publishes them: 二氧化硫, 二氧化氮, 颗粒物(PM10), 一氧化碳, 臭氧1小时, 细颗粒物(PM2.5),
   臭氧8小时. */
const char *eg_quality_slot_name(int slot);
const char *eg_quality_slot_name_zh(int slot);
/* Joins the names of the slots in mask with ',' in the order CNEMC uses for ties
   (SO2, NO2, PM10, PM2.5, CO, O3_1h, O3_8h). zh selects the Chinese names. Returns the length
   written (truncated to outsz-1; out always NUL-terminated when outsz > 0). */
size_t eg_quality_slots_format(unsigned mask, int zh, char *out, size_t outsz);

/* ---------------------------------------------------------------- validity (GB 3095 Table 4) */

/* Minimum data requirements. Both editions give the same figures (standards.md §2.2). */
struct eg_quality_validity {
    int hour_min_minutes;      /* 45: a 1-h value needs >= 45 min of sampling */
    int day_min_hours;         /* 20: a 24-h mean needs >= 20 hourly values */
    int o3_8h_min_hours;       /* 6: an 8-h mean needs >= 6 of its 8 hourly values */
    int mda8_min_windows;      /* 14: HJ 663 §6.1.2, MDA8 from >= 14 valid 8-h values ... */
    int32_t mda8_exceed_limit; /* ... or fewer, when the max exceeds this (milli). Default 160000
                                  (Grade II), UNCONFIRMED (standards.md §2.3, §10 item 7) */
    int o3_1h_max_min_hours;   /* daily max 1-h O3 (2012 daily report): UNCONFIRMED, default 20 */
    int year_min_days;         /* 324 daily means per year ... */
    int month_min_days;        /* ... and >= 27 in every month ... */
    int feb_min_days;          /* ... February >= 25 */
};
void eg_quality_validity_default(int edition, struct eg_quality_validity *v);

int eg_quality_hour_valid(const struct eg_quality_validity *v, int sampled_minutes);
/* A month (1..12) with n valid daily means is valid (27, February 25; standards.md §2.2). */
int eg_quality_month_valid(const struct eg_quality_validity *v, int month, int n_days);
/* A year is valid for annual statistics: >= 324 days and every month valid.
   days_per_month[12] holds the valid daily means of each month. */
int eg_quality_year_valid(const struct eg_quality_validity *v, const int days_per_month[12]);

/* Hourly series convention: index i is the hour labelled (i+1) o'clock of day i/24, i.e. the
   mean over [i, i+1) hours after the series' first midnight (HJ 663 Table A.1 as quoted in
   GB/T 34302: "整点时刻前1小时"), so a natural day's 24 values are labelled 01…24 and sit at
   24d … 24d+23. */

/* Moving average over `window` hours ending at each hour, valid with >= min_valid values
   (8-h O3: 8, 6; 24-h: 24, 20). out[i] covers hourly[i-window+1 … i] (hours before the series
   count as missing). Means are exact, rounded half to even to the milli. */
void eg_quality_moving_avg(const int32_t *hourly, size_t n, int window, int min_valid,
                           int32_t *out);
/* 24-h means of ndays natural days (hours labelled 01…24), NA with fewer than day_min_hours. */
void eg_quality_daily_means(const struct eg_quality_validity *v, const int32_t *hourly,
                            size_t ndays, int32_t *daily);
/* Daily maximum 1-hour value (NA with fewer than o3_1h_max_min_hours hours). */
void eg_quality_daily_max(const struct eg_quality_validity *v, const int32_t *hourly, size_t ndays,
                          int32_t *daily);
/* Daily maximum 8-hour moving average (MDA8): max over the 17 windows labelled 08…24 of the day
   (the window labelled 08 covers hours 01…08; standards.md §1.8), each valid with >= 6 hours;
   valid with >= 14 valid windows, or fewer when the max exceeds mda8_exceed_limit
   (HJ 663-2013 §6.1.2). n_windows (may be NULL) receives the count of valid windows per day. */
void eg_quality_daily_mda8(const struct eg_quality_validity *v, const int32_t *hourly, size_t ndays,
                           int32_t *daily, int *n_windows);

/* Report inputs from hourly series. hourly[p] (p in pollutant order SO2, NO2, PM10, CO, O3,
   PM2.5 — see EG_QUALITY_POLLUTANTS below; NULL = all missing) use the hour labels above.
   Daily: for ndays natural days, 24-h means (>= day_min_hours), the O3 max 1-hour and MDA8,
   each NA when invalid; round: to the reporting precision (integer µg/m³, CO 0.1 mg/m³, half
   to even) as published daily values are. Real-time: for n hours, the 1-hour values, the O3
   8-hour moving average (>= o3_8h_min_hours of 8) and the SO2 24-hour moving average
   (>= day_min_hours of 24) for the 2012 SO2 > 800 rule (standards.md §1.5, UNCONFIRMED which
   24-h value; the moving average ending at the hour is used). */
void eg_quality_daily_inputs(const struct eg_quality_validity *v, const int32_t *const hourly[6],
                             size_t ndays, int round, struct eg_quality_aqi_input *out);
void eg_quality_realtime_inputs(const struct eg_quality_validity *v, const int32_t *const hourly[6],
                                size_t n, struct eg_quality_aqi_input *out);

/* Region (city, district) hourly series as the arithmetic mean of its stations' valid values
   hour by hour (HJ 663 point averaging, as practised; the minimum number of stations for a
   valid regional hour is not in the reviewed text: min_stations, UNCONFIRMED, 1 is the usual
   reading). stations[k] may be NULL. Means rounded half to even to the milli. */
void eg_quality_region_hourly(const int32_t *const *stations, size_t k, size_t n, int min_stations,
                              int32_t *out);

/* ---------------------------------------------------------------- annual evaluation (HJ 663) */

/* HJ 663 percentile (standards.md §3.2): sort, k = 1 + (n-1)p/100, s = floor(k),
   m = X(s) + (X(s+1) - X(s))(k - s), computed exactly and rounded half to even to the milli.
   values (NA entries are skipped) is reordered. Returns 0, or EG_EINVAL with no valid value
   or p outside 0..100. */
int eg_quality_percentile(int32_t *values, size_t n, int p, int32_t *out);

/* The six pollutants of the annual evaluation, in slot order SO2, NO2, PM10, CO, O3, PM2.5
   (O3 is evaluated through MDA8). */
enum { EG_QUALITY_POLLUTANTS = 6 };

/* Concentration limits (GB 3095-2012 Table 1, GB 3095-2026 Table 1 transition / final). */
struct eg_quality_limits {
    int32_t annual[EG_QUALITY_POLLUTANTS]; /* milli; NA where none (CO, O3) */
    int32_t daily[EG_QUALITY_POLLUTANTS];  /* 24-h limits; O3: MDA8 limit */
    int32_t hourly[EG_QUALITY_POLLUTANTS]; /* 1-h limits; NA for PM */
};
/* grade 1 or 2; year selects the 2026 transition limits (to 2030) or final limits (2031 on).
   Returns 0 or EG_EINVAL. */
int eg_quality_limits_get(int edition, int grade, int year, struct eg_quality_limits *out);

struct eg_quality_annual_config {
    int grade;   /* zone class 1 or 2 (default 2: 二类区) */
    int edition; /* 0 (default): edition in force on the year's last day */
    /* Daily means rounded to the reporting precision (integer µg/m³, CO 0.1 mg/m³, half even)
       before the statistics, as published daily values are (HJ 663 cites GB/T 8170;
       UNCONFIRMED, standards.md §3.2). Default 1. */
    int round_daily;
    /* Statistics rounded to the reporting precision before comparison with the limits.
       Default 1 (UNCONFIRMED, standards.md §3.2). */
    int compare_rounded;
    /* GB 3095 Table 4 annual rule applied to CO and O3 too (UNCONFIRMED, §2.2). Default 1. */
    int validity_co_o3;
    /* A day with a pollutant missing still counts for the good-day ratio when the AQI of the
       others is > 100 (it is certainly not good; HJ 633-2026 §5.3.1 logic). Default 1.
       Otherwise a valid day needs all six pollutants (UNCONFIRMED, standards.md §3.4). */
    int partial_polluted_days;
    struct eg_quality_validity validity;
    struct eg_quality_aqi_config aqi;
};
void eg_quality_annual_config_default(struct eg_quality_annual_config *cfg);

struct eg_quality_annual_stat {
    int valid_days;     /* valid daily values (O3: valid MDA8 days) */
    int valid;          /* annual statistic valid under GB 3095 Table 4 */
    int pct;            /* percentile used: 98 SO2/NO2, 95 PM10/PM2.5/CO, 90 O3 */
    int32_t mean;       /* annual mean (milli), NA for CO and O3 or with no data */
    int32_t percentile; /* milli, NA with no data */
    int32_t max_daily;  /* milli, NA with no data */
    int compliant;      /* 1 达标, 0 超标, -1 not evaluable (invalid year) */
    double exceed_mean; /* 超标倍数 (C-S)/S of the annual mean when > 0, else 0 */
    double exceed_pct;  /* same for the percentile */
};

struct eg_quality_annual {
    int edition; /* edition of the statistics and limits */
    int year;
    int ndays;
    struct eg_quality_annual_stat p[EG_QUALITY_POLLUTANTS];
    int compliant;                      /* all six 达标: 1, any 超标: 0, else -1 */
    int days_valid;                     /* days with a daily AQI counted for the ratio */
    int days_good;                      /* AQI <= 100 (优 + 良) */
    int days_level[7];                  /* [1..6] days per level */
    int days_primary[EG_QUALITY_SLOTS]; /* days each slot was a primary pollutant */
    double good_ratio;                  /* percent, unrounded; NaN with no valid day */
    double composite; /* 综合指数 Σ C_i/S_i (standards.md §3.5), NaN when incomplete */
};

/* Annual evaluation of one station or region-average series. hourly[p] (p in slot order SO2,
   NO2, PM10, CO, O3, PM2.5) holds 24 * ndays values (hour labels, see above) for the Beijing
   calendar year `year` starting 01-01 (ndays = 365 or 366), each may be NULL (all missing).
   Daily AQI per day by the edition in force on that day. Allocates nothing.
   Returns 0 or EG_EINVAL. */
int eg_quality_annual_eval(int year, const int32_t *const hourly[EG_QUALITY_POLLUTANTS],
                           size_t ndays, const struct eg_quality_annual_config *cfg,
                           struct eg_quality_annual *out);

/* The same statistics over any span of 1..366 Beijing days starting at first_day (days since
   1970-01-01): a month, a quarter, the year to date (target progress). Validity: a whole
   calendar year by the annual rule; otherwise every whole month in the span by the monthly
   counts (27, February 25), partial months at the ends exempt (UNCONFIRMED: HJ 663 states no
   rule for such spans). year = the first day's year; limits of the last day's year. */
int eg_quality_period_eval(int64_t first_day, const int32_t *const hourly[EG_QUALITY_POLLUTANTS],
                           size_t ndays, const struct eg_quality_annual_config *cfg,
                           struct eg_quality_annual *out);

/* Good-day ratio (优良天数比率, standards.md §3.4) in percent; NaN when valid_days == 0. */
double eg_quality_good_ratio(int good_days, int valid_days);
/* Same, rounded to one decimal half to even, as an integer of tenths of a percent
   (300/365 -> 822); -1 when valid_days == 0. */
int eg_quality_good_ratio_tenths(int good_days, int valid_days);

/* ---------------------------------------------------------------- surface water (GB 3838) */

#define EG_QUALITY_W_NA INT64_MIN
#define EG_QUALITY_MICRO 1000000LL

enum eg_quality_water_factor {
    EG_QW_PH = 0,
    EG_QW_DO,
    EG_QW_CODMN,
    EG_QW_COD,
    EG_QW_BOD5,
    EG_QW_NH3N,
    EG_QW_TP,
    EG_QW_TN,
    EG_QW_CU,
    EG_QW_ZN,
    EG_QW_F,
    EG_QW_SE,
    EG_QW_AS,
    EG_QW_HG,
    EG_QW_CD,
    EG_QW_CR6,
    EG_QW_PB,
    EG_QW_CN,
    EG_QW_PHENOL,
    EG_QW_OIL,
    EG_QW_LAS,
    EG_QW_SULFIDE,
    EG_QW_COLIFORM,
    EG_QW_FACTORS
};
enum { EG_QW_CLASS_WORSE_V = 6 };         /* 劣V */
enum { EG_QW_RIVER = 0, EG_QW_LAKE = 1 }; /* 湖、库 use the lake TP column and TN */

struct eg_quality_water_config {
    /* Factors that decide the class. Default: the 21 items of 环办[2011]22号 (Table 1 except
       water temperature, TN and faecal coliforms; standards.md §4.3). */
    uint32_t class_factors;
    /* Factors with a 超标倍数 (multiple of the target-class limit). Default: every factor but
       pH and DO (their exclusion is national practice, UNCONFIRMED, §10 item 9). */
    uint32_t multiple_factors;
};
void eg_quality_water_config_default(struct eg_quality_water_config *cfg);

/* Class 1..5, EG_QW_CLASS_WORSE_V, or 0 when the value is NA or the factor has no limit for
   this water body (TN in a river). pH: 6-9 -> 1, outside -> 劣V (convention, §4.3). DO: higher
   is better, class I at 7.5 mg/L (the "或 7.5" alternative of Table 1). */
int eg_quality_water_factor_class(int factor, int waterbody, int64_t micro);
/* The limit (micro) of a factor for a class 1..5, EG_QUALITY_W_NA when none (pH, TN river). */
int64_t eg_quality_water_limit(int factor, int waterbody, int cls);

struct eg_quality_water_result {
    int cls;                         /* worst class over the class factors, 0 with none */
    int factor_class[EG_QW_FACTORS]; /* per factor, 0 when NA / not applicable */
    uint32_t worst;                  /* factors that decide the class */
    uint32_t over_target;            /* factors worse than the target class (超标项目) */
    double multiple[EG_QW_FACTORS];  /* (C - S)/S against the target-class limit, 0 if none */
};
/* Single-factor evaluation of a sample or a period mean (GB 3838-2002 §5.1). target_class
   1..5, or 0 for class III (national reporting basis). Returns 0 or EG_EINVAL. */
int eg_quality_water_eval(const int64_t v[EG_QW_FACTORS], int waterbody, int target_class,
                          const struct eg_quality_water_config *cfg,
                          struct eg_quality_water_result *out);
/* Period mean of n samples per factor (arithmetic, NA skipped; 2011 method). */
void eg_quality_water_mean(const int64_t *samples /* n x EG_QW_FACTORS */, size_t n,
                           int64_t out[EG_QW_FACTORS]);
/* "I" … "V", "劣V"; "" for 0. */
const char *eg_quality_water_class_name(int cls);
/* Qualitative term: 优 (I-II), 良好 (III), 轻度污染 (IV), 中度污染 (V), 重度污染 (劣V)
   (环办[2011]22号; mapping UNCONFIRMED, §4.3). */
const char *eg_quality_water_class_term(int cls);
const char *eg_quality_water_factor_name(int factor);
/* Factor by name ("pH", "DO", "CODMn", "COD", "BOD5", "NH3-N", "TP", "TN", "Cu" … as
   eg_quality_water_factor_name gives, case-insensitive, and the Chinese names of the common
   ones: 氨氮, 总磷 …); -1 when unknown. */
int eg_quality_water_factor_parse(const char *name);
/* Share of classes 1..max_class among the n classes > 0, percent; NaN with none. */
double eg_quality_water_share(const int *classes, size_t n, int max_class);

/* ---------------------------------------------------------------- noise (GB 3096-2008) */

enum eg_quality_noise_zone {
    EG_QN_ZONE0 = 0,
    EG_QN_ZONE1,
    EG_QN_ZONE2,
    EG_QN_ZONE3,
    EG_QN_ZONE4A,
    EG_QN_ZONE4B,
    EG_QN_RAIL_EXISTING, /* §5.3: background noise beside existing railway trunk lines */
    EG_QN_ZONES
};

/* Energy-average level Leq = 10 lg(Σ t_i 10^(0.1 L_i) / Σ t_i) (GB/T 14623, standards.md §5.3).
   durations NULL: equal weights. NaN levels are skipped; NaN when nothing is left. */
double eg_quality_leq(const double *levels, const double *durations, size_t n);

struct eg_quality_noise_config {
    int day_start_hour; /* 6: 昼间 06:00-22:00 (standards.md §5.2; local governments may change) */
    int night_start_hour; /* 22 */
    int min_day_hours;   /* valid L_d with at least this many hourly values; default 1 (UNCONFIRMED)
                          */
    int min_night_hours; /* same for L_n; default 1 */
};
void eg_quality_noise_config_default(struct eg_quality_noise_config *cfg);

/* Day and night levels of ndays days from hourly Leq values: hourly[24d + h] is the hour
   starting at h:00 of day d. The night of day d runs from night_start_hour of day d to
   day_start_hour of day d+1 (the last night uses what the series has). NaN when invalid. */
void eg_quality_noise_day_night(const struct eg_quality_noise_config *cfg, const double *hourly,
                                size_t ndays, double *ld, double *ln);

/* Zone limits (GB 3096-2008 Table 1; §5.3 for existing railway lines). Returns 0/EG_EINVAL. */
int eg_quality_noise_limits(int zone, int *day_limit, int *night_limit);
/* Parses "0", "1", "2", "3", "4a", "4b", "rail_existing"; -1 when unknown. */
int eg_quality_noise_zone_parse(const char *s);
const char *eg_quality_noise_zone_name(int zone);

struct eg_quality_noise_result {
    int day_ok, night_ok; /* 1 complies, 0 exceeds, -1 no value */
    double day_over;      /* 超标量 = level - limit (0.1 dB; negative = margin) */
    double night_over;
    int lmax_ok; /* §5.4 night L_max <= night limit + 15; -1 without L_max */
};
/* Compliance of L_d / L_n (NaN = no value) and the night L_max (NaN = none) for a zone,
   comparing values rounded to 0.1 dB (reporting precision, UNCONFIRMED §10 item 10). */
int eg_quality_noise_check(int zone, double ld, double ln, double lmax_night,
                           struct eg_quality_noise_result *out);

/* ---------------------------------------------------------------- targets and progress */

enum eg_quality_metric {
    EG_QT_GOOD_DAY_RATIO = 0,     /* 优良天数比率, percent of valid days */
    EG_QT_PM25_ANNUAL_MEAN,       /* µg/m³ */
    EG_QT_PM10_ANNUAL_MEAN,       /* µg/m³ */
    EG_QT_WATER_III_SHARE,        /* share of sections of class III or better, percent */
    EG_QT_WATER_WORSE_V_SHARE,    /* share of sections 劣V, percent */
    EG_QT_NOISE_DAY_COMPLIANCE,   /* percent of station-days complying, day */
    EG_QT_NOISE_NIGHT_COMPLIANCE, /* same, night */
    EG_QT_HEAVY_POLLUTION_DAYS,   /* days of AQI > 200 (count) */
    EG_QT_METRICS
};
enum eg_quality_cmp { EG_QT_GE = 0, EG_QT_GT, EG_QT_LE, EG_QT_LT, EG_QT_ABOUT };

struct eg_quality_target {
    int metric;           /* EG_QT_* */
    int cmp;              /* EG_QT_GE … ; ABOUT: value >= goal - tolerance */
    int64_t goal;         /* milli of the metric's unit (85 % -> 85000; 35 µg/m³ -> 35000) */
    int64_t tolerance;    /* milli; for ABOUT */
    int64_t period_start; /* Beijing days since 1970-01-01, inclusive */
    int64_t period_end;   /* inclusive */
};

/* The metric's kind decides what "so far" and "left" mean. */
enum { EG_QT_KIND_RATIO = 0, EG_QT_KIND_MEAN, EG_QT_KIND_COUNT };
int eg_quality_metric_kind(int metric);
const char *eg_quality_metric_name(int metric); /* "good_day_ratio", "pm25_annual_mean" … */
int eg_quality_metric_parse(const char *s);     /* -1 when unknown */
const char *eg_quality_cmp_name(int cmp);       /* "ge", "gt", "le", "lt", "about" */
int eg_quality_cmp_parse(const char *s);        /* accepts ge/>=, gt/>, le/<=, lt/<, about/~ */

/* What is known so far in the period.
   RATIO: num = units that count (good days, sections III or better, complying station-days),
          den = valid units so far, remaining = units still to come (days left; 0 for sections).
   MEAN:  num = sum of daily values so far (milli), den = valid days so far, remaining = days left.
   COUNT: num = count so far, remaining = days left (den unused). */
struct eg_quality_progress_in {
    int64_t num, den, remaining;
};

struct eg_quality_progress {
    int valid;      /* 0 when nothing is known yet (den == 0 for RATIO/MEAN) */
    double value;   /* the metric so far (percent, µg/m³ or count) */
    int met;        /* the value so far satisfies the goal */
    int on_track;   /* keeping the present pace meets the goal at the end of the period */
    int achievable; /* the goal can still be met */
    /* What is left:
       RATIO: units that must still count (e.g. good days needed among the remaining days,
              sections still to bring to class III), 0 when already secured;
       MEAN:  the highest mean the remaining days may have (µg/m³) — or the lowest, for >=;
       COUNT: how many more may occur before the goal is missed (<=/<), or are needed (>=/>). */
    double left;
    int64_t left_units; /* RATIO / COUNT: left as an integer */
};
/* Progress inputs from the days of the period so far. For the good-day ratio, daily_aqi[n]
   (< 0: no valid AQI that day) counts days with AQI <= 100 among valid days; for heavy
   pollution days, days with AQI > 200 (den = days elapsed); for the PM2.5 / PM10 annual means,
   daily_milli[n] (EG_QUALITY_NA: invalid) sums the valid daily means. remaining = days of the
   period still to come. Other metrics (water shares, noise compliance) count sections or
   station-days and are filled by the caller. Returns 0 or EG_EINVAL. */
int eg_quality_progress_from_days(int metric, const int *daily_aqi, const int32_t *daily_milli,
                                  size_t n, int64_t remaining, struct eg_quality_progress_in *out);
int eg_quality_target_progress(const struct eg_quality_target *t,
                               const struct eg_quality_progress_in *in,
                               struct eg_quality_progress *out);

/* ---------------------------------------------------------------- US EPA AQI (comparison) */

/* US EPA AQI, Technical Assistance Document EPA-454/B-24-002 (May 2024) Table 6, for comparison
   with HJ 633 (standards.md §6). Concentrations are truncated to the pollutant's precision
   (O3 ppm 3 decimals, PM2.5 µg/m³ 1 decimal, PM10 integer, CO ppm 1 decimal, SO2/NO2 ppb
   integer), the index is rounded to the nearest integer (125.5 -> 126), exactly. */
enum eg_quality_epa_pollutant {
    EG_EPA_O3_8H = 0,
    EG_EPA_O3_1H,
    EG_EPA_PM25_24H,
    EG_EPA_PM10_24H,
    EG_EPA_CO_8H,
    EG_EPA_SO2_1H,
    EG_EPA_SO2_24H,
    EG_EPA_NO2_1H,
    EG_EPA_POLLUTANTS
};
/* Index of the decimal text s (n bytes). Returns the index (> 500 extrapolated on the top
   segment), -1 for invalid text or a concentration the pollutant's table does not cover
   (O3 8-h above 0.200 ppm, footnote 2: use O3 1-h; O3 1-h below 0.125; SO2 1-h from 305 ppb,
   footnote 3: use SO2 24-h; SO2 24-h below 305). */
int eg_quality_epa_index(int pollutant, const char *s, size_t n);
struct eg_quality_epa_category {
    int aqi_max;
    const char *name;
    unsigned char rgb[3];
};
/* Good … Hazardous with the TAD's colours (purple 143,63,151); NULL for a negative index. */
const struct eg_quality_epa_category *eg_quality_epa_category_of(int aqi);

#endif
