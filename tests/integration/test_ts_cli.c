/* `envgov import observations` and `envgov series …` run as real processes on a real database
   (issue 4 §6-§7): the documented long CSV with bad rows, the national china_sites wide file with
   its station list (real data), idempotent re-import, strict mode, queries and latest. */
#include "test.h"
#include "ts/ts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char db_arg[600];

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    REQUIRE(fwrite(data, 1, len, f) == len);
    fclose(f);
}

static int run(const char *const *args, char **out, char **err)
{
    return eg_test_run(args, NULL, 0, out, err);
}

TEST(ts_cli_import_long_csv_reports_rejected_rows_and_is_idempotent)
{
    snprintf(db_arg, sizeof db_arg, "%s/cli.db", eg_test_tmpdir());
    char csv[600];
    snprintf(csv, sizeof csv, "%s/obs.csv", eg_test_tmpdir());
    static const char data[] =
        "\xEF\xBB\xBFstation,time,pollutant,value,flag\r\n"
        "SH001,2026-11-20 08:00,PM2.5,35,N\r\n"
        "SH001,2026-11-20 09:00,a34004,41.5,\r\n"
        "SH001,2026-11-20 10:00,PM2.5,NaN,N\r\n"   /* not a number */
        "SH001,2026-02-30 10:00,PM2.5,12,N\r\n"    /* no such day */
        "SH001,2026-11-20 11:00,PM2.5,inf,N\r\n"   /* infinity */
        "SH001,2026-11-20 12:00,PM2.5,12,n\r\n"    /* flag not a letter of Table 8 */
        "SH 001,2026-11-20 12:00,PM2.5,12,N\r\n"   /* bad station */
        "SH001,2026-11-20 13:00,PM2.5,1e400,N\r\n" /* overflows to infinity */
        "SH001,2026-11-20 14:00,CO,0.8,N\r\n"
        "SH001,2026-11-20 14:00\r\n"; /* short row */
    write_file(csv, data, sizeof data - 1);
    char *out, *err;
    const char *args[] = {"import", "observations", csv, "--db", db_arg, NULL};
    CHECK_EQ_INT(run(args, &out, &err), 1); /* rows rejected: exit 1, the rest imported */
    CHECK(strstr(out, "\"written\":3"));
    CHECK(strstr(out, "\"rejected\":7"));
    CHECK(strstr(err, "line 4 column 4"));
    CHECK(strstr(err, "line 5 column 2"));
    CHECK(strstr(err, "import observations: "));
    free(out);
    free(err);
    CHECK_EQ_INT(run(args, &out, &err), 1);
    CHECK(strstr(out, "\"written\":0"));
    CHECK(strstr(out, "\"duplicates\":3"));
    free(out);
    free(err);
    /* strict: nothing of a file with a bad row */
    static const char d2[] = "station,time,pollutant,value\nSH002,2026-11-20 08:00,SO2,7\n"
                             "SH002,2026-11-20 09:00,SO2,x\n";
    write_file(csv, d2, sizeof d2 - 1);
    const char *strict[] = {"import", "observations", csv, "--strict", "--db", db_arg, NULL};
    CHECK_EQ_INT(run(strict, &out, &err), 1);
    CHECK(strstr(err, "strict"));
    free(out);
    free(err);
    const char *q[] = {"series", "query",      "--source", "SH002",  "--pollutant",
                       "a21026", "--kind",     "2061",     "--from", "2026-11-20",
                       "--to",   "2026-11-21", "--db",     db_arg,   NULL};
    CHECK_EQ_INT(run(q, &out, &err), 1);
    CHECK(strstr(err, "unknown series"));
    free(out);
    free(err);
    /* query what was imported, CSV and JSON, and the latest */
    const char *q2[] = {"series", "query",      "--source", "SH001",  "--pollutant",
                        "a34004", "--kind",     "2061",     "--from", "2026-11-20",
                        "--to",   "2026-11-21", "--db",     db_arg,   NULL};
    CHECK_EQ_INT(run(q2, &out, &err), 0);
    CHECK_STR(out, "time,value,flag,valid,declared,review\n"
                   "2026-11-20 08:00:00,35,N,1,0,\n2026-11-20 09:00:00,41.5,N,1,0,\n");
    free(out);
    free(err);
    const char *q3[] = {"series", "query",      "--source", "SH001",  "--pollutant",
                        "a34004", "--kind",     "2061",     "--from", "2026-11-20",
                        "--to",   "2026-11-21", "--bucket", "1d",     "--format",
                        "json",   "--db",       db_arg,     NULL};
    CHECK_EQ_INT(run(q3, &out, &err), 0);
    CHECK(strstr(out, "\"time\":\"2026-11-20 00:00:00\",\"avg\":38.25"));
    free(out);
    free(err);
    const char *l[] = {"series",       "latest",      "--kind", "2061", "SH001:a34004",
                       "SH001:a21005", "NONE:a34004", "--db",   db_arg, NULL};
    CHECK_EQ_INT(run(l, &out, &err), 0);
    CHECK(strstr(out, "SH001,a34004,2026-11-20 09:00:00,41.5,N\n"));
    CHECK(strstr(out, "SH001,a21005,2026-11-20 14:00:00,0.8,N\n"));
    CHECK(strstr(out, "NONE,a34004,,,\n"));
    free(out);
    free(err);
    const char *ls[] = {"series", "list", "--source", "SH001", "--db", db_arg, NULL};
    CHECK_EQ_INT(run(ls, &out, &err), 0);
    CHECK(strstr(out, ",SH001,a34004,2061,Avg,0,2026-11-20 09:00:00,41.5\n"));
    CHECK(strstr(out, ",SH001,a34004,2031,Avg,1,")); /* the computed daily mean beside it */
    free(out);
    free(err);
    const char *rt[] = {"series", "retain", "--keep-days", "10", "--db", db_arg, NULL};
    CHECK_EQ_INT(run(rt, &out, &err), 1);
    CHECK(strstr(err, "366"));
    free(out);
    free(err);
}

