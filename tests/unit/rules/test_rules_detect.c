/*
 * test_rules_detect.c: the detectors of src/rules/detect.c on simulated minute series with
 * injected anomalies (flatline, zeros and negatives, over range, jumps, held flags, a run over
 * the limit, limit-hugging) — each fires on its anomaly and stays quiet on the clean series —
 * and on the real HJ 212 capture (../shared/data/real/hj212_xiaoyao9184_hj-t212-parser).
 */
#include "rules/rules.h"
#include "test.h"
#include "unit/ts/ts_capture.h"

#include <math.h>

#define DAY 1440

/* A deterministic noisy minute series: a daily wave around 50 with ±3 noise (LCG, so every run
   sees the same numbers), flag N, starting at t0. */
static uint32_t lcg = 12345;
static double noise(void)
{
    lcg = lcg * 1103515245u + 12345u;
    return ((double)(lcg >> 8) / (double)(1u << 24)) * 2 - 1;
}

static void clean(struct eg_ts_row *s, size_t n, int64_t t0)
{
    lcg = 12345;
    for (size_t i = 0; i < n; i++) {
        s[i].t = t0 + (int64_t)i * 60;
        s[i].v = round((50 + 10 * sin((double)i / 229.0) + 3 * noise()) * 100) / 100;
        s[i].flag = 'N';
        s[i].mark = 0;
    }
}

static const int64_t T0 = 1700000000 / 86400 * 86400;

TEST(rules_detectors_quiet_on_clean_minute_data)
{
    struct eg_ts_row s[DAY];
    clean(s, DAY, T0);
    struct eg_rules_hit h;
    eg_rules_flatline(s, DAY, 120 * 60, 0, &h);
    CHECK(!h.fired);
    eg_rules_impossible(s, DAY, 0, 5, &h);
    CHECK(!h.fired);
    eg_rules_out_of_range(s, DAY, 0, 2000, 3, &h);
    CHECK(!h.fired);
    eg_rules_jump(s, DAY, 0.5 * 2000, 600, &h);
    CHECK(!h.fired);
    eg_rules_flag_held(s, DAY, 240 * 60, &h);
    CHECK(!h.fired);
}

TEST(rules_flatline_fires_on_two_hours_constant_not_on_one)
{
    struct eg_ts_row s[DAY];
    clean(s, DAY, T0);
    for (int i = 300; i < 300 + 121; i++) /* 121 samples = 120 minutes from first to last */
        s[i].v = 42.5;
    struct eg_rules_hit h;
    eg_rules_flatline(s, DAY, 120 * 60, 0, &h);
    CHECK(h.fired);
    CHECK_EQ_INT(h.count, 121);
    CHECK_EQ_INT(h.t_from, T0 + 300 * 60);
    CHECK_EQ_INT(h.t_to, T0 + 420 * 60);
    CHECK_EQ_DBL(h.value, 42.5, 0);
    s[360].v = 42.6; /* broken in the middle: two runs of one hour each */
    eg_rules_flatline(s, DAY, 120 * 60, 0, &h);
    CHECK(!h.fired);
    eg_rules_flatline(s, DAY, 120 * 60, 0.2, &h); /* within epsilon it is one run again */
    CHECK(h.fired);
}

TEST(rules_impossible_counts_negatives_and_zeros_only_where_impossible)
{
    struct eg_ts_row s[DAY];
    clean(s, DAY, T0);
    for (int i = 0; i < 5; i++)
        s[100 + i * 10].v = 0;
    struct eg_rules_hit h;
    eg_rules_impossible(s, DAY, 1, 5, &h); /* zero possible (e.g. a concentration) */
    CHECK(!h.fired);
    eg_rules_impossible(s, DAY, 0, 5, &h); /* zero impossible (O2, pH) */
    CHECK(h.fired);
    CHECK_EQ_INT(h.count, 5);
    s[500].v = -3.2;
    eg_rules_impossible(s, DAY, 1, 1, &h);
    CHECK(h.fired);
    CHECK_EQ_DBL(h.value, -3.2, 0);
    s[500].flag = 'D'; /* a fault-flagged value is the flag rule's business */
    eg_rules_impossible(s, DAY, 1, 1, &h);
    CHECK(!h.fired);
}

