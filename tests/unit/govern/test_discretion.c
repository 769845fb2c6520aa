/* Tests of penalty discretion (src/govern/discretion.c) on hand-built cases whose answers were
   worked out by hand from the shipped rule set data/govern/discretion-gd-2022.rs:
     weight model (《广东省生态环境行政处罚自由裁量权规定》2022 Art. 6): p = min(1, start 10 % +
       Σ factor weights + Σ aggravating 20 %), fine = p × statutory maximum, not below the minimum;
     a factor not established scores its lowest option (Art. 5);
     range model (Art. 12(2)): average a splits the range, lighter below 30 %, heavier from 60 %;
     mitigating circumstances of 《行政处罚法》Art. 32 (从轻 30 %, not below the minimum; 减轻 50 %,
       below it), apology (Art. 14, 30 %, not with aggravating circumstances);
     daily continuous penalty (环境保护部令第28号 Art. 17, 19; governance-research.md §5.4). */
#include "govern/govern.h"
#include "test.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct eg_discretion *shipped(void)
{
    struct eg_discretion *d = NULL;
    struct eg_err err = {0};
    int rc = eg_discretion_for_date(NULL, "2024-06-01", NULL, &d, &err);
    if (rc < 0)
        eg_test_fail(__FILE__, __LINE__, "%s", err.msg);
    REQUIRE(rc == 0 && d);
    return d;
}

/* The fine for a violation with factors "name=option" and circumstances "+name", NULL-ended. */
static double fine_of(const struct eg_discretion *d, const char *violation, double *weight,
                      const char **part, int *nsteps, ...)
{
    struct eg_disc_choice ch[16];
    const char *circ[16];
    char buf[16][64];
    int nch = 0, nc = 0;
    va_list ap;
    va_start(ap, nsteps);
    const char *a;
    while ((a = va_arg(ap, const char *))) {
        if (a[0] == '+') {
            circ[nc++] = a + 1;
            continue;
        }
        snprintf(buf[nch], sizeof buf[nch], "%s", a);
        char *eq = strchr(buf[nch], '=');
        REQUIRE(eq);
        *eq = 0;
        ch[nch].factor = buf[nch];
        ch[nch].option = eq + 1;
        nch++;
    }
    va_end(ap);
    struct eg_disc_result r;
    struct eg_err err = {0};
    int rc = eg_discretion_compute(d, violation, ch, nch, circ, nc, &r, &err);
    if (rc < 0)
        eg_test_fail(__FILE__, __LINE__, "%s", err.msg);
    REQUIRE(rc == 0);
    if (weight)
        *weight = r.weight;
    if (part)
        *part = r.part;
    if (nsteps)
        *nsteps = (int)json_array_size(r.steps);
    /* Every step has its number and text; the last one states the fine. */
    size_t n = json_array_size(r.steps);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(r.steps, i);
        CHECK_EQ_INT(json_integer_value(json_object_get(s, "step")), (long long)i + 1);
        CHECK(json_string_length(json_object_get(s, "text_zh")) > 0);
    }
    CHECK_EQ_DBL(json_real_value(json_object_get(json_array_get(r.steps, n - 1), "amount")), r.fine,
                 0);
    json_decref(r.steps);
    return r.fine;
}

