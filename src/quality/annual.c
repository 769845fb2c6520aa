/*
 * annual.c: annual air-quality evaluation (HJ 663-2013, standards.md §3): the HJ 663
 * percentile, per-pollutant annual statistics against the GB 3095 limits, compliance (达标),
 * the good-day ratio (优良天数比率) and the composite index.
 *
 * One call evaluates one station-year from its hourly values: 24-h means and MDA8 by the
 * validity rules (validity.c), the daily AQI of every day by the edition in force that day
 * (aqi.c), then the statistics. Everything is integer except the reported ratios and
 * multiples; working arrays live on the stack (a year has at most 366 days), so the
 * evaluation of 1,600 stations allocates nothing.
 */
#include "quality/quality.h"

#include "base/base.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- percentile (HJ 663 §3.2) */

static void swap32(int32_t *a, int32_t *b)
{
    int32_t t = *a;
    *a = *b;
    *b = t;
}

/* Places the k-th smallest (0-based) of v[0..n) at v[k], smaller ones before it (quickselect,
   median of three; O(n) on average, no allocation). */
static void select_kth(int32_t *v, size_t n, size_t kk)
{
    long lo = 0, hi = (long)n - 1, k = (long)kk;
    while (hi > lo) {
        long mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo])
            swap32(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swap32(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swap32(&v[hi], &v[mid]);
        int32_t pivot = v[mid];
        long i = lo, j = hi;
        while (i <= j) { /* Hoare partition: v[lo..j] <= pivot <= v[i..hi] */
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                swap32(&v[i], &v[j]);
                i++;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return; /* v[j+1..i-1] all equal the pivot */
    }
}

int eg_quality_percentile(int32_t *values, size_t n, int p, int32_t *out)
{
    if (p < 0 || p > 100)
        return EG_EINVAL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) /* valid values only */
        if (values[i] != EG_QUALITY_NA)
            values[m++] = values[i];
    if (m == 0)
        return EG_EINVAL;
    /* k = 1 + (m-1)p/100 exactly: s = 1 + t/100, fraction (t mod 100)/100, t = (m-1)p */
    uint64_t t = (uint64_t)(m - 1) * (uint64_t)p;
    size_t s = (size_t)(t / 100) + 1; /* 1-based */
    int64_t frac = (int64_t)(t % 100);
    select_kth(values, m, s - 1);
    int32_t xs = values[s - 1];
    if (s >= m || frac == 0) {
        *out = xs;
        return 0;
    }
    int32_t xs1 = values[s]; /* X(s+1) = smallest of the part above s-1 */
    for (size_t i = s + 1; i < m; i++)
        if (values[i] < xs1)
            xs1 = values[i];
    int64_t num = (int64_t)xs * 100 + ((int64_t)xs1 - xs) * frac;
    *out = (int32_t)eg_quality_div_half_even(num, 100);
    return 0;
}

/* ---------------------------------------------------------------- limits (GB 3095) */

#define NA EG_QUALITY_NA
#define M(x) ((int32_t)((x)*EG_QUALITY_MILLI))

/* Slot order SO2, NO2, PM10, CO (mg/m³), O3 (MDA8 / 1-h), PM2.5. */
static const struct eg_quality_limits LIM_2012[2] = {
    /* GB 3095-2012 Table 1, Grade I (standards.md §2.1) */
    {{M(20), M(40), M(40), NA, NA, M(15)},
     {M(50), M(80), M(50), M(4), M(100), M(35)},
     {M(150), M(200), NA, M(10), M(160), NA}},
    /* Grade II */
    {{M(60), M(40), M(70), NA, NA, M(35)},
     {M(150), M(80), M(150), M(4), M(160), M(75)},
     {M(500), M(200), NA, M(10), M(200), NA}},
};
/* GB 3095-2026 Table 1, transition limits to 2030-12-31 (standards.md §2.4). */
static const struct eg_quality_limits LIM_2026_TRANSITION[2] = {
    {{M(20), M(40), M(40), NA, NA, M(15)},
     {M(50), M(80), M(50), M(4), M(100), M(35)},
     {M(150), M(200), NA, M(10), M(160), NA}},
    {{M(60), M(40), M(60), NA, NA, M(30)},
     {M(150), M(80), M(120), M(4), M(160), M(60)},
     {M(500), M(200), NA, M(10), M(200), NA}},
};
/* GB 3095-2026 Table 1, from 2031-01-01. */
static const struct eg_quality_limits LIM_2026_FINAL[2] = {
    {{M(20), M(30), M(20), NA, NA, M(10)},
     {M(50), M(50), M(50), M(4), M(100), M(25)},
     {M(150), M(200), NA, M(10), M(160), NA}},
    {{M(20), M(30), M(50), NA, NA, M(25)},
     {M(50), M(50), M(100), M(4), M(160), M(50)},
     {M(150), M(200), NA, M(10), M(200), NA}},
};

