/* Issue 11 item 4, the command-line parts: errors that sent the user the wrong way.
   - `envgov eval …` (and every command that reads stored data) without --db silently created an
     empty ./envgov.db: now every command, serve included, finds its database by one rule (--db,
     $EG_DB, the config file's [store] db, var/envgov.db: the one `make run` serves) and the
     read commands never create one, saying where they looked and by which step;
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
    CHECK(strstr(err, "no database at var/envgov.db (from the default") != NULL);
    CHECK(strstr(err, "`make run`") && strstr(err, "--db PATH or $EG_DB"));
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

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs(text, f);
    fclose(f);
}

/* The rule's every step, in order, for a read command and for serve (which reads the same
   settings table): --db > $EG_DB > the config file's [store] db > var/envgov.db. */
TEST(cli_database_rule_flag_env_config_file_default_for_every_command)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/rule", eg_test_tmpdir());
    REQUIRE(mkdir(dir, 0700) == 0);
    REQUIRE(chdir(dir) == 0); /* this test runs in its own process */
    unsetenv("EG_DB");
    unsetenv("EG_CONFIG");
    char *out, *err;
    /* serve without --db makes var/ and var/envgov.db, the default `make run` uses (it then
       stops at the bad listen address, after opening the database) */
    const char *sv[] = {"serve", "--http", "nowhere", NULL};
    CHECK_EQ_INT(run(sv, NULL, &out, &err), 2);
    CHECK(strstr(err, "database var/envgov.db (from the default)") != NULL);
    CHECK(exists("var/envgov.db"));
    CHECK(!exists("envgov.db"));
    free(out);
    free(err);
    /* the read commands find that same file */
    const char *ul[] = {"user", "list", NULL};
    CHECK_EQ_INT(run(ul, NULL, &out, &err), 0);
    free(out);
    free(err);
    /* a config file (serve's, with other settings in it) names another database: read
       commands and serve both take it, and a missing one is named with its step */
    write_text("envgov.ini", "[store]\ndb = from-config.db\n[http]\nlisten = 127.0.0.1:0\n");
    setenv("EG_CONFIG", "envgov.ini", 1);
    CHECK_EQ_INT(run(ul, NULL, &out, &err), 1);
    CHECK(strstr(err, "no database at from-config.db (from [store] db of the config file "
                      "envgov.ini)") != NULL);
    CHECK(!exists("from-config.db"));
    free(out);
    free(err);
    const char *mig[] = {"db", "migrate", NULL}; /* migrate creates, by the same rule */
    CHECK_EQ_INT(run(mig, NULL, &out, &err), 0);
    CHECK(strstr(out, "from-config.db: schema version") != NULL);
    free(out);
    free(err);
    CHECK_EQ_INT(run(ul, NULL, &out, &err), 0);
    free(out);
    free(err);
    const char *sv2[] = {"serve", "--http", "nowhere", NULL};
    CHECK_EQ_INT(run(sv2, NULL, &out, &err), 2);
    CHECK(strstr(err, "database from-config.db (from [store] db of the config file)") != NULL);
    free(out);
    free(err);
    /* $EG_DB beats the file, --db beats $EG_DB */
    setenv("EG_DB", "from-env.db", 1);
    CHECK_EQ_INT(run(ul, NULL, &out, &err), 1);
    CHECK(strstr(err, "no database at from-env.db (from $EG_DB)") != NULL);
    free(out);
    free(err);
    const char *ulf[] = {"user", "list", "--db", "var/envgov.db", NULL};
    CHECK_EQ_INT(run(ulf, NULL, &out, &err), 0);
    free(out);
    free(err);
    const char *dvf[] = {"device", "status", "MN0001", "--db", "from-flag.db", NULL};
    CHECK_EQ_INT(run(dvf, NULL, &out, &err), 1);
    CHECK(strstr(err, "no database at from-flag.db (from --db)") != NULL);
    free(out);
    free(err);
    /* device add had its own copy of the rule (envgov.db, created): now the same one */
    const char *da[] = {"device", "add", "MN0001", "--password-stdin", "--outlet", "1", NULL};
    CHECK_EQ_INT(run(da, "123456\n", &out, &err), 1);
    CHECK(strstr(err, "no database at from-env.db (from $EG_DB)") != NULL);
    CHECK(!exists("from-env.db") && !exists("envgov.db"));
    free(out);
    free(err);
    /* backup reads: it never makes an empty database to copy */
    const char *bk[] = {"db", "backup", "copy.db", NULL};
    CHECK_EQ_INT(run(bk, NULL, &out, &err), 1);
    CHECK(!exists("from-env.db") && !exists("copy.db"));
    free(out);
    free(err);
    /* an unreadable config file is said, not skipped over to another database */
    unsetenv("EG_DB");
    setenv("EG_CONFIG", "missing.ini", 1);
    CHECK_EQ_INT(run(ul, NULL, &out, &err), 1);
    CHECK(strstr(err, "missing.ini") != NULL);
    free(out);
    free(err);
    unsetenv("EG_CONFIG");
    /* the help says the rule */
    const char *h[] = {"db", "migrate", "--help", NULL};
    CHECK_EQ_INT(run(h, NULL, &out, &err), 0);
    CHECK(strstr(out, "$EG_DB") && strstr(out, "[store] db") && strstr(out, "var/envgov.db"));
    free(out);
    free(err);
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