TEST(discretion_weight_model_hand_cases)
{
    struct eg_discretion *d = shipped();
    CHECK_STR(d->rs->id, "discretion-gd-2022");
    const struct eg_disc_violation *v = eg_discretion_violation(d, "air_exceedance");
    REQUIRE(v);
    CHECK_EQ_DBL(v->min_fine, 100000, 0);
    CHECK_EQ_DBL(v->max_fine, 1000000, 0);
    CHECK_STR(v->basis, "《中华人民共和国大气污染防治法》第九十九条第（二）项");
    double w;
    int n;
    /* governance-research.md §5.3 worked example: 10 + 6 + 5 + 5 + 15 = 41 % × 1,000,000. */
    CHECK_EQ_DBL(fine_of(d, "air_exceedance", &w, NULL, &n, "impact=medium", "duration=m3_6",
                         "count=second", "complaint=verified", NULL),
                 410000, 0);
    CHECK_EQ_DBL(w, 0.41, 1e-9);
    CHECK_EQ_INT(n, 8); /* violation, start, 4 factors, p × max, rounded fine */
    /* Apology (GD Art. 14): −30 % → 287,000 (the example's 205,000–287,000 range, top end). */
    CHECK_EQ_DBL(fine_of(d, "air_exceedance", NULL, NULL, NULL, "impact=medium", "duration=m3_6",
                         "count=second", "complaint=verified", "+apology", NULL),
                 287000, 0);
    /* Aggravating (42号: ≥ 3 penalties in 2 years) +20 % → 61 %; the apology does not apply. */
    CHECK_EQ_DBL(fine_of(d, "air_exceedance", &w, NULL, NULL, "impact=medium", "duration=m3_6",
                         "count=second", "complaint=verified", "+repeat_3_in_2y", "+apology", NULL),
                 610000, 0);
    CHECK_EQ_DBL(w, 0.61, 1e-9);
    /* Every factor at its top: 10 + 32 + 26 + 27 + 15 = 110 % → capped at 100 % (Art. 6). */
    CHECK_EQ_DBL(fine_of(d, "air_exceedance", &w, NULL, &n, "impact=major", "duration=ge_12m",
                         "count=fourth_plus", "complaint=verified", NULL),
                 1000000, 0);
    CHECK_EQ_DBL(w, 1, 0);
    CHECK_EQ_INT(n, 9); /* plus the cap step */
    /* No factor established: lowest options (Art. 5) → 10 % → 100,000 = the minimum. */
    CHECK_EQ_DBL(fine_of(d, "air_exceedance", &w, NULL, NULL, NULL), 100000, 0);
    CHECK_EQ_DBL(w, 0.10, 1e-9);
    /* 从轻 (Art. 32(2), −30 %): 70,000 is below the minimum → 100,000. */
    CHECK_EQ_DBL(fine_of(d, "air_exceedance", NULL, NULL, NULL, "+coerced", NULL), 100000, 0);
    /* 减轻 (Art. 32(1), −50 %): below the minimum allowed → 50,000. */
    CHECK_EQ_DBL(fine_of(d, "air_exceedance", NULL, NULL, NULL, "+eliminated_harm", NULL), 50000,
                 0);
    /* Both on 410,000: × 0.5 × 0.7 = 143,500. */
    CHECK_EQ_DBL(fine_of(d, "air_exceedance", NULL, NULL, NULL, "impact=medium", "duration=m3_6",
                         "count=second", "complaint=verified", "+eliminated_harm", "+coerced",
                         NULL),
                 143500, 0);
    eg_discretion_free(d);
}

TEST(discretion_range_model_hand_cases)
{
    struct eg_discretion *d = shipped();
    /* 大气法 Art. 108: 20,000–200,000, average 110,000 (GD Art. 12(2)). */
    double w;
    const char *part;
    /* 10 % < 30 %: lighter, 20,000 + 90,000 × 0.10 / 0.30 = 50,000. */
    CHECK_EQ_DBL(fine_of(d, "vocs_no_control", &w, &part, NULL, NULL), 50000, 0);
    CHECK_STR(part, "lighter");
    /* 41 %: ordinary, the average 110,000. */
    CHECK_EQ_DBL(fine_of(d, "vocs_no_control", NULL, &part, NULL, "impact=medium", "duration=m3_6",
                         "count=second", "complaint=verified", NULL),
                 110000, 0);
    CHECK_STR(part, "ordinary");
    /* Boundary: 10 + 5 + 15 = 30 % exactly is not "below 30 %": ordinary. */
    CHECK_EQ_DBL(
        fine_of(d, "vocs_no_control", &w, &part, NULL, "duration=m3_6", "complaint=verified", NULL),
        110000, 0);
    CHECK_STR(part, "ordinary");
    /* Boundary: 10 + 18 + 5 + 27 = 60 %: heavier from 60 %, 110,000 + 0. */
    CHECK_EQ_DBL(fine_of(d, "vocs_no_control", &w, &part, NULL, "impact=large", "duration=m3_6",
                         "count=fourth_plus", NULL),
                 110000, 0);
    CHECK_STR(part, "heavier");
    /* 10 + 32 + 11 + 11 + 15 = 79 %: 110,000 + 90,000 × 0.19 / 0.40 = 152,750. */
    CHECK_EQ_DBL(fine_of(d, "vocs_no_control", &w, &part, NULL, "impact=major", "duration=m6_12",
                         "count=third", "complaint=verified", NULL),
                 152750, 0);
    CHECK_STR(part, "heavier");
    /* Capped at 100 %: the maximum. */
    CHECK_EQ_DBL(fine_of(d, "vocs_no_control", &w, &part, NULL, "impact=major", "duration=ge_12m",
                         "count=fourth_plus", "complaint=verified", "+cross_region", NULL),
                 200000, 0);
    eg_discretion_free(d);
}

