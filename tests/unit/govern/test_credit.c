/* Tests of the credit engine (src/govern/credit.c, credit_repair.c) on hand-built cases whose
   answers were worked out by hand from the shipped schemes:
     cn-credit-2013 (环发〔2013〕150号, weighted_sum; weights compliance 15, solid_waste 5,
       hazardous_waste 5, noise 4, siting 2, penalties 15, risk 10, complaints 5: Σ 61; grades
       green >= 96, blue >= 70, yellow >= 60, red; thresholds UNCONFIRMED, Fujian 2016);
     sh-credit-2020 (上海 2020 年度, min_of_indicators over 13 indicators; grades very_good >= 90,
       good >= 75, fair >= 60, poor >= 40, very_poor).
   Then a rating run over a scene, publication by grade, the views per role, the grade in effect
   on a date, and the repair workflow with its waiting periods (沪府办规〔2024〕8号). */
#include "govern/govern.h"
#include "govern/internal.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_credit_scheme *scheme(struct eg_db *db, int year, const char *jur)
{
    struct eg_credit_scheme *s = NULL;
    struct eg_err err = {0};
    int rc = eg_credit_scheme_for_year(db, year, jur, &s, &err);
    if (rc < 0)
        eg_test_fail(__FILE__, __LINE__, "%s", err.msg);
    REQUIRE(rc == 0 && s);
    return s;
}

/* Rates with the named inputs set ("name", value, …, NULL); returns the grade name. */
static const char *rate(const struct eg_credit_scheme *s, double *score, int *veto, ...)
{
    double in[64];
    REQUIRE(s->ninputs <= 64);
    for (int i = 0; i < s->ninputs; i++)
        in[i] = NAN;
    va_list ap;
    va_start(ap, veto);
    const char *name;
    while ((name = va_arg(ap, const char *))) {
        double v = va_arg(ap, double);
        int k = 0;
        while (k < s->ninputs && strcmp(s->inputs[k], name))
            k++;
        if (k == s->ninputs)
            eg_test_fail(__FILE__, __LINE__, "no input %s", name);
        else
            in[k] = v;
    }
    va_end(ap);
    return s->grades[eg_credit_rate(s, in, score, veto, NULL, NULL)].name;
}

TEST(credit_national_2013_weighted_sum_hand_cases)
{
    struct eg_credit_scheme *s = scheme(NULL, 2020, "国家");
    CHECK_STR(s->rs->id, "cn-credit-2013");
    CHECK_EQ_INT(s->agg, EG_CREDIT_WEIGHTED_SUM);
    CHECK_EQ_INT(s->ngrades, 4);
    CHECK_EQ_INT(s->nindicators, 8);
    CHECK_EQ_INT(s->nvetoes, 7);
    double sc;
    int veto;
    /* No record at all: every indicator's missing score 100 -> 100, green. */
    CHECK_STR(rate(s, &sc, &veto, NULL), "green");
    CHECK_EQ_DBL(sc, 100, 0);
    CHECK_EQ_INT(veto, -1);
    /* One penalty: 行政处罚 scores 0 (provincial guide: 0 with a penalty):
       (61 - 15) × 100 / 61 = 75.41 -> blue (70 <= s < 96). */
    CHECK_STR(rate(s, &sc, &veto, "penalties", 1.0, NULL), "blue");
    CHECK_EQ_DBL(sc, 75.41, 1e-9);
    /* Lowest outlet compliance 80 % (tier 2: 79) and 3 complaints (tier 3: 49):
       (15×79 + 5×49 + 41×100) / 61 = 5530 / 61 = 90.66 -> blue. */
    CHECK_STR(rate(s, &sc, &veto, "compliance_rate", 0.8, "complaints", 3.0, NULL), "blue");
    CHECK_EQ_DBL(sc, 90.66, 1e-9);
    /* Compliance 40 % (< 50 %: 0), 2 penalties (0), risk not managed (49):
       (0 + 0 + 10×49 + 21×100) / 61 = 2590 / 61 = 42.46 -> red (< 60). */
    CHECK_STR(rate(s, &sc, &veto, "compliance_rate", 0.4, "penalties", 2.0, "risk_management_level",
                   0.0, NULL),
              "red");
    CHECK_EQ_DBL(sc, 42.46, 1e-9);
    /* Boundaries: 90 % is tier 1 (>= 90 %), 75 % tier 2 (75 % incl.), 50 % tier 3 (not 0). */
    rate(s, &sc, &veto, "compliance_rate", 0.9, NULL);
    CHECK_EQ_DBL(sc, 100, 0);
    rate(s, &sc, &veto, "compliance_rate", 0.75, NULL);
    CHECK_EQ_DBL(sc, round((15 * 79 + 46 * 100) / 61.0 * 100) / 100, 1e-9); /* 94.67: blue */
    rate(s, &sc, &veto, "compliance_rate", 0.5, NULL);
    CHECK_EQ_DBL(sc, round((15 * 49 + 46 * 100) / 61.0 * 100) / 100, 1e-9);
    /* A perfect record with 未批先建: one-vote veto -> red whatever the score. */
    CHECK_STR(rate(s, &sc, &veto, "veto_eia", 1.0, NULL), "red");
    CHECK_EQ_DBL(sc, 100, 0);
    REQUIRE(veto >= 0);
    CHECK_STR(s->vetoes[veto].name, "eia");
    /* A veto input of 0 is no veto. */
    CHECK_STR(rate(s, &sc, &veto, "veto_eia", 0.0, NULL), "green");
    eg_credit_scheme_free(s);
}

