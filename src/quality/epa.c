/*
 * epa.c: the US EPA AQI (Technical Assistance Document EPA-454/B-24-002, May 2024, Table 6;
 * PM2.5 breakpoints of the 2024 rule, 89 FR 16202), kept beside HJ 633 for comparison
 * (standards.md §6). The two differ in form: EPA truncates the concentration, uses discrete
 * ranges (9.0 / 9.1) and rounds the index to the nearest integer, where HJ 633 uses continuous
 * segments and rounds up. Exact integer arithmetic on the truncated, scaled concentration.
 */
#include "quality/quality.h"

#include "base/base.h"

#include <string.h>

struct seg {
    int lo, hi;   /* concentration, scaled (see scale), inclusive */
    int ilo, ihi; /* index */
};

struct table {
    int decimals; /* digits kept by truncation (§IV step 1) */
    int n;
    struct seg s[6];
};

/* TAD Table 6; concentrations scaled by 10^decimals. */
static const struct table T[EG_EPA_POLLUTANTS] = {
    [EG_EPA_O3_8H] = {3,
                      5,
                      {{0, 54, 0, 50},
                       {55, 70, 51, 100},
                       {71, 85, 101, 150},
                       {86, 105, 151, 200},
                       {106, 200, 201, 300}}},
    /* 1-h O3 from 0.125 ppm; 301-500 calculated from 1-h O3 (footnotes 1, 2, 4) */
    [EG_EPA_O3_1H] =
        {3,
         4,
         {{125, 164, 101, 150}, {165, 204, 151, 200}, {205, 404, 201, 300}, {405, 604, 301, 500}}},
    [EG_EPA_PM25_24H] = {1,
                         6,
                         {{0, 90, 0, 50},
                          {91, 354, 51, 100},
                          {355, 554, 101, 150},
                          {555, 1254, 151, 200},
                          {1255, 2254, 201, 300},
                          {2255, 3254, 301, 500}}},
    [EG_EPA_PM10_24H] = {0,
                         6,
                         {{0, 54, 0, 50},
                          {55, 154, 51, 100},
                          {155, 254, 101, 150},
                          {255, 354, 151, 200},
                          {355, 424, 201, 300},
                          {425, 604, 301, 500}}},
    [EG_EPA_CO_8H] = {1,
                      6,
                      {{0, 44, 0, 50},
                       {45, 94, 51, 100},
                       {95, 124, 101, 150},
                       {125, 154, 151, 200},
                       {155, 304, 201, 300},
                       {305, 504, 301, 500}}},
    /* 1-h SO2 does not define AQI >= 200 (footnote 3): up to 304 ppb */
    [EG_EPA_SO2_1H] =
        {0, 4, {{0, 35, 0, 50}, {36, 75, 51, 100}, {76, 185, 101, 150}, {186, 304, 151, 200}}},
    [EG_EPA_SO2_24H] = {0, 2, {{305, 604, 201, 300}, {605, 1004, 301, 500}}},
    [EG_EPA_NO2_1H] = {0,
                       6,
                       {{0, 53, 0, 50},
                        {54, 100, 51, 100},
                        {101, 360, 101, 150},
                        {361, 649, 151, 200},
                        {650, 1249, 201, 300},
                        {1250, 2049, 301, 500}}},
};

/* Decimal text truncated to `decimals` digits, scaled; -1 when not a plain decimal. */
static int64_t parse_trunc(const char *s, size_t n, int decimals)
{
    int64_t v = 0;
    int digits = 0, frac = -1;
    if (n == 0 || n > 40)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (frac >= 0)
                return -1;
            frac = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return -1;
        digits++;
        if (frac >= 0 && frac >= decimals)
            continue; /* truncated */
        if (v > 100000000)
            return -1;
        v = v * 10 + (s[i] - '0');
        if (frac >= 0)
            frac++;
    }
    if (!digits)
        return -1;
    for (int k = frac < 0 ? 0 : frac; k < decimals; k++)
        v *= 10;
    return v;
}

int eg_quality_epa_index(int pollutant, const char *s, size_t n)
{
    if (pollutant < 0 || pollutant >= EG_EPA_POLLUTANTS || !s)
        return -1;
    const struct table *t = &T[pollutant];
    int64_t c = parse_trunc(s, n, t->decimals);
    if (c < 0)
        return -1;
    const struct seg *g = NULL;
    for (int i = 0; i < t->n; i++)
        if (c >= t->s[i].lo && c <= t->s[i].hi) {
            g = &t->s[i];
            break;
        }
    if (!g) {
        const struct seg *top = &t->s[t->n - 1];
        /* above the table: extrapolated on the last segment (§6.1 note 4), but not where a
           footnote hands the range to another averaging time */
        if (c <= top->hi || pollutant == EG_EPA_O3_8H || pollutant == EG_EPA_SO2_1H)
            return -1;
        g = top;
    }
    /* I = (IHi - ILo)/(BPHi - BPLo) (C - BPLo) + ILo, rounded to nearest, halves up */
    int64_t num = (int64_t)(g->ihi - g->ilo) * (c - g->lo), den = g->hi - g->lo;
    return g->ilo + (int)((2 * num + den) / (2 * den));
}

static const struct eg_quality_epa_category CATS[6] = {
    {50, "Good", {0, 228, 0}},
    {100, "Moderate", {255, 255, 0}},
    {150, "Unhealthy for Sensitive Groups", {255, 126, 0}},
    {200, "Unhealthy", {255, 0, 0}},
    {300, "Very Unhealthy", {143, 63, 151}},
    {INT32_MAX, "Hazardous", {126, 0, 35}},
};

const struct eg_quality_epa_category *eg_quality_epa_category_of(int aqi)
{
    if (aqi < 0)
        return NULL;
    for (int i = 0; i < 5; i++)
        if (aqi <= CATS[i].aqi_max)
            return &CATS[i];
    return &CATS[5];
}
