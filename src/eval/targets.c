/*
 * eval_targets.c: the targets of the district plans (table quality_targets, migration 300) and
 * their progress over the stored data (issue 6 item 2).
 *
 * Loading: a CSV in the layout of data/quality/targets_seed.csv (header names the columns;
 * read by base/csv.h), validated row by row, written in one transaction, updated in
 * place when the id exists (so the demo and a bureau's own file can be loaded again).
 *
 * Progress as of a day (the last day counted; what follows is "remaining"), over the stations of
 * the target's region the asker may see:
 *   good_day_ratio, heavy_pollution_days  daily AQI (HJ 633 daily, edition of each day) of the
 *                                          region's mean series, eg_quality_progress_from_days;
 *   pm25/pm10_annual_mean                  the valid daily means so far (rounded as published);
 *   water_*_share                          each section's class on the mean of its monthly means
 *                                          so far (GB 3838), share of sections; nothing remains;
 *   noise_*_compliance                     complying station-days so far; station-days remain.
 * A period longer than a year, or a region the registry does not have (the seeds name 普陀区 and
 * 闵行区 while the demo is Pudong), leaves the target unevaluated with a note saying why.
 */
#include "base/csv.h"
#include "db/db.h"
#include "eval/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CSV (1u << 20)
#define MAX_ROWS 10000
#define NCOL 13

static const char *const COLS[NCOL] = {
    "id",           "region",     "metric",      "comparison", "goal", "tolerance",  "unit",
    "period_start", "period_end", "plan_period", "source",     "text", "region_code"};
enum {
    C_ID,
    C_REGION,
    C_METRIC,
    C_CMP,
    C_GOAL,
    C_TOL,
    C_UNIT,
    C_PS,
    C_PE,
    C_PLAN,
    C_SRC,
    C_TEXT,
    C_RCODE
};

/* "YYYY-MM-DD" -> Beijing day number. */
static int parse_day(const char *s, size_t n, int64_t *day)
{
    int64_t y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-' || eg_parse_int64(s, 4, &y) ||
        eg_parse_int64(s + 5, 2, &m) || eg_parse_int64(s + 8, 2, &d))
        return EG_EINVAL;
    struct eg_civil c = {(int)y, (int)m, (int)d, 0, 0, 0, 0};
    if (!eg_civil_valid(&c))
        return EG_EINVAL;
    *day = eg_days_from_civil(c.year, c.month, c.day);
    return 0;
}

