/*
 * aqi.c: the ambient air quality index, HJ 633-2012 and HJ 633-2026 (standards.md §1).
 *
 * The breakpoint tables are static const arrays here rather than data files: they are the
 * normative content of HJ 633-2012 Table 1 and HJ 633-2026 Table 3, change only with a new
 * edition, and the hot loop (a million station-hours) reads them directly. Each IAQI is
 * computed in exact integer arithmetic on milli units (§1.11): the concentration is first
 * rounded half to even (§1.4), then IAQI = I_lo + ceil((I_hi - I_lo)(C - BP_lo)/(BP_hi - BP_lo))
 * with every term non-negative, so the ceiling is an integer division.
 */
#include "quality/quality.h"

#include "base/base.h"

#include <pthread.h>
#include <string.h>

/* ---------------------------------------------------------------- editions */

int eg_quality_edition_on(int year, int month, int day)
{
    /* HJ 633-2026 / GB 3095-2026 / HJ 663-2026 in force 2026-03-01 (standards.md §0). */
    long key = (long)year * 10000 + month * 100 + day;
    return key >= 20260301 ? EG_QUALITY_ED_2026 : EG_QUALITY_ED_2012;
}

int eg_quality_edition_at(int64_t utc)
{
    struct eg_civil c;
    eg_time_to_beijing(utc, &c);
    return eg_quality_edition_on(c.year, c.month, c.day);
}

/* ---------------------------------------------------------------- exact decimals */

int64_t eg_quality_round_half_even(int64_t x, int64_t unit)
{
    int64_t q = x / unit, r = x % unit;
    if (r * 2 > unit || (r * 2 == unit && (q & 1)))
        q++;
    return q * unit;
}

int64_t eg_quality_div_half_even(int64_t num, int64_t den)
{
    int64_t q = num / den, r = num % den;
    if (r * 2 > den || (r * 2 == den && (q & 1)))
        q++;
    return q;
}

int eg_quality_decimal_parse(const char *s, size_t n, int scale, int64_t max, int64_t *out)
{
    size_t i = 0;
    if (!s || n == 0 || n > 64 || scale < 0 || scale > 9)
        return EG_EINVAL;
    if (s[0] == '+')
        i++;
    int64_t v = 0;
    int digits = 0, frac = 0, seen_dot = 0;
    int first_dropped = -1, sticky = 0; /* digits beyond the scale */
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (seen_dot)
                return EG_EINVAL;
            seen_dot = 1;
            continue;
        }
        if (ch < '0' || ch > '9')
            return EG_EINVAL;
        digits++;
        if (seen_dot && frac >= scale) {
            if (first_dropped < 0)
                first_dropped = ch - '0';
            else if (ch != '0')
                sticky = 1;
            continue;
        }
        if (seen_dot)
            frac++;
        if (v > (INT64_MAX - 9) / 10)
            return EG_EINVAL;
        v = v * 10 + (ch - '0');
    }
    if (digits == 0)
        return EG_EINVAL;
    for (; frac < scale; frac++) {
        if (v > INT64_MAX / 10)
            return EG_EINVAL;
        v *= 10;
    }
    /* GB/T 8170: round half to even on the exact decimal digits. */
    if (first_dropped > 5 || (first_dropped == 5 && (sticky || (v & 1))))
        v++;
    int64_t lim = max;
    for (int k = 0; k < scale; k++) {
        if (lim > INT64_MAX / 10)
            return EG_EINVAL;
        lim *= 10;
    }
    if (v > lim)
        return EG_EINVAL;
    *out = v;
    return 0;
}

int eg_quality_conc_parse(const char *s, size_t n, int32_t *milli)
{
    int64_t v;
    int rc = eg_quality_decimal_parse(s, n, 3, 1000000, &v);
    if (rc)
        return rc;
    *milli = (int32_t)v;
    return 0;
}

/* ---------------------------------------------------------------- breakpoint tables */

/* IAQI steps of every column (HJ 633-2012 Table 1 / 2026 Table 3 first column). */
static const int IAQI_STEP[8] = {0, 50, 100, 150, 200, 300, 400, 500};

struct column {
    int n;         /* breakpoints used (5, 6 or 8) */
    int co;        /* 1: CO, mg/m³, reported to 0.1 */
    int bp[8];     /* µg/m³ (CO mg/m³), all integers */
    int top_units; /* the last breakpoint in reporting units (µg/m³ or 0.1 mg/m³) */
};

/* HJ 633-2012 Table 1 (standards.md §1.2). SO2 1-h ends at 800 (note 2), O3 8-h at 800
   (note 3). */
