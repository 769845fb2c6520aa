/*
 * obs: observation files — read rows of station, time and pollutant values from the formats
 * the bureaus and CNEMC publish. Pure parsing from a buffer the caller owns (no SQL, no file
 * I/O); depends on base (CSV reader, time) and quality (concentrations, daily validity).
 *
 * Formats:
 *   table        a CSV whose header names the columns (any order, case-insensitive): station
 *                (city, stationcode, station_code, site), time (timepoint, datetime, date),
 *                so2 no2 pm10 co o3 (o3_1h) pm25 (pm2.5, pm2_5) o3_8h so2_24h. The MEE city
 *                table is read as published.
 *   china_sites  quotsoft/CNEMC 'date,hour,type,<station codes>' (15 rows per hour). The hour
 *                labelled H is the mean of [H-1:00, H:00) (hour 0 closes the previous day).
 *   cnemc_json   CNEMC station GeoJSON snapshot (geoinsights/ChinaAQIData); its 1-hour O3 is
 *                the 'o3_24h' property (columns swapped at the source, data/real README §1).
 *
 * Two layers: eg_obs_cs_* reads china_sites records (shared by `envgov aqi` and the time-series
 * import, which parse the values their own way), and eg_obs_read_* turn a whole file into AQI
 * input rows (struct eg_quality_aqi_input) delivered to a callback.
 */
#ifndef EG_OBS_H
#define EG_OBS_H

#include "base/base.h"
#include "base/csv.h"
#include "quality/quality.h"

/* ---- values ---- */

/* A concentration cell as published: blanks trimmed; "", "-", "—", "-;", "NA", "na", "N/A",
   "null", "--" are missing (1, *out = EG_QUALITY_NA); otherwise 0 with the value, or
   EG_EINVAL (unparseable; *out = EG_QUALITY_NA). trimmed and tn (may be NULL) get the trimmed text.
 */
int eg_obs_value(const char *s, size_t n, int32_t *out, const char **trimmed, size_t *tn);

/* ---- china_sites records ---- */

/* The `type` rows that are inputs of the real-time AQI, in file-name order. */
enum {
    EG_OBS_PM25,
    EG_OBS_PM10,
    EG_OBS_SO2,
    EG_OBS_NO2,
    EG_OBS_O3,
    EG_OBS_CO,
    EG_OBS_SO2_24H,
    EG_OBS_NTYPES
};
/* The type of a `type` cell ("PM2.5", …, "SO2_24h"), or -1 (AQI, the 24-hour and O3_8h rows:
 * derived). */
int eg_obs_type(const char *s, size_t n);

struct eg_obs_cs {
    struct eg_csv csv;
    int nstations;
    char **station; /* station codes of the header, owned */
    size_t *station_len;
};

struct eg_obs_cs_row {
    long line;         /* first line of the record */
    int nfields;       /* every field of the record (3 + values) */
    int type;          /* eg_obs_type of the type cell */
    struct eg_civil c; /* Beijing date of the row, hour = the label 0..23 */
    int64_t t;         /* the labelled hour in UTC seconds (date + hour) */
    int64_t date;      /* YYYYMMDD as a number */
};

/* 1 when the current record of c is a china_sites header ('date,hour,type', 4+ fields). */
int eg_obs_cs_is_header(const struct eg_csv *c);

/* Opens data and reads the header: EG_EINVAL "header" when it is not 'date,hour,type,<…>'. */
int eg_obs_cs_open(struct eg_obs_cs *r, const char *data, size_t len,
                   const struct eg_csv_limits *lim, struct eg_err *err);

/* The same over a reader opened by the caller (e.g. eg_csv_open_file, to stream) whose current
   record is the header: takes c over (closed by eg_obs_cs_close, also on error). */
int eg_obs_cs_from_header(struct eg_obs_cs *r, struct eg_csv *c, struct eg_err *err);

/* Next row: 1 with it, 0 at the end, or EG_EINVAL with err->code "malformed" (broken CSV or
   fewer than 3 fields) or "time" (date not YYYYMMDD of an existing day, hour not 0..23); row
   and the fields stay readable after "time" so a caller can quote them. Reading may go on. */
int eg_obs_cs_next(struct eg_obs_cs *r, struct eg_obs_cs_row *row, struct eg_err *err);