TEST(rules_out_of_range_by_value_or_T_flag)
{
    struct eg_ts_row s[DAY];
    clean(s, DAY, T0);
    struct eg_rules_hit h;
    s[10].v = 2500;
    s[11].v = 2600;
    eg_rules_out_of_range(s, DAY, 0, 2000, 3, &h);
    CHECK(!h.fired);
    CHECK_EQ_INT(h.count, 2);
    s[12].flag = 'T'; /* HJ 212-2017 Table 8: T 超测上限 */
    eg_rules_out_of_range(s, DAY, 0, 2000, 3, &h);
    CHECK(h.fired);
    CHECK_EQ_DBL(h.value, 2600, 0);
}

TEST(rules_jump_fires_on_a_step_of_half_the_range_not_across_a_gap)
{
    struct eg_ts_row s[DAY];
    clean(s, DAY, T0);
    s[700].v = s[699].v + 1100; /* 0.55 of a 0..2000 range in one minute */
    struct eg_rules_hit h;
    eg_rules_jump(s, DAY, 1000, 600, &h);
    CHECK(h.fired);
    CHECK(h.t_to == s[700].t || h.t_to == s[701].t); /* the larger of up and back down */
    CHECK_EQ_INT(h.count, 2);
    struct eg_ts_row g[2] = {{T0, 10, 'N', 0}, {T0 + 3600, 1500, 'N', 0}}; /* after 1 h of gap */
    eg_rules_jump(g, 2, 1000, 600, &h);
    CHECK(!h.fired);
}

TEST(rules_flag_held_fires_on_four_hours_of_maintenance)
{
    struct eg_ts_row s[DAY];
    clean(s, DAY, T0);
    for (int i = 200; i < 200 + 180; i++)
        s[i].flag = 'C'; /* three hours of calibration: under 4 h */
    struct eg_rules_hit h;
    eg_rules_flag_held(s, DAY, 240 * 60, &h);
    CHECK(!h.fired);
    for (int i = 800; i <= 800 + 241; i++)
        s[i].flag = i % 2 ? 'M' : 'D'; /* maintenance then fault, held: one run */
    eg_rules_flag_held(s, DAY, 240 * 60, &h);
    CHECK(h.fired);
    CHECK_EQ_INT(h.t_from, T0 + 800 * 60);
}

TEST(rules_over_limit_run_counts_consecutive_hours_ending_now)
{
    int64_t t[8];
    double v[8] = {80, 120, 90, 110, 130, 105, 101, 140};
    for (int i = 0; i < 8; i++)
        t[i] = T0 + i * 3600;
    struct eg_rules_hit h;
    eg_rules_over_limit_run(t, v, 8, 100, 3, &h);
    CHECK(h.fired);
    CHECK_EQ_INT(h.count, 5);
    CHECK_EQ_DBL(h.value, 140, 0);
    CHECK_EQ_INT(h.t_from, t[3]);
    t[6] += 3600; /* a missing hour breaks the run: 2 consecutive at the end */
    t[7] += 3600;
    eg_rules_over_limit_run(t, v, 8, 100, 3, &h);
    CHECK(!h.fired);
    CHECK_EQ_INT(h.count, 2);
    v[7] = 99;
    eg_rules_over_limit_run(t, v, 8, 100, 1, &h);
    CHECK(!h.fired);
}

TEST(rules_binomial_tail_matches_exact_values)
{
    /* P(X >= 8 | 10, 1/2) = (45 + 10 + 1) / 1024 */
    CHECK_EQ_DBL(eg_rules_binom_tail_half(10, 8), 56.0 / 1024, 1e-12);
    CHECK_EQ_DBL(eg_rules_binom_tail_half(10, 0), 1, 0);
    CHECK_EQ_DBL(eg_rules_binom_tail_half(10, 11), 0, 0);
    CHECK_EQ_DBL(eg_rules_binom_tail_half(1000, 500), 0.5126125, 1e-6);
}

