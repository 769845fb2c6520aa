/* Integration tests of `envgov water` and `envgov noise` through the real binary (issue 11
   item 9): the class of every row by GB 3838-2002 (single-factor evaluation §5.1, Table 1), the
   factors over the target class and their multiples; day/night compliance by GB 3096-2008
   zone (Table 1, §3.3 day 06:00-22:00, §5.4 night maximum); exit codes; and the same files
   imported by `envgov import observations`, then evaluated from the store. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run(const char *const *args, const char *in, char **out, char **err)
{
    *out = *err = NULL;
    return eg_test_run(args, in, in ? strlen(in) : 0, out, err);
}

static const char WATER[] =
    "断面名称,采样时间,pH,溶解氧(mg/L),高锰酸盐指数,COD,BOD5,氨氮（mg/L）,总磷\n"
    "川杨河,2026/3/5 10:00,7.6,6.8,3.2,12,2.4,0.32,0.07\n"
    "白莲泾,2026-03-05,7.1,1.5,17,48,12,2.6,0.5\n";

TEST(cli_water_classifies_rows_with_factors_over_target_and_multiples)
{
    char *out, *err;
    const char *a[] = {"water", "-", NULL};
    CHECK_EQ_INT(run(a, WATER, &out, &err), 0);
    CHECK(strstr(out, "line,section,time,class,category,target,over_target,multiples\n") == out);
    CHECK(strstr(out, "2,川杨河,2026-03-05 10:00,II,优,III,,\n") != NULL);
    /* CODMn 17 against the class III limit 6: (17 - 6) / 6 = 1.83; NH3-N (2.6 - 1) / 1 = 1.60;
       DO is over target but has no multiple (national practice) */
    CHECK(strstr(out, "3,白莲泾,2026-03-05 00:00,劣V,重度污染,III,\"DO,CODMn,COD,BOD5,NH3-N,TP\","
                      "CODMn(1.83);COD(1.40);BOD5(2.00);NH3-N(1.60);TP(1.50)\n") != NULL);
    CHECK(strstr(err, "2 rows classified by GB 3838-2002 (river)") != NULL);
    free(out);
    free(err);
    /* a lake against class II: TP by the lake column (class II 0.025 mg/L): (0.07-0.025)/0.025 */
    const char *b[] = {"water", "--lake", "--target", "II", "-", NULL};
    CHECK_EQ_INT(run(b, WATER, &out, &err), 0);
    CHECK(strstr(out, "2,川杨河,2026-03-05 10:00,IV,轻度污染,II,TP,TP(1.80)\n") != NULL);
    free(out);
    free(err);
}

TEST(cli_water_and_noise_refuse_bad_input_with_clear_errors)
{
    char *out, *err;
    const char *a[] = {"water", "-", NULL};
    CHECK_EQ_INT(run(a, "section,time,colour\nA,2026-03-05,3\n", &out, &err), 1);
    CHECK(strstr(err, "names no GB 3838 factor") != NULL);
    CHECK(strstr(out, "line,") == NULL || strchr(out, '\n') == strrchr(out, '\n'));
    free(out);
    free(err);
    /* a bad cell: the row is still printed, the problem named, exit 1 */
    CHECK_EQ_INT(run(a, "section,COD,TP\nA,abc,0.1\n", &out, &err), 1);
    CHECK(strstr(out, "2,A,,II,优,III,,\n") != NULL);
    CHECK(strstr(err, "line 2: COD: invalid value 'abc'") != NULL);
    free(out);
    free(err);
    const char *t[] = {"water", "--target", "VI", "-", NULL};
    CHECK_EQ_INT(run(t, "COD\n1\n", &out, &err), 2);
    CHECK(strstr(err, "--target wants a class") != NULL);
    free(out);
    free(err);
    const char *z[] = {"noise", "--zone", "5", "-", NULL};
    CHECK_EQ_INT(run(z, "Ld\n1\n", &out, &err), 2);
    free(out);
    free(err);
    const char *m[] = {"water", "/nonexistent/w.csv", NULL};
    CHECK_EQ_INT(run(m, NULL, &out, &err), 1);
    CHECK(strstr(err, "/nonexistent/w.csv") != NULL);
    free(out);
    free(err);
}

