/*
 * test_plans_cli.c: `envgov pilot` and `envgov plan` as a bureau officer runs them — seed 000's
 * round file scored and cut to its 附表 (1/10/9/5/1) with the list and the sheet written, a
 * broken catalogue named by file, line and field, seed 003's plan loaded and its status
 * exported, usage errors.
 */
#include "base/base.h"
#include "test.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *root_file(const char *rel)
{
    /* the tests run from the repository root (make test) */
    return rel;
}

TEST(cli_pilot_score_cuts_seed_000_round_to_its_annex_and_writes_the_files)
{
    char list[600], sheet[600];
    snprintf(list, sizeof list, "%s/list.csv", eg_test_tmpdir());
    snprintf(sheet, sizeof sheet, "%s/sheet.xlsx", eg_test_tmpdir());
    const char *args[] = {"pilot",       "score",    root_file("data/pilot/round2_pudong.tsv"),
                          "--rule",      "trimmed",  "--quota",
                          "park=1",      "--quota",  "enterprise=10",
                          "--quota",     "street=9", "--quota",
                          "community=5", "--quota",  "building=1",
                          "--list",      list,       "--sheet",
                          sheet,         NULL};
    char *out = NULL, *err = NULL;
    int rc = eg_test_run(args, NULL, 0, &out, &err);
    if (rc)
        fprintf(stderr, "%s", err ? err : "");
    REQUIRE(rc == 0);
    json_t *j = json_loads(out, 0, NULL);
    REQUIRE(j);
    json_t *k = json_object_get(j, "kinds");
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "applications")), 42);
    static const struct {
        const char *kind;
        int applied, recommended;
    } want[] = {{"park", 1, 1},
                {"enterprise", 16, 10},
                {"street", 9, 9},
                {"community", 15, 5},
                {"building", 1, 1}};
    for (size_t i = 0; i < EG_ARRAY_LEN(want); i++) {
        json_t *o = json_object_get(k, want[i].kind);
        CHECK_EQ_INT(json_integer_value(json_object_get(o, "applied")), want[i].applied);
        CHECK_EQ_INT(json_integer_value(json_object_get(o, "recommended")), want[i].recommended);
    }
    json_decref(j);
    free(out);
    free(err);
    size_t n;
    char *csv = eg_test_read_file(list, &n);
    REQUIRE(csv);
    CHECK(strstr(csv, "社区（村居）（5）") != NULL);
    CHECK(strstr(csv, "1,上海中心,") != NULL);
    free(csv);
    char *x = eg_test_read_file(sheet, &n);
    REQUIRE(x);
    CHECK(n > 1000 && !memcmp(x, "PK", 2));
    free(x);
}

TEST(cli_pilot_catalogue_errors_and_usage)
{
    char bad[600];
    snprintf(bad, sizeof bad, "%s/cat.tsv", eg_test_tmpdir());
    FILE *f = fopen(bad, "w");
    REQUIRE(f);
    fputs("kind\tsection\tno\tshort\ttext\nk\tname\t0\t\t甲\nk\tcondition\t2\t\t乙\n", f);
    fclose(f);
    const char *a1[] = {"pilot", "catalogue", bad, NULL};
    char *out = NULL, *err = NULL;
    CHECK_EQ_INT(eg_test_run(a1, NULL, 0, &out, &err), 1);
    CHECK(strstr(err, "cat.tsv line 3, field no") != NULL);
    free(out);
    free(err);
    const char *a2[] = {"pilot", "catalogue", NULL};
    CHECK_EQ_INT(eg_test_run(a2, NULL, 0, &out, &err), 0);
    CHECK(strstr(out, "社区（村居）") != NULL);
    free(out);
    free(err);
    const char *a3[] = {"pilot", "score", "--quota", "park", "x.tsv", NULL};
    CHECK_EQ_INT(eg_test_run(a3, NULL, 0, NULL, NULL), 2);
    const char *a4[] = {"pilot", "fly", NULL};
    CHECK_EQ_INT(eg_test_run(a4, NULL, 0, NULL, NULL), 2);
    const char *a5[] = {"pilot", "score", "/nonexistent.tsv", NULL};
    CHECK_EQ_INT(eg_test_run(a5, NULL, 0, NULL, NULL), 1);
    const char *a6[] = {"pilot", "score", "--rule", "median", "x", NULL};
    CHECK_EQ_INT(eg_test_run(a6, NULL, 0, NULL, NULL), 2);
}

TEST(cli_plan_load_demo_status_and_usage)
{
    char db[600], csvp[600];
    snprintf(db, sizeof db, "%s/plan.db", eg_test_tmpdir());
    snprintf(csvp, sizeof csvp, "%s/status.csv", eg_test_tmpdir());
    char *out = NULL, *err = NULL;
    const char *a1[] = {"plan", "load-demo", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(a1, NULL, 0, &out, &err), 0);
    free(out);
    free(err);
    const char *a2[] = {"plan", "list", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(a2, NULL, 0, &out, &err), 0);
    CHECK(strstr(out, "\"tasks\": 40") != NULL);
    free(out);
    free(err);
    const char *a3[] = {"plan", "status", "1", "--format", "csv", "--out", csvp, "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(a3, NULL, 0, &out, &err), 0);
    free(out);
    free(err);
    size_t n;
    char *csv = eg_test_read_file(csvp, &n);
    REQUIRE(csv);
    CHECK(strstr(csv, "（一）,（一）开展能源和工业领域碳达峰行动,区发改委、区经委,已分解,") !=
          NULL);
    free(csv);
    const char *a4[] = {"plan", "status", "x", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(a4, NULL, 0, NULL, NULL), 2);
    const char *a5[] = {"plan", "status", "9", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(a5, NULL, 0, NULL, NULL), 1);
    const char *a6[] = {"plan", "import", "x.tsv", "--db", db, NULL}; /* no --name */
    CHECK_EQ_INT(eg_test_run(a6, NULL, 0, NULL, NULL), 2);
    const char *a7[] = {"plan", "status", "1", "--format", "pdf", "--db", db, NULL};
    CHECK_EQ_INT(eg_test_run(a7, NULL, 0, NULL, NULL), 2);
}