static const struct column COL_2012[EG_QUALITY_COLUMNS] = {
    [EG_QUALITY_COL_SO2_24H] = {8, 0, {0, 50, 150, 475, 800, 1600, 2100, 2620}, 2620},
    [EG_QUALITY_COL_SO2_1H] = {5, 0, {0, 150, 500, 650, 800}, 800},
    [EG_QUALITY_COL_NO2_24H] = {8, 0, {0, 40, 80, 180, 280, 565, 750, 940}, 940},
    [EG_QUALITY_COL_NO2_1H] = {8, 0, {0, 100, 200, 700, 1200, 2340, 3090, 3840}, 3840},
    [EG_QUALITY_COL_PM10_24H] = {8, 0, {0, 50, 150, 250, 350, 420, 500, 600}, 600},
    [EG_QUALITY_COL_CO_24H] = {8, 1, {0, 2, 4, 14, 24, 36, 48, 60}, 600},
    [EG_QUALITY_COL_CO_1H] = {8, 1, {0, 5, 10, 35, 60, 90, 120, 150}, 1500},
    [EG_QUALITY_COL_O3_1H] = {8, 0, {0, 160, 200, 300, 400, 800, 1000, 1200}, 1200},
    [EG_QUALITY_COL_O3_8H] = {6, 0, {0, 100, 160, 215, 265, 800}, 800},
    [EG_QUALITY_COL_PM25_24H] = {8, 0, {0, 35, 75, 115, 150, 250, 350, 500}, 500},
};

/* HJ 633-2026 Table 3: only PM10 (IAQI 100 at 120) and PM2.5 (IAQI 100 at 60) change
   (standards.md §1.10). */
static const struct column COL_2026[EG_QUALITY_COLUMNS] = {
    [EG_QUALITY_COL_SO2_24H] = {8, 0, {0, 50, 150, 475, 800, 1600, 2100, 2620}, 2620},
    [EG_QUALITY_COL_SO2_1H] = {5, 0, {0, 150, 500, 650, 800}, 800},
    [EG_QUALITY_COL_NO2_24H] = {8, 0, {0, 40, 80, 180, 280, 565, 750, 940}, 940},
    [EG_QUALITY_COL_NO2_1H] = {8, 0, {0, 100, 200, 700, 1200, 2340, 3090, 3840}, 3840},
    [EG_QUALITY_COL_PM10_24H] = {8, 0, {0, 50, 120, 250, 350, 420, 500, 600}, 600},
    [EG_QUALITY_COL_CO_24H] = {8, 1, {0, 2, 4, 14, 24, 36, 48, 60}, 600},
    [EG_QUALITY_COL_CO_1H] = {8, 1, {0, 5, 10, 35, 60, 90, 120, 150}, 1500},
    [EG_QUALITY_COL_O3_1H] = {8, 0, {0, 160, 200, 300, 400, 800, 1000, 1200}, 1200},
    [EG_QUALITY_COL_O3_8H] = {6, 0, {0, 100, 160, 215, 265, 800}, 800},
    [EG_QUALITY_COL_PM25_24H] = {8, 0, {0, 35, 60, 115, 150, 250, 350, 500}, 500},
};

static const struct eg_quality_aqi_config DEFAULT_CFG = {
    .above_top = 500,
    .round_conc = 1,
    .realtime_o3_8h = 0,
    .withhold_2026 = 1,
    .missing_by_design = 0,
};

void eg_quality_aqi_config_default(struct eg_quality_aqi_config *cfg)
{
    *cfg = DEFAULT_CFG;
}

/* Exact IAQI of x (milli) on a column, x <= the top breakpoint. */
static int iaqi_exact(const struct column *c, int64_t x)
{
    int i = 1;
    while (x > (int64_t)c->bp[i] * 1000)
        i++;
    int64_t lo = (int64_t)c->bp[i - 1] * 1000, hi = (int64_t)c->bp[i] * 1000;
    int64_t num = (int64_t)(IAQI_STEP[i] - IAQI_STEP[i - 1]) * (x - lo), den = hi - lo;
    /* HJ 633-2012 §6.2 / 2026 §4.2.6: rounded up; exact ceiling division. */
    return IAQI_STEP[i - 1] + (int)((num + den - 1) / den);
}

/* With rounded concentrations (the default) every input is a whole µg/m³ or 0.1 mg/m³, so the
   IAQI of each possible value is tabulated once from iaqi_exact(): the hot path becomes a
   rounding by a constant and one load. LUT_MAX covers the longest column (NO2 1-h, 3840). */
