/*
 * eval_data.c: what the evaluations read — the stations a principal may see (the registry's
 * rule, eg_registry_source_readable), regions, and a station's hourly air
 * values assembled from its series (its code's and its devices' series, reported hourly values
 * before envgov's own hourly means). See eval.h for the decisions.
 */
#include "eval/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* HJ 212-2017 codes of the air slots SO2 NO2 PM10 CO O3 PM2.5 (Table B.2). */
static const char *const AIR_CODES[6] = {"a21026", "a21004", "a34002",
                                         "a21005", "a05024", "a34004"};

void eg__eval_copy_text(struct eg_stmt *s, int col, char *out, size_t outsz)
{
    size_t n = 0;
    const char *t = eg_stmt_is_null(s, col) ? NULL : eg_stmt_text(s, col, &n);
    if (!t)
        n = 0;
    if (n >= outsz)
        n = outsz - 1;
    if (n)
        memcpy(out, t, n);
    out[n] = '\0';
}

static void station_from_row(struct eg_stmt *s, struct eg_eval_station *o)
{
    memset(o, 0, sizeof *o);
    o->id = eg_stmt_int(s, 0);
    eg__eval_copy_text(s, 1, o->code, sizeof o->code);
    eg__eval_copy_text(s, 2, o->name, sizeof o->name);
    eg__eval_copy_text(s, 3, o->kind, sizeof o->kind);
    eg__eval_copy_text(s, 4, o->region_code, sizeof o->region_code);
    eg__eval_copy_text(s, 5, o->region_name, sizeof o->region_name);
    char wc[8], nz[16];
    eg__eval_copy_text(s, 6, wc, sizeof wc);
    eg__eval_copy_text(s, 7, nz, sizeof nz);
    static const char *const roman[] = {"I", "II", "III", "IV", "V"};
    for (int c = 0; c < 5; c++)
        if (!strcmp(wc, roman[c]))
            o->water_class = c + 1;
    o->noise_zone = nz[0] ? eg_quality_noise_zone_parse(nz) : -1;
    o->is_public = eg_stmt_int(s, 8) != 0;
    o->lon = eg_stmt_is_null(s, 9) ? NAN : eg_stmt_double(s, 9);
    o->lat = eg_stmt_is_null(s, 10) ? NAN : eg_stmt_double(s, 10);
}

#define STATION_COLS                                                                               \
    "SELECT s.id, s.code, s.name, s.kind, r.code, r.name, s.water_class, s.noise_zone, s.public, " \
    "s.lon, s.lat FROM stations s LEFT JOIN regions r ON r.id = s.region_id "

/* Regions at or below region code ?N (district -> street -> grid: three levels). */
#define SUBTREE(n)                                                                                 \
    "(SELECT r.id FROM regions r WHERE r.code = ?" n " UNION SELECT c.id FROM regions c JOIN "     \
    "regions p ON c.parent_id = p.id WHERE p.code = ?" n " UNION SELECT g.id FROM regions g "      \
    "JOIN regions c ON g.parent_id = c.id JOIN regions p ON c.parent_id = p.id WHERE p.code = ?" n \
    ")"

/* Who sees a station is the registry's rule, decided there only (eg_registry_source_readable,
   docs/registry.md); who == NULL is the system, which sees every station. */
static int visible(struct eg_db *st, const struct eg_principal *who, const char *code)
{
    return !who || eg_registry_source_readable(st, who, code, NULL) == 0;
}

/* Parameter I is V, or NULL when V is (an optional filter "?I IS NULL OR …"). */
static void bind_opt_text(struct eg_stmt *s, int i, const char *v)
{
    if (v)
        eg_stmt_bind_text(s, i, v, strlen(v));
    else
        eg_stmt_bind_null(s, i);
}

int eg_eval_region_get(struct eg_db *st, const char *code_or_name, char code[33], char name[65],
                       struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(st,
                          "SELECT code, name FROM regions WHERE code = ?1 UNION ALL "
                          "SELECT code, name FROM regions WHERE name = ?1 LIMIT 1",
                          &s, err);
    if (r)
        return r;
    eg_stmt_bind_text(s, 1, code_or_name, strlen(code_or_name));
    r = eg_stmt_step(s, err);
    if (r == 1) {
        eg__eval_copy_text(s, 0, code, 33);
        if (name)
            eg__eval_copy_text(s, 1, name, 65);
        r = 0;
    } else if (r == 0) {
        r = eg_err_set(err, EG_ENOTFOUND, "unknown_region", -1, "no region '%.64s'", code_or_name);
    }
    eg_stmt_done(s);
    return r;
}

