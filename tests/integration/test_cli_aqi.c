/*
 * test_cli_aqi.c: `envgov aqi` end to end on the real published data in ../shared/data/real
 * (README there): the real-time AQI computed from the concentrations (HJ 633-2012 Table 1,
 * §6.2; 1-hour PM on the 24-hour columns as CNEMC publishes since 2014, HJ 633-2026 §4.2.4)
 * must equal the officially published AQI for every complete station-hour, and the category
 * (Table 2) and primary pollutants (§4.4.2) must equal the published ones where present.
 * Also: formats, options, --help, usage errors, malformed and hostile input.
 */
#include "base/base.h"
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- small CSV reader */

struct row {
    int n;
    char *f[2048];
};

/* Splits one line (modified in place) with "..." quoting. */
static void split(char *s, struct row *r)
{
    r->n = 0;
    while (r->n < 2048) {
        char *w = s, *start = s;
        if (*s == '"') {
            s++;
            while (*s) {
                if (*s == '"' && s[1] == '"') {
                    *w++ = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *w++ = *s++;
                }
            }
        } else {
            while (*s && *s != ',')
                *w++ = *s++;
        }
        int more = *s == ',';
        *w = '\0';
        r->f[r->n++] = start;
        if (!more)
            break;
        s++;
    }
}

/* Lines of a buffer (modified in place): returns the count, fills lines[]. */
static size_t lines_of(char *buf, char ***out)
{
    size_t cap = 1024, n = 0;
    char **v = malloc(cap * sizeof *v);
    char *p = buf;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        size_t l = strlen(p);
        if (l && p[l - 1] == '\r')
            p[l - 1] = '\0';
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[n++] = p;
        if (!nl)
            break;
        p = nl + 1;
    }
    *out = v;
    return n;
}

static char *run_aqi(const char *fmt, const char *file, int daily, int *rc)
{
    const char *args[8];
    int k = 0;
    args[k++] = "aqi";
    if (daily)
        args[k++] = "--daily";
    args[k++] = "--format";
    args[k++] = fmt;
    args[k++] = file;
    args[k] = NULL;
    char *out = NULL, *err = NULL;
    *rc = eg_test_run(args, NULL, 0, &out, &err);
    free(err);
    return out;
}

static const char *const HEADER = "station,time,aqi,level,category,primary_pollutants,iaqi_so2,"
                                  "iaqi_no2,iaqi_pm10,iaqi_co,iaqi_o3,iaqi_pm25";

/* ---------------------------------------------------------------- china_sites */

/* quotsoft_china_sites_2019: 2 days x 24 hours x 1605 stations; AQI row = official hourly AQI. */
static void check_china_sites(const char *name, long want_complete, long want_partial)
{
    char rel[128];
    snprintf(rel, sizeof rel, "data/real/quotsoft_china_sites_2019/%s", name);
    const char *path = eg_test_shared(rel);
    size_t len;
    char *src = eg_test_read_file(path, &len);
    REQUIRE(src != NULL);
    int rc;
    char *out = run_aqi("china_sites", path, 0, &rc);
    REQUIRE(out != NULL);
    CHECK_EQ_INT(rc, 0);
    char **sl, **ol;
    size_t ns = lines_of(src, &sl), no = lines_of(out, &ol);
    REQUIRE(ns > 1 && no > 1);
    CHECK_STR(ol[0], HEADER);
    static struct row hdr, r, o;
    split(sl[0], &hdr);
    int nst = hdr.n - 3;
    REQUIRE(nst == 1605);
    /* published values per hour: [hour][type][station] as strings */
    static const char *const TYPES[] = {"AQI", "PM2.5", "PM10", "SO2", "NO2", "O3", "CO"};
    char *(*val)[7][1605] = calloc(24, sizeof *val);
    for (size_t i = 1; i < ns; i++) {
        if (!sl[i][0])
            continue;
        split(sl[i], &r);
        int h = atoi(r.f[1]);
        REQUIRE(h >= 0 && h < 24);
        for (int t = 0; t < 7; t++)
            if (!strcmp(r.f[2], TYPES[t]))
                for (int s = 0; s < nst; s++)
                    val[h][t][s] = s + 3 < r.n ? r.f[s + 3] : "";
    }
    CHECK_EQ_INT(no, 1 + 24 * (size_t)nst + (ol[no - 1][0] ? 0 : 1));
    long complete = 0, mismatch = 0, partial = 0;
    for (size_t i = 1; i < no; i++) {
        if (!ol[i][0])
            continue;
        split(ol[i], &o);
        REQUIRE(o.n == 12);
        size_t k = i - 1;
        int h = (int)(k / (size_t)nst), s = (int)(k % (size_t)nst);
        CHECK_STR(o.f[0], hdr.f[s + 3]);
        int full = 1;
        for (int t = 0; t < 7; t++)
            if (!val[h][t][s] || !val[h][t][s][0])
                full = 0;
        if (!full) {
            /* HJ 633-2012 Tables 3/4: missing indicators are NA, the AQI is the max of the
               others — CNEMC published those too, and they must agree as well */
            if (val[h][0][s] && val[h][0][s][0]) {
                partial++;
                if (strcmp(o.f[2], val[h][0][s]) && mismatch++ < 5)
                    CHECK_STR(o.f[2], val[h][0][s]);
            }
            continue;
        }
        complete++;
        if (strcmp(o.f[2], val[h][0][s]) && mismatch++ < 5)
            CHECK_STR(o.f[2], val[h][0][s]);
    }
    CHECK_EQ_INT(mismatch, 0);
    CHECK_EQ_INT(complete, want_complete);
    CHECK_EQ_INT(partial, want_partial);
    free(val);
    free(sl);
    free(ol);
    free(src);
    free(out);
}

