/* Tests of the positive list (src/govern/poslist.c) against the shipped sh-poslist-2021 rule set
   (上海市生态环境监督执法正面清单管理办法 2021; conditions: credit grade very_good/good/green/blue,
   no penalty/incident/serious violation in 24 months, a valid permit; validity 36 months;
   triggers of seed 004 (七)). Scene: E1 very good credit with a permit; E2 good credit with a
   permit and a penalty 12 months ago; E3 very good credit without a permit. */
#include "govern/govern.h"
#include "test.h"
#include "unit/db/db_fixture.h"

#include <stdio.h>
#include <string.h>

#define SCENE                                                                                      \
    "INSERT INTO regions (id, code, name, level) VALUES (1, 'D', '区', 'district');"              \
    "INSERT INTO units (id, name, kind, region_id) VALUES (1, '甲厂', 'enterprise', 1), (2, "    \
    "'乙厂', 'enterprise', 1), (3, '丙厂', 'enterprise', 1);"                                  \
    "INSERT INTO permits (number, unit_id, category, valid_from, valid_to) VALUES ('P1', 1, "      \
    "'key', '2020-01-01', '2099-12-31'), ('P2', 2, 'simplified', NULL, NULL), ('P3', 3, "          \
    "'key', '2010-01-01', '2015-01-01');"

static const struct eg_principal bureau = {EG_ROLE_BUREAU, 23, "officer", "", 0};
static const struct eg_principal ent1 = {EG_ROLE_ENTERPRISE, 20, "ent1", "", 1};

static void today(char out[16], int months_back)
{
    char t[32];
    eg_time_format_beijing(eg_time_now() - (int64_t)months_back * 31 * 86400, t, sizeof t);
    memcpy(out, t, 10);
    out[10] = 0;
}

static struct eg_db *scene(void)
{
    struct eg_db *db = eg_tfx_open("poslist.db", SCENE);
    struct eg_err err = {0};
    /* 2 complaints make E2 "good" under sh-credit-2020 (信访投诉 1..2 -> 80). */
    REQUIRE(eg_credit_input_set(db, &bureau, 2, 2020, "complaints", 2, NULL, &err) == 0);
    int64_t run;
    REQUIRE(eg_credit_run(db, &bureau, 2020, "上海市", &run, NULL, &err) == 0);
    int n;
    REQUIRE(eg_credit_publish(db, &bureau, run, "very_good", &n, &err) == 0 && n == 2);
    REQUIRE(eg_credit_publish(db, &bureau, run, "good", &n, &err) == 0 && n == 1);
    char d[16];
    today(d, 12);
    int removed = 1;
    REQUIRE(eg_poslist_on_penalty(db, &bureau, 2, "penalty", d, "沪环罚〔2025〕7号", &removed,
                                  &err) == 0);
    CHECK_EQ_INT(removed, 0); /* not listed: nothing to remove, but the event counts */
    return db;
}

static int met(json_t *reasons, const char *cond)
{
    size_t i;
    json_t *r;
    json_array_foreach(reasons, i, r)
    {
        if (!strcmp(json_string_value(json_object_get(r, "condition")), cond))
            return json_is_true(json_object_get(r, "met"));
    }
    return -1;
}

TEST(poslist_inclusion_checked_with_reasons_validity_three_years)
{
    struct eg_db *db = scene();
    struct eg_err err = {0};
    char d[16];
    today(d, 0);
    int ok = 0;
    json_t *why = NULL;
    REQUIRE(eg_poslist_check(db, 1, d, &ok, &why, &err) == 0);
    CHECK_EQ_INT(ok, 1);
    CHECK_EQ_INT(json_array_size(why), 3);
    CHECK_EQ_INT(met(why, "credit"), 1);
    CHECK_EQ_INT(met(why, "no_penalty"), 1);
    CHECK_EQ_INT(met(why, "permit"), 1);
    json_decref(why);
    /* E2: the penalty 12 months ago is inside the 24-month look-back. */
    REQUIRE(eg_poslist_check(db, 2, d, &ok, &why, &err) == 0);
    CHECK_EQ_INT(ok, 0);
    CHECK_EQ_INT(met(why, "credit"), 1);
    CHECK_EQ_INT(met(why, "no_penalty"), 0);
    json_decref(why);
    /* E3: its permit expired in 2015. Inclusion refused, naming the condition. */
    CHECK_EQ_INT(eg_poslist_include(db, &bureau, 3, d, NULL, &why, &err), EG_EINVAL);
    CHECK_STR(err.code, "conditions_not_met");
    CHECK(strstr(err.msg, "持有有效排污许可证或排污登记") != NULL);
    CHECK_EQ_INT(met(why, "permit"), 0);
    json_decref(why);
    /* Only the bureau includes. */
    CHECK_EQ_INT(eg_poslist_include(db, &ent1, 1, d, NULL, NULL, &err), EG_EPERM);
    /* E1 included today; valid 36 months: until the day before the same date 3 years later. */
    int64_t id = 0;
    REQUIRE(eg_poslist_include(db, &bureau, 1, d, &id, NULL, &err) == 0);
    int y = 0, m = 0, dd = 0;
    sscanf(d, "%d-%d-%d", &y, &m, &dd);
    char last[40], after[40], before[40];
    eg_civil_from_days(eg_days_from_civil(y + 3, m, dd) - 1, &y, &m, &dd);
    snprintf(last, sizeof last, "%04d-%02d-%02d", y, m, dd);
    eg_civil_from_days(eg_days_from_civil(y, m, dd) + 1, &y, &m, &dd);
    snprintf(after, sizeof after, "%04d-%02d-%02d", y, m, dd);
    sscanf(d, "%d-%d-%d", &y, &m, &dd);
    eg_civil_from_days(eg_days_from_civil(y, m, dd) - 1, &y, &m, &dd);
    snprintf(before, sizeof before, "%04d-%02d-%02d", y, m, dd);
    json_t *rows = NULL;
    REQUIRE(eg_poslist_list(db, 1, &rows, &err) == 0);
    REQUIRE(json_array_size(rows) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "valid_until")), last);
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_array_get(rows, 0), "ruleset"), "id")),
              "sh-poslist-2021");
    json_decref(rows);
    int listed = 0;
    eg_poslist_listed(db, 1, last, &listed, NULL, &err);
    CHECK_EQ_INT(listed, 1);
    eg_poslist_listed(db, 1, after, &listed, NULL, &err);
    CHECK_EQ_INT(listed, 0); /* expired */
    eg_poslist_listed(db, 1, before, &listed, NULL, &err);
    CHECK_EQ_INT(listed, 0); /* not yet */
    /* Included twice on a covered date: refused. */
    CHECK_EQ_INT(eg_poslist_include(db, &bureau, 1, d, NULL, NULL, &err), EG_ECONFLICT);
    /* Before the rule set (2021-08-25) there is no positive list. */
    CHECK_EQ_INT(eg_poslist_check(db, 1, "2021-01-01", &ok, &why, &err), EG_ENOTFOUND);
    CHECK_EQ_INT(eg_poslist_check(db, 1, "2021-13-01", &ok, &why, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_tfx_int(db, "SELECT count(*) FROM audit_log WHERE resource = "
                                "'govern_poslist'"),
                 1);
    eg_db_close(db);
}