TEST(discretion_compute_errors_name_what_is_allowed)
{
    struct eg_discretion *d = shipped();
    struct eg_disc_result r;
    struct eg_err err = {0};
    struct eg_disc_choice bad_factor = {"weather", "sunny"}, bad_opt = {"impact", "huge"};
    struct eg_disc_choice twice[2] = {{"impact", "small"}, {"impact", "major"}};
    const char *bad_circ[] = {"bribery"}, *dup_circ[] = {"apology", "apology"};
    CHECK_EQ_INT(eg_discretion_compute(d, "no_such", NULL, 0, NULL, 0, &r, &err), EG_EINVAL);
    CHECK_STR(err.code, "unknown_violation");
    CHECK(strstr(err.msg, "air_exceedance"));
    CHECK_EQ_INT(eg_discretion_compute(d, NULL, NULL, 0, NULL, 0, &r, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_discretion_compute(d, "air_exceedance", &bad_factor, 1, NULL, 0, &r, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "unknown_factor");
    CHECK(strstr(err.msg, "impact, duration, count, complaint"));
    CHECK_EQ_INT(eg_discretion_compute(d, "air_exceedance", &bad_opt, 1, NULL, 0, &r, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "unknown_option");
    CHECK(strstr(err.msg, "small, medium, large, major"));
    CHECK_EQ_INT(eg_discretion_compute(d, "air_exceedance", twice, 2, NULL, 0, &r, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "repeated_factor");
    CHECK_EQ_INT(eg_discretion_compute(d, "air_exceedance", NULL, 0, bad_circ, 1, &r, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "unknown_circumstance");
    CHECK(strstr(err.msg, "apology"));
    CHECK_EQ_INT(eg_discretion_compute(d, "air_exceedance", NULL, 0, dup_circ, 2, &r, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "repeated_circumstance");
    eg_discretion_free(d);
}

TEST(discretion_json_input_hostile_and_wrong_types)
{
    struct eg_discretion *d = shipped();
    struct eg_err err = {0};
    json_t *out = NULL;
    json_t *in =
        json_loads("{\"violation\":\"air_exceedance\",\"factors\":{\"impact\":\"medium\","
                   "\"duration\":\"m3_6\",\"count\":\"second\",\"complaint\":\"verified\"},"
                   "\"circumstances\":[\"apology\"]}",
                   0, NULL);
    REQUIRE(in);
    REQUIRE(eg_discretion_compute_json(d, in, &out, &err) == 0);
    CHECK_EQ_DBL(json_real_value(json_object_get(out, "fine")), 287000, 0);
    CHECK_STR(json_string_value(json_object_get(out, "label_zh")),
              "超过大气污染物排放标准排放大气污染物");
    CHECK_STR(json_string_value(json_object_get(json_object_get(out, "ruleset"), "id")),
              "discretion-gd-2022");
    CHECK_EQ_INT(
        strlen(json_string_value(json_object_get(json_object_get(out, "ruleset"), "sha256"))), 64);
    CHECK(json_array_size(json_object_get(out, "steps")) == 9);
    json_decref(out);
    json_decref(in);
    const char *bad[] = {
        "[]",
        "{}",
        "{\"violation\":3}",
        "{\"violation\":\"air_exceedance\",\"factors\":[]}",
        "{\"violation\":\"air_exceedance\",\"factors\":{\"impact\":1}}",
        "{\"violation\":\"air_exceedance\",\"circumstances\":{}}",
        "{\"violation\":\"air_exceedance\",\"circumstances\":[null]}",
        "{\"violation\":\"air_exceedance\",\"factors\":{\"impact\":\"medium'; DROP TABLE x;--\"}}",
        "{\"violation\":\"air_exceedance\\u0000x\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        in = json_loads(bad[i], JSON_ALLOW_NUL, NULL);
        REQUIRE(in);
        out = NULL;
        err = (struct eg_err){0};
        if (eg_discretion_compute_json(d, in, &out, &err) != EG_EINVAL)
            eg_test_fail(__FILE__, __LINE__, "accepted %s", bad[i]);
        CHECK(!out && err.msg[0]);
        json_decref(in);
    }
    /* Oversized: a 10,000-character violation name and 100 circumstances. */
    char *big = malloc(10001);
    memset(big, 'a', 10000);
    big[10000] = 0;
    in = json_pack("{s:s}", "violation", big);
    CHECK_EQ_INT(eg_discretion_compute_json(d, in, &out, &err), EG_EINVAL);
    CHECK(strlen(err.msg) < sizeof err.msg);
    json_decref(in);
    free(big);
    in = json_pack("{s:s, s:[]}", "violation", "air_exceedance", "circumstances");
    for (int i = 0; i < 100; i++)
        json_array_append_new(json_object_get(in, "circumstances"), json_string("apology"));
    CHECK_EQ_INT(eg_discretion_compute_json(d, in, &out, &err), EG_EINVAL);
    json_decref(in);
    eg_discretion_free(d);
}

TEST(discretion_daily_continuous_penalty_order_28)
{
    struct eg_discretion *d = shipped();
    const struct eg_disc_violation *air = eg_discretion_violation(d, "air_exceedance");
    int64_t days;
    double total;
    json_t *steps = NULL;
    struct eg_err err = {0};
    /* governance-research.md §5.4: 200,000; served 03-01, re-check 03-20 → 19 days; new order
       03-20, re-check 04-10 → +21 = 40 days → 8,000,000 (Art. 17, 19). */
    struct eg_disc_round r2[] = {{"2024-03-01", "2024-03-20"}, {"2024-03-20", "2024-04-10"}};
    REQUIRE(eg_discretion_daily(air, 200000, r2, 2, &days, &total, &steps, &err) == 0);
    CHECK_EQ_INT(days, 40);
    CHECK_EQ_DBL(total, 8000000, 0);
    CHECK_EQ_INT(json_array_size(steps), 3);
    CHECK(strstr(json_string_value(json_object_get(json_array_get(steps, 0), "text_zh")),
                 "计 19 日"));
    json_decref(steps);
    /* Leap year: served 2024-02-28, re-check 03-01 → 02-29, 03-01 = 2 days; 2023: 1 day. */
    struct eg_disc_round leap = {"2024-02-28", "2024-03-01"}, plain = {"2023-02-28", "2023-03-01"};
    REQUIRE(eg_discretion_daily(NULL, 1000, &leap, 1, &days, &total, &steps, &err) == 0);
    CHECK_EQ_INT(days, 2);
    json_decref(steps);
    REQUIRE(eg_discretion_daily(NULL, 1000, &plain, 1, &days, &total, &steps, &err) == 0);
    CHECK_EQ_INT(days, 1);
    json_decref(steps);
    /* Across a year end, beyond 30 days (Art. 10 noted, still counted): 12-15 → 01-20 = 36. */
    struct eg_disc_round late = {"2023-12-15", "2024-01-20"};
    REQUIRE(eg_discretion_daily(NULL, 50000, &late, 1, &days, &total, &steps, &err) == 0);
    CHECK_EQ_INT(days, 36);
    CHECK_EQ_DBL(total, 1800000, 0);
    CHECK_EQ_INT(json_array_size(steps), 3);
    CHECK(strstr(json_string_value(json_object_get(json_array_get(steps, 1), "text_zh")),
                 "超过 30 日"));
    json_decref(steps);
    /* Refusals. */
    struct eg_disc_round same = {"2024-03-01", "2024-03-01"}, before = {"2024-03-05", "2024-03-01"};
    struct eg_disc_round order[] = {{"2024-03-01", "2024-03-20"}, {"2024-03-10", "2024-04-10"}};
    struct eg_disc_round baddate = {"2024-3-1", "2024-03-20"}, nulld = {NULL, "2024-03-20"};
    CHECK_EQ_INT(eg_discretion_daily(NULL, 1000, &same, 1, &days, &total, &steps, &err), EG_EINVAL);
    CHECK_STR(err.code, "recheck");
    CHECK_EQ_INT(eg_discretion_daily(NULL, 1000, &before, 1, &days, &total, &steps, &err),
                 EG_EINVAL);
    CHECK_EQ_INT(eg_discretion_daily(NULL, 1000, order, 2, &days, &total, &steps, &err), EG_EINVAL);
    CHECK_STR(err.code, "served");
    CHECK_EQ_INT(eg_discretion_daily(NULL, 1000, &baddate, 1, &days, &total, &steps, &err),
                 EG_EINVAL);
    CHECK_EQ_INT(eg_discretion_daily(NULL, 1000, &nulld, 1, &days, &total, &steps, &err),
                 EG_EINVAL);
    CHECK_EQ_INT(eg_discretion_daily(NULL, 0, &leap, 1, &days, &total, &steps, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_discretion_daily(NULL, NAN, &leap, 1, &days, &total, &steps, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_discretion_daily(NULL, 1000, &leap, 0, &days, &total, &steps, &err), EG_EINVAL);
    /* Not a violation of 环境保护法 Art. 59's list in the rule set (daily = 0). */
    CHECK_EQ_INT(eg_discretion_daily(eg_discretion_violation(d, "vocs_no_control"), 1000, &leap, 1,
                                     &days, &total, &steps, &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "not_daily");
    CHECK(steps == NULL);
    eg_discretion_free(d);
}

/* A rule set with one line replaced compiles with an error naming file:line: field. */
static void bad_ruleset(const char *body, const char *want, int line)
{
    char text[4096];
    snprintf(text, sizeof text,
             "kind = penalty_discretion\nid = t\nversion = 1\njurisdiction = x\nvalid_from = "
             "2022-01-01\n%s",
             body);
    struct eg_ruleset *rs = NULL;
    struct eg_discretion *d = NULL;
    struct eg_err err = {0};
    REQUIRE(eg_ruleset_parse("t.rs", text, strlen(text), &rs, &err) == 0);
    int rc = eg_discretion_compile(rs, &d, &err);
    if (rc != EG_EINVAL || !strstr(err.msg, want))
        eg_test_fail(__FILE__, __LINE__, "want '%s', got %d '%s'", want, rc, err.msg);
    char where[32];
    snprintf(where, sizeof where, "t.rs:%d:", line);
    if (!strstr(err.msg, where))
        eg_test_fail(__FILE__, __LINE__, "want %s in '%s'", where, err.msg);
    CHECK(d == NULL);
}

#define FACTOR "[factor f]\nlabel = F\noption = a 0 甲\noption = b 0.2 乙\n"
#define VIOL(model, min, max, factors)                                                             \
    "[violation v]\nlabel = V\nbasis = B\nmodel = " model "\nmin_fine = " min "\nmax_fine = " max  \
    "\nstart_weight = 0.1\nfactors = " factors "\n"

TEST(discretion_ruleset_errors_name_file_line_field)
{
    /* Lines 1–5 are the header; the body starts at line 6. FACTOR is lines 6–9, VIOL 10–17. */
    bad_ruleset("[factor f]\nlabel = F\noption = a x 甲\n" VIOL("weight", "1", "10", "f"),
                "option: 'a x 甲' is not 'NAME WEIGHT LABEL'", 8);
    bad_ruleset("[factor f]\nlabel = F\noption = a 1.5 甲\n" VIOL("weight", "1", "10", "f"),
                "option:", 8);
    bad_ruleset("[factor f]\nlabel = F\noption = a 0\n" VIOL("weight", "1", "10", "f"),
                "option:", 8);
    bad_ruleset("[factor F!]\nlabel = F\noption = a 0 甲\n" VIOL("weight", "1", "10", "f"),
                "a factor needs a name", 6);
    bad_ruleset("[factor f]\nlabel = F\noption = a 0 甲\noption = a 0.1 乙\n" VIOL("weight", "1",
                                                                                   "10", "f"),
                "option 'a' is given twice", 9);
    bad_ruleset("[factor f]\nlabel = F\n" VIOL("weight", "1", "10", "f"), "at least one option", 6);
    bad_ruleset(FACTOR VIOL("weight", "1", "10", "f g"), "'g' is no [factor]", 17);
    bad_ruleset(FACTOR VIOL("weight", "1", "10", "f f"), "'f' is named twice", 17);
    bad_ruleset(FACTOR VIOL("linear", "1", "10", "f"), "use weight or range", 13);
    bad_ruleset(FACTOR VIOL("weight", "10", "1", "f"), "not below min_fine", 15);
    bad_ruleset(FACTOR VIOL("weight", "abc", "1", "f"), "min_fine", 14);
    bad_ruleset(FACTOR "[violation v]\nlabel = V\nmodel = weight\n", "basis", 10);
    bad_ruleset(FACTOR VIOL("weight", "1", "10", "f") "[circumstance c]\nlabel = C\nbasis = "
                                                      "B\nkind = neutral\n",
                "use aggravating or mitigating", 21);
    bad_ruleset(FACTOR VIOL("weight", "1", "10", "f") "[circumstance c]\nlabel = C\nbasis = "
                                                      "B\nkind = mitigating\nreduce = 2\n",
                "reduce", 22);
    bad_ruleset(FACTOR VIOL("weight", "1", "10", "f") "[circumstance c]\nlabel = C\nbasis = "
                                                      "B\nkind = aggravating\n",
                "add_weight", 18);
    bad_ruleset(FACTOR VIOL("weight", "1", "10", "f") "[violation v]\nlabel = W\n", "defined twice",
                18);
    bad_ruleset("[penalty x]\nlabel = y\n" FACTOR VIOL("weight", "1", "10", "f"), "unknown section",
                6);
    bad_ruleset(FACTOR, "no [violation NAME] section", 1);
    bad_ruleset("range_lighter_below = 0.7\nrange_heavier_from = 0.6\n" FACTOR VIOL("weight", "1",
                                                                                    "10", "f"),
                "range_lighter_below <= range_heavier_from", 7);
    /* The wrong kind. */
    const char *other = "kind = credit_scheme\nid = t\nversion = 1\njurisdiction = x\nvalid_from "
                        "= 2022-01-01\n" FACTOR VIOL("weight", "1", "10", "f");
    struct eg_ruleset *rs = NULL;
    struct eg_discretion *d = NULL;
    struct eg_err err = {0};
    REQUIRE(eg_ruleset_parse("o.rs", other, strlen(other), &rs, &err) == 0);
    CHECK_EQ_INT(eg_discretion_compile(rs, &d, &err), EG_EINVAL);
    CHECK(strstr(err.msg, "o.rs:1: kind: 'credit_scheme' is not penalty_discretion"));
    /* The minimal good one compiles; its factors may follow the violation in the file. */
    const char *ok = "kind = penalty_discretion\nid = t\nversion = 1\njurisdiction = x\nvalid_from "
                     "= 2022-01-01\n" VIOL("range", "1", "10", "f") FACTOR;
    REQUIRE(eg_ruleset_parse("ok.rs", ok, strlen(ok), &rs, &err) == 0);
    if (eg_discretion_compile(rs, &d, &err) != 0)
        eg_test_fail(__FILE__, __LINE__, "%s", err.msg);
    REQUIRE(d);
    CHECK_EQ_INT(d->violations[0].model, EG_DISC_RANGE);
    CHECK_EQ_INT(d->violations[0].nfactors, 1);
    CHECK_EQ_DBL(d->factors[0].options[1].weight, 0.2, 0);
    CHECK_STR(d->factors[0].options[1].label, "乙");
    eg_discretion_free(d);
}