/* README §2: 27135 complete station-hours on 2019-01-01, 28260 on 2019-01-02, all equal; and
   the 4883 / 5558 station-hours published with a pollutant missing. */
TEST(quality_cli_aqi_real_china_sites_20190101_equals_published)
{
    check_china_sites("china_sites_20190101.csv", 27135, 4883);
}

TEST(quality_cli_aqi_real_china_sites_20190102_equals_published)
{
    check_china_sites("china_sites_20190102.csv", 28260, 5558);
}

/* ---------------------------------------------------------------- cnemc_json */

static const char *zh_to_national(const char *zh, char *buf, size_t n)
{
    /* CNEMC names -> national short names, comma-joined in the same order */
    static const char *const MAP[][2] = {{"细颗粒物(PM2.5)", "PM2.5"},
                                         {"颗粒物(PM10)", "PM10"},
                                         {"臭氧1小时", "O3_1h"},
                                         {"臭氧8小时", "O3_8h"},
                                         {"二氧化硫", "SO2"},
                                         {"二氧化氮", "NO2"},
                                         {"一氧化碳", "CO"}};
    buf[0] = '\0';
    if (!strcmp(zh, "-;"))
        return buf;
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", zh);
    size_t len = 0;
    for (char *tok = tmp, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        const char *nm = "?";
        for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
            if (!strcmp(tok, MAP[i][0]))
                nm = MAP[i][1];
        len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "", nm);
    }
    return buf;
}

static void check_cnemc(const char *name, long want_complete, long want_partial)
{
    char rel[128];
    snprintf(rel, sizeof rel, "data/real/cnemc_geoinsights/%s", name);
    const char *path = eg_test_shared(rel);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    REQUIRE(root != NULL);
    json_t *feats = json_object_get(root, "features");
    REQUIRE(json_is_array(feats));
    int rc;
    char *out = run_aqi("cnemc_json", path, 0, &rc);
    REQUIRE(out != NULL);
    CHECK_EQ_INT(rc, 0);
    char **ol;
    size_t no = lines_of(out, &ol);
    CHECK_STR(ol[0], HEADER);
    REQUIRE(no >= 1 + json_array_size(feats));
    static struct row o;
    long complete = 0, bad_aqi = 0, bad_cat = 0, bad_prim = 0, cat_checked = 0, partial = 0;
    for (size_t i = 0; i < json_array_size(feats); i++) {
        json_t *p = json_object_get(json_array_get(feats, i), "properties");
        split(ol[i + 1], &o);
        REQUIRE(o.n == 12);
        CHECK_STR(o.f[0], json_string_value(json_object_get(p, "stationcode")));
        const char *aqi = json_string_value(json_object_get(p, "aqi"));
        const char *q = json_string_value(json_object_get(p, "quality"));
        const char *pp = json_string_value(json_object_get(p, "primarypollutant"));
        /* O3 1-hour is "o3_24h" in this feed (README §1) */
        static const char *const K[] = {"so2", "no2", "co", "o3_24h", "pm10", "pm2_5"};
        int full = 1;
        for (size_t k = 0; k < 6; k++)
            if (!strcmp(json_string_value(json_object_get(p, K[k])), "-;"))
                full = 0;
        if (!strcmp(aqi, "-;"))
            continue;
        if (!full) { /* published with a pollutant missing: NA rule, must agree too */
            partial++;
            if (strcmp(o.f[2], aqi) && bad_aqi++ < 5)
                CHECK_STR(o.f[2], aqi);
            continue;
        }
        complete++;
        if (strcmp(o.f[2], aqi) && bad_aqi++ < 5)
            CHECK_STR(o.f[2], aqi);
        if (strcmp(q, "-;")) {
            cat_checked++;
            if (strcmp(o.f[4], q) && bad_cat++ < 5)
                CHECK_STR(o.f[4], q);
        }
        char want[256];
        zh_to_national(pp, want, sizeof want);
        /* ties: compare as sets (order of names in a tie is not normative) */
        int same = strlen(want) == strlen(o.f[5]);
        for (char *t = want, *nx; same && *t; t = nx) {
            nx = strchr(t, ',');
            size_t l = nx ? (size_t)(nx - t) : strlen(t);
            char one[32];
            snprintf(one, sizeof one, "%.*s", (int)l, t);
            char hay[256];
            snprintf(hay, sizeof hay, ",%s,", o.f[5]);
            char needle[40];
            snprintf(needle, sizeof needle, ",%s,", one);
            same = strstr(hay, needle) != NULL;
            nx = nx ? nx + 1 : t + l;
        }
        if (!same && bad_prim++ < 5)
            CHECK_STR(o.f[5], want);
    }
    CHECK_EQ_INT(complete, want_complete);
    CHECK_EQ_INT(partial, want_partial);
    CHECK_EQ_INT(bad_aqi, 0);
    CHECK_EQ_INT(bad_cat, 0);
    CHECK_EQ_INT(bad_prim, 0);
    CHECK(cat_checked > 1000);
    json_decref(root);
    free(ol);
    free(out);
}