int eg_eval_stations(struct eg_db *st, const struct eg_principal *who, const char *kind,
                     const char *region, struct eg_eval_station **out, size_t *n,
                     struct eg_err *err)
{
    *out = NULL;
    *n = 0;
    char rcode[33] = "";
    int r;
    if (region && (r = eg_eval_region_get(st, region, rcode, NULL, err)))
        return r;
    struct eg_stmt *s;
    r = eg_db_prepare(st,
                      STATION_COLS "WHERE (?1 IS NULL OR s.kind = ?1) AND "
                                   "(?2 IS NULL OR s.region_id IN " SUBTREE("2") ") "
                                                                                 "ORDER BY s.code",
                      &s, err);
    if (r)
        return r;
    bind_opt_text(s, 1, kind);
    bind_opt_text(s, 2, region ? rcode : NULL);
    size_t cap = 0;
    while ((r = eg_stmt_step(s, err)) == 1) {
        size_t len;
        const char *code = eg_stmt_text(s, 1, &len);
        if (!code || !visible(st, who, code))
            continue;
        if (*n == EG_EVAL_MAX_STATIONS) {
            r = eg_err_set(err, EG_ETOOBIG, "too_many_stations", -1,
                           "more than %d stations in the selection", EG_EVAL_MAX_STATIONS);
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = eg_realloc(*out, cap * sizeof **out);
        }
        station_from_row(s, &(*out)[(*n)++]);
    }
    eg_stmt_done(s);
    if (r < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return r;
    }
    return 0;
}

int eg_eval_station_get(struct eg_db *st, const struct eg_principal *who, const char *kind,
                        const char *code, struct eg_eval_station *out, struct eg_err *err)
{
    struct eg_stmt *s;
    int r = eg_db_prepare(st, STATION_COLS "WHERE (?1 IS NULL OR s.kind = ?1) AND s.code = ?2", &s,
                          err);
    if (r)
        return r;
    bind_opt_text(s, 1, kind);
    eg_stmt_bind_text(s, 2, code, strlen(code));
    r = eg_stmt_step(s, err);
    if (r == 1 && !visible(st, who, code))
        r = 0;
    if (r == 1) {
        station_from_row(s, out);
        r = 0;
    } else if (r == 0) {
        /* absent, out of scope or of another kind: the same answer (no existence oracle) */
        r = eg_err_set(err, EG_ENOTFOUND, "unknown_station", -1,
                       "no %s station '%.64s' visible to you", kind ? kind : "monitoring", code);
    }
    eg_stmt_done(s);
    return r;
}

int eg__eval_sources(struct eg_db *st, const struct eg_eval_station *s, struct eg__eval_sources *o,
                     struct eg_err *err)
{
    o->v = eg_malloc(sizeof *o->v);
    snprintf(o->v[0], sizeof o->v[0], "%s", s->code);
    o->n = 1;
    struct eg_stmt *q;
    int r = eg_db_prepare(st, "SELECT mn FROM devices WHERE station_id = ? ORDER BY mn", &q, err);
    if (r)
        return r;
    eg_stmt_bind_int(q, 1, s->id);
    while ((r = eg_stmt_step(q, err)) == 1 && o->n < 64) {
        o->v = eg_realloc(o->v, (o->n + 1) * sizeof *o->v);
        eg__eval_copy_text(q, 0, o->v[o->n], sizeof o->v[0]);
        o->n++;
    }
    eg_stmt_done(q);
    return r < 0 ? r : 0;
}

int eg__eval_fill_hourly(struct eg_ts *ts, const char *source, const char *pollutant, int computed,
                         int64_t t0, size_t n, int tier, double scale, int32_t *out,
                         struct eg_err *err)
{
    struct eg_ts_key key = {source, pollutant, EG_TS_KIND_HOUR, "Avg", computed};
    struct eg_ts_row *rows;
    size_t nr;
    /* an hourly series has at most one value per hour; the limit only guards odd data */
    int r = eg_ts_query(ts, &key, t0, t0 + (int64_t)n * 3600, tier, n * 4 + 16, &rows, &nr, err);
    if (r == EG_ENOTFOUND) {
        eg_err_clear(err);
        return 0;
    }
    if (r)
        return r;
    for (size_t i = 0; i < nr; i++) {
        if (!(rows[i].mark & EG_TS_MARK_VALID) || !(rows[i].v >= 0))
            continue;
        size_t h = (size_t)((rows[i].t - t0) / 3600);
        double v = rows[i].v * scale;
        if (h < n && out[h] == EG_QUALITY_NA && v < 2e9)
            out[h] = (int32_t)llround(v);
    }
    free(rows);
    return 0;
}

/* One source's hourly values of one pollutant into out (hours still NA only), under one
   validity rule (issue 11 item 1): the platform's own hourly mean (computed from the minutes,
   valid with >= 45 minutes of an hour, GB 3095-2012 Table 4, ts_validity_rule) decides whether
   an hour is valid. The device's own 2061 value is taken for an hour the platform judged valid,
   or for which it has no minute data to judge; an hour the platform marked invalid stays NA
   even when the device sent an hourly value for it (a device computing its hour from 43 minutes
   published AQI 74 for an invalid hour). */
