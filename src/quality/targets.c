/*
 * targets.c: targets as pure functions. A target is a metric (good-day ratio, PM2.5 annual
 * mean, share of water sections of class III or better, noise compliance …), a comparison and a
 * goal over a period; progress is the value so far, whether it meets the goal, whether the
 * present pace meets it by the end, and what is left (e.g. good days still needed among the
 * days remaining). The seeds' targets are in data/quality/targets_seed.csv.
 *
 * Goals are milli fixed point, counts integers; the "what is left" arithmetic is exact integer
 * arithmetic so that "needs 12 more good days" is never off by one through rounding.
 */
#include "quality/quality.h"

#include "base/base.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *name;
    int kind;
} METRICS[EG_QT_METRICS] = {
    [EG_QT_GOOD_DAY_RATIO] = {"good_day_ratio", EG_QT_KIND_RATIO},
    [EG_QT_PM25_ANNUAL_MEAN] = {"pm25_annual_mean", EG_QT_KIND_MEAN},
    [EG_QT_PM10_ANNUAL_MEAN] = {"pm10_annual_mean", EG_QT_KIND_MEAN},
    [EG_QT_WATER_III_SHARE] = {"water_class_iii_or_better_share", EG_QT_KIND_RATIO},
    [EG_QT_WATER_WORSE_V_SHARE] = {"water_worse_than_v_share", EG_QT_KIND_RATIO},
    [EG_QT_NOISE_DAY_COMPLIANCE] = {"noise_day_compliance", EG_QT_KIND_RATIO},
    [EG_QT_NOISE_NIGHT_COMPLIANCE] = {"noise_night_compliance", EG_QT_KIND_RATIO},
    [EG_QT_HEAVY_POLLUTION_DAYS] = {"heavy_pollution_days", EG_QT_KIND_COUNT},
};
static const char *const CMP[] = {"ge", "gt", "le", "lt", "about"};

int eg_quality_metric_kind(int metric)
{
    return metric >= 0 && metric < EG_QT_METRICS ? METRICS[metric].kind : -1;
}

const char *eg_quality_metric_name(int metric)
{
    return metric >= 0 && metric < EG_QT_METRICS ? METRICS[metric].name : "";
}

int eg_quality_metric_parse(const char *s)
{
    for (int m = 0; m < EG_QT_METRICS; m++)
        if (!strcmp(s, METRICS[m].name))
            return m;
    return -1;
}

const char *eg_quality_cmp_name(int cmp)
{
    return cmp >= 0 && cmp <= EG_QT_ABOUT ? CMP[cmp] : "";
}

int eg_quality_cmp_parse(const char *s)
{
    static const char *const SYM[] = {">=", ">", "<=", "<", "~"};
    for (int c = 0; c <= EG_QT_ABOUT; c++)
        if (!strcmp(s, CMP[c]) || !strcmp(s, SYM[c]))
            return c;
    return -1;
}

/* a ? b for exact integers under cmp (ABOUT: a >= b, the tolerance already applied to b). */
static int compare(int cmp, int64_t a, int64_t b)
{
    switch (cmp) {
    case EG_QT_GT:
        return a > b;
    case EG_QT_LE:
        return a <= b;
    case EG_QT_LT:
        return a < b;
    default:
        return a >= b;
    }
}

static int64_t floor_div(int64_t a, int64_t b) /* b > 0 */
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t ceil_div(int64_t a, int64_t b) /* b > 0 */
{
    return -floor_div(-a, b);
}

int eg_quality_target_progress(const struct eg_quality_target *t,
                               const struct eg_quality_progress_in *in,
                               struct eg_quality_progress *out)
{
    int kind = eg_quality_metric_kind(t->metric);
    if (kind < 0 || t->cmp < 0 || t->cmp > EG_QT_ABOUT || in->num < 0 || in->den < 0 ||
        in->remaining < 0)
        return EG_EINVAL;
    memset(out, 0, sizeof *out);
    out->value = NAN;
    out->left = NAN;
    int64_t g = t->cmp == EG_QT_ABOUT ? t->goal - t->tolerance : t->goal; /* milli */
    int cmp = t->cmp;
    int upper = cmp == EG_QT_LE || cmp == EG_QT_LT; /* the goal is a ceiling */
    int64_t R = in->remaining;

