/* Environmental-quality evaluation over stored data (issue 6 §2-§4) against the real
   `envgov serve` and `envgov eval`: real-time and daily AQI of stations and regions checked
   against the officially published AQI of the real quotsoft china_sites files (imported with
   `envgov import observations`), the HJ 663 annual evaluation of a synthetic full year with
   known statistics, GB 3838 water classes by month and year, GB 3096 noise compliance, target
   progress, who sees what (public / street region / bureau), and bad input. */
#include "base/base.h"
#include "db/db.h"
#include "integration/http_client.h"
#include "quality/quality.h"
#include "test.h"
#include "ts/ts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct eg_hs srv;

static int get(const char *token, const char *path, json_t **out)
{
    struct eg_hc_resp r;
    int rc = eg_hc_request(srv.port, "GET", path, token, NULL, NULL, 0, &r);
    int st = rc ? -1 : r.status;
    if (out)
        *out = eg_hc_json(&r);
    eg_hc_free(&r);
    return st;
}

static void sql(const char *db, const char *q)
{
    struct eg_db *st;
    struct eg_err err;
    REQUIRE(eg_db_open(db, &st, &err) == 0);
    if (eg_db_exec(st, q, &err))
        eg_test_fail(__FILE__, __LINE__, "%s: %s", q, err.msg);
    eg_db_close(st);
}

/* ---- the real published data ------------------------------------------------------------- */

#define NST 3
static const char *const STN[NST] = {"1001A", "1003A", "1011A"};

/* Published values of the slice: [file][hour][type][station], NAN when empty. */
enum { T_AQI, T_PM25, T_PM10, T_SO2, T_NO2, T_O3, T_CO, T_N };
static const char *const TNAME[T_N] = {"AQI", "PM2.5", "PM10", "SO2", "NO2", "O3", "CO"};
static double pub[2][24][T_N][NST];

/* Writes the columns of STN of a real china_sites file to path and remembers their values. */
static void slice(const char *day, int fi, const char *path)
{
    char rel[128];
    snprintf(rel, sizeof rel, "data/real/quotsoft_china_sites_2019/china_sites_%s.csv", day);
    size_t len;
    char *text = eg_test_read_file(eg_test_shared(rel), &len);
    REQUIRE(text);
    for (int h = 0; h < 24; h++)
        for (int t = 0; t < T_N; t++)
            for (int s = 0; s < NST; s++)
                pub[fi][h][t][s] = NAN;
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    int col[NST] = {-1, -1, -1};
    char *save = text, *line;
    int first = 1;
    while ((line = save) && *line) {
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : line + strlen(line);
        if (nl)
            *nl = '\0';
        if (nl && nl > line && nl[-1] == '\r')
            nl[-1] = '\0';
        /* split on commas */
        char *cell[4096];
        int n = 0;
        for (char *p = line; n < 4096;) {
            cell[n++] = p;
            char *c = strchr(p, ',');
            if (!c)
                break;
            *c = '\0';
            p = c + 1;
        }
        if (first) {
            first = 0;
            for (int i = 3; i < n; i++)
                for (int s = 0; s < NST; s++)
                    if (!strcmp(cell[i], STN[s]))
                        col[s] = i;
            for (int s = 0; s < NST; s++)
                REQUIRE(col[s] > 0);
            fprintf(f, "date,hour,type,%s,%s,%s\n", STN[0], STN[1], STN[2]);
            continue;
        }
        if (n < 3)
            continue;
        fprintf(f, "%s,%s,%s", cell[0], cell[1], cell[2]);
        int h = atoi(cell[1]);
        int t = -1;
        for (int k = 0; k < T_N; k++)
            if (!strcmp(cell[2], TNAME[k]))
                t = k;
        for (int s = 0; s < NST; s++) {
            const char *v = col[s] < n ? cell[col[s]] : "";
            fprintf(f, ",%s", v);
            if (t >= 0 && *v && h >= 0 && h < 24)
                pub[fi][h][t][s] = atof(v);
        }
        fprintf(f, "\n");
    }
    fclose(f);
    free(text);
}

/* The published AQI of the hour whose label is "YYYY-MM-DD HH:00" (2019-01-01/02 files). */
static double published(const char *label, int t, int s)
{
    int y, m, d, h;
    if (sscanf(label, "%d-%d-%d %d:", &y, &m, &d, &h) != 4 || y != 2019 || m != 1 || d < 1 || d > 2)
        return NAN;
    return pub[d - 1][h][t][s];
}

static void import_real(const char *db)
{
    static const char *const days[2] = {"20190101", "20190102"};
    for (int i = 0; i < 2; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/china_sites_%s.csv", eg_test_tmpdir(), days[i]);
        slice(days[i], i, path);
        const char *args[] = {"import", "observations", path, "--db", db, NULL};
        char *out, *err;
        CHECK_EQ_INT(eg_test_run(args, NULL, 0, &out, &err), 0);
        free(out);
        free(err);
    }
}

