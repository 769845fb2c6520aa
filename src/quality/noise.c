/*
 * noise.c: acoustic environment quality by GB 3096-2008 (standards.md §5): energy-average
 * equivalent levels (Leq; never arithmetic means of dB), day (昼间) and night (夜间) levels,
 * compliance per functional zone class (Table 1, §5.2-§5.4).
 *
 * Levels are doubles: the definition is logarithmic. Comparisons with limits are made on the
 * value rounded to 0.1 dB, the reporting precision (UNCONFIRMED, §10 item 10), so a computed
 * 60.04 complies with a limit of 60 exactly as the published 60.0 would.
 */
#include "quality/quality.h"

#include "base/base.h"

#include <math.h>
#include <string.h>

double eg_quality_leq(const double *levels, const double *durations, size_t n)
{
    /* Leq = 10 lg(Σ t_i 10^(0.1 L_i) / Σ t_i) (GB/T 14623 definition, §5.3); to keep precision
       the powers are taken relative to the loudest reading. */
    double mx = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (!isnan(levels[i]) && (!durations || durations[i] > 0) && levels[i] > mx)
            mx = levels[i];
    if (mx == -INFINITY)
        return NAN;
    double e = 0.0, t = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(levels[i]))
            continue;
        double w = durations ? durations[i] : 1.0;
        if (!(w > 0))
            continue;
        e += w * pow(10.0, 0.1 * (levels[i] - mx));
        t += w;
    }
    return mx + 10.0 * log10(e / t);
}

void eg_quality_noise_config_default(struct eg_quality_noise_config *cfg)
{
    cfg->day_start_hour = 6;    /* 昼间 06:00-22:00 (§5.2) */
    cfg->night_start_hour = 22; /* 夜间 22:00-06:00 next day */
    cfg->min_day_hours = 1;
    cfg->min_night_hours = 1;
}

void eg_quality_noise_day_night(const struct eg_quality_noise_config *cfg, const double *hourly,
                                size_t ndays, double *ld, double *ln)
{
    struct eg_quality_noise_config def;
    if (!cfg) {
        eg_quality_noise_config_default(&def);
        cfg = &def;
    }
    size_t total = 24 * ndays;
    int ds = cfg->day_start_hour, ns = cfg->night_start_hour;
    if (ds < 0 || ds > 23 || ns <= ds || ns > 24) { /* a split that is not a day and a night */
        for (size_t d = 0; d < ndays; d++)
            ld[d] = ln[d] = NAN;
        return;
    }
    int day_len = ns - ds, night_len = 24 - day_len;
    for (size_t d = 0; d < ndays; d++) {
        double buf[24];
        int n = 0;
        for (int h = ds; h < ns; h++) {
            double x = hourly[24 * d + (size_t)h];
            if (!isnan(x))
                buf[n++] = x;
        }
        ld[d] = n >= cfg->min_day_hours && n > 0 ? eg_quality_leq(buf, NULL, (size_t)n) : NAN;
        n = 0;
        for (int k = 0; k < night_len; k++) {
            size_t i = 24 * d + (size_t)ns + (size_t)k;
            if (i >= total)
                break;
            if (!isnan(hourly[i]))
                buf[n++] = hourly[i];
        }
        ln[d] = n >= cfg->min_night_hours && n > 0 ? eg_quality_leq(buf, NULL, (size_t)n) : NAN;
    }
}

/* GB 3096-2008 Table 1 (dB(A)); §5.3 for existing railway trunk lines. */
static const int LIMITS[EG_QN_ZONES][2] = {
    {50, 40}, {55, 45}, {60, 50}, {65, 55}, {70, 55}, {70, 60}, {70, 55},
};
static const char *const ZONE_NAME[EG_QN_ZONES] = {"0", "1", "2", "3", "4a", "4b", "rail_existing"};

int eg_quality_noise_limits(int zone, int *day_limit, int *night_limit)
{
    if (zone < 0 || zone >= EG_QN_ZONES)
        return EG_EINVAL;
    *day_limit = LIMITS[zone][0];
    *night_limit = LIMITS[zone][1];
    return 0;
}

int eg_quality_noise_zone_parse(const char *s)
{
    for (int z = 0; z < EG_QN_ZONES; z++)
        if (!strcmp(s, ZONE_NAME[z]))
            return z;
    if (!strcmp(s, "4A"))
        return EG_QN_ZONE4A;
    if (!strcmp(s, "4B"))
        return EG_QN_ZONE4B;
    return -1;
}

const char *eg_quality_noise_zone_name(int zone)
{
    return zone >= 0 && zone < EG_QN_ZONES ? ZONE_NAME[zone] : "";
}

static double tenth(double x)
{
    return nearbyint(x * 10.0) / 10.0; /* to 0.1 dB, ties to even in the default mode */
}

int eg_quality_noise_check(int zone, double ld, double ln, double lmax_night,
                           struct eg_quality_noise_result *out)
{
    int dl, nl;
    if (eg_quality_noise_limits(zone, &dl, &nl))
        return EG_EINVAL;
    memset(out, 0, sizeof *out);
    out->day_ok = out->night_ok = out->lmax_ok = -1;
    out->day_over = out->night_over = NAN;
    if (!isnan(ld)) {
        out->day_over = tenth(tenth(ld) - dl); /* 超标量 = measured - limit */
        out->day_ok = tenth(ld) <= dl;
    }
    if (!isnan(ln)) {
        out->night_over = tenth(tenth(ln) - nl);
        out->night_ok = tenth(ln) <= nl;
    }
    if (!isnan(lmax_night)) /* §5.4: night sudden noise L_max <= limit + 15 dB(A) */
        out->lmax_ok = tenth(lmax_night) <= nl + 15;
    return 0;
}
