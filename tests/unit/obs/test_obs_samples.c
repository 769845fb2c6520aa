/* Tests of the surface-water and noise sample readers of src/obs (issue 11 item 9): columns by
   name in any order, Chinese names and units in brackets, spreadsheet dates, missing markers,
   values below the detection limit, and malformed, oversized and hostile input. The classes
   and limits they feed are GB 3838-2002 Table 1 and GB 3096-2008 Table 1. */
#include "obs/obs.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wseen {
    long rows, problems;
    struct eg_obs_water_row last;
    char section[64];
    char problem[256];
    int cls[8];
};

static void w_row(void *ctx, const struct eg_obs_water_row *row)
{
    struct wseen *s = ctx;
    struct eg_quality_water_result r;
    eg_quality_water_eval(row->v, EG_QW_RIVER, 3, NULL, &r);
    if (s->rows < 8)
        s->cls[s->rows] = r.cls;
    s->rows++;
    s->last = *row;
    snprintf(s->section, sizeof s->section, "%.*s", (int)row->section_len, row->section);
}

static void w_problem(void *ctx, const char *msg)
{
    struct wseen *s = ctx;
    if (s->problems++ == 0)
        snprintf(s->problem, sizeof s->problem, "%s", msg);
}

static int read_water(const char *csv, struct wseen *s, struct eg_err *err)
{
    memset(s, 0, sizeof *s);
    struct eg_obs_water_sink sink = {w_row, w_problem, s};
    eg_err_clear(err);
    return eg_obs_read_water(csv, strlen(csv), &sink, err);
}

/* GB 3838-2002 Table 1 (river): a class II sample, a 劣V one, a class III one with a value
   below the detection limit ("0.05L", not evaluated); Chinese column names with units. */
TEST(obs_water_reads_named_columns_and_classifies_by_gb3838)
{
    struct wseen s;
    struct eg_err err;
    REQUIRE(read_water("断面名称,采样时间,pH,溶解氧(mg/L),高锰酸盐指数,COD,BOD5,氨氮（mg/L）,总磷\n"
                       "川杨河,2026/3/5 10:00,7.6,6.8,3.2,12,2.4,0.32,0.07\n"
                       "白莲泾,2026-03-05,7.1,1.5,17,48,12,2.6,0.5\n"
                       "浦东运河,2026-03-05,7.3,5.2,4.5,18,3.5,0.05L,0.15\n",
                       &s, &err) == 0);
    CHECK_EQ_INT((int)s.rows, 3);
    CHECK_EQ_INT(s.cls[0], 2);                   /* every factor within class II */
    CHECK_EQ_INT(s.cls[1], EG_QW_CLASS_WORSE_V); /* DO 1.5 < 2 (V), NH3-N 2.6 > 2.0 */
    CHECK_EQ_INT(s.cls[2], 3);                   /* COD 18 <= 20, TP 0.15 <= 0.2 */
    CHECK_EQ_INT((int)s.problems, 1);            /* the detection-limit note */
    CHECK(strstr(s.problem, "line 4: NH3-N") && strstr(s.problem, "detection limit"));
    CHECK_STR(s.section, "浦东运河");
    CHECK(s.last.has_time);
    CHECK(s.last.v[EG_QW_NH3N] == EG_QUALITY_W_NA);
    CHECK(s.last.v[EG_QW_COD] == 18000000); /* micro mg/L */
    /* 2026/3/5 10:00 Beijing */
    REQUIRE(read_water("section,time,COD\nA,2026/3/5 10:00,10\n", &s, &err) == 0);
    CHECK(s.last.t == 1772676000);
    /* no section and no time columns: still classified */
    REQUIRE(read_water("NH3-N,TP\n1.2,0.1\n", &s, &err) == 0);
    CHECK_EQ_INT((int)s.rows, 1);
    CHECK_EQ_INT(s.cls[0], 4); /* NH3-N 1.2: IV (<= 1.5) */
    CHECK_EQ_INT((int)s.last.section_len, 0);
    CHECK(!s.last.has_time);
}

TEST(obs_water_refuses_bad_headers_and_skips_bad_rows)
{
    struct wseen s;
    struct eg_err err;
    /* no header at all, no factor column, a factor named twice */
    CHECK(read_water("", &s, &err) == EG_EINVAL);
    CHECK_STR(err.code, "header");
    CHECK(read_water("section,time,colour\nA,2026-03-05,3\n", &s, &err) == EG_EINVAL);
    CHECK(strstr(err.msg, "no GB 3838 factor") != NULL);
    CHECK(read_water("section,COD,化学需氧量\nA,1,2\n", &s, &err) == EG_EINVAL);
    CHECK(strstr(err.msg, "COD twice") != NULL);
    CHECK_EQ_INT((int)s.rows, 0);
    /* wrong types, negative, absurdly large and hostile cells are missing with a problem; a row
       with no value left or an impossible date is skipped */
    REQUIRE(read_water("section,time,pH,COD,TP\n"
                       "A,2026-03-05,abc,-5,1e3\n"
                       "B,2026-02-30,7,10,0.1\n"
                       "C,2026-03-05,7,99999999999,0.1\n"
                       "=cmd|' /C calc'!A0,2026-03-05,7,10,0.1\n"
                       "\"D,unclosed\n",
                       &s, &err) == 0);
    CHECK_EQ_INT((int)s.rows, 2); /* C (COD missing, pH and TP kept) and the formula-looking */
    CHECK(s.problems >= 4);
    CHECK(strstr(s.problem, "line 2: pH: invalid value 'abc'") != NULL);
    /* truncated mid-row and NUL bytes */
    static const char nul[] = "section,COD\nA,1\0\0\nB,2";
    struct eg_obs_water_sink sink = {w_row, w_problem, &s};
    memset(&s, 0, sizeof s);
    eg_err_clear(&err);
    CHECK(eg_obs_read_water(nul, sizeof nul - 1, &sink, &err) <= 0);
    /* an oversized cell is refused by the CSV limits, not read into memory without bound */
    size_t big = 3u << 20;
    char *huge = malloc(big + 64);
    REQUIRE(huge);
    int k = snprintf(huge, 64, "section,COD\nA,");
    memset(huge + k, '9', big);
    memcpy(huge + k + big, "\n", 2);
    memset(&s, 0, sizeof s);
    eg_err_clear(&err);
    eg_obs_read_water(huge, strlen(huge), &sink, &err);
    CHECK_EQ_INT((int)s.rows, 0);
    free(huge);
}