/* README §1: 1214/1214 (2018-02-20T07, winter, PM-driven, up to 严重污染) and 1324/1324
   (2017-07-07T16, summer, O3-driven, real-time AQI without O3 8-h). */
TEST(quality_cli_aqi_real_cnemc_winter_equals_published)
{
    check_cnemc("airnow_2018-02-20T07.json", 1214, 261);
}

TEST(quality_cli_aqi_real_cnemc_summer_equals_published)
{
    check_cnemc("archives_2017-07-07-16.json", 1324, 138);
}

/* ---------------------------------------------------------------- MEE city table */

/* README §3: 2871/2871 complete rows; AQI up to 500 with PM2.5 946 (capped, §1.5), and the
   primary pollutant column main_pollution ('—' when AQI <= 50). Read by the plain csv format. */
TEST(quality_cli_aqi_real_mee_city_spring_festival_equals_published)
{
    const char *path = eg_test_shared("data/real/mee_city_hourly_2019_spring_festival/"
                                      "AQI_Data_2019-02-04T22_to_2019-02-05T05.csv");
    size_t len;
    char *src = eg_test_read_file(path, &len);
    REQUIRE(src != NULL);
    int rc;
    char *out = run_aqi("csv", path, 0, &rc);
    REQUIRE(out != NULL);
    CHECK_EQ_INT(rc, 0);
    char **sl, **ol;
    size_t ns = lines_of(src, &sl), no = lines_of(out, &ol);
    CHECK_STR(ol[0], HEADER);
    static struct row s, o;
    long complete = 0, bad = 0, badp = 0, capped = 0, partial = 0;
    for (size_t i = 1; i < ns && i < no; i++) {
        if (!sl[i][0])
            continue;
        split(sl[i], &s); /* city,AQI,PM2.5,PM10,SO2,NO2,CO,O3,main_pollution,time */
        split(ol[i], &o);
        REQUIRE(s.n == 10 && o.n == 12);
        CHECK_STR(o.f[0], s.f[0]);
        CHECK(!strncmp(o.f[1], s.f[9], 16)); /* "YYYY-MM-DD HH:00" */
        int full = 1;
        for (int k = 1; k <= 7; k++)
            if (!strcmp(s.f[k], "—") || !s.f[k][0])
                full = 0;
        if (!full) { /* published with a pollutant missing (NA rule) */
            if (strcmp(s.f[1], "—") && s.f[1][0]) {
                partial++;
                if (strcmp(o.f[2], s.f[1]) && bad++ < 5)
                    CHECK_STR(o.f[2], s.f[1]);
            }
            continue;
        }
        complete++;
        if (strcmp(o.f[2], s.f[1]) && bad++ < 5)
            CHECK_STR(o.f[2], s.f[1]);
        const char *mp = strcmp(s.f[8], "—") ? s.f[8] : "";
        if (strcmp(o.f[5], mp) && badp++ < 5)
            CHECK_STR(o.f[5], mp);
        capped += !strcmp(s.f[1], "500");
    }
    CHECK_EQ_INT(complete, 2871);
    CHECK_EQ_INT(partial, 53);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(badp, 0);
    CHECK(capped > 0);
    free(sl);
    free(ol);
    free(src);
    free(out);
}