int eg_quality_limits_get(int edition, int grade, int year, struct eg_quality_limits *out)
{
    if (grade != 1 && grade != 2)
        return EG_EINVAL;
    if (edition == EG_QUALITY_ED_2012)
        *out = LIM_2012[grade - 1];
    else if (edition == EG_QUALITY_ED_2026)
        *out = year >= 2031 ? LIM_2026_FINAL[grade - 1] : LIM_2026_TRANSITION[grade - 1];
    else
        return EG_EINVAL;
    return 0;
}

/* ---------------------------------------------------------------- ratios */

double eg_quality_good_ratio(int good_days, int valid_days)
{
    return valid_days > 0 ? 100.0 * good_days / valid_days : NAN;
}

int eg_quality_good_ratio_tenths(int good_days, int valid_days)
{
    if (valid_days <= 0 || good_days < 0)
        return -1;
    return (int)eg_quality_div_half_even((int64_t)good_days * 1000, valid_days);
}

/* ---------------------------------------------------------------- annual evaluation */

void eg_quality_annual_config_default(struct eg_quality_annual_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->grade = 2;
    cfg->edition = EG_QUALITY_ED_AUTO;
    cfg->round_daily = 1;
    cfg->compare_rounded = 1;
    cfg->validity_co_o3 = 1;
    cfg->partial_polluted_days = 1;
    eg_quality_validity_default(EG_QUALITY_ED_2012, &cfg->validity);
    eg_quality_aqi_config_default(&cfg->aqi);
}

/* Pollutant index (0..5) -> report slot. */
static const int P_SLOT[EG_QUALITY_POLLUTANTS] = {EG_QUALITY_SO2, EG_QUALITY_NO2, EG_QUALITY_PM10,
                                                  EG_QUALITY_CO,  EG_QUALITY_O3,  EG_QUALITY_PM25};
/* The daily value each annual statistic is taken from: O3 through MDA8 (HJ 663 §3.1). */
static const int P_STAT[EG_QUALITY_POLLUTANTS] = {EG_QUALITY_SO2,   EG_QUALITY_NO2,
                                                  EG_QUALITY_PM10,  EG_QUALITY_CO,
                                                  EG_QUALITY_O3_8H, EG_QUALITY_PM25};
/* HJ 663 percentiles (standards.md §3.1): SO2/NO2 98, PM10/PM2.5/CO 95, O3 MDA8 90. */
static const int P_PCT[EG_QUALITY_POLLUTANTS] = {98, 98, 95, 95, 90, 95};

static int32_t report_round(int p, int32_t v)
{
    if (v == NA)
        return NA;
    /* integer µg/m³, CO 0.1 mg/m³ (practice [S8], HJ 633-2026 §4.2.2) */
    return (int32_t)eg_quality_round_half_even(v, P_SLOT[p] == EG_QUALITY_CO ? 100 : 1000);
}

static double multiple(int32_t c, int32_t s)
{
    if (c == NA || s == NA || s <= 0 || c <= s)
        return 0.0;
    return (double)(c - s) / (double)s; /* 超标倍数 (C - S)/S, standards.md §3.3 */
}

int eg_quality_annual_eval(int year, const int32_t *const hourly[EG_QUALITY_POLLUTANTS],
                           size_t ndays, const struct eg_quality_annual_config *cfg,
                           struct eg_quality_annual *out)
{
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (ndays != (size_t)(365 + leap) || year < 1900 || year > 9999)
        return EG_EINVAL;
    return eg_quality_period_eval(eg_days_from_civil(year, 1, 1), hourly, ndays, cfg, out);
}

int eg_quality_period_eval(int64_t first_day, const int32_t *const hourly[EG_QUALITY_POLLUTANTS],
                           size_t ndays, const struct eg_quality_annual_config *cfg,
                           struct eg_quality_annual *out)
{
    struct eg_quality_annual_config defcfg;
    if (!cfg) {
        eg_quality_annual_config_default(&defcfg);
        cfg = &defcfg;
    }
    if (ndays < 1 || ndays > 366 || first_day < eg_days_from_civil(1900, 1, 1) ||
        first_day > eg_days_from_civil(9999, 1, 1))
        return EG_EINVAL;
    int y0, m0, d0, y1, m1, d1;
    eg_civil_from_days(first_day, &y0, &m0, &d0);
    eg_civil_from_days(first_day + (int64_t)ndays - 1, &y1, &m1, &d1);
    int year = y0;
    int full_year = m0 == 1 && d0 == 1 && m1 == 12 && d1 == 31 && y0 == y1;
    memset(out, 0, sizeof *out);
    out->year = year;
    out->ndays = (int)ndays;
    /* the edition (and the GB 3095-2026 transition/final limits) in force on the last day */
    out->edition = cfg->edition ? cfg->edition : eg_quality_edition_on(y1, m1, d1);
    struct eg_quality_limits lim;
    if (eg_quality_limits_get(out->edition, cfg->grade, y1, &lim))
        return EG_EINVAL;

