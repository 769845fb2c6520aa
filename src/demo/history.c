/*
 * history.c: the demo's stored history and its simulated devices. eg_demo_devices reads every
 * registered device with what the value model needs (its kind, pollutants, the permit limits of
 * its outlet, the target class of its water section or the zone of its noise station), from the
 * registry only, so that the history written here and the simulator's live data (`envgov sim
 * --db`) come from one model (ingest's eg_sim_value) and continue each other. eg_demo_history
 * writes the devices' hourly values (HJ 212 2061, field Avg, as a data logger reports them)
 * straight into the time-series store in batches (closed days go to compressed blocks).
 */
#include "demo/internal.h"
#include "eval/eval.h"
#include "ingest/ingest.h"
#include "quality/quality.h"
#include "registry/registry.h"
#include "ts/ts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pick {
    struct eg_sim_device *d;
    int64_t *ids;
    int n, cap;
};

static int pick_one(void *arg, const struct eg_registry_device_row *r)
{
    struct pick *p = arg;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->d = eg_realloc(p->d, (size_t)p->cap * sizeof *p->d);
        p->ids = eg_realloc(p->ids, (size_t)p->cap * sizeof *p->ids);
    }
    struct eg_sim_device *d = &p->d[p->n];
    memset(d, 0, sizeof *d);
    p->ids[p->n++] = r->id;
    snprintf(d->mn, sizeof d->mn, "%s", r->mn ? r->mn : "");
    d->edition = r->protocol && !strcmp(r->protocol, "2005") ? 2005 : 2017;
    d->kind = 'a';
    if (r->outlet_type)
        d->kind = !strcmp(r->outlet_type, "waste_gas") ? 'g' : 'w';
    else if (r->station_kind && !strcmp(r->station_kind, "water"))
        d->kind = 's';
    else if (r->station_kind && !strcmp(r->station_kind, "noise"))
        d->kind = 'n';
    return 0;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The pollutants of the device record ("a,b,c"); unknown or empty: the kind's defaults. */
static void pollutants_of(struct eg_sim_device *d, const char *list)
{
    while (*list && d->npollutants < EG_SIM_MAX_POLLUTANTS) {
        size_t n = strcspn(list, ",");
        if (n > 0 && n < sizeof d->pollutant[0])
            snprintf(d->pollutant[d->npollutants++], sizeof d->pollutant[0], "%.*s", (int)n, list);
        list += n;
        if (*list == ',')
            list++;
    }
}

/* The permit limits of outlet (concentration, by pollutant) onto d's pollutants. */
static int outlet_limits(struct eg_db *st, struct eg_sim_device *d, int64_t outlet,
                         struct eg_err *err)
{
    char idtxt[24];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)outlet);
    const char *names[] = {"outlet_id"}, *values[] = {idtxt};
    struct eg_list_query q = {
        .limit = 1000, .filter_names = names, .filter_values = values, .nfilters = 1};
    json_t *rows = NULL;
    char *next = NULL;
    int r = eg_registry_list(st, eg_registry_find("permit_limits"), &eg_principal_system, &q, &rows,
                             &next, err);
    free(next);
    if (r < 0)
        return r;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *pol = jstr(row, "pollutant");
        double lim = json_number_value(json_object_get(row, "conc_limit"));
        for (int k = 0; k < d->npollutants; k++)
            if (!strcmp(d->pollutant[k], pol) && lim > 0 && (d->limit[k] == 0 || lim < d->limit[k]))
                d->limit[k] = lim;
    }
    json_decref(rows);
    return 0;
}