/* ---------------------------------------------------------------- options and bad input */

static int run_in(const char *const *args, const char *in, char **out, char **err)
{
    return eg_test_run(args, in, in ? strlen(in) : 0, out, err);
}

/* standards.md TC1/TC5 through the CLI: daily report, both editions by date and forced. */
TEST(quality_cli_aqi_daily_csv_editions)
{
    const char *in = "station,time,so2,no2,pm10,co,o3,o3_8h,pm25\n"
                     "S1,2019-05-01,65,150,180,1.0,210,150,120\n"
                     "S1,2026-03-01,10,20,40,0.5,900,850,20\n";
    const char *args[] = {"aqi", "--daily", "--with-edition", "-", NULL};
    char *out, *err;
    CHECK_EQ_INT(run_in(args, in, &out, &err), 0);
    char **l;
    size_t n = lines_of(out, &l);
    REQUIRE(n >= 3);
    CHECK_STR(l[0], "station,time,aqi,level,category,primary_pollutants,iaqi_so2,iaqi_no2,"
                    "iaqi_pm10,iaqi_co,iaqi_o3,iaqi_pm25,iaqi_o3_8h,edition");
    CHECK_STR(l[1], "S1,2019-05-01,158,4,中度污染,PM2.5,58,135,115,25,105,158,92,2012");
    /* 2026-03-01: HJ 633-2026, no O3 1-h indicator, O3 8-h > 800 -> 300 (Table 3 note c) */
    CHECK_STR(l[2], "S1,2026-03-01,300,5,重度污染,O3_8h,10,25,40,13,,29,300,2026");
    CHECK(strstr(err, "HJ 633-2012: 1, HJ 633-2026: 1") != NULL);
    free(l);
    free(out);
    free(err);
    const char *args12[] = {"aqi", "--daily", "--edition", "2012", "-", NULL};
    CHECK_EQ_INT(run_in(args12, in, &out, &err), 0);
    CHECK(strstr(out, "S1,2026-03-01,350,6,严重污染,O3_1h,10,25,40,13,350,29,\n") != NULL);
    free(out);
    free(err);
}

/* TC4 / TC6 real-time through the CLI: SO2 1-h > 800 with so2_24h, ties quoted. */
TEST(quality_cli_aqi_realtime_csv_rules)
{
    const char *in = "time,station,so2,so2_24h,no2,co,o3,pm10,pm2.5\r\n"
                     "2019-01-01 08:00,A,850,300,90,0.8,100,60,30\r\n"
                     "2019-01-01 09:00,B,3,,11,0.2,75,150,75\r\n"
                     "2019-01-01 10:00,C,,,,,,,\r\n"
                     "2026-03-01 10:00,D,,,,,,88,\r\n";
    const char *args[] = {"aqi", NULL};
    char *out, *err;
    CHECK_EQ_INT(run_in(args, in, &out, &err), 0);
    CHECK(strstr(out, "A,2019-01-01 08:00,124,3,轻度污染,SO2,124,45,55,8,32,43\n") != NULL);
    CHECK(strstr(out, "B,2019-01-01 09:00,100,2,良,\"PM10,PM2.5\",1,6,100,2,24,100\n") != NULL);
    CHECK(strstr(out, "C,2019-01-01 10:00,,,,,,,,,,\n") != NULL);
    /* HJ 633-2026 §5.3.1: pollutants missing, AQI <= 100 -> AQI withheld, IAQI given */
    CHECK(strstr(out, "D,2026-03-01 10:00,,,,,,,78,,,\n") != NULL);
    free(out);
    free(err);
}

/* china_sites --daily: natural days of hours labelled 01..24 (GB 3095 Table 4, 20 hours). */
TEST(quality_cli_aqi_china_sites_daily)
{
    const char *path =
        eg_test_shared("data/real/quotsoft_china_sites_2019/china_sites_20190102.csv");
    int rc;
    char *out = run_aqi("china_sites", path, 1, &rc);
    REQUIRE(out != NULL);
    CHECK_EQ_INT(rc, 0);
    CHECK(!strncmp(out,
                   "station,time,aqi,level,category,primary_pollutants,iaqi_so2,iaqi_no2,"
                   "iaqi_pm10,iaqi_co,iaqi_o3,iaqi_pm25,iaqi_o3_8h\n",
                   strlen(HEADER) + 12));
    /* hour 0 of 01-02 closes 2019-01-01 (1 hour: no valid 24-h mean); 01-02 has 23 hours */
    CHECK(strstr(out, "1001A,2019-01-02,") != NULL);
    CHECK(strstr(out, "1001A,2019-01-01,,,,,,,,,,,\n") != NULL);
    free(out);
}

