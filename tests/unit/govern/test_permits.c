/* Tests of permit-driven supervision (src/govern/permits.c, 一证式, seed 004; seed 000's park
   condition), worked out by hand on the date 2026-12-03:
     expiring within 60 days (排污许可管理办法 Art. 14): P1 2026-12-20 (17 days), P5 2027-01-15
       (28 + 15 = 43), P6 2027-02-01 (31 + 29 = 60, included); not P8 2027-02-02 (61), not the
       revoked P7, not the expired P3;
     park 化工园区: enterprises 1 (P1), 2 (registration P2), 3 (expired P3), 4 (none): 2 of 4
       covered, rate 0.5, uncovered 3 and 4; 空园区 without enterprises: rate null;
     missing execution reports (条例 Art. 22; due the 15th of the month after the period): P1
       quarterly + annual, submitted 2025-Q4, 2026-Q1 and 2025: missing 2026-Q2 (due 07-15) and
       2026-Q3 (due 10-15); P5 monthly from 2026-10-20: missing 2026-10 (due 11-15), 2026-11 not
       yet due (12-15). */
#include "govern/govern.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <string.h>

#define SCENE                                                                                          \
    "INSERT INTO regions (id, code, name, level) VALUES (1, 'D', '区', 'district');"                  \
    "INSERT INTO units (id, name, kind, region_id, park_id) VALUES (100, '化工园区', 'park', 1, "  \
    "NULL), (101, '空园区', 'park', 1, NULL), (1, '甲厂', 'enterprise', 1, 100), (2, '乙厂', "  \
    "'enterprise', 1, 100), (3, '丙厂', 'enterprise', 1, 100), (4, '丁厂', 'enterprise', 1, "      \
    "100), (5, '戊厂', 'enterprise', 1, NULL), (6, '己厂', 'enterprise', 1, NULL), (7, '庚厂', " \
    "'enterprise', 1, NULL), (8, '辛厂', 'enterprise', 1, NULL);"                                    \
    "INSERT INTO permits (id, number, unit_id, category, valid_from, valid_to, status) VALUES "        \
    "(1, 'P1', 1, 'key', '2020-01-01', '2026-12-20', 'valid'), (2, 'P2', 2, 'registration', "          \
    "NULL, NULL, 'valid'), (3, 'P3', 3, 'key', '2010-01-01', '2015-01-01', 'valid'), (5, 'P5', "       \
    "5, 'simplified', '2026-10-20', '2027-01-15', 'valid'), (6, 'P6', 6, 'key', '2022-02-02', "        \
    "'2027-02-01', 'valid'), (7, 'P7', 7, 'key', '2022-01-01', '2026-12-10', 'revoked'), (8, "         \
    "'P8', 8, 'key', '2022-02-03', '2027-02-02', 'valid');"

static const struct eg_principal bureau = {EG_ROLE_BUREAU, 23, "officer", "", 0};
static const struct eg_principal ent1 = {EG_ROLE_ENTERPRISE, 20, "ent1", "", 1};
static const struct eg_principal ent2 = {EG_ROLE_ENTERPRISE, 21, "ent2", "", 2};
static const struct eg_principal anon = {EG_ROLE_ANON, 0, "", "", 0};

TEST(permits_expiring_within_60_days_and_park_coverage)
{
    struct eg_db *db = eg_tfx_open("permits.db", SCENE);
    struct eg_err err = {0};
    json_t *rows = NULL;
    REQUIRE(eg_permits_expiring(db, "2026-12-03", 60, &rows, &err) == 0);
    REQUIRE(json_array_size(rows) == 3);
    const char *num[] = {"P1", "P5", "P6"};
    const int left[] = {17, 43, 60};
    for (size_t i = 0; i < 3; i++) {
        json_t *r = json_array_get(rows, i);
        CHECK_STR(json_string_value(json_object_get(r, "number")), num[i]);
        CHECK_EQ_INT(json_integer_value(json_object_get(r, "days_left")), left[i]);
    }
    CHECK(json_is_true(json_object_get(json_array_get(rows, 0), "renewal_overdue")));
    CHECK(json_is_false(json_object_get(json_array_get(rows, 2), "renewal_overdue")));
    json_decref(rows);
    CHECK_EQ_INT(eg_permits_expiring(db, "2026-12-3", 60, &rows, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_permits_expiring(db, "2026-12-03", 0, &rows, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_permits_expiring(db, NULL, 60, &rows, &err), EG_EINVAL);

    REQUIRE(eg_park_coverage(db, 0, "2026-12-03", &rows, &err) == 0);
    REQUIRE(json_array_size(rows) == 2);
    json_t *p = json_array_get(rows, 0);
    CHECK_STR(json_string_value(json_object_get(p, "park")), "化工园区");
    CHECK_EQ_INT(json_integer_value(json_object_get(p, "enterprises")), 4);
    CHECK_EQ_INT(json_integer_value(json_object_get(p, "covered")), 2);
    CHECK_EQ_DBL(json_real_value(json_object_get(p, "rate")), 0.5, 0);
    json_t *un = json_object_get(p, "uncovered");
    REQUIRE(json_array_size(un) == 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(un, 0), "unit_id")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(un, 1), "unit_id")), 4);
    CHECK(json_is_null(json_object_get(json_array_get(rows, 1), "rate")));
    json_decref(rows);
    /* On 2014-06-01: P2 (no dates) and P3 (2010–2015) cover, P1 starts 2020: 2 of 4. */
    REQUIRE(eg_park_coverage(db, 100, "2014-06-01", &rows, &err) == 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(rows, 0), "covered")), 2);
    json_decref(rows);
    CHECK_EQ_INT(eg_park_coverage(db, 1, "2026-12-03", &rows, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_park_coverage(db, 100, "x", &rows, &err), EG_EINVAL);
    eg_db_close(db);
}