#define LUT_MAX 3841
static uint16_t lut[2][EG_QUALITY_COLUMNS][LUT_MAX];
static pthread_once_t lut_once = PTHREAD_ONCE_INIT;
static int lut_ready; /* read with acquire: the once-call is skipped on the hot path */

static void lut_build(void)
{
    for (int e = 0; e < 2; e++)
        for (int k = 0; k < EG_QUALITY_COLUMNS; k++) {
            const struct column *c = e ? &COL_2026[k] : &COL_2012[k];
            int unit = c->co ? 100 : 1000, top = c->bp[c->n - 1] * (1000 / unit);
            for (int v = 0; v <= top && v < LUT_MAX; v++)
                lut[e][k][v] = (uint16_t)iaqi_exact(c, (int64_t)v * unit);
        }
    __atomic_store_n(&lut_ready, 1, __ATOMIC_RELEASE);
}

static inline int iaqi_of(int edition, enum eg_quality_column col, int32_t milli,
                          const struct eg_quality_aqi_config *cfg, unsigned *flags)
{
    if ((unsigned)col >= EG_QUALITY_COLUMNS || milli == EG_QUALITY_NA || milli < 0)
        return EG_QUALITY_IAQI_NA;
    int e26 = edition == EG_QUALITY_ED_2026;
    const struct column *c = e26 ? &COL_2026[col] : &COL_2012[col];
    int64_t x = milli;
    int64_t units = -1;    /* x in reporting units when rounded */
    if (cfg->round_conc) { /* §1.4: integer µg/m³, CO 0.1 mg/m³, half to even */
        uint32_t u = (uint32_t)milli, q, r;
        if (c->co) {
            q = u / 100, r = u % 100;
            q += r > 50 || (r == 50 && (q & 1));
            x = (int64_t)q * 100;
        } else {
            q = u / 1000, r = u % 1000;
            q += r > 500 || (r == 500 && (q & 1));
            x = (int64_t)q * 1000;
        }
        units = q;
    }
    int64_t top = (int64_t)c->bp[c->n - 1] * 1000;
    if (x > top) {
        if (col == EG_QUALITY_COL_SO2_1H) {
            if (e26) { /* HJ 633-2026 Table 3 note b */
                if (flags)
                    *flags |= EG_QUALITY_F_SO2_HIGH;
                return 200;
            }
            return EG_QUALITY_IAQI_NOT_COMPUTED; /* HJ 633-2012 Table 1 note 2 */
        }
        if (col == EG_QUALITY_COL_O3_8H) {
            if (e26) { /* HJ 633-2026 Table 3 note c */
                if (flags)
                    *flags |= EG_QUALITY_F_O3_8H_HIGH;
                return 300;
            }
            return EG_QUALITY_IAQI_NOT_COMPUTED; /* HJ 633-2012 Table 1 note 3 */
        }
        if (flags) /* above IAQI 500: not defined by HJ 633 (§1.5) */
            *flags |= EG_QUALITY_F_CAPPED;
        return cfg->above_top;
    }
    if (units >= 0 && units < LUT_MAX) {
        if (!__atomic_load_n(&lut_ready, __ATOMIC_ACQUIRE))
            pthread_once(&lut_once, lut_build);
        return lut[e26][col][units];
    }
    return iaqi_exact(c, x);
}

int eg_quality_iaqi(int edition, enum eg_quality_column col, int32_t milli,
                    const struct eg_quality_aqi_config *cfg, unsigned *flags)
{
    return iaqi_of(edition, col, milli, cfg ? cfg : &DEFAULT_CFG, flags);
}

/* ---------------------------------------------------------------- reports */

static unsigned indicators(int edition, int daily, const struct eg_quality_aqi_config *cfg)
{
    unsigned all6 = (1u << EG_QUALITY_SO2) | (1u << EG_QUALITY_NO2) | (1u << EG_QUALITY_PM10) |
                    (1u << EG_QUALITY_CO) | (1u << EG_QUALITY_PM25);
    if (daily) /* 2012 §5.1.2: 7 indicators incl. O3 max 1-h; 2026 §4.2.2: 6, O3 8-h only */
        return all6 | (1u << EG_QUALITY_O3_8H) |
               (edition == EG_QUALITY_ED_2012 ? 1u << EG_QUALITY_O3 : 0);
    /* real-time: 1-h values; 2012 O3 8-h optional (cfg), 2026 §4.2.3 six 1-h values */
    return all6 | (1u << EG_QUALITY_O3) |
           (edition == EG_QUALITY_ED_2012 && cfg->realtime_o3_8h ? 1u << EG_QUALITY_O3_8H : 0);
}