/* --help, usage errors (exit 2), unreadable and malformed input (exit 1). */
TEST(quality_cli_aqi_usage_and_bad_input)
{
    char *out, *err;
    const char *h[] = {"aqi", "--help", NULL};
    CHECK_EQ_INT(run_in(h, NULL, &out, &err), 0);
    CHECK(strstr(out, "china_sites") && strstr(out, "cnemc_json") && strstr(out, "o3_24h"));
    free(out);
    free(err);
    const char *u1[] = {"aqi", "--edition", "2020", "x", NULL};
    const char *u2[] = {"aqi", "--format", "xml", "x", NULL};
    const char *u3[] = {"aqi", "--bogus", NULL};
    const char *u4[] = {"aqi", "--daily", "--format", "cnemc_json", "x", NULL};
    const char *u5[] = {"aqi", "a", "b", NULL};
    const char *u6[] = {"aqi", "--edition", NULL};
    const char *const *us[] = {u1, u2, u3, u4, u5, u6};
    for (size_t i = 0; i < EG_ARRAY_LEN(us); i++) {
        CHECK_EQ_INT(run_in(us[i], NULL, &out, &err), 2);
        free(out);
        free(err);
    }
    const char *nf[] = {"aqi", "/nonexistent/file.csv", NULL};
    CHECK_EQ_INT(run_in(nf, NULL, &out, &err), 1);
    free(out);
    free(err);
    /* invalid values: row printed with empty cells, exit 1, the line named on stderr */
    const char *a[] = {"aqi", "-", NULL};
    CHECK_EQ_INT(run_in(a,
                        "time,pm25\n2019-01-01 01:00,abc\n2019-13-01 01:00,5\n"
                        "2019-01-01 02:00,\"unterminated\n2019-01-01 03:00,-4\n",
                        &out, &err),
                 1);
    CHECK(strstr(out, ",2019-01-01 01:00,,,,,,,,,,\n") != NULL);
    CHECK(strstr(err, "line 2") && strstr(err, "line 3") && strstr(err, "line 4") &&
          strstr(err, "line 5"));
    free(out);
    free(err);
    CHECK_EQ_INT(run_in(a, "", &out, &err), 1); /* no header */
    free(out);
    free(err);
    CHECK_EQ_INT(run_in(a, "station,pm25\nx,1\n", &out, &err), 1); /* no time column */
    free(out);
    free(err);
    const char *j[] = {"aqi", "--format", "cnemc_json", "-", NULL};
    CHECK_EQ_INT(run_in(j, "{\"features\": [1, {\"properties\": {\"timepoint\": 5}}", &out, &err),
                 1);
    free(out);
    free(err);
    CHECK_EQ_INT(
        run_in(j,
               "{\"features\": [1, {\"properties\": {\"timepoint\": \"2019-01-01T05:00:00\","
               "\"pm2_5\": \"40\", \"so2\": [1]}}]}",
               &out, &err),
        1);
    CHECK(strstr(out, ",2019-01-01 05:00,") != NULL);
    free(out);
    free(err);
    /* numbers as JSON numbers are read too (the feed itself uses strings) */
    CHECK_EQ_INT(run_in(j,
                        "{\"features\": [{\"properties\": {\"timepoint\": \"2019-01-01T05:00:00\","
                        "\"pm2_5\": 75, \"pm10\": 150.0, \"stationcode\": \"X\"}}]}",
                        &out, &err),
                 0);
    CHECK(strstr(out, "X,2019-01-01 05:00,100,2,良,\"PM10,PM2.5\",,,100,,,100\n") != NULL);
    free(out);
    free(err);
    const char *c[] = {"aqi", "--format", "china_sites", "-", NULL};
    CHECK_EQ_INT(run_in(c, "a,b,c\n", &out, &err), 1);
    free(out);
    free(err);
    /* a wide hostile header (more than 4096 columns) is refused, not overflowed */
    struct eg_buf b = {0};
    eg_buf_puts(&b, "time");
    for (int i = 0; i < 5000; i++)
        eg_buf_puts(&b, ",x");
    eg_buf_puts(&b, "\n");
    eg_buf_append(&b, "", 1);
    CHECK_EQ_INT(run_in(a, b.data, &out, &err), 1);
    eg_buf_free(&b);
    free(out);
    free(err);
}