int eg_eval_targets_load(struct eg_db *st, const char *csv, size_t len, size_t *loaded,
                         struct eg_err *err)
{
    if (loaded)
        *loaded = 0;
    if (len > MAX_CSV)
        return eg_err_set(err, EG_ETOOBIG, "too_big", -1, "a targets file is at most %u bytes",
                          MAX_CSV);
    struct eg_csv rd;
    const struct eg_csv_limits lim = {MAX_CSV, 64, 0};
    int r = eg_csv_open(&rd, csv, len, &lim, err);
    if (r)
        return r;
    int map[NCOL];
    for (int k = 0; k < NCOL; k++)
        map[k] = -1;
    long line = 0;
    int own = !eg_db_in_tx(st), rows = 0;
    if (own && (r = eg_db_begin(st, err))) {
        eg_csv_close(&rd);
        return r;
    }
    const char *f[64];
    size_t fl[64];
    while (r == 0) {
        int got = eg_csv_next(&rd, NULL);
        line = rd.rec_line;
        if (got == 0)
            break;
        if (got < 0) {
            r = eg_err_set(err, EG_EINVAL, "bad_csv", line,
                           "line %ld: broken quoting or more "
                           "than 64 fields",
                           line);
            break;
        }
        int n = rd.nfields;
        for (int i = 0; i < n; i++)
            f[i] = eg_csv_field(&rd, i, &fl[i]);
        if (map[C_ID] < 0) { /* the header */
            for (int i = 0; i < n; i++)
                for (int c = 0; c < NCOL; c++)
                    if (!strcmp(f[i], COLS[c]))
                        map[c] = i;
            for (int c = 0; c <= C_PE && r == 0; c++)
                if (map[c] < 0 && c != C_TOL && c != C_UNIT)
                    r = eg_err_set(err, EG_EINVAL, "bad_csv", line,
                                   "the header lacks the column '%s'", COLS[c]);
            continue;
        }
        if (++rows > MAX_ROWS) {
            r = eg_err_set(err, EG_ETOOBIG, "too_many", line, "at most %d targets", MAX_ROWS);
            break;
        }
        const char *v[NCOL];
        size_t vl[NCOL];
        for (int c = 0; c < NCOL; c++) {
            v[c] = map[c] >= 0 && map[c] < n ? f[map[c]] : "";
            vl[c] = map[c] >= 0 && map[c] < n ? fl[map[c]] : 0;
        }
        double goal, tol = 0;
        int64_t ps, pe;
        if (vl[C_ID] == 0 || vl[C_ID] > 64 || vl[C_REGION] == 0 || vl[C_REGION] > 64)
            r = eg_err_set(err, EG_EINVAL, "bad_row", line,
                           "line %ld: id and region are 1..64 "
                           "bytes",
                           line);
        else if (eg_quality_metric_parse(v[C_METRIC]) < 0)
            r = eg_err_set(err, EG_EINVAL, "bad_metric", line, "line %ld: unknown metric '%.48s'",
                           line, v[C_METRIC]);
        else if (eg_quality_cmp_parse(v[C_CMP]) < 0)
            r = eg_err_set(err, EG_EINVAL, "bad_comparison", line,
                           "line %ld: comparison is ge, gt, le, lt or about", line);
        else if (eg_parse_double(v[C_GOAL], vl[C_GOAL], &goal) || goal < 0 || goal > 1e9 ||
                 (vl[C_TOL] &&
                  (eg_parse_double(v[C_TOL], vl[C_TOL], &tol) || tol < 0 || tol > 1e9)))
            r = eg_err_set(err, EG_EINVAL, "bad_number", line,
                           "line %ld: goal and tolerance are non-negative numbers", line);
        else if (parse_day(v[C_PS], vl[C_PS], &ps) || parse_day(v[C_PE], vl[C_PE], &pe) || pe < ps)
            r = eg_err_set(err, EG_EINVAL, "bad_period", line,
                           "line %ld: period_start <= period_end, both YYYY-MM-DD", line);
        if (r)
            break;
        struct eg_stmt *s;
        r = eg_db_prepare(
            st,
            "INSERT INTO quality_targets (id, region, metric, comparison, goal, tolerance, unit, "
            "period_start, period_end, plan_period, source, text, region_code) VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT (id) DO UPDATE "
            "SET region = ?2, metric = ?3, comparison = ?4, goal = ?5, tolerance = ?6, unit = ?7, "
            "period_start = ?8, period_end = ?9, plan_period = ?10, source = ?11, text = ?12, "
            "region_code = ?13",
            &s, err);
        if (r)
            break;
        const char *cmpname = eg_quality_cmp_name(eg_quality_cmp_parse(v[C_CMP]));
        for (int c = 0; c < NCOL; c++) {
            if (c == C_GOAL)
                eg_stmt_bind_double(s, c + 1, goal);
            else if (c == C_TOL)
                eg_stmt_bind_double(s, c + 1, tol);
            else if (c == C_CMP)
                eg_stmt_bind_text(s, c + 1, cmpname, strlen(cmpname));
            else if (c == C_RCODE && vl[c] == 0)
                eg_stmt_bind_null(s, c + 1);
            else
                eg_stmt_bind_text(s, c + 1, v[c], vl[c]);
        }
        r = eg_stmt_step(s, err);
        eg_stmt_done(s);
        if (r >= 0) {
            r = 0;
            if (loaded)
                (*loaded)++;
        }
    }
    if (r == 0 && map[C_ID] < 0)
        r = eg_err_set(err, EG_EINVAL, "bad_csv", 1, "the file has no header");
    eg_csv_close(&rd);
    if (own) {
        if (r == 0)
            r = eg_db_commit(st, err);
        else
            eg_db_rollback(st);
    }
    if (r && loaded)
        *loaded = 0;
    return r;
}

int eg_eval_targets_load_seed(struct eg_db *st, struct eg_err *err)
{
    const struct eg_embedded *e = eg_embedded_find("quality/targets_seed.csv");
    if (!e)
        return eg_err_set(err, EG_ENOTFOUND, "no_seed", -1,
                          "data/quality/targets_seed.csv is missing from the build");
    return eg_eval_targets_load(st, e->data, e->len, NULL, err);
}