TEST(credit_shanghai_2020_worst_indicator_decides)
{
    struct eg_credit_scheme *s = scheme(NULL, 2020, "上海市");
    CHECK_STR(s->rs->id, "sh-credit-2020");
    CHECK_EQ_INT(s->agg, EG_CREDIT_MIN_OF_INDICATORS);
    CHECK_EQ_INT(s->ngrades, 5);
    CHECK_EQ_INT(s->nindicators, 13); /* 13 indicators (Songjiang 2021) */
    double sc;
    int veto;
    CHECK_STR(rate(s, &sc, &veto, NULL), "very_good");
    /* One penalty (65) beside perfect others: the worst indicator decides -> fair (60..75). */
    CHECK_STR(rate(s, &sc, &veto, "penalties", 1.0, NULL), "fair");
    CHECK_EQ_DBL(sc, 65, 0);
    /* Compliance 95 % (80) and one complaint (80): min 80 -> good. A weighted sum would have
       given 98.5 (very good): the 补短板 rule differs. */
    CHECK_STR(rate(s, &sc, &veto, "compliance_rate", 0.95, "complaints", 1.0, NULL), "good");
    CHECK_EQ_DBL(sc, 80, 0);
    /* A sudden environmental incident: 20 -> very_poor. */
    CHECK_STR(rate(s, &sc, &veto, "incidents", 1.0, NULL), "very_poor");
    /* 3 overdue rectification tasks: 45 -> poor (40..60). */
    CHECK_STR(rate(s, &sc, &veto, "tasks_overdue", 3.0, NULL), "poor");
    /* Not in force for 2025 (沪环规〔2024〕18号 replaced it; no default shipped for it). */
    struct eg_credit_scheme *none = NULL;
    struct eg_err err = {0};
    CHECK_EQ_INT(eg_credit_scheme_for_year(NULL, 2025, "上海市", &none, &err), EG_ENOTFOUND);
    eg_credit_scheme_free(s);
}

static void compile_bad(const char *body, const char *msg)
{
    char text[2048];
    snprintf(text, sizeof text,
             "kind = credit_scheme\nid = t\nversion = 1\njurisdiction = x\nvalid_from = "
             "2020-01-01\n%s",
             body);
    struct eg_ruleset *rs = NULL;
    struct eg_err err = {0};
    REQUIRE(eg_ruleset_parse("t.rs", text, strlen(text), &rs, &err) == 0);
    struct eg_credit_scheme *s = (struct eg_credit_scheme *)1;
    CHECK_EQ_INT(eg_credit_scheme_compile(rs, &s, &err), EG_EINVAL);
    CHECK(s == NULL);
    if (!strstr(err.msg, msg))
        eg_test_fail(__FILE__, __LINE__, "'%s' does not contain '%s'", err.msg, msg);
}

#define GRADES "[grade a]\nlabel = A\nmin_score = 50\n[grade b]\nlabel = B\nmin_score = 0\n"
#define IND "[indicator i]\nlabel = I\nweight = 1\ninput = x\ntier = 0 .. 1 -> 100\nmissing = 100\n"

