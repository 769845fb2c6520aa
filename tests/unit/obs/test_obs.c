/* Tests of src/obs against the real files in ../shared/data/real (README there): quotsoft
   china_sites, CNEMC GeoJSON, the MEE city table; and the problems reported for bad input. */
#include "obs/obs.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seen {
    long begins, rows, problems;
    struct eg_obs_row first;
    char first_station[64];
    char first_problem[256];
};

static void on_begin(void *ctx)
{
    struct seen *s = ctx;
    s->begins++;
}

static void on_row(void *ctx, const struct eg_obs_row *row)
{
    struct seen *s = ctx;
    if (s->begins == 0)
        s->begins = -1000; /* a row before begin */
    if (s->rows++ == 0) {
        s->first = *row;
        snprintf(s->first_station, sizeof s->first_station, "%.*s", (int)row->station_len,
                 row->station);
        s->first.station = s->first_station;
    }
}

static void on_problem(void *ctx, const char *msg)
{
    struct seen *s = ctx;
    if (s->problems++ == 0)
        snprintf(s->first_problem, sizeof s->first_problem, "%s", msg);
}

static int aqi_of(const struct eg_obs_row *row, int daily)
{
    struct eg_quality_aqi r;
    eg_quality_aqi_compute(EG_QUALITY_ED_2012, daily, &row->in, NULL, &r);
    return r.aqi;
}

static char *real(const char *rel, size_t *len)
{
    char *d = eg_test_read_file(eg_test_shared(rel), len);
    REQUIRE(d != NULL);
    return d;
}

#define CHINA_0101 "data/real/quotsoft_china_sites_2019/china_sites_20190101.csv"

TEST(obs_china_sites_real_records_header_types_and_times)
{
    size_t len;
    char *d = real(CHINA_0101, &len);
    struct eg_obs_cs cs;
    REQUIRE(eg_obs_cs_open(&cs, d, len, NULL, NULL) == 0);
    CHECK_EQ_INT(cs.nstations, 1605);
    CHECK_SPAN(cs.station[0], cs.station_len[0], "1001A");
    long rows = 0, typed[EG_OBS_NTYPES] = {0};
    struct eg_obs_cs_row row;
    int got;
    while ((got = eg_obs_cs_next(&cs, &row, NULL)) != 0) {
        REQUIRE(got == 1);
        rows++;
        CHECK_EQ_INT(row.nfields, 1608);
        CHECK(row.c.year == 2019 && row.c.month == 1 && row.c.day == 1);
        CHECK(row.t == eg_time_from_beijing(&row.c));
        if (row.type >= 0)
            typed[row.type]++;
    }
    CHECK_EQ_INT(rows, 24 * 15); /* 15 type rows an hour */
    for (int k = 0; k < EG_OBS_NTYPES; k++)
        CHECK_EQ_INT(typed[k], 24);
    eg_obs_cs_close(&cs);
    free(d);
}

TEST(obs_china_sites_real_one_row_per_station_hour_and_per_station_day)
{
    size_t len;
    char *d = real(CHINA_0101, &len);
    struct seen s = {0};
    const struct eg_obs_sink sink = {on_begin, on_row, on_problem, &s};
    CHECK_EQ_INT(eg_obs_read_china_sites(d, len, 0, &sink, NULL), 0);
    CHECK_EQ_INT(s.begins, 1);
    CHECK_EQ_INT(s.rows, 1605 * 24);
    CHECK_EQ_INT(s.problems, 0);
    CHECK_STR(s.first_station, "1001A");
    CHECK(s.first.time.hour == 0 && s.first.time.day == 1);
    CHECK_EQ_INT(aqi_of(&s.first, 0), 73); /* as CNEMC published it in the AQI row */
    struct seen day = {0};
    const struct eg_obs_sink dsink = {on_begin, on_row, on_problem, &day};
    CHECK_EQ_INT(eg_obs_read_china_sites(d, len, 1, &dsink, NULL), 0);
    CHECK_EQ_INT(day.begins, 1);
    CHECK_EQ_INT(day.rows, 2637); /* stations with a value on 2018-12-31 (hour 0) or 2019-01-01 */
    free(d);
}

