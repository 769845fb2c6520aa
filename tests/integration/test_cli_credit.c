/* `envgov ruleset check|load` and `envgov credit run|publish|show|published` through the real
   binary: a faulty rule set file is refused naming file:line: field (exit 1), a good one loads
   once and a changed text under the same version is refused; a rating run over a scene of two
   enterprises (sh-credit-2020: no record -> very_good), publication, the public list; usage
   errors exit 2. */
#include "db/db.h"
#include "test.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *path_of(const char *name)
{
    static char p[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", eg_test_tmpdir(), name);
    return p[k];
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    fputs(text, f);
    fclose(f);
}

static int run(const char *const *args, char **out, char **err)
{
    *out = *err = NULL;
    return eg_test_run(args, NULL, 0, out, err);
}

TEST(cli_ruleset_check_load_and_credit_run_publish_show)
{
    const char *db = path_of("c.db");
    struct eg_db *st;
    struct eg_err e;
    REQUIRE(eg_db_open(db, &st, &e) == 0);
    REQUIRE(eg_db_exec(st,
                       "INSERT INTO units (id, name, kind) VALUES (1, '甲厂', 'enterprise'), (2, "
                       "'乙厂', 'enterprise');",
                       &e) == 0);
    eg_db_close(st);
    char *out, *err;
    const char *bad = path_of("bad.rs");
    write_file(bad, "kind = credit_scheme\nid = b\nversion = 1\njurisdiction = x\nvalid_from = "
                    "2020-01-01\naggregation = weighted_sum\n[grade a]\nlabel = A\nmin_score = "
                    "oops\n");
    const char *a1[] = {"ruleset", "check", bad, NULL};
    CHECK_EQ_INT(run(a1, &out, &err), 1);
    CHECK(strstr(err, "bad.rs:9: min_score: 'oops' is not a number") != NULL);
    free(out);
    free(err);
    const char *good = path_of("good.rs");
    write_file(good, "kind = test\nid = g\nversion = 1\njurisdiction = x\nvalid_from = "
                     "2020-01-01\n");
    const char *a2[] = {"ruleset", "load", good, "--db", db, NULL};
    CHECK_EQ_INT(run(a2, &out, &err), 0);
    CHECK(strstr(out, "good.rs: loaded") != NULL);
    free(out);
    free(err);
    write_file(good, "kind = test\nid = g\nversion = 1\njurisdiction = y\nvalid_from = "
                     "2020-01-01\n");
    CHECK_EQ_INT(run(a2, &out, &err), 1);
    CHECK(strstr(err, "already loaded with another text") != NULL);
    free(out);
    free(err);
    const char *a3[] = {"ruleset", "check", "/nonexistent/x.rs", NULL};
    CHECK_EQ_INT(run(a3, &out, &err), 1);
    free(out);
    free(err);
    const char *a4[] = {"ruleset", "check", NULL};
    CHECK_EQ_INT(run(a4, &out, &err), 2);
    free(out);
    free(err);

    const char *r1[] = {"credit", "run",  "--year", "2020", "--jurisdiction",
                        "上海市", "--db", db,       NULL};
    CHECK_EQ_INT(run(r1, &out, &err), 0);
    json_t *j = json_loads(out, 0, NULL);
    REQUIRE(j);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "units")), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "by_grade"), "very_good")),
                 2);
    long long runid = json_integer_value(json_object_get(j, "run_id"));
    json_decref(j);
    free(out);
    free(err);
    char rid[32];
    snprintf(rid, sizeof rid, "%lld", runid);
    const char *r2[] = {"credit", "publish", rid, "--grade", "very_good", "--db", db, NULL};
    CHECK_EQ_INT(run(r2, &out, &err), 0);
    CHECK(strstr(out, "\"published\": 2") != NULL);
    free(out);
    free(err);
    const char *r3[] = {"credit", "show", "1", "--year", "2020", "--db", db, NULL};
    CHECK_EQ_INT(run(r3, &out, &err), 0);
    CHECK(strstr(out, "\"grade_zh\": \"很好\"") != NULL);
    CHECK(strstr(out, "无记录，按规则计 100 分") != NULL);
    free(out);
    free(err);
    const char *r4[] = {"credit", "published", "--year", "2020", "--db", db, NULL};
    CHECK_EQ_INT(run(r4, &out, &err), 0);
    CHECK(strstr(out, "乙厂") != NULL);
    free(out);
    free(err);
    const char *r5[] = {"credit", "run", "--year", "20x0", "--db", db, NULL};
    CHECK_EQ_INT(run(r5, &out, &err), 2);
    free(out);
    free(err);
    const char *r6[] = {"credit", "run",  "--year", "2030", "--jurisdiction",
                        "上海市", "--db", db,       NULL};
    CHECK_EQ_INT(run(r6, &out, &err), 1);
    CHECK(strstr(err, "envgov ruleset load") != NULL);
    free(out);
    free(err);
}