/* Field i of the current record (0 date, 1 hour, 2 type, 3+ station values). */
const char *eg_obs_cs_field(const struct eg_obs_cs *r, int i, size_t *n);

void eg_obs_cs_close(struct eg_obs_cs *r);

/* ---- AQI input rows ---- */

struct eg_obs_row {
    const char *station; /* valid during the callback */
    size_t station_len;
    struct eg_civil time; /* Beijing: the hour, or with daily the date */
    struct eg_quality_aqi_input in;
};

/* Where rows and problems go. begin is called once, before the first row, when the file is
   good enough to give output; problem gets a message such as "line 4: invalid time
   (skipped)" for each value or row that could not be read (the row is skipped or the value
   treated as missing). */
struct eg_obs_sink {
    void (*begin)(void *ctx);
    void (*row)(void *ctx, const struct eg_obs_row *row);
    void (*problem)(void *ctx, const char *msg);
    void *ctx;
};

/* Each returns 0, or EG_EINVAL / EG_ETOOBIG with err for a file that gives no output (no
   header, no time column, not china_sites, not GeoJSON, over the limits). */
int eg_obs_read_table(const char *data, size_t len, const struct eg_obs_sink *sink,
                      struct eg_err *err);
/* daily: one row per station-day of the natural days labelled 01..24, 24-h means valid with
   >= 20 hours, MDA8 of the windows labelled 08..24 (GB 3095 Table 4, HJ 663 §6.1.2); at most
   EG_OBS_MAX_DAYS days. Otherwise one row per station-hour. */
#define EG_OBS_MAX_DAYS 400
int eg_obs_read_china_sites(const char *data, size_t len, int daily, const struct eg_obs_sink *sink,
                            struct eg_err *err);
int eg_obs_read_cnemc_json(const char *data, size_t len, const struct eg_obs_sink *sink,
                           struct eg_err *err);

/* ---- surface-water and noise samples (samples.c, issue 11 item 9) ---- */

/* What a CSV's header says it holds: water samples (GB 3838 factor columns), noise levels
   (Ld/Ln/Leq columns), or something else (the long and china_sites formats of the time-series
   import, whose header has a pollutant or type column). */
enum { EG_OBS_FMT_OTHER = 0, EG_OBS_FMT_WATER, EG_OBS_FMT_NOISE };
int eg_obs_sniff(const char *data, size_t len);

/* One water sample. section is "" (length 0) without a section column; has_time 0 without a
   time. v: micro (mg/L x 10^6; pH units; coliforms 个/L), EG_QUALITY_W_NA when missing. */
struct eg_obs_water_row {
    long line;
    const char *section; /* valid during the callback */
    size_t section_len;
    int has_time;
    int64_t t; /* UTC seconds of the Beijing time written */
    int64_t v[EG_QW_FACTORS];
};
struct eg_obs_water_sink {
    void (*row)(void *ctx, const struct eg_obs_water_row *row);
    void (*problem)(void *ctx, const char *msg); /* "line L: …" for a skipped row or value */
    void *ctx;
};
/* Columns by name in any order (samples.c lists the names): at least one GB 3838 factor;
   section and time optional. Returns 0, or EG_EINVAL "header" (no factor column, a factor
   twice, no header) with err. Rows without any factor value or with an unreadable time are
   skipped with a problem. */
int eg_obs_read_water(const char *data, size_t len, const struct eg_obs_water_sink *sink,
                      struct eg_err *err);

/* One noise row: day/night levels and the night maximum (dB(A), NaN when missing) or an
   hourly leq with its time; zone EG_QN_* or -1 when the file has none (or an unknown one, with
   a problem). */
struct eg_obs_noise_row {
    long line;
    const char *station;
    size_t station_len;
    int has_time;
    int64_t t;
    int zone;
    double ld, ln, lmax, leq;
};
struct eg_obs_noise_sink {
    void (*row)(void *ctx, const struct eg_obs_noise_row *row);
    void (*problem)(void *ctx, const char *msg);
    void *ctx;
};
/* Returns 0, or EG_EINVAL "header" (no Ld/Ln/Leq column; Leq alone without a time). */
int eg_obs_read_noise(const char *data, size_t len, const struct eg_obs_noise_sink *sink,
                      struct eg_err *err);

#endif
