/*
 * credit_exceed.c: the credit inputs "exceedance_rate" and "compliance_rate" from the platform's
 * own records for the rating year (issue 13 item 2; governance.md §1: "exceedance rate from online
 * data"). The national 2013 scheme's indicator 大气及水污染物达标排放 (环发〔2013〕150号, as
 * cn-credit-2013.rs encodes it) takes "the lowest outlet compliance rate of the year"; Shanghai's
 * 2020-year 达标排放 the same input. Per outlet (registry: the outlet's devices and the pollutants
 * its permit limits):
 *     exceedance hours = Σ hits of the rules engine's limit_exceed alerts opened in the year (one
 *                        hit per hourly mean over the permit limit), per device and pollutant;
 *     hours of data    = Σ hours with a valid hourly mean of those series (ts: hourly data, else
 *                        the hours of minute or real-time data, as the rules engine reads them);
 *     exceedance rate  = exceedance hours / hours of data (pollutant-hours);
 * the unit's exceedance_rate is its worst outlet's, compliance_rate = 1 − that. An outlet without
 * hours of data does not count; a unit with none gets no value (the indicator's missing score).
 * The working, outlet by outlet, is kept with the rating (detail_zh in the explanation).
 * UNCONFIRMED: the schemes speak of supervisory monitoring (监督性监测) samples; the platform
 * counts the online monitoring's hourly means, which an officer may override with an entry.
 */
#include "govern/internal.h"
#include "rules/rules.h"
#include "ts/ts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct exc {
    int64_t unit;
    char *source, *pollutant;
    int64_t hours;
};

struct lim {
    int64_t unit, outlet;
    char *code, *mn, *pollutant;
};

struct acc {
    struct exc *e;
    size_t ne, ce;
    struct lim *l;
    size_t nl, cl;
};

static int take_exc(void *arg, int64_t unit, const char *source, const char *pollutant,
                    int64_t hours)
{
    struct acc *a = arg;
    if (a->ne == a->ce) {
        a->ce = a->ce ? a->ce * 2 : 64;
        a->e = eg_realloc(a->e, a->ce * sizeof *a->e);
    }
    a->e[a->ne++] = (struct exc){unit, eg_strdup(source ? source : ""),
                                 eg_strdup(pollutant ? pollutant : ""), hours};
    return 0;
}

static int take_lim(void *arg, const struct eg_registry_limited *l)
{
    struct acc *a = arg;
    if (a->nl == a->cl) {
        a->cl = a->cl ? a->cl * 2 : 64;
        a->l = eg_realloc(a->l, a->cl * sizeof *a->l);
    }
    a->l[a->nl++] = (struct lim){l->unit_id, l->outlet_id, eg_strdup(l->outlet_code),
                                 eg_strdup(l->mn), eg_strdup(l->pollutant)};
    return 0;
}

static int64_t exceed_hours(const struct acc *a, int64_t unit, const char *mn, const char *pol)
{
    for (size_t i = 0; i < a->ne; i++) /* few alerts per year: a scan is enough */
        if (a->e[i].unit == unit && !strcmp(a->e[i].source, mn) && !strcmp(a->e[i].pollutant, pol))
            return a->e[i].hours;
    return 0;
}

/* Hours in [from, to) with a valid hourly mean of a device's pollutant: the first kind that has
   data, hourly, then minute, then real-time, converted (Zs) or plain, as the rules engine reads. */