TEST(credit_scheme_errors_name_file_line_field)
{
    compile_bad(GRADES IND, "t.rs:1: aggregation: required in the header");
    compile_bad("aggregation = max\n" GRADES IND, "t.rs:6: aggregation: 'max': use weighted_sum");
    compile_bad("aggregation = weighted_sum\n" IND, "grade: a scheme needs at least two");
    compile_bad("aggregation = weighted_sum\n[grade a]\nlabel = A\nmin_score = 50\n[grade b]\n"
                "label = B\nmin_score = 60\n" IND,
                "t.rs:12: min_score: grades go best first");
    compile_bad("aggregation = weighted_sum\n[grade a]\nlabel = A\nmin_score = 50\n[grade b]\n"
                "label = B\nmin_score = 10\n" IND,
                "the last grade (b) must have min_score = 0");
    compile_bad("aggregation = weighted_sum\n[grade a]\nmin_score = 50\n",
                "t.rs:7: label: required in [grade a]");
    compile_bad("aggregation = weighted_sum\n" GRADES, "a scheme needs at least one [indicator");
    compile_bad(
        "aggregation = weighted_sum\n" GRADES
        "[indicator i]\nlabel = I\nweight = 1\ninput = x\ntier = 0 .. x -> 1\nmissing = 1\n",
        "t.rs:17: tier: '0 .. x -> 1' is not 'LO .. HI -> SCORE'");
    compile_bad(
        "aggregation = weighted_sum\n" GRADES
        "[indicator i]\nlabel = I\nweight = 1\ninput = x\ntier = 5 .. 1 -> 1\nmissing = 1\n",
        "t.rs:17: tier");
    compile_bad("aggregation = weighted_sum\n" GRADES
                "[indicator i]\nlabel = I\nweight = 1\ninput = x\ntier = 0 .. 1 -> 101\nmissing = "
                "1\n",
                "t.rs:17: tier");
    compile_bad(
        "aggregation = weighted_sum\n" GRADES
        "[indicator i]\nlabel = I\nweight = 0\ninput = x\ntier = 0 .. 1 -> 1\nmissing = 1\n",
        "t.rs:15: weight: must be above 0");
    compile_bad("aggregation = weighted_sum\n" GRADES
                "[indicator i]\nlabel = I\nweight = 1\ninput = X-1\ntier = 0 .. 1 -> 1\nmissing = "
                "1\n",
                "t.rs:16: input: 'X-1'");
    compile_bad("aggregation = weighted_sum\n" GRADES
                "[indicator i]\nlabel = I\nweight = 1\ninput = x\nmissing = 1\n",
                "t.rs:13: [indicator i]: an indicator needs at least one tier");
    compile_bad("aggregation = weighted_sum\n" GRADES
                "[indicator i]\nlabel = I\nweight = 1\ninput = x\ntier = 0 .. 1 -> 1\n",
                "t.rs:13: missing: required in [indicator i]");
    compile_bad("aggregation = min_of_indicators\n" GRADES IND "[bonus b]\n",
                "[bonus b]: unknown section type");
    compile_bad("aggregation = min_of_indicators\n" GRADES IND "[veto v]\nlabel = V\n",
                "input: required in [veto v]");
    compile_bad("aggregation = min_of_indicators\n" GRADES IND "[repair]\nexpiry_months = 0\n",
                "expiry_months: 0 is outside 1 .. 240");
    /* weight is optional for min_of_indicators */
    char ok[] = "kind = credit_scheme\nid = t\nversion = 1\njurisdiction = x\nvalid_from = "
                "2020-01-01\naggregation = min_of_indicators\n" GRADES
                "[indicator i]\nlabel = I\ninput = x\ntier = 0 .. 1 -> 100\nmissing = 100\n";
    struct eg_ruleset *rs = NULL;
    struct eg_credit_scheme *s = NULL;
    struct eg_err err = {0};
    REQUIRE(eg_ruleset_parse("ok.rs", ok, strlen(ok), &rs, &err) == 0);
    CHECK_EQ_INT(eg_credit_scheme_compile(rs, &s, &err), 0);
    eg_credit_scheme_free(s);
}

