/* Issue 11 item 4, the command-line parts: errors that sent the user the wrong way.
   - `envgov eval …` (and every command that reads stored data) without --db silently created an
     empty ./envgov.db: now it finds the database `make run` and `serve` use (--db, $EG_DB,
     var/envgov.db, ./envgov.db) and never creates one, saying where it looked;
   - `envgov aqi` on a china_sites file without --format exited 0 with rows of empty AQI: now the
     format is detected (and a named-column read of such a file is refused);
   - a bad import header printed its error twice ("line 1: line 1: …"). */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int run(const char *const *args, const char *in, char **out, char **err)
{
    *out = *err = NULL;
    return eg_test_run(args, in, in ? strlen(in) : 0, out, err);
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

TEST(cli_read_commands_find_the_make_run_database_and_never_create_one)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/cwd", eg_test_tmpdir());
    REQUIRE(mkdir(dir, 0700) == 0);
    REQUIRE(chdir(dir) == 0); /* this test runs in its own process */
    unsetenv("EG_DB");
    char *out, *err;
    /* nothing here: refused, and no ./envgov.db appears */
    const char *ev[] = {"eval", "targets", NULL};
    CHECK_EQ_INT(run(ev, NULL, &out, &err), 1);
    CHECK(strstr(err, "no database found: neither var/envgov.db") != NULL);
    CHECK(strstr(err, "give --db PATH or set EG_DB") != NULL);
    free(out);
    free(err);
    const char *sl[] = {"series", "list", NULL};
    CHECK_EQ_INT(run(sl, NULL, &out, &err), 1);
    free(out);
    free(err);
    const char *ul[] = {"user", "list", NULL};
    CHECK_EQ_INT(run(ul, NULL, &out, &err), 1);
    free(out);
    free(err);
    const char *dv[] = {"device", "offline", NULL};
    CHECK_EQ_INT(run(dv, NULL, &out, &err), 1);
    free(out);
    free(err);
    CHECK(!exists("envgov.db"));
    /* a --db that does not exist is not created either */
    const char *missing[] = {"eval", "targets", "--db", "nope.db", NULL};
    CHECK_EQ_INT(run(missing, NULL, &out, &err), 1);
    CHECK(strstr(err, "no database at nope.db") != NULL);
    CHECK(!exists("nope.db"));
    free(out);
    free(err);
    /* the database `make run` makes (var/envgov.db) is found without --db */
    REQUIRE(mkdir("var", 0700) == 0);
    const char *demo[] = {"demo", "--db", "var/envgov.db", "--history-days", "0", NULL};
    REQUIRE(run(demo, NULL, &out, &err) == 0);
    free(out);
    free(err);
    CHECK_EQ_INT(run(ev, NULL, &out, &err), 0);
    CHECK(strstr(out, "pudong_") != NULL);
    free(out);
    free(err);
    CHECK(!exists("envgov.db"));
    /* $EG_DB wins, and a missing one is named */
    setenv("EG_DB", "elsewhere.db", 1);
    CHECK_EQ_INT(run(ev, NULL, &out, &err), 1);
    CHECK(strstr(err, "no database at elsewhere.db (from $EG_DB)") != NULL);
    CHECK(!exists("elsewhere.db"));
    free(out);
    free(err);
    unsetenv("EG_DB");
}

/* A china_sites file (quotsoft/CNEMC layout: date,hour,type,<stations>; the hour labelled 1 is
   the mean of 00:00-01:00). */
static const char CS[] = "date,hour,type,1001A,1002A\n"
                         "20190101,1,AQI,73,\n"
                         "20190101,1,PM2.5,53,\n"
                         "20190101,1,PM10,76,\n"
                         "20190101,1,SO2,6,\n"
                         "20190101,1,NO2,46,\n"
                         "20190101,1,O3,20,\n"
                         "20190101,1,CO,0.9,\n";

TEST(cli_aqi_detects_a_china_sites_file_or_refuses_it)
{
    char *out, *err;
    const char *a[] = {"aqi", "-", NULL};
    CHECK_EQ_INT(run(a, CS, &out, &err), 0);
    CHECK(strstr(err, "as china_sites (detected") != NULL);
    /* HJ 633-2012 Table 1: PM2.5 53 -> IAQI 73 (35-75 -> 50-100), the AQI CNEMC published */
    CHECK(strstr(out, "1001A,2019-01-01 01:00,73,2,良,PM2.5,") != NULL);
    free(out);
    free(err);
    /* read as a named-column table it has no pollutant column: refused, not 0 rows of nothing */
    const char *b[] = {"aqi", "--format", "csv", "-", NULL};
    CHECK_EQ_INT(run(b, CS, &out, &err), 1);
    CHECK(strstr(err, "this is a china_sites file") != NULL);
    CHECK(strstr(out, "1001A") == NULL);
    free(out);
    free(err);
    const char *c[] = {"aqi", "-", NULL};
    CHECK_EQ_INT(run(c, "station,time,colour\nA,2026-03-05 10:00,3\n", &out, &err), 1);
    CHECK(strstr(err, "names no pollutant column") != NULL);
    free(out);
    free(err);
}

TEST(cli_import_prints_a_bad_header_error_once)
{
    char db[600];
    snprintf(db, sizeof db, "%s/imp.db", eg_test_tmpdir());
    char *out, *err;
    const char *a[] = {"import", "regions", "-", "--db", db, NULL};
    CHECK_EQ_INT(run(a, "nme,code\nx,y\n", &out, &err), 1);
    char both[4096];
    snprintf(both, sizeof both, "%s%s", out ? out : "", err ? err : "");
    CHECK_EQ_INT(count(both, "column 1 \"nme\" is not a field of regions"), 1);
    CHECK(strstr(both, "line 1: line 1:") == NULL);
    free(out);
    free(err);
}
