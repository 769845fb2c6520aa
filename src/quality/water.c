/*
 * water.c: surface-water quality class by GB 3838-2002 (standards.md §4): the class of each
 * factor (Table 1, limits inclusive, the better class where two share a limit), the class of a
 * sample or period mean (single-factor evaluation, the worst factor, 劣V beyond V), rivers
 * versus lakes and reservoirs for total phosphorus (and TN, defined for 湖、库 only), and the
 * factors over a section's target class with their exceedance multiples (超标倍数).
 *
 * Values are int64 micro units (millionths of mg/L), so Hg 0.00005 mg/L is exactly 50 and
 * every comparison at a limit is exact. The table is a static const array: it is the normative
 * Table 1 of the standard, cited row by row.
 */
#include "quality/quality.h"

#include "base/base.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#define U(x) ((int64_t)((x)*1000000.0 + 0.5)) /* constant decimal -> micro, exact here */

/* GB 3838-2002 Table 1, classes I..V (mg/L; coliforms 个/L). DO is "not less than". */
static const int64_t LIMIT[EG_QW_FACTORS][5] = {
    [EG_QW_PH] = {0, 0, 0, 0, 0},                      /* 6-9 for every class: handled apart */
    [EG_QW_DO] = {U(7.5), U(6), U(5), U(3), U(2)},     /* item 3, class I "饱和率90%(或7.5)" */
    [EG_QW_CODMN] = {U(2), U(4), U(6), U(10), U(15)},  /* item 4 */
    [EG_QW_COD] = {U(15), U(15), U(20), U(30), U(40)}, /* item 5 */
    [EG_QW_BOD5] = {U(3), U(3), U(4), U(6), U(10)},    /* item 6 */
    [EG_QW_NH3N] = {U(0.15), U(0.5), U(1.0), U(1.5), U(2.0)}, /* item 7 */
    [EG_QW_TP] = {U(0.02), U(0.1), U(0.2), U(0.3), U(0.4)},   /* item 8, rivers */
    [EG_QW_TN] = {U(0.2), U(0.5), U(1.0), U(1.5), U(2.0)},    /* item 9, 湖、库 only */
    [EG_QW_CU] = {U(0.01), U(1.0), U(1.0), U(1.0), U(1.0)},
    [EG_QW_ZN] = {U(0.05), U(1.0), U(1.0), U(2.0), U(2.0)},
    [EG_QW_F] = {U(1.0), U(1.0), U(1.0), U(1.5), U(1.5)},
    [EG_QW_SE] = {U(0.01), U(0.01), U(0.01), U(0.02), U(0.02)},
    [EG_QW_AS] = {U(0.05), U(0.05), U(0.05), U(0.1), U(0.1)},
    [EG_QW_HG] = {U(0.00005), U(0.00005), U(0.0001), U(0.001), U(0.001)},
    [EG_QW_CD] = {U(0.001), U(0.005), U(0.005), U(0.005), U(0.01)},
    [EG_QW_CR6] = {U(0.01), U(0.05), U(0.05), U(0.05), U(0.1)},
    [EG_QW_PB] = {U(0.01), U(0.01), U(0.05), U(0.05), U(0.1)},
    [EG_QW_CN] = {U(0.005), U(0.05), U(0.2), U(0.2), U(0.2)},
    [EG_QW_PHENOL] = {U(0.002), U(0.002), U(0.005), U(0.01), U(0.1)},
    [EG_QW_OIL] = {U(0.05), U(0.05), U(0.05), U(0.5), U(1.0)},
    [EG_QW_LAS] = {U(0.2), U(0.2), U(0.2), U(0.3), U(0.3)},
    [EG_QW_SULFIDE] = {U(0.05), U(0.1), U(0.2), U(0.5), U(1.0)},
    [EG_QW_COLIFORM] = {U(200), U(2000), U(10000), U(20000), U(40000)}, /* item 24 */
};
/* Item 8 for lakes and reservoirs (湖、库). */
static const int64_t TP_LAKE[5] = {U(0.01), U(0.025), U(0.05), U(0.1), U(0.2)};

static const char *const FACTOR_NAME[EG_QW_FACTORS] = {
    "pH", "DO", "CODMn", "COD", "BOD5", "NH3-N", "TP",     "TN",  "Cu",  "Zn",      "F",       "Se",
    "As", "Hg", "Cd",    "Cr6", "Pb",   "CN",    "phenol", "oil", "LAS", "sulfide", "coliform"};

void eg_quality_water_config_default(struct eg_quality_water_config *cfg)
{
    uint32_t all = (1u << EG_QW_FACTORS) - 1;
    /* 环办[2011]22号: Table 1 except water temperature, TN and faecal coliforms (21 items) */
    cfg->class_factors = all & ~(1u << EG_QW_TN) & ~(1u << EG_QW_COLIFORM);
    cfg->multiple_factors = all & ~(1u << EG_QW_PH) & ~(1u << EG_QW_DO);
}

int64_t eg_quality_water_limit(int factor, int waterbody, int cls)
{
    if (factor < 0 || factor >= EG_QW_FACTORS || cls < 1 || cls > 5 || factor == EG_QW_PH)
        return EG_QUALITY_W_NA;
    if (factor == EG_QW_TN && waterbody != EG_QW_LAKE)
        return EG_QUALITY_W_NA;
    if (factor == EG_QW_TP && waterbody == EG_QW_LAKE)
        return TP_LAKE[cls - 1];
    return LIMIT[factor][cls - 1];
}