TEST(rules_hugging_fires_on_values_piled_under_the_limit_not_on_an_honest_series)
{
    /* a week of hourly values: honest = smooth spread around 60 % of the limit */
    double v[168];
    lcg = 777;
    for (int i = 0; i < 168; i++)
        v[i] = 60 + 15 * noise() + 10 * noise();
    struct eg_rules_hit h;
    eg_rules_hugging(v, 168, 100, 0.1, 24, 0.001, &h);
    CHECK(!h.fired);
    /* tampered: a source that really runs at 90..130 % of the limit reports 92..99.9 % whenever
       it is over 95 % */
    for (int i = 0; i < 168; i++) {
        double real = 110 + 20 * noise();
        v[i] = real > 95 ? 92 + 7.9 * (noise() + 1) / 2 : real;
    }
    eg_rules_hugging(v, 168, 100, 0.1, 24, 0.001, &h);
    CHECK(h.fired);
    CHECK(h.value > 0.7);
    CHECK(h.value2 < 1e-6);
    /* the same values with honest excursions over the limit do not fire */
    for (int i = 0; i < 168; i += 2)
        if (v[i] >= 90)
            v[i] += 20;
    eg_rules_hugging(v, 168, 100, 0.1, 24, 0.001, &h);
    CHECK(!h.fired);
}

/* The real capture: series of the first 3,000 lines of a real device log (4,445 series). The
   detectors run on every real-time, minute and hourly series; none fires at the defaults. (The
   first run found negatives in three S08 series: S08 is HJ/T 212-2005 烟气压力, flue gas
   pressure, which is negative under draft and whose unit the capture does not say — so the
   range-based rules apply only to codes listed in data/rules/ranges.csv, and the zero/negative
   rule only where that range starts at 0.) */
TEST(rules_detectors_on_the_real_capture)
{
    struct cap c = {0};
    char rel[256];
    snprintf(
        rel, sizeof rel,
        "data/real/hj212_xiaoyao9184_hj-t212-parser/AllData_2016-08-24_05_first3000lines.h212");
    size_t len;
    char *buf = eg_test_read_file(eg_test_shared(rel), &len);
    REQUIRE(buf);
    cap_load(&c, buf, len);
    free(buf);
    REQUIRE(c.n > 10);
    struct eg_rules_ranges rg;
    const struct eg_embedded *e = eg_embedded_find("rules/ranges.csv");
    REQUIRE(e);
    struct eg_err err;
    REQUIRE(eg_rules_ranges_load(&rg, e->data, e->len, &err) == 0);
    int fired[5] = {0}, series = 0;
    for (size_t i = 0; i < c.n; i++) {
        struct cap_series *cs = &c.v[i];
        if (!strstr(cs->key, "|Rtd") && !strstr(cs->key, "|Avg"))
            continue;
        series++;
        struct eg_ts_row *rows = calloc(cs->n, sizeof *rows);
        for (size_t j = 0; j < cs->n; j++)
            rows[j] = (struct eg_ts_row){cs->s[j].t, cs->s[j].v, cs->s[j].flag, 0};
        char code[32] = "";
        const char *bar = strchr(cs->key, '|');
        snprintf(code, sizeof code, "%.*s", (int)strcspn(bar + 1, "|"), bar + 1);
        const struct eg_rules_range *r = eg_rules_range_of(&rg, code);
        struct eg_rules_hit h;
        eg_rules_flatline(rows, cs->n, 120 * 60, 0, &h);
        fired[0] += h.fired;
        if (r &&
            r->min >= 0) { /* as the engine: only where the range says negatives are impossible */
            eg_rules_impossible(rows, cs->n, r->zero_possible, 5, &h);
            fired[1] += h.fired;
        }
        if (r) {
            eg_rules_out_of_range(rows, cs->n, r->min, r->max, 3, &h);
            fired[2] += h.fired;
            eg_rules_jump(rows, cs->n, 0.5 * (r->max - r->min), 600, &h);
            fired[3] += h.fired;
        }
        eg_rules_flag_held(rows, cs->n, 240 * 60, &h);
        fired[4] += h.fired;
        free(rows);
    }
    fprintf(stderr,
            "real capture: %d series; fired flatline %d impossible %d range %d jump %d "
            "flag %d\n",
            series, fired[0], fired[1], fired[2], fired[3], fired[4]);
    CHECK(series > 4000);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(fired[i], 0);
    cap_free(&c);
    eg_rules_ranges_free(&rg);
}
