/*
 * china_sites.c: quotsoft/CNEMC `china_sites_YYYYMMDD.csv` — 'date,hour,type,<station codes>',
 * one row per (hour, type). The record layer (eg_obs_cs_*) is shared with the time-series import;
 * eg_obs_read_china_sites turns a file into AQI input rows: real-time, one per station-hour
 * (the rows of one date-hour form a block), or daily over natural days.
 */
#include "obs/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- records ---- */

int eg_obs_type(const char *s, size_t n)
{
    static const char *const T[EG_OBS_NTYPES] = {"PM2.5", "PM10", "SO2",    "NO2",
                                                 "O3",    "CO",   "SO2_24h"};
    for (int k = 0; k < EG_OBS_NTYPES; k++)
        if (n == strlen(T[k]) && !memcmp(s, T[k], n))
            return k;
    return -1;
}

static int field_is(const struct eg_csv *c, int i, const char *name)
{
    size_t n;
    const char *f = eg_csv_field(c, i, &n);
    return n == strlen(name) && !strncasecmp(f, name, n);
}

int eg_obs_cs_is_header(const struct eg_csv *c)
{
    return c->nfields >= 4 && field_is(c, 0, "date") && field_is(c, 1, "hour") &&
           field_is(c, 2, "type");
}

int eg_obs_cs_from_header(struct eg_obs_cs *r, struct eg_csv *c, struct eg_err *err)
{
    memset(r, 0, sizeof *r);
    r->csv = *c;
    memset(c, 0, sizeof *c);
    if (!eg_obs_cs_is_header(&r->csv)) {
        eg_csv_close(&r->csv);
        return eg_err_set(err, EG_EINVAL, "header", 1,
                          "china_sites: header must be 'date,hour,type,<stations>'");
    }
    r->nstations = r->csv.nfields - 3;
    r->station = eg_malloc((size_t)r->nstations * sizeof *r->station);
    r->station_len = eg_malloc((size_t)r->nstations * sizeof *r->station_len);
    for (int s = 0; s < r->nstations; s++) {
        const char *f = eg_csv_field(&r->csv, s + 3, &r->station_len[s]);
        r->station[s] = eg_strndup(f, r->station_len[s]);
    }
    return 0;
}

int eg_obs_cs_open(struct eg_obs_cs *r, const char *data, size_t len,
                   const struct eg_csv_limits *lim, struct eg_err *err)
{
    memset(r, 0, sizeof *r);
    struct eg_csv c;
    int rc = eg_csv_open(&c, data, len, lim, err);
    if (rc < 0)
        return rc;
    if (eg_csv_next(&c, NULL) <= 0) {
        eg_csv_close(&c);
        return eg_err_set(err, EG_EINVAL, "header", 1,
                          "china_sites: header must be 'date,hour,type,<stations>'");
    }
    return eg_obs_cs_from_header(r, &c, err);
}

int eg_obs_cs_next(struct eg_obs_cs *r, struct eg_obs_cs_row *row, struct eg_err *err)
{
    int got = eg_csv_next(&r->csv, NULL);
    row->line = r->csv.rec_line;
    row->nfields = r->csv.nfields;
    row->type = -1;
    if (got == 0)
        return 0;
    if (got < 0 || r->csv.nfields < 3)
        return eg_err_set(err, EG_EINVAL, "malformed", row->line, "line %ld: malformed row",
                          row->line);
    size_t dn, hn, tn;
    const char *d = eg_csv_field(&r->csv, 0, &dn), *h = eg_csv_field(&r->csv, 1, &hn),
               *ty = eg_csv_field(&r->csv, 2, &tn);
    int64_t hour, day_t;
    if (dn != 8 || eg_parse_int64(h, hn, &hour) || hour < 0 || hour > 23 ||
        eg_time_parse_beijing(d, 8, &day_t) || eg_parse_int64(d, 8, &row->date))
        return eg_err_set(err, EG_EINVAL, "time", row->line, "line %ld: invalid date/hour",
                          row->line);
    eg_time_to_beijing(day_t, &row->c);
    row->c.hour = (int)hour;
    row->t = day_t + hour * 3600;
    row->type = eg_obs_type(ty, tn);
    return 1;
}

const char *eg_obs_cs_field(const struct eg_obs_cs *r, int i, size_t *n)
{
    return eg_csv_field(&r->csv, i, n);
}