static int device_detail(struct eg_db *st, struct eg_sim_device *d, int64_t id, struct eg_err *err)
{
    json_t *row = NULL;
    int r = eg_registry_get(st, eg_registry_find("devices"), &eg_principal_system, id, &row, err);
    if (r < 0)
        return r;
    if (d->kind != 's' && d->kind != 'n' && d->kind != 'a')
        pollutants_of(d, jstr(row, "pollutants"));
    int64_t outlet = json_integer_value(json_object_get(row, "outlet_id"));
    int64_t station = json_integer_value(json_object_get(row, "station_id"));
    json_decref(row);
    if (outlet > 0 && d->npollutants > 0)
        return outlet_limits(st, d, outlet, err);
    if (station > 0 && (d->kind == 's' || d->kind == 'n')) {
        r = eg_registry_get(st, eg_registry_find("stations"), &eg_principal_system, station, &row,
                            err);
        if (r < 0)
            return r;
        if (d->kind == 's') {
            const char *wc = jstr(row, "water_class");
            static const char *const roman[] = {"I", "II", "III", "IV", "V"};
            int target = 3;
            for (int c = 0; c < 5; c++)
                if (!strcmp(wc, roman[c]))
                    target = c + 1;
            d->level = eg_sim_water_level(d->mn, target);
        } else {
            int z = eg_quality_noise_zone_parse(jstr(row, "noise_zone"));
            d->level = z >= 0 ? z : EG_QN_ZONE2;
        }
        json_decref(row);
    }
    return 0;
}

int eg_demo_devices(struct eg_db *st, int limit, struct eg_sim_device **out, int64_t **ids, int *n,
                    struct eg_err *err)
{
    struct pick p = {0};
    int r = eg_registry_devices_each(st, limit > 0 ? limit : 1 << 30, pick_one, &p, err);
    for (int i = 0; r == 0 && i < p.n; i++)
        r = device_detail(st, &p.d[i], p.ids[i], err);
    if (r < 0 || !ids)
        free(p.ids);
    if (r < 0) {
        free(p.d);
        return r;
    }
    if (ids)
        *ids = p.ids;
    *out = p.d;
    *n = p.n;
    return 0;
}

int eg_demo_devices_last_hour(struct eg_db *st, const struct eg_sim_device *d, int n, int64_t *last,
                              struct eg_err *err)
{
    struct eg_ts *ts = NULL;
    int r = eg_ts_open(st, &ts, err);
    for (int i = 0; r == 0 && i < n; i++) {
        last[i] = 0;
        const char *code = NULL;
        if (!isfinite(eg_sim_value(&d[i], 0, 0, &code, NULL)))
            continue;
        struct eg_ts_key k[2] = {{d[i].mn, code, EG_TS_KIND_HOUR, "Avg", 0},
                                 {d[i].mn, code, EG_TS_KIND_HOUR, "Avg", 1}};
        struct eg_ts_row row[2];
        int found[2] = {0, 0};
        r = eg_ts_latest(ts, k, 2, row, found, err);
        for (int j = 0; r == 0 && j < 2; j++)
            if (found[j] && row[j].t > last[i])
                last[i] = row[j].t;
    }
    if (ts)
        eg_ts_close(ts);
    return r;
}

/* Writes the hourly values of device d for the hours [from, to) in batches of a month. */
static int device_history(struct eg_ts *ts, const struct eg_sim_device *d, int64_t from, int64_t to,
                          struct eg_demo_history *rep, struct eg_err *err)
{
    int np = eg_sim_npollutants(d);
    /* Stored as envgov's own validated hourly means (computed 1): the hours they stand for had
       their minute data, which the demo does not store. Reported hourly values (computed 0)
       would mark every (series, day) for re-aggregation, a million days for the maintenance
       job to recompute at the first start. Noise levels stay as reported (computed 0): its
       evaluation energy-averages the reported Leq only (eval/noise.c). */
    int computed = d->kind != 'n';
    const int64_t chunk = 31 * 86400;
    size_t cap = (size_t)(chunk / 3600) * (size_t)np;
    struct eg_ts_point *pt = eg_malloc(cap * sizeof *pt);
    int r = 0;
    for (int64_t c0 = from; r == 0 && c0 < to; c0 += chunk) {
        int64_t c1 = c0 + chunk < to ? c0 + chunk : to;
        size_t k = 0;
        for (int i = 0; i < np; i++) {
            const char *code = NULL;
            for (int64_t t = c0; t < c1; t += 3600) {
                double v = eg_sim_value(d, i, t, &code, NULL);
                if (!isfinite(v))
                    break;
                pt[k++] = (struct eg_ts_point){
                    {d->mn, code, EG_TS_KIND_HOUR, "Avg", computed}, t, v, 'N'};
            }
        }
        struct eg_ts_report wr = {0};
        r = eg_ts_write_batch(ts, pt, k, EG_TS_CREATE, &wr, err);
        rep->values += wr.written + wr.replaced + wr.duplicates;
        rep->series += wr.series_created;
    }
    free(pt);
    return r;
}