struct nseen {
    long rows, problems;
    struct eg_obs_noise_row row[4];
    char problem[256];
};

static void n_row(void *ctx, const struct eg_obs_noise_row *row)
{
    struct nseen *s = ctx;
    if (s->rows < 4)
        s->row[s->rows] = *row;
    s->rows++;
}

static void n_problem(void *ctx, const char *msg)
{
    struct nseen *s = ctx;
    if (s->problems++ == 0)
        snprintf(s->problem, sizeof s->problem, "%s", msg);
}

static int read_noise(const char *csv, struct nseen *s, struct eg_err *err)
{
    memset(s, 0, sizeof *s);
    struct eg_obs_noise_sink sink = {n_row, n_problem, s};
    eg_err_clear(err);
    return eg_obs_read_noise(csv, strlen(csv), &sink, err);
}

/* GB 3096-2008 Table 1: zone 2 limits 60 (day) / 50 (night) dB(A), 4a 70 / 55. */
TEST(obs_noise_reads_levels_and_zones)
{
    struct nseen s;
    struct eg_err err;
    REQUIRE(read_noise("点位,功能区类别,昼间等效声级(dB),夜间,Lmax\n"
                       "N01,2,58.1,51.2,63\nN02,4a类,69.5,56.0,\nN03,,50,40,\nN04,9,50,40,\n",
                       &s, &err) == 0);
    CHECK_EQ_INT((int)s.rows, 4);
    CHECK_EQ_INT(s.row[0].zone, EG_QN_ZONE2);
    CHECK_EQ_DBL(s.row[0].ld, 58.1, 1e-9);
    CHECK_EQ_DBL(s.row[0].lmax, 63.0, 1e-9);
    CHECK_EQ_INT(s.row[1].zone, EG_QN_ZONE4A);
    CHECK(isnan(s.row[1].lmax));
    CHECK_EQ_INT(s.row[2].zone, -1);
    CHECK_EQ_INT(s.row[3].zone, -1); /* unknown zone 9: a problem */
    CHECK(strstr(s.problem, "line 5: zone: unknown GB 3096 zone '9'") != NULL);
    struct eg_quality_noise_result r;
    eg_quality_noise_check(s.row[0].zone, s.row[0].ld, s.row[0].ln, s.row[0].lmax, &r);
    CHECK_EQ_INT(r.day_ok, 1);
    CHECK_EQ_INT(r.night_ok, 0); /* 51.2 > 50 */
    /* hourly Leq with its time */
    REQUIRE(read_noise("station,time,leq\nN1,2026-03-05 23:00,52.3\n", &s, &err) == 0);
    CHECK_EQ_INT((int)s.rows, 1);
    CHECK(s.row[0].has_time);
    CHECK_EQ_DBL(s.row[0].leq, 52.3, 1e-9);
}

TEST(obs_noise_refuses_bad_headers_and_values)
{
    struct nseen s;
    struct eg_err err;
    CHECK(read_noise("station,zone\nN1,2\n", &s, &err) == EG_EINVAL);
    CHECK(strstr(err.msg, "no level") != NULL);
    CHECK(read_noise("station,leq\nN1,50\n", &s, &err) == EG_EINVAL); /* Leq needs a time */
    CHECK(strstr(err.msg, "needs a time column") != NULL);
    /* above 200 dB, negative, text: missing; a row without any level is skipped */
    REQUIRE(read_noise("station,zone,Ld,Ln\nN1,2,250,-3\nN2,2,abc,45\n", &s, &err) == 0);
    CHECK_EQ_INT((int)s.rows, 1);
    CHECK(isnan(s.row[0].ld));
    CHECK_EQ_DBL(s.row[0].ln, 45.0, 1e-9);
    CHECK(s.problems >= 3);
}

TEST(obs_sniff_tells_water_noise_and_time_series_files_apart)
{
    static const struct {
        const char *csv;
        int fmt;
    } c[] = {
        {"section,time,COD,NH3-N\n", EG_OBS_FMT_WATER},
        {"断面,日期,氨氮\n", EG_OBS_FMT_WATER},
        {"station,time,leq\n", EG_OBS_FMT_NOISE},
        {"点位,昼间,夜间\n", EG_OBS_FMT_NOISE},
        {"station,time,pollutant,value,flag\n", EG_OBS_FMT_OTHER},
        {"date,hour,type,1001A\n", EG_OBS_FMT_OTHER},
        {"", EG_OBS_FMT_OTHER},
        {"\"unclosed\n", EG_OBS_FMT_OTHER},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        CHECK_EQ_INT(eg_obs_sniff(c[i].csv, strlen(c[i].csv)), c[i].fmt);
}