int eg_quality_aqi_compute(int edition, int daily, const struct eg_quality_aqi_input *in,
                           const struct eg_quality_aqi_config *cfg, struct eg_quality_aqi *out)
{
    if (!cfg)
        cfg = &DEFAULT_CFG;
    if (edition != EG_QUALITY_ED_2012 && edition != EG_QUALITY_ED_2026)
        return EG_EINVAL;
    static const enum eg_quality_column RT[EG_QUALITY_SLOTS] = {
        EG_QUALITY_COL_SO2_1H, EG_QUALITY_COL_NO2_1H, EG_QUALITY_COL_PM10_24H,
        EG_QUALITY_COL_CO_1H,  EG_QUALITY_COL_O3_1H,  EG_QUALITY_COL_PM25_24H,
        EG_QUALITY_COL_O3_8H};
    static const enum eg_quality_column DAY[EG_QUALITY_SLOTS] = {
        EG_QUALITY_COL_SO2_24H, EG_QUALITY_COL_NO2_24H, EG_QUALITY_COL_PM10_24H,
        EG_QUALITY_COL_CO_24H,  EG_QUALITY_COL_O3_1H,   EG_QUALITY_COL_PM25_24H,
        EG_QUALITY_COL_O3_8H};
    const enum eg_quality_column *cols = daily ? DAY : RT;
    unsigned ind = indicators(edition, daily, cfg);

    /* Work in locals (no stores through `out` inside the loop), then write the report once. */
    int e26 = edition == EG_QUALITY_ED_2026;
    int fast = cfg->round_conc;
    if (fast && !__atomic_load_n(&lut_ready, __ATOMIC_ACQUIRE))
        pthread_once(&lut_once, lut_build);
    unsigned flags = 0, missing = 0, primary = 0, exceeding = 0;
    int iq[EG_QUALITY_SLOTS];
    int aqi = -1;
    for (int s = 0; s < EG_QUALITY_SLOTS; s++) {
        iq[s] = EG_QUALITY_IAQI_NA;
        if (!(ind & (1u << s)))
            continue;
        int32_t m = in->c[s];
        int v;
        if (m < 0) { /* NA (INT32_MIN) or negative: HJ 633 "NA" */
            missing |= 1u << s;
            continue;
        }
        if (fast) { /* rounded concentration inside the column: one table load */
            const struct column *c = e26 ? &COL_2026[cols[s]] : &COL_2012[cols[s]];
            uint32_t u = (uint32_t)m, q, r;
            if (c->co) {
                q = u / 100, r = u % 100;
                q += r > 50 || (r == 50 && (q & 1));
            } else {
                q = u / 1000, r = u % 1000;
                q += r > 500 || (r == 500 && (q & 1));
            }
            if (q <= (uint32_t)c->top_units) {
                v = lut[e26][cols[s]][q];
                iq[s] = v;
                if (v > aqi)
                    aqi = v;
                continue;
            }
        }
        v = iaqi_of(edition, cols[s], m, cfg, &flags);
        if (v == EG_QUALITY_IAQI_NOT_COMPUTED) {
            if (s == EG_QUALITY_SO2) {
                /* HJ 633-2012 note 2: the SO2 IAQI is that of the 24-h average. */
                flags |= EG_QUALITY_F_SO2_24H_USED;
                v = iaqi_of(edition, EG_QUALITY_COL_SO2_24H, in->so2_24h, cfg, &flags);
            } else {
                /* HJ 633-2012 note 3: O3 8-h drops out; the O3 1-h IAQI stands for O3. In a
                   real-time report with O3 8-h the 1-h slot is already an indicator. */
                flags |= EG_QUALITY_F_O3_8H_DROPPED;
                continue;
            }
        }
        if (v < 0) {
            missing |= 1u << s;
            continue;
        }
        iq[s] = v;
        if (v > aqi)
            aqi = v;
    }
    if (missing)
        flags |= EG_QUALITY_F_INCOMPLETE;
    /* HJ 633-2026 §5.3.1: with a pollutant missing (not by design, §5.3.2), the AQI is
       published only when it exceeds 100. */
    if (aqi >= 0 && edition == EG_QUALITY_ED_2026 && cfg->withhold_2026 &&
        (missing & ~cfg->missing_by_design) && aqi <= 100) {
        flags |= EG_QUALITY_F_AQI_WITHHELD;
        aqi = -1;
    }
    int level = 0;
    if (aqi >= 0) {
        /* HJ 633-2012 Table 2 / 2026 Table 1 */
        level = aqi <= 50    ? 1
                : aqi <= 100 ? 2
                : aqi <= 150 ? 3
                : aqi <= 200 ? 4
                : aqi <= 300 ? 5
                             : 6;
        for (int s = 0; s < EG_QUALITY_SLOTS; s++) {
            if (iq[s] < 0)
                continue;
            /* HJ 633-2012 §4.4.2 / 2026: AQI > 50, every pollutant with the max IAQI. */
            if (aqi > 50 && iq[s] == aqi)
                primary |= 1u << s;
            /* HJ 633-2012 §3.4: 超标污染物 IAQI > 100; deleted in HJ 633-2026. */
            if (edition == EG_QUALITY_ED_2012 && iq[s] > 100)
                exceeding |= 1u << s;
        }
    }
    out->edition = edition;
    out->daily = daily;
    memcpy(out->iaqi, iq, sizeof iq);
    out->aqi = aqi;
    out->level = level;
    out->primary = primary;
    out->exceeding = exceeding;
    out->flags = flags;
    out->missing = missing;
    return 0;
}