    if (kind == EG_QT_KIND_RATIO) {
        if (in->den == 0 && R == 0)
            return 0;
        int64_t num = in->num, den = in->den;
        if (den > 0) {
            out->valid = 1;
            out->value = 100.0 * (double)num / (double)den;
            /* percent * 1000: 100000 num ? g den, exact */
            out->met = compare(cmp, 100000 * num, g * den);
            out->on_track = out->met; /* the pace so far, continued, gives the same ratio */
        }
        int64_t tot = den + R;   /* units at the end of the period */
        int64_t bound = g * tot; /* 100000 * final num compared with this */
        int64_t x;
        if (!upper) {
            /* least x with 100000 (num + x) >=/> bound */
            x = cmp == EG_QT_GT ? floor_div(bound, 100000) + 1 - num
                                : ceil_div(bound, 100000) - num;
            if (x < 0)
                x = 0;
            /* future units (days) or, with nothing to come, units to convert (sections) */
            out->achievable = R > 0 ? x <= R : x <= den - num;
        } else {
            /* most units that may still count: 100000 (num + x) <=/< bound */
            int64_t most = cmp == EG_QT_LT ? ceil_div(bound, 100000) - 1 - num
                                           : floor_div(bound, 100000) - num;
            if (R > 0) {
                x = most < 0 ? 0 : most; /* budget of bad units left */
                out->achievable = most >= 0;
            } else {
                x = most < 0 ? -most : 0; /* units to bring back under the goal */
                out->achievable = 1;
            }
        }
        out->left_units = x;
        out->left = (double)x;
        return 0;
    }

    if (kind == EG_QT_KIND_MEAN) {
        if (in->den == 0)
            return 0;
        out->valid = 1;
        out->value = (double)in->num / (double)in->den / 1000.0;
        /* compared as published: integer µg/m³, half to even (HJ 663 via GB/T 8170) */
        int64_t rounded = eg_quality_div_half_even(in->num, in->den * 1000) * 1000;
        out->met = compare(cmp, rounded, g);
        out->on_track = out->met;
        if (R == 0) {
            out->achievable = out->met;
            return 0;
        }
        /* the mean the remaining days may have (upper) or need (lower) so the final mean,
           num + y R over den + R, meets g; reported unrounded */
        double y = ((double)g * (double)(in->den + R) - (double)in->num) / (double)R / 1000.0;
        out->left = y;
        out->achievable = upper ? y >= 0.0 : 1;
        return 0;
    }

    /* COUNT: den = days elapsed so far (for the pace), num = occurrences */
    out->valid = 1;
    out->value = (double)in->num;
    int64_t gc = upper ? floor_div(g, 1000) : ceil_div(g, 1000);
    out->met = compare(cmp, in->num * 1000, g);
    if (in->den > 0) { /* projected to the end of the period at the present pace */
        int64_t tot = in->den + R;
        out->on_track = compare(cmp, in->num * tot * 1000, g * in->den);
    } else {
        out->on_track = out->met;
    }
    if (upper) {
        int64_t most = (cmp == EG_QT_LT && gc * 1000 == g ? gc - 1 : gc) - in->num;
        out->left_units = most < 0 ? 0 : most;
        out->achievable = most >= 0;
    } else {
        int64_t need = (cmp == EG_QT_GT && gc * 1000 == g ? gc + 1 : gc) - in->num;
        out->left_units = need < 0 ? 0 : need;
        out->achievable = out->left_units <= R;
    }
    out->left = (double)out->left_units;
    return 0;
}

int eg_quality_progress_from_days(int metric, const int *daily_aqi, const int32_t *daily_milli,
                                  size_t n, int64_t remaining, struct eg_quality_progress_in *out)
{
    if (remaining < 0)
        return EG_EINVAL;
    memset(out, 0, sizeof *out);
    out->remaining = remaining;
    switch (metric) {
    case EG_QT_GOOD_DAY_RATIO:       /* 优良天数比率: AQI <= 100 among valid days (§3.4) */
    case EG_QT_HEAVY_POLLUTION_DAYS: /* 重污染: AQI > 200 (levels 5 and 6) */
        if (!daily_aqi && n)
            return EG_EINVAL;
        for (size_t i = 0; i < n; i++) {
            if (metric == EG_QT_HEAVY_POLLUTION_DAYS) {
                out->den++; /* days elapsed, for the pace */
                out->num += daily_aqi[i] > 200;
            } else if (daily_aqi[i] >= 0) {
                out->den++;
                out->num += daily_aqi[i] <= 100;
            }
        }
        return 0;
    case EG_QT_PM25_ANNUAL_MEAN:
    case EG_QT_PM10_ANNUAL_MEAN:
        if (!daily_milli && n)
            return EG_EINVAL;
        for (size_t i = 0; i < n; i++)
            if (daily_milli[i] != EG_QUALITY_NA && daily_milli[i] >= 0) {
                out->num += daily_milli[i];
                out->den++;
            }
        return 0;
    default:
        return EG_EINVAL;
    }
}