static int data_hours(struct eg_ts *ts, const char *mn, const char *pol, int64_t from, int64_t to,
                      int64_t *hours, struct eg_err *err)
{
    static const struct {
        int kind;
        const char *zs, *plain;
    } tries[] = {{EG_TS_KIND_HOUR, "ZsAvg", "Avg"},
                 {EG_TS_KIND_MINUTE, "ZsAvg", "Avg"},
                 {EG_TS_KIND_RTD, "ZsRtd", "Rtd"}};
    *hours = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(tries); i++)
        for (int z = 0; z < 2; z++) {
            struct eg_ts_key k = {mn, pol, tries[i].kind, z ? tries[i].plain : tries[i].zs, 0};
            struct eg_ts_bucket *b = NULL;
            size_t n = 0;
            struct eg_err e = {0};
            int rc = eg_ts_query_buckets(ts, &k, from, to, 3600, EG_TS_REVIEWED, &b, &n, &e);
            if (rc == EG_ENOTFOUND || rc == EG_EINVAL) /* no such series (or not a valid key) */
                continue;
            if (rc < 0) {
                *err = e;
                return rc;
            }
            int64_t h = 0;
            for (size_t j = 0; j < n; j++)
                h += b[j].count && isfinite(b[j].avg);
            free(b);
            if (h) {
                *hours = h;
                return 0;
            }
        }
    return 0;
}

int eg__gov_exceedance_provider(struct eg_db *db, int year, const char *input, eg_credit_put_fn put,
                                void *ctx, struct eg_err *err)
{
    (void)put; /* the run's put, with the working kept: eg__gov_credit_put_note */
    int compliance = !strcmp(input, "compliance_rate");
    struct eg_civil ya = {year, 1, 1, 0, 0, 0, 0}, yb = {year + 1, 1, 1, 0, 0, 0, 0};
    int64_t from = eg_time_from_beijing(&ya), to = eg_time_from_beijing(&yb);
    struct acc a = {0};
    struct eg_ts *ts = NULL;
    int rc = eg_alerts_exceed_hours(db, from, to, take_exc, &a, err);
    if (rc >= 0)
        rc = eg_registry_limited_series_each(db, take_lim, &a, err);
    if (rc >= 0 && a.nl)
        rc = eg_ts_open(db, &ts, err);
    struct eg_buf note = {0};
    double worst = NAN;
    int64_t oe = 0, od = 0; /* the current outlet's exceedance and data hours */
    for (size_t i = 0; rc >= 0 && i < a.nl; i++) {
        const struct lim *l = &a.l[i];
        int64_t dh = 0;
        rc = data_hours(ts, l->mn, l->pollutant, from, to, &dh, err);
        if (rc < 0)
            break;
        od += dh;
        oe += exceed_hours(&a, l->unit, l->mn, l->pollutant);
        int last_of_outlet = i + 1 == a.nl || a.l[i + 1].outlet != l->outlet;
        if (last_of_outlet) {
            if (od > 0) {
                double r = (double)oe / (double)od;
                if (r > 1)
                    r = 1; /* hits counted twice for one hour cannot make it worse than all */
                eg_buf_printf(&note,
                              "排放口 %s：超标 %lld 小时 / 有效小时数据 %lld 小时 = 超标率 "
                              "%.2f%%（达标率 %.2f%%）；",
                              l->code, (long long)oe, (long long)od, r * 100, (1 - r) * 100);
                if (isnan(worst) || r > worst)
                    worst = r;
            } else {
                eg_buf_printf(&note, "排放口 %s：全年无有效小时数据，不计；", l->code);
            }
            oe = od = 0;
        }
        int last_of_unit = i + 1 == a.nl || a.l[i + 1].unit != l->unit;
        if (last_of_unit) {
            if (!isnan(worst)) {
                eg_buf_printf(&note,
                              "取最差排放口：超标率 %.2f%%，达标率 %.2f%%（%d 年在线监测小时均值与"
                              "超标预警 limit_exceed）",
                              worst * 100, (1 - worst) * 100, year);
                eg__gov_credit_put_note(ctx, l->unit, compliance ? 1 - worst : worst, note.data);
            }
            note.len = 0;
            if (note.data)
                note.data[0] = 0;
            worst = NAN;
        }
    }
    eg_buf_free(&note);
    if (ts)
        eg_ts_close(ts);
    for (size_t i = 0; i < a.ne; i++) {
        free(a.e[i].source);
        free(a.e[i].pollutant);
    }
    for (size_t i = 0; i < a.nl; i++) {
        free(a.l[i].code);
        free(a.l[i].mn);
        free(a.l[i].pollutant);
    }
    free(a.e);
    free(a.l);
    return rc < 0 ? rc : 0;
}