void eg_obs_cs_close(struct eg_obs_cs *r)
{
    for (int s = 0; s < r->nstations; s++)
        free(r->station[s]);
    free(r->station);
    free(r->station_len);
    eg_csv_close(&r->csv);
    memset(r, 0, sizeof *r);
}

/* ---- AQI rows ---- */

/* EG_OBS_* type order -> the AQI input slots (1-hour values) */
static const int T_SLOT[6] = {EG_QUALITY_PM25, EG_QUALITY_PM10, EG_QUALITY_SO2,
                              EG_QUALITY_NO2,  EG_QUALITY_O3,   EG_QUALITY_CO};

struct acc {
    const struct eg_obs_cs *cs;
    const struct eg_obs_sink *sink;
    int nst;
    /* real-time: the current (date, hour) block, [EG_OBS_NTYPES][nst] */
    int32_t *blk;
    int have_block;
    int64_t cur_key;
    struct eg_civil bc;
    /* daily: hourly values per day, [day][type 0..5][station][24] */
    int64_t day0; /* days since epoch of the first natural day */
    int ndays;
    int32_t *hours;
};

static void fill_na(int32_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = EG_QUALITY_NA;
}

static void emit(struct acc *a, int s, const struct eg_civil *c,
                 const struct eg_quality_aqi_input *in)
{
    struct eg_obs_row row = {a->cs->station[s], a->cs->station_len[s], *c, *in};
    a->sink->row(a->sink->ctx, &row);
}

static void flush_block(struct acc *a)
{
    if (!a->have_block)
        return;
    size_t nst = (size_t)a->nst;
    for (int s = 0; s < a->nst; s++) {
        struct eg_quality_aqi_input in;
        eg__obs_input_clear(&in);
        for (int k = 0; k < 6; k++)
            in.c[T_SLOT[k]] = a->blk[(size_t)k * nst + (size_t)s];
        in.so2_24h = a->blk[(size_t)EG_OBS_SO2_24H * nst + (size_t)s];
        emit(a, s, &a->bc, &in);
    }
    fill_na(a->blk, (size_t)EG_OBS_NTYPES * nst);
    a->have_block = 0;
}

/* Makes room for natural day `day` in a->hours; 0, or -1 past EG_OBS_MAX_DAYS. */
static int ensure_day(struct acc *a, int64_t day, size_t per)
{
    if (a->ndays == 0) {
        a->hours = eg_malloc(per * sizeof(int32_t));
        fill_na(a->hours, per);
        a->day0 = day;
        a->ndays = 1;
    }
    if (day < a->day0) { /* shift everything right */
        int64_t shift = a->day0 - day;
        if (a->ndays + shift > EG_OBS_MAX_DAYS)
            return -1;
        a->hours = eg_realloc(a->hours, (size_t)(a->ndays + shift) * per * sizeof(int32_t));
        memmove(a->hours + (size_t)shift * per, a->hours, (size_t)a->ndays * per * sizeof(int32_t));
        fill_na(a->hours, (size_t)shift * per);
        a->ndays += (int)shift;
        a->day0 = day;
    }
    if (day >= a->day0 + a->ndays) {
        int64_t nd = day - a->day0 + 1;
        if (nd > EG_OBS_MAX_DAYS)
            return -1;
        a->hours = eg_realloc(a->hours, (size_t)nd * per * sizeof(int32_t));
        fill_na(a->hours + (size_t)a->ndays * per, (size_t)(nd - a->ndays) * per);
        a->ndays = (int)nd;
    }
    return 0;
}

/* The cell of natural day `day`, type k, station s, hour labelled `label` 1..24, or NULL. */
static int32_t *hour_slot(struct acc *a, int64_t day, int k, int s, int label)
{
    size_t per = (size_t)6 * (size_t)a->nst * 24;
    if (ensure_day(a, day, per))
        return NULL;
    size_t idx = ((((size_t)(day - a->day0) * 6 + (size_t)k) * (size_t)a->nst + (size_t)s) * 24) +
                 (size_t)(label - 1);
    return a->hours + idx;
}