/* ---------------------------------------------------------------- categories and names */

/* HJ 633-2012 Table 2 and Appendix A (normative); HJ 633-2026 Table 1 / Appendix A. */
static const struct eg_quality_category CATS[6] = {
    {1, 50, "一级", "优", "Excellent", "绿色", {0, 228, 0}, "#00E400"},
    {2, 100, "二级", "良", "Good", "黄色", {255, 255, 0}, "#FFFF00"},
    {3, 150, "三级", "轻度污染", "Lightly polluted", "橙色", {255, 126, 0}, "#FF7E00"},
    {4, 200, "四级", "中度污染", "Moderately polluted", "红色", {255, 0, 0}, "#FF0000"},
    {5, 300, "五级", "重度污染", "Heavily polluted", "紫色", {153, 0, 76}, "#99004C"},
    {6, INT32_MAX, "六级", "严重污染", "Severely polluted", "褐红色", {126, 0, 35}, "#7E0023"},
};

const struct eg_quality_category *eg_quality_category_of(int aqi)
{
    if (aqi < 0)
        return NULL;
    for (int i = 0; i < 5; i++)
        if (aqi <= CATS[i].aqi_max)
            return &CATS[i];
    return &CATS[5];
}

static const char *const NAME[EG_QUALITY_SLOTS] = {"SO2",   "NO2",   "PM10", "CO",
                                                   "O3_1h", "PM2.5", "O3_8h"};
static const char *const NAME_ZH[EG_QUALITY_SLOTS] = {"二氧化硫", "二氧化氮",  "颗粒物(PM10)",
                                                      "一氧化碳", "臭氧1小时", "细颗粒物(PM2.5)",
                                                      "臭氧8小时"};

const char *eg_quality_slot_name(int slot)
{
    return slot >= 0 && slot < EG_QUALITY_SLOTS ? NAME[slot] : "";
}

const char *eg_quality_slot_name_zh(int slot)
{
    return slot >= 0 && slot < EG_QUALITY_SLOTS ? NAME_ZH[slot] : "";
}

size_t eg_quality_slots_format(unsigned mask, int zh, char *out, size_t outsz)
{
    /* Order of ties in CNEMC releases: "颗粒物(PM10),细颗粒物(PM2.5)", "细颗粒物(PM2.5),臭氧1小时",
       MEE "PM10,PM2.5"; SO2/NO2/CO ahead by HJ 633 table order. */
    static const int ORDER[EG_QUALITY_SLOTS] = {EG_QUALITY_SO2,  EG_QUALITY_NO2, EG_QUALITY_PM10,
                                                EG_QUALITY_PM25, EG_QUALITY_CO,  EG_QUALITY_O3,
                                                EG_QUALITY_O3_8H};
    size_t len = 0;
    if (outsz)
        out[0] = '\0';
    for (int k = 0; k < EG_QUALITY_SLOTS; k++) {
        int s = ORDER[k];
        if (!(mask & (1u << s)))
            continue;
        const char *nm = zh ? NAME_ZH[s] : NAME[s];
        size_t nl = strlen(nm);
        if (len && len + 1 < outsz)
            out[len] = ',';
        if (len)
            len++;
        for (size_t j = 0; j < nl; j++, len++)
            if (len + 1 < outsz)
                out[len] = nm[j];
        if (outsz)
            out[len + 1 < outsz ? len : outsz - 1] = '\0';
    }
    return len;
}