/* The national wide format with its station list (real files, the first three hours). */
TEST(ts_cli_import_china_sites_real_file_with_station_list)
{
    snprintf(db_arg, sizeof db_arg, "%s/cs.db", eg_test_tmpdir());
    size_t len, slen;
    char *all = eg_test_read_file(
        eg_test_shared("data/real/quotsoft_china_sites_2019/china_sites_20190101.csv"), &len);
    REQUIRE(all);
    char *slist = eg_test_read_file(
        eg_test_shared("data/real/quotsoft_china_sites_2019/StationList-2020.01.01.csv"), &slen);
    REQUIRE(slist);
    free(slist);
    /* header + 45 rows = hours 0, 1, 2 */
    size_t cut = 0;
    for (int lines = 0; cut < len && lines < 46; cut++)
        if (all[cut] == '\n')
            lines++;
    char path[600];
    snprintf(path, sizeof path, "%s/china_sites_20190101.csv", eg_test_tmpdir());
    write_file(path, all, cut);
    free(all);
    const char *stations =
        eg_test_shared("data/real/quotsoft_china_sites_2019/StationList-2020.01.01.csv");
    char st_copy[600];
    snprintf(st_copy, sizeof st_copy, "%s", stations);
    char *out, *err;
    const char *args[] = {"import", "observations", path,   "--stations",
                          st_copy,  "--db",         db_arg, NULL};
    CHECK_EQ_INT(run(args, &out, &err), 0);
    CHECK(strstr(out, "\"format\":\"china_sites\""));
    CHECK(strstr(out, "\"rows\":45"));
    CHECK(strstr(out, "\"rejected\":0"));
    CHECK(strstr(out, "\"skipped_derived_rows\":27")); /* AQI, 24h, 8h: 9 a hour */
    free(out);
    free(err);
    CHECK_EQ_INT(run(args, &out, &err), 0);
    CHECK(strstr(out, "\"written\":0"));
    free(out);
    free(err);
    /* 1001A PM2.5 label 0 of 2019-01-01 is 53 µg/m³: the mean of 2018-12-31 23:00-24:00 */
    const char *q[] = {
        "series", "query",  "--source",         "1001A", "--pollutant",      "a34004", "--kind",
        "2061",   "--from", "2018-12-31 23:00", "--to",  "2019-01-01 00:00", "--db",   db_arg,
        NULL};
    CHECK_EQ_INT(run(q, &out, &err), 0);
    CHECK(strstr(out, "2018-12-31 23:00:00,53,N"));
    free(out);
    free(err);
    /* a station list without 1001A: its column is rejected */
    char sl[600];
    snprintf(sl, sizeof sl, "%s/stations.csv", eg_test_tmpdir());
    write_file(sl, "code,name\n1002A,x\n", 18);
    const char *a2[] = {"import",         "observations", path,   "--stations", sl,
                        "--no-aggregate", "--db",         db_arg, NULL};
    CHECK_EQ_INT(run(a2, &out, &err), 1);
    CHECK(strstr(err, "1001A is not in the station list"));
    free(out);
    free(err);
}

TEST(ts_cli_every_series_command_answers_help)
{
    const char *verbs[] = {"query",  "latest", "compact", "aggregate", "declare",
                           "review", "rates",  "list",    "retain"};
    for (size_t i = 0; i < EG_ARRAY_LEN(verbs); i++) {
        const char *args[] = {"series", verbs[i], "--help", NULL};
        char *out, *err;
        CHECK_EQ_INT(run(args, &out, &err), 0);
        CHECK(strstr(out, "usage: envgov series"));
        free(out);
        free(err);
    }
    const char *args[] = {"import", "observations", "--help", NULL};
    char *out, *err;
    CHECK_EQ_INT(run(args, &out, &err), 0);
    CHECK(strstr(out, "china_sites"));
    free(out);
    free(err);
    const char *bad[] = {"series", "query", "--source", "x", NULL};
    CHECK_EQ_INT(run(bad, &out, &err), 2);
    free(out);
    free(err);
}