TEST(credit_explanation_names_every_indicator_tier_and_source)
{
    struct eg_credit_scheme *s = scheme(NULL, 2020, "国家");
    double in[64];
    const char *src[64] = {0};
    for (int i = 0; i < s->ninputs; i++)
        in[i] = NAN;
    for (int i = 0; i < s->ninputs; i++) {
        if (!strcmp(s->inputs[i], "compliance_rate")) {
            in[i] = 0.8;
            src[i] = "officer";
        }
        if (!strcmp(s->inputs[i], "complaints")) {
            in[i] = 3;
            src[i] = "platform";
        }
    }
    json_t *ex = eg_credit_explain(s, in, src);
    CHECK_STR(json_string_value(json_object_get(ex, "grade")), "blue");
    CHECK_STR(json_string_value(json_object_get(ex, "grade_zh")), "环保良好企业");
    json_t *inds = json_object_get(ex, "indicators");
    CHECK_EQ_INT(json_array_size(inds), 8);
    json_t *c = json_array_get(inds, 0);
    CHECK_STR(json_string_value(json_object_get(c, "label_zh")), "大气及水污染物达标排放");
    CHECK_EQ_INT(json_integer_value(json_object_get(c, "tier")), 2);
    CHECK_EQ_DBL(json_real_value(json_object_get(c, "score")), 79, 0);
    CHECK_STR(json_string_value(json_object_get(c, "source")), "officer");
    CHECK(strstr(json_string_value(json_object_get(c, "why")), "0.75 .. 0.9") != NULL);
    json_t *p = json_array_get(inds, 5); /* penalties: no record */
    CHECK(json_is_null(json_object_get(p, "value")));
    CHECK_STR(json_string_value(json_object_get(p, "why")), "无记录，按规则计 100 分");
    json_t *cm = json_array_get(inds, 7);
    CHECK_STR(json_string_value(json_object_get(cm, "source")), "platform");
    json_decref(ex);
    eg_credit_scheme_free(s);
}

/* Scene: district D, street S1 (grid G1), street S2; enterprises E1 (G1), E2 (S2), E3 (S1) and
   a park (not rated); two complaint tasks about E2 in 2020 and one enforcement task in 2019. */
#define SCENE                                                                                      \
    "INSERT INTO regions (id, code, name, level, parent_id) VALUES (1, 'D', '区', 'district', "   \
    "NULL), (2, 'S1', '街道一', 'street', 1), (3, 'G1', '网格一', 'grid', 2), (4, 'S2', "    \
    "'街道二', 'street', 1);"                                                                   \
    "INSERT INTO units (id, name, kind, region_id) VALUES (1, '甲厂', 'enterprise', 3), (2, "    \
    "'乙厂', 'enterprise', 4), (3, '丙厂', 'enterprise', 2), (4, '园区', 'park', 2);"        \
    "INSERT INTO users (id, username, role, password) VALUES (20, 'ent1', 'enterprise', 'x'), "    \
    "(21, 'ent2', 'enterprise', 'x'), (22, 'street1', 'street', 'x'), (23, 'officer', "            \
    "'bureau', 'x');"                                                                              \
    "INSERT INTO flow_records (id, kind, state, title, unit_id, region_id, created_at, "           \
    "created_by_name, updated_at) VALUES (100, 'task', 'raised', 't', 2, 4, 1590000000, 's', "     \
    "1590000000), (101, 'task', 'raised', 't', 2, 4, 1600000000, 's', 1600000000), (102, "         \
    "'task', 'raised', 't', 2, 4, 1560000000, 's', 1560000000);"                                   \
    "INSERT INTO tasks (record_id, task_type, origin) VALUES (100, 'complaint', 'complaint'), "    \
    "(101, 'complaint', 'complaint'), (102, 'enforcement', 'person');"

static const struct eg_principal bureau = {EG_ROLE_BUREAU, 23, "officer", "", 0};
static const struct eg_principal ent1 = {EG_ROLE_ENTERPRISE, 20, "ent1", "", 1};
static const struct eg_principal ent2 = {EG_ROLE_ENTERPRISE, 21, "ent2", "", 2};
static const struct eg_principal street1 = {EG_ROLE_STREET, 22, "street1", "S1", 0};
static const struct eg_principal anon = {EG_ROLE_ANON, 0, "", "", 0};

/* The unit's grade from the bulk reader the draw pool uses (eg__gov_credit_grades_on), with
   eg_credit_grade_of's answer: 0 and g, or EG_ENOTFOUND; both must agree on every case. */
static int bulk_grade(struct eg_db *db, int64_t unit, const char *date, char g[32])
{
    struct eg__credit_grade *a = NULL;
    int n = 0;
    struct eg_err err = {0};
    g[0] = 0;
    int rc = eg__gov_credit_grades_on(db, date, &a, &n, &err);
    if (rc < 0)
        return rc;
    rc = EG_ENOTFOUND;
    for (int i = 0; i < n; i++) {
        if (i > 0 && a[i - 1].unit_id >= a[i].unit_id)
            rc = EG_EINVAL; /* not sorted by unit, or a unit twice */
        if (a[i].unit_id == unit && rc == EG_ENOTFOUND) {
            snprintf(g, 32, "%s", a[i].grade);
            rc = 0;
        }
    }
    free(a);
    return rc;
}