TEST(poslist_inspection_needs_a_trigger_and_penalty_removes)
{
    struct eg_db *db = scene();
    struct eg_err err = {0};
    char d[16];
    today(d, 0);
    REQUIRE(eg_poslist_include(db, &bureau, 1, d, NULL, NULL, &err) == 0);
    /* Seed 004 (七): a listed unit is inspected on site only on a named trigger. */
    CHECK_EQ_INT(eg_poslist_check_inspection(db, 1, d, NULL, NULL, &err), EG_EINVAL);
    CHECK_STR(err.code, "trigger_required");
    CHECK(strstr(err.msg, "complaint_verification (信访举报核实)") != NULL);
    CHECK(strstr(err.msg, "abnormal_online_data (在线监测数据异常)") != NULL);
    CHECK_EQ_INT(eg_poslist_check_inspection(db, 1, d, "routine", "x", &err), EG_EINVAL);
    CHECK_STR(err.code, "trigger_required");
    CHECK_EQ_INT(eg_poslist_check_inspection(db, 1, d, "abnormal_online_data", "", &err),
                 EG_EINVAL);
    CHECK_STR(err.code, "trigger_ref");
    CHECK_EQ_INT(eg_poslist_check_inspection(db, 1, d, "abnormal_online_data", "alert:17", &err),
                 0);
    CHECK_EQ_INT(eg_poslist_check_inspection(db, 1, d, "sudden_event", "事件 2026-01", &err), 0);
    CHECK_EQ_INT(
        eg_poslist_check_inspection(db, 1, d, "complaint_verification", "complaint:3", &err), 0);
    /* An unlisted unit needs no trigger. */
    CHECK_EQ_INT(eg_poslist_check_inspection(db, 3, d, NULL, NULL, &err), 0);
    /* A penalty removes the unit at once (Shanghai 2022: removed on an administrative penalty). */
    int removed = 0;
    CHECK_EQ_INT(eg_poslist_on_penalty(db, &ent1, 1, "penalty", d, "x", &removed, &err), EG_EPERM);
    CHECK_EQ_INT(eg_poslist_on_penalty(db, &bureau, 1, "fine", d, "x", &removed, &err), EG_EINVAL);
    CHECK_EQ_INT(eg_poslist_on_penalty(db, &bureau, 99, "penalty", d, "x", &removed, &err),
                 EG_ENOTFOUND);
    REQUIRE(eg_poslist_on_penalty(db, &bureau, 1, "penalty", d, "沪环罚〔2026〕9号", &removed,
                                  &err) == 0);
    CHECK_EQ_INT(removed, 1);
    int listed = 1;
    eg_poslist_listed(db, 1, d, &listed, NULL, &err);
    CHECK_EQ_INT(listed, 0);
    CHECK_EQ_INT(eg_poslist_check_inspection(db, 1, d, NULL, NULL, &err), 0);
    json_t *rows = NULL;
    REQUIRE(eg_poslist_list(db, 0, &rows, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "status")), "removed");
    CHECK_STR(json_string_value(json_object_get(json_array_get(rows, 0), "removal_reason")),
              "penalty");
    json_decref(rows);
    /* And it cannot come back while the penalty is in the look-back. */
    int ok = 1;
    json_t *why = NULL;
    REQUIRE(eg_poslist_check(db, 1, d, &ok, &why, &err) == 0);
    CHECK_EQ_INT(ok, 0);
    json_decref(why);
    /* The penalty recorded here counts in the credit of its year ("penalties" from the events). */
    int y = 0, m = 0, dd = 0;
    sscanf(d, "%d-%d-%d", &y, &m, &dd);
    REQUIRE(eg_credit_run(db, &bureau, 2024, "上海市", NULL, NULL, &err) == 0 || y != 2024);
    /* Before the rule set (2021-08-25) nothing can be included. */
    CHECK_EQ_INT(eg_poslist_include(db, &bureau, 3, "2014-01-01", NULL, NULL, &err), EG_ENOTFOUND);
    eg_db_close(db);
}