int eg_quality_water_factor_class(int factor, int waterbody, int64_t v)
{
    if (factor < 0 || factor >= EG_QW_FACTORS || v == EG_QUALITY_W_NA || v < 0)
        return 0;
    if (factor == EG_QW_PH) /* 6-9 in every class; outside -> 劣V (convention, §4.3) */
        return v >= U(6) && v <= U(9) ? 1 : EG_QW_CLASS_WORSE_V;
    if (factor == EG_QW_TN && waterbody != EG_QW_LAKE)
        return 0;
    for (int c = 1; c <= 5; c++) {
        int64_t lim = eg_quality_water_limit(factor, waterbody, c);
        if (factor == EG_QW_DO ? v >= lim : v <= lim)
            return c;
    }
    return EG_QW_CLASS_WORSE_V;
}

int eg_quality_water_eval(const int64_t v[EG_QW_FACTORS], int waterbody, int target_class,
                          const struct eg_quality_water_config *cfg,
                          struct eg_quality_water_result *out)
{
    struct eg_quality_water_config def;
    if (!cfg) {
        eg_quality_water_config_default(&def);
        cfg = &def;
    }
    if (target_class == 0)
        target_class = 3; /* national reporting compares with class III (§4.3) */
    if (target_class < 1 || target_class > 5 ||
        (waterbody != EG_QW_RIVER && waterbody != EG_QW_LAKE))
        return EG_EINVAL;
    memset(out, 0, sizeof *out);
    for (int f = 0; f < EG_QW_FACTORS; f++) {
        int c = eg_quality_water_factor_class(f, waterbody, v[f]);
        out->factor_class[f] = c;
        if (!c)
            continue;
        if ((cfg->class_factors & (1u << f)) && c > out->cls)
            out->cls = c;
        if (c > target_class) { /* GB 3838 §5.1: exceeding items and their multiples */
            out->over_target |= 1u << f;
            int64_t s = eg_quality_water_limit(f, waterbody, target_class);
            if ((cfg->multiple_factors & (1u << f)) && s != EG_QUALITY_W_NA && s > 0)
                out->multiple[f] = (double)(v[f] - s) / (double)s;
        }
    }
    for (int f = 0; f < EG_QW_FACTORS; f++)
        if ((cfg->class_factors & (1u << f)) && out->factor_class[f] == out->cls && out->cls)
            out->worst |= 1u << f;
    return 0;
}

void eg_quality_water_mean(const int64_t *samples, size_t n, int64_t out[EG_QW_FACTORS])
{
    for (int f = 0; f < EG_QW_FACTORS; f++) {
        int64_t sum = 0;
        int64_t cnt = 0;
        for (size_t i = 0; i < n; i++) {
            int64_t x = samples[i * EG_QW_FACTORS + (size_t)f];
            if (x == EG_QUALITY_W_NA || x < 0)
                continue;
            sum += x;
            cnt++;
        }
        out[f] = cnt ? eg_quality_div_half_even(sum, cnt) : EG_QUALITY_W_NA;
    }
}

const char *eg_quality_water_class_name(int cls)
{
    static const char *const N[7] = {"", "I", "II", "III", "IV", "V", "劣V"};
    return cls >= 0 && cls <= 6 ? N[cls] : "";
}

const char *eg_quality_water_class_term(int cls)
{
    static const char *const T[7] = {"", "优", "优", "良好", "轻度污染", "中度污染", "重度污染"};
    return cls >= 0 && cls <= 6 ? T[cls] : "";
}

const char *eg_quality_water_factor_name(int factor)
{
    return factor >= 0 && factor < EG_QW_FACTORS ? FACTOR_NAME[factor] : "";
}

double eg_quality_water_share(const int *classes, size_t n, int max_class)
{
    size_t good = 0, all = 0;
    for (size_t i = 0; i < n; i++) {
        if (classes[i] <= 0)
            continue;
        all++;
        if (classes[i] <= max_class)
            good++;
    }
    return all ? 100.0 * (double)good / (double)all : NAN;
}

int eg_quality_water_factor_parse(const char *name)
{
    static const struct {
        const char *alias;
        int factor;
    } A[] = {{"NH3N", EG_QW_NH3N},
             {"NH3_N", EG_QW_NH3N},
             {"氨氮", EG_QW_NH3N},
             {"溶解氧", EG_QW_DO},
             {"高锰酸盐指数", EG_QW_CODMN},
             {"化学需氧量", EG_QW_COD},
             {"五日生化需氧量", EG_QW_BOD5},
             {"总磷", EG_QW_TP},
             {"总氮", EG_QW_TN},
             {"COD_Mn", EG_QW_CODMN},
             {"CODCr", EG_QW_COD},
             {"Cr(VI)", EG_QW_CR6},
             {"石油类", EG_QW_OIL},
             {"粪大肠菌群", EG_QW_COLIFORM},
             {"挥发酚", EG_QW_PHENOL}};
    for (int f = 0; f < EG_QW_FACTORS; f++)
        if (!strcasecmp(name, FACTOR_NAME[f]))
            return f;
    for (size_t i = 0; i < sizeof A / sizeof A[0]; i++)
        if (!strcasecmp(name, A[i].alias))
            return A[i].factor;
    return -1;
}