static int64_t run_2020(struct eg_db *db, json_t **summary)
{
    struct eg_err err = {0};
    int64_t run = 0;
    int rc = eg_credit_run(db, &bureau, 2020, "上海市", &run, summary, &err);
    if (rc < 0)
        eg_test_fail(__FILE__, __LINE__, "%s", err.msg);
    REQUIRE(rc == 0 && run > 0);
    return run;
}

TEST(credit_run_inputs_from_records_and_officers_publication_roles)
{
    struct eg_db *db = eg_tfx_open("credit.db", SCENE);
    struct eg_err err = {0};
    /* Officers' entries: E1 one penalty in 2020; E3 an incident; a 2019 entry does not count. */
    CHECK_EQ_INT(
        eg_credit_input_set(db, &bureau, 1, 2020, "penalties", 1, "沪环罚〔2020〕1号", &err), 0);
    CHECK_EQ_INT(eg_credit_input_set(db, &bureau, 3, 2020, "incidents", 1, NULL, &err), 0);
    CHECK_EQ_INT(eg_credit_input_set(db, &bureau, 3, 2019, "incidents", 5, NULL, &err), 0);
    /* Entered again: replaced, not added. */
    CHECK_EQ_INT(eg_credit_input_set(db, &bureau, 1, 2020, "penalties", 1, "更正", &err), 0);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM govern_credit_inputs"), 3);
    CHECK_EQ_INT(eg_credit_input_set(db, &ent1, 1, 2020, "penalties", 0, NULL, &err), EG_EPERM);
    CHECK_EQ_INT(eg_credit_input_set(db, &bureau, 99, 2020, "penalties", 0, NULL, &err),
                 EG_ENOTFOUND);
    CHECK_EQ_INT(eg_credit_input_set(db, &bureau, 1, 2020, "Bad Name", 0, NULL, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_credit_input_set(db, &bureau, 1, 2020, "penalties", NAN, NULL, &err),
                 EG_EINVAL);
    CHECK_EQ_INT(eg_credit_run(db, &street1, 2020, "上海市", NULL, NULL, &err), EG_EPERM);

    json_t *sum = NULL;
    int64_t run = run_2020(db, &sum);
    /* 3 enterprises (the park is not rated). E1: penalty 65 -> fair; E2: 2 complaints from the
       task loop (80) -> good; E3: incident 20 -> very_poor. */
    CHECK_EQ_INT(json_integer_value(json_object_get(sum, "units")), 3);
    CHECK_STR(json_string_value(json_object_get(json_object_get(sum, "ruleset"), "id")),
              "sh-credit-2020");
    json_t *bg = json_object_get(sum, "by_grade");
    CHECK_EQ_INT(json_integer_value(json_object_get(bg, "fair")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(bg, "good")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(bg, "very_poor")), 1);
    json_decref(sum);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = "
                                "'govern_credit_runs'"),
                 1);

    /* Staff see everything with the explanation and the rule set that produced it. */
    json_t *r = NULL;
    REQUIRE(eg_credit_rating_get(db, &bureau, 2, 2020, &r, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(r, "grade")), "good");
    json_t *ex = json_object_get(r, "explanation");
    CHECK_STR(json_string_value(json_object_get(json_object_get(ex, "ruleset"), "id")),
              "sh-credit-2020");
    json_t *cm = json_array_get(json_object_get(ex, "indicators"), 11); /* 信访投诉 */
    CHECK_STR(json_string_value(json_object_get(cm, "label_zh")), "信访投诉");
    CHECK_EQ_DBL(json_real_value(json_object_get(cm, "value")), 2, 0);
    CHECK_STR(json_string_value(json_object_get(cm, "source")), "platform");
    json_decref(r);
    /* The enterprise sees its own, not another's (not found, no oracle). */
    REQUIRE(eg_credit_rating_get(db, &ent1, 1, 2020, &r, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(r, "grade_zh")), "一般");
    CHECK(json_object_get(r, "explanation") != NULL);
    json_decref(r);
    CHECK_EQ_INT(eg_credit_rating_get(db, &ent1, 2, 2020, &r, &err), EG_ENOTFOUND);
    /* A street sees units in its region and below (E1 in grid G1, E3 in S1), not E2 (S2). */
    REQUIRE(eg_credit_rating_get(db, &street1, 1, 2020, &r, &err) == 0);
    json_decref(r);
    CHECK_EQ_INT(eg_credit_rating_get(db, &street1, 2, 2020, &r, &err), EG_ENOTFOUND);
    /* The public: nothing before publication. */
    CHECK_EQ_INT(eg_credit_rating_get(db, &anon, 3, 2020, &r, &err), EG_ENOTFOUND);
    json_t *rows = NULL;
    REQUIRE(eg_credit_published(db, 2020, NULL, &rows, &err) == 0);
    CHECK_EQ_INT(json_array_size(rows), 0);
    json_decref(rows);

    /* Publish the very_poor grade (很差 exposed publicly, Songjiang 2021). */
    int n = 0;
    CHECK_EQ_INT(eg_credit_publish(db, &ent1, run, "very_poor", &n, &err), EG_EPERM);
    CHECK_EQ_INT(eg_credit_publish(db, &bureau, run, "excellent", &n, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_credit_publish(db, &bureau, run, "very_poor", &n, &err), 0);
    CHECK_EQ_INT(n, 1);
    REQUIRE(eg_credit_published(db, 2020, NULL, &rows, &err) == 0);
    REQUIRE(json_array_size(rows) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "unit")), "丙厂");
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "grade_zh")), "很差");
    json_decref(rows);
    REQUIRE(eg_credit_rating_get(db, &anon, 3, 2020, &r, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(r, "grade")), "very_poor");
    CHECK(json_object_get(r, "explanation") == NULL); /* the public sees the grade only */
    CHECK(json_object_get(r, "score") == NULL);
    json_decref(r);
    CHECK_EQ_INT(eg_credit_rating_get(db, &anon, 1, 2020, &r, &err), EG_ENOTFOUND);

    /* The grade in effect: published today -> in effect today, not yesterday. */
    char g[32], today[32], yesterday[32];
    eg_time_format_beijing(eg_time_now(), today, sizeof today);
    eg_time_format_beijing(eg_time_now() - 86400, yesterday, sizeof yesterday);
    today[10] = yesterday[10] = 0;
    CHECK_EQ_INT(eg_credit_grade_of(db, 3, today, g, &err), 0);
    CHECK_STR(g, "very_poor");
    CHECK_EQ_INT(bulk_grade(db, 3, today, g), 0);
    CHECK_STR(g, "very_poor");
    CHECK_EQ_INT(eg_credit_grade_of(db, 3, yesterday, g, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(bulk_grade(db, 3, yesterday, g), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_credit_grade_of(db, 1, today, g, &err), EG_ENOTFOUND); /* unpublished */
    CHECK_EQ_INT(bulk_grade(db, 1, today, g), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_credit_grade_of(db, 3, "2020-02-30", g, &err), EG_EINVAL);
    CHECK_EQ_INT(bulk_grade(db, 3, "2020-02-30", g), EG_EINVAL);
    /* Expiry at 36 months (NDRC Order 58: longest 3 years): published 2020-06-01 Beijing. */
    eg_db_exec(db, "UPDATE govern_credit_ratings SET published_at = 1590940800 WHERE unit_id = 3",
               NULL);
    CHECK_EQ_INT(eg_credit_grade_of(db, 3, "2023-05-31", g, &err), 0);
    CHECK_EQ_INT(bulk_grade(db, 3, "2023-05-31", g), 0);
    CHECK_EQ_INT(eg_credit_grade_of(db, 3, "2023-06-01", g, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(bulk_grade(db, 3, "2023-06-01", g), EG_ENOTFOUND);

    /* A penalty recorded for the positive list (eg_poslist_on_penalty, as "cases" will) counts
       as the "penalties" input of its year, from the platform: E2 gets 行政处罚 65 -> fair. */
    int removed = 1;
    REQUIRE(eg_poslist_on_penalty(db, &bureau, 2, "penalty", "2020-07-01", "沪环罚〔2020〕2号",
                                  &removed, &err) == 0);
    CHECK_EQ_INT(removed, 0); /* no positive list in force in 2020 */
    /* A second run the same year: the latest run answers. */
    eg_credit_input_set(db, &bureau, 3, 2020, "incidents", 0, "事件认定撤销", &err);
    run_2020(db, NULL);
    REQUIRE(eg_credit_rating_get(db, &bureau, 3, 2020, &r, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(r, "grade")), "very_good");
    json_decref(r);
    REQUIRE(eg_credit_rating_get(db, &bureau, 2, 2020, &r, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(r, "grade")), "fair");
    json_t *pen =
        json_array_get(json_object_get(json_object_get(r, "explanation"), "indicators"), 2);
    CHECK_STR(json_string_value(json_object_get(pen, "label_zh")), "行政处罚");
    CHECK_STR(json_string_value(json_object_get(pen, "source")), "platform");
    json_decref(r);
    eg_db_close(db);
}

static int64_t apply(struct eg_db *db, const struct eg_principal *who, int64_t unit, int64_t rating,
                     int listed, const char *grade, int status, const char *code)
{
    json_t *in = json_pack("{s:s,s:I,s:I,s:b,s:b,s:b}", "title", "信用修复", "unit_id",
                           (json_int_t)unit, "rating_id", (json_int_t)rating, "listed_field",
                           listed, "obligations_performed", 1, "corrected", 1);
    if (grade)
        json_object_set_new(in, "grade_requested", json_string(grade));
    json_t *out = NULL;
    struct eg_err err = {0};
    int rc = eg_flow_create(db, &eg_credit_repair_kind, who, in, &out, &err);
    json_decref(in);
    if (rc != status)
        eg_test_fail(__FILE__, __LINE__, "apply: %d != %d: %s", rc, status, err.msg);
    if (code && strcmp(err.code, code))
        eg_test_fail(__FILE__, __LINE__, "code %s != %s (%s)", err.code, code, err.msg);
    int64_t id = out ? json_integer_value(json_object_get(out, "id")) : 0;
    json_decref(out);
    return id;
}

TEST(credit_repair_waiting_periods_conditions_and_workflow)
{
    struct eg_db *db = eg_tfx_open("repair.db", SCENE);
    struct eg_err err = {0};
    REQUIRE(eg_flow_kind_check(&eg_credit_repair_kind, &err) == 0);
    eg_credit_input_set(db, &bureau, 1, 2020, "penalties", 1, NULL, &err);
    int64_t run = run_2020(db, NULL);
    int64_t rating = eg_tfx_int(db, "SELECT id FROM govern_credit_ratings WHERE unit_id = 1");
    /* Not published yet: refused. */
    apply(db, &ent1, 1, rating, 0, NULL, EG_EINVAL, "rating_id");
    int n;
    REQUIRE(eg_credit_publish(db, &bureau, run, "fair", &n, &err) == 0);
    /* Published just now: the shortest period (3 months) has not passed. */
    apply(db, &ent1, 1, rating, 0, NULL, EG_EINVAL, "waiting_period");
    /* Published 4 months ago: general (3 months) passes, a listed field (1 year) does not. */
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE govern_credit_ratings SET published_at = %lld",
             (long long)(eg_time_now() - 122 * 86400));
    eg_db_exec(db, sql, NULL);
    apply(db, &ent1, 1, rating, 1, NULL, EG_EINVAL, "waiting_period");
    /* Someone else's rating, an unknown rating, a grade not better than the rating's. */
    apply(db, &ent2, 2, rating, 0, NULL, EG_EINVAL, "rating_id");
    apply(db, &ent1, 1, 999, 0, NULL, EG_EINVAL, "rating_id");
    apply(db, &ent1, 1, rating, 0, "poor", EG_EINVAL, "grade_requested");
    apply(db, &ent1, 1, rating, 0, "nonsense", EG_EINVAL, "grade_requested");
    /* Conditions not declared met. */
    json_t *in = json_pack("{s:s,s:i,s:I,s:b,s:b}", "title", "修复", "unit_id", 1, "rating_id",
                           (json_int_t)rating, "obligations_performed", 1, "corrected", 0);
    CHECK_EQ_INT(eg_flow_create(db, &eg_credit_repair_kind, &ent1, in, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "corrected");
    json_decref(in);
    /* A street may not apply. */
    CHECK(apply(db, &street1, 1, rating, 0, NULL, EG_EPERM, NULL) == 0);
    /* The enterprise applies; a second application while it runs is refused. */
    int64_t rec = apply(db, &ent1, 1, rating, 0, NULL, 0, NULL);
    REQUIRE(rec > 0);
    apply(db, &ent1, 1, rating, 0, NULL, EG_ECONFLICT, "rating_id");
    /* Forbidden transitions: the enterprise cannot review or approve; approve before review. */
    CHECK_EQ_INT(eg_flow_act(db, &eg_credit_repair_kind, &ent1, rec, "review", NULL, NULL, &err),
                 EG_EPERM);
    CHECK_EQ_INT(eg_flow_act(db, &eg_credit_repair_kind, &bureau, rec, "approve", NULL, NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "state");
    CHECK_EQ_INT(eg_flow_act(db, &eg_credit_repair_kind, &bureau, rec, "review", NULL, NULL, &err),
                 0);
    CHECK_EQ_INT(eg_flow_act(db, &eg_credit_repair_kind, &ent1, rec, "withdraw", NULL, NULL, &err),
                 EG_EINVAL); /* only while applied */
    CHECK_EQ_INT(eg_flow_act(db, &eg_credit_repair_kind, &bureau, rec, "approve", NULL, NULL, &err),
                 0);
    /* Approved without a requested grade: the next better grade (fair -> good). */
    char g[32], today[16];
    eg_time_format_beijing(eg_time_now(), today, sizeof today);
    today[10] = 0;
    CHECK_EQ_INT(eg_credit_grade_of(db, 1, today, g, &err), 0);
    CHECK_STR(g, "good");
    CHECK_EQ_INT(bulk_grade(db, 1, today, g), 0);
    CHECK_STR(g, "good");
    json_t *r = NULL;
    REQUIRE(eg_credit_rating_get(db, &ent1, 1, 2020, &r, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(r, "repaired_grade")), "good");
    json_decref(r);
    /* Repaired once: a new application is refused. */
    apply(db, &ent1, 1, rating, 0, NULL, EG_ECONFLICT, "rating_id");
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = "
                                "'govern_credit_ratings'"),
                 1);
    /* Expired (more than 36 months): no repair. */
    eg_db_exec(db,
               "UPDATE govern_credit_ratings SET published_at = 1500000000, repaired_at = "
               "NULL, repaired_grade = NULL",
               NULL);
    apply(db, &ent1, 1, rating, 0, NULL, EG_EINVAL, "rating_id");
    eg_db_close(db);
}

TEST(credit_repair_rejection_needs_a_reason)
{
    struct eg_db *db = eg_tfx_open("repair2.db", SCENE);
    struct eg_err err = {0};
    eg_credit_input_set(db, &bureau, 1, 2020, "penalties", 1, NULL, &err);
    int64_t run = run_2020(db, NULL);
    int n;
    REQUIRE(eg_credit_publish(db, &bureau, run, "fair", &n, &err) == 0);
    eg_db_exec(db, "UPDATE govern_credit_ratings SET published_at = published_at - 400 * 86400",
               NULL);
    int64_t rating = eg_tfx_int(db, "SELECT id FROM govern_credit_ratings WHERE unit_id = 1");
    int64_t rec = apply(db, &ent1, 1, rating, 1, "very_good", 0, NULL); /* listed: > 1 year */
    REQUIRE(rec > 0);
    REQUIRE(eg_flow_act(db, &eg_credit_repair_kind, &bureau, rec, "review", NULL, NULL, &err) == 0);
    CHECK_EQ_INT(eg_flow_act(db, &eg_credit_repair_kind, &bureau, rec, "reject", NULL, NULL, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "reason");
    json_t *in = json_pack("{s:s}", "reason", "罚款尚未缴清");
    CHECK_EQ_INT(eg_flow_act(db, &eg_credit_repair_kind, &bureau, rec, "reject", in, NULL, &err),
                 0);
    json_decref(in);
    char g[32];
    CHECK_EQ_INT(eg_credit_grade_of(db, 1, "2099-01-01", g, &err), EG_ENOTFOUND); /* expired */
    CHECK_EQ_INT(bulk_grade(db, 1, "2099-01-01", g), EG_ENOTFOUND);
    char today[16];
    eg_time_format_beijing(eg_time_now(), today, sizeof today);
    today[10] = 0;
    CHECK_EQ_INT(eg_credit_grade_of(db, 1, today, g, &err), 0);
    CHECK_STR(g, "fair"); /* rejected: unchanged */
    CHECK_EQ_INT(bulk_grade(db, 1, today, g), 0);
    CHECK_STR(g, "fair"); /* rejected: unchanged */
    /* After the rejection a new application may be made. */
    CHECK(apply(db, &ent1, 1, rating, 1, "very_good", 0, NULL) > 0);
    eg_db_close(db);
}