TEST(permits_execution_reports_cadence_missing_and_scope)
{
    struct eg_db *db = eg_tfx_open("permits2.db", SCENE);
    struct eg_err err = {0};
    /* Cadences are set by staff only. */
    CHECK_EQ_INT(eg_permit_report_plan_set(db, &ent1, 1, "annual", 1, &err), EG_EPERM);
    CHECK_EQ_INT(eg_permit_report_plan_set(db, &anon, 1, "annual", 1, &err), EG_EAUTH);
    CHECK_EQ_INT(eg_permit_report_plan_set(db, &bureau, 1, "weekly", 1, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_permit_report_plan_set(db, &bureau, 999, "annual", 1, &err), EG_ENOTFOUND);
    REQUIRE(eg_permit_report_plan_set(db, &bureau, 1, "annual", 1, &err) == 0);
    REQUIRE(eg_permit_report_plan_set(db, &bureau, 1, "quarterly", 1, &err) == 0);
    REQUIRE(eg_permit_report_plan_set(db, &bureau, 1, "monthly", 1, &err) == 0);
    REQUIRE(eg_permit_report_plan_set(db, &bureau, 1, "monthly", 0, &err) == 0); /* removed */
    REQUIRE(eg_permit_report_plan_set(db, &bureau, 5, "monthly", 1, &err) == 0);
    /* Submissions: the enterprise its own permit; staff any. */
    int64_t rid = 0;
    REQUIRE(eg_permit_report_submit(db, &ent1, 1, "quarterly", "2025-Q4", "2026-01-10", &rid,
                                    &err) == 0);
    CHECK(rid > 0);
    REQUIRE(eg_permit_report_submit(db, &ent1, 1, "quarterly", "2026-Q1", "2026-04-12", NULL,
                                    &err) == 0);
    REQUIRE(eg_permit_report_submit(db, &bureau, 1, "annual", "2025", "2026-01-14", NULL, &err) ==
            0);
    CHECK_EQ_INT(
        eg_permit_report_submit(db, &ent1, 1, "quarterly", "2026-Q1", "2026-04-13", NULL, &err),
        EG_ECONFLICT);
    CHECK_EQ_INT(
        eg_permit_report_submit(db, &ent2, 1, "quarterly", "2026-Q2", "2026-07-01", NULL, &err),
        EG_ENOTFOUND);
    CHECK_EQ_INT(
        eg_permit_report_submit(db, &anon, 1, "quarterly", "2026-Q2", "2026-07-01", NULL, &err),
        EG_EAUTH);
    const char *bad[][2] = {{"quarterly", "2026-Q5"}, {"quarterly", "2026"},
                            {"monthly", "2026-13"},   {"monthly", "2026-00"},
                            {"annual", "26"},         {"semiannual", "2026-H3"},
                            {"annual", "2026x"},      {"daily", "2026-01-01"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_EQ_INT(
            eg_permit_report_submit(db, &bureau, 1, bad[i][0], bad[i][1], "2026-07-01", NULL, &err),
            EG_EINVAL);
    CHECK_EQ_INT(
        eg_permit_report_submit(db, &bureau, 1, "annual", "2026", "2026/07/01", NULL, &err),
        EG_EINVAL);
    json_t *rows = NULL;
    REQUIRE(eg_permit_reports_missing(db, "2026-12-03", &rows, &err) == 0);
    REQUIRE(json_array_size(rows) == 3);
    const char *want[][3] = {{"P1", "2026-Q2", "2026-07-15"},
                             {"P1", "2026-Q3", "2026-10-15"},
                             {"P5", "2026-10", "2026-11-15"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *r = json_array_get(rows, i);
        CHECK_STR(json_string_value(json_object_get(r, "number")), want[i][0]);
        CHECK_STR(json_string_value(json_object_get(r, "period")), want[i][1]);
        CHECK_STR(json_string_value(json_object_get(r, "due_on")), want[i][2]);
    }
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "cadence_zh")),
              "季度执行报告");
    json_decref(rows);
    /* On 2026-12-15 the November report of P5 falls due too. */
    REQUIRE(eg_permit_reports_missing(db, "2026-12-15", &rows, &err) == 0);
    CHECK_EQ_INT(json_array_size(rows), 4);
    json_decref(rows);
    CHECK_EQ_INT(eg_permit_reports_missing(db, "2026-02-30x", &rows, &err), EG_EINVAL);
    eg_db_close(db);
}
