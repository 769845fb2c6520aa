/*
 * table.c: a CSV whose header names the columns (the MEE city table as published, and files
 * people make themselves) into AQI input rows, one per record.
 */
#include "obs/internal.h"

#include <string.h>
#include <strings.h>

enum { C_STATION, C_TIME, C_SO2, C_NO2, C_PM10, C_CO, C_O3, C_PM25, C_O3_8H, C_SO2_24H, C_N };

static const char *const ALIAS[C_N][5] = {
    [C_STATION] = {"station", "city", "stationcode", "station_code", "site"},
    [C_TIME] = {"time", "timepoint", "datetime", "date", NULL},
    [C_SO2] = {"so2", NULL},
    [C_NO2] = {"no2", NULL},
    [C_PM10] = {"pm10", NULL},
    [C_CO] = {"co", NULL},
    [C_O3] = {"o3", "o3_1h", NULL},
    [C_PM25] = {"pm25", "pm2.5", "pm2_5", NULL},
    [C_O3_8H] = {"o3_8h", NULL},
    [C_SO2_24H] = {"so2_24h", NULL},
};
static const char *const NAMES[C_N] = {"station", "time", "so2",  "no2",   "pm10",
                                       "co",      "o3",   "pm25", "o3_8h", "so2_24h"};
/* the AQI input slot of each value column; -1: station, time, and so2_24h (its own member) */
static const int SLOT[C_N] = {-1,
                              -1,
                              EG_QUALITY_SO2,
                              EG_QUALITY_NO2,
                              EG_QUALITY_PM10,
                              EG_QUALITY_CO,
                              EG_QUALITY_O3,
                              EG_QUALITY_PM25,
                              EG_QUALITY_O3_8H,
                              -1};

static int span_eq(const char *p, size_t n, const char *s)
{
    return n == strlen(s) && !strncasecmp(p, s, n);
}

/* col[k] = the header field of column k, or -1. */
static void map_header(const struct eg_csv *c, int col[C_N])
{
    for (int k = 0; k < C_N; k++)
        col[k] = -1;
    for (int i = 0; i < c->nfields; i++) {
        size_t n;
        const char *h = eg_csv_field(c, i, &n);
        for (int k = 0; k < C_N; k++)
            for (int a = 0; a < 5 && ALIAS[k][a]; a++)
                if (col[k] < 0 && span_eq(h, n, ALIAS[k][a]))
                    col[k] = i;
    }
}

/* The current record as a row; 0, or -1 when its time is not a Beijing time. */
static int record_row(const struct eg_csv *c, const int col[C_N], const struct eg_obs_sink *sink,
                      struct eg_obs_row *row)
{
    int tc = col[C_TIME];
    size_t n;
    int64_t t;
    if (tc >= c->nfields)
        return -1;
    const char *ts = eg_csv_field(c, tc, &n);
    if (eg_time_parse_beijing(ts, n, &t))
        return -1;
    eg_time_to_beijing(t, &row->time);
    eg__obs_input_clear(&row->in);
    for (int k = C_SO2; k < C_N; k++) {
        if (col[k] < 0 || col[k] >= c->nfields)
            continue;
        const char *s = eg_csv_field(c, col[k], &n);
        int32_t v = eg__obs_cell(sink, s, n, NAMES[k], c->rec_line);
        if (SLOT[k] >= 0)
            row->in.c[SLOT[k]] = v;
        else
            row->in.so2_24h = v;
    }
    row->station = "";
    row->station_len = 0;
    if (col[C_STATION] >= 0 && col[C_STATION] < c->nfields)
        row->station = eg_csv_field(c, col[C_STATION], &row->station_len);
    return 0;
}

int eg_obs_read_table(const char *data, size_t len, const struct eg_obs_sink *sink,
                      struct eg_err *err)
{
    struct eg_csv c;
    int r = eg_csv_open(&c, data, len, NULL, err);
    if (r < 0)
        return r;
    int col[C_N];
    if (eg_csv_next(&c, NULL) <= 0) {
        r = eg_err_set(err, EG_EINVAL, "header", 1, "no header row");
        goto done;
    }
    map_header(&c, col);
    if (col[C_TIME] < 0) {
        r = eg_err_set(err, EG_EINVAL, "header", 1,
                       "the header has no time column (time, timepoint, date)");
        goto done;
    }
    int values = 0;
    for (int k = C_SO2; k < C_N; k++)
        values += col[k] >= 0;
    if (!values) { /* e.g. a china_sites file read as a table: rows of empty AQI otherwise */
        r = eg_err_set(err, EG_EINVAL, "header", 1,
                       eg_obs_cs_is_header(&c)
                           ? "this is a china_sites file (date,hour,type,<stations>): use "
                             "--format china_sites"
                           : "the header names no pollutant column (so2, no2, pm10, co, o3, "
                             "pm25)");
        goto done;
    }
    if (sink->begin)
        sink->begin(sink->ctx);
    for (;;) {
        int got = eg_csv_next(&c, NULL);
        if (got == 0)
            break;
        if (got < 0) {
            eg__obs_problem(sink, "line %ld: malformed CSV row (skipped)", c.rec_line);
            continue;
        }
        struct eg_obs_row row;
        if (record_row(&c, col, sink, &row)) {
            eg__obs_problem(sink, "line %ld: invalid time (skipped)", c.rec_line);
            continue;
        }
        sink->row(sink->ctx, &row);
    }
done:
    eg_csv_close(&c);
    return r;
}