TEST(eval_http_realtime_aqi_equals_published_china_sites_and_scope)
{
    char db[600];
    snprintf(db, sizeof db, "%s/aqi.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    /* 1001A public in S1 (陆家嘴), 1003A not public in S1, 1011A public in S2 (川沙) */
    sql(db, "INSERT INTO stations (code, name, kind, region_id, public) VALUES "
            "('1001A', '万寿西宫', 'air', (SELECT id FROM regions WHERE code = '310115005'), 1), "
            "('1003A', '东四', 'air', (SELECT id FROM regions WHERE code = '310115005'), 0), "
            "('1011A', '奥体中心', 'air', (SELECT id FROM regions WHERE code = '310115125'), 1)");
    import_real(db);
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    char *bureau = eg_hc_login(srv.port, "bureau", "pw-bureau-123456");
    char *street = eg_hc_login(srv.port, "street", "pw-street-123456");
    REQUIRE(bureau && street);

    /* HJ 633-2012 real-time AQI, 1-h PM on the 24-h breakpoints (CNEMC practice): every
       station-hour with a published AQI agrees, category from the same table */
    int matched = 0;
    for (int s = 0; s < NST; s++) {
        char path[256];
        snprintf(path, sizeof path, "/api/v1/aqi/hourly?station=%s&from=2019-01-01&to=2019-01-03",
                 STN[s]);
        json_t *j;
        CHECK_EQ_INT(get(bureau, path, &j), 200);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(j, "items"), i, it)
        {
            const char *label = json_string_value(json_object_get(it, "time"));
            double p = published(label, T_AQI, s);
            CHECK_EQ_INT(json_integer_value(json_object_get(it, "edition")), 2012);
            if (isnan(p))
                continue;
            json_t *aqi = json_object_get(it, "aqi");
            if (!json_is_integer(aqi) || json_integer_value(aqi) != (json_int_t)p)
                eg_test_fail(__FILE__, __LINE__, "%s %s: published %g, computed %s", STN[s], label,
                             p, json_dumps(it, 0));
            const struct eg_quality_category *c = eg_quality_category_of((int)p);
            CHECK_STR(json_string_value(json_object_get(it, "category")), c->name_zh);
            matched++;
        }
        json_decref(j);
    }
    CHECK(matched >= 100); /* the three stations over two days */

    /* scope: the non-public station is unknown to the public, known to the street of its region */
    json_t *j;
    CHECK_EQ_INT(get(NULL, "/api/v1/aqi/hourly?station=1003A&from=2019-01-01&to=2019-01-02", &j),
                 404);
    json_decref(j);
    CHECK_EQ_INT(get(street, "/api/v1/aqi/hourly?station=1003A&from=2019-01-01&to=2019-01-02", &j),
                 200);
    json_decref(j);

    /* a region's hour is the mean of the stations the asker sees: the public gets 1001A alone,
       the bureau the mean of 1001A and 1003A */
    const char *rq = "/api/v1/aqi/hourly?region=310115005&from=2019-01-02%2009:00"
                     "&to=2019-01-02%2010:00";
    CHECK_EQ_INT(get(NULL, rq, &j), 200);
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    REQUIRE(it);
    CHECK_STR(json_string_value(json_object_get(it, "time")), "2019-01-02 10:00");
    CHECK_EQ_DBL(json_number_value(json_object_get(it, "pm25")), pub[1][10][T_PM25][0], 1e-9);
    CHECK_EQ_INT(json_integer_value(json_object_get(it, "aqi")), (int)pub[1][10][T_AQI][0]);
    json_decref(j);
    CHECK_EQ_INT(get(bureau, rq, &j), 200);
    it = json_array_get(json_object_get(j, "items"), 0);
    REQUIRE(it && !isnan(pub[1][10][T_PM25][1]));
    CHECK_EQ_DBL(json_number_value(json_object_get(it, "pm25")),
                 (pub[1][10][T_PM25][0] + pub[1][10][T_PM25][1]) / 2, 1e-9);
    json_decref(j);

    /* latest: every station the asker sees, and the region; the non-public one is absent */
    CHECK_EQ_INT(get(NULL, "/api/v1/aqi/latest", &j), 200);
    json_t *items = json_object_get(j, "items");
    int seen1003 = 0, seen1001 = 0;
    size_t i;
    json_array_foreach(items, i, it)
    {
        const char *code = json_string_value(json_object_get(it, "station"));
        seen1003 |= !strcmp(code, "1003A");
        if (!strcmp(code, "1001A")) {
            seen1001 = 1;
            const char *label = json_string_value(json_object_get(it, "time"));
            CHECK_STR(label, "2019-01-02 23:00");
            CHECK_EQ_INT(json_integer_value(json_object_get(it, "aqi")),
                         (int)published(label, T_AQI, 0));
        }
    }
    CHECK(seen1001 && !seen1003);
    CHECK(json_is_integer(json_object_get(json_object_get(j, "region"), "aqi")));
    json_decref(j);
    struct eg_hc_resp r;
    REQUIRE(eg_hc_request(srv.port, "GET", "/api/v1/aqi/latest?format=csv", NULL, NULL, NULL, 0,
                          &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body && strstr(r.body, "1001A") && !strstr(r.body, "1003A"));
    /* issue 11 §5: the hour in Beijing time with its seconds */
    CHECK(r.body && strstr(r.body, ",2019-01-02 23:00:00,"));
    eg_hc_free(&r);

    /* daily AQI: 24-h means of the natural day (hours labelled 01..24, >= 20 valid) */
    CHECK_EQ_INT(get(NULL, "/api/v1/aqi/daily?station=1001A&from=2019-01-02&to=2019-01-02", &j),
                 200);
    it = json_array_get(json_object_get(j, "items"), 0);
    REQUIRE(it);
    CHECK_STR(json_string_value(json_object_get(it, "time")), "2019-01-02");
    double sum = 0;
    int n = 0;
    for (int h = 1; h < 24; h++) /* label 24 (hour 0 of 01-03) is not in the slice */
        if (!isnan(pub[1][h][T_PM25][0])) {
            sum += pub[1][h][T_PM25][0];
            n++;
        }
    REQUIRE(n >= 20);
    CHECK_EQ_DBL(json_number_value(json_object_get(it, "pm25")), nearbyint(sum / n), 1e-9);
    json_decref(j);

    /* bad input */
    static const struct {
        const char *path;
        int status;
    } bad[] = {
        {"/api/v1/aqi/hourly?station=NOPE&from=2019-01-01&to=2019-01-02", 404},
        {"/api/v1/aqi/hourly?region=NOPE&from=2019-01-01&to=2019-01-02", 404},
        {"/api/v1/aqi/hourly?station=1001A&from=2019-01-02&to=2019-01-01", 422},
        {"/api/v1/aqi/hourly?station=1001A&from=2019-02-30&to=2019-03-01", 422},
        {"/api/v1/aqi/hourly?station=1001A&from=yesterday&to=2019-03-01", 400}, /* not a time */
        {"/api/v1/aqi/hourly?station=1001A&from=2019-01-01&to=2019-06-01", 413},
        {"/api/v1/aqi/daily?station=1001A&from=2015-01-01&to=2019-06-01", 413},
        {"/api/v1/aqi/hourly?from=2019-01-01&to=2019-01-02", 400},
        {"/api/v1/aqi/hourly?station=1001A&region=310115005&from=2019-01-01&to=2019-01-02", 400},
        {"/api/v1/aqi/hourly?station=1001A&from=2019-01-01", 400},
        {"/api/v1/aqi/hourly?station=1001A&from=2019-01-01&to=2019-01-02&format=pdf", 400},
        {"/api/v1/aqi/hourly?station=1001A&from=2019-01-01&to=2019-01-02&tier=final", 400},
        {"/api/v1/eval/air/annual?region=310115005&year=abc", 400},
        {"/api/v1/eval/air/annual?region=310115005&year=99999", 422},
        {"/api/v1/eval/air/annual?region=310115005", 400},
        {"/api/v1/eval/water?section=1001A&year=2019", 404}, /* an air station is no section */
        {"/api/v1/eval/noise?station=1001A&from=2019-01-01&to=2019-01-02", 404},
        {"/api/v1/targets?as_of=2019-13-01", 422},
    };
    for (size_t b = 0; b < EG_ARRAY_LEN(bad); b++) {
        int st = get(NULL, bad[b].path, &j);
        if (st != bad[b].status)
            eg_test_fail(__FILE__, __LINE__, "%s: %d, expected %d", bad[b].path, st, bad[b].status);
        CHECK(json_is_object(json_object_get(j, "error")));
        json_decref(j);
    }
    free(bureau);
    free(street);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

/* ---- the latest AQI (issue 11 item 1) and one validity rule ----------------------------- */

/* Minute means (CN 2051 Avg) of PM2.5 and PM10 for minutes [m0, m1) of the hour starting at h. */
static void minutes(struct eg_ts *ts, const char *code, int64_t h, int m0, int m1, double pm25,
                    double pm10)
{
    struct eg_ts_point p[120];
    size_t n = 0;
    for (int m = m0; m < m1; m++) {
        p[n++] = (struct eg_ts_point){
            {code, "a34004", EG_TS_KIND_MINUTE, "Avg", 0}, h + m * 60, pm25, 'N'};
        p[n++] = (struct eg_ts_point){
            {code, "a34002", EG_TS_KIND_MINUTE, "Avg", 0}, h + m * 60, pm10, 'N'};
    }
    struct eg_err err;
    REQUIRE(eg_ts_write_batch(ts, p, n, EG_TS_CREATE, NULL, &err) == 0);
}

/* The device's own hourly value (CN 2061 Avg, as sent) for the hour starting at h. */
static void device_hour(struct eg_ts *ts, const char *code, int64_t h, double pm25, double pm10)
{
    struct eg_ts_point p[2] = {
        {{code, "a34004", EG_TS_KIND_HOUR, "Avg", 0}, h, pm25, 'N'},
        {{code, "a34002", EG_TS_KIND_HOUR, "Avg", 0}, h, pm10, 'N'},
    };
    struct eg_err err;
    REQUIRE(eg_ts_write_batch(ts, p, 2, EG_TS_CREATE, NULL, &err) == 0);
}

static void beijing_label(int64_t t, char *b, size_t n)
{
    eg_time_format_beijing(t, b, n);
    b[16] = '\0';
}

/* GET /api/v1/aqi/latest over the real server, with the data of the first trial: station L1
   has valid hours, then a gap, then two hours invalid by the 45-minute rule (GB 3095-2012
   Table 4, standards.md 2.2: one of them with 43 minutes and the device's own 2061 hourly value,
   which must not make it valid), and the hour in progress complete enough to look valid; L2's
   newest closed hour is valid. Only PM2.5 and PM10 are sent, so the values are above AQI 100
   (HJ 633-2026 §5.3.1 withholds an AQI <= 100 with an indicator missing). Each station shows its
   most recent valid closed hour with its label and age; the district averages the stations' latest
   valid hours (HJ 663 point mean). */
TEST(eval_http_aqi_latest_valid_closed_hours_with_gap_invalid_and_open_hour)
{
    char db[600];
    snprintf(db, sizeof db, "%s/latest.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    sql(db, "INSERT INTO stations (code, name, kind, region_id, public) VALUES "
            "('L1', '缺测站', 'air', (SELECT id FROM regions WHERE code = '310115005'), 1), "
            "('L2', '正常站', 'air', (SELECT id FROM regions WHERE code = '310115005'), 1)");
    int64_t now = eg_time_now();
    if (now % 3600 > 3540) { /* not across an hour boundary while the test runs */
        struct timespec w = {3600 - now % 3600 + 2, 0};
        nanosleep(&w, NULL);
        now = eg_time_now();
    }
    int64_t hc = now - now % 3600; /* the hour in progress */
    {
        struct eg_db *st;
        struct eg_ts *ts;
        struct eg_err err;
        REQUIRE(eg_db_open(db, &st, &err) == 0);
        REQUIRE(eg_ts_open(st, &ts, &err) == 0);
        minutes(ts, "L1", hc - 6 * 3600, 0, 60, 35, 50);
        minutes(ts, "L1", hc - 5 * 3600, 0, 60, 75, 80); /* L1's latest valid hour */
        /* hc - 4 h and hc - 3 h: nothing (the gap) */
        minutes(ts, "L1", hc - 2 * 3600, 0, 43, 150, 160); /* 43 minutes: invalid */
        device_hour(ts, "L1", hc - 2 * 3600, 150, 160);    /* the device's own hour: refused */
        minutes(ts, "L1", hc - 3600, 0, 30, 140, 150);     /* the newest closed hour: invalid */
        minutes(ts, "L1", hc, 0, 60, 250, 260);            /* in progress: never published */
        device_hour(ts, "L1", hc, 250, 260);
        minutes(ts, "L2", hc - 3600, 0, 60, 115, 120);
        minutes(ts, "L2", hc, 0, 60, 250, 260);
        struct eg_ts_agg_stats as;
        REQUIRE(eg_ts_aggregate(ts, &as, &err) == 0);
        CHECK(as.hours_invalid >= 2);
        eg_ts_close(ts);
        eg_db_close(st);
    }
    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    json_t *j;
    CHECK_EQ_INT(get(NULL, "/api/v1/aqi/latest?region=310115005", &j), 200);
    char l1[32], l2[32], probe[32];
    beijing_label(hc - 4 * 3600, l1, sizeof l1); /* the end of L1's hour hc - 5 h */
    beijing_label(hc, l2, sizeof l2);            /* the end of L2's hour hc - 1 h */
    size_t i;
    json_t *it;
    int seen = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
    {
        const char *code = json_string_value(json_object_get(it, "station"));
        const char *hour = json_string_value(json_object_get(it, "hour"));
        json_int_t age = json_integer_value(json_object_get(it, "age_minutes"));
        REQUIRE(code);
        if (strcmp(code, "L1") && strcmp(code, "L2")) { /* the fixture's station: no data */
            CHECK(json_is_null(json_object_get(it, "hour")));
            CHECK(json_is_null(json_object_get(it, "aqi")));
            continue;
        }
        if (!hour) {
            eg_test_fail(__FILE__, __LINE__, "%s", json_dumps(it, 0));
            continue;
        }
        CHECK(json_is_integer(json_object_get(it, "aqi")));
        if (!strcmp(code, "L1")) {
            seen |= 1;
            CHECK_STR(hour, l1);
            CHECK_STR(json_string_value(json_object_get(it, "time")), l1);
            CHECK_EQ_DBL(json_number_value(json_object_get(it, "pm25")), 75, 1e-9);
            CHECK(age >= (now - (hc - 4 * 3600)) / 60 && age <= (now - (hc - 4 * 3600)) / 60 + 2);
        } else if (!strcmp(code, "L2")) {
            seen |= 2;
            CHECK_STR(hour, l2);
            CHECK_EQ_DBL(json_number_value(json_object_get(it, "pm25")), 115, 1e-9);
            CHECK(age >= (now - hc) / 60 && age <= (now - hc) / 60 + 2);
        }
        beijing_label(now, probe, sizeof probe);
        CHECK(strcmp(hour, probe) <= 0); /* never a label in the future */
    }
    CHECK_EQ_INT(seen, 3);
    json_t *reg = json_object_get(j, "region");
    CHECK_STR(json_string_value(json_object_get(reg, "hour")), l2);
    CHECK_STR(json_string_value(json_object_get(reg, "oldest_hour")), l1);
    /* of the region's 3 stations (the fixture's has no data), 2 have a valid hour */
    CHECK_EQ_INT(json_integer_value(json_object_get(reg, "stations")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(reg, "stations_reporting")), 2);
    CHECK_EQ_DBL(json_number_value(json_object_get(reg, "pm25")), 95, 1e-9); /* (75 + 115) / 2 */
    CHECK_EQ_DBL(json_number_value(json_object_get(reg, "pm10")), 100, 1e-9);
    CHECK(json_is_integer(json_object_get(reg, "aqi")));
    json_decref(j);

    /* the export says the same (issue 11 §1 and §5): Chinese headers, each station's latest
       valid hour in Beijing time with its age, and a row for the region with how many stations
       report and the oldest of their hours */
    struct eg_hc_resp r;
    REQUIRE(eg_hc_request(srv.port, "GET", "/api/v1/aqi/latest?region=310115005&format=csv", NULL,
                          NULL, NULL, 0, &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    REQUIRE(r.body);
    CHECK(strstr(r.body, "站点编码,站点名称,区域编码,最新有效小时(北京时间),距今(分钟),"
                         "有数据站点数,最早站点小时(北京时间),AQI,") != NULL);
    char line_want[160];
    snprintf(line_want, sizeof line_want, "\nL1,缺测站,310115005,%s:00,", l1);
    CHECK(strstr(r.body, line_want) != NULL);
    snprintf(line_want, sizeof line_want, "\nL2,正常站,310115005,%s:00,", l2);
    CHECK(strstr(r.body, line_want) != NULL);
    const char *row = strstr(r.body, "（各站最新有效小时的平均）,310115005,");
    REQUIRE(row);
    snprintf(line_want, sizeof line_want, "（各站最新有效小时的平均）,310115005,%s:00,", l2);
    CHECK(!strncmp(row, line_want, strlen(line_want)));
    snprintf(line_want, sizeof line_want, ",2,%s:00,", l1); /* 2 reporting, the oldest L1's */
    const char *eol = strchr(row, '\n');
    const char *hit = strstr(row, line_want);
    CHECK(hit && (!eol || hit < eol));
    eg_hc_free(&r);
    REQUIRE(eg_hc_request(srv.port, "GET", "/api/v1/aqi/latest?region=310115005&format=xlsx", NULL,
                          NULL, NULL, 0, &r) == 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body && r.body_len > 100 && !memcmp(r.body, "PK", 2));
    eg_hc_free(&r);

    /* one validity rule: the hour of 43 minutes has no PM2.5 in the hourly AQI either, though
       the device sent its own hourly value for it */
    char path[256], from[32], to[32];
    beijing_label(hc - 6 * 3600, from, sizeof from);
    beijing_label(hc - 3600, to, sizeof to);
    from[10] = to[10] = '+'; /* a space in the query */
    snprintf(path, sizeof path, "/api/v1/aqi/hourly?station=L1&from=%s&to=%s", from, to);
    CHECK_EQ_INT(get(NULL, path, &j), 200);
    int valid_hours = 0, refused_shown = 0;
    json_array_foreach(json_object_get(j, "items"), i, it)
    {
        const char *start = json_string_value(json_object_get(it, "start"));
        char want[32];
        beijing_label(hc - 2 * 3600, want, sizeof want);
        valid_hours += json_is_number(json_object_get(it, "pm25"));
        if (start && !strcmp(start, want) && !json_is_null(json_object_get(it, "pm25")))
            refused_shown = 1;
    }
    CHECK_EQ_INT(valid_hours, 2); /* hc - 6 h and hc - 5 h */
    CHECK(!refused_shown);
    json_decref(j);

    /* hostile and malformed parameters: refused with a message, never a crash */
    static const struct {
        const char *path;
        int status;
    } bad[] = {
        {"/api/v1/aqi/latest?region=NOPE", 404},
        {"/api/v1/aqi/latest?region=%27%3B%20DROP%20TABLE%20ts_raw%3B--", 404},
        {"/api/v1/aqi/latest?tier=bogus", 400},
    };
    for (size_t b = 0; b < EG_ARRAY_LEN(bad); b++) {
        int st = get(NULL, bad[b].path, &j);
        if (st != bad[b].status)
            eg_test_fail(__FILE__, __LINE__, "%s: %d, expected %d", bad[b].path, st, bad[b].status);
        json_decref(j);
    }
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);
}

/* ---- a synthetic year ------------------------------------------------------------------- */

/* Daily value of day d of 2025: constant over its 24 hours so every daily mean is exact. */
static double syn_pm25(int d)
{
    return d % 73 == 0 ? 120 : 20 + d % 50;
}
static double syn_pm10(int d)
{
    return 40 + d % 60;
}

static void write_year(struct eg_ts *ts, const char *code)
{
    static const char *const pol[6] = {"a21026", "a21004", "a34002", "a21005", "a05024", "a34004"};
    int64_t t0 = eg_ts_day_start(eg_days_from_civil(2025, 1, 1));
    struct eg_ts_point *p = eg_malloc(365 * 24 * sizeof *p);
    struct eg_err err;
    for (int k = 0; k < 6; k++) {
        size_t n = 0;
        for (int d = 0; d < 365; d++)
            for (int h = 0; h < 24; h++) {
                double v = k == 0   ? 10
                           : k == 1 ? 30
                           : k == 2 ? syn_pm10(d)
                           : k == 3 ? 0.5
                           : k == 4 ? 80
                                    : syn_pm25(d);
                p[n++] = (struct eg_ts_point){{code, pol[k], EG_TS_KIND_HOUR, "Avg", 0},
                                              t0 + (int64_t)(d * 24 + h) * 3600,
                                              v,
                                              'N'};
            }
        REQUIRE(eg_ts_write_batch(ts, p, n, EG_TS_CREATE, NULL, &err) == 0);
    }
    free(p);
}

/* HJ 663 §5 percentile (standards.md §3.2), independently of src/quality. */
static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double percentile(double *v, int n, int p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_dbl);
    double k = 1 + (n - 1) * p / 100.0;
    int s = (int)floor(k);
    return s >= n ? v[n - 1] : v[s - 1] + (v[s] - v[s - 1]) * (k - s);
}

static void water_noise_data(struct eg_ts *ts)
{
    struct eg_err err;
    /* section W1: one sample a month (kind 2031), Jan class II, Feb IV (NH3-N 1.5), Mar 劣V
       (NH3-N 2.5, total mercury given in µg/L as HJ 212 codes it) */
    static const double nh3[3] = {0.5, 1.5, 2.5};
    struct eg_ts_point p[64];
    size_t n = 0;
    for (int m = 0; m < 3; m++) {
        int64_t t = eg_ts_day_start(eg_days_from_civil(2025, m + 1, 10));
        p[n++] = (struct eg_ts_point){{"W1", "w21003", EG_TS_KIND_DAY, "Avg", 0}, t, nh3[m], 'N'};
        p[n++] = (struct eg_ts_point){{"W1", "w21011", EG_TS_KIND_DAY, "Avg", 0}, t, 0.1, 'N'};
        p[n++] = (struct eg_ts_point){{"W1", "w01018", EG_TS_KIND_DAY, "Avg", 0}, t, 15, 'N'};
        p[n++] = (struct eg_ts_point){{"W1", "w01009", EG_TS_KIND_DAY, "Avg", 0}, t, 8, 'N'};
        p[n++] = (struct eg_ts_point){{"W1", "w01001", EG_TS_KIND_DAY, "Avg", 0}, t, 7.5, 'N'};
        p[n++] = (struct eg_ts_point){{"W1", "w20111", EG_TS_KIND_DAY, "Avg", 0}, t, 0.04, 'N'};
    }
    REQUIRE(eg_ts_write_batch(ts, p, n, EG_TS_CREATE, NULL, &err) == 0);
    /* noise N1 (zone 2: 60/50 dB(A)): day hours 55, night hours 52, one day hour of 2 June 65 */
    struct eg_ts_point q[72];
    int64_t t0 = eg_ts_day_start(eg_days_from_civil(2025, 6, 1));
    for (int i = 0; i < 72; i++) {
        int h = i % 24;
        double v = h >= 6 && h < 22 ? 55 : 52;
        if (i == 24 + 12)
            v = 65;
        q[i] =
            (struct eg_ts_point){{"N1", "Leq", EG_TS_KIND_HOUR, "Avg", 0}, t0 + i * 3600, v, 'N'};
    }
    REQUIRE(eg_ts_write_batch(ts, q, 72, EG_TS_CREATE, NULL, &err) == 0);
}

TEST(eval_http_annual_water_noise_targets_synthetic)
{
    char db[600];
    snprintf(db, sizeof db, "%s/year.db", eg_test_tmpdir());
    struct eg_hf fx;
    REQUIRE(eg_hf_build(db, &fx) == 0);
    sql(db, "INSERT INTO stations (code, name, kind, region_id, public, water_class, noise_zone) "
            "VALUES ('Y1', '合成站', 'air', (SELECT id FROM regions WHERE code = '310115125'), 1, "
            "NULL, NULL), "
            "('W1', '合成断面', 'water', (SELECT id FROM regions WHERE code = '310115005'), 1, "
            "'III', NULL), "
            "('N1', '合成声点', 'noise', (SELECT id FROM regions WHERE code = '310115125'), 0, "
            "NULL, '2')");
    {
        struct eg_db *st;
        struct eg_ts *ts;
        struct eg_err err;
        REQUIRE(eg_db_open(db, &st, &err) == 0);
        REQUIRE(eg_ts_open(st, &ts, &err) == 0);
        eg_ts_set_now(ts, eg_ts_day_start(eg_days_from_civil(2026, 6, 1)));
        write_year(ts, "Y1");
        water_noise_data(ts);
        eg_ts_close(ts);
        eg_db_close(st);
    }
    /* targets through the CLI loader */
    char tpath[600];
    snprintf(tpath, sizeof tpath, "%s/targets.csv", eg_test_tmpdir());
    FILE *f = fopen(tpath, "w");
    REQUIRE(f);
    fputs(
        "id,region,metric,comparison,goal,tolerance,unit,period_start,period_end,plan_period,"
        "source,text\n"
        "cs_good,川沙新镇,good_day_ratio,ge,90,0,percent,2025-01-01,2025-12-31,2025,test,\"优良率, "
        "90%\"\n"
        "cs_pm25,310115125,pm25_annual_mean,le,35,0,ug/m3,2025-01-01,2025-12-31,2025,test,t\n"
        "lj_water,310115005,water_class_iii_or_better_share,ge,80,0,percent,2025-01-01,"
        "2025-12-31,2025,test,t\n"
        "elsewhere,普陀区,good_day_ratio,about,85,0,percent,2025-01-01,2025-12-31,2025,test,t\n",
        f);
    fclose(f);
    const char *load[] = {"eval",     "targets", "--load", tpath, "--as-of", "2025-12-31",
                          "--format", "csv",     "--db",   db,    NULL};
    char *out, *err;
    CHECK_EQ_INT(eg_test_run(load, NULL, 0, &out, &err), 0);
    /* issue 11 §5: the CLI's CSV is the HTTP export's (BOM, Chinese headers and labels, 是/否) */
    CHECK(out && strstr(out, "cs_good,川沙新镇,优良天数比率,不低于,90,percent"));
    CHECK(out && !memcmp(out, "\xEF\xBB\xBF目标编号,区域,指标,比较",
                         strlen("\xEF\xBB\xBF目标编号,区域,指标,比较")));
    CHECK(out && !strstr(out, "good_day_ratio,ge") && (strstr(out, ",是,") || strstr(out, ",否,")));
    free(out);
    free(err);

    /* the CLI annual evaluation */
    const char *air[] = {"eval", "air", "--station", "Y1", "--year", "2025", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(air, NULL, 0, &out, &err), 0);
    json_t *cj = out ? json_loads(out, 0, NULL) : NULL;
    REQUIRE(cj);
    CHECK_EQ_INT(json_integer_value(json_object_get(cj, "days_good")), 360);
    json_decref(cj);
    free(out);
    free(err);

    REQUIRE(eg_hs_start(&srv, db, NULL) == 0);
    char *bureau = eg_hc_login(srv.port, "bureau", "pw-bureau-123456");
    char *street = eg_hc_login(srv.port, "street", "pw-street-123456");
    REQUIRE(bureau && street);

    /* HJ 663: 365 valid days, 5 days of PM2.5 120 (IAQI > 100) -> 360 good days, 98.6 % */
    json_t *j;
    CHECK_EQ_INT(get(NULL, "/api/v1/eval/air/annual?region=310115125&year=2025", &j), 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "edition")), 2012);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "days_valid")), 365);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "days_good")), 360);
    CHECK_EQ_DBL(json_number_value(json_object_get(j, "good_ratio_rounded")), 98.6, 1e-9);
    CHECK(json_is_false(json_object_get(j, "compliant")));
    double v25[365], v10[365], s25 = 0;
    for (int d = 0; d < 365; d++) {
        v25[d] = syn_pm25(d);
        v10[d] = syn_pm10(d);
        s25 += v25[d];
    }
    json_t *pol = json_object_get(j, "pollutants");
    json_t *pm25 = json_array_get(pol, 5), *pm10 = json_array_get(pol, 2),
           *so2 = json_array_get(pol, 0);
    REQUIRE(pm25 && pm10 && so2);
    CHECK_STR(json_string_value(json_object_get(pm25, "pollutant")), "PM2.5");
    CHECK(json_is_true(json_object_get(pm25, "valid")));
    CHECK_EQ_DBL(json_number_value(json_object_get(pm25, "annual_mean")), s25 / 365, 0.0006);
    CHECK_EQ_DBL(json_number_value(json_object_get(pm25, "percentile")), percentile(v25, 365, 95),
                 0.0006);
    CHECK_EQ_DBL(json_number_value(json_object_get(pm10, "percentile")), percentile(v10, 365, 95),
                 0.0006);
    CHECK(json_is_false(json_object_get(pm25, "compliant"))); /* mean 44.x > 35 */
    CHECK(json_is_true(json_object_get(so2, "compliant")));
    CHECK_EQ_DBL(json_number_value(json_object_get(so2, "percentile")), 10, 1e-9);
    json_decref(j);

    /* GB 3838: Jan II, Feb IV (NH3-N 0.5 times over III), Mar 劣V; the year on the mean of
       the monthly means: NH3-N 1.5 -> IV */
    CHECK_EQ_INT(get(NULL, "/api/v1/eval/water?section=W1&year=2025", &j), 200);
    json_t *months = json_object_get(j, "months");
    REQUIRE(json_array_size(months) == 12);
    CHECK_STR(json_string_value(json_object_get(json_array_get(months, 0), "class")), "II");
    CHECK_STR(json_string_value(json_object_get(json_array_get(months, 1), "class")), "IV");
    CHECK_STR(json_string_value(json_object_get(json_array_get(months, 2), "class")), "劣V");
    CHECK(json_is_null(json_object_get(json_array_get(months, 3), "class")));
    json_t *feb_over = json_array_get(json_object_get(json_array_get(months, 1), "over_target"), 0);
    REQUIRE(feb_over);
    CHECK_STR(json_string_value(json_object_get(feb_over, "factor")), "NH3-N");
    CHECK_EQ_DBL(json_number_value(json_object_get(feb_over, "multiple")), 0.5, 1e-9);
    json_t *yr = json_object_get(j, "year_result");
    CHECK_STR(json_string_value(json_object_get(yr, "class")), "IV");
    CHECK_EQ_DBL(json_number_value(json_object_get(json_object_get(yr, "values"), "NH3-N")), 1.5,
                 1e-9);
    CHECK_EQ_DBL(json_number_value(json_object_get(json_object_get(yr, "values"), "Hg")), 0.00004,
                 1e-12);
    json_decref(j);
    CHECK_EQ_INT(get(NULL, "/api/v1/eval/water?section=W1&year=2025&month=2", &j), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(j, "months")), 1);
    json_decref(j);
    CHECK_EQ_INT(get(NULL, "/api/v1/eval/water?section=W1&year=2025&month=13", &j), 422);
    json_decref(j);

    /* GB 3096 zone 2 (60/50): nights at 52 exceed by 2.0, days comply; 2 June's day with one
       hour at 65 is the energy average */
    const char *nq = "/api/v1/eval/noise?station=N1&from=2025-06-01&to=2025-06-02";
    CHECK_EQ_INT(get(NULL, nq, &j), 404); /* not public */
    json_decref(j);
    CHECK_EQ_INT(get(street, nq, &j), 404); /* another street's region */
    json_decref(j);
    CHECK_EQ_INT(get(bureau, nq, &j), 200);
    CHECK_STR(json_string_value(json_object_get(j, "zone")), "2");
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "night_limit")), 50);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "days_night_compliant")), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "days_day_compliant")), 2);
    json_t *d2 = json_array_get(json_object_get(j, "items"), 1);
    REQUIRE(d2);
    double ld2 = 10 * log10((15 * pow(10, 5.5) + pow(10, 6.5)) / 16);
    CHECK_EQ_DBL(json_number_value(json_object_get(d2, "ld")), ld2, 1e-9);
    CHECK_EQ_DBL(json_number_value(
                     json_object_get(json_array_get(json_object_get(j, "items"), 0), "night_over")),
                 2.0, 1e-9);
    json_decref(j);

    /* targets as of the end of 2025 and mid-year */
    CHECK_EQ_INT(get(NULL, "/api/v1/targets?as_of=2025-12-31", &j), 200);
    json_t *items = json_object_get(j, "items");
    int seen = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *id = json_string_value(json_object_get(it, "id"));
        if (!strcmp(id, "cs_good")) {
            seen++;
            CHECK_STR(json_string_value(json_object_get(it, "region_code")), "310115125");
            CHECK_EQ_DBL(json_number_value(json_object_get(it, "value")), 36000.0 / 365, 1e-9);
            CHECK(json_is_true(json_object_get(it, "met")));
        } else if (!strcmp(id, "cs_pm25")) {
            seen++;
            CHECK(json_is_false(json_object_get(it, "met")));
            CHECK_EQ_DBL(json_number_value(json_object_get(it, "value")), s25 / 365, 1e-9);
        } else if (!strcmp(id, "lj_water")) {
            seen++;
            CHECK(json_is_false(json_object_get(it, "met")));
            CHECK_EQ_INT(json_integer_value(json_object_get(it, "left_units")), 1);
        } else if (!strcmp(id, "elsewhere")) {
            seen++;
            CHECK(json_is_false(json_object_get(it, "evaluated")));
            CHECK(strstr(json_string_value(json_object_get(it, "note")), "not in the registry"));
        }
    }
    CHECK_EQ_INT(seen, 4);
    json_decref(j);
    /* 30 June: 181 days, 3 of them polluted; 90 % of 365 needs 329 good days, 151 more */
    CHECK_EQ_INT(get(NULL, "/api/v1/targets?as_of=2025-06-30&format=json", &j), 200);
    json_array_foreach(json_object_get(j, "items"), i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "id")), "cs_good"))
            continue;
        CHECK_EQ_INT(json_integer_value(json_object_get(it, "counted")), 178);
        CHECK_EQ_INT(json_integer_value(json_object_get(it, "of")), 181);
        CHECK_EQ_INT(json_integer_value(json_object_get(it, "remaining")), 184);
        CHECK_EQ_INT(json_integer_value(json_object_get(it, "left_units")), 151);
        CHECK(json_is_true(json_object_get(it, "achievable")));
    }
    json_decref(j);
    free(bureau);
    free(street);
    CHECK_EQ_INT(eg_hs_stop(&srv), 0);

    /* CLI usage and data errors */
    const char *noargs[] = {"eval", "air", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(noargs, NULL, 0, &out, &err), 2);
    free(out);
    free(err);
    const char *unknown[] = {"eval", "water", "--section", "NOPE", "--year",
                             "2025", "--db",  db,          NULL};
    CHECK_EQ_INT(eg_test_run(unknown, NULL, 0, &out, &err), 1);
    free(out);
    free(err);
    const char *wcsv[] = {"eval",     "water", "--section", "W1", "--year", "2025",
                          "--format", "csv",   "--db",      db,   NULL};
    CHECK_EQ_INT(eg_test_run(wcsv, NULL, 0, &out, &err), 0);
    CHECK(out && strstr(out, "2,,1,Ⅳ类,轻度污染,NH3-N,NH3-N(0.50)"));
    CHECK(out && strstr(out, ",全年,")); /* the year row, labelled */
    free(out);
    free(err);
    f = fopen(tpath, "w");
    REQUIRE(f);
    fputs("id,region,metric,comparison,goal,period_start,period_end\nx,r,no_such_metric,ge,1,"
          "2025-01-01,2025-12-31\n",
          f);
    fclose(f);
    CHECK_EQ_INT(eg_test_run(load, NULL, 0, &out, &err), 1);
    CHECK(err && strstr(err, "unknown metric"));
    free(out);
    free(err);
}