/* Mean of the monthly means of months [1, upto] of a section's year, then its class. */
static int water_class_so_far(struct eg_ts *ts, const struct eg_eval_station *s, int year, int upto,
                              int tier, int *cls, struct eg_err *err)
{
    struct eg_eval_water_period per[13];
    int r = eg_eval_water(ts, s, year, EG_QW_RIVER, tier, per, err);
    if (r)
        return r;
    int64_t mean[EG_QW_FACTORS];
    for (int f = 0; f < EG_QW_FACTORS; f++) {
        int64_t sum = 0;
        int n = 0;
        for (int m = 0; m < upto && m < 12; m++)
            if (per[m].mean[f] != EG_QUALITY_W_NA) {
                sum += per[m].mean[f];
                n++;
            }
        mean[f] = n ? eg_quality_div_half_even(sum, n) : EG_QUALITY_W_NA;
    }
    struct eg_quality_water_result wr;
    eg_quality_water_eval(mean, EG_QW_RIVER, s->water_class ? s->water_class : 3, NULL, &wr);
    *cls = wr.cls;
    return 0;
}

static int progress(struct eg_ts *ts, const struct eg_principal *who, int tier,
                    struct eg_eval_target *t, struct eg_err *err)
{
    int metric = t->t.metric;
    int64_t last = t->as_of < t->period_end ? t->as_of : t->period_end;
    int64_t n = last >= t->period_start ? last - t->period_start + 1 : 0;
    int64_t remaining = t->period_end - (last >= t->period_start ? last : t->period_start - 1);
    if (t->period_end - t->period_start + 1 > EG_EVAL_MAX_DAYS) {
        snprintf(t->note, sizeof t->note, "the period is longer than a year: not evaluated");
        return 0;
    }
    if (!t->region_code[0]) {
        snprintf(t->note, sizeof t->note, "region '%s' is not in the registry", t->region);
        return 0;
    }
    const char *kind =
        metric == EG_QT_WATER_III_SHARE || metric == EG_QT_WATER_WORSE_V_SHARE           ? "water"
        : metric == EG_QT_NOISE_DAY_COMPLIANCE || metric == EG_QT_NOISE_NIGHT_COMPLIANCE ? "noise"
                                                                                         : "air";
    struct eg_eval_station *s;
    size_t k;
    int r = eg_eval_stations(eg_ts_store(ts), who, kind, t->region_code, &s, &k, err);
    if (r)
        return r;
    if (k == 0) {
        snprintf(t->note, sizeof t->note, "no %s stations in region %s visible to you", kind,
                 t->region_code);
        free(s);
        return 0;
    }
    struct eg_quality_progress_in *in = &t->in;
    memset(in, 0, sizeof *in);
    if (!strcmp(kind, "air")) {
        size_t nd = (size_t)n;
        struct eg_quality_aqi_input *ai = eg_malloc((nd ? nd : 1) * sizeof *ai);
        struct eg_quality_aqi *rep = eg_malloc((nd ? nd : 1) * sizeof *rep);
        int *aqi = eg_malloc((nd ? nd : 1) * sizeof *aqi);
        int32_t *milli = eg_malloc((nd ? nd : 1) * sizeof *milli);
        if (nd)
            r = eg__eval_daily_reports(ts, s, k, t->period_start, nd, tier, ai, rep, err);
        int slot = metric == EG_QT_PM10_ANNUAL_MEAN ? EG_QUALITY_PM10 : EG_QUALITY_PM25;
        for (size_t d = 0; r == 0 && d < nd; d++) {
            aqi[d] = rep[d].aqi;
            milli[d] = ai[d].c[slot];
        }
        if (r == 0)
            r = eg_quality_progress_from_days(metric, aqi, milli, nd, remaining, in)
                    ? eg_err_set(err, EG_EINVAL, "bad_metric", -1,
                                 "metric %s has no daily progress", t->metric)
                    : 0;
        free(ai);
        free(rep);
        free(aqi);
        free(milli);
        snprintf(t->note, sizeof t->note, "%zu air stations, %lld days counted", k, (long long)n);
    } else if (!strcmp(kind, "water")) {
        int y, m, d;
        eg_civil_from_days(last, &y, &m, &d);
        int py, pm, pd;
        eg_civil_from_days(t->period_start, &py, &pm, &pd);
        if (n == 0)
            m = 0;
        else if (y != py)
            m = 12; /* a period across a year end: the first year's months */
        for (size_t j = 0; r == 0 && j < k && m > 0; j++) {
            int cls;
            r = water_class_so_far(ts, &s[j], py, m, tier, &cls, err);
            if (r == 0 && cls > 0) {
                in->den++;
                in->num += metric == EG_QT_WATER_III_SHARE ? cls <= 3 : cls == EG_QW_CLASS_WORSE_V;
            }
        }
        snprintf(t->note, sizeof t->note, "%zu sections, %lld with a class so far", k,
                 (long long)in->den);
    } else {
        if (n > 0)
            for (size_t j = 0; r == 0 && j < k; j++) {
                struct eg_eval_noise nz;
                if (s[j].noise_zone < 0)
                    continue;
                r = eg_eval_noise_station(ts, &s[j], t->period_start, last, -1, tier, &nz, err);
                if (r == 0) {
                    int day = metric == EG_QT_NOISE_DAY_COMPLIANCE;
                    in->den += day ? nz.day_valid : nz.night_valid;
                    in->num += day ? nz.day_ok : nz.night_ok;
                }
                free(nz.d);
            }
        in->remaining = remaining * (int64_t)k;
        snprintf(t->note, sizeof t->note, "%zu noise stations, %lld station-days counted", k,
                 (long long)in->den);
    }
    free(s);
    if (r)
        return r;
    if (eg_quality_target_progress(&t->t, in, &t->p))
        return eg_err_set(err, EG_EINVAL, "bad_target", -1, "target %s cannot be evaluated", t->id);
    t->evaluated = t->p.valid;
    return 0;
}