static void daily_out(struct acc *a)
{
    struct eg_quality_validity v;
    eg_quality_validity_default(EG_QUALITY_ED_2012, &v);
    /* the pollutant order of quality.h -> EG_OBS_* types */
    static const int P_OF[6] = {EG_OBS_SO2, EG_OBS_NO2, EG_OBS_PM10,
                                EG_OBS_CO,  EG_OBS_O3,  EG_OBS_PM25};
    for (int d = 0; d < a->ndays; d++) {
        struct eg_civil c = {0};
        eg_civil_from_days(a->day0 + d, &c.year, &c.month, &c.day);
        for (int s = 0; s < a->nst; s++) {
            const int32_t *h[6];
            int any = 0;
            for (int p = 0; p < 6; p++) {
                h[p] = a->hours +
                       (((size_t)d * 6 + (size_t)P_OF[p]) * (size_t)a->nst + (size_t)s) * 24;
                for (int j = 0; j < 24; j++)
                    any |= h[p][j] != EG_QUALITY_NA;
            }
            if (!any) /* a day the file only touches with no value is not a row */
                continue;
            /* GB 3095 Table 4 / HJ 663 §6.1.2 validity; values rounded as published */
            struct eg_quality_aqi_input in;
            eg_quality_daily_inputs(&v, h, 1, 1, &in);
            emit(a, s, &c, &in);
        }
    }
}

/* One row's values into the block (real-time) or the day table (daily); -1 past the days. */
static int take_row(struct acc *a, const struct eg_obs_cs_row *row, int daily)
{
    if (!daily && row->date * 100 + row->c.hour != a->cur_key) {
        flush_block(a);
        a->cur_key = row->date * 100 + row->c.hour;
        a->bc = row->c;
        a->have_block = 1;
    }
    int64_t day = eg_days_from_civil(row->c.year, row->c.month, row->c.day);
    int label = row->c.hour;
    if (label == 0) { /* the hour labelled 00 closes the previous natural day (24) */
        day--;
        label = 24;
    }
    size_t tn;
    const char *ty = eg_obs_cs_field(a->cs, 2, &tn);
    char where[64];
    snprintf(where, sizeof where, "%.*s", (int)(tn > 20 ? 20 : tn), ty);
    int k = row->type;
    for (int s = 0; s < a->nst; s++) {
        int32_t v = EG_QUALITY_NA;
        if (s + 3 < row->nfields) {
            size_t n;
            const char *f = eg_obs_cs_field(a->cs, s + 3, &n);
            v = eg__obs_cell(a->sink, f, n, where, row->line);
        }
        if (!daily) {
            a->blk[(size_t)k * (size_t)a->nst + (size_t)s] = v;
        } else if (k < 6) {
            int32_t *slot = hour_slot(a, day, k, s, label);
            if (!slot)
                return -1;
            *slot = v;
        }
    }
    return 0;
}

int eg_obs_read_china_sites(const char *data, size_t len, int daily, const struct eg_obs_sink *sink,
                            struct eg_err *err)
{
    struct eg_obs_cs cs;
    int r = eg_obs_cs_open(&cs, data, len, NULL, err);
    if (r < 0)
        return r;
    struct acc a = {.cs = &cs, .sink = sink, .nst = cs.nstations, .cur_key = -1};
    a.blk = eg_malloc((size_t)EG_OBS_NTYPES * (size_t)a.nst * sizeof(int32_t));
    fill_na(a.blk, (size_t)EG_OBS_NTYPES * (size_t)a.nst);
    if (!daily && sink->begin)
        sink->begin(sink->ctx);
    for (;;) {
        struct eg_obs_cs_row row;
        struct eg_err e;
        int got = eg_obs_cs_next(&cs, &row, &e);
        if (got == 0)
            break;
        if (got < 0) {
            eg__obs_problem(sink, "line %ld: %s (skipped)", row.line,
                            strcmp(e.code, "time") ? "malformed row" : "invalid date/hour");
            continue;
        }
        if (row.type < 0)
            continue; /* AQI, *_24h, O3_8h …: not inputs of the real-time AQI */
        if (take_row(&a, &row, daily)) {
            r = eg_err_set(err, EG_EINVAL, "days", row.line, "china_sites: more than %d days",
                           EG_OBS_MAX_DAYS);
            goto done;
        }
    }
    if (daily) {
        if (sink->begin)
            sink->begin(sink->ctx);
        daily_out(&a);
    } else {
        flush_block(&a);
    }
done:
    free(a.blk);
    free(a.hours);
    eg_obs_cs_close(&cs);
    return r;
}
