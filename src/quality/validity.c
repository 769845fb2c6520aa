/*
 * validity.c: which air-quality values are valid (GB 3095-2012 / GB 3095-2026 Table 4,
 * HJ 663-2013 §6.1.2) and the averages built from hourly values: moving averages, 24-h means,
 * the daily maximum 1-hour value and the daily maximum 8-hour average of O3 (MDA8).
 * standards.md §1.8, §2.2, §2.3.
 *
 * Means are exact: sums of milli values in int64, divided with half-to-even rounding to the
 * milli, so no statistic depends on the order of floating-point additions.
 */
#include "quality/quality.h"

#include "base/base.h"

void eg_quality_validity_default(int edition, struct eg_quality_validity *v)
{
    (void)edition; /* GB 3095-2012 and -2026 Table 4 give the same figures (§2.2) */
    v->hour_min_minutes = 45;
    v->day_min_hours = 20;
    v->o3_8h_min_hours = 6;
    v->mda8_min_windows = 14;
    v->mda8_exceed_limit = 160 * EG_QUALITY_MILLI; /* Grade II, UNCONFIRMED (§2.3) */
    v->o3_1h_max_min_hours = 20;                   /* UNCONFIRMED: as the 24-h rule */
    v->year_min_days = 324;
    v->month_min_days = 27;
    v->feb_min_days = 25;
}

int eg_quality_hour_valid(const struct eg_quality_validity *v, int sampled_minutes)
{
    return sampled_minutes >= v->hour_min_minutes;
}

int eg_quality_month_valid(const struct eg_quality_validity *v, int month, int n_days)
{
    return n_days >= (month == 2 ? v->feb_min_days : v->month_min_days);
}

int eg_quality_year_valid(const struct eg_quality_validity *v, const int days_per_month[12])
{
    int total = 0, ok = 1;
    for (int m = 0; m < 12; m++) {
        total += days_per_month[m];
        if (!eg_quality_month_valid(v, m + 1, days_per_month[m]))
            ok = 0;
    }
    return ok && total >= v->year_min_days;
}

static int32_t mean_of(int64_t sum, int n)
{
    return (int32_t)eg_quality_div_half_even(sum, n);
}

void eg_quality_moving_avg(const int32_t *hourly, size_t n, int window, int min_valid, int32_t *out)
{
    int64_t sum = 0;
    int cnt = 0;
    for (size_t i = 0; i < n; i++) {
        if (hourly[i] != EG_QUALITY_NA && hourly[i] >= 0) {
            sum += hourly[i];
            cnt++;
        }
        if (i >= (size_t)window) {
            int32_t old = hourly[i - (size_t)window];
            if (old != EG_QUALITY_NA && old >= 0) {
                sum -= old;
                cnt--;
            }
        }
        out[i] = cnt >= min_valid && cnt > 0 ? mean_of(sum, cnt) : EG_QUALITY_NA;
    }
}

void eg_quality_daily_means(const struct eg_quality_validity *v, const int32_t *hourly,
                            size_t ndays, int32_t *daily)
{
    for (size_t d = 0; d < ndays; d++) {
        const int32_t *h = hourly + 24 * d;
        int64_t sum = 0;
        int cnt = 0;
        for (int k = 0; k < 24; k++)
            if (h[k] != EG_QUALITY_NA && h[k] >= 0) {
                sum += h[k];
                cnt++;
            }
        /* GB 3095 Table 4: a 24-h mean needs >= 20 hourly values */
        daily[d] = cnt >= v->day_min_hours && cnt > 0 ? mean_of(sum, cnt) : EG_QUALITY_NA;
    }
}

void eg_quality_daily_max(const struct eg_quality_validity *v, const int32_t *hourly, size_t ndays,
                          int32_t *daily)
{
    for (size_t d = 0; d < ndays; d++) {
        const int32_t *h = hourly + 24 * d;
        int32_t mx = EG_QUALITY_NA;
        int cnt = 0;
        for (int k = 0; k < 24; k++)
            if (h[k] != EG_QUALITY_NA && h[k] >= 0) {
                cnt++;
                if (h[k] > mx)
                    mx = h[k];
            }
        daily[d] = cnt >= v->o3_1h_max_min_hours && cnt > 0 ? mx : EG_QUALITY_NA;
    }
}