TEST(cli_noise_checks_day_and_night_by_zone)
{
    char *out, *err;
    const char *a[] = {"noise", "-", NULL};
    CHECK_EQ_INT(
        run(a, "station,zone,Ld,Ln,Lmax\nN01,2,58.1,51.2,63\nN02,4a类,69.5,56.0,\n", &out, &err),
        0);
    /* zone 2: 60 / 50 dB(A); night 51.2 exceeds by 1.2; Lmax 63 <= 50 + 15 */
    CHECK(strstr(out, "2,N01,,2,58.1,51.2,63.0,60,50,1,0,-1.9,1.2,1,夜间超标\n") != NULL);
    CHECK(strstr(out, "3,N02,,4a,69.5,56.0,,70,55,1,0,-0.5,1.0,,夜间超标\n") != NULL);
    free(out);
    free(err);
    /* hourly Leq: 23:00 is night, 10:00 day (§3.3); zone from --zone */
    const char *b[] = {"noise", "--zone", "1", "-", NULL};
    CHECK_EQ_INT(run(b, "station,time,leq\nN1,2026-03-05 23:00,52.3\nN1,2026-03-05 10:00,52.3\n",
                     &out, &err),
                 0);
    CHECK(strstr(out, "2,N1,2026-03-05 23:00,1,,52.3,,55,45,,0,,7.3,,夜间超标\n") != NULL);
    CHECK(strstr(out, "3,N1,2026-03-05 10:00,1,52.3,,,55,45,1,,-2.7,,,达标\n") != NULL);
    free(out);
    free(err);
    /* no zone anywhere: the row is named and exit 1 */
    CHECK_EQ_INT(run(a, "station,Ld,Ln\nN1,50,40\n", &out, &err), 1);
    CHECK(strstr(err, "line 2: no GB 3096 zone") != NULL);
    free(out);
    free(err);
}

/* The same readers feed `envgov import observations`: the water file's factors land in the
   section's series (HJ 212 codes) and `envgov eval water` classifies them from the store. */
TEST(cli_import_observations_reads_water_and_noise_spreadsheets)
{
    char db[600], wf[600], nf[600];
    snprintf(db, sizeof db, "%s/samples.db", eg_test_tmpdir());
    snprintf(wf, sizeof wf, "%s/water.csv", eg_test_tmpdir());
    snprintf(nf, sizeof nf, "%s/noise.csv", eg_test_tmpdir());
    FILE *f = fopen(wf, "w");
    REQUIRE(f);
    fputs("section,time,pH,DO,COD,NH3-N,TP\nW1,2026-03-05 10:00,7.6,6.8,12,1.2,0.07\n"
          ",2026-03-05 10:00,7,5,10,0.1,0.1\n",
          f);
    fclose(f);
    f = fopen(nf, "w");
    REQUIRE(f);
    fputs("station,time,leq\nN1,2026-03-05 23:00,52.3\nN1,2026-03-05 10:00,bad\n", f);
    fclose(f);
    char *out, *err;
    const char *a[] = {"import", "observations", wf, "--db", db, NULL};
    CHECK_EQ_INT(run(a, NULL, &out, &err), 1); /* one row without a section */
    CHECK(strstr(out, "\"format\":\"water\",\"rows\":1,\"values\":5,\"written\":5") != NULL);
    CHECK(strstr(err, "line 3: no station or section code") != NULL);
    free(out);
    free(err);
    const char *s[] = {"series", "query",      "--source", "W1",     "--pollutant",
                       "w21003", "--kind",     "2061",     "--from", "2026-03-05",
                       "--to",   "2026-03-06", "--db",     db,       NULL};
    CHECK_EQ_INT(run(s, NULL, &out, &err), 0);
    CHECK(strstr(out, "1.2") != NULL);
    free(out);
    free(err);
    const char *n[] = {"import", "observations", nf, "--db", db, "--strict", NULL};
    CHECK_EQ_INT(run(n, NULL, &out, &err), 1);
    CHECK(strstr(err, "--strict and 1 rejected rows, 1 invalid values: nothing imported") != NULL);
    CHECK(strstr(out, "\"written\":0") != NULL);
    free(out);
    free(err);
}