int eg_demo_history(struct eg_db *st, int64_t from, int64_t from_outlets, int64_t to,
                    struct eg_demo_history *rep, struct eg_err *err)
{
    memset(rep, 0, sizeof *rep);
    from -= ((from % 3600) + 3600) % 3600;
    from_outlets -= ((from_outlets % 3600) + 3600) % 3600;
    to -= ((to % 3600) + 3600) % 3600;
    rep->from = from;
    rep->to = to;
    if (to <= from && to <= from_outlets)
        return 0;
    struct eg_sim_device *devs = NULL;
    int n = 0;
    int r = eg_demo_devices(st, 0, &devs, NULL, &n, err);
    if (r < 0)
        return r;
    struct eg_ts *ts = NULL;
    r = eg_ts_open(st, &ts, err);
    if (r == 0)
        eg_ts_set_now(ts, to);
    uint64_t t0 = eg_nanos();
    for (int i = 0; r == 0 && i < n; i += 16) {
        r = eg_db_begin(st, err);
        for (int k = i; r == 0 && k < i + 16 && k < n; k++) {
            int outlet = devs[k].kind == 'w' || devs[k].kind == 'g';
            r = device_history(ts, &devs[k], outlet ? from_outlets : from, to, rep, err);
            rep->devices++;
            rep->exceeders += eg_sim_exceeder(&devs[k]);
        }
        if (r == 0)
            r = eg_db_commit(st, err);
        else
            eg_db_rollback(st);
    }
    rep->seconds = (double)(eg_nanos() - t0) / 1e9;
    if (ts)
        eg_ts_close(ts);
    free(devs);
    return r;
}

/* The demo district's own targets (seeds 002 and 003 name the kinds) for the current Beijing
   year, beside the seeds' targets for Putuo and Minhang. */
int eg__demo_targets(struct eg__demo *d)
{
    struct eg_civil c;
    eg_time_to_beijing(eg_time_now(), &c);
    static const char *const rows[] = {
        "pm25_annual_mean,le,35,ug/m3,细颗粒物（PM2.5）年均浓度稳定控制在35微克/立方米以下",
        "good_day_ratio,ge,85,percent,环境空气质量（AQI）优良率达到85%以上",
        "water_class_iii_or_better_share,ge,50,percent,市考核断面达到或好于Ⅲ类水体比例不低于50%",
        "water_worse_than_v_share,le,0,percent,全面消除劣Ⅴ类水体",
    };
    char *csv = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&csv, &len);
    fprintf(f, "id,region,metric,comparison,goal,tolerance,unit,period_start,period_end,"
               "plan_period,source,text\n");
    for (size_t i = 0; i < EG_ARRAY_LEN(rows); i++) {
        char metric[48], cmp[4], goal[8], unit[16], text[200];
        if (sscanf(rows[i], "%47[^,],%3[^,],%7[^,],%15[^,],%199[^\n]", metric, cmp, goal, unit,
                   text) != 5)
            continue;
        fprintf(f,
                "pudong_%d_%s,浦东新区,%s,%s,%s,0,%s,%d-01-01,%d-12-31,%d-%d,demo "
                "（演示目标：仿照 seeds/002、seeds/003 的指标）,%s\n",
                c.year, metric, metric, cmp, goal, unit, c.year, c.year, c.year - 2, c.year, text);
    }
    fclose(f);
    int r = eg_eval_targets_load(d->st, csv, len, NULL, d->err);
    free(csv);
    if (r < 0)
        d->failed = 1;
    return r < 0 ? -1 : 0;
}