static int fill_source(struct eg_ts *ts, const char *source, const char *pollutant, int64_t t0,
                       size_t n, int tier, int32_t *out, struct eg_err *err)
{
    struct eg_ts_key key = {source, pollutant, EG_TS_KIND_HOUR, "Avg", 1};
    struct eg_ts_row *rows;
    size_t nr;
    int64_t t1 = t0 + (int64_t)n * 3600;
    uint8_t *judged = eg_calloc(n ? n : 1, 1); /* 1 valid, 2 invalid by the platform's rule */
    int32_t *mine = eg_malloc((n ? n : 1) * sizeof *mine);
    for (size_t i = 0; i < n; i++)
        mine[i] = EG_QUALITY_NA;
    int r = eg_ts_query(ts, &key, t0, t1, tier, n * 4 + 16, &rows, &nr, err);
    if (r == EG_ENOTFOUND) {
        eg_err_clear(err);
        r = 0;
        nr = 0;
        rows = NULL;
    }
    for (size_t i = 0; r == 0 && i < nr; i++) {
        size_t h = (size_t)((rows[i].t - t0) / 3600);
        if (rows[i].t < t0 || h >= n)
            continue;
        int ok = (rows[i].mark & EG_TS_MARK_VALID) && rows[i].v >= 0;
        judged[h] = ok ? 1 : 2;
        double v = rows[i].v * EG_QUALITY_MILLI;
        if (ok && v < 2e9)
            mine[h] = (int32_t)llround(v);
    }
    free(rows);
    if (r == 0) {
        key.computed = 0;
        r = eg_ts_query(ts, &key, t0, t1, tier, n * 4 + 16, &rows, &nr, err);
        if (r == EG_ENOTFOUND) {
            eg_err_clear(err);
            r = 0;
            nr = 0;
            rows = NULL;
        }
        for (size_t i = 0; r == 0 && i < nr; i++) {
            if (!(rows[i].mark & EG_TS_MARK_VALID) || !(rows[i].v >= 0) || rows[i].t < t0)
                continue;
            size_t h = (size_t)((rows[i].t - t0) / 3600);
            double v = rows[i].v * EG_QUALITY_MILLI;
            if (h < n && judged[h] != 2 && out[h] == EG_QUALITY_NA && v < 2e9)
                out[h] = (int32_t)llround(v);
        }
        free(rows);
    }
    for (size_t h = 0; r == 0 && h < n; h++)
        if (out[h] == EG_QUALITY_NA && mine[h] != EG_QUALITY_NA)
            out[h] = mine[h];
    free(judged);
    free(mine);
    return r;
}

int eg_eval_air_station_hourly(struct eg_ts *ts, const struct eg_eval_station *s, int64_t t0,
                               size_t n, int tier, int32_t *const hourly[6], struct eg_err *err)
{
    for (int p = 0; p < 6; p++)
        for (size_t i = 0; i < n; i++)
            hourly[p][i] = EG_QUALITY_NA;
    struct eg__eval_sources src = {0};
    int r = eg__eval_sources(eg_ts_store(ts), s, &src, err);
    for (size_t k = 0; r == 0 && k < src.n; k++)
        for (int p = 0; r == 0 && p < 6; p++)
            r = fill_source(ts, src.v[k], AIR_CODES[p], t0, n, tier, hourly[p], err);
    free(src.v);
    return r;
}

int eg_eval_air_hourly(struct eg_ts *ts, const struct eg_eval_station *s, size_t k, int64_t t0,
                       size_t n, int tier, int32_t *const hourly[6], size_t *with_data,
                       struct eg_err *err)
{
    if (with_data)
        *with_data = 0;
    if (k == 1) {
        int r = eg_eval_air_station_hourly(ts, s, t0, n, tier, hourly, err);
        if (r == 0 && with_data)
            for (int p = 0; p < 6 && !*with_data; p++)
                for (size_t i = 0; i < n && !*with_data; i++)
                    *with_data = hourly[p][i] != EG_QUALITY_NA;
        return r;
    }
    /* Region: accumulate station by station (memory independent of the number of stations);
       the mean is eg_quality_region_hourly's: valid values only, rounded half to even. */
    int64_t *sum = eg_calloc(n ? 6 * n : 1, sizeof *sum);
    int32_t *cnt = eg_calloc(n ? 6 * n : 1, sizeof *cnt);
    int32_t *buf = eg_malloc((n ? 6 * n : 1) * sizeof *buf);
    int32_t *one[6];
    for (int p = 0; p < 6; p++)
        one[p] = buf + (size_t)p * n;
    int r = 0;
    for (size_t j = 0; j < k && r == 0; j++) {
        r = eg_eval_air_station_hourly(ts, &s[j], t0, n, tier, one, err);
        int any = 0;
        for (size_t i = 0; r == 0 && i < 6 * n; i++)
            if (buf[i] != EG_QUALITY_NA) {
                sum[i] += buf[i];
                cnt[i]++;
                any = 1;
            }
        if (any && with_data)
            (*with_data)++;
    }
    for (int p = 0; r == 0 && p < 6; p++)
        for (size_t i = 0; i < n; i++) {
            size_t x = (size_t)p * n + i;
            hourly[p][i] =
                cnt[x] ? (int32_t)eg_quality_div_half_even(sum[x], cnt[x]) : EG_QUALITY_NA;
        }
    free(sum);
    free(cnt);
    free(buf);
    return r;
}