void eg_quality_daily_mda8(const struct eg_quality_validity *v, const int32_t *hourly, size_t ndays,
                           int32_t *daily, int *n_windows)
{
    for (size_t d = 0; d < ndays; d++) {
        const int32_t *h = hourly + 24 * d;
        int64_t sum = 0, best_sum = 0;
        int cnt = 0, nwin = 0, best_cnt = 0;
        /* Windows labelled 08 … 24 cover hours 01-08 … 17-24 of the same day (§1.8). The
           largest mean is found by cross-multiplying (sum/cnt > best_sum/best_cnt), so one
           division per day; rounding is monotonic, so the max of the rounded means is the
           rounded max. */
        for (int k = 0; k < 24; k++) {
            if (h[k] != EG_QUALITY_NA && h[k] >= 0) {
                sum += h[k];
                cnt++;
            }
            if (k >= 8 && h[k - 8] != EG_QUALITY_NA && h[k - 8] >= 0) {
                sum -= h[k - 8];
                cnt--;
            }
            if (k >= 7 && cnt >= v->o3_8h_min_hours && cnt > 0) {
                if (!nwin || sum * best_cnt > best_sum * cnt) {
                    best_sum = sum;
                    best_cnt = cnt;
                }
                nwin++;
            }
        }
        int32_t mx = nwin ? mean_of(best_sum, best_cnt) : EG_QUALITY_NA;
        if (n_windows)
            n_windows[d] = nwin;
        /* HJ 663-2013 §6.1.2: >= 14 valid 8-h values, or fewer when the max exceeds the
           limit (the day certainly exceeds). */
        if (nwin >= v->mda8_min_windows || (nwin > 0 && mx > v->mda8_exceed_limit))
            daily[d] = mx;
        else
            daily[d] = EG_QUALITY_NA;
    }
}

static int32_t report_round(int co, int32_t v)
{
    if (v == EG_QUALITY_NA)
        return v;
    return (int32_t)eg_quality_round_half_even(v, co ? 100 : 1000);
}

/* Pollutant order (SO2, NO2, PM10, CO, O3, PM2.5) -> report slot. */
static const int P_SLOT[6] = {EG_QUALITY_SO2, EG_QUALITY_NO2, EG_QUALITY_PM10,
                              EG_QUALITY_CO,  EG_QUALITY_O3,  EG_QUALITY_PM25};

void eg_quality_daily_inputs(const struct eg_quality_validity *v, const int32_t *const hourly[6],
                             size_t ndays, int round, struct eg_quality_aqi_input *out)
{
    for (size_t d = 0; d < ndays; d++) {
        for (int s = 0; s < EG_QUALITY_SLOTS; s++)
            out[d].c[s] = EG_QUALITY_NA;
        out[d].so2_24h = EG_QUALITY_NA;
    }
    for (int p = 0; p < 6; p++) {
        if (!hourly[p])
            continue;
        for (size_t d = 0; d < ndays; d++) {
            const int32_t *h = hourly[p] + 24 * d;
            int32_t x;
            if (P_SLOT[p] == EG_QUALITY_O3) {
                eg_quality_daily_max(v, h, 1, &x);
                out[d].c[EG_QUALITY_O3] = round ? report_round(0, x) : x;
                eg_quality_daily_mda8(v, h, 1, &x, NULL);
                out[d].c[EG_QUALITY_O3_8H] = round ? report_round(0, x) : x;
            } else {
                eg_quality_daily_means(v, h, 1, &x);
                out[d].c[P_SLOT[p]] = round ? report_round(P_SLOT[p] == EG_QUALITY_CO, x) : x;
            }
        }
    }
}

void eg_quality_realtime_inputs(const struct eg_quality_validity *v, const int32_t *const hourly[6],
                                size_t n, struct eg_quality_aqi_input *out)
{
    for (size_t i = 0; i < n; i++) {
        for (int p = 0; p < 6; p++) {
            int32_t x = hourly[p] ? hourly[p][i] : EG_QUALITY_NA;
            out[i].c[P_SLOT[p]] = x >= 0 ? x : EG_QUALITY_NA;
        }
        out[i].c[EG_QUALITY_O3_8H] = EG_QUALITY_NA;
        out[i].so2_24h = EG_QUALITY_NA;
    }
    /* moving averages written straight into the inputs, one window at a time */
    struct {
        int p, window, min, slot;
    } mv[2] = {{4, 8, v->o3_8h_min_hours, EG_QUALITY_O3_8H}, {0, 24, v->day_min_hours, -1}};
    for (int k = 0; k < 2; k++) {
        const int32_t *h = hourly[mv[k].p];
        if (!h)
            continue;
        int64_t sum = 0;
        int cnt = 0;
        for (size_t i = 0; i < n; i++) {
            if (h[i] != EG_QUALITY_NA && h[i] >= 0) {
                sum += h[i];
                cnt++;
            }
            if (i >= (size_t)mv[k].window) {
                int32_t old = h[i - (size_t)mv[k].window];
                if (old != EG_QUALITY_NA && old >= 0) {
                    sum -= old;
                    cnt--;
                }
            }
            int32_t m = cnt >= mv[k].min && cnt > 0 ? mean_of(sum, cnt) : EG_QUALITY_NA;
            if (mv[k].slot >= 0)
                out[i].c[mv[k].slot] = m;
            else
                out[i].so2_24h = m;
        }
    }
}

void eg_quality_region_hourly(const int32_t *const *stations, size_t k, size_t n, int min_stations,
                              int32_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int64_t sum = 0;
        int cnt = 0;
        for (size_t j = 0; j < k; j++) {
            if (!stations[j])
                continue;
            int32_t x = stations[j][i];
            if (x != EG_QUALITY_NA && x >= 0) {
                sum += x;
                cnt++;
            }
        }
        out[i] = cnt > 0 && cnt >= min_stations ? mean_of(sum, cnt) : EG_QUALITY_NA;
    }
}