TEST(obs_cnemc_json_real_snapshot_one_row_per_feature)
{
    size_t len;
    char *d = real("data/real/cnemc_geoinsights/airnow_2018-02-20T07.json", &len);
    struct seen s = {0};
    const struct eg_obs_sink sink = {on_begin, on_row, on_problem, &s};
    CHECK_EQ_INT(eg_obs_read_cnemc_json(d, len, &sink, NULL), 0);
    CHECK_EQ_INT(s.rows, 1495);
    CHECK_STR(s.first_station, "1001A");
    CHECK(s.first.time.year == 2018 && s.first.time.hour == 7);
    CHECK_EQ_INT(aqi_of(&s.first, 0), 54);
    free(d);
}

TEST(obs_table_real_mee_city_table_as_published)
{
    size_t len;
    char *d = real("data/real/mee_city_hourly_2019_spring_festival/"
                   "AQI_Data_2019-02-04T22_to_2019-02-05T05.csv",
                   &len);
    struct seen s = {0};
    const struct eg_obs_sink sink = {on_begin, on_row, on_problem, &s};
    CHECK_EQ_INT(eg_obs_read_table(d, len, &sink, NULL), 0);
    CHECK_EQ_INT(s.rows, 2936);
    CHECK_STR(s.first_station, "北京市");
    CHECK(s.first.time.day == 4 && s.first.time.hour == 22);
    CHECK_EQ_INT(aqi_of(&s.first, 0), 109); /* the file's own AQI column */
    free(d);
}

TEST(obs_bad_input_problems_name_the_line_and_bad_headers_give_no_output)
{
    struct seen s = {0};
    const struct eg_obs_sink sink = {on_begin, on_row, on_problem, &s};
    const char *t = "time,pm25\n2019-01-01 01:00,abc\n2019-13-01 01:00,5\n";
    CHECK_EQ_INT(eg_obs_read_table(t, strlen(t), &sink, NULL), 0);
    CHECK_EQ_INT(s.rows, 1);
    CHECK_EQ_INT(s.problems, 2);
    CHECK_STR(s.first_problem, "line 2: pm25: invalid value 'abc' (treated as missing)");
    CHECK_EQ_INT(s.first.in.c[EG_QUALITY_PM25], EG_QUALITY_NA);
    struct seen b = {0};
    const struct eg_obs_sink bsink = {on_begin, on_row, on_problem, &b};
    struct eg_err err;
    CHECK_EQ_INT(eg_obs_read_table("station,pm25\nx,1\n", 17, &bsink, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_obs_read_china_sites("a,b,c\n", 6, 0, &bsink, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "date,hour,type") != NULL);
    CHECK_EQ_INT(eg_obs_read_cnemc_json("{\"features\": 1}", 15, &bsink, &err), EG_EINVAL);
    CHECK_EQ_INT(b.begins + b.rows, 0);
    const char *cs = "date,hour,type,A\n20190101,24,PM2.5,1\n2019010,1,PM2.5,1\n"
                     "20190101,1,\"PM2.5,1\n20190101,2,PM2.5,—\n";
    struct seen c = {0};
    const struct eg_obs_sink csink = {on_begin, on_row, on_problem, &c};
    CHECK_EQ_INT(eg_obs_read_china_sites(cs, strlen(cs), 0, &csink, NULL), 0);
    CHECK_EQ_INT(c.problems, 3);
    CHECK_STR(c.first_problem, "line 2: invalid date/hour (skipped)");
    CHECK_EQ_INT(c.rows, 1); /* hour 2, A missing: a row with no values */
    CHECK_EQ_INT(c.first.in.c[EG_QUALITY_PM25], EG_QUALITY_NA);
    int32_t v;
    CHECK_EQ_INT(eg_obs_value(" 12.5 ", 6, &v, NULL, NULL), 0);
    CHECK_EQ_INT(v, 12500);
    CHECK_EQ_INT(eg_obs_value("-;", 2, &v, NULL, NULL), 1);
    CHECK_EQ_INT(eg_obs_value("1e3x", 4, &v, NULL, NULL), EG_EINVAL);
}