int eg_eval_targets(struct eg_ts *ts, const struct eg_principal *who, int64_t as_of, int tier,
                    struct eg_eval_target **out, size_t *n, struct eg_err *err)
{
    *out = NULL;
    *n = 0;
    struct eg_db *st = eg_ts_store(ts);
    struct eg_stmt *s;
    int r = eg_db_prepare(st,
                          "SELECT id, region, region_code, metric, comparison, goal, tolerance, "
                          "unit, period_start, period_end, plan_period, source, text "
                          "FROM quality_targets ORDER BY period_start, region, id",
                          &s, err);
    if (r)
        return r;
    size_t cap = 0;
    while ((r = eg_stmt_step(s, err)) == 1) {
        if (*n == MAX_ROWS)
            break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = eg_realloc(*out, cap * sizeof **out);
        }
        struct eg_eval_target *t = &(*out)[(*n)++];
        memset(t, 0, sizeof *t);
        char ps[16], pe[16];
        eg__eval_copy_text(s, 0, t->id, sizeof t->id);
        eg__eval_copy_text(s, 1, t->region, sizeof t->region);
        eg__eval_copy_text(s, 2, t->region_code, sizeof t->region_code);
        eg__eval_copy_text(s, 3, t->metric, sizeof t->metric);
        eg__eval_copy_text(s, 4, t->comparison, sizeof t->comparison);
        t->goal = eg_stmt_double(s, 5);
        t->tolerance = eg_stmt_double(s, 6);
        eg__eval_copy_text(s, 7, t->unit, sizeof t->unit);
        eg__eval_copy_text(s, 8, ps, sizeof ps);
        eg__eval_copy_text(s, 9, pe, sizeof pe);
        eg__eval_copy_text(s, 10, t->plan_period, sizeof t->plan_period);
        eg__eval_copy_text(s, 11, t->source, sizeof t->source);
        eg__eval_copy_text(s, 12, t->text, sizeof t->text);
        parse_day(ps, strlen(ps), &t->period_start);
        parse_day(pe, strlen(pe), &t->period_end);
        t->t = (struct eg_quality_target){eg_quality_metric_parse(t->metric),
                                          eg_quality_cmp_parse(t->comparison),
                                          (int64_t)llround(t->goal * 1000),
                                          (int64_t)llround(t->tolerance * 1000),
                                          t->period_start,
                                          t->period_end};
        t->as_of = as_of;
    }
    eg_stmt_done(s);
    for (size_t i = 0; r >= 0 && i < *n; i++) {
        struct eg_eval_target *t = &(*out)[i];
        if (!t->region_code[0]) {
            char name[65];
            struct eg_err e2;
            if (eg_eval_region_get(st, t->region, t->region_code, name, &e2))
                t->region_code[0] = '\0';
        }
        r = progress(ts, who, tier, t, err);
    }
    if (r < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return r;
    }
    return 0;
}