    /* Daily report inputs (24-h means, O3 max 1-h and MDA8) by the validity rules. */
    struct eg_quality_aqi_input din[366];
    unsigned char month_of[366];  /* month index within the span, 0..12 */
    unsigned char cal_month[13];  /* its calendar month 1..12 */
    unsigned char full_month[13]; /* the span covers the whole month */
    signed char ed_of[366];
    int32_t work[366];
    int nmonths = (y1 * 12 + m1) - (y0 * 12 + m0) + 1;
    for (int k = 0; k < nmonths; k++) {
        int mm = (m0 - 1 + k) % 12 + 1;
        cal_month[k] = (unsigned char)mm;
        full_month[k] =
            !((k == 0 && d0 != 1) || (k == nmonths - 1 && d1 != eg_days_in_month(y1, m1)));
    }
    for (size_t d = 0; d < ndays; d++) {
        int yy, mm, dd;
        eg_civil_from_days(first_day + (int64_t)d, &yy, &mm, &dd);
        month_of[d] = (unsigned char)((yy * 12 + mm) - (y0 * 12 + m0));
        ed_of[d] = eg_quality_edition_on(yy, mm, dd) == EG_QUALITY_ED_2026;
    }
    eg_quality_daily_inputs(&cfg->validity, hourly, ndays, cfg->round_daily, din);

    /* Per-pollutant statistics. */
    int all = 1, any_bad = 0;
    double composite = 0.0;
    for (int p = 0; p < EG_QUALITY_POLLUTANTS; p++) {
        struct eg_quality_annual_stat *st = &out->p[p];
        int per_month[13] = {0};
        int64_t sum = 0;
        int n = 0;
        int32_t mx = NA;
        for (size_t d = 0; d < ndays; d++) {
            int32_t v = din[d].c[P_STAT[p]];
            if (v == NA)
                continue;
            work[n++] = v;
            sum += v;
            per_month[month_of[d]]++;
            if (v > mx)
                mx = v;
        }
        st->valid_days = n;
        st->pct = P_PCT[p];
        st->max_daily = mx;
        st->mean = NA;
        st->percentile = NA;
        int has_mean = lim.annual[p] != NA;
        if (n > 0) {
            if (has_mean)
                st->mean = (int32_t)eg_quality_div_half_even(sum, n);
            eg_quality_percentile(work, (size_t)n, P_PCT[p], &st->percentile);
        }
        /* GB 3095 Table 4 annual validity; CO and O3 by the same rule unless configured off */
        if (!(has_mean || cfg->validity_co_o3)) {
            st->valid = n > 0;
        } else if (full_year) {
            st->valid = eg_quality_year_valid(&cfg->validity, per_month);
        } else { /* any other span: every whole month valid; partial months exempt */
            st->valid = n > 0;
            for (int k = 0; k < nmonths; k++)
                if (full_month[k] &&
                    !eg_quality_month_valid(&cfg->validity, cal_month[k], per_month[k]))
                    st->valid = 0;
        }
        int32_t cm = st->mean, cp = st->percentile;
        if (cfg->compare_rounded) {
            cm = report_round(p, cm);
            cp = report_round(p, cp);
        }
        if (!st->valid) {
            st->compliant = -1;
            all = 0;
        } else {
            int ok = cp <= lim.daily[p] && (!has_mean || cm <= lim.annual[p]);
            st->compliant = ok;
            if (!ok)
                any_bad = 1;
        }
        st->exceed_mean = has_mean ? multiple(cm, lim.annual[p]) : 0.0;
        st->exceed_pct = multiple(cp, lim.daily[p]);
        /* 综合指数 (§3.5): annual means over annual limits; CO P95 / 24-h limit; O3 P90 / MDA8 */
        int32_t cv = has_mean ? cm : cp, sv = has_mean ? lim.annual[p] : lim.daily[p];
        if (cv == NA || composite != composite)
            composite = NAN;
        else
            composite += (double)cv / (double)sv;
    }
    out->composite = composite;
    out->compliant = any_bad ? 0 : all ? 1 : -1;

    /* Daily AQI, by the edition in force on each day (HJ 633 §5.1.2 / 2026 §5.2.1). */
    struct eg_quality_aqi_config acfg = cfg->aqi;
    acfg.withhold_2026 = 0; /* counting, not publishing: the partial rule below decides */
    for (size_t d = 0; d < ndays; d++) {
        int ed = ed_of[d] ? EG_QUALITY_ED_2026 : EG_QUALITY_ED_2012;
        struct eg_quality_aqi r;
        eg_quality_aqi_compute(ed, 1, &din[d], &acfg, &r);
        if (r.aqi < 0)
            continue;
        if (r.missing && !(cfg->partial_polluted_days && r.aqi > 100))
            continue;
        out->days_valid++;
        out->days_level[r.level]++;
        if (r.aqi <= 100)
            out->days_good++;
        for (int s = 0; s < EG_QUALITY_SLOTS; s++)
            if (r.primary & (1u << s))
                out->days_primary[s]++;
    }
    out->good_ratio = eg_quality_good_ratio(out->days_good, out->days_valid);
    return 0;
}
